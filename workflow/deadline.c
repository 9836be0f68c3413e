/*
 * deadline.c: the deadlines a case runs against, and what each step of
 * the workflow starts and stops.
 *
 * Sources of the amounts: DESIGN.md ("Deadlines"); for the transfer
 * ones, 《行政执法机关移送涉嫌犯罪案件的规定》 art. 5 (approve or refuse
 * within 3 days of the report; once approved, transfer within 24 hours);
 * for the case decision, 《市场监督管理行政处罚程序规定》 (a decision
 * within 90 days of 立案 under the ordinary procedure; counted here from
 * the case's registration, the earliest date the system knows).
 */
#include <string.h>

#include "workflow.h"
#include "extern.h"

const char *const wf_dl_unit_ids[WF_UNIT__MAX] = {
	[WF_UNIT_WORKING_DAYS] = "working_days",
	[WF_UNIT_NATURAL_DAYS] = "natural_days",
	[WF_UNIT_HOURS] = "hours",
	[WF_UNIT_GIVEN] = "given",
};

const struct wf_deadline_def wf_deadlines[WF_DL__MAX] = {
	[WF_DL_RECTIFICATION] = { "rectification", "整改期限",
	    WF_UNIT_GIVEN, 0, WF_FLD_DEADLINE,
	    "责令整改时确定的整改期限" },
	[WF_DL_LEGAL_REVIEW] = { "legal_review", "法制审核期限",
	    WF_UNIT_WORKING_DAYS, 10, WF_FLD__MAX,
	    "自提请审核之日起" },
	[WF_DL_PUBLICATION] = { "publication", "信用公示期限",
	    WF_UNIT_WORKING_DAYS, 7, WF_FLD__MAX,
	    "自作出处罚决定（提请公示）之日起" },
	[WF_DL_TRANSFER_APPROVAL] = { "transfer_approval", "移送审批期限",
	    WF_UNIT_NATURAL_DAYS, 3, WF_FLD__MAX,
	    "自提请移送之日起" },
	[WF_DL_TRANSFER_DELIVERY] = { "transfer_delivery", "移送送达期限",
	    WF_UNIT_HOURS, 24, WF_FLD__MAX,
	    "自批准移送时起" },
	[WF_DL_CASE_DECISION] = { "case_decision", "案件办理期限",
	    WF_UNIT_NATURAL_DAYS, 90, WF_FLD__MAX,
	    "自登记之日起" },
	[WF_DL_LOOKBACK] = { "lookback", "回头看日期",
	    WF_UNIT_GIVEN, 0, WF_FLD_LOOKBACK_ON,
	    "办结时确定的回头看日期" },
};

/* What registering a case starts: it has no event row. */
static const struct wf_dl_effect create_effects[] = {
	{ WF_PHASE_CREATE, WF_DLOP_START, WF_DL_CASE_DECISION },
};

/*
 * The deadline kind whose API id is exactly the string, or WF_DL__MAX
 * when there is none or the string is NULL.
 */
enum wf_deadline
wf_deadline_parse(const char *s)
{
	enum wf_deadline	 k = WF_DL__MAX;
	int			 i;

	if (s == NULL)
		goto out;
	for (i = 0; i < WF_DL__MAX; i++)
		if (strcmp(s, wf_deadlines[i].id) == 0) {
			k = (enum wf_deadline)i;
			break;
		}
out:
	return k;
}

/*
 * When deadline `kind` started at instant `now` is due; the payload
 * gives the date of WF_UNIT_GIVEN kinds.  Returns 0 and sets *due and
 * *known (0: the working-day count crossed a year the calendar does not
 * know), or -1 when a payload date is missing or invalid.
 */
static int
due_of(enum wf_deadline kind, long long now, const struct wf_payload *p,
    long long *due, int *known)
{
	const struct wf_deadline_def	*dl = &wf_deadlines[kind];
	int				 today, day, rc = -1;

	today = wf_day_of_unix(now);
	*known = 1;
	switch (dl->unit) {
	case WF_UNIT_WORKING_DAYS:
		*due = wf_day_end_unix(
		    wf_add_working_days(today, dl->amount, known));
		break;
	case WF_UNIT_NATURAL_DAYS:
		*due = wf_day_end_unix(wf_add_days(today, dl->amount));
		break;
	case WF_UNIT_HOURS:
		*due = wf_add_hours(now, dl->amount);
		break;
	case WF_UNIT_GIVEN:
		if (wf_payload_date(p, wf_fields[dl->field].name, &day) == -1)
			goto out;
		*due = wf_day_end_unix(day);
		break;
	case WF_UNIT__MAX:
		goto out;
	}
	rc = 0;
out:
	return rc;
}

