/* dn.h - distinguished names as RFC 4514 strings. */
#ifndef UCCERT_DN_H
#define UCCERT_DN_H

#include "der.h"

/* Format the content of a Name (RDNSequence) as RFC 4514: last RDN first,
 * short attribute names, string values converted to UTF-8 and escaped; bytes
 * that are not valid UTF-8 become \XX escapes so the result is always valid
 * UTF-8. Returns a malloc'd string ("" for an empty name). */
char *uc_dn_format(const struct der *name);

#endif
