-- 0040_files: evidence files kept with a case -- photos, inspection
-- reports, minutes, the documents of a transfer (issue 16; API.md Part 2
-- "Evidence files").
--
-- The bytes live here, in the database's transactions, backups and
-- replicas, content-addressed and deduplicated at two levels:
--
--   file_chunks       one row per distinct piece (256 KiB but the last),
--                     keyed by its SHA-256 -- a CHECK makes the key the
--                     data's hash, so no one can plant a piece under
--                     another's key
--   file_blobs        one row per distinct content, keyed by its SHA-256:
--                     size, type (judged from the content), chunk size,
--                     EXIF facts of a photo
--   file_blob_chunks  a content's pieces, in order
--   file_thumbnails   a JPEG of at most 320 px per image content, made
--                     once
--   files             what users see: one file of one case -- kind,
--                     name, its content, who and when, and whether it was
--                     withdrawn.  Scoped by its case's region.
--
-- The content tables are closed to the application role (row security
-- on, no policy, no grant): it reaches them only through the SECURITY
-- DEFINER functions below, which need the session's own valid scope and,
-- to read, a file of a case in that scope.  Nothing is ever replaced or
-- deleted: the content tables and the files' facts are append-only for
-- everyone; a file is withdrawn, with a reason, and stays.
--
-- Every upload and withdrawal is also an event of the file's own stream
-- in ledger_events (entity 'file'), carrying the case, kind, name and
-- SHA-256, and the upload the SHA-256 of its pieces' keys in order:
-- GET /api/v1/audit/verify checks every piece against its key and the
-- list against the event in the database (file_check), and for one
-- case re-hashes each content whole (fcgi/ledger/verify_files.c).

-- ------------------------------------------------------------------
-- The content
-- ------------------------------------------------------------------

CREATE TABLE file_chunks (
	sha256	bytea PRIMARY KEY CHECK (length(sha256) = 32),
	data	bytea NOT NULL CHECK (octet_length(data) BETWEEN 1 AND 1048576),
	CONSTRAINT file_chunks_hash CHECK (sha256(data) = sha256)
);

-- Photos, PDFs and videos do not compress: stored as they are, out of
-- line, without pglz trying first.
ALTER TABLE file_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

