/* check_clock.c - days left, calendar arithmetic, RFC 3339. The C library
 * (timegm, gmtime_r) is the independent oracle. */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "clock.h"

#define DAY INT64_C(86400)
#define T0 INT64_C(1798761600)	/* 2027-01-01T00:00:00Z */

static int64_t libc_timegm(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
			 .tm_hour = h, .tm_min = mi, .tm_sec = s };
	return (int64_t)timegm(&tm);
}

static int64_t uc_tm(int y, int mo, int d, int h, int mi, int s)
{
	struct uc_tm tm = { y, mo, d, h, mi, s };
	return uc_timegm(&tm);
}

/* ---- days left ---------------------------------------------------------- */

START_TEST(test_days_left_boundaries)
{
	int64_t na = T0 + 30 * DAY;

	ck_assert_int_eq(uc_days_left(na, na), 0);		/* exactly notAfter */
	ck_assert_int_eq(uc_days_left(na, na + 1), -1);		/* one second later */
	ck_assert_int_eq(uc_days_left(na, na - 86399), 0);
	ck_assert_int_eq(uc_days_left(na, na - 86400), 1);
	ck_assert_int_eq(uc_days_left(na, na - 86401), 1);
	ck_assert_int_eq(uc_days_left(na, na - 2 * 86400 + 1), 1);
	ck_assert_int_eq(uc_days_left(na, na - 30 * DAY), 30);
	ck_assert_int_eq(uc_days_left(na, na + 86400), -1);
	ck_assert_int_eq(uc_days_left(na, na + 86401), -2);
	ck_assert_int_eq(uc_days_left(na, na + 365 * DAY), -365);
	/* far future and before the epoch */
	ck_assert_int_eq(uc_days_left(INT64_C(253402300799), T0), (253402300799 - T0) / DAY);
	ck_assert_int_eq(uc_days_left(-1, 0), -1);
	ck_assert_int_eq(uc_days_left(-DAY, 0), -1);
	ck_assert_int_eq(uc_days_left(-DAY - 1, 0), -2);
}
END_TEST

/* ---- calendar ----------------------------------------------------------- */

START_TEST(test_leap_years)
{
	struct uc_tm tm;

	/* 2028-02-29 exists */
	ck_assert_int_eq(uc_tm(2028, 2, 29, 0, 0, 0), INT64_C(1835395200));
	uc_gmtime(INT64_C(1835395200), &tm);
	ck_assert_int_eq(tm.year, 2028);
	ck_assert_int_eq(tm.month, 2);
	ck_assert_int_eq(tm.day, 29);
	ck_assert_int_eq(uc_tm(2029, 1, 1, 0, 0, 0) - uc_tm(2028, 1, 1, 0, 0, 0), 366 * DAY);
	/* 2100 is not a leap year: the day after 02-28 is 03-01 */
	uc_gmtime(uc_tm(2100, 2, 28, 12, 0, 0) + DAY, &tm);
	ck_assert_int_eq(tm.month, 3);
	ck_assert_int_eq(tm.day, 1);
	ck_assert_int_eq(uc_tm(2101, 1, 1, 0, 0, 0) - uc_tm(2100, 1, 1, 0, 0, 0), 365 * DAY);
	ck_assert_int_eq(uc_tm(2100, 3, 1, 0, 0, 0), INT64_C(4107542400));
	/* 2000 is one (divisible by 400) */
	ck_assert_int_eq(uc_tm(2000, 2, 29, 0, 0, 0), INT64_C(951782400));
	uc_gmtime(uc_tm(2000, 2, 28, 12, 0, 0) + DAY, &tm);
	ck_assert_int_eq(tm.month, 2);
	ck_assert_int_eq(tm.day, 29);
	ck_assert_int_eq(uc_tm(2001, 1, 1, 0, 0, 0) - uc_tm(2000, 1, 1, 0, 0, 0), 366 * DAY);
	ck_assert_int_eq(uc_tm(1901, 1, 1, 0, 0, 0) - uc_tm(1900, 1, 1, 0, 0, 0), 365 * DAY);
}
END_TEST

