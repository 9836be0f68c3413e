-- test-risk.sql: the risk grading rule of sql/0063_risk_grades.sql
-- (issue 21, 分类监管) against a table of enterprises whose grades were
-- computed by hand, and the helpers the gatherer uses.
--
-- risk_grade(facts, today) is the rule: the points of the factors that
-- hold, summed; the grade whose min_score the sum reaches (A 0, B 20,
-- C 40, D 60); the next inspection from the grade's interval (A 365,
-- B 180, C 90, D 30 days); the day time alone may change the answer.
-- Each row below says its facts, then the arithmetic in its comment.
--
-- Run as the database superuser on a migrated database (e2e-sql runs
-- every tests/sql/test-*.sql this way):
--
--   psql -X -v ON_ERROR_STOP=1 -d paicha -f tests/sql/test-risk.sql
--
-- Every check RAISEs on failure; everything is rolled back.

\set QUIET on
BEGIN;

-- Facts by name; what is not named is the quiet default: registered
-- 2024-01-01, no accident, no area, no licence, no case, no activity.
CREATE FUNCTION pg_temp.f(
    registered date DEFAULT '2024-01-01', accident boolean DEFAULT false,
    areas text[] DEFAULT '{}',
    p_status text DEFAULT NULL, p_until date DEFAULT NULL,
    c_status text DEFAULT NULL, c_until date DEFAULT NULL,
    open_cases integer DEFAULT 0, judicial date DEFAULT NULL,
    penalty date DEFAULT NULL, recurrence date DEFAULT NULL,
    spot_failed date DEFAULT NULL, key_problem date DEFAULT NULL,
    insp_problem date DEFAULT NULL, inspected date DEFAULT NULL)
RETURNS risk_facts LANGUAGE sql AS $$
	SELECT ROW(registered, accident, areas, p_status, p_until, c_status,
	    c_until, open_cases, judicial, penalty, recurrence, spot_failed,
	    key_problem, insp_problem, inspected)::risk_facts
$$;

CREATE TEMP TABLE want (
	n		integer PRIMARY KEY,
	facts		risk_facts,
	grade		text,
	score		integer,
	factors		text[],		-- ids, in the rule's order
	next_by		date,
	stale		date
) ON COMMIT DROP;

-- Today is 2026-06-30 for every row.  2026-06-30 - 730 days = 2024-06-30.
INSERT INTO want VALUES
-- 1: nothing holds; its licence runs to 2027-12-31.  0 -> A;
--    2026-05-10 + 365 = 2027-05-10; stale the day after the licence ends.
(1, pg_temp.f(p_status => 'valid', p_until => '2027-12-31',
    inspected => '2026-05-10'),
    'A', 0, '{}', '2027-05-10', '2028-01-01'),
-- 2: a shop never inspected, registered 2026-06-01.  10 + 5 = 15 -> A;
--    2026-06-01 + 365 = 2027-06-01.
(2, pg_temp.f(registered => '2026-06-01', areas => '{retail_store}'),
    'A', 15, '{area_retail_store,never_inspected}', '2027-06-01', NULL),
-- 3: its production licence, recorded valid, ended yesterday: expired.
--    40 -> C; 2026-03-01 + 90 = 2026-05-30 (overdue already).
(3, pg_temp.f(p_status => 'valid', p_until => '2026-06-29',
    inspected => '2026-03-01'),
    'C', 40, '{production_licence_invalid}', '2026-05-30', NULL),
-- 4: its licence ends today: still valid.  0 -> A; 2026-06-01 + 365;
--    stale tomorrow, when it has expired.
(4, pg_temp.f(p_status => 'valid', p_until => '2026-06-30',
    inspected => '2026-06-01'),
    'A', 0, '{}', '2027-06-01', '2026-07-01'),
-- 5: CCC revoked, an accident, in a problem-prone cluster.
--    30 + 30 + 10 + 5 = 75 -> D; 2026-06-15 + 30 = 2026-07-15.
(5, pg_temp.f(c_status => 'revoked', accident => true,
    areas => '{cluster,problem_prone}', inspected => '2026-06-15'),
    'D', 75, '{ccc_invalid,accident_history,area_problem_prone,area_cluster}',
    '2026-07-15', NULL),
-- 6: a failed spot check on 2024-07-01, the first day inside the
--    730-day window (on > 2024-06-30).  20 -> B; 2024-07-01 + 180 =
--    2024-12-28; it leaves the window on 2024-07-01 + 730 = 2026-07-01.
(6, pg_temp.f(spot_failed => '2024-07-01', inspected => '2024-07-01'),
    'B', 20, '{spot_check_failed}', '2024-12-28', '2026-07-01'),
