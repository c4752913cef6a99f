/* idmap.c - stable indexes.
 *
 * File format (text, one record a line):
 *   uccert-idmap 1
 *   next <n>
 *   <index> <last-seen epoch> <key>
 * Keys contain no newline (they are built from names and hex digests). */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "idmap.h"
#include "log.h"
#include "util.h"

struct entry {
	uint32_t index;
	int64_t seen;
};

struct uc_idmap {
	char *path;
	struct strmap map;	/* key -> struct entry */
	uint32_t next;
	bool dirty;
};

static void put(struct uc_idmap *m, const char *key, uint32_t index, int64_t seen)
{
	struct entry *e = strmap_get(&m->map, key);
	if (e)
		return;	/* the first line for a key wins */
	e = xmalloc(sizeof *e);
	e->index = index;
	e->seen = seen;
	strmap_put(&m->map, key, e);
}

static void clear(struct uc_idmap *m)
{
	STRMAP_FOREACH(&m->map, s)
		free(s->value);
	strmap_free(&m->map);
}

/* Parse the file; false on any malformed line. */
static bool load(struct uc_idmap *m, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned lineno = 0;
	bool ok = true;

	while (ok && (n = getline(&line, &cap, f)) > 0) {
		lineno++;
		if (line[n - 1] != '\n') {
			ok = false;	/* truncated last line */
			break;
		}
		line[n - 1] = '\0';
		if (lineno == 1) {
			ok = strcmp(line, "uccert-idmap 1") == 0;
		} else if (lineno == 2) {
			ok = sscanf(line, "next %" SCNu32, &m->next) == 1 && m->next > 0;
		} else {
			uint32_t idx;
			int64_t seen;
			int off = 0;
			if (sscanf(line, "%" SCNu32 " %" SCNd64 " %n", &idx, &seen, &off) != 2 ||
			    off == 0 || idx == 0 || idx >= m->next || !line[off])
				ok = false;
			else
				put(m, line + off, idx, seen);
		}
	}
	free(line);
	return ok && lineno >= 2 && !ferror(f);
}

struct uc_idmap *uc_idmap_open(const char *path)
{
	struct uc_idmap *m = xcalloc(1, sizeof *m);
	FILE *f;

	m->next = 1;
	if (!path)
		return m;
	m->path = xstrdup(path);
	if (!(f = fopen(path, "re"))) {
		if (errno != ENOENT) {
			/* never write over a map that exists but cannot be read now:
			 * its numbers must not go to other certificates */
			uc_log(LOG_ERR, "%s: cannot read: %s (row indexes kept in memory only until it can)",
			       path, strerror(errno));
			free(m->path);
			m->path = NULL;
		}
		return m;
	}
	bool ok = load(m, f);
	fclose(f);
	if (!ok) {
		char *aside = xasprintf("%s.corrupt", path);
		uc_log(LOG_WARNING, "%s: corrupt index map, moved to %s; indexes are assigned afresh",
		       path, aside);
		rename(path, aside);
		free(aside);
		clear(m);
		m->next = 1;
		m->dirty = true;
	}
	return m;
}

void uc_idmap_free(struct uc_idmap *m)
{
	if (!m)
		return;
	clear(m);
	free(m->path);
	free(m);
}

uint32_t uc_idmap_get(struct uc_idmap *m, const char *key, int64_t now)
{
	struct entry *e = strmap_get(&m->map, key);
	if (e) {
		if (e->seen / 86400 != now / 86400) {
			e->seen = now;	/* day resolution keeps saves rare */
			m->dirty = true;
		}
		return e->index;
	}
	if (m->next == UINT32_MAX) {	/* never reuse a number: stop giving them */
		uc_log(LOG_ERR, "row indexes exhausted: %s gets no row", key);
		return 0;
	}
	uint32_t idx = m->next++;
	put(m, key, idx, now);
	m->dirty = true;
	return idx;
}

void uc_idmap_expire(struct uc_idmap *m, int64_t before)
{
	bool any = false;
	STRMAP_FOREACH(&m->map, s)
		any |= ((struct entry *)s->value)->seen < before;
	if (!any)
		return;	/* the usual case: nothing to rebuild */
	struct strmap keep = { 0 };
	STRMAP_FOREACH(&m->map, s) {
		struct entry *e = s->value;
		if (e->seen < before) {
			free(e);
			m->dirty = true;
		} else {
			strmap_put(&keep, s->key, e);
		}
	}
	strmap_free(&m->map);
	m->map = keep;
}

bool uc_idmap_save(struct uc_idmap *m)
{
	struct sbuf b = { 0 };

	if (!m->path || !m->dirty)
		return true;
	sbuf_printf(&b, "uccert-idmap 1\nnext %" PRIu32 "\n", m->next);
	STRMAP_FOREACH(&m->map, s) {
		const struct entry *e = s->value;
		sbuf_printf(&b, "%" PRIu32 " %" PRId64 " %s\n", e->index, e->seen, s->key);
	}
	bool ok = uc_write_atomic(m->path, b.s, b.len, 0640);
	if (!ok)
		uc_log(LOG_ERR, "%s: cannot save row indexes: %s", m->path, strerror(errno));
	else
		m->dirty = false;
	free(b.s);
	return ok;
}
