/*
 * audit.c: the auditors' side of the tamper-evident history.
 *
 *	GET /api/v1/audit/events		the events, filtered: JSON pages,
 *						or CSV (paged, or all of it streamed)
 *	GET /api/v1/audit/verify		recompute every chain and check
 *						it against the cases and the log
 *	GET /api/v1/audit/checkpoints/latest	the latest signed tree head
 *
 * Role auditor or admin (router.c); region-scoped like everything else:
 * each request runs in a transaction db_begin* scopes to the user, and
 * row-level security hides what lies outside the user's region.  The
 * bulk readers go through the data in keyset batches on one snapshot,
 * so memory stays bounded by a batch however much there is.
 */
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "paicha.h"
#include "merkle.h"

#define EVENTS_DEFAULT	100	/* JSON page */
#define EVENTS_MAX	1000	/* a page, JSON or CSV */
#define EXPORT_BATCH	500	/* rows per statement of a streamed CSV */
#define VERIFY_BATCH	4000	/* rows per statement of verify */
#define LOG_BATCH	16384	/* leaves per statement of the log check */
#define CURSOR_MAX	64	/* bytes of an events cursor */
#define SKELETON_MAX	8192	/* a record without its payload, bytes */

/* Seconds between the Unix epoch and PostgreSQL's (2000-01-01). */
#define PG_EPOCH_US	946684800000000LL

/* ------------------------------------------------------------------ */
/* Query values                                                       */
/* ------------------------------------------------------------------ */

/* An event name: "create" or one of the workflow's. */
static const char *
check_event(const char *s)
{
	return strcmp(s, "create") == 0 || wf_event_parse(s) != WF_EV__MAX ?
	    NULL : "不是已知的事件";
}

