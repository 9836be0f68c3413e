-- 0055_dashboard: the coordinator's dashboard (GET /api/v1/dashboard) read
-- from tallies the scheduler keeps, not from the cases at each request.
--
-- Counting a province's half a million cases by region, category and
-- week takes a second or more on the machine of docs/PERFORMANCE.md,
-- whatever the index; the dashboard must answer in 500 ms.  So the job
-- dashboard_tallies (fcgi/sched/tallies.c) keeps, per campaign and
-- region a case sits in, its counts in four dimensions -- all, by
-- category, by week opened, by week closed -- and the request adds up
-- the rows of the regions under the one asked for.  The dashboard says
-- as of when (its as_of): the end of the job's last round.
--
-- A round recomputes the (campaign, region) pairs that may have changed
-- since the last one: those with a case event since (case_events_at),
-- those where a deadline has passed since (cases_next_due: a case turns
-- overdue without a write), each looked for from two minutes before the
-- last round (an event's time is taken before its commit).  Every hour,
-- and when its state is cleared (the bulk seeder does, after loading
-- rows with past times), a round recomputes every pair.  A pair's
-- counts are replaced in one statement; batches of pairs are resumable
-- (a pair recomputed since the round began is not taken again).

-- At most a round a minute: under the heaviest load ./run bench makes
-- (every district of a million-case Beijing changing at once) a round
-- recomputes half a million cases in 4 to 8 s.
INSERT INTO sched_jobs (name, every_s) VALUES ('dashboard_tallies', 60);

CREATE TABLE dashboard_tallies (
	campaign_id	integer NOT NULL,
	region		char(6) NOT NULL,	-- the cases'
	dim		text NOT NULL CHECK (dim IN ('all', 'category',
			'opened', 'closed')),
	key		text NOT NULL,		-- '', a category, a Monday
	cases		integer NOT NULL,
	closed		integer NOT NULL,	-- closed or in look-back
	overdue		integer NOT NULL,	-- next_due past
	ri_cohort	integer NOT NULL,	-- registered by the end of
	ri_unmet	integer NOT NULL,	--   risk_investigation_by, and
						--   not decided by then
	gv_cohort	integer NOT NULL,	-- registered by the end of
	gv_unmet	integer NOT NULL,	--   governance_by, and not
						--   closed by then
	PRIMARY KEY (campaign_id, region, dim, key)
);

CREATE TABLE dashboard_refresh (
	campaign_id	integer NOT NULL,
	region		char(6) NOT NULL,
	at		timestamptz NOT NULL,
	PRIMARY KEY (campaign_id, region)
);

-- Closed to the service's role: dashboard_read() below is the way in.
ALTER TABLE dashboard_tallies ENABLE ROW LEVEL SECURITY;
ALTER TABLE dashboard_refresh ENABLE ROW LEVEL SECURITY;

-- Week (its Monday, CST) of an instant.
CREATE FUNCTION cst_week(t timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT date_trunc('week', t AT TIME ZONE 'Asia/Shanghai')::date
$$;

-- The first instant after day `d`, CST (NULL for NULL).
CREATE FUNCTION cst_after(d date) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT ((d + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')
$$;

-- Recompute the tallies of the pairs (camps[i], regs[i]).  Returns how
-- many pairs.
CREATE FUNCTION dashboard_tally(camps integer[], regs char(6)[])
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	DELETE FROM dashboard_tallies t USING unnest(camps, regs) p(c, r)
	 WHERE t.campaign_id = p.c AND t.region = p.r;
	INSERT INTO dashboard_tallies
	SELECT x.campaign_id, x.region, x.dim, x.key, x.cases, x.closed,
	    x.overdue, x.ri_cohort, x.ri_unmet, x.gv_cohort, x.gv_unmet
	  FROM (SELECT c.campaign_id, c.region,
		    CASE WHEN GROUPING(c.category) = 0 THEN 'category'
			WHEN GROUPING(w.opened) = 0 THEN 'opened'
			WHEN GROUPING(w.closed) = 0 THEN 'closed'
			ELSE 'all' END AS dim,
		    coalesce(CASE WHEN GROUPING(c.category) = 0 THEN c.category
			WHEN GROUPING(w.opened) = 0 THEN w.opened::text
			WHEN GROUPING(w.closed) = 0 THEN w.closed::text END,
			'') AS key,
		    GROUPING(w.closed) = 0 AND w.closed IS NULL AS open_week,
		    count(*) AS cases,
		    count(*) FILTER (WHERE c.state IN ('closed', 'lookback'))
		      AS closed,
		    count(*) FILTER (WHERE c.next_due < now()) AS overdue,
		    count(*) FILTER (WHERE c.created_at < m.ri) AS ri_cohort,
		    count(*) FILTER (WHERE c.created_at < m.ri AND
		      (c.decided_at IS NULL OR c.decided_at >= m.ri)) AS ri_unmet,
		    count(*) FILTER (WHERE c.created_at < m.gv) AS gv_cohort,
		    count(*) FILTER (WHERE c.created_at < m.gv AND
		      (c.closed_at IS NULL OR c.closed_at >= m.gv)) AS gv_unmet
		  FROM unnest(camps, regs) p(c, r)
		  JOIN cases c ON c.campaign_id = p.c AND c.region = p.r
		  LEFT JOIN LATERAL (SELECT cst_after(k.risk_investigation_by)
		      AS ri, cst_after(k.governance_by) AS gv FROM campaigns k
		      WHERE k.id = c.campaign_id) m ON true
		  CROSS JOIN LATERAL (SELECT cst_week(c.created_at) AS opened,
		      cst_week(c.closed_at) AS closed) w
		 GROUP BY GROUPING SETS ((c.campaign_id, c.region),
		    (c.campaign_id, c.region, c.category),
		    (c.campaign_id, c.region, w.opened),
		    (c.campaign_id, c.region, w.closed))) x
	 WHERE NOT x.open_week;
	INSERT INTO dashboard_refresh (campaign_id, region, at)
	SELECT p.c, p.r, now() FROM unnest(camps, regs) p(c, r)
	ON CONFLICT (campaign_id, region) DO UPDATE SET at = now();
	RETURN cardinality(camps);
END
$$;

-- One batch of the job dashboard_tallies at the database's clock `now_`:
-- at most `lim` pairs recomputed.  Returns the pairs and whether the
-- round has more (see the header for which pairs a round takes).
CREATE FUNCTION dashboard_tally_batch(now_ timestamptz, lim integer,
    OUT n integer, OUT more boolean)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	st	jsonb;
	round	timestamptz;
	since	timestamptz;
	full_	boolean;
	camps	integer[];
	regs	char(6)[];
BEGIN
	SELECT j.state INTO st FROM sched_jobs j
	 WHERE j.name = 'dashboard_tallies' FOR UPDATE;
	IF st IS NULL OR st->>'round_at' IS NULL THEN
		st := coalesce(st, '{}') || jsonb_build_object('round_at', now_,
		    'full', st->>'full_at' IS NULL OR
			(st->>'full_at')::timestamptz < now_ - interval '1 hour');
	END IF;
	round := (st->>'round_at')::timestamptz;
	full_ := (st->>'full')::boolean;
	since := coalesce((st->>'watermark')::timestamptz, '-infinity')
	    - interval '2 minutes';
	IF full_ THEN
		SELECT array_agg(d.campaign_id), array_agg(d.region)
		  INTO camps, regs
		  FROM (SELECT a.campaign_id, a.region FROM (SELECT DISTINCT
			  c.campaign_id, c.region FROM cases c) a
			 WHERE NOT EXISTS (SELECT 1 FROM dashboard_refresh f
			     WHERE f.campaign_id = a.campaign_id
			       AND f.region = a.region AND f.at >= round)
			 LIMIT lim) d;
	ELSE
		SELECT array_agg(d.campaign_id), array_agg(d.region)
		  INTO camps, regs
		  FROM (SELECT a.campaign_id, a.region FROM (
			  SELECT c.campaign_id, c.region FROM case_events e
			    JOIN cases c ON c.id = e.case_id WHERE e.at > since
			  UNION
			  SELECT c.campaign_id, c.region FROM cases c
			   WHERE c.next_due > since AND c.next_due <= now_) a
			 WHERE NOT EXISTS (SELECT 1 FROM dashboard_refresh f
			     WHERE f.campaign_id = a.campaign_id
			       AND f.region = a.region AND f.at >= round)
			 LIMIT lim) d;
	END IF;
	n := CASE WHEN camps IS NULL THEN 0 ELSE dashboard_tally(camps, regs)
	    END;
	more := n >= lim;
	IF NOT more THEN
		st := (st - 'round_at' - 'full') || jsonb_build_object(
		    'watermark', round);
		IF full_ THEN
			st := st || jsonb_build_object('full_at', round);
		END IF;
	END IF;
	UPDATE sched_jobs SET state = st WHERE name = 'dashboard_tallies';
END
$$;

-- The tallies of campaign `camp` in region `code` and below, for the
-- session's user: nothing unless the region is in its scope.  With the
-- instant they are counted as of (the job's last round; NULL: never).
CREATE FUNCTION dashboard_read(camp integer, code char(6))
RETURNS TABLE (region char(6), dim text, key text, cases bigint,
    closed bigint, overdue bigint, ri_cohort bigint, ri_unmet bigint,
    gv_cohort bigint, gv_unmet bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT t.region, t.dim, t.key, t.cases, t.closed, t.overdue,
	    t.ri_cohort, t.ri_unmet, t.gv_cohort, t.gv_unmet
	  FROM dashboard_tallies t
	 WHERE in_scope(code) AND (SELECT scope_valid())
	   AND t.campaign_id = camp
	   AND t.region >= region_lo(code) AND t.region < region_hi(code)
$$;

CREATE FUNCTION dashboard_as_of() RETURNS timestamptz
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT (state->>'watermark')::timestamptz FROM sched_jobs
	 WHERE name = 'dashboard_tallies'
$$;

-- Count everything again at the next round (after a bulk load).
CREATE FUNCTION dashboard_tallies_reset() RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	UPDATE sched_jobs SET state = state - 'full_at'
	 WHERE name = 'dashboard_tallies'
$$;

REVOKE ALL ON FUNCTION dashboard_tally(integer[], char[]),
	dashboard_tally_batch(timestamptz, integer),
	dashboard_read(integer, char), dashboard_as_of(),
	dashboard_tallies_reset() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dashboard_tally_batch(timestamptz, integer),
	dashboard_read(integer, char), dashboard_as_of() TO paicha_app;
