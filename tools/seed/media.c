/*
 * media.c: the demo cases' evidence, made here -- nothing downloaded.
 *
 *	media_photo	a JPEG "taken on site": a gradient, a few shapes
 *			and a caption drawn by libvips, with the EXIF a
 *			phone would write (capture time with its offset,
 *			GPS position), built with libexif
 *	media_pdf	a one-page PDF document with a title and lines of
 *			Chinese text (the non-embedded STSong-Light CID
 *			font every PDF reader substitutes)
 *
 * Both are deterministic: the same arguments give the same bytes.
 */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libexif/exif-data.h>
#include <vips/vips.h>

#include "seed.h"

#define PHOTO_W		1280
#define PHOTO_H		960

static pthread_once_t	 once = PTHREAD_ONCE_INIT;
static int		 vips_ready;

static void
start(void)
{
	if (VIPS_INIT("paicha-seed") != 0)
		return;
	vips_concurrency_set(1);
	vips_cache_set_max(0);
	vips_ready = 1;
}

/* ------------------------------------------------------------------ */
/* EXIF                                                               */
/* ------------------------------------------------------------------ */

/* Add an entry of `n` values of `fmt` (their bytes at `v`) to `ifd`. */
static void
put_entry(ExifData *ed, ExifIfd ifd, ExifTag tag, ExifFormat fmt,
    unsigned long n, const void *v)
{
	ExifMem		*mem = exif_mem_new_default();
	ExifEntry	*e = exif_entry_new_mem(mem);
	size_t		 size = exif_format_get_size(fmt) * n;

	e->data = exif_mem_alloc(mem, (ExifLong)size);
	memcpy(e->data, v, size);
	e->size = (unsigned int)size;
	e->tag = tag;
	e->format = fmt;
	e->components = n;
	exif_content_add_entry(ed->ifd[ifd], e);
	exif_entry_unref(e);
	exif_mem_unref(mem);
}

/* Degrees as EXIF's three rationals: degrees, minutes, 1/100 seconds. */
static void
dms(double deg, ExifByteOrder o, unsigned char out[24])
{
	ExifRational	 r[3];
	double		 a = fabs(deg), m;
	int		 i;

	r[0].numerator = (ExifLong)a;
	r[0].denominator = 1;
	m = (a - floor(a)) * 60;
	r[1].numerator = (ExifLong)m;
	r[1].denominator = 1;
	r[2].numerator = (ExifLong)llround((m - floor(m)) * 60 * 100);
	r[2].denominator = 100;
	for (i = 0; i < 3; i++)
		exif_set_rational(out + 8 * i, o, r[i]);
}

/*
 * The APP1 segment of a photo taken at `taken` (Unix seconds) in China
 * Standard Time at (lat, lon): malloc'd into *seg, *len bytes.
 */
