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
 *	4. the guarded UPDATE ... WHERE id AND version AND state: it takes
 *	   the case row's lock, and if anyone changed the case since 1 it
 *	   matches nothing (412) -- of N concurrent requests with the same
 *	   version exactly one wins, with no lock wider than the row;
 *	5. insert the event (the database checks the hash again), apply
 *	   the deadlines, store the Idempotency-Key's answer, COMMIT;
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

/* A view of the JSON object `obj` (borrowed) for the workflow library. */
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

/* What changes on the case row besides its state. */
struct advance {
	enum wf_state	 to;
	const char	*pending_event;	/* NULL: no proposal pending after */
	int		 pending_seq;
	/* Facts the statistics count; see sql/0007_cases.sql. */
	int		 facts;
	int		 interviews;	/* added */
	int		 set_lookback;	/* 1: lookback_on = lookback (NULL ok) */
	const char	*lookback;
	int		 penalty;	/* 1: a penalty decision, amounts below */
	const char	*fine, *confiscation, *value;
	int		 judicial, discipline;
};

/*
 * The guarded UPDATE: move the case from `c` (as read) to `a`, with the
 * chain head at `ev`.  Takes the row's lock.  Returns 1 when it matched,
 * 0 when the case changed meanwhile, -1 on a database failure.
 */
static int
case_advance(struct req *r, const struct case_row *c,
    const struct advance *a, const struct event_rec *ev)
{
	static struct stmt guarded = STMT(
	    "UPDATE cases SET state = $4, version = version + 1,"
	    " last_seq = $5, last_hash = $6::bytea, pending_event = $7,"
	    " pending_seq = $8::integer,"
	    " pending_by = CASE WHEN $7::text IS NULL THEN NULL"
	    "   WHEN pending_event IS NULL THEN $9::bigint ELSE pending_by END,"
	    " pending_at = CASE WHEN $7::text IS NULL THEN NULL"
	    "   WHEN pending_event IS NULL THEN now() ELSE pending_at END,"
	    " updated_at = now()"
	    " WHERE id = $1 AND version = $2 AND state = $3 RETURNING version",
	    9);
	static struct stmt facts = STMT(
	    "UPDATE cases SET interviews = interviews + $2::integer,"
	    " lookback_on = CASE WHEN $3::boolean THEN $4::date"
	    "   ELSE lookback_on END,"
	    " penalty_decided_at = CASE WHEN $5::boolean THEN now()"
	    "   ELSE penalty_decided_at END,"
	    " fine_amount = CASE WHEN $5::boolean THEN $6::numeric"
	    "   ELSE fine_amount END,"
	    " confiscation_amount = CASE WHEN $5::boolean THEN $7::numeric"
	    "   ELSE confiscation_amount END,"
	    " case_value = CASE WHEN $5::boolean THEN $8::numeric"
	    "   ELSE case_value END,"
	    " judicial_transferred_at = CASE WHEN $9::boolean THEN now()"
	    "   ELSE judicial_transferred_at END,"
	    " discipline_transferred_at = CASE WHEN $10::boolean THEN now()"
	    "   ELSE discipline_transferred_at END"
	    " WHERE id = $1", 10);
	char		 cid[24], ver[16], seq[16], pseq[16], uid[24], inter[8];
	char		 hashhex[2 * CHAIN_LEN + 3];
	const char	*p[10];
	PGresult	*res;
	int		 n;

	snprintf(cid, sizeof(cid), "%lld", (long long)c->id);
	snprintf(ver, sizeof(ver), "%d", c->version);
	snprintf(seq, sizeof(seq), "%d", (int)ev->seq);
	snprintf(pseq, sizeof(pseq), "%d", a->pending_seq);
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	bytea_hex(ev->hash, CHAIN_LEN, hashhex);
	p[0] = cid;
	p[1] = ver;
	p[2] = wf_states[c->state].id;
	p[3] = wf_states[a->to].id;
	p[4] = seq;
	p[5] = hashhex;
	p[6] = a->pending_event;
	p[7] = a->pending_event != NULL ? pseq : NULL;
	p[8] = uid;
	if ((res = db_exec(r, &guarded, p)) == NULL)
		return -1;
	n = PQntuples(res);
	PQclear(res);
	if (n == 0 || !a->facts)
		return n;
	snprintf(inter, sizeof(inter), "%d", a->interviews);
	p[1] = inter;
	p[2] = a->set_lookback ? "true" : "false";
	p[3] = a->lookback;
	p[4] = a->penalty ? "true" : "false";
	p[5] = a->fine;
	p[6] = a->confiscation;
	p[7] = a->value;
	p[8] = a->judicial ? "true" : "false";
	p[9] = a->discipline ? "true" : "false";
	return db_exec_ok(r, &facts, p) == -1 ? -1 : 1;
}

/*
 * The facts an event records when it takes effect (applied directly, or
 * approved), from its payload.
 */
static void
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

/* The role the user acts in for `ev`: the first allowed one they hold. */
static const char *
acting_role(const struct req *r, unsigned allowed)
{
	int	 i;

	for (i = 0; i < WF_ROLE__MAX; i++)
		if ((r->user.roles & allowed) & WF_ROLE_BIT(i))
			return wf_role_ids[i];
	return wf_role_ids[WF_ROLE_OFFICER];
}

/*
 * Carry out a decided step: hash the event, the guarded UPDATE, insert
 * the event, the deadlines, then reply with the case (which commits).
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

	if (history_prepare(r, ev) == -1)
		goto dberr;
	if ((moved = case_advance(r, c, a, ev)) == -1)
		goto dberr;
	if (moved == 0) {
		history_discard(ev);
		reply_problem(r, 412, NULL, "the case changed while this "
		    "request ran; reload it", NULL);
		return;
	}
	if (history_insert(r, ev) == -1)
		goto dberr;
	payload_view(&view, dl_payload);
	n = wf_deadline_changes(dl_event, phase, ev->at_us / 1000000, &view, ch);
	if (n == WF_DL_BAD_PAYLOAD) {
		log_error("request %s: case %lld: deadline dates unreadable",
		    r->id, (long long)c->id);
		n = 0;
	}
	if (deadlines_apply(r, c->id, ev->seq, c->region, ev->at_us, ch,
	    n) == -1)
		goto dberr;
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
	ev.role = acting_role(r, wf_events[e].roles);
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
