/*
 * sheet.c: reading an uploaded table into rows of UTF-8 cells.
 *
 * XLSX (a zip that starts "PK\3\4"): the zip is libzip's to open and
 * inflate, each part's XML libxml2's to parse (its streaming reader,
 * no network, no DTD, no entity substitution); nothing here parses
 * either format.  The first worksheet of xl/workbook.xml is read, with
 * the shared strings; each part is read through a counter that stops
 * at SHEET_MAX_UNPACKED bytes, so a zip bomb costs at most that.
 *
 * Anything else is CSV (RFC 4180: commas, "quoted" cells with "" for a
 * quote, CRLF, LF or CR between records), in the first encoding that
 * fits:
 *
 *	1. the charset the client declared (utf-8; gb18030, gbk, gb2312),
 *	   strictly;
 *	2. a byte order mark (UTF-8's EF BB BF, GB18030's 84 31 95 33);
 *	3. UTF-8, when every byte is;
 *	4. else GB18030 (glibc's iconv), strictly -- unless the bytes are
 *	   mostly good UTF-8 (more than four well-formed multi-byte
 *	   sequences for each bad byte): then they are UTF-8 with bad bytes
 *	   in them, not GB18030 text (which is seldom well-formed UTF-8 for
 *	   more than a character or two), and reading them as GB18030 would
 *	   only turn them into other characters.
 *
 * A byte that is not the encoding is SHEET_ENCODING at the row (as a
 * spreadsheet numbers it, the headings being row 1) where it lies:
 * commas, quotes and line ends are the same bytes in UTF-8 and GB18030
 * and never part of another character in either, so the row is counted
 * on the raw bytes.  Blank rows are skipped but keep their numbers.
 */
#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/xmlreader.h>
#include <zip.h>

#include "../base/base.h"
#include "sheet.h"

const char *const sheet_encoding_names[SHEET_ENCODING__MAX] = {
	[SHEET_UTF8] = "utf-8",
	[SHEET_GB18030] = "gb18030",
};

/* ------------------------------------------------------------------ */
/* Rows                                                               */
/* ------------------------------------------------------------------ */

/* A row being built: its cells so far. */
struct rowbuf {
	struct sheet_cell	 cells[SHEET_MAX_CELLS];
	size_t			 n;
	int			 line;
};

static void
rowbuf_clear(struct rowbuf *b)
{
	size_t	 i;

	for (i = 0; i < b->n; i++)
		free(b->cells[i].text);
	b->n = 0;
}

/*
 * Put cell `col` (0-based) of the row: the cells before it, if skipped,
 * are empty.  Takes `text` (malloc'd).  Returns 0, or -1 (too many
 * cells: the text is freed).
 */
static int
rowbuf_set(struct rowbuf *b, size_t col, char *text, int number)
{
	if (col >= SHEET_MAX_CELLS || col < b->n) {
		free(text);
		return -1;
	}
	while (b->n < col) {
		if ((b->cells[b->n].text = strdup("")) == NULL) {
			free(text);
			return -1;
		}
		b->cells[b->n++].number = 0;
	}
	b->cells[b->n].text = text;
	b->cells[b->n++].number = number;
	return 0;
}

/*
 * Move the row into the sheet unless it is blank (every cell empty).
 * Returns SHEET_OK, SHEET_TOO_MANY_ROWS (more than `max` rows after the
 * headings) or SHEET_NOMEM.
 */
