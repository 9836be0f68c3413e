/*
 * activities.c: the counted work behind the statistics form that is not a
 * case (API.md "Activities") -- recording one, reading one, listing them.
 *
 * Each kind has its own table of fields, one row per field; the body's
 * `kind` picks the table, so a field another kind uses is "unknown" here
 * just as a typo is.  What one row cannot check (failed batches within
 * batches, a region for risk information) and what needs the database
 * (the enterprise in the user's region, the campaign's year, the
 * category) is checked after, all errors named at once, before anything
 * is written.
 *
 * A spot check may give its batches one by one (`items`: product, model,
 * batch number, standard, pass or fail, failed test items, report number,
 * laboratory) and its `channel` (offline, online, rural).  Items then ARE
 * the batches: `batches` is their number and `failed_batches` the number
 * that failed -- given as well, they must say the same -- so the form's
 * 抽查批次 and 不合格批次 count one column each, whichever way a spot
 * check was recorded (sql/0062_spot_check_items.sql holds the table to
 * it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/base.h"
#include "../front/front.h"
#include "resources.h"

#define MAX_BATCHES	100000		/* one record's batches */
#define MAX_COUNT	100000		/* problems found or solved */
#define MAX_GAIN_FEN	100000000000000LL /* output gain: 1e12 yuan */
#define MAX_ITEMS	200		/* a spot check's batches, one by one */
#define ITEM_CHARS	200		/* a batch's product, lab ... */
#define FAILED_CHARS	1000		/* its failed items told as text */
#define MAX_FAILED	50		/* ... or listed */

enum akind {
	AK_INSPECTION,
	AK_SPOT_CHECK,
	AK_RISK_INFO,
	AK_RISK_MONITORING,
	AK_ASSISTANCE,
	AK__MAX
};

static const char *const kind_ids[AK__MAX + 1] = {
	[AK_INSPECTION] = "inspection",
	[AK_SPOT_CHECK] = "spot_check",
	[AK_RISK_INFO] = "risk_info",
	[AK_RISK_MONITORING] = "risk_monitoring",
	[AK_ASSISTANCE] = "assistance",
	[AK__MAX] = NULL,
};

static const char *const kind_labels[AK__MAX] = {
	[AK_INSPECTION] = "风险排查",
	[AK_SPOT_CHECK] = "监督抽查",
	[AK_RISK_INFO] = "采集风险信息",
	[AK_RISK_MONITORING] = "风险监测",
	[AK_ASSISTANCE] = "质量技术帮扶",
};

static const char *const domains[] = { "production", "circulation", NULL };
static const char *const channels[] = { "offline", "online", "rural", NULL };
static const char *const results[] = { "pass", "fail", NULL };

static enum akind
kind_parse(const char *s)
{
	int	 i;

	for (i = 0; s != NULL && i < AK__MAX; i++)
		if (strcmp(s, kind_ids[i]) == 0)
			return (enum akind)i;
	return AK__MAX;
}

/* ------------------------------------------------------------------ */
/* POST /api/v1/activities                                            */
/* ------------------------------------------------------------------ */

struct activity_in {
	const char	*kind;
	long long	 campaign_id;
	const char	*category;
	int		 on;		/* day number */
	long long	 enterprise_id;
	const char	*region;
	const char	*domain;
	int		 problems_found;	/* inspection */
	long long	 problems_count;	/* risk_monitoring */
	long long	 batches;
	long long	 failed_batches;
	const char	*summary;
	long long	 problems_solved;
	long long	 output_gain;	/* fen */
	const char	*channel;	/* spot_check */
	json_t		*items;
};

#define F(name, type, req, min, max, choices, member)			\
	{ (name), (type), (req), (min), (max), (choices), NULL,		\
	    offsetof(struct activity_in, member) }

/* What every kind carries. */
#define COMMON								\
	F("kind", VT_ENUM, 1, 0, 0, kind_ids, kind),			\
	F("campaign_id", VT_ID, 1, 0, 0, NULL, campaign_id),		\
	F("category", VT_STRING, 1, 1, 40, NULL, category),		\
	F("on", VT_DATE, 1, 0, 0, NULL, on)

static const struct vfield inspection_fields[] = {
	COMMON,
	F("enterprise_id", VT_ID, 1, 0, 0, NULL, enterprise_id),
	F("domain", VT_ENUM, 1, 0, 0, domains, domain),
	F("problems_found", VT_BOOL, 1, 0, 0, NULL, problems_found),
};

