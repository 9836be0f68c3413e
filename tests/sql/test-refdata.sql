-- test-refdata.sql: checks of migrations 0002 (regions), 0003 (categories)
-- and 0004 (campaigns) beyond their own self-checks.
--
-- Run as the database superuser on a database migrated through 0004:
--
--   psql -X -v ON_ERROR_STOP=1 -d paicha -f tests/sql/test-refdata.sql
--
-- Every check RAISEs on failure, so psql exits non-zero; everything runs in
-- one transaction that is rolled back, so the database is left as it was.
-- The full cross product of regions takes about ten seconds.

\set QUIET on
BEGIN;

-- ---------------------------------------------------------------------
-- The service's role may read the reference tables and call the
-- functions, and may not change anything.
-- ---------------------------------------------------------------------
SET ROLE paicha_app;
DO $t$
DECLARE
	n integer;
	stmt text;
BEGIN
	SELECT count(*) INTO n FROM regions WHERE region_covers('110000', code);
	IF n < 2 THEN RAISE EXCEPTION 'paicha_app: % regions under 110000', n; END IF;
	PERFORM region_lo('110000'), region_hi('110000');
	PERFORM 1 FROM categories;
	PERFORM 1 FROM campaigns;
	PERFORM 1 FROM reference_sources;
	FOREACH stmt IN ARRAY ARRAY[
		$$INSERT INTO regions VALUES ('110199', 'x', 3, '110000', '2024-01-01', NULL)$$,
		$$UPDATE regions SET name = 'x' WHERE code = '110101'$$,
		$$DELETE FROM regions WHERE code = '110101'$$,
		$$INSERT INTO categories (id, name, ord, province) VALUES ('probe', 'x', 100, '110000')$$,
		$$UPDATE categories SET name = 'x' WHERE id = 'rebar'$$,
		$$DELETE FROM campaigns WHERE id = 2022$$,
		$$UPDATE campaigns SET governance_by = NULL$$,
		$$DELETE FROM reference_sources$$,
		$$TRUNCATE regions CASCADE$$
	] LOOP
		BEGIN
			EXECUTE stmt;
			RAISE EXCEPTION 'paicha_app could run: %', stmt;
		EXCEPTION WHEN insufficient_privilege THEN
			NULL;
		END;
	END LOOP;
END
$t$;
RESET ROLE;

-- ---------------------------------------------------------------------
-- region_covers against the range functions: every pair of stored
-- codes (about ten million), then random six-digit strings, then every
-- scope of a shape near an edge.
-- ---------------------------------------------------------------------
DO $t$
DECLARE
	n bigint;
BEGIN
	SELECT count(*) INTO n
	FROM regions s CROSS JOIN regions c
	WHERE region_covers(s.code, c.code)
		<> (c.code >= region_lo(s.code) AND c.code < region_hi(s.code));
	IF n <> 0 THEN RAISE EXCEPTION 'stored pairs: % disagree', n; END IF;

	-- Covers, for stored codes, is "itself or an ancestor".  (Covers is
	-- the range on every stored pair, just shown, so the range join,
	-- which uses the index, stands for it here.)
	SELECT count(*) INTO n FROM (
		WITH RECURSIVE up(code, anc) AS (
			SELECT code, code FROM regions
			UNION ALL
			SELECT up.code, r.parent FROM up JOIN regions r ON r.code = up.anc
			WHERE r.parent IS NOT NULL
		)
		(SELECT anc, code FROM up
		 EXCEPT
		 SELECT s.code, c.code FROM regions s JOIN regions c
			ON c.code >= region_lo(s.code) AND c.code < region_hi(s.code))
		UNION ALL
		(SELECT s.code, c.code FROM regions s JOIN regions c
			ON c.code >= region_lo(s.code) AND c.code < region_hi(s.code)
		 EXCEPT
		 SELECT anc, code FROM up)
	) AS d;
	IF n <> 0 THEN RAISE EXCEPTION 'covers and the parent tree: % pairs differ', n; END IF;
END
$t$;

DO $t$ BEGIN PERFORM setseed(0.2026); END $t$;	-- reproducible probes
CREATE TEMP TABLE probe_codes AS
	SELECT lpad((floor(random() * 1000000))::integer::text, 6, '0')::char(6) AS code
	FROM generate_series(1, 1000)
	UNION SELECT unnest(ARRAY['000000', '000001', '009999', '010000', '099999', '100000',
		'110000', '110099', '110100', '110101', '119999', '120000', '990000',
		'999900', '999998', '999999'])::char(6);
-- Scopes of every shape, including the edges where region_hi overflows.
CREATE TEMP TABLE probe_scopes AS
	SELECT code FROM probe_codes
	UNION SELECT lpad(p::text, 2, '0') || '0000' FROM generate_series(1, 99) p
	UNION SELECT lpad(p::text, 4, '0') || '00' FROM generate_series(1, 9999, 97) p
	UNION SELECT unnest(ARRAY['000000', '990000', '999900', '999999', '989900', '099900']);

DO $t$
DECLARE
	bad record;
