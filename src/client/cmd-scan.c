/* uccert scan - the inventory as a table or as JSON. */
#include <config.h>

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "client.h"
#include "clock.h"
#include "jsonw.h"
#include "scan.h"
#include "util.h"

/* What scan shows: --cluster, --node, --state, --store (NULL/0: any). */
struct filter {
	const char *cluster, *node;
	enum uc_state state;
	enum uc_store store;
};

static bool wanted(const struct filter *f, const struct uc_record *r)
{
	return (!f->cluster || strcmp(f->cluster, r->cluster) == 0) &&
	       (!f->node || strcmp(f->node, r->node) == 0) &&
	       (!f->state || f->state == r->state) && (!f->store || f->store == r->store);
}

static void print_json(const struct uc_inventory *inv, const struct filter *f)
{
	struct jsonw w;
	char t[32], hex[2 * UC_SHA256_LEN + 1];

	jw_init(&w, stdout, true);
	jw_begin_array(&w);
	for (size_t i = 0; i < inv->nrecords; i++) {
		const struct uc_record *r = &inv->records[i];
		const struct uc_cert *c = r->cert;
		if (!wanted(f, r))
			continue;
		jw_begin_object(&w);
		jw_kstring(&w, "cluster", r->cluster);
		jw_kstring(&w, "node", r->node);
		jw_kstring(&w, "unit", r->unit);
		jw_kstring(&w, "store", uc_store_name(r->store));
		jw_kstring(&w, "impact", uc_impact_name(r->impact));
		jw_kstring(&w, "subject", c ? c->subject : NULL);
		jw_kstring(&w, "issuer", c ? c->issuer : NULL);
		jw_kstring(&w, "serial", c ? c->serial : NULL);
		if (c) {
			uc_format_rfc3339(c->not_before, t);
			jw_kstring(&w, "not_before", t);
			uc_format_rfc3339(c->not_after, t);
			jw_kstring(&w, "not_after", t);
			jw_kint(&w, "days_left", r->days_left);
		} else {
			jw_kstring(&w, "not_before", NULL);
			jw_kstring(&w, "not_after", NULL);
			jw_key(&w, "days_left");
			jw_null(&w);
		}
		jw_kstring(&w, "state", uc_state_name(r->state));
		if (c)
			uc_sha256_hex(c->sha256, hex);
		jw_kstring(&w, "sha256", c ? hex : NULL);
		jw_kstring(&w, "source", r->source);
		jw_kstring(&w, "file", r->file);	/* the platform's name: set cert delete takes it */
		if (!c)
			jw_kstring(&w, "error", r->error);
		jw_end_object(&w);
	}
	jw_end_array(&w);
	jw_finish(&w);
}

#define SCAN_USAGE "usage: uccert scan [--json] [--wide] [--cluster NAME] [--node NAME] [--state STATE] [--store own|trust]"

static int width(const struct uc_inventory *inv, size_t off, int min)
{
	int w = min;
	for (size_t i = 0; i < inv->nrecords; i++) {
		const char *s = *(const char *const *)((const char *)&inv->records[i] + off);
		int n = (int)strlen(esc(s));
		if (n > w)
			w = n;
	}
	return w;
}

/* The columns shown: CLUSTER, NODE, UNIT, DAYS and STATE always; the
 * others while the line fits the width (FILE first: set cert delete needs
 * it), SUBJECT last, cut with "..." (0: no limit, every column in full). */
struct layout {
	int wc, wn, wu, wf;
	bool store, impact, not_after, file, subject;
	bool date_only;		/* NOT_AFTER as YYYY-MM-DD */
	int ws;			/* SUBJECT width; -1: unlimited */
};

static int file_width(const struct uc_inventory *inv, const struct filter *f)
{
	int w = 4;
	for (size_t i = 0; i < inv->nrecords; i++) {
		const struct uc_record *r = &inv->records[i];
		int n = (int)strlen(esc(r->file ? r->file : "-"));
		if (wanted(f, r) && n > w)
			w = n;
	}
	return w;
}

