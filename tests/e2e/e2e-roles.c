/*
 * e2e-roles.c: each role's allowed and refused routes, as one table of
 * role x route -> expected status, sent to the real stack.
 *
 * Requests are chosen so that an allowed role gets a status that says
 * the handler ran (200, or 422/428 for a deliberately incomplete body)
 * and a refused one gets the front line's 403: nothing here changes
 * anything.  One user per role (the demo users; admin is national).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e.h"

enum who {
	W_OFFICER,
	W_LEGAL,
	W_AUDITOR,
	W_ADMIN,
	W__MAX
};

static const char *const users[W__MAX] = {
	[W_OFFICER] = "officer.bj",
	[W_LEGAL] = "legal.bj",
	[W_AUDITOR] = "auditor.bj",
	[W_ADMIN] = "admin",
};

struct row {
	const char	*method;
	const char	*path;		/* {case}, {ent}, {user}: ids of a
					   visible case, enterprise, user */
	const char	*body;		/* NULL: none */
	int		 if_match;	/* send If-Match: "999" */
	int		 want[W__MAX];
};

/*
 *                       officer legal auditor admin
 */
static const struct row table[] = {
	{ "GET", "/api/v1/session", NULL, 0, { 200, 200, 200, 200 } },
	/* Everyone changes its own password (the fields are missing). */
	{ "POST", "/api/v1/session/password", "{}", 0,
	    { 422, 422, 422, 422 } },
	{ "GET", "/api/v1/regions", NULL, 0, { 200, 200, 200, 200 } },
	{ "GET", "/api/v1/regions?parent=110000", NULL, 0,
	    { 200, 200, 200, 200 } },
	{ "GET", "/api/v1/categories", NULL, 0, { 200, 200, 200, 200 } },
	{ "GET", "/api/v1/campaigns", NULL, 0, { 200, 200, 200, 200 } },
	{ "GET", "/api/v1/workflow", NULL, 0, { 200, 200, 200, 200 } },
	/* Categories: administrators add (an empty body: 422). */
	{ "POST", "/api/v1/categories", "{}", 0, { 403, 403, 403, 422 } },
	/* Enterprises: all read; officers and admins write. */
	{ "GET", "/api/v1/enterprises", NULL, 0, { 200, 200, 200, 200 } },
	{ "GET", "/api/v1/enterprises/{ent}", NULL, 0,
	    { 200, 200, 200, 200 } },
	{ "POST", "/api/v1/enterprises", "{}", 0, { 422, 403, 403, 422 } },
	/* The directory: officers, legal staff, admins (no code: 400). */
	{ "GET", "/api/v1/enterprises/lookup", NULL, 0,
	    { 400, 400, 403, 400 } },
	{ "PATCH", "/api/v1/enterprises/{ent}", "{\"name\":\"x\"}", 0,
	    { 428, 403, 403, 428 } },
	{ "PATCH", "/api/v1/enterprises/{ent}", "{\"name\":\"x\"}", 1,
	    { 412, 403, 403, 412 } },
	/* Users: administrators only. */
	{ "GET", "/api/v1/users", NULL, 0, { 403, 403, 403, 200 } },
	{ "GET", "/api/v1/users/{user}", NULL, 0, { 403, 403, 403, 200 } },
	{ "POST", "/api/v1/users", "{}", 0, { 403, 403, 403, 422 } },
	{ "PATCH", "/api/v1/users/{user}", "{\"display_name\":\"x\"}", 0,
	    { 403, 403, 403, 428 } },
	{ "PATCH", "/api/v1/users/{user}", "{\"display_name\":\"x\"}", 1,
	    { 403, 403, 403, 412 } },
	/* Cases: all read; officers register; officers and legal act. */
	{ "GET", "/api/v1/cases", NULL, 0, { 200, 200, 200, 200 } },
	{ "GET", "/api/v1/cases/{case}", NULL, 0, { 200, 200, 200, 200 } },
	{ "GET", "/api/v1/cases/{case}/actions", NULL, 0,
	    { 200, 200, 200, 200 } },
	{ "GET", "/api/v1/cases/{case}/events", NULL, 0,
	    { 200, 200, 200, 200 } },
	{ "POST", "/api/v1/cases", "{}", 0, { 422, 403, 403, 403 } },
	{ "POST", "/api/v1/cases/{case}/transitions", "{}", 0,
	    { 422, 422, 403, 403 } },
};

#define NROWS	(sizeof(table) / sizeof(table[0]))

