/*
 * e2e-tamper.c: rewriting a case's history, and how each way is caught.
 *
 *	the service's own role		cannot UPDATE, DELETE or TRUNCATE
 *					an event (grants, then triggers),
 *					nor change a log leaf or a
 *					checkpoint, nor INSERT an event
 *					with a wrong hash
 *	the superuser			is refused by the triggers too
 *	a superuser who switches the	is seen: the edited event's hash no
 *	triggers off and edits one	longer verifies (chain_broken), at
 *	event				that event
 *	... and through the API		GET /api/v1/audit/verify reports the
 *					first bad (case, seq), for the case,
 *					its region and everything: one
 *					payload byte, a middle event
 *					deleted, two swapped, the last
 *					deleted, a log leaf changed or
 *					deleted, a case without its events
 *	a superuser who recomputes	every chain checks out; only the
 *	the whole chain after an edit	signed checkpoints, outside the
 *					database's reach, disagree
 *
 * Tampering is always undone before the test ends: verify reports the
 * first bad position of all, so one left behind would mask the next.
 * The fixture and the helpers shared with e2e-audit.c (the auditors'
 * side of the same trail) are in trail.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trail.h"

static int
setup(void **state)
{
	PGconn	*db = db_admin();

	trail_setup(db);
	PQfinish(db);
	/* The first bad position verify reports must be the tests' own. */
	verify_ok(admin, "");
	return 0;
}

static int
teardown(void **state)
{
	trail_teardown();
	return 0;
}

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
}

/* The three scopes a case is verified in must all report (id, seq). */
static void
verify_bad_everywhere(long long id, int seq)
{
	char	*q = fmt("?case=%lld", id);

	verify_bad_at(auditor, q, id, seq);
	verify_bad_at(auditor, "?region=110000", id, seq);
	verify_bad_at(auditor, "", id, seq);
	verify_bad_at(admin, "", id, seq);
	free(q);
}

static void
test_tamper_payload_byte(void **state)
{
	PGconn		*db = db_admin();
	long long	 id = case_with(officer, ent_bj, 5);
	char		*sql;

	/* One byte of event 3's payload: "note-3" becomes "note-Z". */
	sql = fmt("UPDATE case_events SET record = replace(record,"
	    " '\"text\":\"note-3', '\"text\":\"note-Z')"
	    " WHERE case_id = %lld AND seq = 3", id);
	tamper(db, sql);
	free(sql);
	verify_bad_everywhere(id, 3);

	sql = fmt("UPDATE case_events SET record = replace(record,"
	    " '\"text\":\"note-Z', '\"text\":\"note-3')"
	    " WHERE case_id = %lld AND seq = 3", id);
	tamper(db, sql);
	free(sql);
	verify_ok_everywhere(id);
	PQfinish(db);
}

static void
test_tamper_delete_middle(void **state)
{
	PGconn		*db = db_admin();
	long long	 id = case_with(officer, ent_bj, 5);
	char		*sql;

	sql = fmt("CREATE TEMP TABLE saved AS SELECT * FROM case_events"
	    " WHERE case_id = %lld AND seq = 3", id);
	db_do(db, sql);
	free(sql);
	sql = fmt("DELETE FROM case_events WHERE case_id = %lld AND seq = 3",
	    id);
	tamper(db, sql);
	free(sql);
	verify_bad_everywhere(id, 3);

	tamper(db, "INSERT INTO case_events SELECT * FROM saved");
	db_do(db, "DROP TABLE saved");
	verify_ok_everywhere(id);
	PQfinish(db);
}

/* Swap the places of events 2 and 3 (seq 2 <-> 3, through 1000). */
static void
swap23(PGconn *db, long long id)
{
	char	*sql;

	sql = fmt("UPDATE case_events SET seq = 1000 WHERE case_id = %lld"
	    " AND seq = 2; UPDATE case_events SET seq = 2 WHERE case_id = %lld"
	    " AND seq = 3; UPDATE case_events SET seq = 3 WHERE case_id = %lld"
	    " AND seq = 1000", id, id, id);
	tamper(db, sql);
	free(sql);
}

static void
test_tamper_swap(void **state)
{
	PGconn		*db = db_admin();
	long long	 id = case_with(officer, ent_bj, 5);

	swap23(db, id);
	/* The chain breaks where the first of the two now stands. */
	verify_bad_everywhere(id, 2);
	swap23(db, id);
	verify_ok_everywhere(id);
	PQfinish(db);
}

