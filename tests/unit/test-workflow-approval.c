/*
 * test-workflow-approval.c: four eyes.  No one approves (or rejects)
 * their own proposal, whichever event it is and whatever roles they hold;
 * only `legal` approves; there must be something pending.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../workflow/workflow.h"
#include "fake-payload.h"

#define TODAY	19158	/* 2022-06-15 */

#define OFFICER	WF_ROLE_BIT(WF_ROLE_OFFICER)
#define LEGAL	WF_ROLE_BIT(WF_ROLE_LEGAL)
#define AUDITOR	WF_ROLE_BIT(WF_ROLE_AUDITOR)
#define ADMIN	WF_ROLE_BIT(WF_ROLE_ADMIN)

/* DESIGN.md: the events marked `legal`, each from one of its states. */
static const struct {
	const char	*event;
	const char	*from;
	const char	*to;
} approvals[] = {
	{ "publish_credit", "interview", "credit_publication" },
	{ "transfer_judicial", "credit_publication", "transfer_judicial" },
	{ "transfer_discipline", "detected", "transfer_discipline" },
	{ "close", "transfer_judicial", "closed" },
	{ "dismiss", "detected", "closed" },
	{ "correct", "rectifying", "rectifying" },
};
#define NAPPROVALS	(sizeof(approvals) / sizeof(approvals[0]))

/* Every event not listed above applies without approval. */
static void
test_only_these_need_approval(void **state)
{
	size_t	 i, n = 0;
	int	 ev;

	(void)state;
	for (ev = 0; ev < WF_EV__MAX; ev++) {
		int	 listed = 0;

		for (i = 0; i < NAPPROVALS; i++)
			if (strcmp(wf_events[ev].id, approvals[i].event) == 0)
				listed = 1;
		assert_int_equal(wf_events[ev].approval, listed);
		n += listed;
	}
	assert_int_equal(n, NAPPROVALS);
}

/*
 * For every approval event: whoever proposed it (any role set that may)
 * is refused as approver with every role set -- SELF when they hold
 * legal (admin too), NOT_LEGAL otherwise -- while a different legal user
 * is accepted.
 */
static void
test_self_refused_every_event_every_roles(void **state)
{
	struct fake		 fk;
	struct wf_ctx		 c;
	struct wf_verdict	 v;
	size_t			 i, proposed;
	unsigned		 proposer, approver;
	const long long		 me = 42, other = 43;

	(void)state;
	for (i = 0; i < NAPPROVALS; i++) {
	proposed = 0;
	for (proposer = 0; proposer < 16; proposer++) {
		assert_int_equal(fake_valid(&fk, approvals[i].event, TODAY),
		    0);
		memset(&c, 0, sizeof(c));
		c.state = wf_state_parse(approvals[i].from);
		c.roles = proposer;
		c.payload = &fk.p;
		c.today = TODAY;
		wf_decide(&c, wf_event_parse(approvals[i].event), &v);
		if (v.outcome != WF_NEEDS_APPROVAL)
			continue;	/* this role set may not propose */
		assert_int_equal(v.to, wf_state_parse(approvals[i].to));
		proposed++;

		for (approver = 0; approver < 16; approver++) {
			enum wf_approval a;

			a = wf_decide_approval(approver, me, me, 1);
			assert_int_not_equal(a, WF_APPROVAL_OK);
			assert_int_equal(a, (approver & LEGAL) ?
			    WF_APPROVAL_SELF : WF_APPROVAL_NOT_LEGAL);
			a = wf_decide_approval(approver, other, me, 1);
			assert_int_equal(a, (approver & LEGAL) ?
			    WF_APPROVAL_OK : WF_APPROVAL_NOT_LEGAL);
		}
	}
	/* Half the role sets hold officer: each may propose. */
	assert_true(proposed >= 8);
	}
}

static void
test_admin_and_legal_alike_refused(void **state)
{

	(void)state;
	assert_int_equal(wf_decide_approval(ADMIN | LEGAL, 7, 7, 1),
	    WF_APPROVAL_SELF);
	assert_int_equal(wf_decide_approval(LEGAL, 7, 7, 1),
	    WF_APPROVAL_SELF);
	assert_int_equal(wf_decide_approval(ADMIN | LEGAL | OFFICER |
	    AUDITOR, 7, 7, 1), WF_APPROVAL_SELF);
	assert_int_equal(wf_decide_approval(ADMIN, 7, 7, 1),
	    WF_APPROVAL_NOT_LEGAL);
}

static void
test_non_legal_refused(void **state)
{
	unsigned	 roles;

	(void)state;
	for (roles = 0; roles < 16; roles++)
		if (!(roles & LEGAL))
			assert_int_equal(wf_decide_approval(roles, 8, 9, 1),
			    WF_APPROVAL_NOT_LEGAL);
	assert_int_equal(wf_decide_approval(OFFICER | ADMIN | AUDITOR,
	    8, 9, 1), WF_APPROVAL_NOT_LEGAL);
}

static void
test_nothing_pending(void **state)
{

	(void)state;
	assert_int_equal(wf_decide_approval(LEGAL, 8, 9, 0),
	    WF_APPROVAL_NONE_PENDING);
	assert_int_equal(wf_decide_approval(LEGAL, 8, 0, 0),
	    WF_APPROVAL_NONE_PENDING);
	assert_int_equal(wf_decide_approval(OFFICER, 8, 9, 0),
	    WF_APPROVAL_NOT_LEGAL);
}

/* An unknown (non-positive) id cannot show two different people. */
static void
test_unknown_ids_refused(void **state)
{

	(void)state;
	assert_int_equal(wf_decide_approval(LEGAL, 0, 0, 1),
	    WF_APPROVAL_SELF);
	assert_int_equal(wf_decide_approval(LEGAL, 0, 5, 1),
	    WF_APPROVAL_SELF);
	assert_int_equal(wf_decide_approval(LEGAL, 5, 0, 1),
	    WF_APPROVAL_SELF);
	assert_int_equal(wf_decide_approval(LEGAL, -5, -5, 1),
	    WF_APPROVAL_SELF);
	assert_int_equal(wf_decide_approval(LEGAL, 5, 6, 1),
	    WF_APPROVAL_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_only_these_need_approval),
		cmocka_unit_test(test_self_refused_every_event_every_roles),
		cmocka_unit_test(test_admin_and_legal_alike_refused),
		cmocka_unit_test(test_non_legal_refused),
		cmocka_unit_test(test_nothing_pending),
		cmocka_unit_test(test_unknown_ids_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
