/*
 * e2e-audit.c: the auditors' side of the tamper-evident history, against
 * the real stack.
 *
 *  - the untouched database verifies ok (a case, a region, everything);
 *  - the latest checkpoint's signature verifies with the openssl tool and
 *    the published key, and fails for a changed message; every stored
 *    checkpoint's root is the RFC 9162 root of the first `size` leaves of
 *    today's log (so each one is consistent with all earlier ones);
 *  - auditors only, and only their region;
 *  - the events listing: filters, cursor pages, and each limit; the CSV
 *    export: BOM, header, quoting, formulas neutralised, paging.
 *
 * Tampering -- as the superuser, each kind of rewrite reported at the
 * exact (case, seq) or by the signed checkpoints; as the service's role,
 * refused -- is e2e-tamper.c's.  The fixture and the helpers both use
 * are in trail.c.  The CSV test plants columns a spreadsheet would run
 * and undoes them before it ends: verify reports the first bad position
 * of all, so one left behind would mask the next.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "trail.h"
#include "../../fcgi/ledger/merkle.h"

/* Besides trail.h's officer, auditor, admin, ent_bj and campaign: */
static struct client	*legal, *officer_sh, *auditor_sh;
static char		 ent_sh[24];

/* ------------------------------------------------------------------ */
/* Setup                                                              */
/* ------------------------------------------------------------------ */

static int
setup(void **state)
{
	PGconn		*db = db_admin();
	struct resp	 r;
	char		*v, *cmd;

	/* Before any event there is no checkpoint: 404, not an error. */
	v = db_value(db, "SELECT count(*) FROM checkpoints", NULL);
	trail_setup(db);
	legal = client_login("legal.bj", DEMO_PASSWORD);
	officer_sh = client_login("officer.sh", DEMO_PASSWORD);
	if (strcmp(v, "0") == 0) {
		http_get(auditor, "/api/v1/audit/checkpoints/latest", &r);
		assert_problem(&r, 404);
		resp_free(&r);
	}
	free(v);

	/* A Shanghai auditor, made as an operator would. */
	cmd = fmt("printf '%%s\\n' '%s' | PAICHA_ADMIN_DATABASE_URL='%s'"
	    " fcgi/paicha-admin user-create --username auditor.sh"
	    " --display-name 上海市审计人员 --region 310000 --roles auditor"
	    " --password-stdin --if-missing >&2", FIXTURE_PASSWORD,
	    e2e_env("PAICHA_ADMIN_DATABASE_URL"));
	assert_int_equal(system(cmd), 0);
	free(cmd);
	auditor_sh = client_login("auditor.sh", FIXTURE_PASSWORD);

	enterprise(db, "310000", "上海审计测试企业", ent_sh, sizeof(ent_sh));
	PQfinish(db);
	return 0;
}

static int
teardown(void **state)
{
	trail_teardown();
	client_free(legal);
	client_free(officer_sh);
	client_free(auditor_sh);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Verify: the untouched database                                     */
/* ------------------------------------------------------------------ */

static void
test_untouched_verifies(void **state)
{
	PGconn		*db = db_admin();
	struct resp	 r;
	long long	 id = case_with(officer, ent_bj, 6);
	char		*q = fmt("/api/v1/audit/verify?case=%lld", id);

	get_ok(auditor, q, &r);
	assert_true(json_is_true(json_object_get(r.json, "ok")));
	assert_int_equal(json_integer_value(json_object_get(r.json,
	    "checked")), 6);
	assert_null(json_object_get(r.json, "first_bad"));
	resp_free(&r);
	verify_ok_everywhere(id);

	/* Everything: every event checked, and the signed log with it. */
	get_ok(admin, "/api/v1/audit/verify", &r);
	assert_true(json_is_true(json_object_get(r.json, "ok")));
	assert_int_equal(json_integer_value(json_object_get(r.json,
	    "checked")), events_total(db));
	assert_true(json_is_object(json_object_get(r.json, "checkpoint")) ||
	    json_is_null(json_object_get(r.json, "checkpoint")));
	resp_free(&r);
	free(q);
	PQfinish(db);
}

/* ------------------------------------------------------------------ */
/* Checkpoints                                                        */
/* ------------------------------------------------------------------ */

static void
write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char	*path = fmt("%s/%s", dir, name);
	FILE	*f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	free(path);
}

