-- A plausible small campaign for the picture in docs/report-form.png:
-- Beijing, 2022 against 2021, drawn from a seeded generator.
-- Only for a fresh, empty instance: it writes straight into the tables.
DO $$ BEGIN
	IF EXISTS (SELECT 1 FROM activities) OR EXISTS (SELECT 1 FROM cases) THEN
		RAISE EXCEPTION 'docs-data.sql fills an empty instance only';
	END IF;
END $$;
SELECT setseed(0.2022);
INSERT INTO campaigns (id, year, name) VALUES (2021, 2021, '2021年重点工业产品质量安全排查治理专项行动') ON CONFLICT DO NOTHING;
INSERT INTO categories (id, name, ord, province) VALUES ('bj_lithium_batteries', '锂离子电池', 100, '110000') ON CONFLICT DO NOTHING;
CREATE TEMP TABLE cty AS SELECT row_number() OVER (ORDER BY code) - 1 AS i, code FROM regions WHERE level = 3 AND code LIKE '11%';
INSERT INTO enterprises (uscc, name, region, created_by)
SELECT '9111' || lpad(g::text, 13, '0') || '0', '北京示例企业' || g, (SELECT code FROM cty WHERE i = g % 16), 1
FROM generate_series(1, 3000) g ON CONFLICT DO NOTHING;
CREATE TEMP TABLE ent AS SELECT row_number() OVER (ORDER BY id) - 1 AS i, id, region FROM enterprises;
CREATE TEMP TABLE cat AS SELECT row_number() OVER (ORDER BY ord) - 1 AS i, id, (1 + random() * 2)::numeric AS w FROM categories;
ALTER TABLE activities DISABLE TRIGGER activities_check;
-- inspections: each category visits some enterprises, production 3x circulation
INSERT INTO activities (kind, campaign_id, category, on_date, region, enterprise_id, domain, problems_found, created_by)
SELECT 'inspection', 2022, c.id, date '2022-03-01' + (random() * 120)::int, e.region, e.id,
	CASE WHEN random() < 0.75 THEN 'production' ELSE 'circulation' END, random() < 0.12, 1
FROM cat c, LATERAL (SELECT * FROM ent ORDER BY random() LIMIT (40 + random() * 120 * c.w)::int) e;
-- spot checks, both years
INSERT INTO activities (kind, campaign_id, category, on_date, region, enterprise_id, domain, batches, failed_batches, created_by)
SELECT 'spot_check', y.camp, c.id, make_date(y.camp, 4, 1) + (random() * 150)::int, e.region, e.id, d.dom, b.n,
	CASE WHEN random() < y.rate * c.w / 2 THEN 1 ELSE 0 END, 1
FROM cat c, (VALUES (2022, 0.10), (2021, 0.12)) y(camp, rate),
	(VALUES ('production'), ('circulation')) d(dom),
	LATERAL (SELECT * FROM ent WHERE length(d.dom) > y.camp - 2100 ORDER BY random() LIMIT (10 + random() * 40 * c.w)::int) e,
	LATERAL (SELECT 1 + (random() * 2 + e.id * 0)::int AS n) b
WHERE c.id <> 'bj_lithium_batteries' OR y.camp = 2022;
INSERT INTO activities (kind, campaign_id, category, on_date, region, summary, created_by)
SELECT 'risk_info', 2022, c.id, date '2022-02-01' + (random() * 200)::int, (SELECT code FROM cty WHERE i = g % 16), '风险信息', 1
FROM cat c, LATERAL generate_series(1, (3 + random() * 25 * c.w)::int) g;
INSERT INTO activities (kind, campaign_id, category, on_date, region, batches, problems_count, created_by)
SELECT 'risk_monitoring', 2022, c.id, date '2022-05-01' + (random() * 100)::int, '110000', (5 + random() * 20)::int, (random() * 3)::int, 1
FROM cat c, generate_series(1, 3);
INSERT INTO activities (kind, campaign_id, category, on_date, region, enterprise_id, problems_solved, output_gain, created_by)
SELECT 'assistance', 2022, c.id, date '2022-06-01' + (random() * 100)::int, e.region, e.id, (random() * 4)::int, round((random() * 800000)::numeric, 2), 1
FROM cat c, LATERAL (SELECT * FROM ent ORDER BY random() LIMIT (2 + random() * 8 * c.w)::int) e;
ALTER TABLE activities ENABLE TRIGGER activities_check;
INSERT INTO cases (enterprise_id, region, campaign_id, category, domain, source, problem, state, version, last_seq, last_hash, created_by,
	penalty_decided_at, fine_amount, confiscation_amount, case_value, judicial_transferred_at, discipline_transferred_at, interviews)
SELECT e.id, e.region, 2022, c.id, 'production', 'spot_check', '示例', 'closed', 3, 3, decode(repeat('00', 32), 'hex'), 1,
	CASE WHEN f.p THEN now() END, CASE WHEN f.p THEN round((2000 + random() * 60000)::numeric, -2) END,
	CASE WHEN f.p THEN round((random() * 20000)::numeric, 2) END, CASE WHEN f.p THEN round((5000 + random() * 200000)::numeric, 2) END,
	CASE WHEN random() < 0.04 THEN now() END, CASE WHEN random() < 0.01 THEN now() END, CASE WHEN random() < 0.25 THEN 1 ELSE 0 END
FROM cat c, LATERAL (SELECT * FROM ent ORDER BY random() LIMIT (3 + random() * 15 * c.w)::int) e, LATERAL (SELECT random() + e.id * 0 < 0.6 AS p) f;
