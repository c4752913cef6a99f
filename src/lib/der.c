/* der.c - DER element reader. */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "der.h"

enum der_status der_next(struct der *d, struct der_tlv *out)
{
	const unsigned char *p = d->p;
	size_t avail, len;

	if (p >= d->end)
		return DER_END;
	avail = (size_t)(d->end - p);
	if (avail < 2)
		return DER_TRUNCATED;
	out->tag = p[0];
	if ((p[0] & 0x1f) == 0x1f)
		return DER_BAD;	/* high tag numbers: not used by X.509 */
	if (p[1] < 0x80) {
		len = p[1];
		p += 2;
	} else {
		unsigned n = p[1] & 0x7f;
		if (n == 0 || n > 4)
			return DER_BAD;	/* indefinite or absurd length */
		if (avail < 2 + n)
			return DER_TRUNCATED;
		len = 0;
		for (unsigned i = 0; i < n; i++)
			len = (len << 8) | p[2 + i];
		if (len > INT32_MAX)
			return DER_BAD;
		p += 2 + n;
	}
	if ((size_t)(d->end - p) < len)
		return DER_TRUNCATED;
	out->start = d->p;
	out->content.p = p;
	out->content.end = p + len;
	out->len = (size_t)(p + len - d->p);
	d->p = p + len;
	return DER_OK;
}

bool der_expect(struct der *d, unsigned tag, struct der_tlv *out)
{
	struct der save = *d;
	if (der_next(d, out) != DER_OK || out->tag != tag) {
		*d = save;
		return false;
	}
	return true;
}

bool der_oid_is(const struct der *c, const unsigned char *oid, size_t len)
{
	return (size_t)(c->end - c->p) == len && memcmp(c->p, oid, len) == 0;
}

void der_oid_text(const struct der *c, char *buf, size_t size)
{
	const unsigned char *p = c->p;
	size_t used = 0;
	uint64_t v = 0;
	bool first = true;

	if (size == 0)
		return;
	buf[0] = '\0';
	for (; p < c->end && used < size; p++) {
		if (v > (UINT64_MAX >> 7))
			break;	/* arc too large to print; stop here */
		v = (v << 7) | (*p & 0x7f);
		if (*p & 0x80)
			continue;
		int n;
		if (first) {
			unsigned top = v < 40 ? 0 : v < 80 ? 1 : 2;
			n = snprintf(buf + used, size - used, "%u.%llu", top,
				     (unsigned long long)(v - top * 40));
			first = false;
		} else {
			n = snprintf(buf + used, size - used, ".%llu",
				     (unsigned long long)v);
		}
		if (n < 0)
			break;
		used += (size_t)n;
		v = 0;
	}
}
