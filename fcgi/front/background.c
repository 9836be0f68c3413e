/*
 * background.c: a thread of the serve process that runs a job's rounds
 * every so many seconds on a database connection of its own, and stops
 * between rounds, letting the round in progress finish -- the
 * checkpointer (ledger/checkpoint.c) and the scheduler (sched/sched.c).
 *
 *	background_start	make the thread (its first round at once)
 *	background_stop		ask it to stop, wake it, wait for it
 *	background_stopping	whether stop was asked (a long round looks)
 *	background_req		a cleared request on the thread's connection
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../base/base.h"
#include "front.h"

/* Whether background_stop() has been called for `b`. */
int
background_stopping(struct background *b)
{
	int	 s;

	pthread_mutex_lock(&b->mu);
	s = b->stop;
	pthread_mutex_unlock(&b->mu);
	return s;
}

/*
 * Clear `r` for the next piece of `b`'s work: on the thread's
 * connection, named "<name>" or "<name>-<part>" (the log's request id).
 */
void
background_req(struct background *b, struct req *r, const char *part)
{
	memset(r, 0, sizeof(*r));
	r->w = b->w;
	snprintf(r->id, sizeof(r->id), "%s%s%s", b->name, part != NULL ?
	    "-" : "", part != NULL ? part : "");
}

/*
 * The thread: a round, then a wait of *b->interval seconds that
 * background_stop() cuts short, until stopped.  Each round gets a
 * cleared request on the thread's connection, named after the job.
 */
static void *
background_main(void *arg)
{
	struct background	*b = arg;
	struct req		*r;
	struct timespec		 until;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		log_error("%s: out of memory", b->name);
		return NULL;
	}
	pthread_mutex_lock(&b->mu);
	while (!b->stop) {
		pthread_mutex_unlock(&b->mu);
		background_req(b, r, NULL);
		b->round(b, r);
		pthread_mutex_lock(&b->mu);
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += *b->interval;
		while (!b->stop &&
		    pthread_cond_timedwait(&b->cv, &b->mu, &until) == 0)
			continue;
	}
	pthread_mutex_unlock(&b->mu);
	db_close(&b->w->db);
	free(r);
	return NULL;
}

/*
 * Start `b`'s thread (b->mu statically initialised, so that
 * background_stopping() answers before a start too), its worker numbered
 * `index` (negative: no request worker's) on cfg.database_url, the
 * connection named `app` (NULL: the default).  Returns 0, or -1 (logged)
 * when it could not be made.
 */
int
background_start(struct background *b, int index, const char *app)
{
	pthread_condattr_t	 ca;

	if ((b->w = calloc(1, sizeof(*b->w))) == NULL) {
		log_error("%s: out of memory", b->name);
		return -1;
	}
	b->w->index = index;
	b->w->db.url = cfg.database_url;
	b->w->db.app = app;
	b->stop = 0;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&b->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&b->thread, NULL, background_main, b) != 0) {
		log_error("could not start the %s thread", b->name);
		free(b->w);
		b->w = NULL;
		return -1;
	}
	b->running = 1;
	return 0;
}

/* Stop `b`'s thread if it runs, letting a round in progress finish. */
void
background_stop(struct background *b)
{
	if (!b->running)
		return;
	pthread_mutex_lock(&b->mu);
	b->stop = 1;
	pthread_cond_signal(&b->cv);
	pthread_mutex_unlock(&b->mu);
	pthread_join(b->thread, NULL);
	free(b->w);
	b->w = NULL;
	b->running = 0;
}
