/*
 * e2e-users.c: administrators manage users -- creating one (and every
 * limit on its fields, the password rules too, also paicha-admin's),
 * listing and finding, changing roles, disabling (which ends the user's
 * sessions at once), setting a password (which does too), and not
 * locking oneself out.  Region scoping of users is in e2e-regions.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e.h"

static struct client	*admin;

static int
setup(void **state)
{
	(void)state;
	admin = client_login("admin", DEMO_PASSWORD);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	client_free(admin);
	return 0;
}

/* POST /api/v1/users with the given fields; the reply in r. */
static long
create(const char *username, const char *display, const char *region,
    json_t *roles, const char *password, struct resp *r)
{
	return http_json(admin, "POST", "/api/v1/users", json_pack("{s:s, s:s,"
	    " s:s, s:o, s:s}", "username", username, "display_name", display,
	    "region", region, "roles", roles, "password", password), NULL, r);
}

/* Try to log in: the status. */
static long
login_status(const char *user, const char *password)
{
	struct client	*c = client_new();
	long		 st;

	st = status_of(c, "POST", "/api/v1/session", json_pack("{s:s, s:s}",
	    "username", user, "password", password), NULL);
	client_free(c);
	return st;
}

static char *
repeat(const char *ch, size_t n)
{
	size_t	 l = strlen(ch), i;
	char	*s = malloc(l * n + 1);

	assert_non_null(s);
	for (i = 0; i < n; i++)
		memcpy(s + i * l, ch, l);
	s[l * n] = '\0';
	return s;
}

static void
forget_failures(void)
{
	PGconn	*db = db_admin();

	db_do(db, "DELETE FROM login_failures");
	PQfinish(db);
}

/* ------------------------------------------------------------------ */

static void
test_create(void **state)
{
	struct resp	 r;
	char		*name = unique_name("e2e.new."), loc[128], etag[16];
	char		*path;
	struct client	*c;
	long long	 id;

	(void)state;
	create(name, "新建用户", "110101", json_pack("[s, s]", "legal",
	    "officer"), "a-long-password", &r);
	assert_status(&r, 201);
	id = json_integer_value(json_object_get(r.json, "id"));
	path = fmt("/api/v1/users/%lld", id);
	assert_non_null(resp_header(&r, "Location", loc, sizeof(loc)));
	assert_string_equal(loc, path);
	assert_non_null(resp_header(&r, "ETag", etag, sizeof(etag)));
	assert_string_equal(etag, "\"1\"");
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "region")), "110101");
	assert_int_equal(json_array_size(json_object_get(r.json, "roles")), 2);
	assert_false(json_is_true(json_object_get(r.json, "disabled")));
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "created_by")), "admin");
	/* Never a password or its hash. */
	assert_null(strstr(r.body, "password"));
	assert_null(strstr(r.body, "pbkdf2"));
	resp_free(&r);
	http_get(admin, path, &r);
	assert_status(&r, 200);
	assert_null(strstr(r.body, "pbkdf2"));
	resp_free(&r);
	/* The new user logs in, with both roles. */
	c = client_login(name, "a-long-password");
	http_get(c, "/api/v1/session", &r);
	assert_status(&r, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "roles")), 2);
	resp_free(&r);
	client_free(c);
	/* The same username again: 409. */
	create(name, "x", "110000", json_pack("[s]", "officer"),
	    "a-long-password", &r);
	assert_problem_field(&r, 409, "username");
	resp_free(&r);
	free(path);
	free(name);
}

