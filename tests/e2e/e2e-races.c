/*
 * e2e-races.c: requests that race each other on one case, each race with
 * its invariant checked in the database.
 *
 *	50 notes from the same version		exactly one applies
 *	different events from the same version	exactly one applies
 *	legal users deciding one proposal	exactly one decides
 *	one Idempotency-Key sent N times at once	one change, N equal answers
 *	  (a note, a registration, a transition, a proposal)
 *
 * Racers are released together by a barrier, each on its own connection
 * (client_clone: the same session, no login each); a warm racer has
 * made one request on it first, so that the race is between requests,
 * not TLS handshakes.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "e2e.h"

static struct client	*officer, *legal, *legal2, *both;
static long long	 ent;

static int
setup(void **state)
{
	assert_int_equal(user_make("legal2.bj", "110000", "legal"), 0);
	assert_int_equal(user_make("both.bj", "110000", "officer,legal"), 0);
	officer = client_login("officer.bj", DEMO_PASSWORD);
	legal = client_login("legal.bj", DEMO_PASSWORD);
	legal2 = client_login("legal2.bj", DEMO_PASSWORD);
	both = client_login("both.bj", DEMO_PASSWORD);
	ent = enterprise_make("110101", "并发测试企业");
	return 0;
}

static int
teardown(void **state)
{
	client_free(officer);
	client_free(legal);
	client_free(legal2);
	client_free(both);
	return 0;
}

/* One racer: a POST it sends when the barrier lets it go. */
struct racer {
	struct client		*c;	/* a clone, freed by the racer */
	char			*path;
	char			*body;
	char			 if_match[32];
	char			 key[96];
	int			 warm;	/* a GET /api/v1/session first */
	pthread_barrier_t	*go;
	long			 status;
	char			*reply;
};

static void *
racer_main(void *arg)
{
	struct racer	*x = arg;
	const char	*h[3] = { NULL, NULL, NULL };
	struct resp	 r;
	int		 n = 0;

	if (x->if_match[0] != '\0')
		h[n++] = x->if_match;
	if (x->key[0] != '\0')
		h[n++] = x->key;
	if (x->warm) {
		http_get(x->c, "/api/v1/session", &r);
		resp_free(&r);
	}
	pthread_barrier_wait(x->go);
	x->status = http(x->c, "POST", x->path, x->body, h, &r);
	x->reply = strdup(r.body != NULL ? r.body : "");
	resp_free(&r);
	client_free(x->c);
	return NULL;
}

/* Release all racers together; wait for them. */
static void
race(struct racer *x, size_t n)
{
	pthread_barrier_t	 go;
	pthread_t		*t = calloc(n, sizeof(*t));
	size_t			 i;

	assert_non_null(t);
	pthread_barrier_init(&go, NULL, (unsigned)n);
	for (i = 0; i < n; i++) {
		x[i].go = &go;
		pthread_create(&t[i], NULL, racer_main, &x[i]);
	}
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&go);
	free(t);
}

static void
racers_free(struct racer *x, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(x[i].path);
		free(x[i].body);
		free(x[i].reply);
	}
}

static char *
body_of(json_t *j)
{
	char	*s = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	assert_non_null(s);
	return s;
}

static char *
case_field(long long id, const char *sql)
{
	PGconn	*db = db_admin();
	char	 cid[24], *v;

	snprintf(cid, sizeof(cid), "%lld", id);
	v = db_value(db, sql, cid, NULL);
	PQfinish(db);
	return v;
}

static long
events_of(long long id)
{
	char	*v = case_field(id, "SELECT count(*) FROM case_events"
	    " WHERE case_id = $1");
	long	 n = strtol(v, NULL, 10);

	free(v);
	return n;
}

static void
assert_chain(long long id)
{
	PGconn	*db = db_admin();
	char	*ids = fmt("{%lld}", id);

	assert_int_equal(chain_broken(db, ids, NULL), 0);
	free(ids);
	PQfinish(db);
}