static void
test_tamper_delete_last(void **state)
{
	PGconn		*db = db_admin();
	long long	 id = case_with(officer, ent_bj, 4);
	char		*sql;

	sql = fmt("CREATE TEMP TABLE saved AS SELECT * FROM case_events"
	    " WHERE case_id = %lld AND seq = 4", id);
	db_do(db, sql);
	free(sql);
	sql = fmt("DELETE FROM case_events WHERE case_id = %lld AND seq = 4",
	    id);
	tamper(db, sql);
	free(sql);
	/* The chain itself is fine; the case's head names event 4. */
	verify_bad_everywhere(id, 4);

	tamper(db, "INSERT INTO case_events SELECT * FROM saved");
	db_do(db, "DROP TABLE saved");
	verify_ok_everywhere(id);
	PQfinish(db);
}

/*
 * The strongest attack a superuser has: change event 2's payload and
 * recompute every hash after it, the case's head and the log's leaves,
 * so that each chain checks out.  Only the signed checkpoints catch it.
 */
static void
test_tamper_recomputed_chain(void **state)
{
	PGconn		*db = db_admin();
	struct resp	 r;
	long long	 id = case_with(officer, ent_bj, 3);
	char		*sql;

	checkpoint_covering_all(db, &r);
	resp_free(&r);
	sql = fmt("CREATE TEMP TABLE saved_e AS SELECT * FROM case_events"
	    " WHERE case_id = %lld; CREATE TEMP TABLE saved_l AS SELECT *"
	    " FROM log_leaves WHERE case_id = %lld; CREATE TEMP TABLE saved_c"
	    " AS SELECT last_hash FROM cases WHERE id = %lld", id, id, id);
	db_do(db, sql);
	free(sql);
	sql = fmt("DO $$ DECLARE p bytea; e record; BEGIN"
	    " UPDATE case_events SET record = replace(record, 'note-2',"
	    "  'note-X') WHERE case_id = %lld AND seq = 2;"
	    " FOR e IN SELECT * FROM case_events WHERE case_id = %lld"
	    "  ORDER BY seq LOOP"
	    "  IF e.seq > 1 THEN"
	    "   UPDATE case_events SET prev_hash = p, hash = event_hash(%lld,"
	    "    e.seq, p, e.record) WHERE case_id = %lld AND seq = e.seq;"
	    "  END IF;"
	    "  SELECT hash INTO p FROM case_events WHERE case_id = %lld"
	    "   AND seq = e.seq;"
	    "  UPDATE log_leaves SET leaf = p WHERE case_id = %lld"
	    "   AND seq = e.seq;"
	    " END LOOP;"
	    " UPDATE cases SET last_hash = p WHERE id = %lld; END $$",
	    id, id, id, id, id, id, id);
	tamper(db, sql);
	free(sql);

	/* The case and its region check out: each chain is consistent. */
	sql = fmt("?case=%lld", id);
	verify_ok(auditor, sql);
	free(sql);
	verify_ok(auditor, "?region=110000");
	/* Everything includes the signed log, which no longer agrees. */
	http_get(admin, "/api/v1/audit/verify", &r);
	assert_status(&r, 200);
	assert_true(json_is_false(json_object_get(r.json, "ok")));
	assert_non_null(strstr(json_string_value(json_object_get(r.json,
	    "reason")), "checkpoint"));
	assert_non_null(json_object_get(r.json, "bad_leaves"));
	resp_free(&r);

	sql = fmt("DELETE FROM case_events WHERE case_id = %lld;"
	    " INSERT INTO case_events SELECT * FROM saved_e;"
	    " UPDATE log_leaves l SET leaf = s.leaf FROM saved_l s"
	    "  WHERE l.case_id = s.case_id AND l.seq = s.seq;"
	    " UPDATE cases SET last_hash = (SELECT last_hash FROM saved_c)"
	    "  WHERE id = %lld", id, id);
	tamper(db, sql);
	free(sql);
	db_do(db, "DROP TABLE saved_e, saved_l, saved_c");
	verify_ok_everywhere(id);
	PQfinish(db);
}

