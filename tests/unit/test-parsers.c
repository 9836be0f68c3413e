/*
 * test-parsers.c: the service's small parsers and encoders -- UTF-8,
 * header lists, LIKE patterns, bytea hex, the event hash (against vectors
 * computed independently with Python's hashlib), the one-row-per-field
 * validator, and the payload read in place for verify's replay (against
 * Jansson's reading of the same text).  Passwords are test-password.c.
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

/* The snapshot names db.c quotes into SET TRANSACTION SNAPSHOT. */
static void
test_snapshot_name(void **state)
{
	(void)state;
	assert_true(db_snapshot_name_ok("00000003-0000001B-1"));
	assert_true(db_snapshot_name_ok("0000000A-FFFFFFFF-4294967295"));
	assert_false(db_snapshot_name_ok(""));
	assert_false(db_snapshot_name_ok("00000003-0000001B-"));
	assert_false(db_snapshot_name_ok("00000003-0000001b-1"));
	assert_false(db_snapshot_name_ok("0000003-00000001B-1"));
	assert_false(db_snapshot_name_ok("00000003-0000001B-1'"));
	assert_false(db_snapshot_name_ok("00000003-0000001B-1' OR '1"));
	assert_false(db_snapshot_name_ok("00000003-0000001B-12345678901"));
	assert_false(db_snapshot_name_ok("00000003_0000001B-1"));
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
	const char	*label;
	const char	*note;
	const char	*secret;
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
	{ "label", VT_NAME, 0, 1, 20, NULL, NULL, offsetof(struct in, label) },
	{ "note", VT_TEXT, 0, 0, 20, NULL, NULL, offsetof(struct in, note) },
	{ "secret", VT_SECRET, 0, 1, 20, NULL, NULL,
	    offsetof(struct in, secret) },
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
	/*
	 * Names, codes and ids refuse control and invisible format
	 * characters: "RT\u202egpj.exe" shows as "RTexe.jpg".  Free text
	 * keeps \n and \t only.
	 */
	assert_int_equal(check("{\"name\":\"R\\u202ej\"}", &in, "name"), 422);
	assert_int_equal(check("{\"name\":\"a\\tb\"}", &in, "name"), 422);
	assert_int_equal(check("{\"name\":\"a\\nb\"}", &in, "name"), 422);
	assert_int_equal(check("{\"name\":\"a\\u200bb\"}", &in, "name"),
	    422);
	assert_int_equal(check("{\"name\":\"a\\u0085\"}", &in, "name"), 422);
	assert_int_equal(check("{\"name\":\"abc\",\"text\":\"一\\n\\t二\"}",
	    &in, NULL), 0);
	assert_string_equal(in.text, "一\n\t二");
	{
		static const char *const bad[] = {
			"\\r", "\\u0001", "\\u001f", "\\u007f", "\\u0080",
			"\\u009f", "\\u200b", "\\u200c", "\\u200d",
			"\\u200e", "\\u200f", "\\u202a", "\\u202b",
			"\\u202c", "\\u202d", "\\u202e", "\\u2060",
			"\\u2066", "\\u2067", "\\u2068", "\\u2069",
			"\\ufeff", "\\u2028", "\\u2029", "\\udb40\\udc41",
			NULL
		};
		char	 doc[128];
		size_t	 i;

		for (i = 0; bad[i] != NULL; i++) {
			snprintf(doc, sizeof(doc), "{\"name\":\"abc\","
			    "\"text\":\"前%s后\"}", bad[i]);
			if (check(doc, &in, "text") != 422)
				fail_msg("text with %s accepted", bad[i]);
		}
	}
	/* A name is one line and not blank; a note may be empty. */
	assert_int_equal(check("{\"name\":\"abc\",\"label\":\" \"}", &in,
	    "label"), 422);
	assert_int_equal(check("{\"name\":\"abc\",\"label\":\"R\\u202e\"}",
	    &in, "label"), 422);
	assert_int_equal(check("{\"name\":\"abc\",\"label\":\"张三\","
	    "\"note\":\"\"}", &in, NULL), 0);
	assert_int_equal(check("{\"name\":\"abc\",\"note\":\" \\n\"}", &in,
	    NULL), 0);
	assert_int_equal(check("{\"name\":\"abc\",\"note\":\"\\u202e\"}",
	    &in, "note"), 422);
	/* A secret is never shown: it keeps what it holds. */
	assert_int_equal(check("{\"name\":\"abc\",\"secret\":"
	    "\"\\u202e\\t\\u200b\"}", &in, NULL), 0);
	assert_string_equal(in.secret, "\xe2\x80\xae\t\xe2\x80\x8b");
	/* What is not invisible stays: CJK, emoji, U+3000, U+00A0. */
	assert_int_equal(check("{\"name\":\"a\\u3000b\",\"text\":"
	    "\"\\ud83d\\ude00 \\u00a0 \\u4e00\"}", &in, NULL), 0);
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

/*
 * The lazily read payload answers as Jansson does -- kind and string of
 * every key asked -- whether it reads the text in place (compact, no
 * escapes) or falls back to parsing it.
 */
static void
test_lazy_payload(void **state)
{
	static const char *const texts[] = {
		"{}",
		"{\"fine_amount\":\"5000\",\"case_value\":\"8000.5\"}",
		"{\"a\":{\"fine_amount\":\"1\"},\"b\":[\"fine_amount\",1]}",
		"{\"fine_amount\":\"\\u0035000\",\"x\":\"\\\"\"}",
		"{\"fine_amount\":\"1\",\"fine_amount\":\"2\"}",
		"{ \"fine_amount\" : \"7\" }",
		"{\"fine_amountx\":\"1\",\"xfine_amount\":\"2\"}",
		"{\"lookback_on\":\"2030-01-01\",\"serious_list\":true,"
		    "\"documents\":[\"a\",\"b\"],\"n\":null,\"z\":12.5}",
		"{\"problem\":\"钢筋 \\\"重量偏差\\\" 超标\",\"lookback_on\":null}",
		"{\"fine_amount\":5000}",
		"{\"a\":\"x\\\\\",\"fine_amount\":\"3\"}",
		"{\"a\":\"\\\"}\\\"\",\"fine_amount\":\"4\"}",
		"{\"a\":[{\"b\":\"]\"}],\"fine_amount\":\"6\"}",
		"{\"\\u0066ine_amount\":\"9\"}",
		"not json",
		"{\"fine_amount\":\"1\"",
		"[\"fine_amount\"]",
	};
	static const char *const keys[] = {
		"fine_amount", "case_value", "lookback_on", "serious_list",
		"documents", "n", "z", "problem", "x", "missing",
	};
	struct wf_payload	 lz, js;
	struct lazy_payload	 l;
	json_t			*o;
	const char		*a, *b;
	size_t			 i, k;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			o = json_loads(texts[i], JSON_REJECT_DUPLICATES, NULL);
			payload_view(&js, o);
			payload_view_lazy(&lz, &l, texts[i], strlen(texts[i]));
			if (lz.kind(lz.ctx, keys[k]) != js.kind(js.ctx, keys[k]))
				fail_msg("%s, %s: kind %d, Jansson's %d", texts[i],
				    keys[k], lz.kind(lz.ctx, keys[k]),
				    js.kind(js.ctx, keys[k]));
			a = lz.string(lz.ctx, keys[k]);
			b = js.string(js.ctx, keys[k]);
			if ((a == NULL) != (b == NULL) ||
			    (a != NULL && strcmp(a, b) != 0))
				fail_msg("%s, %s: \"%s\", Jansson's \"%s\"",
				    texts[i], keys[k], a ? a : "(null)",
				    b ? b : "(null)");
			lazy_payload_free(&l);
			json_decref(o);
		}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_header_list),
		cmocka_unit_test(test_like_pattern),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_snapshot_name),
		cmocka_unit_test(test_chain_hash),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_lazy_payload),
	};

	if (config_load(&cfg) == -1)
		return 1;
	return cmocka_run_group_tests_name("parsers", tests, NULL, NULL);
}
