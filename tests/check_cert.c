/* check_cert.c - decoding certificates: formats, fields, hostile input. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "check.h"
#include "cert.h"

#define T0 INT64_C(1798761600)	/* 2027-01-01T00:00:00Z */
#define DAY INT64_C(86400)

/* A plain certificate valid from T0 - 1 day to T0 + 1 year. */
static X509 *mint_plain(enum tk_key key, const char *cn, const char *serial)
{
	X509_NAME *n = tk_name("CN", cn, "O", "Example", "C", "CH", NULL);
	struct tk_spec s = {
		.key = key, .subject = n, .serial = serial, .ca = TK_CA_FALSE,
		.not_before = T0 - DAY, .not_after = T0 + 365 * DAY,
	};
	X509 *x = tk_mint(&s);

	X509_NAME_free(n);
	return x;
}

static const struct uc_cert *find_by_sha(const struct uc_certfile *f, X509 *x)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n;

	ck_assert(X509_digest(x, EVP_sha256(), md, &n));
	for (size_t i = 0; i < f->ncerts; i++)
		if (memcmp(f->certs[i].sha256, md, UC_SHA256_LEN) == 0)
			return &f->certs[i];
	return NULL;
}

/* Replace every occurrence of `from` by `to` (same length); returns hits. */
static int patch(unsigned char *buf, size_t len, const void *from, const void *to, size_t n)
{
	int hits = 0;

	for (size_t i = 0; i + n <= len; i++) {
		if (memcmp(buf + i, from, n) == 0) {
			memcpy(buf + i, to, n);
			hits++;
			i += n - 1;
		}
	}
	return hits;
}

/* ---- formats ------------------------------------------------------------ */

START_TEST(test_pem_single)
{
	X509 *x = mint_plain(TK_EC256, "cucm-pub.example.com", "1A2B");
	char *pem = tk_pem(x);
	struct uc_certfile *f = tk_parse_str(pem);

	ck_assert_uint_eq(f->ncerts, 1);
	ck_assert_ptr_null(f->error);
	ck_assert_int_eq(f->format, UC_FORMAT_PEM);
	tk_assert_cert_matches(&f->certs[0], x);
	ck_assert_str_eq(f->certs[0].subject, "C=CH,O=Example,CN=cucm-pub.example.com");
	ck_assert_str_eq(f->certs[0].issuer, "C=CH,O=Example,CN=cucm-pub.example.com");
	ck_assert_str_eq(f->certs[0].serial, "1A2B");
	ck_assert_int_eq(f->certs[0].not_before, T0 - DAY);
	ck_assert_int_eq(f->certs[0].not_after, T0 + 365 * DAY);
	uc_certfile_unref(f);
	free(pem);
	X509_free(x);
}
END_TEST

/* Text before, between and after the blocks, as in "openssl x509 -text"
 * output or files exported with bag attributes. */
START_TEST(test_pem_text_around)
{
	X509 *a = mint_plain(TK_EC256, "first", "01");
	X509 *b = mint_plain(TK_RSA2048, "second", "02");
	char *pa = tk_pem(a), *pb = tk_pem(b);
	char *all = tk_cat("Bag Attributes\n    friendlyName: first\n"
			   "subject=CN = first\n", pa,
			   "\nsome notes between -----\n\n", pb,
			   "trailing text without newline", NULL);
	struct uc_certfile *f = tk_parse_str(all);

	ck_assert_uint_eq(f->ncerts, 2);
	ck_assert_int_eq(f->format, UC_FORMAT_PEM);
	tk_assert_cert_matches(&f->certs[0], a);	/* in file order */
	tk_assert_cert_matches(&f->certs[1], b);
	uc_certfile_unref(f);
	free(all);
	free(pa);
	free(pb);
	X509_free(a);
	X509_free(b);
}
END_TEST

/* A bundle edited on Windows: CRLF line ends. */
START_TEST(test_pem_crlf)
{
	X509 *a = mint_plain(TK_EC256, "crlf-a", "01");
	X509 *b = mint_plain(TK_EC384, "crlf-b", "02");
	char *pa = tk_pem(a), *pb = tk_pem(b);
	char *lf = tk_cat(pa, pb, NULL);
	char *crlf = malloc(2 * strlen(lf) + 1), *o = crlf;

	for (const char *p = lf; *p; p++) {
		if (*p == '\n')
			*o++ = '\r';
		*o++ = *p;
	}
	*o = '\0';
	struct uc_certfile *f = tk_parse_str(crlf);
	ck_assert_uint_eq(f->ncerts, 2);
	tk_assert_cert_matches(&f->certs[0], a);
	tk_assert_cert_matches(&f->certs[1], b);
	uc_certfile_unref(f);
	free(crlf);
	free(lf);
	free(pa);
	free(pb);
	X509_free(a);
	X509_free(b);
}
END_TEST

/* A certificate issued by a CA: the issuer is the CA's subject. */
START_TEST(test_issuer)
{
	X509_NAME *ca = tk_name("C", "US", "O", "Example, Inc.", "CN", "Example Issuing CA 2", NULL);
	X509_NAME *leaf = tk_name("CN", "cucm-sub1.example.com", NULL);
	struct tk_spec s = { .subject = leaf, .issuer = ca, .serial = "00C0FFEE",
			     .not_before = T0, .not_after = T0 + 90 * DAY };
	X509 *x = tk_mint(&s);
	char *pem = tk_pem(x);
	struct uc_certfile *f = tk_parse_str(pem);

	ck_assert_uint_eq(f->ncerts, 1);
	tk_assert_cert_matches(&f->certs[0], x);
	ck_assert_str_eq(f->certs[0].subject, "CN=cucm-sub1.example.com");
	ck_assert_str_eq(f->certs[0].issuer, "CN=Example Issuing CA 2,O=Example\\, Inc.,C=US");
	ck_assert_str_eq(f->certs[0].serial, "C0FFEE");
	uc_certfile_unref(f);
	free(pem);
	X509_free(x);
	X509_NAME_free(ca);
	X509_NAME_free(leaf);
}
END_TEST

