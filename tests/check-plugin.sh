#!/bin/sh
# check-plugin.sh - uccert check, the Nagios/Icinga plugin: exit status per
# state, the status line, perfdata, long output, --cluster, source errors.
# Certificates are minted at test time relative to a fixed NOW.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

NOW=2027-01-01T00:00:00Z
NOW_EPOCH=1798761600	# $NOW as seconds since the epoch
DAY=86400

# cert DIR UNIT DAYS [FILE]: a certificate that expires DAYS days (and a few
# hours, so that days_left is DAYS exactly) after NOW; negative DAYS: ago.
cert() {
	mkdir -p "$1/$2"
	mint -o "$1/$2/${4:-$2.pem}" --cn "$(basename "$1")-$2" --now "$NOW" \
		--not-before -400d --not-after "@$((NOW_EPOCH + $3 * DAY + 5000))"
}
# healthy DIR: own and trust certificates valid for years
healthy() {
	cert "$1" tomcat 400
	cert "$1" CallManager 500
	cert "$1" tomcat-trust 1000 peer.pem
}

RC=0
OUT=""
# run NAME CONF ARGS...: `uccert -q -c CONF --now NOW check ARGS`; stdout
# in $W/NAME.out, stderr in $W/NAME.err, status in RC, first line in OUT
run() {
	n=$1 cf=$2; shift 2
	RC=0
	"$UCCERT" -q -c "$cf" --now "$NOW" check "$@" > "$W/$n.out" 2> "$W/$n.err" || RC=$?
	OUT=$(head -n 1 "$W/$n.out")
}
has() { # STRING TEXT: TEXT contains STRING
	case $2 in *"$1"*) return 0 ;; esac
	echo "  '$1' not in: $2" >&2
	return 1
}
starts() { # PREFIX TEXT
	case $2 in "$1"*) return 0 ;; esac
	echo "  does not start with '$1': $2" >&2
	return 1
}
lines() { wc -l < "$1" | tr -d ' '; }
# the perfdata of the status line
perf() { printf '%s\n' "$OUT" | sed -n 's/^[^|]*| //p'; }
# the status line is "UCCERT <STATE> - <summary> | <perfdata>", no other '|'
well_formed() {
	printf '%s\n' "$OUT" | grep -Eq "^UCCERT $1 - [^|]+ \| 'days_min'=(-?[0-9]+|U);[0-9]+:;[0-9]+: 'valid'=[0-9]+ 'expiring'=[0-9]+ 'expired'=[0-9]+ 'unreadable'=[0-9]+ 'source_errors'=[0-9]+ 'days_min_own'=(-?[0-9]+|U) 'days_min_trust'=(-?[0-9]+|U)\$" \
		&& [ "$(tail -n +2 "$W/$2.out" | grep -c '|')" = 0 ]
}

# ---- 0 OK: every certificate valid ---------------------------------------------
mkdir -p "$W/ok"
healthy "$W/ok/pub"
healthy "$W/ok/sub1"
write_config "$W/ok.conf" hq "cucm-pub:publisher:$W/ok/pub" "cucm-sub1:subscriber:$W/ok/sub1"
run ok "$W/ok.conf"
check "OK: exit 0" assert_eq 0 "$RC"
check "OK: status line format" well_formed OK ok
check "OK: summary names the soonest" \
	assert_eq "UCCERT OK - 6 certificates, none expiring; soonest cucm-pub tomcat 400 days" "${OUT%% |*}"
check "OK: perfdata, default thresholds 90 and 30 as ranges" \
	assert_eq "'days_min'=400;91:;31: 'valid'=6 'expiring'=0 'expired'=0 'unreadable'=0 'source_errors'=0 'days_min_own'=400 'days_min_trust'=1000" "$(perf)"
check "OK: one line, nothing on stderr" assert_eq "1:" "$(lines "$W/ok.out"):$(cat "$W/ok.err")"

