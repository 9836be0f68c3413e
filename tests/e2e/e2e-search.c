/*
 * e2e-search.c: the list's free-text search `q` (issue 23) gives the
 * same cases as the ILIKE it replaced, on a check set this test keeps.
 *
 * The old search is kept here as SQL (OLD_SEARCH: the list's filter
 * before sql/0110_search.sql), run on an application-role connection
 * scoped with each user's real session, under row-level security, as
 * the service ran it.  For every word of the check set and every user,
 * its ids must equal, in order:
 *   - every page of GET /api/v1/cases?q= (a small limit, so that the
 *     search's own page cut and the cursor are crossed many times),
 *   - GET /api/v1/cases?q=&region=<the user's region> (q with another
 *     filter: the search's whole result, filtered afterwards),
 *   - case_search() itself, whole and page by page, by each of its
 *     paths (the `paths` table: paicha.search_look, search_probe and
 *     search_few) -- by the index alone, after a look among the newest
 *     5 cases (the way a common word takes), crossing between them,
 *     among the newest 40 (where a page of 7 is often whole: the first
 *     look, sql/0197, answers it), and a look of 3 that goes on to 12
 *     (sql/0202); each with the scope's matching enterprises taken as
 *     few (read before the cases) and as many (joined to them) --
 *     and /cases/counts?q='s total.
 * Any difference fails.  Blank and empty words are refused (400) as
 * before.  No timing is asserted anywhere.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e.h"

/* The list's `q` filter as it was: ILIKE under the policies. */
#define OLD_SEARCH \
	"SELECT coalesce(string_agg(c.id::text, ',' ORDER BY c.id DESC), '')" \
	" FROM cases c JOIN enterprises e ON e.id = c.enterprise_id" \
	" WHERE (c.problem ILIKE $1" \
	"   OR c.enterprise_id = ANY (ARRAY(SELECT q.id FROM enterprises q" \
	"   WHERE q.name ILIKE $1 OR q.uscc = upper($2))))"

#define NEW_SEARCH \
	"SELECT coalesce(string_agg(x::text, ',' ORDER BY x DESC), '')" \
	" FROM case_search($1, $2, NULL, NULL) x" \
	" JOIN cases c ON c.id = x JOIN enterprises e ON e.id = c.enterprise_id"

static const char *const users[] = {
	"officer.bj", "officer.dc", "officer.sh", "auditor.bj",
};

/* The words: filled with the fixtures' codes at the end. */
static const char *words[64] = {
	"钢筋", "水泥", "强度", "不合格", "检索", "北京", "有限公司",
	"公司", "检索企业", "检索钢", "筋厂", "抗拉强度不合格",
	"钢筋 不合格", "整改", "超标", "e2e", "窗口期核查",
	"abc", "ABC", "aBc", "Äb", "äB", "ä", "ΣΊΣΥΦΟΣ", "σίσυφος",
	"%", "_", "\\", "50%", "a_b", "%_", "\\%", "_标", "%%",
	"钢", "筋", "a", "Z", "9", "1", "-",
	/* The longest a word may be: 100 bytes. */
	"不存在的词语xyz", "检索：钢筋抗拉强度不合格，50%超标ABC甲乙丙丁戊己庚辛"
	    "壬癸子丑寅卯辰巳",
};

/* `q` as a LIKE pattern, as like_pattern() (fcgi/resources/cases.c). */
static char *
pattern(const char *q)
{
	char	*p = malloc(2 * strlen(q) + 3), *o = p;

	assert_non_null(p);
	*o++ = '%';
	for (; *q != '\0'; q++) {
		if (*q == '%' || *q == '_' || *q == '\\')
			*o++ = '\\';
		*o++ = *q;
	}
	*o++ = '%';
	*o = '\0';
	return p;
}

