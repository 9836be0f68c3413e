/*
 * db.c: the libpq layer.  One connection per worker thread, opened on
 * first use and again after it breaks; statements prepared once per
 * connection; SQLSTATEs mapped to HTTP in one table.  With a read
 * replica configured, a second connection per thread, to the replica,
 * for the requests db_route_replica() sends there.  A report may run one
 * statement beside its own on a connection opened for it, in the same
 * snapshot (db_beside_ask); a handler may give a thread of its own a
 * twin of the request on such a connection (db_twin_open).
 *
 * Rules every caller relies on:
 *  - SQL is always a constant `struct stmt` with $n parameters.
 *  - A failed call records what happened in the request (r->fault and
 *    r->sqlstate) and returns NULL / -1; the handler answers
 *    reply_db_error().
 *  - A statement that fails because the connection broke is retried once
 *    on a new connection, but only when no transaction was open: such a
 *    statement is either a read or safe to repeat.  Inside a transaction
 *    nothing is retried; the caller gets 503 and the client retries with
 *    its Idempotency-Key.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/base.h"
#include "front.h"

/* After the replica failed to connect, leave it alone this long (s). */
#define REPLICA_RETRY	10

static atomic_int	 next_slot;

static void	 replica_leave(struct req *);
static void	 rollback_one(struct db *);

/* ------------------------------------------------------------------ */
/* SQLSTATE -> HTTP                                                   */
/* ------------------------------------------------------------------ */

static const struct {
	const char	*state;		/* full code, or a 2-char class */
	int		 status;
} sqlstates[] = {
	{ "23505", 409 },	/* unique_violation */
	{ "23514", 422 },	/* check_violation */
	{ "23503", 422 },	/* foreign_key_violation */
	{ "23502", 422 },	/* not_null_violation */
	{ "22", 422 },		/* data exception: bad value */
	{ "42501", 404 },	/* insufficient_privilege: RLS said no */
	{ "PA403", 403 },	/* the database's own refusal (four eyes,
				   the session's own events, no self-admin) */
	{ "40001", 503 },	/* serialization_failure: retry */
	{ "40P01", 503 },	/* deadlock_detected: retry */
	{ "55P03", 503 },	/* lock_not_available */
	{ "57014", 503 },	/* query_canceled (statement_timeout) */
	{ "08", 503 },		/* connection exception */
	{ "53", 503 },		/* insufficient resources */
	{ "57P", 503 },		/* operator intervention: shutdown */
};

/*
 * The HTTP status for a SQLSTATE: the first row whose code is a prefix of
 * it, else 500.
 */
int
sqlstate_status(const char *state)
{
	size_t	 i;

	for (i = 0; i < sizeof(sqlstates) / sizeof(sqlstates[0]); i++)
		if (strncmp(state, sqlstates[i].state,
		    strlen(sqlstates[i].state)) == 0)
			return sqlstates[i].status;
	return 500;
}

/* ------------------------------------------------------------------ */
/* Connections                                                        */
/* ------------------------------------------------------------------ */

void
db_close(struct db *db)
{
	if (db->conn != NULL)
		PQfinish(db->conn);
	db->conn = NULL;
	memset(db->prepared, 0, sizeof(db->prepared));
}

/*
 * Make sure `db` has a working connection.  Returns 0, or -1 when the
 * database cannot be reached (logged once per failure).
 */
static int
db_connect(struct db *db)
{
	/* Our defaults first: the URL's own values override them. */
	static const char *const keys[] = {
		"connect_timeout", "application_name", "options",
		"dbname", NULL
	};
	const char	*vals[5];

	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK)
		return 0;
	db_close(db);
	vals[0] = "3";
	vals[1] = db->app != NULL ? db->app : "paicha";
	/* JIT compiles for hundreds of ms to save microseconds here: off. */
	vals[2] = "-c statement_timeout=30s -c idle_in_transaction_session_timeout=60s"
	    " -c jit=off";
	vals[3] = db->url;
	vals[4] = NULL;
	db->conn = PQconnectdbParams(keys, vals, 1);
	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK) {
		log_error("could not connect to database: %s",
		    db->conn != NULL ? PQerrorMessage(db->conn) : "no memory");
		db_close(db);
		metrics_db_error();
		return -1;
	}
	return 0;
}

/* The statement's slot, registering it on first use. */
static int
stmt_slot(struct stmt *s)
{
	int	 slot, fresh, expect = 0;

	if ((slot = atomic_load(&s->slot)) != 0)
		return slot;
	fresh = atomic_fetch_add(&next_slot, 1) + 1;
	if (fresh >= MAX_STMTS) {
		log_error("more than %d statements: raise MAX_STMTS",
		    MAX_STMTS - 1);
		abort();
	}
	if (atomic_compare_exchange_strong(&s->slot, &expect, fresh))
		return fresh;
	return expect;
}

