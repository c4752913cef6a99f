/* check_scan.c - the inventory of a real directory tree: states and days
 * left, thresholds per impact, unit directories, the file cache. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "log.h"
#include "scan.h"
#include "settings.h"

#define T0 INT64_C(1798761600)	/* 2027-01-01T00:00:00Z: "now" of the scans */
#define DAY INT64_C(86400)

struct tree {
	char *root;
	char *node;		/* root/pub: the publisher's cert_dir */
	struct uc_settings *s;
};

/* A directory with the publisher's cert_dir, root/pub. */
static void tree_init(struct tree *t)
{
	t->root = tk_tmpdir();
	t->node = tk_printf("%s/pub", t->root);
	tk_mkdir(t->node);
	t->s = NULL;
}

/* Settings: the given global lines, cluster "hq" with node "pub" (plus
 * extra_nodes, text that continues the node list). */
static void tree_load(struct tree *t, const char *settings, const char *extra_nodes)
{
	char *conf = tk_printf("%s/uccert.conf", t->root);
	char *text = tk_printf("%s\nclusters = ( { name = \"hq\"; nodes = (\n"
			       "  { name = \"pub\"; role = \"publisher\"; cert_dir = \"%s\"; }%s\n"
			       "); } );\n", settings, t->node, extra_nodes ? extra_nodes : "");
	struct uc_diag d = { 0 };

	tk_write_str(conf, text);
	t->s = uc_settings_load(conf, &d);
	ck_assert_msg(t->s != NULL, "config: %s", d.nerrors ? d.errors[0] : "?");
	uc_diag_free(&d);
	free(text);
	free(conf);
}

static void tree_free(struct tree *t)
{
	uc_settings_free(t->s);
	free(t->node);
	free(t->root);
}

static char *unit_dir(struct tree *t, const char *unit)
{
	char *p = tk_printf("%s/%s", t->node, unit);
	struct stat st;

	if (stat(p, &st) != 0)
		tk_mkdir(p);
	return p;
}

/* A certificate expiring at not_after, written as PEM to node/unit/file. */
static void put_cert(struct tree *t, const char *unit, const char *file,
		     const char *cn, int64_t not_after)
{
	char *dir = unit_dir(t, unit);
	char *path = tk_printf("%s/%s", dir, file);
	X509_NAME *n = tk_name("CN", cn, NULL);
	struct tk_spec s = { .subject = n, .not_before = not_after - 400 * DAY,
			     .not_after = not_after };
	X509 *x = tk_mint(&s);

	tk_write_cert_pem(path, x);
	X509_free(x);
	X509_NAME_free(n);
	free(path);
	free(dir);
}

static void put_bytes(struct tree *t, const char *unit, const char *file, const char *content)
{
	char *dir = unit_dir(t, unit);
	char *path = tk_printf("%s/%s", dir, file);

	tk_write_str(path, content);
	free(path);
	free(dir);
}

static const struct uc_record *find(const struct uc_inventory *inv, const char *file)
{
	const struct uc_record *found = NULL;

	for (size_t i = 0; i < inv->nrecords; i++) {
		if (strcmp(inv->records[i].file, file) == 0) {
			ck_assert_msg(found == NULL, "%s: more than one record", file);
			found = &inv->records[i];
		}
	}
	ck_assert_msg(found != NULL, "no record for %s", file);
	return found;
}

static bool has(const struct uc_inventory *inv, const char *file)
{
	for (size_t i = 0; i < inv->nrecords; i++)
		if (strcmp(inv->records[i].file, file) == 0)
			return true;
	return false;
}

static void assert_record(const struct tree *t, const struct uc_inventory *inv,
			  const char *file, const char *unit, enum uc_state state,
			  int64_t days_left)
{
	const struct uc_record *r = find(inv, file);
	char *source = tk_printf("%s/%s/%s", t->node, unit, file);

	ck_assert_str_eq(r->cluster, "hq");
	ck_assert_str_eq(r->node, "pub");
	ck_assert_str_eq(r->unit, unit);
	ck_assert_str_eq(r->source, source);
	ck_assert_msg(r->state == state, "%s: state %s, expected %s", file,
		      uc_state_name(r->state), uc_state_name(state));
	if (state != UC_STATE_UNREADABLE) {
		ck_assert_ptr_nonnull(r->cert);
		ck_assert_ptr_null(r->error);
		ck_assert_msg(r->days_left == days_left, "%s: %lld days left, expected %lld",
			      file, (long long)r->days_left, (long long)days_left);
	}
	free(source);
}

