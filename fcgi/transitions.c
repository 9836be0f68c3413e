/*
 * transitions.c: moving a case through the workflow, and four eyes.
 *
 *	POST /api/v1/cases/{id}/transitions	{"event", "payload"}
 *	POST /api/v1/cases/{id}/approval	{"decision", "comment"}
 *
 * The workflow library (workflow/) decides what is allowed; this file
 * only carries its verdict out, in one transaction per request:
 *
 *	1. read the case (row-level security: outside the region is 404);
 *	2. compare If-Match with its version (412), ask the library;
 *	3. hash the new event onto the chain head read in 1;
 *	4. one statement (case_step): the guarded UPDATE ... WHERE id AND
 *	   version AND state -- it takes the case row's lock, and if anyone
 *	   changed the case since 1 it matches nothing (412): of N
 *	   concurrent requests with the same version exactly one wins, with
 *	   no lock wider than the row -- and, only if it matched, the event
 *	   (the database checks the hash again) and the deadlines;
 *	5. read the case back, store the Idempotency-Key's answer, COMMIT;
 *	6. answer only after COMMIT succeeded (a lost COMMIT is a 503).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paicha.h"

/* ------------------------------------------------------------------ */
/* The workflow library reads payloads through this, over Jansson.    */
/* ------------------------------------------------------------------ */

static enum wf_vkind
kind_of(const json_t *v)
{
	if (v == NULL)
		return WF_V_ABSENT;
	switch (json_typeof(v)) {
	case JSON_NULL:
		return WF_V_NULL;
	case JSON_STRING:
		return WF_V_STRING;
	case JSON_TRUE:
	case JSON_FALSE:
		return WF_V_BOOL;
	case JSON_ARRAY:
		return WF_V_LIST;
	case JSON_OBJECT:
	case JSON_INTEGER:
	case JSON_REAL:
		return WF_V_OTHER;
	}
	return WF_V_OTHER;
}

static enum wf_vkind
pl_kind(void *ctx, const char *f)
{
	return kind_of(json_object_get(ctx, f));
}

static const char *
pl_string(void *ctx, const char *f)
{
	return json_string_value(json_object_get(ctx, f));
}

static int
pl_boolean(void *ctx, const char *f)
{
	return json_is_true(json_object_get(ctx, f));
}

static size_t
pl_list_len(void *ctx, const char *f)
{
	return json_array_size(json_object_get(ctx, f));
}

static enum wf_vkind
pl_list_kind(void *ctx, const char *f, size_t i)
{
	return kind_of(json_array_get(json_object_get(ctx, f), i));
}

static const char *
pl_list_string(void *ctx, const char *f, size_t i)
{
	return json_string_value(json_array_get(json_object_get(ctx, f), i));
}

/* A wf_payload view of a Jansson object (borrowed, must outlive `p`). */
void
payload_view(struct wf_payload *p, json_t *obj)
{
	p->ctx = obj;
	p->kind = pl_kind;
	p->string = pl_string;
	p->boolean = pl_boolean;
	p->list_len = pl_list_len;
	p->list_kind = pl_list_kind;
	p->list_string = pl_list_string;
}

/* ------------------------------------------------------------------ */
/* Shared steps                                                       */
/* ------------------------------------------------------------------ */

/*
 * Open the transaction, take the Idempotency-Key, load the case and check
 * If-Match.  Returns 1 to go on, 0 when a reply was sent.
 */
static int
transition_begin(struct req *r, struct idem *idem, struct case_row *c)
{
	int	 want = req_if_match(r), found;

	if (want == 0) {
		reply_problem(r, 428, NULL, "a state change needs If-Match "
		    "with the case's version", NULL);
		return 0;
	}
	if (db_begin(r) == -1) {
		reply_db_error(r);
		return 0;
	}
	switch (idem_begin(r, idem)) {
	case IDEM_DONE:
		return 0;
	case IDEM_NONE:
	case IDEM_NEW:
	case IDEM__MAX:
		break;
	}
	if ((found = case_load(r, r->ids[0], c)) == -1) {
		reply_db_error(r);
		return 0;
	}
	if (found == 0) {
		reply_problem(r, 404, NULL, "no such case", NULL);
		return 0;
	}
	if (want != c->version) {
		snprintf(r->etag, sizeof(r->etag), "%d", c->version);
		reply_problem(r, 412, NULL, "the case has changed since you "
		    "read it; reload it", NULL);
		return 0;
	}
	return 1;
}

