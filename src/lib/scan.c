/* scan.c - walk every node's cert_dir and build the inventory.
 *
 * Layout: <cert_dir>/<unit>/<file>, as the platform names its stores. A file
 * whose (device, inode, size, mtime, ctime) did not change since the last
 * scan is not read again: its decoded certificates are reused. */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/inotify.h>
#include <sys/vfs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "certapi.h"
#include "clock.h"
#include "log.h"
#include "probe.h"
#include "scan.h"
#include "sshcli.h"
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

/* What a live source (TLS port, certificate API) last yielded: kept when a
 * later read fails, so its rows stay with their last values until they are
 * older than stale_after. */
struct live_item {
	char *unit;		/* catalog spelling, or as the API names it */
	bool trust;
	struct uc_certfile *file;	/* path/name set: the row's source */
};

struct source_memory {
	char *key;		/* cluster \n node \n location */
	int64_t last_success;
	struct live_item *items;
	size_t nitems;
};

/* What a watched unit directory held at its last full read. While the
 * kernel reports no change in it (inotify), a rescan reuses this list and
 * does not look at each file again. */
struct unit_memo {
	int wd;			/* inotify watch, -1 when none */
	bool dirty;		/* changed since the last full read */
	bool reusable;		/* local filesystem, only regular files, read whole */
	unsigned long read_gen;	/* scan generation of the last full read */
	unsigned long seen_gen;	/* scan generation that last looked at it */
	struct uc_certfile **files;
	size_t nfiles;
};

struct uc_scanner {
	struct cache_entry *slots;
	size_t nslots, used;
	unsigned long generation;
	size_t visited;		/* entries the current scan has used */
	struct source_memory *sources;
	size_t nsources;
	struct uc_scan_stats stats;
	int ino_fd;		/* inotify, -1 when unavailable */
	struct strmap memos;	/* unit directory path -> struct unit_memo */
	struct unit_memo **by_wd;	/* watch descriptor -> memo */
	size_t nby_wd;
};

/* Even when no change was reported, every unit directory is read in full
 * at least this often (in scans): a safety net for what inotify cannot see
 * (a hard link changed through another directory, a filesystem that
 * misreports). */
#define FULL_READ_EVERY 24

/* Building state for one scan. */
struct build {
	struct uc_scanner *sc;
	const struct uc_settings *settings;
	struct uc_inventory *inv;
	size_t cap;
};

static void memory_forget(struct source_memory *m)
{
	for (size_t i = 0; i < m->nitems; i++) {
		uc_certfile_unref(m->items[i].file);
		free(m->items[i].unit);
	}
	free(m->items);
	m->items = NULL;
	m->nitems = 0;
}

static void memo_drop_files(struct unit_memo *m)
{
	for (size_t i = 0; i < m->nfiles; i++)
		uc_certfile_unref(m->files[i]);
	free(m->files);
	m->files = NULL;
	m->nfiles = 0;
}

struct uc_scanner *uc_scanner_new(void)
{
	struct uc_scanner *sc = xcalloc(1, sizeof *sc);
	sc->nslots = 1024;
	sc->slots = xcalloc(sc->nslots, sizeof *sc->slots);
	sc->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
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
	for (size_t i = 0; i < sc->nsources; i++) {
		memory_forget(&sc->sources[i]);
		free(sc->sources[i].key);
	}
	free(sc->sources);
	STRMAP_FOREACH(&sc->memos, m) {
		memo_drop_files(m->value);
		free(m->value);
	}
	strmap_free(&sc->memos);
	free(sc->by_wd);
	if (sc->ino_fd >= 0)
		close(sc->ino_fd);
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

/* ---- change notification -------------------------------------------- */

/* Filesystems whose changes the local kernel sees: inotify is trusted on
 * these only (not on NFS, SMB or FUSE, where another host can write). */
static bool local_fs(int fd)
{
	static const long types[] = {
		0xEF53,		/* ext2/3/4 */
		0x58465342,	/* xfs */
		0x9123683E,	/* btrfs */
		0x01021994,	/* tmpfs */
		0xF2F52010,	/* f2fs */
		0x794C7630,	/* overlayfs */
		0x2FC12FC1,	/* zfs */
	};
	struct statfs sf;
	if (fstatfs(fd, &sf) < 0)
		return false;
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if ((long)sf.f_type == types[i])
			return true;
	return false;
}

/* Mark the directories the kernel reported changes in. */
static void drain_events(struct uc_scanner *sc)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	if (sc->ino_fd < 0)
		return;
	while ((n = read(sc->ino_fd, buf, sizeof buf)) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const void *)p;
			p += sizeof *ev + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {	/* events were lost: trust none */
				STRMAP_FOREACH(&sc->memos, m)
					((struct unit_memo *)m->value)->dirty = true;
				continue;
			}
			if (ev->wd < 0 || (size_t)ev->wd >= sc->nby_wd || !sc->by_wd[ev->wd])
				continue;
			struct unit_memo *m = sc->by_wd[ev->wd];
			m->dirty = true;
			if (ev->mask & IN_IGNORED) {	/* the watch is gone */
				sc->by_wd[ev->wd] = NULL;
				m->wd = -1;
			}
		}
	}
}

