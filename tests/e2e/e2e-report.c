/*
 * e2e-report.c: activities and the campaign statistics form, end to end.
 *
 * The test records a known set of activities and cases through the API
 * -- the cases moved through the workflow by the officers with legal.bj
 * (legal.sh in Shanghai) approving -- in campaign 2022 and, for 同比变化,
 * in the previous year's campaign 2021 (made here as the superuser when
 * it is missing).  It computes the form it expects on its own, from its
 * own records and API.md's definitions, and compares every cell of the
 * JSON, the CSV and the XLSX (through LibreOffice) with it.
 *
 * Other tests may share the instance, so the test reads each form once
 * before it records anything and expects that baseline plus its own
 * records: its enterprises are new, so even distinct counts add up.
 *
 * Activities' limits (API.md and activities.c) are crossed one by one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "e2e.h"

#define CUR		2022
#define PREV		2021
#define NCOLS		25

/* API.md's 25 headings, in its order: the contract, written out again. */
static const char *const headings[NCOLS] = {
	"产品类别",
	"风险排查/生产领域/排查企业", "风险排查/生产领域/发现问题企业",
	"风险排查/流通领域/排查企业", "风险排查/流通领域/发现问题企业",
	"监督抽查/生产领域/抽查企业", "监督抽查/生产领域/抽查批次",
	"监督抽查/生产领域/不合格批次", "监督抽查/生产领域/同比变化",
	"监督抽查/流通领域/抽查企业", "监督抽查/流通领域/抽查批次",
	"监督抽查/流通领域/不合格批次", "监督抽查/流通领域/同比变化",
	"风险监测/采集风险信息(条)", "风险监测/开展风险监测产品(批次)",
	"风险监测/发现质量问题(个)",
	"案件查办/查处案件(起)", "案件查办/罚没金额",
	"案件查办/案值", "案件查办/移送司法机关案件(起)",
	"行纪衔接/行纪衔接(起)",
	"质量技术帮扶/帮扶企业(家)", "质量技术帮扶/解决质量问题(个)",
	"质量技术帮扶/帮助企业提升产值",
	"约谈/约谈企业(家)",
};

/* Column indexes the model fills. */
enum {
	K_NAME, K_INSP_P, K_FOUND_P, K_INSP_C, K_FOUND_C,
	K_SPOT_P, K_BATCH_P, K_FAIL_P, K_DELTA_P,
	K_SPOT_C, K_BATCH_C, K_FAIL_C, K_DELTA_C,
	K_RISK_INFO, K_MON_BATCH, K_MON_FOUND,
	K_CASES, K_FINES, K_VALUE, K_JUDICIAL, K_DISCIPLINE,
	K_HELP_ENT, K_HELP_SOLVED, K_HELP_GAIN, K_INTERVIEWED
};

static int
is_money(int k)
{
	return k == K_FINES || k == K_VALUE || k == K_HELP_GAIN;
}

static int
is_delta(int k)
{
	return k == K_DELTA_P || k == K_DELTA_C;
}

/* The seed's ten, in its order: ids (0003_categories.sql) and names. */
static const char *const ten_ids[10] = {
	"hazardous_chemicals", "hazardous_chemical_packaging", "road_tankers",
	"rebar", "cement", "wires_cables", "gas_appliances", "fireworks",
	"electric_bicycles", "ebike_chargers_batteries",
};
static const char *const ten_names[10] = {
	"危险化学品", "危险化学品包装物", "车载常压罐体", "钢筋", "水泥", "电线电缆",
	"燃气具", "烟花爆竹", "电动自行车", "电动自行车充电器和电池",
};

/* Categories by index: the ten, then one Beijing and one Shanghai added. */
enum { C_HAZ, C_PACK, C_TANK, C_REBAR, C_CEMENT, C_WIRES, C_GAS, C_FIRE,
	C_EBIKE, C_CHARGER, C_BJ, C_SH, NCATS };
static char cat_ids[NCATS][48];
static char cat_names[NCATS][64];

/* Users. */
enum { U_BJ, U_DC, U_SH, U_LEGAL_BJ, U_LEGAL_SH, U_AUDITOR, U_ADMIN, NUSERS };
static const char *const usernames[NUSERS] = {
	"officer.bj", "officer.dc", "officer.sh", "legal.bj", "legal.sh",
	"auditor.bj", "admin",
};
static struct client *users[NUSERS];

/* Enterprises, registered through the API in setup(). */
static struct ent {
	const char	*region;
	long long	 id;
} ents[] = {
	{ "110101", 0 },	/* E0 东城区 */
	{ "110101", 0 },	/* E1 东城区 */
	{ "110102", 0 },	/* E2 西城区: beside 东城区 */
	{ "110105", 0 },	/* E3 朝阳区 */
	{ "310101", 0 },	/* E4 黄浦区 */
	{ "310104", 0 },	/* E5 徐汇区 */
};
#define NENTS	(sizeof(ents) / sizeof(ents[0]))

/* ------------------------------------------------------------------ */
/* The records                                                        */
/* ------------------------------------------------------------------ */

enum kind { INSP, SPOT, INFO, MON, HELP };
enum { PROD, CIRC, NODOM };

struct act {
	int		 user;
	enum kind	 kind;
	int		 campaign;
	int		 cat;
	int		 ent;		/* -1: none */
	const char	*region;	/* given; NULL: none */
	int		 domain;
	int		 found;		/* INSP: bool; MON: count */
	int		 batches, failed;
	int		 solved;
	const char	*gain;		/* HELP: yuan */
};

static const struct act acts[] = {
	/* Inspections: E0 twice in cement (one with problems), E0 in rebar
	 * too (distinct across categories in 合计). */
	{ U_BJ, INSP, CUR, C_CEMENT, 0, NULL, PROD, 1, 0, 0, 0, NULL },
	{ U_BJ, INSP, CUR, C_CEMENT, 0, NULL, PROD, 0, 0, 0, 0, NULL },
	{ U_DC, INSP, CUR, C_CEMENT, 1, NULL, PROD, 0, 0, 0, 0, NULL },
	{ U_BJ, INSP, CUR, C_CEMENT, 2, NULL, CIRC, 1, 0, 0, 0, NULL },
	{ U_BJ, INSP, CUR, C_REBAR, 0, NULL, PROD, 1, 0, 0, 0, NULL },
	{ U_BJ, INSP, CUR, C_BJ, 3, NULL, CIRC, 0, 0, 0, 0, NULL },
	{ U_SH, INSP, CUR, C_CEMENT, 4, NULL, PROD, 1, 0, 0, 0, NULL },
	{ U_BJ, INSP, PREV, C_CEMENT, 3, NULL, PROD, 1, 0, 0, 0, NULL },
	/* Spot checks this year ... */
	{ U_BJ, SPOT, CUR, C_CEMENT, 0, NULL, PROD, 0, 10, 2, 0, NULL },
	{ U_DC, SPOT, CUR, C_CEMENT, 1, NULL, PROD, 0, 5, 0, 0, NULL },
	{ U_BJ, SPOT, CUR, C_CEMENT, 2, NULL, CIRC, 0, 8, 1, 0, NULL },
	{ U_BJ, SPOT, CUR, C_WIRES, 3, NULL, PROD, 0, 4, 4, 0, NULL },
	{ U_BJ, SPOT, CUR, C_GAS, 0, NULL, PROD, 0, 3, 0, 0, NULL },
	{ U_BJ, SPOT, CUR, C_EBIKE, 3, NULL, PROD, 0, 4, 1, 0, NULL },
	{ U_BJ, SPOT, CUR, C_HAZ, 3, NULL, CIRC, 0, 8, 1, 0, NULL },
	{ U_BJ, SPOT, CUR, C_PACK, 3, NULL, PROD, 0, 16, 1, 0, NULL },
	{ U_SH, SPOT, CUR, C_CEMENT, 4, NULL, PROD, 0, 7, 3, 0, NULL },
	/* ... and the year before: rates that differ, are equal (+0.0),
	 * tie at the rounding digit (6.25 -> 6.3), exist only then. */
	{ U_BJ, SPOT, PREV, C_CEMENT, 0, NULL, PROD, 0, 20, 3, 0, NULL },
	{ U_DC, SPOT, PREV, C_CEMENT, 1, NULL, PROD, 0, 3, 3, 0, NULL },
	{ U_BJ, SPOT, PREV, C_CEMENT, 2, NULL, CIRC, 0, 6, 1, 0, NULL },
	{ U_BJ, SPOT, PREV, C_WIRES, 3, NULL, PROD, 0, 9, 0, 0, NULL },
	{ U_BJ, SPOT, PREV, C_FIRE, 0, NULL, PROD, 0, 5, 1, 0, NULL },
	{ U_BJ, SPOT, PREV, C_EBIKE, 3, NULL, PROD, 0, 8, 2, 0, NULL },
	{ U_BJ, SPOT, PREV, C_HAZ, 3, NULL, CIRC, 0, 16, 1, 0, NULL },
	{ U_BJ, SPOT, PREV, C_PACK, 3, NULL, PROD, 0, 8, 1, 0, NULL },
	{ U_SH, SPOT, PREV, C_CEMENT, 5, NULL, PROD, 0, 10, 1, 0, NULL },
	/* Risk information: by region, by enterprise, by both. */
	{ U_BJ, INFO, CUR, C_CEMENT, -1, "110105", NODOM, 0, 0, 0, 0, NULL },
	{ U_DC, INFO, CUR, C_REBAR, 1, NULL, NODOM, 0, 0, 0, 0, NULL },
	{ U_BJ, INFO, CUR, C_CEMENT, 2, "110102", NODOM, 0, 0, 0, 0, NULL },
	{ U_SH, INFO, CUR, C_CEMENT, -1, "310000", NODOM, 0, 0, 0, 0, NULL },
	/* Risk monitoring, at the province level itself and below. */
	{ U_BJ, MON, CUR, C_CEMENT, -1, "110000", NODOM, 2, 12, 0, 0, NULL },
	{ U_DC, MON, CUR, C_CEMENT, -1, "110101", NODOM, 0, 3, 0, 0, NULL },
	{ U_SH, MON, CUR, C_CEMENT, -1, "310000", NODOM, 1, 5, 0, 0, NULL },
	/* Technical assistance: E0 twice in cement. */
	{ U_BJ, HELP, CUR, C_CEMENT, 0, NULL, NODOM, 0, 0, 0, 2, "10000.50" },
	{ U_BJ, HELP, CUR, C_CEMENT, 0, NULL, NODOM, 0, 0, 0, 1, "0.25" },
	{ U_DC, HELP, CUR, C_REBAR, 1, NULL, NODOM, 0, 0, 0, 3, "999999.99" },
	{ U_BJ, HELP, CUR, C_BJ, 3, NULL, NODOM, 0, 0, 0, 0, "0" },
	{ U_SH, HELP, CUR, C_SH, 4, NULL, NODOM, 0, 0, 0, 4, "12.30" },
	{ U_BJ, HELP, PREV, C_CEMENT, 0, NULL, NODOM, 0, 0, 0, 5, "1.00" },
};
#define NACTS	(sizeof(acts) / sizeof(acts[0]))

