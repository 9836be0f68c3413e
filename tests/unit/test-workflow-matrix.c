/*
 * test-workflow-matrix.c: every (state x event x role set x pending)
 * against DESIGN.md's table, written out again here by hand -- not read
 * from the library's table -- with a valid payload for each event, so
 * the verdict is one of APPLIES, NEEDS_APPROVAL, ILLEGAL_STATE,
 * ROLE_DENIED or PENDING.  wf_actions() must list exactly the events
 * that verdict lets through.
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

/* DESIGN.md, "The case workflow", Events. */
struct design {
	const char	*event;
	const char	*from[10];	/* "*": any state */
	const char	*to;		/* NULL: (same) */
	const char	*roles[3];
	int		 approval;
};

static const struct design design[] = {
	{ "order_rectification",
	  { "detected", "rectification_review", "interview" },
	  "rectifying", { "officer" }, 0 },
	{ "report_rectification",
	  { "rectifying" },
	  "rectification_review", { "officer" }, 0 },
	{ "reject_rectification",
	  { "rectification_review" },
	  "rectifying", { "officer" }, 0 },
	{ "hold_interview",
	  { "detected", "rectifying", "rectification_review" },
	  "interview", { "officer" }, 0 },
	{ "publish_credit",
	  { "detected", "rectification_review", "interview" },
	  "credit_publication", { "officer" }, 1 },
	{ "transfer_judicial",
	  { "detected", "rectification_review", "interview",
	    "credit_publication" },
	  "transfer_judicial", { "officer", "legal" }, 1 },
	{ "transfer_discipline",
	  { "detected", "rectification_review", "interview",
	    "credit_publication" },
	  "transfer_discipline", { "officer", "legal" }, 1 },
	{ "record_transfer_receipt",
	  { "transfer_judicial", "transfer_discipline" },
	  NULL, { "legal" }, 0 },
	{ "close",
	  { "rectification_review", "interview", "credit_publication",
	    "transfer_judicial", "transfer_discipline" },
	  "closed", { "officer" }, 1 },
	{ "dismiss",
	  { "detected" },
	  "closed", { "officer" }, 1 },
	{ "start_lookback",
	  { "closed" },
	  "lookback", { "officer" }, 0 },
	{ "lookback_clear",
	  { "lookback" },
	  "closed", { "officer" }, 0 },
	{ "lookback_recurrence",
	  { "lookback" },
	  "rectifying", { "officer" }, 0 },
	{ "add_note",
	  { "*" },
	  NULL, { "officer", "legal" }, 0 },
	/* API.md Part 2, "Responsibility, reminders, supervision". */
	{ "assign",
	  { "*" },
	  NULL, { "officer" }, 0 },
	/* API.md Part 2: a registration fact corrected, legal approving. */
	{ "correct",
	  { "*" },
	  NULL, { "officer" }, 1 },
	/* API.md Part 2, "Across regions": made by POST /referrals. */
	{ "refer",
	  { "*" },
	  NULL, { "officer" }, 0 },
	{ "link",
	  { "*" },
	  NULL, { "officer" }, 0 },
};
#define NDESIGN	(sizeof(design) / sizeof(design[0]))

/* DESIGN.md, States, in order. */
static const char *const states[] = {
	"detected", "rectifying", "rectification_review", "interview",
	"credit_publication", "transfer_judicial", "transfer_discipline",
	"closed", "lookback",
};
#define NSTATES	(sizeof(states) / sizeof(states[0]))

static const char *const roles[] = { "officer", "legal", "auditor", "admin" };
#define NROLES	(sizeof(roles) / sizeof(roles[0]))

#define TODAY	19158	/* 2022-06-15 */

static int
in(const char *const *set, size_t n, const char *s)
{
	size_t	 i;

	for (i = 0; i < n && set[i] != NULL; i++)
		if (strcmp(set[i], "*") == 0 || strcmp(set[i], s) == 0)
			return 1;
	return 0;
}

/* The role mask of subset `bits` of roles[], through the library's ids. */
static unsigned
mask_of(unsigned bits)
{
	unsigned	 m = 0;
	size_t		 i;
	enum wf_role	 r;

	for (i = 0; i < NROLES; i++)
		if (bits & (1u << i)) {
			r = wf_role_parse(roles[i]);
			assert_int_not_equal(r, WF_ROLE__MAX);
			m |= WF_ROLE_BIT(r);
		}
	return m;
}

/* What DESIGN.md says, by the order of checks in the brief. */
static enum wf_outcome
expect(const struct design *d, const char *state, unsigned bits,
    int pending, const char **to)
{
	size_t	 i;
	int	 allowed = 0;

	*to = state;
	for (i = 0; i < NROLES; i++)
		if ((bits & (1u << i)) && in(d->roles, 3, roles[i]))
			allowed = 1;
	if (!allowed)
		return WF_ROLE_DENIED;
	if (!in(d->from, 10, state))
		return WF_ILLEGAL_STATE;
	if (pending && (d->to != NULL || d->approval))
		return WF_PENDING;
	if (d->to != NULL)
		*to = d->to;
	return d->approval ? WF_NEEDS_APPROVAL : WF_APPLIES;
}

