/*
 * fake-fcgi.h: a FastCGI request in memory, for driving the service's
 * front line and handlers in unit tests without a server: libfcgi's
 * streams are plain structs over a buffer.
 */
#ifndef FAKE_FCGI_H
#define FAKE_FCGI_H

#include "../../fcgi/base/base.h"
#include "../../fcgi/front/front.h"
#include "../../fcgi/ledger/ledger.h"
#include "../../fcgi/resources/resources.h"

#define FAKE_OUT	(256 * 1024)
#define FAKE_ENV	160

struct fake {
	FCGX_Request	 fr;
	FCGX_Stream	 in, out;
	unsigned char	*inbuf;
	unsigned char	 outbuf[FAKE_OUT + 1];
	char		*env[FAKE_ENV + 1];
	struct worker	*w;
	struct req	 r;
	json_t		*json;		/* the reply's body, parsed */
};

/* Set up a request: `env` "NAME=value" strings, NULL-terminated. */
struct fake	*fake_new(const char *const *, const char *, size_t);
void		 fake_free(struct fake *);
/* Run the request through the front line; returns the reply's status. */
int		 fake_run(struct fake *);
const char	*fake_header(struct fake *, const char *, char *, size_t);
const char	*fake_body(struct fake *);

#endif
