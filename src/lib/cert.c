/* cert.c - certificate files: detect PEM / DER / PKCS#7, decode what uccert
 * reports (names, serial, validity, key, CA flag, SHA-256). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "cert.h"
#include "clock.h"
#include "der.h"
#include "dn.h"
#include "util.h"

static const unsigned char OID_RSA[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01 };
static const unsigned char OID_RSA_PSS[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a };
static const unsigned char OID_EC[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01 };
static const unsigned char OID_DSA[] = { 0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01 };
static const unsigned char OID_ED25519[] = { 0x2b, 0x65, 0x70 };
static const unsigned char OID_ED448[] = { 0x2b, 0x65, 0x71 };
static const unsigned char OID_P256[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
static const unsigned char OID_P384[] = { 0x2b, 0x81, 0x04, 0x00, 0x22 };
static const unsigned char OID_P521[] = { 0x2b, 0x81, 0x04, 0x00, 0x23 };
static const unsigned char OID_BASIC_CONSTRAINTS[] = { 0x55, 0x1d, 0x13 };
static const unsigned char OID_PKCS7_SIGNED[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02 };

#define OID_IS(content, oid) der_oid_is(content, oid, sizeof oid)

/* ---- small pieces of a certificate ---------------------------------- */

static char *serial_hex(const struct der *c)
{
	size_t n = (size_t)(c->end - c->p);
	const unsigned char *p = c->p;
	bool neg = n > 0 && (p[0] & 0x80);
	unsigned char *mag;
	char *out, *o;

	mag = xmalloc(n ? n : 1);
	if (neg) {
		/* two's complement magnitude: invert, then add one */
		unsigned carry = 1;
		for (size_t i = n; i-- > 0;) {
			unsigned v = (unsigned)(~p[i] & 0xff) + carry;
			mag[i] = (unsigned char)v;
			carry = v >> 8;
		}
	} else {
		memcpy(mag, p, n);
	}
	size_t skip = 0;
	while (skip + 1 < n && mag[skip] == 0)
		skip++;
	out = o = xmalloc(2 * (n - skip) + 4);
	if (neg)
		*o++ = '-';
	if (n == 0)
		o += sprintf(o, "00");
	for (size_t i = skip; i < n; i++)
		o += sprintf(o, "%02X", mag[i]);
	*o = '\0';
	free(mag);
	return out;
}

static int two_digits(const unsigned char *s)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/* UTCTime YYMMDDHHMM[SS]Z (YY < 50 is 20YY, RFC 5280) or GeneralizedTime
 * YYYYMMDDHHMMSS[.f]Z. */
static bool decode_time(const struct der_tlv *t, int64_t *out)
{
	const unsigned char *s = t->content.p;
	size_t n = (size_t)(t->content.end - s);
	struct uc_tm tm = { 0 };
	size_t i;

	if (t->tag == DER_UTCTIME) {
		if (n != 13 && n != 11)
			return false;
		int yy = two_digits(s);
		if (yy < 0)
			return false;
		tm.year = yy < 50 ? 2000 + yy : 1900 + yy;
		i = 2;
	} else if (t->tag == DER_GENERALIZEDTIME) {
		if (n < 15)
			return false;
		int hi = two_digits(s), lo = two_digits(s + 2);
		if (hi < 0 || lo < 0)
			return false;
		tm.year = hi * 100 + lo;
		i = 4;
	} else {
		return false;
	}
	tm.month = two_digits(s + i);
	tm.day = two_digits(s + i + 2);
	tm.hour = two_digits(s + i + 4);
	tm.min = two_digits(s + i + 6);
	i += 8;
	if (i + 1 < n) {
		tm.sec = two_digits(s + i);
		i += 2;
	}
	if (t->tag == DER_GENERALIZEDTIME && i < n && s[i] == '.') {
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
	}
	if (i + 1 != n || s[i] != 'Z')
		return false;
	if (tm.month < 1 || tm.month > 12 || tm.day < 1 || tm.day > 31 ||
	    tm.hour < 0 || tm.hour > 23 || tm.min < 0 || tm.min > 59 ||
	    tm.sec < 0 || tm.sec > 60)
		return false;
	*out = uc_timegm(&tm);
	return true;
}

