/*
 * e2e-portal.c: enterprises as users (API.md Part 2 "Enterprises as
 * users"; issue 20), against the test instance:
 *
 *  - accounts: an officer of the enterprise's region makes one (201 with
 *    a one-time password that logs in); another region's officer 404;
 *    a legal officer 403; the users API refuses role `enterprise` (422);
 *    the account must set its own password first: every other route
 *    403 (and a weak new password 422) until then;
 *  - checklists: the five key control points and the category's own;
 *    an unknown category 422; a province's admin adds one (201, an
 *    event of its stream), an officer 403;
 *  - self-inspections: a failed item with major_risk opens a case
 *    (source self_inspection, state detected) and notifies the region's
 *    officers; an unknown campaign or category 422, an item of another
 *    checklist 422, a wrong result 422; officers list the region's and
 *    the enterprises not yet inspected (`/missing`); audited;
 *  - the enterprise's own view: its case (state, deadlines, orders, its
 *    own uploads; nothing of assignees or proposals), another
 *    enterprise's case and enterprise 404, a route it may not use 403,
 *    an upload of another kind 422, report_rectification 200 with the
 *    rectification evidence it uploaded; an officer's other events 403.
 * Every refusal changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "e2e.h"

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

static struct client	*off, *offsh, *legal, *adm;

static int
setup(void **state)
{
	(void)state;
	if (user_make("admin.bj", "110000", "admin") != 0)
		fail_msg("could not make admin.bj");
	off = client_login("officer.bj", DEMO_PASSWORD);
	offsh = client_login("officer.sh", DEMO_PASSWORD);
	legal = client_login("legal.bj", DEMO_PASSWORD);
	adm = client_login("admin.bj", DEMO_PASSWORD);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	client_free(off);
	client_free(offsh);
	client_free(legal);
	client_free(adm);
	return 0;
}

/* The first cell of `sql` (superuser) as a number; `sql` is freed. */
static long long
count_of(char *sql)
{
	char		*v = db_value(db_admin(), sql, NULL);
	long long	 n;

	assert_non_null(v);
	n = strtoll(v, NULL, 10);
	free(v);
	free(sql);
	return n;
}

/* A sample the seeder makes (--photo), read whole; malloc'd. */
static char *
sample(const char *what, size_t *len)
{
	const char	*build = getenv("PAICHA_BUILD");
	char		*dir, *path, *cmd, *data;
	FILE		*f;
	long		 n;

	dir = build != NULL && *build != '\0' ? strdup(build) :
	    fmt("%.*s", (int)(strrchr(e2e_env("PAICHA_RUN"), '/') -
	    e2e_env("PAICHA_RUN")), e2e_env("PAICHA_RUN"));
	path = fmt("/tmp/e2e-portal-%ld.%s", (long)getpid(), what);
	cmd = fmt("'%s/tools/seed/paicha-seed' --%s '%s'", dir, what, path);
	if (system(cmd) != 0)
		fail_msg("could not make a sample: %s", cmd);
	assert_non_null(f = fopen(path, "rb"));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	assert_true(n > 0);
	assert_non_null(data = malloc((size_t)n));
	assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	unlink(path);
	*len = (size_t)n;
	free(dir);
	free(path);
	free(cmd);
	return data;
}

/*
 * A new account of enterprise `eid` made by `c`; its username in
 * `user` (64 bytes) and its one-time password, malloc'd.
 */
static char *
account_make(struct client *c, long long eid, char *user)
{
	struct resp	 r;
	char		*path = fmt("/api/v1/enterprises/%lld/accounts", eid);
	char		*name = unique_name("qiye.e2e");
	char		*pw;

	snprintf(user, 64, "%s", name);
	http_json(c, "POST", path, json_pack("{s:s, s:s}", "username", user,
	    "display_name", "企业自查员"), NULL, &r);
	assert_status(&r, 201);
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(r.json, "roles"), 0)), "enterprise");
	assert_int_equal(json_integer_value(json_object_get(r.json,
	    "enterprise_id")), eid);
	assert_true(json_is_true(json_object_get(r.json,
	    "must_change_password")));
	assert_non_null(pw = strdup(json_string_value(json_object_get(r.json,
	    "password"))));
	assert_true(strlen(pw) >= 12);
	resp_free(&r);
	free(path);
	free(name);
	return pw;
}