/*
 * A PostgreSQL array literal of `n` strings from `get` into `out`
 * (size `len`); the items are ids and numbers, nothing to quote.
 */
static void
array_lit(char *out, size_t len, size_t n,
    void (*get)(const struct wf_dl_change *, char *, size_t),
    const struct wf_dl_change *ch)
{
	char	 item[32];
	size_t	 i, o = 0;

	o += (size_t)snprintf(out + o, len - o, "{");
	for (i = 0; i < n && o < len; i++) {
		get(&ch[i], item, sizeof(item));
		o += (size_t)snprintf(out + o, len - o, "%s%s", i > 0 ? "," : "",
		    item);
	}
	if (o < len)
		snprintf(out + o, len - o, "}");
}

static void
dl_kind(const struct wf_dl_change *c, char *o, size_t n)
{
	snprintf(o, n, "%s", wf_deadlines[c->kind].id);
}

static void
dl_basis(const struct wf_dl_change *c, char *o, size_t n)
{
	snprintf(o, n, "%lld", c->basis);
}

static void
dl_due(const struct wf_dl_change *c, char *o, size_t n)
{
	snprintf(o, n, "%lld", c->due);
}

static void
dl_known(const struct wf_dl_change *c, char *o, size_t n)
{
	snprintf(o, n, "%s", c->known ? "t" : "f");
}

/*
 * One step of a case, in one statement: the guarded UPDATE of the case
 * row (state, version, chain head, proposal, facts, next_due), the event
 * row, and the deadline changes `ch` (every change ends the running
 * deadline of its kind; a START begins a new one).  The UPDATE takes
 * the row's lock, and if anyone changed the case since it was read it
 * matches nothing: then nothing else happens either.  next_due is the
 * earliest due of the open deadlines the step leaves, so the row is
 * written once -- one new version of it, not three.
 *
 * Returns 1 when it matched, 0 when the case changed meanwhile, -1 on a
 * database failure (recorded in `r`).  The database checks the event's
 * hash again before inserting it.
 */
