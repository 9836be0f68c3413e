/*
 * append.c: appending an event to its entity's stream -- the one way
 * into the ledger.
 *
 *	ledger_record	build the event's record and hash it onto its
 *			stream's head (record.c's format)
 *	ledger_append	that, as the request's user, then the database's
 *			ledger_append() in the request's transaction
 *
 * The database function ledger_append (sql/0017_ledger.sql) is the only
 * INSERT into an events table: it takes the record, the previous hash
 * and the hash, and fills the table's columns from the record, whose
 * hash its trigger checks again.  A step that moves an entity's row and
 * appends in one statement (a case's transition, case_step()) hands it
 * the same three values, from ledger_params().
 *
 * The caller holds the lock that orders the entity's stream -- the
 * entity row's, taken by the guarded UPDATE of its version -- so each
 * stream is ordered by its own row alone: no global lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/base.h"
#include "../front/front.h"
#include "ledger.h"

/*
 * Fill `e` (zeroed first) as the first event of case `case_id` in
 * `region`: its registration, `create` by an officer, from nothing to
 * detected, on the all-zero hash, at `at_us`.  `payload` is borrowed.
 * One place for the service (case_create) and the bulk seeder.
 */
void
ledger_first(struct ledger_event *e, int64_t case_id, const char *region,
    json_t *payload, long long at_us)
{
	static const unsigned char zero[CHAIN_LEN];

	memset(e, 0, sizeof(*e));
	e->entity = LEDGER_CASE;
	e->id = case_id;
	e->seq = 1;
	e->prev = zero;
	e->scope_region = region;
	e->role = wf_role_ids[WF_ROLE_OFFICER];
	e->event = "create";
	e->phase = "created";
	e->from = NULL;
	e->to = wf_states[WF_STATE_DETECTED].id;
	e->payload = payload;
	e->at_us = at_us;
}

/*
 * Fill `e` (zeroed first) as the next event of another stream than a
 * case's: `entity` `id`, whose region is `scope_region`, `event` by a
 * user acting as `role`, now.  ledger_append() finds its place at the
 * stream's head.  `payload` is borrowed.
 */
void
ledger_change(struct ledger_event *e, enum ledger_entity entity, int64_t id,
    const char *scope_region, const char *role, const char *event,
    json_t *payload)
{
	memset(e, 0, sizeof(*e));
	e->entity = entity;
	e->id = id;
	e->scope_region = scope_region;
	e->role = role;
	e->event = event;
	e->payload = payload;
	e->at_us = now_us();
}

/*
 * A change event's payload: {"old": {...}, "new": {...}} with the members
 * named in `keys` (NULL-terminated) whose values differ between the
 * resource `before` and `after` (both borrowed).  A new reference, or
 * NULL (out of memory).
 */
json_t *
ledger_diff(const json_t *before, const json_t *after,
    const char *const *keys)
{
	json_t	*o = json_object(), *n = json_object(), *a, *b;

	for (; o != NULL && n != NULL && *keys != NULL; keys++) {
		b = json_object_get(before, *keys);
		a = json_object_get(after, *keys);
		if ((a == NULL && b == NULL) || json_equal(a, b))
			continue;
		json_object_set(o, *keys, b != NULL ? b : json_null());
		json_object_set(n, *keys, a != NULL ? a : json_null());
	}
	return o != NULL && n != NULL ? json_pack("{s:o, s:o}", "old", o, "new",
	    n) : (json_decref(o), json_decref(n), NULL);
}

/* A NUL-terminated string as a struct text; NULL stays NULL. */
static struct text
text_of(const char *s)
{
	return (struct text){ s, s != NULL ? strlen(s) : 0 };
}

/*
 * Build event `e`'s canonical record as `actor` (a user id) acting from
 * `actor_region` under request `request_id`, and hash it onto e->prev:
 * fills e->record (malloc'd, freed by ledger_discard) and e->hash.  The
 * service calls it through ledger_prepare(); the bulk seeder calls it
 * directly, so a seeded event is byte for byte what the service would
 * have written.  Returns 0, or -1 (out of memory, or a text that is not
 * UTF-8) with e->record NULL.
 */
