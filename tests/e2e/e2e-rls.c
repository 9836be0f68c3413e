/*
 * e2e-rls.c: region scoping at the database itself, connected as the
 * service's own role (paicha_app) -- the second line behind the
 * service's checks.
 *
 *  - with the region set to Shanghai, Beijing's rows of every regional
 *    table are invisible, and none can be written;
 *  - the role can neither switch row-level security off for a table nor
 *    for its session, nor become the owner;
 *  - it is not a superuser, not BYPASSRLS, and owns no table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e.h"

/* The regional tables and the column each is scoped by. */
static const struct {
	const char	*table;
	const char	*column;
} regional[] = {
	{ "enterprises", "region" },
	{ "users", "region" },
	{ "cases", "region" },
	{ "case_events", "case_region" },
	{ "case_deadlines", "region" },
};

#define NREGIONAL	(sizeof(regional) / sizeof(regional[0]))

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

/* Make sure every regional table has Beijing rows to hide. */
static int
setup(void **state)
{
	struct client	*o;
	char		 uscc[19];

	(void)state;
	o = client_login("officer.bj", DEMO_PASSWORD);
	fixture_case(o, fixture_enterprise(o, "110101", uscc));
	client_free(o);
	return 0;
}

static void
test_shanghai_sees_no_beijing_rows(void **state)
{
	PGconn	*admin = db_admin(), *app = db_app();
	char	*n;
	size_t	 i;

	(void)state;
	/* The rows are there (the superuser sees them) ... */
	for (i = 0; i < NREGIONAL; i++) {
		n = count_beijing(admin, regional[i].table, regional[i].column);
		if (atoi(n) == 0)
			fail_msg("no Beijing rows in %s to test with",
			    regional[i].table);
		free(n);
	}
	/* ... Beijing's own scope sees them through RLS ... */
	free(db_value(app, "SELECT set_config('paicha.region', '110000',"
	    " false)", NULL));
	for (i = 0; i < NREGIONAL; i++) {
		n = count_beijing(app, regional[i].table, regional[i].column);
		if (atoi(n) == 0)
			fail_msg("Beijing's scope sees nothing in %s",
			    regional[i].table);
		free(n);
	}
	/* ... and Shanghai's sees none. */
	free(db_value(app, "SELECT set_config('paicha.region', '310000',"
	    " false)", NULL));
	for (i = 0; i < NREGIONAL; i++) {
		n = count_beijing(app, regional[i].table, regional[i].column);
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
	PQfinish(admin);
	PQfinish(app);
}

static void
test_shanghai_cannot_write_beijing(void **state)
{
	PGconn	*app = db_app();
	char	*n;

	(void)state;
	free(db_value(app, "SELECT set_config('paicha.region', '310000',"
	    " false)", NULL));
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
	    " WHERE region = '310000'", "42501");
	PQfinish(app);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shanghai_sees_no_beijing_rows),
		cmocka_unit_test(test_shanghai_cannot_write_beijing),
		cmocka_unit_test(test_rls_cannot_be_switched_off),
		cmocka_unit_test(test_role_attributes),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("e2e-rls", tests, setup, NULL);
}
