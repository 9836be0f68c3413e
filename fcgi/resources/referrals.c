/*
 * referrals.c: work across regions (API.md Part 2, "Across regions:
 * lookup, referrals, links").
 *
 *	POST /api/v1/referrals			an officer of the case refers
 *						it to another region (移送,
 *						追查): the case gains `refer`
 *	GET  /api/v1/referrals?direction=incoming|outgoing&state=
 *	GET  /api/v1/referrals/{id}		both sides see it
 *	POST /api/v1/referrals/{id}/accept	an officer of the receiving
 *						region: a new case there
 *	POST /api/v1/referrals/{id}/return	the same, with a reason
 *	GET  /api/v1/cases/{id}/links
 *	POST /api/v1/cases/{id}/links		related, duplicate_of
 *
 * The sides are the database's (sql/0120_referrals.sql): row-level
 * security shows a referral to scopes covering its from_region (the
 * origin: outgoing) or its to_region (incoming).  Accept and return
 * lock the row and change it only while it is open, so of two officers
 * deciding at once exactly one does and the other gets 409.  Each change
 * is an event of the referral's stream (entity "referral"), scoped to
 * the origin region.  The decision is due `cfg.referral_due_days`
 * working days after the referral (workflow.h WF_REFERRAL_DUE_DAYS: a
 * configurable default, not a cited rule).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/base.h"
#include "../front/front.h"
#include "resources.h"

#define TEXT_MAX	4000	/* bytes of a reason, a problem */
#define FILES_MAX	20	/* files one referral carries */

static const char *const kinds[] = {
	"jurisdiction", "trace_upstream", "trace_downstream", NULL
};
static const char *const directions[] = { "incoming", "outgoing", NULL };
static const char *const states[] = {
	"open", "accepted", "returned", NULL
};
static const char *const link_kinds[] = { "related", "duplicate_of", NULL };

static int
is_true(const PGresult *res, int i, const char *col)
{
	return strcmp(db_get(res, i, col), "t") == 0;
}

static json_t *
id_or_null(const PGresult *res, int i, const char *col)
{
	return db_isnull(res, i, col) ? json_null() : json_integer(
	    (json_int_t)strtoll(db_get(res, i, col), NULL, 10));
}

/* The ids of a JSON array as a PostgreSQL array literal (malloc'd). */
static char *
id_array(const json_t *ids)
{
	const json_t	*e;
	size_t		 i, n = json_array_size(ids);
	char		*s, *w;

	if ((s = malloc(n * 21 + 3)) == NULL)
		return NULL;
	w = s;
	*w++ = '{';
	json_array_foreach(ids, i, e)
		w += sprintf(w, "%s%lld", i > 0 ? "," : "",
		    (long long)json_integer_value(e));
	*w++ = '}';
	*w = '\0';
	return s;
}

/* ------------------------------------------------------------------ */
/* One referral as JSON                                               */
/* ------------------------------------------------------------------ */

/* A referral's columns, for one and for the list. */
#define REFERRAL_COLUMNS \
	" f.id, f.state, f.case_id, f.from_region, fr.name AS from_name," \
	" f.to_region, tr.name AS to_name, f.kind, f.reason," \
	" f.due::text AS due, f.enterprise_id," \
	" array_to_json(f.file_ids)::text AS file_ids," \
	" rfc3339(f.created_at) AS created_at, f.created_by," \
	" cu.username AS created_username, cu.display_name AS created_name," \
	" rfc3339(f.decided_at) AS decided_at, f.decided_by," \
	" du.username AS decided_username, du.display_name AS decided_name," \
	" f.return_reason, f.new_case_id, f.version," \
	" (f.state = 'open' AND f.due < today_cst()) AS overdue," \
	" in_scope(f.to_region) AS incoming," \
	" region_here(f.to_region) AS here," \
	" in_scope(f.from_region) AS outgoing," \
	" x.origin_enterprise, x.origin_uscc, x.category," \
	" x.category_name, x.domain, x.problem, x.target_name," \
	" x.target_uscc, x.target_region" \
	" FROM referrals f JOIN regions fr ON fr.code = f.from_region" \
	" JOIN regions tr ON tr.code = f.to_region" \
	" LEFT JOIN LATERAL referral_facts(f.id) x ON true" \
	" LEFT JOIN LATERAL user_public(f.created_by) cu ON true" \
	" LEFT JOIN LATERAL user_public(f.decided_by) du ON true"

