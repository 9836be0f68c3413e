/*
 * checkpoint.c: the checkpointer, a background thread of the serve
 * process.  Every cfg.checkpoint_interval seconds (0: never) it folds the
 * events committed since the last checkpoint into the Merkle log and
 * stores the new tree head signed with Ed25519 (sql/0008_audit.sql):
 *
 *	1. one transaction on a connection of its own;
 *	2. pg_try_advisory_xact_lock: one checkpointer at a time across
 *	   every instance of the service; the others skip the round;
 *	3. the latest checkpoint's frontier, which must give its root (else
 *	   nothing is extended: never a checkpoint inconsistent with it);
 *	4. the unplaced leaves -- every stream's, a case's and the others'
 *	   -- in (entity, id, seq) order, appended to the frontier; the
 *	   new root, the message naming the tree, signed;
 *	5. checkpoint_add places the leaves and inserts the checkpoint,
 *	   refusing anything but an extension of the latest one;
 *	6. log_tiles_add writes the tiles of 256 leaves they fall in
 *	   (sql/0025_log_tiles.sql), computing their roots in the
 *	   database: each must be the root this round computed from the
 *	   frontier (else the log's placed leaves were changed since they
 *	   were signed, and nothing is committed); COMMIT.
 *
 * The key is read once, after the service dropped root: a 0600 PEM file
 * the service user owns, outside the database.  Without a usable key the
 * service serves and logs why there are no checkpoints.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "../base/base.h"
#include "../front/front.h"
#include "ledger.h"
#include "merkle.h"

#define CHECKPOINT_BATCH	20000	/* leaves per checkpoint, at most */
/* Tiles one round completes, at most, and its last partial one. */
#define ROUND_TILES		(CHECKPOINT_BATCH / MERKLE_TILE + 2)
#define CHECKPOINT_TAG		"paicha-checkpoint/v1"
#define SIG_LEN			64	/* Ed25519 */

static EVP_PKEY		*key;
static char		*public_pem;	/* SubjectPublicKeyInfo, PEM */

static void	 checkpoint_rounds(struct background *, struct req *);

static struct background thread = {
	.name = "checkpoint",
	.interval = &cfg.checkpoint_interval,
	.round = checkpoint_rounds,
	.mu = PTHREAD_MUTEX_INITIALIZER,
};

/* ------------------------------------------------------------------ */
/* The key                                                            */
/* ------------------------------------------------------------------ */

/*
 * Load the Ed25519 private key from `path` and derive its public key.
 * Returns 0, or -1 (logged) leaving no key loaded.
 */
int
checkpoint_key_load(const char *path)
{
	struct stat	 st;
	EVP_PKEY	*k = NULL;
	BIO		*mem = NULL;
	FILE		*f = NULL;
	char		*pem = NULL;
	long		 n;
	int		 rc = -1;

	if (path == NULL || (f = fopen(path, "r")) == NULL) {
		log_error("checkpoint key %s: %s: no checkpoints will be made",
		    path != NULL ? path : "(unset)", strerror(errno));
		goto out;
	}
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077) != 0)
		log_warn("checkpoint key %s is readable by others: chmod 600",
		    path);
	if ((k = PEM_read_PrivateKey(f, NULL, NULL, NULL)) == NULL ||
	    !EVP_PKEY_is_a(k, "ED25519")) {
		log_error("checkpoint key %s is not an Ed25519 private key "
		    "in PEM: no checkpoints will be made", path);
		goto out;
	}
	if ((mem = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PUBKEY(mem, k) != 1 ||
	    (n = BIO_pending(mem)) <= 0 || (pem = malloc((size_t)n + 1)) == NULL ||
	    BIO_read(mem, pem, (int)n) != (int)n) {
		log_error("could not derive the checkpoint public key");
		goto out;
	}
	pem[n] = '\0';
	key = k;
	public_pem = pem;
	k = NULL;
	pem = NULL;
	rc = 0;
out:
	free(pem);
	BIO_free(mem);
	EVP_PKEY_free(k);
	if (f != NULL)
		fclose(f);
	return rc;
}