static struct unit_memo *memo_for(struct uc_scanner *sc, const char *unit_path)
{
	struct unit_memo *m = strmap_get(&sc->memos, unit_path);
	if (!m) {
		m = xcalloc(1, sizeof *m);
		m->wd = -1;
		m->dirty = true;
		strmap_put(&sc->memos, unit_path, m);
	}
	return m;
}

/* Watch the directory before reading it: a change during the read then
 * marks it for the next scan. */
static void memo_watch(struct uc_scanner *sc, struct unit_memo *m, const char *unit_path, int fd)
{
	m->reusable = sc->ino_fd >= 0 && local_fs(fd);
	if (!m->reusable || m->wd >= 0)
		return;
	int wd = inotify_add_watch(sc->ino_fd, unit_path,
				   IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE |
				   IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF |
				   IN_DONT_FOLLOW | IN_ONLYDIR);
	if (wd < 0) {	/* out of watches, say: read this one every time */
		m->reusable = false;
		return;
	}
	if ((size_t)wd >= sc->nby_wd) {
		size_t n = sc->nby_wd ? sc->nby_wd : 64;
		while (n <= (size_t)wd)
			n *= 2;
		sc->by_wd = xreallocarray(sc->by_wd, n, sizeof *sc->by_wd);
		memset(sc->by_wd + sc->nby_wd, 0, (n - sc->nby_wd) * sizeof *sc->by_wd);
		sc->nby_wd = n;
	}
	sc->by_wd[wd] = m;
	m->wd = wd;
}

/* Forget the directories this scan did not visit (gone, or their node no
 * longer configured): their watches and the files they held. */
static void prune_memos(struct uc_scanner *sc)
{
	bool stale = false;
	STRMAP_FOREACH(&sc->memos, e)
		stale |= ((struct unit_memo *)e->value)->seen_gen != sc->generation;
	if (!stale)
		return;
	struct strmap keep = { 0 };
	STRMAP_FOREACH(&sc->memos, e) {
		struct unit_memo *m = e->value;
		if (m->seen_gen == sc->generation) {
			strmap_put(&keep, e->key, m);
			continue;
		}
		if (m->wd >= 0) {
			inotify_rm_watch(sc->ino_fd, m->wd);
			sc->by_wd[m->wd] = NULL;
		}
		memo_drop_files(m);
		free(m);
	}
	strmap_free(&sc->memos);
	sc->memos = keep;
}

/* The unchanged directory's records, from the memo. */
static unsigned reuse_unit(struct build *b, struct uc_record *proto, struct unit_memo *m)
{
	unsigned n = 0;
	for (size_t i = 0; i < m->nfiles; i++) {
		struct cache_entry *e = cache_slot(b->sc, m->files[i]->path,
						   strmap_hash(m->files[i]->path));
		if (e->path && e->seen != b->sc->generation) {	/* keep it cached */
			e->seen = b->sc->generation;
			b->sc->visited++;
		}
		b->sc->stats.files_cached++;
		n += add_file(b, proto, uc_certfile_ref(m->files[i]));
	}
	return n;
}

