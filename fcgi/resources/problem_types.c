/*
 * problem_types.c: the seed's 重点问题 as data (sql/0061_problem_types.sql)
 * and what is counted by them (API.md Part 2 "Enterprise profile,
 * problem types, risk grades").
 *
 *	GET /api/v1/problem-types		the types, per domain
 *	GET /api/v1/reports/problem-types?campaign=&region=&format=
 *						cases counted by type and
 *						product category: JSON, CSV,
 *						XLSX
 *
 * A case carries the ids of its types (cases.c takes them on
 * registration with problem_types_take(); the database checks each is a
 * type of the case's domain).  The report counts, for the cases of the
 * campaign (or of every campaign) in the region and every region below
 * it, how many carry each type, per category: a case with two types
 * counts once under each, so the 合计 row counts problems, and `cases`,
 * `classified` and `unclassified` say how many cases there are.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/base.h"
#include "../front/front.h"
#include "resources.h"
#include "xlsx.h"

#define MAX_TYPES	64	/* rows of the report */
#define MAX_CATS	128	/* categories, its columns */

static const char *const domain_labels[][2] = {
	{ "production", "生产领域" },
	{ "circulation", "流通领域" },
};

static const char *
domain_label(const char *id)
{
	size_t	 i;

	for (i = 0; i < NITEMS(domain_labels); i++)
		if (strcmp(id, domain_labels[i][0]) == 0)
			return domain_labels[i][1];
	return id;
}

/* An id as the table allows it: [a-z][a-z0-9_]{1,39}. */
static int
type_id_shaped(const char *s)
{
	size_t	 n = strlen(s);

	return n >= 2 && n <= 40 && s[0] >= 'a' && s[0] <= 'z' &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

/*
 * A case's `problem_types` as given (NULL: absent or null): a list of at
 * most MAX_CASE_PROBLEM_TYPES distinct ids, written into `out` as a
 * PostgreSQL text array ("{a,b}", "{}" for none) for the caller's check
 * that each is a type of the case's domain.  Returns how many, or -1
 * after replying 400 (not a list of strings) or 422.
 */
int
problem_types_take(struct req *r, const json_t *v,
    char out[PROBLEM_TYPES_TEXT])
{
	const json_t	*e;
	const char	*s;
	size_t		 i, j, len = 1;

	snprintf(out, PROBLEM_TYPES_TEXT, "{}");
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_array(v)) {
		reply_problem(r, 400, "wrong-type", "a field has the wrong "
		    "JSON type", problem_field(NULL, "problem_types",
		    "应为问题类型编号的数组"));
		return -1;
	}
	if (json_array_size(v) > MAX_CASE_PROBLEM_TYPES) {
		reply_problem(r, 422, NULL, "some fields are missing or "
		    "invalid", problem_field(NULL, "problem_types",
		    "最多10个问题类型"));
		return -1;
	}
	json_array_foreach(v, i, e) {
		if (!json_is_string(e)) {
			reply_problem(r, 400, "wrong-type", "a field has the "
			    "wrong JSON type", problem_field(NULL,
			    "problem_types", "每项应为字符串"));
			return -1;
		}
		s = json_string_value(e);
		for (j = 0; j < i; j++)
			if (json_equal(e, json_array_get(v, j)))
				break;
		if (!type_id_shaped(s) || j < i) {
			reply_problem(r, 422, NULL, "some fields are missing "
			    "or invalid", problem_field(NULL, "problem_types",
			    j < i ? "问题类型重复" : "未知的问题类型"));
			return -1;
		}
		out[len - 1] = i == 0 ? '{' : ',';
		memcpy(out + len, s, strlen(s));
		len += strlen(s) + 1;
		out[len - 1] = '}';
		out[len] = '\0';
	}
	return (int)json_array_size(v);
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/problem-types                                          */
/* ------------------------------------------------------------------ */

void
problem_types_get(struct req *r)
{
	static struct stmt list = STMT(
	    "SELECT id, domain, label FROM problem_types ORDER BY ord", 0);
	PGresult	*res;
	json_t		*items;
	int		 i;

	if ((res = db_exec(r, &list, NULL)) == NULL) {
		reply_db_error(r);
		return;
	}
	items = json_array();
	for (i = 0; i < PQntuples(res); i++)
		json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:s}",
		    "id", db_get(res, i, "id"),
		    "domain", db_get(res, i, "domain"),
		    "domain_label", domain_label(db_get(res, i, "domain")),
		    "label", db_get(res, i, "label")));
	PQclear(res);
	reply_json(r, 200, json_pack("{s:o}", "items", items));
}

