/*
 * e2e-duty.c: responsibility, reminders and supervision (API.md Part 2;
 * issue 18), against the test instance and its scheduler:
 *
 *  - assignees: the creator by default, those named, the event assign;
 *    each an officer covering the case (422 otherwise); ?assignee=me;
 *  - notifications: a proposal asks the legal staff covering the case
 *    (review_requested), not the proposer nor another province; the
 *    inbox pages, marks read by ids or all, refuses bad bodies;
 *  - the scheduler makes deadline_soon, overdue and escalated (to the
 *    Beijing coordinator, not the national one) within seconds, once
 *    each however often it sweeps;
 *  - on the working-day calendar: a deadline due the Monday after the
 *    make-up Saturday of 2026-05-09 is reminded on Friday, not Thursday;
 *    one due an ordinary Monday on Thursday -- the scheduler's own
 *    batch (fcgi/sched/reminders.c) run at those days' clocks in a
 *    transaction rolled back after;
 *  - 挂牌督办: issued by a coordinator above the target (own level or
 *    outside: 422; an officer: 403; twice: 409), reported by the target
 *    side (anyone else 404), closed once by the issuing side (409 after,
 *    412 with a stale If-Match), `supervised` on the case, notified, an
 *    audited stream;
 *  - the dashboard: its shape and sums, agreeing with the case list's
 *    counts, drilling down, 404 outside the scope.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "e2e.h"
#include "../../fcgi/front/front.h"
#include "../../fcgi/sched/sched.h"

static struct client	*o, *dc, *sh, *lb, *ls, *cb, *cn, *au;
static long long	 id_bj, id_dc, id_sh, id_lb, id_cb, id_cn;
/* Enterprises in 110101 and in 110000. */
static long long	 ent_dc, ent_bj;

static long long
user_id(const char *username)
{
	PGconn		*db = db_admin();
	char		*v = db_value(db, "SELECT id FROM users WHERE username"
			    " = $1", username, NULL);
	long long	 id;

	assert_non_null(v);
	id = strtoll(v, NULL, 10);
	free(v);
	PQfinish(db);
	return id;
}

static int
setup(void **state)
{
	char	 uscc[19];

	(void)state;
	o = client_login("officer.bj", DEMO_PASSWORD);
	dc = client_login("officer.dc", DEMO_PASSWORD);
	sh = client_login("officer.sh", DEMO_PASSWORD);
	lb = client_login("legal.bj", DEMO_PASSWORD);
	ls = client_login("legal.sh", DEMO_PASSWORD);
	cb = client_login("coord.bj", DEMO_PASSWORD);
	cn = client_login("coord.nat", DEMO_PASSWORD);
	au = client_login("auditor.bj", DEMO_PASSWORD);
	id_bj = user_id("officer.bj");
	id_dc = user_id("officer.dc");
	id_sh = user_id("officer.sh");
	id_lb = user_id("legal.bj");
	id_cb = user_id("coord.bj");
	id_cn = user_id("coord.nat");
	ent_dc = fixture_enterprise(o, "110101", uscc);
	ent_bj = fixture_enterprise(o, "110000", uscc);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	client_free(o);
	client_free(dc);
	client_free(sh);
	client_free(lb);
	client_free(ls);
	client_free(cb);
	client_free(cn);
	client_free(au);
	return 0;
}

/* POST /cases about `eid` by `c`, with `assignees` (stolen) or none. */
static long
new_case(struct client *c, long long eid, json_t *assignees, struct resp *r)
{
	json_t	*b = json_pack("{s:I, s:i, s:s, s:s, s:s, s:s}",
	    "enterprise_id", (json_int_t)eid, "campaign_id", 2026, "category", "cement",
	    "domain", "production", "source", "complaint", "problem",
	    "e2e: 责任与督办");

	if (assignees != NULL)
		json_object_set_new(b, "assignees", assignees);
	return http_json(c, "POST", "/api/v1/cases", b, NULL, r);
}

static long long
case_made(struct client *c, long long eid, json_t *assignees)
{
	struct resp	 r;
	long long	 id;

	new_case(c, eid, assignees, &r);
	assert_status(&r, 201);
	id = json_integer_value(json_object_get(r.json, "id"));
	resp_free(&r);
	return id;
}

/* The case's version now (GET), for If-Match. */
static int
version_of(struct client *c, long long id)
{
	struct resp	 r;
	char		*path = fmt("/api/v1/cases/%lld", id);
	int		 v;

	http_get(c, path, &r);
	assert_status(&r, 200);
	v = (int)json_integer_value(json_object_get(r.json, "version"));
	resp_free(&r);
	free(path);
	return v;
}

/* Fire `event` with `payload` (stolen) on case `id` as `c`; the reply. */
static long
fire(struct client *c, long long id, const char *event, json_t *payload,
    struct resp *r)
{
	char	*path = fmt("/api/v1/cases/%lld/transitions", id);
	char	*im = fmt("If-Match: \"%d\"", version_of(c, id));
	const char *h[] = { im, NULL };
	long	 st;

	st = http_json(c, "POST", path, json_pack("{s:s, s:o}", "event", event,
	    "payload", payload), h, r);
	free(path);
	free(im);
	return st;
}

/* The case's assignees, as a list of ids in order. */
static void
assert_assignees(const json_t *kase, long long a, long long b)
{
	const json_t	*as = json_object_get(kase, "assignees");

	assert_int_equal(json_array_size(as), b != 0 ? 2 : 1);
	assert_int_equal(json_integer_value(json_array_get(as, 0)), a);
	if (b != 0)
		assert_int_equal(json_integer_value(json_array_get(as, 1)), b);
}