static enum sheet_error
rowbuf_emit(struct rowbuf *b, struct sheet *sh, size_t max,
    size_t *cap)
{
	struct sheet_row	*rows;
	size_t			 i;
	int			 blank = 1;

	for (i = 0; i < b->n && blank; i++)
		if (b->cells[i].text[strspn(b->cells[i].text, " \t")] != '\0')
			blank = 0;
	if (blank) {
		rowbuf_clear(b);
		return SHEET_OK;
	}
	if (sh->nrows > max) {	/* the headings and `max` rows */
		rowbuf_clear(b);
		return SHEET_TOO_MANY_ROWS;
	}
	if (sh->nrows == *cap) {
		*cap = *cap == 0 ? 64 : *cap * 2;
		if ((rows = reallocarray(sh->rows, *cap, sizeof(*rows))) ==
		    NULL) {
			rowbuf_clear(b);
			return SHEET_NOMEM;
		}
		sh->rows = rows;
	}
	rows = &sh->rows[sh->nrows++];
	rows->line = b->line;
	rows->ncells = b->n;
	if ((rows->cells = calloc(b->n, sizeof(*rows->cells))) == NULL) {
		sh->nrows--;
		rowbuf_clear(b);
		return SHEET_NOMEM;
	}
	memcpy(rows->cells, b->cells, b->n * sizeof(*rows->cells));
	b->n = 0;
	return SHEET_OK;
}

void
sheet_free(struct sheet *sh)
{
	size_t	 i, j;

	for (i = 0; i < sh->nrows; i++) {
		for (j = 0; j < sh->rows[i].ncells; j++)
			free(sh->rows[i].cells[j].text);
		free(sh->rows[i].cells);
	}
	free(sh->rows);
	sh->rows = NULL;
	sh->nrows = 0;
}

/* ------------------------------------------------------------------ */
/* CSV: encodings                                                     */
/* ------------------------------------------------------------------ */

/*
 * The spreadsheet row of the byte at `off` of a CSV text: one more than
 * the records that end before it (a line end inside quotes is not one).
 */
static int
csv_line_at(const char *s, size_t off)
{
	size_t	 i;
	int	 line = 1, quoted = 0;

	for (i = 0; i < off; i++) {
		if (s[i] == '"')
			quoted = !quoted;
		else if (!quoted && s[i] == '\n')
			line++;
		else if (!quoted && s[i] == '\r' && (i + 1 >= off ||
		    s[i + 1] != '\n'))
			line++;
	}
	return line;
}

/*
 * Scan `s` as UTF-8: the offset of the first bad byte (len when none),
 * and how many well-formed multi-byte sequences and bad bytes it holds.
 */
static size_t
utf8_scan(const unsigned char *s, size_t len, size_t *good, size_t *bad)
{
	size_t	 i = 0, first = len, n, k;

	*good = *bad = 0;
	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		n = s[i] >= 0xc2 && s[i] <= 0xdf ? 2 :
		    s[i] >= 0xe0 && s[i] <= 0xef ? 3 :
		    s[i] >= 0xf0 && s[i] <= 0xf4 ? 4 : 0;
		if (n != 0 && i + n <= len && utf8_valid((const char *)s + i,
		    n)) {
			(*good)++;
			i += n;
			continue;
		}
		for (k = 1; k < 4 && i + k < len; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				break;
		if (first == len)
			first = i;
		(*bad)++;
		i++;
	}
	return first;
}

/*
 * Convert `len` bytes of GB18030 at `in` to UTF-8 (malloc'd, NUL-ended,
 * *outlen set).  Returns it, or NULL with *bad set to the offset of the
 * first byte that is not GB18030 ((size_t)-1: no memory or no iconv).
 */
static char *
gb18030_to_utf8(const char *in, size_t len, size_t *outlen, size_t *bad)
{
	iconv_t	 cd;
	char	*out, *ip = (char *)in, *op;
	size_t	 il = len, ol, size = len * 2 + 4;

	*bad = (size_t)-1;
	if ((cd = iconv_open("UTF-8", "GB18030")) == (iconv_t)-1)
		return NULL;
	if ((out = malloc(size)) == NULL) {
		iconv_close(cd);
		return NULL;
	}
	op = out;
	ol = size - 1;
	/* GB18030 takes at least as many bytes as UTF-8 needs, less than 2x. */
	if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1) {
		*bad = errno == E2BIG ? (size_t)-1 : (size_t)(ip - in);
		free(out);
		iconv_close(cd);
		return NULL;
	}
	iconv_close(cd);
	*op = '\0';
	*outlen = (size_t)(op - out);
	return out;
}

