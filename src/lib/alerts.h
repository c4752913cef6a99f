/* alerts.h - which expiry notifications are due, exactly once.
 *
 * A certificate's band is the deepest warning line it has crossed: the
 * threshold of its impact class, then each reminder day, then expiry. A
 * notification is due when a certificate reaches a deeper band than the one
 * last notified (one notification for the band reached, however many were
 * skipped), and a clearing one when a certificate with an outstanding
 * notification leaves every band or disappears from a source that was read.
 * What was sent is kept in a small versioned file under state_dir.
 * Nothing here knows how notifications travel. */
#ifndef UCCERT_ALERTS_H
#define UCCERT_ALERTS_H

#include <stdbool.h>
#include <stdint.h>

#include "catalog.h"

struct uc_settings;

#define UC_BAND_NONE INT32_MAX	/* outside the warning window */
#define UC_BAND_EXPIRED (-1)

enum uc_notice_kind { UC_NOTICE_EXPIRING = 1, UC_NOTICE_EXPIRED = 2, UC_NOTICE_CLEARED = 3 };

/* What a notification says about its certificate. */
struct uc_alert_facts {
	uint32_t index;
	const char *cluster, *node, *unit, *subject, *serial;
	enum uc_store store;
	enum uc_impact impact;
	int64_t not_after;
	int64_t days_left;
};

/* One certificate as the latest scan saw it. */
struct uc_alert_obs {
	const char *key;	/* stable identity (cluster/node/unit/sha256) */
	int band;		/* uc_band() */
	struct uc_alert_facts facts;
};

struct uc_notice {
	const char *key;	/* the certificate's uc_alert_obs.key */
	enum uc_notice_kind kind;
	int band;		/* the band notified (kind != CLEARED) */
	struct uc_alert_facts facts;	/* valid until the next alerts call */
};

/* Band of a certificate: UC_BAND_EXPIRED, the threshold or reminder day
 * crossed (days), or UC_BAND_NONE. */
int uc_band(const struct uc_settings *s, enum uc_impact impact, int64_t days_left,
	    bool expired);

struct uc_alerts;

/* Load path (missing: empty; corrupt: moved to path.corrupt with a warning
 * and started empty, so each certificate gets at most one notification for
 * its current band). */
struct uc_alerts *uc_alerts_open(const char *path);
void uc_alerts_free(struct uc_alerts *a);

/* Compare the latest observations with what was notified. failed_source
 * says whether a certificate's source could not be read this time (its
 * certificates are then neither cleared nor forgotten). Returns the due
 * notifications in *out (owned by a; valid until the next call). */
size_t uc_alerts_due(struct uc_alerts *a, const struct uc_alert_obs *obs, size_t n,
		     bool (*failed_source)(const char *cluster, const char *node, void *ctx),
		     void *ctx, int64_t now, int expired_repeat_days,
		     const struct uc_notice **out);
/* The i-th due notice of the last uc_alerts_due() was delivered. */
void uc_alerts_mark_sent(struct uc_alerts *a, size_t i, int64_t now);
/* A notice (from any earlier uc_alerts_due()) was delivered: remember it,
 * and append it to the journal uc_alerts_flush() writes. */
void uc_alerts_ack(struct uc_alerts *a, const struct uc_notice *n, int64_t now);
/* Write what was acknowledged since the last flush to path.journal (one
 * append, no fsync: it survives the process being killed, and is replayed
 * by uc_alerts_open()). False on failure (logged once per episode). */
bool uc_alerts_flush(struct uc_alerts *a);
/* Persist the whole state (atomic, fsync) if anything changed, then empty
 * the journal; false on failure (logged). */
bool uc_alerts_save(struct uc_alerts *a);
/* Entries in the journal since the last save. */
size_t uc_alerts_journaled(const struct uc_alerts *a);
/* 0 while what was delivered is on disk; otherwise how many writes of the
 * state failed since the last one that succeeded. */
unsigned long uc_alerts_state_errors(const struct uc_alerts *a);

#endif