/* The public key as PEM (borrowed, lives until exit), or NULL. */
const char *
checkpoint_public_key(void)
{
	return public_pem;
}

/*
 * Sign `len` bytes of `msg` into `sig` (SIG_LEN bytes).  Returns 0 or -1.
 */
static int
sign(const char *msg, size_t len, unsigned char *sig)
{
	EVP_MD_CTX	*ctx;
	size_t		 siglen = SIG_LEN;
	int		 rc = -1;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) == 1 &&
	    EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)msg,
	    len) == 1 && siglen == SIG_LEN)
		rc = 0;
	EVP_MD_CTX_free(ctx);
	return rc;
}

/*
 * Sign `len` bytes of `msg` with the checkpoint key into `sig` (64
 * bytes): what else the service attests with it (a submission's
 * statement, resources/submissions.c).  Returns 0, or -1 when no key is
 * loaded or signing failed.
 */
int
checkpoint_sign(const char *msg, size_t len, unsigned char sig[SIG_LEN])
{
	if (key == NULL)
		return -1;
	return sign(msg, len, sig);
}

/* ------------------------------------------------------------------ */
/* One round                                                          */
/* ------------------------------------------------------------------ */

/* A growing text buffer for the array literals; abort on no memory. */
struct strbuf {
	char	*p;
	size_t	 len, cap;
};

