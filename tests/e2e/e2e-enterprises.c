/*
 * e2e-enterprises.c: registering, finding and changing enterprises --
 * the unified social credit code check (GB 32100-2015) with one clear
 * message per way a code is wrong, duplicates, the audited override for
 * legacy codes, every length and list limit, search and cursors, and
 * PATCH with If-Match.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e.h"

#define STANDARD_EXAMPLE	"91350100M000100Y43"	/* GB 32100-2015 */

static struct client	*officer, *admin, *legal;

static int
setup(void **state)
{
	(void)state;
	officer = client_login("officer.bj", DEMO_PASSWORD);
	admin = client_login("admin", DEMO_PASSWORD);
	legal = client_login("legal.bj", DEMO_PASSWORD);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	client_free(officer);
	client_free(admin);
	client_free(legal);
	return 0;
}

/* POST an enterprise; the reply in `r`.  Extra fields from `more`. */
static long
post(struct client *c, const char *uscc, const char *name,
    const char *region, json_t *more, struct resp *r)
{
	json_t	*b = json_pack("{s:s, s:s, s:s}", "uscc", uscc, "name", name,
	    "region", region);

	if (more != NULL) {
		json_object_update(b, more);
		json_decref(more);
	}
	return http_json(c, "POST", "/api/v1/enterprises", b, NULL, r);
}

/* The message of the error naming `field` (borrowed from r), or NULL. */
static const char *
field_message(const struct resp *r, const char *field)
{
	json_t	*e;
	size_t	 i;

	json_array_foreach(json_object_get(r->json, "errors"), i, e)
		if (strcmp(json_string_value(json_object_get(e, "field")),
		    field) == 0)
			return json_string_value(json_object_get(e, "message"));
	return NULL;
}

/* A code is refused with 422 naming uscc; its message is returned. */
static char *
refused(const char *uscc)
{
	struct resp	 r;
	char		*msg;

	post(officer, uscc, "无效代码企业", "110000", NULL, &r);
	assert_problem_field(&r, 422, "uscc");
	msg = strdup(field_message(&r, "uscc"));
	resp_free(&r);
	return msg;
}

/* How many enterprises the national admin finds with code `uscc`. */
static size_t
count_code(const char *uscc)
{
	struct resp	 r;
	char		*q = fmt("/api/v1/enterprises?q=%s", uscc);
	size_t		 n;

	http_get(admin, q, &r);
	assert_status(&r, 200);
	n = json_array_size(json_object_get(r.json, "items"));
	resp_free(&r);
	free(q);
	return n;
}

/* ------------------------------------------------------------------ */
/* The code                                                           */
/* ------------------------------------------------------------------ */

static void
test_valid_codes(void **state)
{
	struct resp	 r;
	char		 uscc[19], loc[128], etag[16], *path;
	long long	 id;

	(void)state;
	/*
	 * The standard's own example -- issued in Fuzhou (350100), so
	 * registering it in Beijing takes a stated reason.
	 */
	post(officer, STANDARD_EXAMPLE, "标准示例企业", "110000", json_pack(
	    "{s:s}", "region_mismatch_reason", "GB 32100-2015 的示例代码"), &r);
	if (r.status == 409)	/* an instance reused: registered before */
		assert_int_equal(count_code(STANDARD_EXAMPLE), 1);
	else {
		assert_status(&r, 201);
		assert_string_equal(json_string_value(json_object_get(r.json,
		    "uscc")), STANDARD_EXAMPLE);
	}
	resp_free(&r);
	/* Generated ones, with every field. */
	uscc_unique(uscc);
	post(officer, uscc, "北京某电线电缆有限公司", "110105", json_pack(
	    "{s:s, s:s, s:s, s:s, s:s}", "address", "北京市朝阳区某路1号",
	    "production_licence", "XK06-001-00001",
	    "production_licence_status", "valid",
	    "ccc_certificate", "2022010105000001", "ccc_status", "valid"), &r);
	assert_status(&r, 201);
	id = json_integer_value(json_object_get(r.json, "id"));
	assert_non_null(resp_header(&r, "Location", loc, sizeof(loc)));
	path = fmt("/api/v1/enterprises/%lld", id);
	assert_string_equal(loc, path);
	assert_non_null(resp_header(&r, "ETag", etag, sizeof(etag)));
	assert_string_equal(etag, "\"1\"");
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "region_name")), "朝阳区");
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "production_licence")), "XK06-001-00001");
	assert_true(json_is_null(json_object_get(r.json, "uscc_override")));
	resp_free(&r);
	http_get(officer, path, &r);
	assert_status(&r, 200);
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "ccc_status")), "valid");
	assert_non_null(resp_header(&r, "ETag", etag, sizeof(etag)));
	resp_free(&r);
	free(path);
}

