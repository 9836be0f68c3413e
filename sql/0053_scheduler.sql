-- 0053_scheduler: time-driven work (DESIGN.md Part 2, "Time-driven
-- work"): a scheduler inside the service runs jobs -- one row each here,
-- one C function each in fcgi/sched/ -- in small idempotent
-- transactions, one instance at a time per job under a PostgreSQL
-- advisory lock, so any number of instances can run.
--
-- A job's round (fcgi/sched/sched.c):
--
--	BEGIN; sched_claim(job): its advisory lock (pg_try_advisory_xact_
--	lock: another instance holding it makes this one skip the job) and
--	the database's clock; one batch of the job's work, driven by a
--	partial index, each item marked done in the same transaction;
--	sched_done(job, items); COMMIT
--
-- and again while a batch came back full.  A killed instance's open
-- batch rolls back and its lock goes with its connection: the next
-- instance to claim the job does that batch again, from the start.
--
-- The first job: deadline reminders.  Each open deadline of a case gets
-- three marks, one per notification it causes, so a sweep reads only
-- the deadlines whose next notification is due (three partial indexes
-- in due order; a mark takes the deadline out of its index):
--
--	reminded_at	deadline_soon to the assignees, two working days
--			before it is due (none if it is overdue already)
--	overdue_at	overdue to the assignees, once it is past due
--	escalated_at	escalated to the coordinators of the nearest region
--			above the case's that has any, five working days
--			overdue
--
-- The working-day bounds come from workflow/ (wf_soon_horizon,
-- wf_escalation_horizon), computed by the service from the database's
-- clock; the labels of the deadline kinds too (workflow/deadline.c).

-- ------------------------------------------------------------------
-- Jobs
-- ------------------------------------------------------------------

CREATE TABLE sched_jobs (
	name		text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,39}$'),
	enabled		boolean NOT NULL DEFAULT true,
	-- At most one round per this many seconds (0: each tick of the
	-- scheduler, PAICHA_SCHED_INTERVAL).
	every_s		integer NOT NULL DEFAULT 0 CHECK (every_s >= 0),
	next_at		timestamptz NOT NULL DEFAULT now(),
	-- What the last batches did, for operators: by whom (the
	-- instance's connection), when, how much, and the last failure.
	last_by		text,
	last_at		timestamptz,
	last_items	bigint,
	items		bigint NOT NULL DEFAULT 0,
	batches		bigint NOT NULL DEFAULT 0,
	last_error	text,
	last_error_at	timestamptz,
	-- What a job keeps between its rounds (its own members).
	state		jsonb NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE sched_jobs IS
	'the scheduler''s jobs, one row each (fcgi/sched/): a job without a row, or disabled, does not run';

-- Closed to the service's role: it goes through the functions below.
ALTER TABLE sched_jobs ENABLE ROW LEVEL SECURITY;

INSERT INTO sched_jobs (name) VALUES ('deadline_reminders');

-- A job's advisory lock key (another space than the checkpointer's).
CREATE FUNCTION sched_lock_key(job text) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT hashtextextended('paicha sched ' || job, 0)
$$;

-- Start a batch of `job` in the current transaction: whether this
-- instance may run it now -- the job exists, is enabled, is due, and
-- its advisory lock was free (held until the transaction ends) -- and
-- the database's clock, which every instance shares.
CREATE FUNCTION sched_claim(job text, OUT got boolean, OUT now_ timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	now_ := now();
	got := pg_try_advisory_xact_lock(sched_lock_key(job))
	    AND EXISTS (SELECT 1 FROM sched_jobs j WHERE j.name = job
		AND j.enabled AND j.next_at <= now());
END
$$;

-- The batch of `job` did `n` items (in the transaction of sched_claim);
-- `last` says the round is over: the job is next due every_s later.
CREATE FUNCTION sched_done(job text, n bigint, last boolean) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	UPDATE sched_jobs SET last_by = current_setting('application_name'),
	    last_at = now(), last_items = n, items = items + n,
	    batches = batches + 1,
	    next_at = CASE WHEN last THEN now() + make_interval(secs => every_s)
		ELSE next_at END
	 WHERE name = job
$$;

-- A batch of `job` failed (in a transaction of its own, after the
-- failed one rolled back): say so on its row.
CREATE FUNCTION sched_failed(job text, why text) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	UPDATE sched_jobs SET last_error = left(why, 500),
	    last_error_at = now() WHERE name = job
$$;

REVOKE ALL ON FUNCTION sched_claim(text), sched_done(text, bigint, boolean),
	sched_failed(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sched_lock_key(text), sched_claim(text),
	sched_done(text, bigint, boolean), sched_failed(text, text)
	TO paicha_app;

-- ------------------------------------------------------------------
-- Deadline reminders
-- ------------------------------------------------------------------

ALTER TABLE case_deadlines ADD COLUMN reminded_at timestamptz,
	ADD COLUMN overdue_at timestamptz,
	ADD COLUMN escalated_at timestamptz;

CREATE INDEX case_deadlines_remind ON case_deadlines (due_at)
	WHERE stopped_at IS NULL AND reminded_at IS NULL;
CREATE INDEX case_deadlines_overdue ON case_deadlines (due_at)
	WHERE stopped_at IS NULL AND overdue_at IS NULL;
CREATE INDEX case_deadlines_escalate ON case_deadlines (due_at)
	WHERE stopped_at IS NULL AND escalated_at IS NULL;

-- The coordinators an overdue deadline in region `code` is escalated
-- to: those of the nearest region strictly above it that has any (the
-- parent's; a county's province when the prefecture has none).
CREATE FUNCTION escalation_recipients(code char(6)) RETURNS bigint[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	WITH above AS (
		SELECT u.id, u.region FROM users u
		 WHERE 'coordinator' = ANY (u.roles) AND u.disabled_at IS NULL
		   AND u.region <> code AND region_covers(u.region, code))
	SELECT coalesce(array_agg(a.id ORDER BY a.id), '{}') FROM above a
	 WHERE a.region = (SELECT max(b.region) FROM above b)
$$;

-- A deadline's CST time as people read it.
CREATE FUNCTION cst_minute(t timestamptz) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$
	SELECT to_char(t AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI')
$$;

-- One batch of stage `stage` of the deadline reminders: up to `lim` open
-- deadlines whose notification of that stage is due by `bound`, taken in
-- due order from the stage's partial index (rows another transaction
-- holds are skipped), marked, and their notifications made in the same
-- statement.  `now_` is the database's clock at sched_claim; `labels`
-- maps each deadline kind to its Chinese label, and "_escalate_days" to
-- the working days of an escalation (workflow/deadline.c).
-- Returns how many deadlines it took: fewer than `lim` means the stage
-- is done for now.
--
--	soon		bound: wf_soon_horizon(now_); deadline_soon to the
--			assignees of those not yet overdue
--	overdue		(bound unused) due before now_; overdue to the
--			assignees
--	escalated	bound: wf_escalation_horizon(now_); escalated to
--			escalation_recipients(the case's region)
CREATE FUNCTION sched_deadlines(stage text, bound timestamptz,
    now_ timestamptz, lim integer, labels jsonb) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	n	integer;
BEGIN
	CASE stage
	WHEN 'soon' THEN
		WITH took AS (
			SELECT d.case_id, d.kind, d.started_seq, d.due_at
			  FROM case_deadlines d
			 WHERE d.stopped_at IS NULL AND d.reminded_at IS NULL
			   AND d.due_at <= bound
			 ORDER BY d.due_at LIMIT lim
			   FOR UPDATE SKIP LOCKED),
		marked AS (
			UPDATE case_deadlines d SET reminded_at = now()
			  FROM took t WHERE d.case_id = t.case_id
			   AND d.kind = t.kind AND d.started_seq = t.started_seq
			RETURNING t.case_id, t.kind, t.started_seq, t.due_at),
		made AS (
			INSERT INTO notifications (user_id, kind, fact, text,
			    case_id)
			SELECT a.user_id, 'deadline_soon',
			    format('deadline:%s:%s:%s', m.case_id, m.kind,
				m.started_seq),
			    format('案件 %s（%s）的%s将于 %s 到期', m.case_id,
				e.name, coalesce(labels->>m.kind, m.kind),
				cst_minute(m.due_at)),
			    m.case_id
			  FROM marked m
			  JOIN case_assignees a ON a.case_id = m.case_id
			  JOIN users u ON u.id = a.user_id
			  JOIN cases c ON c.id = m.case_id
			  JOIN enterprises e ON e.id = c.enterprise_id
			 WHERE m.due_at > now_ AND u.disabled_at IS NULL
			ON CONFLICT (user_id, kind, fact) DO NOTHING)
		SELECT count(*) INTO n FROM marked;
	WHEN 'overdue' THEN
		WITH took AS (
			SELECT d.case_id, d.kind, d.started_seq, d.due_at
			  FROM case_deadlines d
			 WHERE d.stopped_at IS NULL AND d.overdue_at IS NULL
			   AND d.due_at < now_
			 ORDER BY d.due_at LIMIT lim
			   FOR UPDATE SKIP LOCKED),
		marked AS (
			UPDATE case_deadlines d SET overdue_at = now()
			  FROM took t WHERE d.case_id = t.case_id
			   AND d.kind = t.kind AND d.started_seq = t.started_seq
			RETURNING t.case_id, t.kind, t.started_seq, t.due_at),
		made AS (
			INSERT INTO notifications (user_id, kind, fact, text,
			    case_id)
			SELECT a.user_id, 'overdue',
			    format('deadline:%s:%s:%s', m.case_id, m.kind,
				m.started_seq),
			    format('案件 %s（%s）的%s已于 %s 到期，现已逾期',
				m.case_id, e.name,
				coalesce(labels->>m.kind, m.kind),
				cst_minute(m.due_at)),
			    m.case_id
			  FROM marked m
			  JOIN case_assignees a ON a.case_id = m.case_id
			  JOIN users u ON u.id = a.user_id
			  JOIN cases c ON c.id = m.case_id
			  JOIN enterprises e ON e.id = c.enterprise_id
			 WHERE u.disabled_at IS NULL
			ON CONFLICT (user_id, kind, fact) DO NOTHING)
		SELECT count(*) INTO n FROM marked;
	WHEN 'escalated' THEN
		WITH took AS (
			SELECT d.case_id, d.kind, d.started_seq, d.due_at,
			    d.region
			  FROM case_deadlines d
			 WHERE d.stopped_at IS NULL AND d.escalated_at IS NULL
			   AND d.due_at <= bound
			 ORDER BY d.due_at LIMIT lim
			   FOR UPDATE SKIP LOCKED),
		marked AS (
			UPDATE case_deadlines d SET escalated_at = now()
			  FROM took t WHERE d.case_id = t.case_id
			   AND d.kind = t.kind AND d.started_seq = t.started_seq
			RETURNING t.case_id, t.kind, t.started_seq, t.due_at,
			    t.region),
		made AS (
			INSERT INTO notifications (user_id, kind, fact, text,
			    case_id)
			SELECT x.id, 'escalated',
			    format('deadline:%s:%s:%s', m.case_id, m.kind,
				m.started_seq),
			    format('案件 %s（%s，%s）的%s已逾期超过%s个工作日'
				'（%s 到期），请督促办理', m.case_id, e.name,
				rg.name, coalesce(labels->>m.kind, m.kind),
				coalesce(labels->>'_escalate_days', '5'),
				cst_minute(m.due_at)),
			    m.case_id
			  FROM marked m
			  CROSS JOIN LATERAL unnest(escalation_recipients(
			      m.region)) x(id)
			  JOIN cases c ON c.id = m.case_id
			  JOIN enterprises e ON e.id = c.enterprise_id
			  JOIN regions rg ON rg.code = c.region
			ON CONFLICT (user_id, kind, fact) DO NOTHING)
		SELECT count(*) INTO n FROM marked;
	ELSE
		RAISE EXCEPTION 'no stage "%" of the deadline reminders', stage
		USING ERRCODE = 'invalid_parameter_value';
	END CASE;
	RETURN n;
END
$$;

REVOKE ALL ON FUNCTION sched_deadlines(text, timestamptz, timestamptz,
	integer, jsonb), escalation_recipients(char) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sched_deadlines(text, timestamptz, timestamptz,
	integer, jsonb) TO paicha_app;
