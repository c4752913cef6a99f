/* check_config.c - uccert.conf: defaults, every setting, and errors that
 * point at file:line. */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "settings.h"

/* One cluster, one node: the smallest valid file (6 lines). */
#define MINIMAL_CLUSTERS \
	"clusters = (\n" \
	"  { name = \"hq\";\n" \
	"    nodes = (\n" \
	"      { name = \"pub\"; role = \"publisher\"; cert_dir = \"/srv/pub\"; }\n" \
	"    );\n" \
	"  }\n" \
	");\n"

struct loaded {
	char *dir, *path;
	struct uc_settings *s;
	struct uc_diag d;
};

static void load(struct loaded *l, const char *text)
{
	memset(l, 0, sizeof *l);
	l->dir = tk_tmpdir();
	l->path = tk_printf("%s/uccert.conf", l->dir);
	tk_write_str(l->path, text);
	l->s = uc_settings_load(l->path, &l->d);
}

static void unload(struct loaded *l)
{
	uc_settings_free(l->s);
	uc_diag_free(&l->d);
	free(l->path);
	free(l->dir);
}

/* Exactly one error, "<file>:<line>: ..." naming `word`; no settings. */
static void assert_one_error(const struct loaded *l, int line, const char *word)
{
	char *prefix = tk_printf("%s:%d: ", l->path, line);

	ck_assert_ptr_null(l->s);
	ck_assert_msg(l->d.nerrors == 1, "%zu errors, first: %s", l->d.nerrors,
		      l->d.nerrors ? l->d.errors[0] : "(none)");
	ck_assert_msg(strncmp(l->d.errors[0], prefix, strlen(prefix)) == 0,
		      "\"%s\" does not start with \"%s\"", l->d.errors[0], prefix);
	ck_assert_msg(strstr(l->d.errors[0] + strlen(prefix), word) != NULL,
		      "\"%s\" does not name \"%s\"", l->d.errors[0], word);
	free(prefix);
}

static void assert_loaded(const struct loaded *l)
{
	ck_assert_msg(l->s != NULL, "rejected: %s", l->d.nerrors ? l->d.errors[0] : "?");
	ck_assert_uint_eq(l->d.nerrors, 0);
}

/* ---- valid files -------------------------------------------------------- */

START_TEST(test_defaults)
{
	static const int reminders[] = { 60, 30, 14, 7, 3, 1 };
	struct loaded l;

	load(&l, MINIMAL_CLUSTERS);
	assert_loaded(&l);
	ck_assert_uint_eq(l.d.nwarnings, 0);
	ck_assert_str_eq(l.s->path, l.path);
	ck_assert_int_eq(l.s->threshold_days, 90);
	for (int i = 1; i <= UC_IMPACT_MAX; i++)
		ck_assert_int_eq(uc_settings_threshold(l.s, (enum uc_impact)i), 90);
	ck_assert_uint_eq(l.s->nreminders, 6);
	for (size_t i = 0; i < 6; i++)
		ck_assert_int_eq(l.s->reminder_days[i], reminders[i]);
	ck_assert_int_eq(l.s->scan_interval, 3600);
	ck_assert_int_eq(l.s->expired_repeat_days, 0);
	ck_assert_str_eq(l.s->state_dir, "/var/lib/uccert");
	ck_assert_str_eq(l.s->agentx_socket, "/var/agentx/master");
	ck_assert_int_eq(l.s->agentx_ping_interval, 15);
	ck_assert_str_eq(l.s->quarantine_dir, "/var/lib/uccert/quarantine");
	ck_assert_int_eq(l.s->grace_days, 0);
	ck_assert_uint_eq(l.s->nclusters, 1);
	const struct uc_cluster *c = &l.s->clusters[0];
	ck_assert_str_eq(c->name, "hq");
	ck_assert_int_eq(c->product, UC_PRODUCT_CUCM);
	ck_assert_int_eq(c->security_mode, UC_SECURITY_NON_SECURE);
	ck_assert_int_eq(c->line, 2);
	ck_assert_uint_eq(c->nnodes, 1);
	ck_assert_uint_eq(c->nphones, 0);
	ck_assert_str_eq(c->nodes[0].name, "pub");
	ck_assert_int_eq(c->nodes[0].role, UC_ROLE_PUBLISHER);
	ck_assert_str_eq(c->nodes[0].cert_dir, "/srv/pub");
	ck_assert_int_eq(c->nodes[0].line, 4);
	unload(&l);
}
END_TEST

