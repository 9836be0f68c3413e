/*
 * transitions.c: moving a case through the workflow, and four eyes.
 *
 *	POST /api/v1/cases/{id}/transitions	{"event", "payload"}
 *	POST /api/v1/cases/{id}/approval	{"decision", "comment"}
 *
 * The workflow library (workflow/) decides what is allowed; this file
 * only carries its verdict out, in the transaction the front line opened
 * (If-Match and the Idempotency-Key already taken there):
 *
 *	1. read the case (row-level security: outside the region is 404)
 *	   and compare its version with If-Match (412);
 *	2. ask the library (wf_decide, wf_decide_approval);
 *	3. hash the new event onto the chain head read in 1 (the ledger);
 *	4. one round trip: case_step() (sql/0017_ledger.sql) -- the guarded
 *	   UPDATE ... WHERE id AND version AND state takes the case row's
 *	   lock, and if anyone changed the case since 1 it matches nothing
 *	   (412): of N concurrent requests with the same version exactly one
 *	   wins, with no lock wider than the row -- and, only if it matched,
 *	   the event (the database checks the hash again) and the deadlines;
 *	   then the case read back;
 *	5. stage the case as the reply: the front line stores the
 *	   Idempotency-Key's answer, commits, and only then sends it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/base.h"
#include "../front/front.h"
#include "resources.h"

/* ------------------------------------------------------------------ */
/* Shared steps                                                       */
/* ------------------------------------------------------------------ */

/*
 * Load the case for a change and compare it with If-Match.  Returns 1 to
 * go on, 0 when a reply was staged (404, 412, or the failure).
 */
static int
case_for_change(struct req *r, struct case_row *c)
{
	int	 found;

	if ((found = case_load(r, r->ids[0], c)) == -1) {
		reply_db_error(r);
		return 0;
	}
	if (found == 0) {
		reply_problem(r, 404, NULL, "no such case", NULL);
		return 0;
	}
	return reply_precondition(r, c->version, "case") == 0;
}

/*
 * The deadline changes `ch` as case_step()'s deadlines_end (the kinds
 * whose running deadline ends: every change ends one) and
 * deadlines_start (those begun), into `step`.
 */
static void
step_deadlines(json_t *step, const struct wf_dl_change *ch, size_t n)
{
	json_t	*ended = json_array(), *started = json_array();
	size_t	 i;

	for (i = 0; i < n; i++) {
		json_array_append_new(ended,
		    json_string(wf_deadlines[ch[i].kind].id));
		if (ch[i].op == WF_DLOP_START)
			json_array_append_new(started, json_pack(
			    "{s:s, s:I, s:I, s:b}",
			    "kind", wf_deadlines[ch[i].kind].id,
			    "basis", (json_int_t)ch[i].basis,
			    "due", (json_int_t)ch[i].due,
			    "known", ch[i].known));
	}
	json_object_set_new(step, "deadlines_end", ended);
	json_object_set_new(step, "deadlines_start", started);
}

/*
 * What case_step() changes besides what the event's record says, by
 * name (sql/0017_ledger.sql): a new reference, or NULL.
 */
static json_t *
step_json(const struct case_row *c, const struct advance *a,
    const struct wf_dl_change *ch, size_t n)
{
	json_t	*step;

	step = json_pack("{s:i, s:s?, s:o, s:i, s:b, s:s?, s:b, s:s?, s:s?,"
	    " s:s?, s:b, s:b, s:s?, s:s?, s:s?, s:s?, s:s?}",
	    "version", c->version,
	    "pending_event", a->pending_event,
	    "pending_seq", a->pending_event != NULL ?
	    json_integer(a->pending_seq) : json_null(),
	    "interviews", a->interviews,
	    "lookback", a->set_lookback,
	    "lookback_on", a->lookback,
	    "penalty", a->penalty,
	    "fine_amount", a->fine,
	    "confiscation_amount", a->confiscation,
	    "case_value", a->value,
	    "judicial", a->judicial,
	    "discipline", a->discipline,
	    "category", a->category,
	    "domain", a->domain,
	    "source", a->source,
	    "problem", a->problem,
	    "risk_level", a->risk_level);
	if (step != NULL)
		step_deadlines(step, ch, n);
	if (step != NULL && a->nassignees > 0) {
		json_t	*ids = json_array();

		for (size_t i = 0; i < a->nassignees; i++)
			json_array_append_new(ids, json_integer(
			    (json_int_t)a->assignees[i]));
		json_object_set_new(step, "assignees", ids);
	}
	return step;
}

