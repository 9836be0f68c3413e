-- 0008_audit: the Merkle log of every case event, and its signed
-- checkpoints.
--
-- Each case's history is its own hash chain (0007).  The log ties all of
-- them together: every event's hash becomes a leaf, the checkpointer in
-- the service gives committed leaves consecutive positions and folds them
-- into an RFC 9162 Merkle tree, and stores the tree's size and root
-- signed with an Ed25519 key that lives outside the database.  Rewriting
-- history -- even a whole chain, recomputed -- then disagrees with a
-- signed root the database cannot forge.
--
-- The service (paicha_app) may read the log in its region and the
-- checkpoints, and change them only through the functions below.

-- ------------------------------------------------------------------
-- The leaves: one per event, placed by the checkpointer.
-- ------------------------------------------------------------------

CREATE TABLE log_leaves (
	case_id		bigint NOT NULL,
	seq		integer NOT NULL,
	case_region	char(6) NOT NULL,	-- for scoping, as case_events
	leaf		bytea NOT NULL CHECK (length(leaf) = 32), -- the event's hash
	idx		bigint UNIQUE CHECK (idx >= 0),	-- NULL until placed
	PRIMARY KEY (case_id, seq)
);

-- What the checkpointer takes next, in the order it takes it.
CREATE INDEX log_leaves_unplaced ON log_leaves (case_id, seq)
	WHERE idx IS NULL;

-- Every event adds its leaf in the event's own transaction, so a leaf is
-- visible exactly when its event has committed: events that commit out
-- of order are placed in the order they became visible, never skipped.
CREATE FUNCTION log_leaves_add() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	INSERT INTO log_leaves (case_id, seq, case_region, leaf)
	VALUES (NEW.case_id, NEW.seq, NEW.case_region, NEW.hash);
	RETURN NULL;
END
$$;

CREATE TRIGGER case_events_log AFTER INSERT ON case_events
	FOR EACH ROW EXECUTE FUNCTION log_leaves_add();

-- A leaf never changes, except that an unplaced one gets its position
-- once; nothing is ever deleted.  For everyone, the owner included.
CREATE FUNCTION log_leaves_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'UPDATE' AND OLD.idx IS NULL AND NEW.idx IS NOT NULL
	   AND NEW.case_id = OLD.case_id AND NEW.seq = OLD.seq
	   AND NEW.case_region = OLD.case_region AND NEW.leaf = OLD.leaf THEN
		RETURN NEW;
	END IF;
	RAISE EXCEPTION 'log_leaves is append-only: % refused', TG_OP
	USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER log_leaves_guard BEFORE UPDATE OR DELETE ON log_leaves
	FOR EACH ROW EXECUTE FUNCTION log_leaves_guard();
CREATE TRIGGER log_leaves_no_truncate BEFORE TRUNCATE ON log_leaves
	FOR EACH STATEMENT EXECUTE FUNCTION log_leaves_guard();

ALTER TABLE log_leaves ENABLE ROW LEVEL SECURITY;
CREATE POLICY log_leaves_scope ON log_leaves FOR SELECT TO paicha_app
	USING (in_scope(case_region));
GRANT SELECT ON log_leaves TO paicha_app;

-- ------------------------------------------------------------------
-- Checkpoints: the signed tree heads, append-only.
--
-- message = "paicha-checkpoint/v1\n<size>\n<root hex>\n<at>\n", at in
-- RFC 3339 UTC as rfc3339() writes it; signature = Ed25519(message);
-- frontier = the roots of the perfect subtrees along the tree's right
-- edge, largest first (RFC 9162 compact range [0, size)), from which the
-- next checkpoint extends this one without rereading a leaf.
-- ------------------------------------------------------------------

CREATE TABLE checkpoints (
	size		bigint PRIMARY KEY CHECK (size >= 1),
	root		bytea NOT NULL CHECK (length(root) = 32),
	frontier	bytea[] NOT NULL CHECK (cardinality(frontier) BETWEEN 1 AND 64),
	signature	bytea NOT NULL CHECK (length(signature) = 64),
	public_key	text NOT NULL CHECK (public_key LIKE '-----BEGIN PUBLIC KEY-----%'),
	message		text NOT NULL,
	at		timestamptz NOT NULL,
	CHECK (message = 'paicha-checkpoint/v1' || E'\n' || size || E'\n'
	    || encode(root, 'hex') || E'\n' || rfc3339(at) || E'\n')
);

CREATE FUNCTION checkpoints_refuse() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'checkpoints is append-only: % refused', TG_OP
	USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER checkpoints_no_update BEFORE UPDATE OR DELETE ON checkpoints
	FOR EACH ROW EXECUTE FUNCTION checkpoints_refuse();
CREATE TRIGGER checkpoints_no_truncate BEFORE TRUNCATE ON checkpoints
	FOR EACH STATEMENT EXECUTE FUNCTION checkpoints_refuse();

-- Tree heads are not secret: every auditor sees every checkpoint.
GRANT SELECT ON checkpoints TO paicha_app;

-- ------------------------------------------------------------------
-- What the checkpointer and the auditors' verify call.
-- ------------------------------------------------------------------

