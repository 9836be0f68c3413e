/*
 * trail.c: the fixture and helpers e2e-audit and e2e-tamper share
 * (trail.h).  Moved here from e2e-audit.c as they were, so that the
 * tamper tests could move to e2e-tamper.c with nothing changed in them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "trail.h"

struct client	*officer, *auditor, *admin;
char		 ent_bj[24], campaign[16];
static int	 serial;

/*
 * Log in officer.bj, auditor.bj and admin; an enterprise in Beijing made
 * as the superuser `db`; the latest campaign.
 */
void
trail_setup(PGconn *db)
{
	char	*v;

	officer = client_login("officer.bj", DEMO_PASSWORD);
	auditor = client_login("auditor.bj", DEMO_PASSWORD);
	admin = client_login("admin", DEMO_PASSWORD);
	enterprise(db, "110000", "北京审计测试企业", ent_bj, sizeof(ent_bj));
	v = db_value(db, "SELECT max(id) FROM campaigns", NULL);
	snprintf(campaign, sizeof(campaign), "%s", v);
	free(v);
}

void
trail_teardown(void)
{
	client_free(officer);
	client_free(auditor);
	client_free(admin);
}

/* An enterprise in `region`, made as the superuser; its id into `out`. */
void
enterprise(PGconn *db, const char *region, const char *name, char *out,
    size_t size)
{
	char	*uscc = fmt("91%s%010ld", region, (long)(time(NULL) % 100000) *
		    100000 + (long)getpid() % 100000);
	char	*id;

	id = db_value(db, "INSERT INTO enterprises (uscc, name, region,"
	    " created_by) VALUES ($1, $2, $3, (SELECT id FROM users"
	    " WHERE username = 'officer.bj')) RETURNING id", uscc, name,
	    region, NULL);
	assert_non_null(id);
	snprintf(out, size, "%s", id);
	free(id);
	free(uscc);
}

/* A new case at enterprise `ent`, registered by `c`; its id. */
long long
case_new(struct client *c, const char *ent, const char *problem)
{
	struct resp	 r;
	long long	 id;

	http_json(c, "POST", "/api/v1/cases", json_pack("{s:I, s:I, s:s,"
	    " s:s, s:s, s:s}", "enterprise_id", (json_int_t)atoll(ent),
	    "campaign_id", (json_int_t)atoll(campaign), "category",
	    "hazardous_chemicals", "domain", "production", "source",
	    "complaint", "problem", problem), NULL, &r);
	assert_status(&r, 201);
	id = json_integer_value(json_object_get(r.json, "id"));
	resp_free(&r);
	return id;
}

/* Add a note to case `id` at `version`; the new version. */
int
note(struct client *c, long long id, int version, const char *text)
{
	struct resp	 r;
	char		*path = fmt("/api/v1/cases/%lld/transitions", id);
	char		*im = fmt("If-Match: \"%d\"", version);
	const char	*h[] = { im, NULL };
	int		 v;

	http_json(c, "POST", path, json_pack("{s:s, s:{s:s}}", "event",
	    "add_note", "payload", "text", text), h, &r);
	assert_status(&r, 200);
	v = (int)json_integer_value(json_object_get(r.json, "version"));
	resp_free(&r);
	free(path);
	free(im);
	return v;
}

/* A case with `n` events: registered, then n - 1 notes "note-2" ... */
long long
case_with(struct client *c, const char *ent, int n)
{
	long long	 id;
	int		 v = 1, i;
	char		*text;

	id = case_new(c, ent, fmt("audit test case %d", ++serial));
	for (i = 2; i <= n; i++) {
		text = fmt("note-%d of case %lld", i, id);
		v = note(c, id, v, text);
		free(text);
	}
	return id;
}

/* GET `path` as `c`, expecting 200 JSON; the reply (free with resp_free). */
void
get_ok(struct client *c, const char *path, struct resp *r)
{
	http_get(c, path, r);
	assert_status(r, 200);
	assert_non_null(r->json);
}

/* verify (query `q`, "" for everything) must be ok. */
void
verify_ok(struct client *c, const char *q)
{
	struct resp	 r;
	char		*path = fmt("/api/v1/audit/verify%s", q);

	get_ok(c, path, &r);
	if (!json_is_true(json_object_get(r.json, "ok")))
		fail_msg("verify%s is not ok: %s", q, r.body);
	resp_free(&r);
	free(path);
}

