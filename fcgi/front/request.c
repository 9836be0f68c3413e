/*
 * request.c: reading what the client sent -- FastCGI params, the query
 * string, headers with lists -- within fixed limits.
 *
 * Nothing here allocates: decoded strings live in the worker's buffers and
 * die with the request.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../base/base.h"
#include "front.h"

const char *const method_names[METHOD__MAX] = {
	[METHOD_GET] = "GET",
	[METHOD_POST] = "POST",
	[METHOD_PUT] = "PUT",
	[METHOD_PATCH] = "PATCH",
	[METHOD_DELETE] = "DELETE",
};

/* A FastCGI param (CGI variable), or NULL. */
const char *
req_param(const struct req *r, const char *name)
{
	return FCGX_GetParam(name, r->fcgx->envp);
}

/* The decoded query field `key`, or NULL when absent. */
const char *
req_query(const struct req *r, const char *key)
{
	size_t	 i;

	for (i = 0; i < r->nquery; i++)
		if (strcmp(r->query[i].key, key) == 0)
			return r->query[i].val;
	return NULL;
}

/*
 * Percent-decode `s` in place ('+' is a space).  Returns the decoded
 * length, or -1 on a broken escape.
 */
static long
url_decode(char *s)
{
	char	*start = s, *w = s;
	int	 hi, lo;

	for (; *s != '\0'; s++) {
		if (*s == '+')
			*w++ = ' ';
		else if (*s == '%') {
			if ((hi = hex_digit((unsigned char)s[1])) < 0 ||
			    (lo = hex_digit((unsigned char)s[2])) < 0)
				return -1;
			*w++ = (char)(hi * 16 + lo);
			s += 2;
		} else
			*w++ = *s;
	}
	*w = '\0';
	return (long)(w - start);
}

/*
 * Split the query string `qs` (copied into `buf` of `size` bytes) into
 * decoded fields.  Returns 0, or -1 when it is too long, has too many
 * fields, repeats a field, or is not valid percent-encoded UTF-8.
 */
int
req_parse_query(struct req *r, char *buf, size_t size)
{
	const char	*qs = req_param(r, "QUERY_STRING");
	char		*p, *field, *eq;
	size_t		 len, i;
	long		 k, n;

	r->nquery = 0;
	if (qs == NULL || *qs == '\0')
		return 0;
	if ((len = strlen(qs)) >= size)
		return -1;
	memcpy(buf, qs, len + 1);
	for (p = buf; p != NULL; ) {
		field = p;
		if ((p = strchr(p, '&')) != NULL)
			*p++ = '\0';
		if (*field == '\0')
			continue;
		if (r->nquery == MAX_QUERY)
			return -1;
		if ((eq = strchr(field, '=')) != NULL)
			*eq++ = '\0';
		else
			eq = field + strlen(field);
		if ((k = url_decode(field)) <= 0 || (n = url_decode(eq)) < 0 ||
		    !utf8_valid(field, (size_t)k) || !utf8_valid(eq, (size_t)n))
			return -1;
		for (i = 0; i < r->nquery; i++)
			if (strcmp(r->query[i].key, field) == 0)
				return -1;
		r->query[r->nquery].key = field;
		r->query[r->nquery].val = eq;
		r->nquery++;
	}
	return 0;
}

/*
 * Whether the comma-separated header value `list` holds `token`,
 * compared case-insensitively, ignoring spaces and parameters.
 */
int
req_header_list_has(const char *list, const char *token)
{
	size_t	 tlen = strlen(token), n;

	while (list != NULL && *list != '\0') {
		while (*list == ' ' || *list == '\t' || *list == ',')
			list++;
		n = strcspn(list, ",; \t");
		if (n == tlen && strncasecmp(list, token, n) == 0)
			return 1;
		list = strchr(list, ',');
	}
	return 0;
}

/*
 * The version the client says it holds, from If-Match ("7" or 7).
 * Returns it, 0 when the header is absent, -1 when it cannot match any
 * version.
 */
int
req_if_match(const struct req *r)
{
	const char	*v = req_param(r, "HTTP_IF_MATCH");
	char		 digits[12];
	size_t		 n;
	int		 quoted;

	/* At most 9 digits: every version fits an int. */
	if (v == NULL || *v == '\0')
		return 0;
	if ((quoted = *v == '"'))
		v++;
	n = strspn(v, "0123456789");
	/* Quotes come in pairs: "7" or 7, never "7 or 7" (fuzz-if-match). */
	if (n == 0 || n > 9 || *v == '0' ||
	    !(quoted ? v[n] == '"' && v[n + 1] == '\0' : v[n] == '\0'))
		return -1;
	memcpy(digits, v, n);
	digits[n] = '\0';
	return atoi(digits);
}


/* ------------------------------------------------------------------ */
/* A raw body (EP_RAW), streamed                                      */
/* ------------------------------------------------------------------ */

/*
 * Read up to `size` more bytes of the raw body into `buf`, never past
 * the declared length or the route's limit.  Returns the bytes read
 * (fewer than `size` only at the end), 0 at the end, or -1 when the
 * stream broke off before its end (nginx went away, or sent less than
 * it declared): r->raw_state says which.  The caller never holds more
 * of the body than its own buffer.
 */
long
req_body_read(struct req *r, char *buf, size_t size)
{
	long long	 left;
	size_t		 got = 0;
	int		 n, want;

	if (r->raw_state != RAW_OPEN)
		return r->raw_state == RAW_END ? 0 : -1;
	while (got < size) {
		left = r->raw_declared >= 0 ? r->raw_declared - r->raw_read :
		    (long long)(size - got);
		if (left <= 0)
			break;
		want = (int)((size_t)left < size - got ? (size_t)left :
		    size - got);
		if (want > 1 << 20)
			want = 1 << 20;
		n = FCGX_GetStr(buf + got, want, r->fcgx->in);
		if (n > 0) {
			got += (size_t)n;
			r->raw_read += n;
		}
		if (n < want) {
			if (FCGX_GetError(r->fcgx->in) != 0 ||
			    (r->raw_declared >= 0 &&
			    r->raw_read < r->raw_declared)) {
				r->raw_state = RAW_BROKEN;
				return -1;
			}
			r->raw_state = RAW_END;
			return (long)got;
		}
	}
	if (r->raw_declared >= 0 && r->raw_read >= r->raw_declared)
		r->raw_state = RAW_END;
	return (long)got;
}

/*
 * Read and drop what is left of a body (at most what was declared, and
 * not past `cap` bytes in all), so that the connection to nginx is
 * clean for the next request: the front line or a handler may refuse a
 * body before its end.  r->raw_state tells whether the end was reached.
 */
void
req_body_drain(struct req *r, long long cap)
{
	char		 buf[16384];
	long		 n;

	if (r->raw_state != RAW_OPEN)
		return;
	while (r->raw_read <= cap &&
	    (n = req_body_read(r, buf, sizeof(buf))) > 0)
		continue;
}

/*
 * Record a failure of our own -- out of memory, a row that cannot be
 * read -- in the request and log it: reply_db_error() then answers 500.
 */
void
req_fail(struct req *r, const char *fmt, ...)
{
	char	 msg[256];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_error("request %s: %s", r->id, msg);
	r->fault = FAULT_INTERNAL;
	r->sqlstate[0] = '\0';
}
