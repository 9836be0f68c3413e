/*
 * fuzz.h: what the libFuzzer targets share -- a request as the service
 * sees one, made without a FastCGI connection.
 *
 * The targets call the service's own functions (router_handle, the
 * handlers, the parsers) on a `struct req` whose FastCGI params and
 * streams are libfcgi's public structures filled in memory: the input
 * stream reads the fuzzer's body, the output stream collects the reply.
 * Nothing in fcgi/ knows it is being fuzzed.  The database is a Unix
 * socket path that does not exist: every query fails at once, as when
 * PostgreSQL is down, so a request that passes validation ends in 503.
 *
 * Any broken property calls fuzz_fail(), which aborts: libFuzzer saves
 * the input and the target fails.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "../../fcgi/base/base.h"
#include "../../fcgi/front/front.h"
#include "../../fcgi/ledger/ledger.h"
#include "../../fcgi/resources/resources.h"

/* libFuzzer's entry points (declared for -Wmissing-prototypes). */
int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	 LLVMFuzzerInitialize(int *, char ***);

#define FUZZ_MAX_ENV	256

/* One fake request: params, body, reply. */
struct fuzz_req {
	struct req	 r;
	FCGX_Request	 fcgx;
	FCGX_Stream	 in, out;
	char		*env[FUZZ_MAX_ENV + 1];
	size_t		 nenv;
	unsigned char	 outbuf[1024];	/* libfcgi's window */
	char		*reply;		/* everything written, NUL-terminated */
	size_t		 replylen, replycap;
	unsigned char	*body;		/* a copy of the body */
};

/* Start a request with no params and `body` (may be empty). */
void	 fuzz_req_init(struct fuzz_req *, const uint8_t *, size_t);

/* Add the param "NAME=value" (copied; `value` NUL-free, `len` bytes). */
void	 fuzz_req_env(struct fuzz_req *, const char *, const char *, size_t);

/* Flush and check the reply; returns its status (0: none written). */
int	 fuzz_req_finish(struct fuzz_req *);

/* Free what the request holds. */
void	 fuzz_req_free(struct fuzz_req *);

/* A broken property: print and abort. */
void	 fuzz_fail(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif /* FUZZ_H */
