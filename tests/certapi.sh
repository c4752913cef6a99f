#!/bin/sh
# certapi.sh - the CUCM 14+ certificate REST API client (src/lib/certapi.c)
# against a local HTTPS stand-in (tests/api-server.py, 127.0.0.1 only):
# every row with its unit and platform file name, each failure with its
# precise reason, TLS verification on by default, the credentials file's
# permission rules, and the password never showing up in the driver's
# output, the server's log or the process list.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/live-lib.sh"

DRIVER="$top_builddir/tests/api-driver"
for tool in python3 openssl; do
	command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not installed"; exit 77; }
done

PASSWORD='Zq7-uccert-pw-0xC0FFEE'	# distinctive: grepped for everywhere
APIUSER=apiuser
ME=$(id -u)

# ---- TLS: a test CA and a server certificate for IP 127.0.0.1 (live-lib.sh)
api_tls

# ---- the node as the platform would list it ------------------------------
D="$W/node"
mkdir -p "$D/tomcat" "$D/CallManager" "$D/ipsec" "$D/CAPF" "$D/TVS" \
	"$D/tomcat-trust" "$D/CallManager-trust" "$D/ipsec-trust"
mint -o "$D/tomcat/tomcat.pem" --cn pub.example.com --not-after +300d
mint -o "$D/CallManager/CallManager.pem" --cn CallManager-pub --not-after +301d
mint -o "$D/ipsec/ipsec.pem" --cn ipsec-pub --not-after +302d
mint -o "$D/CAPF/CAPF.pem" --cn CAPF-36205338 --not-after +303d
mint -o "$D/TVS/TVS.pem" --cn TVS-pub --not-after +304d
mint -o "$D/tomcat-trust/pub.example.com_791a41de2f3d66a9.pem" --cn pub.example.com-trusted \
	--not-after +305d
mint -o "$D/tomcat-trust/Example_Root_CA.pem" --cn "Example Root CA" --ca --not-after +3650d
mint -o "$D/CallManager-trust/CAPF-36205338.pem" --cn CAPF-36205338-trusted --not-after +306d
mint -o "$D/ipsec-trust/pub.example.com.pem" --cn ipsec-pub-trusted --not-after +307d

# The rows the driver must print: unit, store, file, subject, SHA-256.
row() { # unit store file pemfile
	fp=$(openssl x509 -noout -fingerprint -sha256 -in "$4" | sed 's/.*=//; s/://g' | tr A-F a-f)
	subj=$(openssl x509 -noout -subject -nameopt RFC2253 -in "$4" | sed 's/^subject=//')
	printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$subj" "$fp"
}
{
	for u in tomcat CallManager ipsec CAPF TVS; do row "$u" own "$u.pem" "$D/$u/$u.pem"; done
	for u in tomcat-trust CallManager-trust ipsec-trust; do
		for f in "$D/$u"/*; do row "$u" trust "${f##*/}" "$f"; done
	done
} | sort > "$W/expected"

# ---- credentials files ----------------------------------------------------
umask 077
CRED="$W/cred"
printf '%s:%s\n' "$APIUSER" "$PASSWORD" > "$CRED"
printf '%s:%s\r\n' "$APIUSER" "$PASSWORD" > "$W/cred-crlf"
printf '%s:%s' "$APIUSER" "$PASSWORD" > "$W/cred-0400"
chmod 0400 "$W/cred-0400"
printf '%s:%s\n' "$APIUSER" "$PASSWORD" > "$W/cred-0644"
chmod 0644 "$W/cred-0644"
printf '%s:%s\n' "$APIUSER" "$PASSWORD" > "$W/cred-0640"
chmod 0640 "$W/cred-0640"
printf '%s:wrong-%s\n' "$APIUSER" "$PASSWORD" > "$W/cred-wrong"
printf '%s\n' "$APIUSER" > "$W/cred-nocolon"
printf '%s:%s\nsecond:line\n' "$APIUSER" "$PASSWORD" > "$W/cred-twolines"
ln -s cred "$W/cred-link"
umask 022

