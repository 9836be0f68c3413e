/*
 * reply.c: the only place that writes to the FastCGI output stream.
 *
 * A handler stages its reply; the front line sends it once the
 * request's transaction has committed or rolled back, so no client ever
 * hears "done" of a change that did not commit.  Only read-only routes
 * stream (exports), their head going out at once.  Every reply carries
 * the request id and `Cache-Control: no-store` (these are legal
 * records).  Errors are RFC 9457 problem+json; nothing of the
 * database's own error text ever reaches them.
 */
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fastcgi.h>

#include "../base/base.h"
#include "front.h"

struct status_row {
	int		 code;
	const char	*reason;
	const char	*type;		/* problem type slug */
};

static const struct status_row statuses[] = {
	{ 200, "OK", NULL },
	{ 201, "Created", NULL },
	{ 202, "Accepted", NULL },
	{ 204, "No Content", NULL },
	{ 206, "Partial Content", NULL },
	{ 400, "Bad Request", "bad-request" },
	{ 401, "Unauthorized", "unauthenticated" },
	{ 403, "Forbidden", "forbidden" },
	{ 404, "Not Found", "not-found" },
	{ 405, "Method Not Allowed", "method-not-allowed" },
	{ 409, "Conflict", "conflict" },
	{ 412, "Precondition Failed", "stale-version" },
	{ 413, "Content Too Large", "body-too-large" },
	{ 415, "Unsupported Media Type", "unsupported-media-type" },
	{ 416, "Range Not Satisfiable", "range-not-satisfiable" },
	{ 422, "Unprocessable Content", "validation" },
	{ 428, "Precondition Required", "if-match-required" },
	{ 429, "Too Many Requests", "too-many-requests" },
	{ 431, "Request Header Fields Too Large", "headers-too-large" },
	{ 500, "Internal Server Error", "internal" },
	{ 503, "Service Unavailable", "unavailable" },
};

#define NSTATUSES	(sizeof(statuses) / sizeof(statuses[0]))

static const struct status_row *
status_find(int code)
{
	size_t	 i;

	for (i = 0; i < NSTATUSES; i++)
		if (statuses[i].code == code)
			return &statuses[i];
	return NULL;
}

const char *
status_reason(int code)
{
	const struct status_row	*s = status_find(code);

	return s != NULL ? s->reason : "Unknown";
}

/*
 * Write the status line and the headers the request has collected, with
 * a Content-Length of `len` unless `streamed`.
 */
static void
reply_head(struct req *r, int status, const char *ctype,
    unsigned long long len, int streamed)
{
	FCGX_Stream	*out = r->fcgx->out;

	r->status = status;
	FCGX_FPrintF(out, "Status: %d %s\r\n", status, status_reason(status));
	if (ctype != NULL)
		FCGX_FPrintF(out, "Content-Type: %s\r\n", ctype);
	/* libfcgi's printf knows no %zu. */
	if (!streamed)
		FCGX_FPrintF(out, "Content-Length: %lu\r\n",
		    (unsigned long)len);
	if (r->accept_ranges)
		FCGX_FPrintF(out, "Accept-Ranges: bytes\r\n");
	if (r->content_range[0] != '\0')
		FCGX_FPrintF(out, "Content-Range: %s\r\n", r->content_range);
	FCGX_FPrintF(out, "Cache-Control: no-store\r\n");
	FCGX_FPrintF(out, "X-Request-Id: %s\r\n", r->id);
	if (r->etag[0] != '\0')
		FCGX_FPrintF(out, "ETag: \"%s\"\r\n", r->etag);
	if (r->location[0] != '\0')
		FCGX_FPrintF(out, "Location: %s\r\n", r->location);
	if (r->allow[0] != '\0')
		FCGX_FPrintF(out, "Allow: %s\r\n", r->allow);
	if (r->set_cookie[0] != '\0')
		FCGX_FPrintF(out, "Set-Cookie: %s\r\n", r->set_cookie);
	if (r->retry_after[0] != '\0')
		FCGX_FPrintF(out, "Retry-After: %s\r\n", r->retry_after);
	if (r->disposition[0] != '\0' && status < 300)
		FCGX_FPrintF(out, "Content-Disposition: %s\r\n",
		    r->disposition);
	if (r->next_cursor[0] != '\0')
		FCGX_FPrintF(out, "X-Next-Cursor: %s\r\n", r->next_cursor);
	FCGX_PutStr("\r\n", 2, out);
}

