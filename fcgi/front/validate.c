/*
 * validate.c: one row per input field, one place that checks them.
 *
 * A handler describes its body (or query string) as a table of `struct
 * vfield` and gets back typed values in its own struct; it never touches
 * raw JSON or raw params.  Strings handed back are borrowed from the
 * request (the parsed body or the query buffer) and live as long as it.
 *
 * Outcomes: a value of the wrong JSON type is a 400 (the client is
 * broken); a missing or invalid value is a 422 naming each field; an
 * unknown field is a 422 too, so a typo never passes silently.
 *
 * Each string kind holds the characters its kind may (front.h): every
 * row gets the rule by its type, no handler repeats it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../base/base.h"
#include "front.h"

/* Trimmed of ASCII and ideographic (U+3000) spaces, is `s` empty? */
static int
blank(const char *s)
{
	for (;;) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		else if ((unsigned char)s[0] == 0xe3 &&
		    (unsigned char)s[1] == 0x80 && (unsigned char)s[2] == 0x80)
			s += 3;
		else
			return *s == '\0';
	}
}

static int
is_region_code(const char *s)
{
	return strlen(s) == 6 && strspn(s, "0123456789") == 6;
}

static int
in_choices(const char *s, const char *const *choices)
{
	for (; choices != NULL && *choices != NULL; choices++)
		if (strcmp(s, *choices) == 0)
			return 1;
	return 0;
}

/*
 * Check the string `s` (of `len` bytes) against the row; returns NULL
 * when valid, else the message.
 */
static const char *
check_string(const struct vfield *f, const char *s, size_t len)
{
	enum wf_text	 text = WF_TEXT__MAX;	/* no rule of characters */

	if (strlen(s) != len)
		return "不能包含空字符";
	switch (f->type) {
	case VT_NAME:
	case VT_TEXT:
		if ((f->type == VT_NAME || f->min > 0) && blank(s))
			return "不能为空";
		/* FALLTHROUGH */
	case VT_STRING:
	case VT_SECRET:
		if ((long long)len < f->min)
			return f->min <= 1 ? "不能为空" : "太短";
		if (f->max > 0 && (long long)len > f->max)
			return "太长";
		if (f->type != VT_SECRET)
			text = f->type == VT_TEXT ? WF_TEXT_FREE : WF_TEXT_LINE;
		break;
	case VT_ENUM:
		if (!in_choices(s, f->choices))
			return "不是允许的取值";
		break;
	case VT_REGION:
		if (!is_region_code(s))
			return "行政区划代码应为6位数字";
		break;
	case VT_DATE:
	case VT_MONEY:
	case VT_INT:
	case VT_ID:
	case VT_BOOL:
	case VT_OBJECT:
	case VT_ROLES:
	case VT_JSON:
	case VT_IDS:
	case VT__MAX:
		break;
	}
	if (text != WF_TEXT__MAX && wf_text_refused(s, text) != NULL)
		return wf_text_refusals[text];
	return f->check != NULL ? f->check(s) : NULL;
}

/*
 * Parse and store a VT_DATE or VT_MONEY string; returns NULL when valid,
 * else the message (nothing stored).
 */
static const char *
check_typed(const struct vfield *f, const char *s, void *out)
{
	long long	 fen;
	int		 day;

	switch (f->type) {
	case VT_DATE:
		switch (wf_date_parse(s, &day)) {
		case WF_DATE_OK:
			break;
		case WF_DATE_BAD_FORMAT:
			return "日期格式应为 YYYY-MM-DD";
		case WF_DATE_NO_SUCH_DAY:
		case WF_DATE__MAX:
			return "没有这一天";
		}
		*(int *)((char *)out + f->off) = day;
		return NULL;
	case VT_MONEY:
		if (wf_money_parse(s, &fen) == -1)
			return "金额应为以元为单位的数字，最多两位小数，如 1234.50";
		if (f->max > 0 && fen > f->max)
			return "超出允许范围";
		*(long long *)((char *)out + f->off) = fen;
		return NULL;
	case VT_STRING:
	case VT_NAME:
	case VT_TEXT:
	case VT_SECRET:
	case VT_ENUM:
	case VT_REGION:
	case VT_INT:
	case VT_ID:
	case VT_BOOL:
	case VT_OBJECT:
	case VT_ROLES:
	case VT_JSON:
	case VT_IDS:
	case VT__MAX:
		break;
	}
	return "internal";
}

static void
store_str(void *out, const struct vfield *f, const char *s)
{
	*(const char **)((char *)out + f->off) = s;
}

static void
store_int(void *out, const struct vfield *f, long long v)
{
	*(long long *)((char *)out + f->off) = v;
}