static int
exif_segment(time_t taken, double lat, double lon, unsigned char **seg,
    size_t *len)
{
	static const unsigned char version[4] = { 2, 2, 0, 0 };
	ExifByteOrder	 o = EXIF_BYTE_ORDER_INTEL;
	ExifData	*ed;
	unsigned char	*d = NULL, pos[24];
	unsigned int	 n = 0;
	char		 at[20];
	struct tm	 tm;
	time_t		 cst = taken + 8 * 3600;

	if ((ed = exif_data_new()) == NULL)
		return -1;
	exif_data_set_byte_order(ed, o);
	gmtime_r(&cst, &tm);
	strftime(at, sizeof(at), "%Y:%m:%d %H:%M:%S", &tm);
	put_entry(ed, EXIF_IFD_0, EXIF_TAG_MAKE, EXIF_FORMAT_ASCII, 7,
	    "paicha");
	put_entry(ed, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL,
	    EXIF_FORMAT_ASCII, 20, at);
	put_entry(ed, EXIF_IFD_EXIF, EXIF_TAG_OFFSET_TIME_ORIGINAL,
	    EXIF_FORMAT_ASCII, 7, "+08:00");
	put_entry(ed, EXIF_IFD_GPS, 0x0000, EXIF_FORMAT_BYTE, 4, version);
	put_entry(ed, EXIF_IFD_GPS, EXIF_TAG_GPS_LATITUDE_REF,
	    EXIF_FORMAT_ASCII, 2, lat < 0 ? "S" : "N");
	dms(lat, o, pos);
	put_entry(ed, EXIF_IFD_GPS, EXIF_TAG_GPS_LATITUDE, EXIF_FORMAT_RATIONAL,
	    3, pos);
	put_entry(ed, EXIF_IFD_GPS, EXIF_TAG_GPS_LONGITUDE_REF,
	    EXIF_FORMAT_ASCII, 2, lon < 0 ? "W" : "E");
	dms(lon, o, pos);
	put_entry(ed, EXIF_IFD_GPS, EXIF_TAG_GPS_LONGITUDE,
	    EXIF_FORMAT_RATIONAL, 3, pos);
	exif_data_save_data(ed, &d, &n);
	exif_data_unref(ed);
	if (d == NULL || n == 0 || n + 2 > 0xffff) {
		free(d);
		return -1;
	}
	if ((*seg = malloc(n + 4)) == NULL) {
		free(d);
		return -1;
	}
	(*seg)[0] = 0xff;
	(*seg)[1] = 0xe1;
	(*seg)[2] = (unsigned char)((n + 2) >> 8);
	(*seg)[3] = (unsigned char)((n + 2) & 0xff);
	memcpy(*seg + 4, d, n);
	*len = n + 4;
	free(d);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The picture                                                        */
/* ------------------------------------------------------------------ */

/*
 * A picture for demo photo `k` with `caption`, as a JPEG without
 * metadata (g_malloc'd into *jpeg).  Returns 0, or -1.
 */
static int
picture(uint64_t k, const char *caption, void **jpeg, size_t *len)
{
	VipsImage	*t[12] = { NULL };
	VipsImage	*img = NULL;
	double		 ink[3];
	int		 i, rc = -1, x, y;

	/* A gradient whose colours depend on k. */
	if (vips_xyz(&t[0], PHOTO_W, PHOTO_H, NULL) ||
	    vips_extract_band(t[0], &t[1], 0, NULL) ||
	    vips_extract_band(t[0], &t[2], 1, NULL) ||
	    vips_linear1(t[1], &t[3], 90.0 / PHOTO_W, (double)(50 + k * 37 % 50),
	    NULL) ||
	    vips_linear1(t[2], &t[4], 70.0 / PHOTO_H, (double)(70 + k * 53 % 50),
	    NULL) ||
	    vips_linear1(t[1], &t[5], -50.0 / PHOTO_W, (double)(120 + k * 29 % 60),
	    NULL) ||
	    vips_bandjoin2(t[3], t[4], &t[11], NULL) ||
	    vips_bandjoin2(t[11], t[5], &t[6], NULL) ||
	    vips_gaussnoise(&t[7], PHOTO_W, PHOTO_H, "sigma", 6.0, "mean", 0.0,
	    "seed", (int)(k % 100000), NULL) ||
	    vips_add(t[6], t[7], &t[8], NULL) ||
	    vips_cast_uchar(t[8], &t[9], NULL) ||
	    vips_copy_file(t[9], &img, NULL))
		goto out;
	/* A few "objects" on site: crates and drums. */
	for (i = 0; i < 5; i++) {
		ink[0] = (double)((k * 31 + (uint64_t)i * 71) % 200);
		ink[1] = (double)((k * 17 + (uint64_t)i * 43) % 160);
		ink[2] = (double)((k * 13 + (uint64_t)i * 97) % 120);
		x = (int)((k * 131 + (uint64_t)i * 233) % (PHOTO_W - 260));
		y = (int)((k * 71 + (uint64_t)i * 157) % (PHOTO_H - 420)) + 80;
		if (vips_draw_rect(img, ink, 3, x, y, 160 + i * 20,
		    120 + i * 25, "fill", TRUE, NULL))
			goto out;
	}
	/* The caption, white on a dark band; without it where there is no
	 * font (the photo is still a photo). */
	ink[0] = ink[1] = ink[2] = 20;
	if (vips_draw_rect(img, ink, 3, 0, PHOTO_H - 120, PHOTO_W, 120,
	    "fill", TRUE, NULL))
		goto out;
	if (vips_text(&t[10], caption, "font", "Noto Sans CJK SC 28",
	    "dpi", 96, "width", PHOTO_W - 80, NULL) == 0) {
		ink[0] = ink[1] = ink[2] = 240;
		if (vips_draw_mask(img, ink, 3, t[10], 40, PHOTO_H - 100, NULL))
			goto out;
	} else
		vips_error_clear();
	if (vips_jpegsave_buffer(img, jpeg, len, "Q", 82, "strip", TRUE, NULL))
		goto out;
	rc = 0;
out:
	if (rc == -1)
		note("photo %llu: %s", (unsigned long long)k,
		    vips_error_buffer());
	vips_error_clear();
	for (i = 0; i < 12; i++)
		if (t[i] != NULL)
			g_object_unref(t[i]);
	if (img != NULL)
		g_object_unref(img);
	return rc;
}

/*
 * Demo photo `k`: a JPEG with `caption` drawn in, taken at `taken` (Unix
 * seconds) at (lat, lon), its EXIF saying so.  Returns 0 with *out
 * (malloc'd) and *len, or -1.
 */
int
media_photo(uint64_t k, const char *caption, time_t taken, double lat,
    double lon, unsigned char **out, size_t *len)
{
	void		*jpeg = NULL;
	unsigned char	*seg = NULL;
	size_t		 jlen = 0, slen = 0;
	int		 rc = -1;

	*out = NULL;
	*len = 0;
	pthread_once(&once, start);
	if (!vips_ready || picture(k, caption, &jpeg, &jlen) == -1 ||
	    jlen < 4 || exif_segment(taken, lat, lon, &seg, &slen) == -1)
		goto out;
	/* SOI, then the EXIF segment, then the rest as libvips wrote it. */
	if ((*out = malloc(jlen + slen)) == NULL)
		goto out;
	memcpy(*out, jpeg, 2);
	memcpy(*out + 2, seg, slen);
	memcpy(*out + 2 + slen, (unsigned char *)jpeg + 2, jlen - 2);
	*len = jlen + slen;
	rc = 0;
out:
	g_free(jpeg);
	free(seg);
	return rc;
}

/* ------------------------------------------------------------------ */
/* PDF                                                                */
/* ------------------------------------------------------------------ */

struct buf {
	char	*p;
	size_t	 len, cap;
};

static void
put(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		if ((b->p = realloc(b->p, b->cap)) == NULL)
			fatal("out of memory");
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
putf(struct buf *b, const char *fmt, ...)
{
	char	 s[512];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(s, sizeof(s), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(s))
		fatal("pdf: a line is too long");
	put(b, s, (size_t)n);
}

/* UTF-8 `s` as a PDF hex string of UCS-2 big-endian code units. */
static void
put_ucs2(struct buf *b, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	unsigned long		 c;
	int			 n, i;

	put(b, "<", 1);
	while (*p != '\0') {
		c = *p;
		n = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
		c &= n == 3 ? 0x07 : n == 2 ? 0x0f : n == 1 ? 0x1f : 0x7f;
		for (i = 1; i <= n && p[i] != '\0'; i++)
			c = c << 6 | (p[i] & 0x3f);
		p += i;
		if (c > 0xffff)
			c = 0x3000;
		putf(b, "%04lX", c);
	}
	put(b, ">", 1);
}

/*
 * A one-page A4 PDF: `title` and `n` `lines` (UTF-8).  Returns 0 with
 * *out (malloc'd) and *len.
 */
int
media_pdf(const char *title, const char *const *lines, size_t n,
    char **out, size_t *len)
{
	struct buf	 b = { NULL, 0, 0 }, c = { NULL, 0, 0 };
	size_t		 off[8], i, xref;

	put(&c, "BT /F1 20 Tf 72 760 Td ", 23);
	put_ucs2(&c, title);
	put(&c, " Tj /F1 12 Tf 0 -36 Td 18 TL\n", 29);
	for (i = 0; i < n; i++) {
		put_ucs2(&c, lines[i]);
		put(&c, " Tj T*\n", 7);
	}
	put(&c, "ET\n", 3);

	put(&b, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", 15);
	off[1] = b.len;
	putf(&b, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
	off[2] = b.len;
	putf(&b, "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\n"
	    "endobj\n");
	off[3] = b.len;
	putf(&b, "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 "
	    "842] /Resources << /Font << /F1 4 0 R >> >> /Contents 6 0 R >>\n"
	    "endobj\n");
	off[4] = b.len;
	putf(&b, "4 0 obj\n<< /Type /Font /Subtype /Type0 /BaseFont "
	    "/STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [5 0 R] "
	    ">>\nendobj\n");
	off[5] = b.len;
	putf(&b, "5 0 obj\n<< /Type /Font /Subtype /CIDFontType0 /BaseFont "
	    "/STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering "
	    "(GB1) /Supplement 2 >> /FontDescriptor 7 0 R >>\nendobj\n");
	off[6] = b.len;
	putf(&b, "6 0 obj\n<< /Length %zu >>\nstream\n", c.len);
	put(&b, c.p, c.len);
	putf(&b, "endstream\nendobj\n");
	off[7] = b.len;
	putf(&b, "7 0 obj\n<< /Type /FontDescriptor /FontName /STSong-Light "
	    "/Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent "
	    "880 /Descent -120 /CapHeight 880 /StemV 93 >>\nendobj\n");
	xref = b.len;
	putf(&b, "xref\n0 8\n0000000000 65535 f \n");
	for (i = 1; i < 8; i++)
		putf(&b, "%010zu 00000 n \n", off[i]);
	putf(&b, "trailer\n<< /Size 8 /Root 1 0 R >>\nstartxref\n%zu\n"
	    "%%%%EOF\n", xref);
	free(c.p);
	*out = b.p;
	*len = b.len;
	return 0;
}