static void
test_wrong_check_character(void **state)
{
	char	 uscc[19], *msg;

	(void)state;
	uscc_unique(uscc);
	uscc[17] = uscc[17] == '0' ? '1' : '0';
	msg = refused(uscc);
	assert_non_null(strstr(msg, "校验位"));
	free(msg);
	msg = refused("91350100M000100Y44");
	assert_non_null(strstr(msg, "校验位"));
	free(msg);
	assert_int_equal(count_code(uscc), 0);
}

static void
test_wrong_length(void **state)
{
	char	 uscc[19], *msg, longer[20];

	(void)state;
	uscc_unique(uscc);
	snprintf(longer, sizeof(longer), "%s0", uscc);
	msg = refused(longer);
	assert_non_null(strstr(msg, "18"));
	free(msg);
	uscc[17] = '\0';
	msg = refused(uscc);
	assert_non_null(strstr(msg, "18"));
	free(msg);
	msg = refused("");
	free(msg);
	/* 18 bytes, but not 18 characters of the alphabet. */
	msg = refused("91350100M000100统");
	free(msg);
}

static void
test_forbidden_letters(void **state)
{
	static const char forbidden[] = "IOSVZ";
	char		 uscc[19], *msg, *first = NULL;
	size_t		 i;

	(void)state;
	for (i = 0; forbidden[i] != '\0'; i++) {
		uscc_unique(uscc);
		uscc[9] = forbidden[i];		/* inside the organization code */
		msg = refused(uscc);
		assert_non_null(strstr(msg, "I、O、S、V、Z"));
		if (first == NULL)
			first = strdup(msg);
		else
			assert_string_equal(msg, first);
		free(msg);
		assert_int_equal(count_code(uscc), 0);
		/* Also as the check character. */
		uscc_unique(uscc);
		uscc[17] = forbidden[i];
		free(refused(uscc));
	}
	/* Punctuation and spaces are outside the alphabet as well. */
	free(refused("91350100M000100Y4 "));
	free(refused("91350100-000100Y43"));
	free(first);
}

static void
test_lower_case(void **state)
{
	char	*msg, *check, *length, *alpha;

	(void)state;
	msg = refused("91350100m000100y43");
	assert_non_null(strstr(msg, "大写"));
	/* Four ways to be wrong, four different messages. */
	check = refused("91350100M000100Y44");
	length = refused("91350100M000100Y4");
	alpha = refused("91350100M0001O0Y43");
	assert_string_not_equal(msg, check);
	assert_string_not_equal(msg, length);
	assert_string_not_equal(msg, alpha);
	assert_string_not_equal(check, length);
	assert_string_not_equal(check, alpha);
	assert_string_not_equal(length, alpha);
	free(msg);
	free(check);
	free(length);
	free(alpha);
	/* Not a string at all: the client is broken. */
	{
		struct resp r;

		http_json(officer, "POST", "/api/v1/enterprises", json_pack(
		    "{s:i, s:s, s:s}", "uscc", 91, "name", "x", "region",
		    "110000"), NULL, &r);
		assert_problem_field(&r, 400, "uscc");
		resp_free(&r);
	}
}

/*
 * The same code twice is a 409 naming uscc, also from another province.
 * The 409 says where the code is registered -- the region, as the
 * directory (GET /enterprises/lookup) tells every officer anyway -- so
 * that the officer can turn to that region instead of guessing.
 */
static void
test_duplicate(void **state)
{
	struct resp	 r;
	char		 uscc[19];
	const char	*msg;

	(void)state;
	fixture_enterprise(officer, "110000", uscc);
	post(officer, uscc, "重复登记", "110000", NULL, &r);
	assert_problem_field(&r, 409, "uscc");
	resp_free(&r);
	/* Also when the first one is in another province. */
	{
		struct client *sh = client_login("officer.sh", DEMO_PASSWORD);

		post(sh, uscc, "重复登记", "310000", NULL, &r);
		assert_problem_field(&r, 409, "uscc");
		msg = field_message(&r, "uscc");
		if (msg == NULL || strstr(msg, "110000") == NULL ||
		    strstr(msg, "北京市") == NULL)
			fail_msg("the 409 does not say where: %s", r.body);
		assert_non_null(strstr(json_string_value(json_object_get(
		    r.json, "detail")), "/api/v1/enterprises/lookup?uscc="));
		resp_free(&r);
		client_free(sh);
	}
	assert_int_equal(count_code(uscc), 1);
}

