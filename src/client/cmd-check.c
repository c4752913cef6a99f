/* uccert check - the inventory as a Nagios/Icinga plugin.
 *
 * One status line on stdout, "UCCERT <STATE> - <summary> | <perfdata>",
 * then one line per problem (the plugin's long output), and the exit status
 * of the monitoring-plugins contract: 0 OK, 1 WARNING, 2 CRITICAL,
 * 3 UNKNOWN. Usage and configuration errors are UNKNOWN too. */
#include <config.h>

#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <signal.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "clock.h"
#include "scan.h"
#include "settings.h"
#include "util.h"

enum status { ST_OK = 0, ST_WARNING = 1, ST_CRITICAL = 2, ST_UNKNOWN = 3 };

static const char *const status_names[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

#define CRITICAL_DEFAULT 30	/* days; documented in uccert(1) */
#define MAX_DAYS 36500
#define SHOWN 3			/* problems named on the status line */
#define CHECK_USAGE "usage: uccert check [-w DAYS] [-c DAYS] [-t SECONDS] [--cluster NAME] [--node NAME] [--own-only] [--exclude PATTERN]..."

struct check {
	const struct uc_settings *s;
	const struct uc_inventory *inv;
	const char *cluster;	/* the scope; NULL: every cluster */
	const char *node;	/* ... and node; NULL: every node */
	bool own_only;		/* identity certificates only */
	const char *exclude[32];	/* fnmatch patterns on path and node/unit/file */
	size_t nexclude;
	int warning;		/* -1: the threshold of each impact class */
	int critical;
	bool name_clusters;	/* more than one cluster in scope */
	enum status *rated;	/* per record; ST_UNKNOWN: out of scope */
};

/* Append s to b: control bytes escaped like everywhere (a newline would end
 * the status line), and '|', the perfdata separator, as '?'. */
static void put_clean(struct sbuf *b, const char *s)
{
	char *safe = uc_escape(s);
	for (char *p = safe; *p; p++)
		sbuf_putc(b, *p == '|' ? '?' : *p);
	free(safe);
}

/* One finished line on stdout, already cleaned. */
static void print_line(struct sbuf *b)
{
	char *s = sbuf_take(b);
	puts(s);
	free(s);
}

static int unknown(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int unknown(const char *fmt, ...)
{
	struct sbuf b = { 0 };
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	sbuf_puts(&b, "UCCERT UNKNOWN - ");
	put_clean(&b, msg);
	print_line(&b);
	free(msg);
	return ST_UNKNOWN;
}

static int usage_unknown(const char *msg)
{
	fprintf(stderr, "uccert: check: %s\n" CHECK_USAGE "\n", esc(msg));
	return unknown("%s (%s)", msg, CHECK_USAGE);
}

/* main() ran us with no settings: the configuration is broken. Its errors
 * went to stderr already; the status line names the first. */
static int config_unknown(const char *path)
{
	struct uc_diag diag = { 0 };
	struct uc_settings *s = uc_settings_load(path, &diag);
	int rc;

	if (diag.nerrors > 1)
		rc = unknown("configuration error: %s (and %zu more)", diag.errors[0],
			     diag.nerrors - 1);
	else if (diag.nerrors == 1)
		rc = unknown("configuration error: %s", diag.errors[0]);
	else
		rc = unknown("configuration %s could not be loaded", path);
	uc_settings_free(s);
	uc_diag_free(&diag);
	return rc;
}

static bool parse_days(const char *arg, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 0 || v > MAX_DAYS)
		return false;
	*out = (int)v;
	return true;
}

static bool in_scope(const struct check *ck, const char *cluster, const char *node)
{
	return (!ck->cluster || strcmp(ck->cluster, cluster) == 0) &&
	       (!ck->node || !node || strcmp(ck->node, node) == 0);
}

/* Whether a certificate counts: in scope, not excluded, own if asked. */
static bool counted(const struct check *ck, const struct uc_record *r)
{
	if (!in_scope(ck, r->cluster, r->node) || (ck->own_only && r->store != UC_STORE_OWN))
		return false;
	for (size_t i = 0; i < ck->nexclude; i++) {
		char *short_name = xasprintf("%s/%s/%s", r->node, r->unit, r->file ? r->file : "");
		bool hit = fnmatch(ck->exclude[i], r->source, 0) == 0 ||
			   fnmatch(ck->exclude[i], short_name, 0) == 0;
		free(short_name);
		if (hit)
			return false;
	}
	return true;
}

static int warning_days(const struct check *ck, enum uc_impact impact)
{
	return ck->warning >= 0 ? ck->warning : uc_settings_threshold(ck->s, impact);
}

/* A certificate's plugin status, and its state under the check's thresholds:
 * expiring within the warning or the critical one (without --warning and
 * with --critical at most the class threshold: the inventory's own state). */
static enum status rate(const struct check *ck, const struct uc_record *r,
			enum uc_state *state)
{
	if (!r->cert) {
		*state = UC_STATE_UNREADABLE;
		return ST_WARNING;
	}
	bool expired = r->state == UC_STATE_EXPIRED;
	bool critical = r->days_left <= ck->critical;
	bool due = r->days_left <= warning_days(ck, r->impact);
	*state = expired ? UC_STATE_EXPIRED
		: due || critical ? UC_STATE_EXPIRING : UC_STATE_VALID;
	if (expired || critical)
		return ST_CRITICAL;
	if (due)	/* a CTL/ITL change needs a planned window: alert early */
		return r->impact == UC_IMPACT_CTL_ITL ? ST_CRITICAL : ST_WARNING;
	return ST_OK;
}

static const char *plural(long long n, const char *one, const char *many)
{
	return n == 1 || n == -1 ? one : many;
}

/* "[cluster/]node unit 80 days (ctl-itl)" or "... unit/file unreadable" */
static void put_cert(struct sbuf *b, const struct check *ck, const struct uc_record *r)
{
	if (ck->name_clusters) {
		put_clean(b, r->cluster);
		sbuf_putc(b, '/');
	}
	put_clean(b, r->node);
	sbuf_putc(b, ' ');
	put_clean(b, r->unit);
	if (!r->cert) {
		sbuf_putc(b, '/');
		put_clean(b, r->file);
		sbuf_puts(b, " unreadable");
		return;
	}
	long long d = r->days_left;
	sbuf_printf(b, " %lld %s", d, plural(d, "day", "days"));
	bool expired = r->state == UC_STATE_EXPIRED, ctl = r->impact == UC_IMPACT_CTL_ITL;
	if (expired || ctl)
		sbuf_printf(b, " (%s%s%s)", expired ? "expired" : "",
			    expired && ctl ? ", " : "", ctl ? "ctl-itl" : "");
}

static void put_source(struct sbuf *b, const struct uc_source *src)
{
	sbuf_puts(b, uc_source_kind_name(src->kind));	/* tls, api, cert_dir */
	sbuf_putc(b, ' ');
	put_clean(b, src->location);
	sbuf_puts(b, " of ");
	put_clean(b, src->cluster);
	sbuf_putc(b, '/');
	put_clean(b, src->node);
	sbuf_puts(b, ": ");
	put_clean(b, src->error ? src->error : "unreadable");
}

/* What matters first among equally rated certificates: own ones with
 * CTL/ITL impact, then other own ones, then trust certificates. */
static int weight(const struct uc_record *r)
{
	if (r->store != UC_STORE_OWN)
		return 2;
	return r->impact == UC_IMPACT_CTL_ITL ? 0 : 1;
}

/* The problem certificates worst first: critical, then warning; within
 * each, own CTL/ITL, other own, then trust, each in inventory order (days
 * left, unreadable last). Start with *pos = 0; returns the index of the
 * next record, or SIZE_MAX at the end. */
static size_t next_problem(const struct check *ck, size_t *pos)
{
	size_t n = ck->inv->nrecords;
	for (; *pos < 6 * n; (*pos)++) {
		size_t i = *pos % n, pass = *pos / n;
		if (ck->rated[i] == (pass < 3 ? ST_CRITICAL : ST_WARNING) &&
		    weight(&ck->inv->records[i]) == (int)(pass % 3)) {
			(*pos)++;
			return i;
		}
	}
	return SIZE_MAX;
}

/* "<part>'days_min'=N;W;C 'valid'=N ..." in the plugin guidelines' range
 * syntax: "91:" alerts below 91, i.e. at 90 days or fewer. */
static void put_perfdata(struct sbuf *b, const struct check *ck, bool have_min,
			 long long days_min, const unsigned counts[], unsigned source_errors,
			 const struct uc_record *own, const struct uc_record *trust)
{
	int w = ck->warning >= 0 ? ck->warning : ck->s->threshold_days;
	sbuf_puts(b, " | 'days_min'=");
	if (have_min)
		sbuf_printf(b, "%lld", days_min);
	else
		sbuf_putc(b, 'U');
	sbuf_printf(b, ";%d:;%d:", w + 1, ck->critical + 1);
	sbuf_printf(b, " 'valid'=%u 'expiring'=%u 'expired'=%u 'unreadable'=%u 'source_errors'=%u",
		    counts[UC_STATE_VALID], counts[UC_STATE_EXPIRING],
		    counts[UC_STATE_EXPIRED], counts[UC_STATE_UNREADABLE], source_errors);
	/* own and trust apart: an expired trust certificate awaiting cleanup
	 * must not hide the identity certificate that expires next */
	sbuf_puts(b, " 'days_min_own'=");
	if (own)
		sbuf_printf(b, "%lld", (long long)own->days_left);
	else
		sbuf_putc(b, 'U');
	sbuf_puts(b, " 'days_min_trust'=");
	if (trust)
		sbuf_printf(b, "%lld", (long long)trust->days_left);
	else
		sbuf_putc(b, 'U');
}

/* Long output: one line per problem certificate, then per broken source. */
static void print_details(const struct check *ck, enum status source_status)
{
	struct sbuf b = { 0 };
	size_t pos = 0, i;
	char t[32];

	while ((i = next_problem(ck, &pos)) != SIZE_MAX) {
		const struct uc_record *r = &ck->inv->records[i];
		sbuf_printf(&b, "%s: ", status_names[ck->rated[i]]);
		put_clean(&b, r->cluster);
		sbuf_putc(&b, '/');
		put_clean(&b, r->node);
		sbuf_putc(&b, ' ');
		put_clean(&b, r->unit);
		if (r->cert) {
			uc_format_rfc3339(r->cert->not_after, t);
			sbuf_printf(&b, " %lld days, %s, notAfter %s, impact %s, ",
				    (long long)r->days_left,
				    uc_state_name(r->state == UC_STATE_EXPIRED ? UC_STATE_EXPIRED
								 : UC_STATE_EXPIRING), t,
				    uc_impact_name(r->impact));
			put_clean(&b, r->source);
		} else {
			sbuf_puts(&b, " unreadable: ");
			put_clean(&b, r->source);
			sbuf_puts(&b, ": ");
			put_clean(&b, r->error ? r->error : "no certificate");
		}
		print_line(&b);
	}
	for (size_t k = 0; k < ck->inv->nsources; k++) {
		const struct uc_source *src = &ck->inv->sources[k];
		if (src->ok || !in_scope(ck, src->cluster, src->node))
			continue;
		sbuf_printf(&b, "%s: ", status_names[source_status]);
		put_source(&b, src);
		print_line(&b);
	}
	free(b.s);
}

static int evaluate(struct check *ck)
{
	const struct uc_inventory *inv = ck->inv;
	unsigned counts[UC_STATE_MAX + 1] = { 0 };
	unsigned ncerts = 0, ncrit = 0, nwarn = 0;
	unsigned nsources = 0, nbroken = 0;
	const struct uc_record *soonest = NULL, *own = NULL, *trust = NULL;
	enum status st = ST_OK;

	for (size_t i = 0; i < inv->nrecords; i++) {
		const struct uc_record *r = &inv->records[i];
		enum uc_state state;
		ck->rated[i] = ST_UNKNOWN;
		if (!counted(ck, r))
			continue;
		ck->rated[i] = rate(ck, r, &state);
		counts[state]++;
		ncerts++;
		if (r->cert && (!soonest || r->days_left < soonest->days_left))
			soonest = r;
		const struct uc_record **m = r->store == UC_STORE_OWN ? &own : &trust;
		if (r->cert && (!*m || r->days_left < (*m)->days_left))
			*m = r;
		if (ck->rated[i] == ST_CRITICAL)
			ncrit++;
		else if (ck->rated[i] == ST_WARNING && r->cert)
			nwarn++;
		if (ck->rated[i] > st)
			st = ck->rated[i];
	}
	for (size_t k = 0; k < inv->nsources; k++) {
		if (!in_scope(ck, inv->sources[k].cluster, inv->sources[k].node))
			continue;
		nsources++;
		nbroken += !inv->sources[k].ok;
	}
	if (nbroken && nbroken == nsources)
		st = ST_UNKNOWN;	/* nothing could be looked at */
	else if (nbroken && st < ST_WARNING)
		st = ST_WARNING;

	struct sbuf b = { 0 };
	sbuf_printf(&b, "UCCERT %s - ", status_names[st]);
	unsigned nunread = counts[UC_STATE_UNREADABLE];
	if (st == ST_UNKNOWN) {
		sbuf_printf(&b, "no source could be read (%u of %u)", nbroken, nsources);
	} else if (ncrit + nwarn + nunread) {
		const char *sep = "";
		if (ncrit) {
			sbuf_printf(&b, "%u critical", ncrit);
			sep = ", ";
		}
		if (nwarn) {
			sbuf_printf(&b, "%s%u warning", sep, nwarn);
			sep = ", ";
		}
		if (nunread)
			sbuf_printf(&b, "%s%u unreadable", sep, nunread);
		sbuf_printf(&b, " of %u %s: ", ncerts, plural(ncerts, "certificate", "certificates"));
		size_t pos = 0, i, shown = 0;
		while (shown < SHOWN && (i = next_problem(ck, &pos)) != SIZE_MAX) {
			if (shown++)
				sbuf_puts(&b, ", ");
			put_cert(&b, ck, &inv->records[i]);
		}
		if (ncrit + nwarn + nunread > SHOWN)
			sbuf_printf(&b, " and %u more", ncrit + nwarn + nunread - SHOWN);
	} else {
		sbuf_printf(&b, "%u %s, none expiring", ncerts, plural(ncerts, "certificate", "certificates"));
		if (soonest) {
			sbuf_puts(&b, "; soonest ");
			put_cert(&b, ck, soonest);
		}
	}
	if (nbroken) {
		unsigned shown = 0;
		for (size_t k = 0; k < inv->nsources && shown < SHOWN; k++) {
			const struct uc_source *src = &inv->sources[k];
			if (src->ok || !in_scope(ck, src->cluster, src->node))
				continue;
			sbuf_puts(&b, shown++ ? ", " : "; ");
			put_source(&b, src);
		}
		if (nbroken > SHOWN)
			sbuf_printf(&b, " and %u more", nbroken - SHOWN);
	}
	put_perfdata(&b, ck, soonest != NULL, soonest ? (long long)soonest->days_left : 0,
		     counts, nbroken, own, trust);
	print_line(&b);
	print_details(ck, st == ST_UNKNOWN ? ST_UNKNOWN : ST_WARNING);
	return st;
}

/* -t: the monitoring-plugins timeout. The line is built before the alarm
 * can fire; the handler only writes it and exits UNKNOWN. */
static char timeout_line[128];
static size_t timeout_len;

static void on_timeout(int sig)
{
	(void)sig;
	ssize_t n = write(STDOUT_FILENO, timeout_line, timeout_len);
	(void)n;
	_exit(ST_UNKNOWN);
}

int cmd_check(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "warning", required_argument, NULL, 'w' },
		{ "critical", required_argument, NULL, 'c' },
		{ "cluster", required_argument, NULL, 'C' },
		{ "node", required_argument, NULL, 'n' },
		{ "own-only", no_argument, NULL, 'o' },
		{ "exclude", required_argument, NULL, 'x' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct check ck = { .warning = -1, .critical = CRITICAL_DEFAULT };
	char msg[256];
	int c;

	int timeout = 0;

	while ((c = getopt_long(argc, argv, "w:c:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'w':
		case 'c':
			if (!parse_days(optarg, c == 'w' ? &ck.warning : &ck.critical)) {
				snprintf(msg, sizeof msg, "--%s %s: expected a number of days, 0-%d",
					 c == 'w' ? "warning" : "critical", optarg, MAX_DAYS);
				return usage_unknown(msg);
			}
			break;
		case 'C':
			ck.cluster = optarg;
			break;
		case 'n':
			ck.node = optarg;
			break;
		case 'o':
			ck.own_only = true;
			break;
		case 'x':
			if (ck.nexclude == sizeof ck.exclude / sizeof ck.exclude[0])
				return usage_unknown("--exclude: at most 32 patterns");
			ck.exclude[ck.nexclude++] = optarg;
			break;
		case 't': {
			char *end;
			errno = 0;
			long v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 1 || v > 3600) {
				snprintf(msg, sizeof msg, "-t %s: expected seconds, 1-3600", optarg);
				return usage_unknown(msg);
			}
			timeout = (int)v;
			break;
		}
		case 'h':	/* asked for: not a plugin status */
			printf("%s\n"
			       "  -w, --warning DAYS  WARNING at DAYS left or fewer (default: the threshold\n"
			       "                      of each impact class)\n"
			       "  -c, --critical DAYS CRITICAL at DAYS left or fewer (default %d); a\n"
			       "                      ctl-itl certificate is CRITICAL at the warning threshold\n"
			       "  -t, --timeout SECONDS  UNKNOWN when the check takes longer\n"
			       "      --cluster NAME  only this cluster\n"
			       "      --node NAME     only this node\n"
			       "      --own-only      identity certificates only, no trust certificates\n"
			       "      --exclude PATTERN  leave out certificates whose path or\n"
			       "                      node/unit/file matches (fnmatch; repeatable)\n"
			       "Exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. See uccert(1).\n",
			       CHECK_USAGE, CRITICAL_DEFAULT);
			return 0;
		default:
			return usage_unknown("bad option");
		}
	}
	if (optind < argc) {
		snprintf(msg, sizeof msg, "unexpected argument '%s'", argv[optind]);
		return usage_unknown(msg);
	}
	if (ck.warning >= 0 && ck.warning < ck.critical) {
		snprintf(msg, sizeof msg, "--warning %d is below --critical %d", ck.warning,
			 ck.critical);
		return usage_unknown(msg);
	}
	if (timeout) {
		int n = snprintf(timeout_line, sizeof timeout_line,
				 "UCCERT UNKNOWN - no answer within %d seconds (-t)\n", timeout);
		timeout_len = n > 0 && (size_t)n < sizeof timeout_line ? (size_t)n : 0;
		signal(SIGALRM, on_timeout);
		alarm((unsigned)timeout);
	}
	if (!cli->settings)
		return config_unknown(cli->config_path);

	ck.s = cli->settings;
	size_t nscope = 0, nnodes = 0;
	for (size_t i = 0; i < ck.s->nclusters; i++) {
		const struct uc_cluster *cl = &ck.s->clusters[i];
		nscope += in_scope(&ck, cl->name, NULL);
		for (size_t k = 0; k < cl->nnodes; k++)
			nnodes += in_scope(&ck, cl->name, cl->nodes[k].name);
	}
	if (!nscope) {
		char *names = cluster_names(ck.s);
		int rc = unknown("--cluster %s: no such cluster in %s (clusters: %s)", ck.cluster,
				 cli->config_path, names);
		free(names);
		return rc;
	}
	if (!nnodes)
		return unknown("--node %s: no such node%s%s in %s", ck.node,
			       ck.cluster ? " in cluster " : "", ck.cluster ? ck.cluster : "",
			       cli->config_path);
	ck.name_clusters = nscope > 1;

	struct uc_scanner *sc = uc_scanner_new();
	struct uc_inventory *inv = uc_scan(sc, ck.s, cli->now);
	if (inv->nrecords)	/* qsort() of NULL, 0 is undefined (scan.c sorts unguarded) */
		uc_inventory_sort(inv);
	ck.inv = inv;
	ck.rated = xcalloc(inv->nrecords ? inv->nrecords : 1, sizeof *ck.rated);
	int rc = evaluate(&ck);
	free(ck.rated);
	uc_inventory_free(inv);
	uc_scanner_free(sc);
	fflush(stdout);
	return rc;
}
