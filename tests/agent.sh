#!/bin/sh
# uccertd against a real snmpd master over AgentX, checked with the Net-SNMP
# command-line tools: every column, stable indexes, reload, master restart,
# source errors.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/snmp-lib.sh"

NOW=2027-03-01T12:00:00Z
C="$W/cluster"
mkdir -p "$C/pub/tomcat" "$C/pub/CallManager" "$C/pub/tomcat-trust" "$C/pub/ipsec-trust" \
	"$C/sub/tomcat" "$C/sub/CallManager-trust" "$C/sub/Foo-trust"
mint -o "$C/pub/tomcat/tomcat.pem" --now $NOW --not-after +45d --subject "/O=Example/CN=pub.example.com"
mint -o "$C/pub/CallManager/CallManager.der" --der --now $NOW --not-after +200d --cn pub-cm --serial -1F
mint -o "$C/pub/tomcat-trust/old-ca.pem" --now $NOW --not-after -3d --cn "Old CA, Inc" --ca
mint -o "$C/pub/tomcat-trust/root.pem" --now $NOW --not-after +3000d --cn "Root CA" --ca
mint -o "$C/pub/ipsec-trust/pub.pem" --now $NOW --not-after +700d --cn pub
# a CA-signed tomcat: its renewal starts with a CSR, never a regeneration
mint -o "$W/ca.pem" --key "$W/ca.key" --key-type ec256 --now $NOW --not-after +3000d --cn "Example Issuing CA" --ca
mint -o "$C/sub/tomcat/tomcat.pem" --issuer-cert "$W/ca.pem" --issuer-key "$W/ca.key" --now $NOW --not-after +10d --cn sub.example.com
mint -o "$C/sub/CallManager-trust/a.pem" --now $NOW --not-after +89d --cn a
mint -o "$C/sub/CallManager-trust/b.pem" --now $NOW --not-after +91d --cn b
mint -o "$C/sub/Foo-trust/x.pem" --now $NOW --not-after +400d --cn unknown-unit
printf 'not a certificate\n' > "$C/sub/tomcat/broken.pem"

conf() { # conf FILE [extra node lines]
	cat > "$1" <<CONF
state_dir = "$W/state";
scan_interval = 3600;
agentx = { ping_interval = 1; };
clusters = ( { name = "lab"; product = "cucm"; security_mode = "mixed-usb";
  nodes = (
    { name = "pub"; role = "publisher"; cert_dir = "$C/pub"; },
    { name = "sub"; role = "subscriber"; cert_dir = "$C/sub"; }
    ${2:-}
  ); } );
CONF
}
conf "$W/uccert.conf"

start_snmpd
start_uccertd "$W/uccert.conf" --now $NOW

# ---- every column of every row equals what uccert scan --json says ----
"$UCCERT" -q -c "$W/uccert.conf" --now $NOW scan --json > "$W/scan.json"
table_json > "$W/table.json"
columns_match() {
	python3 - "$W/scan.json" "$W/table.json" <<'PY'
import json, sys, datetime
scan = json.load(open(sys.argv[1]))
table = json.load(open(sys.argv[2]))
def s(v): return bytes.fromhex(v["hex"]).decode("utf-8")
def dat(v):
    b = bytes.fromhex(v["hex"])
    assert len(b) == 11 and b[8:] == b"+\0\0", b
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % ((b[0] << 8) | b[1], b[2], b[3], b[4], b[5], b[6])
store = {"own": 1, "trust": 2}
impact = {"none": 1, "ctl-itl": 2, "unknown": 3}
state = {"valid": 1, "expiring": 2, "expired": 3, "unreadable": 4}
bad = 0
if len(scan) != len(table):
    print("rows: scan %d, table %d" % (len(scan), len(table))); bad += 1
for rec in scan:
    match = [r for r in table.values() if s(r["15"]) == rec["source"]
             and (rec["sha256"] is None or r["14"]["hex"].lower() == rec["sha256"])]
    if len(match) != 1:
        print("no single row for", rec["source"]); bad += 1; continue
    r = match[0]
    want = {
        "2": rec["cluster"], "3": rec["node"], "4": rec["unit"],
        "5": store[rec["store"]], "6": impact[rec["impact"]],
        "7": rec["subject"] or "", "8": rec["issuer"] or "", "9": rec["serial"] or "",
        "10": rec["not_before"] or "1970-01-01T00:00:00Z",
        "11": rec["not_after"] or "1970-01-01T00:00:00Z",
        "12": rec["days_left"] if rec["days_left"] is not None else 0,
        "13": state[rec["state"]], "14": rec["sha256"] or "0" * 64,
        "15": rec["source"],
        "16": ("set csr gen " if rec["subject"] and rec["issuer"] != rec["subject"] else "set cert regen ")
              + rec["unit"] if rec["store"] == "own" and rec["impact"] != "unknown" else "",
    }
    got = {
        "2": s(r["2"]), "3": s(r["3"]), "4": s(r["4"]), "5": r["5"], "6": r["6"],
        "7": s(r["7"]), "8": s(r["8"]), "9": s(r["9"]), "10": dat(r["10"]), "11": dat(r["11"]),
        "12": r["12"], "13": r["13"], "14": r["14"]["hex"].lower(), "15": s(r["15"]), "16": s(r["16"]),
    }
    for k in want:
        if want[k] != got[k]:
            print("%s column %s: want %r got %r" % (rec["source"], k, want[k], got[k])); bad += 1
sys.exit(1 if bad else 0)
PY
}
check "every column of every row matches uccert scan --json" columns_match

