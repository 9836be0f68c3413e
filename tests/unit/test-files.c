/*
 * test-files.c: the evidence files' pure parts -- which names a file
 * may keep, how a name goes out in Content-Disposition, which Range
 * headers are honoured, what the content says a file is (libmagic and
 * the ZIP entries) against what it was declared as -- and the raw body
 * as the front line streams it (declared length, limit, a stream that
 * breaks off).
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
test_names(void **state)
{
	static const char *const good[] = {
		"检验报告.pdf", "photo 1.jpg", "a", "移送书（第2稿）.docx",
		"..hidden", "x..y", "C:name", "名　称.txt", NULL
	};
	static const struct {
		const char	*name;
		const char	*why;
	} bad[] = {
		{ "", "empty" }, { ".", "dot" }, { "..", "dot-dot" },
		{ "a/b.jpg", "slash" }, { "../etc/passwd", "traversal" },
		{ "a\\b.jpg", "backslash" }, { "a\x01.jpg", "C0" },
		{ "a\nb", "newline" }, { "a\x7f", "DEL" },
		{ "a\xc2\x85", "C1 (NEL)" }, { "evil\xe2\x80\xaegpj.exe", "RLO" },
		{ "a\xe2\x80\x8b.jpg", "zero width space" },
		{ "\xef\xbb\xbf.pdf", "BOM" }, { "   ", "blank" },
		{ "\xe3\x80\x80", "ideographic space only" },
		{ "a\xff.jpg", "not UTF-8" }, { "\xc0\xaf", "overlong /" },
	};
	char	 long_name[FILE_NAME_MAX + 2];
	size_t	 i;

	for (i = 0; good[i] != NULL; i++)
		if (file_name_check(good[i]) != NULL)
			fail_msg("refused good name %s: %s", good[i],
			    file_name_check(good[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (file_name_check(bad[i].name) == NULL)
			fail_msg("accepted a name with %s", bad[i].why);
	/* The limit: 255 bytes, and one more. */
	memset(long_name, 'a', sizeof(long_name));
	long_name[FILE_NAME_MAX] = '\0';
	assert_null(file_name_check(long_name));
	long_name[FILE_NAME_MAX] = 'a';
	long_name[FILE_NAME_MAX + 1] = '\0';
	assert_non_null(file_name_check(long_name));
}

static void
test_disposition(void **state)
{
	char	 out[1024], small[40];

	assert_int_equal(file_disposition(out, sizeof(out), "attachment",
	    "检验 report;\"x\".pdf"), 0);
	assert_string_equal(out, "attachment; filename*=UTF-8''"
	    "%E6%A3%80%E9%AA%8C%20report%3B%22x%22.pdf");
	assert_int_equal(file_disposition(out, sizeof(out), "inline",
	    "a-b_c.~!#$&+^`|.jpg"), 0);
	assert_string_equal(out, "inline; filename*=UTF-8''a-b_c.~!#$&+^`|.jpg");
	/* A name whose encoding does not fit is refused, not cut. */
	assert_int_equal(file_disposition(small, sizeof(small), "attachment",
	    "一二三四五六"), -1);
}

static void
test_ranges(void **state)
{
	static const struct {
		const char	*h;
		long long	 size;
		enum range	 want;
		long long	 from, to;
	} cases[] = {
		{ NULL, 100, RANGE_NONE, 0, 0 },
		{ "bytes=0-9", 100, RANGE_PART, 0, 9 },
		{ "bytes=10-", 100, RANGE_PART, 10, 99 },
		{ "bytes=-10", 100, RANGE_PART, 90, 99 },
		{ "bytes=-1000", 100, RANGE_PART, 0, 99 },
		{ "bytes=90-1000", 100, RANGE_PART, 90, 99 },
		{ "bytes=99-99", 100, RANGE_PART, 99, 99 },
		{ "BYTES=1-2", 100, RANGE_PART, 1, 2 },
		{ "bytes=100-", 100, RANGE_UNSATISFIABLE, 0, 0 },
		{ "bytes=100-200", 100, RANGE_UNSATISFIABLE, 0, 0 },
		{ "bytes=-0", 100, RANGE_UNSATISFIABLE, 0, 0 },
		/* Ignored: the whole file. */
		{ "bytes=5-1", 100, RANGE_NONE, 0, 0 },
		{ "bytes=0-1,5-6", 100, RANGE_NONE, 0, 0 },
		{ "items=0-1", 100, RANGE_NONE, 0, 0 },
		{ "bytes=a-b", 100, RANGE_NONE, 0, 0 },
		{ "bytes=1-2x", 100, RANGE_NONE, 0, 0 },
		{ "bytes=-", 100, RANGE_NONE, 0, 0 },
		{ "bytes=1234567890123456789-", 100, RANGE_NONE, 0, 0 },
	};
	long long	 from, to;
	size_t		 i;
	enum range	 got;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		from = to = -1;
		got = range_parse(cases[i].h, cases[i].size, &from, &to);
		if (got != cases[i].want)
			fail_msg("%s: %d, want %d", cases[i].h ? cases[i].h :
			    "(none)", got, cases[i].want);
		if (got == RANGE_PART && (from != cases[i].from ||
		    to != cases[i].to))
			fail_msg("%s: %lld-%lld, want %lld-%lld", cases[i].h,
			    from, to, cases[i].from, cases[i].to);
	}
}