/* Log in as `user` and set its own password (paicha-portal-<user>). */
static struct client *
account_ready(const char *user, const char *once)
{
	struct client	*c = client_login(user, once);
	struct resp	 r;
	char		*pw = fmt("Zq7-Wb4-portal-%ld", (long)getpid());

	assert_non_null(c);
	http_json(c, "POST", "/api/v1/session/password", json_pack("{s:s,"
	    " s:s}", "current", once, "new", pw), NULL, &r);
	assert_status(&r, 204);
	resp_free(&r);
	free(pw);
	return c;
}

/* ------------------------------------------------------------------ */

static void
test_accounts(void **state)
{
	struct client	*e, *e2;
	struct resp	 r;
	char		 uscc[19], user[64], *once, *path, *pw, *sql;
	long long	 eid;

	(void)state;
	eid = fixture_enterprise(off, "110105", uscc);
	path = fmt("/api/v1/enterprises/%lld/accounts", eid);

	/* Who may: an officer of the region; others not. */
	http_json(offsh, "POST", path, json_pack("{s:s, s:s}", "username",
	    "qiye.e2e.other", "display_name", "x"), NULL, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	http_json(legal, "POST", path, json_pack("{s:s, s:s}", "username",
	    "qiye.e2e.legal", "display_name", "x"), NULL, &r);
	assert_problem(&r, 403);
	resp_free(&r);
	http_json(off, "POST", "/api/v1/enterprises/999999999/accounts",
	    json_pack("{s:s, s:s}", "username", "qiye.e2e.none",
	    "display_name", "x"), NULL, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	http_json(off, "POST", path, json_pack("{s:s}", "username",
	    "qiye.e2e.nodisplay"), NULL, &r);
	assert_problem_field(&r, 422, "display_name");
	resp_free(&r);
	http_json(off, "POST", path, json_pack("{s:s, s:s}", "username",
	    "Bad Name", "display_name", "x"), NULL, &r);
	assert_problem_field(&r, 422, "username");
	resp_free(&r);
	assert_int_equal(count_of(strdup("SELECT count(*) FROM users WHERE"
	    " username LIKE 'qiye.e2e.%' AND username IN ('qiye.e2e.other',"
	    " 'qiye.e2e.legal', 'qiye.e2e.none', 'qiye.e2e.nodisplay')")), 0);

	/* The users API makes no enterprise account. */
	http_json(adm, "POST", "/api/v1/users", json_pack("{s:s, s:s, s:s,"
	    " s:[s], s:s}", "username", "qiye.e2e.viausers", "display_name",
	    "x", "region", "110105", "roles", "enterprise", "password",
	    "Zq7-long-enough-x1"), NULL, &r);
	assert_problem_field(&r, 422, "roles");
	resp_free(&r);

	once = account_make(off, eid, user);
	/* The same username twice: 409. */
	http_json(off, "POST", path, json_pack("{s:s, s:s}", "username", user,
	    "display_name", "x"), NULL, &r);
	assert_problem(&r, 409);
	resp_free(&r);
	/* Audited: an event of the user's stream, by the officer. */
	sql = fmt("SELECT count(*) FROM ledger_events l JOIN users u"
	    " ON u.id = l.entity_id WHERE l.entity = 'user'"
	    " AND u.username = '%s' AND l.event = 'create'"
	    " AND l.role = 'officer'", user);
	assert_int_equal(count_of(sql), 1);

	/* The one-time password logs in; then only the password change. */
	assert_non_null(e = client_login(user, once));
	http_get(e, "/api/v1/session", &r);
	assert_status(&r, 200);
	assert_true(json_is_true(json_object_get(r.json,
	    "must_change_password")));
	resp_free(&r);
	assert_int_equal(status_of(e, "GET", "/api/v1/checklists", NULL,
	    NULL), 403);
	assert_int_equal(status_of(e, "GET", "/api/v1/cases", NULL, NULL),
	    403);
	path = (free(path), fmt("/api/v1/enterprises/%lld", eid));
	assert_int_equal(status_of(e, "GET", path, NULL, NULL), 403);
	assert_int_equal(status_of(e, "POST", "/api/v1/self-inspections",
	    json_pack("{}"), NULL), 403);
	/* A weak new one: 422 naming it, and still 403. */
	http_json(e, "POST", "/api/v1/session/password", json_pack("{s:s,"
	    " s:s}", "current", once, "new", "password"), NULL, &r);
	assert_problem_field(&r, 422, "new");
	resp_free(&r);
	assert_int_equal(status_of(e, "GET", "/api/v1/checklists", NULL,
	    NULL), 403);
	pw = fmt("Zq7-Wb4-portal-%ld", (long)getpid());
	http_json(e, "POST", "/api/v1/session/password", json_pack("{s:s,"
	    " s:s}", "current", once, "new", pw), NULL, &r);
	assert_status(&r, 204);
	resp_free(&r);
	assert_int_equal(status_of(e, "GET", "/api/v1/checklists", NULL,
	    NULL), 200);
	assert_int_equal(status_of(e, "GET", path, NULL, NULL), 200);
	/* The one-time password no longer logs in; the new one does. */
	e2 = client_new();
	assert_int_equal(status_of(e2, "POST", "/api/v1/session",
	    json_pack("{s:s, s:s}", "username", user, "password", once), NULL),
	    401);
	client_free(e2);
	assert_non_null(e2 = client_login(user, pw));
	http_get(e2, "/api/v1/session", &r);
	assert_status(&r, 200);
	assert_false(json_is_true(json_object_get(r.json,
	    "must_change_password")));
	resp_free(&r);
	client_free(e);
	client_free(e2);
	free(once);
	free(pw);
	free(path);
}

static void
test_checklists(void **state)
{
	struct client	*adm_nat;
	struct resp	 r;
	const char	*keys[] = { "原材料进货检验", "过程控制", "出厂检验",
	    "生产设备", "检验设施" };
	json_t		*it;
	size_t		 i, k;
	int		 found, own = 0;
	char		*label, *sql;
	long long	 id;

	(void)state;
	http_get(off, "/api/v1/checklists?category=cement", &r);
	assert_status(&r, 200);
	for (k = 0; k < NITEMS(keys); k++) {
		found = 0;
		json_array_foreach(json_object_get(r.json, "items"), i, it)
			found |= strstr(json_string_value(json_object_get(it,
			    "label")), keys[k]) != NULL &&
			    json_is_integer(json_object_get(it, "id")) &&
			    json_is_string(json_object_get(it, "stage"));
		if (!found)
			fail_msg("checklist lacks %s", keys[k]);
	}
	json_array_foreach(json_object_get(r.json, "items"), i, it)
		own |= strstr(json_string_value(json_object_get(it, "label")),
		    "水泥") != NULL;
	assert_true(own);
	resp_free(&r);
	http_get(off, "/api/v1/checklists?category=no_such_cat", &r);
	assert_problem_field(&r, 422, "category");
	resp_free(&r);

	/* A province's admin adds one; an officer or the nation's may not. */
	label = unique_name("自查项目：钢筋重量偏差");
	assert_int_equal(status_of(off, "POST", "/api/v1/checklists",
	    json_pack("{s:s, s:s, s:s}", "category", "rebar", "stage",
	    "process", "label", label), NULL), 403);
	adm_nat = client_login("admin", DEMO_PASSWORD);
	assert_int_equal(status_of(adm_nat, "POST", "/api/v1/checklists",
	    json_pack("{s:s, s:s, s:s}", "category", "rebar", "stage",
	    "process", "label", label), NULL), 403);
	client_free(adm_nat);
	http_json(adm, "POST", "/api/v1/checklists", json_pack("{s:s, s:s,"
	    " s:s}", "category", "rebar", "stage", "nowhere", "label", label),
	    NULL, &r);
	assert_problem_field(&r, 422, "stage");
	resp_free(&r);
	http_json(adm, "POST", "/api/v1/checklists", json_pack("{s:s, s:s,"
	    " s:s}", "category", "no_such_cat", "stage", "process", "label",
	    label), NULL, &r);
	assert_problem_field(&r, 422, "category");
	resp_free(&r);
	sql = fmt("SELECT count(*) FROM checklist_items WHERE label = '%s'",
	    label);
	assert_int_equal(count_of(sql), 0);
	http_json(adm, "POST", "/api/v1/checklists", json_pack("{s:s, s:s,"
	    " s:s}", "category", "rebar", "stage", "process", "label", label),
	    NULL, &r);
	assert_status(&r, 201);
	id = json_integer_value(json_object_get(r.json, "id"));
	resp_free(&r);
	sql = fmt("SELECT count(*) FROM ledger_events WHERE entity ="
	    " 'checklist_item' AND entity_id = %lld", id);
	assert_int_equal(count_of(sql), 1);
	/* Beijing sees it for rebar; Shanghai does not. */
	sql = fmt("/api/v1/checklists?category=rebar");
	assert_true(list_has(off, sql, id));
	assert_false(list_has(offsh, sql, id));
	free(sql);
	free(label);
}

/* The ids of the first `n` items of category `cat`'s checklist. */
static void
checklist_ids(struct client *c, const char *cat, long long *ids, size_t n)
{
	struct resp	 r;
	char		*path = fmt("/api/v1/checklists?category=%s", cat);
	size_t		 i;

	http_get(c, path, &r);
	assert_status(&r, 200);
	assert_true(json_array_size(json_object_get(r.json, "items")) >= n);
	for (i = 0; i < n; i++)
		ids[i] = json_integer_value(json_object_get(json_array_get(
		    json_object_get(r.json, "items"), i), "id"));
	resp_free(&r);
	free(path);
}

static void
test_self_inspection_and_view(void **state)
{
	struct client	*e, *eo;
	struct resp	 r;
	char		 uscc[19], user[64], user2[64], *once, *path, *sql;
	char		*photo, *im;
	size_t		 photo_len;
	long long	 eid, eid2, ids[3], case_id, other_case, si, fid;
	long long	 nsi, ncases;
	json_t		*c, *it;
	size_t		 i;
	int		 found;

	(void)state;
	eid = fixture_enterprise(off, "110105", uscc);
	eid2 = fixture_enterprise(off, "110105", uscc);
	other_case = fixture_case(off, eid2);
	once = account_make(off, eid, user);
	e = account_ready(user, once);
	free(once);
	once = account_make(off, eid2, user2);
	eo = account_ready(user2, once);
	free(once);
	checklist_ids(e, "cement", ids, 3);

	/* Bad input: 422 each, nothing made. */
	nsi = count_of(strdup("SELECT count(*) FROM self_inspections"));
	ncases = count_of(strdup("SELECT count(*) FROM cases"));
	http_json(e, "POST", "/api/v1/self-inspections", json_pack("{s:i, s:s,"
	    " s:[{s:I, s:s}], s:b}", "campaign_id", 1999, "category", "cement",
	    "items", "id", (json_int_t)ids[0], "result", "fail", "major_risk",
	    1), NULL, &r);
	assert_problem_field(&r, 422, "campaign_id");
	resp_free(&r);
	http_json(e, "POST", "/api/v1/self-inspections", json_pack("{s:i, s:s,"
	    " s:[{s:I, s:s}], s:b}", "campaign_id", 2022, "category",
	    "no_such_cat", "items", "id", (json_int_t)ids[0], "result", "fail",
	    "major_risk", 1), NULL, &r);
	assert_problem_field(&r, 422, "category");
	resp_free(&r);
	http_json(e, "POST", "/api/v1/self-inspections", json_pack("{s:i, s:s,"
	    " s:[{s:I, s:s}], s:b}", "campaign_id", 2022, "category", "cement",
	    "items", "id", (json_int_t)ids[0], "result", "maybe",
	    "major_risk", 1), NULL, &r);
	assert_problem_field(&r, 422, "items");
	resp_free(&r);
	http_json(e, "POST", "/api/v1/self-inspections", json_pack("{s:i, s:s,"
	    " s:[{s:I, s:s}], s:b}", "campaign_id", 2022, "category", "cement",
	    "items", "id", (json_int_t)999999999, "result", "fail",
	    "major_risk", 1), NULL, &r);
	assert_problem_field(&r, 422, "items");
	resp_free(&r);
	http_json(e, "POST", "/api/v1/self-inspections", json_pack("{s:i, s:s,"
	    " s:[], s:b}", "campaign_id", 2022, "category", "cement",
	    "items", "major_risk", 0), NULL, &r);
	assert_problem_field(&r, 422, "items");
	resp_free(&r);
	http_json(e, "POST", "/api/v1/self-inspections", json_pack("{s:i, s:s,"
	    " s:[{s:I, s:s}], s:b, s:[I]}", "campaign_id", 2022, "category",
	    "cement", "items", "id", (json_int_t)ids[0], "result", "fail",
	    "major_risk", 1, "file_ids", (json_int_t)999999999), NULL, &r);
	assert_problem_field(&r, 422, "file_ids");
	resp_free(&r);
	/* An officer may not self-inspect. */
	assert_int_equal(status_of(off, "POST", "/api/v1/self-inspections",
	    json_pack("{s:i, s:s, s:[{s:I, s:s}], s:b}", "campaign_id", 2022,
	    "category", "cement", "items", "id", (json_int_t)ids[0], "result",
	    "pass", "major_risk", 0), NULL), 403);
	assert_int_equal(count_of(strdup("SELECT count(*) FROM"
	    " self_inspections")), nsi);
	assert_int_equal(count_of(strdup("SELECT count(*) FROM cases")),
	    ncases);

	/* Not yet inspected: listed for the region's officers. */
	path = fmt("/api/v1/self-inspections/missing?campaign_id=2022"
	    "&region=110105&cursor=%lld&limit=5", eid - 1);
	assert_true(list_has(off, path, eid));
	free(path);
	http_get(off, "/api/v1/self-inspections/missing?campaign_id=1999",
	    &r);
	assert_problem_field(&r, 422, "campaign_id");
	resp_free(&r);

	/* One failure with a major risk: 201, a case, officers notified. */
	http_json(e, "POST", "/api/v1/self-inspections", json_pack("{s:i, s:s,"
	    " s:[{s:I, s:s}, {s:I, s:s, s:s}, {s:I, s:s}], s:b}",
	    "campaign_id", 2022, "category", "cement", "items",
	    "id", (json_int_t)ids[0], "result", "pass",
	    "id", (json_int_t)ids[1], "result", "fail", "note", "e2e 偷工减料",
	    "id", (json_int_t)ids[2], "result", "na", "major_risk", 1), NULL,
	    &r);
	assert_status(&r, 201);
	si = json_integer_value(json_object_get(r.json, "id"));
	case_id = json_integer_value(json_object_get(r.json, "case_id"));
	assert_true(si > 0 && case_id > 0);
	assert_int_equal(json_integer_value(json_object_get(r.json, "failed")),
	    1);
	resp_free(&r);
	sql = fmt("SELECT count(*) FROM cases WHERE id = %lld AND source ="
	    " 'self_inspection' AND state = 'detected' AND enterprise_id = %lld"
	    " AND region = '110105'", case_id, eid);
	assert_int_equal(count_of(sql), 1);
	sql = fmt("SELECT count(*) FROM notifications n JOIN users u"
	    " ON u.id = n.user_id WHERE u.username = 'officer.bj'"
	    " AND n.kind = 'self_inspection_risk' AND n.case_id = %lld",
	    case_id);
	assert_int_equal(count_of(sql), 1);
	sql = fmt("SELECT count(*) FROM ledger_events WHERE entity ="
	    " 'self_inspection' AND entity_id = %lld AND role = 'enterprise'",
	    si);
	assert_int_equal(count_of(sql), 1);
	sql = fmt("SELECT count(*) FROM case_events WHERE case_id = %lld"
	    " AND seq = 1 AND role = 'enterprise'", case_id);
	assert_int_equal(count_of(sql), 1);
	/* Listed for the officers; no longer missing. */
	path = fmt("/api/v1/self-inspections?region=110105&campaign_id=2022"
	    "&enterprise_id=%lld", eid);
	assert_true(list_has(off, path, si));
	assert_false(list_has(offsh, path, si));
	/* The enterprise sees its own; the other enterprise not. */
	assert_true(list_has(e, path, si));
	assert_false(list_has(eo, "/api/v1/self-inspections", si));
	free(path);
	path = fmt("/api/v1/self-inspections/missing?campaign_id=2022"
	    "&region=110105&cursor=%lld&limit=5", eid - 1);
	assert_false(list_has(off, path, eid));
	free(path);
	/* Without a major risk: no case. */
	http_json(e, "POST", "/api/v1/self-inspections", json_pack("{s:i, s:s,"
	    " s:[{s:I, s:s}], s:b}", "campaign_id", 2022, "category", "cement",
	    "items", "id", (json_int_t)ids[1], "result", "fail", "major_risk",
	    0), NULL, &r);
	assert_status(&r, 201);
	assert_true(json_is_null(json_object_get(r.json, "case_id")));
	resp_free(&r);

	/* Its own view: its case; nothing of others'. */
	assert_true(list_has(e, "/api/v1/cases", case_id));
	assert_false(list_has(e, "/api/v1/cases", other_case));
	path = fmt("/api/v1/cases/%lld", other_case);
	assert_int_equal(status_of(e, "GET", path, NULL, NULL), 404);
	free(path);
	path = fmt("/api/v1/enterprises/%lld", eid2);
	assert_int_equal(status_of(e, "GET", path, NULL, NULL), 404);
	free(path);
	path = fmt("/api/v1/cases/%lld/files", other_case);
	assert_int_equal(status_of(e, "GET", path, NULL, NULL), 404);
	free(path);
	/* Routes it may not use: 403. */
	path = fmt("/api/v1/cases/%lld/events", case_id);
	assert_int_equal(status_of(e, "GET", path, NULL, NULL), 403);
	free(path);
	assert_int_equal(status_of(e, "GET", "/api/v1/audit/events", NULL,
	    NULL), 403);
	assert_int_equal(status_of(e, "GET", "/api/v1/enterprises", NULL,
	    NULL), 403);
	assert_int_equal(status_of(e, "GET", "/api/v1/users", NULL, NULL),
	    403);
	assert_int_equal(status_of(e, "POST", "/api/v1/cases", json_pack("{}"),
	    NULL), 403);
	path = fmt("/api/v1/cases/%lld/approval", case_id);
	assert_int_equal(status_of(e, "POST", path, json_pack("{}"), NULL),
	    403);
	free(path);

	/* The officer orders rectification; the enterprise sees the order. */
	path = fmt("/api/v1/cases/%lld/transitions", case_id);
	im = fmt("If-Match: \"%d\"", 1);
	http_json(off, "POST", path, json_pack("{s:s, s:{s:s, s:s}}", "event",
	    "order_rectification", "payload", "deadline", cst_day(20),
	    "measures", "e2e 停产整改，更换原料"), (const char *[]){ im, NULL },
	    &r);
	assert_status(&r, 200);
	resp_free(&r);
	free(im);
	sql = fmt("/api/v1/cases/%lld", case_id);
	http_get(e, sql, &r);
	assert_status(&r, 200);
	c = r.json;
	assert_string_equal(json_string_value(json_object_get(c, "state")),
	    "rectifying");
	assert_true(json_array_size(json_object_get(c, "deadlines")) >= 1);
	found = 0;
	json_array_foreach(json_object_get(c, "orders"), i, it)
		found |= strstr(json_dumps(json_object_get(it, "payload"), 0),
		    "e2e 停产整改") != NULL;
	assert_true(found);
	assert_null(json_object_get(c, "assignees"));
	assert_null(json_object_get(c, "pending"));
	resp_free(&r);

	/* An event it may not fire: 403; an upload of another kind: 422. */
	im = fmt("If-Match: \"%d\"", 2);
	http_json(e, "POST", path, json_pack("{s:s, s:{s:s, s:s}}", "event",
	    "order_rectification", "payload", "deadline", cst_day(20),
	    "measures", "x"), (const char *[]){ im, NULL }, &r);
	assert_problem(&r, 403);
	resp_free(&r);
	photo = sample("photo", &photo_len);
	free(path);
	path = fmt("/api/v1/cases/%lld/files?kind=photo&name=a.jpg", case_id);
	http_raw(e, "POST", path, photo, photo_len,
	    (const char *[]){ "Content-Type: image/jpeg", NULL }, &r);
	assert_problem_field(&r, 422, "kind");
	resp_free(&r);
	free(path);
	path = fmt("/api/v1/cases/%lld/files?kind=rectification_evidence"
	    "&name=a.jpg", other_case);
	http_raw(e, "POST", path, photo, photo_len,
	    (const char *[]){ "Content-Type: image/jpeg", NULL }, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	free(path);
	/* Its evidence, then the report. */
	path = fmt("/api/v1/cases/%lld/files?kind=rectification_evidence"
	    "&name=zhenggai.jpg", case_id);
	http_raw(e, "POST", path, photo, photo_len,
	    (const char *[]){ "Content-Type: image/jpeg", NULL }, &r);
	assert_status(&r, 201);
	fid = json_integer_value(json_object_get(r.json, "id"));
	resp_free(&r);
	free(path);
	path = fmt("/api/v1/cases/%lld/transitions", case_id);
	http_json(e, "POST", path, json_pack("{s:s, s:{s:s}}", "event",
	    "report_rectification", "payload", "evidence",
	    "e2e 已更换原料，整改照片已上传"), (const char *[]){ im, NULL }, &r);
	assert_status(&r, 200);
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "state")), "rectification_review");
	found = 0;
	json_array_foreach(json_object_get(r.json, "files"), i, it)
		found |= json_integer_value(json_object_get(it, "id")) == fid;
	assert_true(found);
	resp_free(&r);
	free(im);
	sql = fmt("SELECT count(*) FROM case_events WHERE case_id = %lld"
	    " AND event = 'report_rectification' AND role = 'enterprise'",
	    case_id);
	assert_int_equal(count_of(sql), 1);
	/* The officer sees the report and the file. */
	free(path);
	path = fmt("/api/v1/cases/%lld/files", case_id);
	assert_true(list_has(off, path, fid));
	free(path);
	path = fmt("/api/v1/files/%lld", fid);
	assert_int_equal(status_of(eo, "GET", path, NULL, NULL), 404);
	assert_int_equal(status_of(e, "GET", path, NULL, NULL), 200);
	free(path);

	client_free(e);
	client_free(eo);
	free(photo);
}