/* Record a failed result in the request and log it (text stays here). */
static void
db_fail(struct req *r, struct db *db, const PGresult *res, const char *what)
{
	const char	*state, *msg;

	state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	msg = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) :
	    NULL;
	snprintf(r->sqlstate, sizeof(r->sqlstate), "%s",
	    state != NULL ? state : "");
	r->fault = FAULT_SQL;
	/*
	 * A connection the server is ending (57P01 admin shutdown and the
	 * rest of class 57P, class 08) may still look open: it is lost.
	 * So is one where the failure has no SQLSTATE at all: the server
	 * did not answer, libpq did -- "server closed the connection
	 * unexpectedly" after a crash arrives that way, with PQstatus
	 * still CONNECTION_OK (seen in tests/e2e/e2e-fault.c).
	 */
	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK ||
	    state == NULL || strncmp(r->sqlstate, "57P", 3) == 0 ||
	    strncmp(r->sqlstate, "08", 2) == 0) {
		r->fault = FAULT_LOST;
		log_error("request %s: database connection lost during %s",
		    r->id, what);
		db_close(db);
	} else
		log_warn("request %s: %s failed: %s %s", r->id, what,
		    r->sqlstate, msg != NULL ? msg : PQerrorMessage(db->conn));
	metrics_db_error();
}

/*
 * Forget the request's last failure and connect if the worker is not:
 * 0, or -1 with the connection recorded lost.
 */
static int
db_reach(struct req *r, struct db *db)
{
	r->fault = FAULT_NONE;
	r->sqlstate[0] = '\0';
	if (db_connect(db) == 0)
		return 0;
	r->fault = FAULT_LOST;
	snprintf(r->sqlstate, sizeof(r->sqlstate), "08006");
	return -1;
}

/*
 * `s`'s name on the connection ("s<slot>", into `name`), prepared there
 * the first time.  Returns 0, or -1 with the failure recorded in `r`.
 */
static int
db_prepare(struct req *r, struct db *db, struct stmt *s, char name[16])
{
	PGresult	*res;
	int		 slot = stmt_slot(s);

	snprintf(name, 16, "s%d", slot);
	if (db->prepared[slot / 8] & (1u << (slot % 8)))
		return 0;
	res = PQprepare(db->conn, name, s->sql, s->nparams, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		db_fail(r, db, res, "prepare");
		PQclear(res);
		return -1;
	}
	PQclear(res);
	db->prepared[slot / 8] |= (unsigned char)(1u << (slot % 8));
	return 0;
}

/*
 * Run the prepared statement `s` with `params` (s->nparams strings, NULL
 * for SQL NULL; with `lengths` and `formats` not NULL, a format 1 value
 * is that many bytes of binary), results in text (0) or binary (1)
 * format.  Returns a result the caller must PQclear, or NULL with the
 * failure recorded in `r`.
 */
static PGresult *
db_exec_format(struct req *r, struct stmt *s, const char *const *params,
    const int *lengths, const int *formats, int format)
{
	struct db	*db = &r->w->db;
	PGresult	*res = NULL;
	ExecStatusType	 st;
	char		 name[16];
	int		 idle, retried = 0;

again:
	if (db_reach(r, db) == -1)
		return NULL;
	idle = PQtransactionStatus(db->conn) == PQTRANS_IDLE;
	if (s->custom) {
		/* The unnamed statement: parsed and planned with the values. */
		res = PQexecParams(db->conn, s->sql, s->nparams, NULL, params,
		    lengths, formats, format);
		st = PQresultStatus(res);
		if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
			return res;
		goto fail;
	}
	if (db_prepare(r, db, s, name) == -1)
		goto retry;
	res = PQexecPrepared(db->conn, name, s->nparams, params, lengths,
	    formats, format);
	st = PQresultStatus(res);
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
		return res;
fail:
	db_fail(r, db, res, "statement");
	PQclear(res);
retry:
	/*
	 * A replica that went away or cancelled the statement for a
	 * conflict with recovery: the primary answers the rest.
	 */
	if (r->on_replica && idle && !retried && (r->fault == FAULT_LOST ||
	    strcmp(r->sqlstate, "40001") == 0)) {
		retried = 1;
		replica_leave(r);
		goto again;
	}
	if (r->fault == FAULT_LOST && idle && !retried) {
		retried = 1;
		goto again;
	}
	return NULL;
}

/* db_exec_format with results as text: what almost every caller wants. */
PGresult *
db_exec(struct req *r, struct stmt *s, const char *const *params)
{
	return db_exec_format(r, s, params, NULL, NULL, 0);
}

/*
 * db_exec_format with results in binary: integers big-endian, bytea as
 * its bytes, timestamptz as microseconds since 2000-01-01 UTC.  For the
 * bulk readers (verify), where converting to text and back would cost
 * more than the work itself.
 */
PGresult *
db_exec_binary(struct req *r, struct stmt *s, const char *const *params)
{
	return db_exec_format(r, s, params, NULL, NULL, 1);
}

/*
 * db_exec_format with parameters of their own formats: `formats[i]` 1
 * sends `lengths[i]` bytes of params[i] as binary (a bytea as its bytes:
 * no hex to double it), 0 a text string; results in `result_format`.
 * For the file pieces (../resources/files.c).
 */
PGresult *
db_exec_params(struct req *r, struct stmt *s, const char *const *params,
    const int *lengths, const int *formats, int result_format)
{
	return db_exec_format(r, s, params, lengths, formats, result_format);
}

/* ------------------------------------------------------------------ */
/* Pipelines: several statements in one round trip                    */
/* ------------------------------------------------------------------ */

/*
 * The next result of the pipeline, consuming the NULL that ends it.
 * Returns the result (the caller clears it), or NULL when the connection
 * gave none.
 */
static PGresult *
pipeline_next(PGconn *c)
{
	PGresult	*res, *end;

	if ((res = PQgetResult(c)) == NULL)
		return NULL;
	if (PQresultStatus(res) != PGRES_PIPELINE_SYNC &&
	    (end = PQgetResult(c)) != NULL) {
		/* Only a COPY would give more: we send none. */
		PQclear(end);
	}
	return res;
}

