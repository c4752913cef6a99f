/* client.h - what the uccert subcommands share. */
#ifndef UCCERT_CLIENT_H
#define UCCERT_CLIENT_H

#include <stdbool.h>

#include "settings.h"

/* Exit statuses, documented in uccert(1). */
#define EXIT_FAILED 1		/* cleanup, restore: files not handled */
#define EXIT_CONFIG 2
#define EXIT_SOME_SOURCES 3	/* some sources unreadable: output incomplete */
#define EXIT_NO_SOURCE 4	/* no source could be read: no all-clear */
#define EXIT_USAGE 64

struct uc_inventory;
struct uc_scanner;
struct uc_source;

struct cli {
	const char *config_path;
	struct uc_settings *settings;
	int64_t now;
};

/* Each subcommand gets argv with argv[0] = its own name. */
int cmd_scan(struct cli *cli, int argc, char **argv);
int cmd_plan(struct cli *cli, int argc, char **argv);
int cmd_cleanup(struct cli *cli, int argc, char **argv);
int cmd_restore(struct cli *cli, int argc, char **argv);
/* Runs with settings NULL when the configuration is broken. */
int cmd_check(struct cli *cli, int argc, char **argv);

/* s as it may reach a terminal (uc_escape: control bytes as \x1b); the
 * result stays valid for the next 32 calls, enough for one printf. */
const char *esc(const char *s);

/* Whether a source is in the scope of cluster and node (NULL: any); TLS
 * probes only when `tls` (they show identities, never trust stores). */
bool source_in_scope(const struct uc_source *src, const char *cluster,
		     const char *node, bool tls);
/* 0 when every source in scope was read, EXIT_SOME_SOURCES when some were
 * not, EXIT_NO_SOURCE when none was (and there was one at least). */
int sources_exit(const struct uc_inventory *inv, const char *cluster,
		 const char *node, bool tls);

/* uc_scan for a report that prints every source error in its output:
 * they are not logged to stderr as well. */
struct uc_inventory *scan_for_report(struct uc_scanner *sc, const struct uc_settings *s,
				     int64_t now);

/* "hq, branch": the configured cluster names, for "no such cluster"
 * messages. malloc'd. */
char *cluster_names(const struct uc_settings *s);

/* Print "uccert: " + message to stderr, return EXIT_USAGE. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
