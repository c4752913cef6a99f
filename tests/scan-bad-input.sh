#!/bin/sh
# scan-bad-input.sh - a node full of broken, hostile and odd files. Each
# broken file is one "unreadable" row that names it and says why; odd but
# valid certificates are reported correctly; the good certificates are all
# still there; the scan exits 0 and does not read the 50 MB file into memory.
. "$top_srcdir/tests/lib.sh"

umask 022
NOW=2027-06-15T12:00:00Z
NODE="$W/lab/node1"
T="$NODE/tomcat-trust"
mkdir -p "$T" "$NODE/tomcat"
at() { mint --now "$NOW" "$@"; }

# ---- good certificates -------------------------------------------------
at -o "$NODE/tomcat/tomcat.pem" --cn node1.example.com --not-after +300d
at -o "$T/good.pem" --cn good-pem --not-after +200d
at -o "$T/good.der" --der --cn good-der --not-after +201d
at -o "$W/p1.pem" --cn p7-one --not-after +202d
at -o "$W/p2.pem" --cn p7-two --not-after +203d
"$MKCERT" --p7b "$T/good.p7b" "$W/p1.pem" "$W/p2.pem"

# ---- odd but valid -----------------------------------------------------
at -o "$T/non-utf8.pem" --raw-cn-hex c328 --not-after +100d
at -o "$T/negative-serial.pem" --cn negative --serial -0A --not-after +100d
at -o "$T/serial-20.pem" --cn twenty --serial 7F0102030405060708090A0B0C0D0E0F10111213 \
	--not-after +100d
at -o "$W/a.pem" --cn dup-a --not-after +100d
at -o "$W/b.pem" --cn dup-b --not-after +100d
cat "$W/a.pem" "$W/b.pem" "$W/a.pem" "$W/a.pem" > "$T/duplicates.pem"

# ---- broken ------------------------------------------------------------
head -c 300 "$T/good.pem" > "$T/truncated.pem"
head -c 200 "$T/good.der" > "$T/truncated.der"
printf '%s\n' "-----BEGIN CERTIFICATE-----" "this is <not> base64 at all!" \
	"-----END CERTIFICATE-----" > "$T/garbage.pem"
: > "$T/empty.pem"
head -c 52428800 /dev/urandom > "$T/huge.bin"
mkdir "$T/directory.pem"
ln -s loop.pem "$T/loop.pem"
mkfifo "$T/fifo.pem"
cp "$KEY" "$T/key-only.pem"
chmod 644 "$T/key-only.pem"
at -o "$T/no-permission.pem" --cn secret --not-after +100d
chmod 000 "$T/no-permission.pem"

# bad file | reason the error must give
cat > "$W/bad.list" <<EOF
truncated.pem|truncated
truncated.der|truncated
garbage.pem|base64
empty.pem|empty
huge.bin|too large
directory.pem|directory
loop.pem|symbolic links
fifo.pem|not a regular file
key-only.pem|no certificate
no-permission.pem|Permission denied
EOF
NBAD=$(wc -l < "$W/bad.list" | tr -d ' ')

write_config "$W/uccert.conf" lab "node1:publisher:$NODE"

# Root reads any file: run the scan as nobody so that mode 000 means
# something. The build tree may not be open to nobody: run a copy.
mkdir "$W/bin"
cp "$UCCERT" "$W/bin/uccert"
RUN=""
if [ "$(id -u)" -eq 0 ]; then
	RUN="setpriv --reuid=nobody --regid=nogroup --clear-groups"
	if [ -n "${LSAN_OPTIONS:-}" ]; then	# sanitizer builds read this file
		cp "$top_srcdir/tests/lsan.supp" "$W/lsan.supp"
		LSAN_OPTIONS="suppressions=$W/lsan.supp:print_suppressions=0"
	fi
