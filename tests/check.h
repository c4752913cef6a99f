/* check.h - shared by the Check unit tests of the core library.
 *
 * Certificates are minted at test time with OpenSSL (check_util.c): nothing
 * binary lives in the tree, and every expected value can be recomputed from
 * OpenSSL's own view of the same certificate.
 *
 * Tests for bugs that are known but not fixed yet carry the tag "known-bug";
 * CK_EXCLUDE_TAGS=known-bug runs everything else. */
#ifndef UCCERT_TESTS_CHECK_H
#define UCCERT_TESTS_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <check.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cert.h"

Suite *cert_suite(void);
Suite *clock_suite(void);
Suite *config_suite(void);
Suite *catalog_suite(void);
Suite *scan_suite(void);
Suite *jsonw_suite(void);
Suite *alerts_suite(void);
Suite *idmap_suite(void);
Suite *escape_suite(void);
Suite *manifest_suite(void);
Suite *certapi_suite(void);

/* ---- keys: made once in main(), before Check forks ---- */
enum tk_key { TK_EC256 = 0, TK_EC384, TK_RSA2048, TK_ED25519, TK_NKEYS };
void tk_init_keys(void);
void tk_free_keys(void);
EVP_PKEY *tk_key(enum tk_key k);

/* ---- minting ---- */
enum tk_ca { TK_CA_NONE = 0, TK_CA_TRUE, TK_CA_FALSE };

struct tk_spec {
	enum tk_key key;	/* default: EC P-256 */
	const X509_NAME *subject;	/* NULL: CN=uccert test */
	const X509_NAME *issuer;	/* NULL: the subject (self-signed) */
	/* validity as ASN.1 text: 13 characters are a UTCTime, 15 a
	 * GeneralizedTime; when NULL, the epoch value below is encoded the
	 * RFC 5280 way (UTCTime for 1950-2049). */
	const char *not_before_text, *not_after_text;
	int64_t not_before, not_after;
	const char *serial;	/* "[-]HEX"; NULL: 01 */
	enum tk_ca ca;
	bool v1;		/* version 1: no extensions at all */
};

X509 *tk_mint(const struct tk_spec *spec);
/* A name from field/value pairs (UTF-8), one RDN each, NULL-terminated. */
X509_NAME *tk_name(const char *field, const char *value, ...);
unsigned char *tk_der(X509 *x, size_t *len);	/* malloc'd */
char *tk_pem(X509 *x);		/* malloc'd, NUL-terminated */
/* PKCS#7 certs-only bundle of n certificates, DER or PEM; malloc'd. */
unsigned char *tk_p7(X509 *const *certs, size_t n, bool pem, size_t *len);
/* Concatenate NUL-terminated strings, NULL-terminated list; malloc'd. */
char *tk_cat(const char *first, ...);
char *tk_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Strict UTF-8 (the tests' own check, independent of the library's). */
bool tk_utf8_valid(const char *s);

/* ---- OpenSSL's view, the oracle ---- */
/* X509_NAME_print_ex with XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB. */
char *tk_openssl_name(const X509_NAME *n);
/* The serial as openssl x509 -serial prints it (i2a_ASN1_INTEGER). */
char *tk_openssl_serial(X509 *x);
int64_t tk_openssl_time(const ASN1_TIME *t);
/* Every field of c against what OpenSSL reads from x. */
void tk_assert_cert_matches(const struct uc_cert *c, X509 *x);

struct uc_certfile *tk_parse(const void *buf, size_t len);
struct uc_certfile *tk_parse_str(const char *s);
/* The error names the reason: contains word, case-insensitively. */
void tk_assert_error_has(const struct uc_certfile *f, const char *word);

/* ---- files: everything lives under one directory main() removes ---- */
void tk_init_tmp(void);
void tk_cleanup_tmp(void);
char *tk_tmpdir(void);		/* a new empty directory; malloc'd path */
void tk_mkdir(const char *path);
void tk_write(const char *path, const void *data, size_t len);
void tk_write_str(const char *path, const char *s);
void tk_write_cert_pem(const char *path, X509 *x);

#endif