/* Every day from 1900 to 2400, at a moving time of day, against libc. */
START_TEST(test_calendar_range)
{
	struct tm lt;
	struct uc_tm tm;
	int64_t start = libc_timegm(1900, 1, 1, 0, 0, 0);
	int64_t end = libc_timegm(2401, 1, 1, 0, 0, 0);
	int64_t step = 0;

	for (int64_t day = start; day < end; day += DAY, step++) {
		int64_t t = day + (step * 7919) % DAY;
		time_t tt = (time_t)t;
		ck_assert(gmtime_r(&tt, &lt));
		uc_gmtime(t, &tm);
		if (tm.year != lt.tm_year + 1900 || tm.month != lt.tm_mon + 1 ||
		    tm.day != lt.tm_mday || tm.hour != lt.tm_hour ||
		    tm.min != lt.tm_min || tm.sec != lt.tm_sec)
			ck_abort_msg("uc_gmtime(%lld) = %04d-%02d-%02d %02d:%02d:%02d, libc %04d-%02d-%02d %02d:%02d:%02d",
				     (long long)t, tm.year, tm.month, tm.day, tm.hour, tm.min, tm.sec,
				     lt.tm_year + 1900, lt.tm_mon + 1, lt.tm_mday,
				     lt.tm_hour, lt.tm_min, lt.tm_sec);
		if (uc_timegm(&tm) != t)
			ck_abort_msg("uc_timegm(uc_gmtime(%lld)) = %lld", (long long)t,
				     (long long)uc_timegm(&tm));
		if (uc_days_from_civil(tm.year, tm.month, tm.day) * DAY != day)
			ck_abort_msg("uc_days_from_civil(%04d-%02d-%02d)", tm.year, tm.month, tm.day);
	}
}
END_TEST

/* Certificates reach year 9999; before the epoch matters for 1950. */
START_TEST(test_calendar_extremes)
{
	static const int64_t ts[] = { 0, -1, INT64_C(-631152000), INT64_C(-62135596800),
		INT64_C(253402300799), INT64_C(2524607999), INT64_C(2524608000) };
	struct uc_tm tm;
	struct tm lt;

	for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
		time_t tt = (time_t)ts[i];
		ck_assert(gmtime_r(&tt, &lt));
		uc_gmtime(ts[i], &tm);
		ck_assert_int_eq(tm.year, lt.tm_year + 1900);
		ck_assert_int_eq(tm.month, lt.tm_mon + 1);
		ck_assert_int_eq(tm.day, lt.tm_mday);
		ck_assert_int_eq(tm.hour, lt.tm_hour);
		ck_assert_int_eq(tm.min, lt.tm_min);
		ck_assert_int_eq(tm.sec, lt.tm_sec);
		ck_assert_int_eq(uc_timegm(&tm), ts[i]);
	}
	ck_assert_int_eq(uc_tm(9999, 12, 31, 23, 59, 59), INT64_C(253402300799));
	ck_assert_int_eq(uc_tm(1, 1, 1, 0, 0, 0), INT64_C(-62135596800));
}
END_TEST

/* ---- RFC 3339 ----------------------------------------------------------- */

static const struct {
	const char *text;
	int64_t t;
} valid_times[] = {
	{ "2027-01-01T00:00:00Z", T0 },
	{ "2027-01-01t00:00:00z", T0 },
	{ "2027-01-01 00:00:00Z", T0 },
	{ "2027-01-01T00:00:00.999Z", T0 },	/* fractions are dropped */
	{ "2027-01-01T00:00:00+00:00", T0 },
	{ "2027-01-01T00:00:00-00:00", T0 },
	{ "2027-01-01T02:00:00+02:00", T0 },	/* an offset is honoured */
	{ "2026-12-31T19:00:00-05:00", T0 },
	{ "2027-01-01T05:30:00+05:30", T0 },
	{ "2028-02-29T12:00:00Z", INT64_C(1835438400) },
	{ "2000-02-29T00:00:00Z", INT64_C(951782400) },
	{ "1970-01-01T00:00:00Z", 0 },
	{ "2049-12-31T23:59:59Z", INT64_C(2524607999) },
	{ "9999-12-31T23:59:59Z", INT64_C(253402300799) },
	{ "2016-12-31T23:59:60Z", INT64_C(1483228799) },	/* leap second */
};

START_TEST(test_parse_valid)
{
	int64_t t = 42;

	ck_assert_msg(uc_parse_rfc3339(valid_times[_i].text, &t), "%s rejected",
		      valid_times[_i].text);
	ck_assert_int_eq(t, valid_times[_i].t);
}
END_TEST

