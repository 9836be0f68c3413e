-- 0051_case_projection: the case row, still the projection of its
-- stream, gains what responsibility and the campaign's dashboard read:
--
--	case_assignees	(0050) from event 1's payload `assignees` (default
--			[the creator]) and each `assign` event's
--	decided_at	when the case first left `detected`: measures were
--			decided (the 7月底 risk-screening milestone)
--	closed_at	when it was closed (办结 or 不予处理 approved), kept
--			through its look-back, cleared when a recurrence
--			reopens it (the 10月底 governance milestone, the
--			weekly closures)
--
-- case_open() and case_step() (0017) are replaced: the same statements,
-- plus these.  Rows of cases already there get both dates from their
-- events.

ALTER TABLE cases ADD COLUMN decided_at timestamptz,
	ADD COLUMN closed_at timestamptz;
GRANT UPDATE (decided_at, closed_at) ON cases TO paicha_app;

UPDATE cases c SET decided_at = x.decided,
    closed_at = CASE WHEN c.state IN ('closed', 'lookback')
	THEN x.closed END
  FROM (SELECT e.case_id,
	    min(e.at) FILTER (WHERE e.from_state = 'detected'
		AND e.to_state <> 'detected'
		AND e.phase IN ('applied', 'approved')) AS decided,
	    max(e.at) FILTER (WHERE e.to_state = 'closed'
		AND e.from_state NOT IN ('closed', 'lookback')
		AND e.phase IN ('applied', 'approved')) AS closed
	  FROM case_events e GROUP BY e.case_id) x
 WHERE x.case_id = c.id;

-- Register a case (0017), and its assignees: the payload's `assignees`
-- (the service always names them: case_create), or else its creator.
CREATE OR REPLACE FUNCTION case_open(step jsonb, e_entity text, e_record text,
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
	IF jsonb_typeof(p->'assignees') = 'array' THEN
		INSERT INTO case_assignees (case_id, user_id, region)
		SELECT DISTINCT v_case, x::bigint, r->>'case_region'
		  FROM jsonb_array_elements_text(p->'assignees') x;
	ELSE
		-- A registration that names none (an older record, a fixture):
		-- its registering officer, where they may answer for it.
		INSERT INTO case_assignees (case_id, user_id, region)
		SELECT v_case, o.id, r->>'case_region'
		  FROM officers_covering(r->>'case_region') o
		 WHERE o.id = (r->>'actor')::bigint;
	END IF;
END
$$;

-- One step of a case (0017), and besides:
--
--	assignees	(in `step`, when the step sets them) the case's new
--			assignees, replacing the old
--	decided_at	the event's time, the first time it leaves detected
--	closed_at	the event's time when it enters closed from an open
--			state; kept through the look-back; cleared when it
--			moves to an open state
CREATE OR REPLACE FUNCTION case_step(step jsonb, e_entity text, e_record text,
    e_prev bytea, e_hash bytea) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
	r	jsonb := e_record::jsonb;
	v_case	bigint := (r->>'case')::bigint;
	v_seq	integer := (r->>'seq')::integer;
	v_at	timestamptz := (r->>'at')::timestamptz;
	v_by	bigint := (r->>'actor')::bigint;
	v_from	text := r->>'from';
	v_to	text := r->>'to';
	v_pend	text := step->>'pending_event';
	v_ended	text[] := ARRAY(SELECT jsonb_array_elements_text(
		    step->'deadlines_end'));
	v_now	timestamptz := now();
BEGIN
	UPDATE cases c SET
	    state = v_to,
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
	    decided_at = CASE WHEN c.decided_at IS NULL
		AND v_from = 'detected' AND v_to <> 'detected'
		THEN v_at ELSE c.decided_at END,
	    closed_at = CASE
		WHEN v_to = 'closed' AND v_from NOT IN ('closed', 'lookback')
		THEN v_at
		WHEN v_to IN ('closed', 'lookback') THEN c.closed_at
		ELSE NULL END,
	    updated_at = v_now
	 WHERE c.id = v_case AND c.version = (step->>'version')::integer
	   AND c.state = v_from;
	IF NOT FOUND THEN
		RETURN false;
	END IF;
	PERFORM ledger_append(e_entity, e_record, e_prev, e_hash);
	UPDATE case_deadlines d SET stopped_seq = v_seq, stopped_at = v_at
	 WHERE d.case_id = v_case AND d.kind = ANY (v_ended)
	   AND d.stopped_at IS NULL;
	PERFORM case_deadlines_start(v_case, r->>'case_region', v_seq,
	    step->'deadlines_start');
	IF jsonb_typeof(step->'assignees') = 'array' THEN
		DELETE FROM case_assignees a WHERE a.case_id = v_case
		   AND a.user_id <> ALL (ARRAY(SELECT x::bigint
		       FROM jsonb_array_elements_text(step->'assignees') x));
		INSERT INTO case_assignees (case_id, user_id, region)
		SELECT DISTINCT v_case, x::bigint, r->>'case_region'
		  FROM jsonb_array_elements_text(step->'assignees') x
		ON CONFLICT DO NOTHING;
	END IF;
	RETURN true;
END
$$;
