/*
 * verify_files.c: the evidence files' part of verify (GET
 * /api/v1/audit/verify, verify.c runs it after the cases' walk):
 *
 *	streams		each file's events (ledger_events, entity 'file')
 *			re-hashed along their chain, and the file's row
 *			compared with them: the upload names its case,
 *			kind, name, SHA-256 and region, and the file is
 *			withdrawn exactly when its stream says so;
 *	contents	each distinct content of the scope's files, in
 *			the database (file_check): every piece is there and
 *			hashes to its key, the list of keys in order hashes
 *			to the "pieces" its upload's event carries, and the
 *			pieces add up to its size; for one case, also read
 *			back piece by piece and hashed whole against the
 *			SHA-256 the event carries.  A region's or the whole
 *			database's verify so never takes a byte of evidence
 *			out of PostgreSQL.
 *
 * A changed piece, a rewritten event or a row that disagrees is the
 * answer's first_bad, naming the file: {"entity": "file", "entity_id",
 * "case", "seq", "field"}.  Everything runs in verify's read-only
 * snapshot, in batches; one piece is in memory at a time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "../base/base.h"
#include "../front/front.h"
#include "ledger.h"

#define FILES_BATCH	500	/* files, or contents, per statement */
#define BATCH_TEXT	"500"	/* the same, for the statements */

/*
 * The scope's own files: not those a referral lets it read (sql/0120),
 * whose streams are the other region's and stay out of its sight.
 */
#define SCOPE_OWN	" AND in_scope(f.region)"

#define FILES_FROM \
	"SELECT f.id, f.case_id, f.region, f.kind, f.name," \
	" encode(f.sha256, 'hex') AS sha256, f.withdrawn_at IS NOT NULL" \
	" AS withdrawn, f.withdraw_reason FROM files f WHERE f.id > $1" \
	SCOPE_OWN
#define FILES_ORDER	" ORDER BY f.id LIMIT " BATCH_TEXT
#define IN_REGION \
	" AND f.region >= region_lo($2::char(6))" \
	" AND f.region < region_hi($2::char(6))"

/* The scope's files after $1, in order; $2 the case or region. */
static struct stmt files_stmts[VS__MAX] = {
	[VS_CASE] = STMT(FILES_FROM " AND f.case_id = $2" FILES_ORDER, 2),
	[VS_REGION] = STMT(FILES_FROM IN_REGION FILES_ORDER, 2),
	[VS_ALL] = STMT(FILES_FROM FILES_ORDER, 1),
};

/* The streams of files $1 to $2, in order. */
static struct stmt events_stmt = STMT(
    "SELECT entity_id, seq, event, record, prev_hash, hash FROM ledger_events"
    " WHERE entity = 'file' AND entity_id BETWEEN $1 AND $2"
    " ORDER BY entity_id, seq", 2);

#define CONTENTS_FROM \
	"SELECT min(f.id) AS id, (array_agg(f.case_id ORDER BY f.id))[1]" \
	" AS case_id, f.sha256, min(f.size) AS size," \
	" (SELECT l.record::jsonb -> 'payload' ->> 'pieces'" \
	"   FROM ledger_events l WHERE l.entity = 'file'" \
	"   AND l.entity_id = min(f.id) AND l.event = 'upload') AS pieces" \
	" FROM files f WHERE $1::bigint IS NOT NULL" SCOPE_OWN
#define CONTENTS_ORDER \
	" GROUP BY f.sha256 HAVING min(f.id) > $1 ORDER BY 1 LIMIT " BATCH_TEXT

/* Each distinct content once, by the first file that has it, after $1. */
static struct stmt contents_stmts[VS__MAX] = {
	[VS_CASE] = STMT(CONTENTS_FROM " AND f.case_id = $2" CONTENTS_ORDER,
	    2),
	[VS_REGION] = STMT(CONTENTS_FROM IN_REGION CONTENTS_ORDER, 2),
	[VS_ALL] = STMT(CONTENTS_FROM CONTENTS_ORDER, 1),
};

static struct stmt manifest_stmt = STMT(
    "SELECT n, chunk, size, blob_size, blob_chunks FROM file_manifest($1)",
    1);