CREATE TABLE file_blobs (
	sha256		bytea PRIMARY KEY CHECK (length(sha256) = 32),
	size		bigint NOT NULL CHECK (size >= 1),
	type		text NOT NULL CHECK (type ~ '^[a-z]+/[a-z0-9.+-]+$'),
	chunk_size	integer NOT NULL CHECK (chunk_size >= 1),
	nchunks		integer NOT NULL CHECK (nchunks >= 1),
	exif		jsonb CHECK (jsonb_typeof(exif) = 'object'),
	created_at	timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE file_blob_chunks (
	blob	bytea NOT NULL REFERENCES file_blobs,
	n	integer NOT NULL CHECK (n >= 0),
	chunk	bytea NOT NULL REFERENCES file_chunks,
	PRIMARY KEY (blob, n)
);

CREATE TABLE file_thumbnails (
	sha256	bytea PRIMARY KEY REFERENCES file_blobs,
	jpeg	bytea NOT NULL CHECK (octet_length(jpeg) BETWEEN 1 AND 1048576)
);

CREATE FUNCTION file_content_refuse() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
	USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER file_chunks_no_update BEFORE UPDATE OR DELETE ON file_chunks
	FOR EACH ROW EXECUTE FUNCTION file_content_refuse();
CREATE TRIGGER file_chunks_no_truncate BEFORE TRUNCATE ON file_chunks
	FOR EACH STATEMENT EXECUTE FUNCTION file_content_refuse();
CREATE TRIGGER file_blobs_no_update BEFORE UPDATE OR DELETE ON file_blobs
	FOR EACH ROW EXECUTE FUNCTION file_content_refuse();
CREATE TRIGGER file_blobs_no_truncate BEFORE TRUNCATE ON file_blobs
	FOR EACH STATEMENT EXECUTE FUNCTION file_content_refuse();
CREATE TRIGGER file_blob_chunks_no_update BEFORE UPDATE OR DELETE
	ON file_blob_chunks FOR EACH ROW EXECUTE FUNCTION file_content_refuse();
CREATE TRIGGER file_blob_chunks_no_truncate BEFORE TRUNCATE
	ON file_blob_chunks FOR EACH STATEMENT
	EXECUTE FUNCTION file_content_refuse();
CREATE TRIGGER file_thumbnails_no_update BEFORE UPDATE OR DELETE
	ON file_thumbnails FOR EACH ROW EXECUTE FUNCTION file_content_refuse();
CREATE TRIGGER file_thumbnails_no_truncate BEFORE TRUNCATE
	ON file_thumbnails FOR EACH STATEMENT
	EXECUTE FUNCTION file_content_refuse();

-- Closed to the application role: row security without a policy, and no
-- grant.
ALTER TABLE file_chunks ENABLE ROW LEVEL SECURITY;
ALTER TABLE file_blobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE file_blob_chunks ENABLE ROW LEVEL SECURITY;
ALTER TABLE file_thumbnails ENABLE ROW LEVEL SECURITY;

-- ------------------------------------------------------------------
-- The files of a case
-- ------------------------------------------------------------------

CREATE TABLE files (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	case_id		bigint NOT NULL REFERENCES cases,
	region		char(6) NOT NULL,	-- the case's, for scoping
	kind		text NOT NULL CHECK (kind ~ '^[a-z_]{1,40}$'),
	-- A file's name as the uploader's device had it: no path, no
	-- control characters (fcgi/resources/files.c refuses them: 422).
	name		text NOT NULL CHECK (octet_length(name) BETWEEN 1 AND 255
			    AND name !~ '[/\\[:cntrl:]]'
			    AND name NOT IN ('.', '..')),
	sha256		bytea NOT NULL REFERENCES file_blobs,
	-- The content's facts, copied from file_blobs by files_fill().
	size		bigint NOT NULL,
	type		text NOT NULL,
	chunk_size	integer NOT NULL,
	exif		jsonb,
	uploaded_by	bigint NOT NULL REFERENCES users,
	uploaded_at	timestamptz NOT NULL DEFAULT now(),
	withdrawn_at	timestamptz,
	withdrawn_by	bigint REFERENCES users,
	withdraw_reason	text CHECK (octet_length(withdraw_reason) <= 4000),
	CONSTRAINT files_withdrawn_whole CHECK (
	    (withdrawn_at IS NULL) = (withdrawn_by IS NULL)
	    AND (withdrawn_at IS NULL) = (withdraw_reason IS NULL))
);

CREATE INDEX files_case ON files (case_id, id);
CREATE INDEX files_region ON files (region, id);
CREATE INDEX files_sha256 ON files (sha256);

-- A new file takes its region from its case and its content's facts
-- from its blob -- never from the statement -- and is the session's
-- user's (the database superuser, a repair, is trusted).
CREATE FUNCTION files_fill() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	b	file_blobs%ROWTYPE;
BEGIN
	SELECT region INTO NEW.region FROM cases WHERE id = NEW.case_id;
	SELECT * INTO b FROM file_blobs WHERE sha256 = NEW.sha256;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'file of case %: no such content', NEW.case_id
		USING ERRCODE = 'foreign_key_violation';
	END IF;
	NEW.size := b.size;
	NEW.type := b.type;
	NEW.chunk_size := b.chunk_size;
	NEW.exif := b.exif;
	NEW.uploaded_at := now();
	NEW.withdrawn_at := NULL;
	NEW.withdrawn_by := NULL;
	NEW.withdraw_reason := NULL;
	IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = session_user)
	   AND NEW.uploaded_by IS DISTINCT FROM scope_user() THEN
		RAISE EXCEPTION 'file of case %: not the session''s user', NEW.case_id
		USING ERRCODE = 'PA403';
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER files_fill BEFORE INSERT ON files
	FOR EACH ROW EXECUTE FUNCTION files_fill();

-- Never replaced or deleted: the one change is a withdrawal, once, by
-- the session's user.
CREATE FUNCTION files_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP <> 'UPDATE' THEN
		RAISE EXCEPTION 'files: % refused (a file is withdrawn, never deleted)', TG_OP
		USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF OLD.withdrawn_at IS NOT NULL
	   OR (NEW.id, NEW.case_id, NEW.region, NEW.kind, NEW.name, NEW.sha256,
	       NEW.size, NEW.type, NEW.chunk_size, NEW.uploaded_by,
	       NEW.uploaded_at)
	      IS DISTINCT FROM
	      (OLD.id, OLD.case_id, OLD.region, OLD.kind, OLD.name, OLD.sha256,
	       OLD.size, OLD.type, OLD.chunk_size, OLD.uploaded_by,
	       OLD.uploaded_at)
	   OR NEW.exif IS DISTINCT FROM OLD.exif THEN
		RAISE EXCEPTION 'file %: only a withdrawal, once, may change it', OLD.id
		USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = session_user)
	   AND NEW.withdrawn_by IS DISTINCT FROM scope_user() THEN
		RAISE EXCEPTION 'file %: not the session''s user', OLD.id
		USING ERRCODE = 'PA403';
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER files_guard BEFORE UPDATE OR DELETE ON files
	FOR EACH ROW EXECUTE FUNCTION files_guard();
