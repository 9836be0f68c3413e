/*
 * e2e-rls.c: region scoping at the database itself, connected as the
 * service's own role (paicha_app) -- the second line behind the
 * service's checks.
 *
 *  - every table the catalog says has a policy or row security is in
 *    this program's lists below, each with an explicit check, and every
 *    table listed still has them (test_every_rls_table_covered): a new
 *    table's policy cannot go unchecked;
 *  - with the region set to Shanghai, Beijing's rows of every regional
 *    table are invisible, and none can be written;
 *  - scoped by a Beijing officer's own session (session_open(), as the
 *    service scopes each request), every row of Beijing's is visible and
 *    none of another province's, table by table and by id;
 *  - idempotency keys and notifications are the user's own, not the
 *    region's; categories are read by all and added only for one's own
 *    province; sessions, login failures, the scheduler's jobs and the
 *    dashboard's tallies are closed to the role altogether;
 *  - a referral (issue 17) lets the origin read the case it referred
 *    -- row, events, leaves, deadlines, files -- and not its neighbour,
 *    and the receiver read the referral's files, nothing else, nothing
 *    written (test_referral_grants);
 *  - the role can neither switch row-level security off for a table nor
 *    for its session, nor become the owner;
 *  - it is not a superuser, not BYPASSRLS, and owns no table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "e2e.h"

/*
 * The regional tables, the column each is scoped by, and the rows of
 * another region a referral grants the scope (issue 17, sql/0120): the
 * case a region referred and the receiver accepted, its events, their
 * leaves of the log, its deadlines and files; a referral's files to its
 * receiver.  Those are
 * left out where a scope must see nothing of another region's, and
 * test_referral_grants checks that they are exactly what is granted.
 */
#define REFERRED_CASE	"case_id = ANY (referred_cases())"
static const struct {
	const char	*table;
	const char	*column;
	const char	*granted;
} regional[] = {
	{ "enterprises", "region", NULL },
	{ "users", "region", NULL },
	{ "cases", "region", "id = ANY (referred_cases())" },
	{ "case_events", "case_region", REFERRED_CASE },
	{ "case_deadlines", "region", REFERRED_CASE },
	{ "activities", "region", NULL },
	{ "log_leaves", "case_region", "(entity = 'case' AND "
	    REFERRED_CASE ")" },
	{ "ledger_events", "scope_region", NULL },
	{ "enterprise_licences", "region", NULL },
	{ "enterprise_risk", "region", NULL },
	{ "case_assignees", "region", NULL },
	{ "supervisions", "region", NULL },
	{ "supervision_reports", "region", NULL },
	{ "imports", "region", NULL },
	{ "files", "region", "(" REFERRED_CASE
	    " OR id = ANY (referral_files()))" },
	{ "submissions", "region", NULL },
	{ "webhooks", "region", NULL },
	{ "webhook_deliveries", "region", NULL },
	{ "self_inspections", "region", NULL },
};

#define NREGIONAL	(sizeof(regional) / sizeof(regional[0]))

/*
 * The other tables with row-level security, and the test that checks
 * each: scoped by user, not by region; read by everyone and added to by
 * province; closed to the service's role (no policy, no grant).
 */
static const struct {
	const char	*table;
	const char	*test;
} other[] = {
	{ "idempotency_keys", "test_idempotency_keys_are_the_users" },
	{ "categories", "test_categories_added_by_province" },
	{ "sessions", "test_closed_tables" },
	{ "login_failures", "test_closed_tables" },
	{ "legal_grants", "test_closed_tables" },
	{ "sched_jobs", "test_closed_tables" },
	{ "dashboard_tallies", "test_closed_tables" },
	{ "dashboard_refresh", "test_closed_tables" },
	{ "notifications", "test_notifications_are_the_users" },
	{ "file_chunks", "test_closed_tables" },
	{ "file_blobs", "test_closed_tables" },
	{ "file_blob_chunks", "test_closed_tables" },
	{ "file_thumbnails", "test_closed_tables" },
	/* Both sides see a referral; a link is its case's region's. */
	{ "referrals", "test_referral_grants" },
	{ "case_links", "test_referral_grants" },
	{ "checklist_items", "test_checklist_items_read_by_all" },
};

#define NOTHER		(sizeof(other) / sizeof(other[0]))

/* What setup made: rows in Beijing and in Shanghai, keys of three users. */
static char	*bj_case, *sh_case, *bj_activity, *sh_activity;
static char	*bj_file, *sh_file;
static struct client	*ent_a;		/* a Beijing enterprise's account */
static long long	 ent_a_id, ent_a_user;
static char		 ent_key[64];
static char	 bj_key[64], dc_key[64], sh_key[64];

/* Run `sql` expecting failure with SQLSTATE `state`. */
static void
expect_error(PGconn *c, const char *sql, const char *state)
{
	PGresult	*res = PQexec(c, sql);
	const char	*got = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	if (PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK)
		fail_msg("succeeded, should not have: %s", sql);
	if (got == NULL || strcmp(got, state) != 0)
		fail_msg("%s: SQLSTATE %s, want %s: %s", sql, got ? got : "-",
		    state, PQerrorMessage(c));
	PQclear(res);
}

static char *
count_beijing(PGconn *c, const char *table, const char *column)
{
	char	*sql = fmt("SELECT count(*) FROM %s WHERE %s LIKE '11%%'",
	    table, column);
	char	*n = db_value(c, sql, NULL);

	free(sql);
	return n;
}

/*
 * Beijing's rows of `table` that `c` sees but for those a referral
 * grants `c`'s scope (`granted`, NULL: none).
 */
static char *
count_beijing_ungranted(PGconn *c, const char *table, const char *column,
    const char *granted)
{
	char	*sql = fmt("SELECT count(*) FROM %s WHERE %s LIKE '11%%'"
	    " AND NOT %s", table, column, granted != NULL ? granted :
	    "false");
	char	*n = db_value(c, sql, NULL);

	free(sql);
	return n;
}

/* The rows of `table` outside Beijing, as `c` sees them. */
static char *
count_elsewhere(PGconn *c, const char *table, const char *column,
    const char *granted)
{
	char	*sql = fmt("SELECT count(*) FROM %s WHERE %s NOT LIKE '11%%'"
	    " AND NOT %s", table, column, granted != NULL ? granted :
	    "false");
	char	*n = db_value(c, sql, NULL);

	free(sql);
	return n;
}

/* A case on enterprise `eid` registered by `c` with Idempotency-Key `key`. */
static char *
case_keyed(struct client *c, long long eid, const char *key)
{
	struct resp	 r;
	char		*h = fmt("Idempotency-Key: %s", key);
	const char	*hdr[] = { h, NULL };
	char		*id;

	http_json(c, "POST", "/api/v1/cases", json_pack("{s:I, s:i, s:s, s:s,"
	    " s:s, s:s}", "enterprise_id", (json_int_t)eid, "campaign_id",
	    2026, "category", "cement", "domain", "production", "source",
	    "complaint", "problem", "e2e: 行级安全"), hdr, &r);
	assert_status(&r, 201);
	assert_true(json_integer_value(json_object_get(r.json, "id")) > 0);
	id = fmt("%lld", (long long)json_integer_value(json_object_get(r.json,
	    "id")));
	resp_free(&r);
	free(h);
	return id;
}

/* A risk-monitoring activity in `region` recorded by `c`; its id. */
static char *
activity_in(struct client *c, const char *region)
{
	struct resp	 r;
	char		*id;

	http_json(c, "POST", "/api/v1/activities", json_pack("{s:s, s:i, s:s,"
	    " s:s, s:s, s:i, s:i}", "kind", "risk_monitoring", "campaign_id",
	    2026, "category", "cement", "on", cst_day(0), "region", region,
	    "batches", 1, "problems_found", 0), NULL, &r);
	assert_status(&r, 201);
	assert_true(json_integer_value(json_object_get(r.json, "id")) > 0);
	id = fmt("%lld", (long long)json_integer_value(json_object_get(r.json,
	    "id")));
	resp_free(&r);
	return id;
}