/* ---- states ------------------------------------------------------------- */

START_TEST(test_states_and_thresholds)
{
	struct tree t;
	struct uc_scanner *sc = uc_scanner_new();

	tree_init(&t);
	/* impact none: threshold 30 */
	put_cert(&t, "tomcat-trust", "long-ago.pem", "a", T0 - 400 * DAY);
	put_cert(&t, "tomcat-trust", "second-ago.pem", "b", T0 - 1);
	put_cert(&t, "tomcat-trust", "now.pem", "c", T0);
	put_cert(&t, "tomcat-trust", "day-minus-1s.pem", "d", T0 + 86399);
	put_cert(&t, "tomcat-trust", "one-day.pem", "e", T0 + 86400);
	put_cert(&t, "tomcat-trust", "threshold.pem", "f", T0 + 30 * DAY);
	put_cert(&t, "tomcat-trust", "threshold-end.pem", "g", T0 + 31 * DAY - 1);
	put_cert(&t, "tomcat-trust", "threshold+1.pem", "h", T0 + 31 * DAY);
	put_cert(&t, "tomcat", "tomcat.pem", "i", T0 + 45 * DAY);
	/* impact ctl-itl: threshold 60 */
	put_cert(&t, "CallManager", "cm45.pem", "j", T0 + 45 * DAY);
	put_cert(&t, "CallManager", "cm60.pem", "k", T0 + 60 * DAY);
	put_cert(&t, "CallManager", "cm61.pem", "l", T0 + 61 * DAY);
	put_cert(&t, "CAPF", "CAPF.pem", "m", T0 + 45 * DAY);
	put_cert(&t, "ITLRecovery", "ITLRecovery.pem", "n", T0 + 20 * 365 * DAY);
	/* impact unknown: threshold_days */
	put_cert(&t, "widget", "widget.pem", "o", T0 + 45 * DAY);
	put_cert(&t, "widget", "widget-soon.pem", "p", T0 + 30 * DAY);
	tree_load(&t, "threshold_days = 30;\nthreshold_days_ctl_itl = 60;", NULL);

	struct uc_inventory *inv = uc_scan(sc, t.s, T0);
	ck_assert_int_eq(inv->now, T0);
	ck_assert_uint_eq(inv->nrecords, 16);
	assert_record(&t, inv, "long-ago.pem", "tomcat-trust", UC_STATE_EXPIRED, -400);
	assert_record(&t, inv, "second-ago.pem", "tomcat-trust", UC_STATE_EXPIRED, -1);
	assert_record(&t, inv, "now.pem", "tomcat-trust", UC_STATE_EXPIRING, 0);
	assert_record(&t, inv, "day-minus-1s.pem", "tomcat-trust", UC_STATE_EXPIRING, 0);
	assert_record(&t, inv, "one-day.pem", "tomcat-trust", UC_STATE_EXPIRING, 1);
	assert_record(&t, inv, "threshold.pem", "tomcat-trust", UC_STATE_EXPIRING, 30);
	assert_record(&t, inv, "threshold-end.pem", "tomcat-trust", UC_STATE_EXPIRING, 30);
	assert_record(&t, inv, "threshold+1.pem", "tomcat-trust", UC_STATE_VALID, 31);
	assert_record(&t, inv, "tomcat.pem", "tomcat", UC_STATE_VALID, 45);
	assert_record(&t, inv, "cm45.pem", "CallManager", UC_STATE_EXPIRING, 45);
	assert_record(&t, inv, "cm60.pem", "CallManager", UC_STATE_EXPIRING, 60);
	assert_record(&t, inv, "cm61.pem", "CallManager", UC_STATE_VALID, 61);
	assert_record(&t, inv, "CAPF.pem", "CAPF", UC_STATE_EXPIRING, 45);
	assert_record(&t, inv, "ITLRecovery.pem", "ITLRecovery", UC_STATE_VALID, 20 * 365);
	assert_record(&t, inv, "widget.pem", "widget", UC_STATE_VALID, 45);
	assert_record(&t, inv, "widget-soon.pem", "widget", UC_STATE_EXPIRING, 30);

	ck_assert_uint_eq(inv->counts[UC_STATE_EXPIRED], 2);
	ck_assert_uint_eq(inv->counts[UC_STATE_EXPIRING], 9);
	ck_assert_uint_eq(inv->counts[UC_STATE_VALID], 5);
	ck_assert_uint_eq(inv->counts[UC_STATE_UNREADABLE], 0);
	ck_assert_uint_eq(inv->errors, 0);
	ck_assert_uint_eq(inv->nsources, 1);
	ck_assert(inv->sources[0].ok);
	ck_assert_ptr_null(inv->sources[0].error);
	ck_assert_uint_eq(inv->sources[0].ncerts, 16);
	ck_assert_str_eq(inv->sources[0].location, t.node);
	ck_assert_int_eq(inv->sources[0].kind, UC_SOURCE_CERT_DIR);
	ck_assert_int_gt(inv->sources[0].last_success, 0);

	/* store and impact come from the catalog */
	const struct uc_record *r = find(inv, "cm45.pem");
	ck_assert_int_eq(r->impact, UC_IMPACT_CTL_ITL);
	ck_assert_int_eq(r->store, UC_STORE_OWN);
	ck_assert_ptr_eq(r->catalog, uc_unit_find("CallManager"));
	r = find(inv, "threshold.pem");
	ck_assert_int_eq(r->impact, UC_IMPACT_NONE);
	ck_assert_int_eq(r->store, UC_STORE_TRUST);
	ck_assert_str_eq(r->cert->subject, "CN=f");
	ck_assert_int_eq(r->cert->not_after, T0 + 30 * DAY);
	r = find(inv, "widget.pem");
	ck_assert_int_eq(r->impact, UC_IMPACT_UNKNOWN);
	ck_assert_int_eq(r->store, UC_STORE_OWN);
	ck_assert_ptr_null(r->catalog);

	/* the same tree a day later: the clock moves, the files do not */
	uc_inventory_free(inv);
	inv = uc_scan(sc, t.s, T0 + DAY);
	assert_record(&t, inv, "now.pem", "tomcat-trust", UC_STATE_EXPIRED, -1);
	assert_record(&t, inv, "threshold+1.pem", "tomcat-trust", UC_STATE_EXPIRING, 30);
	assert_record(&t, inv, "cm61.pem", "CallManager", UC_STATE_EXPIRING, 60);
	uc_inventory_free(inv);
	uc_scanner_free(sc);
	tree_free(&t);
}
END_TEST