CREATE TRIGGER files_no_truncate BEFORE TRUNCATE ON files
	FOR EACH STATEMENT EXECUTE FUNCTION file_content_refuse();

ALTER TABLE files ENABLE ROW LEVEL SECURITY;
CREATE POLICY files_scope ON files TO paicha_app
	USING (in_scope(region) AND (SELECT scope_valid()))
	WITH CHECK (in_scope(region) AND (SELECT scope_valid()));
GRANT SELECT ON files TO paicha_app;
GRANT INSERT (case_id, kind, name, sha256, uploaded_by) ON files
	TO paicha_app;
GRANT UPDATE (withdrawn_at, withdrawn_by, withdraw_reason) ON files
	TO paicha_app;

-- ------------------------------------------------------------------
-- The only ways to the content
-- ------------------------------------------------------------------

CREATE FUNCTION file_scope_check(what text) RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	IF NOT coalesce((SELECT scope_valid()), false) THEN
		RAISE EXCEPTION '%: no valid session scope', what
		USING ERRCODE = 'PA403';
	END IF;
END
$$;

-- Store one piece (nothing when the same bytes are there already).
CREATE FUNCTION file_chunk_put(h bytea, d bytea) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	PERFORM file_scope_check('file_chunk_put');
	INSERT INTO file_chunks (sha256, data) VALUES (h, d)
	ON CONFLICT (sha256) DO NOTHING;
END
$$;

-- Record a content made of the pieces `chunks` (each stored, all but
-- the last `csize` bytes, `bytes` in all).  Returns whether it is new
-- and whether it has a thumbnail already (a content uploaded before is
-- kept as it was: its type, EXIF and thumbnail were made then).
CREATE FUNCTION file_blob_put(h bytea, bytes bigint, ftype text,
    csize integer, chunks bytea[], facts jsonb)
RETURNS TABLE (created boolean, thumbnail boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	n	integer := cardinality(chunks);
	have	integer;
	total	bigint;
	sized	boolean;
BEGIN
	PERFORM file_scope_check('file_blob_put');
	IF NOT EXISTS (SELECT 1 FROM file_blobs WHERE sha256 = h) THEN
		SELECT count(c.sha256), sum(octet_length(c.data)),
		    bool_and(o.i = n OR octet_length(c.data) = csize)
		  INTO have, total, sized
		  FROM unnest(chunks) WITH ORDINALITY o(k, i)
		  LEFT JOIN file_chunks c ON c.sha256 = o.k;
		IF n IS NULL OR n < 1 OR have <> n OR total <> bytes
		   OR NOT sized THEN
			RAISE EXCEPTION 'content %: its pieces are missing or of the wrong size', encode(h, 'hex')
			USING ERRCODE = 'check_violation';
		END IF;
		INSERT INTO file_blobs (sha256, size, type, chunk_size, nchunks,
		    exif)
		VALUES (h, bytes, ftype, csize, n, facts)
		ON CONFLICT (sha256) DO NOTHING;
		IF FOUND THEN
			INSERT INTO file_blob_chunks (blob, n, chunk)
			SELECT h, (o.i - 1)::integer, o.k
			  FROM unnest(chunks) WITH ORDINALITY o(k, i);
			created := true;
			thumbnail := false;
			RETURN NEXT;
			RETURN;
		END IF;
	END IF;
	created := false;
	thumbnail := EXISTS (SELECT 1 FROM file_thumbnails t WHERE t.sha256 = h);
	RETURN NEXT;
END
$$;

-- Keep the thumbnail of file `f`'s content (made once: a second is
-- ignored).
CREATE FUNCTION file_thumbnail_put(f bigint, jpeg bytea) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	PERFORM file_scope_check('file_thumbnail_put');
	INSERT INTO file_thumbnails (sha256, jpeg)
	SELECT fl.sha256, jpeg FROM files fl
	 WHERE fl.id = f AND in_scope(fl.region)
	ON CONFLICT (sha256) DO NOTHING;
END
$$;

