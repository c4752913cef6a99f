#!/bin/sh
# restore-hostile.sh - a run's manifest is a record, not an instruction:
# restore and the recovery of interrupted runs put a file back only at
# <configured cert_dir>/<trust unit directory>/<file>, never through a
# symbolic link, never with setuid, setgid or sticky bits, and refuse (exit
# 1, nothing written) a manifest that says otherwise.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}exitcode=23"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=23"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:exitcode=23:print_stacktrace=1"

NOW=2027-01-01T00:00:00Z
C=$W/c
P=$C/cucm-pub
Q=$W/q
E=$W/elsewhere
mkdir -p "$P/tomcat-trust" "$P/tomcat" "$E/etc"
mint -o "$P/tomcat-trust/old1.pem" --now "$NOW" --not-before -1000d --not-after -100d --cn old1
mint -o "$P/tomcat-trust/old2.pem" --now "$NOW" --not-before -1000d --not-after -100d --cn old2
mint -o "$P/tomcat/tomcat.pem" --now "$NOW" --not-before -10d --not-after +300d --cn cucm-pub
chmod 640 "$P/tomcat-trust/old2.pem"
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
# files DIR: every file under DIR with its mode (nothing else may appear)
files() { (cd "$1" && find . -printf '%p %m\n' | LC_ALL=C sort); }

run "$W/apply" cleanup --apply
check "apply: exit 0" assert_eq 0 "$RC"
RUN=$(ls "$Q" | grep -v '^\.')
M=$Q/$RUN/manifest
cp "$M" "$W/manifest.good"
QCOPY=$(cd "$Q/$RUN" && ls | grep old2)
ORIG=$P/tomcat-trust/old2.pem
[ ! -e "$ORIG" ] || fail "apply did not move old2.pem"

# tamper SED: the good manifest with the intent of old2.pem edited
tamper() { sed "/^intent .* file=old2.pem /$1" "$W/manifest.good" > "$M"; }
# refused WHAT OUT PATTERN: exit 1 with PATTERN said, and nothing written:
# not the target, not the original place, not the manifest, not elsewhere
refused() {
	check "$1: exit 1" assert_eq 1 "$RC"
	check "$1: says why" grep -q -- "$3" "$2"
	check "$1: nothing created elsewhere" assert_eq "$E_BEFORE" "$(files "$E")"
	check "$1: nothing put back" test ! -e "$ORIG"
	check "$1: the quarantine copy stays" test -f "$Q/$RUN/$QCOPY"
	check "$1: nothing recorded" cmp -s "$M" "$W/manifest.tampered"
	check "$1: no false 'put back'" sh -c "! grep -q 'put back' '$2'"
}
E_BEFORE=$(files "$E")

# ---- the reported case: another cert_dir, setuid, owner nobody -------------
tamper "s|cert_dir=[^ ]* unit_dir=tomcat-trust |cert_dir=$E unit_dir=etc |; s/ mode=0640 / mode=4755 /; s/ uid=[0-9]* / uid=65534 /"
cp "$M" "$W/manifest.tampered"
run "$W/r1" restore "$RUN" --file old2.pem
refused "cert_dir and unit_dir elsewhere" "$W/r1" \
	"refused .*manifest places $E/etc/old2.pem, not $ORIG"

# ---- the path itself elsewhere, consistently ----------------------------------
tamper "s|cert_dir=[^ ]* unit_dir=tomcat-trust |cert_dir=$E unit_dir=etc |; s|path=[^ ]* |path=$E/etc/old2.pem |"
cp "$M" "$W/manifest.tampered"
run "$W/r2" restore "$RUN" --file old2.pem
refused "a path outside every cert_dir" "$W/r2" \
	"refused.*$E/etc/old2.pem is not inside a configured cert_dir"

# ---- not a trust unit ------------------------------------------------------------
tamper "s|unit_dir=tomcat-trust |unit_dir=tomcat |; s|path=[^ ]* |path=$P/tomcat/old2.pem |"
cp "$M" "$W/manifest.tampered"
E_BEFORE_P=$(files "$P")
run "$W/r3" restore "$RUN" --file old2.pem
check "own unit: exit 1" assert_eq 1 "$RC"
check "own unit: says why" grep -q "refused .*tomcat is not a trust unit" "$W/r3"
check "own unit: nothing written into the cert_dir" assert_eq "$E_BEFORE_P" "$(files "$P")"

