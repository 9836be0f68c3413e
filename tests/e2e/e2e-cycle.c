/*
 * e2e-cycle.c: the reporting cycle (API.md Part 2, "The reporting
 * cycle"; issue 19), against the test instance:
 *
 *  - campaigns: made by a national admin (201, audited), a year twice
 *    409, dates out of order 422, an officer 403; edited with If-Match
 *    (428 without, 412 stale); last year's campaign feeds 同比变化;
 *  - the form as of a day: a day's form never changes after the day
 *    (records entered later are not in it); a day in the future or
 *    before the campaign 422, an unknown campaign 404;
 *  - submissions: frozen, signed (the statement verifies with `openssl
 *    pkeyutl -verify` against the checkpoint's public key, and names
 *    the form's and the workbook's SHA-256), late after the milestone;
 *    an activity recorded after it leaves the frozen form unchanged
 *    byte for byte, changes the live form and is listed as a late
 *    entry; twice 409, another region 403/404, a return by a
 *    non-parent 403, twice 409; the next one is version 2 and every
 *    version stays readable; the parent sees its children's states;
 *  - the national roll-up of two provinces' submissions is the sum of
 *    their frozen forms, cell by cell;
 *  - voids: a voided activity leaves the form, stays listed, is an
 *    audited event; twice 409.
 * Every refusal changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "e2e.h"

static struct client	*admin, *o, *sh, *cb, *cn, *cs, *au;

static int
setup(void **state)
{
	(void)state;
	if (user_make("coord.sh", "310000", "coordinator") != 0)
		fail_msg("could not make coord.sh");
	admin = client_login("admin", DEMO_PASSWORD);
	o = client_login("officer.bj", DEMO_PASSWORD);
	sh = client_login("officer.sh", DEMO_PASSWORD);
	cb = client_login("coord.bj", DEMO_PASSWORD);
	cn = client_login("coord.nat", DEMO_PASSWORD);
	cs = client_login("coord.sh", DEMO_PASSWORD);
	au = client_login("auditor.bj", DEMO_PASSWORD);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	client_free(admin);
	client_free(o);
	client_free(sh);
	client_free(cb);
	client_free(cn);
	client_free(cs);
	client_free(au);
	return 0;
}

/* The first cell of `sql` as a number (superuser). */
static long long
db_count(const char *sql)
{
	PGconn		*db = db_admin();
	char		*v = db_value(db, sql, NULL);
	long long	 n;

	assert_non_null(v);
	n = strtoll(v, NULL, 10);
	free(v);
	PQfinish(db);
	return n;
}

/* GET `path` as `c`, 200 expected; the body's JSON (new). */
static json_t *
get_json(struct client *c, const char *path)
{
	struct resp	 r;
	json_t		*j;

	http_get(c, path, &r);
	assert_status(&r, 200);
	j = json_incref(r.json);
	resp_free(&r);
	return j;
}

/* GET `path` as `c`, 200 expected; the body's bytes (malloc'd). */
static char *
get_bytes(struct client *c, const char *path, size_t *len)
{
	struct resp	 r;
	char		*b;

	http_get(c, path, &r);
	assert_status(&r, 200);
	b = malloc(r.len + 1);
	memcpy(b, r.body, r.len);
	b[r.len] = '\0';
	*len = r.len;
	resp_free(&r);
	return b;
}

/* Canonical JSON (sorted, compact) of `j` (malloc'd). */
static char *
canonical(const json_t *j)
{
	char	*s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);

	assert_non_null(s);
	return s;
}

