/*
 * verify.c: recomputing the ledger and comparing it with what it must
 * agree with -- every event's hash and chain, the columns beside each
 * record, the case rows' chain heads, the Merkle log's leaves and the
 * signed tree heads (GET /api/v1/audit/verify, ../resources/audit.c).
 *
 * Everything runs in the request's read-only snapshot, so appends that
 * race the reader never look like tampering, and in keyset batches, so
 * memory stays one batch however long the history.
 */
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "../base/base.h"
#include "../front/front.h"
#include "ledger.h"
#include "merkle.h"

#define VERIFY_BATCH	100000	/* rows per statement of verify */
#define LOG_BATCH	100000	/* leaves per statement of the log check */
#define HEADS_BATCH	20000	/* cases per statement of verify */
#define LOG_CHUNK	2000	/* leaves per row of the log check */

/* Microseconds from the Unix epoch to PostgreSQL's (2000-01-01). */
#define PG_EPOCH_US	946684800000000LL

/*
 * One statement walks the scope's events in (case_id, seq) order,
 * streamed a row at a time in keyset batches: the server reads while
 * this thread hashes, and memory holds one row.  The cases' heads are
 * read ahead in batches of their own, in the same order, and merged.  Positions are visited
 * in order, so the first disagreement met is the first bad (case, seq).
 *
 * The log's leaves are compared with the events as sets: each side sums
 * SHA-256(case || seq || hash) over its members (mod 2^256); the walk
 * sums the events, the leaves are summed where they are read anyway (the
 * whole log, in position order, for the Merkle check).  Equal sums and
 * counts mean every leaf is its event's hash.  Only when something
 * disagrees -- or the walk stopped at a bad event -- do the statements
 * below look for the first event whose leaf is wrong, and for case rows
 * and leaves no event has, below the first bad position so far.
 */

static const char *const vscope_names[VS__MAX] = {
	[VS_CASE] = "case", [VS_REGION] = "region", [VS_ALL] = "all",
};

/* The walk's columns, by position. */
enum wcol {
	WC_CASE, WC_SEQ, WC_AT, WC_ACTOR, WC_ROLE, WC_REGION, WC_CASE_REGION,
	WC_EVENT, WC_PHASE, WC_FROM, WC_TO, WC_REQUEST_ID, WC_RECORD,
	WC_PREV, WC_HASH,
	WC__MAX
};

#define WALK_FROM \
	"SELECT e.case_id, e.seq, e.at, e.actor, e.role, e.region," \
	" e.case_region, e.event, e.phase, e.from_state, e.to_state," \
	" e.request_id, e.record, e.prev_hash, e.hash FROM case_events e" \
	" WHERE (e.case_id, e.seq) > ($1, $2) AND e.case_id <= $4"
#define WALK_ORDER	" ORDER BY e.case_id, e.seq LIMIT $3"
#define IN_REGION(col) \
	" " col " >= region_lo($4::char(6)) AND " col " < region_hi($4::char(6))"
#define IN_REGION_TEXT(col, n) \
	" " col "::text >= region_lo($" n "::char(6))::text" \
	" AND " col "::text < region_hi($" n "::char(6))::text"

/*
 * $1, $2: the last key walked; $3: the batch; $4: the last case whose
 * head is at hand; $5: the case or region.  The region walk compares the
 * codes as text on purpose: it must walk the primary key in order and
 * filter, never range-scan the region's index and sort all of it again
 * for every batch.
 */
static struct stmt walk_stmts[VS__MAX] = {
	[VS_CASE] = STMT(WALK_FROM " AND e.case_id = $5" WALK_ORDER, 5),
	[VS_REGION] = STMT(WALK_FROM " AND" IN_REGION_TEXT("e.case_region", "5")
	    WALK_ORDER, 5),
	[VS_ALL] = STMT(WALK_FROM WALK_ORDER, 4),
};

/*
 * The case rows (their heads) from case $1 on, at most $2; $3: the case
 * or region.  Read ahead of the events they head, in the same order: a
 * merge in C costs less than a join for every event.
 */
#define HEADS_FROM \
	"SELECT id, last_seq, last_hash FROM cases c WHERE c.id >= $1"
#define HEADS_ORDER	" ORDER BY c.id LIMIT $2"

static struct stmt head_stmts[VS__MAX] = {
	[VS_CASE] = STMT(HEADS_FROM " AND c.id = $3" HEADS_ORDER, 3),
	[VS_REGION] = STMT(HEADS_FROM " AND" IN_REGION_TEXT("c.region", "3")
	    HEADS_ORDER, 3),
	[VS_ALL] = STMT(HEADS_FROM HEADS_ORDER, 2),
};

/* The scope's leaves, in no particular order ($4: case or region). */
static struct stmt leaf_stmts[VS__MAX] = {
	[VS_CASE] = STMT("SELECT case_id, seq, leaf FROM log_leaves"
	    " WHERE $1::bigint IS NOT NULL AND $2::integer IS NOT NULL"
	    " AND $3::integer IS NOT NULL AND case_id = $4", 4),
	[VS_REGION] = STMT("SELECT case_id, seq, leaf FROM log_leaves"
	    " WHERE $1::bigint IS NOT NULL AND $2::integer IS NOT NULL"
	    " AND $3::integer IS NOT NULL AND" IN_REGION("case_region"), 4),
	/* The placed ones come with the log check. */
	[VS_ALL] = STMT("SELECT case_id, seq, leaf FROM log_leaves"
	    " WHERE $1::bigint IS NOT NULL AND $2::integer IS NOT NULL"
	    " AND $3::integer IS NOT NULL AND idx IS NULL", 3),
};

