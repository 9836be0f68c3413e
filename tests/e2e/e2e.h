/*
 * e2e.h: the end-to-end harness.  Tests speak HTTPS to the real nginx in
 * front of the real service and PostgreSQL that `./run test` started:
 *
 *	PAICHA_URL			https://localhost:PORT
 *	PAICHA_CA			the instance's self-signed certificate
 *	PAICHA_ADMIN_DATABASE_URL	libpq string for the superuser
 *	PAICHA_APP_DATABASE_URL		libpq string for the service's role
 *	PAICHA_RUN, PAICHA_VAR		./run and the instance, for faults
 *	PAICHA_BUILD			the build the instance runs (optional)
 */
#ifndef E2E_H
#define E2E_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <jansson.h>
#include <libpq-fe.h>

#define DEMO_PASSWORD	"paicha-demo"
/*
 * The password of the users tests make through the API (fixture_user):
 * every password set through the API passes the password rules, which
 * the demo users' own (seeded by ./run, and by user_make) does not.
 */
#define FIXTURE_PASSWORD "e2e-Fixture-Pw-7421"

struct resp {
	long		 status;
	char		*body;		/* NUL-terminated */
	size_t		 len;
	char		*headers;	/* raw, "Name: value\r\n" lines */
	size_t		 hlen;
	json_t		*json;		/* parsed body, or NULL */
};

struct client {
	CURL		*curl;
	char		 name[64];
	char		*url;		/* NULL: PAICHA_URL */
	char		*ca;		/* the certificate it trusts */
};

/* Clients: each has its own cookie jar (one user's browser). */
struct client	*client_new(void);
void		 client_free(struct client *);
struct client	*client_login(const char *, const char *);
char		*client_token(struct client *);	/* its session's, malloc'd */
/* The same for another instance: its URL and its certificate. */
struct client	*client_new_at(const char *, const char *);
struct client	*client_login_at(const char *, const char *, const char *,
		    const char *);
struct client	*client_clone(struct client *);

/*
 * One request.  `body` may be NULL; `headers` a NULL-terminated list of
 * "Name: value" (a JSON Content-Type is added for a body unless one is
 * given).  Fills `r` (free with resp_free).  Returns the status.
 */
long	 http(struct client *, const char *, const char *, const char *,
	    const char *const *, struct resp *);
long	 http_raw(struct client *, const char *, const char *, const char *,
	    size_t, const char *const *, struct resp *);
long	 http_get(struct client *, const char *, struct resp *);
long	 http_json(struct client *, const char *, const char *, json_t *,
	    const char *const *, struct resp *);
void	 resp_free(struct resp *);
const char *resp_header(const struct resp *, const char *, char *, size_t);

/* Assertions with the body printed when they fail. */
#define assert_status(r, want) do {					\
	if ((r)->status != (want))					\
		fail_msg("status %ld, want %d: %s", (r)->status,	\
		    (int)(want), (r)->body ? (r)->body : "");		\
} while (0)

void	 assert_problem(const struct resp *, int);
void	 assert_problem_field(const struct resp *, int, const char *);

/* The database, for checks the API cannot show and faults. */
PGconn	*db_admin(void);
PGconn	*db_app(void);
char	*db_value(PGconn *, const char *, ...);	/* first cell or NULL */
void	 db_do(PGconn *, const char *);
char	*db_scope_as(PGconn *, struct client *);	/* its region */
void	 db_expect(PGconn *, const char *, const char *, const char *);
long	 chain_broken(PGconn *, const char *, long *);

/* ./run subcommands on the test instance; returns the exit status. */
int	 run_cmd(const char *);
char	*run_out(const char *);

const char *e2e_url(void);
const char *e2e_env(const char *);
char	*fmt(const char *, ...) __attribute__((format(printf, 1, 2)));
double	 now_seconds(void);
void	 cst_date(int, char[11]);
const char	*cst_day(int);

/* Fixtures made directly in the database (superuser). */
char	*uscc_make(unsigned long);		/* a valid code, malloc'd */
long long enterprise_insert(PGconn *, unsigned long, const char *,
	    const char *);			/* db, code number, region, name */
long long enterprise_make(const char *, const char *);	/* region, name */
int	 user_make(const char *, const char *, const char *);
long long case_make(struct client *, long long, const char *);

/* A raw TLS connection for requests curl will not send. */
char	*raw_https(const char *, size_t);

/* Fixtures (fixtures.c): records a test makes for itself. */
void		 uscc_unique(char [19]);		/* a valid code, unique */
void		 uscc_unique_in(const char *, char [19]); /* of a region's
							   province */
char		*unique_name(const char *);	/* prefix + unique digits */
char		*unique_words(const char *);	/* prefix + unique numerals */
long long	 fixture_user(struct client *, const char *, const char *,
		    const char *);
long long	 fixture_enterprise(struct client *, const char *, char [19]);
long long	 fixture_case(struct client *, long long);
void		 uscc_in_region(const char *, char [19]);
long long	 fixture_enterprise_with(struct client *, const char *,
		    json_t *);
int		 list_has(struct client *, const char *, long long);
long		 status_of(struct client *, const char *, const char *,
		    json_t *, const char *const *);
int		 rollup_matches(const json_t *, const json_t *const *,
		    size_t);
int		 rollup_standing(const json_t *, const json_t *const *,
		    size_t);

#endif /* E2E_H */
