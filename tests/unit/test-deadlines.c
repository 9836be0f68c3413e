/*
 * test-deadlines.c: what each step of a case starts and stops, and when
 * what it starts is due -- written from the brief and DESIGN.md, with
 * due instants computed by GNU date, not by the library.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../../workflow/workflow.h"
#include "fake-payload.h"

/* The kinds: id, unit, amount. */
static const struct {
	const char	*id;
	const char	*unit;
	int		 amount;
} kinds[] = {
	{ "rectification", "given", 0 },
	{ "legal_review", "working_days", 10 },
	{ "publication", "working_days", 7 },
	{ "transfer_approval", "natural_days", 3 },
	{ "transfer_delivery", "hours", 24 },
	{ "case_decision", "natural_days", 90 },
	{ "lookback", "given", 0 },
};

static void
test_kinds(void **state)
{
	size_t	 i;

	(void)state;
	assert_int_equal(WF_DL__MAX, sizeof(kinds) / sizeof(kinds[0]));
	for (i = 0; i < WF_DL__MAX; i++) {
		assert_int_equal(wf_deadline_parse(kinds[i].id), i);
		assert_string_equal(wf_deadlines[i].id, kinds[i].id);
		assert_string_equal(wf_dl_unit_ids[wf_deadlines[i].unit],
		    kinds[i].unit);
		assert_int_equal(wf_deadlines[i].amount, kinds[i].amount);
		assert_true(strlen(wf_deadlines[i].label) > 0);
	}
	assert_string_equal(
	    wf_fields[wf_deadlines[WF_DL_RECTIFICATION].field].name,
	    "deadline");
	assert_string_equal(
	    wf_fields[wf_deadlines[WF_DL_LOOKBACK].field].name,
	    "lookback_on");
	assert_int_equal(wf_deadline_parse("Lookback"), WF_DL__MAX);
	assert_int_equal(wf_deadline_parse(NULL), WF_DL__MAX);
}

/* Which changes each (event, phase) makes: "START:kind" or "STOP:kind". */
static const struct {
	const char	*event;		/* NULL: registration */
	enum wf_phase	 phase;
	const char	*changes[6];
} effects[] = {
	{ NULL, WF_PHASE_CREATE, { "START:case_decision" } },
	{ "order_rectification", WF_PHASE_APPLY, { "START:rectification" } },
	{ "report_rectification", WF_PHASE_APPLY, { "STOP:rectification" } },
	{ "reject_rectification", WF_PHASE_APPLY, { "START:rectification" } },
	{ "hold_interview", WF_PHASE_APPLY, { "STOP:rectification" } },
	{ "publish_credit", WF_PHASE_PROPOSE,
	  { "START:legal_review", "START:publication" } },
	{ "publish_credit", WF_PHASE_APPROVE,
	  { "STOP:legal_review", "STOP:publication", "STOP:case_decision" } },
	{ "publish_credit", WF_PHASE_REJECT,
	  { "STOP:legal_review", "STOP:publication" } },
	{ "transfer_judicial", WF_PHASE_PROPOSE,
	  { "START:legal_review", "START:transfer_approval" } },
	{ "transfer_judicial", WF_PHASE_APPROVE,
	  { "STOP:legal_review", "STOP:transfer_approval",
	    "START:transfer_delivery" } },
	{ "transfer_judicial", WF_PHASE_REJECT,
	  { "STOP:legal_review", "STOP:transfer_approval" } },
	{ "transfer_discipline", WF_PHASE_PROPOSE,
	  { "START:legal_review", "START:transfer_approval" } },
	{ "transfer_discipline", WF_PHASE_APPROVE,
	  { "STOP:legal_review", "STOP:transfer_approval",
	    "START:transfer_delivery" } },
	{ "transfer_discipline", WF_PHASE_REJECT,
	  { "STOP:legal_review", "STOP:transfer_approval" } },
	{ "record_transfer_receipt", WF_PHASE_APPLY,
	  { "STOP:transfer_delivery" } },
	{ "close", WF_PHASE_PROPOSE, { "START:legal_review" } },
	{ "close", WF_PHASE_APPROVE,
	  { "STOP:legal_review", "STOP:case_decision",
	    "STOP:transfer_delivery", "START:lookback" } },
	{ "close", WF_PHASE_REJECT, { "STOP:legal_review" } },
	{ "dismiss", WF_PHASE_PROPOSE, { "START:legal_review" } },
	{ "dismiss", WF_PHASE_APPROVE,
	  { "STOP:legal_review", "STOP:case_decision" } },
	{ "dismiss", WF_PHASE_REJECT, { "STOP:legal_review" } },
	{ "start_lookback", WF_PHASE_APPLY, { "STOP:lookback" } },
	{ "lookback_recurrence", WF_PHASE_APPLY, { "START:rectification" } },
	{ "correct", WF_PHASE_PROPOSE, { "START:legal_review" } },
	{ "correct", WF_PHASE_APPROVE, { "STOP:legal_review" } },
	{ "correct", WF_PHASE_REJECT, { "STOP:legal_review" } },
	/* lookback_clear and add_note change no deadline. */
};
#define NEFFECTS	(sizeof(effects) / sizeof(effects[0]))

