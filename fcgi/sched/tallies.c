/*
 * tallies.c: the job dashboard_tallies -- the counts the coordinator's
 * dashboard reads (resources/dashboard.c), kept per campaign and region
 * by the database (dashboard_tally_batch(), sql/0055_dashboard.sql):
 * each batch recomputes at most `limit` (campaign, region) pairs that
 * changed since the job's last round, or, once an hour and after a bulk
 * load, every pair.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/base.h"
#include "../front/front.h"
#include "sched.h"

/* See sched.h (sched_batch_fn). */
long
tallies_batch(struct req *r, long long now_us, long limit, int *more)
{
	static struct stmt batch = STMT(
	    "SELECT n, more FROM dashboard_tally_batch("
	    "to_timestamp($1::double precision / 1000000), $2::integer)", 2);
	char		 now[24], lim[24];
	const char	*p[2];
	PGresult	*res;
	long		 n;

	snprintf(now, sizeof(now), "%lld", now_us);
	snprintf(lim, sizeof(lim), "%ld", limit);
	p[0] = now;
	p[1] = lim;
	if ((res = db_exec(r, &batch, p)) == NULL)
		return -1;
	n = strtol(db_get(res, 0, "n"), NULL, 10);
	*more = strcmp(db_get(res, 0, "more"), "t") == 0;
	PQclear(res);
	return n;
}
