/*
 * profile.c: an enterprise's profile (API.md Part 2 "Enterprise profile,
 * problem types, risk grades") -- who represents it and how to reach it,
 * the 重点领域 it sits in, its accident history and its licences -- and
 * its risk grade with the reasons, beside the registry's facts that
 * enterprises.c keeps.
 *
 *	PROFILE_VFIELDS		the five validation rows (resources.h), placed
 *				in the registration's and the PATCH's tables
 *	profile_check		what one row cannot judge: the area types, the
 *				accident history, each licence, and a licence
 *				list that disagrees with Part 1's licence
 *				fields given beside it
 *	profile_store		what was given, in the request's transaction:
 *				null clears, absent keeps, a licence list
 *				replaces the enterprise's licences
 *	profile_json		the profile, the licences, the licence alerts
 *				and the risk, added to the enterprise's JSON
 *
 * The licences are rows of enterprise_licences; Part 1's four licence
 * columns follow the first licence of each kind, and the other way round
 * (triggers, sql/0060_enterprise_profile.sql).  The risk grade is the
 * database's (sql/0063_risk_grades.sql): recomputed in the transaction
 * of every change that feeds it, read here as risk_of() gives it today.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/base.h"
#include "../front/front.h"
#include "resources.h"

#define NUMBER_CHARS	64	/* a licence number, as enterprises.c */
#define ACCIDENT_CHARS	2000	/* an accident history told as text */
#define SUMMARY_CHARS	500	/* one accident's summary */
#define MAX_ACCIDENTS	50	/* accidents listed */
#define MAX_AREA_TYPES	5

static const char *const area_ids[] = {
	"cluster", "problem_prone", "urban_rural_fringe", "rural_market",
	"retail_store", NULL
};

static const char *const licence_kinds[] = { "production", "ccc", NULL };
static const char *const licence_statuses[] = {
	"valid", "suspended", "revoked", "expired", NULL
};

/* Part 1's licence fields of each kind: number, status. */
static const struct {
	const char	*kind;
	const char	*number;
	const char	*status;
	const char	*label;
} part1[] = {
	{ "production", "production_licence", "production_licence_status",
	    "生产许可证" },
	{ "ccc", "ccc_certificate", "ccc_status", "CCC认证证书" },
};

/* The keys the profile adds to an enterprise's body. */
static const char *const profile_keys[PROFILE_NFIELDS] = {
	"legal_representative", "contact_phone", "area_types",
	"accident_history", "licences"
};

/* ------------------------------------------------------------------ */
/* Checks                                                             */
/* ------------------------------------------------------------------ */

static int
in_list(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

/*
 * Whether `s` holds a control character (but, in `multiline` text, tab
 * and line feed) or an invisible format character: a bidirectional
 * override or isolate, a zero-width space or joiner, a byte order mark.
 */
static int
has_hidden(const char *s, int multiline)
{
	const unsigned char	*p = (const unsigned char *)s;
	unsigned		 c;

	for (; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			if (!(multiline && (*p == '\n' || *p == '\t')))
				return 1;
			continue;
		}
		if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return 1;			/* C1 controls */
		if (*p != 0xe2 && *p != 0xef)
			continue;
		if (p[1] == '\0' || p[2] == '\0')
			break;
		c = ((unsigned)(*p & 0x0f) << 12) |
		    ((unsigned)(p[1] & 0x3f) << 6) | (unsigned)(p[2] & 0x3f);
		if ((c >= 0x200b && c <= 0x200f) || (c >= 0x202a &&
		    c <= 0x202e) || (c >= 0x2060 && c <= 0x2069) ||
		    c == 0xfeff)
			return 1;
	}
	return 0;
}

/*
 * A piece of text of at most `max` characters, not blank, with nothing
 * hidden: NULL, or why not.
 */