START_TEST(test_every_setting)
{
	struct loaded l;

	load(&l,
	     "threshold_days = 60;\n"
	     "threshold_days_none = 30;\n"
	     "threshold_days_ctl_itl = 120;\n"
	     "threshold_days_unknown = 45;\n"
	     "reminder_days = [ 1, 100, 7, 30 ];\n"
	     "expired_repeat_days = 7;\n"
	     "scan_interval = 600;\n"
	     "state_dir = \"/var/tmp/uccert\";\n"
	     "agentx = { socket = \"tcp:localhost:705\"; ping_interval = 5; };\n"
	     "cleanup = { quarantine_dir = \"/srv/q\"; grace_days = 14; };\n"
	     "clusters = (\n"
	     "  { name = \"hq\"; product = \"cucm\"; security_mode = \"mixed-usb\";\n"
	     "    nodes = ( { name = \"pub\"; role = \"publisher\"; cert_dir = \"/a\"; },\n"
	     "              { name = \"sub1\"; role = \"subscriber\"; cert_dir = \"/b\"; } );\n"
	     "    phones = ( { model = \"8845\"; count = 1200; }, { model = \"7960\"; count = 40; } );\n"
	     "  },\n"
	     "  { name = \"vm\"; product = \"cuc\"; security_mode = \"mixed-tokenless\";\n"
	     "    nodes = ( { name = \"cuc1\"; role = \"publisher\"; cert_dir = \"/c\"; } ); }\n"
	     ");\n");
	assert_loaded(&l);
	ck_assert_uint_eq(l.d.nwarnings, 0);
	ck_assert_int_eq(l.s->threshold_days, 60);
	ck_assert_int_eq(uc_settings_threshold(l.s, UC_IMPACT_NONE), 30);
	ck_assert_int_eq(uc_settings_threshold(l.s, UC_IMPACT_CTL_ITL), 120);
	ck_assert_int_eq(uc_settings_threshold(l.s, UC_IMPACT_UNKNOWN), 45);
	ck_assert_uint_eq(l.s->nreminders, 4);
	ck_assert_int_eq(l.s->reminder_days[0], 100);	/* sorted, largest first */
	ck_assert_int_eq(l.s->reminder_days[1], 30);
	ck_assert_int_eq(l.s->reminder_days[2], 7);
	ck_assert_int_eq(l.s->reminder_days[3], 1);
	ck_assert_int_eq(l.s->expired_repeat_days, 7);
	ck_assert_int_eq(l.s->scan_interval, 600);
	ck_assert_str_eq(l.s->state_dir, "/var/tmp/uccert");
	ck_assert_str_eq(l.s->agentx_socket, "tcp:localhost:705");
	ck_assert_int_eq(l.s->agentx_ping_interval, 5);
	ck_assert_str_eq(l.s->quarantine_dir, "/srv/q");
	ck_assert_int_eq(l.s->grace_days, 14);
	ck_assert_uint_eq(l.s->nclusters, 2);
	const struct uc_cluster *hq = &l.s->clusters[0], *vm = &l.s->clusters[1];
	ck_assert_int_eq(hq->security_mode, UC_SECURITY_MIXED_USB);
	ck_assert_uint_eq(hq->nnodes, 2);
	ck_assert_str_eq(hq->nodes[1].name, "sub1");
	ck_assert_int_eq(hq->nodes[1].role, UC_ROLE_SUBSCRIBER);
	ck_assert_str_eq(hq->nodes[1].cert_dir, "/b");
	ck_assert_uint_eq(hq->nphones, 2);
	ck_assert_str_eq(hq->phones[0].model, "8845");
	ck_assert_int_eq(hq->phones[0].count, 1200);
	ck_assert_str_eq(hq->phones[1].model, "7960");
	ck_assert_int_eq(hq->phones[1].count, 40);
	ck_assert_str_eq(vm->name, "vm");
	ck_assert_int_eq(vm->product, UC_PRODUCT_CUC);
	ck_assert_int_eq(vm->security_mode, UC_SECURITY_MIXED_TOKENLESS);
	ck_assert_int_eq(vm->line, 17);
	ck_assert_str_eq(uc_security_mode_name(vm->security_mode), "mixed-tokenless");
	ck_assert_str_eq(uc_security_mode_name(UC_SECURITY_MIXED_USB), "mixed-usb");
	ck_assert_str_eq(uc_security_mode_name(UC_SECURITY_NON_SECURE), "non-secure");
	ck_assert_str_eq(uc_role_name(UC_ROLE_PUBLISHER), "publisher");
	ck_assert_str_eq(uc_role_name(UC_ROLE_SUBSCRIBER), "subscriber");
	unload(&l);
}
END_TEST

/* threshold_days_ctl_itl moves the CTL/ITL threshold and nothing else. */
START_TEST(test_ctl_itl_override_only)
{
	struct loaded l;

	load(&l, "threshold_days = 45;\nthreshold_days_ctl_itl = 120;\n" MINIMAL_CLUSTERS);
	assert_loaded(&l);
	ck_assert_int_eq(l.s->threshold_days, 45);
	ck_assert_int_eq(uc_settings_threshold(l.s, UC_IMPACT_NONE), 45);
	ck_assert_int_eq(uc_settings_threshold(l.s, UC_IMPACT_CTL_ITL), 120);
	ck_assert_int_eq(uc_settings_threshold(l.s, UC_IMPACT_UNKNOWN), 45);
	/* reminders up to the largest threshold are fine */
	unload(&l);
	load(&l, "threshold_days = 45;\nthreshold_days_ctl_itl = 120;\n"
	     "reminder_days = [ 100, 30 ];\n" MINIMAL_CLUSTERS);
	assert_loaded(&l);
	ck_assert_int_eq(l.s->reminder_days[0], 100);
	unload(&l);
}
END_TEST

