/* uccertd - AgentX subagent publishing UCCERT-MIB. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "agent.h"
#include "clock.h"
#include "collector.h"
#include "log.h"
#include "notifier.h"
#include "settings.h"
#include "snapshot.h"
#include "util.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

/* One pipe wakes the SNMP thread: signal handlers and the scan thread
 * write a byte each. */
static int events[2] = { -1, -1 };
static bool foreground;

static void on_signal(int sig)
{
	int saved = errno;
	char c = sig == SIGHUP ? 'H' : 'T';
	ssize_t w = write(events[1], &c, 1);
	(void)w;
	errno = saved;
}

static void log_to_stderr(int priority, const char *msg)
{
	(void)priority;
	fprintf(stderr, "uccertd: %s\n", msg);
}

static void log_to_syslog(int priority, const char *msg)
{
	syslog(priority, "%s", msg);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: uccertd [-f] [-c FILE] [-x AGENTX_SOCKET] [-p PIDFILE] [--now TIME]\n"
		"  -c, --config FILE    configuration (default %s/uccert/uccert.conf)\n"
		"  -f, --foreground     stay in the foreground, log to stderr\n"
		"  -x, --agentx SOCKET  master agent socket (overrides agentx.socket)\n"
		"  -p, --pidfile FILE   write the process id to FILE\n"
		"      --now TIME       compute days left as if it were TIME (RFC 3339)\n"
		"  -d, --debug          log debug messages too\n"
		"  -h, --help, -V, --version\n", SYSCONFDIR);
}

static bool write_pidfile(const char *path)
{
	char buf[32];
	int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, buf, (size_t)n) != n) {
		uc_log(LOG_ERR, "%s: cannot write pid file: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	close(fd);
	return true;
}

/* Act on the bytes of the event pipe: 'T' stop, 'H' reload, 'S' a new
 * snapshot is ready. */
static struct snapshot *served;	/* the snapshot agent_publish() was given last */

static void handle_events(const char *config_path, bool *quit)
{
	char buf[64];
	ssize_t n;

	while ((n = read(events[0], buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == 'T') {
				*quit = true;
			} else if (buf[i] == 'H') {
				uc_log(LOG_NOTICE, "SIGHUP: reloading %s and rescanning", config_path);
				struct uc_settings *s = uc_settings_load_logged(config_path);
				if (!s)
					uc_log(LOG_ERR, "%s: configuration not reloaded, the previous one stays in force",
					       config_path);
				collector_rescan(s);
			} else if (buf[i] == 'S') {
				struct snapshot *snap = collector_take();
				if (snap) {
					snapshot_free(agent_publish(snap));
					malloc_trim(0);	/* give the old snapshot back */
					served = snap;
					notifier_run(snap);
				}
			}
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "agentx", required_argument, NULL, 'x' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "now", required_argument, NULL, 'N' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_path = SYSCONFDIR "/uccert/uccert.conf";
	const char *socket_opt = NULL, *pidfile = NULL;
	int c;
	int64_t now;

	while ((c = getopt_long(argc, argv, "c:fx:p:dhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config_path = optarg; break;
		case 'f': foreground = true; break;
		case 'x': socket_opt = optarg; break;
		case 'p': pidfile = optarg; break;
		case 'd': uc_log_set_level(LOG_DEBUG); break;
		case 'N':
			if (!uc_parse_rfc3339(optarg, &now)) {
				fprintf(stderr, "uccertd: --now %s: expected RFC 3339 UTC time such as 2027-01-01T00:00:00Z\n", optarg);
				return 64;
			}
			uc_set_now(now);
			break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("uccertd %s\n", PACKAGE_VERSION); return 0;
		default: usage(stderr); return 64;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 64;
	}
	uc_log_set_ident("uccertd");
	uc_log_set_handler(foreground ? log_to_stderr : log_to_syslog);
	if (!foreground)
		openlog("uccertd", LOG_PID, LOG_DAEMON);

	/* Snapshots and scan tables are large, short-lived blocks: serve them
	 * from mmap so that freeing one returns it to the system at once
	 * (a fixed threshold also stops glibc from raising it dynamically). */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	/* two threads, little contention: one arena avoids a second heap's slack */
	mallopt(M_ARENA_MAX, 1);
	struct uc_settings *s = uc_settings_load_logged(config_path);
	if (!s)
		return 2;
	const char *socket = socket_opt ? socket_opt : s->agentx_socket;

	if (!foreground && daemon(0, 0) < 0) {
		uc_log(LOG_ERR, "cannot detach: %s", strerror(errno));
		return 1;
	}
	if (pipe2(events, O_CLOEXEC | O_NONBLOCK) < 0) {
		uc_log(LOG_ERR, "pipe: %s", strerror(errno));
		return 1;
	}
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	char *persist = xasprintf("%s/snmp", s->state_dir);
	char *s_state_dir = xstrdup(s->state_dir);
	char *sock = xstrdup(socket);
	if (!agent_init(sock, s->agentx_ping_interval, persist, foreground)) {
		uc_log(LOG_ERR, "cannot start the SNMP agent library");
		return 1;
	}
	if (pidfile && !write_pidfile(pidfile))
		return 1;
	uc_log(LOG_NOTICE, "started: %s, AgentX %s, scanning every %d s", config_path,
	       sock, s->scan_interval);
	if (!collector_start(s, events[1]))
		return 1;

	notifier_open(s_state_dir);
	bool quit = false;
	while (!quit) {
		if (agent_poll(events[0]))
			handle_events(config_path, &quit);
		/* notifications held while the master was away go out now */
		if (agent_take_reconnect())
			notifier_run(served);
	}
	uc_log(LOG_NOTICE, "stopping");
	collector_stop();
	snapshot_free(agent_shutdown());
	notifier_close();
	free(s_state_dir);
	if (pidfile)
		unlink(pidfile);
	free(persist);
	free(sock);
	return 0;
}