/* An import of one enterprise in `region` by `c` (the importer's region). */
static void
import_in(struct client *c, const char *region)
{
	struct resp	 r;
	char		 uscc[19], *csv;
	const char	*h[] = { "Content-Type: text/csv", NULL };

	uscc_unique_in(region, uscc);
	csv = fmt("uscc,name,region\r\n%s,%s,%s\r\n", uscc,
	    "行级安全导入企业", region);
	http(c, "POST", "/api/v1/imports?kind=enterprises", csv, h, &r);
	assert_status(&r, 201);
	resp_free(&r);
	free(csv);
}

/*
 * A supervision of case `id` issued by the national coordinator `nat`,
 * and a report on it by `officer` (its target side): rows of both
 * tables in the case's region.
 */
static void
supervised_with_report(struct client *nat, struct client *officer,
    const char *id)
{
	struct resp	 r;
	char		*path;
	long long	 sid;

	http_json(nat, "POST", "/api/v1/supervisions", json_pack("{s:s, s:I,"
	    " s:s, s:s}", "target", "case", "case_id", (json_int_t)strtoll(id,
	    NULL, 10), "reason", "e2e: 行级安全", "due", cst_day(10)), NULL,
	    &r);
	assert_status(&r, 201);
	sid = json_integer_value(json_object_get(r.json, "id"));
	resp_free(&r);
	path = fmt("/api/v1/supervisions/%lld/reports", sid);
	assert_int_equal(status_of(officer, "POST", path, json_pack("{s:s}",
	    "text", "e2e: 进展"), NULL), 201);
	free(path);
}

/* A small text file of case `case_id` uploaded by `c`; its id. */
static char *
file_in(struct client *c, const char *case_id, const char *text)
{
	static const char *const h[] = { "Content-Type: text/plain", NULL };
	struct resp	 r;
	char		*path, *id;

	path = fmt("/api/v1/cases/%s/files?kind=other&name=rls.txt", case_id);
	http_raw(c, "POST", path, text, strlen(text), h, &r);
	assert_status(&r, 201);
	id = fmt("%lld", (long long)json_integer_value(json_object_get(r.json,
	    "id")));
	resp_free(&r);
	free(path);
	return id;
}

/*
 * A webhook for enterprise events registered by a new admin of `region`
 * (issue 22): made before the enterprises of setup(), so each side's
 * outbox gets rows.  Its id, to disable once they are there.
 */
static long long
webhook_in(struct client *nat, const char *region)
{
	struct client	*a;
	struct resp	 r;
	char		*name = unique_name("rlshook");
	long long	 id;

	fixture_user(nat, name, region, "[\"admin\"]");
	a = client_login(name, FIXTURE_PASSWORD);
	http_json(a, "POST", "/api/v1/webhooks", json_pack("{s:s, s:[s],"
	    " s:s}", "url", "http://127.0.0.1:9/rls", "events", "enterprise",
	    "secret", "e2e-rls-webhook-secret"), NULL, &r);
	assert_status(&r, 201);
	id = json_integer_value(json_object_get(r.json, "id"));
	resp_free(&r);
	client_free(a);
	free(name);
	return id;
}

/* Disable webhook `id` as the national admin `nat`. */
static void
webhook_off(struct client *nat, long long id)
{
	char	*path = fmt("/api/v1/webhooks/%lld/disable", id);

	assert_int_equal(status_of(nat, "POST", path, json_object(), NULL),
	    200);
	free(path);
}

/*
 * The coordinator `user` files its region's stage summary of the 2022
 * campaign (issue 19): made here unless it stands already (409: a run
 * before this one, or another program's), so that each side has one.
 */
static void
region_submission(const char *user)
{
	struct client	*c = client_login(user, DEMO_PASSWORD);
	struct resp	 r;

	http_json(c, "POST", "/api/v1/campaigns/2022/submissions",
	    json_pack("{s:s, s:s}", "kind", "stage", "summary",
	    "e2e: 行级安全"), NULL, &r);
	if (r.status != 201 && r.status != 409)
		assert_status(&r, 201);
	resp_free(&r);
	client_free(c);
}

/*
 * An account of enterprise `eid`, made by officer `o`, its own password
 * set; logged in.  Its user id in *uid.
 */
static struct client *
enterprise_account(struct client *o, long long eid, long long *uid)
{
	struct resp	 r;
	struct client	*c;
	char		*path = fmt("/api/v1/enterprises/%lld/accounts", eid);
	char		*user = unique_name("qiye.rls");
	char		*once, *pw = fmt("Zq7-Wb4-rls-%ld", (long)getpid());

	http_json(o, "POST", path, json_pack("{s:s, s:s}", "username", user,
	    "display_name", "行级安全企业"), NULL, &r);
	assert_status(&r, 201);
	*uid = json_integer_value(json_object_get(r.json, "id"));
	once = strdup(json_string_value(json_object_get(r.json, "password")));
	resp_free(&r);
	c = client_login(user, once);
	http_json(c, "POST", "/api/v1/session/password", json_pack("{s:s,"
	    " s:s}", "current", once, "new", pw), NULL, &r);
	assert_status(&r, 204);
	resp_free(&r);
	free(path);
	free(user);
	free(once);
	free(pw);
	return c;
}

/* A self-inspection by enterprise account `c`, a major risk or not. */
static void
self_inspection_by(struct client *c, int major)
{
	struct resp	 r;
	long long	 item;

	http_get(c, "/api/v1/checklists?category=cement", &r);
	assert_status(&r, 200);
	item = json_integer_value(json_object_get(json_array_get(
	    json_object_get(r.json, "items"), 0), "id"));
	resp_free(&r);
	http_json(c, "POST", "/api/v1/self-inspections", json_pack("{s:i, s:s,"
	    " s:[{s:I, s:s}], s:b}", "campaign_id", 2022, "category", "cement",
	    "items", "id", (json_int_t)item, "result", "fail", "major_risk",
	    major), NULL, &r);
	assert_status(&r, 201);
	resp_free(&r);
}

/*
 * Make sure every regional table has rows in Beijing and in Shanghai --
 * a webhook each (of a Beijing and a Shanghai admin) and their outboxes,
 * a case each (its events, leaves, deadline and assignee), an activity
 * each, a supervision each with a report, Beijing's submission of the
 * 2022 campaign's stage summary -- and that three users have an
 * idempotency key: two in Beijing (one of them in a county) and one in
 * Shanghai.
 */
