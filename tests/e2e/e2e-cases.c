/*
 * e2e-cases.c: cases through the whole workflow over the real stack --
 * every event of the table, the hash chain of the history, four eyes,
 * preconditions, idempotency, and region isolation.  Requests that race
 * each other (a 50-way race from one version, an Idempotency-Key sent
 * at once) are e2e-races.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "e2e.h"

static struct client	*officer, *legal, *auditor, *officer_sh, *legal_sh;
static struct client	*both;		/* officer and legal at once */
static long long	 ent_bj;

static int
setup(void **state)
{
	officer = client_login("officer.bj", DEMO_PASSWORD);
	legal = client_login("legal.bj", DEMO_PASSWORD);
	auditor = client_login("auditor.bj", DEMO_PASSWORD);
	officer_sh = client_login("officer.sh", DEMO_PASSWORD);
	legal_sh = client_login("legal.sh", DEMO_PASSWORD);
	assert_int_equal(user_make("both.bj", "110000", "officer,legal"), 0);
	both = client_login("both.bj", DEMO_PASSWORD);
	ent_bj = enterprise_make("110101", "北京东城测试水泥厂");
	return 0;
}

static int
teardown(void **state)
{
	client_free(officer);
	client_free(legal);
	client_free(auditor);
	client_free(officer_sh);
	client_free(legal_sh);
	client_free(both);
	return 0;
}

/* POST a transition; returns the status, the reply in *r. */
static long
transition(struct client *c, long long id, int version, const char *event,
    json_t *payload, const char *key, struct resp *r)
{
	char		*path = fmt("/api/v1/cases/%lld/transitions", id);
	char		*im = fmt("If-Match: \"%d\"", version);
	char		*ik = key != NULL ? fmt("Idempotency-Key: %s", key) : NULL;
	const char	*h[3] = { im, ik, NULL };
	long		 st;

	st = http_json(c, "POST", path, json_pack("{s:s, s:o}", "event", event,
	    "payload", payload != NULL ? payload : json_object()), h, r);
	free(path);
	free(im);
	free(ik);
	return st;
}

static long
decide(struct client *c, long long id, int version, const char *decision,
    struct resp *r)
{
	char		*path = fmt("/api/v1/cases/%lld/approval", id);
	char		*im = fmt("If-Match: \"%d\"", version);
	const char	*h[2] = { im, NULL };
	long		 st;

	st = http_json(c, "POST", path, json_pack("{s:s, s:s}", "decision",
	    decision, "comment", "法制审核意见"), h, r);
	free(path);
	free(im);
	return st;
}

/* The case's current version (and state into `state` if given). */
static int
version_of(struct client *c, long long id, char *state, size_t size)
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
	if (state != NULL)
		snprintf(state, size, "%s",
		    json_string_value(json_object_get(r.json, "state")));
	resp_free(&r);
	free(path);
	return v;
}

/* Apply (or propose and have `approver` approve) one step; assert state. */
static void
step(struct client *c, long long id, const char *event, json_t *payload,
    struct client *approver, const char *want)
{
	struct resp	 r;
	int		 v = version_of(c, id, NULL, 0);
	char		 state[64];

	transition(c, id, v, event, payload, NULL, &r);
	if (approver == NULL) {
		assert_status(&r, 200);
	} else {
		assert_status(&r, 202);
		assert_string_equal(json_string_value(json_object_get(
		    json_object_get(r.json, "pending"), "event")), event);
		resp_free(&r);
		decide(approver, id, v + 1, "approve", &r);
		assert_status(&r, 200);
	}
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "state")), want);
	resp_free(&r);
	version_of(c, id, state, sizeof(state));
	assert_string_equal(state, want);
}

static json_t *
documents(void)
{
	return json_pack("[s, s, s, s, s]", "transfer_letter",
	    "investigation_report", "evidence_list", "inspection_report",
	    "other_materials");
}

