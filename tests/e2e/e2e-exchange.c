/*
 * e2e-exchange.c: API.md Part 2 "Data exchange" against the live stack --
 * the case list's export, imports of enterprises and activities (every
 * way a file can be wrong), the change feed, the 行政处罚信息摘要 and the
 * OpenAPI description with its rendering.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "e2e.h"

#define XLSX_TYPE	"application/vnd.openxmlformats-officedocument." \
			"spreadsheetml.sheet"

static struct client	*officer, *legal, *auditor, *dc;

static int
setup(void **state)
{
	(void)state;
	officer = client_login("officer.bj", DEMO_PASSWORD);
	legal = client_login("legal.bj", DEMO_PASSWORD);
	auditor = client_login("auditor.bj", DEMO_PASSWORD);
	dc = client_login("officer.dc", DEMO_PASSWORD);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	client_free(officer);
	client_free(legal);
	client_free(auditor);
	client_free(dc);
	return 0;
}

/* How many lines (CRLF-ended records) a CSV body holds. */
static size_t
csv_lines(const struct resp *r)
{
	size_t	 i, n = 0;

	for (i = 0; i + 1 < r->len; i++)
		if (r->body[i] == '\r' && r->body[i + 1] == '\n')
			n++;
	return n;
}

/* Send `len` bytes of `body` as an import's file of `ctype`. */
static long
upload(struct client *c, const char *path, const char *body, size_t len,
    const char *ctype, const char *key, struct resp *r)
{
	char		*ct = fmt("Content-Type: %s", ctype);
	char		*ik = key != NULL ? fmt("Idempotency-Key: %s", key) : NULL;
	const char	*h[3] = { ct, ik, NULL };
	long		 st;

	st = http_raw(c, "POST", path, body, len, h, r);
	free(ct);
	free(ik);
	return st;
}

/* The first error of a 422 import: its row and field. */
static void
assert_row_error(const struct resp *r, int row, const char *field)
{
	json_t	*e = json_array_get(json_object_get(r->json, "errors"), 0);

	assert_status(r, 422);
	if (e == NULL)
		fail_msg("no errors[]: %s", r->body);
	if (json_integer_value(json_object_get(e, "row")) != row)
		fail_msg("row %lld, want %d: %s", (long long)json_integer_value(
		    json_object_get(e, "row")), row, r->body);
	if (field == NULL)
		assert_true(json_is_null(json_object_get(e, "field")));
	else
		assert_string_equal(json_string_value(json_object_get(e,
		    "field")), field);
	assert_non_null(json_string_value(json_object_get(e, "message")));
}

/* ------------------------------------------------------------------ */
/* Export                                                             */
/* ------------------------------------------------------------------ */

static void
test_export_csv_and_xlsx(void **state)
{
	struct resp	 r, c;
	char		 ct[128], cd[160];
	long long	 total;

	(void)state;
	/* Cases of the user's own: more than the limit below takes. */
	for (int i = 0; i < 3; i++)
		fixture_case(officer, fixture_enterprise(officer, "110105",
		    (char[19]){ 0 }));
	http_get(officer, "/api/v1/cases/counts?state=detected", &c);
	assert_status(&c, 200);
	total = json_integer_value(json_object_get(c.json, "total"));
	assert_true(total > 0);
	resp_free(&c);

	http_get(officer, "/api/v1/cases?state=detected&format=csv", &r);
	assert_status(&r, 200);
	assert_non_null(resp_header(&r, "Content-Type", ct, sizeof(ct)));
	assert_non_null(strstr(ct, "text/csv"));
	assert_non_null(resp_header(&r, "Content-Disposition", cd, sizeof(cd)));
	assert_non_null(strstr(cd, "attachment"));
	assert_memory_equal(r.body, "\xef\xbb\xbf", 3);	/* the BOM */
	assert_non_null(strstr(r.body, "案件编号"));
	/* The headings and every case the filter selects, no more. */
	assert_int_equal(csv_lines(&r), (size_t)total + 1);
	assert_null(strstr(r.body, ",rectifying,"));
	resp_free(&r);

	/* A limit is honoured; a page's cursor too. */
	http_get(officer, "/api/v1/cases?format=csv&limit=2", &r);
	assert_status(&r, 200);
	assert_int_equal(csv_lines(&r), 3);
	resp_free(&r);

	http_get(officer, "/api/v1/cases?state=detected&format=xlsx", &r);
	assert_status(&r, 200);
	assert_non_null(resp_header(&r, "Content-Type", ct, sizeof(ct)));
	assert_string_equal(ct, XLSX_TYPE);
	assert_true(r.len > 1000);
	assert_memory_equal(r.body, "PK\003\004", 4);
	resp_free(&r);

	/* A bad format is the list's 400, as any bad query value. */
	http_get(officer, "/api/v1/cases?format=pdf", &r);
	assert_problem_field(&r, 400, "format");
	resp_free(&r);
}

