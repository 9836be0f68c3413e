/*
 * imports.c: enterprises and activities in bulk (API.md Part 2 "Data
 * exchange").
 *
 *	POST /api/v1/imports?kind=enterprises|activities
 *		a CSV or XLSX file as the raw body (EP_BODY, at most
 *		IMPORT_MAX_BYTES) of at most IMPORT_MAX_ROWS rows: every row
 *		checked, all or nothing -> 201 {"id", "rows", "created", ...}
 *		or 422 {"errors": [{"row", "field", "message"}]}
 *	POST /api/v1/imports/check?kind=&format=json|csv
 *		the same checks, nothing written: the row errors as JSON, or
 *		as a CSV file a person opens beside the one they uploaded
 *	GET  /api/v1/imports/template?kind=&format=csv|xlsx
 *		the headings, to fill in
 *	GET  /api/v1/imports, GET /api/v1/imports/{id}
 *		the imports taken in the user's region, and one of them
 *
 * A row is checked by the very rows POST /api/v1/enterprises and POST
 * /api/v1/activities check a body with (enterprise_admit,
 * activity_admit): each row becomes the JSON object a client would have
 * sent, its cells typed by the column's kind.  Rows are numbered as a
 * spreadsheet shows them, the headings being row 1.
 *
 * All or nothing: the file's rows are admitted one after another in the
 * request's transaction; while none has failed each is recorded at
 * once -- its row and its create event, which names the import -- so
 * that a later row sees the earlier ones as the database does.  After
 * the first failure the rest are only checked (every error is listed),
 * and the 422 rolls back everything (the front line commits a 2xx
 * only).  A file the service cannot read at all names the row where it
 * stopped: bytes that are not UTF-8 or GB18030 (422), a broken CSV
 * record (422); too many rows or bytes is 413 (sheet.c reads).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <xlsxwriter.h>

#include "../base/base.h"
#include "../front/front.h"
#include "../front/sheet.h"
#include "resources.h"

#define IMPORT_MAX_ROWS		20000
#define IMPORT_MAX_ERRORS	10000	/* listed; the rest are counted */
#define IMPORT_MAX_BYTES	(10 * 1024 * 1024)	/* also in routes.c */

/* ------------------------------------------------------------------ */
/* The columns of each kind of import                                 */
/* ------------------------------------------------------------------ */

enum ikind {
	IK_ENTERPRISES,
	IK_ACTIVITIES,
	IK__MAX
};

static const char *const ikind_ids[IK__MAX + 1] = {
	[IK_ENTERPRISES] = "enterprises",
	[IK_ACTIVITIES] = "activities",
	[IK__MAX] = NULL,
};

/* How a cell becomes the JSON value of its field. */
enum ctype {
	CT_TEXT,	/* a string, as written */
	CT_INT,		/* an integer */
	CT_BOOL,	/* true/false, 是/否, 1/0 */
	CT_DATE,	/* YYYY-MM-DD, YYYY/M/D, or an XLSX date */
	CT_MONEY,	/* yuan, as written: "1234.50" */
	CT_CHOICE,	/* one of `choices`, by id or by its Chinese */
	CT_CATEGORY,	/* a category, by id or by name */
	CT_FOUND,	/* problems_found: a bool for an inspection, a count
			   for risk monitoring */
	CT_ENTERPRISE,	/* uscc of an activity: the enterprise's id */
	CT__MAX
};

/* An id and the Chinese a person may write instead. */
struct choice {
	const char	*id;
	const char	*label;
	const char	*alias;		/* another way of writing it, or NULL */
};

struct column {
	const char		*field;		/* the API's name */
	const char		*label;		/* the template's heading */
	enum ctype		 type;
	int			 required;	/* a column the file must have */
	const struct choice	*choices;	/* CT_CHOICE, {NULL} ended */
};

static const struct choice statuses[] = {
	{ "valid", "有效", NULL }, { "suspended", "暂停", NULL },
	{ "revoked", "撤销", NULL }, { "expired", "过期", "失效" },
	{ NULL, NULL, NULL }
};

static const struct choice kinds[] = {
	{ "inspection", "风险排查", NULL }, { "spot_check", "监督抽查", NULL },
	{ "risk_info", "采集风险信息", NULL },
	{ "risk_monitoring", "风险监测", NULL },
	{ "assistance", "质量技术帮扶", NULL },
	{ NULL, NULL, NULL }
};

static const struct choice domains[] = {
	{ "production", "生产领域", "生产" },
	{ "circulation", "流通领域", "流通" },
	{ NULL, NULL, NULL }
};

static const struct column enterprise_columns[] = {
	{ "uscc", "统一社会信用代码", CT_TEXT, 1, NULL },
	{ "name", "企业名称", CT_TEXT, 1, NULL },
	{ "region", "行政区划代码", CT_TEXT, 1, NULL },
	{ "address", "地址", CT_TEXT, 0, NULL },
	{ "production_licence", "生产许可证编号", CT_TEXT, 0, NULL },
	{ "production_licence_status", "生产许可证状态", CT_CHOICE, 0,
	    statuses },
	{ "ccc_certificate", "CCC证书编号", CT_TEXT, 0, NULL },
	{ "ccc_status", "CCC证书状态", CT_CHOICE, 0, statuses },
	{ "region_mismatch_reason", "异地登记理由", CT_TEXT, 0, NULL },
	{ "uscc_override_reason", "代码校验例外说明", CT_TEXT, 0, NULL },
};

static const struct column activity_columns[] = {
	{ "kind", "活动类型", CT_CHOICE, 1, kinds },
	{ "campaign_id", "专项行动编号", CT_INT, 1, NULL },
	{ "category", "产品类别", CT_CATEGORY, 1, NULL },
	{ "on", "日期", CT_DATE, 1, NULL },
	{ "uscc", "统一社会信用代码", CT_ENTERPRISE, 0, NULL },
	{ "enterprise_id", "企业编号", CT_INT, 0, NULL },
	{ "region", "行政区划代码", CT_TEXT, 0, NULL },
	{ "domain", "领域", CT_CHOICE, 0, domains },
	{ "problems_found", "发现问题", CT_FOUND, 0, NULL },
	{ "batches", "批次", CT_INT, 0, NULL },
	{ "failed_batches", "不合格批次", CT_INT, 0, NULL },
	{ "summary", "风险信息摘要", CT_TEXT, 0, NULL },
	{ "problems_solved", "解决问题数", CT_INT, 0, NULL },
	{ "output_gain", "提升产值（元）", CT_MONEY, 0, NULL },
};

