/* certapi.c - the CUCM 14+ Certificate Management REST API as a source of
 * certificate files (see certapi.h for the contract).
 *
 * Three steps, each with its own failure vocabulary: read the credentials
 * file (refused when others could read it), one HTTPS GET through libcurl
 * (curl and HTTP failures become one operator-readable line), then walk the
 * JSON with json-c into uc_certfiles. */
#include <config.h>

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* plain functions (not GCC's checking macros): they are called through
 * pointers below */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "catalog.h"
#include "certapi.h"
#include "creds.h"
#include "log.h"
#include "util.h"

/* Longest piece of a server-sent header (reason, type, location) quoted. */
#define QUOTE_MAX 120

/* libcurl is loaded the first time an API source is read, not when the
 * program starts: a uccert or uccertd that reads no certificate API maps
 * none of libcurl's twenty-odd libraries (about 3.5 MiB of resident
 * pages). Every call goes through this table; the macros below keep the
 * code reading as ordinary libcurl calls. */
static struct {
	__typeof__(curl_global_init) *global_init;
	__typeof__(curl_global_cleanup) *global_cleanup;
	__typeof__(curl_version_info) *version_info;
	__typeof__(curl_easy_init) *easy_init;
	__typeof__(curl_easy_setopt) *easy_setopt;
	__typeof__(curl_easy_perform) *easy_perform;
	__typeof__(curl_easy_getinfo) *easy_getinfo;
	__typeof__(curl_easy_cleanup) *easy_cleanup;
	__typeof__(curl_easy_strerror) *easy_strerror;
	__typeof__(curl_free) *free_;
	__typeof__(curl_slist_append) *slist_append;
	__typeof__(curl_slist_free_all) *slist_free_all;
	__typeof__(curl_url) *url;
	__typeof__(curl_url_cleanup) *url_cleanup;
	__typeof__(curl_url_get) *url_get;
	__typeof__(curl_url_set) *url_set;
	__typeof__(curl_url_strerror) *url_strerror;
} cu;
static pthread_once_t cu_once = PTHREAD_ONCE_INIT;
static char *cu_error;	/* why libcurl is not usable; NULL once loaded */
static bool cu_ready;

#undef curl_easy_setopt	/* curl.h's pass-through macros */
#undef curl_easy_getinfo
#define curl_global_init cu.global_init
#define curl_global_cleanup cu.global_cleanup
#define curl_version_info cu.version_info
#define curl_easy_init cu.easy_init
#define curl_easy_setopt cu.easy_setopt
#define curl_easy_perform cu.easy_perform
#define curl_easy_getinfo cu.easy_getinfo
#define curl_easy_cleanup cu.easy_cleanup
#define curl_easy_strerror cu.easy_strerror
#define curl_free cu.free_
#define curl_slist_append cu.slist_append
#define curl_slist_free_all cu.slist_free_all
#define curl_url cu.url
#define curl_url_cleanup cu.url_cleanup
#define curl_url_get cu.url_get
#define curl_url_set cu.url_set
#define curl_url_strerror cu.url_strerror

#define LIBCURL_SONAME "libcurl.so.4"

static void cu_load(void)
{
	static const char *const names[] = {
		"curl_global_init", "curl_global_cleanup", "curl_version_info",
		"curl_easy_init", "curl_easy_setopt", "curl_easy_perform",
		"curl_easy_getinfo", "curl_easy_cleanup", "curl_easy_strerror",
		"curl_free", "curl_slist_append", "curl_slist_free_all", "curl_url",
		"curl_url_cleanup", "curl_url_get", "curl_url_set", "curl_url_strerror",
	};
	void **slots = (void **)&cu;	/* the table is names[] in order */
	void *h = dlopen(LIBCURL_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		cu_error = xasprintf("cannot load %s: %s", LIBCURL_SONAME, dlerror());
		return;
	}
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (!(slots[i] = dlsym(h, names[i]))) {
			cu_error = xasprintf("%s has no %s: too old", LIBCURL_SONAME, names[i]);
			return;
		}
	}
	CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (rc != CURLE_OK) {
		cu_error = xasprintf("libcurl initialisation failed: %s", curl_easy_strerror(rc));
		return;
	}
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
	if (!(v->features & CURL_VERSION_SSL))
		uc_log(LOG_WARNING, "libcurl %s has no TLS support: the certificate API cannot be used",
		       v->version);
	cu_ready = true;
}

