-- 0063_risk_grades: enterprises graded A-D by a rule kept as data
-- (issue 21, 分类监管; API.md Part 2 "Enterprise profile, problem types,
-- risk grades").  The reasoning and the sources are docs/RISK.md.
--
-- The rule is three things:
--
--   risk_factors	what raises an enterprise's risk and by how many
--			points; a factor that counts an event (a failed spot
--			check, a penalty) counts it for window_days after it
--   risk_grades	the score each grade starts at, and how soon after
--			its last inspection an enterprise of that grade is
--			to be inspected again (差异化分类监管: 反复查 for D)
--   risk_grade()	the arithmetic: the factors that hold, their points
--			summed, the grade whose min_score the sum reaches --
--			a pure function of an enterprise's facts and a day,
--			unit-tested against hand-computed grades
--			(tests/sql/test-risk.sql)
--
-- Points, windows, thresholds and intervals are rows an administrator
-- reads (GET /api/v1/risk-rule) and the owner changes by migration; what
-- each factor id means is the predicate beside it in risk_grade().
--
-- risk_facts_of() gathers the facts of enterprises from their row, their
-- licences, cases, case events and activities; risk_refresh() grades
-- them and stores the result in enterprise_risk.  Triggers call it in
-- the transaction of every change that feeds it: an enterprise's
-- registration or profile, its licences, its cases (registration, state,
-- penalty, transfer, problem types), a look-back recurrence, an activity.
-- Time alone also changes a grade (a licence passes its last day, a
-- failed spot check leaves its window): each stored grade says from which
-- day it may be stale (stale_after), and the readers grade such an
-- enterprise afresh (risk_of) instead of trusting the stored row.

-- ------------------------------------------------------------------
-- The rule, as data
-- ------------------------------------------------------------------

CREATE TABLE risk_factors (
	id		text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9_]{1,39}$'),
	label		text NOT NULL UNIQUE,
	points		integer NOT NULL CHECK (points BETWEEN 0 AND 100),
	window_days	integer CHECK (window_days BETWEEN 1 AND 3650),
	basis		text NOT NULL,	-- why: the seed's words or the reason
	ord		integer NOT NULL UNIQUE
);

CREATE TABLE risk_grades (
	grade		char(1) PRIMARY KEY CHECK (grade IN ('A', 'B', 'C', 'D')),
	label		text NOT NULL UNIQUE,
	min_score	integer NOT NULL UNIQUE CHECK (min_score >= 0),
	inspect_within_days integer NOT NULL CHECK (inspect_within_days
			BETWEEN 1 AND 3650),
	measures	text NOT NULL	-- what supervision at this grade means
);

COMMENT ON TABLE risk_factors IS
	'分类监管: what raises an enterprise''s risk score, by how much, and for how long after the event (docs/RISK.md)';
COMMENT ON TABLE risk_grades IS
	'分类监管: grades A (lowest risk) to D (highest), the score each starts at and the inspection interval';

