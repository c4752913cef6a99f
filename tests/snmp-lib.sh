# snmp-lib.sh - a private snmpd master (and snmptrapd) for the agent tests,
# unprivileged, in the test's temporary directory. Source after lib.sh.

BASE_MIBS=$(ls -d /usr/lib/erlang/lib/snmp-*/mibs 2>/dev/null | head -n 1)
SNMP_MIBDIRS="$BASE_MIBS:/usr/share/snmp/mibs:$top_srcdir/mibs"
SNMPD=$(command -v snmpd || echo /usr/sbin/snmpd)
SNMPTRAPD=$(command -v snmptrapd || echo /usr/sbin/snmptrapd)
AGENTX_SOCK="$W/agentx.sock"
# The tools read no user or system snmp.conf and persist nothing outside $W.
export SNMPCONFPATH="$W/snmpconf" SNMP_PERSISTENT_DIR="$W/snmppersist"
mkdir -p "$SNMPCONFPATH" "$SNMP_PERSISTENT_DIR"

free_port() {
	python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for SECONDS COMMAND... : poll every 0.1 s until COMMAND succeeds.
wait_for() {
	_limit=$(($1 * 10)); shift
	_i=0
	while [ "$_i" -lt "$_limit" ]; do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

snmp() { # snmp TOOL ARGS... against the private master, UCCERT-MIB loaded
	_tool=$1; shift
	"$_tool" -v2c -c public -t 3 -r 1 -M "$SNMP_MIBDIRS" -m UCCERT-MIB "127.0.0.1:$SNMP_PORT" "$@"
}

start_snmpd() {
	: "${SNMP_PORT:=$(free_port)}"
	: "${TRAP_PORT:=}"
	{
		echo "agentAddress udp:127.0.0.1:$SNMP_PORT"
		echo "rocommunity public 127.0.0.1"
		echo "master agentx"
		echo "agentXSocket $AGENTX_SOCK"
		echo "agentXPerms ${AGENTX_PERMS:-0660 0770}"
		echo "dontLogTCPWrappersConnects yes"
		[ -z "$TRAP_PORT" ] || echo "trap2sink udp:127.0.0.1:$TRAP_PORT public"
		echo "${SNMPD_EXTRA:-}"
	} > "$W/snmpd.conf"
	MIBS= "$SNMPD" -f -C -c "$W/snmpd.conf" -Lf "$W/snmpd.log" -p "$W/snmpd.pid" \
		-I -smux,ipv6 &
	SNMPD_PID=$!
	on_exit "kill $SNMPD_PID 2>/dev/null; wait $SNMPD_PID"
	wait_for 10 env MIBS= snmpget -v2c -c public -t 1 -r 0 "127.0.0.1:$SNMP_PORT" .1.3.6.1.2.1.1.3.0 ||
		{ echo "snmpd did not start:" >&2; cat "$W/snmpd.log" >&2; return 1; }
}

stop_snmpd() {
	kill "$SNMPD_PID" 2>/dev/null || :
	wait "$SNMPD_PID" 2>/dev/null || :
}

start_snmptrapd() {
	TRAP_PORT=$(free_port)
	{ echo "disableAuthorization yes"; echo "${SNMPTRAPD_EXTRA:-}"; } > "$W/snmptrapd.conf"
	# one line per notification: "TRAP" then the varbinds, tab-separated
	MIBS="${SNMPTRAPD_MIBS:-}" "$SNMPTRAPD" -f -C -c "$W/snmptrapd.conf" -Lf "$W/traps.log" \
		"${SNMPTRAPD_OIDS:--On}" \
		-F "TRAP %V$(printf '\t')%v\n" -p "$W/snmptrapd.pid" "udp:127.0.0.1:$TRAP_PORT" &
	TRAPD_PID=$!
	on_exit "kill $TRAPD_PID 2>/dev/null; wait $TRAPD_PID"
	wait_for 10 grep -q "NET-SNMP version" "$W/traps.log"
}

# start_uccertd CONFIG [ARGS...]: run the daemon in the foreground (in the
# background of the test) and wait until its first scan is served.
start_uccertd() {
	_conf=$1; shift
	# as root without a user setting, uccertd refuses to run unless told
	[ "$(id -u)" -ne 0 ] || set -- --allow-root "$@"
	"$UCCERTD" -f -c "$_conf" -x "$AGENTX_SOCK" -p "$W/uccertd.pid" "$@" \
		>> "$W/uccertd.log" 2>&1 &
	UCCERTD_PID=$!
	on_exit "kill $UCCERTD_PID 2>/dev/null; wait $UCCERTD_PID"
	wait_for 20 served ||
		{ echo "uccertd did not serve:" >&2; cat "$W/uccertd.log" >&2; return 1; }
}

# served: the subagent answers and has finished a scan
served() {
	_t=$(snmp snmpget -Oqv UCCERT-MIB::uccertLastScanTime.0 2>/dev/null) || return 1
	case "$_t" in
	1970-1-1,*) return 1 ;;	# registered, no scan finished yet
	[12][0-9][0-9][0-9]-*) return 0 ;;
	*) return 1 ;;		# "No Such Object": not registered (yet)
	esac
}

