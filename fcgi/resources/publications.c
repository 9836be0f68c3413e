/*
 * publications.c: GET /api/v1/reports/credit-publications?campaign=
 * &region=&format=json|csv -- the 行政处罚信息摘要 of every approved
 * credit publication (publish_credit) in the region's subtree, oldest
 * approval first, for the 国家企业信用信息公示系统.
 *
 * 《市场监督管理行政处罚信息公示规定》 (总局令第45号, 2021) art. 6: the
 * summary holds the decision's number (行政处罚决定书文号), the party
 * (行政处罚当事人基本情况: name and unified social credit code), the
 * kind of violation (违法行为类型), the penalty (行政处罚内容), and the
 * deciding agency's name and the date of the decision (作出行政处罚决定
 * 的行政机关名称和日期).  Each comes from the approved proposal's
 * payload; the four that publish_credit declares but does not require
 * (workflow/event.c) may be missing from proposals made by older
 * clients.  Then the summary says so ("missing") and fills in what the
 * case itself tells: the penalty from the amounts, the agency from the
 * case's region (its 市场监督管理局), the date from the approval; the
 * kind of violation it cannot guess (null).
 *
 * One statement: the cases that reached a penalty (cases_report, a
 * partial index), their approved publish_credit events and the
 * proposals those approved (by the approval's proposal_seq, taken out
 * first so that the proposal is found by its primary key), in the
 * route's read-only snapshot.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/base.h"
#include "../front/front.h"
#include "resources.h"

static const char *const formats[] = { "json", "csv", NULL };

struct pub_in {
	long long	 campaign;
	const char	*region;
	const char	*format;
};

static const struct vfield pub_fields[] = {
	{ "campaign", VT_ID, 0, 0, 0, NULL, NULL,
	    offsetof(struct pub_in, campaign) },
	{ "region", VT_REGION, 0, 0, 0, NULL, NULL,
	    offsetof(struct pub_in, region) },
	{ "format", VT_ENUM, 0, 0, 0, formats, NULL,
	    offsetof(struct pub_in, format) },
};

/* The summary's members, in order, with the CSV's headings. */
enum pcol {
	PC_DECISION_NO, PC_PARTY, PC_USCC, PC_VIOLATION, PC_PENALTY,
	PC_AGENCY, PC_DECISION_DATE, PC_PUBLISHED_ON, PC_SERIOUS,
	PC_FINE, PC_CONFISCATION, PC_VALUE, PC_CASE, PC_REGION,
	PC_REGION_NAME, PC_CAMPAIGN, PC_APPROVED_AT, PC_MISSING, PC__MAX
};

static const struct {
	const char	*key;
	const char	*heading;
} pcols[PC__MAX] = {
	[PC_DECISION_NO] = { "decision_no", "行政处罚决定书文号" },
	[PC_PARTY] = { "party_name", "当事人名称" },
	[PC_USCC] = { "party_uscc", "统一社会信用代码" },
	[PC_VIOLATION] = { "violation_type", "违法行为类型" },
	[PC_PENALTY] = { "penalty_content", "行政处罚内容" },
	[PC_AGENCY] = { "deciding_agency", "作出行政处罚决定机关名称" },
	[PC_DECISION_DATE] = { "decision_date", "作出行政处罚决定日期" },
	[PC_PUBLISHED_ON] = { "published_on", "公示日期" },
	[PC_SERIOUS] = { "serious_list", "列入严重违法失信名单" },
	[PC_FINE] = { "fine_amount", "罚款金额（元）" },
	[PC_CONFISCATION] = { "confiscation_amount", "没收金额（元）" },
	[PC_VALUE] = { "case_value", "案值（元）" },
	[PC_CASE] = { "case_id", "案件编号" },
	[PC_REGION] = { "region", "行政区划代码" },
	[PC_REGION_NAME] = { "region_name", "行政区划" },
	[PC_CAMPAIGN] = { "campaign_id", "专项行动编号" },
	[PC_APPROVED_AT] = { "approved_at", "法制审核通过时间" },
	[PC_MISSING] = { "missing", "提议未填写的项目" },
};

/* The optional members a proposal may lack (workflow/event.c). */
static const char *const optional[] = {
	"violation_type", "penalty_content", "deciding_agency",
	"decision_date", NULL
};