-- 7: the same a day earlier: outside the window.  0 -> A;
--    2024-06-30 + 365 = 2025-06-30.
(7, pg_temp.f(spot_failed => '2024-06-30', inspected => '2024-06-30'),
    'A', 0, '{}', '2025-06-30', NULL),
-- 8: transferred to the police, penalised, a recurrence, a key problem,
--    a case open, problems found.  40 + 20 + 20 + 15 + 15 + 10 = 120 ->
--    D; 2026-02-01 + 30 = 2026-03-03; the first to leave its window is
--    the key problem: 2025-11-20 + 730 = 2027-11-20.
(8, pg_temp.f(judicial => '2026-01-10', penalty => '2025-12-01',
    recurrence => '2026-03-01', key_problem => '2025-11-20', open_cases => 1,
    insp_problem => '2026-02-01', inspected => '2026-02-01'),
    'D', 120, '{judicial_transfer,penalty,lookback_recurrence,key_problem,open_case,inspection_problems}',
    '2026-03-03', '2027-11-20'),
-- 9: exactly B's threshold: a penalty.  20 -> B; 2026-04-01 + 180 =
--    2026-09-28; 2026-01-01 + 730 = 2028-01-01.
(9, pg_temp.f(penalty => '2026-01-01', inspected => '2026-04-01'),
    'B', 20, '{penalty}', '2026-09-28', '2028-01-01'),
-- 10: exactly D's: a suspended licence and a failed spot check.
--    40 + 20 = 60 -> D; 2026-06-01 + 30 = 2026-07-01; 2026-06-01 + 730 =
--    2028-05-31 (2028 is a leap year).
(10, pg_temp.f(p_status => 'suspended', spot_failed => '2026-06-01',
    inspected => '2026-06-01'),
    'D', 60, '{production_licence_invalid,spot_check_failed}', '2026-07-01',
    '2028-05-31'),
-- 11: exactly C's: three weak-link areas, an open case, problems found.
--    5 + 5 + 5 + 15 + 10 = 40 -> C; 2026-05-01 + 90 = 2026-07-30;
--    2026-05-01 + 730 = 2028-04-30.
(11, pg_temp.f(areas => '{rural_market,urban_rural_fringe,retail_store}',
    open_cases => 1, insp_problem => '2026-05-01', inspected => '2026-05-01'),
    'C', 40, '{open_case,inspection_problems,area_urban_rural_fringe,area_rural_market,area_retail_store}',
    '2026-07-30', '2028-04-30'),
-- 12: one below C's: 35 -> B (accident 30, retail 5); 2026-01-10 + 180
--    = 2026-07-09.
(12, pg_temp.f(accident => true, areas => '{retail_store}',
    inspected => '2026-01-10'),
    'B', 35, '{accident_history,area_retail_store}', '2026-07-09', NULL),
-- 13: a CCC certificate that is valid until 2026-12-31, and an expired
--     one recorded as such: the kind's worst status is expired.  30 -> B;
--     2025-10-01 + 180 = 2026-03-30.  (The earliest valid_until is the
--     one that counts; being bad already, nothing is stale.)
(13, pg_temp.f(c_status => 'expired', c_until => '2026-12-31',
    inspected => '2025-10-01'),
    'B', 30, '{ccc_invalid}', '2026-03-30', NULL),
-- 14: everything holds: every factor of the table appears, once, in
--     order.  40+30+30+40+20+20+20+15+15+10+10+5+5+5+5+10 = 280 -> D;
--     never inspected: 2020-01-01 + 30 = 2020-01-31.
(14, pg_temp.f(registered => '2020-01-01', accident => true,
    areas => '{cluster,problem_prone,urban_rural_fringe,rural_market,retail_store}',
    p_status => 'revoked', c_status => 'expired', open_cases => 2,
    judicial => '2026-06-01', penalty => '2026-06-01',
    recurrence => '2026-06-01', spot_failed => '2026-06-01',
    key_problem => '2026-06-01', insp_problem => '2026-06-01'),
    'D', 280, '{production_licence_invalid,ccc_invalid,accident_history,judicial_transfer,penalty,lookback_recurrence,spot_check_failed,key_problem,open_case,inspection_problems,area_problem_prone,area_cluster,area_urban_rural_fringe,area_rural_market,area_retail_store,never_inspected}',
    '2020-01-31', '2028-05-31');

DO $t$
DECLARE
	w	record;
	g	record;
	ids	text[];
	bad	text := '';
