/*
 * case_history.c: GET /api/v1/cases/{id}/events -- a case's history,
 * oldest first, each event as its record says, with its hashes.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../base/base.h"
#include "../front/front.h"
#include "resources.h"

/*
 * Whether case `id` is in the session's scope (row security decides):
 * 1; else 0 with a 404 staged, or -1 with the database's failure staged.
 * For the routes under /cases/{id} that read other tables.
 */
int
case_visible(struct req *r, int64_t id)
{
	static struct stmt visible = STMT(
	    "SELECT 1 FROM cases WHERE id = $1", 1);
	char		 cid[24];
	const char	*p[1] = { cid };
	PGresult	*res;
	int		 n;

	snprintf(cid, sizeof(cid), "%lld", (long long)id);
	if ((res = db_exec(r, &visible, p)) == NULL) {
		reply_db_error(r);
		return -1;
	}
	n = PQntuples(res);
	PQclear(res);
	if (n == 0)
		reply_problem(r, 404, NULL, "no such case", NULL);
	return n > 0;
}

/* GET /api/v1/cases/{id}/events: the history, oldest first. */
void
case_events_get(struct req *r)
{
	static struct stmt events = STMT(
	    "SELECT seq, record, encode(hash, 'hex') AS hash,"
	    " encode(prev_hash, 'hex') AS prev_hash, u.username,"
	    " u.display_name FROM case_events e"
	    " LEFT JOIN LATERAL user_public(e.actor) u ON true"
	    " WHERE case_id = $1 ORDER BY seq", 1);
	char		 cid[24];
	const char	*p[1];
	PGresult	*res = NULL;
	json_t		*items, *rec, *item;
	int		 i;

	if (case_visible(r, r->ids[0]) != 1)
		return;
	snprintf(cid, sizeof(cid), "%lld", (long long)r->ids[0]);
	p[0] = cid;
	if ((res = db_exec(r, &events, p)) == NULL)
		goto dberr;
	items = json_array();
	for (i = 0; i < PQntuples(res); i++) {
		rec = json_loads(db_get(res, i, "record"), 0, NULL);
		if (rec == NULL) {
			log_error("case %s event %s: unreadable record", cid,
			    db_get(res, i, "seq"));
			continue;
		}
		item = json_pack("{s:i, s:O?, s:s, s:O?, s:s, s:O?, s:O?, s:O?,"
		    " s:O?, s:O?, s:s, s:s, s:s, s:O?}",
		    "seq", atoi(db_get(res, i, "seq")),
		    "at", json_object_get(rec, "at"),
		    "actor", db_get(res, i, "username"),
		    "actor_id", json_object_get(rec, "actor"),
		    "actor_name", db_get(res, i, "display_name"),
		    "role", json_object_get(rec, "role"),
		    "event", json_object_get(rec, "event"),
		    "phase", json_object_get(rec, "phase"),
		    "from", json_object_get(rec, "from"),
		    "to", json_object_get(rec, "to"),
		    "hash", db_get(res, i, "hash"),
		    "prev_hash", db_get(res, i, "prev_hash"),
		    "record", db_get(res, i, "record"),
		    "payload", json_object_get(rec, "payload"));
		json_decref(rec);
		if (item != NULL)
			json_array_append_new(items, item);
	}
	PQclear(res);
	reply_json(r, 200, json_pack("{s:o}", "items", items));
	return;
dberr:
	reply_db_error(r);
}