/* ------------------------------------------------------------------ */
/* The report: a table of counts                                      */
/* ------------------------------------------------------------------ */

/*
 * The report in memory: one row per type, then 合计; columns 问题类型,
 * 领域, one per category shown, 合计.  `n` counts [type][category].
 */
struct ptr {
	long long	 campaign_id;		/* 0: every campaign */
	char		 campaign_name[160];
	char		 region[7];
	char		 region_name[160];
	PGresult	*types, *cats;		/* own the texts */
	int		 ntypes, ncats;
	int		 shown[MAX_CATS];	/* categories shown, in order */
	int		 nshown;
	long long	 n[MAX_TYPES][MAX_CATS];
	long long	 cases, unclassified;
};

static long long
row_total(const struct ptr *t, int i)
{
	long long	 s = 0;
	int		 c;

	for (c = 0; c < t->ncats; c++)
		s += t->n[i][c];
	return s;
}

static long long
col_total(const struct ptr *t, int c)
{
	long long	 s = 0;
	int		 i;

	for (i = 0; i < t->ntypes; i++)
		s += t->n[i][c];
	return s;
}

static long long
grand_total(const struct ptr *t)
{
	long long	 s = 0;
	int		 i;

	for (i = 0; i < t->ntypes; i++)
		s += row_total(t, i);
	return s;
}

/*
 * The cell at row `i` (t->ntypes: 合计), column `c` (0 类型, 1 领域, then
 * the categories shown, then 合计): its text in `buf`, and whether it is
 * a count.
 */
static const char *
ptr_cell(const struct ptr *t, int i, int c, char buf[32], int *count)
{
	int	 total = i == t->ntypes;

	*count = c >= 2;
	if (c == 0)
		return total ? "合计" : PQgetvalue(t->types, i, 1);
	if (c == 1)
		return total ? "" : domain_label(PQgetvalue(t->types, i, 2));
	if (c - 2 < t->nshown)
		snprintf(buf, 32, "%lld", total ? col_total(t,
		    t->shown[c - 2]) : t->n[i][t->shown[c - 2]]);
	else
		snprintf(buf, 32, "%lld", total ? grand_total(t) :
		    row_total(t, i));
	return buf;
}

static const char *
ptr_heading(const struct ptr *t, int c)
{
	if (c == 0)
		return "问题类型";
	if (c == 1)
		return "领域";
	if (c - 2 < t->nshown)
		return PQgetvalue(t->cats, t->shown[c - 2], 1);
	return "合计";
}

#define PTR_COLS(t)	((t)->nshown + 3)
#define PTR_ROWS(t)	((t)->ntypes + 1)

/* ------------------------------------------------------------------ */
/* JSON, CSV, XLSX                                                    */
/* ------------------------------------------------------------------ */

static void
ptr_json(struct req *r, const struct ptr *t)
{
	json_t		*cols = json_array(), *rows = json_array();
	json_t		*items = json_array(), *row, *by;
	const char	*s;
	char		 buf[32];
	int		 i, c, count;

	for (c = 0; c < PTR_COLS(t); c++)
		json_array_append_new(cols, json_string(ptr_heading(t, c)));
	for (i = 0; i < PTR_ROWS(t); i++) {
		row = json_array();
		for (c = 0; c < PTR_COLS(t); c++) {
			s = ptr_cell(t, i, c, buf, &count);
			json_array_append_new(row, count ?
			    json_integer(strtoll(s, NULL, 10)) :
			    json_string(s));
		}
		json_array_append_new(rows, row);
	}
	for (i = 0; i < t->ntypes; i++) {
		by = json_array();
		for (c = 0; c < t->ncats; c++)
			if (t->n[i][c] > 0)
				json_array_append_new(by, json_pack(
				    "{s:s, s:s, s:I}",
				    "category", PQgetvalue(t->cats, c, 0),
				    "name", PQgetvalue(t->cats, c, 1),
				    "count", (json_int_t)t->n[i][c]));
		json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:I,"
		    " s:o}", "id", PQgetvalue(t->types, i, 0),
		    "label", PQgetvalue(t->types, i, 1),
		    "domain", PQgetvalue(t->types, i, 2),
		    "count", (json_int_t)row_total(t, i),
		    "by_category", by));
	}
	reply_json(r, 200, json_pack("{s:o, s:s, s:s, s:s, s:I, s:I, s:I,"
	    " s:I, s:o, s:o, s:o}",
	    "campaign_id", t->campaign_id != 0 ?
	    json_integer(t->campaign_id) : json_null(),
	    "campaign_name", t->campaign_name,
	    "region", t->region, "region_name", t->region_name,
	    "cases", (json_int_t)t->cases,
	    "classified", (json_int_t)(t->cases - t->unclassified),
	    "unclassified", (json_int_t)t->unclassified,
	    "problems", (json_int_t)grand_total(t),
	    "items", items, "columns", cols, "rows", rows));
}

