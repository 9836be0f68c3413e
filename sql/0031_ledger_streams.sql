-- 0031_ledger_streams: every audited change, not only a case's, is an
-- event in its entity's hash-chained stream (issue 15, items 4 and 9;
-- API.md Part 2 "Audit for every change").
--
-- A case's stream stays case_events (0007), its format unchanged.  Every
-- other entity's -- user, enterprise, category, campaign -- is
-- ledger_events: one chain per (entity, entity_id), the same hash with
-- the stream's own tag,
--
--   hash = SHA-256('paicha/<entity>-event/v1' || int8 entity_id
--                  || int4 seq || prev_hash || SHA-256(record))
--
-- and the record canonical JSON (fcgi/ledger/record.c):
--
--   {"actor","at","entity","entity_id","event","payload","region",
--    "request_id","role","scope_region","seq"}
--
-- scope_region is the entity's region, by which row-level security
-- scopes the stream.  Appended only through ledger_append().

CREATE FUNCTION ledger_hash(tag text, id bigint, seq integer, prev bytea,
    record text) RETURNS bytea
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$
	SELECT sha256(convert_to(tag, 'UTF8') || int8send(id) || int4send(seq)
	    || prev || sha256(convert_to(record, 'UTF8')))
$$;

GRANT EXECUTE ON FUNCTION ledger_hash(text, bigint, integer, bytea, text)
	TO paicha_app;

CREATE TABLE ledger_events (
	entity		text NOT NULL CHECK (entity IN ('user', 'enterprise',
			'category', 'campaign')),
	entity_id	bigint NOT NULL,
	seq		integer NOT NULL CHECK (seq >= 1),
	at		timestamptz NOT NULL,
	actor		bigint NOT NULL REFERENCES users,
	role		text NOT NULL,
	region		char(6) NOT NULL,	-- the actor's
	scope_region	char(6) NOT NULL,	-- the entity's, for scoping
	event		text NOT NULL,
	record		text NOT NULL,
	request_id	text NOT NULL,
	prev_hash	bytea NOT NULL CHECK (length(prev_hash) = 32),
	hash		bytea NOT NULL CHECK (length(hash) = 32),
	PRIMARY KEY (entity, entity_id, seq)
);

CREATE INDEX ledger_events_at ON ledger_events (at);
CREATE INDEX ledger_events_region ON ledger_events (scope_region, at);
CREATE INDEX ledger_events_actor ON ledger_events (actor, at);

-- Refuse a row that does not continue its stream, whose hash is wrong,
-- or whose columns disagree with its record.
CREATE FUNCTION ledger_events_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	prev	bytea;
	r	jsonb;
BEGIN
	IF NEW.seq = 1 THEN
		prev := decode(repeat('00', 32), 'hex');
	ELSE
		SELECT hash INTO prev FROM ledger_events
		 WHERE entity = NEW.entity AND entity_id = NEW.entity_id
		   AND seq = NEW.seq - 1;
		IF NOT FOUND THEN
			RAISE EXCEPTION '% % event % does not follow an event', NEW.entity, NEW.entity_id, NEW.seq
			USING ERRCODE = 'check_violation';
		END IF;
	END IF;
	IF NEW.prev_hash <> prev THEN
		RAISE EXCEPTION '% % event %: prev_hash breaks the chain', NEW.entity, NEW.entity_id, NEW.seq
		USING ERRCODE = 'check_violation';
	END IF;
	IF NEW.hash <> ledger_hash('paicha/' || NEW.entity || '-event/v1',
	    NEW.entity_id, NEW.seq, NEW.prev_hash, NEW.record) THEN
		RAISE EXCEPTION '% % event %: hash does not verify', NEW.entity, NEW.entity_id, NEW.seq
		USING ERRCODE = 'check_violation';
	END IF;
	r := NEW.record::jsonb;
	IF r->>'entity' IS DISTINCT FROM NEW.entity
	   OR (r->>'entity_id')::bigint IS DISTINCT FROM NEW.entity_id
	   OR (r->>'seq')::integer IS DISTINCT FROM NEW.seq
	   OR (r->>'at')::timestamptz IS DISTINCT FROM NEW.at
	   OR (r->>'actor')::bigint IS DISTINCT FROM NEW.actor
	   OR r->>'role' IS DISTINCT FROM NEW.role
	   OR r->>'region' IS DISTINCT FROM NEW.region::text
	   OR r->>'scope_region' IS DISTINCT FROM NEW.scope_region::text
	   OR r->>'event' IS DISTINCT FROM NEW.event
	   OR r->>'request_id' IS DISTINCT FROM NEW.request_id
	   OR jsonb_typeof(r->'payload') IS DISTINCT FROM 'object' THEN
		RAISE EXCEPTION '% % event %: columns disagree with the record', NEW.entity, NEW.entity_id, NEW.seq
		USING ERRCODE = 'check_violation';
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER ledger_events_check BEFORE INSERT ON ledger_events
	FOR EACH ROW EXECUTE FUNCTION ledger_events_check();

