/*
 * e2e-regions.c: region isolation through the API, for every regional
 * resource -- enterprises, cases, case events, users.
 *
 *  - a user of another province gets 404 on read and update, and the
 *    record is not in its lists;
 *  - a county user (officer.dc, 110101) sees its county and not the
 *    neighbouring 110102;
 *  - a province user sees its counties.
 *
 * Records are made here: enterprises and cases by officer.bj, users and
 * the regional administrators by the national admin.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e.h"

static struct client	*admin, *officer_bj, *officer_dc, *officer_sh;

static int
setup(void **state)
{
	(void)state;
	admin = client_login("admin", DEMO_PASSWORD);
	officer_bj = client_login("officer.bj", DEMO_PASSWORD);
	officer_dc = client_login("officer.dc", DEMO_PASSWORD);
	officer_sh = client_login("officer.sh", DEMO_PASSWORD);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	client_free(admin);
	client_free(officer_bj);
	client_free(officer_dc);
	client_free(officer_sh);
	return 0;
}

/* GET of `path` by `c` answers `want` (and a 404 is a problem). */
static void
expect_get(struct client *c, const char *path, int want)
{
	struct resp	 r;

	http_get(c, path, &r);
	if (r.status != want)
		fail_msg("GET %s as %s: %ld, want %d: %s", path, c->name,
		    r.status, want, r.body);
	if (want >= 400)
		assert_problem(&r, want);
	resp_free(&r);
}

static const char *const if_match_1[] = { "If-Match: \"1\"", NULL };

/* ------------------------------------------------------------------ */

