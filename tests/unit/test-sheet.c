/*
 * test-sheet.c: reading an import's file (fcgi/front/sheet.c) -- CSV in
 * UTF-8 and GB18030 with and without a BOM, the row a bad byte or a
 * broken record is named at, the row limit, and XLSX workbooks written
 * by libxlsxwriter (shared and inline strings, numbers, dates, booleans).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <xlsxwriter.h>

#include "../../fcgi/front/sheet.h"

static enum sheet_error
read_text(const char *s, size_t len, const char *charset, size_t max,
    struct sheet *sh, int *line)
{
	return sheet_read(s, len, charset, max, sh, line);
}

#define READ(s, cs, max, sh, line) \
	read_text((s), sizeof(s) - 1, (cs), (max), (sh), (line))

static void
test_csv_utf8(void **state)
{
	static const char csv[] = "uscc,name\r\n"
	    "911101050302940701,\"甲厂, 有限公司\"\r\n"
	    "\r\n"
	    ",,\r\n"
	    "X,\"说\"\"明\"\"\n第二行\"\n"
	    "last,row";
	struct sheet	 sh;
	int		 line;

	assert_int_equal(READ(csv, NULL, 100, &sh, &line), SHEET_OK);
	assert_int_equal(sh.format, SHEET_CSV);
	assert_int_equal(sh.encoding, SHEET_UTF8);
	assert_int_equal(sh.nrows, 4);		/* two blank rows skipped */
	assert_int_equal(sh.rows[0].line, 1);
	assert_string_equal(sh.rows[1].cells[1].text, "甲厂, 有限公司");
	assert_int_equal(sh.rows[2].line, 5);	/* numbering kept */
	assert_string_equal(sh.rows[2].cells[1].text, "说\"明\"\n第二行");
	assert_int_equal(sh.rows[3].line, 6);	/* a record is one row */
	assert_string_equal(sh.rows[3].cells[0].text, "last");
	sheet_free(&sh);
}

static void
test_csv_bom_and_gb18030(void **state)
{
	/* "名称\r\n甲厂\r\n" in UTF-8 with a BOM, and in GB18030. */
	static const char bom[] = "\xef\xbb\xbf\xe5\x90\x8d\xe7\xa7\xb0\r\n"
	    "\xe7\x94\xb2\xe5\x8e\x82\r\n";
	static const char gb[] = "\xc3\xfb\xb3\xc6\r\n\xbc\xd7\xb3\xa7\r\n";
	static const char gbbom[] = "\x84\x31\x95\x33\xc3\xfb\xb3\xc6\r\n";
	struct sheet	 sh;
	int		 line;

	assert_int_equal(READ(bom, NULL, 100, &sh, &line), SHEET_OK);
	assert_int_equal(sh.encoding, SHEET_UTF8);
	assert_string_equal(sh.rows[0].cells[0].text, "名称");
	sheet_free(&sh);
	assert_int_equal(READ(gb, NULL, 100, &sh, &line), SHEET_OK);
	assert_int_equal(sh.encoding, SHEET_GB18030);
	assert_string_equal(sh.rows[0].cells[0].text, "名称");
	assert_string_equal(sh.rows[1].cells[0].text, "甲厂");
	sheet_free(&sh);
	assert_int_equal(READ(gbbom, NULL, 100, &sh, &line), SHEET_OK);
	assert_int_equal(sh.encoding, SHEET_GB18030);
	assert_string_equal(sh.rows[0].cells[0].text, "名称");
	sheet_free(&sh);
	/* Declared: GB18030 text said to be UTF-8 is refused at its row. */
	assert_int_equal(READ(gb, "utf-8", 100, &sh, &line), SHEET_ENCODING);
	assert_int_equal(line, 1);
	assert_int_equal(READ(gb, "GBK", 100, &sh, &line), SHEET_OK);
	sheet_free(&sh);
	assert_int_equal(READ(gb, "latin1", 100, &sh, &line), SHEET_CHARSET);
}

static void
test_csv_bad_bytes(void **state)
{
	/* Neither encoding: 0xff is no lead byte in GB18030 either. */
	static const char neither[] = "a,b\r\nc,d\r\ne,\xff\r\n";
	/* Good UTF-8 but one byte: UTF-8 with a bad byte, at row 4. */
	static const char mostly[] = "名称,地址\r\n甲厂,北京\r\n乙厂,上海\r\n"
	    "丙厂,天\xe6\r\n丁厂,广州\r\n";
	/* A quoted line end before the bad byte is not a row. */
	static const char quoted[] = "a\r\n\"x\ny\"\r\n\xff\r\n";
	struct sheet	 sh;
	int		 line;

	assert_int_equal(READ(neither, NULL, 100, &sh, &line), SHEET_ENCODING);
	assert_int_equal(line, 3);
	assert_int_equal(sh.nrows, 0);
	assert_int_equal(READ(mostly, NULL, 100, &sh, &line), SHEET_ENCODING);
	assert_int_equal(line, 4);
	assert_int_equal(READ(quoted, NULL, 100, &sh, &line), SHEET_ENCODING);
	assert_int_equal(line, 3);
}