START_TEST(test_threshold_zero)
{
	struct tree t;
	struct uc_scanner *sc = uc_scanner_new();

	tree_init(&t);
	put_cert(&t, "ipsec", "past.pem", "a", T0 - 1);
	put_cert(&t, "ipsec", "today.pem", "b", T0 + 3600);
	put_cert(&t, "ipsec", "tomorrow.pem", "c", T0 + DAY);
	tree_load(&t, "threshold_days = 0;\nreminder_days = [ 0 ];", NULL);
	struct uc_inventory *inv = uc_scan(sc, t.s, T0);
	assert_record(&t, inv, "past.pem", "ipsec", UC_STATE_EXPIRED, -1);
	assert_record(&t, inv, "today.pem", "ipsec", UC_STATE_EXPIRING, 0);
	assert_record(&t, inv, "tomorrow.pem", "ipsec", UC_STATE_VALID, 1);
	uc_inventory_free(inv);
	uc_scanner_free(sc);
	tree_free(&t);
}
END_TEST

/* A bundle yields one record per certificate, all from the same file. */
START_TEST(test_bundle_records)
{
	struct tree t;
	struct uc_scanner *sc = uc_scanner_new();
	X509 *c[3];
	char *dir, *path;
	size_t len;

	tree_init(&t);
	for (int i = 0; i < 3; i++) {
		struct tk_spec s = { .not_before = T0 - DAY, .not_after = T0 + (i + 1) * 100 * DAY,
				     .serial = i == 0 ? "01" : i == 1 ? "02" : "03" };
		c[i] = tk_mint(&s);
	}
	unsigned char *p7 = tk_p7(c, 3, false, &len);
	dir = unit_dir(&t, "CallManager-trust");
	path = tk_printf("%s/chain.p7b", dir);
	tk_write(path, p7, len);
	tree_load(&t, "", NULL);

	struct uc_inventory *inv = uc_scan(sc, t.s, T0);
	ck_assert_uint_eq(inv->nrecords, 3);
	unsigned seen = 0;
	for (size_t i = 0; i < 3; i++) {
		const struct uc_record *r = &inv->records[i];
		ck_assert_str_eq(r->source, path);
		ck_assert_str_eq(r->file, "chain.p7b");
		ck_assert_str_eq(r->unit, "CallManager-trust");
		ck_assert_int_eq(r->days_left % 100, 0);
		seen |= 1u << (r->days_left / 100);
	}
	ck_assert_uint_eq(seen, 0xe);	/* 100, 200 and 300 days */
	ck_assert_uint_eq(inv->sources[0].ncerts, 3);
	uc_inventory_free(inv);
	uc_scanner_free(sc);
	for (int i = 0; i < 3; i++)
		X509_free(c[i]);
	free(p7);
	free(path);
	free(dir);
	tree_free(&t);
}
END_TEST

