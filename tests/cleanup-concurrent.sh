#!/bin/sh
# cleanup-concurrent.sh - two configurations with their own quarantines over
# one cert_dir: applies and restores take turns on the cert_dir, so no file
# lands in both quarantines and every original is accounted for exactly once
# (in place, or in one quarantine); a run that finds the cert_dir busy
# refuses, naming the cert_dir and the process that holds it.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}exitcode=23"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=23"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:exitcode=23:print_stacktrace=1"

NOW=2027-01-01T00:00:00Z
P=$W/c/cucm-pub
N=60

# conf NAME: its own state_dir and quarantine (under $QR), the same cert_dir
QR=$W
conf() {
	cat > "$W/$1.conf" <<EOF
state_dir = "$W/state-$1";
cleanup = { quarantine_dir = "$QR/q-$1"; };
clusters = ( { name = "hq"; nodes = (
  { name = "cucm-pub"; role = "publisher"; cert_dir = "$P"; } ); } );
EOF
}
conf a
conf b

# fill: N expired trust certificates, each its own content
fill() {
	rm -rf "$P" "$QR/q-a" "$QR/q-b"
	mkdir -p "$P/tomcat-trust"
	i=0
	while [ $i -lt $N ]; do
		mint -o "$P/tomcat-trust/old$i.pem" --now "$NOW" --not-before -1000d --not-after -100d --cn "old $i"
		i=$((i + 1))
	done
	(cd "$P/tomcat-trust" && sha256sum ./*.pem | sed 's| \./| |') > "$W/originals"
}

# accounted: each original is in place or in exactly one quarantine file
accounted() {
	find "$QR/q-a" "$QR/q-b" -type f -name '0*' -exec sha256sum {} + 2> /dev/null |
		cut -c1-64 | sort > "$W/quarantined"
	ok=true
	while read -r h f; do
		n=$(grep -c "^$h\$" "$W/quarantined" || :)
		[ -e "$P/tomcat-trust/$f" ] && n=$((n + 1))
		[ "$n" = 1 ] || { echo "  $f: $n copies (in place and quarantines)" >&2; ok=false; }
	done < "$W/originals"
	$ok
}

RC=0
# ---- two applies at once, a few times ------------------------------------------
# rounds WHERE: with the quarantines on the cert_dir's filesystem (moves are
# renames) or on another one (copies, then the original is unlinked)
rounds() {
for r in 1 2 3; do
	round="$1 $r"
	fill
	"$UCCERT" -c "$W/a.conf" --now "$NOW" cleanup --apply > "$W/a.out" 2> "$W/a.err" &
	A=$!
	"$UCCERT" -c "$W/b.conf" --now "$NOW" cleanup --apply > "$W/b.out" 2> "$W/b.err" &
	B=$!
	ra=0 rb=0
	wait $A || ra=$?
	wait $B || rb=$?
	check "round $round: every original accounted for exactly once" accounted
	check "round $round: no file in both quarantines" \
		assert_eq "" "$(uniq -d "$W/quarantined")"
	check "round $round: no failed entry in any manifest" \
		sh -c "! cat '$QR'/q-*/*/manifest 2> /dev/null | grep -q '^failed '"
	check "round $round: one of them did the work (exit 0)" \
		sh -c "[ $ra = 0 ] || [ $rb = 0 ]"
	for x in a b; do
		if [ "$(eval echo \$r$x)" != 0 ]; then
			check "round $round: run $x refused, naming the cert_dir and the other process" \
				grep -q "the cert_dir $P is in use by another uccert cleanup or restore (pid [0-9]*)" "$W/$x.err"
		fi
	done
done
}

# the quarantines on a tmpfs, as root or in a user and mount namespace
other_fs() {
	mkdir -p "$W/qfs"
	if ! mount -t tmpfs -o size=16m tmpfs "$W/qfs"; then
		fail "cannot mount a tmpfs for the quarantines"
		return
	fi
	on_exit "umount '$W/qfs'"
	QR=$W/qfs
	conf a
	conf b
	rounds "other fs:"
	QR=$W
	conf a
	conf b
}
if [ "${1:-}" = --xfs-only ]; then
	other_fs
	finish
	exit
fi

rounds "same fs:"
as_root_or_userns other_fs "the rounds with quarantines on another filesystem"

# ---- the cert_dir held: a clear refusal, nothing moved ---------------------------
fill
python3 -c '
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
fcntl.flock(fd, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(60)' "$P" "$W/held" &
HOLDER=$!
on_exit "kill $HOLDER"
i=0
while [ ! -e "$W/held" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
RC=0
"$UCCERT" -c "$W/a.conf" --now "$NOW" cleanup --apply > "$W/held.out" 2> "$W/held.err" || RC=$?
check "held cert_dir: apply exits 1" assert_eq 1 "$RC"
check "held cert_dir: names the cert_dir and the holder's pid" \
	grep -q "the cert_dir $P is in use by another uccert cleanup or restore (pid $HOLDER)" "$W/held.err"
check "held cert_dir: every file in place" assert_eq "$N" "$(ls "$P/tomcat-trust" | wc -l)"
check "held cert_dir: no run created" sh -c "! ls '$W/q-a' 2> /dev/null | grep -q '^[0-9]'"
kill "$HOLDER" 2> /dev/null || :
wait "$HOLDER" 2> /dev/null || :

# the lock is on the directory itself: nothing is written into the store
RC=0
"$UCCERT" -c "$W/a.conf" --now "$NOW" cleanup --apply > "$W/free.out" 2> "$W/free.err" || RC=$?
check "released: apply exit 0" assert_eq 0 "$RC"
check "released: the cert_dir holds only its unit directory" assert_eq "tomcat-trust" "$(ls -A "$P")"
RUN=$(ls "$W/q-a" | grep '^[0-9]')

# ---- restore takes the same turn ---------------------------------------------------
rm -f "$W/held"
python3 -c '
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
fcntl.flock(fd, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(60)' "$P" "$W/held" &
HOLDER=$!
on_exit "kill $HOLDER"
i=0
while [ ! -e "$W/held" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
RC=0
"$UCCERT" -c "$W/a.conf" restore "$RUN" > "$W/r.out" 2> "$W/r.err" || RC=$?
check "held cert_dir: restore exits 1" assert_eq 1 "$RC"
check "held cert_dir: restore says why" \
	grep -q "the cert_dir $P is in use by another uccert cleanup or restore (pid $HOLDER)" "$W/r.err"
check "held cert_dir: nothing restored" assert_eq 0 "$(ls "$P/tomcat-trust" | wc -l)"
kill "$HOLDER" 2> /dev/null || :
wait "$HOLDER" 2> /dev/null || :
RC=0
"$UCCERT" -c "$W/a.conf" restore "$RUN" > "$W/r.out" 2> "$W/r.err" || RC=$?
check "released: restore exit 0, every file back" assert_eq "0 $N" "$RC $(ls "$P/tomcat-trust" | wc -l)"

finish
