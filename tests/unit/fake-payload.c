/*
 * fake-payload.c: see fake-payload.h.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../workflow/workflow.h"
#include "fake-payload.h"

const char *const fake_documents[5] = {
	"transfer_letter", "investigation_report", "evidence_list",
	"inspection_report", "other_materials",
};

static const char *const attendees[] = { "张三（总经理）", "李四" };
static const long long assignees[] = { 7, 12 };

static struct fake_value *
find(struct fake *fk, const char *name)
{
	size_t	 i;

	for (i = 0; i < fk->n; i++)
		if (strcmp(fk->v[i].name, name) == 0)
			return &fk->v[i];
	return NULL;
}

static struct fake_value *
slot(struct fake *fk, const char *name)
{
	struct fake_value	*v;

	if ((v = find(fk, name)) == NULL) {
		assert(fk->n < FAKE_MAX);
		v = &fk->v[fk->n++];
	}
	memset(v, 0, sizeof(*v));
	v->name = name;
	return v;
}

static enum wf_vkind
f_kind(void *ctx, const char *field)
{
	struct fake_value	*v = find(ctx, field);

	return v == NULL ? WF_V_ABSENT : v->kind;
}

static const char *
f_string(void *ctx, const char *field)
{
	struct fake_value	*v = find(ctx, field);

	assert(v != NULL && v->kind == WF_V_STRING);
	return v->s;
}

static int
f_boolean(void *ctx, const char *field)
{
	struct fake_value	*v = find(ctx, field);

	assert(v != NULL && v->kind == WF_V_BOOL);
	return v->b;
}

static size_t
f_list_len(void *ctx, const char *field)
{
	struct fake_value	*v = find(ctx, field);

	assert(v != NULL && v->kind == WF_V_LIST);
	return v->n;
}

static enum wf_vkind
f_list_kind(void *ctx, const char *field, size_t i)
{
	struct fake_value	*v = find(ctx, field);

	assert(v != NULL && v->kind == WF_V_LIST && i < v->n);
	if (v->ids != NULL)
		return WF_V_INTEGER;
	return v->items[i] == NULL ? WF_V_OTHER : WF_V_STRING;
}

static long long
f_list_integer(void *ctx, const char *field, size_t i)
{
	struct fake_value	*v = find(ctx, field);

	assert(v != NULL && v->kind == WF_V_LIST && i < v->n);
	assert(v->ids != NULL);
	return v->ids[i];
}

static const char *
f_list_string(void *ctx, const char *field, size_t i)
{
	struct fake_value	*v = find(ctx, field);

	assert(v != NULL && v->kind == WF_V_LIST && i < v->n);
	assert(v->items[i] != NULL);
	return v->items[i];
}

/* Keys in the order they were first set; a position is index + 1. */
static void *
f_keys(void *ctx, void *it, const char **key)
{
	struct fake	*fk = ctx;
	size_t		 i = (size_t)(uintptr_t)it;

	if (i >= fk->n)
		return NULL;
	*key = fk->v[i].name;
	return (void *)(uintptr_t)(i + 1);
}

void
fake_init(struct fake *fk)
{

	memset(fk, 0, sizeof(*fk));
	fk->p.ctx = fk;
	fk->p.kind = f_kind;
	fk->p.string = f_string;
	fk->p.boolean = f_boolean;
	fk->p.list_len = f_list_len;
	fk->p.list_kind = f_list_kind;
	fk->p.list_string = f_list_string;
	fk->p.keys = f_keys;
	fk->p.list_integer = f_list_integer;
}

void
fake_str(struct fake *fk, const char *name, const char *s)
{
	struct fake_value	*v = slot(fk, name);

	v->kind = WF_V_STRING;
	v->s = s;
}

void
fake_bool(struct fake *fk, const char *name, int b)
{
	struct fake_value	*v = slot(fk, name);

	v->kind = WF_V_BOOL;
	v->b = b;
}

void
fake_list(struct fake *fk, const char *name, size_t n,
    const char *const *items)
{
	struct fake_value	*v = slot(fk, name);

	v->kind = WF_V_LIST;
	v->n = n;
	v->items = items;
}

void
fake_ids(struct fake *fk, const char *name, size_t n, const long long *ids)
{
	struct fake_value	*v = slot(fk, name);

	v->kind = WF_V_LIST;
	v->n = n;
	v->ids = ids;
}

void
fake_kind(struct fake *fk, const char *name, enum wf_vkind k)
{
	struct fake_value	*v = slot(fk, name);

	v->kind = k;
}

