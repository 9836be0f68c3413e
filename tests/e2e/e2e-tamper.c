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
 * so that each chain checks out.  Only the signed checkpoints catch it
 * -- in every scope, since each checks its events' leaves against the
 * latest one (the tiles), naming event 2; and no inclusion proof is
 * handed out for what was not signed.
 */
static void
test_tamper_recomputed_chain(void **state)
{
	PGconn		*db = db_admin();
	struct resp	 r;
	long long	 id = case_with(officer, ent_bj, 3);
	char		*sql, *path, *err = NULL;

	checkpoint_covering_all(db, &r);
	resp_free(&r);
	sql = fmt("CREATE TEMP TABLE saved_e AS SELECT * FROM case_events"
	    " WHERE case_id = %lld; CREATE TEMP TABLE saved_l AS SELECT *"
	    " FROM log_leaves WHERE entity = 'case' AND case_id = %lld;"
	    " CREATE TEMP TABLE saved_c"
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
	    "  UPDATE log_leaves SET leaf = p WHERE entity = 'case'"
	    "   AND case_id = %lld"
	    "   AND seq = e.seq;"
	    " END LOOP;"
	    " UPDATE cases SET last_hash = p WHERE id = %lld; END $$",
	    id, id, id, id, id, id, id);
	tamper(db, sql);
	free(sql);

	/* Each chain checks out on its own; every scope names event 2. */
	sql = fmt("{%lld}", id);
	if (chain_broken(db, sql, NULL) != 0)
		err = fmt("the rewritten chain does not check out");
	free(sql);
	if (err == NULL)
		err = verify_names_everywhere(id, 2, NULL);
	path = fmt("/api/v1/audit/proof?entity=case&entity_id=%lld&seq=2", id);
	http_get(auditor, path, &r);
	if (err == NULL && r.status != 409)
		err = fmt("%s: status %ld, want 409: %s", path, r.status,
		    r.body);
	resp_free(&r);
	free(path);

	sql = fmt("DELETE FROM case_events WHERE case_id = %lld;"
	    " INSERT INTO case_events SELECT * FROM saved_e;"
	    " UPDATE log_leaves l SET leaf = s.leaf FROM saved_l s"
	    "  WHERE l.entity = s.entity AND l.case_id = s.case_id"
	    "  AND l.seq = s.seq;"
	    " UPDATE cases SET last_hash = (SELECT last_hash FROM saved_c)"
	    "  WHERE id = %lld", id, id);
	tamper(db, sql);
	free(sql);
	db_do(db, "DROP TABLE saved_e, saved_l, saved_c");
	if (err != NULL)
		fail_msg("%s", err);
	verify_ok_everywhere(id);
	PQfinish(db);
}

/*
 * A leaf changed, a leaf deleted: the event is reported, not the log.
 * Only leaves a checkpoint already holds are touched: one the
 * checkpointer signed while it was changed would stay changed in the
 * signed log, whatever is put back.
 */
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
	    " WHERE entity = 'case' AND case_id = %lld AND seq = 2", id);
	tamper(db, sql);
	free(sql);
	verify_bad_everywhere(id, 2);
	sql = fmt("UPDATE log_leaves l SET leaf = e.hash FROM case_events e"
	    " WHERE l.entity = 'case' AND l.case_id = %lld AND l.seq = 2"
	    " AND e.case_id = l.case_id AND e.seq = l.seq", id);
	tamper(db, sql);
	free(sql);
	verify_ok_everywhere(id);

	sql = fmt("CREATE TEMP TABLE saved AS SELECT * FROM log_leaves"
	    " WHERE entity = 'case' AND case_id = %lld AND seq = 3", id);
	db_do(db, sql);
	free(sql);
	sql = fmt("DELETE FROM log_leaves WHERE entity = 'case'"
	    " AND case_id = %lld AND seq = 3", id);
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
	    " FROM log_leaves WHERE entity = 'case' AND case_id = %lld",
	    id, id);
	db_do(db, sql);
	free(sql);
	sql = fmt("DELETE FROM case_events WHERE case_id = %lld;"
	    " DELETE FROM log_leaves WHERE entity = 'case'"
	    " AND case_id = %lld", id, id);
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
/* Every other stream: a user's, an enterprise's                      */
/* ------------------------------------------------------------------ */