-- Append-only for everyone, the owner included (0007's function).
CREATE TRIGGER ledger_events_no_update BEFORE UPDATE OR DELETE
	ON ledger_events FOR EACH ROW EXECUTE FUNCTION case_events_refuse();
CREATE TRIGGER ledger_events_no_truncate BEFORE TRUNCATE ON ledger_events
	FOR EACH STATEMENT EXECUTE FUNCTION case_events_refuse();

ALTER TABLE ledger_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY ledger_events_scope ON ledger_events FOR SELECT TO paicha_app
	USING (in_scope(scope_region) AND (SELECT scope_valid()));
GRANT SELECT ON ledger_events TO paicha_app;

-- The head of a stream: its last event's seq and hash (none: 0 and the
-- zero hash).  The caller holds the entity row's lock, which orders the
-- stream.
CREATE FUNCTION ledger_head(e_entity text, e_id bigint,
    OUT seq integer, OUT hash bytea)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT coalesce(max(l.seq), 0),
	    coalesce((SELECT l2.hash FROM ledger_events l2
		WHERE l2.entity = e_entity AND l2.entity_id = e_id
		ORDER BY l2.seq DESC LIMIT 1), decode(repeat('00', 32), 'hex'))
	  FROM ledger_events l WHERE l.entity = e_entity AND l.entity_id = e_id
$$;

REVOKE ALL ON FUNCTION ledger_head(text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger_head(text, bigint) TO paicha_app;

-- A category's stream is numbered like the others: by its id's hash,
-- the same in every installation (not a sequence: a province's ids come
-- from its own range, 0011, and the seed's ten are in every one).
ALTER TABLE categories ADD COLUMN stream_id bigint
	GENERATED ALWAYS AS (hashtextextended(id, 0)
	    & x'7fffffffffffffff'::bigint) STORED UNIQUE;

-- The one way into the ledger (0017, 0030), now for every stream.
CREATE OR REPLACE FUNCTION ledger_append(e_entity text, e_record text,
    e_prev bytea, e_hash bytea) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r	jsonb := e_record::jsonb;
	s	record;
BEGIN
	IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) THEN
		SELECT * INTO s FROM scope_session();
		IF NOT FOUND OR (r->>'actor')::bigint IS DISTINCT FROM s.user_id
		   OR r->>'region' IS DISTINCT FROM s.region::text
		   OR NOT (r->>'role' = ANY (s.roles)) THEN
			RAISE EXCEPTION 'event of %: not the session''s user, region or role', e_entity
			USING ERRCODE = 'PA403';
		END IF;
	END IF;
	IF e_entity = 'case' THEN
		INSERT INTO case_events (case_id, seq, at, actor, role, region,
		    case_region, event, phase, from_state, to_state, record,
		    request_id, prev_hash, hash)
		VALUES ((r->>'case')::bigint, (r->>'seq')::integer,
		    (r->>'at')::timestamptz, (r->>'actor')::bigint, r->>'role',
		    r->>'region', r->>'case_region', r->>'event', r->>'phase',
		    r->>'from', r->>'to', e_record, r->>'request_id', e_prev,
		    e_hash);
	ELSE
		INSERT INTO ledger_events (entity, entity_id, seq, at, actor,
		    role, region, scope_region, event, record, request_id,
		    prev_hash, hash)
		VALUES (e_entity, (r->>'entity_id')::bigint,
		    (r->>'seq')::integer, (r->>'at')::timestamptz,
		    (r->>'actor')::bigint, r->>'role', r->>'region',
		    r->>'scope_region', r->>'event', e_record,
		    r->>'request_id', e_prev, e_hash);
	END IF;
END
$$;