void
fake_del(struct fake *fk, const char *name)
{
	struct fake_value	*v;

	if ((v = find(fk, name)) == NULL)
		return;
	*v = fk->v[--fk->n];
}

/* Dates relative to today, kept in static buffers (one per role). */
static char	 d_future[WF_DATE_LEN + 1], d_later[WF_DATE_LEN + 1];
static char	 d_past[WF_DATE_LEN + 1], d_today[WF_DATE_LEN + 1];

int
fake_valid(struct fake *fk, const char *ev, int today)
{

	int	 rc = 0;

	fake_init(fk);
	rc |= wf_date_format(today + 30, d_future);
	rc |= wf_date_format(today + 180, d_later);
	rc |= wf_date_format(today - 3, d_past);
	rc |= wf_date_format(today, d_today);
	assert(rc == 0);

	if (strcmp(ev, "order_rectification") == 0) {
		fake_str(fk, "deadline", d_future);
		fake_str(fk, "measures", "停止生产不合格电线电缆，召回已售产品");
	} else if (strcmp(ev, "report_rectification") == 0) {
		fake_str(fk, "evidence", "整改报告及复检合格报告");
	} else if (strcmp(ev, "reject_rectification") == 0) {
		fake_str(fk, "reason", "复检仍不合格");
		fake_str(fk, "deadline", d_future);
	} else if (strcmp(ev, "hold_interview") == 0) {
		fake_str(fk, "held_on", d_past);
		fake_list(fk, "attendees", 2, attendees);
		fake_str(fk, "minutes", "企业承诺十日内完成整改");
	} else if (strcmp(ev, "publish_credit") == 0) {
		fake_str(fk, "decision_no", "京市监处罚〔2022〕12号");
		fake_str(fk, "fine_amount", "50000.00");
		fake_str(fk, "confiscation_amount", "1234.5");
		fake_str(fk, "case_value", "0");
		fake_str(fk, "published_on", d_today);
		fake_bool(fk, "serious_list", 0);
	} else if (strcmp(ev, "transfer_judicial") == 0) {
		fake_str(fk, "receiving_organ", "北京市公安局东城分局");
		fake_str(fk, "reason", "涉嫌生产、销售伪劣产品罪");
		fake_list(fk, "documents", 5, fake_documents);
	} else if (strcmp(ev, "transfer_discipline") == 0) {
		fake_str(fk, "receiving_organ", "东城区纪委监委");
		fake_str(fk, "clue_summary", "监管人员涉嫌包庇");
	} else if (strcmp(ev, "record_transfer_receipt") == 0) {
		fake_str(fk, "receipt_no", "京公东（经）受字〔2022〕8号");
		fake_bool(fk, "accepted", 1);
		fake_str(fk, "decided_on", d_today);
	} else if (strcmp(ev, "close") == 0) {
		fake_str(fk, "conclusion", "整改到位，处罚已执行");
		fake_str(fk, "lookback_on", d_later);
	} else if (strcmp(ev, "dismiss") == 0) {
		fake_str(fk, "reason", "经核查不构成质量问题");
	} else if (strcmp(ev, "start_lookback") == 0) {
		/* carries nothing */
	} else if (strcmp(ev, "lookback_clear") == 0) {
		fake_str(fk, "findings", "未发现问题反弹");
	} else if (strcmp(ev, "lookback_recurrence") == 0) {
		fake_str(fk, "findings", "再次发现不合格产品");
		fake_str(fk, "deadline", d_future);
		fake_str(fk, "measures", "重新整改");
	} else if (strcmp(ev, "add_note") == 0) {
		fake_str(fk, "text", "已电话联系企业");
	} else if (strcmp(ev, "assign") == 0) {
		fake_ids(fk, "assignees", 2, assignees);
		fake_str(fk, "reason", "包保责任调整");
	} else if (strcmp(ev, "correct") == 0) {
		fake_str(fk, "reason", "登记时产品类别选错");
		fake_str(fk, "category", "fireworks");
	} else if (strcmp(ev, "refer") == 0) {
		fake_ids(fk, "referral", 1, assignees);
		fake_str(fk, "referral_kind", "trace_upstream");
		fake_str(fk, "to_region", "310000");
		fake_str(fk, "reason", "上游生产企业在外地");
	} else if (strcmp(ev, "link") == 0) {
		fake_str(fk, "link_kind", "related");
		fake_ids(fk, "linked_case", 1, assignees);
	} else
		return -1;
	return 0;
}
