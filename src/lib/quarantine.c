/* quarantine.c - the quarantine directory, its runs and their manifests:
 * writing them durably, reading them back, and recovering a run that an
 * interrupted process left open (see cleanup-int.h for why that is safe). */
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

/* ---- the manifest: key=value lines ------------------------------------ */

void cl_kv(struct sbuf *b, const char *k, const char *v)
{
	sbuf_printf(b, " %s=", k);
	for (const unsigned char *p = (const unsigned char *)(v ? v : ""); *p; p++) {
		if (*p <= 0x20 || *p >= 0x7f || *p == '%' || *p == '=')
			sbuf_printf(b, "%%%02X", *p);
		else
			sbuf_putc(b, (char)*p);
	}
}

void cl_kvl(struct sbuf *b, const char *k, long long v)
{
	sbuf_printf(b, " %s=%lld", k, v);
}

/* Start a journal line: "<type> seq=N at=<time> by=<uid>". */
void cl_line_start(struct sbuf *b, const char *type, unsigned seq)
{
	char t[32];
	cl_now_rfc3339(t);
	sbuf_puts(b, type);
	if (seq)
		cl_kvl(b, "seq", seq);
	cl_kv(b, "at", t);
	cl_kvl(b, "by", (long long)getuid());
}

/* Append one line (b, newline added) and make it durable. On failure the
 * file is cut back to its previous length so a later line stays readable. */
int cl_journal_append(struct journal *j, struct sbuf *b)
{
	sbuf_putc(b, '\n');
	char *line = sbuf_take(b);
	size_t len = strlen(line);
	int rc = 0, e = 0;

	if (cl_write_all(j->fd, line, len) < 0) {
		e = errno;
		if (ftruncate(j->fd, j->size) == 0)
			cl_step("truncate manifest");
		rc = -1;
	} else {
		cl_step("write manifest");
		j->size += (off_t)len;
		if (cl_fsync_fd(j->fd, "fsync manifest") < 0) {
			e = errno;
			rc = -1;
		}
	}
	free(line);
	errno = e;
	return rc;
}

struct kvs {
	char *type;
	char **keys, **vals;
	size_t n;
};

