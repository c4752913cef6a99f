#!/bin/sh
# conf/zabbix/uccert_template.yaml, the Zabbix 6.0 template: checked against
# UCCERT-MIB as Net-SNMP resolves it (OIDs, value maps), against itself
# (macros, item keys, dependencies, uuids), its trigger ladder evaluated, its
# JavaScript run in Duktape (the engine Zabbix embeds), and then polled the
# way Zabbix polls it from a live uccertd behind a real snmpd, with the traps
# of a real snmptrapd matched against its snmptrap[] items.
# No Zabbix server runs here: what Zabbix itself would do (import, LLD,
# trigger evaluation) is emulated in the Python below.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/snmp-lib.sh"

TEMPLATE="$top_srcdir/conf/zabbix/uccert_template.yaml"
export TEMPLATE SNMP_MIBDIRS W top_srcdir

cat > "$W/zbx.py" <<'PY'
"""Checks of the Zabbix template; usage: zbx.py CHECK [ARGS...].
Prints what is wrong on stderr and exits 1 if anything is."""
import calendar
import json
import os
import re
import subprocess
import sys

import yaml

MIBDIRS = os.environ["SNMP_MIBDIRS"]
W = os.environ["W"]
errors = []


def err(msg):
    errors.append(msg)


with open(os.environ["TEMPLATE"], encoding="utf-8") as f:
    DOC = yaml.safe_load(f)
EXPORT = DOC["zabbix_export"]
TPL = EXPORT["templates"][0]
HOST = TPL["template"]
ITEMS = TPL.get("items", [])
RULES = TPL.get("discovery_rules", [])


def strings(node, skip=()):
    """every string value below node, except under the keys in skip"""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for k, v in node.items():
            if k not in skip:
                yield from strings(v, skip)
    elif isinstance(node, list):
        for v in node:
            yield from strings(v, skip)


def triggers():
    """(trigger, rule or None) for every trigger and trigger prototype"""
    for it in ITEMS:
        for t in it.get("triggers", []):
            yield t, None
    for t in TPL.get("triggers", []) + EXPORT.get("triggers", []):
        yield t, None
    for r in RULES:
        for p in r.get("item_prototypes", []):
            for t in p.get("trigger_prototypes", []):
                yield t, r
        for t in r.get("trigger_prototypes", []):
            yield t, r