/* The scope's leaves below ($1, $2), in no particular order. */
static struct stmt leaf_below_stmts[VS__MAX] = {
	[VS_CASE] = STMT("SELECT case_id, seq, leaf FROM log_leaves"
	    " WHERE (case_id, seq) < ($1, $2) AND $3::integer IS NOT NULL"
	    " AND case_id = $4", 4),
	[VS_REGION] = STMT("SELECT case_id, seq, leaf FROM log_leaves"
	    " WHERE (case_id, seq) < ($1, $2) AND $3::integer IS NOT NULL AND"
	    IN_REGION("case_region"), 4),
	[VS_ALL] = STMT("SELECT case_id, seq, leaf FROM log_leaves"
	    " WHERE (case_id, seq) < ($1, $2) AND $3::integer IS NOT NULL", 3),
};

/* $4: the case or region: how many case rows there are. */
static struct stmt count_stmts[VS__MAX] = {
	[VS_CASE] = STMT("SELECT count(*) AS cases FROM cases"
	    " WHERE $1::bigint IS NOT NULL AND $2::integer IS NOT NULL"
	    " AND $3::integer IS NOT NULL AND id = $4", 4),
	[VS_REGION] = STMT("SELECT count(*) AS cases FROM cases"
	    " WHERE $1::bigint IS NOT NULL AND $2::integer IS NOT NULL"
	    " AND $3::integer IS NOT NULL AND" IN_REGION("region"), 4),
	[VS_ALL] = STMT("SELECT count(*) AS cases FROM cases"
	    " WHERE $1::bigint IS NOT NULL AND $2::integer IS NOT NULL"
	    " AND $3::integer IS NOT NULL", 3),
};

#define NO_EVENTS \
	" AND NOT EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id)"
#define NO_EVENT \
	" AND NOT EXISTS (SELECT 1 FROM case_events e" \
	" WHERE e.case_id = l.case_id AND e.seq = l.seq)"

/* The first case row with no event, below case $1; $4: case or region. */
static struct stmt lone_case_stmts[VS__MAX] = {
	[VS_CASE] = STMT("SELECT c.id FROM cases c WHERE c.id < $1"
	    " AND $2::integer IS NOT NULL AND $3::integer IS NOT NULL"
	    " AND c.id = $4" NO_EVENTS " ORDER BY c.id LIMIT 1", 4),
	[VS_REGION] = STMT("SELECT c.id FROM cases c WHERE c.id < $1"
	    " AND $2::integer IS NOT NULL AND $3::integer IS NOT NULL AND"
	    IN_REGION("c.region") NO_EVENTS " ORDER BY c.id LIMIT 1", 4),
	[VS_ALL] = STMT("SELECT c.id FROM cases c WHERE c.id < $1"
	    " AND $2::integer IS NOT NULL AND $3::integer IS NOT NULL"
	    NO_EVENTS " ORDER BY c.id LIMIT 1", 3),
};

/* The first leaf with no event, below ($1, $2); $4: case or region. */
static struct stmt lone_leaf_stmts[VS__MAX] = {
	[VS_CASE] = STMT("SELECT l.case_id, l.seq FROM log_leaves l"
	    " WHERE (l.case_id, l.seq) < ($1, $2) AND $3::integer IS NOT NULL"
	    " AND l.case_id = $4" NO_EVENT
	    " ORDER BY l.case_id, l.seq LIMIT 1", 4),
	[VS_REGION] = STMT("SELECT l.case_id, l.seq FROM log_leaves l"
	    " WHERE (l.case_id, l.seq) < ($1, $2) AND $3::integer IS NOT NULL"
	    " AND" IN_REGION_TEXT("l.case_region", "4") NO_EVENT
	    " ORDER BY l.case_id, l.seq LIMIT 1", 4),
	[VS_ALL] = STMT("SELECT l.case_id, l.seq FROM log_leaves l"
	    " WHERE (l.case_id, l.seq) < ($1, $2) AND $3::integer IS NOT NULL"
	    NO_EVENT " ORDER BY l.case_id, l.seq LIMIT 1", 3),
};

#define WRONG_LEAF \
	"SELECT e.case_id, e.seq, l.leaf IS NULL AS missing FROM case_events e" \
	" LEFT JOIN log_leaves l ON l.case_id = e.case_id AND l.seq = e.seq" \
	" WHERE (e.case_id, e.seq) < ($1, $2) AND $3::integer IS NOT NULL" \
	" AND l.leaf IS DISTINCT FROM e.hash"

/* The first event whose leaf is missing or not its hash, below ($1, $2). */
static struct stmt wrong_leaf_stmts[VS__MAX] = {
	[VS_CASE] = STMT(WRONG_LEAF " AND e.case_id = $4"
	    " ORDER BY e.case_id, e.seq LIMIT 1", 4),
	[VS_REGION] = STMT(WRONG_LEAF " AND" IN_REGION_TEXT("e.case_region",
	    "4")
	    " ORDER BY e.case_id, e.seq LIMIT 1", 4),
	[VS_ALL] = STMT(WRONG_LEAF " ORDER BY e.case_id, e.seq LIMIT 1", 3),
};

/* A position in (case_id, seq) order. */
struct pos {
	int64_t		 c;
	int32_t		 s;
};

static int
pos_cmp(struct pos a, struct pos b)
{
	if (a.c != b.c)
		return a.c < b.c ? -1 : 1;
	return a.s < b.s ? -1 : a.s > b.s;
}

static int64_t
be64(const char *p)
{
	uint64_t	 v = 0;
	int		 i;

	for (i = 0; i < 8; i++)
		v = v << 8 | (unsigned char)p[i];
	return (int64_t)v;
}

static int32_t
be32(const char *p)
{
	uint32_t	 v;

	memcpy(&v, p, 4);
	return (int32_t)ntohl(v);
}

