/*
 * e2e-webhooks: outgoing webhooks (API.md Part 2 "Data exchange") against
 * a receiver in this program -- a small HTTP server on a loopback port
 * (the test instance allows loopback: PAICHA_WEBHOOK_ALLOW=loopback,
 * run.d/service.sh):
 *
 *  - test_delivery_after_outage: the receiver is down (its port bound,
 *    not listening: refused), then answers 503, then 200.  While it is
 *    down only the oldest event of each entity is tried (one in flight
 *    per entity), its back-off grows (30 s, then 60 s); when it is up
 *    every event arrives, in order per entity, each signature verified
 *    here with HMAC-SHA256 of the exact body, and the bodies are the
 *    feed's items of the same events, none missing.  The back-off is
 *    not waited out: the test moves next_attempt to now through
 *    db_admin().  Then the delivery log, and a disabled webhook gets
 *    nothing more.
 *  - test_backoff_schedule: webhook_result()'s schedule, attempt by
 *    attempt (30 s doubling to a 30 min cap), failed 72 hours after the
 *    event and not before, a delivered one final -- and it makes the
 *    webhook's other waiting deliveries due at once.
 *  - test_checked_again_at_delivery: a webhook whose address turns
 *    private after registration (its URL changed behind the API, as a
 *    DNS answer would) is refused at delivery and nothing is posted.
 *  - test_register_refused: not http(s), a host that resolves to
 *    nothing (.invalid), private and reserved addresses, credentials in
 *    the URL, missing and bad fields (422); a non-admin (403); nothing
 *    stored by a refusal.
 *  - test_secret_never_read: no reply carries the secret, and the
 *    service's role may not select it; registering and disabling are
 *    audited events of the webhook's stream (without the secret).
 *  - test_region_admin_gets_its_region: a Shanghai admin's webhook gets
 *    Shanghai's events only, and the nation's webhook is not its to see.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "e2e.h"

#define WAIT_S		60	/* for the scheduler (every second here) */
#define BODY_MAX	(1 << 20)

static struct client	*admin, *officer;

/* ------------------------------------------------------------------ */
/* The receiver                                                       */
/* ------------------------------------------------------------------ */

enum rmode { RM_503, RM_200 };

struct receiver {
	int		 fd;
	int		 port;
	const char	*secret;
	pthread_t	 th;
	int		 running;
	pthread_mutex_t	 mu;
	enum rmode	 mode;
	int		 stop;
	json_t		*got;	/* [{status, sig_ok, body}] */
};

static struct receiver rc = { .fd = -1, .mu = PTHREAD_MUTEX_INITIALIZER };

/* Bind a loopback port and do not listen yet: connections are refused. */
static void
receiver_bind(struct receiver *v)
{
	struct sockaddr_in	 a;
	socklen_t		 len = sizeof(a);
	int			 one = 1;

	v->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(v->fd >= 0);
	setsockopt(v->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(v->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(v->fd, (struct sockaddr *)&a, &len), 0);
	v->port = ntohs(a.sin_port);
	v->got = json_array();
}

static int
sig_ok(const char *secret, const char *body, size_t n, const char *hdr)
{
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	unsigned int	 maclen = 0;
	char		 want[7 + 2 * EVP_MAX_MD_SIZE + 1];
	unsigned int	 i;

	if (hdr == NULL)
		return 0;
	HMAC(EVP_sha256(), secret, (int)strlen(secret),
	    (const unsigned char *)body, n, mac, &maclen);
	strcpy(want, "sha256=");
	for (i = 0; i < maclen; i++)
		snprintf(want + 7 + 2 * i, 3, "%02x", mac[i]);
	return strcmp(want, hdr) == 0;
}

/* The value of header `name` in `head` (NUL-ended lines), copied, or NULL. */
static char *
header_of(const char *head, const char *name)
{
	const char	*p = head, *e;
	size_t		 n = strlen(name);

	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			while (*p == ' ')
				p++;
			e = strstr(p, "\r\n");
			return e != NULL ? strndup(p, (size_t)(e - p)) : NULL;
		}
	}
	return NULL;
}