/* ------------------------------------------------------------------ */
/* Assignees                                                          */
/* ------------------------------------------------------------------ */

static void
test_assignees(void **state)
{
	struct resp	 r;
	json_t		*many;
	long long	 c1, c2, c3;
	char		*path;
	int		 i;

	(void)state;
	/* Default: the one who registers it. */
	new_case(o, ent_dc, NULL, &r);
	assert_status(&r, 201);
	assert_assignees(r.json, id_bj, 0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(r.json, "assignee_users"), 0), "username")),
	    "officer.bj");
	assert_false(json_is_true(json_object_get(r.json, "supervised")));
	c1 = json_integer_value(json_object_get(r.json, "id"));
	resp_free(&r);
	/* Named: officers covering the case, above it or at it. */
	new_case(o, ent_dc, json_pack("[I, I]", (json_int_t)id_dc,
	    (json_int_t)id_bj), &r);
	assert_status(&r, 201);
	assert_assignees(r.json, id_bj, id_dc);
	c2 = json_integer_value(json_object_get(r.json, "id"));
	resp_free(&r);
	c3 = case_made(dc, ent_dc, json_pack("[I]", (json_int_t)id_bj));

	/* Not an officer covering it: 422, nothing made. */
	new_case(o, ent_dc, json_pack("[I]", (json_int_t)id_sh), &r);
	assert_problem_field(&r, 422, "assignees");
	resp_free(&r);
	new_case(o, ent_dc, json_pack("[I]", (json_int_t)id_lb), &r);
	assert_problem_field(&r, 422, "assignees");
	resp_free(&r);
	new_case(o, ent_bj, json_pack("[I]", (json_int_t)id_dc), &r);
	assert_problem_field(&r, 422, "assignees");	/* 110101 ⊅ 110000 */
	resp_free(&r);
	new_case(o, ent_dc, json_pack("[]"), &r);
	assert_problem_field(&r, 422, "assignees");
	resp_free(&r);
	new_case(o, ent_dc, json_pack("[I, I]", (json_int_t)id_bj,
	    (json_int_t)id_bj), &r);
	assert_problem_field(&r, 422, "assignees");
	resp_free(&r);
	new_case(o, ent_dc, json_pack("[i]", -3), &r);
	assert_problem_field(&r, 422, "assignees");
	resp_free(&r);
	new_case(o, ent_dc, json_pack("[s]", "officer.dc"), &r);
	assert_problem_field(&r, 400, "assignees");
	resp_free(&r);
	many = json_array();
	for (i = 0; i < 51; i++)
		json_array_append_new(many, json_integer(100000 + i));
	new_case(o, ent_dc, many, &r);
	assert_problem_field(&r, 422, "assignees");
	resp_free(&r);
	new_case(o, ent_dc, json_pack("[I]", (json_int_t)999999999999LL), &r);
	assert_problem_field(&r, 422, "assignees");
	resp_free(&r);

	/* The event assign replaces them; its rules are the same. */
	fire(o, c1, "assign", json_pack("{s:[I], s:s}", "assignees",
	    (json_int_t)id_dc, "reason", "属地承办"), &r);
	assert_status(&r, 200);
	assert_assignees(r.json, id_dc, 0);
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "state")), "detected");
	resp_free(&r);
	fire(o, c1, "assign", json_pack("{s:[I]}", "assignees",
	    (json_int_t)id_dc), &r);
	assert_problem_field(&r, 422, "reason");
	resp_free(&r);
	fire(o, c1, "assign", json_pack("{s:[I], s:s}", "assignees",
	    (json_int_t)id_sh, "reason", "x"), &r);
	assert_problem_field(&r, 422, "assignees");
	resp_free(&r);
	fire(o, c1, "assign", json_pack("{s:[], s:s}", "assignees",
	    "reason", "x"), &r);
	assert_problem_field(&r, 422, "assignees");
	resp_free(&r);
	fire(lb, c1, "assign", json_pack("{s:[I], s:s}", "assignees",
	    (json_int_t)id_bj, "reason", "x"), &r);
	assert_problem(&r, 403);
	resp_free(&r);
	/* Its history says so. */
	path = fmt("/api/v1/cases/%lld/events", c1);
	http_get(o, path, &r);
	assert_status(&r, 200);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(r.json, "items"), 1), "event")), "assign");
	resp_free(&r);
	free(path);

	/* My cases. */
	path = fmt("/api/v1/cases?assignee=me&limit=200");
	assert_true(list_has(dc, path, c1));
	assert_true(list_has(dc, path, c2));
	assert_false(list_has(dc, path, c3));
	assert_false(list_has(o, path, c1));
	assert_true(list_has(o, path, c3));
	free(path);
	path = fmt("/api/v1/cases?assignee=%lld&limit=200", id_dc);
	assert_true(list_has(o, path, c1));
	free(path);
	http_get(o, "/api/v1/cases?assignee=you", &r);
	assert_problem_field(&r, 400, "assignee");
	resp_free(&r);
	/* Who may be named. */
	path = fmt("/api/v1/cases/%lld/assignable", c1);
	assert_true(list_has(dc, path, id_bj));
	assert_true(list_has(dc, path, id_dc));
	assert_false(list_has(dc, path, id_sh));
	assert_int_equal(status_of(sh, "GET", path, NULL, NULL), 404);
	free(path);
}

