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
 *	a superuser who rewrites one	is seen by verify of the case, of
 *	event and recomputes every	its region and of everything, each
 *	hash after it, the case's head	naming that event: every scope
 *	and the log's leaves		checks its events' leaves against
 *					the latest signed checkpoint; and
 *					its inclusion proof is refused
 *	the service's role changing a	is seen by verify in every scope,
 *	case's row without an event	naming the field the case's own
 *	(state, fine, ...)		events do not produce
 *	the service's role appending,	is seen by verify in every scope,
 *	with a valid hash, an approval	naming that event: the history is
 *	by the proposer, and moving the	replayed through the workflow's
 *	row along with it		four-eyes rule
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

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

/* ------------------------------------------------------------------ */
/* Verify, in every scope                                             */
/* ------------------------------------------------------------------ */

/* Run `sql` as the superuser with the history's triggers off. */
static void
tamper(PGconn *su, const char *sql)
{
	db_do(su, "SET session_replication_role = replica");
	db_do(su, sql);
	db_do(su, "SET session_replication_role = origin");
}

/* Add a note to case `id` at `version` as `c`; the new version. */
static int
note(struct client *c, long long id, int version, const char *text)
{
	struct resp	 r;
	char		*path = fmt("/api/v1/cases/%lld/transitions", id);
	char		*im = fmt("If-Match: \"%d\"", version);
	const char	*h[] = { im, NULL };
	int		 v;

	http_json(c, "POST", path, json_pack("{s:s, s:{s:s}}", "event",
	    "add_note", "payload", "text", text), h, &r);
	assert_status(&r, 200);
	v = (int)json_integer_value(json_object_get(r.json, "version"));
	resp_free(&r);
	free(path);
	free(im);
	return v;
}

/*
 * Wait (at most 40 s: the checkpointer runs every 10) until the latest
 * signed checkpoint covers every event committed so far.
 */
static void
checkpoint_covering_all(struct client *auditor, PGconn *su)
{
	char		*v = db_value(su, "SELECT count(*) FROM case_events",
			    NULL);
	long long	 want = atoll(v);
	struct resp	 r;
	int		 i;

	free(v);
	for (i = 0; i < 80; i++) {
		http_get(auditor, "/api/v1/audit/checkpoints/latest", &r);
		if (r.status == 200 && json_integer_value(json_object_get(
		    r.json, "size")) >= want) {
			resp_free(&r);
			return;
		}
		resp_free(&r);
		usleep(500000);
	}
	fail_msg("no checkpoint covered %lld events within 40 s", want);
}

/*
 * What is wrong with verify's answer (query `q`, "" for everything) as
 * `c`, which must say not ok, naming case `id` first: at `seq` (0: seq
 * null) and, when given, `field`.  NULL when it is right; else a message
 * (malloc'd), so that the caller can undo its tampering before failing.
 */
static char *
verify_names(struct client *c, const char *q, long long id, int seq,
    const char *field)
{
	struct resp	 r;
	json_t		*fb;
	char		*path = fmt("/api/v1/audit/verify%s", q), *err = NULL;
	const char	*f, *e;

	http_get(c, path, &r);
	fprintf(stderr, "verify%s: %s\n", q, r.body);
	fb = json_object_get(r.json, "first_bad");
	f = json_string_value(json_object_get(fb, "field"));
	e = json_string_value(json_object_get(fb, "entity"));
	if (r.status != 200 || !json_is_false(json_object_get(r.json, "ok")) ||
	    !json_is_object(fb) ||
	    json_integer_value(json_object_get(fb, "case")) != id ||
	    json_integer_value(json_object_get(fb, "entity_id")) != id ||
	    e == NULL || strcmp(e, "case") != 0 ||
	    (seq > 0 ? json_integer_value(json_object_get(fb, "seq")) != seq :
	    !json_is_null(json_object_get(fb, "seq"))) ||
	    (field != NULL && (f == NULL || strcmp(f, field) != 0)))
		err = fmt("verify%s: want case %lld, seq %d, field %s; got %ld "
		    "%s", q, id, seq, field != NULL ? field : "-", r.status,
		    r.body);
	resp_free(&r);
	free(path);
	return err;
}