/* One damaged block in a bundle does not hide the good certificates. */
/* An error quotes the PEM label it found, and that label is whatever the
 * file holds, or a TLS server's certificate (the fuzzed probe fed one to
 * uccertSourceLastError): control bytes and bytes that are not ASCII come
 * out as '?'. Minimised from what the probe target found. */
START_TEST(test_pem_error_printable)
{
	static const char *const inputs[] = {
		"-----BEGIN \x1b[31m\xff\xfe CERT-----\nMIIB\n",
		"0\x03\x02\x01\x01-----BEGIN \xc3\x28\r-----",
	};
	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		struct uc_certfile *f = tk_parse_str(inputs[i]);
		ck_assert_uint_eq(f->ncerts, 0);
		ck_assert_ptr_nonnull(f->error);
		for (const unsigned char *p = (const unsigned char *)f->error; *p; p++)
			ck_assert_msg(*p >= 0x20 && *p < 0x7f, "byte %02x in \"%s\"", *p, f->error);
		uc_certfile_unref(f);
	}
	struct uc_certfile *f = tk_parse_str(inputs[0]);
	ck_assert_str_eq(f->error, "PEM block 1: no \"-----END ?[31m?? CERT-----\" line (truncated file?)");
	uc_certfile_unref(f);
}
END_TEST

START_TEST(test_pem_damaged_block)
{
	X509 *a = mint_plain(TK_EC256, "good-a", "01");
	X509 *b = mint_plain(TK_EC256, "good-b", "02");
	char *pa = tk_pem(a), *pb = tk_pem(b);
	char *all = tk_cat(pa, "-----BEGIN CERTIFICATE-----\nnot*base64\n"
			   "-----END CERTIFICATE-----\n", pb, NULL);
	struct uc_certfile *f = tk_parse_str(all);

	ck_assert_uint_eq(f->ncerts, 2);
	tk_assert_cert_matches(&f->certs[0], a);
	tk_assert_cert_matches(&f->certs[1], b);
	uc_certfile_unref(f);
	free(all);
	free(pa);
	free(pb);
	X509_free(a);
	X509_free(b);
}
END_TEST

START_TEST(test_der)
{
	X509 *x = mint_plain(TK_RSA2048, "der.example.com", "7F");
	size_t len;
	unsigned char *der = tk_der(x, &len);
	struct uc_certfile *f = tk_parse(der, len);

	ck_assert_uint_eq(f->ncerts, 1);
	ck_assert_ptr_null(f->error);
	ck_assert_int_eq(f->format, UC_FORMAT_DER);
	tk_assert_cert_matches(&f->certs[0], x);
	uc_certfile_unref(f);
	free(der);
	X509_free(x);
}
END_TEST

static void check_pkcs7(bool pem)
{
	X509 *c[3] = {
		mint_plain(TK_EC256, "p7-ec", "11"),
		mint_plain(TK_RSA2048, "p7-rsa", "12"),
		mint_plain(TK_EC384, "p7-ec384", "13"),
	};
	size_t len;
	unsigned char *p7 = tk_p7(c, 3, pem, &len);
	struct uc_certfile *f = tk_parse(p7, len);

	if (pem)
		ck_assert(strstr((char *)p7, "-----BEGIN PKCS7-----") != NULL);
	ck_assert_uint_eq(f->ncerts, 3);
	ck_assert_ptr_null(f->error);
	ck_assert_int_eq(f->format, pem ? UC_FORMAT_PKCS7_PEM : UC_FORMAT_PKCS7_DER);
	for (int i = 0; i < 3; i++) {
		const struct uc_cert *got = find_by_sha(f, c[i]);
		ck_assert_msg(got != NULL, "certificate %d missing from the bundle", i);
		tk_assert_cert_matches(got, c[i]);
		X509_free(c[i]);
	}
	uc_certfile_unref(f);
	free(p7);
}

START_TEST(test_pkcs7_der)
{
	check_pkcs7(false);
}
END_TEST

START_TEST(test_pkcs7_pem)
{
	check_pkcs7(true);
}
END_TEST

/* "openssl x509 -trustout" output: the certificate plus trust settings. */
START_TEST(test_trusted_certificate)
{
	X509 *x = mint_plain(TK_EC256, "trusted", "21");
	BIO *b = BIO_new(BIO_s_mem());
	char *data;

	ck_assert(X509_add1_trust_object(x, OBJ_nid2obj(NID_server_auth)));
	ck_assert(PEM_write_bio_X509_AUX(b, x));
	long n = BIO_get_mem_data(b, &data);
	ck_assert(memmem(data, (size_t)n, "BEGIN TRUSTED CERTIFICATE", 25) != NULL);
	struct uc_certfile *f = tk_parse(data, (size_t)n);
	ck_assert_uint_eq(f->ncerts, 1);
	tk_assert_cert_matches(&f->certs[0], x);
	uc_certfile_unref(f);
	BIO_free(b);
	X509_free(x);
}
END_TEST

START_TEST(test_duplicates_pem)
{
	X509 *a = mint_plain(TK_EC256, "dup-a", "31");
	X509 *b = mint_plain(TK_EC256, "dup-b", "32");
	char *pa = tk_pem(a), *pb = tk_pem(b);
	char *all = tk_cat(pa, pb, pa, pa, NULL);
	struct uc_certfile *f = tk_parse_str(all);

	ck_assert_uint_eq(f->ncerts, 2);
	tk_assert_cert_matches(&f->certs[0], a);
	tk_assert_cert_matches(&f->certs[1], b);
	uc_certfile_unref(f);
	free(all);
	free(pa);
	free(pb);
	X509_free(a);
	X509_free(b);
}
END_TEST

