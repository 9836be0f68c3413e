/*
 * enterprises.c: the enterprises cases and activities are about.
 *
 *	POST  /api/v1/enterprises		register one (officer, admin)
 *	GET   /api/v1/enterprises?q=&region=&cursor=&limit=
 *	GET   /api/v1/enterprises/lookup?uscc=	the directory, every region
 *						(officer, legal, admin)
 *	GET   /api/v1/enterprises/{id}
 *	PATCH /api/v1/enterprises/{id}		name, address, licences
 *						(If-Match; officer, admin)
 *
 * The profile -- representative, phone, area types, accident history,
 * licences with their validity -- and the risk grade are profile.c's:
 * its validation rows sit in the tables below, and it stores and shows
 * them beside the registry's facts.
 *
 * An enterprise is identified by its unified social credit code, checked
 * by uscc.c (GB 32100-2015): a 422 naming `uscc` says which way it is
 * wrong.  A legacy code that fails only its check character is accepted
 * only from an administrator who gives `uscc_override_reason`; who, when
 * and why are stored on the row.  The code and the region never change.
 *
 * Every statement runs under row-level security scoped to the user's
 * region; the region an enterprise is registered in must also lie in it
 * (422 naming `region`), and one outside it answers 404 like a missing
 * one.  Only the directory crosses regions: enterprise_lookup()
 * (sql/0036) gives the registry's facts -- id, code, name, region -- of
 * the enterprise with a code wherever it is registered, and the 409 of
 * a duplicate code says the same (where it is registered), no more.
 *
 * Characters 3-8 of a code are its registering authority's region: a
 * code registered in another province than that authority's needs
 * `region_mismatch_reason` (422 naming it), kept on the row, so that no
 * one takes another province's code in passing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/base.h"
#include "../front/front.h"
#include "resources.h"
#include "uscc.h"

#define NAME_CHARS	200	/* as the table's CHECK */
#define ADDRESS_CHARS	500
#define LICENCE_CHARS	64
#define REASON_CHARS	500
#define Q_MAX		100	/* bytes of a search */

static const char *const statuses[] = {
	"valid", "suspended", "revoked", "expired", NULL
};

/* ------------------------------------------------------------------ */
/* Checks for the validation rows                                     */
/* ------------------------------------------------------------------ */

/*
 * The code's length and alphabet; a wrong check character passes here
 * and is judged by the handler, which knows about overrides.
 */
static const char *
check_uscc(const char *s)
{
	enum uscc_error	 e = uscc_check(s, strlen(s));
	const char	*msg = NULL;

	switch (e) {
	case USCC_OK:
	case USCC_CHECK:
		break;
	case USCC_LENGTH:
	case USCC_LOWERCASE:
	case USCC_ALPHABET:
	case USCC__MAX:
		msg = uscc_message(e);
		break;
	}
	return msg;
}

static const char *
check_name(const char *s)
{
	return utf8_chars(s) > NAME_CHARS ? "不能超过200个字" : NULL;
}

static const char *
check_address(const char *s)
{
	return utf8_chars(s) > ADDRESS_CHARS ? "不能超过500个字" : NULL;
}

static const char *
check_licence(const char *s)
{
	return utf8_chars(s) > LICENCE_CHARS ? "不能超过64个字" : NULL;
}

static const char *
check_reason(const char *s)
{
	return utf8_chars(s) > REASON_CHARS ? "不能超过500个字" : NULL;
}

/*
 * Whether the code's registering authority (characters 3-8, GB/T 2260)
 * lies in another province than `region`.
 */
static int
region_mismatch(const char *uscc, const char *region)
{
	return strncmp(uscc + 2, region, 2) != 0;
}

static const char *
check_immutable(const char *s)
{
	(void)s;
	return "登记后不可修改";
}

/* ------------------------------------------------------------------ */
/* One enterprise as JSON                                             */
/* ------------------------------------------------------------------ */

/*
 * The enterprise `id` as the API shows it (a new reference), or NULL:
 * not visible to the user (r->fault FAULT_NONE) or the database failed
 * (recorded in r).
 */