INSERT INTO risk_factors (ord, id, label, points, window_days, basis) VALUES
	(1, 'production_licence_invalid', '生产许可证过期、暂停或被撤销', 40,
	    NULL, '二、（三）生产领域以无证生产为重点；三、（二）对生产许可证获证企业全覆盖检查'),
	(2, 'ccc_invalid', '强制性产品认证证书过期、暂停或被撤销', 30, NULL,
	    '三、（二）是否在认证证书撤销、注销或暂停期间继续出厂、销售'),
	(3, 'accident_history', '发生过质量安全事故', 30, NULL,
	    '二、（二）重点领域：发生过质量安全事故的企业'),
	(4, 'judicial_transfer', '涉嫌犯罪移送司法机关', 40, 730,
	    '三、（六）涉嫌构成犯罪的，及时移送司法机关'),
	(5, 'penalty', '受到行政处罚并信用公示', 20, 730,
	    '三、（五）纳入国家企业信用信息公示系统；（八）企业信用风险分类'),
	(6, 'lookback_recurrence', '回头看发现问题反弹', 20, 730,
	    '四、（四）开展回头看、反复查，防止已处置风险隐患死灰复燃'),
	(7, 'spot_check_failed', '监督抽查有不合格批次', 20, 730,
	    '三、（五）对抽查发现的不合格产品……实施质量责任双向追查'),
	(8, 'key_problem', '查出重点问题', 15, 730,
	    '二、（三）重点问题（无证生产、偷工减料、掺杂掺假、销售无证产品等）'),
	(9, 'open_case', '有未办结的问题', 15, NULL,
	    '四、（四）风险隐患及时处置，动态清零'),
	(10, 'inspection_problems', '风险排查发现问题', 10, 730,
	    '三、（二）对排查出的隐患要建立台账'),
	(11, 'area_problem_prone', '位于质量问题易发多发区', 10, NULL,
	    '二、（二）重点领域：质量问题易发多发区'),
	(12, 'area_cluster', '位于重点产品生产企业集聚区', 5, NULL,
	    '二、（二）重点领域：10类重点产品生产企业集聚区'),
	(13, 'area_urban_rural_fringe', '位于城乡结合部', 5, NULL,
	    '二、（二）薄弱环节：城乡结合部'),
	(14, 'area_rural_market', '面向农村市场', 5, NULL,
	    '二、（二）薄弱环节：农村市场；三、（四）加大农村市场抽查力度'),
	(15, 'area_retail_store', '销售门店', 5, NULL,
	    '二、（二）薄弱环节：销售门店'),
	(16, 'never_inspected', '尚未开展风险排查或监督抽查', 10, NULL,
	    '三、（二）全覆盖检查：未查过的企业底数不清');

INSERT INTO risk_grades (grade, label, min_score, inspect_within_days,
    measures) VALUES
	('A', '低风险', 0, 365,
	    '每年至少检查一次（全覆盖），以企业自查和随机抽查为主'),
	('B', '一般风险', 20, 180,
	    '每半年至少检查一次，督促企业落实主体责任'),
	('C', '较高风险', 40, 90,
	    '每季度至少检查一次，加大抽查频次，必要时约谈'),
	('D', '高风险', 60, 30,
	    '每月至少检查一次（反复查），重点监管，问题未清零不得放松');

GRANT SELECT ON risk_factors, risk_grades TO paicha_app;

-- ------------------------------------------------------------------
-- The arithmetic: facts and a day in, a grade out
-- ------------------------------------------------------------------

-- What the rule reads of one enterprise.  Dates are China Standard
-- Time; an event's date is that of the latest such event.  A licence
-- kind's status is the worst recorded among its licences (revoked,
-- suspended, expired, valid; NULL none recorded) and its valid_until the
-- earliest.
CREATE TYPE risk_facts AS (
	registered_on		date,
	accident		boolean,
	area_types		text[],
	production_status	text,
	production_valid_until	date,
	ccc_status		text,
	ccc_valid_until		date,
	open_cases		integer,
	judicial_on		date,
	penalty_on		date,
	recurrence_on		date,
	spot_failed_on		date,
	key_problem_on		date,
	inspection_problem_on	date,
	inspected_on		date	-- last inspection or spot check
);

