/* probe.c - TLS probes: one poll() loop over non-blocking sockets.
 *
 * OpenSSL runs on memory BIOs and every byte goes through our own send() and
 * recv(): MSG_NOSIGNAL keeps SIGPIPE away without touching the process's
 * signal state, and the socket's own errors (reset, EOF) are ours to report
 * precisely instead of being folded into an OpenSSL error code. */
#include <config.h>

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "probe.h"
#include "util.h"

/* Without ecdsa_only: RSA first, so that a server holding both presents
 * the RSA certificate, then everything else a server might hold. Anonymous
 * suites come last: a server that offers nothing else yields NO_CERT rather
 * than a handshake failure. */
#define PLAIN_CIPHERS "aRSA:ALL:!eNULL:!PSK:!SRP:+aNULL:@SECLEVEL=0"
#define PLAIN_SIGALGS "RSA-PSS+SHA256:RSA-PSS+SHA384:RSA-PSS+SHA512:" \
	"rsa_pss_pss_sha256:rsa_pss_pss_sha384:rsa_pss_pss_sha512:" \
	"RSA+SHA256:RSA+SHA384:RSA+SHA512:" \
	"ECDSA+SHA256:ECDSA+SHA384:ECDSA+SHA512:ed25519:ed448:" \
	"RSA+SHA224:ECDSA+SHA224:RSA+SHA1:ECDSA+SHA1"
#define ECDSA_CIPHERS "ECDHE+aECDSA:@SECLEVEL=0"
#define ECDSA_SIGALGS "ECDSA+SHA256:ECDSA+SHA384:ECDSA+SHA512"

/* Most concurrent probes, whatever the caller asks: each holds a socket and
 * possibly a pipe end, and the descriptor limit must leave the caller room. */
#define MAX_SLOTS 1024
#define FD_RESERVE 64

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* strerror() and gai_strerror() capitalise; reasons are lowercase. */
static char *lowercase_first(char *s)
{
	if (s[0] >= 'A' && s[0] <= 'Z' && !(s[1] >= 'A' && s[1] <= 'Z'))
		s[0] = (char)(s[0] - 'A' + 'a');
	return s;
}

static char *errno_text(int e)
{
	return lowercase_first(xstrdup(strerror(e)));
}

/* ---- name resolution ----------------------------------------------------
 *
 * One resolver per distinct host per run. IP literals are converted on the
 * spot (AI_NUMERICHOST never blocks). Names go to a detached thread, since
 * getaddrinfo() has no timeout of its own; the thread signals completion on
 * a socket pair the event loop polls. The run and the thread each hold a
 * reference, so a run that gives up waiting simply drops its own. Each side
 * closes its own end: the thread right after signalling (MSG_NOSIGNAL: the
 * run may be gone), the run as soon as no probe waits on a finished one. */

struct resolver {
	pthread_mutex_t lock;
	unsigned refs;
	bool done;
	bool literal;
	int rc;			/* getaddrinfo()'s */
	int sys_errno;		/* for EAI_SYSTEM */
	struct addrinfo *res;
	int fds[2];		/* [0] the run's, [1] the thread's: one byte when done */
	unsigned waiting;	/* probes polling fds[0]; the run's thread only */
	char host[];
};