# ---- Net-SNMP's view of UCCERT-MIB ----
def snmptranslate(*args):
    r = subprocess.run(["snmptranslate", "-M", MIBDIRS, "-m", "UCCERT-MIB"] + list(args),
                       capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr.strip()


_resolved = {}


def resolve(oid, instance=""):
    """Resolve a numeric OID (+ instance) to (name, definition text) of an
    object of UCCERT-MIB; None and an error if it is anything else."""
    num = "." + oid.lstrip(".")
    full = num + ("." + instance if instance else "")
    if full in _resolved:
        return _resolved[full]
    res = None
    rc, out, stderr = snmptranslate("-OS", "-Td", full)
    lines = out.splitlines()
    want = r"UCCERT-MIB::(\w+)" + re.escape("." + instance if instance else "")
    m = re.fullmatch(want, lines[0].strip()) if rc == 0 and lines else None
    if not m:
        err(f"{full}: {lines[0].strip() if lines else stderr}: not "
            f"{'an instance .' + instance + ' of ' if instance else ''}an object of UCCERT-MIB")
    else:
        name, defn = m.group(1), "\n".join(lines[1:])
        _, back, _ = snmptranslate("-On", "UCCERT-MIB::" + name)
        if not re.search(r"^\s*--\s*FROM\s+UCCERT-MIB\s*$", defn, re.M):
            err(f"{full}: {name} is not defined in UCCERT-MIB")
        elif back.strip() != num:
            err(f"{full}: UCCERT-MIB::{name} translates back to {back.strip()}")
        else:
            res = (name, defn)
    _resolved[full] = res
    return res


def parent(res):
    """the node above the object res = (name, definition)"""
    name, defn = res
    m = re.search(r"::= \{(.*)\}\s*$", defn)
    path = re.findall(r"(\w+)\(\d+\)", m.group(1)) if m else []
    if name in path:
        path = path[: path.index(name)]
    return path[-1] if path else ""


def readable(defn):
    return re.search(r"^\s*MAX-ACCESS\s+read-only\s*$", defn, re.M) is not None


def enumeration(defn):
    m = re.search(r"^\s*SYNTAX\s+INTEGER\s*\{(.*)\}", defn, re.M)
    if not m:
        return None
    return {v: k for k, v in re.findall(r"(\w+)\((-?\d+)\)", m.group(1))}


def notifications():
    """{name: numeric OID} of the NOTIFICATION-TYPEs of UCCERT-MIB"""
    _, tree, _ = snmptranslate("-Tp", "UCCERT-MIB::uccertNotifications")
    out = {}
    for name in re.findall(r"\+--(\w+)\(\d+\)", tree)[1:]:
        _, d, _ = snmptranslate("-Td", "UCCERT-MIB::" + name)
        if "NOTIFICATION-TYPE" in d:
            out[name] = snmptranslate("-On", "UCCERT-MIB::" + name)[1].strip()
    return out


def discovery_pairs(rule):
    m = re.fullmatch(r"discovery\[(.*)\]", rule.get("snmp_oid", ""))
    if not m:
        err(f"rule {rule['key']}: snmp_oid is not discovery[...]")
        return []
    parts = m.group(1).split(",")
    if len(parts) % 2:
        err(f"rule {rule['key']}: discovery[] needs macro,oid pairs")
    return list(zip(parts[0::2], parts[1::2]))


def rule_scripts(rule):
    """the JavaScript preprocessing of a discovery rule itself"""
    return [st["parameters"][0] for st in rule.get("preprocessing", []) if st["type"] == "JAVASCRIPT"]


def polled(rule=None):
    """(item, base OID, instance) of every SNMP item, or prototype of rule"""
    group = ITEMS if rule is None else rule.get("item_prototypes", [])
    for it in group:
        if it.get("type") != "SNMP_AGENT":
            continue
        oid = it.get("snmp_oid", "")
        if rule is None:
            if not oid.endswith(".0"):
                err(f"{it['key']}: {oid} is not a scalar instance (.0)")
                continue
            yield it, oid[:-2], "0"
        else:
            if not oid.endswith(".{#SNMPINDEX}"):
                err(f"{it['key']}: {oid} does not end in .{{#SNMPINDEX}}")
                continue
            yield it, oid[: -len(".{#SNMPINDEX}")], "1"


def object_keys(rule=None):
    """{MIB object name: item key} for the items (or prototypes of rule)"""
    out = {}
    for it, base, inst in polled(rule):
        r = resolve(base, inst)
        if r:
            out[r[0]] = it["key"]
    return out


# ---- checks ----
def c_parse():
    if str(EXPORT.get("version")) != "6.0":
        err(f"version is {EXPORT.get('version')!r}, not '6.0'")
    if len(EXPORT.get("templates", [])) != 1:
        err("not exactly one template")
    if "template_groups" in EXPORT:
        err("template_groups is Zabbix 6.2+; 6.0 has groups")
    groups = {g["name"] for g in EXPORT.get("groups", [])}
    for g in TPL.get("groups", []):
        if g["name"] not in groups:
            err(f"template group {g['name']} is not among the exported groups")
    keys = [it["key"] for it in ITEMS] + [p["key"] for r in RULES
                                          for p in r.get("item_prototypes", [])] + [r["key"] for r in RULES]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        err(f"item keys used twice: {sorted(dup)}")
    for it in ITEMS + [p for r in RULES for p in r.get("item_prototypes", [])] + RULES:
        if it.get("type") not in ("SNMP_AGENT", "SNMP_TRAP", "DEPENDENT"):
            err(f"{it['key']}: type {it.get('type')} (only SNMP and dependent items expected)")
        if it.get("type") == "DEPENDENT" and it.get("master_item", {}).get("key") not in keys:
            err(f"{it['key']}: master item {it.get('master_item')} does not exist")
        if it.get("type") == "SNMP_TRAP" and it.get("value_type") != "LOG":
            err(f"{it['key']}: SNMP trap item without value_type LOG")


def c_uuids():
    uuids = []

    def collect(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "uuid":
                    uuids.append(v)
                else:
                    collect(v)
        elif isinstance(node, list):
            for v in node:
                collect(v)
    collect(EXPORT)
    things = [TPL] + EXPORT.get("groups", []) + ITEMS + RULES + TPL.get("valuemaps", []) + \
        [p for r in RULES for p in r.get("item_prototypes", [])] + [t for t, _ in triggers()]
    for t in things:
        if "uuid" not in t:
            err(f"no uuid: {t.get('name') or t.get('key')}")
    for u in uuids:
        # Zabbix refuses anything but a version 4 UUID written as 32 hex digits
        if not re.fullmatch(r"[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}", str(u)):
            err(f"uuid {u!r} is not a UUIDv4 in 32 lower-case hex digits")
    dup = {u for u in uuids if uuids.count(u) > 1}
    if dup:
        err(f"uuids used twice: {sorted(dup)}")


def c_oids():
    n = 0
    for it, base, inst in polled():
        n += 1
        r = resolve(base, inst)
        if r and (parent(r) != "uccertScalars" or not readable(r[1])):
            err(f"{it['key']}: {r[0]} is not a readable scalar")
    for rule in RULES:
        for macro, oid in discovery_pairs(rule):
            n += 1
            if not re.fullmatch(r"\{#[A-Z0-9_.]+\}", macro):
                err(f"rule {rule['key']}: {macro} is not an LLD macro")
            r = resolve(oid)
            if r and (not parent(r).endswith("Entry") or not readable(r[1])):
                err(f"rule {rule['key']}: {macro} {r[0]} is not a readable column")
        for it, base, inst in polled(rule):
            n += 1
            r = resolve(base, inst)
            if r and (not parent(r).endswith("Entry") or not readable(r[1])):
                err(f"{it['key']}: {r[0]} is not a readable column")
    # any other OID written anywhere (descriptions, trap regexps)
    for s in strings(EXPORT, skip=("snmp_oid",)):
        for oid in re.findall(r"(?<![\d.\\])(?:\\?\.)?1(?:\\?\.\d+){6,}", s):
            n += 1
            resolve(oid.replace("\\", ""))
    print(f"{n} OIDs resolved")


def c_columns():
    for rule in RULES:
        entries = set()
        for macro, oid in discovery_pairs(rule):
            r = resolve(oid)
            if r:
                entries.add(parent(r))
        if len(entries) != 1:
            err(f"rule {rule['key']}: discovery[] walks columns of {sorted(entries)}")
            continue
        for it, base, inst in polled(rule):
            r = resolve(base, inst)
            if r and parent(r) not in entries:
                err(f"{it['key']}: {r[0]} is not a column of {next(iter(entries))}")


def c_valuemaps():
    vms = {}
    for vm in TPL.get("valuemaps", []):
        maps = {}
        for m in vm.get("mappings", []):
            if m.get("type", "EQUAL") != "EQUAL":
                err(f"value map {vm['name']}: mapping type {m['type']}")
            maps[str(m["value"])] = m["newvalue"]
        vms[vm["name"]] = maps
    used = set()
    for rule in [None] + RULES:
        for it, base, inst in polled(rule):
            r = resolve(base, inst)
            if not r:
                continue
            enum = enumeration(r[1])
            vm = (it.get("valuemap") or {}).get("name")
            if enum and not vm:
                err(f"{it['key']}: polls the enumeration {r[0]} without a value map")
            elif vm and vm not in vms:
                err(f"{it['key']}: value map {vm} is not defined")
            elif vm and not enum:
                err(f"{it['key']}: value map {vm} on {r[0]}, which has no enumeration")
            elif vm:
                used.add(vm)
                if vms[vm] != enum:
                    err(f"value map {vm} {vms[vm]} differs from {r[0]} in the MIB {enum}")
    for vm in set(vms) - used:
        err(f"value map {vm} is used by no item")
    if not used:
        err("no value map checked")


MACRO = re.compile(r"\{\$([A-Z0-9_.]+)(?::[^}]*)?\}")


def defined_macros():
    out = {}
    for m in TPL.get("macros", []):
        mm = re.fullmatch(r"\{\$([A-Z0-9_.]+)\}", m["macro"])
        if not mm:
            err(f"macro name {m['macro']!r}")
        else:
            out[mm.group(1)] = m.get("value", "")
    return out


def c_macros():
    defined = defined_macros()
    used = {m for s in strings(TPL, skip=("macros",)) for m in MACRO.findall(s)}
    for m in sorted(used - set(defined)):
        err(f"{{${m}}} is used but not defined in the template")
    for want, value in (("UCCERT.WARN.DAYS", "90"), ("UCCERT.HIGH.DAYS", "30")):
        if str(defined.get(want)) != value:
            err(f"{{${want}}} is {defined.get(want)!r}, not {value}")
    print(f"{len(used)} macros used, all defined")


def c_macros_unused():
    used = {m for s in strings(TPL, skip=("macros",)) for m in MACRO.findall(s)}
    for m in sorted(set(defined_macros()) - used):
        err(f"{{${m}}} is defined but never used")


def c_lld_macros():
    lld = re.compile(r"\{#([A-Z0-9_.]+)\}")
    outside = {m for s in strings(TPL, skip=("discovery_rules",)) for m in lld.findall(s)}
    if outside:
        err(f"LLD macros outside discovery rules: {sorted(outside)}")
    for rule in RULES:
        have = {"SNMPINDEX"} | {m.strip("{}#") for m, _ in discovery_pairs(rule)}
        for script in rule_scripts(rule):
            have |= set(re.findall(r"row\['\{#([A-Z0-9_.]+)\}'\] =", script))
        used = {m for s in strings(rule, skip=("snmp_oid", "preprocessing"))
                for m in lld.findall(s)}
        for m in sorted(used - have):
            err(f"rule {rule['key']}: {{#{m}}} is used but discovery[] does not provide it")


def refs(expr):
    """item references of a trigger expression, in order:
    [(function, host, key, parameters, start, end)]"""
    out = []
    i = 0
    while True:
        m = re.compile(r"([a-z]+)\(/").search(expr, i)
        if not m:
            return out
        h = expr.index("/", m.end())
        p = h + 1
        while expr[p] not in "[,)":
            p += 1
        if expr[p] == "[":  # key parameters; quoted ones may hold ] , ( )
            quoted = False
            p += 1
            while quoted or expr[p] != "]":
                if quoted and expr[p] == "\\" and expr[p + 1] == '"':
                    p += 1
                elif expr[p] == '"':
                    quoted = not quoted
                p += 1
            p += 1
        e = expr.index(")", p)
        out.append((m.group(1), expr[m.end():h], expr[h + 1:p], expr[p:e].lstrip(","), m.start(), e + 1))
        i = e + 1


def c_keys():
    item_keys = {it["key"] for it in ITEMS}
    n = 0
    for t, rule in triggers():
        proto_keys = {p["key"] for p in rule.get("item_prototypes", [])} if rule else set()
        exprs = [t["expression"]] + ([t["recovery_expression"]] if t.get("recovery_expression") else [])
        exprs += [d["expression"] for d in t.get("dependencies", [])]
        for x in exprs:
            rs = refs(x)
            if not rs:
                err(f"{t['name']}: no item in {x}")
            for fn, host, key, _, _, _ in rs:
                n += 1
                if host != HOST:
                    err(f"{t['name']}: /{host}/ is not this template ({HOST})")
                if key not in item_keys | proto_keys:
                    err(f"{t['name']}: {key} is not an item{' or prototype' if rule else ''} of the template")
        if rule and not any(k in proto_keys for _, _, k, _, _, _ in refs(t["expression"])):
            err(f"{t['name']}: a trigger prototype must use an item prototype")
    print(f"{n} item references checked")


def c_dependencies():
    known = {(t["name"], t["expression"]): rule for t, rule in triggers()}
    n = 0
    for t, rule in triggers():
        for d in t.get("dependencies", []):
            n += 1
            pair = (d["name"], d["expression"])
            if pair not in known:
                err(f"{t['name']}: depends on a trigger that does not exist: {d['name']}")
            elif known[pair] not in (None, rule):
                err(f"{t['name']}: depends on a prototype of another discovery rule")
            elif pair == (t["name"], t["expression"]):
                err(f"{t['name']}: depends on itself")
    print(f"{n} dependencies resolved")


INDEXED = re.compile(r"\{ITEM\.(?:LAST)?VALUE(\d?)\}")


def c_item_macros():
    keys = object_keys()
    for r in RULES:
        keys.update(object_keys(r))
    for t, rule in triggers():
        rs = refs(t["expression"])
        for field in ("name", "event_name"):
            if rule and INDEXED.search(t.get(field) or ""):
                err(f"{t['name']}: {field} carries an item value, fixed when the problem opens")
        if rule and t.get("opdata") and "uccertDaysLeft" in keys \
                and "{ITEM.LASTVALUE1}" in t["opdata"] and rs[0][2] != keys["uccertDaysLeft"]:
            err(f"{t['name']}: opdata {{ITEM.LASTVALUE1}} is {rs[0][2]}, not the days left")
        for field in ("name", "event_name", "opdata", "description"):
            text = t.get(field) or ""
            for n in INDEXED.findall(text):
                if int(n or 1) > len(rs):
                    err(f"{t['name']}: {field} uses item {n or 1} of an expression with {len(rs)}")
            # the number before "days" is the days left, the word after "impact" the impact
            for n in re.findall(r"\{ITEM\.LASTVALUE(\d?)\} days", text):
                if int(n or 1) <= len(rs) and rs[int(n or 1) - 1][2] != keys.get("uccertDaysLeft"):
                    err(f"{t['name']}: {field}: item {n or 1} before 'days' is {rs[int(n or 1) - 1][2]}")
            for n in re.findall(r"impact:? \{ITEM\.LASTVALUE(\d?)\}", text):
                if int(n or 1) <= len(rs) and rs[int(n or 1) - 1][2] != keys.get("uccertImpact"):
                    err(f"{t['name']}: {field}: item {n or 1} after 'impact' is {rs[int(n or 1) - 1][2]}")


# ---- evaluating triggers the way Zabbix would (last() and length() only) ----
def evaluate(expr, values, macros, index, lld=None):
    """values: {item key with {#SNMPINDEX}: value}; None if it cannot be evaluated"""
    expr = expr.replace("{#SNMPINDEX}", index)
    for m, v in (lld or {}).items():
        expr = expr.replace("{#" + m + "}", str(v))
    rs = refs(expr)
    vals = []
    s = expr
    for i, (fn, _, key, params, a, b) in reversed(list(enumerate(rs))):
        if fn != "last" or params:
            return None
        s = s[:a] + f"_v[{i}]" + s[b:]
    for _, _, key, _, _, _ in rs:
        vals.append(values.get(key))
    if any(v is None for v in vals):
        return None
    s = MACRO.sub(lambda m: str(macros[m.group(1)]), s)
    s = s.replace("<>", "!=")
    s = re.sub(r"(?<![<>!=])=(?!=)", "==", s)
    s = re.sub(r"\blength\(", "len(", s)
    return bool(eval(s, {"__builtins__": {}}, {"_v": vals, "len": len}))


def display(value, item):
    vm = (item or {}).get("valuemap", {}).get("name")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    for m in next((v["mappings"] for v in TPL.get("valuemaps", []) if v["name"] == vm), []):
        if str(m["value"]) == str(value):
            return f"{m['newvalue']} ({value})"
    return str(value)


def render(text, expr, values, items_by_key, lld, macros, index):
    keys = [r[2] for r in refs(expr)]  # prototype keys, with {#SNMPINDEX}

    def value(m):
        key = keys[int(m.group(1) or 1) - 1]
        return display(values[key.replace("{#SNMPINDEX}", index)], items_by_key.get(key))
    text = INDEXED.sub(value, text)
    text = re.sub(r"\{#([A-Z0-9_.]+)\}", lambda m: lld.get(m.group(1), m.group(0)), text)
    return MACRO.sub(lambda m: str(macros.get(m.group(1), m.group(0))), text)


def problems(rule, values, lld, macros, index="7"):
    """the problems the rule's trigger prototypes raise for one row, after
    dependencies: [(priority, rendered name)], and the raw ones"""
    protos = [t for t, r in triggers() if r is rule]
    fired = {(t["name"], t["expression"]) for t in protos
             if evaluate(t["expression"], values, macros, index, lld)}
    items_by_key = {p["key"]: p for p in rule.get("item_prototypes", [])}
    shown = []
    for t in protos:
        if (t["name"], t["expression"]) not in fired:
            continue
        if any((d["name"], d["expression"]) in fired for d in t.get("dependencies", [])):
            continue
        shown.append((t["priority"], render(t["name"], t["expression"], values, items_by_key,
                                            lld, macros, index)))
    return sorted(shown), len(fired)


def rule_for(obj):
    for r in RULES:
        if obj in object_keys(r):
            return r
    err(f"no discovery rule polls {obj}")
    return None


def c_ladder():
    rule = rule_for("uccertDaysLeft")
    if not rule:
        return
    k = object_keys(rule)
    macros = {m: (int(v) if str(v).isdigit() else v) for m, v in defined_macros().items()}
    lld = {"NODE": "pub", "UNIT": "CallManager", "CLUSTER": "hq", "SUBJECT": "CN=x",
           "NOTAFTER": "2027-03-02 00:00 UTC"}
    names = {1: "none", 2: "ctlItl", 3: "unknown"}
    # days left, impact (1 none, 2 ctlItl, 3 unknown), state (1 valid, 2 expiring,
    # 3 expired, 4 unreadable) -> the one problem left after dependencies
    cases = [(400, 1, 1, None), (91, 2, 1, None), (90, 1, 2, "WARNING"),
             (31, 3, 2, "WARNING"), (90, 2, 2, "HIGH"), (31, 2, 2, "HIGH"),
             (30, 1, 2, "HIGH"), (0, 1, 2, "HIGH"), (-1, 1, 3, "DISASTER"),
             (-400, 2, 3, "DISASTER"), (-20819, 1, 4, "AVERAGE"), (45, 1, 4, "AVERAGE")]
    over = dict(macros, **{"UCCERT.WARN.DAYS": 120, "UCCERT.HIGH.DAYS": 45})
    cases_over = [(121, 1, 1, None), (120, 1, 1, "WARNING"), (46, 1, 2, "WARNING"),
                  (45, 1, 2, "HIGH"), (120, 2, 1, "HIGH")]
    for ms, table in ((macros, cases), (over, cases_over)):
        for days, impact, state, want in table:
            v = {k["uccertDaysLeft"].replace("{#SNMPINDEX}", "7"): float(days),
                 k["uccertImpact"].replace("{#SNMPINDEX}", "7"): impact,
                 k["uccertState"].replace("{#SNMPINDEX}", "7"): state}
            row = dict(lld, IMPACT=str(impact), **{"IMPACT.NAME": names[impact]})
            shown, nfired = problems(rule, v, row, ms)
            got = [p for p, _ in shown]
            label = (f"days {days} impact {impact} state {state} "
                     f"(WARN {ms['UCCERT.WARN.DAYS']}, HIGH {ms['UCCERT.HIGH.DAYS']})")
            if got != ([want] if want else []):
                err(f"{label}: problems {shown}, expected {want}")
            elif nfired > len(got):
                err(f"{label}: {nfired} triggers fire at once (the ranges should not overlap)")
            else:
                print(f"{label}: {shown}")
    # the names say what the on-call person needs
    v = {k["uccertDaysLeft"].replace("{#SNMPINDEX}", "7"): 60.0,
         k["uccertImpact"].replace("{#SNMPINDEX}", "7"): 2,
         k["uccertState"].replace("{#SNMPINDEX}", "7"): 2}
    shown, _ = problems(rule, v, dict(lld, IMPACT="2", **{"IMPACT.NAME": "ctlItl"}), macros)
    want = ('Certificate expires within 90 days, CTL/ITL renewal needs a change window: '
            'pub CallManager "CN=x" (cluster hq)')
    if [n for _, n in shown] != [want]:
        err(f"rendered name {shown}, expected {want}")
    for t, r in triggers():
        if r is rule and t.get("dependencies"):
            err(f"{t['name']}: depends on another trigger; the ranges alone must exclude each other")


def c_source_trigger():
    rule = rule_for("uccertSourceStatus")
    if not rule:
        return
    k = object_keys(rule)
    macros = defined_macros()
    lld = {"NODE": "sub", "LOCATION": "/srv/certs/sub", "CLUSTER": "hq"}
    st, er = (k[o].replace("{#SNMPINDEX}", "7") for o in ("uccertSourceStatus", "uccertSourceLastError"))
    ok, _ = problems(rule, {st: 1, er: ""}, lld, macros)
    bad, _ = problems(rule, {st: 2, er: "cannot open: No such file or directory"}, lld, macros)
    if ok:
        err(f"status ok raises {ok}")
    values = {st: 2, er: "cannot open: No such file or directory"}
    opdata = [render(t.get("opdata", ""), t["expression"], values, {}, lld, macros, "7")
              for t, r in triggers() if r is rule and evaluate(t["expression"], values, macros, "7", lld)]
    if len(bad) != 1 or "sub" not in bad[0][1] or \
            not any("cannot open: No such file or directory" in o for o in opdata):
        err(f"status error raises {bad} ({opdata}), expected one problem naming the node, "
            "the error in its operational data")
    print(bad, opdata)


# ---- JavaScript preprocessing, run in Duktape as Zabbix runs it ----
def run_js(script, inputs):
    """[(ok, result)] for each input; the script is the body of function (value)"""
    path = os.path.join(W, "step.js")
    with open(path, "w", encoding="utf-8") as f:
        f.write("var step = function (value) {\n" + script + "\n};\n")
        f.write("var inputs = " + json.dumps(inputs) + ";\n")
        f.write("for (var i = 0; i < inputs.length; i++) {\n"
                "  try { print('OK ' + step(inputs[i])); } catch (e) { print('ERR ' + e); }\n}\n")
    r = subprocess.run(["duk", path], capture_output=True, text=True)
    lines = r.stdout.splitlines()
    if r.returncode != 0 or len(lines) != len(inputs):
        err(f"duk failed ({r.returncode}): {r.stdout}{r.stderr}")
        return [(False, "")] * len(inputs)
    return [(line.startswith("OK "), line[3:]) for line in lines]


def scripts():
    for it in ITEMS + [p for r in RULES for p in r.get("item_prototypes", [])]:
        for step in it.get("preprocessing", []):
            if step["type"] == "JAVASCRIPT":
                yield it, step["parameters"][0]


def c_js():
    t = calendar.timegm((2027, 2, 15, 0, 0, 0))
    cases = [("2027-2-15,0:0:0.0,+0:0", t), ("07 EB 02 0F 00 00 00 00 2B 00 00", t),
             ("07 EB 02 0F 00 00 00 00 2B 00 00 \n", t), ("07EB020F000000002B0000", t),
             ("07 EB 02 0F 00 00 00 00", t), ("2027-2-15,0:0:0.0", t),
             ("2027-2-15,1:30:0.0,+1:30", t), ("2027-2-14,20:0:0.0,-4:0", t),
             ("1970-1-1,0:0:0.0,+0:0", 0), ("07 B2 01 01 00 00 00 00 2B 00 00", 0),
             ("2026-12-29,23:59:59.9,+0:0", calendar.timegm((2026, 12, 29, 23, 59, 59))),
             ("not a date", None), ("07 EB 02", None)]
    n = 0
    for it, script in scripts():
        n += 1
        for (value, want), (ok, got) in zip(cases, run_js(script, [c[0] for c in cases])):
            if want is None and ok:
                err(f"{it['key']}: {value!r} gives {got}, expected an error")
            elif want is not None and (not ok or got != str(want)):
                err(f"{it['key']}: {value!r} gives {got!r}, expected {want}")
    if not n:
        err("no JavaScript step found")
    print(f"{n} scripts x {len(cases)} values")


# ---- snmptrap[] items ----
def trap_items():
    out = {}
    for it in ITEMS:
        if it.get("type") == "SNMP_TRAP":
            m = re.fullmatch(r'snmptrap\["((?:[^"\\]|\\.)*)"\]', it["key"])
            if not m:
                err(f"{it['key']}: not snmptrap[\"regexp\"]")
                continue
            out[it["key"]] = re.compile(m.group(1).replace('\\"', '"'))
    return out


def snmptt_formats():
    """{event name: FORMAT text with sample values} from the shipped SNMPTT file"""
    out, event = {}, None
    path = os.path.join(os.environ["top_srcdir"], "conf/snmptt/uccert.snmptt.conf")
    sample = {"1": "hq", "2": "cucm-pub", "3": "CallManager", "4": "own", "5": "ctlItl",
              "6": "CN=cucm-pub.example.com", "7": "6C5D", "8": "2027-2-15,0:0:0.0,+0:0", "9": "45"}
    for line in open(path, encoding="utf-8"):
        if line.startswith("EVENT "):
            event = line.split()[1]
        elif line.startswith("FORMAT ") and event:
            out[event] = re.sub(r"\$(\d)", lambda m: sample[m.group(1)], line[7:].strip())
    return out


def receiver_text(trap_oid, index="4242"):
    """a trap as zabbix_trap_receiver.pl writes it (trap_oid symbolic or numeric)"""
    col = "UCCERT-MIB::uccertCluster" if "::" in trap_oid else ".1.3.6.1.4.1.8072.9999.9999.7.1.2.1.2"
    return ("2027/02/15 10:00:00 ZBXTRAP 192.0.2.10\nPDU INFO:\n  receivedfrom  UDP: [192.0.2.10]:161\n"
            "VARBINDS:\n  DISMAN-EVENT-MIB::sysUpTimeInstance type=67 value=Timeticks: (42) 0:00:00.42\n"
            f"  SNMPv2-MIB::snmpTrapOID.0 type=6  value=OID: {trap_oid}\n"
            f"  {col}.{index} type=4  value=STRING: \"hq\"\n")


def which(items, text):
    return sorted(k for k, rx in items.items() if rx.search(text))


def c_traps():
    items = trap_items()
    notes = notifications()
    formats = snmptt_formats()
    if len(notes) < 3:
        err(f"notifications of UCCERT-MIB: {notes}")
    owner = {}
    for name, oid in notes.items():
        samples = {"zabbix_trap_receiver.pl, MIB loaded": receiver_text("UCCERT-MIB::" + name),
                   "zabbix_trap_receiver.pl, numeric": receiver_text(oid),
                   "SNMPTT FORMAT": formats.get(name, "")}
        for how, text in samples.items():
            got = which(items, text)
            if len(got) != 1:
                err(f"{name} ({how}) matches {len(got)} trap items: {got}")
            elif owner.setdefault(name, got[0]) != got[0]:
                err(f"{name} ({how}) goes to {got[0]}, other forms to {owner[name]}")
        for num in re.findall(r"\\\.1(?:\\\.\d+)+", items.get(owner.get(name), re.compile("")).pattern):
            if num.replace("\\", "") != oid:
                err(f"{owner.get(name)}: numeric OID {num} is not {name} {oid}")
    for key in set(items) - set(owner.values()):
        err(f"{key} matches no notification")
    print(owner)


# ---- a live uccertd, polled as Zabbix polls it ----
def snmp(tool, args, mib=False):
    cmd = [tool, "-v2c", "-c", "public", "-t", "3", "-r", "1", "-On", "-Oe"]
    env = dict(os.environ, MIBS="")
    cmd += ["-M", MIBDIRS, "-m", "UCCERT-MIB"] if mib else ["-m", ""]
    r = subprocess.run(cmd + ["127.0.0.1:" + os.environ["SNMP_PORT"]] + args,
                       capture_output=True, text=True, env=env)
    out = {}
    for line in r.stdout.splitlines():
        m = re.match(r"(\.[\d.]+) = (?:([\w-]+): )?(.*)$", line)
        if m:
            out[m.group(1)] = (m.group(2) or "", m.group(3))
    return out


def zabbix_value(typed, item):
    """the value a Zabbix SNMP poller stores, after preprocessing"""
    t, v = typed
    if t in ("STRING", "") and len(v) >= 2 and v[0] == v[-1] == '"':
        v = v[1:-1]  # an empty string comes without a type
    elif t == "":  # missing, No Such Object/Instance
        err(f"{item['key']}: no value ({v})")
        return None
    for step in item.get("preprocessing", []):
        if step["type"] == "JAVASCRIPT":
            ok, v = run_js(step["parameters"][0], [v])[0]
            if not ok:
                err(f"{item['key']}: JavaScript failed on {typed}: {v}")
                return None
    vt = item.get("value_type", "UNSIGNED")
    try:
        return float(v) if vt == "FLOAT" else int(v) if vt == "UNSIGNED" else v
    except ValueError:
        err(f"{item['key']}: {typed} is not a {vt}")
        return None


def c_live_scalars():
    want = {it["snmp_oid"]: it for it in ITEMS if it.get("type") == "SNMP_AGENT"}
    got = snmp("snmpget", ["." + o for o in want])
    for oid, it in want.items():
        v = zabbix_value(got.get("." + oid, ("", "missing")), it)
        print(f"{it['key']} = {v}")
        if v is None:
            err(f"{it['key']}: no value from {oid}")
        elif it["key"] == object_keys().get("uccertLastScanTime") and not v > 1700000000:
            err(f"{it['key']}: last scan {v} is not a recent Unix time")


def live_rows(rule):
    """emulate SNMP LLD: {index: {macro: value}}"""
    rows = {}
    for macro, oid in discovery_pairs(rule):
        for full, typed in snmp("snmpbulkwalk", ["." + oid]).items():
            idx = full[len(oid) + 2:]
            v = typed[1]
            rows.setdefault(idx, {})[macro.strip("{}#")] = v[1:-1] if v.startswith('"') else v
    return lld_js(rule, rows)


def lld_js(rule, rows):
    """the rows after the rule's own JavaScript, run in Duktape"""
    for script in rule_scripts(rule):
        data = [dict({"{#SNMPINDEX}": i}, **{"{#" + m + "}": v for m, v in r.items()})
                for i, r in sorted(rows.items())]
        ok, out = run_js(script, [json.dumps(data)])[0]
        if not ok:
            err(f"rule {rule['key']}: JavaScript failed: {out}")
            return {}
        rows = {r["{#SNMPINDEX}"]: {m.strip("{}#"): v for m, v in r.items() if m != "{#SNMPINDEX}"}
                for r in json.loads(out)}
    return rows


def c_lld_js():
    """what the certificate rule's JavaScript makes of both forms of the values"""
    rule = rule_for("uccertDaysLeft")
    if not rule:
        return
    cases = [({"IMPACT": "2", "NOTAFTER": "07 EB 03 02 00 00 00 00 2B 00 00"}, ("2", "ctlItl", "2027-03-02 00:00 UTC")),
             ({"IMPACT": "ctlItl(2)", "NOTAFTER": "2027-3-2,0:0:0.0,+0:0"}, ("2", "ctlItl", "2027-03-02 00:00 UTC")),
             ({"IMPACT": "1", "NOTAFTER": "2027-3-2,1:30:0.0,+1:30"}, ("1", "none", "2027-03-02 00:00 UTC")),
             ({"IMPACT": "unknown(3)", "NOTAFTER": "07 B2 01 01 00 00 00 00 2B 00 00"}, ("3", "unknown", "unknown")),
             ({"IMPACT": "none", "NOTAFTER": "garbage"}, ("1", "none", "unknown"))]
    for given, want in cases:
        got = lld_js(rule, {"7": given}).get("7", {})
        have = (got.get("IMPACT"), got.get("IMPACT.NAME"), got.get("NOTAFTER"))
        if have != want:
            err(f"discovered {given} becomes {have}, expected {want}")
    for r in RULES:
        for script in rule_scripts(r):
            ok, out = run_js(script, ["[]"])[0]
            if ok:
                err(f"rule {r['key']}: an empty table gives {out}: Zabbix would delete every entity")
    print(f"{len(cases)} rows converted, empty tables refused")


def c_live(rule_obj, expected_json, now):
    rule = rule_for(rule_obj)
    if not rule:
        return
    expected = json.loads(expected_json)
    macros = {m: (int(v) if str(v).isdigit() else v) for m, v in defined_macros().items()}
    k = object_keys(rule)
    seen = set()
    for idx, lld in sorted(live_rows(rule).items()):
        protos = [p for p in rule.get("item_prototypes", []) if p.get("type") == "SNMP_AGENT"]
        oids = {p["key"]: "." + p["snmp_oid"].replace("{#SNMPINDEX}", idx) for p in protos}
        raw = snmp("snmpget", list(oids.values()))
        hinted = snmp("snmpget", list(oids.values()), mib=True)
        values = {}
        for p in protos:
            key = p["key"].replace("{#SNMPINDEX}", idx)
            values[key] = zabbix_value(raw.get(oids[p["key"]], ("", "missing")), p)
            if any(s["type"] == "JAVASCRIPT" for s in p.get("preprocessing", [])):
                # the same value rendered with the MIB's DISPLAY-HINT converts the same
                alt = zabbix_value(hinted.get(oids[p["key"]], ("", "missing")), p)
                if alt != values[key]:
                    err(f"{key}: {raw.get(oids[p['key']])} gives {values[key]}, "
                        f"{hinted.get(oids[p['key']])} gives {alt}")
        name = lld.get("UNIT", lld.get("LOCATION", "")) + "|" + lld.get("SUBJECT", lld.get("NODE", ""))
        shown, _ = problems(rule, values, lld, macros, idx)
        print(f"[{idx}] {name}: {shown}")
        if "uccertNotAfter" in k:
            days = values[k["uccertDaysLeft"].replace("{#SNMPINDEX}", idx)]
            na = values[k["uccertNotAfter"].replace("{#SNMPINDEX}", idx)]
            state = values[k["uccertState"].replace("{#SNMPINDEX}", idx)]
            if state != 4 and na != int(now) + int(days) * 86400:
                err(f"{name}: notAfter {na} is not now + {days} days")
            if state == 4 and na != 0:
                err(f"{name}: unreadable, notAfter {na} (expected 0)")
        if name not in expected:
            err(f"unexpected row {name}: {shown}")
            continue
        seen.add(name)
        want = expected[name]
        if [p for p, _ in shown] != [p for p, _ in want]:
            err(f"{name}: problems {shown}, expected {want}")
        for (_, got), (_, rx) in zip(shown, want):
            if not re.fullmatch(rx, got):
                err(f"{name}: problem name {got!r} does not match {rx!r}")
    for name in set(expected) - seen:
        err(f"row {name} was not discovered")


def c_live_traps(log, expected_json):
    items = trap_items()
    notes = {oid: name for name, oid in notifications().items()}
    counts = {}
    for line in open(log, encoding="utf-8", errors="replace"):
        if not line.startswith("TRAP "):
            continue
        m = re.search(r"\.1\.3\.6\.1\.6\.3\.1\.1\.4\.1\.0 = OID: (\.[\d.]+)", line)
        kind = notes.get(m.group(1) if m else "")
        got = which(items, line.replace("\t", "\n"))
        if kind is None:  # snmpd's own coldStart and the like
            if got:
                err(f"a trap of another MIB goes to {got}: {line.strip()[:200]}")
            continue
        if len(got) != 1 or kind not in got[0]:
            err(f"{kind} trap goes to {got}: {line.strip()[:200]}")
        counts[kind] = counts.get(kind, 0) + 1
    if counts != json.loads(expected_json):
        err(f"traps received {counts}, expected {expected_json}")
    print(counts)


CHECKS = {"parse": c_parse, "uuids": c_uuids, "oids": c_oids, "columns": c_columns,
          "valuemaps": c_valuemaps, "macros": c_macros, "macros-unused": c_macros_unused,
          "lld-macros": c_lld_macros, "keys": c_keys, "dependencies": c_dependencies,
          "item-macros": c_item_macros, "ladder": c_ladder, "source-trigger": c_source_trigger,
          "js": c_js, "lld-js": c_lld_js, "traps": c_traps, "live-scalars": c_live_scalars, "live": c_live,
          "live-traps": c_live_traps}
CHECKS[sys.argv[1]](*sys.argv[2:])
for e in errors:
    print("  " + e, file=sys.stderr)
sys.exit(1 if errors else 0)
PY
zbx() { # zbx CHECK [ARGS...]: its findings go to the test log
	_rc=0
	python3 "$W/zbx.py" "$@" > "$W/zbx.out" 2>&1 || _rc=$?
	sed 's/^/    /' "$W/zbx.out"
	return "$_rc"
}

check "the template parses as Zabbix 6.0 YAML: groups, one template, unique keys, SNMP and trap items" zbx parse
check "every uuid is a distinct UUIDv4 in 32 hex digits" zbx uuids
check "every OID (items, prototypes, discovery[], trap regexps, text) resolves to UCCERT-MIB (snmptranslate -Td, -On round trip)" zbx oids
check "item prototypes poll columns of the table their discovery[] walks" zbx columns
check "every value map equals the MIB's enumeration of the objects it is used on, and every enumeration has one" zbx valuemaps
check "every {\$MACRO} used is defined in the template, WARN 90 and HIGH 30" zbx macros
check "every macro defined is used" zbx macros-unused
check "every {#MACRO} of a prototype comes from its rule's discovery[]" zbx lld-macros
check "trigger expressions and dependencies reference only item keys of this template" zbx keys
check "trigger dependencies name existing triggers" zbx dependencies
check "certificate problem names use discovered macros only; opdata {ITEM.LASTVALUE1} is the days left" zbx item-macros
check "severity ladder: WARNING, HIGH (ctlItl from WARN days), DISASTER when expired, AVERAGE when unreadable; ranges exclusive, no dependencies" zbx ladder
check "source trigger fires on status error, the error text in its operational data" zbx source-trigger
check "DateAndTime JavaScript runs in Duktape: hint and hex forms, offsets, garbage rejected" zbx js
check "discovery JavaScript: {#IMPACT} a number with or without the MIB, {#NOTAFTER} a date; an empty table fails the rule" zbx lld-js
check "each snmptrap[] regexp takes exactly one notification (zabbix_trap_receiver.pl symbolic/numeric, SNMPTT FORMAT)" zbx traps

# ---- live: uccertd behind a real snmpd, polled as Zabbix polls ----
zabbix_cluster
start_snmptrapd
start_snmpd
start_uccertd "$W/uccert.conf" --now $NOW
export SNMP_PORT

check "live: every scalar item gets a value" zbx live-scalars
S='pub ([-A-Za-z]+) \"CN=([-A-Za-z]+)\" \\(cluster hq\\)'
check "live: certificate discovery, item values and problems per certificate" zbx live uccertDaysLeft "{
  \"tomcat|CN=tomcat\": [],
  \"tomcat-trust|CN=partner-ca\": [[\"WARNING\", \"Certificate expires within 90 days: $S\"]],
  \"CallManager|CN=CallManager\": [[\"HIGH\", \"Certificate expires within 90 days, CTL/ITL renewal needs a change window: $S\"]],
  \"ipsec|CN=ipsec\": [[\"HIGH\", \"Certificate expires within 30 days: $S\"]],
  \"tomcat-trust|CN=old-ca\": [[\"DISASTER\", \"Certificate expired: $S\"]],
  \"tomcat-trust|\": [[\"AVERAGE\", \"Certificate file unreadable, expiry unknown: pub tomcat-trust \\\\(cluster hq\\\\)\"]]
}" "$(date -u -d 2027-01-01 +%s)"
check "live: source discovery, the missing cert_dir raises 'source in error' with its reason" zbx live uccertSourceStatus "{
  \"$C|pub\": [],
  \"$W/missing|sub\": [[\"AVERAGE\", \"Certificate source in error: sub $W/missing\"]]
}" 0
# renewing the partner CA clears it: the third notification
rm "$C/tomcat-trust/partner-ca.pem"
kill -HUP "$UCCERTD_PID"
traps_in() { [ "$(grep -c '^TRAP ' "$W/traps.log")" -ge 5 ]; }
wait_for 20 traps_in || :
check "live: every trap snmptrapd received goes to the snmptrap[] item of its notification" \
	zbx live-traps "$W/traps.log" '{"uccertExpiring": 3, "uccertExpired": 1, "uccertCleared": 1}'
finish
