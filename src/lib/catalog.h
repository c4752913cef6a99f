/* catalog.h - the CUCM and Unity Connection certificate units.
 *
 * One table (catalog.c) holds what uccert knows about each unit; everything
 * else - scan, plan, cleanup, the MIB - reads it from there. */
#ifndef UCCERT_CATALOG_H
#define UCCERT_CATALOG_H

#include <stddef.h>

/* Numeric values are the ones UCCERT-MIB publishes. */
enum uc_store { UC_STORE_OWN = 1, UC_STORE_TRUST = 2 };
enum uc_impact { UC_IMPACT_NONE = 1, UC_IMPACT_CTL_ITL = 2, UC_IMPACT_UNKNOWN = 3 };
enum uc_state {
	UC_STATE_VALID = 1, UC_STATE_EXPIRING = 2, UC_STATE_EXPIRED = 3,
	UC_STATE_UNREADABLE = 4,
};
#define UC_IMPACT_MAX UC_IMPACT_UNKNOWN
#define UC_STATE_MAX UC_STATE_UNREADABLE

enum uc_product {
	UC_PRODUCT_CUCM = 1 << 0,
	UC_PRODUCT_CUC = 1 << 1,
	UC_PRODUCT_IMP = 1 << 2,	/* IM and Presence */
};

struct uc_unit {
	const char *name;	/* exact platform spelling */
	unsigned products;	/* enum uc_product bits */
	enum uc_store store;
	enum uc_impact impact;
	const char *function;	/* one line: what it secures */
	const char *removal;	/* trust stores: what deleting a certificate
				 * from it affects; NULL for own units */
};

extern const struct uc_unit uc_units[];
extern const size_t uc_nunits;

/* Case-insensitive lookup; NULL for a unit the catalog does not know. */
const struct uc_unit *uc_unit_find(const char *name);
/* The impact class of unit u (NULL: unknown unit) on a node of product:
 * only CUCM has phones, so a CTL/ITL unit found on Unity Connection or IM
 * and Presence has no phone impact there. */
enum uc_impact uc_unit_impact(const struct uc_unit *u, enum uc_product product);
/* Whether unit u exists on product (Unity Connection has tomcat and ipsec
 * but no CallManager, CAPF or TVS). */
int uc_unit_on_product(const struct uc_unit *u, enum uc_product product);
/* For units the catalog does not know: "-trust" suffix means a trust store. */
enum uc_store uc_store_guess(const char *name);

const char *uc_store_name(enum uc_store s);	/* "own", "trust" */
const char *uc_impact_name(enum uc_impact i);	/* "none", "ctl-itl", "unknown" */
const char *uc_state_name(enum uc_state s);	/* "valid", ... */
const char *uc_product_name(enum uc_product p);	/* "cucm", "cuc", "imp" */

#endif
