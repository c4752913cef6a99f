/* der.h - a bounds-checked reader for the DER subset certificates use. */
#ifndef UCCERT_DER_H
#define UCCERT_DER_H

#include <stdbool.h>
#include <stddef.h>

#define DER_BOOLEAN 0x01
#define DER_INTEGER 0x02
#define DER_BIT_STRING 0x03
#define DER_OCTET_STRING 0x04
#define DER_NULL 0x05
#define DER_OID 0x06
#define DER_UTF8STRING 0x0c
#define DER_NUMERICSTRING 0x12
#define DER_PRINTABLESTRING 0x13
#define DER_T61STRING 0x14
#define DER_IA5STRING 0x16
#define DER_UTCTIME 0x17
#define DER_GENERALIZEDTIME 0x18
#define DER_VISIBLESTRING 0x1a
#define DER_UNIVERSALSTRING 0x1c
#define DER_BMPSTRING 0x1e
#define DER_SEQUENCE 0x30
#define DER_SET 0x31
#define DER_CTX(n) (0xa0 | (n))	/* constructed, context-specific */

struct der {
	const unsigned char *p;
	const unsigned char *end;
};

/* One element: tag, its content, and the whole encoding (tag..end). */
struct der_tlv {
	unsigned tag;
	struct der content;
	const unsigned char *start;
	size_t len;		/* of the whole encoding */
};

enum der_status { DER_OK = 0, DER_END, DER_TRUNCATED, DER_BAD };

static inline bool der_empty(const struct der *d)
{
	return d->p >= d->end;
}

/* Read the next element of d. DER_END when d is empty; DER_TRUNCATED when a
 * length runs past the end; DER_BAD for forms DER forbids (indefinite length,
 * multi-byte tags, lengths over 2^31). */
enum der_status der_next(struct der *d, struct der_tlv *out);
/* Read the next element and require its tag. */
bool der_expect(struct der *d, unsigned tag, struct der_tlv *out);
/* Content bytes equal the given OID encoding. */
bool der_oid_is(const struct der *content, const unsigned char *oid, size_t len);
/* Dotted decimal of an OID's content bytes into buf. */
void der_oid_text(const struct der *content, char *buf, size_t size);

#endif
