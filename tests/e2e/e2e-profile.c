/*
 * e2e-profile.c: the enterprise profile, problem types, spot-check items
 * and risk grades of issue 21 (API.md Part 2 "Enterprise profile,
 * problem types, risk grades"), against the real stack:
 *
 *  - the profile round trip, every change an event with old and new;
 *    Part 1's licence fields and the licence list kept in step;
 *  - an expired or revoked licence shown on every case of the enterprise;
 *  - the seed's key problems per domain, on cases, as a filter and as a
 *    report by type and category in JSON, CSV and XLSX;
 *  - a spot check's channel and batches, and the campaign form's 25
 *    columns the same for the same records with and without batches;
 *  - the risk grade recomputed in the transaction of each change that
 *    feeds it, its reasons, the grade and due-for-inspection lists, and
 *    the rule as data;
 *  - bad input: unknown area or problem type, licence dates that end
 *    before they start, a batch result other than pass/fail, and every
 *    limit crossed.
 *
 * Its records live in Hainan (460000), where no demo data and no other
 * test program writes, so that counts and forms are exact: an officer of
 * its own is made there (user_make).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "e2e.h"

#define HAINAN		"460000"
#define COUNTY_A	"460105"	/* 秀英区 */
#define COUNTY_B	"460106"	/* 龙华区 */
#define CAMPAIGN	2022

static struct client	*off, *legal, *auditor, *admin;

static int
setup(void **state)
{
	(void)state;
	if (user_make("e2e.officer.hi", HAINAN, "officer") == -1 ||
	    user_make("e2e.legal.hi", HAINAN, "legal") == -1)
		return -1;
	off = client_login("e2e.officer.hi", DEMO_PASSWORD);
	legal = client_login("e2e.legal.hi", DEMO_PASSWORD);
	auditor = client_login("auditor.bj", DEMO_PASSWORD);
	admin = client_login("admin", DEMO_PASSWORD);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	client_free(off);
	client_free(legal);
	client_free(auditor);
	client_free(admin);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

/*
 * POST an enterprise in `region` with the members of `more` (stolen, or
 * NULL); the reply in `r`.
 */
static long
ent_post(const char *region, json_t *more, struct resp *r)
{
	char	 uscc[19], *name = fmt("档案测试企业%ld%u", (long)getpid(),
		    (unsigned)rand());
	json_t	*b;
	long	 st;

	uscc_in_region(region, uscc);
	b = json_pack("{s:s, s:s, s:s}", "uscc", uscc, "name", name, "region",
	    region);
	if (more != NULL) {
		json_object_update(b, more);
		json_decref(more);
	}
	st = http_json(off, "POST", "/api/v1/enterprises", b, NULL, r);
	free(name);
	return st;
}

/* An enterprise registered with `more` (stolen); its id. */
static long long
ent_new(const char *region, json_t *more)
{
	struct resp	 r;
	long long	 id;

	ent_post(region, more, &r);
	assert_status(&r, 201);
	id = json_integer_value(json_object_get(r.json, "id"));
	assert_true(id > 0);
	resp_free(&r);
	return id;
}

/* GET `path` by `c`, 200; its JSON (a new reference). */
static json_t *
get_ok(struct client *c, const char *path)
{
	struct resp	 r;
	json_t		*j;

	http_get(c, path, &r);
	assert_status(&r, 200);
	j = json_incref(r.json);
	resp_free(&r);
	return j;
}

static json_t *
ent_get(long long id)
{
	char	*path = fmt("/api/v1/enterprises/%lld", id);
	json_t	*j = get_ok(off, path);

	free(path);
	return j;
}

/* PATCH enterprise `id` at `version` with `body` (stolen); reply in r. */
static long
ent_patch(long long id, int version, json_t *body, struct resp *r)
{
	char		*path = fmt("/api/v1/enterprises/%lld", id);
	char		*ifm = fmt("If-Match: \"%d\"", version);
	const char	*hdr[] = { ifm, NULL };
	long		 st;

	st = http_json(off, "PATCH", path, body, hdr, r);
	free(path);
	free(ifm);
	return st;
}

/* The ids of an enterprise's risk factors, joined by commas (malloc'd). */
static char *
factor_ids(const json_t *ent)
{
	const json_t	*f;
	char		*s = strdup(""), *t;
	size_t		 i;

	json_array_foreach(json_object_get(json_object_get(ent, "risk"),
	    "factors"), i, f) {
		t = fmt("%s%s%s", s, i > 0 ? "," : "",
		    json_string_value(json_object_get(f, "id")));
		free(s);
		s = t;
	}
	return s;
}

static const char *
grade_of(const json_t *ent)
{
	return json_string_value(json_object_get(json_object_get(ent, "risk"),
	    "grade"));
}

static long long
score_of(const json_t *ent)
{
	return json_integer_value(json_object_get(json_object_get(ent, "risk"),
	    "score"));
}

/* A case at enterprise `eid` with `more` (stolen, or NULL); reply in r. */
static long
case_post(long long eid, const char *domain, json_t *more, struct resp *r)
{
	json_t	*b = json_pack("{s:I, s:i, s:s, s:s, s:s, s:s}",
	    "enterprise_id", (json_int_t)eid, "campaign_id", CAMPAIGN,
	    "category", "cement", "domain", domain, "source", "spot_check",
	    "problem", "e2e: 档案与问题类型");

	if (more != NULL) {
		json_object_update(b, more);
		json_decref(more);
	}
	return http_json(off, "POST", "/api/v1/cases", b, NULL, r);
}

static long long
case_new(long long eid, const char *domain, json_t *more)
{
	struct resp	 r;
	long long	 id;

	case_post(eid, domain, more, &r);
	assert_status(&r, 201);
	id = json_integer_value(json_object_get(r.json, "id"));
	resp_free(&r);
	return id;
}

/* POST an activity (stolen); the reply in `r`. */
static long
act_post(json_t *b, struct resp *r)
{
	return http_json(off, "POST", "/api/v1/activities", b, NULL, r);
}

/* A spot check at `eid` on `on` in `domain`, with `more` (stolen). */
static json_t *
spot(long long eid, const char *domain, const char *on, json_t *more)
{
	json_t	*b = json_pack("{s:s, s:i, s:s, s:s, s:I, s:s}", "kind",
	    "spot_check", "campaign_id", CAMPAIGN, "category", "cement", "on",
	    on, "enterprise_id", (json_int_t)eid, "domain", domain);

	json_object_update(b, more);
	json_decref(more);
	return b;
}

/* One batch: `result` pass or fail. */
static json_t *
batch(const char *no, const char *result)
{
	json_t	*it = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
	    "product", "通用硅酸盐水泥", "model", "P·O 42.5", "batch_no", no,
	    "standard", "GB 175-2023", "result", result, "report_no",
	    "HI2022-JC0001", "lab", "海南省产品质量监督检验所");

	if (strcmp(result, "fail") == 0)
		json_object_set_new(it, "failed_items", json_pack("[s]",
		    "3天抗压强度"));
	return it;
}

