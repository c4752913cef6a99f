#!/bin/sh
# probe.sh - the TLS probe engine (src/lib/probe.c) against real endpoints,
# all on loopback: openssl s_server with an RSA, an RSA + ECDSA, a
# client-certificate-requesting, -requiring and an anonymous configuration,
# and python3 listeners that reset, stay silent, never accept (full backlog)
# or answer in plain text. Each result's status and reason are checked, and
# each certificate's SHA-256 against what `openssl x509` says of the file.
# The runs with every target at once must last about one timeout, not the
# sum of them.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/live-lib.sh"

DRIVER="$top_builddir/tests/probe-driver"
TIMEOUT=2

# ---- certificates --------------------------------------------------------
"$MKCERT" --key "$W/rsa.key" --key-type rsa2048 -o "$W/rsa.pem" --cn rsa.probe.test
mint -o "$W/ec.pem" --cn ec.probe.test
"$MKCERT" --key "$W/sni.key" --key-type ec256 -o "$W/sni.pem" --cn sni.probe.test
EC_KEY=$KEY
# an ECDSA leaf signed by an RSA CA, as when an enterprise CA signs tomcat-ECDSA
"$MKCERT" --key "$W/ca.key" --key-type rsa2048 -o "$W/ca.pem" --ca --cn "Probe RSA CA"
mint -o "$W/ec-by-rsa.pem" --cn ec-by-rsa.probe.test --issuer-cert "$W/ca.pem" \
	--issuer-key "$W/ca.key"

fingerprint() { # FILE -> lowercase hex SHA-256 of the DER
	openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'
}
FP_RSA=$(fingerprint "$W/rsa.pem")
FP_EC=$(fingerprint "$W/ec.pem")
FP_SNI=$(fingerprint "$W/sni.pem")
FP_EC_BY_RSA=$(fingerprint "$W/ec-by-rsa.pem")

tls_server rsa 127.0.0.1 -cert "$W/rsa.pem" -key "$W/rsa.key"
tls_server dual 127.0.0.1 -cert "$W/rsa.pem" -key "$W/rsa.key" -dcert "$W/ec.pem" -dkey "$EC_KEY"
tls_server dual12 127.0.0.1 -no_tls1_3 -cert "$W/rsa.pem" -key "$W/rsa.key" \
	-dcert "$W/ec.pem" -dkey "$EC_KEY"
tls_server ec 127.0.0.1 -cert "$W/ec.pem" -key "$EC_KEY"
tls_server dualca 127.0.0.1 -cert "$W/rsa.pem" -key "$W/rsa.key" \
	-dcert "$W/ec-by-rsa.pem" -dkey "$EC_KEY"
tls_server rsa12 127.0.0.1 -no_tls1_3 -cert "$W/rsa.pem" -key "$W/rsa.key"
tls_server request 127.0.0.1 -verify 1 -cert "$W/rsa.pem" -key "$W/rsa.key"
tls_server require13 127.0.0.1 -Verify 1 -cert "$W/rsa.pem" -key "$W/rsa.key"
tls_server require12 127.0.0.1 -no_tls1_3 -Verify 1 -cert "$W/rsa.pem" -key "$W/rsa.key"
tls_server anon 127.0.0.1 -no_tls1_3 -nocert -cipher 'aNULL:@SECLEVEL=0'
# the certificate for SNI "localhost", another one without SNI
tls_server sni 127.0.0.1 -cert "$W/rsa.pem" -key "$W/rsa.key" \
	-servername localhost -cert2 "$W/sni.pem" -key2 "$W/sni.key"
HAVE_V6=no
if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
	HAVE_V6=yes
	tls_server v6 '[::1]' -cert "$W/rsa.pem" -key "$W/rsa.key"
fi

# ---- endpoints that misbehave (one python3 process) ----------------------
cat > "$W/listeners.py" <<'PY'
import os, socket, ssl, struct, sys, threading, time

def listener(backlog):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(backlog)
    return s

held = []

def reset(s):		# accept, then close with SO_LINGER {1, 0}: an RST
    while True:
        c, _ = s.accept()
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()

def silent(s):		# accept and never say a word
    while True:
        held.append(s.accept()[0])