/* Every event of the table at least once, then the history. */
static void
test_every_event(void **state)
{
	static const struct {
		const char	*event, *phase, *from, *to;
	} want[] = {
		{ "create", "created", NULL, "detected" },
		{ "order_rectification", "applied", "detected", "rectifying" },
		{ "report_rectification", "applied", "rectifying", "rectification_review" },
		{ "reject_rectification", "applied", "rectification_review", "rectifying" },
		{ "report_rectification", "applied", "rectifying", "rectification_review" },
		{ "hold_interview", "applied", "rectification_review", "interview" },
		{ "publish_credit", "proposed", "interview", "interview" },
		{ "publish_credit", "rejected", "interview", "interview" },
		{ "publish_credit", "proposed", "interview", "interview" },
		{ "publish_credit", "approved", "interview", "credit_publication" },
		{ "transfer_judicial", "proposed", "credit_publication", "credit_publication" },
		{ "transfer_judicial", "approved", "credit_publication", "transfer_judicial" },
		{ "record_transfer_receipt", "applied", "transfer_judicial", "transfer_judicial" },
		{ "close", "proposed", "transfer_judicial", "transfer_judicial" },
		{ "close", "approved", "transfer_judicial", "closed" },
		{ "start_lookback", "applied", "closed", "lookback" },
		{ "lookback_recurrence", "applied", "lookback", "rectifying" },
		{ "report_rectification", "applied", "rectifying", "rectification_review" },
		{ "transfer_discipline", "proposed", "rectification_review", "rectification_review" },
		{ "transfer_discipline", "approved", "rectification_review", "transfer_discipline" },
		{ "record_transfer_receipt", "applied", "transfer_discipline", "transfer_discipline" },
		{ "close", "proposed", "transfer_discipline", "transfer_discipline" },
		{ "close", "approved", "transfer_discipline", "closed" },
		{ "start_lookback", "applied", "closed", "lookback" },
		{ "lookback_clear", "applied", "lookback", "closed" },
		{ "add_note", "applied", "closed", "closed" },
	};
	struct resp	 r;
	long long	 id = case_make(officer, ent_bj, "水泥强度不合格");
	long long	 id2;
	char		*path, prev[65] = "";
	json_t		*items, *e;
	size_t		 i;
	int		 v;

	step(officer, id, "order_rectification", json_pack("{s:s, s:s}",
	    "deadline", cst_day(30), "measures", "停产整改"), NULL, "rectifying");
	step(officer, id, "report_rectification", json_pack("{s:s}",
	    "evidence", "整改报告及照片"), NULL, "rectification_review");
	step(officer, id, "reject_rectification", json_pack("{s:s, s:s}",
	    "reason", "整改不到位", "deadline", cst_day(20)), NULL, "rectifying");
	step(officer, id, "report_rectification", json_pack("{s:s}",
	    "evidence", "第二次整改报告"), NULL, "rectification_review");
	step(officer, id, "hold_interview", json_pack("{s:s, s:[s, s], s:s}",
	    "held_on", cst_day(0), "attendees", "法定代表人", "质量负责人",
	    "minutes", "约谈纪要"), NULL, "interview");
	/* A proposal rejected, then made again and approved. */
	v = version_of(officer, id, NULL, 0);
	transition(officer, id, v, "publish_credit", json_pack("{s:s, s:s,"
	    " s:s, s:s, s:s, s:b}", "decision_no", "京市监罚〔2026〕1号",
	    "fine_amount", "50000.00", "confiscation_amount", "1200.50",
	    "case_value", "80000", "published_on", cst_day(0), "serious_list", 0),
	    NULL, &r);
	assert_status(&r, 202);
	resp_free(&r);
	decide(legal, id, v + 1, "reject", &r);
	assert_status(&r, 200);
	assert_true(json_is_null(json_object_get(r.json, "pending")));
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "state")), "interview");
	resp_free(&r);
	step(officer, id, "publish_credit", json_pack("{s:s, s:s, s:s, s:s,"
	    " s:s, s:b}", "decision_no", "京市监罚〔2026〕2号", "fine_amount",
	    "50000.00", "confiscation_amount", "1200.50", "case_value", "80000",
	    "published_on", cst_day(0), "serious_list", 1), legal,
	    "credit_publication");
	/* Legal staff may propose a transfer; another legal user approves. */
	step(legal, id, "transfer_judicial", json_pack("{s:s, s:s, s:o}",
	    "receiving_organ", "北京市公安局东城分局", "reason", "涉嫌生产伪劣产品罪",
	    "documents", documents()), both, "transfer_judicial");
	step(legal, id, "record_transfer_receipt", json_pack("{s:s, s:b, s:s}",
	    "receipt_no", "东公受〔2026〕8号", "accepted", 1, "decided_on",
	    cst_day(0)), NULL, "transfer_judicial");
	step(officer, id, "close", json_pack("{s:s, s:s}", "conclusion",
	    "已移送公安机关立案", "lookback_on", cst_day(90)), legal, "closed");
	step(officer, id, "start_lookback", NULL, NULL, "lookback");
	step(officer, id, "lookback_recurrence", json_pack("{s:s, s:s, s:s}",
	    "findings", "问题反弹", "deadline", cst_day(15), "measures", "再次整改"),
	    NULL, "rectifying");
	step(officer, id, "report_rectification", json_pack("{s:s}",
	    "evidence", "第三次整改报告"), NULL, "rectification_review");
	step(officer, id, "transfer_discipline", json_pack("{s:s, s:s}",
	    "receiving_organ", "东城区纪委监委", "clue_summary", "监管人员失职线索"),
	    legal, "transfer_discipline");
	step(legal, id, "record_transfer_receipt", json_pack("{s:s, s:b, s:s}",
	    "receipt_no", "东纪受〔2026〕3号", "accepted", 0, "decided_on",
	    cst_day(0)), NULL, "transfer_discipline");
	step(officer, id, "close", json_pack("{s:s, s:s}", "conclusion",
	    "办结", "lookback_on", cst_day(60)), legal, "closed");
	step(officer, id, "start_lookback", NULL, NULL, "lookback");
	step(officer, id, "lookback_clear", json_pack("{s:s}", "findings",
	    "未见反弹"), NULL, "closed");
	step(officer, id, "add_note", json_pack("{s:s}", "text", "归档"), NULL,
	    "closed");

	/* dismiss is only possible from detected: a second case. */
	id2 = case_make(officer, ent_bj, "举报不实");
	step(officer, id2, "dismiss", json_pack("{s:s}", "reason", "经查不属实"),
	    legal, "closed");

	path = fmt("/api/v1/cases/%lld/events", id);
	http_get(auditor, path, &r);
	assert_status(&r, 200);
	items = json_object_get(r.json, "items");
	assert_int_equal(json_array_size(items), sizeof(want) / sizeof(want[0]));
	json_array_foreach(items, i, e) {
		const char *from = json_string_value(json_object_get(e, "from"));

		assert_int_equal(json_integer_value(json_object_get(e, "seq")),
		    (long long)i + 1);
		assert_string_equal(json_string_value(json_object_get(e,
		    "event")), want[i].event);
		assert_string_equal(json_string_value(json_object_get(e,
		    "phase")), want[i].phase);
		if (want[i].from == NULL)
			assert_null(from);
		else
			assert_string_equal(from, want[i].from);
		assert_string_equal(json_string_value(json_object_get(e, "to")),
		    want[i].to);
		assert_int_equal(strlen(json_string_value(json_object_get(e,
		    "hash"))), 64);
		if (i == 0)
			assert_string_equal(json_string_value(json_object_get(e,
			    "prev_hash")), "000000000000000000000000000000"
			    "0000000000000000000000000000000000");
		else
			assert_string_equal(json_string_value(json_object_get(e,
			    "prev_hash")), prev);
		snprintf(prev, sizeof(prev), "%s",
		    json_string_value(json_object_get(e, "hash")));
	}
	resp_free(&r);
	free(path);
}

