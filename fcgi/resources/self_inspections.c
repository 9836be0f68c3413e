/*
 * self_inspections.c: enterprises inspect themselves (企业自查; API.md
 * Part 2 "Enterprises as users").
 *
 *	GET  /api/v1/checklists?category=	the items to inspect
 *	POST /api/v1/checklists			{"category", "stage", "label"}
 *	POST /api/v1/self-inspections		{"campaign_id", "category",
 *						 "items": [{"id", "result",
 *						 "note"?}], "major_risk",
 *						 "file_ids"?}
 *	GET  /api/v1/self-inspections?region=&campaign_id=&enterprise_id=
 *	GET  /api/v1/self-inspections/missing?region=&campaign_id=
 *
 * The checklist is data (sql/0130): the five key control points of the
 * seed (原材料进货检验、过程控制、出厂检验 as 重点环节, 生产设备、检验设施 as
 * 重点对象) for every category, then the category's own items, national
 * and its province's.  A province's administrator adds items for a
 * category it may use, each an event of the checklist_item stream.
 *
 * A self-inspection is the enterprise's own (role `enterprise`; the row's
 * policy holds it to the session's enterprise), an event of its stream.
 * A failed item reported as a major risk registers a case (source
 * self_inspection, state detected) in the enterprise's region as an
 * event by the enterprise, and the self-inspection's trigger notifies
 * the region's officers (sql/0130).  Officers list a region's
 * self-inspections and the enterprises that have none in a campaign
 * (`/missing`); an enterprise lists its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/base.h"
#include "../front/front.h"
#include "resources.h"

#define ITEMS_MAX	200	/* items in one self-inspection */
#define NOTE_MAX	1000	/* bytes of an item's note */
#define LABEL_CHARS	200	/* a checklist item's label, as the CHECK */
#define FILES_MAX	20
/*
 * A case a self-inspection opens names the failed items (label and
 * note): at most PROBLEM_LABELS characters of them (the database cuts
 * whole characters), so the problem stays within the case's 4000.
 */
#define PROBLEM_LABELS	1500
#define PROBLEM_LABELS_TEXT	"1500"
#define PROBLEM_BYTES	(4 * PROBLEM_LABELS + 64)

static const char *const stages[] = {
	"raw_materials", "process", "outgoing", "equipment", "testing", NULL
};
static const char *const results[] = { "pass", "fail", "na", NULL };

/* ------------------------------------------------------------------ */
/* GET /api/v1/checklists?category=                                   */
/* ------------------------------------------------------------------ */

struct cl_in {
	const char	*category;
};

static const struct vfield cl_fields[] = {
	{ "category", VT_STRING, 0, 1, 40, NULL, NULL,
	    offsetof(struct cl_in, category) },
};

/*
 * The key control points, then the category's own (national, and those
 * of the user's province), in order.  An unknown category is 422.
 */
void
checklist_list(struct req *r)
{
	static struct stmt list = STMT(
	    "SELECT EXISTS (SELECT 1 FROM categories WHERE id = $1) AS known,"
	    " (SELECT coalesce(json_agg(json_build_object('id', i.id,"
	    "   'label', i.label, 'stage', i.stage, 'category', i.category)"
	    "   ORDER BY i.category IS NOT NULL, i.ord, i.id), '[]')"
	    "   FROM checklist_items i WHERE i.category IS NULL"
	    "   OR (i.category = $1 AND (i.province IS NULL"
	    "   OR i.province = left($2, 2) || '0000')))::text AS items", 2);
	struct cl_in	 in = { NULL };
	const char	*p[2];
	PGresult	*res;
	json_t		*items;

	if (validate_query(r, cl_fields, NITEMS(cl_fields), &in, NULL) == -1)
		return;
	p[0] = in.category;
	p[1] = r->user.region;
	if ((res = db_exec(r, &list, p)) == NULL) {
		reply_db_error(r);
		return;
	}
	if (in.category != NULL && strcmp(db_get(res, 0, "known"), "t") != 0)
		reply_problem(r, 422, NULL, "no such category",
		    problem_field(NULL, "category", "产品类别不存在"));
	else if ((items = json_loads(db_get(res, 0, "items"), 0, NULL)) ==
	    NULL)
		req_fail(r, "could not read the checklist");
	else
		reply_json(r, 200, json_pack("{s:o}", "items", items));
	PQclear(res);
}

/* ------------------------------------------------------------------ */
/* POST /api/v1/checklists                                            */
/* ------------------------------------------------------------------ */