int uc_api_global_init(void)
{
	pthread_once(&cu_once, cu_load);
	if (!cu_ready) {
		uc_log(LOG_ERR, "%s", cu_error);
		return -1;
	}
	return 0;
}

void uc_api_global_cleanup(void)
{
	if (cu_ready)
		curl_global_cleanup();	/* the library itself stays mapped */
	cu_ready = false;
	free(cu_error);
	cu_error = NULL;
}

/* ---- results ---------------------------------------------------------- */

void uc_api_result_clear(struct uc_api_result *r)
{
	for (size_t i = 0; i < r->ncerts; i++) {
		free(r->certs[i].unit);
		free(r->certs[i].filename);
		uc_certfile_unref(r->certs[i].file);
	}
	free(r->certs);
	free(r->error);
	memset(r, 0, sizeof *r);
}

static int fail(struct uc_api_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int fail(struct uc_api_result *r, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	uc_api_result_clear(r);
	r->error = msg;
	return -1;
}

/* Copy at most QUOTE_MAX bytes of untrusted text, printable ASCII only, so
 * that server-chosen bytes cannot split or forge log lines. */
static void quote_into(char *dst, size_t size, const char *src, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 1 < size; i++) {
		unsigned char c = (unsigned char)src[i];
		dst[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	dst[o] = '\0';
}

/* ---- the URL ---------------------------------------------------------- */

struct target {
	char *base;	/* the configured URL without trailing '/' */
	char *full;	/* base + UC_API_SNAPSHOT_PATH */
	char *host;
	long port;
};

static void target_free(struct target *t)
{
	free(t->base);
	free(t->full);
	free(t->host);
}

/* Accept "https://host[:port][/prefix]" only: no credentials in the URL
 * (they would end up in logs), no query or fragment. */
static char *parse_target(const char *url, struct target *t)
{
	memset(t, 0, sizeof *t);
	if (!url || !*url)
		return xstrdup("no url configured");
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return xstrdup("url contains a space or a control character");
	if (strncasecmp(url, "https://", 8) != 0)
		return xstrdup("url must start with https:// (the credentials are not sent in clear)");

	CURLU *u = curl_url();
	char *msg = NULL, *part = NULL;
	if (!u)
		return xstrdup("out of memory");
	CURLUcode uc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (uc != CURLUE_OK) {
		msg = xasprintf("url is not valid: %s", curl_url_strerror(uc));
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &part, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &part, 0) == CURLUE_OK) {
		msg = xstrdup("url must not contain a user name or password: use credentials_file");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_QUERY, &part, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_FRAGMENT, &part, 0) == CURLUE_OK) {
		msg = xstrdup("url must not contain '?' or '#'");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_HOST, &part, 0) != CURLUE_OK) {
		msg = xstrdup("url has no host");
		goto out;
	}
	t->host = xstrdup(part);
	curl_free(part);
	part = NULL;
	if (curl_url_get(u, CURLUPART_PORT, &part, CURLU_DEFAULT_PORT) == CURLUE_OK)
		t->port = strtol(part, NULL, 10);

	size_t n = strlen(url);
	while (n > 8 && url[n - 1] == '/')
		n--;
	t->base = xasprintf("%.*s", (int)n, url);
	t->full = xasprintf("%s%s", t->base, UC_API_SNAPSHOT_PATH);
out:
	curl_free(part);
	curl_url_cleanup(u);
	if (msg)
		target_free(t);
	return msg;
}

/* ---- the transfer ----------------------------------------------------- */

