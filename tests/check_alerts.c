/* check_alerts.c - bands and due notifications, without SNMP. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alerts.h"
#include "check.h"
#include "settings.h"

static struct uc_settings *settings(const char *extra)
{
	char *dir = tk_tmpdir();
	char *path = tk_printf("%s/uccert.conf", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%s\nclusters = ( { name = \"c\"; nodes = ( { name = \"n\"; "
		"role = \"publisher\"; cert_dir = \"%s\"; } ); } );\n", extra, dir);
	fclose(f);
	struct uc_diag d = { 0 };
	struct uc_settings *s = uc_settings_load(path, &d);
	ck_assert_msg(s != NULL, "%s", d.nerrors ? d.errors[0] : "?");
	uc_diag_free(&d);
	free(path);
	free(dir);
	return s;
}

START_TEST(test_bands)
{
	struct uc_settings *s = settings("");
	ck_assert_int_eq(uc_band(s, UC_IMPACT_NONE, 91, false), UC_BAND_NONE);
	ck_assert_int_eq(uc_band(s, UC_IMPACT_NONE, 90, false), 90);
	ck_assert_int_eq(uc_band(s, UC_IMPACT_NONE, 61, false), 90);
	ck_assert_int_eq(uc_band(s, UC_IMPACT_NONE, 60, false), 60);
	ck_assert_int_eq(uc_band(s, UC_IMPACT_NONE, 15, false), 30);
	ck_assert_int_eq(uc_band(s, UC_IMPACT_NONE, 14, false), 14);
	ck_assert_int_eq(uc_band(s, UC_IMPACT_NONE, 0, false), 1);
	ck_assert_int_eq(uc_band(s, UC_IMPACT_NONE, 0, true), UC_BAND_EXPIRED);
	uc_settings_free(s);

	s = settings("threshold_days_ctl_itl = 120;");
	ck_assert_int_eq(uc_band(s, UC_IMPACT_CTL_ITL, 100, false), 120);
	ck_assert_int_eq(uc_band(s, UC_IMPACT_NONE, 100, false), UC_BAND_NONE);
	uc_settings_free(s);
}
END_TEST

static struct uc_alert_obs obs(const char *key, int band, int64_t days)
{
	struct uc_alert_obs o = { key, band, { 1, "c", "n", "tomcat", "CN=x", "01",
		UC_STORE_OWN, UC_IMPACT_NONE, 0, days } };
	return o;
}

/* Run one evaluation, mark everything sent, return "kind:band" list. */
static char *round_(struct uc_alerts *a, const struct uc_alert_obs *o, size_t n,
		    int64_t now, int repeat)
{
	const struct uc_notice *due;
	size_t k = uc_alerts_due(a, o, n, NULL, NULL, now, repeat, &due);
	char *out = strdup("");
	for (size_t i = 0; i < k; i++) {
		char *next = tk_printf("%s%d:%d;", out, due[i].kind, due[i].band);
		free(out);
		out = next;
		uc_alerts_mark_sent(a, i, now);
	}
	return out;
}

#define ROUND(expect, ...) do { \
	struct uc_alert_obs o_[] = { __VA_ARGS__ }; \
	char *r_ = round_(a, o_, sizeof o_ / sizeof o_[0], now, repeat); \
	ck_assert_str_eq(r_, expect); \
	free(r_); \
} while (0)

START_TEST(test_exactly_once)
{
	struct uc_alerts *a = uc_alerts_open(NULL);
	int64_t now = 0;
	int repeat = 0;

	ROUND("", obs("k", UC_BAND_NONE, 100));
	ROUND("1:90;", obs("k", 90, 90));
	ROUND("", obs("k", 90, 89));
	ROUND("1:14;", obs("k", 14, 14));	/* 60 and 30 skipped: one */
	ROUND("", obs("k", 14, 13));
	ROUND("2:-1;", obs("k", UC_BAND_EXPIRED, -1));	/* expired only */
	ROUND("", obs("k", UC_BAND_EXPIRED, -2));
	ROUND("3:2147483647;");	/* gone: cleared */
	ROUND("");	/* and forgotten */
	uc_alerts_free(a);
}
END_TEST