/*
 * Issue 15: GET /api/v1/enterprises/lookup?uscc= answers an enterprise's
 * directory entry -- id, code, name, region and nothing else -- wherever
 * it is registered, to officers, legal staff and administrators; 404 when
 * no enterprise has the code.
 */
static void
test_lookup(void **state)
{
	struct client	*sh = client_login("officer.sh", DEMO_PASSWORD);
	struct client	*legal_sh = client_login("legal.sh", DEMO_PASSWORD);
	struct client	*auditor = client_login("auditor.bj", DEMO_PASSWORD);
	struct client	*who[] = { officer, legal, admin, sh, legal_sh };
	struct resp	 r;
	char		 uscc[19], other[19], *q;
	const char	*key;
	json_t		*v;
	long long	 id;
	size_t		 i;

	(void)state;
	id = fixture_enterprise(officer, "110101", uscc);
	q = fmt("/api/v1/enterprises/lookup?uscc=%s", uscc);
	for (i = 0; i < sizeof(who) / sizeof(who[0]); i++) {
		http_get(who[i], q, &r);
		assert_status(&r, 200);
		assert_int_equal(json_object_size(r.json), 4);
		json_object_foreach(r.json, key, v)
			if (strcmp(key, "id") != 0 && strcmp(key, "uscc") != 0 &&
			    strcmp(key, "name") != 0 && strcmp(key, "region") != 0)
				fail_msg("lookup tells %s", key);
		assert_int_equal(json_integer_value(json_object_get(r.json,
		    "id")), id);
		assert_string_equal(json_string_value(json_object_get(r.json,
		    "uscc")), uscc);
		assert_string_equal(json_string_value(json_object_get(r.json,
		    "region")), "110101");
		assert_true(json_is_string(json_object_get(r.json, "name")));
		resp_free(&r);
	}
	/* Shanghai still cannot read the record itself. */
	free(q);
	q = fmt("/api/v1/enterprises/%lld", id);
	http_get(sh, q, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	free(q);
	/* Not for auditors; no code, a malformed one: 400; unknown: 404. */
	q = fmt("/api/v1/enterprises/lookup?uscc=%s", uscc);
	http_get(auditor, q, &r);
	assert_problem(&r, 403);
	resp_free(&r);
	free(q);
	http_get(sh, "/api/v1/enterprises/lookup", &r);
	assert_problem_field(&r, 400, "uscc");
	resp_free(&r);
	http_get(sh, "/api/v1/enterprises/lookup?uscc=91110000ABC", &r);
	assert_problem_field(&r, 400, "uscc");
	resp_free(&r);
	uscc_unique_in("310000", other);
	q = fmt("/api/v1/enterprises/lookup?uscc=%s", other);
	http_get(sh, q, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	free(q);
	client_free(sh);
	client_free(legal_sh);
	client_free(auditor);
}

/*
 * Issue 15: characters 3-8 of a code are the registering authority's
 * region (GB/T 2260).  Registering it in another province than that
 * authority's needs `region_mismatch_reason` (422 naming it), which the
 * record keeps; a reason where the provinces agree is refused too.  So a
 * Beijing code cannot be taken from Shanghai in passing.
 */
static void
test_region_mismatch(void **state)
{
	struct client	*sh = client_login("officer.sh", DEMO_PASSWORD);
	struct resp	 r;
	char		 bj[19], own[19], *path;
	long long	 id;

	(void)state;
	uscc_unique_in("110000", bj);
	post(sh, bj, "跨省企业", "310000", NULL, &r);
	assert_problem_field(&r, 422, "region_mismatch_reason");
	resp_free(&r);
	post(sh, bj, "跨省企业", "310000", json_pack("{s:s}",
	    "region_mismatch_reason", "  "), &r);
	assert_problem_field(&r, 422, "region_mismatch_reason");
	resp_free(&r);
	assert_int_equal(count_code(bj), 0);
	post(sh, bj, "跨省企业", "310000", json_pack("{s:s}",
	    "region_mismatch_reason", "企业已迁入上海，营业执照未换发"), &r);
	assert_status(&r, 201);
	id = json_integer_value(json_object_get(r.json, "id"));
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "region_mismatch_reason")), "企业已迁入上海，营业执照未换发");
	resp_free(&r);
	path = fmt("/api/v1/enterprises/%lld", id);
	http_get(sh, path, &r);
	assert_status(&r, 200);
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "region_mismatch_reason")), "企业已迁入上海，营业执照未换发");
	resp_free(&r);
	free(path);
	/* The same province: no reason wanted, none taken. */
	uscc_unique_in("310000", own);
	post(sh, own, "本省企业", "310115", json_pack("{s:s}",
	    "region_mismatch_reason", "无"), &r);
	assert_problem_field(&r, 422, "region_mismatch_reason");
	resp_free(&r);
	post(sh, own, "本省企业", "310115", NULL, &r);
	assert_status(&r, 201);
	assert_true(json_is_null(json_object_get(r.json,
	    "region_mismatch_reason")));
	resp_free(&r);
	client_free(sh);
}

