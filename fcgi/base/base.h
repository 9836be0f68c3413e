/*
 * base.h: what every layer of the service may use and that knows nothing
 * of requests, the database or the ledger -- the settings, logging, the
 * clock, hex and UTF-8.
 */
#ifndef PAICHA_BASE_H
#define PAICHA_BASE_H

#include <stddef.h>

/* The number of rows of a table whose size the compiler knows. */
#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ */
/* Settings (config.c): one table row per setting.                    */
/* ------------------------------------------------------------------ */

struct config {
	char	*socket;		/* FastCGI Unix socket path */
	char	*socket_group;		/* group that may connect (nginx's) */
	char	*user;			/* drop to this user when root */
	char	*database_url;		/* libpq connection string */
	char	*replica_url;		/* optional read replica */
	long	 replica_max_lag;	/* seconds behind the primary, at most */
	char	*key_file;		/* Ed25519 checkpoint key (PEM) */
	char	*thumbnailer;		/* paicha-thumb; NULL: beside paicha */
	long	 threads;		/* worker threads */
	long	 session_idle;		/* seconds */
	long	 session_absolute;	/* seconds */
	long	 checkpoint_interval;	/* seconds; 0 disables the job */
	long	 drain_timeout;		/* seconds to finish requests on SIGTERM */
	long	 login_concurrency;	/* password hashes computed at once */
	long	 sched_interval;	/* seconds between the scheduler's
					   looks at its jobs; 0 disables it */
	long	 sched_batch;		/* items per transaction of a job */
	long	 sched_hold_ms;		/* tests only: each batch holds its
					   transaction this long before
					   committing (a kill lands mid-way) */
	long	 referral_due_days;	/* working days a referral's
					   receiver has to decide
					   (WF_REFERRAL_DUE_DAYS) */
	char	*webhook_allow;		/* where webhooks may post: "public"
					   addresses only, also "loopback",
					   or also "private" (outbound.c) */
};

extern struct config cfg;

int	 config_load(struct config *);
void	 config_free(struct config *);

/* ------------------------------------------------------------------ */
/* Logging (log.c): one line per call, lower-case, no trailing period. */
/* ------------------------------------------------------------------ */

void	 log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_error(const char *, ...) __attribute__((format(printf, 1, 2)));

/* ------------------------------------------------------------------ */
/* The clock (clock.c)                                                */
/* ------------------------------------------------------------------ */

#define TIME_LEN	28	/* "2026-01-02T03:04:05.123456Z" and NUL */

long long	 now_us(void);
void		 format_time(long long, char *);

/* ------------------------------------------------------------------ */
/* Hex (hex.c) and UTF-8 (utf8.c)                                     */
/* ------------------------------------------------------------------ */

int	 hex_digit(int);
void	 hex_encode(const unsigned char *, size_t, char *);
void	 bytea_hex(const unsigned char *, size_t, char *);
int	 bytea_parse(const char *, unsigned char *, size_t);
int	 utf8_valid(const char *, size_t);
size_t	 utf8_chars(const char *);

#endif /* PAICHA_BASE_H */