static const struct {
	const struct column	*columns;
	size_t			 n;
	const char		*label;		/* 中文 */
} ikinds[IK__MAX] = {
	[IK_ENTERPRISES] = { enterprise_columns, NITEMS(enterprise_columns),
	    "企业" },
	[IK_ACTIVITIES] = { activity_columns, NITEMS(activity_columns),
	    "工作记录" },
};

#define MAX_COLUMNS	16

/* ------------------------------------------------------------------ */
/* Headings                                                           */
/* ------------------------------------------------------------------ */

/*
 * Whether the heading `h` names column `c`: its field ("uscc"), its
 * label ("统一社会信用代码"), or the template's "label(field)" with
 * ASCII or full-width parentheses; spaces around are ignored.
 */
static int
heading_is(const char *h, const struct column *c)
{
	char	 buf[256], a[256], b[256];
	size_t	 n;

	while (*h == ' ' || *h == '\t')
		h++;
	n = strlen(h);
	while (n > 0 && (h[n - 1] == ' ' || h[n - 1] == '\t'))
		n--;
	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, h, n);
	buf[n] = '\0';
	snprintf(a, sizeof(a), "%s(%s)", c->label, c->field);
	snprintf(b, sizeof(b), "%s（%s）", c->label, c->field);
	return strcmp(buf, c->field) == 0 || strcmp(buf, c->label) == 0 ||
	    strcmp(buf, a) == 0 || strcmp(buf, b) == 0;
}

/* ------------------------------------------------------------------ */
/* Errors                                                             */
/* ------------------------------------------------------------------ */

/* The report being gathered: {row, field, message} items. */
struct report {
	json_t		*errors;
	size_t		 n;		/* all of them, listed or not */
	int		 failed_rows;
};

static void
report_add(struct report *rep, int row, const char *field,
    const char *message)
{
	if (rep->errors == NULL)
		rep->errors = json_array();
	if (rep->n++ < IMPORT_MAX_ERRORS && rep->errors != NULL)
		json_array_append_new(rep->errors, json_pack("{s:i, s:s?, s:s}",
		    "row", row, "field", field, "message", message));
}

/* ------------------------------------------------------------------ */
/* Cells into the JSON a client would send                            */
/* ------------------------------------------------------------------ */

/* A copy of `s` without spaces around it (ASCII and U+3000). */
static char *
trimmed(const char *s)
{
	size_t	 n;

	for (;;) {
		if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			s++;
		else if (strncmp(s, "\xe3\x80\x80", 3) == 0)
			s += 3;
		else
			break;
	}
	n = strlen(s);
	for (;;) {
		if (n > 0 && strchr(" \t\r\n", s[n - 1]) != NULL)
			n--;
		else if (n >= 3 && strncmp(s + n - 3, "\xe3\x80\x80", 3) == 0)
			n -= 3;
		else
			break;
	}
	return strndup(s, n);
}

static int
parse_int(const char *s, json_int_t *v)
{
	char		*end;
	long long	 n;

	errno = 0;
	n = strtoll(s, &end, 10);
	/* An XLSX number: "12" already; a CSV "12.0" is not an integer. */
	if (*s == '\0' || *end != '\0' || errno != 0 || isspace((unsigned char)*s))
		return -1;
	*v = (json_int_t)n;
	return 0;
}

static int
parse_bool(const char *s, int *v)
{
	static const char *const yes[] = { "true", "TRUE", "True", "是", "1",
	    "Y", "y", "有", NULL };
	static const char *const no[] = { "false", "FALSE", "False", "否",
	    "0", "N", "n", "无", NULL };
	size_t	 i;

	for (i = 0; yes[i] != NULL; i++)
		if (strcmp(s, yes[i]) == 0) {
			*v = 1;
			return 0;
		}
	for (i = 0; no[i] != NULL; i++)
		if (strcmp(s, no[i]) == 0) {
			*v = 0;
			return 0;
		}
	return -1;
}

/*
 * A date cell as YYYY-MM-DD into `out` (11 bytes): as written when it
 * is one, YYYY/M/D or YYYY.M.D padded, or an XLSX serial day number
 * (days from 1899-12-30, or from 1904-01-01).  Returns 0, or -1 with
 * `out` holding the cell as written (the validation row says why).
 */
static int
date_text(const char *s, int number, int date1904, char *out, size_t size)
{
	int	 y, m, d, n = 0, day;
	char	 sep;
	long	 serial;

	snprintf(out, size, "%s", s);
	if (number) {
		serial = strtol(s, NULL, 10);
		if (serial < 1 || serial > 2958465)
			return -1;
		day = (date1904 ? wf_day_from_ymd(1904, 1, 1) :
		    wf_day_from_ymd(1899, 12, 30)) + (int)serial;
		return wf_date_format(day, out) == -1 ? -1 : 0;
	}
	if (sscanf(s, "%4d%c%2d%*c%2d%n", &y, &sep, &m, &d, &n) == 4 &&
	    s[n] == '\0' && (sep == '/' || sep == '.' || sep == '-') &&
	    s[4] == sep && strchr(s + 5, sep) != NULL) {
		snprintf(out, size, "%04d-%02d-%02d", y, m, d);
		return 0;
	}
	return -1;
}

/* The categories by id and by name, read once per import. */
struct categories {
	PGresult	*res;
};