/* The case's version as `c` reads it; its ETag must say the same. */
static int
version_of(struct client *c, long long id)
{
	char		*path = fmt("/api/v1/cases/%lld", id), etag[32];
	struct resp	 r;
	int		 v;

	http_get(c, path, &r);
	assert_status(&r, 200);
	v = (int)json_integer_value(json_object_get(r.json, "version"));
	assert_non_null(resp_header(&r, "ETag", etag, sizeof(etag)));
	if (atoi(etag + 1) != v)
		fail_msg("ETag %s does not match version %d", etag, v);
	resp_free(&r);
	free(path);
	return v;
}

/* A transition racer on case `id` from version `v`. */
static void
racer_transition(struct racer *x, struct client *c, long long id, int v,
    const char *event, json_t *payload)
{
	memset(x, 0, sizeof(*x));
	x->c = client_clone(c);
	x->path = fmt("/api/v1/cases/%lld/transitions", id);
	x->body = body_of(json_pack("{s:s, s:o}", "event", event, "payload",
	    payload));
	snprintf(x->if_match, sizeof(x->if_match), "If-Match: \"%d\"", v);
}

/*
 * 50 notes at once with the same If-Match, from warm connections:
 * exactly one applies, every other is refused as stale (412) or, having
 * read the winner's state, 409.  One new event; version 2.
 */
static void
test_same_version_notes(void **state)
{
	enum { N = 50 };
	struct racer	 x[N];
	long long	 id = case_make(officer, ent, "并发测试");
	long		 before = events_of(id);
	int		 i, won = 0, lost = 0;

	for (i = 0; i < N; i++) {
		racer_transition(&x[i], officer, id, 1, "add_note",
		    json_pack("{s:s}", "text", "并发备注"));
		x[i].warm = 1;
	}
	race(x, N);
	for (i = 0; i < N; i++) {
		if (x[i].status >= 200 && x[i].status < 300)
			won++;
		else if (x[i].status == 412 || x[i].status == 409)
			lost++;
		else
			fail_msg("racer %d: %ld %s", i, x[i].status, x[i].reply);
	}
	fprintf(stderr, "race: %d won, %d lost\n", won, lost);
	assert_int_equal(won, 1);
	assert_int_equal(lost, N - 1);
	assert_int_equal(events_of(id), before + 1);
	assert_int_equal(version_of(officer, id), 2);
	racers_free(x, N);
}

/*
 * Twelve different changes fired at once from version 1 -- rectification,
 * an interview, notes, proposals to dismiss and to transfer: exactly one
 * applies (200) or becomes the proposal (202); every other is refused as
 * stale (412) or, having read the winner's state, as illegal or pending
 * (409).  One new event, version 2, and the chain still verifies.
 */
static void
test_different_events(void **state)
{
	enum { N = 12 };
	struct racer	 x[N];
	long long	 id = case_make(officer, ent, "并发不同事件");
	long		 before = events_of(id);
	int		 i, won = 0, lost = 0;
	char		*v;

	for (i = 0; i < N; i++)
		switch (i % 6) {
		case 0:
			racer_transition(&x[i], officer, id, 1,
			    "order_rectification", json_pack("{s:s, s:s}",
			    "deadline", cst_day(20), "measures", "整改"));
			break;
		case 1:
			racer_transition(&x[i], officer, id, 1,
			    "hold_interview", json_pack("{s:s, s:[s], s:s}",
			    "held_on", cst_day(0), "attendees", "负责人",
			    "minutes", "纪要"));
			break;
		case 2:
			racer_transition(&x[i], officer, id, 1, "add_note",
			    json_pack("{s:s}", "text", "备注"));
			break;
		case 3:
			racer_transition(&x[i], officer, id, 1, "dismiss",
			    json_pack("{s:s}", "reason", "不属实"));
			break;
		case 4:
			racer_transition(&x[i], legal, id, 1,
			    "transfer_discipline", json_pack("{s:s, s:s}",
			    "receiving_organ", "纪委", "clue_summary", "线索"));
			break;
		default:
			racer_transition(&x[i], both, id, 1, "add_note",
			    json_pack("{s:s}", "text", "另一人备注"));
			break;
		}
	race(x, N);
	for (i = 0; i < N; i++) {
		if (x[i].status == 200 || x[i].status == 202)
			won++;
		else if (x[i].status == 412 || x[i].status == 409)
			lost++;
		else
			fail_msg("racer %d: %ld %s", i, x[i].status, x[i].reply);
	}
	fprintf(stderr, "different events: %d won, %d refused\n", won, lost);
	assert_int_equal(won, 1);
	assert_int_equal(lost, N - 1);
	assert_int_equal(events_of(id), before + 1);
	v = case_field(id, "SELECT version FROM cases WHERE id = $1");
	assert_string_equal(v, "2");
	free(v);
	assert_chain(id);
	racers_free(x, N);
}

