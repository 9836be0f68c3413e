/*
 * reply.c: the only place that writes to the FastCGI output stream.
 *
 * Every reply carries the request id and `Cache-Control: no-store` (these
 * are legal records).  Errors are RFC 9457 problem+json; nothing of the
 * database's own error text ever reaches them.
 */
#include <sys/socket.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paicha.h"

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
	{ 400, "Bad Request", "bad-request" },
	{ 401, "Unauthorized", "unauthenticated" },
	{ 403, "Forbidden", "forbidden" },
	{ 404, "Not Found", "not-found" },
	{ 405, "Method Not Allowed", "method-not-allowed" },
	{ 409, "Conflict", "conflict" },
	{ 412, "Precondition Failed", "stale-version" },
	{ 413, "Content Too Large", "body-too-large" },
	{ 415, "Unsupported Media Type", "unsupported-media-type" },
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
 * a Content-Length unless `streamed`.  Marks the request replied and
 * returns 0; a second reply is a programming error, dropped with a log
 * line (-1).
 */
static int
reply_head(struct req *r, int status, const char *ctype, size_t len,
    int streamed)
{
	FCGX_Stream	*out = r->fcgx->out;

	if (r->replied) {
		log_error("request %s: second reply %d dropped", r->id, status);
		return -1;
	}
	r->replied = 1;
	r->status = status;
	FCGX_FPrintF(out, "Status: %d %s\r\n", status, status_reason(status));
	if (ctype != NULL)
		FCGX_FPrintF(out, "Content-Type: %s\r\n", ctype);
	/* libfcgi's printf knows no %zu. */
	if (!streamed)
		FCGX_FPrintF(out, "Content-Length: %lu\r\n",
		    (unsigned long)len);
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
	return 0;
}

/* The whole reply: head and a body of `len` bytes. */
static void
reply_write(struct req *r, int status, const char *ctype, const char *body,
    size_t len)
{
	if (reply_head(r, status, ctype, len, 0) == 0 && len > 0)
		FCGX_PutStr(body, (int)len, r->fcgx->out);
}

/*
 * Start a reply whose length is not known yet (nginx sends it on
 * chunked): the head now, the body with reply_stream_write.  Once
 * started, the status cannot change any more; a failure half-way is
 * reply_stream_abort.
 */
void
reply_stream_start(struct req *r, int status, const char *ctype)
{
	(void)reply_head(r, status, ctype, 0, 1);
}

/*
 * Send `len` more bytes of a streamed body.  Returns 0, or -1 when the
 * connection to nginx is gone (stop producing).
 */
int
reply_stream_write(struct req *r, const char *buf, size_t len)
{
	if (len == 0)
		return 0;
	if (len > INT_MAX ||
	    FCGX_PutStr(buf, (int)len, r->fcgx->out) != (int)len) {
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
	reply_write(r, status, ctype, body, len);
}

void
reply_empty(struct req *r, int status)
{
	reply_write(r, status, NULL, NULL, 0);
}

/*
 * Reply with `body` as compact JSON.  Steals the reference to `body`.
 * When the document cannot be encoded (out of memory), replies 500.
 */
void
reply_json(struct req *r, int status, json_t *body)
{
	char	*s;

	s = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (s == NULL) {
		log_error("request %s: could not encode reply", r->id);
		reply_problem(r, 500, NULL, "the reply could not be encoded",
		    NULL);
		return;
	}
	reply_write(r, status, "application/json; charset=utf-8", s,
	    strlen(s));
	free(s);
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
		reply_write(r, 500, "application/problem+json", fallback,
		    sizeof(fallback) - 1);
		return;
	}
	reply_write(r, status, "application/problem+json", text, strlen(text));
	free(text);
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
 * Reply for the database failure recorded in the request by db.c: the
 * status comes from the SQLSTATE table; the text is ours, never libpq's.
 */
void
reply_db_error(struct req *r)
{
	int	 status;

	if (r->db_lost) {
		snprintf(r->retry_after, sizeof(r->retry_after), "1");
		reply_problem(r, 503, NULL, "the database is unavailable; "
		    "retry with the same Idempotency-Key", NULL);
		return;
	}
	status = sqlstate_status(r->sqlstate);
	switch (status) {
	case 409:
		reply_problem(r, 409, "duplicate", "a record with the same "
		    "identity already exists", NULL);
		break;
	case 422:
		reply_problem(r, 422, NULL, "the record violates a rule of "
		    "the database", NULL);
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