/* One request on `fd`: read, judge, record, answer. */
static void
receiver_serve(struct receiver *v, int fd)
{
	char		*buf = malloc(BODY_MAX + 8192), *end, *cl, *sig;
	size_t		 have = 0, want = 0, hlen;
	ssize_t		 k;
	struct timeval	 tv = { 5, 0 };
	int		 status;
	char		 reply[128];

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (;;) {
		k = read(fd, buf + have, BODY_MAX + 8191 - have);
		if (k <= 0)
			goto out;
		have += (size_t)k;
		buf[have] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) != NULL)
			break;
	}
	hlen = (size_t)(end - buf) + 4;
	end[2] = '\0';
	cl = header_of(buf, "Content-Length");
	want = cl != NULL ? strtoul(cl, NULL, 10) : 0;
	free(cl);
	if (want > BODY_MAX)
		goto out;
	while (have < hlen + want) {
		k = read(fd, buf + have, hlen + want - have);
		if (k <= 0)
			goto out;
		have += (size_t)k;
	}
	sig = header_of(buf, "X-Paicha-Signature");
	pthread_mutex_lock(&v->mu);
	status = v->mode == RM_200 ? 200 : 503;
	json_array_append_new(v->got, json_pack("{s:i, s:b, s:s%}",
	    "status", status, "sig_ok", sig_ok(v->secret, buf + hlen, want,
	    sig), "body", buf + hlen, want));
	pthread_mutex_unlock(&v->mu);
	free(sig);
	snprintf(reply, sizeof(reply), "HTTP/1.1 %d %s\r\nContent-Length: 0"
	    "\r\nConnection: close\r\n\r\n", status, status == 200 ? "OK" :
	    "Service Unavailable");
	(void)!write(fd, reply, strlen(reply));
out:
	free(buf);
	close(fd);
}

static void *
receiver_main(void *arg)
{
	struct receiver	*v = arg;
	struct pollfd	 p;
	int		 fd, stop;

	for (;;) {
		pthread_mutex_lock(&v->mu);
		stop = v->stop;
		pthread_mutex_unlock(&v->mu);
		if (stop)
			break;
		p.fd = v->fd;
		p.events = POLLIN;
		if (poll(&p, 1, 200) <= 0)
			continue;
		if ((fd = accept(v->fd, NULL, NULL)) >= 0)
			receiver_serve(v, fd);
	}
	return NULL;
}

/* Up: listening, answering `mode`. */
static void
receiver_up(struct receiver *v, enum rmode mode)
{
	pthread_mutex_lock(&v->mu);
	v->mode = mode;
	pthread_mutex_unlock(&v->mu);
	if (v->running)
		return;
	assert_int_equal(listen(v->fd, 16), 0);
	assert_int_equal(pthread_create(&v->th, NULL, receiver_main, v), 0);
	v->running = 1;
}

static void
receiver_stop(struct receiver *v)
{
	if (v->running) {
		pthread_mutex_lock(&v->mu);
		v->stop = 1;
		pthread_mutex_unlock(&v->mu);
		pthread_join(v->th, NULL);
		v->running = 0;
	}
	if (v->fd >= 0)
		close(v->fd);
	v->fd = -1;
	json_decref(v->got);
	v->got = NULL;
}

/* How many requests the receiver has had. */
static size_t
receiver_count(struct receiver *v)
{
	size_t	 n;

	pthread_mutex_lock(&v->mu);
	n = json_array_size(v->got);
	pthread_mutex_unlock(&v->mu);
	return n;
}

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

static int
setup(void **state)
{
	(void)state;
	admin = client_login("admin", DEMO_PASSWORD);
	officer = client_login("officer.bj", DEMO_PASSWORD);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	client_free(admin);
	client_free(officer);
	return 0;
}

/* Register a webhook as `c`; its id (status `want` 201) or 0. */
static long long
webhook_make(struct client *c, const char *url, json_t *events,
    const char *secret, long want)
{
	struct resp	 r;
	long long	 id = 0;

	http_json(c, "POST", "/api/v1/webhooks", json_pack("{s:s, s:o, s:s}",
	    "url", url, "events", events, "secret", secret), NULL, &r);
	assert_status(&r, want);
	if (want == 201) {
		id = json_integer_value(json_object_get(r.json, "id"));
		assert_true(id > 0);
		assert_null(json_object_get(r.json, "secret"));
		assert_null(strstr(r.body, secret));
		assert_true(json_is_true(json_object_get(r.json, "active")));
	}
	resp_free(&r);
	return id;
}

/* A number `sql` gives (with `a` as $1, `b` as $2). */
static long
db_long(PGconn *db, const char *sql, const char *a, const char *b)
{
	char	*v = db_value(db, sql, a, b, NULL);
	long	 n;

	if (v == NULL)
		fail_msg("no value: %s", sql);
	n = strtol(v, NULL, 10);
	free(v);
	return n;
}

/* Wait until `sql` (with $1 = hook) counts `want`, at most WAIT_S. */
static void
wait_count(PGconn *db, const char *sql, const char *hook, long want)
{
	double	 until = now_seconds() + WAIT_S;
	long	 n = -1;

	while (now_seconds() < until) {
		if ((n = db_long(db, sql, hook, NULL)) == want)
			return;
		usleep(200 * 1000);
	}
	fail_msg("after %d s %ld, want %ld: %s", WAIT_S, n, want, sql);
}

