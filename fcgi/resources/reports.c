/*
 * reports.c: the campaign's statistics form, 重点工业产品质量安全排查治理专项行动
 * 情况统计表 (the seed's 附件), as JSON, CSV or XLSX (API.md "Reports").
 *
 * Three statements read the records, one table each, once, for the
 * campaign and the region's subtree (activities for this year and the
 * year before, cases that reached a fact the form counts), grouped by
 * category with a grouping set for 合计, so distinct enterprises are
 * distinct across categories in the total as well; the largest runs on a
 * second connection in the same snapshot while the others run here; a
 * fourth makes the form's rows of the three.  The three formats are three
 * writers over the same table of cells.
 *
 * The columns are the table below, in API.md's order: the seed's three
 * header levels (the XLSX merges equal neighbours), the kind of cell, and
 * the statement's column that fills it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "../base/base.h"
#include "../front/front.h"
#include "resources.h"
#include "xlsx.h"
#include "form.h"

#define MAX_XLSX	(4 * 1024 * 1024)	/* the file we send, bytes */
#define TITLE		"重点工业产品质量安全排查治理专项行动情况统计表"

enum ctype {
	CT_TEXT,	/* the category's name */
	CT_COUNT,	/* a whole number: JSON number */
	CT_MONEY,	/* yuan with two decimals: JSON string */
	CT_DELTA,	/* percentage points, signed, one decimal, or "" */
	CT__MAX
};

struct column {
	const char	*group;		/* header row 1 */
	const char	*sub;		/* header row 2, or NULL: leaf spans 2-3 */
	const char	*leaf;		/* header row 3 (or 2-3), NULL: group spans all */
	enum ctype	 type;
	const char	*sql;		/* the statement's column */
};

enum col {
	COL_CATEGORY,
	COL_INSP_P, COL_INSP_FOUND_P, COL_INSP_C, COL_INSP_FOUND_C,
	COL_SPOT_ENT_P, COL_SPOT_BATCH_P, COL_SPOT_FAIL_P, COL_SPOT_DELTA_P,
	COL_SPOT_ENT_C, COL_SPOT_BATCH_C, COL_SPOT_FAIL_C, COL_SPOT_DELTA_C,
	COL_RISK_INFO, COL_MON_BATCH, COL_MON_FOUND,
	COL_CASES, COL_FINES, COL_CASE_VALUE, COL_JUDICIAL,
	COL_DISCIPLINE,
	COL_HELP_ENT, COL_HELP_SOLVED, COL_HELP_GAIN,
	COL_INTERVIEWED,
	COL__MAX
};

_Static_assert(COL__MAX == FORM_COLS, "form.h's FORM_COLS");

static const struct column columns[COL__MAX] = {
	[COL_CATEGORY] = { "产品类别", NULL, NULL, CT_TEXT, "name" },
	[COL_INSP_P] = { "风险排查", "生产领域", "排查企业", CT_COUNT,
	    "insp_p" },
	[COL_INSP_FOUND_P] = { "风险排查", "生产领域", "发现问题企业", CT_COUNT,
	    "insp_found_p" },
	[COL_INSP_C] = { "风险排查", "流通领域", "排查企业", CT_COUNT,
	    "insp_c" },
	[COL_INSP_FOUND_C] = { "风险排查", "流通领域", "发现问题企业", CT_COUNT,
	    "insp_found_c" },
	[COL_SPOT_ENT_P] = { "监督抽查", "生产领域", "抽查企业", CT_COUNT,
	    "spot_ent_p" },
	[COL_SPOT_BATCH_P] = { "监督抽查", "生产领域", "抽查批次", CT_COUNT,
	    "spot_batch_p" },
	[COL_SPOT_FAIL_P] = { "监督抽查", "生产领域", "不合格批次", CT_COUNT,
	    "spot_fail_p" },
	[COL_SPOT_DELTA_P] = { "监督抽查", "生产领域", "同比变化", CT_DELTA,
	    "spot_delta_p" },
	[COL_SPOT_ENT_C] = { "监督抽查", "流通领域", "抽查企业", CT_COUNT,
	    "spot_ent_c" },
	[COL_SPOT_BATCH_C] = { "监督抽查", "流通领域", "抽查批次", CT_COUNT,
	    "spot_batch_c" },
	[COL_SPOT_FAIL_C] = { "监督抽查", "流通领域", "不合格批次", CT_COUNT,
	    "spot_fail_c" },
	[COL_SPOT_DELTA_C] = { "监督抽查", "流通领域", "同比变化", CT_DELTA,
	    "spot_delta_c" },
	[COL_RISK_INFO] = { "风险监测", NULL, "采集风险信息(条)", CT_COUNT,
	    "risk_info" },
	[COL_MON_BATCH] = { "风险监测", NULL, "开展风险监测产品(批次)", CT_COUNT,
	    "mon_batch" },
	[COL_MON_FOUND] = { "风险监测", NULL, "发现质量问题(个)", CT_COUNT,
	    "mon_found" },
	[COL_CASES] = { "案件查办", NULL, "查处案件(起)", CT_COUNT, "cases" },
	[COL_FINES] = { "案件查办", NULL, "罚没金额", CT_MONEY, "fines" },
	[COL_CASE_VALUE] = { "案件查办", NULL, "案值", CT_MONEY, "case_value" },
	[COL_JUDICIAL] = { "案件查办", NULL, "移送司法机关案件(起)", CT_COUNT,
	    "judicial" },
	[COL_DISCIPLINE] = { "行纪衔接", NULL, "行纪衔接(起)", CT_COUNT,
	    "discipline" },
	[COL_HELP_ENT] = { "质量技术帮扶", NULL, "帮扶企业(家)", CT_COUNT,
	    "help_ent" },
	[COL_HELP_SOLVED] = { "质量技术帮扶", NULL, "解决质量问题(个)", CT_COUNT,
	    "help_solved" },
	[COL_HELP_GAIN] = { "质量技术帮扶", NULL, "帮助企业提升产值", CT_MONEY,
	    "help_gain" },
	[COL_INTERVIEWED] = { "约谈", NULL, "约谈企业(家)", CT_COUNT,
	    "interviewed" },
};

