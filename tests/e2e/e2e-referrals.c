/*
 * e2e-referrals.c: work across regions (API.md Part 2, "Across regions:
 * lookup, referrals, links"; issue 17), against the test instance:
 *
 *  - the directory: GET /enterprises/lookup?uscc= tells officers, legal
 *    staff and coordinators of any region the four facts, 404 unknown;
 *  - a referral: 201 with its fields, the origin case gains `refer`
 *    (state unchanged); both sides list and read it, a third region
 *    does not; the origin cannot decide it (404), legal staff may not
 *    (403); accept → a new case there (source referral), linked both
 *    ways; accept or return again → 409; the decisions are audited;
 *  - reading across: the origin reads the case it referred, its events
 *    and files, and not the receiving region's other case (404);
 *    nothing of the origin is readable by the receiver but the
 *    referral and its files; the origin cannot change the referred case;
 *  - bad input: own region, no such region (422), a case out of scope
 *    (404), accept by the wrong region (404), return without a reason
 *    (422), a file not the case's (422), an enterprise elsewhere (422);
 *  - links: related / duplicate_of within one's scope (201), twice 409,
 *    a case outside it 422;
 *  - the race: two officers accept at once → one 200, one 409, exactly
 *    one new case.
 * Every refusal changes nothing.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e.h"

static struct client	*obj, *osh, *osh2, *lbj, *lsh, *ogd, *cbj, *aud;

static int
setup(void **state)
{
	(void)state;
	if (user_make("officer.gd", "440000", "officer") != 0)
		fail_msg("could not make officer.gd");
	obj = client_login("officer.bj", DEMO_PASSWORD);
	osh = client_login("officer.sh", DEMO_PASSWORD);
	osh2 = client_login("officer.sh", DEMO_PASSWORD);
	lbj = client_login("legal.bj", DEMO_PASSWORD);
	lsh = client_login("legal.sh", DEMO_PASSWORD);
	ogd = client_login("officer.gd", DEMO_PASSWORD);
	cbj = client_login("coord.bj", DEMO_PASSWORD);
	aud = client_login("auditor.bj", DEMO_PASSWORD);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	client_free(obj);
	client_free(osh);
	client_free(osh2);
	client_free(lbj);
	client_free(lsh);
	client_free(ogd);
	client_free(cbj);
	client_free(aud);
	return 0;
}

static long long
id_of(const struct resp *r)
{
	return json_integer_value(json_object_get(r->json, "id"));
}

static const char *
str_of(const json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

/* POST /referrals by `c`; the reply in `r` (freed by the caller). */
static long
refer(struct client *c, long long case_id, const char *kind,
    const char *to, long long eid, json_t *files, struct resp *r)
{
	json_t	*b = json_pack("{s:I, s:s, s:s, s:s}", "case_id",
	    (json_int_t)case_id, "kind", kind, "to_region", to, "reason",
	    "e2e: 上游生产企业在外地");

	if (eid != 0)
		json_object_set_new(b, "enterprise_id", json_integer(eid));
	if (files != NULL)
		json_object_set_new(b, "file_ids", files);
	return http_json(c, "POST", "/api/v1/referrals", b, NULL, r);
}

/* A referral made by officer.bj of a new Beijing case; its id. */
static long long
referral_made(long long *case_out, long long sh_eid)
{
	struct resp	 r;
	long long	 e = fixture_enterprise(obj, "110105", (char[19]){ 0 });
	long long	 c = fixture_case(obj, e), id;

	refer(obj, c, "trace_upstream", "310000", sh_eid, NULL, &r);
	assert_status(&r, 201);
	id = id_of(&r);
	resp_free(&r);
	if (case_out != NULL)
		*case_out = c;
	return id;
}

static long
post(struct client *c, const char *path, json_t *body, struct resp *r)
{
	return http_json(c, "POST", path, body, NULL, r);
}