static int
case_step(struct req *r, const struct case_row *c, const struct advance *a,
    struct event_rec *ev, const struct wf_dl_change *ch, size_t n)
{
	static struct stmt step = STMT(
	    "WITH moved AS (UPDATE cases SET state = $4,"
	    " version = version + 1, last_seq = $5, last_hash = $6::bytea,"
	    " pending_event = $7, pending_seq = $8::integer,"
	    " pending_by = CASE WHEN $7::text IS NULL THEN NULL"
	    "   WHEN pending_event IS NULL THEN $9::bigint ELSE pending_by END,"
	    " pending_at = CASE WHEN $7::text IS NULL THEN NULL"
	    "   WHEN pending_event IS NULL THEN now() ELSE pending_at END,"
	    " interviews = interviews + $10::integer,"
	    " lookback_on = CASE WHEN $11::boolean THEN $12::date"
	    "   ELSE lookback_on END,"
	    " penalty_decided_at = CASE WHEN $13::boolean THEN now()"
	    "   ELSE penalty_decided_at END,"
	    " fine_amount = CASE WHEN $13::boolean THEN $14::numeric"
	    "   ELSE fine_amount END,"
	    " confiscation_amount = CASE WHEN $13::boolean THEN $15::numeric"
	    "   ELSE confiscation_amount END,"
	    " case_value = CASE WHEN $13::boolean THEN $16::numeric"
	    "   ELSE case_value END,"
	    " judicial_transferred_at = CASE WHEN $17::boolean THEN now()"
	    "   ELSE judicial_transferred_at END,"
	    " discipline_transferred_at = CASE WHEN $18::boolean THEN now()"
	    "   ELSE discipline_transferred_at END,"
	    " next_due = (SELECT min(due) FROM (SELECT d.due_at AS due"
	    "   FROM case_deadlines d WHERE d.case_id = $1"
	    "   AND d.stopped_at IS NULL AND d.kind <> ALL ($19::text[])"
	    "   UNION ALL SELECT to_timestamp(u.due)"
	    "   FROM unnest($20::text[], $21::bigint[]) AS u(kind, due)"
	    "   WHERE u.kind IS NOT NULL) open),"
	    " updated_at = now()"
	    " WHERE id = $1 AND version = $2 AND state = $3 RETURNING id),"
	    " event AS (INSERT INTO case_events (case_id, seq, at, actor, role,"
	    " region, case_region, event, phase, from_state, to_state, record,"
	    " request_id, prev_hash, hash) SELECT id, $5, $22::timestamptz, $9,"
	    " $23, $24, $25, $26, $27, $28, $29, $30, $31, $32::bytea,"
	    " $6::bytea FROM moved),"
	    " stopped AS (UPDATE case_deadlines SET stopped_seq = $5,"
	    " stopped_at = $22::timestamptz WHERE case_id = (SELECT id FROM moved)"
	    " AND kind = ANY ($19::text[]) AND stopped_at IS NULL),"
	    " started AS (INSERT INTO case_deadlines (case_id, kind, started_seq,"
	    " region, basis_at, due_at, calendar_known) SELECT m.id, u.kind, $5,"
	    " $25, to_timestamp(u.basis), to_timestamp(u.due), u.known"
	    " FROM moved m, unnest($20::text[], $33::bigint[], $21::bigint[],"
	    " $34::boolean[]) AS u(kind, basis, due, known))"
	    " SELECT count(*) AS moved FROM moved", 34);
	struct wf_dl_change	 starts[WF_DL__MAX];
	char		 cid[24], ver[16], seq[16], pseq[16], uid[24], inter[8];
	char		 at[32], hashhex[2 * CHAIN_LEN + 3];
	char		 prevhex[2 * CHAIN_LEN + 3];
	char		 kinds[256], skinds[256], sbasis[256], sdue[256];
	char		 sknown[64];
	const char	*p[34];
	PGresult	*res;
	size_t		 i, ns = 0;
	int		 moved;

	for (i = 0; i < n; i++)
		if (ch[i].op == WF_DLOP_START)
			starts[ns++] = ch[i];
	array_lit(kinds, sizeof(kinds), n, dl_kind, ch);
	array_lit(skinds, sizeof(skinds), ns, dl_kind, starts);
	array_lit(sbasis, sizeof(sbasis), ns, dl_basis, starts);
	array_lit(sdue, sizeof(sdue), ns, dl_due, starts);
	array_lit(sknown, sizeof(sknown), ns, dl_known, starts);
	snprintf(cid, sizeof(cid), "%lld", (long long)c->id);
	snprintf(ver, sizeof(ver), "%d", c->version);
	snprintf(seq, sizeof(seq), "%d", (int)ev->seq);
	snprintf(pseq, sizeof(pseq), "%d", a->pending_seq);
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	snprintf(inter, sizeof(inter), "%d", a->interviews);
	format_time(ev->at_us, at);
	bytea_hex(ev->hash, CHAIN_LEN, hashhex);
	bytea_hex(ev->prev, CHAIN_LEN, prevhex);
	p[0] = cid;
	p[1] = ver;
	p[2] = wf_states[c->state].id;
	p[3] = wf_states[a->to].id;
	p[4] = seq;
	p[5] = hashhex;
	p[6] = a->pending_event;
	p[7] = a->pending_event != NULL ? pseq : NULL;
	p[8] = uid;
	p[9] = inter;
	p[10] = a->set_lookback ? "true" : "false";
	p[11] = a->lookback;
	p[12] = a->penalty ? "true" : "false";
	p[13] = a->fine;
	p[14] = a->confiscation;
	p[15] = a->value;
	p[16] = a->judicial ? "true" : "false";
	p[17] = a->discipline ? "true" : "false";
	p[18] = kinds;
	p[19] = skinds;
	p[20] = sdue;
	p[21] = at;
	p[22] = ev->role;
	p[23] = r->user.region;
	p[24] = ev->case_region;
	p[25] = ev->event;
	p[26] = ev->phase;
	p[27] = ev->from;
	p[28] = ev->to;
	p[29] = ev->record;
	p[30] = r->id;
	p[31] = prevhex;
	p[32] = sbasis;
	p[33] = sknown;
	res = db_exec(r, &step, p);
	history_discard(ev);
	if (res == NULL)
		return -1;
	moved = atoi(db_get(res, 0, "moved"));
	PQclear(res);
	return moved;
}