static json_t *
enterprise_json(struct req *r, int64_t id)
{
	static struct stmt get = STMT(
	    "SELECT e.id, e.uscc, e.name, e.region, rg.name AS region_name,"
	    " e.address, e.production_licence, e.production_licence_status,"
	    " e.ccc_certificate, e.ccc_status, e.uscc_override_by,"
	    " ou.username AS override_username,"
	    " ou.display_name AS override_name, e.uscc_override_reason,"
	    " rfc3339(e.uscc_override_at) AS uscc_override_at,"
	    " e.region_mismatch_reason, e.version,"
	    " rfc3339(e.created_at) AS created_at,"
	    " cu.username AS created_by, rfc3339(e.updated_at) AS updated_at"
	    " FROM enterprises e JOIN regions rg ON rg.code = e.region"
	    " LEFT JOIN LATERAL user_public(e.uscc_override_by) ou ON true"
	    " LEFT JOIN LATERAL user_public(e.created_by) cu ON true"
	    " WHERE e.id = $1", 1);
	char		 eid[24];
	const char	*p[1];
	PGresult	*res;
	json_t		*o = NULL, *override;

	snprintf(eid, sizeof(eid), "%lld", (long long)id);
	p[0] = eid;
	if ((res = db_exec(r, &get, p)) == NULL)
		return NULL;
	if (PQntuples(res) != 1)
		goto out;
	override = db_isnull(res, 0, "uscc_override_by") ? json_null() :
	    json_pack("{s:{s:I, s:s, s:s}, s:s, s:s}",
	    "by", "id", (json_int_t)strtoll(db_get(res, 0,
	    "uscc_override_by"), NULL, 10),
	    "username", db_get(res, 0, "override_username"),
	    "display_name", db_get(res, 0, "override_name"),
	    "reason", db_get(res, 0, "uscc_override_reason"),
	    "at", db_get(res, 0, "uscc_override_at"));
	o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o,"
	    " s:o, s:o, s:i, s:s, s:o, s:s}",
	    "id", (json_int_t)id,
	    "uscc", db_get(res, 0, "uscc"),
	    "name", db_get(res, 0, "name"),
	    "region", db_get(res, 0, "region"),
	    "region_name", db_get(res, 0, "region_name"),
	    "address", db_json_text(res, 0, "address"),
	    "production_licence", db_json_text(res, 0, "production_licence"),
	    "production_licence_status", db_json_text(res, 0,
	    "production_licence_status"),
	    "ccc_certificate", db_json_text(res, 0, "ccc_certificate"),
	    "ccc_status", db_json_text(res, 0, "ccc_status"),
	    "uscc_override", override,
	    "region_mismatch_reason", db_json_text(res, 0,
	    "region_mismatch_reason"),
	    "version", atoi(db_get(res, 0, "version")),
	    "created_at", db_get(res, 0, "created_at"),
	    "created_by", db_json_text(res, 0, "created_by"),
	    "updated_at", db_get(res, 0, "updated_at"));
	if (o == NULL)
		req_fail(r, "enterprise %s: could not build its JSON", eid);
	else if (profile_json(r, id, o) == -1) {
		json_decref(o);
		o = NULL;
	}
out:
	PQclear(res);
	return o;
}


/* ------------------------------------------------------------------ */
/* POST /api/v1/enterprises                                           */
/* ------------------------------------------------------------------ */

struct enterprise_in {
	const char	*uscc;
	const char	*name;
	const char	*region;
	const char	*address;
	const char	*production_licence;
	const char	*production_licence_status;
	const char	*ccc_certificate;
	const char	*ccc_status;
	const char	*uscc_override_reason;
	const char	*region_mismatch_reason;
	struct profile_in prof;
};

