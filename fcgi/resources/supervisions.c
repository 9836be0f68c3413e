/*
 * supervisions.c: 挂牌督办 -- an upper level supervises a lagging case or
 * region (API.md Part 2, "Responsibility, reminders, supervision").
 *
 *	POST /api/v1/supervisions		issue (a coordinator whose
 *						region strictly contains the
 *						target)
 *	GET  /api/v1/supervisions?direction=issued|received&state=
 *	GET  /api/v1/supervisions/{id}		with its reports
 *	POST /api/v1/supervisions/{id}/reports	progress, by the target side
 *	POST /api/v1/supervisions/{id}/close	by the issuing side (If-Match
 *						optional: a stale one is 412)
 *
 * The sides are the database's (sql/0054_supervisions.sql): the target
 * side -- officers and coordinators whose region covers the target and
 * lies strictly inside the issuer's, and a case's assignees -- reports
 * (anyone else: 404, as for a supervision they cannot see); the issuing
 * side -- coordinators whose region covers the issuer's -- closes.  Both
 * see it; row-level security keeps everyone else out.  Each change is an
 * event of the supervision's stream (entity "supervision"), appended
 * after the row's lock; its issue notifies the target side in the same
 * transaction (supervision_assigned, a trigger).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/base.h"
#include "../front/front.h"
#include "resources.h"

#define TEXT_MAX	4000	/* bytes of a reason, report, conclusion */
#define FILES_MAX	20	/* files one report names */

static const char *const targets[] = { "case", "region", NULL };
static const char *const directions[] = { "issued", "received", NULL };
static const char *const states[] = { "open", "closed", NULL };

/* ------------------------------------------------------------------ */
/* One supervision as JSON                                            */
/* ------------------------------------------------------------------ */

/* A supervision's columns, for one and for the list ($1: the user). */
#define SUPERVISION_COLUMNS \
	" s.id, s.target, s.case_id, s.region, rg.name AS region_name," \
	" s.issuer_region, ir.name AS issuer_region_name, s.issued_by," \
	" iu.username AS issued_username, iu.display_name AS issued_name," \
	" s.reason, s.due::text AS due, s.state, s.reports," \
	" rfc3339(s.last_report_at) AS last_report_at, s.conclusion," \
	" s.closed_by, cu.username AS closed_username," \
	" cu.display_name AS closed_name, rfc3339(s.closed_at) AS closed_at," \
	" s.version, rfc3339(s.created_at) AS created_at," \
	" rfc3339(s.updated_at) AS updated_at," \
	" (s.state = 'open' AND s.due < today_cst()) AS overdue," \
	" e.name AS enterprise_name, c.state AS case_state," \
	" supervision_mine(s.id) AS mine," \
	" (s.state = 'open' AND region_covers($1::char(6), s.issuer_region))" \
	"   AS closable" \
	" FROM supervisions s JOIN regions rg ON rg.code = s.region" \
	" JOIN regions ir ON ir.code = s.issuer_region" \
	" LEFT JOIN cases c ON c.id = s.case_id" \
	" LEFT JOIN enterprises e ON e.id = c.enterprise_id" \
	" LEFT JOIN LATERAL user_public(s.issued_by) iu ON true" \
	" LEFT JOIN LATERAL user_public(s.closed_by) cu ON true"

/* A user as {id, username, display_name} from three columns, or null. */
static json_t *
who(const PGresult *res, int i, const char *id, const char *user,
    const char *name)
{
	if (db_isnull(res, i, id))
		return json_null();
	return json_pack("{s:I, s:s, s:s}", "id", (json_int_t)strtoll(
	    db_get(res, i, id), NULL, 10), "username", db_get(res, i, user),
	    "display_name", db_get(res, i, name));
}

static int
is_true(const PGresult *res, int i, const char *col)
{
	return strcmp(db_get(res, i, col), "t") == 0;
}

/*
 * Row `i` of SUPERVISION_COLUMNS as the API shows it (a new reference)
 * to a user who is (`coordinator`) or is not a coordinator: only one
 * may close it.
 */