START_TEST(test_unsent_stays_due)
{
	struct uc_alerts *a = uc_alerts_open(NULL);
	const struct uc_notice *due;
	struct uc_alert_obs o = obs("k", 60, 50);

	ck_assert_uint_eq(uc_alerts_due(a, &o, 1, NULL, NULL, 0, 0, &due), 1);
	/* not marked sent: the master was away */
	ck_assert_uint_eq(uc_alerts_due(a, &o, 1, NULL, NULL, 0, 0, &due), 1);
	ck_assert_int_eq(due[0].kind, UC_NOTICE_EXPIRING);
	uc_alerts_mark_sent(a, 0, 0);
	ck_assert_uint_eq(uc_alerts_due(a, &o, 1, NULL, NULL, 0, 0, &due), 0);
	uc_alerts_free(a);
}
END_TEST

static bool all_failed(const char *cluster, const char *node, void *ctx)
{
	(void)cluster, (void)node, (void)ctx;
	return true;
}

START_TEST(test_failed_source_keeps)
{
	struct uc_alerts *a = uc_alerts_open(NULL);
	const struct uc_notice *due;
	struct uc_alert_obs o = obs("k", 30, 20);

	ck_assert_uint_eq(uc_alerts_due(a, &o, 1, NULL, NULL, 0, 0, &due), 1);
	uc_alerts_mark_sent(a, 0, 0);
	/* the source could not be read: not cleared */
	ck_assert_uint_eq(uc_alerts_due(a, NULL, 0, all_failed, NULL, 0, 0, &due), 0);
	/* read again, still there: nothing new */
	ck_assert_uint_eq(uc_alerts_due(a, &o, 1, NULL, NULL, 0, 0, &due), 0);
	uc_alerts_free(a);
}
END_TEST

START_TEST(test_repeat_and_persistence)
{
	char *dir = tk_tmpdir();
	char *path = tk_printf("%s/alerts", dir);
	struct uc_alerts *a = uc_alerts_open(path);
	int64_t now = 1000000;
	int repeat = 2;

	ROUND("2:-1;", obs("k\tweird\nkey", UC_BAND_EXPIRED, -1));
	now += 86400;
	ROUND("", obs("k\tweird\nkey", UC_BAND_EXPIRED, -2));
	now += 86400;
	ROUND("2:-1;", obs("k\tweird\nkey", UC_BAND_EXPIRED, -3));
	ck_assert(uc_alerts_save(a));
	uc_alerts_free(a);

	a = uc_alerts_open(path);	/* restart: nothing new */
	ROUND("", obs("k\tweird\nkey", UC_BAND_EXPIRED, -3));
	uc_alerts_free(a);

	FILE *f = fopen(path, "w");
	fputs("uccert-alerts 1\ngarbage\n", f);
	fclose(f);
	a = uc_alerts_open(path);	/* corrupt: aside, one per certificate */
	char *aside = tk_printf("%s.corrupt", path);
	ck_assert_int_eq(access(aside, F_OK), 0);
	ROUND("2:-1;", obs("k\tweird\nkey", UC_BAND_EXPIRED, -3));
	uc_alerts_free(a);
	free(aside);
	free(path);
	free(dir);
}
END_TEST

Suite *alerts_suite(void)
{
	Suite *s = suite_create("alerts");
	TCase *tc = tcase_create("alerts");
	tcase_add_test(tc, test_bands);
	tcase_add_test(tc, test_exactly_once);
	tcase_add_test(tc, test_unsent_stays_due);
	tcase_add_test(tc, test_failed_source_keeps);
	tcase_add_test(tc, test_repeat_and_persistence);
	suite_add_tcase(s, tc);
	return s;
}