/*
 * Run q[0..n-1] (prepared statements, preparing those this connection
 * has not seen), after the command `begin` when not NULL ("BEGIN ..."),
 * in one round trip: libpq's
 * pipeline mode, one sync at the end.  Statements run in order and stop
 * at the first that fails, exactly as the same calls of db_exec() one by
 * one would; a transaction left open (begin, or one already open) stays
 * open for the caller to commit or roll back.
 *
 * Returns 0 with every q[i].res filled (the caller clears them with
 * db_pipeline_clear), or -1 with the first failure recorded in `r` and
 * no result kept.  A pipeline that opened its own transaction on an
 * idle connection which then broke is sent once more on a new one:
 * nothing of it can have committed.
 */
int
db_pipeline(struct req *r, const char *begin, struct dbq *q, size_t n)
{
	struct db	*db = &r->w->db;
	PGresult	*res, *err;
	ExecStatusType	 st;
	char		 name[16];
	unsigned char	 fresh[MAX_PIPELINE];
	size_t		 i;
	int		 idle, slot, retried = 0;

	if (n > MAX_PIPELINE) {
		log_error("a pipeline of %zu statements: raise MAX_PIPELINE", n);
		abort();
	}
again:
	err = NULL;
	for (i = 0; i < n; i++)
		q[i].res = NULL;
	if (db_reach(r, db) == -1)
		return -1;
	idle = PQtransactionStatus(db->conn) == PQTRANS_IDLE;
	if (PQenterPipelineMode(db->conn) != 1)
		goto broken;
	if (begin != NULL && PQsendQueryParams(db->conn, begin, 0, NULL, NULL,
	    NULL, NULL, 0) != 1)
		goto broken;
	for (i = 0; i < n; i++) {
		if (q[i].s->custom) {
			fresh[i] = 0;
			if (PQsendQueryParams(db->conn, q[i].s->sql,
			    q[i].s->nparams, NULL, q[i].params, NULL, NULL,
			    0) != 1)
				goto broken;
			continue;
		}
		slot = stmt_slot(q[i].s);
		snprintf(name, sizeof(name), "s%d", slot);
		fresh[i] = !(db->prepared[slot / 8] & (1u << (slot % 8)));
		if (fresh[i] && PQsendPrepare(db->conn, name, q[i].s->sql,
		    q[i].s->nparams, NULL) != 1)
			goto broken;
		if (PQsendQueryPrepared(db->conn, name, q[i].s->nparams,
		    q[i].params, NULL, NULL, 0) != 1)
			goto broken;
	}
	if (PQpipelineSync(db->conn) != 1)
		goto broken;

	/*
	 * The results, in the order sent; after the first failure (kept in
	 * `err`) the rest come back "aborted".  All are read before the
	 * failure is recorded: db_fail() may close the connection.
	 */
	if (begin != NULL) {
		if ((res = pipeline_next(db->conn)) == NULL)
			goto broken;
		if (PQresultStatus(res) != PGRES_COMMAND_OK && err == NULL)
			err = res;
		else
			PQclear(res);
	}
	for (i = 0; i < n; i++) {
		slot = q[i].s->custom ? 0 : stmt_slot(q[i].s);
		if (fresh[i]) {
			if ((res = pipeline_next(db->conn)) == NULL)
				goto broken;
			if (PQresultStatus(res) == PGRES_COMMAND_OK)
				db->prepared[slot / 8] |=
				    (unsigned char)(1u << (slot % 8));
			else if (err == NULL) {
				err = res;
				res = NULL;
			}
			PQclear(res);
		}
		if ((res = pipeline_next(db->conn)) == NULL)
			goto broken;
		st = PQresultStatus(res);
		if (err == NULL && (st == PGRES_TUPLES_OK ||
		    st == PGRES_COMMAND_OK))
			q[i].res = res;
		else if (err == NULL)
			err = res;
		else
			PQclear(res);
	}
	if ((res = pipeline_next(db->conn)) == NULL)
		goto broken;
	st = PQresultStatus(res);
	PQclear(res);
	if (st != PGRES_PIPELINE_SYNC || PQexitPipelineMode(db->conn) != 1)
		goto broken;
	if (err != NULL) {
		db_pipeline_clear(q, n);
		db_fail(r, db, err, begin != NULL ? "pipeline after BEGIN" :
		    "pipeline");
		PQclear(err);
		return -1;
	}
	return 0;
broken:
	db_pipeline_clear(q, n);
	db_fail(r, db, err, "pipeline");
	PQclear(err);
	r->fault = FAULT_LOST;
	db_close(db);
	/*
	 * Nothing can have committed inside our own BEGIN: send it again (to
	 * the primary, when the replica went away).
	 */
	if (idle && begin != NULL && !retried) {
		retried = 1;
		if (r->on_replica)
			replica_leave(r);
		goto again;
	}
	return -1;
}

void
db_pipeline_clear(struct dbq *q, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		PQclear(q[i].res);
		q[i].res = NULL;
	}
}

/* ------------------------------------------------------------------ */
/* Streaming rows one at a time                                       */
/* ------------------------------------------------------------------ */

