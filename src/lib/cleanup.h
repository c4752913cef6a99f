/* cleanup.h - retire expired trust certificates without ever losing a file.
 *
 * Three layers, each usable alone:
 *   - the plan: which files of an inventory are candidates, and why the
 *     others that hold an expired certificate are kept (pure: reads only the
 *     inventory), then a check of those files on disk (symbolic links, paths
 *     that leave the cert_dir, files changed since the scan);
 *   - the quarantine: a directory of runs, one per --apply, each with an
 *     append-only manifest (journal) and the files it moved;
 *   - apply, restore and recovery, which move files between a cert_dir and a
 *     run so that at every instant each file is in its place or in the
 *     quarantine with a manifest entry that says where it came from.
 *
 * Nothing here prints: messages go through uc_log, results come back in the
 * structures below. */
#ifndef UCCERT_CLEANUP_H
#define UCCERT_CLEANUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cert.h"
#include "scan.h"
#include "settings.h"

/* ---- the plan -------------------------------------------------------- */

enum uc_cleanup_verdict {
	UC_CLEANUP_CANDIDATE = 1,	/* every certificate expired >= grace_days ago */
	UC_CLEANUP_KEEP_VALID,		/* also holds a certificate that has not expired */
	UC_CLEANUP_KEEP_GRACE,		/* expired less than grace_days ago */
	UC_CLEANUP_KEEP_OWN_HOST,	/* the node's own certificate in ipsec-trust */
	UC_CLEANUP_KEEP_SYMLINK,	/* a symbolic link: reported, never moved */
	UC_CLEANUP_ON_NODE,		/* a candidate read through a live source (the
					 * certificate API): only its command, nothing
					 * local to move */
	UC_CLEANUP_KEEP_NO_REPLACEMENT,	/* no renewed certificate in the store, and
					 * cleanup.require_replacement is set */
	UC_CLEANUP_REFUSED,		/* unsafe name or path, changed file: an error */
};

enum uc_cleanup_status {
	UC_CLEANUP_PLANNED = 0,		/* not attempted (dry run) */
	UC_CLEANUP_MOVED,		/* in the quarantine, with a manifest entry */
	UC_CLEANUP_FAILED,		/* left in place; error says why */
};

struct uc_cleanup_cert {
	char *subject;
	char *serial;
	int64_t not_after;
	int64_t days_left;
	enum uc_state state;
	unsigned char sha256[UC_SHA256_LEN];	/* of the DER */
};

/* One file: a candidate, or a file with an expired certificate that stays. */
struct uc_cleanup_item {
	char *cluster, *node;
	char *unit;		/* canonical spelling: what the platform command takes */
	char *cert_dir;		/* as configured */
	char *unit_dir;		/* the unit directory's name on disk */
	char *path;		/* the file, as scanned */
	char *file;		/* its name inside the unit directory */
	char *command;		/* "set cert delete <unit> <file>" (candidates) */
	enum uc_cleanup_verdict verdict;
	char *reason;		/* why it goes or stays, for people */
	struct uc_cleanup_cert *certs;
	size_t ncerts;
	int64_t expired_days;	/* since the newest notAfter of the file */
	size_t cluster_idx, node_idx;
	/* set by uc_cleanup_plan_verify for candidates */
	char *real_cert_dir;	/* realpath of cert_dir */
	unsigned char file_sha256[UC_SHA256_LEN];	/* of the file's bytes */
	bool verified;
	/* set by uc_cleanup_apply */
	enum uc_cleanup_status status;
	char *error;
	char *quarantine_path;
};

struct uc_cleanup_plan {
	struct uc_cleanup_item *items;	/* by cluster, node (config order), unit, file */
	size_t nitems;
	int64_t now;
	int grace_days;
	unsigned counts[UC_CLEANUP_REFUSED + 1];	/* per verdict */
};

/* Restrict a plan to one cluster and/or one node (NULL: all). */
struct uc_cleanup_filter {
	const char *cluster;
	const char *node;
};

/* Pure: group the inventory's records per file and decide each file that
 * holds an expired certificate in a trust unit. Never fails. */
struct uc_cleanup_plan *uc_cleanup_plan_build(const struct uc_inventory *inv,
					      const struct uc_settings *s,
					      const struct uc_cleanup_filter *filter);
/* Look at each candidate on disk: a symbolic link becomes KEEP_SYMLINK; a
 * path that resolves outside its cert_dir, a file that is not a regular file
 * or whose certificates changed since the scan becomes REFUSED. Records the
 * file's SHA-256 for apply. */
void uc_cleanup_plan_verify(struct uc_cleanup_plan *p);
void uc_cleanup_plan_free(struct uc_cleanup_plan *p);

const char *uc_cleanup_verdict_name(enum uc_cleanup_verdict v);	/* "candidate", "keep-valid", ... */
const char *uc_cleanup_status_name(enum uc_cleanup_status s);	/* "planned", "moved", "failed" */

/* A file or directory name uccert will act on: not empty, not "." or "..",
 * no '/', no whitespace or control character. *why gets a reason if not. */
bool uc_cleanup_name_ok(const char *name, const char **why);
/* Whether a certificate in ipsec-trust is the node's own (see uccert(1)). */
bool uc_cleanup_is_own_host(const char *node, const char *file, const char *subject);

/* ---- the quarantine -------------------------------------------------- */

