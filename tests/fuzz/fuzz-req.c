/*
 * fuzz-req.c: fake requests for the fuzz targets (see fuzz.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"


static struct worker	 worker;
static char		 nodb_mark[64];	/* in the database's path */

void
fuzz_fail(const char *f, ...)
{
	va_list	 ap;

	va_start(ap, f);
	fputs("fuzz: property broken: ", stderr);
	vfprintf(stderr, f, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

/* libFuzzer's set-up, once per process, for every target. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* The database: a socket that is never there, named so a leak shows. */
	snprintf(nodb_mark, sizeof(nodb_mark), "nodb-%lx-%lx", (long)getpid(),
	    (long)time(NULL));
	memset(&cfg, 0, sizeof(cfg));
	if (asprintf(&cfg.database_url, "host=/nonexistent/%s dbname=paicha "
	    "connect_timeout=1", nodb_mark) == -1)
		abort();
	cfg.threads = 1;
	cfg.session_idle = 1800;
	cfg.session_absolute = 43200;
	cfg.drain_timeout = 1;
	cfg.login_concurrency = 1;
	worker.index = 0;
	worker.db.url = cfg.database_url;
	return 0;
}

/* The input stream has nothing beyond the body: end of stream. */
static void
in_fill(FCGX_Stream *s)
{
	s->isClosed = 1;
}

/* Move what libfcgi wrote into its window onto the collected reply. */
static void
out_empty(FCGX_Stream *s, int doclose)
{
	struct fuzz_req	*f = s->data;
	size_t		 n = (size_t)(s->wrNext - f->outbuf);
	char		*p;

	if (f->replylen + n + 1 > f->replycap) {
		f->replycap = (f->replylen + n + 1) * 2;
		if ((p = realloc(f->reply, f->replycap)) == NULL)
			abort();
		f->reply = p;
	}
	memcpy(f->reply + f->replylen, f->outbuf, n);
	f->replylen += n;
	f->reply[f->replylen] = '\0';
	s->wrNext = f->outbuf;
}

void
fuzz_req_init(struct fuzz_req *f, const uint8_t *body, size_t len)
{
	memset(f, 0, sizeof(*f));
	if ((f->body = malloc(len + 1)) == NULL)
		abort();
	if (len > 0)
		memcpy(f->body, body, len);
	f->in.isReader = 1;
	f->in.rdNext = f->body;
	f->in.stop = f->body + len;
	f->in.stopUnget = f->body;
	f->in.fillBuffProc = in_fill;
	f->out.isReader = 0;
	f->out.wrNext = f->outbuf;
	f->out.stop = f->outbuf + sizeof(f->outbuf);
	f->out.emptyBuffProc = out_empty;
	f->out.data = f;
	f->fcgx.in = &f->in;
	f->fcgx.out = &f->out;
	f->fcgx.err = &f->out;
	f->fcgx.envp = f->env;
	f->fcgx.ipcFd = -1;
	f->r.fcgx = &f->fcgx;
	f->r.w = &worker;
	snprintf(f->r.id, sizeof(f->r.id), "fuzz");
	clock_gettime(CLOCK_MONOTONIC, &f->r.start);
}

void
fuzz_req_env(struct fuzz_req *f, const char *name, const char *value,
    size_t len)
{
	size_t	 n = strlen(name);
	char	*e;

	if (f->nenv == FUZZ_MAX_ENV)
		return;
	if ((e = malloc(n + 1 + len + 1)) == NULL)
		abort();
	memcpy(e, name, n);
	e[n] = '=';
	memcpy(e + n + 1, value, len);
	e[n + 1 + len] = '\0';
	f->env[f->nenv++] = e;
	f->env[f->nenv] = NULL;
}

/* The value of header `name` in the reply's head, or NULL. */
static const char *
head_value(const char *head, size_t headlen, const char *name, char *out,
    size_t size)
{
	const char	*p = head, *e = head + headlen, *eol;
	size_t		 n = strlen(name);

	while (p < e) {
		if ((eol = strstr(p, "\r\n")) == NULL || eol > e)
			eol = e;
		if ((size_t)(eol - p) > n + 1 && strncmp(p, name, n) == 0 &&
		    p[n] == ':' && p[n + 1] == ' ') {
			snprintf(out, size, "%.*s", (int)(eol - p - n - 2),
			    p + n + 2);
			return out;
		}
		p = eol + 2;
	}
	return NULL;
}

/*
 * What libpq says when the database is away, and where it is (the path
 * gets a random part in LLVMFuzzerInitialize).  Looked for with a plain loop, not
 * strstr or memcmp: libFuzzer learns the arguments of those and would
 * soon send these words itself, to see them echoed.
 */
static const char *const db_words[] = {
	nodb_mark, "could not connect", "No such file or directory",
};

static int
contains(const char *hay, size_t len, const char *needle)
{
	size_t	 i, j, n = strlen(needle);

	for (i = 0; i + n <= len; i++) {
		for (j = 0; j < n && hay[i + j] == needle[j]; j++)
			continue;
		if (j == n)
			return 1;
	}
	return 0;
}

/* Whether the client itself sent `s` (a reply may echo its input). */
static int
in_request(const struct fuzz_req *f, const char *s)
{
	size_t	 i;

	for (i = 0; i < f->nenv; i++)
		if (contains(f->env[i], strlen(f->env[i]), s))
			return 1;
	return contains((const char *)f->body,
	    (size_t)(f->in.stop - f->body), s);
}

/*
 * The properties of every reply: exactly one, a known status, headers
 * then the body, a Content-Length that tells its length, problem+json
 * that is a problem document with the same status, and nothing of the
 * database's own words.
 */
int
fuzz_req_finish(struct fuzz_req *f)
{
	const char	*end, *body;
	char		 v[256];
	json_t		*doc;
	size_t		 headlen, bodylen, i;
	int		 status;

	/* A handler called directly staged its reply: send it. */
	if (f->r.reply.staged)
		reply_send(&f->r);
	out_empty(&f->out, 0);
	if (f->r.status == 0) {
		if (f->replylen != 0)
			fuzz_fail("%zu bytes written without a reply",
			    f->replylen);
		return 0;
	}
	if (f->reply == NULL || sscanf(f->reply, "Status: %d ", &status) != 1)
		fuzz_fail("no status line");
	if (status != f->r.status)
		fuzz_fail("status line %d, request says %d", status,
		    f->r.status);
	if (strcmp(status_reason(status), "Unknown") == 0)
		fuzz_fail("status %d is not in reply.c's table", status);
	if ((end = strstr(f->reply, "\r\n\r\n")) == NULL)
		fuzz_fail("no end of headers");
	headlen = (size_t)(end - f->reply) + 2;
	body = end + 4;
	bodylen = f->replylen - (size_t)(body - f->reply);
	if (head_value(f->reply, headlen, "Content-Length", v,
	    sizeof(v)) == NULL || strtoul(v, NULL, 10) != bodylen)
		fuzz_fail("Content-Length %s, body %zu bytes",
		    head_value(f->reply, headlen, "Content-Length", v,
		    sizeof(v)) ? v : "missing", bodylen);
	if (head_value(f->reply, headlen, "Content-Type", v, sizeof(v)) !=
	    NULL && strcmp(v, "application/problem+json") == 0) {
		doc = json_loadb(body, bodylen, 0, NULL);
		if (!json_is_object(doc) ||
		    json_integer_value(json_object_get(doc, "status")) !=
		    status ||
		    !json_is_string(json_object_get(doc, "type")) ||
		    !json_is_string(json_object_get(doc, "title")))
			fuzz_fail("not a problem document: %.*s",
			    (int)bodylen, body);
		json_decref(doc);
	}
	for (i = 0; i < sizeof(db_words) / sizeof(db_words[0]); i++)
		if (contains(f->reply, f->replylen, db_words[i]) &&
		    !in_request(f, db_words[i]))
			fuzz_fail("the database's words reached a reply: %s",
			    f->reply);
	return status;
}

void
fuzz_req_free(struct fuzz_req *f)
{
	size_t	 i;

	db_rollback(&f->r);
	for (i = 0; i < f->nenv; i++)
		free(f->env[i]);
	free(f->reply);
	free(f->body);
	memset(f, 0, sizeof(*f));
}