static long long
events_count(long long id)
{
	PGconn		*db = db_admin();
	char		 cid[24], *n;
	long long	 v;

	snprintf(cid, sizeof(cid), "%lld", id);
	n = db_value(db, "SELECT count(*) FROM case_events WHERE case_id = $1",
	    cid, NULL);
	v = strtoll(n, NULL, 10);
	free(n);
	PQfinish(db);
	return v;
}

/* Four eyes on every approval event, on every path. */
static void
test_four_eyes(void **state)
{
	static const char *const approval_events[] = {
		"publish_credit", "transfer_judicial", "transfer_discipline",
		"close", "dismiss"
	};
	struct resp	 r;
	long long	 id;
	json_t		*p;
	size_t		 i;
	int		 v;

	for (i = 0; i < sizeof(approval_events) / sizeof(approval_events[0]);
	    i++) {
		const char *ev = approval_events[i];

		id = case_make(officer, ent_bj, "四眼原则测试");
		v = 1;
		if (strcmp(ev, "close") == 0) {
			/* close needs a later state: hold an interview. */
			transition(officer, id, v, "hold_interview", json_pack(
			    "{s:s, s:[s], s:s}", "held_on", cst_day(0), "attendees",
			    "负责人", "minutes", "纪要"), NULL, &r);
			assert_status(&r, 200);
			resp_free(&r);
			v++;
		}
		if (strcmp(ev, "publish_credit") == 0)
			p = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}",
			    "decision_no", "罚1", "fine_amount", "1", "confiscation_amount",
			    "0", "case_value", "2", "published_on", cst_day(0),
			    "serious_list", 0);
		else if (strcmp(ev, "transfer_judicial") == 0)
			p = json_pack("{s:s, s:s, s:o}", "receiving_organ", "公安",
			    "reason", "涉嫌犯罪", "documents", documents());
		else if (strcmp(ev, "transfer_discipline") == 0)
			p = json_pack("{s:s, s:s}", "receiving_organ", "纪委",
			    "clue_summary", "线索");
		else if (strcmp(ev, "close") == 0)
			p = json_pack("{s:s, s:s}", "conclusion", "办结",
			    "lookback_on", cst_day(30));
		else
			p = json_pack("{s:s}", "reason", "不属实");
		/* Proposed by a user who holds officer and legal... */
		transition(both, id, v, ev, p, NULL, &r);
		assert_status(&r, 202);
		resp_free(&r);
		v++;
		/* ...who may not approve it himself, nor reject it. */
		decide(both, id, v, "approve", &r);
		assert_problem(&r, 403);
		resp_free(&r);
		decide(both, id, v, "reject", &r);
		assert_problem(&r, 403);
		resp_free(&r);
		/* Neither may an officer, nor an auditor. */
		decide(officer, id, v, "approve", &r);
		assert_problem(&r, 403);
		resp_free(&r);
		decide(auditor, id, v, "approve", &r);
		assert_problem(&r, 403);
		resp_free(&r);
		/* Nor legal staff of another province: it is not theirs. */
		decide(legal_sh, id, v, "approve", &r);
		assert_problem(&r, 404);
		resp_free(&r);
		/* While pending, no other state change. */
		transition(officer, id, v, "order_rectification", json_pack(
		    "{s:s, s:s}", "deadline", cst_day(10), "measures", "整改"), NULL,
		    &r);
		assert_problem(&r, 409);
		resp_free(&r);
		assert_int_equal(version_of(officer, id, NULL, 0), v);
		/* A different legal user may. */
		decide(legal, id, v, "approve", &r);
		assert_status(&r, 200);
		assert_true(json_is_null(json_object_get(r.json, "pending")));
		resp_free(&r);
	}
	/* Nothing pending: nothing to decide. */
	decide(legal, id, v + 1, "approve", &r);
	assert_problem(&r, 409);
	resp_free(&r);
}

