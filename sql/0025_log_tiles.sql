-- 0025_log_tiles: the Merkle log (0008) kept in tiles of 256 leaves, so
-- that verify of one case or one region, and an inclusion proof, check
-- their events against the latest signed checkpoint without reading the
-- whole log.
--
-- Tile `idx` covers the leaves at positions [256 idx, 256 idx + 256).
-- Every split point of RFC 9162's tree above 256 leaves is a multiple
-- of 256, so the tree over the leaves is the tree over the tiles' roots
-- (the last tile possibly partial; fcgi/ledger/merkle.h).  A row
-- (idx, width) holds the first `width` leaves of the tile as they were
-- when a checkpoint placed them, end to end, and their root:
--
--	leaves	the leaves (event hashes) at [256 idx, 256 idx + width)
--	root	MTH of them: SHA-256(0x00 || leaf) at the bottom
--
-- A complete tile has width 256; a checkpoint whose size is not a
-- multiple of 256 ends in a partial tile of its own width.  So for the
-- latest checkpoint of size n the tiles (0, 256) .. (n / 256 - 1, 256)
-- and, if n % 256 > 0, (n / 256, n % 256) give its root.  A verify then
-- reads those roots (32 bytes per 256 leaves), the tiles its events lie
-- in, and compares each event's hash with the leaf the signed tree holds
-- at its position: a rewritten event is named even when its chain, its
-- case's head and its leaf in log_leaves were all recomputed.
--
-- The checkpointer writes a checkpoint's tiles in its transaction,
-- through log_tiles_add(), which builds them from the leaves just placed
-- and computes their roots here; the checkpointer compares those roots
-- with its own before it commits.  Tiles hold hashes only, as log_chunk()
-- already shows every auditor: no row-level security.

CREATE TABLE log_tiles (
	idx		bigint NOT NULL CHECK (idx >= 0),
	width		integer NOT NULL CHECK (width BETWEEN 1 AND 256),
	root		bytea NOT NULL CHECK (length(root) = 32),
	leaves		bytea NOT NULL CHECK (length(leaves) = 32 * width),
	PRIMARY KEY (idx, width)
);
-- Hashes do not compress: store them out of line as they are.
ALTER TABLE log_tiles ALTER COLUMN leaves SET STORAGE EXTERNAL;

-- Append-only, for everyone, the owner included -- except that a
-- partial tile goes once a wider one of the same tile exists: it holds
-- nothing the wider one does not (the same first leaves), and without
-- this every checkpoint would leave up to 8 KB behind.
CREATE FUNCTION log_tiles_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM log_tiles t
	    WHERE t.idx = OLD.idx AND t.width > OLD.width) THEN
		RETURN OLD;
	END IF;
	RAISE EXCEPTION 'log_tiles is append-only: % refused', TG_OP
	USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER log_tiles_guard BEFORE UPDATE OR DELETE ON log_tiles
	FOR EACH ROW EXECUTE FUNCTION log_tiles_guard();
CREATE TRIGGER log_tiles_no_truncate BEFORE TRUNCATE ON log_tiles
	FOR EACH STATEMENT EXECUTE FUNCTION log_tiles_guard();

GRANT SELECT ON log_tiles TO paicha_app;

-- RFC 9162's MTH of the leaves `leaves` (32-byte hashes end to end), at
-- most a tile of them.  Level by level: pairs hashed, an odd last node
-- carried up as it is -- for these sizes the same tree as the
-- definition's split at the largest power of two (merkle.c computes it
-- that way; the e2e tests compare the two).
CREATE FUNCTION merkle_tile_root(leaves bytea) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
	n	integer := length(leaves) / 32;
	h	bytea[];
BEGIN
	IF n < 1 OR n > 256 OR length(leaves) <> 32 * n THEN
		RAISE EXCEPTION 'merkle_tile_root: % bytes are not 1 to 256 hashes', length(leaves)
		USING ERRCODE = 'invalid_parameter_value';
	END IF;
	h := ARRAY(SELECT sha256('\x00'::bytea
	    || substring(leaves FROM 32 * i + 1 FOR 32))
	    FROM generate_series(0, n - 1) i ORDER BY i);
	WHILE n > 1 LOOP
		h := ARRAY(SELECT CASE WHEN 2 * i + 2 <= n
		    THEN sha256('\x01'::bytea || h[2 * i + 1] || h[2 * i + 2])
		    ELSE h[2 * i + 1] END
		    FROM generate_series(0, (n + 1) / 2 - 1) i ORDER BY i);
		n := (n + 1) / 2;
	END LOOP;
	RETURN h[1];
END
$$;

-- Write the tiles of the placed leaves [lo, hi): every tile they touch,
-- as wide as hi allows, from the leaves at those positions; drop the
-- partial tiles that become superseded.  hi must not pass the latest
-- checkpoint.  Returns the tiles written (idx, width, root) for the
-- caller to compare with its own.  Refuses positions not all placed.
CREATE FUNCTION log_tiles_add(lo bigint, hi bigint)
RETURNS TABLE (idx bigint, width integer, root bytea)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
	t	bigint;
	w	integer;
	got	bytea;
	r	bytea;
	n	integer;
BEGIN
	IF lo < 0 OR hi < lo OR hi > (SELECT coalesce(max(c.size), 0)
	    FROM checkpoints c) THEN
		RAISE EXCEPTION 'log_tiles_add: [%, %) is not below the latest checkpoint', lo, hi
		USING ERRCODE = 'check_violation';
	END IF;
	IF hi = lo THEN
		RETURN;
	END IF;
	FOR t IN lo / 256 .. (hi - 1) / 256 LOOP
		w := least(256, hi - 256 * t);
		SELECT string_agg(l.leaf, ''::bytea ORDER BY l.idx), count(*)
		  INTO got, n FROM log_leaves l
		 WHERE l.idx >= 256 * t AND l.idx < 256 * t + w;
		IF n <> w THEN
			RAISE EXCEPTION 'log_tiles_add: tile % has % of % leaves placed', t, n, w
			USING ERRCODE = 'check_violation';
		END IF;
		r := merkle_tile_root(got);
		INSERT INTO log_tiles (idx, width, root, leaves)
		VALUES (t, w, r, got);
		DELETE FROM log_tiles x WHERE x.idx = t AND x.width < w;
		idx := t;
		width := w;
		root := r;
		RETURN NEXT;
	END LOOP;
END
$$;

REVOKE ALL ON FUNCTION log_tiles_add(bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION log_tiles_add(bigint, bigint) TO paicha_app;
GRANT EXECUTE ON FUNCTION merkle_tile_root(bytea) TO paicha_app;

-- The log as it stands: its tiles up to the latest checkpoint.
SELECT count(*) FROM log_tiles_add(0, (SELECT coalesce(max(size), 0)
    FROM checkpoints));