/*
 * The form is five statements: four parts, each over one table's rows
 * of the campaign and the region's subtree, grouped by category with a
 * grouping set for 合计 (so distinct enterprises are distinct across
 * categories in the total as well), each answering its rows as one JSON
 * array; then the form itself from the four.  The parts are functions
 * (sql/0198_form_parts.sql, 0199_form_split.sql) that check the
 * session's scope once and read the subtree without row-level security's
 * per-row tests.  They read hundreds of thousands of rows at a million
 * cases and need not wait for each other: form_load() runs the first
 * beside the others (db_beside_ask: the same snapshot on a second
 * connection).  The activities are two parts, split by kind so that the
 * two connections' shares are about even: every activity column counts
 * one kind, so the halves' rows add up to the whole's.  $1 the
 * campaign, $2 the region, $3 the cut-off (NULL: now).
 */
enum part {
	PART_ACTIVITIES,	/* this year's inspections and spot checks */
	PART_ACTIVITIES_REST,	/* this year's activities of the other kinds */
	PART_LAST_YEAR,		/* last year's spot checks: 同比变化 */
	PART_CASES,		/* the cases' facts */
	PART__MAX
};

/* The kinds of PART_ACTIVITIES; PART_ACTIVITIES_REST counts the others. */
#define BESIDE_KINDS	"'{inspection,spot_check}'"

static struct stmt parts[PART__MAX] = {
	[PART_ACTIVITIES] = STMT("SELECT form_activities($1::integer,"
	    " $2::char(6), $3::timestamptz, " BESIDE_KINDS ", true) AS rows", 3),
	[PART_ACTIVITIES_REST] = STMT("SELECT form_activities($1::integer,"
	    " $2::char(6), $3::timestamptz, " BESIDE_KINDS ", false) AS rows",
	    3),
	[PART_LAST_YEAR] = STMT("SELECT form_last_year($1::integer,"
	    " $2::char(6), $3::timestamptz) AS rows", 3),
	[PART_CASES] = STMT("SELECT form_cases($1::integer,"
	    " $2::char(6), $3::timestamptz) AS rows", 3),
};

/*
 * The form from the parts' rows: $1 the region, $2-$5 the parts' JSON
 * in enum part's order (the two halves of the activities summed).
 * Rows: the seed's ten in order, then the provinces' own (those of the
 * region's province, or every province's under a wider region, and any
 * other category that has records here), then 合计 (is_total).
 *
 * 同比变化: (failed/batches this year - failed/batches last year) in
 * percentage points, from one exact division of integers, rounded half
 * away from zero to one decimal; NULL when either year has no batches.
 */