static unsigned scan_unit(struct build *b, struct uc_record *proto, int nodefd,
			  const char *unitname, const char *node_path)
{
	char *unit_path = xasprintf("%s/%s", node_path, unitname);
	struct unit_memo *m = memo_for(b->sc, unit_path);
	unsigned n = 0;

	m->seen_gen = b->sc->generation;
	DIR *d;
	struct dirent *de;

	if (m->reusable && !m->dirty && m->wd >= 0 &&
	    b->sc->generation - m->read_gen < FULL_READ_EVERY) {
		n = reuse_unit(b, proto, m);
		b->sc->stats.dirs_reused++;
		free(unit_path);
		return n;
	}
	int fd = openat(nodefd, unitname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		struct uc_certfile *f = uc_certfile_error("cannot open unit directory: %s",
							  strerror(errno));
		if (fd >= 0)
			close(fd);
		f->path = unit_path;
		f->name = strrchr(unit_path, '/') + 1;
		m->reusable = false;
		return add_file(b, proto, f);
	}
	memo_watch(b->sc, m, unit_path, fd);
	b->sc->stats.dirs_listed++;
	m->dirty = false;
	m->read_gen = b->sc->generation;
	memo_drop_files(m);
	struct sbuf path = { 0 };
	sbuf_puts(&path, unit_path);
	sbuf_putc(&path, '/');
	size_t base = path.len;
	for (errno = 0; (de = readdir(d)); errno = 0) {
		if (skip_entry(de->d_name))
			continue;
		/* a symbolic link's target can change unseen: read every time */
		if (de->d_type != DT_REG)
			m->reusable = false;
		path.len = base;
		sbuf_puts(&path, de->d_name);
		struct uc_certfile *f = load_cached(b->sc, dirfd(d), de->d_name, path.s);
		m->files = xreallocarray(m->files, m->nfiles + 1, sizeof *m->files);
		m->files[m->nfiles++] = uc_certfile_ref(f);
		n += add_file(b, proto, f);
	}
	if (errno) {	/* not the end of the directory: an error */
		struct uc_certfile *f = uc_certfile_error("cannot list the unit directory: %s",
							  strerror(errno));
		f->path = xstrdup(unit_path);
		f->name = strrchr(f->path, '/') + 1;
		n += add_file(b, proto, f);
		m->reusable = false;
	}
	if (!m->reusable)
		memo_drop_files(m);
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
	memset(&sc->sources[sc->nsources], 0, sizeof sc->sources[0]);
	sc->sources[sc->nsources].key = key;
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
	proto.kind = UC_SOURCE_CERT_DIR;
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
	for (errno = 0; (de = readdir(d)); errno = 0) {
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
			proto.impact = uc_unit_impact(u, c->product);
		} else {
			proto.unit = keep_name(inv, de->d_name);
			proto.store = uc_store_guess(de->d_name);
			proto.impact = UC_IMPACT_UNKNOWN;
			uc_log(LOG_WARNING, "%s/%s: unknown unit directory '%s': scanned with impact unknown",
			       c->name, nd->name, de->d_name);
		}
		src->ncerts += scan_unit(b, &proto, dirfd(d), de->d_name, nd->cert_dir);
	}
	int list_errno = errno;
	closedir(d);
	if (list_errno) {	/* a partial listing is not a successful read */
		src->ok = false;
		src->error = (char *)keep_name(inv, strerror(list_errno));
		src->last_success = mem->last_success;
		inv->errors++;
		uc_log(LOG_ERR, "%s/%s: cannot list cert_dir %s: %s", c->name, nd->name,
		       nd->cert_dir, src->error);
		return;
	}
	src->ok = true;
	mem->last_success = src->last_success = (int64_t)time(NULL);
}


/* ---- live sources: TLS ports, the certificate API, the CLI ------------- */

/* Record a live source's outcome: the new items on success, else the kept
 * ones (until stale), and its rows. items are consumed. */
static void add_live(struct build *b, size_t ci, size_t ni, enum uc_source_kind kind,
		     const char *location, const char *error,
		     struct live_item *items, size_t nitems)
{
	const struct uc_cluster *c = &b->settings->clusters[ci];
	const struct uc_node *nd = &c->nodes[ni];
	struct uc_inventory *inv = b->inv;
	struct uc_source *src = &inv->sources[inv->nsources++];
	struct source_memory *mem = source_memory(b->sc, c->name, nd->name, location);
	int64_t wall = (int64_t)time(NULL);

