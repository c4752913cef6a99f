#!/bin/sh
# cli.sh - the command line: help, version, usage errors (64), configuration
# errors (2).
. "$top_srcdir/tests/lib.sh"

# run ARGS...: $rc, $W/out, $W/err
run() {
	rc=0
	"$UCCERT" "$@" > "$W/out" 2> "$W/err" || rc=$?
}
has() { grep -q -- "$2" "$W/$1" || { echo "  $1: $(cat "$W/$1")" >&2; return 1; }; }
empty() { [ ! -s "$W/$1" ] || { echo "  $1: $(cat "$W/$1")" >&2; return 1; }; }

mkdir -p "$W/node/tomcat"
mint -o "$W/node/tomcat/tomcat.pem" --now 2027-01-01T00:00:00Z --not-after +100d
write_config "$W/uccert.conf" hq "pub:publisher:$W/node"

# ---- help and version ------------------------------------------------------
for opt in --help -h; do
	run $opt
	check "$opt exits 0" assert_eq 0 "$rc"
	check "$opt prints the usage on stdout" has out "^usage: uccert "
	check "$opt lists the scan command" has out "^  scan "
	check "$opt documents --now" has out "--now TIME"
	check "$opt prints nothing on stderr" empty err
done
VERSION=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$top_builddir/config.h")
for opt in --version -V; do
	run $opt
	check "$opt exits 0" assert_eq 0 "$rc"
	check "$opt prints the version" assert_eq "uccert $VERSION" "$(cat "$W/out")"
done

# ---- usage errors: 64 -----------------------------------------------------
run
check "no command: exit 64" assert_eq 64 "$rc"
check "no command: usage on stderr" has err "^usage: uccert "
check "no command: nothing on stdout" empty out
run -c "$W/uccert.conf" frobnicate
check "unknown command: exit 64" assert_eq 64 "$rc"
check "unknown command: named" has err "unknown command 'frobnicate'"
run --frobnicate scan
check "unknown option: exit 64" assert_eq 64 "$rc"
check "unknown option: named" has err "frobnicate"
check "unknown option: points to --help" has err "uccert --help"
run -c "$W/uccert.conf" scan --frobnicate
check "unknown scan option: exit 64" assert_eq 64 "$rc"
check "unknown scan option: nothing on stdout" empty out
run -c "$W/uccert.conf" scan extra
check "stray scan argument: exit 64" assert_eq 64 "$rc"
check "stray scan argument: named" has err "'extra'"
run -c
check "-c without a file: exit 64" assert_eq 64 "$rc"

for bad in 2027-13-01T00:00:00Z 2027-02-30T00:00:00Z 2027-01-01T00:00:00 2027-02-30 yesterday ""; do
	run -c "$W/uccert.conf" --now "$bad" scan
	check "--now '$bad': exit 64" assert_eq 64 "$rc"
	check "--now '$bad': says what it expects" has err "RFC 3339"
	check "--now '$bad': no report" empty out
done
run -c "$W/uccert.conf" scan --now 2027-01-01T00:00:00Z
check "--now after the command is not a global option: exit 64" assert_eq 64 "$rc"

# ---- configuration errors: 2 ----------------------------------------------
run -c "$W/absent.conf" scan
check "missing config file: exit 2" assert_eq 2 "$rc"
check "missing config file: its path and the reason" has err "$W/absent.conf: .*No such file"
check "missing config file: nothing on stdout" empty out
printf 'threshold_days = -4;\n' > "$W/neg.conf"
cat "$W/uccert.conf" >> "$W/neg.conf"
run -c "$W/neg.conf" scan
check "invalid config: exit 2" assert_eq 2 "$rc"
check "invalid config: file:line" has err "^uccert: $W/neg.conf:1: threshold_days"
# 2^32 + 90 fits no 32-bit int: it must not be read as 90
printf 'threshold_days = 4294967386;\n' > "$W/wrap.conf"
cat "$W/uccert.conf" >> "$W/wrap.conf"
run -c "$W/wrap.conf" scan
check "threshold_days beyond 32 bits: exit 2" assert_eq 2 "$rc"
check "threshold_days beyond 32 bits: quoted as written, with the range" \
	has err "^uccert: $W/wrap.conf:1: threshold_days = 4294967386: must be between 0 and 3650"
check "threshold_days beyond 32 bits: no report" empty out

# ---- the options work -------------------------------------------------------
run -c "$W/uccert.conf" --now 2027-01-01T00:00:00Z scan
check "scan with --now: exit 0" assert_eq 0 "$rc"
check "--now sets the clock" has out " 100  valid "
run --config "$W/uccert.conf" --now 2027-01-01T02:00:00+02:00 scan --json
check "--now with an offset is the same instant" has out '"days_left": 100'
run -c "$W/uccert.conf" --now 2027-04-11T00:00:01Z scan
check "one second after notAfter: expired, -1 day" has out "  -1  expired "
printf 'colour = "blue";\n' > "$W/warn.conf"
cat "$W/uccert.conf" >> "$W/warn.conf"
run -c "$W/warn.conf" scan
check "unknown setting: still exit 0" assert_eq 0 "$rc"
check "unknown setting: warning with file:line" has err "$W/warn.conf:1: .*colour"
run -q -c "$W/warn.conf" scan
check "-q silences the warning" empty err
check "-q keeps the report, with the singular for one certificate" has out "^1 certificate: 1 valid"