/* A small text file uploaded to case `id` by `c`; the file's id. */
static long long
file_on(struct client *c, long long id)
{
	static const char	 text[] = "e2e referral evidence\n";
	const char		*h[] = { "Content-Type: text/plain", NULL };
	struct resp		 r;
	char			*path;
	long long		 f;

	path = fmt("/api/v1/cases/%lld/files?kind=other&name=e2e.txt", id);
	http_raw(c, "POST", path, text, sizeof(text) - 1, h, &r);
	assert_status(&r, 201);
	f = id_of(&r);
	resp_free(&r);
	free(path);
	return f;
}

static long
get_status(struct client *c, const char *path)
{
	return status_of(c, "GET", path, NULL, NULL);
}

/* ------------------------------------------------------------------ */

static void
test_lookup(void **state)
{
	struct resp	 r;
	char		 uscc[19], other[19];
	long long	 e;
	struct client	*who[3];
	size_t		 i;

	(void)state;
	e = fixture_enterprise(obj, "110105", uscc);
	who[0] = osh;
	who[1] = lsh;
	who[2] = cbj;
	for (i = 0; i < 3; i++) {
		http_get(who[i], fmt("/api/v1/enterprises/lookup?uscc=%s",
		    uscc), &r);
		assert_status(&r, 200);
		assert_int_equal(json_object_size(r.json), 4);
		assert_int_equal(id_of(&r), e);
		assert_string_equal(str_of(r.json, "uscc"), uscc);
		assert_string_equal(str_of(r.json, "region"), "110105");
		assert_true(*str_of(r.json, "name") != '\0');
		resp_free(&r);
	}
	/* The record itself stays its region's. */
	assert_int_equal(get_status(osh, fmt("/api/v1/enterprises/%lld", e)),
	    404);
	uscc_unique_in("440000", other);
	assert_int_equal(get_status(osh,
	    fmt("/api/v1/enterprises/lookup?uscc=%s", other)), 404);
	assert_int_equal(get_status(aud,
	    fmt("/api/v1/enterprises/lookup?uscc=%s", uscc)), 403);
}