/* An unknown setting is a warning with its place, and is ignored. */
START_TEST(test_unknown_setting_warns)
{
	struct loaded l;
	char *top, *node;

	load(&l,
	     "threshold_days = 30;\n"
	     "treshold_days = 10;\n"
	     "clusters = (\n"
	     "  { name = \"hq\";\n"
	     "    nodes = (\n"
	     "      { name = \"pub\"; role = \"publisher\"; cert_dir = \"/srv/pub\";\n"
	     "        ip = \"10.0.0.1\"; }\n"
	     "    );\n"
	     "  }\n"
	     ");\n");
	assert_loaded(&l);
	ck_assert_int_eq(l.s->threshold_days, 30);
	ck_assert_uint_eq(l.d.nwarnings, 2);
	top = tk_printf("%s:2: ", l.path);
	node = tk_printf("%s:7: ", l.path);
	ck_assert_msg(strncmp(l.d.warnings[0], top, strlen(top)) == 0, "%s", l.d.warnings[0]);
	ck_assert(strstr(l.d.warnings[0], "treshold_days") != NULL);
	ck_assert_msg(strncmp(l.d.warnings[1], node, strlen(node)) == 0, "%s", l.d.warnings[1]);
	ck_assert(strstr(l.d.warnings[1], "'ip'") != NULL);
	free(top);
	free(node);
	unload(&l);
}
END_TEST

/* ---- errors ------------------------------------------------------------- */

START_TEST(test_negative_threshold)
{
	struct loaded l;

	load(&l, "# uccert\nthreshold_days = -1;\n" MINIMAL_CLUSTERS);
	assert_one_error(&l, 2, "threshold_days");
	unload(&l);
	load(&l, "threshold_days_ctl_itl = -5;\n" MINIMAL_CLUSTERS);
	assert_one_error(&l, 1, "threshold_days_ctl_itl");
	unload(&l);
	load(&l, "threshold_days = 3651;\n" MINIMAL_CLUSTERS);
	assert_one_error(&l, 1, "3650");
	unload(&l);
}
END_TEST

/* Every integer setting, written as a number that wraps to a valid one in 32
 * bits (2^32 + 30), is refused at its line, quoting the number as written. */
START_TEST(test_integer_wrap)
{
	static const char *const settings[] = { "threshold_days", "threshold_days_none",
		"threshold_days_ctl_itl", "threshold_days_unknown", "expired_repeat_days",
		"scan_interval", "probe_timeout", "probe_concurrency", "api_timeout",
		"stale_after", "agentx.ping_interval", "cleanup.grace_days", NULL };
	struct loaded l;

	for (const char *const *name = settings; *name; name++) {
		const char *dot = strchr(*name, '.');
		char *text = dot ? tk_printf("\n%.*s = { %s = 4294967326; };\n" MINIMAL_CLUSTERS,
					     (int)(dot - *name), *name, dot + 1)
				 : tk_printf("\n%s = 4294967326;\n" MINIMAL_CLUSTERS, *name);
		char *want = tk_printf("%s = 4294967326: must be between", dot ? dot + 1 : *name);
		load(&l, text);
		assert_one_error(&l, 2, want);
		unload(&l);
		free(want);
		free(text);
	}
}
END_TEST

/* What the reported wraps were, and literals libconfig cannot hold at all. */
START_TEST(test_integer_as_written)
{
	struct loaded l;

	load(&l, "threshold_days = 4294967386;\n" MINIMAL_CLUSTERS);
	assert_one_error(&l, 1, "threshold_days = 4294967386: must be between 0 and 3650");
	unload(&l);
	load(&l, "cleanup = {\n  grace_days = 4294967296;\n};\n" MINIMAL_CLUSTERS);
	assert_one_error(&l, 2, "grace_days = 4294967296: must be between 0 and 36500");
	unload(&l);
	load(&l, "threshold_days = 9223372036854775807;\n" MINIMAL_CLUSTERS);
	assert_one_error(&l, 1, "threshold_days = 9223372036854775807: must be");
	unload(&l);
	load(&l, "threshold_days = 99999999999999999999;\n" MINIMAL_CLUSTERS);
	assert_one_error(&l, 1, "threshold_days = 99999999999999999999: must be");
	unload(&l);
	load(&l, "threshold_days = 0x10000001E;\n" MINIMAL_CLUSTERS);
	assert_one_error(&l, 1, "threshold_days = 0x10000001E: must be");
	unload(&l);
	load(&l, "threshold_days = -4294967266;\n" MINIMAL_CLUSTERS);
	assert_one_error(&l, 1, "threshold_days = -4294967266: must be");
	unload(&l);
	/* a 64-bit literal within range is a plain number */
	load(&l, "threshold_days = 45L;\nscan_interval = 0x258;\n" MINIMAL_CLUSTERS);
	assert_loaded(&l);
	ck_assert_int_eq(l.s->threshold_days, 45);
	ck_assert_int_eq(l.s->scan_interval, 600);
	unload(&l);
}
END_TEST

