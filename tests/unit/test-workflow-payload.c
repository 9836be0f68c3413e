/*
 * test-workflow-payload.c: what each field type accepts and refuses --
 * dates (format, real days, range, future/past rules), text, money,
 * bool and lists -- through wf_decide(), as the server sees it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../workflow/workflow.h"
#include "fake-payload.h"

#define TODAY	19158	/* 2022-06-15, a Wednesday */

static struct fake	 fk;
static struct wf_verdict v;

/* Decide `ev` (valid payload first, then `edit` applied) as officer+legal. */
static void
decide(const char *ev, const char *from)
{
	struct wf_ctx	 c;

	memset(&c, 0, sizeof(c));
	c.state = wf_state_parse(from);
	c.roles = WF_ROLE_BIT(WF_ROLE_OFFICER) | WF_ROLE_BIT(WF_ROLE_LEGAL);
	c.payload = &fk.p;
	c.today = TODAY;
	wf_decide(&c, wf_event_parse(ev), &v);
}

/* The verdict refuses exactly `field` with `msg` (NULL: any message). */
static void
refused(const char *field, const char *msg)
{

	assert_int_equal(v.outcome, WF_INVALID_PAYLOAD);
	assert_int_equal(v.nerrors, 1);
	assert_string_equal(v.errors[0].field, field);
	if (msg != NULL)
		assert_string_equal(v.errors[0].message, msg);
}

static void
accepted(void)
{

	if (v.outcome != WF_APPLIES && v.outcome != WF_NEEDS_APPROVAL)
		fail_msg("refused: %s: %s", v.nerrors ? v.errors[0].field : "",
		    v.nerrors ? v.errors[0].message : "");
	assert_int_equal(v.nerrors, 0);
}

/* --- dates --------------------------------------------------------- */

static void
deadline(const char *s)
{

	fake_valid(&fk, "order_rectification", TODAY);
	fake_str(&fk, "deadline", s);
	decide("order_rectification", "detected");
}

static void
test_date_format(void **state)
{
	static const char *const bad[] = {
		"2022-6-30", "2022/06/30", "20220630", "2022-06-30T00:00",
		" 2022-06-30", "2022-06-30 ", "22-06-30", "2022-06-3O",
		"２０２２-06-30", "", "2022-13-01", "2022-00-10",
		"+2022-06-30", "2022-06--1",
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		deadline(bad[i]);
		refused("deadline", "日期格式应为 YYYY-MM-DD");
	}
	deadline("2022-06-30");
	accepted();
}

static void
test_date_no_such_day(void **state)
{

	(void)state;
	deadline("2023-02-29");
	refused("deadline", "日期不存在");
	deadline("2022-04-31");
	refused("deadline", "日期不存在");
	deadline("2022-06-00");
	refused("deadline", "日期不存在");
	deadline("2100-02-29");
	refused("deadline", NULL);
	deadline("2024-02-29");
	accepted();
}

static void
test_date_range(void **state)
{

	(void)state;
	deadline("2100-01-01");
	refused("deadline", "日期应在 2000-01-01 至 2099-12-31 之间");
	deadline("2099-12-31");
	accepted();

	fake_valid(&fk, "hold_interview", TODAY);
	fake_str(&fk, "held_on", "1999-12-31");
	decide("hold_interview", "detected");
	refused("held_on", "日期应在 2000-01-01 至 2099-12-31 之间");
	fake_str(&fk, "held_on", "2000-01-01");
	decide("hold_interview", "detected");
	accepted();
}

/* deadline and lookback_on: after today. */
static void
test_date_must_be_future(void **state)
{

	(void)state;
	deadline("2022-06-15");
	refused("deadline", "整改期限不能早于明天");
	deadline("2022-06-14");
	refused("deadline", "整改期限不能早于明天");
	deadline("2022-06-16");
	accepted();

	fake_valid(&fk, "reject_rectification", TODAY);
	fake_str(&fk, "deadline", "2022-06-15");
	decide("reject_rectification", "rectification_review");
	refused("deadline", "整改期限不能早于明天");

	fake_valid(&fk, "lookback_recurrence", TODAY);
	fake_str(&fk, "deadline", "2022-01-01");
	decide("lookback_recurrence", "lookback");
	refused("deadline", "整改期限不能早于明天");

	fake_valid(&fk, "close", TODAY);
	fake_str(&fk, "lookback_on", "2022-06-15");
	decide("close", "interview");
	refused("lookback_on", "回头看日期不能早于明天");
	fake_str(&fk, "lookback_on", "2022-06-16");
	decide("close", "interview");
	accepted();
}

