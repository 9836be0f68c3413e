/*
 * session.c: logging in and out, and who a request comes from.
 *
 * A session token is 32 bytes from RAND_bytes, sent to the browser once
 * in a __Host- cookie (Secure, HttpOnly, SameSite=Strict) and stored only
 * as its SHA-256.  Sessions end after cfg.session_idle seconds unused,
 * after cfg.session_absolute seconds in all, or at logout -- all decided
 * by the database, so every service instance agrees.
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "paicha.h"

#define COOKIE_NAME	"__Host-paicha"
#define TOKEN_LEN	32
#define TOKEN_TEXT	43	/* base64url without padding */
#define THROTTLE_RETRY	"900"	/* seconds; the failure window */

static sem_t		 hash_slots;
static pthread_once_t	 hash_once = PTHREAD_ONCE_INIT;

static void
hash_slots_init(void)
{
	sem_init(&hash_slots, 0, (unsigned)cfg.login_concurrency);
}

/* ------------------------------------------------------------------ */
/* Tokens                                                             */
/* ------------------------------------------------------------------ */

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Encode 32 bytes as 43 characters of base64url, NUL-terminated. */
static void
token_encode(const unsigned char in[TOKEN_LEN], char out[TOKEN_TEXT + 1])
{
	unsigned	 acc = 0;
	int		 bits = 0;
	size_t		 i, o = 0;

	for (i = 0; i < TOKEN_LEN; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = b64url[(acc >> bits) & 0x3f];
		}
	}
	if (bits > 0)
		out[o++] = b64url[(acc << (6 - bits)) & 0x3f];
	out[o] = '\0';
}

/* Decode a 43-character token; 0, or -1 when it is not one. */
static int
token_decode(const char *in, size_t len, unsigned char out[TOKEN_LEN])
{
	const char	*p;
	unsigned	 acc = 0;
	int		 bits = 0;
	size_t		 i, o = 0;

	if (len != TOKEN_TEXT)
		return -1;
	for (i = 0; i < len; i++) {
		if (in[i] == '\0' || (p = strchr(b64url, in[i])) == NULL)
			return -1;
		acc = (acc << 6) | (unsigned)(p - b64url);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o < TOKEN_LEN)
				out[o++] = (unsigned char)(acc >> bits);
		}
	}
	return o == TOKEN_LEN ? 0 : -1;
}

/* The SHA-256 of a token, as a bytea literal "\x<64 hex>". */
static void
token_digest(const unsigned char tok[TOKEN_LEN], char out[67])
{
	unsigned char	 d[SHA256_DIGEST_LENGTH];

	SHA256(tok, TOKEN_LEN, d);
	bytea_hex(d, sizeof(d), out);
}

/*
 * The session token from the Cookie header, if well-formed.  Returns 0,
 * or -1 when there is none or it is malformed.
 */