/* The ids of every page of `path` (a list with its query), newest first. */
static char *
http_ids(struct client *c, const char *path)
{
	struct resp	 r;
	json_t		*it, *next;
	size_t		 i, len = 0, cap = 64;
	char		*out = malloc(cap), *p, cur[32] = "";
	int		 pages = 0;

	assert_non_null(out);
	out[0] = '\0';
	do {
		p = cur[0] != '\0' ? fmt("%s&cursor=%s", path, cur) :
		    strdup(path);
		http_get(c, p, &r);
		if (r.status != 200)
			fail_msg("%s: HTTP %ld: %s", p, r.status, r.body);
		json_array_foreach(json_object_get(r.json, "items"), i, it) {
			char	 id[32];
			int	 n = snprintf(id, sizeof(id), "%s%lld",
			    len > 0 ? "," : "", (long long)json_integer_value(
			    json_object_get(it, "id")));

			while (len + (size_t)n + 1 > cap)
				assert_non_null(out = realloc(out, cap *= 2));
			memcpy(out + len, id, (size_t)n + 1);
			len += (size_t)n;
		}
		next = json_object_get(r.json, "next_cursor");
		if (json_is_integer(next))
			snprintf(cur, sizeof(cur), "%lld",
			    (long long)json_integer_value(next));
		else if (json_is_string(next))
			snprintf(cur, sizeof(cur), "%s",
			    json_string_value(next));
		else
			cur[0] = '\0';
		resp_free(&r);
		free(p);
		assert_true(++pages < 10000);
	} while (cur[0] != '\0');
	return out;
}

/* The ids of a page of case_search() in sql_pages(). */
#define PAGE		7
#define TEXT_(n)	#n
#define TEXT(n)		TEXT_(n)	/* a number's digits, as a parameter */

/* How many ids a list of them holds. */
static long
count_ids(const char *s)
{
	long	 n = *s != '\0';

	for (; *s != '\0'; s++)
		n += *s == ',';
	return n;
}

/*
 * case_search()'s paths: how many of the newest cases it looks among
 * first (paicha.search_look), how many in all before it asks the index
 * (paicha.search_probe, 0: the index alone), and how many enterprises
 * matching by name are few enough to read before the cases
 * (paicha.search_few: at 0, any is many; below 0, as 0).
 */
static const struct path {
	const char	*look, *probe, *few;
} paths[] = {
	{ "", "0", "" },
	{ "", "5", "" },
	{ "", "5", "0" },
	{ "", "40", "" },
	{ "3", "12", "" },
	{ "3", "12", "0" },
	{ "2", "40", "" },
	{ "2", "40", "0" },
	{ "-1", "-1", "-1" },	/* below their range: the index, exact */
};
#define NPATHS (sizeof(paths) / sizeof(paths[0]))

/* Set case_search()'s knobs on `app` to `p` ("": their defaults). */
static void
path_set(PGconn *app, const struct path *p)
{
	free(db_value(app, "SELECT set_config('paicha.search_look', $1,"
	    " false), set_config('paicha.search_probe', $2, false),"
	    " set_config('paicha.search_few', $3, false)", p->look, p->probe,
	    p->few, NULL));
}

/*
 * Every page of case_search() for `q` (`pat` its pattern), PAGE ids a
 * page, on `app` by path `p`.  A page of fewer than PAGE that is not the
 * last is marked "short" in the answer: each page must be the newest PAGE
 * before the one ahead of it, not only add up to the whole.
 */
static char *
sql_pages(PGconn *app, const char *pat, const char *q, const struct path *p)
{
	static const struct path deflt = { "", "", "" };
	char	*out = strdup(""), *page, *least, *t, before[32] = "";
	int	 shorter = 0;

	path_set(app, p);
	for (;;) {
		page = db_value(app, "SELECT string_agg(x::text, ','"
		    " ORDER BY x DESC) FROM case_search($1, $2,"
		    " nullif($3, '')::bigint, $4::integer) x", pat, q, before,
		    TEXT(PAGE), NULL);
		if (page == NULL)
			break;
		least = strrchr(page, ',');
		snprintf(before, sizeof(before), "%s",
		    least != NULL ? least + 1 : page);
		t = fmt("%s%s%s%s", out, *out != '\0' ? "," : "",
		    shorter ? "short," : "", page);
		shorter = count_ids(page) < PAGE;
		free(out);
		free(page);
		out = t;
	}
	path_set(app, &deflt);
	return out;
}