static void plan_layout(struct layout *l, const struct uc_inventory *inv,
			const struct filter *f, int columns)
{
	l->wc = width(inv, offsetof(struct uc_record, cluster), 7);
	l->wn = width(inv, offsetof(struct uc_record, node), 4);
	l->wu = width(inv, offsetof(struct uc_record, unit), 4);
	l->wf = file_width(inv, f);
	if (columns <= 0) {
		l->store = l->impact = l->not_after = l->file = l->subject = true;
		l->date_only = false;
		l->ws = -1;
		return;
	}
	int used = l->wc + 2 + l->wn + 2 + l->wu + 2 + 5 + 2 + 10;
	/* each optional column costs its width and a separator */
	l->date_only = true;
	if ((l->not_after = used + 2 + 10 <= columns))
		used += 2 + 10;
	if ((l->file = used + 2 + l->wf <= columns))
		used += 2 + l->wf;
	if ((l->impact = used + 2 + 7 <= columns))
		used += 2 + 7;
	if ((l->store = used + 2 + 5 <= columns))
		used += 2 + 5;
	l->ws = columns - used - 2;
	l->subject = l->ws >= 12;
}

/* s in at most w columns (bytes; a cut never splits a UTF-8 sequence) */
static void put_cut(struct sbuf *b, const char *s, int w)
{
	size_t n = strlen(s);

	if (w < 0 || n <= (size_t)w) {
		sbuf_puts(b, s);
		return;
	}
	size_t k = w > 3 ? (size_t)w - 3 : 0;
	while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
		k--;
	sbuf_printf(b, "%.*s...", (int)k, s);
}

/* The line without the padding of its last column. */
static void put_line(struct sbuf *b)
{
	while (b->len && b->s[b->len - 1] == ' ')
		b->s[--b->len] = '\0';
	printf("%s\n", b->len ? b->s : "");
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

/* The terminal's width, or COLUMNS; 0 (no limit) when output is not a
 * terminal and COLUMNS is not set. */
static int terminal_columns(void)
{
	struct winsize ws;
	const char *env = getenv("COLUMNS");

	if (env && atoi(env) > 0)
		return atoi(env);
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col)
		return ws.ws_col;
	return 0;
}

static void print_text(const struct uc_inventory *inv, const struct filter *f, bool wide)
{
	unsigned counts[UC_STATE_MAX + 1] = { 0 };
	size_t n = 0;
	struct layout l;
	struct sbuf b = { 0 };
	char t[32];

	plan_layout(&l, inv, f, wide ? 0 : terminal_columns());
	sbuf_printf(&b, "%-*s  %-*s  %-*s  ", l.wc, "CLUSTER", l.wn, "NODE", l.wu, "UNIT");
	if (l.store)
		sbuf_printf(&b, "%-5s  ", "STORE");
	if (l.impact)
		sbuf_printf(&b, "%-7s  ", "IMPACT");
	sbuf_printf(&b, "%5s  %-10s", "DAYS", "STATE");
	if (l.not_after)
		sbuf_printf(&b, "  %-*s", l.date_only ? 10 : 20, "NOT_AFTER");
	if (l.file)
		sbuf_printf(&b, "  %-*s", l.wf, "FILE");
	if (l.subject)
		sbuf_printf(&b, "  %s", "SUBJECT");
	put_line(&b);
	for (size_t i = 0; i < inv->nrecords; i++) {
		const struct uc_record *r = &inv->records[i];
		if (!wanted(f, r))
			continue;
		counts[r->state]++;
		n++;
		sbuf_printf(&b, "%-*s  %-*s  %-*s  ", l.wc, esc(r->cluster), l.wn, esc(r->node),
			    l.wu, esc(r->unit));
		if (l.store)
			sbuf_printf(&b, "%-5s  ", uc_store_name(r->store));
		if (l.impact)
			sbuf_printf(&b, "%-7s  ", uc_impact_name(r->impact));
		if (r->cert) {
			sbuf_printf(&b, "%5lld  %-10s", (long long)r->days_left, uc_state_name(r->state));
			uc_format_rfc3339(r->cert->not_after, t);
			if (l.date_only)
				t[10] = '\0';
		} else {
			sbuf_printf(&b, "%5s  %-10s", "-", uc_state_name(r->state));
			strcpy(t, "-");
		}
		if (l.not_after)
			sbuf_printf(&b, "  %-*s", l.date_only ? 10 : 20, t);
		if (l.file)
			sbuf_printf(&b, "  %-*s", l.wf, esc(r->file ? r->file : "-"));
		if (l.subject) {
			sbuf_puts(&b, "  ");
			if (r->cert) {
				put_cut(&b, esc(r->cert->subject), l.ws);
			} else {
				char *e = xasprintf("%s: %s", r->source, r->error ? r->error : "unreadable");
				put_cut(&b, esc(e), l.ws);
				free(e);
			}
		}
		put_line(&b);
	}
	free(b.s);
	printf("%zu certificate%s: %u valid, %u expiring, %u expired, %u unreadable",
	       n, n == 1 ? "" : "s", counts[UC_STATE_VALID], counts[UC_STATE_EXPIRING],
	       counts[UC_STATE_EXPIRED], counts[UC_STATE_UNREADABLE]);
	unsigned bad = 0, nsrc = 0;
	for (size_t i = 0; i < inv->nsources; i++)
		if (source_in_scope(&inv->sources[i], f->cluster, f->node, true)) {
			nsrc++;
			bad += !inv->sources[i].ok;
		}
	if (bad)
		printf("; %u of %u source%s unreadable", bad, nsrc, nsrc == 1 ? "" : "s");
	printf("\n");
	for (size_t i = 0; i < inv->nsources; i++)
		if (!inv->sources[i].ok &&
		    source_in_scope(&inv->sources[i], f->cluster, f->node, true))
			printf("source %s/%s %s %s: %s\n", esc(inv->sources[i].cluster),
			       esc(inv->sources[i].node), uc_source_kind_name(inv->sources[i].kind),
			       esc(inv->sources[i].location), esc(inv->sources[i].error));
}