static void
test_preconditions(void **state)
{
	long long	 id = case_make(officer, ent_bj, "版本测试");
	char		*path = fmt("/api/v1/cases/%lld/transitions", id);
	struct resp	 r;

	/* No If-Match: 428. */
	http_json(officer, "POST", path, json_pack("{s:s, s:{s:s}}", "event",
	    "add_note", "payload", "text", "x"), NULL, &r);
	assert_problem(&r, 428);
	resp_free(&r);
	/* Stale: 412. */
	transition(officer, id, 7, "add_note", json_pack("{s:s}", "text", "x"),
	    NULL, &r);
	assert_problem(&r, 412);
	resp_free(&r);
	/* Illegal from this state: 409. */
	transition(officer, id, 1, "start_lookback", NULL, NULL, &r);
	assert_problem(&r, 409);
	resp_free(&r);
	/* A role that may not: 403 (auditor), at the front line. */
	transition(auditor, id, 1, "add_note", json_pack("{s:s}", "text", "x"),
	    NULL, &r);
	assert_problem(&r, 403);
	resp_free(&r);
	/* Legal may not order rectification: 403 from the workflow. */
	transition(legal, id, 1, "order_rectification", json_pack("{s:s, s:s}",
	    "deadline", cst_day(10), "measures", "x"), NULL, &r);
	assert_problem(&r, 403);
	resp_free(&r);
	/* Missing and invalid fields: 422 naming each. */
	transition(officer, id, 1, "order_rectification", json_pack("{s:s}",
	    "deadline", cst_day(-1)), NULL, &r);
	assert_problem_field(&r, 422, "deadline");
	assert_problem_field(&r, 422, "measures");
	resp_free(&r);
	transition(officer, id, 1, "no_such_event", NULL, NULL, &r);
	assert_problem_field(&r, 422, "event");
	resp_free(&r);
	/* Nothing changed by any of it. */
	assert_int_equal(version_of(officer, id, NULL, 0), 1);
	assert_int_equal(events_count(id), 1);
	free(path);
}