static int integer_bits(const struct der *c)
{
	const unsigned char *p = c->p;
	while (p < c->end && *p == 0)
		p++;
	if (p == c->end)
		return 0;
	int bits = (int)(c->end - p) * 8;
	for (unsigned char top = *p; !(top & 0x80); top <<= 1)
		bits--;
	return bits;
}

static void decode_key(struct der spki, struct uc_cert *cert)
{
	struct der_tlv alg, oid, params, bits;
	struct der a;

	snprintf(cert->key_alg, sizeof cert->key_alg, "unknown");
	cert->key_bits = 0;
	if (!der_expect(&spki, DER_SEQUENCE, &alg))
		return;
	a = alg.content;
	if (!der_expect(&a, DER_OID, &oid))
		return;
	bool have_params = der_next(&a, &params) == DER_OK;
	if (!der_expect(&spki, DER_BIT_STRING, &bits) ||
	    bits.content.p == bits.content.end)
		return;
	struct der key = { bits.content.p + 1, bits.content.end };

	if (OID_IS(&oid.content, OID_RSA) || OID_IS(&oid.content, OID_RSA_PSS)) {
		struct der_tlv seq, n;
		snprintf(cert->key_alg, sizeof cert->key_alg, "%s",
			 OID_IS(&oid.content, OID_RSA) ? "RSA" : "RSA-PSS");
		if (der_expect(&key, DER_SEQUENCE, &seq) &&
		    der_expect(&seq.content, DER_INTEGER, &n))
			cert->key_bits = integer_bits(&n.content);
	} else if (OID_IS(&oid.content, OID_EC)) {
		snprintf(cert->key_alg, sizeof cert->key_alg, "EC");
		if (have_params && params.tag == DER_OID &&
		    OID_IS(&params.content, OID_P256))
			cert->key_bits = 256;
		else if (have_params && params.tag == DER_OID &&
			 OID_IS(&params.content, OID_P384))
			cert->key_bits = 384;
		else if (have_params && params.tag == DER_OID &&
			 OID_IS(&params.content, OID_P521))
			cert->key_bits = 521;
		else	/* uncompressed point: 04 || X || Y */
			cert->key_bits = (int)((key.end - key.p - 1) / 2 * 8);
	} else if (OID_IS(&oid.content, OID_ED25519)) {
		snprintf(cert->key_alg, sizeof cert->key_alg, "Ed25519");
		cert->key_bits = 256;
	} else if (OID_IS(&oid.content, OID_ED448)) {
		snprintf(cert->key_alg, sizeof cert->key_alg, "Ed448");
		cert->key_bits = 456;
	} else if (OID_IS(&oid.content, OID_DSA)) {
		struct der_tlv p;
		snprintf(cert->key_alg, sizeof cert->key_alg, "DSA");
		if (have_params && params.tag == DER_SEQUENCE &&
		    der_expect(&params.content, DER_INTEGER, &p))
			cert->key_bits = integer_bits(&p.content);
	}
}

static bool decode_is_ca(struct der exts)
{
	struct der_tlv seq, ext, oid, val;

	if (!der_expect(&exts, DER_SEQUENCE, &seq))
		return false;
	while (der_expect(&seq.content, DER_SEQUENCE, &ext)) {
		struct der e = ext.content;
		if (!der_expect(&e, DER_OID, &oid) ||
		    !OID_IS(&oid.content, OID_BASIC_CONSTRAINTS))
			continue;
		struct der_tlv crit, bc, ca;
		der_expect(&e, DER_BOOLEAN, &crit);
		if (!der_expect(&e, DER_OCTET_STRING, &val))
			return false;
		struct der v = val.content;
		if (!der_expect(&v, DER_SEQUENCE, &bc))
			return false;
		if (der_expect(&bc.content, DER_BOOLEAN, &ca))
			return ca.content.p < ca.content.end && ca.content.p[0] != 0;
		return false;
	}
	return false;
}

