/*
 * holidays.c: the days off (放假) and make-up working days (调休上班) of
 * each year, copied from the State Council General Office's annual notice
 * (国务院办公厅关于XXXX年部分节假日安排的通知), and the lookup over them.
 *
 * Every day of a holiday run is listed as off, weekend days included, as
 * the notice states the run ("1月31日至2月6日放假调休，共7天").  A year
 * whose notice is not here is unknown: never guess a holiday.  To add a
 * year: copy its notice, cite it above the table, set `known`, and add
 * spot checks to tests/unit/test-calendar.c.
 */
#include <stddef.h>

#include "workflow.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * 2022: 《国务院办公厅关于2022年部分节假日安排的通知》
 * 国办发明电〔2021〕11号, 2021年10月25日.  Read from the copy on
 * www.beijing.gov.cn (zhengce/zhengcefagui/202110/t20211026_2520500.html)
 * and 《人民日报》 2021-10-26 第4版.
 */
static const struct wf_hol_span off2022[] = {
	{ "元旦", 20220101, 20220103 },
	{ "春节", 20220131, 20220206 },
	{ "清明节", 20220403, 20220405 },
	{ "劳动节", 20220430, 20220504 },
	{ "端午节", 20220603, 20220605 },
	{ "中秋节", 20220910, 20220912 },
	{ "国庆节", 20221001, 20221007 },
};
static const int makeup2022[] = {
	20220129, 20220130,		/* 春节: 星期六, 星期日 */
	20220402,			/* 清明节: 星期六 */
	20220424, 20220507,		/* 劳动节: 星期日, 星期六 */
	20221008, 20221009,		/* 国庆节: 星期六, 星期日 */
};

/*
 * 2023: 《国务院办公厅关于2023年部分节假日安排的通知》
 * 国办发明电〔2022〕16号, 2022年12月8日 (国务院公报 2023年第1号).
 * Read from zh.wikisource.org and the copy on www.mee.gov.cn
 * (zcwj/gwywj/202212/t20221209_1007555.shtml).  Its 元旦 run starts on
 * 2022-12-31, in the year before.
 */
static const struct wf_hol_span off2023[] = {
	{ "元旦", 20221231, 20230102 },
	{ "春节", 20230121, 20230127 },
	{ "清明节", 20230405, 20230405 },
	{ "劳动节", 20230429, 20230503 },
	{ "端午节", 20230622, 20230624 },
	{ "中秋节、国庆节", 20230929, 20231006 },
};
static const int makeup2023[] = {
	20230128, 20230129,		/* 春节: 星期六, 星期日 */
	20230423, 20230506,		/* 劳动节: 星期日, 星期六 */
	20230625,			/* 端午节: 星期日 */
	20231007, 20231008,		/* 中秋节、国庆节: 星期六, 星期日 */
};

/*
 * 2024: 《国务院办公厅关于2024年部分节假日安排的通知》
 * 国办发明电〔2023〕7号, 2023年10月25日 (国务院公报 2023年第31号).
 * Read from zh.wikisource.org and 《人民日报》 2023-10-26 第6版.  元旦
 * and 端午节 are one Monday each "与周末连休" (with the weekend before).
 * 除夕 (2月9日) is only "encouraged" as paid leave: a working day.
 */
static const struct wf_hol_span off2024[] = {
	{ "元旦", 20240101, 20240101 },
	{ "春节", 20240210, 20240217 },
	{ "清明节", 20240404, 20240406 },
	{ "劳动节", 20240501, 20240505 },
	{ "端午节", 20240610, 20240610 },
	{ "中秋节", 20240915, 20240917 },
	{ "国庆节", 20241001, 20241007 },
};
static const int makeup2024[] = {
	20240204, 20240218,		/* 春节: 星期日, 星期日 */
	20240407,			/* 清明节: 星期日 */
	20240428, 20240511,		/* 劳动节: 星期日, 星期六 */
	20240914,			/* 中秋节: 星期六 */
	20240929, 20241012,		/* 国庆节: 星期日, 星期六 */
};

/*
 * 2025: 《国务院办公厅关于2025年部分节假日安排的通知》
 * 国办发明电〔2024〕12号, 2024年11月12日, the first under the
 * 《全国年节及纪念日放假办法》 as revised in November 2024 (春节 and
 * 劳动节 one day longer).  Read from the 新华社 text on m.gmw.cn
 * (2024-11/12/content_1303894933.htm); the number as printed in a
 * reprint of the document (www.gov.cn zhengce/content/202411/
 * content_6986382.htm is the original).
 */
static const struct wf_hol_span off2025[] = {
	{ "元旦", 20250101, 20250101 },
	{ "春节", 20250128, 20250204 },
	{ "清明节", 20250404, 20250406 },
	{ "劳动节", 20250501, 20250505 },
	{ "端午节", 20250531, 20250602 },
	{ "国庆节、中秋节", 20251001, 20251008 },
};
static const int makeup2025[] = {
	20250126, 20250208,		/* 春节: 周日, 周六 */
	20250427,			/* 劳动节: 周日 */
	20250928, 20251011,		/* 国庆节、中秋节: 周日, 周六 */
};

