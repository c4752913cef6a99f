#!/bin/sh
# SIGTERM ends uccertd within 2 s while a scan is stuck on a TLS port that
# accepts and never answers (probe_timeout 30 s), and with snmpd stopped
# (SIGSTOP): the two states in which it used to wait.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/snmp-lib.sh"

C="$W/cluster"
mkdir -p "$C/pub/tomcat"
mint -o "$C/pub/tomcat/tomcat.pem" --not-before -400d --not-after +300d --cn pub
# a listener that accepts and never says a word
python3 - "$W/silent.port" <<'PY' &
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
conns = []
while True:
    c, _ = s.accept()
    conns.append(c)
    open(sys.argv[1] + ".accepted", "w").close()
PY
SILENT_PID=$!
on_exit "kill $SILENT_PID 2>/dev/null"
wait_for 10 test -s "$W/silent.port"
PORT=$(cat "$W/silent.port")
estate_conf "$W/plain.conf" "$W/state" "$C" "probe_timeout = 30;" "agentx = { ping_interval = 1; };"
cp "$W/plain.conf" "$W/uccert.conf"
start_snmpd
start_uccertd "$W/uccert.conf"

# the same node, now also probed on the silent port: the rescan hangs there
cat > "$W/uccert.conf" <<CONF
state_dir = "$W/state";
probe_timeout = 30;
agentx = { ping_interval = 1; };
clusters = ( { name = "lab"; nodes = (
  { name = "pub"; role = "publisher"; cert_dir = "$C/pub"; host = "127.0.0.1";
    probes = [ "tomcat@$PORT" ]; } ); } );
CONF
kill -HUP "$UCCERTD_PID"
check "the rescan is stuck in the silent port's handshake" wait_for 10 test -e "$W/silent.port.accepted"
t0=$(date +%s%N)
stop_uccertd
t1=$(date +%s%N)
echo "  SIGTERM during a stuck scan: exited after $(( (t1 - t0) / 1000000 )) ms"
check "SIGTERM during a scan stuck for 30 s: uccertd exits within 2 s" [ $((t1 - t0)) -le 2000000000 ]
check "... with exit status 0" assert_eq 0 "$UCCERTD_STATUS"

# snmpd stopped: the Close is never answered
start_uccertd "$W/plain.conf"
kill -STOP "$SNMPD_PID"
on_exit "kill -CONT $SNMPD_PID 2>/dev/null"
sleep 1
t0=$(date +%s%N)
stop_uccertd
t1=$(date +%s%N)
kill -CONT "$SNMPD_PID"
echo "  SIGTERM with snmpd stopped: exited after $(( (t1 - t0) / 1000000 )) ms"
check "SIGTERM with snmpd stopped: uccertd exits within 2 s" [ $((t1 - t0)) -le 2000000000 ]
check "... with exit status 0" assert_eq 0 "$UCCERTD_STATUS"
finish