/* The rows of (entity, id) saved in temp tables saved_e, saved_l. */
static void
stream_save(PGconn *db, const char *entity, long long id)
{
	char	*sql = fmt("CREATE TEMP TABLE saved_e AS SELECT * FROM"
	    " ledger_events WHERE entity = '%s' AND entity_id = %lld;"
	    " CREATE TEMP TABLE saved_l AS SELECT * FROM log_leaves"
	    " WHERE entity = '%s' AND case_id = %lld", entity, id, entity, id);

	db_do(db, sql);
	free(sql);
}

/*
 * Put back what stream_save saved: the events, and with `leaves` the
 * leaves -- only ever placed ones, which the checkpointer no longer
 * touches: an unplaced leaf may have been placed since it was saved.
 */
static void
stream_restore(PGconn *db, const char *entity, long long id, int leaves)
{
	char	*sql = fmt("DELETE FROM ledger_events WHERE entity = '%s'"
	    " AND entity_id = %lld; INSERT INTO ledger_events SELECT * FROM"
	    " saved_e; %s", entity, id, leaves ? "DELETE FROM log_leaves l"
	    " USING saved_l s WHERE l.entity = s.entity AND l.case_id ="
	    " s.case_id AND l.seq = s.seq; INSERT INTO log_leaves SELECT *"
	    " FROM saved_l" : "");

	tamper(db, sql);
	free(sql);
	db_do(db, "DROP TABLE saved_e, saved_l");
}

/* How many events of (entity, id) do not verify with ledger_hash(). */
static long
stream_broken(PGconn *db, const char *entity, long long id)
{
	char	*sql = fmt("SELECT count(*) FILTER (WHERE bad) FROM (SELECT"
	    " hash <> ledger_hash('paicha/' || entity || '-event/v1',"
	    " entity_id, seq, prev_hash, record) OR prev_hash <> coalesce("
	    "lag(hash) OVER w, decode(repeat('00', 32), 'hex'))"
	    " OR seq <> row_number() OVER w AS bad"
	    " FROM ledger_events WHERE entity = '%s' AND entity_id = %lld"
	    " WINDOW w AS (ORDER BY seq)) x", entity, id);
	char	*v = db_value(db, sql, NULL);
	long	 n = v != NULL ? atol(v) : -1;

	free(v);
	free(sql);
	return n;
}

/*
 * The superuser's strongest rewrite of another stream: event 2 of a
 * user's (its display name) and of an enterprise's (its address)
 * changed, every hash after it and every leaf recomputed, so that the
 * stream's chain checks out with its own tag.  Only the signed
 * checkpoints catch it: Beijing's verify and everything's, the
 * auditor's and admin's, name (entity, id, 2), and no inclusion proof
 * is handed out for it.
 */
