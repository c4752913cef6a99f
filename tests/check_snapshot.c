/* check_snapshot.c - the daemon's snapshot: what uccertd will serve, built
 * from a real scan of minted certificates, without any SNMP traffic. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alerts.h"
#include "check.h"
#include "idmap.h"
#include "log.h"
#include "scan.h"
#include "settings.h"
#include "snapshot.h"

#define T0 1798761600	/* 2027-01-01T00:00:00Z */
#define DAY 86400

struct fixture {
	char *dir, *node;
	struct uc_settings *s;
	struct uc_scanner *sc;
	struct uc_idmap *ids;
};

static void put(struct fixture *f, const char *unit, const char *file, const char *cn,
		int64_t not_after)
{
	char *d = tk_printf("%s/%s", f->node, unit);
	char *path = tk_printf("%s/%s", d, file);
	X509_NAME *n = tk_name("CN", cn, NULL);
	struct tk_spec spec = { .subject = n, .not_before = T0 - 400 * DAY, .not_after = not_after };
	X509 *x = tk_mint(&spec);
	mkdir(d, 0755);
	tk_write_cert_pem(path, x);
	X509_free(x);
	X509_NAME_free(n);
	free(path);
	free(d);
}

/* extra_node may name the fixture's directory as @DIR@ (once) */
static void setup(struct fixture *f, const char *extra_node)
{
	f->dir = tk_tmpdir();
	char *extra = NULL;
	const char *at = extra_node ? strstr(extra_node, "@DIR@") : NULL;
	if (at)
		extra = tk_printf("%.*s%s%s", (int)(at - extra_node), extra_node, f->dir, at + 5);
	else if (extra_node)
		extra = tk_printf("%s", extra_node);
	extra_node = extra;
	f->node = tk_printf("%s/pub", f->dir);
	tk_mkdir(f->node);
	char *conf = tk_printf("%s/uccert.conf", f->dir);
	char *text = tk_printf("state_dir = \"%s/state\";\nclusters = ( { name = \"hq\"; nodes = (\n"
			       "{ name = \"pub\"; role = \"publisher\"; cert_dir = \"%s\"; }%s ); } );\n",
			       f->dir, f->node, extra_node ? extra_node : "");
	tk_write_str(conf, text);
	struct uc_diag d = { 0 };
	f->s = uc_settings_load(conf, &d);
	ck_assert_msg(f->s != NULL, "%s", d.nerrors ? d.errors[0] : "?");
	uc_diag_free(&d);
	f->sc = uc_scanner_new();
	f->ids = uc_idmap_open(NULL);
	free(text);
	free(conf);
	free(extra);
}

static void teardown(struct fixture *f)
{
	uc_idmap_free(f->ids);
	uc_scanner_free(f->sc);
	uc_settings_free(f->s);
	free(f->node);
	free(f->dir);
}

static struct snapshot *build(struct fixture *f)
{
	struct uc_inventory *inv = uc_scan(f->sc, f->s, T0);
	struct snapshot *snap = snapshot_build(inv, f->s, f->ids, 7);
	uc_inventory_free(inv);
	return snap;
}

static const struct cert_row *row_of(const struct snapshot *snap, const char *file)
{
	for (size_t i = 0; i < snap->ncerts; i++) {
		const char *src = snap_str(snap, snap->certs[i].source);
		const char *slash = strrchr(src, '/');
		if (strcmp(slash ? slash + 1 : src, file) == 0)
			return &snap->certs[i];
	}
	ck_abort_msg("no row for %s", file);
	return NULL;
}

/* One row per file, in index order; a copy of a certificate is a row of its
 * own, keyed apart, and never takes the first file's index. */