/* ------------------------------------------------------------------ */
/* The profile                                                        */
/* ------------------------------------------------------------------ */

/*
 * Registered with every member of the profile, the enterprise reads
 * back what was given; Part 1's licence fields are its first licences.
 */
static void
test_profile_round_trip(void **state)
{
	json_t		*e, *lic, *l0;
	long long	 id;

	(void)state;
	id = ent_new(COUNTY_A, json_pack("{s:s, s:s, s:[s, s], s:[{s:s, s:s}],"
	    " s:[{s:s, s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s}]}",
	    "legal_representative", "王建国", "contact_phone", "0898-66123456",
	    "area_types", "cluster", "rural_market",
	    "accident_history", "on", "2021-05-01", "summary", "车间燃爆",
	    "licences",
	    "kind", "production", "number", "XK13-201-00001", "status", "valid",
	    "valid_from", "2022-01-01", "valid_until", "2099-12-31",
	    "kind", "ccc", "number", "2021010105000001", "status", "valid",
	    "valid_until", "2099-01-01"));
	e = ent_get(id);
	assert_string_equal(json_string_value(json_object_get(e,
	    "legal_representative")), "王建国");
	assert_string_equal(json_string_value(json_object_get(e,
	    "contact_phone")), "0898-66123456");
	assert_int_equal(json_array_size(json_object_get(e, "area_types")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(e,
	    "area_types"), 1)), "rural_market");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(e, "accident_history"), 0), "summary")), "车间燃爆");
	lic = json_object_get(e, "licences");
	assert_int_equal(json_array_size(lic), 2);
	l0 = json_array_get(lic, 0);
	assert_string_equal(json_string_value(json_object_get(l0, "kind")),
	    "production");
	assert_string_equal(json_string_value(json_object_get(l0, "number")),
	    "XK13-201-00001");
	assert_string_equal(json_string_value(json_object_get(l0, "status")),
	    "valid");
	assert_string_equal(json_string_value(json_object_get(l0,
	    "valid_until")), "2099-12-31");
	assert_string_equal(json_string_value(json_object_get(e,
	    "production_licence")), "XK13-201-00001");
	assert_string_equal(json_string_value(json_object_get(e,
	    "ccc_certificate")), "2021010105000001");
	assert_int_equal(json_array_size(json_object_get(e, "licence_alerts")),
	    0);
	/* The grade and its reasons come with it. */
	assert_non_null(grade_of(e));
	assert_true(json_is_array(json_object_get(json_object_get(e, "risk"),
	    "factors")));
	assert_non_null(json_object_get(json_object_get(e, "risk"),
	    "next_inspection_by"));
	assert_non_null(json_object_get(json_object_get(e, "risk"),
	    "computed_at"));
	json_decref(e);
	/* accident_history may also be told as true/false or as a text. */
	id = ent_new(COUNTY_A, json_pack("{s:b}", "accident_history", 1));
	e = ent_get(id);
	assert_true(json_is_true(json_object_get(e, "accident_history")));
	assert_true(strstr(factor_ids(e), "accident_history") != NULL);
	json_decref(e);
	id = ent_new(COUNTY_A, json_pack("{s:s}", "accident_history",
	    "2019年发生一起燃气爆炸事故"));
	e = ent_get(id);
	assert_string_equal(json_string_value(json_object_get(e,
	    "accident_history")), "2019年发生一起燃气爆炸事故");
	json_decref(e);
}

/*
 * Each change of the profile is an event of the enterprise's stream
 * with the old and new values; null clears, absent keeps.
 */
static void
test_profile_changes_audited(void **state)
{
	struct resp	 r;
	json_t		*items, *last, *old, *nw;
	long long	 id;
	char		*path;

	(void)state;
	id = ent_new(COUNTY_A, json_pack("{s:s, s:[s], s:[{s:s, s:s, s:s}]}",
	    "contact_phone", "0898-66000001", "area_types", "retail_store",
	    "licences", "kind", "production", "number", "XK13-201-00002",
	    "status", "valid"));
	ent_patch(id, 1, json_pack("{s:s, s:n, s:[s, s], s:b, s:[{s:s, s:s,"
	    " s:s, s:s}]}", "legal_representative", "李四", "contact_phone",
	    "area_types", "problem_prone", "urban_rural_fringe",
	    "accident_history", 1, "licences", "kind", "production", "number",
	    "XK13-201-00002", "status", "revoked", "valid_until",
	    "2030-01-01"), &r);
	assert_status(&r, 200);
	assert_true(json_is_null(json_object_get(r.json, "contact_phone")));
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "production_licence_status")), "revoked");
	assert_int_equal(json_integer_value(json_object_get(r.json, "version")),
	    2);
	resp_free(&r);

	path = fmt("/api/v1/audit/events?entity=enterprise&entity_id=%lld", id);
	http_get(admin, path, &r);
	assert_status(&r, 200);
	items = json_object_get(r.json, "items");
	assert_int_equal(json_array_size(items), 2);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_array_get(items, 0), "payload"), "contact_phone")),
	    "0898-66000001");
	last = json_array_get(items, 1);
	old = json_object_get(json_object_get(last, "payload"), "old");
	nw = json_object_get(json_object_get(last, "payload"), "new");
	assert_true(json_is_null(json_object_get(old,
	    "legal_representative")));
	assert_string_equal(json_string_value(json_object_get(nw,
	    "legal_representative")), "李四");
	assert_string_equal(json_string_value(json_object_get(old,
	    "contact_phone")), "0898-66000001");
	assert_true(json_is_null(json_object_get(nw, "contact_phone")));
	assert_string_equal(json_string_value(json_array_get(json_object_get(
	    old, "area_types"), 0)), "retail_store");
	assert_int_equal(json_array_size(json_object_get(nw, "area_types")), 2);
	assert_true(json_is_null(json_object_get(old, "accident_history")));
	assert_true(json_is_true(json_object_get(nw, "accident_history")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(old, "licences"), 0), "status")), "valid");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(nw, "licences"), 0), "status")), "revoked");
	assert_string_equal(json_string_value(json_object_get(nw,
	    "production_licence_status")), "revoked");
	/* The derived grade is no fact of its own: not in the event. */
	assert_null(json_object_get(nw, "risk"));
	assert_null(json_object_get(nw, "licence_alerts"));
	resp_free(&r);
	free(path);
}