struct response {
	struct sbuf body;
	bool too_large;
	char reason[QUOTE_MAX + 1];	/* of the last status line */
	char content_type[QUOTE_MAX + 1];
	char location[QUOTE_MAX + 1];
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct response *rs = arg;
	size_t n = size * nmemb;
	if (rs->body.len + n > UC_API_MAX_RESPONSE) {
		rs->too_large = true;
		return 0;	/* aborts the transfer with CURLE_WRITE_ERROR */
	}
	sbuf_put(&rs->body, data, n);
	return n;
}

static bool header_is(const char *line, size_t len, const char *name, const char **value,
		      size_t *vlen)
{
	size_t nl = strlen(name);
	if (len <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return false;
	const char *v = line + nl + 1, *end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && isspace((unsigned char)end[-1]))
		end--;
	*value = v;
	*vlen = (size_t)(end - v);
	return true;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct response *rs = arg;
	size_t n = size * nmemb;
	const char *v;
	size_t vlen;

	if (n > 5 && memcmp(data, "HTTP/", 5) == 0) {
		/* a new response (after 100 Continue, say): forget the old one */
		rs->reason[0] = rs->content_type[0] = rs->location[0] = '\0';
		const char *p = memchr(data, ' ', n), *end = data + n;
		if (p && (p = memchr(p + 1, ' ', (size_t)(end - p - 1)))) {
			p++;
			while (end > p && isspace((unsigned char)end[-1]))
				end--;
			quote_into(rs->reason, sizeof rs->reason, p, (size_t)(end - p));
		}
	} else if (header_is(data, n, "Content-Type", &v, &vlen)) {
		quote_into(rs->content_type, sizeof rs->content_type, v, vlen);
	} else if (header_is(data, n, "Location", &v, &vlen)) {
		quote_into(rs->location, sizeof rs->location, v, vlen);
	}
	return n;
}

static const char *default_reason(long code)
{
	switch (code) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "";
	}
}

static const char *strip_prefix(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncmp(s, prefix, n) == 0 ? s + n : s;
}

/* The error line for a transfer curl could not complete. */
static char *transfer_error(CURL *h, CURLcode rc, const char *errbuf, const struct response *rs,
			    const struct uc_api_source *src, const struct target *t, int timeout)
{
	char detail[CURL_ERROR_SIZE];
	long os_errno = 0, verify = 0;

	quote_into(detail, sizeof detail, errbuf, strlen(errbuf));
	if (!detail[0])
		snprintf(detail, sizeof detail, "%s", curl_easy_strerror(rc));

	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT: {
		curl_off_t connected = 0;
		curl_easy_getinfo(h, CURLINFO_APPCONNECT_TIME_T, &connected);
		if (connected == 0)
			return xasprintf("timed out after %d s (connecting to %s port %ld)", timeout,
					 t->host, t->port);
		if (rs->body.len == 0)
			return xasprintf("timed out after %d s (waiting for the response)", timeout);
		return xasprintf("timed out after %d s (%zu bytes received)", timeout, rs->body.len);
	}
	case CURLE_COULDNT_CONNECT:
		curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
		if (os_errno == ECONNREFUSED)
			return xasprintf("connection refused (%s port %ld)", t->host, t->port);
		if (os_errno)
			return xasprintf("cannot connect to %s port %ld: %s", t->host, t->port,
					 strerror((int)os_errno));
		return xasprintf("cannot connect to %s port %ld: %s", t->host, t->port, detail);
	case CURLE_COULDNT_RESOLVE_HOST:
		return xasprintf("cannot resolve host %s", t->host);
	case CURLE_PEER_FAILED_VERIFICATION:
		/* a chain problem has an X509_V_ERR code; a host name mismatch
		 * has none worth quoting (0 or "unspecified"): curl's text then */
		curl_easy_getinfo(h, CURLINFO_SSL_VERIFYRESULT, &verify);
		return xasprintf("TLS: certificate verify failed (%s; trusted CAs: %s)",
				 verify > X509_V_ERR_UNSPECIFIED ? X509_verify_cert_error_string(verify)
								 : strip_prefix(detail, "SSL: "),
				 src->ca_file ? src->ca_file : "the system store");
	case CURLE_SSL_CACERT_BADFILE:
		return xasprintf("TLS: cannot use ca_file %s (%s)",
				 src->ca_file ? src->ca_file : "(system store)", detail);
	case CURLE_SSL_CONNECT_ERROR:
		return xasprintf("TLS: handshake failed (%s)", detail);
	case CURLE_PARTIAL_FILE: {
		curl_off_t expected = -1;
		curl_easy_getinfo(h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &expected);
		if (expected >= 0)
			return xasprintf("truncated response (received %zu of %jd bytes)",
					 rs->body.len, (intmax_t)expected);
		return xasprintf("truncated response (received %zu bytes: %s)", rs->body.len, detail);
	}
	case CURLE_FILESIZE_EXCEEDED:
		return xasprintf("response too large (more than %u MiB)", UC_API_MAX_RESPONSE >> 20);
	case CURLE_WRITE_ERROR:
		if (rs->too_large)
			return xasprintf("response too large (more than %u MiB)",
					 UC_API_MAX_RESPONSE >> 20);
		break;
	case CURLE_GOT_NOTHING:
		return xstrdup("the server closed the connection without a response");
	default:
		break;
	}
	return xasprintf("%s", detail);
}