/* Decode one Certificate element. Returns NULL on success or a static
 * reason. */
static const char *decode_cert(const struct der_tlv *certtlv, struct uc_cert *c)
{
	struct der body = certtlv->content;
	struct der_tlv tbs, t, issuer, validity, nb, na, subject, spki;

	memset(c, 0, sizeof *c);
	if (!der_expect(&body, DER_SEQUENCE, &tbs))
		return "not an X.509 certificate (no TBSCertificate)";
	struct der b = tbs.content;
	der_expect(&b, DER_CTX(0), &t);	/* version, optional */
	if (!der_expect(&b, DER_INTEGER, &t))
		return "not an X.509 certificate (no serial number)";
	struct der serial = t.content;
	if (!der_expect(&b, DER_SEQUENCE, &t))
		return "not an X.509 certificate (no signature algorithm)";
	if (!der_expect(&b, DER_SEQUENCE, &issuer))
		return "not an X.509 certificate (no issuer)";
	if (!der_expect(&b, DER_SEQUENCE, &validity))
		return "not an X.509 certificate (no validity)";
	if (der_next(&validity.content, &nb) != DER_OK ||
	    der_next(&validity.content, &na) != DER_OK)
		return "bad validity period";
	if (!der_expect(&b, DER_SEQUENCE, &subject))
		return "not an X.509 certificate (no subject)";
	if (!der_expect(&b, DER_SEQUENCE, &spki))
		return "not an X.509 certificate (no public key)";
	if (!decode_time(&nb, &c->not_before))
		return "bad notBefore time";
	if (!decode_time(&na, &c->not_after))
		return "bad notAfter time";

	c->is_ca = false;
	while (!der_empty(&b)) {
		if (der_next(&b, &t) != DER_OK)
			return "bad certificate extensions";
		if (t.tag == DER_CTX(3))
			c->is_ca = decode_is_ca(t.content);
	}
	decode_key(spki.content, c);
	c->serial = serial_hex(&serial);
	c->subject = uc_dn_format(&subject.content);
	c->issuer = uc_dn_format(&issuer.content);
	SHA256(certtlv->start, certtlv->len, c->sha256);
	return NULL;
}

/* ---- the file level ---------------------------------------------------- */

struct uc_certfile *uc_certfile_ref(struct uc_certfile *f)
{
	if (f)
		f->refs++;
	return f;
}

static void cert_clear(struct uc_cert *c)
{
	free(c->subject);
	free(c->issuer);
	free(c->serial);
}

void uc_certfile_unref(struct uc_certfile *f)
{
	if (!f || --f->refs > 0)
		return;
	for (size_t i = 0; i < f->ncerts; i++)
		cert_clear(&f->certs[i]);
	free(f->certs);
	free(f->error);
	free(f->path);
	free(f);
}

static struct uc_certfile *certfile_new(void)
{
	struct uc_certfile *f = xcalloc(1, sizeof *f);
	f->refs = 1;
	return f;
}

struct uc_certfile *uc_certfile_error(const char *fmt, ...)
{
	struct uc_certfile *f = certfile_new();
	va_list ap;
	va_start(ap, fmt);
	f->error = xvasprintf(fmt, ap);
	va_end(ap);
	return f;
}

/* Parsing state for one file: certificates found, first error seen. */
struct collect {
	struct uc_certfile *f;
	size_t cap;
	char *first_error;
};