/*
 * A transition body: `event`, then a payload {"text": "备注", "deep": A}
 * where A is `arrays` nested arrays around 1 -- the whole body nests
 * 2 + arrays deep (malloc'd).
 */
static char *
deep_transition(const char *event, int arrays)
{
	char	*open = malloc((size_t)arrays + 1), *close, *b;

	assert_non_null(open);
	memset(open, '[', (size_t)arrays);
	open[arrays] = '\0';
	close = strdup(open);
	memset(close, ']', (size_t)arrays);
	b = fmt("{\"event\":\"%s\",\"payload\":{\"text\":\"备注\","
	    "\"deep\":%s1%s}}", event, open, close);
	free(open);
	free(close);
	return b;
}

/*
 * Issue 15: a payload key the event does not declare is a 422 naming it
 * (an add_note carrying a fine_amount the case page would show as
 * 罚款金额), and JSON nested deeper than 32 levels is a 400 from the
 * front line; neither records anything.
 */
static void
test_undeclared_payload_keys(void **state)
{
	long long	 id = case_make(officer, ent_bj, "未声明字段测试");
	char		*path = fmt("/api/v1/cases/%lld/transitions", id);
	const char	*h[] = { "If-Match: \"1\"", NULL };
	struct resp	 r;
	char		*body;

	transition(officer, id, 1, "add_note", json_pack("{s:s, s:s}",
	    "text", "备注", "fine_amount", "0.00"), NULL, &r);
	assert_problem_field(&r, 422, "fine_amount");
	resp_free(&r);
	transition(officer, id, 1, "add_note", json_pack("{s:s, s:n}",
	    "text", "备注", "extra"), NULL, &r);
	assert_problem_field(&r, 422, "extra");
	resp_free(&r);
	transition(officer, id, 1, "start_lookback", json_pack("{s:s}",
	    "findings", "x"), NULL, &r);
	assert_problem(&r, 409);	/* the state's refusal comes first */
	resp_free(&r);
	/* 32 levels pass the front line (the handler names the key)... */
	body = deep_transition("add_note", 30);
	http(officer, "POST", path, body, h, &r);
	assert_problem_field(&r, 422, "deep");
	resp_free(&r);
	free(body);
	/* ... 33 do not. */
	body = deep_transition("add_note", 31);
	http(officer, "POST", path, body, h, &r);
	assert_problem(&r, 400);
	resp_free(&r);
	free(body);
	body = deep_transition("add_note", 1998);
	http(officer, "POST", path, body, h, &r);
	assert_problem(&r, 400);
	resp_free(&r);
	free(body);
	/* The declared fields alone: applied. */
	transition(officer, id, 1, "add_note", json_pack("{s:s}", "text",
	    "备注"), NULL, &r);
	assert_status(&r, 200);
	resp_free(&r);
	assert_int_equal(version_of(officer, id, NULL, 0), 2);
	assert_int_equal(events_count(id), 2);
	free(path);
}

/* A province's own category, added by the national admin; its id. */
static char *
province_category(const char *province, const char *prefix)
{
	struct client	*admin = client_login("admin", DEMO_PASSWORD);
	char		*id = unique_name(prefix), *name = unique_name("类别");
	struct resp	 r;

	http_json(admin, "POST", "/api/v1/categories", json_pack("{s:s, s:s,"
	    " s:s}", "id", id, "name", name, "province", province), NULL, &r);
	assert_status(&r, 201);
	resp_free(&r);
	client_free(admin);
	free(name);
	return id;
}

