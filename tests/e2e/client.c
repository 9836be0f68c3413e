/*
 * client.c: the end-to-end harness's HTTPS client (libcurl), database
 * access (libpq) and fault hooks (./run).
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "e2e.h"

const char *
e2e_env(const char *name)
{
	const char	*v = getenv(name);

	if (v == NULL || *v == '\0') {
		fprintf(stderr, "e2e: %s is not set (run through ./run test)\n",
		    name);
		exit(2);
	}
	return v;
}

const char *
e2e_url(void)
{
	return e2e_env("PAICHA_URL");
}

char *
fmt(const char *f, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, f);
	if (vasprintf(&s, f, ap) == -1)
		s = NULL;
	va_end(ap);
	assert_non_null(s);
	return s;
}

/* The date `days` from today in China Standard Time, "YYYY-MM-DD". */
void
cst_date(int days, char out[11])
{
	time_t		 t = time(NULL) + 8 * 3600 + (time_t)days * 86400;
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/*
 * cst_date into one of eight static buffers: up to eight results live at
 * once, for building one request's body.  Not for threads.
 */
const char *
cst_day(int days)
{
	static char	 buf[8][11];
	static int	 k;

	k = (k + 1) % 8;
	cst_date(days, buf[k]);
	return buf[k];
}

double
now_seconds(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------------ */
/* HTTP                                                               */
/* ------------------------------------------------------------------ */

struct buf {
	char	*p;
	size_t	 len;
};

static size_t
collect(char *data, size_t size, size_t n, void *arg)
{
	struct buf	*b = arg;
	char		*p;

	if ((p = realloc(b->p, b->len + size * n + 1)) == NULL)
		return 0;
	memcpy(p + b->len, data, size * n);
	b->len += size * n;
	p[b->len] = '\0';
	b->p = p;
	return size * n;
}

/* A client of the instance at `url` (NULL: PAICHA_URL), trusting `ca`. */
struct client *
client_new_at(const char *url, const char *ca)
{
	struct client	*c = calloc(1, sizeof(*c));

	assert_non_null(c);
	if (url != NULL)
		assert_non_null(c->url = strdup(url));
	assert_non_null(c->ca = strdup(ca));
	c->curl = curl_easy_init();
	assert_non_null(c->curl);
	curl_easy_setopt(c->curl, CURLOPT_CAINFO, ca);
	curl_easy_setopt(c->curl, CURLOPT_COOKIEFILE, "");
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	return c;
}

struct client *
client_new(void)
{
	return client_new_at(NULL, e2e_env("PAICHA_CA"));
}

void
client_free(struct client *c)
{
	if (c == NULL)
		return;
	curl_easy_cleanup(c->curl);
	free(c->url);
	free(c->ca);
	free(c);
}

long
http(struct client *c, const char *method, const char *path,
    const char *body, const char *const *headers, struct resp *r)
{
	return http_raw(c, method, path, body, body != NULL ? strlen(body) : 0,
	    headers, r);
}

/*
 * One request with a body of `len` bytes that may hold anything (a
 * file): as http(), which sends a NUL-terminated one through here.
 */
long
http_raw(struct client *c, const char *method, const char *path,
    const char *body, size_t len, const char *const *headers, struct resp *r)
{
	struct curl_slist	*hl = NULL;
	struct buf		 b = { NULL, 0 }, h = { NULL, 0 };
	char			*url = fmt("%s%s", c->url != NULL ? c->url :
				    e2e_url(), path);
	int			 has_ct = 0;
	CURLcode		 rc;

	memset(r, 0, sizeof(*r));
	for (; headers != NULL && *headers != NULL; headers++) {
		hl = curl_slist_append(hl, *headers);
		if (strncasecmp(*headers, "Content-Type:", 13) == 0)
			has_ct = 1;
	}
	if (body != NULL && !has_ct)
		hl = curl_slist_append(hl, "Content-Type: application/json");
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 0L);
	curl_easy_setopt(c->curl, CURLOPT_NOBODY, 0L);
	if (body != NULL) {
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)len);
	} else if (strcmp(method, "GET") == 0)
		curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
	else {
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, NULL);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)0);
	}
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, collect);
	curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, &h);
	rc = curl_easy_perform(c->curl);
	curl_slist_free_all(hl);
	free(url);
	if (rc != CURLE_OK) {
		free(b.p);
		free(h.p);
		r->status = 0;
		r->body = strdup(curl_easy_strerror(rc));
		return 0;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &r->status);
	r->body = b.p != NULL ? b.p : strdup("");
	r->len = b.len;
	r->headers = h.p != NULL ? h.p : strdup("");
	r->hlen = h.len;
	r->json = json_loadb(r->body, r->len, 0, NULL);
	return r->status;
}