#define NOW	1655254800LL	/* 2022-06-15 09:00:00 +0800 */
#define TODAY	19158		/* 2022-06-15 */

static const char *
name_of(const struct wf_dl_change *c)
{
	static char	 buf[64];

	snprintf(buf, sizeof(buf), "%s:%s",
	    c->op == WF_DLOP_START ? "START" : "STOP",
	    wf_deadlines[c->kind].id);
	return buf;
}

/* Every (event, phase): exactly the changes listed, no other. */
static void
test_every_step(void **state)
{
	struct fake		 fk;
	struct wf_dl_change	 out[WF_DL__MAX];
	size_t			 n, i, j, k, want;
	int			 ev, ph, found;

	(void)state;
	for (ev = 0; ev < WF_EV__MAX; ev++)
	for (ph = WF_PHASE_APPLY; ph < WF_PHASE__MAX; ph++) {
		assert_int_equal(fake_valid(&fk, wf_events[ev].id, TODAY), 0);
		n = wf_deadline_changes(ev, ph, NOW, &fk.p, out);
		assert_true(n != WF_DL_BAD_PAYLOAD);
		want = 0;
		for (i = 0; i < NEFFECTS; i++) {
			if (effects[i].event == NULL ||
			    strcmp(effects[i].event, wf_events[ev].id) != 0 ||
			    effects[i].phase != (enum wf_phase)ph)
				continue;
			for (j = 0; j < 6 && effects[i].changes[j]; j++) {
				for (found = 0, k = 0; k < n; k++)
					if (strcmp(name_of(&out[k]),
					    effects[i].changes[j]) == 0)
						found = 1;
				if (!found)
					fail_msg("%s phase %d: missing %s",
					    wf_events[ev].id, ph,
					    effects[i].changes[j]);
				want++;
			}
		}
		if (n != want)
			fail_msg("%s phase %d: %zu changes, want %zu",
			    wf_events[ev].id, ph, n, want);
		for (k = 0; k < n; k++) {
			assert_true(out[k].basis == NOW);
			if (out[k].op == WF_DLOP_STOP)
				assert_true(out[k].due == 0);
			else
				assert_true(out[k].due > NOW);
		}
	}
}

/* Registration starts the 90-day case decision; the event is ignored. */
static void
test_create(void **state)
{
	struct wf_dl_change	 out[WF_DL__MAX];

	(void)state;
	assert_int_equal(wf_deadline_changes(WF_EV__MAX, WF_PHASE_CREATE,
	    NOW, NULL, out), 1);
	assert_int_equal(out[0].kind, WF_DL_CASE_DECISION);
	assert_int_equal(out[0].op, WF_DLOP_START);
	/* 2022-06-15 + 90 days = 2022-09-13, 23:59:59 +0800 */
	assert_true(out[0].due == 1663084799LL);
	assert_true(out[0].basis == NOW);
	assert_int_equal(out[0].known, 1);
	assert_int_equal(wf_deadline_changes(WF_EV_CLOSE, WF_PHASE_CREATE,
	    NOW, NULL, out), 1);
}