BEGIN
	FOR bad IN
		SELECT s.code AS scope, c.code
		FROM probe_scopes s CROSS JOIN probe_codes c
		WHERE region_covers(s.code, c.code)
			<> (c.code >= region_lo(s.code) AND c.code < region_hi(s.code))
		   -- the same comparisons under an ICU collation and under "C"
		   OR region_covers(s.code, c.code)
			<> (c.code COLLATE "und-x-icu" >= region_lo(s.code)
			    AND c.code COLLATE "und-x-icu" < region_hi(s.code))
		   OR region_covers(s.code, c.code)
			<> (c.code COLLATE "C" >= region_lo(s.code)
			    AND c.code COLLATE "C" < region_hi(s.code))
		   -- and the shape rules, spelled out independently
		   OR region_covers(s.code, c.code) <> CASE
			WHEN s.code = '000000' THEN true
			WHEN substr(s.code, 3) = '0000' THEN substr(c.code, 1, 2) = substr(s.code, 1, 2)
			WHEN substr(s.code, 5) = '00' THEN substr(c.code, 1, 4) = substr(s.code, 1, 4)
			ELSE c.code = s.code END
		LIMIT 5
	LOOP
		RAISE EXCEPTION 'region functions disagree for scope % code %', bad.scope, bad.code;
	END LOOP;

	IF region_covers(NULL, '110000') IS NOT NULL OR region_covers('000000', NULL) IS NOT NULL
	   OR region_covers('110000', NULL) IS NOT NULL OR region_lo(NULL) IS NOT NULL
	   OR region_hi(NULL) IS NOT NULL THEN
		RAISE EXCEPTION 'region functions: NULL in, not NULL out';
	END IF;
END
$t$;

-- ---------------------------------------------------------------------
-- The range form reaches the index, with a constant scope and with one
-- the session supplies (as row-level security will).
-- ---------------------------------------------------------------------
SET LOCAL enable_seqscan = off;
SET LOCAL paicha.test_scope = '110100';
DO $t$
DECLARE
	plan text;
	line text;
	q text;
BEGIN
	FOREACH q IN ARRAY ARRAY[
		$$SELECT code FROM regions WHERE code >= region_lo('110100') AND code < region_hi('110100')$$,
		$$SELECT code FROM regions
		  WHERE code >= region_lo(current_setting('paicha.test_scope')::char(6))
		    AND code < region_hi(current_setting('paicha.test_scope')::char(6))$$
	] LOOP
		plan := '';
		FOR line IN EXECUTE 'EXPLAIN ' || q LOOP
			plan := plan || line || E'\n';
		END LOOP;
		-- Any index scan on the key will do (a plain, index-only or
		-- bitmap one, depending on statistics), as long as the range is
		-- its condition.
		IF plan !~ '(Index (Only )?Scan using|Bitmap Index Scan on) regions_pkey'
		   OR plan !~ 'Index Cond: \(\(code >= ' THEN
			RAISE EXCEPTION 'no index range scan for %: %', q, plan;
		END IF;
	END LOOP;
END
$t$;
RESET enable_seqscan;

-- ---------------------------------------------------------------------
-- Constraints refuse rows that would break coverage or ordering.
-- ---------------------------------------------------------------------
SET ROLE paicha_owner;
DO $t$
DECLARE
	stmt text;
