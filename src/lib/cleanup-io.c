/* cleanup-io.c - what every cleanup step is built from: the crash hook
 * the tests kill the process with, durable reads and writes, and a
 * cert_dir's unit directory reached without following links. */
#include <config.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "cleanup.h"
#include "cleanup-int.h"
#include "clock.h"
#include "log.h"
#include "util.h"

/* ---- the crash hook -------------------------------------------------- */

static unsigned long nsteps, crash_at;
static bool crash_read;

void cl_step(const char *what)
{
	if (!crash_read) {
		const char *e = getenv("UCCERT_TEST_CRASH_AT");
		crash_at = e ? strtoul(e, NULL, 10) : 0;
		crash_read = true;
	}
	nsteps++;
	if (crash_at && nsteps == crash_at) {
		uc_log(LOG_WARNING, "UCCERT_TEST_CRASH_AT=%lu: killing the process after step %lu (%s)",
		       crash_at, nsteps, what);
		raise(SIGKILL);
	}
}

unsigned long uc_cleanup_steps(void)
{
	return nsteps;
}

/* ---- small helpers --------------------------------------------------- */

void cl_set_str(char **dst, char *s)
{
	free(*dst);
	*dst = s;
}

void cl_now_rfc3339(char buf[32])
{
	uc_format_rfc3339((int64_t)time(NULL), buf);
}

const char *cl_errtext(int e)
{
	return e == ENOSPC ? "No space left on device (the quarantine is full)" : strerror(e);
}

void cl_sha256_hex(const unsigned char *d, char out[2 * UC_SHA256_LEN + 1])
{
	uc_sha256_hex(d, out);
}

/* The value of one hex digit, or -1. Not sscanf("%2x"): that reads up to
 * the string's NUL (a manifest line is not terminated) and takes a sign or
 * leading blanks as part of the number. */
int cl_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool cl_hex_to_sha(const char *s, unsigned char out[UC_SHA256_LEN])
{
	if (!s || strlen(s) != 2 * UC_SHA256_LEN)
		return false;
	for (size_t i = 0; i < UC_SHA256_LEN; i++) {
		int hi = cl_hexval((unsigned char)s[2 * i]), lo = cl_hexval((unsigned char)s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}

/* Read all of fd (at most max bytes). -1 with errno on error; EFBIG if larger. */
int cl_read_all(int fd, size_t max, unsigned char **out, size_t *len)
{
	size_t cap = 8192, n = 0;
	unsigned char *buf = xmalloc(cap);

	for (;;) {
		if (n == cap) {
			if (n > max) {
				free(buf);
				errno = EFBIG;
				return -1;
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			buf = xreallocarray(buf, cap, 1);
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(buf);
			errno = e;
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max) {
		free(buf);
		errno = EFBIG;
		return -1;
	}
	*out = buf;
	*len = n;
	return 0;
}

int cl_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* SHA-256 of the regular file name in dirfd (no symlink followed). 0 on
 * success; st receives its attributes. */
int cl_hash_at(int dirfd, const char *name, unsigned char sha[UC_SHA256_LEN],
	       struct stat *st)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	unsigned char *buf;
	size_t len;

	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		int e = errno;
		if (e == 0 || S_ISDIR(st->st_mode) || !S_ISREG(st->st_mode))
			e = EINVAL;
		close(fd);
		errno = e;
		return -1;
	}
	if (cl_read_all(fd, MAX_MANIFEST, &buf, &len) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	SHA256(buf, len, sha);
	free(buf);
	return 0;
}

int cl_fsync_fd(int fd, const char *what)
{
	if (fsync(fd) < 0)
		return -1;
	cl_step(what);
	return 0;
}

/* rename(2) that never replaces an existing file. */
int cl_rename_noreplace(int ofd, const char *o, int nfd, const char *n)
{
#ifdef RENAME_NOREPLACE
	if (renameat2(ofd, o, nfd, n, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
#endif
	/* link(2) refuses an existing name; a crash between the two calls
	 * leaves both names on one inode, which recovery handles. */
	if (linkat(ofd, o, nfd, n, 0) < 0)
		return -1;
	cl_step("link");
	if (unlinkat(ofd, o, 0) < 0) {
		int e = errno;
		if (unlinkat(nfd, n, 0) == 0)
			cl_step("unlink");
		errno = e;
		return -1;
	}
	return 0;
}

bool cl_is_root(void)
{
	return geteuid() == 0;
}


/* ---- a cert_dir and one unit directory in it, reached without links -- */

void cl_src_close(struct src *s)
{
	if (s->unitfd >= 0)
		close(s->unitfd);
	if (s->cdfd >= 0)
		close(s->cdfd);
	s->cdfd = s->unitfd = -1;
}

/* Open an absolute directory one component at a time, following no symbolic
 * link on the way: a cert_dir recorded as a realpath must still be reached
 * without one. */
static int open_dir_nofollow(const char *path)
{
	if (path[0] != '/') {
		errno = EINVAL;
		return -1;
	}
	int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char *copy = xstrdup(path), *save = NULL;
	for (char *c = strtok_r(copy, "/", &save); c && fd >= 0; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0 || strcmp(c, "..") == 0) {
			close(fd);
			fd = -1;
			errno = EINVAL;
			break;
		}
		int next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int e = errno;
		close(fd);
		fd = next;
		errno = e;
	}
	free(copy);
	return fd;
}

int cl_src_open(const char *cert_dir, const char *unit_dir, struct src *s)
{
	s->cdfd = s->unitfd = -1;
	if ((s->cdfd = open_dir_nofollow(cert_dir)) < 0)
		return -1;
	if ((s->unitfd = openat(s->cdfd, unit_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		int e = errno;
		cl_src_close(s);
		errno = e;
		return -1;
	}
	return 0;
}