/* One PATCH of enterprise `id` at version `v`, renaming it. */
static void
enterprise_rename(long long id, int v)
{
	struct resp	 r;
	char		*path = fmt("/api/v1/enterprises/%lld", id);
	char		*im = fmt("If-Match: \"%d\"", v);
	char		*name = unique_name("钩子企业");
	const char	*h[] = { im, NULL };

	http_json(officer, "PATCH", path, json_pack("{s:s}", "name", name), h,
	    &r);
	assert_status(&r, 200);
	resp_free(&r);
	free(name);
	free(im);
	free(path);
}

/* The key of an event: "entity/id/seq". */
static char *
event_key(const json_t *o)
{
	return fmt("%s/%lld/%lld",
	    json_string_value(json_object_get(o, "entity")),
	    (long long)json_integer_value(json_object_get(o, "entity_id")),
	    (long long)json_integer_value(json_object_get(o, "seq")));
}

/* ------------------------------------------------------------------ */
/* Delivery after an outage                                           */
/* ------------------------------------------------------------------ */

/* Whether event `o` is of enterprise e1 or e2 or of case c1. */
static int
is_ours(const json_t *o, long long e1, long long e2, long long c1)
{
	const char	*ent = json_string_value(json_object_get(o, "entity"));
	long long	 id = json_integer_value(json_object_get(o,
			    "entity_id"));

	if (ent == NULL)
		return 0;
	if (strcmp(ent, "case") == 0)
		return id == c1;
	return strcmp(ent, "enterprise") == 0 && (id == e1 || id == e2);
}

/* The deliveries of the hook ($1) for our entities. */
#define OURS " FROM webhook_deliveries WHERE webhook_id = $1::bigint" \
	" AND (entity, entity_id) IN (SELECT * FROM ours)"

