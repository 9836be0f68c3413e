/*
 * test-calendar.c: day numbers, dates, and the working-day calendar --
 * the 2022 Spring Festival and National Day day by day, a 10-working-day
 * review spanning each, spot checks for every year in the table, and
 * the unknown year (2027) reported as not authoritative.
 *
 * Expected values are written from the notices and from GNU date, not
 * read from the library's tables.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../../workflow/workflow.h"

static int
D(const char *s)
{
	int	 day = -99999;

	if (wf_date_parse(s, &day) != WF_DATE_OK)
		fail_msg("bad date in test: %s", s);
	return day;
}

/* The day is worked (1) or not (0), and the answer is authoritative. */
static void
is(const char *date, int work)
{
	int	 known = -1;

	if (wf_is_working_day(D(date), &known) != work)
		fail_msg("%s: want %s", date, work ? "working" : "off");
	if (known != -1)
		fail_msg("%s: calendar not authoritative", date);
}

/* --- day numbers and dates ------------------------------------------ */

static void
test_day_numbers(void **state)
{
	int	 y, m, d;

	(void)state;
	assert_int_equal(wf_day_from_ymd(1970, 1, 1), 0);
	assert_int_equal(wf_day_from_ymd(1969, 12, 31), -1);
	assert_int_equal(wf_day_from_ymd(2000, 3, 1), 11017);
	assert_int_equal(wf_day_from_ymd(2022, 6, 15), 19158);
	assert_int_equal(wf_day_from_ymd(2099, 12, 31), 47481);
	wf_day_to_ymd(11016, &y, &m, &d);
	assert_int_equal(y * 10000 + m * 100 + d, 20000229);
	wf_day_to_ymd(-1, &y, &m, &d);
	assert_int_equal(y * 10000 + m * 100 + d, 19691231);
}

/* Every day 1900-2100: format, parse back, next day is +1. */
static void
test_round_trip(void **state)
{
	char	 buf[WF_DATE_LEN + 1];
	int	 day, back, y, m, d, py = 0, pm = 0, pd = 0;

	(void)state;
	for (day = wf_day_from_ymd(1900, 1, 1);
	    day <= wf_day_from_ymd(2100, 12, 31); day++) {
		assert_int_equal(wf_date_format(day, buf), 0);
		assert_int_equal(strlen(buf), WF_DATE_LEN);
		assert_int_equal(wf_date_parse(buf, &back), WF_DATE_OK);
		assert_int_equal(back, day);
		wf_day_to_ymd(day, &y, &m, &d);
		if (py != 0)
			assert_true(y * 10000 + m * 100 + d >
			    py * 10000 + pm * 100 + pd);
		py = y, pm = m, pd = d;
	}
}

static void
test_parse_rejects(void **state)
{
	int	 day = 12345;

	(void)state;
	assert_int_equal(wf_date_parse("2023-02-29", &day),
	    WF_DATE_NO_SUCH_DAY);
	assert_int_equal(wf_date_parse("1900-02-29", &day),
	    WF_DATE_NO_SUCH_DAY);
	assert_int_equal(wf_date_parse("0000-01-01", &day),
	    WF_DATE_NO_SUCH_DAY);
	assert_int_equal(wf_date_parse("2022-09-31", &day),
	    WF_DATE_NO_SUCH_DAY);
	assert_int_equal(wf_date_parse("2022-13-01", &day),
	    WF_DATE_BAD_FORMAT);
	assert_int_equal(wf_date_parse("2022-1-01", &day),
	    WF_DATE_BAD_FORMAT);
	assert_int_equal(wf_date_parse("2022-01-011", &day),
	    WF_DATE_BAD_FORMAT);
	assert_int_equal(wf_date_parse(NULL, &day), WF_DATE_BAD_FORMAT);
	assert_int_equal(day, 12345);
	assert_int_equal(wf_date_parse("2000-02-29", &day), WF_DATE_OK);
}

