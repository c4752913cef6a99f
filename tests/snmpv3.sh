#!/bin/sh
# SNMPv3: an authPriv user (SHA/AES) with a read-only view limited to
# UCCERT-MIB walks uccertTable through the master; noAuthNoPriv is refused,
# and the view hides everything else. The snmpd.conf lines are the ones
# README.md gives.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/snmp-lib.sh"

C="$W/cluster"
mkdir -p "$C/pub/tomcat"
mint -o "$C/pub/tomcat/tomcat.pem" --not-after +45d --cn pub.example.com
mint -o "$C/pub/tomcat/other.pem" --not-after +400d --cn other
write_config "$W/uccert.conf" hq "pub:publisher:$C/pub"

SNMPD_EXTRA=$(cat <<'CONF'
view   uccertView included .1.3.6.1.4.1.8072.9999.9999.7
createUser uccertv3 SHA "auth-passphrase-1" AES "priv-passphrase-1"
rouser uccertv3 priv -V uccertView
CONF
)
start_snmpd
start_uccertd "$W/uccert.conf"

v3() { # v3 LEVEL ARGS...
	level=$1; shift
	snmpbulkwalk -v3 -l "$level" -u uccertv3 -a SHA -A auth-passphrase-1 -x AES -X priv-passphrase-1 \
		-t 3 -r 1 -M "$SNMP_MIBDIRS" -m UCCERT-MIB "127.0.0.1:$SNMP_PORT" "$@"
}
rows=$(v3 authPriv -Oqv UCCERT-MIB::uccertDaysLeft 2>&1 | grep -c days || true)
check "authPriv (SHA/AES) walks uccertDaysLeft: one value per certificate" assert_eq 2 "$rows"
noauth() {
	out=$(snmpbulkwalk -v3 -l noAuthNoPriv -u uccertv3 -t 2 -r 0 -m "" \
		"127.0.0.1:$SNMP_PORT" .1.3.6.1.4.1.8072.9999.9999.7.1.2 2>&1) && return 1
	printf '%s\n' "$out" | grep -qi -e "authorization" -e "unknown user" -e "security" -e "error"
}
check "noAuthNoPriv is refused" noauth
v3 authPriv -Oqv .1.3.6.1.2.1.1 > "$W/outside" 2>/dev/null || :
outside=$(grep -vc -e "No more variables" -e "No Such Object" -e "^$" "$W/outside" || true)
[ "$outside" = 0 ] || cat "$W/outside" >&2
check "the view shows nothing outside UCCERT-MIB" assert_eq 0 "$outside"
check_clean_exit
finish