static void
test_delivery_after_outage(void **state)
{
	PGconn		*db = db_admin();
	struct resp	 r;
	char		 uscc[19], hook[24], *url, *secret, *cursor, *sql;
	char		*path, *key, *ec1, *ec2, *cc;
	long long	 e1, e2, c1, wid;
	json_t		*got, *it, *body, *feed, *item, *byk, *last;
	size_t		 i, n503 = 0, n200 = 0;
	double		 until;
	const char	*k;

	(void)state;
	receiver_bind(&rc);
	secret = unique_name("e2e-webhook-secret-");
	rc.secret = secret;
	/* A name, not an address: delivered to the addresses checked. */
	url = fmt("http://localhost:%d/paicha/hook", rc.port);
	/* Where the feed is now: the log's size, the horizon (feed.c). */
	cursor = db_value(db, "SELECT (SELECT coalesce(max(size), 0)"
	    " FROM checkpoints) || '.' ||"
	    " pg_snapshot_xmin(pg_current_snapshot())::text || '.0'", NULL);
	assert_non_null(cursor);

	wid = webhook_make(admin, url, json_pack("[s, s]", "enterprise",
	    "case"), secret, 201);
	snprintf(hook, sizeof(hook), "%lld", wid);

	/* Seven events of three entities: 3 + 3 enterprise, 1 case. */
	e1 = fixture_enterprise(officer, "110105", uscc);
	enterprise_rename(e1, 1);
	enterprise_rename(e1, 2);
	e2 = fixture_enterprise(officer, "110105", uscc);
	enterprise_rename(e2, 1);
	enterprise_rename(e2, 2);
	c1 = fixture_case(officer, e1);
	ec1 = fmt("%lld", e1);
	ec2 = fmt("%lld", e2);
	cc = fmt("%lld", c1);
	db_do(db, "SET client_min_messages = warning;"
	    " DROP TABLE IF EXISTS ours");
	sql = fmt("CREATE TEMP TABLE ours AS VALUES"
	    " ('enterprise', %lld::bigint), ('enterprise', %lld),"
	    " ('case', %lld)", e1, e2, c1);
	db_do(db, sql);
	free(sql);
	/* The outbox has them all, from the events' own transactions. */
	assert_int_equal(db_long(db, "SELECT count(*)" OURS, hook, NULL), 7);

	/* Down (refused): only each entity's oldest is tried. */
	wait_count(db, "SELECT count(*)" OURS " AND attempts >= 1", hook, 3);
	assert_int_equal(db_long(db, "SELECT count(*)" OURS " AND attempts > 0"
	    " AND seq <> 1", hook, NULL), 0);
	assert_int_equal(db_long(db, "SELECT count(*)" OURS " AND status ="
	    " 'pending' AND last_error IS NOT NULL AND last_status IS NULL"
	    " AND attempts = 1 AND next_attempt - last_attempt"
	    " BETWEEN interval '29 s' AND interval '31 s'", hook, NULL), 3);
	assert_int_equal(receiver_count(&rc), 0);

	/* Up, answering 503: tried again (the back-off moved forward). */
	receiver_up(&rc, RM_503);
	db_do(db, "UPDATE webhook_deliveries SET next_attempt = now()"
	    " WHERE status = 'pending' AND (entity, entity_id) IN"
	    " (SELECT * FROM ours)");
	wait_count(db, "SELECT count(*)" OURS " AND attempts >= 2", hook, 3);
	assert_int_equal(db_long(db, "SELECT count(*)" OURS " AND attempts > 0"
	    " AND seq <> 1", hook, NULL), 0);
	assert_int_equal(db_long(db, "SELECT count(*)" OURS " AND attempts = 2"
	    " AND last_status = 503 AND next_attempt - last_attempt"
	    " BETWEEN interval '59 s' AND interval '61 s'", hook, NULL), 3);

	/* Up, answering 200: everything arrives. */
	receiver_up(&rc, RM_200);
	db_do(db, "UPDATE webhook_deliveries SET next_attempt = now()"
	    " WHERE status = 'pending' AND (entity, entity_id) IN"
	    " (SELECT * FROM ours)");
	wait_count(db, "SELECT count(*)" OURS " AND status = 'delivered'",
	    hook, 7);

	/*
	 * What arrived: every signature right; of ours, per entity in seq
	 * order, nothing missing.  byk: key -> the first body that got 200.
	 */
	byk = json_object();
	last = json_object();
	pthread_mutex_lock(&rc.mu);
	got = json_deep_copy(rc.got);
	pthread_mutex_unlock(&rc.mu);
	json_array_foreach(got, i, it) {
		if (!json_is_true(json_object_get(it, "sig_ok")))
			fail_msg("a bad signature: %s", json_string_value(
			    json_object_get(it, "body")));
		body = json_loads(json_string_value(json_object_get(it,
		    "body")), 0, NULL);
		assert_non_null(body);
		assert_true(json_integer_value(json_object_get(body,
		    "delivery")) > 0);
		assert_int_equal(json_integer_value(json_object_get(body,
		    "webhook")), wid);
		k = json_string_value(json_object_get(body, "entity"));
		if (!is_ours(body, e1, e2, c1)) {
			json_decref(body);
			continue;
		}
		if (json_integer_value(json_object_get(it, "status")) == 503) {
			n503++;
			/* Only heads were tried while it failed. */
			assert_int_equal(json_integer_value(json_object_get(
			    body, "seq")), 1);
			json_decref(body);
			continue;
		}
		n200++;
		key = event_key(body);
		path = fmt("%s/%lld", k, (long long)json_integer_value(
		    json_object_get(body, "entity_id")));
		/* In order per entity: each seq one more than the last. */
		assert_int_equal(json_integer_value(json_object_get(body,
		    "seq")), json_integer_value(json_object_get(last, path)) +
		    1);
		json_object_set(last, path, json_object_get(body, "seq"));
		json_object_del(body, "delivery");
		json_object_del(body, "webhook");
		json_object_set_new(byk, key, body);
		free(path);
		free(key);
	}
	json_decref(got);
	assert_int_equal(n503, 3);
	assert_int_equal(n200, 7);
	assert_int_equal(json_object_size(byk), 7);

	/* The feed has the same seven events, with the same bodies. */
	feed = json_object();
	until = now_seconds() + WAIT_S;
	while (json_object_size(feed) < 7 && now_seconds() < until) {
		path = fmt("/api/v1/feed?limit=1000&cursor=%s", cursor);
		http_get(admin, path, &r);
		free(path);
		assert_status(&r, 200);
		json_array_foreach(json_object_get(r.json, "items"), i, item) {
			key = event_key(item);
			if (is_ours(item, e1, e2, c1)) {
				json_object_del(item, "log_index");
				json_object_set(feed, key, item);
			}
			free(key);
		}
		free(cursor);
		cursor = strdup(json_string_value(json_object_get(r.json,
		    "next_cursor")));
		resp_free(&r);
		if (json_object_size(feed) < 7)
			usleep(500 * 1000);
	}
	assert_int_equal(json_object_size(feed), 7);
	json_object_foreach(feed, k, item)
		if (!json_equal(item, json_object_get(byk, k)))
			fail_msg("%s: delivered %s, the feed %s", k,
			    json_dumps(json_object_get(byk, k), JSON_COMPACT),
			    json_dumps(item, JSON_COMPACT));

	/* The delivery log says the same. */
	path = fmt("/api/v1/webhooks/%lld/deliveries?status=delivered"
	    "&limit=200", wid);
	http_get(admin, path, &r);
	free(path);
	assert_status(&r, 200);
	n200 = 0;
	json_array_foreach(json_object_get(r.json, "items"), i, item) {
		assert_string_equal(json_string_value(json_object_get(item,
		    "status")), "delivered");
		assert_int_equal(json_integer_value(json_object_get(item,
		    "last_status")), 200);
		assert_true(json_is_null(json_object_get(item,
		    "next_attempt")));
		assert_non_null(json_string_value(json_object_get(item,
		    "delivered_at")));
		if (json_integer_value(json_object_get(item, "entity_id")) ==
		    e1 && strcmp(json_string_value(json_object_get(item,
		    "entity")), "enterprise") == 0) {
			n200++;
			if (json_integer_value(json_object_get(item, "seq"))
			    == 1)
				assert_int_equal(json_integer_value(
				    json_object_get(item, "attempts")), 3);
		}
	}
	assert_int_equal(n200, 3);
	resp_free(&r);
	/* Out of its scope, or none: 404; a bad status: 400 or 422. */
	http_get(admin, "/api/v1/webhooks/999999999/deliveries", &r);
	assert_status(&r, 404);
	resp_free(&r);
	path = fmt("/api/v1/webhooks/%lld/deliveries?status=lost", wid);
	http_get(admin, path, &r);
	free(path);
	assert_true(r.status == 400 || r.status == 422);
	resp_free(&r);

	/* Disabled: no more deliveries are even written. */
	path = fmt("/api/v1/webhooks/%lld/disable", wid);
	http_json(admin, "POST", path, json_object(), NULL, &r);
	free(path);
	assert_status(&r, 200);
	assert_true(json_is_false(json_object_get(r.json, "active")));
	assert_non_null(json_string_value(json_object_get(r.json,
	    "disabled_at")));
	resp_free(&r);
	enterprise_rename(e1, 3);
	assert_int_equal(db_long(db, "SELECT count(*)" OURS, hook, NULL), 7);

	json_decref(feed);
	json_decref(byk);
	json_decref(last);
	db_do(db, "DROP TABLE ours");
	receiver_stop(&rc);
	free(ec1);
	free(ec2);
	free(cc);
	free(cursor);
	free(url);
	free(secret);
	PQfinish(db);
}

