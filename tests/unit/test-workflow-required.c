/*
 * test-workflow-required.c: what each event must carry, written out
 * from DESIGN.md's "must carry" column (with the types the brief gives),
 * against the library's table and against wf_decide(): drop any one
 * required field and the event is refused naming it; give it the wrong
 * JSON type and the same.
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

struct must {
	const char	*event;
	const char	*from;		/* a state it may fire from */
	const char	*fields[7];	/* "name:type" */
};

static const struct must must[] = {
	{ "order_rectification", "detected",
	  { "deadline:date", "measures:text" } },
	{ "report_rectification", "rectifying",
	  { "evidence:text" } },
	{ "reject_rectification", "rectification_review",
	  { "reason:text", "deadline:date" } },
	{ "hold_interview", "rectifying",
	  { "held_on:date", "attendees:list", "minutes:text" } },
	{ "publish_credit", "interview",
	  { "decision_no:text", "fine_amount:money",
	    "confiscation_amount:money", "case_value:money",
	    "published_on:date", "serious_list:bool" } },
	{ "transfer_judicial", "credit_publication",
	  { "receiving_organ:text", "reason:text", "documents:list" } },
	{ "transfer_discipline", "detected",
	  { "receiving_organ:text", "clue_summary:text" } },
	{ "record_transfer_receipt", "transfer_judicial",
	  { "receipt_no:text", "accepted:bool", "decided_on:date" } },
	{ "close", "credit_publication",
	  { "conclusion:text", "lookback_on:date" } },
	{ "dismiss", "detected",
	  { "reason:text" } },
	{ "start_lookback", "closed",
	  { NULL } },
	{ "lookback_clear", "lookback",
	  { "findings:text" } },
	{ "lookback_recurrence", "lookback",
	  { "findings:text", "deadline:date", "measures:text" } },
	{ "add_note", "transfer_discipline",
	  { "text:text" } },
	{ "assign", "closed",
	  { "assignees:ids", "reason:text" } },
	{ "correct", "lookback",
	  { "reason:text" } },
	{ "refer", "rectifying",
	  { "referral:ids", "referral_kind:text", "to_region:text",
	    "reason:text" } },
	{ "link", "closed",
	  { "link_kind:text", "linked_case:ids" } },
};
#define NMUST	(sizeof(must) / sizeof(must[0]))

static size_t
nfields(const struct must *m)
{
	size_t	 n = 0;

	while (n < 7 && m->fields[n] != NULL)
		n++;
	return n;
}

/* "name:type" into name (a static copy) and the type id. */
static const char *
split(const char *nt, const char **type)
{
	static char	 name[64];
	const char	*colon = strchr(nt, ':');

	assert_non_null(colon);
	assert_true((size_t)(colon - nt) < sizeof(name));
	memcpy(name, nt, (size_t)(colon - nt));
	name[colon - nt] = '\0';
	*type = colon + 1;
	return name;
}

static void
test_table_says_the_same(void **state)
{
	const struct wf_event_def	*e;
	const struct wf_field_def	*f;
	const char			*name, *type;
	size_t				 i, j;

	(void)state;
	assert_int_equal(NMUST, WF_EV__MAX);
	for (i = 0; i < NMUST; i++) {
		e = &wf_events[wf_event_parse(must[i].event)];
		assert_int_equal(e->nrequires, nfields(&must[i]));
		for (j = 0; j < e->nrequires; j++) {
			name = split(must[i].fields[j], &type);
			f = &wf_fields[e->requires[j]];
			assert_string_equal(f->name, name);
			assert_string_equal(wf_ftype_ids[f->type], type);
			assert_int_equal(wf_field_parse(name),
			    e->requires[j]);
			assert_true(strlen(f->label) > 0);
		}
	}
}

static void
decide(struct fake *fk, const struct must *m, struct wf_verdict *v)
{
	struct wf_ctx	 c;

	memset(&c, 0, sizeof(c));
	c.state = wf_state_parse(m->from);
	c.roles = WF_ROLE_BIT(WF_ROLE_OFFICER) | WF_ROLE_BIT(WF_ROLE_LEGAL);
	c.payload = &fk->p;
	c.today = TODAY;
	wf_decide(&c, wf_event_parse(m->event), v);
}