# ---- 1 WARNING: one none-impact certificate inside the warning threshold ---------
mkdir -p "$W/warn"
healthy "$W/warn/pub"
NA=$((NOW_EPOCH + 60 * DAY + 4321))
mkdir -p "$W/warn/pub/ipsec"
mint -o "$W/warn/pub/ipsec/ipsec.pem" --cn cucm-pub-ipsec --now "$NOW" --not-before -400d \
	--not-after "@$NA"
write_config "$W/warn.conf" hq "cucm-pub:publisher:$W/warn/pub"
run warn "$W/warn.conf"
check "WARNING: exit 1" assert_eq 1 "$RC"
check "WARNING: status line format" well_formed WARNING warn
check "WARNING: summary names node, unit and days" \
	assert_eq "UCCERT WARNING - 1 warning of 4 certificates: cucm-pub ipsec 60 days" "${OUT%% |*}"
check "WARNING: days_min is floor((notAfter - now) / 1 day)" \
	assert_eq "'days_min'=$(((NA - NOW_EPOCH) / DAY));91:;31:" "$(perf | cut -d' ' -f1)"
check "WARNING: counts per state" \
	assert_eq "'valid'=3 'expiring'=1 'expired'=0 'unreadable'=0 'source_errors'=0 'days_min_own'=60 'days_min_trust'=1000" "$(perf | cut -d' ' -f2-)"
check "WARNING: long output names the file" \
	has "WARNING: hq/cucm-pub ipsec 60 days, expiring, notAfter " "$(sed -n 2p "$W/warn.out")"
check "WARNING: long output, one line per problem" assert_eq 2 "$(lines "$W/warn.out")"
run warn59 "$W/warn.conf" --warning 59
check "--warning 59: the 60-day certificate is OK" assert_eq "0 'valid'=4" \
	"$RC $(perf | cut -d' ' -f2)"
run warn60 "$W/warn.conf" --warning 60 --critical 10
check "--warning 60: inclusive, perfdata thresholds follow" \
	assert_eq "1 'days_min'=60;61:;11:" "$RC $(perf | cut -d' ' -f1)"
run warn-c60 "$W/warn.conf" --critical 60
check "--critical 60: CRITICAL" assert_eq 2 "$RC"
run warn-short "$W/warn.conf" -w 100 -c 60
check "-w/-c short options" assert_eq "2 'days_min'=60;101:;61:" "$RC $(perf | cut -d' ' -f1)"

# ---- 2 CRITICAL: expired; ctl-itl at the warning threshold ----------------------
mkdir -p "$W/exp"
healthy "$W/exp/pub"
cert "$W/exp/pub" ipsec -3
write_config "$W/exp.conf" hq "cucm-pub:publisher:$W/exp/pub"
run exp "$W/exp.conf"
check "CRITICAL expired: exit 2" assert_eq 2 "$RC"
check "CRITICAL expired: status line format" well_formed CRITICAL exp
check "CRITICAL expired: summary" \
	assert_eq "UCCERT CRITICAL - 1 critical of 4 certificates: cucm-pub ipsec -3 days (expired)" "${OUT%% |*}"
check "CRITICAL expired: days_min negative, counted expired" \
	assert_eq "'days_min'=-3;91:;31: 'valid'=3 'expiring'=0 'expired'=1" "$(perf | cut -d' ' -f1-4)"

mkdir -p "$W/ctl"
cert "$W/ctl/pub" CallManager 80
cert "$W/ctl/pub" tomcat 400
write_config "$W/ctl.conf" hq "cucm-pub:publisher:$W/ctl/pub"
run ctl "$W/ctl.conf" --warning 90
check "CRITICAL ctl-itl: CallManager at 80 days with --warning 90" assert_eq 2 "$RC"
check "CRITICAL ctl-itl: summary says ctl-itl" \
	assert_eq "UCCERT CRITICAL - 1 critical of 2 certificates: cucm-pub CallManager 80 days (ctl-itl)" "${OUT%% |*}"