/* A user as {id, username, display_name} from three columns, or null. */
static json_t *
who(const PGresult *res, int i, const char *id, const char *user,
    const char *name)
{
	if (db_isnull(res, i, id))
		return json_null();
	return json_pack("{s:I, s:s?, s:s?}", "id", (json_int_t)strtoll(
	    db_get(res, i, id), NULL, 10), "username", db_isnull(res, i, user) ?
	    NULL : db_get(res, i, user), "display_name", db_isnull(res, i,
	    name) ? NULL : db_get(res, i, name));
}

static const char *
opt(const PGresult *res, int i, const char *col)
{
	return db_isnull(res, i, col) ? NULL : db_get(res, i, col);
}

/*
 * Row `i` of REFERRAL_COLUMNS as the API shows it (a new reference, or
 * NULL).  `can_decide`: the user is on the receiving side of an open
 * referral, an officer, and on the database that decides it (a province's
 * decides its own province's referrals only: sql/0150).
 */
static json_t *
referral_row(struct req *r, const PGresult *res, int i)
{
	json_t	*o, *files;
	int	 incoming = is_true(res, i, "incoming");

	files = json_loads(db_get(res, i, "file_ids"), 0, NULL);
	o = json_pack("{s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s,"
	    " s:o, s:o, s:s, s:o, s:o?, s:o, s:s?, s:o, s:i, s:b, s:s,"
	    " s:b}",
	    "id", (json_int_t)strtoll(db_get(res, i, "id"), NULL, 10),
	    "state", db_get(res, i, "state"),
	    "case_id", (json_int_t)strtoll(db_get(res, i, "case_id"), NULL,
	    10),
	    "from_region", db_get(res, i, "from_region"),
	    "from_region_name", db_get(res, i, "from_name"),
	    "to_region", db_get(res, i, "to_region"),
	    "to_region_name", db_get(res, i, "to_name"),
	    "kind", db_get(res, i, "kind"),
	    "reason", db_get(res, i, "reason"),
	    "due", db_get(res, i, "due"),
	    "enterprise_id", id_or_null(res, i, "enterprise_id"),
	    "file_ids", files != NULL ? files : json_array(),
	    "created_at", db_get(res, i, "created_at"),
	    "created_by", who(res, i, "created_by", "created_username",
	    "created_name"),
	    "decided_at", json_string(opt(res, i, "decided_at")),
	    "decided_by", who(res, i, "decided_by", "decided_username",
	    "decided_name"),
	    "return_reason", opt(res, i, "return_reason"),
	    "new_case_id", id_or_null(res, i, "new_case_id"),
	    "version", atoi(db_get(res, i, "version")),
	    "overdue", is_true(res, i, "overdue"),
	    "direction", incoming ? "incoming" : "outgoing",
	    "can_decide", incoming && is_true(res, i, "here") &&
	    strcmp(db_get(res, i, "state"), "open") == 0 &&
	    (r->user.roles & R(OFFICER)) != 0);
	if (o == NULL)
		return NULL;
	if (db_isnull(res, i, "return_reason"))
		json_object_set_new(o, "return_reason", json_null());
	/* What the receiving side needs to decide, though not its case. */
	json_object_set_new(o, "origin", json_pack("{s:s?, s:s?, s:s?, s:s?,"
	    " s:s?, s:s?}",
	    "enterprise_name", opt(res, i, "origin_enterprise"),
	    "uscc", opt(res, i, "origin_uscc"),
	    "category", opt(res, i, "category"),
	    "category_name", opt(res, i, "category_name"),
	    "domain", opt(res, i, "domain"),
	    "problem", opt(res, i, "problem")));
	json_object_set_new(o, "enterprise", db_isnull(res, i,
	    "target_name") ? json_null() : json_pack("{s:s, s:s, s:s}",
	    "name", db_get(res, i, "target_name"),
	    "uscc", db_get(res, i, "target_uscc"),
	    "region", db_get(res, i, "target_region")));
	return o;
}

/*
 * Referral `id` as the user may see it (a new reference), or NULL: not
 * visible (r->fault FAULT_NONE) or the database failed (recorded).
 */
