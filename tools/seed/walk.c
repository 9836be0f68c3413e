/*
 * walk.c: one case's life, decided step by step by the workflow library.
 *
 * A walk starts with the registration and picks, at each step, one of the
 * events the library allows from the case's state (wf_actions) with
 * weights that make a plausible campaign: most cases are ordered to
 * rectify, some get an interview, a penalty, a transfer; closed cases get
 * their look-back.  The payload is what an officer would type that day,
 * and wf_decide() -- the very call the service makes -- says whether it
 * applies, needs approval or (a bug here) is refused.  The walk then
 * holds the steps; a driver carries them out.
 *
 * In WALK_HISTORY time runs from the registration to now, with office
 * hours, working days, rectification deadlines and look-back dates
 * honoured, so a case registered last week is still early in its life and
 * one from March may be in its look-back.  WALK_NOW takes every step now
 * (the API driver: the service stamps its own time).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seed.h"
#include "../../fcgi/base/base.h"
#include "../../fcgi/front/front.h"
#include "../../fcgi/ledger/ledger.h"
#include "../../fcgi/resources/resources.h"

static const char *const sources[] = {
	"risk_investigation", "spot_check", "self_inspection",
	"risk_monitoring", "complaint", "public_opinion", "injury_monitoring",
	"recall", "lookback"
};
static const unsigned source_w[] = { 30, 25, 10, 10, 10, 5, 3, 3, 4 };
static const char *const risk_levels[] = { "high", "medium", "low", NULL };
static const unsigned risk_w[] = { 20, 45, 30, 5 };

static const char *const approve_comments[] = {
	"经法制审核，事实清楚，证据确凿，同意", "同意", "程序合法，同意", NULL
};
static const char *const reject_comments[] = {
	"证据不足，请补充调查材料后重新提请",
	"适用法律依据不准确，请重新核定", NULL
};

/*
 * Weights of the next event by state (0: not chosen there).  A transfer
 * waits for its receipt before it closes: see event_weight().
 */
#define EV(x)	[WF_EV_##x]
static const unsigned weights_of[WF_STATE__MAX][WF_EV__MAX] = {
	[WF_STATE_DETECTED] = { EV(ORDER_RECTIFICATION) = 50,
	    EV(HOLD_INTERVIEW) = 12, EV(PUBLISH_CREDIT) = 10,
	    EV(TRANSFER_JUDICIAL) = 3, EV(TRANSFER_DISCIPLINE) = 2,
	    EV(DISMISS) = 10, EV(ADD_NOTE) = 4 },
	[WF_STATE_RECTIFYING] = { EV(REPORT_RECTIFICATION) = 85,
	    EV(HOLD_INTERVIEW) = 10, EV(ADD_NOTE) = 5 },
	[WF_STATE_RECTIFICATION_REVIEW] = { EV(CLOSE) = 45,
	    EV(REJECT_RECTIFICATION) = 20, EV(PUBLISH_CREDIT) = 14,
	    EV(HOLD_INTERVIEW) = 6, EV(ORDER_RECTIFICATION) = 5,
	    EV(TRANSFER_JUDICIAL) = 4, EV(TRANSFER_DISCIPLINE) = 2,
	    EV(ADD_NOTE) = 4 },
	[WF_STATE_INTERVIEW] = { EV(ORDER_RECTIFICATION) = 40,
	    EV(PUBLISH_CREDIT) = 25, EV(CLOSE) = 25,
	    EV(TRANSFER_JUDICIAL) = 4, EV(TRANSFER_DISCIPLINE) = 3,
	    EV(ADD_NOTE) = 3 },
	[WF_STATE_CREDIT_PUBLICATION] = { EV(CLOSE) = 80,
	    EV(TRANSFER_JUDICIAL) = 12, EV(TRANSFER_DISCIPLINE) = 5,
	    EV(ADD_NOTE) = 3 },
	[WF_STATE_TRANSFER_JUDICIAL] = { EV(RECORD_TRANSFER_RECEIPT) = 90,
	    EV(CLOSE) = 95, EV(ADD_NOTE) = 5 },
	[WF_STATE_TRANSFER_DISCIPLINE] = { EV(RECORD_TRANSFER_RECEIPT) = 90,
	    EV(CLOSE) = 95, EV(ADD_NOTE) = 5 },
	[WF_STATE_CLOSED] = { EV(START_LOOKBACK) = 1 },
	[WF_STATE_LOOKBACK] = { EV(LOOKBACK_CLEAR) = 80,
	    EV(LOOKBACK_RECURRENCE) = 20 },
};
#undef EV

