/* settings.c - uccert.conf via libconfig, validated with file:line errors. */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <libconfig.h>

#include "log.h"
#include "settings.h"
#include "util.h"

#define DEFAULT_STATE_DIR "/var/lib/uccert"
#define DEFAULT_AGENTX_SOCKET "/var/agentx/master"
#define CONFIG_MAX_BYTES (4 * 1024 * 1024)

struct token {
	enum { TOK_NAME, TOK_VALUE, TOK_PUNCT } kind;
	int line;
	const char *at;
	size_t len;
};

/* The file's tokens, as written: libconfig 1.5 keeps integers in 32 bits
 * while parsing (4294967386 becomes 90), so what a setting says is read
 * back from its text. */
struct source {
	char *text;
	struct token *tok;
	size_t ntok;
};

struct loader {
	const char *path;
	struct uc_diag *diag;
	char *base;		/* directory of the file: relative paths start here */
	const config_setting_t *root;
	struct source src;
};

/* A path setting: relative ones are taken from the configuration file's
 * directory, so uccert (any working directory) and uccertd (which moves to
 * /) read the same files. */
static char *path_setting(const struct loader *ld, const char *v)
{
	return v[0] == '/' || !ld->base ? xstrdup(v) : xasprintf("%s/%s", ld->base, v);
}

static void push(char ***v, size_t *n, char *msg)
{
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = msg;
}

static void report(struct loader *ld, bool error, const config_setting_t *at,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void report(struct loader *ld, bool error, const config_setting_t *at,
		   const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *text = xvasprintf(fmt, ap);
	va_end(ap);
	int line = at ? (int)config_setting_source_line(at) : 0;
	char *msg = line > 0 ? xasprintf("%s:%d: %s", ld->path, line, text)
			     : xasprintf("%s: %s", ld->path, text);
	free(text);
	if (error)
		push(&ld->diag->errors, &ld->diag->nerrors, msg);
	else
		push(&ld->diag->warnings, &ld->diag->nwarnings, msg);
}

#define ERR(at, ...) report(ld, true, at, __VA_ARGS__)
#define WARN(at, ...) report(ld, false, at, __VA_ARGS__)

/* Warn about settings a group holds that uccert does not know. */
static void check_known(struct loader *ld, const config_setting_t *group,
			const char *const *known, const char *where)
{
	int n = config_setting_length(group);
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
		const char *name = config_setting_name(s);
		bool ok = false;
		for (const char *const *k = known; *k && name; k++)
			if (strcmp(*k, name) == 0)
				ok = true;
		if (!ok && name)
			WARN(s, "unknown setting '%s'%s%s (ignored)", name,
			     where ? " in " : "", where ? where : "");
	}
}

static bool is_name_char(char c, bool first)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '*' ||
	       (!first && ((c >= '0' && c <= '9') || c == '-' || c == '_'));
}

static void lex(struct source *src)
{
	const char *p = src->text;
	int line = 1;
	size_t cap = 0;

	while (*p) {
		const char *at = p;
		int kind;
		if (*p == '\n') {
			line++;
			p++;
			continue;
		}
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\f' || *p == '\v') {
			p++;
			continue;
		}
		if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			while (*p && *p != '\n')
				p++;
			continue;
		}
		if (p[0] == '/' && p[1] == '*') {
			for (p += 2; *p && !(p[0] == '*' && p[1] == '/'); p++)
				line += *p == '\n';
			p += *p ? 2 : 0;
			continue;
		}
		int start = line;
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1])
					p++;
				line += *p == '\n';
			}
			p += *p ? 1 : 0;
			kind = TOK_VALUE;
		} else if (is_name_char(*p, true)) {
			while (is_name_char(*p, false))
				p++;
			bool boolean = (p - at == 4 && strncasecmp(at, "true", 4) == 0) ||
				       (p - at == 5 && strncasecmp(at, "false", 5) == 0);
			kind = boolean ? TOK_VALUE : TOK_NAME;
		} else if ((*p >= '0' && *p <= '9') || *p == '.' ||
			   ((*p == '-' || *p == '+') && ((p[1] >= '0' && p[1] <= '9') || p[1] == '.'))) {
			bool hex = false;
			for (p++; (*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') ||
				  (*p >= 'a' && *p <= 'z') || *p == '.' ||
				  ((*p == '-' || *p == '+') && !hex && (p[-1] == 'e' || p[-1] == 'E'));
			     p++)
				hex |= *p == 'x' || *p == 'X';
			kind = TOK_VALUE;
		} else {
			p++;
			kind = TOK_PUNCT;
		}
		if (src->ntok == cap) {
			cap = cap ? 2 * cap : 256;
			src->tok = xreallocarray(src->tok, cap, sizeof *src->tok);
		}
		src->tok[src->ntok++] = (struct token){ kind, start, at, (size_t)(p - at) };
	}
}

/* Settings on one line that the text tells apart the same way: by name, or,
 * for list elements, as the n-th bare value. */