/* ---- unit directories --------------------------------------------------- */

static char *logged;

static void capture(int priority, const char *msg)
{
	char *old = logged;

	(void)priority;
	logged = tk_cat(old ? old : "", msg, "\n", NULL);
	free(old);
}

START_TEST(test_unit_dirs)
{
	struct tree t;
	struct uc_scanner *sc = uc_scanner_new();
	char *p;

	tree_init(&t);
	put_cert(&t, "TOMCAT-TRUST", "ca.pem", "a", T0 + 500 * DAY);
	put_cert(&t, "callmanager", "CallManager.pem", "b", T0 + 500 * DAY);
	put_cert(&t, "Widget-Trust", "w.pem", "c", T0 + 500 * DAY);
	put_cert(&t, "gadget", "g.pem", "d", T0 + 500 * DAY);
	put_cert(&t, ".snapshot", "old.pem", "e", T0 + 500 * DAY);	/* hidden dir */
	put_cert(&t, "TOMCAT-TRUST", ".ca.pem.swp", "f", T0 + 500 * DAY);	/* hidden file */
	p = tk_printf("%s/README", t.node);	/* files beside the units: not units */
	tk_write_str(p, "exported from cucm01 on 2026-11-01\n");
	free(p);
	tree_load(&t, "", NULL);

	uc_log_set_handler(capture);
	uc_log_set_level(LOG_DEBUG);
	struct uc_inventory *inv = uc_scan(sc, t.s, T0);
	uc_log_set_handler(NULL);
	uc_log_set_level(LOG_ERR);

	ck_assert_uint_eq(inv->nrecords, 4);
	const struct uc_record *r = find(inv, "ca.pem");
	ck_assert_str_eq(r->unit, "tomcat-trust");	/* the platform's spelling */
	ck_assert_int_eq(r->store, UC_STORE_TRUST);
	ck_assert_int_eq(r->impact, UC_IMPACT_NONE);
	p = tk_printf("%s/TOMCAT-TRUST/ca.pem", t.node);	/* the path as it is */
	ck_assert_str_eq(r->source, p);
	free(p);
	r = find(inv, "CallManager.pem");
	ck_assert_str_eq(r->unit, "CallManager");
	ck_assert_int_eq(r->impact, UC_IMPACT_CTL_ITL);
	r = find(inv, "w.pem");
	ck_assert_str_eq(r->unit, "Widget-Trust");	/* unknown: as found */
	ck_assert_int_eq(r->store, UC_STORE_TRUST);
	ck_assert_int_eq(r->impact, UC_IMPACT_UNKNOWN);
	ck_assert_ptr_null(r->catalog);
	r = find(inv, "g.pem");
	ck_assert_str_eq(r->unit, "gadget");
	ck_assert_int_eq(r->store, UC_STORE_OWN);
	ck_assert_int_eq(r->impact, UC_IMPACT_UNKNOWN);
	ck_assert_int_eq(r->state, UC_STATE_VALID);
	/* the operator hears about the unknown units */
	ck_assert_ptr_nonnull(logged);
	ck_assert_msg(strstr(logged, "Widget-Trust") && strstr(logged, "gadget"), "%s", logged);
	ck_assert(strstr(logged, "TOMCAT-TRUST") == NULL);
	free(logged);
	logged = NULL;
	uc_inventory_free(inv);
	uc_scanner_free(sc);
	tree_free(&t);
}
END_TEST