static void
test_weekday(void **state)
{

	(void)state;
	assert_int_equal(wf_weekday(0), 4);			/* Thu */
	assert_int_equal(wf_weekday(-1), 3);			/* Wed */
	assert_int_equal(wf_weekday(-4), 7);			/* Sun */
	assert_int_equal(wf_weekday(D("2022-01-29")), 6);	/* Sat */
	assert_int_equal(wf_weekday(D("2022-01-30")), 7);	/* Sun */
	assert_int_equal(wf_weekday(D("2022-01-31")), 1);	/* Mon */
	assert_int_equal(wf_weekday(D("2026-11-27")), 5);	/* Fri */
}

/* CST is UTC+8: the day turns at 16:00 UTC. */
static void
test_unix(void **state)
{

	(void)state;
	/* 2022-02-15 23:59:59 +0800 */
	assert_int_equal(wf_day_of_unix(1644940799LL), D("2022-02-15"));
	assert_int_equal(wf_day_of_unix(1644940800LL), D("2022-02-16"));
	assert_true(wf_day_end_unix(D("2022-02-15")) == 1644940799LL);
	assert_true(wf_day_start_unix(D("2022-02-16")) == 1644940800LL);
	/* 1970-01-01 00:00:00 UTC was 08:00 CST on day 0 */
	assert_int_equal(wf_day_of_unix(0), 0);
	assert_int_equal(wf_day_of_unix(-28800), 0);
	assert_int_equal(wf_day_of_unix(-28801), -1);
	assert_true(wf_add_hours(1000, 24) == 1000 + 86400);
	assert_int_equal(wf_add_days(D("2022-02-27"), 2), D("2022-03-01"));
}

static void
test_overdue(void **state)
{
	long long	 due = wf_day_end_unix(D("2022-02-15"));

	(void)state;
	assert_false(wf_overdue(due, due - 1));
	assert_false(wf_overdue(due, due));
	assert_true(wf_overdue(due, due + 1));
}

/* --- 2022: the brief's two holidays, day by day ---------------------- */

static void
test_2022_spring_festival(void **state)
{

	(void)state;
	is("2022-01-28", 1);		/* Fri */
	is("2022-01-29", 1);		/* Sat, 上班 */
	is("2022-01-30", 1);		/* Sun, 上班 */
	is("2022-01-31", 0);		/* 放假 1月31日至2月6日 */
	is("2022-02-01", 0);
	is("2022-02-02", 0);
	is("2022-02-03", 0);
	is("2022-02-04", 0);
	is("2022-02-05", 0);
	is("2022-02-06", 0);
	is("2022-02-07", 1);		/* Mon */
	is("2022-02-12", 0);		/* an ordinary Sat */
}

static void
test_2022_national_day(void **state)
{
	int	 known;

	(void)state;
	is("2022-09-30", 1);
	is("2022-10-01", 0);		/* 放假 10月1日至7日 */
	is("2022-10-03", 0);		/* Mon */
	is("2022-10-07", 0);		/* Fri */
	is("2022-10-08", 1);		/* Sat, 上班 */
	is("2022-10-09", 1);		/* Sun, 上班 */
	is("2022-10-10", 1);
	assert_int_equal(wf_day_kind(D("2022-10-05"), &known),
	    WF_DAY_HOLIDAY);
	assert_int_equal(wf_day_kind(D("2022-10-08"), &known),
	    WF_DAY_MAKEUP);
	assert_int_equal(wf_day_kind(D("2022-10-15"), &known),
	    WF_DAY_WEEKEND);
	assert_int_equal(wf_day_kind(D("2022-10-14"), &known),
	    WF_DAY_WORKDAY);
	assert_int_equal(known, 1);
}

/*
 * A 10-working-day legal review proposed Thu 2022-01-27: 01-28, 01-29
 * (Sat, 上班), 01-30 (Sun, 上班), then the holiday, then 02-07..02-11,
 * 02-14, 02-15.
 */
static void
test_review_across_spring_festival(void **state)
{
	int	 known = 1;

	(void)state;
	assert_int_equal(wf_add_working_days(D("2022-01-27"), 10, &known),
	    D("2022-02-15"));
	assert_int_equal(known, 1);
	assert_int_equal(wf_add_working_days(D("2022-01-27"), 1, &known),
	    D("2022-01-28"));
	assert_int_equal(wf_add_working_days(D("2022-01-27"), 3, &known),
	    D("2022-01-30"));
	assert_int_equal(wf_add_working_days(D("2022-01-27"), 4, &known),
	    D("2022-02-07"));
	/* Proposed on a holiday: the count starts after it. */
	assert_int_equal(wf_add_working_days(D("2022-02-01"), 1, &known),
	    D("2022-02-07"));
	assert_int_equal(wf_add_working_days(D("2022-02-01"), 0, &known),
	    D("2022-02-01"));
	assert_int_equal(wf_add_working_days(D("2022-02-01"), -3, &known),
	    D("2022-02-01"));
}

