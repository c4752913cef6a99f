/* scan.h - the inventory: every certificate of every configured node.
 *
 * Sources produce certificate files, the scanner classifies them (unit,
 * store, impact, days left, state) into records; consumers read records. */
#ifndef UCCERT_SCAN_H
#define UCCERT_SCAN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "catalog.h"
#include "cert.h"
#include "settings.h"

enum uc_source_kind {
	UC_SOURCE_CERT_DIR = 1,
	UC_SOURCE_TLS = 2,
	UC_SOURCE_API = 3,
	UC_SOURCE_SSH = 4,	/* the platform CLI over SSH */
};

/* A record's strings are owned by its inventory (names) and by its certfile
 * (source, file): copying a record is cheap, and rescans allocate little. */
struct uc_record {
	const char *cluster;
	const char *node;
	const char *unit;	/* canonical spelling, or as found when unknown */
	const struct uc_unit *catalog;	/* NULL for an unknown unit */
	enum uc_source_kind kind;	/* where it was read: a file, a TLS port, the API, the CLI */
	enum uc_store store;
	enum uc_impact impact;
	const char *source;	/* full path of the file */
	const char *file;	/* file name inside the unit directory */
	const struct uc_cert *cert;	/* NULL when unreadable */
	const char *error;	/* why unreadable */
	struct uc_certfile *certfile;	/* holds cert/error alive */
	size_t cluster_idx, node_idx;	/* into the settings the scan ran on */
	int64_t days_left;
	enum uc_state state;
};

struct uc_source {
	char *cluster;
	char *node;
	enum uc_source_kind kind;
	char *location;
	bool ok;
	char *error;		/* NULL when ok */
	int64_t last_success;	/* 0 = never */
	unsigned ncerts;
};

struct uc_inventory {
	struct uc_record *records;
	size_t nrecords;
	struct uc_source *sources;
	size_t nsources;
	int64_t now;		/* the time days_left was computed for */
	int64_t scan_time;	/* wall clock at the end of the scan */
	unsigned counts[UC_STATE_MAX + 1];	/* per state */
	unsigned errors;	/* source errors + unreadable files */
	char **names;		/* strings the records point to */
	size_t nnames;
};

struct uc_scanner;

struct uc_scanner *uc_scanner_new(void);
void uc_scanner_free(struct uc_scanner *sc);
/* Scan every node of s. Files whose (device, inode, size, mtime, ctime)
 * did not change since the previous scan with the same scanner are not read
 * again. On local filesystems the scanner also watches each unit directory
 * (inotify): while the kernel reports no change in one, its files are not
 * even looked at (at least every 24th scan reads it in full anyway). */
struct uc_inventory *uc_scan(struct uc_scanner *sc, const struct uc_settings *s,
			     int64_t now);
void uc_inventory_free(struct uc_inventory *inv);
/* Sort records by days left (unreadable last), then cluster, node, unit. */
void uc_inventory_sort(struct uc_inventory *inv);

/* Counters since the scanner was made, for tests and benchmarks. */
struct uc_scan_stats {
	unsigned long files_read;
	unsigned long files_cached;
	unsigned long dirs_listed;	/* unit directories read entry by entry */
	unsigned long dirs_reused;	/* unchanged ones (inotify), not looked into */
};
void uc_scanner_stats(const struct uc_scanner *sc, struct uc_scan_stats *out);

const char *uc_source_kind_name(enum uc_source_kind k);

/* A certificate's identity across scans and restarts: cluster, node, unit
 * and SHA-256 fingerprint (sha256 NULL, for an unreadable file: its path).
 * malloc'd; no newline inside. */
char *uc_record_key(const char *cluster, const char *node, const char *unit,
		    const unsigned char *sha256, const char *source);

#endif