/*
 * Stage the reply: `status`, `ctype` (static text) and the `len` bytes
 * of `body`, which this takes over (malloc'd, or NULL).  The front line
 * sends it (reply_send) once the transaction's outcome is known.  A
 * second reply is a programming error: dropped with a log line.
 */
static void
stage(struct req *r, int status, const char *ctype, char *body, size_t len)
{
	if (r->reply.staged || r->reply.sent) {
		log_error("request %s: second reply %d dropped", r->id, status);
		free(body);
		return;
	}
	r->reply.staged = 1;
	r->reply.status = status;
	r->reply.ctype = ctype;
	r->reply.body = body;
	r->reply.len = len;
}

/* Stage a copy of `len` bytes of `body`; 500 when out of memory. */
static void
stage_copy(struct req *r, int status, const char *ctype, const char *body,
    size_t len)
{
	char	*copy = NULL;

	if (len > 0 && (copy = malloc(len)) == NULL) {
		log_error("request %s: out of memory for the reply", r->id);
		stage(r, 500, NULL, NULL, 0);
		return;
	}
	if (len > 0)
		memcpy(copy, body, len);
	stage(r, status, ctype, copy, len);
}

/*
 * Forget the staged reply and what it would have said in its headers
 * (the front line replaces a 2xx whose COMMIT failed).
 */
void
reply_discard(struct req *r)
{
	free(r->reply.body);
	memset(&r->reply, 0, sizeof(r->reply));
	r->etag[0] = r->location[0] = r->set_cookie[0] = '\0';
	r->disposition[0] = r->next_cursor[0] = '\0';
	r->content_range[0] = '\0';
	r->accept_ranges = 0;
}

/* Send the staged reply (the front line, last).  Nothing when streamed. */
void
reply_send(struct req *r)
{
	if (r->reply.staged) {
		reply_head(r, r->reply.status, r->reply.ctype, r->reply.len, 0);
		if (r->reply.len > 0)
			FCGX_PutStr(r->reply.body, (int)r->reply.len,
			    r->fcgx->out);
	}
	free(r->reply.body);
	r->reply.body = NULL;
	r->reply.staged = 0;
}

/*
 * Start a reply whose length is not known yet (nginx sends it on
 * chunked): the head goes out now, the body with reply_stream_write.
 * Only routes that commit nothing stream.  Once started, the status
 * cannot change any more; a failure half-way is reply_stream_abort.
 */
void
reply_stream_start(struct req *r, int status, const char *ctype)
{
	if (r->reply.staged || r->reply.sent ||
	    (r->ep != NULL && (r->ep->flags & EP_TX))) {
		log_error("request %s: stream %d refused", r->id, status);
		return;
	}
	r->reply.sent = 1;
	r->reply.status = status;
	reply_head(r, status, ctype, 0, 1);
}

/*
 * reply_stream_start for a body whose length is known: `len` bytes, as
 * Content-Length (a file, and a part of one for 206), so that the
 * client can tell a cut-off transfer from a whole one.  The caller then
 * writes exactly `len` bytes, or aborts.
 */
void
reply_stream_sized(struct req *r, int status, const char *ctype,
    long long len)
{
	if (r->reply.staged || r->reply.sent || len < 0 ||
	    (r->ep != NULL && (r->ep->flags & EP_TX))) {
		log_error("request %s: stream %d refused", r->id, status);
		return;
	}
	r->reply.sent = 1;
	r->reply.status = status;
	reply_head(r, status, ctype, (unsigned long long)len, 0);
}