static json_t *
referral_json(struct req *r, int64_t id)
{
	static struct stmt one = STMT("SELECT" REFERRAL_COLUMNS
	    " WHERE f.id = $1", 1);
	char		 sid[24];
	const char	*p[1];
	PGresult	*res;
	json_t		*o = NULL;

	snprintf(sid, sizeof(sid), "%lld", (long long)id);
	p[0] = sid;
	if ((res = db_exec(r, &one, p)) == NULL)
		return NULL;
	r->fault = FAULT_NONE;
	if (PQntuples(res) == 1 && (o = referral_row(r, res, 0)) == NULL)
		req_fail(r, "referral %s: could not build its JSON", sid);
	PQclear(res);
	return o;
}

/* ------------------------------------------------------------------ */
/* POST /api/v1/referrals                                             */
/* ------------------------------------------------------------------ */

struct create_in {
	long long	 case_id;
	const char	*kind;
	const char	*to_region;
	long long	 enterprise_id;
	const char	*reason;
	json_t		*file_ids;
};

static const struct vfield create_fields[] = {
	{ "case_id", VT_ID, 1, 0, 0, NULL, NULL,
	    offsetof(struct create_in, case_id) },
	{ "kind", VT_ENUM, 1, 0, 0, kinds, NULL,
	    offsetof(struct create_in, kind) },
	{ "to_region", VT_REGION, 1, 0, 0, NULL, NULL,
	    offsetof(struct create_in, to_region) },
	{ "enterprise_id", VT_ID, 0, 0, 0, NULL, NULL,
	    offsetof(struct create_in, enterprise_id) },
	{ "reason", VT_TEXT, 1, 1, TEXT_MAX, NULL, NULL,
	    offsetof(struct create_in, reason) },
	{ "file_ids", VT_IDS, 0, 0, FILES_MAX, NULL, NULL,
	    offsetof(struct create_in, file_ids) },
};

/*
 * Check what a new referral names besides its case: the region exists,
 * is current and is not the user's own (nor under it); the enterprise,
 * if any, is registered under that region; the files are the case's.
 * Returns 1; 0 after staging the 422; -1 with the failure recorded.
 */
static int
create_check(struct req *r, const struct create_in *in, const char *cid,
    const char *files)
{
	static struct stmt check = STMT(
	    "SELECT EXISTS (SELECT 1 FROM regions WHERE code = $1"
	    "   AND (valid_to IS NULL OR valid_to > today_cst())) AS region,"
	    " in_scope($1::char(6)) AS ours,"
	    " ($2::bigint IS NULL OR enterprise_in($2, $1)) AS enterprise,"
	    " (SELECT count(*) FROM files WHERE id = ANY ($3::bigint[])"
	    "   AND case_id = $4 AND withdrawn_at IS NULL)"
	    "   = cardinality($3::bigint[]) AS files", 4);
	char		 eid[24];
	const char	*p[4];
	PGresult	*res;
	json_t		*errors = NULL;

	snprintf(eid, sizeof(eid), "%lld", in->enterprise_id);
	p[0] = in->to_region;
	p[1] = in->enterprise_id != 0 ? eid : NULL;
	p[2] = files;
	p[3] = cid;
	if ((res = db_exec(r, &check, p)) == NULL)
		return -1;
	if (!is_true(res, 0, "region"))
		errors = problem_field(errors, "to_region",
		    "行政区划代码不存在或已撤销");
	else if (is_true(res, 0, "ours"))
		errors = problem_field(errors, "to_region",
		    "不能移送到本辖区：请选择其他地区");
	else if (!is_true(res, 0, "enterprise"))
		errors = problem_field(errors, "enterprise_id",
		    "企业不存在或不在移入地区");
	if (!is_true(res, 0, "files"))
		errors = problem_field(errors, "file_ids",
		    "文件不存在、已撤回或不属于该案件");
	PQclear(res);
	if (errors == NULL)
		return 1;
	reply_problem(r, 422, NULL, "the referral names something it may not",
	    errors);
	return 0;
}