static void
test_override_recorded(void **state)
{
	struct resp	 r;
	char		 uscc[19], *n, *id;
	PGconn		*db;

	(void)state;
	uscc_unique(uscc);
	uscc[17] = uscc[17] == 'Y' ? 'X' : 'Y';	/* fails its check only */
	/* An officer may not override. */
	post(officer, uscc, "试点企业", "110000", json_pack("{s:s}",
	    "uscc_override_reason", "2015年试点赋码"), &r);
	assert_problem_field(&r, 403, "uscc_override_reason");
	resp_free(&r);
	/* An admin without a reason: still the check's 422. */
	post(admin, uscc, "试点企业", "110000", NULL, &r);
	assert_problem_field(&r, 422, "uscc");
	resp_free(&r);
	/* A blank reason is no reason. */
	post(admin, uscc, "试点企业", "110000", json_pack("{s:s}",
	    "uscc_override_reason", "  "), &r);
	assert_problem_field(&r, 422, "uscc_override_reason");
	resp_free(&r);
	/* Other faults are never overridden. */
	post(admin, "91350100M0001O0Y43", "试点企业", "110000", json_pack(
	    "{s:s}", "uscc_override_reason", "试点"), &r);
	assert_problem_field(&r, 422, "uscc");
	resp_free(&r);
	/* A valid code needs no override. */
	post(admin, STANDARD_EXAMPLE, "x", "110000", json_pack("{s:s}",
	    "uscc_override_reason", "试点"), &r);
	assert_problem_field(&r, 422, "uscc_override_reason");
	resp_free(&r);
	/* The admin with a reason: accepted, and who/when/why recorded. */
	post(admin, uscc, "试点企业", "110000", json_pack("{s:s}",
	    "uscc_override_reason", "2015年试点赋码，经核实有效"), &r);
	assert_status(&r, 201);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_object_get(r.json, "uscc_override"), "by"), "username")),
	    "admin");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    r.json, "uscc_override"), "reason")), "2015年试点赋码，经核实有效");
	assert_non_null(json_string_value(json_object_get(json_object_get(
	    r.json, "uscc_override"), "at")));
	id = fmt("%lld", (long long)json_integer_value(json_object_get(r.json,
	    "id")));
	resp_free(&r);
	db = db_admin();
	n = db_value(db, "SELECT u.username || '|' || e.uscc_override_reason"
	    " || '|' || (e.uscc_override_at > now() - interval '1 minute')"
	    " FROM enterprises e JOIN users u ON u.id = e.uscc_override_by"
	    " WHERE e.id = $1", id, NULL);
	assert_string_equal(n, "admin|2015年试点赋码，经核实有效|true");
	free(n);
	PQfinish(db);
	free(id);
}

/* ------------------------------------------------------------------ */
/* Limits                                                             */
/* ------------------------------------------------------------------ */

/* `n` copies of the UTF-8 character `ch` (malloc'd). */
static char *
repeat(const char *ch, size_t n)
{
	size_t	 l = strlen(ch), i;
	char	*s = malloc(l * n + 1);

	assert_non_null(s);
	for (i = 0; i < n; i++)
		memcpy(s + i * l, ch, l);
	s[l * n] = '\0';
	return s;
}

/* `field` accepts `max` characters and refuses `max` + 1 (422 naming it). */
static void
limit(const char *field, size_t max, const char *ch)
{
	struct resp	 r;
	char		 uscc[19], *ok = repeat(ch, max), *over = repeat(ch,
			    max + 1);
	int		 is_name = strcmp(field, "name") == 0;

	uscc_unique(uscc);
	post(officer, uscc, is_name ? ok : "限长企业", "110000", is_name ?
	    NULL : json_pack("{s:s}", field, ok), &r);
	if (r.status != 201)
		fail_msg("%s of %zu characters: %ld %s", field, max, r.status,
		    r.body);
	resp_free(&r);
	uscc_unique(uscc);
	post(officer, uscc, is_name ? over : "限长企业", "110000", is_name ?
	    NULL : json_pack("{s:s}", field, over), &r);
	assert_problem_field(&r, 422, field);
	resp_free(&r);
	free(ok);
	free(over);
}

