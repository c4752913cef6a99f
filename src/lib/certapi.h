/* certapi.h - read a node's certificates through the CUCM 14+ Certificate
 * Management REST API (GET /platformcom/api/v1/certmgr/config/snapshot/server).
 *
 * One fetch returns every identity ("own") certificate and every trust-store
 * file the platform lists, each decoded into a struct uc_certfile, so the
 * scanner can classify them exactly like files read from a cert_dir.
 *
 * Process setup: libcurl is loaded (dlopen) and initialised the first time
 * uc_api_fetch() runs, so programs that read no certificate API never map
 * it. uc_api_global_init() does it now instead; it is safe from any thread
 * (libcurl's initialisation runs once, under pthread_once; with OpenSSL 3
 * it touches no state other threads use). uc_api_global_cleanup() at exit
 * is optional (leak checkers like it).
 *
 * Security:
 * - HTTPS only; the server certificate and host name are verified unless
 *   `insecure` (then every fetch logs a warning). `ca_file` replaces the
 *   system CA bundle.
 * - The credentials file holds "user:password" on one line (a trailing
 *   newline is fine). It must be a regular file owned by the effective uid
 *   with no group or other permission bits (0600, 0400), or the fetch is
 *   refused. The password goes to libcurl as an option (never into a URL,
 *   a log line, an error or argv) and our copy is wiped after the request.
 * - No redirects are followed, no proxy is used (environment proxies are
 *   ignored: the credentials go to the configured host only), responses
 *   larger than UC_API_MAX_RESPONSE are refused.
 *
 * What the JSON may hold, and what happens:
 * - not an object, or "identities"/"trusts" present but not arrays, or
 *   neither present: the fetch fails with the reason;
 * - an element that cannot be named (not an object, "service" or "filename"
 *   missing, not a string, empty, or not a safe name) or that carries no
 *   certificate (missing, null, empty, not a string): skipped, with a
 *   LOG_WARNING naming it; nskipped counts them;
 * - a certificate string that does not decode: a row with an error certfile
 *   ("PEM does not parse: ..."), so the operator sees an unreadable row. */
#ifndef UCCERT_CERTAPI_H
#define UCCERT_CERTAPI_H

#include <stdbool.h>
#include <stddef.h>

#include "cert.h"

/* The API path appended to uc_api_source.url. */
#define UC_API_SNAPSHOT_PATH "/platformcom/api/v1/certmgr/config/snapshot/server"
/* Largest response body accepted (a snapshot of a busy node is ~1 MiB). */
#define UC_API_MAX_RESPONSE (16u * 1024u * 1024u)
/* Used when uc_api_source.timeout_s <= 0. */
#define UC_API_DEFAULT_TIMEOUT 30

/* One certificate file the platform lists. */
struct uc_api_cert {
	/* Unit in the catalog's spelling when the catalog knows it (identity
	 * "tomcat" -> "tomcat"; trust service "tomcat" -> "tomcat-trust"),
	 * else as the API spells it (trusts get "-trust" appended). */
	char *unit;
	bool trust;
	/* Trusts: the platform's file name, the argument `set cert delete
	 * <unit> <file>` needs. Identities: "<unit>.pem". */
	char *filename;
	/* Decoded (ncerts >= 1) or an error certfile; path and name are left
	 * NULL for the caller to set. The result holds one reference. */
	struct uc_certfile *file;
};

struct uc_api_result {
	struct uc_api_cert *certs;	/* identities first, in API order */
	size_t ncerts;
	size_t nskipped;	/* elements skipped (each logged) */
	/* NULL on success; else one line saying why, without the URL, e.g.
	 * "HTTP 401 Unauthorized (check the credentials in /etc/x)",
	 * "connection refused (127.0.0.1 port 8443)", "timed out after 30 s",
	 * "TLS: certificate verify failed (unable to get local issuer certificate)",
	 * "malformed JSON at offset 12: unexpected character". */
	char *error;
};

struct uc_api_source {
	const char *url;	/* "https://host[:port]", trailing '/' allowed */
	const char *credentials_file;
	const char *credentials_group;	/* may read it too (mode 0640, this
					 * group); NULL: owner only (0600) */
	const char *ca_file;	/* NULL: the system CA bundle */
	bool insecure;		/* skip TLS verification (warned at every fetch) */
	int timeout_s;		/* connect and whole-transfer limit; <= 0: default */
};

/* Once per process, before threads. Returns 0, or -1 (logged). */
int uc_api_global_init(void);
void uc_api_global_cleanup(void);

/* Fetch and decode the snapshot of one node. *out is overwritten (it need
 * not be initialised). Returns 0, or -1 with out->error set and no certs. */
int uc_api_fetch(const struct uc_api_source *src, struct uc_api_result *out);
/* Decode a response body (len bytes; Content-Type content_type, NULL when
 * none) as uc_api_fetch() does after a 200; base names the source in
 * warnings. Same result and return value as uc_api_fetch(). */
int uc_api_parse(const char *body, size_t len, const char *content_type, const char *base,
		 struct uc_api_result *out);
/* Free what a fetch produced; r may be reused afterwards. */
void uc_api_result_clear(struct uc_api_result *r);

#endif