-- Piece `i` (from 0) of file `f`'s content, when the session may see
-- the file; else NULL.
CREATE FUNCTION file_chunk(f bigint, i integer) RETURNS bytea
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT c.data FROM files fl
	  JOIN file_blob_chunks bc ON bc.blob = fl.sha256 AND bc.n = i
	  JOIN file_chunks c ON c.sha256 = bc.chunk
	 WHERE fl.id = f AND in_scope(fl.region) AND (SELECT scope_valid())
$$;

-- The thumbnail of file `f`, when there is one and the session may see
-- the file; else NULL.
CREATE FUNCTION file_thumbnail(f bigint) RETURNS bytea
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT t.jpeg FROM files fl JOIN file_thumbnails t ON t.sha256 = fl.sha256
	 WHERE fl.id = f AND in_scope(fl.region) AND (SELECT scope_valid())
$$;

-- Whether file `f`'s content has a thumbnail (the session may see it).
CREATE FUNCTION file_has_thumbnail(f bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT EXISTS (SELECT 1 FROM files fl
	  JOIN file_thumbnails t ON t.sha256 = fl.sha256
	 WHERE fl.id = f AND in_scope(fl.region) AND (SELECT scope_valid()))
$$;

-- For verify: file `f`'s content as stored -- its row and each piece's
-- key and size, in order -- when the session may see the file.
CREATE FUNCTION file_manifest(f bigint)
RETURNS TABLE (n integer, chunk bytea, size integer, blob_size bigint,
    blob_type text, blob_chunks integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT bc.n, bc.chunk, octet_length(c.data), b.size, b.type, b.nchunks
	  FROM files fl JOIN file_blobs b ON b.sha256 = fl.sha256
	  LEFT JOIN file_blob_chunks bc ON bc.blob = b.sha256
	  LEFT JOIN file_chunks c ON c.sha256 = bc.chunk
	 WHERE fl.id = f AND in_scope(fl.region) AND (SELECT scope_valid())
	 ORDER BY bc.n
$$;

-- For verify, without taking the bytes out of the database: file `f`'s
-- content as stored -- how many pieces its list names and how many are
-- there, their bytes, the first piece whose data does not hash to its
-- key (NULL: none), and the SHA-256 of the list of keys in order (the
-- upload's event records it as "pieces") -- when the session may see
-- the file.
CREATE FUNCTION file_check(f bigint)
RETURNS TABLE (entries integer, present integer, bytes bigint,
    first_bad integer, pieces bytea, blob_size bigint, blob_chunks integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT count(bc.n)::integer, count(c.sha256)::integer,
	    coalesce(sum(octet_length(c.data)), 0)::bigint,
	    min(bc.n) FILTER (WHERE c.sha256 IS NULL
		OR sha256(c.data) <> bc.chunk),
	    sha256(coalesce(string_agg(bc.chunk, ''::bytea ORDER BY bc.n),
		''::bytea)),
	    b.size, b.nchunks
	  FROM files fl JOIN file_blobs b ON b.sha256 = fl.sha256
	  LEFT JOIN file_blob_chunks bc ON bc.blob = b.sha256
	  LEFT JOIN file_chunks c ON c.sha256 = bc.chunk
	 WHERE fl.id = f AND in_scope(fl.region) AND (SELECT scope_valid())
	 GROUP BY b.size, b.nchunks
$$;

REVOKE ALL ON FUNCTION file_scope_check(text), file_chunk_put(bytea, bytea),
	file_blob_put(bytea, bigint, text, integer, bytea[], jsonb),
	file_thumbnail_put(bigint, bytea), file_chunk(bigint, integer),
	file_thumbnail(bigint), file_has_thumbnail(bigint),
	file_manifest(bigint), file_check(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION file_chunk_put(bytea, bytea),
	file_blob_put(bytea, bigint, text, integer, bytea[], jsonb),
	file_thumbnail_put(bigint, bytea), file_chunk(bigint, integer),
	file_thumbnail(bigint), file_has_thumbnail(bigint),
	file_manifest(bigint), file_check(bigint) TO paicha_app;

-- ------------------------------------------------------------------
-- The file's own stream in the ledger
-- ------------------------------------------------------------------

ALTER TABLE ledger_events DROP CONSTRAINT ledger_events_entity_check;
ALTER TABLE ledger_events ADD CONSTRAINT ledger_events_entity_check
	CHECK (entity IN ('user', 'enterprise', 'category', 'campaign',
	    'file'));