	src->cluster = (char *)keep_name(inv, c->name);
	src->node = (char *)keep_name(inv, nd->name);
	src->kind = kind;
	src->location = (char *)keep_name(inv, location);
	if (!error) {
		memory_forget(mem);
		mem->items = items;
		mem->nitems = nitems;
		mem->last_success = wall;
		src->ok = true;
	} else {
		src->ok = false;
		src->error = (char *)keep_name(inv, error);
		inv->errors++;
		uc_log(LOG_ERR, "%s/%s: %s %s: %s", c->name, nd->name, uc_source_kind_name(kind),
		       location, error);
		if (mem->nitems && wall - mem->last_success > (int64_t)b->settings->stale_after * 86400) {
			uc_log(LOG_WARNING, "%s/%s: %s %s: last read %lld days ago, its %zu row(s) "
			       "are dropped (stale_after = %d days)", c->name, nd->name,
			       uc_source_kind_name(kind), location,
			       (long long)((wall - mem->last_success) / 86400), mem->nitems,
			       b->settings->stale_after);
			memory_forget(mem);
		}
	}
	src->last_success = mem->last_success;

	struct uc_record proto = { 0 };
	proto.cluster = src->cluster;
	proto.node = src->node;
	proto.cluster_idx = ci;
	proto.node_idx = ni;
	proto.kind = kind;
	for (size_t i = 0; i < mem->nitems; i++) {
		const struct live_item *it = &mem->items[i];
		const struct uc_unit *u = uc_unit_find(it->unit);
		proto.catalog = u;
		proto.unit = u ? u->name : keep_name(inv, it->unit);
		proto.store = u ? u->store : it->trust ? UC_STORE_TRUST : UC_STORE_OWN;
		proto.impact = uc_unit_impact(u, c->product);
		src->ncerts += add_file(b, &proto, uc_certfile_ref(it->file));
	}
}

static void name_file(struct uc_certfile *f, char *path, const char *name_in_path)
{
	free(f->path);
	f->path = path;
	f->name = name_in_path ? name_in_path : path;
}

static char *endpoint(const char *host, int port)
{
	return strchr(host, ':') ? xasprintf("[%s]:%d", host, port)	/* IPv6 */
				 : xasprintf("%s:%d", host, port);
}

/* The unit a dual-key service shows when asked for ECDSA, or NULL. */
static const char *ecdsa_unit(const char *unit)
{
	if (strcmp(unit, "tomcat") == 0)
		return "tomcat-ECDSA";
	if (strcmp(unit, "CallManager") == 0)
		return "CallManager-ECDSA";
	return NULL;
}

/* IM and Presence speaks XMPP on the cup-xmpp ports: TLS comes after
 * STARTTLS (System Configuration Guide 14, port usage: 5222, 5269). */
static enum uc_probe_starttls starttls_of(const char *unit)
{
	if (strncmp(unit, "cup-xmpp-s2s", 12) == 0)
		return UC_STARTTLS_XMPP_SERVER;
	if (strncmp(unit, "cup-xmpp", 8) == 0)
		return UC_STARTTLS_XMPP_CLIENT;
	return UC_STARTTLS_NONE;
}

struct probe_job {
	size_t ci, ni, spec;
	bool ecdsa;
};