/* The fixtures: enterprises and cases whose texts the words probe. */
static void
make_fixtures(void)
{
	struct client	*bj = client_login("officer.bj", "paicha-demo");
	struct client	*sh = client_login("officer.sh", "paicha-demo");
	PGconn		*db = db_admin();
	long long	 e[6];
	char		*code, *low;
	int		 n;

	e[0] = enterprise_make("110101", "检索企业ÄbC钢筋厂%_\\");
	e[1] = enterprise_make("110108", "检索海淀水泥有限公司");
	e[2] = enterprise_make("110000", "检索a_b50%公司");
	e[3] = enterprise_make("310104", "检索上海钢筋有限公司");
	e[4] = enterprise_make("110105", "ΣΊΣΥΦΟΣ检索");
	e[5] = enterprise_make("110101", "检索普通企业");
	case_make(bj, e[0], "检索：钢筋抗拉强度不合格，50%超标ABC"
	    "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥一二三四五六七八九十"
	    "百千万亿");
	case_make(bj, e[1], "检索 a_b 标签 与 abc 不同，下划线_标注");
	case_make(bj, e[2], "检索 反斜杠 \\ 与 百分号 % 的记录");
	case_make(bj, e[4], "检索 希腊字母 σίσυφος 与 äb");
	case_make(bj, e[5], "检索 整改 未按期");
	case_make(bj, e[5], "Z9-1");
	case_make(sh, e[3], "检索 上海 钢筋 重量偏差 超标");
	/*
	 * A word whose newest two cases start a window that then holds no
	 * page: older hits lie past it (the `paths` of a look of 3 and 2:
	 * a window read whole is not the scope read whole).
	 */
	for (n = 0; n < 3; n++)
		case_make(bj, e[5], "窗口期核查 未整改");
	for (n = 0; n < 12; n++)
		case_make(bj, e[5], "窗口之外 填充");
	for (n = 0; n < 2; n++)
		case_make(bj, e[5], "窗口期核查 复查");
	/* The codes: whole, lower-case, and a part of one. */
	code = db_value(db, "SELECT uscc FROM enterprises WHERE id = $1",
	    fmt("%lld", e[5]), NULL);
	assert_non_null(code);
	low = db_value(db, "SELECT lower($1)", code, NULL);
	for (n = 0; words[n] != NULL; n++)
		;
	words[n++] = code;
	words[n++] = low;
	words[n++] = strndup(code, 8);
	words[n++] = db_value(db, "SELECT uscc FROM enterprises WHERE id = $1",
	    fmt("%lld", e[3]), NULL);
	words[n++] = db_value(db, "SELECT uscc FROM enterprises"
	    " WHERE region >= '110000' AND region < '120000'"
	    " ORDER BY id LIMIT 1", NULL);
	PQfinish(db);
	client_free(bj);
	client_free(sh);
}

