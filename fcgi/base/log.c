/*
 * log.c: one line per message on standard error, written with a single
 * write(2) so lines from different threads never interleave.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base.h"

static void log_line(const char *, const char *, va_list)
    __attribute__((format(printf, 2, 0)));

static void
log_line(const char *level, const char *fmt, va_list ap)
{
	char		 buf[2048];
	struct timespec	 ts;
	struct tm	 tm;
	size_t		 n;
	int		 k;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	k = snprintf(buf + n, sizeof(buf) - n, ".%03ldZ %s ",
	    ts.tv_nsec / 1000000, level);
	if (k > 0)
		n += (size_t)k;
	k = vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	if (k > 0)
		n += (size_t)k < sizeof(buf) - n - 1 ?
		    (size_t)k : sizeof(buf) - n - 2;
	buf[n++] = '\n';
	(void)!write(STDERR_FILENO, buf, n);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_line("info", fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_line("warn", fmt, ap);
	va_end(ap);
}

void
log_error(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_line("error", fmt, ap);
	va_end(ap);
}