static bool same_kind(const config_setting_t *a, int line, const char *name)
{
	if ((int)config_setting_source_line(a) != line)
		return false;
	const char *n = config_setting_name(a);
	if (name)
		return n && strcmp(n, name) == 0;
	return !n && config_setting_is_scalar(a);
}

/* How many settings like target come before it in file order. */
static bool count_before(const config_setting_t *at, const config_setting_t *target,
			 int line, const char *name, size_t *k)
{
	if (at == target)
		return true;
	if (same_kind(at, line, name))
		(*k)++;
	if (config_setting_is_aggregate(at))
		for (int i = 0; i < config_setting_length(at); i++)
			if (count_before(config_setting_get_elem(at, (unsigned)i), target,
					 line, name, k))
				return true;
	return false;
}

static bool punct(const struct token *t, const char *set)
{
	return t->kind == TOK_PUNCT && strchr(set, t->at[0]);
}

/* The value of a scalar setting as written; NULL if the text does not say
 * (a setting from an @include file). */
static char *as_written(const struct loader *ld, const config_setting_t *s)
{
	const char *file = config_setting_source_file(s);
	if (!ld->src.text || (file && strcmp(file, ld->path) != 0))
		return NULL;
	int line = (int)config_setting_source_line(s);
	const char *name = config_setting_name(s);
	size_t k = 0;
	count_before(ld->root, s, line, name, &k);
	const struct token *t = ld->src.tok;
	for (size_t i = 0; i + 1 < ld->src.ntok; i++) {
		const struct token *v = NULL;
		if (t[i].line != line)
			continue;
		if (name && t[i].kind == TOK_NAME && punct(&t[i + 1], "=:") &&
		    t[i].len == strlen(name) && strncmp(t[i].at, name, t[i].len) == 0)
			v = i + 2 < ld->src.ntok ? &t[i + 2] : NULL;
		else if (!name && i > 0 && t[i].kind == TOK_VALUE && punct(&t[i - 1], "[(,"))
			v = &t[i];
		if (v && k-- == 0)
			return v->kind == TOK_VALUE ? xasprintf("%.*s", (int)v->len, v->at) : NULL;
	}
	return NULL;
}

/* An integer literal the way libconfig writes one: [-+]digits or 0xHEX,
 * optionally L or LL. False when it does not fit 64 bits. */
static bool parse_integer(const char *text, long long *out)
{
	const char *p = text;
	bool neg = *p == '-';
	p += *p == '-' || *p == '+';
	int base = p[0] == '0' && (p[1] == 'x' || p[1] == 'X') ? 16 : 10;
	const char *digits = base == 16 ? p + 2 : p;
	char *end;
	errno = 0;
	unsigned long long u = strtoull(digits, &end, base);
	if (errno || end == digits || !((*digits >= '0' && *digits <= '9') ||
					(base == 16 && strchr("abcdefABCDEF", *digits))) ||
	    (strcmp(end, "") != 0 && strcmp(end, "L") != 0 && strcmp(end, "LL") != 0))
		return false;
	if (u > (unsigned long long)LLONG_MAX + neg)
		return false;
	*out = neg ? (long long)(0 - u) : (long long)u;
	return true;
}

/* Every integer setting comes through here: the number as written (not as
 * libconfig kept it) must lie within [min, max]. */
static bool int_setting(struct loader *ld, const config_setting_t *s, const char *what,
			long long min, long long max, int *out)
{
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64) {
		ERR(s, "%s: expected an integer", what);
		return false;
	}
	long long v = config_setting_get_int64(s);
	char *text = as_written(ld, s);
	if (!text)
		text = xasprintf("%lld", v);
	bool ok = parse_integer(text, &v) && v >= min && v <= max;
	if (ok)
		*out = (int)v;
	else
		ERR(s, "%s = %s: must be between %lld and %lld", what, text, min, max);
	free(text);
	return ok;
}

static bool get_int(struct loader *ld, const config_setting_t *group,
		    const char *name, long long min, long long max, int *out)
{
	const config_setting_t *s = config_setting_get_member(group, name);
	return s && int_setting(ld, s, name, min, max, out);
}

/* A string member; NULL when absent. Reports a wrong type or empty value. */
static const char *get_string(struct loader *ld, const config_setting_t *group,
			      const char *name, bool required, const char *where)
{
	const config_setting_t *s = config_setting_get_member(group, name);
	if (!s) {
		if (required)
			ERR(group, "%s: missing '%s'", where, name);
		return NULL;
	}
	const char *v = config_setting_get_string(s);
	if (!v) {
		ERR(s, "%s: expected a string", name);
		return NULL;
	}
	if (!*v) {
		ERR(s, "%s: must not be empty", name);
		return NULL;
	}
	return v;
}

static int cmp_desc(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x < y) - (x > y);
}

