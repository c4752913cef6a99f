#!/bin/sh
# Live sources end to end: TLS probes and the certificate API feed the same
# inventory as files do (uccert scan, cleanup), and uccertd publishes them
# with their source health; a failed probe keeps its last values until
# stale_after. Every peer is on loopback.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/snmp-lib.sh"
. "$top_srcdir/tests/live-lib.sh"

NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
# the TLS services: tomcat with an RSA and an ECDSA certificate, CallManager RSA
"$MKCERT" -o "$W/rsa.pem" --key "$W/rsa.key" --key-type rsa2048 --cn cucm-pub.example.com --now "$NOW" --not-after +45d
mint -o "$W/ec.pem" --cn cucm-pub.example.com --now "$NOW" --not-after +400d
"$MKCERT" -o "$W/cm.pem" --key "$W/rsa.key" --cn cm-pub --now "$NOW" --not-after +80d
tls_server dual 127.0.0.1 -cert "$W/rsa.pem" -key "$W/rsa.key" -dcert "$W/ec.pem" -dkey "$KEY"
tls_server cm 127.0.0.1 -cert "$W/cm.pem" -key "$W/rsa.key"
CLOSED=$(free_port)	# nothing listens there

# the node's stores as its certificate API lists them
D="$W/api"
mkdir -p "$D/ipsec" "$D/tomcat-trust" "$D/ipsec-trust"
mint -o "$D/ipsec/ipsec.pem" --cn ipsec-pub --now "$NOW" --not-after +700d
mint -o "$D/tomcat-trust/old-partner_1a2b.pem" --cn old-partner --now "$NOW" --not-before -400d --not-after -10d
mint -o "$D/tomcat-trust/Root_CA.pem" --cn "Root CA" --ca --now "$NOW" --not-after +3000d
mint -o "$D/ipsec-trust/cucm-pub.pem" --cn cucm-pub --now "$NOW" --not-before -400d --not-after -5d
PASSWORD='live-test-Pw-9137'
printf 'apiuser:%s\n' "$PASSWORD" > "$W/cred"
chmod 600 "$W/cred"
start_api_server "$D" "$W/cred"

conf() { # conf STALE_AFTER_DAYS
	cat > "$W/uccert.conf" <<CONF
state_dir = "$W/state";
agentx = { ping_interval = 1; };
probe_timeout = 2;
stale_after = $1;
clusters = ( { name = "hq"; nodes = (
  { name = "cucm-pub"; role = "publisher"; host = "127.0.0.1";
    probes = [ "tomcat@$PORT_dual", "CallManager@$PORT_cm", "TVS@$CLOSED" ];
    api = { url = "$API_URL"; credentials = "$W/cred"; ca_file = "$W/ca.pem"; }; } ); } );
CONF
}
conf 7
fp() { openssl x509 -noout -fingerprint -sha256 -in "$1" | sed 's/.*=//; s/://g' | tr A-F a-f; }

rc=0
"$UCCERT" -q -c "$W/uccert.conf" --now "$NOW" scan --json > "$W/scan.json" || rc=$?
check "scan: the closed TVS port is a source not read (exit 3), the rest is listed" assert_eq 3 "$rc"
row() { # row UNIT SOURCE-PREFIX -> "sha256 days store" of the single match
	python3 - "$W/scan.json" "$1" "$2" <<'PY'
import json, sys
rows = [r for r in json.load(open(sys.argv[1])) if r["unit"] == sys.argv[2] and r["source"].startswith(sys.argv[3])]
print(" ".join("%s %s %s" % (r["sha256"], r["days_left"], r["store"]) for r in rows))
PY
}
check "tomcat probe: the RSA certificate the port presents, source host:port" \
	assert_eq "$(fp "$W/rsa.pem") 45 own" "$(row tomcat "127.0.0.1:$PORT_dual")"
check "the same port asked for ECDSA: a tomcat-ECDSA row" \
	assert_eq "$(fp "$W/ec.pem") 400 own" "$(row tomcat-ECDSA "127.0.0.1:$PORT_dual")"
check "CallManager probe" assert_eq "$(fp "$W/cm.pem") 80 own" "$(row CallManager "127.0.0.1:$PORT_cm")"
check "a closed port yields no row" assert_eq "" "$(row TVS "127.0.0.1:$CLOSED")"
check "API identity: ipsec" assert_eq "$(fp "$D/ipsec/ipsec.pem") 700 own" "$(row ipsec "$API_URL")"
check "API trust: the platform file name is the row's source" \
	assert_eq "$(fp "$D/tomcat-trust/Root_CA.pem") 3000 trust" "$(row tomcat-trust "$API_URL tomcat-trust/Root_CA.pem")"

"$UCCERT" -q -c "$W/uccert.conf" --now "$NOW" cleanup --json > "$W/cleanup.json" || :
on_node() {
	python3 - "$W/cleanup.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
items = j["candidates"] + j["on_node"] + j["kept"] + j["refused"]
print(";".join(sorted("%s %s %s" % (i["verdict"], i["file"], i["command"]) for i in items)))
PY
}
check "cleanup lists the expired API trust certificate with its command, on the node only; the node's own ipsec-trust entry is kept" \
	assert_eq "keep-own-host cucm-pub.pem None;on-node old-partner_1a2b.pem set cert delete tomcat-trust old-partner_1a2b.pem" "$(on_node)"
"$UCCERT" -q -c "$W/uccert.conf" --now "$NOW" cleanup --apply > "$W/apply.out" 2>&1 && rc=0 || rc=$?
check "cleanup --apply moves nothing it cannot move, and succeeds" sh -c \
	'[ "$1" = 0 ] && test -f "$2/tomcat-trust/old-partner_1a2b.pem"' _ "$rc" "$D"