run ctl70 "$W/ctl.conf" --warning 70
check "ctl-itl outside --warning 70: OK" assert_eq 0 "$RC"
# the same days on a none-impact unit only warn
mkdir -p "$W/none80"
cert "$W/none80/pub" tomcat 80
write_config "$W/none80.conf" hq "cucm-pub:publisher:$W/none80/pub"
run none80 "$W/none80.conf" --warning 90
check "none-impact tomcat at 80 days with --warning 90: WARNING" assert_eq 1 "$RC"

# default warning: the threshold of each impact class in the configuration
mkdir -p "$W/cls"
cert "$W/cls/pub" CallManager 140
cert "$W/cls/pub" tomcat 110
write_config "$W/cls0.conf" hq "cucm-pub:publisher:$W/cls/pub"
{ echo "threshold_days = 120; threshold_days_ctl_itl = 150;"; cat "$W/cls0.conf"; } > "$W/cls.conf"
run cls "$W/cls.conf"
check "per-class defaults: CallManager at 140 (ctl-itl 150) critical, tomcat at 110 (120) warning" \
	assert_eq "2 UCCERT CRITICAL - 1 critical, 1 warning of 2 certificates: cucm-pub CallManager 140 days (ctl-itl), cucm-pub tomcat 110 days" \
	"$RC ${OUT%% |*}"
check "per-class defaults: perfdata warning is threshold_days" \
	assert_eq "'days_min'=110;121:;31:" "$(perf | cut -d' ' -f1)"

# several problems: a few named, then "and N more"; long output lists all
mkdir -p "$W/many"
for u in tomcat ipsec tomcat-ECDSA; do cert "$W/many/pub" "$u" 50; done
cert "$W/many/pub" CAPF 10
cert "$W/many/pub" tomcat-trust -20 old.pem
write_config "$W/many.conf" hq "cucm-pub:publisher:$W/many/pub"
run many "$W/many.conf"
check "many: three named, worst first, then 'and 2 more'" \
	assert_eq "UCCERT CRITICAL - 2 critical, 3 warning of 5 certificates: cucm-pub CAPF 10 days (ctl-itl), cucm-pub tomcat-trust -20 days (expired), cucm-pub ipsec 50 days and 2 more" \
	"${OUT%% |*}"
check "many: long output has all five" assert_eq "2 3" \
	"$(grep -c '^CRITICAL: ' "$W/many.out") $(grep -c '^WARNING: ' "$W/many.out")"

# ---- unreadable files: WARNING, named ---------------------------------------
mkdir -p "$W/unr"
healthy "$W/unr/pub"
mkdir -p "$W/unr/pub/CAPF"
echo garbage > "$W/unr/pub/CAPF/broken.pem"
write_config "$W/unr.conf" hq "cucm-pub:publisher:$W/unr/pub"
run unr "$W/unr.conf"
check "unreadable: exit 1" assert_eq 1 "$RC"
check "unreadable: names the file" \
	assert_eq "UCCERT WARNING - 1 unreadable of 4 certificates: cucm-pub CAPF/broken.pem unreadable" "${OUT%% |*}"
check "unreadable: counted, days_min from the readable ones" \
	assert_eq "'days_min'=400;91:;31: 'valid'=3 'expiring'=0 'expired'=0 'unreadable'=1 'source_errors'=0 'days_min_own'=400 'days_min_trust'=1000" "$(perf)"
check "unreadable: long output has path and reason" \
	has "WARNING: hq/cucm-pub CAPF unreadable: $W/unr/pub/CAPF/broken.pem: " "$(sed -n 2p "$W/unr.out")"

# ---- a source error: WARNING naming the cert_dir --------------------------------
write_config "$W/src.conf" hq "cucm-pub:publisher:$W/ok/pub" "cucm-sub1:subscriber:$W/missing/sub1"
run src "$W/src.conf"
check "source error: exit 1" assert_eq 1 "$RC"
check "source error: status line format" well_formed WARNING src
check "source error: names the dir and the reason" \
	has "UCCERT WARNING - 3 certificates, none expiring; soonest cucm-pub tomcat 400 days; cert_dir $W/missing/sub1 of hq/cucm-sub1: No such file or directory |" "$OUT"