static void
test_enterprises_other_province(void **state)
{
	char		 uscc[19], *path, *q;
	long long	 id;
	struct resp	 r;

	(void)state;
	id = fixture_enterprise(officer_bj, "110000", uscc);
	path = fmt("/api/v1/enterprises/%lld", id);
	expect_get(officer_bj, path, 200);
	expect_get(officer_sh, path, 404);
	/* Update: 404 too, with the right version in hand. */
	http_json(officer_sh, "PATCH", path, json_pack("{s:s}", "name", "改名"),
	    if_match_1, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	expect_get(officer_bj, path, 200);	/* unchanged: version 1 */
	http_get(officer_bj, path, &r);
	assert_int_equal(json_integer_value(json_object_get(r.json,
	    "version")), 1);
	resp_free(&r);
	/* Lists: not there, even searched for by its exact code. */
	assert_false(list_has(officer_sh, "/api/v1/enterprises?limit=200", id));
	q = fmt("/api/v1/enterprises?q=%s", uscc);
	assert_false(list_has(officer_sh, q, id));
	assert_true(list_has(officer_bj, q, id));
	free(q);
	assert_false(list_has(officer_sh,
	    "/api/v1/enterprises?region=110000&limit=200", id));
	/* Nor can Shanghai register an enterprise in Beijing. */
	uscc_unique(uscc);
	http_json(officer_sh, "POST", "/api/v1/enterprises", json_pack(
	    "{s:s, s:s, s:s}", "uscc", uscc, "name", "越界", "region",
	    "110000"), NULL, &r);
	assert_problem_field(&r, 422, "region");
	resp_free(&r);
	q = fmt("/api/v1/enterprises?q=%s", uscc);
	http_get(admin, q, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
	resp_free(&r);
	free(q);
	free(path);
}

static void
test_enterprises_county(void **state)
{
	char		 uscc[19], *p1, *p2;
	long long	 e1, e2;
	struct resp	 r;

	(void)state;
	e1 = fixture_enterprise(officer_bj, "110101", uscc);
	e2 = fixture_enterprise(officer_bj, "110102", uscc);
	p1 = fmt("/api/v1/enterprises/%lld", e1);
	p2 = fmt("/api/v1/enterprises/%lld", e2);
	/* The county officer: its county, not the neighbour. */
	expect_get(officer_dc, p1, 200);
	expect_get(officer_dc, p2, 404);
	assert_true(list_has(officer_dc, "/api/v1/enterprises?limit=200", e1));
	assert_false(list_has(officer_dc, "/api/v1/enterprises?limit=200", e2));
	http_json(officer_dc, "PATCH", p2, json_pack("{s:s}", "address", "x"),
	    if_match_1, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	/* It registers in its county, not in the neighbour's. */
	uscc_unique(uscc);
	http_json(officer_dc, "POST", "/api/v1/enterprises", json_pack(
	    "{s:s, s:s, s:s}", "uscc", uscc, "name", "西城企业", "region",
	    "110102"), NULL, &r);
	assert_problem_field(&r, 422, "region");
	resp_free(&r);
	http_json(officer_dc, "POST", "/api/v1/enterprises", json_pack(
	    "{s:s, s:s, s:s}", "uscc", uscc, "name", "北京市级企业", "region",
	    "110000"), NULL, &r);
	assert_problem_field(&r, 422, "region");
	resp_free(&r);
	fixture_enterprise(officer_dc, "110101", uscc);
	/* The province officer sees both counties. */
	expect_get(officer_bj, p1, 200);
	expect_get(officer_bj, p2, 200);
	assert_true(list_has(officer_bj, "/api/v1/enterprises?limit=200", e1));
	assert_true(list_has(officer_bj, "/api/v1/enterprises?limit=200", e2));
	assert_true(list_has(officer_bj,
	    "/api/v1/enterprises?region=110102&limit=200", e2));
	assert_false(list_has(officer_bj,
	    "/api/v1/enterprises?region=110102&limit=200", e1));
	/* Shanghai sees neither. */
	expect_get(officer_sh, p1, 404);
	expect_get(officer_sh, p2, 404);
	free(p1);
	free(p2);
}

static void
test_cases_and_events(void **state)
{
	char		 uscc[19], *p, *pa, *pe, *pt;
	long long	 e_dc, e_xc, c_dc, c_xc;
	struct resp	 r;

	(void)state;
	e_dc = fixture_enterprise(officer_bj, "110101", uscc);
	e_xc = fixture_enterprise(officer_bj, "110102", uscc);
	c_dc = fixture_case(officer_bj, e_dc);
	c_xc = fixture_case(officer_bj, e_xc);

	/* Another province: 404 on the case, its actions, its events. */
	p = fmt("/api/v1/cases/%lld", c_dc);
	pa = fmt("/api/v1/cases/%lld/actions", c_dc);
	pe = fmt("/api/v1/cases/%lld/events", c_dc);
	pt = fmt("/api/v1/cases/%lld/transitions", c_dc);
	expect_get(officer_sh, p, 404);
	expect_get(officer_sh, pa, 404);
	expect_get(officer_sh, pe, 404);
	/* An update (a transition) with the right version: 404. */
	http_json(officer_sh, "POST", pt, json_pack("{s:s, s:{s:s}}", "event",
	    "add_note", "payload", "text", "越权备注"), if_match_1, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	assert_false(list_has(officer_sh, "/api/v1/cases?limit=200", c_dc));
	assert_false(list_has(officer_sh,
	    "/api/v1/cases?region=110000&limit=200", c_dc));
	/* Its history is untouched: still the one registration event. */
	http_get(officer_bj, pe, &r);
	assert_status(&r, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
	resp_free(&r);

	/* The county officer: its own county's case, not the neighbour's. */
	expect_get(officer_dc, p, 200);
	expect_get(officer_dc, pe, 200);
	assert_true(list_has(officer_dc, "/api/v1/cases?limit=200", c_dc));
	assert_false(list_has(officer_dc, "/api/v1/cases?limit=200", c_xc));
	free(p);
	free(pe);
	free(pt);
	p = fmt("/api/v1/cases/%lld", c_xc);
	pe = fmt("/api/v1/cases/%lld/events", c_xc);
	pt = fmt("/api/v1/cases/%lld/transitions", c_xc);
	expect_get(officer_dc, p, 404);
	expect_get(officer_dc, pe, 404);
	http_json(officer_dc, "POST", pt, json_pack("{s:s, s:{s:s}}", "event",
	    "add_note", "payload", "text", "越权备注"), if_match_1, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	/* Nor may it register a case about the neighbour's enterprise. */
	http_json(officer_dc, "POST", "/api/v1/cases", json_pack("{s:I, s:i,"
	    " s:s, s:s, s:s, s:s}", "enterprise_id", (json_int_t)e_xc,
	    "campaign_id", 2022, "category", "cement", "domain", "production",
	    "source", "complaint", "problem", "越权"), NULL, &r);
	assert_problem_field(&r, 422, "enterprise_id");
	resp_free(&r);

	/* The province officer sees both counties' cases. */
	expect_get(officer_bj, p, 200);
	assert_true(list_has(officer_bj, "/api/v1/cases?limit=200", c_dc));
	assert_true(list_has(officer_bj, "/api/v1/cases?limit=200", c_xc));
	free(p);
	free(pa);
	free(pe);
	free(pt);
}

static void
test_users(void **state)
{
	struct client	*admin_bj, *admin_sh, *admin_dc;
	char		*n_bj, *n_sh, *n_dc, *n_xc, *n_o, *p;
	long long	 u_o, u_dc, u_xc, u_sh;
	struct resp	 r;

	(void)state;
	n_bj = unique_name("e2e.adminbj.");
	n_sh = unique_name("e2e.adminsh.");
	n_dc = unique_name("e2e.admindc.");
	n_xc = unique_name("e2e.officerxc.");
	n_o = unique_name("e2e.officerbj.");
	fixture_user(admin, n_bj, "110000", "[\"admin\"]");
	u_sh = fixture_user(admin, n_sh, "310000", "[\"admin\"]");
	u_dc = fixture_user(admin, n_dc, "110101", "[\"admin\"]");
	u_xc = fixture_user(admin, n_xc, "110102", "[\"officer\"]");
	u_o = fixture_user(admin, n_o, "110000", "[\"officer\"]");
	admin_bj = client_login(n_bj, FIXTURE_PASSWORD);
	admin_sh = client_login(n_sh, FIXTURE_PASSWORD);
	admin_dc = client_login(n_dc, FIXTURE_PASSWORD);

	/* Another province's administrator: 404 on read and update. */
	p = fmt("/api/v1/users/%lld", u_o);
	expect_get(admin_bj, p, 200);
	expect_get(admin_sh, p, 404);
	http_json(admin_sh, "PATCH", p, json_pack("{s:b}", "disabled", 1),
	    if_match_1, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	assert_false(list_has(admin_sh, "/api/v1/users?limit=200", u_o));
	assert_false(list_has(admin_sh, "/api/v1/users?region=110000&limit=200",
	    u_o));
	assert_true(list_has(admin_sh, "/api/v1/users?limit=200", u_sh));
	/* The user was not disabled: it still logs in. */
	client_free(client_login(n_o, FIXTURE_PASSWORD));
	free(p);
	/* Nor can Beijing's administrator see Shanghai's. */
	p = fmt("/api/v1/users/%lld", u_sh);
	expect_get(admin_bj, p, 404);
	free(p);

	/* A county administrator: its county only. */
	p = fmt("/api/v1/users/%lld", u_xc);
	expect_get(admin_dc, p, 404);
	assert_false(list_has(admin_dc, "/api/v1/users?limit=200", u_xc));
	assert_true(list_has(admin_dc, "/api/v1/users?limit=200", u_dc));
	/* The province's administrator sees both counties. */
	expect_get(admin_bj, p, 200);
	assert_true(list_has(admin_bj, "/api/v1/users?limit=200", u_dc));
	free(p);
	/* No one is made above or beside the administrator's own region. */
	http_json(admin_dc, "POST", "/api/v1/users", json_pack("{s:s, s:s, s:s,"
	    " s:[s], s:s}", "username", "e2e.not-made", "display_name", "x",
	    "region", "110000", "roles", "officer", "password",
	    FIXTURE_PASSWORD), NULL, &r);
	assert_problem_field(&r, 422, "region");
	resp_free(&r);
	http_json(admin_bj, "POST", "/api/v1/users", json_pack("{s:s, s:s, s:s,"
	    " s:[s], s:s}", "username", "e2e.not-made", "display_name", "x",
	    "region", "000000", "roles", "admin", "password",
	    FIXTURE_PASSWORD), NULL, &r);
	assert_problem_field(&r, 422, "region");
	resp_free(&r);
	/* Nor moved out of it. */
	p = fmt("/api/v1/users/%lld", u_o);
	http_json(admin_bj, "PATCH", p, json_pack("{s:s}", "region", "310000"),
	    if_match_1, &r);
	assert_problem_field(&r, 422, "region");
	resp_free(&r);
	free(p);
	client_free(admin_bj);
	client_free(admin_sh);
	client_free(admin_dc);
	free(n_bj);
	free(n_sh);
	free(n_dc);
	free(n_xc);
	free(n_o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enterprises_other_province),
		cmocka_unit_test(test_enterprises_county),
		cmocka_unit_test(test_cases_and_events),
		cmocka_unit_test(test_users),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("e2e-regions", tests, setup,
	    teardown);
}
