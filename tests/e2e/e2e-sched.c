/*
 * e2e-sched.c: the scheduler with two service instances (a stack of its
 * own: PAICHA_INSTANCES=2), each sweeping every second, in batches of
 * four that hold their transaction open a while (PAICHA_SCHED_BATCH,
 * PAICHA_SCHED_HOLD_MS: the test's hooks), so that a sweep is long.
 *
 * 24 cases' deadlines are made due at once -- 12 soon, 12 forty days
 * overdue -- while the job is disabled; then it is enabled, and as soon
 * as part of the work is committed, the instance holding the job's
 * advisory lock is killed (its supervisor and its worker, SIGKILL) in
 * the middle of a batch.  What must hold:
 *
 *  - the killed batch leaves nothing: its transaction dies with its
 *    connection, and its lock with it;
 *  - the other instance takes the job over and finishes it;
 *  - every notification due is made -- 12 deadline_soon and 12 overdue
 *    to the assignee, 12 escalated to the Beijing coordinator -- and
 *    none twice: one per (user, kind, fact).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "instance.h"

#define NCASES	24

static struct inst	 S;

static int
setup(void **state)
{
	(void)state;
	inst_up(&S, "sched", "PAICHA_INSTANCES=2 PAICHA_THREADS=4"
	    " PAICHA_SCHED_INTERVAL=1 PAICHA_SCHED_BATCH=4"
	    " PAICHA_SCHED_HOLD_MS=400");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	inst_stop(&S);
	return 0;
}

static long
num(PGconn *db, const char *sql)
{
	char	*v = db_value(db, sql, NULL);
	long	 n;

	assert_non_null(v);
	n = atol(v);
	free(v);
	return n;
}

/* Our deadlines' marks: those reminded, overdue and escalated, summed. */
static long
marked(PGconn *db, const char *ids)
{
	char	*sql = fmt("SELECT count(reminded_at) + count(overdue_at) +"
	    " count(escalated_at) FROM case_deadlines WHERE case_id = ANY"
	    " ('{%s}')", ids);
	long	 n = num(db, sql);

	free(sql);
	return n;
}