BEGIN
	FOREACH stmt IN ARRAY ARRAY[
		-- level does not match the shape
		$$INSERT INTO regions VALUES ('110199', 'x', 2, '110000', '2024-01-01', NULL)$$,
		$$INSERT INTO regions VALUES ('110100', 'x', 3, '110000', '2024-01-01', NULL)$$,
		-- parent does not cover the child, or is missing where required
		$$INSERT INTO regions VALUES ('110199', 'x', 3, '120000', '2024-01-01', NULL)$$,
		$$INSERT INTO regions VALUES ('110199', 'x', 3, NULL, '2024-01-01', NULL)$$,
		$$INSERT INTO regions VALUES ('110199', 'x', 3, '110199', '2024-01-01', NULL)$$,
		-- a 00 province, a non-digit code, an empty validity
		$$INSERT INTO regions VALUES ('000100', 'x', 2, '000000', '2024-01-01', NULL)$$,
		$$INSERT INTO regions VALUES ('11010a', 'x', 3, '110000', '2024-01-01', NULL)$$,
		$$INSERT INTO regions VALUES ('110199', 'x', 3, '110000', '2024-01-01', '2024-01-01')$$,
		-- categories: bad id, province-added in the national places, a
		-- prefecture as province, a national one past 99
		$$INSERT INTO categories (id, name, ord) VALUES ('Bad', 'x', 11)$$,
		$$INSERT INTO categories (id, name, ord, province) VALUES ('probe', 'x', 11, '110000')$$,
		$$INSERT INTO categories (id, name, ord, province) VALUES ('probe', 'x', 100, '110100')$$,
		$$INSERT INTO categories (id, name, ord, province) VALUES ('probe', 'x', 100, '000000')$$,
		$$INSERT INTO categories (id, name, ord) VALUES ('probe', 'x', 100)$$,
		-- campaigns: id not the year, dates out of order, year out of range
		$$INSERT INTO campaigns (id, year, name) VALUES (2023, 2024, 'x')$$,
		$$INSERT INTO campaigns (id, year, name, risk_investigation_by, governance_by)
		  VALUES (2024, 2024, 'x', '2024-07-31', '2024-07-30')$$,
		$$INSERT INTO campaigns (id, year, name, interim_report_due, annual_report_due)
		  VALUES (2024, 2024, 'x', '2024-07-31', '2024-07-30')$$,
		$$INSERT INTO campaigns (id, year, name) VALUES (1999, 1999, 'x')$$
	] LOOP
		BEGIN
			EXECUTE stmt;
			RAISE EXCEPTION 'accepted: %', stmt;
		EXCEPTION WHEN check_violation OR foreign_key_violation OR not_null_violation THEN
			NULL;
		END;
	END LOOP;

	-- Duplicates: a second national category in the same place or with the
	-- same name, a second campaign for a year.
	FOREACH stmt IN ARRAY ARRAY[
		$$INSERT INTO categories (id, name, ord) VALUES ('probe', 'x', 10)$$,
		$$INSERT INTO categories (id, name, ord, province) VALUES ('probe', '钢筋', 100, '110000')$$,
		$$INSERT INTO campaigns (id, year, name) VALUES (2022, 2022, 'x')$$
	] LOOP
		BEGIN
			EXECUTE stmt;
			RAISE EXCEPTION 'accepted: %', stmt;
		EXCEPTION WHEN unique_violation THEN
			NULL;
		END;
	END LOOP;

	-- What a province may do: add its own after the ten (after any it
	-- added before: the database may be in use, e2e-sql runs this after
	-- the other end-to-end programs), and a region a later list adds is
	-- accepted.
	INSERT INTO categories (id, name, ord, province) VALUES ('probe_a', '测试甲',
	    (SELECT coalesce(max(ord), 99) + 1 FROM categories WHERE province = '110000'), '110000');
	INSERT INTO categories (id, name, ord, province) VALUES ('probe_b', '测试乙',
	    (SELECT coalesce(max(ord), 99) + 1 FROM categories WHERE province = '310000'), '310000');
	INSERT INTO regions VALUES ('110199', '测试区', 3, '110000', '2024-01-01', NULL);
	IF (SELECT string_agg(id, ',' ORDER BY province NULLS FIRST, ord, id)
	    FROM categories WHERE ord > 9 AND (province IS NULL OR id LIKE 'probe\_%'))
		<> 'ebike_chargers_batteries,probe_a,probe_b'
	   OR (SELECT max(ord) FROM categories WHERE province IS NULL)
		>= (SELECT min(ord) FROM categories WHERE province IS NOT NULL) THEN
		RAISE EXCEPTION 'categories: province-added ones do not sort after the ten';
	END IF;
END
$t$;
RESET ROLE;

-- ---------------------------------------------------------------------
-- Reference data as documented.
-- ---------------------------------------------------------------------
DO $t$
BEGIN
	IF (SELECT array_agg(n ORDER BY level) FROM (SELECT level, count(*)::integer AS n
		FROM regions WHERE code <> '110199' GROUP BY level) x) <> ARRAY[1, 31, 333, 2850]
	THEN
		RAISE EXCEPTION 'regions: counts per level changed';
	END IF;
	IF (SELECT loaded_rows FROM reference_sources WHERE name = 'regions') <> 3215
	   OR (SELECT version FROM reference_sources WHERE name = 'regions') <> '2.7.0' THEN
		RAISE EXCEPTION 'reference_sources: regions row wrong';
	END IF;
	-- No Hong Kong, Macau or Taiwan; every province has children; the
	-- demo users' regions exist.
	IF EXISTS (SELECT 1 FROM regions WHERE code IN ('710000', '810000', '820000'))
	   OR EXISTS (SELECT 1 FROM regions p WHERE level = 1
			AND NOT EXISTS (SELECT 1 FROM regions c WHERE c.parent = p.code))
	   OR (SELECT count(*) FROM regions WHERE (code, name) IN
			(('110000', '北京市'), ('110101', '东城区'), ('310000', '上海市'), ('000000', '全国'))) <> 4
	THEN
		RAISE EXCEPTION 'regions: unexpected content';
	END IF;
	IF (SELECT string_agg(name, '、' ORDER BY ord) FROM categories WHERE province IS NULL)
		<> '危险化学品、危险化学品包装物、车载常压罐体、钢筋、水泥、电线电缆、燃气具、烟花爆竹、电动自行车、电动自行车充电器和电池'
	THEN
		RAISE EXCEPTION 'categories: not the seed''s ten in order';
	END IF;
	IF (SELECT count(*) FROM campaigns WHERE id IN (2022, 2026)) <> 2 THEN
		RAISE EXCEPTION 'campaigns: 2022 and 2026 expected';
	END IF;
END
$t$;

ROLLBACK;
\echo test-refdata: ok
