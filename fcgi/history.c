/*
 * history.c: appending to a case's hash-chained history, its deadlines,
 * and reading the history back (GET /api/v1/cases/{id}/events).
 *
 * The caller holds the case row's lock (the guarded UPDATE of its
 * version) before appending, so the chain is ordered by that lock alone:
 * no global lock, cases never wait for each other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "paicha.h"

/* Now, in microseconds since the epoch. */
long long
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* RFC 3339 UTC with microseconds, as rfc3339() in SQL writes it. */
void
format_time(long long us, char *out)
{
	time_t		 s = (time_t)(us / 1000000);
	struct tm	 tm;
	size_t		 n;

	gmtime_r(&s, &tm);
	n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%06lldZ", us % 1000000);
}

/*
 * Fill `e` (zeroed first) as the first event of case `case_id` in
 * `region`: its registration, `create` by an officer, from nothing to
 * detected, on the all-zero hash, at `at_us`.  `payload` is borrowed.
 * One place for the service (case_create) and the bulk loader.
 */
void
history_first(struct event_rec *e, int64_t case_id, const char *region,
    json_t *payload, long long at_us)
{
	static const unsigned char zero[CHAIN_LEN];

	memset(e, 0, sizeof(*e));
	e->case_id = case_id;
	e->seq = 1;
	e->prev = zero;
	e->case_region = region;
	e->role = wf_role_ids[WF_ROLE_OFFICER];
	e->event = "create";
	e->phase = "created";
	e->from = NULL;
	e->to = wf_states[WF_STATE_DETECTED].id;
	e->payload = payload;
	e->at_us = at_us;
}

/*
 * Build event `e`'s canonical record as `actor` (a user id) acting from
 * `actor_region` under request `request_id`, and hash it onto e->prev:
 * fills e->record (malloc'd, freed by history_insert or history_discard)
 * and e->hash.  The service calls it through history_prepare(); the
 * bulk loader (tools/seed) calls it directly, so a seeded event is
 * byte for byte what the service would have written.  Returns 0, or -1
 * (out of memory) with `e` unchanged.
 */
int
history_record(struct event_rec *e, int64_t actor, const char *actor_region,
    const char *request_id)
{
	char	 at[32];
	json_t	*rec;

	format_time(e->at_us, at);
	rec = json_pack("{s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:s?, s:O,"
	    " s:s, s:s, s:i, s:s}",
	    "actor", (json_int_t)actor, "at", at,
	    "case", (json_int_t)e->case_id, "case_region", e->case_region,
	    "event", e->event, "phase", e->phase, "region", actor_region,
	    "from", e->from, "payload", e->payload, "request_id", request_id,
	    "role", e->role, "seq", (int)e->seq, "to", e->to);
	e->record = rec != NULL ? chain_canonical(rec) : NULL;
	json_decref(rec);
	if (e->record == NULL)
		return -1;
	chain_hash(e->case_id, e->seq, e->prev, e->record, strlen(e->record),
	    e->hash);
	return 0;
}

/*
 * history_record() for the request's user, region and id.  Returns 0, or
 * -1 (out of memory, recorded in `r`).
 */
int
history_prepare(struct req *r, struct event_rec *e)
{
	if (history_record(e, r->user.id, r->user.region, r->id) == -1) {
		log_error("request %s: could not build the event record",
		    r->id);
		snprintf(r->sqlstate, sizeof(r->sqlstate), "XX000");
		return -1;
	}
	return 0;
}

void
history_discard(struct event_rec *e)
{
	free(e->record);
	e->record = NULL;
}

/*
 * Insert the prepared event (the database checks its hash again) and
 * free its record.  The caller holds the case row's lock.  Returns 0, or
 * -1 with the failure recorded in `r`.
 */