static char *pct_decode(const char *s, size_t n)
{
	char *out = xmalloc(n + 1), *o = out;
	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (s[i] == '%' && i + 2 < n && (hi = cl_hexval((unsigned char)s[i + 1])) >= 0 &&
		    (lo = cl_hexval((unsigned char)s[i + 2])) >= 0) {
			*o++ = (char)(hi << 4 | lo);
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

static void kvs_free(struct kvs *k)
{
	for (size_t i = 0; i < k->n; i++) {
		free(k->keys[i]);
		free(k->vals[i]);
	}
	free(k->keys);
	free(k->vals);
	free(k->type);
	memset(k, 0, sizeof *k);
}

static bool kvs_parse(const char *line, size_t len, struct kvs *k)
{
	const char *p = line, *end = line + len;
	memset(k, 0, sizeof *k);
	const char *sp = memchr(p, ' ', len);
	size_t tl = sp ? (size_t)(sp - p) : len;
	k->type = pct_decode(p, tl);
	p += tl;
	while (p < end) {
		if (*p == ' ') {
			p++;
			continue;
		}
		const char *tok = p;
		while (p < end && *p != ' ')
			p++;
		const char *eq = memchr(tok, '=', (size_t)(p - tok));
		if (!eq) {
			kvs_free(k);
			return false;
		}
		k->keys = xreallocarray(k->keys, k->n + 1, sizeof *k->keys);
		k->vals = xreallocarray(k->vals, k->n + 1, sizeof *k->vals);
		k->keys[k->n] = pct_decode(tok, (size_t)(eq - tok));
		k->vals[k->n] = pct_decode(eq + 1, (size_t)(p - eq - 1));
		k->n++;
	}
	return true;
}

static const char *kvs_get(const struct kvs *k, const char *key)
{
	for (size_t i = 0; i < k->n; i++)
		if (strcmp(k->keys[i], key) == 0)
			return k->vals[i];
	return NULL;
}

static char *kvs_dup(const struct kvs *k, const char *key)
{
	const char *v = kvs_get(k, key);
	return v ? xstrdup(v) : NULL;
}

static long long kvs_num(const struct kvs *k, const char *key, long long dflt)
{
	const char *v = kvs_get(k, key);
	char *end;
	if (!v || !*v)
		return dflt;
	long long n = strtoll(v, &end, 10);
	return *end && *end != '.' ? dflt : n;
}

static void qentry_free(struct uc_qentry *e)
{
	free(e->cluster);
	free(e->node);
	free(e->unit);
	free(e->cert_dir);
	free(e->unit_dir);
	free(e->file);
	free(e->path);
	free(e->qfile);
	free(e->reason);
	free(e->command);
	free(e->note);
}

static struct uc_qentry *entry_by_seq(struct uc_run *r, unsigned seq)
{
	for (size_t i = r->nentries; i-- > 0;)
		if (r->entries[i].seq == seq)
			return &r->entries[i];
	return NULL;
}

static bool intent_entry(const struct kvs *k, struct uc_qentry *e)
{
	const char *mt = kvs_get(k, "mtime"), *dot;

	memset(e, 0, sizeof *e);
	e->seq = (unsigned)kvs_num(k, "seq", 0);
	e->cluster = kvs_dup(k, "cluster");
	e->node = kvs_dup(k, "node");
	e->unit = kvs_dup(k, "unit");
	e->cert_dir = kvs_dup(k, "cert_dir");
	e->unit_dir = kvs_dup(k, "unit_dir");
	e->file = kvs_dup(k, "file");
	e->path = kvs_dup(k, "path");
	e->qfile = kvs_dup(k, "qfile");
	e->reason = kvs_dup(k, "reason");
	e->command = kvs_dup(k, "command");
	e->size = kvs_num(k, "size", -1);
	e->mode = (unsigned)strtoul(kvs_get(k, "mode") ? kvs_get(k, "mode") : "0", NULL, 8);
	e->uid = (long)kvs_num(k, "uid", -1);
	e->gid = (long)kvs_num(k, "gid", -1);
	e->mtime_sec = mt ? strtoll(mt, NULL, 10) : 0;
	e->mtime_nsec = mt && (dot = strchr(mt, '.')) ? strtol(dot + 1, NULL, 10) : 0;
	e->state = UC_ENTRY_PENDING;
	if (!e->seq || !e->cert_dir || !e->unit_dir || !e->file || !e->qfile || !e->path ||
	    !cl_hex_to_sha(kvs_get(k, "sha256"), e->sha256)) {
		qentry_free(e);
		return false;
	}
	return true;
}

/* Fold one journal line into the run. */
static bool apply_line(struct uc_run *r, const struct kvs *k)
{
	struct uc_qentry *e;
	const char *t = k->type;

	if (strcmp(t, "run") == 0) {
		cl_set_str(&r->started, kvs_dup(k, "at"));
		r->uid = (long)kvs_num(k, "by", -1);
		cl_set_str(&r->user, kvs_dup(k, "user"));
		return true;
	}
	if (strcmp(t, "end") == 0) {
		r->ended = true;
		return true;
	}
	if (strcmp(t, "note") == 0)
		return true;
	if (strcmp(t, "intent") == 0) {
		struct uc_qentry ne;
		if (!intent_entry(k, &ne))
			return false;
		if (entry_by_seq(r, ne.seq)) {
			qentry_free(&ne);
			return false;
		}
		r->entries = xreallocarray(r->entries, r->nentries + 1, sizeof *r->entries);
		r->entries[r->nentries++] = ne;
		return true;
	}
	if (!(e = entry_by_seq(r, (unsigned)kvs_num(k, "seq", 0))))
		return false;
	if (strcmp(t, "done") == 0) {
		unsigned char sha[UC_SHA256_LEN];
		if (cl_hex_to_sha(kvs_get(k, "sha256"), sha))
			memcpy(e->sha256, sha, sizeof sha);
		e->state = UC_ENTRY_MOVED;
		r->moved++;
	} else if (strcmp(t, "failed") == 0) {
		e->state = UC_ENTRY_FAILED;
		cl_set_str(&e->note, kvs_dup(k, "error"));
	} else if (strcmp(t, "restore") == 0) {
		e->state = UC_ENTRY_RESTORING;
	} else if (strcmp(t, "restored") == 0) {
		e->state = UC_ENTRY_RESTORED;
		cl_set_str(&e->note, kvs_dup(k, "how"));
	} else if (strcmp(t, "restore-failed") == 0) {
		e->state = UC_ENTRY_MOVED;
		cl_set_str(&e->note, kvs_dup(k, "error"));
	} else {
		return false;
	}
	return true;
}

static void run_count(struct uc_run *r)
{
	r->restored = r->pending = r->failed = 0;
	for (size_t i = 0; i < r->nentries; i++) {
		switch (r->entries[i].state) {
		case UC_ENTRY_RESTORED:
			r->restored++;
			break;
		case UC_ENTRY_PENDING:
		case UC_ENTRY_RESTORING:
			r->pending++;
			break;
		case UC_ENTRY_FAILED:
			r->failed++;
			break;
		default:
			break;
		}
	}
}

/* Parse a manifest. A last line without its newline was being written when
 * the process stopped: it is ignored (its step had not completed). */
static void parse_manifest(struct uc_run *r, const char *buf, size_t len)
{
	size_t lineno = 0;
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		size_t n = (size_t)(nl - p);
		lineno++;
		if (lineno == 1) {
			if (n != strlen(MANIFEST_MAGIC) || memcmp(p, MANIFEST_MAGIC, n) != 0)
				return;
		} else {
			struct kvs k;
			if (!kvs_parse(p, n, &k)) {
				r->bad_lines++;
			} else {
				if (lineno == 2 && strcmp(k.type, "run") != 0) {
					kvs_free(&k);
					return;
				}
				if (!apply_line(r, &k))
					r->bad_lines++;
				if (lineno == 2)
					r->has_manifest = true;
				kvs_free(&k);
			}
		}
		p = nl + 1;
	}
	run_count(r);
}

struct uc_run *uc_manifest_parse(const char *buf, size_t len)
{
	struct uc_run *r = xcalloc(1, sizeof *r);
	r->uid = -1;
	parse_manifest(r, buf, len);
	return r;
}

static void read_run(int qfd, const char *qdir, const char *name, struct uc_run *r)
{
	int rfd, mfd;
	unsigned char *buf;
	size_t len;

	memset(r, 0, sizeof *r);
	r->id = xstrdup(name);
	r->dir = xasprintf("%s/%s", qdir, name);
	r->uid = -1;
	if ((rfd = openat(qfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return;
	mfd = openat(rfd, MANIFEST, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	/* A manifest decides what gets unlinked and where files are written
	 * back: only trust one written by this user or by root. */
	struct stat rst, mst;
	if (mfd >= 0 && (fstat(rfd, &rst) < 0 || fstat(mfd, &mst) < 0 ||
			 (rst.st_uid != geteuid() && rst.st_uid != 0) ||
			 (mst.st_uid != geteuid() && mst.st_uid != 0))) {
		uc_log(LOG_WARNING, "quarantine run %s/%s: not owned by uid %ld or root: ignored",
		       qdir, name, (long)geteuid());
		close(mfd);
		mfd = -1;
	}
	close(rfd);
	if (mfd < 0)
		return;
	if (cl_read_all(mfd, MAX_MANIFEST, &buf, &len) == 0) {
		parse_manifest(r, (const char *)buf, len);
		free(buf);
	}
	close(mfd);
}

void uc_runs_free(struct uc_run *runs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < runs[i].nentries; j++)
			qentry_free(&runs[i].entries[j]);
		free(runs[i].entries);
		free(runs[i].id);
		free(runs[i].dir);
		free(runs[i].started);
		free(runs[i].user);
	}
	free(runs);
}

/* ---- the quarantine directory ---------------------------------------- */

/* mkdir -p, each new directory made durable in its parent. */
static int mkdirs(const char *dir)
{
	char *p = xstrdup(dir);
	int rc = 0;

	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0700) == 0) {
			cl_step("mkdir quarantine");
			char *parent = xstrdup(p), *slash = strrchr(parent, '/');
			if (slash == parent)
				slash[1] = '\0';
			else if (slash)
				*slash = '\0';
			int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (pfd >= 0) {
				if (fsync(pfd) == 0)
					cl_step("fsync parent");
				close(pfd);
			}
			free(parent);
		} else if (errno != EEXIST) {
			rc = -1;
			*s = c;
			break;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return rc;
}

struct uc_quarantine *uc_quarantine_open(const char *dir, bool writable, char **error)
{
	struct uc_quarantine *q = xcalloc(1, sizeof *q);

	q->dir = xstrdup(dir);
	q->fd = q->lockfd = -1;
	q->writable = writable;
	if (writable && mkdirs(dir) < 0) {
		*error = xasprintf("cannot create the quarantine directory %s: %s", dir, strerror(errno));
		goto fail;
	}
	q->fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (q->fd < 0) {
		if (!writable && errno == ENOENT)
			return q;
		*error = xasprintf("cannot open the quarantine directory %s: %s", dir, strerror(errno));
		goto fail;
	}
	q->real_dir = realpath(dir, NULL);
	if (writable) {
		q->lockfd = openat(q->fd, LOCK_FILE, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (q->lockfd < 0 || faccessat(q->fd, ".", W_OK | X_OK, AT_EACCESS) < 0) {
			*error = xasprintf("cannot write to the quarantine directory %s: %s", dir, strerror(errno));
			goto fail;
		}
		if (flock(q->lockfd, LOCK_EX | LOCK_NB) < 0) {
			*error = errno == EWOULDBLOCK
			    ? xasprintf("another uccert cleanup or restore is working on %s (lock %s/%s)",
					dir, dir, LOCK_FILE)
			    : xasprintf("cannot lock %s/%s: %s", dir, LOCK_FILE, strerror(errno));
			goto fail;
		}
	} else {
		q->lockfd = openat(q->fd, LOCK_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (q->lockfd >= 0 && flock(q->lockfd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK)
			q->busy = true;
	}
	return q;
fail:
	uc_quarantine_close(q);
	return NULL;
}

void uc_quarantine_close(struct uc_quarantine *q)
{
	if (!q)
		return;
	if (q->lockfd >= 0)
		close(q->lockfd);
	if (q->fd >= 0)
		close(q->fd);
	free(q->dir);
	free(q->real_dir);
	free(q);
}

const char *uc_quarantine_dir(const struct uc_quarantine *q)
{
	return q->dir;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct uc_run *uc_quarantine_runs(struct uc_quarantine *q, size_t *nruns)
{
	char **names = NULL;
	size_t n = 0;
	struct uc_run *runs;
	DIR *d;
	struct dirent *de;
	int fd;

	*nruns = 0;
	if (q->fd < 0 || (fd = dup(q->fd)) < 0)
		return NULL;
	if (!(d = fdopendir(fd))) {
		close(fd);
		return NULL;
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		struct stat st;
		if (de->d_name[0] == '.')
			continue;
		if (fstatat(q->fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
			continue;
		names = xreallocarray(names, n + 1, sizeof *names);
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, cmp_str);
	runs = xcalloc(n, sizeof *runs);
	for (size_t i = 0; i < n; i++) {
		read_run(q->fd, q->dir, names[i], &runs[i]);
		free(names[i]);
	}
	free(names);
	*nruns = n;
	return runs;
}

/* ---- the cert_dir locks ---------------------------------------------- */

/* Two configurations can name one cert_dir with two quarantines: their
 * quarantine locks do not meet. Each cert_dir is therefore locked too, with
 * flock(2) on the directory itself: nothing is written into the store, the
 * lock follows the directory whatever path names it, and the kernel drops it
 * with the process. */
struct uc_certdir_locks {
	int *fds;
	size_t n;
};

/* The pid holding a flock on the file (dev, ino), from /proc/locks; 0 when
 * it cannot be told. */
static long flock_holder(dev_t dev, ino_t ino)
{
	FILE *f = fopen("/proc/locks", "re");
	char line[256];
	long pid = 0;

	if (!f)
		return 0;
	while (!pid && fgets(line, sizeof line, f)) {
		char kind[16], rw[16];
		unsigned maj, min;
		unsigned long long in;
		long p;
		/* "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"; waiters are "->" lines */
		if (strstr(line, "->"))
			continue;
		if (sscanf(line, "%*d: %15s %*s %15s %ld %x:%x:%llu", kind, rw, &p, &maj, &min, &in) == 6 &&
		    strcmp(kind, "FLOCK") == 0 && maj == major(dev) && min == minor(dev) &&
		    in == (unsigned long long)ino)
			pid = p;
	}
	fclose(f);
	return pid;
}

struct uc_certdir_locks *uc_certdir_lock(const struct uc_settings *s, char **error)
{
	struct uc_certdir_locks *l = xcalloc(1, sizeof *l);
	struct stat *held = NULL;

	for (size_t i = 0; i < s->nclusters; i++)
		for (size_t j = 0; j < s->clusters[i].nnodes; j++) {
			const char *dir = s->clusters[i].nodes[j].cert_dir;
			struct stat st;
			bool again = false;
			if (!dir)
				continue;
			int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0)
				continue;	/* the scan reports it; nothing to move there */
			if (fstat(fd, &st) < 0) {
				close(fd);
				continue;
			}
			for (size_t k = 0; k < l->n; k++)	/* one directory, two names */
				again |= held[k].st_dev == st.st_dev && held[k].st_ino == st.st_ino;
			if (again) {
				close(fd);
				continue;
			}
			if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
				if (errno == EWOULDBLOCK) {
					long pid = flock_holder(st.st_dev, st.st_ino);
					char who[32] = "pid unknown";
					if (pid > 0)
						snprintf(who, sizeof who, "pid %ld", pid);
					*error = xasprintf("the cert_dir %s is in use by another uccert cleanup or restore (%s): nothing done, run again when it has finished",
							   dir, who);
				} else {
					*error = xasprintf("cannot lock the cert_dir %s: %s", dir, strerror(errno));
				}
				close(fd);
				free(held);
				uc_certdir_unlock(l);
				return NULL;
			}
			held = xreallocarray(held, l->n + 1, sizeof *held);
			held[l->n] = st;
			l->fds = xreallocarray(l->fds, l->n + 1, sizeof *l->fds);
			l->fds[l->n++] = fd;
		}
	free(held);
	return l;
}

void uc_certdir_unlock(struct uc_certdir_locks *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		close(l->fds[i]);
	free(l->fds);
	free(l);
}

/* ---- an open run ----------------------------------------------------- */

void cl_run_writer_close(struct run_writer *w)
{
	if (w->j.fd >= 0)
		close(w->j.fd);
	if (w->fd >= 0)
		close(w->fd);
	free(w->id);
	free(w->dir);
	memset(w, 0, sizeof *w);
	w->fd = w->j.fd = -1;
}

/* Open an existing run's directory and manifest for appending. */
int cl_run_writer_open(struct uc_quarantine *q, const char *id, struct run_writer *w)
{
	struct stat st;

	memset(w, 0, sizeof *w);
	w->fd = w->j.fd = -1;
	w->id = xstrdup(id);
	w->dir = xasprintf("%s/%s", q->dir, id);
	if ((w->fd = openat(q->fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    fstat(w->fd, &st) < 0)
		return -1;
	w->dev = st.st_dev;
	if ((w->j.fd = openat(w->fd, MANIFEST, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    fstat(w->j.fd, &st) < 0)
		return -1;
	w->j.size = st.st_size;
	return 0;
}

/* A new run: directory, manifest with its header, all durable. */
int cl_run_create(struct uc_quarantine *q, const struct uc_cleanup_plan *p,
		  const char *config_path, struct run_writer *w, char **error)
{
	char stamp[32], host[256] = "", now[32];
	struct uc_tm tm;
	struct stat st;
	struct sbuf b = { 0 };
	struct passwd *pw = getpwuid(getuid());
	int e;

	memset(w, 0, sizeof *w);
	w->fd = w->j.fd = -1;
	uc_gmtime((int64_t)time(NULL), &tm);
	snprintf(stamp, sizeof stamp, "%04d%02d%02dT%02d%02d%02dZ", tm.year, tm.month,
		 tm.day, tm.hour, tm.min, tm.sec);
	for (int i = 1;; i++) {
		w->id = i == 1 ? xasprintf("%s-%ld", stamp, (long)getpid())
			       : xasprintf("%s-%ld-%d", stamp, (long)getpid(), i);
		if (mkdirat(q->fd, w->id, 0700) == 0)
			break;
		if (errno != EEXIST || i > 100) {
			*error = xasprintf("cannot create a run directory in %s: %s", q->dir, cl_errtext(errno));
			free(w->id);
			w->id = NULL;
			return -1;
		}
		free(w->id);
	}
	cl_step("mkdir run");
	w->dir = xasprintf("%s/%s", q->dir, w->id);
	if (cl_fsync_fd(q->fd, "fsync quarantine") < 0 ||
	    (w->fd = openat(q->fd, w->id, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fstat(w->fd, &st) < 0)
		goto fail;
	w->dev = st.st_dev;
	if ((w->j.fd = openat(w->fd, MANIFEST, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600)) < 0)
		goto fail;
	cl_step("create manifest");
	if (cl_fsync_fd(w->fd, "fsync run directory") < 0)
		goto fail;
	gethostname(host, sizeof host - 1);
	uc_format_rfc3339(p->now, now);
	sbuf_puts(&b, MANIFEST_MAGIC "\n");
	cl_line_start(&b, "run", 0);
	cl_kv(&b, "id", w->id);
	cl_kv(&b, "user", pw ? pw->pw_name : "");
	cl_kvl(&b, "pid", (long long)getpid());
	cl_kv(&b, "host", host);
	char *real_config = config_path ? realpath(config_path, NULL) : NULL;
	cl_kv(&b, "config", real_config ? real_config : config_path);
	free(real_config);
	cl_kv(&b, "now", now);
	cl_kvl(&b, "grace_days", p->grace_days);
	cl_kv(&b, "quarantine", q->real_dir ? q->real_dir : q->dir);
	if (cl_journal_append(&w->j, &b) < 0)
		goto fail;
	return 0;
fail:
	e = errno;
	*error = xasprintf("cannot create run %s in %s: %s", w->id, q->dir, cl_errtext(e));
	/* nothing was moved: take the empty run away again */
	if (w->j.fd >= 0 && unlinkat(w->fd, MANIFEST, 0) == 0)
		cl_step("unlink manifest");
	if (w->fd >= 0) {
		close(w->fd);
		w->fd = -1;
	}
	if (unlinkat(q->fd, w->id, AT_REMOVEDIR) == 0)
		cl_step("rmdir run");
	cl_run_writer_close(w);
	errno = e;
	return -1;
}

void cl_run_end(struct run_writer *w, unsigned moved, unsigned failed, bool recovered)
{
	struct sbuf b = { 0 };
	cl_line_start(&b, "end", 0);
	if (recovered) {
		cl_kv(&b, "recovered", "yes");
	} else {
		cl_kvl(&b, "moved", moved);
		cl_kvl(&b, "failed", failed);
	}
	if (cl_journal_append(&w->j, &b) < 0)
		uc_log(LOG_ERR, "run %s: cannot close the manifest: %s (the next run closes it)",
		       w->id, cl_errtext(errno));
}

/* Record a terminal line for seq; log when it cannot be written. */
int cl_journal_event(struct run_writer *w, const char *type, unsigned seq,
		     const char *key, const char *value, const unsigned char *sha)
{
	struct sbuf b = { 0 };
	char hex[2 * UC_SHA256_LEN + 1];

	cl_line_start(&b, type, seq);
	if (key)
		cl_kv(&b, key, value);
	if (sha) {
		cl_sha256_hex(sha, hex);
		cl_kv(&b, "sha256", hex);
	}
	if (cl_journal_append(&w->j, &b) < 0) {
		uc_log(LOG_ERR, "run %s: cannot record '%s' for entry %u in the manifest: %s",
		       w->id, type, seq, cl_errtext(errno));
		return -1;
	}
	return 0;
}

/* ---- recovery -------------------------------------------------------- */

static void rec_msg(struct uc_recovery *out, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void rec_msg(struct uc_recovery *out, int prio, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *m = xvasprintf(fmt, ap);
	va_end(ap);
	uc_log(prio, "%s", m);
	out->messages = xreallocarray(out->messages, out->nmessages + 1, sizeof *out->messages);
	out->messages[out->nmessages++] = m;
}

void uc_recovery_free(struct uc_recovery *r)
{
	for (size_t i = 0; i < r->nmessages; i++)
		free(r->messages[i]);
	free(r->messages);
	memset(r, 0, sizeof *r);
}

static bool entry_names_ok(const struct uc_qentry *e, const char **why)
{
	return uc_cleanup_name_ok(e->unit_dir, why) && uc_cleanup_name_ok(e->file, why) &&
	    uc_cleanup_name_ok(e->qfile, why) && e->cert_dir[0] == '/';
}

/* A manifest is a record, not an instruction: an entry is put back (or its
 * interrupted move finished) only at <configured cert_dir>/<trust unit
 * directory>/<file>, that place being its recorded path, and the recorded
 * cert_dir being where that configured cert_dir leads now. NULL when the
 * entry may be acted on, else why not (malloc'd). */
char *cl_entry_place_check(const struct uc_settings *s, const struct uc_qentry *e)
{
	const struct uc_node *home = NULL;
	const char *why;
	char *where, *real, *err = NULL;

	if (!entry_names_ok(e, &why))
		return xasprintf("unsafe name in the manifest (%s)", why);
	where = xasprintf("%s/%s/%s", e->cert_dir, e->unit_dir, e->file);
	for (size_t i = 0; s && i < s->nclusters && !home; i++)
		for (size_t j = 0; j < s->clusters[i].nnodes && !home; j++) {
			const struct uc_node *nd = &s->clusters[i].nodes[j];
			if (!nd->cert_dir)
				continue;
			char *p = xasprintf("%s/%s/%s", nd->cert_dir, e->unit_dir, e->file);
			if (strcmp(p, e->path) == 0)
				home = nd;
			free(p);
		}
	const struct uc_unit *u = uc_unit_find(e->unit_dir);
	if (!home && strcmp(where, e->path) != 0)
		err = xasprintf("the manifest places %s, not %s where the file came from", where, e->path);
	else if (!home)
		err = xasprintf("%s is not inside a configured cert_dir", e->path);
	else if (u ? u->store != UC_STORE_TRUST : uc_store_guess(e->unit_dir) != UC_STORE_TRUST)
		err = xasprintf("%s is not a trust unit: uccert cleanup never takes files from it", e->unit_dir);
	else if (!(real = realpath(home->cert_dir, NULL)))
		err = xasprintf("cannot resolve the configured cert_dir %s: %s", home->cert_dir, strerror(errno));
	else {
		if (strcmp(real, e->cert_dir) != 0)
			err = xasprintf("the manifest's cert_dir %s is not %s, where the configured cert_dir %s leads",
					e->cert_dir, real, home->cert_dir);
		free(real);
	}
	if (!err && (e->mode & ~0777u))
		err = xasprintf("the manifest records mode %04o: uccert never sets setuid, setgid or sticky bits",
				e->mode);
	free(where);
	return err;
}

/* Where a file is: present with a hash, absent, or unknown (cannot look). */
enum where cl_look(int dirfd, const char *name, unsigned char sha[UC_SHA256_LEN],
		   struct stat *st)
{
	if (dirfd < 0)
		return W_UNKNOWN;
	if (fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? W_ABSENT : W_UNKNOWN;
	if (!S_ISREG(st->st_mode)) {
		memset(sha, 0, UC_SHA256_LEN);
		return W_PRESENT;
	}
	return cl_hash_at(dirfd, name, sha, st) == 0 ? W_PRESENT : W_UNKNOWN;
}

static void remove_if_present(int dirfd, const char *name, const char *what)
{
	struct stat st;
	if (dirfd >= 0 && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode) && unlinkat(dirfd, name, 0) == 0) {
		cl_step(what);
		if (fsync(dirfd) == 0)
			cl_step("fsync directory");
	}
}

/* An entry whose move was not confirmed: find the file and close the entry.
 * Returns true when resolved (or, without fix, resolvable). */
static bool resolve_move(struct run_writer *w, int runfd, struct uc_qentry *e, bool fix,
			 struct uc_recovery *out, const char *run)
{
	struct src s = { -1, -1 };
	unsigned char qsha[UC_SHA256_LEN], osha[UC_SHA256_LEN];
	struct stat qst, ost;
	enum where qw, ow;
	char hex[2 * UC_SHA256_LEN + 1], *tmp = xasprintf(".%s.part", e->qfile);
	bool ok = true;

	if (cl_src_open(e->cert_dir, e->unit_dir, &s) < 0)
		s.cdfd = s.unitfd = -1;
	if (fix)
		remove_if_present(runfd, tmp, "unlink partial copy");
	qw = cl_look(runfd, e->qfile, qsha, &qst);
	ow = cl_look(s.unitfd, e->file, osha, &ost);
	bool qgood = qw == W_PRESENT && memcmp(qsha, e->sha256, UC_SHA256_LEN) == 0;
	bool ogood = ow == W_PRESENT && memcmp(osha, e->sha256, UC_SHA256_LEN) == 0;

	if (qw == W_UNKNOWN || ow == W_UNKNOWN) {
		rec_msg(out, LOG_ERR, "run %s: %s: cannot tell where the file is (cannot read %s or the quarantine): left pending",
			run, e->path, e->cert_dir);
		ok = false;
	} else if (qgood && ogood && qst.st_dev == ost.st_dev && qst.st_ino == ost.st_ino) {
		/* a rename done as link + unlink, stopped in between */
		if (fix) {
			if (fsync(runfd) == 0 && unlinkat(s.unitfd, e->file, 0) == 0) {
				cl_step("unlink original");
				if (fsync(s.unitfd) == 0)
					cl_step("fsync unit directory");
				cl_journal_event(w, "done", e->seq, "how", "recovered", e->sha256);
				rec_msg(out, LOG_NOTICE, "run %s: completed the move of %s", run, e->path);
			} else {
				rec_msg(out, LOG_ERR, "run %s: %s: cannot complete the move: %s", run, e->path, strerror(errno));
				ok = false;
			}
		} else {
			rec_msg(out, LOG_INFO, "run %s: %s: move interrupted (file linked in both places)", run, e->path);
		}
	} else if (qgood && ogood) {
		/* the copy was complete and verified, the original not yet removed */
		if (!fix) {
			rec_msg(out, LOG_INFO, "run %s: %s: interrupted after the verified copy, before the original was removed",
				run, e->path);
		} else if (fsync(runfd) == 0 && unlinkat(s.unitfd, e->file, 0) == 0) {
			/* (the copy's name made durable first: the directories may be
			 * on two filesystems) */
			cl_step("unlink original");
			if (fsync(s.unitfd) == 0)
				cl_step("fsync unit directory");
			cl_journal_event(w, "done", e->seq, "how", "recovered", e->sha256);
			rec_msg(out, LOG_NOTICE, "run %s: completed the move of %s (its verified copy was already in the quarantine)",
				run, e->path);
		} else {
			/* cannot finish: roll back instead, the original stays */
			char *why = xasprintf("cannot remove the original: %s", strerror(errno));
			if (unlinkat(runfd, e->qfile, 0) == 0)
				cl_step("unlink copy");
			if (fsync(runfd) == 0)
				cl_step("fsync run directory");
			cl_journal_event(w, "failed", e->seq, "error", why, NULL);
			rec_msg(out, LOG_WARNING, "run %s: %s: %s; the quarantine copy was removed, the file stays in place",
				run, e->path, why);
			free(why);
		}
	} else if (qw == W_PRESENT) {
		cl_sha256_hex(qsha, hex);
		if (ow == W_ABSENT || !qgood) {
			if (ogood) {
				rec_msg(out, LOG_ERR, "run %s: %s is in place, and %s/%s holds different content (sha256 %s): left both, check by hand",
					run, e->path, w->dir, e->qfile, hex);
				ok = false;
			} else if (fix) {
				cl_journal_event(w, "done", e->seq, "how", "recovered", qsha);
				rec_msg(out, LOG_NOTICE, "run %s: recorded the move of %s (the process stopped after moving it)%s",
					run, e->path, qgood ? "" : "; its content changed during the move");
				if (ow == W_PRESENT)
					rec_msg(out, LOG_WARNING, "run %s: a different file now occupies %s: left alone",
						run, e->path);
			} else {
				rec_msg(out, LOG_INFO, "run %s: %s: moved, but the move was not recorded as done",
					run, e->path);
			}
		} else {
			/* qgood and the path holds a different file */
			if (fix) {
				cl_journal_event(w, "done", e->seq, "how", "recovered", qsha);
				rec_msg(out, LOG_NOTICE, "run %s: recorded the move of %s; a different file now occupies that path and was left alone",
					run, e->path);
			} else {
				rec_msg(out, LOG_INFO, "run %s: %s: moved, not recorded as done", run, e->path);
			}
		}
	} else if (ow == W_PRESENT) {
		/* nothing reached the quarantine: the file never left */
		if (fix) {
			cl_journal_event(w, "failed", e->seq, "error",
					 "interrupted before the move; the file stayed in place", NULL);
			rec_msg(out, LOG_NOTICE, "run %s: %s: interrupted before the move; it stayed in place",
				run, e->path);
		} else {
			rec_msg(out, LOG_INFO, "run %s: %s: interrupted before the move; it is still in place",
				run, e->path);
		}
	} else {
		cl_sha256_hex(e->sha256, hex);
		rec_msg(out, LOG_ERR, "run %s: %s is neither in place nor in %s (sha256 %s): look for it by hand",
			run, e->path, w->dir, hex);
		ok = false;
	}
	cl_src_close(&s);
	free(tmp);
	return ok;
}

/* A restore that was not confirmed. */
static bool resolve_restore(struct run_writer *w, int runfd, struct uc_qentry *e, bool fix,
			    struct uc_recovery *out, const char *run)
{
	struct src s = { -1, -1 };
	unsigned char qsha[UC_SHA256_LEN], osha[UC_SHA256_LEN];
	struct stat qst, ost;
	enum where qw, ow;
	char *tmp = xasprintf(".%s.uccert-restore", e->file);
	bool ok = true;

	if (cl_src_open(e->cert_dir, e->unit_dir, &s) < 0)
		s.cdfd = s.unitfd = -1;
	if (fix)
		remove_if_present(s.unitfd, tmp, "unlink partial restore");
	qw = cl_look(runfd, e->qfile, qsha, &qst);
	ow = cl_look(s.unitfd, e->file, osha, &ost);
	bool qgood = qw == W_PRESENT && memcmp(qsha, e->sha256, UC_SHA256_LEN) == 0;
	bool ogood = ow == W_PRESENT && memcmp(osha, e->sha256, UC_SHA256_LEN) == 0;

	if (qw == W_UNKNOWN || ow == W_UNKNOWN) {
		rec_msg(out, LOG_ERR, "run %s: %s: cannot tell where the file is: restore left pending",
			run, e->path);
		ok = false;
	} else if (ogood) {
		if (fix) {
			if (qw == W_PRESENT && qgood) {
				/* the file's name in its unit directory durable first */
				if (fsync(s.unitfd) == 0 && unlinkat(runfd, e->qfile, 0) == 0)
					cl_step("unlink quarantine copy");
				if (fsync(runfd) == 0)
					cl_step("fsync run directory");
			}
			cl_journal_event(w, "restored", e->seq, "how", "recovered", NULL);
			rec_msg(out, LOG_NOTICE, "run %s: completed the restore of %s", run, e->path);
		} else {
			rec_msg(out, LOG_INFO, "run %s: %s: restore interrupted after the file was put back",
				run, e->path);
		}
	} else if (qgood) {
		if (fix) {
			cl_journal_event(w, "restore-failed", e->seq, "error",
					 "interrupted before the file was put back", NULL);
			rec_msg(out, LOG_NOTICE, "run %s: %s: restore interrupted before the file was put back; it stays in the quarantine",
				run, e->path);
		} else {
			rec_msg(out, LOG_INFO, "run %s: %s: restore interrupted; the file is still in the quarantine",
				run, e->path);
		}
	} else if (qw == W_ABSENT && ow == W_PRESENT) {
		if (fix)
			cl_journal_event(w, "restored", e->seq, "how", "recovered", NULL);
		rec_msg(out, LOG_WARNING, "run %s: %s was restored and has changed since", run, e->path);
	} else {
		rec_msg(out, LOG_ERR, "run %s: %s: restore interrupted and the file is neither in place nor in the quarantine with its recorded content: check by hand",
			run, e->path);
		ok = false;
	}
	cl_src_close(&s);
	free(tmp);
	return ok;
}

/* A run directory without a readable manifest header, or with a header and
 * nothing else: the process stopped while creating it, before anything was
 * recorded or moved. */
static void resolve_headless(struct uc_quarantine *q, struct uc_run *r, bool fix,
			     struct uc_recovery *out)
{
	int rfd = openat(q->fd, r->id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d;
	struct dirent *de;
	bool others = false;

	if (rfd < 0)
		return;
	if ((d = fdopendir(dup(rfd)))) {
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
			    strcmp(de->d_name, MANIFEST))
				others = true;
		closedir(d);
	}
	out->runs++;
	if (others) {
		rec_msg(out, LOG_ERR, "run %s has no manifest entries but holds files: left alone, check by hand",
			r->id);
		out->unresolved++;
	} else if (fix) {
		if (unlinkat(rfd, MANIFEST, 0) == 0)
			cl_step("unlink manifest");
		if (unlinkat(q->fd, r->id, AT_REMOVEDIR) == 0) {
			cl_step("rmdir run");
			if (fsync(q->fd) == 0)
				cl_step("fsync quarantine");
			rec_msg(out, LOG_NOTICE, "run %s was interrupted before it recorded anything: removed",
				r->id);
			out->resolved++;
		}
	} else {
		rec_msg(out, LOG_INFO, "run %s was interrupted before it recorded anything", r->id);
	}
	close(rfd);
}

unsigned uc_quarantine_recover(struct uc_quarantine *q, const struct uc_settings *s, bool fix,
			       struct uc_recovery *out)
{
	size_t n;
	struct uc_run *runs;

	memset(out, 0, sizeof *out);
	fix = fix && q->writable;
	if (q->busy) {
		rec_msg(out, LOG_WARNING, "another uccert process is working on %s: pending entries may be in progress",
			q->dir);
		return 0;
	}
	runs = uc_quarantine_runs(q, &n);
	for (size_t i = 0; i < n; i++) {
		struct uc_run *r = &runs[i];
		struct run_writer w;
		bool all = true;

		/* stopped before its first entry: nothing was moved */
		if (!r->has_manifest || (r->nentries == 0 && !r->ended)) {
			resolve_headless(q, r, fix, out);
			continue;
		}
		if (r->pending == 0 && r->ended)
			continue;
		out->runs++;
		if (fix && cl_run_writer_open(q, r->id, &w) < 0) {
			rec_msg(out, LOG_ERR, "run %s is incomplete and its manifest cannot be opened for writing: %s",
				r->id, strerror(errno));
			out->unresolved += r->pending;
			cl_run_writer_close(&w);
			continue;
		}
		if (!fix) {
			memset(&w, 0, sizeof w);
			w.fd = w.j.fd = -1;
			w.id = xstrdup(r->id);
			w.dir = xstrdup(r->dir);
		}
		int runfd = openat(q->fd, r->id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		for (size_t j = 0; j < r->nentries; j++) {
			struct uc_qentry *e = &r->entries[j];
			char *why;
			bool ok;
			if (e->state != UC_ENTRY_PENDING && e->state != UC_ENTRY_RESTORING)
				continue;
			if ((why = cl_entry_place_check(s, e))) {
				rec_msg(out, LOG_ERR, "run %s: entry %u: refused: %s: left pending, nothing touched",
					r->id, e->seq, why);
				free(why);
				ok = false;
			} else if (e->state == UC_ENTRY_PENDING) {
				ok = resolve_move(&w, runfd, e, fix, out, r->id);
			} else {
				ok = resolve_restore(&w, runfd, e, fix, out, r->id);
			}
			if (ok)
				out->resolved++;
			else
				out->unresolved++;
			all &= ok;
		}
		if (r->pending == 0 && !r->ended && !fix)
			rec_msg(out, LOG_INFO, "run %s stopped after its last entry, before closing its manifest",
				r->id);
		if (fix && all && !r->ended) {
			cl_run_end(&w, 0, 0, true);
			rec_msg(out, LOG_NOTICE, "run %s: interrupted run closed", r->id);
		}
		if (runfd >= 0)
			close(runfd);
		cl_run_writer_close(&w);
	}
	uc_runs_free(runs, n);
	return out->unresolved;
}