/* Every word, as every user: the new search gives the old one's cases. */
static void
test_same_results(void **state)
{
	size_t	 u, w;
	long	 compared = 0, found = 0;

	(void)state;
	make_fixtures();
	for (u = 0; u < sizeof(users) / sizeof(users[0]); u++) {
		struct client	*c = client_login(users[u], "paicha-demo");
		PGconn		*app = db_app();
		char		*region = db_scope_as(app, c);

		for (w = 0; words[w] != NULL; w++) {
			char	*pat = pattern(words[w]), *esc, *path, *old;
			char	*neu, *sql, *two, *total, *by;
			struct resp r;
			size_t	 i;

			esc = curl_easy_escape(NULL, words[w], 0);
			old = db_value(app, OLD_SEARCH, pat, words[w], NULL);
			assert_non_null(old);
			sql = db_value(app, NEW_SEARCH, pat, words[w], NULL);
			path = fmt("/api/v1/cases?q=%s&limit=7", esc);
			neu = http_ids(c, path);
			free(path);
			path = fmt("/api/v1/cases?q=%s&region=%s&limit=200",
			    esc, region);
			two = http_ids(c, path);
			free(path);
			path = fmt("/api/v1/cases/counts?q=%s", esc);
			http_get(c, path, &r);
			assert_int_equal(r.status, 200);
			total = fmt("%lld", (long long)json_integer_value(
			    json_object_get(r.json, "total")));
			resp_free(&r);
			free(path);
			if (strcmp(old, neu) != 0 || strcmp(old, two) != 0 ||
			    strcmp(old, sql) != 0 ||
			    count_ids(old) != strtol(total, NULL, 10))
				fail_msg("%s, q=[%s]: ILIKE gave [%s]; the list"
				    " [%s], with region [%s], case_search()"
				    " [%s], counts %s", users[u], words[w],
				    old, neu, two, sql, total);
			for (i = 0; i < NPATHS; i++) {
				by = sql_pages(app, pat, words[w], &paths[i]);
				if (strcmp(old, by) != 0)
					fail_msg("%s, q=[%s]: ILIKE gave [%s];"
					    " case_search()'s pages with look"
					    " [%s], probe [%s], few [%s]: [%s]",
					    users[u], words[w], old,
					    paths[i].look, paths[i].probe,
					    paths[i].few, by);
				free(by);
			}
			compared++;
			found += count_ids(old);
			curl_free(esc);
			free(pat);
			free(old);
			free(sql);
			free(neu);
			free(two);
			free(total);
		}
		print_message("%s (%s): %zu words, same cases\n", users[u],
		    region, w);
		free(region);
		PQfinish(app);
		client_free(c);
	}
	/* The check set found something, or it checked nothing. */
	assert_true(compared > 0 && found > 100);
	print_message("%ld comparisons, %ld cases found in all\n", compared,
	    found);
}

/* Blank and empty words are refused, as before. */
static void
test_blank(void **state)
{
	struct client	*c = client_login("officer.bj", "paicha-demo");
	struct resp	 r;

	(void)state;
	http_get(c, "/api/v1/cases?q=", &r);
	assert_problem(&r, 400);
	resp_free(&r);
	http_get(c, "/api/v1/cases?q=%20%20", &r);
	assert_problem(&r, 400);
	resp_free(&r);
	client_free(c);
}

/*
 * Without a valid session's scope case_search() finds nothing: no
 * session, settings without one, or a session with its region widened
 * by hand (it runs as the tables' owner, so it must refuse what the
 * policies would).
 */
static void
test_no_scope(void **state)
{
	PGconn		*app = db_app();
	struct client	*dc = client_login("officer.dc", "paicha-demo");
	char		*region;

	(void)state;
	region = db_scope_as(app, dc);
	assert_string_equal(region, "110101");
	db_expect(app, "SELECT (count(*) > 0)::text FROM case_search('%检索%',"
	    " '检索', NULL, NULL)", NULL, "true");
	db_do(app, "SELECT set_config('paicha.region', '110000', false)");
	db_expect(app, "SELECT count(*) FROM case_search('%检索%', '检索',"
	    " NULL, NULL)", NULL, "0");
	db_expect(app, "SELECT count(*) FROM case_search('%检索%', '检索',"
	    " NULL, 7)", NULL, "0");
	free(region);
	client_free(dc);
	PQfinish(app);
	app = db_app();
	db_expect(app, "SELECT count(*) FROM case_search('%钢筋%', '钢筋',"
	    " NULL, NULL)", NULL, "0");
	db_do(app, "SELECT set_config('paicha.region', '000000', false),"
	    " set_config('paicha.user_id', '1', false)");
	db_expect(app, "SELECT count(*) FROM case_search('%钢筋%', '钢筋',"
	    " NULL, NULL)", NULL, "0");
	PQfinish(app);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_results),
		cmocka_unit_test(test_blank),
		cmocka_unit_test(test_no_scope),
	};

	return cmocka_run_group_tests_name("e2e-search", tests, NULL, NULL);
}
