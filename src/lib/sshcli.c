/* sshcli.c - the platform administration CLI over SSH as a source of
 * certificate files (see sshcli.h for the contract).
 *
 * Three layers: a session (libssh: connect, host key against known_hosts,
 * password login, a PTY shell, commands typed at the "admin:" prompt), the
 * two parsers that depend on as little of the CLI's wording as possible
 * ("<unit>/<file>" tokens in a list, PEM armour in an answer), and the
 * fetch that walks both stores with them. */
#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "catalog.h"
#include "creds.h"
#include "sshcli.h"
#include "util.h"

struct uc_ssh_session {
	ssh_session ssh;
	ssh_channel chan;
	int timeout_s;
	struct sbuf in;		/* received and not yet consumed */
};

static int port_of(const struct uc_ssh_source *src)
{
	return src->port > 0 ? src->port : UC_SSH_DEFAULT_PORT;
}

static int timeout_of(const struct uc_ssh_source *src)
{
	return src->timeout_s > 0 ? src->timeout_s : UC_SSH_DEFAULT_TIMEOUT;
}

char *uc_ssh_location(const struct uc_ssh_source *src)
{
	const char *user = src->user ? src->user : "";
	bool v6 = strchr(src->host, ':') != NULL;

	if (port_of(src) == UC_SSH_DEFAULT_PORT)
		return v6 ? xasprintf("ssh://%s@[%s]", user, src->host)
			  : xasprintf("ssh://%s@%s", user, src->host);
	return v6 ? xasprintf("ssh://%s@[%s]:%d", user, src->host, port_of(src))
		  : xasprintf("ssh://%s@%s:%d", user, src->host, port_of(src));
}

/* ---- the session ------------------------------------------------------ */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The server's key as "SHA256:..." (malloc'd), or a placeholder. */
static char *server_fingerprint(ssh_session ssh)
{
	ssh_key key = NULL;
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *out = NULL;

	if (ssh_get_server_publickey(ssh, &key) == SSH_OK &&
	    ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) == 0) {
		char *fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
		if (fp) {
			out = xasprintf("%s %s", ssh_key_type_to_char(ssh_key_type(key)), fp);
			ssh_string_free_char(fp);
		}
		ssh_clean_pubkey_hash(&hash);
	}
	ssh_key_free(key);
	return out ? out : xstrdup("unknown key");
}

static char *check_host_key(ssh_session ssh, const struct uc_ssh_source *src)
{
	enum ssh_known_hosts_e k = ssh_session_is_known_server(ssh);
	const char *why;

	switch (k) {
	case SSH_KNOWN_HOSTS_OK:
		return NULL;
	case SSH_KNOWN_HOSTS_CHANGED:
		why = "differs from the one in known_hosts";
		break;
	case SSH_KNOWN_HOSTS_OTHER:
		why = "is of another type than the one in known_hosts";
		break;
	case SSH_KNOWN_HOSTS_UNKNOWN:
	case SSH_KNOWN_HOSTS_NOT_FOUND:
		why = "is not in known_hosts";
		break;
	default:
		return xasprintf("known_hosts %s: cannot be checked: %s", src->known_hosts,
				 ssh_get_error(ssh));
	}
	char *fp = server_fingerprint(ssh);
	char *msg = xasprintf("host key of %s port %d (%s) %s %s: refused", src->host,
			      port_of(src), fp, why, src->known_hosts);
	free(fp);
	return msg;
}

/* Answer keyboard-interactive prompts that do not echo with the password
 * (the platform asks for it that way on some releases). */
static int login_kbdint(ssh_session ssh, const char *password)
{
	int rc;
	while ((rc = ssh_userauth_kbdint(ssh, NULL, NULL)) == SSH_AUTH_INFO) {
		int n = ssh_userauth_kbdint_getnprompts(ssh);
		for (int i = 0; i < n; i++) {
			char echo = 0;
			ssh_userauth_kbdint_getprompt(ssh, (unsigned)i, &echo);
			if (ssh_userauth_kbdint_setanswer(ssh, (unsigned)i, echo ? "" : password) < 0)
				return SSH_AUTH_ERROR;
		}
	}
	return rc;
}

