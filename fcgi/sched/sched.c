/*
 * sched.c: the scheduler -- a thread of the serve process that, every
 * cfg.sched_interval seconds (0: never), runs a round of each job of
 * sched_jobs_table[] (sched.h), one batch per transaction under the
 * job's advisory lock (sql/0053_scheduler.sql).  Any number of
 * instances run it; for each batch at most one of them holds the lock,
 * the others skip the job until their next look.
 *
 * Its connection is its own, named "paicha-sched-<pid>" (the
 * application_name: sched_jobs.last_by and pg_stat_activity say which
 * instance is at work).  Like the checkpointer (ledger/checkpoint.c) it
 * stops between rounds, letting a batch in progress finish.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../base/base.h"
#include "../front/front.h"
#include "sched.h"

const struct sched_job_def sched_jobs_table[SCHED__MAX] = {
	[SCHED_DEADLINE_REMINDERS] = { "deadline_reminders", reminders_batch },
	[SCHED_DASHBOARD_TALLIES] = { "dashboard_tallies", tallies_batch },
	[SCHED_WEBHOOK_DELIVERY] = { "webhook_delivery", webhooks_batch },
};

static void	 sched_rounds(struct background *, struct req *);

static struct background thread = {
	.name = "sched",
	.interval = &cfg.sched_interval,
	.round = sched_rounds,
	.mu = PTHREAD_MUTEX_INITIALIZER,
};
static char		 app_name[64];

/* Sleep `ms` milliseconds (the test hook that holds a batch open). */
static void
hold(long ms)
{
	struct timespec	 t = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&t, &t) == -1 && errno == EINTR)
		continue;
}

/*
 * Record a failed batch of `job` on its row, in a transaction of its
 * own (the batch's rolled back).  Best effort: logged either way.
 */
static void
batch_failed(struct req *r, const char *job)
{
	static struct stmt failed = STMT("SELECT sched_failed($1, $2)", 2);
	char		 why[64];
	const char	*p[2];

	snprintf(why, sizeof(why), "database failure %s", r->fault ==
	    FAULT_LOST ? "(connection lost)" : r->sqlstate);
	log_error("sched: job %s: %s", job, why);
	p[0] = job;
	p[1] = why;
	(void)db_exec_ok(r, &failed, p);
}

/*
 * A round of job `j`: batches of at most `limit` items, each in its own
 * transaction opened here on r->w->db and committed here (the
 * scheduler is its own front line), while the job has more to do, this
 * instance wins its lock and sched_stop() was not called.  `hold_ms`
 * keeps each batch's transaction open that much longer (tests).
 * Returns the items done, or -1 when a batch failed (logged, and noted
 * on the job's row).
 */
long
sched_round(struct req *r, enum sched_job j, long limit, long hold_ms)
{
	static struct stmt claim = STMT(
	    "SELECT got, floor(extract(epoch FROM now_) * 1000000)::bigint"
	    " AS now_us FROM sched_claim($1)", 1);
	static struct stmt done = STMT(
	    "SELECT sched_done($1, $2, $3)", 3);
	const struct sched_job_def	*def = &sched_jobs_table[j];
	const char			*p[3];
	char				 items[24];
	PGresult			*res;
	long long			 now;
	long				 n, total = 0;
	int				 got, more;

	do {
		if (db_begin(r, TX_WRITE) == -1)
			goto fail;
		p[0] = def->name;
		if ((res = db_exec(r, &claim, p)) == NULL)
			goto fail;
		got = strcmp(db_get(res, 0, "got"), "t") == 0;
		now = strtoll(db_get(res, 0, "now_us"), NULL, 10);
		PQclear(res);
		if (!got)
			break;
		more = 0;
		if ((n = def->batch(r, now, limit, &more)) == -1)
			goto fail;
		if (hold_ms > 0)
			hold(hold_ms);
		snprintf(items, sizeof(items), "%ld", n);
		p[1] = items;
		p[2] = more ? "false" : "true";
		if (db_exec_ok(r, &done, p) == -1 || db_commit(r) == -1)
			goto fail;
		total += n;
		if (n > 0)
			log_info("sched: job %s: %ld items", def->name, n);
	} while (more && !background_stopping(&thread));
	db_rollback(r);
	return total;
fail:
	db_rollback(r);
	batch_failed(r, def->name);
	return -1;
}

/* ------------------------------------------------------------------ */
/* The thread                                                         */
/* ------------------------------------------------------------------ */

/* The thread's round: a round of each job, unless stopped. */
static void
sched_rounds(struct background *b, struct req *r)
{
	int	 j;

	for (j = 0; j < SCHED__MAX && !background_stopping(b); j++) {
		background_req(b, r, sched_jobs_table[j].name);
		(void)sched_round(r, (enum sched_job)j, cfg.sched_batch,
		    cfg.sched_hold_ms);
	}
}

/*
 * Start the scheduler unless cfg.sched_interval is 0.  Returns 0
 * (started, or deliberately not: logged), or -1 when the thread could
 * not be made.
 */
int
sched_start(void)
{
	if (cfg.sched_interval == 0) {
		log_info("scheduler disabled (sched_interval = 0)");
		return 0;
	}
	snprintf(app_name, sizeof(app_name), "paicha-sched-%ld",
	    (long)getpid());
	if (background_start(&thread, -2, app_name) == -1)
		return -1;
	log_info("scheduler every %ld s, %ld items a batch",
	    cfg.sched_interval, cfg.sched_batch);
	return 0;
}

/* Stop the scheduler, letting a batch in progress finish. */
void
sched_stop(void)
{
	background_stop(&thread);
}