/* A leaf changed, a leaf deleted: the event is reported, not the log. */
static void
test_tamper_log_leaf(void **state)
{
	PGconn		*db = db_admin();
	long long	 id = case_with(officer, ent_bj, 4);
	struct resp	 r;
	char		*sql;

	/*
	 * The case's leaves placed and signed first: else the checkpointer,
	 * running meanwhile, may sign a tree over the tampered leaf, and
	 * once it is put back no verify is whole again.
	 */
	checkpoint_covering_all(db, &r);
	resp_free(&r);
	sql = fmt("UPDATE log_leaves SET leaf = sha256(leaf)"
	    " WHERE case_id = %lld AND seq = 2", id);
	tamper(db, sql);
	free(sql);
	verify_bad_everywhere(id, 2);
	sql = fmt("UPDATE log_leaves l SET leaf = e.hash FROM case_events e"
	    " WHERE l.case_id = %lld AND l.seq = 2 AND e.case_id = l.case_id"
	    " AND e.seq = l.seq", id);
	tamper(db, sql);
	free(sql);
	verify_ok_everywhere(id);

	sql = fmt("CREATE TEMP TABLE saved AS SELECT * FROM log_leaves"
	    " WHERE case_id = %lld AND seq = 3", id);
	db_do(db, sql);
	free(sql);
	sql = fmt("DELETE FROM log_leaves WHERE case_id = %lld AND seq = 3",
	    id);
	tamper(db, sql);
	free(sql);
	verify_bad_everywhere(id, 3);
	tamper(db, "INSERT INTO log_leaves SELECT * FROM saved");
	db_do(db, "DROP TABLE saved");
	verify_ok_everywhere(id);
	PQfinish(db);
}

/* A case row whose events are all gone is bad at its first event. */
static void
test_tamper_case_without_events(void **state)
{
	PGconn		*db = db_admin();
	long long	 id = case_with(officer, ent_bj, 2);
	char		*sql;

	sql = fmt("CREATE TEMP TABLE saved_e AS SELECT * FROM case_events"
	    " WHERE case_id = %lld; CREATE TEMP TABLE saved_l AS SELECT *"
	    " FROM log_leaves WHERE case_id = %lld", id, id);
	db_do(db, sql);
	free(sql);
	sql = fmt("DELETE FROM case_events WHERE case_id = %lld;"
	    " DELETE FROM log_leaves WHERE case_id = %lld", id, id);
	tamper(db, sql);
	free(sql);
	verify_bad_everywhere(id, 1);
	tamper(db, "INSERT INTO case_events SELECT * FROM saved_e;"
	    " INSERT INTO log_leaves SELECT * FROM saved_l");
	db_do(db, "DROP TABLE saved_e, saved_l");
	verify_ok_everywhere(id);
	PQfinish(db);
}

/* ------------------------------------------------------------------ */
/* The service's own role cannot rewrite anything                     */
/* ------------------------------------------------------------------ */

/* `sql` fails for the connection, with SQLSTATE `state` when given. */
static void
refused(PGconn *c, const char *sql, const char *state)
{
	PGresult	*res = PQexec(c, sql);
	const char	*got;

	if (PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK)
		fail_msg("as the service's role this succeeded: %s", sql);
	got = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (state != NULL && (got == NULL || strcmp(got, state) != 0))
		fail_msg("%s: SQLSTATE %s, want %s (%s)", sql, got ? got : "-",
		    state, PQerrorMessage(c));
	PQclear(res);
}

static void
test_service_role_cannot_tamper(void **state)
{
	PGconn		*app = db_app();
	long long	 id = case_with(officer, ent_bj, 2);
	char		*sql;

	/* Scoped like the service's own requests: its session. */
	free(db_scope_as(app, officer));
	sql = fmt("UPDATE case_events SET record = record WHERE case_id = %lld",
	    id);
	refused(app, sql, "42501");
	free(sql);
	sql = fmt("DELETE FROM case_events WHERE case_id = %lld", id);
	refused(app, sql, "42501");
	free(sql);
	refused(app, "TRUNCATE case_events", "42501");
	refused(app, "UPDATE log_leaves SET idx = NULL", "42501");
	refused(app, "DELETE FROM log_leaves", "42501");
	refused(app, "UPDATE checkpoints SET size = size", "42501");
	refused(app, "INSERT INTO checkpoints SELECT * FROM checkpoints",
	    "42501");

	/*
	 * A third event, inserted directly: the role may not (events enter
	 * only through ledger_append(), sql/0030); and through it with a
	 * wrong hash, the trigger refuses it.
	 */
	sql = fmt("INSERT INTO case_events (case_id, seq, at, actor, role,"
	    " region, case_region, event, phase, from_state, to_state, record,"
	    " request_id, prev_hash, hash) SELECT case_id, 3, at, actor, role,"
	    " region, case_region, event, phase, from_state, to_state,"
	    " replace(record, '\"seq\":2', '\"seq\":3'), request_id, hash,"
	    " sha256('not the hash') FROM case_events"
	    " WHERE case_id = %lld AND seq = 2", id);
	refused(app, sql, "42501");
	free(sql);
	sql = fmt("SELECT ledger_append('case', replace(record,"
	    " '\"seq\":2', '\"seq\":3'), hash, sha256('not the hash'))"
	    " FROM case_events WHERE case_id = %lld AND seq = 2", id);
	refused(app, sql, "23514");
	free(sql);
	PQfinish(app);
	verify_ok_everywhere(id);
}

