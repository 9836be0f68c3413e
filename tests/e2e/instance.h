/*
 * instance.h: end-to-end tests that need stacks of their own -- a
 * replica, several service instances, provinces and a national
 * database -- start them with ./run beside the test instance:
 * "$PAICHA_VAR-NAME", on a free port (PAICHA_PORT=auto), wiped first,
 * stopped by inst_stop (and by ./run test when a program dies).
 */
#ifndef INSTANCE_H
#define INSTANCE_H

#include <sys/types.h>

#include "e2e.h"

struct inst {
	char	 name[32];
	char	 var[512];	/* the instance directory */
	char	 url[64];	/* https://localhost:PORT */
	char	 ca[600];	/* its certificate */
	char	 env[256];	/* what it was started with */
	pid_t	 starting;	/* inst_start's ./run up, until inst_wait */
	double	 up_seconds;	/* how long ./run up took */
};

/* ./run up for "$PAICHA_VAR-name" with `env` ("K=V ..."); in the
 * background (inst_start, then inst_wait) or at once (inst_up). */
void	 inst_start(struct inst *, const char *, const char *);
void	 inst_wait(struct inst *);
void	 inst_up(struct inst *, const char *, const char *);
void	 inst_stop(struct inst *);
/* ./run ARGS on the instance (with its env); the exit status. */
int	 inst_run(const struct inst *, const char *);
/* ./run ARGS's standard output (trimmed, malloc'd), or NULL on failure. */
char	*inst_run_out(const struct inst *, const char *);

/* libpq to its primary (replica 0) or replica (1), as `role`. */
PGconn	*inst_db(const struct inst *, const char *, int);
struct client *inst_login(const struct inst *, const char *);
/* An enterprise in `region` made as the superuser; its id. */
long long inst_enterprise(const struct inst *, const char *, const char *);

#endif /* INSTANCE_H */