START_TEST(test_duplicates_pkcs7)
{
	X509 *a = mint_plain(TK_EC256, "dup-p7", "33");
	X509 *c[2] = { a, a };
	size_t len;
	unsigned char *p7 = tk_p7(c, 2, false, &len);
	struct uc_certfile *f = tk_parse(p7, len);

	ck_assert_uint_eq(f->ncerts, 1);
	tk_assert_cert_matches(&f->certs[0], a);
	uc_certfile_unref(f);
	free(p7);
	X509_free(a);
}
END_TEST

/* A private key next to the certificate is not an error, nor a certificate. */
START_TEST(test_pem_key_and_cert)
{
	X509 *x = mint_plain(TK_EC256, "with-key", "41");
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *pem = tk_pem(x);

	ck_assert(PEM_write_bio_PrivateKey(b, tk_key(TK_EC256), NULL, NULL, 0, NULL, NULL));
	BIO_puts(b, pem);
	long n = BIO_get_mem_data(b, &data);
	struct uc_certfile *f = tk_parse(data, (size_t)n);
	ck_assert_uint_eq(f->ncerts, 1);
	tk_assert_cert_matches(&f->certs[0], x);
	uc_certfile_unref(f);
	BIO_free(b);
	free(pem);
	X509_free(x);
}
END_TEST

START_TEST(test_format_names)
{
	ck_assert_str_eq(uc_format_name(UC_FORMAT_PEM), "pem");
	ck_assert_str_eq(uc_format_name(UC_FORMAT_DER), "der");
	ck_assert_str_eq(uc_format_name(UC_FORMAT_PKCS7_DER), "pkcs7-der");
	ck_assert_str_eq(uc_format_name(UC_FORMAT_PKCS7_PEM), "pkcs7-pem");
	ck_assert_str_eq(uc_format_name(UC_FORMAT_NONE), "none");
}
END_TEST

/* ---- names -------------------------------------------------------------- */

/* uc's subject of a certificate with the given name, and OpenSSL's. */
static void assert_name(X509_NAME *n, const char *expected)
{
	struct tk_spec s = { .subject = n, .not_before = T0, .not_after = T0 + DAY };
	X509 *x = tk_mint(&s);
	size_t len;
	unsigned char *der = tk_der(x, &len);
	struct uc_certfile *f = tk_parse(der, len);
	char *ossl = tk_openssl_name(n);

	ck_assert_uint_eq(f->ncerts, 1);
	ck_assert_str_eq(f->certs[0].subject, ossl);
	ck_assert_str_eq(f->certs[0].issuer, ossl);
	if (expected)
		ck_assert_str_eq(f->certs[0].subject, expected);
	ck_assert(tk_utf8_valid(f->certs[0].subject));
	free(ossl);
	uc_certfile_unref(f);
	free(der);
	X509_free(x);
}

static const struct {
	const char *value, *escaped;
} escapes[] = {
	{ "a,b", "a\\,b" },
	{ "a+b", "a\\+b" },
	{ "a\"b", "a\\\"b" },
	{ "a\\b", "a\\\\b" },
	{ "a<b", "a\\<b" },
	{ "a>b", "a\\>b" },
	{ "a;b", "a\\;b" },
	{ "#lead", "\\#lead" },
	{ "mid#dle", "mid#dle" },
	{ " lead", "\\ lead" },
	{ "trail ", "trail\\ " },
	{ "in  side", "in  side" },
	{ " ", "\\ " },
	{ "a=b", "a=b" },
	{ "all ,+\"\\<>; of them", "all \\,\\+\\\"\\\\\\<\\>\\; of them" },
	{ "ctl\001x", "ctl\\01x" },
};

START_TEST(test_dn_escapes)
{
	X509_NAME *n = tk_name("O", "Example", "CN", escapes[_i].value, NULL);
	char *expected = tk_cat("CN=", escapes[_i].escaped, ",O=Example", NULL);

	assert_name(n, expected);
	free(expected);
	X509_NAME_free(n);
}
END_TEST

/* Every attribute the decoder names, under the name OpenSSL prints. */
START_TEST(test_dn_attribute_names)
{
	X509_NAME *n = tk_name("DC", "com", "DC", "example", "C", "CH", "ST", "Zurich",
			       "L", "Zurich", "street", "Main St 1", "postalCode", "8000",
			       "O", "Example AG", "OU", "Voice", "title", "Engineer",
			       "SN", "Muster", "GN", "Hans", "serialNumber", "42",
			       "dnQualifier", "q1", "UID", "hmuster",
			       "emailAddress", "pki@example.com", "CN", "cucm01", NULL);

	assert_name(n, "CN=cucm01,emailAddress=pki@example.com,UID=hmuster,"
		    "dnQualifier=q1,serialNumber=42,GN=Hans,SN=Muster,title=Engineer,"
		    "OU=Voice,O=Example AG,postalCode=8000,street=Main St 1,L=Zurich,"
		    "ST=Zurich,C=CH,DC=example,DC=com");
	X509_NAME_free(n);
}
END_TEST

START_TEST(test_dn_empty)
{
	X509_NAME *n = X509_NAME_new();

	assert_name(n, "");
	X509_NAME_free(n);
}
END_TEST

/* A multi-valued RDN: its members in either order (RFC 4514 2.2). */
START_TEST(test_dn_multivalued)
{
	X509_NAME *n = tk_name("O", "Example", NULL);
	struct tk_spec s = { .subject = n, .not_before = T0, .not_after = T0 + DAY };

	ck_assert(X509_NAME_add_entry_by_txt(n, "OU", MBSTRING_UTF8,
					     (const unsigned char *)"Voice", -1, -1, 0));
	ck_assert(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
					     (const unsigned char *)"pub", -1, -1, -1));
	X509 *x = tk_mint(&s);
	size_t len;
	unsigned char *der = tk_der(x, &len);
	struct uc_certfile *f = tk_parse(der, len);
	ck_assert_uint_eq(f->ncerts, 1);
	const char *got = f->certs[0].subject;
	ck_assert_msg(strcmp(got, "CN=pub+OU=Voice,O=Example") == 0 ||
		      strcmp(got, "OU=Voice+CN=pub,O=Example") == 0, "got %s", got);
	uc_certfile_unref(f);
	free(der);
	X509_free(x);
	X509_NAME_free(n);
}
END_TEST