/*
 * The facts an event records when it takes effect (applied directly, or
 * approved), from its payload.
 */
void
advance_facts(struct advance *a, enum wf_event ev, json_t *payload)
{
	switch (ev) {
	case WF_EV_HOLD_INTERVIEW:
		a->facts = 1;
		a->interviews = 1;
		break;
	case WF_EV_PUBLISH_CREDIT:
		a->facts = 1;
		a->penalty = 1;
		a->fine = json_string_value(json_object_get(payload,
		    "fine_amount"));
		a->confiscation = json_string_value(json_object_get(payload,
		    "confiscation_amount"));
		a->value = json_string_value(json_object_get(payload,
		    "case_value"));
		break;
	case WF_EV_TRANSFER_JUDICIAL:
		a->facts = 1;
		a->judicial = 1;
		break;
	case WF_EV_TRANSFER_DISCIPLINE:
		a->facts = 1;
		a->discipline = 1;
		break;
	case WF_EV_CLOSE:
		a->facts = 1;
		a->set_lookback = 1;
		a->lookback = json_string_value(json_object_get(payload,
		    "lookback_on"));
		break;
	case WF_EV_START_LOOKBACK:
	case WF_EV_LOOKBACK_RECURRENCE:
		/* The look-back is under way: no longer "due". */
		a->facts = 1;
		a->set_lookback = 1;
		a->lookback = NULL;
		break;
	case WF_EV_ORDER_RECTIFICATION:
	case WF_EV_REPORT_RECTIFICATION:
	case WF_EV_REJECT_RECTIFICATION:
	case WF_EV_RECORD_TRANSFER_RECEIPT:
	case WF_EV_DISMISS:
	case WF_EV_LOOKBACK_CLEAR:
	case WF_EV_ADD_NOTE:
	case WF_EV__MAX:
		break;
	}
}

/*
 * The role a user holding `roles` acts in for an event `allowed` roles
 * may fire: the first allowed one they hold.
 */
const char *
acting_role(unsigned roles, unsigned allowed)
{
	int	 i;

	for (i = 0; i < WF_ROLE__MAX; i++)
		if ((roles & allowed) & WF_ROLE_BIT(i))
			return wf_role_ids[i];
	return wf_role_ids[WF_ROLE_OFFICER];
}

/*
 * Carry out a decided step: hash the event, then case_step() moves the
 * case, appends the event and applies the deadlines the workflow library
 * computes for it; reply with the case (which commits).
 */
static void
carry_out(struct req *r, const struct case_row *c, struct event_rec *ev,
    const struct advance *a, enum wf_event dl_event, enum wf_phase phase,
    json_t *dl_payload, const struct idem *idem, int status)
{
	struct wf_dl_change	 ch[WF_DL__MAX];
	struct wf_payload	 view;
	size_t			 n;
	int			 moved;

	payload_view(&view, dl_payload);
	n = wf_deadline_changes(dl_event, phase, ev->at_us / 1000000, &view, ch);
	if (n == WF_DL_BAD_PAYLOAD) {
		log_error("request %s: case %lld: deadline dates unreadable",
		    r->id, (long long)c->id);
		n = 0;
	}
	if (history_prepare(r, ev) == -1)
		goto dberr;
	if ((moved = case_step(r, c, a, ev, ch, n)) == -1)
		goto dberr;
	if (moved == 0) {
		reply_problem(r, 412, NULL, "the case changed while this "
		    "request ran; reload it", NULL);
		return;
	}
	case_reply(r, c->id, status, idem);
	return;
dberr:
	history_discard(ev);
	reply_db_error(r);
}

/* ------------------------------------------------------------------ */
/* POST /api/v1/cases/{id}/transitions                                */
/* ------------------------------------------------------------------ */

struct transition_in {
	const char	*event;
	json_t		*payload;
};

