/*
 * e2e-national.c: two provinces and the national database, three stacks
 * of their own (PAICHA_PROVINCE=110000, PAICHA_PROVINCE=310000,
 * PAICHA_NATIONAL=1), joined by PostgreSQL logical replication (./run
 * subscribe).  Cases are made through each province's API, some before
 * the national database subscribes (its initial copy), most after
 * (streamed).  What must hold:
 *
 *  - every province's ids lie in its own range, so nothing collides:
 *    the national copy has every case and event of both, with the same
 *    ids and hashes, and no apply or sync error;
 *  - the national statistics form is the sum of the provinces' (and
 *    its part for one province is that province's form);
 *  - the national roll-up of the provinces' submissions is their
 *    frozen forms added up;
 *  - every hash chain verifies in the national copy (and the check
 *    finds a tampered copy), every stream's: the provinces' users' and
 *    enterprises' events arrive as their cases' do, each a leaf of the
 *    national database's own signed log, and its verify says ok;
 *  - a referral from Beijing to Shanghai crosses between their
 *    databases (./run peer): made on Beijing's, decided on Shanghai's
 *    by Shanghai's officer, the decision back on Beijing's -- also when
 *    Shanghai's database was down as it was made -- and the national
 *    record has each province's half (issue 17).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "instance.h"

#define NPROV	2

static const struct {
	const char	*name, *code, *county, *officer, *legal, *city;
} provs[NPROV] = {
	{ "p110000", "110000", "110101", "officer.bj", "legal.bj", "北京" },
	{ "p310000", "310000", "310101", "officer.sh", "legal.sh", "上海" },
};

static struct inst	 P[NPROV], N;
static struct client	*officer[NPROV], *legal[NPROV];
static long long	 ent[NPROV];
static int		 ncases[NPROV];

static int
setup(void **state)
{
	int	 i;

	/* Three stacks at once: most of their start is waiting. */
	inst_start(&P[0], provs[0].name, "PAICHA_PROVINCE=110000 PAICHA_THREADS=4");
	inst_start(&P[1], provs[1].name, "PAICHA_PROVINCE=310000 PAICHA_THREADS=4");
	inst_start(&N, "national", "PAICHA_NATIONAL=1 PAICHA_THREADS=4");
	inst_wait(&P[0]);
	inst_wait(&P[1]);
	inst_wait(&N);
	for (i = 0; i < NPROV; i++) {
		officer[i] = inst_login(&P[i], provs[i].officer);
		legal[i] = inst_login(&P[i], provs[i].legal);
		ent[i] = inst_enterprise(&P[i], provs[i].county,
		    provs[i].code[0] == '1' ? "北京东城全国汇总测试厂" :
		    "上海黄浦全国汇总测试厂");
	}
	return 0;
}

static int
teardown(void **state)
{
	int	 i;

	for (i = 0; i < NPROV; i++) {
		client_free(officer[i]);
		client_free(legal[i]);
	}
	/* The national database first: its subscriptions hold slots. */
	inst_stop(&N);
	for (i = 0; i < NPROV; i++)
		inst_stop(&P[i]);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Cases through a province's API                                     */
/* ------------------------------------------------------------------ */

static long long
case_new(int p, const char *category, const char *problem, int *version)
{
	struct resp	 r;
	long long	 id;

	http_json(officer[p], "POST", "/api/v1/cases", json_pack("{s:I, s:i,"
	    " s:s, s:s, s:s, s:s}", "enterprise_id", (json_int_t)ent[p],
	    "campaign_id", 2026, "category", category, "domain", "production",
	    "source", "spot_check", "problem", problem), NULL, &r);
	assert_status(&r, 201);
	id = json_integer_value(json_object_get(r.json, "id"));
	*version = (int)json_integer_value(json_object_get(r.json, "version"));
	resp_free(&r);
	ncases[p]++;
	return id;
}

/*
 * `event` on case `id` by `c`, approved by `approver` when it needs it;
 * asserts the state reached; updates *version.
 */
static void
step(struct client *c, struct client *approver, long long id, int *version,
    const char *event, json_t *payload, const char *want)
{
	char		*path = fmt("/api/v1/cases/%lld/transitions", id);
	char		*im = fmt("If-Match: \"%d\"", *version);
	const char	*h[2] = { im, NULL };
	struct resp	 r;

	http_json(c, "POST", path, json_pack("{s:s, s:o}", "event", event,
	    "payload", payload != NULL ? payload : json_object()), h, &r);
	free(path);
	free(im);
	if (approver != NULL) {
		assert_status(&r, 202);
		*version = (int)json_integer_value(json_object_get(r.json,
		    "version"));
		resp_free(&r);
		path = fmt("/api/v1/cases/%lld/approval", id);
		im = fmt("If-Match: \"%d\"", *version);
		h[0] = im;
		http_json(approver, "POST", path, json_pack("{s:s, s:s}",
		    "decision", "approve", "comment", "同意"), h, &r);
		free(path);
		free(im);
	}
	assert_status(&r, 200);
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "state")), want);
	*version = (int)json_integer_value(json_object_get(r.json, "version"));
	resp_free(&r);
}

static int	 nacts[NPROV];

/* POST an activity (the body stolen); 0 when this build has none. */
static int
activity(int p, json_t *body)
{
	struct resp	 r;
	long		 st;

	json_object_set_new(body, "campaign_id", json_integer(2026));
	json_object_set_new(body, "category", json_string("cement"));
	json_object_set_new(body, "on", json_string(cst_day(0)));
	st = http_json(officer[p], "POST", "/api/v1/activities", body, NULL,
	    &r);
	/* The front line's answer for a route it does not have. */
	if (st == 404 && json_string_value(json_object_get(r.json, "detail"))
	    != NULL && strcmp(json_string_value(json_object_get(r.json,
	    "detail")), "no such resource") == 0) {
		resp_free(&r);
		return 0;
	}
	assert_status(&r, 201);
	resp_free(&r);
	nacts[p]++;
	return 1;
}

/* One activity of each kind, when the build has activities. */
static void
activities(int p)
{
	json_int_t	 e = (json_int_t)ent[p];

	if (!activity(p, json_pack("{s:s, s:I, s:s, s:b}", "kind",
	    "inspection", "enterprise_id", e, "domain", "production",
	    "problems_found", 1)))
		return;
	activity(p, json_pack("{s:s, s:I, s:s, s:i, s:i}", "kind",
	    "spot_check", "enterprise_id", e, "domain", "circulation",
	    "batches", 5, "failed_batches", 1));
	activity(p, json_pack("{s:s, s:s, s:s}", "kind", "risk_info",
	    "region", provs[p].county, "summary", "网络舆情反映质量问题"));
	activity(p, json_pack("{s:s, s:s, s:i, s:i}", "kind",
	    "risk_monitoring", "region", provs[p].county, "batches", 3,
	    "problems_found", 2));
	activity(p, json_pack("{s:s, s:I, s:i, s:s}", "kind", "assistance",
	    "enterprise_id", e, "problems_solved", 2, "output_gain",
	    "12000.00"));
}