static X509_NAME *typed_cn(int type, const void *bytes, int len)
{
	X509_NAME *n = X509_NAME_new();

	ck_assert(X509_NAME_add_entry_by_NID(n, NID_commonName, type,
					     (const unsigned char *)bytes, len, -1, 0));
	return n;
}

START_TEST(test_dn_bmpstring)
{
	/* "Grüße" in UTF-16BE */
	static const unsigned char bmp[] = { 0, 'G', 0, 'r', 0, 0xfc, 0, 0xdf, 0, 'e' };
	X509_NAME *n = typed_cn(V_ASN1_BMPSTRING, bmp, sizeof bmp);

	assert_name(n, "CN=Gr\xc3\xbc\xc3\x9f" "e");
	X509_NAME_free(n);
}
END_TEST

START_TEST(test_dn_t61string)
{
	X509_NAME *n = typed_cn(V_ASN1_T61STRING, "caf\xe9", 4);	/* Latin-1 */

	assert_name(n, "CN=caf\xc3\xa9");
	X509_NAME_free(n);
}
END_TEST

/* Characters outside ASCII are written as UTF-8, never escaped: the escape
 * rules of RFC 4514 concern ASCII only. Slovak, Latvian and Chinese letters
 * whose code point ends in the byte of a special character (U+013E ends in
 * 0x3E '>', U+4E3B in 0x3B ';', U+4E00 in 0x00). */
START_TEST(test_dn_non_ascii)
{
	X509_NAME *n = tk_name("O", "\xc4\x80rija", "CN",
			       "K\xc4\xbe\xc3\xba\xc4\x8d \xe4\xb8\x80 \xe4\xb8\xbb", NULL);

	assert_name(n, "CN=K\xc4\xbe\xc3\xba\xc4\x8d \xe4\xb8\x80 \xe4\xb8\xbb,"
		    "O=\xc4\x80rija");
	X509_NAME_free(n);
}
END_TEST

/* RFC 4514 2.4: an attribute type written as a dotted OID takes its value as
 * '#' and the hex of its BER encoding (as OpenSSL prints it). */
START_TEST(test_dn_unknown_attribute)
{
	X509_NAME *n = X509_NAME_new();
	ASN1_OBJECT *oid = OBJ_txt2obj("1.2.3.4", 1);

	ck_assert(X509_NAME_add_entry_by_OBJ(n, oid, V_ASN1_UTF8STRING,
					     (const unsigned char *)"hello", 5, -1, 0));
	ck_assert(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
					     (const unsigned char *)"x", -1, -1, 0));
	assert_name(n, "CN=x,1.2.3.4=#0C0568656C6C6F");
	ASN1_OBJECT_free(oid);
	X509_NAME_free(n);
}
END_TEST

/* Bytes that are not UTF-8 inside a UTF8String or PrintableString: OpenSSL 3
 * will not encode them, so the placeholder is patched in the DER. The result
 * must stay valid UTF-8, with the bad bytes as \XX escapes. */
static void check_raw_bytes(int type, const char *raw, const char *expected)
{
	static const char placeholder[] = "PLACEH";
	X509_NAME *n = typed_cn(type, placeholder, 6);
	struct tk_spec s = { .subject = n, .not_before = T0, .not_after = T0 + DAY };
	X509 *x = tk_mint(&s);
	size_t len;
	unsigned char *der = tk_der(x, &len);
	unsigned char md[UC_SHA256_LEN];

	ck_assert_int_eq(patch(der, len, placeholder, raw, 6), 2);	/* subject, issuer */
	ck_assert(EVP_Digest(der, len, md, NULL, EVP_sha256(), NULL));
	struct uc_certfile *f = tk_parse(der, len);
	ck_assert_uint_eq(f->ncerts, 1);
	ck_assert_str_eq(f->certs[0].subject, expected);
	ck_assert_str_eq(f->certs[0].issuer, expected);
	ck_assert(tk_utf8_valid(f->certs[0].subject));
	ck_assert_mem_eq(f->certs[0].sha256, md, UC_SHA256_LEN);
	uc_certfile_unref(f);
	free(der);
	X509_free(x);
	X509_NAME_free(n);
}

START_TEST(test_dn_invalid_utf8)
{
	check_raw_bytes(V_ASN1_UTF8STRING, "ab\xc3\x28" "cd", "CN=ab\\C3(cd");
	check_raw_bytes(V_ASN1_UTF8STRING, "\xff\xfe\xed\xa0\x80z", "CN=\\FF\\FE\\ED\\A0\\80z");
	check_raw_bytes(V_ASN1_PRINTABLESTRING, "abc\xff" "de", "CN=abc\\FFde");
}
END_TEST

/* ---- serial numbers ----------------------------------------------------- */

static const struct {
	const char *in, *out;
} serials[] = {
	{ "0A", "0A" },
	{ "-0A", "-0A" },
	{ "0", "00" },
	{ "7F", "7F" },
	{ "80", "80" },		/* DER 00 80 */
	{ "-80", "-80" },	/* DER 80 */
	{ "-81", "-81" },	/* DER FF 7F */
	{ "-0100", "-0100" },
	{ "0100", "0100" },
	{ "63B2F1A4D09E7C55", "63B2F1A4D09E7C55" },
	/* 20 bytes, RFC 5280's maximum */
	{ "0102030405060708090A0B0C0D0E0F1011121314",
	  "0102030405060708090A0B0C0D0E0F1011121314" },
	/* 20 bytes with the top bit set: 21 bytes of DER */
	{ "FFEEDDCCBBAA99887766554433221100FFEEDDCC",
	  "FFEEDDCCBBAA99887766554433221100FFEEDDCC" },
	{ "-7FEEDDCCBBAA99887766554433221100FFEEDDCC",
	  "-7FEEDDCCBBAA99887766554433221100FFEEDDCC" },
};