/* Integers inside lists: which element is meant, even with its twins on the
 * same line. */
START_TEST(test_integer_in_lists)
{
	struct loaded l;

	load(&l, "reminder_days = [ 30, 4294967297 ];\n" MINIMAL_CLUSTERS);
	assert_one_error(&l, 1, "reminder_days = 4294967297: must be between");
	unload(&l);
	load(&l, "clusters = (\n"
	     "  { name = \"hq\";\n"
	     "    nodes = ( { name = \"pub\"; role = \"publisher\"; cert_dir = \"/a\"; } );\n"
	     "    phones = ( { model = \"8845\"; count = 5; }, { model = \"7841\"; count = 4294967296; } );\n"
	     "  }\n"
	     ");\n");
	assert_one_error(&l, 4, "count = 4294967296: must be between 0 and");
	unload(&l);
	/* a port inside a string: 2^32 + 8443 is no port 8443 */
	load(&l, "clusters = (\n"
	     "  { name = \"hq\";\n"
	     "    nodes = ( { name = \"pub\"; role = \"publisher\"; host = \"cucm-pub\";\n"
	     "                probes = [ \"tomcat@4294975739\" ]; } );\n"
	     "  }\n"
	     ");\n");
	assert_one_error(&l, 4, "\"tomcat@4294975739\": the port must be between 1 and 65535");
	unload(&l);
}
END_TEST

START_TEST(test_wrong_type)
{
	struct loaded l;

	load(&l, "threshold_days = \"90\";\n" MINIMAL_CLUSTERS);
	assert_one_error(&l, 1, "integer");
	unload(&l);
	load(&l, "scan_interval = 5;\n" MINIMAL_CLUSTERS);	/* below 10 s */
	assert_one_error(&l, 1, "scan_interval");
	unload(&l);
}
END_TEST

START_TEST(test_unknown_product)
{
	struct loaded l;

	load(&l, "clusters = (\n"
	     "  { name = \"hq\";\n"
	     "    product = \"cucx\";\n"
	     "    nodes = ( { name = \"pub\"; role = \"publisher\"; cert_dir = \"/a\"; } );\n"
	     "  }\n"
	     ");\n");
	assert_one_error(&l, 3, "cucx");
	unload(&l);
}
END_TEST

START_TEST(test_unknown_security_mode)
{
	struct loaded l;

	load(&l, "clusters = (\n"
	     "  { name = \"hq\";\n"
	     "    nodes = ( { name = \"pub\"; role = \"publisher\"; cert_dir = \"/a\"; } );\n"
	     "    security_mode = \"mixed\";\n"
	     "  }\n"
	     ");\n");
	assert_one_error(&l, 4, "security_mode");
	unload(&l);
}
END_TEST

START_TEST(test_version_parsed)
{
	static const struct { const char *text; unsigned code; const char *back; } ok[] = {
		{ "12.5", UC_RELEASE(12, 5, 0), "12.5" },
		{ "12.5(1)SU3", UC_RELEASE(12, 5, 3), "12.5SU3" },
		{ "14", UC_RELEASE(14, 0, 0), "14" },
		{ "14SU2", UC_RELEASE(14, 0, 2), "14SU2" },
		{ "14su1", UC_RELEASE(14, 0, 1), "14SU1" },
		{ "15", UC_RELEASE(15, 0, 0), "15" },
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		struct loaded l;
		char buf[24];
		char *text = tk_printf("clusters = (\n"
				       "  { name = \"hq\"; version = \"%s\";\n"
				       "    nodes = ( { name = \"pub\"; role = \"publisher\"; cert_dir = \"/a\"; } );\n"
				       "  }\n"
				       ");\n", ok[i].text);
		load(&l, text);
		ck_assert_msg(l.s != NULL, "%s: %s", ok[i].text, l.d.nerrors ? l.d.errors[0] : "");
		ck_assert_uint_eq(l.s->clusters[0].release, ok[i].code);
		ck_assert_str_eq(uc_release_text(l.s->clusters[0].release, buf, sizeof buf), ok[i].back);
		unload(&l);
		free(text);
	}
	/* ordering: 14 < 14SU1 < 15, 12.5SU3 < 14 */
	ck_assert_uint_lt(UC_RELEASE(14, 0, 0), UC_RELEASE(14, 0, 1));
	ck_assert_uint_lt(UC_RELEASE(14, 0, 3), UC_RELEASE(15, 0, 0));
	ck_assert_uint_lt(UC_RELEASE(12, 5, 3), UC_RELEASE(14, 0, 0));
}
END_TEST

START_TEST(test_version_unset)
{
	struct loaded l;

	load(&l, MINIMAL_CLUSTERS);
	ck_assert_ptr_nonnull(l.s);
	ck_assert_uint_eq(l.s->clusters[0].release, 0);
	unload(&l);
}
END_TEST