static void
test_ids_are_designs(void **state)
{
	size_t	 i;

	(void)state;
	assert_int_equal(WF_STATE__MAX, NSTATES);
	assert_int_equal(WF_EV__MAX, NDESIGN);
	for (i = 0; i < NSTATES; i++) {
		assert_int_equal(wf_state_parse(states[i]), i);
		assert_string_equal(wf_states[i].id, states[i]);
	}
	/* DESIGN.md's table order is the enum's order. */
	for (i = 0; i < NDESIGN; i++) {
		assert_int_equal(wf_event_parse(design[i].event), i);
		assert_string_equal(wf_events[i].id, design[i].event);
	}
	assert_int_equal(wf_state_parse("Detected"), WF_STATE__MAX);
	assert_int_equal(wf_state_parse(""), WF_STATE__MAX);
	assert_int_equal(wf_state_parse(NULL), WF_STATE__MAX);
	assert_int_equal(wf_event_parse("close "), WF_EV__MAX);
	assert_int_equal(wf_event_parse(NULL), WF_EV__MAX);
	assert_int_equal(WF_EV_ORDER_RECTIFICATION, 0);
	assert_int_equal(WF_EV_ADD_NOTE, 13);
}

static void
test_terminal(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < NSTATES; i++)
		assert_int_equal(wf_states[i].terminal,
		    strcmp(states[i], "closed") == 0);
}

static void
test_matrix(void **state)
{
	struct fake		 fk;
	struct wf_verdict	 v;
	struct wf_ctx		 c;
	const char		*to;
	size_t			 d, s, checked = 0;
	unsigned		 bits, actions, want_actions;
	int			 pending;
	enum wf_outcome		 want;

	(void)state;
	for (s = 0; s < NSTATES; s++)
	for (bits = 0; bits < (1u << NROLES); bits++)
	for (pending = 0; pending <= 1; pending++) {
		want_actions = 0;
		for (d = 0; d < NDESIGN; d++) {
			assert_int_equal(fake_valid(&fk, design[d].event,
			    TODAY), 0);
			memset(&c, 0, sizeof(c));
			c.state = wf_state_parse(states[s]);
			c.pending = pending;
			c.roles = mask_of(bits);
			c.payload = &fk.p;
			c.today = TODAY;
			memset(&v, 0xa5, sizeof(v));
			wf_decide(&c, wf_event_parse(design[d].event), &v);
			want = expect(&design[d], states[s], bits, pending,
			    &to);
			if (v.outcome != want ||
			    v.to != wf_state_parse(to))
				fail_msg("%s from %s, roles %#x, pending %d: "
				    "got outcome %d to %d, want %d to %s",
				    design[d].event, states[s], bits,
				    pending, v.outcome, v.to, want, to);
			assert_int_equal(v.nerrors, 0);
			if (want == WF_APPLIES || want == WF_NEEDS_APPROVAL)
				want_actions |= 1u << d;
			checked++;
		}
		actions = wf_actions(wf_state_parse(states[s]), pending,
		    mask_of(bits));
		if (actions != want_actions)
			fail_msg("actions from %s, roles %#x, pending %d: "
			    "got %#x, want %#x", states[s], bits, pending,
			    actions, want_actions);
	}
	assert_int_equal(checked, NSTATES * NDESIGN * 16 * 2);
}

/* An admin or auditor alone fires nothing, anywhere. */
static void
test_no_role_fires_nothing(void **state)
{
	size_t	 s;

	(void)state;
	for (s = 0; s < NSTATES; s++) {
		assert_int_equal(wf_actions(s, 0, 0), 0);
		assert_int_equal(wf_actions(s, 0,
		    WF_ROLE_BIT(WF_ROLE_ADMIN) |
		    WF_ROLE_BIT(WF_ROLE_AUDITOR)), 0);
	}
}

/* Outside the enums: refused, not read past the tables. */
static void
test_out_of_range(void **state)
{
	struct wf_verdict	 v;
	struct wf_ctx		 c;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.roles = ~0u;
	c.today = TODAY;
	wf_decide(&c, WF_EV__MAX, &v);
	assert_int_equal(v.outcome, WF_ILLEGAL_STATE);
	c.state = WF_STATE__MAX;
	wf_decide(&c, WF_EV_ADD_NOTE, &v);
	assert_int_equal(v.outcome, WF_ILLEGAL_STATE);
	assert_int_equal(wf_actions(WF_STATE__MAX, 0, ~0u), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids_are_designs),
		cmocka_unit_test(test_terminal),
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_no_role_fires_nothing),
		cmocka_unit_test(test_out_of_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
