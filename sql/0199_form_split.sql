-- 0199_form_split: the campaign form's activities in two halves that
-- can run on the two cores, the interviews of a form as of a day read
-- from an index, and the parts' scope check written once.
--
-- At a million cases (docs/PERFORMANCE.md, round 7) the form's
-- activities part took 0.62-0.70 s for 110000 -- a sort by category and
-- seven count(DISTINCT) -- while the cases' part ran beside it in 0.3 s:
-- the form waited on one core for the activities.  Every column of that
-- part counts one kind of activity, so the part splits by kind with no
-- change of any cell: form_activities(..., kinds, within) counts the
-- activities whose kind is (within) or is not (NOT within) one of
-- `kinds`, and the two halves' rows add up to the whole's (reports.c
-- sums them).  {inspection, spot_check} took 0.50 s, the other kinds
-- 0.22 s (by hand, same instance).
--
-- A form as of a day counted a case as interviewed by then with an
-- EXISTS over its events, one index probe of case_events per case with
-- interviews: 114 000 probes for Beijing, 1.9 s warm and 18 s cold
-- (random reads of a table larger than the cache).  Now the interviews
-- of the subtree up to the cut-off come from a partial index of the
-- hold_interview events, read once into a hash: 0.55 s warm.  A case's
-- region never changes (case_step writes no region), so case_region
-- bounds the subtree as cases.region does.
--
-- The three 0198 functions repeated their scope check; it is
-- form_scope_check() now, with the same refusal (42501, answered 404).

CREATE FUNCTION form_scope_check(subtree char(6)) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
BEGIN
	IF NOT scope_valid() OR scope_enterprise() IS NOT NULL
	    OR subtree IS NULL OR NOT in_scope(subtree) THEN
		RAISE EXCEPTION 'the form''s region is not within the session''s'
		    USING ERRCODE = '42501';
	END IF;
END
$$;
REVOKE ALL ON FUNCTION form_scope_check(char(6)) FROM PUBLIC;

CREATE INDEX case_events_interviews ON case_events (case_region, at)
	INCLUDE (case_id)
	WHERE event = 'hold_interview' AND phase IN ('applied', 'approved');

DROP FUNCTION form_activities(integer, char(6), timestamptz);

CREATE FUNCTION form_activities(camp integer, subtree char(6),
    upto timestamptz, kinds text[] DEFAULT NULL, within boolean DEFAULT true)
RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	PERFORM form_scope_check(subtree);
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
	    AND (kinds IS NULL OR (kind = ANY (kinds)) = within)
	    AND created_at <= (SELECT t FROM cut)
	    AND (voided_at IS NULL OR voided_at > (SELECT t FROM cut))
	    GROUP BY GROUPING SETS ((category), ())) x);
END
$$;
REVOKE ALL ON FUNCTION form_activities(integer, char(6), timestamptz, text[],
    boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION form_activities(integer, char(6), timestamptz,
    text[], boolean) TO paicha_app;

CREATE OR REPLACE FUNCTION form_last_year(camp integer, subtree char(6),
    upto timestamptz)
RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	PERFORM form_scope_check(subtree);
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

CREATE OR REPLACE FUNCTION form_cases(camp integer, subtree char(6),
    upto timestamptz)
RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	PERFORM form_scope_check(subtree);
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
	    AND (cut.t = 'infinity' OR cases.id IN (SELECT e.case_id
	    FROM case_events e WHERE e.event = 'hold_interview'
	    AND e.phase IN ('applied', 'approved')
	    AND e.case_region >= region_lo(subtree)
	    AND e.case_region < region_hi(subtree)
	    AND e.at <= (SELECT t FROM cut))))
	    AS interviewed
	    FROM cut, cases WHERE campaign_id = camp
	    AND region >= region_lo(subtree) AND region < region_hi(subtree)
	    AND (penalty_decided_at IS NOT NULL OR judicial_transferred_at IS NOT NULL
	    OR discipline_transferred_at IS NOT NULL OR interviews > 0)
	    GROUP BY GROUPING SETS ((category), ())) x);
END
$$;
