-- 0033_log_every_stream: every stream's events are leaves of the one
-- Merkle log, not only a case's (issue 15; API.md Part 2 "Audit for
-- every change": every stream "covered by the signed Merkle log").
--
-- ledger_events (0031) holds every stream but a case's -- users,
-- enterprises, categories, campaigns, and the entities to come -- each
-- chained per (entity, entity_id) with its stream's tag.  Until now only
-- case_events fed log_leaves (0008), so the signed checkpoints did not
-- cover the other streams and verify could not name one rewritten and
-- re-hashed.  Now:
--
--   log_leaves.entity	the event's stream: 'case' (the default, so that
--			what inserted case leaves before still does), or
--			ledger_events.entity.  case_id stays the name of
--			the entity's id and case_region of its region
--			(ledger_events.scope_region for the other streams):
--			renaming them would change every reader of the log
--			for a word.  A leaf is (entity, case_id, seq).
--   ledger_events_log	adds each event's leaf in the event's own
--			transaction, as case_events_log does.
--   log_unplaced,	the checkpointer places leaves in (entity, case_id,
--   checkpoint_add	seq) order and names each by all three.
--   log_chunk		says each leaf's entity, so that the whole-log check
--			sums a case's leaves and another stream's apart.
--
-- The tiles (0025) are by position and hold whatever leaves were
-- placed: nothing changes there.

-- ------------------------------------------------------------------
-- The leaves
-- ------------------------------------------------------------------

ALTER TABLE log_leaves ADD COLUMN entity text NOT NULL DEFAULT 'case';
COMMENT ON COLUMN log_leaves.entity IS
	'the stream of the event: case (case_events) or ledger_events.entity';
COMMENT ON COLUMN log_leaves.case_id IS
	'the id of the event''s entity: case_events.case_id or ledger_events.entity_id';
COMMENT ON COLUMN log_leaves.case_region IS
	'the entity''s region, for scoping: case_events.case_region or ledger_events.scope_region';

ALTER TABLE log_leaves DROP CONSTRAINT log_leaves_pkey;
ALTER TABLE log_leaves ADD PRIMARY KEY (entity, case_id, seq);

DROP INDEX log_leaves_unplaced;
CREATE INDEX log_leaves_unplaced ON log_leaves (entity, case_id, seq)
	WHERE idx IS NULL;

-- As 0008's, and the entity never changes either.
CREATE OR REPLACE FUNCTION log_leaves_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'UPDATE' AND OLD.idx IS NULL AND NEW.idx IS NOT NULL
	   AND NEW.entity = OLD.entity
	   AND NEW.case_id = OLD.case_id AND NEW.seq = OLD.seq
	   AND NEW.case_region = OLD.case_region AND NEW.leaf = OLD.leaf THEN
		RETURN NEW;
	END IF;
	RAISE EXCEPTION 'log_leaves is append-only: % refused', TG_OP
	USING ERRCODE = 'insufficient_privilege';
END
$$;

-- A case event's leaf (0008's trigger function), its stream named.
CREATE OR REPLACE FUNCTION log_leaves_add() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	INSERT INTO log_leaves (entity, case_id, seq, case_region, leaf)
	VALUES ('case', NEW.case_id, NEW.seq, NEW.case_region, NEW.hash);
	RETURN NULL;
END
$$;

-- Every other stream's event adds its leaf the same way, in its own
-- transaction: visible exactly when the event has committed.
CREATE FUNCTION ledger_events_leaf() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	INSERT INTO log_leaves (entity, case_id, seq, case_region, leaf)
	VALUES (NEW.entity, NEW.entity_id, NEW.seq, NEW.scope_region, NEW.hash);
	RETURN NULL;
END
$$;

CREATE TRIGGER ledger_events_log AFTER INSERT ON ledger_events
	FOR EACH ROW EXECUTE FUNCTION ledger_events_leaf();

-- The events recorded before this migration join the log too.
INSERT INTO log_leaves (entity, case_id, seq, case_region, leaf)
SELECT entity, entity_id, seq, scope_region, hash FROM ledger_events
 ORDER BY entity, entity_id, seq;

-- ------------------------------------------------------------------
-- Row-level security verify can afford (as 0008 did for case_events)
-- ------------------------------------------------------------------

-- The scope's bounds once per statement (initplans), compared as text
-- so that verify's keyset walk filters the primary key's order instead
-- of range-scanning the region's index and sorting it for every batch.
-- The rows admitted are those in_scope() admits.
ALTER POLICY ledger_events_scope ON ledger_events
	USING (scope_region::text >= (SELECT scope_lo())::text
	   AND scope_region::text <= (SELECT scope_max())::text
	   AND (SELECT scope_valid()));

-- ------------------------------------------------------------------
-- The checkpointer's and verify's functions, with the entity
-- ------------------------------------------------------------------

-- The next `lim` unplaced leaves, in the order they will be placed.
DROP FUNCTION log_unplaced(integer);
CREATE FUNCTION log_unplaced(lim integer)
RETURNS TABLE (entity text, case_id bigint, seq integer, leaf bytea)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT entity, case_id, seq, leaf FROM log_leaves WHERE idx IS NULL
	 ORDER BY entity, case_id, seq LIMIT lim
$$;

