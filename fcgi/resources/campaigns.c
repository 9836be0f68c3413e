/*
 * campaigns.c: the campaigns (专项行动) made and edited through the API by
 * a national admin (API.md Part 2, "The reporting cycle"): a new year
 * needs no migration, and last year's campaign is what 同比变化 compares
 * with (reports.c).  Each change is an event of the campaign's stream
 * (entity 'campaign', id the year), scoped to the nation.
 *
 * API.md's stage_report_due is the table's interim_report_due (the
 * notice's 阶段性工作总结); a campaign shows both names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/base.h"
#include "../front/front.h"
#include "resources.h"

#define NAME_BYTES	400	/* a campaign's name, at most */

/* A campaign's row as the API shows it. */
#define CAMPAIGN_COLS \
	"id, year, name, starts_on::text AS starts_on," \
	" risk_investigation_by::text AS risk_investigation_by," \
	" governance_by::text AS governance_by," \
	" interim_report_due::text AS interim_report_due," \
	" annual_report_due::text AS annual_report_due, version"

/* The members a change compares (change_update). */
static const char *const campaign_keys[] = { "name", "starts_on",
	"risk_investigation_by", "governance_by", "stage_report_due",
	"annual_report_due", NULL };

json_t *
campaign_json(const PGresult *res, int i)
{
	return json_pack("{s:i, s:i, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:i}",
	    "id", atoi(db_get(res, i, "id")),
	    "year", atoi(db_get(res, i, "year")),
	    "name", db_get(res, i, "name"),
	    "starts_on", db_json_text(res, i, "starts_on"),
	    "risk_investigation_by", db_json_text(res, i,
	    "risk_investigation_by"),
	    "governance_by", db_json_text(res, i, "governance_by"),
	    "stage_report_due", db_json_text(res, i, "interim_report_due"),
	    "interim_report_due", db_json_text(res, i, "interim_report_due"),
	    "annual_report_due", db_json_text(res, i, "annual_report_due"),
	    "version", atoi(db_get(res, i, "version")));
}

struct campaign_in {
	long long	 year;
	const char	*name;
	int		 starts_on;
	int		 risk_investigation_by;
	int		 governance_by;
	int		 stage_report_due;
	int		 annual_report_due;
};

/* The rows' order matters: bit i of `present` is row i. */
enum cpf {
	CPF_YEAR, CPF_NAME, CPF_STARTS, CPF_RISK, CPF_GOV, CPF_STAGE,
	CPF_ANNUAL, CPF__MAX
};

static const struct vfield campaign_fields[CPF__MAX] = {
	[CPF_YEAR] = { "year", VT_INT, 1, 2000, 2100, NULL, NULL,
	    offsetof(struct campaign_in, year) },
	[CPF_NAME] = { "name", VT_NAME, 1, 1, NAME_BYTES, NULL, NULL,
	    offsetof(struct campaign_in, name) },
	[CPF_STARTS] = { "starts_on", VT_DATE, 0, 0, 0, NULL, NULL,
	    offsetof(struct campaign_in, starts_on) },
	[CPF_RISK] = { "risk_investigation_by", VT_DATE, 1, 0, 0, NULL, NULL,
	    offsetof(struct campaign_in, risk_investigation_by) },
	[CPF_GOV] = { "governance_by", VT_DATE, 1, 0, 0, NULL, NULL,
	    offsetof(struct campaign_in, governance_by) },
	[CPF_STAGE] = { "stage_report_due", VT_DATE, 1, 0, 0, NULL, NULL,
	    offsetof(struct campaign_in, stage_report_due) },
	[CPF_ANNUAL] = { "annual_report_due", VT_DATE, 1, 0, 0, NULL, NULL,
	    offsetof(struct campaign_in, annual_report_due) },
};

/*
 * Whether the dates of `in` (day numbers) are in order: the campaign
 * starts in its year, the investigation after the start, governance
 * after the investigation, the annual report after the stage report,
 * every milestone within the year or the next.  Returns NULL, or the
 * errors (new) naming the fields.
 */
static json_t *
dates_check(const struct campaign_in *in)
{
	char	 d[WF_DATE_LEN + 1];
	json_t	*e = NULL;
	int	 i, v[4] = { in->risk_investigation_by, in->governance_by,
		    in->stage_report_due, in->annual_report_due };
	const char *names[4] = { "risk_investigation_by", "governance_by",
		    "stage_report_due", "annual_report_due" };

	wf_date_format(in->starts_on, d);
	if (atoi(d) != in->year)
		e = problem_field(e, "starts_on", "开始日期应在专项行动当年");
	for (i = 0; i < 4; i++) {
		wf_date_format(v[i], d);
		if (atoi(d) < in->year || atoi(d) > in->year + 1)
			e = problem_field(e, names[i], "日期应在专项行动当年或次年");
	}
	if (in->risk_investigation_by < in->starts_on)
		e = problem_field(e, "risk_investigation_by",
		    "不能早于开始日期");
	if (in->governance_by < in->risk_investigation_by)
		e = problem_field(e, "governance_by", "不能早于风险排查完成日期");
	if (in->annual_report_due < in->stage_report_due)
		e = problem_field(e, "annual_report_due",
		    "不能早于阶段性总结报送日期");
	return e;
}

