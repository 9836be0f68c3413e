/*
 * images.c: what a photo says about itself, and its thumbnail.
 *
 *	image_exif		the capture time and GPS position from a
 *				JPEG's EXIF (libexif), from its first piece
 *	image_thumbnail		a JPEG of at most 320 px a side, made by
 *				paicha-thumb (libvips) in a process of its
 *				own, under CPU and memory limits: fed the
 *				image a piece at a time, it answers the
 *				thumbnail.  The worker never decodes an image.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libexif/exif-data.h>

#include "../base/base.h"
#include "../front/front.h"
#include "resources.h"

#define THUMB_MAX	(1024 * 1024)	/* a thumbnail's bytes, at most */
#define THUMB_WAIT	30000		/* ms the helper may take */

extern char **environ;

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
/* Thumbnails: made by paicha-thumb, a process of its own             */
/* ------------------------------------------------------------------ */

/*
 * The helper's path: cfg.thumbnailer, else paicha-thumb beside this
 * binary.  Written into `out`; 0, or -1.
 */
static int
helper_path(char *out, size_t size)
{
	ssize_t	 n;
	char	*slash;

	if (cfg.thumbnailer != NULL)
		return snprintf(out, size, "%s", cfg.thumbnailer) < (int)size ?
		    0 : -1;
	if ((n = readlink("/proc/self/exe", out, size - 1)) <= 0 ||
	    (size_t)n >= size - 1)
		return -1;
	out[n] = '\0';
	if ((slash = strrchr(out, '/')) == NULL ||
	    (size_t)(slash - out) + sizeof("/paicha-thumb") > size)
		return -1;
	memcpy(slash, "/paicha-thumb", sizeof("/paicha-thumb"));
	return 0;
}

