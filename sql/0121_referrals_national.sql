-- 0121_referrals_national: a province publishes its referrals and case
-- links to the national database with its cases (docs/SCALING.md
-- "Province -> national"): the national record of a case says where it
-- was referred from or to, and the referral's own stream (entity
-- 'referral' in ledger_events, published since 0034) has its row.
-- 0111's submissions stay in the list.  Inserts and updates, like the rest (an accept or a return updates
-- the referral; both tables have a primary key for a replica
-- identity).  installation_setup() runs on every start, so a province's
-- publication gains the tables on its next ./run; the national
-- database takes them up with ./run subscribe PP0000 ... again.

CREATE OR REPLACE FUNCTION province_tables()
RETURNS TABLE (name text, pub text)
LANGUAGE sql STABLE AS $$
	SELECT t.name, t.pub FROM (VALUES
		('users', 'main'), ('enterprises', 'main'),
		('cases', 'main'), ('case_events', 'main'),
		('case_deadlines', 'main'), ('activities', 'main'),
		('ledger_events', 'main'), ('submissions', 'main'),
		('referrals', 'main'), ('case_links', 'main'),
		('categories', 'refs')) AS t(name, pub)
	 WHERE to_regclass('public.' || t.name) IS NOT NULL
$$;