/*
 * Start the prepared statement `s` in libpq's single-row mode, results
 * in binary: the server keeps producing while the caller works on each
 * row, and only one row is in memory.  Until db_stream_next returned
 * NULL nothing else may run on the connection.  Only inside a
 * transaction (nothing is retried).  Returns 0, or -1 with the failure
 * recorded in `r`.
 */
int
db_stream_open(struct req *r, struct stmt *s, const char *const *params)
{
	struct db	*db = &r->w->db;
	char		 name[16];

	if (db_reach(r, db) == -1 || db_prepare(r, db, s, name) == -1)
		return -1;
	if (PQsendQueryPrepared(db->conn, name, s->nparams, params, NULL,
	    NULL, 1) != 1 || PQsetSingleRowMode(db->conn) != 1) {
		db_fail(r, db, NULL, "stream");
		return -1;
	}
	return 0;
}

/*
 * The next row of the stream as a one-row result the caller must
 * PQclear, or NULL at the end (*failed 0) or on failure (*failed 1, the
 * failure recorded in `r`, the stream finished).
 */
PGresult *
db_stream_next(struct req *r, int *failed)
{
	struct db	*db = &r->w->db;
	PGresult	*res, *rest;

	*failed = 0;
	if (db->conn == NULL || (res = PQgetResult(db->conn)) == NULL)
		return NULL;
	switch (PQresultStatus(res)) {
	case PGRES_SINGLE_TUPLE:
		return res;
	case PGRES_TUPLES_OK:
		/* The end: the terminating empty result, then NULL. */
		PQclear(res);
		while ((rest = PQgetResult(db->conn)) != NULL)
			PQclear(rest);
		return NULL;
	case PGRES_EMPTY_QUERY:
	case PGRES_COMMAND_OK:
	case PGRES_COPY_OUT:
	case PGRES_COPY_IN:
	case PGRES_BAD_RESPONSE:
	case PGRES_NONFATAL_ERROR:
	case PGRES_FATAL_ERROR:
	case PGRES_COPY_BOTH:
	case PGRES_PIPELINE_SYNC:
	case PGRES_PIPELINE_ABORTED:
		break;
	}
	db_fail(r, db, res, "stream");
	PQclear(res);
	while (db->conn != NULL && (rest = PQgetResult(db->conn)) != NULL)
		PQclear(rest);
	*failed = 1;
	return NULL;
}

/* Abandon a stream: read and drop whatever rows are left. */
void
db_stream_close(struct req *r)
{
	struct db	*db = &r->w->db;
	PGresult	*res;

	while (db->conn != NULL && (res = PQgetResult(db->conn)) != NULL)
		PQclear(res);
}

/* ------------------------------------------------------------------ */
/* Sending statements without waiting for each                        */
/* ------------------------------------------------------------------ */

/*
 * Many runs of one statement whose rows are not needed (the pieces of an
 * upload): db_send_open prepares `s` and enters libpq's pipeline mode,
 * db_send sends it once more -- its
 * parameters are copied out at once, so the caller may reuse them, and
 * the server works on it while the caller makes the next -- and
 * db_send_close ends the pipeline and reads every result, in order.
 * Only inside the request's transaction (nothing is retried); until
 * db_send_close nothing else may run on the connection.  Each returns
 * 0, or -1 with the failure recorded in `r` (db_send_close must still
 * be called after db_send_open succeeded).
 */
int
db_send_open(struct req *r, struct stmt *s)
{
	struct db	*db = &r->w->db;
	char		 name[16];

	if (db_reach(r, db) == -1 || db_prepare(r, db, s, name) == -1)
		return -1;
	if (PQenterPipelineMode(db->conn) != 1) {
		db_fail(r, db, NULL, "pipeline");
		return -1;
	}
	return 0;
}

/* Send the prepared statement `s` (db_exec_params's parameters). */
int
db_send(struct req *r, struct stmt *s, const char *const *params,
    const int *lengths, const int *formats)
{
	struct db	*db = &r->w->db;
	char		 name[16];

	if (db->conn == NULL || r->fault != FAULT_NONE)
		return -1;
	snprintf(name, sizeof(name), "s%d", stmt_slot(s));
	/*
	 * libpq sends a message's whole 8 KiB blocks at once and keeps the
	 * rest -- here the end of the Bind and the Execute -- until the next
	 * message: the server would wait for the caller's next piece before
	 * it could begin this one.  So the rest goes out now.
	 */
	if (PQsendQueryPrepared(db->conn, name, s->nparams, params, lengths,
	    formats, 0) != 1 || PQflush(db->conn) != 0) {
		db_fail(r, db, NULL, "pipeline");
		return -1;
	}
	return 0;
}

/*
 * End the pipeline: a sync, then every result up to it.  The first
 * failure is the one recorded (the rest come back "aborted").
 */
int
db_send_close(struct req *r)
{
	struct db	*db = &r->w->db;
	PGresult	*res, *err = NULL;
	ExecStatusType	 st;
	int		 ends = 0;

	if (db->conn == NULL)
		return -1;
	if (PQpipelineSync(db->conn) != 1)
		goto broken;
	for (;;) {
		/* One NULL ends each statement's results; two: nothing more. */
		if ((res = PQgetResult(db->conn)) == NULL) {
			if (++ends == 2 || PQstatus(db->conn) != CONNECTION_OK)
				goto broken;
			continue;
		}
		ends = 0;
		st = PQresultStatus(res);
		if (st == PGRES_PIPELINE_SYNC) {
			PQclear(res);
			break;
		}
		if (st == PGRES_FATAL_ERROR && err == NULL) {
			err = res;
			continue;
		}
		if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK &&
		    st != PGRES_PIPELINE_ABORTED && st != PGRES_FATAL_ERROR) {
			PQclear(res);
			goto broken;
		}
		PQclear(res);
	}
	if (PQexitPipelineMode(db->conn) != 1)
		goto broken;
	if (err != NULL || r->fault != FAULT_NONE) {
		if (err != NULL)
			db_fail(r, db, err, "pipeline");
		PQclear(err);
		return -1;
	}
	return 0;
