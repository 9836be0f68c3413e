/*
 * e2e-tamper.c: rewriting a case's history.
 *
 *	the service's own role		cannot UPDATE, DELETE or TRUNCATE
 *					an event (grants, then triggers)
 *	the superuser			is refused by the triggers too
 *	a superuser who switches the	is seen: the edited event's hash no
 *	triggers off and edits one	longer verifies (chain_broken), at
 *	event				that event
 *
 * What this cannot show: a superuser who recomputes every hash after the
 * edit leaves a chain that verifies.  Only a record kept outside the
 * database catches that -- the signed checkpoints of the audit trail,
 * tested in e2e-audit.c (test_tamper_recomputed_chain).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e.h"

/* Rewriting statement i (0..2) for case `id`. */
static char *
verb(size_t i, long long id)
{
	switch (i) {
	case 0:
		return fmt("UPDATE case_events SET record = record"
		    " WHERE case_id = %lld", id);
	case 1:
		return fmt("DELETE FROM case_events WHERE case_id = %lld", id);
	default:
		return fmt("TRUNCATE case_events");
	}
}

/* Run `sql`; returns its SQLSTATE ("" when it succeeded). */
static char *
sqlstate_of(PGconn *db, const char *sql)
{
	PGresult	*res = PQexec(db, sql);
	const char	*st = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	char		*s = strdup(PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK ? "" : st != NULL ? st : "?");

	PQclear(res);
	return s;
}

static void
test_history_cannot_be_rewritten(void **state)
{
	struct client	*officer = client_login("officer.bj", DEMO_PASSWORD);
	long long	 eid = enterprise_make("110101", "篡改测试企业");
	long long	 id = case_make(officer, eid, "篡改测试");
	PGconn		*app = db_app(), *su = db_admin();
	char		*sql, *st, *ids = fmt("{%lld}", id), *orig;
	size_t		 i;
	long		 events;

	/* The service's role: refused. */
	db_do(app, "BEGIN");
	db_do(app, "SELECT set_config('paicha.region', '110000', true)");
	for (i = 0; i < 3; i++) {
		sql = verb(i, id);
		db_do(app, "SAVEPOINT s");
		st = sqlstate_of(app, sql);
		fprintf(stderr, "paicha_app: %.40s...: %s\n", sql, st);
		assert_string_equal(st, "42501");
		db_do(app, "ROLLBACK TO SAVEPOINT s");
		free(st);
		free(sql);
	}
	db_do(app, "ROLLBACK");
	/* The superuser: refused by the triggers. */
	for (i = 0; i < 3; i++) {
		sql = verb(i, id);
		st = sqlstate_of(su, sql);
		fprintf(stderr, "superuser: %.40s...: %s\n", sql, st);
		assert_string_equal(st, "42501");
		free(st);
		free(sql);
	}
	assert_int_equal(chain_broken(su, ids, &events), 0);
	assert_int_equal(events, 1);

	/* With the triggers off, an edit is seen at the edited event. */
	sql = fmt("SELECT record FROM case_events WHERE case_id = %lld"
	    " AND seq = 1", id);
	orig = db_value(su, sql, NULL);
	free(sql);
	db_do(su, "SET session_replication_role = replica");
	sql = fmt("UPDATE case_events SET record = replace(record, '篡改测试',"
	    " '已改') WHERE case_id = %lld AND seq = 1", id);
	db_do(su, sql);
	free(sql);
	assert_int_equal(chain_broken(su, ids, NULL), 1);
	/* Put it back: the next tests read a clean history. */
	sql = fmt("UPDATE case_events SET record = $1 WHERE case_id = %lld"
	    " AND seq = 1", id);
	free(db_value(su, sql, orig, NULL));
	free(sql);
	db_do(su, "RESET session_replication_role");
	assert_int_equal(chain_broken(su, ids, NULL), 0);

	free(orig);
	free(ids);
	PQfinish(app);
	PQfinish(su);
	client_free(officer);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_history_cannot_be_rewritten),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("e2e-tamper", tests, NULL, NULL);
}
