/*
 * test-parsers.c: the service's small parsers and encoders -- UTF-8,
 * header lists, LIKE patterns, bytea hex, the event hash (against vectors
 * computed independently with Python's hashlib) and the one-row-per-field
 * validator.  Passwords are test-password.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fake-fcgi.h"

static void
test_utf8(void **state)
{
	assert_true(utf8_valid("", 0));
	assert_true(utf8_valid("abc", 3));
	assert_true(utf8_valid("水泥", strlen("水泥")));
	assert_true(utf8_valid("\xf0\x9f\x98\x80", 4));	/* U+1F600 */
	assert_false(utf8_valid("a\0b", 3));			/* NUL */
	assert_false(utf8_valid("\xc0\xaf", 2));		/* overlong */
	assert_false(utf8_valid("\xe0\x80\xaf", 3));		/* overlong */
	assert_false(utf8_valid("\xed\xa0\x80", 3));		/* surrogate */
	assert_false(utf8_valid("\xf4\x90\x80\x80", 4));	/* > U+10FFFF */
	assert_false(utf8_valid("\xe6\xb0", 2));		/* truncated */
	assert_false(utf8_valid("\x80", 1));			/* stray */
	assert_false(utf8_valid("\xff", 1));
}

static void
test_header_list(void **state)
{
	assert_true(req_header_list_has("gzip, br", "br"));
	assert_true(req_header_list_has("GZIP;q=1", "gzip"));
	assert_false(req_header_list_has("gzipx", "gzip"));
	assert_false(req_header_list_has("", "gzip"));
	assert_false(req_header_list_has(NULL, "gzip"));
}

static void
test_like_pattern(void **state)
{
	char	 out[64];

	like_pattern("水泥", out);
	assert_string_equal(out, "%水泥%");
	like_pattern("50%_a\\b", out);
	assert_string_equal(out, "%50\\%\\_a\\\\b%");
}

static void
test_hex(void **state)
{
	unsigned char	 b[3] = { 0x00, 0xab, 0xff }, back[3];
	char		 out[16];

	bytea_hex(b, 3, out);
	assert_string_equal(out, "\\x00abff");
	assert_int_equal(bytea_parse(out, back, 3), 0);
	assert_memory_equal(b, back, 3);
	assert_int_equal(bytea_parse("\\x00ABFF", back, 3), 0);
	assert_int_equal(bytea_parse("\\x00abf", back, 3), -1);
	assert_int_equal(bytea_parse("\\x00abfg", back, 3), -1);
	assert_int_equal(bytea_parse("00abff", back, 3), -1);
	hex_encode(b, 3, out);
	assert_string_equal(out, "00abff");
	assert_int_equal(hex_digit('f'), 15);
	assert_int_equal(hex_digit('g'), -1);
}

static void
test_chain_hash(void **state)
{
	/*
	 * python3: sha256(b'paicha/case-event/v1' + (5).to_bytes(8,'big')
	 *   + (3).to_bytes(4,'big') + bytes(32) + sha256(rec).digest())
	 */
	static const char rec[] =
	    "{\"event\":\"create\",\"payload\":{\"problem\":\"水泥\"}}";
	static const unsigned char zero[CHAIN_LEN];
	unsigned char	 h1[CHAIN_LEN], h2[CHAIN_LEN];
	char		 hex[2 * CHAIN_LEN + 1];
	json_t		*v;
	char		*text;

	assert_int_equal(chain_hash(LEDGER_CASE, 5, 3, zero, rec, strlen(rec),
	    h1), 0);
	hex_encode(h1, CHAIN_LEN, hex);
	assert_string_equal(hex, "dbfe34e46d48cfdcd3954642be6192c8"
	    "9d96d4dd0881264be9efbdd0f3027302");
	assert_int_equal(chain_hash(LEDGER_CASE, 5, 4, h1, "{}", 2, h2), 0);
	hex_encode(h2, CHAIN_LEN, hex);
	assert_string_equal(hex, "4697210a8e2b80fcac179099a3dc89b7"
	    "73d4ab34498916bfc33a99a90d75a23f");
	/* Canonical JSON: keys sorted, compact, UTF-8 kept. */
	v = json_pack("{s:{s:s}, s:s}", "payload", "problem", "水泥",
	    "event", "create");
	text = chain_canonical(v);
	assert_string_equal(text, rec);
	free(text);
	json_decref(v);
}

struct in {
	const char	*name;
	const char	*kind;
	const char	*text;
	long long	 n;
	long long	 id;
	int		 flag;
	json_t		*obj;
	json_t		*ids;
};

static const char *const kinds[] = { "a", "b", NULL };

static const char *
no_x(const char *s)
{
	return strchr(s, 'x') != NULL ? "no x" : NULL;
}

static const struct vfield fields[] = {
	{ "name", VT_STRING, 1, 2, 5, NULL, no_x, offsetof(struct in, name) },
	{ "kind", VT_ENUM, 0, 0, 0, kinds, NULL, offsetof(struct in, kind) },
	{ "text", VT_TEXT, 0, 1, 100, NULL, NULL, offsetof(struct in, text) },
	{ "n", VT_INT, 0, 1, 10, NULL, NULL, offsetof(struct in, n) },
	{ "id", VT_ID, 0, 0, 0, NULL, NULL, offsetof(struct in, id) },
	{ "flag", VT_BOOL, 0, 0, 0, NULL, NULL, offsetof(struct in, flag) },
	{ "obj", VT_OBJECT, 0, 0, 0, NULL, NULL, offsetof(struct in, obj) },
	{ "ids", VT_IDS, 0, 1, 3, NULL, NULL, offsetof(struct in, ids) },
};

