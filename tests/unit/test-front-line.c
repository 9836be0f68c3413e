/*
 * test-front-line.c: the front line's checks, in its fixed order, on
 * requests made in memory -- method and route (404/405), query (400),
 * content type (415), size (413, declared and actually read), body (400),
 * origin (403), session (401) -- none of which may reach a handler or
 * the database.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fake-fcgi.h"

/* Run one request; assert its status and that it is problem+json. */
static struct fake *
run(int want, const char *method, const char *uri, const char *ctype,
    const char *clen, const char *body, size_t len, const char *extra)
{
	char		 m[64], u[512], ct[128], cl[64], q[512], hdr[128];
	const char	*env[8];
	struct fake	*f;
	const char	*qs;
	int		 n = 0;

	snprintf(m, sizeof(m), "REQUEST_METHOD=%s", method);
	snprintf(u, sizeof(u), "REQUEST_URI=%s", uri);
	qs = strchr(uri, '?');
	snprintf(q, sizeof(q), "QUERY_STRING=%s", qs != NULL ? qs + 1 : "");
	env[n++] = m;
	env[n++] = u;
	env[n++] = q;
	env[n++] = "REMOTE_ADDR=127.0.0.1";
	if (ctype != NULL) {
		snprintf(ct, sizeof(ct), "CONTENT_TYPE=%s", ctype);
		env[n++] = ct;
	}
	if (clen != NULL) {
		snprintf(cl, sizeof(cl), "CONTENT_LENGTH=%s", clen);
		env[n++] = cl;
	}
	if (extra != NULL)
		env[n++] = extra;
	env[n] = NULL;
	f = fake_new(env, body, len);
	f->fr.keepConnection = 1;	/* as nginx asks (fastcgi_keep_conn) */
	assert_int_equal(fake_run(f), want);
	assert_non_null(fake_header(f, "Content-Type", hdr, sizeof(hdr)));
	if (want >= 400) {
		assert_string_equal(hdr, "application/problem+json");
		assert_non_null(f->json);
		assert_int_equal(json_integer_value(json_object_get(f->json,
		    "status")), want);
	}
	return f;
}

static void
test_routes(void **state)
{
	struct fake	*f;
	char		 allow[64];

	fake_free(run(404, "GET", "/nope", NULL, NULL, NULL, 0, NULL));
	fake_free(run(404, "GET", "/api/v1/cases/0", NULL, NULL, NULL, 0,
	    NULL));
	fake_free(run(404, "GET", "/api/v1/cases/012", NULL, NULL, NULL, 0,
	    NULL));
	fake_free(run(404, "GET", "/api/v1/cases/1234567890123456789", NULL,
	    NULL, NULL, 0, NULL));
	fake_free(run(404, "GET", "/api/v1/cases/1/", NULL, NULL, NULL, 0,
	    NULL));
	f = run(405, "PUT", "/healthz", NULL, NULL, NULL, 0, NULL);
	assert_non_null(fake_header(f, "Allow", allow, sizeof(allow)));
	assert_string_equal(allow, "GET");
	fake_free(f);
	f = run(405, "TRACE", "/api/v1/session", NULL, NULL, NULL, 0, NULL);
	assert_non_null(fake_header(f, "Allow", allow, sizeof(allow)));
	assert_string_equal(allow, "POST, GET, DELETE");
	fake_free(f);
	/* Loopback only. */
	{
		const char *env[] = { "REQUEST_METHOD=GET",
		    "REQUEST_URI=/metrics", "REMOTE_ADDR=192.0.2.1", NULL };

		f = fake_new(env, NULL, 0);
		assert_int_equal(fake_run(f), 404);
		fake_free(f);
	}
}

/*
 * A path that is not absolute or has a dot segment is a 400 before any
 * route is looked for: nginx refuses those above the root, and passes
 * the others as sent.
 */
