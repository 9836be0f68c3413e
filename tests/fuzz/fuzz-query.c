/*
 * fuzz-query.c: the query string (req_parse_query), UTF-8 checking
 * (utf8_valid) and header lists (req_header_list_has).
 *
 * Properties: a query string either is refused whole or yields at most
 * MAX_QUERY fields with non-empty, distinct keys, every key and value
 * valid UTF-8 of the length strlen says; utf8_valid agrees with Jansson's
 * own UTF-8 check (which lets NUL through: utf8_valid does not); a
 * header list never matches a token that is not in it.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"

static void
check_query(const char *s, size_t n)
{
	struct fuzz_req	 f;
	size_t		 i, j;

	fuzz_req_init(&f, NULL, 0);
	fuzz_req_env(&f, "QUERY_STRING", s, n);
	if (req_parse_query(&f.r, f.r.w->query, sizeof(f.r.w->query)) == 0) {
		if (n > MAX_QUERY_LEN)
			fuzz_fail("a query string of %zu bytes accepted", n);
		if (f.r.nquery > MAX_QUERY)
			fuzz_fail("%zu fields", f.r.nquery);
		for (i = 0; i < f.r.nquery; i++) {
			const struct qparam *q = &f.r.query[i];

			if (*q->key == '\0')
				fuzz_fail("an empty key");
			if (!utf8_valid(q->key, strlen(q->key)) ||
			    !utf8_valid(q->val, strlen(q->val)))
				fuzz_fail("field %zu is not UTF-8", i);
			for (j = 0; j < i; j++)
				if (strcmp(f.r.query[j].key, q->key) == 0)
					fuzz_fail("key %s twice", q->key);
			if (req_query(&f.r, q->key) != q->val)
				fuzz_fail("req_query finds another %s", q->key);
		}
	} else if (f.r.nquery > MAX_QUERY)
		fuzz_fail("%zu fields before refusing", f.r.nquery);
	if (f.r.reply.staged)
		fuzz_fail("the parser replied");
	fuzz_req_free(&f);
}

static void
check_utf8(const char *s, size_t n)
{
	json_t	*j = json_stringn(s, n);
	int	 jansson = j != NULL && memchr(s, '\0', n) == NULL;

	json_decref(j);
	if (utf8_valid(s, n) != jansson)
		fuzz_fail("utf8_valid says %d, Jansson %d", !jansson, jansson);
}

/* A list element as the function reads one: up to , ; space or tab. */
static int
list_has_reference(const char *list, const char *token)
{
	size_t	 n, t = strlen(token);

	for (;;) {
		list += strspn(list, " \t,");
		if (*list == '\0')
			return 0;
		n = strcspn(list, ",; \t");
		if (n == t && strncasecmp(list, token, n) == 0)
			return 1;
		if ((list = strchr(list, ',')) == NULL)
			return 0;
	}
}

static void
check_list(const char *s)
{
	static const char *const tokens[] = { "gzip", "same-origin", "a",
	    "application/json" };
	size_t	 i;

	for (i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++)
		if (req_header_list_has(s, tokens[i]) !=
		    list_has_reference(s, tokens[i]))
			fuzz_fail("list \"%s\": token \"%s\"", s, tokens[i]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*s = (const char *)data;
	char		*z;
	size_t		 n = size;

	check_utf8(s, size);
	/* A FastCGI param ends at its first NUL. */
	if (memchr(s, '\0', size) != NULL)
		n = strlen(s);
	if ((z = strndup(s, n)) == NULL)
		return 0;
	check_query(z, n);
	check_list(z);
	free(z);
	return 0;
}
