/* scan.c - walk every node's cert_dir and build the inventory.
 *
 * Layout: <cert_dir>/<unit>/<file>, as the platform names its stores. A file
 * whose (device, inode, size, mtime, ctime) did not change since the last
 * scan is not read again: its decoded certificates are reused. */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "scan.h"
#include "util.h"

struct cache_entry {
	char *path;		/* NULL = empty slot */
	uint64_t hash;		/* of path: most probes end on it */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	struct uc_certfile *file;
	unsigned long seen;	/* scan generation that last used it */
};

struct source_memory {
	char *key;		/* cluster \n node \n location */
	int64_t last_success;
};

struct uc_scanner {
	struct cache_entry *slots;
	size_t nslots, used;
	unsigned long generation;
	size_t visited;		/* entries the current scan has used */
	struct source_memory *sources;
	size_t nsources;
	struct uc_scan_stats stats;
};

/* Building state for one scan. */
struct build {
	struct uc_scanner *sc;
	const struct uc_settings *settings;
	struct uc_inventory *inv;
	size_t cap;
};

struct uc_scanner *uc_scanner_new(void)
{
	struct uc_scanner *sc = xcalloc(1, sizeof *sc);
	sc->nslots = 1024;
	sc->slots = xcalloc(sc->nslots, sizeof *sc->slots);
	return sc;
}

void uc_scanner_free(struct uc_scanner *sc)
{
	if (!sc)
		return;
	for (size_t i = 0; i < sc->nslots; i++) {
		free(sc->slots[i].path);
		uc_certfile_unref(sc->slots[i].file);
	}
	for (size_t i = 0; i < sc->nsources; i++)
		free(sc->sources[i].key);
	free(sc->sources);
	free(sc->slots);
	free(sc);
}

void uc_scanner_stats(const struct uc_scanner *sc, struct uc_scan_stats *out)
{
	*out = sc->stats;
}

static struct cache_entry *cache_slot(struct uc_scanner *sc, const char *path,
				      uint64_t h)
{
	size_t mask = sc->nslots - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct cache_entry *e = &sc->slots[i];
		if (!e->path || (e->hash == h && strcmp(e->path, path) == 0))
			return e;
	}
}

/* Move every entry to a table of nslots; with prune, drop the entries the
 * current scan did not visit (their files are gone). */
static void cache_rehash(struct uc_scanner *sc, size_t nslots, bool prune)
{
	struct cache_entry *old = sc->slots;
	size_t nold = sc->nslots;

	sc->slots = xcalloc(nslots, sizeof *sc->slots);
	sc->nslots = nslots;
	sc->used = 0;
	for (size_t i = 0; i < nold; i++) {
		if (!old[i].path)
			continue;
		if (prune && old[i].seen != sc->generation) {
			free(old[i].path);
			uc_certfile_unref(old[i].file);
			continue;
		}
		*cache_slot(sc, old[i].path, old[i].hash) = old[i];
		sc->used++;
	}
	free(old);
}

static bool same_file(const struct cache_entry *e, const struct stat *st)
{
	return e->dev == st->st_dev && e->ino == st->st_ino &&
	    e->size == st->st_size && e->mtime.tv_sec == st->st_mtim.tv_sec &&
	    e->mtime.tv_nsec == st->st_mtim.tv_nsec &&
	    e->ctime.tv_sec == st->st_ctim.tv_sec &&
	    e->ctime.tv_nsec == st->st_ctim.tv_nsec;
}

/* The decoded content of unitdir/name, from the cache when unchanged. */
static struct uc_certfile *load_cached(struct uc_scanner *sc, int unitfd,
				       const char *name, const char *path)
{
	struct stat st;
	struct cache_entry *e;
	struct uc_certfile *f;

	if (fstatat(unitfd, name, &st, 0) < 0) {
		f = uc_certfile_error("cannot stat: %s", strerror(errno));
	} else {
		if (sc->used * 4 >= sc->nslots * 3)	/* keep it at most 3/4 full */
			cache_rehash(sc, sc->nslots * 2, false);
		uint64_t h = strmap_hash(path);
		e = cache_slot(sc, path, h);
		if (e->path && S_ISREG(st.st_mode) && same_file(e, &st)) {
			if (e->seen != sc->generation)
				sc->visited++;
			e->seen = sc->generation;
			sc->stats.files_cached++;
			return uc_certfile_ref(e->file);
		}
		f = uc_certfile_load(unitfd, name, &st);
		sc->stats.files_read++;
		if (S_ISREG(st.st_mode)) {
			if (!e->path) {
				e->path = xstrdup(path);
				e->hash = h;
				sc->used++;
			}
			uc_certfile_unref(e->file);
			e->file = uc_certfile_ref(f);
			if (e->seen != sc->generation)
				sc->visited++;
			e->dev = st.st_dev;
			e->ino = st.st_ino;
			e->size = st.st_size;
			e->mtime = st.st_mtim;
			e->ctime = st.st_ctim;
			e->seen = sc->generation;
		}
	}
	if (!f->path) {
		f->path = xstrdup(path);
		f->name = strrchr(f->path, '/') + 1;
	}
	return f;
}

