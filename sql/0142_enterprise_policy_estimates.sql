-- 0142_enterprise_policy_estimates.sql: the enterprise's restrictive
-- policies (0130, 0141) ask "is this an enterprise's session?" as one
-- boolean of an init plan -- (SELECT scope_enterprise() IS NULL) --
-- instead of a test of an init plan's value -- (SELECT
-- scope_enterprise()) IS NULL.  The answer is the same; the planner's
-- guess is not: it takes a NULL test of a parameter to hold for 0.5 %
-- of rows and a boolean parameter for half.  With 0.5 %, every staff
-- query through enterprises or cases was planned for a handful of rows:
-- the million-case export's batches drove from the scope's 200 020
-- enterprises into their cases and sorted, 5.0 s a batch of 1 000
-- (EXPLAIN ANALYZE as admin on the bench instance, 2026-12-03), where
-- the same batch read backwards along the primary key takes about 15
-- ms.

ALTER POLICY enterprises_own ON enterprises
	USING ((SELECT scope_enterprise() IS NULL)
	    OR id = (SELECT scope_enterprise()));

ALTER POLICY users_own ON users
	USING ((SELECT scope_enterprise() IS NULL) OR id = scope_user());

ALTER POLICY cases_own ON cases
	USING ((SELECT scope_enterprise() IS NULL)
	    OR enterprise_id = (SELECT scope_enterprise()));

ALTER POLICY case_deadlines_own ON case_deadlines
	USING ((SELECT scope_enterprise() IS NULL)
	    OR EXISTS (SELECT 1 FROM cases c WHERE c.id = case_id
		AND c.enterprise_id = (SELECT scope_enterprise())));

ALTER POLICY case_events_own ON case_events
	USING ((SELECT scope_enterprise() IS NULL)
	    OR (event IN ('create', 'order_rectification',
		'report_rectification')
		AND phase IN ('created', 'applied')
		AND EXISTS (SELECT 1 FROM cases c WHERE c.id = case_id
		    AND c.enterprise_id = (SELECT scope_enterprise()))));

ALTER POLICY files_own ON files
	USING ((SELECT scope_enterprise() IS NULL)
	    OR uploaded_by = scope_user());

ALTER POLICY enterprise_licences_own ON enterprise_licences
	USING ((SELECT scope_enterprise() IS NULL)
	    OR enterprise_id = (SELECT scope_enterprise()));

ALTER POLICY enterprise_risk_own ON enterprise_risk
	USING ((SELECT scope_enterprise() IS NULL)
	    OR enterprise_id = (SELECT scope_enterprise()));

ALTER POLICY case_assignees_own ON case_assignees
	USING ((SELECT scope_enterprise() IS NULL));

ALTER POLICY activities_own ON activities
	USING ((SELECT scope_enterprise() IS NULL));

ALTER POLICY log_leaves_own ON log_leaves
	USING ((SELECT scope_enterprise() IS NULL));

ALTER POLICY ledger_events_own ON ledger_events
	USING ((SELECT scope_enterprise() IS NULL));

ALTER POLICY supervisions_own ON supervisions
	USING ((SELECT scope_enterprise() IS NULL));

ALTER POLICY supervision_reports_own ON supervision_reports
	USING ((SELECT scope_enterprise() IS NULL));

ALTER POLICY submissions_own ON submissions
	USING ((SELECT scope_enterprise() IS NULL));

ALTER POLICY imports_own ON imports
	USING ((SELECT scope_enterprise() IS NULL));

ALTER POLICY self_inspections_own ON self_inspections
	USING ((SELECT scope_enterprise() IS NULL)
	    OR enterprise_id = (SELECT scope_enterprise()))
	WITH CHECK (enterprise_id = (SELECT scope_enterprise())
	    AND submitted_by = scope_user());

ALTER POLICY referrals_own ON referrals
	USING ((SELECT scope_enterprise() IS NULL));

ALTER POLICY case_links_own ON case_links
	USING ((SELECT scope_enterprise() IS NULL));

ALTER POLICY webhooks_own ON webhooks
	USING ((SELECT scope_enterprise() IS NULL));

ALTER POLICY webhook_deliveries_own ON webhook_deliveries
	USING ((SELECT scope_enterprise() IS NULL));