static struct stmt piece_stmt = STMT(
    "SELECT file_chunk($1, $2) AS data", 2);

static struct stmt check_stmt = STMT(
    "SELECT entries, present, bytes, first_bad, encode(pieces, 'hex')"
    " AS pieces, blob_size, blob_chunks FROM file_check($1)", 1);

static const char *const scope_names[VS__MAX] = {
	[VS_CASE] = "case", [VS_REGION] = "region", [VS_ALL] = "all",
};

/* What the files' check found. */
struct fcheck {
	struct req		*r;
	enum vscope		 scope;
	const char		*p[2];		/* $1 (set per batch), $2 */
	struct chain_hasher	 h;
	EVP_MD_CTX		*md;
	long long		 files, events, contents, bytes;
	int			 bad;
	int64_t			 bad_id, bad_case;
	int32_t			 bad_seq;	/* 0: none */
	long long		 bad_piece;	/* -1: none */
	const char		*field;
	char			 reason[160];
};

/* Record the first bad file (in the order they are checked). */
static void
fbad(struct fcheck *fc, int64_t id, int64_t case_id, int32_t seq,
    long long piece, const char *field, const char *reason)
{
	if (fc->bad)
		return;
	fc->bad = 1;
	fc->bad_id = id;
	fc->bad_case = case_id;
	fc->bad_seq = seq;
	fc->bad_piece = piece;
	fc->field = field;
	snprintf(fc->reason, sizeof(fc->reason), "file %lld: %s",
	    (long long)id, reason);
}

/* Whether the string member `k` of `o` is `want`. */
static int
member_is(const json_t *o, const char *k, const char *want)
{
	const json_t	*v = json_object_get(o, k);

	return json_is_string(v) && want != NULL &&
	    strcmp(json_string_value(v), want) == 0;
}

/* ---- the streams -------------------------------------------------- */

/*
 * Check the events of file row `i` of `files` among `ev` (from *k on,
 * in (entity_id, seq) order), advancing *k past them.  Returns 0, or -1
 * when hashing failed (out of memory).
 */
static int
check_stream(struct fcheck *fc, const PGresult *files, int i,
    const PGresult *ev, int *k)
{
	static const unsigned char zero[CHAIN_LEN];
	unsigned char	 prev[CHAIN_LEN], hash[CHAIN_LEN], want[CHAIN_LEN];
	int64_t		 id = strtoll(db_get(files, i, "id"), NULL, 10);
	int64_t		 cid = strtoll(db_get(files, i, "case_id"), NULL, 10);
	int32_t		 seq = 0;
	json_t		*rec, *pl;
	const char	*event, *record;
	int		 uploads = 0, withdrawals = 0;

	memcpy(prev, zero, CHAIN_LEN);
	while (*k < PQntuples(ev) &&
	    strtoll(db_get(ev, *k, "entity_id"), NULL, 10) < id)
		(*k)++;
	for (; *k < PQntuples(ev) &&
	    strtoll(db_get(ev, *k, "entity_id"), NULL, 10) == id; (*k)++) {
		seq = atoi(db_get(ev, *k, "seq"));
		event = db_get(ev, *k, "event");
		record = db_get(ev, *k, "record");
		fc->events++;
		if (bytea_parse(db_get(ev, *k, "hash"), want, CHAIN_LEN) == -1 ||
		    bytea_parse(db_get(ev, *k, "prev_hash"), hash,
		    CHAIN_LEN) == -1 || memcmp(hash, prev, CHAIN_LEN) != 0) {
			fbad(fc, id, cid, seq, -1, "chain",
			    "an event does not follow the one before");
			return 0;
		}
		if (chain_hash_with(&fc->h, LEDGER_FILE, id, seq, prev, record,
		    strlen(record), hash) == -1)
			return -1;
		if (memcmp(hash, want, CHAIN_LEN) != 0) {
			fbad(fc, id, cid, seq, -1, "chain",
			    "an event's hash is not its record's");
			return 0;
		}
		memcpy(prev, want, CHAIN_LEN);
		rec = json_loads(record, JSON_REJECT_DUPLICATES, NULL);
		pl = json_object_get(rec, "payload");
		if (rec == NULL || !member_is(rec, "entity", "file") ||
		    json_integer_value(json_object_get(rec, "entity_id")) != id ||
		    json_integer_value(json_object_get(rec, "seq")) != seq ||
		    !member_is(rec, "scope_region", db_get(files, i, "region")) ||
		    !member_is(rec, "event", event)) {
			json_decref(rec);
			fbad(fc, id, cid, seq, -1, "region",
			    "an event's record disagrees with its columns");
			return 0;
		}
		if (strcmp(event, "upload") == 0) {
			uploads++;
			if (seq != 1 || json_integer_value(json_object_get(pl,
			    "case")) != cid)
				fbad(fc, id, cid, seq, -1, "case",
				    "its row's case is not its upload's");
			else if (!member_is(pl, "kind",
			    db_get(files, i, "kind")))
				fbad(fc, id, cid, seq, -1, "kind",
				    "its row's kind is not its upload's");
			else if (!member_is(pl, "name",
			    db_get(files, i, "name")))
				fbad(fc, id, cid, seq, -1, "name",
				    "its row's name is not its upload's");
			else if (!member_is(pl, "sha256",
			    db_get(files, i, "sha256")))
				fbad(fc, id, cid, seq, -1, "sha256",
				    "its row's content is not its upload's");
		} else if (strcmp(event, "withdraw") == 0) {
			withdrawals++;
			if (db_isnull(files, i, "withdraw_reason") ||
			    !member_is(pl, "reason", db_get(files, i,
			    "withdraw_reason")))
				fbad(fc, id, cid, seq, -1, "withdrawn",
				    "its withdrawal is not its row's");
		}
		json_decref(rec);
	}
	if (uploads != 1)
		fbad(fc, id, cid, 0, -1, "stream",
		    "its stream has no upload, or more than one");
	else if (withdrawals != (strcmp(db_get(files, i, "withdrawn"),
	    "t") == 0))
		fbad(fc, id, cid, 0, -1, "withdrawn",
		    "its row's withdrawal is not its stream's");
	return 0;
}

