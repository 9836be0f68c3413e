/*
 * clock.c: now, and the one timestamp format of records and replies
 * (RFC 3339 in UTC with microseconds, as rfc3339() in SQL writes it).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base.h"

/* Now, in microseconds since the epoch. */
long long
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * RFC 3339 UTC with microseconds, as rfc3339() in SQL writes it, into
 * `out` (TIME_LEN bytes): "2026-01-02T03:04:05.123456Z".  Days to a
 * civil date by Howard Hinnant's algorithm, without gmtime and strftime
 * -- verify formats every event's time; outside 1970-9999 gmtime.
 */
void
format_time(long long us, char *out)
{
	long long	 z, secs, rem;
	unsigned	 doe, yoe, doy, mp, d, m, y, hh, mm, ss, i;
	time_t		 t;
	struct tm	 tm;
	size_t		 n;

	if (us < 0 || us >= 253402300800000000LL) {
		t = (time_t)(us / 1000000);
		gmtime_r(&t, &tm);
		n = strftime(out, TIME_LEN, "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(out + n, TIME_LEN - n, ".%06lldZ",
		    (us % 1000000 + 1000000) % 1000000);
		return;
	}
	secs = us / 1000000;
	rem = secs % 86400;
	z = secs / 86400 + 719468;
	doe = (unsigned)(z % 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = (unsigned)(z / 146097) * 400 + yoe + (m <= 2);
	hh = (unsigned)(rem / 3600);
	mm = (unsigned)(rem / 60 % 60);
	ss = (unsigned)(rem % 60);
	memcpy(out, "0000-00-00T00:00:00.000000Z", TIME_LEN);
	out[0] += (char)(y / 1000);
	out[1] += (char)(y / 100 % 10);
	out[2] += (char)(y / 10 % 10);
	out[3] += (char)(y % 10);
	out[5] += (char)(m / 10);
	out[6] += (char)(m % 10);
	out[8] += (char)(d / 10);
	out[9] += (char)(d % 10);
	out[11] += (char)(hh / 10);
	out[12] += (char)(hh % 10);
	out[14] += (char)(mm / 10);
	out[15] += (char)(mm % 10);
	out[17] += (char)(ss / 10);
	out[18] += (char)(ss % 10);
	for (i = 0, rem = us % 1000000; i < 6; i++, rem /= 10)
		out[25 - i] += (char)(rem % 10);
}
