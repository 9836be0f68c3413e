/*
 * verify.c: recomputing the ledger and comparing it with what it must
 * agree with -- every event's hash and chain, the columns beside each
 * record, the case rows' chain heads, the Merkle log's leaves and the
 * signed tree heads (GET /api/v1/audit/verify, ../resources/audit.c).
 *
 * Everything runs in the request's read-only snapshot, so appends that
 * race the reader never look like tampering, and in keyset batches, so
 * memory stays one batch however long the history.
 *
 * In every scope each event whose leaf the latest signed checkpoint
 * covers is checked against it: the tiles' roots (sql/0025_log_tiles.sql)
 * must give the signed root, the tile holding the event must give its
 * root, and hold the event's hash at the event's position -- so an event
 * rewritten with its chain, its case's head and its leaf recomputed is
 * named, in a one-case verify as in the whole database's.  Events the
 * checkpointer has not placed yet can only be chain-checked: the answer
 * says how many were covered and how many not.
 *
 * And each case's history is replayed through the workflow (the
 * struct ledger_replay the caller gives: ../resources/case_replay.c) and
 * the case's row compared with what the history makes, fact by fact.
 *
 * Every other stream -- a user's, an enterprise's, a category's ...
 * (ledger_events, sql/0031) -- is walked the same way after the cases,
 * in a region's and the whole database's verify: its chain recomputed
 * with its own tag, its columns against its record, its leaves summed
 * against its events and checked against the signed tree by position.
 * A stream has no row to compare (its entity's row is not a replay).
 * Its events carry the entity's region at the time, so a region may see
 * a stream only in part (a user moved in): where the walk skips seqs,
 * ledger_gaps() (sql/0033) says whether the events between lie outside
 * the region and gives the hash the next one must chain onto.
 *
 * Bad positions are ordered (entity, id, seq): a case's before any other
 * stream's (Part 1's answer stays what it was), the others by name, as
 * the walk goes.
 */
#include <arpa/inet.h>

#include <pthread.h>
#include <stdatomic.h>
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
#define HEADS_BATCH	20000	/* cases per statement of verify */
/* Leaves per row of the log check: whole tiles, so a row holds its tiles. */
#define LOG_CHUNK	(8 * MERKLE_TILE)
#define LOG_BATCH	(49 * LOG_CHUNK) /* leaves per statement of it */
#define PLACED_BATCH	50000	/* a scope's placed leaves per statement */
#define TILE_FETCH	128	/* tiles per statement (1 MiB) */
#define FACT_BUF	16384	/* a case row's facts, as text (the problem
				   is at most 4000 characters) */

/* Why an event is not in the signed tree, as verify says it. */
#define R_LEAF_REWRITTEN \
	"the event's leaf is not the one the latest signed checkpoint holds " \
	"at its position (rewritten, and its chain and leaf recomputed?)"
#define R_TILE_BAD \
	"the log's tile holding the event does not give the latest signed " \
	"checkpoint's root (the leaves around it rewritten?)"
#define R_NO_TILE \
	"no tile of the log holds the event's position below the latest " \
	"signed checkpoint (deleted?)"

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
 * SHA-256(entity || id || seq || hash) over its members (mod 2^256), a
 * case's events and leaves in one pair of sums, the other streams' in
 * another; the walks sum the events, the leaves are summed where they
 * are read anyway (the whole log, in position order, for the Merkle
 * check).  Equal sums and
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
 * The facts of a case row its events make, in enum case_fact order
 * (ledger.h), each as text as the replay writes it: FACT_COLUMNS reads
 * them, heads_fetch checks their number.
 */
const char *const case_fact_names[CF__MAX] = {
	[CF_STATE] = "state",
	[CF_VERSION] = "version",
	[CF_PENDING_EVENT] = "pending_event",
	[CF_PENDING_SEQ] = "pending_seq",
	[CF_PENDING_BY] = "pending_by",
	[CF_PENDING_AT] = "pending_at",
	[CF_FINE] = "fine_amount",
	[CF_CONFISCATION] = "confiscation_amount",
	[CF_VALUE] = "case_value",
	[CF_PENALTY_AT] = "penalty_decided_at",
	[CF_LOOKBACK_ON] = "lookback_on",
	[CF_INTERVIEWS] = "interviews",
	[CF_JUDICIAL_AT] = "judicial_transferred_at",
	[CF_DISCIPLINE_AT] = "discipline_transferred_at",
	[CF_ENTERPRISE] = "enterprise_id",
	[CF_REGION] = "region",
	[CF_CAMPAIGN] = "campaign_id",
	[CF_CATEGORY] = "category",
	[CF_DOMAIN] = "domain",
	[CF_SOURCE] = "source",
	[CF_PROBLEM] = "problem",
	[CF_RISK_LEVEL] = "risk_level",
	[CF_CREATED_BY] = "created_by",
};

#define FACT_COLUMNS \
	", c.state, c.version::text, c.pending_event, c.pending_seq::text," \
	" c.pending_by::text, CASE WHEN c.pending_at IS NOT NULL" \
	" THEN 'set' END, c.fine_amount::text, c.confiscation_amount::text," \
	" c.case_value::text, CASE WHEN c.penalty_decided_at IS NOT NULL" \
	" THEN 'set' END, to_char(c.lookback_on, 'YYYY-MM-DD')," \
	" c.interviews::text, CASE WHEN c.judicial_transferred_at IS NOT NULL" \
	" THEN 'set' END, CASE WHEN c.discipline_transferred_at IS NOT NULL" \
	" THEN 'set' END, c.enterprise_id::text, c.region::text," \
	" c.campaign_id::text, c.category, c.domain, c.source, c.problem," \
	" c.risk_level, c.created_by::text"
#define HEAD_COLS	3	/* id, last_seq, last_hash; then the facts */

/*
 * The case rows (their heads and facts) from case $1 on, at most $2; $3:
 * the case or region.  Read ahead of the events they head, in the same
 * order: a merge in C costs less than a join for every event.
 */
#define HEADS_FROM \
	"SELECT id, last_seq, last_hash" FACT_COLUMNS \
	" FROM cases c WHERE c.id >= $1"
#define HEADS_ORDER	" ORDER BY c.id LIMIT $2"

static struct stmt head_stmts[VS__MAX] = {
	[VS_CASE] = STMT(HEADS_FROM " AND c.id = $3" HEADS_ORDER, 3),
	[VS_REGION] = STMT(HEADS_FROM " AND" IN_REGION_TEXT("c.region", "3")
	    HEADS_ORDER, 3),
	[VS_ALL] = STMT(HEADS_FROM HEADS_ORDER, 2),
};

/*
 * The scope's unplaced leaves, in no particular order ($4: case or
 * region), each with its entity: a case's, or in a region's and the
 * whole database's verify every stream's.  The placed ones come with
 * the check against the signed tree (placed_stmts) or, for everything,
 * with the log check.
 */
#define UNPLACED \
	"SELECT case_id, seq, leaf, entity FROM log_leaves WHERE idx IS NULL" \
	" AND $1::bigint IS NOT NULL AND $2::integer IS NOT NULL" \
	" AND $3::integer IS NOT NULL"
static struct stmt leaf_stmts[VS__MAX] = {
	[VS_CASE] = STMT(UNPLACED " AND entity = 'case' AND case_id = $4", 4),
	[VS_REGION] = STMT(UNPLACED " AND" IN_REGION("case_region"), 4),
	[VS_ALL] = STMT(UNPLACED, 3),
};

/*
 * The scope's placed leaves at positions $1 and on, in position order,
 * at most $2 ($3: case or region), each with its entity.  A one-case
 * verify reads a few; a region's walks the positions' index once, batch
 * after batch, every stream's leaves in it.
 */
#define PLACED_FROM \
	"SELECT idx, case_id, seq, leaf, entity FROM log_leaves WHERE idx >= $1"
#define PLACED_ORDER	" ORDER BY idx LIMIT $2"
static struct stmt placed_stmts[VS__MAX] = {
	[VS_CASE] = STMT(PLACED_FROM " AND entity = 'case' AND case_id = $3"
	    PLACED_ORDER, 3),
	[VS_REGION] = STMT(PLACED_FROM " AND" IN_REGION_TEXT("case_region",
	    "3") PLACED_ORDER, 3),
	[VS_ALL] = STMT(PLACED_FROM PLACED_ORDER, 2),
};

/* The scope's case leaves below ($1, $2), in no particular order. */
#define CASE_LEAVES_BELOW \
	"SELECT case_id, seq, leaf FROM log_leaves WHERE entity = 'case'" \
	" AND (case_id, seq) < ($1, $2) AND $3::integer IS NOT NULL"