int cmd_scan(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "cluster", required_argument, NULL, 'C' },
		{ "node", required_argument, NULL, 'n' },
		{ "state", required_argument, NULL, 's' },
		{ "store", required_argument, NULL, 'S' },
		{ "wide", no_argument, NULL, 'W' },
		{ NULL, 0, NULL, 0 },
	};
	struct filter f = { 0 };
	bool json = false, wide = false;
	int c;

	while ((c = getopt_long(argc, argv, "j", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'W':
			wide = true;
			break;
		case 'C':
			f.cluster = optarg;
			break;
		case 'n':
			f.node = optarg;
			break;
		case 's':
			for (int k = 1; k <= UC_STATE_MAX; k++)
				if (strcmp(optarg, uc_state_name((enum uc_state)k)) == 0)
					f.state = (enum uc_state)k;
			if (!f.state)
				return usage_error("scan: --state %s: expected valid, expiring, expired or unreadable",
						   optarg);
			break;
		case 'S':
			f.store = strcmp(optarg, "own") == 0 ? UC_STORE_OWN
				: strcmp(optarg, "trust") == 0 ? UC_STORE_TRUST : 0;
			if (!f.store)
				return usage_error("scan: --store %s: expected own or trust", optarg);
			break;
		default:
			return usage_error("scan: " SCAN_USAGE);
		}
	}
	if (optind < argc)
		return usage_error("scan: unexpected argument '%s'", argv[optind]);
	if (f.cluster || f.node) {
		bool known = false;
		for (size_t i = 0; i < cli->settings->nclusters; i++) {
			const struct uc_cluster *cl = &cli->settings->clusters[i];
			if (f.cluster && strcmp(cl->name, f.cluster) != 0)
				continue;
			for (size_t k = 0; k < cl->nnodes && !known; k++)
				known = !f.node || strcmp(cl->nodes[k].name, f.node) == 0;
			if (!f.node && f.cluster)
				known = true;
		}
		if (!known && f.cluster && !f.node) {
			char *names = cluster_names(cli->settings);
			int rc = usage_error("scan: no cluster '%s' in %s (clusters: %s)", f.cluster,
					     cli->config_path, names);
			free(names);
			return rc;
		}
		if (!known)
			return usage_error("scan: no node '%s' in %s", f.node, cli->config_path);
	}

	struct uc_scanner *sc = uc_scanner_new();
	struct uc_inventory *inv = scan_for_report(sc, cli->settings, cli->now);
	uc_inventory_sort(inv);
	if (json)
		print_json(inv, &f);
	else
		print_text(inv, &f, wide);
	int rc = sources_exit(inv, f.cluster, f.node, true);
	uc_inventory_free(inv);
	uc_scanner_free(sc);
	return rc;
}