/* A sum of 256-bit numbers mod 2^256, little-endian 64-bit limbs. */
struct setsum {
	uint64_t	 w[4];
};

/* A batch of case heads, in id order, and how far the walk is in it. */
struct heads {
	PGresult	*res;
	int		 n, k;
	int64_t		 last;		/* the batch covers cases up to this */
};

/* The whole verification's state. */
struct verify {
	struct req		*r;
	enum vscope		 scope;
	const char		*filter;	/* case id or region, as text */
	struct chain_hasher	 h;
	struct heads		 heads;
	/* The case being walked. */
	int64_t			 cur;		/* 0: none yet */
	int32_t			 cur_seq;	/* its last event so far */
	unsigned char		 cur_hash[CHAIN_LEN];
	int			 head_known;	/* its cases row was found */
	int32_t			 head_seq;
	unsigned char		 head_hash[CHAIN_LEN];
	/* What was met, and the outcome. */
	long long		 checked, cases, leaves;
	struct setsum		 events_sum, leaves_sum;
	int			 bad;
	struct pos		 bad_at;
	const char		*reason;
	/* The record without its payload, rebuilt from the columns. */
	char			*sk;
};

/*
 * Add the member (case, seq, hash) to `sum`: SHA-256(int8 case || int4
 * seq || hash) as a number.  Returns 0, or -1 when hashing failed.
 */
static int
setsum_add(struct verify *v, struct setsum *sum, int64_t c, int32_t seq,
    const void *hash)
{
	unsigned char	 in[8 + 4 + CHAIN_LEN], h[32];
	uint64_t	 limb, carry = 0, t;
	int		 i, j;

	for (i = 0; i < 8; i++)
		in[i] = (unsigned char)((uint64_t)c >> (56 - 8 * i));
	for (i = 0; i < 4; i++)
		in[8 + i] = (unsigned char)((uint32_t)seq >> (24 - 8 * i));
	memcpy(in + 12, hash, CHAIN_LEN);
	if (EVP_DigestInit_ex2(v->h.ctx, v->h.md, NULL) != 1 ||
	    EVP_DigestUpdate(v->h.ctx, in, sizeof(in)) != 1 ||
	    EVP_DigestFinal_ex(v->h.ctx, h, NULL) != 1)
		return -1;
	for (i = 0; i < 4; i++) {
		for (limb = 0, j = 7; j >= 0; j--)
			limb = limb << 8 | h[8 * i + j];
		t = sum->w[i] + limb;
		carry = (t < limb) + ((sum->w[i] = t + carry) < t);
	}
	return 0;
}

/* Record a bad position, keeping the first in (case_id, seq) order. */
static void
verify_bad(struct verify *v, struct pos at, const char *reason)
{
	if (v->bad && pos_cmp(v->bad_at, at) <= 0)
		return;
	v->bad = 1;
	v->bad_at = at;
	v->reason = reason;
}

/* ---- the columns against the record ------------------------------- */

/*
 * Whether the `n` bytes at `p` are one JSON object and nothing after it:
 * a '{' whose matching '}' is the last byte, strings skipped.  (The
 * insert trigger parsed the record; this only rules out a payload that
 * would smuggle top-level keys past the comparison around it.)
 */
static int
one_object(const char *p, size_t n)
{
	const char	*e = p + n, *q;
	size_t		 bs;
	int		 depth = 0;

	if (n < 2 || p[0] != '{' || p[n - 1] != '}')
		return 0;
	for (; p < e; p++) {
		switch (*p) {
		case '"':
			/* To the closing quote: one not escaped by a '\'. */
			do {
				q = memchr(p + 1, '"', (size_t)(e - p - 1));
				if (q == NULL)
					return 0;
				for (bs = 0; q - 1 - bs > p && q[-1 - (long)bs] ==
				    '\\'; bs++)
					continue;
				p = q;
			} while (bs % 2 == 1);
			break;
		case '{':
		case '[':
			depth++;
			break;
		case '}':
		case ']':
			if (--depth < 0 || (depth == 0 && p != e - 1))
				return 0;
			break;
		}
	}
	return depth == 0;
}

/*
 * Whether the event's columns say what its record says: the record
 * without its payload is rebuilt from the columns by the writer's own
 * record_skeleton() (record.c) and compared around the payload, byte
 * for byte -- no JSON parse per row.
 */
static int
columns_agree(struct verify *v, const PGresult *res)
{
	const char		*rec = PQgetvalue(res, 0, WC_RECORD);
	size_t			 len = (size_t)PQgetlength(res, 0, WC_RECORD);
	size_t			 pre, post;
	struct record_head	 h;
	long			 n;

#define COL(c)	(struct text){ PQgetvalue(res, 0, (c)), \
	    (size_t)PQgetlength(res, 0, (c)) }
	h.actor = be64(PQgetvalue(res, 0, WC_ACTOR));
	h.at_us = be64(PQgetvalue(res, 0, WC_AT)) + PG_EPOCH_US;
	h.id = be64(PQgetvalue(res, 0, WC_CASE));
	h.scope_region = COL(WC_CASE_REGION);
	h.event = COL(WC_EVENT);
	h.from = PQgetisnull(res, 0, WC_FROM) ? (struct text){ NULL, 0 } :
	    COL(WC_FROM);
	h.phase = COL(WC_PHASE);
	h.region = COL(WC_REGION);
	h.request_id = COL(WC_REQUEST_ID);
	h.role = COL(WC_ROLE);
	h.seq = be32(PQgetvalue(res, 0, WC_SEQ));
	h.to = COL(WC_TO);
