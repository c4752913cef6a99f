/* settings.h - uccert.conf: load, validate, report errors as file:line. */
#ifndef UCCERT_SETTINGS_H
#define UCCERT_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog.h"

enum uc_security_mode {
	UC_SECURITY_NON_SECURE = 1,
	UC_SECURITY_MIXED_USB,
	UC_SECURITY_MIXED_TOKENLESS,
};

enum uc_role { UC_ROLE_PUBLISHER = 1, UC_ROLE_SUBSCRIBER };

/* A CUCM / Unity Connection release as "12.5", "12.5(1)SU3", "14", "14SU2"
 * or "15": major, minor and service update. */
struct uc_release {
	int major, minor, su;
};
/* One number that orders releases: 14SU1 -> 140001; 0 for "not set". */
#define UC_RELEASE(major, minor, su) ((unsigned)(major) * 10000u + (unsigned)(minor) * 100u + (unsigned)(su))
unsigned uc_release_code(const struct uc_release *r);
/* Parse a release; false when the text is not one. */
bool uc_release_parse(const char *text, struct uc_release *out);
/* "14SU2", "12.5", "15" from a code; buf of at least 24 bytes. */
const char *uc_release_text(unsigned code, char *buf, size_t len);

struct uc_phones {
	char *model;
	long count;
};

/* One TLS port to read a unit's certificate from: "tomcat@8443". */
struct uc_probe_spec {
	char *unit;		/* catalog spelling */
	int port;
};

struct uc_node_api {
	char *url;		/* "https://host[:port]" */
	char *credentials;	/* file holding user:password */
	char *ca_file;		/* NULL: the system CA bundle */
	bool insecure;
};

/* The platform administration CLI over SSH (sshcli.h). */
struct uc_node_ssh {
	char *host;
	int port;		/* default 22 */
	char *user;
	char *credentials;	/* file holding user:password, 0600 */
	char *known_hosts;	/* required: the host key must be known */
	int timeout;		/* seconds, each wait; default 30 */
};

struct uc_node {
	char *name;
	enum uc_role role;
	char *cert_dir;		/* NULL when the node has only live sources */
	char *host;		/* TLS probes: name or address; NULL: none */
	struct uc_probe_spec *probes;	/* defaults by product and role */
	size_t nprobes;
	struct uc_node_api *api;	/* NULL: no certificate API */
	struct uc_node_ssh *ssh;	/* NULL: no platform CLI */
	int line;
};

struct uc_cluster {
	char *name;
	enum uc_product product;
	enum uc_security_mode security_mode;
	unsigned release;	/* UC_RELEASE() of `version`; 0 when not set */
	struct uc_node *nodes;
	size_t nnodes;
	struct uc_phones *phones;
	size_t nphones;
	int line;
};

struct uc_settings {
	char *path;
	int threshold_days;
	/* per impact class, indexed by enum uc_impact; default threshold_days */
	int threshold_by_impact[UC_IMPACT_MAX + 1];
	int *reminder_days;	/* sorted, largest first */
	size_t nreminders;
	int expired_repeat_days;
	int scan_interval;
	int notify_rate;	/* notifications per second; 0: unpaced */
	int notify_inflight;	/* unacknowledged Notify-PDUs at most */
	char *state_dir;
	char *user;		/* uccertd switches to it when started as root */
	char *agentx_socket;
	int agentx_ping_interval;
	char *quarantine_dir;
	int grace_days;
	bool require_replacement;	/* cleanup deletes only renewed certificates */
	int probe_timeout;	/* seconds, connect + handshake */
	int probe_concurrency;
	int api_timeout;	/* seconds, whole request */
	char *credentials_group;	/* may read the API credentials files
					 * too (0640); NULL: owner only */
	int stale_after;	/* days a failed live source keeps its rows */
	struct uc_cluster *clusters;
	size_t nclusters;
};

/* Messages collected while loading: each "file:line: text". */
struct uc_diag {
	char **errors;
	size_t nerrors;
	char **warnings;
	size_t nwarnings;
};

/* Load and validate. Returns NULL when there is any error (see diag). */
struct uc_settings *uc_settings_load(const char *path, struct uc_diag *diag);
/* The same from len bytes of text (no NUL needed) named `name` in messages;
 * relative paths in it stay relative (there is no file to start from). */
struct uc_settings *uc_settings_load_buffer(const char *name, const char *buf, size_t len,
					    struct uc_diag *diag);
/* uc_settings_load, reporting every warning and error through uc_log(). */
struct uc_settings *uc_settings_load_logged(const char *path);
void uc_settings_free(struct uc_settings *s);
int uc_settings_threshold(const struct uc_settings *s, enum uc_impact impact);

void uc_diag_free(struct uc_diag *d);

const char *uc_security_mode_name(enum uc_security_mode m);
const char *uc_role_name(enum uc_role r);

#endif
