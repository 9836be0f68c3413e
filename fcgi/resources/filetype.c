/*
 * filetype.c: what an evidence file is, judged by its content -- never
 * by its name -- against the allow-list of API.md Part 2: JPEG, PNG,
 * PDF, OFD, DOC/DOCX, XLS/XLSX, MP4 and plain text.  Anything else
 * (executables, scripts, HTML, SVG, archives) is refused, and so is a
 * declared Content-Type that the content contradicts: both 415.
 *
 * libmagic reads the first piece of the body.  OOXML and OFD are ZIP
 * archives: where libmagic says only "zip", the archive's own entry
 * names tell (OFD.xml, word/, xl/), and a ZIP that is none of them is
 * refused.  A libmagic handle is not thread-safe, and each maps the
 * whole database (7 MB): the process opens one, on first use, and the
 * threads take turns with it -- one call per upload.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <magic.h>

#include "../base/base.h"
#include "../front/front.h"
#include "resources.h"

/* The Content-Types each kind of content may be declared as. */
static const char *const as_jpeg[] = { "image/jpeg", "image/jpg",
    "image/pjpeg", NULL };
static const char *const as_png[] = { "image/png", "image/x-png", NULL };
static const char *const as_pdf[] = { "application/pdf", "application/x-pdf",
    NULL };
static const char *const as_ofd[] = { "application/ofd", "application/zip",
    "application/x-zip-compressed", NULL };
static const char *const as_doc[] = { "application/msword", NULL };
static const char *const as_docx[] = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/zip", "application/x-zip-compressed", NULL };
static const char *const as_xls[] = { "application/vnd.ms-excel",
    "application/msexcel", "application/x-msexcel", NULL };
static const char *const as_xlsx[] = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/zip", "application/x-zip-compressed", NULL };
static const char *const as_mp4[] = { "video/mp4", "application/mp4", NULL };
static const char *const as_text[] = { "text/plain", "text/csv", NULL };

/* What libmagic calls each, besides its own type. */
static const char *const seen_doc[] = { "application/msword", NULL };
static const char *const seen_xls[] = { "application/vnd.ms-excel", NULL };
static const char *const seen_text[] = { "text/plain", "text/csv", NULL };

const struct ftype_def ftypes[FT__MAX] = {
	[FT_JPEG] = { "image/jpeg", "JPEG 图片", as_jpeg, NULL, 1, 1 },
	[FT_PNG] = { "image/png", "PNG 图片", as_png, NULL, 1, 1 },
	[FT_PDF] = { "application/pdf", "PDF 文档", as_pdf, NULL, 0, 1 },
	[FT_OFD] = { "application/ofd", "OFD 版式文档", as_ofd, NULL, 0, 0 },
	[FT_DOC] = { "application/msword", "Word 文档（DOC）", as_doc,
	    seen_doc, 0, 0 },
	[FT_DOCX] = { "application/vnd.openxmlformats-officedocument."
	    "wordprocessingml.document", "Word 文档（DOCX）", as_docx, NULL,
	    0, 0 },
	[FT_XLS] = { "application/vnd.ms-excel", "Excel 表格（XLS）", as_xls,
	    seen_xls, 0, 0 },
	[FT_XLSX] = { "application/vnd.openxmlformats-officedocument."
	    "spreadsheetml.sheet", "Excel 表格（XLSX）", as_xlsx, NULL, 0, 0 },
	[FT_MP4] = { "video/mp4", "MP4 视频", as_mp4, NULL, 0, 0 },
	[FT_TEXT] = { "text/plain", "纯文本", as_text, seen_text, 0, 0 },
};

/* ------------------------------------------------------------------ */
/* libmagic, one handle for the process                               */
/* ------------------------------------------------------------------ */

static pthread_mutex_t	 magic_lock = PTHREAD_MUTEX_INITIALIZER;
static magic_t		 magic;

/*
 * The handle, opened on first use; NULL (logged) on failure.  The caller
 * holds magic_lock.
 */
static magic_t
magic_handle(void)
{
	magic_t	 m;
	size_t	 bytes = FILE_SNIFF;

	if (magic != NULL)
		return magic;
	if ((m = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR |
	    MAGIC_NO_CHECK_COMPRESS)) == NULL) {
		log_error("could not open libmagic");
		return NULL;
	}
	if (magic_load(m, NULL) == -1) {
		log_error("could not load the libmagic database: %s",
		    magic_error(m));
		magic_close(m);
		return NULL;
	}
	(void)magic_setparam(m, MAGIC_PARAM_BYTES_MAX, &bytes);
	return magic = m;
}

/*
 * libmagic's type of the `n` bytes at `p`, copied into `out` (`size`
 * bytes).  Returns 0, or -1 (logged).
 */
