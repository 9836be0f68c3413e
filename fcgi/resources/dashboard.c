/*
 * dashboard.c: the campaign as a coordinator sees it (API.md Part 2,
 * "Responsibility, reminders, supervision").
 *
 *	GET /api/v1/dashboard?campaign=&region=
 *
 * For one campaign (default: this year's, else the latest) and one
 * region and everything below it (default: the user's own; one outside
 * the user's scope is 404):
 *
 *	milestones	the campaign's two dates -- risk_investigation (完成
 *			风险排查, 7月底) and governance (全面完成排查治理, 动态
 *			清零, 10月底) -- met, missed or pending: pending until
 *			the day has passed; then met when every case
 *			registered by its end had, by then, its measures
 *			decided (risk_investigation: it had left detected) or
 *			been closed (governance); missed otherwise.  Each
 *			gives its cohort and how many of it fell short.
 *	totals		cases, open, closed (closed or in look-back),
 *			overdue (an open deadline past due: the list's
 *			?overdue=true), clearance_rate = closed / cases in
 *			per cent, one decimal
 *	by_region	each child region (and the region itself, "本级",
 *			where cases sit at its own level), with its open
 *			supervisions (挂牌督办 of its cases or of it)
 *	by_category	each category with cases
 *	weekly		cases opened and closed per week (Monday, CST)
 *	path		the regions from the top of the user's scope down to
 *			this one, for the way back up
 *
 * The counts are the scheduler's (the job dashboard_tallies, kept per
 * campaign and region: sql/0055_dashboard.sql), as of the end of its
 * last round -- the reply's as_of: a province's half a million cases
 * are not counted again at each request.  Here the rows of the regions
 * in the subtree are added up, rolled up into the children; open
 * supervisions are counted live.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/base.h"
#include "../front/front.h"
#include "resources.h"

#define MAX_CHILDREN	64	/* children of one region (a province: ~20) */

struct dash_in {
	long long	 campaign;
	const char	*region;
};

static const struct vfield dash_fields[] = {
	{ "campaign", VT_ID, 0, 0, 0, NULL, NULL,
	    offsetof(struct dash_in, campaign) },
	{ "region", VT_REGION, 0, 0, 0, NULL, NULL,
	    offsetof(struct dash_in, region) },
};

/* Counts of one row of the view. */
struct tally {
	long long	 cases, closed, overdue, supervised;
};

struct child {
	char		 code[7];
	const char	*name;		/* borrowed from the result */
	struct tally	 t;
};

/* closed / cases in per cent, rounded to one decimal. */
static double
rate(long long closed, long long cases)
{
	/* In tenths of a per cent, rounded half up: integers only. */
	return cases == 0 ? 0.0 :
	    (double)((closed * 1000 + cases / 2) / cases) / 10.0;
}

static json_t *
tally_json(const struct tally *t)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:f}",
	    "cases", (json_int_t)t->cases,
	    "open", (json_int_t)(t->cases - t->closed),
	    "closed", (json_int_t)t->closed,
	    "overdue", (json_int_t)t->overdue,
	    "clearance_rate", rate(t->closed, t->cases));
}

/*
 * The child of the region whose children are `ch` that covers `code`
 * (a code in the region's subtree): the first whose code is a prefix of
 * it by region_covers()'s rule, else -1 (the region's own level).
 */
static int
child_of(const struct child *ch, int n, const char *code)
{
	int	 i;
	size_t	 len;

	for (i = 0; i < n; i++) {
		len = strcmp(ch[i].code + 2, "0000") == 0 ? 2 :
		    strcmp(ch[i].code + 4, "00") == 0 ? 4 : 6;
		if (strncmp(ch[i].code, code, len) == 0)
			return i;
	}
	return -1;
}

/*
 * A milestone: due on `date` (NULL: the campaign has none), with its
 * cohort and how many of it fell short; `passed`: the day is over.
 */
static json_t *
milestone(const char *id, const char *label, const char *date, int passed,
    long long cohort, long long unmet)
{
	const char	*status;

	if (date == NULL || !passed)
		status = "pending";
	else
		status = unmet == 0 ? "met" : "missed";
	return json_pack("{s:s, s:s, s:s?, s:s, s:I, s:I}", "id", id,
	    "label", label, "date", date, "status", status,
	    "cohort", (json_int_t)cohort, "unmet", (json_int_t)unmet);
}