/* batches and failed_batches: required without items (spot_items). */
static const struct vfield spot_check_fields[] = {
	COMMON,
	F("enterprise_id", VT_ID, 1, 0, 0, NULL, enterprise_id),
	F("domain", VT_ENUM, 1, 0, 0, domains, domain),
	F("batches", VT_INT, 0, 1, MAX_BATCHES, NULL, batches),
	F("failed_batches", VT_INT, 0, 0, MAX_BATCHES, NULL, failed_batches),
	F("channel", VT_ENUM, 0, 0, 0, channels, channel),
	F("items", VT_JSON, 0, 0, 0, NULL, items),
};

static const struct vfield risk_info_fields[] = {
	COMMON,
	F("region", VT_REGION, 0, 0, 0, NULL, region),
	F("summary", VT_TEXT, 1, 1, 4000, NULL, summary),
	F("enterprise_id", VT_ID, 0, 0, 0, NULL, enterprise_id),
};

static const struct vfield risk_monitoring_fields[] = {
	COMMON,
	F("region", VT_REGION, 1, 0, 0, NULL, region),
	F("batches", VT_INT, 1, 1, MAX_BATCHES, NULL, batches),
	F("problems_found", VT_INT, 1, 0, MAX_COUNT, NULL, problems_count),
};

static const struct vfield assistance_fields[] = {
	COMMON,
	F("enterprise_id", VT_ID, 1, 0, 0, NULL, enterprise_id),
	F("problems_solved", VT_INT, 1, 0, MAX_COUNT, NULL, problems_solved),
	F("output_gain", VT_MONEY, 1, 0, MAX_GAIN_FEN, NULL, output_gain),
};

#undef COMMON
#undef F

static const struct {
	const struct vfield	*fields;
	size_t			 n;
} kind_fields[AK__MAX] = {
#define ROW(k, t)	[k] = { t, NITEMS(t) }
	ROW(AK_INSPECTION, inspection_fields),
	ROW(AK_SPOT_CHECK, spot_check_fields),
	ROW(AK_RISK_INFO, risk_info_fields),
	ROW(AK_RISK_MONITORING, risk_monitoring_fields),
	ROW(AK_ASSISTANCE, assistance_fields),
#undef ROW
};

static json_t *activity_json(struct req *, const PGresult *, int);
static json_t *activity_by_id(struct req *, int64_t);

/* ------------------------------------------------------------------ */
/* A spot check's batches                                             */
/* ------------------------------------------------------------------ */

/* Whether `s` holds a control character. */
static int
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/*
 * A text member of an item: NULL when fine, else why not.  Its length in
 * characters at most `max`.
 */
static const char *
item_text(const json_t *v, size_t max, int *wrongtype)
{
	const char	*s;

	if (!json_is_string(v)) {
		*wrongtype = 1;
		return "应为字符串";
	}
	s = json_string_value(v);
	if (strspn(s, " \t") == strlen(s))
		return "不能为空";
	if (has_control(s))
		return "不能包含控制字符";
	return utf8_chars(s) > max ? "太长" : NULL;
}

/*
 * failed_items: the failed test items, as a text or a list of texts;
 * `*some` says whether it names any.
 */
static const char *
item_failed(const json_t *v, int *some, int *wrongtype)
{
	const json_t	*e;
	const char	*msg;
	size_t		 i;

	*some = 0;
	if (json_is_null(v))
		return NULL;
	if (json_is_string(v)) {
		*some = json_string_length(v) > 0;
		return json_string_length(v) == 0 ? NULL :
		    item_text(v, FAILED_CHARS, wrongtype);
	}
	if (!json_is_array(v)) {
		*wrongtype = 1;
		return "应为文字或文字的数组";
	}
	if (json_array_size(v) > MAX_FAILED)
		return "最多50项";
	json_array_foreach(v, i, e)
		if ((msg = item_text(e, ITEM_CHARS, wrongtype)) != NULL)
			return msg;
	*some = json_array_size(v) > 0;
	return NULL;
}

/*
 * Check `in->items` (a spot check's batches, when given) into `errors`
 * and make in->batches and in->failed_batches their counts -- where the
 * body gave those too, they must agree.  Without items, both counts are
 * required.  Sets *wrongtype for a value of the wrong JSON type.
 */
