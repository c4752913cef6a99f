/* clock.c - UTC calendar arithmetic (proleptic Gregorian, 64-bit). */
#include <config.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"

static int64_t now_override;
static int now_is_set;

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/* Days since 1970-01-01 of a civil date; the era arithmetic keeps every
 * intermediate value non-negative so that integer division rounds down. */
int64_t uc_days_from_civil(int year, int month, int day)
{
	int64_t y = (int64_t)year - (month <= 2);
	int64_t era = floor_div(y, 400);
	int64_t yoe = y - era * 400;
	int64_t mp = (month + 9) % 12;
	int64_t doy = (153 * mp + 2) / 5 + day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int64_t uc_timegm(const struct uc_tm *tm)
{
	return uc_days_from_civil(tm->year, tm->month, tm->day) * 86400 +
	    tm->hour * 3600 + tm->min * 60 + tm->sec;
}

void uc_gmtime(int64_t t, struct uc_tm *tm)
{
	int64_t days = floor_div(t, 86400);
	int64_t secs = t - days * 86400;
	int64_t z = days + 719468;
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;

	tm->year = (int)(yoe + era * 400 + (m <= 2));
	tm->month = (int)m;
	tm->day = (int)d;
	tm->hour = (int)(secs / 3600);
	tm->min = (int)(secs / 60 % 60);
	tm->sec = (int)(secs % 60);
}

static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int days_in_month(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dm[m - 1];
}

bool uc_parse_rfc3339(const char *s, int64_t *out)
{
	struct uc_tm tm;
	size_t len = strlen(s);
	const char *p;
	int off = 0;

	if (len < 20 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    s[13] != ':' || s[16] != ':')
		return false;
	tm.year = digits(s, 4);
	tm.month = digits(s + 5, 2);
	tm.day = digits(s + 8, 2);
	tm.hour = digits(s + 11, 2);
	tm.min = digits(s + 14, 2);
	tm.sec = digits(s + 17, 2);
	if (tm.year < 0 || tm.month < 1 || tm.month > 12 || tm.day < 1 ||
	    tm.day > days_in_month(tm.year, tm.month) || tm.hour < 0 ||
	    tm.hour > 23 || tm.min < 0 || tm.min > 59 || tm.sec < 0 || tm.sec > 60)
		return false;
	if (tm.sec == 60)
		tm.sec = 59;	/* a leap second is the last second of the day */
	p = s + 19;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		off = 0;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
		int h = digits(p + 1, 2), m = digits(p + 4, 2);
		if (h < 0 || m < 0 || h > 23 || m > 59)
			return false;
		off = (h * 60 + m) * 60 * (*p == '-' ? -1 : 1);
	} else {
		return false;
	}
	*out = uc_timegm(&tm) - off;
	return true;
}

void uc_format_rfc3339(int64_t t, char buf[32])
{
	struct uc_tm tm;
	uc_gmtime(t, &tm);
	snprintf(buf, 32, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.year, tm.month,
		 tm.day, tm.hour, tm.min, tm.sec);
}

int64_t uc_days_left(int64_t not_after, int64_t now)
{
	return floor_div(not_after - now, 86400);
}

int64_t uc_now(void)
{
	if (now_is_set)
		return now_override;
	return (int64_t)time(NULL);
}

void uc_set_now(int64_t t)
{
	now_override = t;
	now_is_set = 1;
}

int64_t uc_monotonic_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