/* held_on, published_on, decided_on: today or before. */
static void
test_date_must_not_be_future(void **state)
{
	static const struct {
		const char *ev, *from, *field, *msg;
	} t[] = {
		{ "hold_interview", "rectifying", "held_on",
		  "约谈日期不能晚于今天" },
		{ "publish_credit", "interview", "published_on",
		  "公示日期不能晚于今天" },
		{ "record_transfer_receipt", "transfer_judicial",
		  "decided_on", "决定日期不能晚于今天" },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		fake_valid(&fk, t[i].ev, TODAY);
		fake_str(&fk, t[i].field, "2022-06-16");
		decide(t[i].ev, t[i].from);
		refused(t[i].field, t[i].msg);
		fake_str(&fk, t[i].field, "2022-06-15");
		decide(t[i].ev, t[i].from);
		accepted();
		fake_str(&fk, t[i].field, "2021-01-01");
		decide(t[i].ev, t[i].from);
		accepted();
	}
}

static void
test_date_wrong_type(void **state)
{

	(void)state;
	fake_valid(&fk, "order_rectification", TODAY);
	fake_kind(&fk, "deadline", WF_V_OTHER);
	decide("order_rectification", "detected");
	refused("deadline", NULL);
	fake_bool(&fk, "deadline", 1);
	decide("order_rectification", "detected");
	refused("deadline", NULL);
	fake_kind(&fk, "deadline", WF_V_NULL);
	decide("order_rectification", "detected");
	refused("deadline", "必填");
}

/* --- text ---------------------------------------------------------- */

static char	 big[WF_TEXT_MAX + 2];

static void
note(const char *s)
{

	fake_valid(&fk, "add_note", TODAY);
	fake_str(&fk, "text", s);
	decide("add_note", "closed");
}

static void
test_text(void **state)
{

	(void)state;
	note("");
	refused("text", "不能为空");
	note("   \t\r\n");
	refused("text", "不能为空");
	note("\xe3\x80\x80\xe3\x80\x80");	/* two U+3000 */
	refused("text", "不能为空");
	note(" \xe3\x80\x80 ");
	refused("text", "不能为空");
	note(" 已复查 ");
	accepted();
	note("\xe3\x80\x80x");
	accepted();

	memset(big, 'a', WF_TEXT_MAX);
	big[WF_TEXT_MAX] = '\0';
	note(big);
	accepted();
	big[WF_TEXT_MAX] = 'a';
	big[WF_TEXT_MAX + 1] = '\0';
	note(big);
	refused("text", "不能超过 4000 字节");

	fake_valid(&fk, "add_note", TODAY);
	fake_kind(&fk, "text", WF_V_OTHER);
	decide("add_note", "closed");
	refused("text", "应为文本");
	fake_list(&fk, "text", 0, NULL);
	decide("add_note", "closed");
	refused("text", "应为文本");
}

/* --- money --------------------------------------------------------- */

static void
fine(const char *s)
{

	fake_valid(&fk, "publish_credit", TODAY);
	fake_str(&fk, "fine_amount", s);
	decide("publish_credit", "detected");
}

static void
test_money(void **state)
{
	static const char *const good[] = {
		"0", "0.5", "0.50", "0.05", "1", "1234.50", "1234.5",
		"9999999999999.99", "1000000000000",
	};
	static const char *const bad[] = {
		"", "01", "00", "-1", "-0", "+1", "1.", ".5", "1.234",
		"1e3", "10000000000000", " 1", "1 ", "1,000", "１２",
		"0x10", "NaN", "1.2.3", "0.", "12a",
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		fine(good[i]);
		accepted();
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fine(bad[i]);
		refused("fine_amount",
		    "金额应为以元为单位的非负数，最多两位小数，如 1234.50");
	}
	fake_valid(&fk, "publish_credit", TODAY);
	fake_kind(&fk, "case_value", WF_V_OTHER);	/* a JSON number */
	decide("publish_credit", "detected");
	refused("case_value", "金额应为字符串，如 \"1234.50\"");
}

static void
test_money_parse(void **state)
{
	long long	 fen = -7;

	(void)state;
	assert_int_equal(wf_money_parse("1234.5", &fen), 0);
	assert_int_equal(fen, 123450);
	assert_int_equal(wf_money_parse("0.05", &fen), 0);
	assert_int_equal(fen, 5);
	assert_int_equal(wf_money_parse("0", &fen), 0);
	assert_int_equal(fen, 0);
	assert_int_equal(wf_money_parse("9999999999999.99", &fen), 0);
	assert_true(fen == 999999999999999LL);
	fen = -7;
	assert_int_equal(wf_money_parse("1.234", &fen), -1);
	assert_int_equal(wf_money_parse(NULL, &fen), -1);
	assert_true(fen == -7);
}

