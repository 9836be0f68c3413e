/*
 * health.c: GET /healthz -- whether the service can reach its database.
 */
#include "paicha.h"

void
health_get(struct req *r)
{
	if (db_ping(r) == -1) {
		reply_json(r, 503, json_pack("{s:b, s:b}", "ok", 0, "db", 0));
		return;
	}
	reply_json(r, 200, json_pack("{s:b, s:b}", "ok", 1, "db", 1));
}