/* A county officer's export holds the county's cases only. */
static void
test_export_in_scope(void **state)
{
	struct resp	 r;
	const char	*p;
	size_t		 rows = 0;

	(void)state;
	fixture_case(dc, fixture_enterprise(dc, "110101", (char[19]){ 0 }));
	http_get(dc, "/api/v1/cases?format=csv", &r);
	assert_status(&r, 200);
	/* Column 4 is the region: every row's is 110101. */
	for (p = strstr(r.body, "\r\n"); p != NULL && p[2] != '\0';
	    p = strstr(p + 2, "\r\n")) {
		const char *q = p + 2;
		int k;

		for (k = 0; k < 3 && q != NULL; k++)
			q = strchr(q, ',') != NULL ? strchr(q, ',') + 1 : NULL;
		assert_non_null(q);
		assert_memory_equal(q, "110101,", 7);
		rows++;
	}
	assert_true(rows >= 1);
	resp_free(&r);
}

/* ------------------------------------------------------------------ */
/* Imports                                                            */
/* ------------------------------------------------------------------ */

/* A CSV of `n` new enterprises in 110105; the codes go to `codes`. */
static char *
enterprises_csv(int n, char (*codes)[19], const char *bad_at_2)
{
	char	*s = strdup("统一社会信用代码(uscc),企业名称(name),"
	    "行政区划代码(region),地址(address)\r\n"), *t, *name;
	int	 i;

	for (i = 0; i < n; i++) {
		uscc_unique_in("110105", codes[i]);
		name = unique_name("导入企业");
		t = fmt("%s%s,\"%s\",110105,北京市朝阳区\r\n", s,
		    i == 1 && bad_at_2 != NULL ? bad_at_2 : codes[i], name);
		free(s);
		free(name);
		s = t;
	}
	return s;
}

static char *
count_of(PGconn *db, const char *sql, const char *p)
{
	const char	*params[1] = { p };
	PGresult	*res = PQexecParams(db, sql, 1, NULL, params, NULL, NULL,
			    0);
	char		*v;

	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	v = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return v;
}

static void
test_import_enterprises_csv(void **state)
{
	PGconn		*db = db_admin();
	struct resp	 r, a;
	char		 codes[3][19], key[64], *csv, *path, *n;
	json_t		*rec, *ev;
	long long	 id, eid;
	size_t		 i;

	(void)state;
	csv = enterprises_csv(3, codes, NULL);
	snprintf(key, sizeof(key), "imp-%ld", (long)getpid());
	upload(officer, "/api/v1/imports?kind=enterprises", csv, strlen(csv),
	    "text/csv", key, &r);
	assert_status(&r, 201);
	id = json_integer_value(json_object_get(r.json, "id"));
	assert_true(id > 0);
	assert_int_equal(json_integer_value(json_object_get(r.json, "rows")),
	    3);
	assert_int_equal(json_integer_value(json_object_get(r.json,
	    "created")), 3);
	rec = json_object_get(r.json, "records");
	assert_int_equal(json_array_size(rec), 3);

	/* Each created record's create event names the import. */
	for (i = 0; i < 3; i++) {
		eid = json_integer_value(json_array_get(rec, i));
		path = fmt("/api/v1/audit/events?entity=enterprise&entity_id=%lld",
		    eid);
		http_get(auditor, path, &a);
		assert_status(&a, 200);
		ev = json_array_get(json_object_get(a.json, "items"), 0);
		assert_string_equal(json_string_value(json_object_get(ev,
		    "event")), "create");
		assert_int_equal(json_integer_value(json_object_get(
		    json_object_get(ev, "payload"), "import")), id);
		assert_string_equal(json_string_value(json_object_get(
		    json_object_get(ev, "payload"), "uscc")), codes[i]);
		resp_free(&a);
		free(path);
	}

	/* The same key and file: the same answer, nothing imported twice. */
	upload(officer, "/api/v1/imports?kind=enterprises", csv, strlen(csv),
	    "text/csv", key, &a);
	assert_status(&a, 201);
	assert_int_equal(json_integer_value(json_object_get(a.json, "id")), id);
	resp_free(&a);
	n = count_of(db, "SELECT count(*) FROM enterprises WHERE uscc = $1",
	    codes[0]);
	assert_string_equal(n, "1");
	free(n);

	/* The import is a record of its own. */
	path = fmt("/api/v1/imports/%lld", id);
	http_get(officer, path, &a);
	assert_status(&a, 200);
	assert_string_equal(json_string_value(json_object_get(a.json, "format")),
	    "csv");
	assert_string_equal(json_string_value(json_object_get(a.json,
	    "encoding")), "utf-8");
	resp_free(&a);
	free(path);
	resp_free(&r);
	free(csv);
	PQfinish(db);
}

