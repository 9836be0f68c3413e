/*
 * sessions.c: logging in and out.
 *
 *	POST /api/v1/session	log in: a new session, its token in a
 *				__Host- cookie (Secure, HttpOnly, SameSite=Strict)
 *	GET /api/v1/session	who I am
 *	DELETE /api/v1/session	log out: the token stops working
 *
 * Failed logins are counted by the database (login_throttled) and the
 * password is checked outside any transaction: hashing is slow on
 * purpose.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "../base/base.h"
#include "../front/front.h"
#include "resources.h"

#define THROTTLE_RETRY	"900"	/* seconds; the failure window */

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
	{ "password", VT_SECRET, 1, 1, 256, NULL, NULL,
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
	unsigned char	 tok[SESSION_TOKEN_LEN];
	char		 text[SESSION_TOKEN_TEXT + 1], digest[SESSION_DIGEST_TEXT];
	char		 uid[24], abs[24];
	const char	*addr = r->remote_addr != NULL ? r->remote_addr : "-";
	const char	*p[4];
	PGresult	*res = NULL;
	int		 ok;

	if (validate_json(r, r->json, login_fields, NITEMS(login_fields), &in,
	    NULL) == -1)
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
	session_token_encode(tok, text);
	session_token_digest(tok, digest);
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
	    SESSION_COOKIE "=%s; Path=/; Secure; HttpOnly; SameSite=Strict", text);
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
	snprintf(r->set_cookie, sizeof(r->set_cookie), SESSION_COOKIE
	    "=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0");
	reply_empty(r, 204);
}