static struct stmt pubs = STMT_CUSTOM(
    "SELECT c.id AS case_id, c.region, rg.name AS region_name,"
    " c.campaign_id, e.name AS party_name, e.uscc AS party_uscc,"
    " (pr.record::jsonb -> 'payload')::text AS payload,"
    " rfc3339(ap.at) AS approved_at,"
    " (ap.at AT TIME ZONE 'Asia/Shanghai')::date::text AS approved_on,"
    " concat_ws('', (SELECT p.name FROM regions p"
    "   WHERE p.code = (substr(c.region, 1, 2) || '0000')::char(6)),"
    " (SELECT p.name FROM regions p"
    "   WHERE p.code = (substr(c.region, 1, 4) || '00')::char(6)"
    "   AND substr(c.region, 3, 2) <> '00'"
    "   AND p.name NOT IN ('市辖区', '县')),"
    " CASE WHEN substr(c.region, 5) <> '00' THEN rg.name END)"
    "   AS agency_region"
    " FROM cases c"
    " JOIN enterprises e ON e.id = c.enterprise_id"
    " JOIN regions rg ON rg.code = c.region"
    " JOIN LATERAL (SELECT a.at, a.seq,"
    "   (a.record::jsonb -> 'payload' ->> 'proposal_seq')::int AS pseq"
    "   FROM case_events a WHERE a.case_id = c.id"
    "   AND a.event = 'publish_credit' AND a.phase = 'approved') ap ON true"
    " JOIN case_events pr ON pr.case_id = c.id AND pr.seq = ap.pseq"
    " WHERE c.penalty_decided_at IS NOT NULL"
    " AND ($1::integer IS NULL OR c.campaign_id = $1)"
    " AND c.region >= region_lo($2::char(6))"
    " AND c.region < region_hi($2::char(6))"
    " ORDER BY ap.at, c.id, ap.seq", 2);

/*
 * One summary (a new object) from row `i`: the proposal's payload, what
 * is missing from it, and the stand-ins for what the case tells.
 */
static json_t *
summary(const PGresult *res, int i)
{
	json_t		*p, *o, *missing, *v;
	const char	*const *k;
	const char	*fine, *conf;

	if ((p = json_loads(db_get(res, i, "payload"), 0, NULL)) == NULL)
		p = json_object();
	missing = json_array();
	for (k = optional; *k != NULL; k++)
		if (!json_is_string(json_object_get(p, *k)) ||
		    json_string_length(json_object_get(p, *k)) == 0)
			json_array_append_new(missing, json_string(*k));
	fine = json_string_value(json_object_get(p, "fine_amount"));
	conf = json_string_value(json_object_get(p, "confiscation_amount"));
	o = json_pack("{s:O?, s:s, s:s, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?,"
	    " s:O?, s:O?, s:O?, s:I, s:s, s:s, s:i, s:s, s:o}",
	    "decision_no", json_object_get(p, "decision_no"),
	    "party_name", db_get(res, i, "party_name"),
	    "party_uscc", db_get(res, i, "party_uscc"),
	    "violation_type", json_object_get(p, "violation_type"),
	    "penalty_content", json_object_get(p, "penalty_content"),
	    "deciding_agency", json_object_get(p, "deciding_agency"),
	    "decision_date", json_object_get(p, "decision_date"),
	    "published_on", json_object_get(p, "published_on"),
	    "serious_list", json_object_get(p, "serious_list"),
	    "fine_amount", json_object_get(p, "fine_amount"),
	    "confiscation_amount", json_object_get(p, "confiscation_amount"),
	    "case_value", json_object_get(p, "case_value"),
	    "case_id", (json_int_t)strtoll(db_get(res, i, "case_id"), NULL,
	    10),
	    "region", db_get(res, i, "region"),
	    "region_name", db_get(res, i, "region_name"),
	    "campaign_id", atoi(db_get(res, i, "campaign_id")),
	    "approved_at", db_get(res, i, "approved_at"),
	    "missing", missing);
	json_decref(p);
	if (o == NULL)
		return NULL;
	/* Stand-ins for what the proposal lacks and the case tells. */
	if (!json_is_string(json_object_get(o, "penalty_content")))
		json_object_set_new(o, "penalty_content", conf != NULL &&
		    strcmp(conf, "0.00") != 0 && strcmp(conf, "0") != 0 ?
		    json_sprintf("罚款人民币%s元，没收违法所得人民币%s元",
		    fine != NULL ? fine : "0.00", conf) :
		    json_sprintf("罚款人民币%s元", fine != NULL ? fine : "0.00"));
	if (!json_is_string(json_object_get(o, "deciding_agency")))
		json_object_set_new(o, "deciding_agency", json_sprintf(
		    "%s市场监督管理局", db_get(res, i, "agency_region")));
	if (!json_is_string(json_object_get(o, "decision_date")))
		json_object_set_new(o, "decision_date",
		    json_string(db_get(res, i, "approved_on")));
	if ((v = json_object_get(o, "violation_type")) == NULL)
		json_object_set_new(o, "violation_type", json_null());
	return o;
}