/* Register a case of `category` about `eid` by `c`: the status. */
static long
case_in_category(struct client *c, long long eid, const char *category,
    struct resp *r)
{
	return http_json(c, "POST", "/api/v1/cases", json_pack("{s:I, s:i,"
	    " s:s, s:s, s:s, s:s}", "enterprise_id", (json_int_t)eid,
	    "campaign_id", 2026, "category", category, "domain", "production",
	    "source", "spot_check", "problem", "类别测试"), NULL, r);
}

/*
 * Issue 15: a case's category is one of the ten national ones or one of
 * its own province's (the case's region's) -- 422 naming `category`
 * otherwise, and the database refuses it too.
 */
static void
test_category_province(void **state)
{
	char		*sh = province_category("310000", "sh_cat_");
	char		*bj = province_category("110000", "bj_cat_");
	struct resp	 r;
	PGconn		*db;
	char		*sql;
	long long	 id;

	case_in_category(officer, ent_bj, sh, &r);
	assert_problem_field(&r, 422, "category");
	resp_free(&r);
	case_in_category(officer, ent_bj, "no_such_category", &r);
	assert_problem_field(&r, 422, "category");
	resp_free(&r);
	case_in_category(officer, ent_bj, bj, &r);
	assert_status(&r, 201);
	id = json_integer_value(json_object_get(r.json, "id"));
	resp_free(&r);
	case_in_category(officer, ent_bj, "cement", &r);
	assert_status(&r, 201);
	resp_free(&r);
	/* Below the service: the row may not take another's category. */
	db = db_admin();
	sql = fmt("UPDATE cases SET category = '%s' WHERE id = %lld", sh, id);
	{
		PGresult *res = PQexec(db, sql);

		if (PQresultStatus(res) != PGRES_FATAL_ERROR ||
		    strcmp(PQresultErrorField(res, PG_DIAG_SQLSTATE),
		    "23514") != 0)
			fail_msg("the database took case %lld into %s: %s", id,
			    sh, PQresultErrorMessage(res));
		PQclear(res);
	}
	free(sql);
	PQfinish(db);
	free(sh);
	free(bj);
}

static void
test_idempotency(void **state)
{
	long long	 id = case_make(officer, ent_bj, "幂等测试");
	struct resp	 a, b;
	char		 key[64];

	snprintf(key, sizeof(key), "idem-%ld-%lld", (long)getpid(), id);
	transition(officer, id, 1, "add_note", json_pack("{s:s}", "text",
	    "一次"), key, &a);
	assert_status(&a, 200);
	/* The same key and body: the first answer again, nothing new. */
	transition(officer, id, 1, "add_note", json_pack("{s:s}", "text",
	    "一次"), key, &b);
	assert_status(&b, 200);
	assert_string_equal(a.body, b.body);
	assert_int_equal(events_count(id), 2);
	resp_free(&b);
	/* The same key with another body: 422. */
	transition(officer, id, 1, "add_note", json_pack("{s:s}", "text",
	    "两次"), key, &b);
	assert_problem(&b, 422);
	resp_free(&b);
	assert_int_equal(events_count(id), 2);
	resp_free(&a);
}