static void
sha_hex(const void *b, size_t n, char out[65])
{
	unsigned char	 d[SHA256_DIGEST_LENGTH];
	int		 i;

	SHA256(b, n, d);
	for (i = 0; i < SHA256_DIGEST_LENGTH; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* The form row named `name` of form `f` (borrowed), or fail. */
static json_t *
form_row(json_t *f, const char *name)
{
	size_t	 i;
	json_t	*row;

	json_array_foreach(json_object_get(f, "rows"), i, row)
		if (strcmp(json_string_value(json_array_get(row, 0)),
		    name) == 0)
			return row;
	fail_msg("no row %s in the form", name);
	return NULL;
}

/* The column index of heading `h` in form `f`. */
static size_t
form_col(json_t *f, const char *h)
{
	size_t	 i;
	json_t	*v;

	json_array_foreach(json_object_get(f, "columns"), i, v)
		if (strcmp(json_string_value(v), h) == 0)
			return i;
	fail_msg("no column %s", h);
	return 0;
}

static long long
cell_int(json_t *f, const char *row, const char *col)
{
	return json_integer_value(json_array_get(form_row(f, row),
	    form_col(f, col)));
}

/* An activity of `body` (stolen) by `c`; its id. */
static long long
activity(struct client *c, json_t *body)
{
	struct resp	 r;
	long long	 id;

	http_json(c, "POST", "/api/v1/activities", body, NULL, &r);
	assert_status(&r, 201);
	id = json_integer_value(json_object_get(r.json, "id"));
	assert_true(id > 0);
	resp_free(&r);
	return id;
}

/* A risk_monitoring activity in `region` of campaign 2026 on `on`. */
static long long
monitoring(struct client *c, const char *region, const char *on, int batches)
{
	return activity(c, json_pack("{s:s, s:i, s:s, s:s, s:s, s:i, s:i}",
	    "kind", "risk_monitoring", "campaign_id", 2026, "category",
	    "cement", "on", on, "region", region, "batches", batches,
	    "problems_found", 0));
}

/* ------------------------------------------------------------------ */
/* Campaigns                                                          */
/* ------------------------------------------------------------------ */

static json_t *
campaign_body(int year, const char *inv, const char *gov)
{
	return json_pack("{s:i, s:s, s:s, s:s, s:s, s:s}", "year", year,
	    "name", "e2e 专项行动", "risk_investigation_by", inv,
	    "governance_by", gov, "stage_report_due", fmt("%d-07-31", year),
	    "annual_report_due", fmt("%d-11-10", year));
}

/* Campaign 2025 exists (made here, or by an earlier run); its version. */
static int
campaign_2025(void)
{
	struct resp	 r;
	int		 v;

	http_get(admin, "/api/v1/campaigns/2025", &r);
	if (r.status == 404) {
		resp_free(&r);
		http_json(admin, "POST", "/api/v1/campaigns",
		    campaign_body(2025, "2025-07-31", "2025-10-31"), NULL, &r);
		assert_status(&r, 201);
		assert_int_equal(json_integer_value(json_object_get(r.json,
		    "id")), 2025);
	}
	assert_true(r.status == 200 || r.status == 201);
	v = (int)json_integer_value(json_object_get(r.json, "version"));
	resp_free(&r);
	return v;
}

static void
test_campaigns(void **state)
{
	struct resp	 r;
	long long	 events;
	int		 v;
	char		*h;
	const char	*hdr[2] = { NULL, NULL };

	(void)state;
	v = campaign_2025();
	events = db_count("SELECT count(*) FROM ledger_events WHERE entity ="
	    " 'campaign' AND entity_id = 2025");
	assert_true(events >= 1);
	/* The same year again: 409; bad dates: 422; not an admin: 403. */
	http_json(admin, "POST", "/api/v1/campaigns", campaign_body(2025,
	    "2025-07-31", "2025-10-31"), NULL, &r);
	assert_problem_field(&r, 409, "year");
	resp_free(&r);
	http_json(admin, "POST", "/api/v1/campaigns", campaign_body(2031,
	    "2031-07-31", "2031-06-30"), NULL, &r);
	assert_problem_field(&r, 422, "governance_by");
	resp_free(&r);
	http_json(admin, "POST", "/api/v1/campaigns", campaign_body(1999,
	    "1999-07-31", "1999-10-31"), NULL, &r);
	assert_problem_field(&r, 422, "year");
	resp_free(&r);
	http_json(admin, "POST", "/api/v1/campaigns", json_pack("{s:i}",
	    "year", 2032), NULL, &r);
	assert_problem(&r, 422);
	resp_free(&r);
	http_json(o, "POST", "/api/v1/campaigns", campaign_body(2033,
	    "2033-07-31", "2033-10-31"), NULL, &r);
	assert_problem(&r, 403);
	resp_free(&r);
	assert_int_equal(db_count("SELECT count(*) FROM campaigns WHERE year"
	    " IN (1999, 2031, 2032, 2033)"), 0);

	/* Edits: If-Match required and current; audited; order kept. */
	http_json(admin, "PATCH", "/api/v1/campaigns/2025", json_pack("{s:s}",
	    "governance_by", "2025-10-30"), NULL, &r);
	assert_problem(&r, 428);
	resp_free(&r);
	h = fmt("If-Match: \"%d\"", v + 1);
	hdr[0] = h;
	http_json(admin, "PATCH", "/api/v1/campaigns/2025", json_pack("{s:s}",
	    "governance_by", "2025-10-30"), hdr, &r);
	assert_problem(&r, 412);
	resp_free(&r);
	free(h);
	h = fmt("If-Match: \"%d\"", v);
	hdr[0] = h;
	http_json(admin, "PATCH", "/api/v1/campaigns/2025", json_pack("{s:s}",
	    "governance_by", "2025-06-30"), hdr, &r);
	assert_problem_field(&r, 422, "governance_by");
	resp_free(&r);
	http_json(admin, "PATCH", "/api/v1/campaigns/2025", json_pack("{s:s}",
	    "governance_by", v % 2 ? "2025-10-30" : "2025-10-31"), hdr, &r);
	assert_status(&r, 200);
	assert_int_equal(json_integer_value(json_object_get(r.json,
	    "version")), v + 1);
	resp_free(&r);
	free(h);
	assert_int_equal(db_count("SELECT count(*) FROM ledger_events WHERE"
	    " entity = 'campaign' AND entity_id = 2025"), events + 1);
	/*
	 * The database backs it: the service's role cannot write campaigns
	 * itself, and its functions refuse a session that is not a
	 * national admin's.
	 */
	{
		PGconn		*app = db_app();
		PGresult	*res;
		const char	*sql[] = {
		    "UPDATE campaigns SET name = 'x' WHERE id = 2025",
		    "SELECT * FROM campaign_update(2025, 1, 'x', '2025-01-01',"
		    " '2025-07-31', '2025-10-31', '2025-07-31', '2025-11-10')",
		};
		const char	*want[] = { "42501", "PA403" };
		int		 k;

		free(db_scope_as(app, o));
		for (k = 0; k < 2; k++) {
			res = PQexec(app, sql[k]);
			assert_non_null(PQresultErrorField(res,
			    PG_DIAG_SQLSTATE));
			assert_string_equal(PQresultErrorField(res,
			    PG_DIAG_SQLSTATE), want[k]);
			PQclear(res);
		}
		PQfinish(app);
	}
	/* GET /campaigns lists it with API.md's names. */
	http_get(o, "/api/v1/campaigns", &r);
	assert_status(&r, 200);
	assert_non_null(strstr(r.body, "\"stage_report_due\":\"2025-07-31\""));
	resp_free(&r);
}

/*
 * 同比变化: with campaign 2025 made through the API, Shanghai's 2026
 * spot checks of a category are compared with 2025's: the cell is
 * (failed/batches 2026 - failed/batches 2025) in points, one decimal,
 * signed -- computed here from the two forms' own batch counts.
 */
static void
test_year_on_year(void **state)
{
	char		 uscc[19], want[48];
	long long	 eid, b26, f26, b25, f25, num, den, q;
	json_t		*f2025, *f2026;
	const char	*got, *cat = "水泥";
	const char	*B = "监督抽查/生产领域/抽查批次";
	const char	*F = "监督抽查/生产领域/不合格批次";

	(void)state;
	(void)campaign_2025();
	eid = fixture_enterprise(sh, "310101", uscc);
	activity(sh, json_pack("{s:s, s:i, s:s, s:s, s:I, s:s, s:i, s:i}",
	    "kind", "spot_check", "campaign_id", 2025, "category", "cement",
	    "on", "2025-06-01", "enterprise_id", (json_int_t)eid, "domain",
	    "production", "batches", 8, "failed_batches", 1));
	activity(sh, json_pack("{s:s, s:i, s:s, s:s, s:I, s:s, s:i, s:i}",
	    "kind", "spot_check", "campaign_id", 2026, "category", "cement",
	    "on", cst_day(-1), "enterprise_id", (json_int_t)eid, "domain",
	    "production", "batches", 6, "failed_batches", 2));
	f2025 = get_json(sh, "/api/v1/reports/campaign/2025?region=310000");
	f2026 = get_json(sh, "/api/v1/reports/campaign/2026?region=310000");
	b25 = cell_int(f2025, cat, B);
	f25 = cell_int(f2025, cat, F);
	b26 = cell_int(f2026, cat, B);
	f26 = cell_int(f2026, cat, F);
	assert_true(b25 >= 8 && b26 >= 6);
	/* Tenths of a point, rounded half away from zero. */
	num = (f26 * b25 - f25 * b26) * 1000;
	den = b26 * b25;
	q = (num >= 0 ? num + den / 2 : num - den / 2) / den;
	snprintf(want, sizeof(want), "%s%lld.%lld", q < 0 ? "-" : "+",
	    llabs(q) / 10, llabs(q) % 10);
	got = json_string_value(json_array_get(form_row(f2026, cat),
	    form_col(f2026, "监督抽查/生产领域/同比变化")));
	assert_non_null(got);
	assert_string_equal(got, want);
	json_decref(f2025);
	json_decref(f2026);
}

/* ------------------------------------------------------------------ */
/* The form as of a day                                               */
/* ------------------------------------------------------------------ */

static void
test_as_of(void **state)
{
	static const char *const h[] = { "If-Match: \"1\"", NULL };
	struct resp	 r;
	char		*a, *b, *path, *tpath;
	size_t		 la, lb;
	long long	 k, interviewed;
	json_t		*j;

	(void)state;
	path = fmt("/api/v1/reports/campaign/2026?region=110000&as_of=%s",
	    cst_day(-1));
	a = get_bytes(o, path, &la);
	j = get_json(o, "/api/v1/reports/campaign/2026?region=110000");
	interviewed = cell_int(j, "合计", "约谈/约谈企业(家)");
	json_decref(j);
	/* Recorded today, dated yesterday: not in yesterday's form.  Nor
	 * an interview held today (its event's time, not the day it
	 * names), of an enterprise never interviewed before: today's form
	 * counts it. */
	monitoring(o, "110000", cst_day(-1), 3);
	k = case_make(o, enterprise_make("110105", "约谈测试企业"), "约谈");
	http_json(o, "POST", (tpath = fmt("/api/v1/cases/%lld/transitions",
	    k)), json_pack("{s:s, s:{s:s, s:[s], s:s}}", "event",
	    "hold_interview", "payload", "held_on", cst_day(-1), "attendees",
	    "企业负责人", "minutes", "约谈纪要"), h, &r);
	assert_status(&r, 200);
	resp_free(&r);
	free(tpath);
	j = get_json(o, "/api/v1/reports/campaign/2026?region=110000");
	assert_int_equal(cell_int(j, "合计", "约谈/约谈企业(家)"), interviewed + 1);
	json_decref(j);
	b = get_bytes(o, path, &lb);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	j = json_loads(a, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(j, "as_of")),
	    cst_day(-1));
	json_decref(j);
	free(a);
	free(b);
	free(path);
	/* The XLSX of a day too. */
	path = fmt("/api/v1/reports/campaign/2026?as_of=%s&format=xlsx",
	    cst_day(0));
	a = get_bytes(o, path, &la);
	assert_true(la > 1000 && memcmp(a, "PK", 2) == 0);
	free(a);
	free(path);
	/* The future, before the campaign, not a date, no campaign. */
	path = fmt("/api/v1/reports/campaign/2026?as_of=%s", cst_day(1));
	http_get(o, path, &r);
	assert_problem_field(&r, 422, "as_of");
	resp_free(&r);
	free(path);
	http_get(o, "/api/v1/reports/campaign/2026?as_of=2025-12-31", &r);
	assert_problem_field(&r, 422, "as_of");
	resp_free(&r);
	/* A query parameter that is no date is a bad query (400). */
	http_get(o, "/api/v1/reports/campaign/2026?as_of=2026-02-30", &r);
	assert_problem_field(&r, 400, "as_of");
	resp_free(&r);
	http_get(o, "/api/v1/reports/campaign/2099?as_of=2026-01-02", &r);
	assert_problem(&r, 404);
	resp_free(&r);
}

/* ------------------------------------------------------------------ */
/* Submissions                                                        */
/* ------------------------------------------------------------------ */

/*
 * The standing 2026 `kind` submission of `region`, if an earlier run
 * left one, returned by `parent` so that this run submits anew.
 */
static void
clear_standing(struct client *parent, const char *region, const char *kind)
{
	PGconn	*db = db_admin();
	char	*sql = fmt("SELECT id FROM submissions WHERE campaign_id ="
	    " 2026 AND region = '%s' AND kind = '%s' AND state ="
	    " 'submitted'", region, kind);
	char	*id = db_value(db, sql, NULL);
	char	*path;

	if (id != NULL) {
		path = fmt("/api/v1/submissions/%s/return", id);
		assert_int_equal(status_of(parent, "POST", path, json_pack(
		    "{s:s}", "reason", "e2e: 重新报送"), NULL), 200);
		free(path);
	}
	free(id);
	free(sql);
	PQfinish(db);
}

/* Submit as `c`; 201 expected; the submission (new). */
static json_t *
submit(struct client *c, const char *kind, const char *summary)
{
	struct resp	 r;
	json_t		*j;

	http_json(c, "POST", "/api/v1/campaigns/2026/submissions", json_pack(
	    "{s:s, s:s}", "kind", kind, "summary", summary), NULL, &r);
	assert_status(&r, 201);
	j = json_incref(r.json);
	resp_free(&r);
	return j;
}

static long long
count_submissions(void)
{
	return db_count("SELECT count(*) FROM submissions");
}

/* Write `n` bytes of `b` to a new file of the test's; its path. */
static char *
file_of(const char *name, const void *b, size_t n)
{
	char	*path = fmt("/tmp/e2e-cycle-%ld-%s", (long)getpid(), name);
	FILE	*f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
	return path;
}

/* openssl pkeyutl -verify of `msg` with `sig` (raw) under `pem`. */
static int
openssl_verifies(const char *msg, size_t mlen, const unsigned char *sig,
    size_t slen, const char *pem)
{
	char	*m = file_of("statement", msg, mlen);
	char	*s = file_of("sig", sig, slen);
	char	*k = file_of("pub.pem", pem, strlen(pem));
	char	*cmd = fmt("openssl pkeyutl -verify -pubin -inkey %s -rawin"
	    " -in %s -sigfile %s >/dev/null 2>&1", k, m, s);
	int	 st = system(cmd);

	unlink(m);
	unlink(s);
	unlink(k);
	free(m);
	free(s);
	free(k);
	free(cmd);
	return st == 0;
}

/* Base64 (no newlines) into `out`; its length. */
static size_t
unbase64(const char *in, unsigned char *out, size_t size)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	    "qrstuvwxyz0123456789+/";
	unsigned	 acc = 0;
	int		 bits = 0;
	size_t		 n = 0;
	const char	*p;

	for (; *in != '\0' && *in != '='; in++) {
		if ((p = strchr(al, *in)) == NULL)
			fail_msg("not base64: %c", *in);
		acc = acc << 6 | (unsigned)(p - al);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			assert_true(n < size);
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	return n;
}

/*
 * Must show: submit, then record an activity dated before the
 * submission -> the submission's form is unchanged byte for byte (its
 * JSON and its workbook), the live form changed, the late-entries list
 * has it; and the signature verifies with openssl over the documented
 * bytes (docs/SUBMISSIONS.md).
 */
static void
test_submit_freeze_sign_late(void **state)
{
	json_t		*s, *g, *live, *late, *cp, *it;
	char		*path, *xpath, *f1, *f2, *x1, *x2, *c;
	char		 fsha[65], xsha[65], want[128];
	unsigned char	 sig[128];
	size_t		 l1, l2, i, slen;
	long long	 sid, aid, frozen, now;
	const char	*stmt, *pem;
	int		 found = 0;

	(void)state;
	clear_standing(cn, "110000", "annual");
	s = submit(cb, "annual", "全年工作总结：e2e\n第二段");
	sid = json_integer_value(json_object_get(s, "id"));
	assert_string_equal(json_string_value(json_object_get(s, "state")),
	    "submitted");
	assert_string_equal(json_string_value(json_object_get(s, "kind")),
	    "annual");
	assert_string_equal(json_string_value(json_object_get(s, "region")),
	    "110000");
	assert_int_equal(json_integer_value(json_object_get(s,
	    "campaign_id")), 2026);
	assert_true(json_integer_value(json_object_get(s, "version")) >= 1);
	assert_string_equal(json_string_value(json_object_get(s, "as_of")),
	    cst_day(0));
	/* 2026-11-10 has passed: late. */
	assert_true(json_is_true(json_object_get(s, "late")));
	assert_non_null(json_object_get(s, "submitted_at"));
	assert_true(json_integer_value(json_object_get(s, "submitted_by")) > 0);
	assert_int_equal(json_array_size(json_object_get(json_object_get(s,
	    "form"), "columns")), 25);

	/*
	 * The submission's form was made in its write transaction, its parts
	 * one after the other; GET's in a snapshot, the activities beside on
	 * a second connection (reports.c): the same cells.
	 */
	path = fmt("/api/v1/reports/campaign/2026?region=110000&as_of=%s",
	    cst_day(0));
	g = get_json(cb, path);
	f1 = canonical(g);
	c = canonical(json_object_get(s, "form"));
	assert_string_equal(f1, c);
	free(f1);
	json_decref(g);
	free(path);

	path = fmt("/api/v1/submissions/%lld?format=json", sid);
	xpath = fmt("/api/v1/submissions/%lld?format=xlsx", sid);
	g = get_json(cb, path);
	f1 = canonical(json_object_get(g, "form"));
	assert_string_equal(f1, c);
	free(c);
	json_decref(g);
	x1 = get_bytes(cb, xpath, &l1);
	assert_true(l1 > 1000 && memcmp(x1, "PK", 2) == 0);
	frozen = cell_int(json_object_get(s, "form"), "合计",
	    "风险监测/开展风险监测产品(批次)");

	/* The signature over the documented bytes, by openssl. */
	stmt = json_string_value(json_object_get(s, "signed"));
	pem = json_string_value(json_object_get(s, "public_key"));
	assert_non_null(stmt);
	assert_non_null(pem);
	assert_true(strncmp(stmt, "paicha-submission/v1\n", 21) == 0);
	sha_hex(f1, strlen(f1), fsha);
	sha_hex(x1, l1, xsha);
	snprintf(want, sizeof(want), "\"form_sha256\":\"%s\"", fsha);
	assert_non_null(strstr(stmt, want));
	snprintf(want, sizeof(want), "\"xlsx_sha256\":\"%s\"", xsha);
	assert_non_null(strstr(stmt, want));
	slen = unbase64(json_string_value(json_object_get(s, "signature")),
	    sig, sizeof(sig));
	assert_int_equal(slen, 64);
	assert_true(openssl_verifies(stmt, strlen(stmt), sig, slen, pem));
	/* A statement changed by one byte does not verify. */
	c = strdup(stmt);
	c[strlen(c) - 2] ^= 1;
	assert_false(openssl_verifies(c, strlen(c), sig, slen, pem));
	free(c);
	/*
	 * The key is the checkpoints' key (the checkpointer signs its first
	 * tree head within seconds of a fresh instance's first events).
	 */
	for (i = 0; i < 80; i++) {
		struct resp r;

		http_get(au, "/api/v1/audit/checkpoints/latest", &r);
		cp = r.status == 200 ? json_incref(r.json) : NULL;
		resp_free(&r);
		if (cp != NULL)
			break;
		usleep(500000);
	}
	assert_non_null(cp);
	assert_string_equal(json_string_value(json_object_get(cp,
	    "public_key")), pem);
	json_decref(cp);

	/* An activity dated before the submission, entered after it. */
	aid = monitoring(o, "110000", "2026-06-01", 5);
	g = get_json(cb, path);
	f2 = canonical(json_object_get(g, "form"));
	assert_string_equal(f1, f2);
	json_decref(g);
	x2 = get_bytes(cb, xpath, &l2);
	assert_int_equal(l1, l2);
	assert_memory_equal(x1, x2, l1);
	live = get_json(cb, "/api/v1/reports/campaign/2026?region=110000");
	now = cell_int(live, "合计", "风险监测/开展风险监测产品(批次)");
	assert_true(now >= frozen + 5);
	json_decref(live);
	late = get_json(cb,
	    "/api/v1/campaigns/2026/late-entries?region=110000");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    late, "submission"), "id")), sid);
	json_array_foreach(json_object_get(late, "items"), i, it)
		if (strcmp(json_string_value(json_object_get(it, "type")),
		    "activity") == 0 && json_integer_value(json_object_get(it,
		    "id")) == aid) {
			assert_string_equal(json_string_value(json_object_get(
			    it, "on")), "2026-06-01");
			found = 1;
		}
	assert_true(found);
	json_decref(late);
	/* Another province's late entries: 404. */
	assert_int_equal(status_of(cb, "GET", "/api/v1/campaigns/2026/"
	    "late-entries?region=310000", NULL, NULL), 404);
	/* The submission is an audited stream. */
	c = fmt("SELECT count(*) FROM ledger_events WHERE entity ="
	    " 'submission' AND entity_id = %lld AND event = 'submit'", sid);
	assert_int_equal(db_count(c), 1);
	free(c);
	free(f1);
	free(f2);
	free(x1);
	free(x2);
	free(path);
	free(xpath);
	json_decref(s);
}

