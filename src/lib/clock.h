/* clock.h - UTC calendar arithmetic without the C library's time zone state. */
#ifndef UCCERT_CLOCK_H
#define UCCERT_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct uc_tm {
	int year, month, day, hour, min, sec;	/* month 1-12, day 1-31 */
};

int64_t uc_days_from_civil(int year, int month, int day);
int64_t uc_timegm(const struct uc_tm *tm);	/* no range check */
void uc_gmtime(int64_t t, struct uc_tm *tm);
/* Parse "YYYY-MM-DDTHH:MM:SSZ"; also lowercase t/z, a space for T,
 * fractional seconds (ignored) and a +HH:MM / -HH:MM offset (converted to
 * UTC). Returns false on anything else. */
bool uc_parse_rfc3339(const char *s, int64_t *out);
/* "YYYY-MM-DDTHH:MM:SSZ" into buf[21]. */
void uc_format_rfc3339(int64_t t, char buf[32]);
/* floor((not_after - now) / 86400) */
int64_t uc_days_left(int64_t not_after, int64_t now);
/* CLOCK_MONOTONIC in microseconds: for timeouts and pacing, never dates. */
int64_t uc_monotonic_us(void);
/* Current time, or the --now override if one was set. */
int64_t uc_now(void);
void uc_set_now(int64_t t);

#endif
