/*
 * gen.c: the seeded PRNG and everything made from it -- enterprises and
 * their codes, names, addresses, the texts of payloads, activities.
 *
 * Nothing here reads the clock or the database: the same seed and index
 * give the same thing on every run and every machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seed.h"
#include "../../fcgi/resources/uscc.h"

const char *const province_codes[NPROVINCES] = { "110000", "310000" };
const char *const province_names[NPROVINCES] = { "北京", "上海" };
static const char *const province_short[NPROVINCES] = { "京", "沪" };

/* ------------------------------------------------------------------ */
/* The PRNG                                                           */
/* ------------------------------------------------------------------ */

static uint64_t
mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* One independent stream per (seed, stream, index). */
void
rng_init(struct rng *r, uint64_t seed, uint64_t stream, uint64_t index)
{
	r->s = mix(seed ^ mix(stream * 0x9e3779b97f4a7c15ULL ^ mix(index + 1)));
}

uint64_t
rng_next(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix(r->s);
}

/* Uniform in [0, n); n > 0.  The bias of the modulo is below 2^-32. */
unsigned
rng_below(struct rng *r, unsigned n)
{
	return (unsigned)(rng_next(r) % n);
}

int
rng_range(struct rng *r, int lo, int hi)
{
	return lo + (int)rng_below(r, (unsigned)(hi - lo + 1));
}

int
rng_chance(struct rng *r, unsigned percent)
{
	return rng_below(r, 100) < percent;
}

/* An index into `w` drawn with those weights (at least one non-zero). */
unsigned
rng_weighted(struct rng *r, const unsigned *w, size_t n)
{
	unsigned	 total = 0, x;
	size_t		 i;

	for (i = 0; i < n; i++)
		total += w[i];
	x = rng_below(r, total);
	for (i = 0; i < n; i++) {
		if (x < w[i])
			return (unsigned)i;
		x -= w[i];
	}
	return (unsigned)(n - 1);
}

const char *
text_pick(struct rng *r, const char *const *list)
{
	size_t	 n = 0;

	while (list[n] != NULL)
		n++;
	return list[rng_below(r, (unsigned)n)];
}

/* ------------------------------------------------------------------ */
/* Days                                                               */
/* ------------------------------------------------------------------ */

int
working_day_on_or_after(int day)
{
	int	 known;

	while (!wf_is_working_day(day, &known))
		day++;
	return day;
}

/* The n-th working day after `day` (n >= 0: 0 is the next working day). */
int
add_working(int day, int n)
{
	return n <= 0 ? working_day_on_or_after(day) :
	    wf_add_working_days(day, n, &(int){ 0 });
}

/* An instant in office hours (09:00-17:30 CST) on `day`, microseconds. */
long long
at_on_day(struct rng *r, int day)
{
	long long	 s;

	s = wf_day_start_unix(day) + 9 * 3600 + rng_below(r, 8 * 3600 + 1800);
	return s * 1000000 + rng_below(r, 1000000);
}

/* ------------------------------------------------------------------ */
/* Enterprises                                                        */
/* ------------------------------------------------------------------ */

/*
 * The organization code's eight body digits are a bijection of the
 * enterprise's index (a multiplier prime to 10^8), so codes never repeat
 * and the index can be read back from a code.
 */
#define ORG_MUL		48271ULL
#define ORG_INV		91371631ULL	/* ORG_MUL^-1 mod 10^8 */
#define ORG_ADD		20220930ULL
#define ORG_MOD		100000000ULL

/* GB 11714 check character of an 8-digit organization code body. */
static char
org_check(const char body[8])
{
	static const int w[8] = { 3, 7, 9, 10, 5, 8, 4, 2 };
	int	 i, sum = 0, c;

	for (i = 0; i < 8; i++)
		sum += (body[i] - '0') * w[i];
	c = 11 - sum % 11;
	return c == 10 ? 'X' : c == 11 ? '0' : (char)('0' + c);
}

/*
 * Enterprise `idx`: its province (55 % Beijing), district, main product,
 * producer or trader, and its unified social credit code:
 * "9" (registered by market regulation) "1" (an enterprise), the
 * district's six-digit code, the nine-character organization code with
 * its GB 11714 check, and the GB 32100 check character.
 */
void
enterprise_make(const struct world *w, size_t idx, struct enterprise *e)
{
	struct rng	 r;
	char		 first17[18];
	int		 p;
	uint64_t	 body;

	rng_init(&r, w->seed, STREAM_ENTERPRISE, idx);
	memset(e, 0, sizeof(*e));
	p = rng_chance(&r, 55) ? 0 : 1;
	e->region = w->regions_of[p][rng_below(&r,
	    (unsigned)w->nregions_of[p])];
	e->category = (int)rng_below(&r, w->ncategories < 10 ?
	    (unsigned)w->ncategories : 10);
	e->production = rng_chance(&r, 65);
	body = ((uint64_t)idx * ORG_MUL + ORG_ADD) % ORG_MOD;
	snprintf(first17, sizeof(first17), "91%s%08llu",
	    w->regions[e->region].code, (unsigned long long)body);
	first17[16] = org_check(first17 + 8);
	memcpy(e->uscc, first17, 17);
	if (uscc_check_char(first17, &e->uscc[17]) == -1)
		fatal("enterprise %zu: could not make a code", idx);
	e->uscc[18] = '\0';
}