/* GB18030, with a BOM and without; the names arrive as written. */
static void
test_import_gb18030(void **state)
{
	PGconn		*db = db_admin();
	struct resp	 r;
	char		 codes[2][19], *utf8, *gb, *n;
	size_t		 len;
	FILE		*p;
	int		 bom;

	(void)state;
	for (bom = 0; bom <= 1; bom++) {
		uscc_unique_in("110105", codes[0]);
		utf8 = fmt("uscc,name,region\r\n%s,国标编码测试厂%d号,110105\r\n",
		    codes[0], bom);
		/* iconv(1), glibc's, writes the GB18030 file. */
		n = fmt("printf '%%s' '%s' | iconv -f UTF-8 -t GB18030 > "
		    "/tmp/e2e-gb-%ld.csv", utf8, (long)getpid());
		assert_int_equal(system(n), 0);
		free(n);
		n = fmt("/tmp/e2e-gb-%ld.csv", (long)getpid());
		assert_non_null(p = fopen(n, "rb"));
		gb = calloc(1, 4096);
		memcpy(gb, "\x84\x31\x95\x33", 4);
		len = fread(gb + (bom ? 4 : 0), 1, 4000, p);
		fclose(p);
		unlink(n);
		free(n);
		upload(officer, "/api/v1/imports?kind=enterprises", gb,
		    len + (bom ? 4 : 0), "text/csv", NULL, &r);
		assert_status(&r, 201);
		assert_string_equal(json_string_value(json_object_get(r.json,
		    "encoding")), "gb18030");
		resp_free(&r);
		n = count_of(db, "SELECT name FROM enterprises WHERE uscc = $1",
		    codes[0]);
		assert_string_equal(n, bom ? "国标编码测试厂1号" : "国标编码测试厂0号");
		free(n);
		free(gb);
		free(utf8);
	}
	(void)codes[1];
	PQfinish(db);
}

/* An XLSX workbook of `n` enterprises written with libxlsxwriter. */
static char *
enterprises_xlsx(int n, char (*codes)[19], size_t *len)
{
	char		 dir[] = "/tmp/e2e-xlsx-XXXXXX", path[64], *buf, *name;
	lxw_workbook_options opt = { .constant_memory = LXW_FALSE };
	lxw_workbook	*wb;
	lxw_worksheet	*ws;
	FILE		*f;
	long		 sz;
	int		 i;

	assert_non_null(mkdtemp(dir));
	opt.tmpdir = dir;
	snprintf(path, sizeof(path), "%s/e.xlsx", dir);
	assert_non_null(wb = workbook_new_opt(path, &opt));
	ws = workbook_add_worksheet(wb, "企业");
	worksheet_write_string(ws, 0, 0, "统一社会信用代码", NULL);
	worksheet_write_string(ws, 0, 1, "企业名称", NULL);
	worksheet_write_string(ws, 0, 2, "行政区划代码", NULL);
	for (i = 0; i < n; i++) {
		uscc_unique_in("110105", codes[i]);
		name = unique_name("表格导入企业");
		worksheet_write_string(ws, (lxw_row_t)(i + 1), 0, codes[i],
		    NULL);
		worksheet_write_string(ws, (lxw_row_t)(i + 1), 1, name, NULL);
		/* A number, as a spreadsheet stores one typed in. */
		worksheet_write_number(ws, (lxw_row_t)(i + 1), 2, 110105, NULL);
		free(name);
	}
	assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
	assert_non_null(f = fopen(path, "rb"));
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	rewind(f);
	buf = malloc((size_t)sz);
	assert_int_equal(fread(buf, 1, (size_t)sz, f), (size_t)sz);
	fclose(f);
	unlink(path);
	rmdir(dir);
	*len = (size_t)sz;
	return buf;
}

