/* check_alerts.c - bands and due notifications, without SNMP. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alerts.h"
#include "check.h"
#include "outbox.h"
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


/* Acknowledged notices reach the journal at once: a process killed before
 * any save (no uc_alerts_save, no free) does not send them again, and a
 * line cut short by the kill is skipped, not taken for corruption. */
START_TEST(test_journal_survives_kill)
{
	char *dir = tk_tmpdir();
	char *path = tk_printf("%s/alerts", dir);
	char *journal = tk_printf("%s/alerts.journal", dir);
	struct uc_alerts *a = uc_alerts_open(path);
	const struct uc_notice *due;
	struct uc_alert_obs o[] = { obs("k1", 30, 20), obs("k2", UC_BAND_EXPIRED, -3),
				    obs("k3", 90, 80) };

	ck_assert_uint_eq(uc_alerts_due(a, o, 3, NULL, NULL, 100, 0, &due), 3);
	struct uc_notice copy[3];
	memcpy(copy, due, sizeof copy);
	uc_alerts_ack(a, &copy[0], 100);
	uc_alerts_ack(a, &copy[1], 100);
	ck_assert(uc_alerts_flush(a));
	ck_assert_uint_eq(uc_alerts_journaled(a), 2);
	/* "killed": the state file was never written */
	struct stat st;
	ck_assert_int_ne(stat(path, &st), 0);
	FILE *f = fopen(journal, "a");
	fputs("30\t100\t1\t1", f);	/* a write cut short */
	fclose(f);

	struct uc_alerts *b = uc_alerts_open(path);
	ck_assert_uint_eq(uc_alerts_due(b, o, 3, NULL, NULL, 100, 0, &due), 1);
	ck_assert_str_eq(due[0].key, "k3");
	/* the replay was folded into the file and the journal emptied */
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(stat(journal, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
	uc_alerts_free(b);
	uc_alerts_free(a);	/* the abandoned one */
	free(journal);
	free(path);
	free(dir);
}
END_TEST

/* An acknowledgement that arrives after a rescan (due list rebuilt) or for
 * a certificate that vanished meanwhile is still recorded, and a clearing
 * one follows for the vanished certificate. */
START_TEST(test_late_ack)
{
	struct uc_alerts *a = uc_alerts_open(NULL);
	const struct uc_notice *due;
	struct uc_alert_obs o = obs("k", 30, 20);

	ck_assert_uint_eq(uc_alerts_due(a, &o, 1, NULL, NULL, 0, 0, &due), 1);
	struct uc_notice n = due[0];
	n.key = "k";
	n.facts.cluster = "c", n.facts.node = "n", n.facts.unit = "tomcat";
	n.facts.subject = "CN=x", n.facts.serial = "01";
	/* gone before the answer came: never notified, forgotten */
	ck_assert_uint_eq(uc_alerts_due(a, NULL, 0, NULL, NULL, 0, 0, &due), 0);
	ck_assert_uint_eq(uc_alerts_due(a, NULL, 0, NULL, NULL, 0, 0, &due), 0);
	uc_alerts_ack(a, &n, 0);
	ck_assert_uint_eq(uc_alerts_due(a, NULL, 0, NULL, NULL, 0, 0, &due), 1);
	ck_assert_int_eq(due[0].kind, UC_NOTICE_CLEARED);
	uc_alerts_free(a);
}
END_TEST

/* A save that cannot be written is counted until one succeeds. */
START_TEST(test_state_errors)
{
	char *dir = tk_tmpdir();
	char *sub = tk_printf("%s/gone", dir);
	char *path = tk_printf("%s/alerts", sub);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	struct uc_alerts *a = uc_alerts_open(path);
	const struct uc_notice *due;
	struct uc_alert_obs o = obs("k", 30, 20);
	ck_assert_uint_eq(uc_alerts_due(a, &o, 1, NULL, NULL, 0, 0, &due), 1);
	ck_assert_int_eq(rmdir(sub), 0);	/* the directory disappears */
	uc_alerts_mark_sent(a, 0, 0);
	ck_assert(!uc_alerts_flush(a));
	ck_assert(!uc_alerts_save(a));
	ck_assert_uint_eq(uc_alerts_state_errors(a), 2);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	ck_assert(uc_alerts_save(a));
	ck_assert_uint_eq(uc_alerts_state_errors(a), 0);
	uc_alerts_free(a);
	a = uc_alerts_open(path);
	ck_assert_uint_eq(uc_alerts_due(a, &o, 1, NULL, NULL, 0, 0, &due), 0);
	uc_alerts_free(a);
	free(path);
	free(sub);
	free(dir);
}
END_TEST

static struct uc_notice notice(const char *key, enum uc_notice_kind kind, int64_t days,
			       enum uc_impact impact, uint32_t index)
{
	struct uc_notice n = { key, kind, kind == UC_NOTICE_EXPIRED ? UC_BAND_EXPIRED : 30,
		{ index, "c", "n", "u", "CN=x", "01", UC_STORE_TRUST, impact, 0, days } };
	return n;
}

static const char *next_key(struct uc_outbox *o, int64_t now)
{
	int64_t wake;
	const struct uc_outbox_item *it = uc_outbox_next(o, now, &wake);
	return it ? it->notice.key : NULL;
}

/* Priority, the in-flight limit, acknowledgement, loss and requeueing. */
START_TEST(test_outbox_order_and_window)
{
	struct uc_outbox *o = uc_outbox_new();
	struct uc_notice due[] = {
		notice("late", UC_NOTICE_EXPIRING, 50, UC_IMPACT_NONE, 1),
		notice("clear", UC_NOTICE_CLEARED, 100, UC_IMPACT_CTL_ITL, 2),
		notice("soon-none", UC_NOTICE_EXPIRING, 10, UC_IMPACT_NONE, 3),
		notice("soon-ctl", UC_NOTICE_EXPIRING, 10, UC_IMPACT_CTL_ITL, 4),
		notice("exp-new", UC_NOTICE_EXPIRED, -2, UC_IMPACT_NONE, 5),
		notice("exp-old", UC_NOTICE_EXPIRED, -40, UC_IMPACT_NONE, 6),
	};
	const char *order[] = { "exp-old", "exp-new", "soon-ctl", "soon-none", "late", "clear" };
	uc_outbox_configure(o, 2, 0);
	uc_outbox_set_due(o, due, 6);
	ck_assert_str_eq(next_key(o, 0), order[0]);
	uint64_t t1 = uc_outbox_sent(o, 0);
	ck_assert_str_eq(next_key(o, 0), order[1]);
	uint64_t t2 = uc_outbox_sent(o, 0);
	ck_assert_ptr_null(next_key(o, 0));	/* two in flight: the window is full */
	ck_assert_uint_eq(uc_outbox_waiting(o) + uc_outbox_inflight(o), 6);

	struct uc_outbox_item *it = uc_outbox_acked(o, t1);
	ck_assert_str_eq(it->notice.key, "exp-old");
	uc_outbox_item_free(it);
	ck_assert_ptr_null(uc_outbox_acked(o, t1));	/* once */
	ck_assert_str_eq(next_key(o, 0), order[2]);
	uint64_t t3 = uc_outbox_sent(o, 0);
	/* the session drops: both in flight go out again, first */
	uc_outbox_requeue(o);
	ck_assert_uint_eq(uc_outbox_inflight(o), 0);
	uc_outbox_lost(o, t2);	/* a late report of the same loss: no effect */
	ck_assert_str_eq(next_key(o, 0), order[1]);
	t2 = uc_outbox_sent(o, 0);
	ck_assert_str_eq(next_key(o, 0), order[2]);
	t3 = uc_outbox_sent(o, 0);
	/* a rescan repeats what is in flight: not queued twice */
	uc_outbox_set_due(o, due, 5);
	ck_assert_uint_eq(uc_outbox_waiting(o), 3);
	uc_outbox_item_free(uc_outbox_acked(o, t2));
	uc_outbox_item_free(uc_outbox_acked(o, t3));
	for (size_t i = 3; i < 6; i++) {
		ck_assert_str_eq(next_key(o, 0), order[i]);
		uc_outbox_item_free(uc_outbox_acked(o, uc_outbox_sent(o, 0)));
	}
	ck_assert_uint_eq(uc_outbox_waiting(o) + uc_outbox_inflight(o), 0);
	uc_outbox_free(o);
}
END_TEST

/* Pacing: at rate r, one notification per 1/r s; a rejected one waits for
 * its retry time; one certificate never has two notifications in flight. */
START_TEST(test_outbox_pacing)
{
	struct uc_outbox *o = uc_outbox_new();
	struct uc_notice due[] = {
		notice("a", UC_NOTICE_EXPIRED, -1, UC_IMPACT_NONE, 1),
		notice("b", UC_NOTICE_EXPIRED, -1, UC_IMPACT_NONE, 2),
		notice("c", UC_NOTICE_EXPIRED, -1, UC_IMPACT_NONE, 3),
	};
	int64_t wake;
	uc_outbox_configure(o, 8, 20);	/* 50 ms apart */
	uc_outbox_set_due(o, due, 3);
	ck_assert_ptr_nonnull(uc_outbox_next(o, 1000000, &wake));
	uint64_t ta = uc_outbox_sent(o, 1000000);
	ck_assert_ptr_null(uc_outbox_next(o, 1040000, &wake));
	ck_assert_int_eq(wake, 1050000);
	ck_assert_ptr_nonnull(uc_outbox_next(o, 1050000, &wake));
	uint64_t tb = uc_outbox_sent(o, 1050000);
	uc_outbox_rejected(o, ta, 5000000);
	uc_outbox_item_free(uc_outbox_acked(o, tb));
	/* c is next; a waits until 5 s */
	ck_assert_str_eq(uc_outbox_next(o, 1100000, &wake)->notice.key, "c");
	uc_outbox_item_free(uc_outbox_acked(o, uc_outbox_sent(o, 1100000)));
	ck_assert_ptr_null(uc_outbox_next(o, 1200000, &wake));
	ck_assert_int_eq(wake, 5000000);
	ck_assert_str_eq(uc_outbox_next(o, 5000000, &wake)->notice.key, "a");
	uint64_t t = uc_outbox_sent(o, 5000000);
	/* a deeper band for "a" while its first is in flight: held back */
	struct uc_notice again = notice("a", UC_NOTICE_EXPIRING, 5, UC_IMPACT_NONE, 1);
	again.band = 7;
	uc_outbox_set_due(o, &again, 1);
	ck_assert_ptr_null(uc_outbox_next(o, 9000000, &wake));
	uc_outbox_item_free(uc_outbox_acked(o, t));
	ck_assert_str_eq(uc_outbox_next(o, 9000000, &wake)->notice.key, "a");
	uc_outbox_free(o);
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
	tcase_add_test(tc, test_journal_survives_kill);
	tcase_add_test(tc, test_late_ack);
	tcase_add_test(tc, test_state_errors);
	tcase_add_test(tc, test_outbox_order_and_window);
	tcase_add_test(tc, test_outbox_pacing);
	suite_add_tcase(s, tc);
	return s;
}
