/* probe.h - read the certificate a TLS server presents.
 *
 * One event loop (non-blocking sockets, poll(), OpenSSL on memory BIOs)
 * drives up to `concurrency` probes at once on the calling thread. Nothing
 * is verified: uccert reads certificates, it does not trust them, so weak
 * keys, old protocols and expired or self-signed chains are all accepted.
 *
 * Time: each probe gets timeout_s seconds from the moment it starts for name
 * resolution, TCP connect (every address in turn) and the TLS handshake
 * together, so a run blocks for at most about
 * ceil(n / concurrency) * timeout_s seconds. Host names (not IP literals) are
 * resolved with getaddrinfo() on a short-lived detached helper thread, one
 * per distinct name per run, so a hanging DNS server costs a probe its
 * timeout and no more; such a thread may outlive the run by the resolver's
 * own timeout and then frees what it holds. IP literals never block. (Only
 * if no thread can be started is a name resolved in place, unbounded.) */
#ifndef UCCERT_PROBE_H
#define UCCERT_PROBE_H

#include <stdbool.h>
#include <stddef.h>

#include "cert.h"

struct uc_probe_target {
	const char *host;	/* name or address (IPv4/IPv6 literal, no brackets) */
	int port;
	/* Offer only ECDSA signature algorithms (and ECDHE-ECDSA suites for TLS
	 * 1.2), so a server holding RSA and ECDSA certificates presents the
	 * ECDSA one. Without it the offer puts RSA first and ECDSA last: a
	 * dual-certificate server presents the RSA one, an ECDSA-only server
	 * still answers. */
	bool ecdsa_only;
	/* Negotiate TLS inside an XMPP stream first (RFC 6120 STARTTLS), as IM
	 * and Presence does on 5222 (client connections) and 5269 (federation
	 * between servers). */
	enum uc_probe_starttls {
		UC_STARTTLS_NONE = 0,
		UC_STARTTLS_XMPP_CLIENT,	/* stream namespace jabber:client */
		UC_STARTTLS_XMPP_SERVER,	/* jabber:server */
	} starttls;
};

struct uc_probe_result {
	/* Never NULL after a run. The leaf certificate (ncerts == 1) whenever
	 * one was received, whatever the status: NOT_ECDSA keeps the RSA leaf a
	 * server returned anyway. Otherwise an error certfile (ncerts == 0,
	 * error == reason). path and name are NULL: the caller names it. */
	struct uc_certfile *file;
	enum uc_probe_status {
		UC_PROBE_OK = 0,	/* file holds the leaf */
		UC_PROBE_REFUSED,	/* every address refused the connection */
		UC_PROBE_TIMEOUT,	/* connect or handshake not done in time */
		UC_PROBE_RESOLVE,	/* name unknown, or resolution timed out */
		UC_PROBE_TLS_ALERT,	/* the server ended the handshake with an alert */
		UC_PROBE_RESET,		/* connection reset by peer */
		UC_PROBE_NO_CERT,	/* handshake done, no certificate (anonymous suite) */
		UC_PROBE_NOT_ECDSA,	/* ecdsa_only, and the server has no ECDSA certificate */
		UC_PROBE_ERROR,		/* anything else (EOF, not TLS, bad port...) */
	} status;
	/* One line, never NULL after a run: "TLSv1.3 TLS_AES_256_GCM_SHA384" on
	 * success, else why, e.g. "connection refused", "timed out after 5 s
	 * during TLS handshake", "TLS alert: handshake failure". A leaf received
	 * before the handshake failed (a server that requires a client
	 * certificate under TLS 1.2) is status OK with "certificate received,
	 * then TLS alert: handshake failure". */
	char *reason;
	double seconds;		/* from the probe's start to its result */
};

#define UC_PROBE_STATUS_MAX UC_PROBE_ERROR

/* Probe every target, at most `concurrency` at a time (values below 1 mean
 * 1), each bounded by timeout_s (below 1 means 1) for resolution, connect
 * and handshake together. out[i] receives the result for t[i]; out is
 * overwritten, not cleared first. Blocks the calling thread for at most
 * about ceil(n / concurrency) * timeout_s seconds. Thread-safe: no global
 * state, its own SSL_CTX per run. Descriptors: a socket per running probe,
 * and a socket pair per host name while it resolves; concurrency is capped
 * at 1024 and at half the RLIMIT_NOFILE headroom. SIGPIPE is never raised
 * (send() with MSG_NOSIGNAL) and no signal disposition is touched. */
void uc_probe_run(const struct uc_probe_target *t, size_t n, int timeout_s,
		  int concurrency, struct uc_probe_result *out);
void uc_probe_result_clear(struct uc_probe_result *r);

/* "ok", "refused", "timeout", "resolve", "tls-alert", "reset", "no-cert",
 * "not-ecdsa", "error". */
const char *uc_probe_status_name(enum uc_probe_status s);

#endif