/* Milliseconds on the monotonic clock. */
static long long
ms_now(void)
{
	struct timespec	 t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/*
 * Feed the image read through `pr` to the helper's input `in` and
 * collect its output from `out`, both non-blocking, until the output
 * ends, THUMB_MAX bytes came or THUMB_WAIT ms passed.  Returns 0 with
 * *jpeg (malloc'd) and *len, or -1 (*reason says why).
 */
static int
converse(const struct piece_reader *pr, int in, int out, unsigned char **jpeg,
    size_t *len, const char **reason)
{
	struct pollfd	 pf[2];
	const char	*piece = NULL;
	size_t		 plen = 0, poff = 0, cap = 65536;
	long long	 deadline = ms_now() + THUMB_WAIT, left;
	ssize_t		 n;
	int		 next = 0, npieces, rc;
	unsigned char	*buf = NULL, *b;

	npieces = (int)((pr->size + (long long)pr->chunk - 1) /
	    (long long)pr->chunk);
	if ((buf = malloc(cap)) == NULL) {
		*reason = "out of memory";
		return -1;
	}
	*len = 0;
	for (;;) {
		/* The next piece to send, when the last one is gone. */
		if (in != -1 && poff == plen) {
			if (next == npieces) {
				close(in);
				in = -1;
			} else if (pr->fetch(pr->arg, next++, &piece,
			    &plen) == -1) {
				*reason = "a piece could not be read";
				goto fail;
			} else
				poff = 0;
		}
		pf[0].fd = in;
		pf[0].events = POLLOUT;
		pf[1].fd = out;
		pf[1].events = POLLIN;
		if ((left = deadline - ms_now()) <= 0) {
			*reason = "it took too long";
			goto fail;
		}
		if ((rc = poll(pf, 2, (int)left)) == -1 && errno == EINTR)
			continue;
		if (rc <= 0) {
			*reason = rc == 0 ? "it took too long" : "poll failed";
			goto fail;
		}
		if (in != -1 && (pf[0].revents & (POLLOUT | POLLERR | POLLHUP))) {
			n = write(in, piece + poff, plen - poff);
			if (n > 0)
				poff += (size_t)n;
			else if (n == -1 && errno != EAGAIN && errno != EINTR) {
				/* It stopped reading: it has said enough. */
				close(in);
				in = -1;
			}
		}
		if (pf[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (*len == cap) {
				if (cap >= THUMB_MAX) {
					*reason = "its output is too large";
					goto fail;
				}
				cap *= 2;
				if ((b = realloc(buf, cap)) == NULL) {
					*reason = "out of memory";
					goto fail;
				}
				buf = b;
			}
			n = read(out, buf + *len, cap - *len);
			if (n == 0)
				break;
			if (n > 0)
				*len += (size_t)n;
			else if (errno != EAGAIN && errno != EINTR) {
				*reason = "its output could not be read";
				goto fail;
			}
		}
	}
	if (in != -1)
		close(in);
	*jpeg = buf;
	return 0;
fail:
	if (in != -1)
		close(in);
	free(buf);
	*len = 0;
	return -1;
}

/*
 * A JPEG thumbnail, at most 320 px on its longer side (never enlarged;
 * turned upright by its EXIF orientation), of the image read through
 * `pr`, made by paicha-thumb (../thumb/thumb.c) in a process of its
 * own, fed the pieces as they are read.  Returns 0 with *jpeg
 * (malloc'd) and *len; or -1 (logged: the helper refused or failed, or
 * a piece could not be read -- then the request's failure is recorded
 * by `pr`'s reader) with nothing allocated.
 */
int
image_thumbnail(const struct piece_reader *pr, unsigned char **jpeg,
    size_t *len)
{
	posix_spawn_file_actions_t	 fa;
	char				 path[4096];
	char				*argv[2] = { "paicha-thumb", NULL };
	const char			*reason = NULL;
	int				 to[2] = { -1, -1 }, from[2] = { -1, -1 };
	int				 st = 0, rc = -1, fa_ok = 0;
	pid_t				 pid = -1;

	*jpeg = NULL;
	*len = 0;
	if (helper_path(path, sizeof(path)) == -1) {
		log_error("no thumbnail: cannot find paicha-thumb");
		return -1;
	}
	if (pipe2(to, O_CLOEXEC) == -1 || pipe2(from, O_CLOEXEC) == -1 ||
	    posix_spawn_file_actions_init(&fa) != 0) {
		log_error("no thumbnail: %s", strerror(errno));
		goto out;
	}
	fa_ok = 1;
	if (posix_spawn_file_actions_adddup2(&fa, to[0], 0) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, from[1], 1) != 0 ||
	    posix_spawn(&pid, path, &fa, NULL, argv, environ) != 0) {
		log_error("no thumbnail: could not start %s", path);
		pid = -1;
		goto out;
	}
	close(to[0]);
	close(from[1]);
	to[0] = from[1] = -1;
	(void)fcntl(to[1], F_SETFL, O_NONBLOCK);
	(void)fcntl(from[0], F_SETFL, O_NONBLOCK);
	rc = converse(pr, to[1], from[0], jpeg, len, &reason);
	to[1] = -1;		/* closed by converse */
out:
	if (pid > 0) {
		if (rc == -1)
			(void)kill(pid, SIGKILL);
		while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
			continue;
		if (rc == 0 && (!WIFEXITED(st) || WEXITSTATUS(st) != 0 ||
		    *len == 0)) {
			reason = !WIFEXITED(st) ? "it was killed" :
			    WEXITSTATUS(st) == 1 ? "not an image it can read" :
			    WEXITSTATUS(st) == 2 ? "too large" : "it failed";
			free(*jpeg);
			*jpeg = NULL;
			*len = 0;
			rc = -1;
		}
	}
	if (rc == -1 && reason != NULL)
		log_warn("no thumbnail: %s", reason);
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	if (to[0] != -1)
		close(to[0]);
	if (to[1] != -1)
		close(to[1]);
	if (from[0] != -1)
		close(from[0]);
	if (from[1] != -1)
		close(from[1]);
	return rc;
}
