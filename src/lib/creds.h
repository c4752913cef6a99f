/* creds.h - the credentials file both live sources that log in read (the
 * certificate API and the platform CLI over SSH).
 *
 * One line "user:password" (a trailing newline or CRLF is fine). The file
 * must be a regular file, not a symbolic link, owned by the effective uid,
 * with no group or other permission bits (0600, 0400) -- or, with a
 * credentials_group, mode 0640 at most with that group, readable by this
 * process through it; never world-readable. Anything else is refused with
 * the reason. Nothing of the file's content ever goes into a
 * message, and the caller wipes the struct (uc_creds_wipe) when done. */
#ifndef UCCERT_CREDS_H
#define UCCERT_CREDS_H

/* Larger than any sane "user:password" line; bigger files are refused. */
#define UC_CRED_MAX 4096

struct uc_creds {
	char buf[UC_CRED_MAX + 1];
	const char *user, *password;	/* into buf */
};

/* Fill c from path, or return why not (malloc'd, names the path); group:
 * the credentials_group setting, or NULL. */
char *uc_creds_read(const char *path, const char *group, struct uc_creds *c);
/* Overwrite c so no copy of the password stays in memory. */
void uc_creds_wipe(struct uc_creds *c);

#endif
