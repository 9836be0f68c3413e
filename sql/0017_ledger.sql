-- 0017_ledger: the one way into the ledger, and a case's registration
-- and steps as functions a reader can check field by field.
--
-- ledger_append() is the only INSERT into an events table.  It takes what
-- the service hashed -- the event's record (canonical JSON, the format is
-- fcgi/ledger/record.c), the previous hash and the hash -- and fills the
-- table's columns from the record; the BEFORE INSERT trigger (0007)
-- still recomputes the hash and the chain.  The service, the bulk seeder
-- and the isolation spec all append through it.
--
-- case_open() and case_step() make a case's row the projection of its
-- stream: the row is written from the event's record and the few facts
-- the workflow library computed (a JSON object with named members), in
-- the same statement as the event and the deadlines, so that a step is
-- one round trip and the case row's lock orders its chain.

CREATE FUNCTION ledger_append(e_entity text, e_record text, e_prev bytea,
    e_hash bytea) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	r	jsonb := e_record::jsonb;
BEGIN
	CASE e_entity
	WHEN 'case' THEN
		INSERT INTO case_events (case_id, seq, at, actor, role, region,
		    case_region, event, phase, from_state, to_state, record,
		    request_id, prev_hash, hash)
		VALUES ((r->>'case')::bigint, (r->>'seq')::integer,
		    (r->>'at')::timestamptz, (r->>'actor')::bigint, r->>'role',
		    r->>'region', r->>'case_region', r->>'event', r->>'phase',
		    r->>'from', r->>'to', e_record, r->>'request_id', e_prev,
		    e_hash);
	ELSE
		RAISE EXCEPTION 'no ledger stream "%"', e_entity
		USING ERRCODE = 'check_violation';
	END CASE;
END
$$;

-- The deadlines a case's event `seq` (at `at`) starts: rows of `starts`
-- [{"kind", "basis", "due", "known"}], times in Unix seconds.
CREATE FUNCTION case_deadlines_start(c_id bigint, c_region char(6),
    e_seq integer, starts jsonb) RETURNS void
LANGUAGE sql AS $$
	INSERT INTO case_deadlines (case_id, kind, started_seq, region,
	    basis_at, due_at, calendar_known)
	SELECT c_id, s.kind, e_seq, c_region, to_timestamp(s.basis),
	    to_timestamp(s.due), s.known
	  FROM jsonb_to_recordset(starts)
	    AS s(kind text, basis bigint, due bigint, known boolean)
$$;

-- Register a case: its row from event 1 (the record's case, region,
-- actor, state and payload), the event, and the deadlines it starts.
-- step: {"deadlines_start": [...]}.
CREATE FUNCTION case_open(step jsonb, e_entity text, e_record text,
    e_prev bytea, e_hash bytea) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	r	jsonb := e_record::jsonb;
	p	jsonb := r->'payload';
	v_case	bigint := (r->>'case')::bigint;
BEGIN
	INSERT INTO cases (id, enterprise_id, region, campaign_id, category,
	    domain, source, problem, risk_level, state, version, last_seq,
	    last_hash, created_by, next_due)
	VALUES (v_case, (p->>'enterprise_id')::bigint, r->>'case_region',
	    (p->>'campaign_id')::integer, p->>'category', p->>'domain',
	    p->>'source', p->>'problem', p->>'risk_level', r->>'to', 1,
	    (r->>'seq')::integer, e_hash, (r->>'actor')::bigint,
	    (SELECT min(to_timestamp((s->>'due')::bigint))
	       FROM jsonb_array_elements(step->'deadlines_start') s));
	PERFORM ledger_append(e_entity, e_record, e_prev, e_hash);
	PERFORM case_deadlines_start(v_case, r->>'case_region',
	    (r->>'seq')::integer, step->'deadlines_start');
END
$$;