check "source error: counted in perfdata" has "'source_errors'=1" "$(perf)"
check "source error: long output line" \
	assert_eq "WARNING: cert_dir $W/missing/sub1 of hq/cucm-sub1: No such file or directory" "$(sed -n 2p "$W/src.out")"
# a certificate problem and a source error: the worse state wins
write_config "$W/src2.conf" hq "cucm-pub:publisher:$W/exp/pub" "cucm-sub1:subscriber:$W/missing/sub1"
run src2 "$W/src2.conf"
check "source error with an expired certificate: CRITICAL, both named" assert_eq "2 yes" \
	"$RC $(has "(expired); cert_dir $W/missing/sub1" "$OUT" && echo yes)"

# ---- 3 UNKNOWN ---------------------------------------------------------------
write_config "$W/dead.conf" hq "cucm-pub:publisher:$W/missing/pub" "cucm-sub1:subscriber:$W/missing/sub1"
run dead "$W/dead.conf"
check "all sources broken: exit 3" assert_eq 3 "$RC"
check "all sources broken: status line format" well_formed UNKNOWN dead
check "all sources broken: summary" \
	has "UCCERT UNKNOWN - no source could be read (2 of 2); cert_dir $W/missing/pub of hq/cucm-pub: No such file or directory, cert_dir $W/missing/sub1" "$OUT"
check "all sources broken: days_min U (no readable certificate)" \
	assert_eq "'days_min'=U;91:;31: 'valid'=0 'expiring'=0 'expired'=0 'unreadable'=0 'source_errors'=2 'days_min_own'=U 'days_min_trust'=U" "$(perf)"

printf 'threshold_days = "soon";\nclusters = ( );\n' > "$W/bad.conf"
run badconf "$W/bad.conf"
check "broken configuration: exit 3" assert_eq 3 "$RC"
check "broken configuration: one UNKNOWN line naming file:line" \
	assert_eq "1 yes" "$(lines "$W/badconf.out") $(starts "UCCERT UNKNOWN - configuration error: $W/bad.conf:1: " "$OUT" && echo yes)"
check "broken configuration: scan exits 2 as before" sh -c \
	'"$1" -q -c "$2" scan >/dev/null 2>&1; [ $? = 2 ]' sh "$UCCERT" "$W/bad.conf"
run noconf "$W/nonexistent.conf"
check "missing configuration: exit 3, UNKNOWN" assert_eq "3 yes" \
	"$RC $(starts "UCCERT UNKNOWN - configuration error: " "$OUT" && echo yes)"
run badconf-usage "$W/bad.conf" --bogus
check "broken configuration and bad usage: still 3" assert_eq 3 "$RC"

for args in "--bogus" "--warning abc" "--critical -1" "extra" "--warning"; do
	# shellcheck disable=SC2086
	run usage "$W/ok.conf" $args
	check "bad usage '$args': exit 3, one UNKNOWN line" assert_eq "3 1 yes" \
		"$RC $(lines "$W/usage.out") $(starts "UCCERT UNKNOWN - " "$OUT" && echo yes)"
done
run wlc "$W/ok.conf" --warning 20 --critical 30
check "--warning below --critical: exit 3" assert_eq 3 "$RC"
check "--warning below --critical: says so" \
	has "UCCERT UNKNOWN - --warning 20 is below --critical 30" "$OUT"
run weqc "$W/ok.conf" --warning 30 --critical 30
check "--warning equal to --critical: accepted" assert_eq 0 "$RC"