broken:
	db_fail(r, db, err, "pipeline");
	PQclear(err);
	r->fault = FAULT_LOST;
	db_close(db);
	return -1;
}

/* ------------------------------------------------------------------ */
/* One statement in flight while the caller works                     */
/* ------------------------------------------------------------------ */

/*
 * Send `s` (text results) without waiting for its result: the server
 * works on it while the caller does something else, until db_answer.
 * Until then nothing else may run on the connection; db_poll takes in
 * what has arrived meanwhile, so that a large result does not stall the
 * server on a full socket.  Only inside a transaction (nothing is
 * retried).  Returns 0, or -1 with the failure recorded in `r`.
 */
int
db_ask(struct req *r, struct stmt *s, const char *const *params)
{
	struct db	*db = &r->w->db;
	char		 name[16];
	int		 ok;

	if (db_reach(r, db) == -1)
		return -1;
	if (s->custom)
		ok = PQsendQueryParams(db->conn, s->sql, s->nparams, NULL,
		    params, NULL, NULL, 0);
	else if (db_prepare(r, db, s, name) == -1)
		return -1;
	else
		ok = PQsendQueryPrepared(db->conn, name, s->nparams, params,
		    NULL, NULL, 0);
	if (ok == 1)
		return 0;
	db_fail(r, db, NULL, "statement");
	return -1;
}

/* Take in whatever of the asked statement's result has arrived. */
void
db_poll(struct req *r)
{
	struct db	*db = &r->w->db;

	if (db->conn != NULL)
		(void)PQconsumeInput(db->conn);
}

/*
 * The result of the statement db_ask sent (the caller clears it), or
 * NULL with the failure recorded in `r`.
 */
PGresult *
db_answer(struct req *r)
{
	struct db	*db = &r->w->db;
	PGresult	*res, *rest;
	ExecStatusType	 st;

	if (db->conn == NULL || (res = PQgetResult(db->conn)) == NULL) {
		db_fail(r, db, NULL, "statement");
		return NULL;
	}
	while ((rest = PQgetResult(db->conn)) != NULL)
		PQclear(rest);
	st = PQresultStatus(res);
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
		return res;
	db_fail(r, db, res, "statement");
	PQclear(res);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* A statement beside the request's                                   */
/* ------------------------------------------------------------------ */

/*
 * Whether `id` has the form of pg_export_snapshot()'s names: eight
 * upper-case hex digits, '-', eight more, '-', one to ten decimal digits.
 */
int
db_snapshot_name_ok(const char *id)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t	 n = strlen(id);

	return n >= 19 && n <= 28 && strspn(id, hex) == 8 && id[8] == '-' &&
	    strspn(id + 9, hex) == 8 && id[17] == '-' &&
	    strspn(id + 18, "0123456789") == n - 18;
}

/*
 * Import the snapshot `id` (pg_export_snapshot's) into the transaction
 * just begun on `c`: 0, or -1.  SET TRANSACTION SNAPSHOT takes no
 * parameter, so this is the one statement of the service made at run
 * time (tests/unit/check-sql-constants.sh names it): from the server's
 * own name of the snapshot, checked to have its exact form -- eight hex
 * digits, '-', eight hex digits, '-', a number -- before it is quoted.
 */
static int
snapshot_import(PGconn *c, const char *id)
{
	char		 cmd[64];
	PGresult	*res;
	int		 rc;

	if (!db_snapshot_name_ok(id))
		return -1;
	snprintf(cmd, sizeof(cmd), "SET TRANSACTION SNAPSHOT '%s'", id);
	res = PQexec(c, cmd);
	rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;
	PQclear(res);
	return rc;
}

/*
 * Open `b` beside the request's connection, in the request's snapshot:
 * the snapshot exported by r's transaction and imported in a read-only
 * one there, with r's scope for row-level security (region, user,
 * session: scope_valid() checks the session there too) and its
 * work_mem.  Only when r holds one snapshot for all its statements
 * (TX_SNAPSHOT, on the primary).  Returns 0; or -1, with `b` closed and
 * a failure of r's own connection recorded in r (one of b's is only
 * logged): the caller does the work on r's connection instead.
 */