static void
test_password_limits(void **state)
{
	struct resp	 r;
	char		*name, *pw;
	size_t		 i;

	(void)state;
	/* 11 characters: refused; 12: accepted. */
	name = unique_name("e2e.pw.");
	create(name, "x", "110000", json_pack("[s]", "officer"), "Zq7-vLm2-Rp",
	    &r);
	assert_problem_field(&r, 422, "password");
	resp_free(&r);
	/* Characters, not bytes: 11 Chinese characters are 33 bytes. */
	create(name, "x", "110000", json_pack("[s]", "officer"),
	    "春眠不觉晓处处闻啼鸟夜", &r);
	assert_problem_field(&r, 422, "password");
	resp_free(&r);
	create(name, "x", "110000", json_pack("[s]", "officer"),
	    "春眠不觉晓处处闻啼鸟夜来", &r);
	assert_status(&r, 201);
	resp_free(&r);
	assert_int_equal(login_status(name, "春眠不觉晓处处闻啼鸟夜来"), 201);
	free(name);
	name = unique_name("e2e.pw.");
	create(name, "x", "110000", json_pack("[s]", "officer"), "Zq7-vLm2-Rp9",
	    &r);
	assert_status(&r, 201);
	resp_free(&r);
	assert_int_equal(login_status(name, "Zq7-vLm2-Rp9"), 201);
	free(name);
	/* 256 bytes: accepted, and it logs in; 257: refused. */
	name = unique_name("e2e.pw.");
	pw = malloc(258);
	assert_non_null(pw);
	for (i = 0; i < 257; i++)
		pw[i] = "Zq7-vLm2-Rp9/Kd4#"[i % 17];
	pw[257] = '\0';
	create(name, "x", "110000", json_pack("[s]", "officer"), pw, &r);
	assert_problem_field(&r, 422, "password");
	resp_free(&r);
	pw[256] = '\0';
	create(name, "x", "110000", json_pack("[s]", "officer"), pw, &r);
	assert_status(&r, 201);
	resp_free(&r);
	assert_int_equal(login_status(name, pw), 201);
	free(pw);
	free(name);
}

/*
 * The password rules (libpwquality): what was accepted before and is
 * not now -- blanks, invisible characters, digits in a row, a dictionary
 * word, the username twice -- is 422 naming `password`, and nothing is
 * made or changed.
 */