static void
test_lock_holder_killed_mid_sweep(void **state)
{
	struct client	*o = inst_login(&S, "officer.bj");
	struct resp	 r;
	PGconn		*db = inst_db(&S, "postgres", 0);
	char		 ids[NCASES * 24] = "", *sql, *holder, *pid[2], *sup;
	long		 before, n;
	long long	 ent, id;
	pid_t		 victim = 0, vsup;
	double		 t0;
	int		 i, k = 0;

	(void)state;
	db_do(db, "UPDATE sched_jobs SET enabled = false"
	    " WHERE name = 'deadline_reminders'");
	ent = inst_enterprise(&S, "110101", "北京东城调度测试厂");
	for (i = 0; i < NCASES; i++) {
		http_json(o, "POST", "/api/v1/cases", json_pack("{s:I, s:i,"
		    " s:s, s:s, s:s, s:s}", "enterprise_id", (json_int_t)ent,
		    "campaign_id", 2026, "category", "cement", "domain",
		    "production", "source", "spot_check", "problem", "调度"),
		    NULL, &r);
		assert_status(&r, 201);
		id = json_integer_value(json_object_get(r.json, "id"));
		resp_free(&r);
		snprintf(ids + strlen(ids), sizeof(ids) - strlen(ids), "%s%lld",
		    i > 0 ? "," : "", id);
	}
	/* Half due in three hours, half forty days ago. */
	sql = fmt("UPDATE case_deadlines d SET due_at = CASE WHEN x.n %% 2 = 0"
	    " THEN now() + interval '3 hours' ELSE now() - interval '40 days'"
	    " END FROM (SELECT case_id, row_number() OVER (ORDER BY case_id)"
	    " AS n FROM case_deadlines WHERE case_id = ANY ('{%s}')) x"
	    " WHERE d.case_id = x.case_id", ids);
	db_do(db, sql);
	free(sql);
	assert_int_equal(marked(db, ids), 0);

	pid[0] = inst_run_out(&S, "service-pid 1");
	pid[1] = inst_run_out(&S, "service-pid 2");
	assert_non_null(pid[0]);
	assert_non_null(pid[1]);
	db_do(db, "UPDATE sched_jobs SET enabled = true"
	    " WHERE name = 'deadline_reminders'");

	/*
	 * Once some of the work is committed and not all, find the holder
	 * of the job's lock -- mid-batch, by the hold -- and kill it.
	 */
	t0 = now_seconds();
	for (;;) {
		before = marked(db, ids);
		holder = db_value(db, "SELECT a.application_name"
		    " FROM pg_locks l"
		    " JOIN pg_stat_activity a ON a.pid = l.pid"
		    " WHERE l.locktype = 'advisory' AND l.granted"
		    " AND a.application_name LIKE 'paicha-sched-%'"
		    " AND l.objid = (sched_lock_key('deadline_reminders')"
		    "   & 4294967295)::oid LIMIT 1", NULL);
		if (holder != NULL && before > 0 && before < 2 * NCASES) {
			victim = (pid_t)atol(holder + strlen("paicha-sched-"));
			break;
		}
		free(holder);
		if (now_seconds() - t0 > 60)
			fail_msg("no lock holder seen mid-sweep (marks: %ld)",
			    before);
		usleep(20000);
	}
	if (victim == (pid_t)atol(pid[0]))
		k = 1;
	else if (victim == (pid_t)atol(pid[1]))
		k = 2;
	else
		fail_msg("the lock holder %s is neither instance (%s, %s)",
		    holder, pid[0], pid[1]);
	free(holder);
	sql = fmt("service-supervisor-pid %d", k);
	sup = inst_run_out(&S, sql);
	free(sql);
	assert_non_null(sup);
	vsup = (pid_t)atol(sup);
	kill(-vsup, SIGKILL);
	kill(vsup, SIGKILL);
	kill(victim, SIGKILL);
	printf("sched: killed instance %d (worker %ld) holding the lock with"
	    " %ld of %d marks committed\n", k, (long)victim, before,
	    2 * NCASES);

	/* The other instance finishes the job. */
	t0 = now_seconds();
	while ((n = marked(db, ids)) < 2 * NCASES) {
		if (now_seconds() - t0 > 90)
			fail_msg("only %ld of %d marks 90 s after the kill", n,
			    2 * NCASES);
		usleep(200000);
	}
	assert_int_equal(kill(victim, 0) == -1 && errno == ESRCH, 1);
	sql = fmt("SELECT count(*) FROM notifications WHERE case_id = ANY"
	    " ('{%s}')", ids);
	assert_int_equal(num(db, sql), 3 * NCASES / 2);
	free(sql);
	/* Each kind to whom it is due, each once. */
	sql = fmt("SELECT count(*) FROM notifications n JOIN users u"
	    " ON u.id = n.user_id WHERE n.case_id = ANY ('{%s}') AND ((n.kind"
	    " IN ('deadline_soon', 'overdue') AND u.username = 'officer.bj')"
	    " OR (n.kind = 'escalated' AND u.username = 'coord.bj'))", ids);
	assert_int_equal(num(db, sql), 3 * NCASES / 2);
	free(sql);
	sql = fmt("SELECT count(*) FROM (SELECT 1 FROM notifications"
	    " WHERE case_id = ANY ('{%s}') GROUP BY user_id, kind, fact"
	    " HAVING count(*) > 1) x", ids);
	assert_int_equal(num(db, sql), 0);
	free(sql);
	sql = fmt("SELECT count(DISTINCT fact) FROM notifications WHERE"
	    " case_id = ANY ('{%s}') AND kind = 'deadline_soon'", ids);
	assert_int_equal(num(db, sql), NCASES / 2);
	free(sql);
	/* The survivor did the last batch. */
	holder = db_value(db, "SELECT last_by FROM sched_jobs"
	    " WHERE name = 'deadline_reminders'", NULL);
	assert_non_null(holder);
	assert_int_not_equal(atol(holder + strlen("paicha-sched-")), victim);
	printf("sched: finished by %s\n", holder);
	free(holder);
	free(sup);
	free(pid[0]);
	free(pid[1]);
	client_free(o);
	PQfinish(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lock_holder_killed_mid_sweep),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("e2e-sched", tests, setup,
	    teardown);
}