static int
setup(void **state)
{
	struct client	*o, *dc, *sh, *nat, *adm;
	char		 uscc[19];
	long long	 eid, bj_hook, sh_hook;

	(void)state;
	adm = client_login("admin", DEMO_PASSWORD);
	bj_hook = webhook_in(adm, "110000");
	sh_hook = webhook_in(adm, "310000");
	o = client_login("officer.bj", DEMO_PASSWORD);
	dc = client_login("officer.dc", DEMO_PASSWORD);
	sh = client_login("officer.sh", DEMO_PASSWORD);
	snprintf(bj_key, sizeof(bj_key), "rls-bj-%ld", (long)getpid());
	snprintf(dc_key, sizeof(dc_key), "rls-dc-%ld", (long)getpid());
	snprintf(sh_key, sizeof(sh_key), "rls-sh-%ld", (long)getpid());
	eid = fixture_enterprise(o, "110101", uscc);
	bj_case = case_keyed(o, eid, bj_key);
	free(case_keyed(dc, eid, dc_key));
	sh_case = case_keyed(sh, fixture_enterprise(sh, "310101", uscc),
	    sh_key);
	/* Licences on both sides (issue 21); risk grades come with each. */
	fixture_enterprise_with(o, "110101", json_pack("{s:[{s:s, s:s}]}",
	    "licences", "kind", "production", "number", "XK-RLS-BJ"));
	fixture_enterprise_with(sh, "310101", json_pack("{s:[{s:s, s:s}]}",
	    "licences", "kind", "production", "number", "XK-RLS-SH"));
	bj_activity = activity_in(o, "110000");
	sh_activity = activity_in(sh, "310000");
	nat = client_login("coord.nat", DEMO_PASSWORD);
	supervised_with_report(nat, o, bj_case);
	supervised_with_report(nat, sh, sh_case);
	client_free(nat);
	import_in(o, "110105");
	import_in(sh, "310101");
	bj_file = file_in(o, bj_case, "e2e: 北京的证据材料\n");
	sh_file = file_in(sh, sh_case, "e2e: 上海的证据材料\n");
	region_submission("coord.bj");
	assert_int_equal(user_make("coord.sh", "310000", "coordinator"), 0);
	region_submission("coord.sh");
	webhook_off(adm, bj_hook);
	webhook_off(adm, sh_hook);
	client_free(adm);
	/* Enterprises' own: a Beijing one with a case from its
	 * self-inspection (and a case of the officer's), a Shanghai one. */
	ent_a_id = fixture_enterprise(o, "110101", uscc);
	snprintf(ent_key, sizeof(ent_key), "rls-ent-%ld", (long)getpid());
	free(case_keyed(o, ent_a_id, ent_key));
	ent_a = enterprise_account(o, ent_a_id, &ent_a_user);
	self_inspection_by(ent_a, 1);
	{
		long long	 u;
		struct client	*b = enterprise_account(sh,
		    fixture_enterprise(sh, "310101", uscc), &u);

		self_inspection_by(b, 0);
		client_free(b);
	}
	client_free(o);
	client_free(dc);
	client_free(sh);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	free(bj_case);
	free(sh_case);
	client_free(ent_a);
	free(bj_activity);
	free(sh_activity);
	free(bj_file);
	free(sh_file);
	return 0;
}

/*
 * Scope `app` (paicha_app) as the service scopes a request of `c`'s
 * session: session_open() with the SHA-256 of the session's token, which
 * sets paicha.region and paicha.user_id from the user's own record --
 * never from anything the test chooses.  The region must be `region`.
 */
static void
scope_as_session(PGconn *app, struct client *c, const char *region)
{
	db_scope_as(app, c);
	db_expect(app, "SELECT current_setting('paicha.region')", NULL,
	    region);
}

static void
test_shanghai_sees_no_beijing_rows(void **state)
{
	PGconn		*admin = db_admin(), *app = db_app();
	struct client	*bj = client_login("officer.bj", DEMO_PASSWORD);
	struct client	*sh = client_login("officer.sh", DEMO_PASSWORD);
	char		*n;
	size_t		 i;

	(void)state;
	/* The rows are there (the superuser sees them) ... */
	for (i = 0; i < NREGIONAL; i++) {
		n = count_beijing(admin, regional[i].table, regional[i].column);
		if (atoi(n) == 0)
			fail_msg("no Beijing rows in %s to test with",
			    regional[i].table);
		free(n);
	}
	/* ... Beijing's own session sees them through RLS ... */
	scope_as_session(app, bj, "110000");
	for (i = 0; i < NREGIONAL; i++) {
		n = count_beijing(app, regional[i].table, regional[i].column);
		if (atoi(n) == 0)
			fail_msg("Beijing's scope sees nothing in %s",
			    regional[i].table);
		free(n);
	}
	/* ... and Shanghai's sees none (but what a referral grants it). */
	scope_as_session(app, sh, "310000");
	for (i = 0; i < NREGIONAL; i++) {
		n = count_beijing_ungranted(app, regional[i].table,
		    regional[i].column, regional[i].granted);
		if (strcmp(n, "0") != 0)
			fail_msg("Shanghai's scope sees %s Beijing rows in %s",
			    n, regional[i].table);
		free(n);
	}
	/* Nor do they show up by id, whatever the query. */
	n = db_value(app, "SELECT count(*) FROM enterprises e JOIN cases c"
	    " ON c.enterprise_id = e.id WHERE e.region < '120000'", NULL);
	assert_string_equal(n, "0");
	free(n);
	/* No scope at all: nothing. */
	free(db_value(app, "SELECT set_config('paicha.region', '', false)",
	    NULL));
	n = db_value(app, "SELECT count(*) FROM enterprises", NULL);
	assert_string_equal(n, "0");
	free(n);
	client_free(bj);
	client_free(sh);
	PQfinish(admin);
	PQfinish(app);
}

/*
 * The application role cannot widen its own scope (issue 15, item 5):
 * with a Shanghai officer's session presented, setting paicha.region to
 * the nation's code -- or Beijing's, with a Beijing user's id -- shows
 * nothing at all, in any table: the policies check the scope against
 * the session (scope_valid(), sql/0030).  Nor does a made-up session.
 */
static void
test_forged_scope_sees_nothing(void **state)
{
	PGconn		*app = db_app();
	struct client	*sh = client_login("officer.sh", DEMO_PASSWORD);
	char		*n, *sql;
	size_t		 i;

	(void)state;
	scope_as_session(app, sh, "310000");
	free(db_value(app, "SELECT set_config('paicha.region', '000000',"
	    " false)", NULL));
	for (i = 0; i < NREGIONAL; i++) {
		sql = fmt("SELECT count(*) FROM %s", regional[i].table);
		n = db_value(app, sql, NULL);
		if (strcmp(n, "0") != 0)
			fail_msg("a forged national scope sees %s rows of %s", n,
			    regional[i].table);
		free(n);
		free(sql);
	}
	free(db_value(app, "SELECT set_config('paicha.region', '110000',"
	    " false), set_config('paicha.user_id', (SELECT min(id)::text"
	    " FROM users), false)", NULL));
	n = db_value(app, "SELECT count(*) FROM cases", NULL);
	assert_string_equal(n, "0");
	free(n);
	/* A session token no one was given. */
	free(db_value(app, "SELECT set_config('paicha.session',"
	    " repeat('ab', 32), false)", NULL));
	n = db_value(app, "SELECT count(*) FROM enterprises", NULL);
	assert_string_equal(n, "0");
	free(n);
	client_free(sh);
	PQfinish(app);
}

/*
 * The catalog against this program's lists: every table with a policy or
 * with row security on must be in regional[] or other[] -- each is
 * checked explicitly below -- and every table listed must still have
 * row security, the regional ones a policy of their own.
 */
static void
test_every_rls_table_covered(void **state)
{
	PGconn		*admin = db_admin();
	PGresult	*res;
	const char	*t;
	char		*missing = strdup(""), *m, *sql;
	int		 i, found;
	size_t		 j;

	(void)state;
	res = PQexec(admin, "SELECT c.relname FROM pg_class c"
	    " JOIN pg_namespace n ON n.oid = c.relnamespace"
	    " WHERE c.relkind IN ('r', 'p')"
	    " AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
	    " AND n.nspname NOT LIKE 'pg\\_%'"
	    " AND (c.relrowsecurity OR EXISTS (SELECT FROM pg_policy p"
	    "  WHERE p.polrelid = c.oid))"
	    " ORDER BY 1");
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	for (i = 0; i < PQntuples(res); i++) {
		t = PQgetvalue(res, i, 0);
		found = 0;
		for (j = 0; j < NREGIONAL; j++)
			found |= strcmp(t, regional[j].table) == 0;
		for (j = 0; j < NOTHER; j++)
			found |= strcmp(t, other[j].table) == 0;
		if (!found) {
			m = fmt("%s %s", missing, t);
			free(missing);
			missing = m;
		}
	}
	if (missing[0] != '\0')
		fail_msg("row-level security on tables e2e-rls.c does not"
		    " check:%s (add each to regional[] or other[], with a"
		    " check)", missing);
	assert_int_equal(PQntuples(res), NREGIONAL + NOTHER);
	PQclear(res);
	free(missing);

	/* Nothing listed is stale: row security on, regional ones scoped. */
	for (j = 0; j < NREGIONAL + NOTHER; j++) {
		t = j < NREGIONAL ? regional[j].table :
		    other[j - NREGIONAL].table;
		sql = fmt("SELECT c.relrowsecurity::text || '/' || (SELECT"
		    " count(*) FROM pg_policy p WHERE p.polrelid = c.oid)"
		    " FROM pg_class c WHERE c.oid = 'public.%s'::regclass", t);
		m = db_value(admin, sql, NULL);
		if (m == NULL || strncmp(m, "true/", 5) != 0 ||
		    (j < NREGIONAL && strcmp(m, "true/0") == 0))
			fail_msg("%s is listed, but row security/policies is %s",
			    t, m ? m : "NULL");
		free(m);
		free(sql);
	}
	PQfinish(admin);
}