/* `n` decimal digits at `s`, as a number; -1 when they are not. */
static int
digits(const char *s, int n)
{
	int	 v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * Whether `s` is an RFC 3339 date-time PostgreSQL reads as the same
 * instant: YYYY-MM-DDTHH:MM:SS, 1-6 fraction digits, Z or +HH:MM.
 */
static int
is_rfc3339(const char *s)
{
	char		 date[11];
	const char	*p;
	int		 day, n;

	if (strlen(s) < 20)
		return 0;
	memcpy(date, s, 10);
	date[10] = '\0';
	if (wf_date_parse(date, &day) != WF_DATE_OK || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' ||
	    (n = digits(s + 11, 2)) < 0 || n > 23 ||
	    (n = digits(s + 14, 2)) < 0 || n > 59 ||
	    (n = digits(s + 17, 2)) < 0 || n > 59)
		return 0;
	p = s + 19;
	if (*p == '.') {
		for (n = 0, p++; *p >= '0' && *p <= '9'; p++)
			n++;
		if (n < 1 || n > 6)
			return 0;
	}
	if (p[0] == 'Z' && p[1] == '\0')
		return 1;
	return (p[0] == '+' || p[0] == '-') && p[3] == ':' && p[6] == '\0' &&
	    (n = digits(p + 1, 2)) >= 0 && n <= 14 &&
	    (n = digits(p + 4, 2)) >= 0 && n <= 59;
}

/* from/to: a date (a whole day in China Standard Time) or an instant. */
static const char *
check_time(const char *s)
{
	int	 day;

	if (strlen(s) == 10)
		return wf_date_parse(s, &day) == WF_DATE_OK ? NULL :
		    "应为日期 YYYY-MM-DD 或 RFC 3339 时间";
	return is_rfc3339(s) ? NULL : "应为日期 YYYY-MM-DD 或 RFC 3339 时间";
}

/*
 * An events cursor: "<at>_<case>_<seq>", the last row of a page, as
 * next_cursor gave it.  Splits a copy of it into `buf`; returns 0 with
 * the three parts set, or -1 when it is not one.
 */
static int
cursor_split(const char *s, char *buf, size_t size, const char **at,
    const char **cid, const char **seq)
{
	char	*a, *b;

	if (strlen(s) >= size)
		return -1;
	memcpy(buf, s, strlen(s) + 1);
	if ((b = strrchr(buf, '_')) == NULL)
		return -1;
	*b++ = '\0';
	if ((a = strrchr(buf, '_')) == NULL)
		return -1;
	*a++ = '\0';
	if (!is_rfc3339(buf) || *a == '\0' || *b == '\0' ||
	    strspn(a, "0123456789") != strlen(a) || strlen(a) > 18 ||
	    strspn(b, "0123456789") != strlen(b) || strlen(b) > 9)
		return -1;
	*at = buf;
	*cid = a;
	*seq = b;
	return 0;
}

static const char *
check_cursor(const char *s)
{
	char		 buf[CURSOR_MAX + 1];
	const char	*a, *c, *q;

	return cursor_split(s, buf, sizeof(buf), &a, &c, &q) == 0 ? NULL :
	    "不是有效的游标";
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/audit/events                                           */
/* ------------------------------------------------------------------ */

static const char *const formats[] = { "json", "csv", NULL };

struct events_in {
	long long	 case_id;
	const char	*actor;
	const char	*event;
	const char	*region;
	const char	*from;
	const char	*to;
	const char	*cursor;
	long long	 limit;
	const char	*format;
};

enum { EF_CASE, EF_ACTOR, EF_EVENT, EF_REGION, EF_FROM, EF_TO, EF_CURSOR,
    EF_LIMIT, EF_FORMAT, EF__MAX };

static const struct vfield events_fields[EF__MAX] = {
	[EF_CASE] = { "case", VT_ID, 0, 0, 0, NULL, NULL,
	    offsetof(struct events_in, case_id) },
	[EF_ACTOR] = { "actor", VT_STRING, 0, 1, 63, NULL, NULL,
	    offsetof(struct events_in, actor) },
	[EF_EVENT] = { "event", VT_STRING, 0, 1, 40, NULL, check_event,
	    offsetof(struct events_in, event) },
	[EF_REGION] = { "region", VT_REGION, 0, 0, 0, NULL, NULL,
	    offsetof(struct events_in, region) },
	[EF_FROM] = { "from", VT_STRING, 0, 10, 40, NULL, check_time,
	    offsetof(struct events_in, from) },
	[EF_TO] = { "to", VT_STRING, 0, 10, 40, NULL, check_time,
	    offsetof(struct events_in, to) },
	[EF_CURSOR] = { "cursor", VT_STRING, 0, 1, CURSOR_MAX, NULL,
	    check_cursor, offsetof(struct events_in, cursor) },
	[EF_LIMIT] = { "limit", VT_INT, 0, 1, EVENTS_MAX, NULL, NULL,
	    offsetof(struct events_in, limit) },
	[EF_FORMAT] = { "format", VT_ENUM, 0, 0, 0, formats, NULL,
	    offsetof(struct events_in, format) },
};

/*
 * The events the filters select, oldest first ((at, case, seq) order,
 * the cursor's), at most $12 of them, in the user's scope (RLS).  A date
 * `from` starts at 00:00 and a date `to` ends at 24:00, China Standard
 * Time; an instant is taken as it is, `to` inclusive.
 */
static struct stmt events_stmt = STMT(
    "SELECT e.case_id, e.seq, rfc3339(e.at) AS at, e.actor, u.username,"
    " u.display_name, e.role, e.region, e.case_region, e.event, e.phase,"
    " e.from_state, e.to_state, e.record, e.request_id,"
    " encode(e.hash, 'hex') AS hash, encode(e.prev_hash, 'hex') AS prev_hash"
    " FROM case_events e LEFT JOIN LATERAL user_public(e.actor) u ON true"
    " WHERE ($1::bigint IS NULL OR e.case_id = $1)"
    " AND ($2::text IS NULL OR e.actor = user_id_of($2))"
    " AND ($3::text IS NULL OR e.event = $3)"
    " AND ($4::text IS NULL OR (e.case_region >= region_lo($4::char(6))"
    "   AND e.case_region < region_hi($4::char(6))))"
    " AND ($5::date IS NULL"
    "   OR e.at >= $5::date::timestamp AT TIME ZONE 'Asia/Shanghai')"
    " AND ($6::timestamptz IS NULL OR e.at >= $6::timestamptz)"
    " AND ($7::date IS NULL"
    "   OR e.at < ($7::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')"
    " AND ($8::timestamptz IS NULL OR e.at <= $8::timestamptz)"
    " AND ($9::timestamptz IS NULL OR (e.at, e.case_id, e.seq)"
    "   > ($9::timestamptz, $10::bigint, $11::integer))"
    " ORDER BY e.at, e.case_id, e.seq LIMIT $12", 12);

/* The statement's parameters: filters, cursor and limit. */
struct events_q {
	const char	*p[12];
	char		 cid[24], lim[16];
	char		 cur[CURSOR_MAX + 1];
	char		 at[40], ccase[24], cseq[16];	/* the last row's key */
};

static void
events_params(struct events_q *q, const struct events_in *in,
    unsigned present)
{
	const char	*at, *cid, *seq;
	int		 dated;

	memset(q->p, 0, sizeof(q->p));
	if (present & (1u << EF_CASE)) {
		snprintf(q->cid, sizeof(q->cid), "%lld", in->case_id);
		q->p[0] = q->cid;
	}
	q->p[1] = in->actor;
	q->p[2] = in->event;
	q->p[3] = in->region;
	if (in->from != NULL) {
		dated = strlen(in->from) == 10;
		q->p[dated ? 4 : 5] = in->from;
	}
	if (in->to != NULL) {
		dated = strlen(in->to) == 10;
		q->p[dated ? 6 : 7] = in->to;
	}
	if (in->cursor != NULL && cursor_split(in->cursor, q->cur,
	    sizeof(q->cur), &at, &cid, &seq) == 0) {
		q->p[8] = at;
		q->p[9] = cid;
		q->p[10] = seq;
	}
	q->p[11] = q->lim;
}

/* Go on after row `i` of `res`, the last one sent. */
static void
events_advance(struct events_q *q, const PGresult *res, int i)
{
	snprintf(q->at, sizeof(q->at), "%s", db_get(res, i, "at"));
	snprintf(q->ccase, sizeof(q->ccase), "%s", db_get(res, i, "case_id"));
	snprintf(q->cseq, sizeof(q->cseq), "%s", db_get(res, i, "seq"));
	q->p[8] = q->at;
	q->p[9] = q->ccase;
	q->p[10] = q->cseq;
}

/* The next_cursor for row `i` of `res` into `out` (CURSOR_MAX + 1). */
static void
events_cursor(const PGresult *res, int i, char *out)
{
	snprintf(out, CURSOR_MAX + 1, "%s_%s_%s", db_get(res, i, "at"),
	    db_get(res, i, "case_id"), db_get(res, i, "seq"));
}

static json_t *
opt_str(const PGresult *res, int i, const char *col)
{
	return db_isnull(res, i, col) ? json_null() :
	    json_string(db_get(res, i, col));
}

/* The payload object of a record (a new reference), or JSON null. */
static json_t *
record_payload(const char *record)
{
	json_t	*rec, *p;

	if ((rec = json_loads(record, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return json_null();
	p = json_object_get(rec, "payload");
	p = p != NULL ? json_incref(p) : json_null();
	json_decref(rec);
	return p;
}

/* Row `i` of an events result as the JSON item (a new reference). */
static json_t *
event_item(const PGresult *res, int i)
{
	return json_pack("{s:I, s:i, s:s, s:o, s:I, s:o, s:s, s:s, s:s, s:s,"
	    " s:s, s:o, s:s, s:o, s:s, s:s, s:s}",
	    "case", (json_int_t)strtoll(db_get(res, i, "case_id"), NULL, 10),
	    "seq", atoi(db_get(res, i, "seq")),
	    "at", db_get(res, i, "at"),
	    "actor", opt_str(res, i, "username"),
	    "actor_id", (json_int_t)strtoll(db_get(res, i, "actor"), NULL, 10),
	    "actor_name", opt_str(res, i, "display_name"),
	    "role", db_get(res, i, "role"),
	    "region", db_get(res, i, "region"),
	    "case_region", db_get(res, i, "case_region"),
	    "event", db_get(res, i, "event"),
	    "phase", db_get(res, i, "phase"),
	    "from", opt_str(res, i, "from_state"),
	    "to", db_get(res, i, "to_state"),
	    "payload", record_payload(db_get(res, i, "record")),
	    "request_id", db_get(res, i, "request_id"),
	    "hash", db_get(res, i, "hash"),
	    "prev_hash", db_get(res, i, "prev_hash"));
}

/* ---- CSV ---------------------------------------------------------- */

static const char *const csv_header[] = {
	"seq", "case", "at", "actor", "role", "region", "event", "phase",
	"from", "to", "payload", "hash", "prev_hash", NULL
};

/* Output to the streamed reply; `failed` once the client is gone. */
struct csv {
	struct req	*r;
	int		 failed;
};

static void
csv_put(struct csv *c, const char *s, size_t n)
{
	if (!c->failed && reply_stream_write(c->r, s, n) == -1)
		c->failed = 1;
}

/*
 * One cell, after a comma unless it is the first: quoted when it holds
 * a comma, quote or line break (quotes doubled, RFC 4180); and a cell a
 * spreadsheet would take for a formula (= + - @, tab, CR first) gets a
 * leading apostrophe, so opening the export never runs anything.
 */
static void
csv_cell(struct csv *c, const char *s, int first)
{
	const char	*q;
	int		 quote, formula;

	if (!first)
		csv_put(c, ",", 1);
	if (s == NULL || *s == '\0')
		return;
	formula = strchr("=+-@\t\r", *s) != NULL;
	quote = strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		csv_put(c, "\"", 1);
	if (formula)
		csv_put(c, "'", 1);
	while ((q = quote ? strchr(s, '"') : NULL) != NULL) {
		csv_put(c, s, (size_t)(q - s) + 1);
		csv_put(c, "\"", 1);
		s = q + 1;
	}
	csv_put(c, s, strlen(s));
	if (quote)
		csv_put(c, "\"", 1);
}

static void
csv_row(struct csv *c, const PGresult *res, int i)
{
	json_t	*payload;
	char	*text;

	payload = record_payload(db_get(res, i, "record"));
	text = chain_canonical(payload);
	json_decref(payload);
	csv_cell(c, db_get(res, i, "seq"), 1);
	csv_cell(c, db_get(res, i, "case_id"), 0);
	csv_cell(c, db_get(res, i, "at"), 0);
	csv_cell(c, db_isnull(res, i, "username") ? db_get(res, i, "actor") :
	    db_get(res, i, "username"), 0);
	csv_cell(c, db_get(res, i, "role"), 0);
	csv_cell(c, db_get(res, i, "region"), 0);
	csv_cell(c, db_get(res, i, "event"), 0);
	csv_cell(c, db_get(res, i, "phase"), 0);
	csv_cell(c, db_isnull(res, i, "from_state") ? NULL :
	    db_get(res, i, "from_state"), 0);
	csv_cell(c, db_get(res, i, "to_state"), 0);
	csv_cell(c, text, 0);
	csv_cell(c, db_get(res, i, "hash"), 0);
	csv_cell(c, db_get(res, i, "prev_hash"), 0);
	csv_put(c, "\r\n", 2);
	free(text);
}

/*
 * The CSV export: a UTF-8 BOM, the header, then the rows.  With `limit`
 * one page of at most that many rows (X-Next-Cursor names the next);
 * without, every selected row, streamed in batches of EXPORT_BATCH on
 * one snapshot: memory stays one batch, however long the history.  A
 * failure after the first byte drops the connection (no partial file
 * passes for a whole one).
 */
static void
events_csv(struct req *r, struct events_q *q, PGresult *res, int paged,
    long long limit)
{
	struct csv	 c = { r, 0 };
	int		 i, n, h;

	if (paged && PQntuples(res) > limit)
		events_cursor(res, (int)limit - 1, r->next_cursor);
	snprintf(r->disposition, sizeof(r->disposition),
	    "attachment; filename=\"paicha-audit-events.csv\"");
	reply_stream_start(r, 200, "text/csv; charset=utf-8");
	csv_put(&c, "\xef\xbb\xbf", 3);
	for (h = 0; csv_header[h] != NULL; h++)
		csv_cell(&c, csv_header[h], h == 0);
	csv_put(&c, "\r\n", 2);
	for (;;) {
		n = PQntuples(res);
		for (i = 0; i < n && i < limit && !c.failed; i++)
			csv_row(&c, res, i);
		if (paged || n < limit || c.failed)
			break;
		events_advance(q, res, n - 1);
		PQclear(res);
		if ((res = db_exec(r, &events_stmt, q->p)) == NULL) {
			reply_stream_abort(r);
			return;
		}
	}
	PQclear(res);
}

void
audit_events(struct req *r)
{
	struct events_in in;
	struct events_q	 q;
	unsigned	 present;
	PGresult	*res = NULL;
	json_t		*items;
	char		 next[CURSOR_MAX + 1];
	int		 i, n, csv, paged;

	memset(&in, 0, sizeof(in));
	in.limit = EVENTS_DEFAULT;
	if (validate_query(r, events_fields, EF__MAX, &in, &present) == -1)
		return;
	csv = in.format != NULL && strcmp(in.format, "csv") == 0;
	paged = !csv || (present & (1u << EF_LIMIT));
	if (!paged)
		in.limit = EXPORT_BATCH;
	events_params(&q, &in, present);
	/* One more than a page: whether there is a next one. */
	snprintf(q.lim, sizeof(q.lim), "%lld", paged ? in.limit + 1 : in.limit);
	if (db_begin_snapshot(r) == -1 ||
	    (res = db_exec(r, &events_stmt, q.p)) == NULL) {
		reply_db_error(r);
		return;
	}
	if (csv) {
		events_csv(r, &q, res, paged, in.limit);
		return;
	}
	items = json_array();
	n = PQntuples(res);
	for (i = 0; i < n && i < in.limit; i++)
		json_array_append_new(items, event_item(res, i));
	if (n > in.limit)
		events_cursor(res, (int)in.limit - 1, next);
	reply_json(r, 200, json_pack("{s:o, s:o}", "items", items,
	    "next_cursor", n > in.limit ? json_string(next) : json_null()));
	PQclear(res);
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/audit/verify                                           */
/* ------------------------------------------------------------------ */

/*
 * Three streams are read side by side in (case_id, seq) order -- the
 * events, the cases (their chain heads) and the log leaves -- each in
 * keyset batches of binary rows.  Every position where they disagree is
 * a candidate; positions are visited in order, so the first one found
 * is the first bad (case, seq).
 */

enum vscope {
	VS_CASE,	/* ?case=ID */
	VS_REGION,	/* ?region=CODE */
	VS_ALL,		/* everything the user may see */
	VS__MAX
};

static const char *const vscope_names[VS__MAX] = {
	[VS_CASE] = "case", [VS_REGION] = "region", [VS_ALL] = "all",
};

#define EVENT_COLS \
	"SELECT case_id, seq, at, actor, role, region, case_region, event," \
	" phase, from_state, to_state, request_id, record, prev_hash, hash" \
	" FROM case_events"

/* Each stream's statement per scope: $1, $2 the last key, $3 the batch. */
static struct stmt ev_stmts[VS__MAX] = {
	[VS_CASE] = STMT(EVENT_COLS " WHERE case_id = $4"
	    " AND (case_id, seq) > ($1, $2) ORDER BY case_id, seq LIMIT $3", 4),
	[VS_REGION] = STMT(EVENT_COLS " WHERE (case_id, seq) > ($1, $2)"
	    " AND case_region >= region_lo($4::char(6))"
	    " AND case_region < region_hi($4::char(6))"
	    " ORDER BY case_id, seq LIMIT $3", 4),
	[VS_ALL] = STMT(EVENT_COLS " WHERE (case_id, seq) > ($1, $2)"
	    " ORDER BY case_id, seq LIMIT $3", 3),
};

#define CASE_COLS	"SELECT id, last_seq, last_hash FROM cases"

static struct stmt case_stmts[VS__MAX] = {
	[VS_CASE] = STMT(CASE_COLS " WHERE id = $4 AND id > $1"
	    " AND $2::integer IS NOT NULL ORDER BY id LIMIT $3", 4),
	[VS_REGION] = STMT(CASE_COLS " WHERE id > $1"
	    " AND $2::integer IS NOT NULL"
	    " AND region >= region_lo($4::char(6))"
	    " AND region < region_hi($4::char(6)) ORDER BY id LIMIT $3", 4),
	[VS_ALL] = STMT(CASE_COLS " WHERE id > $1 AND $2::integer IS NOT NULL"
	    " ORDER BY id LIMIT $3", 3),
};

#define LEAF_COLS	"SELECT case_id, seq, leaf FROM log_leaves"

static struct stmt leaf_stmts[VS__MAX] = {
	[VS_CASE] = STMT(LEAF_COLS " WHERE case_id = $4"
	    " AND (case_id, seq) > ($1, $2) ORDER BY case_id, seq LIMIT $3", 4),
	[VS_REGION] = STMT(LEAF_COLS " WHERE (case_id, seq) > ($1, $2)"
	    " AND case_region >= region_lo($4::char(6))"
	    " AND case_region < region_hi($4::char(6))"
	    " ORDER BY case_id, seq LIMIT $3", 4),
	[VS_ALL] = STMT(LEAF_COLS " WHERE (case_id, seq) > ($1, $2)"
	    " ORDER BY case_id, seq LIMIT $3", 3),
};

/* A position in (case_id, seq) order; seq 0 sorts before every event. */
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

/* One keyset-paged reader of binary rows. */
struct vstream {
	struct stmt	*st;
	PGresult	*res;
	int		 row, n;
	int		 more;		/* the last batch was full */
	struct pos	 last;		/* key of the last row fetched */
	int		 col[16];	/* column numbers, by the reader's enum */
};

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

/* The whole verification's state. */
struct verify {
	struct req		*r;
	enum vscope		 scope;
	const char		*filter;	/* case id or region, as text */
	struct chain_hasher	 h;
	struct vstream		 ev, cs, lf;
	/* The case being walked. */
	int64_t			 cur;		/* 0: none yet */
	int32_t			 cur_seq;	/* last event seen */
	unsigned char		 cur_hash[CHAIN_LEN];
	int			 head_known;	/* its cases row was found */
	int32_t			 head_seq;
	unsigned char		 head_hash[CHAIN_LEN];
	/* The outcome. */
	long long		 checked, cases;
	int			 bad;
	struct pos		 bad_at;
	const char		*reason;
	int			 failed;	/* database or memory: 5xx */
	/* The record without its payload, rebuilt from the columns. */
	char			*sk;
	size_t			 sklen;
};

/*
 * Fetch the next batch of `s` after its last key.  Returns 0, or -1 with
 * the failure recorded (v->failed).
 */
static int
vstream_fetch(struct verify *v, struct vstream *s, int batch)
{
	char		 c[24], q[16], lim[16];
	const char	*p[4];

	PQclear(s->res);
	s->res = NULL;
	s->row = s->n = 0;
	snprintf(c, sizeof(c), "%lld", (long long)s->last.c);
	snprintf(q, sizeof(q), "%d", (int)s->last.s);
	snprintf(lim, sizeof(lim), "%d", batch);
	p[0] = c;
	p[1] = q;
	p[2] = lim;
	p[3] = v->filter;
	if ((s->res = db_exec_binary(v->r, s->st, p)) == NULL) {
		v->failed = 1;
		return -1;
	}
	s->n = PQntuples(s->res);
	s->more = s->n == batch;
	return 0;
}

/*
 * Make row s->row current, fetching when the batch is used up.  Returns
 * 1 when there is a row, 0 at the end, -1 on failure.
 */
static int
vstream_peek(struct verify *v, struct vstream *s, int batch)
{
	if (s->res != NULL && s->row < s->n)
		return 1;
	if (s->res != NULL && !s->more)
		return 0;
	if (vstream_fetch(v, s, batch) == -1)
		return -1;
	return s->n > 0;
}

/* Record the first bad position (the caller checks them in order). */
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

static int
sk_add(struct verify *v, const char *s, size_t n)
{
	if (v->sklen + n > SKELETON_MAX)
		return -1;
	memcpy(v->sk + v->sklen, s, n);
	v->sklen += n;
	return 0;
}

#define SK_LIT(v, lit)	sk_add((v), (lit), sizeof(lit) - 1)

static int
sk_int(struct verify *v, long long n)
{
	char	 buf[24];

	return sk_add(v, buf, (size_t)snprintf(buf, sizeof(buf), "%lld", n));
}

/*
 * A string as Jansson's canonical dump writes it: printable ASCII other
 * than '"' and '\' as is (the common case, done here), anything else by
 * Jansson itself.  Returns 0, or -1 when it cannot be JSON or is too long.
 */
static int
sk_str(struct verify *v, const char *s, size_t n)
{
	json_t	*j;
	char	*d;
	size_t	 i;
	int	 rc;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e ||
		    s[i] == '"' || s[i] == '\\')
			break;
	if (i == n)
		return SK_LIT(v, "\"") == 0 && sk_add(v, s, n) == 0 &&
		    SK_LIT(v, "\"") == 0 ? 0 : -1;
	if ((j = json_stringn(s, n)) == NULL)
		return -1;
	d = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
	json_decref(j);
	rc = d != NULL ? sk_add(v, d, strlen(d)) : -1;
	free(d);
	return rc;
}

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
	int		 depth = 0;
	size_t		 bs;

	if (n < 2 || p[0] != '{' || p[n - 1] != '}')
		return 0;
	for (; p < e; p++) {
		switch (*p) {
		case '"':
			for (;;) {
				if ((q = memchr(p + 1, '"', (size_t)(e - p - 1))) ==
				    NULL)
					return 0;
				for (bs = 0; q - bs - 1 > p && q[-(long)bs - 1] ==
				    '\\'; bs++)
					continue;
				p = q;
				if (bs % 2 == 0)
					break;
			}
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

/* The event columns, by position in EVENT_COLS. */
enum evcol {
	EC_CASE, EC_SEQ, EC_AT, EC_ACTOR, EC_ROLE, EC_REGION, EC_CASE_REGION,
	EC_EVENT, EC_PHASE, EC_FROM, EC_TO, EC_REQUEST_ID, EC_RECORD,
	EC_PREV, EC_HASH, EC__MAX
};

/*
 * Whether the event's columns say what its record says.  The record is
 * canonical JSON (keys sorted, compact), so it must read exactly
 *
 *	{"actor":A,"at":"T","case":C,"case_region":"R","event":"E",
 *	 "from":F,"payload":{...},"phase":"P","region":"G",
 *	 "request_id":"I","role":"O","seq":S,"to":"N"}
 *
 * with the columns' values: rebuilt here and compared around the
 * payload, byte for byte -- no JSON parse per row.
 */
static int
columns_agree(struct verify *v, const PGresult *res, int i)
{
	const char	*rec = PQgetvalue(res, i, EC_RECORD);
	size_t		 len = (size_t)PQgetlength(res, i, EC_RECORD), pre;
	char		 at[32];

#define COL(c)		PQgetvalue(res, i, (c)), (size_t)PQgetlength(res, i, (c))
	v->sklen = 0;
	format_time(be64(PQgetvalue(res, i, EC_AT)) + PG_EPOCH_US, at);
	if (SK_LIT(v, "{\"actor\":") || sk_int(v, be64(PQgetvalue(res, i,
	    EC_ACTOR))) || SK_LIT(v, ",\"at\":") || sk_str(v, at, strlen(at)) ||
	    SK_LIT(v, ",\"case\":") || sk_int(v, be64(PQgetvalue(res, i,
	    EC_CASE))) || SK_LIT(v, ",\"case_region\":") ||
	    sk_str(v, COL(EC_CASE_REGION)) || SK_LIT(v, ",\"event\":") ||
	    sk_str(v, COL(EC_EVENT)) || SK_LIT(v, ",\"from\":") ||
	    (PQgetisnull(res, i, EC_FROM) ? SK_LIT(v, "null") :
	    sk_str(v, COL(EC_FROM))) || SK_LIT(v, ",\"payload\":"))
		return 0;
	pre = v->sklen;
	if (SK_LIT(v, ",\"phase\":") || sk_str(v, COL(EC_PHASE)) ||
	    SK_LIT(v, ",\"region\":") || sk_str(v, COL(EC_REGION)) ||
	    SK_LIT(v, ",\"request_id\":") || sk_str(v, COL(EC_REQUEST_ID)) ||
	    SK_LIT(v, ",\"role\":") || sk_str(v, COL(EC_ROLE)) ||
	    SK_LIT(v, ",\"seq\":") || sk_int(v, be32(PQgetvalue(res, i,
	    EC_SEQ))) || SK_LIT(v, ",\"to\":") || sk_str(v, COL(EC_TO)) ||
	    SK_LIT(v, "}"))
		return 0;
#undef COL
	/* sk = prefix (pre bytes) then suffix (the rest). */
	return len > v->sklen && memcmp(rec, v->sk, pre) == 0 &&
	    memcmp(rec + len - (v->sklen - pre), v->sk + pre,
	    v->sklen - pre) == 0 &&
	    one_object(rec + pre, len - v->sklen);
}

/* ---- walking the streams ------------------------------------------ */

/*
 * Leaves before position `before` have no event: each is bad.  Consumes
 * them.  Returns 0, or -1 on failure.
 */
static int
drain_leaves(struct verify *v, struct pos before)
{
	struct vstream	*s = &v->lf;
	struct pos	 at;
	int		 k;

	while ((k = vstream_peek(v, s, VERIFY_BATCH)) == 1) {
		at.c = be64(PQgetvalue(s->res, s->row, 0));
		at.s = be32(PQgetvalue(s->res, s->row, 1));
		if (pos_cmp(at, before) >= 0)
			break;
		verify_bad(v, at, "the log holds an event the history lacks "
		    "(deleted?)");
		s->row++;
		s->last = at;
	}
	return k == -1 ? -1 : 0;
}

/*
 * Cases rows before case `before` have no event at all: each is bad at
 * its first event.  Consumes them.  Returns 0, or -1 on failure.
 */
static int
drain_cases(struct verify *v, int64_t before)
{
	struct vstream	*s = &v->cs;
	struct pos	 at;
	int		 k;

	while ((k = vstream_peek(v, s, VERIFY_BATCH)) == 1) {
		at.c = be64(PQgetvalue(s->res, s->row, 0));
		at.s = 1;
		if (at.c >= before)
			break;
		v->cases++;
		verify_bad(v, at, "the case has no events (deleted?)");
		s->row++;
		s->last.c = at.c;
	}
	return k == -1 ? -1 : 0;
}

/*
 * The case being walked is done: its head must name its last event, and
 * no leaf of it may remain.  Returns 0, or -1 on failure.
 */
static int
finish_case(struct verify *v)
{
	struct pos	 at;

	if (v->cur == 0)
		return 0;
	at.c = v->cur;
	if (v->head_known && v->head_seq > v->cur_seq) {
		at.s = v->cur_seq + 1;
		verify_bad(v, at, "the case's head names events the history "
		    "lacks (the last ones deleted?)");
	} else if (v->head_known && v->head_seq < v->cur_seq) {
		at.s = v->head_seq + 1;
		verify_bad(v, at, "the history goes on past the case's head");
	} else if (v->head_known &&
	    memcmp(v->head_hash, v->cur_hash, CHAIN_LEN) != 0) {
		at.s = v->cur_seq;
		verify_bad(v, at, "the case's head hash is not its last "
		    "event's hash");
	}
	at.c = v->cur + 1;
	at.s = 0;
	return drain_leaves(v, at);
}

/*
 * Start walking case `c` (its first event in the stream is `first`):
 * cases and leaves before it are settled, and its head is looked up.
 * Returns 0, or -1 on failure.
 */
static int
start_case(struct verify *v, struct pos first)
{
	struct vstream	*s = &v->cs;
	struct pos	 at = { first.c, 0 };
	int		 k;

	if (drain_cases(v, first.c) == -1 || drain_leaves(v, at) == -1)
		return -1;
	v->cur = first.c;
	v->cur_seq = 0;
	memset(v->cur_hash, 0, CHAIN_LEN);
	v->head_known = 0;
	v->cases++;
	if ((k = vstream_peek(v, s, VERIFY_BATCH)) == -1)
		return -1;
	if (k == 1 && be64(PQgetvalue(s->res, s->row, 0)) == first.c) {
		v->head_known = 1;
		v->head_seq = be32(PQgetvalue(s->res, s->row, 1));
		if (PQgetlength(s->res, s->row, 2) != CHAIN_LEN)
			memset(v->head_hash, 0xff, CHAIN_LEN);
		else
			memcpy(v->head_hash, PQgetvalue(s->res, s->row, 2),
			    CHAIN_LEN);
		s->row++;
		s->last.c = first.c;
	} else
		verify_bad(v, first, "the events belong to no case row "
		    "(deleted?)");
	return 0;
}

/* Check event row `i` of the events batch; `at` is its position. */
static void
check_event_row(struct verify *v, const PGresult *res, int i, struct pos at)
{
	const unsigned char	*prev, *hash;
	unsigned char		 want[CHAIN_LEN];
	struct vstream		*l = &v->lf;
	struct pos		 lp;
	int			 k;

	prev = (const unsigned char *)PQgetvalue(res, i, EC_PREV);
	hash = (const unsigned char *)PQgetvalue(res, i, EC_HASH);
	if (at.s != v->cur_seq + 1) {
		at.s = v->cur_seq + 1;
		verify_bad(v, at, "an event is missing: the sequence has a gap");
		return;
	}
	if (PQgetlength(res, i, EC_PREV) != CHAIN_LEN ||
	    PQgetlength(res, i, EC_HASH) != CHAIN_LEN ||
	    memcmp(prev, v->cur_hash, CHAIN_LEN) != 0) {
		verify_bad(v, at, "prev_hash is not the previous event's hash");
		return;
	}
	if (chain_hash_with(&v->h, at.c, at.s, prev, PQgetvalue(res, i,
	    EC_RECORD), (size_t)PQgetlength(res, i, EC_RECORD), want) == -1) {
		v->failed = 1;
		return;
	}
	if (memcmp(want, hash, CHAIN_LEN) != 0) {
		verify_bad(v, at, "the hash does not match the record");
		return;
	}
	if (!columns_agree(v, res, i)) {
		verify_bad(v, at, "the columns disagree with the record");
		return;
	}
	if ((k = vstream_peek(v, l, VERIFY_BATCH)) == -1)
		return;
	lp.c = k == 1 ? be64(PQgetvalue(l->res, l->row, 0)) : 0;
	lp.s = k == 1 ? be32(PQgetvalue(l->res, l->row, 1)) : 0;
	if (k == 0 || pos_cmp(lp, at) != 0) {
		verify_bad(v, at, "the event has no leaf in the log");
		return;
	}
	l->row++;
	l->last = lp;
	if (PQgetlength(l->res, l->row - 1, 2) != CHAIN_LEN ||
	    memcmp(PQgetvalue(l->res, l->row - 1, 2), hash, CHAIN_LEN) != 0) {
		verify_bad(v, at, "the event's leaf in the log is not its hash");
		return;
	}
	v->cur_seq = at.s;
	memcpy(v->cur_hash, hash, CHAIN_LEN);
	v->checked++;
}

/*
 * Walk the three streams to the end or to the first bad position.
 * Returns 0 (v->bad tells), or -1 on failure.
 */
static int
verify_chains(struct verify *v)
{
	struct vstream	*e = &v->ev;
	struct pos	 at, end = { INT64_MAX, INT32_MAX };
	int		 k = 0;

	while (!v->bad && !v->failed &&
	    (k = vstream_peek(v, e, VERIFY_BATCH)) == 1) {
		at.c = be64(PQgetvalue(e->res, e->row, EC_CASE));
		at.s = be32(PQgetvalue(e->res, e->row, EC_SEQ));
		if (at.c != v->cur) {
			if (finish_case(v) == -1 || v->bad)
				break;
			if (start_case(v, at) == -1 || v->bad)
				break;
		}
		if (drain_leaves(v, at) == -1 || v->bad)
			break;
		check_event_row(v, e->res, e->row, at);
		e->row++;
		e->last = at;
	}
	if (v->failed || k == -1)
		return -1;
	if (v->bad)
		return 0;
	if (finish_case(v) == -1 || drain_cases(v, INT64_MAX) == -1 ||
	    drain_leaves(v, end) == -1)
		return -1;
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
 * Whether the latest checkpoint's signature verifies with the key it
 * names, over a message that names its size and root.
 */
static int
signature_ok(const PGresult *res, int i)
{
	const char	*pem = PQgetvalue(res, i, 3), *msg;
	char		 want[160], roothex[2 * MERKLE_HASH + 1];
	EVP_PKEY	*pub = NULL;
	EVP_MD_CTX	*ctx = NULL;
	BIO		*bio = NULL;
	int		 ok = 0;

	msg = PQgetvalue(res, i, 4);
	if (PQgetlength(res, i, 1) != MERKLE_HASH)
		return 0;
	hex_encode((const unsigned char *)PQgetvalue(res, i, 1), MERKLE_HASH,
	    roothex);
	snprintf(want, sizeof(want), "paicha-checkpoint/v1\n%lld\n%s\n",
	    (long long)be64(PQgetvalue(res, i, 0)), roothex);
	if (strncmp(msg, want, strlen(want)) != 0)
		return 0;
	if ((bio = BIO_new_mem_buf(pem, PQgetlength(res, i, 3))) == NULL ||
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

/*
 * Rebuild the Merkle tree from every placed leaf, in position order, and
 * compare its root at each checkpoint's size with the root stored there;
 * then the latest checkpoint: nothing placed beyond it, its signature
 * verifies, and this service's key made it.  Fills `lc`.  Returns 0, or
 * -1 on failure.
 */
static int
verify_log(struct verify *v, struct logcheck *lc)
{
	static struct stmt leaves = STMT(
	    "SELECT idx, leaf FROM log_range($1, $2)", 2);
	static struct stmt cps = STMT(
	    "SELECT size, root FROM checkpoints"
	    " WHERE size > $1 ORDER BY size LIMIT $2", 2);
	static struct stmt latest = STMT(
	    "SELECT size, root, signature, public_key, message FROM checkpoints"
	    " ORDER BY size DESC LIMIT 1", 0);
	struct merkle_frontier	 f;
	unsigned char		 lh[MERKLE_HASH], root[MERKLE_HASH];
	char			 lo[24], hi[24], lim[16];
	const char		*p[2];
	PGresult		*lr = NULL, *cr = NULL;
	long long		 prev = 0, cp;
	int			 i, j, n, rc = -1;

	memset(lc, 0, sizeof(*lc));
	lc->ok = 1;
	merkle_init(&f);
	snprintf(lim, sizeof(lim), "%d", VERIFY_BATCH);
	do {
		/* The next batch of checkpoints, in size order. */
		PQclear(cr);
		snprintf(lo, sizeof(lo), "%lld", prev);
		p[0] = lo;
		p[1] = lim;
		if ((cr = db_exec_binary(v->r, &cps, p)) == NULL)
			goto out;
		n = PQntuples(cr);
		for (j = 0; j < n && lc->ok; j++) {
			cp = be64(PQgetvalue(cr, j, 0));
			/* The leaves up to it, in position order. */
			while ((long long)f.size < cp) {
				PQclear(lr);
				snprintf(lo, sizeof(lo), "%llu",
				    (unsigned long long)f.size);
				snprintf(hi, sizeof(hi), "%lld",
				    (long long)f.size + LOG_BATCH < cp ?
				    (long long)f.size + LOG_BATCH : cp);
				p[0] = lo;
				p[1] = hi;
				if ((lr = db_exec_binary(v->r, &leaves, p)) ==
				    NULL)
					goto out;
				for (i = 0; i < PQntuples(lr); i++) {
					if (be64(PQgetvalue(lr, i, 0)) !=
					    (long long)f.size ||
					    PQgetlength(lr, i, 1) != MERKLE_HASH)
						break;
					merkle_leaf_hash(PQgetvalue(lr, i, 1),
					    MERKLE_HASH, lh);
					merkle_append(&f, lh);
				}
				if (PQntuples(lr) == 0 || i < PQntuples(lr))
					break;
			}
			merkle_root(&f, root);
			if ((long long)f.size != cp ||
			    PQgetlength(cr, j, 1) != MERKLE_HASH ||
			    memcmp(root, PQgetvalue(cr, j, 1), MERKLE_HASH) != 0) {
				lc->ok = 0;
				lc->bad_from = prev;
				lc->bad_to = cp;
				lc->reason = (long long)f.size != cp ?
				    "log positions are missing below a "
				    "checkpoint" : "the log does not give a "
				    "signed checkpoint's root";
			} else
				prev = cp;
		}
	} while (lc->ok && n == VERIFY_BATCH);
	if (!lc->ok || prev == 0) {
		rc = 0;
		goto out;
	}

	/* Nothing placed past the latest; its signature; whose key. */
	PQclear(lr);
	snprintf(lo, sizeof(lo), "%lld", prev);
	snprintf(hi, sizeof(hi), "%lld", prev + 1);
	p[0] = lo;
	p[1] = hi;
	if ((lr = db_exec_binary(v->r, &leaves, p)) == NULL)
		goto out;
	PQclear(cr);
	if ((cr = db_exec_binary(v->r, &latest, NULL)) == NULL)
		goto out;
	lc->size = prev;
	hex_encode(root, MERKLE_HASH, lc->root);
	lc->bad_from = lc->bad_to = prev;
	if (PQntuples(lr) > 0) {
		lc->ok = 0;
		lc->reason = "leaves are placed past the latest checkpoint";
	} else if (PQntuples(cr) != 1 || be64(PQgetvalue(cr, 0, 0)) != prev ||
	    !signature_ok(cr, 0)) {
		lc->ok = 0;
		lc->reason = "the latest checkpoint's signature does not verify";
	} else if (checkpoint_public_key() != NULL &&
	    strcmp(checkpoint_public_key(), PQgetvalue(cr, 0, 3)) != 0) {
		lc->ok = 0;
		lc->reason = "the latest checkpoint is not signed by this "
		    "service's key";
	}
	rc = 0;
out:
	if (rc == -1)
		v->failed = 1;
	PQclear(lr);
	PQclear(cr);
	return rc;
}

/* ---- the endpoint -------------------------------------------------- */

struct verify_in {
	long long	 case_id;
	const char	*region;
};

static const struct vfield verify_fields[] = {
	{ "case", VT_ID, 0, 0, 0, NULL, NULL,
	    offsetof(struct verify_in, case_id) },
	{ "region", VT_REGION, 0, 0, 0, NULL, NULL,
	    offsetof(struct verify_in, region) },
};

/*
 * Whether the scope names something the user may see: the case (a case
 * row or an event of it), or a region inside the user's.  Returns 1, 0,
 * or -1 on failure.
 */
static int
verify_scope_visible(struct verify *v)
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

void
audit_verify(struct req *r)
{
	struct verify_in in;
	struct verify	*v = NULL;
	struct logcheck	 lc;
	struct timespec	 t0, t1;
	unsigned	 present;
	char		 cid[24];
	json_t		*o;
	int		 vis;

	memset(&in, 0, sizeof(in));
	if (validate_query(r, verify_fields, sizeof(verify_fields) /
	    sizeof(verify_fields[0]), &in, &present) == -1)
		return;
	if (present == 3) {
		reply_problem(r, 400, "bad-query", "give case or region, not "
		    "both", problem_field(NULL, "region", "不能与 case 同时使用"));
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((v = calloc(1, sizeof(*v))) == NULL ||
	    (v->sk = malloc(SKELETON_MAX)) == NULL ||
	    chain_hasher_open(&v->h) == -1) {
		reply_problem(r, 500, NULL, "out of memory", NULL);
		goto out;
	}
	v->r = r;
	snprintf(cid, sizeof(cid), "%lld", in.case_id);
	v->scope = present & 1 ? VS_CASE : present & 2 ? VS_REGION : VS_ALL;
	v->filter = v->scope == VS_CASE ? cid : in.region;
	v->ev.st = &ev_stmts[v->scope];
	v->cs.st = &case_stmts[v->scope];
	v->lf.st = &leaf_stmts[v->scope];
	if (db_begin_snapshot(r) == -1 || (vis = verify_scope_visible(v)) == -1)
		goto dberr;
	if (vis == 0) {
		reply_problem(r, 404, NULL, v->scope == VS_CASE ?
		    "no such case" : "no such region in your scope", NULL);
		goto out;
	}
	if (verify_chains(v) == -1)
		goto dberr;
	memset(&lc, 0, sizeof(lc));
	lc.ok = 1;
	if (!v->bad && v->scope == VS_ALL && verify_log(v, &lc) == -1)
		goto dberr;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	o = json_pack("{s:b, s:I, s:I, s:s, s:f}", "ok", !v->bad && lc.ok,
	    "checked", (json_int_t)v->checked, "cases", (json_int_t)v->cases,
	    "scope", vscope_names[v->scope],
	    "seconds", (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (v->bad) {
		json_object_set_new(o, "first_bad", json_pack("{s:I, s:i}",
		    "case", (json_int_t)v->bad_at.c, "seq", (int)v->bad_at.s));
		json_object_set_new(o, "reason", json_string(v->reason));
	} else if (!lc.ok) {
		json_object_set_new(o, "first_bad", json_null());
		json_object_set_new(o, "reason", json_string(lc.reason));
		json_object_set_new(o, "bad_leaves", json_pack("{s:I, s:I}",
		    "from", (json_int_t)lc.bad_from, "to",
		    (json_int_t)lc.bad_to));
	}
	if (v->scope == VS_ALL && !v->bad)
		json_object_set_new(o, "checkpoint", lc.size > 0 ?
		    json_pack("{s:I, s:s, s:b}", "size", (json_int_t)lc.size,
		    "root", lc.root, "ok", lc.ok) : json_null());
	if (v->bad || !lc.ok)
		log_warn("request %s: verify %s %s: %s", r->id,
		    vscope_names[v->scope], v->filter != NULL ? v->filter : "",
		    v->bad ? v->reason : lc.reason);
	reply_json(r, 200, o);
	goto out;
dberr:
	reply_db_error(r);
out:
	if (v != NULL) {
		PQclear(v->ev.res);
		PQclear(v->cs.res);
		PQclear(v->lf.res);
		chain_hasher_close(&v->h);
		free(v->sk);
		free(v);
	}
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/audit/checkpoints/latest                               */
/* ------------------------------------------------------------------ */

void
audit_checkpoint_latest(struct req *r)
{
	static struct stmt latest = STMT(
	    "SELECT size, encode(root, 'hex') AS root,"
	    " encode(signature, 'base64') AS signature, public_key, message,"
	    " rfc3339(at) AS at FROM checkpoints ORDER BY size DESC LIMIT 1", 0);
	PGresult	*res;
	char		*sig, *d;
	const char	*s;

	if ((res = db_exec(r, &latest, NULL)) == NULL) {
		reply_db_error(r);
		return;
	}
	if (PQntuples(res) == 0) {
		PQclear(res);
		reply_problem(r, 404, NULL, "no checkpoint has been made yet",
		    NULL);
		return;
	}
	/* PostgreSQL's base64 breaks lines every 76 characters. */
	s = db_get(res, 0, "signature");
	if ((sig = malloc(strlen(s) + 1)) == NULL) {
		PQclear(res);
		reply_problem(r, 500, NULL, "out of memory", NULL);
		return;
	}
	for (d = sig; *s != '\0'; s++)
		if (*s != '\n')
			*d++ = *s;
	*d = '\0';
	reply_json(r, 200, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}",
	    "size", (json_int_t)strtoll(db_get(res, 0, "size"), NULL, 10),
	    "root", db_get(res, 0, "root"),
	    "signature", sig,
	    "public_key", db_get(res, 0, "public_key"),
	    "message", db_get(res, 0, "message"),
	    "at", db_get(res, 0, "at"),
	    "algorithm", "Ed25519"));
	free(sig);
	PQclear(res);
}