static void
test_region_isolation(void **state)
{
	long long	 id = case_make(officer, ent_bj, "辖区测试");
	char		*p;
	struct resp	 r;
	size_t		 i;
	json_t		*item;
	static const char *const sub[] = { "", "/actions", "/events" };

	for (i = 0; i < 3; i++) {
		p = fmt("/api/v1/cases/%lld%s", id, sub[i]);
		http_get(officer_sh, p, &r);
		assert_problem(&r, 404);
		resp_free(&r);
		free(p);
	}
	transition(officer_sh, id, 1, "add_note", json_pack("{s:s}", "text",
	    "x"), NULL, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	http_get(officer_sh, "/api/v1/cases?limit=200", &r);
	assert_status(&r, 200);
	json_array_foreach(json_object_get(r.json, "items"), i, item)
		assert_true(json_integer_value(json_object_get(item, "id")) != id);
	resp_free(&r);
	/* A Shanghai officer cannot register a case on a Beijing firm. */
	http_json(officer_sh, "POST", "/api/v1/cases", json_pack("{s:I, s:i,"
	    " s:s, s:s, s:s, s:s}", "enterprise_id", (json_int_t)ent_bj,
	    "campaign_id", 2026, "category", "cement", "domain", "production",
	    "source", "spot_check", "problem", "越权"), NULL, &r);
	assert_problem_field(&r, 422, "enterprise_id");
	resp_free(&r);
	/* The county officer sees his county's case. */
	{
		struct client *dc = client_login("officer.dc", DEMO_PASSWORD);

		p = fmt("/api/v1/cases/%lld", id);
		http_get(dc, p, &r);
		assert_status(&r, 200);
		resp_free(&r);
		free(p);
		client_free(dc);
	}
}

/* A member of case `id` as `c` sees it (a new reference). */
static json_t *
case_member(struct client *c, long long id, const char *key)
{
	char		*path = fmt("/api/v1/cases/%lld", id);
	struct resp	 r;
	json_t		*v;

	http_get(c, path, &r);
	assert_status(&r, 200);
	v = json_incref(json_object_get(r.json, key));
	resp_free(&r);
	free(path);
	return v;
}

/* Whether case `id`'s member `key` is the string `want`. */
static void
assert_case_string(long long id, const char *key, const char *want)
{
	json_t	*v = case_member(officer, id, key);

	assert_non_null(json_string_value(v));
	assert_string_equal(json_string_value(v), want);
	json_decref(v);
}

/*
 * Issue 19: a registration fact corrected by the event `correct` -- a
 * proposal that changes nothing until a legal user other than the
 * proposer approves; then the case's category, source and risk level
 * are the corrected ones, verify replays them, and the statistics count
 * the new category.  Bad corrections are refused, naming the field,
 * and change nothing.
 */
static void
test_correct(void **state)
{
	char		*sh = province_category("310000", "sh_fix_");
	struct resp	 r;
	long long	 id = case_make(officer, ent_bj, "更正测试");
	char		*path;
	int		 v, n;

	(void)state;
	v = version_of(officer, id, NULL, 0);
	n = (int)events_count(id);
	/* Nothing to correct, bad values, another province's category. */
	transition(officer, id, v, "correct", json_pack("{s:s}", "reason",
	    "无"), NULL, &r);
	assert_problem_field(&r, 422, "payload");
	resp_free(&r);
	transition(officer, id, v, "correct", json_pack("{s:s, s:s, s:s,"
	    " s:s}", "reason", "错", "domain", "retail", "source", "rumour",
	    "risk_level", "extreme"), NULL, &r);
	assert_problem_field(&r, 422, "domain");
	assert_problem_field(&r, 422, "source");
	assert_problem_field(&r, 422, "risk_level");
	resp_free(&r);
	transition(officer, id, v, "correct", json_pack("{s:s, s:s}", "reason",
	    "错", "category", sh), NULL, &r);
	assert_problem_field(&r, 422, "category");
	resp_free(&r);
	transition(officer, id, v, "correct", json_pack("{s:s, s:s}", "reason",
	    "错", "category", "no_such_category"), NULL, &r);
	assert_problem_field(&r, 422, "category");
	resp_free(&r);
	transition(officer, id, v, "correct", json_pack("{s:s, s:s}", "reason",
	    "错", "colour", "red"), NULL, &r);
	assert_problem_field(&r, 422, "colour");
	resp_free(&r);
	assert_int_equal(version_of(officer, id, NULL, 0), v);
	assert_int_equal(events_count(id), n);

	/* A proposal: the case is as it was until legal approves. */
	transition(officer, id, v, "correct", json_pack("{s:s, s:s, s:s, s:s}",
	    "reason", "登记时产品类别和来源选错", "category", "fireworks",
	    "source", "complaint", "risk_level", "high"), NULL, &r);
	assert_status(&r, 202);
	resp_free(&r);
	assert_case_string(id, "category", "cement");
	assert_case_string(id, "source", "spot_check");
	/* Four eyes: not the proposer, even holding legal. */
	decide(officer, id, v + 1, "approve", &r);
	assert_problem(&r, 403);
	resp_free(&r);
	decide(legal, id, v + 1, "approve", &r);
	assert_status(&r, 200);
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "state")), "detected");
	resp_free(&r);
	assert_case_string(id, "category", "fireworks");
	assert_case_string(id, "source", "complaint");
	assert_case_string(id, "risk_level", "high");
	assert_case_string(id, "domain", "production");
	assert_case_string(id, "problem", "更正测试");
	path = fmt("/api/v1/audit/verify?case=%lld", id);
	http_get(auditor, path, &r);
	assert_status(&r, 200);
	assert_true(json_is_true(json_object_get(r.json, "ok")));
	resp_free(&r);
	free(path);

	/* The problem text alone, then rejected: nothing changes. */
	v = version_of(officer, id, NULL, 0);
	transition(officer, id, v, "correct", json_pack("{s:s, s:s}", "reason",
	    "描述有误", "problem", "更正后的问题描述"), NULL, &r);
	assert_status(&r, 202);
	resp_free(&r);
	decide(legal, id, v + 1, "reject", &r);
	assert_status(&r, 200);
	resp_free(&r);
	assert_case_string(id, "problem", "更正测试");

	/* The row may not change without an approved correction. */
	{
		PGconn		*db = db_app();
		PGresult	*res;
		char		*sql = fmt("SELECT case_correct(%lld, %d,"
				    " '{\"category\": \"cement\"}')", id,
				    version_of(officer, id, NULL, 0));

		db_scope_as(db, officer);
		res = PQexec(db, sql);
		if (PQresultStatus(res) != PGRES_FATAL_ERROR)
			fail_msg("case_correct() took a case whose last event"
			    " is not an approved correction");
		PQclear(res);
		free(sql);
		PQfinish(db);
	}
	assert_case_string(id, "category", "fireworks");
	free(sh);
}

