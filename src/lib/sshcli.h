/* sshcli.h - read a node's certificate stores through the platform
 * administration CLI (the "admin:" shell every CUCM, IM and Presence and
 * Unity Connection release offers over SSH, port 22).
 *
 * The CLI is a menu shell, not an exec channel: one interactive session per
 * node with a PTY, commands typed at the "admin:" prompt, each answer read
 * until the prompt comes back. The commands, from the Command Line Interface
 * Reference Guide for Cisco Unified Communications Solutions:
 *
 *   show cert list own             12.5(1)SU3, "Show Commands", show cert list
 *   show cert list trust           12.5(1)SU3, "Show Commands", show cert list
 *   show cert own <unit>/<file>    12.5(1)SU3, "Show Commands", show cert own
 *   show cert trust <unit>/<file>  12.5(1)SU3, "Show Commands", show cert trust
 *
 * The syntax is as the project's domain notes quote that guide; the guide's
 * own text could not be consulted when this was written, so what an answer
 * looks like is UNCONFIRMED beyond what the notes say (show cert prints the
 * certificate, PEM included). A "show cert" answer without PEM armour
 * becomes an unreadable row naming the command, never a silent gap.
 *
 * What the answers are taken to hold, and no more: the lists name each file
 * as a "<unit>/<file>" token at the start of a line (what follows on the
 * line is free text); each "show cert" answer holds the certificate in PEM
 * armour. Lines of a list that hold no such token (blank lines, headers, a
 * pager's prompt) are returned in `unplaced` for the caller to log once at
 * debug level. Whether the CLI pages long answers over SSH is UNCONFIRMED
 * in Cisco's documents: the session asks for a PTY of UC_SSH_PTY_ROWS rows
 * so a pager that honours the terminal size has no reason to stop, and a
 * list that stops early leaves files out, never invents them.
 *
 * Security:
 * - The server's host key must be in the configured known_hosts file
 *   (OpenSSH format; "[host]:port" for a port other than 22). An unknown or
 *   different key refuses the node with its SHA-256 fingerprint in the
 *   error: never trust on first use. No ~/.ssh/config, no agent, no keys
 *   from ~/.ssh are used: the configured files only.
 * - The password comes from the credentials file (creds.h: "user:password",
 *   0600 rules); it goes to libssh for the login and nowhere else (no argv,
 *   no message), and our copy is wiped after the login.
 * - Every wait (connect and key exchange, login, each command's answer) ends
 *   at the timeout; answers larger than UC_SSH_MAX_ANSWER are refused.
 *
 * Thread use: sessions to different nodes may run in different threads at
 * once; nothing here logs (messages come back in the result). */
#ifndef UCCERT_SSHCLI_H
#define UCCERT_SSHCLI_H

#include <stdbool.h>
#include <stddef.h>

#include "cert.h"

#define UC_SSH_DEFAULT_PORT 22
#define UC_SSH_DEFAULT_TIMEOUT 30
/* Largest answer to one command (a trust store list of a busy node is a
 * few KiB, one certificate's answer a few more). */
#define UC_SSH_MAX_ANSWER (4u * 1024u * 1024u)
#define UC_SSH_PTY_COLS 400
#define UC_SSH_PTY_ROWS 10000
/* The prompt the platform CLI shows when it waits for a command. */
#define UC_SSH_PROMPT "admin:"

struct uc_ssh_source {
	const char *host;
	int port;		/* <= 0: 22 */
	const char *user;	/* must equal the credentials file's user */
	const char *credentials_file;
	const char *known_hosts;
	int timeout_s;		/* each wait; <= 0: UC_SSH_DEFAULT_TIMEOUT */
	const char *credentials_group;	/* may read the file too; NULL: none */
};

/* One certificate file a store list names. */
struct uc_ssh_cert {
	char *unit;	/* catalog spelling when the catalog knows the unit */
	bool trust;	/* from `show cert list trust` */
	char *filename;	/* the platform's name: `set cert delete <unit> <file>` */
	/* Decoded (ncerts >= 1) or an error certfile ("no certificate in the
	 * answer to ..."); path and name are left for the caller. */
	struct uc_certfile *file;
};

struct uc_ssh_result {
	struct uc_ssh_cert *certs;	/* own list first, then trust, as listed */
	size_t ncerts;
	char **unplaced;	/* list lines holding no <unit>/<file>, escaped */
	size_t nunplaced;
	/* NULL on success; else one line saying why, e.g.
	 * "host key of 127.0.0.1 port 2222 does not match known_hosts /etc/x
	 *  (server's key SHA256:...): refused",
	 * "login refused for user admin (check the credentials in /etc/x)",
	 * "timed out after 30 s (waiting for the answer to show cert list trust)" */
	char *error;
};

/* "ssh://user@host" or "ssh://user@host:port" when the port is not 22
 * ("[v6]:port" for an IPv6 address). malloc'd. */
char *uc_ssh_location(const struct uc_ssh_source *src);

/* Read every store of one node. *out is overwritten. Returns 0, or -1 with
 * out->error set and no certs. */
int uc_ssh_fetch(const struct uc_ssh_source *src, struct uc_ssh_result *out);
void uc_ssh_result_clear(struct uc_ssh_result *r);

/* ---- one session, for callers that type their own commands ------------- */

struct uc_ssh_session;

/* Connect, check the host key, log in, open the PTY shell and wait for the
 * first prompt. NULL with *err (malloc'd) set on failure. */
struct uc_ssh_session *uc_ssh_open(const struct uc_ssh_source *src, char **err);
/* Type cmd and return its answer (malloc'd, CR removed, the echoed command
 * line and the closing prompt taken off), or NULL with *err set. After a
 * failure the session is unusable: close it. */
char *uc_ssh_command(struct uc_ssh_session *s, const char *cmd, char **err);
void uc_ssh_close(struct uc_ssh_session *s);

/* The "<unit>/<file>" tokens of a list answer. */
struct uc_ssh_entry {
	char *unit, *filename;
};
/* Parse a list answer: entries in order; lines that hold no token go to
 * *unplaced (escaped) unless blank. */
void uc_ssh_parse_list(const char *answer, struct uc_ssh_entry **entries, size_t *n,
		       char ***unplaced, size_t *nunplaced);
/* The PEM blocks of an answer, concatenated (malloc'd), or NULL. */
char *uc_ssh_pem_blocks(const char *answer, size_t *len);

#endif
