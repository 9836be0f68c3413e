-- 0112_correct.sql: the event `correct` (issue 19, 更正) -- a case's
-- category, domain, source, problem or risk level changed once legal
-- approves the proposal (workflow/event.c).
--
-- The application role may not update those columns (0007's grants):
-- case_correct() does, as the owner, and only for a case in the
-- session's scope whose last event -- the one case_step() has just
-- appended through ledger_append() -- is an approved `correct`.  So no
-- registration fact changes without a correction approved by legal in
-- the chain; what it changes is replayed by verify against the
-- proposal (fcgi/resources/case_replay.c).  The case's triggers still
-- hold: a category is national or the case's province's (0035).

CREATE FUNCTION case_correct(p_case bigint, p_seq integer, step jsonb)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	IF NOT EXISTS (SELECT FROM cases c JOIN case_events e
	    ON e.case_id = c.id AND e.seq = c.last_seq
	    WHERE c.id = p_case AND c.last_seq = p_seq
	      AND e.event = 'correct' AND e.phase = 'approved'
	      AND in_scope(c.region) AND (SELECT scope_valid())) THEN
		RAISE EXCEPTION 'case_correct: case %''s event % is not its approved correction',
		    p_case, p_seq
		USING ERRCODE = 'insufficient_privilege';
	END IF;
	UPDATE cases c SET
	    category = coalesce(step->>'category', c.category),
	    domain = coalesce(step->>'domain', c.domain),
	    source = coalesce(step->>'source', c.source),
	    problem = coalesce(step->>'problem', c.problem),
	    risk_level = coalesce(step->>'risk_level', c.risk_level)
	 WHERE c.id = p_case;
END
$$;

REVOKE ALL ON FUNCTION case_correct(bigint, integer, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION case_correct(bigint, integer, jsonb) TO paicha_app;

-- 0051's, and a correction's facts through case_correct().
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
	IF coalesce(step->>'category', step->>'domain', step->>'source',
	    step->>'problem', step->>'risk_level') IS NOT NULL THEN
		PERFORM case_correct(v_case, v_seq, step);
	END IF;
	RETURN true;
END
$$;
