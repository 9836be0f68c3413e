-- 0004_campaigns.sql: campaigns (专项行动), one a year, with their dates.
--
-- Every case and activity belongs to one; the API's campaign_id is the
-- year (id = year, enforced).  A date column is the last day on which the
-- thing is on time ("…前" in the notices read as "by the end of that day").
--
-- 2022: the seed, 国市监质监发〔2022〕30号 《2022年重点工业产品质量安全排查治理
-- 专项行动工作方案》, 四、（四）明确进度安排 (one paragraph, split by a page
-- break after "7 月" in the seed's text):
--
--   "要严格把握工作进度，于今年 7 月底前完成风险排查工作。"
--       -> risk_investigation_by 2022-07-31
--   "对于现场排查和质量抽查发现的风险隐患，要及时处置，动态清零，10月底前
--    全面完成重点工业产品质量安全排查治理工作。"
--       -> governance_by 2022-10-31
--   "请各省级市场监管部门于7月底前报送阶段性工作总结，11月10日前报送全年
--    工作总结并填报附表。"
--       -> interim_report_due 2022-07-31, annual_report_due 2022-11-10
--
-- 2026: the current year.  Its dates are by analogy with 2022 (same months
-- and days), NOT from a notice: none for 2026 is at hand.  Correct them by
-- a later migration when the year's notice is published.
--
-- Applied by the migration runner in one transaction after
-- SET ROLE paicha_owner.  Needs 0002 (reference_sources).

CREATE TABLE campaigns (
	id			integer PRIMARY KEY,
	year			integer NOT NULL UNIQUE CHECK (year BETWEEN 2000 AND 2100),
	name			text NOT NULL CHECK (btrim(name) <> ''),
	risk_investigation_by	date,	-- 完成风险排查
	governance_by		date,	-- 全面完成排查治理
	interim_report_due	date,	-- 报送阶段性工作总结
	annual_report_due	date,	-- 报送全年工作总结并填报附表
	CONSTRAINT campaigns_id_is_year CHECK (id = year),
	-- Governance follows the investigation, the annual report the
	-- interim one (NULL passes: a date not yet known).
	CONSTRAINT campaigns_governance_after_investigation
		CHECK (governance_by >= risk_investigation_by),
	CONSTRAINT campaigns_annual_after_interim
		CHECK (annual_report_due >= interim_report_due)
);
COMMENT ON TABLE campaigns IS
	'the yearly key industrial product quality safety campaign and its dates; id = year';

INSERT INTO campaigns (id, year, name, risk_investigation_by, governance_by,
		interim_report_due, annual_report_due) VALUES
	(2022, 2022, '2022年重点工业产品质量安全排查治理专项行动',
	 '2022-07-31', '2022-10-31', '2022-07-31', '2022-11-10'),
	-- By analogy with 2022, not from a notice (see the header).
	(2026, 2026, '2026年重点工业产品质量安全排查治理专项行动',
	 '2026-07-31', '2026-10-31', '2026-07-31', '2026-11-10');

INSERT INTO reference_sources (name, source, version, loaded_rows, note) VALUES
	('campaigns',
	 '国市监质监发〔2022〕30号 《2022年重点工业产品质量安全排查治理专项行动工作方案》 四、（四）明确进度安排',
	 '2022', 2,
	 '2022 from the notice; 2026 dates by analogy with 2022 (same month-days), not from a notice');

GRANT SELECT ON campaigns TO paicha_app;

DO $check$
BEGIN
	IF (SELECT count(*) FROM campaigns) <> 2
	OR NOT EXISTS (SELECT 1 FROM campaigns WHERE id = 2022 AND year = 2022
		AND risk_investigation_by = '2022-07-31' AND governance_by = '2022-10-31'
		AND interim_report_due = '2022-07-31' AND annual_report_due = '2022-11-10')
	OR NOT EXISTS (SELECT 1 FROM campaigns WHERE id = 2026 AND year = 2026
		AND name = '2026年重点工业产品质量安全排查治理专项行动')
	THEN
		RAISE EXCEPTION 'campaigns: rows not as this migration inserts them';
	END IF;
END
$check$;
