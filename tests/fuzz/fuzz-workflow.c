/*
 * fuzz-workflow.c: the workflow's verdict (wf_decide) and the deadlines
 * it sets (wf_deadline_changes) on any payload, read through the
 * service's own Jansson accessor (payload_view in transitions.c).
 *
 * Input: byte 0 the case's state, byte 1 pending, byte 2 the user's
 * roles, byte 3 the event (each may fall outside its enum), bytes 4-5
 * the day, the rest the payload as JSON.
 *
 * Properties: the verdict is one of the enum; only an event the guard
 * lets through (wf_actions) can apply or become a proposal, and then
 * with no errors and the table's target state, and with a payload that
 * holds only keys the event declares; an invalid payload names
 * 1..WF_MAX_ERRORS fields; a payload that passed always yields readable
 * deadlines (transitions.c logs an error if not) for every phase it
 * will meet.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* 2026-01-01T00:00:00+08:00 */
#define BASE	1767196800LL

static void
check_deadlines(enum wf_event e, enum wf_phase ph, long long now,
    const struct wf_payload *p)
{
	struct wf_dl_change	 ch[WF_DL__MAX];
	size_t			 n, i;

	n = wf_deadline_changes(e, ph, now, p, ch);
	if (n == WF_DL_BAD_PAYLOAD)
		fuzz_fail("event %s phase %d: a validated payload's dates "
		    "are unreadable", wf_events[e].id, (int)ph);
	if (n > WF_DL__MAX)
		fuzz_fail("%zu deadline changes", n);
	for (i = 0; i < n; i++)
		if ((unsigned)ch[i].kind >= WF_DL__MAX ||
		    (unsigned)ch[i].op >= WF_DLOP__MAX ||
		    (ch[i].op == WF_DLOP_START && ch[i].due < ch[i].basis))
			fuzz_fail("event %s: change %zu is kind %d op %d due "
			    "%lld basis %lld", wf_events[e].id, i,
			    (int)ch[i].kind, (int)ch[i].op, ch[i].due,
			    ch[i].basis);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wf_payload	 view;
	struct wf_ctx		 ctx;
	struct wf_verdict	 v;
	enum wf_event		 e;
	json_t			*payload, *val;
	const char		*key;
	long long		 now;
	unsigned		 actions;
	size_t			 i;

	if (size < 6)
		return 0;
	payload = json_loadb((const char *)data + 6, size - 6,
	    JSON_REJECT_DUPLICATES, NULL);
	if (payload == NULL)
		return 0;
	memset(&ctx, 0, sizeof(ctx));
	ctx.state = (enum wf_state)(data[0] % (WF_STATE__MAX + 2));
	ctx.pending = data[1] & 1;
	ctx.roles = data[2];
	e = (enum wf_event)(data[3] % (WF_EV__MAX + 2));
	now = BASE + (long long)(data[4] | data[5] << 8) * 3600;
	ctx.today = wf_day_of_unix(now);
	payload_view(&view, payload);
	ctx.payload = &view;

	wf_decide(&ctx, e, &v);
	actions = wf_actions(ctx.state, ctx.pending, ctx.roles);
	if ((unsigned)v.outcome >= WF_OUTCOME__MAX)
		fuzz_fail("outcome %d", (int)v.outcome);
	if (v.nerrors > WF_MAX_ERRORS)
		fuzz_fail("%zu errors", v.nerrors);
	for (i = 0; i < v.nerrors; i++)
		if (v.errors[i].field == NULL || v.errors[i].message == NULL)
			fuzz_fail("error %zu has no field or message", i);
	switch (v.outcome) {
	case WF_APPLIES:
	case WF_NEEDS_APPROVAL:
		if ((unsigned)e >= WF_EV__MAX ||
		    !(actions & WF_EVENT_BIT(e)) || v.nerrors != 0)
			fuzz_fail("event %d went through the guard", (int)e);
		if (v.to != (wf_events[e].to != WF_STATE__MAX ?
		    wf_events[e].to : ctx.state))
			fuzz_fail("%s leads to %d", wf_events[e].id, (int)v.to);
		json_object_foreach(payload, key, val) {
			for (i = 0; i < wf_events[e].nrequires; i++)
				if (strcmp(key, wf_fields[wf_events[e].
				    requires[i]].name) == 0)
					break;
			if (i == wf_events[e].nrequires)
				fuzz_fail("%s took the undeclared key %s",
				    wf_events[e].id, key);
		}
		if ((v.outcome == WF_NEEDS_APPROVAL) != wf_events[e].approval)
			fuzz_fail("%s: approval %d", wf_events[e].id,
			    (int)v.outcome);
		if (v.outcome == WF_APPLIES)
			check_deadlines(e, WF_PHASE_APPLY, now, &view);
		else {
			check_deadlines(e, WF_PHASE_PROPOSE, now, &view);
			check_deadlines(e, WF_PHASE_APPROVE, now, &view);
			check_deadlines(e, WF_PHASE_REJECT, now, &view);
		}
		/* The history stores the payload as canonical JSON. */
		{
			char *c = chain_canonical(payload);

			if (c == NULL)
				fuzz_fail("no canonical form");
			free(c);
		}
		break;
	case WF_INVALID_PAYLOAD:
		if (v.nerrors == 0 || !(actions & WF_EVENT_BIT(e)))
			fuzz_fail("invalid payload with %zu errors",
			    v.nerrors);
		break;
	case WF_ILLEGAL_STATE:
	case WF_ROLE_DENIED:
	case WF_PENDING:
		if ((unsigned)e < WF_EV__MAX && (actions & WF_EVENT_BIT(e)))
			fuzz_fail("guard refused %s that wf_actions offers",
			    wf_events[e].id);
		if (v.to != ctx.state)
			fuzz_fail("a refusal moves the case");
		break;
	case WF_OUTCOME__MAX:
		fuzz_fail("outcome __MAX");
	}
	json_decref(payload);
	return 0;
}