#undef COL
	if ((n = record_skeleton(v->sk, RECORD_HEAD_MAX, LEDGER_CASE, &h,
	    &pre)) < 0)
		return 0;
	/* v->sk: the part before the payload (pre bytes), then after it. */
	post = (size_t)n - pre;
	return len > (size_t)n && memcmp(rec, v->sk, pre) == 0 &&
	    memcmp(rec + len - post, v->sk + pre, post) == 0 &&
	    one_object(rec + pre, len - (size_t)n);
}

/* ---- the walk ----------------------------------------------------- */

/* The case walked so far is done: its head must name its last event. */
static void
finish_case(struct verify *v)
{
	struct pos	 at = { v->cur, 0 };

	if (v->cur == 0 || !v->head_known)
		return;
	if (v->head_seq > v->cur_seq) {
		at.s = v->cur_seq + 1;
		verify_bad(v, at, "the case's head names events the history "
		    "lacks (the last ones deleted?)");
	} else if (v->head_seq < v->cur_seq) {
		at.s = v->head_seq + 1;
		verify_bad(v, at, "the history goes on past the case's head");
	} else if (memcmp(v->head_hash, v->cur_hash, CHAIN_LEN) != 0) {
		at.s = v->cur_seq;
		verify_bad(v, at, "the case's head hash is not its last "
		    "event's hash");
	}
}

/*
 * Read the heads of the cases from `from` on (HEADS_BATCH of them) into
 * v->heads.  Returns 0, or -1 with the failure recorded.
 */
static int
heads_fetch(struct verify *v, int64_t from)
{
	struct heads	*h = &v->heads;
	char		 c[24], lim[16];
	const char	*p[3];

	PQclear(h->res);
	h->res = NULL;
	h->n = h->k = 0;
	snprintf(c, sizeof(c), "%lld", (long long)from);
	snprintf(lim, sizeof(lim), "%d", HEADS_BATCH);
	p[0] = c;
	p[1] = lim;
	p[2] = v->filter;
	if ((h->res = db_exec_binary(v->r, &head_stmts[v->scope], p)) == NULL)
		return -1;
	h->n = PQntuples(h->res);
	/* A short batch holds every case there is from `from` on. */
	h->last = h->n == HEADS_BATCH ? be64(PQgetvalue(h->res, h->n - 1, 0)) :
	    INT64_MAX;
	return 0;
}

/* Start walking case `at.c`: its head, if it has a case row. */
static void
start_case(struct verify *v, struct pos at)
{
	struct heads	*h = &v->heads;

	v->cur = at.c;
	v->cur_seq = 0;
	memset(v->cur_hash, 0, CHAIN_LEN);
	/* Heads before it belong to cases without events: verify_rest. */
	while (h->k < h->n && be64(PQgetvalue(h->res, h->k, 0)) < at.c)
		h->k++;
	v->head_known = h->k < h->n &&
	    be64(PQgetvalue(h->res, h->k, 0)) == at.c;
	if (!v->head_known) {
		verify_bad(v, at, "the events belong to no case row (deleted?)");
		return;
	}
	v->cases++;
	v->head_seq = be32(PQgetvalue(h->res, h->k, 1));
	if (PQgetlength(h->res, h->k, 2) == CHAIN_LEN)
		memcpy(v->head_hash, PQgetvalue(h->res, h->k, 2), CHAIN_LEN);
	else
		memset(v->head_hash, 0xff, CHAIN_LEN);
}

/*
 * Check the event row `res` at `at`, in the order a reader would: its
 * place in the sequence, its link to the previous hash, its own hash,
 * its columns; then count it into the set the leaves must equal.
 * Returns 0 (v->bad tells), or -1 when hashing failed (no memory).
 */
static int
check_event(struct verify *v, const PGresult *res, struct pos at)
{
	const unsigned char	*prev, *hash;
	unsigned char		 want[CHAIN_LEN];

	prev = (const unsigned char *)PQgetvalue(res, 0, WC_PREV);
	hash = (const unsigned char *)PQgetvalue(res, 0, WC_HASH);
	if (at.s != v->cur_seq + 1) {
		at.s = v->cur_seq + 1;
		verify_bad(v, at, "an event is missing: the sequence has a gap");
		return 0;
	}
	if (PQgetlength(res, 0, WC_PREV) != CHAIN_LEN ||
	    PQgetlength(res, 0, WC_HASH) != CHAIN_LEN ||
	    memcmp(prev, v->cur_hash, CHAIN_LEN) != 0) {
		verify_bad(v, at, "prev_hash is not the previous event's hash");
		return 0;
	}
	if (chain_hash_with(&v->h, LEDGER_CASE, at.c, at.s, prev,
	    PQgetvalue(res, 0, WC_RECORD), (size_t)PQgetlength(res, 0,
	    WC_RECORD), want) == -1)
		return -1;
	if (memcmp(want, hash, CHAIN_LEN) != 0) {
		verify_bad(v, at, "the hash does not match the record");
		return 0;
	}
	if (!columns_agree(v, res)) {
		verify_bad(v, at, "the columns disagree with the record");
		return 0;
	}
	if (setsum_add(v, &v->events_sum, at.c, at.s, hash) == -1)
		return -1;
	v->cur_seq = at.s;
	memcpy(v->cur_hash, hash, CHAIN_LEN);
	v->checked++;
	return 0;
}

/*
 * Walk every event of the scope, to the end or the first bad position:
 * a batch of heads, then the events of those cases in batches, then the
 * next heads.  Returns 0 (v->bad tells), or -1 with the failure recorded
 * in the request.
 */
