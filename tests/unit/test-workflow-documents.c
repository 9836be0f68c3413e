/*
 * test-workflow-documents.c: a transfer to the police must list all five
 * documents of 《行政执法机关移送涉嫌犯罪案件的规定》 art. 6 -- none
 * missing, none unknown, none twice -- and each missing one is named.
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

/* The five, by id, with the rules' own words. */
static const struct {
	const char *id, *label;
} docs[] = {
	{ "transfer_letter", "涉嫌犯罪案件移送书" },
	{ "investigation_report", "涉嫌犯罪案件情况的调查报告" },
	{ "evidence_list", "涉案物品清单" },
	{ "inspection_report", "有关检验报告或者鉴定结论" },
	{ "other_materials", "其他有关涉嫌犯罪的材料" },
};

static struct fake	 fk;
static struct wf_verdict v;

static void
transfer(size_t n, const char *const *list)
{
	struct wf_ctx	 c;

	fake_valid(&fk, "transfer_judicial", TODAY);
	fake_list(&fk, "documents", n, list);
	memset(&c, 0, sizeof(c));
	c.state = WF_STATE_INTERVIEW;
	c.roles = WF_ROLE_BIT(WF_ROLE_LEGAL);
	c.payload = &fk.p;
	c.today = TODAY;
	wf_decide(&c, WF_EV_TRANSFER_JUDICIAL, &v);
}

static void
test_exported_list(void **state)
{
	size_t	 i;

	(void)state;
	assert_int_equal(WF_DOC__MAX, 5);
	for (i = 0; i < 5; i++) {
		assert_string_equal(wf_documents[i].id, docs[i].id);
		assert_string_equal(wf_documents[i].label, docs[i].label);
		assert_int_equal(wf_doc_parse(docs[i].id), i);
		assert_non_null(strstr(wf_documents[i].missing_msg,
		    docs[i].label));
	}
	assert_int_equal(wf_doc_parse("Transfer_letter"), WF_DOC__MAX);
	assert_int_equal(wf_doc_parse(NULL), WF_DOC__MAX);
	assert_int_equal(wf_fields[WF_FLD_DOCUMENTS].documents, 1);
	assert_int_equal(wf_fields[WF_FLD_ATTENDEES].documents, 0);
}

static void
test_all_five_any_order(void **state)
{
	const char	*list[5] = { docs[4].id, docs[2].id, docs[0].id,
			    docs[3].id, docs[1].id };

	(void)state;
	transfer(5, list);
	assert_int_equal(v.outcome, WF_NEEDS_APPROVAL);
	assert_int_equal(v.to, WF_STATE_TRANSFER_JUDICIAL);
}

static void
test_each_missing_named(void **state)
{
	const char	*list[4];
	size_t		 skip, i, n;

	(void)state;
	for (skip = 0; skip < 5; skip++) {
		for (i = n = 0; i < 5; i++)
			if (i != skip)
				list[n++] = docs[i].id;
		transfer(4, list);
		assert_int_equal(v.outcome, WF_INVALID_PAYLOAD);
		assert_int_equal(v.nerrors, 1);
		assert_string_equal(v.errors[0].field, "documents");
		assert_non_null(strstr(v.errors[0].message,
		    docs[skip].label));
	}
}

static void
test_only_one_given(void **state)
{
	const char	*list[1] = { "evidence_list" };
	size_t		 i;

	(void)state;
	transfer(1, list);
	assert_int_equal(v.outcome, WF_INVALID_PAYLOAD);
	assert_int_equal(v.nerrors, 4);
	for (i = 0; i < 4; i++) {
		assert_string_equal(v.errors[i].field, "documents");
		assert_null(strstr(v.errors[i].message, "涉案物品清单"));
	}
}

static void
test_unknown_and_twice(void **state)
{
	const char	*unknown[6] = { docs[0].id, docs[1].id, docs[2].id,
			    docs[3].id, docs[4].id, "photos" };
	const char	*twice[6] = { docs[0].id, docs[1].id, docs[2].id,
			    docs[3].id, docs[4].id, docs[2].id };
	const char	*label[5] = { docs[0].label, docs[1].label,
			    docs[2].label, docs[3].label, docs[4].label };

	(void)state;
	transfer(6, unknown);
	assert_int_equal(v.outcome, WF_INVALID_PAYLOAD);
	assert_int_equal(v.nerrors, 1);
	assert_string_equal(v.errors[0].message, "含有未知的移送材料");
	transfer(6, twice);
	assert_int_equal(v.outcome, WF_INVALID_PAYLOAD);
	assert_int_equal(v.nerrors, 1);
	assert_string_equal(v.errors[0].message, "移送材料重复");
	/* Chinese labels are not ids. */
	transfer(5, label);
	assert_int_equal(v.outcome, WF_INVALID_PAYLOAD);
	assert_int_equal(v.nerrors, 6);
}

static void
test_empty_or_not_a_list(void **state)
{
	struct wf_ctx	 c;

	(void)state;
	transfer(0, NULL);
	assert_int_equal(v.outcome, WF_INVALID_PAYLOAD);
	assert_int_equal(v.nerrors, 1);
	assert_string_equal(v.errors[0].message, "至少填写一项");

	fake_valid(&fk, "transfer_judicial", TODAY);
	fake_str(&fk, "documents", "transfer_letter");
	memset(&c, 0, sizeof(c));
	c.state = WF_STATE_DETECTED;
	c.roles = WF_ROLE_BIT(WF_ROLE_OFFICER);
	c.payload = &fk.p;
	c.today = TODAY;
	wf_decide(&c, WF_EV_TRANSFER_JUDICIAL, &v);
	assert_int_equal(v.outcome, WF_INVALID_PAYLOAD);
	assert_string_equal(v.errors[0].field, "documents");
}

/* A discipline transfer carries no documents list. */
static void
test_discipline_needs_none(void **state)
{
	struct wf_ctx	 c;

	(void)state;
	fake_valid(&fk, "transfer_discipline", TODAY);
	memset(&c, 0, sizeof(c));
	c.state = WF_STATE_DETECTED;
	c.roles = WF_ROLE_BIT(WF_ROLE_OFFICER);
	c.payload = &fk.p;
	c.today = TODAY;
	wf_decide(&c, WF_EV_TRANSFER_DISCIPLINE, &v);
	assert_int_equal(v.outcome, WF_NEEDS_APPROVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exported_list),
		cmocka_unit_test(test_all_five_any_order),
		cmocka_unit_test(test_each_missing_named),
		cmocka_unit_test(test_only_one_given),
		cmocka_unit_test(test_unknown_and_twice),
		cmocka_unit_test(test_empty_or_not_a_list),
		cmocka_unit_test(test_discipline_needs_none),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