int
history_insert(struct req *r, struct event_rec *e)
{
	static struct stmt insert = STMT(
	    "INSERT INTO case_events (case_id, seq, at, actor, role, region,"
	    " case_region, event, phase, from_state, to_state, record,"
	    " request_id, prev_hash, hash) VALUES ($1, $2, $3::timestamptz,"
	    " $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::bytea,"
	    " $15::bytea)", 15);
	char		 cid[24], seq[16], at[32], actor[24];
	char		 prevhex[2 * CHAIN_LEN + 3], hashhex[2 * CHAIN_LEN + 3];
	const char	*p[15];
	int		 rc;

	format_time(e->at_us, at);
	snprintf(cid, sizeof(cid), "%lld", (long long)e->case_id);
	snprintf(seq, sizeof(seq), "%d", (int)e->seq);
	snprintf(actor, sizeof(actor), "%lld", (long long)r->user.id);
	bytea_hex(e->prev, CHAIN_LEN, prevhex);
	bytea_hex(e->hash, CHAIN_LEN, hashhex);
	p[0] = cid;
	p[1] = seq;
	p[2] = at;
	p[3] = actor;
	p[4] = e->role;
	p[5] = r->user.region;
	p[6] = e->case_region;
	p[7] = e->event;
	p[8] = e->phase;
	p[9] = e->from;
	p[10] = e->to;
	p[11] = e->record;
	p[12] = r->id;
	p[13] = prevhex;
	p[14] = hashhex;
	rc = db_exec_ok(r, &insert, p);
	history_discard(e);
	return rc;
}

/*
 * Apply deadline changes computed by the workflow library for event
 * `seq` of a case, then refresh the case's earliest open deadline.
 * Returns 0, or -1 with the failure recorded in `r`.
 */
int
deadlines_apply(struct req *r, int64_t case_id, int32_t seq,
    const char *region, long long at_us, const struct wf_dl_change *ch,
    size_t n)
{
	static struct stmt stop = STMT(
	    "UPDATE case_deadlines SET stopped_seq = $3,"
	    " stopped_at = $4::timestamptz WHERE case_id = $1 AND kind = $2"
	    " AND stopped_at IS NULL", 4);
	static struct stmt start = STMT(
	    "INSERT INTO case_deadlines (case_id, kind, started_seq, region,"
	    " basis_at, due_at, calendar_known) VALUES ($1, $2, $3, $4,"
	    " to_timestamp($5::bigint), to_timestamp($6::bigint), $7)", 7);
	static struct stmt next = STMT(
	    "UPDATE cases SET next_due = (SELECT min(due_at)"
	    " FROM case_deadlines WHERE case_id = $1 AND stopped_at IS NULL)"
	    " WHERE id = $1", 1);
	char		 cid[24], sq[16], at[32], basis[24], due[24];
	const char	*p[7];
	size_t		 i;

	snprintf(cid, sizeof(cid), "%lld", (long long)case_id);
	snprintf(sq, sizeof(sq), "%d", (int)seq);
	format_time(at_us, at);
	for (i = 0; i < n; i++) {
		p[0] = cid;
		p[1] = wf_deadlines[ch[i].kind].id;
		p[2] = sq;
		p[3] = at;
		/* START replaces a running one; STOP ends it. */
		if (db_exec_ok(r, &stop, p) == -1)
			return -1;
		switch (ch[i].op) {
		case WF_DLOP_START:
			snprintf(basis, sizeof(basis), "%lld", ch[i].basis);
			snprintf(due, sizeof(due), "%lld", ch[i].due);
			p[3] = region;
			p[4] = basis;
			p[5] = due;
			p[6] = ch[i].known ? "true" : "false";
			if (db_exec_ok(r, &start, p) == -1)
				return -1;
			break;
		case WF_DLOP_STOP:
		case WF_DLOP__MAX:
			break;
		}
	}
	p[0] = cid;
	return db_exec_ok(r, &next, p);
}

/* GET /api/v1/cases/{id}/events: the history, oldest first. */
void
case_events_get(struct req *r)
{
	static struct stmt visible = STMT(
	    "SELECT 1 FROM cases WHERE id = $1", 1);
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
	int		 i, n;

	snprintf(cid, sizeof(cid), "%lld", (long long)r->ids[0]);
	p[0] = cid;
	if ((res = db_exec(r, &visible, p)) == NULL)
		goto dberr;
	n = PQntuples(res);
	PQclear(res);
	if (n == 0) {
		reply_problem(r, 404, NULL, "no such case", NULL);
		return;
	}
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
