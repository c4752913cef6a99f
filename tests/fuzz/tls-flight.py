#!/usr/bin/env python3
"""tls-flight.py CERT KEY [ecdsa] - print the bytes a TLS 1.2 server sends
first (ServerHello, Certificate, ServerKeyExchange, ServerHelloDone) when
holding CERT and KEY, for the probe fuzz target's seeds. Both ends run in
memory: nothing listens, nothing is verified."""
import ssl
import sys

cert, key = sys.argv[1], sys.argv[2]
server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
server.load_cert_chain(cert, key)
# TLS 1.2: the certificate travels in clear, so it still parses when the
# probe's own ClientHello differs from this one
server.maximum_version = ssl.TLSVersion.TLSv1_2
client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
client.check_hostname = False
client.verify_mode = ssl.CERT_NONE
# the probe offers no session ticket and no ALPN: an answer carrying one
# would be refused at the ServerHello
client.options |= ssl.OP_NO_TICKET
server.options |= ssl.OP_NO_TICKET
if len(sys.argv) > 3 and sys.argv[3] == "ecdsa":
    client.set_ciphers("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384")

c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
c = client.wrap_bio(c_in, c_out)
s = server.wrap_bio(s_in, s_out, server_side=True)
try:
    c.do_handshake()
except ssl.SSLWantReadError:
    pass
s_in.write(c_out.read())
try:
    s.do_handshake()
except ssl.SSLWantReadError:
    pass
flight = s_out.read()
if not flight:
    sys.exit("tls-flight: the server sent nothing")
sys.stdout.buffer.write(flight)
