/*
 * users.c: administrators manage the users of their own region.
 *
 *	GET   /api/v1/users?region=&q=&disabled=&cursor=&limit=
 *	GET   /api/v1/users/{id}
 *	POST  /api/v1/users		{"username", "display_name", "region",
 *					 "roles", "password"}
 *	PATCH /api/v1/users/{id}	display_name, roles, region, disabled,
 *					password (If-Match)
 *
 * All for the `admin` role only (the router checks).  Row-level security
 * on users keeps every statement inside the administrator's region: a
 * user outside it answers 404, and no user is created in or moved to a
 * region outside it (422 naming `region`, checked here first).  A
 * password set passes the rules (front/password_rules.c: 422 naming
 * `password`).  Disabling a user or setting a password ends all of that
 * user's sessions.
 * Password hashes are written, never read: the service's role may not
 * select them (sql/0010).
 *
 *	POST  /api/v1/enterprises/{id}/accounts	{"username", "display_name"}
 *
 * An officer of the enterprise's region makes the enterprise's own
 * account (role `enterprise`, bound to it): 201 with a one-time
 * `password`, shown once; the account must set its own before anything
 * else (front/router.c: 403 until then).  The users API makes no such
 * account: `enterprise` in its roles is 422.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "../base/base.h"
#include "../front/front.h"
#include "resources.h"

#define DISPLAY_NAME_CHARS	100	/* as the table's CHECK */
#define Q_MAX			100

/* ------------------------------------------------------------------ */
/* Checks for the validation rows                                     */
/* ------------------------------------------------------------------ */

/* As the table's CHECK: ^[a-z0-9][a-z0-9._-]{1,62}$ */
static const char *
check_username(const char *s)
{
	size_t	 n = strlen(s);

	if (n < 2 || n > 63 || strchr("._-", *s) != NULL ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._-") != n)
		return "应为2至63位小写字母、数字或 . _ -，以字母或数字开头";
	return NULL;
}

static const char *
check_display_name(const char *s)
{
	return utf8_chars(s) > DISPLAY_NAME_CHARS ? "不能超过100个字" : NULL;
}

static const char *
check_immutable(const char *s)
{
	(void)s;
	return "用户名不可修改";
}

/* The roles of a bitmask as "officer,legal" for string_to_array. */
static void
roles_text(unsigned roles, char *out, size_t size)
{
	size_t	 n = 0;
	int	 i;

	out[0] = '\0';
	for (i = 0; i < WF_ROLE__MAX; i++)
		if (roles & WF_ROLE_BIT(i))
			n += (size_t)snprintf(out + n, size - n, "%s%s",
			    n > 0 ? "," : "", wf_role_ids[i]);
}

/* ------------------------------------------------------------------ */
/* A user as JSON                                                     */
/* ------------------------------------------------------------------ */

/* The columns every user query selects, for user_row_json. */
#define USER_COLUMNS							\
	"u.id, u.username, u.display_name, u.region,"			\
	" rg.name AS region_name,"					\
	" array_to_string(u.roles, ',') AS roles,"			\
	" rfc3339(u.disabled_at) AS disabled_at, u.version,"		\
	" rfc3339(u.created_at) AS created_at,"				\
	" cu.username AS created_by,"					\
	" rfc3339(u.updated_at) AS updated_at"				\
	" FROM users u JOIN regions rg ON rg.code = u.region"		\
	" LEFT JOIN LATERAL user_public(u.created_by) cu ON true"

/* Row `i` of a USER_COLUMNS result as a new JSON object. */
static json_t *
user_row_json(const PGresult *res, int i)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:b, s:o, s:i, s:s,"
	    " s:o, s:s}",
	    "id", (json_int_t)strtoll(db_get(res, i, "id"), NULL, 10),
	    "username", db_get(res, i, "username"),
	    "display_name", db_get(res, i, "display_name"),
	    "region", db_get(res, i, "region"),
	    "region_name", db_get(res, i, "region_name"),
	    "roles", roles_json(roles_parse(db_get(res, i, "roles"))),
	    "disabled", !db_isnull(res, i, "disabled_at"),
	    "disabled_at", db_json_text(res, i, "disabled_at"),
	    "version", atoi(db_get(res, i, "version")),
	    "created_at", db_get(res, i, "created_at"),
	    "created_by", db_json_text(res, i, "created_by"),
	    "updated_at", db_get(res, i, "updated_at"));
}

/*
 * The user `id` as the API shows it (new reference), or NULL: not
 * visible to this administrator (r->fault FAULT_NONE) or the database
 * failed (recorded).
 */