static void collect_error(struct collect *col, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void collect_error(struct collect *col, const char *fmt, ...)
{
	va_list ap;
	if (col->first_error)
		return;
	va_start(ap, fmt);
	col->first_error = xvasprintf(fmt, ap);
	va_end(ap);
}

static void collect_cert(struct collect *col, const struct der_tlv *tlv,
			 const char *where)
{
	struct uc_cert c;
	const char *why = decode_cert(tlv, &c);

	if (why) {
		collect_error(col, "%s: %s", where, why);
		return;
	}
	for (size_t i = 0; i < col->f->ncerts; i++) {
		if (memcmp(col->f->certs[i].sha256, c.sha256, UC_SHA256_LEN) == 0) {
			cert_clear(&c);	/* the same certificate twice */
			return;
		}
	}
	if (col->f->ncerts == col->cap) {
		col->cap = col->cap ? col->cap * 2 : 1;
		col->f->certs = xreallocarray(col->f->certs, col->cap,
					      sizeof *col->f->certs);
	}
	col->f->certs[col->f->ncerts++] = c;
}

static const char *der_status_text(enum der_status s)
{
	switch (s) {
	case DER_TRUNCATED:
		return "truncated DER (a length runs past the end of the data)";
	case DER_BAD:
		return "malformed DER (indefinite or invalid length, or bad tag)";
	default:
		return "malformed DER";
	}
}

/* PKCS#7 SignedData "certs-only": ContentInfo { signedData, [0] SignedData {
 * version, digestAlgorithms, contentInfo, [0] IMPLICIT certificates ... } } */
static bool collect_pkcs7(struct collect *col, const struct der_tlv *ci,
			  const char *where)
{
	struct der c = ci->content;
	struct der_tlv oid, wrap, sd, t, certs;
	char sub[64];

	if (!der_expect(&c, DER_OID, &oid) ||
	    !OID_IS(&oid.content, OID_PKCS7_SIGNED))
		return false;
	if (!der_expect(&c, DER_CTX(0), &wrap) ||
	    !der_expect(&wrap.content, DER_SEQUENCE, &sd)) {
		collect_error(col, "%s: PKCS#7 without signed data", where);
		return true;
	}
	struct der s = sd.content;
	if (!der_expect(&s, DER_INTEGER, &t) || !der_expect(&s, DER_SET, &t) ||
	    !der_expect(&s, DER_SEQUENCE, &t)) {
		collect_error(col, "%s: malformed PKCS#7 signed data", where);
		return true;
	}
	if (!der_expect(&s, DER_CTX(0), &certs)) {
		collect_error(col, "%s: PKCS#7 bundle holds no certificates", where);
		return true;
	}
	struct der list = certs.content;
	enum der_status st;
	for (unsigned i = 1; (st = der_next(&list, &t)) == DER_OK; i++) {
		snprintf(sub, sizeof sub, "%s, certificate %u", where, i);
		if (t.tag == DER_SEQUENCE)
			collect_cert(col, &t, sub);
	}
	if (st != DER_END)
		collect_error(col, "%s: %s", where, der_status_text(st));
	return true;
}

/* One DER blob: a Certificate, or a PKCS#7 bundle. */
static void collect_der(struct collect *col, const unsigned char *p, size_t n,
			const char *where, bool *is_pkcs7)
{
	struct der d = { p, p + n };
	struct der_tlv top, first;
	enum der_status st = der_next(&d, &top);

	if (st != DER_OK) {
		collect_error(col, "%s: %s", where, der_status_text(st));
		return;
	}
	if (top.tag != DER_SEQUENCE) {
		collect_error(col, "%s: not a DER certificate", where);
		return;
	}
	struct der inner = top.content;
	if (der_next(&inner, &first) == DER_OK && first.tag == DER_OID) {
		*is_pkcs7 = true;
		if (!collect_pkcs7(col, &top, where))
			collect_error(col, "%s: DER object is neither a certificate nor a PKCS#7 bundle", where);
		return;
	}
	collect_cert(col, &top, where);
}

static int b64val(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

/* Base64 body of a PEM block into out (which has room for n*3/4 bytes);
 * RFC 1421 header lines ("Name: value") are skipped. Returns the decoded
 * length, or -1 on a character outside the alphabet. */
static long pem_decode(const unsigned char *p, size_t n, unsigned char *out)
{
	const unsigned char *end = p + n;
	unsigned acc = 0;
	int bits = 0;
	long len = 0;
	bool pad = false;

	if (memchr(p, ':', n)) {	/* skip headers up to the blank line */
		const unsigned char *blank = memmem(p, n, "\n\n", 2);
		const unsigned char *blank2 = memmem(p, n, "\n\r\n", 3);
		if (blank2 && (!blank || blank2 < blank))
			blank = blank2;
		if (blank)
			p = blank + 2;
	}
	for (; p < end; p++) {
		unsigned char ch = *p;
		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n')
			continue;
		if (ch == '=') {
			pad = true;
			continue;
		}
		int v = b64val(ch);
		if (v < 0 || pad)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[len++] = (unsigned char)(acc >> bits);
		}
	}
	return len;
}

static void collect_pem(struct collect *col, const unsigned char *buf,
			size_t len, enum uc_format *format)
{
	const unsigned char *p = buf, *end = buf + len;
	unsigned blocks = 0;
	char where[48];

	while (p < end) {
		const unsigned char *begin = memmem(p, (size_t)(end - p), "-----BEGIN ", 11);
		if (!begin)
			break;
		const unsigned char *label = begin + 11;
		const unsigned char *label_end = memmem(label, (size_t)(end - label), "-----", 5);
		if (!label_end || memchr(label, '\n', (size_t)(label_end - label))) {
			p = label;
			continue;
		}
		blocks++;
		snprintf(where, sizeof where, "PEM block %u", blocks);
		size_t llen = (size_t)(label_end - label);
		char endline[96];
		if (llen > 64) {
			collect_error(col, "%s: label too long", where);
			p = label_end;
			continue;
		}
		int elen = snprintf(endline, sizeof endline, "-----END %.*s-----",
				    (int)llen, (const char *)label);
		const unsigned char *body = label_end + 5;
		const unsigned char *stop = memmem(body, (size_t)(end - body), endline, (size_t)elen);
		if (!stop) {
			/* the label is the file's bytes (or a TLS server's): the
			 * message reaches logs, JSON and SnmpAdminString objects */
			char shown[sizeof endline];
			for (int i = 0; i <= elen; i++)
				shown[i] = i == elen ? '\0'
				    : endline[i] >= 0x20 && endline[i] < 0x7f ? endline[i] : '?';
			collect_error(col, "%s: no \"%s\" line (truncated file?)", where, shown);
			break;
		}
		p = stop + elen;

		bool is_cert = (llen == 11 && !memcmp(label, "CERTIFICATE", 11)) ||
		    (llen == 16 && !memcmp(label, "X509 CERTIFICATE", 16)) ||
		    (llen == 19 && !memcmp(label, "TRUSTED CERTIFICATE", 19));
		bool is_p7 = (llen == 5 && !memcmp(label, "PKCS7", 5)) ||
		    (llen == 19 && !memcmp(label, "PKCS #7 SIGNED DATA", 19)) ||
		    (llen == 17 && !memcmp(label, "CERTIFICATE CHAIN", 17));
		if (!is_cert && !is_p7)
			continue;	/* keys, CSRs, CRLs: not ours to report */

		size_t blen = (size_t)(stop - body);
		unsigned char *der = xmalloc(blen / 4 * 3 + 3);
		long dlen = pem_decode(body, blen, der);
		if (dlen <= 0) {
			collect_error(col, "%s: invalid base64 inside the PEM block", where);
		} else {
			bool p7 = false;
			if (is_cert) {
				/* TRUSTED CERTIFICATE appends trust settings after the
				 * certificate: decode the first element only */
				struct der d = { der, der + dlen };
				struct der_tlv t;
				enum der_status st = der_next(&d, &t);
				if (st != DER_OK)
					collect_error(col, "%s: %s", where, der_status_text(st));
				else if (t.tag != DER_SEQUENCE)
					collect_error(col, "%s: not a DER certificate", where);
				else
					collect_cert(col, &t, where);
			} else {
				collect_der(col, der, (size_t)dlen, where, &p7);
				if (!p7)
					collect_error(col, "%s: not a PKCS#7 bundle", where);
			}
			if (is_p7)
				*format = UC_FORMAT_PKCS7_PEM;
		}
		free(der);
	}
	if (blocks == 0)
		collect_error(col, "PEM: \"-----BEGIN\" without a complete header line");
}

struct uc_certfile *uc_certfile_parse(const unsigned char *buf, size_t len)
{
	struct collect col = { certfile_new(), 0, NULL };
	struct uc_certfile *f = col.f;

	if (len == 0) {
		f->error = xstrdup("empty file");
		return f;
	}
	bool pem = memmem(buf, len, "-----BEGIN ", 11) != NULL;
	if (buf[0] == 0x30) {
		bool p7 = false;
		f->format = UC_FORMAT_DER;
		collect_der(&col, buf, len, "DER", &p7);
		if (p7)
			f->format = UC_FORMAT_PKCS7_DER;
	}
	if (f->ncerts == 0 && pem) {
		/* also text that merely starts with '0' (0x30) */
		free(col.first_error);
		col.first_error = NULL;
		f->format = UC_FORMAT_PEM;
		collect_pem(&col, buf, len, &f->format);
	} else if (buf[0] != 0x30) {
		collect_error(&col, "neither PEM nor DER (starts with %02x %02x)",
			      buf[0], len > 1 ? buf[1] : 0);
	}
	if (f->ncerts == 0)
		f->error = col.first_error ? col.first_error
					   : xstrdup("no certificate in the file");
	else
		free(col.first_error);
	return f;
}

struct uc_certfile *uc_certfile_load(int dirfd, const char *name, struct stat *st)
{
	int fd;
	unsigned char *buf;
	struct uc_certfile *f;

	memset(st, 0, sizeof *st);
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return uc_certfile_error("cannot open: %s", strerror(errno));
	if (fstat(fd, st) < 0) {
		int e = errno;
		close(fd);
		return uc_certfile_error("cannot stat: %s", strerror(e));
	}
	if (S_ISDIR(st->st_mode)) {
		close(fd);
		return uc_certfile_error("is a directory, expected a certificate file");
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return uc_certfile_error("not a regular file");
	}
	if ((uintmax_t)st->st_size > UC_MAX_CERT_FILE) {
		close(fd);
		return uc_certfile_error("file too large (%jd bytes, limit %u): not a certificate store file",
					 (intmax_t)st->st_size, UC_MAX_CERT_FILE);
	}
	size_t size = (size_t)st->st_size, got = 0;
	buf = xmalloc(size + 1);
	while (got < size) {
		ssize_t r = read(fd, buf + got, size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(buf);
			close(fd);
			return uc_certfile_error("read error: %s", strerror(e));
		}
		if (r == 0)
			break;	/* shrank while reading: take what is there */
		got += (size_t)r;
	}
	close(fd);
	f = uc_certfile_parse(buf, got);
	free(buf);
	return f;
}

const char *uc_format_name(enum uc_format f)
{
	switch (f) {
	case UC_FORMAT_PEM:
		return "pem";
	case UC_FORMAT_DER:
		return "der";
	case UC_FORMAT_PKCS7_DER:
		return "pkcs7-der";
	case UC_FORMAT_PKCS7_PEM:
		return "pkcs7-pem";
	default:
		return "none";
	}
}

void uc_sha256_hex(const unsigned char *d, char out[2 * UC_SHA256_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < UC_SHA256_LEN; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[2 * UC_SHA256_LEN] = '\0';
}
