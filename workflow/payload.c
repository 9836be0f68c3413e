/*
 * payload.c: check an event's payload against its fields.
 *
 * The payload is read only through struct wf_payload, so the library
 * needs no JSON library.  An event's fields (wf_events[].requires and
 * .optional) are all it declares: each required one must be present
 * and valid, an optional one valid when present, and a key it does not
 * declare is refused -- the server stores the payload as given, in
 * the case's hash chain for good, so what is not checked here must not
 * get in at all.
 */
#include <string.h>

#include "workflow.h"
#include "extern.h"

/* Messages, one per failure, naming the rule broken. */
#define M_REQUIRED	"必填"
#define M_DATE_TYPE	"日期格式应为 YYYY-MM-DD"
#define M_DATE_FORMAT	"日期格式应为 YYYY-MM-DD"
#define M_DATE_NO_DAY	"日期不存在"
#define M_DATE_RANGE	"日期应在 " WF_DATE_MIN " 至 " WF_DATE_MAX " 之间"
#define M_TEXT_TYPE	"应为文本"
#define M_TEXT_BLANK	"不能为空"
#define M_TEXT_LONG	"不能超过 4000 字节"
#define M_MONEY_TYPE	"金额应为字符串，如 \"1234.50\""
#define M_MONEY_FORMAT	"金额应为以元为单位的非负数，最多两位小数，如 1234.50"
#define M_BOOL_TYPE	"应为 true 或 false"
#define M_LIST_TYPE	"应为字符串数组"
#define M_LIST_EMPTY	"至少填写一项"
#define M_LIST_LONG	"不能超过 50 项"
#define M_ITEM_BAD	"每一项都应为非空文本"
#define M_ITEM_LONG	"每一项不能超过 500 字节"
#define M_DOC_UNKNOWN	"含有未知的移送材料"
#define M_DOC_TWICE	"移送材料重复"
#define M_UNDECLARED	"该事件没有这个字段"
#define M_IDS_TYPE	"应为编号（正整数）数组"
#define M_IDS_BAD	"每一项都应为正整数编号"
#define M_IDS_TWICE	"编号重复"

/*
 * Append an error to the verdict; once WF_MAX_ERRORS are held, further
 * errors are dropped (the verdict stays invalid either way).
 */
static void
add_error(struct wf_verdict *v, const char *field, const char *msg)
{

	if (v->nerrors < WF_MAX_ERRORS) {
		v->errors[v->nerrors].field = field;
		v->errors[v->nerrors].message = msg;
		v->nerrors++;
	}
}

static enum wf_vkind
kind_of(const struct wf_payload *p, const char *field)
{

	return p == NULL ? WF_V_ABSENT : p->kind(p->ctx, field);
}

/*
 * Whether the string is empty once leading and trailing ASCII white
 * space and U+3000 IDEOGRAPHIC SPACE (E3 80 80) are taken off.
 */
static int
blank(const char *s)
{
	int	 rc = 1;

	while (*s != '\0') {
		if (*s == ' ' || (*s >= '\t' && *s <= '\r'))
			s++;
		else if ((unsigned char)s[0] == 0xe3 &&
		    (unsigned char)s[1] == 0x80 &&
		    (unsigned char)s[2] == 0x80)
			s += 3;
		else {
			rc = 0;
			break;
		}
	}
	return rc;
}

/*
 * A date field: NULL when it is a real day between WF_DATE_MIN and
 * WF_DATE_MAX on the side of today its definition asks for, else the
 * error message.  The string must already be known to be a string.
 */
static const char *
check_date(const struct wf_field_def *f, const char *s, int today)
{
	const char	*msg = NULL;
	int		 day = 0;

	switch (wf_date_parse(s, &day)) {
	case WF_DATE_OK:
		break;
	case WF_DATE_BAD_FORMAT:
		msg = M_DATE_FORMAT;
		goto out;
	case WF_DATE_NO_SUCH_DAY:
		msg = M_DATE_NO_DAY;
		goto out;
	case WF_DATE__MAX:
		msg = M_DATE_FORMAT;
		goto out;
	}
	if (day < wf_day_from_ymd(2000, 1, 1) ||
	    day > wf_day_from_ymd(2099, 12, 31)) {
		msg = M_DATE_RANGE;
		goto out;
	}
	switch (f->when) {
	case WF_WHEN_ANY:
		break;
	case WF_WHEN_FUTURE:
		if (day <= today)
			msg = f->when_msg;
		break;
	case WF_WHEN_NOT_FUTURE:
		if (day > today)
			msg = f->when_msg;
		break;
	case WF_WHEN__MAX:
		break;
	}
out:
	return msg;
}