static void
test_refer_accept(void **state)
{
	struct resp	 r;
	json_t		*it, *items, *c;
	long long	 es, es2, cb, neighbour, id, nc, f_new, f_nb;
	long long	 version;
	size_t		 i, n;
	int		 seen;
	char		 today[11];

	(void)state;
	es = fixture_enterprise(osh, "310101", (char[19]){ 0 });
	es2 = fixture_enterprise(osh, "310101", (char[19]){ 0 });
	neighbour = fixture_case(osh, es2);
	f_nb = file_on(osh, neighbour);
	cb = fixture_case(obj, fixture_enterprise(obj, "110105",
	    (char[19]){ 0 }));
	http_get(obj, fmt("/api/v1/cases/%lld", cb), &r);
	version = json_integer_value(json_object_get(r.json, "version"));
	resp_free(&r);

	refer(obj, cb, "trace_upstream", "310000", es, NULL, &r);
	assert_status(&r, 201);
	id = id_of(&r);
	assert_true(id > 0);
	assert_string_equal(str_of(r.json, "state"), "open");
	assert_int_equal(json_integer_value(json_object_get(r.json,
	    "case_id")), cb);
	assert_string_equal(str_of(r.json, "from_region"), "110105");
	assert_string_equal(str_of(r.json, "to_region"), "310000");
	assert_string_equal(str_of(r.json, "kind"), "trace_upstream");
	assert_string_equal(str_of(r.json, "reason"), "e2e: 上游生产企业在外地");
	cst_date(0, today);
	assert_int_equal(strlen(str_of(r.json, "due")), 10);
	assert_true(strcmp(str_of(r.json, "due"), today) > 0);
	resp_free(&r);

	/* The origin case: one more event, `refer`, its state unchanged. */
	http_get(obj, fmt("/api/v1/cases/%lld/events", cb), &r);
	assert_status(&r, 200);
	items = json_object_get(r.json, "items");
	n = json_array_size(items);
	it = json_array_get(items, n - 1);
	assert_string_equal(str_of(it, "event"), "refer");
	assert_string_equal(str_of(it, "from"), "detected");
	assert_string_equal(str_of(it, "to"), "detected");
	assert_int_equal(json_integer_value(json_array_get(json_object_get(
	    json_object_get(it, "payload"), "referral"), 0)), id);
	resp_free(&r);
	http_get(obj, fmt("/api/v1/cases/%lld", cb), &r);
	assert_string_equal(str_of(r.json, "state"), "detected");
	assert_int_equal(json_integer_value(json_object_get(r.json,
	    "version")), version + 1);
	resp_free(&r);

	/* Both sides see it, a third region does not. */
	assert_true(list_has(obj, "/api/v1/referrals?direction=outgoing", id));
	assert_false(list_has(obj, "/api/v1/referrals?direction=incoming",
	    id));
	assert_true(list_has(osh, "/api/v1/referrals?direction=incoming&"
	    "state=open", id));
	assert_false(list_has(osh, "/api/v1/referrals?direction=outgoing",
	    id));
	assert_false(list_has(osh, "/api/v1/referrals?direction=incoming&"
	    "state=accepted", id));
	assert_int_equal(get_status(obj, fmt("/api/v1/referrals/%lld", id)),
	    200);
	http_get(osh, fmt("/api/v1/referrals/%lld", id), &r);
	assert_status(&r, 200);
	assert_true(json_is_true(json_object_get(r.json, "can_decide")));
	resp_free(&r);
	assert_int_equal(get_status(ogd, fmt("/api/v1/referrals/%lld", id)),
	    404);
	assert_false(list_has(ogd, "/api/v1/referrals", id));
	/* Before the accept the origin reads nothing over there. */
	assert_int_equal(get_status(obj, fmt("/api/v1/cases/%lld",
	    neighbour)), 404);
	/* The receiver reads the referral, not the origin case. */
	assert_int_equal(get_status(osh, fmt("/api/v1/cases/%lld", cb)), 404);

	/* The wrong side, the wrong role. */
	assert_int_equal(status_of(obj, "POST", fmt("/api/v1/referrals/%lld/"
	    "accept", id), json_pack("{s:I}", "enterprise_id",
	    (json_int_t)es), NULL), 404);
	assert_int_equal(status_of(ogd, "POST", fmt("/api/v1/referrals/%lld/"
	    "accept", id), json_pack("{s:I}", "enterprise_id",
	    (json_int_t)es), NULL), 404);
	assert_int_equal(status_of(lsh, "POST", fmt("/api/v1/referrals/%lld/"
	    "accept", id), json_pack("{s:I}", "enterprise_id",
	    (json_int_t)es), NULL), 403);

	/* Accept: a new case there, from the referral. */
	post(osh, fmt("/api/v1/referrals/%lld/accept", id), json_pack("{s:I}",
	    "enterprise_id", (json_int_t)es), &r);
	assert_status(&r, 200);
	it = json_object_get(r.json, "referral");
	c = json_object_get(r.json, "case");
	assert_string_equal(str_of(it, "state"), "accepted");
	nc = json_integer_value(json_object_get(c, "id"));
	assert_true(nc > 0);
	assert_int_equal(json_integer_value(json_object_get(it,
	    "new_case_id")), nc);
	assert_string_equal(str_of(c, "source"), "referral");
	assert_string_equal(str_of(c, "region"), "310101");
	assert_string_equal(str_of(c, "state"), "detected");
	/* Tracing upstream finds a producer. */
	assert_string_equal(str_of(c, "domain"), "production");
	assert_int_equal(json_integer_value(json_object_get(c,
	    "enterprise_id")), es);
	resp_free(&r);

	/* Each once. */
	post(osh2, fmt("/api/v1/referrals/%lld/accept", id),
	    json_pack("{s:I}", "enterprise_id", (json_int_t)es), &r);
	assert_problem(&r, 409);
	resp_free(&r);
	post(osh2, fmt("/api/v1/referrals/%lld/return", id),
	    json_pack("{s:s}", "reason", "不属于本地管辖"), &r);
	assert_problem(&r, 409);
	resp_free(&r);
	assert_false(list_has(osh, "/api/v1/referrals?direction=incoming&"
	    "state=open", id));
	assert_true(list_has(osh, "/api/v1/referrals?direction=incoming&"
	    "state=accepted", id));

	/* Links both ways, each with the other case's four facts. */
	http_get(obj, fmt("/api/v1/cases/%lld/links", cb), &r);
	assert_status(&r, 200);
	seen = 0;
	json_array_foreach(json_object_get(r.json, "items"), i, it) {
		c = json_object_get(it, "case");
		if (strcmp(str_of(it, "kind"), "referred_to") == 0 &&
		    json_integer_value(json_object_get(c, "id")) == nc) {
			seen = 1;
			assert_string_equal(str_of(c, "region"), "310101");
			assert_string_equal(str_of(c, "state"), "detected");
			assert_true(*str_of(c, "enterprise_name") != '\0');
		}
	}
	assert_true(seen);
	resp_free(&r);
	http_get(osh, fmt("/api/v1/cases/%lld/links", nc), &r);
	assert_status(&r, 200);
	it = json_array_get(json_object_get(r.json, "items"), 0);
	assert_string_equal(str_of(it, "kind"), "referred_from");
	c = json_object_get(it, "case");
	assert_int_equal(json_integer_value(json_object_get(c, "id")), cb);
	assert_string_equal(str_of(c, "region"), "110105");
	assert_true(*str_of(c, "enterprise_name") != '\0');
	resp_free(&r);

	/* The origin reads the case it referred, and nothing else there. */
	f_new = file_on(osh, nc);
	http_get(obj, fmt("/api/v1/cases/%lld", nc), &r);
	assert_status(&r, 200);
	assert_string_equal(str_of(r.json, "source"), "referral");
	assert_true(*str_of(json_object_get(r.json, "enterprise"), "name")
	    != '\0');
	resp_free(&r);
	assert_int_equal(get_status(obj, fmt("/api/v1/cases/%lld/events",
	    nc)), 200);
	assert_true(list_has(obj, fmt("/api/v1/cases/%lld/files", nc),
	    f_new));
	assert_int_equal(get_status(obj, fmt("/api/v1/files/%lld", f_new)),
	    200);
	assert_int_equal(get_status(obj, fmt("/api/v1/cases/%lld",
	    neighbour)), 404);
	assert_int_equal(get_status(obj, fmt("/api/v1/cases/%lld/events",
	    neighbour)), 404);
	assert_int_equal(get_status(obj, fmt("/api/v1/files/%lld", f_nb)),
	    404);
	assert_int_equal(get_status(obj, fmt("/api/v1/enterprises/%lld", es)),
	    404);
	/* ... and changes none of it. */
	assert_int_equal(status_of(obj, "POST", fmt("/api/v1/cases/%lld/"
	    "transitions", nc), json_pack("{s:s, s:{s:s}}", "event",
	    "add_note", "payload", "text", "外地备注"),
	    (const char *const[]){ "If-Match: \"1\"", NULL }), 404);
	assert_int_equal(status_of(obj, "POST", fmt("/api/v1/cases/%lld/"
	    "links", nc), json_pack("{s:s, s:I}", "kind", "related",
	    "case_id", (json_int_t)cb), NULL), 404);
	/* The third region reads none of it. */
	assert_int_equal(get_status(ogd, fmt("/api/v1/cases/%lld", nc)), 404);

	/* Audited: the referral's stream holds create and accept. */
	http_get(aud, fmt("/api/v1/audit/events?entity=referral&entity_id="
	    "%lld", id), &r);
	assert_status(&r, 200);
	items = json_object_get(r.json, "items");
	assert_int_equal(json_array_size(items), 2);
	seen = 0;
	json_array_foreach(items, i, it)
		seen |= strcmp(str_of(it, "event"), "create") == 0 ? 1 :
		    strcmp(str_of(it, "event"), "accept") == 0 ? 2 : 0;
	assert_int_equal(seen, 3);
	resp_free(&r);
	http_get(aud, fmt("/api/v1/audit/verify?case=%lld", cb), &r);
	assert_status(&r, 200);
	assert_true(json_is_true(json_object_get(r.json, "ok")));
	resp_free(&r);
}