# stop_uccertd: SIGTERM, wait; UCCERTD_STATUS is its exit status (non-zero
# also when a sanitizer found an error or a leak at exit)
stop_uccertd() {
	kill "$UCCERTD_PID" 2>/dev/null || :
	UCCERTD_STATUS=0
	wait "$UCCERTD_PID" 2>/dev/null || UCCERTD_STATUS=$?
}
# check_clean_exit: stop uccertd and require a clean exit
check_clean_exit() {
	stop_uccertd
	check "uccertd stops cleanly on SIGTERM (exit 0, no sanitizer report)" assert_eq 0 "$UCCERTD_STATUS"
	[ "$UCCERTD_STATUS" -eq 0 ] || tail -n 40 "$W/uccertd.log" >&2
}

# table_json: the whole uccertTable as JSON {index: {column: value}}, values
# decoded independently of the MIB's display hints (strings from hex).
UCCERT_OID=.1.3.6.1.4.1.8072.9999.9999.7
# snmp_raw TOOL ARGS...: no MIB loaded, so no display hint reinterprets values
snmp_raw() {
	_tool=$1; shift
	MIBS= "$_tool" -v2c -c public -t 3 -r 1 -m "" "127.0.0.1:$SNMP_PORT" "$@"
}
table_json() {
	snmp_raw snmpbulkwalk -On -Ox -Oe $UCCERT_OID.1.2 | python3 "$top_srcdir/tests/walk2json.py" $UCCERT_OID.1.2.1
}
source_json() {
	snmp_raw snmpbulkwalk -On -Ox -Oe $UCCERT_OID.1.3 | python3 "$top_srcdir/tests/walk2json.py" $UCCERT_OID.1.3.1
}

# zabbix_cluster: the cluster both Zabbix tests poll (NOW, C, cert() and
# $W/uccert.conf): one certificate per severity, an unreadable file, and a
# node whose cert_dir is missing
zabbix_cluster() {
	NOW=2027-01-01T00:00:00Z
	C="$W/cluster"
	cert() { # unit cn not-after
		mkdir -p "$C/$1"
		mint -o "$C/$1/$2.pem" --now $NOW --not-before -400d --not-after "$3" --cn "$2"
	}
	cert tomcat tomcat +120d
	cert tomcat-trust partner-ca +60d
	cert CallManager CallManager +60d
	cert ipsec ipsec +20d
	cert tomcat-trust old-ca -3d
	printf 'garbage\n' > "$C/tomcat-trust/broken.pem"
	cat > "$W/uccert.conf" <<CONF
state_dir = "$W/state";
agentx = { ping_interval = 1; };
clusters = ( { name = "hq"; nodes = (
  { name = "pub"; role = "publisher"; cert_dir = "$C"; },
  { name = "sub"; role = "subscriber"; cert_dir = "$W/missing"; } ); } );
CONF
}
