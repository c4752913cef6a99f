#!/bin/sh
# ssh.sh - the platform administration CLI over SSH as a source
# (src/lib/sshcli.c), against tests/ssh-server.py on 127.0.0.1: a scan
# through the CLI equals the scan of the same files in a cert_dir in every
# field but the source, the host key must be in known_hosts, a refused login
# and refused credentials say why, a node that stops answering ends at its
# timeout while the other nodes are read, uccertd publishes both in
# uccertSourceTable (kind sshCli), and the password shows up nowhere.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/snmp-lib.sh"

# python3-paramiko (Debian) for the stand-in server; the first python3 that has it
PY=""
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import paramiko' 2>/dev/null; then PY=$p; break; fi
done
[ -n "$PY" ] || { echo "SKIP: python3-paramiko not installed"; exit 77; }

PASSWORD='Ssh-uccert-pw-0xBADC0DE'	# distinctive: grepped for everywhere
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# ---- the node's stores: identities, trust stores, one expired, a bundle ---
D="$W/node"
mkdir -p "$D/tomcat" "$D/CallManager" "$D/ipsec" "$D/tomcat-trust" "$D/CallManager-trust" \
	"$D/ipsec-trust"
mint -o "$D/tomcat/tomcat.pem" --cn pub.example.com --now "$NOW" --not-after +300d
mint -o "$D/CallManager/CallManager.pem" --cn CallManager-pub --now "$NOW" --not-after +40d
mint -o "$D/ipsec/ipsec.pem" --cn ipsec-pub --now "$NOW" --not-after +700d
mint -o "$D/tomcat-trust/old-partner_1a2b.pem" --cn old-partner --now "$NOW" \
	--not-before -400d --not-after -10d
mint -o "$D/tomcat-trust/Example_Root_CA.pem" --cn "Example Root CA" --ca --now "$NOW" \
	--not-after +3650d
mint -o "$W/a.pem" --cn bundle-a --now "$NOW" --not-after +20d
mint -o "$W/b.pem" --cn bundle-b --now "$NOW" --not-before -100d --not-after -2d
cat "$W/a.pem" "$W/b.pem" > "$D/CallManager-trust/bundle.pem"
mint -o "$D/ipsec-trust/pub.example.com.pem" --cn ipsec-pub-trusted --now "$NOW" --not-after +5d

umask 077
printf 'admin:%s\n' "$PASSWORD" > "$W/cred"
printf 'admin:wrong-%s\n' "$PASSWORD" > "$W/cred-wrong"
printf 'other:%s\n' "$PASSWORD" > "$W/cred-other-user"
printf 'admin:%s\n' "$PASSWORD" > "$W/cred-0644"
chmod 0644 "$W/cred-0644"
umask 022

# ssh_server NAME MODE [DATA]: a server for DATA (default $D); sets
# PORT_<NAME> and PID_<NAME>, its known_hosts line in $W/NAME.kh, its log
# in $W/NAME.log
ssh_server() {
	"$PY" "$top_srcdir/tests/ssh-server.py" --data "${3:-$D}" --credentials "$W/cred" \
		--port-file "$W/$1.port" --known-hosts "$W/$1.kh" --log "$W/$1.log" \
		--mode "$2" 2> "$W/$1.err" &
	_pid=$!
	on_exit "kill $_pid"
	_i=0
	while [ ! -s "$W/$1.port" ]; do
		_i=$((_i + 1))
		if [ "$_i" -gt 150 ] || ! kill -0 "$_pid" 2>/dev/null; then
			echo "ssh-server $1 did not start:" >&2
			cat "$W/$1.err" >&2
			return 1
		fi
		sleep 0.1
	done
	eval "PORT_$1=$(cat "$W/$1.port") PID_$1=$_pid"
}
ssh_server pub normal
ssh_server other normal	# another host key
ssh_server stall stall
touch "$W/pub.log"

