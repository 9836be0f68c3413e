/*
 * webhooks.c: the job webhook_delivery -- posting the outbox's due
 * deliveries to their webhooks (API.md Part 2 "Data exchange";
 * sql/0140_webhooks.sql says how the outbox is written and the back-off).
 *
 * One batch, in the scheduler's transaction: webhook_due() takes at most
 * WEBHOOK_BATCH due deliveries, locked, the oldest pending one of each
 * (webhook, entity, entity_id) only, so an entity's events go one at a
 * time and in order.  For each: the webhook's URL is checked again
 * (outbound.c: the name resolved now, every address allowed -- DNS
 * rebinding; every socket curl opens is checked again, open_checked),
 * the body made (the feed's item of the event, audit.c:
 * event_item, with "delivery" and "webhook"), signed in the database
 * (webhook_sign(): the secret never leaves it), posted with libcurl to
 * the checked address only (CURLOPT_RESOLVE), with bounded timeouts, no
 * redirects, no proxy, at most WEBHOOK_REPLY_MAX bytes of answer read,
 * and the outcome recorded (webhook_result()): a 2xx is delivered,
 * anything else tried again later.  After a webhook failed once in a
 * batch, its other deliveries wait for the next batch; after
 * WEBHOOK_BATCH_S seconds, all the rest do.
 *
 * At least once: the outcome commits after the post, so an instance
 * killed in between posts that delivery again.  A receiver tells
 * repeats apart by the body's "delivery" (also X-Paicha-Delivery).
 */
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "../base/base.h"
#include "../front/front.h"
#include "../resources/resources.h"
#include "sched.h"

#define WEBHOOK_BATCH		20	/* deliveries a transaction, at most */
#define WEBHOOK_CONNECT_S	5L	/* seconds to connect, at most */
#define WEBHOOK_TIMEOUT_S	10L	/* seconds for the whole post */
#define WEBHOOK_REPLY_MAX	65536	/* bytes of answer read, at most */
#define WEBHOOK_FAILED_MAX	WEBHOOK_BATCH
/*
 * Seconds a batch goes on posting, at most: slow receivers must not hold
 * the scheduler's other jobs back.  What a batch leaves untried stays
 * due for the next.
 */
#define WEBHOOK_BATCH_S		15

/* The answer's bytes, counted and dropped; too many stops the post. */
static size_t
reply_sink(char *p, size_t size, size_t n, void *arg)
{
	size_t	*seen = arg;

	(void)p;
	*seen += size * n;
	return *seen > WEBHOOK_REPLY_MAX ? 0 : size * n;
}

/*
 * The socket of every connection curl makes: refused (no socket) for an
 * address the rules do not allow, whatever made curl pick it -- a second
 * line behind CURLOPT_RESOLVE.
 */
static curl_socket_t
open_checked(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	int	*refused = arg;

	if (purpose != CURLSOCKTYPE_IPCXN ||
	    !outbound_addr_allowed(&a->addr)) {
		*refused = 1;
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype, a->protocol);
}

/*
 * POST `body` to `url`, connecting to the checked address in `t` only.
 * Returns the HTTP status (0: none), with `err` (size `errlen`) saying
 * what went wrong when it was not a 2xx.
 */
static long
post(const char *url, const struct outbound_target *t, long long delivery,
    const char *event, const char *body, const char *sig, char *err,
    size_t errlen)
{
	CURL			*c;
	struct curl_slist	*h = NULL, *pin = NULL;
	char			 line[512], cerr[CURL_ERROR_SIZE] = "";
	size_t			 seen = 0;
	long			 code = 0;
	int			 refused = 0;
	CURLcode		 cc;

	snprintf(err, errlen, "could not post");
	if ((c = curl_easy_init()) == NULL)
		return 0;
	/* A name is pinned to its checked addresses; an address is itself. */
	snprintf(line, sizeof(line), "%s:%s:%s", t->host, t->port,
	    t->pinned);
	if (!t->literal)
		pin = curl_slist_append(pin, line);
	h = curl_slist_append(h, "Content-Type: application/json");
	snprintf(line, sizeof(line), "X-Paicha-Signature: sha256=%s", sig);
	h = curl_slist_append(h, line);
	snprintf(line, sizeof(line), "X-Paicha-Delivery: %lld", delivery);
	h = curl_slist_append(h, line);
	snprintf(line, sizeof(line), "X-Paicha-Event: %.200s", event);
	h = curl_slist_append(h, line);
	h = curl_slist_append(h, "Expect:");
	if ((pin == NULL && !t->literal) || h == NULL)
		goto out;
	curl_easy_setopt(c, CURLOPT_URL, url);
	if (pin != NULL)
		curl_easy_setopt(c, CURLOPT_RESOLVE, pin);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, WEBHOOK_CONNECT_S);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, WEBHOOK_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "paicha-webhook/1");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)strlen(body));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, reply_sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &seen);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_checked);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &refused);
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (cc == CURLE_WRITE_ERROR && code >= 200 && code < 300)
		cc = CURLE_OK;		/* a long answer to a 2xx: delivered */
	if (cc != CURLE_OK && refused)
		snprintf(err, errlen, "refused at connect: address not "
		    "allowed");
	else if (cc != CURLE_OK)
		snprintf(err, errlen, "%s", cerr[0] != '\0' ? cerr :
		    curl_easy_strerror(cc));
	else if (code < 200 || code > 299)
		snprintf(err, errlen, "HTTP %ld", code);
	if (cc != CURLE_OK)
		code = 0;
