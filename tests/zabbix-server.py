"""Drive a real Zabbix 6.0 server through its JSON-RPC API and compare what an
operator sees with `uccert scan --json`. Usage:

  zabbix-server.py setup TEMPLATE SNMP_PORT     import twice, create the host
  zabbix-server.py step LABEL SCAN_JSON [GONE]  discover, poll, compare; GONE:
                                                 a file of event ids that must be
                                                 resolved now (written by the
                                                 previous step for each problem)
  zabbix-server.py traps TRAPPER_FILE           trap items hold every trap
  zabbix-server.py scalars                      every polled item has a value

State (host and item ids) is kept in $Z/zbx-state.json. Prints what it sees;
what is wrong goes to stderr and makes the exit status 1."""
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
api_mod = __import__("zabbix-api")
API = api_mod.Api()
Z = os.environ["Z"]
STATE = os.path.join(Z, "zbx-state.json")
TEMPLATE_NAME = "UCCERT certificate expiry by SNMP"
SEVERITY = {"0": "NOT CLASSIFIED", "1": "INFORMATION", "2": "WARNING", "3": "AVERAGE",
            "4": "HIGH", "5": "DISASTER"}
STATE_NUM = {"valid": 1, "expiring": 2, "expired": 3, "unreadable": 4}
IMPACT_NUM = {"none": 1, "ctl-itl": 2, "unknown": 3}
WARN, HIGH = 90, 30
errors = []


def err(msg):
    errors.append(msg)
    print("  " + msg, file=sys.stderr)


def call(method, params):
    return API.call(method, params)


def load():
    with open(STATE) as f:
        return json.load(f)


def save(st):
    with open(STATE, "w") as f:
        json.dump(st, f)


def check_now(itemids):
    """ask the server to poll these items (or run these discovery rules) now"""
    if itemids:
        call("task.create", [{"type": 6, "request": {"itemid": i}} for i in itemids])


# ---- setup ----
def do_import(path):
    with open(path, encoding="utf-8") as f:
        source = f.read()
    cud = {"createMissing": True, "updateExisting": True, "deleteMissing": True}
    rules = {"groups": {"createMissing": True},
             "templates": {"createMissing": True, "updateExisting": True},
             "items": cud, "triggers": cud, "discoveryRules": cud, "valueMaps": cud,
             "templateDashboards": cud, "templateLinkage": {"createMissing": True}}
    return call("configuration.import", {"format": "yaml", "rules": rules, "source": source})


def export(templateid):
    out = call("configuration.export", {"format": "json", "options": {"templates": [templateid]}})
    doc = json.loads(out)["zabbix_export"]
    doc.pop("date", None)
    return doc


def setup(template, port):
    do_import(template)
    tpl = call("template.get", {"filter": {"host": [TEMPLATE_NAME]}, "output": ["templateid"]})
    if len(tpl) != 1:
        err(f"template {TEMPLATE_NAME} not found after import")
        return
    tid = tpl[0]["templateid"]
    first = export(tid)
    do_import(template)
    if export(tid) != first:
        err("importing the template a second time changes it")
    else:
        print("imported twice, the second import changes nothing")
    groupid = call("hostgroup.create", {"name": "uccert test"})["groupids"][0]
    hostid = call("host.create", {
        "host": "uccert-monitor", "groups": [{"groupid": groupid}],
        "templates": [{"templateid": tid}],
        "interfaces": [{"type": 2, "main": 1, "useip": 1, "ip": "127.0.0.1", "dns": "",
                        "port": str(port), "details": {"version": 2, "bulk": 1,
                                                       "community": "public"}}]})["hostids"][0]
    # the server's own host (no agent here) would only keep the pollers busy
    own = call("host.get", {"filter": {"host": ["Zabbix server"]}, "output": ["hostid"]})
    if own:
        call("host.update", {"hostid": own[0]["hostid"], "status": 1})
    save({"hostid": hostid, "templateid": tid})
    print(f"host {hostid} linked to template {tid}")


# ---- what the server shows ----
def items(hostid, **extra):
    p = {"hostids": [hostid], "output": ["itemid", "key_", "name", "type", "lastvalue", "lastclock",
                                         "state", "error", "flags", "value_type"]}
    p.update(extra)
    return call("item.get", p)


def rules(hostid):
    return call("discoveryrule.get", {"hostids": [hostid], "output": ["itemid", "key_", "state",
                                                                       "error", "lastclock"]})


