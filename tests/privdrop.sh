#!/bin/sh
# Started as root, uccertd prepares its state directory for the configured
# user, becomes that user for good, and still serves; without a user it
# refuses to run as root unless told. Needs root (CI runs as root).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/snmp-lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "privdrop.sh: needs root to test dropping privileges" >&2
	exit 77
fi
C="$W/cluster"
mkdir -p "$C/pub/tomcat"
mint -o "$C/pub/tomcat/tomcat.pem" --not-after +45d --cn pub.example.com
chmod -R a+rX "$C"
cat > "$W/uccert.conf" <<CONF
user = "nobody";
state_dir = "$W/state";
cleanup = { quarantine_dir = "$W/quarantine"; };
clusters = ( { name = "hq"; nodes = (
  { name = "pub"; role = "publisher"; cert_dir = "$C/pub"; } ); } );
CONF
AGENTX_PERMS="0666 0777"	# the unprivileged daemon reconnects too
start_snmpd
"$UCCERTD" -f -c "$W/uccert.conf" -x "$AGENTX_SOCK" > "$W/uccertd.log" 2>&1 &
UCCERTD_PID=$!
on_exit "kill $UCCERTD_PID 2>/dev/null; wait $UCCERTD_PID"
check "serves the table after switching to nobody" wait_for 20 served
uid=$(awk '/^Uid:/ { print $2 "," $3 "," $4 "," $5 }' "/proc/$UCCERTD_PID/status")
nobody=$(id -u nobody)
check "runs as nobody: real, effective, saved and fs uid" assert_eq "$nobody,$nobody,$nobody,$nobody" "$uid"
check "state_dir created for it, mode 0750" assert_eq "nobody 750" "$(stat -c '%U %a' "$W/state")"
check "quarantine_dir not created for it (cleanup runs as the admin)" test ! -e "$W/quarantine"
check "it keeps its state there (row indexes)" wait_for 10 test -s "$W/state/indexes"
check_clean_exit

sed -i '/^user = /d' "$W/uccert.conf"
out=$("$UCCERTD" -f -c "$W/uccert.conf" -x "$AGENTX_SOCK" 2>&1) && rc=0 || rc=$?
check "as root without a user setting: refuses to run (exit 1)" assert_eq 1 "$rc"
check "and says why and what to set" sh -c 'printf "%s" "$1" | grep -q "refusing to run as root: set user = \"uccert\";"' _ "$out"
finish