/* Add `n` to the count `which` of the week `day` (a Monday). */
static void
week_add(json_t *weeks, const char *day, const char *which, long long n)
{
	json_t	*w;

	if ((w = json_object_get(weeks, day)) == NULL) {
		w = json_pack("{s:s, s:I, s:I}", "week", day, "opened",
		    (json_int_t)0, "closed", (json_int_t)0);
		json_object_set_new(weeks, day, w);
	}
	json_object_set_new(w, which, json_integer(json_integer_value(
	    json_object_get(w, which)) + (json_int_t)n));
}

/* The tally of row `i` of dashboard_read()'s result. */
static void
tally_of(const PGresult *g, int i, struct tally *t)
{
	t->cases = strtoll(db_get(g, i, "cases"), NULL, 10);
	t->closed = strtoll(db_get(g, i, "closed"), NULL, 10);
	t->overdue = strtoll(db_get(g, i, "overdue"), NULL, 10);
}

static void
tally_add(struct tally *to, const struct tally *t)
{
	to->cases += t->cases;
	to->closed += t->closed;
	to->overdue += t->overdue;
}

/* A category's counts, as the rows come (they are few). */
struct bucket {
	char		 key[48];
	struct tally	 t;
};

#define MAX_BUCKETS	256

/*
 * The weeks from the first to the last present, each Monday with its
 * counts (zero where none), in order: a new array.
 */
static json_t *
weeks_list(json_t *weeks)
{
	json_t		*out = json_array(), *w;
	const char	*k, *first = NULL, *last = NULL;
	char		 d[WF_DATE_LEN + 1];
	int		 day, end;

	json_object_foreach(weeks, k, w) {
		if (first == NULL || strcmp(k, first) < 0)
			first = k;
		if (last == NULL || strcmp(k, last) > 0)
			last = k;
	}
	if (first == NULL || wf_date_parse(first, &day) != WF_DATE_OK ||
	    wf_date_parse(last, &end) != WF_DATE_OK)
		return out;
	for (; day <= end; day += 7) {
		wf_date_format(day, d);
		if ((w = json_object_get(weeks, d)) != NULL)
			json_array_append(out, w);
		else
			json_array_append_new(out, json_pack("{s:s, s:i, s:i}",
			    "week", d, "opened", 0, "closed", 0));
	}
	return out;
}

