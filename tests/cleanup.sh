#!/bin/sh
# cleanup.sh - uccert cleanup and restore: which files are candidates, a dry
# run that changes nothing, --apply into the quarantine, restore byte for
# byte, and the safety rules (symbolic links, odd names, a read-only
# cert_dir, a full quarantine on another filesystem). Certificates are minted
# at test time, dates relative to NOW.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

# sanitizer builds: a leak or a sanitizer error must not pass for exit status 1
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}exitcode=23"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=23"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:exitcode=23:print_stacktrace=1"

NOW=2027-01-01T00:00:00Z
ROOT=false
[ "$(id -u)" = 0 ] && ROOT=true

# cert FILE DAYS [mkcert args]: a certificate whose notAfter is NOW + DAYS
cert() {
	f=$1 d=$2
	shift 2
	mkdir -p "$(dirname "$f")"
	case $d in -*) na="${d}d" ;; *) na="+${d}d" ;; esac
	mint -o "$f" --now "$NOW" --not-before -1000d --not-after "$na" "$@"
}

# make_cluster DIR: cluster "hq", nodes DIR/cucm-pub and DIR/cucm-sub1
make_cluster() {
	P=$1/cucm-pub S=$1/cucm-sub1 X=$1.outside
	cert "$P/tomcat/tomcat.pem" -20 --cn cucm-pub.example.com	# own: never
	cert "$P/ipsec/ipsec.pem" 700 --cn cucm-pub.example.com
	cert "$P/tomcat-trust/old-root.pem" -400 --cn "Old Root CA" --ca
	cert "$P/tomcat-trust/good-root.pem" 900 --cn "Good Root CA" --ca
	cert "$P/tomcat-trust/soon.pem" 10 --cn soon			# expiring: never
	cert "$P/tomcat-trust/chain-old.pem" -300 --cn chain-leaf	# all expired
	cert "$P/tomcat-trust/chain-old.pem" -200 --cn chain-ca --ca --append
	printf 'not a certificate\n' > "$P/tomcat-trust/garbage.pem"	# unreadable
	cert "$X/expired.pem" -100 --cn outside
	ln -s "$X/expired.pem" "$P/tomcat-trust/outside.pem"		# symlink out
	cert "$X/in-old.pem" -100 --cn bundled-old
	cert "$X/in-good.pem" 500 --cn bundled-good
	mkdir -p "$P/CallManager-trust"
	"$MKCERT" --p7b "$P/CallManager-trust/mixed.p7b" "$X/in-old.pem" "$X/in-good.pem"
	cert "$P/CallManager-trust/expressway-e_1A2B.pem" -1 --cn expressway-e	# grace
	cert "$P/ipsec-trust/cucm-pub.pem" -30 --cn cucm-pub		# own host, by name
	cert "$P/ipsec-trust/drs-old_77.pem" -30 --cn cucm-pub.example.com	# by CN
	cert "$P/ipsec-trust/cucm-sub1.pem" -30 --cn cucm-sub1		# the other node's
	cert "$S/tomcat/tomcat.pem" 300 --cn cucm-sub1.example.com
	cert "$S/tomcat-trust/old-root.pem" -400 --cn "Old Root CA" --ca
	cert "$S/ipsec-trust/cucm-sub1.example.com.pem" -30 --cn cucm-sub1	# own
	cert "$S/Phone-VPN-trust/asa.der" -60 --cn asa-vpn --der
	# attributes restore must bring back
	chmod 640 "$P/tomcat-trust/old-root.pem"
	touch -d '2025-03-04 05:06:07.123456789' "$P/tomcat-trust/old-root.pem"
	chmod 600 "$S/Phone-VPN-trust/asa.der"
	touch -d '2024-01-02 03:04:05.5' "$S/Phone-VPN-trust/asa.der"
	if $ROOT; then chown 1234:2345 "$P/tomcat-trust/old-root.pem"; fi
}

# conf FILE CLUSTERDIR QUARANTINE [GRACE_DAYS]; with VER set, the cluster's version
conf() {
	cat > "$1" <<EOF
state_dir = "$W/state";
cleanup = { quarantine_dir = "$3"; grace_days = ${4:-3}; };
clusters = ( { name = "hq"; product = "cucm"; ${VER:+version = \"$VER\";} nodes = (
  { name = "cucm-pub"; role = "publisher"; cert_dir = "$2/cucm-pub"; },
  { name = "cucm-sub1"; role = "subscriber"; cert_dir = "$2/cucm-sub1"; } ); } );
EOF
}

# snapshot DIR: every entry: path|type|mode|owner|size|mtime(ns)|link|sha256
snapshot() {
	(cd "$1" && find . -printf '%p|%y|%m|%U:%G|%s|%T@|%l\n' | LC_ALL=C sort |
		while IFS='|' read -r p t rest; do
			h=-
			[ "$t" = f ] && h=$(sha256sum < "$p" | cut -c1-64)
			echo "$p|$t|$rest|$h"
		done)
}
# files DIR: the snapshot without directories (whose mtimes a move changes)
files() { snapshot "$1" | grep -v '^[^|]*|d|' || :; }
# without LISTING PATH...: the listing minus those files
without() {
	l=$1
	shift
	for p in "$@"; do l=$(printf '%s\n' "$l" | grep -vF "./$p|" || :); done
	printf '%s\n' "$l"
}
sha() { sha256sum < "$1" | cut -c1-64; }
# has_text FILE TEXT: TEXT occurs in FILE once lines are joined (output wraps)
has_text() { tr '\n' ' ' < "$1" | tr -s ' ' | grep -qF -- "$2"; }