static const char *const invalid_times[] = {
	"",
	"2027-13-01T00:00:00Z",		/* month 13 */
	"2027-00-01T00:00:00Z",
	"2027-01-00T00:00:00Z",
	"2027-01-32T00:00:00Z",
	"2027-02-30T00:00:00Z",		/* February 30 */
	"2027-02-29T00:00:00Z",		/* not a leap year */
	"2100-02-29T00:00:00Z",
	"2027-04-31T00:00:00Z",
	"2027-01-01T24:00:00Z",
	"2027-01-01T00:60:00Z",
	"2027-01-01T00:00:61Z",
	"2027-01-01T00:00:00",		/* no Z */
	"2027-01-01T00:00:00ZZ",
	"2027-01-01T00:00:00Z ",
	"2027-01-01T00:00Z",
	"2027-01-01",
	"2027-01-01X00:00:00Z",
	"2027/01/01T00:00:00Z",
	"27-01-01T00:00:00Z",
	"2027-1-01T00:00:00Z",
	"2027-01-01T00:00:00.Z",
	"2027-01-01T00:00:00+02",
	"2027-01-01T00:00:00+0200",
	"2027-01-01T00:00:00+2:00",
	"2027-01-01T00:00:00+24:00",
	"2027-01-01T00:00:00+02:60",
	"2027-01-01T00:00:00+02:00Z",
	"2O27-01-01T00:00:00Z",
	"+2027-01-01T00:00:00Z",
	"yesterday",
	"1798761600",
};

START_TEST(test_parse_invalid)
{
	int64_t t = 42;

	ck_assert_msg(!uc_parse_rfc3339(invalid_times[_i], &t), "\"%s\" accepted as %lld",
		      invalid_times[_i], (long long)t);
	ck_assert_int_eq(t, 42);	/* untouched */
}
END_TEST

START_TEST(test_format)
{
	char buf[32];

	uc_format_rfc3339(0, buf);
	ck_assert_str_eq(buf, "1970-01-01T00:00:00Z");
	uc_format_rfc3339(-1, buf);
	ck_assert_str_eq(buf, "1969-12-31T23:59:59Z");
	uc_format_rfc3339(T0 - 1, buf);
	ck_assert_str_eq(buf, "2026-12-31T23:59:59Z");
	uc_format_rfc3339(INT64_C(1835438400), buf);
	ck_assert_str_eq(buf, "2028-02-29T12:00:00Z");
	uc_format_rfc3339(INT64_C(2524608000), buf);
	ck_assert_str_eq(buf, "2050-01-01T00:00:00Z");
	uc_format_rfc3339(INT64_C(253402300799), buf);
	ck_assert_str_eq(buf, "9999-12-31T23:59:59Z");
	uc_format_rfc3339(INT64_C(-631152000), buf);
	ck_assert_str_eq(buf, "1950-01-01T00:00:00Z");
}
END_TEST

/* What format writes, parse reads back, and libc's strftime agrees. */
START_TEST(test_format_parse_roundtrip)
{
	uint64_t x = UINT64_C(0x2545f4914f6cdd1d);

	for (int i = 0; i < 20000; i++) {
		char buf[32], expected[32];
		int64_t back;
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		int64_t t = (int64_t)(x % UINT64_C(253402300800));	/* 1970..9999 */
		time_t tt = (time_t)t;
		struct tm lt;
		gmtime_r(&tt, &lt);
		strftime(expected, sizeof expected, "%Y-%m-%dT%H:%M:%SZ", &lt);
		uc_format_rfc3339(t, buf);
		ck_assert_str_eq(buf, expected);
		ck_assert_msg(uc_parse_rfc3339(buf, &back), "%s rejected", buf);
		ck_assert_int_eq(back, t);
	}
}
END_TEST

START_TEST(test_now_override)
{
	int64_t before = (int64_t)time(NULL);
	int64_t now = uc_now();

	ck_assert_int_ge(now, before);
	ck_assert_int_le(now, (int64_t)time(NULL));
	uc_set_now(T0);
	ck_assert_int_eq(uc_now(), T0);
	uc_set_now(0);		/* the epoch is an override too, not "unset" */
	ck_assert_int_eq(uc_now(), 0);
}
END_TEST

Suite *clock_suite(void)
{
	Suite *s = suite_create("clock");
	TCase *tc = tcase_create("clock");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_days_left_boundaries);
	tcase_add_test(tc, test_leap_years);
	tcase_add_test(tc, test_calendar_range);
	tcase_add_test(tc, test_calendar_extremes);
	tcase_add_loop_test(tc, test_parse_valid, 0, sizeof valid_times / sizeof valid_times[0]);
	tcase_add_loop_test(tc, test_parse_invalid, 0,
			    sizeof invalid_times / sizeof invalid_times[0]);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_format_parse_roundtrip);
	tcase_add_test(tc, test_now_override);
	suite_add_tcase(s, tc);
	return s;
}
