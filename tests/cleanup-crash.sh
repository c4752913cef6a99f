#!/bin/sh
# cleanup-crash.sh - kill uccert cleanup --apply (and restore) after each of
# its durable steps in turn (UCCERT_TEST_CRASH_AT=N), and check after every
# crash that no file is lost (each original is in its place or in the
# quarantine with the same SHA-256), that the next normal run finishes the
# job, and that the end state is the one an uninterrupted run reaches. Done
# with the quarantine on the cert_dirs' filesystem (rename) and on a tmpfs
# (copy, verify, unlink).
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

# sanitizer builds: a leak or a sanitizer error must not pass for exit status 1
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}exitcode=23"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=23"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:exitcode=23:print_stacktrace=1"

NOW=2027-01-01T00:00:00Z
MAX_STEPS=400

cert() {
	f=$1 d=$2
	shift 2
	mkdir -p "$(dirname "$f")"
	case $d in -*) na="${d}d" ;; *) na="+${d}d" ;; esac
	mint -o "$f" --now "$NOW" --not-before -1000d --not-after "$na" "$@"
}

# four candidates on two nodes, and files that must stay
make_cluster() {
	P=$1/cucm-pub S=$1/cucm-sub1
	cert "$P/tomcat/tomcat.pem" -20 --cn cucm-pub
	cert "$P/tomcat-trust/old-a.pem" -100 --cn old-a
	cert "$P/tomcat-trust/old-b.pem" -300 --cn old-b1
	cert "$P/tomcat-trust/old-b.pem" -200 --cn old-b2 --append
	cert "$P/tomcat-trust/good.pem" 500 --cn good
	cert "$P/ipsec-trust/cucm-pub.pem" -30 --cn cucm-pub
	cert "$W/tmp/in-old.pem" -100 --cn bundled-old
	cert "$W/tmp/in-good.pem" 500 --cn bundled-good
	mkdir -p "$P/CallManager-trust"
	"$MKCERT" --p7b "$P/CallManager-trust/mixed.p7b" "$W/tmp/in-old.pem" "$W/tmp/in-good.pem"
	cert "$S/tomcat-trust/old-a.pem" -100 --cn old-a
	cert "$S/Phone-VPN-trust/vpn.der" -50 --cn vpn --der
	chmod 640 "$P/tomcat-trust/old-a.pem"
	touch -d '2025-03-04 05:06:07.123456789' "$P/tomcat-trust/old-a.pem"
}

conf() { # FILE CLUSTERDIR QUARANTINE
	cat > "$1" <<EOF
state_dir = "$W/state";
cleanup = { quarantine_dir = "$3"; };
clusters = ( { name = "hq"; nodes = (
  { name = "cucm-pub"; role = "publisher"; cert_dir = "$2/cucm-pub"; },
  { name = "cucm-sub1"; role = "subscriber"; cert_dir = "$2/cucm-sub1"; } ); } );
EOF
}

sha() { sha256sum < "$1" | cut -c1-64; }
# files DIR: path|type|mode|owner|size|mtime(ns)|sha256 of every non-directory
files() {
	(cd "$1" && find . ! -type d -printf '%p|%y|%m|%U:%G|%s|%T@\n' | LC_ALL=C sort |
		while IFS='|' read -r p t rest; do
			h=-
			[ "$t" = f ] && h=$(sha "$p")
			echo "$p|$t|$rest|$h"
		done)
}
# qfiles DIR: the SHA-256 of every file a quarantine holds (no manifests, no
# temporary files), sorted
qfiles() {
	[ -d "$1" ] || return 0
	find "$1" -type f ! -name manifest ! -name '.*' -exec sha256sum {} + | cut -c1-64 | LC_ALL=C sort
}
# leftovers CLUSTER QUARANTINE: temporary files a crash may leave
leftovers() { find "$1" "$2" -name '.*.part' -o -name '.*.uccert-restore' 2> /dev/null || :; }

# nothing_lost LISTING CLUSTER QUARANTINE: every regular file of LISTING is
# in CLUSTER with its content, or in QUARANTINE with the same SHA-256
nothing_lost() {
	qh=$(qfiles "$3")
	lost=0
	while IFS='|' read -r p t _ _ _ _ h; do
		[ "$t" = f ] || continue
		[ -f "$2/$p" ] && [ "$(sha "$2/$p")" = "$h" ] && continue
		case "$qh" in *"$h"*) continue ;; esac
		echo "  lost: $p ($h)" >&2
		lost=1
	done <<EOF
$1
EOF
	return $lost
}

cat > "$W/runs.py" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
bad = [r["id"] + ":" + r["state"] for r in j["runs"] if r["state"] != "complete" or r["pending"]]
print(" ".join(bad) if bad else "all-complete")
EOF

RC=0
uc() { RC=0; "$UCCERT" "$@" > "$W/out" 2> "$W/err" || RC=$?; }

PRISTINE=$W/pristine
make_cluster "$PRISTINE"
PRISTINE_FILES=$(files "$PRISTINE")