/* What a case goes through; each step approved unless it says not. */
enum step { S_INTERVIEW, S_PENALTY, S_PENALTY_REJECTED, S_JUDICIAL,
	S_JUDICIAL_PENDING, S_DISCIPLINE, S_END };

struct kase {
	int		 officer;
	int		 legal;
	int		 campaign;
	int		 cat;
	int		 ent;
	enum step	 steps[3];
	const char	*fine, *confiscation, *value;
	/* filled in */
	long long	 id;
	int		 version;
};

static struct kase cases[] = {
	{ U_BJ, U_LEGAL_BJ, CUR, C_CEMENT, 0, { S_PENALTY, S_END },
	    "1000.50", "200.25", "5000.00", 0, 0 },
	{ U_BJ, U_LEGAL_BJ, CUR, C_CEMENT, 2, { S_INTERVIEW, S_PENALTY, S_END },
	    "300", "0", "800.10", 0, 0 },
	{ U_BJ, U_LEGAL_BJ, CUR, C_REBAR, 0, { S_JUDICIAL, S_END },
	    NULL, NULL, NULL, 0, 0 },
	{ U_BJ, U_LEGAL_BJ, CUR, C_REBAR, 3, { S_DISCIPLINE, S_END },
	    NULL, NULL, NULL, 0, 0 },
	{ U_DC, U_LEGAL_BJ, CUR, C_CEMENT, 1, { S_PENALTY_REJECTED, S_END },
	    "50.00", "0", "100", 0, 0 },
	{ U_BJ, U_LEGAL_BJ, CUR, C_CEMENT, 0, { S_INTERVIEW, S_END },
	    NULL, NULL, NULL, 0, 0 },
	{ U_BJ, U_LEGAL_BJ, CUR, C_WIRES, 0, { S_INTERVIEW, S_END },
	    NULL, NULL, NULL, 0, 0 },
	{ U_SH, U_LEGAL_SH, CUR, C_CEMENT, 4, { S_PENALTY, S_END },
	    "700", "70", "7000", 0, 0 },
	{ U_DC, U_LEGAL_BJ, PREV, C_CEMENT, 1, { S_PENALTY, S_END },
	    "9.99", "0", "9.99", 0, 0 },
	{ U_BJ, U_LEGAL_BJ, CUR, C_CEMENT, 2, { S_JUDICIAL_PENDING, S_END },
	    NULL, NULL, NULL, 0, 0 },
	{ U_DC, U_LEGAL_BJ, CUR, C_CEMENT, 1, { S_JUDICIAL, S_END },
	    NULL, NULL, NULL, 0, 0 },
	{ U_BJ, U_LEGAL_BJ, CUR, C_BJ, 3, { S_INTERVIEW, S_PENALTY, S_END },
	    "12.34", "0.66", "99.99", 0, 0 },
	{ U_DC, U_LEGAL_BJ, CUR, C_CEMENT, 1, { S_INTERVIEW, S_JUDICIAL,
	    S_END }, NULL, NULL, NULL, 0, 0 },
};
#define NCASES	(sizeof(cases) / sizeof(cases[0]))

/* ------------------------------------------------------------------ */
/* Small helpers                                                      */
/* ------------------------------------------------------------------ */

static char today[11], yesterday[11];

static void
dates_init(void)
{
	time_t		 t = time(NULL) + 8 * 3600;	/* China Standard Time */
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	t -= 86400;
	gmtime_r(&t, &tm);
	strftime(yesterday, sizeof(yesterday), "%Y-%m-%d", &tm);
}

static int
covers(const char *scope, const char *code)
{
	if (strcmp(scope, "000000") == 0)
		return 1;
	if (strcmp(scope + 2, "0000") == 0)
		return strncmp(scope, code, 2) == 0;
	if (strcmp(scope + 4, "00") == 0)
		return strncmp(scope, code, 4) == 0;
	return strcmp(scope, code) == 0;
}

/* Yuan "123.4" -> fen. */
static long long
fen(const char *s)
{
	long long	 y = 0, f = 0;
	int		 n = 0;

	for (; *s >= '0' && *s <= '9'; s++)
		y = y * 10 + (*s - '0');
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9' && n < 2; s++, n++)
			f = f * 10 + (*s - '0');
	for (; n < 2; n++)
		f *= 10;
	return y * 100 + f;
}

static char *
money_text(long long v)
{
	return fmt("%lld.%02lld", v / 100, v % 100);
}

/*
 * 同比变化: this year's failed-batch rate minus last year's, in
 * percentage points, rounded half away from zero to one decimal, signed;
 * "" when either year has no batches.  In integers: tenths of a point =
 * 1000 (f1 b0 - f0 b1) / (b1 b0).
 */
static char *
delta_text(long long b1, long long f1, long long b0, long long f0)
{
	long long	 num, den, t;
	int		 neg;

	if (b1 == 0 || b0 == 0)
		return strdup("");
	num = 1000 * (f1 * b0 - f0 * b1);
	den = b1 * b0;
	neg = num < 0;
	if (neg)
		num = -num;
	t = (2 * num + den) / (2 * den);
	if (t == 0)
		return strdup("+0.0");
	return fmt("%c%lld.%lld", neg ? '-' : '+', t / 10, t % 10);
}

/* ------------------------------------------------------------------ */
/* The forms as the API shows them                                    */
/* ------------------------------------------------------------------ */

/* A form: row names and cells as text (counts in decimal). */
struct form {
	int	 nrows;
	char	*cells[32][NCOLS];
};

static void
form_free(struct form *f)
{
	int	 i, c;

	for (i = 0; i < f->nrows; i++)
		for (c = 0; c < NCOLS; c++)
			free(f->cells[i][c]);
	f->nrows = 0;
}