/* The index enterprise_make() made `uscc` from, or (size_t)-1. */
size_t
enterprise_index(const char *uscc)
{
	uint64_t	 body = 0;
	int		 i;

	if (strlen(uscc) != 18)
		return (size_t)-1;
	for (i = 8; i < 16; i++) {
		if (uscc[i] < '0' || uscc[i] > '9')
			return (size_t)-1;
		body = body * 10 + (uint64_t)(uscc[i] - '0');
	}
	return (size_t)(((body + ORG_MOD - ORG_ADD) % ORG_MOD) * ORG_INV %
	    ORG_MOD);
}

static const char *const brand[] = {
	"华", "兴", "盛", "达", "恒", "安", "泰", "鑫", "源", "通", "宏",
	"瑞", "德", "丰", "信", "和", "昌", "隆", "嘉", "诚", "中", "天",
	"金", "永", "宝", "新", "联", "合", "鼎", "远", "博", "创", "晟",
	"润", "众", "康", "立", "力", "海", "峰", "明", "光", "辰", "宇",
	NULL
};

/* What an enterprise of each national category calls itself. */
static const char *const trade[][2] = {
	{ "化工", "化工产品" },
	{ "包装容器", "包装材料" },
	{ "专用车辆", "罐车配件" },
	{ "钢铁", "建材" },
	{ "水泥", "建材" },
	{ "电线电缆", "电工器材" },
	{ "燃气具", "厨卫电器" },
	{ "烟花爆竹", "烟花爆竹" },
	{ "电动车", "电动车" },
	{ "新能源电池", "电动车配件" },
};

static const char *const suffix[] = {
	"有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司",
	NULL
};

/* The enterprise's name (malloc'd): 北京华兴化工有限公司, 上海…商贸有限公司. */
char *
enterprise_name(const struct world *w, const struct enterprise *e,
    size_t idx)
{
	struct rng	 r;
	const char	*a, *b;
	char		*s;
	int		 p = w->regions[e->region].province;
	int		 c = e->category < 10 ? e->category : 0;

	rng_init(&r, w->seed, STREAM_ENTERPRISE, idx + (1ULL << 40));
	a = text_pick(&r, brand);
	do
		b = text_pick(&r, brand);
	while (b == a);
	if (asprintf(&s, "%s%s%s%s%s%s", province_names[p], a, b,
	    trade[c][e->production ? 0 : 1], e->production ? "" : "销售",
	    e->production ? text_pick(&r, suffix) : "有限公司") == -1)
		fatal("out of memory");
	return s;
}

static const char *const road_end[] = {
	"路", "大街", "路", "道", "街", NULL
};

char *
enterprise_address(const struct world *w, const struct enterprise *e,
    size_t idx)
{
	struct rng	 r;
	char		*s;
	int		 p = w->regions[e->region].province;

	rng_init(&r, w->seed, STREAM_ENTERPRISE, idx + (2ULL << 40));
	if (asprintf(&s, "%s市%s%s%s%s%d号", province_names[p],
	    w->regions[e->region].name, text_pick(&r, brand),
	    text_pick(&r, brand), text_pick(&r, road_end),
	    rng_range(&r, 1, 399)) == -1)
		fatal("out of memory");
	return s;
}

/*
 * A production licence number for producers of licensed products, a CCC
 * certificate for products under CCC; empty when none.
 */
void
enterprise_licences(const struct enterprise *e, size_t idx, char *lic,
    size_t liclen, char *ccc, size_t ccclen)
{
	lic[0] = ccc[0] = '\0';
	if (e->production && (e->category <= 6))
		snprintf(lic, liclen, "%s XK%02d-%03d-%05zu",
		    e->uscc[2] == '1' ? "京" : "沪", 10 + e->category,
		    (int)(idx % 997), idx % 100000);
	if (e->category == 5 || e->category == 8 || e->category == 9)
		snprintf(ccc, ccclen, "2026%02d%010zu", 10 + e->category, idx);
}

/* ------------------------------------------------------------------ */
/* People                                                             */
/* ------------------------------------------------------------------ */

static const char *const surnames[] = {
	"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐",
	"孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗", "梁", "宋",
	"郑", "谢", "韩", "唐", "冯", "于", "董", "萧", NULL
};

static const char *const given[] = {
	"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇",
	"艳", "杰", "娟", "涛", "明", "超", "秀", "霞", "平", "刚", "英",
	"华", "建", "国", "志", "海", "玉", "兰", "文", "斌", "宁", "晨",
	"浩", "宇", "欣", "婷", "雪", "鹏", "辉", NULL
};