/*
 * A list field: 1..WF_LIST_MAX items, each a non-blank string of at most
 * WF_ITEM_MAX bytes.  Appends at most one error for the shape; for the
 * documents list, also one per missing document and one for unknown or
 * repeated ids.
 */
static void
check_list(const struct wf_field_def *f, const struct wf_payload *p,
    struct wf_verdict *v)
{
	size_t		 i, n;
	int		 seen[WF_DOC__MAX] = { 0 };
	int		 unknown = 0, twice = 0;
	const char	*s;
	enum wf_doc	 d;
	int		 j;

	n = p->list_len(p->ctx, f->name);
	if (n == 0) {
		add_error(v, f->name, M_LIST_EMPTY);
		goto out;
	}
	if (n > WF_LIST_MAX) {
		add_error(v, f->name, M_LIST_LONG);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (p->list_kind(p->ctx, f->name, i) != WF_V_STRING) {
			add_error(v, f->name, M_ITEM_BAD);
			goto out;
		}
		s = p->list_string(p->ctx, f->name, i);
		if (s == NULL || blank(s)) {
			add_error(v, f->name, M_ITEM_BAD);
			goto out;
		}
		if (strlen(s) > WF_ITEM_MAX) {
			add_error(v, f->name, M_ITEM_LONG);
			goto out;
		}
		if (wf_text_refused(s, WF_TEXT_LINE) != NULL) {
			add_error(v, f->name, wf_text_refusals[WF_TEXT_LINE]);
			goto out;
		}
		if (!f->documents)
			continue;
		if ((d = wf_doc_parse(s)) == WF_DOC__MAX)
			unknown = 1;
		else if (seen[d]++)
			twice = 1;
	}
	if (!f->documents)
		goto out;
	for (j = 0; j < WF_DOC__MAX; j++)
		if (!seen[j])
			add_error(v, f->name, wf_documents[j].missing_msg);
	if (unknown)
		add_error(v, f->name, M_DOC_UNKNOWN);
	if (twice)
		add_error(v, f->name, M_DOC_TWICE);
out:
	return;
}

/*
 * An ids field: 1..WF_LIST_MAX items, each a positive integer, none
 * twice.  Appends at most one error.
 */
static void
check_ids(const struct wf_field_def *f, const struct wf_payload *p,
    struct wf_verdict *v)
{
	long long	 id[WF_LIST_MAX];
	size_t		 i, j, n;
	const char	*msg = NULL;

	n = p->list_len(p->ctx, f->name);
	if (n == 0)
		msg = M_LIST_EMPTY;
	else if (n > WF_LIST_MAX)
		msg = M_LIST_LONG;
	for (i = 0; msg == NULL && i < n; i++) {
		if (p->list_kind(p->ctx, f->name, i) != WF_V_INTEGER ||
		    (id[i] = p->list_integer(p->ctx, f->name, i)) < 1) {
			msg = M_IDS_BAD;
			break;
		}
		for (j = 0; j < i; j++)
			if (id[j] == id[i])
				msg = M_IDS_TWICE;
	}
	if (msg != NULL)
		add_error(v, f->name, msg);
}

/*
 * Check one field of the payload against its definition; append what is
 * wrong with it to the verdict.  Absent and null are both "required".
 */