/*
 * Part 1's four licence fields and the licence list are one record:
 * the fields make a licence, a licence list moves the fields, a status
 * given alone changes the first licence of its kind, and the two given
 * together must agree.
 */
static void
test_part1_fields_follow_licences(void **state)
{
	struct resp	 r;
	json_t		*e, *l;
	long long	 id;

	(void)state;
	id = ent_new(COUNTY_A, json_pack("{s:s, s:s}", "production_licence",
	    "XK13-201-00003", "ccc_certificate", "2021010105000003"));
	e = ent_get(id);
	l = json_object_get(e, "licences");
	assert_int_equal(json_array_size(l), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(l,
	    0), "number")), "XK13-201-00003");
	assert_string_equal(json_string_value(json_object_get(json_array_get(l,
	    1), "kind")), "ccc");
	json_decref(e);
	/* A list replaces the licences; the fields follow its first ones. */
	ent_patch(id, 1, json_pack("{s:[{s:s, s:s, s:s}, {s:s, s:s}]}",
	    "licences", "kind", "production", "number", "XK13-201-00004",
	    "status", "suspended", "kind", "production", "number",
	    "XK13-201-00005"), &r);
	assert_status(&r, 200);
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "production_licence")), "XK13-201-00004");
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "production_licence_status")), "suspended");
	assert_true(json_is_null(json_object_get(r.json, "ccc_certificate")));
	resp_free(&r);
	/* A status alone: the first production licence changes. */
	ent_patch(id, 2, json_pack("{s:s}", "production_licence_status",
	    "valid"), &r);
	assert_status(&r, 200);
	l = json_object_get(r.json, "licences");
	assert_int_equal(json_array_size(l), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(l,
	    0), "status")), "valid");
	assert_true(json_is_null(json_object_get(json_array_get(l, 1),
	    "status")));
	resp_free(&r);
	/* Both, disagreeing: 422 naming the Part 1 field; nothing changed. */
	ent_patch(id, 3, json_pack("{s:s, s:[{s:s, s:s}]}",
	    "production_licence", "XK13-201-09999", "licences", "kind",
	    "production", "number", "XK13-201-00006"), &r);
	assert_problem_field(&r, 422, "production_licence");
	resp_free(&r);
	ent_patch(id, 3, json_pack("{s:s, s:[{s:s, s:s}]}",
	    "production_licence", "XK13-201-00006", "licences", "kind",
	    "production", "number", "XK13-201-00006"), &r);
	assert_status(&r, 200);
	resp_free(&r);
	/* Cleared: no licences, no fields. */
	ent_patch(id, 4, json_pack("{s:n}", "licences"), &r);
	assert_status(&r, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "licences")),
	    0);
	assert_true(json_is_null(json_object_get(r.json,
	    "production_licence")));
	resp_free(&r);
}

/* Bad input is refused, naming the field, and changes nothing. */
static void
test_profile_bad_input(void **state)
{
	static const struct {
		const char	*body;
		int		 status;
		const char	*field;
	} bad[] = {
		{ "{\"area_types\":[\"downtown\"]}", 422, "area_types" },
		{ "{\"area_types\":[\"cluster\",\"cluster\"]}", 422,
		    "area_types" },
		{ "{\"area_types\":\"cluster\"}", 400, "area_types" },
		{ "{\"area_types\":[\"cluster\",\"problem_prone\","
		    "\"rural_market\",\"retail_store\","
		    "\"urban_rural_fringe\",\"cluster\"]}", 422, "area_types" },
		{ "{\"licences\":[{\"kind\":\"production\","
		    "\"number\":\"XK1\",\"valid_from\":\"2024-06-01\","
		    "\"valid_until\":\"2024-05-31\"}]}", 422,
		    "licences[0].valid_until" },
		{ "{\"licences\":[{\"kind\":\"permit\","
		    "\"number\":\"XK1\"}]}", 422, "licences[0].kind" },
		{ "{\"licences\":[{\"kind\":\"production\"}]}", 422,
		    "licences[0].number" },
		{ "{\"licences\":[{\"kind\":\"ccc\",\"number\":\"1\","
		    "\"status\":\"lost\"}]}", 422, "licences[0].status" },
		{ "{\"licences\":[{\"kind\":\"ccc\",\"number\":\"1\","
		    "\"valid_until\":\"2024-02-30\"}]}", 422,
		    "licences[0].valid_until" },
		{ "{\"licences\":[{\"kind\":\"ccc\",\"number\":\"1\","
		    "\"colour\":\"red\"}]}", 422, "licences[0].colour" },
		{ "{\"licences\":[{\"kind\":\"ccc\",\"number\":\"1\"},"
		    "{\"kind\":\"ccc\",\"number\":\"1\"}]}", 422,
		    "licences[1].number" },
		{ "{\"licences\":{\"kind\":\"ccc\"}}", 400, "licences" },
		{ "{\"contact_phone\":\"call me\"}", 422, "contact_phone" },
		{ "{\"contact_phone\":\"010-1234\\u202e5678\"}", 422,
		    "contact_phone" },
		{ "{\"legal_representative\":\"王\\u200b五\"}", 422,
		    "legal_representative" },
		{ "{\"accident_history\":[{\"on\":\"2099-01-01\","
		    "\"summary\":\"x\"}]}", 422, "accident_history[0].on" },
		{ "{\"accident_history\":[{\"on\":\"2020-01-01\"}]}", 422,
		    "accident_history[0].summary" },
		{ "{\"accident_history\":12}", 400, "accident_history" },
		{ "{\"production_licence\":\"XK1\",\"licences\":[]}", 422,
		    "production_licence" },
	};
	struct resp	 r;
	json_t		*b;
	json_error_t	 err;
	long long	 id;
	size_t		 i;
	char		*path, *n;
	PGconn		*db = db_admin();

	(void)state;
	id = ent_new(COUNTY_A, NULL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		b = json_loads(bad[i].body, 0, &err);
		if (b == NULL)
			fail_msg("test body %zu: %s", i, err.text);
		ent_post(COUNTY_A, json_deep_copy(b), &r);
		assert_problem_field(&r, bad[i].status, bad[i].field);
		resp_free(&r);
		ent_patch(id, 1, b, &r);
		assert_problem_field(&r, bad[i].status, bad[i].field);
		resp_free(&r);
	}
	/* A list's member named, the list too (for whoever looks there). */
	ent_post(COUNTY_A, json_pack("{s:[{s:s, s:s, s:s, s:s}]}", "licences",
	    "kind", "ccc", "number", "1", "valid_from", "2024-06-01",
	    "valid_until", "2024-05-31"), &r);
	assert_problem_field(&r, 422, "licences[0].valid_until");
	assert_problem_field(&r, 422, "licences");
	resp_free(&r);
	/* Nothing changed: version 1, one event. */
	path = fmt("%lld", id);
	n = db_value(db, "SELECT version::text || '/' || (SELECT count(*)"
	    " FROM ledger_events WHERE entity = 'enterprise'"
	    " AND entity_id = $1::bigint) FROM enterprises"
	    " WHERE id = $1::bigint",
	    path, NULL);
	assert_string_equal(n, "1/1");
	free(n);
	free(path);
	PQfinish(db);
}