static const struct wf_dl_change *
find(const struct wf_dl_change *out, size_t n, enum wf_deadline k,
    enum wf_dl_op op)
{
	static const struct wf_dl_change none;
	size_t				 i;

	for (i = 0; i < n; i++)
		if (out[i].kind == k && out[i].op == op)
			return &out[i];
	fail_msg("no %s", wf_deadlines[k].id);
	return &none;
}

/*
 * Proposed Thu 2022-01-27 10:00: legal review 10 working days, through
 * the Spring Festival, due 2022-02-15 23:59:59; publication 7 working
 * days, due 2022-02-10 23:59:59.
 */
static void
test_publish_credit_across_spring_festival(void **state)
{
	struct fake		 fk;
	struct wf_dl_change	 out[WF_DL__MAX];
	const struct wf_dl_change *c;
	const long long		 now = 1643248800LL;
	size_t			 n;

	(void)state;
	fake_valid(&fk, "publish_credit", wf_day_of_unix(now));
	n = wf_deadline_changes(WF_EV_PUBLISH_CREDIT, WF_PHASE_PROPOSE, now,
	    &fk.p, out);
	assert_int_equal(n, 2);
	c = find(out, n, WF_DL_LEGAL_REVIEW, WF_DLOP_START);
	assert_true(c->due == 1644940799LL);
	assert_true(c->basis == now);
	assert_int_equal(c->known, 1);
	c = find(out, n, WF_DL_PUBLICATION, WF_DLOP_START);
	assert_true(c->due == 1644508799LL);
	assert_false(wf_overdue(c->due, 1644508799LL));
	assert_true(wf_overdue(c->due, 1644508800LL));
}

/*
 * Proposed Thu 2022-09-29 15:30: approval within 3 natural days (due
 * 2022-10-02 23:59:59, holiday or not), review by 2022-10-18 23:59:59;
 * approved at the same instant, delivery due 24 hours later.
 */
static void
test_transfer_across_national_day(void **state)
{
	struct fake		 fk;
	struct wf_dl_change	 out[WF_DL__MAX];
	const struct wf_dl_change *c;
	const long long		 now = 1664436600LL;
	size_t			 n;

	(void)state;
	fake_valid(&fk, "transfer_judicial", wf_day_of_unix(now));
	n = wf_deadline_changes(WF_EV_TRANSFER_JUDICIAL, WF_PHASE_PROPOSE,
	    now, &fk.p, out);
	assert_int_equal(n, 2);
	c = find(out, n, WF_DL_TRANSFER_APPROVAL, WF_DLOP_START);
	assert_true(c->due == 1664726399LL);
	c = find(out, n, WF_DL_LEGAL_REVIEW, WF_DLOP_START);
	assert_true(c->due == 1666108799LL);

	n = wf_deadline_changes(WF_EV_TRANSFER_DISCIPLINE, WF_PHASE_APPROVE,
	    now, NULL, out);
	assert_int_equal(n, 3);
	c = find(out, n, WF_DL_TRANSFER_DELIVERY, WF_DLOP_START);
	assert_true(c->due == now + 86400);
	assert_false(wf_overdue(c->due, now + 86400));
	assert_true(wf_overdue(c->due, now + 86401));
}