static void resolver_unref(struct resolver *r)
{
	pthread_mutex_lock(&r->lock);
	bool last = --r->refs == 0;
	pthread_mutex_unlock(&r->lock);
	if (!last)
		return;
	if (r->res)
		freeaddrinfo(r->res);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static const struct addrinfo RESOLVE_HINTS = {
	.ai_family = AF_UNSPEC,
	.ai_socktype = SOCK_STREAM,
	.ai_protocol = IPPROTO_TCP,
};

static void *resolver_main(void *arg)
{
	struct resolver *r = arg;
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(r->host, NULL, &RESOLVE_HINTS, &res);
	int e = errno;

	pthread_mutex_lock(&r->lock);
	r->rc = rc;
	r->sys_errno = e;
	r->res = rc == 0 ? res : NULL;
	r->done = true;
	pthread_mutex_unlock(&r->lock);
	ssize_t w;
	do
		w = send(r->fds[1], "", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (w < 0 && errno == EINTR);
	close(r->fds[1]);
	resolver_unref(r);
	return NULL;
}

/* Start resolving host; the result is ready when resolver_done(). */
static struct resolver *resolver_new(const char *host)
{
	size_t len = strlen(host);
	struct resolver *r = xcalloc(1, sizeof *r + len + 1);
	memcpy(r->host, host, len + 1);
	r->refs = 1;
	r->fds[0] = r->fds[1] = -1;
	pthread_mutex_init(&r->lock, NULL);

	struct addrinfo hints = RESOLVE_HINTS;
	hints.ai_flags = AI_NUMERICHOST;
	r->rc = getaddrinfo(host, NULL, &hints, &r->res);
	if (r->rc != EAI_NONAME) {
		r->literal = r->rc == 0;
		r->sys_errno = errno;
		r->done = true;
		return r;
	}
	r->res = NULL;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, r->fds) == 0) {
		/* the helper takes no signal meant for the caller's threads */
		sigset_t all, old;
		pthread_attr_t attr;
		pthread_t th;
		sigfillset(&all);
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		r->refs = 2;
		pthread_sigmask(SIG_SETMASK, &all, &old);
		int e = pthread_create(&th, &attr, resolver_main, r);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		pthread_attr_destroy(&attr);
		if (e == 0)
			return r;
		r->refs = 1;
		close(r->fds[0]);
		close(r->fds[1]);
		r->fds[0] = r->fds[1] = -1;
	}
	/* no thread to be had: resolve here, without a time bound */
	r->rc = getaddrinfo(host, NULL, &RESOLVE_HINTS, &r->res);
	r->sys_errno = errno;
	if (r->rc != 0)
		r->res = NULL;
	r->done = true;
	return r;
}

static bool resolver_done(struct resolver *r)
{
	pthread_mutex_lock(&r->lock);
	bool done = r->done;
	pthread_mutex_unlock(&r->lock);
	return done;
}

/* The run is done with r. */
static void resolver_release(struct resolver *r)
{
	if (r->fds[0] >= 0)
		close(r->fds[0]);
	resolver_unref(r);
}

/* ---- one probe ----------------------------------------------------------- */

enum stage { ST_IDLE = 0, ST_RESOLVE, ST_CONNECT, ST_STARTTLS, ST_HANDSHAKE };

/* The clear-text part of an XMPP STARTTLS exchange. */
#define XMPP_BUF 8192
struct xmpp {
	char *out;		/* what is left to send */
	size_t outlen;
	char in[XMPP_BUF + 1];	/* what the server said in this phase */
	size_t inlen;
	bool asked;		/* <starttls/> sent: waiting for <proceed/> */
};

struct probe {
	enum stage stage;
	const struct uc_probe_target *t;
	struct uc_probe_result *out;
	struct resolver *r;		/* the run's; results stay valid for the run */
	const struct addrinfo *ai;	/* next address to try */
	unsigned naddrs;		/* addresses tried */
	int conn_errno;			/* why the last address failed */
	int fd;
	short events;
	SSL *ssl;
	BIO *rbio, *wbio;		/* owned by ssl */
	int io_errno;			/* send()/recv() failure during the handshake */
	bool eof;			/* the server closed its side */
	int alert;			/* last alert received (level << 8 | desc), -1 none */
	double start, deadline;
	struct xmpp *xmpp;		/* during ST_STARTTLS */
};

struct run {
	int timeout_s;
	SSL_CTX *ctx[2];		/* [ecdsa_only] */
	char *ctx_error[2];
	struct strmap resolvers;	/* host -> struct resolver */
};

static void xmpp_free(struct probe *p)
{
	if (p->xmpp) {
		free(p->xmpp->out);
		free(p->xmpp);
		p->xmpp = NULL;
	}
}

static void probe_close(struct probe *p)
{
	xmpp_free(p);
	if (p->ssl)
		SSL_free(p->ssl);
	if (p->fd >= 0)
		close(p->fd);
	*p = (struct probe){ .stage = ST_IDLE, .fd = -1 };
}

/* Record the result (file NULL: an error certfile carrying why) and free the
 * slot. Takes ownership of why and file. */
static void set_result(struct probe *p, enum uc_probe_status st, char *why,
		       struct uc_certfile *file)
{
	struct uc_probe_result *o = p->out;
	o->status = st;
	o->reason = why;
	o->file = file ? file : uc_certfile_error("%s", why);
	o->seconds = now_s() - p->start;
	probe_close(p);
}

