/*
 * e2e-sessions.c: logging in and out through nginx and TLS -- the cookie,
 * the same answer for a wrong password and an unknown user, idle and
 * absolute expiry, logout ending the session server-side, throttling per
 * (user, address), per address and per user from every address -- also
 * of attempts made at the same moment --, a lockout that does not reach
 * the right password from elsewhere, changing one's own password, and
 * cross-site state changes refused; the very next GET of a case after a
 * change of region, roles, session or user answering for the change.
 *
 * Sessions are aged as the database superuser, on users this program
 * makes for itself, so that the demo users are never locked out.
 *
 * Client addresses: nginx gives the service the address a connection
 * comes from, and a client of this host may send from any address of
 * 127.0.0.0/8 (client_from).  No header chooses it.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "e2e.h"

static struct client	*admin;

/* A fresh officer of 110000 with FIXTURE_PASSWORD; its username (malloc'd). */
static char *
new_user(const char *prefix)
{
	char	*name = unique_name(prefix);

	fixture_user(admin, name, "110000", "[\"officer\"]");
	return name;
}

/* The token from a login's Set-Cookie (malloc'd), or NULL. */
static char *
cookie_token(const struct resp *r)
{
	char	 v[512], *e;

	if (resp_header(r, "Set-Cookie", v, sizeof(v)) == NULL ||
	    strncmp(v, "__Host-paicha=", 14) != 0)
		return NULL;
	if ((e = strchr(v, ';')) != NULL)
		*e = '\0';
	return strdup(v + 14);
}

/* GET /api/v1/session with the token as the only cookie. */
static long
session_status(const char *token)
{
	struct client	*c = client_new();
	char		*h = fmt("Cookie: __Host-paicha=%s", token);
	const char	*hdr[] = { h, NULL };
	long		 st;

	st = status_of(c, "GET", "/api/v1/session", NULL, hdr);
	free(h);
	client_free(c);
	return st;
}

/* Log `user` in with `password`: the reply in `r` (free it). */
static long
login(struct client *c, const char *user, const char *password,
    struct resp *r)
{
	return http_json(c, "POST", "/api/v1/session", json_pack("{s:s, s:s}",
	    "username", user, "password", password), NULL, r);
}

/* Age every live session of `user` with an UPDATE ... SET `set`. */
static void
age_sessions(const char *user, const char *set)
{
	PGconn	*db = db_admin();
	char	*sql = fmt("UPDATE sessions SET %s WHERE user_id = (SELECT id"
	    " FROM users WHERE username = '%s') AND ended_at IS NULL", set, user);

	db_do(db, sql);
	free(sql);
	PQfinish(db);
}

static void
forget_failures(void)
{
	PGconn	*db = db_admin();

	db_do(db, "DELETE FROM login_failures");
	PQfinish(db);
}

/*
 * A client whose connections come from `addr`, a loopback address of
 * this host other than 127.0.0.1: to nginx, another client address.
 */
static struct client *
client_from(const char *addr)
{
	struct client	*c = client_new();
	char		*itf = fmt("host!%s", addr);

	assert_int_equal(curl_easy_setopt(c->curl, CURLOPT_INTERFACE, itf),
	    CURLE_OK);
	curl_easy_setopt(c->curl, CURLOPT_IPRESOLVE, (long)CURL_IPRESOLVE_V4);
	free(itf);
	return c;
}

/* Log `user` in from `addr`: the status, Retry-After into `ra` if any. */
static long
login_from(const char *addr, const char *user, const char *password,
    char ra[32])
{
	struct client	*c = client_from(addr);
	struct resp	 r;
	long		 st;

	login(c, user, password, &r);
	st = r.status;
	if (ra != NULL && resp_header(&r, "Retry-After", ra, 32) == NULL)
		ra[0] = '\0';
	resp_free(&r);
	client_free(c);
	return st;
}

/* One of many logins sent at the same moment (race_logins). */
struct racer {
	struct client		*c;
	const char		*user;
	const char		*password;
	pthread_barrier_t	*go;
	long			 status;
};

static void *
racer_main(void *arg)
{
	struct racer	*x = arg;
	struct resp	 r;

	pthread_barrier_wait(x->go);
	login(x->c, x->user, x->password, &r);
	x->status = r.status;
	resp_free(&r);
	return NULL;
}