/* A ZIP whose local headers name `names` (stored, empty entries). */
static size_t
zip_of(const char *const *names, unsigned char *out, size_t size)
{
	size_t	 n = 0, len;

	for (; *names != NULL; names++) {
		len = strlen(*names);
		assert_true(n + 30 + len <= size);
		memset(out + n, 0, 30);
		memcpy(out + n, "PK\3\4", 4);
		out[n + 4] = 20;
		out[n + 26] = (unsigned char)len;
		memcpy(out + n + 30, *names, len);
		n += 30 + len;
	}
	/* The end of the central directory, empty. */
	memset(out + n, 0, 22);
	memcpy(out + n, "PK\5\6", 4);
	return n + 22;
}

static void
judged(const void *p, size_t n, const char *declared, enum fjudge want,
    enum ftype type)
{
	char		 seen[96];
	enum ftype	 t;
	enum fjudge	 got = filetype_judge(p, n, declared, &t, seen,
			    sizeof(seen));

	if (got != want || (want == FJ_OK && t != type))
		fail_msg("judged %d (type %d, libmagic %s), want %d (type %d)",
		    got, t, seen, want, type);
}

static void
test_types(void **state)
{
	static const unsigned char png[] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
		'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0,
		0x90, 0x77, 0x53, 0xde, 0, 0, 0, 12, 'I', 'D', 'A', 'T', 0x08,
		0xd7, 0x63, 0xf8, 0xcf, 0xc0, 0, 0, 3, 1, 1, 0, 0x18, 0xdd,
		0x8d, 0xb0, 0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60,
		0x82
	};
	static const unsigned char jpeg[] = {
		0xff, 0xd8, 0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0,
		0, 1, 0, 1, 0, 0, 0xff, 0xdb, 0, 0x43, 0
	};
	static const unsigned char mp4[] = {
		0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2,
		0, 'i', 's', 'o', 'm', 'm', 'p', '4', '1', 0, 0, 0, 8, 'f',
		'r', 'e', 'e'
	};
	static const char pdf[] = "%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n";
	static const char text[] = "整改报告\n企业已于10月完成整改。\n";
	static const char html[] = "<!DOCTYPE html><html><body><script>"
	    "alert(1)</script></body></html>\n";
	static const char svg[] = "<?xml version=\"1.0\"?>\n<svg xmlns="
	    "\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>\n";
	static const char sh[] = "#!/bin/sh\nrm -rf /\n";
	static const char *const ofd[] = { "OFD.xml", "Doc_0/Document.xml",
	    NULL };
	static const char *const docx[] = { "[Content_Types].xml",
	    "_rels/.rels", "word/document.xml", NULL };
	static const char *const xlsx[] = { "[Content_Types].xml",
	    "xl/workbook.xml", NULL };
	static const char *const plain[] = { "readme.txt", NULL };
	unsigned char	 zip[512], elf[64];
	size_t		 n;

	judged(jpeg, sizeof(jpeg), NULL, FJ_OK, FT_JPEG);
	judged(jpeg, sizeof(jpeg), "image/jpeg", FJ_OK, FT_JPEG);
	judged(jpeg, sizeof(jpeg), "IMAGE/JPEG; q=1", FJ_OK, FT_JPEG);
	judged(jpeg, sizeof(jpeg), "application/octet-stream", FJ_OK, FT_JPEG);
	judged(jpeg, sizeof(jpeg), "image/png", FJ_CONTRADICTED, FT__MAX);
	judged(jpeg, sizeof(jpeg), "application/pdf", FJ_CONTRADICTED, FT__MAX);
	judged(png, sizeof(png), "image/png", FJ_OK, FT_PNG);
	judged(pdf, sizeof(pdf) - 1, "application/pdf", FJ_OK, FT_PDF);
	judged(pdf, sizeof(pdf) - 1, "image/jpeg", FJ_CONTRADICTED, FT__MAX);
	judged(mp4, sizeof(mp4), "video/mp4", FJ_OK, FT_MP4);
	judged(text, sizeof(text) - 1, "text/plain; charset=utf-8", FJ_OK,
	    FT_TEXT);
	n = zip_of(ofd, zip, sizeof(zip));
	judged(zip, n, "application/ofd", FJ_OK, FT_OFD);
	n = zip_of(docx, zip, sizeof(zip));
	judged(zip, n, NULL, FJ_OK, FT_DOCX);
	judged(zip, n, "application/zip", FJ_OK, FT_DOCX);
	judged(zip, n, "application/pdf", FJ_CONTRADICTED, FT__MAX);
	n = zip_of(xlsx, zip, sizeof(zip));
	judged(zip, n, NULL, FJ_OK, FT_XLSX);
	/* Off the list: a plain archive, markup, a script, a program. */
	n = zip_of(plain, zip, sizeof(zip));
	judged(zip, n, "application/zip", FJ_REFUSED, FT__MAX);
	judged(html, sizeof(html) - 1, "text/plain", FJ_REFUSED, FT__MAX);
	judged(svg, sizeof(svg) - 1, "image/svg+xml", FJ_REFUSED, FT__MAX);
	judged(sh, sizeof(sh) - 1, "text/plain", FJ_REFUSED, FT__MAX);
	memset(elf, 0, sizeof(elf));
	memcpy(elf, "\177ELF\2\1\1", 7);
	elf[16] = 2;		/* ET_EXEC */
	elf[18] = 62;		/* x86-64 */
	elf[20] = 1;
	judged(elf, sizeof(elf), "application/octet-stream", FJ_REFUSED,
	    FT__MAX);
	/* Every stored type is found again by its name. */
	for (n = 0; n < FT__MAX; n++)
		assert_int_equal(filetype_of_mime(ftypes[n].mime), n);
	assert_int_equal(filetype_of_mime("image/svg+xml"), FT__MAX);
}