static void
test_valid_payload_passes(void **state)
{
	struct fake		 fk;
	struct wf_verdict	 v;
	size_t			 i;

	(void)state;
	for (i = 0; i < NMUST; i++) {
		assert_int_equal(fake_valid(&fk, must[i].event, TODAY), 0);
		decide(&fk, &must[i], &v);
		assert_int_equal(v.nerrors, 0);
		assert_true(v.outcome == WF_APPLIES ||
		    v.outcome == WF_NEEDS_APPROVAL);
	}
}

static void
test_each_missing_field_named(void **state)
{
	struct fake		 fk;
	struct wf_verdict	 v;
	const char		*name, *type;
	size_t			 i, j;

	(void)state;
	for (i = 0; i < NMUST; i++)
		for (j = 0; j < nfields(&must[i]); j++) {
			name = split(must[i].fields[j], &type);
			fake_valid(&fk, must[i].event, TODAY);
			fake_del(&fk, name);
			decide(&fk, &must[i], &v);
			assert_int_equal(v.outcome, WF_INVALID_PAYLOAD);
			assert_int_equal(v.nerrors, 1);
			assert_string_equal(v.errors[0].field, name);
			assert_string_equal(v.errors[0].message, "必填");

			fake_valid(&fk, must[i].event, TODAY);
			fake_kind(&fk, name, WF_V_NULL);
			decide(&fk, &must[i], &v);
			assert_int_equal(v.outcome, WF_INVALID_PAYLOAD);
			assert_string_equal(v.errors[0].field, name);
			assert_string_equal(v.errors[0].message, "必填");
		}
}

/* A JSON number or object where any type is due; a wrong kind per type. */
static void
test_each_wrong_type_named(void **state)
{
	struct fake		 fk;
	struct wf_verdict	 v;
	const char		*name, *type;
	size_t			 i, j;

	(void)state;
	for (i = 0; i < NMUST; i++)
		for (j = 0; j < nfields(&must[i]); j++) {
			name = split(must[i].fields[j], &type);
			fake_valid(&fk, must[i].event, TODAY);
			fake_kind(&fk, name, WF_V_OTHER);
			decide(&fk, &must[i], &v);
			assert_int_equal(v.outcome, WF_INVALID_PAYLOAD);
			assert_int_equal(v.nerrors, 1);
			assert_string_equal(v.errors[0].field, name);

			fake_valid(&fk, must[i].event, TODAY);
			if (strcmp(type, "bool") == 0)
				fake_str(&fk, name, "true");
			else
				fake_bool(&fk, name, 1);
			decide(&fk, &must[i], &v);
			assert_int_equal(v.outcome, WF_INVALID_PAYLOAD);
			assert_int_equal(v.nerrors, 1);
			assert_string_equal(v.errors[0].field, name);
		}
}

/* With nothing at all, every required field is named, in order. */
static void
test_empty_payload_names_all(void **state)
{
	struct fake		 fk;
	struct wf_verdict	 v;
	const char		*name, *type;
	size_t			 i, j;

	(void)state;
	for (i = 0; i < NMUST; i++) {
		fake_init(&fk);
		decide(&fk, &must[i], &v);
		if (nfields(&must[i]) == 0) {
			assert_int_equal(v.outcome, WF_APPLIES);
			continue;
		}
		assert_int_equal(v.outcome, WF_INVALID_PAYLOAD);
		assert_int_equal(v.nerrors, nfields(&must[i]));
		for (j = 0; j < v.nerrors; j++) {
			name = split(must[i].fields[j], &type);
			assert_string_equal(v.errors[j].field, name);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_says_the_same),
		cmocka_unit_test(test_valid_payload_passes),
		cmocka_unit_test(test_each_missing_field_named),
		cmocka_unit_test(test_each_wrong_type_named),
		cmocka_unit_test(test_empty_payload_names_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