START_TEST(test_bad_version)
{
	static const char *const bad[] = { "fourteen", "14SU", "14.", "12.5(1", "7",
		"14 SU2", "14SU2a", "v14", "100" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct loaded l;
		char *text = tk_printf("clusters = (\n"
				       "  { name = \"hq\";\n"
				       "    nodes = ( { name = \"pub\"; role = \"publisher\"; cert_dir = \"/a\"; } );\n"
				       "    version = \"%s\";\n"
				       "  }\n"
				       ");\n", bad[i]);
		load(&l, text);
		assert_one_error(&l, 4, "version");
		ck_assert_msg(strstr(l.d.errors[0], "14SU2") != NULL, "%s", l.d.errors[0]);
		unload(&l);
		free(text);
	}
	struct loaded l;
	load(&l, "clusters = (\n"
	     "  { name = \"hq\";\n"
	     "    nodes = ( { name = \"pub\"; role = \"publisher\"; cert_dir = \"/a\"; } );\n"
	     "    version = 14;\n"
	     "  }\n"
	     ");\n");
	assert_one_error(&l, 4, "version");
	unload(&l);
}
END_TEST

/* System Configuration Guide 14 port usage: what an IM and Presence node
 * presents by default, next to a CUCM publisher's. */
START_TEST(test_imp_default_probes)
{
	struct loaded l;

	load(&l, "clusters = (\n"
	     "  { name = \"im\"; product = \"imp\";\n"
	     "    nodes = ( { name = \"imp1\"; role = \"publisher\"; host = \"imp1.example.com\"; } );\n"
	     "  },\n"
	     "  { name = \"hq\";\n"
	     "    nodes = ( { name = \"pub\"; role = \"publisher\"; host = \"pub.example.com\"; } );\n"
	     "  }\n"
	     ");\n");
	ck_assert_msg(l.s != NULL, "%s", l.d.nerrors ? l.d.errors[0] : "");
	const struct uc_cluster *im = &l.s->clusters[0], *hq = &l.s->clusters[1];
	ck_assert_int_eq(im->product, UC_PRODUCT_IMP);
	ck_assert_str_eq(uc_product_name(im->product), "imp");
	const struct uc_node *n = &im->nodes[0];
	ck_assert_uint_eq(n->nprobes, 3);
	ck_assert_str_eq(n->probes[0].unit, "tomcat");
	ck_assert_int_eq(n->probes[0].port, 8443);
	ck_assert_str_eq(n->probes[1].unit, "cup-xmpp");
	ck_assert_int_eq(n->probes[1].port, 5222);
	ck_assert_str_eq(n->probes[2].unit, "cup-xmpp-s2s");
	ck_assert_int_eq(n->probes[2].port, 5269);
	ck_assert_uint_eq(hq->nodes[0].nprobes, 4);
	ck_assert_str_eq(hq->nodes[0].probes[1].unit, "CallManager");
	unload(&l);
}
END_TEST

/* The CTL client with USB tokens is not supported from release 14. */
START_TEST(test_usb_tokens_on_14)
{
	struct loaded l;

	load(&l, "clusters = (\n"
	     "  { name = \"hq\"; security_mode = \"mixed-usb\";\n"
	     "    nodes = ( { name = \"pub\"; role = \"publisher\"; cert_dir = \"/a\"; } );\n"
	     "    version = \"14SU1\";\n"
	     "  }\n"
	     ");\n");
	ck_assert_ptr_nonnull(l.s);
	ck_assert_uint_eq(l.d.nwarnings, 1);
	char *prefix = tk_printf("%s:4: ", l.path);
	ck_assert_msg(strncmp(l.d.warnings[0], prefix, strlen(prefix)) == 0, "%s", l.d.warnings[0]);
	ck_assert_msg(strstr(l.d.warnings[0], "utils ctl set-cluster mixed-mode") != NULL, "%s",
		      l.d.warnings[0]);
	free(prefix);
	unload(&l);
	load(&l, "clusters = (\n"
	     "  { name = \"hq\"; security_mode = \"mixed-usb\"; version = \"12.5(1)SU3\";\n"
	     "    nodes = ( { name = \"pub\"; role = \"publisher\"; cert_dir = \"/a\"; } );\n"
	     "  }\n"
	     ");\n");
	ck_assert_ptr_nonnull(l.s);
	ck_assert_uint_eq(l.d.nwarnings, 0);
	unload(&l);
}
END_TEST

START_TEST(test_duplicate_node)
{
	struct loaded l;

	load(&l, "clusters = (\n"
	     "  { name = \"hq\";\n"
	     "    nodes = (\n"
	     "      { name = \"pub\"; role = \"publisher\"; cert_dir = \"/a\"; },\n"
	     "      { name = \"sub\"; role = \"subscriber\"; cert_dir = \"/b\"; },\n"
	     "      { role = \"subscriber\"; cert_dir = \"/c\";\n"
	     "        name = \"sub\"; }\n"
	     "    );\n"
	     "  }\n"
	     ");\n");
	assert_one_error(&l, 7, "duplicate node name 'sub'");
	ck_assert(strstr(l.d.errors[0], "line 5") != NULL);	/* where the first is */
	unload(&l);
}
END_TEST