/*
 * Validate `doc`; returns the status replied (0 when valid).  The values
 * in `in` borrow from the document, which lives until the next call.
 * JSON_ALLOW_NUL: the router's parser refuses \u0000 already; this
 * reaches the validator's own check behind it.
 */
static int
check(const char *doc, struct in *in, const char *field)
{
	static json_t	*j;
	struct fake	*f = fake_new(NULL, NULL, 0);
	json_t		*e;
	unsigned	 present;
	int		 rc, found = field == NULL;
	size_t		 i;

	json_decref(j);
	j = json_loads(doc, JSON_ALLOW_NUL, NULL);
	assert_non_null(j);
	memset(in, 0, sizeof(*in));
	rc = validate_json(&f->r, j, fields, NITEMS(fields), in, &present);
	if (rc == 0) {
		assert_false(f->r.reply.staged);
		fake_free(f);
		return 0;
	}
	reply_send(&f->r);
	*f->out.wrNext = '\0';
	f->json = json_loads(fake_body(f), 0, NULL);
	json_array_foreach(json_object_get(f->json, "errors"), i, e)
		if (field != NULL && strcmp(json_string_value(json_object_get(e,
		    "field")), field) == 0)
			found = 1;
	assert_true(found);
	rc = f->r.status;
	fake_free(f);
	return rc;
}

static void
test_validate(void **state)
{
	struct in	 in;

	assert_int_equal(check("{\"name\":\"abc\",\"kind\":\"b\",\"text\":\"t\","
	    "\"n\":3,\"id\":9,\"flag\":true,\"obj\":{}}", &in, NULL), 0);
	assert_string_equal(in.name, "abc");
	assert_string_equal(in.kind, "b");
	assert_int_equal(in.n, 3);
	assert_int_equal(in.id, 9);
	assert_int_equal(in.flag, 1);
	assert_non_null(in.obj);
	/* Missing, unknown, out of range, not allowed: 422 naming it. */
	assert_int_equal(check("{}", &in, "name"), 422);
	assert_int_equal(check("{\"name\":\"abc\",\"colour\":1}", &in,
	    "colour"), 422);
	assert_int_equal(check("{\"name\":\"a\"}", &in, "name"), 422);
	assert_int_equal(check("{\"name\":\"abcdef\"}", &in, "name"), 422);
	assert_int_equal(check("{\"name\":\"abx\"}", &in, "name"), 422);
	assert_int_equal(check("{\"name\":\"abc\",\"kind\":\"c\"}", &in,
	    "kind"), 422);
	assert_int_equal(check("{\"name\":\"abc\",\"n\":11}", &in, "n"), 422);
	assert_int_equal(check("{\"name\":\"abc\",\"id\":0}", &in, "id"), 422);
	/* Blank text, ASCII or ideographic spaces: 422. */
	assert_int_equal(check("{\"name\":\"abc\",\"text\":\" \\u3000 \"}", &in,
	    "text"), 422);
	/* A NUL inside a string: 422. */
	assert_int_equal(check("{\"name\":\"a\\u0000b\"}", &in, "name"), 422);
	/* Wrong JSON types: 400. */
	assert_int_equal(check("{\"name\":5}", &in, "name"), 400);
	assert_int_equal(check("{\"name\":\"abc\",\"flag\":\"true\"}", &in,
	    "flag"), 400);
	assert_int_equal(check("{\"name\":\"abc\",\"n\":1.5}", &in, "n"), 400);
	assert_int_equal(check("{\"name\":\"abc\",\"obj\":[]}", &in, "obj"),
	    400);
	/* null is absent. */
	assert_int_equal(check("{\"name\":\"abc\",\"kind\":null}", &in, NULL),
	    0);
	assert_null(in.kind);
	/* Ids: min..max distinct positive integers. */
	assert_int_equal(check("{\"name\":\"abc\",\"ids\":[3,1,2]}", &in,
	    NULL), 0);
	assert_int_equal(json_array_size(in.ids), 3);
	assert_int_equal(check("{\"name\":\"abc\",\"ids\":[]}", &in, "ids"),
	    422);
	assert_int_equal(check("{\"name\":\"abc\",\"ids\":[1,2,3,4]}", &in,
	    "ids"), 422);
	assert_int_equal(check("{\"name\":\"abc\",\"ids\":[1,1]}", &in,
	    "ids"), 422);
	assert_int_equal(check("{\"name\":\"abc\",\"ids\":[0]}", &in,
	    "ids"), 422);
	assert_int_equal(check("{\"name\":\"abc\",\"ids\":[-2]}", &in,
	    "ids"), 422);
	assert_int_equal(check("{\"name\":\"abc\",\"ids\":[\"1\"]}", &in,
	    "ids"), 400);
	assert_int_equal(check("{\"name\":\"abc\",\"ids\":[1.5]}", &in,
	    "ids"), 400);
	assert_int_equal(check("{\"name\":\"abc\",\"ids\":7}", &in, "ids"),
	    400);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_header_list),
		cmocka_unit_test(test_like_pattern),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_chain_hash),
		cmocka_unit_test(test_validate),
	};

	if (config_load(&cfg) == -1)
		return 1;
	return cmocka_run_group_tests_name("parsers", tests, NULL, NULL);
}
