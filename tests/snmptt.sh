#!/bin/sh
# Paging on traps: uccertd -> snmpd -> snmptrapd -> SNMPTT with the shipped
# conf/snmptt/uccert.snmptt.conf; the line an on-call person reads says which node,
# which unit, how many days and what impact.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/snmp-lib.sh"

NOW=2027-01-01T00:00:00Z
C="$W/cluster"
mkdir -p "$C/pub/CallManager" "$C/pub/tomcat-trust"
mint -o "$C/pub/CallManager/CallManager.pem" --now $NOW --not-after +45d --cn cucm-pub.example.com
mint -o "$C/pub/tomcat-trust/old.pem" --now $NOW --not-before -400d --not-after -3d --cn "Old CA"
cat > "$W/uccert.conf" <<CONF
state_dir = "$W/state";
agentx = { ping_interval = 1; };
clusters = ( { name = "hq"; nodes = (
  { name = "cucm-pub"; role = "publisher"; cert_dir = "$C/pub"; } ); } );
CONF

sed -e "s|^mode = .*|mode = standalone|" \
    -e "s|^net_snmp_perl_enable = .*|net_snmp_perl_enable = 1|" \
    -e "s|^#* *mibs_environment = .*|mibs_environment = UCCERT-MIB|" \
    -e "s|^translate_integers = .*|translate_integers = 1|" \
    -e "s|^translate_log_trap_oid = .*|translate_log_trap_oid = 1|" \
    -e "s|^log_file = .*|log_file = $W/snmptt.log|" \
    -e "s|^syslog_enable = .*|syslog_enable = 0|" \
    -e "s|^ipv6_enable = .*|ipv6_enable = 0|" \
    -e "s|^unknown_trap_log_enable = .*|unknown_trap_log_enable = 0|" \
    -e "/^snmptt_conf_files = <<END/,/^END/c\\
snmptt_conf_files = <<END\\
$top_srcdir/conf/snmptt/uccert.snmptt.conf\\
END" /etc/snmp/snmptt.ini > "$W/snmptt.ini"
# snmptrapd loads UCCERT-MIB so DateAndTime values arrive formatted
export MIBDIRS="$SNMP_MIBDIRS"
SNMPTRAPD_MIBS=UCCERT-MIB
SNMPTRAPD_EXTRA="traphandle default /usr/sbin/snmptt --ini=$W/snmptt.ini"
start_snmptrapd
start_snmpd
start_uccertd "$W/uccert.conf" --now $NOW
two_lines() { [ "$(grep -c 'uccert: ' "$W/snmptt.log" 2>/dev/null)" -ge 2 ]; }
check "both notifications reach SNMPTT" wait_for 20 two_lines
check "expiring: node, unit, days, subject and impact in one readable line" \
	grep -q 'uccertExpiring Warning "Certificate expiry" .*uccert: cucm-pub CallManager certificate expires in 45 days (2027-2-15,0:0:0.0,+0:0): "CN=cucm-pub.example.com" serial [0-9A-F]*; cluster hq, renewal impact ctlItl' "$W/snmptt.log"
check "expired: says EXPIRED with the date and the days" \
	grep -q 'uccertExpired Critical "Certificate expiry" .*uccert: cucm-pub tomcat-trust certificate EXPIRED on 2026-12-29,0:0:0.0,+0:0 (-3 days left): "CN=Old CA"' "$W/snmptt.log"
[ "$TESTS_FAILED" -eq 0 ] || cat "$W/snmptt.log" >&2
finish