char *
person_name(struct rng *r)
{
	char	*s;

	if (asprintf(&s, "%s%s%s", text_pick(r, surnames), text_pick(r, given),
	    rng_chance(r, 60) ? text_pick(r, given) : "") == -1)
		fatal("out of memory");
	return s;
}

/* ------------------------------------------------------------------ */
/* Problems, per national category (in the seed's order)              */
/* ------------------------------------------------------------------ */

static const char *const problems[10][6] = {
	{ "危险化学品储存场所未按规定设置防爆电气设施",
	  "产品安全技术说明书和安全标签与实际成分不符",
	  "生产装置未按规定进行安全联锁系统检测",
	  "原料进货查验记录缺失，无法追溯供应商资质", NULL },
	{ "危险化学品包装物未取得生产许可证即出厂销售",
	  "包装桶跌落试验不合格，存在泄漏风险",
	  "包装物标志标识不符合国家标准要求", NULL },
	{ "车载常压罐体未按规定进行定期检验",
	  "罐体壁厚低于设计要求，存在安全隐患",
	  "罐体铭牌信息与合格证不一致", NULL },
	{ "热轧带肋钢筋重量偏差不符合标准要求",
	  "钢筋屈服强度抽检不合格",
	  "钢筋产品表面轧制标志缺失或不清晰",
	  "使用“地条钢”等国家明令淘汰的原料生产", NULL },
	{ "水泥三氧化硫含量超出标准限值",
	  "水泥出厂检验记录不完整，未按批次留样",
	  "水泥28天抗压强度不合格", NULL },
	{ "电线电缆导体电阻不合格，存在“偷工减料”问题",
	  "绝缘厚度低于标准规定值",
	  "产品无生产许可证标志和编号", NULL },
	{ "燃气灶具熄火保护装置缺失或失效",
	  "燃气热水器一氧化碳排放超标",
	  "燃气具使用说明书缺少安全警示内容", NULL },
	{ "烟花爆竹药量超标",
	  "烟花爆竹产品标签标识不规范，缺少警示语",
	  "违规储存超量烟花爆竹产品", NULL },
	{ "电动自行车最高车速超过每小时25公里",
	  "电动自行车整车质量超标，非法改装",
	  "电动自行车无CCC认证标志即销售", NULL },
	{ "电动自行车锂离子电池过充保护失效",
	  "充电器输出电压与标称不符，存在起火隐患",
	  "电池组未取得CCC认证即销售", NULL },
};

static const char *const problems_other[] = {
	"产品抽检不合格，企业未及时采取整改措施",
	"企业未建立产品质量安全追溯制度",
	"产品标识标注不规范", NULL
};

/* A problem of the category `id` (the seed's ten, or any other). */
const char *
problem_text(struct rng *r, const char *category)
{
	static const char *const ids[10] = {
		"hazardous_chemicals", "hazardous_chemical_packaging",
		"road_tankers", "rebar", "cement", "wires_cables",
		"gas_appliances", "fireworks", "electric_bicycles",
		"ebike_chargers_batteries"
	};
	int	 i;

	for (i = 0; i < 10; i++)
		if (strcmp(category, ids[i]) == 0)
			return text_pick(r, problems[i]);
	return text_pick(r, problems_other);
}

/* ------------------------------------------------------------------ */
/* Payloads                                                           */
/* ------------------------------------------------------------------ */

static const char *const measures[] = {
	"责令立即停止销售不合格产品，召回已售产品并封存库存",
	"责令限期改正生产工艺，完善出厂检验制度",
	"责令停产整顿，对生产线开展全面安全检查",
	"责令企业建立健全进货查验和销售台账制度",
	"责令更换不合格原材料供应商并重新送检", NULL
};

static const char *const evidence[] = {
	"企业提交整改报告及第三方检验合格报告",
	"企业提交设备更换凭证和整改前后现场照片",
	"企业提交召回记录、销毁记录和新版出厂检验记录",
	"现场核查整改到位，附核查笔录", NULL
};

static const char *const reasons_reject[] = {
	"复查发现整改不彻底，仍有同类问题",
	"整改报告所附检验报告非有资质机构出具",
	"现场复查发现库存不合格产品未封存", NULL
};

static const char *const reasons_judicial[] = {
	"涉案货值金额超过五万元，涉嫌生产、销售伪劣产品罪",
	"涉嫌生产、销售不符合安全标准的产品，造成严重后果",
	"涉嫌非法制造、储存危险物品", NULL
};

static const char *const reasons_dismiss[] = {
	"经核查问题线索不实，不予处理",
	"违法行为轻微并及时改正，没有造成危害后果，依法不予处罚",
	"已由其他部门立案处理，不重复处理", NULL
};

static const char *const minutes[] = {
	"约谈指出企业存在的质量安全问题，企业负责人承诺限期整改并建立长效机制",
	"通报抽检不合格情况，企业表示立即召回问题产品并加强原材料管理",
	"约谈企业主要负责人，明确主体责任，企业提交书面整改承诺", NULL
};

