/* jsonw.c - streaming JSON output with correct string escaping. */
#include <config.h>

#include <inttypes.h>
#include <string.h>

#include "jsonw.h"
#include "util.h"

void jw_init(struct jsonw *w, FILE *out, bool pretty)
{
	*w = (struct jsonw){ .out = out, .pretty = pretty };
}

static void indent(struct jsonw *w)
{
	if (!w->pretty)
		return;
	fputc('\n', w->out);
	for (int i = 0; i < w->depth; i++)
		fputs("  ", w->out);
}

/* Separator and indentation before a value or a key. */
static void before(struct jsonw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth > 0) {
		if (w->need_comma[w->depth])
			fputc(',', w->out);
		w->need_comma[w->depth] = true;
		indent(w);
	}
}

static void open_(struct jsonw *w, char c)
{
	before(w);
	fputc(c, w->out);
	if (w->depth < 31)
		w->depth++;
	w->need_comma[w->depth] = false;
}

static void close_(struct jsonw *w, char c)
{
	bool had = w->need_comma[w->depth];
	if (w->depth > 0)
		w->depth--;
	if (had)
		indent(w);
	fputc(c, w->out);
}

void jw_begin_object(struct jsonw *w) { open_(w, '{'); }
void jw_end_object(struct jsonw *w) { close_(w, '}'); }
void jw_begin_array(struct jsonw *w) { open_(w, '['); }
void jw_end_array(struct jsonw *w) { close_(w, ']'); }

/* Strings are written as valid UTF-8 JSON; a byte that is not part of valid
 * UTF-8 (a Latin-1 file name, say) is written as the code point of the same
 * number, so nothing is lost and the output stays parseable. */
static void put_string(FILE *out, const char *s)
{
	const unsigned char *end = (const unsigned char *)s + strlen(s);
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p >= 0x80) {
			uint32_t cp;
			size_t n = uc_utf8_decode(p, end, &cp);
			if (n == 0) {
				fprintf(out, "\\u%04x", *p);
			} else {
				fwrite(p, 1, n, out);
				p += n - 1;
			}
			continue;
		}
		switch (*p) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

void jw_key(struct jsonw *w, const char *key)
{
	before(w);
	put_string(w->out, key);
	fputs(w->pretty ? ": " : ":", w->out);
	w->after_key = true;
}

void jw_string(struct jsonw *w, const char *s)
{
	before(w);
	if (s)
		put_string(w->out, s);
	else
		fputs("null", w->out);
}

void jw_int(struct jsonw *w, int64_t v)
{
	before(w);
	fprintf(w->out, "%" PRId64, v);
}

void jw_bool(struct jsonw *w, bool v)
{
	before(w);
	fputs(v ? "true" : "false", w->out);
}

void jw_null(struct jsonw *w)
{
	before(w);
	fputs("null", w->out);
}

void jw_kstring(struct jsonw *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_string(w, s);
}

void jw_kint(struct jsonw *w, const char *key, int64_t v)
{
	jw_key(w, key);
	jw_int(w, v);
}

void jw_kbool(struct jsonw *w, const char *key, bool v)
{
	jw_key(w, key);
	jw_bool(w, v);
}

void jw_finish(struct jsonw *w)
{
	fputc('\n', w->out);
}