/*
 * A decision the application role writes itself (issue 15, item 5): with
 * an officer's session -- the connection the service holds -- an event
 * saying legal.bj approved the officer's proposal, hashed right, is
 * refused (not the session's user); so is the same approval as the
 * officer (four eyes: the proposer, and no legal role); before sql/0030
 * the trigger accepted the first and the next checkpoint covered it.
 */
static void
test_forged_approval_refused(void **state)
{
	PGconn		*app = db_app(), *su = db_admin();
	long long	 id = case_new(officer, ent_bj, "伪造的法制审核");
	struct resp	 r;
	const char	*h[] = { "If-Match: \"1\"", NULL };
	char		*path = fmt("/api/v1/cases/%lld/transitions", id);
	char		*sql, *ev;
	int		 i;
	static const char *const as[2] = {
		"(SELECT id FROM users WHERE username = 'legal.bj'), 'legal'",
		"(SELECT id FROM users WHERE username = 'officer.bj'), 'officer'",
	};

	(void)state;
	http_json(officer, "POST", path, json_pack("{s:s, s:{s:s}}", "event",
	    "dismiss", "payload", "reason", "伪造测试"), h, &r);
	assert_status(&r, 202);
	resp_free(&r);
	free(db_scope_as(app, officer));
	for (i = 0; i < 2; i++) {
		sql = fmt("WITH c AS (SELECT id, region, last_seq, last_hash"
		    " FROM cases WHERE id = %lld), r AS (SELECT c.*,"
		    " (SELECT jsonb_build_object('actor', a.uid, 'at',"
		    " rfc3339(now()), 'case', c.id, 'case_region', c.region,"
		    " 'event', 'dismiss', 'from', 'detected', 'payload',"
		    " jsonb_build_object('proposal_seq', 2), 'phase',"
		    " 'approved', 'region', '110000', 'request_id', 'forged',"
		    " 'role', a.role, 'seq', c.last_seq + 1, 'to', 'closed')"
		    " FROM (SELECT %s) AS a(uid, role))::text AS rec FROM c)"
		    " SELECT ledger_append('case', r.rec, r.last_hash,"
		    " event_hash(r.id, r.last_seq + 1, r.last_hash, r.rec))"
		    " FROM r", id, as[i]);
		refused(app, sql, "PA403");
		free(sql);
	}
	/* Nothing of it stayed: two events, the proposal still pending. */
	ev = fmt("%lld", id);
	db_expect(su, "SELECT count(*) FROM case_events WHERE case_id = $1",
	    ev, "2");
	db_expect(su, "SELECT pending_event FROM cases WHERE id = $1", ev,
	    "dismiss");
	free(ev);
	free(path);
	PQfinish(app);
	PQfinish(su);
	verify_ok_everywhere(id);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_history_cannot_be_rewritten),
		cmocka_unit_test(test_tamper_payload_byte),
		cmocka_unit_test(test_tamper_delete_middle),
		cmocka_unit_test(test_tamper_swap),
		cmocka_unit_test(test_tamper_delete_last),
		cmocka_unit_test(test_tamper_recomputed_chain),
		cmocka_unit_test(test_tamper_log_leaf),
		cmocka_unit_test(test_tamper_case_without_events),
		cmocka_unit_test(test_service_role_cannot_tamper),
		cmocka_unit_test(test_forged_approval_refused),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("e2e-tamper", tests, setup,
	    teardown);
}