/*
 * Every limit crossed: 200 items (201: 422), a note of 1000 bytes (1001:
 * 422), 20 files (21: 422), a checklist label of 200 characters (201:
 * 422),
 * an unknown key in an item (422 naming it), an item twice (422).
 */
static void
test_limits(void **state)
{
	struct client	*e;
	struct resp	 r;
	char		 uscc[19], user[64], *once, *note, *label;
	long long	 eid, ids[1], before;
	json_t		*items, *files;
	int		 i;

	(void)state;
	eid = fixture_enterprise(off, "110105", uscc);
	once = account_make(off, eid, user);
	e = account_ready(user, once);
	free(once);
	checklist_ids(e, "cement", ids, 1);
	before = count_of(strdup("SELECT count(*) FROM self_inspections"));

	items = json_array();
	for (i = 0; i < 201; i++)
		json_array_append_new(items, json_pack("{s:I, s:s}", "id",
		    (json_int_t)ids[0], "result", "pass"));
	http_json(e, "POST", "/api/v1/self-inspections", json_pack("{s:i, s:s,"
	    " s:o, s:b}", "campaign_id", 2022, "category", "cement", "items",
	    items, "major_risk", 0), NULL, &r);
	assert_problem_field(&r, 422, "items");
	resp_free(&r);
	/* 200 of the same item: within the count, but twice is refused. */
	items = json_array();
	for (i = 0; i < 200; i++)
		json_array_append_new(items, json_pack("{s:I, s:s}", "id",
		    (json_int_t)ids[0], "result", "pass"));
	http_json(e, "POST", "/api/v1/self-inspections", json_pack("{s:i, s:s,"
	    " s:o, s:b}", "campaign_id", 2022, "category", "cement", "items",
	    items, "major_risk", 0), NULL, &r);
	assert_problem_field(&r, 422, "items");
	resp_free(&r);
	http_json(e, "POST", "/api/v1/self-inspections", json_pack("{s:i, s:s,"
	    " s:[{s:I, s:s, s:s}], s:b}", "campaign_id", 2022, "category",
	    "cement", "items", "id", (json_int_t)ids[0], "result", "pass",
	    "colour", "red", "major_risk", 0), NULL, &r);
	assert_problem_field(&r, 422, "colour");
	resp_free(&r);
	/* A major risk without a failed item. */
	http_json(e, "POST", "/api/v1/self-inspections", json_pack("{s:i, s:s,"
	    " s:[{s:I, s:s}], s:b}", "campaign_id", 2022, "category", "cement",
	    "items", "id", (json_int_t)ids[0], "result", "pass", "major_risk",
	    1), NULL, &r);
	assert_problem_field(&r, 422, "major_risk");
	resp_free(&r);
	note = malloc(1002);
	memset(note, 'x', 1001);
	note[1001] = '\0';
	http_json(e, "POST", "/api/v1/self-inspections", json_pack("{s:i, s:s,"
	    " s:[{s:I, s:s, s:s}], s:b}", "campaign_id", 2022, "category",
	    "cement", "items", "id", (json_int_t)ids[0], "result", "fail",
	    "note", note, "major_risk", 0), NULL, &r);
	assert_problem_field(&r, 422, "items");
	resp_free(&r);
	files = json_array();
	for (i = 0; i < 21; i++)
		json_array_append_new(files, json_integer(1000000 + i));
	http_json(e, "POST", "/api/v1/self-inspections", json_pack("{s:i, s:s,"
	    " s:[{s:I, s:s}], s:b, s:o}", "campaign_id", 2022, "category",
	    "cement", "items", "id", (json_int_t)ids[0], "result", "pass",
	    "major_risk", 0, "file_ids", files), NULL, &r);
	assert_problem_field(&r, 422, "file_ids");
	resp_free(&r);
	assert_int_equal(count_of(strdup("SELECT count(*) FROM"
	    " self_inspections")), before);
	/* At the limits: a note of 1000 bytes is taken. */
	note[1000] = '\0';
	http_json(e, "POST", "/api/v1/self-inspections", json_pack("{s:i, s:s,"
	    " s:[{s:I, s:s, s:s}], s:b}", "campaign_id", 2022, "category",
	    "cement", "items", "id", (json_int_t)ids[0], "result", "fail",
	    "note", note, "major_risk", 1), NULL, &r);
	assert_status(&r, 201);
	assert_true(json_integer_value(json_object_get(r.json, "case_id")) >
	    0);
	resp_free(&r);
	/* A checklist label: 200 characters taken, 201 refused. */
	label = malloc(1000);
	memset(label, 'y', 201);
	label[201] = '\0';
	http_json(adm, "POST", "/api/v1/checklists", json_pack("{s:s, s:s,"
	    " s:s}", "category", "cement", "stage", "testing", "label", label),
	    NULL, &r);
	assert_problem_field(&r, 422, "label");
	resp_free(&r);
	label[0] = 'z';
	snprintf(label + 1, 20, "%ld", (long)getpid());
	label[strlen(label)] = 'y';
	label[200] = '\0';
	http_json(adm, "POST", "/api/v1/checklists", json_pack("{s:s, s:s,"
	    " s:s}", "category", "cement", "stage", "testing", "label", label),
	    NULL, &r);
	assert_status(&r, 201);
	resp_free(&r);
	free(note);
	free(label);
	client_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accounts),
		cmocka_unit_test(test_checklists),
		cmocka_unit_test(test_self_inspection_and_view),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
