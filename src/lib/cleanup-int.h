/* cleanup-int.h - what the cleanup modules share and nobody else uses:
 * cleanup.c (candidates), quarantine.c (quarantine, manifest, recovery),
 * cleanup-apply.c (the local executor), restore.c, cleanup-io.c.
 *
 * The safety argument, in one place (uccert(1) has the user's version):
 *
 * Every change to a cert_dir or to the quarantine is journalled in the run's
 * manifest, an append-only file of key=value lines. Before a file moves, an
 * "intent" line naming it and its SHA-256 is written and fsync'd; only then
 * is the file renamed into the run directory (same filesystem), or copied
 * under a temporary name, fsync'd, verified, renamed into place and only
 * then unlinked from the cert_dir (another filesystem). A "done" line closes
 * the entry. Restore mirrors this with "restore" and "restored" lines and a
 * link-or-rename that never replaces an existing file. So at any instant a
 * file is in its place, or in the quarantine under a manifest entry, or both
 * (a copy not yet unlinked); an interrupted process leaves an entry without
 * its closing line, and uc_quarantine_recover() finds the file wherever it
 * is and closes the entry (see resolve_move and resolve_restore in quarantine.c).
 *
 * Every durable step (a write, fsync, rename, link, unlink, mkdir, chmod...)
 * goes through cl_step(), which the tests use to kill the process after any
 * one of them. */
#ifndef UCCERT_CLEANUP_INT_H
#define UCCERT_CLEANUP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "cert.h"
#include "cleanup.h"
#include "util.h"

#define MANIFEST "manifest"
#define MANIFEST_MAGIC "uccert-manifest 1"
#define LOCK_FILE ".lock"
#define MAX_MANIFEST (256u * 1024u * 1024u)

struct journal {
	int fd;
	off_t size;
};

struct uc_quarantine {
	char *dir;
	char *real_dir;		/* NULL while it does not exist */
	int fd;			/* -1 while it does not exist */
	int lockfd;
	bool writable;
	bool busy;		/* read-only: another process holds the lock */
};

struct run_writer {
	char *id;
	char *dir;
	int fd;
	dev_t dev;
	struct journal j;
};

struct src {
	int cdfd, unitfd;
};

enum where { W_UNKNOWN, W_ABSENT, W_PRESENT };

char *cl_entry_place_check(const struct uc_settings *s, const struct uc_qentry *e);
const char *cl_errtext(int e);
int cl_fsync_fd(int fd, const char *what);
int cl_hash_at(int dirfd, const char *name, unsigned char sha[UC_SHA256_LEN],
	       struct stat *st);
bool cl_hex_to_sha(const char *s, unsigned char out[UC_SHA256_LEN]);
/* The value of one hex digit, or -1. */
int cl_hexval(unsigned char c);
bool cl_inside(const char *dir, const char *path);
bool cl_is_root(void);
int cl_journal_append(struct journal *j, struct sbuf *b);
int cl_journal_event(struct run_writer *w, const char *type, unsigned seq,
		     const char *key, const char *value, const unsigned char *sha);
void cl_kv(struct sbuf *b, const char *k, const char *v);
void cl_kvl(struct sbuf *b, const char *k, long long v);
void cl_line_start(struct sbuf *b, const char *type, unsigned seq);
enum where cl_look(int dirfd, const char *name, unsigned char sha[UC_SHA256_LEN],
		   struct stat *st);
void cl_now_rfc3339(char buf[32]);
int cl_read_all(int fd, size_t max, unsigned char **out, size_t *len);
int cl_rename_noreplace(int ofd, const char *o, int nfd, const char *n);
int cl_run_create(struct uc_quarantine *q, const struct uc_cleanup_plan *p,
		  const char *config_path, struct run_writer *w, char **error);
void cl_run_end(struct run_writer *w, unsigned moved, unsigned failed, bool recovered);
void cl_run_writer_close(struct run_writer *w);
int cl_run_writer_open(struct uc_quarantine *q, const char *id, struct run_writer *w);
void cl_set_str(char **dst, char *s);
void cl_sha256_hex(const unsigned char *d, char out[2 * UC_SHA256_LEN + 1]);
void cl_src_close(struct src *s);
int cl_src_open(const char *cert_dir, const char *unit_dir, struct src *s);
void cl_step(const char *what);
int cl_write_all(int fd, const void *p, size_t n);

#endif