/* The row's path with {case}, {ent} and {user} filled in (malloc'd). */
static char *
expand(const char *path, long long case_id, long long ent_id,
    long long user_id)
{
	static const char *const keys[] = { "{case}", "{ent}", "{user}" };
	const long long	 vals[] = { case_id, ent_id, user_id };
	char		*out = strdup(path), *p, *n;
	size_t		 k;

	for (k = 0; k < 3; k++)
		while ((p = strstr(out, keys[k])) != NULL) {
			*p = '\0';
			n = fmt("%s%lld%s", out, vals[k], p + strlen(keys[k]));
			free(out);
			out = n;
		}
	return out;
}

static void
test_role_route_table(void **state)
{
	struct client	*c[W__MAX], *officer;
	struct resp	 r;
	char		 uscc[19], *path;
	const char	*hdr[3];
	long long	 case_id, ent_id, user_id;
	size_t		 i, w, bad = 0;

	(void)state;
	for (w = 0; w < W__MAX; w++)
		c[w] = client_login(users[w], DEMO_PASSWORD);
	officer = c[W_OFFICER];
	ent_id = fixture_enterprise(officer, "110000", uscc);
	case_id = fixture_case(officer, ent_id);
	user_id = 1;
	http_get(c[W_ADMIN], "/api/v1/users?q=officer.bj", &r);
	assert_status(&r, 200);
	user_id = json_integer_value(json_object_get(json_array_get(
	    json_object_get(r.json, "items"), 0), "id"));
	resp_free(&r);
	assert_true(user_id > 0);

	for (i = 0; i < NROWS; i++) {
		const struct row *t = &table[i];

		path = expand(t->path, case_id, ent_id, user_id);
		for (w = 0; w < W__MAX; w++) {
			hdr[0] = t->body != NULL ?
			    "Content-Type: application/json" : NULL;
			hdr[1] = t->if_match ? "If-Match: \"999\"" : NULL;
			if (hdr[0] == NULL) {
				hdr[0] = hdr[1];
				hdr[1] = NULL;
			}
			hdr[2] = NULL;
			http(c[w], t->method, path, t->body, hdr, &r);
			if (r.status != t->want[w]) {
				fprintf(stderr, "%s %s%s as %s: %ld, want %d: "
				    "%s\n", t->method, path, t->if_match ?
				    " (If-Match)" : "", users[w], r.status,
				    t->want[w], r.body);
				bad++;
			} else if (r.status >= 400)
				assert_problem(&r, (int)r.status);
			resp_free(&r);
		}
		free(path);
	}
	assert_int_equal(bad, 0);
	for (w = 0; w < W__MAX; w++)
		client_free(c[w]);
}

/* Without a session every route but the login and health is 401. */
static void
test_no_session(void **state)
{
	struct client	*c = client_new();
	struct resp	 r;
	size_t		 i;
	char		*path;

	(void)state;
	for (i = 0; i < NROWS; i++) {
		path = expand(table[i].path, 1, 1, 1);
		http(c, table[i].method, path, table[i].body, NULL, &r);
		if (r.status != 401)
			fail_msg("%s %s without a session: %ld", table[i].method,
			    path, r.status);
		assert_problem(&r, 401);
		resp_free(&r);
		free(path);
	}
	client_free(c);
}

/* A refusal is logged with who and what, and no secret. */
static void
test_refusals_are_logged(void **state)
{
	struct client	*c = client_login("legal.bj", DEMO_PASSWORD);
	char		*log;
	FILE		*f;
	char		 buf[1024];
	int		 found = 0;

	(void)state;
	assert_int_equal(status_of(c, "GET", "/api/v1/users", NULL, NULL), 403);
	log = fmt("%s/log/paicha.log", e2e_env("PAICHA_VAR"));
	if ((f = fopen(log, "r")) == NULL)
		fail_msg("cannot read %s", log);
	while (fgets(buf, sizeof(buf), f) != NULL) {
		if (strstr(buf, "legal.bj") != NULL &&
		    strstr(buf, "/api/v1/users") != NULL &&
		    strstr(buf, "lacks the role") != NULL)
			found = 1;
		assert_null(strstr(buf, DEMO_PASSWORD));
	}
	fclose(f);
	assert_true(found);
	free(log);
	client_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_role_route_table),
		cmocka_unit_test(test_no_session),
		cmocka_unit_test(test_refusals_are_logged),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("e2e-roles", tests, NULL, NULL);
}
