#!/bin/sh
# UCCERT-MIB through a second, independent MIB compiler: pysmi (mibdump, the
# compiler behind pysnmp and several NMS importers) compiles it with its
# imports from the same local base modules the other tests use, and agrees
# with Net-SNMP on every OID, enumeration and notification.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/snmp-lib.sh"

MIBDUMP=$(command -v mibdump || command -v mibdump.py || echo mibdump)
OUT="$W/pysmi"
mkdir -p "$OUT" "$W/no-borrow"
# Local sources only: without --mib-borrower, mibdump would fetch precompiled
# modules from the network for anything it cannot compile.
status=0
"$MIBDUMP" --mib-source="file://$BASE_MIBS" --mib-source=file:///usr/share/snmp/mibs \
	--mib-source="file://$top_srcdir/mibs" --mib-borrower="file://$W/no-borrow" \
	--destination-format=json --destination-directory="$OUT" --no-python-compile \
	UCCERT-MIB > "$W/mibdump.log" 2>&1 || status=$?
tr -d '\r' < "$W/mibdump.log" > "$W/mibdump.txt"
summary() { sed -n "s|^$1: *||p" "$W/mibdump.txt"; }

check "mibdump exits 0" assert_eq 0 "$status"
compiled() { summary 'Created/updated MIBs' | tr ',' '\n' | grep -qx ' *UCCERT-MIB'; }
check "UCCERT-MIB is compiled (Created/updated)" compiled
check "no module failed" assert_eq "" "$(summary 'Failed MIBs')"
check "no module missing" assert_eq "" "$(summary 'Missing source MIBs')"
check "nothing borrowed precompiled" assert_eq "" "$(summary 'Pre-compiled MIBs borrowed')"
[ "$TESTS_FAILED" -eq 0 ] || cat "$W/mibdump.txt" >&2

JSON="$OUT/UCCERT-MIB.json"
field() { # field OBJECT KEY: a field of one compiled object
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]][sys.argv[3]])' "$JSON" "$1" "$2" 2>&1
}
check "uccertDaysLeft is compiled with OID root.1.2.1.12" assert_eq "${UCCERT_OID#.}.1.2.1.12" "$(field uccertDaysLeft oid)"
check "uccertDaysLeft is a read-only Integer32 column" assert_eq "column objecttype Integer32 read-only" \
	"$(field uccertDaysLeft nodetype) $(field uccertDaysLeft class) $(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["uccertDaysLeft"]["syntax"]["type"])' "$JSON" 2>&1) $(field uccertDaysLeft maxaccess)"

# every object pysmi compiled, against Net-SNMP
python3 - "$JSON" > "$W/pysmi.tsv" 2>&1 <<'PY' || :
import json, sys
d = json.load(open(sys.argv[1]))
for name, v in sorted(d.items()):
    if isinstance(v, dict) and "oid" in v:
        print(f"{name}\t.{v['oid']}")
PY
compare_oids() {
	n=0 bad=0
	while IFS='	' read -r name oid; do
		n=$((n + 1))
		got=$(snmptranslate -M "$SNMP_MIBDIRS" -m UCCERT-MIB -On "UCCERT-MIB::$name" 2>/dev/null)
		[ "$got" = "$oid" ] || { echo "  $name: pysmi $oid, Net-SNMP $got" >&2; bad=$((bad + 1)); }
	done < "$W/pysmi.tsv"
	echo "  $n objects compared"
	[ "$n" -ge 50 ] && [ "$bad" -eq 0 ]
}
check "all objects pysmi compiled have the OIDs Net-SNMP gives them" compare_oids

# enumerations (through the textual conventions) and notification objects
python3 - "$JSON" > "$W/pysmi-enums" 2>&1 <<'PY' || :
import json, sys
d = json.load(open(sys.argv[1]))
for name, v in sorted(d.items()):
    if not isinstance(v, dict):
        continue
    if v.get("class") == "objecttype":
        t = v.get("syntax", {}).get("type")
        tc = d.get(t, {}) if isinstance(d.get(t), dict) else {}
        enum = tc.get("type", {}).get("constraints", {}).get("enumeration") or \
            v.get("syntax", {}).get("constraints", {}).get("enumeration")
        if enum:
            print(name, ", ".join(f"{k}({n})" for k, n in sorted(enum.items(), key=lambda e: e[1])))
    elif v.get("class") == "notificationtype":
        print(name, ", ".join(o["object"] for o in v.get("objects", [])))
PY
netsnmp_view() {
	while read -r name _; do
		snmptranslate -M "$SNMP_MIBDIRS" -m UCCERT-MIB -Td "UCCERT-MIB::$name" |
			sed -n -e "s/^  SYNTAX	INTEGER {\(.*\)} *$/$name \1/p" \
				-e "s/^  OBJECTS	{ \(.*\) } *$/$name \1/p"
	done < "$W/pysmi-enums"
}
same_view() { [ "$(wc -l < "$W/pysmi-enums")" -ge 8 ] && [ "$(cat "$W/pysmi-enums")" = "$(netsnmp_view)" ]; }
check "enumerations and notification varbinds agree with Net-SNMP" same_view
[ "$TESTS_FAILED" -eq 0 ] || { echo "pysmi:" >&2; cat "$W/pysmi-enums" >&2; echo "Net-SNMP:" >&2; netsnmp_view >&2; }
finish