static void
test_field_limits(void **state)
{
	(void)state;
	limit("name", 200, "企");
	limit("address", 500, "路");
	limit("production_licence", 64, "X");
	limit("ccc_certificate", 64, "9");
	{
		struct resp r;
		char uscc[19];

		uscc_unique(uscc);
		post(officer, uscc, "  ", "110000", NULL, &r);
		assert_problem_field(&r, 422, "name");
		resp_free(&r);
		post(officer, uscc, "x", "110000", json_pack("{s:s}",
		    "ccc_status", "lost"), &r);
		assert_problem_field(&r, 422, "ccc_status");
		resp_free(&r);
		post(officer, uscc, "x", "11000", NULL, &r);
		assert_problem_field(&r, 422, "region");
		resp_free(&r);
		post(officer, uscc, "x", "999999", NULL, &r);
		assert_problem_field(&r, 422, "region");
		resp_free(&r);
		post(officer, uscc, "x", "110000", json_pack("{s:s}",
		    "nickname", "x"), &r);
		assert_problem_field(&r, 422, "nickname");
		resp_free(&r);
	}
}

/*
 * Issue 15: names, codes and numbers refuse control and invisible format
 * characters ("RT\u202egpj.exe" displays as "RTexe.jpg"), by the kind
 * of their validation row; free text keeps \n and \t only.  A case's
 * problem and a user's display name follow the same rows.
 */
static void
test_invisible_characters(void **state)
{
	static const char *const bad_names[] = {
		"RT\xe2\x80\xae" "gpj.exe",		/* U+202E */
		"企\xe2\x80\x8b" "业",			/* U+200B */
		"企\xe2\x81\xa6" "业\xe2\x81\xa9",	/* U+2066 .. U+2069 */
		"企\t业", "企\n业", "企\xc2\x85业",		/* tab, LF, C1 */
		"\xef\xbb\xbf企业",			/* U+FEFF */
		NULL
	};
	struct resp	 r;
	char		 uscc[19];
	long long	 eid, cid;
	size_t		 i;

	(void)state;
	uscc_unique(uscc);
	for (i = 0; bad_names[i] != NULL; i++) {
		post(officer, uscc, bad_names[i], "110000", NULL, &r);
		assert_problem_field(&r, 422, "name");
		resp_free(&r);
	}
	post(officer, uscc, "正常企业", "110000", json_pack("{s:s}", "address",
	    "北京市\xe2\x80\xae东城区"), &r);
	assert_problem_field(&r, 422, "address");
	resp_free(&r);
	post(officer, uscc, "正常企业", "110000", json_pack("{s:s}",
	    "production_licence", "XK\r06"), &r);
	assert_problem_field(&r, 422, "production_licence");
	resp_free(&r);
	assert_int_equal(count_code(uscc), 0);
	/* Free text: a case's problem keeps line breaks and tabs only. */
	eid = fixture_enterprise(officer, "110000", uscc);
	http_json(officer, "POST", "/api/v1/cases", json_pack("{s:I, s:i,"
	    " s:s, s:s, s:s, s:s}", "enterprise_id", (json_int_t)eid,
	    "campaign_id", 2022, "category", "cement", "domain", "production",
	    "source", "complaint", "problem", "强度\xe2\x80\xae不合格"),
	    NULL, &r);
	assert_problem_field(&r, 422, "problem");
	resp_free(&r);
	http_json(officer, "POST", "/api/v1/cases", json_pack("{s:I, s:i,"
	    " s:s, s:s, s:s, s:s}", "enterprise_id", (json_int_t)eid,
	    "campaign_id", 2022, "category", "cement", "domain", "production",
	    "source", "complaint", "problem", "第一批\n\t强度不合格"), NULL,
	    &r);
	assert_status(&r, 201);
	cid = json_integer_value(json_object_get(r.json, "id"));
	resp_free(&r);
	/* The workflow's text: a note keeps \n; a decision number is a line. */
	{
		char		*path = fmt("/api/v1/cases/%lld/transitions", cid);
		const char	*h[] = { "If-Match: \"1\"", NULL };

		http_json(officer, "POST", path, json_pack("{s:s, s:{s:s}}",
		    "event", "add_note", "payload", "text",
		    "复查\xe2\x80\x8b结果"), h, &r);
		assert_problem_field(&r, 422, "text");
		resp_free(&r);
		http_json(officer, "POST", path, json_pack("{s:s, s:{s:s}}",
		    "event", "add_note", "payload", "text", "第一行\n第二行"), h,
		    &r);
		assert_status(&r, 200);
		resp_free(&r);
		free(path);
	}
	/* A user's display name: one line. */
	http_json(admin, "POST", "/api/v1/users", json_pack("{s:s, s:s, s:s,"
	    " s:[s], s:s}", "username", "bidi.test", "display_name",
	    "张\xe2\x80\xae三", "region", "110000", "roles", "officer",
	    "password", "Correct-Horse-Battery-9"), NULL, &r);
	assert_problem_field(&r, 422, "display_name");
	resp_free(&r);
}