/* Every file's stream against its row, in id order.  0, or -1. */
static int
check_streams(struct fcheck *fc)
{
	PGresult	*files = NULL, *ev = NULL;
	char		 last[24] = "0", lo[24], hi[24];
	const char	*q[2];
	int		 i, k, n, rc = -1;

	for (;;) {
		fc->p[0] = last;
		if ((files = db_exec(fc->r, &files_stmts[fc->scope],
		    fc->p)) == NULL)
			goto out;
		if ((n = PQntuples(files)) == 0)
			break;
		snprintf(lo, sizeof(lo), "%s", db_get(files, 0, "id"));
		snprintf(hi, sizeof(hi), "%s", db_get(files, n - 1, "id"));
		q[0] = lo;
		q[1] = hi;
		if ((ev = db_exec(fc->r, &events_stmt, q)) == NULL)
			goto out;
		for (i = 0, k = 0; i < n && !fc->bad; i++) {
			fc->files++;
			if (check_stream(fc, files, i, ev, &k) == -1) {
				req_fail(fc->r, "verify: out of memory");
				goto out;
			}
		}
		PQclear(ev);
		ev = NULL;
		snprintf(last, sizeof(last), "%s", hi);
		PQclear(files);
		files = NULL;
		if (fc->bad || n < FILES_BATCH)
			break;
	}
	rc = 0;
out:
	PQclear(files);
	PQclear(ev);
	return rc;
}

/* ---- the contents ------------------------------------------------- */

/*
 * Read content row `i` of `res` back through its first file, piece by
 * piece.  Returns 0 (fc->bad tells), or -1 with the failure recorded.
 */