static void
test_csv_malformed(void **state)
{
	static const char open[] = "a,b\r\nc,\"d\r\ne,f\r\n";
	static const char after[] = "a,b\r\n\"c\"x,d\r\n";
	static const char nul[] = "a,b\r\nc,d\0e\r\n";
	struct sheet	 sh;
	int		 line;

	assert_int_equal(READ(open, NULL, 100, &sh, &line), SHEET_MALFORMED);
	assert_int_equal(line, 2);
	assert_int_equal(READ(after, NULL, 100, &sh, &line), SHEET_MALFORMED);
	assert_int_equal(line, 2);
	assert_int_equal(READ(nul, NULL, 100, &sh, &line), SHEET_MALFORMED);
	assert_int_equal(line, 2);
	assert_int_equal(read_text("", 0, NULL, 100, &sh, &line),
	    SHEET_EMPTY);
}

static void
test_csv_row_limit(void **state)
{
	static const char three[] = "h\r\n1\r\n2\r\n3\r\n";
	struct sheet	 sh;
	int		 line;

	assert_int_equal(READ(three, NULL, 3, &sh, &line), SHEET_OK);
	assert_int_equal(sh.nrows, 4);
	sheet_free(&sh);
	assert_int_equal(READ(three, NULL, 2, &sh, &line),
	    SHEET_TOO_MANY_ROWS);
	assert_int_equal(sh.nrows, 0);
}

/* ---- XLSX --------------------------------------------------------- */

/* Write a workbook with `rows` data rows; returns its bytes. */
static char *
workbook(int rows, int constant, size_t *len)
{
	lxw_workbook_options opt = { .constant_memory = constant };
	char		 dir[] = "/tmp/test-sheet-XXXXXX", path[64], *buf;
	lxw_workbook	*wb;
	lxw_worksheet	*ws;
	lxw_datetime	 dt = { 2026, 3, 15, 0, 0, 0 };
	lxw_format	*date;
	FILE		*f;
	long		 n;
	int		 i;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.xlsx", dir);
	opt.tmpdir = dir;
	assert_non_null(wb = workbook_new_opt(path, &opt));
	ws = workbook_add_worksheet(wb, "企业");
	date = workbook_add_format(wb);
	format_set_num_format(date, "yyyy-mm-dd");
	worksheet_write_string(ws, 0, 0, "统一社会信用代码(uscc)", NULL);
	worksheet_write_string(ws, 0, 1, "企业名称(name)", NULL);
	worksheet_write_string(ws, 0, 3, "日期", NULL);
	for (i = 1; i <= rows; i++) {
		worksheet_write_string(ws, (lxw_row_t)i, 0, "91110105MA0000000X",
		    NULL);
		worksheet_write_string(ws, (lxw_row_t)i, 1, "甲厂", NULL);
		worksheet_write_number(ws, (lxw_row_t)i, 2, 110105, NULL);
		worksheet_write_datetime(ws, (lxw_row_t)i, 3, &dt, date);
		worksheet_write_boolean(ws, (lxw_row_t)i, 4, 1, NULL);
		worksheet_write_number(ws, (lxw_row_t)i, 5, 1234.5, NULL);
	}
	assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
	assert_non_null(f = fopen(path, "rb"));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	assert_non_null(buf = malloc((size_t)n));
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	unlink(path);
	rmdir(dir);
	*len = (size_t)n;
	return buf;
}

static void
test_xlsx(void **state)
{
	struct sheet	 sh;
	size_t		 len;
	char		*buf;
	int		 line, constant;

	/* Shared strings (the default) and inline strings (constant memory). */
	for (constant = 0; constant <= 1; constant++) {
		buf = workbook(2, constant, &len);
		assert_true(sheet_is_zip(buf, len));
		assert_int_equal(sheet_read(buf, len, NULL, 100, &sh, &line),
		    SHEET_OK);
		assert_int_equal(sh.format, SHEET_XLSX);
		assert_int_equal(sh.nrows, 3);
		assert_string_equal(sh.rows[0].cells[0].text,
		    "统一社会信用代码(uscc)");
		assert_string_equal(sh.rows[0].cells[2].text, "");
		assert_int_equal(sh.rows[1].line, 2);
		assert_string_equal(sh.rows[1].cells[1].text, "甲厂");
		assert_string_equal(sh.rows[1].cells[2].text, "110105");
		assert_true(sh.rows[1].cells[2].number);
		/* 2026-03-15 is day 46096 from 1899-12-30. */
		assert_string_equal(sh.rows[1].cells[3].text, "46096");
		assert_string_equal(sh.rows[1].cells[4].text, "true");
		assert_string_equal(sh.rows[1].cells[5].text, "1234.5");
		assert_int_equal(sh.date1904, 0);
		sheet_free(&sh);
		assert_int_equal(sheet_read(buf, len, NULL, 1, &sh, &line),
		    SHEET_TOO_MANY_ROWS);
		free(buf);
	}
}

static void
test_xlsx_broken(void **state)
{
	static const char notbook[] = "PK\003\004garbage that is no zip";
	struct sheet	 sh;
	size_t		 len;
	char		*buf;
	int		 line;

	assert_int_equal(READ(notbook, NULL, 100, &sh, &line),
	    SHEET_NOT_XLSX);
	/* A workbook cut short is no workbook either. */
	buf = workbook(3, 0, &len);
	assert_int_equal(sheet_read(buf, len / 2, NULL, 100, &sh, &line),
	    SHEET_NOT_XLSX);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_utf8),
		cmocka_unit_test(test_csv_bom_and_gb18030),
		cmocka_unit_test(test_csv_bad_bytes),
		cmocka_unit_test(test_csv_malformed),
		cmocka_unit_test(test_csv_row_limit),
		cmocka_unit_test(test_xlsx),
		cmocka_unit_test(test_xlsx_broken),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