/* The refusals, the return, the next version, the parent's view. */
static void
test_submission_rules(void **state)
{
	struct resp	 r;
	json_t		*s, *s2, *list, *it, *v;
	long long	 n, sid, sid2;
	char		*path, *big;
	size_t		 i;
	int		 seen_own = 0, seen_missing = 0, seen_bj = 0;

	(void)state;
	clear_standing(cn, "110000", "stage");
	s = submit(cb, "stage", "阶段性工作总结：e2e");
	sid = json_integer_value(json_object_get(s, "id"));
	n = count_submissions();

	/* Twice without a return: 409. */
	http_json(cb, "POST", "/api/v1/campaigns/2026/submissions", json_pack(
	    "{s:s, s:s}", "kind", "stage", "summary", "again"), NULL, &r);
	assert_problem(&r, 409);
	resp_free(&r);
	/* For a child region (403) or another province (404). */
	http_json(cb, "POST", "/api/v1/campaigns/2026/submissions", json_pack(
	    "{s:s, s:s, s:s}", "kind", "annual", "summary", "x", "region",
	    "110101"), NULL, &r);
	assert_problem(&r, 403);
	resp_free(&r);
	http_json(cb, "POST", "/api/v1/campaigns/2026/submissions", json_pack(
	    "{s:s, s:s, s:s}", "kind", "annual", "summary", "x", "region",
	    "310000"), NULL, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	/* An officer: 403; bad bodies: 422; no campaign: 404. */
	assert_int_equal(status_of(o, "POST",
	    "/api/v1/campaigns/2026/submissions", json_pack("{s:s, s:s}",
	    "kind", "annual", "summary", "x"), NULL), 403);
	http_json(cb, "POST", "/api/v1/campaigns/2026/submissions", json_pack(
	    "{s:s, s:s}", "kind", "monthly", "summary", "x"), NULL, &r);
	assert_problem_field(&r, 422, "kind");
	resp_free(&r);
	http_json(cb, "POST", "/api/v1/campaigns/2026/submissions", json_pack(
	    "{s:s}", "kind", "annual"), NULL, &r);
	assert_problem_field(&r, 422, "summary");
	resp_free(&r);
	big = malloc(20002);
	memset(big, 'x', 20001);
	big[20001] = '\0';
	http_json(cb, "POST", "/api/v1/campaigns/2026/submissions", json_pack(
	    "{s:s, s:s}", "kind", "annual", "summary", big), NULL, &r);
	assert_problem_field(&r, 422, "summary");
	resp_free(&r);
	free(big);
	http_json(cb, "POST", "/api/v1/campaigns/2026/submissions", json_pack(
	    "{s:s, s:s, s:s}", "kind", "annual", "summary", "x", "as_of",
	    cst_day(1)), NULL, &r);
	assert_problem_field(&r, 422, "as_of");
	resp_free(&r);
	http_json(cb, "POST", "/api/v1/campaigns/2026/submissions", json_pack(
	    "{s:s, s:s, s:s}", "kind", "annual", "summary", "x", "as_of",
	    "2025-12-31"), NULL, &r);
	assert_problem_field(&r, 422, "as_of");
	resp_free(&r);
	assert_int_equal(status_of(cb, "POST",
	    "/api/v1/campaigns/2099/submissions", json_pack("{s:s, s:s}",
	    "kind", "annual", "summary", "x"), NULL), 404);
	assert_int_equal(count_submissions(), n);

	/* The parent sees its children's states; the child its own. */
	list = get_json(cn, "/api/v1/campaigns/2026/submissions?kind=stage");
	json_array_foreach(json_object_get(list, "items"), i, it) {
		const char *rg, *st;

		rg = json_string_value(json_object_get(it, "region"));
		st = json_string_value(json_object_get(it, "state"));

		assert_string_equal(json_string_value(json_object_get(it,
		    "kind")), "stage");
		if (strcmp(rg, "000000") == 0)
			seen_own = 1;
		if (strcmp(rg, "110000") == 0) {
			assert_string_equal(st, "submitted");
			/* Late: after 2026-07-31. */
			assert_string_equal(json_string_value(
			    json_object_get(it, "status")), "late");
			assert_int_equal(json_integer_value(json_object_get(it,
			    "id")), sid);
			seen_bj = 1;
		}
		if (strcmp(rg, "650000") == 0 && strcmp(st, "missing") == 0)
			seen_missing = 1;
	}
	assert_true(seen_own && seen_bj && seen_missing);
	json_decref(list);
	list = get_json(cb, "/api/v1/campaigns/2026/submissions");
	it = json_array_get(json_object_get(list, "items"), 0);
	assert_string_equal(json_string_value(json_object_get(it, "region")),
	    "110000");
	json_decref(list);

	/* A return by a non-parent: 403 (own) or 404 (another province). */
	path = fmt("/api/v1/submissions/%lld/return", sid);
	http_json(cb, "POST", path, json_pack("{s:s}", "reason", "x"), NULL,
	    &r);
	assert_problem(&r, 403);
	resp_free(&r);
	assert_int_equal(status_of(cs, "POST", path, json_pack("{s:s}",
	    "reason", "x"), NULL), 404);
	http_json(cn, "POST", path, json_pack("{s:s}", "reason", ""), NULL,
	    &r);
	assert_problem_field(&r, 422, "reason");
	resp_free(&r);
	/* The parent returns it, once. */
	http_json(cn, "POST", path, json_pack("{s:s}", "reason",
	    "数据有误，请核实后重报"), NULL, &r);
	assert_status(&r, 200);
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "state")), "returned");
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "return_reason")), "数据有误，请核实后重报");
	resp_free(&r);
	http_json(cn, "POST", path, json_pack("{s:s}", "reason", "x"), NULL,
	    &r);
	assert_problem(&r, 409);
	resp_free(&r);
	free(path);
	/* The region's coordinator hears of it. */
	list = get_json(cb, "/api/v1/notifications?unread=true");
	n = 0;
	json_array_foreach(json_object_get(list, "items"), i, it)
		if (strcmp(json_string_value(json_object_get(it, "kind")),
		    "submission_returned") == 0 && json_integer_value(
		    json_object_get(it, "submission_id")) == sid)
			n++;
	assert_int_equal(n, 1);
	json_decref(list);

	/* The next is the next version; every version stays readable. */
	s2 = submit(cb, "stage", "阶段性工作总结：e2e，更正后");
	sid2 = json_integer_value(json_object_get(s2, "id"));
	assert_int_equal(json_integer_value(json_object_get(s2, "version")),
	    json_integer_value(json_object_get(s, "version")) + 1);
	path = fmt("/api/v1/submissions/%lld", sid);
	v = get_json(cb, path);
	assert_string_equal(json_string_value(json_object_get(v, "state")),
	    "returned");
	assert_string_equal(json_string_value(json_object_get(v, "summary")),
	    "阶段性工作总结：e2e");
	json_decref(v);
	free(path);
	path = fmt("/api/v1/submissions/%lld?format=xlsx", sid);
	assert_int_equal(status_of(cb, "GET", path, NULL, NULL), 200);
	free(path);
	path = fmt("/api/v1/submissions/%lld", sid2);
	assert_int_equal(status_of(cs, "GET", path, NULL, NULL), 404);
	assert_int_equal(status_of(cn, "GET", path, NULL, NULL), 200);
	free(path);
	list = get_json(cb, "/api/v1/campaigns/2026/submissions?kind=stage");
	it = json_array_get(json_object_get(list, "items"), 0);
	assert_true(json_array_size(json_object_get(it, "versions")) >= 2);
	json_decref(list);
	json_decref(s);
	json_decref(s2);
}

