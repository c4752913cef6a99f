/* client.h - what the uccert subcommands share. */
#ifndef UCCERT_CLIENT_H
#define UCCERT_CLIENT_H

#include "settings.h"

/* Exit statuses, documented in uccert(1). */
#define EXIT_CONFIG 2
#define EXIT_USAGE 64

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

/* Print "uccert: " + message to stderr, return EXIT_USAGE. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