def plaintext(s):	# answer like a web server that speaks no TLS
    while True:
        c, _ = s.accept()
        c.sendall(b"HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        held.append(c)

# XMPP (RFC 6120): stream header, features, <starttls/>, <proceed/>, TLS.
# The stream's namespace must be the one the port expects (jabber:client on
# 5222, jabber:server on 5269): a wrong one gets a stream error.
tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
tls.load_cert_chain(sys.argv[2], sys.argv[3])

def read_until(c, marker):
    data = b""
    while marker not in data:
        chunk = c.recv(4096)
        if not chunk:
            raise EOFError
        data += chunk
    return data

def xmpp_conn(c, ns, offer):
    try:
        head = read_until(c, b"<stream:stream")
        while not head.rstrip().endswith(b">"):
            head += c.recv(4096)
        reply = ("<?xml version='1.0'?><stream:stream from='xmpp.probe.test' id='1' "
                 "version='1.0' xmlns='%s' xmlns:stream='http://etherx.jabber.org/streams'>" % ns)
        if ("xmlns='%s'" % ns).encode() not in head:
            c.sendall(reply.encode() + b"<stream:error><invalid-namespace "
                      b"xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>")
            return
        features = "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>" if offer else \
                   "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms>"
        # in two writes, as a server may: the probe must wait for the end
        c.sendall(reply.encode() + b"<stream:features>")
        time.sleep(0.05)
        c.sendall(features.encode() + b"</stream:features>")
        if not offer:
            held.append(c)
            return
        read_until(c, b"<starttls")
        c.sendall(b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        t = tls.wrap_socket(c, server_side=True)
        t.close()
    except (OSError, EOFError, ssl.SSLError):
        pass

def xmpp(ns, offer):
    def serve(s):
        while True:
            c, _ = s.accept()
            threading.Thread(target=xmpp_conn, args=(c, ns, offer), daemon=True).start()
    return serve

ports = {}
for name, serve in (("reset", reset), ("silent", silent), ("plaintext", plaintext),
                    ("xmpp", xmpp("jabber:client", True)),
                    ("xmpps2s", xmpp("jabber:server", True)),
                    ("xmppnotls", xmpp("jabber:client", False))):
    s = listener(16)
    ports[name] = s.getsockname()[1]
    threading.Thread(target=serve, args=(s,), daemon=True).start()

# never accepts: fill the backlog until a new connection no longer completes
full = listener(0)
ports["backlog"] = full.getsockname()[1]
for _ in range(16):
    c = socket.socket()
    c.settimeout(0.3)
    try:
        c.connect(("127.0.0.1", ports["backlog"]))
        held.append(c)
    except OSError:
        held.append(c)
        break
else:
    sys.exit("could not fill the backlog")

# a port nobody listens on: bound, never listening, so it stays ours
closed = socket.socket()
closed.bind(("127.0.0.1", 0))
ports["closed"] = closed.getsockname()[1]

with open(sys.argv[1] + ".tmp", "w") as f:
    for k, v in ports.items():
        f.write(f"{k} {v}\n")
    f.write("ready\n")
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    time.sleep(60)
PY
python3 "$W/listeners.py" "$W/ports" "$W/rsa.pem" "$W/rsa.key" 2> "$W/listeners.err" &
PY_PID=$!
on_exit "kill $PY_PID; wait $PY_PID"
wait_file 15 "$W/ports" '^ready$' || { cat "$W/listeners.err" >&2; exit 1; }
for k in reset silent plaintext backlog closed xmpp xmpps2s xmppnotls; do
	eval "PORT_$k=$(sed -n "s/^$k //p" "$W/ports")"
done

# ---- one run with every target at once ------------------------------------
# "bad..invalid" cannot be encoded as a DNS query, so the resolver rejects it
# without sending anything: no network beyond loopback is touched.
set -- \
	"127.0.0.1:$PORT_rsa" "127.0.0.1:$PORT_rsa:ecdsa" \
	"127.0.0.1:$PORT_dual" "127.0.0.1:$PORT_dual:ecdsa" \
	"127.0.0.1:$PORT_dual12" "127.0.0.1:$PORT_dual12:ecdsa" \
	"127.0.0.1:$PORT_rsa12:ecdsa" \
	"127.0.0.1:$PORT_ec" "127.0.0.1:$PORT_dualca" "127.0.0.1:$PORT_dualca:ecdsa" \
	"127.0.0.1:$PORT_request" "127.0.0.1:$PORT_require13" "127.0.0.1:$PORT_require12" \
	"127.0.0.1:$PORT_anon" \
	"localhost:$PORT_sni" "127.0.0.1:$PORT_sni" \
	"127.0.0.1:$PORT_reset" "127.0.0.1:$PORT_silent" "127.0.0.1:$PORT_plaintext" \
	"127.0.0.1:$PORT_backlog" "127.0.0.1:$PORT_closed" "bad..invalid:443" \
	"127.0.0.1:0" \
	"127.0.0.1:$PORT_xmpp:xmpp" "127.0.0.1:$PORT_xmpps2s:xmpp-server" \
	"127.0.0.1:$PORT_xmpps2s:xmpp" "127.0.0.1:$PORT_xmppnotls:xmpp" "127.0.0.1:$PORT_xmpp"
[ "$HAVE_V6" = no ] || set -- "$@" "[::1]:$PORT_v6"
NTARGETS=$#
"$DRIVER" --timeout "$TIMEOUT" --concurrency "$NTARGETS" "$@" > "$W/out"
cat "$W/out"

field() { # TARGET COLUMN: one column of TARGET's line
	awk -F '\t' -v t="$1" -v c="$2" '$1 == t { print $c }' "$W/out"
}
# expect TARGET STATUS REASON [SHA256]: REASON is a prefix of the reason
expect() {
	_st=$(field "$1" 2)
	_why=$(field "$1" 3)
	assert_eq "$2" "$_st" || return 1
	case "$_why" in
	"$3"*) ;;
	*) assert_eq "$3..." "$_why"; return 1 ;;
	esac
	[ $# -lt 4 ] || assert_eq "$4" "$(field "$1" 7)"
}

# IM and Presence: cup-xmpp on 5222, cup-xmpp-s2s on 5269 speak TLS after
# XMPP STARTTLS only
check "XMPP client stream: STARTTLS, then the leaf" \
	expect "127.0.0.1:$PORT_xmpp:xmpp" ok TLS "$FP_RSA"
check "XMPP server-to-server stream: STARTTLS with jabber:server, then the leaf" \
	expect "127.0.0.1:$PORT_xmpps2s:xmpp-server" ok TLS "$FP_RSA"
check "XMPP stream in the wrong namespace: the stream error is reported" \
	expect "127.0.0.1:$PORT_xmpps2s:xmpp" error "XMPP server refused STARTTLS"
check "XMPP server without STARTTLS: said so" \
	expect "127.0.0.1:$PORT_xmppnotls:xmpp" error "XMPP server does not offer STARTTLS"
check "XMPP port probed with plain TLS: times out, as before STARTTLS support" \
	expect "127.0.0.1:$PORT_xmpp" timeout "timed out after"
check "RSA-only server: RSA leaf" \
	expect "127.0.0.1:$PORT_rsa" ok "TLSv1.3 " "$FP_RSA"
check "RSA-only server: subject and key type decoded as for files" \
	assert_eq "CN=rsa.probe.test RSA" "$(field "127.0.0.1:$PORT_rsa" 5) $(field "127.0.0.1:$PORT_rsa" 6)"
check "RSA-only server, ECDSA-only probe: not-ecdsa" \
	expect "127.0.0.1:$PORT_rsa:ecdsa" not-ecdsa "no ECDSA certificate: TLS alert: handshake failure" -
check "RSA + ECDSA server, plain probe: the RSA leaf" \
	expect "127.0.0.1:$PORT_dual" ok "TLSv1.3 " "$FP_RSA"
check "RSA + ECDSA server, ECDSA probe: the EC leaf" \
	expect "127.0.0.1:$PORT_dual:ecdsa" ok "TLSv1.3 " "$FP_EC"
check "ECDSA leaf decoded: subject and key type" \
	assert_eq "CN=ec.probe.test EC" "$(field "127.0.0.1:$PORT_dual:ecdsa" 5) $(field "127.0.0.1:$PORT_dual:ecdsa" 6)"
check "TLS 1.2 RSA + ECDSA server, plain probe: RSA leaf, RSA suite" \
	expect "127.0.0.1:$PORT_dual12" ok "TLSv1.2 ECDHE-RSA-" "$FP_RSA"
check "TLS 1.2 RSA + ECDSA server, ECDSA probe: EC leaf, ECDSA suite" \
	expect "127.0.0.1:$PORT_dual12:ecdsa" ok "TLSv1.2 ECDHE-ECDSA-" "$FP_EC"
check "TLS 1.2 RSA-only server, ECDSA probe: not-ecdsa" \
	expect "127.0.0.1:$PORT_rsa12:ecdsa" not-ecdsa "no ECDSA certificate: TLS alert: handshake failure" -
check "ECDSA-only server, plain probe: the EC leaf all the same" \
	expect "127.0.0.1:$PORT_ec" ok "TLSv1.3 " "$FP_EC"
check "RSA + CA-signed ECDSA (RSA CA) server, plain probe: RSA leaf" \
	expect "127.0.0.1:$PORT_dualca" ok "TLSv1.3 " "$FP_RSA"
check "RSA + CA-signed ECDSA (RSA CA) server, ECDSA probe: the EC leaf" \
	expect "127.0.0.1:$PORT_dualca:ecdsa" ok "TLSv1.3 " "$FP_EC_BY_RSA"
check "server requesting a client certificate: handshake completes without one" \
	expect "127.0.0.1:$PORT_request" ok "TLSv1.3 " "$FP_RSA"
check "TLS 1.3 server requiring a client certificate: leaf read" \
	expect "127.0.0.1:$PORT_require13" ok "TLSv1.3 " "$FP_RSA"
check "TLS 1.2 server requiring a client certificate: leaf kept, alert told" \
	expect "127.0.0.1:$PORT_require12" ok \
	"certificate received, then TLS alert: handshake failure" "$FP_RSA"
check "anonymous-only server: no-cert" \
	expect "127.0.0.1:$PORT_anon" no-cert "server sent no certificate (TLSv1.2 ADH-" -
check "host name: resolved, SNI sent (the server's localhost certificate)" \
	expect "localhost:$PORT_sni" ok "TLSv1.3 " "$FP_SNI"
check "IP literal: no SNI (the server's default certificate)" \
	expect "127.0.0.1:$PORT_sni" ok "TLSv1.3 " "$FP_RSA"
check "connection reset" \
	expect "127.0.0.1:$PORT_reset" reset "connection reset by peer" -
check "accepts, never speaks: timeout in the handshake" \
	expect "127.0.0.1:$PORT_silent" timeout "timed out after $TIMEOUT s during TLS handshake" -
check "plain-text server: error says so" \
	expect "127.0.0.1:$PORT_plaintext" error "TLS handshake failed: wrong version number" -
check "full backlog: timeout in TCP connect" \
	expect "127.0.0.1:$PORT_backlog" timeout "timed out after $TIMEOUT s during TCP connect" -
check "closed port: refused" \
	expect "127.0.0.1:$PORT_closed" refused "connection refused" -
check "unresolvable name: resolve error" \
	expect "bad..invalid:443" resolve "cannot resolve bad..invalid: " -
check "port 0: rejected" \
	expect "127.0.0.1:0" error "invalid port 0" -
if [ "$HAVE_V6" = yes ]; then
	check "IPv6 ::1" expect "[::1]:$PORT_v6" ok "TLSv1.3 " "$FP_RSA"
fi

# Every target ran at once: the run lasts one timeout (the silent and the
# backlog endpoints), not the sum; each timeout fired on time.
total=$(awk -F '\t' '$1 == "total" { print $2 }' "$W/out")
within() { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo && v < hi) }'; }
check "$NTARGETS targets, concurrency $NTARGETS: wall time $total s in [$TIMEOUT, $((2 * TIMEOUT)))" \
	within "$total" "$TIMEOUT" $((2 * TIMEOUT))