-- The grade of an enterprise with facts `f` on day `today`:
--
--	grade, score		the sum of the points of the factors that
--				hold, and the grade whose min_score it reaches
--	factors			[{"id", "label", "points", "on"?}] in the
--				rule's order ("on": the event's day)
--	next_inspection_by	the last inspection (or, never inspected,
--				the registration) plus the grade's interval
--	stale_after		the first day on which time alone may change
--				the answer: a counted event leaves its window,
--				a licence passes its last day; NULL never
--
-- A factor holds when its predicate below does and, for a counted event,
-- the event lies within the factor's window (on > today - window_days).
--
-- One row, as a table function: PostgreSQL inlines it into the statement
-- that calls it (risk_refresh, risk_of), which is planned once per
-- connection instead of once per call.
CREATE FUNCTION risk_grade(f risk_facts, today date)
RETURNS TABLE (grade text, score integer, factors jsonb,
    next_inspection_by date, stale_after date)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	WITH lic AS (SELECT
		f.production_status IN ('revoked', 'suspended', 'expired')
		    OR f.production_valid_until < today AS p_bad,
		f.ccc_status IN ('revoked', 'suspended', 'expired')
		    OR f.ccc_valid_until < today AS c_bad),
	facts (id, holds, on_date) AS (
		SELECT 'production_licence_invalid', lic.p_bad, NULL::date
		  FROM lic
		UNION ALL SELECT 'ccc_invalid', lic.c_bad, NULL FROM lic
		UNION ALL SELECT 'accident_history', f.accident, NULL
		UNION ALL SELECT 'judicial_transfer', f.judicial_on IS NOT NULL,
		    f.judicial_on
		UNION ALL SELECT 'penalty', f.penalty_on IS NOT NULL,
		    f.penalty_on
		UNION ALL SELECT 'lookback_recurrence',
		    f.recurrence_on IS NOT NULL, f.recurrence_on
		UNION ALL SELECT 'spot_check_failed', f.spot_failed_on IS NOT NULL,
		    f.spot_failed_on
		UNION ALL SELECT 'key_problem', f.key_problem_on IS NOT NULL,
		    f.key_problem_on
		UNION ALL SELECT 'open_case', f.open_cases > 0, NULL
		UNION ALL SELECT 'inspection_problems',
		    f.inspection_problem_on IS NOT NULL, f.inspection_problem_on
		UNION ALL SELECT 'area_problem_prone',
		    'problem_prone' = ANY (f.area_types), NULL
		UNION ALL SELECT 'area_cluster', 'cluster' = ANY (f.area_types),
		    NULL
		UNION ALL SELECT 'area_urban_rural_fringe',
		    'urban_rural_fringe' = ANY (f.area_types), NULL
		UNION ALL SELECT 'area_rural_market',
		    'rural_market' = ANY (f.area_types), NULL
		UNION ALL SELECT 'area_retail_store',
		    'retail_store' = ANY (f.area_types), NULL
		UNION ALL SELECT 'never_inspected', f.inspected_on IS NULL, NULL),
	hit AS (SELECT k.ord, k.id, k.label, k.points, x.on_date,
		CASE WHEN k.window_days IS NOT NULL
		    THEN x.on_date + k.window_days END AS leaves_on
		  FROM facts x JOIN risk_factors k ON k.id = x.id
		 WHERE coalesce(x.holds, false)
		   AND (k.window_days IS NULL OR x.on_date IS NULL
			OR x.on_date > today - k.window_days)),
	total AS (SELECT coalesce(sum(points), 0)::integer AS score FROM hit),
	g AS (SELECT r.grade, r.inspect_within_days
		FROM risk_grades r, total
	       WHERE r.min_score <= total.score
	       ORDER BY r.min_score DESC LIMIT 1)
	SELECT g.grade::text, total.score,
	    coalesce((SELECT jsonb_agg(jsonb_build_object('id', h.id,
		'label', h.label, 'points', h.points)
		|| CASE WHEN h.on_date IS NULL THEN '{}'::jsonb
		    ELSE jsonb_build_object('on', h.on_date) END
		ORDER BY h.ord) FROM hit h), '[]'::jsonb),
	    coalesce(f.inspected_on, f.registered_on) + g.inspect_within_days,
	    (SELECT min(d) FROM (
		SELECT h.leaves_on FROM hit h
		UNION ALL SELECT f.production_valid_until + 1 FROM lic
		 WHERE NOT coalesce(lic.p_bad, false)
		UNION ALL SELECT f.ccc_valid_until + 1 FROM lic
		 WHERE NOT coalesce(lic.c_bad, false)) t(d))
	  FROM total, g
$$;

GRANT EXECUTE ON FUNCTION risk_grade(risk_facts, date) TO paicha_app;