static json_t *
user_get_json(struct req *r, int64_t id)
{
	static struct stmt get = STMT("SELECT " USER_COLUMNS
	    " WHERE u.id = $1", 1);
	char		 uid[24];
	const char	*p[1];
	PGresult	*res;
	json_t		*o = NULL;

	snprintf(uid, sizeof(uid), "%lld", (long long)id);
	p[0] = uid;
	if ((res = db_exec(r, &get, p)) == NULL)
		return NULL;
	if (PQntuples(res) == 1)
		o = user_row_json(res, 0);
	PQclear(res);
	return o;
}


/*
 * Hash a new password, holding a hashing slot.  Returns 0, or -1 after
 * replying (503 when every slot stayed busy, 500 when hashing failed).
 */
static int
new_password_hash(struct req *r, const char *pw, char *out, size_t size)
{
	int	 rc;

	if (hashing_begin() == -1) {
		snprintf(r->retry_after, sizeof(r->retry_after), "1");
		reply_problem(r, 503, NULL, "too many password operations at "
		    "once; retry", NULL);
		return -1;
	}
	rc = password_hash(pw, out, size);
	hashing_end();
	if (rc == -1) {
		log_error("request %s: could not hash a password", r->id);
		reply_problem(r, 500, NULL, "internal error", NULL);
	}
	return rc;
}

/* What a user's "update" event compares (ledger_diff). */
static const char *const audited[] = {
	"display_name", "region", "roles", "disabled", "password_changed",
	NULL
};

/*
 * Separation of duties: `admin` holds no other role -- an administrator
 * who could also propose, decide or audit could approve their own work
 * through an account they made -- and an enterprise's account is only
 * that.  The message for `roles`, or NULL.  The database holds the same
 * rules (users_admin_alone, users_enterprise_alone: sql/0030, 0032).
 */
