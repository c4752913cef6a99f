#!/usr/bin/env python3
"""api-server.py - a local stand-in for the CUCM 14+ Certificate Management
REST API, for tests/certapi.sh. Python 3 standard library only.

    api-server.py --cert PEM --key PEM --data DIR --credentials FILE
                  --port-file FILE [--log FILE]

Listens on 127.0.0.1 (an ephemeral port, written to --port-file once ready)
with HTTPS, and enforces HTTP Basic authentication against the single
"user:password" line of --credentials (read from the file, never from argv).

DIR is laid out like a node's certificate directory: DIR/<unit>/<file>.
Units without "-trust" are identities (DIR/tomcat/tomcat.pem); the others are
trust stores, listed under their base service as the platform does
("tomcat-trust" -> service "tomcat").

GET <prefix>/platformcom/api/v1/certmgr/config/snapshot/server, where the
prefix picks a behaviour (the client's url is https://127.0.0.1:PORT<prefix>):
    (none)         the snapshot
    /unauthorized  401, whatever the credentials
    /error         500            /unavailable  503
    /malformed     200, JSON with a syntax error at offset 16
    /notjson       200, an HTML page
    /scalar        200, the JSON document 123
    /notsnapshot   200, a JSON object without identities or trusts
    /badarray      200, "identities" is an object
    /empty         200, no body
    /truncated     200, Content-Length 1000 bytes larger than what is sent
    /badpem        the snapshot plus tomcat-trust/broken.pem that is no PEM
    /odd           the snapshot plus elements with missing or odd fields
    /slow          answers after 60 s
    /huge          17 MiB announced by Content-Length
    /huge-stream   17 MiB without Content-Length (connection close delimits)
    /redirect      302 to another loopback address
Any other path: 404, as on a release without the API.
--log gets one line per request: path, auth result, user, Accept, User-Agent.
"""
import argparse
import base64
import http.server
import json
import os
import ssl
import sys
import threading
import time

API_PATH = "/platformcom/api/v1/certmgr/config/snapshot/server"


def read_text(path):
    with open(path, encoding="ascii", errors="replace") as f:
        return f.read()


def build_snapshot(data_dir):
    identities, trusts = [], []
    for unit in sorted(os.listdir(data_dir)):
        udir = os.path.join(data_dir, unit)
        if not os.path.isdir(udir):
            continue
        if unit.endswith("-trust"):
            files = [{"filename": name, "certificate": read_text(os.path.join(udir, name))}
                     for name in sorted(os.listdir(udir))]
            trusts.append({"service": unit[:-len("-trust")], "certificate_data": files})
        else:
            identities.append({"service": unit,
                               "certificate": read_text(os.path.join(udir, unit + ".pem"))})
    return {"trackingId": "UCCERT-TEST-0001", "server": "cucm-test",
            "identities": identities, "trusts": trusts, "revokedCertificates": []}