static struct stmt leaf_below_stmts[VS__MAX] = {
	[VS_CASE] = STMT(CASE_LEAVES_BELOW " AND case_id = $4", 4),
	[VS_REGION] = STMT(CASE_LEAVES_BELOW " AND" IN_REGION("case_region"),
	    4),
	[VS_ALL] = STMT(CASE_LEAVES_BELOW, 3),
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

/* The first case leaf with no event, below ($1, $2); $4: case or region. */
static struct stmt lone_leaf_stmts[VS__MAX] = {
	[VS_CASE] = STMT("SELECT l.case_id, l.seq FROM log_leaves l"
	    " WHERE l.entity = 'case' AND (l.case_id, l.seq) < ($1, $2)"
	    " AND $3::integer IS NOT NULL"
	    " AND l.case_id = $4" NO_EVENT
	    " ORDER BY l.case_id, l.seq LIMIT 1", 4),
	[VS_REGION] = STMT("SELECT l.case_id, l.seq FROM log_leaves l"
	    " WHERE l.entity = 'case' AND (l.case_id, l.seq) < ($1, $2)"
	    " AND $3::integer IS NOT NULL"
	    " AND" IN_REGION_TEXT("l.case_region", "4") NO_EVENT
	    " ORDER BY l.case_id, l.seq LIMIT 1", 4),
	[VS_ALL] = STMT("SELECT l.case_id, l.seq FROM log_leaves l"
	    " WHERE l.entity = 'case' AND (l.case_id, l.seq) < ($1, $2)"
	    " AND $3::integer IS NOT NULL"
	    NO_EVENT " ORDER BY l.case_id, l.seq LIMIT 1", 3),
};

#define WRONG_LEAF \
	"SELECT e.case_id, e.seq, l.leaf IS NULL AS missing FROM case_events e" \
	" LEFT JOIN log_leaves l ON l.entity = 'case'" \
	" AND l.case_id = e.case_id AND l.seq = e.seq" \
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

/* ---- every other stream (ledger_events) -------------------------- */

/* The stream walk's columns, by position. */
enum scol {
	SC_ENTITY, SC_ID, SC_SEQ, SC_AT, SC_ACTOR, SC_ROLE, SC_REGION,
	SC_SCOPE_REGION, SC_EVENT, SC_REQUEST_ID, SC_RECORD, SC_PREV, SC_HASH,
	SC__MAX
};

/*
 * The scope's stream events after ($1, $2, $3) in (entity, entity_id,
 * seq) order -- the primary key's --, at most $4; $5: the region.  A
 * one-case verify walks no other stream.
 */
#define STREAM_FROM \
	"SELECT e.entity, e.entity_id, e.seq, e.at, e.actor, e.role," \
	" e.region, e.scope_region, e.event, e.request_id, e.record," \
	" e.prev_hash, e.hash FROM ledger_events e" \
	" WHERE (e.entity, e.entity_id, e.seq) > ($1, $2, $3)"
#define STREAM_ORDER	" ORDER BY e.entity, e.entity_id, e.seq LIMIT $4"
static struct stmt stream_stmts[VS__MAX] = {
	[VS_REGION] = STMT(STREAM_FROM " AND" IN_REGION_TEXT("e.scope_region",
	    "5") STREAM_ORDER, 5),
	[VS_ALL] = STMT(STREAM_FROM STREAM_ORDER, 4),
};

/*
 * The rest of a stream check, which runs only when the sums disagree or
 * the walk stopped at a bad event: below ($1, $2, $3) -- everything
 * when $1 is null --, in the region $4 or the whole scope.
 */
#define STREAMS_BELOW(t, id) \
	" ($1::text IS NULL OR (" t ".entity, " t "." id ", " t ".seq)" \
	" < ($1, $2::bigint, $3::integer))"

/* The first stream event whose leaf is missing or not its hash. */
#define STREAM_WRONG_LEAF \
	"SELECT e.entity, e.entity_id, e.seq, l.leaf IS NULL AS missing" \
	" FROM ledger_events e LEFT JOIN log_leaves l" \
	" ON l.entity = e.entity AND l.case_id = e.entity_id" \
	" AND l.seq = e.seq" \
	" WHERE" STREAMS_BELOW("e", "entity_id") \
	" AND l.leaf IS DISTINCT FROM e.hash"
#define STREAM_FIRST	" ORDER BY e.entity, e.entity_id, e.seq LIMIT 1"
static struct stmt stream_wrong_leaf_stmts[VS__MAX] = {
	[VS_REGION] = STMT(STREAM_WRONG_LEAF " AND"
	    IN_REGION_TEXT("e.scope_region", "4") STREAM_FIRST, 4),
	[VS_ALL] = STMT(STREAM_WRONG_LEAF STREAM_FIRST, 3),
};

/* The first leaf of another stream than a case's with no event. */
#define STREAM_LONE_LEAF \
	"SELECT l.entity, l.case_id, l.seq FROM log_leaves l" \
	" WHERE l.entity <> 'case' AND" STREAMS_BELOW("l", "case_id") \
	" AND NOT EXISTS (SELECT 1 FROM ledger_events e" \
	" WHERE e.entity = l.entity AND e.entity_id = l.case_id" \
	" AND e.seq = l.seq)"
#define LEAF_FIRST	" ORDER BY l.entity, l.case_id, l.seq LIMIT 1"
static struct stmt stream_lone_leaf_stmts[VS__MAX] = {
	[VS_REGION] = STMT(STREAM_LONE_LEAF " AND"
	    IN_REGION_TEXT("l.case_region", "4") LEAF_FIRST, 4),
	[VS_ALL] = STMT(STREAM_LONE_LEAF LEAF_FIRST, 3),
};

static int	 signature_ok(const PGresult *, int);

/*
 * A position: an event (entity, id, seq).  A case's come first, in
 * (case_id, seq) order, then every other stream's, by the stream's name
 * (as SQL orders ledger_events' primary key), id and seq.
 * LEDGER__MAX: a stream this service does not know.
 */
struct pos {
	enum ledger_entity e;
	int64_t		 c;
	int32_t		 s;
};

#define CASE_POS(id, seq)	((struct pos){ LEDGER_CASE, (id), (seq) })

static const char *
entity_name(enum ledger_entity e)
{
	return e < LEDGER__MAX ? ledger_streams[e].name : "?";
}

/* The stream named by the `n` bytes at `s`, or LEDGER__MAX. */
static enum ledger_entity
entity_of(const char *s, size_t n)
{
	int	 e;

	for (e = 0; e < LEDGER__MAX; e++)
		if (strlen(ledger_streams[e].name) == n &&
		    memcmp(ledger_streams[e].name, s, n) == 0)
			return (enum ledger_entity)e;
	return LEDGER__MAX;
}

static int
pos_cmp(struct pos a, struct pos b)
{
	int	 c;

	if (a.e != b.e) {
		if (a.e == LEDGER_CASE || b.e == LEDGER_CASE)
			return a.e == LEDGER_CASE ? -1 : 1;
		if ((c = strcmp(entity_name(a.e), entity_name(b.e))) != 0)
			return c < 0 ? -1 : 1;
	}
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

/* The latest signed tree head and the roots of its tiles. */
struct tree {
	long long	 size;		/* 0: no checkpoint yet */
	unsigned char	 root[MERKLE_HASH];
	char		 roothex[2 * MERKLE_HASH + 1];
	unsigned char	(*tiles)[MERKLE_HASH];	/* the last maybe partial */
	size_t		 ntiles;
	const char	*bad;		/* why it cannot be trusted, or NULL */
};

/*
 * Where a stream's walk skipped seqs [from, at.s): events outside the
 * region it walks, or missing; `prev` is what event at.s says of the
 * one before it.  Resolved by ledger_gaps() after each batch.
 */
struct jump {
	struct pos	 at;
	int32_t		 from;
	unsigned char	 prev[CHAIN_LEN];
};

#define JUMP_BATCH	128	/* jumps per statement of ledger_gaps() */

/* The whole verification's state. */
struct verify {
	struct req		*r;
	enum vscope		 scope;
	const char		*filter;	/* case id or region, as text */
	const struct ledger_replay *rp;		/* NULL: rows not compared */
	void			*rs;		/* its state */
	struct chain_hasher	 h;
	struct heads		 heads;
	struct tree		 tree;
	/* The case being walked. */
	int64_t			 cur;		/* 0: none yet */
	int32_t			 cur_seq;	/* its last event so far */
	unsigned char		 cur_hash[CHAIN_LEN];
	int			 head_known;	/* its cases row was found */
	int32_t			 head_seq;
	unsigned char		 head_hash[CHAIN_LEN];
	struct text		 facts[CF__MAX];	/* its row's, in factbuf */
	char			 factbuf[FACT_BUF];
	/* The other stream being walked. */
	struct pos		 scur;		/* s 0: none yet */
	int32_t			 s_seq;		/* its last event so far */
	unsigned char		 s_hash[CHAIN_LEN];
	struct jump		*jumps;		/* pending, this batch's */
	size_t			 njumps, jcap;
	/* What was met, and the outcome: a case's events and leaves. */
	long long		 checked, cases, leaves;
	struct setsum		 events_sum, leaves_sum;
	/* ... every other stream's. */
	long long		 s_checked, s_leaves;
	struct setsum		 s_events_sum, s_leaves_sum;
	/* Events of every stream the signed tree was checked to hold. */
	long long		 covered;
	int			 bad;
	struct pos		 bad_at;
	const char		*reason;
	const char		*bad_field;	/* the row's, or NULL */
	/* The record without its payload, rebuilt from the columns. */
	char			*sk;
	/* The log check beside the walk: set when its outcome is moot. */
	atomic_int		*stop;
};

/*
 * Add the member (entity, id, seq, hash) at `at` to `sum`: SHA-256(int1
 * entity || int8 id || int4 seq || hash) as a number.  Returns 0, or -1
 * when hashing failed.
 */
static int
setsum_add(struct verify *v, struct setsum *sum, struct pos at,
    const void *hash)
{
	unsigned char	 in[1 + 8 + 4 + CHAIN_LEN], h[32];
	uint64_t	 limb, carry = 0, t;
	int		 i, j;

	in[0] = (unsigned char)at.e;
	for (i = 0; i < 8; i++)
		in[1 + i] = (unsigned char)((uint64_t)at.c >> (56 - 8 * i));
	for (i = 0; i < 4; i++)
		in[9 + i] = (unsigned char)((uint32_t)at.s >> (24 - 8 * i));
	memcpy(in + 13, hash, CHAIN_LEN);
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

/*
 * Record a bad position, keeping the first in (entity, id, seq) order; a
 * row that disagrees with its history (`field`) stands after its case's
 * events (seq INT32_MAX), and is answered with seq null.
 */
static void
verify_bad_field(struct verify *v, struct pos at, const char *field,
    const char *reason)
{
	if (v->bad && pos_cmp(v->bad_at, at) <= 0)
		return;
	v->bad = 1;
	v->bad_at = at;
	v->reason = reason;
	v->bad_field = field;
}

static void
verify_bad(struct verify *v, struct pos at, const char *reason)
{
	verify_bad_field(v, at, NULL, reason);
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
 * Whether `rec` (`len` bytes) is the record of an `entity` event whose
 * columns say `h`: the record without its payload is rebuilt from them
 * by the writer's own record_skeleton() (record.c) and compared around
 * the payload, byte for byte -- no JSON parse per row.  When they
 * agree, *payload, *plen are the payload's JSON inside the record.
 */
static int
record_agrees(struct verify *v, enum ledger_entity entity, const char *rec,
    size_t len, const struct record_head *h, const char **payload,
    size_t *plen)
{
	size_t	 pre, post;
	long	 n;

	if ((n = record_skeleton(v->sk, RECORD_HEAD_MAX, entity, h,
	    &pre)) < 0)
		return 0;
	/* v->sk: the part before the payload (pre bytes), then after it. */
	post = (size_t)n - pre;
	if (!(len > (size_t)n && memcmp(rec, v->sk, pre) == 0 &&
	    memcmp(rec + len - post, v->sk + pre, post) == 0 &&
	    one_object(rec + pre, len - (size_t)n)))
		return 0;
	*payload = rec + pre;
	*plen = len - (size_t)n;
	return 1;
}

/*
 * Whether a case event's columns say what its record says
 * (record_agrees).  When they agree, `h` holds the members and
 * *payload, *plen the payload's JSON inside the record.
 */
static int
columns_agree(struct verify *v, const PGresult *res, struct record_head *hp,
    const char **payload, size_t *plen)
{
	struct record_head	 h;

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
	if (!record_agrees(v, LEDGER_CASE, PQgetvalue(res, 0, WC_RECORD),
	    (size_t)PQgetlength(res, 0, WC_RECORD), &h, payload, plen))
		return 0;
	*hp = h;
	return 1;
}

/* Whether another stream's event's columns say what its record says. */
static int
stream_columns_agree(struct verify *v, const PGresult *res,
    enum ledger_entity entity)
{
	static const struct text none = { NULL, 0 };
	struct record_head	 h;
	const char		*payload;
	size_t			 plen;

#define COL(c)	(struct text){ PQgetvalue(res, 0, (c)), \
	    (size_t)PQgetlength(res, 0, (c)) }
	h.actor = be64(PQgetvalue(res, 0, SC_ACTOR));
	h.at_us = be64(PQgetvalue(res, 0, SC_AT)) + PG_EPOCH_US;
	h.entity = COL(SC_ENTITY);
	h.id = be64(PQgetvalue(res, 0, SC_ID));
	h.scope_region = COL(SC_SCOPE_REGION);
	h.event = COL(SC_EVENT);
	h.from = none;
	h.phase = none;
	h.region = COL(SC_REGION);
	h.request_id = COL(SC_REQUEST_ID);
	h.role = COL(SC_ROLE);
	h.seq = be32(PQgetvalue(res, 0, SC_SEQ));
	h.to = none;
#undef COL
	return record_agrees(v, entity, PQgetvalue(res, 0, SC_RECORD),
	    (size_t)PQgetlength(res, 0, SC_RECORD), &h, &payload, &plen);
}

/* ---- the walk ----------------------------------------------------- */

/* The case walked so far is done: its head must name its last event. */
static void
finish_case(struct verify *v)
{
	struct pos	 at = CASE_POS(v->cur, 0);
	enum case_fact	 k;

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
	} else if (v->rp != NULL &&
	    (k = v->rp->row(v->rs, v->facts)) != CF__MAX) {
		at.s = INT32_MAX;
		verify_bad_field(v, at, case_fact_names[k], "the case's row "
		    "disagrees with its history: its events do not make this "
		    "field what the row says (changed without an event?)");
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
	if (PQnfields(h->res) != HEAD_COLS + CF__MAX) {
		req_fail(v->r, "verify: the case rows' facts are not the %d the "
		    "replay compares", CF__MAX);
		return -1;
	}
	h->n = PQntuples(h->res);
	/* A short batch holds every case there is from `from` on. */
	h->last = h->n == HEADS_BATCH ? be64(PQgetvalue(h->res, h->n - 1, 0)) :
	    INT64_MAX;
	return 0;
}

/*
 * Copy the facts of case row `i` of `res` (the heads' batch may be gone
 * when the case is finished).  Facts that do not fit are kept as a text
 * no replay writes, so that they are reported, never taken as equal.
 */
static void
facts_copy(struct verify *v, const PGresult *res, int i)
{
	size_t	 used = 0, n;
	int	 k;

	for (k = 0; k < CF__MAX; k++) {
		if (PQgetisnull(res, i, HEAD_COLS + k)) {
			v->facts[k] = (struct text){ NULL, 0 };
			continue;
		}
		n = (size_t)PQgetlength(res, i, HEAD_COLS + k);
		if (n > sizeof(v->factbuf) - used) {
			v->facts[k] = (struct text){ "\x01too long", 9 };
			continue;
		}
		memcpy(v->factbuf + used, PQgetvalue(res, i, HEAD_COLS + k), n);
		v->facts[k] = (struct text){ v->factbuf + used, n };
		used += n;
	}
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
	facts_copy(v, h->res, h->k);
	if (v->rp != NULL)
		v->rp->start(v->rs);
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
	struct record_head	 h;
	const char		*payload, *why;
	size_t			 plen;

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
	if (!columns_agree(v, res, &h, &payload, &plen)) {
		verify_bad(v, at, "the columns disagree with the record");
		return 0;
	}
	if (v->rp != NULL && (why = v->rp->event(v->rs, &h, payload,
	    plen)) != NULL) {
		verify_bad(v, at, why);
		return 0;
	}
	if (setsum_add(v, &v->events_sum, at, hash) == -1)
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
	struct pos	 at = CASE_POS(0, 0);
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

/* ---- every other stream's walk ----------------------------------- */

/*
 * Note that the walk skipped seqs [from, at.s) of at's stream, whose
 * event at.s says `prev` of the one before: ledger_gaps() decides after
 * the batch.  Returns 0, or -1 (no memory).
 */
static int
jump_add(struct verify *v, struct pos at, int32_t from,
    const unsigned char *prev)
{
	struct jump	*j;
	size_t		 cap;

	if (v->njumps == v->jcap) {
		cap = v->jcap > 0 ? 2 * v->jcap : 64;
		if ((j = realloc(v->jumps, cap * sizeof(*j))) == NULL)
			return -1;
		v->jumps = j;
		v->jcap = cap;
	}
	j = &v->jumps[v->njumps++];
	j->at = at;
	j->from = from;
	memcpy(j->prev, prev, CHAIN_LEN);
	return 0;
}

/*
 * Decide the pending jumps, JUMP_BATCH at a time: the events skipped
 * must all be there and lie outside the region walked (the scope's own
 * for everything), and the last of them must have the hash the next
 * event chains onto.  Bad ones are recorded.  Returns 0, or -1 with the
 * failure recorded.
 */
static int
jumps_resolve(struct verify *v)
{
	static struct stmt gaps = STMT(
	    "SELECT i, outside, last_hash FROM ledger_gaps($1::text[],"
	    " $2::bigint[], $3::integer[], $4::integer[], $5::char(6))", 5);
	char		 ents[JUMP_BATCH * 24 + 3], ids[JUMP_BATCH * 24 + 3];
	char		 los[JUMP_BATCH * 16 + 3], his[JUMP_BATCH * 16 + 3];
	const char	*p[5], *sep;
	const struct jump *j;
	PGresult	*res;
	size_t		 at, m, k;
	int		 i, le, li, ll, lh;

	p[0] = ents;
	p[1] = ids;
	p[2] = los;
	p[3] = his;
	p[4] = v->scope == VS_REGION ? v->filter : v->r->user.region;
	for (at = 0; at < v->njumps; at += m) {
		m = v->njumps - at < JUMP_BATCH ? v->njumps - at : JUMP_BATCH;
		le = snprintf(ents, sizeof(ents), "{");
		li = snprintf(ids, sizeof(ids), "{");
		ll = snprintf(los, sizeof(los), "{");
		lh = snprintf(his, sizeof(his), "{");
		for (k = 0; k < m; k++) {
			j = &v->jumps[at + k];
			sep = k > 0 ? "," : "";
			le += snprintf(ents + le, sizeof(ents) - (size_t)le,
			    "%s\"%.16s\"", sep, entity_name(j->at.e));
			li += snprintf(ids + li, sizeof(ids) - (size_t)li,
			    "%s%lld", sep, (long long)j->at.c);
			ll += snprintf(los + ll, sizeof(los) - (size_t)ll,
			    "%s%d", sep, (int)j->from);
			lh += snprintf(his + lh, sizeof(his) - (size_t)lh,
			    "%s%d", sep, (int)j->at.s);
		}
		snprintf(ents + le, sizeof(ents) - (size_t)le, "}");
		snprintf(ids + li, sizeof(ids) - (size_t)li, "}");
		snprintf(los + ll, sizeof(los) - (size_t)ll, "}");
		snprintf(his + lh, sizeof(his) - (size_t)lh, "}");
		if ((res = db_exec_binary(v->r, &gaps, p)) == NULL)
			return -1;
		for (k = 0; k < m; k++) {
			j = &v->jumps[at + k];
			/* A row per jump, in order (none: no valid scope). */
			for (i = 0; i < PQntuples(res) &&
			    be64(PQgetvalue(res, i, 0)) != (int64_t)k + 1; i++)
				continue;
			if (i == PQntuples(res) ||
			    be64(PQgetvalue(res, i, 1)) !=
			    (int64_t)j->at.s - j->from)
				verify_bad(v, (struct pos){ j->at.e, j->at.c,
				    j->from }, "an event is missing: the "
				    "sequence has a gap");
			else if (PQgetisnull(res, i, 2) ||
			    PQgetlength(res, i, 2) != CHAIN_LEN ||
			    memcmp(PQgetvalue(res, i, 2), j->prev,
			    CHAIN_LEN) != 0)
				verify_bad(v, j->at, "prev_hash is not the "
				    "previous event's hash");
		}
		PQclear(res);
	}
	v->njumps = 0;
	return 0;
}

/*
 * Check the stream event row `res` at `at` as check_event does a
 * case's, with its stream's tag and record: its place (a skip is a jump,
 * decided later), its link, its hash, its columns; then count it into
 * the set the leaves must equal.  Returns 0 (v->bad tells), or -1 when
 * hashing failed (no memory).
 */
static int
check_stream_event(struct verify *v, const PGresult *res, struct pos at)
{
	const unsigned char	*prev, *hash;
	unsigned char		 want[CHAIN_LEN];

	prev = (const unsigned char *)PQgetvalue(res, 0, SC_PREV);
	hash = (const unsigned char *)PQgetvalue(res, 0, SC_HASH);
	if (PQgetlength(res, 0, SC_PREV) != CHAIN_LEN ||
	    PQgetlength(res, 0, SC_HASH) != CHAIN_LEN) {
		verify_bad(v, at, "prev_hash is not the previous event's hash");
		return 0;
	}
	if (at.s != v->s_seq + 1) {
		if (jump_add(v, at, v->s_seq + 1, prev) == -1)
			return -1;
	} else if (memcmp(prev, v->s_hash, CHAIN_LEN) != 0) {
		verify_bad(v, at, "prev_hash is not the previous event's hash");
		return 0;
	}
	if (chain_hash_with(&v->h, at.e, at.c, at.s, prev,
	    PQgetvalue(res, 0, SC_RECORD), (size_t)PQgetlength(res, 0,
	    SC_RECORD), want) == -1)
		return -1;
	if (memcmp(want, hash, CHAIN_LEN) != 0) {
		verify_bad(v, at, "the hash does not match the record");
		return 0;
	}
	if (!stream_columns_agree(v, res, at.e)) {
		verify_bad(v, at, "the columns disagree with the record");
		return 0;
	}
	if (setsum_add(v, &v->s_events_sum, at, hash) == -1)
		return -1;
	v->s_seq = at.s;
	memcpy(v->s_hash, hash, CHAIN_LEN);
	v->s_checked++;
	return 0;
}

/*
 * Walk every other stream's events in the scope (none for one case's
 * verify), in (entity, id, seq) order, to the end or the first bad
 * position, in keyset batches streamed a row at a time; after each
 * batch the jumps are decided.  Returns 0 (v->bad tells), or -1 with
 * the failure recorded in the request.
 */
static int
verify_streams(struct verify *v)
{
	struct pos	 at = { LEDGER_CASE, 0, 0 };
	PGresult	*res;
	char		 ent[32] = "", c[24], s[16], lim[16];
	const char	*p[5];
	long		 n;
	int		 failed = 0, rc = 0;

	if (v->scope == VS_CASE)
		return 0;
	snprintf(lim, sizeof(lim), "%d", VERIFY_BATCH);
	for (;;) {
		snprintf(c, sizeof(c), "%lld", (long long)at.c);
		snprintf(s, sizeof(s), "%d", (int)at.s);
		p[0] = ent;
		p[1] = c;
		p[2] = s;
		p[3] = lim;
		p[4] = v->filter;
		if (db_stream_open(v->r, &stream_stmts[v->scope], p) == -1)
			return -1;
		for (n = 0; (res = db_stream_next(v->r, &failed)) != NULL;
		    n++) {
			at.e = entity_of(PQgetvalue(res, 0, SC_ENTITY),
			    (size_t)PQgetlength(res, 0, SC_ENTITY));
			at.c = be64(PQgetvalue(res, 0, SC_ID));
			at.s = be32(PQgetvalue(res, 0, SC_SEQ));
			if (at.e == LEDGER__MAX)
				verify_bad(v, at, "an event of a stream this "
				    "service does not know");
			else {
				if (v->scur.s == 0 || at.e != v->scur.e ||
				    at.c != v->scur.c) {
					v->scur = at;
					v->s_seq = 0;
					memset(v->s_hash, 0, CHAIN_LEN);
				}
				if (check_stream_event(v, res, at) == -1)
					rc = -1;
			}
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
		if (jumps_resolve(v) == -1)
			return -1;
		if (v->bad || n < VERIFY_BATCH)
			break;
		snprintf(ent, sizeof(ent), "%s", entity_name(at.e));
	}
	return 0;
}

/*
 * Count the leaf at `at` (`len` bytes at `leaf`) into its side's set:
 * a case's into `sum` and *n, every other stream's into v->s_leaves_sum
 * and v->s_leaves.  A leaf that is no hash, or a hash that failed, only
 * makes the sums differ: verify_rest then finds the event.
 */
static void
leaf_count(struct verify *v, struct setsum *sum, long long *n, struct pos at,
    const char *leaf, int len)
{
	if (at.e != LEDGER_CASE) {
		sum = &v->s_leaves_sum;
		n = &v->s_leaves;
	}
	if (len == CHAIN_LEN)
		(void)setsum_add(v, sum, at, leaf);
	(*n)++;
}

/* The entity of row `i` of `res`, in column `col` (none there: a case). */
static enum ledger_entity
row_entity(const PGresult *res, int i, int col)
{
	return PQnfields(res) > col ? entity_of(PQgetvalue(res, i, col),
	    (size_t)PQgetlength(res, i, col)) : LEDGER_CASE;
}

/*
 * Sum the leaves statement `st` gives (with `below` as $1, $2: case_id,
 * seq, leaf, and maybe entity) into their sets: a case's into `sum`,
 * counted into `n`.  Returns 0, or -1 with the failure recorded.
 */
static int
sum_leaves(struct verify *v, struct stmt *st, struct pos below,
    struct setsum *sum, long long *n)
{
	PGresult	*res;
	struct pos	 at;
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
		at.e = row_entity(res, 0, 3);
		at.c = be64(PQgetvalue(res, 0, 0));
		at.s = be32(PQgetvalue(res, 0, 1));
		leaf_count(v, sum, n, at, PQgetvalue(res, 0, 2),
		    PQgetlength(res, 0, 2));
		PQclear(res);
	}
	return failed ? -1 : 0;
}

/* ---- the events against the signed tree ------------------------- */

/* The root of the `w` leaves (event hashes) end to end at `p`. */
static void
tile_root(const char *p, size_t w, unsigned char *out)
{
	unsigned char	 lh[MERKLE_TILE][MERKLE_HASH];
	size_t		 i;

	for (i = 0; i < w; i++)
		merkle_leaf_hash(p + i * MERKLE_HASH, MERKLE_HASH, lh[i]);
	merkle_tree_hash((const unsigned char (*)[MERKLE_HASH])lh, w, out);
}

/* The width of tile `idx` of the latest signed tree. */
static size_t
tile_width(const struct tree *t, long long idx)
{
	long long	 rest = t->size - idx * MERKLE_TILE;

	return rest < MERKLE_TILE ? (size_t)rest : MERKLE_TILE;
}

/*
 * Load the latest checkpoint into `t`: its size and root, whether its
 * signature verifies and this service's key made it, and the roots of
 * the tiles of its leaves, which must give its root.  What fails is
 * t->bad.  Returns 0, or -1 with the failure recorded.
 */
static int
tree_load(struct verify *v, struct tree *t)
{
	static struct stmt latest = STMT(
	    "SELECT size, root, signature, public_key, message FROM checkpoints"
	    " ORDER BY size DESC LIMIT 1", 0);
	unsigned char	 r[MERKLE_HASH], *roots;
	PGresult	*res = NULL;
	size_t		 n;
	int		 rc = -1;

	memset(t, 0, sizeof(*t));
	if ((res = db_exec_binary(v->r, &latest, NULL)) == NULL)
		goto out;
	rc = 0;
	if (PQntuples(res) == 0)
		goto out;
	t->size = be64(PQgetvalue(res, 0, 0));
	if (PQgetlength(res, 0, 1) != MERKLE_HASH) {
		t->bad = "the latest checkpoint's root is not a hash";
		goto out;
	}
	memcpy(t->root, PQgetvalue(res, 0, 1), MERKLE_HASH);
	hex_encode(t->root, MERKLE_HASH, t->roothex);
	if (!signature_ok(res, 0)) {
		t->bad = "the latest checkpoint's signature does not verify";
		goto out;
	}
	if (checkpoint_public_key() != NULL &&
	    strcmp(checkpoint_public_key(), PQgetvalue(res, 0, 3)) != 0) {
		t->bad = "the latest checkpoint is not signed by this service's "
		    "key";
		goto out;
	}
	if ((rc = log_tile_roots(v->r, t->size, &roots, &n)) == -1)
		goto out;
	if (rc == 1) {
		rc = 0;
		t->bad = "tiles of the log are missing below the latest "
		    "checkpoint";
		goto out;
	}
	t->tiles = (unsigned char (*)[MERKLE_HASH])roots;
	t->ntiles = n;
	merkle_tree_hash((const unsigned char (*)[MERKLE_HASH])t->tiles, n, r);
	if (memcmp(r, t->root, MERKLE_HASH) != 0)
		t->bad = "the roots of the log's tiles do not give the latest "
		    "checkpoint's root";
out:
	PQclear(res);
	return rc;
}

/*
 * Check rows [lo, hi) of `res` (placed leaves: idx, case_id, seq, leaf,
 * entity; all in tile `idx`, below the signed tree's size) against that tile's
 * stored leaves `tl` (NULL: there is none): the tile must give its
 * signed root and hold each leaf at its position.  Bad events are
 * recorded in v.
 */
static void
tile_check(struct verify *v, long long idx, const char *tl,
    const PGresult *res, int lo, int hi)
{
	unsigned char	 r[MERKLE_HASH];
	const char	*why = NULL;
	struct pos	 at;
	long long	 p;
	int		 i;

	if (tl == NULL)
		why = R_NO_TILE;
	else {
		tile_root(tl, tile_width(&v->tree, idx), r);
		if (memcmp(r, v->tree.tiles[idx], MERKLE_HASH) != 0)
			why = R_TILE_BAD;
	}
	for (i = lo; i < hi; i++) {
		at.e = row_entity(res, i, 4);
		at.c = be64(PQgetvalue(res, i, 1));
		at.s = be32(PQgetvalue(res, i, 2));
		p = be64(PQgetvalue(res, i, 0)) - idx * MERKLE_TILE;
		if (why != NULL)
			verify_bad(v, at, why);
		else if (PQgetlength(res, i, 3) != MERKLE_HASH ||
		    memcmp(PQgetvalue(res, i, 3), tl + p * MERKLE_HASH,
		    MERKLE_HASH) != 0)
			verify_bad(v, at, R_LEAF_REWRITTEN);
		else
			v->covered++;
	}
}

/*
 * Check the rows of `res` below the signed tree's size against their
 * tiles: the distinct tiles, TILE_FETCH per statement, each fetched
 * once.  Returns 0, or -1 with the failure recorded.
 */
static int
tiles_check(struct verify *v, const PGresult *res)
{
	static struct stmt get = STMT(
	    "SELECT idx, leaves FROM log_tiles WHERE idx = ANY($1::bigint[])"
	    " AND width = least(256, $2::bigint - 256 * idx) ORDER BY idx", 2);
	char		 ids[TILE_FETCH * 24 + 3], size[24];
	const char	*p[2];
	PGresult	*tr;
	long long	 idx, t;
	int		 n = PQntuples(res), i = 0, j, k, m, lo, len;

	snprintf(size, sizeof(size), "%lld", v->tree.size);
	p[0] = ids;
	p[1] = size;
	while (i < n && be64(PQgetvalue(res, i, 0)) < v->tree.size) {
		/* The next TILE_FETCH tiles the rows touch. */
		len = snprintf(ids, sizeof(ids), "{");
		for (j = i, m = 0, t = -1; j < n && m < TILE_FETCH; j++) {
			if ((idx = be64(PQgetvalue(res, j, 0))) >=
			    v->tree.size)
				break;
			if (idx / MERKLE_TILE == t)
				continue;
			t = idx / MERKLE_TILE;
			len += snprintf(ids + len, sizeof(ids) - (size_t)len,
			    "%s%lld", m++ > 0 ? "," : "", t);
		}
		snprintf(ids + len, sizeof(ids) - (size_t)len, "}");
		if ((tr = db_exec_binary(v->r, &get, p)) == NULL)
			return -1;
		/* Rows i.. and the tiles fetched, both in position order. */
		for (k = 0; k < m; k++) {
			t = be64(PQgetvalue(res, i, 0)) / MERKLE_TILE;
			for (lo = i; i < n && be64(PQgetvalue(res, i, 0)) /
			    MERKLE_TILE == t; i++)
				continue;
			for (j = 0; j < PQntuples(tr) &&
			    be64(PQgetvalue(tr, j, 0)) != t; j++)
				continue;
			tile_check(v, t, j < PQntuples(tr) &&
			    (size_t)PQgetlength(tr, j, 1) == tile_width(&v->tree,
			    t) * MERKLE_HASH ? PQgetvalue(tr, j, 1) : NULL, res,
			    lo, i);
		}
		PQclear(tr);
	}
	return 0;
}

/*
 * A case's or a region's leaves -- a region's of every stream: the
 * placed ones in position order, in batches, summed into their sets and
 * -- those the latest signed tree covers -- checked against it; then the
 * unplaced ones, summed.  (Everything's placed leaves come with the log
 * check.)  Returns 0, or -1 with the failure recorded.
 */
static int
verify_leaves(struct verify *v)
{
	static const struct pos	 any = { LEDGER_CASE, 0, 0 };
	struct pos	 at;
	PGresult	*res;
	char		 from[24], lim[16];
	const char	*p[3];
	long long	 last = 0;
	int		 i, n;

	if (v->scope == VS_ALL)
		return sum_leaves(v, &leaf_stmts[v->scope], any,
		    &v->leaves_sum, &v->leaves);
	snprintf(lim, sizeof(lim), "%d", PLACED_BATCH);
	p[0] = from;
	p[1] = lim;
	p[2] = v->filter;
	do {
		snprintf(from, sizeof(from), "%lld", last);
		if ((res = db_exec_binary(v->r, &placed_stmts[v->scope],
		    p)) == NULL)
			return -1;
		n = PQntuples(res);
		for (i = 0; i < n; i++) {
			at.e = row_entity(res, i, 4);
			at.c = be64(PQgetvalue(res, i, 1));
			at.s = be32(PQgetvalue(res, i, 2));
			leaf_count(v, &v->leaves_sum, &v->leaves, at,
			    PQgetvalue(res, i, 3), PQgetlength(res, i, 3));
		}
		if (n > 0)
			last = be64(PQgetvalue(res, n - 1, 0)) + 1;
		if (v->tree.size > 0 && v->tree.bad == NULL &&
		    tiles_check(v, res) == -1) {
			PQclear(res);
			return -1;
		}
		PQclear(res);
	} while (n == PLACED_BATCH);
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
/*
 * verify_rest for the other streams: the first event whose leaf is
 * missing or not its hash, and the first leaf no event has, below
 * `below` (NULL: everywhere).  Returns 0, or -1 with the failure
 * recorded.
 */
static int
streams_rest(struct verify *v, const struct pos *below)
{
	PGresult	*res;
	struct pos	 at;
	char		 c[24], s[16];
	const char	*p[4];

	snprintf(c, sizeof(c), "%lld", below != NULL ? (long long)below->c : 0);
	snprintf(s, sizeof(s), "%d", below != NULL ? (int)below->s : 0);
	p[0] = below != NULL ? entity_name(below->e) : NULL;
	p[1] = below != NULL ? c : NULL;
	p[2] = below != NULL ? s : NULL;
	p[3] = v->filter;
	if ((res = db_exec_binary(v->r, &stream_wrong_leaf_stmts[v->scope],
	    p)) == NULL)
		return -1;
	if (PQntuples(res) == 1) {
		at.e = row_entity(res, 0, 0);
		at.c = be64(PQgetvalue(res, 0, 1));
		at.s = be32(PQgetvalue(res, 0, 2));
		verify_bad(v, at, *PQgetvalue(res, 0, 3) ?
		    "the event has no leaf in the log" :
		    "the event's leaf in the log is not its hash");
	}
	PQclear(res);
	if ((res = db_exec_binary(v->r, &stream_lone_leaf_stmts[v->scope],
	    p)) == NULL)
		return -1;
	if (PQntuples(res) == 1) {
		at.e = row_entity(res, 0, 0);
		at.c = be64(PQgetvalue(res, 0, 1));
		at.s = be32(PQgetvalue(res, 0, 2));
		verify_bad(v, at, "the log holds an event the history lacks "
		    "(deleted?)");
	}
	PQclear(res);
	return 0;
}

static int
verify_rest(struct verify *v)
{
	PGresult	*res;
	struct setsum	 below_sum;
	struct pos	 at, below = CASE_POS(INT64_MAX, INT32_MAX);
	struct pos	 sbelow = CASE_POS(0, 0);
	long long	 below_n = 0;
	char		 c[24], s[16];
	const char	*p[4];
	int		 leaves_ok, cases_ok = 0, streams_ok = 1, bounded = 0;

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
		streams_ok = v->s_leaves == v->s_checked &&
		    memcmp(&v->s_leaves_sum, &v->s_events_sum,
		    sizeof(v->s_leaves_sum)) == 0;
	} else {
		/*
		 * Below a case's bad event no other stream's stands; below
		 * another stream's, every case's does, and the first of the
		 * streams' is looked for without the sums.
		 */
		if (v->bad_at.e == LEDGER_CASE)
			below = v->bad_at;
		else {
			sbelow = v->bad_at;
			streams_ok = 0;
			bounded = 1;
		}
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
			at = CASE_POS(be64(PQgetvalue(res, 0, 0)),
			    be32(PQgetvalue(res, 0, 1)));
			verify_bad(v, at, *PQgetvalue(res, 0, 2) ?
			    "the event has no leaf in the log" :
			    "the event's leaf in the log is not its hash");
		}
		PQclear(res);
		if ((res = db_exec_binary(v->r, &lone_leaf_stmts[v->scope],
		    p)) == NULL)
			return -1;
		if (PQntuples(res) == 1) {
			at = CASE_POS(be64(PQgetvalue(res, 0, 0)),
			    be32(PQgetvalue(res, 0, 1)));
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
			at = CASE_POS(be64(PQgetvalue(res, 0, 0)), 1);
			verify_bad(v, at, "the case has no events (deleted?)");
		}
		PQclear(res);
	}
	if (v->scope != VS_CASE && !streams_ok &&
	    streams_rest(v, bounded ? &sbelow : NULL) == -1)
		return -1;
	return 0;
}

/* ---- the whole log against the signed checkpoints ----------------- */

/* Whether the log's check beside the walk may stop: the walk went bad. */
static int
log_moot(const struct verify *v)
{
	return v->stop != NULL && atomic_load(v->stop);
}

struct logcheck {
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
 * The `n` elements of a one-dimensional text[] in binary (array_send) at
 * `p`, `len` bytes, none NULL, as the streams they name into `out`
 * (LEDGER__MAX: a name this service does not know).  Returns 0, or -1
 * when it is not that.
 */
static int
entities_open(const char *p, int len, long n, unsigned char *out)
{
	const char	*q = p + 20, *e = p + len;
	int32_t		 l;
	long		 i;

	if (len < 20 || be32(p) != 1 || be32(p + 4) != 0 ||
	    be32(p + 12) != n)
		return -1;
	for (i = 0; i < n; i++) {
		if (e - q < 4 || (l = be32(q)) < 0 || e - q - 4 < l)
			return -1;
		out[i] = (unsigned char)entity_of(q + 4, (size_t)l);
		q += 4 + l;
	}
	return q == e ? 0 : -1;
}

/* A chunk row of the log check: log_chunk's arrays, opened. */
struct chunk {
	long		 n;
	const char	*ix, *cs, *sq, *mn;	/* array elements, see below */
	const char	*lf;			/* n leaves end to end */
	unsigned char	 ent[LOG_CHUNK];	/* each leaf's stream */
	/* Roots of the tiles the fold completed in it, and their tiles. */
	int		 nt;
	long long	 tidx[LOG_CHUNK / MERKLE_TILE];
	unsigned char	 troot[LOG_CHUNK / MERKLE_TILE][MERKLE_HASH];
};

#define CHUNK_IDX(c, i)		be64((c)->ix + 12 * (i) + 4)
#define CHUNK_ID(c, i)		be64((c)->cs + 12 * (i) + 4)
#define CHUNK_SEQ(c, i)		be32((c)->sq + 8 * (i) + 4)
#define CHUNK_MINE(c, i)	((c)->mn[5 * (i) + 4] == 1)

/* Every event of the user's scope at chunk positions [a, b) is `why`. */
static void
chunk_bad(struct verify *v, const struct chunk *c, long a, long b,
    const char *why)
{
	struct pos	 at;
	long		 i;

	for (i = a; i < b; i++)
		if (CHUNK_MINE(c, i)) {
			at.e = (enum ledger_entity)c->ent[i];
			at.c = CHUNK_ID(c, i);
			at.s = CHUNK_SEQ(c, i);
			verify_bad(v, at, why);
		}
}

/*
 * The tiles of chunk `c` (its positions consecutive, all below the
 * signed tree's size) against the stored tiles `st` (their leaves end to
 * end, `stlen` bytes) and the signed tree's tile roots: a leaf of the
 * log that is not the one the signed tree holds at its position names
 * its event; a stored tile that does not hold the signed leaves fails
 * the log check.  The fold's frontier `f` gives the last, partial,
 * tile's root when it reached the tree's size.
 */
static void
chunk_tiles(struct verify *v, const struct merkle_frontier *f,
    const struct chunk *c, const char *st, size_t stlen, struct logcheck *lc)
{
	const struct tree	*t = &v->tree;
	struct merkle_frontier	 tail;
	unsigned char		 cur[MERKLE_HASH], sr[MERKLE_HASH];
	const unsigned char	*want;
	long long		 first = CHUNK_IDX(c, 0), idx;
	long			 a, i, w;
	int			 k, eq, have;

	if (st == NULL || stlen != (size_t)c->n * MERKLE_HASH) {
		if (lc->ok)
			log_bad(lc, first, first + c->n, "tiles of the log are "
			    "missing below the latest checkpoint");
		return;
	}
	for (a = 0; a < c->n; a += w) {
		idx = (first + a) / MERKLE_TILE;
		w = (long)tile_width(t, idx);
		if (a + w > c->n || (size_t)idx >= t->ntiles)
			return;
		want = t->tiles[idx];
		eq = memcmp(c->lf + a * MERKLE_HASH, st + a * MERKLE_HASH,
		    (size_t)w * MERKLE_HASH) == 0;
		/* The log's own tile root: from the fold when it has it. */
		for (have = 0, k = 0; k < c->nt && !have; k++)
			if (c->tidx[k] == idx) {
				memcpy(cur, c->troot[k], MERKLE_HASH);
				have = 1;
			}
		if (!have && w < MERKLE_TILE && (long long)f->size == t->size &&
		    lc->ok) {
			merkle_tail(f, &tail);
			merkle_root(&tail, cur);
			have = 1;
		}
		if (!have)
			tile_root(c->lf + a * MERKLE_HASH, (size_t)w, cur);
		if (eq) {
			if (memcmp(cur, want, MERKLE_HASH) != 0)
				chunk_bad(v, c, a, a + w, R_TILE_BAD);
			continue;
		}
		tile_root(st + a * MERKLE_HASH, (size_t)w, sr);
		if (memcmp(sr, want, MERKLE_HASH) == 0) {
			/* The stored tile is the signed one: name the leaves. */
			for (i = a; i < a + w; i++)
				if (memcmp(c->lf + i * MERKLE_HASH,
				    st + i * MERKLE_HASH, MERKLE_HASH) != 0)
					chunk_bad(v, c, i, i + 1, R_LEAF_REWRITTEN);
		} else if (memcmp(cur, want, MERKLE_HASH) == 0) {
			if (lc->ok)
				log_bad(lc, first + a, first + a + w, "a tile of "
				    "the log does not hold the leaves the signed "
				    "checkpoint does (the tile was changed?)");
		} else
			chunk_bad(v, c, a, a + w, R_TILE_BAD);
	}
}

/*
 * Fold one chunk row (log_chunk's arrays) into `f`, comparing the root
 * at each checkpoint of `cr` (from *j on) it reaches, and sum the leaves
 * in the user's scope into their sets (a case's, the other streams');
 * then compare its tiles.  After a Merkle failure the leaves are still
 * summed.
 */
static void
log_chunk_fold(struct verify *v, struct merkle_frontier *f,
    const PGresult *res, const PGresult *cr, int *j, long long *prev,
    struct logcheck *lc)
{
	unsigned char	 lh[MERKLE_HASH], root[MERKLE_HASH];
	const char	*ix = NULL, *cs = NULL, *sq = NULL, *mn = NULL, *lf;
	struct chunk	 c;
	struct pos	 at;
	long		 n, i;
	int		 consecutive = 1;

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
	    PQgetlength(res, 0, 4) != n * MERKLE_HASH || n > LOG_CHUNK ||
	    entities_open(PQgetvalue(res, 0, 6), PQgetlength(res, 0, 6), n,
	    c.ent) == -1) {
		if (lc->ok)
			log_bad(lc, *prev, (long long)f->size + 1,
			    "a leaf in the log is not a hash");
		return;
	}
	lf = PQgetvalue(res, 0, 4);
	c.nt = 0;
	c.n = n;
	c.ix = ix;
	c.cs = cs;
	c.sq = sq;
	c.mn = mn;
	c.lf = lf;
	for (i = 0; i < n; i++, lf += MERKLE_HASH) {
		if (mn[5 * i + 4] == 1) {
			at.e = (enum ledger_entity)c.ent[i];
			at.c = be64(cs + 12 * i + 4);
			at.s = be32(sq + 8 * i + 4);
			leaf_count(v, &v->leaves_sum, &v->leaves, at, lf,
			    MERKLE_HASH);
		}
		if (!lc->ok)
			continue;
		if (be64(ix + 12 * i + 4) != (long long)f->size) {
			log_bad(lc, *prev, (long long)f->size + 1,
			    "log positions are missing");
			continue;
		}
		merkle_leaf_hash(lf, MERKLE_HASH, lh);
		if (merkle_append_tile(f, lh, c.nt < (int)NITEMS(c.tidx) ?
		    c.troot[c.nt] : root) == 1 && c.nt < (int)NITEMS(c.tidx))
			c.tidx[c.nt++] = (long long)f->size / MERKLE_TILE - 1;
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
	for (i = 1; i < n && consecutive; i++)
		consecutive = CHUNK_IDX(&c, i) == CHUNK_IDX(&c, 0) + i;
	if (n > 0 && consecutive && v->tree.bad == NULL &&
	    CHUNK_IDX(&c, n - 1) < v->tree.size)
		chunk_tiles(v, f, &c, PQgetisnull(res, 0, 5) ? NULL :
		    PQgetvalue(res, 0, 5), (size_t)PQgetlength(res, 0, 5), lc);
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
	    "SELECT c.idxs, c.ids, c.seqs, c.mine, c.leaves,"
	    " (SELECT string_agg(t.leaves, ''::bytea ORDER BY t.idx)"
	    "   FROM log_tiles t WHERE t.idx >= g / 256"
	    "   AND t.idx <= (least(g + $3::bigint, $2::bigint) - 1) / 256"
	    "   AND t.width = least(256, $4::bigint - 256 * t.idx)) AS tiles,"
	    " c.entities"
	    " FROM generate_series($1::bigint, $2::bigint - 1, $3::bigint) g,"
	    " LATERAL log_chunk(g, least(g + $3::bigint, $2::bigint)) c"
	    " ORDER BY g", 4);
	char		 a[24], b[24], step[16], size[24];
	const char	*p[4];
	PGresult	*cr, *res;
	int		 j = 0, failed = 0, rc = -1;

	snprintf(a, sizeof(a), "%lld", lo);
	snprintf(b, sizeof(b), "%lld", hi);
	snprintf(step, sizeof(step), "%d", LOG_CHUNK);
	snprintf(size, sizeof(size), "%lld", v->tree.size);
	p[0] = a;
	p[1] = b;
	p[2] = step;
	p[3] = size;
	if ((cr = db_exec_binary(v->r, &cps, p)) == NULL)
		return -1;
	if (db_stream_open(v->r, &chunks, p) == -1)
		goto out;
	while ((res = db_stream_next(v->r, &failed)) != NULL) {
		log_chunk_fold(v, f, res, cr, &j, prev, lc);
		PQclear(res);
		if (log_moot(v)) {
			db_stream_close(v->r);
			rc = 0;
			goto out;
		}
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
 * compare its root at each checkpoint's size with the root stored there,
 * and each tile with the stored one; then the latest checkpoint
 * (v->tree, loaded): nothing placed beyond it, its signature verifies,
 * this service's key made it.  Fills `lc`.  Returns 0, or -1 with the
 * failure recorded.
 */
static int
verify_log(struct verify *v, struct logcheck *lc)
{
	static struct stmt beyond = STMT(
	    "SELECT (SELECT idxs IS NOT NULL"
	    " FROM log_chunk($1, 9223372036854775807)) AS placed", 1);
	struct merkle_frontier	 f;
	PGresult		*lr = NULL;
	char			 lo[24];
	const char		*p[1];
	long long		 size = v->tree.size, at, prev = 0;
	int			 rc = -1;

	memset(lc, 0, sizeof(*lc));
	lc->ok = 1;
	merkle_init(&f);
	snprintf(lo, sizeof(lo), "%lld", size);
	p[0] = lo;
	if ((lr = db_exec(v->r, &beyond, p)) == NULL)
		goto out;
	for (at = 0; at < size && !log_moot(v); at += LOG_BATCH)
		if (log_range_check(v, &f, at, at + LOG_BATCH < size ?
		    at + LOG_BATCH : size, &prev, lc) == -1)
			goto out;
	rc = 0;
	if (!lc->ok)
		goto out;
	if (strcmp(db_get(lr, 0, "placed"), "t") == 0)
		log_bad(lc, size, size + 1, "leaves are placed past the "
		    "latest checkpoint");
	else if (v->tree.bad != NULL)
		log_bad(lc, size, size, v->tree.bad);
out:
	PQclear(lr);
	return rc;
}

/* ---- beside the walk ---------------------------------------------- */

/*
 * The keyset batches must walk their index.  Planned for the first key
 * (0), a custom plan may instead sort the whole scope to return the
 * first batch: the planner cannot know how many rows the region's filter
 * admits.  The generic plan walks the index from whatever key it is
 * given.  Set on each connection a verify reads through.
 */
static struct stmt generic = STMT(
    "SELECT set_config('plan_cache_mode', 'force_generic_plan', true)", 0);

/*
 * What runs beside the walk of a region or of the whole database, on a
 * thread of its own and a twin of the request (db_twin_open: the same
 * snapshot and scope on a second connection), so that PostgreSQL works
 * on both cores: for the whole database the log's check, into a copy of
 * the run's state of its own (the run's tree; its own sums and first
 * bad); then the evidence files' check, into an answer of its own.
 * verify_run merges both as if it had run them itself after the walk,
 * so the answer is the same.
 */
struct aside {
	struct req	 twin;
	enum vscope	 scope;
	const char	*filter;
	struct verify	*v;		/* the log's copy; NULL: no log here */
	struct logcheck	 lc;
	json_t		*files;		/* {"ok": true}, then verify_files' */
	atomic_int	 stop;		/* the walk went bad: the log is moot */
	int		 rc;
	int		 joined;
	pthread_t	 thread;
};

static void *
aside_run(void *arg)
{
	struct aside	*a = arg;

	/* A twin whose statement failed runs no other (db_twin_open). */
	a->rc = db_exec_ok(&a->twin, &generic, NULL) == -1 ||
	    (a->v != NULL && verify_log(a->v, &a->lc) == -1) ||
	    verify_files(&a->twin, a->scope, a->filter, a->files) == -1 ?
	    -1 : 0;
	return NULL;
}

/* Wait for `a` (once), then end its twin and free it all. */
static void
aside_free(struct aside *a)
{
	if (a == NULL)
		return;
	atomic_store(&a->stop, 1);
	if (!a->joined)
		pthread_join(a->thread, NULL);
	db_twin_close(&a->twin);
	if (a->v != NULL) {
		chain_hasher_close(&a->v->h);
		free(a->v);
	}
	json_decref(a->files);
	free(a);
}

/*
 * Start what runs beside the walk of `v` (a region's or the whole
 * database's, its tree loaded).  Returns it, or NULL when it cannot run
 * (no second connection, no memory): then verify_run does it all.
 */
static struct aside *
aside_start(struct verify *v)
{
	struct aside	*a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	atomic_init(&a->stop, 0);
	a->scope = v->scope;
	a->filter = v->filter;
	a->files = json_pack("{s:b}", "ok", 1);
	if (a->scope == VS_ALL && (a->v = calloc(1, sizeof(*a->v))) != NULL) {
		a->v->scope = v->scope;
		a->v->tree = v->tree;		/* read only; the run's */
		a->v->stop = &a->stop;
		if (chain_hasher_open(&a->v->h) == -1) {
			free(a->v);
			a->v = NULL;
		}
	}
	if (a->files == NULL || (a->scope == VS_ALL && a->v == NULL) ||
	    db_twin_open(v->r, &a->twin) == -1) {
		a->joined = 1;
		aside_free(a);
		return NULL;
	}
	if (a->v != NULL)
		a->v->r = &a->twin;
	if (pthread_create(&a->thread, NULL, aside_run, a) != 0) {
		a->joined = 1;
		aside_free(a);
		return NULL;
	}
	return a;
}

/*
 * Wait for `a`, and when the walk and the streams were good (`ok`) take
 * the log's outcome into `v` and `lc` -- its sums, its first bad -- as
 * verify_log would have left them; else leave them, as verify_run
 * would not have run it.  Returns 0, or -1 with the twin's failure
 * recorded in the request.
 */
static int
aside_join(struct aside *a, struct verify *v, int ok, struct logcheck *lc)
{
	struct verify	*l = a->v;

	if (!ok)
		atomic_store(&a->stop, 1);
	pthread_join(a->thread, NULL);
	a->joined = 1;
	if (a->rc == -1) {
		v->r->fault = a->twin.fault;
		memcpy(v->r->sqlstate, a->twin.sqlstate, sizeof(v->r->sqlstate));
		return -1;
	}
	if (!ok || l == NULL)
		return 0;
	*lc = a->lc;
	v->leaves = l->leaves;
	v->leaves_sum = l->leaves_sum;
	v->s_leaves = l->s_leaves;
	v->s_leaves_sum = l->s_leaves_sum;
	if (l->bad)
		verify_bad_field(v, l->bad_at, l->bad_field, l->reason);
	return 0;
}

/*
 * The files' answer `f` (verify_files' into {"ok": true}) into the
 * run's `o`, as verify_files would have written it there: its section,
 * and its first bad file only when the answer was still ok.
 */
static void
files_merge(json_t *o, json_t *f)
{
	json_object_set(o, "files", json_object_get(f, "files"));
	if (json_is_true(json_object_get(f, "ok")) ||
	    !json_is_true(json_object_get(o, "ok")))
		return;
	json_object_set_new(o, "ok", json_false());
	json_object_set(o, "first_bad", json_object_get(f, "first_bad"));
	json_object_set(o, "reason", json_object_get(f, "reason"));
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

/*
 * The answer: {"ok", "checked", "cases", "scope", "seconds",
 * "checkpoint"}, when ok "covered" and "uncovered", and when not ok,
 * where and why: the first bad event -- a case's (entity, entity_id,
 * case, seq), another stream's (entity, entity_id, seq) --, or the first
 * case whose row its events do not make (seq null, and the field), or
 * first_bad null when the log or its checkpoint is what fails.  checked:
 * the events of every stream checked; covered: those the latest signed
 * checkpoint was checked to hold; uncovered: those it does not cover
 * yet, only chain-checked.
 */
static json_t *
verify_json(const struct verify *v, const struct logcheck *lc, double secs)
{
	json_int_t	 checked = (json_int_t)(v->checked + v->s_checked);
	json_t		*o, *fb;

	o = json_pack("{s:b, s:I, s:I, s:s, s:f}", "ok", !v->bad && lc->ok,
	    "checked", checked, "cases", (json_int_t)v->cases,
	    "scope", vscope_names[v->scope], "seconds", secs);
	if (o == NULL)
		return NULL;
	if (!v->bad && lc->ok) {
		json_object_set_new(o, "covered", json_integer(v->covered));
		json_object_set_new(o, "uncovered",
		    json_integer(checked - v->covered));
	}
	json_object_set_new(o, "checkpoint", v->tree.size > 0 ?
	    json_pack("{s:I, s:s, s:b}", "size", (json_int_t)v->tree.size,
	    "root", v->tree.roothex, "ok", v->tree.bad == NULL) :
	    json_null());
	if (v->bad && v->bad_at.e != LEDGER_CASE) {
		json_object_set_new(o, "first_bad", json_pack("{s:s, s:I, s:i}",
		    "entity", entity_name(v->bad_at.e),
		    "entity_id", (json_int_t)v->bad_at.c,
		    "seq", (int)v->bad_at.s));
		json_object_set_new(o, "reason", json_string(v->reason));
		return o;
	}
	if (v->bad) {
		fb = json_pack("{s:s, s:I, s:I}", "entity",
		    ledger_streams[LEDGER_CASE].name,
		    "entity_id", (json_int_t)v->bad_at.c,
		    "case", (json_int_t)v->bad_at.c);
		if (v->bad_field != NULL) {
			json_object_set_new(fb, "seq", json_null());
			json_object_set_new(fb, "field",
			    json_string(v->bad_field));
		} else
			json_object_set_new(fb, "seq",
			    json_integer(v->bad_at.s));
		json_object_set_new(o, "first_bad", fb);
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
 * recomputed, the case rows' heads, the log's leaves, every event the
 * latest signed checkpoint covers against it, each case's row against
 * its history replayed through `rp` (NULL: not), and, for the whole log,
 * every signed tree head.  Returns the answer (a new reference) and
 * *found 1; NULL with *found 0 when the scope names nothing the user
 * may see; NULL with *found -1 on a failure (recorded in `r`).
 */
json_t *
verify_run(struct req *r, enum vscope scope, const char *filter,
    const struct ledger_replay *rp, int *found)
{
	struct verify	*v = NULL;
	struct aside	*a = NULL;
	struct logcheck	 lc;
	struct timespec	 t0;
	json_t		*o = NULL;
	double		 tw, ts, tl, tr;
	int		 vis, ok;

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
	if (rp != NULL && (v->rs = rp->open()) == NULL) {
		req_fail(r, "verify: out of memory");
		goto out;
	}
	v->rp = rp;
	memset(&lc, 0, sizeof(lc));
	lc.ok = 1;
	if (db_exec_ok(r, &generic, NULL) == -1 ||
	    (vis = verify_visible(v)) == -1)
		goto out;
	if (vis == 0) {
		*found = 0;
		goto out;
	}
	if (tree_load(v, &v->tree) == -1)
		goto out;
	/* The log and the files beside the walk, on the other core. */
	if (v->scope != VS_CASE)
		a = aside_start(v);
	if (verify_walk(v) == -1)
		goto out;
	tw = since(&t0);
	if (!v->bad && verify_streams(v) == -1)
		goto out;
	ts = since(&t0);
	ok = !v->bad;
	if (a != NULL && aside_join(a, v, ok, &lc) == -1)
		goto out;
	if (ok && v->scope == VS_ALL) {
		if ((a == NULL || a->v == NULL) && verify_log(v, &lc) == -1)
			goto out;
		/* The fold counted the placed leaves it checked. */
		if (v->tree.bad == NULL)
			v->covered = v->leaves + v->s_leaves;
	} else if (ok && v->tree.bad != NULL)
		log_bad(&lc, v->tree.size, v->tree.size, v->tree.bad);
	tl = since(&t0);
	if ((!v->bad && verify_leaves(v) == -1) || verify_rest(v) == -1)
		goto out;
	tr = since(&t0);
	log_info("request %s: verify %s%s%s checked=%lld+%lld ok=%d "
	    "walk=%.3fs streams=%.3fs log=%.3fs%s rest=%.3fs", r->id,
	    vscope_names[v->scope], v->filter != NULL ? " " : "",
	    v->filter != NULL ? v->filter : "", v->checked, v->s_checked,
	    !v->bad && lc.ok, tw, ts - tw, tl - ts, a != NULL ? " (beside)" :
	    "", tr - tl);
	if (v->bad || !lc.ok)
		log_warn("request %s: verify %s %s: %s", r->id,
		    vscope_names[v->scope], v->filter != NULL ? v->filter : "",
		    v->bad ? v->reason : lc.reason);
	if ((o = verify_json(v, &lc, tr)) == NULL)
		req_fail(r, "verify: could not build the answer");
	else if (a != NULL)
		files_merge(o, a->files);
	else if (verify_files(r, scope, filter, o) == -1) {
		/* The evidence files (verify_files.c): their own section. */
		json_decref(o);
		o = NULL;
	}
	if (o != NULL)
		*found = 1;
out:
	aside_free(a);
	if (v != NULL) {
		if (v->rs != NULL)
			v->rp->close(v->rs);
		free(v->tree.tiles);
		PQclear(v->heads.res);
		chain_hasher_close(&v->h);
		free(v->jumps);
		free(v->sk);
		free(v);
	}
	return o;
}