# step_verdict: after a crash at step $n and the resuming run, every run in
# the quarantine must be complete; report the step ($why lists what is wrong)
step_verdict() {
	uc -c "$CONF" cleanup --list-runs --json
	cp "$W/out" "$W/runs.json"
	[ "$(python3 "$W/runs.py" "$W/runs.json")" = all-complete ] || why="$why runs-incomplete"
	if [ -n "$why" ]; then
		fail "$label: $what crash after step $n:$why"
		sed 's/^/  /' "$W/err" >&2
		KEEP_TEST_DIR=1
		return 1
	fi
	TESTS_RUN=$((TESTS_RUN + 1))
	pass "$label: $what crash after step $n: nothing lost, the next run finished, same end state"
}

# crash_apply LABEL QUARANTINE: the apply loop
crash_apply() {
	label=$1 QD=$2 C=$W/c CONF=$W/crash.conf what=apply
	conf "$CONF" "$C" "$QD"
	# the reference: one uninterrupted run
	rm -rf "$C" "$QD"
	cp -a "$PRISTINE" "$C"
	uc -c "$CONF" --now "$NOW" cleanup --apply
	check "$label: uninterrupted apply exits 0" assert_eq 0 "$RC"
	REF_FILES=$(files "$C")
	REF_Q=$(qfiles "$QD")
	check "$label: the reference run moved 4 files" assert_eq 4 "$(printf '%s\n' "$REF_Q" | grep -c .)"
	n=1
	while [ $n -le $MAX_STEPS ]; do
		rm -rf "$C" "$QD"
		cp -a "$PRISTINE" "$C"
		RC=0
		# (the braces take the shell's "Killed" notice)
		{ UCCERT_TEST_CRASH_AT=$n "$UCCERT" -c "$CONF" --now "$NOW" cleanup --apply > "$W/out" 2> "$W/err"; } 2> /dev/null || RC=$?
		[ "$RC" -eq 137 ] || break
		why=""
		nothing_lost "$PRISTINE_FILES" "$C" "$QD" || why="$why lost-a-file"
		uc -c "$CONF" --now "$NOW" cleanup --apply
		[ "$RC" -eq 0 ] || why="$why resume-exit-$RC"
		[ "$(files "$C")" = "$REF_FILES" ] || why="$why cert_dirs-differ"
		[ "$(qfiles "$QD")" = "$REF_Q" ] || why="$why quarantine-differs"
		[ -z "$(leftovers "$C" "$QD")" ] || why="$why temporary-files-left"
		step_verdict || return
		n=$((n + 1))
	done
	check "$label: the run completes once N passes its last step" assert_eq 0 "$RC"
	check "$label: killed at each of $((n - 1)) durable steps, nothing lost, same end state" \
		test "$n" -gt 10 -a "$n" -le "$MAX_STEPS"
	echo "$label: apply has $((n - 1)) durable steps"
}

# crash_restore LABEL QUARANTINE: the restore loop, from the state after a
# complete apply
crash_restore() {
	label=$1 QD=$2 C=$W/c CONF=$W/crash.conf POST=$W/post what=restore
	conf "$CONF" "$C" "$QD"
	rm -rf "$C" "$QD" "$POST"
	cp -a "$PRISTINE" "$C"
	uc -c "$CONF" --now "$NOW" cleanup --apply
	run_id=$(ls "$QD" | grep -v '^\.' | head -1)
	mkdir -p "$POST"
	cp -a "$C" "$POST/c"
	cp -a "$QD" "$POST/q"
	n=1
	while [ $n -le $MAX_STEPS ]; do
		rm -rf "$C" "$QD"
		cp -a "$POST/c" "$C"
		cp -a "$POST/q" "$QD"
		RC=0
		# (the braces take the shell's "Killed" notice)
		{ UCCERT_TEST_CRASH_AT=$n "$UCCERT" -c "$CONF" restore "$run_id" > "$W/out" 2> "$W/err"; } 2> /dev/null || RC=$?
		[ "$RC" -eq 137 ] || break
		why=""
		nothing_lost "$PRISTINE_FILES" "$C" "$QD" || why="$why lost-a-file"
		uc -c "$CONF" restore "$run_id"
		[ "$RC" -eq 0 ] || why="$why resume-exit-$RC"
		[ "$(files "$C")" = "$PRISTINE_FILES" ] || why="$why not-all-back"
		[ -z "$(qfiles "$QD")" ] || why="$why quarantine-not-empty"
		[ -z "$(leftovers "$C" "$QD")" ] || why="$why temporary-files-left"
		step_verdict || return
		n=$((n + 1))
	done
	check "$label: restore completes once N passes its last step" assert_eq 0 "$RC"
	check "$label: restore killed at each of $((n - 1)) durable steps, every byte back" \
		test "$n" -gt 10 -a "$n" -le "$MAX_STEPS"
	echo "$label: restore has $((n - 1)) durable steps"
}

xfs_tests() {
	QF=$W/qfs
	mkdir -p "$QF"
	if ! mount -t tmpfs -o size=2m tmpfs "$QF"; then
		fail "cannot mount a tmpfs for the quarantine"
		return
	fi
	on_exit "umount '$QF'"
	crash_apply "other fs" "$QF/q"
	crash_restore "other fs" "$QF/q"
}

if [ "${1:-}" = --xfs-only ]; then
	xfs_tests
	finish
	exit
fi

crash_apply "same fs" "$W/q"
crash_restore "same fs" "$W/q"

as_root_or_userns xfs_tests "the other-filesystem runs"

finish
