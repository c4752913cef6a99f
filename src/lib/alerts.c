/* alerts.c - due notifications and what was sent.
 *
 * File format (text, one certificate with an outstanding notification a
 * line, fields separated by tabs, %XX escapes for '%', tab, CR and LF):
 *   uccert-alerts 1
 *   band last_sent index store impact not_after days_left key cluster node unit subject serial
 *
 * Acknowledgements between two saves are appended to path.journal in the
 * same line format, without the header; a line whose band is UC_BAND_NONE
 * forgets its key. Loading replays the journal over the file (each line
 * replaces its key's entry, so replaying twice is harmless); a save
 * rewrites the file and then empties the journal. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alerts.h"
#include "fsutil.h"
#include "log.h"
#include "settings.h"
#include "util.h"

#define NFIELDS 13

struct entry {
	int band;		/* last notified; UC_BAND_NONE = nothing sent yet */
	int64_t last_sent;
	struct uc_alert_facts facts;	/* strings owned (last known values) */
	char *key;
	unsigned long seen;	/* evaluation that last observed it */
	bool dead;		/* cleared: forget at the next evaluation */
};

struct due {
	struct entry *e;
	struct uc_notice notice;
};

struct uc_alerts {
	char *path;
	struct strmap map;	/* key -> struct entry */
	unsigned long gen;
	struct due *due;
	size_t ndue, capdue;
	struct uc_notice *notices;
	bool dirty;
	char *journal_path;
	int journal_fd;		/* open for appending; -1 until first needed */
	struct sbuf journal;	/* lines not written yet */
	size_t journaled;	/* lines in the journal file */
	unsigned long state_errors;
};

int uc_band(const struct uc_settings *s, enum uc_impact impact, int64_t days_left,
	    bool expired)
{
	if (expired)
		return UC_BAND_EXPIRED;
	int threshold = uc_settings_threshold(s, impact);
	if (days_left > threshold)
		return UC_BAND_NONE;
	int band = threshold;
	for (size_t i = 0; i < s->nreminders; i++)	/* largest first */
		if (days_left <= s->reminder_days[i] && s->reminder_days[i] < band)
			band = s->reminder_days[i];
	return band;
}

static void facts_free(struct uc_alert_facts *f)
{
	free((char *)f->cluster);
	free((char *)f->node);
	free((char *)f->unit);
	free((char *)f->subject);
	free((char *)f->serial);
}

static void facts_copy(struct uc_alert_facts *dst, const struct uc_alert_facts *src)
{
	struct uc_alert_facts f = *src;
	f.cluster = xstrdup(src->cluster);
	f.node = xstrdup(src->node);
	f.unit = xstrdup(src->unit);
	f.subject = xstrdup(src->subject);
	f.serial = xstrdup(src->serial);
	facts_free(dst);
	*dst = f;
}

static void entry_free(struct entry *e)
{
	facts_free(&e->facts);
	free(e->key);
	free(e);
}

static struct entry *entry_new(struct uc_alerts *a, const char *key)
{
	struct entry *old = strmap_get(&a->map, key);
	if (old)
		entry_free(old);	/* a journal line replaces its entry */
	struct entry *e = xcalloc(1, sizeof *e);
	e->band = UC_BAND_NONE;
	e->key = xstrdup(key);
	strmap_put(&a->map, key, e);
	return e;
}

/* ---- persistence ---------------------------------------------------- */

static void put_escaped(struct sbuf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '%' || *s == '\t' || *s == '\n' || *s == '\r')
			sbuf_printf(b, "%%%02X", (unsigned char)*s);
		else
			sbuf_putc(b, *s);
	}
}