static void load_reminders(struct loader *ld, const config_setting_t *root,
			   struct uc_settings *s)
{
	const config_setting_t *r = config_setting_get_member(root, "reminder_days");
	if (!r)
		return;
	if (!config_setting_is_aggregate(r)) {
		ERR(r, "reminder_days: expected a list of days, e.g. [ 60, 30, 14 ]");
		return;
	}
	free(s->reminder_days);
	s->nreminders = 0;
	s->reminder_days = xcalloc((size_t)config_setting_length(r) + 1, sizeof(int));
	for (int i = 0; i < config_setting_length(r); i++) {
		const config_setting_t *e = config_setting_get_elem(r, (unsigned)i);
		int v;
		if (!int_setting(ld, e, "reminder_days", 0, 3650, &v))
			continue;
		for (size_t j = 0; j < s->nreminders; j++)
			if (s->reminder_days[j] == v)
				ERR(e, "reminder_days: %d appears twice", v);
		s->reminder_days[s->nreminders++] = v;
	}
	qsort(s->reminder_days, s->nreminders, sizeof(int), cmp_desc);
	for (size_t j = 0; j < s->nreminders; j++) {
		int max = 0;
		for (int k = 1; k <= UC_IMPACT_MAX; k++)
			if (s->threshold_by_impact[k] > max)
				max = s->threshold_by_impact[k];
		if (s->reminder_days[j] > max)
			ERR(r, "reminder_days: %d is larger than the warning threshold (%d days): it would never be reached",
			    s->reminder_days[j], max);
	}
}

static bool parse_enum(const char *v, const char *const *names, int *out)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(v, names[i]) == 0) {
			*out = i + 1;
			return true;
		}
	return false;
}

static void load_phones(struct loader *ld, const config_setting_t *cs,
			struct uc_cluster *c)
{
	static const char *const known[] = { "model", "count", NULL };
	const config_setting_t *ph = config_setting_get_member(cs, "phones");
	if (!ph)
		return;
	if (!config_setting_is_list(ph) && !config_setting_is_array(ph)) {
		ERR(ph, "phones: expected a list like ( { model = \"8845\"; count = 1200; } )");
		return;
	}
	int n = config_setting_length(ph);
	c->phones = xcalloc((size_t)n, sizeof *c->phones);
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(ph, (unsigned)i);
		if (!config_setting_is_group(e)) {
			ERR(e, "phones: element %d: expected { model = ...; count = ...; }", i + 1);
			continue;
		}
		check_known(ld, e, known, "phones");
		const char *model = get_string(ld, e, "model", true, "phones");
		int count = 0;
		if (!config_setting_get_member(e, "count"))
			ERR(e, "phones: missing 'count'");
		else
			get_int(ld, e, "count", 0, 10000000, &count);
		if (!model)
			continue;
		c->phones[c->nphones].model = xstrdup(model);
		c->phones[c->nphones++].count = count;
	}
}

/* What a node's TLS ports present when probes is not set (System
 * Configuration Guide 14, "TCP and UDP Port Usage"): web on 8443, SIP TLS
 * 5061, TVS 2445, CAPF 3804 on the publisher; Unity Connection: the web
 * only; IM and Presence: the web, XMPP client connections on 5222
 * (cup-xmpp) and XMPP federation on 5269 (cup-xmpp-s2s). */
struct default_probe {
	const char *unit;
	int port;
	bool publisher_only;
};
static const struct default_probe cucm_probes[] = {
	{ "tomcat", 8443, false }, { "CallManager", 5061, false },
	{ "TVS", 2445, false }, { "CAPF", 3804, true },
};
static const struct default_probe imp_probes[] = {
	{ "tomcat", 8443, false }, { "cup-xmpp", 5222, false }, { "cup-xmpp-s2s", 5269, false },
};

static void default_probes(const struct uc_cluster *c, struct uc_node *nd)
{
	const struct default_probe *d = cucm_probes;
	size_t n = sizeof cucm_probes / sizeof cucm_probes[0];

	if (c->product == UC_PRODUCT_CUC) {
		n = 1;
	} else if (c->product == UC_PRODUCT_IMP) {
		d = imp_probes;
		n = sizeof imp_probes / sizeof imp_probes[0];
	}
	nd->probes = xcalloc(n, sizeof *nd->probes);
	for (size_t i = 0; i < n; i++) {
		if (d[i].publisher_only && nd->role != UC_ROLE_PUBLISHER)
			continue;
		nd->probes[nd->nprobes].unit = xstrdup(d[i].unit);
		nd->probes[nd->nprobes++].port = d[i].port;
	}
}