static const char *
category_id(const struct categories *cats, const char *s)
{
	int	 i, n = PQntuples(cats->res);

	for (i = 0; i < n; i++)
		if (strcmp(s, db_get(cats->res, i, "id")) == 0 ||
		    strcmp(s, db_get(cats->res, i, "name")) == 0)
			return db_get(cats->res, i, "id");
	return s;	/* not one: the validation rows say so */
}

/* What converting a row needs besides the row. */
struct import_ctx {
	struct req		*r;
	enum ikind		 kind;
	const struct sheet	*sh;
	int			 col[MAX_COLUMNS];	/* cell per column, -1 */
	struct categories	 cats;
	struct report		 rep;
	/* USCCs of the rows so far (enterprises): duplicates in the file. */
	char			(*usccs)[24];
	int			*uscc_rows;
	size_t			 nusccs;
};

/*
 * The enterprise an activity's `uscc` names, in the user's scope: its
 * id, 0 when there is none (reported), -1 on a database failure.
 */
static json_int_t
enterprise_of(struct import_ctx *x, int row, const char *uscc)
{
	static struct stmt get = STMT(
	    "SELECT id FROM enterprises WHERE uscc = upper($1)", 1);
	const char	*p[1];
	PGresult	*res;
	json_int_t	 id = 0;

	p[0] = uscc;
	if ((res = db_exec(x->r, &get, p)) == NULL)
		return -1;
	if (PQntuples(res) == 1)
		id = strtoll(db_get(res, 0, "id"), NULL, 10);
	else
		report_add(&x->rep, row, "uscc", "该统一社会信用代码的企业不存在或"
		    "不在您的辖区内");
	PQclear(res);
	return id;
}

/*
 * Row `sr` as the object a client would send (a new reference): each
 * non-empty cell typed by its column.  A cell that cannot be its type is
 * reported and left out.  Returns NULL on a database failure (recorded)
 * or no memory.
 */