long
http_get(struct client *c, const char *path, struct resp *r)
{
	return http(c, "GET", path, NULL, NULL, r);
}

/* Send `body` (stolen) as JSON. */
long
http_json(struct client *c, const char *method, const char *path,
    json_t *body, const char *const *headers, struct resp *r)
{
	char	*s = json_dumps(body, JSON_COMPACT);
	long	 st;

	json_decref(body);
	assert_non_null(s);
	st = http(c, method, path, s, headers, r);
	free(s);
	return st;
}

void
resp_free(struct resp *r)
{
	free(r->body);
	free(r->headers);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

/*
 * The value of the last header `name` in the reply (the last block of
 * headers, after any 100 Continue), copied into `out`; NULL if absent.
 */
const char *
resp_header(const struct resp *r, const char *name, char *out, size_t size)
{
	const char	*p = r->headers, *found = NULL, *e;
	size_t		 n = strlen(name), len;

	while (p != NULL && *p != '\0') {
		if (strncasecmp(p, name, n) == 0 && p[n] == ':')
			found = p + n + 1;
		p = strstr(p, "\r\n");
		if (p != NULL)
			p += 2;
	}
	if (found == NULL)
		return NULL;
	while (*found == ' ')
		found++;
	e = strstr(found, "\r\n");
	len = e != NULL ? (size_t)(e - found) : strlen(found);
	if (len >= size)
		len = size - 1;
	memcpy(out, found, len);
	out[len] = '\0';
	return out;
}

/* A new client with `c`'s cookies: the same session, its own connection. */
struct client *
client_clone(struct client *c)
{
	struct client		*n = client_new_at(c->url, c->ca);
	struct curl_slist	*cookies = NULL, *k;

	snprintf(n->name, sizeof(n->name), "%s", c->name);
	curl_easy_getinfo(c->curl, CURLINFO_COOKIELIST, &cookies);
	for (k = cookies; k != NULL; k = k->next)
		curl_easy_setopt(n->curl, CURLOPT_COOKIELIST, k->data);
	curl_slist_free_all(cookies);
	return n;
}

/*
 * Log in at `url` (NULL: PAICHA_URL).  A 503 "too many logins at once"
 * (the password hashing slots were busy: a loaded machine) is retried
 * for up to 30 seconds, as its Retry-After asks.
 */
struct client *
client_login_at(const char *url, const char *ca, const char *user,
    const char *password)
{
	struct client	*c = client_new_at(url, ca);
	struct resp	 r;
	int		 tries = 0;

	snprintf(c->name, sizeof(c->name), "%s", user);
	for (;;) {
		http_json(c, "POST", "/api/v1/session", json_pack("{s:s, s:s}",
		    "username", user, "password", password), NULL, &r);
		if (r.status != 503 || ++tries == 30)
			break;
		resp_free(&r);
		sleep(1);
	}
	assert_status(&r, 201);
	resp_free(&r);
	return c;
}

struct client *
client_login(const char *user, const char *password)
{
	return client_login_at(NULL, e2e_env("PAICHA_CA"), user, password);
}

/* The reply is problem+json with this status. */
void
assert_problem(const struct resp *r, int status)
{
	char	 ct[128];

	assert_status(r, status);
	if (resp_header(r, "Content-Type", ct, sizeof(ct)) == NULL ||
	    strcmp(ct, "application/problem+json") != 0)
		fail_msg("want problem+json, got %s: %s",
		    resp_header(r, "Content-Type", ct, sizeof(ct)) ? ct : "none",
		    r->body);
	if (r->json == NULL ||
	    json_integer_value(json_object_get(r->json, "status")) != status ||
	    !json_is_string(json_object_get(r->json, "type")) ||
	    !json_is_string(json_object_get(r->json, "title")))
		fail_msg("not a problem document: %s", r->body);
}

/* The reply is a problem naming `field` in errors[]. */
void
assert_problem_field(const struct resp *r, int status, const char *field)
{
	json_t	*e;
	size_t	 i;

	assert_problem(r, status);
	json_array_foreach(json_object_get(r->json, "errors"), i, e)
		if (strcmp(json_string_value(json_object_get(e, "field")) ?
		    json_string_value(json_object_get(e, "field")) : "",
		    field) == 0)
			return;
	fail_msg("no error for field %s: %s", field, r->body);
}

/* ------------------------------------------------------------------ */
/* Database                                                           */
/* ------------------------------------------------------------------ */

static PGconn *
db_open(const char *env)
{
	PGconn	*c = PQconnectdb(e2e_env(env));

	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("could not connect (%s): %s", env, PQerrorMessage(c));
	return c;
}

PGconn *
db_admin(void)
{
	return db_open("PAICHA_ADMIN_DATABASE_URL");
}

PGconn *
db_app(void)
{
	return db_open("PAICHA_APP_DATABASE_URL");
}

/* Run `sql` with text parameters; the first cell (malloc'd) or NULL. */
char *
db_value(PGconn *c, const char *sql, ...)
{
	const char	*p[8];
	va_list		 ap;
	PGresult	*res;
	char		*v = NULL;
	int		 n = 0;

	va_start(ap, sql);
	while (n < 8 && (p[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	res = PQexecParams(c, sql, n, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK &&
	    PQresultStatus(res) != PGRES_COMMAND_OK)
		fail_msg("sql failed: %s: %s", sql, PQerrorMessage(c));
	if (PQntuples(res) > 0 && PQnfields(res) > 0 &&
	    !PQgetisnull(res, 0, 0))
		v = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return v;
}

void
db_do(PGconn *c, const char *sql)
{
	PGresult	*res = PQexec(c, sql);

	if (PQresultStatus(res) != PGRES_TUPLES_OK &&
	    PQresultStatus(res) != PGRES_COMMAND_OK)
		fail_msg("sql failed: %s: %s", sql, PQerrorMessage(c));
	PQclear(res);
}

/*
 * Check the history of the cases in `ids` (a bigint[] literal): each
 * hash recomputed by event_hash(), each prev_hash the hash before it,
 * seqs 1..n without a gap, and each case's head (last_seq, last_hash)
 * and version those of its last event.  Returns the number of events
 * and heads that fail; *events (if not NULL) gets the events checked.
 */
long
chain_broken(PGconn *db, const char *ids, long *events)
{
	char	*s;
	long	 bad = 0, n = 0, heads = 0;

	s = db_value(db, "SELECT count(*) FILTER (WHERE bad) || ' ' || count(*)"
	    " FROM (SELECT e.hash <> event_hash(e.case_id, e.seq, e.prev_hash,"
	    "   e.record) OR e.prev_hash <> coalesce(lag(e.hash) OVER w,"
	    "   decode(repeat('00', 32), 'hex'))"
	    "   OR e.seq <> row_number() OVER w AS bad"
	    " FROM case_events e WHERE e.case_id = ANY($1::bigint[])"
	    " WINDOW w AS (PARTITION BY e.case_id ORDER BY e.seq)) x", ids, NULL);
	if (s == NULL || sscanf(s, "%ld %ld", &bad, &n) != 2)
		fail_msg("chain check: %s", s ? s : "no answer");
	free(s);
	s = db_value(db, "SELECT count(*) FROM cases c LEFT JOIN LATERAL"
	    " (SELECT seq, hash FROM case_events WHERE case_id = c.id"
	    " ORDER BY seq DESC LIMIT 1) l ON true"
	    " WHERE c.id = ANY($1::bigint[]) AND (c.last_seq, c.last_hash,"
	    " c.version) IS DISTINCT FROM (l.seq, l.hash, l.seq)", ids, NULL);
	heads = s != NULL ? strtol(s, NULL, 10) : 1;
	free(s);
	if (events != NULL)
		*events = n;
	return bad + heads;
}

/* ------------------------------------------------------------------ */
/* Faults                                                             */
/* ------------------------------------------------------------------ */

int
run_cmd(const char *args)
{
	char	*cmd = fmt("PAICHA_VAR='%s' '%s' %s >&2",
	    e2e_env("PAICHA_VAR"), e2e_env("PAICHA_RUN"), args);
	int	 st = system(cmd);

	free(cmd);
	return st == -1 ? -1 : WEXITSTATUS(st);
}

/*
 * The first line ./run ARGS prints on the test instance (malloc'd, no
 * newline), or NULL when it fails.
 */
char *
run_out(const char *args)
{
	char	*cmd = fmt("PAICHA_VAR='%s' '%s' %s 2>/dev/null",
	    e2e_env("PAICHA_VAR"), e2e_env("PAICHA_RUN"), args);
	char	 line[256];
	FILE	*p = popen(cmd, "r");
	int	 ok;

	free(cmd);
	if (p == NULL)
		return NULL;
	ok = fgets(line, sizeof(line), p) != NULL;
	if (pclose(p) != 0 || !ok)
		return NULL;
	line[strcspn(line, "\n")] = '\0';
	return strdup(line);
}

/* ------------------------------------------------------------------ */
/* Raw HTTPS                                                          */
/* ------------------------------------------------------------------ */

/*
 * Send `req` as-is over a fresh TLS connection and return everything
 * the server sent until it closed (malloc'd), or NULL.
 */
char *
raw_https(const char *req, size_t len)
{
	const char	*url = e2e_url(), *hp;
	char		 host[128], port[16], chunk[4096];
	struct addrinfo	 hints, *ai = NULL;
	struct buf	 b = { NULL, 0 };
	SSL_CTX		*ctx = NULL;
	SSL		*ssl = NULL;
	int		 fd = -1, n;

	hp = strstr(url, "://") + 3;
	if (sscanf(hp, "%127[^:]:%15[0-9]", host, port) != 2)
		return NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_family = AF_INET;
	if (getaddrinfo(host, port, &hints, &ai) != 0)
		return NULL;
	if ((fd = socket(ai->ai_family, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, ai->ai_addr, ai->ai_addrlen) == -1)
		goto out;
	ctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_load_verify_locations(ctx, e2e_env("PAICHA_CA"), NULL);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	ssl = SSL_new(ctx);
	SSL_set_tlsext_host_name(ssl, host);
	SSL_set1_host(ssl, host);
	SSL_set_fd(ssl, fd);
	if (SSL_connect(ssl) != 1 || SSL_write(ssl, req, (int)len) != (int)len)
		goto out;
	while ((n = SSL_read(ssl, chunk, sizeof(chunk))) > 0)
		collect(chunk, 1, (size_t)n, &b);
out:
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	if (fd != -1)
		close(fd);
	freeaddrinfo(ai);
	return b.p;
}

/* ------------------------------------------------------------------ */
/* Fixtures                                                           */
/* ------------------------------------------------------------------ */

/*
 * A valid unified social credit code (GB 32100-2015) numbered `n`,
 * computed here independently of the service's own check.
 */
char *
uscc_make(unsigned long n)
{
	static const char alpha[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
	static const int w[17] = { 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25,
	    13, 8, 24, 10, 30, 28 };
	char	*s = malloc(19);
	int	 i, sum = 0;

	assert_non_null(s);
	snprintf(s, 19, "91110000%09lu", n % 1000000000UL);
	for (i = 0; i < 17; i++)
		sum += (int)(strchr(alpha, s[i]) - alpha) * w[i];
	s[17] = alpha[(31 - sum % 31) % 31];
	s[18] = '\0';
	return s;
}

/*
 * An enterprise in `region` with the credit code made from `number`,
 * inserted over `db` (a superuser's connection, kept open); its id.
 */
long long
enterprise_insert(PGconn *db, unsigned long number, const char *region,
    const char *name)
{
	char		*code, *id;
	long long	 v;

	code = uscc_make(number);
	id = db_value(db, "INSERT INTO enterprises (uscc, name, region,"
	    " created_by) VALUES ($1, $2, $3, (SELECT min(id) FROM users))"
	    " RETURNING id", code, name, region, NULL);
	assert_non_null(id);
	v = strtoll(id, NULL, 10);
	free(id);
	free(code);
	return v;
}

/* An enterprise in `region`, inserted as the superuser; its id. */
long long
enterprise_make(const char *region, const char *name)
{
	static unsigned long	 serial;
	PGconn			*db = db_admin();
	long long		 v;

	v = enterprise_insert(db, (unsigned long)getpid() * 1000UL +
	    (unsigned long)time(NULL) % 1000UL * 1000000UL + ++serial,
	    region, name);
	PQfinish(db);
	return v;
}

/*
 * A user made with paicha-admin (password paicha-demo, without the
 * password rules: as ./run seeds the demo users) unless it exists.
 * Returns 0 on success.
 */
int
user_make(const char *username, const char *region, const char *roles)
{
	const char	*build = getenv("PAICHA_BUILD");
	char		*cmd, *dir;
	int		 st;

	/* The build the instance runs (./run test: build-san/), else ./run's. */
	if (build != NULL && *build != '\0')
		dir = strdup(build);
	else {
		dir = strdup(e2e_env("PAICHA_RUN"));
		*strrchr(dir, '/') = '\0';
	}
	cmd = fmt("echo '%s' | PAICHA_ADMIN_DATABASE_URL='%s' '%s/fcgi/"
	    "paicha-admin' user-create --username '%s' --display-name '%s'"
	    " --region '%s' --roles '%s' --password-stdin --if-missing"
	    " --no-password-rules"
	    " >/dev/null", DEMO_PASSWORD, e2e_env("PAICHA_ADMIN_DATABASE_URL"),
	    dir, username, username, region, roles);
	st = system(cmd);
	free(cmd);
	free(dir);
	return st == 0 ? 0 : -1;
}

/* A case registered by `c` at enterprise `eid`; its id. */
long long
case_make(struct client *c, long long eid, const char *problem)
{
	struct resp	 r;
	long long	 id;

	http_json(c, "POST", "/api/v1/cases", json_pack("{s:I, s:i, s:s,"
	    " s:s, s:s, s:s}", "enterprise_id", (json_int_t)eid,
	    "campaign_id", 2026, "category", "cement", "domain",
	    "production", "source", "spot_check", "problem", problem), NULL,
	    &r);
	assert_status(&r, 201);
	id = json_integer_value(json_object_get(r.json, "id"));
	resp_free(&r);
	return id;
}

/* The token of `c`'s session, from its cookie jar (malloc'd). */
char *
client_token(struct client *c)
{
	static const char	 name[] = "\t__Host-paicha\t";
	struct curl_slist	*cookies = NULL, *k;
	char			*tok = NULL, *v;

	curl_easy_getinfo(c->curl, CURLINFO_COOKIELIST, &cookies);
	for (k = cookies; k != NULL; k = k->next)
		if ((v = strstr(k->data, name)) != NULL) {
			free(tok);
			tok = strdup(v + strlen(name));
		}
	curl_slist_free_all(cookies);
	if (tok == NULL || strlen(tok) != 43)
		fail_msg("no session token in %s's cookies", c->name);
	return tok;
}

/*
 * Scope the database connection `app` (paicha_app) as the service scopes
 * a request of `c`'s session: session_open() with the SHA-256 of the
 * session's token, which sets paicha.region, paicha.user_id and
 * paicha.session from the user's own record -- never from anything the
 * test chooses.  Returns the region.
 */
char *
db_scope_as(PGconn *app, struct client *c)
{
	char	*tok = client_token(c), *region;

	region = db_value(app, "SELECT region FROM session_open(sha256(decode("
	    "translate($1, '-_', '+/') || '=', 'base64')), 3600)", tok, NULL);
	if (region == NULL)
		fail_msg("%s's session did not open", c->name);
	free(tok);
	return region;
}

/* `sql` (one parameter `arg`, or none when NULL) as `c` must give `want`. */
void
db_expect(PGconn *c, const char *sql, const char *arg, const char *want)
{
	char	*n = db_value(c, sql, arg, NULL);

	if (n == NULL || strcmp(n, want) != 0)
		fail_msg("%s [$1 = %s]: %s, want %s", sql, arg ? arg : "-",
		    n ? n : "NULL", want);
	free(n);
}
