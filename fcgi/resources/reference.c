/*
 * reference.c: the reference data every form needs -- regions, product
 * categories, campaigns -- and a province's own categories.
 *
 *	GET  /api/v1/regions?parent=CODE	children of CODE (default: the
 *						provinces, children of 000000)
 *	GET  /api/v1/categories			the seed's ten, then the
 *						user's province's own
 *	POST /api/v1/categories			{"id", "name", "province"?}
 *	GET  /api/v1/campaigns
 *
 * Any signed-in user reads them; only an administrator adds a category,
 * and only for the province of its own region (the nation's
 * administrators name the province).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/base.h"
#include "../front/front.h"
#include "resources.h"

#define CATEGORY_NAME_CHARS	50	/* characters in a category's name */

/* ------------------------------------------------------------------ */
/* GET /api/v1/regions                                                */
/* ------------------------------------------------------------------ */

struct regions_in {
	const char	*parent;
};

static const struct vfield regions_fields[] = {
	{ "parent", VT_REGION, 0, 0, 0, NULL, NULL,
	    offsetof(struct regions_in, parent) },
};

void
regions_get(struct req *r)
{
	static struct stmt children = STMT(
	    "SELECT p.code AS parent_code, r.code, r.name, r.level,"
	    " r.valid_from::text AS valid_from, r.valid_to::text AS valid_to,"
	    " EXISTS (SELECT 1 FROM regions c WHERE c.parent = r.code)"
	    "   AS has_children, in_scope(r.code) AS in_scope"
	    " FROM regions p LEFT JOIN regions r ON r.parent = p.code"
	    " WHERE p.code = $1 ORDER BY r.code", 1);
	struct regions_in in = { NULL };
	const char	*p[1];
	PGresult	*res;
	json_t		*items, *o;
	int		 i, n;

	if (validate_query(r, regions_fields, NITEMS(regions_fields), &in,
	    NULL) == -1)
		return;
	p[0] = in.parent != NULL ? in.parent : "000000";
	if ((res = db_exec(r, &children, p)) == NULL) {
		reply_db_error(r);
		return;
	}
	if ((n = PQntuples(res)) == 0) {
		PQclear(res);
		reply_problem(r, 404, NULL, "no such region", NULL);
		return;
	}
	items = json_array();
	for (i = 0; i < n; i++) {
		if (db_isnull(res, i, "code"))
			continue;	/* the parent has no children */
		o = json_pack("{s:s, s:s, s:i, s:s, s:s, s:o, s:b, s:b}",
		    "code", db_get(res, i, "code"),
		    "name", db_get(res, i, "name"),
		    "level", atoi(db_get(res, i, "level")),
		    "parent", db_get(res, i, "parent_code"),
		    "valid_from", db_get(res, i, "valid_from"),
		    "valid_to", db_json_text(res, i, "valid_to"),
		    "has_children", strcmp(db_get(res, i, "has_children"),
		    "t") == 0,
		    "in_scope", strcmp(db_get(res, i, "in_scope"), "t") == 0);
		if (o != NULL)
			json_array_append_new(items, o);
	}
	o = json_pack("{s:s, s:o}", "parent", p[0], "items", items);
	PQclear(res);
	reply_json(r, 200, o);
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/categories                                             */
/* ------------------------------------------------------------------ */

void
categories_get(struct req *r)
{
	static struct stmt list = STMT(
	    "SELECT id, name, province FROM categories"
	    " WHERE province IS NULL OR province = scope_province()"
	    "   OR in_scope(province)"
	    " ORDER BY province IS NOT NULL, province, ord", 0);
	PGresult	*res;
	json_t		*items, *o;
	int		 i, n;

	if ((res = db_exec(r, &list, NULL)) == NULL) {
		reply_db_error(r);
		return;
	}
	items = json_array();
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		o = json_pack("{s:s, s:s, s:o}", "id", db_get(res, i, "id"),
		    "name", db_get(res, i, "name"),
		    "province", db_json_text(res, i, "province"));
		if (o != NULL)
			json_array_append_new(items, o);
	}
	PQclear(res);
	reply_json(r, 200, json_pack("{s:o}", "items", items));
}

/* ------------------------------------------------------------------ */
/* POST /api/v1/categories                                            */
/* ------------------------------------------------------------------ */

struct category_in {
	const char	*id;
	const char	*name;
	const char	*province;
};