static const char *
check_label(const char *s)
{
	return utf8_chars(s) > LABEL_CHARS ? "不能超过200个字" : NULL;
}

struct cladd_in {
	const char	*category;
	const char	*stage;
	const char	*label;
};

static const struct vfield cladd_fields[] = {
	{ "category", VT_STRING, 1, 1, 40, NULL, NULL,
	    offsetof(struct cladd_in, category) },
	{ "stage", VT_ENUM, 1, 0, 0, stages, NULL,
	    offsetof(struct cladd_in, stage) },
	{ "label", VT_NAME, 1, 1, 4 * LABEL_CHARS, NULL, check_label,
	    offsetof(struct cladd_in, label) },
};

/*
 * A province's administrator (not the nation's, not a prefecture's: 403)
 * adds an item to a national category or one of its province's (422
 * otherwise).  201 with the item.
 */
void
checklist_create(struct req *r)
{
	static struct stmt cat = STMT(
	    "SELECT EXISTS (SELECT 1 FROM categories WHERE id = $1"
	    " AND (province IS NULL OR province = $2)) AS usable", 2);
	static struct stmt insert = STMT(
	    "INSERT INTO checklist_items (category, province, stage, label,"
	    " added_by) VALUES ($1, $2, $3, $4, $5) RETURNING id", 5);
	struct cladd_in	 in;
	char		 province[7], uid[24];
	const char	*p[5];
	PGresult	*res = NULL;
	json_t		*item = NULL;
	int64_t		 id;

	memset(&in, 0, sizeof(in));
	if (validate_json(r, r->json, cladd_fields, NITEMS(cladd_fields), &in,
	    NULL) == -1)
		return;
	if (strcmp(r->user.region + 2, "0000") != 0 ||
	    strcmp(r->user.region, "000000") == 0) {
		reply_problem(r, 403, NULL, "only a province's administrator "
		    "adds checklist items", NULL);
		return;
	}
	snprintf(province, sizeof(province), "%s", r->user.region);
	p[0] = in.category;
	p[1] = province;
	if ((res = db_exec(r, &cat, p)) == NULL)
		goto dberr;
	if (strcmp(db_get(res, 0, "usable"), "t") != 0) {
		reply_problem(r, 422, NULL, "no such category for your province",
		    problem_field(NULL, "category", "产品类别不存在或不属于本省"));
		goto out;
	}
	PQclear(res);
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	p[2] = in.stage;
	p[3] = in.label;
	p[4] = uid;
	if ((res = db_exec(r, &insert, p)) == NULL)
		goto dberr;
	id = strtoll(db_get(res, 0, "id"), NULL, 10);
	item = json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)id,
	    "category", in.category, "province", province, "stage", in.stage,
	    "label", in.label);
	if (item == NULL || change_record(r, LEDGER_CHECKLIST_ITEM, id,
	    province, "create", item) == -1)
		goto dberr;
	reply_resource(r, 201, item, "checklist_item", "/api/v1/checklists");
	item = NULL;
	goto out;
dberr:
	reply_db_error(r);
out:
	json_decref(item);
	PQclear(res);
}

/* ------------------------------------------------------------------ */
/* POST /api/v1/self-inspections                                      */
/* ------------------------------------------------------------------ */

struct si_in {
	long long	 campaign_id;
	const char	*category;
	json_t		*items;
	int		 major_risk;
	json_t		*file_ids;
};

static const struct vfield si_fields[] = {
	{ "campaign_id", VT_ID, 1, 0, 0, NULL, NULL,
	    offsetof(struct si_in, campaign_id) },
	{ "category", VT_STRING, 1, 1, 40, NULL, NULL,
	    offsetof(struct si_in, category) },
	{ "items", VT_JSON, 1, 0, 0, NULL, NULL,
	    offsetof(struct si_in, items) },
	{ "major_risk", VT_BOOL, 1, 0, 0, NULL, NULL,
	    offsetof(struct si_in, major_risk) },
	{ "file_ids", VT_IDS, 0, 0, FILES_MAX, NULL, NULL,
	    offsetof(struct si_in, file_ids) },
};

struct item_in {
	long long	 id;
	const char	*result;
	const char	*note;
};