static void
test_override_reason_limit(void **state)
{
	struct resp	 r;
	char		 uscc[19], *ok = repeat("由", 500), *over = repeat("由",
			    501);

	(void)state;
	uscc_unique(uscc);
	uscc[17] = uscc[17] == 'Y' ? 'X' : 'Y';
	post(admin, uscc, "x", "110000", json_pack("{s:s}",
	    "uscc_override_reason", over), &r);
	assert_problem_field(&r, 422, "uscc_override_reason");
	resp_free(&r);
	post(admin, uscc, "x", "110000", json_pack("{s:s}",
	    "uscc_override_reason", ok), &r);
	assert_status(&r, 201);
	resp_free(&r);
	free(ok);
	free(over);
}

static void
test_body_limit(void **state)
{
	struct resp	 r;
	char		 uscc[19], *big = repeat("x", 17000);

	(void)state;
	uscc_unique(uscc);
	post(officer, uscc, "x", "110000", json_pack("{s:s}", "address", big),
	    &r);
	assert_problem(&r, 413);
	resp_free(&r);
	free(big);
}

static void
test_list_limits(void **state)
{
	struct resp	 r;
	char		*q;

	(void)state;
	http_get(officer, "/api/v1/enterprises?limit=200", &r);
	assert_status(&r, 200);
	resp_free(&r);
	http_get(officer, "/api/v1/enterprises?limit=201", &r);
	assert_problem_field(&r, 400, "limit");
	resp_free(&r);
	http_get(officer, "/api/v1/enterprises?limit=0", &r);
	assert_problem_field(&r, 400, "limit");
	resp_free(&r);
	http_get(officer, "/api/v1/enterprises?cursor=-1", &r);
	assert_problem_field(&r, 400, "cursor");
	resp_free(&r);
	http_get(officer, "/api/v1/enterprises?region=abc", &r);
	assert_problem_field(&r, 400, "region");
	resp_free(&r);
	http_get(officer, "/api/v1/enterprises?name=x", &r);
	assert_problem_field(&r, 400, "name");
	resp_free(&r);
	q = fmt("/api/v1/enterprises?q=%0100d", 7);
	http_get(officer, q, &r);
	assert_status(&r, 200);
	resp_free(&r);
	free(q);
	q = fmt("/api/v1/enterprises?q=%0101d", 7);
	http_get(officer, q, &r);
	assert_problem_field(&r, 400, "q");
	resp_free(&r);
	free(q);
}

/* ------------------------------------------------------------------ */
/* Search and cursors                                                 */
/* ------------------------------------------------------------------ */

