-- 0080_reporting_cycle: the reporting cycle (API.md Part 2, "The
-- reporting cycle"; issue 19).
--
--  * Campaigns are made and edited through the API by a national admin
--    (a new year no longer needs a migration), through two functions
--    that check the session is one (the service's role still has no
--    write grant on the table): a version for If-Match,
--    and the day the campaign starts (a form `as_of` an earlier day is
--    refused).  Each change is an event of the campaign's stream
--    (entity 'campaign', 0031).
--  * Activities can be voided with a reason: a voided activity stays
--    listed and leaves the form from the moment of its voiding (a form
--    as of an earlier day still counts it).  The void is an event of
--    the activity's stream (entity 'activity').
--  * Submissions: a region's stage or annual submission of a campaign,
--    the form frozen at that moment (its canonical JSON and the XLSX),
--    the narrative summary, and the statement signed with the
--    checkpoint key (docs/SUBMISSIONS.md says which bytes).  Nothing of
--    a submission but its return (state, who, when, why) can ever be
--    updated: the column grants below say so.  At most one version of
--    a (campaign, region, kind) is `submitted` at a time; the next one
--    follows a return.  Its stream is entity 'submission'.

ALTER TABLE ledger_events DROP CONSTRAINT ledger_events_entity_check;
ALTER TABLE ledger_events ADD CONSTRAINT ledger_events_entity_check
	CHECK (entity IN ('user', 'enterprise', 'category', 'campaign',
	    'supervision', 'submission', 'activity', 'file'));

-- ---------------------------------------------------------------------
-- Campaigns
-- ---------------------------------------------------------------------
ALTER TABLE campaigns
	ADD COLUMN starts_on date,
	ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version >= 1);
UPDATE campaigns SET starts_on = make_date(year, 1, 1);
ALTER TABLE campaigns ALTER COLUMN starts_on SET NOT NULL,
	ADD CONSTRAINT campaigns_starts_in_year
	CHECK (extract(year FROM starts_on) = year),
	ADD CONSTRAINT campaigns_investigation_after_start
	CHECK (risk_investigation_by >= starts_on);

-- A campaign inserted without its start (the seeders, older tests)
-- starts on the first of January of its year.
CREATE FUNCTION campaigns_start() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	NEW.starts_on := coalesce(NEW.starts_on, make_date(NEW.year, 1, 1));
	RETURN NEW;
END
$$;

CREATE TRIGGER campaigns_start BEFORE INSERT ON campaigns
	FOR EACH ROW EXECUTE FUNCTION campaigns_start();

-- The service's role still may not write campaigns itself: it makes
-- and edits them through these two, which refuse (PA403) anyone but a
-- national admin of the session (scope_session(), 0030).
CREATE FUNCTION campaign_writer_ok() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT EXISTS (SELECT 1 FROM scope_session() s
	    WHERE s.region = '000000' AND 'admin' = ANY (s.roles))
$$;

-- A new campaign; no row when its year has one already.
CREATE FUNCTION campaign_create(c_year integer, c_name text, c_starts date,
    c_risk date, c_gov date, c_stage date, c_annual date)
RETURNS SETOF campaigns
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	IF NOT campaign_writer_ok() THEN
		RAISE EXCEPTION 'campaigns: only a national admin makes one'
		USING ERRCODE = 'PA403';
	END IF;
	RETURN QUERY INSERT INTO campaigns (id, year, name, starts_on,
	    risk_investigation_by, governance_by, interim_report_due,
	    annual_report_due)
	VALUES (c_year, c_year, c_name, c_starts, c_risk, c_gov, c_stage,
	    c_annual)
	ON CONFLICT DO NOTHING RETURNING *;
END
$$;

-- Campaign `c_year` at version `c_version` edited; no row when it is
-- not (any more) at that version.
CREATE FUNCTION campaign_update(c_year integer, c_version integer,
    c_name text, c_starts date, c_risk date, c_gov date, c_stage date,
    c_annual date)
RETURNS SETOF campaigns
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	IF NOT campaign_writer_ok() THEN
		RAISE EXCEPTION 'campaigns: only a national admin edits one'
		USING ERRCODE = 'PA403';
	END IF;
	RETURN QUERY UPDATE campaigns SET name = c_name, starts_on = c_starts,
	    risk_investigation_by = c_risk, governance_by = c_gov,
	    interim_report_due = c_stage, annual_report_due = c_annual,
	    version = version + 1
	 WHERE id = c_year AND version = c_version RETURNING *;
END
$$;