static void
test_list_filters(void **state)
{
	struct resp	 r;
	char		*word = unique_words("列表过滤");	/* this run's */
	char		*pa = fmt("%s甲", word), *pb = fmt("%s乙", word);
	long long	 a = case_make(officer, ent_bj, pa);
	long long	 b = case_make(officer, ent_bj, pb);
	char		*q = curl_easy_escape(NULL, word, 0);
	char		*p, *next = NULL;
	json_t		*items;

	p = fmt("/api/v1/cases?q=%s&limit=1", q);
	http_get(officer, p, &r);
	free(p);
	assert_status(&r, 200);
	items = json_object_get(r.json, "items");
	assert_int_equal(json_array_size(items), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items,
	    0), "id")), b);
	assert_true(json_is_string(json_object_get(r.json, "next_cursor")));
	next = strdup(json_string_value(json_object_get(r.json, "next_cursor")));
	resp_free(&r);
	p = fmt("/api/v1/cases?q=%s&limit=1&cursor=%s", q, next);
	http_get(officer, p, &r);
	assert_status(&r, 200);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    json_object_get(r.json, "items"), 0), "id")), a);
	resp_free(&r);
	free(p);
	free(next);
	/* Counts per state under the same filters. */
	p = fmt("/api/v1/cases/counts?q=%s", q);
	http_get(officer, p, &r);
	free(p);
	assert_status(&r, 200);
	assert_int_equal(json_integer_value(json_object_get(r.json, "total")), 2);
	items = json_object_get(r.json, "items");
	assert_int_equal(json_array_size(items), 9);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    items, 0), "state")), "detected");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    items, 0), "count")), 2);
	resp_free(&r);
	curl_free(q);
	free(pa);
	free(pb);
	free(word);
	http_get(officer, "/api/v1/cases/counts?cursor=5", &r);
	assert_problem(&r, 400);
	resp_free(&r);
	/* Unknown filters and bad values are refused. */
	http_get(officer, "/api/v1/cases?colour=red", &r);
	assert_problem(&r, 400);
	resp_free(&r);
	http_get(officer, "/api/v1/cases?state=flying", &r);
	assert_problem(&r, 400);
	resp_free(&r);
	http_get(officer, "/api/v1/cases?limit=100000", &r);
	assert_problem(&r, 400);
	resp_free(&r);
	http_get(officer, "/api/v1/cases?state=detected&overdue=false"
	    "&lookback_due=false&campaign=2026&category=cement&region=110000",
	    &r);
	assert_status(&r, 200);
	resp_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_event),
		cmocka_unit_test(test_four_eyes),
		cmocka_unit_test(test_preconditions),
		cmocka_unit_test(test_undeclared_payload_keys),
		cmocka_unit_test(test_category_province),
		cmocka_unit_test(test_correct),
		cmocka_unit_test(test_idempotency),
		cmocka_unit_test(test_region_isolation),
		cmocka_unit_test(test_list_filters),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("e2e-cases", tests, setup, teardown);
}