static void
test_password_rules(void **state)
{
	static const char *const v1[] = { "If-Match: \"1\"", NULL };
	struct resp	 r;
	char		*name = unique_name("e2e.rules."), *path, *q, *pw;
	const char	*bad[16];
	long long	 id;
	size_t		 i, n = 0;

	(void)state;
	bad[n++] = "          ";				/* 10 spaces */
	bad[n++] = "                ";			/* 16 */
	bad[n++] = "\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b"
	    "\u200b\u200b";				/* 10 zero-width */
	bad[n++] = "\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b"
	    "\u200b\u200b\u200b\u200b\u200b\u200b";	/* 14 */
	/* 14 different ones: blanks and format characters only. */
	bad[n++] = " \u00a0\u2002\u2003\u3000\u200b\u200c\u200d\u2060\ufeff"
	    "\u00ad\u180e\u202e\u2800";
	bad[n++] = "1234567890";
	bad[n++] = "123456789012";
	bad[n++] = "password12";
	bad[n++] = "responsibility";			/* a word */
	bad[n++] = "abcdefghijklmn";
	bad[n++] = "paicha-demo";			/* 11 */
	for (i = 0; i < n; i++) {
		create(name, "x", "110000", json_pack("[s]", "officer"), bad[i],
		    &r);
		if (r.status != 422)
			fail_msg("password \"%s\": %ld", bad[i], r.status);
		assert_problem_field(&r, 422, "password");
		resp_free(&r);
	}
	/* The username twice. */
	pw = fmt("%s%s", name, name);
	create(name, "x", "110000", json_pack("[s]", "officer"), pw, &r);
	assert_problem_field(&r, 422, "password");
	resp_free(&r);
	free(pw);
	/* None of them made the user. */
	q = fmt("/api/v1/users?q=%s", name);
	http_get(admin, q, &r);
	assert_status(&r, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
	resp_free(&r);
	/* A good one does. */
	create(name, "x", "110000", json_pack("[s]", "officer"),
	    "correct horse battery", &r);
	assert_status(&r, 201);
	id = json_integer_value(json_object_get(r.json, "id"));
	resp_free(&r);
	/* The same rules for a new password set by PATCH; nothing changes. */
	path = fmt("/api/v1/users/%lld", id);
	for (i = 0; i < n; i++) {
		http_json(admin, "PATCH", path, json_pack("{s:s}", "password",
		    bad[i]), v1, &r);
		assert_problem_field(&r, 422, "password");
		resp_free(&r);
	}
	pw = fmt("%s%s", name, name);
	http_json(admin, "PATCH", path, json_pack("{s:s}", "password", pw), v1,
	    &r);
	assert_problem_field(&r, 422, "password");
	resp_free(&r);
	free(pw);
	http_get(admin, path, &r);
	assert_status(&r, 200);
	assert_int_equal(json_integer_value(json_object_get(r.json, "version")),
	    1);
	resp_free(&r);
	assert_int_equal(login_status(name, "correct horse battery"), 201);
	free(path);
	free(q);
	free(name);
}

/* paicha-admin: the password rules apply to a password it is given. */
static void
test_admin_tool_password_rules(void **state)
{
	const char	*build = getenv("PAICHA_BUILD");
	char		*dir, *cmd, *name = unique_name("e2e.tool."), *q;
	struct resp	 r;

	(void)state;
	if (build != NULL && *build != '\0')
		dir = strdup(build);
	else {
		dir = strdup(e2e_env("PAICHA_RUN"));
		*strrchr(dir, '/') = '\0';
	}
	cmd = fmt("printf '%%s\\n' '%s' | PAICHA_ADMIN_DATABASE_URL='%s'"
	    " '%s/fcgi/paicha-admin' user-create --username '%s'"
	    " --display-name x --region 110000 --roles officer"
	    " --password-stdin 2>/dev/null >&2", "1234567890",
	    e2e_env("PAICHA_ADMIN_DATABASE_URL"), dir, name);
	assert_int_not_equal(system(cmd), 0);
	free(cmd);
	q = fmt("/api/v1/users?q=%s", name);
	http_get(admin, q, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
	resp_free(&r);
	cmd = fmt("printf '%%s\\n' '%s' | PAICHA_ADMIN_DATABASE_URL='%s'"
	    " '%s/fcgi/paicha-admin' user-create --username '%s'"
	    " --display-name x --region 110000 --roles officer"
	    " --password-stdin >/dev/null", FIXTURE_PASSWORD,
	    e2e_env("PAICHA_ADMIN_DATABASE_URL"), dir, name);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	assert_int_equal(login_status(name, FIXTURE_PASSWORD), 201);
	free(q);
	free(dir);
	free(name);
}

static void
test_field_limits(void **state)
{
	static const char *const bad_names[] = {
		"A.upper", ".dot-first", "x", "has space", "中文名", NULL
	};
	struct resp	 r;
	char		*name, *dn, *long_name;
	size_t		 i;

	(void)state;
	for (i = 0; bad_names[i] != NULL; i++) {
		create(bad_names[i], "x", "110000", json_pack("[s]", "officer"),
		    FIXTURE_PASSWORD, &r);
		assert_problem_field(&r, 422, "username");
		resp_free(&r);
	}
	/* 63 characters is the longest username. */
	long_name = repeat("u", 64);
	create(long_name, "x", "110000", json_pack("[s]", "officer"),
	    FIXTURE_PASSWORD, &r);
	assert_problem_field(&r, 422, "username");
	resp_free(&r);
	name = unique_name("e2e.");
	memset(long_name, 'u', 63);
	memcpy(long_name, name, strlen(name));
	long_name[63] = '\0';
	create(long_name, "x", "110000", json_pack("[s]", "officer"),
	    FIXTURE_PASSWORD, &r);
	assert_status(&r, 201);
	resp_free(&r);
	free(long_name);
	free(name);
	/* Display names: 100 characters, not 101; not blank. */
	name = unique_name("e2e.dn.");
	dn = repeat("名", 101);
	create(name, dn, "110000", json_pack("[s]", "officer"), FIXTURE_PASSWORD,
	    &r);
	assert_problem_field(&r, 422, "display_name");
	resp_free(&r);
	create(name, " ", "110000", json_pack("[s]", "officer"), FIXTURE_PASSWORD,
	    &r);
	assert_problem_field(&r, 422, "display_name");
	resp_free(&r);
	dn[300] = '\0';
	create(name, dn, "110000", json_pack("[s]", "officer"), FIXTURE_PASSWORD,
	    &r);
	assert_status(&r, 201);
	resp_free(&r);
	free(dn);
	free(name);
	/* Roles: a non-empty set of the four, each once. */
	name = unique_name("e2e.roles.");
	create(name, "x", "110000", json_array(), FIXTURE_PASSWORD, &r);
	assert_problem_field(&r, 422, "roles");
	resp_free(&r);
	create(name, "x", "110000", json_pack("[s]", "boss"), FIXTURE_PASSWORD,
	    &r);
	assert_problem_field(&r, 422, "roles");
	resp_free(&r);
	create(name, "x", "110000", json_pack("[s, s]", "legal", "legal"),
	    FIXTURE_PASSWORD, &r);
	assert_problem_field(&r, 422, "roles");
	resp_free(&r);
	http_json(admin, "POST", "/api/v1/users", json_pack("{s:s, s:s, s:s,"
	    " s:s, s:s}", "username", name, "display_name", "x", "region",
	    "110000", "roles", "officer", "password", FIXTURE_PASSWORD), NULL, &r);
	assert_problem_field(&r, 400, "roles");
	resp_free(&r);
	/* Regions: six digits, existing. */
	create(name, "x", "11000", json_pack("[s]", "officer"), FIXTURE_PASSWORD,
	    &r);
	assert_problem_field(&r, 422, "region");
	resp_free(&r);
	create(name, "x", "999999", json_pack("[s]", "officer"), FIXTURE_PASSWORD,
	    &r);
	assert_problem_field(&r, 422, "region");
	resp_free(&r);
	/* Missing fields are named. */
	http_json(admin, "POST", "/api/v1/users", json_object(), NULL, &r);
	assert_problem_field(&r, 422, "username");
	assert_problem_field(&r, 422, "password");
	assert_problem_field(&r, 422, "roles");
	resp_free(&r);
	/* The body limit of the route: 4 KiB. */
	dn = repeat("x", 5000);
	create(name, dn, "110000", json_pack("[s]", "officer"), FIXTURE_PASSWORD,
	    &r);
	assert_problem(&r, 413);
	resp_free(&r);
	free(dn);
	free(name);
}

static void
test_list(void **state)
{
	struct resp	 r;
	char		*prefix = unique_name("e2e.list."), *n, *q, *q2;
	long long	 ids[3];
	json_t		*items;
	size_t		 i;

	(void)state;
	for (i = 0; i < 3; i++) {
		n = fmt("%s.%zu", prefix, i);
		ids[i] = fixture_user(admin, n, i == 2 ? "310000" : "110000",
		    "[\"auditor\"]");
		free(n);
	}
	q = fmt("/api/v1/users?q=%s&limit=2", prefix);
	http_get(admin, q, &r);
	assert_status(&r, 200);
	items = json_object_get(r.json, "items");
	assert_int_equal(json_array_size(items), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    items, 0), "id")), ids[0]);
	q2 = fmt("%s&cursor=%s", q, json_string_value(json_object_get(r.json,
	    "next_cursor")));
	resp_free(&r);
	http_get(admin, q2, &r);
	items = json_object_get(r.json, "items");
	assert_int_equal(json_array_size(items), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    items, 0), "id")), ids[2]);
	assert_true(json_is_null(json_object_get(r.json, "next_cursor")));
	resp_free(&r);
	free(q);
	free(q2);
	q = fmt("/api/v1/users?q=%s&region=310000", prefix);
	assert_true(list_has(admin, q, ids[2]));
	assert_false(list_has(admin, q, ids[0]));
	free(q);
	http_get(admin, "/api/v1/users?limit=201", &r);
	assert_problem_field(&r, 400, "limit");
	resp_free(&r);
	q = fmt("/api/v1/users?q=%0100d", 7);
	http_get(admin, q, &r);
	assert_status(&r, 200);
	resp_free(&r);
	free(q);
	q = fmt("/api/v1/users?q=%0101d", 7);
	http_get(admin, q, &r);
	assert_problem_field(&r, 400, "q");
	resp_free(&r);
	free(q);
	http_get(admin, "/api/v1/users?disabled=maybe", &r);
	assert_problem_field(&r, 400, "disabled");
	resp_free(&r);
	free(prefix);
}