START_TEST(test_relative_paths)
{
	struct loaded l;

	load(&l, "state_dir = \"state\";\n"
	     "clusters = ( { name = \"hq\"; nodes = (\n"
	     "  { name = \"pub\"; role = \"publisher\"; cert_dir = \"exports/pub\"; },\n"
	     "  { name = \"sub\"; role = \"subscriber\"; cert_dir = \"/abs/sub\"; } ); } );\n");
	assert_loaded(&l);
	char *real = realpath(l.dir, NULL);
	char *want = tk_printf("%s/exports/pub", real);
	ck_assert_str_eq(l.s->clusters[0].nodes[0].cert_dir, want);
	ck_assert_str_eq(l.s->clusters[0].nodes[1].cert_dir, "/abs/sub");
	free(want);
	want = tk_printf("%s/state", real);
	ck_assert_str_eq(l.s->state_dir, want);
	free(want);
	want = tk_printf("%s/state/quarantine", real);
	ck_assert_str_eq(l.s->quarantine_dir, want);
	free(want);
	free(real);
	unload(&l);
}
END_TEST

/* The platform CLI source: defaults, the node's host, relative paths. */
START_TEST(test_ssh_source)
{
	struct loaded l;

	load(&l, "clusters = ( { name = \"hq\"; nodes = (\n"
	     "  { name = \"pub\"; role = \"publisher\"; host = \"10.1.1.10\"; probes = [];\n"
	     "    ssh = { user = \"admin\"; credentials = \"pub.cred\"; known_hosts = \"kh\"; }; },\n"
	     "  { name = \"sub\"; role = \"subscriber\";\n"
	     "    ssh = { host = \"sub.example.com\"; port = 2222; user = \"os\"; timeout = 9;\n"
	     "            credentials = \"/etc/c\"; known_hosts = \"/etc/k\"; }; } ); } );\n");
	assert_loaded(&l);
	const struct uc_node_ssh *a = l.s->clusters[0].nodes[0].ssh, *b = l.s->clusters[0].nodes[1].ssh;
	ck_assert_ptr_nonnull(a);
	ck_assert_str_eq(a->host, "10.1.1.10");
	ck_assert_int_eq(a->port, 22);
	ck_assert_int_eq(a->timeout, 30);
	ck_assert_str_eq(a->user, "admin");
	char *real = realpath(l.dir, NULL);
	char *want = tk_printf("%s/pub.cred", real);
	ck_assert_str_eq(a->credentials, want);
	free(want);
	want = tk_printf("%s/kh", real);
	ck_assert_str_eq(a->known_hosts, want);
	free(want);
	free(real);
	ck_assert_str_eq(b->host, "sub.example.com");
	ck_assert_int_eq(b->port, 2222);
	ck_assert_int_eq(b->timeout, 9);
	unload(&l);
}
END_TEST

/* No known_hosts: refused at load time, never trust on first use. */
START_TEST(test_ssh_needs_known_hosts)
{
	struct loaded l;

	load(&l, "clusters = ( { name = \"hq\"; nodes = (\n"
	     "  { name = \"pub\"; role = \"publisher\";\n"
	     "    ssh = { host = \"h\"; user = \"admin\"; credentials = \"/c\"; }; } ); } );\n");
	assert_one_error(&l, 3, "known_hosts");
	unload(&l);
}
END_TEST

START_TEST(test_missing_cert_dir)
{
	struct loaded l;

	load(&l, "clusters = (\n"
	     "  { name = \"hq\";\n"
	     "    nodes = (\n"
	     "      { name = \"pub\"; role = \"publisher\"; cert_dir = \"/a\"; },\n"
	     "      { name = \"sub\"; role = \"subscriber\"; }\n"
	     "    );\n"
	     "  }\n"
	     ");\n");
	assert_one_error(&l, 5, "cert_dir");
	unload(&l);
}
END_TEST

START_TEST(test_reminder_over_threshold)
{
	struct loaded l;

	load(&l, "threshold_days = 30;\n"
	     "\n"
	     "reminder_days = [ 14, 45, 7 ];\n" MINIMAL_CLUSTERS);
	assert_one_error(&l, 3, "45");
	ck_assert(strstr(l.d.errors[0], "threshold") != NULL);
	unload(&l);
	load(&l, "reminder_days = [ 14, 7, 14 ];\n" MINIMAL_CLUSTERS);
	assert_one_error(&l, 1, "twice");
	unload(&l);
	load(&l, "reminder_days = [ 14, -1 ];\n" MINIMAL_CLUSTERS);
	assert_one_error(&l, 1, "-1");
	unload(&l);
}
END_TEST

