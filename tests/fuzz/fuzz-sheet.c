/*
 * fuzz-sheet.c: an import's file (sheet_read): CSV in any bytes, and
 * XLSX -- whatever starts "PK\3\4" goes through libzip and libxml2.
 *
 * Properties: it returns one of its errors or a sheet, never crashes or
 * leaks; a sheet's rows are numbered upwards from 1, hold at most
 * SHEET_MAX_CELLS cells of valid UTF-8 without NUL, and are no more
 * than the limit after the headings; an error leaves no rows.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../../fcgi/front/sheet.h"

#define MAX_ROWS	50

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sheet	 sh;
	enum sheet_error e;
	size_t		 i, j;
	int		 line, last = 0;

	e = sheet_read((const char *)data, size, size > 0 && data[0] == 'g' ?
	    "gb18030" : NULL, MAX_ROWS, &sh, &line);
	if (e >= SHEET_ERROR__MAX)
		fuzz_fail("sheet_read returned %d", e);
	if (e != SHEET_OK) {
		if (sh.nrows != 0 || sh.rows != NULL)
			fuzz_fail("error %d left %zu rows", e, sh.nrows);
		return 0;
	}
	if (sh.nrows == 0 || sh.nrows > MAX_ROWS + 1)
		fuzz_fail("%zu rows", sh.nrows);
	for (i = 0; i < sh.nrows; i++) {
		if (sh.rows[i].line <= last)
			fuzz_fail("row %zu numbered %d after %d", i,
			    sh.rows[i].line, last);
		last = sh.rows[i].line;
		if (sh.rows[i].ncells > SHEET_MAX_CELLS)
			fuzz_fail("%zu cells", sh.rows[i].ncells);
		for (j = 0; j < sh.rows[i].ncells; j++)
			if (!utf8_valid(sh.rows[i].cells[j].text,
			    strlen(sh.rows[i].cells[j].text)))
				fuzz_fail("a cell is not UTF-8");
	}
	sheet_free(&sh);
	return 0;
}