static int
beside_open(struct req *r, struct db *b, const char *app)
{
	static struct stmt export = STMT(
	    "SELECT pg_export_snapshot() AS snapshot,"
	    " current_setting('work_mem') AS work_mem"
	    " WHERE current_setting('transaction_isolation') = 'repeatable read'",
	    0);
	static const char scope[] =
	    "SELECT set_config('paicha.region', $1, true),"
	    " set_config('paicha.user_id', $2, true),"
	    " set_config('paicha.session', $3, true),"
	    " set_config('work_mem', $4, true)";
	PGresult	*res = NULL, *set = NULL;
	const char	*p[4];
	char		 uid[24];
	int		 rc = -1;

	if (r->on_replica || !r->authed || !db_in_transaction(r))
		return -1;
	if ((res = db_exec(r, &export, NULL)) == NULL || PQntuples(res) != 1)
		goto out;
	b->url = r->w->db.url;
	b->app = app;
	if (db_connect(b) == -1)
		goto out;
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	p[0] = r->user.region;
	p[1] = uid;
	p[2] = r->session;
	p[3] = db_get(res, 0, "work_mem");
	PQclear(PQexec(b->conn,
	    "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"));
	if (snapshot_import(b->conn, db_get(res, 0, "snapshot")) == 0)
		set = PQexecParams(b->conn, scope, 4, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(set) != PGRES_TUPLES_OK) {
		log_warn("request %s: the connection beside did not open: %s",
		    r->id, PQerrorMessage(b->conn));
		db_close(b);
		goto out;
	}
	rc = 0;
out:
	PQclear(set);
	PQclear(res);
	return rc;
}

/*
 * Contract: db_beside_ask() starts `s` with `params` on a connection of
 * its own (the worker's `beside`, opened for it and closed by
 * db_beside_answer) that sees exactly what the request's transaction
 * sees (beside_open).  The request's own connection is free meanwhile:
 * a report runs its halves on the two cores.  Returns -1 when that
 * connection cannot be had -- the caller runs `s` itself (a failure of
 * the request's own connection is recorded in `r`, as db_exec records
 * it; one of the second's is only logged).  Returns 0 when started:
 * then db_beside_answer() must follow.
 */
int
db_beside_ask(struct req *r, struct stmt *s, const char *const *params)
{
	struct db	*b = &r->w->beside;

	if (beside_open(r, b, "paicha-beside") == -1)
		return -1;
	if (PQsendQueryParams(b->conn, s->sql, s->nparams, NULL, params,
	    NULL, NULL, 0) != 1) {
		log_warn("request %s: the statement beside did not start: %s",
		    r->id, PQerrorMessage(b->conn));
		db_close(b);
		return -1;
	}
	return 0;
}

/*
 * Contract: db_twin_open() makes `twin` a request of the same user,
 * session, scope and id as `r`, on a connection of its own in r's
 * snapshot (beside_open), for a thread of r's handler: every db_*
 * function takes it as it takes r, and sees what r sees, read only.
 * Returns 0, then db_twin_close() must follow (it ends the connection
 * and frees what this made); or -1 when that connection cannot be had,
 * with nothing to close -- the caller does the work on r itself.  A
 * twin whose statement failed must run no other: its connection is
 * closed, and a new one would have neither the snapshot nor the scope.
 */
int
db_twin_open(struct req *r, struct req *twin)
{
	memset(twin, 0, sizeof(*twin));
	if ((twin->w = calloc(1, sizeof(*twin->w))) == NULL)
		return -1;
	if (beside_open(r, &twin->w->db, "paicha-twin") == -1) {
		free(twin->w);
		twin->w = NULL;
		return -1;
	}
	twin->w->index = r->w->index;
	memcpy(twin->id, r->id, sizeof(twin->id));
	twin->method = r->method;
	twin->path = r->path;
	twin->user = r->user;
	twin->authed = r->authed;
	memcpy(twin->session, r->session, sizeof(twin->session));
	twin->start = r->start;
	return 0;
}

void
db_twin_close(struct req *twin)
{
	if (twin->w == NULL)
		return;
	rollback_one(&twin->w->db);
	db_close(&twin->w->db);
	free(twin->w);
	twin->w = NULL;
}

/*
 * The result of the statement db_beside_ask started (the caller clears
 * it), or NULL when it failed (logged; nothing recorded in `r`: the
 * caller runs the statement itself).  Closes the connection beside.
 */
PGresult *
db_beside_answer(struct req *r)
{
	struct db	*b = &r->w->beside;
	PGresult	*res, *rest;

	if (b->conn == NULL)
		return NULL;
	res = PQgetResult(b->conn);
	while ((rest = PQgetResult(b->conn)) != NULL)
		PQclear(rest);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_warn("request %s: the statement beside failed: %s",
		    r->id, PQerrorMessage(b->conn));
		PQclear(res);
		res = NULL;
	}
	db_close(b);
	return res;
}

/* db_exec for statements whose rows are not needed: 0 or -1. */
int
db_exec_ok(struct req *r, struct stmt *s, const char *const *params)
{
	PGresult	*res;

	if ((res = db_exec(r, s, params)) == NULL)
		return -1;
	PQclear(res);
	return 0;
}

/* Run a constant utility command (BEGIN, COMMIT, ROLLBACK). */
static int
db_command(struct req *r, const char *cmd)
{
	struct db	*db = &r->w->db;
	PGresult	*res;
	int		 idle;

	r->fault = FAULT_NONE;
	if (db_connect(db) == -1) {
		r->fault = FAULT_LOST;
		return -1;
	}
	idle = PQtransactionStatus(db->conn) == PQTRANS_IDLE;
	res = PQexec(db->conn, cmd);
	if (PQresultStatus(res) == PGRES_COMMAND_OK) {
		PQclear(res);
		return 0;
	}
	db_fail(r, db, res, cmd);
	PQclear(res);
	/* The replica went away before anything began: to the primary. */
	if (r->fault == FAULT_LOST && idle && r->on_replica)
		replica_leave(r);
	/* BEGIN on a stale connection: nothing happened yet, go again. */
	if (r->fault == FAULT_LOST && idle && strncmp(cmd, "BEGIN", 5) == 0 &&
	    db_connect(db) == 0) {
		res = PQexec(db->conn, cmd);
		if (PQresultStatus(res) == PGRES_COMMAND_OK) {
			PQclear(res);
			r->fault = FAULT_NONE;
			return 0;
		}
		db_fail(r, db, res, cmd);
		PQclear(res);
	}
	return -1;
}