START_TEST(test_bad_role)
{
	struct loaded l;

	load(&l, "clusters = (\n"
	     "  { name = \"hq\";\n"
	     "    nodes = (\n"
	     "      { name = \"pub\";\n"
	     "        role = \"primary\";\n"
	     "        cert_dir = \"/a\"; }\n"
	     "    );\n"
	     "  }\n"
	     ");\n");
	assert_one_error(&l, 5, "primary");
	unload(&l);
}
END_TEST

START_TEST(test_two_publishers)
{
	struct loaded l;

	load(&l, "clusters = (\n"
	     "  { name = \"hq\";\n"
	     "    nodes = (\n"
	     "      { name = \"pub\"; role = \"publisher\"; cert_dir = \"/a\"; },\n"
	     "      { name = \"pub2\"; role = \"publisher\"; cert_dir = \"/b\"; }\n"
	     "    );\n"
	     "  }\n"
	     ");\n");
	assert_one_error(&l, 5, "publisher");
	unload(&l);
}
END_TEST

START_TEST(test_duplicate_cluster)
{
	struct loaded l;

	load(&l, "clusters = (\n"
	     "  { name = \"hq\"; nodes = ( { name = \"a\"; role = \"publisher\"; cert_dir = \"/a\"; } ); },\n"
	     "  { name = \"hq\"; nodes = ( { name = \"b\"; role = \"publisher\"; cert_dir = \"/b\"; } ); }\n"
	     ");\n");
	assert_one_error(&l, 3, "duplicate cluster name 'hq'");
	unload(&l);
}
END_TEST

START_TEST(test_no_clusters)
{
	struct loaded l;
	char *prefix;

	load(&l, "threshold_days = 30;\n");
	ck_assert_ptr_null(l.s);
	ck_assert_uint_eq(l.d.nerrors, 1);
	prefix = tk_printf("%s: ", l.path);
	ck_assert(strncmp(l.d.errors[0], prefix, strlen(prefix)) == 0);
	ck_assert(strstr(l.d.errors[0], "clusters") != NULL);
	free(prefix);
	unload(&l);
}
END_TEST

/* An empty list monitors nothing either: the same refusal, at its line, so a
 * reload keeps the configuration that was running. */
START_TEST(test_empty_cluster_list)
{
	struct loaded l;

	load(&l, "threshold_days = 30;\n\nclusters = ();\n");
	assert_one_error(&l, 3, "nothing to monitor");
	unload(&l);
	load(&l, "clusters = (\n);\n");
	assert_one_error(&l, 1, "nothing to monitor");
	unload(&l);
}
END_TEST

/* libconfig's own line for a syntax error. */
START_TEST(test_syntax_error)
{
	struct loaded l;

	load(&l, "threshold_days = 30;\n"
	     "scan_interval 600;\n"	/* missing '=' */
	     "state_dir = \"/x\";\n"
	     MINIMAL_CLUSTERS);
	assert_one_error(&l, 2, "syntax error");
	unload(&l);
	load(&l, "threshold_days = 30;\n\n\nclusters = ( { name = \"hq\" );\n");
	assert_one_error(&l, 4, "syntax error");
	unload(&l);
}
END_TEST

/* All problems of a file in one go, in file order. */
START_TEST(test_all_errors_reported)
{
	struct loaded l;

	load(&l, "threshold_days = -3;\n"
	     "clusters = (\n"
	     "  { name = \"hq\"; product = \"pbx\";\n"
	     "    nodes = ( { name = \"pub\"; role = \"boss\"; cert_dir = \"/a\"; } ); }\n"
	     ");\n");
	ck_assert_ptr_null(l.s);
	ck_assert_uint_eq(l.d.nerrors, 3);
	char *e1 = tk_printf("%s:1: ", l.path), *e2 = tk_printf("%s:3: ", l.path),
	     *e3 = tk_printf("%s:4: ", l.path);
	ck_assert(strncmp(l.d.errors[0], e1, strlen(e1)) == 0);
	ck_assert(strncmp(l.d.errors[1], e2, strlen(e2)) == 0);
	ck_assert(strncmp(l.d.errors[2], e3, strlen(e3)) == 0);
	free(e1);
	free(e2);
	free(e3);
	unload(&l);
}
END_TEST

START_TEST(test_missing_file)
{
	struct uc_diag d = { 0 };
	char *dir = tk_tmpdir();
	char *path = tk_printf("%s/absent.conf", dir);
	char *prefix = tk_printf("%s: ", path);

	ck_assert_ptr_null(uc_settings_load(path, &d));
	ck_assert_uint_eq(d.nerrors, 1);
	ck_assert_msg(strncmp(d.errors[0], prefix, strlen(prefix)) == 0, "%s", d.errors[0]);
	ck_assert_msg(strstr(d.errors[0], "No such file") != NULL, "%s", d.errors[0]);
	uc_diag_free(&d);
	free(prefix);
	free(path);
	free(dir);
}
END_TEST