static int
verify_walk(struct verify *v)
{
	struct pos	 at = { 0, 0 };
	PGresult	*res;
	char		 c[24], s[16], lim[16], last[24];
	const char	*p[5];
	long		 n;
	int		 failed = 0, rc = 0;

	snprintf(lim, sizeof(lim), "%d", VERIFY_BATCH);
	if (heads_fetch(v, 0) == -1)
		return -1;
	for (;;) {
		snprintf(c, sizeof(c), "%lld", (long long)at.c);
		snprintf(s, sizeof(s), "%d", (int)at.s);
		snprintf(last, sizeof(last), "%lld", (long long)v->heads.last);
		p[0] = c;
		p[1] = s;
		p[2] = lim;
		p[3] = last;
		p[4] = v->filter;
		if (db_stream_open(v->r, &walk_stmts[v->scope], p) == -1)
			return -1;
		for (n = 0; (res = db_stream_next(v->r, &failed)) != NULL;
		    n++) {
			at.c = be64(PQgetvalue(res, 0, WC_CASE));
			at.s = be32(PQgetvalue(res, 0, WC_SEQ));
			if (at.c != v->cur) {
				finish_case(v);
				if (!v->bad)
					start_case(v, at);
			}
			if (!v->bad && check_event(v, res, at) == -1)
				rc = -1;
			PQclear(res);
			if (v->bad || rc == -1) {
				db_stream_close(v->r);
				break;
			}
		}
		if (failed)
			return -1;
		if (rc == -1) {
			req_fail(v->r, "verify: could not hash an event");
			return -1;
		}
		if (v->bad)
			return 0;
		if (n == VERIFY_BATCH)
			continue;
		/* These heads' cases are done: the next heads, if any. */
		if (v->heads.last == INT64_MAX)
			break;
		at.c = v->heads.last;
		at.s = INT32_MAX;
		if (heads_fetch(v, at.c + 1) == -1)
			return -1;
	}
	finish_case(v);
	return 0;
}

/*
 * Sum the leaves statement `st` gives (with `below` as $1, $2) into
 * `sum` and count them into `n`.  Returns 0, or -1 with the failure
 * recorded.
 */
static int
sum_leaves(struct verify *v, struct stmt *st, struct pos below,
    struct setsum *sum, long long *n)
{
	PGresult	*res;
	char		 c[24], s[16];
	const char	*p[4];
	int		 failed = 0;

	snprintf(c, sizeof(c), "%lld", (long long)below.c);
	snprintf(s, sizeof(s), "%d", (int)below.s);
	p[0] = c;
	p[1] = s;
	p[2] = "0";
	p[3] = v->filter;
	if (db_stream_open(v->r, st, p) == -1)
		return -1;
	while ((res = db_stream_next(v->r, &failed)) != NULL) {
		/*
		 * A leaf that is no hash, or a hash that failed, only makes
		 * the sums differ: verify_rest then finds the event.
		 */
		if (PQgetlength(res, 0, 2) == CHAIN_LEN)
			(void)setsum_add(v, sum, be64(PQgetvalue(res, 0, 0)),
			    be32(PQgetvalue(res, 0, 1)), PQgetvalue(res, 0, 2));
		(*n)++;
		PQclear(res);
	}
	return failed ? -1 : 0;
}

/*
 * Sum the scope's leaves the log check does not read: all of them for a
 * case or a region, the unplaced ones for everything.  Returns 0, or -1
 * with the failure recorded.
 */
static int
verify_leaves(struct verify *v)
{
	static const struct pos	 any = { 0, 0 };

	return sum_leaves(v, &leaf_stmts[v->scope], any, &v->leaves_sum,
	    &v->leaves);
}

/*
 * What the walk cannot see by itself: case rows without events, leaves
 * without events, events whose leaf is wrong.  Below the first bad
 * position so far (or everywhere, when there is none), the leaves must
 * be exactly the events the walk verified: equal counts and sums say so
 * at the price of reading the leaves; only when they differ do the
 * statements that find the first wrong or lone leaf run, which cost a
 * look-up per event.  Returns 0, or -1 with the failure recorded.
 */
static int
verify_rest(struct verify *v)
{
	PGresult	*res;
	struct setsum	 below_sum;
	struct pos	 at, below = { INT64_MAX, INT32_MAX };
	long long	 below_n = 0;
	char		 c[24], s[16];
	const char	*p[4];
	int		 leaves_ok, cases_ok = 0;

	p[0] = "0";
	p[1] = "0";
	p[2] = "0";
	p[3] = v->filter;
	if (!v->bad) {
		if ((res = db_exec(v->r, &count_stmts[v->scope], p)) == NULL)
			return -1;
		cases_ok = strtoll(db_get(res, 0, "cases"), NULL, 10) ==
		    v->cases;
		PQclear(res);
		leaves_ok = v->leaves == v->checked &&
		    memcmp(&v->leaves_sum, &v->events_sum,
		    sizeof(v->leaves_sum)) == 0;
	} else {
		below = v->bad_at;
		memset(&below_sum, 0, sizeof(below_sum));
		if (sum_leaves(v, &leaf_below_stmts[v->scope], below,
		    &below_sum, &below_n) == -1)
			return -1;
		leaves_ok = below_n == v->checked && memcmp(&below_sum,
		    &v->events_sum, sizeof(below_sum)) == 0;
	}
	snprintf(c, sizeof(c), "%lld", (long long)below.c);
	snprintf(s, sizeof(s), "%d", (int)below.s);
	p[0] = c;
	p[1] = s;
	if (!leaves_ok) {
		if ((res = db_exec_binary(v->r, &wrong_leaf_stmts[v->scope],
		    p)) == NULL)
			return -1;
		if (PQntuples(res) == 1) {
			at.c = be64(PQgetvalue(res, 0, 0));
			at.s = be32(PQgetvalue(res, 0, 1));
			verify_bad(v, at, *PQgetvalue(res, 0, 2) ?
			    "the event has no leaf in the log" :
			    "the event's leaf in the log is not its hash");
		}
		PQclear(res);
		if ((res = db_exec_binary(v->r, &lone_leaf_stmts[v->scope],
		    p)) == NULL)
			return -1;
		if (PQntuples(res) == 1) {
			at.c = be64(PQgetvalue(res, 0, 0));
			at.s = be32(PQgetvalue(res, 0, 1));
			verify_bad(v, at, "the log holds an event the history "
			    "lacks (deleted?)");
		}
		PQclear(res);
	}
	if (!cases_ok) {
		if ((res = db_exec_binary(v->r, &lone_case_stmts[v->scope],
		    p)) == NULL)
			return -1;
		if (PQntuples(res) == 1) {
			at.c = be64(PQgetvalue(res, 0, 0));
			at.s = 1;
			verify_bad(v, at, "the case has no events (deleted?)");
		}
		PQclear(res);
	}
	return 0;
}