static void
test_disable_ends_sessions(void **state)
{
	static const char *const v1[] = { "If-Match: \"1\"", NULL };
	static const char *const v2[] = { "If-Match: \"2\"", NULL };
	struct resp	 r;
	char		*name = unique_name("e2e.dis."), *path;
	struct client	*c, *c2;
	long long	 id;

	(void)state;
	id = fixture_user(admin, name, "110000", "[\"officer\"]");
	path = fmt("/api/v1/users/%lld", id);
	c = client_login(name, FIXTURE_PASSWORD);
	c2 = client_login(name, FIXTURE_PASSWORD);
	assert_int_equal(status_of(c, "GET", "/api/v1/session", NULL, NULL),
	    200);
	/* Without If-Match: 428; nothing changes. */
	http_json(admin, "PATCH", path, json_pack("{s:b}", "disabled", 1),
	    NULL, &r);
	assert_problem(&r, 428);
	resp_free(&r);
	assert_int_equal(status_of(c, "GET", "/api/v1/session", NULL, NULL),
	    200);
	http_json(admin, "PATCH", path, json_pack("{s:b}", "disabled", 1), v1,
	    &r);
	assert_status(&r, 200);
	assert_true(json_is_true(json_object_get(r.json, "disabled")));
	resp_free(&r);
	/* Both of its sessions end at once; it cannot log in again. */
	assert_int_equal(status_of(c, "GET", "/api/v1/session", NULL, NULL),
	    401);
	assert_int_equal(status_of(c2, "GET", "/api/v1/enterprises", NULL,
	    NULL), 401);
	assert_int_equal(login_status(name, FIXTURE_PASSWORD), 401);
	/* It is listed as disabled. */
	assert_true(list_has(admin, "/api/v1/users?disabled=true&limit=200",
	    id));
	assert_false(list_has(admin, "/api/v1/users?disabled=false&limit=200",
	    id));
	/* Stale version: 412. */
	http_json(admin, "PATCH", path, json_pack("{s:b}", "disabled", 0), v1,
	    &r);
	assert_problem(&r, 412);
	resp_free(&r);
	/* Enabled again, it logs in. */
	http_json(admin, "PATCH", path, json_pack("{s:b}", "disabled", 0), v2,
	    &r);
	assert_status(&r, 200);
	resp_free(&r);
	assert_int_equal(login_status(name, FIXTURE_PASSWORD), 201);
	client_free(c);
	client_free(c2);
	free(path);
	free(name);
	forget_failures();
}

