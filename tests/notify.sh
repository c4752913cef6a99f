#!/bin/sh
# Threshold notifications through a real snmpd (trap2sink) to a real
# snmptrapd, driven through time with uccertd --now: the exact multiset at
# each step, exactly once across restarts, held while the master is away,
# cleared on renewal, and no storm from a corrupt state file.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/snmp-lib.sh"

T0=2027-01-01T00:00:00Z
C="$W/cluster"
at() { date -u -d "2027-01-01 00:00:00 UTC + $1 days" +%Y-%m-%dT%H:%M:%SZ; }
# one certificate per distance from expiry, notAfter exactly N days after T0
cert() { # unit cn days
	mkdir -p "$C/pub/$1"
	mint -o "$C/pub/$1/$2.pem" --now $T0 --not-before -400d --not-after "+$3d" --cn "$2"
}
cert tomcat-trust c200 200
cert tomcat-trust c91 91
cert CallManager c90 90
cert tomcat-trust c89 89
cert tomcat c45 45
cert tomcat-trust c10 10
mkdir -p "$C/pub/tomcat-trust"
mint -o "$C/pub/tomcat-trust/cminus3.pem" --now $T0 --not-before -400d --not-after -3d --cn cminus3
printf 'garbage\n' > "$C/pub/tomcat-trust/broken.pem"	# unreadable: never notified
cat > "$W/uccert.conf" <<CONF
state_dir = "$W/state";
agentx = { ping_interval = 1; };
clusters = ( { name = "lab"; nodes = (
  { name = "pub"; role = "publisher"; cert_dir = "$C/pub"; } ); } );
CONF

start_snmptrapd
start_snmpd
seen=0	# trap log lines already looked at
uccertd_sent() { grep -c '^uccertd: sent ' "$W/uccertd.log" 2>/dev/null || true; }
# run_at DAYS: (re)start uccertd at T0 + DAYS and collect what it sends
run_at() {
	[ -z "${UCCERTD_PID:-}" ] || stop_uccertd
	before=$(uccertd_sent)
	start_uccertd "$W/uccert.conf" --now "$(at "$1")"
	settle
	collect
}
# settle: wait until snmptrapd has logged every notification uccertd sent
settle() {
	sleep 1
	want=$(( $(uccertd_sent) - before ))
	wait_for 10 sh -c "[ \$(tail -n +$((seen + 1)) '$W/traps.log' | grep -c '^TRAP ') -ge $want ]" || :
}
# collect: summarise the notifications logged since the last collect
collect() {
	python3 "$top_srcdir/tests/traps.py" "$W/traps.log" "$seen" | cut -d' ' -f1-3 |
		tr '\n' ';' > "$W/got"
	seen=$(wc -l < "$W/traps.log")
}
got() { cat "$W/got"; }

run_at 0
check "T0: one notification per certificate inside the window, for its band; expired only once" \
	assert_eq "expired cminus3 -3;expiring c10 10;expiring c45 45;expiring c89 89;expiring c90 90;" "$(got)"
python3 "$top_srcdir/tests/traps.py" "$W/traps.log" > "$W/all"
check "the notification carries node, unit, impact and days" \
	grep -q "^expiring c90 90 2 pub CallManager [0-9]" "$W/all"

run_at 0
check "restart with the same time: nothing sent again" assert_eq "" "$(got)"

run_at 1
check "T0+1: only the certificate that entered the window (91 -> 90 days)" \
	assert_eq "expiring c91 90;" "$(got)"

run_at 31
check "T0+31: reminder crossings only (60 for three, 14 once for 45 -> 14), expired only for 10 -> -21" \
	assert_eq "expired c10 -21;expiring c45 14;expiring c89 58;expiring c90 59;expiring c91 60;" "$(got)"

run_at 38
check "T0+38: the 7-day reminder" assert_eq "expiring c45 7;" "$(got)"

# renew c89 (51 days left, notified at 60): the old one is cleared, the new
# one is far from expiry and says nothing
rm "$C/pub/tomcat-trust/c89.pem"
mint -o "$C/pub/tomcat-trust/c89-renewed.pem" --now "$(at 38)" --not-after +1000d --cn c89
run_at 38
check "renewal in the window: uccertCleared for the old certificate, nothing for the new" \
	assert_eq "cleared c89 51;" "$(got)"

# the master is away while c45 crosses its 3-day reminder
stop_snmpd
stop_uccertd
before=$(uccertd_sent)
root_flag=""
[ "$(id -u)" -ne 0 ] || root_flag=--allow-root
"$UCCERTD" -f $root_flag -c "$W/uccert.conf" -x "$AGENTX_SOCK" --now "$(at 42)" >> "$W/uccertd.log" 2>&1 &
UCCERTD_PID=$!
on_exit "kill $UCCERTD_PID 2>/dev/null; wait $UCCERTD_PID"
held() { grep -q "held until the AgentX master is back" "$W/uccertd.log"; }
check "with no master, due notifications are held (and said so)" wait_for 10 held
collect
check "nothing reached the NMS meanwhile" assert_eq "" "$(got)"
start_snmpd
wait_for 10 served || :
settle
collect
check "master back: the held notification arrives, once" assert_eq "expiring c45 3;" "$(got)"
run_at 42
check "and a restart does not send it again" assert_eq "" "$(got)"

# a corrupt state file: no crash, at most one notification per certificate
stop_uccertd
printf 'uccert-alerts 1\nthis is not a state line\n' > "$W/state/alerts"
run_at 42
corrupt_ok() {
	kill -0 "$UCCERTD_PID" && grep -q "corrupt notification state" "$W/uccertd.log" &&
	test -f "$W/state/alerts.corrupt" &&
	[ -z "$(tr ';' '\n' < "$W/got" | cut -d' ' -f2 | sort | uniq -d)" ]
}
check "corrupt state file: moved aside, daemon runs, at most one notification per certificate" corrupt_ok
check "corrupt state file: each certificate in the window is notified for its current band" \
	assert_eq "expired c10 -32;expired cminus3 -45;expiring c45 3;expiring c90 48;expiring c91 49;" "$(got)"
run_at 42
check "after the rebuild, a restart sends nothing" assert_eq "" "$(got)"

check_clean_exit
finish
