/*
 * fake-fcgi.c: see fake-fcgi.h.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fake-fcgi.h"

static void
fill_eof(FCGX_Stream *s)
{
	s->isClosed = 1;
}

static void
empty_full(FCGX_Stream *s, int doclose)
{
	(void)doclose;
	s->isClosed = 1;
	s->FCGI_errno = 1;
}

struct fake *
fake_new(const char *const *env, const char *body, size_t len)
{
	struct fake	*f = calloc(1, sizeof(*f));
	size_t		 i;

	if (f == NULL || (f->w = calloc(1, sizeof(*f->w))) == NULL ||
	    (f->inbuf = malloc(len + 1)) == NULL)
		abort();
	if (len > 0)
		memcpy(f->inbuf, body, len);
	for (i = 0; env != NULL && env[i] != NULL && i < FAKE_ENV; i++)
		f->env[i] = strdup(env[i]);
	f->in.rdNext = f->in.stopUnget = f->inbuf;
	f->in.stop = f->inbuf + len;
	f->in.isReader = 1;
	f->in.fillBuffProc = fill_eof;
	f->out.wrNext = f->out.rdNext = f->outbuf;
	f->out.stop = f->outbuf + FAKE_OUT;
	f->out.emptyBuffProc = empty_full;
	f->fr.in = &f->in;
	f->fr.out = &f->out;
	f->fr.envp = f->env;
	f->fr.ipcFd = -1;
	f->r.fcgx = &f->fr;
	f->r.w = f->w;
	strcpy(f->r.id, "unit-test");
	return f;
}

void
fake_free(struct fake *f)
{
	size_t	 i;

	for (i = 0; f->env[i] != NULL; i++)
		free(f->env[i]);
	json_decref(f->json);
	free(f->inbuf);
	free(f->w);
	free(f);
}

int
fake_run(struct fake *f)
{
	const char	*b;

	router_handle(&f->r);
	*f->out.wrNext = '\0';
	if ((b = fake_body(f)) != NULL)
		f->json = json_loads(b, 0, NULL);
	return f->r.status;
}

const char *
fake_body(struct fake *f)
{
	const char	*p = strstr((const char *)f->outbuf, "\r\n\r\n");

	return p != NULL ? p + 4 : NULL;
}

const char *
fake_header(struct fake *f, const char *name, char *out, size_t size)
{
	const char	*p = (const char *)f->outbuf, *end = fake_body(f);
	size_t		 n = strlen(name), len;

	while (p != NULL && p < end) {
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			while (*p == ' ')
				p++;
			len = strcspn(p, "\r\n");
			if (len >= size)
				len = size - 1;
			memcpy(out, p, len);
			out[len] = '\0';
			return out;
		}
		if ((p = strstr(p, "\r\n")) != NULL)
			p += 2;
	}
	return NULL;
}