static json_t *
supervision_row(const PGresult *res, int i, int coordinator)
{
	json_t	*o, *c = json_null();

	if (!db_isnull(res, i, "case_id"))
		c = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)strtoll(
		    db_get(res, i, "case_id"), NULL, 10), "enterprise_name",
		    db_get(res, i, "enterprise_name"), "state",
		    db_get(res, i, "case_state"));
	o = json_pack("{s:I, s:s, s:o, s:o, s:s, s:s, s:s, s:s, s:o, s:s,"
	    " s:s, s:s, s:i, s:o, s:o, s:o, s:o, s:i, s:s, s:s, s:b, s:b,"
	    " s:b}",
	    "id", (json_int_t)strtoll(db_get(res, i, "id"), NULL, 10),
	    "target", db_get(res, i, "target"),
	    "case_id", db_isnull(res, i, "case_id") ? json_null() :
	    json_integer((json_int_t)strtoll(db_get(res, i, "case_id"), NULL,
	    10)),
	    "case", c,
	    "region", db_get(res, i, "region"),
	    "region_name", db_get(res, i, "region_name"),
	    "issuer_region", db_get(res, i, "issuer_region"),
	    "issuer_region_name", db_get(res, i, "issuer_region_name"),
	    "issued_by", who(res, i, "issued_by", "issued_username",
	    "issued_name"),
	    "reason", db_get(res, i, "reason"),
	    "due", db_get(res, i, "due"),
	    "state", db_get(res, i, "state"),
	    "report_count", atoi(db_get(res, i, "reports")),
	    "last_report_at", db_json_text(res, i, "last_report_at"),
	    "conclusion", db_json_text(res, i, "conclusion"),
	    "closed_by", who(res, i, "closed_by", "closed_username",
	    "closed_name"),
	    "closed_at", db_json_text(res, i, "closed_at"),
	    "version", atoi(db_get(res, i, "version")),
	    "created_at", db_get(res, i, "created_at"),
	    "updated_at", db_get(res, i, "updated_at"),
	    "overdue", is_true(res, i, "overdue"),
	    "mine", is_true(res, i, "mine"),
	    "closable", coordinator && is_true(res, i, "closable"));
	return o;
}

/*
 * Supervision `id` with its reports, as the user may see it (a new
 * reference), or NULL: not visible (r->fault FAULT_NONE) or the database
 * failed (recorded).
 */
static json_t *
supervision_json(struct req *r, int64_t id)
{
	static struct stmt one = STMT("SELECT" SUPERVISION_COLUMNS
	    " WHERE s.id = $2", 2);
	static struct stmt reports = STMT(
	    "SELECT p.id, p.text, array_to_string(p.file_ids, ',') AS files,"
	    " p.by_user, u.username, u.display_name, rfc3339(p.at) AS at"
	    " FROM supervision_reports p"
	    " LEFT JOIN LATERAL user_public(p.by_user) u ON true"
	    " WHERE p.supervision_id = $1 ORDER BY p.id", 1);
	struct dbq	 q[2];
	char		 sid[24];
	const char	*p1[2], *p2[1], *f;
	char		*end;
	json_t		*o = NULL, *list, *files;
	int		 i;

	snprintf(sid, sizeof(sid), "%lld", (long long)id);
	p1[0] = r->user.region;
	p1[1] = sid;
	p2[0] = sid;
	q[0].s = &one;
	q[0].params = p1;
	q[1].s = &reports;
	q[1].params = p2;
	if (db_pipeline(r, NULL, q, NITEMS(q)) == -1)
		return NULL;
	r->fault = FAULT_NONE;
	if (PQntuples(q[0].res) != 1)
		goto out;
	if ((o = supervision_row(q[0].res, 0, (r->user.roles &
	    R(COORDINATOR)) != 0)) == NULL) {
		req_fail(r, "supervision %s: could not build its JSON", sid);
		goto out;
	}
	list = json_array();
	for (i = 0; i < PQntuples(q[1].res); i++) {
		files = json_array();
		for (f = db_get(q[1].res, i, "files"); *f != '\0'; f = end) {
			json_array_append_new(files, json_integer(
			    (json_int_t)strtoll(f, &end, 10)));
			if (end == f)
				break;
			if (*end == ',')
				end++;
		}
		json_array_append_new(list, json_pack("{s:I, s:s, s:o, s:o,"
		    " s:s}", "id", (json_int_t)strtoll(db_get(q[1].res, i,
		    "id"), NULL, 10), "text", db_get(q[1].res, i, "text"),
		    "file_ids", files, "by", who(q[1].res, i, "by_user",
		    "username", "display_name"), "at", db_get(q[1].res, i,
		    "at")));
	}
	json_object_set_new(o, "reports", list);
out:
	db_pipeline_clear(q, NITEMS(q));
	return o;
}