static void
test_password_change_ends_sessions(void **state)
{
	static const char *const v1[] = { "If-Match: \"1\"", NULL };
	static const char *const v2[] = { "If-Match: \"2\"", NULL };
	struct resp	 r;
	char		*name = unique_name("e2e.pwc."), *path;
	struct client	*c;
	long long	 id;

	(void)state;
	id = fixture_user(admin, name, "110000", "[\"officer\"]");
	path = fmt("/api/v1/users/%lld", id);
	c = client_login(name, FIXTURE_PASSWORD);
	http_json(admin, "PATCH", path, json_pack("{s:s}", "password",
	    "short"), v1, &r);
	assert_problem_field(&r, 422, "password");
	resp_free(&r);
	http_json(admin, "PATCH", path, json_pack("{s:s}", "password",
	    "a-new-long-password"), v1, &r);
	assert_status(&r, 200);
	resp_free(&r);
	assert_int_equal(status_of(c, "GET", "/api/v1/session", NULL, NULL),
	    401);
	assert_int_equal(login_status(name, FIXTURE_PASSWORD), 401);
	assert_int_equal(login_status(name, "a-new-long-password"), 201);
	/* Roles and display name change without ending sessions. */
	client_free(c);
	c = client_login(name, "a-new-long-password");
	http_json(admin, "PATCH", path, json_pack("{s:[s, s], s:s}", "roles",
	    "officer", "auditor", "display_name", "改名"), v2, &r);
	assert_status(&r, 200);
	resp_free(&r);
	http_get(c, "/api/v1/session", &r);
	assert_status(&r, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "roles")), 2);
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "display_name")), "改名");
	resp_free(&r);
	/* The username never changes. */
	http_json(admin, "PATCH", path, json_pack("{s:s}", "username", "x"),
	    v2, &r);
	assert_problem_field(&r, 422, "username");
	resp_free(&r);
	client_free(c);
	free(path);
	free(name);
	forget_failures();
}