/*
 * What is wrong with verify's answer (query `q`, "" for everything) as
 * `c`, which must say not ok, naming case `id` first: at `seq` (0: seq
 * null) and, when given, `field`, with a reason.  NULL when it is right;
 * else a message (malloc'd), so that the caller can undo its tampering
 * before failing.
 */
char *
verify_names(struct client *c, const char *q, long long id, int seq,
    const char *field)
{
	struct resp	 r;
	json_t		*fb;
	char		*path = fmt("/api/v1/audit/verify%s", q), *err = NULL;
	const char	*f, *e;

	http_get(c, path, &r);
	fb = json_object_get(r.json, "first_bad");
	f = json_string_value(json_object_get(fb, "field"));
	e = json_string_value(json_object_get(fb, "entity"));
	if (r.status != 200 || !json_is_false(json_object_get(r.json, "ok")) ||
	    !json_is_object(fb) ||
	    json_integer_value(json_object_get(fb, "case")) != id ||
	    json_integer_value(json_object_get(fb, "entity_id")) != id ||
	    e == NULL || strcmp(e, "case") != 0 ||
	    (seq > 0 ? json_integer_value(json_object_get(fb, "seq")) != seq :
	    !json_is_null(json_object_get(fb, "seq"))) ||
	    (field != NULL && (f == NULL || strcmp(f, field) != 0)) ||
	    !json_is_string(json_object_get(r.json, "reason")))
		err = fmt("verify%s: want case %lld, seq %d, field %s; got %ld "
		    "%s", q, id, seq, field != NULL ? field : "-", r.status,
		    r.body);
	resp_free(&r);
	free(path);
	return err;
}

/*
 * The case `id`, its county 110101, Beijing and everything must each
 * name (id, seq, field): the first message that says otherwise, or NULL.
 */
char *
verify_names_everywhere(long long id, int seq, const char *field)
{
	char	*q = fmt("?case=%lld", id), *err;

	if ((err = verify_names(auditor, q, id, seq, field)) == NULL &&
	    (err = verify_names(auditor, "?region=110000", id, seq,
	    field)) == NULL)
		err = verify_names(admin, "", id, seq, field);
	free(q);
	return err;
}

/* verify must report exactly (case, seq) first. */
void
verify_bad_at(struct client *c, const char *q, long long id, int seq)
{
	char	*err = verify_names(c, q, id, seq, NULL);

	if (err != NULL)
		fail_msg("%s", err);
}



void
verify_ok_everywhere(long long id)
{
	char	*q = fmt("?case=%lld", id);

	verify_ok(auditor, q);
	verify_ok(auditor, "?region=110000");
	verify_ok(auditor, "");
	verify_ok(admin, "");
	free(q);
}

/* Run `sql` as the superuser with the history's triggers off. */
void
tamper(PGconn *db, const char *sql)
{
	db_do(db, "SET session_replication_role = replica");
	db_do(db, sql);
	db_do(db, "SET session_replication_role = origin");
}

/*
 * The number of events there are, as the superuser sees them: of every
 * stream, a case's and the others' (each a leaf of the log).
 */
long long
events_total(PGconn *db)
{
	char		*v = db_value(db, "SELECT (SELECT count(*) FROM"
			    " case_events) + (SELECT count(*) FROM"
			    " ledger_events)", NULL);
	long long	 n = atoll(v);

	free(v);
	return n;
}

/*
 * Wait (at most 40 s: the checkpointer runs every 10) until the latest
 * checkpoint covers every event committed so far; its reply into `r`.
 */
void
checkpoint_covering_all(PGconn *db, struct resp *r)
{
	long long	 want = events_total(db);
	int		 i;

	for (i = 0; i < 80; i++) {
		http_get(auditor, "/api/v1/audit/checkpoints/latest", r);
		if (r->status == 200 && json_integer_value(json_object_get(
		    r->json, "size")) >= want)
			return;
		resp_free(r);
		usleep(500000);
	}
	fail_msg("no checkpoint covered %lld events within 40 s", want);
}