START_TEST(test_serial)
{
	X509 *x = mint_plain(TK_EC256, "serial", serials[_i].in);
	size_t len;
	unsigned char *der = tk_der(x, &len);
	struct uc_certfile *f = tk_parse(der, len);
	char *ossl = tk_openssl_serial(x);

	ck_assert_uint_eq(f->ncerts, 1);
	ck_assert_str_eq(f->certs[0].serial, serials[_i].out);
	ck_assert_str_eq(f->certs[0].serial, ossl);
	free(ossl);
	uc_certfile_unref(f);
	free(der);
	X509_free(x);
}
END_TEST

/* ---- validity ----------------------------------------------------------- */

static const struct {
	const char *text;
	int64_t epoch;
} times[] = {
	{ "700101000000Z", 0 },
	{ "250101000000Z", INT64_C(1735689600) },
	{ "20250101000000Z", INT64_C(1735689600) },	/* GeneralizedTime, same instant */
	{ "280229120000Z", INT64_C(1835438400) },	/* leap day */
	{ "491231235959Z", INT64_C(2524607999) },	/* last UTCTime year */
	{ "20500101000000Z", INT64_C(2524608000) },	/* first GeneralizedTime one */
	{ "500101000000Z", INT64_C(-631152000) },	/* UTCTime 50 is 1950 */
	{ "19491231235959Z", INT64_C(-631152001) },
	{ "99991231235959Z", INT64_C(253402300799) },	/* "no well-defined expiry" */
};

START_TEST(test_times)
{
	struct tk_spec s = {
		.not_before_text = times[_i].text, .not_after_text = times[_i].text,
	};
	X509 *x = tk_mint(&s);
	size_t len;
	unsigned char *der = tk_der(x, &len);
	struct uc_certfile *f = tk_parse(der, len);

	/* the encoding is the one the table asks for */
	ck_assert_int_eq(ASN1_STRING_type(X509_get0_notAfter(x)),
			 strlen(times[_i].text) == 13 ? V_ASN1_UTCTIME : V_ASN1_GENERALIZEDTIME);
	ck_assert_uint_eq(f->ncerts, 1);
	ck_assert_int_eq(f->certs[0].not_before, times[_i].epoch);
	ck_assert_int_eq(f->certs[0].not_after, times[_i].epoch);
	ck_assert_int_eq(f->certs[0].not_after, tk_openssl_time(X509_get0_notAfter(x)));
	uc_certfile_unref(f);
	free(der);
	X509_free(x);
}
END_TEST

/* RFC 5280 encodings chosen from the instant: 2049 as UTCTime, 2050 as
 * GeneralizedTime. */
START_TEST(test_times_rfc5280_switch)
{
	struct tk_spec s = {
		.not_before = INT64_C(2524607999), .not_after = INT64_C(2524608000),
	};
	X509 *x = tk_mint(&s);
	char *pem = tk_pem(x);
	struct uc_certfile *f = tk_parse_str(pem);

	ck_assert_int_eq(ASN1_STRING_type(X509_get0_notBefore(x)), V_ASN1_UTCTIME);
	ck_assert_int_eq(ASN1_STRING_type(X509_get0_notAfter(x)), V_ASN1_GENERALIZEDTIME);
	ck_assert_uint_eq(f->ncerts, 1);
	ck_assert_int_eq(f->certs[0].not_before, INT64_C(2524607999));
	ck_assert_int_eq(f->certs[0].not_after, INT64_C(2524608000));
	uc_certfile_unref(f);
	free(pem);
	X509_free(x);
}
END_TEST

/* A month 13 in notAfter is reported, not guessed. */
START_TEST(test_time_invalid)
{
	struct tk_spec s = {
		.not_before_text = "270101000000Z", .not_after_text = "291231235959Z",
	};
	X509 *x = tk_mint(&s);
	size_t len;
	unsigned char *der = tk_der(x, &len);

	ck_assert_int_eq(patch(der, len, "291231", "291331", 6), 1);
	struct uc_certfile *f = tk_parse(der, len);
	tk_assert_error_has(f, "notAfter");
	uc_certfile_unref(f);
	free(der);
	X509_free(x);
}
END_TEST

/* ---- digest, key, CA flag ----------------------------------------------- */

START_TEST(test_sha256_hex)
{
	X509 *x = mint_plain(TK_EC256, "digest", "51");
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n;
	char expected[2 * UC_SHA256_LEN + 1], got[2 * UC_SHA256_LEN + 1];
	char *pem = tk_pem(x);
	struct uc_certfile *f = tk_parse_str(pem);

	ck_assert(X509_digest(x, EVP_sha256(), md, &n));
	for (unsigned i = 0; i < n; i++)
		snprintf(expected + 2 * i, 3, "%02x", md[i]);
	ck_assert_uint_eq(f->ncerts, 1);
	uc_sha256_hex(f->certs[0].sha256, got);
	ck_assert_str_eq(got, expected);
	uc_certfile_unref(f);
	free(pem);
	X509_free(x);
}
END_TEST

static const struct {
	enum tk_key key;
	const char *alg;
	int bits;
} key_cases[] = {
	{ TK_RSA2048, "RSA", 2048 },
	{ TK_EC256, "EC", 256 },
	{ TK_EC384, "EC", 384 },
};

START_TEST(test_key)
{
	X509 *x = mint_plain(key_cases[_i].key, "key", "61");
	size_t len;
	unsigned char *der = tk_der(x, &len);
	struct uc_certfile *f = tk_parse(der, len);

	ck_assert_uint_eq(f->ncerts, 1);
	ck_assert_str_eq(f->certs[0].key_alg, key_cases[_i].alg);
	ck_assert_int_eq(f->certs[0].key_bits, key_cases[_i].bits);
	tk_assert_cert_matches(&f->certs[0], x);
	uc_certfile_unref(f);
	free(der);
	X509_free(x);
}
END_TEST