/* Every limit, crossed by one: 422 naming it. */
static void
test_profile_limits(void **state)
{
	struct resp	 r;
	json_t		*a;
	char		*s;
	int		 i;

	(void)state;
	/* legal_representative: 100 characters. */
	s = calloc(1, 101 * 3 + 1);
	for (i = 0; i < 100; i++)
		memcpy(s + 3 * i, "王", 3);
	ent_post(COUNTY_A, json_pack("{s:s}", "legal_representative", s), &r);
	assert_status(&r, 201);
	resp_free(&r);
	memcpy(s + 300, "王", 3);
	ent_post(COUNTY_A, json_pack("{s:s}", "legal_representative", s), &r);
	assert_problem_field(&r, 422, "legal_representative");
	resp_free(&r);
	free(s);
	/* contact_phone: 32 bytes. */
	ent_post(COUNTY_A, json_pack("{s:s}", "contact_phone",
	    "0898-6612345600000000000000000001"), &r);
	assert_problem_field(&r, 422, "contact_phone");
	resp_free(&r);
	/* licences: 32. */
	a = json_array();
	for (i = 0; i < 33; i++) {
		s = fmt("2022%012d", i);
		json_array_append_new(a, json_pack("{s:s, s:s}", "kind", "ccc",
		    "number", s));
		free(s);
	}
	ent_post(COUNTY_A, json_pack("{s:o}", "licences", a), &r);
	assert_problem_field(&r, 422, "licences");
	resp_free(&r);
	/* A licence number: 64 characters. */
	s = calloc(1, 66);
	memset(s, '9', 65);
	ent_post(COUNTY_A, json_pack("{s:[{s:s, s:s}]}", "licences", "kind",
	    "ccc", "number", s), &r);
	assert_problem_field(&r, 422, "licences[0].number");
	resp_free(&r);
	free(s);
	/* accident_history: 50 accidents, or 2000 characters of text. */
	a = json_array();
	for (i = 0; i < 51; i++)
		json_array_append_new(a, json_pack("{s:s, s:s}", "on",
		    "2020-01-01", "summary", "x"));
	ent_post(COUNTY_A, json_pack("{s:o}", "accident_history", a), &r);
	assert_problem_field(&r, 422, "accident_history");
	resp_free(&r);
	s = calloc(1, 2002);
	memset(s, 'x', 2001);
	ent_post(COUNTY_A, json_pack("{s:s}", "accident_history", s), &r);
	assert_problem_field(&r, 422, "accident_history");
	resp_free(&r);
	free(s);
}

/*
 * A licence that has expired (by its date or as recorded), been
 * suspended or revoked is shown on every case of the enterprise; renewed,
 * the alert goes.
 */
static void
test_licence_alert_on_every_case(void **state)
{
	struct resp	 r;
	json_t		*c, *alerts;
	long long	 eid, c1, c2;
	char		*p1, *p2;

	(void)state;
	eid = ent_new(COUNTY_A, json_pack("{s:[{s:s, s:s, s:s, s:s}]}",
	    "licences", "kind", "production", "number", "XK13-201-00010",
	    "status", "valid", "valid_until", "2023-12-31"));
	c1 = case_new(eid, "production", NULL);
	c2 = case_new(eid, "production", NULL);
	p1 = fmt("/api/v1/cases/%lld", c1);
	p2 = fmt("/api/v1/cases/%lld", c2);
	c = get_ok(off, p1);
	alerts = json_object_get(json_object_get(c, "enterprise"),
	    "licence_alerts");
	assert_int_equal(json_array_size(alerts), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    alerts, 0), "status")), "expired");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    alerts, 0), "kind")), "production");
	assert_non_null(strstr(json_string_value(json_object_get(
	    json_array_get(alerts, 0), "message")), "已过期"));
	json_decref(c);
	/* Revoked: both cases say so. */
	ent_patch(eid, 1, json_pack("{s:s}", "production_licence_status",
	    "revoked"), &r);
	assert_status(&r, 200);
	resp_free(&r);
	c = get_ok(off, p2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(json_object_get(c, "enterprise"),
	    "licence_alerts"), 0), "status")), "revoked");
	json_decref(c);
	/* Renewed: no alert on either. */
	ent_patch(eid, 2, json_pack("{s:[{s:s, s:s, s:s, s:s}]}", "licences",
	    "kind", "production", "number", "XK13-201-00011", "status",
	    "valid", "valid_until", "2099-12-31"), &r);
	assert_status(&r, 200);
	resp_free(&r);
	c = get_ok(off, p1);
	assert_int_equal(json_array_size(json_object_get(json_object_get(c,
	    "enterprise"), "licence_alerts")), 0);
	json_decref(c);
	free(p1);
	free(p2);
}

/* ------------------------------------------------------------------ */
/* Problem types                                                      */
/* ------------------------------------------------------------------ */

/* The seed's key problems, six of production, four of circulation. */
static void
test_problem_types_listed(void **state)
{
	json_t		*j, *it;
	size_t		 i, prod = 0, circ = 0;
	int		 unlicensed = 0, substandard = 0;

	(void)state;
	j = get_ok(auditor, "/api/v1/problem-types");
	json_array_foreach(json_object_get(j, "items"), i, it) {
		const char *d = json_string_value(json_object_get(it,
		    "domain"));
		const char *l = json_string_value(json_object_get(it, "label"));

		assert_non_null(json_string_value(json_object_get(it, "id")));
		prod += strcmp(d, "production") == 0;
		circ += strcmp(d, "circulation") == 0;
		unlicensed |= strcmp(l, "无证生产") == 0 &&
		    strcmp(d, "production") == 0;
		substandard |= strcmp(l, "产品质量不符合国家标准和认证要求") == 0 &&
		    strcmp(d, "circulation") == 0;
	}
	assert_int_equal(prod, 6);
	assert_int_equal(circ, 4);
	assert_true(unlicensed && substandard);
	json_decref(j);
}