/* ------------------------------------------------------------------ */
/* Notifications                                                      */
/* ------------------------------------------------------------------ */

/*
 * The notification of `kind` about case `case_id` in `c`'s inbox: its id
 * (0: none).  *n counts how many there are.
 */
static long long
find_notice(struct client *c, const char *kind, long long case_id, int *n)
{
	struct resp	 r;
	json_t		*it;
	char		*path;
	long long	 cursor = 0, found = 0;
	size_t		 i;

	*n = 0;
	do {
		path = cursor ? fmt("/api/v1/notifications?limit=200"
		    "&cursor=%lld", cursor) :
		    fmt("/api/v1/notifications?limit=200");
		http_get(c, path, &r);
		assert_status(&r, 200);
		json_array_foreach(json_object_get(r.json, "items"), i, it)
			if (strcmp(json_string_value(json_object_get(it,
			    "kind")), kind) == 0 && json_integer_value(
			    json_object_get(it, "case_id")) == case_id) {
				found = json_integer_value(json_object_get(it,
				    "id"));
				(*n)++;
			}
		cursor = json_is_string(json_object_get(r.json,
		    "next_cursor")) ? strtoll(json_string_value(
		    json_object_get(r.json, "next_cursor")), NULL, 10) : 0;
		resp_free(&r);
		free(path);
	} while (cursor != 0);
	return found;
}

static long long
unread(struct client *c)
{
	struct resp	 r;
	long long	 n;

	http_get(c, "/api/v1/notifications?unread=true&limit=1", &r);
	assert_status(&r, 200);
	n = json_integer_value(json_object_get(r.json, "unread"));
	resp_free(&r);
	return n;
}

static void
test_review_requested(void **state)
{
	struct resp	 r;
	PGconn		*db = db_admin();
	json_t		*ids;
	long long	 x, y, nid, before, first;
	char		*sid;
	int		 n, i;

	(void)state;
	x = case_made(o, ent_dc, NULL);
	y = case_made(o, ent_dc, NULL);
	fire(o, x, "dismiss", json_pack("{s:s}", "reason", "e2e: 不构成问题"),
	    &r);
	assert_status(&r, 202);
	resp_free(&r);
	fire(o, y, "dismiss", json_pack("{s:s}", "reason", "e2e: 不构成问题"),
	    &r);
	assert_status(&r, 202);
	resp_free(&r);
	/* Made with the proposal, for the legal staff covering the case. */
	nid = find_notice(lb, "review_requested", x, &n);
	assert_true(nid > 0);
	assert_int_equal(n, 1);
	find_notice(ls, "review_requested", x, &n);
	assert_int_equal(n, 0);
	find_notice(o, "review_requested", x, &n);
	assert_int_equal(n, 0);

	/* Paging, newest first. */
	http_get(lb, "/api/v1/notifications?limit=1", &r);
	assert_status(&r, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
	assert_true(json_is_string(json_object_get(r.json, "next_cursor")));
	first = json_integer_value(json_object_get(json_array_get(
	    json_object_get(r.json, "items"), 0), "id"));
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(r.json, "items"), 0), "kind")), "review_requested");
	resp_free(&r);
	sid = fmt("/api/v1/notifications?limit=1&cursor=%lld", first);
	http_get(lb, sid, &r);
	assert_status(&r, 200);
	assert_true(json_integer_value(json_object_get(json_array_get(
	    json_object_get(r.json, "items"), 0), "id")) < first);
	resp_free(&r);
	free(sid);

	/* Another's id marks nothing of theirs. */
	assert_int_equal(status_of(o, "POST", "/api/v1/notifications/read",
	    json_pack("{s:[I]}", "ids", (json_int_t)nid), NULL), 204);
	sid = fmt("%lld", nid);
	db_expect(db, "SELECT read_at IS NULL FROM notifications WHERE id = $1",
	    sid, "t");
	/* Their own, by id. */
	before = unread(lb);
	assert_int_equal(status_of(lb, "POST", "/api/v1/notifications/read",
	    json_pack("{s:[I]}", "ids", (json_int_t)nid), NULL), 204);
	db_expect(db, "SELECT read_at IS NOT NULL FROM notifications"
	    " WHERE id = $1", sid, "t");
	assert_int_equal(unread(lb), before - 1);
	free(sid);

	/* Bad bodies change nothing. */
	http_json(lb, "POST", "/api/v1/notifications/read", json_object(),
	    NULL, &r);
	assert_problem_field(&r, 422, "ids");
	resp_free(&r);
	http_json(lb, "POST", "/api/v1/notifications/read", json_pack("{s:b}",
	    "all", 0), NULL, &r);
	assert_problem(&r, 422);
	resp_free(&r);
	http_json(lb, "POST", "/api/v1/notifications/read", json_pack("{s:[i],"
	    " s:b}", "ids", 1, "all", 1), NULL, &r);
	assert_problem_field(&r, 422, "all");
	resp_free(&r);
	http_json(lb, "POST", "/api/v1/notifications/read", json_pack("{s:s}",
	    "ids", "1"), NULL, &r);
	assert_problem_field(&r, 400, "ids");
	resp_free(&r);
	http_json(lb, "POST", "/api/v1/notifications/read", json_pack("{s:[i]}",
	    "ids", 0), NULL, &r);
	assert_problem_field(&r, 422, "ids");
	resp_free(&r);
	ids = json_array();
	for (i = 0; i < 201; i++)
		json_array_append_new(ids, json_integer(i + 1));
	http_json(lb, "POST", "/api/v1/notifications/read", json_pack("{s:o}",
	    "ids", ids), NULL, &r);
	assert_problem_field(&r, 422, "ids");
	resp_free(&r);
	assert_int_equal(unread(lb), before - 1);
	http_get(lb, "/api/v1/notifications?unread=maybe", &r);
	assert_problem_field(&r, 400, "unread");
	resp_free(&r);
	http_get(lb, "/api/v1/notifications?limit=201", &r);
	assert_problem_field(&r, 400, "limit");
	resp_free(&r);
	http_get(lb, "/api/v1/notifications?kind=overdue", &r);
	assert_problem_field(&r, 400, "kind");
	resp_free(&r);
	/* All at once. */
	assert_int_equal(status_of(lb, "POST", "/api/v1/notifications/read",
	    json_pack("{s:b}", "all", 1), NULL), 204);
	assert_int_equal(unread(lb), 0);
	/* Not logged in: 401. */
	{
		struct client *anon = client_new();

		assert_int_equal(status_of(anon, "GET",
		    "/api/v1/notifications", NULL, NULL), 401);
		client_free(anon);
	}
	PQfinish(db);
}

