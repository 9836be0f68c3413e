/*
 * proof.c: an event's inclusion proof (RFC 9162 2.1.3) against the
 * latest signed checkpoint, for GET /api/v1/audit/proof
 * (../resources/audit.c), and the tiles' roots verify reads too.
 *
 * The log is kept in tiles of MERKLE_TILE leaves (sql/0025_log_tiles.sql,
 * merkle.h): an event's audit path is its path inside its tile, from the
 * tile's stored leaves, followed by the tile's path over the tiles'
 * roots -- one tile and 32 bytes per 256 leaves read, however long the
 * log.  The proof is checked here before it is handed out: the tile must
 * give its root, hold the event's hash at the event's position, and the
 * path must lead to the signed root; an event that fails that is not
 * what was signed, and gets no proof.
 *
 * The answer carries what an offline check needs (paicha-admin
 * proof-check): the event's stream, record and prev_hash (its hash
 * recomputed from them with the stream's tag -- an event of any stream,
 * a case's from case_events, the others' from ledger_events), its
 * position and the tree's size, the path, and the checkpoint -- size,
 * root, time, Ed25519 signature over the message those three make, the
 * public key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/base.h"
#include "../front/front.h"
#include "ledger.h"
#include "merkle.h"

/*
 * The roots of the tiles of the first `size` placed leaves -- the
 * complete tiles and, when size is not a multiple of MERKLE_TILE, the
 * partial one it ends in -- into *roots (malloc'd, *n of them).  Returns
 * 0; 1 when tiles are missing (*roots NULL); -1 on a failure, recorded
 * in `r`.
 */
int
log_tile_roots(struct req *r, long long size, unsigned char **roots,
    size_t *n)
{
	static struct stmt get = STMT(
	    "SELECT coalesce((SELECT string_agg(root, ''::bytea ORDER BY idx)"
	    "   FROM log_tiles WHERE width = 256 AND idx < $1::bigint / 256),"
	    "   ''::bytea)"
	    " || coalesce((SELECT root FROM log_tiles"
	    "   WHERE idx = $1::bigint / 256 AND width = $1::bigint % 256),"
	    "   ''::bytea) AS roots", 1);
	PGresult	*res;
	char		 s[24];
	const char	*p[1];
	size_t		 want;
	int		 rc = 1;

	*roots = NULL;
	*n = 0;
	snprintf(s, sizeof(s), "%lld", size);
	p[0] = s;
	if ((res = db_exec_binary(r, &get, p)) == NULL)
		return -1;
	want = (size_t)((size + MERKLE_TILE - 1) / MERKLE_TILE);
	if ((size_t)PQgetlength(res, 0, 0) == want * MERKLE_HASH) {
		if ((*roots = malloc(want * MERKLE_HASH + 1)) == NULL) {
			req_fail(r, "tile roots: out of memory");
			rc = -1;
		} else {
			memcpy(*roots, PQgetvalue(res, 0, 0), want * MERKLE_HASH);
			*n = want;
			rc = 0;
		}
	}
	PQclear(res);
	return rc;
}

/* `n` hashes as a JSON array of hex strings (a new reference). */
static json_t *
hex_array(const unsigned char (*h)[MERKLE_HASH], size_t n)
{
	char	 hex[2 * MERKLE_HASH + 1];
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < n && a != NULL; i++) {
		hex_encode(h[i], MERKLE_HASH, hex);
		json_array_append_new(a, json_string(hex));
	}
	return a;
}

/*
 * The inclusion proof of event `seq` of `entity` `id` against the latest
 * signed checkpoint, in the request's snapshot and scope.  Returns the
 * answer (a new reference) with *found 1; NULL with *found
 *
 *	0	no such event in the user's scope
 *	2	the event is not in a checkpoint yet
 *	3	the event is not what the signed log holds (verify names it)
 *	-1	a failure, recorded in `r`.
 */
