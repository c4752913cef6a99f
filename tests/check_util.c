/* check_util.c - minting certificates, OpenSSL as the oracle, temp files. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509v3.h>

#include "check.h"

/* ---- keys --------------------------------------------------------------- */

static EVP_PKEY *keys[TK_NKEYS];

/* Runs in main(), outside any test: no ck_assert here. */
void tk_init_keys(void)
{
	keys[TK_EC256] = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	keys[TK_EC384] = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	keys[TK_RSA2048] = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	keys[TK_ED25519] = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	for (int i = 0; i < TK_NKEYS; i++) {
		if (!keys[i]) {
			fprintf(stderr, "check_core: key generation %d failed\n", i);
			exit(EXIT_FAILURE);
		}
	}
}

void tk_free_keys(void)
{
	for (int i = 0; i < TK_NKEYS; i++) {
		EVP_PKEY_free(keys[i]);
		keys[i] = NULL;
	}
}

EVP_PKEY *tk_key(enum tk_key k)
{
	ck_assert_int_lt(k, TK_NKEYS);
	return keys[k];
}

/* ---- strings ------------------------------------------------------------ */

char *tk_cat(const char *first, ...)
{
	va_list ap;
	size_t n = 0;
	char *out;

	va_start(ap, first);
	for (const char *s = first; s; s = va_arg(ap, const char *))
		n += strlen(s);
	va_end(ap);
	out = malloc(n + 1);
	ck_assert_ptr_nonnull(out);
	out[0] = '\0';
	va_start(ap, first);
	for (const char *s = first; s; s = va_arg(ap, const char *))
		strcat(out, s);
	va_end(ap);
	return out;
}

char *tk_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	ck_assert_int_ge(vasprintf(&s, fmt, ap), 0);
	va_end(ap);
	return s;
}

/* ---- minting ------------------------------------------------------------ */

X509_NAME *tk_name(const char *field, const char *value, ...)
{
	X509_NAME *n = X509_NAME_new();
	va_list ap;

	ck_assert_ptr_nonnull(n);
	va_start(ap, value);
	while (field) {
		ck_assert_msg(X509_NAME_add_entry_by_txt(n, field, MBSTRING_UTF8,
							 (const unsigned char *)value,
							 -1, -1, 0),
			      "cannot add %s=%s", field, value);
		field = va_arg(ap, const char *);
		if (field)
			value = va_arg(ap, const char *);
	}
	va_end(ap);
	return n;
}

static void set_time(X509 *x, bool before, const char *text, int64_t t)
{
	ASN1_TIME *at;

	if (text) {
		at = ASN1_TIME_new();
		ck_assert_ptr_nonnull(at);
		if (strlen(text) == 13)
			ck_assert_msg(ASN1_UTCTIME_set_string(at, text), "UTCTime %s", text);
		else
			ck_assert_msg(ASN1_GENERALIZEDTIME_set_string(at, text),
				      "GeneralizedTime %s", text);
	} else {
		/* ASN1_TIME_adj picks UTCTime for 1950-2049, as RFC 5280 says */
		at = ASN1_TIME_adj(NULL, (time_t)t, 0, 0);
		ck_assert_ptr_nonnull(at);
	}
	ck_assert(before ? X509_set1_notBefore(x, at) : X509_set1_notAfter(x, at));
	ASN1_TIME_free(at);
}

static void add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	ck_assert_ptr_nonnull(ext);
	ck_assert(X509_add_ext(x, ext, -1));
	X509_EXTENSION_free(ext);
}