static void
test_return(void **state)
{
	struct resp	 r;
	long long	 id, es = fixture_enterprise(osh, "310101",
	    (char[19]){ 0 });

	(void)state;
	id = referral_made(NULL, 0);
	post(osh, fmt("/api/v1/referrals/%lld/return", id),
	    json_pack("{}"), &r);
	assert_problem_field(&r, 422, "reason");
	resp_free(&r);
	post(osh, fmt("/api/v1/referrals/%lld/return", id),
	    json_pack("{s:s}", "reason", ""), &r);
	assert_problem_field(&r, 422, "reason");
	resp_free(&r);
	/* The origin may not return its own. */
	assert_int_equal(status_of(obj, "POST", fmt("/api/v1/referrals/%lld/"
	    "return", id), json_pack("{s:s}", "reason", "撤回"), NULL), 404);
	http_get(osh, fmt("/api/v1/referrals/%lld", id), &r);
	assert_string_equal(str_of(r.json, "state"), "open");
	resp_free(&r);
	/* No enterprise named and none given: 422. */
	post(osh, fmt("/api/v1/referrals/%lld/accept", id), json_pack("{}"),
	    &r);
	assert_problem_field(&r, 422, "enterprise_id");
	resp_free(&r);

	post(osh, fmt("/api/v1/referrals/%lld/return", id),
	    json_pack("{s:s}", "reason", "经核查企业不在本地"), &r);
	assert_status(&r, 200);
	assert_string_equal(str_of(r.json, "state"), "returned");
	assert_string_equal(str_of(r.json, "return_reason"), "经核查企业不在本地");
	resp_free(&r);
	assert_int_equal(status_of(osh, "POST", fmt("/api/v1/referrals/%lld/"
	    "return", id), json_pack("{s:s}", "reason", "again"), NULL), 409);
	assert_int_equal(status_of(osh, "POST", fmt("/api/v1/referrals/%lld/"
	    "accept", id), json_pack("{s:I}", "enterprise_id",
	    (json_int_t)es), NULL), 409);
	assert_true(list_has(obj, "/api/v1/referrals?direction=outgoing&"
	    "state=returned", id));
	http_get(aud, fmt("/api/v1/audit/events?entity=referral&entity_id="
	    "%lld", id), &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 2);
	resp_free(&r);
}