/* A record's body, at most: FCGI_MAX_LENGTH rounded down to 8 bytes. */
#define RECORD_MAX	65528
/* From this many bytes on, a write goes out as records of its own. */
#define RECORD_DIRECT	(32 * 1024)

/* Write all of iov[0..n-1] to `fd`; 0, or -1 when the peer is gone. */
static int
write_all(int fd, struct iovec *iov, int n)
{
	struct pollfd	 pfd = { fd, POLLOUT, 0 };
	ssize_t		 w;

	while (n > 0) {
		if ((w = writev(fd, iov, n)) == -1) {
			if (errno == EINTR)
				continue;
			if ((errno == EAGAIN || errno == EWOULDBLOCK) &&
			    poll(&pfd, 1, 30000) == 1)
				continue;
			return -1;
		}
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/*
 * Send `len` bytes of the body as FastCGI stdout records of up to
 * RECORD_MAX bytes written straight to nginx's connection, past
 * libfcgi's 8 KiB buffer (flushed first: the order stays) -- a system
 * call and a record per 64 KiB instead of per 8 KiB, for the large
 * writes of a file or an export.  Returns 0, or -1.
 */
static int
write_records(struct req *r, const char *buf, size_t len)
{
	unsigned char	 h[FCGI_HEADER_LEN];
	struct iovec	 iov[2];
	size_t		 n;

	if (FCGX_FFlush(r->fcgx->out) == -1 || r->fcgx->ipcFd < 0)
		return -1;
	while (len > 0) {
		n = len < RECORD_MAX ? len : RECORD_MAX;
		h[0] = FCGI_VERSION_1;
		h[1] = FCGI_STDOUT;
		h[2] = (unsigned char)((r->fcgx->requestId >> 8) & 0xff);
		h[3] = (unsigned char)(r->fcgx->requestId & 0xff);
		h[4] = (unsigned char)((n >> 8) & 0xff);
		h[5] = (unsigned char)(n & 0xff);
		h[6] = 0;	/* no padding */
		h[7] = 0;
		iov[0].iov_base = h;
		iov[0].iov_len = sizeof(h);
		iov[1].iov_base = (void *)(uintptr_t)buf;
		iov[1].iov_len = n;
		if (write_all(r->fcgx->ipcFd, iov, 2) == -1)
			return -1;
		buf += n;
		len -= n;
	}
	return 0;
}

/*
 * Send `len` more bytes of a streamed body (a large write as records of
 * its own: write_records).  Returns 0, or -1 when the connection to
 * nginx is gone (stop producing).
 */
int
reply_stream_write(struct req *r, const char *buf, size_t len)
{
	if (len == 0)
		return 0;
	if (!r->reply.sent || len > INT_MAX ||
	    (len >= RECORD_DIRECT ? write_records(r, buf, len) :
	    FCGX_PutStr(buf, (int)len, r->fcgx->out) != (int)len ? -1 : 0) ==
	    -1) {
		log_warn("request %s: could not send the rest of the reply",
		    r->id);
		return -1;
	}
	return 0;
}

/*
 * End a streamed reply that cannot be completed (the database failed
 * half-way): drop the connection instead of finishing the response, so
 * that nginx cuts the client's transfer short and no one takes a partial
 * export for a whole one.
 */
void
reply_stream_abort(struct req *r)
{
	log_error("request %s: streamed reply aborted", r->id);
	if (r->fcgx->ipcFd >= 0)
		(void)shutdown(r->fcgx->ipcFd, SHUT_RDWR);
}

void
reply_text(struct req *r, int status, const char *ctype, const char *body,
    size_t len)
{
	stage_copy(r, status, ctype, body, len);
}

void
reply_empty(struct req *r, int status)
{
	stage(r, status, NULL, NULL, 0);
}

/*
 * Reply with `body` as compact JSON.  Steals the reference to `body`.
 * When the document cannot be encoded (out of memory), replies 500.
 * Reals are written with 15 significant digits, so that a rate of 33.3
 * reads 33.3 (Jansson's default, 17, writes 33.299999999999997).
 */
void
reply_json(struct req *r, int status, json_t *body)
{
	char	*s;

	/* Reals with 15 digits: what a decimal number (a GPS position) said. */
	s = body != NULL ? json_dumps(body, JSON_COMPACT |
	    JSON_REAL_PRECISION(15)) : NULL;
	json_decref(body);
	if (s == NULL) {
		log_error("request %s: could not encode reply", r->id);
		reply_problem(r, 500, NULL, "the reply could not be encoded",
		    NULL);
		return;
	}
	stage(r, status, "application/json; charset=utf-8", s, strlen(s));
}

/*
 * Reply with an RFC 9457 problem.  `type` is a slug appended to the
 * problem namespace (NULL: the status's own); `detail` is for people;
 * `errors` (stolen, may be NULL) is an array of {field, message}.
 */
void
reply_problem(struct req *r, int status, const char *type,
    const char *detail, json_t *errors)
{
	const struct status_row	*s = status_find(status);
	json_t			*p;
	char			*text, tbuf[128];

	snprintf(tbuf, sizeof(tbuf), "urn:paicha:problem:%s",
	    type != NULL ? type : (s != NULL && s->type != NULL ?
	    s->type : "error"));
	p = json_pack("{s:s, s:s, s:i}", "type", tbuf, "title",
	    status_reason(status), "status", status);
	if (p != NULL && detail != NULL)
		json_object_set_new(p, "detail", json_string(detail));
	if (p != NULL && errors != NULL)
		json_object_set(p, "errors", errors);
	json_decref(errors);
	if (p != NULL && r->id[0] != '\0')
		json_object_set_new(p, "instance", json_sprintf("urn:paicha:request:%s",
		    r->id));
	text = p != NULL ? json_dumps(p, JSON_COMPACT) : NULL;
	json_decref(p);
	if (text == NULL) {
		static const char fallback[] =
		    "{\"type\":\"urn:paicha:problem:internal\","
		    "\"title\":\"Internal Server Error\",\"status\":500}";
		stage_copy(r, 500, "application/problem+json", fallback,
		    sizeof(fallback) - 1);
		return;
	}
	stage(r, status, "application/problem+json", text, strlen(text));
}

/*
 * Append {field, message} to `errors` (created when NULL) and return it.
 */
json_t *
problem_field(json_t *errors, const char *field, const char *message)
{
	if (errors == NULL)
		errors = json_array();
	if (errors != NULL)
		json_array_append_new(errors, json_pack("{s:s, s:s}",
		    "field", field, "message", message));
	return errors;
}

/*
 * When `errors` names a member of the list `parent` ("items[3].result")
 * but not `parent` itself, append `parent` with `message`: a client that
 * looks for the list's name finds it, and a form shows the summary beside
 * the list.  Returns `errors`.
 */
json_t *
problem_parent(json_t *errors, const char *parent, const char *message)
{
	const json_t	*e;
	const char	*f;
	size_t		 i, n = strlen(parent);
	int		 member = 0;

	json_array_foreach(errors, i, e) {
		if ((f = json_string_value(json_object_get(e, "field"))) ==
		    NULL)
			continue;
		if (strcmp(f, parent) == 0)
			return errors;
		member |= strncmp(f, parent, n) == 0 && f[n] == '[';
	}
	return member ? problem_field(errors, parent, message) : errors;
}

/*
 * Reply for the failure recorded in the request by db.c (or req_fail):
 * the status comes from the SQLSTATE table; the text is ours, never
 * libpq's.
 */
void
reply_db_error(struct req *r)
{
	int	 status = 500;

	switch (r->fault) {
	case FAULT_LOST:
		snprintf(r->retry_after, sizeof(r->retry_after), "1");
		reply_problem(r, 503, NULL, "the database is unavailable; "
		    "retry with the same Idempotency-Key", NULL);
		return;
	case FAULT_SQL:
		status = sqlstate_status(r->sqlstate);
		break;
	case FAULT_NONE:
	case FAULT_INTERNAL:
	case FAULT__MAX:
		break;
	}
	switch (status) {
	case 409:
		reply_problem(r, 409, "duplicate", "a record with the same "
		    "identity already exists", NULL);
		break;
	case 422:
		reply_problem(r, 422, NULL, "the record violates a rule of "
		    "the database", NULL);
		break;
	case 403:
		reply_problem(r, 403, NULL, "the database refused this change "
		    "to you", NULL);
		break;
	case 404:
		reply_problem(r, 404, NULL, "no such resource", NULL);
		break;
	case 503:
		snprintf(r->retry_after, sizeof(r->retry_after), "1");
		reply_problem(r, 503, NULL, "the database is busy; retry",
		    NULL);
		break;
	default:
		reply_problem(r, 500, NULL, "internal error", NULL);
		break;
	}
}

/* ------------------------------------------------------------------ */
/* Resources: the one way a handler answers with a case, an           */
/* enterprise, a user or an activity                                  */
/* ------------------------------------------------------------------ */

/*
 * Reply `status` with the resource `o` (stolen), its ETag (from its
 * "version", when it has one) and, for 201, its Location: `collection`
 * and the resource's "id".  `o` NULL: the database failed (recorded in
 * `r`), or there is no such `noun` the user may see (404).
 */
void
reply_resource(struct req *r, int status, json_t *o, const char *noun,
    const char *collection)
{
	const json_t	*v;
	char		 detail[64];

	if (o == NULL) {
		if (r->fault != FAULT_NONE) {
			reply_db_error(r);
			return;
		}
		snprintf(detail, sizeof(detail), "no such %s", noun);
		reply_problem(r, 404, NULL, detail, NULL);
		return;
	}
	if (json_is_integer(v = json_object_get(o, "version")))
		snprintf(r->etag, sizeof(r->etag), "%lld",
		    (long long)json_integer_value(v));
	if (status == 201 && collection != NULL &&
	    json_is_integer(v = json_object_get(o, "id")))
		snprintf(r->location, sizeof(r->location), "%s/%lld",
		    collection, (long long)json_integer_value(v));
	reply_json(r, status, o);
}

/*
 * Reply 200 with one page of a list: `items` (stolen) and next_cursor,
 * the "id" of the page's last row when `res` -- read with one row more
 * than `limit` -- has more.
 */
void
reply_page(struct req *r, json_t *items, const PGresult *res,
    long long limit)
{
	json_t	*next = json_null();

	if (PQntuples(res) > limit)
		next = json_string(db_get(res, (int)limit - 1, "id"));
	reply_json(r, 200, json_pack("{s:o, s:o}", "items", items,
	    "next_cursor", next));
}

/*
 * If-Match against the `version` a handler loaded (the front line took
 * r->if_match for EP_IF_MATCH routes): 0 when they agree; else the 428
 * (none sent) or the 412 (stale, with the current version as ETag) is
 * staged and -1 returned.
 */
int
reply_precondition(struct req *r, int version, const char *noun)
{
	char	 detail[96];

	if (r->if_match == version)
		return 0;
	if (r->if_match == 0) {
		snprintf(detail, sizeof(detail), "a change needs If-Match with "
		    "the %s's version", noun);
		reply_problem(r, 428, NULL, detail, NULL);
		return -1;
	}
	snprintf(r->etag, sizeof(r->etag), "%d", version);
	snprintf(detail, sizeof(detail), "the %s has changed since you read "
	    "it; reload it", noun);
	reply_problem(r, 412, NULL, detail, NULL);
	return -1;
}
