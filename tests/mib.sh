#!/bin/sh
# UCCERT-MIB: smilint at level 6 says nothing at all, Net-SNMP resolves it,
# and the code's root OID is the MIB's.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/snmp-lib.sh"

lint=$(SMIPATH="$BASE_MIBS:/usr/share/snmp/mibs:$top_srcdir/mibs" smilint -l 6 "$top_srcdir/mibs/UCCERT-MIB.txt" 2>&1)
check "smilint -l 6 prints nothing" assert_eq "" "$lint"
check "snmptranslate -Tp shows the tree" sh -c "$(command -v snmptranslate) -M '$SNMP_MIBDIRS' -m UCCERT-MIB -Tp UCCERT-MIB::uccertMIB | grep -q uccertDaysLeft"
oid() { snmptranslate -M "$SNMP_MIBDIRS" -m UCCERT-MIB -On "UCCERT-MIB::$1" 2>&1; }
check "uccertDaysLeft is column 12 of uccertEntry" assert_eq "$UCCERT_OID.1.2.1.12" "$(oid uccertDaysLeft)"
check "uccertExpiring is notification 1 under { uccertMIB 0 }" assert_eq "$UCCERT_OID.0.1" "$(oid uccertExpiring)"
code_root=$(grep '^#define UCCERT_MIB_ROOT' "$top_srcdir/src/daemon/agent.c" | sed 's/.*ROOT //; s/, /./g')
check "the code defines the same root as the MIB" assert_eq "$UCCERT_OID" ".$code_root"
finish