/* A leaf is in hand: decode it. after: why the handshake then failed, or
 * NULL when it completed. */
static void finish_leaf(struct probe *p, X509 *x, const char *after)
{
	unsigned char *der = NULL;
	int len = i2d_X509(x, &der);
	if (len <= 0) {
		ERR_clear_error();
		set_result(p, UC_PROBE_ERROR, xstrdup("cannot encode the server's certificate"), NULL);
		return;
	}
	struct uc_certfile *f = uc_certfile_parse(der, (size_t)len);
	OPENSSL_free(der);
	if (f->ncerts == 0) {
		char *why = xasprintf("cannot decode the server's certificate: %s", f->error);
		uc_certfile_unref(f);
		set_result(p, UC_PROBE_ERROR, why, NULL);
		return;
	}
	const char *alg = f->certs[0].key_alg;
	if (p->t->ecdsa_only && strcmp(alg, "EC") != 0) {
		set_result(p, UC_PROBE_NOT_ECDSA,
			   xasprintf("server presented its %s certificate although only ECDSA was offered",
				     alg), f);
		return;
	}
	char *why = after ? xasprintf("certificate received, then %s", after)
			  : xasprintf("%s %s", SSL_get_version(p->ssl), SSL_get_cipher_name(p->ssl));
	set_result(p, UC_PROBE_OK, why, f);
}

/* The probe failed; a leaf received before the failure still wins. */
static void fail(struct probe *p, enum uc_probe_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail(struct probe *p, enum uc_probe_status st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *why = xvasprintf(fmt, ap);
	va_end(ap);
	X509 *x = p->ssl ? SSL_get0_peer_certificate(p->ssl) : NULL;
	if (x) {
		finish_leaf(p, x, why);
		free(why);
		return;
	}
	set_result(p, st, why, NULL);
}

static void fail_errno(struct probe *p, int e, const char *suffix)
{
	enum uc_probe_status st = e == ECONNREFUSED ? UC_PROBE_REFUSED
				: e == ECONNRESET ? UC_PROBE_RESET
				: e == ETIMEDOUT ? UC_PROBE_TIMEOUT
				: UC_PROBE_ERROR;
	/* EPIPE: the peer is gone; strerror()'s "broken pipe" says less */
	char *text = e == EPIPE ? xstrdup("connection closed by peer") : errno_text(e);
	fail(p, st, "%s%s", text, suffix);
	free(text);
}

static void info_callback(const SSL *ssl, int where, int ret)
{
	if ((where & SSL_CB_ALERT) && (where & SSL_CB_READ)) {
		struct probe *p = SSL_get_app_data(ssl);
		p->alert = ret;
	}
}

static SSL_CTX *ctx_new(bool ecdsa)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx)
		return NULL;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	/* we read, not trust: old protocols, weak keys and SHA-1 are fine, and
	 * the system-wide MinProtocol (TLSv1.2 on Debian) does not apply */
	SSL_CTX_set_security_level(ctx, 0);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_COMPRESSION |
			    SSL_OP_LEGACY_SERVER_CONNECT);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION) ||
	    !SSL_CTX_set_max_proto_version(ctx, 0) ||
	    !SSL_CTX_set_cipher_list(ctx, ecdsa ? ECDSA_CIPHERS : PLAIN_CIPHERS) ||
	    !SSL_CTX_set1_sigalgs_list(ctx, ecdsa ? ECDSA_SIGALGS : PLAIN_SIGALGS)) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static SSL_CTX *run_ctx(struct run *run, bool ecdsa, const char **why)
{
	if (!run->ctx[ecdsa] && !run->ctx_error[ecdsa]) {
		ERR_clear_error();
		run->ctx[ecdsa] = ctx_new(ecdsa);
		if (!run->ctx[ecdsa]) {
			unsigned long e = ERR_peek_last_error();
			const char *s = e ? ERR_reason_error_string(e) : NULL;
			run->ctx_error[ecdsa] = xstrdup(s ? s : "unknown error");
			ERR_clear_error();
		}
	}
	*why = run->ctx_error[ecdsa];
	return run->ctx[ecdsa];
}

