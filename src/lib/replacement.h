/* replacement.h - whether an expired trust certificate was already renewed.
 *
 * An expired trust certificate whose peer has renewed shows up next to its
 * successor: a certificate with the same subject, not expired, in the same
 * trust store of the same node. Deleting the expired one is then safe.
 * Without a successor the peer may still present the expired certificate,
 * and deleting it only hides the problem: the peer must be renewed first.
 * Reads the inventory and the cleanup plan; changes only verdicts. */
#ifndef UCCERT_REPLACEMENT_H
#define UCCERT_REPLACEMENT_H

#include "cleanup.h"
#include "scan.h"

/* The record that replaces item it: a certificate of the same node and
 * trust store, in another file, with the subject of the item's certificate
 * and not expired (the one valid longest). NULL when the store holds none,
 * or when the item holds several certificates and one of them has none. */
const struct uc_record *uc_cleanup_replacement(const struct uc_inventory *inv,
					       const struct uc_cleanup_item *it);

/* cleanup.require_replacement: every candidate (and on-node item) without
 * a replacement is kept instead (UC_CLEANUP_KEEP_NO_REPLACEMENT); counts
 * follow. Returns the number of items kept that way. */
unsigned uc_cleanup_require_replacement(struct uc_cleanup_plan *p,
					const struct uc_inventory *inv);

/* What else depends on a certificate of this trust store, for people about
 * to delete one (CAPF-trust: the phones' LSCs); NULL when nothing is known. */
const char *uc_cleanup_dependents(const char *unit);

#endif