static const struct vfield transition_fields[] = {
	{ "event", VT_STRING, 1, 1, 64, NULL, NULL,
	    offsetof(struct transition_in, event) },
	{ "payload", VT_OBJECT, 0, 0, 0, NULL, NULL,
	    offsetof(struct transition_in, payload) },
};

void
case_transition(struct req *r)
{
	struct transition_in	 in = { NULL, NULL };
	struct case_row		 c;
	struct idem		 idem;
	struct wf_payload	 view;
	struct wf_ctx		 ctx;
	struct wf_verdict	 v;
	struct event_rec	 ev;
	struct advance		 a;
	json_t			*errors = NULL, *empty = NULL;
	enum wf_event		 e;
	size_t			 i;

	if (validate_json(r, r->json, transition_fields, 2, &in, NULL) == -1)
		return;
	if ((e = wf_event_parse(in.event)) == WF_EV__MAX) {
		reply_problem(r, 422, NULL, "no such event", problem_field(NULL,
		    "event", "没有这个事件"));
		return;
	}
	if (in.payload == NULL)
		in.payload = empty = json_object();
	if (!transition_begin(r, &idem, &c))
		goto out;

	memset(&ctx, 0, sizeof(ctx));
	payload_view(&view, in.payload);
	ctx.state = c.state;
	ctx.pending = c.pending;
	ctx.roles = r->user.roles;
	ctx.payload = &view;
	ctx.today = wf_day_of_unix(now_us() / 1000000);
	wf_decide(&ctx, e, &v);
	switch (v.outcome) {
	case WF_ROLE_DENIED:
		log_warn("request %s: %s may not %s", r->id, r->user.username,
		    wf_events[e].id);
		reply_problem(r, 403, NULL, "your role may not do this", NULL);
		goto out;
	case WF_ILLEGAL_STATE:
		reply_problem(r, 409, "illegal-transition", "this event is not "
		    "possible in the case's current state", NULL);
		goto out;
	case WF_PENDING:
		reply_problem(r, 409, "proposal-pending", "a proposal awaits "
		    "legal review; nothing else may change the case until it "
		    "is decided", NULL);
		goto out;
	case WF_INVALID_PAYLOAD:
		for (i = 0; i < v.nerrors; i++)
			errors = problem_field(errors, v.errors[i].field,
			    v.errors[i].message);
		reply_problem(r, 422, NULL, "the payload is missing fields or "
		    "has invalid ones", errors);
		goto out;
	case WF_APPLIES:
	case WF_NEEDS_APPROVAL:
	case WF_OUTCOME__MAX:
		break;
	}

	memset(&ev, 0, sizeof(ev));
	memset(&a, 0, sizeof(a));
	ev.case_id = c.id;
	ev.seq = c.last_seq + 1;
	ev.prev = c.last_hash;
	ev.case_region = c.region;
	ev.role = acting_role(r->user.roles, wf_events[e].roles);
	ev.event = wf_events[e].id;
	ev.from = wf_states[c.state].id;
	ev.payload = in.payload;
	ev.at_us = now_us();
	if (v.outcome == WF_NEEDS_APPROVAL) {
		/* Four eyes: it becomes the proposal; the case stays. */
		ev.phase = "proposed";
		ev.to = wf_states[c.state].id;
		a.to = c.state;
		a.pending_event = wf_events[e].id;
		a.pending_seq = ev.seq;
		carry_out(r, &c, &ev, &a, e, WF_PHASE_PROPOSE, in.payload,
		    &idem, 202);
	} else {
		ev.phase = "applied";
		ev.to = wf_states[v.to].id;
		a.to = v.to;
		/* record_transfer_receipt and add_note keep a proposal. */
		if (c.pending) {
			a.pending_event = wf_events[c.pending_event].id;
			a.pending_seq = c.pending_seq;
		}
		advance_facts(&a, e, in.payload);
		carry_out(r, &c, &ev, &a, e, WF_PHASE_APPLY, in.payload, &idem,
		    200);
	}
out:
	json_decref(empty);
}

/* ------------------------------------------------------------------ */
/* POST /api/v1/cases/{id}/approval                                   */
/* ------------------------------------------------------------------ */

static const char *const decisions[] = { "approve", "reject", NULL };