static int	 nstream[NPROV];

/*
 * Other streams than cases' through province p's API: an enterprise
 * registered and its address changed (two events), a user made by the
 * province's admin (one).
 */
static void
province_streams(int p)
{
	struct client	*padmin = inst_login(&P[p], "admin");
	const char	*h[] = { "If-Match: \"1\"", NULL };
	struct resp	 r;
	char		 uscc[19], *name = unique_name("全国汇总流测试企业");
	char		*path;
	long long	 id;

	uscc_unique_in(provs[p].county, uscc);
	http_json(officer[p], "POST", "/api/v1/enterprises", json_pack(
	    "{s:s, s:s, s:s}", "uscc", uscc, "name", name, "region",
	    provs[p].county), NULL, &r);
	assert_status(&r, 201);
	id = json_integer_value(json_object_get(r.json, "id"));
	resp_free(&r);
	path = fmt("/api/v1/enterprises/%lld", id);
	http_json(officer[p], "PATCH", path, json_pack("{s:s}", "address",
	    "全国汇总流测试地址"), h, &r);
	assert_status(&r, 200);
	resp_free(&r);
	free(path);
	free(name);
	name = unique_name("stream.n");
	http_json(padmin, "POST", "/api/v1/users", json_pack("{s:s, s:s, s:s,"
	    " s:[s], s:s}", "username", name, "display_name", name, "region",
	    provs[p].county, "roles", "officer", "password", FIXTURE_PASSWORD),
	    NULL, &r);
	assert_status(&r, 201);
	resp_free(&r);
	free(name);
	client_free(padmin);
	nstream[p] += 3;
}

/*
 * Province p's share of work: a penalty (fine `fine` yuan), an
 * interview, a judicial and a discipline transfer, and plain cases;
 * and events of its other streams.
 */
static void
province_work(int p, const char *fine, int plain)
{
	long long	 id;
	int		 v, i;

	id = case_new(p, "cement", "罚款", &v);
	step(officer[p], legal[p], id, &v, "publish_credit", json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:b}", "decision_no", "罚〔2026〕1号",
	    "fine_amount", fine, "confiscation_amount", "200.25",
	    "case_value", "9000.00", "published_on", cst_day(0), "serious_list",
	    0), "credit_publication");
	id = case_new(p, "wires_cables", "约谈", &v);
	step(officer[p], NULL, id, &v, "hold_interview", json_pack(
	    "{s:s, s:[s], s:s}", "held_on", cst_day(0), "attendees", "法定代表人",
	    "minutes", "约谈纪要"), "interview");
	id = case_new(p, "wires_cables", "移送公安", &v);
	step(officer[p], legal[p], id, &v, "transfer_judicial", json_pack(
	    "{s:s, s:s, s:[s, s, s, s, s]}", "receiving_organ", "公安局",
	    "reason", "涉嫌犯罪", "documents", "transfer_letter",
	    "investigation_report", "evidence_list", "inspection_report",
	    "other_materials"), "transfer_judicial");
	id = case_new(p, "gas_appliances", "移送纪检", &v);
	step(officer[p], legal[p], id, &v, "transfer_discipline", json_pack(
	    "{s:s, s:s}", "receiving_organ", "纪委监委", "clue_summary",
	    "线索"), "transfer_discipline");
	activities(p);
	province_streams(p);
	for (i = 0; i < plain; i++) {
		id = case_new(p, "fireworks", "登记", &v);
		step(officer[p], NULL, id, &v, "add_note", json_pack("{s:s}",
		    "text", "备注"), "detected");
	}
}

/* ------------------------------------------------------------------ */
/* The statistics form, in SQL over the cases                         */
/* ------------------------------------------------------------------ */

#define FORM_COLS	7
#define MAX_CATS	16

struct form {
	char		 cat[MAX_CATS][48];
	long long	 v[MAX_CATS][FORM_COLS];	/* money in fen */
	int		 n;
};

static const char *const form_cols[FORM_COLS] = {
	"cases", "penalties", "forfeit", "case_value", "judicial",
	"discipline", "interviewed"
};

/*
 * The form's case columns for campaign 2026 as API.md defines them,
 * over the cases whose region starts with `prefix` ("" for all).
 */