/*
 * A Beijing officer's own session scope: every row of Beijing's in each
 * regional table is visible, none of Shanghai's or any other region's;
 * and by id, Shanghai's case's events and log leaves, and its activity,
 * are not there while Beijing's are.
 */
static void
test_beijing_session_sees_only_beijing(void **state)
{
	PGconn		*admin = db_admin(), *app = db_app();
	struct client	*o = client_login("officer.bj", DEMO_PASSWORD);
	char		*all[NREGIONAL], *n;
	size_t		 i;

	(void)state;
	/* The superuser sees both sides of every table. */
	for (i = 0; i < NREGIONAL; i++) {
		all[i] = count_beijing(admin, regional[i].table,
		    regional[i].column);
		n = count_elsewhere(admin, regional[i].table,
		    regional[i].column, NULL);
		if (atoi(all[i]) == 0 || atoi(n) == 0)
			fail_msg("%s: %s rows in Beijing, %s elsewhere: nothing"
			    " to test with", regional[i].table, all[i], n);
		free(n);
	}
	db_expect(admin, "SELECT count(*) > 0 FROM log_leaves"
	    " WHERE entity = 'case' AND case_id = $1", sh_case, "t");
	db_expect(admin, "SELECT count(*) FROM activities WHERE id = $1",
	    sh_activity, "1");

	scope_as_session(app, o, "110000");
	for (i = 0; i < NREGIONAL; i++) {
		n = count_elsewhere(app, regional[i].table, regional[i].column,
		    regional[i].granted);
		if (strcmp(n, "0") != 0)
			fail_msg("Beijing's session sees %s rows of other regions"
			    " in %s", n, regional[i].table);
		free(n);
		n = count_beijing(app, regional[i].table, regional[i].column);
		if (strcmp(n, all[i]) != 0)
			fail_msg("Beijing's session sees %s of Beijing's %s rows"
			    " in %s", n, all[i], regional[i].table);
		free(n);
		free(all[i]);
	}
	/* By id, whatever else the query asks. */
	db_expect(app, "SELECT count(*) FROM log_leaves WHERE entity = 'case'"
	    " AND case_id = $1", sh_case, "0");
	db_expect(app, "SELECT count(*) FROM case_events WHERE case_id = $1",
	    sh_case, "0");
	db_expect(app, "SELECT count(*) FROM activities WHERE id = $1",
	    sh_activity, "0");
	db_expect(app, "SELECT count(*) FROM activities WHERE id = $1",
	    bj_activity, "1");
	db_expect(app, "SELECT count(*) > 0 FROM log_leaves"
	    " WHERE entity = 'case' AND case_id = $1", bj_case, "t");
	db_expect(app, "SELECT (SELECT count(*) FROM log_leaves"
	    " WHERE entity = 'case' AND case_id = $1) = (SELECT count(*)"
	    " FROM case_events WHERE case_id = $1)", bj_case, "t");
	client_free(o);
	PQfinish(admin);
	PQfinish(app);
}

/*
 * Idempotency keys are scoped by user, not by region: a Beijing
 * officer's session sees its own key, not the county officer's (inside
 * its region) nor Shanghai's, and cannot store one for another user.
 */
static void
test_idempotency_keys_are_the_users(void **state)
{
	PGconn		*admin = db_admin(), *app = db_app();
	struct client	*o = client_login("officer.bj", DEMO_PASSWORD);
	const char	*sql = "SELECT count(*) FROM idempotency_keys"
			    " WHERE key = $1";

	(void)state;
	db_expect(admin, sql, bj_key, "1");
	db_expect(admin, sql, dc_key, "1");
	db_expect(admin, sql, sh_key, "1");
	scope_as_session(app, o, "110000");
	db_expect(app, sql, bj_key, "1");
	db_expect(app, sql, dc_key, "0");
	db_expect(app, sql, sh_key, "0");
	db_expect(app, "SELECT count(*) FROM idempotency_keys"
	    " WHERE user_id IS DISTINCT FROM scope_user()", NULL, "0");
	expect_error(app, "INSERT INTO idempotency_keys (user_id, key,"
	    " request_hash) VALUES ((SELECT id FROM users"
	    " WHERE username = 'officer.dc'), 'rls-foreign', sha256('x'))",
	    "42501");
	client_free(o);
	PQfinish(admin);
	PQfinish(app);
}

/*
 * Notifications are scoped by recipient, not by region: a Beijing
 * officer's session sees its own, not the county officer's nor
 * Shanghai's; it may mark its own read and nothing else of them, and
 * make none (the database and the scheduler make them: sql/0052).
 */
static void
test_notifications_are_the_users(void **state)
{
	PGconn		*admin = db_admin(), *app = db_app();
	struct client	*o = client_login("officer.bj", DEMO_PASSWORD);
	char		*fact = fmt("e2e-rls:%ld", (long)getpid());
	char		*sql, *n;
	const char	*mine = "SELECT count(*) FROM notifications"
			    " WHERE fact = $1";

	(void)state;
	sql = fmt("INSERT INTO notifications (user_id, kind, fact, text)"
	    " SELECT id, 'overdue', '%s', 'e2e' FROM users WHERE username IN"
	    " ('officer.bj', 'officer.dc', 'officer.sh')", fact);
	db_do(admin, sql);
	free(sql);
	db_expect(admin, mine, fact, "3");
	scope_as_session(app, o, "110000");
	db_expect(app, mine, fact, "1");
	db_expect(app, "SELECT count(*) FROM notifications"
	    " WHERE user_id IS DISTINCT FROM scope_user()", NULL, "0");
	/* Marking read: its own only. */
	sql = fmt("WITH u AS (UPDATE notifications SET read_at = now()"
	    " WHERE fact = '%s' RETURNING 1) SELECT count(*) FROM u", fact);
	n = db_value(app, sql, NULL);
	assert_string_equal(n, "1");
	free(n);
	free(sql);
	sql = fmt("SELECT count(*) FROM notifications WHERE fact = '%s'"
	    " AND read_at IS NOT NULL", fact);
	db_expect(admin, sql, NULL, "1");
	free(sql);
	/* Nothing else of it, and no notification of its own making. */
	sql = fmt("UPDATE notifications SET text = 'x' WHERE fact = '%s'",
	    fact);
	expect_error(app, sql, "42501");
	free(sql);
	expect_error(app, "INSERT INTO notifications (user_id, kind, fact,"
	    " text) VALUES (scope_user(), 'overdue', 'forged', 'x')", "42501");
	expect_error(app, "SELECT notify('overdue', 'forged',"
	    " ARRAY[scope_user()], 'x')", "42501");
	free(fact);
	client_free(o);
	PQfinish(admin);
	PQfinish(app);
}

/*
 * Categories: everyone reads every one (the national ones and each
 * province's); a Beijing session adds one for Beijing, never for
 * Shanghai nor for the nation.
 */