static void load_probes(struct loader *ld, const config_setting_t *e,
			const struct uc_cluster *c, struct uc_node *nd)
{
	const config_setting_t *p = config_setting_get_member(e, "probes");
	if (!p) {
		if (nd->host)
			default_probes(c, nd);
		return;
	}
	if (!nd->host)
		ERR(p, "probes: node '%s' has no host to probe", nd->name);
	if (!config_setting_is_aggregate(p)) {
		ERR(p, "probes: expected a list like [ \"tomcat@8443\", \"CallManager@5061\" ]");
		return;
	}
	int n = config_setting_length(p);
	nd->probes = xcalloc((size_t)n + 1, sizeof *nd->probes);
	for (int i = 0; i < n; i++) {
		const config_setting_t *x = config_setting_get_elem(p, (unsigned)i);
		const char *v = config_setting_get_string(x);
		const char *at = v ? strrchr(v, '@') : NULL;
		char *end = NULL;
		errno = 0;
		long port = at ? strtol(at + 1, &end, 10) : 0;
		if (!v || !at || at == v || !end || end == at + 1 || *end) {
			ERR(x, "probes: \"%s\": expected unit@port, e.g. \"tomcat@8443\"",
			    v ? v : "(not a string)");
			continue;
		}
		if (errno || port < 1 || port > 65535) {
			ERR(x, "probes: \"%s\": the port must be between 1 and 65535", v);
			continue;
		}
		char *unit = xasprintf("%.*s", (int)(at - v), v);
		const struct uc_unit *u = uc_unit_find(unit);
		if (!u || u->store != UC_STORE_OWN) {
			ERR(x, "probes: \"%s\": %s is not an identity unit (tomcat, CallManager, TVS, CAPF, ...)",
			    v, unit);
			free(unit);
			continue;
		}
		free(unit);
		nd->probes[nd->nprobes].unit = xstrdup(u->name);
		nd->probes[nd->nprobes++].port = (int)port;
	}
}

static void load_api(struct loader *ld, const config_setting_t *e, struct uc_node *nd)
{
	static const char *const known[] = { "url", "credentials", "ca_file", "insecure", NULL };
	const config_setting_t *g = config_setting_get_member(e, "api");
	if (!g)
		return;
	if (!config_setting_is_group(g)) {
		ERR(g, "api: expected a group { url = \"https://...\"; credentials = \"/etc/uccert/x.cred\"; }");
		return;
	}
	check_known(ld, g, known, "api");
	const char *url = get_string(ld, g, "url", true, "api");
	const char *cred = get_string(ld, g, "credentials", true, "api");
	const char *ca = get_string(ld, g, "ca_file", false, "api");
	const config_setting_t *ins = config_setting_get_member(g, "insecure");
	if (url && strncmp(url, "https://", 8) != 0)
		ERR(config_setting_get_member(g, "url"), "api: url = \"%s\": expected https://host[:port]", url);
	if (ins && config_setting_type(ins) != CONFIG_TYPE_BOOL)
		ERR(ins, "api: insecure: expected true or false");
	if (!url || !cred)
		return;
	nd->api = xcalloc(1, sizeof *nd->api);
	nd->api->url = xstrdup(url);
	nd->api->credentials = path_setting(ld, cred);
	nd->api->ca_file = ca ? path_setting(ld, ca) : NULL;
	nd->api->insecure = ins && config_setting_get_bool(ins);
}

static void load_ssh(struct loader *ld, const config_setting_t *e, struct uc_node *nd)
{
	static const char *const known[] = { "host", "port", "user", "credentials",
		"known_hosts", "timeout", NULL };
	const config_setting_t *g = config_setting_get_member(e, "ssh");
	if (!g)
		return;
	if (!config_setting_is_group(g)) {
		ERR(g, "ssh: expected a group { host = \"...\"; user = \"...\"; credentials = \"/etc/uccert/x.cred\"; known_hosts = \"/etc/uccert/known_hosts\"; }");
		return;
	}
	check_known(ld, g, known, "ssh");
	const char *host = get_string(ld, g, "host", false, "ssh");
	const char *user = get_string(ld, g, "user", true, "ssh");
	const char *cred = get_string(ld, g, "credentials", true, "ssh");
	const char *kh = get_string(ld, g, "known_hosts", true, "ssh");
	int port = 22, timeout = 30;
	get_int(ld, g, "port", 1, 65535, &port);
	get_int(ld, g, "timeout", 1, 600, &timeout);
	if (!host && !nd->host) {
		ERR(g, "ssh: no host: set ssh.host or the node's host");
		return;
	}
	if (!user || !cred || !kh)
		return;
	nd->ssh = xcalloc(1, sizeof *nd->ssh);
	nd->ssh->host = xstrdup(host ? host : nd->host);
	nd->ssh->port = port;
	nd->ssh->user = xstrdup(user);
	nd->ssh->credentials = path_setting(ld, cred);
	nd->ssh->known_hosts = path_setting(ld, kh);
	nd->ssh->timeout = timeout;
}

static void load_nodes(struct loader *ld, const config_setting_t *cs,
		       struct uc_cluster *c)
{
	static const char *const known[] = { "name", "role", "cert_dir", "host",
		"probes", "api", "ssh", NULL };
	static const char *const roles[] = { "publisher", "subscriber", NULL };
	const config_setting_t *nodes = config_setting_get_member(cs, "nodes");
	unsigned publishers = 0;