/* Read the JSON form, checking its shape and cell types on the way. */
static void
form_get(struct client *c, int campaign, const char *region, struct form *f)
{
	struct resp	 r;
	json_t		*row, *v, *cols;
	size_t		 i, k;
	char		*path;

	path = region != NULL ? fmt("/api/v1/reports/campaign/%d?region=%s",
	    campaign, region) : fmt("/api/v1/reports/campaign/%d", campaign);
	http_get(c, path, &r);
	free(path);
	assert_status(&r, 200);
	assert_non_null(r.json);
	assert_int_equal(json_integer_value(json_object_get(r.json,
	    "campaign_id")), campaign);
	cols = json_object_get(r.json, "columns");
	assert_int_equal(json_array_size(cols), NCOLS);
	for (k = 0; k < NCOLS; k++)
		assert_string_equal(json_string_value(json_array_get(cols, k)),
		    headings[k]);
	memset(f, 0, sizeof(*f));
	json_array_foreach(json_object_get(r.json, "rows"), i, row) {
		assert_true(i < 32);
		assert_int_equal(json_array_size(row), NCOLS);
		for (k = 0; k < NCOLS; k++) {
			v = json_array_get(row, k);
			if (k == K_NAME || is_money((int)k) || is_delta((int)k)) {
				if (!json_is_string(v))
					fail_msg("row %zu cell %zu is not a "
					    "string: %s", i, k, r.body);
				f->cells[i][k] = strdup(json_string_value(v));
			} else {
				if (!json_is_integer(v))
					fail_msg("row %zu cell %zu is not a "
					    "number: %s", i, k, r.body);
				f->cells[i][k] = fmt("%lld", (long long)
				    json_integer_value(v));
			}
		}
		f->nrows = (int)i + 1;
	}
	resp_free(&r);
}

static int
form_row(const struct form *f, const char *name)
{
	int	 i;

	for (i = 0; i < f->nrows; i++)
		if (strcmp(f->cells[i][K_NAME], name) == 0)
			return i;
	return -1;
}

static long long
num(const struct form *f, int row, int k)
{
	return row < 0 ? 0 : is_money(k) ? fen(f->cells[row][k]) :
	    strtoll(f->cells[row][k], NULL, 10);
}

/* ------------------------------------------------------------------ */
/* The model: the form expected from the baseline and our records     */
/* ------------------------------------------------------------------ */

/*
 * The value our own records add to column k of category `cat` (-1: 合计)
 * for the form of `scope` and campaign `camp`.  Distinct enterprises are
 * counted over the set our records give (new enterprises, so they add to
 * the baseline's).
 */
static long long
own(const char *scope, int camp, int cat, int k)
{
	int		 seen[NENTS];
	long long	 v = 0;
	size_t		 i;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < NACTS; i++) {
		const struct act *a = &acts[i];
		const char *reg = a->ent >= 0 ? ents[a->ent].region : a->region;
		int dom = k <= K_FOUND_P || (k >= K_SPOT_P && k <= K_FAIL_P) ?
		    PROD : CIRC;

		if (a->campaign != camp || (cat >= 0 && a->cat != cat) ||
		    !covers(scope, reg))
			continue;
		switch (k) {
		case K_INSP_P: case K_INSP_C:
			if (a->kind == INSP && a->domain == dom)
				seen[a->ent] = 1;
			break;
		case K_FOUND_P: case K_FOUND_C:
			if (a->kind == INSP && a->domain == dom && a->found)
				seen[a->ent] = 1;
			break;
		case K_SPOT_P: case K_SPOT_C:
			if (a->kind == SPOT && a->domain == dom)
				seen[a->ent] = 1;
			break;
		case K_BATCH_P: case K_BATCH_C:
			if (a->kind == SPOT && a->domain == dom)
				v += a->batches;
			break;
		case K_FAIL_P: case K_FAIL_C:
			if (a->kind == SPOT && a->domain == dom)
				v += a->failed;
			break;
		case K_RISK_INFO:
			v += a->kind == INFO;
			break;
		case K_MON_BATCH:
			if (a->kind == MON)
				v += a->batches;
			break;
		case K_MON_FOUND:
			if (a->kind == MON)
				v += a->found;
			break;
		case K_HELP_ENT:
			if (a->kind == HELP)
				seen[a->ent] = 1;
			break;
		case K_HELP_SOLVED:
			if (a->kind == HELP)
				v += a->solved;
			break;
		case K_HELP_GAIN:
			if (a->kind == HELP)
				v += fen(a->gain);
			break;
		default:
			break;
		}
	}
	for (i = 0; i < NCASES; i++) {
		const struct kase *c = &cases[i];
		int penalty = 0, judicial = 0, discipline = 0, interview = 0;
		size_t s;

		if (c->campaign != camp || (cat >= 0 && c->cat != cat) ||
		    !covers(scope, ents[c->ent].region))
			continue;
		for (s = 0; c->steps[s] != S_END; s++) {
			penalty |= c->steps[s] == S_PENALTY;
			judicial |= c->steps[s] == S_JUDICIAL;
			discipline |= c->steps[s] == S_DISCIPLINE;
			interview |= c->steps[s] == S_INTERVIEW;
		}
		switch (k) {
		case K_CASES:
			v += penalty;
			break;
		case K_FINES:
			if (penalty)
				v += fen(c->fine) + fen(c->confiscation);
			break;
		case K_VALUE:
			if (penalty)
				v += fen(c->value);
			break;
		case K_JUDICIAL:
			v += judicial;
			break;
		case K_DISCIPLINE:
			v += discipline;
			break;
		case K_INTERVIEWED:
			if (interview)
				seen[c->ent] = 1;
			break;
		default:
			break;
		}
	}
	for (i = 0; i < NENTS; i++)
		v += seen[i];
	return v;
}

/* The category index of a row name, -1 for 合计, -2 for another's. */
static int
cat_of(const char *name)
{
	int	 i;

	if (strcmp(name, "合计") == 0)
		return -1;
	for (i = 0; i < NCATS; i++)
		if (strcmp(cat_names[i], name) == 0)
			return i;
	return -2;
}

/*
 * The expected form of `scope` for campaign CUR: the baselines (this
 * year's and last year's forms before we recorded anything) plus ours.
 */
static void
expect(const char *scope, const struct form *base, const struct form *pbase,
    struct form *want)
{
	int	 i, k, cat, prow;

	memset(want, 0, sizeof(*want));
	want->nrows = base->nrows;
	for (i = 0; i < base->nrows; i++) {
		cat = cat_of(base->cells[i][K_NAME]);
		prow = form_row(pbase, base->cells[i][K_NAME]);
		want->cells[i][K_NAME] = strdup(base->cells[i][K_NAME]);
		for (k = 1; k < NCOLS; k++) {
			long long v = num(base, i, k);

			if (is_delta(k))
				continue;
			if (cat != -2)
				v += own(scope, CUR, cat, k);
			want->cells[i][k] = is_money(k) ? money_text(v) :
			    fmt("%lld", v);
		}
		for (k = K_DELTA_P; k <= K_DELTA_C; k += K_DELTA_C - K_DELTA_P) {
			long long b1 = num(want, i, k - 2), f1 = num(want, i,
			    k - 1), b0 = num(pbase, prow, k - 2), f0 = num(pbase,
			    prow, k - 1);

			if (cat != -2) {
				b0 += own(scope, PREV, cat, k - 2);
				f0 += own(scope, PREV, cat, k - 1);
			}
			want->cells[i][k] = delta_text(b1, f1, b0, f0);
		}
	}
}

static void
assert_form(const char *what, const struct form *got, const struct form *want)
{
	int	 i, k;

	if (got->nrows != want->nrows)
		fail_msg("%s: %d rows, want %d", what, got->nrows, want->nrows);
	for (i = 0; i < want->nrows; i++)
		for (k = 0; k < NCOLS; k++)
			if (strcmp(got->cells[i][k], want->cells[i][k]) != 0)
				fail_msg("%s: row %d (%s) column %s: got \"%s\", "
				    "want \"%s\"", what, i, want->cells[i][0],
				    headings[k], got->cells[i][k],
				    want->cells[i][k]);
}

/* ------------------------------------------------------------------ */
/* CSV                                                                */
/* ------------------------------------------------------------------ */

/*
 * Parse RFC 4180 text into rows of malloc'd fields (at most 40 rows of
 * NCOLS); returns the number of rows.  Quoted fields may hold commas,
 * quotes (doubled) and line ends; a line ends in CRLF or LF.
 */
static int
csv_parse(const char *s, size_t len, char *rows[40][NCOLS], int *ncols)
{
	const char	*e = s + len;
	char		*field = malloc(len + 1);
	size_t		 n;
	int		 row = 0, col = 0, q;

	ncols[0] = 0;
	while (s < e && row < 40) {
		n = 0;
		q = 0;
		if (*s == '"') {
			q = 1;
			s++;
			while (s < e) {
				if (*s == '"' && s + 1 < e && s[1] == '"') {
					field[n++] = '"';
					s += 2;
				} else if (*s == '"') {
					s++;
					break;
				} else
					field[n++] = *s++;
			}
		}
		while (!q && s < e && *s != ',' && *s != '\r' && *s != '\n')
			field[n++] = *s++;
		field[n] = '\0';
		if (col < NCOLS)
			rows[row][col] = strdup(field);
		col++;
		if (s < e && *s == ',') {
			s++;
			continue;
		}
		if (s < e && *s == '\r')
			s++;
		if (s < e && *s == '\n')
			s++;
		ncols[row] = col;
		row++;
		col = 0;
		if (row < 40)
			ncols[row] = 0;
	}
	free(field);
	return row;
}