/* A string field of a payload, or NULL. */
static const char *
payload_string(const struct wf_payload *p, const char *field)
{
	return p->kind(p->ctx, field) == WF_V_STRING ?
	    p->string(p->ctx, field) : NULL;
}

/*
 * The facts an event records when it takes effect (applied directly, or
 * approved), from its payload (read through `payload`, only for the
 * fields the event records: verify's replay parses a payload only when
 * asked).  The strings in `a` are the payload's, borrowed.
 */
void
advance_facts(struct advance *a, enum wf_event ev,
    const struct wf_payload *payload)
{
	size_t	 i, n;

	switch (ev) {
	case WF_EV_HOLD_INTERVIEW:
		a->facts = 1;
		a->interviews = 1;
		break;
	case WF_EV_PUBLISH_CREDIT:
		a->facts = 1;
		a->penalty = 1;
		a->fine = payload_string(payload, "fine_amount");
		a->confiscation = payload_string(payload,
		    "confiscation_amount");
		a->value = payload_string(payload, "case_value");
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
		a->lookback = payload_string(payload, "lookback_on");
		break;
	case WF_EV_START_LOOKBACK:
	case WF_EV_LOOKBACK_RECURRENCE:
		/* The look-back is under way: no longer "due". */
		a->facts = 1;
		a->set_lookback = 1;
		a->lookback = NULL;
		break;
	case WF_EV_ASSIGN:
		a->facts = 1;
		n = payload != NULL && payload->kind(payload->ctx, "assignees") ==
		    WF_V_LIST ? payload->list_len(payload->ctx, "assignees") : 0;
		for (i = 0; i < n && i < WF_LIST_MAX; i++)
			if (payload->list_kind(payload->ctx, "assignees", i) ==
			    WF_V_INTEGER)
				a->assignees[a->nassignees++] =
				    payload->list_integer(payload->ctx,
				    "assignees", i);
		break;
	case WF_EV_CORRECT:
		a->facts = 1;
		a->category = payload_string(payload, "category");
		a->domain = payload_string(payload, "domain");
		a->source = payload_string(payload, "source");
		a->problem = payload_string(payload, "problem");
		a->risk_level = payload_string(payload, "risk_level");
		break;
	case WF_EV_ORDER_RECTIFICATION:
	case WF_EV_REPORT_RECTIFICATION:
	case WF_EV_REJECT_RECTIFICATION:
	case WF_EV_RECORD_TRANSFER_RECEIPT:
	case WF_EV_DISMISS:
	case WF_EV_LOOKBACK_CLEAR:
	case WF_EV_ADD_NOTE:
	case WF_EV_REFER:
	case WF_EV_LINK:
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
 * Start event `ev` of case `c` -- its next on the chain, from its state,
 * now -- by a user acting as `role`; the caller sets phase and to.
 */
static void
event_next(struct ledger_event *ev, const struct case_row *c,
    const char *role, const char *event, json_t *payload)
{
	memset(ev, 0, sizeof(*ev));
	ev->entity = LEDGER_CASE;
	ev->id = c->id;
	ev->seq = c->last_seq + 1;
	ev->prev = c->last_hash;
	ev->scope_region = c->region;
	ev->role = role;
	ev->event = event;
	ev->from = wf_states[c->state].id;
	ev->payload = payload;
	ev->at_us = now_us();
}

/*
 * Carry out a decided step: hash the event onto the chain head read by
 * case_for_change, then -- in one round trip -- case_step() moves the
 * case, appends the event and applies the deadlines the workflow library
 * computes for it, and the case is read back; stage it as the reply
 * (the front line commits).  A case changed meanwhile is a 412.
 */
static void
carry_out(struct req *r, const struct case_row *c, struct ledger_event *ev,
    const struct advance *a, enum wf_event dl_event, enum wf_phase phase,
    json_t *dl_payload, int status)
{
	static struct stmt step = STMT(
	    "SELECT case_step($1::jsonb, $2, $3, $4::bytea, $5::bytea)"
	    " AS moved", 5);
	struct wf_dl_change	 ch[WF_DL__MAX];
	struct wf_payload	 view;
	struct dbq		 q[1 + CASE_JSON_QUERIES];
	char			 prevhex[LEDGER_HEX], hashhex[LEDGER_HEX];
	char			 cid[24], *steptext = NULL;
	const char		*p[5], *cp[1];
	json_t			*sj;
	size_t			 n;

	payload_view(&view, dl_payload);
	n = wf_deadline_changes(dl_event, phase, ev->at_us / 1000000, &view, ch);
	if (n == WF_DL_BAD_PAYLOAD) {
		log_error("request %s: case %lld: deadline dates unreadable",
		    r->id, (long long)c->id);
		n = 0;
	}
	sj = step_json(c, a, ch, n);
	steptext = sj != NULL ? json_dumps(sj, JSON_COMPACT) : NULL;
	json_decref(sj);
	if (steptext == NULL) {
		req_fail(r, "case %lld: could not build its step",
		    (long long)c->id);
		goto fail;
	}
	if (ledger_prepare(r, ev) == -1)
		goto fail;
	p[0] = steptext;
	ledger_params(ev, p + 1, prevhex, hashhex);
	snprintf(cid, sizeof(cid), "%lld", (long long)c->id);
	cp[0] = cid;
	q[0].s = &step;
	q[0].params = p;
	case_json_queue(q + 1, cp);
	if (db_pipeline(r, NULL, q, NITEMS(q)) == -1)
		goto fail;
	if (strcmp(db_get(q[0].res, 0, "moved"), "t") != 0)
		reply_problem(r, 412, NULL, "the case changed while this "
		    "request ran; reload it", NULL);
	else if (r->user.roles & R(ENTERPRISE))	/* its own view */
		reply_resource(r, status, case_portal_json(r, c->id), "case",
		    NULL);
	else
		reply_resource(r, status, case_json_build(r, q + 1, cid),
		    "case", NULL);
	db_pipeline_clear(q, NITEMS(q));
	ledger_discard(ev);
	free(steptext);
	return;
fail:
	ledger_discard(ev);
	free(steptext);
	reply_db_error(r);
}

/*
 * Append the service's own event `e` (a `system` row of the workflow:
 * refer) to case `c`, loaded by the caller in this transaction: the
 * workflow decides it like any other (the role, the state, the
 * payload), it changes neither state nor proposal, and case_step()
 * appends it after the row's guarded update.  Returns 1 when appended;
 * 0 after staging a reply (403, 409, 422 from the workflow; 412: the
 * case changed meanwhile); -1 with the failure recorded in `r`.
 */
int
case_system_event(struct req *r, const struct case_row *c, enum wf_event e,
    json_t *payload)
{
	static struct stmt step = STMT(
	    "SELECT case_step($1::jsonb, $2, $3, $4::bytea, $5::bytea)"
	    " AS moved", 5);
	struct wf_payload	 view;
	struct wf_ctx		 ctx;
	struct wf_verdict	 v;
	struct ledger_event	 ev;
	struct advance		 a;
	char			 prevhex[LEDGER_HEX], hashhex[LEDGER_HEX];
	char			*steptext = NULL;
	const char		*p[5];
	json_t			*sj, *errors = NULL;
	PGresult		*res;
	size_t			 i;
	int			 rc = -1;

	memset(&ctx, 0, sizeof(ctx));
	payload_view(&view, payload);
	ctx.state = c->state;
	ctx.pending = c->pending;
	ctx.roles = r->user.roles;
	ctx.payload = &view;
	ctx.today = wf_day_of_unix(now_us() / 1000000);
	wf_decide(&ctx, e, &v);
	switch (v.outcome) {
	case WF_ROLE_DENIED:
		reply_problem(r, 403, NULL, "your role may not do this", NULL);
		return 0;
	case WF_ILLEGAL_STATE:
	case WF_PENDING:
	case WF_NEEDS_APPROVAL:
		reply_problem(r, 409, "illegal-transition", "this is not "
		    "possible in the case's current state", NULL);
		return 0;
	case WF_INVALID_PAYLOAD:
		for (i = 0; i < v.nerrors; i++)
			errors = problem_field(errors, v.errors[i].field,
			    v.errors[i].message);
		reply_problem(r, 422, NULL, "the payload is missing fields or "
		    "has invalid ones", errors);
		return 0;
	case WF_APPLIES:
	case WF_OUTCOME__MAX:
		break;
	}
	memset(&a, 0, sizeof(a));
	event_next(&ev, c, acting_role(r->user.roles, wf_events[e].roles),
	    wf_events[e].id, payload);
	ev.phase = "applied";
	ev.to = wf_states[c->state].id;
	a.to = c->state;
	if (c->pending) {
		a.pending_event = wf_events[c->pending_event].id;
		a.pending_seq = c->pending_seq;
	}
	sj = step_json(c, &a, NULL, 0);
	steptext = sj != NULL ? json_dumps(sj, JSON_COMPACT) : NULL;
	json_decref(sj);
	if (steptext == NULL) {
		req_fail(r, "case %lld: could not build its step",
		    (long long)c->id);
		goto out;
	}
	if (ledger_prepare(r, &ev) == -1)
		goto out;
	p[0] = steptext;
	ledger_params(&ev, p + 1, prevhex, hashhex);
	if ((res = db_exec(r, &step, p)) == NULL)
		goto out;
	rc = strcmp(db_get(res, 0, "moved"), "t") == 0;
	PQclear(res);
	if (rc == 0)
		reply_problem(r, 412, NULL, "the case changed while this "
		    "request ran; try again", NULL);
out:
	ledger_discard(&ev);
	free(steptext);
	return rc;
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
	struct wf_payload	 view;
	struct wf_ctx		 ctx;
	struct wf_verdict	 v;
	struct ledger_event	 ev;
	struct advance		 a;
	json_t			*errors = NULL, *empty = NULL;
	enum wf_event		 e;
	size_t			 i;

	if (validate_json(r, r->json, transition_fields,
	    NITEMS(transition_fields), &in, NULL) == -1)
		return;
	if ((e = wf_event_parse(in.event)) == WF_EV__MAX) {
		reply_problem(r, 422, NULL, "no such event", problem_field(NULL,
		    "event", "没有这个事件"));
		return;
	}
	if (wf_events[e].system) {
		reply_problem(r, 422, NULL, "this event is made by its own "
		    "route (POST /api/v1/referrals), not as a transition",
		    problem_field(NULL, "event", "请通过移送功能发起"));
		return;
	}
	if (in.payload == NULL)
		in.payload = empty = json_object();
	if (!case_for_change(r, &c))
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

	/* What a correction may say is the server's to check too. */
	if (e == WF_EV_CORRECT)
		switch (correction_check(r, in.payload, &c)) {
		case -1:
			reply_db_error(r);
			goto out;
		case 0:
			goto out;
		}
	/* Who may answer for a case is the server's to check. */
	if (e == WF_EV_ASSIGN)
		switch (assignees_check(r, json_object_get(in.payload,
		    "assignees"), c.region, "assignees")) {
		case -1:
			reply_db_error(r);
			goto out;
		case 0:
			goto out;
		}

	memset(&a, 0, sizeof(a));
	event_next(&ev, &c, acting_role(r->user.roles, wf_events[e].roles),
	    wf_events[e].id, in.payload);
	if (v.outcome == WF_NEEDS_APPROVAL) {
		/* Four eyes: it becomes the proposal; the case stays. */
		ev.phase = "proposed";
		ev.to = wf_states[c.state].id;
		a.to = c.state;
		a.pending_event = wf_events[e].id;
		a.pending_seq = ev.seq;
		carry_out(r, &c, &ev, &a, e, WF_PHASE_PROPOSE, in.payload,
		    202);
	} else {
		ev.phase = "applied";
		ev.to = wf_states[v.to].id;
		a.to = v.to;
		/* record_transfer_receipt and add_note keep a proposal. */
		if (c.pending) {
			a.pending_event = wf_events[c.pending_event].id;
			a.pending_seq = c.pending_seq;
		}
		advance_facts(&a, e, &view);
		carry_out(r, &c, &ev, &a, e, WF_PHASE_APPLY, in.payload, 200);
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
	{ "comment", VT_TEXT, 0, 0, 2000, NULL, NULL,
	    offsetof(struct approval_in, comment) },
};

/*
 * Whether the proposal's author made this user legal (created them with
 * the role, or granted it): such a decision is not four eyes.  1, 0, or
 * -1 (recorded in `r`).  The database refuses it too (sql/0030).
 */
static int
made_legal_by_proposer(struct req *r, const struct case_row *c)
{
	static struct stmt made = STMT(
	    "SELECT legal_made_by($1, $2) AS made", 2);
	char		 uid[24], pid[24];
	const char	*p[2];
	PGresult	*res;
	int		 rc;

	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	snprintf(pid, sizeof(pid), "%lld", (long long)c->pending_by);
	p[0] = uid;
	p[1] = pid;
	if ((res = db_exec(r, &made, p)) == NULL)
		return -1;
	rc = strcmp(db_get(res, 0, "made"), "t") == 0;
	PQclear(res);
	return rc;
}

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
	if (payload == NULL)
		req_fail(r, "case %s: proposal %s unreadable", cid, seq);
	return payload;
}

void
case_approval(struct req *r)
{
	struct approval_in	 in = { NULL, NULL };
	struct case_row		 c;
	struct ledger_event	 ev;
	struct advance		 a;
	struct wf_payload	 view;
	json_t			*proposal = NULL, *payload = NULL;
	enum wf_event		 pe;
	int			 approve;

	if (validate_json(r, r->json, approval_fields,
	    NITEMS(approval_fields), &in, NULL) == -1)
		return;
	approve = strcmp(in.decision, "approve") == 0;
	if (!case_for_change(r, &c))
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
	switch (made_legal_by_proposer(r, &c)) {
	case -1:
		reply_db_error(r);
		return;
	case 1:
		log_warn("request %s: %s was made legal by the proposer",
		    r->id, r->user.username);
		reply_problem(r, 403, "self-approval", "the proposer gave you "
		    "the legal role: someone else must decide", NULL);
		return;
	}
	pe = c.pending_event;
	if ((proposal = proposal_payload(r, &c)) == NULL) {
		reply_db_error(r);
		return;
	}
	payload = json_pack("{s:i, s:s*}", "proposal_seq", c.pending_seq,
	    "comment", in.comment);

	memset(&a, 0, sizeof(a));
	event_next(&ev, &c, wf_role_ids[WF_ROLE_LEGAL], wf_events[pe].id,
	    payload);
	a.to = c.state;
	if (approve) {
		ev.phase = "approved";
		if (wf_events[pe].to != WF_STATE__MAX)
			a.to = wf_events[pe].to;
		payload_view(&view, proposal);
		advance_facts(&a, pe, &view);
	} else
		ev.phase = "rejected";
	ev.to = wf_states[a.to].id;
	carry_out(r, &c, &ev, &a, pe, approve ? WF_PHASE_APPROVE :
	    WF_PHASE_REJECT, proposal, 200);
	json_decref(payload);
	json_decref(proposal);
}