static void
check_field(const struct wf_field_def *f, const struct wf_payload *p,
    int today, struct wf_verdict *v)
{
	enum wf_vkind	 k;
	const char	*s, *msg = NULL;

	k = kind_of(p, f->name);
	if (k == WF_V_ABSENT || k == WF_V_NULL) {
		add_error(v, f->name, M_REQUIRED);
		goto out;
	}
	switch (f->type) {
	case WF_F_DATE:
		if (k != WF_V_STRING || (s = p->string(p->ctx, f->name)) == NULL)
			msg = M_DATE_TYPE;
		else
			msg = check_date(f, s, today);
		break;
	case WF_F_TEXT:
		if (k != WF_V_STRING || (s = p->string(p->ctx, f->name)) == NULL)
			msg = M_TEXT_TYPE;
		else if (strlen(s) > WF_TEXT_MAX)
			msg = M_TEXT_LONG;
		else if (blank(s))
			msg = M_TEXT_BLANK;
		else if (wf_text_refused(s, f->line ? WF_TEXT_LINE :
		    WF_TEXT_FREE) != NULL)
			msg = wf_text_refusals[f->line ? WF_TEXT_LINE :
			    WF_TEXT_FREE];
		break;
	case WF_F_MONEY:
		if (k != WF_V_STRING || (s = p->string(p->ctx, f->name)) == NULL)
			msg = M_MONEY_TYPE;
		else {
			long long fen;

			if (wf_money_parse(s, &fen) == -1)
				msg = M_MONEY_FORMAT;
		}
		break;
	case WF_F_BOOL:
		if (k != WF_V_BOOL)
			msg = M_BOOL_TYPE;
		break;
	case WF_F_LIST:
		if (k != WF_V_LIST)
			msg = M_LIST_TYPE;
		else
			check_list(f, p, v);
		break;
	case WF_F_IDS:
		if (k != WF_V_LIST)
			msg = M_IDS_TYPE;
		else
			check_ids(f, p, v);
		break;
	case WF_F__MAX:
		msg = M_REQUIRED;
		break;
	}
	if (msg != NULL)
		add_error(v, f->name, msg);
out:
	return;
}

/* Whether event `e` declares a field named `key`. */
static int
declared(const struct wf_event_def *e, const char *key)
{
	size_t	 i;

	for (i = 0; i < e->nrequires; i++)
		if (strcmp(wf_fields[e->requires[i]].name, key) == 0)
			return 1;
	for (i = 0; i < e->noptional; i++)
		if (strcmp(wf_fields[e->optional[i]].name, key) == 0)
			return 1;
	return 0;
}

/*
 * See extern.h.  Fields are checked in the event's order, so errors come
 * out in the order the front end shows the form; then each key the event
 * does not declare, in the payload's order, until the verdict is full.
 */
void
wf_payload_check(enum wf_event ev, const struct wf_payload *p, int today,
    struct wf_verdict *v)
{
	const struct wf_event_def	*e = &wf_events[ev];
	const char			*key = NULL;
	void				*it = NULL;
	size_t				 i;

	for (i = 0; i < e->nrequires; i++)
		check_field(&wf_fields[e->requires[i]], p, today, v);
	for (i = 0; i < e->noptional; i++)
		switch (kind_of(p, wf_fields[e->optional[i]].name)) {
		case WF_V_ABSENT:
		case WF_V_NULL:
			break;		/* not given: nothing to check */
		case WF_V_STRING:
		case WF_V_BOOL:
		case WF_V_INTEGER:
		case WF_V_LIST:
		case WF_V_OTHER:
		case WF_V__MAX:
			check_field(&wf_fields[e->optional[i]], p, today, v);
			break;
		}
	while (p != NULL && v->nerrors < WF_MAX_ERRORS &&
	    (it = p->keys(p->ctx, it, &key)) != NULL)
		if (!declared(e, key))
			add_error(v, key, M_UNDECLARED);
}

/* See extern.h. */
int
wf_payload_date(const struct wf_payload *p, const char *field, int *day)
{
	const char	*s;
	int		 d, rc = -1;

	if (kind_of(p, field) != WF_V_STRING)
		goto out;
	if ((s = p->string(p->ctx, field)) == NULL)
		goto out;
	if (wf_date_parse(s, &d) != WF_DATE_OK)
		goto out;
	*day = d;
	rc = 0;
out:
	return rc;
}