static void
test_search_and_cursor(void **state)
{
	struct resp	 r;
	char		 uscc[3][19], *token, *name, *q, *q2, lower[19];
	long long	 ids[3], seen[3];
	json_t		*items;
	const char	*cur;
	size_t		 i, n = 0;

	(void)state;
	token = unique_name("Zeta");
	for (i = 0; i < 3; i++) {
		uscc_unique(uscc[i]);
		name = fmt("北京%s电缆%zu厂", token, i);
		post(officer, uscc[i], name, "110000", NULL, &r);
		assert_status(&r, 201);
		ids[i] = json_integer_value(json_object_get(r.json, "id"));
		resp_free(&r);
		free(name);
	}
	/* By part of the name, case-insensitively, newest first, 2 a page. */
	for (i = 0; token[i] != '\0'; i++)
		token[i] = (char)(token[i] >= 'A' && token[i] <= 'Z' ?
		    token[i] + 32 : token[i]);
	q = fmt("/api/v1/enterprises?q=%s&limit=2", token);
	http_get(officer, q, &r);
	assert_status(&r, 200);
	items = json_object_get(r.json, "items");
	assert_int_equal(json_array_size(items), 2);
	for (i = 0; i < 2; i++)
		seen[n++] = json_integer_value(json_object_get(
		    json_array_get(items, i), "id"));
	cur = json_string_value(json_object_get(r.json, "next_cursor"));
	assert_non_null(cur);
	q2 = fmt("%s&cursor=%s", q, cur);
	resp_free(&r);
	http_get(officer, q2, &r);
	assert_status(&r, 200);
	items = json_object_get(r.json, "items");
	assert_int_equal(json_array_size(items), 1);
	seen[n++] = json_integer_value(json_object_get(json_array_get(items,
	    0), "id"));
	assert_true(json_is_null(json_object_get(r.json, "next_cursor")));
	resp_free(&r);
	assert_int_equal(seen[0], ids[2]);
	assert_int_equal(seen[1], ids[1]);
	assert_int_equal(seen[2], ids[0]);
	free(q);
	free(q2);
	/* By the exact code, in either case. */
	q = fmt("/api/v1/enterprises?q=%s", uscc[1]);
	http_get(officer, q, &r);
	items = json_object_get(r.json, "items");
	assert_int_equal(json_array_size(items), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    items, 0), "id")), ids[1]);
	resp_free(&r);
	free(q);
	for (i = 0; i < 18; i++)
		lower[i] = (char)(uscc[1][i] >= 'A' && uscc[1][i] <= 'Z' ?
		    uscc[1][i] + 32 : uscc[1][i]);
	lower[18] = '\0';
	q = fmt("/api/v1/enterprises?q=%s", lower);
	assert_true(list_has(officer, q, ids[1]));
	free(q);
	/*
	 * LIKE's own characters match only themselves: after the token
	 * comes 电, which a wildcard would match.  (Other programs on the
	 * same instance register names with % and _ in them.)
	 */
	q = fmt("/api/v1/enterprises?q=%s%%25", token);
	http_get(officer, q, &r);
	assert_status(&r, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
	resp_free(&r);
	free(q);
	q = fmt("/api/v1/enterprises?q=%s_", token);
	http_get(officer, q, &r);
	assert_status(&r, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
	resp_free(&r);
	free(q);
	q = fmt("/api/v1/enterprises?q=%s", token);
	assert_true(list_has(officer, q, ids[0]));
	free(q);
	free(token);
}

/* ------------------------------------------------------------------ */
/* PATCH                                                              */
/* ------------------------------------------------------------------ */

static void
test_patch(void **state)
{
	static const char *const v1[] = { "If-Match: \"1\"", NULL };
	static const char *const v2[] = { "If-Match: \"2\"", NULL };
	static const char *const v3[] = { "If-Match: 3", NULL };
	struct resp	 r;
	char		 uscc[19], etag[16], *path;
	long long	 id;

	(void)state;
	id = fixture_enterprise(officer, "110000", uscc);
	path = fmt("/api/v1/enterprises/%lld", id);
	/* No If-Match: 428. */
	http_json(officer, "PATCH", path, json_pack("{s:s}", "name", "新"),
	    NULL, &r);
	assert_problem(&r, 428);
	resp_free(&r);
	/* Legal staff may not change enterprises. */
	http_json(legal, "PATCH", path, json_pack("{s:s}", "name", "新"), v1,
	    &r);
	assert_problem(&r, 403);
	resp_free(&r);
	/* Code and region never change. */
	http_json(officer, "PATCH", path, json_pack("{s:s}", "uscc",
	    STANDARD_EXAMPLE), v1, &r);
	assert_problem_field(&r, 422, "uscc");
	resp_free(&r);
	http_json(officer, "PATCH", path, json_pack("{s:s}", "region",
	    "110101"), v1, &r);
	assert_problem_field(&r, 422, "region");
	resp_free(&r);
	/* Nothing to change; a name cleared. */
	http_json(officer, "PATCH", path, json_object(), v1, &r);
	assert_problem(&r, 422);
	resp_free(&r);
	http_json(officer, "PATCH", path, json_pack("{s:n}", "name"), v1, &r);
	assert_problem_field(&r, 422, "name");
	resp_free(&r);
	/* A change: version 2, new ETag. */
	http_json(officer, "PATCH", path, json_pack("{s:s, s:s, s:s, s:s}",
	    "name", "新名称有限公司", "address", "北京市东城区",
	    "ccc_certificate", "2022010105000002", "ccc_status", "suspended"),
	    v1, &r);
	assert_status(&r, 200);
	assert_non_null(resp_header(&r, "ETag", etag, sizeof(etag)));
	assert_string_equal(etag, "\"2\"");
	assert_string_equal(json_string_value(json_object_get(r.json, "name")),
	    "新名称有限公司");
	assert_string_equal(json_string_value(json_object_get(r.json, "uscc")),
	    uscc);
	resp_free(&r);
	/* The old version again: 412, with the current ETag. */
	http_json(officer, "PATCH", path, json_pack("{s:s}", "name", "旧"), v1,
	    &r);
	assert_problem(&r, 412);
	assert_non_null(resp_header(&r, "ETag", etag, sizeof(etag)));
	assert_string_equal(etag, "\"2\"");
	resp_free(&r);
	/* null clears an optional field; the rest stays. */
	http_json(officer, "PATCH", path, json_pack("{s:n}", "address"), v2,
	    &r);
	assert_status(&r, 200);
	assert_true(json_is_null(json_object_get(r.json, "address")));
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "ccc_status")), "suspended");
	assert_string_equal(json_string_value(json_object_get(r.json, "name")),
	    "新名称有限公司");
	resp_free(&r);
	/* Limits hold on PATCH too. */
	{
		char *over = repeat("企", 201);

		http_json(officer, "PATCH", path, json_pack("{s:s}", "name",
		    over), v3, &r);
		assert_problem_field(&r, 422, "name");
		resp_free(&r);
		free(over);
	}
	/* Absent: 404. */
	http_json(officer, "PATCH", "/api/v1/enterprises/999999999",
	    json_pack("{s:s}", "name", "x"), v3, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	free(path);
}