check "a timed-out probe took its timeout" \
	within "$(field "127.0.0.1:$PORT_silent" 4)" "$TIMEOUT" $((TIMEOUT + 1))
check "the other probes did not wait for it" \
	within "$(field "127.0.0.1:$PORT_dual:ecdsa" 4)" 0 1

# Concurrency bounds the run: 3 silent targets, 2 at a time, 1 s each, take
# two rounds (about 2 s); never three.
"$DRIVER" --timeout 1 --concurrency 2 "127.0.0.1:$PORT_silent" "127.0.0.1:$PORT_silent" \
	"127.0.0.1:$PORT_silent" > "$W/out2"
total2=$(awk -F '\t' '$1 == "total" { print $2 }' "$W/out2")
check "3 silent targets, concurrency 2, timeout 1 s: $total2 s in [2, 3)" within "$total2" 2 3
check "all three timed out" \
	assert_eq 3 "$(grep -c "	timeout	timed out after 1 s during TLS handshake	" "$W/out2")"

# The servers still work after all that (no connection left half-open).
"$DRIVER" --timeout "$TIMEOUT" "127.0.0.1:$PORT_dual:ecdsa" "127.0.0.1:$PORT_dual" > "$W/out3"
check "probing again: same leaves" \
	assert_eq "$FP_EC $FP_RSA" "$(awk -F '\t' 'NF == 7 { printf "%s%s", s, $7; s = " " }' "$W/out3")"

finish