/* ------------------------------------------------------------------ */
/* POST /api/v1/supervisions                                          */
/* ------------------------------------------------------------------ */

struct issue_in {
	const char	*target;
	long long	 case_id;
	const char	*region;
	const char	*reason;
	int		 due;
};

static const struct vfield issue_fields[] = {
	{ "target", VT_ENUM, 1, 0, 0, targets, NULL,
	    offsetof(struct issue_in, target) },
	{ "case_id", VT_ID, 0, 0, 0, NULL, NULL,
	    offsetof(struct issue_in, case_id) },
	{ "region", VT_REGION, 0, 0, 0, NULL, NULL,
	    offsetof(struct issue_in, region) },
	{ "reason", VT_TEXT, 1, 1, TEXT_MAX, NULL, NULL,
	    offsetof(struct issue_in, reason) },
	{ "due", VT_DATE, 1, 0, 0, NULL, NULL,
	    offsetof(struct issue_in, due) },
};

/*
 * The target's region into `region` (7 bytes): the case's, or the
 * region given.  Returns 1; 0 after staging the 422 naming the field at
 * fault (missing, unknown, outside the user's subtree, or the user's own
 * level); -1 with the failure recorded in `r`.
 */
static int
target_region(struct req *r, const struct issue_in *in, char *region)
{
	static struct stmt of_case = STMT(
	    "SELECT region FROM cases WHERE id = $1", 1);
	static struct stmt of_region = STMT(
	    "SELECT (valid_to IS NULL OR valid_to > today_cst()) AS current"
	    " FROM regions WHERE code = $1", 1);
	static struct stmt place = STMT(
	    "SELECT region_covers($1::char(6), $2::char(6)) AS covers", 2);
	const char	*field, *p[2], *msg = NULL;
	char		 cid[24];
	PGresult	*res;
	int		 is_case = strcmp(in->target, "case") == 0;

	field = is_case ? "case_id" : "region";
	if (is_case && in->region != NULL)
		msg = "督办案件时不填地区";
	else if (!is_case && in->case_id != 0)
		msg = "督办地区时不填案件";
	if (msg != NULL) {
		field = is_case ? "region" : "case_id";
		goto bad;
	}
	if ((is_case && in->case_id == 0) || (!is_case && in->region == NULL)) {
		msg = "必填";
		goto bad;
	}
	if (is_case) {
		snprintf(cid, sizeof(cid), "%lld", in->case_id);
		p[0] = cid;
		if ((res = db_exec(r, &of_case, p)) == NULL)
			return -1;
		if (PQntuples(res) == 1)
			snprintf(region, 7, "%s", db_get(res, 0, "region"));
		else
			msg = "案件不存在或不在您的辖区内";
	} else {
		p[0] = in->region;
		if ((res = db_exec(r, &of_region, p)) == NULL)
			return -1;
		if (PQntuples(res) == 1 && is_true(res, 0, "current"))
			snprintf(region, 7, "%s", in->region);
		else
			msg = "行政区划代码不存在或已撤销";
	}
	PQclear(res);
	if (msg != NULL)
		goto bad;
	p[0] = r->user.region;
	p[1] = region;
	if ((res = db_exec(r, &place, p)) == NULL)
		return -1;
	if (!is_true(res, 0, "covers"))
		msg = is_case ? "案件不在您的辖区内" : "该地区不在您的辖区内";
	else if (strcmp(region, r->user.region) == 0)
		msg = "只能督办下级：不能督办本级";
	PQclear(res);
	if (msg == NULL)
		return 1;
bad:
	reply_problem(r, 422, NULL, "the target is not one you may supervise",
	    problem_field(NULL, field, msg));
	return 0;
}