json_t *
ledger_proof(struct req *r, enum ledger_entity entity, int64_t id,
    int32_t seq, int *found)
{
	static struct stmt case_event = STMT(
	    "SELECT e.record, encode(e.prev_hash, 'hex') AS prev_hash,"
	    " encode(e.hash, 'hex') AS hash, l.idx"
	    " FROM case_events e LEFT JOIN log_leaves l"
	    " ON l.entity = 'case' AND l.case_id = e.case_id AND l.seq = e.seq"
	    " WHERE e.case_id = $1 AND e.seq = $2", 2);
	/* Every other stream's ($3: its name). */
	static struct stmt stream_event = STMT(
	    "SELECT e.record, encode(e.prev_hash, 'hex') AS prev_hash,"
	    " encode(e.hash, 'hex') AS hash, l.idx"
	    " FROM ledger_events e LEFT JOIN log_leaves l"
	    " ON l.entity = e.entity AND l.case_id = e.entity_id"
	    " AND l.seq = e.seq"
	    " WHERE e.entity = $3 AND e.entity_id = $1 AND e.seq = $2", 3);
	static struct stmt latest = STMT(
	    "SELECT size, encode(root, 'hex') AS root,"
	    " translate(encode(signature, 'base64'), E'\\n', '') AS signature,"
	    " public_key, message, rfc3339(at) AS at"
	    " FROM checkpoints ORDER BY size DESC LIMIT 1", 0);
	static struct stmt tile = STMT(
	    "SELECT leaves FROM log_tiles WHERE idx = $1"
	    " AND width = least(256, $2::bigint - 256 * $1::bigint)", 2);
	unsigned char	 lh[MERKLE_TILE][MERKLE_HASH];
	unsigned char	 path[2 * MERKLE_LEVELS][MERKLE_HASH];
	unsigned char	 hash[MERKLE_HASH], root[MERKLE_HASH];
	unsigned char	 got[MERKLE_HASH], *roots = NULL;
	PGresult	*ev = NULL, *cp = NULL, *tr = NULL;
	char		 a[24], b[24], hex[2 * MERKLE_HASH + 3];
	const char	*p[3], *leaves;
	long long	 idx, size, t;
	size_t		 w, i, n, ntiles;
	json_t		*o = NULL;
	int		 rc;

	*found = -1;
	if (entity >= LEDGER__MAX) {
		*found = 0;
		return NULL;
	}
	snprintf(a, sizeof(a), "%lld", (long long)id);
	snprintf(b, sizeof(b), "%d", (int)seq);
	p[0] = a;
	p[1] = b;
	p[2] = ledger_streams[entity].name;
	if ((ev = db_exec(r, entity == LEDGER_CASE ? &case_event :
	    &stream_event, p)) == NULL ||
	    (cp = db_exec(r, &latest, NULL)) == NULL)
		goto out;
	if (PQntuples(ev) == 0) {
		*found = 0;
		goto out;
	}
	snprintf(hex, sizeof(hex), "\\x%s", db_get(ev, 0, "hash"));
	if (bytea_parse(hex, hash, MERKLE_HASH) == -1) {
		req_fail(r, "proof: %s %s event %s: unreadable hash",
		    ledger_streams[entity].name, a, b);
		goto out;
	}
	if (PQntuples(cp) == 0 || db_isnull(ev, 0, "idx") ||
	    (idx = strtoll(db_get(ev, 0, "idx"), NULL, 10)) >=
	    (size = strtoll(db_get(cp, 0, "size"), NULL, 10))) {
		*found = 2;
		goto out;
	}
	snprintf(hex, sizeof(hex), "\\x%s", db_get(cp, 0, "root"));
	if (bytea_parse(hex, root, MERKLE_HASH) == -1) {
		req_fail(r, "proof: the latest checkpoint's root is unreadable");
		goto out;
	}

	/* The tiles' roots, and the event's tile. */
	if ((rc = log_tile_roots(r, size, &roots, &ntiles)) == -1)
		goto out;
	t = idx / MERKLE_TILE;
	w = (size_t)(size - t * MERKLE_TILE < MERKLE_TILE ?
	    size - t * MERKLE_TILE : MERKLE_TILE);
	snprintf(a, sizeof(a), "%lld", t);
	snprintf(b, sizeof(b), "%lld", size);
	if ((tr = db_exec_binary(r, &tile, p)) == NULL)
		goto out;
	*found = 3;
	if (rc == 1 || PQntuples(tr) != 1 ||
	    (size_t)PQgetlength(tr, 0, 0) != w * MERKLE_HASH)
		goto out;
	leaves = PQgetvalue(tr, 0, 0);
	for (i = 0; i < w; i++)
		merkle_leaf_hash(leaves + i * MERKLE_HASH, MERKLE_HASH, lh[i]);
	merkle_tree_hash((const unsigned char (*)[MERKLE_HASH])lh, w, got);
	if (memcmp(got, roots + t * MERKLE_HASH, MERKLE_HASH) != 0 ||
	    memcmp(leaves + (idx % MERKLE_TILE) * MERKLE_HASH, hash,
	    MERKLE_HASH) != 0)
		goto out;

	/* Inside the tile, then over the tiles; checked before it goes. */
	n = merkle_path((const unsigned char (*)[MERKLE_HASH])lh, w,
	    (size_t)(idx % MERKLE_TILE), path);
	n += merkle_path((const unsigned char (*)[MERKLE_HASH])roots, ntiles,
	    (size_t)t, path + n);
	merkle_leaf_hash(hash, MERKLE_HASH, got);
	if (merkle_path_root((uint64_t)idx, (uint64_t)size, got,
	    (const unsigned char (*)[MERKLE_HASH])path, n, got) == -1 ||
	    memcmp(got, root, MERKLE_HASH) != 0)
		goto out;
	*found = -1;
	o = json_pack("{s:s, s:I, s:i, s:I, s:I, s:s, s:s, s:s, s:o,"
	    " s:{s:I, s:s, s:s, s:s, s:s, s:s, s:s}}",
	    "entity", ledger_streams[entity].name,
	    "entity_id", (json_int_t)id,
	    "seq", (int)seq,
	    "leaf_index", (json_int_t)idx,
	    "tree_size", (json_int_t)size,
	    "leaf", db_get(ev, 0, "hash"),
	    "record", db_get(ev, 0, "record"),
	    "prev_hash", db_get(ev, 0, "prev_hash"),
	    "audit_path", hex_array((const unsigned char (*)[MERKLE_HASH])path,
	    n),
	    "checkpoint",
	    "size", (json_int_t)size,
	    "root", db_get(cp, 0, "root"),
	    "signature", db_get(cp, 0, "signature"),
	    "public_key", db_get(cp, 0, "public_key"),
	    "at", db_get(cp, 0, "at"),
	    "message", db_get(cp, 0, "message"),
	    "algorithm", "Ed25519");
	if (o == NULL)
		req_fail(r, "proof: could not build the answer");
	else
		*found = 1;
out:
	if (*found == 3)
		log_warn("request %s: %s %lld event %d: not what the signed "
		    "log holds; no proof", r->id, ledger_streams[entity].name,
		    (long long)id, (int)seq);
	free(roots);
	PQclear(ev);
	PQclear(cp);
	PQclear(tr);
	return o;
}
