/* uccertd - AgentX subagent publishing UCCERT-MIB.
 *
 * Threads and who owns what:
 *   main (SNMP) thread  runs the loop below and every Net-SNMP call: it
 *                       answers the master (agent.c), sends notifications
 *                       and records their acknowledgements (notifier.c), and
 *                       reads the event pipe. It never waits on the master,
 *                       on a file or on a scan.
 *   scan thread         (collector.c) owns the settings in use and the index
 *                       map; it reads configuration files on SIGHUP, scans,
 *                       builds a snapshot with every SNMP value prepared, and
 *                       hands it over under the collector's lock. It never
 *                       calls Net-SNMP and has every signal blocked.
 * A snapshot moves one way: built by the scan thread, taken by the main
 * thread (collector_take), evaluated by the notifier (which copies what it
 * keeps), then given to the agent, which alone owns and frees the snapshot
 * it serves. Signal handlers only write a byte (wake.h) to the event pipe;
 * so does the scan thread when a snapshot is ready. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <malloc.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "certapi.h"
#include "clock.h"
#include "collector.h"
#include "fsutil.h"
#include "log.h"
#include "notifier.h"
#include "settings.h"
#include "snapshot.h"
#include "util.h"
#include "wake.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

/* One pipe wakes the SNMP thread: signal handlers and the scan thread
 * write a byte each (wake.h). */
static int events[2] = { -1, -1 };
static bool foreground;

static void on_signal(int sig)
{
	int saved = errno;
	char c = sig == SIGHUP ? WAKE_RELOAD : WAKE_STOP;
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
		"  -R, --allow-root     keep running as root when no user is configured\n"
		"  -h, --help, -V, --version\n", SYSCONFDIR);
}

/* Started as root: create what the daemon writes, owned by the user, then
 * become that user for good. Everything after this runs unprivileged,
 * including reconnections to the AgentX socket. */
static bool drop_privileges(const struct uc_settings *s)
{
	struct passwd *pw = getpwnam(s->user);
	/* only its own state: the quarantine belongs to whoever runs cleanup,
	 * and a manifest the daemon could write would steer root's restore */
	const char *dirs[] = { s->state_dir };

	if (!pw) {
		uc_log(LOG_ERR, "user \"%s\" (setting user in %s) does not exist", s->user, s->path);
		return false;
	}
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		if (!uc_mkdirs(dirs[i], 0750) || chown(dirs[i], pw->pw_uid, pw->pw_gid) < 0) {
			uc_log(LOG_ERR, "%s: cannot prepare for user %s: %s", dirs[i], s->user,
			       strerror(errno));
			return false;
		}
	}
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0) {
		uc_log(LOG_ERR, "cannot switch to user %s: %s", s->user, strerror(errno));
		return false;
	}
	if (pw->pw_uid != 0 && setuid(0) == 0) {
		uc_log(LOG_ERR, "switched to user %s but could regain root: stopping", s->user);
		return false;
	}
	uc_log(LOG_INFO, "running as user %s (uid %ld)", s->user, (long)pw->pw_uid);
	return true;
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

/* Act on the bytes of the event pipe (wake.h). */
static void handle_events(const char *config_path, bool *quit)
{
	char buf[64];
	ssize_t n;

	while ((n = read(events[0], buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == WAKE_STOP) {
				*quit = true;
			} else if (buf[i] == WAKE_RELOAD) {
				uc_log(LOG_NOTICE, "SIGHUP: reloading %s and rescanning", config_path);
				collector_reload(config_path);
			} else if (buf[i] == WAKE_SNAPSHOT) {
				struct snapshot *snap = collector_take();
				if (snap) {
					notifier_run(snap);
					agent_publish(snap);	/* the agent owns it now */
					malloc_trim(0);	/* give the old snapshot back */
				}
			}
		}
	}
}

/* Stopping: give the master a moment to answer what is in flight, so that
 * it is recorded and not sent again at the next start. Bounded: a stopped
 * master must not hold up the exit. */