static void
test_categories_added_by_province(void **state)
{
	PGconn		*admin = db_admin(), *app = db_app();
	struct client	*o = client_login("officer.bj", DEMO_PASSWORD);
	char		*n, *sql, *id = fmt("rls_%ld", (long)getpid());

	(void)state;
	n = db_value(admin, "SELECT count(*) FROM categories", NULL);
	scope_as_session(app, o, "110000");
	db_expect(app, "SELECT count(*) FROM categories", NULL, n);
	free(n);
	db_do(app, "BEGIN");
	sql = fmt("INSERT INTO categories (id, name, ord, province, added_by)"
	    " VALUES ('%s', '行级安全%s', 100000 + %ld %% 100000, '110000',"
	    " scope_user())", id, id, (long)getpid());
	db_do(app, sql);
	free(sql);
	db_do(app, "ROLLBACK");
	sql = fmt("INSERT INTO categories (id, name, ord, province, added_by)"
	    " VALUES ('%s', '行级安全%s', 100000 + %ld %% 100000, '310000',"
	    " scope_user())", id, id, (long)getpid());
	expect_error(app, sql, "42501");
	free(sql);
	sql = fmt("INSERT INTO categories (id, name, ord, province, added_by)"
	    " VALUES ('%s', '行级安全%s', 100000 + %ld %% 100000, '110000',"
	    " (SELECT id FROM users WHERE username = 'officer.dc'))", id, id,
	    (long)getpid());
	expect_error(app, sql, "42501");	/* added_by someone else */
	free(sql);
	sql = fmt("INSERT INTO categories (id, name, ord, province, added_by)"
	    " VALUES ('%s', '行级安全%s', 99, NULL, scope_user())", id, id);
	expect_error(app, sql, "42501");	/* a national one */
	free(sql);
	free(id);
	client_free(o);
	PQfinish(admin);
	PQfinish(app);
}

/*
 * Sessions and login failures: row security on and no policy at all, so
 * even a grant added by mistake would show the role nothing; and no
 * grant either -- the SECURITY DEFINER functions are the only way in.
 */
static void
test_closed_tables(void **state)
{
	static const char *const closed[] = { "sessions", "login_failures",
	    "legal_grants", "sched_jobs", "dashboard_tallies",
	    "dashboard_refresh", "file_chunks", "file_blobs",
	    "file_blob_chunks", "file_thumbnails" };
	PGconn	*admin = db_admin(), *app = db_app();
	char	*sql;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(closed) / sizeof(closed[0]); i++) {
		sql = fmt("SELECT c.relrowsecurity::text || '/' || (SELECT"
		    " count(*) FROM pg_policy p WHERE p.polrelid = c.oid)"
		    " || '/' || has_table_privilege('paicha_app', c.oid,"
		    " 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE')::text"
		    " FROM pg_class c WHERE c.oid = 'public.%s'::regclass",
		    closed[i]);
		db_expect(admin, sql, NULL, "true/0/false");
		free(sql);
		sql = fmt("SELECT count(*) FROM %s", closed[i]);
		expect_error(app, sql, "42501");
		free(sql);
	}
	PQfinish(admin);
	PQfinish(app);
}

/*
 * A file's content is reached only through the SECURITY DEFINER
 * functions, and they answer only for a file the session may see: by
 * its own scope, Shanghai reads none of a Beijing file's pieces; a
 * forged scope reads none at all, and stores nothing; nor can Shanghai
 * add a file to a Beijing case or withdraw a Beijing file.
 */
static void
test_file_contents_by_scope(void **state)
{
	PGconn		*app = db_app();
	struct client	*sh = client_login("officer.sh", DEMO_PASSWORD);
	char		*sql;

	(void)state;
	scope_as_session(app, sh, "310000");
	db_expect(app, "SELECT file_chunk($1, 0) IS NOT NULL", sh_file, "t");
	db_expect(app, "SELECT file_chunk($1, 0) IS NULL", bj_file, "t");
	db_expect(app, "SELECT count(*) FROM file_manifest($1)", bj_file, "0");
	db_expect(app, "SELECT count(*) FROM file_manifest($1)", sh_file, "1");
	db_expect(app, "SELECT file_has_thumbnail($1)", bj_file, "f");
	db_expect(app, "SELECT count(*) FROM files WHERE id = $1", bj_file,
	    "0");
	/* Withdrawing a Beijing file touches nothing. */
	sql = fmt("WITH u AS (UPDATE files SET withdrawn_at = now(),"
	    " withdrawn_by = scope_user(), withdraw_reason = 'x'"
	    " WHERE id = %s RETURNING 1) SELECT count(*) FROM u", bj_file);
	db_expect(app, sql, NULL, "0");
	free(sql);
	/* A Beijing case takes no file from Shanghai: its region is the
	 * case's, outside the scope. */
	sql = fmt("INSERT INTO files (case_id, kind, name, sha256, uploaded_by)"
	    " SELECT %s, 'other', 'x', sha256, scope_user() FROM files"
	    " WHERE id = %s", bj_case, sh_file);
	expect_error(app, sql, "42501");
	free(sql);
	/* A forged national scope: nothing at all, and no piece stored. */
	free(db_value(app, "SELECT set_config('paicha.region', '000000',"
	    " false)", NULL));
	db_expect(app, "SELECT file_chunk($1, 0) IS NULL", sh_file, "t");
	db_expect(app, "SELECT file_chunk($1, 0) IS NULL", bj_file, "t");
	expect_error(app, "SELECT file_chunk_put(sha256('x'::bytea),"
	    " 'x'::bytea)", "PA403");
	client_free(sh);
	PQfinish(app);
}

/*
 * The campaign form's parts (sql/0198_form_parts.sql, 0199) read as
 * their owner, past the policies: each must refuse (42501) unless a
 * valid session's scope covers the region asked for -- not Beijing for
 * Shanghai's session, not a forged national scope, not an enterprise's
 * account -- and then count what the policies would show the session
 * itself; the activities' two halves (0199) add up to the whole.
 */
static void
test_form_parts_by_scope(void **state)
{
	static const char *const parts[] = {
		"form_activities", "form_last_year", "form_cases",
	};
	PGconn		*app = db_app();
	struct client	*sh = client_login("officer.sh", DEMO_PASSWORD);
	struct client	*bj = client_login("officer.bj", DEMO_PASSWORD);
	char		*sql, *n;
	long long	 diff, cells, insp;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		sql = fmt("SELECT %s(extract(year FROM now())::integer,"
		    " '110000', NULL)", parts[i]);
		/* No session at all. */
		expect_error(app, sql, "42501");
		scope_as_session(app, sh, "310000");
		expect_error(app, sql, "42501");
		free(db_value(app, "SELECT set_config('paicha.region', '000000',"
		    " false)", NULL));
		expect_error(app, sql, "42501");
		free(db_scope_as(app, ent_a));
		expect_error(app, sql, "42501");
		scope_as_session(app, bj, "110000");
		free(db_value(app, sql, NULL));
		free(sql);
		free(db_value(app, "SELECT set_config('paicha.session', '',"
		    " false), set_config('paicha.region', '', false),"
		    " set_config('paicha.user_id', '', false)", NULL));
	}
	/* What the function counts is what the session reads itself. */
	scope_as_session(app, bj, "110000");
	n = db_value(app, "SELECT count(*) FROM activities"
	    " WHERE campaign_id = extract(year FROM now())::integer"
	    " AND region >= '110000' AND region < '120000'"
	    " AND kind = 'risk_info' AND voided_at IS NULL", NULL);
	db_expect(app, "SELECT (SELECT (r->>'risk_info') FROM"
	    " json_array_elements(form_activities(extract(year FROM"
	    " now())::integer, '110000', NULL)) r WHERE (r->>'total') = '1')",
	    NULL, n);
	free(n);
	/* The activities' two halves (0199: by kind, as the service asks
	 * for them) add up to the whole, cell for cell, and the first
	 * counts something here. */
	n = db_value(app, "WITH y AS (SELECT extract(year FROM now())::integer"
	    "  AS y),"
	    " cells AS (SELECT h, coalesce(r->>'category', '') AS c,"
	    "  r->>'total' AS t, k, v::numeric AS v FROM y, LATERAL (VALUES"
	    "  ('whole', form_activities(y, '110000', NULL)),"
	    "  ('half', form_activities(y, '110000', NULL,"
	    "   '{inspection,spot_check}', true)),"
	    "  ('half', form_activities(y, '110000', NULL,"
	    "   '{inspection,spot_check}', false))) AS p(h, rows),"
	    "  json_array_elements(rows) AS r, json_each_text(r) AS e(k, v)"
	    "  WHERE k NOT IN ('category', 'total')),"
	    " w AS (SELECT c, t, k, v FROM cells WHERE h = 'whole'),"
	    " s AS (SELECT c, t, k, sum(v) AS v FROM cells WHERE h = 'half'"
	    "  GROUP BY c, t, k)"
	    " SELECT (SELECT count(*) FROM w FULL JOIN s USING (c, t, k)"
	    "  WHERE w.v IS DISTINCT FROM s.v)"
	    " || ' ' || (SELECT count(*) FROM w WHERE v > 0)"
	    " || ' ' || (SELECT count(*) FROM w WHERE v > 0"
	    "  AND k LIKE 'insp%')", NULL);
	if (sscanf(n, "%lld %lld %lld", &diff, &cells, &insp) != 3 ||
	    diff != 0 || cells == 0 || insp == 0)
		fail_msg("the halves against the whole: %s (want 0 differing"
		    " cells, some counted, some inspections)", n);
	free(n);
	client_free(sh);
	client_free(bj);
	PQfinish(app);
}

