/* replacement.c - find the successor of an expired trust certificate. */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "replacement.h"
#include "util.h"

/* The longest-valid record of it's node and store, in another file, with
 * this subject and not expired. */
static const struct uc_record *successor(const struct uc_inventory *inv,
					 const struct uc_cleanup_item *it,
					 const char *subject)
{
	const struct uc_record *best = NULL;

	for (size_t i = 0; i < inv->nrecords; i++) {
		const struct uc_record *r = &inv->records[i];
		if (r->cluster_idx != it->cluster_idx || r->node_idx != it->node_idx ||
		    r->store != UC_STORE_TRUST || !r->cert || r->days_left < 0 ||
		    r->state == UC_STATE_EXPIRED || strcasecmp(r->unit, it->unit) != 0 ||
		    strcmp(r->source, it->path) == 0 || strcmp(r->cert->subject, subject) != 0)
			continue;
		if (!best || r->cert->not_after > best->cert->not_after)
			best = r;
	}
	return best;
}

const struct uc_record *uc_cleanup_replacement(const struct uc_inventory *inv,
					       const struct uc_cleanup_item *it)
{
	const struct uc_record *first = NULL;

	for (size_t i = 0; i < it->ncerts; i++) {
		const struct uc_record *r = successor(inv, it, it->certs[i].subject);
		if (!r)
			return NULL;
		if (!first)
			first = r;
	}
	return first;
}

unsigned uc_cleanup_require_replacement(struct uc_cleanup_plan *p,
					const struct uc_inventory *inv)
{
	unsigned n = 0;

	for (size_t i = 0; i < p->nitems; i++) {
		struct uc_cleanup_item *it = &p->items[i];
		if ((it->verdict != UC_CLEANUP_CANDIDATE && it->verdict != UC_CLEANUP_ON_NODE) ||
		    uc_cleanup_replacement(inv, it))
			continue;
		p->counts[it->verdict]--;
		p->counts[UC_CLEANUP_KEEP_NO_REPLACEMENT]++;
		it->verdict = UC_CLEANUP_KEEP_NO_REPLACEMENT;
		free(it->reason);
		it->reason = xstrdup("no replacement in this store, and cleanup.require_replacement is set: renew the certificate at its peer first");
		n++;
	}
	return n;
}

const char *uc_cleanup_dependents(const char *unit)
{
	/* Security Guide 14SU2, "Certificate Authority Proxy Function": phones
	 * authenticate with LSCs that CAPF issued; the CAPF certificates that
	 * signed them are what CUCM validates those LSCs against */
	if (unit && strcasecmp(unit, "CAPF-trust") == 0)
		return "phones with LSCs issued under this CAPF certificate depend on it: check that they hold LSCs from the current CAPF before deleting it";
	return NULL;
}