/*
 * Send `n` logins from `addr` at once -- each on its own connection,
 * opened beforehand -- for users[i] (or users[0] for all when `one`)
 * with `password`; count the answers by status into `count` (401, 429,
 * 503 and anything else in count[3]).
 */
static void
race_logins(const char *addr, char **users, int one, const char *password,
    int n, int count[4])
{
	struct racer		*x = calloc((size_t)n, sizeof(*x));
	pthread_t		*t = calloc((size_t)n, sizeof(*t));
	pthread_barrier_t	 go;
	struct resp		 r;
	int			 i;

	assert_non_null(x);
	assert_non_null(t);
	pthread_barrier_init(&go, NULL, (unsigned)n);
	for (i = 0; i < n; i++) {
		x[i].c = client_from(addr);
		http_get(x[i].c, "/healthz", &r);	/* TLS done before */
		assert_status(&r, 200);
		resp_free(&r);
		x[i].user = users[one ? 0 : i];
		x[i].password = password;
		x[i].go = &go;
		pthread_create(&t[i], NULL, racer_main, &x[i]);
	}
	memset(count, 0, 4 * sizeof(*count));
	for (i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		switch (x[i].status) {
		case 401: count[0]++; break;
		case 429: count[1]++; break;
		case 503: count[2]++; break;
		default: count[3]++; break;
		}
		client_free(x[i].c);
	}
	pthread_barrier_destroy(&go);
	free(x);
	free(t);
}

/* The failures recorded from `addr` (none pending may remain). */
static int
failures_from(const char *addr)
{
	PGconn	*db = db_admin();
	char	*v;
	int	 n;

	v = db_value(db, "SELECT count(*) FILTER (WHERE NOT pending)"
	    " || ' ' || count(*) FILTER (WHERE pending)"
	    " FROM login_failures WHERE remote_addr = $1", addr, NULL);
	assert_non_null(v);
	n = atoi(v);
	assert_string_equal(strchr(v, ' ') + 1, "0");
	free(v);
	PQfinish(db);
	return n;
}

/* Move every failure of `user` `minutes` into the past. */
static void
age_failures(const char *user, int minutes)
{
	PGconn	*db = db_admin();
	char	*sql = fmt("UPDATE login_failures SET at = at - interval"
	    " '%d minutes' WHERE username = '%s'", minutes, user);

	db_do(db, sql);
	free(sql);
	PQfinish(db);
}

static int
setup(void **state)
{
	(void)state;
	forget_failures();
	admin = client_login("admin", DEMO_PASSWORD);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	client_free(admin);
	forget_failures();
	return 0;
}

/* ------------------------------------------------------------------ */

static void
test_login_returns_the_user(void **state)
{
	struct client	*c = client_new();
	struct resp	 r;
	json_t		*roles;

	login(c, "officer.bj", DEMO_PASSWORD, &r);
	assert_status(&r, 201);
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "username")), "officer.bj");
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "region")), "110000");
	assert_true(json_integer_value(json_object_get(r.json, "id")) > 0);
	assert_non_null(json_string_value(json_object_get(r.json,
	    "display_name")));
	roles = json_object_get(r.json, "roles");
	assert_int_equal(json_array_size(roles), 1);
	assert_string_equal(json_string_value(json_array_get(roles, 0)),
	    "officer");
	assert_null(strstr(r.body, "password"));
	resp_free(&r);

	http_get(c, "/api/v1/session", &r);
	assert_status(&r, 200);
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "username")), "officer.bj");
	resp_free(&r);
	client_free(c);
}