/* cert.c says it counts Ed25519 bits "as OpenSSL counts it"; OpenSSL 3,
 * the version uccert requires, counts 256 (1.1.1 said 253). */
START_TEST(test_key_ed25519)
{
	X509 *x = mint_plain(TK_ED25519, "key", "62");
	size_t len;
	unsigned char *der = tk_der(x, &len);
	struct uc_certfile *f = tk_parse(der, len);

	ck_assert_uint_eq(f->ncerts, 1);
	ck_assert_str_eq(f->certs[0].key_alg, "Ed25519");
	ck_assert_int_eq(f->certs[0].key_bits, EVP_PKEY_get_bits(tk_key(TK_ED25519)));
	tk_assert_cert_matches(&f->certs[0], x);
	uc_certfile_unref(f);
	free(der);
	X509_free(x);
}
END_TEST

static bool parse_is_ca(const struct tk_spec *s)
{
	X509 *x = tk_mint(s);
	size_t len;
	unsigned char *der = tk_der(x, &len);
	struct uc_certfile *f = tk_parse(der, len);
	bool ca;

	ck_assert_uint_eq(f->ncerts, 1);
	tk_assert_cert_matches(&f->certs[0], x);
	ca = f->certs[0].is_ca;
	uc_certfile_unref(f);
	free(der);
	X509_free(x);
	return ca;
}

START_TEST(test_is_ca)
{
	struct tk_spec s = { .not_before = T0, .not_after = T0 + DAY };

	s.ca = TK_CA_TRUE;
	ck_assert(parse_is_ca(&s));
	s.ca = TK_CA_FALSE;
	ck_assert(!parse_is_ca(&s));
	s.ca = TK_CA_NONE;
	ck_assert(!parse_is_ca(&s));
	s.v1 = true;
	ck_assert(!parse_is_ca(&s));
}
END_TEST

/* ---- hostile and broken input ------------------------------------------- */

START_TEST(test_empty)
{
	struct uc_certfile *f = tk_parse("", 0);

	tk_assert_error_has(f, "empty");
	ck_assert_int_eq(f->format, UC_FORMAT_NONE);
	uc_certfile_unref(f);
}
END_TEST

/* Every prefix of a certificate or a bundle: no certificate, an error that
 * says "truncated", no read past the end. */
static void check_prefixes(const unsigned char *buf, size_t len)
{
	for (size_t n = 1; n < len; n++) {
		struct uc_certfile *f = tk_parse(buf, n);
		ck_assert_msg(f->ncerts == 0 && f->error != NULL,
			      "prefix of %zu of %zu bytes yields %zu certificates",
			      n, len, f->ncerts);
		ck_assert_msg(strcasestr(f->error, "truncated") != NULL,
			      "prefix %zu: \"%s\"", n, f->error);
		uc_certfile_unref(f);
	}
}

START_TEST(test_truncated_der)
{
	X509 *x = mint_plain(TK_RSA2048, "truncated", "71");
	size_t len;
	unsigned char *der = tk_der(x, &len);

	check_prefixes(der, len);
	free(der);
	X509_free(x);
}
END_TEST

START_TEST(test_truncated_pkcs7)
{
	X509 *c[2] = { mint_plain(TK_EC256, "t-a", "72"), mint_plain(TK_EC256, "t-b", "73") };
	size_t len;
	unsigned char *p7 = tk_p7(c, 2, false, &len);

	check_prefixes(p7, len);
	free(p7);
	X509_free(c[0]);
	X509_free(c[1]);
}
END_TEST

/* The file ends inside the base64: no END line. */
START_TEST(test_truncated_pem)
{
	X509 *x = mint_plain(TK_EC256, "cut", "74");
	char *pem = tk_pem(x);

	pem[strlen(pem) / 2] = '\0';
	struct uc_certfile *f = tk_parse_str(pem);
	tk_assert_error_has(f, "truncated");
	uc_certfile_unref(f);
	free(pem);
	X509_free(x);
}
END_TEST

/* Lines lost from the middle of the base64, END line intact. */
START_TEST(test_pem_missing_lines)
{
	X509 *x = mint_plain(TK_RSA2048, "lost-lines", "75");
	char *pem = tk_pem(x);
	char *l2 = strchr(strchr(pem, '\n') + 1, '\n') + 1;	/* third line */
	char *l5 = l2;

	for (int i = 0; i < 3; i++)
		l5 = strchr(l5, '\n') + 1;
	memmove(l2, l5, strlen(l5) + 1);
	struct uc_certfile *f = tk_parse_str(pem);
	tk_assert_error_has(f, "truncated");
	uc_certfile_unref(f);
	free(pem);
	X509_free(x);
}
END_TEST

START_TEST(test_pem_garbage_base64)
{
	struct uc_certfile *f = tk_parse_str("-----BEGIN CERTIFICATE-----\n"
					     "this is *not* base64!\n"
					     "-----END CERTIFICATE-----\n");
	tk_assert_error_has(f, "base64");
	uc_certfile_unref(f);

	/* valid base64 of bytes that are no DER */
	f = tk_parse_str("-----BEGIN CERTIFICATE-----\nSGVsbG8sIHdvcmxkIQ==\n"
			 "-----END CERTIFICATE-----\n");
	tk_assert_error_has(f, "DER");
	uc_certfile_unref(f);
}
END_TEST

START_TEST(test_pem_header_incomplete)
{
	struct uc_certfile *f = tk_parse_str("-----BEGIN CERTIFICATE\nMIIB\n");

	tk_assert_error_has(f, "header");
	uc_certfile_unref(f);
}
END_TEST