static int
check_content(struct fcheck *fc, const PGresult *res, int i)
{
	unsigned char	 key[32], got[32], whole[32], want[32];
	const char	*id = db_get(res, i, "id"), *q[2];
	int64_t		 fid = strtoll(id, NULL, 10);
	int64_t		 cid = strtoll(db_get(res, i, "case_id"), NULL, 10);
	long long	 size = strtoll(db_get(res, i, "size"), NULL, 10);
	long long	 total = 0;
	PGresult	*man = NULL, *piece = NULL;
	char		 n[16];
	int		 j, rows, rc = -1;

	q[0] = id;
	q[1] = n;
	if ((man = db_exec(fc->r, &manifest_stmt, q)) == NULL)
		goto out;
	rows = PQntuples(man);
	if (bytea_parse(db_get(res, i, "sha256"), want, sizeof(want)) == -1 ||
	    rows < 1 || db_isnull(man, 0, "n") ||
	    strtoll(db_get(man, 0, "blob_size"), NULL, 10) != size ||
	    atoi(db_get(man, 0, "blob_chunks")) != rows) {
		fbad(fc, fid, cid, 0, -1, "content",
		    "its content's record or pieces are missing");
		rc = 0;
		goto out;
	}
	if (EVP_DigestInit_ex(fc->md, EVP_sha256(), NULL) != 1)
		goto fail;
	for (j = 0; j < rows; j++) {
		snprintf(n, sizeof(n), "%d", j);
		if (atoi(db_get(man, j, "n")) != j ||
		    bytea_parse(db_get(man, j, "chunk"), key, sizeof(key)) == -1) {
			fbad(fc, fid, cid, 0, j, "content",
			    "its content's pieces are out of order");
			rc = 0;
			goto out;
		}
		if ((piece = db_exec_binary(fc->r, &piece_stmt, q)) == NULL)
			goto out;
		if (PQntuples(piece) != 1 || PQgetisnull(piece, 0, 0)) {
			fbad(fc, fid, cid, 0, j, "content", "a piece is missing");
			rc = 0;
			goto out;
		}
		if (EVP_Digest(PQgetvalue(piece, 0, 0),
		    (size_t)PQgetlength(piece, 0, 0), got, NULL, EVP_sha256(),
		    NULL) != 1 || EVP_DigestUpdate(fc->md,
		    PQgetvalue(piece, 0, 0),
		    (size_t)PQgetlength(piece, 0, 0)) != 1)
			goto fail;
		total += PQgetlength(piece, 0, 0);
		PQclear(piece);
		piece = NULL;
		if (memcmp(got, key, sizeof(key)) != 0) {
			fbad(fc, fid, cid, 0, j, "content",
			    "a piece was changed: its hash is not its key");
			rc = 0;
			goto out;
		}
	}
	if (EVP_DigestFinal_ex(fc->md, whole, NULL) != 1)
		goto fail;
	if (total != size || memcmp(whole, want, sizeof(want)) != 0)
		fbad(fc, fid, cid, 0, -1, "content",
		    "its pieces do not make up its SHA-256");
	rc = 0;
	goto out;
fail:
	req_fail(fc->r, "verify: could not hash a file (sha-256)");
out:
	PQclear(piece);
	PQclear(man);
	return rc;
}

/*
 * Check content row `i` of `res` where it is stored (file_check): every
 * piece there and its own hash, the list the upload recorded, the size.
 * Returns 0 (fc->bad tells), or -1 with the failure recorded.
 */
static int
check_stored(struct fcheck *fc, const PGresult *res, int i)
{
	const char	*id = db_get(res, i, "id"), *q[1];
	int64_t		 fid = strtoll(id, NULL, 10);
	int64_t		 cid = strtoll(db_get(res, i, "case_id"), NULL, 10);
	PGresult	*c;

	q[0] = id;
	if ((c = db_exec(fc->r, &check_stmt, q)) == NULL)
		return -1;
	if (PQntuples(c) != 1 || atoi(db_get(c, 0, "entries")) !=
	    atoi(db_get(c, 0, "blob_chunks")) ||
	    atoi(db_get(c, 0, "present")) != atoi(db_get(c, 0, "entries")))
		fbad(fc, fid, cid, 0, -1, "content",
		    "its content's record or pieces are missing");
	else if (!db_isnull(c, 0, "first_bad"))
		fbad(fc, fid, cid, 0, atoi(db_get(c, 0, "first_bad")),
		    "content", "a piece was changed: its hash is not its key");
	else if (strcmp(db_get(c, 0, "bytes"), db_get(res, i, "size")) != 0 ||
	    strcmp(db_get(c, 0, "blob_size"), db_get(res, i, "size")) != 0)
		fbad(fc, fid, cid, 0, -1, "content",
		    "its pieces do not add up to its size");
	else if (db_isnull(res, i, "pieces") || strcmp(db_get(c, 0, "pieces"),
	    db_get(res, i, "pieces")) != 0)
		fbad(fc, fid, cid, 0, -1, "content",
		    "its list of pieces is not the one its upload recorded");
	else {
		fc->contents++;
		fc->bytes += strtoll(db_get(c, 0, "bytes"), NULL, 10);
	}
	PQclear(c);
	return 0;
}