static void
test_bad_input(void **state)
{
	struct resp	 r;
	long long	 eb, cb, cs, es, id, fb, fother, events;
	char		*before;
	PGconn		*db = db_admin();

	(void)state;
	eb = fixture_enterprise(obj, "110105", (char[19]){ 0 });
	cb = fixture_case(obj, eb);
	es = fixture_enterprise(osh, "310101", (char[19]){ 0 });
	cs = fixture_case(osh, es);
	before = db_value(db, "SELECT count(*) FROM referrals", NULL);
	http_get(obj, fmt("/api/v1/cases/%lld/events", cb), &r);
	events = (long long)json_array_size(json_object_get(r.json, "items"));
	resp_free(&r);

	/* One's own region, or one below it; no such region. */
	refer(obj, cb, "jurisdiction", "110000", 0, NULL, &r);
	assert_problem_field(&r, 422, "to_region");
	resp_free(&r);
	refer(obj, cb, "jurisdiction", "110108", 0, NULL, &r);
	assert_problem_field(&r, 422, "to_region");
	resp_free(&r);
	refer(obj, cb, "jurisdiction", "990000", 0, NULL, &r);
	assert_problem_field(&r, 422, "to_region");
	resp_free(&r);
	refer(obj, cb, "jurisdiction", "31000X", 0, NULL, &r);
	assert_problem_field(&r, 422, "to_region");
	resp_free(&r);
	/* A case out of scope, or none. */
	refer(obj, cs, "jurisdiction", "440000", 0, NULL, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	refer(obj, 999999999, "jurisdiction", "440000", 0, NULL, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	/* Legal staff do not refer. */
	refer(lbj, cb, "jurisdiction", "310000", 0, NULL, &r);
	assert_problem(&r, 403);
	resp_free(&r);
	/* A kind, a reason, an enterprise elsewhere, a file not the case's. */
	refer(obj, cb, "elsewhere", "310000", 0, NULL, &r);
	assert_problem_field(&r, 422, "kind");
	resp_free(&r);
	http_json(obj, "POST", "/api/v1/referrals", json_pack("{s:I, s:s,"
	    " s:s}", "case_id", (json_int_t)cb, "kind", "jurisdiction",
	    "to_region", "310000"), NULL, &r);
	assert_problem_field(&r, 422, "reason");
	resp_free(&r);
	refer(obj, cb, "jurisdiction", "310000", eb, NULL, &r);
	assert_problem_field(&r, 422, "enterprise_id");
	resp_free(&r);
	fother = file_on(obj, fixture_case(obj, eb));
	refer(obj, cb, "jurisdiction", "310000", 0, json_pack("[I]",
	    (json_int_t)fother), &r);
	assert_problem_field(&r, 422, "file_ids");
	resp_free(&r);
	/* Nothing of it happened. */
	db_expect(db, "SELECT count(*) FROM referrals", NULL, before);
	http_get(obj, fmt("/api/v1/cases/%lld/events", cb), &r);
	assert_int_equal((long long)json_array_size(json_object_get(r.json,
	    "items")), events);
	resp_free(&r);

	/* The referral's files: the receiver reads them, not the others. */
	fb = file_on(obj, cb);
	refer(obj, cb, "jurisdiction", "310000", es, json_pack("[I]",
	    (json_int_t)fb), &r);
	assert_status(&r, 201);
	id = id_of(&r);
	resp_free(&r);
	assert_int_equal(get_status(osh, fmt("/api/v1/files/%lld", fb)), 200);
	assert_int_equal(get_status(osh, fmt("/api/v1/files/%lld", fother)),
	    404);
	assert_int_equal(get_status(ogd, fmt("/api/v1/files/%lld", fb)), 404);
	/* Accept: an enterprise not the receiving region's, no such one. */
	post(osh, fmt("/api/v1/referrals/%lld/accept", id), json_pack("{s:I}",
	    "enterprise_id", (json_int_t)eb), &r);
	assert_problem_field(&r, 422, "enterprise_id");
	resp_free(&r);
	post(osh, fmt("/api/v1/referrals/%lld/accept", id), json_pack("{s:I,"
	    " s:s}", "enterprise_id", (json_int_t)es, "category", "nothing"),
	    &r);
	assert_problem_field(&r, 422, "category");
	resp_free(&r);
	assert_int_equal(status_of(osh, "POST", "/api/v1/referrals/999999999/"
	    "accept", json_pack("{s:I}", "enterprise_id", (json_int_t)es),
	    NULL), 404);
	http_get(osh, fmt("/api/v1/referrals/%lld", id), &r);
	assert_string_equal(str_of(r.json, "state"), "open");
	resp_free(&r);
	/* The enterprise the referral named is the default. */
	post(osh, fmt("/api/v1/referrals/%lld/accept", id), json_pack("{s:s}",
	    "problem", "e2e: 接收后重新描述"), &r);
	assert_status(&r, 200);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    r.json, "case"), "enterprise_id")), es);
	/* A jurisdiction referral keeps the origin's domain. */
	assert_string_equal(str_of(json_object_get(r.json, "case"), "domain"),
	    "production");
	assert_string_equal(str_of(json_object_get(r.json, "case"), "problem"),
	    "e2e: 接收后重新描述");
	resp_free(&r);
	free(before);
	PQfinish(db);
}