static struct stmt form = STMT(
    "WITH act AS (SELECT category, total, sum(insp_p)::bigint AS insp_p,"
    "  sum(insp_found_p)::bigint AS insp_found_p,"
    "  sum(insp_c)::bigint AS insp_c,"
    "  sum(insp_found_c)::bigint AS insp_found_c,"
    "  sum(spot_ent_p)::bigint AS spot_ent_p,"
    "  sum(spot_batch_p)::bigint AS spot_batch_p,"
    "  sum(spot_fail_p)::bigint AS spot_fail_p,"
    "  sum(spot_ent_c)::bigint AS spot_ent_c,"
    "  sum(spot_batch_c)::bigint AS spot_batch_c,"
    "  sum(spot_fail_c)::bigint AS spot_fail_c,"
    "  sum(risk_info)::bigint AS risk_info,"
    "  sum(mon_batch)::bigint AS mon_batch,"
    "  sum(mon_found)::bigint AS mon_found,"
    "  sum(help_ent)::bigint AS help_ent,"
    "  sum(help_solved)::bigint AS help_solved,"
    "  sum(help_gain) AS help_gain"
    "  FROM jsonb_to_recordset($2::jsonb || $3::jsonb) AS x("
    "  category text, total integer, insp_p bigint, insp_found_p bigint,"
    "  insp_c bigint, insp_found_c bigint, spot_ent_p bigint,"
    "  spot_batch_p bigint, spot_fail_p bigint, spot_ent_c bigint,"
    "  spot_batch_c bigint, spot_fail_c bigint, risk_info bigint,"
    "  mon_batch bigint, mon_found bigint, help_ent bigint,"
    "  help_solved bigint, help_gain numeric)"
    "  GROUP BY category, total),"
    " last AS (SELECT * FROM json_to_recordset($4::json) AS x("
    "  category text, total integer, b_p bigint, f_p bigint, b_c bigint,"
    "  f_c bigint)),"
    " cs AS (SELECT * FROM json_to_recordset($5::json) AS x("
    "  category text, total integer, cases bigint, fines numeric,"
    "  case_value numeric, judicial bigint, discipline bigint,"
    "  interviewed bigint)),"
    " rws AS (SELECT c.id, c.name, c.province, c.ord, 0 AS total"
    "  FROM categories c WHERE c.province IS NULL"
    "  OR region_covers(c.province, $1::char(6))"
    "  OR region_covers($1::char(6), c.province)"
    "  OR c.id IN (SELECT category FROM act WHERE total = 0"
    "   UNION SELECT category FROM cs WHERE total = 0)"
    "  UNION ALL SELECT NULL, '合计', NULL, NULL, 1),"
    " delta AS (SELECT r.id, r.total,"
    "  CASE WHEN a.spot_batch_p > 0 AND l.b_p > 0 THEN"
    "   round((a.spot_fail_p * l.b_p - l.f_p * a.spot_batch_p)::numeric * 100"
    "   / (a.spot_batch_p * l.b_p), 1) END AS d_p,"
    "  CASE WHEN a.spot_batch_c > 0 AND l.b_c > 0 THEN"
    "   round((a.spot_fail_c * l.b_c - l.f_c * a.spot_batch_c)::numeric * 100"
    "   / (a.spot_batch_c * l.b_c), 1) END AS d_c"
    "  FROM rws r"
    "  LEFT JOIN act a ON a.total = r.total AND a.category IS NOT DISTINCT FROM r.id"
    "  LEFT JOIN last l ON l.total = r.total"
    "   AND l.category IS NOT DISTINCT FROM r.id)"
    " SELECT r.id, r.name, r.total,"
    "  coalesce(a.insp_p, 0) AS insp_p,"
    "  coalesce(a.insp_found_p, 0) AS insp_found_p,"
    "  coalesce(a.insp_c, 0) AS insp_c,"
    "  coalesce(a.insp_found_c, 0) AS insp_found_c,"
    "  coalesce(a.spot_ent_p, 0) AS spot_ent_p,"
    "  coalesce(a.spot_batch_p, 0) AS spot_batch_p,"
    "  coalesce(a.spot_fail_p, 0) AS spot_fail_p,"
    "  CASE WHEN d.d_p > 0 THEN '+' || d.d_p::text WHEN d.d_p < 0"
    "   THEN d.d_p::text WHEN d.d_p = 0 THEN '+0.0' ELSE '' END"
    "   AS spot_delta_p,"
    "  coalesce(a.spot_ent_c, 0) AS spot_ent_c,"
    "  coalesce(a.spot_batch_c, 0) AS spot_batch_c,"
    "  coalesce(a.spot_fail_c, 0) AS spot_fail_c,"
    "  CASE WHEN d.d_c > 0 THEN '+' || d.d_c::text WHEN d.d_c < 0"
    "   THEN d.d_c::text WHEN d.d_c = 0 THEN '+0.0' ELSE '' END"
    "   AS spot_delta_c,"
    "  coalesce(a.risk_info, 0) AS risk_info,"
    "  coalesce(a.mon_batch, 0) AS mon_batch,"
    "  coalesce(a.mon_found, 0) AS mon_found,"
    "  coalesce(k.cases, 0) AS cases,"
    "  coalesce(k.fines, 0)::numeric(20, 2)::text AS fines,"
    "  coalesce(k.case_value, 0)::numeric(20, 2)::text AS case_value,"
    "  coalesce(k.judicial, 0) AS judicial,"
    "  coalesce(k.discipline, 0) AS discipline,"
    "  coalesce(a.help_ent, 0) AS help_ent,"
    "  coalesce(a.help_solved, 0) AS help_solved,"
    "  coalesce(a.help_gain, 0)::numeric(20, 2)::text AS help_gain,"
    "  coalesce(k.interviewed, 0) AS interviewed"
    " FROM rws r"
    " JOIN delta d ON d.total = r.total AND d.id IS NOT DISTINCT FROM r.id"
    " LEFT JOIN act a ON a.total = r.total AND a.category IS NOT DISTINCT FROM r.id"
    " LEFT JOIN cs k ON k.total = r.total AND k.category IS NOT DISTINCT FROM r.id"
    " ORDER BY r.total, r.province NULLS FIRST, r.ord, r.id", 1 + PART__MAX);