# ---- --cluster ---------------------------------------------------------------
cat > "$W/two.conf" <<EOF
state_dir = "$W/state";
clusters = (
  { name = "hq"; product = "cucm"; security_mode = "mixed-usb";
    nodes = ( { name = "cucm-pub"; role = "publisher"; cert_dir = "$W/exp/pub"; } ); },
  { name = "branch"; product = "cucm"; security_mode = "non-secure";
    nodes = ( { name = "br-pub"; role = "publisher"; cert_dir = "$W/ok/sub1"; } ); }
);
EOF
run two "$W/two.conf"
check "two clusters: CRITICAL, cluster named" assert_eq "2 yes" \
	"$RC $(has "certificates: hq/cucm-pub ipsec -3 days (expired) |" "$OUT" && echo yes)"
check "two clusters: counts cover both" has "'valid'=6 'expiring'=0 'expired'=1" "$(perf)"
run branch "$W/two.conf" --cluster branch
check "--cluster branch: OK, its certificates only" \
	assert_eq "0 UCCERT OK - 3 certificates, none expiring; soonest br-pub tomcat 400 days" "$RC ${OUT%% |*}"
check "--cluster branch: perfdata of branch only" \
	assert_eq "'days_min'=400;91:;31: 'valid'=3 'expiring'=0 'expired'=0 'unreadable'=0 'source_errors'=0 'days_min_own'=400 'days_min_trust'=1000" "$(perf)"
run hq "$W/two.conf" --cluster hq
check "--cluster hq: CRITICAL" assert_eq "2 'days_min'=-3;91:;31:" "$RC $(perf | cut -d' ' -f1)"
run nosuch "$W/two.conf" --cluster nosuch
check "--cluster unknown: exit 3" assert_eq "3 yes" \
	"$RC $(starts "UCCERT UNKNOWN - --cluster nosuch: no such cluster" "$OUT" && echo yes)"

# ---- what matters first; own only; exclusions; perfdata apart; -t ------------
check "many: own CTL/ITL first, then trust, in the name and the long output" \
	assert_eq "CRITICAL: hq/cucm-pub CAPF|CRITICAL: hq/cucm-pub tomcat-trust" \
	"$(sed -n '2,3p' "$W/many.out" | cut -d' ' -f1-3 | paste -sd '|' -)"
check "many: perfdata has own and trust minima apart" has "'days_min_own'=10 'days_min_trust'=-20" "$(head -n 1 "$W/many.out")"
run ownonly "$W/many.conf" --own-only
check "--own-only: the expired trust certificate is left out" \
	assert_eq "2 UCCERT CRITICAL - 1 critical, 3 warning of 4 certificates" "$RC ${OUT%%:*}"
run excl "$W/many.conf" --exclude '*/tomcat-trust/*' --exclude 'cucm-pub/CAPF/*'
check "--exclude (twice): those certificates are not counted" \
	assert_eq "1 UCCERT WARNING - 3 warning of 3 certificates" "$RC ${OUT%%:*}"
run exclpath "$W/many.conf" --exclude "$W/many/pub/tomcat-trust/old.pem"
check "--exclude by full path" has "of 4 certificates" "$OUT"
run tbad "$W/many.conf" -t 0
check "-t 0: bad usage, UNKNOWN" assert_eq 3 "$RC"
run tok "$W/many.conf" -t 30
check "-t 30: the check finishes normally" assert_eq 2 "$RC"
# a probe that never answers the TLS handshake: -t 1 ends the check in time
python3 -c 'import socket,time,sys
s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(5)
print(s.getsockname()[1]); sys.stdout.flush()
conns=[]
while True:
    c,_=s.accept(); conns.append(c)' > "$W/silent.port" &
SILENT=$!
on_exit "kill $SILENT"
i=0; while [ ! -s "$W/silent.port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
cat > "$W/silent.conf" <<EOF
state_dir = "$W/state";
probe_timeout = 20;
clusters = ( { name = "hq"; nodes = (
  { name = "p"; role = "publisher"; host = "127.0.0.1"; probes = [ "tomcat@$(cat "$W/silent.port")" ]; } ); } );
EOF
run silent "$W/silent.conf" -t 1
check "-t 1 against a node that never answers: UNKNOWN with the reason" \
	assert_eq "3 UCCERT UNKNOWN - no answer within 1 seconds (-t)" "$RC $OUT"

finish
