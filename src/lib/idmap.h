/* idmap.h - stable row numbers for certificates, kept across restarts.
 *
 * NMS tools key their history on a row's index: a certificate must keep its
 * number for as long as it exists, and a number is never given to another
 * certificate. The map is a small text file written atomically. */
#ifndef UCCERT_IDMAP_H
#define UCCERT_IDMAP_H

#include <stdbool.h>
#include <stdint.h>

struct uc_idmap;

/* Load path (a missing file is an empty map; a corrupt one is moved aside
 * as path.corrupt with a warning). path NULL: memory only. */
struct uc_idmap *uc_idmap_open(const char *path);
void uc_idmap_free(struct uc_idmap *m);
/* The number for key, assigning the next unused one for a new key. */
uint32_t uc_idmap_get(struct uc_idmap *m, const char *key, int64_t now);
/* Forget keys not seen since `before`; their numbers stay retired. */
void uc_idmap_expire(struct uc_idmap *m, int64_t before);
/* Write if anything changed; false (and a logged error) on failure. */
bool uc_idmap_save(struct uc_idmap *m);

#endif
