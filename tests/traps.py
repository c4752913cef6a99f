"""Summarise the notifications in an snmptrapd log written with
-On -F "TRAP %V<TAB>%v\\n": one line per UCCERT-MIB notification,
"<kind> <CN of the subject> <days left> <impact> <node> <unit> <index>", sorted.
Usage: traps.py LOG [SKIP_LINES]"""
import re
import sys

ROOT = ".1.3.6.1.4.1.8072.9999.9999.7"
KINDS = {"1": "expiring", "2": "expired", "3": "cleared"}
COLS = {"3": "node", "4": "unit", "6": "impact", "7": "subject", "12": "days"}

lines = open(sys.argv[1], encoding="utf-8", errors="replace").read().splitlines()
skip = int(sys.argv[2]) if len(sys.argv) > 2 else 0
out = []
for line in lines[skip:]:
    if not line.startswith("TRAP "):
        continue
    vb = {}
    kind = "?"
    index = "?"
    for part in line[5:].split("\t"):
        m = re.match(r"(\.[0-9.]+) = (?:[A-Za-z0-9-]+: )?(.*)$", part.strip())
        if not m:
            continue
        name, value = m.group(1), m.group(2).strip('"')
        if name == ".1.3.6.1.6.3.1.1.4.1.0" and value.startswith(ROOT + ".0."):
            kind = KINDS.get(value[len(ROOT) + 3:], "?")
        elif name.startswith(ROOT + ".1.2.1."):
            col, index = name[len(ROOT) + 7:].split(".")
            if col in COLS:
                vb[COLS[col]] = value
    if kind == "?":
        continue    # not one of UCCERT-MIB's (snmpd's own start/stop)
    cn = re.sub(r"^.*CN=([^,]*).*$", r"\1", vb.get("subject", ""))
    out.append(" ".join([kind, cn, vb.get("days", "?"), vb.get("impact", "?"),
                         vb.get("node", "?"), vb.get("unit", "?"), index]))
if out:
    print("\n".join(sorted(out)))
