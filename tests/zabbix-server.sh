#!/bin/sh
# conf/zabbix/uccert_template.yaml in a real Zabbix 6.0 server (Debian 12's
# zabbix-server-pgsql, PostgreSQL, zabbix-frontend-php behind php-fpm and
# nginx), started here in a private configuration and driven through its
# JSON-RPC API: the template imports (twice, unchanged), the host polls a
# live uccertd behind a real snmpd, and at each step of uccertd's clock the
# server shows what `uccert scan` shows: the same certificates, every item
# with a value, exactly one problem per certificate at the severity the scan
# implies; a renewed certificate's problem resolves; the traps snmptrapd
# hands to conf/zabbix/uccert-zabbix-traphandler land in the trap items.
# The server part is slow (a database and a server): it runs when
# UCCERT_ZABBIX_SERVER=1, which quickstart sets in its first pass only;
# otherwise only the trap handler is checked, on its own.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/snmp-lib.sh"

T0=$(date +%s)
HANDLER="$top_srcdir/conf/zabbix/uccert-zabbix-traphandler"

# ---- the trap handler alone: what snmptrapd hands it -> SNMPTrapperFile ----
handler_input() { # handler_input ADDRESS N: a uccertExpiring as snmptrapd gives it
	printf 'localhost\nUDP: [%s]:50512->[127.0.0.1]:162\n' "$1"
	printf '.1.3.6.1.2.1.1.3.0 0:0:00:01.00\n.1.3.6.1.6.3.1.1.4.1.0 .1.3.6.1.4.1.8072.9999.9999.7.0.1\n'
	printf '.1.3.6.1.4.1.8072.9999.9999.7.1.2.1.2.%s "hq"\n' "$2"
}
handler_one() {
	handler_input 192.0.2.10 7 | sh "$HANDLER" "$W/one.log" &&
	head -n 1 "$W/one.log" | grep -Eq '^[0-9T:Z-]+ ZBXTRAP 192\.0\.2\.10$' &&
	[ "$(grep -c ZBXTRAP "$W/one.log")" -eq 1 ] &&
	grep -q '^  \.1\.3\.6\.1\.6\.3\.1\.1\.4\.1\.0 \.1\.3\.6\.1\.4\.1\.8072\.9999\.9999\.7\.0\.1$' "$W/one.log" &&
	grep -q '9999\.7\.1\.2\.1\.2\.7 "hq"$' "$W/one.log"
}
check "trap handler: one ZBXTRAP record from the sender's address, every varbind kept" handler_one
handler_many() { # 40 handlers at once: 40 whole records, none interleaved
	_i=0
	while [ "$_i" -lt 40 ]; do
		handler_input 192.0.2.11 "$_i" | sh "$HANDLER" "$W/many.log" &
		_i=$((_i + 1))
	done
	wait
	"$PYTHON3" - "$W/many.log" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
records = re.split(r"(?m)^(?=\S+ ZBXTRAP )", text)[1:]
idx = sorted(int(m) for r in records for m in re.findall(r"9999\.7\.1\.2\.1\.2\.(\d+) ", r))
ok = len(records) == 40 and idx == list(range(40)) and \
    all(len(re.findall(r"9999\.7\.1\.2\.1\.2\.", r)) == 1 for r in records)
sys.exit(0 if ok else 1)
PY
}
PYTHON3=$(command -v /usr/bin/python3 || command -v python3)
check "trap handler: concurrent traps stay whole records" handler_many

if [ "${UCCERT_ZABBIX_SERVER:-}" != 1 ]; then
	echo "the real Zabbix server part runs with UCCERT_ZABBIX_SERVER=1 (./quickstart test, first pass)"
	finish
	exit 0
fi

. "$top_srcdir/tests/zabbix-server-lib.sh"
missing=$(zbx_missing)
if [ -n "$missing" ]; then
	# asked for where quickstart installed the packages: missing is a failure
	fail "Zabbix server packages missing: $missing"
	finish