-- The advisory lock key the checkpointers of every service instance
-- share, so that one at a time extends the log.
CREATE FUNCTION checkpoint_lock_key() RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT hashtextextended('paicha checkpoint', 0)
$$;

-- The next `lim` unplaced leaves, in the order they will be placed.
CREATE FUNCTION log_unplaced(lim integer)
RETURNS TABLE (case_id bigint, seq integer, leaf bytea)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT case_id, seq, leaf FROM log_leaves WHERE idx IS NULL
	 ORDER BY case_id, seq LIMIT lim
$$;

-- The placed leaves at positions [lo, hi), in position order, as arrays:
-- their positions, cases, seqs, whether each case is in the caller's
-- region, and the 32-byte leaves end to end.  The whole log is hashes and
-- positions only, so any auditor may check it against the signed roots
-- and compare the leaves of their own region with its events.  One row,
-- not one per leaf: a log check reads millions of them.  (The aggregates
-- take the rows in the subquery's order; the caller checks the
-- positions run lo, lo + 1, ... anyway.)
CREATE FUNCTION log_chunk(lo bigint, hi bigint)
RETURNS TABLE (idxs bigint[], cases bigint[], seqs integer[],
    mine boolean[], leaves bytea)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT array_agg(l.idx), array_agg(l.case_id), array_agg(l.seq),
	    array_agg(l.case_region >= (SELECT scope_lo())
	      AND l.case_region < (SELECT scope_hi())),
	    string_agg(l.leaf, ''::bytea)
	  FROM (SELECT * FROM log_leaves
		 WHERE log_leaves.idx >= lo AND log_leaves.idx < hi
		 ORDER BY log_leaves.idx) l
$$;

-- Place the leaves (cases[i], seqs[i]) at positions prev + i - 1 and
-- record the checkpoint of the tree of `size` leaves.  Refuses anything
-- but an extension of the latest checkpoint by exactly those unplaced
-- leaves: a concurrent checkpointer (serialization_failure), a leaf
-- already placed or missing, a size that does not add up.
CREATE FUNCTION checkpoint_add(prev bigint, size bigint, root bytea,
    frontier bytea[], signature bytea, public_key text, message text,
    at timestamptz, cases bigint[], seqs integer[]) RETURNS void
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
	IF cardinality(cases) IS DISTINCT FROM cardinality(seqs)
	   OR size - prev IS DISTINCT FROM cardinality(cases)::bigint THEN
		RAISE EXCEPTION 'a checkpoint of % after % must place % leaves', size, prev, size - prev
		USING ERRCODE = 'check_violation';
	END IF;
	UPDATE log_leaves l SET idx = prev + o.i - 1
	  FROM unnest(cases, seqs) WITH ORDINALITY AS o(case_id, seq, i)
	 WHERE l.case_id = o.case_id AND l.seq = o.seq AND l.idx IS NULL;
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

-- A user's id by username, for the auditors' actor filter: actors may
-- sit above the auditor's region (user_public is the other direction).
CREATE FUNCTION user_id_of(name text) RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT id FROM users WHERE username = name
$$;

REVOKE ALL ON FUNCTION log_unplaced(integer), log_chunk(bigint, bigint),
	checkpoint_add(bigint, bigint, bytea, bytea[], bytea, text, text,
	timestamptz, bigint[], integer[]), user_id_of(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION checkpoint_lock_key(), log_unplaced(integer),
	log_chunk(bigint, bigint), checkpoint_add(bigint, bigint, bytea,
	bytea[], bytea, text, text, timestamptz, bigint[], integer[]),
	user_id_of(text) TO paicha_app;

-- ------------------------------------------------------------------
-- Row-level security the bulk readers can afford.
--
-- in_scope(code) calls scope_lo() and scope_hi() for every row: they
-- read a setting and are not inlinable, tens of microseconds a row, which
-- made verifying a million events take minutes.  As uncorrelated scalar
-- subqueries the bounds are computed once per statement (InitPlans) and
-- each row costs two comparisons; the rows admitted are the same.
--
-- case_events compares as text on purpose: its scope is a filter, never
-- an index range.  Verify walks the primary key in keyset batches; with a
-- bound the region index could serve, the planner (which cannot know how
-- many rows the scope admits) would rather range-scan that index and
-- sort the whole scope again for every batch.  Lists of events by region
-- name the region themselves (audit.c), and those use the index.
-- ------------------------------------------------------------------

ALTER POLICY case_events_scope ON case_events
	USING (case_region::text >= (SELECT scope_lo())::text
	   AND case_region::text < (SELECT scope_hi())::text);
ALTER POLICY cases_scope ON cases
	USING (region >= (SELECT scope_lo()) AND region < (SELECT scope_hi()));
ALTER POLICY log_leaves_scope ON log_leaves
	USING (case_region >= (SELECT scope_lo())
	   AND case_region < (SELECT scope_hi()));

-- Events already recorded before this migration join the log too.
INSERT INTO log_leaves (case_id, seq, case_region, leaf)
SELECT case_id, seq, case_region, hash FROM case_events
 ORDER BY case_id, seq;