static const char *
roles_allowed(unsigned roles)
{
	if ((roles & R(ADMIN)) && roles != R(ADMIN))
		return "管理员不能兼任其他角色";
	if (roles & R(ENTERPRISE))
		return "企业账号由辖区执法人员在企业名下开设"
		    "（POST /api/v1/enterprises/{id}/accounts）";
	return NULL;
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/users                                                  */
/* ------------------------------------------------------------------ */

struct list_in {
	const char	*region;
	const char	*q;
	int		 disabled;
	long long	 cursor;
	long long	 limit;
};

static const struct vfield list_fields[] = {
	{ "region", VT_REGION, 0, 0, 0, NULL, NULL,
	    offsetof(struct list_in, region) },
	{ "q", VT_NAME, 0, 1, Q_MAX, NULL, NULL,
	    offsetof(struct list_in, q) },
	{ "disabled", VT_BOOL, 0, 0, 0, NULL, NULL,
	    offsetof(struct list_in, disabled) },
	VF_PAGE(struct list_in),
};

/* Oldest first; `q` matches the username or the display name anywhere. */
void
user_list(struct req *r)
{
	static struct stmt list = STMT("SELECT " USER_COLUMNS
	    " WHERE ($1::text IS NULL OR u.username ILIKE $1"
	    "   OR u.display_name ILIKE $1)"
	    " AND ($2::text IS NULL OR (u.region >= region_lo($2::char(6))"
	    "   AND u.region < region_hi($2::char(6))))"
	    " AND ($3::boolean IS NULL OR (u.disabled_at IS NOT NULL) = $3)"
	    " AND ($4::bigint IS NULL OR u.id > $4)"
	    " ORDER BY u.id LIMIT $5", 5);
	struct list_in	 in;
	char		 cur[24], lim[24], pat[2 * Q_MAX + 3];
	const char	*p[5];
	unsigned	 present;
	PGresult	*res;
	json_t		*items, *o;
	int		 i, n;

	memset(&in, 0, sizeof(in));
	in.limit = LIST_DEFAULT;
	if (validate_query(r, list_fields, NITEMS(list_fields), &in,
	    &present) == -1)
		return;
	snprintf(cur, sizeof(cur), "%lld", in.cursor);
	snprintf(lim, sizeof(lim), "%lld", in.limit + 1);
	if (in.q != NULL)
		like_pattern(in.q, pat);
	p[0] = in.q != NULL ? pat : NULL;
	p[1] = in.region;
	p[2] = (present & (1u << 2)) ? (in.disabled ? "true" : "false") : NULL;
	p[3] = in.cursor != 0 ? cur : NULL;
	p[4] = lim;
	if ((res = db_exec(r, &list, p)) == NULL) {
		reply_db_error(r);
		return;
	}
	items = json_array();
	n = PQntuples(res);
	for (i = 0; i < n && i < in.limit; i++)
		if ((o = user_row_json(res, i)) != NULL)
			json_array_append_new(items, o);
	reply_page(r, items, res, in.limit);
	PQclear(res);
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/users/{id}                                             */
/* ------------------------------------------------------------------ */

void
user_get(struct req *r)
{
	reply_resource(r, 200, user_get_json(r, r->ids[0]), "user", NULL);
}

/* ------------------------------------------------------------------ */
/* POST /api/v1/users                                                 */
/* ------------------------------------------------------------------ */

struct user_in {
	const char	*username;
	const char	*display_name;
	const char	*region;
	unsigned	 roles;
	const char	*password;
};

static const struct vfield create_fields[] = {
	{ "username", VT_STRING, 1, 1, 63, NULL, check_username,
	    offsetof(struct user_in, username) },
	{ "display_name", VT_NAME, 1, 1, 4 * DISPLAY_NAME_CHARS, NULL,
	    check_display_name, offsetof(struct user_in, display_name) },
	{ "region", VT_REGION, 1, 0, 0, NULL, NULL,
	    offsetof(struct user_in, region) },
	{ "roles", VT_ROLES, 1, 0, 0, NULL, NULL,
	    offsetof(struct user_in, roles) },
	{ "password", VT_SECRET, 1, 1, PASSWORD_MAX_BYTES, NULL, NULL,
	    offsetof(struct user_in, password) },
};

void
user_create(struct req *r)
{
	static struct stmt insert = STMT(
	    "INSERT INTO users (username, display_name, region, roles,"
	    " password_hash, created_by) VALUES ($1, $2, $3,"
	    " string_to_array($4, ','), $5, $6) RETURNING id", 6);
	struct user_in	 in;
	char		 hash[PASSWORD_HASH_MAX], roles[64], uid[24];
	const char	*p[6], *msg;
	PGresult	*res = NULL;
	json_t		*after = NULL, *payload = NULL;
	int64_t		 id;

	memset(&in, 0, sizeof(in));
	hash[0] = '\0';
	if (validate_json(r, r->json, create_fields, NITEMS(create_fields),
	    &in, NULL) == -1)
		goto out;
	if ((msg = roles_allowed(in.roles)) != NULL) {
		reply_problem(r, 422, NULL, "some fields are missing or invalid",
		    problem_field(NULL, "roles", msg));
		goto out;
	}
	if (password_acceptable(r, "password", in.password, in.username,
	    NULL) == -1 ||
	    new_password_hash(r, in.password, hash, sizeof(hash)) == -1)
		goto out;
	if ((msg = region_usable(r, in.region, 1)) != NULL) {
		if (*msg == '\0')
			goto dberr;
		reply_problem(r, 422, NULL, "the region is outside yours",
		    problem_field(NULL, "region", msg));
		goto out;
	}
	roles_text(in.roles, roles, sizeof(roles));
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	p[0] = in.username;
	p[1] = in.display_name;
	p[2] = in.region;
	p[3] = roles;
	p[4] = hash;
	p[5] = uid;
	if ((res = db_exec(r, &insert, p)) == NULL) {
		if (strcmp(r->sqlstate, "23505") == 0) {
			reply_problem(r, 409, "duplicate", "a user with this "
			    "username exists", problem_field(NULL, "username",
			    "该用户名已被使用"));
			goto out;
		}
		goto dberr;
	}
	id = strtoll(db_get(res, 0, "id"), NULL, 10);
	if ((after = user_get_json(r, id)) == NULL ||
	    (payload = json_pack("{s:O, s:O, s:O, s:O}", "username",
	    json_object_get(after, "username"), "display_name",
	    json_object_get(after, "display_name"), "region",
	    json_object_get(after, "region"), "roles",
	    json_object_get(after, "roles"))) == NULL ||
	    change_record(r, LEDGER_USER, id, in.region, "create",
	    payload) == -1)
		goto dberr;
	log_info("request %s: %s created user %s (id %lld) in %s as %s",
	    r->id, r->user.username, in.username, (long long)id, in.region,
	    roles);
	reply_resource(r, 201, after, "user", "/api/v1/users");
	after = NULL;
	goto out;
dberr:
	reply_db_error(r);
out:
	json_decref(after);
	json_decref(payload);
	PQclear(res);
	OPENSSL_cleanse(hash, sizeof(hash));
}

/* ------------------------------------------------------------------ */
/* PATCH /api/v1/users/{id}                                           */
/* ------------------------------------------------------------------ */

enum upatch {
	UP_DISPLAY_NAME,
	UP_ROLES,
	UP_REGION,
	UP_DISABLED,
	UP_PASSWORD,
	UP_USERNAME,
	UP__MAX
};

struct upatch_in {
	const char	*display_name;
	unsigned	 roles;
	const char	*region;
	int		 disabled;
	const char	*password;
	const char	*username;
};

static const struct vfield patch_fields[UP__MAX] = {
	[UP_DISPLAY_NAME] = { "display_name", VT_NAME, 0, 1,
	    4 * DISPLAY_NAME_CHARS, NULL, check_display_name,
	    offsetof(struct upatch_in, display_name) },
	[UP_ROLES] = { "roles", VT_ROLES, 0, 0, 0, NULL, NULL,
	    offsetof(struct upatch_in, roles) },
	[UP_REGION] = { "region", VT_REGION, 0, 0, 0, NULL, NULL,
	    offsetof(struct upatch_in, region) },
	[UP_DISABLED] = { "disabled", VT_BOOL, 0, 0, 0, NULL, NULL,
	    offsetof(struct upatch_in, disabled) },
	[UP_PASSWORD] = { "password", VT_SECRET, 0, 1, PASSWORD_MAX_BYTES,
	    NULL, NULL, offsetof(struct upatch_in, password) },
	[UP_USERNAME] = { "username", VT_STRING, 0, 0, 0, NULL,
	    check_immutable, offsetof(struct upatch_in, username) },
};

#define HAS(f)	(present & (1u << (f)))

void
user_patch(struct req *r)
{
	static struct stmt name = STMT(
	    "SELECT username FROM users WHERE id = $1", 1);
	static struct stmt load = STMT(
	    "SELECT version, username FROM users WHERE id = $1 FOR UPDATE", 1);
	static struct stmt update = STMT(
	    "UPDATE users SET display_name = coalesce($3, display_name),"
	    " roles = coalesce(string_to_array($4, ','), roles),"
	    " region = coalesce($5, region),"
	    " disabled_at = CASE WHEN $6::boolean IS NULL THEN disabled_at"
	    "   WHEN $6 THEN coalesce(disabled_at, now()) END,"
	    " version = version + 1, updated_at = now()"
	    " WHERE id = $1 AND version = $2", 6);
	static struct stmt set_password = STMT(
	    "UPDATE users SET password_hash = $2 WHERE id = $1", 2);
	static struct stmt end_sessions = STMT("SELECT session_end_user($1)",
	    1);
	struct upatch_in in;
	unsigned	 present;
	char		 hash[PASSWORD_HASH_MAX], roles[64], id[24], ver[12];
	char		 target[64];
	const char	*p[6], *msg;
	PGresult	*res = NULL;
	json_t		*before = NULL, *after = NULL;
	int		 self;

	memset(&in, 0, sizeof(in));
	hash[0] = '\0';
	if (validate_json(r, r->json, patch_fields, UP__MAX, &in,
	    &present) == -1)
		goto out;
	if (present == 0) {
		reply_problem(r, 422, NULL, "nothing to change: give at least "
		    "one of display_name, roles, region, disabled, password",
		    NULL);
		goto out;
	}
	if (HAS(UP_ROLES) && (msg = roles_allowed(in.roles)) != NULL) {
		reply_problem(r, 422, NULL, "some fields are missing or invalid",
		    problem_field(NULL, "roles", msg));
		goto out;
	}
	/*
	 * No one administers themselves: their own roles, region and
	 * disabled flag are another administrator's to change (the
	 * database refuses it too: users_no_self_admin).
	 */
	self = r->ids[0] == r->user.id;
	if (self && (HAS(UP_ROLES) || HAS(UP_REGION) || HAS(UP_DISABLED))) {
		log_warn("request %s: %s tried to change their own roles, "
		    "region or disabled flag", r->id, r->user.username);
		reply_problem(r, 403, "self-administration", "no one changes "
		    "their own roles, region or disabled flag", NULL);
		goto out;
	}
	snprintf(id, sizeof(id), "%lld", (long long)r->ids[0]);
	p[0] = id;
	/* The rules need the username (it never changes: no lock). */
	if (HAS(UP_PASSWORD)) {
		if ((res = db_exec(r, &name, p)) == NULL)
			goto dberr;
		if (PQntuples(res) != 1) {
			reply_problem(r, 404, NULL, "no such user", NULL);
			goto out;
		}
		if (password_acceptable(r, "password", in.password,
		    db_get(res, 0, "username"), NULL) == -1 ||
		    new_password_hash(r, in.password, hash, sizeof(hash)) == -1)
			goto out;
		PQclear(res);
		res = NULL;
	}
	if ((res = db_exec(r, &load, p)) == NULL)
		goto dberr;
	if (PQntuples(res) != 1) {
		reply_problem(r, 404, NULL, "no such user", NULL);
		goto out;
	}
	if (reply_precondition(r, atoi(db_get(res, 0, "version")),
	    "user") == -1)
		goto out;
	snprintf(target, sizeof(target), "%s", db_get(res, 0, "username"));
	PQclear(res);
	res = NULL;
	if ((before = user_get_json(r, r->ids[0])) == NULL)
		goto dberr;
	if (HAS(UP_REGION) && (msg = region_usable(r, in.region, 1)) != NULL) {
		if (*msg == '\0')
			goto dberr;
		reply_problem(r, 422, NULL, "the region is outside yours",
		    problem_field(NULL, "region", msg));
		goto out;
	}
	roles_text(in.roles, roles, sizeof(roles));
	snprintf(ver, sizeof(ver), "%d", r->if_match);
	p[1] = ver;
	p[2] = HAS(UP_DISPLAY_NAME) ? in.display_name : NULL;
	p[3] = HAS(UP_ROLES) ? roles : NULL;
	p[4] = HAS(UP_REGION) ? in.region : NULL;
	p[5] = HAS(UP_DISABLED) ? (in.disabled ? "true" : "false") : NULL;
	if (db_exec_ok(r, &update, p) == -1)
		goto dberr;
	if (HAS(UP_PASSWORD)) {
		p[1] = hash;
		if (db_exec_ok(r, &set_password, p) == -1)
			goto dberr;
	}
	/* A disabled user, or one whose password changed, is signed out. */
	if ((HAS(UP_DISABLED) && in.disabled) || HAS(UP_PASSWORD)) {
		if (db_exec_ok(r, &end_sessions, p) == -1)
			goto dberr;
	}
	log_info("request %s: %s changed user %s:%s%s%s%s%s", r->id,
	    r->user.username, target,
	    HAS(UP_DISPLAY_NAME) ? " display_name" : "",
	    HAS(UP_ROLES) ? " roles" : "", HAS(UP_REGION) ? " region" : "",
	    HAS(UP_DISABLED) ? (in.disabled ? " disabled" : " enabled") : "",
	    HAS(UP_PASSWORD) ? " password" : "");
	/* Its stream: what changed, and that the password did (not what). */
	if ((after = user_get_json(r, r->ids[0])) == NULL)
		goto dberr;
	if (HAS(UP_PASSWORD)) {
		json_object_set_new(before, "password_changed", json_false());
		json_object_set_new(after, "password_changed", json_true());
	}
	if (change_update(r, LEDGER_USER, r->ids[0], json_string_value(
	    json_object_get(after, "region")), before, after, audited) == -1)
		goto dberr;
	json_object_del(after, "password_changed");
	reply_resource(r, 200, after, "user", NULL);
	after = NULL;
	goto out;
dberr:
	reply_db_error(r);
out:
	json_decref(before);
	json_decref(after);
	PQclear(res);
	OPENSSL_cleanse(hash, sizeof(hash));
}

/* ------------------------------------------------------------------ */
/* POST /api/v1/enterprises/{id}/accounts                             */
/* ------------------------------------------------------------------ */

#define ONE_TIME_CHARS	20
#define ONE_TIME_TRIES	4

struct account_in {
	const char	*username;
	const char	*display_name;
};

static const struct vfield account_fields[] = {
	{ "username", VT_STRING, 1, 1, 63, NULL, check_username,
	    offsetof(struct account_in, username) },
	{ "display_name", VT_NAME, 1, 1, 4 * DISPLAY_NAME_CHARS, NULL,
	    check_display_name, offsetof(struct account_in, display_name) },
};

/*
 * A one-time password from RAND_bytes: ONE_TIME_CHARS of an alphabet
 * without look-alikes, passing the rules (tried a few times: a random
 * string may still look like a word).  0, or -1 after replying.
 */
static int
one_time_password(struct req *r, const char *username, char *out)
{
	static const char alphabet[] =
	    "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	unsigned char	 rnd[ONE_TIME_CHARS];
	const char	*why;
	int		 i, try, rc = -1;

	for (try = 0; try < ONE_TIME_TRIES; try++) {
		if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
			log_error("RAND_bytes failed");
			break;
		}
		for (i = 0; i < ONE_TIME_CHARS; i++)
			out[i] = alphabet[rnd[i] % (sizeof(alphabet) - 1)];
		out[ONE_TIME_CHARS] = '\0';
		if ((rc = password_rules(out, username, NULL, &why)) != 1)
			break;
	}
	OPENSSL_cleanse(rnd, sizeof(rnd));
	if (rc != 0) {
		reply_problem(r, 500, NULL, "internal error", NULL);
		return -1;
	}
	return 0;
}

/*
 * The enterprise is read under row-level security: outside the
 * officer's region (or none) is 404.  The account takes the
 * enterprise's region; its creation is an event of the user's stream.
 */
void
account_create(struct req *r)
{
	static struct stmt ent = STMT(
	    "SELECT region FROM enterprises WHERE id = $1", 1);
	static struct stmt insert = STMT(
	    "INSERT INTO users (username, display_name, region, roles,"
	    " password_hash, created_by, enterprise_id, must_change_password)"
	    " VALUES ($1, $2, $3, ARRAY['enterprise'], $4, $5, $6, true)"
	    " RETURNING id", 6);
	struct account_in in;
	char		 hash[PASSWORD_HASH_MAX], pw[ONE_TIME_CHARS + 1];
	char		 uid[24], eid[24], region[7];
	const char	*p[6];
	PGresult	*res = NULL;
	json_t		*after = NULL, *payload = NULL;
	int64_t		 id;

	memset(&in, 0, sizeof(in));
	hash[0] = pw[0] = '\0';
	if (validate_json(r, r->json, account_fields, NITEMS(account_fields),
	    &in, NULL) == -1)
		goto out;
	snprintf(eid, sizeof(eid), "%lld", (long long)r->ids[0]);
	p[0] = eid;
	if ((res = db_exec(r, &ent, p)) == NULL)
		goto dberr;
	if (PQntuples(res) != 1) {
		reply_problem(r, 404, NULL, "no such enterprise", NULL);
		goto out;
	}
	snprintf(region, sizeof(region), "%s", db_get(res, 0, "region"));
	PQclear(res);
	res = NULL;
	if (one_time_password(r, in.username, pw) == -1 ||
	    new_password_hash(r, pw, hash, sizeof(hash)) == -1)
		goto out;
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	p[0] = in.username;
	p[1] = in.display_name;
	p[2] = region;
	p[3] = hash;
	p[4] = uid;
	p[5] = eid;
	if ((res = db_exec(r, &insert, p)) == NULL) {
		if (strcmp(r->sqlstate, "23505") == 0) {
			reply_problem(r, 409, "duplicate", "a user with this "
			    "username exists", problem_field(NULL, "username",
			    "该用户名已被使用"));
			goto out;
		}
		goto dberr;
	}
	id = strtoll(db_get(res, 0, "id"), NULL, 10);
	if ((payload = json_pack("{s:s, s:s, s:s, s:[s], s:I}", "username",
	    in.username, "display_name", in.display_name, "region", region,
	    "roles", "enterprise", "enterprise_id",
	    (json_int_t)r->ids[0])) == NULL ||
	    change_record(r, LEDGER_USER, id, region, "create",
	    payload) == -1)
		goto dberr;
	/* The new account as its owner will see it, and the password once. */
	after = json_pack("{s:I, s:s, s:s, s:s, s:[s], s:I, s:b, s:s}",
	    "id", (json_int_t)id, "username", in.username,
	    "display_name", in.display_name, "region", region,
	    "roles", "enterprise", "enterprise_id", (json_int_t)r->ids[0],
	    "must_change_password", 1, "password", pw);
	if (after == NULL)
		goto dberr;
	log_info("request %s: %s made account %s (id %lld) of enterprise %s",
	    r->id, r->user.username, in.username, (long long)id, eid);
	snprintf(r->location, sizeof(r->location), "/api/v1/users/%lld",
	    (long long)id);
	reply_json(r, 201, after);
	after = NULL;
	goto out;
dberr:
	reply_db_error(r);
out:
	json_decref(after);
	json_decref(payload);
	PQclear(res);
	OPENSSL_cleanse(hash, sizeof(hash));
	OPENSSL_cleanse(pw, sizeof(pw));
}