/* --- bool ---------------------------------------------------------- */

static void
test_bool(void **state)
{

	(void)state;
	fake_valid(&fk, "publish_credit", TODAY);
	fake_bool(&fk, "serious_list", 1);
	decide("publish_credit", "detected");
	accepted();
	fake_str(&fk, "serious_list", "true");
	decide("publish_credit", "detected");
	refused("serious_list", "应为 true 或 false");
	fake_kind(&fk, "serious_list", WF_V_OTHER);	/* 1 */
	decide("publish_credit", "detected");
	refused("serious_list", "应为 true 或 false");

	fake_valid(&fk, "record_transfer_receipt", TODAY);
	fake_bool(&fk, "accepted", 0);
	decide("record_transfer_receipt", "transfer_discipline");
	accepted();
	fake_str(&fk, "accepted", "no");
	decide("record_transfer_receipt", "transfer_discipline");
	refused("accepted", "应为 true 或 false");
}

/* --- lists --------------------------------------------------------- */

static const char	*items[WF_LIST_MAX + 1];
static char		 long_item[WF_ITEM_MAX + 2];

static void
attendees(size_t n)
{

	fake_valid(&fk, "hold_interview", TODAY);
	fake_list(&fk, "attendees", n, items);
	decide("hold_interview", "detected");
}

static void
test_list(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i <= WF_LIST_MAX; i++)
		items[i] = "王五";
	attendees(1);
	accepted();
	attendees(WF_LIST_MAX);
	accepted();
	attendees(WF_LIST_MAX + 1);
	refused("attendees", "不能超过 50 项");
	attendees(0);
	refused("attendees", "至少填写一项");

	items[3] = "";
	attendees(5);
	refused("attendees", "每一项都应为非空文本");
	items[3] = "\xe3\x80\x80 ";
	attendees(5);
	refused("attendees", "每一项都应为非空文本");
	items[3] = NULL;			/* a number in the array */
	attendees(5);
	refused("attendees", "每一项都应为非空文本");

	memset(long_item, 'b', WF_ITEM_MAX);
	long_item[WF_ITEM_MAX] = '\0';
	items[3] = long_item;
	attendees(5);
	accepted();
	long_item[WF_ITEM_MAX] = 'b';
	long_item[WF_ITEM_MAX + 1] = '\0';
	attendees(5);
	refused("attendees", "每一项不能超过 500 字节");
	items[3] = "王五";

	fake_valid(&fk, "hold_interview", TODAY);
	fake_str(&fk, "attendees", "张三,李四");
	decide("hold_interview", "detected");
	refused("attendees", "应为字符串数组");
}

/*
 * Text keeps \n and \t and refuses other controls and the invisible
 * format characters (bidi overrides and isolates, zero-width); the
 * one-line fields -- numbers and names (decision_no, receiving_organ,
 * receipt_no, each list item) -- refuse \n and \t too.
 */
static void
test_text_characters(void **state)
{
	static const char *const bad[] = {
		"RT\xe2\x80\xaegpj.exe",		/* U+202E */
		"a\rb", "a\x01" "b", "a\x7f", "a\xc2\x85" "b",	/* CR, C0, DEL, C1 */
		"a\xe2\x80\x8b" "b", "a\xe2\x80\x8d" "b",	/* U+200B, U+200D */
		"a\xe2\x80\xaa" "b", "a\xe2\x81\xa6" "b",	/* U+202A, U+2066 */
		"a\xe2\x81\xa9" "b", "a\xe2\x81\xa0" "b",	/* U+2069, U+2060 */
		"a\xef\xbb\xbf" "b", "a\xe2\x80\xa8" "b",	/* U+FEFF, U+2028 */
		"a\xf3\xa0\x81\x81" "b",			/* U+E0041, a tag */
		NULL
	};
	static const char *const one_line[] = {
		"decision_no", "receiving_organ", "receipt_no", NULL
	};
	static const char *const event_of[] = {
		"publish_credit", "transfer_judicial", "record_transfer_receipt"
	};
	static const char *const from_of[] = {
		"detected", "detected", "transfer_judicial"
	};
	size_t	 i;

	(void)state;
	note("第一段\n\t第二段");
	accepted();
	note("\xf0\x9f\x98\x80 \xc2\xa0 \xe4\xb8\x80");	/* U+1F600 U+00A0 */
	accepted();
	for (i = 0; bad[i] != NULL; i++) {
		note(bad[i]);
		refused("text", "不能包含控制字符或不可见的格式字符（如双向"
		    "控制符、零宽字符）");
	}
	note("a\xff" "b");			/* not UTF-8 */
	refused("text", NULL);
	note("a\xc0\x8a" "b");			/* an overlong \n */
	refused("text", NULL);
	for (i = 0; one_line[i] != NULL; i++) {
		fake_valid(&fk, event_of[i], TODAY);
		fake_str(&fk, one_line[i], "京市监\n罚〔2026〕1号");
		decide(event_of[i], from_of[i]);
		refused(one_line[i], NULL);
		fake_str(&fk, one_line[i], "京市监\t罚");
		decide(event_of[i], from_of[i]);
		refused(one_line[i], NULL);
		fake_str(&fk, one_line[i], "京市监罚〔2026〕1号");
		decide(event_of[i], from_of[i]);
		accepted();
	}
	items[0] = "张三";
	items[1] = "李四\n王五";
	attendees(2);
	refused("attendees", NULL);
	items[1] = "李\xe2\x80\x8b四";
	attendees(2);
	refused("attendees", NULL);
	items[1] = "李四";
	attendees(2);
	accepted();
}