static void
spot_items(const json_t *body, struct activity_in *in, json_t **errors,
    int *wrongtype)
{
	static const char *const keys[] = {
		"product", "model", "batch_no", "standard", "result",
		"failed_items", "report_no", "lab", NULL
	};
	const json_t	*it, *v;
	const char	*k, *msg;
	char		 name[48], count[96];
	size_t		 i, j;
	long long	 n = 0, failed = 0;
	int		 some, fail;

	if (in->items == NULL) {
		if (json_object_get(body, "batches") == NULL ||
		    json_is_null(json_object_get(body, "batches")))
			*errors = problem_field(*errors, "batches", "必填");
		if (json_object_get(body, "failed_batches") == NULL ||
		    json_is_null(json_object_get(body, "failed_batches")))
			*errors = problem_field(*errors, "failed_batches",
			    "必填");
		return;
	}
	if (!json_is_array(in->items)) {
		*wrongtype = 1;
		*errors = problem_field(*errors, "items", "应为逐批记录的数组");
		return;
	}
	if (json_array_size(in->items) == 0 ||
	    json_array_size(in->items) > MAX_ITEMS) {
		*errors = problem_field(*errors, "items", "应有1至200批");
		return;
	}
	json_array_foreach(in->items, i, it) {
		if (!json_is_object(it)) {
			snprintf(name, sizeof(name), "items[%zu]", i);
			*wrongtype = 1;
			*errors = problem_field(*errors, name, "应为对象");
			continue;
		}
		fail = some = 0;
		json_object_foreach((json_t *)it, k, v) {
			snprintf(name, sizeof(name), "items[%zu].%s", i, k);
			for (j = 0; keys[j] != NULL; j++)
				if (strcmp(k, keys[j]) == 0)
					break;
			msg = NULL;
			if (keys[j] == NULL)
				msg = "未知字段";
			else if (strcmp(k, "result") == 0) {
				if (!json_is_string(v)) {
					*wrongtype = 1;
					msg = "应为字符串";
				} else if (strcmp(json_string_value(v),
				    results[0]) != 0 && strcmp(
				    json_string_value(v), results[1]) != 0)
					msg = "检验结论只能是 pass（合格）或 fail"
					    "（不合格）";
				else
					fail = strcmp(json_string_value(v),
					    "fail") == 0;
			} else if (strcmp(k, "failed_items") == 0)
				msg = item_failed(v, &some, wrongtype);
			else if (!json_is_null(v) || strcmp(k, "product") == 0)
				msg = item_text(v, ITEM_CHARS, wrongtype);
			if (msg != NULL)
				*errors = problem_field(*errors, name, msg);
		}
		for (j = 0; j < 2; j++) {
			k = j == 0 ? "product" : "result";
			if (json_object_get(it, k) == NULL) {
				snprintf(name, sizeof(name), "items[%zu].%s",
				    i, k);
				*errors = problem_field(*errors, name, "必填");
			}
		}
		if (!fail && some) {
			snprintf(name, sizeof(name), "items[%zu].failed_items",
			    i);
			*errors = problem_field(*errors, name,
			    "合格批次不应有不合格项目");
		}
		n++;
		failed += fail;
	}
	if (json_object_get(body, "batches") != NULL &&
	    !json_is_null(json_object_get(body, "batches")) &&
	    in->batches != n) {
		snprintf(count, sizeof(count), "与逐批记录不一致：共%lld批", n);
		*errors = problem_field(*errors, "batches", count);
	}
	if (json_object_get(body, "failed_batches") != NULL &&
	    !json_is_null(json_object_get(body, "failed_batches")) &&
	    in->failed_batches != failed) {
		snprintf(count, sizeof(count), "与逐批记录不一致：不合格%lld批",
		    failed);
		*errors = problem_field(*errors, "failed_batches", count);
	}
	in->batches = n;
	in->failed_batches = failed;
	*errors = problem_parent(*errors, "items", "有批次填写有误，见各批");
}

/* One activity with what the API shows beside it; $1 its id. */
static struct stmt activity_one = STMT(
    "SELECT a.id, a.kind, a.campaign_id, a.category, cat.name AS category_name,"
    " a.on_date::text AS on_date, a.region, rg.name AS region_name,"
    " a.enterprise_id, e.name AS enterprise_name, a.domain, a.problems_found,"
    " a.problems_count, a.batches, a.failed_batches, a.summary,"
    " a.problems_solved, a.output_gain::text AS output_gain,"
    " cu.username AS created_by, rfc3339(a.created_at) AS created_at,"
    " a.channel, a.items::text AS items, rfc3339(a.voided_at) AS voided_at,"
    " a.void_reason"
    " FROM activities a JOIN categories cat ON cat.id = a.category"
    " JOIN regions rg ON rg.code = a.region"
    " LEFT JOIN enterprises e ON e.id = a.enterprise_id"
    " LEFT JOIN LATERAL user_public(a.created_by) cu ON true"
    " WHERE a.id = $1", 1);