static char *login(ssh_session ssh, const struct uc_ssh_source *src, const struct uc_creds *c)
{
	int rc = ssh_userauth_none(ssh, NULL);

	if (rc != SSH_AUTH_SUCCESS && rc != SSH_AUTH_ERROR) {
		int methods = ssh_userauth_list(ssh, NULL);
		if (methods & SSH_AUTH_METHOD_PASSWORD)
			rc = ssh_userauth_password(ssh, NULL, c->password);
		else if (methods & SSH_AUTH_METHOD_INTERACTIVE)
			rc = login_kbdint(ssh, c->password);
		else
			return xstrdup("the server offers no password login");
	}
	switch (rc) {
	case SSH_AUTH_SUCCESS:
		return NULL;
	case SSH_AUTH_DENIED:
	case SSH_AUTH_PARTIAL:
		return xasprintf("login refused for user %s (check the credentials in %s)",
				 c->user, src->credentials_file);
	case SSH_AUTH_AGAIN:
		return xasprintf("timed out after %d s (logging in)", timeout_of(src));
	default:
		return xasprintf("login failed: %s", ssh_get_error(ssh));
	}
}

/* Why a connect failed, in the words the other sources use. */
static char *connect_error(ssh_session ssh, const struct uc_ssh_source *src)
{
	const char *e = ssh_get_error(ssh);
	if (strstr(e, "Connection refused"))
		return xasprintf("connection refused (%s port %d)", src->host, port_of(src));
	if (strstr(e, "imeout") || strstr(e, "timed out"))
		return xasprintf("timed out after %d s (connecting, key exchange)", timeout_of(src));
	return xasprintf("cannot connect to %s port %d: %s", src->host, port_of(src), e);
}

/* Index just past the prompt when the buffer ends with it, else 0: the
 * last line, trailing blanks removed, is exactly the prompt. */
static size_t prompt_end(const struct sbuf *b)
{
	size_t n = b->len, plen = strlen(UC_SSH_PROMPT);
	while (n > 0 && (b->s[n - 1] == ' ' || b->s[n - 1] == '\t'))
		n--;
	if (n < plen || memcmp(b->s + n - plen, UC_SSH_PROMPT, plen) != 0)
		return 0;
	if (n > plen && b->s[n - plen - 1] != '\n' && b->s[n - plen - 1] != '\r')
		return 0;
	return b->len;
}

/* Read until the prompt; what came before it is left in s->in. */
static char *wait_prompt(struct uc_ssh_session *s, const char *doing)
{
	double deadline = now_s() + s->timeout_s;
	char buf[16384];

	while (!prompt_end(&s->in)) {
		double left = deadline - now_s();
		if (left <= 0)
			return xasprintf("timed out after %d s (%s)", s->timeout_s, doing);
		int n = ssh_channel_read_timeout(s->chan, buf, sizeof buf, 0,
						 (int)(left * 1000) + 1);
		if (n == SSH_ERROR)
			return xasprintf("session failed (%s): %s", doing, ssh_get_error(s->ssh));
		if (n == 0 && (ssh_channel_is_eof(s->chan) || !ssh_channel_is_open(s->chan)))
			return xasprintf("the node closed the session (%s)", doing);
		if (s->in.len + (size_t)n > UC_SSH_MAX_ANSWER)
			return xasprintf("answer too large (more than %u MiB, %s)",
					 UC_SSH_MAX_ANSWER >> 20, doing);
		for (int i = 0; i < n; i++)
			if (buf[i] != '\r' && buf[i] != '\0')
				sbuf_putc(&s->in, buf[i]);
	}
	return NULL;
}

struct uc_ssh_session *uc_ssh_open(const struct uc_ssh_source *src, char **err)
{
	struct uc_ssh_session *s = xcalloc(1, sizeof *s);
	struct uc_creds *c = xcalloc(1, sizeof *c);
	long timeout = timeout_of(src);
	int port = port_of(src), verbosity = SSH_LOG_NOLOG, no = 0;