void
referral_create(struct req *r)
{
	static struct stmt insert = STMT(
	    "INSERT INTO referrals (case_id, kind, from_region, to_region,"
	    " enterprise_id, reason, file_ids, due, created_by)"
	    " VALUES ($1, $2, $3, $4, $5::bigint, $6, $7::bigint[], $8::date,"
	    " $9) RETURNING id", 9);
	struct create_in in;
	struct case_row	 c;
	char		 cid[24], eid[24], uid[24], due[WF_DATE_LEN + 1];
	char		*files = NULL;
	const char	*p[9];
	PGresult	*res;
	json_t		*empty = NULL, *facts = NULL, *payload = NULL, *o;
	int64_t		 id;
	int		 known;

	memset(&in, 0, sizeof(in));
	if (validate_json(r, r->json, create_fields, NITEMS(create_fields),
	    &in, NULL) == -1)
		return;
	if (in.file_ids == NULL)
		in.file_ids = empty = json_array();
	/* The case: the user's to change (a referred one is not: 404). */
	switch (case_load(r, in.case_id, &c)) {
	case -1:
		goto dberr;
	case 0:
		reply_problem(r, 404, NULL, "no such case", NULL);
		goto out;
	}
	snprintf(cid, sizeof(cid), "%lld", in.case_id);
	if ((files = id_array(in.file_ids)) == NULL) {
		req_fail(r, "no memory for the file ids");
		goto dberr;
	}
	switch (create_check(r, &in, cid, files)) {
	case -1:
		goto dberr;
	case 0:
		goto out;
	}
	wf_date_format(wf_add_working_days(wf_day_of_unix(now_us() / 1000000),
	    (int)cfg.referral_due_days, &known), due);
	snprintf(eid, sizeof(eid), "%lld", in.enterprise_id);
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	p[0] = cid;
	p[1] = in.kind;
	p[2] = c.region;
	p[3] = in.to_region;
	p[4] = in.enterprise_id != 0 ? eid : NULL;
	p[5] = in.reason;
	p[6] = files;
	p[7] = due;
	p[8] = uid;
	if ((res = db_exec(r, &insert, p)) == NULL)
		goto dberr;
	id = strtoll(db_get(res, 0, "id"), NULL, 10);
	PQclear(res);

	/* The origin case's history: a `refer` event (workflow/event.c). */
	payload = json_pack("{s:[I], s:s, s:s, s:s}", "referral",
	    (json_int_t)id, "referral_kind", in.kind, "to_region",
	    in.to_region, "reason", in.reason);
	if (payload == NULL)
		goto dberr;
	switch (case_system_event(r, &c, WF_EV_REFER, payload)) {
	case -1:
		goto dberr;
	case 0:
		goto out;
	}
	facts = json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:O, s:s}",
	    "case_id", (json_int_t)in.case_id, "kind", in.kind,
	    "from_region", c.region, "to_region", in.to_region,
	    "enterprise_id", in.enterprise_id != 0 ?
	    json_integer((json_int_t)in.enterprise_id) : json_null(),
	    "reason", in.reason, "file_ids", in.file_ids, "due", due);
	if (facts == NULL || change_record(r, LEDGER_REFERRAL, id, c.region,
	    "create", facts) == -1 || (o = referral_json(r, id)) == NULL)
		goto dberr;
	reply_resource(r, 201, o, "referral", "/api/v1/referrals");
	goto out;
dberr:
	reply_db_error(r);
out:
	free(files);
	json_decref(empty);
	json_decref(facts);
	json_decref(payload);
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/referrals, GET /api/v1/referrals/{id}                  */
/* ------------------------------------------------------------------ */

struct list_in {
	const char	*direction;
	const char	*state;
	long long	 cursor;
	long long	 limit;
};

static const struct vfield list_fields[] = {
	{ "direction", VT_ENUM, 0, 0, 0, directions, NULL,
	    offsetof(struct list_in, direction) },
	{ "state", VT_ENUM, 0, 0, 0, states, NULL,
	    offsetof(struct list_in, state) },
	VF_PAGE(struct list_in),
};

/*
 * Newest first.  incoming: to a region in the user's scope; outgoing:
 * from one; neither: both.
 */