/* Send what OpenSSL queued in wbio. False on a socket error (io_errno). */
static bool flush(struct probe *p)
{
	char *data;
	long len;
	while ((len = BIO_get_mem_data(p->wbio, &data)) > 0) {
		ssize_t w = send(p->fd, data, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return true;
			p->io_errno = errno;
			return false;
		}
		char sink[4096];
		for (ssize_t left = w; left > 0;) {
			int chunk = left > (ssize_t)sizeof sink ? (int)sizeof sink : (int)left;
			int got = BIO_read(p->wbio, sink, chunk);
			if (got <= 0)
				break;
			left -= got;
		}
	}
	return true;
}

static void receive(struct probe *p)
{
	unsigned char buf[16384];
	ssize_t r;
	do
		r = recv(p->fd, buf, sizeof buf, MSG_DONTWAIT);
	while (r < 0 && errno == EINTR);
	if (r > 0) {
		BIO_write(p->rbio, buf, (int)r);
	} else if (r == 0) {
		p->eof = true;
		BIO_set_mem_eof_return(p->rbio, 0);
	} else if (errno != EAGAIN && errno != EWOULDBLOCK) {
		p->io_errno = errno;
	}
}

/* SSL_connect() failed for good: say why as precisely as we can. */
static void handshake_failed(struct probe *p)
{
	unsigned long e = ERR_peek_last_error();
	int reason = e ? ERR_GET_REASON(e) : 0;
	const char *lib_reason = e ? ERR_reason_error_string(e) : NULL;
	ERR_clear_error();

	if (p->alert >= 0) {
		int desc = p->alert & 0xff;
		const char *name = SSL_alert_desc_string_long(p->alert);
		if (p->t->ecdsa_only && (desc == SSL_AD_HANDSHAKE_FAILURE ||
					 desc == SSL_AD_INSUFFICIENT_SECURITY))
			fail(p, UC_PROBE_NOT_ECDSA, "no ECDSA certificate: TLS alert: %s", name);
		else
			fail(p, UC_PROBE_TLS_ALERT, "TLS alert: %s", name);
	} else if (p->io_errno) {
		fail_errno(p, p->io_errno, "");
	} else if (p->eof) {
		fail(p, UC_PROBE_ERROR, "connection closed by peer during TLS handshake");
	} else if (p->t->ecdsa_only && reason == SSL_R_WRONG_CIPHER_RETURNED) {
		fail(p, UC_PROBE_NOT_ECDSA, "no ECDSA certificate: server chose a cipher suite that was not offered");
	} else {
		fail(p, UC_PROBE_ERROR, "TLS handshake failed: %s", lib_reason ? lib_reason : "unknown error");
	}
}

static void handshake(struct probe *p)
{
	ERR_clear_error();
	int rc = SSL_connect(p->ssl);
	if (rc == 1) {
		/* let the server see our Finished and a close_notify; best effort */
		SSL_shutdown(p->ssl);
		flush(p);
		ERR_clear_error();
		X509 *x = SSL_get0_peer_certificate(p->ssl);
		if (x)
			finish_leaf(p, x, NULL);
		else
			set_result(p, UC_PROBE_NO_CERT,
				   xasprintf("server sent no certificate (%s %s)",
					     SSL_get_version(p->ssl), SSL_get_cipher_name(p->ssl)), NULL);
		return;
	}
	int err = SSL_get_error(p->ssl, rc);
	if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
		handshake_failed(p);
		return;
	}
	ERR_clear_error();
	if (!flush(p) || p->io_errno) {
		handshake_failed(p);
		return;
	}
	p->events = POLLIN | (BIO_ctrl_pending(p->wbio) > 0 ? POLLOUT : 0);
}

static void start_tls(struct run *run, struct probe *p)
{
	const char *why;
	SSL_CTX *ctx = run_ctx(run, p->t->ecdsa_only, &why);
	if (!ctx) {
		fail(p, UC_PROBE_ERROR, "cannot set up TLS: %s", why);
		return;
	}
	p->stage = ST_HANDSHAKE;
	p->ssl = SSL_new(ctx);
	p->rbio = BIO_new(BIO_s_mem());
	p->wbio = BIO_new(BIO_s_mem());
	if (!p->ssl || !p->rbio || !p->wbio) {
		BIO_free(p->rbio);
		BIO_free(p->wbio);
		ERR_clear_error();
		fail(p, UC_PROBE_ERROR, "cannot set up TLS: out of memory");
		return;
	}
	/* an empty rbio means "come back later" until the socket says EOF */
	BIO_set_mem_eof_return(p->rbio, -1);
	BIO_set_mem_eof_return(p->wbio, -1);
	SSL_set_bio(p->ssl, p->rbio, p->wbio);
	SSL_set_connect_state(p->ssl);
	SSL_set_app_data(p->ssl, p);
	SSL_set_info_callback(p->ssl, info_callback);
	if (!p->r->literal)
		SSL_set_tlsext_host_name(p->ssl, p->t->host);
	ERR_clear_error();
	handshake(p);
}