	if (!nodes) {
		ERR(cs, "cluster '%s': missing 'nodes'", c->name);
		return;
	}
	if (!config_setting_is_list(nodes) || config_setting_length(nodes) == 0) {
		ERR(nodes, "nodes: expected a non-empty list ( { name = ...; role = ...; cert_dir = ...; }, ... )");
		return;
	}
	int n = config_setting_length(nodes);
	c->nodes = xcalloc((size_t)n, sizeof *c->nodes);
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(nodes, (unsigned)i);
		if (!config_setting_is_group(e)) {
			ERR(e, "nodes: element %d: expected a group { ... }", i + 1);
			continue;
		}
		check_known(ld, e, known, "a node");
		const char *name = get_string(ld, e, "name", true, "node");
		const char *role = get_string(ld, e, "role", true, name ? name : "node");
		const char *dir = get_string(ld, e, "cert_dir", false, name ? name : "node");
		const char *host = get_string(ld, e, "host", false, name ? name : "node");
		int r = 0;
		if (role && !parse_enum(role, roles, &r))
			ERR(config_setting_get_member(e, "role"),
			    "role = \"%s\": expected \"publisher\" or \"subscriber\"", role);
		if (name && !dir && !host && !config_setting_get_member(e, "api") &&
		    !config_setting_get_member(e, "ssh"))
			ERR(e, "node '%s': no source: set cert_dir, host, api or ssh", name);
		if (!name || !r)
			continue;
		for (size_t j = 0; j < c->nnodes; j++)
			if (strcmp(c->nodes[j].name, name) == 0)
				ERR(config_setting_get_member(e, "name"),
				    "duplicate node name '%s' in cluster '%s' (first at line %d)",
				    name, c->name, c->nodes[j].line);
		if (r == UC_ROLE_PUBLISHER && ++publishers == 2)
			ERR(e, "cluster '%s' has more than one publisher", c->name);
		if (strchr(name, '/'))
			ERR(e, "node name '%s': must not contain '/'", name);
		struct uc_node *nd = &c->nodes[c->nnodes++];
		nd->name = xstrdup(name);
		nd->role = (enum uc_role)r;
		nd->cert_dir = dir ? path_setting(ld, dir) : NULL;
		nd->host = host ? xstrdup(host) : NULL;
		nd->line = (int)config_setting_source_line(e);
		load_probes(ld, e, c, nd);
		load_api(ld, e, nd);
		load_ssh(ld, e, nd);
	}
}

static bool parse_number(const char **p, int max, int *out)
{
	long v = 0;

	if (!isdigit((unsigned char)**p))
		return false;
	while (isdigit((unsigned char)**p)) {
		v = v * 10 + (**p - '0');
		if (v > max)
			return false;
		(*p)++;
	}
	*out = (int)v;
	return true;
}

bool uc_release_parse(const char *text, struct uc_release *out)
{
	struct uc_release r = { 0, 0, 0 };
	const char *p = text;
	int ignored;

	if (!p || !parse_number(&p, 99, &r.major) || r.major < 8)
		return false;
	if (*p == '.' && (p++, !parse_number(&p, 99, &r.minor)))
		return false;
	/* "12.5(1)SU3": the maintenance number in parentheses orders nothing
	 * Cisco's documents distinguish; accept and drop it */
	if (*p == '(' && (p++, !parse_number(&p, 99, &ignored) || *p++ != ')'))
		return false;
	if ((p[0] == 'S' || p[0] == 's') && (p[1] == 'U' || p[1] == 'u')) {
		p += 2;
		if (!parse_number(&p, 99, &r.su))
			return false;
	}
	if (*p)
		return false;
	*out = r;
	return true;
}

unsigned uc_release_code(const struct uc_release *r)
{
	return UC_RELEASE(r->major, r->minor, r->su);
}

const char *uc_release_text(unsigned code, char *buf, size_t len)
{
	unsigned major = code / 10000, minor = code / 100 % 100, su = code % 100;
	int n = minor ? snprintf(buf, len, "%u.%u", major, minor) : snprintf(buf, len, "%u", major);

	if (su && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "SU%u", su);
	return buf;
}

static void load_clusters(struct loader *ld, const config_setting_t *root,
			  struct uc_settings *s)
{
	static const char *const known[] = { "name", "product", "security_mode",
		"version", "nodes", "phones", NULL };
	static const char *const products[] = { "cucm", "cuc", "imp", NULL };
	static const char *const modes[] = { "non-secure", "mixed-usb",
		"mixed-tokenless", NULL };
	const config_setting_t *cl = config_setting_get_member(root, "clusters");

