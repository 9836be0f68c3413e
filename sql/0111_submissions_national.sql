-- 0111_submissions_national.sql: a province's submissions travel to the
-- national database with its cases (issue 19), so that the national
-- roll-up adds up the provinces' frozen forms.
--
-- province_tables() gains submissions in the main publication: inserts
-- (a submission) and updates (its return) are published; a submission's
-- frozen form, workbook, statement and signature arrive as they were
-- signed, and its events are already published with ledger_events
-- (0034).  Its users, regions and campaign are there too: users are
-- published, regions and the campaigns are the same data everywhere.
-- installation_setup() runs on every start and sets the publication
-- from this list; a national database that subscribed before takes the
-- table up with ./run subscribe PP0000 ... again (REFRESH PUBLICATION).

CREATE OR REPLACE FUNCTION province_tables()
RETURNS TABLE (name text, pub text)
LANGUAGE sql STABLE AS $$
	SELECT t.name, t.pub FROM (VALUES
		('users', 'main'), ('enterprises', 'main'),
		('cases', 'main'), ('case_events', 'main'),
		('case_deadlines', 'main'), ('activities', 'main'),
		('ledger_events', 'main'), ('submissions', 'main'),
		('categories', 'refs')) AS t(name, pub)
	 WHERE to_regclass('public.' || t.name) IS NOT NULL
$$;