static void
put_file(void *ctx, const char *s, size_t n)
{
	fwrite(s, 1, n, ctx);
}

/* CSV: UTF-8 with a BOM, CRLF, the headings, then the rows (csv.c). */
static void
ptr_csv(struct req *r, const struct ptr *t)
{
	FILE		*out;
	char		*buf = NULL, cell[32];
	const char	*s;
	size_t		 len = 0;
	int		 i, c, count;

	if ((out = open_memstream(&buf, &len)) == NULL) {
		log_error("request %s: open_memstream: %s", r->id,
		    strerror(errno));
		reply_problem(r, 500, NULL, "internal error", NULL);
		return;
	}
	fputs("\xef\xbb\xbf", out);
	for (c = 0; c < PTR_COLS(t); c++) {
		if (c > 0)
			fputc(',', out);
		csv_cell(ptr_heading(t, c), 1, put_file, out);
	}
	fputs("\r\n", out);
	for (i = 0; i < PTR_ROWS(t); i++) {
		for (c = 0; c < PTR_COLS(t); c++) {
			if (c > 0)
				fputc(',', out);
			s = ptr_cell(t, i, c, cell, &count);
			csv_cell(s, !count, put_file, out);
		}
		fputs("\r\n", out);
	}
	if (fclose(out) != 0 || buf == NULL) {
		log_error("request %s: could not write the csv", r->id);
		reply_problem(r, 500, NULL, "internal error", NULL);
		goto out;
	}
	snprintf(r->disposition, sizeof(r->disposition),
	    "attachment; filename=\"paicha-problem-types-%s.csv\"", t->region);
	reply_text(r, 200, "text/csv; charset=utf-8; header=present", buf,
	    len);
out:
	free(buf);
}

/*
 *	row 0	the title
 *	row 1	who, which campaign, how many cases
 *	row 2	the headings
 *	rows 3..	one per type, then 合计
 */