/* ---- XMPP STARTTLS (RFC 6120, section 5): open a stream, wait for the
 * features to offer starttls, ask for it, wait for <proceed/>, then TLS. */

static void xmpp_queue(struct probe *p, char *text)
{
	free(p->xmpp->out);
	p->xmpp->out = text;
	p->xmpp->outlen = strlen(text);
	p->events = POLLIN | POLLOUT;
}

static void xmpp_begin(struct probe *p)
{
	const char *ns = p->t->starttls == UC_STARTTLS_XMPP_SERVER ? "jabber:server"
								   : "jabber:client";
	p->stage = ST_STARTTLS;
	p->xmpp = xcalloc(1, sizeof *p->xmpp);
	xmpp_queue(p, xasprintf("<?xml version='1.0'?><stream:stream to='%s' version='1.0' "
				"xmlns='%s' xmlns:stream='http://etherx.jabber.org/streams'>",
				p->t->host, ns));
}

static void xmpp_event(struct run *run, struct probe *p, short revents)
{
	struct xmpp *x = p->xmpp;

	if ((revents & POLLOUT) && x->outlen) {
		ssize_t w = send(p->fd, x->out + strlen(x->out) - x->outlen, x->outlen,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
			fail_errno(p, errno, " (XMPP STARTTLS)");
			return;
		}
		if (w > 0)
			x->outlen -= (size_t)w;
	}
	p->events = POLLIN | (x->outlen ? POLLOUT : 0);
	if (!(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	ssize_t r;
	do
		r = recv(p->fd, x->in + x->inlen, XMPP_BUF - x->inlen, MSG_DONTWAIT);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			fail_errno(p, errno, " (XMPP STARTTLS)");
		return;
	}
	if (r == 0) {
		fail(p, UC_PROBE_ERROR, "connection closed by peer during XMPP STARTTLS");
		return;
	}
	x->inlen += (size_t)r;
	x->in[x->inlen] = '\0';
	if (strstr(x->in, "<stream:error") || strstr(x->in, "<failure")) {
		fail(p, UC_PROBE_ERROR, "XMPP server refused STARTTLS");
		return;
	}
	if (!x->asked) {
		const char *end = strstr(x->in, "</stream:features>");
		if (!end) {
			if (x->inlen == XMPP_BUF)
				fail(p, UC_PROBE_ERROR, "no XMPP stream features in the first %d bytes",
				     XMPP_BUF);
			return;
		}
		const char *feat = strstr(x->in, "<stream:features");
		if (!feat || !strstr(feat, "<starttls")) {
			fail(p, UC_PROBE_ERROR, "XMPP server does not offer STARTTLS");
			return;
		}
		x->asked = true;
		x->inlen = 0;
		xmpp_queue(p, xstrdup("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"));
		return;
	}
	if (strstr(x->in, "<proceed")) {
		xmpp_free(p);
		start_tls(run, p);
	} else if (x->inlen == XMPP_BUF) {
		fail(p, UC_PROBE_ERROR, "no XMPP STARTTLS answer in the first %d bytes", XMPP_BUF);
	}
}

/* The TCP connection is up: TLS right away, or after STARTTLS. */
static void connected(struct run *run, struct probe *p)
{
	if (p->t->starttls != UC_STARTTLS_NONE)
		xmpp_begin(p);
	else
		start_tls(run, p);
}

static void connect_failed(struct probe *p)
{
	if (p->conn_errno == 0)
		fail(p, UC_PROBE_ERROR, "no usable address for %s", p->t->host);
	else if (p->naddrs > 1) {
		char suffix[48];
		snprintf(suffix, sizeof suffix, " (all %u addresses)", p->naddrs);
		fail_errno(p, p->conn_errno, suffix);
	} else
		fail_errno(p, p->conn_errno, "");
}

/* Connect to the next address, or report why none worked. */
static void connect_next(struct run *run, struct probe *p)
{
	while (p->ai) {
		const struct addrinfo *ai = p->ai;
		struct sockaddr_storage ss;
		p->ai = ai->ai_next;
		if (ai->ai_addrlen > sizeof ss)
			continue;
		memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
		if (ss.ss_family == AF_INET)
			((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)p->t->port);
		else if (ss.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)p->t->port);
		else
			continue;
		p->naddrs++;
		int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
		if (fd < 0) {
			p->conn_errno = errno;
			continue;
		}
		if (connect(fd, (struct sockaddr *)&ss, ai->ai_addrlen) == 0) {
			p->fd = fd;
			connected(run, p);
			return;
		}
		if (errno == EINPROGRESS || errno == EINTR) {
			p->fd = fd;
			p->stage = ST_CONNECT;
			p->events = POLLOUT;
			return;
		}
		p->conn_errno = errno;
		close(fd);
	}
	connect_failed(p);
}