static char *key_pem(void)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *s;

	ck_assert(PEM_write_bio_PrivateKey(b, tk_key(TK_EC256), NULL, NULL, 0, NULL, NULL));
	long n = BIO_get_mem_data(b, &data);
	s = strndup(data, (size_t)n);
	BIO_free(b);
	return s;
}

START_TEST(test_key_only)
{
	char *k = key_pem();
	struct uc_certfile *f = tk_parse_str(k);

	tk_assert_error_has(f, "no certificate");
	uc_certfile_unref(f);
	free(k);
}
END_TEST

START_TEST(test_csr_only)
{
	X509_REQ *req = X509_REQ_new();
	BIO *b = BIO_new(BIO_s_mem());
	char *data;

	ck_assert(X509_REQ_set_pubkey(req, tk_key(TK_EC256)));
	ck_assert(X509_REQ_sign(req, tk_key(TK_EC256), EVP_sha256()) > 0);
	ck_assert(PEM_write_bio_X509_REQ(b, req));
	long n = BIO_get_mem_data(b, &data);
	struct uc_certfile *f = tk_parse(data, (size_t)n);
	tk_assert_error_has(f, "no certificate");
	uc_certfile_unref(f);
	BIO_free(b);
	X509_REQ_free(req);
}
END_TEST

START_TEST(test_pkcs7_without_certs)
{
	size_t len;
	unsigned char *p7 = tk_p7(NULL, 0, false, &len);
	struct uc_certfile *f = tk_parse(p7, len);

	tk_assert_error_has(f, "no certificate");
	uc_certfile_unref(f);
	free(p7);
}
END_TEST

START_TEST(test_der_not_a_certificate)
{
	static const unsigned char seq_int[] = { 0x30, 0x03, 0x02, 0x01, 0x00 };
	static const unsigned char indefinite[] = { 0x30, 0x80, 0x02, 0x01, 0x00, 0x00, 0x00 };
	struct uc_certfile *f = tk_parse(seq_int, sizeof seq_int);

	tk_assert_error_has(f, "certificate");
	uc_certfile_unref(f);
	f = tk_parse(indefinite, sizeof indefinite);
	tk_assert_error_has(f, "malformed");
	uc_certfile_unref(f);
	f = tk_parse_str("hello, world\n");
	tk_assert_error_has(f, "neither PEM nor DER");
	uc_certfile_unref(f);
}
END_TEST

/* A PEM bundle whose preamble happens to start with the digit '0' (0x30, the
 * first byte of DER) is still a PEM bundle. */
START_TEST(test_pem_text_starting_with_zero)
{
	X509 *x = mint_plain(TK_EC256, "zero", "76");
	char *pem = tk_pem(x);
	char *all = tk_cat("0 s:CN = zero\n", pem, NULL);
	struct uc_certfile *f = tk_parse_str(all);

	ck_assert_msg(f->ncerts == 1, "error: %s", f->error ? f->error : "(none)");
	tk_assert_cert_matches(&f->certs[0], x);
	uc_certfile_unref(f);
	free(all);
	free(pem);
	X509_free(x);
}
END_TEST

static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Random bytes, some dressed as DER or PEM: never a certificate, always a
 * reason, never a crash (the sanitizer build checks the reads). */
START_TEST(test_random_bytes)
{
	unsigned char *buf = malloc(4096);
	static const char begin[] = "-----BEGIN CERTIFICATE-----\n";

	rng_state = UINT64_C(0x9e3779b97f4a7c15);
	for (int iter = 0; iter < 3000; iter++) {
		size_t len = 1 + rng() % 4096;
		for (size_t i = 0; i < len; i++)
			buf[i] = (unsigned char)rng();
		if (iter % 3 == 1)
			buf[0] = 0x30;
		else if (iter % 3 == 2 && len > sizeof begin)
			memcpy(buf, begin, sizeof begin - 1);
		struct uc_certfile *f = tk_parse(buf, len);
		ck_assert_msg(f->ncerts == 0 && f->error && *f->error,
			      "iteration %d: %zu certificates", iter, f->ncerts);
		uc_certfile_unref(f);
	}
	free(buf);
}
END_TEST

/* A real certificate and bundle with bytes changed at random: either decoded
 * or rejected with a reason; the result is never half of each. */
START_TEST(test_mutated)
{
	X509 *c[2] = { mint_plain(TK_RSA2048, "mutant-a", "77"),
		       mint_plain(TK_EC256, "mutant-b", "78") };
	size_t dlen, plen;
	unsigned char *der = tk_der(c[0], &dlen);
	unsigned char *p7 = tk_p7(c, 2, false, &plen);
	unsigned char *buf = malloc(plen > dlen ? plen : dlen);

	rng_state = UINT64_C(20270101);
	for (int iter = 0; iter < 4000; iter++) {
		const unsigned char *src = iter % 2 ? p7 : der;
		size_t len = iter % 2 ? plen : dlen;
		memcpy(buf, src, len);
		for (int k = 1 + (int)(rng() % 4); k > 0; k--) {
			/* half of the changes hit the headers and lengths */
			size_t pos = rng() % 2 ? rng() % 64 : rng() % len;
			buf[pos] = (unsigned char)rng();
		}
		struct uc_certfile *f = tk_parse(buf, len);
		if (f->ncerts == 0)
			ck_assert_msg(f->error && *f->error, "iteration %d: no reason", iter);
		else
			ck_assert_msg(f->error == NULL, "iteration %d: certificates and \"%s\"",
				      iter, f->error);
		for (size_t i = 0; i < f->ncerts; i++) {
			ck_assert_ptr_nonnull(f->certs[i].subject);
			ck_assert(tk_utf8_valid(f->certs[i].subject));
			ck_assert(tk_utf8_valid(f->certs[i].issuer));
		}
		uc_certfile_unref(f);
	}
	free(buf);
	free(p7);
	free(der);
	X509_free(c[0]);
	X509_free(c[1]);
}
END_TEST

