-- 0140_webhooks: outgoing webhooks (API.md Part 2 "Data exchange";
-- DESIGN.md Part 2 "Time-driven work").
--
-- An admin registers a webhook {url, events, secret} for the admin's own
-- region.  Every audited event -- a case's (case_events) or any other
-- stream's (ledger_events) -- that the webhook's region covers and its
-- `events` filter matches gets one row in the outbox,
-- webhook_deliveries, written by a trigger in the transaction that
-- appends the event: committed with it or not at all, so nothing is lost
-- when the service dies after the commit.
--
-- The filter (`events`, 1..32 entries), an event matches when any entry
-- is "*", its entity ("case", "enterprise", ...), its event name
-- ("order_rectification", "created", ...) or "entity.event"
-- ("enterprise.created").
--
-- The scheduler's job webhook_delivery (fcgi/sched/webhooks.c) takes the
-- due deliveries through webhook_due(): the oldest pending delivery of
-- each (webhook, entity, entity_id) only -- one in flight per entity, so
-- an entity's events arrive in their order -- locked FOR UPDATE SKIP
-- LOCKED; it posts each with libcurl and records the outcome with
-- webhook_result(): delivered on a 2xx, else tried again after
--
--	30 s, 1, 2, 4, 8, 16 min, then every 30 min
--
-- until 72 hours after the event, when it is marked failed (and the
-- entity's later deliveries go on).  A receiver down for an hour gets
-- everything within 30 minutes of coming back: the first delivery that
-- succeeds makes the webhook's other waiting deliveries due at once.
--
-- The secret: paicha_app may write it but never read it (no SELECT on
-- the column); the body's signature, HMAC-SHA256 with it, is made in
-- the database by webhook_sign() (pgcrypto), so the secret never leaves
-- the database after it came in.

CREATE EXTENSION IF NOT EXISTS pgcrypto;

-- Registering and disabling a webhook are events of its stream,
-- 'webhook' (its record without the secret): the whole list of 0100
-- and 0130, and this one.
ALTER TABLE ledger_events DROP CONSTRAINT ledger_events_entity_check;
ALTER TABLE ledger_events ADD CONSTRAINT ledger_events_entity_check
	CHECK (entity IN ('user', 'enterprise', 'category', 'campaign',
	    'activity', 'file', 'referral', 'supervision', 'submission',
	    'self_inspection', 'checklist_item', 'webhook'));

CREATE TABLE webhooks (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	region		char(6) NOT NULL,	-- the registering admin's
	url		text NOT NULL CHECK (length(url) BETWEEN 8 AND 2048),
	events		text[] NOT NULL
			CHECK (cardinality(events) BETWEEN 1 AND 32),
	secret		text NOT NULL CHECK (length(secret) BETWEEN 16 AND 256),
	active		boolean NOT NULL DEFAULT true,
	created_by	bigint NOT NULL REFERENCES users,
	created_at	timestamptz NOT NULL DEFAULT now(),
	disabled_by	bigint REFERENCES users,
	disabled_at	timestamptz
);
CREATE INDEX webhooks_region ON webhooks (region) WHERE active;

ALTER TABLE webhooks ENABLE ROW LEVEL SECURITY;
CREATE POLICY webhooks_scope ON webhooks TO paicha_app
	USING (in_scope(region) AND (SELECT scope_valid()))
	WITH CHECK (in_scope(region) AND (SELECT scope_valid()));
-- Every column but the secret; the secret written, never read.
GRANT SELECT (id, region, url, events, active, created_by, created_at,
	disabled_by, disabled_at) ON webhooks TO paicha_app;
GRANT INSERT (region, url, events, secret, created_by) ON webhooks
	TO paicha_app;
GRANT UPDATE (active, disabled_by, disabled_at) ON webhooks TO paicha_app;

CREATE TABLE webhook_deliveries (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	webhook_id	bigint NOT NULL REFERENCES webhooks,
	region		char(6) NOT NULL,	-- the webhook's, for scoping
	entity		text NOT NULL,
	entity_id	bigint NOT NULL,
	seq		integer NOT NULL,
	event		text NOT NULL,
	status		text NOT NULL DEFAULT 'pending'
			CHECK (status IN ('pending', 'delivered', 'failed')),
	attempts	integer NOT NULL DEFAULT 0,
	created_at	timestamptz NOT NULL DEFAULT now(),
	next_attempt	timestamptz NOT NULL DEFAULT now(),
	last_attempt	timestamptz,
	last_status	integer,		-- the receiver's HTTP status
	last_error	text,
	delivered_at	timestamptz
);
-- The due ones, and the head of each entity's queue.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries
	(next_attempt, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_queue ON webhook_deliveries
	(webhook_id, entity, entity_id, id) WHERE status = 'pending';
-- The delivery log.
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (webhook_id, id);

ALTER TABLE webhook_deliveries ENABLE ROW LEVEL SECURITY;
CREATE POLICY webhook_deliveries_scope ON webhook_deliveries TO paicha_app
	USING (in_scope(region) AND (SELECT scope_valid()));
GRANT SELECT ON webhook_deliveries TO paicha_app;

-- ------------------------------------------------------------------
-- The outbox: one row per matching webhook, in the event's transaction
-- ------------------------------------------------------------------

CREATE FUNCTION webhook_outbox() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	ent	text;
	eid	bigint;
	reg	char(6);
BEGIN
	IF TG_TABLE_NAME = 'case_events' THEN
		ent := 'case';
		eid := NEW.case_id;
		reg := NEW.case_region;
	ELSE
		ent := NEW.entity;
		eid := NEW.entity_id;
		reg := NEW.scope_region;
	END IF;
	INSERT INTO webhook_deliveries (webhook_id, region, entity,
	    entity_id, seq, event)
	SELECT w.id, w.region, ent, eid, NEW.seq, NEW.event
	  FROM webhooks w
	 WHERE w.active AND region_covers(w.region, reg)
	   AND ('*' = ANY (w.events) OR ent = ANY (w.events)
		OR NEW.event = ANY (w.events)
		OR ent || '.' || NEW.event = ANY (w.events))
	 ORDER BY w.id;
	RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION webhook_outbox() FROM PUBLIC;

CREATE TRIGGER case_events_webhook AFTER INSERT ON case_events
	FOR EACH ROW EXECUTE FUNCTION webhook_outbox();
CREATE TRIGGER ledger_events_webhook AFTER INSERT ON ledger_events
	FOR EACH ROW EXECUTE FUNCTION webhook_outbox();

-- ------------------------------------------------------------------
-- Delivery (the scheduler's connection has no session: these functions)
-- ------------------------------------------------------------------

INSERT INTO sched_jobs (name) VALUES ('webhook_delivery');

-- Up to `n` due deliveries of active webhooks, each the oldest pending
-- one of its (webhook, entity, entity_id), at most 5 of one webhook (a
-- receiver that is down does not hold up the others), locked until the
-- end of the transaction, oldest first, with their events in the
-- columns the feed's items are made from (audit.c: event_item).
CREATE FUNCTION webhook_due(n integer)
RETURNS TABLE (delivery bigint, webhook bigint, url text, attempts integer,
	entity text, case_id bigint, seq integer, at text, at_us bigint,
	actor bigint, username text, display_name text, role text,
	region char(6), case_region char(6), event text, phase text,
	from_state text, to_state text, record text, request_id text,
	hash text, prev_hash text)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	WITH heads AS (
		SELECT d.id, row_number() OVER (PARTITION BY d.webhook_id
		    ORDER BY d.id) AS rn
		  FROM webhook_deliveries d
		 WHERE d.status = 'pending' AND d.next_attempt <= now()
		   AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p
			WHERE p.webhook_id = d.webhook_id
			  AND p.entity = d.entity
			  AND p.entity_id = d.entity_id
			  AND p.status = 'pending' AND p.id < d.id)
		   AND EXISTS (SELECT 1 FROM webhooks w
			WHERE w.id = d.webhook_id AND w.active)
	), due AS (
		SELECT d.id, d.webhook_id, d.attempts, d.entity, d.entity_id,
		    d.seq
		  FROM webhook_deliveries d
		 WHERE d.id IN (SELECT h.id FROM heads h WHERE h.rn <= 5
			ORDER BY h.id LIMIT n)
		   AND d.status = 'pending'
		 ORDER BY d.id
		   FOR UPDATE OF d SKIP LOCKED
	)
	SELECT d.id, d.webhook_id, w.url, d.attempts, d.entity, d.entity_id,
	    d.seq, rfc3339(coalesce(c.at, l.at)),
	    (extract(epoch FROM coalesce(c.at, l.at)) * 1000000)::bigint,
	    coalesce(c.actor, l.actor), u.username, u.display_name,
	    coalesce(c.role, l.role), coalesce(c.region, l.region),
	    coalesce(c.case_region, l.scope_region),
	    coalesce(c.event, l.event), c.phase, c.from_state, c.to_state,
	    coalesce(c.record, l.record), coalesce(c.request_id, l.request_id),
	    encode(coalesce(c.hash, l.hash), 'hex'),
	    encode(coalesce(c.prev_hash, l.prev_hash), 'hex')
	  FROM due d
	  JOIN webhooks w ON w.id = d.webhook_id
	  LEFT JOIN case_events c ON d.entity = 'case'
		AND c.case_id = d.entity_id AND c.seq = d.seq
	  LEFT JOIN ledger_events l ON d.entity <> 'case'
		AND l.entity = d.entity AND l.entity_id = d.entity_id
		AND l.seq = d.seq
	  LEFT JOIN LATERAL user_public(coalesce(c.actor, l.actor)) u ON true
	 ORDER BY d.id
$$;

-- The signature of `body` for delivery `d`: hex HMAC-SHA256 of its
-- bytes (UTF-8) with the webhook's secret.
CREATE FUNCTION webhook_sign(d bigint, body text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT encode(hmac(convert_to(body, 'UTF8'),
	    convert_to(w.secret, 'UTF8'), 'sha256'), 'hex')
	  FROM webhook_deliveries x JOIN webhooks w ON w.id = x.webhook_id
	 WHERE x.id = d
$$;

-- One attempt at delivery `d`: delivered (`ok`), or the next attempt on
-- the back-off schedule above, or failed 72 hours after it was made.
-- `code` the receiver's HTTP status (NULL: no answer), `err` why not.
-- A delivery that succeeds says the receiver is back: the webhook's
-- other pending deliveries waiting out their back-off are due now.
CREATE FUNCTION webhook_result(d bigint, ok boolean, code integer,
    err text) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	UPDATE webhook_deliveries SET attempts = attempts + 1,
	    last_attempt = now(), last_status = code,
	    last_error = CASE WHEN ok THEN NULL ELSE left(err, 300) END,
	    delivered_at = CASE WHEN ok THEN now() END,
	    status = CASE WHEN ok THEN 'delivered'
		WHEN now() >= created_at + interval '72 hours' THEN 'failed'
		ELSE 'pending' END,
	    next_attempt = CASE WHEN ok THEN next_attempt
		ELSE now() + least(interval '30 seconds' *
		    power(2, least(attempts, 10)), interval '30 minutes') END
	 WHERE id = d AND status = 'pending';
	UPDATE webhook_deliveries p SET next_attempt = now()
	 WHERE ok AND p.status = 'pending' AND p.next_attempt > now()
	   AND p.webhook_id = (SELECT x.webhook_id FROM webhook_deliveries x
		WHERE x.id = d);
$$;

REVOKE ALL ON FUNCTION webhook_due(integer), webhook_sign(bigint, text),
	webhook_result(bigint, boolean, integer, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION webhook_due(integer), webhook_sign(bigint, text),
	webhook_result(bigint, boolean, integer, text) TO paicha_app;