static unsigned
event_weight(enum wf_state st, enum wf_event ev, int receipt_done)
{
	if (st == WF_STATE_TRANSFER_JUDICIAL ||
	    st == WF_STATE_TRANSFER_DISCIPLINE) {
		if (ev == WF_EV_RECORD_TRANSFER_RECEIPT && receipt_done)
			return 0;
		if (ev == WF_EV_CLOSE && !receipt_done)
			return 0;
	}
	return weights_of[st][ev];
}

/* The day a date field of the payload names, or -1. */
static int
payload_day(json_t *payload, const char *field)
{
	int	 day;

	if (wf_date_parse(json_string_value(json_object_get(payload, field)),
	    &day) != WF_DATE_OK)
		return -1;
	return day;
}

/* Roles of the officer and of the legal reviewer of a province. */
static unsigned
actor_roles(const struct world *w, int province, int legal)
{
	return legal ? w->legal[province].roles : w->officer[province].roles;
}

/*
 * The next instant after `t` on `day` (or `t` itself moved on a little,
 * when `day` is t's own day and the draw fell before t).
 */
static long long
instant(struct rng *r, long long t, int day)
{
	long long	 u = at_on_day(r, day);

	if (u <= t)
		u = t + 60LL * 1000000 * rng_range(r, 10, 120);
	return u;
}

/*
 * Walk case number `k`: fill `c` with its facts and steps (payloads owned
 * by `c`: walk_free).  `province` -1 draws one.  Returns 0, or -1 when
 * there is no enterprise to put the case at.
 */