/* Registered only when not root: root reads a mode 000 file anyway. */
START_TEST(test_unreadable_file)
{
	struct loaded l;

	load(&l, MINIMAL_CLUSTERS);
	uc_settings_free(l.s);
	uc_diag_free(&l.d);
	ck_assert_int_eq(chmod(l.path, 0), 0);
	l.s = uc_settings_load(l.path, &l.d);
	ck_assert_ptr_null(l.s);
	ck_assert_uint_eq(l.d.nerrors, 1);
	ck_assert_msg(strstr(l.d.errors[0], "Permission denied") != NULL, "%s", l.d.errors[0]);
	ck_assert(strncmp(l.d.errors[0], l.path, strlen(l.path)) == 0);
	unload(&l);
}
END_TEST

/* -c pointing at a directory: the reason must be about the directory, not
 * a stale errno ("cannot read: Success"). */
START_TEST(test_directory_as_file)
{
	struct uc_diag d = { 0 };
	char *dir = tk_tmpdir();

	ck_assert_ptr_null(uc_settings_load(dir, &d));
	ck_assert_uint_eq(d.nerrors, 1);
	ck_assert_msg(strncmp(d.errors[0], dir, strlen(dir)) == 0, "%s", d.errors[0]);
	ck_assert_msg(strstr(d.errors[0], "Success") == NULL &&
		      strcasestr(d.errors[0], "directory") != NULL, "%s", d.errors[0]);
	uc_diag_free(&d);
	free(dir);
}
END_TEST

/* Text in memory goes through the same loader as a file: same values, same
 * messages (named after the given name), relative paths left relative. */
START_TEST(test_from_buffer)
{
	static const char text[] = "threshold_days = 45;\n"
				   "state_dir = \"state\";\n"
				   "nope = 1;\n" MINIMAL_CLUSTERS;
	struct uc_diag d = { 0 };
	struct uc_settings *s = uc_settings_load_buffer("mem.conf", text, sizeof text - 1, &d);

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->threshold_days, 45);
	ck_assert_str_eq(s->state_dir, "state");
	ck_assert_str_eq(s->path, "mem.conf");
	ck_assert_int_eq(s->clusters[0].nodes[0].line, 7);
	ck_assert_uint_eq(d.nwarnings, 1);
	ck_assert_str_eq(d.warnings[0], "mem.conf:3: unknown setting 'nope' (ignored)");
	uc_settings_free(s);
	uc_diag_free(&d);

	/* len bytes are read, not up to a NUL (the X would be a syntax error);
	 * an error names its line */
	s = uc_settings_load_buffer("mem.conf", "scan_interval = 1;\nX", 19, &d);
	ck_assert_ptr_null(s);
	ck_assert_uint_eq(d.nerrors, 2);	/* the range, no clusters */
	ck_assert_msg(strncmp(d.errors[0], "mem.conf:1: scan_interval", 25) == 0, "%s", d.errors[0]);
	uc_diag_free(&d);

	s = uc_settings_load_buffer("empty", "", 0, &d);
	ck_assert_ptr_null(s);	/* no clusters */
	ck_assert_uint_ge(d.nerrors, 1);
	uc_diag_free(&d);
}
END_TEST

Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("valid");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_every_setting);
	tcase_add_test(tc, test_ctl_itl_override_only);
	tcase_add_test(tc, test_unknown_setting_warns);
	tcase_add_test(tc, test_version_parsed);
	tcase_add_test(tc, test_version_unset);
	tcase_add_test(tc, test_usb_tokens_on_14);
	tcase_add_test(tc, test_imp_default_probes);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, test_negative_threshold);
	tcase_add_test(tc, test_wrong_type);
	tcase_add_test(tc, test_integer_wrap);
	tcase_add_test(tc, test_integer_as_written);
	tcase_add_test(tc, test_integer_in_lists);
	tcase_add_test(tc, test_unknown_product);
	tcase_add_test(tc, test_unknown_security_mode);
	tcase_add_test(tc, test_bad_version);
	tcase_add_test(tc, test_duplicate_node);
	tcase_add_test(tc, test_missing_cert_dir);
	tcase_add_test(tc, test_ssh_source);
	tcase_add_test(tc, test_ssh_needs_known_hosts);
	tcase_add_test(tc, test_relative_paths);
	tcase_add_test(tc, test_reminder_over_threshold);
	tcase_add_test(tc, test_bad_role);
	tcase_add_test(tc, test_two_publishers);
	tcase_add_test(tc, test_duplicate_cluster);
	tcase_add_test(tc, test_no_clusters);
	tcase_add_test(tc, test_empty_cluster_list);
	tcase_add_test(tc, test_syntax_error);
	tcase_add_test(tc, test_all_errors_reported);
	tcase_add_test(tc, test_from_buffer);
	tcase_add_test(tc, test_missing_file);
	if (geteuid() != 0)
		tcase_add_test(tc, test_unreadable_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("known-bugs");
	tcase_set_tags(tc, "known-bug");
	tcase_add_test(tc, test_directory_as_file);
	suite_add_tcase(s, tc);
	return s;
}