START_TEST(test_rows_per_file_and_index_order)
{
	struct fixture f;
	setup(&f, NULL);
	put(&f, "tomcat-trust", "a.pem", "Partner CA", T0 + 30 * DAY);
	put(&f, "tomcat-trust", "z.pem", "Other CA", T0 + 300 * DAY);
	struct snapshot *one = build(&f);
	ck_assert_uint_eq(one->ncerts, 2);
	oid first = row_of(one, "a.pem")->idx_oid;
	snapshot_free(one);

	char *a = tk_printf("%s/tomcat-trust/a.pem", f.node);
	char *b = tk_printf("%s/tomcat-trust/b.pem", f.node);
	char *c = tk_printf("%s/tomcat-trust/c.pem", f.node);
	FILE *in = fopen(a, "r"), *out = fopen(b, "w");
	int ch;
	while ((ch = fgetc(in)) != EOF)
		fputc(ch, out);
	fclose(in);
	fclose(out);
	ck_assert_int_eq(link(a, c), 0);

	struct snapshot *snap = build(&f);
	ck_assert_uint_eq(snap->ncerts, 4);
	ck_assert_uint_eq(snap->count, 4);
	for (size_t i = 1; i < snap->ncerts; i++)
		ck_assert_msg(snap->certs[i - 1].idx_oid < snap->certs[i].idx_oid, "rows not in index order");
	for (size_t i = 0; i < snap->ncerts; i++) {
		ck_assert_ptr_eq(snap->certs[i].idx.oids, &snap->certs[i].idx_oid);
		ck_assert_uint_eq(snap->certs[i].idx.len, 1);
	}
	const struct cert_row *ra = row_of(snap, "a.pem"), *rb = row_of(snap, "b.pem"),
			      *rc = row_of(snap, "c.pem");
	ck_assert_uint_eq(ra->idx_oid, first);
	ck_assert_int_eq(ra->copy, 0);
	ck_assert_int_eq(rb->copy, 1);
	ck_assert_int_eq(rc->copy, 1);
	ck_assert_uint_ne(rb->idx_oid, rc->idx_oid);
	ck_assert_mem_eq(ra->fingerprint, rb->fingerprint, sizeof ra->fingerprint);
	/* the notification keys differ too: each file is notified */
	char *ka = snapshot_key("hq", "pub", "tomcat-trust", ra->fingerprint,
				snap_str(snap, ra->source), ra->copy);
	char *kb = snapshot_key("hq", "pub", "tomcat-trust", rb->fingerprint,
				snap_str(snap, rb->source), rb->copy);
	ck_assert_str_ne(ka, kb);
	ck_assert_ptr_null(strchr(ka, '#'));
	free(ka);
	free(kb);
	oid ib = rb->idx_oid, ic = rc->idx_oid;
	snapshot_free(snap);

	/* a rescan keeps every index */
	struct snapshot *again = build(&f);
	ck_assert_uint_eq(row_of(again, "a.pem")->idx_oid, first);
	ck_assert_uint_eq(row_of(again, "b.pem")->idx_oid, ib);
	ck_assert_uint_eq(row_of(again, "c.pem")->idx_oid, ic);
	snapshot_free(again);
	free(a);
	free(b);
	free(c);
	teardown(&f);
}
END_TEST

/* Bands: the threshold, the deepest reminder crossed, expired; never for an
 * unreadable file or one outside the window. */
START_TEST(test_bands_and_counts)
{
	struct fixture f;
	setup(&f, NULL);
	put(&f, "tomcat-trust", "far.pem", "far", T0 + 200 * DAY);
	put(&f, "tomcat-trust", "in90.pem", "in90", T0 + 80 * DAY);
	put(&f, "tomcat-trust", "in45.pem", "in45", T0 + 45 * DAY);
	put(&f, "tomcat-trust", "in10.pem", "in10", T0 + 10 * DAY);
	put(&f, "tomcat-trust", "gone.pem", "gone", T0 - 3 * DAY);
	char *broken = tk_printf("%s/tomcat-trust/broken.pem", f.node);
	tk_write_str(broken, "not a certificate\n");
	struct snapshot *snap = build(&f);
	ck_assert_int_eq(row_of(snap, "far.pem")->band, UC_BAND_NONE);
	ck_assert_int_eq(row_of(snap, "in90.pem")->band, 90);
	ck_assert_int_eq(row_of(snap, "in45.pem")->band, 60);
	ck_assert_int_eq(row_of(snap, "in10.pem")->band, 14);
	ck_assert_int_eq(row_of(snap, "gone.pem")->band, UC_BAND_EXPIRED);
	ck_assert_int_eq(row_of(snap, "broken.pem")->band, UC_BAND_NONE);
	ck_assert_int_eq(row_of(snap, "in45.pem")->days_left, 45);
	ck_assert_int_eq(row_of(snap, "gone.pem")->days_left, -3);
	ck_assert_uint_eq(snap->count, 6);
	ck_assert_uint_eq(snap->expiring, 3);
	ck_assert_uint_eq(snap->expired, 1);
	ck_assert_uint_eq(snap->unreadable, 1);
	ck_assert_uint_eq(snap->scan_errors, 7);
	ck_assert_uint_eq(snap->threshold_days, 90);
	ck_assert_uint_eq(snap->notify_rate, 20);
	ck_assert_uint_eq(snap->notify_inflight, 8);
	snapshot_free(snap);
	free(broken);
	teardown(&f);
}
END_TEST