	*err = NULL;
	s->timeout_s = (int)timeout;
	if (!src->known_hosts || !*src->known_hosts) {
		*err = xstrdup("no known_hosts file configured (the host key must be known)");
		goto fail;
	}
	if (access(src->known_hosts, R_OK) != 0) {
		*err = xasprintf("known_hosts %s: %s", src->known_hosts, strerror(errno));
		goto fail;
	}
	/* refused credentials never reach the network */
	if ((*err = uc_creds_read(src->credentials_file, src->credentials_group, c)))
		goto fail;
	if (src->user && strcmp(c->user, src->user) != 0) {
		*err = xasprintf("credentials file %s: its user is not the ssh user \"%s\"",
				 src->credentials_file, src->user);
		goto fail;
	}
	if (!(s->ssh = ssh_new())) {
		*err = xstrdup("libssh: cannot create a session");
		goto fail;
	}
	/* the configured files only: no ~/.ssh/config, no system known_hosts */
	if (ssh_options_set(s->ssh, SSH_OPTIONS_LOG_VERBOSITY, &verbosity) < 0 ||
	    ssh_options_set(s->ssh, SSH_OPTIONS_PROCESS_CONFIG, &no) < 0 ||
	    ssh_options_set(s->ssh, SSH_OPTIONS_HOST, src->host) < 0 ||
	    ssh_options_set(s->ssh, SSH_OPTIONS_PORT, &port) < 0 ||
	    (src->user && ssh_options_set(s->ssh, SSH_OPTIONS_USER, src->user) < 0) ||
	    ssh_options_set(s->ssh, SSH_OPTIONS_KNOWNHOSTS, src->known_hosts) < 0 ||
	    ssh_options_set(s->ssh, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, src->known_hosts) < 0 ||
	    ssh_options_set(s->ssh, SSH_OPTIONS_TIMEOUT, &timeout) < 0) {
		*err = xasprintf("libssh: %s", ssh_get_error(s->ssh));
		goto fail;
	}
	if (ssh_connect(s->ssh) != SSH_OK) {
		*err = connect_error(s->ssh, src);
		goto fail;
	}
	if ((*err = check_host_key(s->ssh, src)) || (*err = login(s->ssh, src, c)))
		goto fail;
	uc_creds_wipe(c);
	if (!(s->chan = ssh_channel_new(s->ssh)) || ssh_channel_open_session(s->chan) != SSH_OK ||
	    ssh_channel_request_pty_size(s->chan, "vt100", UC_SSH_PTY_COLS, UC_SSH_PTY_ROWS) != SSH_OK ||
	    ssh_channel_request_shell(s->chan) != SSH_OK) {
		*err = xasprintf("cannot open the CLI shell: %s", ssh_get_error(s->ssh));
		goto fail;
	}
	if ((*err = wait_prompt(s, "waiting for the first " UC_SSH_PROMPT " prompt")))
		goto fail;
	free(sbuf_take(&s->in));	/* the banner */
	free(c);
	return s;
fail:
	uc_creds_wipe(c);
	free(c);
	uc_ssh_close(s);
	return NULL;
}

char *uc_ssh_command(struct uc_ssh_session *s, const char *cmd, char **err)
{
	char *line = xasprintf("%s\n", cmd);
	size_t len = strlen(line);
	int w = ssh_channel_write(s->chan, line, (uint32_t)len);
	free(line);
	*err = NULL;
	if (w != (int)len) {
		*err = xasprintf("cannot send %s: %s", cmd, ssh_get_error(s->ssh));
		return NULL;
	}
	char *doing = xasprintf("waiting for the answer to %s", cmd);
	*err = wait_prompt(s, doing);
	free(doing);
	if (*err)
		return NULL;

	char *all = sbuf_take(&s->in);
	/* take off the closing prompt */
	char *end = all + strlen(all);
	while (end > all && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	end -= strlen(UC_SSH_PROMPT);
	*end = '\0';
	/* and the command as the terminal echoed it */
	char *body = all, *nl = strchr(all, '\n');
	if (nl) {
		*nl = '\0';
		size_t ll = strlen(all), cl = strlen(cmd);
		if (ll >= cl && strcmp(all + ll - cl, cmd) == 0)
			body = nl + 1;
		else
			*nl = '\n';
	}
	char *out = xstrdup(body);
	free(all);
	return out;
}

void uc_ssh_close(struct uc_ssh_session *s)
{
	if (!s)
		return;
	if (s->chan) {
		if (ssh_channel_is_open(s->chan)) {
			/* leave the CLI politely, but never wait for it */
			ssh_channel_write(s->chan, "exit\n", 5);
			ssh_channel_send_eof(s->chan);
			ssh_channel_close(s->chan);
		}
		ssh_channel_free(s->chan);
	}
	if (s->ssh) {
		ssh_disconnect(s->ssh);
		ssh_free(s->ssh);
	}
	free(s->in.s);
	free(s);
}

/* ---- parsing ---------------------------------------------------------- */

/* A unit or file name the CLI can be given back safely: no blank, no
 * slash, no shell or terminal character, not "." or "..". */
static bool safe_name(const char *s, size_t n)
{
	if (n == 0 || n > 255 || (n <= 2 && strncmp(s, "..", n) == 0))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.' || c == '@' || c == '+' || c == '='))
			return false;
	}
	return true;
}

