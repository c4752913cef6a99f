/* dn.c - RFC 4514 string form of X.501 names. */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dn.h"
#include "util.h"

struct attr_name {
	unsigned char oid[10];
	size_t len;
	const char *name;
};

/* The short names OpenSSL also prints, so output compares with openssl x509
 * -nameopt RFC2253. */
static const struct attr_name attr_names[] = {
	{ { 0x55, 0x04, 0x03 }, 3, "CN" },
	{ { 0x55, 0x04, 0x06 }, 3, "C" },
	{ { 0x55, 0x04, 0x07 }, 3, "L" },
	{ { 0x55, 0x04, 0x08 }, 3, "ST" },
	{ { 0x55, 0x04, 0x09 }, 3, "street" },
	{ { 0x55, 0x04, 0x0a }, 3, "O" },
	{ { 0x55, 0x04, 0x0b }, 3, "OU" },
	{ { 0x55, 0x04, 0x05 }, 3, "serialNumber" },
	{ { 0x55, 0x04, 0x04 }, 3, "SN" },
	{ { 0x55, 0x04, 0x2a }, 3, "GN" },
	{ { 0x55, 0x04, 0x0c }, 3, "title" },
	{ { 0x55, 0x04, 0x11 }, 3, "postalCode" },
	{ { 0x55, 0x04, 0x2e }, 3, "dnQualifier" },
	{ { 0x55, 0x04, 0x0f }, 3, "businessCategory" },
	{ { 0x55, 0x04, 0x0d }, 3, "description" },
	{ { 0x55, 0x04, 0x29 }, 3, "name" },
	{ { 0x55, 0x04, 0x2b }, 3, "initials" },
	{ { 0x55, 0x04, 0x2c }, 3, "generationQualifier" },
	{ { 0x55, 0x04, 0x41 }, 3, "pseudonym" },
	{ { 0x55, 0x04, 0x61 }, 3, "organizationIdentifier" },
	{ { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01 }, 9, "emailAddress" },
	{ { 0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19 }, 10, "DC" },
	{ { 0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01 }, 10, "UID" },
};

static void put_utf8(struct sbuf *b, uint32_t cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	sbuf_put(b, u, n);
}

/* Escape one code point of a value per RFC 4514 section 2.4. */
static void put_value_char(struct sbuf *b, uint32_t cp, bool first, bool last)
{
	if (cp < 0x20 || cp == 0x7f) {
		sbuf_printf(b, "\\%02X", (unsigned)cp);
		return;
	}
	if (cp < 0x80 && cp != 0 && strchr("\"+,;<>\\", (int)cp))
		sbuf_putc(b, '\\');
	else if ((first && (cp == '#' || cp == ' ')) || (last && cp == ' '))
		sbuf_putc(b, '\\');
	put_utf8(b, cp);
}

/* Decode a string value into code points and escape them. */
static void put_string(struct sbuf *b, unsigned tag, const struct der *v)
{
	const unsigned char *p = v->p, *end = v->end;
	size_t unit = tag == DER_BMPSTRING ? 2 : tag == DER_UNIVERSALSTRING ? 4 : 1;

	while (p < end) {
		uint32_t cp;
		size_t n;
		if (unit > 1) {
			if ((size_t)(end - p) < unit) {
				sbuf_printf(b, "\\%02X", *p++);
				continue;
			}
			cp = unit == 2 ? (uint32_t)(p[0] << 8 | p[1])
				       : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
					     (uint32_t)p[2] << 8 | p[3];
			n = unit;
			if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
				for (size_t i = 0; i < n; i++)
					sbuf_printf(b, "\\%02X", p[i]);
				p += n;
				continue;
			}
		} else if (tag == DER_T61STRING) {
			cp = *p;	/* treated as Latin-1, as most software does */
			n = 1;
		} else {
			n = uc_utf8_decode(p, end, &cp);
			if (n == 0) {	/* not UTF-8: keep the byte, escaped */
				sbuf_printf(b, "\\%02X", *p++);
				continue;
			}
		}
		put_value_char(b, cp, p == v->p, p + n == end);
		p += n;
	}
}

static void put_attr(struct sbuf *b, const struct der_tlv *atv)
{
	struct der a = atv->content;
	struct der_tlv oid, val;
	char buf[128];

	if (!der_expect(&a, DER_OID, &oid) || der_next(&a, &val) != DER_OK) {
		sbuf_puts(b, "?");
		return;
	}
	const char *name = NULL;
	for (size_t i = 0; i < sizeof attr_names / sizeof attr_names[0]; i++)
		if (der_oid_is(&oid.content, attr_names[i].oid, attr_names[i].len))
			name = attr_names[i].name;
	if (!name) {
		der_oid_text(&oid.content, buf, sizeof buf);
		name = buf;
	}
	sbuf_puts(b, name);
	sbuf_putc(b, '=');
	/* RFC 4514 2.4: a type given as a dotted OID takes the hex form */
	switch (name == buf ? 0u : val.tag) {
	case DER_UTF8STRING: case DER_PRINTABLESTRING: case DER_IA5STRING:
	case DER_T61STRING: case DER_VISIBLESTRING: case DER_NUMERICSTRING:
	case DER_BMPSTRING: case DER_UNIVERSALSTRING:
		put_string(b, val.tag, &val.content);
		break;
	default:	/* not a string: the BER encoding in hex, RFC 4514 2.4 */
		sbuf_putc(b, '#');
		for (size_t i = 0; i < val.len; i++)
			sbuf_printf(b, "%02X", val.start[i]);
	}
}

char *uc_dn_format(const struct der *name)
{
	struct der d = *name;
	struct der_tlv rdns[64];
	size_t n = 0;
	struct sbuf b = { 0 };

	while (n < 64 && der_expect(&d, DER_SET, &rdns[n]))
		n++;
	while (n-- > 0) {
		struct der set = rdns[n].content;
		struct der_tlv atv;
		bool first = true;
		while (der_expect(&set, DER_SEQUENCE, &atv)) {
			if (!first)
				sbuf_putc(&b, '+');
			put_attr(&b, &atv);
			first = false;
		}
		if (n > 0)
			sbuf_putc(&b, ',');
	}
	return sbuf_take(&b);
}
