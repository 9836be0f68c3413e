/*
 * images.c: what a photo says about itself, and its thumbnail.
 *
 *	image_exif		the capture time and GPS position from a
 *				JPEG's EXIF (libexif), from its first piece
 *	image_thumbnail		a JPEG of at most THUMB_PX a side (libvips),
 *				read piece by piece through a callback:
 *				never the whole image in memory
 *
 * libvips is started once per process, with its operation cache off,
 * one thread per operation and its untrusted loaders blocked: the
 * service only ever opens JPEG and PNG that libmagic judged so first.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libexif/exif-data.h>
#include <vips/vips.h>

#include "../base/base.h"
#include "../front/front.h"
#include "resources.h"

#define THUMB_PX	320		/* a thumbnail's longer side, at most */
#define THUMB_PIXELS	(100LL * 1000 * 1000)	/* larger: no thumbnail */
#define THUMB_QUALITY	80

/* ------------------------------------------------------------------ */
/* EXIF                                                               */
/* ------------------------------------------------------------------ */

/* The `i`th rational of `e` as a number, or NAN. */
static double
rational(ExifEntry *e, ExifByteOrder o, unsigned i)
{
	ExifRational	 r;

	if (e == NULL || e->format != EXIF_FORMAT_RATIONAL ||
	    e->components <= i || e->size < 8 * (i + 1))
		return NAN;
	r = exif_get_rational(e->data + 8 * i, o);
	return r.denominator == 0 ? NAN : (double)r.numerator / r.denominator;
}

/*
 * A GPS coordinate from its degrees-minutes-seconds entry and its
 * reference ("N"/"S", "E"/"W"), signed; NAN when either is missing or
 * out of `limit`.
 */
static double
coordinate(ExifContent *gps, ExifByteOrder o, ExifTag tag, ExifTag ref,
    char negative, double limit)
{
	ExifEntry	*e = exif_content_get_entry(gps, tag);
	ExifEntry	*r = exif_content_get_entry(gps, ref);
	double		 d, m, s, v;

	if (e == NULL || r == NULL || r->size < 1 || r->data == NULL)
		return NAN;
	d = rational(e, o, 0);
	m = rational(e, o, 1);
	s = rational(e, o, 2);
	if (isnan(d) || isnan(m) || isnan(s))
		return NAN;
	v = d + m / 60 + s / 3600;
	if (r->data[0] == (unsigned char)negative)
		v = -v;
	return fabs(v) <= limit ? v : NAN;
}

/* An ASCII entry's text into `out` (NUL-terminated); 0, or -1. */
static int
ascii(ExifContent *c, ExifTag tag, char *out, size_t size)
{
	ExifEntry	*e = exif_content_get_entry(c, tag);
	size_t		 n;

	if (e == NULL || e->format != EXIF_FORMAT_ASCII || e->data == NULL)
		return -1;
	n = strnlen((const char *)e->data, e->size);
	if (n == 0 || n >= size)
		return -1;
	memcpy(out, e->data, n);
	out[n] = '\0';
	return 0;
}

/*
 * The capture time as RFC 3339: EXIF's "YYYY:MM:DD HH:MM:SS" with the
 * offset EXIF 2.31 records beside it (OffsetTimeOriginal), or China
 * Standard Time where the camera recorded none -- these are photos of
 * Chinese enterprises, taken by officers in China.  Written into `out`;
 * 0, or -1 when there is no plausible time.
 */
static int
taken_at(ExifData *ed, char *out, size_t size)
{
	char		 t[32], off[16];
	int		 y, mo, d, h, mi, s;

	if (ascii(ed->ifd[EXIF_IFD_EXIF], EXIF_TAG_DATE_TIME_ORIGINAL, t,
	    sizeof(t)) == -1 || sscanf(t, "%4d:%2d:%2d %2d:%2d:%2d", &y, &mo, &d,
	    &h, &mi, &s) != 6 || y < 1990 || y > 2099 || mo < 1 || mo > 12 ||
	    d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 || h < 0 ||
	    mi < 0 || s < 0)
		return -1;
	if (ascii(ed->ifd[EXIF_IFD_EXIF], EXIF_TAG_OFFSET_TIME_ORIGINAL, off,
	    sizeof(off)) == -1 || strlen(off) != 6 ||
	    (off[0] != '+' && off[0] != '-') || off[3] != ':' ||
	    strspn(off + 1, "0123456789:") != 5)
		snprintf(off, sizeof(off), "+08:00");
	snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d%s", y, mo, d, h, mi,
	    s > 59 ? 59 : s, off);
	return 0;
}

/*
 * The facts a JPEG's EXIF gives, from its first `n` bytes at `p` (the
 * EXIF segment lies at the start): {"taken_at", "lat", "lon"} with the
 * members it has.  Returns a new reference, or NULL when it has none of
 * them (or no EXIF at all).
 */
json_t *
image_exif(const void *p, size_t n)
{
	ExifData	*ed;
	ExifByteOrder	 o;
	json_t		*facts = NULL;
	char		 at[40];
	double		 lat, lon;

	if (n > UINT32_MAX ||
	    (ed = exif_data_new_from_data(p, (unsigned int)n)) == NULL)
		return NULL;
	o = exif_data_get_byte_order(ed);
	if ((facts = json_object()) == NULL)
		goto out;
	if (taken_at(ed, at, sizeof(at)) == 0)
		json_object_set_new(facts, "taken_at", json_string(at));
	lat = coordinate(ed->ifd[EXIF_IFD_GPS], o, EXIF_TAG_GPS_LATITUDE,
	    EXIF_TAG_GPS_LATITUDE_REF, 'S', 90);
	lon = coordinate(ed->ifd[EXIF_IFD_GPS], o, EXIF_TAG_GPS_LONGITUDE,
	    EXIF_TAG_GPS_LONGITUDE_REF, 'W', 180);
	if (!isnan(lat) && !isnan(lon)) {
		json_object_set_new(facts, "lat", json_real(round(lat * 1e6) /
		    1e6));
		json_object_set_new(facts, "lon", json_real(round(lon * 1e6) /
		    1e6));
	}
	if (json_object_size(facts) == 0) {
		json_decref(facts);
		facts = NULL;
	}
out:
	exif_data_unref(ed);
	return facts;
}