/*
 * Must show: the national roll-up of two provinces' submissions equals
 * the sum of their frozen forms, cell by cell (同比变化 is not summed).
 */
static void
test_rollup(void **state)
{
	json_t		*a, *b, *ru;
	const json_t	*forms[2], *subs[2];
	int		 checked;

	(void)state;
	clear_standing(cn, "110000", "annual");
	clear_standing(cn, "310000", "annual");
	a = submit(cb, "annual", "北京全年总结");
	b = submit(cs, "annual", "上海全年总结");
	forms[0] = json_object_get(a, "form");
	forms[1] = json_object_get(b, "form");
	ru = get_json(cn, "/api/v1/campaigns/2026/rollup?kind=annual");
	assert_true(json_array_size(json_object_get(ru, "rows")) >= 11);
	checked = rollup_matches(ru, forms, 2);
	assert_true(checked > 200);
	/* Every province's child row is there: two submitted. */
	subs[0] = a;
	subs[1] = b;
	assert_int_equal(rollup_standing(ru, subs, 2), 2);
	assert_true(json_is_array(json_object_get(ru, "differences")));
	assert_true(json_is_array(json_object_get(ru, "live")));
	json_decref(ru);
	json_decref(a);
	json_decref(b);
}

/* ------------------------------------------------------------------ */
/* Voids                                                              */
/* ------------------------------------------------------------------ */