void
referral_list(struct req *r)
{
	static struct stmt list = STMT_CUSTOM("SELECT" REFERRAL_COLUMNS
	    " WHERE ($1::text IS NULL OR ($1 = 'incoming' AND"
	    "   in_scope(f.to_region))"
	    "   OR ($1 = 'outgoing' AND in_scope(f.from_region)))"
	    " AND ($2::text IS NULL OR f.state = $2)"
	    " AND ($3::bigint IS NULL OR f.id < $3)"
	    " ORDER BY f.id DESC LIMIT $4", 4);
	struct list_in	 in;
	char		 cur[24], lim[24];
	const char	*p[4];
	PGresult	*res;
	json_t		*items, *o;
	int		 i;

	memset(&in, 0, sizeof(in));
	in.limit = LIST_DEFAULT;
	if (validate_query(r, list_fields, NITEMS(list_fields), &in,
	    NULL) == -1)
		return;
	snprintf(cur, sizeof(cur), "%lld", in.cursor);
	snprintf(lim, sizeof(lim), "%lld", in.limit + 1);
	p[0] = in.direction;
	p[1] = in.state;
	p[2] = in.cursor != 0 ? cur : NULL;
	p[3] = lim;
	if ((res = db_exec(r, &list, p)) == NULL) {
		reply_db_error(r);
		return;
	}
	items = json_array();
	for (i = 0; i < PQntuples(res) && i < in.limit; i++)
		if ((o = referral_row(r, res, i)) != NULL)
			json_array_append_new(items, o);
	reply_page(r, items, res, in.limit);
	PQclear(res);
}

void
referral_get(struct req *r)
{
	reply_resource(r, 200, referral_json(r, r->ids[0]), "referral", NULL);
}

/* ------------------------------------------------------------------ */
/* Decisions: accept, return                                          */
/* ------------------------------------------------------------------ */

struct locked {
	char		 from[7];
	char		 to[7];
	char		 kind[24];
	int		 open;
	int64_t		 enterprise_id;	/* the referral's, or 0 */
};

/*
 * Lock referral r->ids[0] for a decision by the receiving side.  Returns
 * 1 and fills `f` when it is open; 0 after staging the reply: 404 when
 * it is not visible or the user is not on the receiving side (the origin
 * cannot decide its own), 409 when it was decided already -- which a
 * concurrent decision, committed while this one waited for the lock,
 * makes so too -- or when it is decided on another province's database
 * (sql/0150: it went there); -1 with the failure recorded in `r`.
 */
static int
lock_referral(struct req *r, struct locked *f)
{
	static struct stmt lock = STMT(
	    "SELECT from_region, to_region, kind, state = 'open' AS open,"
	    " enterprise_id, in_scope(to_region) AS receiving,"
	    " region_here(to_region) AS here"
	    " FROM referrals WHERE id = $1 FOR UPDATE", 1);
	char		 sid[24];
	const char	*p[1];
	PGresult	*res;
	int		 rc = 0;

	snprintf(sid, sizeof(sid), "%lld", (long long)r->ids[0]);
	p[0] = sid;
	if ((res = db_exec(r, &lock, p)) == NULL)
		return -1;
	if (PQntuples(res) != 1 || !is_true(res, 0, "receiving"))
		reply_problem(r, 404, NULL, "no referral to your region with "
		    "this id", NULL);
	else if (!is_true(res, 0, "here"))
		reply_problem(r, 409, "elsewhere", "the referral is decided "
		    "on the receiving province's own database", NULL);
	else if (!is_true(res, 0, "open"))
		reply_problem(r, 409, "decided", "the referral was accepted "
		    "or returned already", NULL);
	else {
		snprintf(f->from, sizeof(f->from), "%s",
		    db_get(res, 0, "from_region"));
		snprintf(f->to, sizeof(f->to), "%s",
		    db_get(res, 0, "to_region"));
		snprintf(f->kind, sizeof(f->kind), "%s",
		    db_get(res, 0, "kind"));
		f->open = 1;
		f->enterprise_id = db_isnull(res, 0, "enterprise_id") ? 0 :
		    strtoll(db_get(res, 0, "enterprise_id"), NULL, 10);
		rc = 1;
	}
	PQclear(res);
	return rc;
}

struct accept_in {
	long long	 enterprise_id;
	const char	*category;
	const char	*problem;
};

static const struct vfield accept_fields[] = {
	{ "enterprise_id", VT_ID, 0, 0, 0, NULL, NULL,
	    offsetof(struct accept_in, enterprise_id) },
	{ "category", VT_STRING, 0, 1, 40, NULL, NULL,
	    offsetof(struct accept_in, category) },
	{ "problem", VT_TEXT, 0, 1, TEXT_MAX, NULL, NULL,
	    offsetof(struct accept_in, problem) },
};

