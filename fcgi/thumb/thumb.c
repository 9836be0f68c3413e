/*
 * paicha-thumb: the thumbnail of one image, made apart from the service.
 *
 *	paicha-thumb < image > thumbnail.jpg
 *
 * Reads a JPEG or PNG (libmagic judged it so already; at most MAX_IN
 * bytes) on standard input and writes a JPEG of at most THUMB_PX a side
 * on standard output, turned upright by its EXIF orientation.  Exit 0;
 * 1 when it is no image libvips can read; 2 when it is larger than
 * MAX_IN bytes or THUMB_PIXELS pixels; 3 on any other failure.
 *
 * Why a process of its own: decoding images is the riskiest parsing the
 * service does, of bytes anyone with an officer's login sends.  Here a
 * decoder's crash, a decompression bomb or a runaway loop costs one
 * thumbnail (the upload keeps its file), under CPU, memory and file
 * limits, without the worker's database connections or its threads --
 * and the worker does not carry libvips and its libraries at all.
 */
#include <sys/resource.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vips/vips.h>
#include <vips/vector.h>

#define MAX_IN		(50 * 1024 * 1024 + 1)
#define THUMB_PX	320
#define THUMB_PIXELS	(100LL * 1000 * 1000)
#define THUMB_QUALITY	80
#define CPU_SECONDS	20
#define MEMORY		(1024L * 1024 * 1024)	/* address space */

#if defined(__SANITIZE_ADDRESS__)
#define ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN	1
#endif
#endif

/* No more CPU, memory or file output than one thumbnail needs. */
static void
limits(void)
{
	struct rlimit	 cpu = { CPU_SECONDS, CPU_SECONDS + 1 };
	struct rlimit	 none = { 0, 0 };

	(void)setrlimit(RLIMIT_CPU, &cpu);
	(void)setrlimit(RLIMIT_FSIZE, &none);
	(void)setrlimit(RLIMIT_CORE, &none);
#ifndef ASAN
	{
		/* ASan reserves terabytes of shadow: only without it. */
		struct rlimit	 as = { MEMORY, MEMORY };

		(void)setrlimit(RLIMIT_AS, &as);
	}
#endif
}

/* Standard input, whole (at most `max` bytes) into *buf.  -1: too big. */
static ssize_t
slurp(char **buf, size_t max)
{
	size_t	 len = 0, cap = 1 << 20;
	ssize_t	 n;
	char	*p = malloc(cap), *q;

	if (p == NULL)
		return -2;
	for (;;) {
		if (len == cap) {
			cap *= 2;
			if ((q = realloc(p, cap)) == NULL) {
				free(p);
				return -2;
			}
			p = q;
		}
		n = read(0, p + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len > max) {
			free(p);
			return -1;
		}
	}
	*buf = p;
	return (ssize_t)len;
}

/* All of `len` bytes at `p` to standard output: 0, or -1. */
static int
spill(const char *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(1, p, len)) == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	VipsImage	*head = NULL, *out = NULL;
	char		*in = NULL;
	void		*jpeg = NULL;
	size_t		 jlen = 0;
	ssize_t		 len;
	int		 rc = 3;

	(void)argc;
	limits();
	if ((len = slurp(&in, MAX_IN - 1)) < 0)
		return len == -1 ? 2 : 3;
	if (VIPS_INIT(argv[0]) != 0)
		goto out;
	vips_concurrency_set(1);
	vips_cache_set_max(0);
	vips_block_untrusted_set(TRUE);
	/* No run-time code generation (liborc writes and maps executable
	 * files): the plain C paths are fast enough for one thumbnail. */
	vips_vector_set_enabled(FALSE);
	rc = 1;
	if ((head = vips_image_new_from_buffer(in, (size_t)len, "",
	    "access", VIPS_ACCESS_SEQUENTIAL, NULL)) == NULL)
		goto out;
	if ((long long)vips_image_get_width(head) *
	    vips_image_get_height(head) > THUMB_PIXELS) {
		rc = 2;
		goto out;
	}
	if (vips_thumbnail_buffer(in, (size_t)len, &out, THUMB_PX,
	    "height", THUMB_PX, "size", VIPS_SIZE_DOWN, NULL) != 0 ||
	    vips_jpegsave_buffer(out, &jpeg, &jlen, "Q", THUMB_QUALITY,
	    "strip", TRUE, NULL) != 0)
		goto out;
	rc = spill(jpeg, jlen) == 0 ? 0 : 3;
out:
	/* The worker logs the exit status; libvips's words stay here. */
	vips_error_clear();
	g_free(jpeg);
	if (out != NULL)
		g_object_unref(out);
	if (head != NULL)
		g_object_unref(head);
	free(in);
	vips_shutdown();
	return rc;
}
