/*
 * e2e-replica.c: a primary and a streaming replica (PAICHA_REPLICA=1, an
 * instance of its own).  Routes flagged EP_REPLICA read from the
 * replica; a user's read right after their own write reads from the
 * primary; a replica that lags too far or is down is passed over.
 *
 * The proof that the replica answers, not the primary: its replay is
 * paused, someone writes, and another user's read does not show the
 * write while the writer's does.  Only a read from the replica can miss
 * a committed row.  The replica's own transaction counters moving with
 * the reads are printed beside it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "instance.h"

#define MAX_LAG		5	/* PAICHA_REPLICA_MAX_LAG for this stack */

static struct inst	 S;
static struct client	*officer, *auditor;
static long long	 case_id;
static int		 case_version;

static int
setup(void **state)
{
	struct resp	 r;
	long long	 ent;

	inst_up(&S, "replica", "PAICHA_REPLICA=1 PAICHA_THREADS=4"
	    " PAICHA_REPLICA_MAX_LAG=5");
	officer = inst_login(&S, "officer.bj");
	auditor = inst_login(&S, "auditor.bj");
	ent = inst_enterprise(&S, "110101", "北京东城副本测试厂");
	http_json(officer, "POST", "/api/v1/cases", json_pack("{s:I, s:i,"
	    " s:s, s:s, s:s, s:s}", "enterprise_id", (json_int_t)ent,
	    "campaign_id", 2026, "category", "cement", "domain", "production",
	    "source", "spot_check", "problem", "副本测试"), NULL, &r);
	assert_status(&r, 201);
	case_id = json_integer_value(json_object_get(r.json, "id"));
	case_version = (int)json_integer_value(json_object_get(r.json,
	    "version"));
	resp_free(&r);
	return 0;
}

static int
teardown(void **state)
{
	client_free(officer);
	client_free(auditor);
	inst_stop(&S);
	return 0;
}

/* How many events the case's history shows `c` (asserting a 200). */
static int
events(struct client *c)
{
	char		*path = fmt("/api/v1/cases/%lld/events", case_id);
	struct resp	 r;
	int		 n;

	http_get(c, path, &r);
	assert_status(&r, 200);
	n = (int)json_array_size(json_object_get(r.json, "items"));
	resp_free(&r);
	free(path);
	return n;
}

/* The officer adds a note; asserts it applied. */
static void
note(const char *text)
{
	char		*path = fmt("/api/v1/cases/%lld/transitions", case_id);
	char		*im = fmt("If-Match: \"%d\"", case_version);
	const char	*h[2] = { im, NULL };
	struct resp	 r;

	http_json(officer, "POST", path, json_pack("{s:s, s:{s:s}}", "event",
	    "add_note", "payload", "text", text), h, &r);
	assert_status(&r, 200);
	case_version = (int)json_integer_value(json_object_get(r.json,
	    "version"));
	resp_free(&r);
	free(im);
	free(path);
}

/* A sample's value from /metrics ("name" or "name{labels}"), or -1. */
static double
metric(const char *name)
{
	struct client	*c = client_new_at(S.url, S.ca);
	struct resp	 r;
	const char	*p;
	double		 v = -1;
	size_t		 n = strlen(name);

	http_get(c, "/metrics", &r);
	assert_status(&r, 200);
	for (p = r.body; p != NULL && *p != '\0'; p = strchr(p, '\n'),
	    p = p != NULL ? p + 1 : NULL)
		if (strncmp(p, name, n) == 0 && p[n] == ' ') {
			v = strtod(p + n + 1, NULL);
			break;
		}
	resp_free(&r);
	client_free(c);
	return v;
}

/* The replica has replayed all the primary has flushed: seconds taken. */
static double
caught_up(void)
{
	PGconn	*p = inst_db(&S, "postgres", 0), *q = inst_db(&S, "postgres", 1);
	char	*lsn = db_value(p, "SELECT pg_current_wal_flush_lsn()", NULL);
	char	*ok = NULL;
	double	 t0 = now_seconds(), t;

	for (;;) {
		free(ok);
		ok = db_value(q, "SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn",
		    lsn, NULL);
		if (ok != NULL && strcmp(ok, "t") == 0)
			break;
		if (now_seconds() - t0 > 20)
			fail_msg("the replica did not replay %s in 20 s", lsn);
		usleep(2000);
	}
	t = now_seconds() - t0;
	free(ok);
	free(lsn);
	PQfinish(p);
	PQfinish(q);
	return t;
}

