#!/bin/sh
# One certificate in three files of one trust unit (a.pem, a copy b.pem, a
# hard link c.pem): every view counts three rows, one per file, because a
# file is what an operator deletes and what cleanup moves. uccert scan (text
# and JSON), uccert check, uccertd's log, uccertCertCount and uccertTable
# say the same; each row names its file; the index of the first file is the
# certificate's own, so adding a copy does not renumber it.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/snmp-lib.sh"

NOW=2027-03-01T12:00:00Z
C="$W/cluster"
mkdir -p "$C/pub/tomcat-trust" "$C/pub/tomcat"
mint -o "$C/pub/tomcat-trust/a.pem" --now $NOW --not-before -400d --not-after +30d --cn "Partner CA"
mint -o "$C/pub/tomcat/tomcat.pem" --now $NOW --not-before -400d --not-after +300d --cn pub
estate_conf "$W/uccert.conf" "$W/state" "$C" "agentx = { ping_interval = 1; };"

start_snmptrapd
start_snmpd
start_uccertd "$W/uccert.conf" --now $NOW
first=$(snmp_raw snmpbulkwalk -On -Oq $UCCERT_OID.1.2.1.4 | grep '"tomcat-trust"' | sed 's/ .*//; s/.*\.//')
stop_uccertd

cp "$C/pub/tomcat-trust/a.pem" "$C/pub/tomcat-trust/b.pem"
ln "$C/pub/tomcat-trust/a.pem" "$C/pub/tomcat-trust/c.pem"

"$UCCERT" -c "$W/uccert.conf" --now $NOW scan --json > "$W/scan.json"
json_trust=$(python3 -c 'import json,sys; print(sum(1 for r in json.load(open(sys.argv[1])) if r["unit"] == "tomcat-trust"))' "$W/scan.json")
json_all=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$W/scan.json")
check "uccert scan --json: three rows for the three files" assert_eq 3 "$json_trust"
text_trust=$("$UCCERT" -c "$W/uccert.conf" --now $NOW scan | grep -c 'tomcat-trust' || :)
check "uccert scan: three lines for the three files" assert_eq 3 "$text_trust"
"$UCCERT" -c "$W/uccert.conf" --now $NOW check > "$W/check.out" || :
check "uccert check counts $json_all certificates like scan" grep -q " $json_all certificates" "$W/check.out"

start_uccertd "$W/uccert.conf" --now $NOW
check "uccertCertCount equals uccert scan's count" \
	assert_eq "$json_all" "$(snmp_raw snmpget -Oqv $UCCERT_OID.1.1.2.0)"
check "uccertd's log counts the same" grep -q "^uccertd: scan: $json_all certificates" "$W/uccertd.log"
snmp_raw snmpbulkwalk -On -Oq $UCCERT_OID.1.2.1.4 | grep '"tomcat-trust"' | sed 's/ .*//; s/.*\.//' > "$W/idx"
check "uccertTable: three tomcat-trust rows" assert_eq 3 "$(wc -l < "$W/idx" | tr -d ' ')"
sources=""
for i in $(cat "$W/idx"); do
	sources="$sources $(snmp_raw snmpget -Oqv $UCCERT_OID.1.2.1.15.$i | tr -d '"' | sed 's|.*/||')"
done
check "each row names its own file" assert_eq "a.pem b.pem c.pem" "$(echo $sources | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')"
check "the first file (a.pem) keeps the index the certificate had alone" \
	assert_eq a.pem "$(snmp_raw snmpget -Oqv $UCCERT_OID.1.2.1.15.$first | tr -d '"' | sed 's|.*/||')"
# one notification per row: each file is a file to deal with
wait_for 10 sh -c "[ \$(grep -c '^TRAP ' '$W/traps.log') -ge 3 ]" || :
check "one uccertExpiring per file" \
	assert_eq 3 "$(python3 "$top_srcdir/tests/traps.py" "$W/traps.log" | grep -c '^expiring Partner CA ')"
check_clean_exit
finish