static const struct vfield item_fields[] = {
	{ "id", VT_ID, 1, 0, 0, NULL, NULL, offsetof(struct item_in, id) },
	{ "result", VT_ENUM, 1, 0, 0, results, NULL,
	    offsetof(struct item_in, result) },
	{ "note", VT_TEXT, 0, 0, NOTE_MAX, NULL, NULL,
	    offsetof(struct item_in, note) },
};

/*
 * The items' shape: an array of 1..ITEMS_MAX objects of item_fields, no
 * item twice.  Returns the items as the row keeps them (new), the
 * number failed in *failed and the ids as "{1,2}" in `ids`; NULL after
 * replying (400 for a wrong type, else 422 naming `items`).
 */
static json_t *
items_take(struct req *r, const json_t *items, int *failed, char **ids)
{
	struct item_in	 it;
	const json_t	*e;
	json_t		*out = NULL, *errors = NULL;
	size_t		 i, n, w = 0;
	int		 badtype = 0;
	char		*list = NULL;

	*failed = 0;
	n = json_is_array(items) ? json_array_size(items) : 0;
	if (n == 0 || n > ITEMS_MAX) {
		errors = problem_field(NULL, "items",
		    "应为1至200个自查项目的数组");
		goto bad;
	}
	if ((list = malloc(n * 21 + 3)) == NULL ||
	    (out = json_array()) == NULL) {
		req_fail(r, "no memory for the items");
		goto fail;
	}
	list[w++] = '{';
	json_array_foreach(items, i, e) {
		memset(&it, 0, sizeof(it));
		if (!json_is_object(e) || validate_object(e, item_fields,
		    NITEMS(item_fields), &it, NULL, &errors, &badtype) != 0) {
			if (!json_is_object(e))
				badtype = 1;
			errors = problem_field(errors, "items",
			    "每项应有 id、result（pass、fail、na），可有 note");
			goto bad;
		}
		if (strcmp(it.result, "fail") == 0)
			(*failed)++;
		w += (size_t)sprintf(list + w, "%s%lld", i > 0 ? "," : "",
		    it.id);
		json_array_append_new(out, json_pack("{s:I, s:s, s:s*}", "id",
		    (json_int_t)it.id, "result", it.result, "note", it.note));
	}
	list[w++] = '}';
	list[w] = '\0';
	*ids = list;
	return out;
bad:
	reply_problem(r, badtype ? 400 : 422, NULL,
	    "some fields are missing or invalid", errors);
	errors = NULL;
fail:
	json_decref(errors);
	json_decref(out);
	free(list);
	return NULL;
}

/*
 * Register the case a self-inspection's major risk opens: event 1 of a
 * new case, by the enterprise, in its region.  *id is the case's.
 * Returns 0, or -1 with the failure recorded in `r`.
 */
static int
risk_case_open(struct req *r, const struct si_in *in, const char *region,
    const char *problem, int64_t *id)
{
	static struct stmt next = STMT(
	    "SELECT nextval('cases_id_seq') AS id", 0);
	json_t		*payload;
	PGresult	*res;
	int		 rc;

	if ((res = db_exec(r, &next, NULL)) == NULL)
		return -1;
	*id = strtoll(db_get(res, 0, "id"), NULL, 10);
	PQclear(res);
	payload = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s}",
	    "enterprise_id", (json_int_t)r->user.enterprise_id,
	    "campaign_id", (json_int_t)in->campaign_id,
	    "category", in->category, "domain", "production",
	    "source", "self_inspection", "problem", problem,
	    "risk_level", "high");
	if (payload == NULL) {
		req_fail(r, "no memory for the case");
		return -1;
	}
	rc = case_register(r, *id, region,
	    wf_role_ids[WF_ROLE_ENTERPRISE], payload);
	json_decref(payload);
	return rc;
}

