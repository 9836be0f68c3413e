-- 0198_form_parts: the campaign form's three reads (fcgi/resources/
-- reports.c) as functions that check the session's scope once and then
-- read the region's subtree without row-level security's per-row tests.
--
-- Under the policies each row of the form's scans evaluated in_scope()
-- -- current_setting(), a regular expression and a cast, twice -- and
-- the referral and enterprise policies: at a million cases the cases'
-- part took 0.84-1.02 s as officer.bj's session against 0.28-0.40 s
-- without the policies (EXPLAIN ANALYZE of the same statement, in turns,
-- docs/PERFORMANCE.md round 6).  What a session may read of the form is
-- exactly its region's subtree: the route refuses a region outside the
-- user's (404), and every row the parts count lies in the subtree asked
-- for, which in_scope() then covers whole; a case another region
-- referred to this one lies outside it.  So each function refuses
-- unless the session is valid (scope_valid()), is not an enterprise's,
-- and its scope covers the subtree's own code -- 42501, which the
-- service answers 404 -- and then reads as the owner.
--
-- Each answers its rows as one JSON array, as the statements did.

CREATE FUNCTION form_activities(camp integer, subtree char(6), upto timestamptz)
RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	IF NOT scope_valid() OR scope_enterprise() IS NOT NULL
	    OR subtree IS NULL OR NOT in_scope(subtree) THEN
		RAISE EXCEPTION 'the form''s region is not within the session''s'
		    USING ERRCODE = '42501';
	END IF;
	RETURN (
	    WITH cut AS (SELECT coalesce(upto, 'infinity') AS t)
	    SELECT coalesce(json_agg(x), '[]') AS rows FROM (
	    SELECT category, GROUPING(category) AS total,
	    count(DISTINCT enterprise_id) FILTER (WHERE kind = 'inspection'
	    AND domain = 'production') AS insp_p,
	    count(DISTINCT enterprise_id) FILTER (WHERE kind = 'inspection'
	    AND domain = 'production' AND problems_found) AS insp_found_p,
	    count(DISTINCT enterprise_id) FILTER (WHERE kind = 'inspection'
	    AND domain = 'circulation') AS insp_c,
	    count(DISTINCT enterprise_id) FILTER (WHERE kind = 'inspection'
	    AND domain = 'circulation' AND problems_found) AS insp_found_c,
	    count(DISTINCT enterprise_id) FILTER (WHERE kind = 'spot_check'
	    AND domain = 'production') AS spot_ent_p,
	    coalesce(sum(batches) FILTER (WHERE kind = 'spot_check'
	    AND domain = 'production'), 0) AS spot_batch_p,
	    coalesce(sum(failed_batches) FILTER (WHERE kind = 'spot_check'
	    AND domain = 'production'), 0) AS spot_fail_p,
	    count(DISTINCT enterprise_id) FILTER (WHERE kind = 'spot_check'
	    AND domain = 'circulation') AS spot_ent_c,
	    coalesce(sum(batches) FILTER (WHERE kind = 'spot_check'
	    AND domain = 'circulation'), 0) AS spot_batch_c,
	    coalesce(sum(failed_batches) FILTER (WHERE kind = 'spot_check'
	    AND domain = 'circulation'), 0) AS spot_fail_c,
	    count(*) FILTER (WHERE kind = 'risk_info') AS risk_info,
	    coalesce(sum(batches) FILTER (WHERE kind = 'risk_monitoring'), 0)
	    AS mon_batch,
	    coalesce(sum(problems_count) FILTER (WHERE kind = 'risk_monitoring'),
	    0) AS mon_found,
	    count(DISTINCT enterprise_id) FILTER (WHERE kind = 'assistance')
	    AS help_ent,
	    coalesce(sum(problems_solved) FILTER (WHERE kind = 'assistance'), 0)
	    AS help_solved,
	    coalesce(sum(output_gain) FILTER (WHERE kind = 'assistance'), 0)
	    AS help_gain
	    FROM activities WHERE campaign_id = camp
	    AND region >= region_lo(subtree) AND region < region_hi(subtree)
	    AND created_at <= (SELECT t FROM cut)
	    AND (voided_at IS NULL OR voided_at > (SELECT t FROM cut))
	    GROUP BY GROUPING SETS ((category), ())) x);
