/*
 * test-reminders.c: when a deadline gets its deadline_soon reminder and
 * when it is escalated (workflow: wf_soon_horizon, wf_escalation_horizon)
 * on the working-day calendar -- a make-up working day (调休上班) moves
 * the reminder, a holiday moves it the other way, an ordinary weekend
 * is skipped.  The scheduler (fcgi/sched/reminders.c) asks exactly
 * these; tests/e2e/e2e-duty.c checks the notification itself.
 *
 * Days are from the 2026 notice (国办发明电〔2025〕7号): 劳动节 05-01..05
 * off, Saturday 05-09 worked; 中秋节 09-25..27 and 国庆节 10-01..07 off,
 * Sunday 09-20 and Saturday 10-10 worked.  Expected days are counted by
 * hand from the notice, not read from the library's tables.
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

/* 10:00 CST on `date`, as a Unix instant. */
static long long
at10(const char *date)
{
	return wf_day_start_unix(D(date)) + 10 * 3600;
}

/* A deadline due at the end of `due`: reminded on `date` (1) or not. */
static void
soon(const char *date, const char *due, int want)
{
	int		 known = 1;
	long long	 h = wf_soon_horizon(at10(date), &known);

	if ((wf_day_end_unix(D(due)) <= h) != want)
		fail_msg("due %s, on %s: want %s", due, date,
		    want ? "deadline_soon" : "nothing yet");
	assert_int_equal(known, 1);
}

/* A deadline due at the end of `due`: escalated at `hour` on `date`. */
static void
escalated(const char *date, int hour, const char *due, int want)
{
	int		 known = 1;
	long long	 now = wf_day_start_unix(D(date)) + hour * 3600;
	long long	 h = wf_escalation_horizon(now, &known);

	if ((wf_day_end_unix(D(due)) <= h) != want)
		fail_msg("due %s, on %s %02d:00: want %s", due, date, hour,
		    want ? "escalated" : "not yet");
	assert_int_equal(known, 1);
}

/* Two working days before a Monday is the Thursday before. */
static void
test_ordinary_weekend(void **state)
{
	(void)state;
	soon("2026-06-03", "2026-06-08", 0);	/* Wednesday */
	soon("2026-06-04", "2026-06-08", 1);	/* Thursday */
	soon("2026-06-05", "2026-06-08", 1);
	soon("2026-06-07", "2026-06-08", 1);	/* Sunday, still not due */
}

/*
 * Due Monday 05-11 over the 调休 weekend: Saturday 05-09 is a working
 * day, so two working days before is Friday 05-08, not Thursday.
 */
static void
test_makeup_saturday(void **state)
{
	(void)state;
	soon("2026-05-07", "2026-05-11", 0);	/* Thursday: too early */
	soon("2026-05-08", "2026-05-11", 1);	/* Friday */
	soon("2026-05-09", "2026-05-11", 1);	/* the make-up Saturday */
	/* Due on the make-up Saturday itself: Thursday before. */
	soon("2026-05-06", "2026-05-09", 0);
	soon("2026-05-07", "2026-05-09", 1);
}

/*
 * Due Tuesday 09-22 after the make-up Sunday 09-20: reminded on that
 * Sunday (a working day), not on the Friday or Saturday before.
 */
static void
test_makeup_sunday(void **state)
{
	(void)state;
	soon("2026-09-18", "2026-09-22", 0);
	soon("2026-09-19", "2026-09-22", 0);
	soon("2026-09-20", "2026-09-22", 1);
}

/* Due Friday 10-09 after 国庆: two working days before is 09-30. */
static void
test_holiday(void **state)
{
	(void)state;
	soon("2026-09-29", "2026-10-09", 0);
	soon("2026-09-30", "2026-10-09", 1);
	soon("2026-10-03", "2026-10-09", 1);	/* a holiday: still before */
}

/*
 * Five working days overdue: due Monday 05-11, the fifth working day
 * after is Monday 05-18 (12, 13, 14, 15, 18); escalated from Tuesday
 * 05-19 00:00, not during 05-18.  Over 国庆: due 09-30, the working
 * days after are 10-08, 10-09, the make-up Saturday 10-10, 10-12 and
 * 10-13: escalated from 10-14.
 */
static void
test_escalation(void **state)
{
	(void)state;
	escalated("2026-05-18", 23, "2026-05-11", 0);
	escalated("2026-05-19", 0, "2026-05-11", 1);
	escalated("2026-10-13", 12, "2026-09-30", 0);
	escalated("2026-10-14", 0, "2026-09-30", 1);
	/* The make-up Saturday 05-09 counts: due 05-07, fifth 05-13. */
	escalated("2026-05-13", 23, "2026-05-07", 0);
	escalated("2026-05-14", 0, "2026-05-07", 1);
}

/* A year the calendar does not know is said to be provisional. */
static void
test_unknown_year(void **state)
{
	int	 known = 1;

	(void)state;
	(void)wf_soon_horizon(at10("2027-03-03"), &known);
	assert_int_equal(known, 0);
	known = 1;
	(void)wf_escalation_horizon(at10("2027-03-03"), &known);
	assert_int_equal(known, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ordinary_weekend),
		cmocka_unit_test(test_makeup_saturday),
		cmocka_unit_test(test_makeup_sunday),
		cmocka_unit_test(test_holiday),
		cmocka_unit_test(test_escalation),
		cmocka_unit_test(test_unknown_year),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