/* The id's shape, as the table's CHECK has it: ^[a-z][a-z0-9_]{1,39}$ */
static const char *
check_category_id(const char *s)
{
	size_t	 n = strlen(s);

	if (n < 2 || n > 40 || *s < 'a' || *s > 'z' ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") != n)
		return "应为2至40位小写字母、数字或下划线，以字母开头";
	return NULL;
}

static const char *
check_category_name(const char *s)
{
	size_t	 n = strlen(s);

	if (utf8_chars(s) > CATEGORY_NAME_CHARS)
		return "不能超过50个字";
	if (n > 0 && (s[0] == ' ' || s[n - 1] == ' '))
		return "首尾不能有空格";
	return NULL;
}

static const struct vfield category_fields[] = {
	{ "id", VT_STRING, 1, 1, 40, NULL, check_category_id,
	    offsetof(struct category_in, id) },
	{ "name", VT_NAME, 1, 1, 4 * CATEGORY_NAME_CHARS, NULL,
	    check_category_name, offsetof(struct category_in, name) },
	{ "province", VT_REGION, 0, 0, 0, NULL, NULL,
	    offsetof(struct category_in, province) },
};

void
category_create(struct req *r)
{
	static struct stmt lock = STMT(
	    "SELECT pg_advisory_xact_lock(hashtext('paicha.categories'))", 0);
	static struct stmt taken = STMT(
	    "SELECT EXISTS (SELECT 1 FROM categories WHERE id = $1) AS id,"
	    " EXISTS (SELECT 1 FROM categories WHERE name = $2) AS name,"
	    " EXISTS (SELECT 1 FROM regions WHERE code = $3 AND level = 1)"
	    "   AS province", 3);
	static struct stmt insert = STMT(
	    "INSERT INTO categories (id, name, ord, province, added_by)"
	    " SELECT $1, $2, coalesce(max(ord), 99) + 1, $3, $4"
	    " FROM categories WHERE province = $3 RETURNING stream_id", 4);
	struct category_in in = { NULL, NULL, NULL };
	char		 own[7], uid[24];
	const char	*p[4], *province;
	json_t		*errors = NULL, *o = NULL;
	PGresult	*res = NULL;
	int		 conflict;

	if (validate_json(r, r->json, category_fields,
	    NITEMS(category_fields), &in, NULL) == -1)
		return;
	/* Whose province: the user's own, or the one a national user names. */
	snprintf(own, sizeof(own), "%.2s0000", r->user.region);
	if (strcmp(r->user.region, "000000") != 0) {
		if (in.province != NULL && strcmp(in.province, own) != 0) {
			reply_problem(r, 422, NULL, "some fields are missing "
			    "or invalid", problem_field(NULL, "province",
			    "只能为本省添加产品类别"));
			return;
		}
		province = own;
	} else if (in.province == NULL) {
		reply_problem(r, 422, NULL, "some fields are missing or "
		    "invalid", problem_field(NULL, "province",
		    "全国管理员须指明省份"));
		return;
	} else
		province = in.province;

	/* One addition at a time, so that each gets the next place. */
	if (db_exec_ok(r, &lock, NULL) == -1)
		goto dberr;
	p[0] = in.id;
	p[1] = in.name;
	p[2] = province;
	if ((res = db_exec(r, &taken, p)) == NULL)
		goto dberr;
	if (strcmp(db_get(res, 0, "province"), "t") != 0) {
		PQclear(res);
		reply_problem(r, 422, NULL, "some fields are missing or "
		    "invalid", problem_field(NULL, "province", "不是省级行政区划"));
		return;
	}
	conflict = 0;
	if (strcmp(db_get(res, 0, "id"), "t") == 0) {
		errors = problem_field(errors, "id", "该类别编号已存在");
		conflict = 1;
	}
	if (strcmp(db_get(res, 0, "name"), "t") == 0) {
		errors = problem_field(errors, "name", "该类别名称已存在");
		conflict = 1;
	}
	PQclear(res);
	res = NULL;
	if (conflict) {
		reply_problem(r, 409, "duplicate", "a category with this id or "
		    "name exists", errors);
		return;
	}
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	p[3] = uid;
	if ((res = db_exec(r, &insert, p)) == NULL ||
	    (o = json_pack("{s:s, s:s, s:s}", "id", in.id, "name", in.name,
	    "province", province)) == NULL ||
	    change_record(r, LEDGER_CATEGORY, strtoll(db_get(res, 0,
	    "stream_id"), NULL, 10), province, "create", o) == -1)
		goto dberr;
	PQclear(res);
	log_info("request %s: %s added category %s for %s", r->id,
	    r->user.username, in.id, province);
	reply_json(r, 201, o);
	return;
dberr:
	json_decref(o);
	PQclear(res);
	reply_db_error(r);
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/campaigns                                              */
/* ------------------------------------------------------------------ */

void
campaigns_get(struct req *r)
{
	static struct stmt list = STMT(
	    "SELECT id, year, name, starts_on::text AS starts_on,"
	    " risk_investigation_by::text AS risk_investigation_by,"
	    " governance_by::text AS governance_by,"
	    " interim_report_due::text AS interim_report_due,"
	    " annual_report_due::text AS annual_report_due, version"
	    " FROM campaigns ORDER BY year", 0);
	PGresult	*res;
	json_t		*items, *o;
	int		 i, n;

	if ((res = db_exec(r, &list, NULL)) == NULL) {
		reply_db_error(r);
		return;
	}
	items = json_array();
	n = PQntuples(res);
	for (i = 0; i < n; i++)
		if ((o = campaign_json(res, i)) != NULL)
			json_array_append_new(items, o);
	PQclear(res);
	reply_json(r, 200, json_pack("{s:o}", "items", items));
}

/*
 * Whether `code` may hold a record of this user: a current region inside
 * the user's own, and below the nation unless `nation_ok`.  Returns NULL
 * when it may, the message for the field when not, or "" on a database
 * failure (recorded in `r`).
 */
const char *
region_usable(struct req *r, const char *code, int nation_ok)
{
	static struct stmt get = STMT(
	    "SELECT level, (valid_to IS NULL OR valid_to > today_cst())"
	    " AS current, in_scope(code) AS mine FROM regions WHERE code = $1",
	    1);
	const char	*p[1], *msg = NULL;
	PGresult	*res;

	p[0] = code;
	if ((res = db_exec(r, &get, p)) == NULL)
		return "";
	if (PQntuples(res) != 1 ||
	    strcmp(db_get(res, 0, "current"), "t") != 0)
		msg = "行政区划代码不存在或已撤销";
	else if (strcmp(db_get(res, 0, "mine"), "t") != 0)
		msg = "该行政区划不在您的辖区内";
	else if (!nation_ok && atoi(db_get(res, 0, "level")) < 1)
		msg = "应为省级或以下行政区划";
	PQclear(res);
	return msg;
}