/* --- the payload as a whole ---------------------------------------- */

/*
 * A key the event does not declare is refused, named, whatever its value
 * (null included): an add_note may not carry a fine_amount that the case
 * page would show under its official label, nor anything else kept for
 * good in the hash chain.  Declared fields' errors come first, then the
 * undeclared keys in the payload's order.
 */
static void
test_undeclared_fields_refused(void **state)
{
	static const char *const names[] = {
		"k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9",
		"k10", "k11", "k12", "k13", "k14", "k15", "k16", "k17",
	};
	size_t	 i;

	(void)state;
	fake_valid(&fk, "add_note", TODAY);
	fake_str(&fk, "fine_amount", "0.00");
	decide("add_note", "detected");
	refused("fine_amount", "该事件没有这个字段");

	fake_valid(&fk, "order_rectification", TODAY);
	fake_del(&fk, "measures");
	fake_str(&fk, "note", "");
	fake_kind(&fk, "attachments", WF_V_OTHER);
	fake_kind(&fk, "nothing", WF_V_NULL);
	fake_str(&fk, "held_on", "2022-01-01");
	decide("order_rectification", "detected");
	assert_int_equal(v.outcome, WF_INVALID_PAYLOAD);
	assert_int_equal(v.nerrors, 5);
	assert_string_equal(v.errors[0].field, "measures");
	assert_string_equal(v.errors[1].field, "note");
	assert_string_equal(v.errors[2].field, "attachments");
	assert_string_equal(v.errors[3].field, "nothing");
	assert_string_equal(v.errors[4].field, "held_on");
	assert_int_equal(v.to, WF_STATE_DETECTED);

	/* An event that declares nothing takes nothing. */
	fake_init(&fk);
	fake_str(&fk, "text", "x");
	decide("start_lookback", "closed");
	refused("text", NULL);

	/* Many: refused all the same, the errors capped. */
	fake_valid(&fk, "add_note", TODAY);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		fake_str(&fk, names[i], "x");
	decide("add_note", "detected");
	assert_int_equal(v.outcome, WF_INVALID_PAYLOAD);
	assert_int_equal(v.nerrors, WF_MAX_ERRORS);
	assert_string_equal(v.errors[0].field, "k0");
}

static void
test_every_offending_field(void **state)
{
	static const char *const want[] = {
		"decision_no", "fine_amount", "confiscation_amount",
		"case_value", "published_on", "serious_list",
	};
	size_t	 i;

	(void)state;
	fake_valid(&fk, "publish_credit", TODAY);
	fake_str(&fk, "decision_no", " ");
	fake_str(&fk, "fine_amount", "1.");
	fake_del(&fk, "confiscation_amount");
	fake_kind(&fk, "case_value", WF_V_NULL);
	fake_str(&fk, "published_on", "2030-01-01");
	fake_str(&fk, "serious_list", "false");
	decide("publish_credit", "detected");
	assert_int_equal(v.outcome, WF_INVALID_PAYLOAD);
	assert_int_equal(v.nerrors, 6);
	for (i = 0; i < 6; i++)
		assert_string_equal(v.errors[i].field, want[i]);
	assert_int_equal(v.to, WF_STATE_DETECTED);
}