def odd_snapshot(snap):
    """The snapshot plus one element of each odd kind the client must skip
    (or map) without failing the whole fetch."""
    snap = json.loads(json.dumps(snap))
    good = snap["identities"][0]["certificate"]
    snap["identities"] += [
        "not an object",
        {"certificate": good},                          # no service
        {"service": 42, "certificate": good},           # service not a string
        {"service": "ITLRecovery"},                     # no certificate
        {"service": "CAPF-old", "certificate": None},   # null certificate
        {"service": "../etc", "certificate": good},     # not a usable name
        {"service": "TOMCAT-ecdsa", "certificate": good},  # catalog spelling
    ]
    snap["trusts"] += [
        {"service": "Phone-VPN-trust", "certificate_data": [   # already "-trust"
            {"filename": "vpn-head.pem", "certificate": good}]},
        {"service": "directory", "certificate_data": [
            {"certificate": good},                      # no filename
            {"filename": "../escape.pem", "certificate": good},
            {"filename": "nothing.pem", "certificate": ""},
            {"filename": "ldap-ca.pem", "certificate": good}]},
        {"service": "CAPF", "certificate_data": "not an array"},
        {"certificate_data": []},                       # no service
    ]
    return snap


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "uccert-test-api/1.0"
    sys_version = ""

    def log_message(self, fmt, *args):  # quiet: requests go to --log
        pass

    def record(self, auth):
        if not self.server.log:
            return
        line = "%s auth=%s user=%s accept=%s agent=%s\n" % (
            self.path, auth, self.auth_user or "-", self.headers.get("Accept", "-"),
            self.headers.get("User-Agent", "-"))
        with self.server.log_lock, open(self.server.log, "a") as f:
            f.write(line)

    def check_auth(self):
        self.auth_user = None
        h = self.headers.get("Authorization", "")
        if not h.startswith("Basic "):
            return "none"
        try:
            user, _, password = base64.b64decode(h[6:], validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return "garbled"
        self.auth_user = user
        return "ok" if (user, password) == self.server.expected else "bad"

    def send(self, code, body=b"", ctype="application/json", extra=()):
        self.send_response(code)
        if body or code == 200:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        auth = self.check_auth()
        self.record(auth)
        prefix = self.path[:-len(API_PATH)] if self.path.endswith(API_PATH) else None
        if prefix is None or prefix not in ROUTES:
            page = b"<html><body><h1>HTTP Status 404 - Not Found</h1></body></html>"
            return self.send(404, page, "text/html")
        if prefix == "/unauthorized" or auth != "ok":
            return self.send(401, b"<html><body>401 Unauthorized</body></html>", "text/html",
                             [("WWW-Authenticate", 'Basic realm="Cisco Platform"')])
        ROUTES[prefix](self)

    # ---- routes
    def snapshot(self, snap=None):
        snap = snap or build_snapshot(self.server.data)
        self.send(200, json.dumps(snap, indent=2).encode())

    def badpem(self):
        snap = build_snapshot(self.server.data)
        for t in snap["trusts"]:
            if t["service"] == "tomcat":
                t["certificate_data"].append({
                    "filename": "broken.pem",
                    "certificate": "-----BEGIN CERTIFICATE-----\nthis is not base64!\n"
                                   "-----END CERTIFICATE-----\n"})
        self.snapshot(snap)

    def truncated(self):
        body = json.dumps(build_snapshot(self.server.data)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body) + 1000))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True

    def slow(self):
        time.sleep(60)
        self.snapshot()

    def huge(self, announce=True):
        chunk = b" " * (1 << 20)
        total = 17 << 20
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if announce:
            self.send_header("Content-Length", str(total))
        self.end_headers()
        try:
            for _ in range(total // len(chunk)):
                self.wfile.write(chunk)
        except OSError:
            pass  # the client gave up, as it should
        self.close_connection = True

    def redirect(self):
        port = self.server.server_address[1]
        self.send(302, b"", extra=[("Location", "https://127.0.0.2:%d%s" % (port, API_PATH))])


ROUTES = {
    "": Handler.snapshot,
    "/unauthorized": None,
    "/error": lambda h: h.send(500, b'{"message": "internal error"}'),
    "/unavailable": lambda h: h.send(503, b"<html>Service Unavailable</html>", "text/html"),
    "/malformed": lambda h: h.send(200, b'{"identities": [}, "trusts": []}'),
    "/notjson": lambda h: h.send(200, b"<html><body>Please log in</body></html>", "text/html"),
    "/scalar": lambda h: h.send(200, b"123"),
    "/notsnapshot": lambda h: h.send(200, b'{"status": "ok"}'),
    "/badarray": lambda h: h.send(200, b'{"identities": {}, "trusts": []}'),
    "/empty": lambda h: h.send(200, b""),
    "/truncated": Handler.truncated,
    "/badpem": Handler.badpem,
    "/odd": lambda h: h.snapshot(odd_snapshot(build_snapshot(h.server.data))),
    "/slow": Handler.slow,
    "/huge": Handler.huge,
    "/huge-stream": lambda h: h.huge(announce=False),
    "/redirect": Handler.redirect,
}


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def finish_request(self, request, client_address):
        # the TLS handshake runs in the request's thread: a client that
        # rejects our certificate costs one thread, not the accept loop
        request.settimeout(90)
        tls = self.ctx.wrap_socket(request, server_side=True)
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        sys.stderr.write("api-server: %s: %s\n" % (client_address[0], exc))


def main():
    p = argparse.ArgumentParser(description="local CUCM certificate API stand-in")
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--credentials", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--log")
    a = p.parse_args()

    with open(a.credentials) as f:
        user, _, password = f.readline().rstrip("\r\n").partition(":")

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    srv = Server(("127.0.0.1", 0), Handler)
    srv.ctx = ctx
    srv.data = a.data
    srv.expected = (user, password)
    srv.log = a.log
    srv.log_lock = threading.Lock()
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