static json_t *
row_object(struct import_ctx *x, const struct sheet_row *sr)
{
	const struct column	*cols = ikinds[x->kind].columns;
	const struct choice	*ch;
	json_t			*o = json_object(), *v;
	json_int_t		 n, eid;
	const char		*kind;
	char			*s, date[16];
	size_t			 c;
	int			 b, k;

	if (o == NULL)
		return NULL;
	kind = NULL;
	for (c = 0; c < ikinds[x->kind].n; c++) {
		k = x->col[c];
		if (k < 0 || (size_t)k >= sr->ncells)
			continue;
		if ((s = trimmed(sr->cells[k].text)) == NULL)
			goto fail;
		if (*s == '\0') {
			free(s);
			continue;
		}
		v = NULL;
		switch (cols[c].type) {
		case CT_TEXT:
		case CT_MONEY:
			v = json_string(s);
			break;
		case CT_INT:
			if (parse_int(s, &n) == 0)
				v = json_integer(n);
			else
				report_add(&x->rep, sr->line, cols[c].field,
				    "应为整数");
			break;
		case CT_BOOL:
			if (parse_bool(s, &b) == 0)
				v = json_boolean(b);
			else
				report_add(&x->rep, sr->line, cols[c].field,
				    "应为 是 或 否（true 或 false）");
			break;
		case CT_FOUND:
			if (kind != NULL && strcmp(kind, "inspection") == 0) {
				if (parse_bool(s, &b) == 0)
					v = json_boolean(b);
				else
					report_add(&x->rep, sr->line,
					    cols[c].field, "风险排查应填 是 或 否");
			} else if (parse_int(s, &n) == 0)
				v = json_integer(n);
			else
				report_add(&x->rep, sr->line, cols[c].field,
				    "风险监测应填发现问题的个数");
			break;
		case CT_DATE:
			(void)date_text(s, sr->cells[k].number,
			    x->sh->date1904, date, sizeof(date));
			v = json_string(date);
			break;
		case CT_CHOICE:
			for (ch = cols[c].choices; ch->id != NULL; ch++)
				if (strcmp(s, ch->id) == 0 ||
				    strcmp(s, ch->label) == 0 ||
				    (ch->alias != NULL &&
				    strcmp(s, ch->alias) == 0))
					break;
			v = json_string(ch->id != NULL ? ch->id : s);
			if (c == 0 && x->kind == IK_ACTIVITIES)
				kind = ch->id;
			break;
		case CT_CATEGORY:
			v = json_string(category_id(&x->cats, s));
			break;
		case CT_ENTERPRISE:
			if ((eid = enterprise_of(x, sr->line, s)) == -1) {
				free(s);
				goto fail;
			}
			if (eid > 0)
				v = json_integer(eid);
			if (eid > 0 && json_object_get(o, "enterprise_id") !=
			    NULL && json_integer_value(json_object_get(o,
			    "enterprise_id")) != eid)
				report_add(&x->rep, sr->line, "enterprise_id",
				    "与统一社会信用代码所指的企业不一致");
			break;
		case CT__MAX:
			break;
		}
		free(s);
		if (v == NULL)
			continue;
		/* An activity's uscc stands for its enterprise_id. */
		json_object_set_new(o, cols[c].type == CT_ENTERPRISE ?
		    "enterprise_id" : cols[c].field, v);
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}

/* The kinds' own column is first in activity_columns (CT_FOUND reads it). */

/*
 * An enterprise's code seen on an earlier row of the file: report it
 * and return 1; else remember it and return 0.
 */
static int
uscc_repeated(struct import_ctx *x, int row, const json_t *o)
{
	const char	*u = json_string_value(json_object_get(o, "uscc"));
	char		 msg[96];
	size_t		 i;

	if (u == NULL || strlen(u) >= sizeof(x->usccs[0]))
		return 0;
	for (i = 0; i < x->nusccs; i++)
		if (strcasecmp(x->usccs[i], u) == 0) {
			snprintf(msg, sizeof(msg), "与第%d行的统一社会信用代码重复",
			    x->uscc_rows[i]);
			report_add(&x->rep, row, "uscc", msg);
			return 1;
		}
	snprintf(x->usccs[x->nusccs], sizeof(x->usccs[0]), "%s", u);
	x->uscc_rows[x->nusccs++] = row;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Reading the file                                                   */
/* ------------------------------------------------------------------ */

/*
 * The media types an import takes: a spreadsheet's, CSV's, text, or
 * bytes (the content decides between CSV and XLSX).  Copies the charset
 * parameter, if any, into `charset`.  Returns 1 when the type is one.
 */
static int
import_type_ok(const char *ct, char *charset, size_t size)
{
	static const char *const types[] = {
		"text/csv", "text/plain", "application/csv",
		"application/vnd.ms-excel", "application/octet-stream",
		"application/vnd.openxmlformats-officedocument.spreadsheetml."
		"sheet", NULL
	};
	const char	*p;
	size_t		 n, i;

	charset[0] = '\0';
	if (ct == NULL)
		return 0;
	n = strcspn(ct, "; \t");
	for (i = 0; types[i] != NULL; i++)
		if (strlen(types[i]) == n && strncasecmp(ct, types[i], n) == 0)
			break;
	if (types[i] == NULL)
		return 0;
	if ((p = strcasestr(ct + n, "charset=")) != NULL) {
		p += 8;
		if (*p == '"')
			p++;
		n = strcspn(p, "\"; \t");
		if (n >= size)
			n = size - 1;
		memcpy(charset, p, n);
		charset[n] = '\0';
	}
	return 1;
}

/*
 * Read the request's body as a sheet, replying when it cannot be one:
 * 415 (a type or charset not taken), 413 (too many rows, or parts too
 * large unpacked), 422 naming the row (a bad byte, a broken record, no
 * rows, a zip that is no workbook).  Returns 0 with `sh` read, or -1.
 */
static int
read_upload(struct req *r, struct sheet *sh)
{
	char		 charset[32], msg[160];
	enum sheet_error e;
	int		 line;

	if (!import_type_ok(req_param(r, "CONTENT_TYPE"), charset,
	    sizeof(charset))) {
		reply_problem(r, 415, NULL, "an import is a CSV file "
		    "(text/csv) or an XLSX workbook", NULL);
		return -1;
	}
	if (r->bodylen == 0) {
		reply_problem(r, 422, NULL, "the file is empty",
		    json_pack("[{s:i, s:n, s:s}]", "row", 0, "field",
		    "message", "文件为空"));
		return -1;
	}
	e = sheet_read(r->body, r->bodylen, charset[0] != '\0' ? charset :
	    NULL, IMPORT_MAX_ROWS, sh, &line);
	switch (e) {
	case SHEET_OK:
		return 0;
	case SHEET_CHARSET:
		reply_problem(r, 415, NULL, "a CSV file is read in UTF-8 or "
		    "GB18030 only", NULL);
		return -1;
	case SHEET_TOO_MANY_ROWS:
		reply_problem(r, 413, NULL, "an import holds at most 20000 "
		    "rows besides the headings", NULL);
		return -1;
	case SHEET_TOO_LARGE:
		reply_problem(r, 413, NULL, "the workbook unpacks to more than "
		    "an import may hold", NULL);
		return -1;
	case SHEET_ENCODING:
		snprintf(msg, sizeof(msg), "第%d行含有既不是 UTF-8 也不是 GB18030 "
		    "编码的字节", line);
		reply_problem(r, 422, "encoding", "the file is neither UTF-8 "
		    "nor GB18030", json_pack("[{s:i, s:n, s:s}]", "row", line,
		    "field", "message", msg));
		return -1;
	case SHEET_MALFORMED:
		snprintf(msg, sizeof(msg), "第%d行不是完整的 CSV 记录（引号未闭合、"
		    "含有空字符，或单元格过多过长）", line);
		reply_problem(r, 422, NULL, "the file is not well-formed CSV",
		    json_pack("[{s:i, s:n, s:s}]", "row", line, "field",
		    "message", msg));
		return -1;
	case SHEET_NOT_XLSX:
		reply_problem(r, 422, NULL, "the zip is not an XLSX workbook "
		    "that can be read", json_pack("[{s:i, s:n, s:s}]", "row",
		    line, "field", "message", "无法读取的 XLSX 工作簿"));
		return -1;
	case SHEET_EMPTY:
		reply_problem(r, 422, NULL, "the file has no rows",
		    json_pack("[{s:i, s:n, s:s}]", "row", 0, "field",
		    "message", "文件中没有任何行"));
		return -1;
	case SHEET_NOMEM:
	case SHEET_ERROR__MAX:
		break;
	}
	log_error("request %s: could not read the import (%d)", r->id, e);
	reply_problem(r, 500, NULL, "internal error", NULL);
	return -1;
}

/*
 * Map the headings (row 1 of the sheet) to the kind's columns into
 * x->col; report each heading that names no column or one twice, and
 * each required column missing.  Returns 0 when the headings are good.
 */
static int
read_headings(struct import_ctx *x)
{
	const struct sheet_row	*h = &x->sh->rows[0];
	const struct column	*cols = ikinds[x->kind].columns;
	size_t			 c, k, n = ikinds[x->kind].n;
	int			 bad = 0;
	char			 msg[96];

	for (c = 0; c < n; c++)
		x->col[c] = -1;
	for (k = 0; k < h->ncells; k++) {
		if (h->cells[k].text[strspn(h->cells[k].text, " \t")] == '\0')
			continue;
		for (c = 0; c < n; c++)
			if (heading_is(h->cells[k].text, &cols[c]))
				break;
		if (c == n) {
			snprintf(msg, sizeof(msg), "第%zu列的标题不是可导入的字段",
			    k + 1);
			report_add(&x->rep, h->line, h->cells[k].text, msg);
			bad = 1;
		} else if (x->col[c] != -1) {
			report_add(&x->rep, h->line, cols[c].field, "该列重复");
			bad = 1;
		} else
			x->col[c] = (int)k;
	}
	for (c = 0; c < n; c++)
		if (cols[c].required && x->col[c] == -1) {
			report_add(&x->rep, h->line, cols[c].field, "缺少这一列");
			bad = 1;
		}
	if (x->sh->nrows < 2) {
		report_add(&x->rep, h->line, NULL, "除标题外没有数据行");
		bad = 1;
	}
	return bad ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* Admitting the rows                                                 */
/* ------------------------------------------------------------------ */

struct import_in {
	const char	*kind;
	const char	*format;
};

static const char *const check_formats[] = { "json", "csv", NULL };

static const struct vfield import_fields[] = {
	{ "kind", VT_ENUM, 1, 0, 0, ikind_ids, NULL,
	    offsetof(struct import_in, kind) },
};

static const struct vfield check_fields[] = {
	{ "kind", VT_ENUM, 1, 0, 0, ikind_ids, NULL,
	    offsetof(struct import_in, kind) },
	{ "format", VT_ENUM, 0, 0, 0, check_formats, NULL,
	    offsetof(struct import_in, format) },
};

static enum ikind
ikind_parse(const char *s)
{
	int	 i;

	for (i = 0; i < IK__MAX; i++)
		if (strcmp(s, ikind_ids[i]) == 0)
			return (enum ikind)i;
	return IK__MAX;
}

/*
 * Who may import what: enterprises as POST /api/v1/enterprises
 * (officer, admin), activities as POST /api/v1/activities (officer).
 */
static int
may_import(const struct req *r, enum ikind k)
{
	switch (k) {
	case IK_ENTERPRISES:
		return (r->user.roles & (R(OFFICER) | R(ADMIN))) != 0;
	case IK_ACTIVITIES:
		return (r->user.roles & R(OFFICER)) != 0;
	case IK__MAX:
		break;
	}
	return 0;
}

/*
 * Admit every data row of the sheet, in order: recorded (naming
 * `import_id`) while `record` is set and no row has failed, only
 * checked after.  The ids recorded go to `ids` (rows - 1 of them).
 * Returns 0 (failures in x->rep), or -1 on a database failure.
 */
static int
admit_rows(struct import_ctx *x, int64_t import_id, int record,
    int64_t *ids, size_t *nids)
{
	static struct stmt cats = STMT("SELECT id, name FROM categories", 0);
	const struct sheet_row	*sr;
	struct admit		 a;
	json_t			*o, *e;
	size_t			 i, j, before;
	int64_t			 id;
	int			 rc = -1;

	*nids = 0;
	if ((x->cats.res = db_exec(x->r, &cats, NULL)) == NULL)
		return -1;
	for (i = 1; i < x->sh->nrows; i++) {
		sr = &x->sh->rows[i];
		before = x->rep.n;
		if ((o = row_object(x, sr)) == NULL)
			goto out;
		if (x->kind == IK_ENTERPRISES && uscc_repeated(x, sr->line, o)) {
			json_decref(o);
			x->rep.failed_rows++;
			continue;
		}
		memset(&a, 0, sizeof(a));
		id = x->kind == IK_ENTERPRISES ?
		    enterprise_admit(x->r, o, import_id,
		    record && x->rep.n == 0, &a) :
		    activity_admit(x->r, o, import_id,
		    record && x->rep.n == 0, &a);
		json_decref(o);
		if (id == -1) {
			json_decref(a.errors);
			goto out;
		}
		json_array_foreach(a.errors, j, e)
			report_add(&x->rep, sr->line, json_string_value(
			    json_object_get(e, "field")), json_string_value(
			    json_object_get(e, "message")));
		json_decref(a.errors);
		if (x->rep.n > before || a.status != 0)
			x->rep.failed_rows++;
		else if (id > 0)
			ids[(*nids)++] = id;
	}
	rc = 0;
out:
	PQclear(x->cats.res);
	x->cats.res = NULL;
	return rc;
}

/*
 * Read the upload, check the kind and the headings, and set up `x`.
 * Returns 0, or -1 having replied.
 */
static int
import_begin(struct req *r, const char *kind, struct sheet *sh,
    struct import_ctx *x)
{
	memset(x, 0, sizeof(*x));
	x->r = r;
	x->kind = ikind_parse(kind);
	if (!may_import(r, x->kind)) {
		reply_problem(r, 403, NULL, "your role may not register these "
		    "records", NULL);
		return -1;
	}
	if (read_upload(r, sh) == -1)
		return -1;
	x->sh = sh;
	if (x->kind == IK_ENTERPRISES &&
	    ((x->usccs = calloc(sh->nrows, sizeof(*x->usccs))) == NULL ||
	    (x->uscc_rows = calloc(sh->nrows, sizeof(int))) == NULL)) {
		reply_problem(r, 500, NULL, "internal error", NULL);
		return -1;
	}
	return 0;
}

static void
import_end(struct import_ctx *x, struct sheet *sh)
{
	json_decref(x->rep.errors);
	free(x->usccs);
	free(x->uscc_rows);
	sheet_free(sh);
}

/* The refusal of a file: 422 with every row error. */
static void
reply_rows(struct req *r, struct import_ctx *x)
{
	char	 detail[160];
	json_t	*errors = x->rep.errors;

	x->rep.errors = NULL;
	snprintf(detail, sizeof(detail), "%zu error(s) in %d row(s): nothing "
	    "was imported", x->rep.n, x->rep.failed_rows);
	reply_problem(r, 422, "import-rejected", detail, errors);
}

/* ------------------------------------------------------------------ */
/* POST /api/v1/imports                                               */
/* ------------------------------------------------------------------ */

/* The SHA-256 of the body, as "\x..." for a bytea parameter. */
static int
body_digest(struct req *r, char hex[2 * 32 + 3])
{
	unsigned char	 h[32];
	unsigned int	 n = 0;

	if (EVP_Digest(r->body, r->bodylen, h, &n, EVP_sha256(), NULL) != 1 ||
	    n != sizeof(h))
		return -1;
	bytea_hex(h, sizeof(h), hex);
	return 0;
}

/* "{1,2,3}": the ids as a bigint[] parameter (malloc'd). */
static char *
ids_array(const int64_t *ids, size_t n)
{
	char	*s, *p;
	size_t	 i;

	if ((s = malloc(n * 21 + 3)) == NULL)
		return NULL;
	p = s;
	*p++ = '{';
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s%lld", i > 0 ? "," : "", (long long)ids[i]);
	*p++ = '}';
	*p = '\0';
	return s;
}

static json_t *import_json(const PGresult *, int);

static struct stmt import_one = STMT(
    "SELECT i.id, i.kind, i.region, i.format, i.encoding,"
    " encode(i.sha256, 'hex') AS sha256, i.bytes, i.rows, i.created,"
    " array_to_json(i.record_ids)::text AS record_ids,"
    " u.username AS created_by, rfc3339(i.created_at) AS created_at"
    " FROM imports i LEFT JOIN LATERAL user_public(i.created_by) u ON true"
    " WHERE i.id = $1", 1);

void
import_create(struct req *r)
{
	static struct stmt next = STMT(
	    "SELECT nextval('imports_id_seq') AS id", 0);
	static struct stmt insert = STMT(
	    "INSERT INTO imports (id, kind, region, format, encoding, sha256,"
	    " bytes, rows, created, record_ids, created_by)"
	    " VALUES ($1, $2, $3, $4, $5, $6::bytea, $7, $8, $8,"
	    " $9::bigint[], $10)", 10);
	struct import_in in = { NULL, NULL };
	struct import_ctx x;
	struct sheet	 sh = { 0 };
	PGresult	*res = NULL;
	int64_t		*ids = NULL, import_id;
	size_t		 nids;
	char		 iid[24], hex[2 * 32 + 3], bytes[24], rows[24], uid[24];
	char		*arr = NULL;
	const char	*p[10];

	memset(&x, 0, sizeof(x));
	if (validate_query(r, import_fields, NITEMS(import_fields), &in,
	    NULL) == -1)
		return;
	if (import_begin(r, in.kind, &sh, &x) == -1)
		goto out;
	if (read_headings(&x) == -1) {
		reply_rows(r, &x);
		goto out;
	}
	if ((ids = calloc(sh.nrows, sizeof(*ids))) == NULL) {
		reply_problem(r, 500, NULL, "internal error", NULL);
		goto out;
	}
	if ((res = db_exec(r, &next, NULL)) == NULL)
		goto dberr;
	import_id = strtoll(db_get(res, 0, "id"), NULL, 10);
	PQclear(res);
	res = NULL;
	if (admit_rows(&x, import_id, 1, ids, &nids) == -1)
		goto dberr;
	if (x.rep.n > 0) {
		reply_rows(r, &x);
		goto out;
	}
	if (body_digest(r, hex) == -1 || (arr = ids_array(ids, nids)) ==
	    NULL) {
		req_fail(r, "could not record the import");
		goto dberr;
	}
	snprintf(iid, sizeof(iid), "%lld", (long long)import_id);
	snprintf(bytes, sizeof(bytes), "%zu", r->bodylen);
	snprintf(rows, sizeof(rows), "%zu", nids);
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	p[0] = iid;
	p[1] = ikind_ids[x.kind];
	p[2] = r->user.region;
	p[3] = sh.format == SHEET_XLSX ? "xlsx" : "csv";
	p[4] = sheet_encoding_names[sh.encoding];
	p[5] = hex;
	p[6] = bytes;
	p[7] = rows;
	p[8] = arr;
	p[9] = uid;
	if (db_exec_ok(r, &insert, p) == -1)
		goto dberr;
	p[0] = iid;
	if ((res = db_exec(r, &import_one, p)) == NULL)
		goto dberr;
	log_info("request %s: %s imported %zu %s (import %lld)", r->id,
	    r->user.username, nids, ikind_ids[x.kind], (long long)import_id);
	reply_resource(r, 201, PQntuples(res) == 1 ? import_json(res, 0) :
	    NULL, "import", "/api/v1/imports");
	goto out;
dberr:
	reply_db_error(r);
out:
	PQclear(res);
	free(arr);
	free(ids);
	import_end(&x, &sh);
}

/* ------------------------------------------------------------------ */
/* POST /api/v1/imports/check                                         */
/* ------------------------------------------------------------------ */

/*
 * The report as CSV: a UTF-8 BOM, the headings 行号,字段,问题 and one line
 * per error, in the file's order.
 */
static void
reply_report_csv(struct req *r, const struct import_ctx *x)
{
	static const char head[] = "\xef\xbb\xbf行号,字段,问题\r\n";
	struct csv_buf	 b = { NULL, 0, 0, 0 };
	json_t		*e;
	char		 row[16];
	size_t		 i;

	csv_buf_put(&b, head, sizeof(head) - 1);
	json_array_foreach(x->rep.errors, i, e) {
		snprintf(row, sizeof(row), "%lld", (long long)json_integer_value(
		    json_object_get(e, "row")));
		csv_cell(row, 0, csv_buf_put, &b);
		csv_buf_put(&b, ",", 1);
		csv_cell(json_string_value(json_object_get(e, "field")), 1,
		    csv_buf_put, &b);
		csv_buf_put(&b, ",", 1);
		csv_cell(json_string_value(json_object_get(e, "message")), 1,
		    csv_buf_put, &b);
		csv_buf_put(&b, "\r\n", 2);
	}
	if (b.failed) {
		free(b.s);
		reply_problem(r, 500, NULL, "internal error", NULL);
		return;
	}
	snprintf(r->disposition, sizeof(r->disposition),
	    "attachment; filename=\"paicha-import-errors.csv\"");
	reply_text(r, 200, "text/csv; charset=utf-8", b.s, b.len);
	free(b.s);
}

/*
 * POST /api/v1/imports/check: what POST /api/v1/imports would say of
 * the file, row by row, without writing anything (a read-only
 * snapshot).  200 with {"kind", "rows", "ok", "errors"}, or the errors
 * as CSV (format=csv).  A file that cannot be read at all is the same
 * 413/415/422 as the import's.  Repeated codes within the file are
 * found by comparing its rows, since nothing is inserted.
 */
void
import_check(struct req *r)
{
	struct import_in in = { NULL, "json" };
	struct import_ctx x;
	struct sheet	 sh = { 0 };
	int64_t		*ids = NULL;
	size_t		 nids;
	json_t		*errors;

	memset(&x, 0, sizeof(x));
	if (validate_query(r, check_fields, NITEMS(check_fields), &in,
	    NULL) == -1)
		return;
	if (import_begin(r, in.kind, &sh, &x) == -1)
		goto out;
	if (read_headings(&x) == 0) {
		if ((ids = calloc(sh.nrows, sizeof(*ids))) == NULL) {
			reply_problem(r, 500, NULL, "internal error", NULL);
			goto out;
		}
		if (admit_rows(&x, 0, 0, ids, &nids) == -1) {
			reply_db_error(r);
			goto out;
		}
	}
	if (strcmp(in.format, "csv") == 0) {
		reply_report_csv(r, &x);
		goto out;
	}
	errors = x.rep.errors != NULL ? x.rep.errors : json_array();
	x.rep.errors = NULL;
	reply_json(r, 200, json_pack("{s:s, s:s, s:s, s:I, s:b, s:I, s:I,"
	    " s:o}", "kind", ikind_ids[x.kind], "format", sh.format ==
	    SHEET_XLSX ? "xlsx" : "csv", "encoding",
	    sheet_encoding_names[sh.encoding], "rows",
	    (json_int_t)(sh.nrows - 1), "ok", x.rep.n == 0,
	    "error_count", (json_int_t)x.rep.n, "failed_rows",
	    (json_int_t)x.rep.failed_rows, "errors", errors));
out:
	free(ids);
	import_end(&x, &sh);
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/imports/template                                       */
/* ------------------------------------------------------------------ */

static const char *const template_formats[] = { "csv", "xlsx", NULL };

static const struct vfield template_fields[] = {
	{ "kind", VT_ENUM, 1, 0, 0, ikind_ids, NULL,
	    offsetof(struct import_in, kind) },
	{ "format", VT_ENUM, 0, 0, 0, template_formats, NULL,
	    offsetof(struct import_in, format) },
};

/* A column's heading in a template: "label(field)". */
static void
template_heading(const struct column *c, char *out, size_t size)
{
	snprintf(out, size, "%s(%s)", c->label, c->field);
}

/* What a column of each type takes, for the template's notes; a choice
   lists its values instead. */
static const char *const ctype_note[CT__MAX] = {
	[CT_TEXT] = "文本",
	[CT_INT] = "整数",
	[CT_BOOL] = "是 或 否",
	[CT_DATE] = "日期，如 2026-03-15",
	[CT_MONEY] = "金额（元），最多两位小数，如 1234.50",
	[CT_CHOICE] = "取值：",
	[CT_CATEGORY] = "产品类别名称或代码，如 电线电缆",
	[CT_FOUND] = "风险排查填 是/否；风险监测填发现问题的个数",
	[CT_ENTERPRISE] = "企业的统一社会信用代码（代替企业编号）",
};

/* What a column takes, for the template's notes. */
static void
column_note(const struct column *c, char *out, size_t size)
{
	const struct choice	*ch;
	size_t			 n;

	n = (size_t)snprintf(out, size, "%s", ctype_note[c->type]);
	if (c->type != CT_CHOICE)
		return;
	for (ch = c->choices; ch->id != NULL && n < size; ch++)
		n += (size_t)snprintf(out + n, size - n, "%s%s（%s）",
		    ch == c->choices ? "" : "、", ch->label, ch->id);
}

static void
template_csv(struct req *r, enum ikind k)
{
	struct csv_buf	 b = { NULL, 0, 0, 0 };
	char		 h[128];
	size_t		 c;

	csv_buf_put(&b, "\xef\xbb\xbf", 3);
	for (c = 0; c < ikinds[k].n; c++) {
		if (c > 0)
			csv_buf_put(&b, ",", 1);
		template_heading(&ikinds[k].columns[c], h, sizeof(h));
		csv_cell(h, 1, csv_buf_put, &b);
	}
	csv_buf_put(&b, "\r\n", 2);
	if (b.failed) {
		free(b.s);
		reply_problem(r, 500, NULL, "internal error", NULL);
		return;
	}
	snprintf(r->disposition, sizeof(r->disposition),
	    "attachment; filename=\"paicha-import-%s.csv\"", ikind_ids[k]);
	reply_text(r, 200, "text/csv; charset=utf-8", b.s, b.len);
	free(b.s);
}

/* Read the file at `path` (small: a template) into a new buffer. */
static char *
read_small(const char *path, size_t *len)
{
	char	*buf = NULL, *nb;
	size_t	 cap = 0;
	ssize_t	 n;
	int	 fd;

	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	for (;;) {
		if (*len == cap) {
			cap = cap == 0 ? 16384 : cap * 2;
			if (cap > 1024 * 1024 ||
			    (nb = realloc(buf, cap)) == NULL) {
				free(buf);
				close(fd);
				return NULL;
			}
			buf = nb;
		}
		if ((n = read(fd, buf + *len, cap - *len)) < 0) {
			free(buf);
			close(fd);
			return NULL;
		}
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	close(fd);
	return buf;
}

/*
 * The template as a workbook: the headings on the first sheet (text
 * cells, so a code keeps its leading zeros), each column's rule on a
 * second, 填写说明.
 */
static void
template_xlsx(struct req *r, enum ikind k)
{
	const char	*base = getenv("TMPDIR");
	lxw_workbook_options opt = { .constant_memory = LXW_FALSE };
	lxw_workbook	*wb;
	lxw_worksheet	*ws, *notes;
	lxw_format	*head, *text;
	char		 dir[256], path[300], h[128], note[512], *buf = NULL;
	size_t		 c, len = 0;

	if (base == NULL || base[0] != '/' || strlen(base) > 200)
		base = "/tmp";
	snprintf(dir, sizeof(dir), "%s/paicha-xlsx-XXXXXX", base);
	if (mkdtemp(dir) == NULL) {
		reply_problem(r, 500, NULL, "internal error", NULL);
		return;
	}
	opt.tmpdir = dir;
	snprintf(path, sizeof(path), "%s/template.xlsx", dir);
	if ((wb = workbook_new_opt(path, &opt)) != NULL) {
		head = workbook_add_format(wb);
		format_set_bold(head);
		text = workbook_add_format(wb);
		format_set_num_format(text, "@");
		ws = workbook_add_worksheet(wb, ikinds[k].label);
		notes = workbook_add_worksheet(wb, "填写说明");
		worksheet_write_string(notes, 0, 0, "列", head);
		worksheet_write_string(notes, 0, 1, "必填", head);
		worksheet_write_string(notes, 0, 2, "说明", head);
		worksheet_set_column(notes, 0, 0, 30, NULL);
		worksheet_set_column(notes, 2, 2, 80, NULL);
		for (c = 0; c < ikinds[k].n; c++) {
			template_heading(&ikinds[k].columns[c], h, sizeof(h));
			worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c,
			    22, text);
			worksheet_write_string(ws, 0, (lxw_col_t)c, h, head);
			column_note(&ikinds[k].columns[c], note, sizeof(note));
			worksheet_write_string(notes, (lxw_row_t)(c + 1), 0, h,
			    NULL);
			worksheet_write_string(notes, (lxw_row_t)(c + 1), 1,
			    ikinds[k].columns[c].required ? "是" : "", NULL);
			worksheet_write_string(notes, (lxw_row_t)(c + 1), 2,
			    note, NULL);
		}
		if (workbook_close(wb) == LXW_NO_ERROR)
			buf = read_small(path, &len);
	}
	unlink(path);
	(void)rmdir(dir);
	if (buf == NULL) {
		log_error("request %s: could not write the template", r->id);
		reply_problem(r, 500, NULL, "internal error", NULL);
		return;
	}
	snprintf(r->disposition, sizeof(r->disposition),
	    "attachment; filename=\"paicha-import-%s.xlsx\"", ikind_ids[k]);
	reply_text(r, 200, "application/vnd.openxmlformats-officedocument."
	    "spreadsheetml.sheet", buf, len);
	free(buf);
}

void
import_template(struct req *r)
{
	struct import_in in = { NULL, "csv" };

	if (validate_query(r, template_fields, NITEMS(template_fields), &in,
	    NULL) == -1)
		return;
	if (strcmp(in.format, "xlsx") == 0)
		template_xlsx(r, ikind_parse(in.kind));
	else
		template_csv(r, ikind_parse(in.kind));
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/imports, GET /api/v1/imports/{id}                      */
/* ------------------------------------------------------------------ */

/* Row `i` of an imports result as the API shows it (a new reference). */
static json_t *
import_json(const PGresult *res, int i)
{
	json_t	*ids;

	ids = json_loads(db_get(res, i, "record_ids"), 0, NULL);
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:o,"
	    " s:o, s:s}",
	    "id", (json_int_t)strtoll(db_get(res, i, "id"), NULL, 10),
	    "kind", db_get(res, i, "kind"),
	    "region", db_get(res, i, "region"),
	    "format", db_get(res, i, "format"),
	    "encoding", db_get(res, i, "encoding"),
	    "sha256", db_get(res, i, "sha256"),
	    "bytes", (json_int_t)strtoll(db_get(res, i, "bytes"), NULL, 10),
	    "rows", (json_int_t)strtoll(db_get(res, i, "rows"), NULL, 10),
	    "created", (json_int_t)strtoll(db_get(res, i, "created"), NULL,
	    10),
	    "records", ids != NULL ? ids : json_array(),
	    "created_by", db_json_text(res, i, "created_by"),
	    "created_at", db_get(res, i, "created_at"));
}

void
import_get(struct req *r)
{
	char		 id[24];
	const char	*p[1];
	PGresult	*res;

	snprintf(id, sizeof(id), "%lld", (long long)r->ids[0]);
	p[0] = id;
	if ((res = db_exec(r, &import_one, p)) == NULL) {
		reply_db_error(r);
		return;
	}
	reply_resource(r, 200, PQntuples(res) == 1 ? import_json(res, 0) :
	    NULL, "import", NULL);
	PQclear(res);
}

struct imports_list_in {
	long long	 cursor;
	long long	 limit;
};

static const struct vfield imports_list_fields[] = {
	VF_PAGE(struct imports_list_in),
};

void
import_list(struct req *r)
{
	static struct stmt list = STMT(
	    "SELECT i.id, i.kind, i.region, i.format, i.encoding,"
	    " encode(i.sha256, 'hex') AS sha256, i.bytes, i.rows, i.created,"
	    " '[]' AS record_ids,"
	    " u.username AS created_by, rfc3339(i.created_at) AS created_at"
	    " FROM imports i"
	    " LEFT JOIN LATERAL user_public(i.created_by) u ON true"
	    " WHERE ($1::bigint IS NULL OR i.id < $1)"
	    " ORDER BY i.id DESC LIMIT $2", 2);
	struct imports_list_in in = { 0, LIST_DEFAULT };
	char		 cur[24], lim[24];
	const char	*p[2];
	PGresult	*res;
	json_t		*items;
	int		 i, n;

	if (validate_query(r, imports_list_fields,
	    NITEMS(imports_list_fields), &in, NULL) == -1)
		return;
	snprintf(cur, sizeof(cur), "%lld", in.cursor);
	snprintf(lim, sizeof(lim), "%lld", in.limit + 1);
	p[0] = in.cursor != 0 ? cur : NULL;
	p[1] = lim;
	if ((res = db_exec(r, &list, p)) == NULL) {
		reply_db_error(r);
		return;
	}
	items = json_array();
	n = PQntuples(res);
	for (i = 0; i < n && i < in.limit; i++) {
		json_t *o = import_json(res, i);

		json_object_del(o, "records");
		json_array_append_new(items, o);
	}
	reply_page(r, items, res, in.limit);
	PQclear(res);
}
