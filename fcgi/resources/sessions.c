/*
 * sessions.c: logging in and out, and changing one's own password.
 *
 *	POST /api/v1/session	log in: a new session, its token in a
 *				__Host- cookie (Secure, HttpOnly, SameSite=Strict)
 *	GET /api/v1/session	who I am
 *	DELETE /api/v1/session	log out: the token stops working
 *	POST /api/v1/session/password	{"current", "new"}: 204, and every
 *				other session of the user ends
 *
 * Every check of a password is throttled by the database: the attempt
 * is recorded before the password is checked (login_attempt, in
 * sql/0020), so attempts made at the same moment count too, and a
 * limit reached answers 429 with the seconds until the window frees.
 * Passwords are checked outside any transaction: hashing is slow on
 * purpose, and a failure must stay recorded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "../base/base.h"
#include "../front/front.h"
#include "resources.h"

/* ------------------------------------------------------------------ */
/* Throttling                                                         */
/* ------------------------------------------------------------------ */

/* The username as safe to log: itself if plain, else a placeholder. */
static const char *
loggable(const char *name)
{
	return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789._-") ==
	    strlen(name) ? name : "(unprintable)";
}

/* The client's address as nginx gave it, or "-". */
static const char *
client_addr(const struct req *r)
{
	return r->remote_addr != NULL ? r->remote_addr : "-";
}

/*
 * Record an attempt to check `name`'s password from the client's
 * address, its id into `attempt`.  Returns 0 to go ahead, or -1 after
 * replying: 429 with Retry-After past a limit, or the database's error.
 */
static int
attempt_begin(struct req *r, const char *name, char attempt[24])
{
	static struct stmt begin = STMT(
	    "SELECT attempt, retry_after FROM login_attempt($1, $2)", 2);
	const char	*p[2];
	PGresult	*res;
	int		 rc = -1;

	p[0] = name;
	p[1] = client_addr(r);
	if ((res = db_exec(r, &begin, p)) == NULL) {
		reply_db_error(r);
		return -1;
	}
	if (!db_isnull(res, 0, "attempt")) {
		snprintf(attempt, 24, "%s", db_get(res, 0, "attempt"));
		rc = 0;
	} else {
		log_warn("password check for %s from %s throttled",
		    loggable(name), p[1]);
		snprintf(r->retry_after, sizeof(r->retry_after), "%s",
		    db_get(res, 0, "retry_after"));
		reply_problem(r, 429, NULL, "too many failed attempts; try "
		    "again later", NULL);
	}
	PQclear(res);
	return rc;
}

enum outcome {
	ATTEMPT_FAILED,		/* the wrong password: a failure */
	ATTEMPT_SUCCEEDED,	/* the right one */
	ATTEMPT_ABANDONED,	/* never checked */
	ATTEMPT__MAX
};

/*
 * Settle an attempt.  Returns 0, or -1 when the database failed
 * (recorded in r; a pending attempt then counts as a failure).
 */
static int
attempt_end(struct req *r, const char attempt[24], enum outcome o)
{
	static struct stmt end[ATTEMPT__MAX] = {
		[ATTEMPT_FAILED] = STMT(
		    "SELECT login_attempt_failed($1)", 1),
		[ATTEMPT_SUCCEEDED] = STMT(
		    "SELECT login_attempt_succeeded($1)", 1),
		[ATTEMPT_ABANDONED] = STMT(
		    "SELECT login_attempt_abandoned($1)", 1),
	};
	const char	*p[1];

	p[0] = attempt;
	return db_exec_ok(r, &end[o], p);
}

/*
 * Check `password` against the stored hash (or burn the same time for
 * an unknown user), holding one of the hashing slots.  Returns 1 on a
 * match, 0 on none, -1 when no slot freed up in time.
 */
static int
password_check(const char *password, const char *stored)
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

/* No hashing slot freed up in time: 503, retry in a second. */
static void
reply_hashing_busy(struct req *r)
{
	snprintf(r->retry_after, sizeof(r->retry_after), "1");
	reply_problem(r, 503, NULL, "too many logins at once; retry", NULL);
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
	{ "password", VT_SECRET, 1, 1, 256, NULL, NULL,
	    offsetof(struct login, password) },
};