static void
test_import_xlsx(void **state)
{
	PGconn		*db = db_admin();
	struct resp	 r;
	char		 codes[2][19], *buf, *n;
	size_t		 len;

	(void)state;
	buf = enterprises_xlsx(2, codes, &len);
	upload(officer, "/api/v1/imports?kind=enterprises", buf, len,
	    XLSX_TYPE, NULL, &r);
	assert_status(&r, 201);
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "format")), "xlsx");
	assert_int_equal(json_integer_value(json_object_get(r.json,
	    "created")), 2);
	resp_free(&r);
	n = count_of(db, "SELECT region FROM enterprises WHERE uscc = $1",
	    codes[1]);
	assert_string_equal(n, "110105");
	free(n);
	free(buf);
	PQfinish(db);
}

static void
test_import_activities(void **state)
{
	struct resp	 r, a;
	char		 uscc[19], *csv, *path;
	long long	 aid;

	(void)state;
	fixture_enterprise(officer, "110105", uscc);
	/* Kinds and domains in Chinese, the enterprise by its code. */
	csv = fmt("活动类型,专项行动编号,产品类别,日期,统一社会信用代码,领域,"
	    "发现问题,批次,不合格批次,行政区划代码,风险信息摘要\r\n"
	    "风险排查,2026,水泥,%s,%s,生产领域,是,,,,\r\n"
	    "监督抽查,2026,cement,%s,%s,流通,,5,1,,\r\n"
	    "风险监测,2026,水泥,%s,,,2,3,,110105,\r\n"
	    "采集风险信息,2026,水泥,%s,,,,,,110105,\"市场反映某品牌水泥强度不足\"\r\n",
	    cst_day(-1), uscc, cst_day(-2), uscc, cst_day(-3), cst_day(0));
	upload(officer, "/api/v1/imports?kind=activities", csv, strlen(csv),
	    "text/csv; charset=utf-8", NULL, &r);
	assert_status(&r, 201);
	assert_int_equal(json_integer_value(json_object_get(r.json,
	    "created")), 4);
	aid = json_integer_value(json_array_get(json_object_get(r.json,
	    "records"), 0));
	path = fmt("/api/v1/activities/%lld", aid);
	http_get(officer, path, &a);
	assert_status(&a, 200);
	assert_string_equal(json_string_value(json_object_get(a.json, "kind")),
	    "inspection");
	assert_true(json_is_true(json_object_get(a.json, "problems_found")));
	resp_free(&a);
	free(path);
	/* An activity's registration is an event of its own stream. */
	path = fmt("/api/v1/audit/events?entity=activity&entity_id=%lld", aid);
	http_get(auditor, path, &a);
	assert_status(&a, 200);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    json_array_get(json_object_get(a.json, "items"), 0), "payload"),
	    "import")), json_integer_value(json_object_get(r.json, "id")));
	resp_free(&a);
	free(path);
	resp_free(&r);
	free(csv);

	/* An auditor may not import (403); an officer's unknown kind 400. */
	upload(auditor, "/api/v1/imports?kind=activities", "a\r\n", 3,
	    "text/csv", NULL, &r);
	assert_problem(&r, 403);
	resp_free(&r);
	upload(officer, "/api/v1/imports?kind=cases", "a\r\n", 3, "text/csv",
	    NULL, &r);
	assert_problem_field(&r, 400, "kind");
	resp_free(&r);
}

