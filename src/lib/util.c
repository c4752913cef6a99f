/* util.c - allocation helpers: uccert treats out-of-memory as fatal. */
#include <config.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static void oom(void)
{
	fputs("uccert: out of memory\n", stderr);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *xreallocarray(void *p, size_t n, size_t size)
{
	if (size && n > (size_t)-1 / size)
		oom();
	p = realloc(p, n * size > 0 ? n * size : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s ? s : "");
	if (!p)
		oom();
	return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	char *s;
	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	return s;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

static void sbuf_grow(struct sbuf *b, size_t more)
{
	if (b->len + more + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + more + 1)
		cap *= 2;
	b->s = xreallocarray(b->s, cap, 1);
	b->cap = cap;
}

void sbuf_reserve(struct sbuf *b, size_t more)
{
	if (b->len + more + 1 <= b->cap)
		return;
	b->s = xreallocarray(b->s, b->len + more + 1, 1);
	b->cap = b->len + more + 1;
}

void sbuf_put(struct sbuf *b, const char *s, size_t n)
{
	sbuf_grow(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void sbuf_putc(struct sbuf *b, char c)
{
	sbuf_put(b, &c, 1);
}

void sbuf_puts(struct sbuf *b, const char *s)
{
	sbuf_put(b, s, strlen(s));
}

void sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	sbuf_puts(b, s);
	free(s);
}

char *sbuf_take(struct sbuf *b)
{
	char *s = b->s ? b->s : xstrdup("");
	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

uint64_t strmap_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static struct strmap_slot *strmap_slot(const struct strmap *m, const char *key,
				       uint64_t h)
{
	size_t mask = m->nslots - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct strmap_slot *s = &m->slots[i];
		if (!s->key || (s->hash == h && strcmp(s->key, key) == 0))
			return s;
	}
}

static void strmap_resize(struct strmap *m, size_t nslots)
{
	struct strmap_slot *old = m->slots;
	size_t n = m->nslots;
	m->slots = xcalloc(nslots, sizeof *m->slots);
	m->nslots = nslots;
	for (size_t i = 0; i < n; i++)
		if (old[i].key)
			*strmap_slot(m, old[i].key, old[i].hash) = old[i];
	free(old);
}

void *strmap_get(const struct strmap *m, const char *key)
{
	if (!m->nslots)
		return NULL;
	struct strmap_slot *s = strmap_slot(m, key, strmap_hash(key));
	return s->key ? s->value : NULL;
}

void strmap_put(struct strmap *m, const char *key, void *value)
{
	if ((m->used + 1) * 2 > m->nslots)
		strmap_resize(m, m->nslots ? m->nslots * 2 : 64);
	uint64_t h = strmap_hash(key);
	struct strmap_slot *s = strmap_slot(m, key, h);
	if (!s->key) {
		s->key = xstrdup(key);
		s->hash = h;
		m->used++;
	}
	s->value = value;
}

void strmap_free(struct strmap *m)
{
	for (size_t i = 0; i < m->nslots; i++)
		free(m->slots[i].key);
	free(m->slots);
	m->slots = NULL;
	m->nslots = m->used = 0;
}

/* Length of a valid UTF-8 sequence at p (1..4), or 0 when invalid. */
size_t uc_utf8_decode(const unsigned char *p, const unsigned char *end, uint32_t *cp)
{
	size_t n;
	uint32_t v, min;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0) {
		n = 2, v = p[0] & 0x1f, min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		n = 3, v = p[0] & 0x0f, min = 0x800;
	} else if ((p[0] & 0xf8) == 0xf0) {
		n = 4, v = p[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if ((size_t)(end - p) < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

/* A terminal acts on C0 controls, DEL and C1 controls (raw, or some
 * terminals even UTF-8 encoded); a byte that is not UTF-8 can start a C1
 * sequence on an 8-bit terminal. All of them become \xNN, per byte;
 * printable text, UTF-8 included, is kept. */
void sbuf_put_escaped(struct sbuf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : ""), *end = p + strlen((const char *)p);

	while (p < end) {
		uint32_t cp;
		size_t n = uc_utf8_decode(p, end, &cp);
		bool control = n == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f);
		if (!control) {
			sbuf_put(b, (const char *)p, n);
			p += n;
			continue;
		}
		for (size_t i = 0; i < (n ? n : 1); i++)
			sbuf_printf(b, "\\x%02x", p[i]);
		p += n ? n : 1;
	}
}

char *uc_escape(const char *s)
{
	struct sbuf b = { 0 };
	sbuf_put_escaped(&b, s);
	return sbuf_take(&b);
}