# ---- the daemon: rows and source health -----------------------------------
start_snmpd
start_uccertd "$W/uccert.conf"
sources() {
	source_json | python3 -c '
import json, sys
s = lambda v: bytes.fromhex(v["hex"]).decode()
for r in sorted(json.load(sys.stdin).values(), key=lambda r: s(r["5"])):
    print(r["4"], s(r["5"]), r["6"], s(r["7"]), r["9"])' | sed "s|$W|W|g"
}
sources > "$W/sources"
check "uccertSourceTable: each TLS port (kind 2) and the API (kind 3), with its status" sh -c '
	grep -q "^2 127.0.0.1:$1 1  2$" "$3" && grep -q "^2 127.0.0.1:$2 2 connection refused (TVS) 0$" "$3" &&
	grep -q "^3 https://127.0.0.1:[0-9]* 1  4$" "$3"' _ "$PORT_dual" "$CLOSED" "$W/sources"
[ "$TESTS_FAILED" -eq 0 ] || cat "$W/sources" >&2

cm_row() { table_json | python3 -c '
import json, sys
s = lambda v: bytes.fromhex(v["hex"]).decode()
print(" ".join("%s %s" % (i, r["12"]) for i, r in json.load(sys.stdin).items() if s(r["4"]) == "CallManager"))'; }
before=$(cm_row)
kill "$PID_cm"; wait "$PID_cm" 2>/dev/null || :	# gone before the rescan
kill -HUP "$UCCERTD_PID"
cm_failed() { sources | grep -q "^2 127.0.0.1:$PORT_cm 2 connection refused (CallManager) 1$"; }
check "the CallManager port goes away: its source says so" wait_for 15 cm_failed
[ "$TESTS_FAILED" -eq 0 ] || sources >&2
check "and its row stays with its last values (same index, same days)" assert_eq "$before" "$(cm_row)"
conf 0
sleep 1.1
kill -HUP "$UCCERTD_PID"
dropped() { [ -z "$(cm_row)" ] && grep -q "are dropped (stale_after = 0 days)" "$W/uccertd.log"; }
check "older than stale_after: the row ages out, with a log line" wait_for 15 dropped
check "the API password appears in no log" sh -c '! grep -rq "$1" "$2"/*.log' _ "$PASSWORD" "$W"
check_clean_exit

# ---- IM and Presence: cup-xmpp and cup-xmpp-s2s behind XMPP STARTTLS ------
"$MKCERT" -o "$W/xmpp.pem" --key "$W/xmpp.key" --key-type rsa2048 --cn imp1.example.com --now "$NOW" --not-after +30d
"$MKCERT" -o "$W/s2s.pem" --key "$W/s2s.key" --key-type rsa2048 --cn imp1-s2s.example.com --now "$NOW" --not-after +60d
cat > "$W/xmpp.py" <<'PY'
import os, socket, ssl, sys, threading

def serve(s, ns, ctx):
    while True:
        c, _ = s.accept()
        try:
            data = b""
            while b"<stream:stream" not in data or not data.rstrip().endswith(b">"):
                data += c.recv(4096)
            ok = ("xmlns='%s'" % ns).encode() in data
            c.sendall(("<stream:stream xmlns='%s' xmlns:stream='http://etherx.jabber.org/streams' "
                       "version='1.0'><stream:features>%s</stream:features>" %
                       (ns, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>" if ok else "")).encode())
            data = b""
            while ok and b"<starttls" not in data:
                data += c.recv(4096)
            if ok:
                c.sendall(b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
                ctx.wrap_socket(c, server_side=True).close()
        except (OSError, ssl.SSLError):
            pass
        c.close()

ports = []
for ns, cert, key in (("jabber:client", sys.argv[2], sys.argv[3]), ("jabber:server", sys.argv[4], sys.argv[5])):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    ports.append(str(s.getsockname()[1]))
    threading.Thread(target=serve, args=(s, ns, ctx), daemon=True).start()
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(" ".join(ports) + "\nready\n")
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
threading.Event().wait()
PY
python3 "$W/xmpp.py" "$W/xmpp.ports" "$W/xmpp.pem" "$W/xmpp.key" "$W/s2s.pem" "$W/s2s.key" 2> "$W/xmpp.err" &
XMPP_PID=$!
on_exit "kill $XMPP_PID; wait $XMPP_PID"
wait_file 15 "$W/xmpp.ports" '^ready$' || { cat "$W/xmpp.err" >&2; exit 1; }
read -r PORT_c2s PORT_s2s < "$W/xmpp.ports"
cat > "$W/imp.conf" <<CONF
state_dir = "$W/state-imp";
probe_timeout = 2;
clusters = ( { name = "im"; product = "imp"; nodes = (
  { name = "imp1"; role = "publisher"; host = "127.0.0.1";
    probes = [ "cup-xmpp@$PORT_c2s", "cup-xmpp-s2s@$PORT_s2s" ]; } ); } );
CONF
"$UCCERT" -q -c "$W/imp.conf" --now "$NOW" scan --json > "$W/scan.json"
check "IM and Presence: cup-xmpp read after XMPP STARTTLS (jabber:client)" \
	assert_eq "$(fp "$W/xmpp.pem") 30 own" "$(row cup-xmpp "127.0.0.1:$PORT_c2s")"
check "IM and Presence: cup-xmpp-s2s read after XMPP STARTTLS (jabber:server)" \
	assert_eq "$(fp "$W/s2s.pem") 60 own" "$(row cup-xmpp-s2s "127.0.0.1:$PORT_s2s")"

finish