/* The last event of case `id` is a `link` of `kind` to case `other`. */
static void
last_link(long long id, const char *kind, long long other)
{
	struct resp	 r;
	json_t		*items, *it, *pl;

	http_get(obj, fmt("/api/v1/cases/%lld/events", id), &r);
	assert_status(&r, 200);
	items = json_object_get(r.json, "items");
	it = json_array_get(items, json_array_size(items) - 1);
	pl = json_object_get(it, "payload");
	assert_string_equal(str_of(it, "event"), "link");
	assert_string_equal(str_of(pl, "link_kind"), kind);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(pl,
	    "linked_case"), 0)), other);
	resp_free(&r);
}

static void
test_links(void **state)
{
	struct resp	 r;
	long long	 eb, a, b, cs;
	json_t		*it;
	size_t		 i;
	int		 seen;

	(void)state;
	eb = fixture_enterprise(obj, "110105", (char[19]){ 0 });
	a = fixture_case(obj, eb);
	b = fixture_case(obj, eb);
	cs = fixture_case(osh, fixture_enterprise(osh, "310101",
	    (char[19]){ 0 }));
	post(obj, fmt("/api/v1/cases/%lld/links", a), json_pack("{s:s, s:I}",
	    "kind", "related", "case_id", (json_int_t)b), &r);
	assert_status(&r, 201);
	resp_free(&r);
	/* Audited: each case's history records it. */
	last_link(a, "related", b);
	last_link(b, "related", a);
	post(obj, fmt("/api/v1/cases/%lld/links", a), json_pack("{s:s, s:I}",
	    "kind", "related", "case_id", (json_int_t)b), &r);
	assert_problem(&r, 409);
	resp_free(&r);
	post(obj, fmt("/api/v1/cases/%lld/links", b), json_pack("{s:s, s:I}",
	    "kind", "duplicate_of", "case_id", (json_int_t)a), &r);
	assert_status(&r, 201);
	resp_free(&r);
	last_link(b, "duplicate_of", a);
	last_link(a, "duplicated_by", b);
	http_get(aud, fmt("/api/v1/audit/verify?case=%lld", a), &r);
	assert_true(json_is_true(json_object_get(r.json, "ok")));
	resp_free(&r);
	/* Out of scope, itself, a kind only referrals make. */
	post(obj, fmt("/api/v1/cases/%lld/links", a), json_pack("{s:s, s:I}",
	    "kind", "related", "case_id", (json_int_t)cs), &r);
	assert_problem_field(&r, 422, "case_id");
	resp_free(&r);
	post(obj, fmt("/api/v1/cases/%lld/links", a), json_pack("{s:s, s:I}",
	    "kind", "related", "case_id", (json_int_t)a), &r);
	assert_problem_field(&r, 422, "case_id");
	resp_free(&r);
	post(obj, fmt("/api/v1/cases/%lld/links", a), json_pack("{s:s, s:I}",
	    "kind", "referred_to", "case_id", (json_int_t)b), &r);
	assert_problem_field(&r, 422, "kind");
	resp_free(&r);
	assert_int_equal(status_of(osh, "POST", fmt("/api/v1/cases/%lld/links",
	    a), json_pack("{s:s, s:I}", "kind", "related", "case_id",
	    (json_int_t)cs), NULL), 404);
	assert_int_equal(get_status(osh, fmt("/api/v1/cases/%lld/links", a)),
	    404);

	http_get(obj, fmt("/api/v1/cases/%lld/links", b), &r);
	assert_status(&r, 200);
	seen = 0;
	json_array_foreach(json_object_get(r.json, "items"), i, it) {
		assert_int_equal(json_integer_value(json_object_get(
		    json_object_get(it, "case"), "id")), a);
		seen |= strcmp(str_of(it, "kind"), "related") == 0 ? 1 :
		    strcmp(str_of(it, "kind"), "duplicate_of") == 0 ? 2 : 4;
	}
	assert_int_equal(seen, 3);
	resp_free(&r);
	http_get(obj, fmt("/api/v1/cases/%lld/links", a), &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
	resp_free(&r);
}

static void
test_workflow_data(void **state)
{
	struct resp	 r;
	json_t		*it;
	size_t		 i;
	int		 src = 0, ev = 0, link = 0;
	long long	 cb;

	(void)state;
	http_get(obj, "/api/v1/workflow", &r);
	assert_status(&r, 200);
	json_array_foreach(json_object_get(r.json, "sources"), i, it)
		if (strcmp(str_of(it, "id"), "referral") == 0) {
			src = 1;
			assert_true(json_is_false(json_object_get(it,
			    "manual")));
		}
	json_array_foreach(json_object_get(r.json, "events"), i, it)
		if (strcmp(str_of(it, "id"), "refer") == 0 ||
		    strcmp(str_of(it, "id"), "link") == 0) {
			ev += *str_of(it, "id") == 'r';
			link += *str_of(it, "id") == 'l';
			assert_true(json_is_true(json_object_get(it,
			    "system")));
		}
	assert_true(src && ev == 1 && link == 1);
	resp_free(&r);
	/* refer is not a transition a client fires, nor an action. */
	cb = fixture_case(obj, fixture_enterprise(obj, "110105",
	    (char[19]){ 0 }));
	http_json(obj, "POST", fmt("/api/v1/cases/%lld/transitions", cb),
	    json_pack("{s:s, s:{s:[i], s:s, s:s, s:s}}", "event", "refer",
	    "payload", "referral", 1, "referral_kind", "jurisdiction",
	    "to_region", "310000", "reason", "x"),
	    (const char *const[]){ "If-Match: \"1\"", NULL }, &r);
	assert_problem_field(&r, 422, "event");
	resp_free(&r);
	http_get(obj, fmt("/api/v1/cases/%lld/actions", cb), &r);
	json_array_foreach(json_object_get(r.json, "items"), i, it)
		assert_string_not_equal(str_of(it, "id"), "refer");
	resp_free(&r);
	/* Nor a source POST /cases takes. */
	http_json(obj, "POST", "/api/v1/cases", json_pack("{s:I, s:i, s:s,"
	    " s:s, s:s, s:s}", "enterprise_id", (json_int_t)fixture_enterprise(
	    obj, "110105", (char[19]){ 0 }), "campaign_id", 2026, "category",
	    "cement", "domain", "production", "source", "referral", "problem",
	    "x"), NULL, &r);
	assert_problem_field(&r, 422, "source");
	resp_free(&r);
}

/* ------------------------------------------------------------------ */
/* The race: two officers accept at once                              */
/* ------------------------------------------------------------------ */

struct racer {
	struct client		*c;
	char			*path;
	char			*body;
	pthread_barrier_t	*go;
	long			 status;
};

static void *
racer_main(void *arg)
{
	struct racer	*x = arg;
	struct resp	 r;

	http_get(x->c, "/api/v1/session", &r);
	resp_free(&r);
	pthread_barrier_wait(x->go);
	x->status = http(x->c, "POST", x->path, x->body, NULL, &r);
	resp_free(&r);
	return NULL;
}

static void
test_race(void **state)
{
	struct racer		 x[2];
	pthread_barrier_t	 go;
	pthread_t		 t[2];
	PGconn			*db = db_admin();
	long long		 es, id;
	int			 round, i, ok, conflict;

	(void)state;
	es = fixture_enterprise(osh, "310101", (char[19]){ 0 });
	for (round = 0; round < 5; round++) {
		id = referral_made(NULL, es);
		pthread_barrier_init(&go, NULL, 2);
		for (i = 0; i < 2; i++) {
			x[i].c = i == 0 ? osh : osh2;
			x[i].path = fmt("/api/v1/referrals/%lld/accept", id);
			x[i].body = fmt("{\"enterprise_id\": %lld}", es);
			x[i].go = &go;
			pthread_create(&t[i], NULL, racer_main, &x[i]);
		}
		for (i = 0; i < 2; i++)
			pthread_join(t[i], NULL);
		pthread_barrier_destroy(&go);
		ok = conflict = 0;
		for (i = 0; i < 2; i++) {
			ok += x[i].status == 200;
			conflict += x[i].status == 409;
			free(x[i].path);
			free(x[i].body);
		}
		if (ok != 1 || conflict != 1)
			fail_msg("round %d: %d accepted, %d conflicts", round,
			    ok, conflict);
		/* Exactly one new case, from this referral. */
		db_expect(db, fmt("SELECT count(*) FROM cases c JOIN"
		    " case_events e ON e.case_id = c.id AND e.seq = 1"
		    " WHERE c.source ="
		    " 'referral' AND (e.record::jsonb -> 'payload' ->>"
		    " 'referral')::bigint = %lld", id), NULL, "1");
		db_expect(db, fmt("SELECT count(*) FROM case_links WHERE"
		    " referral_id = %lld", id), NULL, "2");
	}
	PQfinish(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_refer_accept),
		cmocka_unit_test(test_return),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_workflow_data),
		cmocka_unit_test(test_race),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests(tests, setup, teardown);
}