int
ledger_record(struct ledger_event *e, int64_t actor, const char *actor_region,
    const char *request_id)
{
	struct record_head	 h;
	char			 skel[RECORD_HEAD_MAX], *payload = NULL;
	size_t			 at, plen;
	long			 n;

	e->record = NULL;
	memset(&h, 0, sizeof(h));
	h.actor = actor;
	h.at_us = e->at_us;
	h.entity = text_of(ledger_streams[e->entity].name);
	h.id = e->id;
	h.scope_region = text_of(e->scope_region);
	h.event = text_of(e->event);
	h.from = text_of(e->from);
	h.phase = text_of(e->phase);
	h.region = text_of(actor_region);
	h.request_id = text_of(request_id);
	h.role = text_of(e->role);
	h.seq = e->seq;
	h.to = text_of(e->to);
	if ((n = record_skeleton(skel, sizeof(skel), e->entity, &h, &at)) < 0 ||
	    (payload = chain_canonical(e->payload)) == NULL)
		goto fail;
	plen = strlen(payload);
	if ((e->record = malloc((size_t)n + plen + 1)) == NULL)
		goto fail;
	memcpy(e->record, skel, at);
	memcpy(e->record + at, payload, plen);
	memcpy(e->record + at + plen, skel + at, (size_t)n - at);
	e->record[(size_t)n + plen] = '\0';
	free(payload);
	if (chain_hash(e->entity, e->id, e->seq, e->prev, e->record,
	    (size_t)n + plen, e->hash) == -1) {
		ledger_discard(e);
		return -1;
	}
	return 0;
fail:
	free(payload);
	return -1;
}

/*
 * ledger_record() for the request's user, region and id.  Returns 0, or
 * -1 (recorded in `r`).
 */
int
ledger_prepare(struct req *r, struct ledger_event *e)
{
	if (ledger_record(e, r->user.id, r->user.region, r->id) == -1) {
		req_fail(r, "%s %lld event %d: could not build its record",
		    ledger_streams[e->entity].name, (long long)e->id,
		    (int)e->seq);
		return -1;
	}
	return 0;
}

/*
 * The four parameters the database's ledger_append() takes, for a
 * prepared event: p[0] the stream's entity, p[1] the record, p[2] and
 * p[3] the previous hash and the hash as bytea literals, written into
 * `prevhex` and `hashhex` (LEDGER_HEX bytes each).
 */
void
ledger_params(const struct ledger_event *e, const char **p, char *prevhex,
    char *hashhex)
{
	bytea_hex(e->prev, CHAIN_LEN, prevhex);
	bytea_hex(e->hash, CHAIN_LEN, hashhex);
	p[0] = ledger_streams[e->entity].name;
	p[1] = e->record;
	p[2] = prevhex;
	p[3] = hashhex;
}

/*
 * Place event `e` (seq 0) at its stream's head: e->seq and e->prev from
 * the stream's last event.  Returns 0, or -1 (recorded in `r`).  For a
 * caller that sends the append in a statement of its own (ledger_params);
 * ledger_append() places by itself.
 */
int
ledger_place(struct req *r, struct ledger_event *e)
{
	static struct stmt head = STMT(
	    "SELECT seq, hash FROM ledger_head($1, $2)", 2);
	char		 id[24];
	const char	*p[2];
	PGresult	*res;
	int		 rc;

	snprintf(id, sizeof(id), "%lld", (long long)e->id);
	p[0] = ledger_streams[e->entity].name;
	p[1] = id;
	if ((res = db_exec(r, &head, p)) == NULL)
		return -1;
	e->seq = atoi(db_get(res, 0, "seq")) + 1;
	e->prev = e->head;
	if ((rc = bytea_parse(db_get(res, 0, "hash"), e->head,
	    CHAIN_LEN)) == -1)
		req_fail(r, "%s %lld: unreadable stream head",
		    ledger_streams[e->entity].name, (long long)e->id);
	PQclear(res);
	return rc;
}

/*
 * Append event `e` as the request's user, in the request's transaction:
 * its record, its hash, the row.  A case's event comes placed (its seq
 * and prev from the case row); any other's is placed at its stream's
 * head here.  The caller holds the entity row's lock, which orders the
 * stream.  Returns 0, or -1 with the failure recorded in `r`; `e`'s
 * record is freed either way.
 */
int
ledger_append(struct req *r, struct ledger_event *e)
{
	static struct stmt append = STMT(
	    "SELECT ledger_append($1, $2, $3::bytea, $4::bytea)", 4);
	char		 prevhex[LEDGER_HEX], hashhex[LEDGER_HEX];
	const char	*p[4];
	int		 rc;

	if ((e->seq == 0 && ledger_place(r, e) == -1) ||
	    ledger_prepare(r, e) == -1)
		return -1;
	ledger_params(e, p, prevhex, hashhex);
	rc = db_exec_ok(r, &append, p);
	ledger_discard(e);
	return rc;
}

void
ledger_discard(struct ledger_event *e)
{
	free(e->record);
	e->record = NULL;
}