static void connect_done(struct run *run, struct probe *p)
{
	int err = 0;
	socklen_t len = sizeof err;
	if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == 0) {
		connected(run, p);
		return;
	}
	p->conn_errno = err;
	close(p->fd);
	p->fd = -1;
	connect_next(run, p);
}

/* p stops polling its resolver; the last waiter on a finished resolver
 * closes the run's end (later probes of that host find it done). */
static void stop_waiting(struct probe *p)
{
	struct resolver *r = p->r;
	if (--r->waiting == 0 && r->fds[0] >= 0 && resolver_done(r)) {
		close(r->fds[0]);
		r->fds[0] = -1;
	}
}

/* The name is resolved (or the literal converted): start connecting. */
static void resolved(struct run *run, struct probe *p)
{
	struct resolver *r = p->r;
	if (r->rc != 0) {
		char *text = lowercase_first(xstrdup(r->rc == EAI_SYSTEM ? strerror(r->sys_errno)
									: gai_strerror(r->rc)));
		fail(p, UC_PROBE_RESOLVE, "cannot resolve %s: %s", p->t->host, text);
		free(text);
		return;
	}
	p->ai = r->res;
	connect_next(run, p);
}

static void probe_start(struct run *run, struct probe *p, const struct uc_probe_target *t,
			struct uc_probe_result *out)
{
	*p = (struct probe){ .t = t, .out = out, .fd = -1, .alert = -1 };
	p->start = now_s();
	p->deadline = p->start + run->timeout_s;
	if (!t->host || !t->host[0]) {
		set_result(p, UC_PROBE_ERROR, xstrdup("no host name"), NULL);
		return;
	}
	if (t->port < 1 || t->port > 65535) {
		set_result(p, UC_PROBE_ERROR, xasprintf("invalid port %d", t->port), NULL);
		return;
	}
	p->r = strmap_get(&run->resolvers, t->host);
	if (!p->r) {
		p->r = resolver_new(t->host);
		strmap_put(&run->resolvers, t->host, p->r);
	}
	if (resolver_done(p->r)) {
		resolved(run, p);
		return;
	}
	p->stage = ST_RESOLVE;
	p->events = POLLIN;
	p->r->waiting++;
}

static void probe_event(struct run *run, struct probe *p, short revents)
{
	switch (p->stage) {
	case ST_RESOLVE:
		if (resolver_done(p->r)) {
			stop_waiting(p);
			resolved(run, p);
		}
		break;
	case ST_CONNECT:
		connect_done(run, p);
		break;
	case ST_STARTTLS:
		xmpp_event(run, p, revents);
		break;
	case ST_HANDSHAKE:
		if ((revents & POLLOUT) && !flush(p)) {
			handshake_failed(p);
			break;
		}
		if (revents & (POLLIN | POLLHUP | POLLERR))
			receive(p);
		handshake(p);
		break;
	case ST_IDLE:
		break;
	}
}

static void probe_timeout(struct run *run, struct probe *p)
{
	int s = run->timeout_s;
	switch (p->stage) {
	case ST_RESOLVE:
		stop_waiting(p);
		fail(p, UC_PROBE_RESOLVE, "timed out after %d s resolving %s", s, p->t->host);
		break;
	case ST_CONNECT:
		fail(p, UC_PROBE_TIMEOUT, "timed out after %d s during TCP connect", s);
		break;
	case ST_STARTTLS:
		fail(p, UC_PROBE_TIMEOUT, "timed out after %d s during XMPP STARTTLS", s);
		break;
	case ST_HANDSHAKE:
		fail(p, UC_PROBE_TIMEOUT, "timed out after %d s during TLS handshake", s);
		break;
	case ST_IDLE:
		break;
	}
}