void
self_inspection_create(struct req *r)
{
	/*
	 * What the request names, as this enterprise sees it: the
	 * campaign, the category (national or its province's), which
	 * items are not on the category's checklist, which files are not
	 * its own self-inspection files, and the failed items' labels.
	 */
	static struct stmt refs = STMT(
	    "SELECT e.region,"
	    " EXISTS (SELECT 1 FROM campaigns WHERE id = $2) AS campaign,"
	    " EXISTS (SELECT 1 FROM categories c WHERE c.id = $3"
	    "   AND (c.province IS NULL OR region_covers(c.province, e.region)))"
	    "   AS category,"
	    " (SELECT string_agg(x::text, '、') FROM unnest($4::bigint[]) x"
	    "   WHERE NOT EXISTS (SELECT 1 FROM checklist_items i"
	    "   WHERE i.id = x AND (i.category IS NULL OR (i.category = $3"
	    "   AND (i.province IS NULL"
	    "   OR region_covers(i.province, e.region))))))"
	    "   AS bad_items,"
	    " (SELECT count(DISTINCT x) FROM unnest($4::bigint[]) x) AS nitems,"
	    " (SELECT string_agg(x::text, '、') FROM unnest($5::bigint[]) x"
	    "   WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.id = x"
	    "   AND f.kind = 'self_inspection' AND f.withdrawn_at IS NULL"
	    "   AND f.uploaded_by = $6)) AS bad_files,"
	    " (SELECT left(string_agg(i.label || coalesce('（' || (t->>'note')"
	    "   || '）', ''), '；' ORDER BY i.id), $8::integer)"
	    "   FROM jsonb_array_elements($7::jsonb) t"
	    "   JOIN checklist_items i ON i.id = (t->>'id')::bigint"
	    "   WHERE t->>'result' = 'fail') AS failed_labels"
	    " FROM (SELECT region FROM enterprises WHERE id = $1) e", 8);
	static struct stmt insert = STMT(
	    "INSERT INTO self_inspections (enterprise_id, region, campaign_id,"
	    " category, items, failed, major_risk, file_ids, case_id,"
	    " submitted_by) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7,"
	    " coalesce($8::bigint[], '{}'), $9, $10)"
	    " RETURNING id, rfc3339(submitted_at) AS submitted_at", 10);
	struct si_in	 in;
	json_t		*items = NULL, *errors = NULL, *si = NULL;
	json_t		*payload = NULL;
	PGresult	*res = NULL;
	char		*ids = NULL, *itemtext = NULL, *files = NULL;
	char		 eid[24], camp[24], uid[24], nfail[12], cid[24];
	char		 region[7], problem[PROBLEM_BYTES];
	const char	*p[10];
	int64_t		 case_id = 0, id;
	int		 failed;

	memset(&in, 0, sizeof(in));
	if (validate_json(r, r->json, si_fields, NITEMS(si_fields), &in,
	    NULL) == -1)
		return;
	if ((items = items_take(r, in.items, &failed, &ids)) == NULL)
		return;
	if ((itemtext = json_dumps(items, JSON_COMPACT)) == NULL ||
	    (in.file_ids != NULL &&
	    (files = json_dumps(in.file_ids, JSON_COMPACT)) == NULL)) {
		req_fail(r, "no memory for the self-inspection");
		goto fail;
	}
	if (files != NULL) {		/* [1,2] as {1,2} */
		files[0] = '{';
		files[strlen(files) - 1] = '}';
	}
	snprintf(eid, sizeof(eid), "%lld", (long long)r->user.enterprise_id);
	snprintf(camp, sizeof(camp), "%lld", in.campaign_id);
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	p[0] = eid;
	p[1] = camp;
	p[2] = in.category;
	p[3] = ids;
	p[4] = files != NULL ? files : "{}";
	p[5] = uid;
	p[6] = itemtext;
	p[7] = PROBLEM_LABELS_TEXT;
	if ((res = db_exec(r, &refs, p)) == NULL)
		goto fail;
	if (PQntuples(res) != 1) {	/* the account's enterprise is gone */
		reply_problem(r, 404, NULL, "no such enterprise", NULL);
		goto out;
	}
	if (strcmp(db_get(res, 0, "campaign"), "t") != 0)
		errors = problem_field(errors, "campaign_id", "专项行动不存在");
	if (strcmp(db_get(res, 0, "category"), "t") != 0)
		errors = problem_field(errors, "category", "产品类别不存在");
	else if (!db_isnull(res, 0, "bad_items"))
		errors = problem_field(errors, "items", "不是该类产品自查表的"
		    "项目");
	else if (strtoull(db_get(res, 0, "nitems"), NULL, 10) !=
	    json_array_size(items))
		errors = problem_field(errors, "items", "自查项目重复");
	if (!db_isnull(res, 0, "bad_files"))
		errors = problem_field(errors, "file_ids", "应为本企业上传的"
		    "自查报告文件");
	if (in.major_risk && failed == 0)
		errors = problem_field(errors, "major_risk",
		    "报告重大风险时应至少有一项不合格");
	if (errors != NULL) {
		reply_problem(r, 422, NULL, "some fields are missing or invalid",
		    errors);
		errors = NULL;
		goto out;
	}
	snprintf(region, sizeof(region), "%s", db_get(res, 0, "region"));
	snprintf(problem, sizeof(problem), "企业自查报告重大质量安全风险："
	    "%s", db_isnull(res, 0, "failed_labels") ? "" :
	    db_get(res, 0, "failed_labels"));
	PQclear(res);
	res = NULL;

	if (in.major_risk && risk_case_open(r, &in, region, problem,
	    &case_id) == -1)
		goto fail;
	snprintf(nfail, sizeof(nfail), "%d", failed);
	snprintf(cid, sizeof(cid), "%lld", (long long)case_id);
	p[0] = eid;
	p[1] = region;
	p[2] = camp;
	p[3] = in.category;
	p[4] = itemtext;
	p[5] = nfail;
	p[6] = in.major_risk ? "true" : "false";
	p[7] = files;
	p[8] = case_id != 0 ? cid : NULL;
	p[9] = uid;
	if ((res = db_exec(r, &insert, p)) == NULL)
		goto fail;
	id = strtoll(db_get(res, 0, "id"), NULL, 10);
	payload = json_pack("{s:I, s:I, s:s, s:O, s:b, s:o, s:o}",
	    "enterprise_id", (json_int_t)r->user.enterprise_id,
	    "campaign_id", (json_int_t)in.campaign_id, "category", in.category,
	    "items", items, "major_risk", in.major_risk,
	    "file_ids", in.file_ids != NULL ? json_incref(in.file_ids) :
	    json_array(),
	    "case_id", case_id != 0 ? json_integer(case_id) : json_null());
	if (payload == NULL || change_record(r, LEDGER_SELF_INSPECTION, id,
	    region, "create", payload) == -1)
		goto fail;
	si = json_deep_copy(payload);
	json_object_set_new(si, "id", json_integer(id));
	json_object_set_new(si, "region", json_string(region));
	json_object_set_new(si, "failed", json_integer(failed));
	json_object_set_new(si, "submitted_at",
	    json_string(db_get(res, 0, "submitted_at")));
	log_info("request %s: enterprise %s self-inspected (%lld), %d failed%s",
	    r->id, eid, (long long)id, failed,
	    case_id != 0 ? ", a case opened" : "");
	reply_resource(r, 201, si, "self_inspection",
	    "/api/v1/self-inspections");
	si = NULL;
	goto out;
fail:
	reply_db_error(r);
out:
	json_decref(errors);
	json_decref(items);
	json_decref(payload);
	json_decref(si);
	free(ids);
	free(itemtext);
	free(files);
	PQclear(res);
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/self-inspections, /missing                             */
/* ------------------------------------------------------------------ */

struct sil_in {
	const char	*region;
	long long	 campaign_id;
	long long	 enterprise_id;
	long long	 cursor;
	long long	 limit;
};

static const struct vfield sil_fields[] = {
	{ "region", VT_REGION, 0, 0, 0, NULL, NULL,
	    offsetof(struct sil_in, region) },
	{ "campaign_id", VT_ID, 0, 0, 0, NULL, NULL,
	    offsetof(struct sil_in, campaign_id) },
	{ "enterprise_id", VT_ID, 0, 0, 0, NULL, NULL,
	    offsetof(struct sil_in, enterprise_id) },
	VF_PAGE(struct sil_in),
};

/* The list's filters as parameters $1..$5 (cursor, limit + 1 last). */
static int
sil_params(struct req *r, const struct vfield *f, size_t n,
    struct sil_in *in, char buf[4][24], const char **p)
{
	memset(in, 0, sizeof(*in));
	in->limit = LIST_DEFAULT;
	if (validate_query(r, f, n, in, NULL) == -1)
		return -1;
	snprintf(buf[0], 24, "%lld", in->campaign_id);
	snprintf(buf[1], 24, "%lld", in->enterprise_id);
	snprintf(buf[2], 24, "%lld", in->cursor);
	snprintf(buf[3], 24, "%lld", in->limit + 1);
	p[0] = in->region;
	p[1] = in->campaign_id != 0 ? buf[0] : NULL;
	p[2] = in->enterprise_id != 0 ? buf[1] : NULL;
	p[3] = in->cursor != 0 ? buf[2] : NULL;
	p[4] = buf[3];
	return 0;
}

/* Newest last; row-level security keeps it to the region (an
 * enterprise: its own). */
void
self_inspection_list(struct req *r)
{
	static struct stmt list = STMT(
	    "SELECT s.id, json_build_object('id', s.id, 'enterprise_id',"
	    " s.enterprise_id, 'enterprise_name', e.name, 'region', s.region,"
	    " 'campaign_id', s.campaign_id, 'category', s.category,"
	    " 'category_name', c.name, 'items', s.items, 'failed', s.failed,"
	    " 'major_risk', s.major_risk, 'file_ids', s.file_ids,"
	    " 'case_id', s.case_id, 'submitted_at', rfc3339(s.submitted_at))"
	    " ::text AS o FROM self_inspections s"
	    " JOIN enterprises e ON e.id = s.enterprise_id"
	    " JOIN categories c ON c.id = s.category"
	    " WHERE ($1::char(6) IS NULL OR (s.region >= region_lo($1::char(6))"
	    "   AND s.region < region_hi($1::char(6))))"
	    " AND ($2::integer IS NULL OR s.campaign_id = $2)"
	    " AND ($3::bigint IS NULL OR s.enterprise_id = $3)"
	    " AND ($4::bigint IS NULL OR s.id > $4)"
	    " ORDER BY s.id LIMIT $5", 5);
	struct sil_in	 in;
	char		 buf[4][24];
	const char	*p[5];
	PGresult	*res;
	json_t		*items, *o;
	int		 i, n;

	if (sil_params(r, sil_fields, NITEMS(sil_fields), &in, buf, p) == -1)
		return;
	if ((res = db_exec(r, &list, p)) == NULL) {
		reply_db_error(r);
		return;
	}
	items = json_array();
	n = PQntuples(res);
	for (i = 0; i < n && i < in.limit; i++)
		if ((o = json_loads(db_get(res, i, "o"), 0, NULL)) != NULL)
			json_array_append_new(items, o);
	reply_page(r, items, res, in.limit);
	PQclear(res);
}

static const struct vfield miss_fields[] = {
	{ "region", VT_REGION, 0, 0, 0, NULL, NULL,
	    offsetof(struct sil_in, region) },
	{ "campaign_id", VT_ID, 1, 0, 0, NULL, NULL,
	    offsetof(struct sil_in, campaign_id) },
	VF_PAGE(struct sil_in),
};

/*
 * The enterprises of the region (the user's, or `region` inside it)
 * without a self-inspection in the campaign, by id.  An unknown campaign
 * is 422.
 */
void
self_inspection_missing(struct req *r)
{
	static struct stmt camp = STMT(
	    "SELECT EXISTS (SELECT 1 FROM campaigns WHERE id = $1) AS known",
	    1);
	static struct stmt list = STMT(
	    "SELECT e.id, json_build_object('id', e.id, 'name', e.name,"
	    " 'uscc', e.uscc, 'region', e.region)::text AS o"
	    " FROM enterprises e"
	    " WHERE ($1::char(6) IS NULL OR (e.region >= region_lo($1::char(6))"
	    "   AND e.region < region_hi($1::char(6))))"
	    " AND NOT EXISTS (SELECT 1 FROM self_inspections s"
	    "   WHERE s.enterprise_id = e.id AND s.campaign_id = $2)"
	    " AND ($3::bigint IS NULL OR e.id > $3)"
	    " ORDER BY e.id LIMIT $4", 4);
	struct sil_in	 in;
	char		 buf[4][24];
	const char	*p[5], *q[4];
	PGresult	*res;
	json_t		*items, *o;
	int		 i, n;

	if (sil_params(r, miss_fields, NITEMS(miss_fields), &in, buf,
	    p) == -1)
		return;
	q[0] = p[0];
	q[1] = p[1];
	q[2] = p[3];
	q[3] = p[4];
	if ((res = db_exec(r, &camp, p + 1)) == NULL) {
		reply_db_error(r);
		return;
	}
	n = strcmp(db_get(res, 0, "known"), "t") == 0;
	PQclear(res);
	if (!n) {
		reply_problem(r, 422, NULL, "no such campaign",
		    problem_field(NULL, "campaign_id", "专项行动不存在"));
		return;
	}
	if ((res = db_exec(r, &list, q)) == NULL) {
		reply_db_error(r);
		return;
	}
	items = json_array();
	n = PQntuples(res);
	for (i = 0; i < n && i < in.limit; i++)
		if ((o = json_loads(db_get(res, i, "o"), 0, NULL)) != NULL)
			json_array_append_new(items, o);
	reply_page(r, items, res, in.limit);
	PQclear(res);
}
