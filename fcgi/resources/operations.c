/*
 * operations.c: what operators and their tools ask.
 *
 *	GET /healthz	whether the service can reach its database
 *	GET /metrics	Prometheus text (loopback only: ../routes.c)
 */
#include <stdlib.h>

#include "../front/front.h"
#include "resources.h"

void
health_get(struct req *r)
{
	if (db_ping(r) == -1) {
		reply_json(r, 503, json_pack("{s:b, s:b}", "ok", 0, "db", 0));
		return;
	}
	reply_json(r, 200, json_pack("{s:b, s:b}", "ok", 1, "db", 1));
}

void
metrics_get(struct req *r)
{
	char	*text;
	size_t	 len;

	/*
	 * Contract: /metrics is scraped by one Prometheus, seldom; the
	 * probe's results live in statics only this path writes.
	 */
	db_replica_probe(r);
	if ((text = metrics_render(&len)) == NULL) {
		reply_problem(r, 500, NULL, "could not render metrics", NULL);
		return;
	}
	reply_text(r, 200, "text/plain; version=0.0.4; charset=utf-8", text,
	    len);
	free(text);
}