static void
test_paths(void **state)
{
	static const char *const bad[] = {
		"/api/v1/./session", "/api/v1/x/../session", "/..", "/.",
		"/api/v1/%2e%2E/session", "/api/v1/.%2e/session",
		"/api/v1/%2e", "api/v1/session", "", "/api/v1/session/..",
		NULL
	};
	size_t	 i;

	for (i = 0; bad[i] != NULL; i++)
		fake_free(run(400, "GET", bad[i], NULL, NULL, NULL, 0, NULL));
	/* Dots that are not a whole segment are names like any other. */
	fake_free(run(404, "GET", "/api/v1/.../x", NULL, NULL, NULL, 0, NULL));
	fake_free(run(404, "GET", "/.well-known/x", NULL, NULL, NULL, 0, NULL));
	fake_free(run(404, "GET", "/api/v1/a.b", NULL, NULL, NULL, 0, NULL));
	fake_free(run(404, "GET", "//api//v1", NULL, NULL, NULL, 0, NULL));
	fake_free(run(401, "GET", "/api/v1/session", NULL, NULL, NULL, 0,
	    NULL));
}

static void
test_session_needed(void **state)
{
	/* No cookie, or a malformed one: 401 without asking the database. */
	fake_free(run(401, "GET", "/api/v1/cases/12", NULL, NULL, NULL, 0,
	    NULL));
	fake_free(run(401, "GET", "/api/v1/session", NULL, NULL, NULL, 0,
	    "HTTP_COOKIE=__Host-paicha=short"));
	fake_free(run(401, "GET", "/api/v1/session", NULL, NULL, NULL, 0,
	    "HTTP_COOKIE=other=1; __Host-paicha=********************************"
	    "***********"));
}

static void
test_query(void **state)
{
	char	 uri[1024];
	int	 i, n;

	fake_free(run(400, "GET", "/healthz?a=1&a=2", NULL, NULL, NULL, 0,
	    NULL));
	fake_free(run(400, "GET", "/healthz?a=%zz", NULL, NULL, NULL, 0,
	    NULL));
	fake_free(run(400, "GET", "/healthz?a=%00", NULL, NULL, NULL, 0,
	    NULL));
	fake_free(run(400, "GET", "/healthz?a=%c0%af", NULL, NULL, NULL, 0,
	    NULL));
	fake_free(run(400, "GET", "/healthz?=1", NULL, NULL, NULL, 0, NULL));
	n = snprintf(uri, sizeof(uri), "/healthz?");
	for (i = 0; i <= MAX_QUERY; i++)
		n += snprintf(uri + n, sizeof(uri) - (size_t)n, "k%d=1&", i);
	fake_free(run(400, "GET", uri, NULL, NULL, NULL, 0, NULL));
}

static void
test_content_type(void **state)
{
	fake_free(run(415, "POST", "/api/v1/session", "text/plain", "2", "{}",
	    2, NULL));
	fake_free(run(415, "POST", "/api/v1/session", NULL, "2", "{}", 2,
	    NULL));
	fake_free(run(415, "POST", "/api/v1/session",
	    "application/json; charset=latin1", "2", "{}", 2, NULL));
	fake_free(run(415, "POST", "/api/v1/session", "application/jsonx",
	    "2", "{}", 2, NULL));
	fake_free(run(415, "DELETE", "/api/v1/session", "application/json",
	    "2", "{}", 2, NULL));
}

static void
test_size(void **state)
{
	static char	 big[MAX_BODY + 2];
	char		 cl[32];

	memset(big, ' ', sizeof(big));
	/* Declared too large: 413 before reading anything. */
	snprintf(cl, sizeof(cl), "%d", MAX_BODY + 1);
	fake_free(run(413, "POST", "/api/v1/cases", "application/json", cl,
	    big, sizeof(big), NULL));
	fake_free(run(413, "POST", "/api/v1/session", "application/json",
	    "4097", big, 4097, NULL));
	fake_free(run(400, "POST", "/api/v1/cases", "application/json",
	    "12x", "{}", 2, NULL));
	fake_free(run(400, "POST", "/api/v1/cases", "application/json",
	    "-1", "{}", 2, NULL));
	/* Declared 10, sent 5: the body ended early. */
	fake_free(run(400, "POST", "/api/v1/cases", "application/json", "10",
	    "{\"a\"", 4, NULL));
}

static void
test_body_not_read_past_length(void **state)
{
	struct fake	*f;
	const char	*body = "{\"a\":1}GARBAGE-AFTER-THE-DECLARED-LENGTH";

	/* Declared 7: a valid object, never more of it; that more followed
	 * (a byte looked at to see the body's end) closes the connection. */
	f = run(401, "POST", "/api/v1/cases", "application/json", "7", body,
	    strlen(body), NULL);
	assert_int_equal(f->r.bodylen, 7);
	assert_ptr_equal(f->in.rdNext, f->inbuf + 8);
	assert_int_equal(f->fr.keepConnection, 0);
	fake_free(f);
	/* Exactly as declared: the connection stays. */
	f = run(401, "POST", "/api/v1/cases", "application/json", "7", body,
	    7, NULL);
	assert_int_equal(f->fr.keepConnection, 1);
	fake_free(f);
}