/* ------------------------------------------------------------------ */
/* The scheduler                                                      */
/* ------------------------------------------------------------------ */

/*
 * Wait until `c` has `want` notifications of `kind` about `case_id`
 * (at most `secs` seconds); fail with what there is.
 */
static void
await_notice(struct client *c, const char *kind, long long case_id,
    int want, int secs)
{
	double	 t0 = now_seconds();
	int	 n;

	for (;;) {
		find_notice(c, kind, case_id, &n);
		if (n == want)
			return;
		if (n > want || now_seconds() - t0 > secs)
			fail_msg("%s of case %lld for %s: %d, want %d", kind,
			    case_id, c->name, n, want);
		usleep(300000);
	}
}

static void
test_scheduler_reminds_once(void **state)
{
	PGconn		*db = db_admin();
	long long	 a, b;
	char		*sa, *sb;
	int		 n;

	(void)state;
	a = case_made(o, ent_dc, NULL);
	b = case_made(o, ent_dc, json_pack("[I, I]", (json_int_t)id_bj,
	    (json_int_t)id_dc));
	sa = fmt("%lld", a);
	sb = fmt("%lld", b);
	/* Due in three hours; due forty days ago. */
	db_expect(db, "WITH u AS (UPDATE case_deadlines SET due_at = now() +"
	    " interval '3 hours' WHERE case_id = $1 RETURNING 1)"
	    " SELECT count(*) FROM u", sa, "1");
	db_expect(db, "WITH u AS (UPDATE case_deadlines SET due_at = now() -"
	    " interval '40 days' WHERE case_id = $1 RETURNING 1)"
	    " SELECT count(*) FROM u", sb, "1");
	/* The test instance sweeps every second: within a minute, surely. */
	await_notice(o, "deadline_soon", a, 1, 60);
	await_notice(o, "overdue", b, 1, 60);
	await_notice(dc, "overdue", b, 1, 60);
	await_notice(cb, "escalated", b, 1, 60);
	/* Not the national coordinator: Beijing's is nearer. */
	find_notice(cn, "escalated", b, &n);
	assert_int_equal(n, 0);
	/* An overdue deadline is not "soon"; nor is A overdue. */
	find_notice(o, "deadline_soon", b, &n);
	assert_int_equal(n, 0);
	find_notice(o, "overdue", a, &n);
	assert_int_equal(n, 0);
	/* Sweeps go on; nothing is made again. */
	sleep(4);
	find_notice(o, "deadline_soon", a, &n);
	assert_int_equal(n, 1);
	find_notice(cb, "escalated", b, &n);
	assert_int_equal(n, 1);
	db_expect(db, "SELECT count(*) FROM notifications WHERE case_id = $1",
	    sb, "3");
	db_expect(db, "SELECT reminded_at IS NOT NULL AND overdue_at IS NOT"
	    " NULL AND escalated_at IS NOT NULL FROM case_deadlines"
	    " WHERE case_id = $1", sb, "t");
	db_expect(db, "SELECT last_error IS NULL FROM sched_jobs"
	    " WHERE name = 'deadline_reminders'", NULL, "t");
	free(sa);
	free(sb);
	PQfinish(db);
}

/* 10:00 China Standard Time on `date`, in Unix microseconds. */
static long long
cst10(const char *date)
{
	int	 day;

	assert_int_equal(wf_date_parse(date, &day), WF_DATE_OK);
	return (wf_day_start_unix(day) + 10 * 3600) * 1000000LL;
}

/* The scheduler's batches at `now_us`, in r's transaction, to the end. */
static void
sweep_at(struct req *r, long long now_us)
{
	int	 more, rounds = 0;

	do {
		assert_true(reminders_batch(r, now_us, 1000, &more) >= 0);
		assert_true(++rounds < 100);
	} while (more);
}

static char *
value_in(struct worker *w, const char *sql)
{
	PGresult	*res = PQexec(w->db.conn, sql);
	char		*v;

	if (PQresultStatus(res) != PGRES_TUPLES_OK &&
	    PQresultStatus(res) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(w->db.conn));
	v = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0 ?
	    strdup(PQgetvalue(res, 0, 0)) : strdup("");
	PQclear(res);
	return v;
}