	if (!cl) {
		ERR(NULL, "no 'clusters' defined: nothing to monitor");
		return;
	}
	if (!config_setting_is_list(cl)) {
		ERR(cl, "clusters: expected a list ( { name = ...; ... }, ... )");
		return;
	}
	int n = config_setting_length(cl);
	if (n == 0) {	/* monitors nothing, like a file without the list */
		ERR(cl, "clusters = (): no cluster defined: nothing to monitor");
		return;
	}
	s->clusters = xcalloc((size_t)n, sizeof *s->clusters);
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(cl, (unsigned)i);
		if (!config_setting_is_group(e)) {
			ERR(e, "clusters: element %d: expected a group { ... }", i + 1);
			continue;
		}
		check_known(ld, e, known, "a cluster");
		const char *name = get_string(ld, e, "name", true, "cluster");
		const char *prod = get_string(ld, e, "product", false, "cluster");
		const char *mode = get_string(ld, e, "security_mode", false, "cluster");
		const char *version = get_string(ld, e, "version", false, "cluster");
		struct uc_release rel = { 0, 0, 0 };
		int p = 1, m = UC_SECURITY_NON_SECURE;
		if (prod && !parse_enum(prod, products, &p))
			ERR(config_setting_get_member(e, "product"),
			    "product = \"%s\": expected \"cucm\", \"cuc\" or \"imp\"", prod);
		if (mode && !parse_enum(mode, modes, &m))
			ERR(config_setting_get_member(e, "security_mode"),
			    "security_mode = \"%s\": expected \"non-secure\", \"mixed-usb\" or \"mixed-tokenless\"",
			    mode);
		if (version && !uc_release_parse(version, &rel))
			ERR(config_setting_get_member(e, "version"),
			    "version = \"%s\": expected a release such as \"12.5\", \"12.5(1)SU3\", \"14\", \"14SU2\" or \"15\"",
			    version);
		if (!name)
			continue;
		for (size_t j = 0; j < s->nclusters; j++)
			if (strcmp(s->clusters[j].name, name) == 0)
				ERR(config_setting_get_member(e, "name"),
				    "duplicate cluster name '%s' (first at line %d)",
				    name, s->clusters[j].line);
		struct uc_cluster *c = &s->clusters[s->nclusters++];
		c->name = xstrdup(name);
		c->product = p == 2 ? UC_PRODUCT_CUC : p == 3 ? UC_PRODUCT_IMP : UC_PRODUCT_CUCM;
		c->security_mode = (enum uc_security_mode)m;
		c->release = version ? uc_release_code(&rel) : 0;
		/* Security Guide 14SU2, "Certificates" (CTL client): the USB-token
		 * CTL client is not supported from release 14 */
		if (c->security_mode == UC_SECURITY_MIXED_USB && c->release >= UC_RELEASE(14, 0, 0))
			WARN(config_setting_get_member(e, "version"),
			     "cluster '%s': security_mode \"mixed-usb\" with version \"%s\": the USB-token CTL client is not supported from release 14 (tokens end at 14SU3); migrate with utils ctl set-cluster mixed-mode",
			     name, version);
		c->line = (int)config_setting_source_line(e);
		load_nodes(ld, e, c);
		load_phones(ld, e, c);
	}
}

static void load_groups(struct loader *ld, const config_setting_t *root,
			struct uc_settings *s)
{
	static const char *const agentx_known[] = { "socket", "ping_interval", NULL };
	static const char *const cleanup_known[] = { "quarantine_dir", "grace_days",
						     "require_replacement", NULL };
	const config_setting_t *g;
	const char *v;

	if ((g = config_setting_get_member(root, "agentx"))) {
		if (!config_setting_is_group(g)) {
			ERR(g, "agentx: expected a group { socket = ...; ping_interval = ...; }");
		} else {
			check_known(ld, g, agentx_known, "agentx");
			if ((v = get_string(ld, g, "socket", false, "agentx"))) {
				free(s->agentx_socket);
				s->agentx_socket = xstrdup(v);
			}
			get_int(ld, g, "ping_interval", 1, 3600, &s->agentx_ping_interval);
		}
	}
	if ((g = config_setting_get_member(root, "cleanup"))) {
		if (!config_setting_is_group(g)) {
			ERR(g, "cleanup: expected a group { quarantine_dir = ...; grace_days = ...; }");
		} else {
			check_known(ld, g, cleanup_known, "cleanup");
			if ((v = get_string(ld, g, "quarantine_dir", false, "cleanup"))) {
				free(s->quarantine_dir);
				s->quarantine_dir = path_setting(ld, v);
			}
			get_int(ld, g, "grace_days", 0, 36500, &s->grace_days);
			const config_setting_t *rr = config_setting_get_member(g, "require_replacement");
			if (rr && config_setting_type(rr) != CONFIG_TYPE_BOOL)
				ERR(rr, "cleanup: require_replacement: expected true or false");
			else if (rr)
				s->require_replacement = config_setting_get_bool(rr);
		}
	}
}

static struct uc_settings *settings_defaults(const char *path)
{
	static const int reminders[] = { 60, 30, 14, 7, 3, 1 };
	struct uc_settings *s = xcalloc(1, sizeof *s);