/* The error line for an HTTP status other than 200. */
static char *status_error(long code, const struct response *rs, const struct uc_api_source *src)
{
	const char *reason = rs->reason[0] ? rs->reason : default_reason(code);
	const char *sp = reason[0] ? " " : "";

	if (code == 401)
		return xasprintf("HTTP 401%s%s (check the credentials in %s)", sp, reason,
				 src->credentials_file);
	if (code == 403)
		return xasprintf("HTTP 403%s%s (the account may not use the certificate API)", sp,
				 reason);
	if (code == 404)
		return xstrdup("HTTP 404: no certificate API (CUCM before 14?)");
	if (code >= 300 && code < 400)
		return xasprintf("HTTP %ld%s%s: redirect to %s not followed (set url to the server itself)",
				 code, sp, reason, rs->location[0] ? rs->location : "(no Location)");
	if (code >= 200 && code < 300)
		return xasprintf("HTTP %ld%s%s: expected 200 and a certificate snapshot", code, sp,
				 reason);
	if (code == 0)
		return xstrdup("no HTTP response");
	return xasprintf("HTTP %ld%s%s", code, sp, reason);
}

/* GET the snapshot into rs. Returns NULL, or the error line (malloc'd). */
static char *get_snapshot(const struct uc_api_source *src, const struct target *t,
			  const struct uc_creds *c, struct response *rs)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	int timeout = src->timeout_s > 0 ? src->timeout_s : UC_API_DEFAULT_TIMEOUT;
	char *err = NULL;
	struct curl_slist *hdrs = NULL;
	CURL *h = curl_easy_init();

	if (!h)
		return xstrdup("libcurl: cannot create a transfer handle");
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	bool ok = hdrs &&
	    !curl_easy_setopt(h, CURLOPT_URL, t->full) &&
#if LIBCURL_VERSION_NUM >= 0x075500
	    !curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https") &&
	    !curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "https") &&
#else
	    !curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS) &&
	    !curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS, (long)CURLPROTO_HTTPS) &&