X509 *tk_mint(const struct tk_spec *s)
{
	X509 *x = X509_new();
	EVP_PKEY *k = tk_key(s->key);
	X509_NAME *def = NULL;
	const X509_NAME *subject = s->subject;
	BIGNUM *bn = NULL;
	ASN1_INTEGER *serial;

	ck_assert_ptr_nonnull(x);
	if (!subject)
		subject = def = tk_name("CN", "uccert test", NULL);
	ck_assert(X509_set_version(x, s->v1 ? X509_VERSION_1 : X509_VERSION_3));
	ck_assert(X509_set_subject_name(x, subject));
	ck_assert(X509_set_issuer_name(x, s->issuer ? s->issuer : subject));
	set_time(x, true, s->not_before_text, s->not_before);
	set_time(x, false, s->not_after_text, s->not_after);
	ck_assert_msg(BN_hex2bn(&bn, s->serial ? s->serial : "01") > 0,
		      "serial %s", s->serial);
	serial = BN_to_ASN1_INTEGER(bn, NULL);
	ck_assert_ptr_nonnull(serial);
	ck_assert(X509_set_serialNumber(x, serial));
	ASN1_INTEGER_free(serial);
	BN_free(bn);
	ck_assert(X509_set_pubkey(x, k));
	if (!s->v1) {
		if (s->ca == TK_CA_TRUE) {
			add_ext(x, NID_basic_constraints, "critical,CA:TRUE");
			add_ext(x, NID_key_usage, "critical,keyCertSign,cRLSign");
		} else if (s->ca == TK_CA_FALSE) {
			add_ext(x, NID_basic_constraints, "CA:FALSE");
		}
		add_ext(x, NID_subject_key_identifier, "hash");
	}
	ck_assert(X509_sign(x, k, EVP_PKEY_is_a(k, "ED25519") ? NULL : EVP_sha256()) > 0);
	X509_NAME_free(def);
	return x;
}

unsigned char *tk_der(X509 *x, size_t *len)
{
	unsigned char *der = NULL, *copy;
	int n = i2d_X509(x, &der);

	ck_assert_int_gt(n, 0);
	copy = malloc((size_t)n);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, der, (size_t)n);
	OPENSSL_free(der);
	*len = (size_t)n;
	return copy;
}

/* The contents of a memory BIO as a malloc'd string; frees the BIO. */
static char *bio_take(BIO *b, size_t *len)
{
	char *data, *s;
	long n = BIO_get_mem_data(b, &data);

	ck_assert_int_ge(n, 0);
	s = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(s);
	if (n > 0)
		memcpy(s, data, (size_t)n);
	s[n] = '\0';
	if (len)
		*len = (size_t)n;
	BIO_free(b);
	return s;
}

char *tk_pem(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());

	ck_assert_ptr_nonnull(b);
	ck_assert(PEM_write_bio_X509(b, x));
	return bio_take(b, NULL);
}

unsigned char *tk_p7(X509 *const *certs, size_t n, bool pem, size_t *len)
{
	PKCS7 *p7 = PKCS7_new();
	BIO *b = BIO_new(BIO_s_mem());

	ck_assert_ptr_nonnull(p7);
	ck_assert_ptr_nonnull(b);
	ck_assert(PKCS7_set_type(p7, NID_pkcs7_signed));
	ck_assert(PKCS7_content_new(p7, NID_pkcs7_data));
	PKCS7_set_detached(p7, 1);	/* certs-only, as CA downloads are */
	for (size_t i = 0; i < n; i++)
		ck_assert(PKCS7_add_certificate(p7, certs[i]));
	ck_assert(pem ? PEM_write_bio_PKCS7(b, p7) : i2d_PKCS7_bio(b, p7));
	PKCS7_free(p7);
	return (unsigned char *)bio_take(b, len);
}

/* ---- OpenSSL's view ----------------------------------------------------- */

char *tk_openssl_name(const X509_NAME *n)
{
	BIO *b = BIO_new(BIO_s_mem());

	ck_assert_ptr_nonnull(b);
	ck_assert_int_ge(X509_NAME_print_ex(b, n, 0,
					    XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB), 0);
	return bio_take(b, NULL);
}

char *tk_openssl_serial(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());

	ck_assert_ptr_nonnull(b);
	ck_assert_int_gt(i2a_ASN1_INTEGER(b, X509_get0_serialNumber(x)), 0);
	return bio_take(b, NULL);
}

int64_t tk_openssl_time(const ASN1_TIME *t)
{
	struct tm tm;

	ck_assert(ASN1_TIME_to_tm(t, &tm));
	return (int64_t)timegm(&tm);
}