/* ------------------------------------------------------------------ */
/* The address is checked again at delivery                           */
/* ------------------------------------------------------------------ */

static void
test_checked_again_at_delivery(void **state)
{
	PGconn		*db = db_admin();
	struct receiver	 v = { .fd = -1, .mu = PTHREAD_MUTEX_INITIALIZER };
	char		 uscc[19], hook[24], *url, *secret, *sql;
	long long	 wid, eid;

	(void)state;
	receiver_bind(&v);
	secret = unique_name("e2e-rebinding-secret-");
	v.secret = secret;
	receiver_up(&v, RM_200);
	url = fmt("http://127.0.0.1:%d/hook", v.port);
	wid = webhook_make(admin, url, json_pack("[s]", "enterprise.create"),
	    secret, 201);
	snprintf(hook, sizeof(hook), "%lld", wid);
	/* As if its name now resolved to a private address. */
	sql = fmt("UPDATE webhooks SET url = 'http://10.23.45.67:%d/hook'"
	    " WHERE id = %lld", v.port, wid);
	db_do(db, sql);
	free(sql);
	eid = fixture_enterprise(officer, "110105", uscc);
	(void)eid;
	wait_count(db, "SELECT count(*) FROM webhook_deliveries"
	    " WHERE webhook_id = $1::bigint AND attempts >= 1", hook, 1);
	assert_int_equal(db_long(db, "SELECT count(*) FROM webhook_deliveries"
	    " WHERE webhook_id = $1::bigint AND status = 'pending'"
	    " AND last_error LIKE 'refused at delivery%'", hook, NULL), 1);
	assert_int_equal(receiver_count(&v), 0);
	/* Only enterprise.create matched: one row, the creation. */
	assert_int_equal(db_long(db, "SELECT count(*) FROM webhook_deliveries"
	    " WHERE webhook_id = $1::bigint AND event <> 'create'", hook,
	    NULL), 0);
	assert_int_equal(status_of(admin, "POST", (sql = fmt(
	    "/api/v1/webhooks/%lld/disable", wid)), json_object(), NULL), 200);
	free(sql);
	receiver_stop(&v);
	free(url);
	free(secret);
	PQfinish(db);
}

/* ------------------------------------------------------------------ */
/* Refusals                                                           */
/* ------------------------------------------------------------------ */

static void
refused(const char *url, const char *field)
{
	PGconn		*db = db_admin();
	struct resp	 r;
	char		*n;

	http_json(admin, "POST", "/api/v1/webhooks", json_pack("{s:s, s:[s],"
	    " s:s}", "url", url, "events", "*", "secret",
	    "0123456789abcdef-refused"), NULL, &r);
	if (r.status != 422)
		fail_msg("%s: %ld %s", url, r.status, r.body);
	assert_problem_field(&r, 422, field);
	resp_free(&r);
	n = db_value(db, "SELECT count(*) FROM webhooks WHERE url = $1", url,
	    NULL);
	assert_string_equal(n, "0");
	free(n);
	PQfinish(db);
}