/*
 * Issue 17: what a referral grants, table by table, as the application
 * role scoped by real sessions.  Beijing refers a case to Shanghai with
 * one of its files; Shanghai accepts (a new case there, with a file of
 * its own) and has another case, the neighbour, with a file.  Beijing's
 * scope reads the referred case, its events, deadlines and files and
 * its own link to it -- not the neighbour, nor its file, nor the
 * enterprise, nor Shanghai's side of the link -- and writes none of it;
 * Shanghai's reads the referral and its file, not the origin case nor
 * its other file; Guangdong's reads nothing of it.
 */
static void
test_referral_grants(void **state)
{
	PGconn		*admin = db_admin(), *app = db_app();
	struct client	*o, *sh, *gd;
	struct resp	 r;
	long long	 es, eid;
	char		*cb, *nc, *nb, *fb, *fb2, *fn, *fnb, *ref, *es_id, *sql;
	char		 uscc[19];

	(void)state;
	if (user_make("officer.gd", "440000", "officer") != 0)
		fail_msg("could not make officer.gd");
	o = client_login("officer.bj", DEMO_PASSWORD);
	sh = client_login("officer.sh", DEMO_PASSWORD);
	gd = client_login("officer.gd", DEMO_PASSWORD);
	eid = fixture_enterprise(o, "110101", uscc);
	cb = fmt("%lld", fixture_case(o, eid));
	es = fixture_enterprise(sh, "310101", uscc);
	es_id = fmt("%lld", es);
	nb = fmt("%lld", fixture_case(sh, fixture_enterprise(sh, "310101",
	    uscc)));
	fnb = file_in(sh, nb, "e2e: 邻案的材料\n");
	fb = file_in(o, cb, "e2e: 随移送的材料\n");
	fb2 = file_in(o, cb, "e2e: 不随移送的材料\n");
	http_json(o, "POST", "/api/v1/referrals", json_pack("{s:I, s:s, s:s,"
	    " s:s, s:[I]}", "case_id", (json_int_t)strtoll(cb, NULL, 10),
	    "kind", "trace_downstream",
	    "to_region", "310000", "reason", "e2e: 行级安全",
	    "file_ids", (json_int_t)strtoll(fb, NULL, 10)), NULL, &r);
	assert_status(&r, 201);
	ref = fmt("%lld", (long long)json_integer_value(json_object_get(
	    r.json, "id")));
	resp_free(&r);
	http_json(sh, "POST", fmt("/api/v1/referrals/%s/accept", ref),
	    json_pack("{s:I}", "enterprise_id", (json_int_t)es), NULL, &r);
	assert_status(&r, 200);
	nc = fmt("%lld", (long long)json_integer_value(json_object_get(
	    json_object_get(r.json, "case"), "id")));
	resp_free(&r);
	fn = file_in(sh, nc, "e2e: 接收后的材料\n");

	/* Beijing: the referred case and what is its, nothing else. */
	scope_as_session(app, o, "110000");
	db_expect(app, "SELECT count(*) FROM referrals WHERE id = $1", ref,
	    "1");
	db_expect(app, "SELECT count(*) FROM cases WHERE id = $1", nc, "1");
	db_expect(app, "SELECT count(*) FROM cases WHERE id = $1", nb, "0");
	sql = fmt("SELECT count(*) FROM case_events WHERE case_id = %s", nc);
	db_expect(app, sql, NULL, db_value(admin, sql, NULL));
	db_expect(app, "SELECT count(*) > 0 FROM case_events"
	    " WHERE case_id = $1", nc, "t");
	db_expect(app, "SELECT count(*) FROM case_events WHERE case_id = $1",
	    nb, "0");
	free(sql);
	/* Its events' leaves: the origin's auditors verify them. */
	sql = fmt("SELECT count(*) FROM log_leaves WHERE entity = 'case'"
	    " AND case_id = %s", nc);
	db_expect(app, sql, NULL, db_value(admin, sql, NULL));
	free(sql);
	db_expect(app, "SELECT count(*) FROM log_leaves WHERE entity = 'case'"
	    " AND case_id = $1", nb, "0");
	sql = fmt("SELECT count(*) FROM case_deadlines WHERE case_id = %s",
	    nc);
	db_expect(app, sql, NULL, db_value(admin, sql, NULL));
	free(sql);
	db_expect(app, "SELECT count(*) FROM case_deadlines"
	    " WHERE case_id = $1", nb, "0");
	db_expect(app, "SELECT count(*) FROM files WHERE id = $1", fn, "1");
	db_expect(app, "SELECT file_chunk($1, 0) IS NOT NULL", fn, "t");
	db_expect(app, "SELECT count(*) FROM files WHERE id = $1", fnb, "0");
	db_expect(app, "SELECT file_chunk($1, 0) IS NULL", fnb, "t");
	db_expect(app, "SELECT count(*) FROM enterprises WHERE id = $1", es_id,
	    "0");
	db_expect(app, "SELECT count(*) FROM case_links WHERE case_id = $1"
	    " AND kind = 'referred_to'", cb, "1");
	db_expect(app, "SELECT count(*) FROM case_links WHERE case_id = $1",
	    nc, "0");
	/* Only the grant: of Shanghai's rows, the referred case's alone. */
	db_expect(app, "SELECT count(*) FROM cases WHERE region LIKE '31%'"
	    " AND id <> ALL (referred_cases())", NULL, "0");
	/* Read, never written. */
	sql = fmt("WITH u AS (UPDATE files SET withdrawn_at = now(),"
	    " withdrawn_by = scope_user(), withdraw_reason = 'x'"
	    " WHERE id = %s RETURNING 1) SELECT count(*) FROM u", fn);
	db_expect(app, sql, NULL, "0");
	free(sql);
	sql = fmt("INSERT INTO case_links (case_id, region, kind, other_id,"
	    " created_by) VALUES (%s, '310101', 'related', %s, scope_user())",
	    nc, nb);
	expect_error(app, sql, "42501");
	free(sql);

	/* Shanghai: the referral and its file, not the origin's case. */
	scope_as_session(app, sh, "310000");
	db_expect(app, "SELECT count(*) FROM referrals WHERE id = $1", ref,
	    "1");
	db_expect(app, "SELECT count(*) FROM cases WHERE id = $1", cb, "0");
	db_expect(app, "SELECT count(*) FROM case_events WHERE case_id = $1",
	    cb, "0");
	db_expect(app, "SELECT count(*) FROM files WHERE id = $1", fb, "1");
	db_expect(app, "SELECT file_chunk($1, 0) IS NOT NULL", fb, "t");
	db_expect(app, "SELECT count(*) FROM files WHERE id = $1", fb2, "0");
	db_expect(app, "SELECT file_chunk($1, 0) IS NULL", fb2, "t");
	db_expect(app, "SELECT count(*) FROM case_links WHERE case_id = $1",
	    cb, "0");
	db_expect(app, "SELECT count(*) FROM case_links WHERE case_id = $1"
	    " AND kind = 'referred_from'", nc, "1");

	/* Guangdong: none of it. */
	scope_as_session(app, gd, "440000");
	db_expect(app, "SELECT count(*) FROM referrals WHERE id = $1", ref,
	    "0");
	db_expect(app, "SELECT count(*) FROM cases WHERE id = $1", nc, "0");
	db_expect(app, "SELECT count(*) FROM files WHERE id = $1", fb, "0");
	db_expect(app, "SELECT count(*) FROM files WHERE id = $1", fn, "0");
	db_expect(app, "SELECT count(*) FROM case_links WHERE case_id = $1",
	    nc, "0");

	/* A forged national scope with Beijing's session: nothing. */
	scope_as_session(app, o, "110000");
	free(db_value(app, "SELECT set_config('paicha.region', '000000',"
	    " false)", NULL));
	db_expect(app, "SELECT count(*) FROM referrals WHERE id = $1", ref,
	    "0");
	db_expect(app, "SELECT count(*) FROM cases WHERE id = $1", nc, "0");
	client_free(o);
	client_free(sh);
	client_free(gd);
	PQfinish(admin);
	PQfinish(app);
}