/*
 * Proposed Thu 2022-09-29: 09-30, (holiday), 10-08 Sat, 10-09 Sun,
 * 10-10..10-14, 10-17, 10-18.
 */
static void
test_review_across_national_day(void **state)
{
	int	 known = 1;

	(void)state;
	assert_int_equal(wf_add_working_days(D("2022-09-29"), 10, &known),
	    D("2022-10-18"));
	assert_int_equal(wf_add_working_days(D("2022-09-29"), 2, &known),
	    D("2022-10-08"));
	assert_int_equal(known, 1);
}

/* --- every year in the table ----------------------------------------- */

static void
test_spot_checks(void **state)
{

	(void)state;
	/* 2022 */
	is("2022-01-03", 0);		/* 元旦, Mon */
	is("2022-04-02", 1);		/* Sat 上班 */
	is("2022-04-04", 0);		/* 清明 Mon */
	is("2022-04-24", 1);		/* Sun 上班 */
	is("2022-05-04", 0);
	is("2022-05-07", 1);		/* Sat 上班 */
	is("2022-06-03", 0);		/* 端午 Fri */
	is("2022-09-12", 0);		/* 中秋 Mon */
	/* 2023 */
	is("2022-12-31", 0);		/* 元旦 of 2023, a Saturday */
	is("2023-01-02", 0);		/* Mon */
	is("2023-01-27", 0);		/* 春节 Fri */
	is("2023-01-28", 1);		/* Sat 上班 */
	is("2023-01-29", 1);		/* Sun 上班 */
	is("2023-04-05", 0);		/* 清明 Wed, one day */
	is("2023-04-06", 1);
	is("2023-04-23", 1);		/* Sun 上班 */
	is("2023-06-23", 0);		/* 端午 Fri */
	is("2023-06-25", 1);		/* Sun 上班 */
	is("2023-10-06", 0);		/* Fri */
	is("2023-10-07", 1);		/* Sat 上班 */
	is("2023-10-08", 1);		/* Sun 上班 */
	/* 2024 */
	is("2024-01-01", 0);
	is("2024-02-04", 1);		/* Sun 上班 */
	is("2024-02-09", 1);		/* 除夕: only encouraged leave */
	is("2024-02-16", 0);		/* Fri */
	is("2024-02-18", 1);		/* Sun 上班 */
	is("2024-04-07", 1);		/* Sun 上班 */
	is("2024-05-11", 1);		/* Sat 上班 */
	is("2024-06-10", 0);		/* 端午 Mon */
	is("2024-09-14", 1);		/* Sat 上班 */
	is("2024-09-17", 0);		/* 中秋 Tue */
	is("2024-09-29", 1);		/* Sun 上班 */
	is("2024-10-12", 1);		/* Sat 上班 */
	/* 2025 */
	is("2025-01-01", 0);
	is("2025-01-02", 1);		/* 不调休 */
	is("2025-01-26", 1);		/* Sun 上班 */
	is("2025-01-28", 0);		/* 除夕 */
	is("2025-02-04", 0);		/* 初七 */
	is("2025-02-08", 1);		/* Sat 上班 */
	is("2025-04-27", 1);		/* Sun 上班 */
	is("2025-05-05", 0);		/* Mon */
	is("2025-06-02", 0);		/* 端午 Mon */
	is("2025-09-28", 1);		/* Sun 上班 */
	is("2025-10-08", 0);		/* Wed */
	is("2025-10-11", 1);		/* Sat 上班 */
	/* 2026 */
	is("2026-01-02", 0);		/* Fri */
	is("2026-01-04", 1);		/* Sun 上班 */
	is("2026-02-14", 1);		/* Sat 上班 */
	is("2026-02-23", 0);		/* Mon, 初七 */
	is("2026-02-24", 1);
	is("2026-02-28", 1);		/* Sat 上班 */
	is("2026-04-06", 0);		/* Mon */
	is("2026-05-05", 0);		/* Tue */
	is("2026-05-09", 1);		/* Sat 上班 */
	is("2026-06-19", 0);		/* 端午 Fri */
	is("2026-09-20", 1);		/* Sun 上班 */
	is("2026-09-25", 0);		/* 中秋 Fri */
	is("2026-10-07", 0);		/* Wed */
	is("2026-10-10", 1);		/* Sat 上班 */
	is("2026-12-24", 1);
}