static long long
replica_xacts(void)
{
	PGconn		*q = inst_db(&S, "postgres", 1);
	char		*v;
	long long	 n;

	v = db_value(q, "SELECT xact_commit FROM pg_stat_database"
	    " WHERE datname = 'paicha'", NULL);
	assert_non_null(v);
	n = strtoll(v, NULL, 10);
	free(v);
	PQfinish(q);
	return n;
}

/* Twenty history reads: the replica answers them, its counters move. */
static void
test_reads_from_replica(void **state)
{
	double		 reads0, reads1;
	long long	 x0, x1 = 0;
	int		 i, tries;

	caught_up();
	assert_int_equal((int)metric("paicha_replica_up"), 1);
	reads0 = metric("paicha_replica_reads_total");
	x0 = replica_xacts();
	for (i = 0; i < 20; i++)
		assert_int_equal(events(auditor), 1);
	reads1 = metric("paicha_replica_reads_total");
	/* Statistics reach pg_stat_database within a second or so. */
	for (tries = 0; tries < 30; tries++) {
		x1 = replica_xacts();
		if (x1 - x0 >= 20)
			break;
		usleep(500000);
	}
	printf("replica: 20 history reads -> paicha_replica_reads_total +%.0f,"
	    " the replica's xact_commit +%lld\n", reads1 - reads0, x1 - x0);
	if (reads1 - reads0 < 20)
		fail_msg("only %.0f of 20 reads came from the replica",
		    reads1 - reads0);
	if (x1 - x0 < 20)
		fail_msg("the replica committed %lld transactions for 20 reads",
		    x1 - x0);
}

/* Pause the replica's WAL replay over `q`; wait (10 s at most) until it is. */
static void
replay_pause(PGconn *q)
{
	double	 t0;
	char	*v;

	db_do(q, "SELECT pg_wal_replay_pause()");
	for (t0 = now_seconds();; usleep(10000)) {
		v = db_value(q, "SELECT pg_get_wal_replay_pause_state()", NULL);
		if (v != NULL && strcmp(v, "paused") == 0)
			break;
		if (now_seconds() - t0 > 10)
			fail_msg("replay did not pause");
		free(v);
	}
	free(v);
}

#define OWN_WRITE	"paicha_replica_fallbacks_total{reason=\"own_write\"}"

/*
 * A write, then at once a read by the writer: each sees its own write,
 * twenty times, with the replica streaming.  Prints how far behind the
 * replica ran.  Whether it had replayed a write by the time of its read
 * is a race, so how many of those reads fell back to the primary for the
 * writer's sake (own_write) can only be bounded: none below zero, at
 * most one per read.  Exactly, then:
 *
 *  - the replica caught up, the writer's reads fall back for its own
 *    writes not once (they are replayed);
 *  - replay paused, every read the writer makes right after a write is
 *    one own_write fallback -- five writes, five -- and reads by another
 *    user, who wrote nothing, none.
 */
