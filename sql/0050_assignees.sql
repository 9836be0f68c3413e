-- 0050_assignees: who answers for a case (API.md Part 2 "Responsibility,
-- reminders, supervision"; 风险包保责任制, 责任上肩).
--
-- A case has one or more assignees: officers whose region covers the
-- case.  They are part of the case's projection of its stream (0051's
-- case_open() and case_step()): event 1's payload names them (default:
-- the creator), and the event `assign` replaces them.  One row per
-- (case, assignee), scoped by the case's region like the case, so that
-- "my cases" (GET /cases?assignee=me) reads an index in case order and
-- stops after a page.

CREATE TABLE case_assignees (
	case_id		bigint NOT NULL REFERENCES cases,
	user_id		bigint NOT NULL REFERENCES users,
	region		char(6) NOT NULL,	-- the case's, for scoping
	PRIMARY KEY (case_id, user_id)
);

-- A user's cases, newest first.
CREATE INDEX case_assignees_user ON case_assignees (user_id, case_id);

ALTER TABLE case_assignees ENABLE ROW LEVEL SECURITY;
CREATE POLICY case_assignees_scope ON case_assignees TO paicha_app
	USING (in_scope(region) AND (SELECT scope_valid()))
	WITH CHECK (in_scope(region) AND (SELECT scope_valid()));
GRANT SELECT, INSERT, DELETE ON case_assignees TO paicha_app;

-- Every case already there is its creator's (the rule for a payload that
-- names none).
INSERT INTO case_assignees (case_id, user_id, region)
SELECT id, created_by, region FROM cases;

-- The officers who may answer for a case in region `code`: not
-- disabled, holding `officer`, in a region covering it.  Past row-level
-- security, as user_public() shows names: an officer of a county may
-- name the province's officer who takes the case over.
CREATE FUNCTION officers_covering(code char(6))
RETURNS TABLE (id bigint, username text, display_name text,
    region char(6))
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT u.id, u.username, u.display_name, u.region FROM users u
	 WHERE 'officer' = ANY (u.roles) AND u.disabled_at IS NULL
	   AND region_covers(u.region, code)
	 ORDER BY u.region, u.username
$$;

REVOKE ALL ON FUNCTION officers_covering(char) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION officers_covering(char) TO paicha_app;

-- The database refuses an assignee who is not such an officer, whoever
-- writes the row (the service checks first, with a clear 422).
CREATE FUNCTION case_assignees_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM officers_covering(NEW.region) o
	    WHERE o.id = NEW.user_id) THEN
		RAISE EXCEPTION 'case %: user % is not an officer covering region %',
		    NEW.case_id, NEW.user_id, NEW.region
		USING ERRCODE = 'check_violation';
	END IF;
	IF NEW.region IS DISTINCT FROM (SELECT c.region FROM cases c
	    WHERE c.id = NEW.case_id) THEN
		RAISE EXCEPTION 'case %: an assignee row names another region',
		    NEW.case_id
		USING ERRCODE = 'check_violation';
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER case_assignees_check BEFORE INSERT ON case_assignees
	FOR EACH ROW EXECUTE FUNCTION case_assignees_check();