-- 0030's, and each leaf's entity: positions, entities, ids, seqs,
-- whether each is in the caller's region (a valid scope's), the leaves.
DROP FUNCTION log_chunk(bigint, bigint);
CREATE FUNCTION log_chunk(lo bigint, hi bigint)
RETURNS TABLE (idxs bigint[], entities text[], ids bigint[],
    seqs integer[], mine boolean[], leaves bytea)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT array_agg(l.idx), array_agg(l.entity), array_agg(l.case_id),
	    array_agg(l.seq),
	    array_agg(l.case_region >= (SELECT scope_lo())
	      AND l.case_region < (SELECT scope_hi())
	      AND (SELECT scope_valid())),
	    string_agg(l.leaf, ''::bytea)
	  FROM (SELECT * FROM log_leaves
		 WHERE log_leaves.idx >= lo AND log_leaves.idx < hi
		 ORDER BY log_leaves.idx) l
$$;

-- 0008's, the leaves named by (entities[i], ids[i], seqs[i]).
DROP FUNCTION checkpoint_add(bigint, bigint, bytea, bytea[], bytea, text,
    text, timestamptz, bigint[], integer[]);
CREATE FUNCTION checkpoint_add(prev bigint, size bigint, root bytea,
    frontier bytea[], signature bytea, public_key text, message text,
    at timestamptz, entities text[], ids bigint[], seqs integer[])
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	latest	bigint;
	placed	bigint;
BEGIN
	PERFORM pg_advisory_xact_lock(checkpoint_lock_key());
	SELECT coalesce(max(c.size), 0) INTO latest FROM checkpoints c;
	IF latest <> prev THEN
		RAISE EXCEPTION 'the latest checkpoint has % leaves, not %', latest, prev
		USING ERRCODE = 'serialization_failure';
	END IF;
	IF cardinality(entities) IS DISTINCT FROM cardinality(ids)
	   OR cardinality(ids) IS DISTINCT FROM cardinality(seqs)
	   OR size - prev IS DISTINCT FROM cardinality(ids)::bigint THEN
		RAISE EXCEPTION 'a checkpoint of % after % must place % leaves', size, prev, size - prev
		USING ERRCODE = 'check_violation';
	END IF;
	UPDATE log_leaves l SET idx = prev + o.i - 1
	  FROM unnest(entities, ids, seqs) WITH ORDINALITY
	    AS o(entity, case_id, seq, i)
	 WHERE l.entity = o.entity AND l.case_id = o.case_id
	   AND l.seq = o.seq AND l.idx IS NULL;
	GET DIAGNOSTICS placed = ROW_COUNT;
	IF placed <> size - prev THEN
		RAISE EXCEPTION 'only % of % leaves were unplaced', placed, size - prev
		USING ERRCODE = 'check_violation';
	END IF;
	INSERT INTO checkpoints (size, root, frontier, signature, public_key,
	    message, at)
	VALUES (checkpoint_add.size, checkpoint_add.root,
	    checkpoint_add.frontier, checkpoint_add.signature,
	    checkpoint_add.public_key, checkpoint_add.message,
	    checkpoint_add.at);
END
$$;

-- ------------------------------------------------------------------
-- What verify of a region needs of a stream it sees only in part
-- ------------------------------------------------------------------

-- A user's or an enterprise's region may change, and each event of its
-- stream carries the region it had then: a region's auditor sees the
-- events inside it and not those between.  For the stream (entities[i],
-- ids[i]) whose events [los[i], his[i]) verify of region `walked` did
-- not see: how many of them there are outside that region, and the hash
-- of event his[i] - 1, which the next event it saw must chain onto.
-- Hashes only, as log_chunk() shows every auditor; for a region inside
-- the caller's valid scope only.  (The parameter is not called region:
-- in the body that would be ledger_events.region, the actor's.)
CREATE FUNCTION ledger_gaps(entities text[], ids bigint[], los integer[],
    his integer[], walked char(6))
RETURNS TABLE (i bigint, outside bigint, last_hash bytea)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT g.i,
	    (SELECT count(*) FROM ledger_events e
	      WHERE e.entity = g.entity AND e.entity_id = g.id
		AND e.seq >= g.lo AND e.seq < g.hi
		AND NOT (e.scope_region >= region_lo(walked)
		    AND e.scope_region < region_hi(walked))),
	    (SELECT e.hash FROM ledger_events e
	      WHERE e.entity = g.entity AND e.entity_id = g.id
		AND e.seq = g.hi - 1)
	  FROM unnest(entities, ids, los, his) WITH ORDINALITY
	    AS g(entity, id, lo, hi, i)
	 WHERE in_scope(walked) AND (SELECT scope_valid())
	 ORDER BY g.i
$$;

REVOKE ALL ON FUNCTION log_unplaced(integer), log_chunk(bigint, bigint),
	checkpoint_add(bigint, bigint, bytea, bytea[], bytea, text, text,
	timestamptz, text[], bigint[], integer[]),
	ledger_gaps(text[], bigint[], integer[], integer[], char),
	ledger_events_leaf() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION log_unplaced(integer), log_chunk(bigint, bigint),
	checkpoint_add(bigint, bigint, bytea, bytea[], bytea, text, text,
	timestamptz, text[], bigint[], integer[]),
	ledger_gaps(text[], bigint[], integer[], integer[], char)
	TO paicha_app;
