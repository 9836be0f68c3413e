-- 0061_problem_types: the seed's 重点问题 as data, per domain, and a
-- case's problem types (issue 21; API.md Part 2 "Enterprise profile,
-- problem types, risk grades").
--
-- From 国市监质监发〔2022〕30号, 二、（三）重点问题:
--
--   "生产领域以无证生产、超范围生产、未检验出厂或出厂检验记录不全，以及生产
--    过程存在偷工减料、掺杂掺假等问题为重点；流通领域以销售无证产品、产品
--    一致性不符、质量低劣、产品质量不符合国家标准和认证要求等问题为重点。"
--
-- "未检验出厂或出厂检验记录不全" are two problems an officer tells apart
-- (nothing tested, or the records short), so they are two types.  The ids
-- are stable: the API, the filters and the report use them.
--
-- A case carries the ids it was registered with (event 1's payload,
-- "problem_types"), all of the case's own domain.  The row is the
-- projection of its stream: a trigger on case_events copies them onto
-- the case from event 1, whichever way the case was opened (the service's
-- case_open(), the bulk seeder, a referral or a self-inspection), so no
-- writer of cases needs to know about them and the application role
-- cannot set them any other way.

CREATE TABLE problem_types (
	id		text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9_]{1,39}$'),
	domain		text NOT NULL CHECK (domain IN ('production',
			'circulation')),
	label		text NOT NULL UNIQUE,
	ord		integer NOT NULL UNIQUE
);

COMMENT ON TABLE problem_types IS
	'重点问题 of the 2022 national plan, 二、（三）, per domain; ids stable';

INSERT INTO problem_types (id, domain, label, ord) VALUES
	('unlicensed_production',	'production',	'无证生产',		1),
	('beyond_licence_scope',	'production',	'超范围生产',		2),
	('released_uninspected',	'production',	'未检验出厂',		3),
	('release_records_incomplete',	'production',	'出厂检验记录不全',	4),
	('cutting_corners',		'production',	'偷工减料',		5),
	('adulteration',		'production',	'掺杂掺假',		6),
	('selling_unlicensed',		'circulation',	'销售无证产品',		11),
	('nonconformity',		'circulation',	'产品一致性不符',	12),
	('inferior_quality',		'circulation',	'质量低劣',		13),
	('substandard',			'circulation',
	    '产品质量不符合国家标准和认证要求',				14);

INSERT INTO reference_sources (name, source, version, loaded_rows, note) VALUES
	('problem_types',
	 '国市监质监发〔2022〕30号 《2022年重点工业产品质量安全排查治理专项行动工作方案》 二、（三）重点问题',
	 '2022', 10,
	 'the key problems per domain in the notice''s order; 未检验出厂 and 出厂检验记录不全 as two types; ids chosen for the API');

GRANT SELECT ON problem_types TO paicha_app;

-- ------------------------------------------------------------------
-- On cases
-- ------------------------------------------------------------------

ALTER TABLE cases ADD COLUMN problem_types text[] NOT NULL DEFAULT '{}';
CREATE INDEX cases_problem_types ON cases USING gin (problem_types)
	WHERE problem_types <> '{}';

-- Each type known, of the case's domain, once; ten at most.
CREATE FUNCTION cases_problem_types_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
	IF cardinality(NEW.problem_types) > 10
	   OR cardinality(NEW.problem_types) <> (SELECT count(*)
		FROM problem_types p WHERE p.id = ANY (NEW.problem_types)
		  AND p.domain = NEW.domain)
	   OR array_position(NEW.problem_types, NULL) IS NOT NULL THEN
		RAISE EXCEPTION 'case %: problem types % are not distinct types of the % domain',
		    NEW.id, NEW.problem_types, NEW.domain
		USING ERRCODE = 'check_violation';
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER cases_problem_types_check BEFORE INSERT OR UPDATE
	OF problem_types, domain ON cases
	FOR EACH ROW WHEN (NEW.problem_types <> '{}')
	EXECUTE FUNCTION cases_problem_types_check();

-- Event 1 of a case -> its row's problem_types.
CREATE FUNCTION case_events_problem_types() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	t	text[] := ARRAY(SELECT jsonb_array_elements_text(
		    NEW.record::jsonb -> 'payload' -> 'problem_types'));
BEGIN
	UPDATE cases SET problem_types = t
	 WHERE id = NEW.case_id AND problem_types IS DISTINCT FROM t;
	RETURN NULL;
END
$$;

CREATE TRIGGER case_events_problem_types AFTER INSERT ON case_events
	FOR EACH ROW WHEN (NEW.seq = 1
	    AND NEW.record::jsonb -> 'payload' ? 'problem_types')
	EXECUTE FUNCTION case_events_problem_types();

REVOKE ALL ON FUNCTION case_events_problem_types() FROM PUBLIC;