/* A row with a bad code: 422 naming row and field; nothing created. */
static void
test_import_bad_uscc(void **state)
{
	PGconn		*db = db_admin();
	struct resp	 r;
	char		 codes[3][19], *csv, *n;

	(void)state;
	csv = enterprises_csv(3, codes, "91110105MA0000000X");
	upload(officer, "/api/v1/imports?kind=enterprises", csv, strlen(csv),
	    "text/csv", NULL, &r);
	assert_row_error(&r, 3, "uscc");	/* headings are row 1 */
	resp_free(&r);
	/* All or nothing: the good first row was not kept either. */
	n = count_of(db, "SELECT count(*) FROM enterprises WHERE uscc = $1",
	    codes[0]);
	assert_string_equal(n, "0");
	free(n);

	/* The report as CSV, without importing. */
	upload(officer, "/api/v1/imports/check?kind=enterprises&format=csv",
	    csv, strlen(csv), "text/csv", NULL, &r);
	assert_status(&r, 200);
	assert_memory_equal(r.body, "\xef\xbb\xbf行号,字段,问题\r\n3,uscc,",
	    strlen("\xef\xbb\xbf行号,字段,问题\r\n3,uscc,"));
	resp_free(&r);
	upload(officer, "/api/v1/imports/check?kind=enterprises", csv,
	    strlen(csv), "text/csv", NULL, &r);
	assert_status(&r, 200);
	assert_true(json_is_false(json_object_get(r.json, "ok")));
	resp_free(&r);
	n = count_of(db, "SELECT count(*) FROM enterprises WHERE uscc = $1",
	    codes[0]);
	assert_string_equal(n, "0");
	free(n);
	free(csv);

	/* The same code twice in a file names the second row. */
	csv = enterprises_csv(2, codes, NULL);
	n = fmt("%s%s,重复的企业,110105,\r\n", csv, codes[0]);
	upload(officer, "/api/v1/imports?kind=enterprises", n, strlen(n),
	    "text/csv", NULL, &r);
	assert_row_error(&r, 4, "uscc");
	resp_free(&r);
	free(n);
	free(csv);
	PQfinish(db);
}

/* Bytes that are neither UTF-8 nor GB18030: 422 naming the row. */
static void
test_import_bad_encoding(void **state)
{
	struct resp	 r;
	char		 codes[2][19], *csv, *bad;

	(void)state;
	csv = enterprises_csv(2, codes, NULL);
	bad = fmt("%s%s,\xff\xfe坏字节,110105,\r\n", csv, "91110105MA0000000X");
	upload(officer, "/api/v1/imports?kind=enterprises", bad, strlen(bad),
	    "text/csv", NULL, &r);
	assert_row_error(&r, 4, NULL);
	assert_non_null(strstr(r.body, "第4行"));
	resp_free(&r);
	/* Declared UTF-8, a GB18030 byte pair: refused at its row. */
	upload(officer, "/api/v1/imports?kind=enterprises",
	    "uscc,name,region\r\nX,\xc3\xfb,110105\r\n", 30,
	    "text/csv; charset=utf-8", NULL, &r);
	assert_row_error(&r, 2, NULL);
	resp_free(&r);
	free(bad);
	free(csv);
}

/* More rows than 20000, or more bytes than 10 MiB: 413. */
static void
test_import_limits(void **state)
{
	struct resp	 r;
	char		*big;
	size_t		 i, len;

	(void)state;
	/* 20001 short rows after the headings. */
	len = strlen("uscc,name,region\r\n") + 20001 * 4;
	big = malloc(len + 1);
	strcpy(big, "uscc,name,region\r\n");
	for (i = 0; i < 20001; i++)
		memcpy(big + strlen("uscc,name,region\r\n") + i * 4, "x,y\n", 4);
	big[len] = '\0';
	upload(officer, "/api/v1/imports?kind=enterprises", big, len,
	    "text/csv", NULL, &r);
	assert_problem(&r, 413);
	resp_free(&r);
	free(big);

	/* One byte over 10 MiB: the service's 413 (nginx lets it by). */
	len = 10 * 1024 * 1024 + 1;
	big = malloc(len);
	memset(big, 'a', len);
	upload(officer, "/api/v1/imports?kind=enterprises", big, len,
	    "text/csv", NULL, &r);
	assert_problem(&r, 413);
	resp_free(&r);
	free(big);

	/* Not a file an import reads: 415; an empty one: 422. */
	upload(officer, "/api/v1/imports?kind=enterprises", "{}", 2,
	    "application/json", NULL, &r);
	assert_problem(&r, 415);
	resp_free(&r);
	upload(officer, "/api/v1/imports?kind=enterprises", NULL, 0,
	    "text/csv", NULL, &r);
	assert_problem(&r, 422);
	resp_free(&r);
	/* Headings that name no field. */
	upload(officer, "/api/v1/imports?kind=enterprises",
	    "uscc,name,region,color\r\nA,B,110105,red\r\n", 39, "text/csv",
	    NULL, &r);
	assert_row_error(&r, 1, "color");
	resp_free(&r);
}