/* Every distinct content of the scope's files.  0, or -1. */
static int
check_contents(struct fcheck *fc)
{
	PGresult	*res = NULL;
	char		 last[24] = "0";
	int		 i, n, rc = -1;

	for (;;) {
		fc->p[0] = last;
		if ((res = db_exec(fc->r, &contents_stmts[fc->scope],
		    fc->p)) == NULL)
			goto out;
		n = PQntuples(res);
		for (i = 0; i < n && !fc->bad; i++)
			if (check_stored(fc, res, i) == -1 ||
			    (fc->scope == VS_CASE && !fc->bad &&
			    check_content(fc, res, i) == -1))
				goto out;
		if (n > 0)
			snprintf(last, sizeof(last), "%s",
			    db_get(res, n - 1, "id"));
		PQclear(res);
		res = NULL;
		if (fc->bad || n < FILES_BATCH)
			break;
	}
	rc = 0;
out:
	PQclear(res);
	return rc;
}

/* ---- the run ------------------------------------------------------ */

/*
 * Verify the files of `scope` (`filter`: the case id or region as text,
 * NULL for VS_ALL) and write the outcome into verify's `answer`:
 * "files": {"checked", "events", "contents", "bytes"}, and -- when the
 * answer was still ok -- "ok": false, "first_bad" naming the first bad
 * file and "reason".  Returns 0, or -1 with the failure recorded in `r`.
 */
int
verify_files(struct req *r, enum vscope scope, const char *filter,
    json_t *answer)
{
	struct fcheck	*fc;
	struct timespec	 t0, t1;
	json_t		*bad;
	int		 rc = -1;

	if ((fc = calloc(1, sizeof(*fc))) == NULL ||
	    chain_hasher_open(&fc->h) == -1 ||
	    (fc->md = EVP_MD_CTX_new()) == NULL) {
		req_fail(r, "verify: out of memory");
		goto out;
	}
	fc->r = r;
	fc->scope = scope;
	fc->p[1] = filter;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (check_streams(fc) == -1 || (!fc->bad && check_contents(fc) == -1))
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_info("request %s: verify %s%s%s files=%lld events=%lld "
	    "contents=%lld bytes=%lld ok=%d %.3fs", r->id, scope_names[scope],
	    filter != NULL ? " " : "", filter != NULL ? filter : "",
	    fc->files, fc->events, fc->contents, fc->bytes, !fc->bad,
	    (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	json_object_set_new(answer, "files", json_pack("{s:I, s:I, s:I, s:I}",
	    "checked", (json_int_t)fc->files, "events",
	    (json_int_t)fc->events, "contents", (json_int_t)fc->contents,
	    "bytes", (json_int_t)fc->bytes));
	if (fc->bad) {
		log_warn("request %s: verify %s %s: %s", r->id,
		    scope_names[scope], filter != NULL ? filter : "",
		    fc->reason);
		if (json_is_true(json_object_get(answer, "ok"))) {
			bad = json_pack("{s:s, s:I, s:I, s:o, s:s}",
			    "entity", "file", "entity_id",
			    (json_int_t)fc->bad_id, "case",
			    (json_int_t)fc->bad_case, "seq", fc->bad_seq > 0 ?
			    json_integer(fc->bad_seq) : json_null(),
			    "field", fc->field);
			if (bad != NULL && fc->bad_piece >= 0)
				json_object_set_new(bad, "piece",
				    json_integer(fc->bad_piece));
			json_object_set_new(answer, "ok", json_false());
			json_object_set_new(answer, "first_bad", bad);
			json_object_set_new(answer, "reason",
			    json_string(fc->reason));
		}
	}
	rc = 0;
out:
	if (fc != NULL) {
		EVP_MD_CTX_free(fc->md);
		chain_hasher_close(&fc->h);
		free(fc);
	}
	return rc;
}