/* How many deadline_soon case `id` has, in w's transaction. */
static int
soon_count(struct worker *w, long long id)
{
	char	*sql = fmt("SELECT count(*) FROM notifications WHERE case_id ="
	    " %lld AND kind = 'deadline_soon'", id);
	char	*v = value_in(w, sql);
	int	 n = atoi(v);

	free(v);
	free(sql);
	return n;
}

/*
 * The scheduler's own batch (reminders_batch) at chosen clocks, in a
 * transaction of the superuser's that is rolled back: case C's
 * rectification-free deadline (its case_decision) moved to end on a
 * given day.  Over the 2026 劳动节 调休 -- Saturday 05-09 a working day
 * -- a deadline due Monday 05-11 is two working days away on Friday
 * 05-08, not on Thursday 05-07; due an ordinary Monday (06-08) it is on
 * Thursday 06-04, not on Wednesday.
 */
static void
test_deadline_soon_over_makeup_weekend(void **state)
{
	struct worker	 w;
	struct req	 r;
	long long	 c;
	char		*sql, *v;

	(void)state;
	c = case_made(o, ent_dc, NULL);
	memset(&w, 0, sizeof(w));
	memset(&r, 0, sizeof(r));
	w.db.url = e2e_env("PAICHA_ADMIN_DATABASE_URL");
	r.w = &w;
	snprintf(r.id, sizeof(r.id), "e2e-duty");
	assert_int_equal(db_begin(&r, TX_WRITE), 0);
	sql = fmt("UPDATE case_deadlines SET due_at = '2026-05-11 23:59:59+08'"
	    " WHERE case_id = %lld AND stopped_at IS NULL", c);
	free(value_in(&w, sql));
	free(sql);

	sweep_at(&r, cst10("2026-05-07"));
	assert_int_equal(soon_count(&w, c), 0);
	sweep_at(&r, cst10("2026-05-08"));
	assert_int_equal(soon_count(&w, c), 1);
	v = value_in(&w, "SELECT text FROM notifications WHERE kind ="
	    " 'deadline_soon' ORDER BY id DESC LIMIT 1");
	assert_non_null(strstr(v, "2026-05-11 23:59"));
	assert_non_null(strstr(v, "案件办理期限"));
	free(v);

	/* The same deadline, due an ordinary Monday, made anew. */
	sql = fmt("DELETE FROM notifications WHERE case_id = %lld; UPDATE"
	    " case_deadlines SET due_at = '2026-06-08 23:59:59+08',"
	    " reminded_at = NULL, overdue_at = NULL, escalated_at = NULL"
	    " WHERE case_id = %lld AND stopped_at IS NULL", c, c);
	free(value_in(&w, sql));
	free(sql);
	sweep_at(&r, cst10("2026-06-03"));
	assert_int_equal(soon_count(&w, c), 0);
	sweep_at(&r, cst10("2026-06-04"));
	assert_int_equal(soon_count(&w, c), 1);
	db_rollback(&r);
	db_close(&w.db);
}

/* ------------------------------------------------------------------ */
/* 挂牌督办                                                            */
/* ------------------------------------------------------------------ */

static long
supervise(struct client *c, json_t *body, struct resp *r)
{
	return http_json(c, "POST", "/api/v1/supervisions", body, NULL, r);
}

static long
report(struct client *c, long long sid, json_t *body)
{
	char	*path = fmt("/api/v1/supervisions/%lld/reports", sid);
	long	 st = status_of(c, "POST", path, body, NULL);

	free(path);
	return st;
}