/* A case with a pending dismissal proposed by the officer; its version. */
static int
pending_case(long long *id)
{
	struct resp	 r;
	char		*path;

	*id = case_make(officer, ent, "并发审核");
	path = fmt("/api/v1/cases/%lld/transitions", *id);
	http_json(officer, "POST", path, json_pack("{s:s, s:{s:s}}", "event",
	    "dismiss", "payload", "reason", "经查不属实"),
	    (const char *const[]){ "If-Match: \"1\"", NULL }, &r);
	assert_status(&r, 202);
	resp_free(&r);
	free(path);
	return 2;
}

/*
 * Three legal users (two of them twice, on separate connections) decide
 * one proposal at once, some approving, some rejecting: exactly one
 * decision is taken (200), every other is stale (412) or finds nothing
 * pending (409).  One new event; the case is closed if and only if the
 * winner approved; nothing is pending.
 */
static void
test_concurrent_approvals(void **state)
{
	enum { N = 8 };
	struct client	*who[3] = { legal, legal2, both };
	struct racer	 x[N];
	long long	 id;
	int		 v = pending_case(&id), i, won = -1, lost = 0;
	long		 before = events_of(id);
	char		*st, *pend;

	for (i = 0; i < N; i++) {
		memset(&x[i], 0, sizeof(x[i]));
		x[i].c = client_clone(who[i % 3]);
		x[i].path = fmt("/api/v1/cases/%lld/approval", id);
		x[i].body = body_of(json_pack("{s:s, s:s}", "decision",
		    i % 2 == 0 ? "approve" : "reject", "comment", "并发审核"));
		snprintf(x[i].if_match, sizeof(x[i].if_match),
		    "If-Match: \"%d\"", v);
	}
	race(x, N);
	for (i = 0; i < N; i++) {
		if (x[i].status == 200) {
			if (won != -1)
				fail_msg("racers %d and %d both decided", won, i);
			won = i;
		} else if (x[i].status == 412 || x[i].status == 409)
			lost++;
		else
			fail_msg("racer %d: %ld %s", i, x[i].status, x[i].reply);
	}
	fprintf(stderr, "approvals: racer %d decided (%s), %d refused\n", won,
	    won % 2 == 0 ? "approve" : "reject", lost);
	assert_true(won >= 0);
	assert_int_equal(lost, N - 1);
	assert_int_equal(events_of(id), before + 1);
	st = case_field(id, "SELECT state FROM cases WHERE id = $1");
	pend = case_field(id, "SELECT coalesce(pending_event, '-') FROM cases"
	    " WHERE id = $1");
	assert_string_equal(st, won % 2 == 0 ? "closed" : "detected");
	assert_string_equal(pend, "-");
	free(st);
	free(pend);
	assert_chain(id);
	racers_free(x, N);
}

/*
 * The same request with the same Idempotency-Key sent N times at once:
 * every answer is the same status and body, and the change happened
 * once.  `path` and `body` are the request's; `if_match` may be NULL.
 */
static void
replays(const char *what, struct client *c, const char *path,
    const char *if_match, json_t *body, const char *key, long want)
{
	enum { N = 8 };
	struct racer	 x[N];
	char		*text = body_of(body);
	int		 i;

	for (i = 0; i < N; i++) {
		memset(&x[i], 0, sizeof(x[i]));
		x[i].c = client_clone(c);
		x[i].path = strdup(path);
		x[i].body = strdup(text);
		if (if_match != NULL)
			snprintf(x[i].if_match, sizeof(x[i].if_match),
			    "If-Match: %s", if_match);
		snprintf(x[i].key, sizeof(x[i].key), "Idempotency-Key: %s",
		    key);
	}
	race(x, N);
	for (i = 0; i < N; i++) {
		if (x[i].status != want)
			fail_msg("%s: racer %d: %ld %s", what, i, x[i].status,
			    x[i].reply);
		assert_string_equal(x[i].reply, x[0].reply);
	}
	fprintf(stderr, "%s: %d replays, one answer\n", what, N);
	free(text);
	racers_free(x, N);
}

