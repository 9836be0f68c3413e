-- 0130_enterprise_accounts: enterprises as users (API.md Part 2
-- "Enterprises as users", issue 20).
--
--  * users gain enterprise_id (the enterprise an `enterprise` account is
--    bound to: held exactly by that role) and must_change_password (an
--    account made with a one-time password must set its own before
--    anything else; the front line answers 403 until then);
--  * session_open() also says both, so the front line knows them without
--    another round trip;
--  * scope_enterprise(): the presented session's enterprise, beside
--    scope_valid() (0030), and a RESTRICTIVE policy on every table with
--    row security: an enterprise's session sees its own enterprise, its
--    own cases, their deadlines, their registration and rectification
--    events, its own uploads, its own self-inspections, itself -- and
--    nothing of any other table (proposals, approvals, notes, transfers,
--    assignees, activities, audit, supervision, submissions, imports);
--  * checklist_items: the key control points of the self-inspection
--    (seed: 原材料进货检验、过程控制、出厂检验 as 重点环节, 生产设备、检验设施
--    as 重点对象) and each category's own items; a province adds its own;
--  * self_inspections: what an enterprise reported, per campaign and
--    category; a failed item reported as a major risk opens a case, and
--    a trigger notifies the region's officers (kind self_inspection_risk);
--  * two more ledger streams: self_inspection, checklist_item.

-- ------------------------------------------------------------------
-- Accounts
-- ------------------------------------------------------------------

ALTER TABLE users ADD COLUMN enterprise_id bigint REFERENCES enterprises;
ALTER TABLE users ADD COLUMN must_change_password boolean NOT NULL
	DEFAULT false;
-- An `enterprise` account is bound to an enterprise; no one else is.
ALTER TABLE users ADD CONSTRAINT users_enterprise_bound
	CHECK (('enterprise' = ANY (roles)) = (enterprise_id IS NOT NULL));
CREATE INDEX users_enterprise ON users (enterprise_id)
	WHERE enterprise_id IS NOT NULL;

GRANT SELECT (enterprise_id, must_change_password) ON users TO paicha_app;
GRANT INSERT (enterprise_id, must_change_password) ON users TO paicha_app;
GRANT UPDATE (must_change_password) ON users TO paicha_app;

-- The presented session's enterprise: NULL for the regulator's people,
-- for no session, or an invalid one.  An initplan of every policy below.
CREATE FUNCTION scope_enterprise() RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN (SELECT u.enterprise_id FROM sessions s
	  JOIN users u ON u.id = s.user_id
	 WHERE s.token_hash = decode(nullif(current_setting('paicha.session',
		    true), ''), 'hex')
	   AND s.ended_at IS NULL AND s.expires_at > now()
	   AND u.disabled_at IS NULL);
END
$$;
REVOKE ALL ON FUNCTION scope_enterprise() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION scope_enterprise() TO paicha_app;

-- session_open (0030) with the account's binding and whether it must set
-- its password first.
DROP FUNCTION session_open(bytea, integer);
CREATE FUNCTION session_open(token bytea, idle_s integer)
RETURNS TABLE (session_id bigint, id bigint, username text,
    display_name text, region char(6), roles text[], wrote_lsn pg_lsn,
    primary_lsn pg_lsn, enterprise_id bigint, must_change_password boolean)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	s	sessions%ROWTYPE;
	u	users%ROWTYPE;
BEGIN
	PERFORM set_config('paicha.region', '', false);
	PERFORM set_config('paicha.user_id', '', false);
	PERFORM set_config('paicha.session', '', false);
	SELECT * INTO s FROM sessions
	 WHERE token_hash = token AND ended_at IS NULL AND expires_at > now()
	   AND last_seen > now() - make_interval(secs => idle_s);
	IF NOT FOUND THEN
		RETURN;
	END IF;
	SELECT * INTO u FROM users WHERE users.id = s.user_id
	   AND disabled_at IS NULL;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	IF s.last_seen < now() - make_interval(secs => least(30, idle_s / 10.0)) THEN
		UPDATE sessions SET last_seen = now() WHERE sessions.id = s.id;
	END IF;
	PERFORM set_config('paicha.region', u.region, false);
	PERFORM set_config('paicha.user_id', u.id::text, false);
	PERFORM set_config('paicha.session', encode(token, 'hex'), false);
	session_id := s.id;
	id := u.id;
	username := u.username;
	display_name := u.display_name;
	region := u.region;
	roles := u.roles;
	wrote_lsn := s.wrote_lsn;
	primary_lsn := pg_current_wal_flush_lsn();
	enterprise_id := u.enterprise_id;
	must_change_password := u.must_change_password;
	RETURN NEXT;