static void
test_import_template(void **state)
{
	struct resp	 r;

	(void)state;
	http_get(officer, "/api/v1/imports/template?kind=enterprises", &r);
	assert_status(&r, 200);
	assert_memory_equal(r.body, "\xef\xbb\xbf统一社会信用代码(uscc)",
	    strlen("\xef\xbb\xbf统一社会信用代码(uscc)"));
	resp_free(&r);
	http_get(officer, "/api/v1/imports/template?kind=activities&format=xlsx",
	    &r);
	assert_status(&r, 200);
	assert_memory_equal(r.body, "PK\003\004", 4);
	resp_free(&r);
}

/* ------------------------------------------------------------------ */
/* The change feed                                                    */
/* ------------------------------------------------------------------ */

/*
 * Read the feed of `c` from `cursor` (NULL: the start) until a page is
 * empty; every item's (entity, entity_id, seq) goes into `seen`, which
 * must not hold it already.  Returns the cursor to go on from.
 */
static char *
feed_drain(struct client *c, const char *cursor, json_t *seen, int limit)
{
	struct resp	 r;
	char		*cur = cursor != NULL ? strdup(cursor) : NULL, *path;
	json_t		*it;
	size_t		 i, n;
	long long	 last_log = -1, idx;
	int		 pages = 0;

	do {
		path = cur != NULL ? fmt("/api/v1/feed?limit=%d&cursor=%s",
		    limit, cur) : fmt("/api/v1/feed?limit=%d", limit);
		http_get(c, path, &r);
		free(path);
		assert_status(&r, 200);
		assert_true(json_is_string(json_object_get(r.json,
		    "next_cursor")));
		n = json_array_size(json_object_get(r.json, "items"));
		json_array_foreach(json_object_get(r.json, "items"), i, it) {
			char *k = fmt("%s/%lld/%lld", json_string_value(
			    json_object_get(it, "entity")),
			    (long long)json_integer_value(json_object_get(it,
			    "entity_id")), (long long)json_integer_value(
			    json_object_get(it, "seq")));

			if (json_object_get(seen, k) != NULL)
				fail_msg("the feed repeated %s", k);
			json_object_set_new(seen, k, json_true());
			free(k);
			/* Case events come in log order. */
			if ((idx = json_integer_value(json_object_get(it,
			    "log_index"))) > 0 || json_object_get(it,
			    "log_index") != NULL) {
				assert_true(idx > last_log);
				last_log = idx;
			}
		}
		free(cur);
		cur = strdup(json_string_value(json_object_get(r.json,
		    "next_cursor")));
		resp_free(&r);
		assert_true(++pages < 100000);
	} while (n > 0);
	return cur;
}

static void
test_feed(void **state)
{
	struct resp	 r;
	json_t		*seen = json_object();
	char		 uscc[19], *cur, *key;
	long long	 eid, cid;
	double		 t0;

	(void)state;
	/* From the start, in small pages: nothing twice. */
	cur = feed_drain(auditor, NULL, seen, 37);
	/* A new enterprise: its registration comes next. */
	eid = fixture_enterprise(officer, "110105", uscc);
	cur = feed_drain(auditor, (key = cur), seen, 50);
	free(key);
	key = fmt("enterprise/%lld/1", eid);
	assert_non_null(json_object_get(seen, key));
	free(key);
	/* A new case: its first event, once the checkpointer placed it. */
	cid = fixture_case(officer, eid);
	key = fmt("case/%lld/1", cid);
	for (t0 = now_seconds(); json_object_get(seen, key) == NULL &&
	    now_seconds() - t0 < 60;) {
		sleep(1);
		char *next = feed_drain(auditor, cur, seen, 50);

		free(cur);
		cur = next;
	}
	if (json_object_get(seen, key) == NULL)
		fail_msg("%s is not in the feed after 60 s", key);
	free(key);
	free(cur);
	json_decref(seen);

	/* A county's feed holds the county's events only. */
	http_get(dc, "/api/v1/feed?limit=1000", &r);
	assert_status(&r, 200);
	{
		json_t	*it;
		size_t	 i;
		const char *reg;

		json_array_foreach(json_object_get(r.json, "items"), i, it) {
			reg = json_string_value(json_object_get(it, "case_region"));
			if (reg == NULL)
				reg = json_string_value(json_object_get(it,
				    "scope_region"));
			assert_non_null(reg);
			assert_memory_equal(reg, "110101", 6);
			/* User events are for those who administer or audit. */
			assert_string_not_equal(json_string_value(
			    json_object_get(it, "entity")), "user");
		}
	}
	resp_free(&r);

	http_get(auditor, "/api/v1/feed?cursor=abc", &r);
	assert_problem_field(&r, 400, "cursor");
	resp_free(&r);
	http_get(auditor, "/api/v1/feed?limit=1001", &r);
	assert_problem_field(&r, 400, "limit");
	resp_free(&r);
}