REVOKE ALL ON FUNCTION campaign_writer_ok(), campaign_create(integer, text,
	date, date, date, date, date), campaign_update(integer, integer, text,
	date, date, date, date, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION campaign_create(integer, text, date, date, date,
	date, date), campaign_update(integer, integer, text, date, date, date,
	date, date) TO paicha_app;

-- ---------------------------------------------------------------------
-- Activities: voids
-- ---------------------------------------------------------------------
ALTER TABLE activities
	ADD COLUMN voided_at timestamptz,
	ADD COLUMN voided_by bigint REFERENCES users,
	ADD COLUMN void_reason text
		CHECK (length(void_reason) BETWEEN 1 AND 4000),
	ADD CONSTRAINT activities_void_whole CHECK (
		num_nulls(voided_at, voided_by, void_reason) IN (0, 3));

GRANT UPDATE (voided_at, voided_by, void_reason) ON activities TO paicha_app;

-- The form reads activities from one covering index (0009); it now
-- also asks when each was entered and voided (a form as of a day, voids
-- out of the form), so the index carries both: still an index-only scan.
DROP INDEX activities_report;
CREATE INDEX activities_report ON activities (campaign_id, region)
	INCLUDE (category, kind, domain, enterprise_id, problems_found,
	    problems_count, batches, failed_batches, problems_solved,
	    output_gain, created_at, voided_at);

-- Late entries: a campaign's activities in the order they were entered.
CREATE INDEX activities_campaign_entered ON activities
	(campaign_id, created_at);

-- ---------------------------------------------------------------------
-- Submissions
-- ---------------------------------------------------------------------
CREATE TABLE submissions (
	id		bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	campaign_id	integer NOT NULL REFERENCES campaigns,
	region		char(6) NOT NULL REFERENCES regions,
	kind		text NOT NULL CHECK (kind IN ('stage', 'annual')),
	version		integer NOT NULL CHECK (version >= 1),
	state		text NOT NULL DEFAULT 'submitted'
			CHECK (state IN ('submitted', 'returned')),
	as_of		date NOT NULL,
	submitted_at	timestamptz NOT NULL,
	submitted_by	bigint NOT NULL REFERENCES users,
	late		boolean NOT NULL,
	summary		text NOT NULL CHECK (length(summary) BETWEEN 1 AND 20000),
	form		text NOT NULL,		-- canonical JSON
	xlsx		bytea NOT NULL,
	statement	text NOT NULL,		-- the signed bytes
	signature	bytea NOT NULL CHECK (length(signature) = 64),
	returned_at	timestamptz,
	returned_by	bigint REFERENCES users,
	return_reason	text CHECK (length(return_reason) BETWEEN 1 AND 4000),
	UNIQUE (campaign_id, region, kind, version),
	CHECK ((state = 'returned') = (returned_at IS NOT NULL)
	   AND (state = 'returned') = (returned_by IS NOT NULL)
	   AND (state = 'returned') = (return_reason IS NOT NULL))
);

CREATE UNIQUE INDEX submissions_one_standing ON submissions
	(campaign_id, region, kind) WHERE state = 'submitted';

ALTER TABLE submissions ENABLE ROW LEVEL SECURITY;
CREATE POLICY submissions_scope ON submissions TO paicha_app
	USING (in_scope(region) AND (SELECT scope_valid()))
	WITH CHECK (in_scope(region) AND (SELECT scope_valid()));
GRANT SELECT, INSERT, UPDATE (state, returned_at, returned_by,
	return_reason) ON submissions TO paicha_app;
GRANT USAGE ON SEQUENCE submissions_id_seq TO paicha_app;

-- A return moves a submitted version to returned, once; nothing else
-- of a submission ever changes (the grants above, and this for the
-- owner's sake too).
CREATE FUNCTION submissions_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF OLD.state <> 'submitted' OR NEW.state <> 'returned'
	   OR (NEW.form, NEW.xlsx, NEW.statement, NEW.signature, NEW.summary,
	       NEW.version, NEW.region, NEW.kind, NEW.campaign_id,
	       NEW.submitted_at)
	      IS DISTINCT FROM (OLD.form, OLD.xlsx, OLD.statement,
	       OLD.signature, OLD.summary, OLD.version, OLD.region, OLD.kind,
	       OLD.campaign_id, OLD.submitted_at) THEN
		RAISE EXCEPTION 'submission %: only a return changes it', OLD.id
		USING ERRCODE = 'check_violation';
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER submissions_frozen BEFORE UPDATE ON submissions
	FOR EACH ROW EXECUTE FUNCTION submissions_frozen();
CREATE TRIGGER submissions_no_delete BEFORE DELETE ON submissions
	FOR EACH ROW EXECUTE FUNCTION case_events_refuse();

-- submission_returned: the region's coordinators (the submitter among
-- them) hear of a return in the transaction that makes it.
CREATE FUNCTION submissions_returned() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	IF OLD.state = 'submitted' AND NEW.state = 'returned' THEN
		PERFORM notify('submission_returned',
		    format('submission:%s', NEW.id),
		    ARRAY(SELECT u.id FROM users u WHERE u.disabled_at IS NULL
			AND (u.id = NEW.submitted_by OR (u.region = NEW.region
			    AND 'coordinator' = ANY (u.roles)))
			ORDER BY u.id),
		    format('%s（第%s版）被上级退回：%s',
			CASE NEW.kind WHEN 'stage' THEN '阶段性工作总结'
			    ELSE '全年工作总结' END, NEW.version,
			NEW.return_reason),
		    NULL, NULL, NULL, NEW.id);
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER submissions_returned AFTER UPDATE ON submissions
	FOR EACH ROW EXECUTE FUNCTION submissions_returned();
