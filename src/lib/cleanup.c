/* cleanup.c - expired trust certificates: select, quarantine, restore.
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
 * is and closes the entry (see resolve_move and resolve_restore).
 *
 * Every durable step (a write, fsync, rename, link, unlink, mkdir, chmod...)
 * goes through step(), which the tests use to kill the process after any
 * one of them. */
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
#include "clock.h"
#include "log.h"
#include "util.h"

#define MANIFEST "manifest"
#define MANIFEST_MAGIC "uccert-manifest 1"
#define LOCK_FILE ".lock"
#define MAX_MANIFEST (256u * 1024u * 1024u)

/* ---- the crash hook -------------------------------------------------- */

static unsigned long nsteps, crash_at;
static bool crash_read;

static void step(const char *what)
{
	if (!crash_read) {
		const char *e = getenv("UCCERT_TEST_CRASH_AT");
		crash_at = e ? strtoul(e, NULL, 10) : 0;
		crash_read = true;
	}
	nsteps++;
	if (crash_at && nsteps == crash_at) {
		uc_log(LOG_WARNING, "UCCERT_TEST_CRASH_AT=%lu: killing the process after step %lu (%s)",
		       crash_at, nsteps, what);
		raise(SIGKILL);
	}
}

unsigned long uc_cleanup_steps(void)
{
	return nsteps;
}

/* ---- small helpers --------------------------------------------------- */

static void set_str(char **dst, char *s)
{
	free(*dst);
	*dst = s;
}

static void now_rfc3339(char buf[32])
{
	uc_format_rfc3339((int64_t)time(NULL), buf);
}

static const char *errtext(int e)
{
	return e == ENOSPC ? "No space left on device (the quarantine is full)" : strerror(e);
}

static void sha256_hex(const unsigned char *d, char out[2 * UC_SHA256_LEN + 1])
{
	uc_sha256_hex(d, out);
}

/* The value of one hex digit, or -1. Not sscanf("%2x"): that reads up to
 * the string's NUL (a manifest line is not terminated) and takes a sign or
 * leading blanks as part of the number. */