static void
csv_free(char *rows[40][NCOLS], const int *ncols, int nrows)
{
	int	 i, c;

	for (i = 0; i < nrows; i++)
		for (c = 0; c < ncols[i] && c < NCOLS; c++)
			free(rows[i][c]);
}

/* ------------------------------------------------------------------ */
/* Setup: users, categories, enterprises, the previous campaign        */
/* ------------------------------------------------------------------ */

static PGconn		*admin_db;
static struct form	 base_bj, base_dc, base_sh, pbase_bj, pbase_dc, pbase_sh;
static unsigned		 tag;

static int
setup(void **state)
{
	char	 uscc[19];
	size_t	 i;
	int	 u;

	dates_init();
	tag = (unsigned)time(NULL) ^ ((unsigned)getpid() << 16);
	for (u = 0; u < NUSERS; u++)
		users[u] = client_login(usernames[u], DEMO_PASSWORD);
	admin_db = db_admin();

	/* The year before the seed's campaign, for 同比变化. */
	db_do(admin_db, "INSERT INTO campaigns (id, year, name) VALUES (2021,"
	    " 2021, '2021年重点工业产品质量安全排查治理专项行动')"
	    " ON CONFLICT DO NOTHING");

	/* One category added by Beijing, one by Shanghai. */
	for (i = 0; i < 10; i++) {
		snprintf(cat_ids[i], sizeof(cat_ids[i]), "%s", ten_ids[i]);
		snprintf(cat_names[i], sizeof(cat_names[i]), "%s", ten_names[i]);
	}
	snprintf(cat_ids[C_BJ], sizeof(cat_ids[C_BJ]), "bj_e2e_%08x", tag);
	snprintf(cat_names[C_BJ], sizeof(cat_names[C_BJ]), "北京自定产品%08x",
	    tag);
	snprintf(cat_ids[C_SH], sizeof(cat_ids[C_SH]), "sh_e2e_%08x", tag);
	snprintf(cat_names[C_SH], sizeof(cat_names[C_SH]), "上海自定产品%08x",
	    tag);
	for (i = 0; i < 2; i++) {
		int k = i == 0 ? C_BJ : C_SH;
		struct resp r;

		http_json(users[U_ADMIN], "POST", "/api/v1/categories",
		    json_pack("{s:s, s:s, s:s}", "id", cat_ids[k], "name",
		    cat_names[k], "province", i == 0 ? "110000" : "310000"),
		    NULL, &r);
		assert_status(&r, 201);
		resp_free(&r);
	}

	/* Enterprises, registered by the officers of their provinces. */
	for (i = 0; i < NENTS; i++)
		ents[i].id = fixture_enterprise(users[ents[i].region[0] == '1' ?
		    U_BJ : U_SH], ents[i].region, uscc);

	/* The baselines, before anything of ours. */
	form_get(users[U_BJ], CUR, NULL, &base_bj);
	form_get(users[U_DC], CUR, NULL, &base_dc);
	form_get(users[U_SH], CUR, NULL, &base_sh);
	form_get(users[U_BJ], PREV, NULL, &pbase_bj);
	form_get(users[U_DC], PREV, NULL, &pbase_dc);
	form_get(users[U_SH], PREV, NULL, &pbase_sh);
	*state = NULL;
	return 0;
}

