#!/bin/sh
# Notification bursts at production size, through a real snmpd master
# (AgentX on a unix socket, trap2sink) to a real snmptrapd: 10,000
# certificate files on 20 nodes, 1,455 of them expired or expiring, so that
# 1,455 notifications are due the moment uccertd starts. What an operator
# would notice:
#   A  snmpd keeps answering GETs (its own sysUpTime.0 and uccertCertCount.0)
#      while the backlog drains unpaced, and every due notification arrives
#      exactly once (kind + uccertIndex against uccertState in the table);
#   T  SIGTERM mid-burst: uccertd exits within 2 s; after a restart the rest
#      arrives, nothing twice;
#   B  snmpd killed mid-burst and started again 3 s later: everything due
#      arrives, a duplicate only for what was unacknowledged at the kill;
#   C  snmpd stopped (SIGSTOP) for 13 s mid-burst: uccertd keeps scanning on
#      schedule and answers SIGHUP meanwhile; after SIGCONT the burst
#      completes exactly once;
#   D  notify_rate = 20: 200 due notifications take 10 s +- 1 s and arrive
#      in priority order;
#   E  uccertd killed (SIGKILL) mid-burst and started again: nothing it
#      recorded as acknowledged is sent again, nothing due is lost.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/snmp-lib.sh"

GETLAT="$top_builddir/bench/get-latency"
BURST="python3 $top_srcdir/tests/burst.py"
INFLIGHT=8	# notify_inflight's default

# ---- the estate (lib.sh): 20 nodes x 500 files; 1,455 due ----
E="$W/estate"
unhealthy_estate "$E"
DUE=$UNHEALTHY_DUE
check "the estate holds 10,000 certificate files" \
	assert_eq 10000 "$(find "$E" -name '*.pem' | wc -l | tr -d ' ')"

# conf NAME DIR [SETTING...]: $W/NAME.conf over the estate in DIR, its own
# state directory
conf() {
	_name=$1 _dir=$2
	shift 2
	estate_conf "$W/$_name.conf" "$W/state-$_name" "$_dir" "agentx = { ping_interval = 1; };" "$@"
}

trap_lines() { wc -l < "$W/traps.log" | tr -d ' '; }

# due_set: "kind index" for every row uccertd serves as expired or expiring
due_set() {
	snmp_raw snmpbulkwalk -Cr50 -On -Oq $UCCERT_OID.1.2.1.13 |
		awk '{ n = split($1, o, "."); if ($2 == 3) print "expired", o[n]; else if ($2 == 2) print "expiring", o[n] }' |
		sort
}
# got_set SKIP: "kind index" of every notification after trap log line SKIP
got_set() { $BURST pairs "$W/traps.log" "$1" | sort; }
# sent_set FROM TO: "kind index" uccertd logged as acknowledged in its log
# lines FROM..TO (numbered from 1)
sent_set() {
	sed -n "$1,$2p" "$W/uccertd.log" | sed -n 's/^uccertd: sent uccert\(Expired\|Expiring\):.*(uccertIndex \([0-9]*\))$/\1 \2/p' |
		sed 's/^Expired/expired/; s/^Expiring/expiring/' | sort
}
log_lines() { wc -l < "$W/uccertd.log" | tr -d ' '; }
# arm NAME N TARGET SIG: a watcher, started now (before the burst), sends SIG
# to TARGET (a pid, or @pidfile read at that moment) as soon as N
# notifications have arrived after the current end of the trap log; fired
# NAME prints how many had arrived by then, fired_at NAME the time (ns)
arm() {
	rm -f "$W/armed-$1"
	$BURST signal "$W/traps.log" "$(trap_lines)" "$2" "$3" "$4" 120 "$W/armed-$1" > "$W/fired-$1" &
	ARMED_PID=$!
	wait_for 20 test -e "$W/armed-$1"
}
# (call wait "$ARMED_PID" first, in this shell: $(...) is a subshell)
fired() { cut -d' ' -f1 "$W/fired-$1"; }
# launch_uccertd CONF: start_uccertd without waiting to be served (the
# armed watcher may stop it, or snmpd, before anyone could look)
launch_uccertd() {
	_r=""
	[ "$(id -u)" -ne 0 ] || _r=--allow-root
	"$UCCERTD" -f $_r -c "$1" -x "$AGENTX_SOCK" -p "$W/uccertd.pid" >> "$W/uccertd.log" 2>&1 &
	UCCERTD_PID=$!
	on_exit "kill $UCCERTD_PID 2>/dev/null; wait $UCCERTD_PID"
}
fired_at() { cut -d' ' -f2 "$W/fired-$1"; }
backlog() { snmp_raw snmpget -Oqv $UCCERT_OID.1.1.8.0; }
# drained SKIP: every due notification has arrived and uccertd has nothing left
drained() {
	$BURST settle "$W/traps.log" "$1" "$DUE" 90 1 > "$W/settled" || :
	wait_for 10 sh -c "[ \"\$(MIBS= snmpget -v2c -c public -t 2 -r 1 -Oqv 127.0.0.1:$SNMP_PORT $UCCERT_OID.1.1.8.0)\" = 0 ]"
}
# exactly_once NAME SKIP: the notifications since SKIP are the due set, each once
exactly_once() {
	got_set "$2" > "$W/got-$1"
	if cmp -s "$W/due" "$W/got-$1"; then return 0; fi
	echo "  due $(wc -l < "$W/due"), got $(wc -l < "$W/got-$1"); first differences:" >&2
	diff "$W/due" "$W/got-$1" | head -n 6 >&2
	return 1
}
# at_most_dups NAME SKIP LIMIT: everything due arrived; extra copies <= LIMIT
at_most_dups() {
	got_set "$2" > "$W/got-$1"
	missing=$(sort -u "$W/got-$1" | comm -23 "$W/due" - | wc -l)
	extra=$(sort -u "$W/got-$1" | comm -13 "$W/due" - | wc -l)
	dups=$(($(wc -l < "$W/got-$1") - $(sort -u "$W/got-$1" | wc -l)))
	echo "  $1: $(wc -l < "$W/got-$1") notifications for $(wc -l < "$W/due") due: $missing missing, $extra not due, $dups duplicate(s) (limit $3)"
	[ "$missing" -eq 0 ] && [ "$extra" -eq 0 ] && [ "$dups" -le "$3" ]
}