/*
 * What each notice says, counted: days off per run ("共N天") and each
 * make-up day with the weekday the notice gives it.  Checks the table's
 * runs against the notices' own totals, and the calendar arithmetic
 * against the notices' weekdays.
 */
static void
test_notice_totals(void **state)
{
	static const struct {
		int	 year;
		int	 off;		/* sum of 共N天 */
		int	 makeup;	/* number of 上班 days */
	} t[] = {
		{ 2022, 3 + 7 + 3 + 5 + 3 + 3 + 7, 7 },
		{ 2023, 3 + 7 + 1 + 5 + 3 + 8, 7 },
		{ 2024, 1 + 8 + 3 + 5 + 1 + 3 + 7, 8 },
		{ 2025, 1 + 8 + 3 + 5 + 3 + 8, 5 },
		{ 2026, 3 + 9 + 3 + 5 + 3 + 3 + 7, 6 },
	};
	const struct wf_cal_year *cy;
	size_t		 i, j;
	int		 off, day, known, y, m, d;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		cy = &wf_cal_years[t[i].year - WF_CAL_FIRST_YEAR];
		assert_int_equal(cy->year, t[i].year);
		assert_int_equal(cy->known, 1);
		assert_non_null(strstr(cy->notice, "国办发明电"));
		for (off = 0, j = 0; j < cy->noff; j++) {
			y = cy->off[j].from / 10000;
			m = cy->off[j].from / 100 % 100;
			d = cy->off[j].from % 100;
			for (day = wf_day_from_ymd(y, m, d);; day++) {
				assert_int_equal(wf_day_kind(day, &known),
				    WF_DAY_HOLIDAY);
				off++;
				wf_day_to_ymd(day, &y, &m, &d);
				if (y * 10000 + m * 100 + d == cy->off[j].to)
					break;
				assert_true(off < 400);
			}
		}
		assert_int_equal(off, t[i].off);
		assert_int_equal(cy->nmakeup, t[i].makeup);
		for (j = 0; j < cy->nmakeup; j++) {
			day = wf_day_from_ymd(cy->makeup[j] / 10000,
			    cy->makeup[j] / 100 % 100, cy->makeup[j] % 100);
			assert_true(wf_weekday(day) >= 6);
			assert_int_equal(wf_day_kind(day, &known),
			    WF_DAY_MAKEUP);
		}
	}
}

/* The notices' make-up days with their stated weekdays (6 Sat, 7 Sun). */
static void
test_makeup_weekdays(void **state)
{
	static const struct {
		const char	*date;
		int		 wd;
	} t[] = {
		{ "2022-01-29", 6 }, { "2022-01-30", 7 }, { "2022-04-02", 6 },
		{ "2022-04-24", 7 }, { "2022-05-07", 6 }, { "2022-10-08", 6 },
		{ "2022-10-09", 7 },
		{ "2023-01-28", 6 }, { "2023-01-29", 7 }, { "2023-04-23", 7 },
		{ "2023-05-06", 6 }, { "2023-06-25", 7 }, { "2023-10-07", 6 },
		{ "2023-10-08", 7 },
		{ "2024-02-04", 7 }, { "2024-02-18", 7 }, { "2024-04-07", 7 },
		{ "2024-04-28", 7 }, { "2024-05-11", 6 }, { "2024-09-14", 6 },
		{ "2024-09-29", 7 }, { "2024-10-12", 6 },
		{ "2025-01-26", 7 }, { "2025-02-08", 6 }, { "2025-04-27", 7 },
		{ "2025-09-28", 7 }, { "2025-10-11", 6 },
		{ "2026-01-04", 7 }, { "2026-02-14", 6 }, { "2026-02-28", 6 },
		{ "2026-05-09", 6 }, { "2026-09-20", 7 }, { "2026-10-10", 6 },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(wf_weekday(D(t[i].date)), t[i].wd);
		is(t[i].date, 1);
	}
}