# ---- sources not read: 3 (some), 4 (none) ---------------------------------
# A total outage must never read as an all-clear.
NOW=2027-01-01T00:00:00Z
mkdir -p "$W/sub/tomcat-trust"
mint -o "$W/sub/tomcat-trust/old.pem" --now $NOW --not-before -400d --not-after -30d --cn old
write_config "$W/some.conf" hq "pub:publisher:$W/node" "sub1:subscriber:$W/sub" "sub2:subscriber:$W/gone"
write_config "$W/none.conf" hq "pub:publisher:$W/gone1" "sub1:subscriber:$W/gone2"
run -q -c "$W/uccert.conf" --now $NOW scan
check "scan, every source read: exit 0" assert_eq 0 "$rc"
run -q -c "$W/some.conf" --now $NOW scan
check "scan, one source of three not read: exit 3" assert_eq 3 "$rc"
check "scan, one not read: the report is still printed" has out "^hq  *pub  *tomcat "
check "scan: a source error says which kind of source it is" has out "^source hq/sub2 cert_dir $W/gone: "
run -q -c "$W/none.conf" --now $NOW scan
check "scan, no source read: exit 4" assert_eq 4 "$rc"
# a TLS probe on a closed port is a tls source, not a cert_dir
CLOSED=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$W/tls.conf" <<EOF
state_dir = "$W/state";
probe_timeout = 2;
clusters = ( { name = "hq"; nodes = (
  { name = "pub"; role = "publisher"; host = "127.0.0.1"; probes = [ "tomcat@$CLOSED" ]; } ); } );
EOF
run -c "$W/tls.conf" --now $NOW scan
check "scan, closed probe port: labelled tls host:port, exit 4" assert_eq "4 1" \
	"$rc $(grep -c "^source hq/pub tls 127.0.0.1:$CLOSED: " "$W/out")"
run -q -c "$W/some.conf" --now $NOW plan
check "plan, one source not read: exit 3" assert_eq 3 "$rc"
check "plan, one not read: first line says INCOMPLETE" has out "^INCOMPLETE: 1 of 3 sources could not be read"
check "plan, one not read: names the node and the source" has out "not seen: hq/sub2: cert_dir $W/gone: "
run -q -c "$W/none.conf" --now $NOW plan
check "plan, no source read: exit 4" assert_eq 4 "$rc"
check "plan, no source read: says so on its first line" assert_eq "NOTHING COULD BE READ: none of the 2 sources answered. This is not an all-clear:" \
	"$(head -1 "$W/out")"
check "plan, no source read: never 'nothing needs renewing'" assert_eq 0 "$(grep -ci 'nothing needs renewing' "$W/out" || :)"
run -q -c "$W/none.conf" --now $NOW plan --json
check "plan --json, no source read: complete false, 2 of 2 unreadable, exit 4" \
	assert_eq "False 2 2 4" "$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["complete"], j["sources"]["unreadable"], j["sources"]["total"], sys.argv[2])' "$W/out" "$rc")"
run -q -c "$W/uccert.conf" --now $NOW plan
check "plan, every source read: exit 0" assert_eq 0 "$rc"
printf 'cleanup = { quarantine_dir = "%s"; };\n' "$W/q" >> "$W/some.conf"
printf 'cleanup = { quarantine_dir = "%s"; };\n' "$W/q" >> "$W/none.conf"
run -q -c "$W/some.conf" --now $NOW cleanup
check "cleanup dry run, one source not read: exit 3" assert_eq 3 "$rc"
check "cleanup dry run, one not read: the candidate is still listed" has out "old.pem"
run -q -c "$W/some.conf" --now $NOW cleanup --node sub1
check "cleanup --node of a node that was read: exit 0" assert_eq 0 "$rc"
run -q -c "$W/none.conf" --now $NOW cleanup
check "cleanup, no source read: exit 4" assert_eq 4 "$rc"

# ---- one command line for every command -------------------------------------
run -q -c "$W/some.conf" --now $NOW scan --node sub1
check "scan --node: only that node's rows, its sources only (exit 0)" assert_eq "0 1 sub1" \
	"$rc $(grep -c ' sub1 ' "$W/out") $(awk 'NR > 1 && !/certificate/ {print $2}' "$W/out" | sort -u | paste -sd ' ' -)"
run -q -c "$W/some.conf" --now $NOW scan --state expired --json
check "scan --state expired: only expired rows" assert_eq "expired" \
	"$(python3 -c 'import json,sys; print(" ".join(sorted({r["state"] for r in json.load(open(sys.argv[1]))})))' "$W/out")"