static const char *
check_text(const char *s, size_t max, int multiline)
{
	const char	*p;

	for (p = s; *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'; p++)
		continue;
	if (*p == '\0')
		return "不能为空";
	if (has_hidden(s, multiline))
		return "不能包含控制字符或不可见的格式字符";
	if (utf8_chars(s) > max)
		return max == NUMBER_CHARS ? "不能超过64个字" : "太长";
	return NULL;
}

const char *
profile_check_person(const char *s)
{
	if (has_hidden(s, 0))
		return "不能包含控制字符或不可见的格式字符";
	return utf8_chars(s) > PERSON_CHARS ? "不能超过100个字" : NULL;
}

/*
 * A telephone number as an officer writes it: digits, an optional
 * leading +, spaces, hyphens and brackets between them, 4 to 32
 * characters, ending in a digit (010-82262225, +86 10 8226 2225).
 */
const char *
profile_check_phone(const char *s)
{
	size_t	 i, n = strlen(s), digits = 0;

	for (i = 0; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else if (!(s[i] == '+' && i == 0) && strchr(" ()-", s[i]) ==
		    NULL)
			return "电话号码只能包含数字、空格、括号、连字符和开头的+";
	}
	if (n < 4 || digits < 4 || s[n - 1] < '0' || s[n - 1] > '9' ||
	    (s[0] != '+' && (s[0] < '0' || s[0] > '9')))
		return "电话号码应以数字结尾，至少4位数字";
	return NULL;
}

/* A real day, not after today (China Standard Time): NULL, or why not. */
static const char *
check_past_date(const char *s)
{
	int	 day;

	switch (wf_date_parse(s, &day)) {
	case WF_DATE_OK:
		break;
	case WF_DATE_BAD_FORMAT:
		return "日期格式应为 YYYY-MM-DD";
	case WF_DATE_NO_SUCH_DAY:
	case WF_DATE__MAX:
		return "没有这一天";
	}
	return day > wf_day_of_unix(now_us() / 1000000) ? "日期不能晚于今天" :
	    NULL;
}

/* A real day: NULL, or why not; its day number into *day. */
static const char *
check_date(const char *s, int *day)
{
	switch (wf_date_parse(s, day)) {
	case WF_DATE_OK:
		return NULL;
	case WF_DATE_BAD_FORMAT:
		return "日期格式应为 YYYY-MM-DD";
	case WF_DATE_NO_SUCH_DAY:
	case WF_DATE__MAX:
		break;
	}
	return "没有这一天";
}

/* What the checks found: problem fields, and whether a type was wrong. */
struct found {
	json_t	*errors;
	int	 badtype;
};

static void
bad(struct found *f, const char *field, const char *msg)
{
	f->errors = problem_field(f->errors, field, msg);
}

static void
badtype(struct found *f, const char *field, const char *msg)
{
	f->badtype = 1;
	bad(f, field, msg);
}

/* area_types: a list of the five ids, each at most once. */
static void
check_area_types(const json_t *v, struct found *f)
{
	const json_t	*e;
	size_t		 i, j;

	if (v == NULL || json_is_null(v))
		return;
	if (!json_is_array(v)) {
		badtype(f, "area_types", "应为重点领域的数组");
		return;
	}
	if (json_array_size(v) > MAX_AREA_TYPES)
		bad(f, "area_types", "最多5项");
	json_array_foreach(v, i, e) {
		if (!json_is_string(e)) {
			badtype(f, "area_types", "每项应为字符串");
			return;
		}
		if (!in_list(json_string_value(e), area_ids)) {
			bad(f, "area_types", "未知的重点领域（可选 cluster、"
			    "problem_prone、urban_rural_fringe、rural_market、"
			    "retail_store）");
			return;
		}
		for (j = 0; j < i; j++)
			if (json_equal(e, json_array_get(v, j))) {
				bad(f, "area_types", "重点领域重复");
				return;
			}
	}
}

/*
 * accident_history: true or false; a text; or a list of accidents
 * [{"on": "YYYY-MM-DD", "summary": "..."}], each on a day not after
 * today.
 */
static void
check_accident(const json_t *v, struct found *f)
{
	static const char *const keys[] = { "on", "summary", NULL };
	const json_t	*a, *x;
	const char	*k, *msg;
	char		 name[64];
	size_t		 i, j;

	if (v == NULL || json_is_null(v) || json_is_boolean(v))
		return;
	if (json_is_string(v)) {
		if (utf8_chars(json_string_value(v)) > ACCIDENT_CHARS)
			bad(f, "accident_history", "不能超过2000个字");
		else if (has_hidden(json_string_value(v), 1))
			bad(f, "accident_history", "不能包含控制字符或不可见的"
			    "格式字符");
		return;
	}
	if (!json_is_array(v)) {
		badtype(f, "accident_history", "应为 true/false、文字或事故"
		    "列表 [{on, summary}]");
		return;
	}
	if (json_array_size(v) > MAX_ACCIDENTS) {
		bad(f, "accident_history", "最多50起事故");
		return;
	}
	json_array_foreach(v, i, a) {
		if (!json_is_object(a)) {
			snprintf(name, sizeof(name), "accident_history[%zu]",
			    i);
			badtype(f, name, "应为对象 {on, summary}");
			continue;
		}
		json_object_foreach((json_t *)a, k, x) {
			snprintf(name, sizeof(name),
			    "accident_history[%zu].%s", i, k);
			if (!in_list(k, keys))
				bad(f, name, "未知字段");
			else if (!json_is_string(x))
				badtype(f, name, "应为字符串");
			else if ((msg = strcmp(k, "on") == 0 ?
			    check_past_date(json_string_value(x)) :
			    check_text(json_string_value(x), SUMMARY_CHARS,
			    1)) != NULL)
				bad(f, name, msg);
		}
		for (j = 0; keys[j] != NULL; j++)
			if (json_object_get(a, keys[j]) == NULL) {
				snprintf(name, sizeof(name),
				    "accident_history[%zu].%s", i, keys[j]);
				bad(f, name, "必填");
			}
	}
}

/*
 * One member of licence `i`: a string (NULL when absent or null, when
 * `required` says so an error), checked by `choices` or as text; the
 * error names it licences[i].key.
 */
static const char *
licence_member(const json_t *l, size_t i, const char *key, int required,
    const char *const *choices, struct found *f)
{
	const json_t	*v = json_object_get(l, key);
	const char	*s, *msg = NULL;
	char		 name[48];

	snprintf(name, sizeof(name), "licences[%zu].%s", i, key);
	if (v == NULL || json_is_null(v)) {
		if (required)
			bad(f, name, "必填");
		return NULL;
	}
	if (!json_is_string(v)) {
		badtype(f, name, "应为字符串");
		return NULL;
	}
	s = json_string_value(v);
	if (choices != NULL && !in_list(s, choices))
		msg = "不是允许的取值";
	else if (choices == NULL)
		msg = check_text(s, NUMBER_CHARS, 0);
	if (msg != NULL) {
		bad(f, name, msg);
		return NULL;
	}
	return s;
}

/* licences: a list of licences, each checked into p->lic. */
static void
check_licences(const json_t *v, struct profile_in *p, struct found *f)
{
	static const char *const keys[] = {
		"kind", "number", "status", "valid_from", "valid_until", NULL
	};
	struct licence_in *l;
	const json_t	*e, *x;
	const char	*k, *msg, **to;
	char		 name[48];
	size_t		 i, j, d;
	int		 days[2];

	p->nlic = 0;
	if (v == NULL || json_is_null(v))
		return;
	if (!json_is_array(v)) {
		badtype(f, "licences", "应为证照数组");
		return;
	}
	if (json_array_size(v) > MAX_LICENCES) {
		bad(f, "licences", "最多32张证照");
		return;
	}
	json_array_foreach(v, i, e) {
		if (!json_is_object(e)) {
			snprintf(name, sizeof(name), "licences[%zu]", i);
			badtype(f, name, "应为对象");
			continue;
		}
		json_object_foreach((json_t *)e, k, x)
			if (!in_list(k, keys)) {
				snprintf(name, sizeof(name), "licences[%zu].%s",
				    i, k);
				bad(f, name, "未知字段");
			}
		l = &p->lic[p->nlic++];
		memset(l, 0, sizeof(*l));
		l->kind = licence_member(e, i, "kind", 1, licence_kinds, f);
		l->number = licence_member(e, i, "number", 1, NULL, f);
		l->status = licence_member(e, i, "status", 0, licence_statuses,
		    f);
		/* keys[3], keys[4]: valid_from, valid_until. */
		for (d = 0; d < 2; d++) {
			k = keys[3 + d];
			to = d == 0 ? &l->valid_from : &l->valid_until;
			x = json_object_get(e, k);
			snprintf(name, sizeof(name), "licences[%zu].%s", i, k);
			if (x == NULL || json_is_null(x))
				continue;
			if (!json_is_string(x))
				badtype(f, name, "应为字符串");
			else if ((msg = check_date(json_string_value(x),
			    &days[d])) != NULL)
				bad(f, name, msg);
			else
				*to = json_string_value(x);
		}
		if (l->valid_from != NULL && l->valid_until != NULL &&
		    days[1] < days[0]) {
			snprintf(name, sizeof(name),
			    "licences[%zu].valid_until", i);
			bad(f, name, "有效期截止日期早于起始日期");
		}
		for (j = 0; j + 1 < p->nlic && l->kind != NULL &&
		    l->number != NULL; j++)
			if (p->lic[j].kind != NULL &&
			    p->lic[j].number != NULL &&
			    strcmp(p->lic[j].kind, l->kind) == 0 &&
			    strcmp(p->lic[j].number, l->number) == 0) {
				snprintf(name, sizeof(name),
				    "licences[%zu].number", i);
				bad(f, name, "同一证照重复");
			}
	}
}

/*
 * Part 1's licence fields given beside a licence list must say what the
 * list says of the first licence of their kind: the same number and
 * status (null, or "", for none).
 */
static void
check_part1_agrees(const json_t *body, const struct profile_in *p,
    struct found *f)
{
	const struct licence_in	*first;
	const json_t		*v;
	const char		*given, *has, *key;
	char			 msg[160];
	size_t			 k, i;
	int			 m;

	if (json_object_get(body, "licences") == NULL)
		return;
	for (k = 0; k < NITEMS(part1); k++) {
		first = NULL;
		for (i = 0; i < p->nlic && first == NULL; i++)
			if (p->lic[i].kind != NULL &&
			    strcmp(p->lic[i].kind, part1[k].kind) == 0)
				first = &p->lic[i];
		for (m = 0; m < 2; m++) {
			key = m == 0 ? part1[k].number : part1[k].status;
			if ((v = json_object_get(body, key)) == NULL ||
			    !(json_is_string(v) || json_is_null(v)))
				continue;
			given = json_is_string(v) && json_string_length(v) > 0 ?
			    json_string_value(v) : NULL;
			has = first == NULL ? NULL : m == 0 ? first->number :
			    first->status;
			if ((given == NULL) != (has == NULL) ||
			    (given != NULL && strcmp(given, has) != 0)) {
				snprintf(msg, sizeof(msg), "与 licences 中第一张"
				    "%s不一致（两者都给出时须相同）",
				    part1[k].label);
				bad(f, key, msg);
			}
		}
	}
}

/*
 * Whether `body` names any member of the profile, null included.
 */
int
profile_given(const json_t *body)
{
	size_t	 i;

	for (i = 0; i < PROFILE_NFIELDS; i++)
		if (json_object_get(body, profile_keys[i]) != NULL)
			return 1;
	return 0;
}

/*
 * Check what the validation rows could not in `p` (filled from `body`):
 * the area types, the accident history, the licences (into p->lic), and
 * Part 1's licence fields against the licence list.  Returns 0, or -1
 * with every field's problem appended to `*errors` (and *badtype set
 * for a wrong JSON type).
 */
int
profile_errors(const json_t *body, struct profile_in *p, json_t **errors,
    int *badtype)
{
	struct found	 f = { NULL, 0 };

	check_area_types(p->area_types, &f);
	check_accident(p->accident_history, &f);
	check_licences(p->licences, p, &f);
	if (f.errors == NULL)
		check_part1_agrees(body, p, &f);
	if (f.errors == NULL)
		return 0;
	f.errors = problem_parent(f.errors, "licences", "有证照填写有误，见各项");
	f.errors = problem_parent(f.errors, "accident_history",
	    "有事故记录填写有误，见各项");
	*badtype |= f.badtype;
	if (*errors == NULL)
		*errors = f.errors;
	else {
		json_array_extend(*errors, f.errors);
		json_decref(f.errors);
	}
	return -1;
}

/* profile_errors(), replying 400 or 422 when it finds any: 0 or -1. */
int
profile_check(struct req *r, const json_t *body, struct profile_in *p)
{
	json_t	*errors = NULL;
	int	 badtype = 0;

	if (profile_errors(body, p, &errors, &badtype) == 0)
		return 0;
	if (badtype)
		reply_problem(r, 400, "wrong-type", "a field has the wrong "
		    "JSON type", errors);
	else
		reply_problem(r, 422, NULL, "some fields are missing or "
		    "invalid", errors);
	return -1;
}

/* ------------------------------------------------------------------ */
/* Storing                                                            */
/* ------------------------------------------------------------------ */

/* The licences of `p` as licences_replace() takes them (a new array). */
static json_t *
licences_array(const struct profile_in *p)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; a != NULL && i < p->nlic; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s*, s:s*,"
		    " s:s*}", "kind", p->lic[i].kind, "number",
		    p->lic[i].number, "status", p->lic[i].status,
		    "valid_from", p->lic[i].valid_from, "valid_until",
		    p->lic[i].valid_until));
	return a;
}

