-- perf-data.sql: synthetic records for timing the statistics form ONLY
-- (docs/report.md): 50 000 enterprises over Beijing's and Shanghai's 32
-- counties, 1 000 000 cases (campaigns 2026 and 2025) written straight
-- into the table -- no events, zero hashes: they do not verify and must
-- never reach a real instance -- and 1 000 000 activities.  Takes about
-- three minutes.  Use a scratch instance:
--
--	PAICHA_VAR=/tmp/perf PAICHA_PORT=39400 ./run
--	PAICHA_VAR=/tmp/perf ./run psql -f tools/report/perf-data.sql
--
DO $$ BEGIN
	IF EXISTS (SELECT 1 FROM cases) THEN
		RAISE EXCEPTION 'perf-data.sql fills an empty scratch instance only';
	END IF;
END $$;

SET session_replication_role = default;
INSERT INTO campaigns (id, year, name) VALUES (2025, 2025, '2025年重点工业产品质量安全排查治理专项行动') ON CONFLICT DO NOTHING;
CREATE TEMP TABLE cty AS SELECT row_number() OVER (ORDER BY code) - 1 AS i, code FROM regions WHERE level = 3 AND (code LIKE '11%' OR code LIKE '31%');
CREATE TEMP TABLE cats AS SELECT row_number() OVER (ORDER BY ord) - 1 AS i, id FROM categories;
-- enterprises: fake but well-shaped codes (no checksum needed in SQL)
INSERT INTO enterprises (uscc, name, region, created_by)
SELECT '9' || lpad(g::text, 16, '0') || '0', '企业' || g, (SELECT code FROM cty WHERE i = g % 32), 1
FROM generate_series(1, 50000) g ON CONFLICT DO NOTHING;
CREATE TEMP TABLE ent AS SELECT row_number() OVER (ORDER BY id) - 1 AS i, id, region FROM enterprises;
ANALYZE ent;
INSERT INTO cases (enterprise_id, region, campaign_id, category, domain, source, problem, state, version, last_seq, last_hash, created_by,
	penalty_decided_at, fine_amount, confiscation_amount, case_value, judicial_transferred_at, discipline_transferred_at, interviews)
SELECT e.id, e.region, CASE WHEN g % 5 = 0 THEN 2025 ELSE 2026 END, c.id,
	CASE WHEN g % 3 = 0 THEN 'circulation' ELSE 'production' END, 'spot_check', '问题' || g, 'closed', 3, 3, decode(repeat('00', 32), 'hex'), 1,
	CASE WHEN g % 7 = 0 THEN now() END, CASE WHEN g % 7 = 0 THEN (g % 100000) / 100.0 END, CASE WHEN g % 7 = 0 THEN (g % 3000) / 10.0 END,
	CASE WHEN g % 7 = 0 THEN (g % 500000) / 100.0 END,
	CASE WHEN g % 41 = 0 THEN now() END, CASE WHEN g % 97 = 0 THEN now() END, CASE WHEN g % 11 = 0 THEN 1 ELSE 0 END
FROM generate_series(1, 1000000) g
JOIN ent e ON e.i = (g::bigint * 7919) % 50000
JOIN cats c ON c.i = g % 10;
ALTER TABLE activities DISABLE TRIGGER activities_check;
INSERT INTO activities (kind, campaign_id, category, on_date, region, enterprise_id, domain, problems_found, problems_count, batches, failed_batches, summary, problems_solved, output_gain, created_by)
SELECT k.kind, CASE WHEN g % 4 = 0 THEN 2025 ELSE 2026 END, c.id, date '2026-01-01' + (g % 300),
	e.region,
	CASE WHEN k.kind IN ('risk_monitoring') THEN NULL ELSE e.id END,
	CASE WHEN k.kind IN ('inspection', 'spot_check') THEN CASE WHEN g % 3 = 0 THEN 'circulation' ELSE 'production' END END,
	CASE WHEN k.kind = 'inspection' THEN g % 4 = 0 END,
	CASE WHEN k.kind = 'risk_monitoring' THEN g % 5 END,
	CASE WHEN k.kind IN ('spot_check', 'risk_monitoring') THEN 1 + g % 9 END,
	CASE WHEN k.kind = 'spot_check' THEN (g % 13) % (1 + g % 9 + 1) END,
	CASE WHEN k.kind = 'risk_info' THEN '风险信息' || g END,
	CASE WHEN k.kind = 'assistance' THEN g % 6 END,
	CASE WHEN k.kind = 'assistance' THEN (g % 1000000) / 100.0 END,
	1
FROM generate_series(1, 1000000) g
JOIN ent e ON e.i = (g::bigint * 104729) % 50000
JOIN cats c ON c.i = (g / 5) % 10
JOIN (VALUES (0, 'inspection'), (1, 'spot_check'), (2, 'risk_info'), (3, 'risk_monitoring'), (4, 'assistance')) k(n, kind) ON k.n = g % 5;
ALTER TABLE activities ENABLE TRIGGER activities_check;
VACUUM ANALYZE activities;
VACUUM ANALYZE cases;
SELECT count(*) FROM activities; SELECT count(*) FROM cases;
