/* snapshot.c - prepare every SNMP value at scan time. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "alerts.h"
#include "clock.h"
#include "idmap.h"
#include "procedure.h"
#include "settings.h"
#include "snapshot.h"
#include "util.h"

void dateandtime(int64_t t, unsigned char out[DATEANDTIME_LEN])
{
	struct uc_tm tm;
	uc_gmtime(t, &tm);
	out[0] = (unsigned char)(tm.year >> 8);
	out[1] = (unsigned char)tm.year;
	out[2] = (unsigned char)tm.month;
	out[3] = (unsigned char)tm.day;
	out[4] = (unsigned char)tm.hour;
	out[5] = (unsigned char)tm.min;
	out[6] = (unsigned char)tm.sec;
	out[7] = 0;		/* deci-seconds */
	out[8] = '+';		/* UTC */
	out[9] = 0;
	out[10] = 0;
}

/* Strings go into one block. Names repeat row after row (every record of a
 * node has the same cluster and node): the last offset of each is reused. */
struct pool {
	struct sbuf b;
	struct { const char *s; struct str v; } last[3];
};

static struct str pool_add(struct pool *p, const char *s)
{
	struct str r;
	if (!s)
		s = "";
	size_t len = strlen(s);
	r.off = (uint32_t)p->b.len;
	r.len = (uint32_t)len;
	sbuf_put(&p->b, s, len + 1);
	return r;
}

/* For names that repeat: slot 0 cluster, 1 node, 2 unit. */
static struct str pool_name(struct pool *p, int slot, const char *s)
{
	if (!p->last[slot].s || strcmp(p->last[slot].s, s) != 0) {
		p->last[slot].s = s;
		p->last[slot].v = pool_add(p, s);
	}
	return p->last[slot].v;
}

static int cmp_row(const void *a, const void *b)
{
	oid x = ((const struct cert_row *)a)->idx_oid;
	oid y = ((const struct cert_row *)b)->idx_oid;
	return (x > y) - (x < y);
}

/* uccertRegenCommand: the node's role and the cluster's release matter */
static const char *renew_command(const struct uc_settings *s, const struct uc_record *r)
{
	enum uc_role role = UC_ROLE_PUBLISHER;
	unsigned release = 0;
	if (r->cluster_idx < s->nclusters) {
		const struct uc_cluster *c = &s->clusters[r->cluster_idx];
		release = c->release;
		if (r->node_idx < c->nnodes)
			role = c->nodes[r->node_idx].role;
	}
	return uc_renew_command_on(r->unit, r->cert, role, release);
}

static void fill_cert(struct cert_row *row, const struct uc_record *r,
		      const struct uc_settings *s, struct pool *p)
{
	row->cluster = pool_name(p, 0, r->cluster);
	row->node = pool_name(p, 1, r->node);
	row->unit = pool_name(p, 2, r->unit);
	row->source = pool_add(p, r->source);
	row->regen = pool_add(p, renew_command(s, r));
	row->store = r->store;
	row->impact = r->impact;
	row->state = r->state;
	if (r->cert) {
		row->subject = pool_add(p, r->cert->subject);
		row->issuer = pool_add(p, r->cert->issuer);
		row->serial = pool_add(p, r->cert->serial);
		row->days_left = r->days_left < INT32_MIN ? INT32_MIN
			: r->days_left > INT32_MAX ? INT32_MAX : (int32_t)r->days_left;
		dateandtime(r->cert->not_before, row->not_before);
		dateandtime(r->cert->not_after, row->not_after);
		row->not_after_t = r->cert->not_after;
		memcpy(row->fingerprint, r->cert->sha256, sizeof row->fingerprint);
	} else {
		row->subject = row->issuer = row->serial = pool_add(p, "");
		row->days_left = 0;
		dateandtime(0, row->not_before);
		dateandtime(0, row->not_after);
		memset(row->fingerprint, 0, sizeof row->fingerprint);
	}
}

char *snapshot_key(const char *cluster, const char *node, const char *unit,
		   const unsigned char *sha256, const char *source, bool copy)
{
	char *key = uc_record_key(cluster, node, unit, sha256, source);
	if (sha256 && copy) {
		char *k = xasprintf("%s#%s", key, source);
		free(key);
		key = k;
		for (char *c = key; *c; c++)
			if (*c == '\n' || *c == '\r')
				*c = '?';
	}
	return key;
}