/* --- where the table says nothing ------------------------------------ */

static void
test_2027_unknown(void **state)
{
	int	 known, day;

	(void)state;
	assert_false(wf_cal_year_known(2027));
	assert_false(wf_cal_year_known(2021));
	assert_false(wf_cal_year_known(2028));
	assert_true(wf_cal_year_known(2022));
	assert_true(wf_cal_year_known(2026));
	assert_int_equal(wf_cal_years[2027 - WF_CAL_FIRST_YEAR].year, 2027);
	assert_int_equal(wf_cal_years[2027 - WF_CAL_FIRST_YEAR].noff, 0);
	assert_int_equal(wf_cal_years[2027 - WF_CAL_FIRST_YEAR].nmakeup, 0);

	/* Fri 2027-01-01: Mon-Fri fallback, not authoritative. */
	known = 1;
	assert_int_equal(wf_is_working_day(D("2027-01-01"), &known), 1);
	assert_int_equal(known, 0);
	known = 1;
	assert_int_equal(wf_is_working_day(D("2027-01-02"), &known), 0);
	assert_int_equal(known, 0);
	/* Whole 2027: exactly Mon-Fri, never authoritative. */
	for (day = D("2027-01-01"); day <= D("2027-12-31"); day++) {
		assert_int_equal(wf_day_kind(day, &known),
		    wf_weekday(day) >= 6 ? WF_DAY_WEEKEND : WF_DAY_WORKDAY);
		assert_int_equal(known, 0);
	}
	/* Before the table, too. */
	wf_day_kind(D("2021-10-01"), &known);
	assert_int_equal(known, 0);
}

/*
 * A New Year arrangement can reach into late December (2023's made
 * 2022-12-31 a day off), so from 12-25 a year needs the next one's
 * notice as well.
 */
static void
test_late_december(void **state)
{
	int	 known;

	(void)state;
	wf_day_kind(D("2026-12-24"), &known);
	assert_int_equal(known, 1);
	wf_day_kind(D("2026-12-25"), &known);
	assert_int_equal(known, 0);
	wf_day_kind(D("2026-12-31"), &known);
	assert_int_equal(known, 0);
	wf_day_kind(D("2025-12-31"), &known);
	assert_int_equal(known, 1);
	wf_day_kind(D("2021-12-31"), &known);
	assert_int_equal(known, 0);
}

/* A count that crosses into unknown days says so; one that does not, not. */
static void
test_count_into_unknown(void **state)
{
	int	 known;

	(void)state;
	known = 1;
	assert_int_equal(wf_add_working_days(D("2026-11-27"), 10, &known),
	    D("2026-12-11"));
	assert_int_equal(known, 1);
	known = 1;
	assert_int_equal(wf_add_working_days(D("2026-12-20"), 10, &known),
	    D("2027-01-01"));
	assert_int_equal(known, 0);
	known = 1;
	wf_add_working_days(D("2026-12-18"), 4, &known);
	assert_int_equal(known, 1);		/* 12-21..12-24 */
	wf_add_working_days(D("2026-12-18"), 5, &known);
	assert_int_equal(known, 0);		/* 12-25 */
	assert_int_equal(wf_add_working_days(D("2026-12-18"), 5, NULL),
	    D("2026-12-25"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_day_numbers),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_weekday),
		cmocka_unit_test(test_unix),
		cmocka_unit_test(test_overdue),
		cmocka_unit_test(test_2022_spring_festival),
		cmocka_unit_test(test_2022_national_day),
		cmocka_unit_test(test_review_across_spring_festival),
		cmocka_unit_test(test_review_across_national_day),
		cmocka_unit_test(test_spot_checks),
		cmocka_unit_test(test_notice_totals),
		cmocka_unit_test(test_makeup_weekdays),
		cmocka_unit_test(test_2027_unknown),
		cmocka_unit_test(test_late_december),
		cmocka_unit_test(test_count_into_unknown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