out:
	curl_slist_free_all(h);
	curl_slist_free_all(pin);
	curl_easy_cleanup(c);
	return code;
}

/* The body of delivery row `i` of `res`: a new string (free it) or NULL. */
static char *
body_of(const PGresult *res, int i)
{
	json_t	*o;
	char	*s;

	if ((o = event_item(res, i)) == NULL)
		return NULL;
	json_object_set_new(o, "delivery", json_integer(strtoll(db_get(res,
	    i, "delivery"), NULL, 10)));
	json_object_set_new(o, "webhook", json_integer(strtoll(db_get(res,
	    i, "webhook"), NULL, 10)));
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

/*
 * One batch of deliveries at the database's clock (unused: the due
 * ones are the database's).  Returns the deliveries attempted, *more
 * when one was delivered (the entity's next may be due now), or -1.
 */
long
webhooks_batch(struct req *r, long long db_now, long limit, int *more)
{
	static struct stmt due = STMT("SELECT * FROM webhook_due($1)", 1);
	static struct stmt sign = STMT(
	    "SELECT webhook_sign($1, $2) AS sig", 2);
	static struct stmt result = STMT(
	    "SELECT webhook_result($1, $2, $3, $4)", 4);
	struct outbound_target	 t;
	enum outbound		 ob;
	PGresult		*res = NULL, *sr;
	const char		*p[4], *url;
	char			 lim[24], codes[16], err[256], *body;
	long long		 failed[WEBHOOK_FAILED_MAX], wh, start;
	long			 code, total = -1;
	int			 i, k, n, nfailed = 0, skip;

	(void)db_now;
	*more = 0;
	start = now_us();
	snprintf(lim, sizeof(lim), "%ld", limit < WEBHOOK_BATCH ? limit :
	    WEBHOOK_BATCH);
	p[0] = lim;
	if ((res = db_exec(r, &due, p)) == NULL)
		goto out;
	n = PQntuples(res);
	total = 0;
	for (i = 0; i < n; i++) {
		if (now_us() - start > WEBHOOK_BATCH_S * 1000000LL) {
			*more = 0;
			break;
		}
		wh = strtoll(db_get(res, i, "webhook"), NULL, 10);
		for (skip = 0, k = 0; k < nfailed; k++)
			if (failed[k] == wh)
				skip = 1;
		if (skip)
			continue;
		url = db_get(res, i, "url");
		code = 0;
		body = NULL;
		if ((ob = outbound_check(url, &t)) != OUTBOUND_OK)
			snprintf(err, sizeof(err), "refused at delivery: %s",
			    ob == OUTBOUND_NO_HOST ? "no address" :
			    "address not allowed");
		else if ((body = body_of(res, i)) == NULL)
			snprintf(err, sizeof(err), "could not make the body");
		else {
			p[0] = db_get(res, i, "delivery");
			p[1] = body;
			if ((sr = db_exec(r, &sign, p)) == NULL) {
				free(body);
				total = -1;
				goto out;
			}
			code = post(url, &t, strtoll(p[0], NULL, 10),
			    db_get(res, i, "event"), body,
			    db_get(sr, 0, "sig"), err, sizeof(err));
			PQclear(sr);
		}
		free(body);
		snprintf(codes, sizeof(codes), "%ld", code);
		p[0] = db_get(res, i, "delivery");
		p[1] = code >= 200 && code <= 299 ? "true" : "false";
		p[2] = code > 0 ? codes : NULL;
		p[3] = err;
		if (db_exec_ok(r, &result, p) == -1) {
			total = -1;
			goto out;
		}
		total++;
		if (code >= 200 && code <= 299)
			*more = 1;
		else {
			log_warn("webhook %lld: delivery %s: %s", wh, p[0],
			    err);
			if (nfailed < WEBHOOK_FAILED_MAX)
				failed[nfailed++] = wh;
		}
	}
out:
	PQclear(res);
	return total;
}