static const char *const titles[] = {
	"法定代表人", "总经理", "质量负责人", "生产厂长", "安全总监", NULL
};

static const char *const clues[] = {
	"监管人员在日常检查中存在失职，未及时发现企业违法生产行为",
	"有关公职人员涉嫌为企业违规办理许可提供便利",
	"属地监管部门对举报线索处置不力", NULL
};

static const char *const conclusions[] = {
	"企业已完成整改，经复查合格，依法办结",
	"已依法作出行政处罚并完成信用公示，案件办结",
	"移送机关已受理，行政程序终结，案件办结",
	"企业已整改到位，约谈承诺事项落实，案件办结", NULL
};

static const char *const findings_clear[] = {
	"回头看现场检查未发现问题反弹，整改措施持续有效",
	"抽样检验合格，企业质量管理制度运行正常", NULL
};

static const char *const findings_back[] = {
	"回头看发现同类问题再次出现，整改措施未落实",
	"抽样检验再次不合格，问题反弹", NULL
};

static const char *const reasons_assign[] = {
	"按包保责任制调整承办人", "属地监管责任人变更", NULL
};

static const char *const notes[] = {
	"已电话通知企业负责人到场配合调查",
	"企业申请延期提交整改材料，已告知相关规定",
	"补充调取企业近三个月销售台账",
	"已将有关情况通报属地街道", NULL
};

static void
set_date(json_t *o, const char *k, int day)
{
	char	 d[WF_DATE_LEN + 1];

	wf_date_format(day, d);
	json_object_set_new(o, k, json_string(d));
}

static void
set_money(json_t *o, const char *k, long long yuan)
{
	json_object_set_new(o, k, json_sprintf("%lld.00", yuan));
}

/*
 * The 行政处罚信息摘要's own fields of a publish_credit payload `o`
 * (which holds its amounts already): what the web form asks for, drawn
 * from the case's id rather than the random stream, so that the rest of
 * the demo data stays as it was before these fields existed.
 */
static void
summary_fields(json_t *o, const char *pn, int today, int64_t case_id)
{
	static const char *const violations[] = {
		"生产、销售不符合保障人体健康和人身、财产安全的国家标准、"
		    "行业标准的产品",
		"在产品中掺杂、掺假，以假充真，以次充好",
		"未取得工业产品生产许可证擅自生产列入目录的产品",
		"销售失效、变质的产品",
		"伪造产品产地，伪造或者冒用他人厂名、厂址",
	};
	const char	*fine = json_string_value(json_object_get(o,
			    "fine_amount"));
	const char	*conf = json_string_value(json_object_get(o,
			    "confiscation_amount"));

	json_object_set_new(o, "violation_type", json_string(
	    violations[case_id % (int64_t)(sizeof(violations) /
	    sizeof(violations[0]))]));
	json_object_set_new(o, "penalty_content", conf != NULL &&
	    strcmp(conf, "0.00") != 0 ? json_sprintf("罚款人民币%s元，没收违法"
	    "所得人民币%s元", fine != NULL ? fine : "0.00", conf) :
	    json_sprintf("罚款人民币%s元", fine != NULL ? fine : "0.00"));
	json_object_set_new(o, "deciding_agency", json_sprintf(
	    "%s市市场监督管理局", pn));
	set_date(o, "decision_date", today - 3);
}

/*
 * A payload for `ev` on a case of `province`, as an officer would fill
 * the form on day `today`: every field the event requires, each valid by
 * the workflow's own rules (wf_decide() checks it all the same).
 */
json_t *
payload_make(struct rng *r, const struct world *w, int province,
    enum wf_event ev, int today, int64_t case_id)
{
	const struct wf_event_def	*d = &wf_events[ev];
	json_t				*o = json_object(), *a;
	const char			*ps = province_short[province];
	const char			*pn = province_names[province];
	char				*name;
	size_t				 i, n;
	int				 year, m, dd, k;

