/*
 * session.c: who a request comes from -- the session token in its
 * cookie, checked by the database.
 *
 * A session token is 32 bytes from RAND_bytes, sent to the browser once
 * in a __Host- cookie (Secure, HttpOnly, SameSite=Strict) and stored only
 * as its SHA-256.  Sessions end after cfg.session_idle seconds unused,
 * after cfg.session_absolute seconds in all, or at logout -- all decided
 * by the database, so every service instance agrees.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "../base/base.h"
#include "front.h"

#define COOKIE_NAME	SESSION_COOKIE
#define TOKEN_LEN	SESSION_TOKEN_LEN
#define TOKEN_TEXT	SESSION_TOKEN_TEXT

/* ------------------------------------------------------------------ */
/* Tokens                                                             */
/* ------------------------------------------------------------------ */

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Encode 32 bytes as 43 characters of base64url, NUL-terminated. */
void
session_token_encode(const unsigned char in[TOKEN_LEN],
    char out[TOKEN_TEXT + 1])
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
void
session_token_digest(const unsigned char tok[TOKEN_LEN],
    char out[SESSION_DIGEST_TEXT])
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
void
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
	json_t	*o;

	o = json_pack("{s:I, s:s, s:s, s:o, s:s}", "id", (json_int_t)u->id,
	    "username", u->username, "display_name", u->display_name,
	    "roles", roles_json(u->roles), "region", u->region);
	/* An enterprise's account: which, and whether it must set its own
	 * password before anything else. */
	if (o != NULL && u->enterprise_id != 0) {
		json_object_set_new(o, "enterprise_id",
		    json_integer(u->enterprise_id));
		json_object_set_new(o, "must_change_password",
		    json_boolean(u->must_change_password));
	}
	return o;
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
	    " wrote_lsn::text AS wrote_lsn, primary_lsn::text AS primary_lsn,"
	    " enterprise_id, must_change_password"
	    " FROM session_open($1::bytea, $2::integer)", 2);
	unsigned char	 tok[TOKEN_LEN];
	char		 digest[67], idle[24];
	const char	*p[2];
	PGresult	*res;
	int		 rc = 401;

	if (cookie_token(r, tok) == -1)
		return 401;
	session_token_digest(tok, digest);
	snprintf(idle, sizeof(idle), "%ld", cfg.session_idle);
	p[0] = digest;
	p[1] = idle;
	if ((res = db_exec(r, &open, p)) == NULL)
		return 503;
	if (PQntuples(res) == 1) {
		user_from_row(&r->user, res, 0);
		r->user.session_id = strtoll(db_get(res, 0, "session_id"),
		    NULL, 10);
		if (!db_isnull(res, 0, "enterprise_id"))
			r->user.enterprise_id = strtoll(db_get(res, 0,
			    "enterprise_id"), NULL, 10);
		r->user.must_change_password = strcmp(db_get(res, 0,
		    "must_change_password"), "t") == 0;
		snprintf(r->wrote_lsn, sizeof(r->wrote_lsn), "%s",
		    db_get(res, 0, "wrote_lsn"));
		snprintf(r->primary_lsn, sizeof(r->primary_lsn), "%s",
		    db_get(res, 0, "primary_lsn"));
		/* The database checks the scope against it: db.c. */
		snprintf(r->session, sizeof(r->session), "%s", digest + 2);
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