static void
test_supervision_of_a_case(void **state)
{
	struct resp	 r;
	char		*path, *close, loc[128];
	const char	*h[2];
	long long	 s1, own, sh_case, sid;
	int		 n;

	(void)state;
	s1 = case_made(o, ent_dc, NULL);
	own = case_made(o, ent_bj, NULL);
	sh_case = case_made(sh, fixture_enterprise(sh, "310101", loc), NULL);

	/* Who may issue, and what. */
	assert_int_equal(status_of(o, "POST", "/api/v1/supervisions",
	    json_pack("{s:s, s:I, s:s, s:s}", "target", "case", "case_id",
	    (json_int_t)s1, "reason", "x", "due", cst_day(10)), NULL), 403);
	assert_int_equal(status_of(au, "POST", "/api/v1/supervisions",
	    json_pack("{s:s, s:I, s:s, s:s}", "target", "case", "case_id",
	    (json_int_t)s1, "reason", "x", "due", cst_day(10)), NULL), 403);
	supervise(cb, json_pack("{s:s, s:I, s:s, s:s}", "target", "case",
	    "case_id", (json_int_t)own, "reason", "本级", "due", cst_day(10)),
	    &r);
	assert_problem_field(&r, 422, "case_id");	/* its own level */
	resp_free(&r);
	supervise(cb, json_pack("{s:s, s:I, s:s, s:s}", "target", "case",
	    "case_id", (json_int_t)sh_case, "reason", "外省", "due",
	    cst_day(10)), &r);
	assert_problem_field(&r, 422, "case_id");	/* not in its subtree */
	resp_free(&r);
	supervise(cb, json_pack("{s:s, s:s, s:s}", "target", "case", "reason",
	    "x", "due", cst_day(10)), &r);
	assert_problem_field(&r, 422, "case_id");
	resp_free(&r);
	supervise(cb, json_pack("{s:s, s:I, s:s, s:s, s:s}", "target", "case",
	    "case_id", (json_int_t)s1, "region", "110101", "reason", "x", "due",
	    cst_day(10)), &r);
	assert_problem_field(&r, 422, "region");
	resp_free(&r);
	supervise(cb, json_pack("{s:s, s:I, s:s, s:s}", "target", "case",
	    "case_id", (json_int_t)s1, "reason", "x", "due", cst_day(-1)), &r);
	assert_problem_field(&r, 422, "due");
	resp_free(&r);
	supervise(cb, json_pack("{s:s, s:I, s:s}", "target", "case", "case_id",
	    (json_int_t)s1, "due", cst_day(10)), &r);
	assert_problem_field(&r, 422, "reason");
	resp_free(&r);
	supervise(cb, json_pack("{s:s, s:I, s:s, s:s}", "target", "person",
	    "case_id", (json_int_t)s1, "reason", "x", "due", cst_day(10)), &r);
	assert_problem_field(&r, 422, "target");
	resp_free(&r);

	/* Issued: 201, on the case, notified to the target side. */
	supervise(cb, json_pack("{s:s, s:I, s:s, s:s}", "target", "case",
	    "case_id", (json_int_t)s1, "reason", "e2e: 逾期未整改", "due",
	    cst_day(10)), &r);
	assert_status(&r, 201);
	sid = json_integer_value(json_object_get(r.json, "id"));
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "state")), "open");
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "region")), "110101");
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "issuer_region")), "110000");
	assert_non_null(resp_header(&r, "Location", loc, sizeof(loc)));
	path = fmt("/api/v1/supervisions/%lld", sid);
	assert_string_equal(loc, path);
	resp_free(&r);
	supervise(cb, json_pack("{s:s, s:I, s:s, s:s}", "target", "case",
	    "case_id", (json_int_t)s1, "reason", "again", "due", cst_day(10)),
	    &r);
	assert_problem(&r, 409);
	resp_free(&r);
	close = fmt("/api/v1/cases/%lld", s1);
	http_get(o, close, &r);
	assert_true(json_is_true(json_object_get(r.json, "supervised")));
	assert_int_equal(json_integer_value(json_object_get(r.json,
	    "supervision_id")), sid);
	resp_free(&r);
	free(close);
	assert_true(list_has(o, "/api/v1/cases?supervised=true&limit=200", s1));
	assert_false(list_has(o, "/api/v1/cases?supervised=true&limit=200",
	    own));
	find_notice(dc, "supervision_assigned", s1, &n);	/* the county */
	assert_int_equal(n, 1);
	find_notice(o, "supervision_assigned", s1, &n);	/* its assignee */
	assert_int_equal(n, 1);
	find_notice(lb, "supervision_assigned", s1, &n);
	assert_int_equal(n, 0);
	find_notice(cb, "supervision_assigned", s1, &n);
	assert_int_equal(n, 0);

	/* Both sides see it; others do not. */
	assert_true(list_has(dc, "/api/v1/supervisions?direction=received",
	    sid));
	assert_false(list_has(dc, "/api/v1/supervisions?direction=issued",
	    sid));
	assert_true(list_has(cb, "/api/v1/supervisions?direction=issued"
	    "&state=open", sid));
	assert_false(list_has(cb, "/api/v1/supervisions?state=closed", sid));
	assert_int_equal(status_of(sh, "GET", path, NULL, NULL), 404);
	http_get(sh, "/api/v1/supervisions?direction=sideways", &r);
	assert_problem_field(&r, 400, "direction");
	resp_free(&r);

	/* Reports: the target side only. */
	assert_int_equal(report(dc, sid, json_pack("{s:s}", "text",
	    "已约谈企业")), 201);
	assert_int_equal(report(o, sid, json_pack("{s:s, s:[]}", "text",
	    "已复查", "file_ids")), 201);
	assert_int_equal(report(sh, sid, json_pack("{s:s}", "text", "x")), 404);
	assert_int_equal(report(cb, sid, json_pack("{s:s}", "text", "x")), 404);
	assert_int_equal(report(cn, sid, json_pack("{s:s}", "text", "x")), 404);
	assert_int_equal(report(lb, sid, json_pack("{s:s}", "text", "x")), 403);
	assert_int_equal(report(dc, sid, json_pack("{s:s, s:[i]}", "text", "x",
	    "file_ids", 987654321)), 422);
	assert_int_equal(report(dc, sid, json_pack("{s:s}", "text", " ")), 422);
	assert_int_equal(report(dc, 999999999999LL, json_pack("{s:s}", "text",
	    "x")), 404);
	http_get(cb, path, &r);
	assert_status(&r, 200);
	assert_int_equal(json_integer_value(json_object_get(r.json,
	    "report_count")), 2);
	assert_int_equal(json_array_size(json_object_get(r.json, "reports")),
	    2);
	assert_true(json_is_true(json_object_get(r.json, "closable")));
	resp_free(&r);

	/* Closed by the issuing side, once. */
	close = fmt("/api/v1/supervisions/%lld/close", sid);
	assert_int_equal(status_of(dc, "POST", close, json_pack("{s:s}",
	    "conclusion", "x"), NULL), 403);
	h[0] = "If-Match: \"1\"";
	h[1] = NULL;
	assert_int_equal(status_of(cb, "POST", close, json_pack("{s:s}",
	    "conclusion", "x"), h), 412);
	http_json(cb, "POST", close, json_object(), NULL, &r);
	assert_problem_field(&r, 422, "conclusion");
	resp_free(&r);
	http_json(cb, "POST", close, json_pack("{s:s}", "conclusion",
	    "企业已整改到位"), NULL, &r);
	assert_status(&r, 200);
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "state")), "closed");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    r.json, "closed_by"), "id")), id_cb);
	resp_free(&r);
	http_json(cb, "POST", close, json_pack("{s:s}", "conclusion", "again"),
	    NULL, &r);
	assert_problem(&r, 409);
	resp_free(&r);
	assert_int_equal(report(dc, sid, json_pack("{s:s}", "text", "late")),
	    409);
	assert_false(list_has(o, "/api/v1/cases?supervised=true&limit=200",
	    s1));
	assert_true(list_has(cb, "/api/v1/supervisions?state=closed", sid));

	/* Its stream: issue, two reports, close. */
	free(path);
	path = fmt("/api/v1/audit/events?entity=supervision&entity_id=%lld",
	    sid);
	http_get(au, path, &r);
	assert_status(&r, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 4);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(r.json, "items"), 0), "event")), "create");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(r.json, "items"), 3), "event")), "close");
	resp_free(&r);
	free(path);
	free(close);
}