/* openssl pkeyutl -verify's exit status for message file `msg`. */
static int
openssl_verify(const char *dir, const char *msg)
{
	char	*cmd = fmt("openssl pkeyutl -verify -pubin -inkey %s/pub.pem"
		    " -rawin -in %s/%s -sigfile %s/sig >&2", dir, dir, msg, dir);
	int	 st = system(cmd);

	free(cmd);
	return st == -1 ? -1 : WEXITSTATUS(st);
}

static void
test_checkpoint_signature_openssl(void **state)
{
	PGconn		*db = db_admin();
	struct resp	 r;
	unsigned char	 sig[128];
	const char	*b64, *msg;
	char		 dir[] = "/tmp/e2e-audit-XXXXXX", *want, *bad, *cmd;
	int		 n;

	case_with(officer, ent_bj, 2);
	checkpoint_covering_all(db, &r);
	b64 = json_string_value(json_object_get(r.json, "signature"));
	msg = json_string_value(json_object_get(r.json, "message"));
	assert_non_null(b64);
	assert_non_null(msg);
	assert_non_null(strstr(json_string_value(json_object_get(r.json,
	    "public_key")), "-----BEGIN PUBLIC KEY-----"));
	/* The message names the tree: its size and root, and when. */
	want = fmt("paicha-checkpoint/v1\n%lld\n%s\n%s\n",
	    (long long)json_integer_value(json_object_get(r.json, "size")),
	    json_string_value(json_object_get(r.json, "root")),
	    json_string_value(json_object_get(r.json, "at")));
	assert_string_equal(msg, want);
	free(want);

	assert_non_null(mkdtemp(dir));
	n = EVP_DecodeBlock(sig, (const unsigned char *)b64, (int)strlen(b64));
	assert_int_equal(n, 66);	/* 64 bytes and two of padding */
	write_file(dir, "sig", sig, 64);
	write_file(dir, "msg", msg, strlen(msg));
	bad = strdup(msg);
	bad[strlen(bad) - 3] ^= 1;	/* one bit of the time */
	write_file(dir, "bad", bad, strlen(bad));
	free(bad);
	b64 = json_string_value(json_object_get(r.json, "public_key"));
	write_file(dir, "pub.pem", b64, strlen(b64));

	assert_int_equal(openssl_verify(dir, "msg"), 0);
	assert_int_not_equal(openssl_verify(dir, "bad"), 0);
	resp_free(&r);
	cmd = fmt("rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	PQfinish(db);
}

/*
 * Every checkpoint ever stored is the RFC 9162 root of the first `size`
 * leaves of the log as it is now: the log only grew, and each signed
 * tree extends the one before it.
 */
static void
test_checkpoints_consistent(void **state)
{
	PGconn			*db = db_admin();
	PGresult		*leaves, *cps;
	struct resp		 r;
	struct merkle_frontier	 f;
	unsigned char		 lh[MERKLE_HASH], root[MERKLE_HASH];
	char			 hex[2 * MERKLE_HASH + 1];
	int			 i, j = 0, k;

	case_with(officer, ent_bj, 3);
	checkpoint_covering_all(db, &r);
	resp_free(&r);
	case_with(officer, ent_bj, 2);
	checkpoint_covering_all(db, &r);
	resp_free(&r);
	leaves = PQexecParams(db, "SELECT leaf FROM log_leaves WHERE idx IS"
	    " NOT NULL ORDER BY idx", 0, NULL, NULL, NULL, NULL, 1);
	cps = PQexec(db, "SELECT size, encode(root, 'hex') FROM checkpoints"
	    " ORDER BY size");
	assert_int_equal(PQresultStatus(leaves), PGRES_TUPLES_OK);
	assert_int_equal(PQresultStatus(cps), PGRES_TUPLES_OK);
	assert_true(PQntuples(cps) >= 2);
	merkle_init(&f);
	for (i = 0; i < PQntuples(leaves); i++) {
		assert_int_equal(PQgetlength(leaves, i, 0), MERKLE_HASH);
		merkle_leaf_hash(PQgetvalue(leaves, i, 0), MERKLE_HASH, lh);
		merkle_append(&f, lh);
		for (; j < PQntuples(cps) && atoll(PQgetvalue(cps, j, 0)) ==
		    i + 1; j++) {
			merkle_root(&f, root);
			for (k = 0; k < MERKLE_HASH; k++)
				snprintf(hex + 2 * k, 3, "%02x", root[k]);
			if (strcmp(hex, PQgetvalue(cps, j, 1)) != 0)
				fail_msg("checkpoint %s: root %s, the first %s "
				    "leaves give %s", PQgetvalue(cps, j, 0),
				    PQgetvalue(cps, j, 1), PQgetvalue(cps, j, 0),
				    hex);
		}
	}
	assert_int_equal(j, PQntuples(cps));
	/* The latest covers every placed leaf. */
	assert_int_equal(atoll(PQgetvalue(cps, PQntuples(cps) - 1, 0)),
	    PQntuples(leaves));
	PQclear(leaves);
	PQclear(cps);
	PQfinish(db);
}

/* ------------------------------------------------------------------ */
/* Who may audit what                                                 */
/* ------------------------------------------------------------------ */

static void
test_auditors_only(void **state)
{
	static const char *const paths[] = {
		"/api/v1/audit/events", "/api/v1/audit/verify",
		"/api/v1/audit/checkpoints/latest", "/api/v1/audit/events?format=csv",
	};
	struct client	*who[] = { officer, legal, officer_sh };
	struct client	*anon = client_new();
	struct resp	 r;
	size_t		 i, j;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		for (j = 0; j < sizeof(who) / sizeof(who[0]); j++) {
			http_get(who[j], paths[i], &r);
			assert_problem(&r, 403);
			resp_free(&r);
		}
		http_get(anon, paths[i], &r);
		assert_problem(&r, 401);
		resp_free(&r);
	}
	client_free(anon);
}