static int
cookie_token(const struct req *r, unsigned char tok[TOKEN_LEN])
{
	const char	*c = req_param(r, "HTTP_COOKIE");
	size_t		 nlen = strlen(COOKIE_NAME), vlen;

	while (c != NULL && *c != '\0') {
		while (*c == ' ' || *c == ';')
			c++;
		if (strncmp(c, COOKIE_NAME, nlen) == 0 && c[nlen] == '=') {
			c += nlen + 1;
			vlen = strcspn(c, "; ");
			return token_decode(c, vlen, tok);
		}
		c = strchr(c, ';');
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* The user                                                           */
/* ------------------------------------------------------------------ */

/* Roles from "officer,legal" into a bitmask; unknown names are ignored. */
unsigned
roles_parse(const char *list)
{
	char		 buf[128], *p, *tok, *save = NULL;
	unsigned	 roles = 0;
	enum wf_role	 role;

	snprintf(buf, sizeof(buf), "%s", list);
	for (p = buf; (tok = strtok_r(p, ",", &save)) != NULL; p = NULL)
		if ((role = wf_role_parse(tok)) != WF_ROLE__MAX)
			roles |= 1u << role;
	return roles;
}

/* The roles of a bitmask as a new JSON array of ids. */
json_t *
roles_json(unsigned roles)
{
	json_t	*a = json_array();
	int	 i;

	for (i = 0; a != NULL && i < WF_ROLE__MAX; i++)
		if (roles & (1u << i))
			json_array_append_new(a, json_string(wf_role_ids[i]));
	return a;
}

/* Fill `u` from row `row` of a result with the user columns. */
static void
user_from_row(struct user *u, const PGresult *res, int row)
{
	u->id = strtoll(db_get(res, row, "id"), NULL, 10);
	snprintf(u->username, sizeof(u->username), "%s",
	    db_get(res, row, "username"));
	snprintf(u->display_name, sizeof(u->display_name), "%s",
	    db_get(res, row, "display_name"));
	snprintf(u->region, sizeof(u->region), "%s",
	    db_get(res, row, "region"));
	u->roles = roles_parse(db_get(res, row, "roles"));
}

/* The public view of a user (API.md "Sessions"). */
json_t *
user_json(const struct user *u)
{
	return json_pack("{s:I, s:s, s:s, s:o, s:s}", "id", (json_int_t)u->id,
	    "username", u->username, "display_name", u->display_name,
	    "roles", roles_json(u->roles), "region", u->region);
}

/*
 * Who sent the request: 0 with r->user filled, 401 without a live
 * session, 503 when the database could not say.  Also sets the
 * connection's region scope for row-level security.
 */
int
session_authenticate(struct req *r)
{
	static struct stmt open = STMT(
	    "SELECT session_id, id, username, display_name, region,"
	    " array_to_string(roles, ',') AS roles,"
	    " wrote_lsn::text AS wrote_lsn, primary_lsn::text AS primary_lsn"
	    " FROM session_open($1::bytea, $2::integer)", 2);
	unsigned char	 tok[TOKEN_LEN];
	char		 digest[67], idle[24];
	const char	*p[2];
	PGresult	*res;
	int		 rc = 401;

	if (cookie_token(r, tok) == -1)
		return 401;
	token_digest(tok, digest);
	snprintf(idle, sizeof(idle), "%ld", cfg.session_idle);
	p[0] = digest;
	p[1] = idle;
	if ((res = db_exec(r, &open, p)) == NULL)
		return 503;
	if (PQntuples(res) == 1) {
		user_from_row(&r->user, res, 0);
		r->user.session_id = strtoll(db_get(res, 0, "session_id"),
		    NULL, 10);
		snprintf(r->wrote_lsn, sizeof(r->wrote_lsn), "%s",
		    db_get(res, 0, "wrote_lsn"));
		snprintf(r->primary_lsn, sizeof(r->primary_lsn), "%s",
		    db_get(res, 0, "primary_lsn"));
		r->authed = 1;
		rc = 0;
	}
	PQclear(res);
	return rc;
}

/*
 * After a request of the session that may have written (any method but
 * GET), with nothing left open: remember the primary's WAL position in
 * the session, so that a replica answers this user's reads only once it
 * has replayed the write (db_route_replica).  Only with a replica
 * configured -- every instance of one deployment has the same setting.
 * The reply is still unsent (libfcgi sends it at FCGX_Finish_r), so no
 * next request of the client can overtake this.  A failure is logged by
 * db.c and changes nothing else: the write itself stands.
 */
void
session_wrote(struct req *r)
{
	static struct stmt wrote = STMT("SELECT session_wrote($1)", 1);
	char		 sid[24];
	const char	*p[1];

	if (cfg.replica_url == NULL || !r->authed)
		return;
	snprintf(sid, sizeof(sid), "%lld", (long long)r->user.session_id);
	p[0] = sid;
	(void)db_exec_ok(r, &wrote, p);
}

/* ------------------------------------------------------------------ */
/* Endpoints                                                          */
/* ------------------------------------------------------------------ */

struct login {
	const char	*username;
	const char	*password;
};

static const struct vfield login_fields[] = {
	{ "username", VT_STRING, 1, 1, 64, NULL, NULL,
	    offsetof(struct login, username) },
	{ "password", VT_STRING, 1, 1, 256, NULL, NULL,
	    offsetof(struct login, password) },
};

/* The username as safe to log: itself if plain, else a placeholder. */
static const char *
loggable(const char *name)
{
	return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789._-") ==
	    strlen(name) ? name : "(unprintable)";
}

/*
 * Take one of the few password-hashing slots, waiting at most 5 seconds:
 * PBKDF2 at 600,000 iterations is meant to be slow, so logins and user
 * changes share a small number of concurrent hashes (login_concurrency)
 * and cannot take every core.  Returns 0 holding a slot (give it back
 * with hashing_end), or -1 when none freed up in time.
 */
int
hashing_begin(void)
{
	struct timespec	 until;

	pthread_once(&hash_once, hash_slots_init);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	while (sem_timedwait(&hash_slots, &until) == -1)
		if (errno != EINTR)
			return -1;
	return 0;
}

void
hashing_end(void)
{
	sem_post(&hash_slots);
}

/*
 * Check the password against the stored hash (or burn the same time for
 * an unknown user), holding one of the hashing slots.  Returns 1 on a
 * match, 0 on none, -1 when no slot freed up in time.
 */
static int
login_check(const char *password, const char *stored)
{
	int		 ok;

	if (hashing_begin() == -1)
		return -1;
	if (stored != NULL)
		ok = password_verify(password, stored) == 1;
	else {
		password_dummy(password);
		ok = 0;
	}
	hashing_end();
	return ok;
}

/* POST /api/v1/session */
void
session_create(struct req *r)
{
	static struct stmt throttled = STMT(
	    "SELECT login_throttled($1, $2) AS throttled", 2);
	static struct stmt lookup = STMT(
	    "SELECT id, password_hash, username, display_name, region,"
	    " array_to_string(roles, ',') AS roles FROM login_lookup($1)", 1);
	static struct stmt failed = STMT("SELECT login_failed($1, $2)", 2);
	static struct stmt succeeded = STMT("SELECT login_succeeded($1)", 1);
	static struct stmt start = STMT(
	    "SELECT session_start($1, $2::bytea, $3::integer, $4) AS id", 4);
	struct login	 in = { NULL, NULL };
	struct user	 u;
	unsigned char	 tok[TOKEN_LEN];
	char		 text[TOKEN_TEXT + 1], digest[67], uid[24], abs[24];
	const char	*addr = r->remote_addr != NULL ? r->remote_addr : "-";
	const char	*p[4];
	PGresult	*res = NULL;
	int		 ok;

	if (validate_json(r, r->json, login_fields, 2, &in, NULL) == -1)
		return;
	p[0] = in.username;
	p[1] = addr;
	if ((res = db_exec(r, &throttled, p)) == NULL)
		goto dberr;
	if (strcmp(db_get(res, 0, "throttled"), "t") == 0) {
		log_warn("login for %s from %s throttled",
		    loggable(in.username), addr);
		snprintf(r->retry_after, sizeof(r->retry_after), "%s",
		    THROTTLE_RETRY);
		reply_problem(r, 429, NULL, "too many failed logins; try "
		    "again later", NULL);
		goto out;
	}
	PQclear(res);
	if ((res = db_exec(r, &lookup, p)) == NULL)
		goto dberr;
	ok = login_check(in.password, PQntuples(res) == 1 ?
	    db_get(res, 0, "password_hash") : NULL);
	if (ok == -1) {
		snprintf(r->retry_after, sizeof(r->retry_after), "1");
		reply_problem(r, 503, NULL, "too many logins at once; retry",
		    NULL);
		goto out;
	}
	if (!ok) {
		log_warn("login failed for %s from %s", loggable(in.username),
		    addr);
		if (db_exec_ok(r, &failed, p) == -1)
			goto dberr;
		reply_problem(r, 401, "bad-credentials",
		    "wrong username or password", NULL);
		goto out;
	}
	memset(&u, 0, sizeof(u));
	user_from_row(&u, res, 0);
	PQclear(res);
	res = NULL;

	if (RAND_bytes(tok, sizeof(tok)) != 1) {
		log_error("RAND_bytes failed");
		reply_problem(r, 500, NULL, "internal error", NULL);
		goto out;
	}
	token_encode(tok, text);
	token_digest(tok, digest);
	snprintf(uid, sizeof(uid), "%lld", (long long)u.id);
	snprintf(abs, sizeof(abs), "%ld", cfg.session_absolute);
	p[0] = uid;
	p[1] = digest;
	p[2] = abs;
	p[3] = addr;
	if (db_exec_ok(r, &start, p) == -1)
		goto dberr;
	p[0] = in.username;
	(void)db_exec_ok(r, &succeeded, p);
	snprintf(r->set_cookie, sizeof(r->set_cookie),
	    COOKIE_NAME "=%s; Path=/; Secure; HttpOnly; SameSite=Strict", text);
	OPENSSL_cleanse(tok, sizeof(tok));
	OPENSSL_cleanse(text, sizeof(text));
	log_info("login %s from %s", u.username, addr);
	reply_json(r, 201, user_json(&u));
	return;
dberr:
	reply_db_error(r);
out:
	PQclear(res);
}

/* GET /api/v1/session */
void
session_get(struct req *r)
{
	reply_json(r, 200, user_json(&r->user));
}

/* DELETE /api/v1/session */
void
session_delete(struct req *r)
{
	static struct stmt end = STMT("SELECT session_end($1)", 1);
	char		 sid[24];
	const char	*p[1];

	snprintf(sid, sizeof(sid), "%lld", (long long)r->user.session_id);
	p[0] = sid;
	if (db_exec_ok(r, &end, p) == -1) {
		reply_db_error(r);
		return;
	}
	snprintf(r->set_cookie, sizeof(r->set_cookie), COOKIE_NAME
	    "=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0");
	reply_empty(r, 204);
}