	wf_day_to_ymd(today, &year, &m, &dd);
	for (i = 0; i < d->nrequires; i++) {
		const char *f = wf_fields[d->requires[i]].name;

		switch (d->requires[i]) {
		case WF_FLD_DEADLINE:
			set_date(o, f, today + rng_range(r, 15, 45));
			break;
		case WF_FLD_MEASURES:
			json_object_set_new(o, f, json_string(
			    text_pick(r, measures)));
			break;
		case WF_FLD_EVIDENCE:
			json_object_set_new(o, f, json_string(
			    text_pick(r, evidence)));
			break;
		case WF_FLD_REASON:
			json_object_set_new(o, f, json_string(text_pick(r,
			    ev == WF_EV_REJECT_RECTIFICATION ? reasons_reject :
			    ev == WF_EV_DISMISS ? reasons_dismiss :
			    ev == WF_EV_ASSIGN ? reasons_assign :
			    reasons_judicial)));
			break;
		case WF_FLD_HELD_ON:
		case WF_FLD_PUBLISHED_ON:
		case WF_FLD_DECIDED_ON:
			set_date(o, f, today - rng_range(r, 0, 2));
			break;
		case WF_FLD_ATTENDEES:
			a = json_array();
			n = (size_t)rng_range(r, 2, 3);
			for (k = 0; k < (int)n; k++) {
				name = person_name(r);
				json_array_append_new(a, json_sprintf("%s %s",
				    titles[k], name));
				free(name);
			}
			json_object_set_new(o, f, a);
			break;
		case WF_FLD_MINUTES:
			json_object_set_new(o, f, json_string(
			    text_pick(r, minutes)));
			break;
		case WF_FLD_DECISION_NO:
			json_object_set_new(o, f, json_sprintf(
			    "%s市监处罚〔%d〕%lld号", ps, year,
			    (long long)(case_id % 100000)));
			break;
		case WF_FLD_FINE_AMOUNT:
			set_money(o, f, 1000LL * rng_range(r, 5, 300));
			break;
		case WF_FLD_CONFISCATION_AMOUNT:
			set_money(o, f, rng_chance(r, 50) ? 0 :
			    100LL * rng_range(r, 10, 2000));
			break;
		case WF_FLD_CASE_VALUE:
			set_money(o, f, 100LL * rng_range(r, 50, 5000));
			break;
		case WF_FLD_SERIOUS_LIST:
			json_object_set_new(o, f, json_boolean(
			    rng_chance(r, 8)));
			break;
		case WF_FLD_RECEIVING_ORGAN:
			if (ev == WF_EV_TRANSFER_DISCIPLINE)
				json_object_set_new(o, f, json_sprintf(
				    "%s市纪委监委驻市市场监管局纪检监察组", pn));
			else
				json_object_set_new(o, f, json_sprintf(
				    "%s市公安局食品药品环境犯罪侦查总队", pn));
			break;
		case WF_FLD_DOCUMENTS:
			a = json_array();
			for (k = 0; k < WF_DOC__MAX; k++)
				json_array_append_new(a,
				    json_string(wf_documents[k].id));
			json_object_set_new(o, f, a);
			break;
		case WF_FLD_CLUE_SUMMARY:
			json_object_set_new(o, f, json_string(
			    text_pick(r, clues)));
			break;
		case WF_FLD_RECEIPT_NO:
			json_object_set_new(o, f, json_sprintf(
			    "%s公（食药环）受字〔%d〕%d号", ps, year,
			    rng_range(r, 1, 9999)));
			break;
		case WF_FLD_ACCEPTED:
			json_object_set_new(o, f, json_boolean(
			    rng_chance(r, 85)));
			break;
		case WF_FLD_CONCLUSION:
			json_object_set_new(o, f, json_string(
			    text_pick(r, conclusions)));
			break;
		case WF_FLD_LOOKBACK_ON:
			set_date(o, f, today + rng_range(r, 90, 180));
			break;
		case WF_FLD_FINDINGS:
			json_object_set_new(o, f, json_string(text_pick(r,
			    ev == WF_EV_LOOKBACK_CLEAR ? findings_clear :
			    findings_back)));
			break;
		case WF_FLD_TEXT:
			json_object_set_new(o, f, json_string(
			    text_pick(r, notes)));
			break;
		case WF_FLD_ASSIGNEES:
			json_object_set_new(o, f, json_pack("[I]",
			    (json_int_t)w->officer[province].id));
			break;
		case WF_FLD_VIOLATION_TYPE:
		case WF_FLD_PENALTY_CONTENT:
		case WF_FLD_DECIDING_AGENCY:
		case WF_FLD_DECISION_DATE:
		case WF_FLD_CATEGORY:
		case WF_FLD_DOMAIN:
		case WF_FLD_SOURCE:
		case WF_FLD_PROBLEM:
		case WF_FLD_RISK_LEVEL:
		/* refer is the service's own (walk.c never picks it) */
		case WF_FLD_REFERRAL:
		case WF_FLD_REFERRAL_KIND:
		case WF_FLD_TO_REGION:
		case WF_FLD_LINK_KIND:
		case WF_FLD_LINKED_CASE:
		case WF_FLD__MAX:
			break;
		}
	}
	if (ev == WF_EV_PUBLISH_CREDIT)
		summary_fields(o, pn, today, case_id);
	(void)w;
	return o;
}

/* ------------------------------------------------------------------ */
/* Activities                                                         */
/* ------------------------------------------------------------------ */

static const char *const risk_summaries[] = {
	"电商平台销售的电动自行车充电器存在虚标功率问题",
	"消费者投诉某品牌燃气灶熄火保护失灵",
	"舆情反映部分建材市场销售无标识钢筋",
	"伤害监测信息显示烟花爆竹致伤事件增多",
	"行业协会反映危化品包装桶回收再用现象", NULL
};

static void	spot_detail(const struct world *, uint64_t, struct activity *);