#endif
	    !curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) &&
	    !curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) &&
	    !curl_easy_setopt(h, CURLOPT_PROXY, "") &&
	    !curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC) &&
	    !curl_easy_setopt(h, CURLOPT_USERNAME, c->user) &&
	    !curl_easy_setopt(h, CURLOPT_PASSWORD, c->password) &&
	    !curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)timeout) &&
	    !curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)timeout) &&
	    !curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)UC_API_MAX_RESPONSE) &&
	    !curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "") &&
	    !curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs) &&
	    !curl_easy_setopt(h, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION) &&
	    !curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf) &&
	    !curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body) &&
	    !curl_easy_setopt(h, CURLOPT_WRITEDATA, rs) &&
	    !curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header) &&
	    !curl_easy_setopt(h, CURLOPT_HEADERDATA, rs) &&
	    !curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, src->insecure ? 0L : 1L) &&
	    !curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, src->insecure ? 0L : 2L) &&
	    (!src->ca_file || !curl_easy_setopt(h, CURLOPT_CAINFO, src->ca_file));
	if (!ok) {
		err = xstrdup("libcurl: cannot set the transfer options (libcurl too old?)");
		goto out;
	}

	CURLcode rc = curl_easy_perform(h);
	if (rc != CURLE_OK) {
		err = transfer_error(h, rc, errbuf, rs, src, t, timeout);
		goto out;
	}
	long code = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	if (code != 200)
		err = status_error(code, rs, src);
out:
	/* drop libcurl's copy of the password as early as possible */
	curl_easy_setopt(h, CURLOPT_PASSWORD, NULL);
	curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	return err;
}

/* ---- the JSON --------------------------------------------------------- */

struct walk {
	struct uc_api_result *r;
	size_t cap;
	const char *base;	/* the URL, to name the source in warnings */
};

static void skip(struct walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void skip(struct walk *w, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	uc_log(LOG_WARNING, "%s: %s, skipped", w->base, msg);
	w->r->nskipped++;
}

static const char *json_kind(const struct json_object *o)
{
	switch (json_object_get_type(o)) {
	case json_type_null: return "null";
	case json_type_boolean: return "a boolean";
	case json_type_double:
	case json_type_int: return "a number";
	case json_type_object: return "an object";
	case json_type_array: return "an array";
	case json_type_string: return "a string";
	}
	return "unknown";
}

/* The string member `key` of o when it is a usable name, else NULL and *why. */
static const char *name_member(const struct json_object *o, const char *key, bool is_file,
			       const char **why)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null)) {
		*why = "missing";
		return NULL;
	}
	if (!json_object_is_type(v, json_type_string)) {
		*why = "not a string";
		return NULL;
	}
	const char *s = json_object_get_string(v);
	size_t n = (size_t)json_object_get_string_len(v);
	if (n == 0) {
		*why = "empty";
		return NULL;
	}
	if (strlen(s) != n || n > 255) {
		*why = "not a usable name";
		return NULL;
	}
	for (const char *p = s; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		/* services are platform identifiers; file names become one
		 * argument of `set cert delete`: no path, no control bytes */
		bool good = is_file ? ch >= 0x20 && ch != 0x7f && ch != '/' && ch != '\\'
				    : (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
					      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.';
		if (!good) {
			*why = "not a usable name";
			return NULL;
		}
	}
	if (is_file && (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)) {
		*why = "not a usable name";
		return NULL;
	}
	return s;
}

/* The PEM text of o's "certificate", or NULL and *why. */
static const char *pem_member(const struct json_object *o, size_t *len, const char **why)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, "certificate", &v) ||
	    json_object_is_type(v, json_type_null)) {
		*why = "no \"certificate\"";
		return NULL;
	}
	if (!json_object_is_type(v, json_type_string)) {
		*why = "\"certificate\" is not a string";
		return NULL;
	}
	*len = (size_t)json_object_get_string_len(v);
	if (*len == 0) {
		*why = "\"certificate\" is empty";
		return NULL;
	}
	return json_object_get_string(v);
}

static void add_cert(struct walk *w, const char *unit, bool trust, const char *filename,
		     const char *pem, size_t len)
{
	struct uc_api_result *r = w->r;
	if (r->ncerts == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 16;
		r->certs = xreallocarray(r->certs, w->cap, sizeof *r->certs);
	}
	struct uc_api_cert *c = &r->certs[r->ncerts++];
	const struct uc_unit *u = uc_unit_find(unit);

	c->unit = xstrdup(u ? u->name : unit);
	c->trust = trust;
	c->filename = filename ? xstrdup(filename) : xasprintf("%s.pem", c->unit);
	c->file = uc_certfile_parse((const unsigned char *)pem, len);
	if (c->file->ncerts == 0) {
		struct uc_certfile *bad = uc_certfile_error("PEM does not parse: %s", c->file->error);
		uc_certfile_unref(c->file);
		c->file = bad;
	}
}