struct approval_in {
	const char	*decision;
	const char	*comment;
};

static const struct vfield approval_fields[] = {
	{ "decision", VT_ENUM, 1, 0, 0, decisions, NULL,
	    offsetof(struct approval_in, decision) },
	{ "comment", VT_STRING, 0, 0, 2000, NULL, NULL,
	    offsetof(struct approval_in, comment) },
};

/* The proposal's payload (a new reference), or NULL (recorded in r). */
static json_t *
proposal_payload(struct req *r, const struct case_row *c)
{
	static struct stmt get = STMT(
	    "SELECT record FROM case_events WHERE case_id = $1 AND seq = $2", 2);
	char		 cid[24], seq[16];
	const char	*p[2];
	PGresult	*res;
	json_t		*rec, *payload = NULL;

	snprintf(cid, sizeof(cid), "%lld", (long long)c->id);
	snprintf(seq, sizeof(seq), "%d", c->pending_seq);
	p[0] = cid;
	p[1] = seq;
	if ((res = db_exec(r, &get, p)) == NULL)
		return NULL;
	if (PQntuples(res) == 1 && (rec = json_loads(db_get(res, 0, "record"),
	    0, NULL)) != NULL) {
		payload = json_incref(json_object_get(rec, "payload"));
		json_decref(rec);
	}
	PQclear(res);
	if (payload == NULL) {
		log_error("case %s: proposal %s unreadable", cid, seq);
		snprintf(r->sqlstate, sizeof(r->sqlstate), "XX000");
	}
	return payload;
}

void
case_approval(struct req *r)
{
	struct approval_in	 in = { NULL, NULL };
	struct case_row		 c;
	struct idem		 idem;
	struct event_rec	 ev;
	struct advance		 a;
	json_t			*proposal = NULL, *payload = NULL;
	enum wf_event		 pe;
	int			 approve;

	if (validate_json(r, r->json, approval_fields, 2, &in, NULL) == -1)
		return;
	approve = strcmp(in.decision, "approve") == 0;
	if (!transition_begin(r, &idem, &c))
		return;
	switch (wf_decide_approval(r->user.roles, r->user.id, c.pending_by,
	    c.pending)) {
	case WF_APPROVAL_NOT_LEGAL:
		log_warn("request %s: %s may not decide proposals", r->id,
		    r->user.username);
		reply_problem(r, 403, NULL, "only legal review staff may decide "
		    "a proposal", NULL);
		return;
	case WF_APPROVAL_SELF:
		log_warn("request %s: %s tried to decide their own proposal",
		    r->id, r->user.username);
		reply_problem(r, 403, "self-approval", "no one may decide their "
		    "own proposal", NULL);
		return;
	case WF_APPROVAL_NONE_PENDING:
		reply_problem(r, 409, "nothing-pending", "the case has no "
		    "proposal to decide", NULL);
		return;
	case WF_APPROVAL_OK:
	case WF_APPROVAL__MAX:
		break;
	}
	pe = c.pending_event;
	if ((proposal = proposal_payload(r, &c)) == NULL) {
		reply_db_error(r);
		return;
	}
	payload = json_pack("{s:i, s:s*}", "proposal_seq", c.pending_seq,
	    "comment", in.comment);

	memset(&ev, 0, sizeof(ev));
	memset(&a, 0, sizeof(a));
	ev.case_id = c.id;
	ev.seq = c.last_seq + 1;
	ev.prev = c.last_hash;
	ev.case_region = c.region;
	ev.role = wf_role_ids[WF_ROLE_LEGAL];
	ev.event = wf_events[pe].id;
	ev.from = wf_states[c.state].id;
	ev.payload = payload;
	ev.at_us = now_us();
	a.to = c.state;
	if (approve) {
		ev.phase = "approved";
		if (wf_events[pe].to != WF_STATE__MAX)
			a.to = wf_events[pe].to;
		advance_facts(&a, pe, proposal);
	} else
		ev.phase = "rejected";
	ev.to = wf_states[a.to].id;
	carry_out(r, &c, &ev, &a, pe, approve ? WF_PHASE_APPROVE :
	    WF_PHASE_REJECT, proposal, &idem, 200);
	json_decref(payload);
	json_decref(proposal);
}