static const char *keep_name(struct uc_inventory *inv, const char *s)
{
	inv->names = xreallocarray(inv->names, inv->nnames + 1, sizeof *inv->names);
	return inv->names[inv->nnames++] = xstrdup(s);
}

static struct uc_record *new_record(struct build *b)
{
	struct uc_inventory *inv = b->inv;
	if (inv->nrecords == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 256;
		inv->records = xreallocarray(inv->records, b->cap, sizeof *inv->records);
	}
	struct uc_record *r = &inv->records[inv->nrecords++];
	memset(r, 0, sizeof *r);
	return r;
}

/* Records for one file: one per certificate, or one unreadable record. */
static unsigned add_file(struct build *b, const struct uc_record *proto,
			 struct uc_certfile *f)
{
	int threshold = uc_settings_threshold(b->settings, proto->impact);
	size_t n = f->ncerts ? f->ncerts : 1;

	for (size_t i = 0; i < n; i++) {
		struct uc_record *r = new_record(b);
		*r = *proto;
		r->source = f->path;
		r->file = f->name;
		r->certfile = uc_certfile_ref(f);
		if (f->ncerts == 0) {
			r->error = f->error;
			r->state = UC_STATE_UNREADABLE;
			b->inv->errors++;
		} else {
			r->cert = &f->certs[i];
			r->days_left = uc_days_left(r->cert->not_after, b->inv->now);
			if (b->inv->now > r->cert->not_after)
				r->state = UC_STATE_EXPIRED;
			else if (r->days_left <= threshold)
				r->state = UC_STATE_EXPIRING;
			else
				r->state = UC_STATE_VALID;
		}
		b->inv->counts[r->state]++;
	}
	uc_certfile_unref(f);
	return (unsigned)n;
}

static bool skip_entry(const char *name)
{
	return name[0] == '.';	/* ".", "..", and hidden editor/temp files */
}

static unsigned scan_unit(struct build *b, struct uc_record *proto, int nodefd,
			  const char *unitname, const char *node_path)
{
	char *unit_path = xasprintf("%s/%s", node_path, unitname);
	int fd = openat(nodefd, unitname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	unsigned n = 0;
	DIR *d;
	struct dirent *de;

	if (fd < 0 || !(d = fdopendir(fd))) {
		struct uc_certfile *f = uc_certfile_error("cannot open unit directory: %s",
							  strerror(errno));
		if (fd >= 0)
			close(fd);
		f->path = unit_path;
		f->name = strrchr(unit_path, '/') + 1;
		return add_file(b, proto, f);
	}
	struct sbuf path = { 0 };
	sbuf_puts(&path, unit_path);
	sbuf_putc(&path, '/');
	size_t base = path.len;
	while ((de = readdir(d))) {
		if (skip_entry(de->d_name))
			continue;
		path.len = base;
		sbuf_puts(&path, de->d_name);
		n += add_file(b, proto, load_cached(b->sc, dirfd(d), de->d_name, path.s));
	}
	free(path.s);
	closedir(d);
	free(unit_path);
	return n;
}

static struct source_memory *source_memory(struct uc_scanner *sc,
					   const char *cluster, const char *node,
					   const char *location)
{
	char *key = xasprintf("%s\n%s\n%s", cluster, node, location);
	for (size_t i = 0; i < sc->nsources; i++)
		if (strcmp(sc->sources[i].key, key) == 0) {
			free(key);
			return &sc->sources[i];
		}
	sc->sources = xreallocarray(sc->sources, sc->nsources + 1, sizeof *sc->sources);
	sc->sources[sc->nsources].key = key;
	sc->sources[sc->nsources].last_success = 0;
	return &sc->sources[sc->nsources++];
}

static void scan_node(struct build *b, size_t ci, size_t ni)
{
	const struct uc_cluster *c = &b->settings->clusters[ci];
	const struct uc_node *nd = &c->nodes[ni];
	struct uc_inventory *inv = b->inv;
	struct uc_source *src = &inv->sources[inv->nsources++];
	struct uc_record proto = { 0 };
	struct source_memory *mem;
	DIR *d;
	struct dirent *de;
	int fd;

	proto.cluster = keep_name(inv, c->name);
	proto.node = keep_name(inv, nd->name);
	proto.cluster_idx = ci;
	proto.node_idx = ni;
	src->cluster = (char *)proto.cluster;
	src->node = (char *)proto.node;
	src->kind = UC_SOURCE_CERT_DIR;
	src->location = (char *)keep_name(inv, nd->cert_dir);
	mem = source_memory(b->sc, c->name, nd->name, nd->cert_dir);

	fd = open(nd->cert_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		src->error = (char *)keep_name(inv, strerror(errno));
		if (fd >= 0)
			close(fd);
		src->ok = false;
		src->last_success = mem->last_success;
		inv->errors++;
		uc_log(LOG_ERR, "%s/%s: cannot read cert_dir %s: %s", c->name,
		       nd->name, nd->cert_dir, src->error);
		return;
	}
	while ((de = readdir(d))) {
		struct stat st;
		if (skip_entry(de->d_name))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, 0) == 0 && !S_ISDIR(st.st_mode))
			continue;	/* only unit directories live here */
		const struct uc_unit *u = uc_unit_find(de->d_name);
		proto.catalog = u;
		if (u) {
			proto.unit = u->name;
			proto.store = u->store;
			proto.impact = u->impact;
		} else {
			proto.unit = keep_name(inv, de->d_name);
			proto.store = uc_store_guess(de->d_name);
			proto.impact = UC_IMPACT_UNKNOWN;
			uc_log(LOG_WARNING, "%s/%s: unknown unit directory '%s': scanned with impact unknown",
			       c->name, nd->name, de->d_name);
		}
		src->ncerts += scan_unit(b, &proto, dirfd(d), de->d_name, nd->cert_dir);
	}
	closedir(d);
	src->ok = true;
	mem->last_success = src->last_success = (int64_t)time(NULL);
}

