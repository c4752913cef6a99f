/* catalog.c - what uccert knows about each certificate unit.
 *
 * Source: the unit tables of the CUCM / Unity Connection certificate
 * reference. Impact is the consequence of renewing (own units) or deleting
 * (trust units) the certificate: CTL/ITL units change the trust files every
 * phone downloads, the others touch no phone. */
#include <config.h>

#include <string.h>
#include <strings.h>

#include "catalog.h"

#define BOTH (UC_PRODUCT_CUCM | UC_PRODUCT_CUC)
#define EVERY (UC_PRODUCT_CUCM | UC_PRODUCT_CUC | UC_PRODUCT_IMP)
#define CUCM UC_PRODUCT_CUCM
#define IMP UC_PRODUCT_IMP
#define OWN UC_STORE_OWN
#define TRUST UC_STORE_TRUST
#define NONE UC_IMPACT_NONE
#define CTL UC_IMPACT_CTL_ITL

/* What deleting a trust certificate affects: TAC 214231 "Regenerate
 * Certificates in UCM" (delete expired trust certificates), Administration
 * Guide 12.5(1)SU3 "Manage Certificates", Security Guide 14SU2
 * "Certificates". For the other stores none of them names a consequence;
 * say exactly that rather than "no impact". */
#define NO_EFFECT "Cisco's documents name no restart and no effect on phones"

const struct uc_unit uc_units[] = {
	{ "tomcat", EVERY, OWN, NONE,
	  "HTTPS web services: administration, OS admin and user pages (and DRF from 14)", NULL },
	{ "tomcat-ECDSA", EVERY, OWN, NONE,
	  "HTTPS web services with an ECDSA key", NULL },
	{ "ipsec", EVERY, OWN, NONE,
	  "DRF backup and restore between nodes (before 14), IPsec and SRTP towards gateways", NULL },
	{ "CallManager", CUCM, OWN, CTL,
	  "server identity: SIP/SCCP TLS, TFTP configuration signing, CTI, IM&P and Unity Connection links", NULL },
	{ "CallManager-ECDSA", CUCM, OWN, CTL,
	  "server identity with an ECDSA key (shares the CallManager-trust store)", NULL },
	{ "CAPF", CUCM, OWN, CTL,
	  "issues LSCs to phones; phone authentication and 802.1x; listed in the CTL", NULL },
	{ "TVS", CUCM, OWN, CTL,
	  "Trust Verification Service: validates certificates for phones; bundled into the ITL", NULL },
	{ "ITLRecovery", CUCM, OWN, CTL,
	  "signs the ITL and CTL files and SAML assertions; generated on the publisher (from 12.5 distributed to the subscribers)", NULL },
	/* Security Guide 14SU2 "Certificates" (authz: OAuth access-token
	 * signing key, "set key regen authz signing"); IM and Presence units
	 * as the Security Guide and the certificate reference section 7 list
	 * them. Renewing none of them touches a phone's CTL or ITL. */
	{ "authz", CUCM, OWN, NONE,
	  "OAuth access-token signing key (SIP OAuth, Jabber, mobile and remote access)", NULL },
	{ "cup", IMP, OWN, NONE,
	  "IM and Presence SIP proxy: SIP TLS towards CUCM and federated SIP peers", NULL },
	{ "cup-ECDSA", IMP, OWN, NONE,
	  "IM and Presence SIP proxy with an ECDSA key", NULL },
	{ "cup-xmpp", IMP, OWN, NONE,
	  "IM and Presence XMPP client connections (Jabber, port 5222)", NULL },
	{ "cup-xmpp-ECDSA", IMP, OWN, NONE,
	  "IM and Presence XMPP client connections with an ECDSA key", NULL },
	{ "cup-xmpp-s2s", IMP, OWN, NONE,
	  "IM and Presence XMPP federation between servers (port 5269)", NULL },
	{ "cup-xmpp-s2s-ECDSA", IMP, OWN, NONE,
	  "IM and Presence XMPP federation with an ECDSA key", NULL },
	{ "tomcat-trust", EVERY, TRUST, NONE,
	  "CAs and peers trusted by the web services",
	  "restart Cisco Tomcat on the node afterwards (web pages down for up to 30 minutes); no phone impact" },
	{ "ipsec-trust", EVERY, TRUST, NONE,
	  "peers trusted for DRF and IPsec; holds every node's own ipsec certificate",
	  "before release 14: restart Cisco DRF Master (publisher) and Cisco DRF Local afterwards; no phone impact" },
	{ "CallManager-trust", BOTH, TRUST, NONE,
	  "peers trusted for SIP/SCCP TLS, CTI and secure trunks",
	  NO_EFFECT },
	{ "CAPF-trust", CUCM, TRUST, NONE,
	  "CAs trusted to authenticate phones (MIC and LSC issuers)",
	  "restart Cisco Certificate Authority Proxy Function afterwards; endpoints that authenticate through CAPF are affected" },
	{ "TVS-trust", CUCM, TRUST, NONE,
	  "certificates TVS vouches for to phones",
	  NO_EFFECT },
	{ "Phone-trust", CUCM, TRUST, NONE,
	  "certificates pushed to phones for their own trust store",
	  NO_EFFECT },
	{ "Phone-VPN-trust", CUCM, TRUST, NONE,
	  "VPN headends trusted by phones",
	  "its certificates are delivered to the phones: phones that use the VPN headend rely on it" },
	{ "Phone-SAST-trust", CUCM, TRUST, NONE,
	  "System Administrator Security Tokens (CTL signers)",
	  NO_EFFECT },
	{ "Phone-CTL-trust", CUCM, TRUST, NONE,
	  "CTL signers trusted by phones",
	  NO_EFFECT },
	{ "Phone-CTL-ASA-trust", CUCM, TRUST, NONE,
	  "ASA certificates for the phone proxy CTL",
	  NO_EFFECT },
	{ "Phone-Edge-trust", CUCM, TRUST, NONE,
	  "edge devices trusted by phones (Expressway, mobile and remote access)",
	  "its certificates are delivered to the phones: phones that connect through the edge (mobile and remote access) rely on it" },
	{ "directory-trust", CUCM, TRUST, NONE,
	  "LDAP directory servers trusted for secure LDAP",
	  NO_EFFECT },
	{ "userlicensing-trust", CUCM, TRUST, NONE,
	  "licensing servers trusted for user licensing",
	  NO_EFFECT },
	{ "cup-trust", IMP, TRUST, NONE,
	  "SIP peers and CAs trusted by the IM and Presence SIP proxy",
	  NO_EFFECT },
	{ "cup-xmpp-trust", IMP, TRUST, NONE,
	  "XMPP clients' and federated servers' CAs trusted by IM and Presence",
	  NO_EFFECT },
};

