/* util.h - allocation that cannot fail quietly, growing strings. */
#ifndef UCCERT_UTIL_H
#define UCCERT_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* The valid UTF-8 sequence at p (before end): its length 1-4 and *cp, or 0
 * when the bytes are not valid UTF-8 (overlong, surrogate, truncated...). */
size_t uc_utf8_decode(const unsigned char *p, const unsigned char *end, uint32_t *cp);

/* A growing byte buffer, always NUL-terminated. */
struct sbuf {
	char *s;
	size_t len, cap;
};
void sbuf_reserve(struct sbuf *b, size_t more);	/* room for more bytes */
void sbuf_putc(struct sbuf *b, char c);
void sbuf_put(struct sbuf *b, const char *s, size_t n);
void sbuf_puts(struct sbuf *b, const char *s);
void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *sbuf_take(struct sbuf *b);	/* the string; b is reset */

/* Text for a terminal, a log or syslog: control bytes (C0, DEL, C1 raw or
 * UTF-8 encoded) and bytes that are not valid UTF-8 become "\x1b"-style
 * escapes; printable text, valid UTF-8 included, is kept. JSON output has its
 * own escaping (jsonw). */
void sbuf_put_escaped(struct sbuf *b, const char *s);
char *uc_escape(const char *s);	/* malloc'd */


/* A string-keyed hash map (open addressing); values are the caller's. */
struct strmap {
	struct strmap_slot {
		char *key;	/* NULL = empty */
		uint64_t hash;
		void *value;
	} *slots;
	size_t nslots, used;
};
uint64_t strmap_hash(const char *s);
/* The value for key, or NULL. */
void *strmap_get(const struct strmap *m, const char *key);
/* Insert or replace; the key is copied. */
void strmap_put(struct strmap *m, const char *key, void *value);
void strmap_free(struct strmap *m);	/* keys only; values are the caller's */
#define STRMAP_FOREACH(m, s) \
	for (struct strmap_slot *s = (m)->slots; s && s < (m)->slots + (m)->nslots; s++) \
		if (s->key)

#endif
