/*
 * fuzz-cookie.c: the Cookie header and the session token in it
 * (session_authenticate).
 *
 * Properties: it answers 401 or 503, nothing else, and replies nothing
 * itself; it asks the database (503 here: it is down) only when the
 * header holds a cookie named exactly __Host-paicha whose value is 43
 * characters of base64url -- anything else is 401 without a query.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define NAME	"__Host-paicha="
#define B64URL	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

/* Whether some cookie of the header could be a session token. */
static int
has_token(const char *h)
{
	const char	*p;
	size_t		 n = strlen(NAME);

	for (p = h; (p = strstr(p, NAME)) != NULL; p++)
		if ((p == h || p[-1] == ' ' || p[-1] == ';') &&
		    strspn(p + n, B64URL) >= 43)
			return 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_req	 f;
	char		*h;
	int		 rc;

	if ((h = strndup((const char *)data, size)) == NULL)
		return 0;
	fuzz_req_init(&f, NULL, 0);
	fuzz_req_env(&f, "HTTP_COOKIE", h, strlen(h));
	rc = session_authenticate(&f.r);
	if (rc != 401 && rc != 503)
		fuzz_fail("session_authenticate returned %d", rc);
	if (rc == 503 && !has_token(h))
		fuzz_fail("asked the database for \"%s\"", h);
	if (f.r.authed || f.r.reply.staged)
		fuzz_fail("authenticated or replied without a database");
	fuzz_req_free(&f);
	free(h);
	return 0;
}