const size_t uc_nunits = sizeof uc_units / sizeof uc_units[0];

const struct uc_unit *uc_unit_find(const char *name)
{
	for (size_t i = 0; i < uc_nunits; i++)
		if (strcasecmp(uc_units[i].name, name) == 0)
			return &uc_units[i];
	return NULL;
}

enum uc_store uc_store_guess(const char *name)
{
	size_t n = strlen(name);
	return n > 6 && strcasecmp(name + n - 6, "-trust") == 0 ? UC_STORE_TRUST
								: UC_STORE_OWN;
}

const char *uc_store_name(enum uc_store s)
{
	return s == UC_STORE_TRUST ? "trust" : "own";
}

const char *uc_impact_name(enum uc_impact i)
{
	switch (i) {
	case UC_IMPACT_NONE:
		return "none";
	case UC_IMPACT_CTL_ITL:
		return "ctl-itl";
	default:
		return "unknown";
	}
}

const char *uc_state_name(enum uc_state s)
{
	switch (s) {
	case UC_STATE_VALID:
		return "valid";
	case UC_STATE_EXPIRING:
		return "expiring";
	case UC_STATE_EXPIRED:
		return "expired";
	default:
		return "unreadable";
	}
}

enum uc_impact uc_unit_impact(const struct uc_unit *u, enum uc_product product)
{
	if (!u)
		return UC_IMPACT_UNKNOWN;
	if (u->impact == UC_IMPACT_CTL_ITL && product != UC_PRODUCT_CUCM)
		return UC_IMPACT_NONE;
	return u->impact;
}

int uc_unit_on_product(const struct uc_unit *u, enum uc_product product)
{
	return u && (u->products & (unsigned)product) != 0;
}

const char *uc_product_name(enum uc_product p)
{
	switch (p) {
	case UC_PRODUCT_CUC:
		return "cuc";
	case UC_PRODUCT_IMP:
		return "imp";
	default:
		return "cucm";
	}
}