/* Format a day number as YYYY-MM-DD into `out`. */
static void
day_text(int day, char out[WF_DATE_LEN + 1])
{
	if (wf_date_format(day, out) == -1)
		snprintf(out, WF_DATE_LEN + 1, "0000-00-00");
}

/*
 * Check what needs the database, adding each failure to *errors (a new
 * or grown array).  Fills `region` with the activity's region.  Returns
 * 0, or -1 on a database failure (recorded in `r`).
 */
static int
check_refs(struct req *r, enum akind k, const struct activity_in *in,
    char region[7], json_t **errors)
{
	static struct stmt refs = STMT(
	    "SELECT (SELECT region FROM enterprises WHERE id = $1) AS ent_region,"
	    " (SELECT year FROM campaigns WHERE id = $2) AS year,"
	    " EXISTS (SELECT 1 FROM regions WHERE code = $3::char(6)"
	    "   AND in_scope($3::char(6))) AS region_ok,"
	    " (SELECT coalesce(province, '') FROM categories WHERE id = $4)"
	    "   AS cat_province", 4);
	static struct stmt covers = STMT(
	    "SELECT region_covers($1::char(6), $2::char(6)) AS ok", 2);
	char		 eid[24], camp[24];
	const char	*p[4];
	PGresult	*res, *cv;
	int		 year, lo, today, rc = -1;

	snprintf(eid, sizeof(eid), "%lld", in->enterprise_id);
	snprintf(camp, sizeof(camp), "%lld", in->campaign_id);
	p[0] = in->enterprise_id != 0 ? eid : NULL;
	p[1] = camp;
	p[2] = in->region;
	p[3] = in->category;
	if ((res = db_exec(r, &refs, p)) == NULL)
		return -1;
	region[0] = '\0';
	if (in->enterprise_id != 0) {
		if (db_isnull(res, 0, "ent_region"))
			*errors = problem_field(*errors, "enterprise_id",
			    "企业不存在或不在您的辖区内");
		else
			snprintf(region, 7, "%s", db_get(res, 0, "ent_region"));
	}
	if (in->region != NULL) {
		if (strcmp(db_get(res, 0, "region_ok"), "t") != 0)
			*errors = problem_field(*errors, "region",
			    "行政区划不存在或不在您的辖区内");
		else if (region[0] != '\0' && strcmp(region, in->region) != 0)
			*errors = problem_field(*errors, "region",
			    "与企业所在行政区划不一致；有企业时可不填");
		else if (region[0] == '\0')
			snprintf(region, 7, "%s", in->region);
	} else if (k == AK_RISK_INFO && in->enterprise_id == 0)
		*errors = problem_field(*errors, "region",
		    "没有企业时必须填写行政区划");
	if (db_isnull(res, 0, "year"))
		*errors = problem_field(*errors, "campaign_id", "专项行动不存在");
	else {
		year = atoi(db_get(res, 0, "year"));
		lo = wf_day_from_ymd(year - 1, 1, 1);
		today = wf_day_of_unix(now_us() / 1000000);
		if (in->on > today)
			*errors = problem_field(*errors, "on", "日期不能晚于今天");
		else if (in->on < lo)
			*errors = problem_field(*errors, "on",
			    "日期不能早于专项行动的上一年");
	}
	if (db_isnull(res, 0, "cat_province"))
		*errors = problem_field(*errors, "category", "产品类别不存在");
	else if (db_get(res, 0, "cat_province")[0] != '\0' &&
	    region[0] != '\0') {
		/* A province's own category, used only under that province. */
		p[0] = db_get(res, 0, "cat_province");
		p[1] = region;
		if ((cv = db_exec(r, &covers, p)) == NULL)
			goto out;
		if (strcmp(db_get(cv, 0, "ok"), "t") != 0)
			*errors = problem_field(*errors, "category",
			    "该产品类别是其他省份自行确定的");
		PQclear(cv);
	}
	rc = 0;
out:
	PQclear(res);
	return rc;
}

/* What an activity's events carry: its facts, not the names shown. */
static const char *const audited[] = {
	"kind", "campaign_id", "category", "on", "region", "enterprise_id",
	"domain", "problems_found", "batches", "failed_batches", "summary",
	"problems_solved", "output_gain", NULL
};

