"""Minimal Zabbix 6.0 JSON-RPC client for the tests.

As a program: zabbix-api.py METHOD PARAMS-JSON prints the result as JSON.
As a module: Api(url).call(method, params). Logs in as the default Admin of a
fresh installation; the session id is kept in $ZBX_URL's directory-less file
given by ZBX_SESSION (if set) so that shell calls share one login."""
import json
import os
import sys
import urllib.request


class ApiError(Exception):
    pass


class Api:
    def __init__(self, url=None):
        self.url = url or os.environ["ZBX_URL"]
        self.auth = None
        self.session_file = os.environ.get("ZBX_SESSION")
        self.n = 0

    def raw(self, method, params, auth=None):
        self.n += 1
        body = {"jsonrpc": "2.0", "method": method, "params": params, "id": self.n}
        if auth:
            body["auth"] = auth
        req = urllib.request.Request(self.url, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json-rpc"})
        with urllib.request.urlopen(req, timeout=300) as r:
            answer = json.loads(r.read().decode())
        if "error" in answer:
            e = answer["error"]
            raise ApiError(f"{method}: {e.get('message')} {e.get('data')}")
        return answer["result"]

    def login(self):
        if self.auth:
            return self.auth
        if self.session_file and os.path.exists(self.session_file):
            with open(self.session_file) as f:
                self.auth = f.read().strip()
            return self.auth
        self.auth = self.raw("user.login", {"username": "Admin", "password": "zabbix"})
        if self.session_file:
            with open(self.session_file, "w") as f:
                f.write(self.auth)
        return self.auth

    def call(self, method, params):
        if method in ("apiinfo.version",):
            return self.raw(method, params)
        return self.raw(method, params, self.login())


if __name__ == "__main__":
    try:
        print(json.dumps(Api().call(sys.argv[1], json.loads(sys.argv[2])), indent=1))
    except (ApiError, OSError) as e:
        print(e, file=sys.stderr)
        sys.exit(1)
