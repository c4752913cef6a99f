/* uccert - command-line front end: scan, and the commands built on it. */
#include <config.h>

#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certapi.h"
#include "client.h"
#include "clock.h"
#include "log.h"
#include "scan.h"
#include "util.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

static const struct command {
	const char *name;
	int (*run)(struct cli *, int, char **);
	const char *summary;
	/* run even when the configuration is broken (cli->settings NULL): the
	 * command reports it itself, for example as a plugin status */
	bool reports_config_error;
} commands[] = {
	{ "scan", cmd_scan, "list every certificate with days left, impact and state", false },
	{ "plan", cmd_plan, "renewal runbook: the steps the expiring certificates require", false },
	{ "cleanup", cmd_cleanup, "quarantine expired trust certificates (a dry run without --apply)", false },
	{ "restore", cmd_restore, "put back the files a cleanup run quarantined", false },
	{ "check", cmd_check, "Nagios/Icinga plugin: status line, perfdata, exit 0-3", true },
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: uccert [-c FILE] [--now TIME] COMMAND [ARGS]\n"
		"\n"
		"  -c, --config FILE  configuration (default %s/uccert/uccert.conf)\n"
		"      --now TIME     evaluate as if it were TIME: a date (2027-01-01, midnight\n"
		"                     UTC) or RFC 3339 (2027-01-01T09:30:00Z)\n"
		"  -q, --quiet        do not print configuration or scan warnings\n"
		"  -h, --help         this help\n"
		"  -V, --version      print the version\n"
		"\ncommands:\n",
		SYSCONFDIR);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nSee uccert(1) and uccert.conf(5).\n");
}

const char *esc(const char *s)
{
	static char *ring[32];
	static unsigned next;
	char **slot = &ring[next++ % (sizeof ring / sizeof ring[0])];

	free(*slot);
	*slot = uc_escape(s);
	return *slot;
}

int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	fprintf(stderr, "uccert: %s\nTry 'uccert --help'.\n", esc(msg));	/* argv is anyone's */
	free(msg);
	return EXIT_USAGE;
}

bool source_in_scope(const struct uc_source *src, const char *cluster,
		     const char *node, bool tls)
{
	if (!tls && src->kind == UC_SOURCE_TLS)
		return false;
	if (cluster && strcmp(cluster, src->cluster) != 0)
		return false;
	return !node || strcmp(node, src->node) == 0;
}

int sources_exit(const struct uc_inventory *inv, const char *cluster,
		 const char *node, bool tls)
{
	size_t n = 0, bad = 0;

	for (size_t i = 0; i < inv->nsources; i++) {
		if (!source_in_scope(&inv->sources[i], cluster, node, tls))
			continue;
		n++;
		bad += !inv->sources[i].ok;
	}
	if (bad && bad == n)
		return EXIT_NO_SOURCE;
	return bad ? EXIT_SOME_SOURCES : 0;
}

char *cluster_names(const struct uc_settings *s)
{
	struct sbuf b = { 0 };

	for (size_t i = 0; i < s->nclusters; i++)
		sbuf_printf(&b, "%s%s", i ? ", " : "", s->clusters[i].name);
	return sbuf_take(&b);
}

/* The library logs a source it cannot read at LOG_ERR; a report that
 * prints every source error itself shows each once, on stdout. */
static void without_source_errors(int priority, const char *msg)
{
	if (priority != LOG_ERR)
		fprintf(stderr, "uccert: %s\n", msg);
}

struct uc_inventory *scan_for_report(struct uc_scanner *sc, const struct uc_settings *s,
				     int64_t now)
{
	uc_log_set_handler(without_source_errors);
	struct uc_inventory *inv = uc_scan(sc, s, now);
	uc_log_set_handler(NULL);
	return inv;
}

static int load_settings(struct cli *cli)
{
	cli->settings = uc_settings_load_logged(cli->config_path);
	return cli->settings ? 0 : EXIT_CONFIG;
}

/* --now: RFC 3339, or a date alone for midnight UTC of that day. */
static bool parse_now(const char *arg, int64_t *out)
{
	char buf[32];

	if (strlen(arg) == 10 && arg[4] == '-' && arg[7] == '-') {
		snprintf(buf, sizeof buf, "%sT00:00:00Z", arg);
		return uc_parse_rfc3339(buf, out);
	}
	return uc_parse_rfc3339(arg, out);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "now", required_argument, NULL, 'N' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli cli = { .config_path = SYSCONFDIR "/uccert/uccert.conf" };
	int c, rc;

	uc_log_set_ident("uccert");
	/* '+': stop at the command name; the command parses its own options */
	while ((c = getopt_long(argc, argv, "+c:qhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cli.config_path = optarg;
			break;
		case 'N':
			if (!parse_now(optarg, &cli.now))
				return usage_error("--now %s: expected a date (2027-01-01, midnight UTC) or an RFC 3339 time such as 2027-01-01T09:30:00Z", optarg);
			uc_set_now(cli.now);
			break;
		case 'q':
			uc_log_set_level(LOG_ERR);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("uccert %s\n", PACKAGE_VERSION);
			return 0;
		default:
			return usage_error("unknown option");
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cli.now = uc_now();
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(argv[optind], commands[i].name) != 0)
			continue;
		if ((rc = load_settings(&cli)) != 0 && !commands[i].reports_config_error)
			return rc;
		int sub_argc = argc - optind;
		char **sub_argv = argv + optind;
		optind = 0;	/* glibc: re-initialise getopt for the subcommand */
		rc = commands[i].run(&cli, sub_argc, sub_argv);
		uc_settings_free(cli.settings);
		uc_api_global_cleanup();
		return rc;
	}
	return usage_error("unknown command '%s'", argv[optind]);
}
