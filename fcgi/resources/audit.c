/*
 * audit.c: the auditors' side of the tamper-evident history.
 *
 *	GET /api/v1/audit/events		the events, filtered: JSON pages,
 *						or CSV (paged, or all of it streamed)
 *	GET /api/v1/audit/verify		recompute every chain and check
 *						it against the cases and the log
 *						(../ledger/verify.c)
 *	GET /api/v1/audit/checkpoints/latest	the latest signed tree head
 *	GET /api/v1/audit/proof			an event's inclusion proof
 *						against it (../ledger/proof.c)
 *
 * Role auditor or admin (../routes.c); region-scoped like everything
 * else: each request runs in the read-only snapshot the front line
 * opened, scoped to the user, and row-level security hides what lies
 * outside the user's region.  The bulk readers go through the data in
 * keyset batches on that snapshot, so memory stays bounded by a batch
 * however much there is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/base.h"
#include "../front/front.h"
#include "resources.h"

#define EVENTS_DEFAULT	100	/* JSON page */
#define EVENTS_MAX	1000	/* a page, JSON or CSV */
#define EXPORT_BATCH	500	/* rows per statement of a streamed CSV */
#define CURSOR_MAX	64	/* bytes of an events cursor */

/* ------------------------------------------------------------------ */
/* Query values                                                       */
/* ------------------------------------------------------------------ */

/* An event name: "create" or one of the workflow's. */
static const char *
check_event_name(const char *s)
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
	const char	*entity;
	long long	 entity_id;
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

enum { EF_ENTITY, EF_ENTITY_ID, EF_CASE, EF_ACTOR, EF_EVENT, EF_REGION,
    EF_FROM, EF_TO, EF_CURSOR, EF_LIMIT, EF_FORMAT, EF__MAX };

/* The streams, by name (../ledger/record.c's ledger_streams). */
static const char *const entities[] = {
	"case", "user", "enterprise", "category", "campaign", "supervision",
	"activity", "file", "submission", "referral", "webhook",
	"self_inspection", "checklist_item",
	NULL
};