/*
 * A case takes its problem types on registration, shows them, and the
 * list filters by one; a type unknown, of the other domain, repeated or
 * one too many is refused.
 */
static void
test_case_problem_types(void **state)
{
	struct resp	 r;
	json_t		*c, *a;
	long long	 eid, id, other;
	char		*path;
	int		 i;

	(void)state;
	eid = ent_new(COUNTY_A, NULL);
	id = case_new(eid, "production", json_pack("{s:[s, s]}",
	    "problem_types", "unlicensed_production", "adulteration"));
	other = case_new(eid, "production", NULL);
	path = fmt("/api/v1/cases/%lld", id);
	c = get_ok(off, path);
	assert_int_equal(json_array_size(json_object_get(c, "problem_types")),
	    2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(c,
	    "problem_types"), 0)), "unlicensed_production");
	json_decref(c);
	free(path);
	path = fmt("/api/v1/cases?problem_type=adulteration&region=%s",
	    COUNTY_A);
	assert_true(list_has(off, path, id));
	assert_false(list_has(off, path, other));
	free(path);
	path = fmt("/api/v1/cases?enterprise=%lld", eid);
	assert_true(list_has(off, path, id) && list_has(off, path, other));
	free(path);

	case_post(eid, "circulation", json_pack("{s:[s]}", "problem_types",
	    "unlicensed_production"), &r);
	assert_problem_field(&r, 422, "problem_types");
	resp_free(&r);
	case_post(eid, "production", json_pack("{s:[s]}", "problem_types",
	    "no_such_type"), &r);
	assert_problem_field(&r, 422, "problem_types");
	resp_free(&r);
	case_post(eid, "production", json_pack("{s:[s, s]}", "problem_types",
	    "adulteration", "adulteration"), &r);
	assert_problem_field(&r, 422, "problem_types");
	resp_free(&r);
	case_post(eid, "production", json_pack("{s:s}", "problem_types",
	    "adulteration"), &r);
	assert_problem_field(&r, 400, "problem_types");
	resp_free(&r);
	a = json_array();
	for (i = 0; i < 11; i++)
		json_array_append_new(a, json_string("adulteration"));
	case_post(eid, "production", json_pack("{s:o}", "problem_types", a),
	    &r);
	assert_problem_field(&r, 422, "problem_types");
	resp_free(&r);
}

/* The cell of `rows` whose first cell is `row`, in column `col`. */
static json_t *
cell(const json_t *rep, const char *row, const char *col)
{
	const json_t	*rw, *h;
	size_t		 i, c = (size_t)-1;

	json_array_foreach(json_object_get(rep, "columns"), i, h)
		if (strcmp(json_string_value(h), col) == 0)
			c = i;
	if (c == (size_t)-1)
		fail_msg("no column %s", col);
	json_array_foreach(json_object_get(rep, "rows"), i, rw)
		if (strcmp(json_string_value(json_array_get(rw, 0)), row) == 0)
			return json_array_get(rw, c);
	fail_msg("no row %s", row);
	return NULL;
}

/*
 * Cases of a county counted by problem type and category: JSON (the
 * table and per type), CSV with its BOM and headings, and XLSX.
 */
static void
test_problem_type_report(void **state)
{
	struct resp	 r;
	json_t		*j, *before;
	long long	 eid;
	char		*path;

	(void)state;
	path = fmt("/api/v1/reports/problem-types?campaign=%d&region=%s",
	    CAMPAIGN, COUNTY_B);
	before = get_ok(off, path);
	eid = ent_new(COUNTY_B, NULL);
	case_new(eid, "production", json_pack("{s:[s, s]}", "problem_types",
	    "unlicensed_production", "cutting_corners"));
	case_new(eid, "production", json_pack("{s:[s]}", "problem_types",
	    "unlicensed_production"));
	case_new(eid, "circulation", json_pack("{s:[s]}", "problem_types",
	    "inferior_quality"));
	case_new(eid, "production", NULL);
	j = get_ok(off, path);
	assert_int_equal(json_integer_value(json_object_get(j, "cases")) -
	    json_integer_value(json_object_get(before, "cases")), 4);
	assert_int_equal(json_integer_value(json_object_get(j,
	    "unclassified")) - json_integer_value(json_object_get(before,
	    "unclassified")), 1);
	assert_int_equal(json_integer_value(cell(j, "无证生产", "水泥")) -
	    json_integer_value(cell(before, "无证生产", "水泥")), 2);
	assert_int_equal(json_integer_value(cell(j, "偷工减料", "合计")) -
	    json_integer_value(cell(before, "偷工减料", "合计")), 1);
	assert_int_equal(json_integer_value(cell(j, "质量低劣", "水泥")) -
	    json_integer_value(cell(before, "质量低劣", "水泥")), 1);
	assert_int_equal(json_integer_value(cell(j, "合计", "合计")) -
	    json_integer_value(cell(before, "合计", "合计")), 4);
	assert_string_equal(json_string_value(cell(j, "无证生产", "领域")),
	    "生产领域");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    json_object_get(j, "items"), 0), "count")),
	    json_integer_value(cell(j, "无证生产", "合计")));
	json_decref(j);
	json_decref(before);
	free(path);

	path = fmt("/api/v1/reports/problem-types?campaign=%d&region=%s"
	    "&format=csv", CAMPAIGN, COUNTY_B);
	http_get(off, path, &r);
	assert_status(&r, 200);
	assert_memory_equal(r.body, "\xef\xbb\xbf" "问题类型,领域,危险化学品,",
	    strlen("\xef\xbb\xbf" "问题类型,领域,危险化学品,"));
	assert_non_null(strstr(r.body, "\r\n无证生产,生产领域,"));
	assert_non_null(strstr(r.body, "\r\n合计,,"));
	resp_free(&r);
	free(path);
	path = fmt("/api/v1/reports/problem-types?campaign=%d&region=%s"
	    "&format=xlsx", CAMPAIGN, COUNTY_B);
	http_get(off, path, &r);
	assert_status(&r, 200);
	assert_true(r.len > 1000);
	assert_memory_equal(r.body, "PK\x03\x04", 4);
	resp_free(&r);
	free(path);
	/* Outside one's region: 404; an unknown campaign: 404. */
	http_get(off, "/api/v1/reports/problem-types?region=110000", &r);
	assert_problem(&r, 404);
	resp_free(&r);
	http_get(off, "/api/v1/reports/problem-types?campaign=1999", &r);
	assert_problem(&r, 404);
	resp_free(&r);
}