static void
test_region_isolation(void **state)
{
	struct resp	 r;
	json_t		*it;
	long long	 bj = case_with(officer, ent_bj, 2);
	long long	 sh = case_with(officer_sh, ent_sh, 3);
	long long	 checked;
	char		*path;
	size_t		 i;

	/* Shanghai's auditor: Shanghai's events, never Beijing's. */
	path = fmt("/api/v1/audit/events?case=%lld", bj);
	get_ok(auditor_sh, path, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
	resp_free(&r);
	free(path);
	get_ok(auditor_sh, "/api/v1/audit/events?limit=1000", &r);
	assert_true(json_array_size(json_object_get(r.json, "items")) >= 3);
	json_array_foreach(json_object_get(r.json, "items"), i, it)
		assert_memory_equal(json_string_value(json_object_get(it,
		    "case_region")), "31", 2);
	resp_free(&r);
	path = fmt("/api/v1/audit/verify?case=%lld", bj);
	http_get(auditor_sh, path, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	free(path);
	http_get(auditor_sh, "/api/v1/audit/verify?region=110000", &r);
	assert_problem(&r, 404);
	resp_free(&r);
	path = fmt("?case=%lld", sh);
	verify_ok(auditor_sh, path);
	free(path);
	verify_ok(auditor_sh, "?region=310000");

	/* Everything, for Shanghai, is Shanghai's events only. */
	get_ok(auditor_sh, "/api/v1/audit/verify", &r);
	assert_true(json_is_true(json_object_get(r.json, "ok")));
	checked = json_integer_value(json_object_get(r.json, "checked"));
	resp_free(&r);
	get_ok(auditor_sh, "/api/v1/audit/events?limit=1000", &r);
	assert_int_equal(checked, json_array_size(json_object_get(r.json,
	    "items")));
	resp_free(&r);

	/* And Beijing's auditor does not see Shanghai's. */
	path = fmt("/api/v1/audit/events?case=%lld", sh);
	get_ok(auditor, path, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
	resp_free(&r);
	free(path);
	path = fmt("/api/v1/audit/verify?case=%lld", sh);
	http_get(auditor, path, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	free(path);
}

/* ------------------------------------------------------------------ */
/* The events listing                                                 */
/* ------------------------------------------------------------------ */

static void
test_events_filters_and_pages(void **state)
{
	struct resp	 r;
	json_t		*it, *seen = json_object();
	long long	 id = case_with(officer, ent_bj, 5);
	char		*path, *cursor = NULL, key[48];
	const char	*nc;
	size_t		 i, total = 0;
	time_t		 now = time(NULL);
	struct tm	 tm;
	char		 today[16], tomorrow[16];

	/* One legal note, so that the actor filter has two to tell apart. */
	note(legal, id, 5, "legal's note");

	path = fmt("/api/v1/audit/events?case=%lld", id);
	get_ok(auditor, path, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 6);
	it = json_array_get(json_object_get(r.json, "items"), 0);
	assert_int_equal(json_integer_value(json_object_get(it, "seq")), 1);
	assert_string_equal(json_string_value(json_object_get(it, "event")),
	    "create");
	assert_string_equal(json_string_value(json_object_get(it, "actor")),
	    "officer.bj");
	assert_true(json_is_object(json_object_get(it, "payload")));
	assert_int_equal(strlen(json_string_value(json_object_get(it,
	    "hash"))), 64);
	assert_true(json_is_null(json_object_get(r.json, "next_cursor")));
	resp_free(&r);
	free(path);

	path = fmt("/api/v1/audit/events?case=%lld&actor=legal.bj", id);
	get_ok(auditor, path, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
	resp_free(&r);
	free(path);
	path = fmt("/api/v1/audit/events?case=%lld&event=create", id);
	get_ok(auditor, path, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
	resp_free(&r);
	free(path);
	path = fmt("/api/v1/audit/events?case=%lld&actor=nobody.here", id);
	get_ok(auditor, path, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
	resp_free(&r);
	free(path);

	/* Dates are whole days in China Standard Time. */
	now += 8 * 3600;
	gmtime_r(&now, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	now += 86400;
	gmtime_r(&now, &tm);
	strftime(tomorrow, sizeof(tomorrow), "%Y-%m-%d", &tm);
	path = fmt("/api/v1/audit/events?case=%lld&from=%s&to=%s", id, today,
	    today);
	get_ok(auditor, path, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 6);
	resp_free(&r);
	free(path);
	path = fmt("/api/v1/audit/events?case=%lld&from=%s", id, tomorrow);
	get_ok(auditor, path, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
	resp_free(&r);
	free(path);
	path = fmt("/api/v1/audit/events?case=%lld&to=2000-01-01T00:00:00Z",
	    id);
	get_ok(auditor, path, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
	resp_free(&r);
	free(path);

	/* Pages of two: six events, each once, then no next page. */
	do {
		path = cursor == NULL ?
		    fmt("/api/v1/audit/events?case=%lld&limit=2", id) :
		    fmt("/api/v1/audit/events?case=%lld&limit=2&cursor=%s", id,
		    cursor);
		get_ok(auditor, path, &r);
		assert_true(json_array_size(json_object_get(r.json,
		    "items")) <= 2);
		json_array_foreach(json_object_get(r.json, "items"), i, it) {
			snprintf(key, sizeof(key), "%lld",
			    (long long)json_integer_value(json_object_get(it,
			    "seq")));
			assert_null(json_object_get(seen, key));
			json_object_set_new(seen, key, json_true());
			total++;
		}
		free(cursor);
		nc = json_string_value(json_object_get(r.json, "next_cursor"));
		cursor = nc != NULL ? strdup(nc) : NULL;
		resp_free(&r);
		free(path);
	} while (cursor != NULL);
	assert_int_equal(total, 6);
	json_decref(seen);
}

/* Each query limit and each malformed value is a 400 naming the field. */
static void
test_events_limits(void **state)
{
	static const struct {
		const char	*query;
		const char	*field;
	} bad[] = {
		{ "limit=1001", "limit" },
		{ "limit=0", "limit" },
		{ "case=0", "case" },
		{ "case=x", "case" },
		{ "event=launch_rocket", "event" },
		{ "region=11", "region" },
		{ "from=2024-13-01", "from" },
		{ "from=2024-02-30", "from" },
		{ "to=2024-01-01T25:00:00Z", "to" },
		{ "to=2024-01-01T10:00:00", "to" },
		{ "format=xml", "format" },
		{ "cursor=nonsense", "cursor" },
		{ "cursor=2024-01-01T00:00:00.000000Z_1_1"
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "cursor" },
		/* 64 bytes: one more than a username may have. */
		{ "actor=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "actor" },
		{ "colour=blue", "colour" },
	};
	struct resp	 r;
	char		*path;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		path = fmt("/api/v1/audit/events?%s", bad[i].query);
		http_get(auditor, path, &r);
		if (r.status != 400)
			fail_msg("%s: status %ld, want 400", path, r.status);
		assert_problem_field(&r, 400, bad[i].field);
		resp_free(&r);
		free(path);
	}
	/* The largest page is allowed. */
	get_ok(auditor, "/api/v1/audit/events?limit=1000", &r);
	resp_free(&r);
	/* And verify's own. */
	http_get(auditor, "/api/v1/audit/verify?case=1&region=110000", &r);
	assert_problem(&r, 400);
	resp_free(&r);
	http_get(auditor, "/api/v1/audit/verify?case=-1", &r);
	assert_problem_field(&r, 400, "case");
	resp_free(&r);
	http_get(auditor, "/api/v1/audit/verify?region=999999", &r);
	assert_problem(&r, 404);
	resp_free(&r);
	http_get(auditor, "/api/v1/audit/verify?case=999999999", &r);
	assert_problem(&r, 404);
	resp_free(&r);
}

/* ------------------------------------------------------------------ */
/* CSV                                                                */
/* ------------------------------------------------------------------ */

/*
 * Parse RFC 4180 CSV (CRLF rows) into a JSON array of arrays of strings
 * (a new reference), or NULL when it is not well-formed.
 */
static json_t *
csv_parse(const char *s, size_t len)
{
	json_t		*rows = json_array(), *row = json_array();
	const char	*e = s + len;
	char		*cell = malloc(len + 1);
	size_t		 n = 0;
	int		 quoted;

	for (;;) {
		n = 0;
		quoted = s < e && *s == '"';
		if (quoted) {
			for (s++; s < e; s++) {
				if (*s == '"' && s + 1 < e && s[1] == '"')
					cell[n++] = *s++;
				else if (*s == '"')
					break;
				else
					cell[n++] = *s;
			}
			if (s == e)
				goto bad;
			s++;
		} else
			while (s < e && *s != ',' && *s != '\r' && *s != '"')
				cell[n++] = *s++;
		cell[n] = '\0';
		json_array_append_new(row, json_string(cell));
		if (s < e && *s == ',') {
			s++;
			continue;
		}
		if (s + 2 <= e && s[0] == '\r' && s[1] == '\n') {
			s += 2;
			json_array_append_new(rows, row);
			row = json_array();
			if (s == e)
				break;
			continue;
		}
		goto bad;
	}
	json_decref(row);
	free(cell);
	return rows;
bad:
	json_decref(row);
	json_decref(rows);
	free(cell);
	return NULL;
}

static void
test_csv_export(void **state)
{
	static const char *const header[] = {
		"seq", "case", "at", "actor", "role", "region", "event",
		"phase", "from", "to", "payload", "hash", "prev_hash",
	};
	PGconn		*db = db_admin();
	struct resp	 r;
	json_t		*rows, *row, *p;
	long long	 id = case_new(officer, ent_bj, "csv case");
	char		*path, *sql, ct[128], next[128], disp[128];
	size_t		 i;

	/* Quotes, commas, a line break and CJK in one note. */
	note(officer, id, 1, "他说 \"停产\", 然后\n离开");
	note(officer, id, 2, "plain");
	/* Columns a spreadsheet would run, planted as the superuser. */
	sql = fmt("CREATE TEMP TABLE saved AS SELECT * FROM case_events"
	    " WHERE case_id = %lld", id);
	db_do(db, sql);
	free(sql);
	sql = fmt("UPDATE case_events SET role = CASE seq WHEN 1 THEN"
	    " '=HYPERLINK(\"http://evil\")' WHEN 2 THEN '+1' ELSE '@SUM(A1)'"
	    " END, to_state = CASE seq WHEN 3 THEN '-2' ELSE to_state END"
	    " WHERE case_id = %lld", id);
	tamper(db, sql);
	free(sql);

	path = fmt("/api/v1/audit/events?case=%lld&format=csv", id);
	http_get(auditor, path, &r);
	assert_status(&r, 200);
	assert_non_null(resp_header(&r, "Content-Type", ct, sizeof(ct)));
	assert_string_equal(ct, "text/csv; charset=utf-8");
	assert_non_null(resp_header(&r, "Content-Disposition", disp,
	    sizeof(disp)));
	assert_non_null(strstr(disp, "attachment"));
	assert_true(r.len > 3);
	assert_memory_equal(r.body, "\xef\xbb\xbf", 3);
	rows = csv_parse(r.body + 3, r.len - 3);
	if (rows == NULL)
		fail_msg("not RFC 4180 CSV: %s", r.body);
	assert_int_equal(json_array_size(rows), 4);
	row = json_array_get(rows, 0);
	assert_int_equal(json_array_size(row), 13);
	for (i = 0; i < 13; i++)
		assert_string_equal(json_string_value(json_array_get(row, i)),
		    header[i]);
	/* The note's payload, back intact from its quoted cell. */
	row = json_array_get(rows, 2);
	assert_string_equal(json_string_value(json_array_get(row, 0)), "2");
	p = json_loads(json_string_value(json_array_get(row, 10)), 0, NULL);
	assert_non_null(p);
	assert_string_equal(json_string_value(json_object_get(p, "text")),
	    "他说 \"停产\", 然后\n离开");
	json_decref(p);
	/* Formulas neutralised: a leading apostrophe, the rest as it was. */
	assert_string_equal(json_string_value(json_array_get(json_array_get(
	    rows, 1), 4)), "'=HYPERLINK(\"http://evil\")");
	assert_string_equal(json_string_value(json_array_get(row, 4)), "'+1");
	assert_string_equal(json_string_value(json_array_get(json_array_get(
	    rows, 3), 4)), "'@SUM(A1)");
	assert_string_equal(json_string_value(json_array_get(json_array_get(
	    rows, 3), 9)), "'-2");
	/* Empty "from" of the first event; a hash is 64 hex digits. */
	assert_string_equal(json_string_value(json_array_get(json_array_get(
	    rows, 1), 8)), "");
	assert_int_equal(strlen(json_string_value(json_array_get(row, 11))),
	    64);
	json_decref(rows);
	resp_free(&r);
	free(path);

	/* Paged: two rows and a cursor for the rest. */
	path = fmt("/api/v1/audit/events?case=%lld&format=csv&limit=2", id);
	http_get(auditor, path, &r);
	assert_status(&r, 200);
	assert_non_null(resp_header(&r, "X-Next-Cursor", next, sizeof(next)));
	rows = csv_parse(r.body + 3, r.len - 3);
	assert_non_null(rows);
	assert_int_equal(json_array_size(rows), 3);
	json_decref(rows);
	resp_free(&r);
	free(path);
	path = fmt("/api/v1/audit/events?case=%lld&format=csv&limit=2"
	    "&cursor=%s", id, next);
	http_get(auditor, path, &r);
	assert_status(&r, 200);
	assert_null(resp_header(&r, "X-Next-Cursor", next, sizeof(next)));
	rows = csv_parse(r.body + 3, r.len - 3);
	assert_non_null(rows);
	assert_int_equal(json_array_size(rows), 2);
	assert_string_equal(json_string_value(json_array_get(json_array_get(
	    rows, 1), 0)), "3");
	json_decref(rows);
	resp_free(&r);
	free(path);

	/* The planted columns disagree with the records: verify says so. */
	path = fmt("?case=%lld", id);
	verify_bad_at(auditor, path, id, 1);
	free(path);
	sql = fmt("DELETE FROM case_events WHERE case_id = %lld;"
	    " INSERT INTO case_events SELECT * FROM saved", id);
	tamper(db, sql);
	free(sql);
	db_do(db, "DROP TABLE saved");
	verify_ok_everywhere(id);
	PQfinish(db);
}

/* The whole export, streamed, holds every event the listing holds. */
static void
test_csv_streams_everything(void **state)
{
	PGconn		*db = db_admin();
	struct resp	 r;
	json_t		*rows;
	char		*v;

	http_get(admin, "/api/v1/audit/events?format=csv", &r);
	assert_status(&r, 200);
	rows = csv_parse(r.body + 3, r.len - 3);
	assert_non_null(rows);
	v = db_value(db, "SELECT count(*) FROM case_events", NULL);
	assert_int_equal(json_array_size(rows) - 1, atoll(v));
	free(v);
	json_decref(rows);
	resp_free(&r);
	PQfinish(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_untouched_verifies),
		cmocka_unit_test(test_checkpoint_signature_openssl),
		cmocka_unit_test(test_checkpoints_consistent),
		cmocka_unit_test(test_auditors_only),
		cmocka_unit_test(test_region_isolation),
		cmocka_unit_test(test_events_filters_and_pages),
		cmocka_unit_test(test_events_limits),
		cmocka_unit_test(test_csv_export),
		cmocka_unit_test(test_csv_streams_everything),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("e2e-audit", tests, setup,
	    teardown);
}