RC=0
# run OUT ARGS...: uccert ARGS with stdout in OUT, stderr in OUT.err, status in RC
run() {
	o=$1
	shift
	RC=0
	"$UCCERT" "$@" > "$o" 2> "$o.err" || RC=$?
}

cat > "$W/q.py" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
def where(i): return "%s:%s/%s" % (i["node"], i["unit"], i["file"])
def cands(): return " ".join(where(i) for i in j["candidates"])
def kept(): return " ".join(where(i) + "=" + i["verdict"] for i in j["kept"])
def refused(): return " ".join(where(i) for i in j["refused"])
def reasons(k): return " | ".join(i["reason"] for i in j[k])
def status(): return " ".join(i["status"] for i in j["candidates"])
def cmds(): return " | ".join("%s/%s: %s" % (g["cluster"], g["node"], "; ".join(g["commands"]))
                              for g in j["commands"])
def run(i=0): r = j["runs"][i]; return "%s moved=%d restored=%d pending=%d failed=%d" % (
    r["state"], r["moved"], r["restored"], r["pending"], r["failed"])
def run_named(rid): return run([r["id"] for r in j["runs"]].index(rid))
def sources(): return "\n".join(r["source"] for r in j)
print(eval(sys.argv[2]))
EOF
q() { python3 "$W/q.py" "$@"; }

CANDS="cucm-pub:ipsec-trust/cucm-sub1.pem cucm-pub:tomcat-trust/chain-old.pem cucm-pub:tomcat-trust/old-root.pem cucm-sub1:Phone-VPN-trust/asa.der cucm-sub1:tomcat-trust/old-root.pem"
CAND_PATHS="cucm-pub/ipsec-trust/cucm-sub1.pem cucm-pub/tomcat-trust/chain-old.pem cucm-pub/tomcat-trust/old-root.pem cucm-sub1/Phone-VPN-trust/asa.der cucm-sub1/tomcat-trust/old-root.pem"
KEPT="cucm-pub:CallManager-trust/expressway-e_1A2B.pem=keep-grace cucm-pub:CallManager-trust/mixed.p7b=keep-valid cucm-pub:ipsec-trust/cucm-pub.pem=keep-own-host cucm-pub:ipsec-trust/drs-old_77.pem=keep-own-host cucm-pub:tomcat-trust/outside.pem=keep-symlink cucm-sub1:ipsec-trust/cucm-sub1.example.com.pem=keep-own-host"
CMDS="hq/cucm-pub: set cert delete ipsec-trust cucm-sub1.pem; set cert delete tomcat-trust chain-old.pem; set cert delete tomcat-trust old-root.pem | hq/cucm-sub1: set cert delete Phone-VPN-trust asa.der; set cert delete tomcat-trust old-root.pem"

# A quarantine on another filesystem (a 2 MiB tmpfs): copy, restore, ENOSPC.
# Run as root, or (as --xfs-only) inside "unshare -rm" for everyone else.
xfs_tests() {
	QF=$W/qfs
	mkdir -p "$QF"
	if ! mount -t tmpfs -o size=2m tmpfs "$QF"; then
		fail "cannot mount a tmpfs for the quarantine"
		return
	fi
	on_exit "umount '$QF'"
	XC=$W/x
	make_cluster "$XC"
	conf "$W/x.conf" "$XC" "$QF/q"
	XB=$(files "$XC")
	run "$W/x.json" -c "$W/x.conf" --now "$NOW" cleanup --apply --json
	check "other fs: apply exit 0" assert_eq 0 "$RC"
	check "other fs: every candidate moved" assert_eq "moved moved moved moved moved" "$(q "$W/x.json" 'status()')"
	XR=$(q "$W/x.json" 'j["run_id"]')
	check "other fs: moved by copy, verified" assert_eq 5 "$(grep -c '^done .* how=copy ' "$QF/q/$XR/manifest")"
	# shellcheck disable=SC2086
	check "other fs: exactly the candidates left" assert_eq "$(without "$XB" $CAND_PATHS)" "$(files "$XC")"
	check "other fs: no temporary file left" assert_eq "" "$(ls -A "$QF/q/$XR" | grep '^\.' || :)"
	exp="640 2025-03-04 05:06:07.123456789"
	$ROOT && exp="$exp 1234:2345"
	got="$(stat -c '%a %y' "$QF/q/$XR/0003_old-root.pem" | cut -c1-33)"
	$ROOT && got="$got $(stat -c '%u:%g' "$QF/q/$XR/0003_old-root.pem")"
	check "other fs: the copy keeps mode, mtime (and owner as root)" assert_eq "$exp" "$got"
	run "$W/xr" -c "$W/x.conf" restore "$XR"
	check "other fs: restore exit 0" assert_eq 0 "$RC"
	check "other fs: restore brings back every byte and attribute" assert_eq "$XB" "$(files "$XC")"

	# a full quarantine: the run cannot even start
	dd if=/dev/zero of="$QF/fill" bs=64k 2> /dev/null || :
	run "$W/full.json" -c "$W/x.conf" --now "$NOW" cleanup --apply --json
	check "full quarantine: exit 1" assert_eq 1 "$RC"
	check "full quarantine: clear error" grep -q "No space left on device" "$W/full.json.err"
	check "full quarantine: every file in place" assert_eq "$XB" "$(files "$XC")"
	check "full quarantine: no half-made run left" assert_eq 1 "$(ls "$QF/q" | wc -l)"
	# room for the manifest and one file: one moves, the rest stay, none lost
	truncate -s -8K "$QF/fill"
	run "$W/part.json" -c "$W/x.conf" --now "$NOW" cleanup --apply --json
	check "nearly full quarantine: exit 1" assert_eq 1 "$RC"
	check "nearly full quarantine: one moved, the rest left in place" assert_eq "moved failed failed failed failed" \
		"$(q "$W/part.json" 'status()')"
	check "nearly full quarantine: says the quarantine is full" grep -q "the quarantine is full" "$W/part.json.err"
	check "nearly full quarantine: only that file left" assert_eq "$(without "$XB" cucm-pub/ipsec-trust/cucm-sub1.pem)" "$(files "$XC")"
	PR=$(q "$W/part.json" 'j["run_id"]')
	run "$W/runs.json" -c "$W/x.conf" cleanup --list-runs --json
	# by its id: two runs in one second are listed in the order of their pids
	check "nearly full quarantine: recorded as 1 moved, 1 failed" assert_eq "complete moved=1 restored=0 pending=0 failed=1" \
		"$(q "$W/runs.json" "run_named('$PR')")"
	rm "$QF/fill"
	run "$W/rest.json" -c "$W/x.conf" --now "$NOW" cleanup --apply --json
	check "space again: the rest moves" assert_eq "0 moved moved moved moved" "$RC $(q "$W/rest.json" 'status()')"
}