struct snapshot *snapshot_build(const struct uc_inventory *inv,
				const struct uc_settings *s, struct uc_idmap *ids,
				unsigned long scan_errors_total)
{
	struct snapshot *snap = xcalloc(1, sizeof *snap);
	struct pool p = { 0 };
	size_t n = 0;

	/* one exact allocation for the strings: a doubling buffer would hold up
	 * to three times their size while it grows */
	size_t bytes = 1;
	for (size_t i = 0; i < inv->nrecords; i++) {
		const struct uc_record *r = &inv->records[i];
		const char *regen = renew_command(s, r);
		bytes += strlen(r->cluster) + strlen(r->node) + strlen(r->unit) +
			 strlen(r->source) + (regen ? strlen(regen) : 0) + 8;
		if (r->cert)
			bytes += strlen(r->cert->subject) + strlen(r->cert->issuer) +
				 strlen(r->cert->serial);
	}
	for (size_t i = 0; i < inv->nsources; i++)
		bytes += strlen(inv->sources[i].cluster) + strlen(inv->sources[i].node) +
			 strlen(inv->sources[i].location) +
			 (inv->sources[i].error ? strlen(inv->sources[i].error) : 0) + 4;
	sbuf_reserve(&p.b, bytes);
	snap->certs = xcalloc(inv->nrecords, sizeof *snap->certs);
	/* One row per file (per record), as uccert scan counts them: the same
	 * certificate in two files of a unit is two rows, each a file to
	 * renew or delete. */
	struct strmap first = { 0 };
	for (size_t i = 0; i < inv->nrecords; i++) {
		const struct uc_record *r = &inv->records[i];
		const unsigned char *fp = r->cert ? r->cert->sha256 : NULL;
		char *base = uc_record_key(r->cluster, r->node, r->unit, fp, r->source);
		bool copy = fp && strmap_get(&first, base);
		if (fp && !copy)
			strmap_put(&first, base, (void *)1);
		free(base);
		char *key = snapshot_key(r->cluster, r->node, r->unit, fp, r->source, copy);
		uint32_t idx = uc_idmap_get(ids, key, inv->now);
		free(key);
		if (idx == 0)
			continue;	/* no index left to give (logged) */
		struct cert_row *row = &snap->certs[n++];
		row->idx_oid = idx;
		row->copy = copy;
		fill_cert(row, r, s, &p);
		row->band = r->cert ? uc_band(s, r->impact, r->days_left, r->state == UC_STATE_EXPIRED)
				    : UC_BAND_NONE;	/* unreadable: never notified */
	}
	snap->ncerts = n;

	snap->sources = xcalloc(inv->nsources, sizeof *snap->sources);
	snap->nsources = inv->nsources;
	for (size_t i = 0; i < inv->nsources; i++) {
		const struct uc_source *src = &inv->sources[i];
		struct source_row *row = &snap->sources[i];
		row->idx_oid = (oid)(i + 1);
		row->cluster = pool_add(&p, src->cluster);
		row->node = pool_add(&p, src->node);
		row->location = pool_add(&p, src->location);
		row->error = pool_add(&p, src->ok ? "" : src->error);
		row->kind = src->kind;
		row->status = src->ok ? SOURCE_OK : SOURCE_ERROR;
		row->ncerts = src->ncerts;
		dateandtime(src->last_success, row->last_success);
	}

	strmap_free(&first);
	snap->strings = sbuf_take(&p.b);
	qsort(snap->certs, snap->ncerts, sizeof *snap->certs, cmp_row);
	for (size_t i = 0; i < snap->ncerts; i++) {
		snap->certs[i].idx.oids = &snap->certs[i].idx_oid;
		snap->certs[i].idx.len = 1;
	}
	for (size_t i = 0; i < snap->nsources; i++) {
		snap->sources[i].idx.oids = &snap->sources[i].idx_oid;
		snap->sources[i].idx.len = 1;
	}

	snap->threshold_days = (unsigned long)s->threshold_days;
	snap->count = snap->ncerts;
	for (size_t i = 0; i < snap->ncerts; i++) {
		snap->expiring += snap->certs[i].state == UC_STATE_EXPIRING;
		snap->expired += snap->certs[i].state == UC_STATE_EXPIRED;
		snap->unreadable += snap->certs[i].state == UC_STATE_UNREADABLE;
	}
	dateandtime(inv->scan_time, snap->last_scan);
	snap->scan_errors = scan_errors_total;
	snap->expired_repeat_days = s->expired_repeat_days;
	snap->notify_inflight = (unsigned)s->notify_inflight;
	snap->notify_rate = (unsigned)s->notify_rate;
	return snap;
}

void snapshot_free(struct snapshot *snap)
{
	if (!snap)
		return;
	free(snap->certs);
	free(snap->sources);
	free(snap->strings);
	free(snap);
}