static void
test_register_refused(void **state)
{
	static const char *const urls[] = {
		"ftp://127.0.0.1/hook",			/* not http(s) */
		"file:///etc/passwd",
		"javascript:alert(1)",
		"no scheme at all",
		"http://hook.paicha.invalid/x",	/* resolves to nothing */
		"https://nowhere.invalid:8443/x",
		"http://10.1.2.3/hook",			/* private */
		"http://192.168.0.10:8080/hook",
		"http://172.16.5.4/hook",
		"http://169.254.169.254/latest/meta-data",	/* link-local */
		"http://100.64.0.1/hook",		/* CGNAT */
		"http://[fd00::1]/hook",		/* unique local */
		"http://[::ffff:10.0.0.1]/hook",	/* mapped private */
		"http://0.0.0.0:8080/hook",		/* never */
		"http://224.0.0.1/hook",
		"http://user:pw@127.0.0.1/hook",	/* credentials */
		NULL
	};
	struct client	*legal = client_login("legal.bj", DEMO_PASSWORD);
	struct resp	 r;
	size_t		 i;

	(void)state;
	for (i = 0; urls[i] != NULL; i++)
		refused(urls[i], "url");

	/* Not an admin: 403, for every route. */
	assert_int_equal(status_of(officer, "POST", "/api/v1/webhooks",
	    json_pack("{s:s, s:[s], s:s}", "url", "http://127.0.0.1:9/h",
	    "events", "*", "secret", "0123456789abcdef"), NULL), 403);
	assert_int_equal(status_of(legal, "GET", "/api/v1/webhooks", NULL,
	    NULL), 403);
	assert_int_equal(status_of(officer, "GET",
	    "/api/v1/webhooks/1/deliveries", NULL, NULL), 403);
	assert_int_equal(status_of(officer, "POST",
	    "/api/v1/webhooks/1/disable", json_object(), NULL), 403);

	/* Missing and bad fields: 422 naming each. */
	http_json(admin, "POST", "/api/v1/webhooks", json_object(), NULL, &r);
	assert_problem_field(&r, 422, "url");
	assert_problem_field(&r, 422, "events");
	assert_problem_field(&r, 422, "secret");
	resp_free(&r);
	http_json(admin, "POST", "/api/v1/webhooks", json_pack("{s:s, s:[s],"
	    " s:s}", "url", "http://127.0.0.1:9/h", "events", "*", "secret",
	    "short"), NULL, &r);
	assert_problem_field(&r, 422, "secret");
	resp_free(&r);
	http_json(admin, "POST", "/api/v1/webhooks", json_pack("{s:s, s:[],"
	    " s:s}", "url", "http://127.0.0.1:9/h", "events", "secret",
	    "0123456789abcdef"), NULL, &r);
	assert_problem_field(&r, 422, "events");
	resp_free(&r);
	http_json(admin, "POST", "/api/v1/webhooks", json_pack("{s:s, s:[s],"
	    " s:s}", "url", "http://127.0.0.1:9/h", "events", "Bad Name",
	    "secret", "0123456789abcdef"), NULL, &r);
	assert_problem_field(&r, 422, "events");
	resp_free(&r);
	http_json(admin, "POST", "/api/v1/webhooks", json_pack("{s:s, s:[s, s],"
	    " s:s}", "url", "http://127.0.0.1:9/h", "events", "case", "case",
	    "secret", "0123456789abcdef"), NULL, &r);
	assert_problem_field(&r, 422, "events");
	resp_free(&r);
	client_free(legal);
}

/* ------------------------------------------------------------------ */
/* The secret                                                         */
/* ------------------------------------------------------------------ */

static void
test_secret_never_read(void **state)
{
	PGconn		*app = db_app();
	PGresult	*res;
	struct resp	 r;
	char		*secret = unique_name("e2e-never-read-"), *path;
	long long	 id;

	(void)state;
	id = webhook_make(admin, "http://127.0.0.1:9/never", json_pack("[s]",
	    "user"), secret, 201);
	path = fmt("/api/v1/webhooks/%lld", id);
	http_get(admin, path, &r);
	assert_status(&r, 200);
	assert_null(strstr(r.body, secret));
	resp_free(&r);
	http_get(admin, "/api/v1/webhooks?limit=200", &r);
	assert_status(&r, 200);
	assert_null(strstr(r.body, secret));
	resp_free(&r);
	/* The role itself, scoped as the admin: the column is closed. */
	free(db_scope_as(app, admin));
	res = PQexec(app, "SELECT secret FROM webhooks");
	assert_int_equal(PQresultStatus(res), PGRES_FATAL_ERROR);
	assert_string_equal(PQresultErrorField(res, PG_DIAG_SQLSTATE),
	    "42501");
	PQclear(res);
	res = PQexec(app, "SELECT url FROM webhooks");
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	assert_true(PQntuples(res) >= 1);
	PQclear(res);
	assert_int_equal(status_of(admin, "POST", (free(path), path = fmt(
	    "/api/v1/webhooks/%lld/disable", id)), json_object(), NULL), 200);
	free(path);
	/* Both changes are audited events of its stream, without it. */
	path = fmt("/api/v1/audit/events?entity=webhook&entity_id=%lld", id);
	http_get(admin, path, &r);
	free(path);
	assert_status(&r, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 2);
	assert_non_null(strstr(r.body, "\"create\""));
	assert_non_null(strstr(r.body, "\"disable\""));
	assert_null(strstr(r.body, secret));
	resp_free(&r);
	/* Not for an officer's feed. */
	http_get(officer, "/api/v1/feed?limit=1000", &r);
	assert_status(&r, 200);
	assert_null(strstr(r.body, "\"entity\":\"webhook\""));
	resp_free(&r);
	free(secret);
	PQfinish(app);
}

