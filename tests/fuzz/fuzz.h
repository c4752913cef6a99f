/* fuzz.h - what every libFuzzer target of uccert shares.
 *
 * Each target is one file defining LLVMFuzzerTestOneInput; tests/fuzz/fuzz.sh
 * builds it with -fsanitize=fuzzer,address,undefined against the library's
 * sources compiled the same way. */
#ifndef UCCERT_FUZZ_H
#define UCCERT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A property the parser promises was broken: report it as a crash. */
#define FUZZ_ASSERT(cond)                                                         \
	do {                                                                      \
		if (!(cond)) {                                                    \
			fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, \
				__LINE__, #cond);                                 \
			abort();                                                  \
		}                                                                 \
	} while (0)

/* The input copied so that its last byte is the last one before an
 * inaccessible page. AddressSanitizer sees over-reads by our code; this also
 * catches those made inside uninstrumented libraries (libc's scanf family,
 * json-c, libconfig), which then fault. Inputs larger than the area are
 * returned as they are. */
static inline const unsigned char *fuzz_guarded(const uint8_t *data, size_t size)
{
	static unsigned char *area;
	static size_t area_len;

	if (!area) {
		size_t page = (size_t)sysconf(_SC_PAGESIZE);
		area_len = 256 * page;
		void *m = mmap(NULL, area_len + page, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED || mprotect((unsigned char *)m + area_len, page, PROT_NONE) != 0)
			abort();
		area = m;
	}
	if (size > area_len)
		return data;
	if (size)
		memcpy(area + area_len - size, data, size);
	return area + area_len - size;
}

/* Whether s is valid UTF-8 (RFC 3629: no overlong forms, no surrogates). */
static inline int fuzz_utf8_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned c = *p, n, cp;
		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, cp = c & 0x07;
		else
			return 0;
		for (unsigned i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return 0;
		p += n + 1;
	}
	return 1;
}

/* Library messages are expected for hostile input. They are formatted and
 * escaped as usual, then checked (no control byte reaches a log) and
 * dropped. */
static inline void fuzz_log(int priority, const char *msg)
{
	(void)priority;
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
		FUZZ_ASSERT(*p >= 0x20 && *p != 0x7f);
		FUZZ_ASSERT(!(p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f));	/* C1 */
	}
	FUZZ_ASSERT(fuzz_utf8_ok(msg));
}

static inline void fuzz_quiet(void)
{
	uc_log_set_level(LOG_DEBUG);
	uc_log_set_handler(fuzz_log);
}

#endif