/*
 * For the parts, local to their transaction (db_beside_ask takes
 * work_mem along): JIT costs more than it saves on a form (0.1 s on an
 * idle machine, 0.5-1 s on a busy one, for a statement of about a second
 * of CPU over a province's 375k activities), and a province's sort of its
 * activities fits in 64 MB where 32 MB spills to disk.
 */
static struct stmt tune = STMT(
    "SELECT set_config('jit', 'off', true),"
    " set_config('work_mem', '64MB', true)", 0);


static const char *
cell(const struct form *f, int row, enum col c)
{
	return PQgetvalue(f->res, row, f->cols[c]);
}

/* The heading API.md gives the column: its levels joined by '/'. */
static void
heading(enum col c, char *out, size_t size)
{
	const struct column	*k = &columns[c];

	if (k->leaf == NULL)
		snprintf(out, size, "%s", k->group);
	else if (k->sub == NULL)
		snprintf(out, size, "%s/%s", k->group, k->leaf);
	else
		snprintf(out, size, "%s/%s/%s", k->group, k->sub, k->leaf);
}

/* ------------------------------------------------------------------ */
/* JSON                                                               */
/* ------------------------------------------------------------------ */

/*
 * The form as API.md's JSON (new reference): campaign, region, the 25
 * headings and the rows; "as_of" when it is a form as of a day.
 */
json_t *
form_value(const struct form *f)
{
	json_t		*cols = json_array(), *rows = json_array(), *row, *v = NULL;
	char		 h[160];
	int		 i, c;

	for (c = 0; c < COL__MAX; c++) {
		heading((enum col)c, h, sizeof(h));
		json_array_append_new(cols, json_string(h));
	}
	for (i = 0; i < f->nrows; i++) {
		row = json_array();
		for (c = 0; c < COL__MAX; c++) {
			const char *s = cell(f, i, (enum col)c);

			switch (columns[c].type) {
			case CT_COUNT:
				v = json_integer(strtoll(s, NULL, 10));
				break;
			case CT_TEXT:
			case CT_MONEY:
			case CT_DELTA:
			case CT__MAX:
				v = json_string(s);
				break;
			}
			json_array_append_new(row, v);
		}
		json_array_append_new(rows, row);
	}
	return json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:s?}",
	    "campaign_id", (json_int_t)f->campaign_id,
	    "campaign_name", f->campaign_name,
	    "region", f->region, "region_name", f->region_name,
	    "columns", cols, "rows", rows,
	    "as_of", f->as_of[0] != '\0' ? f->as_of : NULL);
}

/* ------------------------------------------------------------------ */
/* CSV: RFC 4180 (CRLF line ends), UTF-8 with a BOM for spreadsheets   */
/* ------------------------------------------------------------------ */

static void
csv_put_file(void *ctx, const char *s, size_t n)
{
	fwrite(s, 1, n, ctx);
}

/* One field (csv.c): `text` cells are guarded against formulas. */
static void
csv_field(FILE *out, const char *s, int text)
{
	csv_cell(s, text, csv_put_file, out);
}

static void
form_csv(struct req *r, const struct form *f)
{
	FILE	*out;
	char	*buf = NULL, h[160];
	size_t	 len = 0;
	int	 i, c;

	if ((out = open_memstream(&buf, &len)) == NULL) {
		log_error("request %s: open_memstream: %s", r->id,
		    strerror(errno));
		reply_problem(r, 500, NULL, "internal error", NULL);
		return;
	}
	fputs("\xef\xbb\xbf", out);
	for (c = 0; c < COL__MAX; c++) {
		heading((enum col)c, h, sizeof(h));
		if (c > 0)
			fputc(',', out);
		csv_field(out, h, 1);
	}
	fputs("\r\n", out);
	for (i = 0; i < f->nrows; i++) {
		for (c = 0; c < COL__MAX; c++) {
			if (c > 0)
				fputc(',', out);
			csv_field(out, cell(f, i, (enum col)c),
			    columns[c].type == CT_TEXT);
		}
		fputs("\r\n", out);
	}
	if (fclose(out) != 0 || buf == NULL) {
		log_error("request %s: could not write the csv", r->id);
		reply_problem(r, 500, NULL, "internal error", NULL);
		goto out;
	}
	snprintf(r->disposition, sizeof(r->disposition),
	    "attachment; filename=\"paicha-campaign-%lld-%s.csv\"",
	    f->campaign_id, f->region);
	reply_text(r, 200, "text/csv; charset=utf-8; header=present", buf,
	    len);
out:
	free(buf);
}

/* ------------------------------------------------------------------ */
/* XLSX: the seed's layout                                            */
/* ------------------------------------------------------------------ */

/*
 *	row 0		the title, across all columns
 *	row 1		who and which campaign, and the unit of money
 *	rows 2-4	the seed's three header rows, equal neighbours merged
 *	rows 5..	one per category, then 合计
 */
#define XR_TITLE	0
#define XR_NOTE		1
#define XR_HEAD		2
#define XR_DATA		5