/*
 * Write the profile `p` of enterprise `id` as `body` gives it: a member
 * given replaces, null clears (the area types to none), absent keeps --
 * on registration, the defaults.  The caller holds the row (its INSERT,
 * or the PATCH's lock) and has checked `p` (profile_check).  Returns 0,
 * or -1 with the database failure recorded in `r`.
 */
int
profile_store(struct req *r, int64_t id, const json_t *body,
    const struct profile_in *p)
{
	static struct stmt update = STMT(
	    "UPDATE enterprises SET"
	    " legal_representative = CASE WHEN $2 THEN $3"
	    "   ELSE legal_representative END,"
	    " contact_phone = CASE WHEN $4 THEN $5 ELSE contact_phone END,"
	    " area_types = CASE WHEN $6 THEN ARRAY(SELECT"
	    "   jsonb_array_elements_text($7::jsonb)) ELSE area_types END,"
	    " accident_history = CASE WHEN $8 THEN $9::jsonb"
	    "   ELSE accident_history END"
	    " WHERE id = $1", 9);
	static struct stmt replace = STMT(
	    "SELECT licences_replace($1, $2::jsonb)", 2);
	const char	*p2[9];
	char		 eid[24], *areas = NULL, *accident = NULL, *lic = NULL;
	json_t		*a = NULL;
	int		 i, rc = -1, any = 0;

	snprintf(eid, sizeof(eid), "%lld", (long long)id);
	p2[0] = eid;
	for (i = 0; i < 4; i++) {
		const json_t *v = json_object_get(body, profile_keys[i]);

		p2[1 + 2 * i] = v != NULL ? "true" : "false";
		p2[2 + 2 * i] = NULL;
		any |= v != NULL;
	}
	p2[2] = p->legal_representative;
	p2[4] = p->contact_phone;
	if (p->area_types != NULL && (areas = json_dumps(p->area_types,
	    JSON_COMPACT)) == NULL)
		goto oom;
	p2[6] = areas;
	if (p->accident_history != NULL && (accident = json_dumps(
	    p->accident_history, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
		goto oom;
	p2[8] = accident;
	if (any && db_exec_ok(r, &update, p2) == -1)
		goto out;
	if (json_object_get(body, "licences") != NULL) {
		if ((a = licences_array(p)) == NULL ||
		    (lic = json_dumps(a, JSON_COMPACT)) == NULL)
			goto oom;
		p2[1] = lic;
		if (db_exec_ok(r, &replace, p2) == -1)
			goto out;
	}
	rc = 0;
	goto out;
oom:
	req_fail(r, "enterprise %s: could not build its profile", eid);
out:
	json_decref(a);
	free(areas);
	free(accident);
	free(lic);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Showing                                                            */
/* ------------------------------------------------------------------ */

/* A column holding JSON text, as a new value (null when NULL). */
static json_t *
json_col(const PGresult *res, const char *col)
{
	json_t	*v;

	if (db_isnull(res, 0, col))
		return json_null();
	v = json_loads(db_get(res, 0, col), JSON_DECODE_ANY, NULL);
	return v != NULL ? v : json_null();
}

/*
 * Add to `o` (an enterprise's JSON) the profile of enterprise `id`: the
 * representative, phone, area types, accident history and licences as
 * recorded (what its events carry); the licences that are expired,
 * suspended or revoked today (licence_alerts); and its risk as of today
 * -- grade, score, the factors that make it ("why D"), when it was
 * computed and by when the enterprise is to be inspected again.
 * Returns 0, or -1 with the failure recorded in `r`.
 */
int
profile_json(struct req *r, int64_t id, json_t *o)
{
	static struct stmt get = STMT(
	    "SELECT e.legal_representative, e.contact_phone,"
	    " array_to_json(e.area_types)::text AS area_types,"
	    " e.accident_history::text AS accident_history,"
	    " (SELECT coalesce(json_agg(json_build_object('kind', l.kind,"
	    "   'number', l.number, 'status', l.status,"
	    "   'valid_from', l.valid_from, 'valid_until', l.valid_until)"
	    "   ORDER BY l.ord), '[]') FROM enterprise_licences l"
	    "   WHERE l.enterprise_id = e.id)::text AS licences,"
	    " licence_alerts(e.id)::text AS licence_alerts,"
	    " k.grade, g.label AS grade_label, k.score,"
	    " k.factors::text AS factors,"
	    " rfc3339(k.computed_at) AS computed_at,"
	    " k.next_inspection_by::text AS next_inspection_by,"
	    " (k.next_inspection_by <= today_cst()) AS due,"
	    " g.inspect_within_days"
	    " FROM enterprises e LEFT JOIN LATERAL risk_of(e.id) k ON true"
	    " LEFT JOIN risk_grades g ON g.grade = k.grade"
	    " WHERE e.id = $1", 1);
	char		 eid[24];
	const char	*p[1];
	PGresult	*res;
	json_t		*risk = json_null();
	int		 rc = -1;

	snprintf(eid, sizeof(eid), "%lld", (long long)id);
	p[0] = eid;
	if ((res = db_exec(r, &get, p)) == NULL)
		return -1;
	if (PQntuples(res) != 1) {
		req_fail(r, "enterprise %s: its profile is not there", eid);
		goto out;
	}
	if (!db_isnull(res, 0, "grade"))
		risk = json_pack("{s:s, s:s, s:i, s:o, s:s, s:s, s:b, s:i}",
		    "grade", db_get(res, 0, "grade"),
		    "grade_label", db_get(res, 0, "grade_label"),
		    "score", atoi(db_get(res, 0, "score")),
		    "factors", json_col(res, "factors"),
		    "computed_at", db_get(res, 0, "computed_at"),
		    "next_inspection_by", db_get(res, 0, "next_inspection_by"),
		    "due_for_inspection", strcmp(db_get(res, 0, "due"), "t") ==
		    0,
		    "inspect_within_days", atoi(db_get(res, 0,
		    "inspect_within_days")));
	if (risk == NULL ||
	    json_object_set_new(o, "legal_representative", db_json_text(res, 0,
	    "legal_representative")) == -1 ||
	    json_object_set_new(o, "contact_phone", db_json_text(res, 0,
	    "contact_phone")) == -1 ||
	    json_object_set_new(o, "area_types", json_col(res,
	    "area_types")) == -1 ||
	    json_object_set_new(o, "accident_history", json_col(res,
	    "accident_history")) == -1 ||
	    json_object_set_new(o, "licences", json_col(res, "licences")) ==
	    -1 ||
	    json_object_set_new(o, "licence_alerts", json_col(res,
	    "licence_alerts")) == -1 ||
	    json_object_set_new(o, "risk", risk) == -1) {
		req_fail(r, "enterprise %s: could not build its profile", eid);
		goto out;
	}
	rc = 0;
out:
	PQclear(res);
	return rc;
}