/*
 * No one administers themselves (issue 15, item 4; API.md Part 2): an
 * administrator's own roles, region and disabled flag are another
 * administrator's to change -- 403, and nothing changes; its own display
 * name it may change.
 */
static void
test_no_self_administration(void **state)
{
	struct resp	 r;
	char		*name = unique_name("e2e.selfadm."), *path;
	struct client	*c;
	long long	 id;
	const char	*hdr[] = { "If-Match: \"1\"", NULL };

	(void)state;
	id = fixture_user(admin, name, "110000", "[\"admin\"]");
	c = client_login(name, FIXTURE_PASSWORD);
	path = fmt("/api/v1/users/%lld", id);
	http_json(c, "PATCH", path, json_pack("{s:b}", "disabled", 1), hdr, &r);
	assert_problem(&r, 403);
	resp_free(&r);
	http_json(c, "PATCH", path, json_pack("{s:[s]}", "roles", "admin"),
	    hdr, &r);
	assert_problem(&r, 403);
	resp_free(&r);
	http_json(c, "PATCH", path, json_pack("{s:s}", "region", "110100"),
	    hdr, &r);
	assert_problem(&r, 403);
	resp_free(&r);
	/* Nothing changed: still version 1, still an admin. */
	http_json(c, "PATCH", path, json_pack("{s:s}", "display_name",
	    "改了自己的名字"), hdr, &r);
	assert_status(&r, 200);
	assert_int_equal(json_integer_value(json_object_get(r.json,
	    "version")), 2);
	resp_free(&r);
	assert_int_equal(status_of(c, "GET", "/api/v1/users", NULL, NULL), 200);
	client_free(c);
	free(path);
	free(name);
}

/*
 * Separation of duties (issue 15, item 4): `admin` holds no other role,
 * at creation or later (422 naming roles).
 */
static void
test_admin_alone(void **state)
{
	struct resp	 r;
	char		*name = unique_name("e2e.adm2."), *path;
	long long	 id;
	const char	*hdr[] = { "If-Match: \"1\"", NULL };

	(void)state;
	http_json(admin, "POST", "/api/v1/users", json_pack("{s:s, s:s, s:s,"
	    " s:[s, s, s], s:s}", "username", name, "display_name", name,
	    "region", "110000", "roles", "admin", "officer", "legal",
	    "password", FIXTURE_PASSWORD), NULL, &r);
	assert_problem_field(&r, 422, "roles");
	resp_free(&r);
	id = fixture_user(admin, name, "110000", "[\"officer\"]");
	path = fmt("/api/v1/users/%lld", id);
	http_json(admin, "PATCH", path, json_pack("{s:[s, s]}", "roles",
	    "admin", "legal"), hdr, &r);
	assert_problem_field(&r, 422, "roles");
	resp_free(&r);
	free(path);
	free(name);
}

/*
 * The puppet (issue 15, item 4): whom an officer made legal -- while it
 * was an administrator -- may not decide that officer's proposals (403,
 * and the database refuses it too); another legal reviewer may.
 */