/*
 * Open a transaction with `begin` (a constant BEGIN command) scoped to
 * the request's user: row-level security reads paicha.region and
 * paicha.user_id for the rest of it.
 */
static int
db_begin_with(struct req *r, const char *begin)
{
	static struct stmt scope = STMT(
	    "SELECT set_config('paicha.region', $1, true),"
	    " set_config('paicha.user_id', $2, true)", 2);
	struct dbq	 q;
	char		 uid[24];
	const char	*p[2];

	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	p[0] = r->authed ? r->user.region : "";
	p[1] = r->authed ? uid : "";
	q.s = &scope;
	q.params = p;
	/* The BEGIN and the scope in one round trip. */
	if (db_pipeline(r, begin, &q, 1) == -1) {
		db_rollback(r);
		return -1;
	}
	db_pipeline_clear(&q, 1);
	return 0;
}

/*
 * Open the request's transaction (the front line does, for the routes
 * that ask): TX_WRITE for changes; TX_SNAPSHOT, read-only on one
 * snapshot, for readers that take many statements to go through the
 * data (verify, exports) -- every statement sees the same committed
 * state, so appends racing the reader never look like tampering.
 * Returns 0, or -1 with the failure recorded in `r`.
 */
int
db_begin(struct req *r, enum tx tx)
{
	switch (tx) {
	case TX_WRITE:
		return db_begin_with(r, "BEGIN");
	case TX_SNAPSHOT:
		return db_begin_with(r,
		    "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
	case TX__MAX:
		break;
	}
	return -1;
}

/* Whether the request's connection has a transaction open. */
int
db_in_transaction(struct req *r)
{
	struct db	*db = &r->w->db;

	return db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK &&
	    PQtransactionStatus(db->conn) != PQTRANS_IDLE;
}

/*
 * Commit.  Returns 0 only when the server confirmed the commit; a lost
 * connection leaves the outcome unknown (r->fault is FAULT_LOST: 503).
 */
int
db_commit(struct req *r)
{
	return db_command(r, "COMMIT");
}

static void
rollback_one(struct db *db)
{
	PGresult	*res;

	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK ||
	    PQtransactionStatus(db->conn) == PQTRANS_IDLE)
		return;
	res = PQexec(db->conn, "ROLLBACK");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		db_close(db);
	PQclear(res);
}

/* End whatever transaction the request left open, on either connection. */
void
db_rollback(struct req *r)
{
	rollback_one(&r->w->db);
	rollback_one(&r->w->spare);
}

/* Swap the worker's connections: the request moves to the other one. */
static void
db_swap(struct req *r)
{
	struct db	 t = r->w->db;

	r->w->db = r->w->spare;
	r->w->spare = t;
	r->on_replica = !r->on_replica;
}

/*
 * The end of a request's use of the database: nothing left open on
 * either connection, and the primary's back in r->w->db.
 */
void
db_release(struct req *r)
{
	db_rollback(r);
	if (r->on_replica)
		db_swap(r);
}

/* Whether the database answers: 0 or -1. */
int
db_ping(struct req *r)
{
	static struct stmt ping = STMT("SELECT 1", 0);

	return db_exec_ok(r, &ping, NULL);
}

/* ------------------------------------------------------------------ */
/* The read replica                                                   */
/* ------------------------------------------------------------------ */

/*
 * Contract: db_route_replica() is the one place that decides whether a
 * request reads from the replica.  The router calls it, before the
 * handler, for the routes flagged EP_REPLICA (reads only: a write there
 * fails on a replica).  It sends the request to the replica when all of
 * these hold, else leaves it on the primary and counts why:
 *
 *  - a replica is configured and connects (a failed connection is not
 *    tried again for REPLICA_RETRY seconds), and it is a standby;
 *  - it has replayed the session's last write (r->wrote_lsn, written by
 *    session_wrote() after every write of the session, on any instance
 *    of the service): a read right after one's own write sees it;
 *  - it is at most cfg.replica_max_lag seconds behind: none, when it
 *    has replayed what the primary had flushed when this request was
 *    authenticated (r->primary_lsn), else the age of the last
 *    transaction it replayed (an overestimate after a quiet spell:
 *    such a request reads from the primary).
 *
 * The same statement scopes the replica connection to the request's
 * user, as session_open() does the primary's: row-level security and
 * the handlers' queries see the same scope on either.  Sending the
 * request there swaps the worker's connections (struct worker), so
 * everything that uses r->w->db -- db_exec, transactions, streams --
 * reads from the replica until db_release() swaps them back.
 *
 * A replica that fails later in the request (connection lost, a
 * statement cancelled for a conflict with recovery) hands the rest to
 * the primary when no transaction was open (db_exec, db_command).
 */