# conf NAME SSH-SETTINGS...: a one-cluster configuration, one node per
# argument ("name|settings"); a node without settings reads $D as cert_dir
conf() {
	_f="$W/$1.conf"
	shift
	{
		printf 'state_dir = "%s";\nclusters = ( { name = "hq"; nodes = (\n' "$W/state-${_f##*/}"
		_sep=""
		for n in "$@"; do
			_name=${n%%|*} _set=${n#*|}
			if [ "$_set" = "$n" ]; then
				printf '%s  { name = "%s"; role = "%s"; cert_dir = "%s"; }' "$_sep" "$_name" \
					"$([ "$_name" = pub ] && echo publisher || echo subscriber)" "$D"
			else
				printf '%s  { name = "%s"; role = "%s"; ssh = { host = "127.0.0.1"; user = "admin"; %s }; }' \
					"$_sep" "$_name" "$([ "$_name" = pub ] && echo publisher || echo subscriber)" "$_set"
			fi
			_sep=",
"
		done
		printf '\n); } );\n'
	} > "$_f"
}
sshset() { # PORT [CRED [KNOWN_HOSTS [TIMEOUT]]]: 20 s, ample on a loaded machine
	printf 'port = %s; credentials = "%s"; known_hosts = "%s"; timeout = %s;' "$1" \
		"${2:-$W/cred}" "${3:-$W/pub.kh}" "${4:-20}"
}
# scan NAME CONF [--json]: stdout, stderr, status into $W/NAME.*
scan() {
	_n=$1 _c=$2
	shift 2
	rc=0
	"$UCCERT" -c "$W/$_c.conf" --now "$NOW" scan "$@" > "$W/$_n.out" 2> "$W/$_n.stderr" || rc=$?
	echo "$rc" > "$W/$_n.rc"
}
logins() { grep -c '^login' "$W/pub.log" || :; }

# ---- the same stores through the CLI and from files -----------------------
conf files "pub"
conf cli "pub|$(sshset "$PORT_pub")"
scan files-json files --json
scan cli-json cli --json
LOC="ssh://admin@127.0.0.1:$PORT_pub"
sed "s#\"$D/#\"$LOC/#" "$W/files-json.out" > "$W/files-as-cli.json"
check "scan --json through the CLI equals the cert_dir scan in every field, source ssh://user@host/<unit>/<file>" \
	diff "$W/files-as-cli.json" "$W/cli-json.out"
check "every file listed became rows: 8 certificates (the bundle's two included)" \
	assert_eq 8 "$(grep -c '"sha256"' "$W/cli-json.out")"
check "the platform file name is kept: CallManager-trust/bundle.pem" \
	grep -q "\"source\": \"$LOC/CallManager-trust/bundle.pem\"" "$W/cli-json.out"
scan files-text files
scan cli-text cli
check "the table an operator reads is the same" diff "$W/files-text.out" "$W/cli-text.out"
check "no warning, no error on a clean read" assert_eq "0 " "$(cat "$W/cli-json.rc") $(cat "$W/cli-json.stderr")"
check "one login per scan, then list own, list trust and one show per file" \
	assert_eq "2 2 2 14" "$(logins) $(grep -c '^command show cert list own$' "$W/pub.log") $(grep -c '^command show cert list trust$' "$W/pub.log") $(grep -c '^command show cert \(own\|trust\) ' "$W/pub.log")"

# ---- an answer without a certificate: an unreadable row, not a gap --------
mkdir -p "$W/odd/tomcat-trust"
cp "$D/tomcat-trust/Example_Root_CA.pem" "$W/odd/tomcat-trust/"
echo "this file holds no certificate" > "$W/odd/tomcat-trust/notes.pem"
ssh_server odd normal "$W/odd"
conf odd "pub|$(sshset "$PORT_odd" "$W/cred" "$W/odd.kh")"
scan odd odd
check "a file whose answer holds no PEM is an unreadable row naming the command" \
	grep -q "^hq  *pub  *tomcat-trust .*unreadable.*no certificate in the answer to show cert trust tomcat-trust/notes.pem" \
	"$W/odd.out"
check "and the other file of the store is read" grep -q 'CN=Example Root CA' "$W/odd.out"

# ---- the host key ---------------------------------------------------------
sed "s/^\[127.0.0.1\]:[0-9]*/[127.0.0.1]:$PORT_pub/" "$W/other.kh" > "$W/wrong.kh"
FP=$("$PY" -c '
import base64, hashlib, sys
k = open(sys.argv[1]).read().split()[2]
print("SHA256:" + base64.b64encode(hashlib.sha256(base64.b64decode(k)).digest()).decode().rstrip("="))
' "$W/pub.kh")
before=$(logins)
conf wrongkey "pub|$(sshset "$PORT_pub" "$W/cred" "$W/wrong.kh")"
scan wrongkey wrongkey
check "a host key that differs from known_hosts refuses the node, its fingerprint named" \
	grep -qx "source hq/pub ssh $LOC: host key of 127.0.0.1 port $PORT_pub (ecdsa-sha2-nistp256 $FP) differs from the one in known_hosts $W/wrong.kh: refused" \
	"$W/wrongkey.out"
check "refused host key: no certificate rows" grep -q '^0 certificates' "$W/wrongkey.out"
: > "$W/empty.kh"
conf unknownkey "pub|$(sshset "$PORT_pub" "$W/cred" "$W/empty.kh")"
scan unknownkey unknownkey
check "a host missing from known_hosts is refused, never trusted on first use" \
	grep -qx "source hq/pub ssh $LOC: host key of 127.0.0.1 port $PORT_pub (ecdsa-sha2-nistp256 $FP) is not in known_hosts $W/empty.kh: refused" \
	"$W/unknownkey.out"
check "known_hosts not changed by the refusal" assert_eq 0 "$(wc -c < "$W/empty.kh" | tr -d ' ')"
conf nokh "pub|$(sshset "$PORT_pub" "$W/cred" "$W/absent.kh")"
scan nokh nokh
check "a missing known_hosts file is named" \
	grep -qx "source hq/pub ssh $LOC: known_hosts $W/absent.kh: No such file or directory" "$W/nokh.out"
check "refused host keys: the password was never offered (no login attempt)" \
	assert_eq "$before" "$(logins)"

# ---- the login ------------------------------------------------------------
conf wrongpw "pub|$(sshset "$PORT_pub" "$W/cred-wrong")"
scan wrongpw wrongpw
check "a wrong password: login refused, the credentials file named" \
	grep -qx "source hq/pub ssh $LOC: login refused for user admin (check the credentials in $W/cred-wrong)" \
	"$W/wrongpw.out"
check "the server saw the refused login" grep -q '^login refused user=admin$' "$W/pub.log"
before=$(grep -c '' "$W/pub.log")
conf cred644 "pub|$(sshset "$PORT_pub" "$W/cred-0644")"
scan cred644 cred644
check "credentials file 0644 refused with the reason, as for the API" \
	grep -qx "source hq/pub ssh $LOC: credentials file $W/cred-0644: mode 0644, must be 0600 or stricter and owned by uid $(id -u)" \
	"$W/cred644.out"
conf otheruser "pub|$(sshset "$PORT_pub" "$W/cred-other-user")"
scan otheruser otheruser
check "credentials for another user than ssh.user refused" \
	grep -qx "source hq/pub ssh $LOC: credentials file $W/cred-other-user: its user is not the ssh user \"admin\"" \
	"$W/otheruser.out"
check "refused credentials: the server never saw a login" \
	assert_eq "$before" "$(grep -c '' "$W/pub.log")"

# ---- a node that stops answering; the others are read ---------------------
conf stalled "pub|$(sshset "$PORT_pub")" "sub|$(sshset "$PORT_stall" "$W/cred" "$W/stall.kh" 3)"
"$UCCERT" -c "$W/stalled.conf" --now "$NOW" scan > "$W/stalled.out" 2> "$W/stalled.stderr" &
SCAN_PID=$!
: > "$W/ps.txt"
while kill -0 "$SCAN_PID" 2>/dev/null; do
	# this test's processes only: other tests may grep for their own secrets
	ps -ww -o pid= -o args= -p "$SCAN_PID,$PID_pub,$PID_stall" >> "$W/ps.txt" 2>/dev/null || :
	sleep 0.2
done
rc=0
wait "$SCAN_PID" || rc=$?
check "stalled node: the scan ends, status 3 (some sources not read)" assert_eq 3 "$rc"
check "stalled node: timed out after its timeout, the command it waited for named" \
	grep -qx "source hq/sub ssh ssh://admin@127.0.0.1:$PORT_stall: timed out after 3 s (waiting for the answer to show cert list own)" \
	"$W/stalled.out"
check "stalled node: the other node's 8 certificates are all there" \
	assert_eq 8 "$(grep -c '^hq  *pub ' "$W/stalled.out")"
check "stalled node: the error is said once, as an error of that source" \
	assert_eq 1 "$(cat "$W/stalled.out" "$W/stalled.stderr" | grep -c "hq/sub ssh ssh://admin@127.0.0.1:$PORT_stall: timed out after 3 s")"
check "ps saw the scan while it waited" grep -q "uccert .*stalled.conf" "$W/ps.txt"

# ---- uccertd: the rows, and each node's source health ----------------------
{ echo 'agentx = { ping_interval = 1; };'; cat "$W/stalled.conf"; } > "$W/daemon.conf"
start_snmpd
start_uccertd "$W/daemon.conf"
sources() {
	source_json | python3 -c '
import json, sys
s = lambda v: bytes.fromhex(v["hex"]).decode()
for r in sorted(json.load(sys.stdin).values(), key=lambda r: s(r["5"])):
    print("%s|%s|%s|%s|%s" % (r["4"], s(r["5"]), r["6"], s(r["7"]), r["9"]))'
}
both_read() { [ "$(sources | wc -l)" -eq 2 ]; }
check "uccertd: both sources published after the first scan" wait_for 20 both_read
sources > "$W/sources"
check "uccertSourceTable: the CLI source (kind 4, sshCli), ok, 8 certificates" \
	grep -qx "4|ssh://admin@127.0.0.1:$PORT_pub|1||8" "$W/sources"
check "uccertSourceTable: the stalled node, error with the reason, no certificates" \
	grep -qx "4|ssh://admin@127.0.0.1:$PORT_stall|2|timed out after 3 s (waiting for the answer to show cert list own)|0" \
	"$W/sources"
[ "$TESTS_FAILED" -eq 0 ] || cat "$W/sources" >&2
rows() { table_json | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'; }
check "uccertTable: the 8 certificates read through the CLI" assert_eq 8 "$(rows)"
ps -ww -o pid= -o args= -p "$UCCERTD_PID" >> "$W/ps.txt" 2>/dev/null || :
check_clean_exit

# ---- the password ---------------------------------------------------------
leaks() {
	for f in "$W"/*.out "$W"/*.stderr "$W"/*.log "$W"/*.err "$W"/*.conf "$W/ps.txt"; do
		if grep -qF -e "$PASSWORD" "$f"; then echo "password in $f" >&2; return 1; fi
	done
}
check "password nowhere: output, errors, logs, configuration, server logs, ps" leaks

finish