static lxw_error
ptr_write(const void *arg, const char *path, const char *tmpdir)
{
	const struct ptr	*t = arg;
	lxw_workbook_options	 opt = { .constant_memory = LXW_FALSE,
				    .tmpdir = (char *)tmpdir };
	lxw_workbook		*wb;
	lxw_worksheet		*ws;
	lxw_format		*title, *note, *head, *text, *num;
	lxw_format		*ttext, *tnum;
	lxw_error		 e;
	const char		*s;
	char			 buf[32], line[600];
	int			 i, c, count, total;

	if ((wb = workbook_new_opt(path, &opt)) == NULL)
		return LXW_ERROR_CREATING_XLSX_FILE;
	ws = workbook_add_worksheet(wb, "问题类型");
	title = xlsx_format(wb, 1, LXW_ALIGN_CENTER, 0, 0);
	format_set_font_size(title, 14);
	note = xlsx_format(wb, 0, LXW_ALIGN_LEFT, 0, 0);
	head = xlsx_format(wb, 1, LXW_ALIGN_CENTER, 1, 1);
	text = xlsx_format(wb, 0, LXW_ALIGN_LEFT, 1, 1);
	num = xlsx_format(wb, 0, LXW_ALIGN_RIGHT, 1, 0);
	format_set_num_format(num, "0");
	ttext = xlsx_format(wb, 1, LXW_ALIGN_CENTER, 1, 0);
	tnum = xlsx_format(wb, 1, LXW_ALIGN_RIGHT, 1, 0);
	format_set_num_format(tnum, "0");
	worksheet_set_landscape(ws);
	worksheet_set_paper(ws, 9);		/* A4 */
	worksheet_fit_to_pages(ws, 1, 0);
	worksheet_set_column(ws, 0, 0, 30, NULL);
	worksheet_set_column(ws, 1, 1, 10, NULL);
	worksheet_set_column(ws, 2, (lxw_col_t)(PTR_COLS(t) - 1), 11, NULL);
	worksheet_set_row(ws, 2, 42, NULL);
	e = worksheet_merge_range(ws, 0, 0, 0, (lxw_col_t)(PTR_COLS(t) - 1),
	    "重点问题分类统计表", title);
	snprintf(line, sizeof(line), "填报单位：%s（%s）    专项行动：%s    "
	    "案件 %lld 起，其中已分类 %lld 起；一起案件有几个问题类型即计几次",
	    t->region_name, t->region, t->campaign_name, t->cases,
	    t->cases - t->unclassified);
	if (e == LXW_NO_ERROR)
		e = worksheet_merge_range(ws, 1, 0, 1,
		    (lxw_col_t)(PTR_COLS(t) - 1), line, note);
	for (c = 0; c < PTR_COLS(t) && e == LXW_NO_ERROR; c++)
		e = worksheet_write_string(ws, 2, (lxw_col_t)c,
		    ptr_heading(t, c), head);
	worksheet_freeze_panes(ws, 3, 1);
	for (i = 0; i < PTR_ROWS(t) && e == LXW_NO_ERROR; i++) {
		total = i == t->ntypes;
		for (c = 0; c < PTR_COLS(t) && e == LXW_NO_ERROR; c++) {
			s = ptr_cell(t, i, c, buf, &count);
			e = count ? worksheet_write_number(ws,
			    (lxw_row_t)(3 + i), (lxw_col_t)c, strtod(s, NULL),
			    total ? tnum : num) : worksheet_write_string(ws,
			    (lxw_row_t)(3 + i), (lxw_col_t)c, s,
			    total ? ttext : text);
		}
	}
	if (e != LXW_NO_ERROR) {
		workbook_close(wb);
		return e;
	}
	return workbook_close(wb);
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/reports/problem-types                                  */
/* ------------------------------------------------------------------ */

static const char *const formats[] = { "json", "csv", "xlsx", NULL };

struct report_in {
	long long	 campaign;
	const char	*region;
	const char	*format;
};

static const struct vfield report_fields[] = {
	{ "campaign", VT_ID, 0, 0, 0, NULL, NULL,
	    offsetof(struct report_in, campaign) },
	{ "region", VT_REGION, 0, 0, 0, NULL, NULL,
	    offsetof(struct report_in, region) },
	{ "format", VT_ENUM, 0, 0, 0, formats, NULL,
	    offsetof(struct report_in, format) },
};

/*
 * The counts of cases by type and category, and the cases, classified
 * or not, of campaign $1 (NULL: all) in region $2's subtree, in the
 * route's one snapshot.  Categories: the seed's ten always, any other
 * only where it counts.
 */
static int
ptr_load(struct req *r, struct ptr *t, const char *const *p)
{
	static struct stmt types = STMT(
	    "SELECT id, label, domain FROM problem_types ORDER BY ord", 0);
	static struct stmt cats = STMT(
	    "SELECT id, name, province IS NULL AS national FROM categories"
	    " ORDER BY province NULLS FIRST, ord, id", 0);
	static struct stmt counts = STMT(
	    "WITH c AS (SELECT category, problem_types FROM cases"
	    " WHERE ($1::integer IS NULL OR campaign_id = $1)"
	    " AND region >= region_lo($2::char(6))"
	    " AND region < region_hi($2::char(6)))"
	    " SELECT t.id AS type, c.category, count(*) AS n"
	    " FROM c CROSS JOIN LATERAL unnest(c.problem_types) t(id)"
	    " WHERE c.problem_types <> '{}' GROUP BY 1, 2"
	    " UNION ALL SELECT NULL, NULL, count(*) FROM c"
	    " UNION ALL SELECT NULL, 'unclassified', count(*) FROM c"
	    " WHERE c.problem_types = '{}'", 2);
	PGresult	*res;
	const char	*ty, *ca;
	int		 i, ti, ci, used[MAX_CATS];

	if ((t->types = db_exec(r, &types, NULL)) == NULL ||
	    (t->cats = db_exec(r, &cats, NULL)) == NULL ||
	    (res = db_exec(r, &counts, p)) == NULL)
		return -1;
	t->ntypes = PQntuples(t->types) < MAX_TYPES ?
	    PQntuples(t->types) : MAX_TYPES;
	t->ncats = PQntuples(t->cats) < MAX_CATS ?
	    PQntuples(t->cats) : MAX_CATS;
	memset(used, 0, sizeof(used));
	for (i = 0; i < PQntuples(res); i++) {
		if (db_isnull(res, i, "type")) {
			if (db_isnull(res, i, "category"))
				t->cases = strtoll(db_get(res, i, "n"), NULL,
				    10);
			else
				t->unclassified = strtoll(db_get(res, i, "n"),
				    NULL, 10);
			continue;
		}
		ty = db_get(res, i, "type");
		ca = db_get(res, i, "category");
		for (ti = 0; ti < t->ntypes; ti++)
			if (strcmp(PQgetvalue(t->types, ti, 0), ty) == 0)
				break;
		for (ci = 0; ci < t->ncats; ci++)
			if (strcmp(PQgetvalue(t->cats, ci, 0), ca) == 0)
				break;
		if (ti == t->ntypes || ci == t->ncats)
			continue;	/* beyond the table's bounds */
		t->n[ti][ci] = strtoll(db_get(res, i, "n"), NULL, 10);
		used[ci] = 1;
	}
	for (ci = 0; ci < t->ncats; ci++)
		if (used[ci] || strcmp(PQgetvalue(t->cats, ci, 2), "t") == 0)
			t->shown[t->nshown++] = ci;
	PQclear(res);
	return 0;
}

void
report_problem_types(struct req *r)
{
	static struct stmt whom = STMT(
	    "SELECT (SELECT name FROM regions WHERE code = $1::char(6)"
	    "   AND region_covers($2::char(6), $1::char(6))) AS region_name,"
	    " (SELECT name FROM campaigns WHERE id = $3) AS campaign_name", 3);
	struct report_in in = { 0, NULL, "json" };
	struct ptr	*t;
	PGresult	*res;
	char		 camp[24], name[96];
	const char	*p[3];

	if (validate_query(r, report_fields, NITEMS(report_fields), &in,
	    NULL) == -1)
		return;
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		req_fail(r, "out of memory");
		reply_db_error(r);
		return;
	}
	t->campaign_id = in.campaign;
	snprintf(t->region, sizeof(t->region), "%s",
	    in.region != NULL ? in.region : r->user.region);
	snprintf(camp, sizeof(camp), "%lld", in.campaign);
	p[0] = t->region;
	p[1] = r->user.region;
	p[2] = in.campaign != 0 ? camp : NULL;
	if ((res = db_exec(r, &whom, p)) == NULL) {
		reply_db_error(r);
		goto out;
	}
	if (in.campaign != 0 && db_isnull(res, 0, "campaign_name")) {
		reply_problem(r, 404, NULL, "no such campaign", NULL);
		goto cleared;
	}
	if (db_isnull(res, 0, "region_name")) {
		reply_problem(r, 404, NULL, "no such region within yours",
		    NULL);
		goto cleared;
	}
	snprintf(t->region_name, sizeof(t->region_name), "%s",
	    db_get(res, 0, "region_name"));
	snprintf(t->campaign_name, sizeof(t->campaign_name), "%s",
	    in.campaign != 0 ? db_get(res, 0, "campaign_name") : "全部");
	p[0] = in.campaign != 0 ? camp : NULL;
	p[1] = t->region;
	if (ptr_load(r, t, p) == -1)
		reply_db_error(r);
	else if (strcmp(in.format, "csv") == 0)
		ptr_csv(r, t);
	else if (strcmp(in.format, "xlsx") == 0) {
		snprintf(name, sizeof(name), "paicha-problem-types-%s.xlsx",
		    t->region);
		xlsx_send(r, name, ptr_write, t);
	} else
		ptr_json(r, t);
cleared:
	PQclear(res);
out:
	PQclear(t->types);
	PQclear(t->cats);
	free(t);
}
