/*
 * metrics.c: counters for GET /metrics in the Prometheus text format --
 * requests by route and status, a latency histogram, database errors,
 * and with a read replica its state and what it served.
 * Lock-free: relaxed atomic adds on the request path.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/base.h"
#include "front.h"

#define MAX_ROUTES	128

static const int codes[] = {
	200, 201, 202, 204, 400, 401, 403, 404, 405, 409, 412, 413, 415,
	422, 428, 429, 431, 500, 503
};
#define NCODES		(sizeof(codes) / sizeof(codes[0]))
#define CODE_OTHER	NCODES

static const double bounds[] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
	1, 2.5, 5
};
#define NBOUNDS		(sizeof(bounds) / sizeof(bounds[0]))

static atomic_ulong	 requests[MAX_ROUTES + 1][NCODES + 1];
static atomic_ulong	 buckets[NBOUNDS + 1];
static atomic_ulong	 micros_sum;
static atomic_ulong	 db_errors;
static atomic_ulong	 replica_reads;
static atomic_ulong	 replica_misses[MISS__MAX];

/* The replica as the last scrape found it (metrics_get's thread only). */
static int		 replica_up;
static double		 replica_lag = NAN, replica_lag_bytes = NAN;

static const char *const miss_names[MISS__MAX] = {
	[MISS_DOWN] = "down",
	[MISS_LAG] = "lagging",
	[MISS_OWN_WRITE] = "own_write",
};

static size_t
code_slot(int status)
{
	size_t	 i;

	for (i = 0; i < NCODES; i++)
		if (codes[i] == status)
			return i;
	return CODE_OTHER;
}

/* Count one answered request that took `seconds`. */
void
metrics_request(const struct req *r, double seconds)
{
	size_t	 route = router_index(r), b;

	if (route > MAX_ROUTES)
		route = MAX_ROUTES;
	atomic_fetch_add_explicit(&requests[route][code_slot(r->status)], 1,
	    memory_order_relaxed);
	for (b = 0; b < NBOUNDS && seconds > bounds[b]; b++)
		continue;
	atomic_fetch_add_explicit(&buckets[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&micros_sum,
	    (unsigned long)(seconds * 1e6), memory_order_relaxed);
}

void
metrics_db_error(void)
{
	atomic_fetch_add_explicit(&db_errors, 1, memory_order_relaxed);
}

/* A replica-routed request that the replica answered. */
void
metrics_replica_read(void)
{
	atomic_fetch_add_explicit(&replica_reads, 1, memory_order_relaxed);
}

/* A replica-routed request that the primary answered, and why. */
void
metrics_replica_miss(enum replica_miss why)
{
	atomic_fetch_add_explicit(&replica_misses[why], 1,
	    memory_order_relaxed);
}

void
metrics_replica_state(int up, double lag, double bytes)
{
	replica_up = up;
	replica_lag = lag;
	replica_lag_bytes = bytes;
}

/* A gauge's value in the exposition format: NaN spelled its way. */
static void
gauge(FILE *f, const char *name, double v)
{
	if (isnan(v))
		fprintf(f, "%s NaN\n", name);
	else
		fprintf(f, "%s %.6f\n", name, v);
}

/*
 * The exposition text, malloc'd, its length in *len; NULL when out of
 * memory.
 */
char *
metrics_render(size_t *len)
{
	FILE		*f;
	char		*buf = NULL;
	size_t		 route, c, b, nroutes = endpoints_count;
	unsigned long	 v, cum = 0;

	if ((f = open_memstream(&buf, len)) == NULL)
		return NULL;
	fputs("# HELP paicha_requests_total Requests answered, by route and "
	    "status.\n# TYPE paicha_requests_total counter\n", f);
	for (route = 0; route <= nroutes && route <= MAX_ROUTES; route++)
		for (c = 0; c <= NCODES; c++) {
			v = atomic_load_explicit(&requests[route][c],
			    memory_order_relaxed);
			if (v == 0)
				continue;
			fprintf(f, "paicha_requests_total{method=\"%s\","
			    "route=\"%s\",status=\"", router_method(route),
			    router_pattern(route));
			if (c == CODE_OTHER)
				fprintf(f, "other\"} %lu\n", v);
			else
				fprintf(f, "%d\"} %lu\n", codes[c], v);
		}
	fputs("# HELP paicha_request_duration_seconds Time from accept to "
	    "reply.\n# TYPE paicha_request_duration_seconds histogram\n", f);
	for (b = 0; b <= NBOUNDS; b++) {
		cum += atomic_load_explicit(&buckets[b], memory_order_relaxed);
		if (b < NBOUNDS)
			fprintf(f, "paicha_request_duration_seconds_bucket"
			    "{le=\"%g\"} %lu\n", bounds[b], cum);
		else
			fprintf(f, "paicha_request_duration_seconds_bucket"
			    "{le=\"+Inf\"} %lu\n", cum);
	}
	fprintf(f, "paicha_request_duration_seconds_sum %.6f\n",
	    atomic_load_explicit(&micros_sum, memory_order_relaxed) / 1e6);
	fprintf(f, "paicha_request_duration_seconds_count %lu\n", cum);
	fprintf(f, "# HELP paicha_db_errors_total Failed database calls.\n"
	    "# TYPE paicha_db_errors_total counter\n"
	    "paicha_db_errors_total %lu\n",
	    atomic_load_explicit(&db_errors, memory_order_relaxed));
	if (cfg.replica_url != NULL) {
		fprintf(f, "# HELP paicha_replica_up Whether the read replica "
		    "answers as a standby.\n# TYPE paicha_replica_up gauge\n"
		    "paicha_replica_up %d\n", replica_up);
		fputs("# HELP paicha_replica_lag_seconds How far the replica's "
		    "replay is behind the primary (0: caught up).\n"
		    "# TYPE paicha_replica_lag_seconds gauge\n", f);
		gauge(f, "paicha_replica_lag_seconds", replica_lag);
		fputs("# HELP paicha_replica_lag_bytes WAL the primary has "
		    "flushed and the replica not yet replayed.\n"
		    "# TYPE paicha_replica_lag_bytes gauge\n", f);
		gauge(f, "paicha_replica_lag_bytes", replica_lag_bytes);
		fprintf(f, "# HELP paicha_replica_max_lag_seconds The most "
		    "a replica may lag and still answer.\n"
		    "# TYPE paicha_replica_max_lag_seconds gauge\n"
		    "paicha_replica_max_lag_seconds %ld\n",
		    cfg.replica_max_lag);
		fprintf(f, "# HELP paicha_replica_reads_total Replica-routed "
		    "requests the replica answered.\n"
		    "# TYPE paicha_replica_reads_total counter\n"
		    "paicha_replica_reads_total %lu\n",
		    atomic_load_explicit(&replica_reads,
		    memory_order_relaxed));
		fputs("# HELP paicha_replica_fallbacks_total Replica-routed "
		    "requests the primary answered, by why.\n"
		    "# TYPE paicha_replica_fallbacks_total counter\n", f);
		for (c = 0; c < MISS__MAX; c++)
			fprintf(f, "paicha_replica_fallbacks_total"
			    "{reason=\"%s\"} %lu\n", miss_names[c],
			    atomic_load_explicit(&replica_misses[c],
			    memory_order_relaxed));
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