static const struct vfield create_fields[] = {
	{ "uscc", VT_STRING, 1, 1, 0, NULL, check_uscc,
	    offsetof(struct enterprise_in, uscc) },
	{ "name", VT_NAME, 1, 1, 4 * NAME_CHARS, NULL, check_name,
	    offsetof(struct enterprise_in, name) },
	{ "region", VT_REGION, 1, 0, 0, NULL, NULL,
	    offsetof(struct enterprise_in, region) },
	{ "address", VT_STRING, 0, 0, 4 * ADDRESS_CHARS, NULL, check_address,
	    offsetof(struct enterprise_in, address) },
	{ "production_licence", VT_STRING, 0, 0, 4 * LICENCE_CHARS, NULL,
	    check_licence, offsetof(struct enterprise_in, production_licence) },
	{ "production_licence_status", VT_ENUM, 0, 0, 0, statuses, NULL,
	    offsetof(struct enterprise_in, production_licence_status) },
	{ "ccc_certificate", VT_STRING, 0, 0, 4 * LICENCE_CHARS, NULL,
	    check_licence, offsetof(struct enterprise_in, ccc_certificate) },
	{ "ccc_status", VT_ENUM, 0, 0, 0, statuses, NULL,
	    offsetof(struct enterprise_in, ccc_status) },
	{ "uscc_override_reason", VT_TEXT, 0, 1, 4 * REASON_CHARS, NULL,
	    check_reason, offsetof(struct enterprise_in, uscc_override_reason) },
	{ "region_mismatch_reason", VT_TEXT, 0, 1, 4 * REASON_CHARS, NULL,
	    check_reason,
	    offsetof(struct enterprise_in, region_mismatch_reason) },
	PROFILE_VFIELDS(struct enterprise_in, prof),
};

/* What an enterprise's events carry (its stream, ../ledger/). */
static const char *const audited[] = {
	"uscc", "name", "region", "address", "production_licence",
	"production_licence_status", "ccc_certificate", "ccc_status",
	"uscc_override", "region_mismatch_reason", PROFILE_AUDITED, NULL
};

/*
 * The facts of enterprise `o` (borrowed) named in `audited`, as a new
 * object: a registration's event.
 */
static json_t *
facts_of(const json_t *o)
{
	json_t		*f = json_object();
	const char	*const *k;

	for (k = audited; f != NULL && *k != NULL; k++)
		json_object_set(f, *k, json_object_get(o, *k) != NULL ?
		    json_object_get(o, *k) : json_null());
	return f;
}

/* An empty optional string is no value: SQL NULL. */
static const char *
nonempty(const char *s)
{
	return s != NULL && *s != '\0' ? s : NULL;
}

/*
 * Is the code registered, in any region?  When it is, refuse it with 409
 * naming uscc with the region it is registered in -- what the directory
 * (enterprise_lookup) tells every officer, and no more -- and return 1;
 * 0 when it is not; -1 on a database failure (recorded in r).  A
 * registration racing this one still meets the unique index: the plain
 * 409 of enterprise_create.
 */
static int
registered_where(struct req *r, const char *uscc, struct admit *a)
{
	static struct stmt get = STMT(
	    "SELECT l.region, rg.name AS region_name"
	    " FROM enterprise_lookup($1) l JOIN regions rg ON rg.code = l.region",
	    1);
	const char	*p[1];
	char		 msg[256];
	PGresult	*res;
	int		 found;

	p[0] = uscc;
	if ((res = db_exec(r, &get, p)) == NULL)
		return -1;
	found = PQntuples(res) == 1;
	if (found) {
		snprintf(msg, sizeof(msg), "该统一社会信用代码已在%s（%s）登记",
		    db_get(res, 0, "region_name"), db_get(res, 0, "region"));
		snprintf(a->detail, sizeof(a->detail), "an enterprise with "
		    "this code is registered in region %s: "
		    "/api/v1/enterprises/lookup?uscc=%s", db_get(res, 0,
		    "region"), uscc);
		admit_refuse(a, 409, "uscc", msg);
	}
	PQclear(res);
	return found;
}

/*
 * Check the enterprise `obj` (a request's body, or one row of an import)
 * as POST /api/v1/enterprises does, and when it may be registered and
 * `record` is set, register it: its row and its stream's `create` event,
 * which names `import_id` when not 0.  Returns the new id; 0 when
 * nothing was registered (refused, the reasons in `a`; or `record`
 * unset); -1 on a database failure (recorded in `r`).
 */