/*
 * The new case's domain: tracing upstream leads to a producer, tracing
 * downstream to a seller; a jurisdiction referral keeps the origin's.
 */
static const char *
new_domain(const char *kind, const char *origin)
{
	if (strcmp(kind, "trace_upstream") == 0)
		return "production";
	if (strcmp(kind, "trace_downstream") == 0)
		return "circulation";
	return origin;
}

void
referral_accept(struct req *r)
{
	static struct stmt refs = STMT(
	    "SELECT e.region, region_covers($2::char(6), e.region) AS under,"
	    " x.campaign_id, x.category AS origin_category, x.domain,"
	    " x.problem, coalesce($3, x.category) AS category,"
	    " EXISTS (SELECT 1 FROM categories c"
	    "   WHERE c.id = coalesce($3, x.category)"
	    "   AND (c.province IS NULL OR region_covers(c.province,"
	    "   e.region))) AS category_ok"
	    " FROM referral_facts($4) x"
	    " LEFT JOIN enterprises e ON e.id = $1", 4);
	static struct stmt decide = STMT(
	    "UPDATE referrals SET state = 'accepted', decided_by = $2,"
	    " decided_at = now(), new_case_id = $3, version = version + 1"
	    " WHERE id = $1 AND state = 'open'", 3);
	static struct stmt link = STMT("SELECT referral_link($1)", 1);
	struct accept_in in = { 0, NULL, NULL };
	struct locked	 f;
	char		 eid[24], sid[24], uid[24], nid[24], region[7];
	char		 category[48];
	const char	*p[4], *domain, *problem;
	PGresult	*res = NULL;
	json_t		*facts = NULL, *ref, *cj;
	int64_t		 nc;

	if (validate_json(r, r->json, accept_fields, NITEMS(accept_fields),
	    &in, NULL) == -1)
		return;
	switch (lock_referral(r, &f)) {
	case -1:
		goto dberr;
	case 0:
		return;
	}
	if (in.enterprise_id == 0)
		in.enterprise_id = f.enterprise_id;
	if (in.enterprise_id == 0) {
		reply_problem(r, 422, NULL, "which enterprise the new case is "
		    "about", problem_field(NULL, "enterprise_id",
		    "请选择本地区的企业（可按统一社会信用代码查询）"));
		return;
	}
	snprintf(eid, sizeof(eid), "%lld", in.enterprise_id);
	snprintf(sid, sizeof(sid), "%lld", (long long)r->ids[0]);
	p[0] = eid;
	p[1] = f.to;
	p[2] = in.category;
	p[3] = sid;
	if ((res = db_exec(r, &refs, p)) == NULL)
		goto dberr;
	if (PQntuples(res) != 1) {
		req_fail(r, "referral %s: its facts are missing", sid);
		goto dberr;
	}
	if (db_isnull(res, 0, "region") || !is_true(res, 0, "under")) {
		reply_problem(r, 422, NULL, "the enterprise is not one of the "
		    "receiving region's", problem_field(NULL, "enterprise_id",
		    "企业不存在或不在移入地区"));
		goto out;
	}
	if (!is_true(res, 0, "category_ok")) {
		reply_problem(r, 422, NULL, "the category is not one for this "
		    "region", problem_field(NULL, "category", in.category !=
		    NULL ? "产品类别不存在或不属于本省" : "移出地区的产品类别"
		    "不适用于本地区，请选择产品类别"));
		goto out;
	}
	snprintf(region, sizeof(region), "%s", db_get(res, 0, "region"));
	snprintf(category, sizeof(category), "%s",
	    db_get(res, 0, "category"));
	domain = new_domain(f.kind, db_get(res, 0, "domain"));
	problem = in.problem != NULL ? in.problem : db_get(res, 0, "problem");
	if ((nc = case_open_referred(r, in.enterprise_id, region,
	    strtoll(db_get(res, 0, "campaign_id"), NULL, 10), category,
	    domain, problem, r->ids[0])) == -1)
		goto dberr;
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	snprintf(nid, sizeof(nid), "%lld", (long long)nc);
	p[0] = sid;
	p[1] = uid;
	p[2] = nid;
	if (db_exec_ok(r, &decide, p) == -1 || db_exec_ok(r, &link, p) == -1)
		goto dberr;
	facts = json_pack("{s:I, s:I, s:s, s:s, s:s}", "new_case_id",
	    (json_int_t)nc, "enterprise_id", (json_int_t)in.enterprise_id,
	    "region", region, "category", category, "problem", problem);
	if (facts == NULL || change_record(r, LEDGER_REFERRAL, r->ids[0],
	    f.from, "accept", facts) == -1)
		goto dberr;
	if ((ref = referral_json(r, r->ids[0])) == NULL)
		goto dberr;
	if ((cj = case_json(r, nc)) == NULL) {
		json_decref(ref);
		goto dberr;
	}
	reply_json(r, 200, json_pack("{s:o, s:o}", "referral", ref, "case",
	    cj));
	goto out;
dberr:
	reply_db_error(r);
out:
	PQclear(res);
	json_decref(facts);
}

