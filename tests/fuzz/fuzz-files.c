/*
 * fuzz-files.c: what an evidence file's request says about it -- its
 * name (file_name_check), the name going back out (file_disposition)
 * and the Range header (range_parse).
 *
 * Input: two bytes for the file's size, then one string, used both as
 * the name and as the Range header.
 *
 * Properties: an accepted name is 1 to 255 bytes of UTF-8 without a
 * path separator or a control character and is not "." or ".."; its
 * Content-Disposition fits, holds only RFC 8187 attr-chars and %XX,
 * and decodes back to the name; a range is inside the file, an
 * unsatisfiable one only for a bytes= range.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"

static int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ?
	    c - 'A' + 10 : -1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char prefix[] = "attachment; filename*=UTF-8''";
	char		*s, out[1024], back[1024];
	const char	*p;
	long long	 fsize, from = -1, to = -1;
	size_t		 n, i, k;
	enum range	 rg;

	if (size < 2)
		return 0;
	fsize = 1 + ((long long)data[0] << 8 | data[1]) * 37;
	n = size - 2;
	if ((s = malloc(n + 1)) == NULL)
		return 0;
	memcpy(s, data + 2, n);
	s[n] = '\0';
	n = strlen(s);

	if (file_name_check(s) == NULL) {
		if (n == 0 || n > FILE_NAME_MAX || !utf8_valid(s, n) ||
		    strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
			fuzz_fail("accepted a bad name");
		for (i = 0; i < n; i++)
			if (s[i] == '/' || s[i] == '\\' ||
			    (unsigned char)s[i] < 0x20 || s[i] == 0x7f)
				fuzz_fail("accepted byte %02x in a name",
				    (unsigned char)s[i]);
		if (file_disposition(out, sizeof(out), "attachment", s) == -1)
			fuzz_fail("an accepted name does not fit");
		if (strncmp(out, prefix, sizeof(prefix) - 1) != 0)
			fuzz_fail("disposition %s", out);
		for (p = out + sizeof(prefix) - 1, k = 0; *p != '\0'; k++) {
			if (*p == '%') {
				if (hexval(p[1]) < 0 || hexval(p[2]) < 0)
					fuzz_fail("bad escape in %s", out);
				back[k] = (char)(hexval(p[1]) * 16 + hexval(p[2]));
				p += 3;
				continue;
			}
			if (strchr("!#$&+-.^_`|~", *p) == NULL &&
			    !((*p >= 'a' && *p <= 'z') || (*p >= 'A' &&
			    *p <= 'Z') || (*p >= '0' && *p <= '9')))
				fuzz_fail("%c unescaped in %s", *p, out);
			back[k] = *p++;
		}
		back[k] = '\0';
		if (strcmp(back, s) != 0)
			fuzz_fail("the disposition does not decode to the name");
	}

	rg = range_parse(s, fsize, &from, &to);
	switch (rg) {
	case RANGE_PART:
		if (from < 0 || from > to || to >= fsize)
			fuzz_fail("range %lld-%lld of %lld", from, to, fsize);
		break;
	case RANGE_UNSATISFIABLE:
		if (strncasecmp(s, "bytes=", 6) != 0)
			fuzz_fail("416 for %s", s);
		break;
	case RANGE_NONE:
	case RANGE__MAX:
		break;
	}
	free(s);
	return 0;
}