/*
 * Check the activity `obj` (a request's body, or one row of an import)
 * as POST /api/v1/activities does: the kind's rows, then what needs the
 * database.  When it may be recorded and `record` is set, record it --
 * its row and its stream's `create` event, which names `import_id` when
 * not 0.  Returns the new id; 0 when nothing was recorded (refused: each
 * failure appended to a->errors, a->status 400 for a value of the wrong
 * JSON type, else 422; or `record` unset); -1 on a database failure
 * (recorded in `r`).
 */
int64_t
activity_admit(struct req *r, const json_t *obj, int64_t import_id,
    int record, struct admit *a)
{
	static struct stmt insert = STMT(
	    "INSERT INTO activities (kind, campaign_id, category, on_date,"
	    " region, enterprise_id, domain, problems_found, problems_count,"
	    " batches, failed_batches, summary, problems_solved, output_gain,"
	    " created_by, channel, items) VALUES ($1, $2, $3, $4::date, $5, $6,"
	    " $7, $8, $9, $10, $11, $12, $13, $14::numeric, $15, $16,"
	    " $17::jsonb) RETURNING id", 17);
	struct activity_in in;
	enum akind	 k;
	json_t		*kv, *o = NULL, *facts = NULL;
	const char	*const *key;
	PGresult	*res = NULL;
	char		 region[7], on[WF_DATE_LEN + 1], camp[24], eid[24];
	char		 cnt[24], bat[24], fail[24], solved[24], gain[32];
	char		 uid[24], *items = NULL;
	const char	*p[17];
	unsigned	 present;
	size_t		 before = json_array_size(a->errors);
	int64_t		 id = 0;
	int		 badtype = 0;

	kv = json_object_get(obj, "kind");
	k = kind_parse(json_string_value(kv));
	if (k == AK__MAX) {
		badtype = kv != NULL && !json_is_string(kv) &&
		    !json_is_null(kv);
		admit_refuse(a, badtype ? 400 : 422, "kind", badtype ?
		    "应为字符串" : kv == NULL || json_is_null(kv) ? "必填" :
		    "不是允许的取值");
		return 0;
	}
	memset(&in, 0, sizeof(in));
	if (validate_object(obj, kind_fields[k].fields, kind_fields[k].n,
	    &in, &present, &a->errors, &badtype) != 0) {
		admit_refuse(a, badtype ? 400 : 422, NULL, NULL);
		return 0;
	}
	if (k == AK_SPOT_CHECK) {
		spot_items(obj, &in, &a->errors, &badtype);
		if (badtype) {
			admit_refuse(a, 400, NULL, NULL);
			return 0;
		}
		if (json_array_size(a->errors) == before &&
		    in.failed_batches > in.batches)
			admit_refuse(a, 422, "failed_batches",
			    "不合格批次不能多于抽查批次");
		if (in.items != NULL && (items = json_dumps(in.items,
		    JSON_COMPACT)) == NULL) {
			req_fail(r, "could not write a spot check's items");
			return -1;
		}
	}
	if (check_refs(r, k, &in, region, &a->errors) == -1)
		goto fail;
	if (json_array_size(a->errors) > before) {
		admit_refuse(a, 422, NULL, NULL);
		goto out;
	}
	if (!record)
		goto out;

	day_text(in.on, on);
	snprintf(camp, sizeof(camp), "%lld", in.campaign_id);
	snprintf(eid, sizeof(eid), "%lld", in.enterprise_id);
	snprintf(cnt, sizeof(cnt), "%lld", in.problems_count);
	snprintf(bat, sizeof(bat), "%lld", in.batches);
	snprintf(fail, sizeof(fail), "%lld", in.failed_batches);
	snprintf(solved, sizeof(solved), "%lld", in.problems_solved);
	snprintf(gain, sizeof(gain), "%lld.%02lld", in.output_gain / 100,
	    in.output_gain % 100);
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	p[0] = kind_ids[k];
	p[1] = camp;
	p[2] = in.category;
	p[3] = on;
	p[4] = region;
	p[5] = in.enterprise_id != 0 ? eid : NULL;
	p[6] = in.domain;
	p[7] = k == AK_INSPECTION ? (in.problems_found ? "true" : "false") :
	    NULL;
	p[8] = k == AK_RISK_MONITORING ? cnt : NULL;
	p[9] = k == AK_SPOT_CHECK || k == AK_RISK_MONITORING ? bat : NULL;
	p[10] = k == AK_SPOT_CHECK ? fail : NULL;
	p[11] = in.summary;
	p[12] = k == AK_ASSISTANCE ? solved : NULL;
	p[13] = k == AK_ASSISTANCE ? gain : NULL;
	p[14] = uid;
	p[15] = in.channel;
	p[16] = items;
	if ((res = db_exec(r, &insert, p)) == NULL)
		goto fail;
	id = strtoll(db_get(res, 0, "id"), NULL, 10);
	PQclear(res);
	snprintf(eid, sizeof(eid), "%lld", (long long)id);
	p[0] = eid;
	if ((res = db_exec(r, &activity_one, p)) == NULL)
		goto fail;
	if (PQntuples(res) != 1 || (o = activity_json(r, res, 0)) == NULL ||
	    (facts = json_object()) == NULL) {
		req_fail(r, "activity %lld could not be shown", (long long)id);
		goto fail;
	}
	for (key = audited; *key != NULL; key++)
		if (json_object_get(o, *key) != NULL)
			json_object_set(facts, *key, json_object_get(o, *key));
	if (import_id != 0)
		json_object_set_new(facts, "import", json_integer(import_id));
	if (change_record(r, LEDGER_ACTIVITY, id, region, "create",
	    facts) == -1)
		goto fail;
	goto out;
fail:
	id = -1;
out:
	free(items);
	json_decref(o);
	json_decref(facts);
	PQclear(res);
	return id;
}