static void walk_identities(struct walk *w, struct json_object *arr)
{
	size_t n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		const char *why, *service, *pem;
		size_t len;

		if (!json_object_is_type(e, json_type_object)) {
			skip(w, "identities[%zu] is %s, not an object", i, json_kind(e));
			continue;
		}
		if (!(service = name_member(e, "service", false, &why))) {
			skip(w, "identities[%zu]: \"service\" %s", i, why);
			continue;
		}
		if (!(pem = pem_member(e, &len, &why))) {
			skip(w, "identities[%zu] (%s): %s", i, service, why);
			continue;
		}
		add_cert(w, service, false, NULL, pem, len);
	}
}

static void walk_trusts(struct walk *w, struct json_object *arr)
{
	size_t n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i), *data;
		const char *why, *service;

		if (!json_object_is_type(e, json_type_object)) {
			skip(w, "trusts[%zu] is %s, not an object", i, json_kind(e));
			continue;
		}
		if (!(service = name_member(e, "service", false, &why))) {
			skip(w, "trusts[%zu]: \"service\" %s", i, why);
			continue;
		}
		/* the API names the base service ("tomcat"); the store is "tomcat-trust" */
		size_t sl = strlen(service);
		char *unit = sl > 6 && strcasecmp(service + sl - 6, "-trust") == 0
				     ? xstrdup(service)
				     : xasprintf("%s-trust", service);
		if (!json_object_object_get_ex(e, "certificate_data", &data) ||
		    json_object_is_type(data, json_type_null)) {
			skip(w, "trusts[%zu] (%s): no \"certificate_data\"", i, unit);
		} else if (!json_object_is_type(data, json_type_array)) {
			skip(w, "trusts[%zu] (%s): \"certificate_data\" is %s, not an array", i, unit,
			     json_kind(data));
		} else {
			size_t m = json_object_array_length(data);
			for (size_t j = 0; j < m; j++) {
				struct json_object *f = json_object_array_get_idx(data, j);
				const char *file, *pem;
				size_t len;

				if (!json_object_is_type(f, json_type_object)) {
					skip(w, "trusts[%zu].certificate_data[%zu] (%s) is %s, not an object",
					     i, j, unit, json_kind(f));
					continue;
				}
				if (!(file = name_member(f, "filename", true, &why))) {
					skip(w, "trusts[%zu].certificate_data[%zu] (%s): \"filename\" %s",
					     i, j, unit, why);
					continue;
				}
				if (!(pem = pem_member(f, &len, &why))) {
					skip(w, "%s/%s: %s", unit, file, why);
					continue;
				}
				add_cert(w, unit, true, file, pem, len);
			}
		}
		free(unit);
	}
}

/* An optional top-level array: NULL when absent, *err when it is not one. */
static struct json_object *top_array(struct json_object *top, const char *key, char **err)
{
	struct json_object *v;
	if (!json_object_object_get_ex(top, key, &v) || json_object_is_type(v, json_type_null))
		return NULL;
	if (!json_object_is_type(v, json_type_array)) {
		*err = xasprintf("unexpected JSON: \"%s\" is %s, expected an array", key,
				 json_kind(v));
		return NULL;
	}
	return v;
}

