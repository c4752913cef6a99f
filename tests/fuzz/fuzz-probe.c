/* fuzz-probe - what a TLS server (or an XMPP server before STARTTLS) sends
 * to uccert's probe, through the real event loop and OpenSSL client.
 *
 * Input: one byte of options, then the server's bytes.
 *   options & 3: 0 TLS right away, 1 XMPP STARTTLS as a client (5222),
 *                2 as a server (5269), 3 same as 0
 *   options & 4: ecdsa_only
 * With XMPP the server's bytes are split at the first NUL: what comes before
 * is sent when the connection opens, what follows once the probe has asked
 * for STARTTLS (after "<proceed/>", that is the TLS server's bytes).
 *
 * A thread of this process plays the server on a loopback port: it sends the
 * bytes, closes its sending side and reads until the probe hangs up, so no
 * probe waits for its timeout. */
#include <config.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>

#include "fuzz.h"
#include "probe.h"

static int listen_fd, port;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done = PTHREAD_COND_INITIALIZER;
static const unsigned char *first, *second;	/* what the server sends */
static size_t first_len, second_len;
static unsigned long wanted, served;	/* connections: input's, finished */

static void send_all(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* Read until "<starttls" came (1), or the peer hung up or went quiet (0). */
static int await_starttls(int fd)
{
	char buf[4096 + 1];
	size_t len = 0;

	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		if (poll(&pfd, 1, 1000) <= 0)
			return 0;
		ssize_t r = recv(fd, buf + len, sizeof buf - 1 - len, 0);
		if (r <= 0)
			return 0;
		len += (size_t)r;
		buf[len] = '\0';
		if (memmem(buf, len, "<starttls", 9))
			return 1;
		if (len == sizeof buf - 1)
			len = 0;
	}
}

static void *server(void *arg)
{
	(void)arg;
	for (;;) {
		int fd = accept(listen_fd, NULL, NULL);
		if (fd < 0)
			continue;
		/* the input stays valid until served is counted */
		pthread_mutex_lock(&lock);
		const unsigned char *p1 = first, *p2 = second;
		size_t n1 = first_len, n2 = second_len;
		pthread_mutex_unlock(&lock);
		send_all(fd, p1, n1);
		/* the probe asks for STARTTLS only once stream features that
		 * offer it came; otherwise it stops and hangs up, or waits for
		 * more: then no asking is awaited, and the close ends its wait */
		if (p2 && memmem(p1, n1, "</stream:features>", 18) && memmem(p1, n1, "<starttls", 9) &&
		    await_starttls(fd))
			send_all(fd, p2, n2);
		shutdown(fd, SHUT_WR);
		char sink[4096];
		struct pollfd pfd = { fd, POLLIN, 0 };
		while (poll(&pfd, 1, 2000) > 0 && recv(fd, sink, sizeof sink, 0) > 0)
			;
		close(fd);
		pthread_mutex_lock(&lock);
		served++;
		pthread_cond_signal(&done);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof a;
	pthread_t th;

	(void)argc;
	(void)argv;
	fuzz_quiet();
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&a, sizeof a) != 0 ||
	    listen(listen_fd, 16) != 0 || getsockname(listen_fd, (struct sockaddr *)&a, &alen) != 0 ||
	    pthread_create(&th, NULL, server, NULL) != 0)
		abort();
	port = ntohs(a.sin_port);
	pthread_detach(th);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned opt = data[0];
	struct uc_probe_target t = { "127.0.0.1", port, (opt & 4) != 0,
				     (opt & 3) == 1 ? UC_STARTTLS_XMPP_CLIENT
				     : (opt & 3) == 2 ? UC_STARTTLS_XMPP_SERVER
							: UC_STARTTLS_NONE };
	struct uc_probe_result res;
	const unsigned char *body = data + 1, *nul;
	size_t len = size - 1;

	pthread_mutex_lock(&lock);
	first = body;
	first_len = len;
	second = NULL;
	second_len = 0;
	if (t.starttls != UC_STARTTLS_NONE && (nul = memchr(body, '\0', len))) {
		first_len = (size_t)(nul - body);
		second = nul + 1;
		second_len = len - first_len - 1;
	}

	wanted = served + 1;
	pthread_mutex_unlock(&lock);

	uc_probe_run(&t, 1, 1, 1, &res);

	/* the server is done with this input before libFuzzer reuses it */
	struct timespec limit;
	clock_gettime(CLOCK_REALTIME, &limit);
	limit.tv_sec += 10;
	pthread_mutex_lock(&lock);
	while (served < wanted)
		FUZZ_ASSERT(pthread_cond_timedwait(&done, &lock, &limit) == 0);
	pthread_mutex_unlock(&lock);
	FUZZ_ASSERT(res.file && res.reason);
	FUZZ_ASSERT(res.status <= UC_PROBE_STATUS_MAX);
	FUZZ_ASSERT(uc_probe_status_name(res.status) != NULL);
	/* a leaf is kept whatever came after it; none without one */
	if (res.status == UC_PROBE_OK)
		FUZZ_ASSERT(res.file->ncerts == 1);
	if (res.file->ncerts == 0)
		FUZZ_ASSERT(res.file->error != NULL);
	FUZZ_ASSERT(fuzz_utf8_ok(res.reason));
	FUZZ_ASSERT(!strchr(res.reason, '\n'));
	uc_probe_result_clear(&res);
	return 0;
}