void
supervision_create(struct req *r)
{
	static struct stmt insert = STMT(
	    "INSERT INTO supervisions (target, case_id, region, issuer_region,"
	    " issued_by, reason, due) VALUES ($1, $2::bigint, $3, $4, $5, $6,"
	    " $7::date) RETURNING id", 7);
	struct issue_in	 in;
	char		 region[7], cid[24], uid[24], due[WF_DATE_LEN + 1];
	const char	*p[7];
	PGresult	*res;
	json_t		*facts = NULL, *o = NULL;
	int64_t		 id;

	memset(&in, 0, sizeof(in));
	if (validate_json(r, r->json, issue_fields, NITEMS(issue_fields), &in,
	    NULL) == -1)
		return;
	if (in.due < wf_day_of_unix(now_us() / 1000000)) {
		reply_problem(r, 422, NULL, "the due date is in the past",
		    problem_field(NULL, "due", "督办期限不能早于今天"));
		return;
	}
	switch (target_region(r, &in, region)) {
	case -1:
		goto dberr;
	case 0:
		return;
	}
	snprintf(cid, sizeof(cid), "%lld", in.case_id);
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	wf_date_format(in.due, due);
	p[0] = in.target;
	p[1] = in.case_id != 0 ? cid : NULL;
	p[2] = region;
	p[3] = r->user.region;
	p[4] = uid;
	p[5] = in.reason;
	p[6] = due;
	if ((res = db_exec(r, &insert, p)) == NULL) {
		if (strcmp(r->sqlstate, "23505") == 0) {
			reply_problem(r, 409, "duplicate", "an open "
			    "supervision of this target exists", problem_field(NULL,
			    in.case_id != 0 ? "case_id" : "region",
			    "已有未办结的挂牌督办"));
			return;
		}
		goto dberr;
	}
	id = strtoll(db_get(res, 0, "id"), NULL, 10);
	PQclear(res);
	facts = json_pack("{s:s, s:o, s:s, s:s, s:s, s:s}", "target",
	    in.target, "case_id", in.case_id != 0 ?
	    json_integer((json_int_t)in.case_id) : json_null(), "region",
	    region, "issuer_region", r->user.region, "reason", in.reason,
	    "due", due);
	if (facts == NULL || change_record(r, LEDGER_SUPERVISION, id, region,
	    "create", facts) == -1 || (o = supervision_json(r, id)) == NULL)
		goto dberr;
	json_decref(facts);
	reply_resource(r, 201, o, "supervision", "/api/v1/supervisions");
	return;
dberr:
	json_decref(facts);
	reply_db_error(r);
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/supervisions, GET /api/v1/supervisions/{id}            */
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
 * Newest first.  issued: issued by the user's region or one below it;
 * received: those the user is on the target side of.
 */
void
supervision_list(struct req *r)
{
	static struct stmt list = STMT_CUSTOM("SELECT" SUPERVISION_COLUMNS
	    " WHERE ($2::text IS NULL OR ($2 = 'issued' AND"
	    "   in_scope(s.issuer_region))"
	    "   OR ($2 = 'received' AND supervision_mine(s.id)))"
	    " AND ($3::text IS NULL OR s.state = $3)"
	    " AND ($4::bigint IS NULL OR s.id < $4)"
	    " ORDER BY s.id DESC LIMIT $5", 5);
	struct list_in	 in;
	char		 cur[24], lim[24];
	const char	*p[5];
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
	p[0] = r->user.region;
	p[1] = in.direction;
	p[2] = in.state;
	p[3] = in.cursor != 0 ? cur : NULL;
	p[4] = lim;
	if ((res = db_exec(r, &list, p)) == NULL) {
		reply_db_error(r);
		return;
	}
	items = json_array();
	for (i = 0; i < PQntuples(res) && i < in.limit; i++)
		if ((o = supervision_row(res, i, (r->user.roles &
		    R(COORDINATOR)) != 0)) != NULL)
			json_array_append_new(items, o);
	reply_page(r, items, res, in.limit);
	PQclear(res);
}

void
supervision_get(struct req *r)
{
	reply_resource(r, 200, supervision_json(r, r->ids[0]), "supervision",
	    NULL);
}

/* ------------------------------------------------------------------ */
/* Changes: a report, the close                                       */
/* ------------------------------------------------------------------ */

struct locked {
	char	 region[7];
	char	 issuer[7];
	int	 open;
	int	 version;
	int	 mine;		/* the user is on the target side */
};

/*
 * Lock supervision r->ids[0] for a change (its stream follows the row's
 * lock).  Returns 1 and fills `s`; 0 when it is not visible (a 404 is
 * staged); -1 with the failure recorded in `r`.
 */
static int
lock_supervision(struct req *r, struct locked *s)
{
	static struct stmt lock = STMT(
	    "SELECT region, issuer_region, state = 'open' AS open, version,"
	    " supervision_mine(id) AS mine FROM supervisions WHERE id = $1"
	    " FOR UPDATE", 1);
	char		 sid[24];
	const char	*p[1];
	PGresult	*res;
	int		 found;

	snprintf(sid, sizeof(sid), "%lld", (long long)r->ids[0]);
	p[0] = sid;
	if ((res = db_exec(r, &lock, p)) == NULL)
		return -1;
	if ((found = PQntuples(res) == 1)) {
		snprintf(s->region, sizeof(s->region), "%s",
		    db_get(res, 0, "region"));
		snprintf(s->issuer, sizeof(s->issuer), "%s",
		    db_get(res, 0, "issuer_region"));
		s->open = is_true(res, 0, "open");
		s->version = atoi(db_get(res, 0, "version"));
		s->mine = is_true(res, 0, "mine");
	} else
		reply_problem(r, 404, NULL, "no such supervision", NULL);
	PQclear(res);
	return found;
}

struct report_in {
	const char	*text;
	json_t		*file_ids;
};

static const struct vfield report_fields[] = {
	{ "text", VT_TEXT, 1, 1, TEXT_MAX, NULL, NULL,
	    offsetof(struct report_in, text) },
	{ "file_ids", VT_IDS, 0, 0, FILES_MAX, NULL, NULL,
	    offsetof(struct report_in, file_ids) },
};

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

void
supervision_report(struct req *r)
{
	static struct stmt files_ok = STMT(
	    "SELECT supervision_files_ok($1::bigint[]) AS ok", 1);
	static struct stmt insert = STMT(
	    "WITH p AS (INSERT INTO supervision_reports (supervision_id,"
	    " region, issuer_region, text, file_ids, by_user) VALUES ($1, $2,"
	    " $3, $4, $5::bigint[], $6) RETURNING id, rfc3339(at) AS at),"
	    " s AS (UPDATE supervisions SET reports = reports + 1,"
	    " last_report_at = now(), version = version + 1,"
	    " updated_at = now() WHERE id = $1)"
	    " SELECT id, at FROM p", 6);
	struct report_in in = { NULL, NULL };
	struct locked	 s;
	char		 sid[24], uid[24], loc[64], *files = NULL;
	const char	*p[6];
	PGresult	*res = NULL;
	json_t		*empty = NULL, *facts = NULL, *o;
	int64_t		 rid;

	if (validate_json(r, r->json, report_fields, NITEMS(report_fields),
	    &in, NULL) == -1)
		return;
	if (in.file_ids == NULL)
		in.file_ids = empty = json_array();
	switch (lock_supervision(r, &s)) {
	case -1:
		goto dberr;
	case 0:
		goto out;
	}
	if (!s.mine) {
		/* The wrong side: as if there were none to report on. */
		reply_problem(r, 404, NULL, "no supervision of yours to report "
		    "on", NULL);
		goto out;
	}
	if (!s.open) {
		reply_problem(r, 409, "closed", "the supervision is closed",
		    NULL);
		goto out;
	}
	if ((files = id_array(in.file_ids)) == NULL) {
		req_fail(r, "no memory for the file ids");
		goto dberr;
	}
	p[0] = files;
	if ((res = db_exec(r, &files_ok, p)) == NULL)
		goto dberr;
	if (!is_true(res, 0, "ok")) {
		reply_problem(r, 422, NULL, "a file is unknown", problem_field(
		    NULL, "file_ids", "文件不存在或不可见"));
		goto out;
	}
	PQclear(res);
	snprintf(sid, sizeof(sid), "%lld", (long long)r->ids[0]);
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	p[0] = sid;
	p[1] = s.region;
	p[2] = s.issuer;
	p[3] = in.text;
	p[4] = files;
	p[5] = uid;
	if ((res = db_exec(r, &insert, p)) == NULL)
		goto dberr;
	rid = strtoll(db_get(res, 0, "id"), NULL, 10);
	facts = json_pack("{s:I, s:s, s:O}", "report_id", (json_int_t)rid,
	    "text", in.text, "file_ids", in.file_ids);
	if (facts == NULL || change_record(r, LEDGER_SUPERVISION, r->ids[0],
	    s.region, "report", facts) == -1)
		goto dberr;
	o = json_pack("{s:I, s:I, s:s, s:O, s:{s:I, s:s, s:s}, s:s}",
	    "id", (json_int_t)rid, "supervision_id", (json_int_t)r->ids[0],
	    "text", in.text, "file_ids", in.file_ids, "by", "id",
	    (json_int_t)r->user.id, "username", r->user.username,
	    "display_name", r->user.display_name, "at", db_get(res, 0, "at"));
	snprintf(loc, sizeof(loc), "/api/v1/supervisions/%lld/reports",
	    (long long)r->ids[0]);
	reply_resource(r, 201, o, "report", loc);
	goto out;
dberr:
	reply_db_error(r);
out:
	PQclear(res);
	free(files);
	json_decref(facts);
	json_decref(empty);
}

struct close_in {
	const char	*conclusion;
};

static const struct vfield close_fields[] = {
	{ "conclusion", VT_TEXT, 1, 1, TEXT_MAX, NULL, NULL,
	    offsetof(struct close_in, conclusion) },
};

void
supervision_close(struct req *r)
{
	static struct stmt covers = STMT(
	    "SELECT region_covers($1::char(6), $2::char(6)) AS covers", 2);
	static struct stmt close = STMT(
	    "UPDATE supervisions SET state = 'closed', conclusion = $2,"
	    " closed_by = $3, closed_at = now(), version = version + 1,"
	    " updated_at = now() WHERE id = $1 AND state = 'open'", 3);
	struct close_in	 in = { NULL };
	struct locked	 s;
	char		 sid[24], uid[24];
	const char	*p[3];
	PGresult	*res;
	json_t		*facts = NULL, *o;
	int		 ifm, issuing;

	if (validate_json(r, r->json, close_fields, NITEMS(close_fields), &in,
	    NULL) == -1)
		return;
	if ((ifm = req_if_match(r)) == -1) {
		reply_problem(r, 400, "bad-if-match", "If-Match is not a "
		    "version", NULL);
		return;
	}
	switch (lock_supervision(r, &s)) {
	case -1:
		goto dberr;
	case 0:
		return;
	}
	p[0] = r->user.region;
	p[1] = s.issuer;
	if ((res = db_exec(r, &covers, p)) == NULL)
		goto dberr;
	issuing = is_true(res, 0, "covers");
	PQclear(res);
	if (!issuing) {
		reply_problem(r, 403, NULL, "only the issuing side closes a "
		    "supervision", NULL);
		return;
	}
	if (!s.open) {
		reply_problem(r, 409, "closed", "the supervision is closed "
		    "already", NULL);
		return;
	}
	/* If-Match is optional here; a stale one is refused all the same. */
	r->if_match = ifm;
	if (ifm != 0 && reply_precondition(r, s.version, "supervision") == -1)
		return;
	snprintf(sid, sizeof(sid), "%lld", (long long)r->ids[0]);
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	p[0] = sid;
	p[1] = in.conclusion;
	p[2] = uid;
	if (db_exec_ok(r, &close, p) == -1)
		goto dberr;
	facts = json_pack("{s:s}", "conclusion", in.conclusion);
	if (facts == NULL || change_record(r, LEDGER_SUPERVISION, r->ids[0],
	    s.region, "close", facts) == -1 ||
	    (o = supervision_json(r, r->ids[0])) == NULL)
		goto dberr;
	json_decref(facts);
	reply_resource(r, 200, o, "supervision", NULL);
	return;
dberr:
	json_decref(facts);
	reply_db_error(r);
}
