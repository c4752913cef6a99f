/* cert.h - decode X.509 certificates from PEM, DER and PKCS#7 content.
 *
 * The decoder walks the DER itself instead of calling d2i_X509: OpenSSL 3
 * decodes the public key eagerly, which costs about ten times more than
 * everything uccert needs from a certificate. */
#ifndef UCCERT_CERT_H
#define UCCERT_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UC_SHA256_LEN 32
/* Largest file the loader reads; larger ones are reported, not slurped. */
#define UC_MAX_CERT_FILE (4u * 1024u * 1024u)

struct uc_cert {
	char *subject;		/* RFC 4514 string, valid UTF-8 */
	char *issuer;
	char *serial;		/* uppercase hex, '-' prefix when negative */
	int64_t not_before;	/* seconds since the epoch, UTC */
	int64_t not_after;
	unsigned char sha256[UC_SHA256_LEN];	/* of the DER encoding */
	char key_alg[12];	/* "RSA", "EC", "Ed25519", "Ed448", "DSA", "unknown" */
	int key_bits;
	bool is_ca;
};

enum uc_format {
	UC_FORMAT_NONE = 0,
	UC_FORMAT_PEM,
	UC_FORMAT_DER,
	UC_FORMAT_PKCS7_DER,
	UC_FORMAT_PKCS7_PEM,
};

/* What one file holds: the certificates it yields, or why it yields none. */
struct uc_certfile {
	struct uc_cert *certs;
	size_t ncerts;
	enum uc_format format;
	char *error;		/* set when ncerts == 0 */
	char *path;		/* where it was read from, when read from a file */
	const char *name;	/* last component of path */
	unsigned refs;		/* shared between scan cache and inventories */
};

/* Decode every certificate in buf. Returns a new certfile (never NULL but on
 * allocation failure); certificates that appear twice are kept once. */
struct uc_certfile *uc_certfile_parse(const unsigned char *buf, size_t len);
/* Build a certfile that carries only an error message (printf style). */
struct uc_certfile *uc_certfile_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
struct stat;
/* Read and decode the regular file `name` relative to dirfd; *st receives
 * the attributes of the file that was read (st_mode 0 if it could not be
 * opened). Never NULL but on allocation failure. */
struct uc_certfile *uc_certfile_load(int dirfd, const char *name, struct stat *st);
struct uc_certfile *uc_certfile_ref(struct uc_certfile *f);
void uc_certfile_unref(struct uc_certfile *f);

const char *uc_format_name(enum uc_format f);
/* Lowercase hex of a SHA-256 digest into out[65]. */
void uc_sha256_hex(const unsigned char *d, char out[2 * UC_SHA256_LEN + 1]);

#endif