/* ------------------------------------------------------------------ */
/* Spot checks                                                        */
/* ------------------------------------------------------------------ */

/*
 * A spot check with its batches: its counts are theirs; given too, they
 * must agree; a result other than pass or fail, a missing product, a
 * passed batch with failed items, an unknown channel, and a 201st batch
 * are refused.
 */
static void
test_spot_check_items(void **state)
{
	struct resp	 r;
	json_t		*a;
	long long	 eid;
	int		 i;

	(void)state;
	eid = ent_new(COUNTY_A, NULL);
	act_post(spot(eid, "production", cst_day(0), json_pack("{s:s,"
	    " s:[o, o, o]}", "channel", "online", "items",
	    batch("20221101-01", "fail"), batch("20221101-02", "pass"),
	    batch("20221101-03", "fail"))), &r);
	assert_status(&r, 201);
	assert_int_equal(json_integer_value(json_object_get(r.json, "batches")),
	    3);
	assert_int_equal(json_integer_value(json_object_get(r.json,
	    "failed_batches")), 2);
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "channel")), "online");
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(r.json, "items"), 0), "lab")),
	    "海南省产品质量监督检验所");
	resp_free(&r);
	/* Counts given as well, and agreeing. */
	act_post(spot(eid, "production", cst_day(0), json_pack("{s:i, s:i,"
	    " s:[o]}", "batches", 1, "failed_batches", 0, "items",
	    batch("20221101-04", "pass"))), &r);
	assert_status(&r, 201);
	resp_free(&r);

	act_post(spot(eid, "production", cst_day(0), json_pack("{s:[o]}",
	    "items", json_pack("{s:s, s:s}", "product", "水泥", "result",
	    "doubtful"))), &r);
	assert_problem_field(&r, 422, "items[0].result");
	assert_problem_field(&r, 422, "items");
	resp_free(&r);
	act_post(spot(eid, "production", cst_day(0), json_pack("{s:i, s:[o,"
	    " o]}", "batches", 3, "items", batch("a", "pass"),
	    batch("b", "fail"))), &r);
	assert_problem_field(&r, 422, "batches");
	resp_free(&r);
	act_post(spot(eid, "production", cst_day(0), json_pack("{s:i, s:[o]}",
	    "failed_batches", 0, "items", batch("a", "fail"))), &r);
	assert_problem_field(&r, 422, "failed_batches");
	resp_free(&r);
	act_post(spot(eid, "production", cst_day(0), json_pack("{s:[{s:s}]}",
	    "items", "result", "pass")), &r);
	assert_problem_field(&r, 422, "items[0].product");
	resp_free(&r);
	act_post(spot(eid, "production", cst_day(0), json_pack("{s:[{s:s,"
	    " s:s, s:[s]}]}", "items", "product", "水泥", "result", "pass",
	    "failed_items", "安定性")), &r);
	assert_problem_field(&r, 422, "items[0].failed_items");
	resp_free(&r);
	act_post(spot(eid, "production", cst_day(0), json_pack("{s:s, s:i,"
	    " s:i}", "channel", "market", "batches", 1, "failed_batches", 0)),
	    &r);
	assert_problem_field(&r, 422, "channel");
	resp_free(&r);
	act_post(spot(eid, "production", cst_day(0), json_pack("{s:[]}",
	    "items")), &r);
	assert_problem_field(&r, 422, "items");
	resp_free(&r);
	act_post(spot(eid, "production", cst_day(0), json_pack("{s:s}",
	    "items", "x")), &r);
	assert_problem_field(&r, 400, "items");
	resp_free(&r);
	a = json_array();
	for (i = 0; i < 201; i++)
		json_array_append_new(a, json_pack("{s:s, s:s}", "product", "x",
		    "result", "pass"));
	act_post(spot(eid, "production", cst_day(0), json_pack("{s:o}",
	    "items", a)), &r);
	assert_problem_field(&r, 422, "items");
	resp_free(&r);
	/* Only a spot check has batches. */
	act_post(json_pack("{s:s, s:i, s:s, s:s, s:I, s:s, s:b, s:[o]}", "kind",
	    "inspection", "campaign_id", CAMPAIGN, "category", "cement", "on",
	    cst_day(0), "enterprise_id", (json_int_t)eid, "domain",
	    "production", "problems_found", 0, "items", batch("a", "pass")),
	    &r);
	assert_problem_field(&r, 422, "items");
	resp_free(&r);
}

/*
 * The form's 25 columns are the same for the same records whether the
 * spot checks were given as counts or batch by batch: two counties that
 * hold nothing else of the campaign, the same work recorded each way,
 * the same JSON rows and the same CSV bytes -- and the counts are the
 * records', not zeros.
 */
