/*
 * e2e-foundation.c: the stack itself -- nginx with TLS in front of the
 * FastCGI service on PostgreSQL: health, the front line's errors, limits,
 * the database going away and coming back, and a graceful restart under
 * load.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "e2e.h"

static void
test_healthz(void **state)
{
	struct client	*c = client_new();
	struct resp	 r;

	http_get(c, "/healthz", &r);
	assert_status(&r, 200);
	assert_non_null(r.json);
	assert_true(json_is_true(json_object_get(r.json, "ok")));
	assert_true(json_is_true(json_object_get(r.json, "db")));
	resp_free(&r);
	client_free(c);
}

static void
test_security_headers(void **state)
{
	static const char *const want[] = {
		"Strict-Transport-Security", "X-Content-Type-Options",
		"X-Frame-Options", "Content-Security-Policy",
		"Referrer-Policy", NULL
	};
	struct client	*c = client_new();
	struct resp	 r;
	char		 v[512];
	size_t		 i;

	/* On a success and on an error alike. */
	http_get(c, "/healthz", &r);
	for (i = 0; want[i] != NULL; i++)
		if (resp_header(&r, want[i], v, sizeof(v)) == NULL)
			fail_msg("no %s on /healthz", want[i]);
	resp_free(&r);
	http_get(c, "/api/v1/nope", &r);
	for (i = 0; want[i] != NULL; i++)
		if (resp_header(&r, want[i], v, sizeof(v)) == NULL)
			fail_msg("no %s on a 404", want[i]);
	assert_non_null(resp_header(&r, "Cache-Control", v, sizeof(v)));
	assert_string_equal(v, "no-store");
	resp_free(&r);
	client_free(c);
}

static void
test_not_found(void **state)
{
	struct client	*c = client_new();
	struct resp	 r;

	http_get(c, "/nope", &r);
	assert_problem(&r, 404);
	resp_free(&r);
	http_get(c, "/api/v1/nope", &r);
	assert_problem(&r, 404);
	resp_free(&r);
	/* Ids are positive decimals; anything else is not a route. */
	http_get(c, "/api/v1/cases/0", &r);
	assert_problem(&r, 404);
	resp_free(&r);
	http_get(c, "/api/v1/cases/1x", &r);
	assert_problem(&r, 404);
	resp_free(&r);
	client_free(c);
}

static void
test_method_not_allowed(void **state)
{
	struct client	*c = client_new();
	struct resp	 r;
	char		 allow[64];

	http(c, "PUT", "/healthz", NULL, NULL, &r);
	assert_problem(&r, 405);
	assert_non_null(resp_header(&r, "Allow", allow, sizeof(allow)));
	assert_string_equal(allow, "GET");
	resp_free(&r);
	http(c, "PATCH", "/api/v1/session", "{}", NULL, &r);
	assert_problem(&r, 405);
	assert_non_null(resp_header(&r, "Allow", allow, sizeof(allow)));
	assert_non_null(strstr(allow, "POST"));
	assert_non_null(strstr(allow, "GET"));
	assert_non_null(strstr(allow, "DELETE"));
	resp_free(&r);
	client_free(c);
}

static void
test_unsupported_media_type(void **state)
{
	static const char *const text[] = { "Content-Type: text/plain", NULL };
	static const char *const latin[] = {
		"Content-Type: application/json; charset=iso-8859-1", NULL
	};
	struct client	*c = client_new();
	struct resp	 r;

	http(c, "POST", "/api/v1/session", "{}", text, &r);
	assert_problem(&r, 415);
	resp_free(&r);
	http(c, "POST", "/api/v1/session", "{}", latin, &r);
	assert_problem(&r, 415);
	resp_free(&r);
	/* A route that takes no body refuses one. */
	http(c, "DELETE", "/api/v1/session", "{}", NULL, &r);
	assert_problem(&r, 415);
	resp_free(&r);
	client_free(c);
}

static char *
big_json(size_t size)
{
	char	*s = malloc(size + 1);

	assert_non_null(s);
	memset(s, ' ', size);
	s[0] = '{';
	s[size - 1] = '}';
	s[size] = '\0';
	return s;
}