if [ "${1:-}" = --xfs-only ]; then
	ROOT=false	# uid 0 of a user namespace: no other uid to chown to
	xfs_tests
	finish
	exit
fi

C=$W/hq Q=$W/quarantine CONF=$W/hq.conf
make_cluster "$C"
conf "$CONF" "$C" "$Q"

# ---- 1. the dry run: exactly the candidates, and nothing changes -------------
BEFORE_ALL=$(snapshot "$C")
BEFORE=$(files "$C")
run "$W/dry.json" -c "$CONF" --now "$NOW" cleanup --json
check "dry run: exit 0" assert_eq 0 "$RC"
check "dry run: the candidates" assert_eq "$CANDS" "$(q "$W/dry.json" 'cands()')"
check "dry run: the kept files and why" assert_eq "$KEPT" "$(q "$W/dry.json" 'kept()')"
check "dry run: nothing refused" assert_eq "" "$(q "$W/dry.json" 'refused()')"
check "dry run: platform commands per node" assert_eq "$CMDS" "$(q "$W/dry.json" 'cmds()')"
check "dry run: every candidate planned, no run" assert_eq "planned planned planned planned planned None" \
	"$(q "$W/dry.json" 'status() + " " + str(j["run_id"])')"
check "dry run: reasons" assert_eq "expired 30 days ago | all 2 certificates expired, the last 200 days ago | expired 400 days ago | expired 60 days ago | expired 400 days ago" \
	"$(q "$W/dry.json" 'reasons("candidates")')"