fi
chmod -R go+rX "$W/bin" "$W/uccert.conf" "$W"/*.supp 2>/dev/null || :

TIME=""
if [ -x /usr/bin/time ] && /usr/bin/time -f %M -o /dev/null true 2>/dev/null; then
	TIME="/usr/bin/time -f %M -o $W/rss"
fi

rc=0
$TIME $RUN "$W/bin/uccert" -c "$W/uccert.conf" --now "$NOW" scan --json \
	> "$W/scan.json" 2> "$W/scan.err" || rc=$?
check "scan exits 0" assert_eq 0 "$rc"
[ "$rc" -eq 0 ] || cat "$W/scan.err" >&2

# Rows as tab-separated lines: source, state, error, subject, serial, sha256,
# days_left, and whether the certificate fields of unreadable rows are null.
cat > "$W/rows.py" <<'EOF'
import json, sys
data = open(sys.argv[1], "rb").read()
rows = json.loads(data.decode("utf-8"))   # strict: fails on invalid UTF-8
for r in rows:
    nulls = all(r[k] is None for k in ("subject", "issuer", "serial", "not_before",
                                       "not_after", "days_left", "sha256"))
    print("\t".join(str(x) for x in (r["source"], r["state"], r.get("error"),
                                     r["subject"], r["serial"], r["sha256"],
                                     r["days_left"], nulls)))
EOF
to_tsv() { python3 "$W/rows.py" "$W/scan.json" > "$W/rows.tsv"; }
check "JSON output is valid UTF-8 and valid JSON" to_tsv
rows_of() { awk -F'\t' -v s="$T/$1" '$1 == s' "$W/rows.tsv"; }

# ---- every broken file: exactly one unreadable row with the reason -------
bad_row() { # FILE REASON
	r=$(rows_of "$1")
	[ "$(printf '%s\n' "$r" | grep -c .)" -eq 1 ] || { echo "  rows: $r" >&2; return 1; }
	[ "$(printf '%s' "$r" | cut -f2)" = unreadable ] || { echo "  row: $r" >&2; return 1; }
	[ "$(printf '%s' "$r" | cut -f8)" = True ] || { echo "  certificate fields set: $r" >&2; return 1; }
	printf '%s' "$r" | cut -f3 | grep -qi -- "$2" || { echo "  error: $(printf '%s' "$r" | cut -f3)" >&2; return 1; }
}
while IFS='|' read -r file reason; do
	check "$file: one unreadable row saying '$reason'" bad_row "$file" "$reason"
done < "$W/bad.list"

# ---- odd but valid files ------------------------------------------------
field() { rows_of "$1" | cut -f"$2"; }
check "non-UTF-8 subject: a valid row" assert_eq valid "$(field non-utf8.pem 2)"
check "non-UTF-8 subject: the bad byte escaped" assert_eq 'CN=\C3(' "$(field non-utf8.pem 4)"
check "negative serial" assert_eq "-0A" "$(field negative-serial.pem 5)"
check "negative serial as openssl prints it" assert_eq \
	"$(openssl x509 -in "$T/negative-serial.pem" -noout -serial | sed 's/^serial=//')" \
	"$(field negative-serial.pem 5)"
check "20-byte serial" assert_eq 7F0102030405060708090A0B0C0D0E0F10111213 \
	"$(field serial-20.pem 5)"
sha() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//' | tr -d : | tr 'A-F' 'a-f'; }
check "duplicates in a bundle: each certificate once" assert_eq \
	"$(printf '%s\n%s\n' "$(sha "$W/a.pem")" "$(sha "$W/b.pem")" | sort)" \
	"$(field duplicates.pem 6 | sort)"

# ---- the good certificates are all still there --------------------------
good() { # FILE SHA...: rows of FILE are valid and have exactly these digests
	f=$1; shift
	want=$(for s in "$@"; do echo "$s"; done | sort)
	[ "$(field "$f" 6 | sort)" = "$want" ] && [ "$(field "$f" 2 | sort -u)" = valid ]
}
check "good.pem" good good.pem "$(sha "$T/good.pem")"
check "good.der" good good.der "$(openssl x509 -inform DER -in "$T/good.der" -noout \
	-fingerprint -sha256 | sed 's/.*=//' | tr -d : | tr 'A-F' 'a-f')"
check "good.p7b: both certificates" good good.p7b "$(sha "$W/p1.pem")" "$(sha "$W/p2.pem")"
check "the node's own tomcat certificate" assert_eq "valid	300" \
	"$(awk -F'\t' -v s="$NODE/tomcat/tomcat.pem" '$1 == s { print $2 "\t" $7 }' "$W/rows.tsv")"
# 10 broken + 4 odd files (5 rows) + 5 good rows
check "no other rows" assert_eq $((NBAD + 5 + 5)) "$(wc -l < "$W/rows.tsv" | tr -d ' ')"

# ---- the text report says the same ------------------------------------
rc=0
$RUN "$W/bin/uccert" -q -c "$W/uccert.conf" --now "$NOW" scan > "$W/scan.txt" || rc=$?
check "text scan exits 0" assert_eq 0 "$rc"
check "summary counts the unreadable files" assert_eq \
	"$((NBAD + 10)) certificates: 10 valid, 0 expiring, 0 expired, $NBAD unreadable" \
	"$(tail -n 1 "$W/scan.txt")"
last_unreadable() { sed '$d' "$W/scan.txt" | tail -n "$NBAD" | grep -c ' unreadable ' || :; }
check "the unreadable lines come last" assert_eq "$NBAD" "$(last_unreadable)"
names_file() { grep -F "  $T/truncated.der: " "$W/scan.txt" | grep -q 'truncated DER'; }
check "an unreadable line names the file and the reason" names_file

# ---- memory: the 50 MB file is refused, not read ------------------------
if [ -n "$TIME" ]; then
	rss=$(tail -n 1 "$W/rss")
	# 50 MB read into memory would put the peak above 51200 KiB; uccert
	# itself needs a few MB (more under the sanitizers)
	check "peak RSS ${rss} KiB stays under 40 MiB" test "$rss" -lt 40960
else
	echo "note: /usr/bin/time not available; peak RSS not measured"
fi

finish
