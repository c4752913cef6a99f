/* uccert scan - the inventory as a table or as JSON. */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "clock.h"
#include "jsonw.h"
#include "scan.h"
#include "util.h"

static void print_json(const struct uc_inventory *inv)
{
	struct jsonw w;
	char t[32], hex[2 * UC_SHA256_LEN + 1];

	jw_init(&w, stdout, true);
	jw_begin_array(&w);
	for (size_t i = 0; i < inv->nrecords; i++) {
		const struct uc_record *r = &inv->records[i];
		const struct uc_cert *c = r->cert;
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
		if (!c)
			jw_kstring(&w, "error", r->error);
		jw_end_object(&w);
	}
	jw_end_array(&w);
	jw_finish(&w);
}

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

static void print_text(const struct uc_inventory *inv)
{
	int wc = width(inv, offsetof(struct uc_record, cluster), 7);
	int wn = width(inv, offsetof(struct uc_record, node), 4);
	int wu = width(inv, offsetof(struct uc_record, unit), 4);
	char t[32];

	printf("%-*s  %-*s  %-*s  %-5s  %-7s  %5s  %-10s  %-20s  %s\n", wc, "CLUSTER",
	       wn, "NODE", wu, "UNIT", "STORE", "IMPACT", "DAYS", "STATE",
	       "NOT_AFTER", "SUBJECT");
	for (size_t i = 0; i < inv->nrecords; i++) {
		const struct uc_record *r = &inv->records[i];
		printf("%-*s  %-*s  %-*s  %-5s  %-7s  ", wc, esc(r->cluster), wn, esc(r->node),
		       wu, esc(r->unit), uc_store_name(r->store), uc_impact_name(r->impact));
		if (r->cert) {
			uc_format_rfc3339(r->cert->not_after, t);
			printf("%5lld  %-10s  %-20s  %s\n", (long long)r->days_left,
			       uc_state_name(r->state), t, esc(r->cert->subject));
		} else {
			printf("%5s  %-10s  %-20s  %s: %s\n", "-", uc_state_name(r->state),
			       "-", esc(r->source), esc(r->error));
		}
	}
	printf("%zu certificate%s: %u valid, %u expiring, %u expired, %u unreadable",
	       inv->nrecords, inv->nrecords == 1 ? "" : "s", inv->counts[UC_STATE_VALID],
	       inv->counts[UC_STATE_EXPIRING], inv->counts[UC_STATE_EXPIRED],
	       inv->counts[UC_STATE_UNREADABLE]);
	unsigned bad = 0;
	for (size_t i = 0; i < inv->nsources; i++)
		bad += !inv->sources[i].ok;
	if (bad)
		printf("; %u of %zu source%s unreadable", bad, inv->nsources,
		       inv->nsources == 1 ? "" : "s");
	printf("\n");
	for (size_t i = 0; i < inv->nsources; i++)
		if (!inv->sources[i].ok)
			printf("source %s/%s %s %s: %s\n", esc(inv->sources[i].cluster),
			       esc(inv->sources[i].node), uc_source_kind_name(inv->sources[i].kind),
			       esc(inv->sources[i].location), esc(inv->sources[i].error));
}

int cmd_scan(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false;
	int c;

	while ((c = getopt_long(argc, argv, "j", opts, NULL)) != -1) {
		if (c != 'j')
			return usage_error("scan: usage: uccert scan [--json]");
		json = true;
	}
	if (optind < argc)
		return usage_error("scan: unexpected argument '%s'", argv[optind]);

	struct uc_scanner *sc = uc_scanner_new();
	struct uc_inventory *inv = uc_scan(sc, cli->settings, cli->now);
	uc_inventory_sort(inv);
	if (json)
		print_json(inv);
	else
		print_text(inv);
	int rc = sources_exit(inv, NULL, NULL, true);
	uc_inventory_free(inv);
	uc_scanner_free(sc);
	return rc;
}
