/*
 * fuzz-front.c: the whole front line (router_handle) on any request.
 *
 * Input: FastCGI params as "NAME=value" lines up to an empty line, then
 * the body.  Whatever arrives, the service answers exactly once, with a
 * status of its table, a well-formed reply, and never 500: with no
 * database, a request that passes every check ends in 503 (or 200 for
 * the loopback metrics).
 */
#include <string.h>

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_req	 f;
	const char	*p = (const char *)data, *e = p + size, *nl, *eq;
	const char	*body;
	char		 name[128];
	size_t		 n;
	int		 status;

	/* Find the body: after the first empty line. */
	body = e;
	for (nl = p; nl < e; nl++)
		if (*nl == '\n' && (nl == p || nl[-1] == '\n')) {
			body = nl + 1;
			break;
		}
	fuzz_req_init(&f, (const uint8_t *)body, (size_t)(e - body));
	while (p < body) {
		if ((nl = memchr(p, '\n', (size_t)(body - p))) == NULL)
			nl = body;
		eq = memchr(p, '=', (size_t)(nl - p));
		if (eq != NULL && eq > p && (size_t)(eq - p) < sizeof(name) &&
		    memchr(p, '\0', (size_t)(nl - p)) == NULL) {
			n = (size_t)(eq - p);
			memcpy(name, p, n);
			name[n] = '\0';
			fuzz_req_env(&f, name, eq + 1, (size_t)(nl - eq - 1));
		}
		p = nl + 1;
	}
	router_handle(&f.r);
	status = fuzz_req_finish(&f);
	if (status == 0)
		fuzz_fail("the front line sent no reply");
	if (status == 500)
		fuzz_fail("500 for: %.*s", (int)size, (const char *)data);
	if (status >= 200 && status < 300 && f.r.ep != NULL &&
	    strcmp(f.r.ep->pattern, "/metrics") != 0)
		fuzz_fail("%d from %s without a database", status,
		    f.r.ep->pattern);
	if (f.r.json != NULL)
		fuzz_fail("the parsed body outlived the request");
	fuzz_req_free(&f);
	return 0;
}