/*
 * An enterprise's changes leave a trail (issue 15, item 9): registering
 * and renaming it, and revoking its licence, are events of its stream,
 * each with the old and new values, that an auditor reads -- while the
 * case shows the enterprise's new name.
 */
static void
test_changes_are_audited(void **state)
{
	struct client	*auditor = client_login("auditor.bj", DEMO_PASSWORD);
	struct resp	 r;
	char		 uscc[19], *path;
	long long	 id;
	json_t		*items, *last;
	const char	*hdr[] = { "If-Match: \"1\"", NULL };

	(void)state;
	id = fixture_enterprise(officer, "110000", uscc);
	path = fmt("/api/v1/enterprises/%lld", id);
	http_json(officer, "PATCH", path, json_pack("{s:s, s:s}", "name",
	    "改名后的企业", "production_licence_status", "revoked"), hdr, &r);
	assert_status(&r, 200);
	resp_free(&r);
	free(path);
	path = fmt("/api/v1/audit/events?entity=enterprise&entity_id=%lld", id);
	http_get(auditor, path, &r);
	assert_status(&r, 200);
	items = json_object_get(r.json, "items");
	assert_int_equal(json_array_size(items), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    items, 0), "event")), "create");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_array_get(items, 0), "payload"), "uscc")), uscc);
	last = json_array_get(items, 1);
	assert_string_equal(json_string_value(json_object_get(last, "entity")),
	    "enterprise");
	assert_int_equal(json_integer_value(json_object_get(last, "entity_id")),
	    id);
	assert_string_equal(json_string_value(json_object_get(last, "event")),
	    "update");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_object_get(last, "payload"), "new"), "name")), "改名后的企业");
	assert_true(json_is_string(json_object_get(json_object_get(
	    json_object_get(last, "payload"), "old"), "name")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_object_get(last, "payload"), "new"),
	    "production_licence_status")), "revoked");
	assert_null(json_object_get(json_object_get(json_object_get(last,
	    "payload"), "new"), "address"));
	assert_string_equal(json_string_value(json_object_get(last,
	    "prev_hash")), json_string_value(json_object_get(
	    json_array_get(items, 0), "hash")));
	resp_free(&r);
	free(path);
	client_free(auditor);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_codes),
		cmocka_unit_test(test_wrong_check_character),
		cmocka_unit_test(test_wrong_length),
		cmocka_unit_test(test_forbidden_letters),
		cmocka_unit_test(test_lower_case),
		cmocka_unit_test(test_duplicate),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_region_mismatch),
		cmocka_unit_test(test_override_recorded),
		cmocka_unit_test(test_field_limits),
		cmocka_unit_test(test_invisible_characters),
		cmocka_unit_test(test_override_reason_limit),
		cmocka_unit_test(test_body_limit),
		cmocka_unit_test(test_list_limits),
		cmocka_unit_test(test_search_and_cursor),
		cmocka_unit_test(test_patch),
		cmocka_unit_test(test_changes_are_audited),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("e2e-enterprises", tests, setup,
	    teardown);
}