/* ---- unreadable files and sources -------------------------------------- */

START_TEST(test_unreadable_files)
{
	struct tree t;
	struct uc_scanner *sc = uc_scanner_new();
	char *dir, *p;
	static const struct {
		const char *file, *reason;
	} bad[] = {
		{ "empty.pem", "empty" },
		{ "garbage.pem", "base64" },
		{ "cut.pem", "truncated" },
		{ "subdir.pem", "directory" },
		{ "dangling.pem", "No such file" },
		{ "loop.pem", "symbolic links" },
		{ "key.pem", "no certificate" },
	};

	tree_init(&t);
	put_cert(&t, "tomcat-trust", "good.pem", "good", T0 + 200 * DAY);
	put_bytes(&t, "tomcat-trust", "empty.pem", "");
	put_bytes(&t, "tomcat-trust", "garbage.pem",
		  "-----BEGIN CERTIFICATE-----\n%%%%\n-----END CERTIFICATE-----\n");
	put_bytes(&t, "tomcat-trust", "cut.pem", "-----BEGIN CERTIFICATE-----\nMIIBjjCCATWgAwIBAgIB9jAK\n");
	put_bytes(&t, "tomcat-trust", "key.pem",
		  "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n");
	dir = unit_dir(&t, "tomcat-trust");
	p = tk_printf("%s/subdir.pem", dir);
	tk_mkdir(p);
	free(p);
	p = tk_printf("%s/dangling.pem", dir);
	ck_assert_int_eq(symlink("nowhere.pem", p), 0);
	free(p);
	p = tk_printf("%s/loop.pem", dir);
	ck_assert_int_eq(symlink("loop.pem", p), 0);
	free(p);
	tree_load(&t, "", NULL);

	struct uc_inventory *inv = uc_scan(sc, t.s, T0);
	ck_assert_uint_eq(inv->nrecords, 8);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const struct uc_record *r = find(inv, bad[i].file);
		p = tk_printf("%s/%s", dir, bad[i].file);
		ck_assert_int_eq(r->state, UC_STATE_UNREADABLE);
		ck_assert_ptr_null(r->cert);
		ck_assert_str_eq(r->source, p);
		ck_assert_str_eq(r->unit, "tomcat-trust");
		ck_assert_ptr_nonnull(r->error);
		ck_assert_msg(strcasestr(r->error, bad[i].reason) != NULL,
			      "%s: \"%s\" does not say \"%s\"", bad[i].file, r->error, bad[i].reason);
		free(p);
	}
	assert_record(&t, inv, "good.pem", "tomcat-trust", UC_STATE_VALID, 200);
	ck_assert_uint_eq(inv->counts[UC_STATE_UNREADABLE], 7);
	ck_assert_uint_eq(inv->errors, 7);
	ck_assert(inv->sources[0].ok);	/* bad files do not fail the source */

	/* unreadable rows sort last */
	uc_inventory_sort(inv);
	ck_assert_str_eq(inv->records[0].file, "good.pem");
	for (size_t i = 1; i < inv->nrecords; i++)
		ck_assert_int_eq(inv->records[i].state, UC_STATE_UNREADABLE);
	uc_inventory_free(inv);
	uc_scanner_free(sc);
	free(dir);
	tree_free(&t);
}
END_TEST