/* ------------------------------------------------------------------ */
/* The back-off schedule                                              */
/* ------------------------------------------------------------------ */

/*
 * webhook_result() on a delivery of a disabled webhook (the scheduler
 * leaves those alone): 30 s, 1, 2, 4, 8, 16 min, then 30 min each time;
 * 72 hours after the event, failed; a success is delivered and final.
 */
static void
test_backoff_schedule(void **state)
{
	static const int gaps[] = { 30, 60, 120, 240, 480, 960, 1800, 1800,
	    1800 };
	PGconn		*db = db_admin();
	char		 hook[24], *d, *ok, *later, *sql;
	long long	 wid;
	size_t		 i;

	(void)state;
	wid = webhook_make(admin, "http://127.0.0.1:9/backoff",
	    json_pack("[s]", "enterprise.create"), "e2e-backoff-secret-01",
	    201);
	sql = fmt("/api/v1/webhooks/%lld/disable", wid);
	assert_int_equal(status_of(admin, "POST", sql, json_object(), NULL),
	    200);
	free(sql);
	snprintf(hook, sizeof(hook), "%lld", wid);
	d = db_value(db, "INSERT INTO webhook_deliveries (webhook_id, region,"
	    " entity, entity_id, seq, event) VALUES ($1::bigint, '000000',"
	    " 'enterprise', 0, 1, 'create') RETURNING id", hook, NULL);
	ok = db_value(db, "INSERT INTO webhook_deliveries (webhook_id, region,"
	    " entity, entity_id, seq, event) VALUES ($1::bigint, '000000',"
	    " 'enterprise', 0, 2, 'update') RETURNING id", hook, NULL);
	assert_non_null(d);
	assert_non_null(ok);
	for (i = 0; i < sizeof(gaps) / sizeof(gaps[0]); i++) {
		free(db_value(db, "SELECT webhook_result($1::bigint, false,"
		    " 503, 'HTTP 503')", d, NULL));
		assert_int_equal(db_long(db, "SELECT extract(epoch FROM"
		    " next_attempt - last_attempt)::int FROM webhook_deliveries"
		    " WHERE id = $1::bigint AND status = 'pending'", d, NULL),
		    gaps[i]);
	}
	assert_int_equal(db_long(db, "SELECT attempts FROM webhook_deliveries"
	    " WHERE id = $1::bigint", d, NULL), (long)i);
	/* Still pending at 71 hours; failed at 72, and stays so. */
	free(db_value(db, "UPDATE webhook_deliveries SET created_at = now() -"
	    " interval '71 hours' WHERE id = $1::bigint RETURNING id", d,
	    NULL));
	free(db_value(db, "SELECT webhook_result($1::bigint, false, NULL,"
	    " 'Connection refused')", d, NULL));
	db_expect(db, "SELECT status || '/' || (last_status IS NULL)::text"
	    " FROM webhook_deliveries WHERE id = $1::bigint", d,
	    "pending/true");
	free(db_value(db, "UPDATE webhook_deliveries SET created_at = now() -"
	    " interval '72 hours' WHERE id = $1::bigint RETURNING id", d,
	    NULL));
	free(db_value(db, "SELECT webhook_result($1::bigint, false, 503,"
	    " 'HTTP 503')", d, NULL));
	db_expect(db, "SELECT status FROM webhook_deliveries"
	    " WHERE id = $1::bigint", d, "failed");
	free(db_value(db, "SELECT webhook_result($1::bigint, true, 200,"
	    " NULL)", d, NULL));
	db_expect(db, "SELECT status FROM webhook_deliveries"
	    " WHERE id = $1::bigint", d, "failed");
	/*
	 * A success: delivered, the error cleared, final; and the receiver
	 * is back, so the webhook's deliveries waiting out a back-off are
	 * due at once (`later`, of another entity, waits an hour).
	 */
	later = db_value(db, "INSERT INTO webhook_deliveries (webhook_id,"
	    " region, entity, entity_id, seq, event, attempts, next_attempt)"
	    " VALUES ($1::bigint, '000000', 'enterprise', -1, 1, 'create', 5,"
	    " now() + interval '1 hour') RETURNING id", hook, NULL);
	assert_non_null(later);
	free(db_value(db, "SELECT webhook_result($1::bigint, false, 500,"
	    " 'HTTP 500')", ok, NULL));
	db_expect(db, "SELECT (next_attempt > now() + interval '50 min')::text"
	    " FROM webhook_deliveries WHERE id = $1::bigint", later, "true");
	free(db_value(db, "SELECT webhook_result($1::bigint, true, 204,"
	    " NULL)", ok, NULL));
	db_expect(db, "SELECT status || '/' || attempts || '/' || last_status"
	    " || '/' || (last_error IS NULL)::text || '/' ||"
	    " (delivered_at IS NOT NULL)::text FROM webhook_deliveries"
	    " WHERE id = $1::bigint", ok, "delivered/2/204/true/true");
	db_expect(db, "SELECT (next_attempt <= now())::text"
	    " FROM webhook_deliveries WHERE id = $1::bigint", later, "true");
	free(later);
	free(d);
	free(ok);
	PQfinish(db);
}