END
$$;
REVOKE ALL ON FUNCTION form_activities(integer, char(6), timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION form_activities(integer, char(6), timestamptz) TO paicha_app;

CREATE FUNCTION form_last_year(camp integer, subtree char(6), upto timestamptz)
RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	IF NOT scope_valid() OR scope_enterprise() IS NOT NULL
	    OR subtree IS NULL OR NOT in_scope(subtree) THEN
		RAISE EXCEPTION 'the form''s region is not within the session''s'
		    USING ERRCODE = '42501';
	END IF;
	RETURN (
	    WITH cur AS (SELECT id, year FROM campaigns WHERE id = camp),
	    cut AS (SELECT coalesce(upto, 'infinity') AS t),
	    prev AS (SELECT p.id FROM campaigns p JOIN cur ON p.year = cur.year - 1)
	    SELECT coalesce(json_agg(x), '[]') AS rows FROM (
	    SELECT category, GROUPING(category) AS total,
	    coalesce(sum(batches) FILTER (WHERE domain = 'production'), 0) AS b_p,
	    coalesce(sum(failed_batches) FILTER (WHERE domain = 'production'), 0)
	    AS f_p,
	    coalesce(sum(batches) FILTER (WHERE domain = 'circulation'), 0) AS b_c,
	    coalesce(sum(failed_batches) FILTER (WHERE domain = 'circulation'), 0)
	    AS f_c
	    FROM activities WHERE campaign_id = (SELECT id FROM prev)
	    AND kind = 'spot_check'
	    AND region >= region_lo(subtree) AND region < region_hi(subtree)
	    AND created_at <= (SELECT t FROM cut)
	    AND (voided_at IS NULL OR voided_at > (SELECT t FROM cut))
	    GROUP BY GROUPING SETS ((category), ())) x);
END
$$;
REVOKE ALL ON FUNCTION form_last_year(integer, char(6), timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION form_last_year(integer, char(6), timestamptz) TO paicha_app;

CREATE FUNCTION form_cases(camp integer, subtree char(6), upto timestamptz)
RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	IF NOT scope_valid() OR scope_enterprise() IS NOT NULL
	    OR subtree IS NULL OR NOT in_scope(subtree) THEN
		RAISE EXCEPTION 'the form''s region is not within the session''s'
		    USING ERRCODE = '42501';
	END IF;
	RETURN (
	    WITH cut AS (SELECT coalesce(upto, 'infinity') AS t)
	    SELECT coalesce(json_agg(x), '[]') AS rows FROM (
	    SELECT category, GROUPING(category) AS total,
	    count(*) FILTER (WHERE penalty_decided_at <= cut.t) AS cases,
	    coalesce(sum(coalesce(fine_amount, 0) + coalesce(confiscation_amount, 0))
	    FILTER (WHERE penalty_decided_at <= cut.t), 0) AS fines,
	    coalesce(sum(case_value) FILTER (WHERE penalty_decided_at <= cut.t),
	    0) AS case_value,
	    count(*) FILTER (WHERE judicial_transferred_at <= cut.t) AS judicial,
	    count(*) FILTER (WHERE discipline_transferred_at <= cut.t)
	    AS discipline,
	    count(DISTINCT enterprise_id) FILTER (WHERE interviews > 0
	    AND (cut.t = 'infinity' OR EXISTS (SELECT 1 FROM case_events e
	    WHERE e.case_id = cases.id AND e.event = 'hold_interview'
	    AND e.phase IN ('applied', 'approved') AND e.at <= cut.t)))
	    AS interviewed
	    FROM cut, cases WHERE campaign_id = camp
	    AND region >= region_lo(subtree) AND region < region_hi(subtree)
	    AND (penalty_decided_at IS NOT NULL OR judicial_transferred_at IS NOT NULL
	    OR discipline_transferred_at IS NOT NULL OR interviews > 0)
	    GROUP BY GROUPING SETS ((category), ())) x);
END
$$;
REVOKE ALL ON FUNCTION form_cases(integer, char(6), timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION form_cases(integer, char(6), timestamptz) TO paicha_app;