static void
test_too_large(void **state)
{
	struct client	*c = client_new();
	struct resp	 r;
	char		*body;

	/* Past the service's own 64 KiB limit: the service says 413. */
	body = big_json(100 * 1024);
	http(c, "POST", "/api/v1/session", body, NULL, &r);
	assert_problem(&r, 413);
	resp_free(&r);
	free(body);
	/* The login takes 4 KiB at most, before anyone is known. */
	body = big_json(5000);
	http(c, "POST", "/api/v1/session", body, NULL, &r);
	assert_problem(&r, 413);
	resp_free(&r);
	free(body);
	/* Past nginx's outer limit: nginx says 413, also as a problem. */
	body = big_json(1024 * 1024);
	http(c, "POST", "/api/v1/session", body, NULL, &r);
	assert_problem(&r, 413);
	resp_free(&r);
	free(body);
	client_free(c);
}

static void
test_body_lies_about_length(void **state)
{
	const char	*body = "{\"username\":\"officer.bj\","
	    "\"password\":\"paicha-demo\"}";
	char		*req, *out;

	/* Claims 10 bytes, sends 60 and then 5000 more. */
	req = fmt("POST /api/v1/session HTTP/1.1\r\nHost: localhost\r\n"
	    "Content-Type: application/json\r\nContent-Length: 10\r\n"
	    "Connection: close\r\n\r\n%s%5000s", body, "x");
	out = raw_https(req, strlen(req));
	assert_non_null(out);
	/* Only the first 10 bytes were the body: not a JSON document. */
	if (strncmp(out, "HTTP/1.1 400", 12) != 0 ||
	    strstr(out, "application/problem+json") == NULL)
		fail_msg("unexpected reply: %.300s", out);
	free(out);
	free(req);
}

/*
 * Send `req` raw; the answer must be status `want` as problem+json with
 * that status in its body.
 */
static void
raw_problem(const char *req, int want)
{
	char		*out = raw_https(req, strlen(req)), line[32], *body;
	json_t		*j = NULL;

	assert_non_null(out);
	snprintf(line, sizeof(line), "HTTP/1.1 %d ", want);
	if (strncmp(out, line, strlen(line)) != 0 ||
	    strstr(out, "Content-Type: application/problem+json") == NULL ||
	    (body = strstr(out, "\r\n\r\n")) == NULL ||
	    (j = json_loads(body + 4, 0, NULL)) == NULL)
		fail_msg("%.40s: want %d problem+json, got: %.300s", req, want,
		    out);
	assert_int_equal(json_integer_value(json_object_get(j, "status")),
	    want);
	json_decref(j);
	free(out);
}

/*
 * Issue 15: a malformed request line, a path outside the root, and the
 * other requests nginx answers before it knows a URI get problem+json
 * (they got nginx's 500 HTML page: an error_page to a named location
 * needs a URI).
 */
static void
test_malformed_requests(void **state)
{
	static const char *const bad400[] = {
		"GARBAGE\r\n\r\n",
		"GET /x HTTP/1.1 junk\r\nHost: localhost\r\n\r\n",
		"POST /api/v1/session HTTP/1.1 junk\r\nHost: localhost\r\n\r\n",
		"GET /../x HTTP/1.1\r\nHost: localhost\r\nConnection: close"
		    "\r\n\r\n",
		"GET /api/../../etc/passwd HTTP/1.1\r\nHost: localhost\r\n"
		    "Connection: close\r\n\r\n",
		"GET /%2e%2e/x HTTP/1.1\r\nHost: localhost\r\nConnection: "
		    "close\r\n\r\n",
		"GET /x HTTP/1.1\r\nHost: localhost\r\nBad Header\r\n\r\n",
		"POST /x HTTP/1.1\r\nContent-Length: 100000\r\nHost: a b\r\n"
		    "\r\n",
		NULL
	};
	struct client	*c = client_new();
	struct resp	 r;
	char		*req, *big;
	size_t		 i;

	for (i = 0; bad400[i] != NULL; i++)
		raw_problem(bad400[i], 400);
	/* A request line or a header too long for nginx's buffers. */
	big = malloc(20001);
	assert_non_null(big);
	memset(big, 'a', 20000);
	big[20000] = '\0';
	req = fmt("GET /%s HTTP/1.1\r\nHost: localhost\r\n\r\n", big);
	raw_problem(req, 414);
	free(req);
	req = fmt("GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: %s"
	    "\r\n\r\n", big);
	raw_problem(req, 400);
	free(req);
	free(big);
	/* Over HTTP/2 too: curl sends the dots as they are. */
	curl_easy_setopt(c->curl, CURLOPT_PATH_AS_IS, 1L);
	http_get(c, "/../x", &r);
	assert_problem(&r, 400);
	resp_free(&r);
	http_get(c, "/api/../../x", &r);
	assert_problem(&r, 400);
	resp_free(&r);
	/* Within the root the service refuses dot segments itself. */
	http_get(c, "/api/v1/./session", &r);
	assert_problem(&r, 400);
	resp_free(&r);
	http_get(c, "/api/v1/x/../session", &r);
	assert_problem(&r, 400);
	resp_free(&r);
	client_free(c);
}

