/*
 * decide.c: whether an event may fire, and whether an approval may be
 * given -- the only place paicha decides either.
 */
#include <string.h>

#include "workflow.h"
#include "extern.h"

/*
 * The guard shared by wf_decide() and wf_actions(): checks (1)-(3) of
 * wf_decide() in that order.  Returns WF_APPLIES when the event passes
 * them, else the outcome of the first that fails.
 */
static enum wf_outcome
guard(enum wf_state st, int pending, unsigned roles, enum wf_event ev)
{
	const struct wf_event_def	*e;
	enum wf_outcome			 o = WF_ILLEGAL_STATE;

	if ((unsigned)ev >= WF_EV__MAX || (unsigned)st >= WF_STATE__MAX)
		goto out;
	e = &wf_events[ev];
	if ((e->roles & roles) == 0)
		o = WF_ROLE_DENIED;
	else if ((e->from & WF_STATE_BIT(st)) == 0)
		o = WF_ILLEGAL_STATE;
	else if (pending && (e->to != WF_STATE__MAX || e->approval))
		o = WF_PENDING;
	else
		o = WF_APPLIES;
out:
	return o;
}

/*
 * Decide what firing event `ev` by a user with ctx->roles on a case in
 * ctx->state (ctx->pending: a proposal awaits approval) with
 * ctx->payload does.  Fills the whole verdict; checks in this order and
 * stops at the first that fails:
 *
 *  (1) none of the user's roles may fire the event: WF_ROLE_DENIED;
 *  (2) the case's state is not among the event's from-states:
 *      WF_ILLEGAL_STATE (add_note is allowed from every state);
 *  (3) a proposal is pending and the event would change the state or
 *      needs approval: WF_PENDING (add_note, record_transfer_receipt
 *      stay allowed);
 *  (4) the payload misses or botches a required field, or holds a key
 *      the event does not declare: WF_INVALID_PAYLOAD, errors[] naming
 *      every offending field and key;
 *  (5) an approval event: WF_NEEDS_APPROVAL, `to` the state the case
 *      moves to once approved; else WF_APPLIES, `to` the state it moves
 *      to now (the current state for events that stay).
 *
 * For every outcome but (5), `to` is the current state: nothing moves.
 * An event or state outside its enum is WF_ILLEGAL_STATE.
 */
void
wf_decide(const struct wf_ctx *c, enum wf_event ev, struct wf_verdict *v)
{
	const struct wf_event_def	*e;

	memset(v, 0, sizeof(*v));
	v->to = c->state;
	v->outcome = guard(c->state, c->pending, c->roles, ev);
	if (v->outcome != WF_APPLIES)
		goto out;
	e = &wf_events[ev];
	wf_payload_check(ev, c->payload, c->today, v);
	if (v->nerrors > 0) {
		v->outcome = WF_INVALID_PAYLOAD;
		goto out;
	}
	v->outcome = e->approval ? WF_NEEDS_APPROVAL : WF_APPLIES;
	if (e->to != WF_STATE__MAX)
		v->to = e->to;
out:
	return;
}

/*
 * The events a user holding `roles` may fire now on a case in state `st`
 * (pending: a proposal awaits approval), as a WF_EVENT_BIT set: exactly
 * those that pass checks (1)-(3) of wf_decide().  Whether the payload
 * will pass is up to what the user sends.  0 for a state outside the
 * enum.
 */
unsigned
wf_actions(enum wf_state st, int pending, unsigned roles)
{
	unsigned	 set = 0;
	int		 ev;

	for (ev = 0; ev < WF_EV__MAX; ev++)
		if (guard(st, pending, roles, (enum wf_event)ev) == WF_APPLIES)
			set |= WF_EVENT_BIT(ev);
	return set;
}

/*
 * Decide whether a user (approver_roles, approver_id) may approve -- or
 * reject: the same rule -- the pending proposal of a case, made by
 * proposer_id.  Four eyes: in this order,
 *
 *  (1) the approver does not hold `legal`: WF_APPROVAL_NOT_LEGAL (403);
 *  (2) no proposal is pending: WF_APPROVAL_NONE_PENDING (409);
 *  (3) the approver is the proposer: WF_APPROVAL_SELF (403) -- whatever
 *      else the approver holds (admin included) and whatever the event.
 *      Ids are positive user ids; a non-positive id on either side
 *      cannot show two different people and is refused the same way;
 *
 * else WF_APPROVAL_OK.  Region (the approver's covers the case) is the
 * server's to check: it is not a property of the workflow.
 */
enum wf_approval
wf_decide_approval(unsigned approver_roles, long long approver_id,
    long long proposer_id, int pending)
{
	enum wf_approval	 a;

	if ((approver_roles & WF_ROLE_BIT(WF_ROLE_LEGAL)) == 0)
		a = WF_APPROVAL_NOT_LEGAL;
	else if (!pending)
		a = WF_APPROVAL_NONE_PENDING;
	else if (approver_id <= 0 || proposer_id <= 0 ||
	    approver_id == proposer_id)
		a = WF_APPROVAL_SELF;
	else
		a = WF_APPROVAL_OK;
	return a;
}