/* The activity number `k`: its kind, campaign, day, place and counts. */
void
activity_make(const struct world *w, uint64_t k, struct activity *a)
{
	static const char *const kinds[] = { "inspection", "spot_check",
	    "risk_info", "risk_monitoring", "assistance" };
	static const unsigned kw[] = { 45, 25, 10, 8, 12 };
	struct rng		 r;
	const struct enterprise	*e;
	int			 first, last, today, day, y;
	unsigned		 kind;

	rng_init(&r, w->seed, STREAM_ACTIVITY, k);
	memset(a, 0, sizeof(*a));
	kind = rng_weighted(&r, kw, 5);
	a->kind = kinds[kind];
	a->province = rng_chance(&r, 55) ? 0 : 1;
	today = wf_day_of_unix(w->now_us / 1000000);
	if (w->campaign_old != 0 && rng_chance(&r, 15)) {
		a->campaign = w->campaign_old;
		first = wf_day_from_ymd(w->campaign_old, 3, 1);
		last = wf_day_from_ymd(w->campaign_old, 10, 31);
	} else {
		a->campaign = w->campaign_now;
		first = wf_day_from_ymd(w->campaign_now, 1, 5);
		last = today - 1;
	}
	if (last < first)
		last = first;
	day = working_day_on_or_after(rng_range(&r, first, last));
	wf_date_format(day > last ? last : day, a->on);
	a->ent = (size_t)-1;
	if (w->nents_of[a->province] > 0 && (kind != 2 || rng_chance(&r, 50)) &&
	    kind != 3) {
		a->ent = w->ents_of[a->province][rng_below(&r,
		    (unsigned)w->nents_of[a->province])];
		e = &w->ents[a->ent];
		a->region = e->region;
		a->category = w->categories[rng_chance(&r, 80) ? e->category :
		    (int)rng_below(&r, w->ncategories < 10 ?
		    (unsigned)w->ncategories : 10)];
		a->domain = e->production ? "production" : "circulation";
	} else {
		a->region = w->regions_of[a->province][rng_below(&r,
		    (unsigned)w->nregions_of[a->province])];
		a->category = w->categories[rng_below(&r,
		    w->ncategories < 10 ? (unsigned)w->ncategories : 10)];
	}
	switch (kind) {
	case 0:		/* inspection */
		a->problems_found = rng_chance(&r, 22);
		break;
	case 1:		/* spot_check */
		a->batches = rng_range(&r, 1, 6);
		for (y = 0; y < a->batches; y++)
			a->failed_batches += rng_chance(&r, 9);
		break;
	case 2:		/* risk_info */
		a->domain = NULL;
		a->summary = text_pick(&r, risk_summaries);
		break;
	case 3:		/* risk_monitoring */
		a->domain = NULL;
		a->batches = rng_range(&r, 1, 20);
		a->problems_count = rng_chance(&r, 30) ? rng_range(&r, 1, 4) : 0;
		break;
	default:	/* assistance */
		a->domain = NULL;
		a->problems_solved = rng_range(&r, 0, 6);
		snprintf(a->output_gain, sizeof(a->output_gain), "%d.00",
		    10000 * rng_range(&r, 0, 500));
		break;
	}
	spot_detail(w, k, a);
}

/* ------------------------------------------------------------------ */
/* Profiles, problem types and batches (issue 21)                     */
/* ------------------------------------------------------------------ */

/*
 * Each draws from its own stream (the index shifted past the others), so
 * that what was generated before -- codes, names, walks, counts -- stays
 * exactly as it was.
 */

static const char *const accident_summaries[] = {
	"生产车间发生燃爆事故，造成人员受伤",
	"产品在使用中起火，造成财产损失",
	"运输途中罐体泄漏，紧急疏散周边群众",
	"仓库违规储存引发火灾", NULL
};

static void
day_text(int day, char out[11])
{
	if (wf_date_format(day, out) == -1)
		fatal("day %d: cannot be written", day);
}

/*
 * Enterprise `idx`'s profile: a representative, a Beijing or Shanghai
 * number, the weak links of its trade (集聚区 and 易发多发区 for makers;
 * 销售门店, 农村市场 for traders), one accident in 25, and licences
 * issued within the last five years for five years -- most valid, some
 * lapsed by date or recorded expired, a few suspended or revoked.
 */