	s->path = xstrdup(path);
	s->threshold_days = 90;
	s->nreminders = sizeof reminders / sizeof reminders[0];
	s->reminder_days = xcalloc(s->nreminders, sizeof(int));
	memcpy(s->reminder_days, reminders, sizeof reminders);
	s->scan_interval = 3600;
	s->state_dir = xstrdup(DEFAULT_STATE_DIR);
	s->agentx_socket = xstrdup(DEFAULT_AGENTX_SOCKET);
	s->agentx_ping_interval = 15;
	s->quarantine_dir = NULL;
	s->grace_days = 0;
	s->probe_timeout = 5;
	s->probe_concurrency = 32;
	s->api_timeout = 30;
	s->stale_after = 7;
	s->notify_rate = 20;
	s->notify_inflight = 8;
	return s;
}

/* Load from fp, whose name (for messages, and whose directory relative
 * paths start from when from_file) is path. Does not close fp. */
static struct uc_settings *load_stream(const char *path, FILE *fp, bool from_file,
				       struct uc_diag *diag)
{
	static const char *const known[] = { "threshold_days", "threshold_days_none",
		"threshold_days_ctl_itl", "threshold_days_unknown", "reminder_days",
		"expired_repeat_days", "scan_interval", "state_dir", "clusters",
		"agentx", "cleanup", "user", "probe_timeout", "probe_concurrency",
		"api_timeout", "stale_after", "notify_rate", "notify_inflight",
		"credentials_group", NULL };
	struct loader ld_ = { .path = path, .diag = diag }, *ld = &ld_;
	config_t cfg;
	struct uc_settings *s;
	const config_setting_t *root;
	const char *v;

	struct sbuf text = { 0 };
	char chunk[4096];
	size_t got;
	while ((got = fread(chunk, 1, sizeof chunk, fp)) > 0)
		sbuf_put(&text, chunk, got);
	rewind(fp);
	ld->src.text = sbuf_take(&text);
	lex(&ld->src);
	config_init(&cfg);
	if (!config_read(&cfg, fp)) {
		free(ld->src.text);
		free(ld->src.tok);
		push(&diag->errors, &diag->nerrors,
		     xasprintf("%s:%d: %s", path, config_error_line(&cfg),
			       config_error_text(&cfg)));
		config_destroy(&cfg);
		return NULL;
	}
	char *real = from_file ? realpath(path, NULL) : NULL;
	if (real) {
		*strrchr(real, '/') = '\0';	/* its directory ("" for /) */
		ld->base = real;
	}
	s = settings_defaults(path);
	root = config_root_setting(&cfg);
	ld->root = root;
	check_known(ld, root, known, NULL);

	get_int(ld, root, "threshold_days", 0, 3650, &s->threshold_days);
	for (int i = 1; i <= UC_IMPACT_MAX; i++)
		s->threshold_by_impact[i] = s->threshold_days;
	get_int(ld, root, "threshold_days_none", 0, 3650, &s->threshold_by_impact[UC_IMPACT_NONE]);
	get_int(ld, root, "threshold_days_ctl_itl", 0, 3650, &s->threshold_by_impact[UC_IMPACT_CTL_ITL]);
	get_int(ld, root, "threshold_days_unknown", 0, 3650, &s->threshold_by_impact[UC_IMPACT_UNKNOWN]);
	if (config_setting_get_member(root, "reminder_days")) {
		load_reminders(ld, root, s);
	} else {	/* defaults beyond every threshold could never fire: drop them */
		int max = 0;
		for (int i = 1; i <= UC_IMPACT_MAX; i++)
			if (s->threshold_by_impact[i] > max)
				max = s->threshold_by_impact[i];
		size_t k = 0;
		for (size_t i = 0; i < s->nreminders; i++)
			if (s->reminder_days[i] <= max)
				s->reminder_days[k++] = s->reminder_days[i];
		s->nreminders = k;
	}
	get_int(ld, root, "expired_repeat_days", 0, 3650, &s->expired_repeat_days);
	get_int(ld, root, "scan_interval", 10, 7 * 86400, &s->scan_interval);
	get_int(ld, root, "notify_rate", 0, 10000, &s->notify_rate);
	get_int(ld, root, "notify_inflight", 1, 64, &s->notify_inflight);
	if ((v = get_string(ld, root, "state_dir", false, NULL))) {
		free(s->state_dir);
		s->state_dir = path_setting(ld, v);
	}
	get_int(ld, root, "probe_timeout", 1, 300, &s->probe_timeout);
	get_int(ld, root, "probe_concurrency", 1, 1024, &s->probe_concurrency);
	get_int(ld, root, "api_timeout", 1, 600, &s->api_timeout);
	get_int(ld, root, "stale_after", 0, 3650, &s->stale_after);
	if ((v = get_string(ld, root, "user", false, NULL)))
		s->user = xstrdup(v);
	if ((v = get_string(ld, root, "credentials_group", false, NULL)))
		s->credentials_group = xstrdup(v);
	load_groups(ld, root, s);
	if (!s->quarantine_dir)
		s->quarantine_dir = xasprintf("%s/quarantine", s->state_dir);
	load_clusters(ld, root, s);
	config_destroy(&cfg);
	free(ld->base);
	free(ld->src.text);
	free(ld->src.tok);

