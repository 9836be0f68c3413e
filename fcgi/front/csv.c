/*
 * csv.c: the one way paicha writes a CSV cell (RFC 4180), for every
 * export -- the audit trail, the campaign form, the case list.
 */
#include <string.h>

#include "front.h"

/*
 * Write the cell `s` (NULL: empty) through `put`: quoted when it holds a
 * comma, quote, CR or LF, quotes doubled.  A `text` cell that a
 * spreadsheet would take for a formula (= + - @, tab or CR first) gets
 * a leading apostrophe, so opening the export never runs anything;
 * numbers (text 0) are written as they are, "-1.5" included.
 */
void
csv_cell(const char *s, int text, csv_writer put, void *ctx)
{
	const char	*q;
	int		 quote;

	if (s == NULL || *s == '\0')
		return;
	if ((quote = strpbrk(s, ",\"\r\n") != NULL))
		put(ctx, "\"", 1);
	if (text && strchr("=+-@\t\r", *s) != NULL)
		put(ctx, "'", 1);
	while (quote && (q = strchr(s, '"')) != NULL) {
		put(ctx, s, (size_t)(q - s) + 1);
		put(ctx, "\"", 1);
		s = q + 1;
	}
	put(ctx, s, strlen(s));
	if (quote)
		put(ctx, "\"", 1);
}