struct return_in {
	const char	*reason;
};

static const struct vfield return_fields[] = {
	{ "reason", VT_TEXT, 1, 1, TEXT_MAX, NULL, NULL,
	    offsetof(struct return_in, reason) },
};

void
referral_return(struct req *r)
{
	static struct stmt decide = STMT(
	    "UPDATE referrals SET state = 'returned', decided_by = $2,"
	    " decided_at = now(), return_reason = $3, version = version + 1"
	    " WHERE id = $1 AND state = 'open'", 3);
	struct return_in in = { NULL };
	struct locked	 f;
	char		 sid[24], uid[24];
	const char	*p[3];
	json_t		*facts = NULL, *o;

	if (validate_json(r, r->json, return_fields, NITEMS(return_fields),
	    &in, NULL) == -1)
		return;
	switch (lock_referral(r, &f)) {
	case -1:
		goto dberr;
	case 0:
		return;
	}
	snprintf(sid, sizeof(sid), "%lld", (long long)r->ids[0]);
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	p[0] = sid;
	p[1] = uid;
	p[2] = in.reason;
	if (db_exec_ok(r, &decide, p) == -1)
		goto dberr;
	facts = json_pack("{s:s}", "reason", in.reason);
	if (facts == NULL || change_record(r, LEDGER_REFERRAL, r->ids[0],
	    f.from, "return", facts) == -1 ||
	    (o = referral_json(r, r->ids[0])) == NULL)
		goto dberr;
	json_decref(facts);
	reply_resource(r, 200, o, "referral", NULL);
	return;
dberr:
	json_decref(facts);
	reply_db_error(r);
}

/* ------------------------------------------------------------------ */
/* GET, POST /api/v1/cases/{id}/links                                 */
/* ------------------------------------------------------------------ */

/*
 * The links of a case the user may read (their own, or one their region
 * referred): {items: [{kind, case: {id, region, state,
 * enterprise_name}, referral_id}]} -- the other case's four facts come
 * from case_links_of(), as the other case may be another region's.
 */
void
case_links_list(struct req *r)
{
	static struct stmt seen = STMT(
	    "SELECT 1 FROM cases WHERE id = $1", 1);
	static struct stmt links = STMT(
	    "SELECT kind, other_id, region, state, enterprise_name,"
	    " referral_id FROM case_links_of($1)", 1);
	struct dbq	 q[2];
	char		 cid[24];
	const char	*p[1];
	json_t		*items;
	int		 i;

	snprintf(cid, sizeof(cid), "%lld", (long long)r->ids[0]);
	p[0] = cid;
	q[0].s = &seen;
	q[0].params = p;
	q[1].s = &links;
	q[1].params = p;
	if (db_pipeline(r, NULL, q, NITEMS(q)) == -1) {
		reply_db_error(r);
		return;
	}
	if (PQntuples(q[0].res) != 1) {
		reply_problem(r, 404, NULL, "no such case", NULL);
		goto out;
	}
	items = json_array();
	for (i = 0; i < PQntuples(q[1].res); i++)
		json_array_append_new(items, json_pack("{s:s, s:{s:I, s:s,"
		    " s:s, s:s}, s:o}",
		    "kind", db_get(q[1].res, i, "kind"),
		    "case", "id", (json_int_t)strtoll(db_get(q[1].res, i,
		    "other_id"), NULL, 10),
		    "region", db_get(q[1].res, i, "region"),
		    "state", db_get(q[1].res, i, "state"),
		    "enterprise_name", db_get(q[1].res, i, "enterprise_name"),
		    "referral_id", id_or_null(q[1].res, i, "referral_id")));
	reply_json(r, 200, json_pack("{s:o}", "items", items));
out:
	db_pipeline_clear(q, NITEMS(q));
}