-- One step of a case: the guarded UPDATE of its row, then -- only if it
-- matched -- the event and the deadline changes.  From the record: the
-- case, seq, from and to states, actor and time.  From `step`:
--
--	version			the version the request read (If-Match)
--	pending_event		the proposal pending after the step, or null
--	pending_seq		its event, or null
--	interviews		interviews to add (0 or 1)
--	lookback, lookback_on	whether to set lookback_on, and to what
--	penalty			a penalty decision: fine_amount,
--				confiscation_amount, case_value
--	judicial, discipline	a transfer took effect
--	deadlines_end		kinds whose running deadline ends
--	deadlines_start		deadlines begun (case_deadlines_start)
--
-- The UPDATE takes the row's lock; if anyone changed the case since the
-- request read it, it matches nothing and nothing else happens: false.
-- next_due is the earliest due of the open deadlines the step leaves, so
-- the row is written once.
CREATE FUNCTION case_step(step jsonb, e_entity text, e_record text,
    e_prev bytea, e_hash bytea) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
	r	jsonb := e_record::jsonb;
	v_case	bigint := (r->>'case')::bigint;
	v_seq	integer := (r->>'seq')::integer;
	v_at	timestamptz := (r->>'at')::timestamptz;
	v_by	bigint := (r->>'actor')::bigint;
	v_pend	text := step->>'pending_event';
	v_ended	text[] := ARRAY(SELECT jsonb_array_elements_text(
		    step->'deadlines_end'));
	v_now	timestamptz := now();
BEGIN
	UPDATE cases c SET
	    state = r->>'to',
	    version = c.version + 1,
	    last_seq = v_seq,
	    last_hash = e_hash,
	    pending_event = v_pend,
	    pending_seq = (step->>'pending_seq')::integer,
	    pending_by = CASE WHEN v_pend IS NULL THEN NULL
		WHEN c.pending_event IS NULL THEN v_by ELSE c.pending_by END,
	    pending_at = CASE WHEN v_pend IS NULL THEN NULL
		WHEN c.pending_event IS NULL THEN v_now ELSE c.pending_at END,
	    interviews = c.interviews + (step->>'interviews')::integer,
	    lookback_on = CASE WHEN (step->>'lookback')::boolean
		THEN (step->>'lookback_on')::date ELSE c.lookback_on END,
	    penalty_decided_at = CASE WHEN (step->>'penalty')::boolean
		THEN v_now ELSE c.penalty_decided_at END,
	    fine_amount = CASE WHEN (step->>'penalty')::boolean
		THEN (step->>'fine_amount')::numeric ELSE c.fine_amount END,
	    confiscation_amount = CASE WHEN (step->>'penalty')::boolean
		THEN (step->>'confiscation_amount')::numeric
		ELSE c.confiscation_amount END,
	    case_value = CASE WHEN (step->>'penalty')::boolean
		THEN (step->>'case_value')::numeric ELSE c.case_value END,
	    judicial_transferred_at = CASE WHEN (step->>'judicial')::boolean
		THEN v_now ELSE c.judicial_transferred_at END,
	    discipline_transferred_at = CASE
		WHEN (step->>'discipline')::boolean
		THEN v_now ELSE c.discipline_transferred_at END,
	    next_due = (SELECT min(due) FROM (
		SELECT d.due_at AS due FROM case_deadlines d
		 WHERE d.case_id = v_case AND d.stopped_at IS NULL
		   AND d.kind <> ALL (v_ended)
		UNION ALL
		SELECT to_timestamp((s->>'due')::bigint)
		  FROM jsonb_array_elements(step->'deadlines_start') s) open),
	    updated_at = v_now
	 WHERE c.id = v_case AND c.version = (step->>'version')::integer
	   AND c.state = r->>'from';
	IF NOT FOUND THEN
		RETURN false;
	END IF;
	PERFORM ledger_append(e_entity, e_record, e_prev, e_hash);
	UPDATE case_deadlines d SET stopped_seq = v_seq, stopped_at = v_at
	 WHERE d.case_id = v_case AND d.kind = ANY (v_ended)
	   AND d.stopped_at IS NULL;
	PERFORM case_deadlines_start(v_case, r->>'case_region', v_seq,
	    step->'deadlines_start');
	RETURN true;
END
$$;

REVOKE ALL ON FUNCTION ledger_append(text, text, bytea, bytea),
	case_deadlines_start(bigint, char, integer, jsonb),
	case_open(jsonb, text, text, bytea, bytea),
	case_step(jsonb, text, text, bytea, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger_append(text, text, bytea, bytea),
	case_deadlines_start(bigint, char, integer, jsonb),
	case_open(jsonb, text, text, bytea, bytea),
	case_step(jsonb, text, text, bytea, bytea) TO paicha_app;
