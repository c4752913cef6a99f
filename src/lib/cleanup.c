/* cleanup.c - expired trust certificates: which files are candidates.
 *
 * The plan: every trust file the inventory holds, a verdict for each (a
 * candidate, or kept and why), and the checks a file must still pass just
 * before it is touched. The quarantine and its manifest are in
 * quarantine.c, moving files out of a cert_dir in cleanup-apply.c, putting
 * them back in restore.c; the safety argument is in cleanup-int.h. */
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
	cl_set_str(&it->reason, why);
	cl_set_str(&it->command, NULL);
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

bool cl_inside(const char *dir, const char *path)
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
	cl_set_str(&it->unit_dir, xstrdup(strrchr(real_unit, '/') + 1));
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
		cl_set_str(&it->reason, xasprintf("symbolic link to %s%s: never moved; delete the link by hand if it is stale",
					       target, real_file && cl_inside(it->real_cert_dir, real_file) ? ""
					       : " (outside the cert_dir)"));
		cl_set_str(&it->command, NULL);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		refuse(p, it, xasprintf("%s is not a regular file", fpath));
		goto out;
	}
	fd = open(fpath, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || cl_read_all(fd, UC_MAX_CERT_FILE, &buf, &len) < 0) {
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