/* ------------------------------------------------------------------ */
/* 行政处罚信息摘要                                                    */
/* ------------------------------------------------------------------ */

/* Propose publish_credit on case `id` (version 1) and approve it. */
static void
publish(long long id, json_t *payload)
{
	struct resp	 r;
	char		*path = fmt("/api/v1/cases/%lld/transitions", id);
	const char	*h1[] = { "If-Match: \"1\"", NULL };
	const char	*h2[] = { "If-Match: \"2\"", NULL };

	http_json(officer, "POST", path, json_pack("{s:s, s:o}", "event",
	    "publish_credit", "payload", payload), h1, &r);
	assert_status(&r, 202);
	resp_free(&r);
	free(path);
	path = fmt("/api/v1/cases/%lld/approval", id);
	http_json(legal, "POST", path, json_pack("{s:s, s:s}", "decision",
	    "approve", "comment", "同意公示"), h2, &r);
	assert_status(&r, 200);
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "state")), "credit_publication");
	resp_free(&r);
	free(path);
}

/*
 * A case of this year's campaign on enterprise `eid`: the campaign form
 * of 2022 that e2e-report checks by hand stays as it expects.
 */
static long long
case_this_year(long long eid)
{
	struct resp	 r;
	long long	 id;

	http_json(officer, "POST", "/api/v1/cases", json_pack("{s:I, s:i, s:s,"
	    " s:s, s:s, s:s}", "enterprise_id", (json_int_t)eid, "campaign_id",
	    atoi(cst_day(0)), "category", "cement", "domain", "production",
	    "source", "complaint", "problem", "e2e: 公示摘要"), NULL, &r);
	assert_status(&r, 201);
	id = json_integer_value(json_object_get(r.json, "id"));
	resp_free(&r);
	return id;
}

/* The summary's item for case `id`, from `r` (borrowed), or NULL. */
static json_t *
item_of(const struct resp *r, long long id)
{
	json_t	*it;
	size_t	 i;

	json_array_foreach(json_object_get(r->json, "items"), i, it)
		if (json_integer_value(json_object_get(it, "case_id")) == id)
			return it;
	return NULL;
}