/* Registered only when not root: root opens a mode 000 directory anyway. */
START_TEST(test_unit_dir_unreadable)
{
	struct tree t;
	struct uc_scanner *sc = uc_scanner_new();
	char *dir;

	tree_init(&t);
	put_cert(&t, "ipsec-trust", "peer.pem", "peer", T0 + 100 * DAY);
	dir = unit_dir(&t, "ipsec-trust");
	ck_assert_int_eq(chmod(dir, 0), 0);
	tree_load(&t, "", NULL);
	struct uc_inventory *inv = uc_scan(sc, t.s, T0);
	chmod(dir, 0755);
	ck_assert_uint_eq(inv->nrecords, 1);
	ck_assert_int_eq(inv->records[0].state, UC_STATE_UNREADABLE);
	ck_assert_str_eq(inv->records[0].source, dir);
	ck_assert(strstr(inv->records[0].error, "Permission denied") != NULL);
	uc_inventory_free(inv);
	uc_scanner_free(sc);
	free(dir);
	tree_free(&t);
}
END_TEST

/* A node whose cert_dir is missing is a source error; the others are still
 * scanned. */
START_TEST(test_missing_cert_dir)
{
	struct tree t;
	struct uc_scanner *sc = uc_scanner_new();
	char *extra;

	tree_init(&t);
	put_cert(&t, "tomcat", "tomcat.pem", "pub", T0 + 100 * DAY);
	extra = tk_printf(",\n  { name = \"sub\"; role = \"subscriber\"; cert_dir = \"%s/sub\"; }",
			  t.root);
	tree_load(&t, "", extra);
	uc_log_set_handler(capture);
	struct uc_inventory *inv = uc_scan(sc, t.s, T0);
	uc_log_set_handler(NULL);
	/* logged once, with the node and the path */
	ck_assert_ptr_nonnull(logged);
	ck_assert_msg(strstr(logged, "hq/sub") && strstr(logged, "/sub: No such file"), "%s", logged);
	free(logged);
	logged = NULL;
	ck_assert_uint_eq(inv->nsources, 2);
	ck_assert(inv->sources[0].ok);
	ck_assert_str_eq(inv->sources[1].node, "sub");
	ck_assert(!inv->sources[1].ok);
	ck_assert_ptr_nonnull(inv->sources[1].error);
	ck_assert(strstr(inv->sources[1].error, "No such file") != NULL);
	ck_assert_int_eq(inv->sources[1].last_success, 0);
	ck_assert_uint_eq(inv->errors, 1);
	ck_assert_uint_eq(inv->nrecords, 1);
	assert_record(&t, inv, "tomcat.pem", "tomcat", UC_STATE_VALID, 100);
	uc_inventory_free(inv);
	uc_scanner_free(sc);
	free(extra);
	tree_free(&t);
}
END_TEST

START_TEST(test_sort)
{
	struct tree t;
	struct uc_scanner *sc = uc_scanner_new();

	tree_init(&t);
	put_cert(&t, "tomcat", "tomcat.pem", "a", T0 + 300 * DAY);
	put_cert(&t, "tomcat-trust", "b.pem", "b", T0 + 10 * DAY);
	put_cert(&t, "tomcat-trust", "a.pem", "a", T0 + 10 * DAY);
	put_cert(&t, "ipsec-trust", "old.pem", "c", T0 - 10 * DAY);
	put_bytes(&t, "ipsec-trust", "broken.pem", "not a certificate\n");
	put_cert(&t, "CallManager", "CallManager.pem", "d", T0 + 10 * DAY);
	tree_load(&t, "", NULL);
	struct uc_inventory *inv = uc_scan(sc, t.s, T0);
	uc_inventory_sort(inv);
	static const char *const order[] = { "old.pem", "CallManager.pem", "a.pem", "b.pem",
		"tomcat.pem", "broken.pem" };
	ck_assert_uint_eq(inv->nrecords, 6);
	for (size_t i = 0; i < 6; i++)
		ck_assert_msg(strcmp(inv->records[i].file, order[i]) == 0, "position %zu: %s, expected %s",
			      i, inv->records[i].file, order[i]);
	uc_inventory_free(inv);
	uc_scanner_free(sc);
	tree_free(&t);
}
END_TEST

/* ---- the cache ---------------------------------------------------------- */

static void stats(struct uc_scanner *sc, unsigned long read, unsigned long cached)
{
	struct uc_scan_stats st;

	uc_scanner_stats(sc, &st);
	ck_assert_msg(st.files_read == read && st.files_cached == cached,
		      "files read %lu (expected %lu), cached %lu (expected %lu)",
		      st.files_read, read, st.files_cached, cached);
}