/* verify (query `q`) as `c` must say ok. */
static void
verify_ok(struct client *c, const char *q)
{
	struct resp	 r;
	char		*path = fmt("/api/v1/audit/verify%s", q);

	http_get(c, path, &r);
	assert_status(&r, 200);
	if (!json_is_true(json_object_get(r.json, "ok")))
		fail_msg("verify%s is not ok: %s", q, r.body);
	resp_free(&r);
	free(path);
}

/*
 * Case `id`, its region, its province and everything must each name
 * (id, seq, field): the first message that says otherwise, or NULL.
 */
static char *
verify_names_everywhere(struct client *auditor, struct client *admin,
    long long id, int seq, const char *field)
{
	char	*q = fmt("?case=%lld", id), *err;

	if ((err = verify_names(auditor, q, id, seq, field)) == NULL &&
	    (err = verify_names(auditor, "?region=110101", id, seq,
	    field)) == NULL &&
	    (err = verify_names(auditor, "?region=110000", id, seq,
	    field)) == NULL)
		err = verify_names(admin, "", id, seq, field);
	free(q);
	return err;
}

static void
verify_ok_everywhere(struct client *auditor, struct client *admin,
    long long id)
{
	char	*q = fmt("?case=%lld", id);

	verify_ok(auditor, q);
	verify_ok(auditor, "?region=110101");
	verify_ok(admin, "");
	free(q);
}

/*
 * The strongest rewrite a superuser has: event 2's payload changed, and
 * every hash after it, the case's head and the log's leaves recomputed,
 * so that each chain checks out and every leaf is its event's hash.  The
 * latest signed checkpoint still holds the old leaves: verify of the
 * case, of its region and of everything names event 2.
 */