/* ------------------------------------------------------------------ */
/* The other streams: a user's, an enterprise's                       */
/* ------------------------------------------------------------------ */

/*
 * A user (an officer) in `region` made by admin, with `n` events in its
 * stream: created, then its display name set to "name-2" ... "name-n";
 * its id.
 */
long long
user_with(const char *region, int n)
{
	struct resp	 r;
	char		*name = unique_name("stream"), *path, *im, *dn;
	const char	*h[2];
	long long	 id;
	int		 i;

	id = fixture_user(admin, name, region, "[\"officer\"]");
	path = fmt("/api/v1/users/%lld", id);
	for (i = 2; i <= n; i++) {
		im = fmt("If-Match: \"%d\"", i - 1);
		dn = fmt("name-%d", i);
		h[0] = im;
		h[1] = NULL;
		http_json(admin, "PATCH", path, json_pack("{s:s}",
		    "display_name", dn), h, &r);
		assert_status(&r, 200);
		resp_free(&r);
		free(dn);
		free(im);
	}
	free(path);
	free(name);
	return id;
}

/*
 * An enterprise in `region` registered by officer.bj, with `n` events in
 * its stream: registered, then its address set to "address-2" ...
 * "address-n"; its id.
 */
long long
enterprise_with(const char *region, int n)
{
	struct resp	 r;
	char		 uscc[19], *path, *im, *addr;
	const char	*h[2];
	long long	 id;
	int		 i;

	id = fixture_enterprise(officer, region, uscc);
	path = fmt("/api/v1/enterprises/%lld", id);
	for (i = 2; i <= n; i++) {
		im = fmt("If-Match: \"%d\"", i - 1);
		addr = fmt("address-%d", i);
		h[0] = im;
		h[1] = NULL;
		http_json(officer, "PATCH", path, json_pack("{s:s}",
		    "address", addr), h, &r);
		assert_status(&r, 200);
		resp_free(&r);
		free(addr);
		free(im);
	}
	free(path);
	return id;
}

/*
 * What is wrong with verify's answer (query `q`, "" for everything) as
 * `c`, which must say not ok, naming event `seq` of `entity` `id` first
 * -- entity, entity_id and seq, and no case --, with a reason.  NULL
 * when it is right; else a message (malloc'd).
 */
char *
verify_names_stream(struct client *c, const char *q, const char *entity,
    long long id, int seq)
{
	struct resp	 r;
	json_t		*fb;
	char		*path = fmt("/api/v1/audit/verify%s", q), *err = NULL;
	const char	*e;

	http_get(c, path, &r);
	fb = json_object_get(r.json, "first_bad");
	e = json_string_value(json_object_get(fb, "entity"));
	if (r.status != 200 || !json_is_false(json_object_get(r.json, "ok")) ||
	    !json_is_object(fb) || e == NULL || strcmp(e, entity) != 0 ||
	    json_integer_value(json_object_get(fb, "entity_id")) != id ||
	    json_integer_value(json_object_get(fb, "seq")) != seq ||
	    !json_is_integer(json_object_get(fb, "seq")) ||
	    json_object_get(fb, "case") != NULL ||
	    !json_is_string(json_object_get(r.json, "reason")))
		err = fmt("verify%s: want %s %lld, seq %d; got %ld %s", q,
		    entity, id, seq, r.status, r.body);
	else
		fprintf(stderr, "verify%s: %s\n", q, r.body);
	resp_free(&r);
	free(path);
	return err;
}

/*
 * Beijing (its auditor), everything in its scope (its auditor) and the
 * whole database (admin) must each name (entity, id, seq): the first
 * message that says otherwise, or NULL.
 */
char *
verify_names_stream_everywhere(const char *entity, long long id, int seq)
{
	char	*err;

	if ((err = verify_names_stream(auditor, "?region=110000", entity, id,
	    seq)) == NULL && (err = verify_names_stream(auditor, "", entity,
	    id, seq)) == NULL)
		err = verify_names_stream(admin, "", entity, id, seq);
	return err;
}

/* verify ok for Beijing and everything, as its auditor and admin. */
void
verify_ok_streams(void)
{
	verify_ok(auditor, "?region=110000");
	verify_ok(auditor, "");
	verify_ok(admin, "");
}