/* ------------------------------------------------------------------ */
/* Thumbnails                                                         */
/* ------------------------------------------------------------------ */

static pthread_once_t	 vips_once = PTHREAD_ONCE_INIT;
static int		 vips_ok;

static void
vips_start(void)
{
	if (VIPS_INIT("paicha") != 0) {
		log_error("could not start libvips: %s", vips_error_buffer());
		vips_error_clear();
		return;
	}
	vips_concurrency_set(1);
	vips_cache_set_max(0);
	vips_block_untrusted_set(TRUE);
	vips_ok = 1;
}

/* A blob read through its pieces, for libvips. */
struct cursor {
	const struct piece_reader *pr;
	long long	 pos;
	int		 have;		/* piece number held, -1 none */
	const char	*data;
	size_t		 len;
	int		 failed;
};

/* libvips's "read": up to `length` bytes at the cursor; 0 at the end. */
static gint64
cursor_read(VipsSourceCustom *src, void *buf, gint64 length, void *arg)
{
	struct cursor	*c = arg;
	size_t		 off, n;
	int		 want;

	(void)src;
	if (c->failed || length <= 0 || c->pos >= c->pr->size)
		return c->failed ? -1 : 0;
	want = (int)(c->pos / (long long)c->pr->chunk);
	if (want != c->have) {
		if (c->pr->fetch(c->pr->arg, want, &c->data, &c->len) == -1) {
			c->failed = 1;
			c->have = -1;
			return -1;
		}
		c->have = want;
	}
	off = (size_t)(c->pos - (long long)want * (long long)c->pr->chunk);
	if (off >= c->len) {
		c->failed = 1;
		return -1;
	}
	n = c->len - off;
	if ((gint64)n > length)
		n = (size_t)length;
	memcpy(buf, c->data + off, n);
	c->pos += (long long)n;
	return (gint64)n;
}

/* libvips's "seek": the new position, or -1. */
static gint64
cursor_seek(VipsSourceCustom *src, gint64 offset, int whence, void *arg)
{
	struct cursor	*c = arg;
	long long	 to;

	(void)src;
	switch (whence) {
	case SEEK_SET:
		to = offset;
		break;
	case SEEK_CUR:
		to = c->pos + offset;
		break;
	case SEEK_END:
		to = c->pr->size + offset;
		break;
	default:
		return -1;
	}
	if (to < 0 || to > c->pr->size)
		return -1;
	c->pos = to;
	return to;
}

/*
 * A JPEG thumbnail, at most THUMB_PX on its longer side (never
 * enlarged; turned upright by the EXIF orientation), of the image read
 * through `pr`.  Returns 0 with *jpeg (malloc'd) and *len, or -1 (logged:
 * not an image libvips can read, too large, or a piece could not be
 * read) with nothing allocated.
 */
int
image_thumbnail(const struct piece_reader *pr, unsigned char **jpeg,
    size_t *len)
{
	struct cursor		 c = { pr, 0, -1, NULL, 0, 0 };
	VipsSourceCustom	*src = NULL;
	VipsImage		*head = NULL, *out = NULL;
	void			*buf = NULL;
	size_t			 n = 0;
	int			 rc = -1;

	*jpeg = NULL;
	*len = 0;
	pthread_once(&vips_once, vips_start);
	if (!vips_ok)
		return -1;
	if ((src = vips_source_custom_new()) == NULL)
		goto out;
	g_signal_connect(src, "read", G_CALLBACK(cursor_read), &c);
	g_signal_connect(src, "seek", G_CALLBACK(cursor_seek), &c);
	if ((head = vips_image_new_from_source(VIPS_SOURCE(src), "",
	    "access", VIPS_ACCESS_SEQUENTIAL, NULL)) == NULL)
		goto out;
	if ((long long)vips_image_get_width(head) *
	    vips_image_get_height(head) > THUMB_PIXELS) {
		log_warn("no thumbnail: %dx%d pixels is more than %lld",
		    vips_image_get_width(head), vips_image_get_height(head),
		    THUMB_PIXELS);
		goto done;
	}
	if (vips_thumbnail_source(VIPS_SOURCE(src), &out, THUMB_PX,
	    "height", THUMB_PX, "size", VIPS_SIZE_DOWN, NULL) != 0 ||
	    vips_jpegsave_buffer(out, &buf, &n, "Q", THUMB_QUALITY,
	    "strip", TRUE, NULL) != 0)
		goto out;
	if (n == 0 || (*jpeg = malloc(n)) == NULL)
		goto done;
	memcpy(*jpeg, buf, n);
	*len = n;
	rc = 0;
	goto done;
out:
	log_warn("no thumbnail: %s", c.failed ? "a piece could not be read" :
	    vips_error_buffer());
done:
	vips_error_clear();
	g_free(buf);
	if (out != NULL)
		g_object_unref(out);
	if (head != NULL)
		g_object_unref(head);
	if (src != NULL)
		g_object_unref(src);
	return rc;
}