void uc_ssh_parse_list(const char *answer, struct uc_ssh_entry **entries, size_t *n,
		       char ***unplaced, size_t *nunplaced)
{
	const char *p = answer;

	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		const char *q = p, *end = p + len;
		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		/* the token ends at a blank or the ':' that introduces the description */
		const char *t = q;
		while (t < end && *t != ' ' && *t != '\t' && *t != ':')
			t++;
		const char *slash = memchr(q, '/', (size_t)(t - q));
		if (slash && safe_name(q, (size_t)(slash - q)) &&
		    safe_name(slash + 1, (size_t)(t - slash - 1))) {
			*entries = xreallocarray(*entries, *n + 1, sizeof **entries);
			(*entries)[*n].unit = xasprintf("%.*s", (int)(slash - q), q);
			(*entries)[*n].filename = xasprintf("%.*s", (int)(t - slash - 1), slash + 1);
			(*n)++;
		} else if (q < end) {
			char *raw = xasprintf("%.*s", (int)len, p);
			*unplaced = xreallocarray(*unplaced, *nunplaced + 1, sizeof **unplaced);
			(*unplaced)[(*nunplaced)++] = uc_escape(raw);
			free(raw);
		}
		p = eol ? eol + 1 : end;
	}
}

char *uc_ssh_pem_blocks(const char *answer, size_t *len)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----";
	static const char endm[] = "-----END CERTIFICATE-----";
	struct sbuf b = { 0 };
	const char *p = answer, *s;

	while ((s = strstr(p, begin))) {
		const char *e = strstr(s, endm);
		if (!e)
			break;
		e += sizeof endm - 1;
		sbuf_put(&b, s, (size_t)(e - s));
		sbuf_putc(&b, '\n');
		p = e;
	}
	*len = b.len;
	return b.len ? sbuf_take(&b) : (free(b.s), NULL);
}

/* ---- the fetch -------------------------------------------------------- */

void uc_ssh_result_clear(struct uc_ssh_result *r)
{
	for (size_t i = 0; i < r->ncerts; i++) {
		free(r->certs[i].unit);
		free(r->certs[i].filename);
		uc_certfile_unref(r->certs[i].file);
	}
	for (size_t i = 0; i < r->nunplaced; i++)
		free(r->unplaced[i]);
	free(r->certs);
	free(r->unplaced);
	free(r->error);
	memset(r, 0, sizeof *r);
}

/* One store: the list, then each file's answer. */
static char *read_store(struct uc_ssh_session *s, bool trust, struct uc_ssh_result *r)
{
	const char *store = trust ? "trust" : "own";
	char *cmd = xasprintf("show cert list %s", store), *err;
	char *answer = uc_ssh_command(s, cmd, &err);
	struct uc_ssh_entry *e = NULL;
	size_t n = 0;

	free(cmd);
	if (!answer)
		return err;
	uc_ssh_parse_list(answer, &e, &n, &r->unplaced, &r->nunplaced);
	free(answer);
	for (size_t i = 0; i < n; i++) {
		if (!err) {
			cmd = xasprintf("show cert %s %s/%s", store, e[i].unit, e[i].filename);
			answer = uc_ssh_command(s, cmd, &err);
			if (answer) {
				size_t len;
				char *pem = uc_ssh_pem_blocks(answer, &len);
				struct uc_ssh_cert *c;
				r->certs = xreallocarray(r->certs, r->ncerts + 1, sizeof *r->certs);
				c = &r->certs[r->ncerts++];
				const struct uc_unit *u = uc_unit_find(e[i].unit);
				c->unit = xstrdup(u ? u->name : e[i].unit);
				c->trust = trust;
				c->filename = xstrdup(e[i].filename);
				c->file = pem ? uc_certfile_parse((unsigned char *)pem, len) : NULL;
				if (!c->file)
					c->file = uc_certfile_error("no certificate in the answer to %s", cmd);
				else if (c->file->ncerts == 0) {
					struct uc_certfile *bad =
						uc_certfile_error("PEM does not parse: %s", c->file->error);
					uc_certfile_unref(c->file);
					c->file = bad;
				}
				free(pem);
				free(answer);
			}
			free(cmd);
		}
		free(e[i].unit);
		free(e[i].filename);
	}
	free(e);
	return err;
}

int uc_ssh_fetch(const struct uc_ssh_source *src, struct uc_ssh_result *out)
{
	char *err = NULL;
	struct uc_ssh_session *s;

	memset(out, 0, sizeof *out);
	if (!(s = uc_ssh_open(src, &err))) {
		out->error = err;
		return -1;
	}
	if (!(err = read_store(s, false, out)))
		err = read_store(s, true, out);
	uc_ssh_close(s);
	if (err) {
		uc_ssh_result_clear(out);
		out->error = err;
		return -1;
	}
	return 0;
}
