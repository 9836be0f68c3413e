/*
 * calendar.c: day numbers, dates, and working days.
 *
 * A day number counts days since 1970-01-01 on the calendar of China
 * Standard Time: UTC+8 all year, no daylight saving since 1991, so it is
 * plain arithmetic and needs no time-zone files.  The proleptic
 * Gregorian conversions are Howard Hinnant's days_from_civil and
 * civil_from_days (http://howardhinnant.github.io/date_algorithms.html).
 */
#include "workflow.h"

#define SECS_PER_DAY	86400LL

/* Floor division (b > 0) for a possibly negative dividend. */
static long long
floordiv(long long a, long long b)
{

	return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

static int
leap(int y)
{

	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int y, int m)
{
	static const int dim[12] =
	    { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && leap(y) ? 29 : dim[m - 1];
}

/*
 * The day number of y-m-d (m 1..12, d 1..31; not range-checked: a day
 * past the month's end counts on into the next).
 */
int
wf_day_from_ymd(int y, int m, int d)
{
	int	 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The year, month (1..12) and day (1..31) of a day number. */
void
wf_day_to_ymd(int day, int *y, int *m, int *d)
{
	int	 z, era, doe, yoe, doy, mp;

	z = day + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

static int
digits(const char *s, int n, int *out)
{
	int	 i, v = 0, rc = -1;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			goto out;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	rc = 0;
out:
	return rc;
}

/*
 * Parse exactly "YYYY-MM-DD" (ten characters, ASCII digits, nothing
 * before or after).  Returns WF_DATE_OK and sets *day; WF_DATE_BAD_FORMAT
 * when the shape is wrong (month 00 or 13 included);
 * WF_DATE_NO_SUCH_DAY when the month has no such day (2023-02-29,
 * 2022-04-31, day 00) or the year is 0000.  *day is left alone on error.
 */
enum wf_date_status
wf_date_parse(const char *s, int *day)
{
	enum wf_date_status	 st = WF_DATE_BAD_FORMAT;
	int			 y, m, d;

	if (s == NULL || digits(s, 4, &y) == -1 || s[4] != '-' ||
	    digits(s + 5, 2, &m) == -1 || s[7] != '-' ||
	    digits(s + 8, 2, &d) == -1 || s[10] != '\0')
		goto out;
	if (m < 1 || m > 12)
		goto out;
	st = WF_DATE_NO_SUCH_DAY;
	if (y < 1 || d < 1 || d > days_in_month(y, m))
		goto out;
	*day = wf_day_from_ymd(y, m, d);
	st = WF_DATE_OK;
out:
	return st;
}

/*
 * Write the day as "YYYY-MM-DD" and a NUL into out.  Returns 0, or -1
 * (out set to "") when the year is outside 1..9999.
 */
int
wf_date_format(int day, char out[WF_DATE_LEN + 1])
{
	int	 y, m, d, i, rc = -1;

	out[0] = '\0';
	wf_day_to_ymd(day, &y, &m, &d);
	if (y < 1 || y > 9999)
		goto out;
	for (i = 3; i >= 0; i--, y /= 10)
		out[i] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = '\0';
	rc = 0;
out:
	return rc;
}

/* ISO weekday of a day number: 1 Monday .. 7 Sunday. */
int
wf_weekday(int day)
{
	long long	 a = (long long)day + 3;

	/* Day 0, 1970-01-01, was a Thursday: (0 + 3) mod 7 + 1 = 4. */
	return (int)(a - 7 * floordiv(a, 7)) + 1;
}

/* The CST day a Unix instant falls on. */
int
wf_day_of_unix(long long t)
{

	return (int)floordiv(t + WF_UTC_OFFSET, SECS_PER_DAY);
}

/* The first second (00:00:00 CST) of a day, as a Unix instant. */
long long
wf_day_start_unix(int day)
{

	return (long long)day * SECS_PER_DAY - WF_UTC_OFFSET;
}

/*
 * The last second (23:59:59 CST) of a day, as a Unix instant: when a
 * deadline falling on that day is due.
 */
long long
wf_day_end_unix(int day)
{

	return wf_day_start_unix(day) + SECS_PER_DAY - 1;
}

/*
 * Whether a day is worked: a Monday..Friday no notice gives off, or a
 * weekend day a notice makes a make-up working day (调休上班).  If known
 * is not NULL, *known is set to 0 when the calendar for that day is not
 * authoritative (see wf_day_kind()) and left alone otherwise, so one
 * flag can collect a whole computation.
 */
int
wf_is_working_day(int day, int *known)
{
	int	 k = 1, work = 0;

	switch (wf_day_kind(day, &k)) {
	case WF_DAY_WORKDAY:
	case WF_DAY_MAKEUP:
		work = 1;
		break;
	case WF_DAY_WEEKEND:
	case WF_DAY_HOLIDAY:
	case WF_DAY__MAX:
		break;
	}
	if (known != NULL && !k)
		*known = 0;
	return work;
}

/*
 * The n-th working day after `day`: the basis day itself is not counted,
 * so 1 is the next working day (and 0 is `day` itself; negative n is
 * taken as 0).  *known, if not NULL, is cleared when any day looked at
 * lies where the calendar is not authoritative, and left alone otherwise.
 */
int
wf_add_working_days(int day, int n, int *known)
{

	while (n > 0) {
		day++;
		if (wf_is_working_day(day, known))
			n--;
	}
	return day;
}

/* The n-th natural day after `day` (n may be negative). */
int
wf_add_days(int day, int n)
{

	return day + n;
}

/* The instant `hours` hours after t. */
long long
wf_add_hours(long long t, int hours)
{

	return t + (long long)hours * 3600;
}

/*
 * Whether a deadline due at instant `due` is overdue at instant `now`:
 * only strictly after it, so a deadline due 23:59:59 is met at that
 * second and overdue from 00:00:00 the next day.
 */
int
wf_overdue(long long due, long long now)
{

	return now > due;
}