static void
test_rewritten_chain_seen_in_every_scope(void **state)
{
	struct client	*officer = client_login("officer.bj", DEMO_PASSWORD);
	struct client	*auditor = client_login("auditor.bj", DEMO_PASSWORD);
	struct client	*admin = client_login("admin", DEMO_PASSWORD);
	long long	 eid = enterprise_make("110101", "重算链测试企业");
	long long	 id = case_make(officer, eid, "重算链测试");
	PGconn		*su = db_admin();
	struct resp	 r;
	char		*sql, *err, *path;
	int		 v;

	v = note(officer, id, 1, "note-2 原文");
	v = note(officer, id, v, "note-3");
	note(officer, id, v, "note-4");
	checkpoint_covering_all(auditor, su);
	verify_ok_everywhere(auditor, admin, id);

	sql = fmt("CREATE TEMP TABLE saved_e AS SELECT * FROM case_events"
	    " WHERE case_id = %lld; CREATE TEMP TABLE saved_l AS SELECT *"
	    " FROM log_leaves WHERE case_id = %lld; CREATE TEMP TABLE saved_c"
	    " AS SELECT last_hash FROM cases WHERE id = %lld", id, id, id);
	db_do(su, sql);
	free(sql);
	sql = fmt("DO $$ DECLARE p bytea; e record; BEGIN"
	    " UPDATE case_events SET record = replace(record, 'note-2 原文',"
	    "  'note-2 改写') WHERE case_id = %lld AND seq = 2;"
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
	tamper(su, sql);
	free(sql);
	/* Each chain checks out on its own. */
	sql = fmt("{%lld}", id);
	assert_int_equal(chain_broken(su, sql, NULL), 0);
	free(sql);

	err = verify_names_everywhere(auditor, admin, id, 2, NULL);
	/* And no inclusion proof is handed out for what was not signed. */
	path = fmt("/api/v1/audit/proof?entity=case&entity_id=%lld&seq=2", id);
	http_get(auditor, path, &r);
	if (err == NULL && r.status != 409)
		err = fmt("%s: status %ld, want 409: %s", path, r.status,
		    r.body);
	resp_free(&r);
	free(path);

	/* Put it back first: the next tests read a clean history. */
	sql = fmt("DELETE FROM case_events WHERE case_id = %lld;"
	    " INSERT INTO case_events SELECT * FROM saved_e;"
	    " UPDATE log_leaves l SET leaf = s.leaf FROM saved_l s"
	    "  WHERE l.case_id = s.case_id AND l.seq = s.seq;"
	    " UPDATE cases SET last_hash = (SELECT last_hash FROM saved_c)"
	    "  WHERE id = %lld", id, id);
	tamper(su, sql);
	free(sql);
	db_do(su, "DROP TABLE saved_e, saved_l, saved_c");
	if (err != NULL)
		fail_msg("%s", err);
	verify_ok_everywhere(auditor, admin, id);
	PQfinish(su);
	client_free(officer);
	client_free(auditor);
	client_free(admin);
}

/*
 * The service's own role changes a case's row with no event: closed, a
 * fine counted by the statistics form.  The API would show it closed at
 * version 1 with one event; verify replays the case's events and names
 * the first field they do not produce.
 */
static void
test_row_changed_without_event(void **state)
{
	static const struct {
		const char	*set;
		const char	*field;
	} edits[] = {
		{ "state = 'closed', fine_amount = 5000,"
		    " penalty_decided_at = now()", "state" },
		{ "fine_amount = 5000", "fine_amount" },
		{ "version = version + 1", "version" },
		{ "interviews = 1", "interviews" },
		{ "lookback_on = DATE '2030-01-01'", "lookback_on" },
		{ "judicial_transferred_at = now()", "judicial_transferred_at" },
		{ "pending_event = 'close', pending_seq = 1,"
		    " pending_by = created_by, pending_at = now()",
		    "pending_event" },
	};
	struct client	*officer = client_login("officer.bj", DEMO_PASSWORD);
	struct client	*auditor = client_login("auditor.bj", DEMO_PASSWORD);
	struct client	*admin = client_login("admin", DEMO_PASSWORD);
	long long	 eid = enterprise_make("110101", "无事件改行测试企业");
	long long	 id = case_make(officer, eid, "无事件改行测试");
	PGconn		*app = db_app(), *su = db_admin();
	struct resp	 r;
	char		*sql, *path, *err;
	size_t		 i;

	verify_ok_everywhere(auditor, admin, id);
	sql = fmt("CREATE TEMP TABLE saved_c AS SELECT * FROM cases"
	    " WHERE id = %lld", id);
	db_do(su, sql);
	free(sql);
	/* Scoped like the service's own requests. */
	db_do(app, "SELECT set_config('paicha.region', '110000', false)");
	for (i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		sql = fmt("UPDATE cases SET %s WHERE id = %lld", edits[i].set,
		    id);
		db_do(app, sql);
		free(sql);
		if (i == 0) {
			/* What everyone would be shown. */
			path = fmt("/api/v1/cases/%lld", id);
			http_get(officer, path, &r);
			assert_status(&r, 200);
			assert_string_equal(json_string_value(json_object_get(
			    r.json, "state")), "closed");
			resp_free(&r);
			free(path);
		}
		err = verify_names_everywhere(auditor, admin, id, 0,
		    edits[i].field);
		sql = fmt("UPDATE cases c SET state = s.state,"
		    " version = s.version, fine_amount = s.fine_amount,"
		    " penalty_decided_at = s.penalty_decided_at,"
		    " interviews = s.interviews, lookback_on = s.lookback_on,"
		    " judicial_transferred_at = s.judicial_transferred_at,"
		    " pending_event = s.pending_event,"
		    " pending_seq = s.pending_seq, pending_by = s.pending_by,"
		    " pending_at = s.pending_at"
		    " FROM saved_c s WHERE c.id = s.id AND c.id = %lld", id);
		db_do(su, sql);
		free(sql);
		if (err != NULL) {
			db_do(su, "DROP TABLE saved_c");
			fail_msg("%s", err);
		}
		verify_ok_everywhere(auditor, admin, id);
	}
	db_do(su, "DROP TABLE saved_c");
	PQfinish(app);
	PQfinish(su);
	client_free(officer);
	client_free(auditor);
	client_free(admin);
}

/*
 * The service's own role appends an event with a hash that verifies --
 * the proposer approving their own penalty -- and moves the case's row
 * as that approval would.  Chain, leaves and row all agree; the history
 * is one the workflow forbids, and verify says so at that event.  The
 * checkpointer is held off (its advisory lock) so that the forged event
 * can be taken out again.
 */
static void
test_history_the_workflow_forbids(void **state)
{
	struct client	*officer = client_login("officer.bj", DEMO_PASSWORD);
	struct client	*auditor = client_login("auditor.bj", DEMO_PASSWORD);
	struct client	*admin = client_login("admin", DEMO_PASSWORD);
	long long	 eid = enterprise_make("110101", "自审自批测试企业");
	long long	 id = case_make(officer, eid, "自审自批测试");
	PGconn		*app = db_app(), *su = db_admin(), *lock = db_admin();
	struct resp	 r;
	char		*path, *im, *rec, *sql, *err, *actor;
	const char	*h[2];

	/* The officer proposes a penalty: pending, legal review awaited. */
	path = fmt("/api/v1/cases/%lld/transitions", id);
	im = fmt("If-Match: \"1\"");
	h[0] = im;
	h[1] = NULL;
	http_json(officer, "POST", path, json_pack("{s:s, s:{s:s, s:s, s:s,"
	    " s:s, s:s, s:b}}", "event", "publish_credit", "payload",
	    "decision_no", "京市监罚〔2026〕99号", "fine_amount", "5000",
	    "confiscation_amount", "0", "case_value", "8000", "published_on",
	    cst_day(0), "serious_list", 0), h, &r);
	assert_status(&r, 202);
	resp_free(&r);
	free(path);
	free(im);
	verify_ok_everywhere(auditor, admin, id);

	db_do(lock, "SELECT pg_advisory_lock(checkpoint_lock_key())");
	actor = db_value(su, "SELECT id FROM users WHERE username ="
	    " 'officer.bj'", NULL);
	rec = fmt("{\"actor\":%s,\"at\":\"2026-01-01T00:00:00.000000Z\","
	    "\"case\":%lld,\"case_region\":\"110101\",\"event\":\"publish_credit\","
	    "\"from\":\"detected\",\"payload\":{\"proposal_seq\":2},"
	    "\"phase\":\"approved\",\"region\":\"110000\",\"request_id\":\"forged\","
	    "\"role\":\"legal\",\"seq\":3,\"to\":\"credit_publication\"}",
	    actor, id);
	db_do(app, "BEGIN");
	db_do(app, "SELECT set_config('paicha.region', '110000', true)");
	sql = fmt("SELECT ledger_append('case', $1, c.last_hash,"
	    " event_hash(c.id, 3, c.last_hash, $1)) FROM cases c"
	    " WHERE c.id = %lld", id);
	free(db_value(app, sql, rec, NULL));
	free(sql);
	sql = fmt("UPDATE cases c SET state = 'credit_publication',"
	    " version = 3, last_seq = 3, last_hash = e.hash,"
	    " pending_event = NULL, pending_seq = NULL, pending_by = NULL,"
	    " pending_at = NULL, penalty_decided_at = now(),"
	    " fine_amount = 5000, confiscation_amount = 0, case_value = 8000"
	    " FROM case_events e WHERE c.id = %lld AND e.case_id = c.id"
	    " AND e.seq = 3", id);
	db_do(app, sql);
	free(sql);
	db_do(app, "COMMIT");

	err = verify_names_everywhere(auditor, admin, id, 3, NULL);
	path = fmt("/api/v1/audit/verify?case=%lld", id);
	http_get(auditor, path, &r);
	if (err == NULL && strstr(r.body, "four eyes") == NULL)
		err = fmt("verify does not say four eyes: %s", r.body);
	resp_free(&r);
	free(path);

	/* Take it out again, before the checkpointer may sign it. */
	sql = fmt("DELETE FROM log_leaves WHERE case_id = %lld AND seq = 3"
	    " AND idx IS NULL; DELETE FROM case_events WHERE case_id = %lld"
	    " AND seq = 3; UPDATE cases c SET state = 'detected', version = 2,"
	    " last_seq = 2, last_hash = e.hash, pending_event = 'publish_credit',"
	    " pending_seq = 2, pending_by = e.actor, pending_at = now(),"
	    " penalty_decided_at = NULL, fine_amount = NULL,"
	    " confiscation_amount = NULL, case_value = NULL FROM case_events e"
	    " WHERE c.id = %lld AND e.case_id = c.id AND e.seq = 2", id, id, id);
	tamper(su, sql);
	free(sql);
	db_do(lock, "SELECT pg_advisory_unlock(checkpoint_lock_key())");
	if (err != NULL)
		fail_msg("%s", err);
	verify_ok_everywhere(auditor, admin, id);
	free(rec);
	free(actor);
	PQfinish(lock);
	PQfinish(app);
	PQfinish(su);
	client_free(officer);
	client_free(auditor);
	client_free(admin);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_history_cannot_be_rewritten),
		cmocka_unit_test(test_rewritten_chain_seen_in_every_scope),
		cmocka_unit_test(test_row_changed_without_event),
		cmocka_unit_test(test_history_the_workflow_forbids),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("e2e-tamper", tests, NULL, NULL);
}