static void
form_sql(const struct inst *in, const char *prefix, struct form *f)
{
	PGconn		*db = inst_db(in, "postgres", 0);
	const char	*p[1] = { prefix };
	PGresult	*res;
	int		 i, c;

	res = PQexecParams(db,
	    "SELECT category, count(*) AS cases,"
	    " count(*) FILTER (WHERE penalty_decided_at IS NOT NULL) AS penalties,"
	    " (100 * coalesce(sum(fine_amount + confiscation_amount)"
	    "   FILTER (WHERE penalty_decided_at IS NOT NULL), 0))::bigint AS forfeit,"
	    " (100 * coalesce(sum(case_value)"
	    "   FILTER (WHERE penalty_decided_at IS NOT NULL), 0))::bigint AS case_value,"
	    " count(*) FILTER (WHERE judicial_transferred_at IS NOT NULL) AS judicial,"
	    " count(*) FILTER (WHERE discipline_transferred_at IS NOT NULL) AS discipline,"
	    " count(DISTINCT enterprise_id) FILTER (WHERE interviews > 0) AS interviewed"
	    " FROM cases WHERE campaign_id = 2026 AND region LIKE $1 || '%'"
	    " GROUP BY category ORDER BY category", 1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fail_msg("form: %s", PQerrorMessage(db));
	memset(f, 0, sizeof(*f));
	for (i = 0; i < PQntuples(res) && i < MAX_CATS; i++) {
		snprintf(f->cat[i], sizeof(f->cat[i]), "%.47s",
		    PQgetvalue(res, i, 0));
		for (c = 0; c < FORM_COLS; c++)
			f->v[i][c] = strtoll(PQgetvalue(res, i,
			    PQfnumber(res, form_cols[c])), NULL, 10);
	}
	f->n = i;
	PQclear(res);
	PQfinish(db);
}

static void
form_add(struct form *sum, const struct form *f)
{
	int	 i, j, c;

	for (i = 0; i < f->n; i++) {
		for (j = 0; j < sum->n; j++)
			if (strcmp(sum->cat[j], f->cat[i]) == 0)
				break;
		if (j == sum->n) {
			assert_true(sum->n < MAX_CATS);
			memcpy(sum->cat[j], f->cat[i], sizeof(sum->cat[j]));
			sum->n++;
		}
		for (c = 0; c < FORM_COLS; c++)
			sum->v[j][c] += f->v[i][c];
	}
}

/* Equal as sets of rows; prints the first difference. */
static int
form_equal(const struct form *a, const struct form *b, const char *what)
{
	int	 i, j, c;

	if (a->n != b->n) {
		printf("%s: %d categories against %d\n", what, a->n, b->n);
		return 0;
	}
	for (i = 0; i < a->n; i++) {
		for (j = 0; j < b->n; j++)
			if (strcmp(a->cat[i], b->cat[j]) == 0)
				break;
		if (j == b->n) {
			printf("%s: no %s\n", what, a->cat[i]);
			return 0;
		}
		for (c = 0; c < FORM_COLS; c++)
			if (a->v[i][c] != b->v[j][c]) {
				printf("%s: %s %s %lld against %lld\n", what,
				    a->cat[i], form_cols[c], a->v[i][c],
				    b->v[j][c]);
				return 0;
			}
	}
	return 1;
}

/* A cell's value: counts are numbers, money strings ("1234.50"). */
static double
cell_value(const json_t *c)
{
	return json_is_string(c) ? strtod(json_string_value(c), NULL) :
	    json_number_value(c);
}

/* The row of `form` named `name` (its first cell), or NULL. */
static json_t *
form_row(json_t *form, const char *name)
{
	json_t	*row;
	size_t	 k;

	json_array_foreach(json_object_get(form, "rows"), k, row)
		if (strcmp(json_string_value(json_array_get(row, 0)), name) == 0)
			return row;
	return NULL;
}

/*
 * The national form (API) against the provinces': every row of every
 * province is in it, and each of its cells is the sum of the provinces'
 * (a row a province lacks -- another province's own category -- counts
 * 0 there).  同比变化 is a difference of rates, not a sum: left out.
 */
static void
form_api_sum(json_t *nf, json_t **pf)
{
	json_t		*cols = json_object_get(nf, "columns"), *row, *cell;
	json_t		*pr;
	const char	*name, *head;
	double		 want;
	size_t		 k, c;
	int		 i;

	for (i = 0; i < NPROV; i++)
		json_array_foreach(json_object_get(pf[i], "rows"), k, row)
			if (form_row(nf, json_string_value(json_array_get(row,
			    0))) == NULL)
				fail_msg("the national form has no row %s",
				    json_string_value(json_array_get(row, 0)));
	json_array_foreach(json_object_get(nf, "rows"), k, row) {
		name = json_string_value(json_array_get(row, 0));
		json_array_foreach(row, c, cell) {
			head = json_string_value(json_array_get(cols, c));
			if (c == 0 || strstr(head, "同比") != NULL)
				continue;
			want = 0;
			for (i = 0; i < NPROV; i++)
				if ((pr = form_row(pf[i], name)) != NULL)
					want += cell_value(json_array_get(pr, c));
			if (want < cell_value(cell) - 0.001 ||
			    want > cell_value(cell) + 0.001)
				fail_msg("national form %s / %s: %g, the"
				    " provinces' sum %g", name, head,
				    cell_value(cell), want);
		}
	}
}

/* ------------------------------------------------------------------ */
/* The national copy                                                  */
/* ------------------------------------------------------------------ */

/* The events of case ids [lo, hi]: "count md5" over (case, seq, hash). */
static char *
events_digest(const struct inst *in, const char *lo, const char *hi)
{
	PGconn	*db = inst_db(in, "postgres", 0);
	char	*v = db_value(db, "SELECT count(*) || ' ' || coalesce(md5("
	    "string_agg(case_id || ':' || seq || ':' || encode(hash, 'hex'),"
	    " ',' ORDER BY case_id, seq)), '-') FROM case_events"
	    " WHERE case_id BETWEEN $1 AND $2", lo, hi, NULL);

	PQfinish(db);
	return v;
}

/*
 * The events of the other streams of entity ids [lo, hi] (users,
 * enterprises: a province's ids): "count md5" over (entity, id, seq,
 * hash).
 */
static char *
streams_digest(const struct inst *in, const char *lo, const char *hi)
{
	PGconn	*db = inst_db(in, "postgres", 0);
	char	*v = db_value(db, "SELECT count(*) || ' ' || coalesce(md5("
	    "string_agg(entity || ':' || entity_id || ':' || seq || ':'"
	    " || encode(hash, 'hex'), ',' ORDER BY entity, entity_id, seq)),"
	    " '-') FROM ledger_events WHERE entity_id BETWEEN $1 AND $2", lo,
	    hi, NULL);

	PQfinish(db);
	return v;
}

/*
 * The rows of `table` (cases, activities) with ids [lo, hi]: "count md5"
 * over every column; "-" when the table is not in this build.
 */
static char *
rows_digest(const struct inst *in, const char *table, const char *lo,
    const char *hi)
{
	PGconn	*db = inst_db(in, "postgres", 0);
	char	*sql = fmt("SELECT count(*) || ' ' || coalesce(md5(string_agg("
	    "t::text, ',' ORDER BY id)), '-') FROM %s t WHERE id BETWEEN $1"
	    " AND $2", table);
	char	*v, *exists = db_value(db, "SELECT to_regclass($1) IS NOT NULL",
	    table, NULL);

	v = strcmp(exists, "t") == 0 ? db_value(db, sql, lo, hi, NULL) :
	    strdup("-");
	free(exists);
	free(sql);
	PQfinish(db);
	return v;
}

/*
 * Recompute every chain in `table` (a copy of case_events): each hash
 * from its record with the SQL event_hash() the insert trigger uses,
 * each prev_hash the hash before it, seqs 1, 2, ...  "checked bad".
 */
static char *
verify_sql(PGconn *db, const char *table)
{
	char	*sql = fmt("WITH e AS (SELECT case_id, seq, prev_hash, hash,"
	    " record, lag(hash) OVER w AS prev_row, lag(seq) OVER w AS prev_seq"
	    " FROM %s WINDOW w AS (PARTITION BY case_id ORDER BY seq))"
	    " SELECT count(*) || ' ' || count(*) FILTER (WHERE"
	    " hash <> event_hash(case_id, seq, prev_hash, record)"
	    " OR prev_hash <> coalesce(prev_row, decode(repeat('00', 32), 'hex'))"
	    " OR seq <> coalesce(prev_seq, 0) + 1) FROM e", table);
	char	*v = db_value(db, sql, NULL);

	free(sql);
	return v;
}

/*
 * Wait until the national copy of province p equals the province; the
 * seconds from `since` until it did.
 */
static double
national_caught_up(int p, double since)
{
	char	*lo = fmt("%d0000000000001", atoi(provs[p].code) / 10000);
	char	*hi = fmt("%d0000000000000", atoi(provs[p].code) / 10000 + 1);
	char	*want_e = events_digest(&P[p], lo, hi);
	char	*want_c = rows_digest(&P[p], "cases", lo, hi);
	char	*want_a = rows_digest(&P[p], "activities", lo, hi);
	char	*want_s = streams_digest(&P[p], lo, hi);
	char	*have_e = NULL, *have_c = NULL, *have_a = NULL;
	char	*have_s = NULL;
	char	*syncing = NULL;
	double	 t0 = now_seconds();
	PGconn	*db = inst_db(&N, "postgres", 0);

	for (;;) {
		free(have_e);
		free(have_c);
		free(have_a);
		free(have_s);
		free(syncing);
		have_e = events_digest(&N, lo, hi);
		have_c = rows_digest(&N, "cases", lo, hi);
		have_a = rows_digest(&N, "activities", lo, hi);
		have_s = streams_digest(&N, lo, hi);
		/* Every table's initial copy done (users, categories ...). */
		syncing = db_value(db, "SELECT count(*) FROM pg_subscription_rel"
		    " WHERE srsubstate <> 'r'", NULL);
		if (strcmp(have_e, want_e) == 0 && strcmp(have_c, want_c) == 0 &&
		    strcmp(have_a, want_a) == 0 && strcmp(have_s, want_s) == 0 &&
		    strcmp(syncing, "0") == 0)
			break;
		if (now_seconds() - t0 > 60)
			fail_msg("province %s: after 60 s the national copy has"
			    " events %s, cases %s, activities %s, streams %s;"
			    " the province %s, %s, %s, %s; %s tables still"
			    " copying", provs[p].code, have_e, have_c, have_a,
			    have_s, want_e, want_c, want_a, want_s, syncing);
		usleep(20000);
	}
	t0 = now_seconds() - since;
	free(syncing);
	PQfinish(db);
	free(lo);
	free(hi);
	if (atoi(want_s) < nstream[p])
		fail_msg("province %s: %s events of other streams, want at"
		    " least %d", provs[p].code, want_s, nstream[p]);
	free(want_e);
	free(want_c);
	free(want_a);
	free(want_s);
	free(have_e);
	free(have_c);
	free(have_a);
	free(have_s);
	return t0;
}

/* ------------------------------------------------------------------ */
/* The test                                                           */
/* ------------------------------------------------------------------ */

/*
 * The national roll-up of the provinces' submissions (issue 19): each
 * province's coordinator files the annual summary on its own stack;
 * once the national copy has both, coord.nat's roll-up there is their
 * frozen forms added up, cell by cell, each named as its province's
 * standing submission.
 */
static void
submissions_roll_up(PGconn *ndb)
{
	struct client	*admin, *coord[NPROV], *cnat;
	struct resp	 r;
	json_t		*sub[NPROV], *ru;
	const json_t	*forms[NPROV], *subs[NPROV];
	char		*ids, *v;
	double		 t0;
	int		 i, cells;

	coord[0] = inst_login(&P[0], "coord.bj");
	admin = inst_login(&P[1], "admin");
	fixture_user(admin, "coord.sh", "310000", "[\"coordinator\"]");
	client_free(admin);
	coord[1] = client_login_at(P[1].url, P[1].ca, "coord.sh",
	    FIXTURE_PASSWORD);
	for (i = 0; i < NPROV; i++) {
		http_json(coord[i], "POST", "/api/v1/campaigns/2026/submissions",
		    json_pack("{s:s, s:s}", "kind", "annual", "summary",
		    provs[i].city), NULL, &r);
		assert_status(&r, 201);
		sub[i] = json_incref(r.json);
		resp_free(&r);
		forms[i] = json_object_get(sub[i], "form");
		subs[i] = sub[i];
		client_free(coord[i]);
	}
	ids = fmt("{%lld,%lld}", (long long)json_integer_value(
	    json_object_get(sub[0], "id")), (long long)json_integer_value(
	    json_object_get(sub[1], "id")));
	t0 = now_seconds();
	for (;;) {
		v = db_value(ndb, "SELECT count(*) FROM submissions"
		    " WHERE id = ANY ($1::bigint[])", ids, NULL);
		if (atoi(v) == NPROV)
			break;
		free(v);
		if (now_seconds() - t0 > 30)
			fail_msg("the submissions took over 30 s to arrive");
		usleep(10000);
	}
	free(v);
	free(ids);
	cnat = inst_login(&N, "coord.nat");
	http_get(cnat, "/api/v1/campaigns/2026/rollup?kind=annual", &r);
	assert_status(&r, 200);
	ru = json_incref(r.json);
	resp_free(&r);
	client_free(cnat);
	cells = rollup_matches(ru, forms, NPROV);
	assert_true(cells > 200);
	assert_int_equal(rollup_standing(ru, subs, NPROV), NPROV);
	printf("national: the roll-up of the provinces' annual submissions"
	    " equals their frozen forms added up (%d cells), each province's"
	    " standing submission named\n", cells);
	json_decref(ru);
	for (i = 0; i < NPROV; i++)
		json_decref(sub[i]);
}

static void
test_provinces_roll_up(void **state)
{
	struct form	 fp[NPROV], sum, nat, part;
	PGconn		*db;
	struct client	*nadmin;
	struct resp	 r;
	char		*v, *w, *conn, *args, *lo, *hi, prefix[3];
	double		 t0, lag, last;
	int		 i, api;

	/* Before the subscriptions: the national database copies these. */
	province_work(0, "1000.50", 1);
	db = inst_db(&P[0], "postgres", 0);
	db_do(db, "INSERT INTO categories (id, name, ord, province) VALUES"
	    " ('p11_lithium', '北京锂电池', 100, '110000')");
	PQfinish(db);
	t0 = now_seconds();
	for (i = 0; i < NPROV; i++) {
		conn = fmt("host=%s/pg/run dbname=paicha user=paicha_repl",
		    P[i].var);
		args = fmt("subscribe %s '%s'", provs[i].code, conn);
		assert_int_equal(inst_run(&N, args), 0);
		free(args);
		free(conn);
	}
	printf("national: subscribed to %d provinces in %.1f s\n", NPROV,
	    now_seconds() - t0);
	/* After them: streamed. */
	province_work(0, "300.00", 3);
	province_work(1, "2500.00", 2);
	{
		long long	 id;
		int		 ver;

		id = case_new(0, "p11_lithium", "本省重点产品", &ver);
		(void)id;
	}
	last = now_seconds();
	for (i = 0; i < NPROV; i++) {
		lag = national_caught_up(i, last);
		printf("national: province %s's %d cases and their events"
		    " identical in the national copy %.2f s after the last"
		    " write\n", provs[i].code, ncases[i], lag);
	}

	/* Steady streaming: one write, until the national copy has it. */
	{
		PGconn	*nd = inst_db(&N, "postgres", 0);
		long long id;
		int	 ver, k;
		double	 worst = 0, total = 0, t;
		char	*ids, *n;

		id = case_new(1, "fireworks", "流复制时延", &ver);
		national_caught_up(1, now_seconds());
		ids = fmt("%lld", id);
		for (k = 1; k <= 20; k++) {
			step(officer[1], NULL, id, &ver, "add_note", json_pack(
			    "{s:s}", "text", "时延"), "detected");
			t = now_seconds();
			for (;;) {
				n = db_value(nd, "SELECT count(*) FROM case_events"
				    " WHERE case_id = $1", ids, NULL);
				if (atoi(n) == k + 1)
					break;
				free(n);
				if (now_seconds() - t > 30)
					fail_msg("a note took over 30 s to arrive");
				usleep(1000);
			}
			free(n);
			t = now_seconds() - t;
			total += t;
			if (t > worst)
				worst = t;
		}
		printf("national: 20 events streamed from province 310000, each"
		    " in the national copy %.1f ms after its answer on average,"
		    " %.1f ms at worst\n", total / 20 * 1e3, worst * 1e3);
		free(ids);
		PQfinish(nd);
	}

	/* Ids: each province's own range; nothing lost to a conflict. */
	for (i = 0; i < NPROV; i++) {
		db = inst_db(&P[i], "postgres", 0);
		lo = fmt("%d0000000000001", atoi(provs[i].code) / 10000);
		hi = fmt("%d0000000000000", atoi(provs[i].code) / 10000 + 1);
		v = db_value(db, "SELECT count(*) FILTER (WHERE id NOT BETWEEN"
		    " $1 AND $2) || ' ' || count(*) FROM cases", lo, hi, NULL);
		printf("national: province %s: case ids outside %s..%s /"
		    " cases: %s\n", provs[i].code, lo, hi, v);
		assert_int_equal(atoi(v), 0);
		free(v);
		free(lo);
		free(hi);
		PQfinish(db);
	}
	db = inst_db(&N, "postgres", 0);
	v = db_value(db, "SELECT count(*) FROM cases", NULL);
	assert_int_equal(atoi(v), ncases[0] + ncases[1]);
	free(v);
	v = db_value(db, "SELECT coalesce(sum(apply_error_count +"
	    " sync_error_count), 0) FROM pg_stat_subscription_stats", NULL);
	printf("national: %d cases = %d + %d, %d activities = %d + %d;"
	    " apply and sync errors: %s\n", ncases[0] + ncases[1], ncases[0],
	    ncases[1], nacts[0] + nacts[1], nacts[0], nacts[1], v);
	assert_int_equal(atoi(v), 0);
	free(v);
	v = db_value(db, "SELECT name FROM categories WHERE id = 'p11_lithium'",
	    NULL);
	assert_non_null(v);
	assert_string_equal(v, "北京锂电池");
	free(v);
	/* Province users came without their passwords. */
	v = db_value(db, "SELECT count(*) FILTER (WHERE password_hash IS NULL)"
	    " || ' ' || count(*) FROM users WHERE username = 'officer.bj'",
	    NULL);
	assert_string_equal(v, "2 3");
	free(v);

	/* The form: national = the sum; one province's part = its own. */
	memset(&sum, 0, sizeof(sum));
	for (i = 0; i < NPROV; i++) {
		form_sql(&P[i], "", &fp[i]);
		form_add(&sum, &fp[i]);
		snprintf(prefix, sizeof(prefix), "%.2s", provs[i].code);
		form_sql(&N, prefix, &part);
		assert_true(form_equal(&part, &fp[i], "national part"));
	}
	form_sql(&N, "", &nat);
	assert_true(form_equal(&nat, &sum, "national form"));
	printf("national: the form (SQL, %d categories) equals the sum of the"
	    " provinces', and each province's part its own\n", nat.n);

	/* Through the national API, when this build has the endpoints. */
	nadmin = inst_login(&N, "admin");
	http_get(nadmin, "/api/v1/reports/campaign/2026", &r);
	api = r.status;
	resp_free(&r);
	if (api == 200) {
		json_t	*nf, *pf[NPROV];

		http_get(nadmin, "/api/v1/reports/campaign/2026", &r);
		nf = json_incref(r.json);
		resp_free(&r);
		for (i = 0; i < NPROV; i++) {
			struct client *padmin = inst_login(&P[i], "admin");

			http_get(padmin, "/api/v1/reports/campaign/2026", &r);
			assert_status(&r, 200);
			pf[i] = json_incref(r.json);
			resp_free(&r);
			client_free(padmin);
		}
		form_api_sum(nf, pf);
		for (i = 0; i < NPROV; i++)
			json_decref(pf[i]);
		json_decref(nf);
		printf("national: GET /api/v1/reports/campaign/2026 nationally"
		    " equals the sum of the provinces' forms, row by row\n");
	} else
		printf("national: no report endpoint in this build (%d):"
		    " compared in SQL only\n", api);

	submissions_roll_up(db);

	/* Every chain verifies in the national copy. */
	v = verify_sql(db, "case_events");
	printf("national: chains recomputed with event_hash(): checked,"
	    " broken = %s\n", v);
	assert_int_equal(atoi(strchr(v, ' ') + 1), 0);
	w = db_value(db, "SELECT count(*) FROM case_events", NULL);
	assert_int_equal(atoi(v), atoi(w));
	free(w);
	free(v);
	/* Each case's head is its last event. */
	v = db_value(db, "SELECT count(*) FROM cases c WHERE NOT EXISTS ("
	    "SELECT FROM case_events e WHERE e.case_id = c.id"
	    " AND e.seq = c.last_seq AND e.hash = c.last_hash) OR EXISTS ("
	    "SELECT FROM case_events e WHERE e.case_id = c.id"
	    " AND e.seq > c.last_seq)", NULL);
	assert_string_equal(v, "0");
	free(v);
	/*
	 * Every other stream's chain too, with its own tag; the provinces'
	 * streams' events each a leaf of the national log.
	 */
	v = db_value(db, "SELECT count(*) || ' ' || count(*) FILTER (WHERE"
	    " hash <> ledger_hash('paicha/' || entity || '-event/v1',"
	    " entity_id, seq, prev_hash, record) OR prev_hash <> coalesce("
	    " prev_row, decode(repeat('00', 32), 'hex'))"
	    " OR seq <> coalesce(prev_seq, 0) + 1) FROM (SELECT *,"
	    " lag(hash) OVER w AS prev_row, lag(seq) OVER w AS prev_seq"
	    " FROM ledger_events WINDOW w AS (PARTITION BY entity, entity_id"
	    " ORDER BY seq)) e", NULL);
	printf("national: other streams' chains recomputed with ledger_hash():"
	    " checked, broken = %s\n", v);
	assert_true(atoi(v) >= nstream[0] + nstream[1]);
	assert_int_equal(atoi(strchr(v, ' ') + 1), 0);
	free(v);
	v = db_value(db, "SELECT count(*) FROM ledger_events e WHERE NOT"
	    " EXISTS (SELECT FROM log_leaves l WHERE l.entity = e.entity"
	    " AND l.case_id = e.entity_id AND l.seq = e.seq"
	    " AND l.leaf = e.hash)", NULL);
	assert_string_equal(v, "0");
	free(v);
	/* ... and the same check finds one changed record. */
	db_do(db, "CREATE TEMP TABLE tampered AS SELECT * FROM case_events");
	db_do(db, "UPDATE tampered SET record = record || ' '"
	    " WHERE (case_id, seq) = (SELECT case_id, seq FROM tampered"
	    " WHERE event = 'add_note' LIMIT 1)");
	v = verify_sql(db, "tampered");
	assert_int_equal(atoi(strchr(v, ' ') + 1), 1);
	free(v);
	http_get(nadmin, "/api/v1/audit/verify", &r);
	if (r.status == 200) {
		assert_true(json_is_true(json_object_get(r.json, "ok")));
		printf("national: GET /api/v1/audit/verify: %s\n", r.body);
	} else
		printf("national: no audit endpoint in this build (%ld):"
		    " verified in SQL\n", r.status);
	resp_free(&r);
	client_free(nadmin);
	PQfinish(db);
}

/*
 * Issue 17 across two provinces' databases (sql/0150, ./run peer): the
 * two provinces peer, each subscribing to the other's relay rows
 * addressed to it; a referral made before that arrives by the initial
 * copy.  Beijing's officer refers a case with a file to
 * 310000 on Beijing's database; Beijing's own copy of officer.sh cannot
 * decide it (409: it is decided over there).  It reaches Shanghai's
 * database: officer.sh, logged in there, has it in the incoming box with
 * its file (notified, as of a local one), which reads back byte for
 * byte, and accepts it -- a new case
 * of Shanghai's range, source "referral" -- once (a second accept:
 * 409).  Beijing's referral comes to say accepted, with the new case's
 * id, and its case a referred_to link to it.  A second referral is
 * returned on Shanghai with a reason, and Beijing sees the reason.  A
 * third is made while Shanghai's database is down; started again, it
 * arrives.  Then: the national copy has each province's half -- the
 * referrals and Beijing's links and streams from Beijing, the new case
 * and its link from Shanghai, Shanghai's copies of Beijing's rows
 * nowhere -- and no subscription of the three databases counts an apply
 * or sync error; each of the three verifies ok.
 */

static const char	 evidence[] = "e2e cross-province evidence\n";

/* Referral `id` as `c` sees it, once its state is not `open` (60 s). */
static json_t *
referral_decided_wait(struct client *c, long long id)
{
	struct resp	 r;
	json_t		*o;
	double		 t0 = now_seconds();

	for (;;) {
		http_get(c, fmt("/api/v1/referrals/%lld", id), &r);
		assert_status(&r, 200);
		if (strcmp(json_string_value(json_object_get(r.json, "state")),
		    "open") != 0)
			break;
		resp_free(&r);
		if (now_seconds() - t0 > 60)
			fail_msg("referral %lld: still open on the origin after"
			    " 60 s", id);
		usleep(100000);
	}
	o = json_incref(r.json);
	resp_free(&r);
	return o;
}

/* Referral `id` in `c`'s incoming box, open (waits up to 60 s). */
static json_t *
incoming_wait(struct client *c, long long id)
{
	struct resp	 r;
	json_t		*items, *it, *found = NULL;
	size_t		 i;
	double		 t0 = now_seconds();

	while (found == NULL) {
		/* After a database restart the service may first say 503. */
		http_get(c, "/api/v1/referrals?direction=incoming&state=open",
		    &r);
		items = r.status == 200 ? json_object_get(r.json, "items") :
		    NULL;
		json_array_foreach(items, i, it)
			if (json_integer_value(json_object_get(it, "id")) == id)
				found = json_incref(it);
		resp_free(&r);
		if (found == NULL && now_seconds() - t0 > 60)
			fail_msg("referral %lld: not in Shanghai's incoming box"
			    " after 60 s", id);
		if (found == NULL)
			usleep(100000);
	}
	return found;
}

/* A referral of a new Beijing case to 310000 naming enterprise `es`. */
static long long
refer(long long es, const char *reason, long long *file)
{
	const char	*h[] = { "Content-Type: text/plain", NULL };
	struct resp	 r;
	long long	 origin, ref;
	int		 ver;

	origin = case_new(0, "cement", "追查上游生产企业", &ver);
	http_raw(officer[0], "POST", fmt("/api/v1/cases/%lld/files?kind=other"
	    "&name=e2e.txt", origin), evidence, sizeof(evidence) - 1, h, &r);
	assert_status(&r, 201);
	*file = json_integer_value(json_object_get(r.json, "id"));
	resp_free(&r);
	http_json(officer[0], "POST", "/api/v1/referrals", json_pack("{s:I,"
	    " s:s, s:s, s:I, s:s, s:[I]}", "case_id", (json_int_t)origin,
	    "kind", "trace_upstream", "to_region", "310000", "enterprise_id",
	    (json_int_t)es, "reason", reason, "file_ids", (json_int_t)*file),
	    NULL, &r);
	assert_status(&r, 201);
	ref = json_integer_value(json_object_get(r.json, "id"));
	resp_free(&r);
	return ref;
}

/* /api/v1/audit/verify as `admin` on `in`: ok. */
static void
verify_ok(const struct inst *in)
{
	struct client	*admin = inst_login(in, "admin");
	struct resp	 r;

	http_get(admin, "/api/v1/audit/verify", &r);
	assert_status(&r, 200);
	if (!json_is_true(json_object_get(r.json, "ok")))
		fail_msg("%s: verify says %s", in->name, r.body);
	printf("%s: verify %s\n", in->name, r.body);
	resp_free(&r);
	client_free(admin);
}

/*
 * No subscription of the three databases counts an apply or sync error:
 * the national one's two, each province's one peer subscription.
 */
static void
subscription_errors_none(PGconn *nd, PGconn *const *pd)
{
	int	 p;

	db_expect(nd, "SELECT count(*) || ' ' || coalesce(sum("
	    "apply_error_count + sync_error_count), 0) FROM"
	    " pg_stat_subscription_stats", NULL, "2 0");
	for (p = 0; p < NPROV; p++)
		db_expect(pd[p], "SELECT count(*) || ' ' || coalesce(sum("
		    "apply_error_count + sync_error_count), 0) FROM"
		    " pg_stat_subscription_stats", NULL, "1 0");
}

static void
test_referral_relayed(void **state)
{
	struct client	*sh_bj = inst_login(&P[0], "officer.sh");
	PGconn		*nd = inst_db(&N, "postgres", 0), *pd[NPROV];
	struct resp	 r;
	json_t		*it, *o;
	long long	 es, es_bj, ref0, ref, ref2, ref3, ref4, nc, id;
	long long	 file, file2, file3;
	char		*conn, *args, *v, *ids, *lo[NPROV], *hi[NPROV];
	char		*want, *have;
	const char	*tables[] = { "referrals", "case_links", "cases" };
	double		 t0;
	size_t		 i, k;
	int		 p, linked;

	(void)state;
	/* The same enterprise (one code) registered on both databases. */
	pd[0] = inst_db(&P[0], "postgres", 0);
	pd[1] = inst_db(&P[1], "postgres", 0);
	es_bj = enterprise_insert(pd[0], 310101777UL, "310101",
	    "上海黄浦跨省移送测试厂");
	es = enterprise_insert(pd[1], 310101777UL, "310101",
	    "上海黄浦跨省移送测试厂");
	/* Made before the provinces peer: the initial copy brings it. */
	ref0 = refer(es_bj, "对等连接之前移送", &file);
	for (p = 0; p < NPROV; p++) {
		conn = fmt("host=%s/pg/run dbname=paicha user=paicha_repl",
		    P[1 - p].var);
		args = fmt("peer %s '%s'", provs[1 - p].code, conn);
		assert_int_equal(inst_run(&P[p], args), 0);
		free(args);
		free(conn);
		lo[p] = fmt("%d0000000000001", atoi(provs[p].code) / 10000);
		hi[p] = fmt("%d0000000000000", atoi(provs[p].code) / 10000 + 1);
	}
	json_decref(incoming_wait(officer[1], ref0));

	/* Beijing refers; Beijing's database does not decide for Shanghai. */
	ref = refer(es_bj, "生产企业在上海", &file);
	assert_true(ref >= 110000000000001LL && ref <= 120000000000000LL);
	http_get(sh_bj, fmt("/api/v1/referrals/%lld", ref), &r);
	assert_status(&r, 200);
	assert_true(json_is_false(json_object_get(r.json, "can_decide")));
	resp_free(&r);
	http_json(sh_bj, "POST", fmt("/api/v1/referrals/%lld/accept", ref),
	    json_pack("{}"), NULL, &r);
	assert_problem(&r, 409);
	resp_free(&r);

	/* Shanghai's database: the inbox, the file, the accept. */
	t0 = now_seconds();
	it = incoming_wait(officer[1], ref);
	printf("relay: referral %lld in Shanghai's inbox %.2f s after it was"
	    " made\n", ref, now_seconds() - t0);
	assert_true(json_is_true(json_object_get(it, "can_decide")));
	assert_int_equal(json_integer_value(json_array_get(json_object_get(it,
	    "file_ids"), 0)), file);
	assert_int_equal(json_integer_value(json_object_get(it,
	    "enterprise_id")), es);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    it, "origin"), "category")), "cement");
	json_decref(it);
	/* Shanghai's officers heard of it, as of a referral made there. */
	http_get(officer[1], "/api/v1/notifications", &r);
	assert_status(&r, 200);
	linked = 0;
	json_array_foreach(json_object_get(r.json, "items"), k, it)
		linked |= strcmp(json_string_value(json_object_get(it, "kind")),
		    "referral_received") == 0 && json_integer_value(
		    json_object_get(it, "referral_id")) == ref;
	assert_true(linked);
	resp_free(&r);
	http_get(officer[1], fmt("/api/v1/files/%lld", file), &r);
	assert_status(&r, 200);
	assert_int_equal(r.len, sizeof(evidence) - 1);
	assert_memory_equal(r.body, evidence, sizeof(evidence) - 1);
	resp_free(&r);
	http_json(officer[1], "POST", fmt("/api/v1/referrals/%lld/accept",
	    ref), json_pack("{}"), NULL, &r);
	assert_status(&r, 200);
	o = json_object_get(r.json, "case");
	nc = json_integer_value(json_object_get(o, "id"));
	assert_string_equal(json_string_value(json_object_get(o, "region")),
	    "310101");
	assert_string_equal(json_string_value(json_object_get(o, "source")),
	    "referral");
	resp_free(&r);
	ncases[1]++;
	assert_true(nc >= 310000000000001LL && nc <= 320000000000000LL);
	ids = fmt("%lld", nc);
	db_expect(pd[1], "SELECT source FROM cases WHERE id = $1", ids,
	    "referral");
	db_expect(pd[0], "SELECT count(*) FROM cases WHERE id = $1", ids, "0");
	free(ids);
	http_json(officer[1], "POST", fmt("/api/v1/referrals/%lld/accept",
	    ref), json_pack("{}"), NULL, &r);
	assert_problem(&r, 409);
	resp_free(&r);

	/* Back on Beijing: accepted, the new case's id, the link. */
	t0 = now_seconds();
	o = referral_decided_wait(officer[0], ref);
	printf("relay: the accept on Beijing's referral %.2f s after it was"
	    " made\n", now_seconds() - t0);
	assert_string_equal(json_string_value(json_object_get(o, "state")),
	    "accepted");
	assert_int_equal(json_integer_value(json_object_get(o, "new_case_id")),
	    nc);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    o, "decided_by"), "username")), "officer.sh");
	id = json_integer_value(json_object_get(o, "case_id"));
	json_decref(o);
	http_get(officer[0], fmt("/api/v1/cases/%lld/links", id), &r);
	assert_status(&r, 200);
	linked = 0;
	json_array_foreach(json_object_get(r.json, "items"), k, it)
		linked |= strcmp(json_string_value(json_object_get(it, "kind")),
		    "referred_to") == 0 && json_integer_value(json_object_get(
		    json_object_get(it, "case"), "id")) == nc &&
		    strcmp(json_string_value(json_object_get(json_object_get(it,
		    "case"), "region")), "310101") == 0;
	assert_true(linked);
	resp_free(&r);

	/* A second, returned on Shanghai with a reason. */
	ref2 = refer(es_bj, "请核查", &file2);
	json_decref(incoming_wait(officer[1], ref2));
	http_json(officer[1], "POST", fmt("/api/v1/referrals/%lld/return",
	    ref2), json_pack("{s:s}", "reason", "该企业已迁出本市"), NULL,
	    &r);
	assert_status(&r, 200);
	resp_free(&r);
	o = referral_decided_wait(officer[0], ref2);
	assert_string_equal(json_string_value(json_object_get(o, "state")),
	    "returned");
	assert_string_equal(json_string_value(json_object_get(o,
	    "return_reason")), "该企业已迁出本市");
	json_decref(o);

	/*
	 * A third while Shanghai's database is down: it arrives later.
	 * Until the stop no subscription of the three counts an error; the
	 * stop itself counts one on each subscription streaming from
	 * Shanghai (its connection lost), so the counts start again once
	 * it is back and the third has arrived.
	 */
	subscription_errors_none(nd, pd);
	PQfinish(pd[1]);
	assert_int_equal(inst_run(&P[1], "db-stop"), 0);
	ref3 = refer(es_bj, "上海数据库停机时移送", &file3);
	assert_int_equal(inst_run(&P[1], "db-start"), 0);
	pd[1] = inst_db(&P[1], "postgres", 0);
	t0 = now_seconds();
	json_decref(incoming_wait(officer[1], ref3));
	printf("relay: referral %lld, made while Shanghai's database was down,"
	    " in its inbox %.2f s after the start\n", ref3, now_seconds() - t0);
	ids = fmt("%lld", ref3);
	db_expect(pd[1], "SELECT count(*) FROM referral_relay WHERE"
	    " referral_id = $1", ids, "1");
	/*
	 * A decision only the addressee's province may send: one forged on
	 * Beijing's database (its own range) for the referral it addressed
	 * to Shanghai arrives there and changes nothing.
	 */
	v = db_value(pd[0], "INSERT INTO referral_relay (to_province, kind,"
	    " referral_id, body) VALUES ('31', 'decision', $1,"
	    " jsonb_build_object('state', 'returned', 'return_reason',"
	    " '伪造的退回')) RETURNING id", ids, NULL);
	assert_non_null(v);
	t0 = now_seconds();
	for (;;) {
		char	*n = db_value(pd[1], "SELECT count(*) FROM"
			    " referral_relay WHERE id = $1", v, NULL);

		linked = strcmp(n, "1") == 0;
		free(n);
		if (linked)
			break;
		if (now_seconds() - t0 > 60)
			fail_msg("the forged decision %s never reached Shanghai",
			    v);
		usleep(20000);
	}
	db_expect(pd[1], "SELECT state FROM referrals WHERE id = $1", ids,
	    "open");
	printf("relay: a decision sent by the referring province itself (%s)"
	    " reached Shanghai and was not taken\n", v);
	free(v);
	free(ids);
	db_do(nd, "SELECT pg_stat_reset_subscription_stats(NULL)");
	for (p = 0; p < NPROV; p++)
		db_do(pd[p], "SELECT pg_stat_reset_subscription_stats(NULL)");

	/*
	 * Apart and peered again: Shanghai drops its subscription, Beijing
	 * refers meanwhile, Shanghai peers again -- the new subscription's
	 * first copy brings the referral, and the rows it had already
	 * (every relay row of Beijing's so far) do not stop the copy (the
	 * errors are counted at the end).
	 */
	assert_int_equal(inst_run(&P[1], "unpeer 110000"), 0);
	ref4 = refer(es_bj, "两省断开期间移送", &file);
	conn = fmt("host=%s/pg/run dbname=paicha user=paicha_repl", P[0].var);
	args = fmt("peer 110000 '%s'", conn);
	t0 = now_seconds();
	assert_int_equal(inst_run(&P[1], args), 0);
	free(args);
	free(conn);
	json_decref(incoming_wait(officer[1], ref4));
	printf("relay: referral %lld, made while the provinces were apart, in"
	    " Shanghai's inbox %.2f s after they peered again\n", ref4,
	    now_seconds() - t0);
	ids = fmt("%lld", ref4);
	db_expect(pd[1], "SELECT count(*) FROM ledger_events WHERE entity ="
	    " 'referral' AND entity_id = $1", ids, "1");
	free(ids);

	/* The national copy: each province's half, from that province. */
	t0 = now_seconds();
	for (p = 0; p < NPROV; p++) {
		national_caught_up(p, t0);
		for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
			want = rows_digest(&P[p], tables[i], lo[p], hi[p]);
			for (;;) {
				have = rows_digest(&N, tables[i], lo[p], hi[p]);
				if (strcmp(have, want) == 0)
					break;
				if (now_seconds() - t0 > 60)
					fail_msg("%s %s: national %s, province"
					    " %s", provs[p].code, tables[i],
					    have, want);
				free(have);
				usleep(20000);
			}
			printf("national: province %s's %s identical in the"
			    " national copy (%s)\n", provs[p].code, tables[i],
			    have);
			free(have);
			free(want);
		}
	}
	ids = fmt("%lld", ref);
	v = db_value(nd, "SELECT state || ' ' || new_case_id FROM referrals"
	    " WHERE id = $1", ids, NULL);
	assert_non_null(v);
	assert_string_equal(v, fmt("accepted %lld", nc));
	free(v);
	/* Beijing's link and Shanghai's, each from its own province. */
	db_expect(nd, "SELECT count(*) FROM case_links WHERE referral_id = $1",
	    ids, "2");
	/* The referral's stream: Beijing's create and accept. */
	db_expect(nd, "SELECT string_agg(event, ',' ORDER BY seq) FROM"
	    " ledger_events WHERE entity = 'referral' AND entity_id = $1",
	    ids, "create,accept");
	db_expect(nd, "SELECT count(*) FROM ledger_events e WHERE e.entity ="
	    " 'referral' AND e.entity_id = $1 AND NOT EXISTS (SELECT FROM"
	    " log_leaves l WHERE l.entity = e.entity AND l.case_id ="
	    " e.entity_id AND l.seq = e.seq AND l.leaf = e.hash)", ids, "0");
	/* Shanghai's own record of it: receive, accept (kept there). */
	db_expect(pd[1], "SELECT string_agg(event, ',' ORDER BY seq) FROM"
	    " ledger_events WHERE entity = 'referral' AND entity_id = $1",
	    ids, "receive,accept");
	free(ids);
	ids = fmt("%lld", nc);
	db_expect(nd, "SELECT source FROM cases WHERE id = $1", ids,
	    "referral");
	free(ids);
	db_expect(nd, "SELECT count(*) FROM referrals WHERE id NOT BETWEEN"
	    " 110000000000001 AND 120000000000000 AND from_region = '110000'",
	    NULL, "0");
	subscription_errors_none(nd, pd);
	verify_ok(&P[0]);
	verify_ok(&P[1]);
	verify_ok(&N);
	for (p = 0; p < NPROV; p++) {
		PQfinish(pd[p]);
		free(lo[p]);
		free(hi[p]);
	}
	PQfinish(nd);
	client_free(sh_bj);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_provinces_roll_up),
		cmocka_unit_test(test_referral_relayed),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests(tests, setup, teardown);
}