static void
test_malformed_bodies(void **state)
{
	static const char *const bad[] = {
		"{", "[]", "\"x\"", "{\"username\":\"a\",\"username\":\"b\"}",
		"{\"username\": 5, \"password\": \"x\"}", "",
		"{\"username\":\"\\u0000\",\"password\":\"x\"}", NULL
	};
	struct client	*c = client_new();
	struct resp	 r;
	size_t		 i;

	for (i = 0; bad[i] != NULL; i++) {
		http(c, "POST", "/api/v1/session", bad[i], NULL, &r);
		if (r.status != 400 && r.status != 422)
			fail_msg("body %s: status %ld", bad[i], r.status);
		assert_problem(&r, (int)r.status);
		resp_free(&r);
	}
	client_free(c);
}

static void
test_query_limits(void **state)
{
	struct client	*c = client_new();
	struct resp	 r;
	char		 q[4096];
	size_t		 i, n = 0;

	http_get(c, "/healthz?a=1&a=2", &r);
	assert_problem(&r, 400);
	resp_free(&r);
	http_get(c, "/healthz?a=%zz", &r);
	assert_problem(&r, 400);
	resp_free(&r);
	http_get(c, "/healthz?a=%ff%fe", &r);
	assert_problem(&r, 400);
	resp_free(&r);
	n = (size_t)snprintf(q, sizeof(q), "/healthz?");
	for (i = 0; i < 30; i++)
		n += (size_t)snprintf(q + n, sizeof(q) - n, "k%zu=v&", i);
	http_get(c, q, &r);
	assert_problem(&r, 400);
	resp_free(&r);
	client_free(c);
}

static void
test_cross_site(void **state)
{
	static const char *const evil[] = {
		"Origin: https://evil.example", NULL
	};
	static const char *const fetch[] = {
		"Sec-Fetch-Site: cross-site", NULL
	};
	struct client	*c = client_new();
	struct resp	 r;

	http_json(c, "POST", "/api/v1/session", json_pack("{s:s, s:s}",
	    "username", "officer.bj", "password", DEMO_PASSWORD), evil, &r);
	assert_problem(&r, 403);
	resp_free(&r);
	http_json(c, "POST", "/api/v1/session", json_pack("{s:s, s:s}",
	    "username", "officer.bj", "password", DEMO_PASSWORD), fetch, &r);
	assert_problem(&r, 403);
	resp_free(&r);
	client_free(c);
}

static void
test_metrics(void **state)
{
	struct client	*c = client_new();
	struct resp	 r;
	char		 ct[128];

	http_get(c, "/healthz", &r);
	resp_free(&r);
	http_get(c, "/metrics", &r);
	assert_status(&r, 200);
	assert_non_null(resp_header(&r, "Content-Type", ct, sizeof(ct)));
	assert_non_null(strstr(ct, "text/plain"));
	assert_non_null(strstr(r.body,
	    "paicha_requests_total{method=\"GET\",route=\"/healthz\","
	    "status=\"200\"}"));
	assert_non_null(strstr(r.body, "paicha_request_duration_seconds_bucket"));
	assert_non_null(strstr(r.body, "paicha_db_errors_total"));
	resp_free(&r);
	client_free(c);
}

/* Whether a TLS handshake with exactly `version` succeeds. */
static int
tls_handshake(int version)
{
	struct client	*c = client_new();
	struct resp	 r;
	long		 st;

	curl_easy_setopt(c->curl, CURLOPT_SSLVERSION, (long)version);
	st = http_get(c, "/healthz", &r);
	resp_free(&r);
	client_free(c);
	return st == 200;
}

static void
test_tls_versions(void **state)
{
	struct client	*c;
	struct resp	 r;

	assert_true(tls_handshake(CURL_SSLVERSION_TLSv1_2 |
	    CURL_SSLVERSION_MAX_TLSv1_2));
	assert_true(tls_handshake(CURL_SSLVERSION_TLSv1_3 |
	    CURL_SSLVERSION_MAX_TLSv1_3));
	/* TLS 1.1 with the client's own floor lifted: the server refuses. */
	c = client_new();
	curl_easy_setopt(c->curl, CURLOPT_SSLVERSION,
	    (long)(CURL_SSLVERSION_TLSv1_1 | CURL_SSLVERSION_MAX_TLSv1_1));
	curl_easy_setopt(c->curl, CURLOPT_SSL_CIPHER_LIST, "ALL:@SECLEVEL=0");
	assert_int_equal(http_get(c, "/healthz", &r), 0);
	resp_free(&r);
	client_free(c);
}

