#!/bin/sh
# control-chars.sh - file names are bytes from the certificate store: an
# escape sequence in one (x<ESC>[31m.pem) must reach the terminal, the logs
# and syslog as the text \x1b, never as the byte, from scan, cleanup,
# restore and check; DEL, C1 controls and bytes that are not UTF-8 likewise,
# while valid UTF-8 stays readable. JSON output keeps JSON's own escapes.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}exitcode=23"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=23"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:exitcode=23:print_stacktrace=1"

NOW=2027-01-01T00:00:00Z
P=$W/c/cucm-pub
Q=$W/q
ESC=$(printf '\033')
DEL=$(printf '\177')
C1=$(printf '\302\233')		# U+009B, CSI, as UTF-8
RAW=$(printf '\233')		# CSI as a raw byte: not UTF-8
mkdir -p "$P/tomcat-trust" "$P/CallManager-trust"
# an expired trust certificate: a cleanup candidate but for its name
mint -o "$P/tomcat-trust/x${ESC}[31m.pem" --now "$NOW" --not-before -1000d --not-after -100d --cn x
mint -o "$P/tomcat-trust/plain.pem" --now "$NOW" --not-before -1000d --not-after -100d --cn plain
# unreadable files: scan and check print their paths
printf 'garbage\n' > "$P/tomcat-trust/y${ESC}[32m.pem"
printf 'garbage\n' > "$P/CallManager-trust/d${DEL}.pem"
printf 'garbage\n' > "$P/CallManager-trust/c${C1}2J.pem"
printf 'garbage\n' > "$P/CallManager-trust/r${RAW}2J.pem"
printf 'garbage\n' > "$P/CallManager-trust/naïve-çà.pem"
cat > "$W/uccert.conf" <<EOF
state_dir = "$W/state";
cleanup = { quarantine_dir = "$Q"; };
clusters = ( { name = "hq"; nodes = (
  { name = "cucm-pub"; role = "publisher"; cert_dir = "$P"; } ); } );
EOF

RC=0
run() {
	o=$1
	shift
	RC=0
	"$UCCERT" -c "$W/uccert.conf" --now "$NOW" "$@" > "$o" 2> "$o.err" || RC=$?
}
# no_raw WHAT FILE...: no ESC, DEL, C1 (raw or UTF-8) byte in any FILE
no_raw() {
	what=$1
	shift
	for f in "$@"; do
		check "$what: no raw ESC in $(basename "$f")" sh -c "! grep -q '$ESC' '$f'"
		check "$what: no raw DEL in $(basename "$f")" sh -c "! grep -q '$DEL' '$f'"
		check "$what: no C1 CSI in $(basename "$f")" sh -c "! LC_ALL=C grep -q '$RAW' '$f'"
	done
}
has() { grep -qF -- "$2" "$1" || { echo "  no '$2' in: $(cat -v "$1")" >&2; return 1; }; }

# ---- scan --------------------------------------------------------------------
run "$W/scan" scan
no_raw scan "$W/scan" "$W/scan.err"
check "scan: the ESC in a path is written \\x1b" has "$W/scan" 'y\x1b[32m.pem'
check "scan: DEL written \\x7f" has "$W/scan" 'd\x7f.pem'
check "scan: UTF-8 C1 written byte by byte" has "$W/scan" 'c\xc2\x9b2J.pem'
check "scan: a byte that is not UTF-8 written \\x9b" has "$W/scan" 'r\x9b2J.pem'
check "scan: valid UTF-8 kept as is" has "$W/scan" 'naïve-çà.pem'
run "$W/scan.json" scan --json
check "scan --json: JSON's own escape" has "$W/scan.json" 'y\u001b[32m.pem'

# ---- cleanup -------------------------------------------------------------------
run "$W/dry" cleanup
check "cleanup: exit 1 (a refused file)" assert_eq 1 "$RC"
no_raw cleanup "$W/dry" "$W/dry.err"
check "cleanup: the refused file on stdout, escaped" has "$W/dry" 'x\x1b[31m.pem'
check "cleanup: the refusal on stderr, escaped" has "$W/dry.err" \
	"x\\x1b[31m.pem: refused: file name contains a control character"
run "$W/apply" cleanup --apply
no_raw "cleanup --apply" "$W/apply" "$W/apply.err"
check "cleanup --apply: the refusal on stderr, escaped" has "$W/apply.err" 'x\x1b[31m.pem: refused'
check "cleanup --apply: that file stays" test -f "$P/tomcat-trust/x${ESC}[31m.pem"

# ---- restore: a manifest naming such a file --------------------------------
RUN=$(ls "$Q" | grep -v '^\.')
sed "s|path=\([^ ]*\)/plain.pem |path=\1/p%1B[33m.pem |" "$Q/$RUN/manifest" > "$W/m" && cat "$W/m" > "$Q/$RUN/manifest"
run "$W/restore" restore "$RUN"
check "restore: refused (exit 1)" assert_eq 1 "$RC"
no_raw restore "$W/restore" "$W/restore.err"
check "restore: the path on stderr, escaped" has "$W/restore.err" 'p\x1b[33m.pem'

# ---- check -------------------------------------------------------------------------
run "$W/check" check
check "check: critical (exit 2)" assert_eq 2 "$RC"
no_raw check "$W/check" "$W/check.err"
check "check: the expired file's path, escaped" has "$W/check" 'x\x1b[31m.pem'
check "check: the unreadable file's path, escaped" has "$W/check" 'y\x1b[32m.pem'
check "check: valid UTF-8 kept" has "$W/check" 'naïve-çà.pem'

finish