/* A NULL payload is an empty one. */
static void
test_null_payload(void **state)
{
	struct wf_ctx	 c;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.state = WF_STATE_CLOSED;
	c.roles = WF_ROLE_BIT(WF_ROLE_OFFICER);
	c.today = TODAY;
	wf_decide(&c, WF_EV_START_LOOKBACK, &v);
	assert_int_equal(v.outcome, WF_APPLIES);
	assert_int_equal(v.to, WF_STATE_LOOKBACK);
	wf_decide(&c, WF_EV_ADD_NOTE, &v);
	assert_int_equal(v.outcome, WF_INVALID_PAYLOAD);
	assert_int_equal(v.nerrors, 1);
	assert_string_equal(v.errors[0].field, "text");
	assert_string_equal(v.errors[0].message, "必填");
}

/* Payload errors come after role, state and pending checks. */
static void
test_payload_checked_last(void **state)
{
	struct wf_ctx	 c;

	(void)state;
	fake_init(&fk);
	memset(&c, 0, sizeof(c));
	c.payload = &fk.p;
	c.today = TODAY;
	c.state = WF_STATE_DETECTED;
	c.roles = WF_ROLE_BIT(WF_ROLE_AUDITOR);
	wf_decide(&c, WF_EV_ORDER_RECTIFICATION, &v);
	assert_int_equal(v.outcome, WF_ROLE_DENIED);
	assert_int_equal(v.nerrors, 0);
	c.roles = WF_ROLE_BIT(WF_ROLE_OFFICER);
	c.state = WF_STATE_CLOSED;
	wf_decide(&c, WF_EV_ORDER_RECTIFICATION, &v);
	assert_int_equal(v.outcome, WF_ILLEGAL_STATE);
	assert_int_equal(v.nerrors, 0);
	c.state = WF_STATE_DETECTED;
	c.pending = 1;
	wf_decide(&c, WF_EV_ORDER_RECTIFICATION, &v);
	assert_int_equal(v.outcome, WF_PENDING);
	assert_int_equal(v.nerrors, 0);
	c.pending = 0;
	wf_decide(&c, WF_EV_ORDER_RECTIFICATION, &v);
	assert_int_equal(v.outcome, WF_INVALID_PAYLOAD);
	assert_int_equal(v.nerrors, 2);
}

/*
 * publish_credit's 行政处罚信息摘要 fields are declared, not required:
 * left out (Part 1's clients) or null, the proposal stands; given, each
 * is checked by its type and rule; another event may not carry them.
 */
static void
test_optional_fields(void **state)
{

	fake_valid(&fk, "publish_credit", TODAY);
	decide("publish_credit", "detected");
	accepted();
	fake_str(&fk, "violation_type", "生产、销售不合格产品");
	fake_str(&fk, "penalty_content", "罚款人民币五万元");
	fake_str(&fk, "deciding_agency", "北京市朝阳区市场监督管理局");
	fake_str(&fk, "decision_date", "2022-06-14");
	decide("publish_credit", "detected");
	accepted();
	fake_kind(&fk, "decision_date", WF_V_NULL);
	decide("publish_credit", "detected");
	accepted();
	fake_str(&fk, "decision_date", "2022-06-16");	/* tomorrow */
	decide("publish_credit", "detected");
	refused("decision_date", NULL);
	fake_str(&fk, "decision_date", "2022-06-14");
	fake_str(&fk, "deciding_agency", "两行\n的机关");	/* one line */
	decide("publish_credit", "detected");
	refused("deciding_agency", NULL);
	fake_del(&fk, "deciding_agency");
	fake_kind(&fk, "penalty_content", WF_V_BOOL);
	decide("publish_credit", "detected");
	refused("penalty_content", NULL);
	/* Declared by publish_credit only. */
	fake_valid(&fk, "close", TODAY);
	fake_str(&fk, "violation_type", "x");
	decide("close", "interview");
	refused("violation_type", NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_date_format),
		cmocka_unit_test(test_date_no_such_day),
		cmocka_unit_test(test_date_range),
		cmocka_unit_test(test_date_must_be_future),
		cmocka_unit_test(test_date_must_not_be_future),
		cmocka_unit_test(test_date_wrong_type),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_text_characters),
		cmocka_unit_test(test_money),
		cmocka_unit_test(test_money_parse),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_undeclared_fields_refused),
		cmocka_unit_test(test_every_offending_field),
		cmocka_unit_test(test_null_payload),
		cmocka_unit_test(test_payload_checked_last),
		cmocka_unit_test(test_optional_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