void tk_assert_cert_matches(const struct uc_cert *c, X509 *x)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char *s;
	EVP_PKEY *k = X509_get0_pubkey(x);
	BASIC_CONSTRAINTS *bc;
	const char *alg;

	s = tk_openssl_name(X509_get_subject_name(x));
	ck_assert_str_eq(c->subject, s);
	free(s);
	s = tk_openssl_name(X509_get_issuer_name(x));
	ck_assert_str_eq(c->issuer, s);
	free(s);
	s = tk_openssl_serial(x);
	ck_assert_str_eq(c->serial, s);
	free(s);
	ck_assert_int_eq(c->not_before, tk_openssl_time(X509_get0_notBefore(x)));
	ck_assert_int_eq(c->not_after, tk_openssl_time(X509_get0_notAfter(x)));
	ck_assert(X509_digest(x, EVP_sha256(), md, &mdlen));
	ck_assert_uint_eq(mdlen, UC_SHA256_LEN);
	ck_assert_mem_eq(c->sha256, md, UC_SHA256_LEN);
	ck_assert_ptr_nonnull(k);
	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_RSA: alg = "RSA"; break;
	case EVP_PKEY_EC: alg = "EC"; break;
	case EVP_PKEY_ED25519: alg = "Ed25519"; break;
	default: alg = "?"; break;
	}
	ck_assert_str_eq(c->key_alg, alg);
	ck_assert_int_eq(c->key_bits, EVP_PKEY_get_bits(k));
	bc = X509_get_ext_d2i(x, NID_basic_constraints, NULL, NULL);
	ck_assert_int_eq(c->is_ca, bc && bc->ca);
	BASIC_CONSTRAINTS_free(bc);
}

/* A copy of exactly len bytes: AddressSanitizer then catches any read past
 * the end of the input. */
struct uc_certfile *tk_parse(const void *buf, size_t len)
{
	unsigned char *copy = malloc(len ? len : 1);
	struct uc_certfile *f;

	ck_assert_ptr_nonnull(copy);
	if (len)
		memcpy(copy, buf, len);
	f = uc_certfile_parse(copy, len);
	free(copy);
	ck_assert_ptr_nonnull(f);
	return f;
}

struct uc_certfile *tk_parse_str(const char *s)
{
	return tk_parse(s, strlen(s));
}

void tk_assert_error_has(const struct uc_certfile *f, const char *word)
{
	ck_assert_uint_eq(f->ncerts, 0);
	ck_assert_ptr_nonnull(f->error);
	ck_assert_msg(strcasestr(f->error, word) != NULL,
		      "error \"%s\" does not say \"%s\"", f->error, word);
}

/* ---- files -------------------------------------------------------------- */

static char *tmp_base;

void tk_init_tmp(void)
{
	const char *t = getenv("TMPDIR");
	char *tmpl;

	if (asprintf(&tmpl, "%s/uccert-check.XXXXXX", t && *t ? t : "/tmp") < 0 ||
	    !mkdtemp(tmpl)) {
		perror("check_core: mkdtemp");
		exit(EXIT_FAILURE);
	}
	tmp_base = tmpl;
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	if (remove(path) != 0)
		fprintf(stderr, "check_core: cannot remove %s: %s\n", path, strerror(errno));
	return 0;
}

void tk_cleanup_tmp(void)
{
	if (!tmp_base)
		return;
	if (!getenv("KEEP_TEST_DIR"))
		nftw(tmp_base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	else
		fprintf(stderr, "check_core: kept %s\n", tmp_base);
	free(tmp_base);
	tmp_base = NULL;
}

char *tk_tmpdir(void)
{
	char *d = tk_printf("%s/t.XXXXXX", tmp_base);

	ck_assert_msg(mkdtemp(d) != NULL, "mkdtemp: %s", strerror(errno));
	return d;
}

void tk_mkdir(const char *path)
{
	ck_assert_msg(mkdir(path, 0755) == 0, "mkdir %s: %s", path, strerror(errno));
}

void tk_write(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	ck_assert_int_eq(close(fd), 0);
}

void tk_write_str(const char *path, const char *s)
{
	tk_write(path, s, strlen(s));
}

void tk_write_cert_pem(const char *path, X509 *x)
{
	char *pem = tk_pem(x);

	tk_write_str(path, pem);
	free(pem);
}

/* Strict UTF-8: no overlong forms, surrogates or code points past U+10FFFF. */
bool tk_utf8_valid(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		unsigned c = *s, n;
		uint32_t cp, min;
		if (c < 0x80) {
			s++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return false;
		}
		for (unsigned i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		s += n + 1;
	}
	return true;
}