#define DRAIN_US 300000
static void drain(void)
{
	int64_t until = uc_monotonic_us() + DRAIN_US;
	char buf[64];

	while (!notifier_idle() && agent_connected() && uc_monotonic_us() < until) {
		if (agent_poll(events[0], until))
			while (read(events[0], buf, sizeof buf) > 0)
				;	/* stopping already */
		if (agent_take_disconnect())
			notifier_requeue();
	}
	notifier_flush();
}

/* Everything between loading the settings and serving: detach, signals,
 * pid file, privileges, AgentX, the scan thread (which then owns s).
 * Returns 0, or the exit status of a failed start (s still the caller's). */
static int start(struct uc_settings *s, const char *config_path, const char *sock,
		 const char *pidfile, bool allow_root)
{
	if (geteuid() == 0 && !s->user && !allow_root) {
		uc_log(LOG_ERR, "refusing to run as root: set user = \"uccert\"; in %s "
		       "(or pass --allow-root)", config_path);
		return 1;
	}
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

	if (pidfile && !write_pidfile(pidfile))
		return 1;
	if (geteuid() == 0 && s->user && !drop_privileges(s))
		return 1;
	char *persist = xasprintf("%s/snmp", s->state_dir);
	bool ok = agent_init(sock, s->agentx_ping_interval, persist, notifier_ack);
	free(persist);
	if (!ok) {
		uc_log(LOG_ERR, "cannot start the SNMP agent library");
		return 1;
	}
	uc_log(LOG_NOTICE, "started: %s, AgentX %s, scanning every %d s", config_path,
	       sock, s->scan_interval);
	return collector_start(s, events[1]) ? 0 : 1;
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
		{ "allow-root", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_path = SYSCONFDIR "/uccert/uccert.conf";
	const char *socket_opt = NULL, *pidfile = NULL;
	bool allow_root = false;
	int c;
	int64_t now;

	while ((c = getopt_long(argc, argv, "c:fx:p:dRhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config_path = optarg; break;
		case 'f': foreground = true; break;
		case 'x': socket_opt = optarg; break;
		case 'p': pidfile = optarg; break;
		case 'd': uc_log_set_level(LOG_DEBUG); break;
		case 'R': allow_root = true; break;
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
	/* daemon() moves to /: SIGHUP must find the same files */
	char *config_abs = realpath(config_path, NULL);
	if (config_abs)
		config_path = config_abs;
	char *pid_abs = NULL;
	if (pidfile && pidfile[0] != '/') {
		char cwd[4096];
		if (getcwd(cwd, sizeof cwd))
			pidfile = pid_abs = xasprintf("%s/%s", cwd, pidfile);
	}
	struct uc_settings *s = uc_settings_load_logged(config_path);
	if (!s) {
		free(config_abs);
		free(pid_abs);
		return 2;
	}
	/* copies: the settings move to the scan thread */
	char *sock = xstrdup(socket_opt ? socket_opt : s->agentx_socket);
	char *state_dir = xstrdup(s->state_dir);
	int rc = start(s, config_path, sock, pidfile, allow_root);
	if (rc != 0) {
		uc_settings_free(s);
		free(sock);
		free(state_dir);
		free(config_abs);
		free(pid_abs);
		return rc;
	}

	notifier_open(state_dir);
	bool quit = false;
	while (!quit) {
		/* a few notifications at most leave per turn; the master's answers
		 * and requests are read before any more do */
		int64_t wake = notifier_pump();
		agent_set_status(notifier_backlog(), notifier_state_errors());
		if (agent_poll(events[0], wake))
			handle_events(config_path, &quit);
		if (agent_take_disconnect())
			notifier_requeue();
		notifier_flush();
	}
	uc_log(LOG_NOTICE, "stopping");
	/* at most about 2 s in all: 0.3 s for answers in flight, 1 s for the
	 * master to answer the Close (a stopped one does not), 0.5 s for a
	 * scan in progress */
	drain();
	collector_quit();
	agent_shutdown();
	collector_stop(500);
	notifier_close();
	free(state_dir);
	if (pidfile)
		unlink(pidfile);
	free(sock);
	free(config_abs);
	free(pid_abs);
	uc_api_global_cleanup();
	return 0;
}
