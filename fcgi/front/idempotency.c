/*
 * idempotency.c: Idempotency-Key for requests that change things.
 *
 * The key is stored in the same transaction as the change it guards,
 * with the answer to replay, so "the change happened" and "the key is
 * known" commit together or not at all.  A second request with the key:
 *
 *	- while the first is still running: its INSERT waits on the unique
 *	  index until the first commits, then replays the first's answer;
 *	- with the same method, path, If-Match and body: the stored answer;
 *	- with anything else: 422.
 *
 * Only successful answers are stored: a refused request changed nothing
 * and may simply be sent again.  Keys belong to the user who sent them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "../base/base.h"
#include "front.h"

/*
 * The request's fingerprint: SHA-256 of method, path, If-Match, body --
 * for a raw body (EP_RAW), its query string and its SHA-256, which the
 * handler computed while reading it (r->raw_sha256).
 * Returns 0, or -1 when OpenSSL failed (recorded in `r`).
 */
static int
request_hash(struct req *r, unsigned char out[SHA256_DIGEST_LENGTH])
{
	const char	*im = req_param(r, "HTTP_IF_MATCH");
	const char	*qs = req_param(r, "QUERY_STRING");
	EVP_MD_CTX	*c = EVP_MD_CTX_new();
	int		 ok;

	ok = c != NULL && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(c, method_names[r->method],
	    strlen(method_names[r->method]) + 1) == 1 &&
	    EVP_DigestUpdate(c, r->path, strlen(r->path) + 1) == 1 &&
	    EVP_DigestUpdate(c, im != NULL ? im : "", im != NULL ?
	    strlen(im) + 1 : 1) == 1 &&
	    (r->body == NULL ||
	    EVP_DigestUpdate(c, r->body, r->bodylen) == 1) &&
	    (!r->raw_hashed ||
	    (EVP_DigestUpdate(c, qs != NULL ? qs : "", qs != NULL ?
	    strlen(qs) + 1 : 1) == 1 &&
	    EVP_DigestUpdate(c, r->raw_sha256, sizeof(r->raw_sha256)) == 1)) &&
	    EVP_DigestFinal_ex(c, out, NULL) == 1;
	EVP_MD_CTX_free(c);
	if (!ok)
		req_fail(r, "could not hash the request (sha-256)");
	return ok ? 0 : -1;
}

/*
 * Register the request's key inside the open transaction.  Returns
 * IDEM_NONE (no key: go on), IDEM_NEW (key taken: go on, then call
 * idem_finish before committing) or IDEM_DONE (a reply was staged: the
 * replayed answer -- st->replayed, and the front line commits nothing
 * of the request -- or an error).  The front line calls it before the
 * handler; for a raw body (EP_RAW) the handler does, once it has read
 * the body and set r->raw_sha256.
 */
enum idem_outcome
idem_begin(struct req *r, struct idem *st)
{
	static struct stmt insert = STMT(
	    "INSERT INTO idempotency_keys (user_id, key, request_hash)"
	    " VALUES ($1, $2, $3::bytea) ON CONFLICT DO NOTHING RETURNING 1",
	    3);
	static struct stmt stored = STMT(
	    "SELECT request_hash, status, body, etag, location"
	    " FROM idempotency_keys WHERE user_id = $1 AND key = $2", 2);
	unsigned char	 h[SHA256_DIGEST_LENGTH], old[SHA256_DIGEST_LENGTH];
	char		 uid[24], hex[2 * SHA256_DIGEST_LENGTH + 3];
	const char	*key = req_param(r, "HTTP_IDEMPOTENCY_KEY"), *p[3];
	PGresult	*res;
	size_t		 i, n;

	memset(st, 0, sizeof(*st));
	if (key == NULL)
		return IDEM_NONE;
	n = strlen(key);
	for (i = 0; i < n; i++)
		if (key[i] < 0x21 || key[i] > 0x7e)
			break;
	if (n == 0 || n > MAX_IDEM_KEY || i < n) {
		reply_problem(r, 400, "bad-idempotency-key", "Idempotency-Key "
		    "must be 1 to 128 visible ASCII characters", NULL);
		return IDEM_DONE;
	}
	if (request_hash(r, h) == -1) {
		reply_db_error(r);
		return IDEM_DONE;
	}
	bytea_hex(h, sizeof(h), hex);
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	p[0] = uid;
	p[1] = key;
	p[2] = hex;
	if ((res = db_exec(r, &insert, p)) == NULL) {
		reply_db_error(r);
		return IDEM_DONE;
	}
	n = (size_t)PQntuples(res);
	PQclear(res);
	if (n == 1) {
		st->key = key;
		return IDEM_NEW;
	}
	if ((res = db_exec(r, &stored, p)) == NULL) {
		reply_db_error(r);
		return IDEM_DONE;
	}
	if (PQntuples(res) != 1 ||
	    bytea_parse(db_get(res, 0, "request_hash"), old, sizeof(old)) ||
	    memcmp(old, h, sizeof(h)) != 0)
		reply_problem(r, 422, "idempotency-key-reused", "this "
		    "Idempotency-Key was used for a different request", NULL);
	else if (db_isnull(res, 0, "status"))
		reply_problem(r, 409, "idempotency-key-in-use", "a request "
		    "with this Idempotency-Key has not finished", NULL);
	else {
		st->replayed = 1;
		snprintf(r->etag, sizeof(r->etag), "%s",
		    db_get(res, 0, "etag"));
		snprintf(r->location, sizeof(r->location), "%s",
		    db_get(res, 0, "location"));
		reply_text(r, atoi(db_get(res, 0, "status")),
		    "application/json; charset=utf-8", db_get(res, 0, "body"),
		    strlen(db_get(res, 0, "body")));
	}
	PQclear(res);
	return IDEM_DONE;
}

/*
 * Store the staged reply as the answer for the key taken by idem_begin,
 * inside the same transaction; a no-op without a key.  Returns 0, or -1
 * with the database failure recorded in `r`.
 */
int
idem_finish(struct req *r, const struct idem *st)
{
	static struct stmt update = STMT(
	    "UPDATE idempotency_keys SET status = $3, body = $4, etag = $5,"
	    " location = $6 WHERE user_id = $1 AND key = $2", 6);
	char		 uid[24], sts[8], *body;
	const char	*p[6];
	int		 rc;

	if (st->key == NULL)
		return 0;
	if ((body = strndup(r->reply.body != NULL ? r->reply.body : "",
	    r->reply.len)) == NULL) {
		req_fail(r, "out of memory for the idempotent answer");
		return -1;
	}
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	snprintf(sts, sizeof(sts), "%d", r->reply.status);
	p[0] = uid;
	p[1] = st->key;
	p[2] = sts;
	p[3] = body;
	p[4] = r->etag;
	p[5] = r->location;
	rc = db_exec_ok(r, &update, p);
	free(body);
	return rc;
}