static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool hex_to_sha(const char *s, unsigned char out[UC_SHA256_LEN])
{
	if (!s || strlen(s) != 2 * UC_SHA256_LEN)
		return false;
	for (size_t i = 0; i < UC_SHA256_LEN; i++) {
		int hi = hexval((unsigned char)s[2 * i]), lo = hexval((unsigned char)s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}

/* Read all of fd (at most max bytes). -1 with errno on error; EFBIG if larger. */
static int read_all(int fd, size_t max, unsigned char **out, size_t *len)
{
	size_t cap = 8192, n = 0;
	unsigned char *buf = xmalloc(cap);

	for (;;) {
		if (n == cap) {
			if (n > max) {
				free(buf);
				errno = EFBIG;
				return -1;
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			buf = xreallocarray(buf, cap, 1);
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(buf);
			errno = e;
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max) {
		free(buf);
		errno = EFBIG;
		return -1;
	}
	*out = buf;
	*len = n;
	return 0;
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* SHA-256 of the regular file name in dirfd (no symlink followed). 0 on
 * success; st receives its attributes. */
static int hash_at(int dirfd, const char *name, unsigned char sha[UC_SHA256_LEN],
		   struct stat *st)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	unsigned char *buf;
	size_t len;

	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		int e = errno;
		if (e == 0 || S_ISDIR(st->st_mode) || !S_ISREG(st->st_mode))
			e = EINVAL;
		close(fd);
		errno = e;
		return -1;
	}
	if (read_all(fd, MAX_MANIFEST, &buf, &len) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	SHA256(buf, len, sha);
	free(buf);
	return 0;
}

static int fsync_fd(int fd, const char *what)
{
	if (fsync(fd) < 0)
		return -1;
	step(what);
	return 0;
}

/* rename(2) that never replaces an existing file. */
static int rename_noreplace(int ofd, const char *o, int nfd, const char *n)
{
#ifdef RENAME_NOREPLACE
	if (renameat2(ofd, o, nfd, n, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
#endif
	/* link(2) refuses an existing name; a crash between the two calls
	 * leaves both names on one inode, which recovery handles. */
	if (linkat(ofd, o, nfd, n, 0) < 0)
		return -1;
	step("link");
	if (unlinkat(ofd, o, 0) < 0) {
		int e = errno;
		if (unlinkat(nfd, n, 0) == 0)
			step("unlink");
		errno = e;
		return -1;
	}
	return 0;
}

static bool is_root(void)
{
	return geteuid() == 0;
}

/* ---- names ----------------------------------------------------------- */

bool uc_cleanup_name_ok(const char *name, const char **why)
{
	const char *ignored;
	if (!why)
		why = &ignored;
	if (!name || !*name) {
		*why = "empty name";
		return false;
	}
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		*why = "'.' or '..'";
		return false;
	}
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (*p == '/') {
			*why = "contains '/'";
			return false;
		}
		if (*p < 0x20 || *p == 0x7f) {
			*why = "contains a control character (newline, tab, ...)";
			return false;
		}
		if (*p == ' ') {
			*why = "contains a space, which the platform command cannot name";
			return false;
		}
	}
	return true;
}

/* Every CN value of an RFC 4514 string, unescaped; calls fn until it says so. */
static bool each_cn(const char *dn, bool (*fn)(const char *cn, void *arg), void *arg)
{
	const char *p = dn;
	while (p && *p) {
		const char *eq = strchr(p, '=');
		if (!eq)
			return false;
		bool is_cn = eq - p == 2 && strncasecmp(p, "CN", 2) == 0;
		struct sbuf v = { 0 };
		p = eq + 1;
		while (*p && *p != ',' && *p != '+') {
			if (*p == '\\' && p[1]) {
				unsigned x;
				if (p[2] && sscanf(p + 1, "%2x", &x) == 1 &&
				    strchr("0123456789abcdefABCDEF", p[1]) &&
				    strchr("0123456789abcdefABCDEF", p[2])) {
					sbuf_putc(&v, (char)x);
					p += 3;
				} else {
					sbuf_putc(&v, p[1]);
					p += 2;
				}
				continue;
			}
			sbuf_putc(&v, *p++);
		}
		char *s = sbuf_take(&v);
		bool stop = is_cn && s && fn(s, arg);
		free(s);
		if (stop)
			return true;
		if (*p)
			p++;
	}
	return false;
}

struct host_names {
	const char *name[2];
	size_t len[2];
	int n;
};

/* The node's name, and its first label when the name is a dotted host name
 * (not an IPv4 address): "cucm-pub.example.com" also protects "cucm-pub". */
static void host_names(const char *node, struct host_names *h)
{
	const char *dot = strchr(node, '.');
	h->name[0] = node;
	h->len[0] = strlen(node);
	h->n = 1;
	if (dot && dot > node && strspn(node, "0123456789.") != h->len[0]) {
		h->name[1] = node;
		h->len[1] = (size_t)(dot - node);
		h->n = 2;
	}
}

static bool cn_is_host(const char *cn, void *arg)
{
	const struct host_names *h = arg;
	for (int i = 0; i < h->n; i++)
		if (strncasecmp(cn, h->name[i], h->len[i]) == 0 &&
		    (cn[h->len[i]] == '\0' || cn[h->len[i]] == '.'))
			return true;
	return false;
}

bool uc_cleanup_is_own_host(const char *node, const char *file, const char *subject)
{
	struct host_names h;

	host_names(node, &h);
	for (int i = 0; i < h.n; i++)
		if (strncasecmp(file, h.name[i], h.len[i]) == 0 &&
		    (file[h.len[i]] == '.' || file[h.len[i]] == '_'))
			return true;
	return subject && each_cn(subject, cn_is_host, &h);
}

/* ---- the plan -------------------------------------------------------- */

const char *uc_cleanup_verdict_name(enum uc_cleanup_verdict v)
{
	switch (v) {
	case UC_CLEANUP_CANDIDATE:
		return "candidate";
	case UC_CLEANUP_KEEP_VALID:
		return "keep-valid";
	case UC_CLEANUP_KEEP_GRACE:
		return "keep-grace";
	case UC_CLEANUP_KEEP_OWN_HOST:
		return "keep-own-host";
	case UC_CLEANUP_KEEP_SYMLINK:
		return "keep-symlink";
	case UC_CLEANUP_ON_NODE:
		return "on-node";
	case UC_CLEANUP_KEEP_NO_REPLACEMENT:
		return "keep-no-replacement";
	default:
		return "refused";
	}
}

const char *uc_cleanup_status_name(enum uc_cleanup_status s)
{
	switch (s) {
	case UC_CLEANUP_MOVED:
		return "moved";
	case UC_CLEANUP_FAILED:
		return "failed";
	default:
		return "planned";
	}
}

static int cmp_by_file(const void *pa, const void *pb)
{
	const struct uc_record *a = *(const struct uc_record *const *)pa;
	const struct uc_record *b = *(const struct uc_record *const *)pb;
	int c;

	if (a->cluster_idx != b->cluster_idx)
		return a->cluster_idx < b->cluster_idx ? -1 : 1;
	if (a->node_idx != b->node_idx)
		return a->node_idx < b->node_idx ? -1 : 1;
	if ((c = strcmp(a->unit, b->unit)) || (c = strcmp(a->file, b->file)))
		return c;
	return strcmp(a->source, b->source);
}

static bool same_file_records(const struct uc_record *a, const struct uc_record *b)
{
	return a->cluster_idx == b->cluster_idx && a->node_idx == b->node_idx &&
	    strcmp(a->source, b->source) == 0;
}

/* The unit directory's name: source is "<cert_dir>/<unit dir>/<file>". */
static char *unit_dir_of(const char *source, const char *file)
{
	size_t ls = strlen(source), lf = strlen(file);
	if (ls < lf + 2 || source[ls - lf - 1] != '/' || strcmp(source + ls - lf, file) != 0)
		return NULL;
	const char *end = source + ls - lf - 1, *start = end;
	while (start > source && start[-1] != '/')
		start--;
	if (start == end)
		return NULL;
	char *s = xmalloc((size_t)(end - start) + 1);
	memcpy(s, start, (size_t)(end - start));
	s[end - start] = '\0';
	return s;
}

static void decide(struct uc_cleanup_item *it, int64_t now, int grace_days)
{
	size_t nexp = 0;
	int64_t newest = INT64_MIN;
	const char *why;

	/* the most recently expired certificate decides how long ago */
	for (size_t i = 0; i < it->ncerts; i++) {
		if (it->certs[i].state != UC_STATE_EXPIRED)
			continue;
		nexp++;
		if (it->certs[i].not_after > newest)
			newest = it->certs[i].not_after;
	}
	it->expired_days = (now - newest) / 86400;
	if (nexp < it->ncerts) {
		it->verdict = UC_CLEANUP_KEEP_VALID;
		it->reason = xasprintf("holds a valid certificate (%zu of %zu not expired)",
				       it->ncerts - nexp, it->ncerts);
		return;
	}
	if (strcasecmp(it->unit, "ipsec-trust") == 0) {
		for (size_t i = 0; i < it->ncerts; i++)
			if (uc_cleanup_is_own_host(it->node, it->file, it->certs[i].subject)) {
				it->verdict = UC_CLEANUP_KEEP_OWN_HOST;
				it->reason = xasprintf("the node's own certificate in ipsec-trust (%s): DRS needs it; regenerate ipsec on %s instead",
						       it->certs[i].subject, it->node);
				return;
			}
	}
	if (now - newest < (int64_t)grace_days * 86400) {
		it->verdict = UC_CLEANUP_KEEP_GRACE;
		it->reason = xasprintf("expired %lld days ago, within grace_days = %d",
				       (long long)it->expired_days, grace_days);
		return;
	}
	if (!it->unit_dir) {
		it->verdict = UC_CLEANUP_REFUSED;
		it->reason = xasprintf("cannot tell the unit directory of %s", it->path);
		return;
	}
	if (!uc_cleanup_name_ok(it->file, &why)) {
		it->verdict = UC_CLEANUP_REFUSED;
		it->reason = xasprintf("file name %s", why);
		return;
	}
	if (!uc_cleanup_name_ok(it->unit_dir, &why)) {
		it->verdict = UC_CLEANUP_REFUSED;
		it->reason = xasprintf("unit directory name %s", why);
		return;
	}
	it->verdict = UC_CLEANUP_CANDIDATE;
	it->command = xasprintf("set cert delete %s %s", it->unit, it->file);
	if (it->ncerts == 1)
		it->reason = xasprintf("expired %lld days ago", (long long)it->expired_days);
	else
		it->reason = xasprintf("all %zu certificates expired, the last %lld days ago",
				       it->ncerts, (long long)it->expired_days);
}

static void add_item(struct uc_cleanup_plan *p, const struct uc_settings *s,
		     const struct uc_record *const *recs, size_t n)
{
	const struct uc_record *r = recs[0];
	struct uc_cleanup_item *it;

	p->items = xreallocarray(p->items, p->nitems + 1, sizeof *p->items);
	it = &p->items[p->nitems++];
	memset(it, 0, sizeof *it);
	it->cluster = xstrdup(r->cluster);
	it->node = xstrdup(r->node);
	it->unit = xstrdup(r->unit);
	it->cert_dir = xstrdup(s->clusters[r->cluster_idx].nodes[r->node_idx].cert_dir);	/* "" if none */
	it->path = xstrdup(r->source);
	it->file = xstrdup(r->file);
	/* a live source has no directory: the unit names the store */
	it->unit_dir = r->kind == UC_SOURCE_CERT_DIR ? unit_dir_of(r->source, r->file)
						      : xstrdup(r->unit);
	it->cluster_idx = r->cluster_idx;
	it->node_idx = r->node_idx;
	it->certs = xcalloc(n, sizeof *it->certs);
	it->ncerts = n;
	for (size_t i = 0; i < n; i++) {
		struct uc_cleanup_cert *c = &it->certs[i];
		c->subject = xstrdup(recs[i]->cert->subject);
		c->serial = xstrdup(recs[i]->cert->serial);
		c->not_after = recs[i]->cert->not_after;
		c->days_left = recs[i]->days_left;
		c->state = recs[i]->state;
		memcpy(c->sha256, recs[i]->cert->sha256, UC_SHA256_LEN);
	}
	decide(it, p->now, p->grace_days);
	if (it->verdict == UC_CLEANUP_CANDIDATE && r->kind != UC_SOURCE_CERT_DIR) {
		/* seen on the node itself: the command is all there is to do */
		it->verdict = UC_CLEANUP_ON_NODE;
		char *why = xasprintf("%s; read from %s, not a local file: run the command on the node",
				      it->reason, uc_source_kind_name(r->kind));
		free(it->reason);
		it->reason = why;
	}
	p->counts[it->verdict]++;
}

struct uc_cleanup_plan *uc_cleanup_plan_build(const struct uc_inventory *inv,
					      const struct uc_settings *s,
					      const struct uc_cleanup_filter *filter)
{
	struct uc_cleanup_plan *p = xcalloc(1, sizeof *p);
	const struct uc_record **recs = xcalloc(inv->nrecords, sizeof *recs);
	size_t n = 0;

	p->now = inv->now;
	p->grace_days = s->grace_days;
	for (size_t i = 0; i < inv->nrecords; i++) {
		const struct uc_record *r = &inv->records[i];
		if (r->store != UC_STORE_TRUST || !r->file || !r->source)
			continue;
		if (filter && filter->cluster && strcmp(filter->cluster, r->cluster) != 0)
			continue;
		if (filter && filter->node && strcmp(filter->node, r->node) != 0)
			continue;
		recs[n++] = r;
	}
	qsort(recs, n, sizeof *recs, cmp_by_file);
	for (size_t i = 0, j; i < n; i = j) {
		bool expired = false, unreadable = false;
		for (j = i; j < n && same_file_records(recs[i], recs[j]); j++) {
			expired |= recs[j]->state == UC_STATE_EXPIRED;
			unreadable |= recs[j]->state == UC_STATE_UNREADABLE || !recs[j]->cert;
		}
		/* a file without a readable certificate is never touched */
		if (expired && !unreadable)
			add_item(p, s, recs + i, j - i);
	}
	free(recs);
	return p;
}

static void refuse(struct uc_cleanup_plan *p, struct uc_cleanup_item *it, char *why)
{
	p->counts[it->verdict]--;
	it->verdict = UC_CLEANUP_REFUSED;
	p->counts[it->verdict]++;
	set_str(&it->reason, why);
	set_str(&it->command, NULL);
}

/* child is parent + "/" + one component */
static bool direct_child(const char *parent, const char *child)
{
	size_t n = strlen(parent);
	if (n == 1 && parent[0] == '/')
		n = 0;
	return strncmp(parent, child, n) == 0 && child[n] == '/' && child[n + 1] &&
	    !strchr(child + n + 1, '/');
}

static bool inside(const char *dir, const char *path)
{
	size_t n = strlen(dir);
	if (n == 1 && dir[0] == '/')
		return true;
	return strncmp(dir, path, n) == 0 && path[n] == '/';
}

/* Do the certificates in buf match exactly the ones the plan decided on? */
static bool same_certs(const struct uc_cleanup_item *it, const unsigned char *buf, size_t len)
{
	struct uc_certfile *f = uc_certfile_parse(buf, len);
	bool ok = f && f->ncerts == it->ncerts;

	for (size_t i = 0; ok && i < f->ncerts; i++) {
		bool found = false;
		for (size_t j = 0; j < it->ncerts && !found; j++)
			found = memcmp(f->certs[i].sha256, it->certs[j].sha256, UC_SHA256_LEN) == 0;
		ok = found;
	}
	uc_certfile_unref(f);
	return ok;
}

static void verify_item(struct uc_cleanup_plan *p, struct uc_cleanup_item *it)
{
	char *unit_path = NULL, *real_unit = NULL, *fpath = NULL, *real_file = NULL;
	unsigned char *buf = NULL;
	size_t len;
	struct stat st;
	int fd = -1;

	it->real_cert_dir = realpath(it->cert_dir, NULL);
	if (!it->real_cert_dir) {
		refuse(p, it, xasprintf("cannot resolve cert_dir %s: %s", it->cert_dir, strerror(errno)));
		goto out;
	}
	unit_path = xasprintf("%s/%s", it->cert_dir, it->unit_dir);
	real_unit = realpath(unit_path, NULL);
	if (!real_unit) {
		refuse(p, it, xasprintf("cannot resolve %s: %s", unit_path, strerror(errno)));
		goto out;
	}
	if (!direct_child(it->real_cert_dir, real_unit)) {
		refuse(p, it, xasprintf("unit directory %s resolves to %s, which is not directly inside the cert_dir %s",
					unit_path, real_unit, it->real_cert_dir));
		goto out;
	}
	set_str(&it->unit_dir, xstrdup(strrchr(real_unit, '/') + 1));
	fpath = xasprintf("%s/%s", real_unit, it->file);
	if (lstat(fpath, &st) < 0) {
		refuse(p, it, xasprintf("cannot stat %s: %s", fpath, strerror(errno)));
		goto out;
	}
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(fpath, target, sizeof target - 1);
		target[n < 0 ? 0 : n] = '\0';
		real_file = realpath(fpath, NULL);
		p->counts[it->verdict]--;
		it->verdict = UC_CLEANUP_KEEP_SYMLINK;
		p->counts[it->verdict]++;
		set_str(&it->reason, xasprintf("symbolic link to %s%s: never moved; delete the link by hand if it is stale",
					       target, real_file && inside(it->real_cert_dir, real_file) ? ""
					       : " (outside the cert_dir)"));
		set_str(&it->command, NULL);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		refuse(p, it, xasprintf("%s is not a regular file", fpath));
		goto out;
	}
	fd = open(fpath, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || read_all(fd, UC_MAX_CERT_FILE, &buf, &len) < 0) {
		refuse(p, it, xasprintf("cannot read %s: %s", fpath, strerror(errno)));
		goto out;
	}
	if (!same_certs(it, buf, len)) {
		refuse(p, it, xasprintf("%s changed since the scan: run again", fpath));
		goto out;
	}
	SHA256(buf, len, it->file_sha256);
	it->verified = true;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(unit_path);
	free(real_unit);
	free(fpath);
	free(real_file);
}

void uc_cleanup_plan_verify(struct uc_cleanup_plan *p)
{
	for (size_t i = 0; i < p->nitems; i++)
		if (p->items[i].verdict == UC_CLEANUP_CANDIDATE)
			verify_item(p, &p->items[i]);
}

void uc_cleanup_plan_free(struct uc_cleanup_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nitems; i++) {
		struct uc_cleanup_item *it = &p->items[i];
		for (size_t j = 0; j < it->ncerts; j++) {
			free(it->certs[j].subject);
			free(it->certs[j].serial);
		}
		free(it->certs);
		free(it->cluster);
		free(it->node);
		free(it->unit);
		free(it->cert_dir);
		free(it->unit_dir);
		free(it->path);
		free(it->file);
		free(it->command);
		free(it->reason);
		free(it->real_cert_dir);
		free(it->error);
		free(it->quarantine_path);
	}
	free(p->items);
	free(p);
}

/* ---- the manifest: key=value lines ------------------------------------ */

static void kv(struct sbuf *b, const char *k, const char *v)
{
	sbuf_printf(b, " %s=", k);
	for (const unsigned char *p = (const unsigned char *)(v ? v : ""); *p; p++) {
		if (*p <= 0x20 || *p >= 0x7f || *p == '%' || *p == '=')
			sbuf_printf(b, "%%%02X", *p);
		else
			sbuf_putc(b, (char)*p);
	}
}

static void kvl(struct sbuf *b, const char *k, long long v)
{
	sbuf_printf(b, " %s=%lld", k, v);
}

/* Start a journal line: "<type> seq=N at=<time> by=<uid>". */
static void line_start(struct sbuf *b, const char *type, unsigned seq)
{
	char t[32];
	now_rfc3339(t);
	sbuf_puts(b, type);
	if (seq)
		kvl(b, "seq", seq);
	kv(b, "at", t);
	kvl(b, "by", (long long)getuid());
}

struct journal {
	int fd;
	off_t size;
};

/* Append one line (b, newline added) and make it durable. On failure the
 * file is cut back to its previous length so a later line stays readable. */
static int journal_append(struct journal *j, struct sbuf *b)
{
	sbuf_putc(b, '\n');
	char *line = sbuf_take(b);
	size_t len = strlen(line);
	int rc = 0, e = 0;

	if (write_all(j->fd, line, len) < 0) {
		e = errno;
		if (ftruncate(j->fd, j->size) == 0)
			step("truncate manifest");
		rc = -1;
	} else {
		step("write manifest");
		j->size += (off_t)len;
		if (fsync_fd(j->fd, "fsync manifest") < 0) {
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
		if (s[i] == '%' && i + 2 < n && (hi = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)s[i + 2])) >= 0) {
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
	    !hex_to_sha(kvs_get(k, "sha256"), e->sha256)) {
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
		set_str(&r->started, kvs_dup(k, "at"));
		r->uid = (long)kvs_num(k, "by", -1);
		set_str(&r->user, kvs_dup(k, "user"));
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
		if (hex_to_sha(kvs_get(k, "sha256"), sha))
			memcpy(e->sha256, sha, sizeof sha);
		e->state = UC_ENTRY_MOVED;
		r->moved++;
	} else if (strcmp(t, "failed") == 0) {
		e->state = UC_ENTRY_FAILED;
		set_str(&e->note, kvs_dup(k, "error"));
	} else if (strcmp(t, "restore") == 0) {
		e->state = UC_ENTRY_RESTORING;
	} else if (strcmp(t, "restored") == 0) {
		e->state = UC_ENTRY_RESTORED;
		set_str(&e->note, kvs_dup(k, "how"));
	} else if (strcmp(t, "restore-failed") == 0) {
		e->state = UC_ENTRY_MOVED;
		set_str(&e->note, kvs_dup(k, "error"));
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
	if (read_all(mfd, MAX_MANIFEST, &buf, &len) == 0) {
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

struct uc_quarantine {
	char *dir;
	char *real_dir;		/* NULL while it does not exist */
	int fd;			/* -1 while it does not exist */
	int lockfd;
	bool writable;
	bool busy;		/* read-only: another process holds the lock */
};

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
			step("mkdir quarantine");
			char *parent = xstrdup(p), *slash = strrchr(parent, '/');
			if (slash == parent)
				slash[1] = '\0';
			else if (slash)
				*slash = '\0';
			int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (pfd >= 0) {
				if (fsync(pfd) == 0)
					step("fsync parent");
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

struct run_writer {
	char *id;
	char *dir;
	int fd;
	dev_t dev;
	struct journal j;
};

static void run_writer_close(struct run_writer *w)
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
static int run_writer_open(struct uc_quarantine *q, const char *id, struct run_writer *w)
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
static int run_create(struct uc_quarantine *q, const struct uc_cleanup_plan *p,
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
			*error = xasprintf("cannot create a run directory in %s: %s", q->dir, errtext(errno));
			free(w->id);
			w->id = NULL;
			return -1;
		}
		free(w->id);
	}
	step("mkdir run");
	w->dir = xasprintf("%s/%s", q->dir, w->id);
	if (fsync_fd(q->fd, "fsync quarantine") < 0 ||
	    (w->fd = openat(q->fd, w->id, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fstat(w->fd, &st) < 0)
		goto fail;
	w->dev = st.st_dev;
	if ((w->j.fd = openat(w->fd, MANIFEST, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600)) < 0)
		goto fail;
	step("create manifest");
	if (fsync_fd(w->fd, "fsync run directory") < 0)
		goto fail;
	gethostname(host, sizeof host - 1);
	uc_format_rfc3339(p->now, now);
	sbuf_puts(&b, MANIFEST_MAGIC "\n");
	line_start(&b, "run", 0);
	kv(&b, "id", w->id);
	kv(&b, "user", pw ? pw->pw_name : "");
	kvl(&b, "pid", (long long)getpid());
	kv(&b, "host", host);
	char *real_config = config_path ? realpath(config_path, NULL) : NULL;
	kv(&b, "config", real_config ? real_config : config_path);
	free(real_config);
	kv(&b, "now", now);
	kvl(&b, "grace_days", p->grace_days);
	kv(&b, "quarantine", q->real_dir ? q->real_dir : q->dir);
	if (journal_append(&w->j, &b) < 0)
		goto fail;
	return 0;
fail:
	e = errno;
	*error = xasprintf("cannot create run %s in %s: %s", w->id, q->dir, errtext(e));
	/* nothing was moved: take the empty run away again */
	if (w->j.fd >= 0 && unlinkat(w->fd, MANIFEST, 0) == 0)
		step("unlink manifest");
	if (w->fd >= 0) {
		close(w->fd);
		w->fd = -1;
	}
	if (unlinkat(q->fd, w->id, AT_REMOVEDIR) == 0)
		step("rmdir run");
	run_writer_close(w);
	errno = e;
	return -1;
}

static void run_end(struct run_writer *w, unsigned moved, unsigned failed, bool recovered)
{
	struct sbuf b = { 0 };
	line_start(&b, "end", 0);
	if (recovered) {
		kv(&b, "recovered", "yes");
	} else {
		kvl(&b, "moved", moved);
		kvl(&b, "failed", failed);
	}
	if (journal_append(&w->j, &b) < 0)
		uc_log(LOG_ERR, "run %s: cannot close the manifest: %s (the next run closes it)",
		       w->id, errtext(errno));
}

/* Record a terminal line for seq; log when it cannot be written. */
static int journal_event(struct run_writer *w, const char *type, unsigned seq,
			 const char *key, const char *value, const unsigned char *sha)
{
	struct sbuf b = { 0 };
	char hex[2 * UC_SHA256_LEN + 1];

	line_start(&b, type, seq);
	if (key)
		kv(&b, key, value);
	if (sha) {
		sha256_hex(sha, hex);
		kv(&b, "sha256", hex);
	}
	if (journal_append(&w->j, &b) < 0) {
		uc_log(LOG_ERR, "run %s: cannot record '%s' for entry %u in the manifest: %s",
		       w->id, type, seq, errtext(errno));
		return -1;
	}
	return 0;
}

/* ---- apply ----------------------------------------------------------- */

struct src {
	int cdfd, unitfd;
};

static void src_close(struct src *s)
{
	if (s->unitfd >= 0)
		close(s->unitfd);
	if (s->cdfd >= 0)
		close(s->cdfd);
	s->cdfd = s->unitfd = -1;
}

/* Open an absolute directory one component at a time, following no symbolic
 * link on the way: a cert_dir recorded as a realpath must still be reached
 * without one. */
static int open_dir_nofollow(const char *path)
{
	if (path[0] != '/') {
		errno = EINVAL;
		return -1;
	}
	int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char *copy = xstrdup(path), *save = NULL;
	for (char *c = strtok_r(copy, "/", &save); c && fd >= 0; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0 || strcmp(c, "..") == 0) {
			close(fd);
			fd = -1;
			errno = EINVAL;
			break;
		}
		int next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int e = errno;
		close(fd);
		fd = next;
		errno = e;
	}
	free(copy);
	return fd;
}

static int src_open(const char *cert_dir, const char *unit_dir, struct src *s)
{
	s->cdfd = s->unitfd = -1;
	if ((s->cdfd = open_dir_nofollow(cert_dir)) < 0)
		return -1;
	if ((s->unitfd = openat(s->cdfd, unit_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		int e = errno;
		src_close(s);
		errno = e;
		return -1;
	}
	return 0;
}

static bool same_stat(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static void fail_item(struct uc_cleanup_item *it, char *error)
{
	it->status = UC_CLEANUP_FAILED;
	set_str(&it->error, error);
	uc_log(LOG_ERR, "cleanup: %s/%s: %s: %s", it->cluster, it->node, it->path, error);
}

static int write_intent(struct run_writer *w, const struct uc_cleanup_item *it, unsigned seq,
			const char *qfile, const struct stat *st)
{
	struct sbuf b = { 0 };
	char hex[2 * UC_SHA256_LEN + 1], mode[16], mtime[48];

	sha256_hex(it->file_sha256, hex);
	snprintf(mode, sizeof mode, "%04o", (unsigned)(st->st_mode & 07777));
	snprintf(mtime, sizeof mtime, "%lld.%09ld", (long long)st->st_mtim.tv_sec,
		 (long)st->st_mtim.tv_nsec);
	line_start(&b, "intent", seq);
	kv(&b, "cluster", it->cluster);
	kv(&b, "node", it->node);
	kv(&b, "unit", it->unit);
	kv(&b, "cert_dir", it->real_cert_dir);
	kv(&b, "unit_dir", it->unit_dir);
	kv(&b, "file", it->file);
	kv(&b, "path", it->path);
	kv(&b, "qfile", qfile);
	kv(&b, "sha256", hex);
	kvl(&b, "size", (long long)st->st_size);
	kv(&b, "mode", mode);
	kvl(&b, "uid", (long long)st->st_uid);
	kvl(&b, "gid", (long long)st->st_gid);
	kv(&b, "mtime", mtime);
	kv(&b, "reason", it->reason);
	kv(&b, "command", it->command);
	return journal_append(&w->j, &b);
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
		*error = xasprintf("cannot create %s/%s: %s", w->dir, tmp, errtext(errno));
		free(tmp);
		return -1;
	}
	step("create copy");
	if (write_all(fd, buf, len) < 0)
		goto fail;
	step("write copy");
	if (is_root()) {
		if (fchown(fd, st->st_uid, st->st_gid) < 0)
			goto fail;
		step("chown copy");
	}
	if (fchmod(fd, st->st_mode & 07777) < 0)
		goto fail;
	step("chmod copy");
	if (futimens(fd, ts) < 0)
		goto fail;
	step("set times of copy");
	if (fsync_fd(fd, "fsync copy") < 0)
		goto fail;
	close(fd);
	fd = -1;
	if (hash_at(w->fd, tmp, got, &tst) < 0)
		goto fail;
	if (memcmp(got, sha, UC_SHA256_LEN) != 0) {
		e = EIO;
		*error = xasprintf("the copy in %s does not match the original's SHA-256", w->dir);
		goto cleanup;
	}
	if (rename_noreplace(w->fd, tmp, w->fd, qfile) < 0)
		goto fail;
	step("rename copy into place");
	if (fsync_fd(w->fd, "fsync run directory") < 0)
		goto fail_renamed;
	free(tmp);
	return 0;
fail_renamed:
	e = errno;
	*error = xasprintf("cannot make %s/%s durable: %s", w->dir, qfile, errtext(e));
	if (unlinkat(w->fd, qfile, 0) == 0)
		step("unlink copy");
	goto out;
fail:
	e = errno;
	*error = xasprintf("cannot copy into %s: %s", w->dir, errtext(e));
cleanup:
	if (fd >= 0)
		close(fd);
	if (unlinkat(w->fd, tmp, 0) == 0)
		step("unlink partial copy");
out:
	if (fsync(w->fd) == 0)
		step("fsync run directory");
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
			    inside(it->real_cert_dir, q->real_dir))) {
		fail_item(it, xasprintf("the quarantine %s is inside the cert_dir %s: refusing",
					q->real_dir, it->real_cert_dir));
		return MOVE_FAILED;
	}
	if (src_open(it->real_cert_dir, it->unit_dir, &s) < 0) {
		fail_item(it, xasprintf("cannot open %s/%s: %s", it->real_cert_dir, it->unit_dir,
					strerror(errno)));
		return MOVE_FAILED;
	}
	fd = openat(s.unitfd, it->file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    read_all(fd, UC_MAX_CERT_FILE, &buf, &len) < 0) {
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
		if (run_create(q, p, config_path, w, &error) < 0) {
			res = MOVE_STOP;
			goto out;
		}
		*have_run = true;
		uc_log(LOG_NOTICE, "cleanup run %s started by uid %ld in %s", w->id,
		       (long)getuid(), w->dir);
	}
	qfile = xasprintf("%04u_%s", seq, it->file);
	if (write_intent(w, it, seq, qfile, &st) < 0) {
		error = xasprintf("cannot write the manifest %s/%s: %s", w->dir, MANIFEST, errtext(errno));
		res = MOVE_STOP;
		goto out;
	}
	if (fstat(s.unitfd, &ust) < 0)
		ust.st_dev = st.st_dev;
	/* same st_dev can still be two mounts (a bind mount): EXDEV falls back
	 * to the copy */
	bool renamed = false;
	if (ust.st_dev == w->dev) {
		if (rename_noreplace(s.unitfd, it->file, w->fd, qfile) == 0) {
			renamed = true;
		} else if (errno != EXDEV) {
			error = xasprintf("cannot move it into %s: %s", w->dir, strerror(errno));
			journal_event(w, "failed", seq, "error", error, NULL);
			goto out;
		}
	}
	if (renamed) {
		step("rename into quarantine");
		if (fsync_fd(w->fd, "fsync run directory") < 0 ||
		    fsync_fd(s.unitfd, "fsync unit directory") < 0)
			uc_log(LOG_WARNING, "run %s: fsync after moving %s: %s", w->id, it->path,
			       strerror(errno));
		how = "rename";
		/* what arrived is what the record holds */
		if (hash_at(w->fd, qfile, sha, &now_st) == 0 &&
		    memcmp(sha, it->file_sha256, UC_SHA256_LEN) != 0)
			uc_log(LOG_WARNING, "run %s: %s changed while it was being moved; the manifest records the content that arrived",
			       w->id, it->path);
	} else {
		if (copy_in(w, qfile, buf, len, &st, it->file_sha256, &error) < 0) {
			int e = errno;
			journal_event(w, "failed", seq, "error", error, NULL);
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
				step("unlink copy");
			if (fsync(w->fd) == 0)
				step("fsync run directory");
			journal_event(w, "failed", seq, "error", error, NULL);
			goto out;
		}
		if (!gone)
			step("unlink original");
		if (fsync_fd(s.unitfd, "fsync unit directory") < 0)
			uc_log(LOG_WARNING, "run %s: fsync %s/%s: %s", w->id, it->real_cert_dir,
			       it->unit_dir, strerror(errno));
		how = "copy";
	}
	it->status = UC_CLEANUP_MOVED;
	it->quarantine_path = xasprintf("%s/%s", w->dir, qfile);
	sha256_hex(sha, hex);
	uc_log(LOG_NOTICE, "cleanup run %s: uid %ld moved %s (%s/%s, sha256 %s) to %s; on the node: %s",
	       w->id, (long)getuid(), it->path, it->cluster, it->node, hex,
	       it->quarantine_path, it->command);
	{
		struct sbuf b = { 0 };
		line_start(&b, "done", seq);
		kv(&b, "how", how);
		kv(&b, "sha256", hex);
		if (journal_append(&w->j, &b) < 0) {
			error = xasprintf("moved to %s, but the manifest could not record it: %s; the next cleanup --apply or restore completes the record",
					  it->quarantine_path, errtext(errno));
			set_str(&it->error, error);
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
	src_close(&s);
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
		run_end(&w, moved, failed, false);
		uc_log(LOG_NOTICE, "cleanup run %s by uid %ld: %u moved, %u failed", w.id,
		       (long)getuid(), moved, failed);
		*run_id = xstrdup(w.id);
		run_writer_close(&w);
	}
	free(stop_error);
	return bad;
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
static char *entry_place_check(const struct uc_settings *s, const struct uc_qentry *e)
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
enum where { W_UNKNOWN, W_ABSENT, W_PRESENT };

static enum where look(int dirfd, const char *name, unsigned char sha[UC_SHA256_LEN],
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
	return hash_at(dirfd, name, sha, st) == 0 ? W_PRESENT : W_UNKNOWN;
}

static void remove_if_present(int dirfd, const char *name, const char *what)
{
	struct stat st;
	if (dirfd >= 0 && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode) && unlinkat(dirfd, name, 0) == 0) {
		step(what);
		if (fsync(dirfd) == 0)
			step("fsync directory");
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

	if (src_open(e->cert_dir, e->unit_dir, &s) < 0)
		s.cdfd = s.unitfd = -1;
	if (fix)
		remove_if_present(runfd, tmp, "unlink partial copy");
	qw = look(runfd, e->qfile, qsha, &qst);
	ow = look(s.unitfd, e->file, osha, &ost);
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
				step("unlink original");
				if (fsync(s.unitfd) == 0)
					step("fsync unit directory");
				journal_event(w, "done", e->seq, "how", "recovered", e->sha256);
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
			step("unlink original");
			if (fsync(s.unitfd) == 0)
				step("fsync unit directory");
			journal_event(w, "done", e->seq, "how", "recovered", e->sha256);
			rec_msg(out, LOG_NOTICE, "run %s: completed the move of %s (its verified copy was already in the quarantine)",
				run, e->path);
		} else {
			/* cannot finish: roll back instead, the original stays */
			char *why = xasprintf("cannot remove the original: %s", strerror(errno));
			if (unlinkat(runfd, e->qfile, 0) == 0)
				step("unlink copy");
			if (fsync(runfd) == 0)
				step("fsync run directory");
			journal_event(w, "failed", e->seq, "error", why, NULL);
			rec_msg(out, LOG_WARNING, "run %s: %s: %s; the quarantine copy was removed, the file stays in place",
				run, e->path, why);
			free(why);
		}
	} else if (qw == W_PRESENT) {
		sha256_hex(qsha, hex);
		if (ow == W_ABSENT || !qgood) {
			if (ogood) {
				rec_msg(out, LOG_ERR, "run %s: %s is in place, and %s/%s holds different content (sha256 %s): left both, check by hand",
					run, e->path, w->dir, e->qfile, hex);
				ok = false;
			} else if (fix) {
				journal_event(w, "done", e->seq, "how", "recovered", qsha);
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
				journal_event(w, "done", e->seq, "how", "recovered", qsha);
				rec_msg(out, LOG_NOTICE, "run %s: recorded the move of %s; a different file now occupies that path and was left alone",
					run, e->path);
			} else {
				rec_msg(out, LOG_INFO, "run %s: %s: moved, not recorded as done", run, e->path);
			}
		}
	} else if (ow == W_PRESENT) {
		/* nothing reached the quarantine: the file never left */
		if (fix) {
			journal_event(w, "failed", e->seq, "error",
				      "interrupted before the move; the file stayed in place", NULL);
			rec_msg(out, LOG_NOTICE, "run %s: %s: interrupted before the move; it stayed in place",
				run, e->path);
		} else {
			rec_msg(out, LOG_INFO, "run %s: %s: interrupted before the move; it is still in place",
				run, e->path);
		}
	} else {
		sha256_hex(e->sha256, hex);
		rec_msg(out, LOG_ERR, "run %s: %s is neither in place nor in %s (sha256 %s): look for it by hand",
			run, e->path, w->dir, hex);
		ok = false;
	}
	src_close(&s);
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

	if (src_open(e->cert_dir, e->unit_dir, &s) < 0)
		s.cdfd = s.unitfd = -1;
	if (fix)
		remove_if_present(s.unitfd, tmp, "unlink partial restore");
	qw = look(runfd, e->qfile, qsha, &qst);
	ow = look(s.unitfd, e->file, osha, &ost);
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
					step("unlink quarantine copy");
				if (fsync(runfd) == 0)
					step("fsync run directory");
			}
			journal_event(w, "restored", e->seq, "how", "recovered", NULL);
			rec_msg(out, LOG_NOTICE, "run %s: completed the restore of %s", run, e->path);
		} else {
			rec_msg(out, LOG_INFO, "run %s: %s: restore interrupted after the file was put back",
				run, e->path);
		}
	} else if (qgood) {
		if (fix) {
			journal_event(w, "restore-failed", e->seq, "error",
				      "interrupted before the file was put back", NULL);
			rec_msg(out, LOG_NOTICE, "run %s: %s: restore interrupted before the file was put back; it stays in the quarantine",
				run, e->path);
		} else {
			rec_msg(out, LOG_INFO, "run %s: %s: restore interrupted; the file is still in the quarantine",
				run, e->path);
		}
	} else if (qw == W_ABSENT && ow == W_PRESENT) {
		if (fix)
			journal_event(w, "restored", e->seq, "how", "recovered", NULL);
		rec_msg(out, LOG_WARNING, "run %s: %s was restored and has changed since", run, e->path);
	} else {
		rec_msg(out, LOG_ERR, "run %s: %s: restore interrupted and the file is neither in place nor in the quarantine with its recorded content: check by hand",
			run, e->path);
		ok = false;
	}
	src_close(&s);
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
			step("unlink manifest");
		if (unlinkat(q->fd, r->id, AT_REMOVEDIR) == 0) {
			step("rmdir run");
			if (fsync(q->fd) == 0)
				step("fsync quarantine");
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
		if (fix && run_writer_open(q, r->id, &w) < 0) {
			rec_msg(out, LOG_ERR, "run %s is incomplete and its manifest cannot be opened for writing: %s",
				r->id, strerror(errno));
			out->unresolved += r->pending;
			run_writer_close(&w);
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
			if ((why = entry_place_check(s, e))) {
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
			run_end(&w, 0, 0, true);
			rec_msg(out, LOG_NOTICE, "run %s: interrupted run closed", r->id);
		}
		if (runfd >= 0)
			close(runfd);
		run_writer_close(&w);
	}
	uc_runs_free(runs, n);
	return out->unresolved;
}

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

	if (is_root() && e->uid >= 0 && e->gid >= 0 &&
	    (st->st_uid != (uid_t)e->uid || st->st_gid != (gid_t)e->gid) &&
	    fchown(fd, (uid_t)e->uid, (gid_t)e->gid) == 0)
		step("chown");
	if ((st->st_mode & 07777) != e->mode && fchmod(fd, e->mode) == 0)
		step("chmod");
	if ((st->st_mtim.tv_sec != e->mtime_sec || st->st_mtim.tv_nsec != e->mtime_nsec) &&
	    futimens(fd, ts) == 0)
		step("set times");
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

	if ((why = entry_place_check(set, e))) {
		*msg = xasprintf("%s: refused", why);
		free(why);
		return UC_RESTORE_REFUSED;
	}
	qfd = openat(w->fd, e->qfile, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (qfd < 0 || fstat(qfd, &qst) < 0 || !S_ISREG(qst.st_mode) ||
	    read_all(qfd, UC_MAX_CERT_FILE, &buf, &len) < 0) {
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
	if (src_open(e->cert_dir, e->unit_dir, &s) < 0) {
		*msg = xasprintf("cannot open %s/%s: %s", e->cert_dir, e->unit_dir, strerror(errno));
		goto out;
	}
	if (fstatat(s.unitfd, e->file, &ost, AT_SYMLINK_NOFOLLOW) == 0) {
		unsigned char osha[UC_SHA256_LEN];
		if (!S_ISREG(ost.st_mode) || hash_at(s.unitfd, e->file, osha, &ost) < 0 ||
		    memcmp(osha, e->sha256, UC_SHA256_LEN) != 0) {
			if (S_ISREG(ost.st_mode))
				sha256_hex(osha, hex);
			*msg = xasprintf("a different file now occupies %s (%s%s): not overwritten",
					 e->path, S_ISREG(ost.st_mode) ? "sha256 " : "not a regular file",
					 S_ISREG(ost.st_mode) ? hex : "");
			rc = UC_RESTORE_REFUSED;
			goto out;
		}
		/* the same bytes are back already: the quarantine copy is redundant */
		if (journal_event(w, "restore", e->seq, NULL, NULL, NULL) < 0) {
			*msg = xasprintf("cannot write the manifest: %s", errtext(errno));
			goto out;
		}
		if (unlinkat(w->fd, e->qfile, 0) == 0)
			step("unlink quarantine copy");
		if (fsync(w->fd) == 0)
			step("fsync run directory");
		journal_event(w, "restored", e->seq, "how", "identical", NULL);
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
	if (journal_event(w, "restore", e->seq, NULL, NULL, NULL) < 0) {
		*msg = xasprintf("cannot write the manifest: %s", errtext(errno));
		goto out;
	}
	if (fstat(s.unitfd, &ust) < 0)
		ust.st_dev = (dev_t)-1;
	if (ust.st_dev == qst.st_dev) {
		fix_attrs(qfd, e, &qst);
		if (fstat(qfd, &qst) < 0 || (qst.st_mode & 07000)) {
			*msg = xasprintf("the quarantine copy %s/%s has setuid, setgid or sticky bits that cannot be cleared: refused",
					 w->dir, e->qfile);
			journal_event(w, "restore-failed", e->seq, "error", *msg, NULL);
			rc = UC_RESTORE_REFUSED;
			goto out;
		}
		if (rename_noreplace(w->fd, e->qfile, s.unitfd, e->file) < 0) {
			int err = errno;
			*msg = err == EEXIST ? xasprintf("a file appeared at %s meanwhile: not overwritten", e->path)
					     : xasprintf("cannot move it back: %s", strerror(err));
			journal_event(w, "restore-failed", e->seq, "error", *msg, NULL);
			rc = err == EEXIST ? UC_RESTORE_REFUSED : UC_RESTORE_FAILED;
			goto out;
		}
		step("rename back");
		if (fsync(s.unitfd) == 0)
			step("fsync unit directory");
		if (fsync(w->fd) == 0)
			step("fsync run directory");
		how = "rename";
	} else {
		struct timespec ts[2] = { { 0, UTIME_OMIT }, { e->mtime_sec, e->mtime_nsec } };
		unsigned char got[UC_SHA256_LEN];
		struct stat tst;
		tmp = xasprintf(".%s.uccert-restore", e->file);
		tfd = openat(s.unitfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (tfd < 0)
			goto copy_fail;
		step("create restore copy");
		if (write_all(tfd, buf, len) < 0)
			goto copy_fail;
		step("write restore copy");
		if (is_root() && e->uid >= 0 && e->gid >= 0) {
			if (fchown(tfd, (uid_t)e->uid, (gid_t)e->gid) < 0)
				goto copy_fail;
			step("chown restore copy");
		}
		if (fchmod(tfd, e->mode) < 0)
			goto copy_fail;
		step("chmod restore copy");
		if (futimens(tfd, ts) < 0)
			goto copy_fail;
		step("set times of restore copy");
		if (fsync_fd(tfd, "fsync restore copy") < 0)
			goto copy_fail;
		close(tfd);
		tfd = -1;
		if (hash_at(s.unitfd, tmp, got, &tst) < 0)
			goto copy_fail;
		if (memcmp(got, e->sha256, UC_SHA256_LEN) != 0) {
			errno = EIO;
			goto copy_fail;
		}
		if (rename_noreplace(s.unitfd, tmp, s.unitfd, e->file) < 0)
			goto copy_fail;
		step("rename restore copy into place");
		if (fsync(s.unitfd) == 0)
			step("fsync unit directory");
		if (unlinkat(w->fd, e->qfile, 0) == 0)
			step("unlink quarantine copy");
		if (fsync(w->fd) == 0)
			step("fsync run directory");
		how = "copy";
	}
	if (journal_event(w, "restored", e->seq, "how", how, NULL) < 0)
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
				     : xasprintf("cannot copy it back: %s", errtext(err));
		if (tfd >= 0)
			close(tfd);
		tfd = -1;
		if (unlinkat(s.unitfd, tmp, 0) == 0)
			step("unlink partial restore");
		journal_event(w, "restore-failed", e->seq, "error", *msg, NULL);
		rc = err == EEXIST ? UC_RESTORE_REFUSED : UC_RESTORE_FAILED;
	}
out:
	if (tfd >= 0)
		close(tfd);
	if (qfd >= 0)
		close(qfd);
	src_close(&s);
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
	if (run_writer_open(q, r->id, &w) < 0) {
		*error = xasprintf("cannot open run %s for writing: %s", run_id, strerror(errno));
		run_writer_close(&w);
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
	run_writer_close(&w);
	uc_runs_free(runs, n);
	*results = res;
	*nresults = nres;
	return bad;
}