static void
test_supervision_of_a_region(void **state)
{
	struct resp	 r;
	long long	 sid;

	(void)state;
	supervise(cb, json_pack("{s:s, s:s, s:s, s:s}", "target", "region",
	    "region", "110000", "reason", "x", "due", cst_day(10)), &r);
	assert_problem_field(&r, 422, "region");	/* its own */
	resp_free(&r);
	supervise(cb, json_pack("{s:s, s:s, s:s, s:s}", "target", "region",
	    "region", "310000", "reason", "x", "due", cst_day(10)), &r);
	assert_problem_field(&r, 422, "region");	/* not below it */
	resp_free(&r);
	supervise(cb, json_pack("{s:s, s:s, s:s, s:s}", "target", "region",
	    "region", "119999", "reason", "x", "due", cst_day(10)), &r);
	assert_problem_field(&r, 422, "region");
	resp_free(&r);
	supervise(cb, json_pack("{s:s, s:s, s:s, s:s}", "target", "region",
	    "region", "11x", "reason", "x", "due", cst_day(10)), &r);
	assert_problem_field(&r, 422, "region");
	resp_free(&r);
	/* The nation puts Beijing under supervision: Beijing reports. */
	supervise(cn, json_pack("{s:s, s:s, s:s, s:s}", "target", "region",
	    "region", "110000", "reason", "e2e: 进度滞后", "due", cst_day(20)),
	    &r);
	if (r.status == 409) {
		/* Left open by an earlier run on this instance. */
		resp_free(&r);
		http_get(cn, "/api/v1/supervisions?direction=issued&state=open"
		    "&limit=200", &r);
		sid = 0;
		{
			json_t	*it;
			size_t	 i;

			json_array_foreach(json_object_get(r.json, "items"), i,
			    it)
				if (strcmp(json_string_value(json_object_get(it,
				    "target")), "region") == 0 &&
				    strcmp(json_string_value(json_object_get(it,
				    "region")), "110000") == 0)
					sid = json_integer_value(
					    json_object_get(it, "id"));
		}
	} else {
		assert_status(&r, 201);
		sid = json_integer_value(json_object_get(r.json, "id"));
	}
	resp_free(&r);
	assert_true(sid > 0);
	assert_int_equal(report(o, sid, json_pack("{s:s}", "text",
	    "已部署全市整改")), 201);
	assert_int_equal(report(cb, sid, json_pack("{s:s}", "text",
	    "统筹推进")), 201);
	assert_int_equal(report(dc, sid, json_pack("{s:s}", "text", "x")),
	    404);
	assert_int_equal(report(sh, sid, json_pack("{s:s}", "text", "x")),
	    404);
	assert_true(list_has(cb, "/api/v1/supervisions?direction=received",
	    sid));
}

/* ------------------------------------------------------------------ */
/* The dashboard                                                      */
/* ------------------------------------------------------------------ */

static json_t *
row_of(json_t *rows, const char *region)
{
	json_t	*it;
	size_t	 i;

	json_array_foreach(rows, i, it)
		if (strcmp(json_string_value(json_object_get(it, "region")),
		    region) == 0)
			return it;
	return NULL;
}

static long long
num(const json_t *obj, const char *k)
{
	return json_integer_value(json_object_get(obj, k));
}

/* The case list's total for the query `q`, as `c`. */
static long long
counted(struct client *c, const char *q)
{
	struct resp	 r;
	char		*path = fmt("/api/v1/cases/counts?%s", q);
	long long	 n;

	http_get(c, path, &r);
	assert_status(&r, 200);
	n = num(r.json, "total");
	resp_free(&r);
	free(path);
	return n;
}