static int probe_fd(const struct probe *p)
{
	return p->stage == ST_RESOLVE ? p->r->fds[0] : p->fd;
}

/* How many probes may run at once without starving the caller of
 * descriptors. */
static size_t slot_limit(int concurrency, size_t n)
{
	size_t want = concurrency < 1 ? 1 : (size_t)concurrency;
	struct rlimit rl;
	if (want > MAX_SLOTS)
		want = MAX_SLOTS;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		size_t room = rl.rlim_cur > 2 * FD_RESERVE ? (size_t)(rl.rlim_cur - FD_RESERVE) / 2 : 1;
		if (want > room)
			want = room;
	}
	return want < n ? want : n;
}

void uc_probe_run(const struct uc_probe_target *t, size_t n, int timeout_s,
		  int concurrency, struct uc_probe_result *out)
{
	if (n == 0)
		return;
	memset(out, 0, n * sizeof *out);
	struct run run = { .timeout_s = timeout_s < 1 ? 1 : timeout_s };
	size_t nslots = slot_limit(concurrency, n);
	struct probe *slots = xcalloc(nslots, sizeof *slots);
	struct pollfd *pfd = xcalloc(nslots, sizeof *pfd);
	size_t *owner = xcalloc(nslots, sizeof *owner);
	size_t next = 0;

	for (size_t s = 0; s < nslots; s++)
		slots[s].fd = -1;
	for (;;) {
		for (size_t s = 0; s < nslots; s++)
			while (slots[s].stage == ST_IDLE && next < n) {
				probe_start(&run, &slots[s], &t[next], &out[next]);
				next++;
			}
		nfds_t nfds = 0;
		double first = 0;
		for (size_t s = 0; s < nslots; s++) {
			if (slots[s].stage == ST_IDLE)
				continue;
			if (nfds == 0 || slots[s].deadline < first)
				first = slots[s].deadline;
			pfd[nfds] = (struct pollfd){ probe_fd(&slots[s]), slots[s].events, 0 };
			owner[nfds++] = s;
		}
		if (nfds == 0)
			break;
		double wait = first - now_s();
		int ms = wait <= 0 ? 0 : (int)(wait * 1000) + 1;
		int rc = poll(pfd, nfds, ms);
		if (rc < 0 && errno != EINTR && errno != EAGAIN) {
			int e = errno;
			for (nfds_t i = 0; i < nfds; i++)
				fail_errno(&slots[owner[i]], e, " (poll)");
			continue;
		}
		double now = now_s();
		for (nfds_t i = 0; i < nfds; i++) {
			struct probe *p = &slots[owner[i]];
			if (rc > 0 && pfd[i].revents)
				probe_event(&run, p, pfd[i].revents);
			if (p->stage != ST_IDLE && now >= p->deadline)
				probe_timeout(&run, p);
		}
	}

	STRMAP_FOREACH(&run.resolvers, s)
		resolver_release(s->value);
	strmap_free(&run.resolvers);
	for (int i = 0; i < 2; i++) {
		SSL_CTX_free(run.ctx[i]);
		free(run.ctx_error[i]);
	}
	free(owner);
	free(pfd);
	free(slots);
	ERR_clear_error();
}

void uc_probe_result_clear(struct uc_probe_result *r)
{
	uc_certfile_unref(r->file);
	free(r->reason);
	*r = (struct uc_probe_result){ 0 };
}

const char *uc_probe_status_name(enum uc_probe_status s)
{
	switch (s) {
	case UC_PROBE_OK:
		return "ok";
	case UC_PROBE_REFUSED:
		return "refused";
	case UC_PROBE_TIMEOUT:
		return "timeout";
	case UC_PROBE_RESOLVE:
		return "resolve";
	case UC_PROBE_TLS_ALERT:
		return "tls-alert";
	case UC_PROBE_RESET:
		return "reset";
	case UC_PROBE_NO_CERT:
		return "no-cert";
	case UC_PROBE_NOT_ECDSA:
		return "not-ecdsa";
	case UC_PROBE_ERROR:
		return "error";
	}
	return "unknown";
}