/* ------------------------------------------------------------------ */
/* A region's admin, a region's events                                */
/* ------------------------------------------------------------------ */

static void
test_region_admin_gets_its_region(void **state)
{
	PGconn		*db = db_admin();
	struct client	*sha, *sho;
	char		 uscc[19], *name, *path, *sql, hook[24];
	long long	 sh_hook, nat_hook, bj_e, sh_e;

	(void)state;
	name = unique_name("shhook");
	fixture_user(admin, name, "310000", "[\"admin\"]");
	sha = client_login(name, FIXTURE_PASSWORD);
	sho = client_login("officer.sh", DEMO_PASSWORD);
	sh_hook = webhook_make(sha, "http://127.0.0.1:9/sh", json_pack("[s]",
	    "enterprise"), "e2e-shanghai-secret-0001", 201);
	nat_hook = webhook_make(admin, "http://127.0.0.1:9/nat",
	    json_pack("[s]", "enterprise"), "e2e-national-secret-001", 201);
	bj_e = fixture_enterprise(officer, "110105", uscc);
	sh_e = fixture_enterprise(sho, "310101", uscc);
	/* Shanghai's webhook: Shanghai's enterprise only; the nation's both. */
	snprintf(hook, sizeof(hook), "%lld", sh_hook);
	sql = fmt("SELECT count(*) FROM webhook_deliveries WHERE webhook_id"
	    " = $1::bigint AND entity = 'enterprise' AND entity_id = %lld",
	    bj_e);
	assert_int_equal(db_long(db, sql, hook, NULL), 0);
	free(sql);
	sql = fmt("SELECT count(*) FROM webhook_deliveries WHERE webhook_id"
	    " = $1::bigint AND entity = 'enterprise' AND entity_id = %lld",
	    sh_e);
	assert_int_equal(db_long(db, sql, hook, NULL), 1);
	snprintf(hook, sizeof(hook), "%lld", nat_hook);
	assert_int_equal(db_long(db, sql, hook, NULL), 1);
	free(sql);
	sql = fmt("SELECT count(*) FROM webhook_deliveries WHERE webhook_id"
	    " = $1::bigint AND entity = 'enterprise' AND entity_id = %lld",
	    bj_e);
	assert_int_equal(db_long(db, sql, hook, NULL), 1);
	free(sql);
	/* Shanghai's admin sees its own, not the nation's (404). */
	path = fmt("/api/v1/webhooks/%lld", nat_hook);
	assert_int_equal(status_of(sha, "GET", path, NULL, NULL), 404);
	free(path);
	path = fmt("/api/v1/webhooks/%lld/deliveries", nat_hook);
	assert_int_equal(status_of(sha, "GET", path, NULL, NULL), 404);
	free(path);
	path = fmt("/api/v1/webhooks/%lld/disable", nat_hook);
	assert_int_equal(status_of(sha, "POST", path, json_object(), NULL),
	    404);
	free(path);
	assert_true(list_has(admin, "/api/v1/webhooks?limit=200", sh_hook));
	assert_false(list_has(sha, "/api/v1/webhooks?limit=200", nat_hook));
	path = fmt("/api/v1/webhooks/%lld", sh_hook);
	assert_int_equal(status_of(admin, "GET", path, NULL, NULL), 200);
	free(path);
	path = fmt("/api/v1/webhooks/%lld/disable", sh_hook);
	assert_int_equal(status_of(sha, "POST", path, json_object(), NULL),
	    200);
	free(path);
	path = fmt("/api/v1/webhooks/%lld/disable", nat_hook);
	assert_int_equal(status_of(admin, "POST", path, json_object(), NULL),
	    200);
	free(path);
	client_free(sho);
	client_free(sha);
	free(name);
	PQfinish(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delivery_after_outage),
		cmocka_unit_test(test_checked_again_at_delivery),
		cmocka_unit_test(test_backoff_schedule),
		cmocka_unit_test(test_register_refused),
		cmocka_unit_test(test_secret_never_read),
		cmocka_unit_test(test_region_admin_gets_its_region),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