static void
test_credit_publications(void **state)
{
	struct resp	 r;
	char		 uscc[19], *no1, *no2, *path;
	long long	 eid, c1, c2;
	json_t		*it;

	(void)state;
	eid = fixture_enterprise(officer, "110105", uscc);
	c1 = case_this_year(eid);
	c2 = case_this_year(eid);
	no1 = fmt("京朝市监处罚〔2026〕%ld号", (long)getpid());
	no2 = fmt("京朝市监处罚〔2026〕%ld-2号", (long)getpid());
	/* With the summary's own fields. */
	publish(c1, json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:s,"
	    " s:s}", "decision_no", no1, "fine_amount", "50000.00",
	    "confiscation_amount", "1200.00", "case_value", "36800.50",
	    "published_on", cst_day(0), "serious_list", 0,
	    "violation_type", "生产、销售不符合保障人体健康和人身、财产安全的国家"
	    "标准、行业标准的产品", "penalty_content", "罚款人民币五万元",
	    "deciding_agency", "北京市朝阳区市场监督管理局",
	    "decision_date", cst_day(-1)));
	/* As a Part 1 client sends it: still accepted. */
	publish(c2, json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "decision_no",
	    no2, "fine_amount", "3000.00", "confiscation_amount", "0.00",
	    "case_value", "8000.00", "published_on", cst_day(0),
	    "serious_list", 0));

	path = fmt("/api/v1/reports/credit-publications?campaign=%d",
	    atoi(cst_day(0)));
	http_get(officer, path, &r);
	free(path);
	assert_status(&r, 200);
	assert_non_null(it = item_of(&r, c1));
	assert_string_equal(json_string_value(json_object_get(it,
	    "decision_no")), no1);
	assert_string_equal(json_string_value(json_object_get(it,
	    "party_uscc")), uscc);
	assert_string_equal(json_string_value(json_object_get(it,
	    "penalty_content")), "罚款人民币五万元");
	assert_string_equal(json_string_value(json_object_get(it,
	    "decision_date")), cst_day(-1));
	assert_int_equal(json_array_size(json_object_get(it, "missing")), 0);
	/* The older client's: what was missing, and what the case tells. */
	assert_non_null(it = item_of(&r, c2));
	assert_int_equal(json_array_size(json_object_get(it, "missing")), 4);
	assert_true(json_is_null(json_object_get(it, "violation_type")));
	assert_string_equal(json_string_value(json_object_get(it,
	    "penalty_content")), "罚款人民币3000.00元");
	assert_non_null(strstr(json_string_value(json_object_get(it,
	    "deciding_agency")), "朝阳区市场监督管理局"));
	resp_free(&r);

	/* A bad optional field is refused like a required one. */
	path = fmt("/api/v1/cases/%lld/transitions", case_this_year(eid));
	http_json(officer, "POST", path, json_pack("{s:s, s:{s:s, s:s, s:s,"
	    " s:s, s:s, s:b, s:s}}", "event", "publish_credit", "payload",
	    "decision_no", "x", "fine_amount", "1.00", "confiscation_amount",
	    "0.00", "case_value", "1.00", "published_on", cst_day(0),
	    "serious_list", 0, "decision_date", "2026-02-30"),
	    (const char *[]){ "If-Match: \"1\"", NULL }, &r);
	assert_problem_field(&r, 422, "decision_date");
	resp_free(&r);
	free(path);

	http_get(officer, "/api/v1/reports/credit-publications?format=csv",
	    &r);
	assert_status(&r, 200);
	assert_memory_equal(r.body, "\xef\xbb\xbf行政处罚决定书文号,",
	    strlen("\xef\xbb\xbf行政处罚决定书文号,"));
	assert_non_null(strstr(r.body, no1));
	resp_free(&r);
	/* Another region's summary: 404, as any region outside one's own. */
	http_get(officer, "/api/v1/reports/credit-publications?region=310000",
	    &r);
	assert_problem(&r, 404);
	resp_free(&r);
	free(no1);
	free(no2);
}

/* ------------------------------------------------------------------ */
/* OpenAPI                                                            */
/* ------------------------------------------------------------------ */

static void
test_openapi(void **state)
{
	static const char *const paths[] = {
		"/api/v1/cases", "/api/v1/cases/{id}/transitions",
		"/api/v1/imports", "/api/v1/feed",
		"/api/v1/reports/credit-publications", "/api/v1/openapi.json",
		NULL
	};
	struct client	*anon = client_new();
	struct resp	 r;
	size_t		 i;

	(void)state;
	http_get(anon, "/api/v1/openapi.json", &r);
	assert_status(&r, 200);
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "openapi")), "3.1.0");
	for (i = 0; paths[i] != NULL; i++)
		if (json_object_get(json_object_get(r.json, "paths"),
		    paths[i]) == NULL)
			fail_msg("%s is not described", paths[i]);
	resp_free(&r);
	http_get(anon, "/api/docs/", &r);
	assert_status(&r, 200);
	assert_non_null(strstr(r.body, "redoc.standalone.js"));
	resp_free(&r);
	http_get(anon, "/api/docs/redoc.standalone.js", &r);
	assert_status(&r, 200);
	assert_null(strstr(r.body, "cdn.redoc.ly"));
	resp_free(&r);
	client_free(anon);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_export_csv_and_xlsx),
		cmocka_unit_test(test_export_in_scope),
		cmocka_unit_test(test_import_enterprises_csv),
		cmocka_unit_test(test_import_gb18030),
		cmocka_unit_test(test_import_xlsx),
		cmocka_unit_test(test_import_activities),
		cmocka_unit_test(test_import_bad_uscc),
		cmocka_unit_test(test_import_bad_encoding),
		cmocka_unit_test(test_import_limits),
		cmocka_unit_test(test_import_template),
		cmocka_unit_test(test_feed),
		cmocka_unit_test(test_credit_publications),
		cmocka_unit_test(test_openapi),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