/* ---- the whole log against the signed checkpoints ----------------- */

struct logcheck {
	long long	 size;		/* latest checkpoint's, 0: none */
	char		 root[2 * MERKLE_HASH + 1];
	int		 ok;
	long long	 bad_from, bad_to;	/* leaf positions, when not ok */
	const char	*reason;
};

/*
 * Whether checkpoint row `i` of `res` (size, root, signature,
 * public_key, message) carries a message naming its size and root, and
 * a signature over it that verifies with the key it names.
 */
static int
signature_ok(const PGresult *res, int i)
{
	const char	*msg = PQgetvalue(res, i, 4);
	char		 want[160], roothex[2 * MERKLE_HASH + 1];
	EVP_PKEY	*pub = NULL;
	EVP_MD_CTX	*ctx = NULL;
	BIO		*bio = NULL;
	int		 ok = 0;

	if (PQgetlength(res, i, 1) != MERKLE_HASH)
		return 0;
	hex_encode((const unsigned char *)PQgetvalue(res, i, 1), MERKLE_HASH,
	    roothex);
	snprintf(want, sizeof(want), "paicha-checkpoint/v1\n%lld\n%s\n",
	    (long long)be64(PQgetvalue(res, i, 0)), roothex);
	if (strncmp(msg, want, strlen(want)) != 0)
		return 0;
	if ((bio = BIO_new_mem_buf(PQgetvalue(res, i, 3),
	    PQgetlength(res, i, 3))) == NULL ||
	    (pub = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL)) == NULL ||
	    (ctx = EVP_MD_CTX_new()) == NULL)
		goto out;
	ok = EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pub) == 1 &&
	    EVP_DigestVerify(ctx, (const unsigned char *)PQgetvalue(res, i, 2),
	    (size_t)PQgetlength(res, i, 2), (const unsigned char *)msg,
	    (size_t)PQgetlength(res, i, 4)) == 1;
out:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pub);
	BIO_free(bio);
	return ok;
}

static void
log_bad(struct logcheck *lc, long long from, long long to,
    const char *reason)
{
	lc->ok = 0;
	lc->bad_from = from;
	lc->bad_to = to;
	lc->reason = reason;
}

/*
 * A one-dimensional array in binary (array_send) at `p`, `len` bytes,
 * of elements of `width` bytes, none NULL: its length, with *data at the
 * first element's length word.  Returns -1 when it is not that.
 */
static long
array_open(const char *p, int len, int width, const char **data)
{
	long	 n;

	if (len < 12 || be32(p) != 1 || be32(p + 4) != 0 || len < 20)
		return -1;
	n = be32(p + 12);
	if (n < 0 || (long)len != 20 + n * (4 + width))
		return -1;
	*data = p + 20;
	return n;
}

/*
 * Fold one chunk row (log_chunk's arrays) into `f`, comparing the root
 * at each checkpoint of `cr` (from *j on) it reaches, and sum the leaves
 * in the user's scope into the leaves' set.  After a Merkle failure the
 * leaves are still summed.
 */
static void
log_chunk_fold(struct verify *v, struct merkle_frontier *f,
    const PGresult *res, const PGresult *cr, int *j, long long *prev,
    struct logcheck *lc)
{
	unsigned char	 lh[MERKLE_HASH], root[MERKLE_HASH];
	const char	*ix = NULL, *cs = NULL, *sq = NULL, *mn = NULL, *lf;
	long		 n, i;

	if (PQgetisnull(res, 0, 0))
		return;
	if ((n = array_open(PQgetvalue(res, 0, 0), PQgetlength(res, 0, 0), 8,
	    &ix)) < 0 ||
	    array_open(PQgetvalue(res, 0, 1), PQgetlength(res, 0, 1), 8,
	    &cs) != n ||
	    array_open(PQgetvalue(res, 0, 2), PQgetlength(res, 0, 2), 4,
	    &sq) != n ||
	    array_open(PQgetvalue(res, 0, 3), PQgetlength(res, 0, 3), 1,
	    &mn) != n ||
	    PQgetlength(res, 0, 4) != n * MERKLE_HASH) {
		if (lc->ok)
			log_bad(lc, *prev, (long long)f->size + 1,
			    "a leaf in the log is not a hash");
		return;
	}
	lf = PQgetvalue(res, 0, 4);
	for (i = 0; i < n; i++, lf += MERKLE_HASH) {
		if (mn[5 * i + 4] == 1) {
			/* A failed hash only makes the sums differ. */
			(void)setsum_add(v, &v->leaves_sum,
			    be64(cs + 12 * i + 4), be32(sq + 8 * i + 4), lf);
			v->leaves++;
		}
		if (!lc->ok)
			continue;
		if (be64(ix + 12 * i + 4) != (long long)f->size) {
			log_bad(lc, *prev, (long long)f->size + 1,
			    "log positions are missing");
			continue;
		}
		merkle_leaf_hash(lf, MERKLE_HASH, lh);
		merkle_append(f, lh);
		for (; lc->ok && *j < PQntuples(cr) &&
		    be64(PQgetvalue(cr, *j, 0)) == (long long)f->size; (*j)++) {
			merkle_root(f, root);
			if (PQgetlength(cr, *j, 1) != MERKLE_HASH ||
			    memcmp(root, PQgetvalue(cr, *j, 1), MERKLE_HASH) != 0)
				log_bad(lc, *prev, (long long)f->size,
				    "the log does not give a signed "
				    "checkpoint's root");
			else
				*prev = (long long)f->size;
		}
	}
}