/*
 * The deadline changes one step of a case makes, for the server to apply
 * in the same transaction as the step.  Call it on every step:
 *
 *   WF_PHASE_CREATE   the case was registered (ev is ignored);
 *   WF_PHASE_APPLY    ev applied at once (wf_decide said WF_APPLIES);
 *   WF_PHASE_PROPOSE  ev became the pending proposal (WF_NEEDS_APPROVAL);
 *   WF_PHASE_APPROVE  the proposal of ev was approved and applied;
 *   WF_PHASE_REJECT   the proposal of ev was rejected.
 *
 * `now` is the instant of the step; `p` the event's payload (for APPROVE
 * and REJECT: the proposal's payload), read only for the dates of
 * WF_UNIT_GIVEN deadlines.  Fills out[0..n-1] in the order of the
 * event's effects and returns n (0 when the step touches no deadline, or
 * ev is outside its enum for a phase other than CREATE).  Each change is
 * {kind, op, due, basis, known}: START (re)starts the deadline due at
 * `due`, counted from `basis` = now; STOP ends it at `basis` = now if it
 * is running (due 0).  known is 0 when a working-day count crossed a
 * year the calendar does not know: say so to the user.
 *
 * Returns WF_DL_BAD_PAYLOAD, with out[] unspecified, when a date the
 * step needs is missing or invalid in the payload; wf_decide() has
 * refused such a payload already, so this means a caller's mistake.
 */
size_t
wf_deadline_changes(enum wf_event ev, enum wf_phase phase, long long now,
    const struct wf_payload *p, struct wf_dl_change out[WF_DL__MAX])
{
	const struct wf_dl_effect	*eff;
	size_t				 neff, i, n = 0;

	if (phase == WF_PHASE_CREATE) {
		eff = create_effects;
		neff = sizeof(create_effects) / sizeof(create_effects[0]);
	} else if ((unsigned)ev < WF_EV__MAX) {
		eff = wf_events[ev].effects;
		neff = wf_events[ev].neffects;
	} else
		goto out;

	for (i = 0; i < neff && n < WF_DL__MAX; i++) {
		if (eff[i].phase != phase)
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		out[n].kind = eff[i].kind;
		out[n].op = eff[i].op;
		out[n].basis = now;
		out[n].known = 1;
		switch (eff[i].op) {
		case WF_DLOP_START:
			if (due_of(eff[i].kind, now, p, &out[n].due,
			    &out[n].known) == -1) {
				n = WF_DL_BAD_PAYLOAD;
				goto out;
			}
			break;
		case WF_DLOP_STOP:
		case WF_DLOP__MAX:
			break;
		}
		n++;
	}
out:
	return n;
}

/* ------------------------------------------------------------------ */
/* Reminders and escalation                                           */
/* ------------------------------------------------------------------ */

/*
 * The instant up to which deadlines are "soon" at instant `now`: a
 * deadline due at or before it gets its reminder (deadline_soon) now.
 * That is the end of the WF_REMIND_WORKING_DAYS-th working day after
 * today, so a deadline due on day D is reminded from the start of the
 * working day two working days before D -- a make-up working day
 * (调休上班) counts, a holiday does not -- and on any later day that it
 * is still not overdue.  *known, if not NULL, is cleared when the count
 * crossed days the calendar does not know.
 */
long long
wf_soon_horizon(long long now, int *known)
{

	return wf_day_end_unix(wf_add_working_days(wf_day_of_unix(now),
	    WF_REMIND_WORKING_DAYS, known));
}

/*
 * The instant up to which deadlines are escalated at instant `now`: a
 * deadline due at or before it is WF_ESCALATE_WORKING_DAYS working days
 * overdue -- the fifth working day after the day it was due on has
 * ended before today began.  That is the end of the latest day X whose
 * fifth working day after lies before today.  *known as for
 * wf_soon_horizon().
 */
long long
wf_escalation_horizon(long long now, int *known)
{
	int	 today = wf_day_of_unix(now), x = today - 1;

	while (wf_add_working_days(x, WF_ESCALATE_WORKING_DAYS, known) >=
	    today)
		x--;
	return wf_day_end_unix(x);
}