	if (diag->nerrors) {
		uc_settings_free(s);
		return NULL;
	}
	return s;
}

struct uc_settings *uc_settings_load(const char *path, struct uc_diag *diag)
{
	/* open it ourselves: libconfig's I/O errors carry no reason. Never
	 * block in open (a FIFO waits for a writer) and read nothing but a
	 * regular file of sane size. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	struct stat st = { 0 };
	const char *why = NULL;
	if (fd < 0 || fstat(fd, &st) < 0)
		why = strerror(errno);
	else if (S_ISDIR(st.st_mode))
		why = "is a directory, expected a file";
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file (a FIFO, device or socket is never read)";
	else if (st.st_size > CONFIG_MAX_BYTES)
		why = "larger than 4 MiB: not a configuration file";
	else if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
		why = strerror(errno);
	FILE *fp = why ? NULL : fdopen(fd, "r");
	if (!fp) {
		if (!why)
			why = strerror(errno);
		push(&diag->errors, &diag->nerrors, xasprintf("%s: cannot read: %s", path, why));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	struct uc_settings *s = load_stream(path, fp, true, diag);
	fclose(fp);
	return s;
}

struct uc_settings *uc_settings_load_buffer(const char *name, const char *buf, size_t len,
					    struct uc_diag *diag)
{
	/* fmemopen takes a non-const buffer: give it a copy */
	char *copy = xmalloc(len + 1);
	if (len)
		memcpy(copy, buf, len);
	copy[len] = '\0';
	FILE *fp = fmemopen(copy, len, "r");
	if (!fp) {
		push(&diag->errors, &diag->nerrors, xasprintf("%s: cannot read: %s", name, strerror(errno)));
		free(copy);
		return NULL;
	}
	struct uc_settings *s = load_stream(name, fp, false, diag);
	fclose(fp);
	free(copy);
	return s;
}

struct uc_settings *uc_settings_load_logged(const char *path)
{
	struct uc_diag diag = { 0 };
	struct uc_settings *s = uc_settings_load(path, &diag);
	for (size_t i = 0; i < diag.nwarnings; i++)
		uc_log(LOG_WARNING, "%s", diag.warnings[i]);
	for (size_t i = 0; i < diag.nerrors; i++)
		uc_log(LOG_ERR, "%s", diag.errors[i]);
	uc_diag_free(&diag);
	return s;
}

int uc_settings_threshold(const struct uc_settings *s, enum uc_impact impact)
{
	if (impact < 1 || impact > UC_IMPACT_MAX)
		return s->threshold_days;
	return s->threshold_by_impact[impact];
}

void uc_settings_free(struct uc_settings *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nclusters; i++) {
		struct uc_cluster *c = &s->clusters[i];
		for (size_t j = 0; j < c->nnodes; j++) {
			struct uc_node *nd = &c->nodes[j];
			free(nd->name);
			free(nd->cert_dir);
			free(nd->host);
			for (size_t k = 0; k < nd->nprobes; k++)
				free(nd->probes[k].unit);
			free(nd->probes);
			if (nd->api) {
				free(nd->api->url);
				free(nd->api->credentials);
				free(nd->api->ca_file);
				free(nd->api);
			}
			if (nd->ssh) {
				free(nd->ssh->host);
				free(nd->ssh->user);
				free(nd->ssh->credentials);
				free(nd->ssh->known_hosts);
				free(nd->ssh);
			}
		}
		for (size_t j = 0; j < c->nphones; j++)
			free(c->phones[j].model);
		free(c->nodes);
		free(c->phones);
		free(c->name);
	}
	free(s->clusters);
	free(s->reminder_days);
	free(s->state_dir);
	free(s->user);
	free(s->credentials_group);
	free(s->agentx_socket);
	free(s->quarantine_dir);
	free(s->path);
	free(s);
}

void uc_diag_free(struct uc_diag *d)
{
	for (size_t i = 0; i < d->nerrors; i++)
		free(d->errors[i]);
	for (size_t i = 0; i < d->nwarnings; i++)
		free(d->warnings[i]);
	free(d->errors);
	free(d->warnings);
	memset(d, 0, sizeof *d);
}

const char *uc_security_mode_name(enum uc_security_mode m)
{
	switch (m) {
	case UC_SECURITY_MIXED_USB:
		return "mixed-usb";
	case UC_SECURITY_MIXED_TOKENLESS:
		return "mixed-tokenless";
	default:
		return "non-secure";
	}
}

const char *uc_role_name(enum uc_role r)
{
	return r == UC_ROLE_PUBLISHER ? "publisher" : "subscriber";
}