void
activity_create(struct req *r)
{
	struct admit	 a = { 0 };
	int64_t		 id;

	if ((id = activity_admit(r, r->json, 0, 1, &a)) == -1) {
		json_decref(a.errors);
		reply_db_error(r);
		return;
	}
	if (id == 0) {
		admit_reply(r, &a);
		return;
	}
	reply_resource(r, 201, activity_by_id(r, id), "activity",
	    "/api/v1/activities");
}

/* ------------------------------------------------------------------ */
/* The activity as JSON                                               */
/* ------------------------------------------------------------------ */

static json_t *
col_int(const PGresult *res, int row, const char *col)
{
	return json_integer(strtoll(db_get(res, row, col), NULL, 10));
}

/*
 * Row `row` of a result of activity_one's columns as the API shows it: a
 * new reference, or NULL when it cannot be built.  Only the kind's own
 * fields appear, under the API's names.
 */
static json_t *
activity_json(struct req *r, const PGresult *res, int row)
{
	enum akind	 k = kind_parse(db_get(res, row, "kind"));
	json_t		*o;

	if (k == AK__MAX) {
		log_error("request %s: activity %s has an unknown kind", r->id,
		    db_get(res, row, "id"));
		return NULL;
	}
	o = json_pack("{s:I, s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s*,"
	    " s:s}",
	    "id", (json_int_t)strtoll(db_get(res, row, "id"), NULL, 10),
	    "kind", kind_ids[k], "kind_label", kind_labels[k],
	    "campaign_id", atoi(db_get(res, row, "campaign_id")),
	    "category", db_get(res, row, "category"),
	    "category_name", db_get(res, row, "category_name"),
	    "on", db_get(res, row, "on_date"),
	    "region", db_get(res, row, "region"),
	    "region_name", db_get(res, row, "region_name"),
	    "created_by", db_isnull(res, row, "created_by") ? NULL :
	    db_get(res, row, "created_by"),
	    "created_at", db_get(res, row, "created_at"));
	if (o == NULL)
		return NULL;
	/* A voided activity stays listed, out of the form. */
	json_object_set_new(o, "voided", json_boolean(!db_isnull(res, row,
	    "voided_at")));
	if (!db_isnull(res, row, "voided_at")) {
		json_object_set_new(o, "voided_at", db_json_text(res, row,
		    "voided_at"));
		json_object_set_new(o, "void_reason", db_json_text(res, row,
		    "void_reason"));
	}
	if (!db_isnull(res, row, "enterprise_id")) {
		json_object_set_new(o, "enterprise_id",
		    col_int(res, row, "enterprise_id"));
		json_object_set_new(o, "enterprise_name",
		    json_string(db_get(res, row, "enterprise_name")));
	}
	switch (k) {
	case AK_INSPECTION:
		json_object_set_new(o, "domain",
		    json_string(db_get(res, row, "domain")));
		json_object_set_new(o, "problems_found", json_boolean(
		    strcmp(db_get(res, row, "problems_found"), "t") == 0));
		break;
	case AK_SPOT_CHECK:
		json_object_set_new(o, "domain",
		    json_string(db_get(res, row, "domain")));
		json_object_set_new(o, "batches", col_int(res, row, "batches"));
		json_object_set_new(o, "failed_batches",
		    col_int(res, row, "failed_batches"));
		json_object_set_new(o, "channel", db_json_text(res, row,
		    "channel"));
		json_object_set_new(o, "items", db_isnull(res, row, "items") ?
		    json_null() : json_loads(db_get(res, row, "items"), 0,
		    NULL));
		break;
	case AK_RISK_INFO:
		json_object_set_new(o, "summary",
		    json_string(db_get(res, row, "summary")));
		break;
	case AK_RISK_MONITORING:
		json_object_set_new(o, "batches", col_int(res, row, "batches"));
		json_object_set_new(o, "problems_found",
		    col_int(res, row, "problems_count"));
		break;
	case AK_ASSISTANCE:
		json_object_set_new(o, "problems_solved",
		    col_int(res, row, "problems_solved"));
		json_object_set_new(o, "output_gain",
		    json_string(db_get(res, row, "output_gain")));
		break;
	case AK__MAX:
		break;
	}
	return o;
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/activities/{id}                                        */
/* ------------------------------------------------------------------ */

/*
 * The activity `id` as the API shows it (a new reference), or NULL: not
 * visible (r->fault FAULT_NONE) or it could not be read (recorded).
 */
static json_t *
activity_by_id(struct req *r, int64_t id)
{
	char		 cid[24];
	const char	*p[1];
	PGresult	*res;
	json_t		*o = NULL;

	r->fault = FAULT_NONE;
	snprintf(cid, sizeof(cid), "%lld", (long long)id);
	p[0] = cid;
	if ((res = db_exec(r, &activity_one, p)) == NULL)
		return NULL;
	if (PQntuples(res) == 1 && (o = activity_json(r, res, 0)) == NULL)
		req_fail(r, "activity %s could not be shown", cid);
	PQclear(res);
	return o;
}

void
activity_get(struct req *r)
{
	reply_resource(r, 200, activity_by_id(r, r->ids[0]), "activity",
	    NULL);
}

/* ------------------------------------------------------------------ */
/* POST /api/v1/activities/{id}/void                                  */
/* ------------------------------------------------------------------ */

struct void_in {
	const char	*reason;
};

static const struct vfield void_fields[] = {
	{ "reason", VT_TEXT, 1, 1, 4000, NULL, NULL,
	    offsetof(struct void_in, reason) },
};

/*
 * Void an activity with a reason, once (409 after): it leaves the form
 * from now on (a form as of an earlier day still counts it) and stays
 * listed.  An event "void" of the activity's stream records it.
 */
void
activity_void(struct req *r)
{
	static struct stmt lock = STMT(
	    "SELECT region, voided_at IS NOT NULL AS voided FROM activities"
	    " WHERE id = $1 FOR UPDATE", 1);
	static struct stmt set = STMT(
	    "UPDATE activities SET voided_at = now(), voided_by = $2,"
	    " void_reason = $3 WHERE id = $1 AND voided_at IS NULL", 3);
	struct void_in	 in = { NULL };
	char		 id[24], uid[24], region[7];
	const char	*p[3];
	PGresult	*res;
	json_t		*facts = NULL, *o;
	int		 voided;

	if (validate_json(r, r->json, void_fields, NITEMS(void_fields), &in,
	    NULL) == -1)
		return;
	snprintf(id, sizeof(id), "%lld", (long long)r->ids[0]);
	p[0] = id;
	if ((res = db_exec(r, &lock, p)) == NULL)
		goto dberr;
	if (PQntuples(res) != 1) {
		PQclear(res);
		reply_problem(r, 404, NULL, "no such activity", NULL);
		return;
	}
	snprintf(region, sizeof(region), "%s", db_get(res, 0, "region"));
	voided = strcmp(db_get(res, 0, "voided"), "t") == 0;
	PQclear(res);
	if (voided) {
		reply_problem(r, 409, "voided", "the activity was voided "
		    "already", NULL);
		return;
	}
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	p[1] = uid;
	p[2] = in.reason;
	if (db_exec_ok(r, &set, p) == -1 ||
	    (facts = json_pack("{s:s}", "reason", in.reason)) == NULL ||
	    change_record(r, LEDGER_ACTIVITY, r->ids[0], region, "void",
	    facts) == -1 || (res = db_exec(r, &activity_one, p)) == NULL)
		goto dberr;
	json_decref(facts);
	o = PQntuples(res) == 1 ? activity_json(r, res, 0) : NULL;
	PQclear(res);
	if (o == NULL) {
		reply_problem(r, 500, NULL, "internal error", NULL);
		return;
	}
	reply_json(r, 200, o);
	return;
dberr:
	json_decref(facts);
	reply_db_error(r);
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/activities                                             */
/* ------------------------------------------------------------------ */

struct list_in {
	const char	*kind;
	long long	 campaign;
	const char	*category;
	const char	*region;
	long long	 enterprise;
	long long	 cursor;
	long long	 limit;
};

static const struct vfield list_fields[] = {
	{ "kind", VT_ENUM, 0, 0, 0, kind_ids, NULL,
	    offsetof(struct list_in, kind) },
	{ "campaign", VT_ID, 0, 0, 0, NULL, NULL,
	    offsetof(struct list_in, campaign) },
	{ "category", VT_STRING, 0, 1, 40, NULL, NULL,
	    offsetof(struct list_in, category) },
	{ "region", VT_REGION, 0, 0, 0, NULL, NULL,
	    offsetof(struct list_in, region) },
	{ "enterprise", VT_ID, 0, 0, 0, NULL, NULL,
	    offsetof(struct list_in, enterprise) },
	VF_PAGE(struct list_in),
};

void
activity_list(struct req *r)
{
	static struct stmt list = STMT(
	    "SELECT a.id, a.kind, a.campaign_id, a.category,"
	    " cat.name AS category_name, a.on_date::text AS on_date, a.region,"
	    " rg.name AS region_name, a.enterprise_id,"
	    " e.name AS enterprise_name, a.domain, a.problems_found,"
	    " a.problems_count, a.batches, a.failed_batches, a.summary,"
	    " a.problems_solved, a.output_gain::text AS output_gain,"
	    " cu.username AS created_by, rfc3339(a.created_at) AS created_at,"
	    " a.channel, a.items::text AS items,"
	    " rfc3339(a.voided_at) AS voided_at, a.void_reason"
	    " FROM activities a JOIN categories cat ON cat.id = a.category"
	    " JOIN regions rg ON rg.code = a.region"
	    " LEFT JOIN enterprises e ON e.id = a.enterprise_id"
	    " LEFT JOIN LATERAL user_public(a.created_by) cu ON true"
	    " WHERE ($1::text IS NULL OR a.kind = $1)"
	    " AND ($2::integer IS NULL OR a.campaign_id = $2)"
	    " AND ($3::text IS NULL OR a.category = $3)"
	    " AND ($4::text IS NULL OR (a.region >= region_lo($4::char(6))"
	    "   AND a.region < region_hi($4::char(6))))"
	    " AND ($5::bigint IS NULL OR a.enterprise_id = $5)"
	    " AND ($6::bigint IS NULL OR a.id < $6)"
	    " ORDER BY a.id DESC LIMIT $7", 7);
	struct list_in	 in;
	char		 camp[24], ent[24], cur[24], lim[24];
	const char	*p[7];
	PGresult	*res;
	json_t		*items, *o;
	int		 i, n;

	memset(&in, 0, sizeof(in));
	in.limit = LIST_DEFAULT;
	if (validate_query(r, list_fields, NITEMS(list_fields), &in,
	    NULL) == -1)
		return;
	snprintf(camp, sizeof(camp), "%lld", in.campaign);
	snprintf(ent, sizeof(ent), "%lld", in.enterprise);
	snprintf(cur, sizeof(cur), "%lld", in.cursor);
	snprintf(lim, sizeof(lim), "%lld", in.limit + 1);
	p[0] = in.kind;
	p[1] = in.campaign != 0 ? camp : NULL;
	p[2] = in.category;
	p[3] = in.region;
	p[4] = in.enterprise != 0 ? ent : NULL;
	p[5] = in.cursor != 0 ? cur : NULL;
	p[6] = lim;
	if ((res = db_exec(r, &list, p)) == NULL) {
		reply_db_error(r);
		return;
	}
	items = json_array();
	n = PQntuples(res);
	for (i = 0; i < n && i < in.limit; i++)
		if ((o = activity_json(r, res, i)) != NULL)
			json_array_append_new(items, o);
	reply_page(r, items, res, in.limit);
	PQclear(res);
}