/*
 * Fold the placed leaves [lo, hi) into `f` (which holds lo of them):
 * the checkpoints in (lo, hi] first, then the leaves streamed in chunks
 * of CHUNK small enough to sit in the socket's buffer, so PostgreSQL
 * gathers the next while this thread hashes.  Returns 0 (lc tells), or
 * -1 with the failure recorded.
 */
static int
log_range_check(struct verify *v, struct merkle_frontier *f, long long lo,
    long long hi, long long *prev, struct logcheck *lc)
{
	static struct stmt cps = STMT(
	    "SELECT size, root FROM checkpoints WHERE size > $1 AND size <= $2"
	    " ORDER BY size", 2);
	static struct stmt chunks = STMT(
	    "SELECT c.idxs, c.cases, c.seqs, c.mine, c.leaves"
	    " FROM generate_series($1::bigint, $2::bigint - 1, $3::bigint) g,"
	    " LATERAL log_chunk(g, least(g + $3::bigint, $2::bigint)) c"
	    " ORDER BY g", 3);
	char		 a[24], b[24], step[16];
	const char	*p[3];
	PGresult	*cr, *res;
	int		 j = 0, failed = 0, rc = -1;

	snprintf(a, sizeof(a), "%lld", lo);
	snprintf(b, sizeof(b), "%lld", hi);
	snprintf(step, sizeof(step), "%d", LOG_CHUNK);
	p[0] = a;
	p[1] = b;
	p[2] = step;
	if ((cr = db_exec_binary(v->r, &cps, p)) == NULL)
		return -1;
	if (db_stream_open(v->r, &chunks, p) == -1)
		goto out;
	while ((res = db_stream_next(v->r, &failed)) != NULL) {
		log_chunk_fold(v, f, res, cr, &j, prev, lc);
		PQclear(res);
	}
	if (failed)
		goto out;
	if (lc->ok && ((long long)f->size != hi || j < PQntuples(cr)))
		log_bad(lc, *prev, hi, "log positions are missing below a "
		    "checkpoint");
	rc = 0;
out:
	PQclear(cr);
	return rc;
}

/*
 * Rebuild the Merkle tree from every placed leaf, in position order, and
 * compare its root at each checkpoint's size with the root stored there;
 * then the latest checkpoint: nothing placed beyond it, its signature
 * verifies, and this service's key made it.  Fills `lc`.  Returns 0, or
 * -1 with the failure recorded.
 */
static int
verify_log(struct verify *v, struct logcheck *lc)
{
	static struct stmt latest = STMT(
	    "SELECT size, root, signature, public_key, message FROM checkpoints"
	    " ORDER BY size DESC LIMIT 1", 0);
	static struct stmt beyond = STMT(
	    "SELECT (SELECT idxs IS NOT NULL"
	    " FROM log_chunk($1, 9223372036854775807)) AS placed", 1);
	struct merkle_frontier	 f;
	PGresult		*res = NULL, *lr = NULL;
	char			 lo[24];
	const char		*p[1];
	long long		 size = 0, at, prev = 0;
	int			 rc = -1;

	memset(lc, 0, sizeof(*lc));
	lc->ok = 1;
	merkle_init(&f);
	if ((res = db_exec_binary(v->r, &latest, NULL)) == NULL)
		goto out;
	if (PQntuples(res) == 1)
		size = be64(PQgetvalue(res, 0, 0));
	snprintf(lo, sizeof(lo), "%lld", size);
	p[0] = lo;
	if ((lr = db_exec(v->r, &beyond, p)) == NULL)
		goto out;
	for (at = 0; at < size; at += LOG_BATCH)
		if (log_range_check(v, &f, at, at + LOG_BATCH < size ?
		    at + LOG_BATCH : size, &prev, lc) == -1)
			goto out;
	rc = 0;
	if (!lc->ok)
		goto out;
	lc->size = size;
	if (size > 0)
		hex_encode((const unsigned char *)PQgetvalue(res, 0, 1),
		    MERKLE_HASH, lc->root);
	if (strcmp(db_get(lr, 0, "placed"), "t") == 0)
		log_bad(lc, size, size + 1, "leaves are placed past the "
		    "latest checkpoint");
	else if (size > 0 && !signature_ok(res, 0))
		log_bad(lc, size, size, "the latest checkpoint's signature "
		    "does not verify");
	else if (size > 0 && checkpoint_public_key() != NULL &&
	    strcmp(checkpoint_public_key(), PQgetvalue(res, 0, 3)) != 0)
		log_bad(lc, size, size, "the latest checkpoint is not signed "
		    "by this service's key");
out:
	PQclear(res);
	PQclear(lr);
	return rc;
}

/* ---- the run ------------------------------------------------------- */

/*
 * Whether the scope names something the user may see: the case (a case
 * row or an event of it), or a region inside the user's.  Returns 1, 0,
 * or -1 with the failure recorded.
 */