struct xfmt {
	lxw_format	*title, *note, *head, *text, *count, *money, *delta;
	lxw_format	*ttext, *tcount, *tmoney, *tdelta;	/* 合计 */
};

/*
 * A cell format of the reports' workbooks: Noto Sans CJK SC 10 pt,
 * vertically centred, `align`ed, bold, with a thin border, wrapped, as
 * asked.  Owned by `wb`.
 */
lxw_format *
xlsx_format(lxw_workbook *wb, int bold, int align, int border, int wrap)
{
	lxw_format	*f = workbook_add_format(wb);

	format_set_font_name(f, "Noto Sans CJK SC");
	format_set_font_size(f, 10);
	if (bold)
		format_set_bold(f);
	format_set_align(f, (uint8_t)align);
	format_set_align(f, LXW_ALIGN_VERTICAL_CENTER);
	if (border)
		format_set_border(f, LXW_BORDER_THIN);
	if (wrap)
		format_set_text_wrap(f);
	return f;
}

static void
xformats(lxw_workbook *wb, struct xfmt *x)
{
	x->title = xlsx_format(wb, 1, LXW_ALIGN_CENTER, 0, 0);
	format_set_font_size(x->title, 16);
	x->note = xlsx_format(wb, 0, LXW_ALIGN_LEFT, 0, 0);
	x->head = xlsx_format(wb, 1, LXW_ALIGN_CENTER, 1, 1);
	x->text = xlsx_format(wb, 0, LXW_ALIGN_LEFT, 1, 1);
	x->count = xlsx_format(wb, 0, LXW_ALIGN_RIGHT, 1, 0);
	format_set_num_format(x->count, "0");
	x->money = xlsx_format(wb, 0, LXW_ALIGN_RIGHT, 1, 0);
	format_set_num_format(x->money, "0.00");
	x->delta = xlsx_format(wb, 0, LXW_ALIGN_RIGHT, 1, 0);
	x->ttext = xlsx_format(wb, 1, LXW_ALIGN_CENTER, 1, 0);
	x->tcount = xlsx_format(wb, 1, LXW_ALIGN_RIGHT, 1, 0);
	format_set_num_format(x->tcount, "0");
	x->tmoney = xlsx_format(wb, 1, LXW_ALIGN_RIGHT, 1, 0);
	format_set_num_format(x->tmoney, "0.00");
	x->tdelta = xlsx_format(wb, 1, LXW_ALIGN_RIGHT, 1, 0);
}

/* Write `s` over rows r1..r2, columns c1..c2 (merged unless one cell). */
static lxw_error
xspan(lxw_worksheet *ws, int r1, int c1, int r2, int c2, const char *s,
    lxw_format *f)
{
	if (r1 == r2 && c1 == c2)
		return worksheet_write_string(ws, (lxw_row_t)r1, (lxw_col_t)c1,
		    s, f);
	return worksheet_merge_range(ws, (lxw_row_t)r1, (lxw_col_t)c1,
	    (lxw_row_t)r2, (lxw_col_t)c2, s, f);
}

/* The three header rows: each level's run of equal neighbours merged. */
static lxw_error
xheader(lxw_worksheet *ws, const struct xfmt *x)
{
	lxw_error	 e = LXW_NO_ERROR;
	int		 c, end;

	for (c = 0; c < COL__MAX && e == LXW_NO_ERROR; c = end + 1) {
		const struct column *k = &columns[c];

		for (end = c; end + 1 < COL__MAX &&
		    strcmp(columns[end + 1].group, k->group) == 0; end++)
			continue;
		/* A group with no levels below spans all three rows. */
		e = xspan(ws, XR_HEAD, c, k->leaf == NULL ? XR_HEAD + 2 :
		    XR_HEAD, end, k->group, x->head);
	}
	for (c = 0; c < COL__MAX && e == LXW_NO_ERROR; c = end + 1) {
		const struct column *k = &columns[c];

		end = c;
		if (k->leaf == NULL)
			continue;
		if (k->sub == NULL) {
			e = xspan(ws, XR_HEAD + 1, c, XR_HEAD + 2, c, k->leaf,
			    x->head);
			continue;
		}
		for (; end + 1 < COL__MAX && columns[end + 1].sub != NULL &&
		    strcmp(columns[end + 1].group, k->group) == 0 &&
		    strcmp(columns[end + 1].sub, k->sub) == 0; end++)
			continue;
		e = xspan(ws, XR_HEAD + 1, c, XR_HEAD + 1, end, k->sub,
		    x->head);
		for (int l = c; l <= end && e == LXW_NO_ERROR; l++)
			e = xspan(ws, XR_HEAD + 2, l, XR_HEAD + 2, l,
			    columns[l].leaf, x->head);
	}
	return e;
}

