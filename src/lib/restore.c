/* restore.c - put quarantined files back where they came from, never
 * replacing a file that is there. */
#include <config.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "cleanup.h"
#include "cleanup-int.h"
#include "clock.h"
#include "log.h"
#include "util.h"

/* ---- restore --------------------------------------------------------- */

const char *uc_restore_status_name(enum uc_restore_status s)
{
	switch (s) {
	case UC_RESTORE_DONE:
		return "restored";
	case UC_RESTORE_IDENTICAL:
		return "identical";
	case UC_RESTORE_ALREADY:
		return "already-restored";
	case UC_RESTORE_SKIPPED:
		return "skipped";
	case UC_RESTORE_REFUSED:
		return "refused";
	default:
		return "failed";
	}
}

void uc_restore_results_free(struct uc_restore_result *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].path);
		free(r[i].message);
	}
	free(r);
}

static bool path_matches(const struct uc_qentry *e, const char *file, bool exact)
{
	char *real = xasprintf("%s/%s/%s", e->cert_dir, e->unit_dir, e->file);
	bool m = strcmp(e->path, file) == 0 || strcmp(real, file) == 0;
	if (!m && !exact) {
		size_t lp = strlen(e->path), lf = strlen(file);
		m = lf < lp && e->path[lp - lf - 1] == '/' && strcmp(e->path + lp - lf, file) == 0;
	}
	free(real);
	return m;
}

/* Put the quarantine copy's attributes back to the recorded ones. */
static void fix_attrs(int fd, const struct uc_qentry *e, const struct stat *st)
{
	struct timespec ts[2] = { { 0, UTIME_OMIT }, { e->mtime_sec, e->mtime_nsec } };

	if (cl_is_root() && e->uid >= 0 && e->gid >= 0 &&
	    (st->st_uid != (uid_t)e->uid || st->st_gid != (gid_t)e->gid) &&
	    fchown(fd, (uid_t)e->uid, (gid_t)e->gid) == 0)
		cl_step("chown");
	if ((st->st_mode & 07777) != e->mode && fchmod(fd, e->mode) == 0)
		cl_step("chmod");
	if ((st->st_mtim.tv_sec != e->mtime_sec || st->st_mtim.tv_nsec != e->mtime_nsec) &&
	    futimens(fd, ts) == 0)
		cl_step("set times");
}

static enum uc_restore_status restore_one(struct run_writer *w, const struct uc_settings *set,
					  struct uc_qentry *e, char **msg)
{
	struct src s = { -1, -1 };
	unsigned char *buf = NULL, sha[UC_SHA256_LEN];
	size_t len = 0;
	struct stat qst, ost, ust;
	char hex[2 * UC_SHA256_LEN + 1], *tmp = NULL, mt[32];
	const char *how;
	char *why;
	enum uc_restore_status rc = UC_RESTORE_FAILED;
	int qfd = -1, tfd = -1;