struct uc_inventory *uc_scan(struct uc_scanner *sc, const struct uc_settings *s,
			     int64_t now)
{
	struct build b = { sc, s, xcalloc(1, sizeof *b.inv), 0 };
	size_t nsources = 0;

	sc->generation++;
	sc->visited = 0;
	b.inv->now = now;
	for (size_t i = 0; i < s->nclusters; i++)
		nsources += s->clusters[i].nnodes;
	b.inv->sources = xcalloc(nsources, sizeof *b.inv->sources);
	for (size_t i = 0; i < s->nclusters; i++)
		for (size_t j = 0; j < s->clusters[i].nnodes; j++)
			scan_node(&b, i, j);
	/* forget files that are gone, so the cache does not grow forever */
	if (sc->visited != sc->used)
		cache_rehash(sc, sc->nslots, true);
	b.inv->scan_time = (int64_t)time(NULL);
	return b.inv;
}

void uc_inventory_free(struct uc_inventory *inv)
{
	if (!inv)
		return;
	for (size_t i = 0; i < inv->nrecords; i++)
		uc_certfile_unref(inv->records[i].certfile);
	for (size_t i = 0; i < inv->nnames; i++)
		free(inv->names[i]);
	free(inv->names);
	free(inv->records);
	free(inv->sources);
	free(inv);
}

static int cmp_record(const void *pa, const void *pb)
{
	const struct uc_record *a = pa, *b = pb;
	bool ua = a->state == UC_STATE_UNREADABLE, ub = b->state == UC_STATE_UNREADABLE;
	int c;

	if (ua != ub)
		return ua - ub;
	if (!ua && a->days_left != b->days_left)
		return a->days_left < b->days_left ? -1 : 1;
	if ((c = strcmp(a->cluster, b->cluster)) || (c = strcmp(a->node, b->node)) ||
	    (c = strcmp(a->unit, b->unit)))
		return c;
	return strcmp(a->source, b->source);
}

void uc_inventory_sort(struct uc_inventory *inv)
{
	if (inv->nrecords > 1)	/* qsort(NULL, 0, ...) is undefined */
		qsort(inv->records, inv->nrecords, sizeof *inv->records, cmp_record);
}

const char *uc_source_kind_name(enum uc_source_kind k)
{
	switch (k) {
	case UC_SOURCE_TLS:
		return "tls";
	case UC_SOURCE_API:
		return "api";
	default:
		return "cert_dir";
	}
}

char *uc_record_key(const char *cluster, const char *node, const char *unit,
		    const unsigned char *sha256, const char *source)
{
	char hex[2 * UC_SHA256_LEN + 1];
	char *key;

	if (sha256) {
		uc_sha256_hex(sha256, hex);
		key = xasprintf("%s/%s/%s/%s", cluster, node, unit, hex);
	} else {
		key = xasprintf("%s/%s/%s/file:%s", cluster, node, unit, source);
	}
	for (char *p = key; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = '?';
	return key;
}