static int
teardown(void **state)
{
	int	 u;

	for (u = 0; u < NUSERS; u++)
		client_free(users[u]);
	form_free(&base_bj);
	form_free(&base_dc);
	form_free(&base_sh);
	form_free(&pbase_bj);
	form_free(&pbase_dc);
	form_free(&pbase_sh);
	PQfinish(admin_db);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Recording through the API                                          */
/* ------------------------------------------------------------------ */

static const char *const kind_ids[] = { "inspection", "spot_check",
	"risk_info", "risk_monitoring", "assistance" };
static const char *const domain_ids[] = { "production", "circulation" };

/* The activity as a request body (a new reference). */
static json_t *
act_body(const struct act *a)
{
	json_t	*o = json_pack("{s:s, s:i, s:s, s:s}", "kind",
	    kind_ids[a->kind], "campaign_id", a->campaign, "category",
	    cat_ids[a->cat], "on", a->campaign == CUR ? "2022-06-15" :
	    "2021-06-15");

	if (a->ent >= 0)
		json_object_set_new(o, "enterprise_id",
		    json_integer(ents[a->ent].id));
	if (a->region != NULL)
		json_object_set_new(o, "region", json_string(a->region));
	if (a->domain != NODOM)
		json_object_set_new(o, "domain",
		    json_string(domain_ids[a->domain]));
	switch (a->kind) {
	case INSP:
		json_object_set_new(o, "problems_found",
		    json_boolean(a->found));
		break;
	case SPOT:
		json_object_set_new(o, "batches", json_integer(a->batches));
		json_object_set_new(o, "failed_batches",
		    json_integer(a->failed));
		break;
	case INFO:
		json_object_set_new(o, "summary",
		    json_string("舆情反映某品牌产品存在质量问题"));
		break;
	case MON:
		json_object_set_new(o, "batches", json_integer(a->batches));
		json_object_set_new(o, "problems_found",
		    json_integer(a->found));
		break;
	case HELP:
		json_object_set_new(o, "problems_solved",
		    json_integer(a->solved));
		json_object_set_new(o, "output_gain", json_string(a->gain));
		break;
	}
	return o;
}

/* One transition with If-Match; returns the new version. */
static int
transition(struct kase *k, int user, const char *event, json_t *payload,
    int want)
{
	struct resp	 r;
	char		*path = fmt("/api/v1/cases/%lld/transitions", k->id);
	char		*im = fmt("If-Match: \"%d\"", k->version);
	const char	*h[] = { im, NULL };

	http_json(users[user], "POST", path, json_pack("{s:s, s:o}", "event",
	    event, "payload", payload), h, &r);
	assert_status(&r, want);
	k->version = (int)json_integer_value(json_object_get(r.json,
	    "version"));
	resp_free(&r);
	free(path);
	free(im);
	return k->version;
}

static void
decide(struct kase *k, int user, const char *decision)
{
	struct resp	 r;
	char		*path = fmt("/api/v1/cases/%lld/approval", k->id);
	char		*im = fmt("If-Match: \"%d\"", k->version);
	const char	*h[] = { im, NULL };

	http_json(users[user], "POST", path, json_pack("{s:s, s:s}",
	    "decision", decision, "comment", "法制审核意见"), h, &r);
	assert_status(&r, 200);
	k->version = (int)json_integer_value(json_object_get(r.json,
	    "version"));
	resp_free(&r);
	free(path);
	free(im);
}

static void
run_case(struct kase *k)
{
	struct resp	 r;
	size_t		 s;

	http_json(users[k->officer], "POST", "/api/v1/cases", json_pack(
	    "{s:I, s:i, s:s, s:s, s:s, s:s}", "enterprise_id",
	    (json_int_t)ents[k->ent].id, "campaign_id", k->campaign,
	    "category", cat_ids[k->cat], "domain", "production", "source",
	    "spot_check", "problem", "抽查发现产品不合格"), NULL, &r);
	assert_status(&r, 201);
	k->id = (long long)json_integer_value(json_object_get(r.json, "id"));
	k->version = (int)json_integer_value(json_object_get(r.json,
	    "version"));
	resp_free(&r);
	for (s = 0; k->steps[s] != S_END; s++) {
		switch (k->steps[s]) {
		case S_INTERVIEW:
			transition(k, k->officer, "hold_interview", json_pack(
			    "{s:s, s:[s, s], s:s}", "held_on", yesterday,
			    "attendees", "企业负责人", "质量负责人", "minutes",
			    "约谈纪要：企业承诺限期整改"), 200);
			break;
		case S_PENALTY:
		case S_PENALTY_REJECTED:
			transition(k, k->officer, "publish_credit", json_pack(
			    "{s:s, s:s, s:s, s:s, s:s, s:b}", "decision_no",
			    "京市监罚〔2022〕1号", "fine_amount", k->fine,
			    "confiscation_amount", k->confiscation,
			    "case_value", k->value, "published_on", yesterday,
			    "serious_list", 0), 202);
			decide(k, k->legal, k->steps[s] == S_PENALTY ?
			    "approve" : "reject");
			break;
		case S_JUDICIAL:
		case S_JUDICIAL_PENDING:
			transition(k, k->officer, "transfer_judicial", json_pack(
			    "{s:s, s:s, s:[s, s, s, s, s]}", "receiving_organ",
			    "市公安局", "reason", "涉嫌生产销售伪劣产品罪",
			    "documents", "transfer_letter",
			    "investigation_report", "evidence_list",
			    "inspection_report", "other_materials"), 202);
			if (k->steps[s] == S_JUDICIAL)
				decide(k, k->legal, "approve");
			break;
		case S_DISCIPLINE:
			transition(k, k->officer, "transfer_discipline",
			    json_pack("{s:s, s:s}", "receiving_organ",
			    "区纪委监委", "clue_summary", "监管人员涉嫌失职"),
			    202);
			decide(k, k->legal, "approve");
			break;
		case S_END:
			break;
		}
	}
}

static int	 recorded;

/* Record every activity and case once; the form tests read them. */
static void
record_all(void)
{
	struct resp	 r;
	char		 loc[128];
	size_t		 i;

	if (recorded)
		return;
	for (i = 0; i < NACTS; i++) {
		http_json(users[acts[i].user], "POST", "/api/v1/activities",
		    act_body(&acts[i]), NULL, &r);
		if (r.status != 201)
			fail_msg("activity %zu: %ld %s", i, r.status, r.body);
		assert_non_null(resp_header(&r, "Location", loc, sizeof(loc)));
		assert_true(strncmp(loc, "/api/v1/activities/", 19) == 0);
		resp_free(&r);
	}
	for (i = 0; i < NCASES; i++)
		run_case(&cases[i]);
	recorded = 1;
}

/* ------------------------------------------------------------------ */
/* The form: JSON, CSV, XLSX                                          */
/* ------------------------------------------------------------------ */

/* Rows: the ten in order, then the province's own, then 合计. */
static void
assert_rows(const struct form *f, int own_cat, int other_cat)
{
	int	 i;

	assert_true(f->nrows >= 12);
	for (i = 0; i < 10; i++)
		assert_string_equal(f->cells[i][K_NAME], ten_names[i]);
	assert_string_equal(f->cells[f->nrows - 1][K_NAME], "合计");
	assert_true(form_row(f, cat_names[own_cat]) >= 10);
	assert_true(form_row(f, cat_names[own_cat]) < f->nrows - 1);
	assert_int_equal(form_row(f, cat_names[other_cat]), -1);
}

static void
test_form_json(void **state)
{
	struct form	 got, want;

	record_all();

	/* 北京市: its counties, its own category, not Shanghai's. */
	form_get(users[U_BJ], CUR, NULL, &got);
	assert_rows(&got, C_BJ, C_SH);
	expect("110000", &base_bj, &pbase_bj, &want);
	assert_form("110000 json", &got, &want);
	form_free(&got);

	/* The same region asked for explicitly, and by the admin. */
	form_get(users[U_AUDITOR], CUR, "110000", &got);
	assert_form("110000 json (auditor)", &got, &want);
	form_free(&got);
	form_get(users[U_ADMIN], CUR, "110000", &got);
	assert_form("110000 json (admin)", &got, &want);
	form_free(&got);
	form_free(&want);

	/* 东城区: without 西城区 next door, but with Beijing's category. */
	form_get(users[U_DC], CUR, NULL, &got);
	assert_rows(&got, C_BJ, C_SH);
	expect("110101", &base_dc, &pbase_dc, &want);
	assert_form("110101 json", &got, &want);
	form_free(&got);
	form_get(users[U_BJ], CUR, "110101", &got);
	assert_form("110101 json (officer.bj)", &got, &want);
	form_free(&got);
	form_free(&want);

	/* 上海市. */
	form_get(users[U_SH], CUR, NULL, &got);
	assert_rows(&got, C_SH, C_BJ);
	expect("310000", &base_sh, &pbase_sh, &want);
	assert_form("310000 json", &got, &want);
	form_free(&got);
	form_free(&want);
}

/* Spot checks of the model itself against numbers worked out by hand. */
static void
test_form_hand_checked(void **state)
{
	struct form	 got;
	int		 cement, total;

	record_all();
	form_get(users[U_DC], CUR, NULL, &got);
	cement = form_row(&got, "水泥");
	/* 东城区, cement: production this year E0 10/2 and E1 5/0, last year
	 * E0 20/3 and E1 3/3: 2/15 - 6/23 = -12.75 -> -12.8 points.  The
	 * circulation spot checks were in 西城区 next door: none here. */
	if (num(&base_dc, cement, K_BATCH_P) == 0 &&
	    num(&pbase_dc, cement, K_BATCH_P) == 0 &&
	    num(&base_dc, cement, K_BATCH_C) == 0 &&
	    num(&pbase_dc, cement, K_BATCH_C) == 0) {
		assert_string_equal(got.cells[cement][K_BATCH_P], "15");
		assert_string_equal(got.cells[cement][K_DELTA_P], "-12.8");
		assert_string_equal(got.cells[cement][K_BATCH_C], "0");
		assert_string_equal(got.cells[cement][K_DELTA_C], "");
	}
	form_free(&got);

	form_get(users[U_BJ], CUR, NULL, &got);
	total = got.nrows - 1;
	if (num(&base_bj, total, K_BATCH_P) == 0 &&
	    num(&pbase_bj, total, K_BATCH_P) == 0) {
		/* 6.25 - 12.5 = -6.25 -> -6.3; 12.5 - 6.25 -> +6.3; 25 - 25. */
		assert_string_equal(got.cells[form_row(&got, "危险化学品包装物")]
		    [K_DELTA_P], "-6.3");
		assert_string_equal(got.cells[form_row(&got, "危险化学品")]
		    [K_DELTA_C], "+6.3");
		assert_string_equal(got.cells[form_row(&got, "电动自行车")]
		    [K_DELTA_P], "+0.0");
		/* Last year only, this year only: no rate to compare. */
		assert_string_equal(got.cells[form_row(&got, "烟花爆竹")]
		    [K_DELTA_P], "");
		assert_string_equal(got.cells[form_row(&got, "燃气具")]
		    [K_DELTA_P], "");
		/* E0 inspected in cement and rebar: once in 合计. */
		assert_string_equal(got.cells[form_row(&got, "水泥")]
		    [K_INSP_P], "2");
		assert_string_equal(got.cells[form_row(&got, "钢筋")]
		    [K_INSP_P], "1");
		assert_string_equal(got.cells[total][K_INSP_P], "2");
		/* 西城区's circulation spot checks count in Beijing's form:
		 * 1/8 - 1/6 = -4.17 -> -4.2. */
		assert_string_equal(got.cells[form_row(&got, "水泥")]
		    [K_DELTA_C], "-4.2");
		/* 1000.50 + 200.25 and 300 + 0: 1500.75. */
		assert_string_equal(got.cells[form_row(&got, "水泥")]
		    [K_FINES], "1500.75");
	}
	form_free(&got);
}

static void
test_form_csv(void **state)
{
	static const struct {
		int		 user;
		const char	*scope;
		struct form	*base, *pbase;
	} forms[] = {
		{ U_BJ, "110000", &base_bj, &pbase_bj },
		{ U_DC, "110101", &base_dc, &pbase_dc },
		{ U_SH, "310000", &base_sh, &pbase_sh },
	};
	struct resp	 r;
	struct form	 want, got;
	char		*rows[40][NCOLS], v[256];
	int		 ncols[40], n, i, k;
	size_t		 f;

	record_all();
	for (f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
		char *path = fmt("/api/v1/reports/campaign/%d?format=csv", CUR);

		http_get(users[forms[f].user], path, &r);
		free(path);
		assert_status(&r, 200);
		assert_non_null(resp_header(&r, "Content-Type", v, sizeof(v)));
		assert_true(strncmp(v, "text/csv; charset=utf-8", 23) == 0);
		assert_non_null(resp_header(&r, "Content-Disposition", v,
		    sizeof(v)));
		assert_non_null(strstr(v, "attachment; filename="));
		/* A BOM, and every line ends in CRLF. */
		assert_true(r.len > 3 && memcmp(r.body, "\xef\xbb\xbf", 3) == 0);
		assert_true(r.body[r.len - 2] == '\r' &&
		    r.body[r.len - 1] == '\n');
		for (i = 1; i < (int)r.len; i++)
			if (r.body[i] == '\n' && r.body[i - 1] != '\r')
				fail_msg("a bare LF at byte %d", i);
		n = csv_parse(r.body + 3, r.len - 3, rows, ncols);
		/* Exactly the 25 headings, then the form. */
		assert_int_equal(ncols[0], NCOLS);
		for (k = 0; k < NCOLS; k++)
			assert_string_equal(rows[0][k], headings[k]);
		memset(&got, 0, sizeof(got));
		for (i = 1; i < n; i++) {
			assert_int_equal(ncols[i], NCOLS);
			for (k = 0; k < NCOLS; k++)
				got.cells[i - 1][k] = strdup(rows[i][k]);
		}
		got.nrows = n - 1;
		expect(forms[f].scope, forms[f].base, forms[f].pbase, &want);
		assert_form(fmt("%s csv", forms[f].scope), &got, &want);
		form_free(&want);
		form_free(&got);
		csv_free(rows, ncols, n);
		resp_free(&r);
	}
}

/* Run `cmd` (a shell command line); its exit status, or -1. */
static int
sh(const char *cmd)
{
	int	 st = system(cmd);

	return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

/* Read a whole file (malloc'd, NUL-terminated) or NULL. */
static char *
slurp(const char *path, size_t *len)
{
	FILE	*f = fopen(path, "rb");
	char	*buf = NULL;
	long	 n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL &&
	    fread(buf, 1, (size_t)n, f) == (size_t)n) {
		buf[n] = '\0';
		*len = (size_t)n;
	} else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/*
 * The attributes of the `nth` (from 1) HTML table cell whose text is
 * `text`, as LibreOffice writes them: colspan and rowspan (1 when absent).
 * Returns 0, or -1 when there is no such cell.
 */
static int
html_span(const char *html, const char *text, int nth, int *colspan,
    int *rowspan)
{
	const char	*p = html, *td, *gt, *a;
	size_t		 n = strlen(text);

	for (;;) {
		if ((p = strstr(p, text)) == NULL)
			return -1;
		/* The text must be a whole cell: preceded by a tag. */
		if (p > html && p[-1] == '>' && p[n] == '<') {
			for (td = p; td > html && strncmp(td, "<td", 3) != 0; td--)
				continue;
			gt = strchr(td, '>');
			if (strncmp(td, "<td", 3) == 0 && --nth == 0) {
				*colspan = *rowspan = 1;
				if ((a = strstr(td, "colspan=")) != NULL && a < gt)
					*colspan = atoi(a + 8);
				if ((a = strstr(td, "rowspan=")) != NULL && a < gt)
					*rowspan = atoi(a + 8);
				return 0;
			}
		}
		p += n;
	}
}

/*
 * The XLSX: what LibreOffice makes of it.  To CSV, the same numbers as
 * the JSON form; to HTML, the seed's merged header cells.
 */
static void
test_form_xlsx(void **state)
{
	static const struct {
		const char	*text;
		int		 nth, colspan, rowspan;
	} spans[] = {
		{ "产品类别", 1, 1, 3 },
		{ "风险排查", 1, 4, 1 }, { "监督抽查", 1, 8, 1 },
		{ "风险监测", 1, 3, 1 }, { "案件查办", 1, 4, 1 },
		{ "行纪衔接", 1, 1, 1 }, { "质量技术帮扶", 1, 3, 1 },
		{ "约谈", 1, 1, 1 },
		{ "生产领域", 1, 2, 1 }, { "流通领域", 1, 2, 1 },
		{ "生产领域", 2, 4, 1 }, { "流通领域", 2, 4, 1 },
		{ "排查企业", 1, 1, 1 }, { "同比变化", 2, 1, 1 },
		{ "采集风险信息(条)", 1, 1, 2 }, { "罚没金额", 1, 1, 2 },
		{ "案值", 1, 1, 2 }, { "行纪衔接(起)", 1, 1, 2 },
		{ "帮助企业提升产值", 1, 1, 2 }, { "约谈企业(家)", 1, 1, 2 },
	};
	static const char *const leaves[NCOLS] = {
		"", "排查企业", "发现问题企业", "排查企业", "发现问题企业",
		"抽查企业", "抽查批次", "不合格批次", "同比变化", "抽查企业",
		"抽查批次", "不合格批次", "同比变化",
	};
	struct resp	 r;
	struct form	 want, got;
	char		 dir[] = "/tmp/e2e-report-XXXXXX", v[256];
	char		*rows[40][NCOLS], *cmd, *text, *path;
	size_t		 len, i;
	int		 ncols[40], n, k, cs, rs;
	FILE		*f;

	record_all();
	path = fmt("/api/v1/reports/campaign/%d?format=xlsx", CUR);
	http_get(users[U_BJ], path, &r);
	free(path);
	assert_status(&r, 200);
	assert_non_null(resp_header(&r, "Content-Type", v, sizeof(v)));
	assert_string_equal(v, "application/vnd.openxmlformats-officedocument."
	    "spreadsheetml.sheet");
	assert_non_null(resp_header(&r, "Content-Disposition", v, sizeof(v)));
	assert_non_null(strstr(v, ".xlsx\""));
	assert_true(r.len > 4 && memcmp(r.body, "PK\x03\x04", 4) == 0);

	if (sh("command -v libreoffice >/dev/null 2>&1") != 0) {
		fprintf(stderr, "e2e-report: SKIPPED the XLSX check: libreoffice "
		    "is not installed (Debian package libreoffice-calc; ./run "
		    "installs it)\n");
		resp_free(&r);
		skip();
	}
	assert_non_null(mkdtemp(dir));
	path = fmt("%s/form.xlsx", dir);
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(r.body, 1, r.len, f), r.len);
	assert_int_equal(fclose(f), 0);
	resp_free(&r);
	/* A private profile: LibreOffice instances must not share one. */
	cmd = fmt("cd %s && HOME=%s timeout 180 libreoffice "
	    "-env:UserInstallation=file://%s/profile --headless "
	    "--convert-to 'csv:Text - txt - csv (StarCalc):44,34,76,1' "
	    "--outdir %s form.xlsx >%s/lo.log 2>&1 && HOME=%s timeout 180 "
	    "libreoffice -env:UserInstallation=file://%s/profile --headless "
	    "--convert-to html --outdir %s form.xlsx >>%s/lo.log 2>&1",
	    dir, dir, dir, dir, dir, dir, dir, dir, dir);
	if (sh(cmd) != 0)
		fail_msg("libreoffice failed; see %s/lo.log", dir);
	free(cmd);
	free(path);

	/* The numbers. */
	path = fmt("%s/form.csv", dir);
	assert_non_null(text = slurp(path, &len));
	free(path);
	n = csv_parse(text, len, rows, ncols);
	free(text);
	assert_true(n > 5);
	assert_string_equal(rows[0][0],
	    "重点工业产品质量安全排查治理专项行动情况统计表");
	assert_non_null(strstr(rows[1][0], "金额单位：元"));
	/* Header rows: each heading where the seed's form has it. */
	for (k = 0; k < NCOLS; k++) {
		const char *h = headings[k], *slash = strrchr(h, '/');

		if (k == 0)
			assert_string_equal(rows[2][0], "产品类别");
		else if (k <= 12)
			assert_string_equal(rows[4][k], leaves[k]);
		else
			assert_string_equal(rows[3][k], slash + 1);
	}
	expect("110000", &base_bj, &pbase_bj, &want);
	memset(&got, 0, sizeof(got));
	for (i = 5; i < (size_t)n; i++)
		for (k = 0; k < NCOLS; k++)
			got.cells[i - 5][k] = strdup(k < ncols[i] ? rows[i][k] : "");
	got.nrows = n - 5;
	assert_form("110000 xlsx via libreoffice", &got, &want);
	form_free(&got);
	form_free(&want);
	csv_free(rows, ncols, n);

	/* The merged header cells. */
	path = fmt("%s/form.html", dir);
	assert_non_null(text = slurp(path, &len));
	free(path);
	for (i = 0; i < sizeof(spans) / sizeof(spans[0]); i++) {
		if (html_span(text, spans[i].text, spans[i].nth, &cs, &rs) == -1)
			fail_msg("no header cell %s (%d)", spans[i].text,
			    spans[i].nth);
		if (cs != spans[i].colspan || rs != spans[i].rowspan)
			fail_msg("header %s (%d): %d x %d, want %d x %d",
			    spans[i].text, spans[i].nth, cs, rs,
			    spans[i].colspan, spans[i].rowspan);
	}
	free(text);
	cmd = fmt("rm -rf %s", dir);
	sh(cmd);
	free(cmd);
}

static void
test_form_regions(void **state)
{
	struct resp	 r;
	char		*p;

	/* Another province's region, from either side. */
	p = fmt("/api/v1/reports/campaign/%d?region=310000", CUR);
	http_get(users[U_BJ], p, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	free(p);
	p = fmt("/api/v1/reports/campaign/%d?region=110000", CUR);
	http_get(users[U_SH], p, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	/* A county asks for its province, or the county next door. */
	http_get(users[U_DC], p, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	free(p);
	p = fmt("/api/v1/reports/campaign/%d?region=110102", CUR);
	http_get(users[U_DC], p, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	free(p);
	/* No such region, a malformed one, no such campaign, format. */
	p = fmt("/api/v1/reports/campaign/%d?region=119999", CUR);
	http_get(users[U_BJ], p, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	free(p);
	p = fmt("/api/v1/reports/campaign/%d?region=11", CUR);
	http_get(users[U_BJ], p, &r);
	assert_problem_field(&r, 400, "region");
	resp_free(&r);
	free(p);
	http_get(users[U_BJ], "/api/v1/reports/campaign/1999", &r);
	assert_problem(&r, 404);
	resp_free(&r);
	p = fmt("/api/v1/reports/campaign/%d?format=pdf", CUR);
	http_get(users[U_BJ], p, &r);
	assert_problem_field(&r, 400, "format");
	resp_free(&r);
	free(p);
	p = fmt("/api/v1/reports/campaign/%d?color=red", CUR);
	http_get(users[U_BJ], p, &r);
	assert_problem_field(&r, 400, "color");
	resp_free(&r);
	free(p);
	/* Signed out. */
	{
		struct client *anon = client_new();

		http_get(anon, "/api/v1/reports/campaign/2022", &r);
		assert_problem(&r, 401);
		resp_free(&r);
		client_free(anon);
	}
}

/* ------------------------------------------------------------------ */
/* Activities: validation, one limit at a time                        */
/* ------------------------------------------------------------------ */

static long long
activity_count(void)
{
	char		*v = db_value(admin_db, "SELECT count(*) FROM activities",
			    NULL);
	long long	 n = strtoll(v, NULL, 10);

	free(v);
	return n;
}

/* A valid body of `kind` by officer.bj, to be broken one field at a time. */
static json_t *
valid(const char *kind)
{
	json_t	*o = json_pack("{s:s, s:i, s:s, s:s}", "kind", kind,
	    "campaign_id", CUR, "category", "cement", "on", "2022-05-01");

	if (strcmp(kind, "inspection") == 0)
		json_object_update_new(o, json_pack("{s:I, s:s, s:b}",
		    "enterprise_id", (json_int_t)ents[2].id, "domain",
		    "production", "problems_found", 1));
	else if (strcmp(kind, "spot_check") == 0)
		json_object_update_new(o, json_pack("{s:I, s:s, s:i, s:i}",
		    "enterprise_id", (json_int_t)ents[2].id, "domain",
		    "circulation", "batches", 3, "failed_batches", 1));
	else if (strcmp(kind, "risk_info") == 0)
		json_object_update_new(o, json_pack("{s:s, s:s}", "region",
		    "110105", "summary", "风险信息"));
	else if (strcmp(kind, "risk_monitoring") == 0)
		json_object_update_new(o, json_pack("{s:s, s:i, s:i}", "region",
		    "110000", "batches", 2, "problems_found", 0));
	else
		json_object_update_new(o, json_pack("{s:I, s:i, s:s}",
		    "enterprise_id", (json_int_t)ents[2].id, "problems_solved",
		    1, "output_gain", "10.00"));
	return o;
}

/*
 * POST `body` (stolen) as `user` into the validation campaign and expect
 * `status`; for 4xx, that `field` is named and nothing was created.
 */
static void
post_expect(int user, json_t *body, int status, const char *field)
{
	struct resp	 r;
	long long	 before = activity_count();

	http_json(users[user], "POST", "/api/v1/activities", body, NULL, &r);
	if (status >= 400) {
		if (field != NULL)
			assert_problem_field(&r, status, field);
		else
			assert_problem(&r, status);
		if (activity_count() != before)
			fail_msg("a refused activity was stored: %s", r.body);
	} else {
		assert_status(&r, status);
		if (activity_count() != before + 1)
			fail_msg("201 but %lld rows added",
			    activity_count() - before);
	}
	resp_free(&r);
}

static json_t *
with(json_t *o, const char *key, json_t *v)
{
	json_object_set_new(o, key, v);
	return o;
}

static json_t *
without(json_t *o, const char *key)
{
	json_object_del(o, key);
	return o;
}

static void
test_activity_limits(void **state)
{
	char		*s4000, *s4001;

	/* Each kind as given is accepted. */
	post_expect(U_BJ, valid("inspection"), 201, NULL);
	post_expect(U_BJ, valid("spot_check"), 201, NULL);
	post_expect(U_BJ, valid("risk_info"), 201, NULL);
	post_expect(U_BJ, valid("risk_monitoring"), 201, NULL);
	post_expect(U_BJ, valid("assistance"), 201, NULL);

	/* kind. */
	post_expect(U_BJ, without(valid("inspection"), "kind"), 422, "kind");
	post_expect(U_BJ, with(valid("inspection"), "kind",
	    json_string("audit")), 422, "kind");
	post_expect(U_BJ, with(valid("inspection"), "kind", json_integer(1)),
	    400, "kind");
	/* A field of another kind is unknown here. */
	post_expect(U_BJ, with(valid("inspection"), "batches",
	    json_integer(1)), 422, "batches");
	post_expect(U_BJ, with(valid("risk_monitoring"), "domain",
	    json_string("production")), 422, "domain");
	/* Each kind's required fields. */
	post_expect(U_BJ, without(valid("inspection"), "problems_found"), 422,
	    "problems_found");
	post_expect(U_BJ, without(valid("inspection"), "domain"), 422,
	    "domain");
	post_expect(U_BJ, without(valid("spot_check"), "enterprise_id"), 422,
	    "enterprise_id");
	post_expect(U_BJ, without(valid("risk_info"), "summary"), 422,
	    "summary");
	post_expect(U_BJ, without(valid("risk_info"), "region"), 422,
	    "region");
	post_expect(U_BJ, without(valid("risk_monitoring"), "region"), 422,
	    "region");
	post_expect(U_BJ, without(valid("assistance"), "output_gain"), 422,
	    "output_gain");
	post_expect(U_BJ, with(valid("inspection"), "domain",
	    json_string("retail")), 422, "domain");
	post_expect(U_BJ, with(valid("inspection"), "problems_found",
	    json_string("yes")), 400, "problems_found");

	/* batches: 1 .. 100000. */
	post_expect(U_BJ, with(with(valid("spot_check"), "batches",
	    json_integer(0)), "failed_batches", json_integer(0)), 422,
	    "batches");
	post_expect(U_BJ, with(with(valid("spot_check"), "batches",
	    json_integer(1)), "failed_batches", json_integer(1)), 201, NULL);
	post_expect(U_BJ, with(valid("spot_check"), "batches",
	    json_integer(100000)), 201, NULL);
	post_expect(U_BJ, with(valid("spot_check"), "batches",
	    json_integer(100001)), 422, "batches");
	post_expect(U_BJ, with(valid("risk_monitoring"), "batches",
	    json_integer(0)), 422, "batches");
	post_expect(U_BJ, with(valid("risk_monitoring"), "batches",
	    json_integer(100001)), 422, "batches");
	/* failed_batches: 0 .. batches. */
	post_expect(U_BJ, with(valid("spot_check"), "failed_batches",
	    json_integer(-1)), 422, "failed_batches");
	post_expect(U_BJ, with(valid("spot_check"), "failed_batches",
	    json_integer(3)), 201, NULL);
	post_expect(U_BJ, with(valid("spot_check"), "failed_batches",
	    json_integer(4)), 422, "failed_batches");
	post_expect(U_BJ, with(valid("spot_check"), "batches",
	    json_string("3")), 400, "batches");
	/* Counts: 0 .. 100000. */
	post_expect(U_BJ, with(valid("risk_monitoring"), "problems_found",
	    json_integer(-1)), 422, "problems_found");
	post_expect(U_BJ, with(valid("risk_monitoring"), "problems_found",
	    json_integer(100000)), 201, NULL);
	post_expect(U_BJ, with(valid("risk_monitoring"), "problems_found",
	    json_integer(100001)), 422, "problems_found");
	post_expect(U_BJ, with(valid("assistance"), "problems_solved",
	    json_integer(-1)), 422, "problems_solved");
	post_expect(U_BJ, with(valid("assistance"), "problems_solved",
	    json_integer(100001)), 422, "problems_solved");
	/* Money: yuan as a string, two decimals, at most 1e12 yuan. */
	post_expect(U_BJ, with(valid("assistance"), "output_gain",
	    json_string("1000000000000.00")), 201, NULL);
	post_expect(U_BJ, with(valid("assistance"), "output_gain",
	    json_string("1000000000000.01")), 422, "output_gain");
	post_expect(U_BJ, with(valid("assistance"), "output_gain",
	    json_string("12.345")), 422, "output_gain");
	post_expect(U_BJ, with(valid("assistance"), "output_gain",
	    json_string("-1.00")), 422, "output_gain");
	post_expect(U_BJ, with(valid("assistance"), "output_gain",
	    json_string("1e3")), 422, "output_gain");
	post_expect(U_BJ, with(valid("assistance"), "output_gain",
	    json_real(12.5)), 400, "output_gain");
	/* summary: 1 .. 4000 bytes, not blank. */
	s4000 = malloc(4001);
	memset(s4000, 'x', 4000);
	s4000[4000] = '\0';
	s4001 = fmt("%sx", s4000);
	post_expect(U_BJ, with(valid("risk_info"), "summary",
	    json_string(s4000)), 201, NULL);
	post_expect(U_BJ, with(valid("risk_info"), "summary",
	    json_string(s4001)), 422, "summary");
	post_expect(U_BJ, with(valid("risk_info"), "summary",
	    json_string(" \u3000 ")), 422, "summary");
	free(s4000);
	free(s4001);
	/* The body itself: 64 KiB at most. */
	s4000 = malloc(70001);
	memset(s4000, 'x', 70000);
	s4000[70000] = '\0';
	post_expect(U_BJ, with(valid("risk_info"), "summary",
	    json_string(s4000)), 413, NULL);
	free(s4000);

	/* on: a real day, not after today, not before the year before. */
	post_expect(U_BJ, with(valid("inspection"), "on",
	    json_string(today)), 201, NULL);
	{
		time_t t = time(NULL) + 8 * 3600 + 86400;
		struct tm tm;
		char tomorrow[11];

		gmtime_r(&t, &tm);
		strftime(tomorrow, sizeof(tomorrow), "%Y-%m-%d", &tm);
		post_expect(U_BJ, with(valid("inspection"), "on",
		    json_string(tomorrow)), 422, "on");
	}
	post_expect(U_BJ, with(valid("inspection"), "on",
	    json_string("2021-01-01")), 201, NULL);
	post_expect(U_BJ, with(valid("inspection"), "on",
	    json_string("2020-12-31")), 422, "on");
	post_expect(U_BJ, with(valid("inspection"), "on",
	    json_string("2022-02-29")), 422, "on");
	post_expect(U_BJ, with(valid("inspection"), "on",
	    json_string("2022-5-1")), 422, "on");

	/* References. */
	post_expect(U_BJ, with(valid("inspection"), "campaign_id",
	    json_integer(1999)), 422, "campaign_id");
	post_expect(U_BJ, with(valid("inspection"), "category",
	    json_string("bananas")), 422, "category");
	post_expect(U_BJ, with(valid("inspection"), "category",
	    json_string("a23456789012345678901234567890123456789012")), 422,
	    "category");
	/* Another province's own category. */
	post_expect(U_BJ, with(valid("inspection"), "category",
	    json_string(cat_ids[C_SH])), 422, "category");
	/* The enterprise must be in the user's region. */
	post_expect(U_BJ, with(valid("inspection"), "enterprise_id",
	    json_integer(ents[4].id)), 422, "enterprise_id");
	post_expect(U_DC, with(valid("inspection"), "enterprise_id",
	    json_integer(ents[2].id)), 422, "enterprise_id");
	post_expect(U_DC, with(valid("inspection"), "enterprise_id",
	    json_integer(ents[0].id)), 201, NULL);
	post_expect(U_BJ, with(valid("inspection"), "enterprise_id",
	    json_integer(999999999)), 422, "enterprise_id");
	/* A region within the user's, existing, and the enterprise's. */
	post_expect(U_BJ, with(valid("risk_info"), "region",
	    json_string("310000")), 422, "region");
	post_expect(U_DC, with(valid("risk_monitoring"), "region",
	    json_string("110000")), 422, "region");
	post_expect(U_BJ, with(valid("risk_info"), "region",
	    json_string("119999")), 422, "region");
	post_expect(U_BJ, with(valid("risk_info"), "region",
	    json_string("11000")), 422, "region");
	post_expect(U_BJ, with(with(valid("risk_info"), "enterprise_id",
	    json_integer(ents[2].id)), "region", json_string("110105")), 422,
	    "region");
	post_expect(U_BJ, with(without(valid("risk_info"), "region"),
	    "enterprise_id", json_integer(ents[2].id)), 201, NULL);

	/* Roles: officers record; legal staff and auditors may not. */
	post_expect(U_LEGAL_BJ, valid("inspection"), 403, NULL);
	post_expect(U_AUDITOR, valid("inspection"), 403, NULL);
}

static void
test_activity_idempotent(void **state)
{
	struct resp	 r1, r2;
	long long	 before = activity_count();
	char		*key = fmt("Idempotency-Key: report-e2e-%08x", tag);
	const char	*h[] = { key, NULL };

	http_json(users[U_BJ], "POST", "/api/v1/activities", valid("spot_check"),
	    h, &r1);
	assert_status(&r1, 201);
	http_json(users[U_BJ], "POST", "/api/v1/activities", valid("spot_check"),
	    h, &r2);
	assert_status(&r2, 201);
	assert_string_equal(r1.body, r2.body);
	assert_int_equal(activity_count(), before + 1);
	resp_free(&r1);
	resp_free(&r2);
	http_json(users[U_BJ], "POST", "/api/v1/activities", valid("inspection"),
	    h, &r1);
	assert_problem(&r1, 422);
	resp_free(&r1);
	free(key);
}

static void
test_activity_list(void **state)
{
	struct resp	 r;
	json_t		*it;
	char		*p, loc[128], cursor[32];
	size_t		 i;
	long long	 id;

	record_all();
	/* One activity read back by its Location. */
	http_json(users[U_DC], "POST", "/api/v1/activities", with(
	    valid("assistance"), "enterprise_id", json_integer(ents[1].id)),
	    NULL, &r);
	assert_status(&r, 201);
	id = (long long)json_integer_value(json_object_get(r.json, "id"));
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "output_gain")), "10.00");
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "region")), "110101");
	resp_header(&r, "Location", loc, sizeof(loc));
	resp_free(&r);
	http_get(users[U_BJ], loc, &r);
	assert_status(&r, 200);
	assert_int_equal(json_integer_value(json_object_get(r.json, "id")), id);
	resp_free(&r);
	/* Outside the reader's region: 404, as if absent. */
	http_get(users[U_SH], loc, &r);
	assert_problem(&r, 404);
	resp_free(&r);

	/* Filters: Shanghai's cement spot checks of 2022 as Shanghai sees them. */
	p = fmt("/api/v1/activities?kind=spot_check&campaign=%d&category=cement"
	    "&limit=200", CUR);
	http_get(users[U_SH], p, &r);
	free(p);
	assert_status(&r, 200);
	assert_true(json_array_size(json_object_get(r.json, "items")) >= 1);
	json_array_foreach(json_object_get(r.json, "items"), i, it) {
		assert_string_equal(json_string_value(json_object_get(it,
		    "kind")), "spot_check");
		assert_int_equal(json_integer_value(json_object_get(it,
		    "campaign_id")), CUR);
		assert_string_equal(json_string_value(json_object_get(it,
		    "category")), "cement");
		assert_true(strncmp(json_string_value(json_object_get(it,
		    "region")), "31", 2) == 0);
	}
	resp_free(&r);
	/* officer.dc sees 东城区 only, even when asking for all of Beijing. */
	http_get(users[U_DC], "/api/v1/activities?region=110000&limit=200", &r);
	assert_status(&r, 200);
	json_array_foreach(json_object_get(r.json, "items"), i, it)
		assert_string_equal(json_string_value(json_object_get(it,
		    "region")), "110101");
	resp_free(&r);

	/* Pages: two at a time, newest first, no repeats. */
	http_get(users[U_BJ], "/api/v1/activities?limit=2", &r);
	assert_status(&r, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 2);
	assert_true(json_is_string(json_object_get(r.json, "next_cursor")));
	snprintf(cursor, sizeof(cursor), "%s", json_string_value(
	    json_object_get(r.json, "next_cursor")));
	id = (long long)json_integer_value(json_object_get(json_array_get(
	    json_object_get(r.json, "items"), 1), "id"));
	resp_free(&r);
	p = fmt("/api/v1/activities?limit=2&cursor=%s", cursor);
	http_get(users[U_BJ], p, &r);
	free(p);
	assert_status(&r, 200);
	assert_true(json_integer_value(json_object_get(json_array_get(
	    json_object_get(r.json, "items"), 0), "id")) < id);
	resp_free(&r);

	/* limit 1 .. 200; unknown filters refused. */
	http_get(users[U_BJ], "/api/v1/activities?limit=200", &r);
	assert_status(&r, 200);
	resp_free(&r);
	http_get(users[U_BJ], "/api/v1/activities?limit=201", &r);
	assert_problem_field(&r, 400, "limit");
	resp_free(&r);
	http_get(users[U_BJ], "/api/v1/activities?limit=0", &r);
	assert_problem_field(&r, 400, "limit");
	resp_free(&r);
	http_get(users[U_BJ], "/api/v1/activities?kind=audit", &r);
	assert_problem_field(&r, 400, "kind");
	resp_free(&r);
	http_get(users[U_BJ], "/api/v1/activities?state=closed", &r);
	assert_problem_field(&r, 400, "state");
	resp_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form_json),
		cmocka_unit_test(test_form_hand_checked),
		cmocka_unit_test(test_form_csv),
		cmocka_unit_test(test_form_xlsx),
		cmocka_unit_test(test_form_regions),
		cmocka_unit_test(test_activity_limits),
		cmocka_unit_test(test_activity_idempotent),
		cmocka_unit_test(test_activity_list),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("e2e-report", tests, setup,
	    teardown);
}