run "$W/dry.txt" -c "$CONF" --now "$NOW" cleanup
check "dry run text: exit 0" assert_eq 0 "$RC"
cat > "$W/cmds.expected" <<'EOF'
Platform commands, per node (paste into that node's CLI to silence RTMT; the restarts after the deletes):
  # hq/cucm-pub
  set cert delete ipsec-trust cucm-sub1.pem
  set cert delete tomcat-trust chain-old.pem
  set cert delete tomcat-trust old-root.pem
  # after deleting from ipsec-trust: before release 14: restart Cisco DRF Master (publisher) and Cisco DRF Local afterwards; no phone impact
  # only before release 14 (version not set in uccert.conf):
  utils service restart Cisco DRF Master
  # only before release 14 (version not set in uccert.conf):
  utils service restart Cisco DRF Local
  # after deleting from tomcat-trust: restart Cisco Tomcat on the node afterwards (web pages down for up to 30 minutes); no phone impact
  utils service restart Cisco Tomcat
  # hq/cucm-sub1
  set cert delete Phone-VPN-trust asa.der
  set cert delete tomcat-trust old-root.pem
  # after deleting from Phone-VPN-trust: its certificates are delivered to the phones: phones that use the VPN headend rely on it
  # after deleting from tomcat-trust: restart Cisco Tomcat on the node afterwards (web pages down for up to 30 minutes); no phone impact
  utils service restart Cisco Tomcat
EOF
check "dry run text: the command block" assert_eq "$(cat "$W/cmds.expected")" \
	"$(sed -n '/^Platform commands/,/^$/p' "$W/dry.txt" | sed '/^$/d')"
# the follow-ups per node in JSON: once per store, where each one runs
check "dry run json: follow-ups per node, once per store" \
	assert_eq "cucm-pub: ipsec-trust/utils service restart Cisco DRF Master@cucm-pub/before release 14 ipsec-trust/utils service restart Cisco DRF Local@cucm-pub/before release 14 tomcat-trust/utils service restart Cisco Tomcat@cucm-pub/None | cucm-sub1: Phone-VPN-trust/None@None/None tomcat-trust/utils service restart Cisco Tomcat@cucm-sub1/None" \
	"$(q "$W/dry.json" '" | ".join(g["node"] + ": " + " ".join("%s/%s@%s/%s" % (f["unit"], f["command"], f["runs_on"], f["releases"]) for f in g["follow_up"]) for g in j["commands"])')"
check "dry run json: Phone-VPN-trust says its certificates reach the phones" assert_eq True \
	"$(q "$W/dry.json" '"delivered to the phones" in j["commands"][1]["follow_up"][0]["note"]')"
# release 14: DRF no longer uses ipsec, no DRF restart; release 12.5: no marker
VER=14 conf "$W/hq14.conf" "$C" "$Q"
run "$W/dry14.txt" -c "$W/hq14.conf" --now "$NOW" cleanup
check "release 14: Tomcat restarts only, no DRF" \
	assert_eq "utils service restart Cisco Tomcat|utils service restart Cisco Tomcat" \
	"$(grep '^  utils ' "$W/dry14.txt" | sed 's/^  //' | paste -sd '|' -)"
VER=12.5 conf "$W/hq125.conf" "$C" "$Q"
VER=
# a subscriber's ipsec-trust and CAPF-trust: DRF Local there, DRF Master
# named for the publisher, CAPF restarted on the node
C2=$W/drf
cert "$C2/cucm-pub/tomcat/tomcat.pem" 300 --cn cucm-pub.example.com
cert "$C2/cucm-sub1/ipsec-trust/old-peer.pem" -30 --cn old-peer
cert "$C2/cucm-sub1/CAPF-trust/old-ca.pem" -30 --cn "Old CAPF CA" --ca
VER=12.5 conf "$W/drf.conf" "$C2" "$W/q-drf"
VER=
run "$W/drf.txt" -c "$W/drf.conf" --now "$NOW" cleanup
cat > "$W/drf.expected" <<'EOF'
  # hq/cucm-sub1
  set cert delete CAPF-trust old-ca.pem
  set cert delete ipsec-trust old-peer.pem
  # after deleting from CAPF-trust: restart Cisco Certificate Authority Proxy Function afterwards; endpoints that authenticate through CAPF are affected
  utils service restart Cisco Certificate Authority Proxy Function
  # after deleting from ipsec-trust: before release 14: restart Cisco DRF Master (publisher) and Cisco DRF Local afterwards; no phone impact
  # on the publisher cucm-pub: utils service restart Cisco DRF Master
  utils service restart Cisco DRF Local
EOF
check "subscriber: CAPF restart, DRF Local here, DRF Master named for the publisher" \
	assert_eq "$(cat "$W/drf.expected")" "$(sed -n '/^Platform commands/,/^$/p' "$W/drf.txt" | sed '1d;/^$/d')"
run "$W/drf.json" -c "$W/drf.conf" --now "$NOW" cleanup --json
check "subscriber json: where each follow-up runs" \
	assert_eq "CAPF-trust@cucm-sub1 ipsec-trust@cucm-pub ipsec-trust@cucm-sub1" \
	"$(q "$W/drf.json" '" ".join(f["unit"] + "@" + f["runs_on"] for f in j["commands"][0]["follow_up"])')"
run "$W/dry125.txt" -c "$W/hq125.conf" --now "$NOW" cleanup
check "release 12.5: DRF Master and Local without a release marker" \
	assert_eq "utils service restart Cisco DRF Master|utils service restart Cisco DRF Local|utils service restart Cisco Tomcat|utils service restart Cisco Tomcat|0" \
	"$(grep '^  utils ' "$W/dry125.txt" | sed 's/^  //' | paste -sd '|' -)|$(grep -c 'version not set' "$W/dry125.txt")"
check "dry run text: bundle with a valid certificate kept" \
	grep -q "CallManager-trust/mixed.p7b  kept: holds a valid certificate" "$W/dry.txt"
check "dry run text: own ipsec-trust entry kept" \
	grep -q "ipsec-trust/cucm-pub.pem  kept: the node's own certificate in ipsec-trust" "$W/dry.txt"
check "dry run text: symlink reported, never moved" \
	grep -q "tomcat-trust/outside.pem  kept: symbolic link to .*(outside the cert_dir): never moved" "$W/dry.txt"
check "dry run text: says nothing changed" grep -q "nothing was changed" "$W/dry.txt"
check "dry run text: summary" grep -qx "5 candidates, 6 kept, 0 refused." "$W/dry.txt"
check "dry run: not one byte, mode or mtime changed" assert_eq "$BEFORE_ALL" "$(snapshot "$C")"
check "dry run: no quarantine created" test ! -e "$Q"

run "$W/sub.json" -c "$CONF" --now "$NOW" cleanup --json --node cucm-sub1
check "--node: only that node's candidates" assert_eq \
	"cucm-sub1:Phone-VPN-trust/asa.der cucm-sub1:tomcat-trust/old-root.pem" "$(q "$W/sub.json" 'cands()')"
run "$W/later.json" -c "$CONF" --now 2027-01-05T00:00:00Z cleanup --json --cluster hq --node cucm-pub
check "grace_days: a certificate expired 5 days ago is a candidate after 3 days of grace" \
	assert_eq True "$(q "$W/later.json" '"cucm-pub:CallManager-trust/expressway-e_1A2B.pem" in cands()')"
mkdir -p "$W/gone/cucm-pub"
conf "$W/gone.conf" "$W/gone" "$W/goneq"
run "$W/gone.txt" -c "$W/gone.conf" --now "$NOW" cleanup
check "a cert_dir that cannot be read: exit 3 (some sources not read), reported" assert_eq "3 yes" \
	"$RC $(grep -q "^  hq/cucm-sub1  cert_dir $W/gone/cucm-sub1: No such file or directory" "$W/gone.txt" && echo yes)"
# ---- replacements: a delete is safe once the renewed certificate is there ----
RP=$W/rep/cucm-pub
cert "$RP/CallManager-trust/expressway-e.example.com.pem" -3 --cn expressway-e.example.com
cert "$RP/CallManager-trust/expressway-e.example.com_2B.pem" 700 --cn expressway-e.example.com
cert "$RP/tomcat-trust/old-peer.pem" -30 --cn old-peer
cert "$RP/tomcat-trust/other-node-peer.pem" 300 --cn old-peer.other	# another subject
cert "$RP/CAPF-trust/CAPF-1a2b3c4d.pem" -50 --cn CAPF-1a2b3c4d
rep_conf() { # rep_conf FILE [SETTING]
	cat > "$1" <<EOF
state_dir = "$W/state";
cleanup = { quarantine_dir = "$W/repq"; grace_days = 0; ${2:-} };
clusters = ( { name = "hq"; product = "cucm"; nodes = (
  { name = "cucm-pub"; role = "publisher"; cert_dir = "$RP"; } ); } );
EOF
}
rep_conf "$W/rep.conf"
run "$W/rep.json" -c "$W/rep.conf" --now "$NOW" cleanup --json
check "replacement: the expired expressway certificate names its successor" \
	assert_eq "expressway-e.example.com_2B.pem 2028-12-01T00:00:00Z" \
	"$(q "$W/rep.json" '" ".join(i["replacement"]["file"] + " " + i["replacement"]["not_after"] for i in j["candidates"] if i["replacement"])')"
check "replacement: none for old-peer and the CAPF certificate" \
	assert_eq "CAPF-trust/CAPF-1a2b3c4d.pem tomcat-trust/old-peer.pem" \
	"$(q "$W/rep.json" '" ".join(i["unit"] + "/" + i["file"] for i in j["candidates"] if not i["replacement"])')"
check "replacement: CAPF-trust warns about the phones' LSCs" assert_eq "True None" \
	"$(q "$W/rep.json" 'str("LSCs issued under this CAPF" in [i for i in j["candidates"] if i["unit"] == "CAPF-trust"][0]["dependents"]) + " " + str([i for i in j["candidates"] if i["unit"] == "tomcat-trust"][0]["dependents"])')"
run "$W/rep.txt" -c "$W/rep.conf" --now "$NOW" cleanup
check "replacement, text: replaced by the successor, with its date" \
	has_text "$W/rep.txt" "expired 3 days ago: CN=expressway-e.example.com replaced by expressway-e.example.com_2B.pem, valid until 2028-12-01T00:00:00Z"
check "replacement, text: no replacement names the peer and says renew it first" \
	has_text "$W/rep.txt" "no replacement in this store: the peer (CN=old-peer) may still present the expired certificate; renew it there first"
check "replacement, text: CAPF-trust warning" has_text "$W/rep.txt" "WARNING: phones with LSCs issued under this CAPF certificate depend on it"
check "replacement, text: every candidate line fits 80 columns" assert_eq 0 \
	"$(sed -n '/^Candidates/,/^$/p' "$W/rep.txt" | awk 'length > 80' | wc -l)"
rep_conf "$W/repreq.conf" "require_replacement = true;"
run "$W/repreq.json" -c "$W/repreq.conf" --now "$NOW" cleanup --json
check "require_replacement: only the replaced certificate is a candidate" \
	assert_eq "cucm-pub:CallManager-trust/expressway-e.example.com.pem" "$(q "$W/repreq.json" 'cands()')"
check "require_replacement: the others are kept, and why" \
	assert_eq "cucm-pub:CAPF-trust/CAPF-1a2b3c4d.pem=keep-no-replacement cucm-pub:tomcat-trust/old-peer.pem=keep-no-replacement" \
	"$(q "$W/repreq.json" 'kept()')"
check "require_replacement: summary counts them as kept" assert_eq "1 2" \
	"$(q "$W/repreq.json" 'str(j["summary"]["candidates"]) + " " + str(j["summary"]["kept"])')"
run "$W/repreq-apply.txt" -c "$W/repreq.conf" --now "$NOW" cleanup --apply
check "require_replacement --apply: only the replaced file leaves, exit 0" \
	assert_eq "0 no yes yes" \
	"$RC $([ -e "$RP/CallManager-trust/expressway-e.example.com.pem" ] && echo yes || echo no) $([ -e "$RP/tomcat-trust/old-peer.pem" ] && echo yes) $([ -e "$RP/CAPF-trust/CAPF-1a2b3c4d.pem" ] && echo yes)"
printf 'state_dir = "%s";\ncleanup = { require_replacement = 1; };\nclusters = ( { name = "hq"; nodes = ( { name = "p"; role = "publisher"; cert_dir = "%s"; } ); } );\n' "$W/state" "$RP" > "$W/repbad.conf"
run "$W/repbad.txt" -c "$W/repbad.conf" cleanup
check "require_replacement = 1: configuration error (2), says true or false" \
	assert_eq "2 yes" "$RC $(grep -q 'require_replacement: expected true or false' "$W/repbad.txt.err" && echo yes)"
run "$W/usage" -c "$CONF" cleanup --node nosuch
check "--node unknown: usage error 64" assert_eq 64 "$RC"
run "$W/usage" -c "$CONF" cleanup --bogus
check "unknown option: 64" assert_eq 64 "$RC"
run "$W/usage" -c "$CONF" cleanup --list-runs --apply
check "--list-runs with --apply: 64" assert_eq 64 "$RC"
run "$W/usage" -c "$CONF" restore
check "restore without a run id: 64" assert_eq 64 "$RC"

# ---- 2. --apply: exactly the candidates move --------------------------------
run "$W/apply.json" -c "$CONF" --now "$NOW" cleanup --apply --json
check "apply: exit 0" assert_eq 0 "$RC"
check "apply: every candidate moved" assert_eq "moved moved moved moved moved" "$(q "$W/apply.json" 'status()')"
check "apply: commands in the output" assert_eq "$CMDS" "$(q "$W/apply.json" 'cmds()')"
RUN=$(q "$W/apply.json" 'j["run_id"]')
check "apply: run id is a UTC timestamp and pid" sh -c "echo '$RUN' | grep -Eqx '[0-9]{8}T[0-9]{6}Z-[0-9]+'"
# shellcheck disable=SC2086
check "apply: exactly the candidates left the cert_dirs" assert_eq "$(without "$BEFORE" $CAND_PATHS)" "$(files "$C")"
ok=true
for p in $CAND_PATHS; do
	h=$(printf '%s\n' "$BEFORE" | grep -F "./$p|" | sed 's/.*|//')
	found=$(cd "$Q/$RUN" && for f in 0*; do sha "$f"; done | grep -c "$h" || :)
	[ "$found" -ge 1 ] || { echo "  $p ($h) not in $Q/$RUN" >&2; ok=false; }
done
check "apply: each moved file is in the run, same SHA-256" $ok
check "apply: mode and mtime kept in the quarantine" assert_eq "640 2025-03-04 05:06:07.123456789" \
	"$(stat -c '%a %y' "$Q/$RUN"/0003_old-root.pem | cut -c1-33)"
cat > "$W/manifest.py" <<'EOF'
import re, sys
lines = open(sys.argv[1]).read().split("\n")
assert lines[0] == "uccert-manifest 1", lines[0]
kv = lambda l: dict(t.split("=", 1) for t in l.split(" ")[1:])
kinds = [l.split(" ")[0] for l in lines[1:] if l]
intents = [kv(l) for l in lines if l.startswith("intent ")]
for e in intents:
    for k in ("seq", "at", "by", "cluster", "node", "unit", "cert_dir", "unit_dir", "file", "path",
              "qfile", "sha256", "size", "mode", "uid", "gid", "mtime", "reason", "command"):
        assert k in e, (k, e)
    assert re.fullmatch(r"[0-9a-f]{64}", e["sha256"]), e["sha256"]
    assert re.fullmatch(r"[0-9]+\.[0-9]{9}", e["mtime"]), e["mtime"]
    assert re.fullmatch(r"0[0-7]{3}", e["mode"]), e["mode"]
    assert e["command"].startswith("set%20cert%20delete%20"), e["command"]
print(" ".join(kinds))
EOF
check "apply: manifest records intent then done for each file, then end" assert_eq \
	"run intent done intent done intent done intent done intent done end" \
	"$(python3 "$W/manifest.py" "$Q/$RUN/manifest")"
check "apply: manifest entry for old-root.pem has its attributes" \
	grep -q "^intent seq=3 .* file=old-root.pem .* mode=0640 .* mtime=1741064767.123456789 " "$Q/$RUN/manifest"
run "$W/scan.json" -c "$CONF" --now "$NOW" scan --json
ok=true
for p in $CAND_PATHS; do
	! q "$W/scan.json" 'sources()' | grep -F "$C/$p" > /dev/null || ok=false
done
check "apply: uccert scan no longer lists them" $ok
check "apply: uccert scan still lists the kept files" sh -c \
	"python3 '$W/q.py' '$W/scan.json' 'sources()' | grep 'mixed.p7b' > /dev/null"
run "$W/again.json" -c "$CONF" --now "$NOW" cleanup --apply --json
check "apply again: nothing left to move, no new run" assert_eq "0 None 1" \
	"$(q "$W/again.json" 'str(len(j["candidates"])) + " " + str(j["run_id"])') $(ls "$Q" | wc -l)"
run "$W/runs.json" -c "$CONF" cleanup --list-runs --json
check "list-runs: one complete run, 5 moved" assert_eq "complete moved=5 restored=0 pending=0 failed=0" \
	"$(q "$W/runs.json" 'run()')"
run "$W/runs.txt" -c "$CONF" cleanup --list-runs
check "list-runs text" grep -Eq "^$RUN +[0-9T:Z-]+ +[a-z0-9 ]+ +5 +0 +0 +0 +complete" "$W/runs.txt"

# ---- 3. restore --------------------------------------------------------------
printf 'someone else\n' > "$C/cucm-pub/tomcat-trust/old-root.pem"
run "$W/r1" -c "$CONF" restore "$RUN" --file "$C/cucm-pub/tomcat-trust/old-root.pem"
check "restore: refuses to overwrite a different file (exit 1)" assert_eq 1 "$RC"
check "restore: says why" grep -q "refused .*a different file now occupies $C/cucm-pub/tomcat-trust/old-root.pem" "$W/r1"
check "restore: the other file is untouched" assert_eq "someone else" "$(cat "$C/cucm-pub/tomcat-trust/old-root.pem")"
check "restore: the quarantine copy is still there" test -f "$Q/$RUN/0003_old-root.pem"
rm "$C/cucm-pub/tomcat-trust/old-root.pem"
cp -p "$Q/$RUN/0005_old-root.pem" "$C/cucm-sub1/tomcat-trust/old-root.pem"
run "$W/r2" -c "$CONF" restore "$RUN"
check "restore: exit 0" assert_eq 0 "$RC"
check "restore: identical content already in place is fine, and said" \
	grep -q "identical .*$C/cucm-sub1/tomcat-trust/old-root.pem already holds identical content" "$W/r2"
check "restore: says what it put back" assert_eq 4 "$(grep -c '^  restored .*put back' "$W/r2")"
check "restore: every byte, mode, owner and mtime back" assert_eq "$BEFORE" "$(files "$C")"
check "restore: stat agrees for old-root.pem" assert_eq "640 2025-03-04 05:06:07.123456789" \
	"$(stat -c '%a %y' "$C/cucm-pub/tomcat-trust/old-root.pem" | cut -c1-33)"
check "restore: the run's files left the quarantine" assert_eq "manifest" "$(ls "$Q/$RUN")"
run "$W/r3" -c "$CONF" restore "$RUN"
check "restore again: nothing to do, exit 0" assert_eq "0 5" "$RC $(grep -c 'already-restored' "$W/r3")"
run "$W/r4" -c "$CONF" restore 20000101T000000Z-1
check "restore: unknown run, exit 1" assert_eq 1 "$RC"
run "$W/r5" -c "$CONF" restore ../x
check "restore: a run id with '/' is refused" assert_eq 1 "$RC"
run "$W/runs.json" -c "$CONF" cleanup --list-runs --json
check "list-runs: 5 moved, 5 restored" assert_eq "complete moved=5 restored=5 pending=0 failed=0" \
	"$(q "$W/runs.json" 'run()')"

# ---- 4. odd names, symlinked unit directory, tampered manifest -------------
O=$W/odd
NL="new
line.pem"
cert "$O/cucm-pub/tomcat-trust/bad name.pem" -50 --cn bad
cert "$O/cucm-pub/tomcat-trust/$NL" -50 --cn newline
cert "$O/cucm-pub/tomcat-trust/ok-old.pem" -50 --cn ok-old
cert "$W/elsewhere/Phone-trust/far.pem" -50 --cn far
ln -s "$W/elsewhere/Phone-trust" "$O/cucm-pub/Phone-trust"
mkdir -p "$O/cucm-sub1"
conf "$W/odd.conf" "$O" "$W/oddq"
run "$W/odd.json" -c "$W/odd.conf" --now "$NOW" cleanup --json
check "odd: dry run exits 1 (files it must refuse)" assert_eq 1 "$RC"
check "odd: refused" assert_eq "cucm-pub:Phone-trust/far.pem cucm-pub:tomcat-trust/bad name.pem cucm-pub:tomcat-trust/$NL" \
	"$(q "$W/odd.json" 'refused()')"
check "odd: reasons" sh -c "python3 '$W/q.py' '$W/odd.json' 'reasons(\"refused\")' | grep 'not directly inside the cert_dir.*space.*control character' > /dev/null"
check "odd: the error is on stderr" grep -q "refused: file name contains a space" "$W/odd.json.err"
check "odd: the sane file is still a candidate" assert_eq "cucm-pub:tomcat-trust/ok-old.pem" "$(q "$W/odd.json" 'cands()')"
run "$W/odd-apply.json" -c "$W/odd.conf" --now "$NOW" cleanup --apply --json
check "odd: apply exits 1" assert_eq 1 "$RC"
check "odd: refused files untouched" sh -c "test -f '$O/cucm-pub/tomcat-trust/bad name.pem' && test -f '$O/cucm-pub/tomcat-trust/$NL' && test -f '$W/elsewhere/Phone-trust/far.pem'"
check "odd: the sane file moved" test ! -e "$O/cucm-pub/tomcat-trust/ok-old.pem"
ORUN=$(q "$W/odd-apply.json" 'j["run_id"]')
cp "$W/oddq/$ORUN/manifest" "$W/manifest.good"
sed 's/ file=ok-old.pem / file=.. /' "$W/manifest.good" > "$W/oddq/$ORUN/manifest"
run "$W/odd-r" -c "$W/odd.conf" restore "$ORUN"
check "odd: restore refuses '..' from a tampered manifest" assert_eq 1 "$RC"
check "odd: and says so" grep -q "unsafe name in the manifest" "$W/odd-r"
check "odd: nothing written outside" test ! -e "$O/cucm-pub/ok-old.pem"
cp "$W/manifest.good" "$W/oddq/$ORUN/manifest"
run "$W/odd-r" -c "$W/odd.conf" restore "$ORUN" --file tomcat-trust/ok-old.pem
check "odd: restore by trailing path" assert_eq "0 1" "$RC $(grep -c 'put back' "$W/odd-r")"

# ---- 5. the lock: one apply or restore at a time ------------------------------
python3 -c '
import fcntl, sys, time
f = open(sys.argv[1], "a")
fcntl.flock(f, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(60)' "$Q/.lock" "$W/locked.ready" &
LOCKER=$!
on_exit "kill $LOCKER"
i=0
while [ ! -e "$W/locked.ready" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
run "$W/locked" -c "$CONF" --now "$NOW" cleanup --apply
check "lock: a second apply refuses to run" assert_eq 1 "$RC"
check "lock: and says why" grep -q "another uccert cleanup or restore is working on" "$W/locked.err"
kill "$LOCKER" 2> /dev/null || :
wait "$LOCKER" 2> /dev/null || :

# ---- 6. read-only cert_dir: clear error, every file stays --------------------
R=$W/ro
make_cluster "$R"
chmod -R a+rX "$R" "$R.outside"
chmod 644 "$R/cucm-pub/tomcat-trust/old-root.pem" "$R/cucm-sub1/Phone-VPN-trust/asa.der"
mkdir -p "$W/roq"
conf "$W/ro.conf" "$R" "$W/roq"
if $ROOT; then
	mkdir -p "$W/bin"
	cp "$UCCERT" "$W/bin/uccert"
	chmod 755 "$W/bin/uccert"
	chown nobody "$W/roq"
	AS="setpriv --reuid=nobody --regid=nogroup --clear-groups $W/bin/uccert"
else
	AS=$UCCERT
fi
for d in "$R"/*/*; do chmod 555 "$d"; done
on_exit "chmod -R u+w '$R'"
RO_BEFORE=$(files "$R")
RC=0
$AS -c "$W/ro.conf" --now "$NOW" cleanup --apply > "$W/ro.out" 2> "$W/ro.err" || RC=$?
check "read-only cert_dir: exit 1" assert_eq 1 "$RC"
check "read-only cert_dir: clear error" grep -q "cannot remove it from $R/cucm-pub/tomcat-trust: Permission denied" "$W/ro.err"
check "read-only cert_dir: every file where it was" assert_eq "$RO_BEFORE" "$(files "$R")"
check "read-only cert_dir: no run recorded" assert_eq "" "$(ls "$W/roq")"
if $ROOT; then
	chown root "$W/roq"
	chmod 755 "$W/roq"
	for d in "$R"/*/*; do chmod 755 "$d"; done
	RC=0
	$AS -c "$W/ro.conf" --now "$NOW" cleanup --apply > "$W/ro.out" 2> "$W/ro.err" || RC=$?
	check "quarantine not writable: exit 1 and a clear error" assert_eq "1 yes" \
		"$RC $(grep -q "cannot write to the quarantine directory $W/roq: Permission denied" "$W/ro.err" && echo yes)"
	check "quarantine not writable: every file where it was" assert_eq "$RO_BEFORE" "$(files "$R")"
fi

# ---- 7. syslog: every action, with the uid ---------------------------------
# A listener on /dev/log in a private mount namespace (a tmpfs over /dev
# there only): as root; elsewhere the syslog path is not checked.
cat > "$W/syslog.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
open(sys.argv[1] + ".ready", "w").close()
s.settimeout(5)
with open(sys.argv[1], "w") as out:
    while True:
        try:
            data = s.recv(65536)
        except socket.timeout:
            break
        out.write(data.decode(errors="replace") + "\n")
        out.flush()
EOF
if $ROOT && unshare -m true 2> /dev/null; then
	cat > "$W/syslog.sh" <<EOF
mount -t tmpfs tmpfs /dev && mknod -m 666 /dev/null c 1 3 || exit 1
python3 "$W/syslog.py" "$W/syslog.out" &
i=0
while [ ! -e "$W/syslog.out.ready" ]; do
	i=\$((i + 1))
	[ \$i -lt 200 ] || exit 1
	sleep 0.05
done
"$UCCERT" -c "$CONF" --now "$NOW" cleanup --apply --json > "$W/sl.json" 2> /dev/null
run=\$(python3 "$W/q.py" "$W/sl.json" 'j["run_id"]')
"$UCCERT" -c "$CONF" restore "\$run" > /dev/null 2>&1
wait
EOF
	RC=0
	unshare -m sh "$W/syslog.sh" || RC=$?
	check "syslog: ran" assert_eq 0 "$RC"
	check "syslog: each move, with the uid, under ident uccert" assert_eq 5 \
		"$(grep -c "^<13>.* uccert\[[0-9]*\]: cleanup run [^ ]*: uid 0 moved $C/" "$W/syslog.out")"
	check "syslog: the platform command of each move" \
		grep -q "moved $C/cucm-pub/tomcat-trust/old-root.pem .*; on the node: set cert delete tomcat-trust old-root.pem" "$W/syslog.out"
	check "syslog: each file put back, with the uid" assert_eq 5 \
		"$(grep -c ": restore run [^ ]*: uid 0 put back $C/" "$W/syslog.out")"
	check "syslog: and the files are back" assert_eq "$BEFORE" "$(files "$C")"
else
	echo "note: syslog messages are checked as root only (a /dev/log listener in a mount namespace)"
fi

# ---- 8. a quarantine on another filesystem -----------------------------------
as_root_or_userns xfs_tests "the other-filesystem and ENOSPC tests"

finish