/*
 * 2026: 《国务院办公厅关于2026年部分节假日安排的通知》, 2025年11月4日.
 * Read from the 新华社 text on politics.gmw.cn
 * (2025-11/04/content_38391083.htm); published on www.gov.cn as
 * zhengce/content/202511/content_7047090.htm.  Its number,
 * 国办发明电〔2025〕7号, is as cited by secondary sources: the copies read
 * here did not print it.
 */
static const struct wf_hol_span off2026[] = {
	{ "元旦", 20260101, 20260103 },
	{ "春节", 20260215, 20260223 },
	{ "清明节", 20260404, 20260406 },
	{ "劳动节", 20260501, 20260505 },
	{ "端午节", 20260619, 20260621 },
	{ "中秋节", 20260925, 20260927 },
	{ "国庆节", 20261001, 20261007 },
};
static const int makeup2026[] = {
	20260104,			/* 元旦: 周日 */
	20260214, 20260228,		/* 春节: 周六, 周六 */
	20260509,			/* 劳动节: 周六 */
	20260920, 20261010,		/* 国庆节: 周日, 周六 */
};

/*
 * 2027: no notice.  As of 2026-11-27 none was found (the 2026 notice
 * came out on 2025-11-04; the 2023 one not until 2022-12-08).  Until it
 * is copied here, 2027 is unknown: Monday..Friday, known = 0.
 */

const struct wf_cal_year wf_cal_years[WF_CAL_NYEARS] = {
	[2022 - WF_CAL_FIRST_YEAR] = { 2022, 1,
	    "国务院办公厅关于2022年部分节假日安排的通知 "
	    "(国办发明电〔2021〕11号, 2021-10-25)",
	    NELEM(off2022), off2022, NELEM(makeup2022), makeup2022 },
	[2023 - WF_CAL_FIRST_YEAR] = { 2023, 1,
	    "国务院办公厅关于2023年部分节假日安排的通知 "
	    "(国办发明电〔2022〕16号, 2022-12-08)",
	    NELEM(off2023), off2023, NELEM(makeup2023), makeup2023 },
	[2024 - WF_CAL_FIRST_YEAR] = { 2024, 1,
	    "国务院办公厅关于2024年部分节假日安排的通知 "
	    "(国办发明电〔2023〕7号, 2023-10-25)",
	    NELEM(off2024), off2024, NELEM(makeup2024), makeup2024 },
	[2025 - WF_CAL_FIRST_YEAR] = { 2025, 1,
	    "国务院办公厅关于2025年部分节假日安排的通知 "
	    "(国办发明电〔2024〕12号, 2024-11-12)",
	    NELEM(off2025), off2025, NELEM(makeup2025), makeup2025 },
	[2026 - WF_CAL_FIRST_YEAR] = { 2026, 1,
	    "国务院办公厅关于2026年部分节假日安排的通知 "
	    "(国办发明电〔2025〕7号, 2025-11-04)",
	    NELEM(off2026), off2026, NELEM(makeup2026), makeup2026 },
	[2027 - WF_CAL_FIRST_YEAR] = { 2027, 0,
	    "国务院办公厅关于2027年部分节假日安排的通知: "
	    "未发布或未收录 (not published or not found as of 2026-11-27)",
	    0, NULL, 0, NULL },
};

/* Whether the notice for `year` is in the table. */
int
wf_cal_year_known(int year)
{

	return year >= WF_CAL_FIRST_YEAR && year <= WF_CAL_LAST_YEAR &&
	    wf_cal_years[year - WF_CAL_FIRST_YEAR].known;
}

/*
 * What kind of day `day` is.  *known (which must not be NULL) is set to 1
 * when the answer is authoritative: the notice for the day's year is in
 * the table and, from 25 December on, the next year's too -- a New Year
 * arrangement can reach back into December (the 2023 notice gave
 * 2022-12-31 off).  Otherwise *known is 0 and the answer falls back to
 * Monday..Friday for whatever notices the table lacks.
 */
enum wf_daykind
wf_day_kind(int day, int *known)
{
	enum wf_daykind			 k;
	const struct wf_cal_year	*cy;
	int				 y, m, d, ymd, i;
	size_t				 j;

	wf_day_to_ymd(day, &y, &m, &d);
	ymd = y * 10000 + m * 100 + d;
	*known = wf_cal_year_known(y) &&
	    (m < 12 || d < 25 || wf_cal_year_known(y + 1));
	k = wf_weekday(day) >= 6 ? WF_DAY_WEEKEND : WF_DAY_WORKDAY;
	for (i = 0; i < WF_CAL_NYEARS; i++) {
		cy = &wf_cal_years[i];
		if (!cy->known)
			continue;
		for (j = 0; j < cy->noff; j++)
			if (ymd >= cy->off[j].from && ymd <= cy->off[j].to) {
				k = WF_DAY_HOLIDAY;
				goto out;
			}
		for (j = 0; j < cy->nmakeup; j++)
			if (ymd == cy->makeup[j]) {
				k = WF_DAY_MAKEUP;
				goto out;
			}
	}
out:
	return k;
}