	if ((why = cl_entry_place_check(set, e))) {
		*msg = xasprintf("%s: refused", why);
		free(why);
		return UC_RESTORE_REFUSED;
	}
	qfd = openat(w->fd, e->qfile, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (qfd < 0 || fstat(qfd, &qst) < 0 || !S_ISREG(qst.st_mode) ||
	    cl_read_all(qfd, UC_MAX_CERT_FILE, &buf, &len) < 0) {
		*msg = xasprintf("cannot read the quarantine copy %s/%s: %s", w->dir, e->qfile,
				 strerror(errno));
		goto out;
	}
	SHA256(buf, len, sha);
	if (memcmp(sha, e->sha256, UC_SHA256_LEN) != 0) {
		*msg = xasprintf("the quarantine copy %s/%s does not match the SHA-256 in the manifest: refused",
				 w->dir, e->qfile);
		rc = UC_RESTORE_REFUSED;
		goto out;
	}
	if (cl_src_open(e->cert_dir, e->unit_dir, &s) < 0) {
		*msg = xasprintf("cannot open %s/%s: %s", e->cert_dir, e->unit_dir, strerror(errno));
		goto out;
	}
	if (fstatat(s.unitfd, e->file, &ost, AT_SYMLINK_NOFOLLOW) == 0) {
		unsigned char osha[UC_SHA256_LEN];
		if (!S_ISREG(ost.st_mode) || cl_hash_at(s.unitfd, e->file, osha, &ost) < 0 ||
		    memcmp(osha, e->sha256, UC_SHA256_LEN) != 0) {
			if (S_ISREG(ost.st_mode))
				cl_sha256_hex(osha, hex);
			*msg = xasprintf("a different file now occupies %s (%s%s): not overwritten",
					 e->path, S_ISREG(ost.st_mode) ? "sha256 " : "not a regular file",
					 S_ISREG(ost.st_mode) ? hex : "");
			rc = UC_RESTORE_REFUSED;
			goto out;
		}
		/* the same bytes are back already: the quarantine copy is redundant */
		if (cl_journal_event(w, "restore", e->seq, NULL, NULL, NULL) < 0) {
			*msg = xasprintf("cannot write the manifest: %s", cl_errtext(errno));
			goto out;
		}
		if (unlinkat(w->fd, e->qfile, 0) == 0)
			cl_step("unlink quarantine copy");
		if (fsync(w->fd) == 0)
			cl_step("fsync run directory");
		cl_journal_event(w, "restored", e->seq, "how", "identical", NULL);
		*msg = xasprintf("%s already holds identical content (sha256 verified): nothing overwritten, quarantine copy removed",
				 e->path);
		rc = UC_RESTORE_IDENTICAL;
		goto out;
	} else if (errno != ENOENT) {
		*msg = xasprintf("cannot look at %s: %s", e->path, strerror(errno));
		goto out;
	}
	if (faccessat(s.unitfd, ".", W_OK | X_OK, AT_EACCESS) < 0) {
		*msg = xasprintf("cannot write to %s/%s: %s", e->cert_dir, e->unit_dir, strerror(errno));
		goto out;
	}
	if (cl_journal_event(w, "restore", e->seq, NULL, NULL, NULL) < 0) {
		*msg = xasprintf("cannot write the manifest: %s", cl_errtext(errno));
		goto out;
	}
	if (fstat(s.unitfd, &ust) < 0)
		ust.st_dev = (dev_t)-1;
	if (ust.st_dev == qst.st_dev) {
		fix_attrs(qfd, e, &qst);
		if (fstat(qfd, &qst) < 0 || (qst.st_mode & 07000)) {
			*msg = xasprintf("the quarantine copy %s/%s has setuid, setgid or sticky bits that cannot be cleared: refused",
					 w->dir, e->qfile);
			cl_journal_event(w, "restore-failed", e->seq, "error", *msg, NULL);
			rc = UC_RESTORE_REFUSED;
			goto out;
		}
		if (cl_rename_noreplace(w->fd, e->qfile, s.unitfd, e->file) < 0) {
			int err = errno;
			*msg = err == EEXIST ? xasprintf("a file appeared at %s meanwhile: not overwritten", e->path)
					     : xasprintf("cannot move it back: %s", strerror(err));
			cl_journal_event(w, "restore-failed", e->seq, "error", *msg, NULL);
			rc = err == EEXIST ? UC_RESTORE_REFUSED : UC_RESTORE_FAILED;
			goto out;
		}
		cl_step("rename back");
		if (fsync(s.unitfd) == 0)
			cl_step("fsync unit directory");
		if (fsync(w->fd) == 0)
			cl_step("fsync run directory");
		how = "rename";
	} else {
		struct timespec ts[2] = { { 0, UTIME_OMIT }, { e->mtime_sec, e->mtime_nsec } };
		unsigned char got[UC_SHA256_LEN];
		struct stat tst;
		tmp = xasprintf(".%s.uccert-restore", e->file);
		tfd = openat(s.unitfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (tfd < 0)
			goto copy_fail;
		cl_step("create restore copy");
		if (cl_write_all(tfd, buf, len) < 0)
			goto copy_fail;
		cl_step("write restore copy");
		if (cl_is_root() && e->uid >= 0 && e->gid >= 0) {
			if (fchown(tfd, (uid_t)e->uid, (gid_t)e->gid) < 0)
				goto copy_fail;
			cl_step("chown restore copy");
		}
		if (fchmod(tfd, e->mode) < 0)
			goto copy_fail;
		cl_step("chmod restore copy");
		if (futimens(tfd, ts) < 0)
			goto copy_fail;
		cl_step("set times of restore copy");
		if (cl_fsync_fd(tfd, "fsync restore copy") < 0)
			goto copy_fail;
		close(tfd);
		tfd = -1;
		if (cl_hash_at(s.unitfd, tmp, got, &tst) < 0)
			goto copy_fail;
		if (memcmp(got, e->sha256, UC_SHA256_LEN) != 0) {
			errno = EIO;
			goto copy_fail;
		}
		if (cl_rename_noreplace(s.unitfd, tmp, s.unitfd, e->file) < 0)
			goto copy_fail;
		cl_step("rename restore copy into place");
		if (fsync(s.unitfd) == 0)
			cl_step("fsync unit directory");
		if (unlinkat(w->fd, e->qfile, 0) == 0)
			cl_step("unlink quarantine copy");
		if (fsync(w->fd) == 0)
			cl_step("fsync run directory");
		how = "copy";
	}
	if (cl_journal_event(w, "restored", e->seq, "how", how, NULL) < 0)
		uc_log(LOG_WARNING, "run %s: %s restored, but not recorded; the next run records it",
		       w->id, e->path);
	{
		struct stat fin;
		char own[96] = "";
		if (fstatat(s.unitfd, e->file, &fin, AT_SYMLINK_NOFOLLOW) == 0 &&
		    (fin.st_uid != (uid_t)e->uid || fin.st_gid != (gid_t)e->gid))
			snprintf(own, sizeof own, "; owner %ld:%ld not restored (needs root)",
				 e->uid, e->gid);
		uc_format_rfc3339(e->mtime_sec, mt);
		*msg = xasprintf("put back %s (sha256 verified, mode %04o, mtime %s%s)", e->path,
				 e->mode, mt, own);
	}
	uc_log(LOG_NOTICE, "restore run %s: uid %ld put back %s", w->id, (long)getuid(), e->path);
	rc = UC_RESTORE_DONE;
	goto out;
copy_fail:
	{
		int err = errno;
		*msg = err == EEXIST ? xasprintf("a file appeared at %s meanwhile: not overwritten", e->path)
				     : xasprintf("cannot copy it back: %s", cl_errtext(err));
		if (tfd >= 0)
			close(tfd);
		tfd = -1;
		if (unlinkat(s.unitfd, tmp, 0) == 0)
			cl_step("unlink partial restore");
		cl_journal_event(w, "restore-failed", e->seq, "error", *msg, NULL);
		rc = err == EEXIST ? UC_RESTORE_REFUSED : UC_RESTORE_FAILED;
	}
out:
	if (tfd >= 0)
		close(tfd);
	if (qfd >= 0)
		close(qfd);
	cl_src_close(&s);
	free(buf);
	free(tmp);
	return rc;
}

int uc_cleanup_restore(struct uc_quarantine *q, const struct uc_settings *s, const char *run_id,
		       const char *file, struct uc_restore_result **results, size_t *nresults,
		       char **error)
{
	size_t n, nres = 0;
	struct uc_run *runs, *r = NULL;
	struct uc_restore_result *res = NULL;
	struct run_writer w;
	bool exact = false, any = false;
	int bad = 0;

	*results = NULL;
	*nresults = 0;
	if (!uc_cleanup_name_ok(run_id, NULL)) {
		*error = xasprintf("'%s' is not a run id", run_id);
		return -1;
	}
	runs = uc_quarantine_runs(q, &n);
	for (size_t i = 0; i < n && !r; i++)
		if (strcmp(runs[i].id, run_id) == 0)
			r = &runs[i];
	if (!r || !r->has_manifest) {
		*error = r ? xasprintf("run %s has no readable manifest", run_id)
			   : xasprintf("no run %s in %s (see uccert cleanup --list-runs)", run_id, q->dir);
		uc_runs_free(runs, n);
		return -1;
	}
	if (file)
		for (size_t j = 0; j < r->nentries; j++)
			exact |= path_matches(&r->entries[j], file, true);
	for (size_t j = 0; j < r->nentries; j++)
		any |= !file || path_matches(&r->entries[j], file, exact);
	if (!any) {
		*error = xasprintf("run %s holds no file %s", run_id, file);
		uc_runs_free(runs, n);
		return -1;
	}
	if (cl_run_writer_open(q, r->id, &w) < 0) {
		*error = xasprintf("cannot open run %s for writing: %s", run_id, strerror(errno));
		cl_run_writer_close(&w);
		uc_runs_free(runs, n);
		return -1;
	}
	for (size_t j = 0; j < r->nentries; j++) {
		struct uc_qentry *e = &r->entries[j];
		struct uc_restore_result *o;
		if (file && !path_matches(e, file, exact))
			continue;
		res = xreallocarray(res, nres + 1, sizeof *res);
		o = &res[nres++];
		o->path = xstrdup(e->path);
		o->message = NULL;
		switch (e->state) {
		case UC_ENTRY_RESTORED:
			o->status = UC_RESTORE_ALREADY;
			o->message = xasprintf("%s was restored earlier", e->path);
			break;
		case UC_ENTRY_FAILED:
			o->status = UC_RESTORE_SKIPPED;
			o->message = xasprintf("%s was never moved by this run (%s)", e->path,
					       e->note ? e->note : "failed");
			break;
		case UC_ENTRY_MOVED:
			o->status = restore_one(&w, s, e, &o->message);
			break;
		default:
			o->status = UC_RESTORE_FAILED;
			o->message = xasprintf("%s: the entry is still pending (an interrupted run that could not be resolved)",
					       e->path);
			break;
		}
		if (o->status == UC_RESTORE_REFUSED || o->status == UC_RESTORE_FAILED) {
			bad++;
			uc_log(LOG_ERR, "restore run %s: %s: %s", r->id, e->path, o->message);
		}
	}
	cl_run_writer_close(&w);
	uc_runs_free(runs, n);
	*results = res;
	*nresults = nres;
	return bad;
}