-- The worse of two recorded licence statuses (NULL: none recorded).
CREATE FUNCTION licence_status_worse(a text, b text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN array_position(ARRAY['revoked', 'suspended', 'expired',
	    'valid'], a) <= coalesce(array_position(ARRAY['revoked',
	    'suspended', 'expired', 'valid'], b), 5) OR b IS NULL THEN a
	    ELSE b END
$$;

CREATE AGGREGATE licence_status_worst(text) (
	SFUNC = licence_status_worse, STYPE = text
);

GRANT EXECUTE ON FUNCTION licence_status_worse(text, text),
	licence_status_worst(text) TO paicha_app;

-- A day in China Standard Time.
CREATE FUNCTION cst_date(t timestamptz) RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT (t AT TIME ZONE 'Asia/Shanghai')::date
$$;

GRANT EXECUTE ON FUNCTION cst_date(timestamptz) TO paicha_app;

-- The facts of the enterprises `ids`, from their rows, licences, cases,
-- case events and activities, as the caller may see them (the service:
-- all of an enterprise's records lie in its region).
CREATE FUNCTION risk_facts_of(ids bigint[])
RETURNS TABLE (enterprise_id bigint, region char(6), facts risk_facts)
LANGUAGE sql STABLE AS $$
	SELECT e.id, e.region, ROW(cst_date(e.created_at),
	    accident_told(e.accident_history), e.area_types,
	    l.p_status, l.p_until, l.c_status, l.c_until,
	    coalesce(c.open_cases, 0)::integer, c.judicial_on, c.penalty_on,
	    rec.on_date, a.spot_failed_on, c.key_problem_on,
	    a.inspection_problem_on, a.inspected_on)::risk_facts
	  FROM (SELECT DISTINCT x.id FROM unnest(ids) x(id)) x
	  JOIN enterprises e ON e.id = x.id
	  LEFT JOIN LATERAL (SELECT
		licence_status_worst(status) FILTER (WHERE kind = 'production')
		    AS p_status,
		min(valid_until) FILTER (WHERE kind = 'production') AS p_until,
		licence_status_worst(status) FILTER (WHERE kind = 'ccc')
		    AS c_status,
		min(valid_until) FILTER (WHERE kind = 'ccc') AS c_until
		FROM enterprise_licences WHERE enterprise_id = e.id) l ON true
	  LEFT JOIN LATERAL (SELECT
		count(*) FILTER (WHERE state <> 'closed') AS open_cases,
		cst_date(max(judicial_transferred_at)) AS judicial_on,
		cst_date(max(penalty_decided_at)) AS penalty_on,
		cst_date(max(created_at) FILTER (WHERE problem_types <> '{}'))
		    AS key_problem_on
		FROM cases WHERE enterprise_id = e.id) c ON true
	  LEFT JOIN LATERAL (SELECT cst_date(max(ev.at)) AS on_date
		FROM cases k JOIN case_events ev ON ev.case_id = k.id
	       WHERE k.enterprise_id = e.id
		 AND ev.event = 'lookback_recurrence' AND ev.phase = 'applied')
	    rec ON true
	  LEFT JOIN LATERAL (SELECT
		max(on_date) FILTER (WHERE kind = 'spot_check'
		    AND failed_batches > 0) AS spot_failed_on,
		max(on_date) FILTER (WHERE kind = 'inspection'
		    AND problems_found) AS inspection_problem_on,
		max(on_date) FILTER (WHERE kind IN ('inspection', 'spot_check'))
		    AS inspected_on
		FROM activities WHERE enterprise_id = e.id) a ON true
$$;

GRANT EXECUTE ON FUNCTION risk_facts_of(bigint[]) TO paicha_app;

-- ------------------------------------------------------------------
-- Stored grades
-- ------------------------------------------------------------------

CREATE TABLE enterprise_risk (
	enterprise_id	bigint PRIMARY KEY REFERENCES enterprises,
	region		char(6) NOT NULL,	-- the enterprise's
	grade		char(1) NOT NULL REFERENCES risk_grades,
	score		integer NOT NULL,
	factors		jsonb NOT NULL,
	computed_at	timestamptz NOT NULL,
	next_inspection_by date NOT NULL,
	stale_after	date			-- NULL: only events change it
);

CREATE INDEX enterprise_risk_grade ON enterprise_risk (grade, region);
CREATE INDEX enterprise_risk_due ON enterprise_risk (next_inspection_by,
	region);

ALTER TABLE enterprise_risk ENABLE ROW LEVEL SECURITY;
CREATE POLICY enterprise_risk_scope ON enterprise_risk TO paicha_app
	USING (in_scope(region) AND (SELECT scope_valid()));
GRANT SELECT ON enterprise_risk TO paicha_app;

-- The enterprise's risk as of today: its stored grade while that holds,
-- else graded afresh (a stale or missing row); one row, or none when the
-- enterprise is not visible.
CREATE FUNCTION risk_of(eid bigint, OUT grade text, OUT score integer,
    OUT factors jsonb, OUT computed_at timestamptz,
    OUT next_inspection_by date)
RETURNS SETOF record
LANGUAGE sql STABLE AS $$
	SELECT r.grade::text, r.score, r.factors, r.computed_at,
	    r.next_inspection_by
	  FROM enterprise_risk r
	 WHERE r.enterprise_id = eid
	   AND (r.stale_after IS NULL OR r.stale_after > today_cst())
	UNION ALL
	SELECT g.grade, g.score, g.factors, now(), g.next_inspection_by
	  FROM risk_facts_of(ARRAY[eid]) x,
	    LATERAL risk_grade(x.facts, today_cst()) g
	 WHERE NOT EXISTS (SELECT 1 FROM enterprise_risk r
		WHERE r.enterprise_id = eid
		  AND (r.stale_after IS NULL OR r.stale_after > today_cst()))
$$;

GRANT EXECUTE ON FUNCTION risk_of(bigint) TO paicha_app;

-- Grade the enterprises `ids` and store it, in id order (two writers
-- lock the rows in the same order).  The bulk seeder, as the superuser,
-- may set paicha.risk_deferred to 'on' to grade everything once at the
-- end (risk_refresh_all); no one else may defer.
--
-- Its one statement is planned once per connection (force_generic_plan):
-- planned anew for each call, as a custom plan would be, grading one
-- enterprise costs about 6 ms, mostly planning; with the plan kept, 1 ms.
CREATE FUNCTION risk_refresh(ids bigint[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
SET plan_cache_mode = force_generic_plan AS $$
BEGIN
	IF cardinality(ids) = 0 OR ids IS NULL THEN
		RETURN;
	END IF;
	IF current_setting('paicha.risk_deferred', true) = 'on'
	   AND (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) THEN
		RETURN;
	END IF;
	INSERT INTO enterprise_risk AS r (enterprise_id, region, grade, score,
	    factors, computed_at, next_inspection_by, stale_after)
	SELECT x.enterprise_id, x.region, g.grade, g.score, g.factors, now(),
	    g.next_inspection_by, g.stale_after
	  FROM risk_facts_of(ids) x, LATERAL risk_grade(x.facts, today_cst()) g
	 ORDER BY x.enterprise_id
	ON CONFLICT (enterprise_id) DO UPDATE SET grade = excluded.grade,
	    score = excluded.score, factors = excluded.factors,
	    computed_at = excluded.computed_at,
	    next_inspection_by = excluded.next_inspection_by,
	    stale_after = excluded.stale_after;
END
$$;

-- Every enterprise, graded afresh: after a bulk load, or a change of
-- the rule.  For the superuser.
CREATE FUNCTION risk_refresh_all() RETURNS bigint
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
	n	bigint;
BEGIN
	PERFORM set_config('paicha.risk_deferred', 'off', true);
	PERFORM risk_refresh(ARRAY(SELECT id FROM enterprises ORDER BY id));
	SELECT count(*) INTO n FROM enterprise_risk;
	RETURN n;
END
$$;

REVOKE ALL ON FUNCTION risk_refresh(bigint[]), risk_refresh_all()
	FROM PUBLIC;

-- ------------------------------------------------------------------
-- What feeds it: in the transaction of each change
-- ------------------------------------------------------------------

-- Statement triggers with the changed rows (a COPY of a thousand cases
-- grades their enterprises once); row triggers where only some changes
-- matter.
CREATE FUNCTION risk_feed_new() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	IF TG_TABLE_NAME = 'enterprises' THEN
		PERFORM risk_refresh(ARRAY(SELECT id FROM new_rows));
	ELSE
		PERFORM risk_refresh(ARRAY(SELECT DISTINCT enterprise_id
		    FROM new_rows WHERE enterprise_id IS NOT NULL));
	END IF;
	RETURN NULL;
END
$$;

CREATE FUNCTION risk_feed_old() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	PERFORM risk_refresh(ARRAY(SELECT DISTINCT enterprise_id
	    FROM old_rows));
	RETURN NULL;
END
$$;

CREATE FUNCTION risk_feed_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	IF TG_TABLE_NAME = 'enterprises' THEN
		PERFORM risk_refresh(ARRAY[NEW.id]);
	ELSIF TG_TABLE_NAME = 'case_events' THEN
		PERFORM risk_refresh(ARRAY(SELECT enterprise_id FROM cases
		    WHERE id = NEW.case_id));
	ELSE
		PERFORM risk_refresh(ARRAY[NEW.enterprise_id]);
	END IF;
	RETURN NULL;
END
$$;

REVOKE ALL ON FUNCTION risk_feed_new(), risk_feed_old(), risk_feed_row()
	FROM PUBLIC;

CREATE TRIGGER enterprises_risk_new AFTER INSERT ON enterprises
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION risk_feed_new();
CREATE TRIGGER enterprises_risk AFTER UPDATE OF area_types, accident_history
	ON enterprises FOR EACH ROW
	WHEN (OLD.area_types IS DISTINCT FROM NEW.area_types
	   OR OLD.accident_history IS DISTINCT FROM NEW.accident_history)
	EXECUTE FUNCTION risk_feed_row();

-- "zz": after the licences' own triggers (same event, name order).
CREATE TRIGGER zz_enterprise_licences_risk_ins AFTER INSERT
	ON enterprise_licences REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION risk_feed_new();
CREATE TRIGGER zz_enterprise_licences_risk_upd AFTER UPDATE
	ON enterprise_licences REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION risk_feed_new();
CREATE TRIGGER zz_enterprise_licences_risk_del AFTER DELETE
	ON enterprise_licences REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION risk_feed_old();

CREATE TRIGGER cases_risk_new AFTER INSERT ON cases
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION risk_feed_new();
CREATE TRIGGER cases_risk AFTER UPDATE ON cases FOR EACH ROW
	WHEN (OLD.state IS DISTINCT FROM NEW.state
	   OR OLD.penalty_decided_at IS DISTINCT FROM NEW.penalty_decided_at
	   OR OLD.judicial_transferred_at IS DISTINCT FROM
	      NEW.judicial_transferred_at
	   OR OLD.problem_types IS DISTINCT FROM NEW.problem_types)
	EXECUTE FUNCTION risk_feed_row();

-- A recurrence moves the case (above) before its event is appended
-- (case_step): the event itself feeds the grade too.
CREATE TRIGGER case_events_risk AFTER INSERT ON case_events FOR EACH ROW
	WHEN (NEW.event = 'lookback_recurrence' AND NEW.phase = 'applied')
	EXECUTE FUNCTION risk_feed_row();

CREATE TRIGGER activities_risk_new AFTER INSERT ON activities
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION risk_feed_new();

-- The enterprises there are.
SELECT risk_refresh(ARRAY(SELECT id FROM enterprises ORDER BY id));