int64_t
enterprise_admit(struct req *r, const json_t *obj, int64_t import_id,
    int record, struct admit *a)
{
	static struct stmt insert = STMT(
	    "INSERT INTO enterprises (uscc, name, region, address,"
	    " production_licence, production_licence_status, ccc_certificate,"
	    " ccc_status, uscc_override_by, uscc_override_reason,"
	    " uscc_override_at, created_by, region_mismatch_reason)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::bigint, $10,"
	    " CASE WHEN $9::bigint IS NOT NULL THEN now() END, $11, $12)"
	    " RETURNING id", 12);
	struct enterprise_in in;
	enum uscc_error	 ue;
	const char	*p[12], *msg;
	char		 uid[24];
	PGresult	*res = NULL;
	json_t		*o = NULL, *facts = NULL;
	int64_t		 id = 0;
	int		 override, badtype = 0, found;

	memset(&in, 0, sizeof(in));
	if (validate_object(obj, create_fields, NITEMS(create_fields), &in,
	    NULL, &a->errors, &badtype) != 0 ||
	    profile_errors(obj, &in.prof, &a->errors, &badtype) != 0) {
		admit_refuse(a, badtype ? 400 : 422, NULL, NULL);
		return 0;
	}

	/* Only the check character may be overridden, by an admin, with a reason. */
	ue = uscc_check(in.uscc, strlen(in.uscc));
	override = ue == USCC_CHECK && in.uscc_override_reason != NULL;
	if (ue == USCC_CHECK && !override) {
		snprintf(a->detail, sizeof(a->detail), "the unified social "
		    "credit code is invalid");
		admit_refuse(a, 422, "uscc", uscc_message(USCC_CHECK));
		return 0;
	}
	if (ue == USCC_OK && in.uscc_override_reason != NULL) {
		snprintf(a->detail, sizeof(a->detail), "the code is valid: "
		    "there is nothing to override");
		admit_refuse(a, 422, "uscc_override_reason",
		    "代码校验通过，无需例外说明");
		return 0;
	}
	if (override && !(r->user.roles & R(ADMIN))) {
		log_warn("request %s: %s may not override the check of %s",
		    r->id, r->user.username, in.uscc);
		snprintf(a->detail, sizeof(a->detail), "only an administrator "
		    "may accept a code that fails its check");
		admit_refuse(a, 403, "uscc_override_reason",
		    "仅管理员可以接受校验位不符的历史代码");
		return 0;
	}
	if ((msg = region_usable(r, in.region, 0)) != NULL) {
		if (*msg == '\0')
			return -1;
		snprintf(a->detail, sizeof(a->detail), "the region is not one "
		    "you may register an enterprise in");
		admit_refuse(a, 422, "region", msg);
		return 0;
	}
	if ((found = registered_where(r, in.uscc, a)) != 0)
		return found == -1 ? -1 : 0;
	if (region_mismatch(in.uscc, in.region) &&
	    in.region_mismatch_reason == NULL) {
		snprintf(a->detail, sizeof(a->detail), "the code was issued "
		    "in another province than the region's: say why");
		admit_refuse(a, 422, "region_mismatch_reason", "代码第3至8位的登记"
		    "管理机关不在所选地区所在的省份，请说明在本地区登记的理由");
		return 0;
	}
	if (!region_mismatch(in.uscc, in.region) &&
	    in.region_mismatch_reason != NULL) {
		snprintf(a->detail, sizeof(a->detail), "the code was issued "
		    "in the region's province: there is nothing to explain");
		admit_refuse(a, 422, "region_mismatch_reason",
		    "代码的登记管理机关与所选地区在同一省份，无需说明理由");
		return 0;
	}
	if (!record)
		return 0;
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	p[0] = in.uscc;
	p[1] = in.name;
	p[2] = in.region;
	p[3] = nonempty(in.address);
	p[4] = nonempty(in.production_licence);
	p[5] = in.production_licence_status;
	p[6] = nonempty(in.ccc_certificate);
	p[7] = in.ccc_status;
	p[8] = override ? uid : NULL;
	p[9] = override ? in.uscc_override_reason : NULL;
	p[10] = uid;
	p[11] = in.region_mismatch_reason;
	if ((res = db_exec(r, &insert, p)) == NULL)
		goto fail;
	id = strtoll(db_get(res, 0, "id"), NULL, 10);
	if (profile_store(r, id, obj, &in.prof) == -1 ||
	    (o = enterprise_json(r, id)) == NULL ||
	    (facts = facts_of(o)) == NULL)
		goto fail;
	if (import_id != 0)
		json_object_set_new(facts, "import", json_integer(import_id));
	if (change_record(r, LEDGER_ENTERPRISE, id, in.region, "create",
	    facts) == -1)
		goto fail;
	if (override)
		log_info("request %s: enterprise %lld registered with code %s "
		    "failing its check, by override of %s", r->id,
		    (long long)id, in.uscc, r->user.username);
	goto out;
fail:
	id = -1;
out:
	json_decref(o);
	json_decref(facts);
	PQclear(res);
	return id;
}