void
db_route_replica(struct req *r)
{
	static const char check[] =
	    "SELECT set_config('paicha.region', $1, false) AS region,"
	    " set_config('paicha.user_id', $2, false) AS user_id,"
	    " set_config('paicha.session', $5, false) AS session,"
	    " pg_is_in_recovery() AS standby,"
	    " coalesce(pg_last_wal_replay_lsn() >= $3::pg_lsn, false) AS own,"
	    " CASE WHEN pg_last_wal_replay_lsn() >= $4::pg_lsn THEN 0"
	    "  ELSE extract(epoch FROM clock_timestamp() -"
	    "   pg_last_xact_replay_timestamp()) END AS lag";
	struct db	*rep = &r->w->spare;
	const char	*p[5];
	char		 uid[24];
	PGresult	*res = NULL;
	time_t		 now;
	double		 lag;

	if (rep->url == NULL || !r->authed || r->on_replica)
		return;
	now = time(NULL);
	if (rep->retry_at > now || db_connect(rep) == -1) {
		if (rep->retry_at <= now)
			rep->retry_at = now + REPLICA_RETRY;
		metrics_replica_miss(MISS_DOWN);
		return;
	}
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	p[0] = r->user.region;
	p[1] = uid;
	p[2] = r->wrote_lsn[0] != '\0' ? r->wrote_lsn : "0/0";
	p[3] = r->primary_lsn[0] != '\0' ? r->primary_lsn : "FFFFFFFF/FFFFFFFF";
	p[4] = r->session;
	res = PQexecParams(rep->conn, check, 5, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		log_warn("request %s: replica check failed: %s", r->id,
		    PQerrorMessage(rep->conn));
		if (PQstatus(rep->conn) != CONNECTION_OK) {
			db_close(rep);
			rep->retry_at = now + REPLICA_RETRY;
		}
		metrics_replica_miss(MISS_DOWN);
		goto out;
	}
	if (strcmp(db_get(res, 0, "standby"), "t") != 0) {
		metrics_replica_miss(MISS_DOWN);
		goto out;
	}
	if (strcmp(db_get(res, 0, "own"), "t") != 0) {
		metrics_replica_miss(MISS_OWN_WRITE);
		goto out;
	}
	lag = db_isnull(res, 0, "lag") ? INFINITY :
	    strtod(db_get(res, 0, "lag"), NULL);
	if (!(lag <= (double)cfg.replica_max_lag)) {
		metrics_replica_miss(MISS_LAG);
		goto out;
	}
	db_swap(r);
	metrics_replica_read();
out:
	PQclear(res);
}

/* The replica failed this request: the primary takes the rest. */
static void
replica_leave(struct req *r)
{
	log_warn("request %s: the replica failed (%s): reading from the "
	    "primary", r->id, r->sqlstate);
	db_swap(r);
	if (r->w->spare.conn == NULL)
		r->w->spare.retry_at = time(NULL) + REPLICA_RETRY;
	metrics_replica_miss(MISS_DOWN);
}

/*
 * For /metrics: whether the replica answers as a standby, and how far
 * behind the primary it is, in seconds and bytes of WAL (NaN when it
 * cannot be told).  Nothing when no replica is configured.
 */
void
db_replica_probe(struct req *r)
{
	static struct stmt flushed = STMT(
	    "SELECT pg_current_wal_flush_lsn() AS lsn", 0);
	static const char behind[] =
	    "SELECT pg_is_in_recovery() AS standby,"
	    " greatest(pg_wal_lsn_diff($1::pg_lsn, pg_last_wal_replay_lsn()),"
	    "  0) AS bytes,"
	    " CASE WHEN pg_last_wal_replay_lsn() >= $1::pg_lsn THEN 0"
	    "  ELSE extract(epoch FROM clock_timestamp() -"
	    "   pg_last_xact_replay_timestamp()) END AS lag";
	struct db	*rep = &r->w->spare;
	PGresult	*pres = NULL, *res = NULL;
	const char	*p[1];
	double		 lag = NAN, bytes = NAN;
	int		 up = 0;

	if (rep->url == NULL)
		return;
	if ((pres = db_exec(r, &flushed, NULL)) == NULL)
		goto out;
	if (db_connect(rep) == -1)
		goto out;
	p[0] = db_get(pres, 0, "lsn");
	res = PQexecParams(rep->conn, behind, 1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		if (PQstatus(rep->conn) != CONNECTION_OK)
			db_close(rep);
		goto out;
	}
	up = strcmp(db_get(res, 0, "standby"), "t") == 0;
	if (up && !db_isnull(res, 0, "lag"))
		lag = strtod(db_get(res, 0, "lag"), NULL);
	if (up && !db_isnull(res, 0, "bytes"))
		bytes = strtod(db_get(res, 0, "bytes"), NULL);
out:
	metrics_replica_state(up, lag, bytes);
	PQclear(res);
	PQclear(pres);
}

/* ------------------------------------------------------------------ */
/* Reading results by column name                                     */
/* ------------------------------------------------------------------ */

int
db_col(const PGresult *res, const char *name)
{
	int	 c = PQfnumber(res, name);

	if (c < 0) {
		log_error("result has no column %s", name);
		abort();
	}
	return c;
}

const char *
db_get(const PGresult *res, int row, const char *name)
{
	return PQgetvalue(res, row, db_col(res, name));
}

int
db_isnull(const PGresult *res, int row, const char *name)
{
	return PQgetisnull(res, row, db_col(res, name));
}

/* The column as a new JSON string, or JSON null for SQL NULL. */
json_t *
db_json_text(const PGresult *res, int row, const char *name)
{
	return db_isnull(res, row, name) ? json_null() :
	    json_string(db_get(res, row, name));
}