static void
test_shanghai_cannot_write_beijing(void **state)
{
	PGconn		*app = db_app();
	struct client	*sh = client_login("officer.sh", DEMO_PASSWORD);
	char		*n;

	(void)state;
	scope_as_session(app, sh, "310000");
	/* An UPDATE of Beijing's rows touches none. */
	n = db_value(app, "WITH u AS (UPDATE enterprises SET name = name"
	    " WHERE region LIKE '11%' RETURNING 1) SELECT count(*) FROM u",
	    NULL);
	assert_string_equal(n, "0");
	free(n);
	/* An INSERT into Beijing is refused by the policy's WITH CHECK. */
	expect_error(app, "INSERT INTO enterprises (uscc, name, region,"
	    " created_by) VALUES ('911100000000000000', 'x', '110000',"
	    " (SELECT min(id) FROM users))", "42501");
	/* Moving a visible row out of the scope is refused as well. */
	expect_error(app, "UPDATE users SET region = '110000'"
	    " WHERE region = '310000' AND id <> scope_user()", "42501");
	/* Nor may the session's user move itself (users_no_self_admin). */
	expect_error(app, "UPDATE users SET region = '310100'"
	    " WHERE id = scope_user()", "PA403");
	/* An activity: recorded in Shanghai, refused in Beijing. */
	db_do(app, "BEGIN");
	n = db_value(app, "WITH a AS (INSERT INTO activities (kind,"
	    " campaign_id, category, on_date, region, batches, problems_count,"
	    " created_by) VALUES ('risk_monitoring', 2026, 'cement',"
	    " today_cst(), '310000', 1, 0, (SELECT id FROM users"
	    " WHERE username = 'officer.sh')) RETURNING 1)"
	    " SELECT count(*) FROM a", NULL);
	assert_string_equal(n, "1");
	free(n);
	db_do(app, "ROLLBACK");
	expect_error(app, "INSERT INTO activities (kind, campaign_id, category,"
	    " on_date, region, batches, problems_count, created_by) VALUES"
	    " ('risk_monitoring', 2026, 'cement', today_cst(), '110000', 1, 0,"
	    " (SELECT id FROM users WHERE username = 'officer.sh'))", "42501");
	/* The log is the checkpointer's: no row of it is the role's to add. */
	expect_error(app, "INSERT INTO log_leaves (case_id, seq, case_region,"
	    " leaf) SELECT case_id, seq + 1000, case_region, leaf"
	    " FROM log_leaves LIMIT 1", "42501");
	client_free(sh);
	PQfinish(app);
}

/*
 * Every policy tests the session in the form the planner takes to hold
 * (sql/README.md rule 7, 0200): a bare (SELECT scope_valid()) halves
 * each estimate under row-level security, and the lists' plans follow.
 * The forms as pg_policies prints them; the count of policies that test
 * the session in the new form is the other half of the check.
 */
static void
test_policies_estimable(void **state)
{
	PGconn	*admin = db_admin();
	char	*n;

	(void)state;
	db_expect(admin, "SELECT coalesce(string_agg(tablename || '.' ||"
	    " policyname, ' '), '') FROM pg_policies WHERE strpos(concat(qual, with_check),"
	    " '( SELECT scope_valid() AS scope_valid)') > 0"
	    " OR strpos(concat(qual, with_check),"
	    " '( SELECT (scope_enterprise() IS NULL))') > 0", NULL, "");
	n = db_value(admin, "SELECT count(*) FROM pg_policies"
	    " WHERE strpos(concat(qual, with_check),"
	    " 'NULLIF(scope_valid(), false)') > 0", NULL);
	if (atoi(n) < 20)
		fail_msg("only %s policies test the session", n);
	free(n);
	PQfinish(admin);
}

static void
test_rls_cannot_be_switched_off(void **state)
{
	PGconn	*app = db_app();
	size_t	 i;
	char	*sql;

	(void)state;
	free(db_value(app, "SELECT set_config('paicha.region', '310000',"
	    " false)", NULL));
	for (i = 0; i < NREGIONAL; i++) {
		sql = fmt("ALTER TABLE %s DISABLE ROW LEVEL SECURITY",
		    regional[i].table);
		expect_error(app, sql, "42501");	/* must be owner */
		free(sql);
		sql = fmt("DROP POLICY %s_scope ON %s", regional[i].table,
		    regional[i].table);
		expect_error(app, sql, "42501");
		free(sql);
	}
	/* row_security = off makes a query that RLS would filter fail. */
	db_do(app, "SET row_security = off");
	expect_error(app, "SELECT count(*) FROM enterprises"
	    " WHERE region LIKE '11%'", "42501");
	db_do(app, "RESET row_security");
	/* Nor can it become someone who could. */
	expect_error(app, "SET ROLE paicha_owner", "42501");
	expect_error(app, "SET ROLE postgres", "42501");
	/* And it reads neither password hashes nor sessions. */
	expect_error(app, "SELECT password_hash FROM users", "42501");
	expect_error(app, "SELECT * FROM sessions", "42501");
	expect_error(app, "SELECT * FROM login_failures", "42501");
	/* Nor a webhook's secret (issue 22): written, never read. */
	expect_error(app, "SELECT secret FROM webhooks", "42501");
	expect_error(app, "SELECT * FROM webhooks", "42501");
	PQfinish(app);
}

static void
test_role_attributes(void **state)
{
	PGconn	*admin = db_admin();
	char	*n, *sql;
	size_t	 i;

	(void)state;
	n = db_value(admin, "SELECT rolsuper::text || rolbypassrls::text ||"
	    " rolcreaterole::text || rolcreatedb::text FROM pg_roles"
	    " WHERE rolname = 'paicha_app'", NULL);
	assert_string_equal(n, "falsefalsefalsefalse");
	free(n);
	n = db_value(admin, "SELECT count(*) FROM pg_class c JOIN pg_roles r"
	    " ON r.oid = c.relowner WHERE r.rolname = 'paicha_app'", NULL);
	assert_string_equal(n, "0");
	free(n);
	n = db_value(admin, "SELECT count(*) FROM pg_auth_members m"
	    " JOIN pg_roles r ON r.oid = m.member"
	    " WHERE r.rolname = 'paicha_app'", NULL);
	assert_string_equal(n, "0");
	free(n);
	for (i = 0; i < NREGIONAL; i++) {
		sql = fmt("SELECT c.relrowsecurity::text || '/' ||"
		    " pg_get_userbyid(c.relowner) FROM pg_class c"
		    " WHERE c.oid = '%s'::regclass", regional[i].table);
		n = db_value(admin, sql, NULL);
		if (strcmp(n, "true/paicha_owner") != 0)
			fail_msg("%s: row security/owner %s", regional[i].table,
			    n);
		free(n);
		free(sql);
	}
	PQfinish(admin);
}

