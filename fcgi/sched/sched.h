/*
 * sched.h: time-driven work (DESIGN.md Part 2, "Time-driven work") --
 * the scheduler, a thread of the serve process, and its jobs.
 *
 *	sched.c		the thread, the table of jobs, one round of a job
 *	reminders.c	deadline_soon, overdue and escalated notifications
 *	tallies.c	the dashboard's counts
 *	webhooks.c	the webhooks' deliveries (libcurl)
 *
 * A job is a row in sched_jobs (sql/0053_scheduler.sql) and a row in
 * sched_jobs_table[] here: its name and its batch function.  A round of
 * a job is a series of small transactions, each one batch:
 *
 *	BEGIN; sched_claim(name) -- the job's advisory lock, held to the
 *	end of the transaction (another instance holding it: skip), and
 *	the database's clock; the batch; sched_done(); COMMIT
 *
 * A batch does at most `limit` items, each marked done in its own
 * transaction and driven by an index, so a batch that dies (a killed
 * instance, a lost connection) leaves nothing half done and the next
 * claim of the job does it again; a maker of notifications inserts with
 * ON CONFLICT DO NOTHING on (user, kind, fact), so nothing is made
 * twice.  A new job (say, webhook delivery) is one more enum value, one
 * more row in the table and in sched_jobs, and its batch function.
 */
#ifndef PAICHA_SCHED_H
#define PAICHA_SCHED_H

struct req;

enum sched_job {
	SCHED_DEADLINE_REMINDERS,	/* reminders.c */
	SCHED_DASHBOARD_TALLIES,	/* tallies.c */
	SCHED_WEBHOOK_DELIVERY,		/* webhooks.c */
	SCHED__MAX
};

/*
 * One batch of a job, in the request's open transaction, at the
 * database's clock `now_us` (Unix microseconds): at most `limit` items.
 * Returns the items done and sets *more when the job has more to do now,
 * or -1 with the failure recorded in `r`.
 */
typedef long	(*sched_batch_fn)(struct req *, long long now_us, long limit,
		    int *more);

struct sched_job_def {
	const char	*name;		/* its row in sched_jobs */
	sched_batch_fn	 batch;
};

extern const struct sched_job_def sched_jobs_table[SCHED__MAX];

long	 sched_round(struct req *, enum sched_job, long limit, long hold_ms);
int	 sched_start(void);
void	 sched_stop(void);

/* reminders.c, tallies.c, webhooks.c */
long	 reminders_batch(struct req *, long long, long, int *);
long	 tallies_batch(struct req *, long long, long, int *);
long	 webhooks_batch(struct req *, long long, long, int *);

#endif /* PAICHA_SCHED_H */
