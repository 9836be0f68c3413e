-- 0141_enterprise_closed.sql: an enterprise account's session (0130)
-- sees nothing of the tables made beside it -- referrals and case links
-- (0120: a region's officers' work across regions) and webhooks and
-- their deliveries (0140: an admin's, whose bodies carry the region's
-- events).  Their region policies alone would show an enterprise in
-- Beijing every Beijing row, since its session's scope is its region.
-- One restrictive policy each, as 0130's "nothing of these".

CREATE POLICY referrals_own ON referrals AS RESTRICTIVE TO paicha_app
	USING ((SELECT scope_enterprise()) IS NULL);
CREATE POLICY case_links_own ON case_links AS RESTRICTIVE TO paicha_app
	USING ((SELECT scope_enterprise()) IS NULL);
CREATE POLICY webhooks_own ON webhooks AS RESTRICTIVE TO paicha_app
	USING ((SELECT scope_enterprise()) IS NULL);
CREATE POLICY webhook_deliveries_own ON webhook_deliveries AS RESTRICTIVE
	TO paicha_app
	USING ((SELECT scope_enterprise()) IS NULL);