/* Write the form as a workbook at `path`.  Returns LXW_NO_ERROR or why. */
static lxw_error
xlsx_write(const struct form *f, const char *path, const char *tmpdir)
{
	lxw_workbook_options	 opt = { .constant_memory = LXW_FALSE,
				    .tmpdir = (char *)tmpdir };
	lxw_workbook		*wb;
	lxw_worksheet		*ws;
	struct xfmt		 x;
	lxw_error		 e;
	char			 note[1024];
	int			 i, c, total;

	if ((wb = workbook_new_opt(path, &opt)) == NULL)
		return LXW_ERROR_CREATING_XLSX_FILE;
	ws = workbook_add_worksheet(wb, "统计表");
	xformats(wb, &x);
	worksheet_set_landscape(ws);
	worksheet_set_paper(ws, 8);		/* A3 */
	worksheet_fit_to_pages(ws, 1, 0);
	worksheet_set_margins(ws, 0.4, 0.4, 0.5, 0.5);
	worksheet_repeat_rows(ws, XR_HEAD, XR_HEAD + 2);
	for (c = 0; c < COL__MAX; c++)
		worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c,
		    columns[c].type == CT_TEXT ? 24 :
		    columns[c].type == CT_MONEY ? 15 : 9.5, NULL);
	worksheet_set_default_row(ws, 18, LXW_FALSE);
	worksheet_set_row(ws, XR_TITLE, 30, NULL);
	worksheet_set_row(ws, XR_HEAD + 2, 42, NULL);
	worksheet_set_row(ws, XR_HEAD + 1, 30, NULL);

	e = xspan(ws, XR_TITLE, 0, XR_TITLE, COL__MAX - 1, TITLE, x.title);
	snprintf(note, sizeof(note), "填报单位：%s（%s）    专项行动：%s    "
	    "%s%s金额单位：元（罚没金额、案值、帮助企业提升产值）    同比变化："
	    "不合格批次率与上一年度相比的变化（百分点）", f->region_name,
	    f->region, f->campaign_name, f->note, f->note[0] != '\0' ?
	    "    " : "");
	if (e == LXW_NO_ERROR)
		e = xspan(ws, XR_NOTE, 0, XR_NOTE, COL__MAX - 1, note, x.note);
	if (e == LXW_NO_ERROR)
		e = xheader(ws, &x);
	worksheet_freeze_panes(ws, XR_DATA, 1);

	for (i = 0; i < f->nrows && e == LXW_NO_ERROR; i++) {
		lxw_row_t row = (lxw_row_t)(XR_DATA + i);

		total = strcmp(PQgetvalue(f->res, i, PQfnumber(f->res,
		    "total")), "1") == 0;
		for (c = 0; c < COL__MAX && e == LXW_NO_ERROR; c++) {
			const char *s = cell(f, i, (enum col)c);

			switch (columns[c].type) {
			case CT_TEXT:
				e = worksheet_write_string(ws, row,
				    (lxw_col_t)c, s, total ? x.ttext : x.text);
				break;
			case CT_COUNT:
				e = worksheet_write_number(ws, row,
				    (lxw_col_t)c, strtod(s, NULL),
				    total ? x.tcount : x.count);
				break;
			case CT_MONEY:
				/* Exact to the fen up to 2^53 fen. */
				e = worksheet_write_number(ws, row,
				    (lxw_col_t)c, strtod(s, NULL),
				    total ? x.tmoney : x.money);
				break;
			case CT_DELTA:
			case CT__MAX:
				e = s[0] == '\0' ? worksheet_write_blank(ws,
				    row, (lxw_col_t)c, total ? x.tdelta :
				    x.delta) : worksheet_write_string(ws, row,
				    (lxw_col_t)c, s, total ? x.tdelta : x.delta);
				break;
			}
		}
	}
	if (e != LXW_NO_ERROR) {
		workbook_close(wb);	/* frees it; the file is discarded */
		return e;
	}
	return workbook_close(wb);
}

/*
 * Read the file at `path` (at most MAX_XLSX bytes) into a new buffer.
 * Returns it with *len set, or NULL.
 */
static char *
slurp(const char *path, size_t *len)
{
	struct stat	 st;
	char		*buf = NULL;
	ssize_t		 n;
	size_t		 got = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	if (fstat(fd, &st) == -1 || st.st_size <= 0 || st.st_size > MAX_XLSX ||
	    (buf = malloc((size_t)st.st_size)) == NULL)
		goto err;
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n <= 0)
			goto err;
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return buf;
err:
	free(buf);
	close(fd);
	return NULL;
}

/*
 * The workbook `write` makes (from `arg`), in a new buffer (*len bytes),
 * or NULL (logged).  libxlsxwriter 1.1.4 writes only to files: a
 * private directory (0700, mkdtemp) holds the workbook and the
 * library's own temporary files, and is removed before this returns.
 */