/* Given dates are due at the end of the day they name. */
static void
test_given_dates(void **state)
{
	struct fake		 fk;
	struct wf_dl_change	 out[WF_DL__MAX];
	const struct wf_dl_change *c;
	size_t			 n;

	(void)state;
	fake_valid(&fk, "order_rectification", TODAY);
	fake_str(&fk, "deadline", "2022-07-15");
	n = wf_deadline_changes(WF_EV_ORDER_RECTIFICATION, WF_PHASE_APPLY,
	    NOW, &fk.p, out);
	assert_int_equal(n, 1);
	assert_true(out[0].due == 1657900799LL);

	fake_valid(&fk, "lookback_recurrence", TODAY);
	fake_str(&fk, "deadline", "2022-07-15");
	n = wf_deadline_changes(WF_EV_LOOKBACK_RECURRENCE, WF_PHASE_APPLY,
	    NOW, &fk.p, out);
	assert_int_equal(n, 1);
	assert_true(out[0].due == 1657900799LL);

	/* close: the proposal's payload, given again at approval */
	fake_valid(&fk, "close", TODAY);
	fake_str(&fk, "lookback_on", "2022-12-15");
	n = wf_deadline_changes(WF_EV_CLOSE, WF_PHASE_APPROVE, NOW, &fk.p,
	    out);
	assert_int_equal(n, 4);
	c = find(out, n, WF_DL_LOOKBACK, WF_DLOP_START);
	assert_true(c->due == 1671119999LL);
}

/* A step that needs a date the payload lacks says so. */
static void
test_bad_payload(void **state)
{
	struct fake		 fk;
	struct wf_dl_change	 out[WF_DL__MAX];

	(void)state;
	assert_true(wf_deadline_changes(WF_EV_CLOSE, WF_PHASE_APPROVE, NOW,
	    NULL, out) == WF_DL_BAD_PAYLOAD);
	fake_valid(&fk, "close", TODAY);
	fake_str(&fk, "lookback_on", "2022-02-30");
	assert_true(wf_deadline_changes(WF_EV_CLOSE, WF_PHASE_APPROVE, NOW,
	    &fk.p, out) == WF_DL_BAD_PAYLOAD);
	fake_kind(&fk, "lookback_on", WF_V_OTHER);
	assert_true(wf_deadline_changes(WF_EV_CLOSE, WF_PHASE_APPROVE, NOW,
	    &fk.p, out) == WF_DL_BAD_PAYLOAD);
	fake_init(&fk);
	assert_true(wf_deadline_changes(WF_EV_ORDER_RECTIFICATION,
	    WF_PHASE_APPLY, NOW, &fk.p, out) == WF_DL_BAD_PAYLOAD);
	/* Steps needing no date do not look. */
	assert_int_equal(wf_deadline_changes(WF_EV_CLOSE, WF_PHASE_PROPOSE,
	    NOW, NULL, out), 1);
	assert_int_equal(wf_deadline_changes(WF_EV__MAX, WF_PHASE_APPLY,
	    NOW, NULL, out), 0);
}

/* A review counted into 2027, whose notice is unknown, says so. */
static void
test_unknown_year_flagged(void **state)
{
	struct wf_dl_change	 out[WF_DL__MAX];
	size_t			 n;

	(void)state;
	/* 2026-11-27 10:00 +0800: due Fri 2026-12-11, authoritative */
	n = wf_deadline_changes(WF_EV_DISMISS, WF_PHASE_PROPOSE,
	    1795744800LL, NULL, out);
	assert_int_equal(n, 1);
	assert_true(out[0].due == 1797004799LL);
	assert_int_equal(out[0].known, 1);
	/* 2026-12-20 10:00 +0800: due 2027-01-01 on the fallback */
	n = wf_deadline_changes(WF_EV_DISMISS, WF_PHASE_PROPOSE,
	    1797732000LL, NULL, out);
	assert_int_equal(n, 1);
	assert_true(out[0].due == 1798819199LL);
	assert_int_equal(out[0].known, 0);
	/* Natural days need no calendar: always known. */
	n = wf_deadline_changes(WF_EV__MAX, WF_PHASE_CREATE,
	    1797732000LL, NULL, out);
	assert_int_equal(out[0].known, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_every_step),
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_publish_credit_across_spring_festival),
		cmocka_unit_test(test_transfer_across_national_day),
		cmocka_unit_test(test_given_dates),
		cmocka_unit_test(test_bad_payload),
		cmocka_unit_test(test_unknown_year_flagged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