static void
test_void(void **state)
{
	struct resp	 r;
	json_t		*f, *list, *it;
	long long	 id, before, after, gone;
	char		*path, *sql;
	const char	*col = "风险监测/开展风险监测产品(批次)";
	const char	*form = "/api/v1/reports/campaign/2026?region=110119";
	size_t		 i;
	int		 listed = 0;

	(void)state;
	f = get_json(o, form);
	before = cell_int(f, "合计", col);
	json_decref(f);
	id = monitoring(o, "110119", cst_day(0), 7);
	f = get_json(o, form);
	after = cell_int(f, "合计", col);
	json_decref(f);
	assert_int_equal(after, before + 7);

	path = fmt("/api/v1/activities/%lld/void", id);
	http_json(o, "POST", path, json_pack("{s:s}", "reason", ""), NULL, &r);
	assert_problem_field(&r, 422, "reason");
	resp_free(&r);
	assert_int_equal(status_of(sh, "POST", path, json_pack("{s:s}",
	    "reason", "x"), NULL), 404);
	assert_int_equal(status_of(cb, "POST", path, json_pack("{s:s}",
	    "reason", "x"), NULL), 403);
	f = get_json(o, form);
	assert_int_equal(cell_int(f, "合计", col), after);
	json_decref(f);
	http_json(o, "POST", path, json_pack("{s:s}", "reason",
	    "批次数录入错误"), NULL, &r);
	assert_status(&r, 200);
	assert_true(json_is_true(json_object_get(r.json, "voided")));
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "void_reason")), "批次数录入错误");
	resp_free(&r);
	http_json(o, "POST", path, json_pack("{s:s}", "reason", "again"),
	    NULL, &r);
	assert_problem(&r, 409);
	resp_free(&r);
	free(path);
	/* Out of the form, still listed, audited. */
	f = get_json(o, form);
	gone = cell_int(f, "合计", col);
	json_decref(f);
	assert_int_equal(gone, before);
	list = get_json(o, "/api/v1/activities?region=110119&kind="
	    "risk_monitoring");
	json_array_foreach(json_object_get(list, "items"), i, it)
		if (json_integer_value(json_object_get(it, "id")) == id) {
			assert_true(json_is_true(json_object_get(it,
			    "voided")));
			listed = 1;
		}
	assert_true(listed);
	json_decref(list);
	sql = fmt("SELECT count(*) FROM ledger_events WHERE entity ="
	    " 'activity' AND entity_id = %lld AND event = 'void'", id);
	assert_int_equal(db_count(sql), 1);
	free(sql);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_campaigns),
		cmocka_unit_test(test_year_on_year),
		cmocka_unit_test(test_as_of),
		cmocka_unit_test(test_submit_freeze_sign_late),
		cmocka_unit_test(test_submission_rules),
		cmocka_unit_test(test_rollup),
		cmocka_unit_test(test_void),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