static char *unescape(const char *s)
{
	char *out = xmalloc(strlen(s) + 1), *o = out;
	for (; *s; s++) {
		unsigned v;
		if (*s == '%' && sscanf(s + 1, "%2x", &v) == 1 && s[1] && s[2]) {
			*o++ = (char)v;
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

static bool parse_line(struct uc_alerts *a, char *line)
{
	char *f[NFIELDS];
	size_t n = 0;
	for (char *p = line; n < NFIELDS; n++) {
		f[n] = p;
		char *tab = strchr(p, '\t');
		if (!tab) {
			n++;
			break;
		}
		*tab = '\0';
		p = tab + 1;
	}
	if (n != NFIELDS)
		return false;
	struct uc_alert_facts facts = { 0 };
	int band, store, impact;
	int64_t last_sent;
	char *end;
	band = (int)strtol(f[0], &end, 10);
	if (*end || (band != UC_BAND_EXPIRED && band < 0))
		return false;
	if (sscanf(f[1], "%" SCNd64, &last_sent) != 1 ||
	    sscanf(f[2], "%" SCNu32, &facts.index) != 1 ||
	    sscanf(f[3], "%d", &store) != 1 || sscanf(f[4], "%d", &impact) != 1 ||
	    sscanf(f[5], "%" SCNd64, &facts.not_after) != 1 ||
	    sscanf(f[6], "%" SCNd64, &facts.days_left) != 1 || !*f[7])
		return false;
	facts.store = (enum uc_store)store;
	facts.impact = (enum uc_impact)impact;
	char *key = unescape(f[7]);
	struct entry *e = entry_new(a, key);
	free(key);
	e->band = band;
	e->last_sent = last_sent;
	e->facts = facts;
	e->facts.cluster = unescape(f[8]);
	e->facts.node = unescape(f[9]);
	e->facts.unit = unescape(f[10]);
	e->facts.subject = unescape(f[11]);
	e->facts.serial = unescape(f[12]);
	return true;
}

static void clear_all(struct uc_alerts *a)
{
	STRMAP_FOREACH(&a->map, s)
		entry_free(s->value);
	strmap_free(&a->map);
}

/* Replay the journal: each whole line replaces its key's entry; a line cut
 * short or garbled by a failed write is skipped. Returns the lines read. */
static size_t replay_journal(struct uc_alerts *a)
{
	FILE *f = fopen(a->journal_path, "re");
	char *line = NULL;
	size_t cap = 0, n = 0, bad = 0;
	ssize_t len;

	if (!f) {
		if (errno != ENOENT)
			uc_log(LOG_ERR, "%s: cannot read: %s", a->journal_path, strerror(errno));
		return 0;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		n++;
		if (line[len - 1] != '\n') {
			bad++;
			break;
		}
		line[len - 1] = '\0';
		if (!parse_line(a, line))
			bad++;
	}
	free(line);
	fclose(f);
	if (bad)
		uc_log(LOG_WARNING, "%s: %zu incomplete line(s) skipped", a->journal_path, bad);
	return n;
}

struct uc_alerts *uc_alerts_open(const char *path)
{
	struct uc_alerts *a = xcalloc(1, sizeof *a);
	FILE *f;

	a->journal_fd = -1;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned lineno = 0;
	bool ok = true;

	if (!path)
		return a;
	a->path = xstrdup(path);
	a->journal_path = xasprintf("%s.journal", path);
	a->journal_fd = -1;
	if (!(f = fopen(path, "re"))) {
		if (errno != ENOENT)
			uc_log(LOG_ERR, "%s: cannot read: %s", path, strerror(errno));
	} else {
		while (ok && (len = getline(&line, &cap, f)) > 0) {
			lineno++;
			if (line[len - 1] != '\n') {
				ok = false;
				break;
			}
			line[len - 1] = '\0';
			ok = lineno == 1 ? strcmp(line, "uccert-alerts 1") == 0 : parse_line(a, line);
		}
		ok = ok && lineno >= 1 && !ferror(f);
		free(line);
		fclose(f);
	}
	if (!ok) {
		char *aside = xasprintf("%s.corrupt", path);
		uc_log(LOG_WARNING, "%s: corrupt notification state (line %u), moved to %s; "
		       "each certificate in the warning window gets one notification for its current band",
		       path, lineno, aside);
		rename(path, aside);
		free(aside);
		clear_all(a);
		a->dirty = true;
	}
	/* what was delivered after the last save */
	if (replay_journal(a) > 0) {
		a->dirty = true;
		a->journaled = 1;	/* emptied by the save below */
		uc_alerts_save(a);
	}
	return a;
}

void uc_alerts_free(struct uc_alerts *a)
{
	if (!a)
		return;
	clear_all(a);
	free(a->due);
	free(a->notices);
	free(a->path);
	if (a->journal_fd >= 0)
		close(a->journal_fd);
	free(a->journal_path);
	free(a->journal.s);
	free(a);
}

static void put_entry(struct sbuf *b, const struct entry *e, int band)
{
	sbuf_printf(b, "%d\t%" PRId64 "\t%" PRIu32 "\t%d\t%d\t%" PRId64 "\t%" PRId64 "\t",
		    band, e->last_sent, e->facts.index, (int)e->facts.store,
		    (int)e->facts.impact, e->facts.not_after, e->facts.days_left);
	const char *strs[] = { e->key, e->facts.cluster, e->facts.node, e->facts.unit,
			       e->facts.subject, e->facts.serial };
	for (size_t i = 0; i < 6; i++) {
		put_escaped(b, strs[i]);
		sbuf_putc(b, i == 5 ? '\n' : '\t');
	}
}

static void state_error(struct uc_alerts *a, const char *what, const char *path)
{
	if (a->state_errors++ == 0)
		uc_log(LOG_ERR, "%s: cannot %s notification state: %s; until it can, a restart "
		       "sends again what was delivered since the last successful write",
		       path, what, strerror(errno));
}

bool uc_alerts_save(struct uc_alerts *a)
{
	struct sbuf b = { 0 };

	if (!a->path || !a->dirty)
		return true;
	if (!uc_alerts_flush(a))
		return false;	/* the journal must not lose what it holds */
	sbuf_puts(&b, "uccert-alerts 1\n");
	STRMAP_FOREACH(&a->map, s) {
		const struct entry *e = s->value;
		if (e->dead || e->band == UC_BAND_NONE)
			continue;	/* nothing outstanding */
		put_entry(&b, e, e->band);
	}
	bool ok = uc_write_atomic(a->path, b.s, b.len, 0640);
	if (ok) {
		a->dirty = false;
		/* everything the journal held is in the file now */
		if (a->journaled > 0 && (a->journal_fd >= 0 ? ftruncate(a->journal_fd, 0)
						       : truncate(a->journal_path, 0)) < 0 && errno != ENOENT)
			uc_log(LOG_WARNING, "%s: cannot empty: %s", a->journal_path, strerror(errno));
		a->journaled = 0;
		if (a->state_errors)
			uc_log(LOG_NOTICE, "%s: notification state saved again", a->path);
		a->state_errors = 0;
	} else {
		state_error(a, "save", a->path);
	}
	free(b.s);
	return ok;
}

bool uc_alerts_flush(struct uc_alerts *a)
{
	if (!a->journal_path || a->journal.len == 0)
		return true;
	if (a->journal_fd < 0)
		a->journal_fd = open(a->journal_path,
				     O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0640);
	int fd = a->journal_fd;
	size_t done = 0;
	bool ok = fd >= 0;
	while (ok && done < a->journal.len) {
		ssize_t w = write(fd, a->journal.s + done, a->journal.len - done);
		if (w < 0 && errno == EINTR)
			continue;
		ok = w > 0;
		if (ok)
			done += (size_t)w;
	}
	if (!ok) {
		/* end a partial line, so that it is skipped when replayed; the
		 * whole buffer stays for the next try (a line replayed twice is
		 * harmless) */
		int e = errno;
		if (done > 0 && done < a->journal.len) {
			ssize_t w = write(fd, "\n", 1);
			(void)w;
		}
		if (fd >= 0)
			close(fd);	/* reopened next time: the file may be back */
		a->journal_fd = -1;
		errno = e;
		state_error(a, "write", a->journal_path);
		return false;
	}
	for (size_t i = 0; i < a->journal.len; i++)
		a->journaled += a->journal.s[i] == '\n';
	a->journal.len = 0;
	if (a->state_errors)
		uc_log(LOG_NOTICE, "%s: notification state written again", a->journal_path);
	a->state_errors = 0;
	return true;
}

size_t uc_alerts_journaled(const struct uc_alerts *a)
{
	return a->journaled;
}

unsigned long uc_alerts_state_errors(const struct uc_alerts *a)
{
	return a->state_errors;
}

/* ---- evaluation -------------------------------------------------------- */

static void add_due(struct uc_alerts *a, struct entry *e, enum uc_notice_kind kind, int band)
{
	if (a->ndue == a->capdue) {
		a->capdue = a->capdue ? a->capdue * 2 : 16;
		a->due = xreallocarray(a->due, a->capdue, sizeof *a->due);
	}
	a->due[a->ndue].e = e;
	a->due[a->ndue].notice.kind = kind;
	a->due[a->ndue].notice.band = band;
	a->ndue++;
}

size_t uc_alerts_due(struct uc_alerts *a, const struct uc_alert_obs *obs, size_t n,
		     bool (*failed_source)(const char *cluster, const char *node, void *ctx),
		     void *ctx, int64_t now, int expired_repeat_days,
		     const struct uc_notice **out)
{
	a->gen++;
	a->ndue = 0;
	/* forget what was cleared last time: one rebuild, not one per entry */
	bool any_dead = false;
	STRMAP_FOREACH(&a->map, s)
		any_dead |= ((struct entry *)s->value)->dead;
	if (any_dead) {
		struct strmap keep = { 0 };
		STRMAP_FOREACH(&a->map, s) {
			struct entry *e = s->value;
			if (e->dead)
				entry_free(e);
			else
				strmap_put(&keep, e->key, e);
		}
		strmap_free(&a->map);
		a->map = keep;
	}

	for (size_t i = 0; i < n; i++) {
		const struct uc_alert_obs *o = &obs[i];
		struct entry *e = strmap_get(&a->map, o->key);
		if (!e && o->band == UC_BAND_NONE)
			continue;	/* the common case: nothing to say */
		if (!e)
			e = entry_new(a, o->key);
		e->seen = a->gen;
		facts_copy(&e->facts, &o->facts);
		if (o->band == UC_BAND_NONE) {
			if (e->band != UC_BAND_NONE)
				add_due(a, e, UC_NOTICE_CLEARED, UC_BAND_NONE);
		} else if (o->band == UC_BAND_EXPIRED) {
			if (e->band != UC_BAND_EXPIRED ||
			    (expired_repeat_days > 0 &&
			     now - e->last_sent >= (int64_t)expired_repeat_days * 86400))
				add_due(a, e, UC_NOTICE_EXPIRED, UC_BAND_EXPIRED);
		} else if (o->band < e->band) {
			add_due(a, e, UC_NOTICE_EXPIRING, o->band);
		}
	}
	/* certificates that are gone: clear what was notified, unless their
	 * source could not be read (then nothing is known about them) */
	STRMAP_FOREACH(&a->map, s) {
		struct entry *e = s->value;
		if (e->seen == a->gen)
			continue;
		if (failed_source && failed_source(e->facts.cluster, e->facts.node, ctx))
			continue;
		if (e->band != UC_BAND_NONE)
			add_due(a, e, UC_NOTICE_CLEARED, UC_BAND_NONE);
		else
			e->dead = true;	/* never notified, gone: forget */
	}
	a->notices = xreallocarray(a->notices, a->ndue ? a->ndue : 1, sizeof *a->notices);
	for (size_t i = 0; i < a->ndue; i++) {
		a->due[i].notice.facts = a->due[i].e->facts;
		a->due[i].notice.key = a->due[i].e->key;
		a->notices[i] = a->due[i].notice;
	}
	*out = a->notices;
	return a->ndue;
}

static void record(struct uc_alerts *a, struct entry *e, const struct uc_notice *n, int64_t now)
{
	if (n->kind == UC_NOTICE_CLEARED) {
		e->band = UC_BAND_NONE;
		e->dead = true;
	} else {
		e->band = n->band;
		e->dead = false;
	}
	e->last_sent = now;
	a->dirty = true;
	if (a->journal_path)
		put_entry(&a->journal, e, e->band);
}

void uc_alerts_mark_sent(struct uc_alerts *a, size_t i, int64_t now)
{
	struct due *d = &a->due[i];
	record(a, d->e, &d->notice, now);
}

void uc_alerts_ack(struct uc_alerts *a, const struct uc_notice *n, int64_t now)
{
	struct entry *e = n->key ? strmap_get(&a->map, n->key) : NULL;
	if (!e) {
		if (n->kind == UC_NOTICE_CLEARED || !n->key)
			return;	/* nothing outstanding to forget */
		/* gone while its notification was on its way: remember what was
		 * said, so that the next evaluation clears it */
		e = entry_new(a, n->key);
		facts_copy(&e->facts, &n->facts);
	}
	record(a, e, n, now);
}