void
enterprise_profile(const struct world *w, const struct enterprise *e,
    size_t idx, struct profile *p)
{
	struct rng	 r;
	char		 num[2][64];
	int		 today, from, until, roll, k;

	rng_init(&r, w->seed, STREAM_ENTERPRISE, idx + (3ULL << 40));
	memset(p, 0, sizeof(*p));
	p->person = person_name(&r);
	snprintf(p->phone, sizeof(p->phone), "%s-%08u",
	    w->regions[e->region].province == 0 ? "010" : "021",
	    60000000u + rng_below(&r, 30000000));
	if (e->production) {
		if (rng_chance(&r, 25))
			p->areas[p->nareas++] = "cluster";
		if (rng_chance(&r, 10))
			p->areas[p->nareas++] = "problem_prone";
	} else {
		if (rng_chance(&r, 45))
			p->areas[p->nareas++] = "retail_store";
		if (rng_chance(&r, 20))
			p->areas[p->nareas++] = "rural_market";
	}
	if (rng_chance(&r, 10))
		p->areas[p->nareas++] = "urban_rural_fringe";
	today = wf_day_of_unix(w->now_us / 1000000);
	if (rng_chance(&r, 4)) {
		char	 on[11];

		day_text(today - rng_range(&r, 200, 2500), on);
		p->accident = json_pack("[{s:s, s:s}]", "on", on, "summary",
		    text_pick(&r, accident_summaries));
	}
	enterprise_licences(e, idx, num[0], sizeof(num[0]), num[1],
	    sizeof(num[1]));
	for (k = 0; k < 2; k++) {
		if (num[k][0] == '\0')
			continue;
		from = today - rng_range(&r, 30, 5 * 365 - 30);
		until = from + 5 * 365 - 1;
		roll = (int)rng_below(&r, 100);
		p->lic[k].status = roll < 2 ? "revoked" : roll < 3 ?
		    "suspended" : roll < 5 ? "expired" : "valid";
		if (roll >= 3 && roll < 9) {	/* lapsed: by date, or said */
			until = today - rng_range(&r, 1, 300);
			from = until - 5 * 365 + 1;
		}
		day_text(from, p->lic[k].from);
		day_text(until, p->lic[k].until);
	}
}

void
profile_free(struct profile *p)
{
	free(p->person);
	json_decref(p->accident);
	p->person = NULL;
	p->accident = NULL;
}

/* The area types as a PostgreSQL text array (malloc'd). */
char *
profile_areas_text(const struct profile *p)
{
	char	 buf[128];
	size_t	 len = 0;
	int	 i;

	buf[len++] = '{';
	for (i = 0; i < p->nareas; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
		    i > 0 ? "," : "", p->areas[i]);
	snprintf(buf + len, sizeof(buf) - len, "}");
	return strdup(buf);
}

/* The licences as the API takes them (a new array; numbers given). */
json_t *
profile_licences(const struct profile *p, const char *lic, const char *ccc)
{
	static const char *const kinds[2] = { "production", "ccc" };
	const char	*num[2] = { lic, ccc };
	json_t		*a = json_array();
	int		 k;

	for (k = 0; k < 2; k++)
		if (num[k][0] != '\0' && p->lic[k].status != NULL)
			json_array_append_new(a, json_pack("{s:s, s:s, s:s,"
			    " s:s, s:s}", "kind", kinds[k], "number", num[k],
			    "status", p->lic[k].status, "valid_from",
			    p->lic[k].from, "valid_until", p->lic[k].until));
	return a;
}

/*
 * The case's problem types: seven in ten cases name one key problem of
 * their domain, one in five of those a second.
 */
void
case_problem_types(const struct world *w, struct case_plan *c)
{
	struct rng	 r;
	int		 d = strcmp(c->domain, "production") == 0 ? 0 : 1;
	unsigned	 n = (unsigned)w->nptypes[d], a, b;

	c->nproblem_types = 0;
	rng_init(&r, w->seed, STREAM_CASE, c->index + (1ULL << 40));
	if (n == 0 || rng_chance(&r, 30))
		return;
	a = rng_below(&r, n);
	c->problem_types[c->nproblem_types++] = w->ptypes[d][a];
	if (n > 1 && rng_chance(&r, 20)) {
		b = (a + 1 + rng_below(&r, n - 1)) % n;
		c->problem_types[c->nproblem_types++] = w->ptypes[d][b];
	}
}

/* The case's problem types as the API takes them (a new array). */
json_t *
case_problem_types_json(const struct case_plan *c)
{
	json_t	*a = json_array();
	int	 i;

	for (i = 0; a != NULL && i < c->nproblem_types; i++)
		json_array_append_new(a, json_string(c->problem_types[i]));
	return a;
}

/* ... and as a PostgreSQL text array. */
void
case_problem_types_text(const struct case_plan *c, char *out, size_t size)
{
	size_t	 len;
	int	 i;

	len = (size_t)snprintf(out, size, "{");
	for (i = 0; i < c->nproblem_types && len < size; i++)
		len += (size_t)snprintf(out + len, size - len, "%s%s",
		    i > 0 ? "," : "", c->problem_types[i]);
	if (len < size)
		snprintf(out + len, size - len, "}");
}