/* ---- CSV ---------------------------------------------------------- */

/* A member as a CSV cell's text into `buf` (NULL: empty). */
static const char *
cell_text(const json_t *v, const char *key, char *buf, size_t size)
{
	const json_t	*e;
	size_t		 i, n = 0;

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, size, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	if (json_is_boolean(v))
		return json_is_true(v) ? "是" : "否";
	if (json_is_array(v) && strcmp(key, "missing") == 0) {
		buf[0] = '\0';
		json_array_foreach(v, i, e)
			n += (size_t)snprintf(buf + n, n < size ? size - n : 0,
			    "%s%s", i > 0 ? " " : "", json_string_value(e));
		return buf;
	}
	return NULL;
}

static void
reply_csv(struct req *r, const json_t *items, const char *region)
{
	struct csv_buf	 b = { NULL, 0, 0, 0 };
	const json_t	*o;
	char		 buf[256];
	size_t		 i;
	int		 c;

	csv_buf_put(&b, "\xef\xbb\xbf", 3);
	for (c = 0; c < PC__MAX; c++) {
		if (c > 0)
			csv_buf_put(&b, ",", 1);
		csv_cell(pcols[c].heading, 1, csv_buf_put, &b);
	}
	csv_buf_put(&b, "\r\n", 2);
	json_array_foreach(items, i, o) {
		for (c = 0; c < PC__MAX; c++) {
			if (c > 0)
				csv_buf_put(&b, ",", 1);
			csv_cell(cell_text(json_object_get(o, pcols[c].key),
			    pcols[c].key, buf, sizeof(buf)), c != PC_CASE &&
			    c != PC_CAMPAIGN, csv_buf_put, &b);
		}
		csv_buf_put(&b, "\r\n", 2);
	}
	if (b.failed) {
		free(b.s);
		reply_problem(r, 500, NULL, "internal error", NULL);
		return;
	}
	snprintf(r->disposition, sizeof(r->disposition), "attachment; "
	    "filename=\"paicha-credit-publications-%s.csv\"", region);
	reply_text(r, 200, "text/csv; charset=utf-8", b.s, b.len);
	free(b.s);
}

void
report_credit_publications(struct req *r)
{
	static struct stmt whom = STMT(
	    "SELECT (SELECT name FROM regions WHERE code = $1::char(6)"
	    "   AND region_covers($2::char(6), $1::char(6))) AS region_name,"
	    " ($3::integer IS NULL OR EXISTS (SELECT 1 FROM campaigns"
	    "   WHERE id = $3)) AS campaign_ok", 3);
	struct pub_in	 in = { 0, NULL, "json" };
	char		 region[7], camp[24];
	const char	*p[3];
	PGresult	*res;
	json_t		*items, *o;
	int		 i, n;

	if (validate_query(r, pub_fields, NITEMS(pub_fields), &in,
	    NULL) == -1)
		return;
	snprintf(region, sizeof(region), "%s", in.region != NULL ? in.region :
	    r->user.region);
	snprintf(camp, sizeof(camp), "%lld", in.campaign);
	p[0] = region;
	p[1] = r->user.region;
	p[2] = in.campaign != 0 ? camp : NULL;
	if ((res = db_exec(r, &whom, p)) == NULL) {
		reply_db_error(r);
		return;
	}
	if (strcmp(db_get(res, 0, "campaign_ok"), "t") != 0 ||
	    db_isnull(res, 0, "region_name")) {
		reply_problem(r, 404, NULL, db_isnull(res, 0, "region_name") ?
		    "no such region within yours" : "no such campaign", NULL);
		PQclear(res);
		return;
	}
	PQclear(res);
	p[0] = in.campaign != 0 ? camp : NULL;
	p[1] = region;
	if ((res = db_exec(r, &pubs, p)) == NULL) {
		reply_db_error(r);
		return;
	}
	items = json_array();
	n = PQntuples(res);
	for (i = 0; i < n; i++)
		if ((o = summary(res, i)) != NULL)
			json_array_append_new(items, o);
	PQclear(res);
	if (strcmp(in.format, "csv") == 0) {
		reply_csv(r, items, region);
		json_decref(items);
		return;
	}
	reply_json(r, 200, json_pack("{s:s, s:o, s:o, s:I}", "region",
	    region, "campaign_id", in.campaign != 0 ?
	    json_integer(in.campaign) : json_null(), "items", items,
	    "count", (json_int_t)json_array_size(items)));
}
