/* alerts.c - due notifications and what was sent.
 *
 * File format (text, one certificate with an outstanding notification a
 * line, fields separated by tabs, %XX escapes for '%', tab, CR and LF):
 *   uccert-alerts 1
 *   band last_sent index store impact not_after days_left key cluster node unit subject serial */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

struct uc_alerts *uc_alerts_open(const char *path)
{
	struct uc_alerts *a = xcalloc(1, sizeof *a);
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned lineno = 0;
	bool ok = true;

	if (!path)
		return a;
	a->path = xstrdup(path);
	if (!(f = fopen(path, "re"))) {
		if (errno != ENOENT)
			uc_log(LOG_ERR, "%s: cannot read: %s", path, strerror(errno));
		return a;
	}
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
	free(a);
}

bool uc_alerts_save(struct uc_alerts *a)
{
	struct sbuf b = { 0 };

	if (!a->path || !a->dirty)
		return true;
	sbuf_puts(&b, "uccert-alerts 1\n");
	STRMAP_FOREACH(&a->map, s) {
		const struct entry *e = s->value;
		if (e->dead || e->band == UC_BAND_NONE)
			continue;	/* nothing outstanding */
		sbuf_printf(&b, "%d\t%" PRId64 "\t%" PRIu32 "\t%d\t%d\t%" PRId64 "\t%" PRId64 "\t",
			    e->band, e->last_sent, e->facts.index, (int)e->facts.store,
			    (int)e->facts.impact, e->facts.not_after, e->facts.days_left);
		const char *strs[] = { e->key, e->facts.cluster, e->facts.node, e->facts.unit,
				       e->facts.subject, e->facts.serial };
		for (size_t i = 0; i < 6; i++) {
			put_escaped(&b, strs[i]);
			sbuf_putc(&b, i == 5 ? '\n' : '\t');
		}
	}
	bool ok = uc_write_atomic(a->path, b.s, b.len, 0640);
	if (ok)
		a->dirty = false;
	else
		uc_log(LOG_ERR, "%s: cannot save notification state: %s", a->path, strerror(errno));
	free(b.s);
	return ok;
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
		a->notices[i] = a->due[i].notice;
	}
	*out = a->notices;
	return a->ndue;
}

void uc_alerts_mark_sent(struct uc_alerts *a, size_t i, int64_t now)
{
	struct due *d = &a->due[i];
	if (d->notice.kind == UC_NOTICE_CLEARED) {
		d->e->band = UC_BAND_NONE;
		d->e->dead = true;
	} else {
		d->e->band = d->notice.band;
	}
	d->e->last_sent = now;
	a->dirty = true;
}