void
enterprise_create(struct req *r)
{
	struct admit	 a = { 0 };
	int64_t		 id;

	if ((id = enterprise_admit(r, r->json, 0, 1, &a)) == -1) {
		json_decref(a.errors);
		if (strcmp(r->sqlstate, "23505") == 0) {
			reply_problem(r, 409, "duplicate", "an enterprise with "
			    "this code is registered", problem_field(NULL,
			    "uscc", "该统一社会信用代码已登记"));	/* a race */
			return;
		}
		reply_db_error(r);
		return;
	}
	if (id == 0) {
		admit_reply(r, &a);
		return;
	}
	reply_resource(r, 201, enterprise_json(r, id), "enterprise",
	    "/api/v1/enterprises");
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/enterprises/{id}                                       */
/* ------------------------------------------------------------------ */

void
enterprise_get(struct req *r)
{
	reply_resource(r, 200, enterprise_json(r, r->ids[0]), "enterprise",
	    NULL);
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/enterprises/lookup?uscc=                               */
/* ------------------------------------------------------------------ */

struct lookup_in {
	const char	*uscc;
};

static const struct vfield lookup_fields[] = {
	{ "uscc", VT_STRING, 1, 1, 0, NULL, check_uscc,
	    offsetof(struct lookup_in, uscc) },
};

/*
 * The directory entry of the enterprise with the code, wherever it is
 * registered: {id, uscc, name, region}, the public registry's facts and
 * nothing else (the record itself stays its region's: GET
 * /enterprises/{id} is a 404 elsewhere).  404 when no enterprise has the
 * code.  A lookup outside the user's region is logged.
 */
void
enterprise_lookup(struct req *r)
{
	static struct stmt get = STMT(
	    "SELECT id, uscc, name, region, in_scope(region) AS mine"
	    " FROM enterprise_lookup($1)", 1);
	struct lookup_in in = { NULL };
	const char	*p[1];
	PGresult	*res;

	if (validate_query(r, lookup_fields, NITEMS(lookup_fields), &in,
	    NULL) == -1)
		return;
	p[0] = in.uscc;
	if ((res = db_exec(r, &get, p)) == NULL) {
		reply_db_error(r);
		return;
	}
	if (PQntuples(res) != 1)
		reply_problem(r, 404, NULL, "no enterprise is registered with "
		    "this code", NULL);
	else {
		if (strcmp(db_get(res, 0, "mine"), "t") != 0)
			log_info("request %s: %s looked up %s, registered in %s",
			    r->id, r->user.username, in.uscc,
			    db_get(res, 0, "region"));
		reply_json(r, 200, json_pack("{s:I, s:s, s:s, s:s}",
		    "id", (json_int_t)strtoll(db_get(res, 0, "id"), NULL, 10),
		    "uscc", db_get(res, 0, "uscc"),
		    "name", db_get(res, 0, "name"),
		    "region", db_get(res, 0, "region")));
	}
	PQclear(res);
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/enterprises                                            */
/* ------------------------------------------------------------------ */

static const char *const grades[] = { "A", "B", "C", "D", NULL };

struct list_in {
	const char	*q;
	const char	*region;
	const char	*grade;
	int		 due;
	long long	 cursor;
	long long	 limit;
};

static const struct vfield list_fields[] = {
	{ "q", VT_NAME, 0, 1, Q_MAX, NULL, NULL,
	    offsetof(struct list_in, q) },
	{ "region", VT_REGION, 0, 0, 0, NULL, NULL,
	    offsetof(struct list_in, region) },
	{ "grade", VT_ENUM, 0, 0, 0, grades, NULL,
	    offsetof(struct list_in, grade) },
	{ "due_for_inspection", VT_BOOL, 0, 0, 0, NULL, NULL,
	    offsetof(struct list_in, due) },
	VF_PAGE(struct list_in),
};

/*
 * Newest first; `q` matches the name anywhere (case-insensitive, served
 * by the trigram index) or the code exactly; `region` narrows to that
 * region and those below it; `grade` to one risk grade;
 * `due_for_inspection=true` to those whose next inspection is due by
 * today (the 反复查 work list).  An enterprise's grade is its stored
 * one, or -- stored before time alone changed it -- risk_of()'s today
 * (sql/0063).  Row-level security keeps the rest out.
 */
void
enterprise_list(struct req *r)
{
	static struct stmt list = STMT(
	    "SELECT s.*, s.next_inspection_by::text AS next_by,"
	    " (s.next_inspection_by <= today_cst()) AS due"
	    " FROM (SELECT e.id, e.uscc, e.name, e.region,"
	    " rg.name AS region_name,"
	    " e.production_licence, e.production_licence_status,"
	    " e.ccc_certificate, e.ccc_status, e.version,"
	    " (e.uscc_override_by IS NOT NULL) AS overridden,"
	    " rfc3339(e.updated_at) AS updated_at,"
	    " CASE WHEN rk.stale_after > today_cst()"
	    "   OR (rk.enterprise_id IS NOT NULL AND rk.stale_after IS NULL)"
	    "   THEN rk.grade::text ELSE (SELECT k.grade FROM risk_of(e.id) k)"
	    "   END AS grade,"
	    " CASE WHEN rk.stale_after > today_cst()"
	    "   OR (rk.enterprise_id IS NOT NULL AND rk.stale_after IS NULL)"
	    "   THEN rk.next_inspection_by"
	    "   ELSE (SELECT k.next_inspection_by FROM risk_of(e.id) k)"
	    "   END AS next_inspection_by"
	    " FROM enterprises e JOIN regions rg ON rg.code = e.region"
	    " LEFT JOIN enterprise_risk rk ON rk.enterprise_id = e.id"
	    " WHERE ($1::text IS NULL OR e.name ILIKE $1"
	    "   OR e.uscc = upper($2)::bpchar)"
	    " AND ($3::text IS NULL OR (e.region >= region_lo($3::char(6))"
	    "   AND e.region < region_hi($3::char(6))))"
	    " AND ($4::bigint IS NULL OR e.id < $4)) s"
	    " WHERE ($6::text IS NULL OR s.grade = $6)"
	    " AND (NOT $7::boolean OR s.next_inspection_by <= today_cst())"
	    " ORDER BY s.id DESC LIMIT $5", 7);
	struct list_in	 in;
	char		 cur[24], lim[24], pat[2 * Q_MAX + 3];
	const char	*p[7];
	PGresult	*res;
	json_t		*items, *o;
	int		 i, n;

	memset(&in, 0, sizeof(in));
	in.limit = LIST_DEFAULT;
	if (validate_query(r, list_fields, NITEMS(list_fields), &in,
	    NULL) == -1)
		return;
	snprintf(cur, sizeof(cur), "%lld", in.cursor);
	snprintf(lim, sizeof(lim), "%lld", in.limit + 1);
	if (in.q != NULL)
		like_pattern(in.q, pat);
	p[0] = in.q != NULL ? pat : NULL;
	p[1] = in.q;
	p[2] = in.region;
	p[3] = in.cursor != 0 ? cur : NULL;
	p[4] = lim;
	p[5] = in.grade;
	p[6] = in.due ? "true" : "false";
	if ((res = db_exec(r, &list, p)) == NULL) {
		reply_db_error(r);
		return;
	}
	items = json_array();
	n = PQntuples(res);
	for (i = 0; i < n && i < in.limit; i++) {
		o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o,"
		    " s:i, s:b, s:s, s:o, s:o, s:b}",
		    "id", (json_int_t)strtoll(db_get(res, i, "id"), NULL, 10),
		    "uscc", db_get(res, i, "uscc"),
		    "name", db_get(res, i, "name"),
		    "region", db_get(res, i, "region"),
		    "region_name", db_get(res, i, "region_name"),
		    "production_licence", db_json_text(res, i,
		    "production_licence"),
		    "production_licence_status", db_json_text(res, i,
		    "production_licence_status"),
		    "ccc_certificate", db_json_text(res, i, "ccc_certificate"),
		    "ccc_status", db_json_text(res, i, "ccc_status"),
		    "version", atoi(db_get(res, i, "version")),
		    "uscc_overridden", strcmp(db_get(res, i, "overridden"),
		    "t") == 0,
		    "updated_at", db_get(res, i, "updated_at"),
		    "risk_grade", db_json_text(res, i, "grade"),
		    "next_inspection_by", db_json_text(res, i, "next_by"),
		    "due_for_inspection", strcmp(db_get(res, i, "due"),
		    "t") == 0);
		if (o != NULL)
			json_array_append_new(items, o);
	}
	reply_page(r, items, res, in.limit);
	PQclear(res);
}

/* ------------------------------------------------------------------ */
/* PATCH /api/v1/enterprises/{id}                                     */
/* ------------------------------------------------------------------ */

/*
 * The fields a PATCH may carry, in the order of the UPDATE's parameters
 * $3..$8.  An optional one given as null or "" is cleared; `uscc` and
 * `region` are rows only so that changing them gets a clear 422.
 */
enum patch_col {
	PC_NAME,
	PC_ADDRESS,
	PC_PRODUCTION_LICENCE,
	PC_PRODUCTION_LICENCE_STATUS,
	PC_CCC_CERTIFICATE,
	PC_CCC_STATUS,
	PC_USCC,
	PC_REGION,
	PC_LEGAL_REPRESENTATIVE,	/* the profile's (profile.c) ... */
	PC_CONTACT_PHONE,
	PC_AREA_TYPES,
	PC_ACCIDENT_HISTORY,
	PC_LICENCES,			/* ... PROFILE_NFIELDS rows */
	PC__MAX
};

_Static_assert(PC__MAX - PC_LEGAL_REPRESENTATIVE == PROFILE_NFIELDS,
    "the PATCH table keeps a row for each of the profile's fields");

struct patch_in {
	const char	*v[PC__MAX];
	struct profile_in prof;
};

static const struct vfield patch_fields[PC__MAX] = {
	[PC_NAME] = { "name", VT_NAME, 0, 1, 4 * NAME_CHARS, NULL,
	    check_name, offsetof(struct patch_in, v[PC_NAME]) },
	[PC_ADDRESS] = { "address", VT_STRING, 0, 0, 4 * ADDRESS_CHARS, NULL,
	    check_address, offsetof(struct patch_in, v[PC_ADDRESS]) },
	[PC_PRODUCTION_LICENCE] = { "production_licence", VT_STRING, 0, 0,
	    4 * LICENCE_CHARS, NULL, check_licence,
	    offsetof(struct patch_in, v[PC_PRODUCTION_LICENCE]) },
	[PC_PRODUCTION_LICENCE_STATUS] = { "production_licence_status",
	    VT_ENUM, 0, 0, 0, statuses, NULL,
	    offsetof(struct patch_in, v[PC_PRODUCTION_LICENCE_STATUS]) },
	[PC_CCC_CERTIFICATE] = { "ccc_certificate", VT_STRING, 0, 0,
	    4 * LICENCE_CHARS, NULL, check_licence,
	    offsetof(struct patch_in, v[PC_CCC_CERTIFICATE]) },
	[PC_CCC_STATUS] = { "ccc_status", VT_ENUM, 0, 0, 0, statuses, NULL,
	    offsetof(struct patch_in, v[PC_CCC_STATUS]) },
	[PC_USCC] = { "uscc", VT_STRING, 0, 0, 0, NULL, check_immutable,
	    offsetof(struct patch_in, v[PC_USCC]) },
	[PC_REGION] = { "region", VT_STRING, 0, 0, 0, NULL, check_immutable,
	    offsetof(struct patch_in, v[PC_REGION]) },
	[PC_LEGAL_REPRESENTATIVE] = PROFILE_VFIELDS(struct patch_in, prof),
};

void
enterprise_patch(struct req *r)
{
	static struct stmt load = STMT(
	    "SELECT version, name, address, production_licence,"
	    " production_licence_status, ccc_certificate, ccc_status"
	    " FROM enterprises WHERE id = $1 FOR UPDATE", 1);
	static struct stmt update = STMT(
	    "UPDATE enterprises SET name = $3, address = $4,"
	    " production_licence = $5, production_licence_status = $6,"
	    " ccc_certificate = $7, ccc_status = $8, version = version + 1,"
	    " updated_at = now() WHERE id = $1 AND version = $2", 8);
	static const char *const cols[PC_USCC] = {
		[PC_NAME] = "name",
		[PC_ADDRESS] = "address",
		[PC_PRODUCTION_LICENCE] = "production_licence",
		[PC_PRODUCTION_LICENCE_STATUS] = "production_licence_status",
		[PC_CCC_CERTIFICATE] = "ccc_certificate",
		[PC_CCC_STATUS] = "ccc_status",
	};
	struct patch_in	 in;
	unsigned	 present;
	const char	*p[8];
	char		 eid[24], ver[12];
	PGresult	*res = NULL;
	json_t		*v;
	json_t		*before = NULL, *after = NULL;
	int		 i, cleared = 0;

	memset(&in, 0, sizeof(in));
	if (validate_json(r, r->json, patch_fields, PC__MAX, &in,
	    &present) == -1 || profile_check(r, r->json, &in.prof) == -1)
		return;
	/* null clears an optional field, and may not clear the name. */
	if (json_is_null(json_object_get(r->json, "name"))) {
		reply_problem(r, 422, NULL, "some fields are missing or "
		    "invalid", problem_field(NULL, "name", "不能为空"));
		return;
	}
	for (i = 0; i < PC_USCC; i++)
		if ((v = json_object_get(r->json, patch_fields[i].name)) !=
		    NULL && json_is_null(v))
			cleared = 1;
	if (present == 0 && !cleared && !profile_given(r->json)) {
		reply_problem(r, 422, NULL, "nothing to change: give at least "
		    "one of name, address and the licence fields", NULL);
		return;
	}
	snprintf(eid, sizeof(eid), "%lld", (long long)r->ids[0]);
	p[0] = eid;
	if ((res = db_exec(r, &load, p)) == NULL)
		goto dberr;
	if (PQntuples(res) != 1) {
		reply_problem(r, 404, NULL, "no such enterprise", NULL);
		goto out;
	}
	if (reply_precondition(r, atoi(db_get(res, 0, "version")),
	    "enterprise") == -1)
		goto out;
	/* What is given replaces; what is not stays as it is. */
	snprintf(ver, sizeof(ver), "%d", r->if_match);
	p[1] = ver;
	for (i = 0; i < PC_USCC; i++) {
		if (present & (1u << i))
			p[2 + i] = nonempty(in.v[i]);
		else if (json_object_get(r->json, patch_fields[i].name) != NULL)
			p[2 + i] = NULL;	/* null: cleared */
		else
			p[2 + i] = db_isnull(res, 0, cols[i]) ? NULL :
			    db_get(res, 0, cols[i]);
	}
	if ((before = enterprise_json(r, r->ids[0])) == NULL ||
	    db_exec_ok(r, &update, p) == -1 ||
	    profile_store(r, r->ids[0], r->json, &in.prof) == -1 ||
	    (after = enterprise_json(r, r->ids[0])) == NULL ||
	    change_update(r, LEDGER_ENTERPRISE, r->ids[0], json_string_value(
	    json_object_get(after, "region")), before, after, audited) == -1)
		goto dberr;
	reply_resource(r, 200, after, "enterprise", NULL);
	after = NULL;
	goto out;
dberr:
	reply_db_error(r);
out:
	json_decref(before);
	json_decref(after);
	PQclear(res);
}