static void
store_bool(void *out, const struct vfield *f, int v)
{
	*(int *)((char *)out + f->off) = v;
}

/*
 * A JSON array of role ids into a bitmask: at least one, each known, none
 * twice.  Returns NULL with *roles set, or the message (*roles unset);
 * *badtype is set when the JSON is not an array of strings.
 */
static const char *
check_roles(const json_t *v, unsigned *roles, int *badtype)
{
	const json_t	*e;
	enum wf_role	 role;
	unsigned	 set = 0;
	size_t		 i;

	if (!json_is_array(v)) {
		*badtype = 1;
		return "应为角色数组";
	}
	if (json_array_size(v) == 0)
		return "至少需要一个角色";
	json_array_foreach(v, i, e) {
		if (!json_is_string(e)) {
			*badtype = 1;
			return "角色应为字符串";
		}
		if ((role = wf_role_parse(json_string_value(e))) == WF_ROLE__MAX)
			return "未知角色（可选 officer、legal、auditor、admin）";
		if (set & WF_ROLE_BIT(role))
			return "角色重复";
		set |= WF_ROLE_BIT(role);
	}
	*roles = set;
	return NULL;
}

/*
 * A JSON array of ids: min..max items (max 0: no bound), each a
 * positive integer, none twice.  Returns NULL when valid, else the
 * message; *badtype is set when it is not an array of integers.
 */
static const char *
check_ids(const struct vfield *f, const json_t *v, int *badtype)
{
	const json_t	*e, *o;
	size_t		 i, j, n;

	if (!json_is_array(v)) {
		*badtype = 1;
		return "应为编号数组";
	}
	n = json_array_size(v);
	if ((long long)n < f->min)
		return n == 0 ? "至少需要一项" : "项数太少";
	if (f->max > 0 && (long long)n > f->max)
		return "项数太多";
	json_array_foreach(v, i, e) {
		if (!json_is_integer(e)) {
			*badtype = 1;
			return "每一项应为整数编号";
		}
		if (json_integer_value(e) < 1)
			return "每一项应为正整数编号";
		for (j = 0; j < i; j++)
			if ((o = json_array_get(v, j)) != NULL &&
			    json_integer_value(o) == json_integer_value(e))
				return "编号重复";
	}
	return NULL;
}

static const char *
check_int(const struct vfield *f, long long v)
{
	if (f->type == VT_ID && v < 1)
		return "应为正整数";
	if (f->type == VT_INT && (v < f->min || v > f->max))
		return "超出允许范围";
	return NULL;
}

/*
 * Validate the JSON object `obj` against `fields` and store typed values
 * into `out` (strings borrowed from `obj`).  `present`, when not NULL,
 * gets bit i set for each field i given (non-null).  Returns 0 when
 * every field is valid; else 1 with each failure appended to *errors (a
 * new or grown array of {field, message}) and *badtype set when a value
 * had the wrong JSON type.  Replies nothing: validate_json answers a
 * request's body, an import (resources/imports.c) each row of a file.
 */
int
validate_object(const json_t *obj, const struct vfield *fields, size_t n,
    void *out, unsigned *present, json_t **errs, int *badtypep)
{
	json_t		*errors = *errs, *v;
	const char	*key, *msg;
	size_t		 i, before = json_array_size(*errs);
	int		 badtype = 0;

	if (present != NULL)
		*present = 0;
	json_object_foreach((json_t *)obj, key, v) {
		for (i = 0; i < n; i++)
			if (strcmp(fields[i].name, key) == 0)
				break;
		if (i == n)
			errors = problem_field(errors, key, "未知字段");
	}
	for (i = 0; i < n; i++) {
		const struct vfield *f = &fields[i];

		v = json_object_get(obj, f->name);
		if (v == NULL || json_is_null(v)) {
			if (f->required)
				errors = problem_field(errors, f->name, "必填");
			continue;
		}
		msg = NULL;
		switch (f->type) {
		case VT_STRING:
		case VT_NAME:
		case VT_TEXT:
		case VT_SECRET:
		case VT_ENUM:
		case VT_REGION:
			if (!json_is_string(v)) {
				badtype = 1;
				msg = "应为字符串";
				break;
			}
			if ((msg = check_string(f, json_string_value(v),
			    json_string_length(v))) == NULL)
				store_str(out, f, json_string_value(v));
			break;
		case VT_DATE:
		case VT_MONEY:
			if (!json_is_string(v)) {
				badtype = 1;
				msg = "应为字符串";
				break;
			}
			if ((msg = check_string(f, json_string_value(v),
			    json_string_length(v))) == NULL)
				msg = check_typed(f, json_string_value(v), out);
			break;
		case VT_INT:
		case VT_ID:
			if (!json_is_integer(v)) {
				badtype = 1;
				msg = "应为整数";
				break;
			}
			if ((msg = check_int(f, json_integer_value(v))) == NULL)
				store_int(out, f, json_integer_value(v));
			break;
		case VT_BOOL:
			if (!json_is_boolean(v)) {
				badtype = 1;
				msg = "应为 true 或 false";
				break;
			}
			store_bool(out, f, json_is_true(v));
			break;
		case VT_OBJECT:
			if (!json_is_object(v)) {
				badtype = 1;
				msg = "应为对象";
				break;
			}
			*(json_t **)((char *)out + f->off) = v;
			break;
		case VT_ROLES:
			msg = check_roles(v, (unsigned *)((char *)out + f->off),
			    &badtype);
			break;
		case VT_JSON:
			*(json_t **)((char *)out + f->off) = v;
			break;
		case VT_IDS:
			if ((msg = check_ids(f, v, &badtype)) == NULL)
				*(json_t **)((char *)out + f->off) = v;
			break;
		case VT__MAX:
			msg = "internal";
			break;
		}
		if (msg != NULL)
			errors = problem_field(errors, f->name, msg);
		else if (present != NULL)
			*present |= 1u << i;
	}
	*badtypep = badtype;
	*errs = errors;
	return json_array_size(errors) > before ? 1 : 0;
}