/*
 * The encoding a declared charset names: SHEET_ENCODING__MAX for none
 * (NULL), -1 for one we do not read.
 */
static int
charset_encoding(const char *charset)
{
	if (charset == NULL)
		return SHEET_ENCODING__MAX;
	if (strcasecmp(charset, "utf-8") == 0 ||
	    strcasecmp(charset, "utf8") == 0)
		return SHEET_UTF8;
	if (strcasecmp(charset, "gb18030") == 0 ||
	    strcasecmp(charset, "gbk") == 0 ||
	    strcasecmp(charset, "gb2312") == 0)
		return SHEET_GB18030;
	return -1;
}

/*
 * The CSV text `buf` as UTF-8: a new buffer (NUL-ended, *outlen) whose
 * encoding goes into sh->encoding, or NULL with the error (*line where
 * the bad byte lies).
 */
static char *
csv_decode(const char *buf, size_t len, const char *charset,
    struct sheet *sh, size_t *outlen, enum sheet_error *err, int *line)
{
	const unsigned char	*u = (const unsigned char *)buf;
	size_t			 good, bad, first, skip = 0;
	char			*out;
	int			 enc;

	*err = SHEET_OK;
	if ((enc = charset_encoding(charset)) == -1) {
		*err = SHEET_CHARSET;
		return NULL;
	}
	if (len >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf &&
	    enc != SHEET_GB18030) {
		enc = SHEET_UTF8;
		skip = 3;
	} else if (len >= 4 && u[0] == 0x84 && u[1] == 0x31 && u[2] == 0x95 &&
	    u[3] == 0x33 && enc != SHEET_UTF8) {
		enc = SHEET_GB18030;
		skip = 4;
	}
	buf += skip;
	u += skip;
	len -= skip;
	first = utf8_scan(u, len, &good, &bad);
	if (enc == SHEET_ENCODING__MAX)
		enc = first == len || good > 4 * bad ? SHEET_UTF8 :
		    SHEET_GB18030;
	sh->encoding = (enum sheet_encoding)enc;
	if (enc == SHEET_UTF8) {
		if (first != len) {
			*err = SHEET_ENCODING;
			*line = csv_line_at(buf, first);
			return NULL;
		}
		if ((out = malloc(len + 1)) == NULL) {
			*err = SHEET_NOMEM;
			return NULL;
		}
		memcpy(out, buf, len);
		out[len] = '\0';
		*outlen = len;
		return out;
	}
	if ((out = gb18030_to_utf8(buf, len, outlen, &first)) == NULL) {
		if (first == (size_t)-1)
			*err = SHEET_NOMEM;
		else {
			*err = SHEET_ENCODING;
			*line = csv_line_at(buf, first);
		}
	}
	return out;
}

/* ------------------------------------------------------------------ */
/* CSV: records                                                       */
/* ------------------------------------------------------------------ */

/*
 * Split the UTF-8 text `s` (`len` bytes) into rows.  A quote that opens
 * a cell must close it, followed by a comma or a line end; a quote
 * inside an unquoted cell is a character.  A record is one row however
 * many line ends its quoted cells hold, as a spreadsheet shows it.  A
 * NUL anywhere, a row of more than SHEET_MAX_CELLS cells or a cell of
 * more than SHEET_MAX_CELL bytes is SHEET_MALFORMED at its row.
 */