static const struct vfield events_fields[EF__MAX] = {
	[EF_ENTITY] = { "entity", VT_ENUM, 0, 0, 0, entities, NULL,
	    offsetof(struct events_in, entity) },
	[EF_ENTITY_ID] = { "entity_id", VT_ID, 0, 0, 0, NULL, NULL,
	    offsetof(struct events_in, entity_id) },
	[EF_CASE] = { "case", VT_ID, 0, 0, 0, NULL, NULL,
	    offsetof(struct events_in, case_id) },
	[EF_ACTOR] = { "actor", VT_STRING, 0, 1, 63, NULL, NULL,
	    offsetof(struct events_in, actor) },
	[EF_EVENT] = { "event", VT_STRING, 0, 1, 40, NULL, check_event_name,
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
 * Time; an instant is taken as it is, `to` inclusive.  A case's stream
 * (the default), or ($13) another entity's, with the same columns.
 */
#define EVENTS_FILTER(id, region) \
    " WHERE ($1::bigint IS NULL OR " id " = $1)" \
    " AND ($2::text IS NULL OR e.actor = user_id_of($2))" \
    " AND ($3::text IS NULL OR e.event = $3)" \
    " AND ($4::text IS NULL OR (" region " >= region_lo($4::char(6))" \
    "   AND " region " < region_hi($4::char(6))))" \
    " AND ($5::date IS NULL" \
    "   OR e.at >= $5::date::timestamp AT TIME ZONE 'Asia/Shanghai')" \
    " AND ($6::timestamptz IS NULL OR e.at >= $6::timestamptz)" \
    " AND ($7::date IS NULL" \
    "   OR e.at < ($7::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')" \
    " AND ($8::timestamptz IS NULL OR e.at <= $8::timestamptz)" \
    " AND ($9::timestamptz IS NULL OR (e.at, " id ", e.seq)" \
    "   > ($9::timestamptz, $10::bigint, $11::integer))"

static struct stmt entity_events_stmt = STMT(
    "SELECT e.entity, e.entity_id AS case_id, e.seq, rfc3339(e.at) AS at,"
    " e.actor, u.username, u.display_name, e.role, e.region,"
    " e.scope_region AS case_region, e.event, NULL::text AS phase,"
    " NULL::text AS from_state, NULL::text AS to_state, e.record,"
    " e.request_id, encode(e.hash, 'hex') AS hash,"
    " encode(e.prev_hash, 'hex') AS prev_hash"
    " FROM ledger_events e LEFT JOIN LATERAL user_public(e.actor) u ON true"
    EVENTS_FILTER("e.entity_id", "e.scope_region")
    " AND e.entity = $13"
    " ORDER BY e.at, e.entity_id, e.seq LIMIT $12", 13);

static struct stmt events_stmt = STMT(
    "SELECT 'case' AS entity, e.case_id, e.seq, rfc3339(e.at) AS at,"
    " e.actor, u.username,"
    " u.display_name, e.role, e.region, e.case_region, e.event, e.phase,"
    " e.from_state, e.to_state, e.record, e.request_id,"
    " encode(e.hash, 'hex') AS hash, encode(e.prev_hash, 'hex') AS prev_hash"
    " FROM case_events e LEFT JOIN LATERAL user_public(e.actor) u ON true"
    EVENTS_FILTER("e.case_id", "e.case_region")
    " ORDER BY e.at, e.case_id, e.seq LIMIT $12", 12);

/* The statement and its parameters: filters, cursor, limit, stream. */
struct events_q {
	struct stmt	*st;
	const char	*p[13];
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
	q->st = in->entity == NULL || strcmp(in->entity, "case") == 0 ?
	    &events_stmt : &entity_events_stmt;
	q->p[12] = in->entity;
	if (present & ((1u << EF_CASE) | (1u << EF_ENTITY_ID))) {
		snprintf(q->cid, sizeof(q->cid), "%lld", present &
		    (1u << EF_CASE) ? in->case_id : in->entity_id);
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

/*
 * Row `i` of an events result as the JSON item (a new reference): its
 * stream (entity, entity_id), and Part 1's fields -- a case's event all
 * of them, another entity's those it has, its region as scope_region.
 * The change feed (feed.c) lists the same items.
 */
json_t *
event_item(const PGresult *res, int i)
{
	json_int_t	 id = strtoll(db_get(res, i, "case_id"), NULL, 10);
	json_t		*o;

	o = json_pack("{s:s, s:I, s:i, s:s, s:o, s:I, s:o, s:s, s:s, s:s,"
	    " s:o, s:s, s:s}",
	    "entity", db_get(res, i, "entity"),
	    "entity_id", id,
	    "seq", atoi(db_get(res, i, "seq")),
	    "at", db_get(res, i, "at"),
	    "actor", db_json_text(res, i, "username"),
	    "actor_id", (json_int_t)strtoll(db_get(res, i, "actor"), NULL, 10),
	    "actor_name", db_json_text(res, i, "display_name"),
	    "role", db_get(res, i, "role"),
	    "region", db_get(res, i, "region"),
	    "event", db_get(res, i, "event"),
	    "payload", record_payload(db_get(res, i, "record")),
	    "request_id", db_get(res, i, "request_id"),
	    "hash", db_get(res, i, "hash"));
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "prev_hash", json_string(db_get(res, i,
	    "prev_hash")));
	if (strcmp(db_get(res, i, "entity"), "case") != 0) {
		json_object_set_new(o, "scope_region", json_string(db_get(res,
		    i, "case_region")));
		return o;
	}
	json_object_set_new(o, "case", json_integer(id));
	json_object_set_new(o, "case_region", json_string(db_get(res, i,
	    "case_region")));
	json_object_set_new(o, "phase", json_string(db_get(res, i, "phase")));
	json_object_set_new(o, "from", db_json_text(res, i, "from_state"));
	json_object_set_new(o, "to", json_string(db_get(res, i, "to_state")));
	return o;
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
csv_put(void *ctx, const char *s, size_t n)
{
	struct csv	*c = ctx;

	if (!c->failed && reply_stream_write(c->r, s, n) == -1)
		c->failed = 1;
}

/* One cell, after a comma unless it is the first (csv.c). */
static void
csv_next(struct csv *c, const char *s, int first)
{
	if (!first)
		csv_put(c, ",", 1);
	csv_cell(s, 1, csv_put, c);
}

static void
csv_row(struct csv *c, const PGresult *res, int i)
{
	json_t	*payload;
	char	*text;

	payload = record_payload(db_get(res, i, "record"));
	text = chain_canonical(payload);
	json_decref(payload);
	csv_next(c, db_get(res, i, "seq"), 1);
	csv_next(c, db_get(res, i, "case_id"), 0);
	csv_next(c, db_get(res, i, "at"), 0);
	csv_next(c, db_isnull(res, i, "username") ? db_get(res, i, "actor") :
	    db_get(res, i, "username"), 0);
	csv_next(c, db_get(res, i, "role"), 0);
	csv_next(c, db_get(res, i, "region"), 0);
	csv_next(c, db_get(res, i, "event"), 0);
	csv_next(c, db_get(res, i, "phase"), 0);
	csv_next(c, db_isnull(res, i, "from_state") ? NULL :
	    db_get(res, i, "from_state"), 0);
	csv_next(c, db_get(res, i, "to_state"), 0);
	csv_next(c, text, 0);
	csv_next(c, db_get(res, i, "hash"), 0);
	csv_next(c, db_get(res, i, "prev_hash"), 0);
	csv_put(c, "\r\n", 2);
	free(text);
}

/*
 * The CSV export of the first batch `res` (taken: freed here) and, when
 * not `paged`, of the batches after it: a UTF-8 BOM, the header, then
 * the rows.  With `limit`
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
		csv_next(&c, csv_header[h], h == 0);
	csv_put(&c, "\r\n", 2);
	for (;;) {
		n = PQntuples(res);
		for (i = 0; i < n && i < limit && !c.failed; i++)
			csv_row(&c, res, i);
		if (paged || n < limit || c.failed)
			break;
		events_advance(q, res, n - 1);
		PQclear(res);
		if ((res = db_exec(r, q->st, q->p)) == NULL) {
			reply_stream_abort(r);
			break;
		}
	}
	PQclear(res);
}

/*
 * GET /api/v1/audit/events: the events the filters select, in the user's
 * region, oldest first.  JSON: one page, {"items", "next_cursor"}; CSV:
 * see events_csv.  Bad query values are a 400 naming each field.
 */
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
		goto out;
	csv = in.format != NULL && strcmp(in.format, "csv") == 0;
	paged = !csv || (present & (1u << EF_LIMIT));
	if (!paged)
		in.limit = EXPORT_BATCH;
	events_params(&q, &in, present);
	/* One more than a page: whether there is a next one. */
	snprintf(q.lim, sizeof(q.lim), "%lld", paged ? in.limit + 1 : in.limit);
	if ((res = db_exec(r, q.st, q.p)) == NULL) {
		reply_db_error(r);
		goto out;
	}
	if (csv) {
		events_csv(r, &q, res, paged, in.limit);
		res = NULL;	/* events_csv's now */
		goto out;
	}
	items = json_array();
	n = PQntuples(res);
	for (i = 0; i < n && i < in.limit; i++)
		json_array_append_new(items, event_item(res, i));
	if (n > in.limit)
		events_cursor(res, (int)in.limit - 1, next);
	reply_json(r, 200, json_pack("{s:o, s:o}", "items", items,
	    "next_cursor", n > in.limit ? json_string(next) : json_null()));
out:
	PQclear(res);
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/audit/verify                                           */
/* ------------------------------------------------------------------ */

struct verify_in {
	long long	 case_id;
	const char	*region;
};

enum { VF_CASE, VF_REGION, VF__MAX };

static const struct vfield verify_fields[VF__MAX] = {
	[VF_CASE] = { "case", VT_ID, 0, 0, 0, NULL, NULL,
	    offsetof(struct verify_in, case_id) },
	[VF_REGION] = { "region", VT_REGION, 0, 0, 0, NULL, NULL,
	    offsetof(struct verify_in, region) },
};


void
audit_verify(struct req *r)
{
	struct verify_in in;
	unsigned	 present;
	char		 cid[24];
	json_t		*o;
	int		 found;

	memset(&in, 0, sizeof(in));
	if (validate_query(r, verify_fields, VF__MAX, &in, &present) == -1)
		return;
	if (present == ((1u << VF_CASE) | (1u << VF_REGION))) {
		reply_problem(r, 400, "bad-query", "give case or region, not "
		    "both", problem_field(NULL, "region", "不能与 case 同时使用"));
		return;
	}
	snprintf(cid, sizeof(cid), "%lld", in.case_id);
	if (present & (1u << VF_CASE))
		o = verify_run(r, VS_CASE, cid, &case_replay, &found);
	else if (present & (1u << VF_REGION))
		o = verify_run(r, VS_REGION, in.region, &case_replay,
		    &found);
	else
		o = verify_run(r, VS_ALL, NULL, &case_replay, &found);
	if (found == 1)
		reply_json(r, 200, o);
	else if (found == 0)
		reply_problem(r, 404, NULL, present & (1u << VF_CASE) ?
		    "no such case" : "no such region in your scope", NULL);
	else
		reply_db_error(r);
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/audit/checkpoints/latest                               */
/* ------------------------------------------------------------------ */

/*
 * GET /api/v1/audit/checkpoints/latest: the latest signed tree head,
 * with what it takes to check it without paicha: the exact message
 * signed, the signature (base64) and the public key (PEM); 404 until the
 * first checkpoint.  Tree heads are not region-scoped: they commit to
 * hashes only.
 */
void
audit_checkpoint_latest(struct req *r)
{
	static struct stmt latest = STMT(
	    "SELECT size, encode(root, 'hex') AS root,"
	    " translate(encode(signature, 'base64'), E'\\n', '') AS signature,"
	    " public_key, message, rfc3339(at) AS at"
	    " FROM checkpoints ORDER BY size DESC LIMIT 1", 0);
	PGresult	*res;

	if ((res = db_exec(r, &latest, NULL)) == NULL)
		reply_db_error(r);
	else if (PQntuples(res) == 0)
		reply_problem(r, 404, NULL, "no checkpoint has been made yet",
		    NULL);
	else
		reply_json(r, 200, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s,"
		    " s:s}", "size", (json_int_t)strtoll(db_get(res, 0, "size"),
		    NULL, 10), "root", db_get(res, 0, "root"),
		    "signature", db_get(res, 0, "signature"),
		    "public_key", db_get(res, 0, "public_key"),
		    "message", db_get(res, 0, "message"),
		    "at", db_get(res, 0, "at"), "algorithm", "Ed25519"));
	PQclear(res);
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/audit/proof                                            */
/* ------------------------------------------------------------------ */

/* An entity: the name of one of the ledger's streams. */
static const char *
check_entity(const char *s)
{
	int	 i;

	for (i = 0; i < LEDGER__MAX; i++)
		if (strcmp(s, ledger_streams[i].name) == 0)
			return NULL;
	return "不是已知的实体";
}

struct proof_in {
	const char	*entity;
	long long	 entity_id;
	long long	 seq;
};

enum { PF_ENTITY, PF_ENTITY_ID, PF_SEQ, PF__MAX };

static const struct vfield proof_fields[PF__MAX] = {
	[PF_ENTITY] = { "entity", VT_STRING, 1, 1, 32, NULL, check_entity,
	    offsetof(struct proof_in, entity) },
	[PF_ENTITY_ID] = { "entity_id", VT_ID, 1, 0, 0, NULL, NULL,
	    offsetof(struct proof_in, entity_id) },
	[PF_SEQ] = { "seq", VT_INT, 1, 1, INT32_MAX, NULL, NULL,
	    offsetof(struct proof_in, seq) },
};

/*
 * GET /api/v1/audit/proof?entity=case&entity_id=7&seq=3: the event's
 * RFC 9162 inclusion proof against the latest signed checkpoint, with
 * what an offline check needs (paicha-admin proof-check).  404 when the
 * event is not in the user's scope, and -- type not-checkpointed, with
 * Retry-After -- when no checkpoint covers it yet: the proof does not
 * exist yet, and will within the checkpoint interval.  409 when the
 * event is not what the signed log holds: verify names it.
 */
void
audit_proof(struct req *r)
{
	struct proof_in	 in;
	enum ledger_entity e;
	json_t		*o;
	int		 found;

	memset(&in, 0, sizeof(in));
	if (validate_query(r, proof_fields, PF__MAX, &in, NULL) == -1)
		return;
	for (e = 0; e < LEDGER__MAX; e++)
		if (strcmp(in.entity, ledger_streams[e].name) == 0)
			break;
	o = ledger_proof(r, e, (int64_t)in.entity_id, (int32_t)in.seq,
	    &found);
	if (found == 1)
		reply_json(r, 200, o);
	else if (found == 0)
		reply_problem(r, 404, NULL, "no such event", NULL);
	else if (found == 2) {
		snprintf(r->retry_after, sizeof(r->retry_after), "%d",
		    cfg.checkpoint_interval > 0 ?
		    (int)cfg.checkpoint_interval : 60);
		reply_problem(r, 404, "not-checkpointed", "no signed checkpoint "
		    "covers this event yet; ask again after the next one",
		    NULL);
	} else if (found == 3)
		reply_problem(r, 409, "not-in-signed-log", "this event is not "
		    "what the signed log holds at its position; "
		    "GET /api/v1/audit/verify names it", NULL);
	else
		reply_db_error(r);
}