def rows_from_items(its):
    """{index: {node, unit, subject, days, state, impact}} from discovered items"""
    rows = {}
    for it in its:
        m = re.fullmatch(r"uccert\.cert\.(days|state|impact|subject)\[(\d+)\]", it["key_"])
        if not m:
            continue
        field, idx = m.groups()
        row = rows.setdefault(idx, {})
        nm = re.match(r"(\S+) (\S+) \[\d+\]:", it["name"])
        if nm:
            row["node"], row["unit"] = nm.groups()
        row[field] = it["lastvalue"] if it["lastclock"] != "0" else None
        row.setdefault("clock", {})[field] = int(it["lastclock"])
    return rows


def expected_severity(c):
    """the one problem the scan row implies: None or a Zabbix severity number"""
    state, impact, days = STATE_NUM[c["state"]], IMPACT_NUM.get(c["impact"], 3), c.get("days_left")
    if state == 4:
        return "3"
    if state == 3:
        return "5"
    if days is not None and (days <= HIGH or impact == 2 and days <= WARN):
        return "4"
    if days is not None and days <= WARN:
        return "2"
    return None


def scan_key(c):
    return (c["node"], c["unit"], c.get("subject") or "")


def row_key(r):
    return (r.get("node"), r.get("unit"), r.get("subject") or "")


def cert_problems(hostid):
    """open problems of certificate triggers: [(index, severity, name, eventid)]"""
    probs = call("problem.get", {"hostids": [hostid], "output": ["eventid", "objectid", "name",
                                                                 "severity"]})
    if not probs:
        return [], []
    trig = call("trigger.get", {"triggerids": [p["objectid"] for p in probs],
                                "output": ["triggerid"], "selectItems": ["key_"]})
    keys = {t["triggerid"]: [i["key_"] for i in t["items"]] for t in trig}
    out, other = [], []
    for p in probs:
        idx = {re.search(r"\[(\d+)\]$", k).group(1) for k in keys.get(p["objectid"], [])
               if k.startswith("uccert.cert.")}
        if len(idx) == 1:
            out.append((idx.pop(), p["severity"], p["name"], p["eventid"]))
        else:
            other.append((p["severity"], p["name"]))
    return out, other


def compare(hostid, scan, since):
    """'' when the server shows the scan, else what differs"""
    its = items(hostid)
    rows = rows_from_items(its)
    want = sorted(scan_key(c)[:2] for c in scan)
    got = sorted(row_key(r)[:2] for r in rows.values())
    if got != want:
        return f"discovered rows {got}, scan rows {want}"
    for idx, r in rows.items():
        # (the subject discards unchanged values: its clock stays)
        if min(r["clock"].get(f, 0) for f in ("days", "state", "impact")) < since:
            return f"[{idx}] not polled since the step began"
    want = sorted(scan_key(c) for c in scan)
    got = sorted(row_key(r) for r in rows.values())
    if got != want:
        return f"polled rows {got}, scan rows {want}"
    by_key = {scan_key(c): c for c in scan}
    for idx, r in rows.items():
        c = by_key[row_key(r)]
        if int(float(r["days"])) != c["days_left"] and c["state"] != "unreadable":
            return f"[{idx}] days {r['days']}, scan {c['days_left']}"
        if int(r["state"]) != STATE_NUM[c["state"]]:
            return f"[{idx}] state {r['state']}, scan {c['state']}"
        if int(r["impact"]) != IMPACT_NUM.get(c["impact"], 3):
            return f"[{idx}] impact {r['impact']}, scan {c['impact']}"
    unsupported = [f"{i['key_']}: {i['error']}" for i in its if i["state"] == "1"]
    if unsupported:
        return f"unsupported items {unsupported}"
    probs, _ = cert_problems(hostid)
    per = {}
    for idx, sev, name, _ in probs:
        per.setdefault(idx, []).append(sev)
    for idx, r in rows.items():
        w = expected_severity(by_key[row_key(r)])
        if per.get(idx, []) != ([w] if w else []):
            return (f"[{idx}] {row_key(r)}: problems {[SEVERITY[s] for s in per.get(idx, [])]}, "
                    f"expected {SEVERITY[w] if w else 'none'}")
    stray = set(per) - set(rows)
    if stray:
        return f"problems of rows no longer discovered: {sorted(stray)}"
    return ""