/*
 * The enterprise role (issue 20): scoped by an enterprise account's own
 * session, every table with row security shows none of another
 * enterprise's rows -- its own enterprise, its own cases and their
 * deadlines and (registration, rectification) events, its own uploads,
 * self-inspections, licences and grade, itself among the users -- and
 * nothing at all of the tables it has no business with.  Each table has
 * such rows to hide (the superuser sees them), and its own are seen.
 */
static void
test_enterprise_sees_only_its_own(void **state)
{
	/* Each table: the condition of a row that is not the enterprise's
	 * ($1 its id, $2 its user's), and whether its own must show. */
	static const struct {
		const char	*table;
		const char	*others;
		int		 own;
	} t[] = {
		{ "enterprises", "id <> $1", 1 },
		{ "users", "id <> $2", 1 },
		{ "cases", "enterprise_id <> $1", 1 },
		{ "case_events", "case_id NOT IN (SELECT id FROM cases"
		    " WHERE enterprise_id = $1) OR event NOT IN ('create',"
		    " 'order_rectification', 'report_rectification')", 1 },
		{ "case_deadlines", "case_id NOT IN (SELECT id FROM cases"
		    " WHERE enterprise_id = $1)", 0 },
		{ "case_assignees", "true", 0 },
		{ "activities", "true", 0 },
		{ "log_leaves", "true", 0 },
		{ "ledger_events", "true", 0 },
		{ "enterprise_licences", "enterprise_id <> $1", 0 },
		{ "enterprise_risk", "enterprise_id <> $1", 0 },
		{ "supervisions", "true", 0 },
		{ "supervision_reports", "true", 0 },
		{ "imports", "true", 0 },
		{ "files", "uploaded_by <> $2", 0 },
		{ "submissions", "true", 0 },
		{ "self_inspections", "enterprise_id <> $1", 1 },
		{ "idempotency_keys", "user_id <> $2", 0 },
		{ "notifications", "user_id <> $2", 0 },
		{ "referrals", "true", 0 },
		{ "case_links", "true", 0 },
		{ "webhooks", "true", 0 },
		{ "webhook_deliveries", "true", 0 },
	};
	/*
	 * The tables with row security it need not hide: what every user
	 * reads (categories, checklists), and what no session reads at all
	 * (test_closed_tables).  Any other such table must be in t[].
	 */
	static const char *const shared[] = {
		"categories", "checklist_items", "sessions", "login_failures",
		"legal_grants", "sched_jobs", "dashboard_tallies",
		"dashboard_refresh", "file_chunks", "file_blobs",
		"file_blob_chunks", "file_thumbnails",
	};
	PGconn		*admin = db_admin(), *app = db_app();
	const char	*p[2];
	char		 eid[24], uid[24], *sql, *n;
	PGresult	*res;
	size_t		 i;
	int		 k;

	(void)state;
	snprintf(eid, sizeof(eid), "%lld", ent_a_id);
	snprintf(uid, sizeof(uid), "%lld", ent_a_user);
	p[0] = eid;
	p[1] = uid;
	db_scope_as(app, ent_a);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		sql = fmt("SELECT count(*) FILTER (WHERE %s),"
		    " count(*) FILTER (WHERE NOT (%s)) FROM %s"
		    " WHERE $1::bigint IS NOT NULL AND $2::bigint IS NOT NULL",
		    t[i].others, t[i].others, t[i].table);
		res = PQexecParams(admin, sql, 2, NULL, p, NULL, NULL, 0);
		assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
		if (atoll(PQgetvalue(res, 0, 0)) == 0)
			fail_msg("%s: no rows of others to hide", t[i].table);
		PQclear(res);
		res = PQexecParams(app, sql, 2, NULL, p, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
			fail_msg("%s: %s", t[i].table, PQerrorMessage(app));
		n = PQgetvalue(res, 0, 0);
		if (strcmp(n, "0") != 0)
			fail_msg("the enterprise's session sees %s rows of"
			    " others in %s", n, t[i].table);
		if (t[i].own && atoll(PQgetvalue(res, 0, 1)) == 0)
			fail_msg("the enterprise's session does not see its"
			    " own rows in %s", t[i].table);
		PQclear(res);
		free(sql);
	}
	/* Every table with row security is one of the two lists. */
	res = PQexec(admin, "SELECT c.relname FROM pg_class c"
	    " JOIN pg_namespace n ON n.oid = c.relnamespace"
	    " WHERE n.nspname = 'public' AND c.relrowsecurity");
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	for (k = 0; k < PQntuples(res); k++) {
		const char	*name = PQgetvalue(res, k, 0);
		int		 listed = 0;

		for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
			listed |= strcmp(t[i].table, name) == 0;
		for (i = 0; i < sizeof(shared) / sizeof(shared[0]); i++)
			listed |= strcmp(shared[i], name) == 0;
		if (!listed)
			fail_msg("%s has row security, and this test does not"
			    " say what an enterprise's session sees of it",
			    name);
	}
	PQclear(res);
	/* Of its case's history, no proposal or approval either. */
	db_expect(app, "SELECT count(*) FROM case_events WHERE phase NOT IN"
	    " ('created', 'applied')", NULL, "0");
	PQfinish(admin);
	PQfinish(app);
}

/* The checklists are read by everyone; added to by a province only. */
static void
test_checklist_items_read_by_all(void **state)
{
	PGconn		*admin = db_admin(), *app = db_app();
	struct client	*sh = client_login("officer.sh", DEMO_PASSWORD);
	char		*all;
	PGresult	*res;

	(void)state;
	all = db_value(admin, "SELECT count(*) FROM checklist_items"
	    " WHERE province IS NULL", NULL);
	assert_true(atoi(all) >= 5);
	db_scope_as(app, ent_a);
	db_expect(app, "SELECT count(*) FROM checklist_items WHERE province"
	    " IS NULL", NULL, all);
	scope_as_session(app, sh, "310000");
	db_expect(app, "SELECT count(*) FROM checklist_items WHERE province"
	    " IS NULL", NULL, all);
	/* Shanghai's session may not add Beijing's (the policy). */
	res = PQexec(app, "INSERT INTO checklist_items (category, province,"
	    " stage, label, added_by) VALUES ('cement', '110000', 'process',"
	    " 'e2e rls', scope_user())");
	assert_int_not_equal(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);
	free(all);
	client_free(sh);
	PQfinish(admin);
	PQfinish(app);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_rls_table_covered),
		cmocka_unit_test(test_shanghai_sees_no_beijing_rows),
		cmocka_unit_test(test_forged_scope_sees_nothing),
		cmocka_unit_test(test_beijing_session_sees_only_beijing),
		cmocka_unit_test(test_idempotency_keys_are_the_users),
		cmocka_unit_test(test_notifications_are_the_users),
		cmocka_unit_test(test_categories_added_by_province),
		cmocka_unit_test(test_closed_tables),
		cmocka_unit_test(test_file_contents_by_scope),
		cmocka_unit_test(test_form_parts_by_scope),
		cmocka_unit_test(test_referral_grants),
		cmocka_unit_test(test_shanghai_cannot_write_beijing),
		cmocka_unit_test(test_policies_estimable),
		cmocka_unit_test(test_rls_cannot_be_switched_off),
		cmocka_unit_test(test_role_attributes),
		cmocka_unit_test(test_enterprise_sees_only_its_own),
		cmocka_unit_test(test_checklist_items_read_by_all),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("e2e-rls", tests, setup,
	    teardown);
}