static void
test_json(void **state)
{
	static const char *const bad[] = {
		"{", "[]", "\"s\"", "1", "{\"a\":1,\"a\":2}", "{\"a\":\"\\ud800\"}",
		"{\"a\":1} x", NULL
	};
	char	 cl[32];
	size_t	 i;

	for (i = 0; bad[i] != NULL; i++) {
		snprintf(cl, sizeof(cl), "%zu", strlen(bad[i]));
		fake_free(run(400, "POST", "/api/v1/cases", "application/json",
		    cl, bad[i], strlen(bad[i]), NULL));
	}
}

/*
 * A body `depth` levels deep: objects and arrays in turn, the brackets
 * of a string inside not counted (malloc'd).
 */
static char *
nested(int depth)
{
	size_t	 n = 0, size = (size_t)depth * 16 + 64;
	char	*b = malloc(size);
	int	 i;

	assert_non_null(b);
	for (i = 0; i < depth; i++)
		n += (size_t)snprintf(b + n, size - n, i % 2 == 0 ?
		    "{\"k[{\":" : "[");
	n += (size_t)snprintf(b + n, size - n, "\"]}[\\\"{\"");
	for (i = depth - 1; i >= 0; i--)
		n += (size_t)snprintf(b + n, size - n, i % 2 == 0 ? "}" : "]");
	return b;
}

/* JSON nested 32 levels passes (to the session: 401), 33 is a 400. */
static void
test_json_depth(void **state)
{
	static const int depths[] = { 1, 31, 32, 33, 34, 2000 };
	char		 cl[32], *b;
	json_t		*j;
	size_t		 i;

	for (i = 0; i < sizeof(depths) / sizeof(depths[0]); i++) {
		b = nested(depths[i]);
		/* Well-formed, so that a 400 is for the depth alone. */
		assert_non_null(j = json_loads(b, 0, NULL));
		json_decref(j);
		snprintf(cl, sizeof(cl), "%zu", strlen(b));
		fake_free(run(depths[i] <= 32 ? 401 : 400, "POST",
		    "/api/v1/cases", "application/json", cl, b, strlen(b),
		    NULL));
		free(b);
	}
}

static void
test_cross_site(void **state)
{
	fake_free(run(403, "POST", "/api/v1/cases", "application/json", "2",
	    "{}", 2, "HTTP_SEC_FETCH_SITE=cross-site"));
	fake_free(run(403, "POST", "/api/v1/cases", "application/json", "2",
	    "{}", 2, "HTTP_ORIGIN=https://evil.example"));
	fake_free(run(403, "POST", "/api/v1/cases", "application/json", "2",
	    "{}", 2, "HTTP_ORIGIN=null"));
	/* Same-origin passes on to the session check. */
	fake_free(run(401, "POST", "/api/v1/cases", "application/json", "2",
	    "{}", 2, "HTTP_SEC_FETCH_SITE=same-origin"));
}

static void
test_params_limit(void **state)
{
	static char	 names[MAX_PARAMS + 8][32];
	const char	*env[MAX_PARAMS + 10];
	struct fake	*f;
	int		 i;

	env[0] = "REQUEST_METHOD=GET";
	env[1] = "REQUEST_URI=/healthz";
	for (i = 0; i < MAX_PARAMS; i++) {
		snprintf(names[i], sizeof(names[i]), "HTTP_X_%d=1", i);
		env[i + 2] = names[i];
	}
	env[MAX_PARAMS + 2] = NULL;
	f = fake_new(env, NULL, 0);
	assert_int_equal(fake_run(f), 431);
	fake_free(f);
}

static int
setup(void **state)
{
	return config_load(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_session_needed),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_content_type),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_body_not_read_past_length),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_depth),
		cmocka_unit_test(test_cross_site),
		cmocka_unit_test(test_params_limit),
	};

	return cmocka_run_group_tests_name("front-line", tests, setup, NULL);
}
