/* snapshot.h - the inventory as the SNMP side serves it.
 *
 * Built on the scan thread from an inventory: every value is prepared here
 * (DateAndTime octets, strings, enums), so that answering a request is a
 * lookup and a copy. Rows begin with a netsnmp_index so they can sit in a
 * table container directly; building a snapshot calls no Net-SNMP function.
 * Strings live in one block per snapshot; rows hold 32-bit offsets into it. */
#ifndef UCCERTD_SNAPSHOT_H
#define UCCERTD_SNAPSHOT_H

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include <stdbool.h>
#include <stdint.h>

#include "scan.h"

struct uc_idmap;
struct uc_settings;

#define DATEANDTIME_LEN 11

struct str {
	uint32_t off;		/* into snapshot.strings, NUL-terminated there */
	uint32_t len;
};

struct cert_row {
	netsnmp_index idx;	/* first: the container compares these */
	oid idx_oid;
	struct str cluster, node, unit, subject, issuer, serial, source, regen;
	int32_t store, impact, state, days_left;
	int32_t band;		/* alerts.h: how deep into the warning window */
	int32_t copy;		/* 0: the first file holding this certificate in
				 * its unit; 1: another one (snapshot_key()) */
	int64_t not_after_t;	/* seconds since the epoch */
	unsigned char not_before[DATEANDTIME_LEN], not_after[DATEANDTIME_LEN];
	unsigned char fingerprint[32];
};

/* uccertSourceStatus (UCCERT-MIB) */
enum source_status { SOURCE_OK = 1, SOURCE_ERROR = 2 };

struct source_row {
	netsnmp_index idx;
	oid idx_oid;
	struct str cluster, node, location, error;
	int32_t kind, status;
	unsigned char last_success[DATEANDTIME_LEN];
	unsigned long ncerts;
};

struct snapshot {
	struct cert_row *certs;	/* sorted by index */
	size_t ncerts;
	struct source_row *sources;
	size_t nsources;
	unsigned long threshold_days;
	unsigned long count, expiring, expired, unreadable;
	unsigned char last_scan[DATEANDTIME_LEN];
	unsigned long scan_errors;	/* since the daemon started */
	int expired_repeat_days;	/* settings of the scan */
	unsigned notify_inflight, notify_rate;
	char *strings;		/* one block holding every string */
};

static inline const char *snap_str(const struct snapshot *s, struct str v)
{
	return s->strings + v.off;
}

/* Build from inv; indexes come from (and are added to) ids. */
struct snapshot *snapshot_build(const struct uc_inventory *inv,
				const struct uc_settings *s, struct uc_idmap *ids,
				unsigned long scan_errors_total);
void snapshot_free(struct snapshot *snap);
/* The identity of a row: its index and its notifications are keyed by it.
 * A certificate's first file in a unit is keyed by the certificate alone
 * (so renaming or copying a file does not renumber it), a further file
 * holding the same certificate by the certificate and its source. */
char *snapshot_key(const char *cluster, const char *node, const char *unit,
		   const unsigned char *sha256, const char *source, bool copy);
void dateandtime(int64_t t, unsigned char out[DATEANDTIME_LEN]);

#endif