/* Every TLS probe of every node in one concurrent run. */
static void scan_probes(struct build *b)
{
	const struct uc_settings *s = b->settings;
	struct uc_probe_target *t = NULL;
	struct probe_job *jobs = NULL;
	size_t n = 0;

	for (size_t ci = 0; ci < s->nclusters; ci++)
		for (size_t ni = 0; ni < s->clusters[ci].nnodes; ni++) {
			const struct uc_node *nd = &s->clusters[ci].nodes[ni];
			for (size_t k = 0; nd->host && k < nd->nprobes; k++)
				for (int e = 0; e < (ecdsa_unit(nd->probes[k].unit) ? 2 : 1); e++) {
					t = xreallocarray(t, n + 1, sizeof *t);
					jobs = xreallocarray(jobs, n + 1, sizeof *jobs);
					t[n] = (struct uc_probe_target){ nd->host, nd->probes[k].port, e == 1,
									 starttls_of(nd->probes[k].unit) };
					jobs[n++] = (struct probe_job){ ci, ni, k, e == 1 };
				}
		}
	if (n == 0)
		return;
	struct uc_probe_result *res = xcalloc(n, sizeof *res);
	uc_probe_run(t, n, s->probe_timeout, s->probe_concurrency, res);

	for (size_t i = 0; i < n; i++) {
		if (jobs[i].ecdsa)
			continue;	/* handled with its plain probe, just before it */
		const struct uc_node *nd = &s->clusters[jobs[i].ci].nodes[jobs[i].ni];
		const struct uc_probe_spec *p = &nd->probes[jobs[i].spec];
		char *where = endpoint(nd->host, p->port);
		struct live_item *items = xcalloc(2, sizeof *items);
		size_t nitems = 0;
		bool ok = res[i].status == UC_PROBE_OK && res[i].file->ncerts > 0;
		if (ok) {
			items[nitems].unit = xstrdup(p->unit);
			items[nitems].file = uc_certfile_ref(res[i].file);
			name_file(items[nitems++].file, xstrdup(where), NULL);
		}
		const struct uc_probe_result *ec = i + 1 < n && jobs[i + 1].ecdsa ? &res[i + 1] : NULL;
		if (ok && ec && ec->status == UC_PROBE_OK && ec->file->ncerts > 0 &&
		    strcmp(ec->file->certs[0].key_alg, "EC") == 0 &&
		    memcmp(ec->file->certs[0].sha256, res[i].file->certs[0].sha256, UC_SHA256_LEN) != 0) {
			items[nitems].unit = xstrdup(ecdsa_unit(p->unit));
			items[nitems].file = uc_certfile_ref(ec->file);
			name_file(items[nitems++].file, xstrdup(where), NULL);
		}
		char *err = ok ? NULL : xasprintf("%s (%s)", res[i].reason, p->unit);
		add_live(b, jobs[i].ci, jobs[i].ni, UC_SOURCE_TLS, where, err, items, nitems);
		if (!ok)
			free(items);
		free(err);
		free(where);
	}
	for (size_t i = 0; i < n; i++)
		uc_probe_result_clear(&res[i]);
	free(res);
	free(t);
	free(jobs);
}

/* One node's stores through the CUCM 14+ certificate API. */
static void scan_api(struct build *b, size_t ci, size_t ni)
{
	const struct uc_settings *s = b->settings;
	const struct uc_node *nd = &s->clusters[ci].nodes[ni];
	struct uc_api_source src = { .url = nd->api->url,
				     .credentials_file = nd->api->credentials,
				     .credentials_group = s->credentials_group,
				     .ca_file = nd->api->ca_file, .insecure = nd->api->insecure,
				     .timeout_s = s->api_timeout };
	struct uc_api_result r;

	if (uc_api_fetch(&src, &r) < 0) {
		add_live(b, ci, ni, UC_SOURCE_API, nd->api->url, r.error, NULL, 0);
		uc_api_result_clear(&r);
		return;
	}
	struct live_item *items = xcalloc(r.ncerts ? r.ncerts : 1, sizeof *items);
	for (size_t i = 0; i < r.ncerts; i++) {
		const struct uc_api_cert *a = &r.certs[i];
		items[i].unit = xstrdup(a->unit);
		items[i].trust = a->trust;
		items[i].file = uc_certfile_ref(a->file);
		char *path = xasprintf("%s %s/%s", nd->api->url, a->unit, a->filename);
		name_file(items[i].file, path, strrchr(path, '/') + 1);
	}
	size_t nitems = r.ncerts;
	uc_api_result_clear(&r);
	add_live(b, ci, ni, UC_SOURCE_API, nd->api->url, NULL, items, nitems);
}

/* Every node's platform CLI, sessions to different nodes at once (at most
 * probe_concurrency), then their outcomes in configuration order. */
struct ssh_job {
	size_t ci, ni;
	struct uc_ssh_source src;
	struct uc_ssh_result res;
};

struct ssh_run {
	struct ssh_job *jobs;
	size_t n, next;
	pthread_mutex_t lock;
};

static void *ssh_worker(void *arg)
{
	struct ssh_run *run = arg;
	for (;;) {
		pthread_mutex_lock(&run->lock);
		size_t i = run->next < run->n ? run->next++ : run->n;
		pthread_mutex_unlock(&run->lock);
		if (i == run->n)
			return NULL;
		uc_ssh_fetch(&run->jobs[i].src, &run->jobs[i].res);
	}
}

