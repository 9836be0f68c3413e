/*
 * fuzz-if-match.c: the If-Match header (req_if_match).
 *
 * Properties: an absent or empty header is 0; a version comes back only
 * from "N" or N -- N of 1 to 9 digits without a leading zero, quotes in
 * pairs -- and it is N; anything else is -1.  Checked against a reading
 * of the header written here, without request.c.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static int
expected(const char *h)
{
	size_t	 n = strlen(h), i;
	int	 v = 0;

	if (n == 0)
		return 0;
	if (n >= 2 && h[0] == '"' && h[n - 1] == '"') {
		h++;
		n -= 2;
	}
	if (n == 0 || n > 9 || h[0] == '0')
		return -1;
	for (i = 0; i < n; i++) {
		if (h[i] < '0' || h[i] > '9')
			return -1;
		v = v * 10 + (h[i] - '0');
	}
	return v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_req	 f;
	char		*h;
	int		 got, want;

	if ((h = strndup((const char *)data, size)) == NULL)
		return 0;
	fuzz_req_init(&f, NULL, 0);
	if (size > 0 && data[0] == 0) {
		/* No header at all. */
		if (req_if_match(&f.r) != 0)
			fuzz_fail("no If-Match is not 0");
	} else {
		fuzz_req_env(&f, "HTTP_IF_MATCH", h, strlen(h));
		got = req_if_match(&f.r);
		want = expected(h);
		if (got != want)
			fuzz_fail("If-Match \"%s\": %d, want %d", h, got, want);
	}
	fuzz_req_free(&f);
	free(h);
	return 0;
}
