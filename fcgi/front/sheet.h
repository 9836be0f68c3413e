/*
 * sheet.h: a table a client uploads -- CSV (UTF-8 or GB18030, with or
 * without a BOM) or the first worksheet of an XLSX workbook -- read into
 * rows of UTF-8 cells (sheet.c).  Pure: no request, no database; the
 * unit tests and the fuzzer call it directly.
 */
#ifndef PAICHA_SHEET_H
#define PAICHA_SHEET_H

#include <stddef.h>

enum sheet_format {
	SHEET_CSV,
	SHEET_XLSX,
	SHEET_FORMAT__MAX
};

enum sheet_encoding {
	SHEET_UTF8,
	SHEET_GB18030,
	SHEET_ENCODING__MAX
};

/* One cell: UTF-8 text without NUL, and whether XLSX stored a number. */
struct sheet_cell {
	char		*text;		/* never NULL; "" for an empty cell */
	int		 number;
};

/* One row that is not blank, numbered as a spreadsheet shows it. */
struct sheet_row {
	int			 line;		/* 1: the first row (headings) */
	size_t			 ncells;
	struct sheet_cell	*cells;
};

struct sheet {
	enum sheet_format	 format;
	enum sheet_encoding	 encoding;
	int			 date1904;	/* XLSX: serial dates from 1904 */
	size_t			 nrows;
	struct sheet_row	*rows;
};

enum sheet_error {
	SHEET_OK,
	SHEET_CHARSET,		/* a declared charset we do not read */
	SHEET_ENCODING,		/* bytes that are not the encoding: at `line` */
	SHEET_MALFORMED,	/* a broken CSV record, NUL: at `line` */
	SHEET_NOT_XLSX,		/* a zip, but no workbook we can read */
	SHEET_TOO_MANY_ROWS,	/* more rows than allowed */
	SHEET_TOO_LARGE,	/* XLSX parts larger than allowed unpacked */
	SHEET_EMPTY,		/* no row at all */
	SHEET_NOMEM,
	SHEET_ERROR__MAX
};

#define SHEET_MAX_CELLS		64		/* cells of one row */
#define SHEET_MAX_CELL		(64 * 1024)	/* bytes of one cell */
#define SHEET_MAX_UNPACKED	(64 * 1024 * 1024) /* an XLSX part */

extern const char *const sheet_encoding_names[SHEET_ENCODING__MAX];

enum sheet_error sheet_read(const char *, size_t, const char *, size_t,
		    struct sheet *, int *);
void		 sheet_free(struct sheet *);
int		 sheet_is_zip(const char *, size_t);

#endif /* PAICHA_SHEET_H */