/*
 * validate_object for a request's body: returns 0, or -1 after replying
 * 400 (a value of the wrong JSON type) or 422 naming each field.
 */
int
validate_json(struct req *r, const json_t *obj, const struct vfield *fields,
    size_t n, void *out, unsigned *present)
{
	json_t	*errors = NULL;
	int	 badtype = 0;

	if (validate_object(obj, fields, n, out, present, &errors,
	    &badtype) == 0)
		return 0;
	if (badtype)
		reply_problem(r, 400, "wrong-type", "a field has the wrong "
		    "JSON type", errors);
	else
		reply_problem(r, 422, NULL, "some fields are missing or "
		    "invalid", errors);
	return -1;
}

/*
 * Validate the query string against `fields` (all values are strings:
 * VT_INT/VT_ID parse as decimal, VT_BOOL as "true"/"false").  Unknown
 * parameters are refused.  Returns 0, or -1 after replying 400.
 */
int
validate_query(struct req *r, const struct vfield *fields, size_t n,
    void *out, unsigned *present)
{
	json_t		*errors = NULL;
	const char	*s, *msg;
	char		*end;
	long long	 v;
	size_t		 i, q;

	if (present != NULL)
		*present = 0;
	for (q = 0; q < r->nquery; q++) {
		for (i = 0; i < n; i++)
			if (strcmp(fields[i].name, r->query[q].key) == 0)
				break;
		if (i == n)
			errors = problem_field(errors, r->query[q].key,
			    "未知的查询参数");
	}
	for (i = 0; i < n; i++) {
		const struct vfield *f = &fields[i];

		if ((s = req_query(r, f->name)) == NULL) {
			if (f->required)
				errors = problem_field(errors, f->name, "必填");
			continue;
		}
		msg = NULL;
		switch (f->type) {
		case VT_STRING:
		case VT_NAME:
		case VT_TEXT:
		case VT_SECRET:
		case VT_ENUM:
		case VT_REGION:
			if ((msg = check_string(f, s, strlen(s))) == NULL)
				store_str(out, f, s);
			break;
		case VT_DATE:
		case VT_MONEY:
			msg = check_typed(f, s, out);
			break;
		case VT_INT:
		case VT_ID:
			errno = 0;
			v = strtoll(s, &end, 10);
			if (*s == '\0' || *end != '\0' || errno != 0)
				msg = "应为整数";
			else if ((msg = check_int(f, v)) == NULL)
				store_int(out, f, v);
			break;
		case VT_BOOL:
			if (strcmp(s, "true") == 0)
				store_bool(out, f, 1);
			else if (strcmp(s, "false") == 0)
				store_bool(out, f, 0);
			else
				msg = "应为 true 或 false";
			break;
		case VT_OBJECT:
		case VT_ROLES:
		case VT_JSON:
		case VT_IDS:
		case VT__MAX:
			msg = "internal";
			break;
		}
		if (msg != NULL)
			errors = problem_field(errors, f->name, msg);
		else if (present != NULL)
			*present |= 1u << i;
	}
	if (errors == NULL)
		return 0;
	reply_problem(r, 400, "bad-query", "some query parameters are unknown "
	    "or invalid", errors);
	return -1;
}