static void
test_cookie_attributes(void **state)
{
	struct client	*c = client_new();
	struct resp	 r;
	char		 v[512], *tok, *n;
	PGconn		*db;

	login(c, "legal.bj", DEMO_PASSWORD, &r);
	assert_status(&r, 201);
	assert_non_null(resp_header(&r, "Set-Cookie", v, sizeof(v)));
	assert_int_equal(strncmp(v, "__Host-paicha=", 14), 0);
	assert_non_null(strstr(v, "; Path=/"));
	assert_non_null(strstr(v, "; Secure"));
	assert_non_null(strstr(v, "; HttpOnly"));
	assert_non_null(strstr(v, "; SameSite=Strict"));
	assert_null(strcasestr(v, "Domain"));
	/* 32 random bytes: 43 characters of base64url. */
	tok = cookie_token(&r);
	assert_non_null(tok);
	assert_int_equal(strlen(tok), 43);
	assert_int_equal(strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_"), 43);
	resp_free(&r);

	/* Only the token's SHA-256 is stored, never the token. */
	db = db_admin();
	n = db_value(db, "SELECT count(*) FROM sessions WHERE token_hash ="
	    " sha256(decode(translate($1, '-_', '+/') || '=', 'base64'))", tok,
	    NULL);
	assert_string_equal(n, "1");
	free(n);
	n = db_value(db, "SELECT count(*) FROM sessions s WHERE"
	    " position(convert_to($1, 'UTF8') IN s.token_hash) > 0"
	    " OR s::text LIKE '%' || $1 || '%'", tok, NULL);
	assert_string_equal(n, "0");
	free(n);
	/* The absolute lifetime is 12 hours. */
	n = db_value(db, "SELECT extract(epoch FROM expires_at - created_at)::int"
	    " FROM sessions WHERE token_hash ="
	    " sha256(decode(translate($1, '-_', '+/') || '=', 'base64'))", tok,
	    NULL);
	assert_string_equal(n, "43200");
	free(n);
	PQfinish(db);
	free(tok);
	client_free(c);
}

/* Wrong password and unknown user: the same 401, the same body. */
static void
test_wrong_password_and_unknown_user_alike(void **state)
{
	struct client	*c = client_new();
	struct resp	 a, b;
	char		*user = new_user("e2e.alike.");

	login(c, user, "not-the-password", &a);
	login(c, "e2e-nobody-at-all", "not-the-password", &b);
	assert_problem(&a, 401);
	assert_problem(&b, 401);
	json_object_del(a.json, "instance");	/* the request id */
	json_object_del(b.json, "instance");
	assert_true(json_equal(a.json, b.json));
	assert_null(strstr(a.body, user));	/* nothing echoed back */
	assert_null(resp_header(&a, "Set-Cookie", (char[8]){ 0 }, 8));
	resp_free(&a);
	resp_free(&b);
	/* No cookie: no session. */
	http_get(c, "/api/v1/session", &a);
	assert_problem(&a, 401);
	resp_free(&a);
	free(user);
	client_free(c);
	forget_failures();
}

static void
test_idle_expiry(void **state)
{
	struct client	*c = client_new();
	char		*user = new_user("e2e.idle.");
	struct resp	 r;
	char		*tok;

	login(c, user, FIXTURE_PASSWORD, &r);
	assert_status(&r, 201);
	tok = cookie_token(&r);
	resp_free(&r);
	/* 29 minutes unused: still live (and seen again now). */
	age_sessions(user, "last_seen = now() - interval '29 minutes'");
	assert_int_equal(session_status(tok), 200);
	/* 31 minutes unused: gone. */
	age_sessions(user, "last_seen = now() - interval '31 minutes'");
	assert_int_equal(session_status(tok), 401);
	/* And it stays gone even if "seen" is refreshed by nobody. */
	assert_int_equal(session_status(tok), 401);
	free(tok);
	free(user);
	client_free(c);
}

static void
test_absolute_expiry(void **state)
{
	struct client	*c = client_new();
	char		*user = new_user("e2e.abs.");
	struct resp	 r;
	char		*tok;

	login(c, user, FIXTURE_PASSWORD, &r);
	assert_status(&r, 201);
	tok = cookie_token(&r);
	resp_free(&r);
	/* In active use, but 12 hours old: gone. */
	age_sessions(user, "created_at = now() - interval '12 hours',"
	    " expires_at = now() - interval '1 second', last_seen = now()");
	assert_int_equal(session_status(tok), 401);
	free(tok);
	free(user);
	client_free(c);
}

static void
test_logout_ends_the_session(void **state)
{
	struct client	*c = client_new();
	struct resp	 r;
	char		 v[512], *tok;

	login(c, "auditor.bj", DEMO_PASSWORD, &r);
	tok = cookie_token(&r);
	assert_non_null(tok);
	resp_free(&r);
	assert_int_equal(session_status(tok), 200);

	http(c, "DELETE", "/api/v1/session", NULL, NULL, &r);
	assert_status(&r, 204);
	assert_non_null(resp_header(&r, "Set-Cookie", v, sizeof(v)));
	assert_non_null(strstr(v, "Max-Age=0"));
	resp_free(&r);
	/* The token itself no longer works: ended server-side. */
	assert_int_equal(session_status(tok), 401);
	http_get(c, "/api/v1/session", &r);
	assert_problem(&r, 401);
	resp_free(&r);
	/* Logging out again needs a session. */
	http(c, "DELETE", "/api/v1/session", NULL, NULL, &r);
	assert_problem(&r, 401);
	resp_free(&r);
	free(tok);
	client_free(c);
}

/* PATCH /api/v1/users/{id} as admin with If-Match "v": the status. */
static long
patch_user(long long id, int v, json_t *body)
{
	char		*path = fmt("/api/v1/users/%lld", id);
	char		*im = fmt("If-Match: \"%d\"", v);
	const char	*hdr[] = { im, NULL };
	long		 st;

	st = status_of(admin, "PATCH", path, body, hdr);
	free(im);
	free(path);
	return st;
}

/*
 * What the session may do is decided afresh at every request, also for
 * the fastest read, GET a case (issue 23: whatever is kept to make it
 * fast must not outlive a change): the very next GET after the user's
 * region moved, its roles changed, its session was ended or the user
 * was disabled answers for the new state.
 */
static void
test_get_case_follows_the_session(void **state)
{
	char		*name = unique_name("e2e.get."), *path, uscc[19];
	struct client	*c, *c2;
	long long	 uid, eid, cid;

	(void)state;
	uid = fixture_user(admin, name, "110000", "[\"officer\"]");
	c = client_login(name, FIXTURE_PASSWORD);
	c2 = client_login(name, FIXTURE_PASSWORD);
	eid = fixture_enterprise(c, "110101", uscc);
	cid = fixture_case(c, eid);
	path = fmt("/api/v1/cases/%lld", cid);
	assert_int_equal(status_of(c, "GET", path, NULL, NULL), 200);

	/* Moved to Shanghai: Beijing's case is out of its scope at once. */
	assert_int_equal(patch_user(uid, 1, json_pack("{s:s}", "region",
	    "310000")), 200);
	assert_int_equal(status_of(c, "GET", path, NULL, NULL), 404);
	/* Back: visible again, the same session. */
	assert_int_equal(patch_user(uid, 2, json_pack("{s:s}", "region",
	    "110000")), 200);
	assert_int_equal(status_of(c, "GET", path, NULL, NULL), 200);
	/* An auditor now: it still reads, it no longer registers. */
	assert_int_equal(patch_user(uid, 3, json_pack("{s:[s]}", "roles",
	    "auditor")), 200);
	assert_int_equal(status_of(c, "GET", path, NULL, NULL), 200);
	assert_int_equal(status_of(c, "POST", "/api/v1/cases", json_pack(
	    "{s:I, s:i, s:s, s:s, s:s, s:s}", "enterprise_id", (json_int_t)eid,
	    "campaign_id", 2022, "category", "cement", "domain", "production",
	    "source", "complaint", "problem", "e2e: 不应登记"), NULL), 403);
	/* Logged out: the next GET has no session. */
	assert_int_equal(status_of(c, "DELETE", "/api/v1/session", NULL, NULL),
	    204);
	assert_int_equal(status_of(c, "GET", path, NULL, NULL), 401);
	/* Disabled: its other session's next GET neither. */
	assert_int_equal(status_of(c2, "GET", path, NULL, NULL), 200);
	assert_int_equal(patch_user(uid, 4, json_pack("{s:b}", "disabled", 1)),
	    200);
	assert_int_equal(status_of(c2, "GET", path, NULL, NULL), 401);
	client_free(c);
	client_free(c2);
	free(path);
	free(name);
}

/* A malformed or forged cookie is no session. */
static void
test_forged_tokens(void **state)
{
	static const char *const bad[] = {
		"", "x", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%",
		"' OR 1=1 --", NULL
	};
	size_t	 i;

	for (i = 0; bad[i] != NULL; i++)
		if (session_status(bad[i]) != 401)
			fail_msg("token \"%s\" was accepted", bad[i]);
}

static void
test_throttle_per_user(void **state)
{
	struct client	*c = client_new();
	char		*user = new_user("e2e.thr.");
	char		 ra[32];
	struct resp	 r;
	int		 i;

	forget_failures();
	for (i = 0; i < 5; i++) {
		login(c, user, "wrong-password", &r);
		assert_problem(&r, 401);
		resp_free(&r);
	}
	/* The sixth try is refused before the password is even looked at. */
	login(c, user, FIXTURE_PASSWORD, &r);
	assert_problem(&r, 429);
	assert_non_null(resp_header(&r, "Retry-After", ra, sizeof(ra)));
	assert_true(atoi(ra) > 0);
	resp_free(&r);
	/* Other users are not affected. */
	login(c, "officer.sh", DEMO_PASSWORD, &r);
	assert_status(&r, 201);
	resp_free(&r);
	free(user);
	client_free(c);
	forget_failures();
}

static void
test_throttle_per_address(void **state)
{
	struct client	*c = client_new();
	struct resp	 r;
	char		 ra[32], *name;
	int		 i;

	forget_failures();
	/* 20 failures, each for a different (unknown) name, from here. */
	for (i = 0; i < 20; i++) {
		name = unique_name("e2e.spray.");
		login(c, name, "wrong-password", &r);
		assert_problem(&r, 401);
		resp_free(&r);
		free(name);
	}
	/* Now even a right password from this address waits. */
	login(c, "officer.bj", DEMO_PASSWORD, &r);
	assert_problem(&r, 429);
	assert_non_null(resp_header(&r, "Retry-After", ra, sizeof(ra)));
	resp_free(&r);
	forget_failures();
	login(c, "officer.bj", DEMO_PASSWORD, &r);
	assert_status(&r, 201);
	resp_free(&r);
	client_free(c);
}

/*
 * 50 wrong passwords for one user from one address, all at once: the
 * throttle counts each attempt before its password is checked, so no
 * more than 5 are checked (401) and the rest are refused (429).  Of the
 * 5 let through, one that found no hashing slot free within 5 s (a slow
 * machine) is a 503: not checked, not counted.
 */
static void
test_throttle_concurrent_attempts(void **state)
{
	char		*user = new_user("e2e.race.");
	char		 ra[32];
	int		 n[4];

	forget_failures();
	race_logins("127.0.0.21", &user, 1, "wrong-password", 50, n);
	fprintf(stderr, "50 at once: %d x 401, %d x 429, %d x 503, %d other\n",
	    n[0], n[1], n[2], n[3]);
	assert_true(n[0] >= 1);
	assert_true(n[0] + n[2] <= 5);
	assert_int_equal(n[1], 50 - n[0] - n[2]);
	assert_int_equal(n[3], 0);
	assert_int_equal(failures_from("127.0.0.21"), n[0]);
	/* The right password from there now waits too. */
	assert_int_equal(login_from("127.0.0.21", user, FIXTURE_PASSWORD, ra),
	    429);
	assert_true(atoi(ra) > 0);
	free(user);
	forget_failures();
}

/*
 * 50 wrong logins from one address at once, each for another (unknown)
 * user: no more than 20 are checked.  A 503 (no hashing slot free within
 * 5 s: a slow machine) is no check and no failure, and frees its place
 * for a later attempt; so after the race, the failures are topped up to
 * the limit one by one.
 */
static void
test_throttle_concurrent_address(void **state)
{
	char		*users[50], *user = new_user("e2e.race.");
	int		 n[4], i;

	forget_failures();
	for (i = 0; i < 50; i++)
		users[i] = unique_name("e2e.spray.");
	race_logins("127.0.0.23", users, 0, "wrong-password", 50, n);
	fprintf(stderr, "50 at once: %d x 401, %d x 429, %d x 503, %d other\n",
	    n[0], n[1], n[2], n[3]);
	assert_true(n[0] >= 1);
	assert_true(n[0] <= 20);
	assert_int_equal(n[3], 0);
	assert_int_equal(failures_from("127.0.0.23"), n[0]);
	for (i = n[0]; i < 20; i++)
		assert_int_equal(login_from("127.0.0.23", users[i],
		    "wrong-password", NULL), 401);
	/* Every user from that address waits now; elsewhere, no one. */
	assert_int_equal(login_from("127.0.0.23", user, FIXTURE_PASSWORD,
	    NULL), 429);
	assert_int_equal(login_from("127.0.0.24", user, FIXTURE_PASSWORD,
	    NULL), 201);
	for (i = 0; i < 50; i++)
		free(users[i]);
	free(user);
	forget_failures();
}

/*
 * Five failures lock one user out at one address only: the right
 * password from another address still logs in (an attacker cannot lock
 * the administrator out), and that success does not unlock the first.
 */
static void
test_lockout_stays_at_its_address(void **state)
{
	char	*user = new_user("e2e.lock.");
	char	 ra[32];
	int	 i;

	forget_failures();
	for (i = 0; i < 5; i++)
		assert_int_equal(login_from("127.0.0.31", user,
		    "wrong-password", NULL), 401);
	assert_int_equal(login_from("127.0.0.31", user, FIXTURE_PASSWORD, ra),
	    429);
	assert_true(atoi(ra) > 0);
	assert_int_equal(login_from("127.0.0.32", user, FIXTURE_PASSWORD, ra),
	    201);
	assert_int_equal(login_from("127.0.0.31", user, FIXTURE_PASSWORD, ra),
	    429);
	free(user);
	forget_failures();
}

/*
 * 100 failures for one user, from 20 addresses (5 each: below the
 * per-address limits): past them no address logs the user in, not even
 * with the right password.  Below them, a fresh address does.  95 of the
 * failures are recorded as the service records them, by the database
 * superuser (checking 100 passwords under ASan takes minutes); the rest,
 * and every crossing of the limit, go through the API.
 */
static void
test_throttle_per_user_everywhere(void **state)
{
	PGconn	*db = db_admin();
	char	*user = new_user("e2e.spread."), *sql, ra[32];
	int	 i;

	forget_failures();
	/* 95: addresses .40 to .58, five each. */
	sql = fmt("INSERT INTO login_failures (username, remote_addr)"
	    " SELECT '%s', '127.0.0.' || (40 + i / 5)"
	    " FROM generate_series(0, 94) i", user);
	db_do(db, sql);
	free(sql);
	PQfinish(db);
	/* 99: four more from .59. */
	for (i = 0; i < 4; i++)
		assert_int_equal(login_from("127.0.0.59", user,
		    "wrong-password", NULL), 401);
	/* 99 failures: a fresh address still logs in. */
	assert_int_equal(login_from("127.0.0.60", user, FIXTURE_PASSWORD,
	    NULL), 201);
	/* The 100th: now no address does. */
	assert_int_equal(login_from("127.0.0.59", user, "wrong-password",
	    NULL), 401);
	assert_int_equal(login_from("127.0.0.61", user, FIXTURE_PASSWORD, ra),
	    429);
	assert_true(atoi(ra) > 0);
	assert_int_equal(login_from("127.0.0.40", user, FIXTURE_PASSWORD,
	    NULL), 429);
	free(user);
	forget_failures();
}

/*
 * Retry-After says when the window frees: 15 minutes after the failure
 * that must leave it.  Failures aged by 14 minutes free it within one;
 * aged past 15, they no longer count.
 */
static void
test_throttle_retry_after(void **state)
{
	char	*user = new_user("e2e.wait.");
	char	 ra[32];
	int	 i;

	forget_failures();
	for (i = 0; i < 5; i++)
		assert_int_equal(login_from("127.0.0.71", user,
		    "wrong-password", NULL), 401);
	assert_int_equal(login_from("127.0.0.71", user, FIXTURE_PASSWORD, ra),
	    429);
	assert_true(atoi(ra) > 850 && atoi(ra) <= 900);
	age_failures(user, 14);
	assert_int_equal(login_from("127.0.0.71", user, FIXTURE_PASSWORD, ra),
	    429);
	assert_true(atoi(ra) > 0 && atoi(ra) <= 60);
	age_failures(user, 1);
	assert_int_equal(login_from("127.0.0.71", user, FIXTURE_PASSWORD, ra),
	    201);
	free(user);
	forget_failures();
}

/* POST /api/v1/session/password from `c`: the reply in `r`. */
static long
change_password(struct client *c, json_t *body, const char *const *hdr,
    struct resp *r)
{
	return http_json(c, "POST", "/api/v1/session/password", body, hdr, r);
}

/*
 * Changing one's own password: the current one is checked, the new one
 * passes the rules, and every other session of the user ends.
 */
static void
test_password_change(void **state)
{
	static const char *const cross[] = {
		"Sec-Fetch-Site: cross-site", NULL
	};
	static const char	 fresh[] = "Ein-neues-Passwort-73";
	char		*user = new_user("e2e.chg."), *twice;
	struct client	*c1, *c2, *none = client_new();
	struct resp	 r;

	forget_failures();
	c1 = client_login(user, FIXTURE_PASSWORD);
	c2 = client_login(user, FIXTURE_PASSWORD);
	/* Only with a session, and not cross-site. */
	change_password(none, json_pack("{s:s, s:s}", "current",
	    FIXTURE_PASSWORD, "new", fresh), NULL, &r);
	assert_problem(&r, 401);
	resp_free(&r);
	change_password(c1, json_pack("{s:s, s:s}", "current",
	    FIXTURE_PASSWORD, "new", fresh), cross, &r);
	assert_problem(&r, 403);
	resp_free(&r);
	/* Both fields are needed; the new one passes the rules. */
	change_password(c1, json_object(), NULL, &r);
	assert_problem_field(&r, 422, "current");
	assert_problem_field(&r, 422, "new");
	resp_free(&r);
	change_password(c1, json_pack("{s:s, s:s}", "current",
	    FIXTURE_PASSWORD, "new", "password12"), NULL, &r);
	assert_problem_field(&r, 422, "new");
	resp_free(&r);
	twice = fmt("%s%s", user, user);
	change_password(c1, json_pack("{s:s, s:s}", "current",
	    FIXTURE_PASSWORD, "new", twice), NULL, &r);
	assert_problem_field(&r, 422, "new");
	resp_free(&r);
	free(twice);
	/* A wrong current password changes nothing. */
	change_password(c1, json_pack("{s:s, s:s}", "current",
	    "not-the-password", "new", fresh), NULL, &r);
	assert_problem_field(&r, 422, "current");
	resp_free(&r);
	assert_int_equal(status_of(c2, "GET", "/api/v1/session", NULL, NULL),
	    200);
	/* The change: this session stays, the other ends. */
	change_password(c1, json_pack("{s:s, s:s}", "current",
	    FIXTURE_PASSWORD, "new", fresh), NULL, &r);
	assert_status(&r, 204);
	resp_free(&r);
	assert_int_equal(status_of(c1, "GET", "/api/v1/session", NULL, NULL),
	    200);
	assert_int_equal(status_of(c2, "GET", "/api/v1/session", NULL, NULL),
	    401);
	assert_int_equal(login_from("127.0.0.75", user, FIXTURE_PASSWORD,
	    NULL), 401);
	assert_int_equal(login_from("127.0.0.75", user, fresh, NULL), 201);
	client_free(c1);
	client_free(c2);
	client_free(none);
	free(user);
	forget_failures();
}

/* Guessing the current password is throttled like a login. */
static void
test_password_change_throttled(void **state)
{
	char		*user = new_user("e2e.chg.");
	struct client	*c;
	struct resp	 r;
	char		 ra[32];
	int		 i;

	forget_failures();
	c = client_from("127.0.0.81");
	login(c, user, FIXTURE_PASSWORD, &r);
	assert_status(&r, 201);
	resp_free(&r);
	for (i = 0; i < 5; i++) {
		change_password(c, json_pack("{s:s, s:s}", "current",
		    "a-guess-at-it", "new", "Ein-neues-Passwort-73"), NULL, &r);
		assert_problem_field(&r, 422, "current");
		resp_free(&r);
	}
	change_password(c, json_pack("{s:s, s:s}", "current",
	    FIXTURE_PASSWORD, "new", "Ein-neues-Passwort-73"), NULL, &r);
	assert_problem(&r, 429);
	assert_non_null(resp_header(&r, "Retry-After", ra, sizeof(ra)));
	resp_free(&r);
	/* Unchanged: the old password still logs in elsewhere. */
	assert_int_equal(login_from("127.0.0.82", user, FIXTURE_PASSWORD,
	    NULL), 201);
	client_free(c);
	free(user);
	forget_failures();
}

/* Cross-site state changes are refused; same-origin ones pass. */
static void
test_cross_site_post(void **state)
{
	static const char *const evil[] = {
		"Origin: https://evil.example", NULL
	};
	static const char *const cross[] = {
		"Sec-Fetch-Site: cross-site", NULL
	};
	static const char *const sibling[] = {
		"Sec-Fetch-Site: same-site", NULL
	};
	static const char *const plain_http[] = {
		"Origin: http://localhost", NULL
	};
	struct client	*c = client_login("officer.bj", DEMO_PASSWORD);
	struct resp	 r;
	char		 uscc[19], *same, *q;
	const char	*same_hdr[2];
	const char	*url = e2e_url();

	uscc_unique(uscc);
	/* A logged-in browser tricked into posting from elsewhere. */
	http_json(c, "POST", "/api/v1/enterprises", json_pack("{s:s, s:s,"
	    " s:s}", "uscc", uscc, "name", "跨站", "region", "110000"), evil,
	    &r);
	assert_problem(&r, 403);
	resp_free(&r);
	assert_int_equal(status_of(c, "POST", "/api/v1/enterprises",
	    json_pack("{s:s, s:s, s:s}", "uscc", uscc, "name", "跨站",
	    "region", "110000"), cross), 403);
	assert_int_equal(status_of(c, "POST", "/api/v1/enterprises",
	    json_pack("{s:s, s:s, s:s}", "uscc", uscc, "name", "跨站",
	    "region", "110000"), sibling), 403);
	assert_int_equal(status_of(c, "POST", "/api/v1/enterprises",
	    json_pack("{s:s, s:s, s:s}", "uscc", uscc, "name", "跨站",
	    "region", "110000"), plain_http), 403);
	/* Logout is a state change too. */
	assert_int_equal(status_of(c, "DELETE", "/api/v1/session", NULL,
	    cross), 403);
	/* Nothing was created, and the session still works. */
	q = fmt("/api/v1/enterprises?q=%s", uscc);
	http_get(c, q, &r);
	assert_status(&r, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
	resp_free(&r);
	/* Reads are not state changes. */
	assert_int_equal(status_of(c, "GET", "/api/v1/session", NULL, cross),
	    200);
	/* From the site itself: accepted. */
	same = fmt("Origin: %s", url);
	same_hdr[0] = same;
	same_hdr[1] = NULL;
	assert_int_equal(status_of(c, "POST", "/api/v1/enterprises",
	    json_pack("{s:s, s:s, s:s}", "uscc", uscc, "name", "同源",
	    "region", "110000"), same_hdr), 201);
	free(same);
	free(q);
	client_free(c);
}

/* The login's own limits: a password longer than any we store. */
static void
test_login_limits(void **state)
{
	struct client	*c = client_new();
	struct resp	 r;
	char		 pw[258];

	memset(pw, 'p', sizeof(pw) - 1);
	pw[257] = '\0';
	login(c, "officer.bj", pw, &r);
	assert_problem_field(&r, 422, "password");
	resp_free(&r);
	login(c, "", DEMO_PASSWORD, &r);
	assert_problem_field(&r, 422, "username");
	resp_free(&r);
	client_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_login_returns_the_user),
		cmocka_unit_test(test_cookie_attributes),
		cmocka_unit_test(test_wrong_password_and_unknown_user_alike),
		cmocka_unit_test(test_idle_expiry),
		cmocka_unit_test(test_absolute_expiry),
		cmocka_unit_test(test_logout_ends_the_session),
		cmocka_unit_test(test_get_case_follows_the_session),
		cmocka_unit_test(test_forged_tokens),
		cmocka_unit_test(test_throttle_per_user),
		cmocka_unit_test(test_throttle_per_address),
		cmocka_unit_test(test_throttle_concurrent_attempts),
		cmocka_unit_test(test_throttle_concurrent_address),
		cmocka_unit_test(test_lockout_stays_at_its_address),
		cmocka_unit_test(test_throttle_per_user_everywhere),
		cmocka_unit_test(test_throttle_retry_after),
		cmocka_unit_test(test_password_change),
		cmocka_unit_test(test_password_change_throttled),
		cmocka_unit_test(test_cross_site_post),
		cmocka_unit_test(test_login_limits),
	};

	/* PAICHA_E2E_FILTER=test_name: that test alone. */
	if (getenv("PAICHA_E2E_FILTER") != NULL)
		cmocka_set_test_filter(getenv("PAICHA_E2E_FILTER"));
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("e2e-sessions", tests, setup,
	    teardown);
}