scalar() { snmp snmpget -Oqv "UCCERT-MIB::$1.0"; }
scalars_match() {
	n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$W/scan.json")
	for st in expiring expired unreadable; do
		eval "want_$st=\$(python3 -c 'import json,sys; print(sum(r[\"state\"]==sys.argv[2] for r in json.load(open(sys.argv[1]))))' \"$W/scan.json\" $st)"
	done
	assert_eq "$n" "$(scalar uccertCertCount | cut -d' ' -f1)" &&
	assert_eq "$want_expiring" "$(scalar uccertExpiringCount | cut -d' ' -f1)" &&
	assert_eq "$want_expired" "$(scalar uccertExpiredCount | cut -d' ' -f1)" &&
	assert_eq "$want_unreadable" "$(scalar uccertUnreadableCount | cut -d' ' -f1)" &&
	assert_eq "90" "$(scalar uccertThresholdDays | cut -d' ' -f1)"
}
check "scalars match the row counts" scalars_match

# ---- indexes survive rescans and restarts ----
# index_map: "node unit sha256 index" lines
index_map() {
	table_json | python3 -c '
import json, sys
for idx, r in sorted(json.load(sys.stdin).items(), key=lambda x: int(x[0])):
    print(bytes.fromhex(r["3"]["hex"]).decode(), bytes.fromhex(r["4"]["hex"]).decode(),
          r["14"]["hex"].lower(), bytes.fromhex(r["15"]["hex"]).decode(), idx)'
}
index_map > "$W/idx.before"
count_rows() { table_json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
rows_before=$(count_rows)
mint -o "$C/pub/tomcat-trust/new-partner.pem" --now $NOW --not-after +500d --cn new-partner
rm "$C/sub/CallManager-trust/b.pem"
old_tomcat_sha=$(grep " $C/sub/tomcat/tomcat.pem " "$W/idx.before" | cut -d' ' -f3)
mint -o "$C/sub/tomcat/tomcat.pem" --now $NOW --not-after +1000d --cn sub.example.com
kill -HUP "$UCCERTD_PID"
rows_changed() { index_map > "$W/idx.hup"; grep -q new-partner.pem "$W/idx.hup" && ! grep -q "/b.pem " "$W/idx.hup"; }
check "SIGHUP rescans: added and removed certificates show" wait_for 10 rows_changed
stop_uccertd
start_uccertd "$W/uccert.conf" --now $NOW
index_map > "$W/idx.after"
survivors_keep_index() {
	python3 - "$W/idx.before" "$W/idx.after" "$old_tomcat_sha" <<'PY'
import sys
def load(p):
    return {tuple(l.split()[:3]): int(l.split()[4]) for l in open(p)}
before, after = load(sys.argv[1]), load(sys.argv[2])
bad = 0
for key, idx in before.items():
    if key in after and after[key] != idx:
        print("index of", key, "moved", idx, "->", after[key]); bad += 1
new = {k: v for k, v in after.items() if k not in before}
if len(new) != 2:
    print("expected 2 new rows (added, renewed), got", new); bad += 1
for k, v in new.items():
    if v in before.values():
        print("index", v, "reused for", k); bad += 1
    if v <= max(before.values()):
        print("new index", v, "not above the old ones"); bad += 1
gone = [k for k in before if k not in after]
if len(gone) != 2 or not any(k[2] == sys.argv[3] for k in gone):
    print("expected the removed and the renewed-away certificate gone:", gone); bad += 1
sys.exit(1 if bad else 0)
PY
}
check "surviving certificates keep their index across rescan and restart" survivors_keep_index

# ---- sysORTable and the daemon's own log ----
sysor() { snmp_raw snmpwalk -On -Oq .1.3.6.1.2.1.1.9.1.2 | grep -q " $UCCERT_OID\$"; }
check "the master's sysORTable lists UCCERT-MIB (registered by uccertd)" sysor
check "Net-SNMP's own messages carry the daemon's prefix" \
	grep -q '^uccertd: net-snmp: NET-SNMP version .* AgentX subagent connected' "$W/uccertd.log"
check "no Net-SNMP line bypasses the daemon's logger" \
	sh -c "! grep -v '^uccertd: ' '$W/uccertd.log' | grep -q 'NET-SNMP\|AgentX'"

# ---- reload: a broken config keeps the old one, a good one adds a node ----
rows=$(count_rows)
cp "$W/uccert.conf" "$W/good.conf"
printf 'threshold_days = -5;\n' >> "$W/uccert.conf"
kill -HUP "$UCCERTD_PID"
logged_error() { grep -q "uccert.conf:[0-9]*: threshold_days = -5" "$W/uccertd.log"; }
check "broken config on SIGHUP is logged with file:line" wait_for 10 logged_error
check "broken config on SIGHUP: the old data keeps being served" assert_eq "$rows" "$(count_rows)"
mkdir -p "$C/sub2/tomcat"
mint -o "$C/sub2/tomcat/tomcat.pem" --now $NOW --not-after +300d --cn sub2
conf "$W/uccert.conf" ', { name = "sub2"; role = "subscriber"; cert_dir = "'"$C/sub2"'"; }'
kill -HUP "$UCCERTD_PID"
new_node() { table_json | grep -q "$(printf sub2 | od -An -tx1 | tr -d ' \n' | tr a-f A-F)"; }
check "good config on SIGHUP picks up a new node" wait_for 10 new_node

# ---- a FIFO in place of the configuration: refused, SNMP keeps answering ----
mv "$W/uccert.conf" "$W/real.conf"
mkfifo "$W/uccert.conf"
from=$(wc -l < "$W/uccertd.log")
kill -HUP "$UCCERTD_PID"
fifo_refused() { tail -n +"$((from + 1))" "$W/uccertd.log" | grep -q "uccert.conf: cannot read: not a regular file"; }
check "a FIFO as the configuration on SIGHUP: refused with its reason" wait_for 10 fifo_refused
check "a FIFO as the configuration on SIGHUP: snmpd still gets answers from uccertd" \
	sh -c "MIBS= snmpget -v2c -c public -t 2 -r 0 -Oqv 127.0.0.1:$SNMP_PORT $UCCERT_OID.1.1.2.0 | grep -qx '[0-9][0-9]*'"
cli_fifo() { timeout 10 "$UCCERT" -c "$W/uccert.conf" scan 2>&1 | grep -q "not a regular file"; }
check "uccert -c FIFO: a clear error, no hang" cli_fifo
rm "$W/uccert.conf"
mv "$W/real.conf" "$W/uccert.conf"

# ---- the master restarts: the subagent reconnects by itself ----
fds() { ls "/proc/$UCCERTD_PID/fd" | wc -l; }
fds_before=$(fds)
stop_snmpd
sleep 1.5
t0=$(date +%s%N)
start_snmpd
wait_for 5 served || :
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
echo "  table served again $ms ms after snmpd was started again"
check "table answers again within ping_interval + 2 s of snmpd's restart" test "$ms" -le 3000
check "uccertd did not restart" kill -0 "$UCCERTD_PID"
check "uccertd's descriptor count did not grow" assert_eq "$fds_before" "$(fds)"

# ---- a source that cannot be read is a source error, not silence ----
conf "$W/uccert.conf" ', { name = "gone"; role = "subscriber"; cert_dir = "'"$W/missing"'"; }'
kill -HUP "$UCCERTD_PID"
source_error() {
	source_json | python3 -c '
import json, sys
rows = json.load(sys.stdin).values()
s = lambda v: bytes.fromhex(v["hex"]).decode()
gone = [r for r in rows if s(r["3"]) == "gone"]
ok = [r for r in rows if s(r["3"]) != "gone"]
assert len(gone) == 1 and gone[0]["6"] == 2 and "No such file" in s(gone[0]["7"]), gone
assert ok and all(r["6"] == 1 and s(r["7"]) == "" and r["9"] > 0 for r in ok), ok
'
}
check "unreadable cert_dir: uccertSourceStatus error with the reason" wait_for 10 source_error
check "other nodes still serve their rows" test "$(count_rows)" -gt 5

check_clean_exit
finish
