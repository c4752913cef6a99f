/* jsonw.h - a minimal streaming JSON writer (output only). */
#ifndef UCCERT_JSONW_H
#define UCCERT_JSONW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct jsonw {
	FILE *out;
	int depth;
	bool need_comma[32];
	bool after_key;
	bool pretty;
};

void jw_init(struct jsonw *w, FILE *out, bool pretty);
void jw_begin_object(struct jsonw *w);
void jw_end_object(struct jsonw *w);
void jw_begin_array(struct jsonw *w);
void jw_end_array(struct jsonw *w);
void jw_key(struct jsonw *w, const char *key);
void jw_string(struct jsonw *w, const char *s);	/* NULL writes null */
void jw_int(struct jsonw *w, int64_t v);
void jw_bool(struct jsonw *w, bool v);
void jw_null(struct jsonw *w);
/* key + value shorthands */
void jw_kstring(struct jsonw *w, const char *key, const char *s);
void jw_kint(struct jsonw *w, const char *key, int64_t v);
void jw_kbool(struct jsonw *w, const char *key, bool v);
void jw_finish(struct jsonw *w);	/* trailing newline */

#endif