END
$$;
REVOKE ALL ON FUNCTION session_open(bytea, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION session_open(bytea, integer) TO paicha_app;

-- ------------------------------------------------------------------
-- The enterprise's own view: one restrictive policy per table
-- ------------------------------------------------------------------

CREATE POLICY enterprises_own ON enterprises AS RESTRICTIVE TO paicha_app
	USING ((SELECT scope_enterprise()) IS NULL
	    OR id = (SELECT scope_enterprise()));
CREATE POLICY users_own ON users AS RESTRICTIVE TO paicha_app
	USING ((SELECT scope_enterprise()) IS NULL OR id = scope_user());
CREATE POLICY cases_own ON cases AS RESTRICTIVE TO paicha_app
	USING ((SELECT scope_enterprise()) IS NULL
	    OR enterprise_id = (SELECT scope_enterprise()));
CREATE POLICY case_deadlines_own ON case_deadlines AS RESTRICTIVE
	TO paicha_app
	USING ((SELECT scope_enterprise()) IS NULL
	    OR EXISTS (SELECT 1 FROM cases c WHERE c.id = case_id
		AND c.enterprise_id = (SELECT scope_enterprise())));
-- Of a case's history, the registration and the rectification steps as
-- applied: no proposal, approval, note or transfer.
CREATE POLICY case_events_own ON case_events AS RESTRICTIVE TO paicha_app
	USING ((SELECT scope_enterprise()) IS NULL
	    OR (event IN ('create', 'order_rectification',
		'report_rectification')
		AND phase IN ('created', 'applied')
		AND EXISTS (SELECT 1 FROM cases c WHERE c.id = case_id
		    AND c.enterprise_id = (SELECT scope_enterprise()))));
-- Its own uploads (on its own cases: the files' own policy and the
-- upload route see to that).
CREATE POLICY files_own ON files AS RESTRICTIVE TO paicha_app
	USING ((SELECT scope_enterprise()) IS NULL
	    OR uploaded_by = scope_user());
-- Its profile's licences and grade: its own.
CREATE POLICY enterprise_licences_own ON enterprise_licences AS RESTRICTIVE
	TO paicha_app
	USING ((SELECT scope_enterprise()) IS NULL
	    OR enterprise_id = (SELECT scope_enterprise()));
CREATE POLICY enterprise_risk_own ON enterprise_risk AS RESTRICTIVE
	TO paicha_app
	USING ((SELECT scope_enterprise()) IS NULL
	    OR enterprise_id = (SELECT scope_enterprise()));
-- Nothing of these.  Registering a case from a self-inspection writes
-- its assignees (case_open): reading is what is closed.
CREATE POLICY case_assignees_own ON case_assignees AS RESTRICTIVE
	FOR SELECT TO paicha_app
	USING ((SELECT scope_enterprise()) IS NULL);
CREATE POLICY activities_own ON activities AS RESTRICTIVE TO paicha_app
	USING ((SELECT scope_enterprise()) IS NULL);
CREATE POLICY log_leaves_own ON log_leaves AS RESTRICTIVE TO paicha_app
	USING ((SELECT scope_enterprise()) IS NULL);
CREATE POLICY ledger_events_own ON ledger_events AS RESTRICTIVE
	TO paicha_app
	USING ((SELECT scope_enterprise()) IS NULL);
CREATE POLICY supervisions_own ON supervisions AS RESTRICTIVE TO paicha_app
	USING ((SELECT scope_enterprise()) IS NULL);
CREATE POLICY supervision_reports_own ON supervision_reports AS RESTRICTIVE
	TO paicha_app
	USING ((SELECT scope_enterprise()) IS NULL);
CREATE POLICY submissions_own ON submissions AS RESTRICTIVE TO paicha_app
	USING ((SELECT scope_enterprise()) IS NULL);
CREATE POLICY imports_own ON imports AS RESTRICTIVE TO paicha_app
	USING ((SELECT scope_enterprise()) IS NULL);

-- ------------------------------------------------------------------
-- Checklists
-- ------------------------------------------------------------------

-- category NULL: a key control point, for every category.  province
-- NULL: national; else the province that added it (for a category it
-- may use: a national one or its own).
CREATE TABLE checklist_items (
	id		bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	category	text REFERENCES categories,
	province	char(6) REFERENCES regions
			CHECK (province LIKE '__0000' AND province <> '000000'),
	stage		text NOT NULL CHECK (stage IN ('raw_materials',
			'process', 'outgoing', 'equipment', 'testing')),
	label		text NOT NULL CHECK (length(label) BETWEEN 1 AND 200
			    AND label = btrim(label)),
	ord		integer NOT NULL DEFAULT 100,
	added_by	bigint REFERENCES users,
	added_at	timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT checklist_items_key_national
		CHECK (category IS NOT NULL OR province IS NULL)
);
CREATE INDEX checklist_items_category ON checklist_items (category, id);
-- Reference data: read by everyone; a province's admin adds (the route
-- checks the province; the policy holds it).
ALTER TABLE checklist_items ENABLE ROW LEVEL SECURITY;
CREATE POLICY checklist_items_read ON checklist_items FOR SELECT
	TO paicha_app USING (true);
CREATE POLICY checklist_items_add ON checklist_items FOR INSERT
	TO paicha_app
	WITH CHECK (province IS NOT NULL AND category IS NOT NULL
	    AND in_scope(province) AND added_by = scope_user()
	    AND (SELECT scope_valid()));