static void
test_tamper_stream_recomputed(void **state)
{
	PGconn		*db = db_admin();
	struct resp	 r;
	struct {
		const char	*entity, *from, *to;
		long long	 id;
	} s[] = {
		{ "user", "name-2", "name-X", 0 },
		{ "enterprise", "address-2", "address-X", 0 },
	};
	char		*sql, *path, *v, *err = NULL;
	size_t		 i;

	s[0].id = user_with("110101", 3);
	s[1].id = enterprise_with("110101", 3);
	checkpoint_covering_all(db, &r);
	resp_free(&r);
	verify_ok_streams();
	for (i = 0; i < sizeof(s) / sizeof(s[0]) && err == NULL; i++) {
		stream_save(db, s[i].entity, s[i].id);
		sql = fmt("DO $$ DECLARE p bytea; e record; BEGIN"
		    " UPDATE ledger_events SET record = replace(record, '%s',"
		    "  '%s') WHERE entity = '%s' AND entity_id = %lld"
		    "  AND seq = 2;"
		    " FOR e IN SELECT * FROM ledger_events WHERE entity = '%s'"
		    "  AND entity_id = %lld ORDER BY seq LOOP"
		    "  IF e.seq > 1 THEN"
		    "   UPDATE ledger_events SET prev_hash = p,"
		    "    hash = ledger_hash('paicha/' || e.entity || '-event/v1',"
		    "    e.entity_id, e.seq, p, e.record)"
		    "    WHERE entity = e.entity AND entity_id = e.entity_id"
		    "    AND seq = e.seq;"
		    "  END IF;"
		    "  SELECT hash INTO p FROM ledger_events"
		    "   WHERE entity = e.entity AND entity_id = e.entity_id"
		    "   AND seq = e.seq;"
		    "  UPDATE log_leaves SET leaf = p WHERE entity = e.entity"
		    "   AND case_id = e.entity_id AND seq = e.seq;"
		    " END LOOP; END $$", s[i].from, s[i].to, s[i].entity,
		    s[i].id, s[i].entity, s[i].id);
		tamper(db, sql);
		free(sql);
		sql = fmt("SELECT count(*) FROM ledger_events WHERE entity = '%s'"
		    " AND entity_id = %lld AND record LIKE '%%%s%%'", s[i].entity,
		    s[i].id, s[i].to);
		v = db_value(db, sql, NULL);
		if (v == NULL || atoi(v) != 1)
			err = fmt("%s %lld: the record was not rewritten",
			    s[i].entity, s[i].id);
		free(v);
		free(sql);
		if (err == NULL && stream_broken(db, s[i].entity, s[i].id) != 0)
			err = fmt("%s %lld: the rewritten chain does not check"
			    " out", s[i].entity, s[i].id);
		if (err == NULL)
			err = verify_names_stream_everywhere(s[i].entity,
			    s[i].id, 2);
		path = fmt("/api/v1/audit/proof?entity=%s&entity_id=%lld&seq=2",
		    s[i].entity, s[i].id);
		http_get(auditor, path, &r);
		if (err == NULL && r.status != 409)
			err = fmt("%s: status %ld, want 409: %s", path, r.status,
			    r.body);
		resp_free(&r);
		free(path);
		stream_restore(db, s[i].entity, s[i].id, 1);
	}
	if (err != NULL)
		fail_msg("%s", err);
	verify_ok_streams();
	PQfinish(db);
}

/*
 * An event of a user's stream deleted: in the middle, the sequence has a
 * gap there (and its leaf stays); the last one, its leaf has no event.
 */
static void
test_tamper_stream_deleted(void **state)
{
	PGconn		*db = db_admin();
	long long	 id = user_with("110101", 4);
	char		*sql, *err;
	int		 seq;

	verify_ok_streams();
	for (seq = 2; seq <= 4; seq += 2) {
		stream_save(db, "user", id);
		sql = fmt("DELETE FROM ledger_events WHERE entity = 'user'"
		    " AND entity_id = %lld AND seq = %d", id, seq);
		tamper(db, sql);
		free(sql);
		err = verify_names_stream_everywhere("user", id, seq);
		stream_restore(db, "user", id, 0);
		if (err != NULL)
			fail_msg("%s", err);
	}
	verify_ok_streams();
	PQfinish(db);
}

/*
 * A placed leaf of an enterprise's stream changed, and one deleted: the
 * event is named, in Beijing's verify (its placed leaves against the
 * tiles) and everything's (the whole log folded).
 */
static void
test_tamper_stream_leaf(void **state)
{
	PGconn		*db = db_admin();
	long long	 id = enterprise_with("110101", 3);
	struct resp	 r;
	char		*sql, *err;

	checkpoint_covering_all(db, &r);
	resp_free(&r);
	verify_ok_streams();
	stream_save(db, "enterprise", id);
	sql = fmt("UPDATE log_leaves SET leaf = sha256(leaf)"
	    " WHERE entity = 'enterprise' AND case_id = %lld AND seq = 2", id);
	tamper(db, sql);
	free(sql);
	err = verify_names_stream_everywhere("enterprise", id, 2);
	stream_restore(db, "enterprise", id, 1);
	if (err != NULL)
		fail_msg("%s", err);
	verify_ok_streams();

	stream_save(db, "enterprise", id);
	sql = fmt("DELETE FROM log_leaves WHERE entity = 'enterprise'"
	    " AND case_id = %lld AND seq = 3", id);
	tamper(db, sql);
	free(sql);
	err = verify_names_stream_everywhere("enterprise", id, 3);
	stream_restore(db, "enterprise", id, 1);
	if (err != NULL)
		fail_msg("%s", err);
	verify_ok_streams();
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
	long long	 eid = enterprise_make("110101", "无事件改行测试企业");
	long long	 id = case_make(officer, eid, "无事件改行测试");
	PGconn		*app = db_app(), *su = db_admin();
	struct resp	 r;
	char		*sql, *path, *err;
	size_t		 i;

	verify_ok_everywhere(id);
	sql = fmt("CREATE TEMP TABLE saved_c AS SELECT * FROM cases"
	    " WHERE id = %lld", id);
	db_do(su, sql);
	free(sql);
	/* Scoped like the service's own requests: its session. */
	free(db_scope_as(app, officer));
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
		err = verify_names_everywhere(id, 0,
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
		verify_ok_everywhere(id);
	}
	db_do(su, "DROP TABLE saved_c");
	PQfinish(app);
	PQfinish(su);
}