def step(label, scan_file, gone_file=None):
    st = load()
    hostid = st["hostid"]
    with open(scan_file) as f:
        scan = json.load(f)
    t0 = time.time()
    since = int(t0)
    last_lld = last_poll = 0
    why = "nothing compared yet"
    while time.time() - t0 < 120:
        rl = rules(hostid)
        if why == "nothing compared yet" or why.startswith("discovered rows"):
            # (again, while the rows differ: uccertd may still have been scanning)
            if time.time() - last_lld > 6:
                check_now([r["itemid"] for r in rl])
                last_lld = time.time()
        elif time.time() - last_poll > 4:
            # the discovered items, once the configuration cache has them
            its = items(hostid, filter={"type": ["20"]})
            check_now([i["itemid"] for i in its if int(i["lastclock"]) < since])
            last_poll = time.time()
        why = compare(hostid, scan, since)
        if not why:
            break
        time.sleep(1)
    took = time.time() - t0
    if why:
        err(f"{label}: after {took:.0f} s: {why}")
        for r in rules(hostid):
            if r["state"] == "1":
                err(f"{label}: discovery {r['key_']} not supported: {r['error']}")
        probs, other = cert_problems(hostid)
        for p in probs:
            print(f"    open: [{p[0]}] {SEVERITY[p[1]]} {p[2]}", file=sys.stderr)
        return
    probs, other = cert_problems(hostid)
    print(f"{label}: the server shows the scan after {took:.0f} s; "
          f"{len(scan)} certificates, {len(probs)} problems:")
    for idx, sev, name, _ in sorted(probs):
        print(f"    [{idx}] {SEVERITY[sev]}: {name}")
        if re.search(r"\{ITEM\.|\*UNKNOWN\*|\d+ days left", name):
            err(f"{label}: problem name with figures or unresolved macros: {name}")
    for sev, name in other:
        print(f"    (host) {SEVERITY[sev]}: {name}")
    if gone_file and os.path.exists(gone_file):
        with open(gone_file) as f:
            before = json.load(f)
        now_open = {p[3] for p in probs}
        rows = rows_from_items(items(hostid))
        for eventid, (idx, name) in before.items():
            if eventid in now_open and idx not in rows:
                err(f"{label}: problem of a row no longer discovered still open: {name}")
            elif idx not in rows:
                print(f"    resolved with its row [{idx}]: {name}")
    st["last_problems"] = {p[3]: (p[0], p[2]) for p in probs}
    save(st)
    if gone_file:
        with open(gone_file, "w") as f:
            json.dump(st["last_problems"], f)


def scalars():
    st = load()
    hostid = st["hostid"]
    t0 = time.time()
    missing = ["?"]
    while time.time() - t0 < 60:
        its = [i for i in items(hostid) if i["type"] in ("20", "18")]
        missing = [i for i in its if i["lastclock"] == "0" or i["state"] == "1"]
        if not missing:
            break
        check_now([i["itemid"] for i in its if i["type"] == "20" and
                   (i["key_"] == "uccert.scan.errors" or i in missing)])
        time.sleep(3)
    if missing:
        err("items without a value: " + ", ".join(f"{i['key_']} {i['error']}" for i in missing))
    else:
        print(f"all {len(its)} polled items have a value after {time.time() - t0:.0f} s")


def traps(trapper_file):
    """each UCCERT notification written for the server lands in its trap item"""
    st = load()
    hostid = st["hostid"]
    kinds = {"uccertExpiring": r"\.1\.3\.6\.1\.4\.1\.8072\.9999\.9999\.7\.0\.1\b",
             "uccertExpired": r"\.1\.3\.6\.1\.4\.1\.8072\.9999\.9999\.7\.0\.2\b",
             "uccertCleared": r"\.1\.3\.6\.1\.4\.1\.8072\.9999\.9999\.7\.0\.3\b"}
    with open(trapper_file, encoding="utf-8", errors="replace") as f:
        records = re.split(r"(?m)^(?=\S+ ZBXTRAP )", f.read())
    sent = {k: sum(1 for r in records if re.search(rx, r)) for k, rx in kinds.items()}
    t0 = time.time()
    got = {}
    while time.time() - t0 < 30:
        its = [i for i in items(hostid) if i["type"] == "17"]
        got = {}
        for i in its:
            n = len(call("history.get", {"itemids": [i["itemid"]], "history": 2,
                                         "output": ["clock"]}))
            kind = next((k for k in kinds if k in i["key_"]), i["key_"])
            got[kind] = n
        if got == sent:
            break
        time.sleep(2)
    print(f"traps written for the server {sent}, values in the trap items {got}")
    if got != sent or not all(sent.values()):
        err(f"trap items hold {got}, the trap handler wrote {sent}")


if __name__ == "__main__":
    try:
        {"setup": setup, "step": step, "traps": traps, "scalars": scalars}[sys.argv[1]](*sys.argv[2:])
    except api_mod.ApiError as e:
        err(str(e))
    sys.exit(1 if errors else 0)