GRANT SELECT ON checklist_items TO paicha_app;
GRANT INSERT (category, province, stage, label, added_by) ON checklist_items
	TO paicha_app;

-- The seed's items have fixed ids, the same in every installation and
-- above every province's id range (0011: a sequence that handed out an
-- id outside its range stops installation_setup), and below 2^53 (the
-- front end reads them as numbers).  Added items take the sequence's.
INSERT INTO checklist_items (id, category, stage, label, ord) VALUES
	(2000000000000001, NULL, 'raw_materials',
	    '原材料进货检验：进货查验记录齐全，原材料符合标准', 1),
	(2000000000000002, NULL, 'process',
	    '过程控制：按工艺生产，无偷工减料、掺杂掺假', 2),
	(2000000000000003, NULL, 'outgoing',
	    '出厂检验：逐批出厂检验，检验记录完整', 3),
	(2000000000000004, NULL, 'equipment',
	    '生产设备：设备满足生产要求并正常维护', 4),
	(2000000000000005, NULL, 'testing',
	    '检验设施：检验设备齐全、在检定校准有效期内', 5);
INSERT INTO checklist_items (id, category, stage, label, ord)
SELECT 2000000000000100 + c.ord, c.id, 'process',
    c.name || '：持有效生产许可证或强制性产品认证，未超范围生产', 10 + c.ord
  FROM categories c WHERE c.province IS NULL;
INSERT INTO checklist_items (id, category, stage, label, ord)
SELECT 2000000000000200 + c.ord, c.id, 'outgoing',
    c.name || '：产品质量符合国家标准，标识标注规范', 30 + c.ord
  FROM categories c WHERE c.province IS NULL;

-- ------------------------------------------------------------------
-- Self-inspections
-- ------------------------------------------------------------------

CREATE TABLE self_inspections (
	id		bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	enterprise_id	bigint NOT NULL REFERENCES enterprises,
	region		char(6) NOT NULL REFERENCES regions, -- the enterprise's
	campaign_id	integer NOT NULL REFERENCES campaigns,
	category	text NOT NULL REFERENCES categories,
	items		jsonb NOT NULL CHECK (jsonb_typeof(items) = 'array'),
	failed		integer NOT NULL CHECK (failed >= 0),
	major_risk	boolean NOT NULL,
	file_ids	bigint[] NOT NULL DEFAULT '{}',
	case_id		bigint REFERENCES cases,
	submitted_by	bigint NOT NULL REFERENCES users,
	submitted_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX self_inspections_region ON self_inspections (region, id);
CREATE INDEX self_inspections_enterprise ON self_inspections
	(enterprise_id, campaign_id);

ALTER TABLE self_inspections ENABLE ROW LEVEL SECURITY;
CREATE POLICY self_inspections_scope ON self_inspections TO paicha_app
	USING (in_scope(region) AND (SELECT scope_valid()))
	WITH CHECK (in_scope(region) AND (SELECT scope_valid()));
CREATE POLICY self_inspections_own ON self_inspections AS RESTRICTIVE
	TO paicha_app
	USING ((SELECT scope_enterprise()) IS NULL
	    OR enterprise_id = (SELECT scope_enterprise()))
	WITH CHECK (enterprise_id = (SELECT scope_enterprise())
	    AND submitted_by = scope_user());
GRANT SELECT ON self_inspections TO paicha_app;
GRANT INSERT (enterprise_id, region, campaign_id, category, items, failed,
	major_risk, file_ids, case_id, submitted_by) ON self_inspections
	TO paicha_app;

-- A self-inspection that opened a case tells the officers covering the
-- enterprise's region (they answer for it: they may not read who).
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
	CHECK (kind IN ('deadline_soon', 'overdue', 'review_requested',
	    'referral_received', 'supervision_assigned', 'submission_due',
	    'submission_returned', 'escalated', 'self_inspection_risk'));

CREATE FUNCTION self_inspections_notify() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	IF NEW.case_id IS NOT NULL THEN
		PERFORM notify('self_inspection_risk',
		    'self_inspection:' || NEW.id,
		    users_covering('officer', NEW.region),
		    (SELECT '企业自查报告重大风险：' || e.name || '（案件 '
			|| NEW.case_id || '）'
		       FROM enterprises e WHERE e.id = NEW.enterprise_id),
		    NEW.case_id);
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER self_inspections_notify AFTER INSERT ON self_inspections
	FOR EACH ROW EXECUTE FUNCTION self_inspections_notify();

-- ------------------------------------------------------------------
-- The ledger's streams (0100's list and two more)
-- ------------------------------------------------------------------

ALTER TABLE ledger_events DROP CONSTRAINT ledger_events_entity_check;
ALTER TABLE ledger_events ADD CONSTRAINT ledger_events_entity_check
	CHECK (entity IN ('user', 'enterprise', 'category', 'campaign',
	    'activity', 'file', 'referral', 'supervision', 'submission',
	    'self_inspection', 'checklist_item'));