static void
test_read_your_writes(void **state)
{
	PGconn	*q;
	double	 own0, own1, worst = 0, sum = 0, t;
	int	 i, n = events(officer);

	own0 = metric(OWN_WRITE);
	assert_true(own0 >= 0);
	for (i = 0; i < 20; i++) {
		note("连续写读");
		assert_int_equal(events(officer), n + i + 1);
		t = caught_up();
		sum += t;
		if (t > worst)
			worst = t;
	}
	own1 = metric(OWN_WRITE);
	printf("replica: 20 writes each read back at once, all seen;"
	    " %.0f of the reads went to the primary for the writer's sake;"
	    " replay caught up %.1f ms after a write on average, %.1f ms at"
	    " worst\n", own1 - own0, sum / 20 * 1e3, worst * 1e3);
	if (own1 - own0 < 0 || own1 - own0 > 20)
		fail_msg("20 reads after their writes made %.0f own_write"
		    " fallbacks: not between 0 and 20", own1 - own0);
	n += 20;

	/* Caught up (the loop's last caught_up()): no fallback. */
	own0 = metric(OWN_WRITE);
	for (i = 0; i < 5; i++)
		assert_int_equal(events(officer), n);
	own1 = metric(OWN_WRITE);
	if (own1 != own0)
		fail_msg("the replica had replayed the writer's writes, yet %.0f"
		    " of 5 reads fell back for them", own1 - own0);

	/* Replay paused: each read after a write falls back, exactly. */
	q = inst_db(&S, "postgres", 1);
	replay_pause(q);
	own0 = metric(OWN_WRITE);
	for (i = 0; i < 5; i++) {
		note("暂停写读");
		assert_int_equal(events(officer), n + i + 1);
		events(auditor);
		events(auditor);
	}
	own1 = metric(OWN_WRITE);
	db_do(q, "SELECT pg_wal_replay_resume()");
	caught_up();
	PQfinish(q);
	printf("replica: replay paused, 5 writes each read back by the"
	    " writer: %.0f own_write fallbacks; 10 reads by the auditor\n",
	    own1 - own0);
	if (own1 - own0 != 5)
		fail_msg("replay paused: 5 reads right after their writes made"
		    " %.0f own_write fallbacks, want exactly 5 (one each, none"
		    " for the auditor's 10)", own1 - own0);
}

/*
 * Replay paused: the writer sees the write, another user does not (the
 * replica answered), until the replica is more than MAX_LAG behind and
 * the primary answers; resumed, the replica answers again.
 */
static void
test_paused_replica(void **state)
{
	PGconn	*q = inst_db(&S, "postgres", 1);
	PGconn	*p = inst_db(&S, "postgres", 0);
	char	*v, *id = fmt("%lld", case_id);
	double	 t0, lag0, lag1, reads0;
	int	 n, primary;

	note("暂停前");
	caught_up();
	n = events(auditor);
	replay_pause(q);
	t0 = now_seconds();
	note("暂停后");
	v = db_value(p, "SELECT count(*) FROM case_events WHERE case_id = $1",
	    id, NULL);
	primary = atoi(v);
	free(v);
	assert_int_equal(primary, n + 1);
	/* The writer: from the primary. */
	assert_int_equal(events(officer), n + 1);
	/* Another user: from the replica, which has not replayed it. */
	if (events(auditor) != n)
		fail_msg("the auditor saw the write the paused replica has not"
		    " replayed: the read did not come from the replica");
	printf("replica: replay paused; after a write the writer sees %d"
	    " events (primary), the auditor %d (replica), %.2f s after the"
	    " pause\n", n + 1, n, now_seconds() - t0);

	/* Past the lag bound the primary answers the auditor too. */
	lag0 = metric("paicha_replica_fallbacks_total{reason=\"lagging\"}");
	while (metric("paicha_replica_lag_seconds") <= MAX_LAG + 0.5) {
		if (now_seconds() - t0 > 30)
			fail_msg("the replica's lag never passed %d s", MAX_LAG);
		usleep(250000);
	}
	assert_int_equal(events(auditor), n + 1);
	lag1 = metric("paicha_replica_fallbacks_total{reason=\"lagging\"}");
	assert_true(lag1 > lag0);
	printf("replica: lag %.1f s > %d s: the auditor's read went to the"
	    " primary and saw the write\n",
	    metric("paicha_replica_lag_seconds"), MAX_LAG);

	db_do(q, "SELECT pg_wal_replay_resume()");
	caught_up();
	reads0 = metric("paicha_replica_reads_total");
	assert_int_equal(events(auditor), n + 1);
	assert_true(metric("paicha_replica_reads_total") > reads0);
	assert_true(metric("paicha_replica_lag_seconds") < 1);
	free(id);
	PQfinish(p);
	PQfinish(q);
}

/* The status of GET `path` for the auditor; the item count in *n. */
static long
audit_get(const char *path, int *n)
{
	struct resp	 r;
	long		 st;

	st = http_get(auditor, path, &r);
	if (n != NULL)
		*n = (int)json_array_size(json_object_get(r.json, "items"));
	resp_free(&r);
	return st;
}