# ---- setuid, setgid, sticky ------------------------------------------------------
for mode in 4640 2640 1640; do
	tamper "s/ mode=0640 / mode=$mode /"
	cp "$M" "$W/manifest.tampered"
	run "$W/r4" restore "$RUN" --file old2.pem
	refused "mode $mode" "$W/r4" "refused .*mode $mode: uccert never sets setuid, setgid or sticky bits"
done

# ---- a symbolic link on the way --------------------------------------------------
cp "$W/manifest.good" "$M"
cp "$M" "$W/manifest.tampered"
mv "$P/tomcat-trust" "$E/tomcat-trust"
ln -s "$E/tomcat-trust" "$P/tomcat-trust"
E_BEFORE=$(files "$E")
run "$W/r5" restore "$RUN" --file old2.pem
refused "symlinked unit directory" "$W/r5" "cannot open $P/tomcat-trust"
rm "$P/tomcat-trust"
mv "$E/tomcat-trust" "$P/tomcat-trust"
mv "$C" "$W/c.real"
ln -s "$W/c.real" "$C"
E_BEFORE=$(files "$E")
run "$W/r6" restore "$RUN" --file old2.pem
check "symlinked parent of the cert_dir: exit 1" assert_eq 1 "$RC"
check "symlinked parent of the cert_dir: nothing put back" test ! -e "$W/c.real/cucm-pub/tomcat-trust/old2.pem"
check "symlinked parent of the cert_dir: nothing recorded" cmp -s "$M" "$W/manifest.tampered"
rm "$C"
mv "$W/c.real" "$C"

# ---- recovery of an interrupted run obeys the same rules ---------------------
# An apply that stopped after copying: the intent line without its "done".
# The manifest points at a file elsewhere with the same bytes; recovery
# would "complete the move" by deleting it.
cp "$Q/$RUN/$QCOPY" "$E/etc/old2.pem"
chmod 644 "$E/etc/old2.pem"
E_BEFORE=$(files "$E")
sed "/^intent .* file=old2.pem /s|cert_dir=[^ ]* unit_dir=tomcat-trust |cert_dir=$E unit_dir=etc |; /^intent .* file=old2.pem /s|path=[^ ]* |path=$E/etc/old2.pem |" \
	"$W/manifest.good" | grep -v '^done seq=2 ' | grep -v '^end ' > "$M"
run "$W/rec1" cleanup --apply
check "recovery: exit 1 (an entry it cannot resolve)" assert_eq 1 "$RC"
check "recovery: says why" grep -q "refused.*$E/etc/old2.pem is not inside a configured cert_dir" "$W/rec1.err"
check "recovery: the file elsewhere is not deleted" assert_eq "$E_BEFORE" "$(files "$E")"
check "recovery: the entry stays pending" sh -c "! grep -q '^done seq=2 ' '$M'"
# an interrupted restore: recovery removes a partial copy, but not elsewhere
printf 'partial' > "$E/etc/.old2.pem.uccert-restore"
E_BEFORE=$(files "$E")
{
	sed "/^intent .* file=old2.pem /s|cert_dir=[^ ]* unit_dir=tomcat-trust |cert_dir=$E unit_dir=etc |; /^intent .* file=old2.pem /s|path=[^ ]* |path=$E/etc/old2.pem |" \
		"$W/manifest.good" | grep -v '^end '
	echo "restore seq=2 at=2027-01-01T00:00:00Z by=0"
} > "$M"
rm "$E/etc/old2.pem"
E_BEFORE=$(files "$E")
run "$W/rec2" cleanup --apply
check "restore recovery: exit 1" assert_eq 1 "$RC"
check "restore recovery: says why" grep -q "refused.*$E/etc/old2.pem is not inside a configured cert_dir" "$W/rec2.err"
check "restore recovery: nothing removed elsewhere" assert_eq "$E_BEFORE" "$(files "$E")"

# ---- the genuine manifest still restores -------------------------------------
cp "$W/manifest.good" "$M"
run "$W/ok" restore "$RUN"
check "genuine manifest: exit 0" assert_eq 0 "$RC"
check "genuine manifest: put back where it was" grep -q "put back $ORIG " "$W/ok"
check "genuine manifest: mode 640" assert_eq 640 "$(stat -c %a "$ORIG")"
check "genuine manifest: both files back" test -f "$P/tomcat-trust/old1.pem"

finish