run -q -c "$W/some.conf" --now $NOW scan --store own
check "scan --store own: no trust row" assert_eq "0" "$(grep -c ' trust ' "$W/out" || :)"
run -q -c "$W/some.conf" --now $NOW scan --state due
check "scan --state with a wrong word: 64, names the valid ones" assert_eq "64 yes" \
	"$rc $(grep -q 'expected valid, expiring, expired or unreadable' "$W/err" && echo yes)"
run -q -c "$W/some.conf" --now $NOW scan --cluster nosuch
check "scan --cluster unknown: 64, lists the clusters" assert_eq "64 yes" \
	"$rc $(grep -q "no cluster 'nosuch' in $W/some.conf (clusters: hq)" "$W/err" && echo yes)"
run -q -c "$W/some.conf" --now $NOW plan --cluster nosuch
check "plan --cluster unknown: lists the clusters" has err "(clusters: hq)"
run -q -c "$W/some.conf" --now $NOW cleanup --cluster nosuch
check "cleanup --cluster unknown: lists the clusters" has err "(clusters: hq)"
run -q -c "$W/some.conf" --now $NOW check --cluster nosuch
check "check --cluster unknown: UNKNOWN, lists the clusters" assert_eq "3 yes" \
	"$rc $(grep -q '(clusters: hq)' "$W/out" && echo yes)"
run -q -c "$W/some.conf" --now $NOW check --node sub1
check "check --node sub1: only that node (its expired trust certificate), no source error" \
	assert_eq "2 yes 0" "$rc $(head -1 "$W/out" | grep -q 'of 1 certificate: sub1 tomcat-trust' && echo yes) $(grep -c 'gone' "$W/out" || :)"
for h in --help -h; do
	run -c "$W/uccert.conf" check $h
	check "check $h: help on stdout, exit 0" assert_eq "0 yes" \
		"$rc $(grep -q '^usage: uccert check .*--node NAME' "$W/out" && echo yes)"
done
run -c "$W/uccert.conf" check --frobnicate
check "check with a bad option: still UNKNOWN (3)" assert_eq 3 "$rc"
run -q -c "$W/uccert.conf" --now 2027-01-01 scan
check "--now with a date alone is midnight UTC" has out " 100  valid "
run -q -c "$W/uccert.conf" --now 2027-01-01 scan --json
check "--now 2027-01-01 is 2027-01-01T00:00:00Z" has out '"days_left": 100'

# ---- scan fits the terminal; --wide shows everything ------------------------
mkdir -p "$W/fq/tomcat-trust"
mint -o "$W/fq/tomcat-trust/Example_Enterprise_Issuing_CA_2_7a2b.pem" --now $NOW --not-after +30d \
	--subject "/C=US/O=Example Enterprise Holdings Incorporated/OU=Unified Communications/CN=Example Enterprise Issuing CA 2"
write_config "$W/fq.conf" headquarters "cucm-pub.example.com:publisher:$W/fq"
COLUMNS=80 "$UCCERT" -q -c "$W/fq.conf" --now $NOW scan > "$W/fq80" || :
check "scan at 80 columns: no line longer than 80" assert_eq 0 "$(awk 'length > 80' "$W/fq80" | wc -l)"
check "scan at 80 columns, FQDN node: cluster, node, unit, days and state kept" \
	grep -q '^headquarters  cucm-pub.example.com  tomcat-trust  *30  expiring' "$W/fq80"
COLUMNS=160 "$UCCERT" -q -c "$W/fq.conf" --now $NOW scan > "$W/fq160" || :
check "scan at 160 columns: FILE shown, the subject cut with ..." assert_eq "1 1 0" \
	"$(grep -c 'FILE' "$W/fq160") $(grep -c 'Example_Enterprise_Issuing_CA_2_7a2b.pem  CN=Example.*\.\.\.$' "$W/fq160") $(awk 'length > 160' "$W/fq160" | wc -l)"
COLUMNS=80 "$UCCERT" -q -c "$W/fq.conf" --now $NOW scan --wide > "$W/fqwide" || :
check "scan --wide: every column, the subject in full, notAfter to the second" assert_eq "1 1" \
	"$(grep -c '^CLUSTER .*STORE  IMPACT .*NOT_AFTER .*FILE .*SUBJECT$' "$W/fqwide") $(grep -c 'T00:00:00Z  Example_Enterprise_Issuing_CA_2_7a2b.pem  CN=Example Enterprise Issuing CA 2,OU=Unified Communications,O=Example Enterprise Holdings Incorporated,C=US$' "$W/fqwide")"

# ---- a source error is printed once -----------------------------------------
run -c "$W/some.conf" --now $NOW scan
check "scan: the unreadable cert_dir on stdout once, not again on stderr" assert_eq "1 0" \
	"$(grep -c "gone" "$W/out") $(grep -c "gone" "$W/err" || :)"
run -c "$W/some.conf" --now $NOW plan
check "plan: the unreadable cert_dir in the report, not again on stderr" assert_eq "0" \
	"$(grep -c "gone" "$W/err" || :)"

finish