/* What a spot check of each national category samples. */
static const struct {
	const char	*id;
	const char	*product;
	const char	*models[3];
	const char	*standard;
	const char	*failed[3];
} sampled[] = {
	{ "hazardous_chemicals", "工业硫酸", { "92.5%", "98%", "发烟硫酸" },
	    "GB/T 534-2014", { "硫酸含量", "灰分", "铁含量" } },
	{ "hazardous_chemical_packaging", "危险化学品包装桶",
	    { "200L闭口钢桶", "25L塑料桶", "1000L中型散装容器" },
	    "GB 12463-2009", { "跌落试验", "气密试验", "液压试验" } },
	{ "road_tankers", "常压液体危险货物罐体",
	    { "LNG运输罐", "汽油罐体", "液碱罐体" },
	    "GB 18564.1-2019", { "罐体壁厚", "紧急切断装置", "罐体标志" } },
	{ "rebar", "钢筋混凝土用热轧带肋钢筋",
	    { "HRB400E Φ12", "HRB400E Φ16", "HRB500E Φ20" },
	    "GB/T 1499.2-2024", { "屈服强度", "重量偏差", "最大力总延伸率" } },
	{ "cement", "通用硅酸盐水泥", { "P·O 42.5", "P·C 32.5R", "P·S·A 32.5" },
	    "GB 175-2023", { "3天抗压强度", "三氧化硫", "安定性" } },
	{ "wires_cables", "聚氯乙烯绝缘电缆电线",
	    { "BV 2.5mm²", "BVR 4mm²", "RVV 3×1.5mm²" },
	    "GB/T 5023.3-2008", { "导体电阻", "绝缘厚度", "绝缘老化" } },
	{ "gas_appliances", "家用燃气灶具",
	    { "JZT-2双眼灶", "JZY-1台式灶", "JZR-2嵌入式灶" },
	    "GB 16410-2020", { "熄火保护装置", "燃气泄漏", "一氧化碳含量" } },
	{ "fireworks", "烟花爆竹", { "组合烟花", "小礼花", "爆竹" },
	    "GB 10631-2013", { "药量", "燃放性能", "标志标识" } },
	{ "electric_bicycles", "电动自行车", { "TDT-1", "TDR-2", "TDR-3Z" },
	    "GB 17761-2024", { "最高车速", "整车质量", "防篡改" } },
	{ "ebike_chargers_batteries", "电动自行车用锂离子蓄电池",
	    { "48V 12Ah", "48V 20Ah", "60V 20Ah" },
	    "GB 43854-2024", { "过充电保护", "热失控", "外部短路" } },
};

#define NSAMPLED	((int)(sizeof(sampled) / sizeof(sampled[0])))

static const char *const laboratories[2][3] = {
	{ "北京市产品质量监督检验研究院", "国家建筑材料质量检验检测中心",
	    "国家电线电缆质量检验检测中心" },
	{ "上海市质量监督检验技术研究院", "上海出入境检验检疫局工业品中心",
	    "国家燃气用具质量检验检测中心" },
};

/*
 * The batches of spot check `k` (activity `a`, its counts made): each a
 * product of its category, a model, a batch number from its day, the
 * standard, pass or fail -- exactly a->failed_batches of them fail --
 * with the failed test items, a report number and a laboratory.
 */
static json_t *
spot_items_make(struct rng *r, const struct activity *a, uint64_t k)
{
	json_t		*items = json_array(), *it;
	int		 s = NSAMPLED, i, left = a->failed_batches;
	char		 batch[32], report[40];

	for (i = 0; i < NSAMPLED; i++)
		if (strcmp(a->category, sampled[i].id) == 0)
			s = i;
	if (s == NSAMPLED)
		s = (int)(k % (uint64_t)NSAMPLED);
	for (i = 0; i < a->batches; i++) {
		int fail = (int)rng_below(r, (unsigned)(a->batches - i)) < left;

		left -= fail;
		snprintf(batch, sizeof(batch), "%.4s%.2s%.2s-%02d", a->on,
		    a->on + 5, a->on + 8, i + 1);
		snprintf(report, sizeof(report), "%s%.4s-JC%06llu",
		    a->province == 0 ? "BJ" : "SH", a->on,
		    (unsigned long long)(k % 1000000));
		it = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
		    "product", sampled[s].product,
		    "model", sampled[s].models[rng_below(r, 3)],
		    "batch_no", batch, "standard", sampled[s].standard,
		    "result", fail ? "fail" : "pass",
		    "report_no", report,
		    "lab", laboratories[a->province][rng_below(r, 3)]);
		if (fail)
			json_object_set_new(it, "failed_items", json_pack("[s]",
			    sampled[s].failed[rng_below(r, 3)]));
		json_array_append_new(items, it);
	}
	return items;
}

/*
 * A spot check's channel (线下, 网络, 农村) and, three times in four, its
 * batches one by one: with profiles only.
 */
static void
spot_detail(const struct world *w, uint64_t k, struct activity *a)
{
	static const char *const channels[] = { "offline", "online", "rural" };
	static const unsigned cw[] = { 60, 25, 15 };
	struct rng	 r;

	if (!w->profiles || strcmp(a->kind, "spot_check") != 0)
		return;
	rng_init(&r, w->seed, STREAM_ACTIVITY, k + (1ULL << 40));
	a->channel = channels[rng_weighted(&r, cw, 3)];
	if (rng_chance(&r, 75))
		a->items = spot_items_make(&r, a, k);
}

void
activity_free(struct activity *a)
{
	json_decref(a->items);
	a->items = NULL;
}