START_TEST(test_cache)
{
	struct tree t;
	struct uc_scanner *sc = uc_scanner_new();
	struct uc_inventory *inv;
	char *p;

	tree_init(&t);
	put_cert(&t, "tomcat", "tomcat.pem", "a", T0 + 100 * DAY);
	put_cert(&t, "ipsec", "ipsec.pem", "b", T0 + 100 * DAY);
	put_cert(&t, "tomcat-trust", "ca1.pem", "c", T0 + 100 * DAY);
	put_cert(&t, "tomcat-trust", "ca2.pem", "d", T0 + 100 * DAY);
	put_bytes(&t, "tomcat-trust", "junk.pem", "junk\n");
	tree_load(&t, "", NULL);

	inv = uc_scan(sc, t.s, T0);
	ck_assert_uint_eq(inv->nrecords, 5);
	stats(sc, 5, 0);
	uc_inventory_free(inv);

	/* unchanged: nothing is read, the result is the same */
	inv = uc_scan(sc, t.s, T0);
	ck_assert_uint_eq(inv->nrecords, 5);
	stats(sc, 5, 5);
	assert_record(&t, inv, "ca1.pem", "tomcat-trust", UC_STATE_VALID, 100);
	ck_assert_int_eq(find(inv, "junk.pem")->state, UC_STATE_UNREADABLE);
	uc_inventory_free(inv);

	/* touched: only that file is read again */
	p = tk_printf("%s/tomcat-trust/ca1.pem", t.node);
	struct timespec ts[2] = { { T0, 0 }, { T0, 0 } };
	ck_assert_int_eq(utimensat(AT_FDCWD, p, ts, 0), 0);
	free(p);
	inv = uc_scan(sc, t.s, T0);
	stats(sc, 6, 9);
	uc_inventory_free(inv);

	/* rewritten with another certificate: read again, new content seen */
	put_cert(&t, "tomcat", "tomcat.pem", "renewed tomcat certificate", T0 + 1000 * DAY);
	inv = uc_scan(sc, t.s, T0);
	stats(sc, 7, 13);
	assert_record(&t, inv, "tomcat.pem", "tomcat", UC_STATE_VALID, 1000);
	ck_assert_str_eq(find(inv, "tomcat.pem")->cert->subject, "CN=renewed tomcat certificate");
	uc_inventory_free(inv);

	/* deleted: gone from the inventory, nothing else read */
	p = tk_printf("%s/tomcat-trust/ca2.pem", t.node);
	ck_assert_int_eq(unlink(p), 0);
	free(p);
	inv = uc_scan(sc, t.s, T0);
	ck_assert_uint_eq(inv->nrecords, 4);
	ck_assert(!has(inv, "ca2.pem"));
	stats(sc, 7, 17);
	uc_inventory_free(inv);

	/* a broken file repaired is read again */
	put_cert(&t, "tomcat-trust", "junk.pem", "repaired", T0 + 5 * DAY);
	inv = uc_scan(sc, t.s, T0);
	stats(sc, 8, 20);
	assert_record(&t, inv, "junk.pem", "tomcat-trust", UC_STATE_EXPIRING, 5);
	uc_inventory_free(inv);

	/* an inventory outlives the scanner that made it */
	inv = uc_scan(sc, t.s, T0);
	uc_scanner_free(sc);
	ck_assert_str_eq(find(inv, "junk.pem")->cert->subject, "CN=repaired");
	uc_inventory_free(inv);
	tree_free(&t);
}
END_TEST

static void dirs(struct uc_scanner *sc, unsigned long listed, unsigned long reused)
{
	struct uc_scan_stats st;

	uc_scanner_stats(sc, &st);
	ck_assert_msg(st.dirs_listed == listed && st.dirs_reused == reused,
		      "directories listed %lu (expected %lu), reused %lu (expected %lu)",
		      st.dirs_listed, listed, st.dirs_reused, reused);
}

/* Watched unit directories: unchanged ones are not looked into, a change
 * the kernel reports (even one that keeps size and times) is read. */