enum uc_entry_state {
	UC_ENTRY_PENDING = 1,	/* intent recorded, move not confirmed */
	UC_ENTRY_MOVED,		/* in the quarantine */
	UC_ENTRY_FAILED,	/* the move did not happen: file left in place */
	UC_ENTRY_RESTORING,	/* restore intent recorded, not confirmed */
	UC_ENTRY_RESTORED,	/* back in its place */
};

/* One manifest entry, folded over its journal lines. */
struct uc_qentry {
	unsigned seq;
	char *cluster, *node, *unit;
	char *cert_dir;		/* realpath at the time of the move */
	char *unit_dir, *file;	/* names on disk */
	char *path;		/* the original path, as scanned */
	char *qfile;		/* name inside the run directory */
	char *reason, *command;
	unsigned char sha256[UC_SHA256_LEN];	/* of the bytes in quarantine */
	int64_t size;
	unsigned mode;		/* permission bits */
	long uid, gid;
	int64_t mtime_sec;
	long mtime_nsec;
	enum uc_entry_state state;
	char *note;		/* last error or remark */
};

struct uc_run {
	char *id;
	char *dir;
	bool has_manifest;
	bool ended;		/* the run closed its manifest */
	char *started;		/* RFC 3339 */
	long uid;
	char *user;
	struct uc_qentry *entries;
	size_t nentries;
	unsigned moved;		/* entries ever moved in (includes restored ones) */
	unsigned restored, pending, failed;
	unsigned bad_lines;	/* manifest lines that could not be read */
};

struct uc_quarantine;

/* Open the quarantine directory. writable: create it if missing and take the
 * exclusive lock (another apply/restore fails fast); otherwise read-only and
 * fine if missing. NULL with *error set on failure. */
struct uc_quarantine *uc_quarantine_open(const char *dir, bool writable, char **error);
void uc_quarantine_close(struct uc_quarantine *q);
const char *uc_quarantine_dir(const struct uc_quarantine *q);

/* Lock every cert_dir of s (flock(2) on the directory itself, so that runs
 * of other configurations, with other quarantines, take turns on it too).
 * NULL with *error, naming the cert_dir and the holder's pid, when another
 * process holds one; a cert_dir that cannot be opened is skipped. */
struct uc_certdir_locks;
struct uc_certdir_locks *uc_certdir_lock(const struct uc_settings *s, char **error);
void uc_certdir_unlock(struct uc_certdir_locks *l);

/* Read every run, oldest first. */
struct uc_run *uc_quarantine_runs(struct uc_quarantine *q, size_t *nruns);
void uc_runs_free(struct uc_run *runs, size_t n);
/* A run made of the len bytes of a manifest (buf need not end with a NUL),
 * read exactly as uc_quarantine_runs() reads each run's; id and dir are
 * NULL. Free with uc_runs_free(run, 1). */
struct uc_run *uc_manifest_parse(const char *buf, size_t len);

/* Finish or report what an interrupted apply or restore left: with fix (and a
 * writable quarantine) each pending entry is resolved and the run closed,
 * otherwise only reported. Messages (one per resolved or unresolved thing)
 * are logged and returned. Returns the number of entries that could not be
 * resolved. */
struct uc_recovery {
	char **messages;
	size_t nmessages;
	unsigned runs;		/* incomplete runs seen */
	unsigned resolved;
	unsigned unresolved;
};
unsigned uc_quarantine_recover(struct uc_quarantine *q, const struct uc_settings *s, bool fix,
			       struct uc_recovery *out);
void uc_recovery_free(struct uc_recovery *r);

/* ---- apply and restore ----------------------------------------------- */

/* Move every verified candidate of p into a new run (created only when there
 * is something to move). Each item's status, error and quarantine_path are
 * set; *run_id gets the new run's id (NULL if none). Returns the number of
 * candidates that could not be moved, or that were moved but whose record
 * could not be completed. config_path goes into the run's header. */
unsigned uc_cleanup_apply(struct uc_quarantine *q, struct uc_cleanup_plan *p,
			  const char *config_path, char **run_id);

enum uc_restore_status {
	UC_RESTORE_DONE = 1,	/* put back, verified */
	UC_RESTORE_IDENTICAL,	/* the same bytes were already there */
	UC_RESTORE_ALREADY,	/* restored by an earlier command */
	UC_RESTORE_SKIPPED,	/* never moved (failed or pending entry) */
	UC_RESTORE_REFUSED,	/* a different file occupies the path, unsafe name */
	UC_RESTORE_FAILED,	/* an I/O error: the file stays in quarantine */
};

struct uc_restore_result {
	char *path;
	enum uc_restore_status status;
	char *message;
};

/* Restore the files of run run_id, or only those matching file (the original
 * path, or a trailing part of it such as "tomcat-trust/old.pem"). An entry is
 * put back only at <a cert_dir of s>/<a trust unit directory>/<file> equal to
 * its recorded path, reached without following a symbolic link, and never
 * with setuid, setgid or sticky bits; any other entry is refused with nothing
 * written (recovery applies the same rule to pending entries). Returns -1
 * with *error set when the run or the file is not found, else the number of
 * files refused or failed. */
int uc_cleanup_restore(struct uc_quarantine *q, const struct uc_settings *s, const char *run_id,
		       const char *file, struct uc_restore_result **results, size_t *nresults,
		       char **error);
void uc_restore_results_free(struct uc_restore_result *r, size_t n);
const char *uc_restore_status_name(enum uc_restore_status s);

/* The crash hook for tests: with UCCERT_TEST_CRASH_AT=N in the environment
 * the process kills itself (SIGKILL) right after its N-th durable step. */
unsigned long uc_cleanup_steps(void);

#endif