static enum sheet_error
csv_rows(const char *s, size_t len, size_t max, struct sheet *sh,
    int *line)
{
	struct rowbuf	 b;
	enum sheet_error e = SHEET_OK;
	char		*cell, c;
	size_t		 i = 0, n, cap = 0, col = 0;
	int		 quoted;

	memset(&b, 0, sizeof(b));
	b.line = 1;
	if ((cell = malloc(SHEET_MAX_CELL + 1)) == NULL)
		return SHEET_NOMEM;
	for (;;) {
		/* A cell starts at s[i]. */
		n = 0;
		if ((quoted = i < len && s[i] == '"'))
			i++;
		for (;;) {
			if (i == len) {
				if (quoted)
					e = SHEET_MALFORMED;
				break;
			}
			c = s[i];
			if (c == '\0') {
				e = SHEET_MALFORMED;
				break;
			}
			if (quoted && c == '"') {
				if (i + 1 < len && s[i + 1] == '"')
					i++;
				else {
					i++;
					if (i < len && s[i] != ',' &&
					    s[i] != '\r' && s[i] != '\n')
						e = SHEET_MALFORMED;
					break;
				}
			} else if (!quoted && (c == ',' || c == '\r' ||
			    c == '\n'))
				break;
			if (n == SHEET_MAX_CELL) {
				e = SHEET_MALFORMED;
				break;
			}
			cell[n++] = s[i++];
		}
		if (e != SHEET_OK) {
			*line = b.line;
			goto out;
		}
		cell[n] = '\0';
		if (rowbuf_set(&b, col++, strdup(cell), 0) == -1) {
			*line = b.line;
			e = col > SHEET_MAX_CELLS ? SHEET_MALFORMED :
			    SHEET_NOMEM;
			goto out;
		}
		if (i < len && s[i] == ',') {
			i++;
			continue;
		}
		/* The record ends, at a line end or the end of the text. */
		if (i < len && s[i] == '\r')
			i++;
		if (i < len && s[i] == '\n')
			i++;
		if ((e = rowbuf_emit(&b, sh, max, &cap)) != SHEET_OK) {
			*line = b.line;
			goto out;
		}
		b.line++;
		col = 0;
		if (i >= len)
			break;
	}
out:
	free(cell);
	rowbuf_clear(&b);
	return e;
}

/* ------------------------------------------------------------------ */
/* XLSX: libzip and libxml2                                           */
/* ------------------------------------------------------------------ */

static pthread_once_t	 xml_once = PTHREAD_ONCE_INIT;

static void
xml_init(void)
{
	xmlInitParser();
}

/* A part of the zip being read, counted. */
struct part {
	zip_file_t	*f;
	size_t		 read;
	int		 too_large;
};

static int
part_read(void *ctx, char *buf, int len)
{
	struct part	*p = ctx;
	zip_int64_t	 n;

	if (len <= 0)
		return 0;
	n = zip_fread(p->f, buf, (zip_uint64_t)len);
	if (n < 0)
		return -1;
	p->read += (size_t)n;
	if (p->read > SHEET_MAX_UNPACKED) {
		p->too_large = 1;
		return -1;
	}
	return (int)n;
}

static int
part_close(void *ctx)
{
	(void)ctx;
	return 0;
}

/* libxml2's complaints stay here: the caller says what went wrong. */
static void
xml_quiet(void *ctx, xmlErrorPtr err)
{
	(void)ctx;
	(void)err;
}

/*
 * A reader over the part `name` of the zip, or NULL (no such part, or
 * no memory).  XML_PARSE_NONET: nothing from the network; no NOENT, no
 * DTDLOAD: entities are not substituted and no DTD is read.
 */
