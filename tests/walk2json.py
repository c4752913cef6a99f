"""Turn `snmpbulkwalk -On -Ox -Oe` output of one table into JSON:
{"<index>": {"<column number>": value}}; OCTET STRINGs become
{"hex": "..."}, integers ints. Usage: walk2json.py ENTRY_OID < walk"""
import json
import re
import sys

entry = sys.argv[1].rstrip(".") + "."
rows = {}
line_re = re.compile(r"^(\.[0-9.]+) = (?:([A-Za-z0-9-]+): ?)?(.*)$")
current = None
for raw in sys.stdin:
    line = raw.rstrip("\n")
    m = line_re.match(line)
    if not m or not m.group(1).startswith(entry):
        if current is not None and line.strip():   # continuation of a hex dump
            current[0][current[1]]["hex"] += line.replace(" ", "").strip()
        continue
    col, idx = m.group(1)[len(entry):].split(".", 1)
    typ, val = m.group(2), m.group(3)
    if typ in ("Hex-STRING", "STRING") or val == '""':
        v = {"hex": val.replace(" ", "").replace('"', "").strip()}
    elif typ in ("INTEGER", "Gauge32", "Counter32", "Unsigned32"):
        v = int(val.split("(")[-1].rstrip(")")) if "(" in val else int(val.split()[0])
    else:
        v = val
    rows.setdefault(idx, {})[col] = v
    current = (rows[idx], col) if isinstance(v, dict) else None
json.dump(rows, sys.stdout, indent=1, sort_keys=True)