/* ------------------------------------------------------------------ */
/* The raw body through the front line                                */
/* ------------------------------------------------------------------ */

static struct fake *
raw(const char *clen, const char *body, size_t len)
{
	char		 cl[64];
	const char	*env[8];
	int		 n = 0;

	env[n++] = "REQUEST_METHOD=POST";
	env[n++] = "REQUEST_URI=/api/v1/cases/7/files?kind=photo&name=a.jpg";
	env[n++] = "QUERY_STRING=kind=photo&name=a.jpg";
	env[n++] = "REMOTE_ADDR=127.0.0.1";
	env[n++] = "CONTENT_TYPE=image/jpeg";
	if (clen != NULL) {
		snprintf(cl, sizeof(cl), "CONTENT_LENGTH=%s", clen);
		env[n++] = cl;
	}
	env[n] = NULL;
	return fake_new(env, body, len);
}

static void
test_raw_front_line(void **state)
{
	struct fake	*f;
	char		 cl[32];

	/* Declared past 50 MiB: 413 before a byte is read or a session
	 * looked at. */
	snprintf(cl, sizeof(cl), "%d", MAX_UPLOAD + 1);
	f = raw(cl, "xyz", 3);
	assert_int_equal(fake_run(f), 413);
	assert_ptr_equal(f->in.rdNext, f->inbuf);
	fake_free(f);
	/* Within it, any type: the front line leaves it to the handler,
	 * after the session (none here: 401) -- and the body is drained. */
	snprintf(cl, sizeof(cl), "%d", 3);
	f = raw(cl, "xyz", 3);
	assert_int_equal(fake_run(f), 401);
	fake_free(f);
}

static void
test_raw_read(void **state)
{
	struct fake	*f;
	char		 buf[8];

	/* As declared: whole pieces, then the end. */
	f = raw("10", "0123456789", 10);
	f->r.ep = NULL;
	f->r.raw_declared = 10;
	assert_int_equal(req_body_read(&f->r, buf, 8), 8);
	assert_memory_equal(buf, "01234567", 8);
	assert_int_equal(req_body_read(&f->r, buf, 8), 2);
	assert_int_equal(f->r.raw_state, RAW_END);
	assert_int_equal(req_body_read(&f->r, buf, 8), 0);
	fake_free(f);
	/* Declared 10, the stream ends after 6: broken, not a short file. */
	f = raw("10", "012345", 6);
	f->r.raw_declared = 10;
	assert_int_equal(req_body_read(&f->r, buf, 8), -1);
	assert_int_equal(f->r.raw_state, RAW_BROKEN);
	assert_int_equal(req_body_read(&f->r, buf, 8), -1);
	fake_free(f);
	/* Nothing declared: read to the stream's end. */
	f = raw(NULL, "abcde", 5);
	f->r.raw_declared = -1;
	assert_int_equal(req_body_read(&f->r, buf, 8), 5);
	assert_int_equal(f->r.raw_state, RAW_END);
	fake_free(f);
	/* Never past the declared length, whatever follows. */
	f = raw("3", "abcdef", 6);
	f->r.raw_declared = 3;
	assert_int_equal(req_body_read(&f->r, buf, 8), 3);
	assert_ptr_equal(f->in.rdNext, f->inbuf + 3);
	fake_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_disposition),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_raw_front_line),
		cmocka_unit_test(test_raw_read),
	};

	return cmocka_run_group_tests_name("test-files", tests, NULL, NULL);
}