fi
export Z ZBX_SESSION="$Z/session"
elapsed() { echo "$(($(date +%s) - T0)) s"; }
drive() { # drive ARGS...: zabbix-server.py, its findings in the test log
	"$PYTHON3" "$top_srcdir/tests/zabbix-server.py" "$@"
}

# ---- the estate (as tests/zabbix.sh) ----
zabbix_cluster

# ---- the server ----
check "PostgreSQL cluster created (initdb as $ZUSER) and the Zabbix schema loaded" start_postgres
[ "$TESTS_FAILED" -eq 0 ] || finish
echo "  $(elapsed)"
check "zabbix_server starts on the private database" start_zabbix_server
[ "$TESTS_FAILED" -eq 0 ] || finish
check "the frontend answers the JSON-RPC API (php-fpm, nginx on 127.0.0.1)" start_frontend
[ "$TESTS_FAILED" -eq 0 ] || finish
echo "  Zabbix $(zapi apiinfo.version '{}') up after $(elapsed)"

# traps: snmpd -> snmptrapd -> the project's trap handler -> SNMPTrapperFile
SNMPTRAPD_EXTRA="traphandle default /bin/sh $HANDLER $Z/snmptraps.log"
start_snmptrapd
start_snmpd
check "template imported through the API, twice, the second import changing nothing; host created" \
	drive setup "$top_srcdir/conf/zabbix/uccert_template.yaml" "$SNMP_PORT"
# uccertd starts once the server knows the host (its configuration cache is
# synced every 2 s here), so that its first notifications find the host
sleep 4
start_uccertd "$W/uccert.conf" --now $NOW

# step NOW LABEL: uccertd's clock at NOW, then the server must show the scan
step() {
	# exit status 3: the sub's cert_dir is missing on purpose
	_rc=0
	"$UCCERT" -q -c "$W/uccert.conf" --now "$1" scan --json > "$W/scan.json" || _rc=$?
	[ "$_rc" -eq 3 ] || fail "uccert scan exited $_rc, expected 3 (one source unreadable)"
	check "$2 (uccertd --now $1)" drive step "$2" "$W/scan.json" "$W/open-problems.json"
	echo "  $(elapsed)"
}
restart_at() { # restart_at NOW: uccertd restarted with its clock at NOW
	stop_uccertd
	start_uccertd "$W/uccert.conf" --now "$1"
}

step $NOW "discovery = scan rows, values = scan, one problem per certificate at its severity"
check "every polled and dependent item has a value" drive scalars
restart_at 2027-02-01T00:00:00Z
step 2027-02-01T00:00:00Z "a month later: valid -> WARNING, WARNING -> HIGH, HIGH -> DISASTER, one problem each"
restart_at 2027-03-03T00:00:00Z
step 2027-03-03T00:00:00Z "two months later: the ctlItl and partner certificates expired, one DISASTER each"
# renewal: CallManager replaced by a new certificate (a new row, a new index)
rm "$C/CallManager/CallManager.pem"
mint -o "$C/CallManager/CallManager-renewed.pem" --now 2027-03-03T00:00:00Z --not-before -1d --not-after +800d --cn CallManager
kill -HUP "$UCCERTD_PID"
sleep 2
step 2027-03-03T00:00:00Z "renewal: the expired certificate's problem resolves with its row at the next discovery"

# the cleared notification of the renewal is the last one expected
traps_written() { grep -q '9999\.7\.0\.3' "$Z/snmptraps.log"; }
wait_for 20 traps_written || :
sleep 2
check "every uccertd notification the trap handler wrote lands in its trap item" drive traps "$Z/snmptraps.log"
if grep -q 'unmatched trap.*8072\.9999\.9999\.7' "$Z/zabbix_server.log"; then
	fail "the server logged unmatched UCCERT-MIB traps"
	grep 'unmatched trap' "$Z/zabbix_server.log" | head -n 5 >&2
fi
echo "real Zabbix server test took $(elapsed)"
finish
