/*
 * config.c: the service's settings, one table row per setting.
 *
 * Each setting has a built-in default, may be set in an optional file
 * named by PAICHA_CONFIG (lines "name = value", '#' comments), and may be
 * overridden by its environment variable.  Numbers are range-checked.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

struct config cfg;

enum ctype {
	CT_STR,
	CT_LONG,
	CT__MAX
};

struct setting {
	const char	*name;		/* in the file */
	const char	*env;		/* in the environment */
	enum ctype	 type;
	const char	*def;		/* NULL: no default (may stay unset) */
	long		 min, max;	/* CT_LONG only */
	size_t		 off;
};

#define S(field)	offsetof(struct config, field)

static const struct setting settings[] = {
	{ "socket", "PAICHA_SOCKET", CT_STR, "var/run/paicha.sock", 0, 0, S(socket) },
	{ "socket_group", "PAICHA_SOCKET_GROUP", CT_STR, NULL, 0, 0, S(socket_group) },
	{ "user", "PAICHA_USER", CT_STR, NULL, 0, 0, S(user) },
	{ "database_url", "PAICHA_DATABASE_URL", CT_STR, "dbname=paicha", 0, 0, S(database_url) },
	{ "replica_url", "PAICHA_REPLICA_URL", CT_STR, NULL, 0, 0, S(replica_url) },
	{ "replica_max_lag", "PAICHA_REPLICA_MAX_LAG", CT_LONG, "10", 0, 3600, S(replica_max_lag) },
	{ "key_file", "PAICHA_KEY_FILE", CT_STR, "var/keys/checkpoint.pem", 0, 0, S(key_file) },
	{ "thumbnailer", "PAICHA_THUMBNAILER", CT_STR, NULL, 0, 0, S(thumbnailer) },
	{ "threads", "PAICHA_THREADS", CT_LONG, "16", 1, 1024, S(threads) },
	{ "session_idle", "PAICHA_SESSION_IDLE", CT_LONG, "1800", 1, 86400, S(session_idle) },
	{ "session_absolute", "PAICHA_SESSION_ABSOLUTE", CT_LONG, "43200", 1, 604800, S(session_absolute) },
	{ "checkpoint_interval", "PAICHA_CHECKPOINT_INTERVAL", CT_LONG, "10", 0, 86400, S(checkpoint_interval) },
	{ "drain_timeout", "PAICHA_DRAIN_TIMEOUT", CT_LONG, "30", 0, 3600, S(drain_timeout) },
	{ "login_concurrency", "PAICHA_LOGIN_CONCURRENCY", CT_LONG, "2", 1, 64, S(login_concurrency) },
	{ "sched_interval", "PAICHA_SCHED_INTERVAL", CT_LONG, "20", 0, 3600, S(sched_interval) },
	{ "sched_batch", "PAICHA_SCHED_BATCH", CT_LONG, "500", 1, 100000, S(sched_batch) },
	{ "sched_hold_ms", "PAICHA_SCHED_HOLD_MS", CT_LONG, "0", 0, 60000, S(sched_hold_ms) },
	/* workflow.h WF_REFERRAL_DUE_DAYS: a default, not a cited rule */
	{ "referral_due_days", "PAICHA_REFERRAL_DUE_DAYS", CT_LONG, "15", 1, 60, S(referral_due_days) },
	{ "webhook_allow", "PAICHA_WEBHOOK_ALLOW", CT_STR, "public", 0, 0, S(webhook_allow) },
};

#define NSETTINGS	(sizeof(settings) / sizeof(settings[0]))

/*
 * Store `val` into the setting.  Returns 0, or -1 (logged) when the value
 * is not valid for the setting; the configuration is then unchanged.
 */
static int
setting_set(struct config *c, const struct setting *s, const char *val,
    const char *from)
{
	char	*end, **sp;
	long	 n, *np;

	switch (s->type) {
	case CT_STR:
		sp = (char **)((char *)c + s->off);
		free(*sp);
		if ((*sp = strdup(val)) == NULL)
			return -1;
		return 0;
	case CT_LONG:
		errno = 0;
		n = strtol(val, &end, 10);
		if (errno != 0 || end == val || *end != '\0' ||
		    n < s->min || n > s->max) {
			log_error("config %s from %s: not a number in %ld..%ld",
			    s->name, from, s->min, s->max);
			return -1;
		}
		np = (long *)((char *)c + s->off);
		*np = n;
		return 0;
	case CT__MAX:
		break;
	}
	return -1;
}

static char *
trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/*
 * Read "name = value" lines from `path`.  Unknown names are errors, so a
 * typo does not silently leave a default in place.
 */
static int
config_file(struct config *c, const char *path)
{
	FILE	*f;
	char	 line[1024], *key, *val, *eq;
	size_t	 i;
	int	 rc = -1, lineno = 0;

	if ((f = fopen(path, "r")) == NULL) {
		log_error("could not open config file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if ((eq = strchr(line, '#')) != NULL)
			*eq = '\0';
		key = trim(line);
		if (*key == '\0')
			continue;
		if ((eq = strchr(key, '=')) == NULL) {
			log_error("config file %s:%d: expected name = value",
			    path, lineno);
			goto out;
		}
		*eq = '\0';
		key = trim(key);
		val = trim(eq + 1);
		for (i = 0; i < NSETTINGS; i++)
			if (strcmp(settings[i].name, key) == 0)
				break;
		if (i == NSETTINGS) {
			log_error("config file %s:%d: unknown setting %s",
			    path, lineno, key);
			goto out;
		}
		if (setting_set(c, &settings[i], val, path) == -1)
			goto out;
	}
	rc = 0;
out:
	fclose(f);
	return rc;
}

/*
 * Fill `c` from defaults, then the file named by PAICHA_CONFIG, then the
 * environment.  Returns 0, or -1 after logging what was wrong.
 */
int
config_load(struct config *c)
{
	const char	*v;
	size_t		 i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < NSETTINGS; i++)
		if (settings[i].def != NULL &&
		    setting_set(c, &settings[i], settings[i].def, "default") == -1)
			return -1;
	if ((v = getenv("PAICHA_CONFIG")) != NULL && *v != '\0' &&
	    config_file(c, v) == -1)
		return -1;
	for (i = 0; i < NSETTINGS; i++)
		if ((v = getenv(settings[i].env)) != NULL && *v != '\0' &&
		    setting_set(c, &settings[i], v, settings[i].env) == -1)
			return -1;
	/* A typo must not widen nor quietly narrow where webhooks post. */
	if (strcmp(c->webhook_allow, "public") != 0 &&
	    strcmp(c->webhook_allow, "loopback") != 0 &&
	    strcmp(c->webhook_allow, "private") != 0) {
		log_error("config webhook_allow: not public, loopback or "
		    "private");
		return -1;
	}
	return 0;
}

void
config_free(struct config *c)
{
	size_t	 i;

	for (i = 0; i < NSETTINGS; i++)
		if (settings[i].type == CT_STR) {
			free(*(char **)((char *)c + settings[i].off));
			*(char **)((char *)c + settings[i].off) = NULL;
		}
}
