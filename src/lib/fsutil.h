/* fsutil.h - durable file replacement. */
#ifndef UCCERT_FSUTIL_H
#define UCCERT_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>

/* Replace path with data: write a temporary file beside it, fsync, rename
 * over path, fsync the directory. On failure errno is set and path is
 * untouched. */
bool uc_write_atomic(const char *path, const void *data, size_t len, int mode);
/* mkdir -p with the given mode for the directories it creates. */
bool uc_mkdirs(const char *path, int mode);

#endif