static int
magic_type(const void *p, size_t n, char *out, size_t size)
{
	magic_t		 m;
	const char	*mime = NULL;

	pthread_mutex_lock(&magic_lock);
	if ((m = magic_handle()) != NULL &&
	    (mime = magic_buffer(m, p, n)) == NULL)
		log_error("libmagic could not judge a file: %s",
		    magic_error(m));
	if (mime != NULL)
		snprintf(out, size, "%s", mime);
	pthread_mutex_unlock(&magic_lock);
	return mime != NULL ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* ZIP archives: OFD, DOCX, XLSX                                      */
/* ------------------------------------------------------------------ */

static unsigned
le16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

/*
 * What the ZIP archive whose first `n` bytes are at `p` holds, by the
 * names of the entries whose local headers lie in them: FT_OFD (an
 * OFD.xml), FT_DOCX (word/...), FT_XLSX (xl/...), or FT__MAX.
 */
static enum ftype
zip_kind(const unsigned char *p, size_t n)
{
	const unsigned char	*name;
	size_t			 i, len;

	for (i = 0; i + 30 <= n; i++) {
		if (p[i] != 'P' || p[i + 1] != 'K' || p[i + 2] != 3 ||
		    p[i + 3] != 4)
			continue;
		len = le16(p + i + 26);
		name = p + i + 30;
		if (i + 30 + len > n)
			break;
		if (len == 7 && memcmp(name, "OFD.xml", 7) == 0)
			return FT_OFD;
		if (len > 5 && memcmp(name, "word/", 5) == 0)
			return FT_DOCX;
		if (len > 3 && memcmp(name, "xl/", 3) == 0)
			return FT_XLSX;
	}
	return FT__MAX;
}

/* ------------------------------------------------------------------ */
/* Judging                                                            */
/* ------------------------------------------------------------------ */

/* The allowed type whose stored (or libmagic's) name is `mime`. */
enum ftype
filetype_of_mime(const char *mime)
{
	const char *const	*s;
	int			 i;

	for (i = 0; mime != NULL && i < FT__MAX; i++) {
		if (strcmp(mime, ftypes[i].mime) == 0)
			return (enum ftype)i;
		for (s = ftypes[i].seen; s != NULL && *s != NULL; s++)
			if (strcmp(mime, *s) == 0)
				return (enum ftype)i;
	}
	return FT__MAX;
}

/*
 * Whether the declared Content-Type `declared` (NULL: none) agrees with
 * content of type `t`.  Nothing declared, or only "some bytes"
 * (application/octet-stream), agrees with anything; parameters
 * (charset=...) and case are ignored.
 */
static int
declared_agrees(const char *declared, enum ftype t)
{
	const char *const	*a;
	char			 base[128];
	size_t			 n;

	if (declared == NULL)
		return 1;
	while (*declared == ' ' || *declared == '\t')
		declared++;
	n = strcspn(declared, "; \t");
	if (n == 0)
		return 1;
	if (n >= sizeof(base))
		return 0;
	memcpy(base, declared, n);
	base[n] = '\0';
	if (strcasecmp(base, "application/octet-stream") == 0 ||
	    strcasecmp(base, "binary/octet-stream") == 0)
		return 1;
	for (a = ftypes[t].declared; *a != NULL; a++)
		if (strcasecmp(base, *a) == 0)
			return 1;
	return 0;
}

/*
 * Judge a file by its first `n` bytes at `p` (the whole file when it is
 * shorter than FILE_SNIFF) and the Content-Type it was declared as
 * (`declared`, NULL: none).  Returns FJ_OK with *t set; FJ_REFUSED when
 * the content is of no allowed type, FJ_CONTRADICTED when it is but the
 * declared type says otherwise, FJ_FAILED when libmagic could not run
 * (logged).  What libmagic saw is copied into `seen` (`size` bytes)
 * for the error's detail.
 */
enum fjudge
filetype_judge(const void *p, size_t n, const char *declared, enum ftype *t,
    char *seen, size_t size)
{
	char		 mime[128];
	enum ftype	 k;

	*t = FT__MAX;
	if (size > 0)
		seen[0] = '\0';
	if (magic_type(p, n, mime, sizeof(mime)) == -1)
		return FJ_FAILED;
	if (size > 0)
		snprintf(seen, size, "%s", mime);
	k = filetype_of_mime(mime);
	if (k == FT__MAX && (strcmp(mime, "application/zip") == 0 ||
	    strcmp(mime, "application/octet-stream") == 0) &&
	    (k = zip_kind(p, n)) != FT__MAX && size > 0)
		snprintf(seen, size, "%s", ftypes[k].mime);
	if (k == FT__MAX)
		return FJ_REFUSED;
	*t = k;
	return declared_agrees(declared, k) ? FJ_OK : FJ_CONTRADICTED;
}
