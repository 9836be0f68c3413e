/*
 * instance.c: stacks of their own for the scale tests (instance.h).
 */
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "instance.h"

/* What ./run must not take from the test instance's environment. */
#define RUN_ENV	"env -u PAICHA_DATABASE_URL -u PAICHA_ADMIN_DATABASE_URL" \
		" -u PAICHA_APP_DATABASE_URL -u PAICHA_REPLICA_URL" \
		" -u PAICHA_INSTANCES -u PAICHA_REPLICA -u PAICHA_PROVINCE" \
		" -u PAICHA_NATIONAL"

static void
inst_init(struct inst *in, const char *name, const char *env)
{
	memset(in, 0, sizeof(*in));
	snprintf(in->name, sizeof(in->name), "%s", name);
	snprintf(in->var, sizeof(in->var), "%s-%s", e2e_env("PAICHA_VAR"),
	    name);
	snprintf(in->env, sizeof(in->env), "%s", env != NULL ? env : "");
}

int
inst_run(const struct inst *in, const char *args)
{
	char	*cmd = fmt(RUN_ENV " %s PAICHA_VAR='%s' PAICHA_PORT=auto"
	    " '%s' %s >>'%s.log' 2>&1", in->env, in->var,
	    e2e_env("PAICHA_RUN"), args, in->var);
	int	 st = system(cmd);

	free(cmd);
	return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

char *
inst_run_out(const struct inst *in, const char *args)
{
	char	*cmd = fmt(RUN_ENV " %s PAICHA_VAR='%s' '%s' %s 2>>'%s.log'",
	    in->env, in->var, e2e_env("PAICHA_RUN"), args, in->var);
	char	 buf[4096];
	size_t	 n;
	FILE	*p = popen(cmd, "r");
	int	 st;

	free(cmd);
	if (p == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = '\0';
	st = pclose(p);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return NULL;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return strdup(buf);
}

/* The tail of the instance's ./run log, on stderr. */
static void
log_tail(const struct inst *in)
{
	char	*cmd = fmt("tail -n 30 '%s.log' >&2", in->var);

	(void)!system(cmd);
	free(cmd);
}

void
inst_start(struct inst *in, const char *name, const char *env)
{
	char	*cmd;

	inst_init(in, name, env);
	/* Left from a run that died: stop it, then start from nothing. */
	cmd = fmt(RUN_ENV " PAICHA_VAR='%s' '%s' stop >/dev/null 2>&1;"
	    " rm -rf '%s' '%s.log'", in->var, e2e_env("PAICHA_RUN"), in->var,
	    in->var);
	(void)!system(cmd);
	free(cmd);
	if ((in->starting = fork()) == -1)
		fail_msg("fork: %s", strerror(errno));
	if (in->starting == 0)
		_exit(inst_run(in, "up") == 0 ? 0 : 1);
	in->up_seconds = now_seconds();
}

void
inst_wait(struct inst *in)
{
	char	*path, port[16] = "";
	FILE	*f;
	int	 st;

	if (waitpid(in->starting, &st, 0) == -1 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0) {
		log_tail(in);
		fail_msg("instance %s did not start (log: %s.log)", in->name,
		    in->var);
	}
	in->starting = 0;
	in->up_seconds = now_seconds() - in->up_seconds;
	path = fmt("%s/port", in->var);
	if ((f = fopen(path, "r")) == NULL || fgets(port, sizeof(port), f) ==
	    NULL)
		fail_msg("instance %s has no %s", in->name, path);
	fclose(f);
	free(path);
	port[strcspn(port, "\n")] = '\0';
	snprintf(in->url, sizeof(in->url), "https://localhost:%s", port);
	snprintf(in->ca, sizeof(in->ca), "%s/tls/cert.pem", in->var);
	printf("instance %s: %s, up in %.1f s (%s)\n", in->name, in->url,
	    in->up_seconds, in->env);
	fflush(stdout);
}

void
inst_up(struct inst *in, const char *name, const char *env)
{
	inst_start(in, name, env);
	inst_wait(in);
}

void
inst_stop(struct inst *in)
{
	if (in->var[0] == '\0')
		return;
	if (in->starting > 0) {
		kill(in->starting, SIGTERM);
		waitpid(in->starting, NULL, 0);
		in->starting = 0;
	}
	if (inst_run(in, "stop") != 0)
		fprintf(stderr, "instance %s did not stop cleanly\n", in->name);
}

PGconn *
inst_db(const struct inst *in, const char *role, int replica)
{
	char	*url = fmt("host=%s/%s/run dbname=paicha user=%s", in->var,
	    replica ? "pg-replica" : "pg", role);
	PGconn	*c = PQconnectdb(url);

	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("could not connect (%s): %s", url, PQerrorMessage(c));
	free(url);
	return c;
}

struct client *
inst_login(const struct inst *in, const char *user)
{
	return client_login_at(in->url, in->ca, user, DEMO_PASSWORD);
}

long long
inst_enterprise(const struct inst *in, const char *region, const char *name)
{
	static unsigned long	 serial;
	PGconn			*db = inst_db(in, "postgres", 0);
	long long		 v;

	/* Distinct per region and call: the region's digits lead. */
	v = enterprise_insert(db, strtoul(region, NULL, 10) * 1000UL +
	    ++serial % 1000, region, name);
	PQfinish(db);
	return v;
}