static void
text_add(struct strbuf *t, const char *s, size_t n)
{
	char	*p;

	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		if ((p = realloc(t->p, t->cap)) == NULL) {
			log_error("checkpoint: out of memory");
			abort();
		}
		t->p = p;
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

/*
 * Load the latest checkpoint into `f` (empty when there is none) and
 * check that its frontier gives its root.  Returns 0, or -1 (logged,
 * with `r` recording a database failure if that was it).
 */
static int
latest_load(struct req *r, struct merkle_frontier *f)
{
	static struct stmt latest = STMT(
	    "SELECT size, encode(root, 'hex') AS root,"
	    " array_to_string(ARRAY(SELECT encode(x, 'hex')"
	    "   FROM unnest(frontier) WITH ORDINALITY AS u(x, i) ORDER BY i),"
	    "   ',') AS frontier"
	    " FROM checkpoints ORDER BY size DESC LIMIT 1", 0);
	unsigned char	 nodes[MERKLE_LEVELS][MERKLE_HASH];
	unsigned char	 root[MERKLE_HASH], want[MERKLE_HASH];
	char		 hex[2 * MERKLE_HASH + 3];
	const char	*s;
	PGresult	*res;
	uint64_t	 size;
	size_t		 n = 0;
	int		 rc = -1;

	merkle_init(f);
	if ((res = db_exec(r, &latest, NULL)) == NULL)
		return -1;
	if (PQntuples(res) == 0) {
		rc = 0;
		goto out;
	}
	size = strtoull(db_get(res, 0, "size"), NULL, 10);
	snprintf(hex, sizeof(hex), "\\x%s", db_get(res, 0, "root"));
	if (bytea_parse(hex, want, MERKLE_HASH) == -1)
		goto bad;
	for (s = db_get(res, 0, "frontier"); *s != '\0' && n < MERKLE_LEVELS;
	    n++) {
		if (strlen(s) < 2 * MERKLE_HASH || (s[2 * MERKLE_HASH] != ',' &&
		    s[2 * MERKLE_HASH] != '\0'))
			goto bad;
		snprintf(hex, sizeof(hex), "\\x%.*s", 2 * MERKLE_HASH, s);
		if (bytea_parse(hex, nodes[n], MERKLE_HASH) == -1)
			goto bad;
		s += 2 * MERKLE_HASH + (s[2 * MERKLE_HASH] == ',');
	}
	if (*s != '\0' || merkle_restore(f, size,
	    (const unsigned char (*)[MERKLE_HASH])nodes, n) == -1)
		goto bad;
	merkle_root(f, root);
	if (memcmp(root, want, MERKLE_HASH) != 0)
		goto bad;
	rc = 0;
	goto out;
bad:
	log_error("checkpoint %s: its frontier does not give its root; "
	    "not extending it", db_get(res, 0, "size"));
out:
	PQclear(res);
	return rc;
}

/*
 * The tiles of one round: the roots of those it completes, from `first`
 * on, and of the partial one it ends in (when its size is not a
 * multiple of MERKLE_TILE), as the frontier gives them.
 */
struct round_tiles {
	uint64_t	 first;		/* the tile the round starts in */
	size_t		 n;		/* completed */
	unsigned char	 root[ROUND_TILES][MERKLE_HASH];
	unsigned char	 partial[MERKLE_HASH];
};

/*
 * Write the tiles of positions [from, to) where they lag behind the
 * checkpoints (a log checkpointed before tiles existed, or by an older
 * checkpointer).  Returns the number of tiles written, or -1 (logged).
 */
static long
tiles_catch_up(struct req *r, uint64_t to)
{
	static struct stmt end = STMT(
	    "SELECT coalesce((SELECT idx * 256 + width FROM log_tiles"
	    " ORDER BY idx DESC, width DESC LIMIT 1), 0) AS tiled", 0);
	static struct stmt add = STMT(
	    "SELECT count(*) AS n FROM log_tiles_add($1, $2)", 2);
	char		 lo[24], hi[24];
	const char	*p[2];
	PGresult	*res;
	uint64_t	 tiled;
	long		 n;

	if ((res = db_exec(r, &end, NULL)) == NULL)
		return -1;
	tiled = strtoull(db_get(res, 0, "tiled"), NULL, 10);
	PQclear(res);
	if (tiled >= to)
		return 0;
	snprintf(lo, sizeof(lo), "%llu", (unsigned long long)tiled);
	snprintf(hi, sizeof(hi), "%llu", (unsigned long long)to);
	p[0] = lo;
	p[1] = hi;
	if ((res = db_exec(r, &add, p)) == NULL)
		return -1;
	n = strtol(db_get(res, 0, "n"), NULL, 10);
	PQclear(res);
	log_info("checkpoint: wrote %ld tiles of the log up to %s", n, hi);
	return n;
}

/*
 * Write the tiles of the leaves [old, size) this round placed and
 * compare the roots the database computed from the placed leaves with
 * `t`'s.  Returns 0, or -1 (logged) when they differ or the statement
 * failed: the caller commits nothing.
 */
static int
tiles_write(struct req *r, uint64_t old, uint64_t size,
    const struct round_tiles *t)
{
	static struct stmt add = STMT(
	    "SELECT idx, width, encode(root, 'hex') AS root"
	    " FROM log_tiles_add($1, $2) ORDER BY idx", 2);
	unsigned char	 got[MERKLE_HASH];
	const unsigned char *want;
	char		 lo[24], hi[24], hex[2 * MERKLE_HASH + 3];
	const char	*p[2];
	PGresult	*res;
	uint64_t	 idx;
	long		 width;
	int		 i, rc = -1;

	snprintf(lo, sizeof(lo), "%llu", (unsigned long long)old);
	snprintf(hi, sizeof(hi), "%llu", (unsigned long long)size);
	p[0] = lo;
	p[1] = hi;
	if ((res = db_exec(r, &add, p)) == NULL)
		return -1;
	for (i = 0; i < PQntuples(res); i++) {
		idx = strtoull(db_get(res, i, "idx"), NULL, 10);
		width = strtol(db_get(res, i, "width"), NULL, 10);
		snprintf(hex, sizeof(hex), "\\x%s", db_get(res, i, "root"));
		if (width == MERKLE_TILE && idx >= t->first &&
		    idx - t->first < t->n)
			want = t->root[idx - t->first];
		else if (width == (long)(size % MERKLE_TILE) &&
		    idx == size / MERKLE_TILE)
			want = t->partial;
		else
			goto bad;
		if (bytea_parse(hex, got, MERKLE_HASH) == -1 ||
		    memcmp(got, want, MERKLE_HASH) != 0)
			goto bad;
	}
	if ((uint64_t)PQntuples(res) != (size - 1) / MERKLE_TILE -
	    old / MERKLE_TILE + 1)
		goto bad;
	rc = 0;
	goto out;
bad:
	log_error("checkpoint %llu: the tiles of the placed leaves do not give "
	    "the roots of the signed tree (were leaves changed?): not "
	    "committing", (unsigned long long)size);
out:
	PQclear(res);
	return rc;
}

/*
 * One checkpoint, if this instance holds the lock and there are unplaced
 * leaves.  Returns the number of leaves placed (0: nothing to do or
 * another instance is at it), or -1 (logged).
 */
static long
checkpoint_round(struct req *r)
{
	static struct stmt lock = STMT(
	    "SELECT pg_try_advisory_xact_lock(checkpoint_lock_key()) AS got", 0);
	static struct stmt unplaced = STMT(
	    "SELECT entity, case_id, seq, encode(leaf, 'hex') AS leaf"
	    " FROM log_unplaced($1)", 1);
	static struct stmt add = STMT(
	    "SELECT checkpoint_add($1, $2, decode($3, 'hex'),"
	    " ARRAY(SELECT decode(x, 'hex') FROM unnest(string_to_array($4, ','))"
	    "   WITH ORDINALITY AS u(x, i) ORDER BY i),"
	    " decode($5, 'hex'), $6, $7, $8::timestamptz, $9::text[],"
	    " $10::bigint[], $11::integer[])", 11);
	struct merkle_frontier	 f, tail;
	struct round_tiles	*tiles = NULL;
	struct strbuf		 ents = { 0 }, ids = { 0 }, seqs = { 0 };
	struct strbuf		 front = { 0 };
	unsigned char		 leaf[MERKLE_HASH], lh[MERKLE_HASH];
	unsigned char		 root[MERKLE_HASH], sig[SIG_LEN];
	char			 hex[2 * MERKLE_HASH + 3], roothex[2 * MERKLE_HASH + 1];
	char			 sighex[2 * SIG_LEN + 1], at[32], msg[256];
	char			 prev[24], size[24], lim[16];
	const char		*p[11], *e;
	PGresult		*res = NULL;
	uint64_t		 old;
	long			 placed = -1, caught;
	int			 i, n, rc;

	if (db_begin(r, TX_WRITE) == -1)
		goto out;
	if ((res = db_exec(r, &lock, NULL)) == NULL)
		goto out;
	if (strcmp(db_get(res, 0, "got"), "t") != 0) {
		placed = 0;
		goto out;
	}
	PQclear(res);
	res = NULL;
	if (latest_load(r, &f) == -1)
		goto out;
	old = f.size;
	if ((caught = tiles_catch_up(r, old)) == -1)
		goto out;
	snprintf(lim, sizeof(lim), "%d", CHECKPOINT_BATCH);
	p[0] = lim;
	if ((res = db_exec(r, &unplaced, p)) == NULL)
		goto out;
	if ((n = PQntuples(res)) == 0) {
		placed = 0;
		if (caught > 0 && db_commit(r) == -1)
			placed = -1;
		goto out;
	}
	if ((tiles = calloc(1, sizeof(*tiles))) == NULL) {
		log_error("checkpoint: out of memory");
		goto out;
	}
	tiles->first = old / MERKLE_TILE;
	text_add(&ents, "{", 1);
	text_add(&ids, "{", 1);
	text_add(&seqs, "{", 1);
	for (i = 0; i < n; i++) {
		snprintf(hex, sizeof(hex), "\\x%s", db_get(res, i, "leaf"));
		if (bytea_parse(hex, leaf, MERKLE_HASH) == -1) {
			log_error("checkpoint: unreadable leaf");
			goto out;
		}
		merkle_leaf_hash(leaf, MERKLE_HASH, lh);
		/* A round completes fewer than ROUND_TILES tiles. */
		if ((rc = merkle_append_tile(&f, lh,
		    tiles->root[tiles->n])) == -1) {
			log_error("checkpoint: the log is full");
			goto out;
		}
		tiles->n += (size_t)rc;
		if (i > 0) {
			text_add(&ents, ",", 1);
			text_add(&ids, ",", 1);
			text_add(&seqs, ",", 1);
		}
		/* A stream's name, quoted: lower-case letters only. */
		e = db_get(res, i, "entity");
		if (*e == '\0' || strspn(e, "abcdefghijklmnopqrstuvwxyz_") !=
		    strlen(e)) {
			log_error("checkpoint: a leaf of no stream's name");
			goto out;
		}
		text_add(&ents, "\"", 1);
		text_add(&ents, e, strlen(e));
		text_add(&ents, "\"", 1);
		text_add(&ids, db_get(res, i, "case_id"),
		    strlen(db_get(res, i, "case_id")));
		text_add(&seqs, db_get(res, i, "seq"),
		    strlen(db_get(res, i, "seq")));
	}
	text_add(&ents, "}", 1);
	text_add(&ids, "}", 1);
	text_add(&seqs, "}", 1);
	PQclear(res);
	res = NULL;

	merkle_tail(&f, &tail);
	merkle_root(&tail, tiles->partial);
	merkle_root(&f, root);
	hex_encode(root, MERKLE_HASH, roothex);
	for (i = 0; i < (int)f.n; i++) {
		hex_encode(f.node[i], MERKLE_HASH, hex);
		if (i > 0)
			text_add(&front, ",", 1);
		text_add(&front, hex, 2 * MERKLE_HASH);
	}
	format_time(now_us(), at);
	snprintf(msg, sizeof(msg), "%s\n%llu\n%s\n%s\n", CHECKPOINT_TAG,
	    (unsigned long long)f.size, roothex, at);
	if (sign(msg, strlen(msg), sig) == -1) {
		log_error("checkpoint: could not sign");
		goto out;
	}
	hex_encode(sig, SIG_LEN, sighex);
	snprintf(prev, sizeof(prev), "%llu", (unsigned long long)old);
	snprintf(size, sizeof(size), "%llu", (unsigned long long)f.size);
	p[0] = prev;
	p[1] = size;
	p[2] = roothex;
	p[3] = front.p;
	p[4] = sighex;
	p[5] = public_pem;
	p[6] = msg;
	p[7] = at;
	p[8] = ents.p;
	p[9] = ids.p;
	p[10] = seqs.p;
	if (db_exec_ok(r, &add, p) == -1 ||
	    tiles_write(r, old, f.size, tiles) == -1 || db_commit(r) == -1)
		goto out;
	placed = (long)(f.size - old);
	log_info("checkpoint size=%llu root=%s leaves=%ld",
	    (unsigned long long)f.size, roothex, placed);
out:
	if (placed == -1 && r->fault != FAULT_NONE)
		log_error("checkpoint: database failure %s", r->sqlstate);
	PQclear(res);
	db_rollback(r);
	free(tiles);
	free(ents.p);
	free(ids.p);
	free(seqs.p);
	free(front.p);
	return placed;
}

/* ------------------------------------------------------------------ */
/* The thread                                                         */
/* ------------------------------------------------------------------ */

/*
 * The thread's round: checkpoints while a whole batch of leaves waits
 * and checkpoint_stop() was not called.
 */
static void
checkpoint_rounds(struct background *b, struct req *r)
{
	while (checkpoint_round(r) >= CHECKPOINT_BATCH &&
	    !background_stopping(b))
		background_req(b, r, NULL);
}

/*
 * Start the checkpointer when it is enabled and the key loaded.  Returns
 * 0 (started, or deliberately not: logged), or -1 when the thread could
 * not be made.
 */
int
checkpoint_start(void)
{
	if (cfg.checkpoint_interval == 0) {
		log_info("checkpoints disabled (checkpoint_interval = 0)");
		return 0;
	}
	if (key == NULL)
		return 0;
	if (background_start(&thread, -1, NULL) == -1)
		return -1;
	log_info("checkpoints every %ld s", cfg.checkpoint_interval);
	return 0;
}

/* Stop the checkpointer, letting a round in progress finish. */
void
checkpoint_stop(void)
{
	background_stop(&thread);
}