static void
test_form_same_with_and_without_items(void **state)
{
	struct resp	 r;
	json_t		*fa, *fb;
	long long	 ea, eb, ea2, eb2;
	char		*pa, *pb, *ca, *cb, *x, *y;
	PGconn		*db = db_admin();
	const char	*on = cst_day(-1);

	(void)state;
	/* Two counties of Hainan with nothing of the campaign yet. */
	x = db_value(db, "SELECT min(code) FROM regions r WHERE code LIKE"
	    " '46%' AND level = 3 AND valid_to IS NULL AND code > '460106'"
	    " AND NOT EXISTS (SELECT 1 FROM activities a WHERE"
	    " a.region = r.code) AND NOT EXISTS (SELECT 1 FROM cases c"
	    " WHERE c.region = r.code)", NULL);
	assert_non_null(x);
	y = db_value(db, "SELECT min(code) FROM regions r WHERE code LIKE"
	    " '46%' AND level = 3 AND valid_to IS NULL AND code > $1"
	    " AND NOT EXISTS (SELECT 1 FROM activities a WHERE"
	    " a.region = r.code) AND NOT EXISTS (SELECT 1 FROM cases c"
	    " WHERE c.region = r.code)", x, NULL);
	assert_non_null(y);
	PQfinish(db);
	ea = ent_new(x, NULL);
	ea2 = ent_new(x, NULL);
	eb = ent_new(y, NULL);
	eb2 = ent_new(y, NULL);
	/* As counts in one county ... */
	act_post(spot(ea, "production", on, json_pack("{s:i, s:i}", "batches",
	    3, "failed_batches", 1)), &r);
	assert_status(&r, 201);
	resp_free(&r);
	act_post(spot(ea, "production", on, json_pack("{s:i, s:i}", "batches",
	    2, "failed_batches", 0)), &r);
	assert_status(&r, 201);
	resp_free(&r);
	act_post(spot(ea2, "circulation", on, json_pack("{s:i, s:i}",
	    "batches", 4, "failed_batches", 2)), &r);
	assert_status(&r, 201);
	resp_free(&r);
	/* ... batch by batch in the other. */
	act_post(spot(eb, "production", on, json_pack("{s:s, s:[o, o, o]}",
	    "channel", "offline", "items", batch("1", "pass"),
	    batch("2", "fail"), batch("3", "pass"))), &r);
	assert_status(&r, 201);
	resp_free(&r);
	act_post(spot(eb, "production", on, json_pack("{s:[o, o]}", "items",
	    batch("4", "pass"), batch("5", "pass"))), &r);
	assert_status(&r, 201);
	resp_free(&r);
	act_post(spot(eb2, "circulation", on, json_pack("{s:s, s:[o, o, o,"
	    " o]}", "channel", "rural", "items", batch("6", "fail"),
	    batch("7", "pass"), batch("8", "fail"), batch("9", "pass"))), &r);
	assert_status(&r, 201);
	resp_free(&r);

	pa = fmt("/api/v1/reports/campaign/%d?region=%s", CAMPAIGN, x);
	pb = fmt("/api/v1/reports/campaign/%d?region=%s", CAMPAIGN, y);
	fa = get_ok(off, pa);
	fb = get_ok(off, pb);
	assert_int_equal(json_array_size(json_object_get(fa, "columns")), 25);
	assert_true(json_equal(json_object_get(fa, "columns"),
	    json_object_get(fb, "columns")));
	if (!json_equal(json_object_get(fa, "rows"), json_object_get(fb,
	    "rows")))
		fail_msg("the forms differ:\n%s\n%s", json_dumps(
		    json_object_get(fa, "rows"), JSON_COMPACT), json_dumps(
		    json_object_get(fb, "rows"), JSON_COMPACT));
	assert_int_equal(json_integer_value(cell(fb, "水泥",
	    "监督抽查/生产领域/抽查企业")), 1);
	assert_int_equal(json_integer_value(cell(fb, "水泥",
	    "监督抽查/生产领域/抽查批次")), 5);
	assert_int_equal(json_integer_value(cell(fb, "水泥",
	    "监督抽查/生产领域/不合格批次")), 1);
	assert_int_equal(json_integer_value(cell(fb, "合计",
	    "监督抽查/流通领域/抽查批次")), 4);
	assert_int_equal(json_integer_value(cell(fb, "合计",
	    "监督抽查/流通领域/不合格批次")), 2);
	json_decref(fa);
	json_decref(fb);
	/* The CSV, byte for byte. */
	ca = fmt("%s&format=csv", pa);
	cb = fmt("%s&format=csv", pb);
	http_get(off, ca, &r);
	assert_status(&r, 200);
	{
		struct resp r2;

		http_get(off, cb, &r2);
		assert_status(&r2, 200);
		assert_int_equal(r.len, r2.len);
		assert_memory_equal(r.body, r2.body, r.len);
		resp_free(&r2);
	}
	resp_free(&r);
	free(pa);
	free(pb);
	free(ca);
	free(cb);
	free(x);
	free(y);
}

/* ------------------------------------------------------------------ */
/* Risk grades                                                        */
/* ------------------------------------------------------------------ */

/*
 * The grade follows every change that feeds it, in the transaction of
 * the change: the PATCH's own reply, the case's registration and its
 * approved penalty, a failed spot check -- each shows in the
 * enterprise's next reading, with the reason among its factors.
 */
static void
test_risk_recomputed_on_each_event(void **state)
{
	struct resp	 r;
	json_t		*e;
	long long	 eid, cid, before;
	char		*f, *path, *ifm;
	const char	*hdr[2];

	(void)state;
	eid = ent_new(COUNTY_A, NULL);
	e = ent_get(eid);
	f = factor_ids(e);
	assert_string_equal(f, "never_inspected");
	assert_string_equal(grade_of(e), "A");
	assert_int_equal(score_of(e), 10);
	free(f);
	json_decref(e);
	/* The profile: in the PATCH's own reply. */
	ent_patch(eid, 1, json_pack("{s:b, s:[s]}", "accident_history", 1,
	    "area_types", "problem_prone"), &r);
	assert_status(&r, 200);
	assert_int_equal(score_of(r.json), 10 + 30 + 10);
	assert_string_equal(grade_of(r.json), "C");
	resp_free(&r);
	/* A case with a key problem: open, and a key problem. */
	cid = case_new(eid, "production", json_pack("{s:[s]}",
	    "problem_types", "released_uninspected"));
	e = ent_get(eid);
	f = factor_ids(e);
	assert_string_equal(f, "accident_history,key_problem,open_case,"
	    "area_problem_prone,never_inspected");
	assert_int_equal(score_of(e), 80);
	assert_string_equal(grade_of(e), "D");
	free(f);
	json_decref(e);
	/* A failed spot check: inspected now, and failed. */
	act_post(spot(eid, "production", cst_day(0), json_pack("{s:[o]}",
	    "items", batch("x", "fail"))), &r);
	assert_status(&r, 201);
	resp_free(&r);
	e = ent_get(eid);
	f = factor_ids(e);
	assert_string_equal(f, "accident_history,spot_check_failed,"
	    "key_problem,open_case,area_problem_prone");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(json_object_get(e, "risk"), "factors"), 1), "on")),
	    cst_day(0));
	before = score_of(e);
	free(f);
	json_decref(e);
	/* A penalty, proposed then approved: counted on approval. */
	path = fmt("/api/v1/cases/%lld/transitions", cid);
	ifm = fmt("If-Match: \"1\"");
	hdr[0] = ifm;
	hdr[1] = NULL;
	http_json(off, "POST", path, json_pack("{s:s, s:{s:s, s:s, s:s, s:s,"
	    " s:s, s:b}}", "event", "publish_credit", "payload", "decision_no",
	    "琼市监罚〔2022〕1号", "fine_amount", "10000.00",
	    "confiscation_amount", "0.00", "case_value", "20000.00",
	    "published_on", cst_day(0), "serious_list", 0), hdr, &r);
	assert_status(&r, 202);
	resp_free(&r);
	e = ent_get(eid);
	assert_int_equal(score_of(e), before);	/* proposed: nothing yet */
	json_decref(e);
	free(path);
	free(ifm);
	path = fmt("/api/v1/cases/%lld/approval", cid);
	ifm = fmt("If-Match: \"2\"");
	hdr[0] = ifm;
	http_json(legal, "POST", path, json_pack("{s:s, s:s}", "decision",
	    "approve", "comment", "同意"), hdr, &r);
	assert_status(&r, 200);
	resp_free(&r);
	e = ent_get(eid);
	assert_int_equal(score_of(e), before + 20);
	assert_non_null(strstr(f = factor_ids(e), "penalty"));
	free(f);
	json_decref(e);
	free(path);
	free(ifm);
}