static int parse_snapshot(const struct response *rs, const char *base, struct uc_api_result *r)
{
	const char *text = rs->body.s ? rs->body.s : "";
	size_t len = rs->body.len;
	char ctype[QUOTE_MAX + 40] = "";

	if (rs->content_type[0] && !strcasestr(rs->content_type, "json"))
		snprintf(ctype, sizeof ctype, " (Content-Type %s, not JSON)", rs->content_type);
	if (len == 0)
		return fail(r, "empty response body (HTTP 200)%s", ctype);

	struct json_tokener *tok = json_tokener_new();
	if (!tok)
		return fail(r, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	struct json_object *top = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	if (!top && jerr == json_tokener_continue) {
		/* a bare scalar ("123", "null") ends only at a delimiter */
		top = json_tokener_parse_ex(tok, " ", 1);
		jerr = json_tokener_get_error(tok);
		end = len;
	}
	json_tokener_free(tok);
	if (!top) {
		if (jerr == json_tokener_continue)
			return fail(r, "malformed JSON at offset %zu: unexpected end of the data%s", len,
				    ctype);
		if (jerr == json_tokener_success)	/* the document is "null" */
			return fail(r, "unexpected JSON: the top level is null, expected an object");
		return fail(r, "malformed JSON at offset %zu: %s%s", end, json_tokener_error_desc(jerr),
			    ctype);
	}
	while (end < len && isspace((unsigned char)text[end]))
		end++;
	if (end < len) {
		json_object_put(top);
		return fail(r, "malformed JSON at offset %zu: data after the end of the document%s",
			    end, ctype);
	}
	if (!json_object_is_type(top, json_type_object)) {
		char *msg = xasprintf("unexpected JSON: the top level is %s, expected an object",
				      json_kind(top));
		json_object_put(top);
		fail(r, "%s", msg);
		free(msg);
		return -1;
	}

	char *err = NULL;
	struct json_object *ids = top_array(top, "identities", &err);
	struct json_object *trusts = err ? NULL : top_array(top, "trusts", &err);
	if (!err && !ids && !trusts)
		err = xstrdup("unexpected JSON: neither \"identities\" nor \"trusts\" (not a certificate snapshot?)");
	if (err) {
		json_object_put(top);
		fail(r, "%s", err);
		free(err);
		return -1;
	}
	struct walk w = { r, 0, base };
	if (ids)
		walk_identities(&w, ids);
	if (trusts)
		walk_trusts(&w, trusts);
	json_object_put(top);
	return 0;
}

int uc_api_parse(const char *body, size_t len, const char *content_type, const char *base,
		 struct uc_api_result *out)
{
	struct response rs;

	memset(out, 0, sizeof *out);
	memset(&rs, 0, sizeof rs);
	if (len)	/* NUL-terminated, as a received body is */
		sbuf_put(&rs.body, body, len);
	if (content_type)
		quote_into(rs.content_type, sizeof rs.content_type, content_type,
			   strlen(content_type));
	int rc = parse_snapshot(&rs, base, out);
	free(rs.body.s);
	return rc;
}

/* ---- the fetch -------------------------------------------------------- */

int uc_api_fetch(const struct uc_api_source *src, struct uc_api_result *out)
{
	struct target t;
	struct uc_creds *c;
	struct response rs;
	char *err;
	int rc;

	memset(out, 0, sizeof *out);
	pthread_once(&cu_once, cu_load);
	if (!cu_ready) {
		out->error = xstrdup(cu_error ? cu_error : "libcurl is not available");
		return -1;
	}
	if ((err = parse_target(src->url, &t))) {
		out->error = err;
		return -1;
	}
	if (src->insecure)
		uc_log(LOG_WARNING, "%s: TLS verification is off (insecure): the server is not authenticated and the credentials can be intercepted",
		       t.base);
	else if (src->ca_file && access(src->ca_file, R_OK) != 0) {
		fail(out, "ca_file %s: %s", src->ca_file, strerror(errno));
		target_free(&t);
		return -1;
	}

	c = xcalloc(1, sizeof *c);
	if ((err = uc_creds_read(src->credentials_file, src->credentials_group, c))) {
		uc_creds_wipe(c);
		free(c);
		target_free(&t);
		out->error = err;
		return -1;
	}
	memset(&rs, 0, sizeof rs);
	err = get_snapshot(src, &t, c, &rs);
	uc_creds_wipe(c);
	free(c);

	if (err) {
		out->error = err;
		rc = -1;
	} else {
		rc = parse_snapshot(&rs, t.base, out);
	}
	free(rs.body.s);
	target_free(&t);
	return rc;
}