/*
 * A note and its replays with one Idempotency-Key, all at once from warm
 * connections: every answer is the same 200, and one event was added.
 */
static void
test_idempotency_race(void **state)
{
	enum { N = 8 };
	struct racer	 x[N];
	long long	 id = case_make(officer, ent, "幂等并发");
	char		 key[64];
	int		 i;

	snprintf(key, sizeof(key), "race-%ld-%lld", (long)getpid(), id);
	for (i = 0; i < N; i++) {
		racer_transition(&x[i], officer, id, 1, "add_note",
		    json_pack("{s:s}", "text", "并发备注"));
		snprintf(x[i].key, sizeof(x[i].key), "Idempotency-Key: %s",
		    key);
		x[i].warm = 1;
	}
	race(x, N);
	for (i = 0; i < N; i++) {
		if (x[i].status != 200)
			fail_msg("racer %d: %ld %s", i, x[i].status, x[i].reply);
		assert_string_equal(x[i].reply, x[0].reply);
	}
	racers_free(x, N);
	assert_int_equal(events_of(id), 2);
}

static void
test_replayed_registration(void **state)
{
	char	 key[64], problem[128], *n;
	PGconn	*db;

	snprintf(key, sizeof(key), "reg-%ld-%ld", (long)getpid(),
	    (long)time(NULL));
	snprintf(problem, sizeof(problem), "幂等登记 %s", key);
	replays("registration", officer, "/api/v1/cases", NULL, json_pack(
	    "{s:I, s:i, s:s, s:s, s:s, s:s}", "enterprise_id", (json_int_t)ent,
	    "campaign_id", 2026, "category", "cement", "domain", "production",
	    "source", "complaint", "problem", problem), key, 201);
	db = db_admin();
	n = db_value(db, "SELECT count(*) FROM cases WHERE problem = $1",
	    problem, NULL);
	assert_string_equal(n, "1");
	free(n);
	PQfinish(db);
}

static void
test_replayed_transition(void **state)
{
	long long	 id = case_make(officer, ent, "幂等并发整改");
	char		 key[64], *path = fmt("/api/v1/cases/%lld/transitions",
	    id), *v;

	snprintf(key, sizeof(key), "tr-%ld-%lld", (long)getpid(), id);
	replays("transition", officer, path, "\"1\"", json_pack("{s:s, s:{s:s,"
	    " s:s}}", "event", "order_rectification", "payload", "deadline",
	    cst_day(30), "measures", "停产整改"), key, 200);
	assert_int_equal(events_of(id), 2);
	v = case_field(id, "SELECT state || ' ' || version FROM cases"
	    " WHERE id = $1");
	assert_string_equal(v, "rectifying 2");
	free(v);
	assert_chain(id);
	free(path);
}

static void
test_replayed_proposal(void **state)
{
	long long	 id = case_make(officer, ent, "幂等并发提请");
	char		 key[64], *path = fmt("/api/v1/cases/%lld/transitions",
	    id), *v;

	snprintf(key, sizeof(key), "pr-%ld-%lld", (long)getpid(), id);
	replays("proposal", officer, path, "\"1\"", json_pack("{s:s, s:{s:s}}",
	    "event", "dismiss", "payload", "reason", "经查不属实"), key, 202);
	assert_int_equal(events_of(id), 2);
	v = case_field(id, "SELECT state || ' ' || pending_event FROM cases"
	    " WHERE id = $1");
	assert_string_equal(v, "detected dismiss");
	free(v);
	assert_chain(id);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_version_notes),
		cmocka_unit_test(test_different_events),
		cmocka_unit_test(test_concurrent_approvals),
		cmocka_unit_test(test_idempotency_race),
		cmocka_unit_test(test_replayed_registration),
		cmocka_unit_test(test_replayed_transition),
		cmocka_unit_test(test_replayed_proposal),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("e2e-races", tests, setup, teardown);
}