char *
xlsx_make(struct req *r, xlsx_writer write, const void *arg, size_t *len)
{
	const char	*base = getenv("TMPDIR");
	char		 dir[256], path[300], *buf = NULL;
	lxw_error	 e;

	*len = 0;
	if (base == NULL || base[0] != '/' || strlen(base) > 200)
		base = "/tmp";
	snprintf(dir, sizeof(dir), "%s/paicha-xlsx-XXXXXX", base);
	if (mkdtemp(dir) == NULL) {
		log_error("request %s: mkdtemp %s: %s", r->id, dir,
		    strerror(errno));
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/report.xlsx", dir);
	if ((e = write(arg, path, dir)) != LXW_NO_ERROR)
		log_error("request %s: could not write the xlsx: %s", r->id,
		    lxw_strerror(e));
	else if ((buf = slurp(path, len)) == NULL)
		log_error("request %s: could not read back the xlsx", r->id);
	unlink(path);
	if (rmdir(dir) == -1)
		log_warn("request %s: rmdir %s: %s", r->id, dir,
		    strerror(errno));
	return buf;
}

/* Reply 200 with `len` bytes of a workbook as the attachment `filename`. */
void
xlsx_reply(struct req *r, const char *filename, const char *buf, size_t len)
{
	snprintf(r->disposition, sizeof(r->disposition),
	    "attachment; filename=\"%s\"", filename);
	reply_text(r, 200, "application/vnd.openxmlformats-officedocument."
	    "spreadsheetml.sheet", buf, len);
}

/*
 * Reply 200 with the workbook `write` makes (from `arg`) as the
 * attachment `filename`; on any failure (logged) a 500.
 */
void
xlsx_send(struct req *r, const char *filename, xlsx_writer write,
    const void *arg)
{
	char	*buf;
	size_t	 len;

	if ((buf = xlsx_make(r, write, arg, &len)) == NULL) {
		reply_problem(r, 500, NULL, "internal error", NULL);
		return;
	}
	xlsx_reply(r, filename, buf, len);
	free(buf);
}

static lxw_error
form_write(const void *f, const char *path, const char *tmpdir)
{
	return xlsx_write(f, path, tmpdir);
}

/* The form's workbook in a new buffer (*len bytes), or NULL (logged). */
char *
form_xlsx_bytes(struct req *r, const struct form *f, size_t *len)
{
	return xlsx_make(r, form_write, f, len);
}

static void
form_xlsx(struct req *r, const struct form *f)
{
	char	 name[96];

	snprintf(name, sizeof(name), "paicha-campaign-%lld-%s.xlsx",
	    f->campaign_id, f->region);
	xlsx_send(r, name, form_write, f);
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/reports/campaign/{id}?region=&format=                   */
/* ------------------------------------------------------------------ */

static const char *const formats[] = { "json", "csv", "xlsx", NULL };

/*
 * The parts' rows into `rows` (one JSON array each, in row 0 column 0):
 * the first beside the request's connection when it can be
 * (db_beside_ask), the others here meanwhile.  Returns 0, or -1 on a
 * database failure (recorded in `r`); the caller clears `rows`.
 */
static int
form_parts(struct req *r, const char *const *p, PGresult **rows)
{
	int	 i, beside;

	beside = db_beside_ask(r, &parts[0], p) == 0;
	for (i = beside; i < PART__MAX; i++)
		if ((rows[i] = db_exec(r, &parts[i], p)) == NULL)
			break;
	if (beside && (rows[0] = db_beside_answer(r)) == NULL &&
	    i == PART__MAX)
		rows[0] = db_exec(r, &parts[0], p);
	for (i = 0; i < PART__MAX; i++)
		if (rows[i] == NULL || PQntuples(rows[i]) != 1)
			return -1;
	return 0;
}

/*
 * Load the form of campaign `campaign` over `region`'s subtree into `f`
 * (zeroed here), as the records stood at `cutoff` (a timestamptz's text;
 * NULL: now, live), `as_of` (or NULL) the day it names.  Returns 0 with
 * the form loaded (form_free it), 1 after replying 404 (no such campaign,
 * or the region is not within the user's), or -1 on a database failure
 * (recorded in `r`, nothing staged).
 */
int
form_load(struct req *r, long long campaign, const char *region,
    const char *cutoff, const char *as_of, struct form *f)
{
	static struct stmt whom = STMT(
	    "SELECT (SELECT name FROM regions WHERE code = $1::char(6)"
	    "   AND region_covers($2::char(6), $1::char(6))) AS region_name,"
	    " (SELECT name FROM campaigns WHERE id = $3) AS campaign_name", 3);
	PGresult	*res, *rows[PART__MAX] = { NULL };
	char		 camp[24];
	const char	*p[3], *fp[1 + PART__MAX];
	int		 c, i, rc = -1;

	memset(f, 0, sizeof(*f));
	f->campaign_id = campaign;
	snprintf(f->region, sizeof(f->region), "%s", region);
	snprintf(f->as_of, sizeof(f->as_of), "%s", as_of != NULL ? as_of : "");
	snprintf(camp, sizeof(camp), "%lld", f->campaign_id);
	p[0] = f->region;
	p[1] = r->user.region;
	p[2] = camp;
	if ((res = db_exec(r, &whom, p)) == NULL)
		return -1;
	if (db_isnull(res, 0, "campaign_name")) {
		PQclear(res);
		reply_problem(r, 404, NULL, "no such campaign", NULL);
		return 1;
	}
	if (db_isnull(res, 0, "region_name")) {
		PQclear(res);
		reply_problem(r, 404, NULL, "no such region within yours",
		    NULL);
		return 1;
	}
	snprintf(f->region_name, sizeof(f->region_name), "%s",
	    db_get(res, 0, "region_name"));
	snprintf(f->campaign_name, sizeof(f->campaign_name), "%s",
	    db_get(res, 0, "campaign_name"));
	PQclear(res);

	p[0] = camp;
	p[1] = f->region;
	p[2] = cutoff;
	if (db_exec_ok(r, &tune, NULL) == -1 ||
	    form_parts(r, p, rows) == -1)
		goto out;
	fp[0] = f->region;
	for (i = 0; i < PART__MAX; i++)
		fp[1 + i] = PQgetvalue(rows[i], 0, 0);
	if ((f->res = db_exec(r, &form, fp)) == NULL)
		goto out;
	f->nrows = PQntuples(f->res);
	for (c = 0; c < COL__MAX; c++)
		f->cols[c] = db_col(f->res, columns[c].sql);
	(void)db_col(f->res, "total");
	rc = 0;
out:
	for (i = 0; i < PART__MAX; i++)
		PQclear(rows[i]);
	return rc;
}

void
form_free(struct form *f)
{
	PQclear(f->res);
	f->res = NULL;
}

/*
 * Where a form `as_of` day `as_of` ends: the end of that day in China
 * Standard Time (now, for today), as a timestamptz's text into
 * `cutoff`.  Refuses a campaign that does not exist (404), a day after
 * today or before the campaign started (422, naming `field`).
 * Returns 0, 1 after replying, or -1 on a database failure.
 */
int
form_cutoff(struct req *r, long long campaign, const char *as_of,
    const char *field, char *cutoff, size_t size)
{
	static struct stmt day = STMT(
	    "SELECT $2::date > today_cst() AS future,"
	    " $2::date < (SELECT starts_on FROM campaigns WHERE id = $1)"
	    "  AS early,"
	    " least(now(), ($2::date + 1)::timestamp AT TIME ZONE"
	    "  'Asia/Shanghai')::text AS cutoff,"
	    " EXISTS (SELECT 1 FROM campaigns WHERE id = $1) AS campaign", 2);
	PGresult	*res;
	char		 camp[24];
	const char	*p[2];
	int		 rc = 0;

	snprintf(camp, sizeof(camp), "%lld", campaign);
	p[0] = camp;
	p[1] = as_of;
	if ((res = db_exec(r, &day, p)) == NULL)
		return -1;
	if (strcmp(db_get(res, 0, "campaign"), "t") != 0) {
		reply_problem(r, 404, NULL, "no such campaign", NULL);
		rc = 1;
	} else if (strcmp(db_get(res, 0, "future"), "t") == 0) {
		reply_problem(r, 422, NULL, "some fields are missing or "
		    "invalid", problem_field(NULL, field, "日期不能晚于今天"));
		rc = 1;
	} else if (strcmp(db_get(res, 0, "early"), "t") == 0) {
		reply_problem(r, 422, NULL, "some fields are missing or "
		    "invalid", problem_field(NULL, field,
		    "日期早于专项行动开始日期"));
		rc = 1;
	} else
		snprintf(cutoff, size, "%s", db_get(res, 0, "cutoff"));
	PQclear(res);
	return rc;
}

struct report_in {
	const char	*region;
	const char	*format;
	int		 as_of;
};

static const struct vfield report_fields[] = {
	{ "region", VT_REGION, 0, 0, 0, NULL, NULL,
	    offsetof(struct report_in, region) },
	{ "format", VT_ENUM, 0, 0, 0, formats, NULL,
	    offsetof(struct report_in, format) },
	{ "as_of", VT_DATE, 0, 0, 0, NULL, NULL,
	    offsetof(struct report_in, as_of) },
};

void
report_campaign(struct req *r)
{
	struct report_in in = { NULL, "json", 0 };
	struct form	 f;
	char		 day[WF_DATE_LEN + 1], cutoff[64];
	unsigned	 present = 0;
	int		 rc;

	if (validate_query(r, report_fields, NITEMS(report_fields), &in,
	    &present) == -1)
		return;
	if (present & 4u) {
		wf_date_format(in.as_of, day);
		if ((rc = form_cutoff(r, r->ids[0], day, "as_of", cutoff,
		    sizeof(cutoff))) != 0)
			goto loaded;
	}
	/* In the route's read-only snapshot (EP_SNAPSHOT). */
	rc = form_load(r, r->ids[0], in.region != NULL ? in.region :
	    r->user.region, present & 4u ? cutoff : NULL, present & 4u ? day :
	    NULL, &f);
loaded:
	if (rc == -1) {
		reply_db_error(r);
		return;
	}
	if (rc == 1)
		return;
	if (strcmp(in.format, "csv") == 0)
		form_csv(r, &f);
	else if (strcmp(in.format, "xlsx") == 0)
		form_xlsx(r, &f);
	else
		reply_json(r, 200, form_value(&f));
	form_free(&f);
}