/* ---- loading files ------------------------------------------------------ */

START_TEST(test_load)
{
	char *dir = tk_tmpdir();
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	X509 *x = mint_plain(TK_EC256, "loaded", "81");
	char *p = tk_printf("%s/tomcat.pem", dir);
	struct stat st;
	struct uc_certfile *f;

	ck_assert_int_ge(dfd, 0);
	tk_write_cert_pem(p, x);
	f = uc_certfile_load(dfd, "tomcat.pem", &st);
	ck_assert_uint_eq(f->ncerts, 1);
	ck_assert(S_ISREG(st.st_mode));
	tk_assert_cert_matches(&f->certs[0], x);
	uc_certfile_unref(f);

	f = uc_certfile_load(dfd, "missing.pem", &st);
	tk_assert_error_has(f, "No such file");
	ck_assert_int_eq(st.st_mode, 0);
	uc_certfile_unref(f);

	free(p);
	p = tk_printf("%s/adir", dir);
	tk_mkdir(p);
	f = uc_certfile_load(dfd, "adir", &st);
	tk_assert_error_has(f, "directory");
	uc_certfile_unref(f);

	free(p);
	p = tk_printf("%s/fifo", dir);
	ck_assert_int_eq(mkfifo(p, 0644), 0);
	f = uc_certfile_load(dfd, "fifo", &st);	/* must not block */
	tk_assert_error_has(f, "not a regular file");
	uc_certfile_unref(f);

	close(dfd);
	free(p);
	free(dir);
	X509_free(x);
}
END_TEST

/* Files over the limit are refused without being read; a sparse file makes
 * the test cheap. */
START_TEST(test_load_too_large)
{
	char *dir = tk_tmpdir();
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	char *p = tk_printf("%s/big", dir);
	int fd = open(p, O_WRONLY | O_CREAT, 0644);
	struct stat st;
	struct uc_certfile *f;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, UC_MAX_CERT_FILE + 1), 0);
	f = uc_certfile_load(dfd, "big", &st);
	tk_assert_error_has(f, "too large");
	uc_certfile_unref(f);

	ck_assert_int_eq(ftruncate(fd, UC_MAX_CERT_FILE), 0);	/* at the limit: read */
	f = uc_certfile_load(dfd, "big", &st);
	ck_assert_uint_eq(f->ncerts, 0);
	ck_assert_ptr_nonnull(f->error);
	ck_assert(strcasestr(f->error, "too large") == NULL);
	uc_certfile_unref(f);
	close(fd);
	close(dfd);
	free(p);
	free(dir);
}
END_TEST

Suite *cert_suite(void)
{
	Suite *s = suite_create("cert");
	TCase *tc;

	tc = tcase_create("formats");
	tcase_add_test(tc, test_pem_single);
	tcase_add_test(tc, test_pem_text_around);
	tcase_add_test(tc, test_pem_crlf);
	tcase_add_test(tc, test_issuer);
	tcase_add_test(tc, test_pem_damaged_block);
	tcase_add_test(tc, test_pem_error_printable);
	tcase_add_test(tc, test_der);
	tcase_add_test(tc, test_pkcs7_der);
	tcase_add_test(tc, test_pkcs7_pem);
	tcase_add_test(tc, test_trusted_certificate);
	tcase_add_test(tc, test_duplicates_pem);
	tcase_add_test(tc, test_duplicates_pkcs7);
	tcase_add_test(tc, test_pem_key_and_cert);
	tcase_add_test(tc, test_format_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("fields");
	tcase_add_loop_test(tc, test_dn_escapes, 0, sizeof escapes / sizeof escapes[0]);
	tcase_add_test(tc, test_dn_attribute_names);
	tcase_add_test(tc, test_dn_empty);
	tcase_add_test(tc, test_dn_multivalued);
	tcase_add_test(tc, test_dn_bmpstring);
	tcase_add_test(tc, test_dn_t61string);
	tcase_add_test(tc, test_dn_invalid_utf8);
	tcase_add_loop_test(tc, test_serial, 0, sizeof serials / sizeof serials[0]);
	tcase_add_loop_test(tc, test_times, 0, sizeof times / sizeof times[0]);
	tcase_add_test(tc, test_times_rfc5280_switch);
	tcase_add_test(tc, test_time_invalid);
	tcase_add_test(tc, test_sha256_hex);
	tcase_add_loop_test(tc, test_key, 0, sizeof key_cases / sizeof key_cases[0]);
	tcase_add_test(tc, test_is_ca);
	suite_add_tcase(s, tc);

	tc = tcase_create("bad-input");
	tcase_set_timeout(tc, 120);	/* loops; slow under sanitizers */
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_truncated_der);
	tcase_add_test(tc, test_truncated_pkcs7);
	tcase_add_test(tc, test_truncated_pem);
	tcase_add_test(tc, test_pem_missing_lines);
	tcase_add_test(tc, test_pem_garbage_base64);
	tcase_add_test(tc, test_pem_header_incomplete);
	tcase_add_test(tc, test_key_only);
	tcase_add_test(tc, test_csr_only);
	tcase_add_test(tc, test_pkcs7_without_certs);
	tcase_add_test(tc, test_der_not_a_certificate);
	tcase_add_test(tc, test_random_bytes);
	tcase_add_test(tc, test_mutated);
	tcase_add_test(tc, test_load);
	tcase_add_test(tc, test_load_too_large);
	suite_add_tcase(s, tc);

	/* Bugs found while writing these tests; see the test comments. */
	tc = tcase_create("known-bugs");
	tcase_set_tags(tc, "known-bug");
	tcase_add_test(tc, test_dn_non_ascii);
	tcase_add_test(tc, test_dn_unknown_attribute);
	tcase_add_test(tc, test_pem_text_starting_with_zero);
	tcase_add_test(tc, test_key_ed25519);
	suite_add_tcase(s, tc);
	return s;
}