static void ssh_record(struct build *b, struct ssh_job *j)
{
	const struct uc_cluster *c = &b->settings->clusters[j->ci];
	const struct uc_node *nd = &c->nodes[j->ni];
	char *where = uc_ssh_location(&j->src);
	struct uc_ssh_result *r = &j->res;

	if (r->error) {
		add_live(b, j->ci, j->ni, UC_SOURCE_SSH, where, r->error, NULL, 0);
		free(where);
		return;
	}
	for (size_t i = 0; i < r->nunplaced; i++)
		uc_log(LOG_DEBUG, "%s/%s: %s: list line without <unit>/<file>: %s", c->name,
		       nd->name, where, r->unplaced[i]);
	struct live_item *items = xcalloc(r->ncerts ? r->ncerts : 1, sizeof *items);
	for (size_t i = 0; i < r->ncerts; i++) {
		const struct uc_ssh_cert *a = &r->certs[i];
		items[i].unit = xstrdup(a->unit);
		items[i].trust = a->trust;
		items[i].file = uc_certfile_ref(a->file);
		char *path = xasprintf("%s/%s/%s", where, a->unit, a->filename);
		name_file(items[i].file, path, strrchr(path, '/') + 1);
	}
	add_live(b, j->ci, j->ni, UC_SOURCE_SSH, where, NULL, items, r->ncerts);
	free(where);
}

static void scan_ssh(struct build *b)
{
	const struct uc_settings *s = b->settings;
	struct ssh_run run = { NULL, 0, 0, PTHREAD_MUTEX_INITIALIZER };

	for (size_t ci = 0; ci < s->nclusters; ci++)
		for (size_t ni = 0; ni < s->clusters[ci].nnodes; ni++) {
			const struct uc_node_ssh *x = s->clusters[ci].nodes[ni].ssh;
			if (!x)
				continue;
			run.jobs = xreallocarray(run.jobs, run.n + 1, sizeof *run.jobs);
			run.jobs[run.n++] = (struct ssh_job){ ci, ni,
				{ x->host, x->port, x->user, x->credentials, x->known_hosts, x->timeout,
				  s->credentials_group },
				{ 0 } };
		}
	if (run.n == 0)
		return;
	size_t nthreads = s->probe_concurrency > 0 ? (size_t)s->probe_concurrency : 1;
	if (nthreads > run.n)
		nthreads = run.n;
	pthread_t *t = xcalloc(nthreads, sizeof *t);
	size_t started = 0;
	for (; started < nthreads; started++)
		if (pthread_create(&t[started], NULL, ssh_worker, &run) != 0)
			break;
	if (started == 0)
		ssh_worker(&run);	/* no thread to be had: one after another */
	for (size_t i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	free(t);
	for (size_t i = 0; i < run.n; i++) {
		ssh_record(b, &run.jobs[i]);
		uc_ssh_result_clear(&run.jobs[i].res);
	}
	free(run.jobs);
}

struct uc_inventory *uc_scan(struct uc_scanner *sc, const struct uc_settings *s,
			     int64_t now)
{
	struct build b = { sc, s, xcalloc(1, sizeof *b.inv), 0 };
	size_t nsources = 0;

	sc->generation++;
	sc->visited = 0;
	drain_events(sc);
	b.inv->now = now;
	for (size_t i = 0; i < s->nclusters; i++)
		for (size_t j = 0; j < s->clusters[i].nnodes; j++) {
			const struct uc_node *nd = &s->clusters[i].nodes[j];
			nsources += (nd->cert_dir != NULL) + (nd->host ? nd->nprobes : 0) +
				    (nd->api != NULL) + (nd->ssh != NULL);
		}
	b.inv->sources = xcalloc(nsources ? nsources : 1, sizeof *b.inv->sources);
	for (size_t i = 0; i < s->nclusters; i++)
		for (size_t j = 0; j < s->clusters[i].nnodes; j++)
			if (s->clusters[i].nodes[j].cert_dir)
				scan_node(&b, i, j);
	scan_probes(&b);
	for (size_t i = 0; i < s->nclusters; i++)
		for (size_t j = 0; j < s->clusters[i].nnodes; j++)
			if (s->clusters[i].nodes[j].api)
				scan_api(&b, i, j);
	scan_ssh(&b);
	/* forget files that are gone, so the cache does not grow forever */
	prune_memos(sc);
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
	case UC_SOURCE_SSH:
		return "ssh";
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
