/* cleanup-apply.c - the local executor: move each candidate out of its
 * cert_dir into the run's quarantine directory, journalled step by step. */
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

/* ---- apply ----------------------------------------------------------- */

static bool same_stat(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static void fail_item(struct uc_cleanup_item *it, char *error)
{
	it->status = UC_CLEANUP_FAILED;
	cl_set_str(&it->error, error);
	uc_log(LOG_ERR, "cleanup: %s/%s: %s: %s", it->cluster, it->node, it->path, error);
}

static int write_intent(struct run_writer *w, const struct uc_cleanup_item *it, unsigned seq,
			const char *qfile, const struct stat *st)
{
	struct sbuf b = { 0 };
	char hex[2 * UC_SHA256_LEN + 1], mode[16], mtime[48];

	cl_sha256_hex(it->file_sha256, hex);
	snprintf(mode, sizeof mode, "%04o", (unsigned)(st->st_mode & 07777));
	snprintf(mtime, sizeof mtime, "%lld.%09ld", (long long)st->st_mtim.tv_sec,
		 (long)st->st_mtim.tv_nsec);
	cl_line_start(&b, "intent", seq);
	cl_kv(&b, "cluster", it->cluster);
	cl_kv(&b, "node", it->node);
	cl_kv(&b, "unit", it->unit);
	cl_kv(&b, "cert_dir", it->real_cert_dir);
	cl_kv(&b, "unit_dir", it->unit_dir);
	cl_kv(&b, "file", it->file);
	cl_kv(&b, "path", it->path);
	cl_kv(&b, "qfile", qfile);
	cl_kv(&b, "sha256", hex);
	cl_kvl(&b, "size", (long long)st->st_size);
	cl_kv(&b, "mode", mode);
	cl_kvl(&b, "uid", (long long)st->st_uid);
	cl_kvl(&b, "gid", (long long)st->st_gid);
	cl_kv(&b, "mtime", mtime);
	cl_kv(&b, "reason", it->reason);
	cl_kv(&b, "command", it->command);
	return cl_journal_append(&w->j, &b);
}

/* Copy buf into the run as qfile, with the original's attributes. */
static int copy_in(struct run_writer *w, const char *qfile, const unsigned char *buf,
		   size_t len, const struct stat *st, const unsigned char *sha, char **error)
{
	char *tmp = xasprintf(".%s.part", qfile);
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	unsigned char got[UC_SHA256_LEN];
	struct stat tst;
	int fd, e = 0;

	fd = openat(w->fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		*error = xasprintf("cannot create %s/%s: %s", w->dir, tmp, cl_errtext(errno));
		free(tmp);
		return -1;
	}
	cl_step("create copy");
	if (cl_write_all(fd, buf, len) < 0)
		goto fail;
	cl_step("write copy");
	if (cl_is_root()) {
		if (fchown(fd, st->st_uid, st->st_gid) < 0)
			goto fail;
		cl_step("chown copy");
	}
	if (fchmod(fd, st->st_mode & 07777) < 0)
		goto fail;
	cl_step("chmod copy");
	if (futimens(fd, ts) < 0)
		goto fail;
	cl_step("set times of copy");
	if (cl_fsync_fd(fd, "fsync copy") < 0)
		goto fail;
	close(fd);
	fd = -1;
	if (cl_hash_at(w->fd, tmp, got, &tst) < 0)
		goto fail;
	if (memcmp(got, sha, UC_SHA256_LEN) != 0) {
		e = EIO;
		*error = xasprintf("the copy in %s does not match the original's SHA-256", w->dir);
		goto cleanup;
	}
	if (cl_rename_noreplace(w->fd, tmp, w->fd, qfile) < 0)
		goto fail;
	cl_step("rename copy into place");
	if (cl_fsync_fd(w->fd, "fsync run directory") < 0)
		goto fail_renamed;
	free(tmp);
	return 0;
fail_renamed:
	e = errno;
	*error = xasprintf("cannot make %s/%s durable: %s", w->dir, qfile, cl_errtext(e));
	if (unlinkat(w->fd, qfile, 0) == 0)
		cl_step("unlink copy");
	goto out;
fail:
	e = errno;
	*error = xasprintf("cannot copy into %s: %s", w->dir, cl_errtext(e));
cleanup:
	if (fd >= 0)
		close(fd);
	if (unlinkat(w->fd, tmp, 0) == 0)
		cl_step("unlink partial copy");
out:
	if (fsync(w->fd) == 0)
		cl_step("fsync run directory");
	free(tmp);
	errno = e;
	return -1;
}

enum move_result { MOVE_OK, MOVE_FAILED, MOVE_STOP, MOVE_UNRECORDED };

static enum move_result move_one(struct uc_quarantine *q, struct run_writer *w, bool *have_run,
				 const struct uc_cleanup_plan *p, const char *config_path,
				 struct uc_cleanup_item *it, unsigned seq)
{
	struct src s;
	struct stat st, ust, now_st;
	unsigned char *buf = NULL, sha[UC_SHA256_LEN];
	size_t len;
	char *qfile = NULL, *error = NULL, hex[2 * UC_SHA256_LEN + 1];
	const char *how;
	enum move_result res = MOVE_FAILED;
	int fd = -1;

	if (q->real_dir && (strcmp(q->real_dir, it->real_cert_dir) == 0 ||
			    cl_inside(it->real_cert_dir, q->real_dir))) {
		fail_item(it, xasprintf("the quarantine %s is inside the cert_dir %s: refusing",
					q->real_dir, it->real_cert_dir));
		return MOVE_FAILED;
	}
	if (cl_src_open(it->real_cert_dir, it->unit_dir, &s) < 0) {
		fail_item(it, xasprintf("cannot open %s/%s: %s", it->real_cert_dir, it->unit_dir,
					strerror(errno)));
		return MOVE_FAILED;
	}
	fd = openat(s.unitfd, it->file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    cl_read_all(fd, UC_MAX_CERT_FILE, &buf, &len) < 0) {
		error = xasprintf("cannot read it again before moving: %s",
				  errno == ELOOP ? "it became a symbolic link" : strerror(errno));
		goto out;
	}
	SHA256(buf, len, sha);
	if (memcmp(sha, it->file_sha256, UC_SHA256_LEN) != 0) {
		error = xstrdup("it changed since it was checked: left in place, run again");
		goto out;
	}
	/* the common failure, read-only or foreign cert_dir, before any record */
	if (faccessat(s.unitfd, ".", W_OK | X_OK, AT_EACCESS) < 0) {
		error = xasprintf("cannot remove it from %s/%s: %s", it->real_cert_dir,
				  it->unit_dir, strerror(errno));
		goto out;
	}
	if (!*have_run) {
		if (cl_run_create(q, p, config_path, w, &error) < 0) {
			res = MOVE_STOP;
			goto out;
		}
		*have_run = true;
		uc_log(LOG_NOTICE, "cleanup run %s started by uid %ld in %s", w->id,
		       (long)getuid(), w->dir);
	}
	qfile = xasprintf("%04u_%s", seq, it->file);
	if (write_intent(w, it, seq, qfile, &st) < 0) {
		error = xasprintf("cannot write the manifest %s/%s: %s", w->dir, MANIFEST, cl_errtext(errno));
		res = MOVE_STOP;
		goto out;
	}
	if (fstat(s.unitfd, &ust) < 0)
		ust.st_dev = st.st_dev;
	/* same st_dev can still be two mounts (a bind mount): EXDEV falls back
	 * to the copy */
	bool renamed = false;
	if (ust.st_dev == w->dev) {
		if (cl_rename_noreplace(s.unitfd, it->file, w->fd, qfile) == 0) {
			renamed = true;
		} else if (errno != EXDEV) {
			error = xasprintf("cannot move it into %s: %s", w->dir, strerror(errno));
			cl_journal_event(w, "failed", seq, "error", error, NULL);
			goto out;
		}
	}
	if (renamed) {
		cl_step("rename into quarantine");
		if (cl_fsync_fd(w->fd, "fsync run directory") < 0 ||
		    cl_fsync_fd(s.unitfd, "fsync unit directory") < 0)
			uc_log(LOG_WARNING, "run %s: fsync after moving %s: %s", w->id, it->path,
			       strerror(errno));
		how = "rename";
		/* what arrived is what the record holds */
		if (cl_hash_at(w->fd, qfile, sha, &now_st) == 0 &&
		    memcmp(sha, it->file_sha256, UC_SHA256_LEN) != 0)
			uc_log(LOG_WARNING, "run %s: %s changed while it was being moved; the manifest records the content that arrived",
			       w->id, it->path);
	} else {
		if (copy_in(w, qfile, buf, len, &st, it->file_sha256, &error) < 0) {
			int e = errno;
			cl_journal_event(w, "failed", seq, "error", error, NULL);
			res = e == ENOSPC || e == EDQUOT ? MOVE_STOP : MOVE_FAILED;
			goto out;
		}
		/* unlink only the file that was copied */
		bool gone = false, changed = false;
		if (fstatat(s.unitfd, it->file, &now_st, AT_SYMLINK_NOFOLLOW) < 0)
			gone = errno == ENOENT;
		else
			changed = !same_stat(&st, &now_st);
		if (gone) {
			/* someone else removed the original: the verified copy is now
			 * the only one, so it stays, recorded as moved */
			uc_log(LOG_WARNING, "run %s: %s disappeared while it was being copied; the quarantine copy is kept",
			       w->id, it->path);
		} else if (changed || unlinkat(s.unitfd, it->file, 0) < 0) {
			int e = errno;
			error = xasprintf("cannot remove the original after copying it: %s",
					  changed ? "it changed while being copied" : strerror(e));
			if (unlinkat(w->fd, qfile, 0) == 0)
				cl_step("unlink copy");
			if (fsync(w->fd) == 0)
				cl_step("fsync run directory");
			cl_journal_event(w, "failed", seq, "error", error, NULL);
			goto out;
		}
		if (!gone)
			cl_step("unlink original");
		if (cl_fsync_fd(s.unitfd, "fsync unit directory") < 0)
			uc_log(LOG_WARNING, "run %s: fsync %s/%s: %s", w->id, it->real_cert_dir,
			       it->unit_dir, strerror(errno));
		how = "copy";
	}
	it->status = UC_CLEANUP_MOVED;
	it->quarantine_path = xasprintf("%s/%s", w->dir, qfile);
	cl_sha256_hex(sha, hex);
	uc_log(LOG_NOTICE, "cleanup run %s: uid %ld moved %s (%s/%s, sha256 %s) to %s; on the node: %s",
	       w->id, (long)getuid(), it->path, it->cluster, it->node, hex,
	       it->quarantine_path, it->command);
	{
		struct sbuf b = { 0 };
		cl_line_start(&b, "done", seq);
		cl_kv(&b, "how", how);
		cl_kv(&b, "sha256", hex);
		if (cl_journal_append(&w->j, &b) < 0) {
			error = xasprintf("moved to %s, but the manifest could not record it: %s; the next cleanup --apply or restore completes the record",
					  it->quarantine_path, cl_errtext(errno));
			cl_set_str(&it->error, error);
			uc_log(LOG_ERR, "cleanup: %s", error);
			error = NULL;
			res = MOVE_UNRECORDED;
			goto out;
		}
	}
	res = MOVE_OK;
out:
	if (error)
		fail_item(it, error);
	if (fd >= 0)
		close(fd);
	cl_src_close(&s);
	free(buf);
	free(qfile);
	return res;
}

unsigned uc_cleanup_apply(struct uc_quarantine *q, struct uc_cleanup_plan *p,
			  const char *config_path, char **run_id)
{
	struct run_writer w = { .fd = -1, .j = { .fd = -1 } };
	bool have_run = false, stop = false;
	unsigned bad = 0, moved = 0, failed = 0, seq = 0;
	char *stop_error = NULL;

	*run_id = NULL;
	if (!q->writable || q->fd < 0) {
		for (size_t i = 0; i < p->nitems; i++)
			if (p->items[i].verdict == UC_CLEANUP_CANDIDATE) {
				fail_item(&p->items[i], xstrdup("the quarantine is not open for writing"));
				bad++;
			}
		return bad;
	}
	for (size_t i = 0; i < p->nitems; i++) {
		struct uc_cleanup_item *it = &p->items[i];
		if (it->verdict != UC_CLEANUP_CANDIDATE)
			continue;
		if (!it->verified) {
			fail_item(it, xstrdup("not checked on disk"));
			bad++;
			continue;
		}
		if (stop) {
			fail_item(it, xasprintf("not attempted: %s", stop_error));
			bad++;
			continue;
		}
		switch (move_one(q, &w, &have_run, p, config_path, it, ++seq)) {
		case MOVE_OK:
			moved++;
			break;
		case MOVE_UNRECORDED:
			moved++;
			bad++;
			stop = true;
			stop_error = xstrdup("the manifest cannot be written");
			break;
		case MOVE_STOP:
			stop = true;
			stop_error = xstrdup(it->error ? it->error : "stopped");
			failed++;
			bad++;
			break;
		default:
			failed++;
			bad++;
			break;
		}
	}
	if (have_run) {
		cl_run_end(&w, moved, failed, false);
		uc_log(LOG_NOTICE, "cleanup run %s by uid %ld: %u moved, %u failed", w.id,
		       (long)getuid(), moved, failed);
		*run_id = xstrdup(w.id);
		cl_run_writer_close(&w);
	}
	free(stop_error);
	return bad;
}