int
walk_case(const struct world *w, uint64_t k, enum walk_mode mode,
    int province, struct case_plan *c)
{
	struct rng		 r;
	const struct enterprise	*e;
	struct wf_payload	 view;
	struct wf_ctx		 ctx;
	struct wf_verdict	 v;
	struct step		*s;
	enum wf_state		 st = WF_STATE_DETECTED;
	enum wf_event		 ev, pend_ev = WF_EV__MAX;
	unsigned		 mask, weights[WF_EV__MAX], roles;
	long long		 t, horizon;
	int			 pending = 0, receipt_done = 0, legal;
	int			 deadline_day = -1, lookback_day = -1;
	int			 day, first, last, today, stall, i;
	json_t			*payload;

	rng_init(&r, w->seed, STREAM_CASE, k);
	memset(c, 0, sizeof(*c));
	c->index = k;
	c->province = province >= 0 ? province : rng_chance(&r, 55) ? 0 : 1;
	if (w->nents_of[c->province] == 0)
		return -1;
	c->ent = w->ents_of[c->province][rng_below(&r,
	    (unsigned)w->nents_of[c->province])];
	e = &w->ents[c->ent];
	c->category = w->categories[rng_chance(&r, 80) ? e->category :
	    (int)rng_below(&r, w->ncategories < 10 ?
	    (unsigned)w->ncategories : 10)];
	c->domain = e->production ? "production" : "circulation";
	c->source = sources[rng_weighted(&r, source_w, 9)];
	c->problem = problem_text(&r, c->category);
	c->risk_level = risk_levels[rng_weighted(&r, risk_w, 4)];
	case_problem_types(w, c);

	today = wf_day_of_unix(w->now_us / 1000000);
	horizon = w->now_us;
	c->campaign = w->campaign_now;
	if (mode == WALK_HISTORY) {
		if (w->campaign_old != 0 && rng_chance(&r, 15)) {
			c->campaign = w->campaign_old;
			first = wf_day_from_ymd(w->campaign_old, 3, 1);
			last = wf_day_from_ymd(w->campaign_old, 10, 31);
			horizon = wf_day_end_unix(wf_day_from_ymd(
			    w->campaign_old + 1, 12, 31)) * 1000000LL;
		} else {
			first = wf_day_from_ymd(w->campaign_now, 1, 5);
			last = today - 1;
		}
		if (last < first)
			last = first;
		day = working_day_on_or_after(rng_range(&r, first, last));
		c->created_us = at_on_day(&r, day);
		if (c->created_us >= w->now_us)
			c->created_us = w->now_us - 3600LL * 1000000;
	} else
		c->created_us = w->now_us;
	if (mode == WALK_DETECTED)
		return 0;

	t = c->created_us;
	stall = mode == WALK_HISTORY ? 5 : 15;
	while (c->nsteps < MAX_STEPS - 2) {
		if (pending) {
			/* Now: some proposals still await their review. */
			if (mode == WALK_NOW && rng_chance(&r, 15))
				break;
			/* The legal reviewer decides within days. */
			if (mode == WALK_HISTORY) {
				day = add_working(wf_day_of_unix(t / 1000000),
				    rng_range(&r, 1, 8));
				t = instant(&r, t, day);
				if (t > horizon)
					break;
			}
			s = &c->steps[c->nsteps++];
			s->kind = STEP_DECIDE;
			s->event = pend_ev;
			s->approve = rng_chance(&r, 88);
			s->comment = text_pick(&r, s->approve ?
			    approve_comments : reject_comments);
			s->legal = 1;
			s->at_us = t;
			s->from = st;
			if (s->approve && wf_events[pend_ev].to != WF_STATE__MAX)
				st = wf_events[pend_ev].to;
			s->to = st;
			if (s->approve && (pend_ev == WF_EV_TRANSFER_JUDICIAL ||
			    pend_ev == WF_EV_TRANSFER_DISCIPLINE))
				receipt_done = 0;
			pending = 0;
			continue;
		}
		if (rng_chance(&r, st == WF_STATE_CLOSED ? 35 : stall))
			break;

		/* The events the library allows now, weighted. */
		mask = wf_actions(st, pending, w->officer[c->province].roles |
		    w->legal[c->province].roles);
		for (i = 0; i < WF_EV__MAX; i++)
			weights[i] = (mask & WF_EVENT_BIT(i)) &&
			    !wf_events[i].system ?
			    event_weight(st, (enum wf_event)i, receipt_done) : 0;
		for (i = 0; i < WF_EV__MAX && weights[i] == 0; i++)
			continue;
		if (i == WF_EV__MAX)
			break;
		ev = (enum wf_event)rng_weighted(&r, weights, WF_EV__MAX);
		/* The officer acts, but for what only legal may do. */
		legal = (wf_events[ev].roles &
		    w->officer[c->province].roles) == 0;
		roles = actor_roles(w, c->province, legal);

		if (mode == WALK_HISTORY) {
			day = wf_day_of_unix(t / 1000000);
			if (ev == WF_EV_REPORT_RECTIFICATION && deadline_day > 0)
				day = deadline_day - rng_range(&r, 0, 10);
			else if (ev == WF_EV_START_LOOKBACK && lookback_day > 0)
				day = lookback_day;
			else
				day = add_working(day, rng_range(&r, 1, 10));
			if (day <= wf_day_of_unix(t / 1000000))
				day = add_working(wf_day_of_unix(t / 1000000), 1);
			day = working_day_on_or_after(day);
			t = instant(&r, t, day);
			if (t > horizon)
				break;
		}
		today = wf_day_of_unix(t / 1000000);
		payload = payload_make(&r, w, c->province, ev, today,
		    (int64_t)k);

		memset(&ctx, 0, sizeof(ctx));
		payload_view(&view, payload);
		ctx.state = st;
		ctx.pending = pending;
		ctx.roles = roles;
		ctx.payload = &view;
		ctx.today = today;
		wf_decide(&ctx, ev, &v);
		if (v.outcome != WF_APPLIES && v.outcome != WF_NEEDS_APPROVAL)
			fatal("case %llu: the library refused %s from %s "
			    "(outcome %d%s%s): a bug in the seed",
			    (unsigned long long)k, wf_events[ev].id,
			    wf_states[st].id, (int)v.outcome,
			    v.nerrors > 0 ? ", " : "",
			    v.nerrors > 0 ? v.errors[0].field : "");

		s = &c->steps[c->nsteps++];
		s->kind = STEP_EVENT;
		s->event = ev;
		s->payload = payload;
		s->legal = legal;
		s->at_us = t;
		s->outcome = v.outcome;
		s->from = st;
		if (v.outcome == WF_APPLIES)
			st = v.to;
		else {
			pending = 1;
			pend_ev = ev;
		}
		s->to = st;
		if (ev == WF_EV_ORDER_RECTIFICATION ||
		    ev == WF_EV_REJECT_RECTIFICATION ||
		    ev == WF_EV_LOOKBACK_RECURRENCE)
			deadline_day = payload_day(payload, "deadline");
		else if (ev == WF_EV_CLOSE)
			lookback_day = payload_day(payload, "lookback_on");
		else if (ev == WF_EV_RECORD_TRANSFER_RECEIPT)
			receipt_done = 1;
	}
	return 0;
}

void
walk_free(struct case_plan *c)
{
	size_t	 i;

	for (i = 0; i < c->nsteps; i++)
		json_decref(c->steps[i].payload);
	c->nsteps = 0;
}
