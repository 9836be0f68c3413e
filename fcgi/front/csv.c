/*
 * csv.c: the one way paicha writes a CSV cell (RFC 4180), for every
 * export -- the audit trail, the campaign form, the case list -- and a
 * growing buffer for the small files made whole in memory.
 */
#include <stdlib.h>
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

/*
 * A csv_writer into the struct csv_buf `ctx`, which grows as needed
 * (the caller frees b->s); after a failed allocation nothing more is
 * written and b->failed says so.
 */
void
csv_buf_put(void *ctx, const char *s, size_t n)
{
	struct csv_buf	*b = ctx;
	char		*ns;

	if (b->failed)
		return;
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 4096;
		if ((ns = realloc(b->s, b->cap)) == NULL) {
			b->failed = 1;
			return;
		}
		b->s = ns;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
}