# ---- the server -----------------------------------------------------------
start_api_server "$D" "$CRED"
URL=$API_URL
PORT=${URL##*:}

# run NAME DRIVER-ARGS...: stdout, stderr and exit status into $W/NAME.*
run() {
	name=$1; shift
	rc=0
	"$DRIVER" "$@" > "$W/$name.out" 2> "$W/$name.err" || rc=$?
	echo "$rc" > "$W/$name.rc"
}
requests() { if [ -f "$W/api-server.log" ]; then wc -l < "$W/api-server.log" | tr -d ' '; else echo 0; fi; }
# succeeded NAME: exit 0, rows equal to $W/expected
succeeded() {
	assert_eq 0 "$(cat "$W/$1.rc")" || { cat "$W/$1.out" "$W/$1.err" >&2; return 1; }
	sort "$W/$1.out" > "$W/$1.sorted"
	diff "$W/expected" "$W/$1.sorted" >&2
}
# failed NAME LINE: exit 1 and exactly "error: LINE"
failed() {
	assert_eq 1 "$(cat "$W/$1.rc")" || return 1
	assert_eq "error: $2" "$(cat "$W/$1.out")"
}

# ---- the snapshot, verified against the test CA --------------------------
run ok --ca-file "$W/ca.pem" "$URL" "$CRED"
check "default (verification on) with ca_file: every row, unit, file name, subject, SHA-256" \
	succeeded ok
check "9 rows: 5 identities, tomcat-trust 2, CallManager-trust 1, ipsec-trust 1" \
	assert_eq "5 2 1 1" "$(grep -c '	own	' "$W/ok.out") $(grep -c '^tomcat-trust	' "$W/ok.out") $(grep -c '^CallManager-trust	' "$W/ok.out") $(grep -c '^ipsec-trust	' "$W/ok.out")"
check "trust rows carry the platform file name (set cert delete <unit> <file>)" \
	grep -q '^tomcat-trust	trust	pub.example.com_791a41de2f3d66a9.pem	' "$W/ok.out"
check "identity rows are <unit>.pem" grep -q '^CallManager	own	CallManager.pem	' "$W/ok.out"
check "no warning on a clean snapshot" assert_eq "" "$(cat "$W/ok.err")"
check "the request: API path, Basic auth user, Accept: application/json" \
	assert_eq "/platformcom/api/v1/certmgr/config/snapshot/server auth=ok user=$APIUSER accept=application/json" \
	"$(head -n 1 "$W/api-server.log" | sed 's/ agent=.*//')"
run slash --ca-file "$W/ca.pem" "$URL/" "$CRED"
check "a trailing / on the url is fine" succeeded slash

# ---- TLS ------------------------------------------------------------------
run noca "$URL" "$CRED"
check "without ca_file the test CA is unknown: TLS verification reason" \
	failed noca "TLS: certificate verify failed (unable to get local issuer certificate; trusted CAs: the system store)"
run wronghost --ca-file "$W/ca.pem" "https://localhost:$PORT" "$CRED"
check "host name checked against the certificate" \
	failed wronghost "TLS: certificate verify failed (no alternative certificate subject name matches target host name 'localhost'; trusted CAs: $W/ca.pem)"
run insecure --insecure "$URL" "$CRED"
check "insecure: works without the CA" succeeded insecure
check "insecure: warns at every fetch" \
	grep -q "^api-driver: $URL: TLS verification is off (insecure)" "$W/insecure.err"
run nocafile --ca-file "$W/missing.pem" "$URL" "$CRED"
check "missing ca_file named" failed nocafile "ca_file $W/missing.pem: No such file or directory"
run http --ca-file "$W/ca.pem" "http://127.0.0.1:$PORT" "$CRED"
check "http:// refused" failed http "url must start with https:// (the credentials are not sent in clear)"
run userinfo --ca-file "$W/ca.pem" "https://$APIUSER:x@127.0.0.1:$PORT" "$CRED"
check "credentials in the url refused" \
	failed userinfo "url must not contain a user name or password: use credentials_file"

# ---- the credentials file -------------------------------------------------
before=$(requests)
run cred644 --ca-file "$W/ca.pem" "$URL" "$W/cred-0644"
check "credentials file 0644 refused with the reason" \
	failed cred644 "credentials file $W/cred-0644: mode 0644, must be 0600 or stricter and owned by uid $ME"
run cred640 --ca-file "$W/ca.pem" "$URL" "$W/cred-0640"
check "credentials file 0640 refused (group-readable)" \
	failed cred640 "credentials file $W/cred-0640: mode 0640, must be 0600 or stricter and owned by uid $ME"
run credlink --ca-file "$W/ca.pem" "$URL" "$W/cred-link"
check "credentials file symlink refused" \
	failed credlink "credentials file $W/cred-link: is a symbolic link (name the file itself)"
run nocolon --ca-file "$W/ca.pem" "$URL" "$W/cred-nocolon"
check "credentials without ':' refused" \
	failed nocolon "credentials file $W/cred-nocolon: no ':' on the line, expected \"user:password\""
run twolines --ca-file "$W/ca.pem" "$URL" "$W/cred-twolines"
check "credentials with a second line refused" \
	failed twolines "credentials file $W/cred-twolines: more than one line, expected one line \"user:password\""
run nocred --ca-file "$W/ca.pem" "$URL" "$W/absent"
check "missing credentials file named" \
	failed nocred "credentials file $W/absent: No such file or directory"
check "refused credentials: the server was never contacted" assert_eq "$before" "$(requests)"
if [ "$ME" -eq 0 ]; then
	cp "$CRED" "$W/cred-other"
	chown 65534 "$W/cred-other"
	run credother --ca-file "$W/ca.pem" "$URL" "$W/cred-other"
	check "credentials file owned by another uid refused" \
		failed credother "credentials file $W/cred-other: owned by uid 65534, must be 0600 or stricter and owned by uid 0"
fi
# shared with a group (credentials_group): 0640, that group, never more
MYGROUP=$(id -gn)
OTHERGROUP=$(getent group nogroup > /dev/null && echo nogroup || echo daemon)
run grp640 --credentials-group "$MYGROUP" --ca-file "$W/ca.pem" "$URL" "$W/cred-0640"
check "credentials_group: a 0640 file of that group accepted" succeeded grp640
run grp644 --credentials-group "$MYGROUP" --ca-file "$W/ca.pem" "$URL" "$W/cred-0644"
check "credentials_group: world-readable still refused" \
	failed grp644 "credentials file $W/cred-0644: mode 0644 group $(id -g), must be 0640 or stricter with group $MYGROUP (credentials_group), never world-readable"
printf '%s:%s\n' "$APIUSER" "$PASSWORD" > "$W/cred-0660"
chmod 0660 "$W/cred-0660"
run grp660 --credentials-group "$MYGROUP" --ca-file "$W/ca.pem" "$URL" "$W/cred-0660"
check "credentials_group: group-writable refused" failed grp660 \
	"credentials file $W/cred-0660: mode 0660 group $(id -g), must be 0640 or stricter with group $MYGROUP (credentials_group), never world-readable"
run grpother --credentials-group "$OTHERGROUP" --ca-file "$W/ca.pem" "$URL" "$W/cred-0640"
check "credentials_group: 0640 of another group refused" \
	failed grpother "credentials file $W/cred-0640: mode 0640 group $(id -g), must be 0640 or stricter with group $OTHERGROUP (credentials_group), never world-readable"
run grplink --credentials-group "$MYGROUP" --ca-file "$W/ca.pem" "$URL" "$W/cred-link"
check "credentials_group: a symbolic link still refused" \
	failed grplink "credentials file $W/cred-link: is a symbolic link (name the file itself)"
run grpnone --credentials-group no-such-group-here --ca-file "$W/ca.pem" "$URL" "$W/cred-0640"
check "credentials_group that does not exist: named" \
	failed grpnone "credentials file $W/cred-0640: credentials_group \"no-such-group-here\" does not exist"
if [ "$ME" -eq 0 ]; then
	# the daemon's user owns it, the monitoring user reads it through the group
	cp "$CRED" "$W/cred-shared"
	chown 65534:0 "$W/cred-shared"
	chmod 0640 "$W/cred-shared"
	run grpshared --credentials-group "$(getent group 0 | cut -d: -f1)" --ca-file "$W/ca.pem" "$URL" "$W/cred-shared"
	check "credentials_group: another user's 0640 file, read as a member of its group" succeeded grpshared
fi
run cred400 --ca-file "$W/ca.pem" "$URL" "$W/cred-0400"
check "credentials file 0400 without a newline accepted" succeeded cred400
run crlf --ca-file "$W/ca.pem" "$URL" "$W/cred-crlf"
check "credentials line ending in CRLF accepted" succeeded crlf

# ---- HTTP failures --------------------------------------------------------
run wrongpw --ca-file "$W/ca.pem" "$URL" "$W/cred-wrong"
check "wrong password: 401 with the hint" \
	failed wrongpw "HTTP 401 Unauthorized (check the credentials in $W/cred-wrong)"
run e401 --ca-file "$W/ca.pem" "$URL/unauthorized" "$CRED"
check "401 route" failed e401 "HTTP 401 Unauthorized (check the credentials in $CRED)"
run e404 --ca-file "$W/ca.pem" "$URL/absent" "$CRED"
check "404: no API (before 14)" failed e404 "HTTP 404: no certificate API (CUCM before 14?)"
run e500 --ca-file "$W/ca.pem" "$URL/error" "$CRED"
check "500" failed e500 "HTTP 500 Internal Server Error"
run e503 --ca-file "$W/ca.pem" "$URL/unavailable" "$CRED"
check "503" failed e503 "HTTP 503 Service Unavailable"
before=$(requests)
run redirect --ca-file "$W/ca.pem" "$URL/redirect" "$CRED"
check "redirect not followed, target named" \
	failed redirect "HTTP 302 Found: redirect to https://127.0.0.2:$PORT/platformcom/api/v1/certmgr/config/snapshot/server not followed (set url to the server itself)"
check "redirect: one request only" assert_eq "$((before + 1))" "$(requests)"

# ---- bodies that are not a snapshot ---------------------------------------
run malformed --ca-file "$W/ca.pem" "$URL/malformed" "$CRED"
check "malformed JSON: offset and reason" \
	failed malformed "malformed JSON at offset 16: unexpected character"
run notjson --ca-file "$W/ca.pem" "$URL/notjson" "$CRED"
check "HTML instead of JSON: says so" \
	failed notjson "malformed JSON at offset 0: unexpected character (Content-Type text/html, not JSON)"
run scalar --ca-file "$W/ca.pem" "$URL/scalar" "$CRED"
check "JSON that is not an object" \
	failed scalar "unexpected JSON: the top level is a number, expected an object"
run notsnapshot --ca-file "$W/ca.pem" "$URL/notsnapshot" "$CRED"
check "JSON object that is no snapshot" \
	failed notsnapshot "unexpected JSON: neither \"identities\" nor \"trusts\" (not a certificate snapshot?)"
run badarray --ca-file "$W/ca.pem" "$URL/badarray" "$CRED"
check "identities not an array" \
	failed badarray "unexpected JSON: \"identities\" is an object, expected an array"
run empty --ca-file "$W/ca.pem" "$URL/empty" "$CRED"
check "empty body" failed empty "empty response body (HTTP 200)"
run truncated --ca-file "$W/ca.pem" "$URL/truncated" "$CRED"
got=$(sed -n 's/^error: truncated response (received \([0-9]*\) of \([0-9]*\) bytes)$/\1 \2/p' "$W/truncated.out")
check "truncated body: received N of N+1000 bytes" \
	assert_eq "1 1000" "$(cat "$W/truncated.rc") $(echo "$got" | awk '{ print $2 - $1 }')"
run huge --ca-file "$W/ca.pem" "$URL/huge" "$CRED"
check "17 MiB announced: too large" failed huge "response too large (more than 16 MiB)"
run hugestream --ca-file "$W/ca.pem" "$URL/huge-stream" "$CRED"
check "17 MiB streamed: too large" failed hugestream "response too large (more than 16 MiB)"

# ---- certificates that do not decode, elements that make no row ----------
run badpem --ca-file "$W/ca.pem" "$URL/badpem" "$CRED"
check "unparsable PEM: its own unreadable row, the fetch still succeeds" \
	assert_eq "0 10" "$(cat "$W/badpem.rc") $(wc -l < "$W/badpem.out" | tr -d ' ')"
check "unparsable PEM row names unit, file and reason" \
	grep -qx 'tomcat-trust	trust	broken.pem	ERROR: PEM does not parse: PEM block 1: invalid base64 inside the PEM block' \
	"$W/badpem.out"
run odd --ca-file "$W/ca.pem" "$URL/odd" "$CRED"
sed -n '/^skipped:/!p' "$W/odd.out" | cut -f1-3 | sort > "$W/odd.rows"
{
	cut -f1-3 "$W/expected"
	printf 'tomcat-ECDSA\town\ttomcat-ECDSA.pem\n'
	printf 'Phone-VPN-trust\ttrust\tvpn-head.pem\n'
	printf 'directory-trust\ttrust\tldap-ca.pem\n'
} | sort > "$W/odd.expected"
check "odd elements: the good rows kept, units in catalog spelling" \
	diff "$W/odd.expected" "$W/odd.rows"
check "odd elements: 11 skipped" grep -qx 'skipped: 11' "$W/odd.out"
check "odd elements: one warning each" \
	assert_eq 11 "$(grep -c "^api-driver: $URL/odd: .*, skipped$" "$W/odd.err")"
check "odd elements: the warning says what was wrong" \
	grep -qx "api-driver: $URL/odd: trusts\[4\].certificate_data\[0\] (directory-trust): \"filename\" missing, skipped" \
	"$W/odd.err"

# ---- the network ----------------------------------------------------------
FREE=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run refused --ca-file "$W/ca.pem" "https://127.0.0.1:$FREE" "$CRED"
check "connection refused" failed refused "connection refused (127.0.0.1 port $FREE)"

# A slow answer: the timeout fires, and meanwhile nobody sees the password.
start=$(date +%s)
"$DRIVER" --ca-file "$W/ca.pem" --timeout 3 "$URL/slow" "$CRED" > "$W/slow.out" 2> "$W/slow.err" &
SLOW_PID=$!
: > "$W/ps.txt"
while kill -0 "$SLOW_PID" 2>/dev/null; do
	# the client and the server of this test only: other tests running
	# at the same time may grep for their own secrets
	ps -ww -o pid= -o args= -p "$SLOW_PID,$API_PID" >> "$W/ps.txt" 2>/dev/null || :
	sleep 0.2
done
rc=0
wait "$SLOW_PID" || rc=$?
elapsed=$(($(date +%s) - start))
echo "$rc" > "$W/slow.rc"
check "slow server: timed out after 3 s" failed slow "timed out after 3 s (waiting for the response)"
check "slow server: gave up in time (${elapsed}s)" test "$elapsed" -lt 10
check "ps saw the driver while it waited" grep -q "api-driver.*$URL/slow" "$W/ps.txt"

# ---- the password ---------------------------------------------------------
B64=$(printf '%s:%s' "$APIUSER" "$PASSWORD" | base64 | tr -d '\n')
leaks() {
	for f in "$W"/*.out "$W"/*.err "$W/api-server.log" "$W/ps.txt"; do
		if grep -qF -e "$PASSWORD" -e "$B64" "$f"; then echo "password in $f" >&2; return 1; fi
	done
}
check "password nowhere: driver stdout/stderr, server log, ps" leaks

finish