START_TEST(test_watch)
{
	struct tree t;
	struct uc_scanner *sc = uc_scanner_new();
	struct uc_inventory *inv;

	tree_init(&t);
	put_cert(&t, "tomcat", "tomcat.pem", "a", T0 + 100 * DAY);
	put_cert(&t, "tomcat-trust", "ca1.pem", "c", T0 + 100 * DAY);
	tree_load(&t, "", NULL);

	uc_inventory_free(uc_scan(sc, t.s, T0));
	dirs(sc, 2, 0);
	inv = uc_scan(sc, t.s, T0);	/* nothing changed */
	dirs(sc, 2, 2);
	stats(sc, 2, 2);
	ck_assert_uint_eq(inv->nrecords, 2);
	uc_inventory_free(inv);

	/* rewritten with its old times put back: the kernel's report makes
	 * the directory listed again, the other one is still reused */
	char *p = tk_printf("%s/tomcat/tomcat.pem", t.node);
	struct stat before;
	ck_assert_int_eq(stat(p, &before), 0);
	put_cert(&t, "tomcat", "tomcat.pem", "b", T0 + 100 * DAY);
	struct timespec ts[2] = { before.st_atim, before.st_mtim };
	ck_assert_int_eq(utimensat(AT_FDCWD, p, ts, 0), 0);
	inv = uc_scan(sc, t.s, T0);
	dirs(sc, 3, 3);
	ck_assert_str_eq(find(inv, "tomcat.pem")->cert->subject, "CN=b");
	uc_inventory_free(inv);

	/* a symbolic link's target can change unseen: that directory is
	 * listed at every scan */
	char *link = tk_printf("%s/tomcat-trust/link.pem", t.node);
	ck_assert_int_eq(symlink(p, link), 0);
	uc_inventory_free(uc_scan(sc, t.s, T0));
	dirs(sc, 4, 4);
	uc_inventory_free(uc_scan(sc, t.s, T0));
	dirs(sc, 5, 5);
	free(link);
	free(p);

	/* and every directory is listed in full at least every 24th scan */
	struct uc_scan_stats st0, st1;
	uc_scanner_stats(sc, &st0);
	for (int i = 0; i < 24; i++)
		uc_inventory_free(uc_scan(sc, t.s, T0));
	uc_scanner_stats(sc, &st1);
	ck_assert_uint_eq(st1.dirs_listed - st0.dirs_listed, 24 + 1);
	uc_scanner_free(sc);
	tree_free(&t);
}
END_TEST

/* More files than the cache's first table holds: growing keeps every entry. */
START_TEST(test_cache_many_files)
{
	struct tree t;
	struct uc_scanner *sc = uc_scanner_new();
	struct uc_inventory *inv;
	enum { N = 1500 };
	X509 *x;
	char *pem, *dir;

	tree_init(&t);
	struct tk_spec s = { .not_before = T0 - DAY, .not_after = T0 + 100 * DAY };
	x = tk_mint(&s);
	pem = tk_pem(x);
	dir = unit_dir(&t, "Phone-trust");
	for (int i = 0; i < N; i++) {
		char *p = tk_printf("%s/phone-%04d.pem", dir, i);
		tk_write_str(p, pem);
		free(p);
	}
	tree_load(&t, "", NULL);
	inv = uc_scan(sc, t.s, T0);
	ck_assert_uint_eq(inv->nrecords, N);
	uc_inventory_free(inv);
	inv = uc_scan(sc, t.s, T0);
	ck_assert_uint_eq(inv->nrecords, N);
	stats(sc, N, N);
	uc_inventory_free(inv);
	uc_scanner_free(sc);
	free(dir);
	free(pem);
	X509_free(x);
	tree_free(&t);
}
END_TEST

Suite *scan_suite(void)
{
	Suite *s = suite_create("scan");
	TCase *tc = tcase_create("scan");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_states_and_thresholds);
	tcase_add_test(tc, test_threshold_zero);
	tcase_add_test(tc, test_bundle_records);
	tcase_add_test(tc, test_unit_dirs);
	tcase_add_test(tc, test_unreadable_files);
	if (geteuid() != 0)
		tcase_add_test(tc, test_unit_dir_unreadable);
	tcase_add_test(tc, test_missing_cert_dir);
	tcase_add_test(tc, test_sort);
	tcase_add_test(tc, test_cache);
	tcase_add_test(tc, test_cache_many_files);
	tcase_add_test(tc, test_watch);
	suite_add_tcase(s, tc);
	return s;
}