# ---- D: notify_rate = 20, 200 due: paced, in priority order, through an
# snmptrapd with Linux's default UDP receive buffer ----
start_snmptrapd
start_snmpd
S="$W/small/solo"
mkdir -p "$S/tomcat-trust" "$S/CallManager-trust" "$S/CallManager" "$S/TVS" "$S/Phone-trust"
mint --count 40 -o "$S/tomcat-trust/a-%d.pem" --cn a --not-before -400d --not-after -20d
mint --count 40 -o "$S/CallManager-trust/b-%d.pem" --cn b --not-before -400d --not-after -2d
mint --count 20 -o "$S/tomcat-trust/c-%d.pem" --cn c --not-before -400d --not-after +10d
mint --count 20 -o "$S/CallManager/d-%d.pem" --cn d --not-before -400d --not-after +10d
mint --count 40 -o "$S/TVS/e-%d.pem" --cn e --not-before -400d --not-after +30d
mint --count 40 -o "$S/Phone-trust/f-%d.pem" --cn f --not-before -400d --not-after +50d
conf D "$W/small" "notify_rate = 20;"
skip=$(trap_lines)
# the watcher first, so that it stamps the very first arrival
$BURST timed "$W/traps.log" "$skip" 200 40 "$W/ready-D" > "$W/timed-D" &
timed=$!
wait_for 20 test -e "$W/ready-D"
start_uccertd "$W/D.conf"
wait "$timed" || :
span=$(tail -n 1 "$W/timed-D" | cut -d' ' -f1)
echo "  200 notifications at notify_rate = 20: first to last in $span s"
check "D: 200 due notifications at 20 per second take 10 s +- 1 s" \
	python3 -c "import sys; sys.exit(0 if 9.0 <= float('$span') <= 11.0 else 1)"
# priority: expired first (the most overdue first), then the fewest days
# left, CTL/ITL (impact 2) before none (1) at equal days
in_order() {
	python3 - "$W/timed-D" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1])]
key = [(0 if k == "expired" else 1, int(d), 0 if i == "2" else 1) for _, k, d, i, _ in rows]
groups = []
for k in key:
    if groups and groups[-1][0] == k:
        groups[-1][1] += 1
    else:
        groups.append([k, 1])
print("  arrival groups (kind rank, days, impact rank) x count:", groups)
sys.exit(0 if key == sorted(key) and [c for _, c in groups] == [40, 40, 20, 20, 40, 40] else 1)
PY
}
check "D: arrival in priority order" in_order
check_clean_exit

# An unpaced burst outruns snmptrapd, whose UDP receive buffer (about 200 KB
# by default on Linux) holds fewer than a hundred of these notifications:
# the kernel drops the rest, after snmpd has acknowledged them, and nobody
# can tell. A trap receiver meant to take notify_rate = 0 needs a larger
# buffer (uccertd(8) says so): these runs give snmptrapd 4 MiB.
stop_snmpd
kill "$TRAPD_PID"; wait "$TRAPD_PID" 2>/dev/null || :
SNMPTRAPD_EXTRA="[snmp] serverRecvBuf 4194304"
start_snmptrapd
start_snmpd

# ---- A: unpaced burst, GETs through the same snmpd ----
conf A "$E" "notify_rate = 0;"
skip=$(trap_lines)
"$GETLAT" -w "127.0.0.1:$SNMP_PORT" public ".1.3.6.1.2.1.1.3.0,$UCCERT_OID.1.1.2.0" 1000000 50 \
	> "$W/poll-A" 2>&1 &
POLL_PID=$!
on_exit "kill $POLL_PID 2>/dev/null"
start_uccertd "$W/A.conf"
due_set > "$W/due"
check "uccertState lists $DUE certificates expired or expiring (the due set)" \
	assert_eq "$DUE" "$(wc -l < "$W/due" | tr -d ' ')"
