/* collector.c - scanning off the SNMP thread. */
#include <config.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "collector.h"
#include "wake.h"
#include "fsutil.h"
#include "idmap.h"
#include "log.h"
#include "scan.h"
#include "settings.h"
#include "snapshot.h"
#include "util.h"

/* Index entries of certificates unseen for this long are forgotten (their
 * numbers are never reused). */
#define IDMAP_RETENTION (400 * 86400)

static struct {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool running, quit, scan_now;
	struct uc_settings *settings;	/* in use by the thread */
	struct uc_settings *next_settings;	/* handed over by a reload */
	char *reload_path;	/* a reload asked for: read it on this thread */
	struct snapshot *ready;
	int wake_fd;
	unsigned long scan_errors;
} col = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static struct uc_idmap *open_idmap(const struct uc_settings *s)
{
	char *path = xasprintf("%s/indexes", s->state_dir);
	if (!uc_mkdirs(s->state_dir, 0750))
		uc_log(LOG_ERR, "%s: cannot create state_dir: %s (row indexes will not survive a restart)",
		       s->state_dir, strerror(errno));
	struct uc_idmap *m = uc_idmap_open(path);
	free(path);
	return m;
}

static void scan_once(struct uc_scanner *sc, struct uc_idmap *ids)
{
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct uc_inventory *inv = uc_scan(sc, col.settings, uc_now());
	col.scan_errors += inv->errors;
	struct snapshot *snap = snapshot_build(inv, col.settings, ids, col.scan_errors);
	uc_idmap_expire(ids, inv->now - IDMAP_RETENTION);
	uc_idmap_save(ids);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	uc_log(LOG_INFO, "scan: %zu certificates (%u expiring, %u expired, %u unreadable), %u errors, %.3f s",
	       inv->nrecords, inv->counts[UC_STATE_EXPIRING], inv->counts[UC_STATE_EXPIRED],
	       inv->counts[UC_STATE_UNREADABLE], inv->errors,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	uc_inventory_free(inv);

	pthread_mutex_lock(&col.lock);
	struct snapshot *stale = col.ready;	/* never picked up: superseded */
	col.ready = snap;
	pthread_mutex_unlock(&col.lock);
	snapshot_free(stale);
	const char b = WAKE_SNAPSHOT;
	ssize_t w;
	do
		w = write(col.wake_fd, &b, 1);
	while (w < 0 && errno == EINTR);
}

static void *run(void *arg)
{
	struct uc_scanner *sc = uc_scanner_new();
	struct uc_idmap *ids = open_idmap(col.settings);
	(void)arg;

	pthread_mutex_lock(&col.lock);
	while (!col.quit) {
		if (col.reload_path) {
			/* read here, never on the SNMP thread: a file that is slow
			 * to read delays a scan, not the answers to snmpd */
			char *path = col.reload_path;
			col.reload_path = NULL;
			pthread_mutex_unlock(&col.lock);
			struct uc_settings *s = uc_settings_load_logged(path);
			if (!s)
				uc_log(LOG_ERR, "%s: configuration not reloaded, the previous one stays in force",
				       path);
			free(path);
			pthread_mutex_lock(&col.lock);
			if (s) {
				uc_settings_free(col.next_settings);
				col.next_settings = s;
			}
		}
		if (col.next_settings) {
			/* state_dir is read at start only (the notifier keeps its
			 * state there too): keep the directory the daemon started with */
			if (strcmp(col.next_settings->state_dir, col.settings->state_dir) != 0) {
				uc_log(LOG_WARNING, "state_dir changed to %s: takes effect at the next start; %s stays in use",
				       col.next_settings->state_dir, col.settings->state_dir);
				free(col.next_settings->state_dir);
				col.next_settings->state_dir = xstrdup(col.settings->state_dir);
			}
			uc_settings_free(col.settings);
			col.settings = col.next_settings;
			col.next_settings = NULL;
		}
		col.scan_now = false;
		pthread_mutex_unlock(&col.lock);
		scan_once(sc, ids);
		pthread_mutex_lock(&col.lock);

		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += col.settings->scan_interval;
		while (!col.quit && !col.scan_now) {
			if (pthread_cond_timedwait(&col.cond, &col.lock, &until) == ETIMEDOUT)
				break;
		}
	}
	pthread_mutex_unlock(&col.lock);
	uc_scanner_free(sc);
	uc_idmap_free(ids);
	return NULL;
}

bool collector_start(struct uc_settings *s, int wake_fd)
{
	col.settings = s;
	col.wake_fd = wake_fd;
	/* the thread inherits a mask with every signal blocked: signals go to
	 * the main thread only, whose handlers write to the event pipe */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int e = pthread_create(&col.thread, NULL, run, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		uc_log(LOG_ERR, "cannot start the scan thread: %s", strerror(e));
		return false;
	}
	col.running = true;
	return true;
}

void collector_reload(const char *config_path)
{
	pthread_mutex_lock(&col.lock);
	free(col.reload_path);
	col.reload_path = xstrdup(config_path);
	col.scan_now = true;
	pthread_cond_signal(&col.cond);
	pthread_mutex_unlock(&col.lock);
}

struct snapshot *collector_take(void)
{
	pthread_mutex_lock(&col.lock);
	struct snapshot *s = col.ready;
	col.ready = NULL;
	pthread_mutex_unlock(&col.lock);
	return s;
}

void collector_quit(void)
{
	pthread_mutex_lock(&col.lock);
	col.quit = true;
	pthread_cond_signal(&col.cond);
	pthread_mutex_unlock(&col.lock);
}

bool collector_stop(int wait_ms)
{
	if (!col.running)
		return true;
	collector_quit();
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += wait_ms / 1000;
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	if (pthread_timedjoin_np(col.thread, NULL, &until) != 0) {
		/* a scan (a slow probe, a hung filesystem) is still running:
		 * stopping does not wait for it; its writes are atomic */
		uc_log(LOG_WARNING, "stopping without waiting for the scan in progress");
		return false;
	}
	col.running = false;
	snapshot_free(collector_take());
	uc_settings_free(col.settings);
	uc_settings_free(col.next_settings);
	col.settings = col.next_settings = NULL;
	free(col.reload_path);
	col.reload_path = NULL;
	return true;
}