struct link_in {
	const char	*kind;
	long long	 case_id;
};

static const struct vfield link_fields[] = {
	{ "kind", VT_ENUM, 1, 0, 0, link_kinds, NULL,
	    offsetof(struct link_in, kind) },
	{ "case_id", VT_ID, 1, 0, 0, NULL, NULL,
	    offsetof(struct link_in, case_id) },
};

/*
 * Record link `kind` to case `other` in case `c`'s history (a `link`
 * event, workflow/event.c).  Returns as case_system_event().
 */
static int
link_event(struct req *r, const struct case_row *c, const char *kind,
    int64_t other)
{
	json_t	*payload;
	int	 rc;

	if ((payload = json_pack("{s:s, s:[I]}", "link_kind", kind,
	    "linked_case", (json_int_t)other)) == NULL) {
		req_fail(r, "case %lld: could not build its link",
		    (long long)c->id);
		return -1;
	}
	rc = case_system_event(r, c, WF_EV_LINK, payload);
	json_decref(payload);
	return rc;
}

/*
 * Link case r->ids[0] to another case of the user's scope: related
 * (both ways) or duplicate_of (this one is a duplicate of that).  Both
 * must be the user's to change (404 for the first, 422 for the other);
 * the same link twice is 409.  Each case's history records it (a `link`
 * event: "related", or "duplicate_of" here and "duplicated_by" there),
 * so a link is audited like any step of the case.
 */
void
case_link_create(struct req *r)
{
	static struct stmt insert = STMT(
	    "INSERT INTO case_links (case_id, region, kind, other_id,"
	    " created_by) SELECT $1::bigint, $2::char(6), $3::text,"
	    " $4::bigint, $6::bigint UNION ALL SELECT $4, $5, $3, $1, $6"
	    " WHERE $3 = 'related'", 6);
	struct link_in	 in = { NULL, 0 };
	struct case_row	 c, o;
	char		 cid[24], oid[24], uid[24];
	const char	*p[6];
	int		 found;

	if (validate_json(r, r->json, link_fields, NITEMS(link_fields), &in,
	    NULL) == -1)
		return;
	switch (case_load(r, r->ids[0], &c)) {
	case -1:
		goto dberr;
	case 0:
		reply_problem(r, 404, NULL, "no such case", NULL);
		return;
	}
	found = in.case_id != r->ids[0] ? case_load(r, in.case_id, &o) : 0;
	if (found == -1)
		goto dberr;
	if (found == 0) {
		reply_problem(r, 422, NULL, "the other case is not one of "
		    "yours", problem_field(NULL, "case_id", in.case_id ==
		    r->ids[0] ? "不能关联案件本身" :
		    "案件不存在或不在您的辖区内"));
		return;
	}
	snprintf(cid, sizeof(cid), "%lld", (long long)r->ids[0]);
	snprintf(oid, sizeof(oid), "%lld", in.case_id);
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	p[0] = cid;
	p[1] = c.region;
	p[2] = in.kind;
	p[3] = oid;
	p[4] = o.region;
	p[5] = uid;
	if (db_exec_ok(r, &insert, p) == -1) {
		if (strcmp(r->sqlstate, "23505") == 0) {
			reply_problem(r, 409, "duplicate", "the cases are "
			    "linked so already", problem_field(NULL, "case_id",
			    "已关联"));
			return;
		}
		goto dberr;
	}
	switch (link_event(r, &c, in.kind, o.id)) {
	case -1:
		goto dberr;
	case 0:
		return;
	}
	switch (link_event(r, &o, strcmp(in.kind, "related") == 0 ?
	    "related" : "duplicated_by", c.id)) {
	case -1:
		goto dberr;
	case 0:
		return;
	}
	reply_json(r, 201, json_pack("{s:s, s:{s:I, s:s}}", "kind", in.kind,
	    "case", "id", (json_int_t)in.case_id, "region", o.region));
	return;
dberr:
	reply_db_error(r);
}