static int
verify_visible(struct verify *v)
{
	static struct stmt the_case = STMT(
	    "SELECT EXISTS (SELECT 1 FROM cases WHERE id = $1)"
	    " OR EXISTS (SELECT 1 FROM case_events WHERE case_id = $1) AS ok",
	    1);
	static struct stmt region = STMT(
	    "SELECT in_scope($1::char(6))"
	    " AND EXISTS (SELECT 1 FROM regions WHERE code = $1) AS ok", 1);
	const char	*p[1];
	PGresult	*res;
	int		 ok;

	if (v->scope == VS_ALL)
		return 1;
	p[0] = v->filter;
	if ((res = db_exec(v->r, v->scope == VS_CASE ? &the_case : &region,
	    p)) == NULL)
		return -1;
	ok = strcmp(db_get(res, 0, "ok"), "t") == 0;
	PQclear(res);
	return ok;
}

/* The answer: {"ok", "checked", ...} and, when not ok, where and why. */
static json_t *
verify_json(const struct verify *v, const struct logcheck *lc, double secs)
{
	json_t	*o;

	o = json_pack("{s:b, s:I, s:I, s:s, s:f}", "ok", !v->bad && lc->ok,
	    "checked", (json_int_t)v->checked, "cases", (json_int_t)v->cases,
	    "scope", vscope_names[v->scope], "seconds", secs);
	if (o == NULL)
		return NULL;
	if (v->bad) {
		json_object_set_new(o, "first_bad", json_pack("{s:I, s:i}",
		    "case", (json_int_t)v->bad_at.c, "seq", (int)v->bad_at.s));
		json_object_set_new(o, "reason", json_string(v->reason));
		return o;
	}
	if (!lc->ok) {
		json_object_set_new(o, "first_bad", json_null());
		json_object_set_new(o, "reason", json_string(lc->reason));
		json_object_set_new(o, "bad_leaves", json_pack("{s:I, s:I}",
		    "from", (json_int_t)lc->bad_from,
		    "to", (json_int_t)lc->bad_to));
	}
	if (v->scope == VS_ALL)
		json_object_set_new(o, "checkpoint", lc->size > 0 ?
		    json_pack("{s:I, s:s, s:b}", "size", (json_int_t)lc->size,
		    "root", lc->root, "ok", lc->ok) : json_null());
	return o;
}

/* Seconds since `t0` (CLOCK_MONOTONIC). */
static double
since(const struct timespec *t0)
{
	struct timespec	 t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	    (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/*
 * Verify the `scope` (`filter`: the case id or region code as text; NULL
 * for VS_ALL) in the request's read-only snapshot: every chain
 * recomputed, the case rows' heads, the log's leaves and, for the whole
 * log, the signed tree heads.  Returns the answer (a new reference) and
 * *found 1; NULL with *found 0 when the scope names nothing the user
 * may see; NULL with *found -1 on a failure (recorded in `r`).
 */
json_t *
verify_run(struct req *r, enum vscope scope, const char *filter, int *found)
{
	/*
	 * The keyset batches must walk their index.  Planned for the first
	 * key (0), a custom plan may instead sort the whole scope to return
	 * the first batch: the planner cannot know how many rows the
	 * region's filter admits.  The generic plan walks the index from
	 * whatever key it is given.
	 */
	static struct stmt generic = STMT(
	    "SELECT set_config('plan_cache_mode', 'force_generic_plan', true)",
	    0);
	struct verify	*v = NULL;
	struct logcheck	 lc;
	struct timespec	 t0;
	json_t		*o = NULL;
	double		 tw, tl, tr;
	int		 vis;

	*found = -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((v = calloc(1, sizeof(*v))) == NULL ||
	    (v->sk = malloc(RECORD_HEAD_MAX)) == NULL ||
	    chain_hasher_open(&v->h) == -1) {
		req_fail(r, "verify: out of memory");
		goto out;
	}
	v->r = r;
	v->scope = scope;
	v->filter = filter;
	memset(&lc, 0, sizeof(lc));
	lc.ok = 1;
	if (db_exec_ok(r, &generic, NULL) == -1 ||
	    (vis = verify_visible(v)) == -1)
		goto out;
	if (vis == 0) {
		*found = 0;
		goto out;
	}
	if (verify_walk(v) == -1)
		goto out;
	tw = since(&t0);
	if (!v->bad && v->scope == VS_ALL && verify_log(v, &lc) == -1)
		goto out;
	tl = since(&t0);
	if ((!v->bad && verify_leaves(v) == -1) || verify_rest(v) == -1)
		goto out;
	tr = since(&t0);
	log_info("request %s: verify %s%s%s checked=%lld ok=%d walk=%.3fs "
	    "log=%.3fs rest=%.3fs", r->id, vscope_names[v->scope],
	    v->filter != NULL ? " " : "", v->filter != NULL ? v->filter : "",
	    v->checked, !v->bad && lc.ok, tw, tl - tw, tr - tl);
	if (v->bad || !lc.ok)
		log_warn("request %s: verify %s %s: %s", r->id,
		    vscope_names[v->scope], v->filter != NULL ? v->filter : "",
		    v->bad ? v->reason : lc.reason);
	if ((o = verify_json(v, &lc, tr)) == NULL)
		req_fail(r, "verify: could not build the answer");
	else if (verify_files(r, scope, filter, o) == -1) {
		/* The evidence files (verify_files.c): their own section. */
		json_decref(o);
		o = NULL;
	} else
		*found = 1;
out:
	if (v != NULL) {
		PQclear(v->heads.res);
		chain_hasher_close(&v->h);
		free(v->sk);
		free(v);
	}
	return o;
}