BEGIN
	FOR w IN SELECT * FROM want ORDER BY n LOOP
		SELECT * INTO g FROM risk_grade(w.facts, '2026-06-30');
		ids := ARRAY(SELECT x ->> 'id'
		    FROM jsonb_array_elements(g.factors) x);
		IF g.grade IS DISTINCT FROM w.grade
		   OR g.score IS DISTINCT FROM w.score
		   OR ids IS DISTINCT FROM w.factors
		   OR g.next_inspection_by IS DISTINCT FROM w.next_by
		   OR g.stale_after IS DISTINCT FROM w.stale THEN
			bad := bad || format(E'\n  row %s: got %s %s %s next %s stale %s; want %s %s %s next %s stale %s',
			    w.n, g.grade, g.score, ids, g.next_inspection_by,
			    g.stale_after, w.grade, w.score, w.factors, w.next_by,
			    w.stale);
		END IF;
	END LOOP;
	IF bad <> '' THEN
		RAISE EXCEPTION 'risk_grade disagrees with the hand-computed grades:%', bad;
	END IF;
END
$t$;

-- Every factor of the table has a predicate (row 14 shows them all),
-- each factor says its points in its JSON, and the windowed ones their
-- day.
DO $t$
DECLARE
	g	record;
BEGIN
	SELECT * INTO g FROM risk_grade((SELECT facts FROM want WHERE n = 14),
	    '2026-06-30');
	IF jsonb_array_length(g.factors) <> (SELECT count(*) FROM risk_factors) THEN
		RAISE EXCEPTION 'risk_factors has % rows, the rule knows %',
		    (SELECT count(*) FROM risk_factors), jsonb_array_length(g.factors);
	END IF;
	IF EXISTS (SELECT 1 FROM jsonb_array_elements(g.factors) x
	    JOIN risk_factors k ON k.id = x ->> 'id'
	    WHERE (x ->> 'points')::integer <> k.points
	       OR x ->> 'label' <> k.label
	       OR (k.window_days IS NOT NULL) <> (x ? 'on')) THEN
		RAISE EXCEPTION 'a factor''s JSON disagrees with its row: %', g.factors;
	END IF;
END
$t$;

-- The grades: A from 0, each higher grade from a higher score and with
-- a shorter interval.
DO $t$
BEGIN
	IF (SELECT min_score FROM risk_grades WHERE grade = 'A') <> 0 OR EXISTS (
	    SELECT 1 FROM risk_grades a JOIN risk_grades b ON b.grade > a.grade
	     WHERE b.min_score <= a.min_score
		OR b.inspect_within_days >= a.inspect_within_days) THEN
		RAISE EXCEPTION 'risk_grades are not ordered: %',
		    (SELECT string_agg(format('%s %s %s', grade, min_score,
		     inspect_within_days), ', ') FROM risk_grades);
	END IF;
END
$t$;

-- The gatherer's helpers: a kind's worst recorded status, whether an
-- accident history tells of an accident, a licence's status on a day.
DO $t$
BEGIN
	IF (SELECT licence_status_worst(s) FROM unnest(ARRAY['valid', 'revoked',
	    NULL, 'expired']) s) IS DISTINCT FROM 'revoked'
	   OR (SELECT licence_status_worst(s) FROM unnest(ARRAY['valid',
	    'expired', 'suspended']) s) IS DISTINCT FROM 'suspended'
	   OR (SELECT licence_status_worst(s) FROM unnest(ARRAY[NULL, 'valid'])
	    s) IS DISTINCT FROM 'valid'
	   OR (SELECT licence_status_worst(s) FROM unnest(ARRAY[NULL]::text[])
	    s) IS NOT NULL THEN
		RAISE EXCEPTION 'licence_status_worst is wrong';
	END IF;
	IF accident_told('true') IS NOT TRUE OR accident_told('false')
	   OR accident_told('"  "') OR accident_told('[]')
	   OR accident_told(NULL) IS NOT FALSE
	   OR accident_told('"2019年发生燃爆事故"') IS NOT TRUE
	   OR accident_told('[{"on": "2019-05-01", "summary": "燃爆"}]')
	      IS NOT TRUE THEN
		RAISE EXCEPTION 'accident_told is wrong';
	END IF;
	IF licence_status_on('valid', '2026-06-29', '2026-06-30') <> 'expired'
	   OR licence_status_on('valid', '2026-06-30', '2026-06-30') <> 'valid'
	   OR licence_status_on('revoked', '2027-01-01', '2026-06-30')
	      <> 'revoked'
	   OR licence_status_on(NULL, '2026-01-01', '2026-06-30') <> 'expired'
	   OR licence_status_on(NULL, NULL, '2026-06-30') IS NOT NULL THEN
		RAISE EXCEPTION 'licence_status_on is wrong';
	END IF;
END
$t$;

ROLLBACK;
\echo test-risk: ok