drained "$skip"
kill "$POLL_PID"
wait "$POLL_PID" || :
echo "  GETs (20 per second) from registration until drained: $(cat "$W/poll-A")"
check "A: every due notification arrived exactly once" exactly_once A "$skip"
check "A: no GET of sysUpTime.0 + uccertCertCount.0 failed or timed out meanwhile" \
	grep -q '^n=[1-9][0-9]* errors=0 ' "$W/poll-A"
check "A: uccertNotifyBacklog is 0 once drained" assert_eq 0 "$(backlog)"
check_clean_exit

# ---- T: SIGTERM mid-burst, then a restart ----
conf T "$E" "notify_rate = 0;"
skip=$(trap_lines)
rm -f "$W/uccertd.pid"
arm T 50 "@$W/uccertd.pid" 15
launch_uccertd "$W/T.conf"
wait "$ARMED_PID" || :
at_stop=$(fired T)
stop_uccertd
t1=$(date +%s%N)
t0=$(fired_at T)
echo "  SIGTERM after $at_stop of $DUE notifications: uccertd exited $(( (t1 - t0) / 1000000 )) ms later"
check "T: SIGTERM mid-burst: uccertd exits within 2 s" [ $((t1 - t0)) -le 2000000000 ]
check "T: SIGTERM mid-burst: exit status 0" assert_eq 0 "$UCCERTD_STATUS"
check "T: SIGTERM came mid-burst (not after it)" [ "$at_stop" -lt "$DUE" ]
start_uccertd "$W/T.conf"
drained "$skip"
check "T: after the restart every due notification has arrived exactly once" exactly_once T "$skip"
check_clean_exit

# ---- B: snmpd killed mid-burst, restarted 3 s later ----
conf B "$E" "notify_rate = 0;"
skip=$(trap_lines)
arm B 50 "$SNMPD_PID" 9
launch_uccertd "$W/B.conf"
wait "$ARMED_PID" || :
at_kill=$(fired B)
wait "$SNMPD_PID" 2>/dev/null || :
sleep 3
start_snmpd
echo "  snmpd killed after $at_kill of $DUE notifications"
drained "$skip"
check "B: master killed mid-burst: all due arrived, duplicates only for what was in flight" \
	at_most_dups B "$skip" "$INFLIGHT"
check "B: the kill came mid-burst" [ "$at_kill" -lt "$DUE" ]
check_clean_exit

# ---- C: snmpd stopped for 13 s mid-burst ----
conf C "$E" "notify_rate = 0;" "scan_interval = 10;"
skip=$(trap_lines)
arm C 50 "$SNMPD_PID" 19
launch_uccertd "$W/C.conf"
wait "$ARMED_PID" || :
at_stop=$(fired C)
from=$(log_lines)
sleep 12
scans=$(tail -n +"$from" "$W/uccertd.log" | grep -c '^uccertd: scan: ' || :)
from=$(log_lines)
kill -HUP "$UCCERTD_PID"
hup() { tail -n +"$from" "$W/uccertd.log" | grep -q '^uccertd: SIGHUP: reloading'; }
check "C: snmpd stopped: uccertd answers SIGHUP (log line within 2 s)" wait_for 2 hup
check "C: snmpd stopped: uccertd kept its 10 s scan schedule ($scans scan(s) in 12 s)" [ "$scans" -ge 1 ]
sleep 1
kill -CONT "$SNMPD_PID"
echo "  snmpd stopped after $at_stop of $DUE notifications"
drained "$skip"
check "C: after SIGCONT the burst completes exactly once" exactly_once C "$skip"
check "C: the stop came mid-burst" [ "$at_stop" -lt "$DUE" ]
check_clean_exit

# ---- E: uccertd killed mid-burst, started again ----
conf E "$E" "notify_rate = 0;"
skip=$(trap_lines)
from=$(log_lines)
rm -f "$W/uccertd.pid"
arm E 50 "@$W/uccertd.pid" 9
launch_uccertd "$W/E.conf"
wait "$ARMED_PID" || :
wait "$UCCERTD_PID" 2>/dev/null || :
sent_set "$((from + 1))" '$' > "$W/acked-before"
at_kill=$($BURST count "$W/traps.log" "$skip")
from=$(log_lines)
start_uccertd "$W/E.conf"
drained "$skip"
sent_set "$((from + 1))" '$' > "$W/acked-after"
check "E: the kill came mid-burst" [ "$at_kill" -lt "$DUE" ]
echo "  uccertd killed after $at_kill notifications, $(wc -l < "$W/acked-before") recorded as acknowledged"
check "E: uccertd killed mid-burst: nothing recorded as acknowledged is sent again" \
	assert_eq "" "$(comm -12 "$W/acked-before" "$W/acked-after" | head -n 3)"
check "E: nothing due is lost, duplicates only for what was in flight" at_most_dups E "$skip" "$INFLIGHT"
check_clean_exit


finish