/* POST /api/v1/session */
void
session_create(struct req *r)
{
	static struct stmt lookup = STMT(
	    "SELECT id, password_hash, username, display_name, region,"
	    " array_to_string(roles, ',') AS roles FROM login_lookup($1)", 1);
	static struct stmt start = STMT(
	    "SELECT session_start($1, $2::bytea, $3::integer, $4) AS id", 4);
	struct login	 in = { NULL, NULL };
	struct user	 u;
	unsigned char	 tok[SESSION_TOKEN_LEN];
	char		 text[SESSION_TOKEN_TEXT + 1], digest[SESSION_DIGEST_TEXT];
	char		 uid[24], abs[24], attempt[24];
	const char	*addr = client_addr(r);
	const char	*p[4];
	PGresult	*res = NULL;
	int		 ok;

	if (validate_json(r, r->json, login_fields, NITEMS(login_fields), &in,
	    NULL) == -1)
		return;
	if (attempt_begin(r, in.username, attempt) == -1)
		return;
	p[0] = in.username;
	if ((res = db_exec(r, &lookup, p)) == NULL)
		goto dberr;
	ok = password_check(in.password, PQntuples(res) == 1 ?
	    db_get(res, 0, "password_hash") : NULL);
	if (ok == -1) {
		(void)attempt_end(r, attempt, ATTEMPT_ABANDONED);
		reply_hashing_busy(r);
		goto out;
	}
	if (!ok) {
		log_warn("login failed for %s from %s", loggable(in.username),
		    addr);
		if (attempt_end(r, attempt, ATTEMPT_FAILED) == -1)
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
	(void)attempt_end(r, attempt, ATTEMPT_SUCCEEDED);
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

/* POST /api/v1/session/password */

struct change {
	const char	*current;
	const char	*new;
};

static const struct vfield change_fields[] = {
	{ "current", VT_STRING, 1, 1, PASSWORD_MAX_BYTES, NULL, NULL,
	    offsetof(struct change, current) },
	{ "new", VT_STRING, 1, 1, PASSWORD_MAX_BYTES, NULL, NULL,
	    offsetof(struct change, new) },
};

/*
 * The signed-in user changes its own password: `current` checked as a
 * login is (throttled alike: a stolen session cannot guess it), `new`
 * passing the rules.  The new hash and the end of every other session
 * of the user are one statement, outside any transaction like the
 * checks before it.  204; a wrong `current` 422 naming it.
 */
void
session_password(struct req *r)
{
	static struct stmt lookup = STMT(
	    "SELECT password_hash FROM login_lookup($1)", 1);
	/*
	 * One statement: the route keeps no transaction (the attempt must
	 * stay recorded whatever the answer), so the new hash, the end of
	 * the other sessions and the user's event ($4..$7) go together.
	 */
	static struct stmt change = STMT(
	    "WITH u AS (UPDATE users SET password_hash = $2,"
	    " must_change_password = false,"
	    " version = version + 1, updated_at = now()"
	    " WHERE id = $1 AND disabled_at IS NULL RETURNING id),"
	    " e AS (SELECT ledger_append($4, $5, $6::bytea, $7::bytea) FROM u)"
	    " SELECT session_end_others(u.id, $3) FROM u, e", 7);
	struct change	 in = { NULL, NULL };
	struct ledger_event ev;
	char		 attempt[24], hash[PASSWORD_HASH_MAX], uid[24], sid[24];
	char		 prevhex[LEDGER_HEX], hashhex[LEDGER_HEX];
	const char	*p[7];
	json_t		*payload = NULL;
	PGresult	*res = NULL;
	int		 ok, hashed;

	hash[0] = '\0';
	if (validate_json(r, r->json, change_fields, NITEMS(change_fields),
	    &in, NULL) == -1)
		return;
	if (password_acceptable(r, "new", in.new, r->user.username,
	    in.current) == -1)
		return;
	if (attempt_begin(r, r->user.username, attempt) == -1)
		return;
	p[0] = r->user.username;
	if ((res = db_exec(r, &lookup, p)) == NULL)
		goto dberr;
	if (PQntuples(res) != 1) {	/* disabled since the session began */
		(void)attempt_end(r, attempt, ATTEMPT_ABANDONED);
		reply_problem(r, 401, NULL, "no session", NULL);
		goto out;
	}
	if (hashing_begin() == -1) {
		(void)attempt_end(r, attempt, ATTEMPT_ABANDONED);
		reply_hashing_busy(r);
		goto out;
	}
	ok = password_verify(in.current, db_get(res, 0, "password_hash")) == 1;
	hashed = ok && password_hash(in.new, hash, sizeof(hash)) == 0;
	hashing_end();
	PQclear(res);
	res = NULL;
	if (ok && !hashed) {
		(void)attempt_end(r, attempt, ATTEMPT_ABANDONED);
		log_error("request %s: could not hash a password", r->id);
		reply_problem(r, 500, NULL, "internal error", NULL);
		goto out;
	}
	if (!ok) {
		log_warn("request %s: %s gave a wrong current password from %s",
		    r->id, r->user.username, client_addr(r));
		if (attempt_end(r, attempt, ATTEMPT_FAILED) == -1)
			goto dberr;
		reply_problem(r, 422, NULL, "the current password is wrong",
		    problem_field(NULL, "current", "当前密码不正确"));
		goto out;
	}
	/* The user's stream says that the password changed, not to what. */
	payload = json_pack("{s:{s:b}, s:{s:b}}", "old", "password_changed", 0,
	    "new", "password_changed", 1);
	ledger_change(&ev, LEDGER_USER, r->user.id, r->user.region,
	    acting_role(r->user.roles, r->user.roles), "update", payload);
	if (payload == NULL || ledger_place(r, &ev) == -1 ||
	    ledger_prepare(r, &ev) == -1)
		goto dberr;
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	snprintf(sid, sizeof(sid), "%lld", (long long)r->user.session_id);
	p[0] = uid;
	p[1] = hash;
	p[2] = sid;
	ledger_params(&ev, p + 3, prevhex, hashhex);
	res = db_exec(r, &change, p);
	ledger_discard(&ev);
	if (res == NULL)
		goto dberr;
	if (PQntuples(res) != 1) {	/* disabled meanwhile */
		(void)attempt_end(r, attempt, ATTEMPT_ABANDONED);
		reply_problem(r, 401, NULL, "no session", NULL);
		goto out;
	}
	(void)attempt_end(r, attempt, ATTEMPT_SUCCEEDED);
	log_info("request %s: %s changed its password", r->id,
	    r->user.username);
	reply_empty(r, 204);
	goto out;
dberr:
	reply_db_error(r);
out:
	json_decref(payload);
	PQclear(res);
	OPENSSL_cleanse(hash, sizeof(hash));
}