/* Source rows: one per cert_dir, ok or error with the reason. */
START_TEST(test_source_status)
{
	struct fixture f;
	char *missing = tk_printf(", { name = \"sub\"; role = \"subscriber\"; cert_dir = \"%s/nowhere\"; }",
				  "/nonexistent");
	setup(&f, missing);
	put(&f, "tomcat", "tomcat.pem", "pub", T0 + 300 * DAY);
	struct snapshot *snap = build(&f);
	ck_assert_uint_eq(snap->nsources, 2);
	for (size_t i = 0; i < snap->nsources; i++) {
		const struct source_row *r = &snap->sources[i];
		ck_assert_uint_eq(r->idx_oid, i + 1);
		if (strcmp(snap_str(snap, r->node), "pub") == 0) {
			ck_assert_int_eq(r->status, 1);
			ck_assert_str_eq(snap_str(snap, r->error), "");
			ck_assert_uint_eq(r->ncerts, 1);
		} else {
			ck_assert_int_eq(r->status, 2);
			ck_assert_msg(strstr(snap_str(snap, r->error), "No such file") != NULL,
				      "error: %s", snap_str(snap, r->error));
			ck_assert_uint_eq(r->ncerts, 0);
		}
	}
	snapshot_free(snap);
	free(missing);
	teardown(&f);
}
END_TEST

/* uccertRegenCommand: a subscriber's ITLRecovery is renewed on the
 * publisher (from 12.5), the publisher's own on itself. */
START_TEST(test_regen_command_by_role)
{
	struct fixture f;
	setup(&f, ", { name = \"sub\"; role = \"subscriber\"; cert_dir = \"@DIR@/sub\"; }");
	put(&f, "ITLRecovery", "ITLRecovery.pem", "ITLRECOVERY_pub", T0 + 300 * DAY);
	char *pubnode = f.node;
	f.node = tk_printf("%s/sub", f.dir);
	tk_mkdir(f.node);
	put(&f, "ITLRecovery", "ITLRecovery.pem", "ITLRECOVERY_pub", T0 + 300 * DAY);
	free(f.node);
	f.node = pubnode;
	struct snapshot *snap = build(&f);
	for (size_t i = 0; i < snap->nsources; i++)
		ck_assert_msg(snap->sources[i].status == SOURCE_OK, "%s: %s",
			      snap_str(snap, snap->sources[i].location),
			      snap_str(snap, snap->sources[i].error));
	ck_assert_uint_eq(snap->ncerts, 2);
	for (size_t i = 0; i < snap->ncerts; i++) {
		const struct cert_row *r = &snap->certs[i];
		const char *want = strcmp(snap_str(snap, r->node), "sub") == 0
			? "on the publisher: set cert regen ITLRecovery" : "set cert regen ITLRecovery";
		ck_assert_str_eq(snap_str(snap, r->regen), want);
	}
	snapshot_free(snap);
	teardown(&f);
}
END_TEST

int main(void)
{
	tk_init_keys();
	tk_init_tmp();
	uc_log_set_level(LOG_ERR);
	Suite *s = suite_create("snapshot");
	TCase *tc = tcase_create("snapshot");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_rows_per_file_and_index_order);
	tcase_add_test(tc, test_bands_and_counts);
	tcase_add_test(tc, test_source_status);
	tcase_add_test(tc, test_regen_command_by_role);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	tk_cleanup_tmp();
	tk_free_keys();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