static xmlTextReaderPtr
part_open(zip_t *z, const char *name, struct part *p)
{
	xmlTextReaderPtr	 rd;

	memset(p, 0, sizeof(*p));
	if ((p->f = zip_fopen(z, name, 0)) == NULL)
		return NULL;
	rd = xmlReaderForIO(part_read, part_close, p, name, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (rd == NULL) {
		zip_fclose(p->f);
		p->f = NULL;
		return NULL;
	}
	xmlTextReaderSetStructuredErrorHandler(rd, xml_quiet, NULL);
	return rd;
}

static void
part_close_all(xmlTextReaderPtr rd, struct part *p)
{
	if (rd != NULL)
		xmlFreeTextReader(rd);
	if (p->f != NULL)
		zip_fclose(p->f);
	p->f = NULL;
}

/* Whether the reader is on an element named `name` (local name). */
static int
at_element(xmlTextReaderPtr rd, const char *name)
{
	const xmlChar	*n;

	return xmlTextReaderNodeType(rd) == XML_READER_TYPE_ELEMENT &&
	    (n = xmlTextReaderConstLocalName(rd)) != NULL &&
	    strcmp((const char *)n, name) == 0;
}

static int
at_end(xmlTextReaderPtr rd, const char *name)
{
	const xmlChar	*n;

	return xmlTextReaderNodeType(rd) == XML_READER_TYPE_END_ELEMENT &&
	    (n = xmlTextReaderConstLocalName(rd)) != NULL &&
	    strcmp((const char *)n, name) == 0;
}

/* An attribute's value by local name (a new string), or NULL. */
static char *
attr(xmlTextReaderPtr rd, const char *name, const char *ns)
{
	xmlChar	*v;
	char	*s;

	v = ns != NULL ? xmlTextReaderGetAttributeNs(rd, (const xmlChar *)name,
	    (const xmlChar *)ns) : xmlTextReaderGetAttribute(rd,
	    (const xmlChar *)name);
	if (v == NULL)
		return NULL;
	s = strdup((const char *)v);
	xmlFree(v);
	return s;
}

#define NS_REL	"http://schemas.openxmlformats.org/officeDocument/2006/relationships"

/*
 * The path of the workbook's first worksheet (malloc'd) and whether its
 * dates count from 1904; NULL when the workbook cannot be read.
 */
static char *
first_sheet(zip_t *z, int *date1904, int *too_large)
{
	xmlTextReaderPtr	 rd;
	struct part		 p;
	char			*rid = NULL, *v, *id, *target = NULL, *path;
	int			 rc;

	*date1904 = 0;
	if ((rd = part_open(z, "xl/workbook.xml", &p)) == NULL)
		return NULL;
	while (rid == NULL && (rc = xmlTextReaderRead(rd)) == 1) {
		if (at_element(rd, "workbookPr") &&
		    (v = attr(rd, "date1904", NULL)) != NULL) {
			*date1904 = strcmp(v, "1") == 0 ||
			    strcmp(v, "true") == 0;
			free(v);
		} else if (at_element(rd, "sheet"))
			rid = attr(rd, "id", NS_REL);
	}
	*too_large |= p.too_large;
	part_close_all(rd, &p);
	if (rid == NULL)
		return NULL;
	if ((rd = part_open(z, "xl/_rels/workbook.xml.rels", &p)) != NULL) {
		while (target == NULL && xmlTextReaderRead(rd) == 1)
			if (at_element(rd, "Relationship") &&
			    (id = attr(rd, "Id", NULL)) != NULL) {
				if (strcmp(id, rid) == 0)
					target = attr(rd, "Target", NULL);
				free(id);
			}
		*too_large |= p.too_large;
		part_close_all(rd, &p);
	}
	free(rid);
	if (target == NULL)
		return strdup("xl/worksheets/sheet1.xml");
	if (target[0] == '/')
		path = strdup(target + 1);
	else if (asprintf(&path, "xl/%s", target) == -1)
		path = NULL;
	free(target);
	return path;
}

/* Shared strings: every <si>'s text, its runs joined. */
struct strings {
	char	**s;
	size_t	  n, cap;
};

static void
strings_free(struct strings *t)
{
	size_t	 i;

	for (i = 0; i < t->n; i++)
		free(t->s[i]);
	free(t->s);
	memset(t, 0, sizeof(*t));
}

/*
 * Append the text under the current element, up to its end tag `until`,
 * to `buf` (*len of *cap bytes, grown): the text of its <t> elements
 * (a shared or inline string, rich text runs joined; phonetic <rPh>
 * runs are skipped) and <v> (a cell's value; a formula <f> is not).
 * Returns 0, or -1 (a broken part, or a text too long).
 */
static int
text_until(xmlTextReaderPtr rd, const char *until, char **buf, size_t *len,
    size_t *cap)
{
	const xmlChar	*v;
	size_t		 n;
	char		*nb;
	int		 in_t = 0, in_rph = 0, rc;

	if (xmlTextReaderIsEmptyElement(rd))
		return 0;
	while ((rc = xmlTextReaderRead(rd)) == 1) {
		if (at_end(rd, until))
			return 0;
		if (at_element(rd, "rPh"))
			in_rph = !xmlTextReaderIsEmptyElement(rd);
		else if (at_end(rd, "rPh"))
			in_rph = 0;
		else if (at_element(rd, "t") || at_element(rd, "v"))
			in_t = !xmlTextReaderIsEmptyElement(rd);
		else if (at_end(rd, "t") || at_end(rd, "v"))
			in_t = 0;
		else if (in_t && !in_rph &&
		    (xmlTextReaderNodeType(rd) == XML_READER_TYPE_TEXT ||
		    xmlTextReaderNodeType(rd) ==
		    XML_READER_TYPE_SIGNIFICANT_WHITESPACE ||
		    xmlTextReaderNodeType(rd) == XML_READER_TYPE_WHITESPACE ||
		    xmlTextReaderNodeType(rd) == XML_READER_TYPE_CDATA) &&
		    (v = xmlTextReaderConstValue(rd)) != NULL) {
			n = strlen((const char *)v);
			if (*len + n > SHEET_MAX_CELL)
				return -1;
			if (*len + n + 1 > *cap) {
				*cap = (*len + n + 1) * 2;
				if ((nb = realloc(*buf, *cap)) == NULL)
					return -1;
				*buf = nb;
			}
			memcpy(*buf + *len, v, n + 1);
			*len += n;
		}
	}
	return -1;
}

static enum sheet_error
read_strings(zip_t *z, struct strings *t)
{
	xmlTextReaderPtr	 rd;
	struct part		 p;
	enum sheet_error	 e = SHEET_OK;
	char			*buf = NULL, **ns;
	size_t			 len, cap = 0;
	int			 rc;

	memset(t, 0, sizeof(*t));
	if ((rd = part_open(z, "xl/sharedStrings.xml", &p)) == NULL)
		return zip_name_locate(z, "xl/sharedStrings.xml", 0) < 0 ?
		    SHEET_OK : SHEET_NOT_XLSX;
	while ((rc = xmlTextReaderRead(rd)) == 1) {
		if (!at_element(rd, "si"))
			continue;
		len = 0;
		if (buf != NULL)
			buf[0] = '\0';
		if (text_until(rd, "si", &buf, &len, &cap) == -1) {
			e = p.too_large ? SHEET_TOO_LARGE : SHEET_NOT_XLSX;
			goto out;
		}
		if (t->n == t->cap) {
			t->cap = t->cap == 0 ? 256 : t->cap * 2;
			if ((ns = reallocarray(t->s, t->cap, sizeof(*ns))) ==
			    NULL) {
				e = SHEET_NOMEM;
				goto out;
			}
			t->s = ns;
		}
		if ((t->s[t->n] = strdup(buf != NULL ? buf : "")) == NULL) {
			e = SHEET_NOMEM;
			goto out;
		}
		t->n++;
	}
	if (rc == -1)
		e = p.too_large ? SHEET_TOO_LARGE : SHEET_NOT_XLSX;
out:
	free(buf);
	part_close_all(rd, &p);
	return e;
}

/*
 * The 0-based column of a cell reference ("B7" is 1), or -1.  Also its
 * row, in *row, when it has one.
 */
static long
ref_column(const char *ref, long *row)
{
	long	 col = 0;
	int	 letters = 0;

	for (; *ref >= 'A' && *ref <= 'Z' && letters < 3; ref++, letters++)
		col = col * 26 + (*ref - 'A' + 1);
	if (letters == 0 || *ref < '1' || *ref > '9')
		return -1;
	*row = strtol(ref, NULL, 10);
	return col - 1;
}

/*
 * A number as XLSX stores it ("110000", "1.5E-2") as the text a person
 * would type: integers without a fraction, the rest in at most 15
 * significant digits.
 */
static char *
number_text(const char *v)
{
	char	*end, buf[64];
	double	 d;

	d = strtod(v, &end);
	if (end == v || *end != '\0')
		return strdup(v);
	if (d == (double)(long long)d && d > -1e15 && d < 1e15)
		snprintf(buf, sizeof(buf), "%lld", (long long)d);
	else
		snprintf(buf, sizeof(buf), "%.15g", d);
	return strdup(buf);
}

/* One cell's value: what <c t=...> holds, as text. */
static char *
cell_value(const char *type, const char *v, const struct strings *t,
    int *number)
{
	char	*end;
	long	 k;

	*number = 0;
	if (type == NULL || strcmp(type, "n") == 0) {
		*number = 1;
		return number_text(v);
	}
	if (strcmp(type, "s") == 0) {
		k = strtol(v, &end, 10);
		if (end == v || *end != '\0' || k < 0 || (size_t)k >= t->n)
			return NULL;
		return strdup(t->s[k]);
	}
	if (strcmp(type, "b") == 0)
		return strdup(strcmp(v, "1") == 0 ? "true" : "false");
	return strdup(v);	/* str, d, e: as written */
}

/*
 * The worksheet at `path`: its rows, numbered by their r attributes (or
 * in order), cells placed by their references (or in order).
 */
static enum sheet_error
read_sheet(zip_t *z, const char *path, const struct strings *t,
    size_t max, struct sheet *sh, int *line)
{
	xmlTextReaderPtr	 rd;
	struct part		 p;
	struct rowbuf		 b;
	enum sheet_error	 e = SHEET_OK;
	char			*ref, *type = NULL, *text, *v = NULL, *rs;
	size_t			 cap = 0, len, vcap = 0;
	long			 col, next = 0, rrow;
	int			 rc, number = 0, lastline = 0;

	memset(&b, 0, sizeof(b));
	if ((rd = part_open(z, path, &p)) == NULL)
		return SHEET_NOT_XLSX;
	while ((rc = xmlTextReaderRead(rd)) == 1) {
		if (at_element(rd, "row")) {
			rowbuf_clear(&b);
			rs = attr(rd, "r", NULL);
			b.line = rs != NULL ? atoi(rs) : lastline + 1;
			free(rs);
			if (b.line <= lastline || b.line > 1048576) {
				*line = lastline + 1;
				e = SHEET_NOT_XLSX;
				goto out;
			}
			lastline = b.line;
			next = 0;
			if (xmlTextReaderIsEmptyElement(rd))
				continue;
		} else if (at_end(rd, "row")) {
			if ((e = rowbuf_emit(&b, sh, max, &cap)) != SHEET_OK)
				goto out;
		} else if (at_element(rd, "c")) {
			ref = attr(rd, "r", NULL);
			col = ref != NULL ? ref_column(ref, &rrow) : next;
			free(ref);
			free(type);
			type = attr(rd, "t", NULL);
			if (col < 0) {
				*line = b.line;
				e = SHEET_NOT_XLSX;
				goto out;
			}
			next = col + 1;
			len = 0;
			if (v != NULL)
				v[0] = '\0';
			if (xmlTextReaderIsEmptyElement(rd))
				continue;
			/* <v>, or <is> for an inline string: all its <t>. */
			if (text_until(rd, "c", &v, &len, &vcap) == -1) {
				*line = b.line;
				e = p.too_large ? SHEET_TOO_LARGE :
				    SHEET_NOT_XLSX;
				goto out;
			}
			if (len == 0)
				continue;
			if (type != NULL && strcmp(type, "inlineStr") == 0)
				text = strdup(v);
			else if ((text = cell_value(type, v, t, &number)) ==
			    NULL) {
				*line = b.line;
				e = SHEET_NOT_XLSX;
				goto out;
			}
			if (type != NULL && strcmp(type, "inlineStr") == 0)
				number = 0;
			if (text == NULL) {
				e = SHEET_NOMEM;
				goto out;
			}
			if (rowbuf_set(&b, (size_t)col, text, number) == -1) {
				*line = b.line;
				e = SHEET_MALFORMED;
				goto out;
			}
		}
	}
	if (rc == -1) {
		*line = lastline;
		e = p.too_large ? SHEET_TOO_LARGE : SHEET_NOT_XLSX;
	}
out:
	free(type);
	free(v);
	rowbuf_clear(&b);
	part_close_all(rd, &p);
	return e;
}

/* ------------------------------------------------------------------ */
/* Either                                                             */
/* ------------------------------------------------------------------ */

/* Whether the bytes are a zip (an XLSX workbook is one). */
int
sheet_is_zip(const char *buf, size_t len)
{
	return len >= 4 && memcmp(buf, "PK\003\004", 4) == 0;
}

static enum sheet_error
xlsx_read(const char *buf, size_t len, size_t max, struct sheet *sh,
    int *line)
{
	zip_source_t	*src;
	zip_t		*z = NULL;
	zip_error_t	 zerr;
	struct strings	 t = { 0 };
	enum sheet_error e;
	char		*path = NULL;
	int		 too_large = 0;

	(void)pthread_once(&xml_once, xml_init);
	zip_error_init(&zerr);
	if ((src = zip_source_buffer_create(buf, len, 0, &zerr)) == NULL) {
		zip_error_fini(&zerr);
		return SHEET_NOMEM;
	}
	if ((z = zip_open_from_source(src, ZIP_RDONLY, &zerr)) == NULL) {
		zip_source_free(src);
		zip_error_fini(&zerr);
		return SHEET_NOT_XLSX;
	}
	zip_error_fini(&zerr);
	if ((path = first_sheet(z, &sh->date1904, &too_large)) == NULL) {
		e = too_large ? SHEET_TOO_LARGE : SHEET_NOT_XLSX;
		goto out;
	}
	if ((e = read_strings(z, &t)) != SHEET_OK)
		goto out;
	e = read_sheet(z, path, &t, max, sh, line);
out:
	free(path);
	strings_free(&t);
	zip_discard(z);		/* read only: nothing to write back */
	return e;
}

/*
 * Read the table in the `len` bytes at `buf` into `sh`: an XLSX
 * workbook's first worksheet, or CSV in `charset` (NULL: judged, see
 * the top of this file).  At most `max` rows after the first (the
 * headings).  Returns SHEET_OK with `sh` filled (sheet_free it), or why
 * not, with *line the row at fault where there is one (0 otherwise) and
 * `sh` empty.
 */
enum sheet_error
sheet_read(const char *buf, size_t len, const char *charset, size_t max,
    struct sheet *sh, int *line)
{
	enum sheet_error e;
	char		*text;
	size_t		 tlen;

	memset(sh, 0, sizeof(*sh));
	*line = 0;
	if (sheet_is_zip(buf, len)) {
		sh->format = SHEET_XLSX;
		sh->encoding = SHEET_UTF8;
		e = xlsx_read(buf, len, max, sh, line);
	} else {
		sh->format = SHEET_CSV;
		if ((text = csv_decode(buf, len, charset, sh, &tlen, &e,
		    line)) == NULL)
			return e;
		e = csv_rows(text, tlen, max, sh, line);
		free(text);
	}
	if (e == SHEET_OK && sh->nrows == 0)
		e = SHEET_EMPTY;
	if (e != SHEET_OK)
		sheet_free(sh);
	return e;
}