static void
test_puppet_legal_may_not_decide(void **state)
{
	struct resp	 r;
	char		*boss = unique_name("e2e.boss."), *pup = unique_name(
			    "e2e.puppet."), *path;
	struct client	*b, *p, *legal;
	long long	 bid, eid, cid;
	char		 uscc[19];
	const char	*hdr[] = { "If-Match: \"1\"", NULL };
	const char	*hdr2[] = { "If-Match: \"2\"", NULL };

	(void)state;
	bid = fixture_user(admin, boss, "110000", "[\"admin\"]");
	b = client_login(boss, FIXTURE_PASSWORD);
	(void)fixture_user(b, pup, "110000", "[\"legal\"]");
	/* Another administrator makes the boss an officer. */
	path = fmt("/api/v1/users/%lld", bid);
	http_json(admin, "PATCH", path, json_pack("{s:[s]}", "roles",
	    "officer"), hdr, &r);
	assert_status(&r, 200);
	resp_free(&r);
	free(path);
	client_free(b);
	b = client_login(boss, FIXTURE_PASSWORD);
	eid = fixture_enterprise(b, "110000", uscc);
	cid = fixture_case(b, eid);
	path = fmt("/api/v1/cases/%lld/transitions", cid);
	http_json(b, "POST", path, json_pack("{s:s, s:{s:s}}", "event",
	    "dismiss", "payload", "reason", "傀儡审核"), hdr, &r);
	assert_status(&r, 202);
	resp_free(&r);
	free(path);
	path = fmt("/api/v1/cases/%lld/approval", cid);
	p = client_login(pup, FIXTURE_PASSWORD);
	http_json(p, "POST", path, json_pack("{s:s}", "decision", "approve"),
	    hdr2, &r);
	assert_problem(&r, 403);
	resp_free(&r);
	legal = client_login("legal.bj", DEMO_PASSWORD);
	http_json(legal, "POST", path, json_pack("{s:s}", "decision",
	    "approve"), hdr2, &r);
	assert_status(&r, 200);
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "state")), "closed");
	resp_free(&r);
	client_free(legal);
	client_free(p);
	client_free(b);
	free(path);
	free(boss);
	free(pup);
}

/*
 * User changes leave a trail an auditor can see (issue 15, item 4):
 * creating a user and changing its roles are events of its stream, with
 * who did it and the old and new roles; a password change says that it
 * changed, never what to.
 */
static void
test_user_changes_are_audited(void **state)
{
	struct client	*auditor = client_login("auditor.bj", DEMO_PASSWORD);
	struct resp	 r;
	char		*name = unique_name("e2e.trail."), *path;
	long long	 id;
	json_t		*items, *e;
	const char	*hdr[] = { "If-Match: \"1\"", NULL };
	const char	*hdr2[] = { "If-Match: \"2\"", NULL };

	(void)state;
	id = fixture_user(admin, name, "110000", "[\"officer\"]");
	path = fmt("/api/v1/users/%lld", id);
	http_json(admin, "PATCH", path, json_pack("{s:[s, s]}", "roles",
	    "officer", "legal"), hdr, &r);
	assert_status(&r, 200);
	resp_free(&r);
	http_json(admin, "PATCH", path, json_pack("{s:s}", "password",
	    "a whole new passphrase 42"), hdr2, &r);
	assert_status(&r, 200);
	resp_free(&r);
	free(path);
	path = fmt("/api/v1/audit/events?entity=user&entity_id=%lld", id);
	http_get(auditor, path, &r);
	assert_status(&r, 200);
	items = json_object_get(r.json, "items");
	assert_int_equal(json_array_size(items), 3);
	e = json_array_get(items, 0);
	assert_string_equal(json_string_value(json_object_get(e, "event")),
	    "create");
	assert_string_equal(json_string_value(json_object_get(e, "actor")),
	    "admin");
	e = json_array_get(items, 1);
	assert_int_equal(json_array_size(json_object_get(json_object_get(
	    json_object_get(e, "payload"), "old"), "roles")), 1);
	assert_int_equal(json_array_size(json_object_get(json_object_get(
	    json_object_get(e, "payload"), "new"), "roles")), 2);
	e = json_array_get(items, 2);
	assert_true(json_is_true(json_object_get(json_object_get(
	    json_object_get(e, "payload"), "new"), "password_changed")));
	assert_null(strstr(r.body, "passphrase"));
	assert_null(strstr(r.body, "pbkdf2"));
	resp_free(&r);
	free(path);
	free(name);
	client_free(auditor);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_password_limits),
		cmocka_unit_test(test_password_rules),
		cmocka_unit_test(test_admin_tool_password_rules),
		cmocka_unit_test(test_field_limits),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_disable_ends_sessions),
		cmocka_unit_test(test_password_change_ends_sessions),
		cmocka_unit_test(test_no_self_administration),
		cmocka_unit_test(test_admin_alone),
		cmocka_unit_test(test_puppet_legal_may_not_decide),
		cmocka_unit_test(test_user_changes_are_audited),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("e2e-users", tests, setup,
	    teardown);
}