static void
test_dashboard(void **state)
{
	struct resp	 r;
	json_t		*d, *row, *it, *m;
	long long	 cases = 0, open = 0, weekly_o = 0, weekly_c = 0, sup;
	long long	 s2;
	double		 rate, t0;
	size_t		 i;

	(void)state;
	http_get(cb, "/api/v1/dashboard?region=110000", &r);
	assert_status(&r, 200);
	d = r.json;
	sup = num(row_of(json_object_get(d, "by_region"), "110101"),
	    "supervised");
	resp_free(&r);
	/* A new open supervision in 东城区 shows there. */
	s2 = case_made(o, ent_dc, NULL);
	assert_int_equal(status_of(cb, "POST", "/api/v1/supervisions",
	    json_pack("{s:s, s:I, s:s, s:s}", "target", "case", "case_id",
	    (json_int_t)s2, "reason", "看板", "due", cst_day(5)), NULL), 201);

	/*
	 * The counts are the scheduler's (a round a minute at most): wait
	 * until they have caught up with the cases made above.
	 */
	t0 = now_seconds();
	for (;;) {
		http_get(cb, "/api/v1/dashboard", &r);
		assert_status(&r, 200);
		d = r.json;
		if (num(json_object_get(d, "totals"), "cases") == counted(cb,
		    "campaign=2026&region=110000") && num(json_object_get(d,
		    "totals"), "overdue") == counted(cb, "campaign=2026"
		    "&region=110000&overdue=true"))
			break;
		if (now_seconds() - t0 > 150)
			fail_msg("the dashboard has not caught up: %s", r.body);
		resp_free(&r);
		usleep(500000);
	}
	assert_string_equal(json_string_value(json_object_get(d, "region")),
	    "110000");
	assert_true(num(d, "campaign_id") >= 2026);
	assert_true(json_is_string(json_object_get(d, "as_of")));
	m = json_object_get(d, "milestones");
	assert_int_equal(json_array_size(m), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(m,
	    0), "id")), "risk_investigation");
	assert_string_equal(json_string_value(json_object_get(json_array_get(m,
	    1), "id")), "governance");
	json_array_foreach(m, i, it) {
		const char *st = json_string_value(json_object_get(it,
		    "status"));

		assert_true(strcmp(st, "met") == 0 ||
		    strcmp(st, "missed") == 0 || strcmp(st, "pending") == 0);
		if (strcmp(st, "pending") != 0)
			assert_int_equal(strcmp(st, "met") == 0,
			    num(it, "unmet") == 0);
	}
	/* The totals add up, and agree with the case list. */
	it = json_object_get(d, "totals");
	assert_int_equal(num(it, "open"), num(it, "cases") - num(it,
	    "closed"));
	rate = json_number_value(json_object_get(it, "clearance_rate"));
	if (num(it, "cases") > 0)
		assert_true(rate >= 0.0 && rate <= 100.0 && (double)(long long)
		    (rate * 10 + 0.5) / 10 - rate < 1e-9 &&
		    (long long)(rate * 10 + 0.5) == (num(it, "closed") * 1000 +
		    num(it, "cases") / 2) / num(it, "cases"));
	assert_int_equal(num(it, "cases"), counted(cb, "campaign=2026"
	    "&region=110000"));
	assert_int_equal(num(it, "overdue"), counted(cb, "campaign=2026"
	    "&region=110000&overdue=true"));
	json_array_foreach(json_object_get(d, "by_region"), i, row) {
		cases += num(row, "cases");
		open += num(row, "open");
		assert_true(json_is_string(json_object_get(row, "name")));
		assert_true(json_is_number(json_object_get(row,
		    "clearance_rate")));
	}
	assert_int_equal(cases, num(it, "cases"));
	assert_int_equal(open, num(it, "open"));
	row = row_of(json_object_get(d, "by_region"), "110101");
	assert_non_null(row);
	assert_string_equal(json_string_value(json_object_get(row, "name")),
	    "东城区");
	assert_int_equal(num(row, "supervised"), sup + 1);
	assert_true(json_array_size(json_object_get(d, "by_category")) > 0);
	json_array_foreach(json_object_get(d, "weekly"), i, row) {
		assert_int_equal(strlen(json_string_value(json_object_get(row,
		    "week"))), 10);
		weekly_o += num(row, "opened");
		weekly_c += num(row, "closed");
	}
	assert_int_equal(weekly_o, num(it, "cases"));
	assert_int_equal(weekly_c, num(it, "closed"));
	cases = num(row_of(json_object_get(d, "by_region"), "110101"),
	    "cases");
	resp_free(&r);

	/* A click on 东城区: the same numbers, from below (no case made). */
	http_get(cb, "/api/v1/dashboard?region=110101&campaign=2026", &r);
	assert_status(&r, 200);
	assert_int_equal(num(json_object_get(r.json, "totals"), "cases"),
	    cases);
	assert_int_equal(json_array_size(json_object_get(r.json, "by_region")),
	    1);
	resp_free(&r);
	/* Anyone reads their own region's; nobody another's. */
	http_get(dc, "/api/v1/dashboard", &r);
	assert_status(&r, 200);
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "region")), "110101");
	resp_free(&r);
	http_get(cb, "/api/v1/dashboard?region=310000", &r);
	assert_problem(&r, 404);
	resp_free(&r);
	http_get(dc, "/api/v1/dashboard?region=110000", &r);
	assert_problem(&r, 404);
	resp_free(&r);
	http_get(cb, "/api/v1/dashboard?campaign=1999", &r);
	assert_problem(&r, 404);
	resp_free(&r);
	http_get(cb, "/api/v1/dashboard?region=1100", &r);
	assert_problem_field(&r, 400, "region");
	resp_free(&r);
	http_get(cb, "/api/v1/dashboard?week=1", &r);
	assert_problem_field(&r, 400, "week");
	resp_free(&r);
	(void)id_cn;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_assignees),
		cmocka_unit_test(test_review_requested),
		cmocka_unit_test(test_scheduler_reminds_once),
		cmocka_unit_test(test_deadline_soon_over_makeup_weekend),
		cmocka_unit_test(test_supervision_of_a_case),
		cmocka_unit_test(test_supervision_of_a_region),
		cmocka_unit_test(test_dashboard),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("e2e-duty", tests, setup, teardown);
}