/* Only a national admin changes campaigns: 403 staged, or 0. */
static int
national(struct req *r)
{
	if (strcmp(r->user.region, "000000") == 0)
		return 0;
	reply_problem(r, 403, NULL, "only a national admin changes campaigns",
	    NULL);
	return -1;
}

/* ------------------------------------------------------------------ */
/* POST /api/v1/campaigns                                             */
/* ------------------------------------------------------------------ */

void
campaign_create(struct req *r)
{
	static struct stmt insert = STMT(
	    "SELECT " CAMPAIGN_COLS " FROM campaign_create($1, $2, $3, $4, $5,"
	    " $6, $7)", 7);
	struct campaign_in in;
	char		 year[16], d[5][WF_DATE_LEN + 1];
	const char	*p[7];
	unsigned	 present = 0;
	PGresult	*res = NULL;
	json_t		*o = NULL, *errors;

	memset(&in, 0, sizeof(in));
	if (validate_json(r, r->json, campaign_fields, CPF__MAX, &in,
	    &present) == -1 || national(r) == -1)
		return;
	if (!(present & (1u << CPF_STARTS))) {
		snprintf(d[0], sizeof(d[0]), "%04lld-01-01", in.year);
		(void)wf_date_parse(d[0], &in.starts_on);
	}
	if ((errors = dates_check(&in)) != NULL) {
		reply_problem(r, 422, NULL, "some fields are missing or "
		    "invalid", errors);
		return;
	}
	snprintf(year, sizeof(year), "%lld", in.year);
	wf_date_format(in.starts_on, d[0]);
	wf_date_format(in.risk_investigation_by, d[1]);
	wf_date_format(in.governance_by, d[2]);
	wf_date_format(in.stage_report_due, d[3]);
	wf_date_format(in.annual_report_due, d[4]);
	p[0] = year;
	p[1] = in.name;
	p[2] = d[0];
	p[3] = d[1];
	p[4] = d[2];
	p[5] = d[3];
	p[6] = d[4];
	if ((res = db_exec(r, &insert, p)) == NULL)
		goto dberr;
	if (PQntuples(res) != 1) {
		PQclear(res);
		reply_problem(r, 409, "duplicate", "a campaign of this year "
		    "exists", problem_field(NULL, "year", "该年度的专项行动已存在"));
		return;
	}
	if ((o = campaign_json(res, 0)) == NULL ||
	    change_record(r, LEDGER_CAMPAIGN, in.year, "000000", "create",
	    o) == -1)
		goto dberr;
	PQclear(res);
	log_info("request %s: %s created campaign %lld", r->id,
	    r->user.username, in.year);
	reply_resource(r, 201, o, "campaign", "/api/v1/campaigns");
	return;
dberr:
	json_decref(o);
	PQclear(res);
	reply_db_error(r);
}

/* ------------------------------------------------------------------ */
/* GET and PATCH /api/v1/campaigns/{id}                               */
/* ------------------------------------------------------------------ */

void
campaign_get(struct req *r)
{
	static struct stmt get = STMT(
	    "SELECT " CAMPAIGN_COLS " FROM campaigns WHERE id = $1", 1);
	char		 id[24];
	const char	*p[1] = { id };
	PGresult	*res;

	snprintf(id, sizeof(id), "%lld", (long long)r->ids[0]);
	if ((res = db_exec(r, &get, p)) == NULL) {
		reply_db_error(r);
		return;
	}
	reply_resource(r, 200, PQntuples(res) == 1 ? campaign_json(res, 0) :
	    NULL, "campaign", NULL);
	PQclear(res);
}

static const struct vfield patch_fields[CPF__MAX] = {
	[CPF_YEAR] = { "year", VT_INT, 0, 2000, 2100, NULL, NULL,
	    offsetof(struct campaign_in, year) },
	[CPF_NAME] = { "name", VT_NAME, 0, 1, NAME_BYTES, NULL, NULL,
	    offsetof(struct campaign_in, name) },
	[CPF_STARTS] = { "starts_on", VT_DATE, 0, 0, 0, NULL, NULL,
	    offsetof(struct campaign_in, starts_on) },
	[CPF_RISK] = { "risk_investigation_by", VT_DATE, 0, 0, 0, NULL, NULL,
	    offsetof(struct campaign_in, risk_investigation_by) },
	[CPF_GOV] = { "governance_by", VT_DATE, 0, 0, 0, NULL, NULL,
	    offsetof(struct campaign_in, governance_by) },
	[CPF_STAGE] = { "stage_report_due", VT_DATE, 0, 0, 0, NULL, NULL,
	    offsetof(struct campaign_in, stage_report_due) },
	[CPF_ANNUAL] = { "annual_report_due", VT_DATE, 0, 0, 0, NULL, NULL,
	    offsetof(struct campaign_in, annual_report_due) },
};