static void
test_database_outage(void **state)
{
	struct client	*c = client_new();
	struct resp	 r;
	double		 t0, t;
	int		 ok = 0;

	assert_int_equal(run_cmd("db-stop"), 0);
	t0 = now_seconds();
	http_get(c, "/healthz", &r);
	t = now_seconds() - t0;
	assert_status(&r, 503);
	assert_false(json_is_true(json_object_get(r.json, "db")));
	resp_free(&r);
	if (t > 5)
		fail_msg("503 took %.1f s", t);
	/* An API call: problem+json, nothing of libpq's text. */
	http_json(c, "POST", "/api/v1/session", json_pack("{s:s, s:s}",
	    "username", "officer.bj", "password", DEMO_PASSWORD), NULL, &r);
	assert_problem(&r, 503);
	assert_null(strstr(r.body, "PQ"));
	assert_null(strstr(r.body, "socket"));
	assert_null(strstr(r.body, "postgres"));
	resp_free(&r);

	assert_int_equal(run_cmd("db-start"), 0);
	t0 = now_seconds();
	while (now_seconds() - t0 < 5) {
		http_get(c, "/healthz", &r);
		ok = r.status == 200;
		resp_free(&r);
		if (ok)
			break;
		usleep(100000);
	}
	assert_true(ok);
	client_free(c);
}

/*
 * A client that keeps asking while the worker is replaced: a GET and a
 * POST in turn.  nginx passes a GET that failed on a kept-alive
 * connection on to another one, but never a POST it has sent (it may
 * have changed something): a POST shows every request the worker drops.
 * The POST is a login without fields, answered 422 before the database.
 */
struct hammer {
	volatile int	*stop;
	int		 ok, bad;
	long		 last_bad;
	char		 last_path[32];
};

static void *
hammer_main(void *arg)
{
	struct hammer	*h = arg;
	struct client	*c = client_new();
	struct resp	 r;
	long		 want;
	unsigned long	 n = 0;

	while (!*h->stop) {
		if (n++ % 2 == 0) {
			http_get(c, "/healthz", &r);
			want = 200;
		} else {
			http(c, "POST", "/api/v1/session", "{}", NULL, &r);
			want = 422;
		}
		if (r.status == want)
			h->ok++;
		else {
			h->bad++;
			h->last_bad = r.status;
			snprintf(h->last_path, sizeof(h->last_path), "%s",
			    want == 200 ? "GET /healthz" : "POST /api/v1/session");
		}
		resp_free(&r);
	}
	client_free(c);
	return NULL;
}

static void
test_graceful_restart(void **state)
{
	struct hammer	 h[4];
	pthread_t	 t[4];
	volatile int	 stop = 0;
	int		 i, ok = 0, bad = 0;

	for (i = 0; i < 4; i++) {
		memset(&h[i], 0, sizeof(h[i]));
		h[i].stop = &stop;
		pthread_create(&t[i], NULL, hammer_main, &h[i]);
	}
	usleep(300000);
	assert_int_equal(run_cmd("service-restart"), 0);
	usleep(500000);
	assert_int_equal(run_cmd("service-restart"), 0);
	usleep(500000);
	stop = 1;
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		ok += h[i].ok;
		bad += h[i].bad;
		if (h[i].bad)
			fprintf(stderr, "thread %d: %d failed, last %ld on %s\n",
			    i, h[i].bad, h[i].last_bad, h[i].last_path);
	}
	fprintf(stderr, "graceful restart: %d ok, %d failed\n", ok, bad);
	assert_true(ok > 10);
	assert_int_equal(bad, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthz),
		cmocka_unit_test(test_security_headers),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_method_not_allowed),
		cmocka_unit_test(test_unsupported_media_type),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_body_lies_about_length),
		cmocka_unit_test(test_malformed_bodies),
		cmocka_unit_test(test_malformed_requests),
		cmocka_unit_test(test_query_limits),
		cmocka_unit_test(test_cross_site),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_tls_versions),
		cmocka_unit_test(test_database_outage),
		cmocka_unit_test(test_graceful_restart),
	};

	/* PAICHA_E2E_FILTER=test_graceful_restart: that test alone. */
	if (getenv("PAICHA_E2E_FILTER") != NULL)
		cmocka_set_test_filter(getenv("PAICHA_E2E_FILTER"));
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("e2e-foundation", tests, NULL, NULL);
}