/*
 * An event with a hash that verifies -- the proposer approving their own
 * penalty -- and the case's row moved as that approval would, its leaf
 * added: chain, leaves and row all agree; the history is one the
 * workflow forbids, and verify says so at that event.  The service's
 * role can no longer write it (test_forged_approval_refused); a
 * superuser with the triggers off still can, and verify is what
 * catches that.  The checkpointer is held off (its advisory lock) so
 * that the forged event can be taken out again.
 */
static void
test_history_the_workflow_forbids(void **state)
{
	long long	 eid = enterprise_make("110101", "自审自批测试企业");
	long long	 id = case_make(officer, eid, "自审自批测试");
	PGconn		*su = db_admin(), *lock = db_admin();
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
	verify_ok_everywhere(id);

	db_do(lock, "SELECT pg_advisory_lock(checkpoint_lock_key())");
	actor = db_value(su, "SELECT id FROM users WHERE username ="
	    " 'officer.bj'", NULL);
	rec = fmt("{\"actor\":%s,\"at\":\"2026-01-01T00:00:00.000000Z\","
	    "\"case\":%lld,\"case_region\":\"110101\",\"event\":\"publish_credit\","
	    "\"from\":\"detected\",\"payload\":{\"proposal_seq\":2},"
	    "\"phase\":\"approved\",\"region\":\"110000\",\"request_id\":\"forged\","
	    "\"role\":\"legal\",\"seq\":3,\"to\":\"credit_publication\"}",
	    actor, id);
	db_do(su, "SET session_replication_role = replica");
	sql = fmt("SELECT ledger_append('case', $1, c.last_hash,"
	    " event_hash(c.id, 3, c.last_hash, $1)) FROM cases c"
	    " WHERE c.id = %lld", id);
	free(db_value(su, sql, rec, NULL));
	free(sql);
	sql = fmt("INSERT INTO log_leaves (case_id, seq, case_region, leaf)"
	    " SELECT case_id, seq, case_region, hash FROM case_events"
	    " WHERE case_id = %lld AND seq = 3; UPDATE cases c"
	    " SET state = 'credit_publication',"
	    " version = 3, last_seq = 3, last_hash = e.hash,"
	    " pending_event = NULL, pending_seq = NULL, pending_by = NULL,"
	    " pending_at = NULL, penalty_decided_at = now(),"
	    " fine_amount = 5000, confiscation_amount = 0, case_value = 8000"
	    " FROM case_events e WHERE c.id = %lld AND e.case_id = c.id"
	    " AND e.seq = 3", id, id);
	db_do(su, sql);
	free(sql);
	db_do(su, "SET session_replication_role = origin");

	err = verify_names_everywhere(id, 3, NULL);
	path = fmt("/api/v1/audit/verify?case=%lld", id);
	http_get(auditor, path, &r);
	if (err == NULL && strstr(r.body, "four eyes") == NULL)
		err = fmt("verify does not say four eyes: %s", r.body);
	resp_free(&r);
	free(path);

	/* Take it out again, before the checkpointer may sign it. */
	sql = fmt("DELETE FROM log_leaves WHERE entity = 'case'"
	    " AND case_id = %lld AND seq = 3"
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
	verify_ok_everywhere(id);
	free(rec);
	free(actor);
	PQfinish(lock);
	PQfinish(su);
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
		cmocka_unit_test(test_tamper_stream_recomputed),
		cmocka_unit_test(test_tamper_stream_deleted),
		cmocka_unit_test(test_tamper_stream_leaf),
		cmocka_unit_test(test_service_role_cannot_tamper),
		cmocka_unit_test(test_forged_approval_refused),
		cmocka_unit_test(test_row_changed_without_event),
		cmocka_unit_test(test_history_the_workflow_forbids),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("e2e-tamper", tests, setup,
	    teardown);
}