/* `field`'s day into *day unless the body gave it. */
static void
keep_date(const PGresult *res, const char *col, unsigned present,
    enum cpf f, int *day)
{
	if (!(present & (1u << f)))
		(void)wf_date_parse(db_get(res, 0, col), day);
}

void
campaign_patch(struct req *r)
{
	static struct stmt load = STMT(
	    "SELECT " CAMPAIGN_COLS " FROM campaigns WHERE id = $1", 1);
	/* Guarded by the version read: a change in between is a 412. */
	static struct stmt update = STMT(
	    "SELECT " CAMPAIGN_COLS " FROM campaign_update($1, $2, $3, $4, $5,"
	    " $6, $7, $8)", 8);
	struct campaign_in in;
	char		 id[24], ver[12], d[5][WF_DATE_LEN + 1];
	const char	*p[8];
	unsigned	 present = 0;
	PGresult	*res = NULL, *res2 = NULL;
	json_t		*before = NULL, *after = NULL, *errors;

	memset(&in, 0, sizeof(in));
	if (validate_json(r, r->json, patch_fields, CPF__MAX, &in,
	    &present) == -1 || national(r) == -1)
		return;
	if (present & (1u << CPF_YEAR)) {
		reply_problem(r, 422, NULL, "some fields are missing or "
		    "invalid", problem_field(NULL, "year", "年度不能修改"));
		return;
	}
	if (present == 0) {
		reply_problem(r, 422, NULL, "nothing to change", NULL);
		return;
	}
	snprintf(id, sizeof(id), "%lld", (long long)r->ids[0]);
	p[0] = id;
	if ((res = db_exec(r, &load, p)) == NULL)
		goto dberr;
	if (PQntuples(res) != 1) {
		PQclear(res);
		reply_problem(r, 404, NULL, "no such campaign", NULL);
		return;
	}
	if (reply_precondition(r, atoi(db_get(res, 0, "version")),
	    "campaign") == -1) {
		PQclear(res);
		return;
	}
	in.year = r->ids[0];
	if (!(present & (1u << CPF_NAME)))
		in.name = db_get(res, 0, "name");
	keep_date(res, "starts_on", present, CPF_STARTS, &in.starts_on);
	keep_date(res, "risk_investigation_by", present, CPF_RISK,
	    &in.risk_investigation_by);
	keep_date(res, "governance_by", present, CPF_GOV, &in.governance_by);
	keep_date(res, "interim_report_due", present, CPF_STAGE,
	    &in.stage_report_due);
	keep_date(res, "annual_report_due", present, CPF_ANNUAL,
	    &in.annual_report_due);
	if ((errors = dates_check(&in)) != NULL) {
		PQclear(res);
		reply_problem(r, 422, NULL, "some fields are missing or "
		    "invalid", errors);
		return;
	}
	wf_date_format(in.starts_on, d[0]);
	wf_date_format(in.risk_investigation_by, d[1]);
	wf_date_format(in.governance_by, d[2]);
	wf_date_format(in.stage_report_due, d[3]);
	wf_date_format(in.annual_report_due, d[4]);
	snprintf(ver, sizeof(ver), "%d", r->if_match);
	p[1] = ver;
	p[2] = in.name;
	p[3] = d[0];
	p[4] = d[1];
	p[5] = d[2];
	p[6] = d[3];
	p[7] = d[4];
	if ((before = campaign_json(res, 0)) == NULL ||
	    (res2 = db_exec(r, &update, p)) == NULL)
		goto dberr;
	if (PQntuples(res2) != 1) {
		/* Changed since it was read: as stale as a wrong If-Match. */
		reply_problem(r, 412, NULL, "the campaign has changed since "
		    "you read it; reload it", NULL);
		goto out;
	}
	if ((after = campaign_json(res2, 0)) == NULL ||
	    change_update(r, LEDGER_CAMPAIGN, r->ids[0], "000000", before,
	    after, campaign_keys) == -1)
		goto dberr;
	PQclear(res);
	PQclear(res2);
	json_decref(before);
	reply_resource(r, 200, after, "campaign", NULL);
	return;
dberr:
	reply_db_error(r);
out:
	json_decref(before);
	json_decref(after);
	PQclear(res);
	PQclear(res2);
}