void
dashboard_get(struct req *r)
{
	static struct stmt scope = STMT(
	    "SELECT k.id, k.name AS campaign_name,"
	    " k.risk_investigation_by::text AS ri,"
	    " k.governance_by::text AS gv,"
	    " (k.risk_investigation_by < today_cst()) AS ri_passed,"
	    " (k.governance_by < today_cst()) AS gv_passed,"
	    " rg.code, rg.name AS region_name, in_scope(rg.code) AS mine,"
	    " rfc3339(coalesce(dashboard_as_of(), now())) AS as_of"
	    " FROM regions rg LEFT JOIN campaigns k ON k.id = coalesce($1,"
	    "   (SELECT id FROM campaigns WHERE year = extract(year FROM"
	    "    today_cst())), (SELECT max(id) FROM campaigns))"
	    " WHERE rg.code = $2", 2);
	static struct stmt children = STMT(
	    "SELECT code, name FROM regions WHERE parent = $1"
	    " AND (valid_to IS NULL OR valid_to > today_cst()) ORDER BY code",
	    1);
	static struct stmt tallies = STMT(
	    "SELECT region, dim, key, cases, closed, overdue, ri_cohort,"
	    " ri_unmet, gv_cohort, gv_unmet FROM dashboard_read($1, $2)", 2);
	static struct stmt supervised = STMT(
	    "SELECT region, count(*) AS n FROM supervisions"
	    " WHERE state = 'open' AND region >= region_lo($1::char(6))"
	    " AND region < region_hi($1::char(6)) GROUP BY region", 1);
	static struct stmt categories = STMT(
	    "SELECT id, name FROM categories ORDER BY province NULLS FIRST,"
	    " ord", 0);
	/* The way down to the region from the top of the user's scope. */
	static struct stmt path = STMT(
	    "WITH RECURSIVE up (code, name, parent, depth) AS ("
	    " SELECT code, name, parent, 0 FROM regions WHERE code = $1"
	    " UNION ALL SELECT r.code, r.name, r.parent, u.depth + 1"
	    " FROM regions r JOIN up u ON r.code = u.parent)"
	    " SELECT code, name FROM up WHERE in_scope(code)"
	    " ORDER BY depth DESC", 1);
	struct dash_in	 in;
	struct child	 ch[MAX_CHILDREN];
	struct tally	 total, own, one, *t;
	struct bucket	*cat = NULL;
	struct dbq	 q[5];
	PGresult	*res = NULL, *g;
	const char	*p[2], *pr[1], *pt[2], *region, *dim;
	char		 camp[24], region_code[7];
	char		*ri = NULL, *gv = NULL;
	json_t		*o = NULL, *by_region, *cats, *weeks, *v;
	long long	 n, ri_cohort = 0, ri_unmet = 0, gv_cohort = 0;
	long long	 gv_unmet = 0;
	int		 i, k, nch = 0, ncat = 0, ri_passed, gv_passed;

	memset(&in, 0, sizeof(in));
	memset(&total, 0, sizeof(total));
	memset(&own, 0, sizeof(own));
	if (validate_query(r, dash_fields, NITEMS(dash_fields), &in,
	    NULL) == -1)
		return;
	snprintf(camp, sizeof(camp), "%lld", in.campaign);
	p[0] = in.campaign != 0 ? camp : NULL;
	p[1] = in.region != NULL ? in.region : r->user.region;
	if ((res = db_exec(r, &scope, p)) == NULL)
		goto dberr;
	if (PQntuples(res) != 1 || strcmp(db_get(res, 0, "mine"), "t") != 0) {
		reply_problem(r, 404, NULL, "no such region in your scope",
		    NULL);
		goto out;
	}
	if (db_isnull(res, 0, "id")) {
		reply_problem(r, 404, NULL, "no such campaign", NULL);
		goto out;
	}
	snprintf(camp, sizeof(camp), "%s", db_get(res, 0, "id"));
	snprintf(region_code, sizeof(region_code), "%s", db_get(res, 0,
	    "code"));
	ri = db_isnull(res, 0, "ri") ? NULL : strdup(db_get(res, 0, "ri"));
	gv = db_isnull(res, 0, "gv") ? NULL : strdup(db_get(res, 0, "gv"));
	ri_passed = strcmp(db_get(res, 0, "ri_passed"), "t") == 0;
	gv_passed = strcmp(db_get(res, 0, "gv_passed"), "t") == 0;
	o = json_pack("{s:I, s:s, s:s, s:s, s:s}",
	    "campaign_id", (json_int_t)strtoll(camp, NULL, 10),
	    "campaign_name", db_get(res, 0, "campaign_name"),
	    "region", region_code,
	    "region_name", db_get(res, 0, "region_name"),
	    "as_of", db_get(res, 0, "as_of"));
	PQclear(res);
	res = NULL;
	if (o == NULL) {
		req_fail(r, "dashboard: could not build its JSON");
		goto dberr;
	}

	/* The rest in one round trip. */
	pr[0] = region_code;
	pt[0] = camp;
	pt[1] = region_code;
	q[0].s = &children;
	q[0].params = pr;
	q[1].s = &tallies;
	q[1].params = pt;
	q[2].s = &supervised;
	q[2].params = pr;
	q[3].s = &categories;
	q[3].params = NULL;
	q[4].s = &path;
	q[4].params = pr;
	if (db_pipeline(r, NULL, q, NITEMS(q)) == -1)
		goto dberr;

	for (i = 0; i < PQntuples(q[0].res) && nch < MAX_CHILDREN; i++) {
		memset(&ch[nch], 0, sizeof(ch[nch]));
		snprintf(ch[nch].code, sizeof(ch[nch].code), "%s",
		    db_get(q[0].res, i, "code"));
		ch[nch].name = db_get(q[0].res, i, "name");
		nch++;
	}
	g = q[1].res;
	if ((cat = calloc(MAX_BUCKETS, sizeof(*cat))) == NULL) {
		req_fail(r, "dashboard: out of memory");
		db_pipeline_clear(q, NITEMS(q));
		goto dberr;
	}
	weeks = json_object();
	for (i = 0; i < PQntuples(g); i++) {
		dim = db_get(g, i, "dim");
		tally_of(g, i, &one);
		if (strcmp(dim, "all") == 0) {
			region = db_get(g, i, "region");
			k = strcmp(region, region_code) == 0 ? -1 :
			    child_of(ch, nch, region);
			t = k >= 0 ? &ch[k].t : &own;
			tally_add(t, &one);
			tally_add(&total, &one);
			ri_cohort += strtoll(db_get(g, i, "ri_cohort"), NULL,
			    10);
			ri_unmet += strtoll(db_get(g, i, "ri_unmet"), NULL,
			    10);
			gv_cohort += strtoll(db_get(g, i, "gv_cohort"), NULL,
			    10);
			gv_unmet += strtoll(db_get(g, i, "gv_unmet"), NULL,
			    10);
		} else if (strcmp(dim, "category") == 0) {
			for (k = 0; k < ncat && strcmp(cat[k].key,
			    db_get(g, i, "key")) != 0; k++)
				continue;
			if (k == ncat && ncat < MAX_BUCKETS)
				snprintf(cat[ncat++].key, sizeof(cat[0].key),
				    "%s", db_get(g, i, "key"));
			if (k < ncat)
				tally_add(&cat[k].t, &one);
		} else
			week_add(weeks, db_get(g, i, "key"), strcmp(dim,
			    "opened") == 0 ? "opened" : "closed", one.cases);
	}
	for (i = 0; i < PQntuples(q[2].res); i++) {
		region = db_get(q[2].res, i, "region");
		n = strtoll(db_get(q[2].res, i, "n"), NULL, 10);
		k = strcmp(region, region_code) == 0 ? -1 :
		    child_of(ch, nch, region);
		(k >= 0 ? &ch[k].t : &own)->supervised += n;
		total.supervised += n;
	}

	by_region = json_array();
	for (i = 0; i < nch; i++) {
		v = tally_json(&ch[i].t);
		json_object_set_new(v, "region", json_string(ch[i].code));
		json_object_set_new(v, "name", json_string(ch[i].name));
		json_object_set_new(v, "supervised",
		    json_integer((json_int_t)ch[i].t.supervised));
		json_object_set_new(v, "drill", json_true());
		json_array_append_new(by_region, v);
	}
	if (own.cases > 0 || own.supervised > 0 || nch == 0) {
		v = tally_json(&own);
		json_object_set_new(v, "region", json_string(region_code));
		json_object_set_new(v, "name", json_string(nch == 0 ?
		    json_string_value(json_object_get(o, "region_name")) :
		    "本级"));
		json_object_set_new(v, "supervised",
		    json_integer((json_int_t)own.supervised));
		json_object_set_new(v, "drill", json_false());
		json_array_append_new(by_region, v);
	}
	/* Categories in the seed's order, those with cases. */
	cats = json_array();
	for (i = 0; i < PQntuples(q[3].res); i++) {
		for (k = 0; k < ncat && strcmp(cat[k].key, db_get(q[3].res, i,
		    "id")) != 0; k++)
			continue;
		if (k == ncat)
			continue;
		v = tally_json(&cat[k].t);
		json_object_set_new(v, "category", json_string(cat[k].key));
		json_object_set_new(v, "name", json_string(db_get(q[3].res, i,
		    "name")));
		json_array_append_new(cats, v);
	}

	v = tally_json(&total);
	json_object_set_new(v, "supervised",
	    json_integer((json_int_t)total.supervised));
	json_object_set_new(o, "totals", v);
	json_object_set_new(o, "milestones", json_pack("[o, o]",
	    milestone("risk_investigation", "完成风险排查", ri, ri_passed,
	    ri_cohort, ri_unmet),
	    milestone("governance", "全面完成排查治理（动态清零）", gv,
	    gv_passed, gv_cohort, gv_unmet)));
	json_object_set_new(o, "by_region", by_region);
	json_object_set_new(o, "by_category", cats);
	json_object_set_new(o, "weekly", weeks_list(weeks));
	v = json_array();
	for (i = 0; i < PQntuples(q[4].res); i++)
		json_array_append_new(v, json_pack("{s:s, s:s}", "region",
		    db_get(q[4].res, i, "code"), "name", db_get(q[4].res, i,
		    "name")));
	json_object_set_new(o, "path", v);
	json_decref(weeks);
	db_pipeline_clear(q, NITEMS(q));
	reply_json(r, 200, o);
	o = NULL;
	goto out;
dberr:
	reply_db_error(r);
out:
	json_decref(o);
	PQclear(res);
	free(ri);
	free(gv);
	free(cat);
}