/*
 * ?grade= and ?due_for_inspection=true (反复查): a grade D enterprise last
 * inspected more than 30 days ago is due and listed; graded A and just
 * inspected, another is not.
 */
static void
test_risk_lists(void **state)
{
	struct resp	 r;
	json_t		*e, *it;
	long long	 due, fresh;
	char		*path;
	char		 last[11], want[11];
	size_t		 i;
	int		 found = 0;

	(void)state;
	due = ent_new(COUNTY_A, json_pack("{s:b, s:[{s:s, s:s, s:s}]}",
	    "accident_history", 1, "licences", "kind", "production", "number",
	    "XK13-201-00020", "status", "revoked"));
	cst_date(-120, last);
	cst_date(-90, want);
	http_json(off, "POST", "/api/v1/activities", json_pack("{s:s, s:i,"
	    " s:s, s:s, s:I, s:s, s:b}", "kind", "inspection", "campaign_id",
	    2026, "category", "cement", "on", last, "enterprise_id",
	    (json_int_t)due, "domain", "production", "problems_found", 0),
	    NULL, &r);
	assert_status(&r, 201);
	resp_free(&r);
	e = ent_get(due);
	assert_string_equal(grade_of(e), "D");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    e, "risk"), "next_inspection_by")), want);	/* + 30 days */
	assert_true(json_is_true(json_object_get(json_object_get(e, "risk"),
	    "due_for_inspection")));
	json_decref(e);
	fresh = ent_new(COUNTY_A, NULL);
	http_json(off, "POST", "/api/v1/activities", json_pack("{s:s, s:i,"
	    " s:s, s:s, s:I, s:s, s:b}", "kind", "inspection", "campaign_id",
	    2026, "category", "cement", "on", cst_day(0), "enterprise_id",
	    (json_int_t)fresh, "domain", "production", "problems_found", 0),
	    NULL, &r);
	assert_status(&r, 201);
	resp_free(&r);

	path = fmt("/api/v1/enterprises?grade=D&due_for_inspection=true"
	    "&region=%s&limit=200", COUNTY_A);
	http_get(off, path, &r);
	assert_status(&r, 200);
	json_array_foreach(json_object_get(r.json, "items"), i, it) {
		assert_string_equal(json_string_value(json_object_get(it,
		    "risk_grade")), "D");
		assert_true(json_is_true(json_object_get(it,
		    "due_for_inspection")));
		found |= json_integer_value(json_object_get(it, "id")) == due;
		assert_true(json_integer_value(json_object_get(it, "id")) !=
		    fresh);
	}
	assert_true(found);
	resp_free(&r);
	free(path);
	path = fmt("/api/v1/enterprises?grade=A&region=%s&limit=200",
	    COUNTY_A);
	assert_true(list_has(off, path, fresh));
	assert_false(list_has(off, path, due));
	free(path);
	path = fmt("/api/v1/enterprises?due_for_inspection=true&region=%s"
	    "&limit=200", COUNTY_A);
	assert_false(list_has(off, path, fresh));
	free(path);
	http_get(off, "/api/v1/enterprises?grade=E", &r);
	assert_problem_field(&r, 400, "grade");
	resp_free(&r);
}

/*
 * The service's role cannot skip grading: paicha.risk_deferred, which the
 * bulk seeder sets as the superuser, does nothing for it -- an activity
 * it records is graded in its own transaction all the same.
 */
static void
test_risk_not_deferred_by_the_service_role(void **state)
{
	PGconn		*app = db_app();
	long long	 eid;
	char		*id, *sql;

	(void)state;
	eid = ent_new(COUNTY_A, NULL);
	id = fmt("%lld", eid);
	free(db_scope_as(app, off));
	db_do(app, "BEGIN");
	db_do(app, "SET LOCAL paicha.risk_deferred = 'on'");
	sql = fmt("INSERT INTO activities (kind, campaign_id, category,"
	    " on_date, enterprise_id, domain, problems_found, created_by)"
	    " VALUES ('inspection', %d, 'cement', today_cst(), %s,"
	    " 'production', true, scope_user())", CAMPAIGN, id);
	db_do(app, sql);
	db_expect(app, "SELECT factors @> '[{\"id\": \"inspection_problems\"}]'"
	    " FROM enterprise_risk WHERE enterprise_id = $1::bigint", id, "t");
	db_do(app, "ROLLBACK");
	/* Rolled back: the grade is as it was. */
	db_expect(app, "SELECT factors @> '[{\"id\": \"never_inspected\"}]'"
	    " FROM enterprise_risk WHERE enterprise_id = $1::bigint", id, "t");
	free(sql);
	free(id);
	PQfinish(app);
}

/* The rule is data an administrator reads: factors, points, grades. */
static void
test_risk_rule(void **state)
{
	json_t		*j, *f;
	size_t		 i;
	int		 accident = 0;

	(void)state;
	j = get_ok(admin, "/api/v1/risk-rule");
	json_array_foreach(json_object_get(j, "factors"), i, f) {
		assert_true(json_integer_value(json_object_get(f, "points")) >=
		    0);
		assert_non_null(json_string_value(json_object_get(f, "basis")));
		accident |= strcmp(json_string_value(json_object_get(f, "id")),
		    "accident_history") == 0;
	}
	assert_true(accident);
	assert_int_equal(json_array_size(json_object_get(j, "grades")), 4);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "grades"), 3), "grade")), "D");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    json_object_get(j, "grades"), 0), "min_score")), 0);
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_profile_round_trip),
		cmocka_unit_test(test_profile_changes_audited),
		cmocka_unit_test(test_part1_fields_follow_licences),
		cmocka_unit_test(test_profile_bad_input),
		cmocka_unit_test(test_profile_limits),
		cmocka_unit_test(test_licence_alert_on_every_case),
		cmocka_unit_test(test_problem_types_listed),
		cmocka_unit_test(test_case_problem_types),
		cmocka_unit_test(test_problem_type_report),
		cmocka_unit_test(test_spot_check_items),
		cmocka_unit_test(test_form_same_with_and_without_items),
		cmocka_unit_test(test_risk_recomputed_on_each_event),
		cmocka_unit_test(test_risk_lists),
		cmocka_unit_test(test_risk_not_deferred_by_the_service_role),
		cmocka_unit_test(test_risk_rule),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	srand((unsigned)getpid());
	return cmocka_run_group_tests_name("e2e-profile", tests, setup,
	    teardown);
}
