/* creds.c - read a "user:password" credentials file (see creds.h). */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "creds.h"
#include "util.h"

void uc_creds_wipe(struct uc_creds *c)
{
	OPENSSL_cleanse(c, sizeof *c);
}

/* Whether this process is in group gid (effective, real or supplementary). */
static bool in_group(gid_t gid)
{
	gid_t groups[256];
	int n = getgroups(sizeof groups / sizeof groups[0], groups);

	if (getegid() == gid || getgid() == gid)
		return true;
	for (int i = 0; i < n; i++)
		if (groups[i] == gid)
			return true;
	return false;
}

/* The owner-only rule, or with a shared group: mode 0640 at most, group
 * owner that group, readable by this process as owner or group member.
 * Never world-readable. NULL when the file may be used, else why not. */
static char *mode_error(const char *path, const struct stat *st, const char *group)
{
	uid_t me = geteuid();
	struct group grbuf, *gr = NULL;
	char buf[4096];

	/* sources are read on several threads: the reentrant lookup */
	if (group && getgrnam_r(group, &grbuf, buf, sizeof buf, &gr) != 0)
		gr = NULL;
	if (group && !gr)
		return xasprintf("credentials file %s: credentials_group \"%s\" does not exist", path,
				 group);
	if (!gr) {
		if (st->st_uid != me)
			return xasprintf("credentials file %s: owned by uid %ju, must be 0600 or stricter and owned by uid %ju",
					 path, (uintmax_t)st->st_uid, (uintmax_t)me);
		if (st->st_mode & 077)
			return xasprintf("credentials file %s: mode %04o, must be 0600 or stricter and owned by uid %ju",
					 path, (unsigned)(st->st_mode & 07777), (uintmax_t)me);
		return NULL;
	}
	if ((st->st_mode & 037) || ((st->st_mode & 040) && st->st_gid != gr->gr_gid))
		return xasprintf("credentials file %s: mode %04o group %ju, must be 0640 or stricter with group %s (credentials_group), never world-readable",
				 path, (unsigned)(st->st_mode & 07777), (uintmax_t)st->st_gid, group);
	if (st->st_uid != me && !(st->st_gid == gr->gr_gid && (st->st_mode & 040) && in_group(gr->gr_gid)))
		return xasprintf("credentials file %s: owned by uid %ju, must be owned by uid %ju or readable through group %s, of which this process is a member",
				 path, (uintmax_t)st->st_uid, (uintmax_t)me, group);
	return NULL;
}

/* Fill c from path, or return why not (malloc'd). Nothing of the file's
 * content ever goes into a message. */
char *uc_creds_read(const char *path, const char *group, struct uc_creds *c)
{
	struct stat st;
	ssize_t n;
	size_t len = 0;

	if (!path || !*path)
		return xstrdup("no credentials file configured");
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ELOOP)
			return xasprintf("credentials file %s: is a symbolic link (name the file itself)",
					 path);
		return xasprintf("credentials file %s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return xasprintf("credentials file %s: %s", path, strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return xasprintf("credentials file %s: not a regular file", path);
	}
	char *why = mode_error(path, &st, group);
	if (why) {
		close(fd);
		return why;
	}
	while (len < UC_CRED_MAX) {
		n = read(fd, c->buf + len, UC_CRED_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			return xasprintf("credentials file %s: %s", path, strerror(e));
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	/* one more byte tells a full buffer from a longer file */
	char extra;
	n = len == UC_CRED_MAX ? read(fd, &extra, 1) : 0;
	close(fd);
	if (n > 0)
		return xasprintf("credentials file %s: larger than %d bytes, expected one line \"user:password\"",
				 path, UC_CRED_MAX);
	c->buf[len] = '\0';

	char *line = c->buf, *nl = memchr(line, '\n', len);
	size_t linelen = nl ? (size_t)(nl - line) : len;
	for (size_t i = linelen; i < len; i++)
		if (!isspace((unsigned char)c->buf[i]))
			return xasprintf("credentials file %s: more than one line, expected one line \"user:password\"",
					 path);
	if (linelen > 0 && line[linelen - 1] == '\r')
		linelen--;
	line[linelen] = '\0';
	if (strlen(line) != linelen)
		return xasprintf("credentials file %s: contains a NUL byte", path);
	char *colon = strchr(line, ':');
	if (!colon)
		return xasprintf("credentials file %s: no ':' on the line, expected \"user:password\"",
				 path);
	*colon = '\0';
	if (!*line)
		return xasprintf("credentials file %s: empty user name, expected \"user:password\"", path);
	if (!colon[1])
		return xasprintf("credentials file %s: empty password, expected \"user:password\"", path);
	c->user = line;
	c->password = colon + 1;
	return NULL;
}