/*
 * The auditors' queries and the campaign form, when this build has
 * them: the replica answers them (its counter moves), and with replay
 * paused the auditors' event query misses a write the primary has.
 */
static void
test_audit_and_form(void **state)
{
	PGconn	*q;
	char	*events = fmt("/api/v1/audit/events?case=%lld", case_id);
	double	 reads0, reads1;
	int	 n, m, have_form, have_audit;

	caught_up();
	reads0 = metric("paicha_replica_reads_total");
	have_form = audit_get("/api/v1/reports/campaign/2026", NULL) == 200;
	have_audit = audit_get(events, &n) == 200;
	reads1 = metric("paicha_replica_reads_total");
	printf("replica: campaign form %s, audit events %s; the replica"
	    " answered %.0f of them\n", have_form ? "served" : "not in this"
	    " build", have_audit ? "served" : "not in this build",
	    reads1 - reads0);
	assert_int_equal((int)(reads1 - reads0), have_form + have_audit);
	if (!have_audit) {
		free(events);
		return;
	}
	/*
	 * A fresh write first: the lag is told from the last transaction
	 * the replica replayed, and after a quiet spell that is old.
	 */
	note("审计前");
	caught_up();
	assert_int_equal(audit_get(events, &n), 200);
	q = inst_db(&S, "postgres", 1);
	replay_pause(q);
	note("审计查询");
	assert_int_equal(audit_get(events, &m), 200);
	if (m != n)
		fail_msg("the audit query saw %d events, the paused replica has"
		    " %d: it did not come from the replica", m, n);
	db_do(q, "SELECT pg_wal_replay_resume()");
	caught_up();
	assert_int_equal(audit_get(events, &m), 200);
	assert_int_equal(m, n + 1);
	printf("replica: with replay paused the auditors' event query showed"
	    " %d events, the primary %d; resumed, %d\n", n, n + 1, m);
	/* Verification streams the whole log in one snapshot: there too. */
	{
		struct resp	 r;

		reads0 = metric("paicha_replica_reads_total");
		http_get(auditor, "/api/v1/audit/verify", &r);
		assert_status(&r, 200);
		assert_true(json_is_true(json_object_get(r.json, "ok")));
		assert_true(metric("paicha_replica_reads_total") == reads0 + 1);
		printf("replica: /api/v1/audit/verify from the replica: %s\n",
		    r.body);
		resp_free(&r);
	}
	free(events);
	PQfinish(q);
}

/* The replica stopped: reads go on from the primary; it comes back. */
static void
test_replica_down(void **state)
{
	double	 down0, reads0, t0;
	int	 n = events(officer), i;

	down0 = metric("paicha_replica_fallbacks_total{reason=\"down\"}");
	assert_int_equal(inst_run(&S, "replica-stop"), 0);
	for (i = 0; i < 10; i++)
		assert_int_equal(events(auditor), n);
	assert_true(metric("paicha_replica_fallbacks_total{reason=\"down\"}")
	    >= down0 + 10);
	assert_int_equal((int)metric("paicha_replica_up"), 0);
	note("副本停机时");
	assert_int_equal(events(auditor), n + 1);

	assert_int_equal(inst_run(&S, "replica-start"), 0);
	caught_up();
	assert_int_equal((int)metric("paicha_replica_up"), 1);
	/* Each thread leaves a failed replica alone for 10 s. */
	reads0 = metric("paicha_replica_reads_total");
	for (t0 = now_seconds(); metric("paicha_replica_reads_total") == reads0;
	    usleep(500000)) {
		if (now_seconds() - t0 > 30)
			fail_msg("the replica answered nothing 30 s after it"
			    " came back");
		assert_int_equal(events(auditor), n + 1);
	}
	printf("replica: stopped, 10 reads from the primary; back, it answers"
	    " again after %.1f s\n", now_seconds() - t0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_from_replica),
		cmocka_unit_test(test_read_your_writes),
		cmocka_unit_test(test_paused_replica),
		cmocka_unit_test(test_audit_and_form),
		cmocka_unit_test(test_replica_down),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests(tests, setup, teardown);
}
