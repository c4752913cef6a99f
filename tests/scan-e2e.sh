#!/bin/sh
# scan-e2e.sh - a two-node cluster scanned end to end. Every field of every
# row of "uccert scan --json" is checked against what the openssl command
# line reads from the same files, and against an expected unit table kept
# here; the text report is checked against the same numbers.
. "$top_srcdir/tests/lib.sh"

NOW=2027-06-15T12:00:00Z
NOW_S=$(date -u -d "$NOW" +%s)
THRESHOLD=60		# threshold_days
THRESHOLD_CTL=120	# threshold_days_ctl_itl
PUB="$W/hq/cucm-pub"
SUB="$W/hq/cucm-sub1"
MANIFEST="$W/manifest"	# node, unit directory, file, format
: > "$MANIFEST"

at() { mint --now "$NOW" "$@"; }
# add NODE NODEDIR UNITDIR FILE FORMAT: record a file the scan must report
add() { printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" >> "$MANIFEST"; }
mkd() { mkdir -p "$1/$2"; }

# ---- the publisher ----------------------------------------------------
for u in tomcat ipsec CallManager CAPF TVS ITLRecovery tomcat-trust \
	CallManager-trust Phone-SAST-trust widget-trust; do mkd "$PUB" "$u"; done
at -o "$PUB/tomcat/tomcat.pem" \
	--subject "/C=CH/ST=ZH/L=Zurich/O=Example AG/OU=Voice/CN=cucm-pub.example.com" \
	--not-before -400d --not-after +700d
add cucm-pub "$PUB" tomcat tomcat.pem pem
at -o "$PUB/ipsec/ipsec.pem" --cn cucm-pub.example.com --not-after +45d
add cucm-pub "$PUB" ipsec ipsec.pem pem
# CTL/ITL units: threshold 120, so 90 and 120 days are expiring, 121 is not
at -o "$PUB/CallManager/CallManager.pem" --cn cucm-pub.example.com --not-after +120d \
	--serial 7A3F0001
add cucm-pub "$PUB" CallManager CallManager.pem pem
at -o "$PUB/CAPF/CAPF.pem" --cn CAPF-5d2b2a5c --not-after +121d
add cucm-pub "$PUB" CAPF CAPF.pem pem
at -o "$PUB/TVS/TVS.pem" --cn cucm-pub.example.com --not-after +90d
add cucm-pub "$PUB" TVS TVS.pem pem
# beyond 2049: GeneralizedTime
at -o "$PUB/ITLRecovery/ITLRecovery.pem" --cn ITLRECOVERY_cucm-pub --not-before -1y \
	--not-after 2057-06-15T12:00:00Z
add cucm-pub "$PUB" ITLRecovery ITLRecovery.pem pem
# a CA, certificates it issued, an expired one, a DER file, a PKCS#7 bundle
"$MKCERT" --key "$W/root.key" --key-type ec384 --now "$NOW" -o "$W/root.pem" --ca \
	--subject "/O=Example\\, Inc./CN=Example Root CA" --not-before -5y --not-after +3000d
cp "$W/root.pem" "$PUB/tomcat-trust/Example_Root_CA.pem"
add cucm-pub "$PUB" tomcat-trust Example_Root_CA.pem pem
at -o "$PUB/tomcat-trust/old-ca.pem" --ca --cn "Old CA" --not-before -3000d --not-after -10d
add cucm-pub "$PUB" tomcat-trust old-ca.pem pem
at -o "$PUB/tomcat-trust/partner.der" --der --cn partner.example.net --not-after +60d \
	--serial -0A
add cucm-pub "$PUB" tomcat-trust partner.der der
at -o "$W/inter.pem" --ca --cn "Example Issuing CA" --issuer-cert "$W/root.pem" \
	--issuer-key "$W/root.key" --not-after +1500d
at -o "$W/leaf.pem" --cn "expressway.example.com" --issuer-cert "$W/root.pem" \
	--issuer-key "$W/root.key" --not-after +59d
"$MKCERT" --p7b "$PUB/tomcat-trust/chain.p7b" --der "$W/inter.pem" "$W/leaf.pem"
add cucm-pub "$PUB" tomcat-trust chain.p7b p7b
at -o "$PUB/CallManager-trust/CAPF-36205338.pem" --cn CAPF-36205338 \
	--issuer-cert "$W/root.pem" --issuer-key "$W/root.key" --not-after +800d \
	--serial 0102030405060708090A0B0C0D0E0F1011121314
add cucm-pub "$PUB" CallManager-trust CAPF-36205338.pem pem
"$MKCERT" --key "$W/rsa.key" --key-type rsa2048 --now "$NOW" \
	-o "$PUB/Phone-SAST-trust/token.pem" --cn "SAST token 1" --not-after +1000d
add cucm-pub "$PUB" Phone-SAST-trust token.pem pem
at -o "$PUB/widget-trust/w.pem" --cn widget --not-after +10d
add cucm-pub "$PUB" widget-trust w.pem pem

# ---- the subscriber ---------------------------------------------------
for u in tomcat ipsec CallManager CALLMANAGER-TRUST tomcat-trust; do mkd "$SUB" "$u"; done
at -o "$SUB/tomcat/tomcat.pem" --cn cucm-sub1.example.com --not-after +30d
add cucm-sub1 "$SUB" tomcat tomcat.pem pem
at -o "$SUB/ipsec/ipsec.pem" --cn cucm-sub1.example.com --not-after -1s
add cucm-sub1 "$SUB" ipsec ipsec.pem pem
at -o "$SUB/CallManager/CallManager.pem" --cn cucm-sub1.example.com --not-after +400d
add cucm-sub1 "$SUB" CallManager CallManager.pem pem
# the platform's trust copy of the publisher's certificate, in odd case
cp "$PUB/CallManager/CallManager.pem" "$SUB/CALLMANAGER-TRUST/cucm-pub.pem"
add cucm-sub1 "$SUB" CALLMANAGER-TRUST cucm-pub.pem pem
{
	echo "Bag Attributes: two certificates follow"
	cat "$W/root.pem"
	echo "--- between ---"
	cat "$PUB/tomcat-trust/old-ca.pem"
	echo "trailing words"
} > "$SUB/tomcat-trust/bundle.pem"
add cucm-sub1 "$SUB" tomcat-trust bundle.pem pem

cat > "$W/uccert.conf" <<EOF
# end-to-end test cluster
threshold_days = $THRESHOLD;
threshold_days_ctl_itl = $THRESHOLD_CTL;
reminder_days = [ 60, 30, 7 ];
state_dir = "$W/state";
clusters = (
  { name = "hq"; product = "cucm"; security_mode = "mixed-usb";
    nodes = (
      { name = "cucm-pub"; role = "publisher"; cert_dir = "$PUB"; },
      { name = "cucm-sub1"; role = "subscriber"; cert_dir = "$SUB"; }
    );
  }
);
EOF

# ---- expected values, from openssl and this table ------------------------
# unit_info DIR -> "canonical-name store impact"
unit_info() {
	case $(printf '%s' "$1" | tr 'A-Z' 'a-z') in
	tomcat) echo "tomcat own none" ;;
	tomcat-ecdsa) echo "tomcat-ECDSA own none" ;;
	ipsec) echo "ipsec own none" ;;
	callmanager) echo "CallManager own ctl-itl" ;;
	callmanager-ecdsa) echo "CallManager-ECDSA own ctl-itl" ;;
	capf) echo "CAPF own ctl-itl" ;;
	tvs) echo "TVS own ctl-itl" ;;
	itlrecovery) echo "ITLRecovery own ctl-itl" ;;
	tomcat-trust) echo "tomcat-trust trust none" ;;
	ipsec-trust) echo "ipsec-trust trust none" ;;
	callmanager-trust) echo "CallManager-trust trust none" ;;
	capf-trust) echo "CAPF-trust trust none" ;;
	tvs-trust) echo "TVS-trust trust none" ;;
	phone-sast-trust) echo "Phone-SAST-trust trust none" ;;
	*-trust) echo "$1 trust unknown" ;;
	*) echo "$1 own unknown" ;;
	esac
}

# split_pem FILE DIR: one file per certificate, DIR/c1.pem, DIR/c2.pem, ...
split_pem() {
	awk -v d="$2" '
		/^-----BEGIN CERTIFICATE-----/ { n++; f = sprintf("%s/c%d.pem", d, n) }
		f != "" { print > f }
		/^-----END CERTIFICATE-----/ { close(f); f = "" }' "$1"
}

rfc3339() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ; }

: > "$W/expected.tsv"
n=0
while IFS='	' read -r node dir unit file format; do
	n=$((n + 1))
	d="$W/split/$n"
	mkdir -p "$d"
	case $format in
	pem) split_pem "$dir/$unit/$file" "$d" ;;
	der) openssl x509 -inform DER -in "$dir/$unit/$file" -out "$d/c1.pem" ;;
	p7b) openssl pkcs7 -inform DER -in "$dir/$unit/$file" -print_certs -out "$d/all.pem"
	     split_pem "$d/all.pem" "$d" ;;
	esac
	set -- $(unit_info "$unit")
	canon=$1 store=$2 impact=$3
	threshold=$THRESHOLD
	[ "$impact" = ctl-itl ] && threshold=$THRESHOLD_CTL
	for c in "$d"/c*.pem; do
		o=$(openssl x509 -in "$c" -noout -subject -issuer -serial -startdate \
			-enddate -fingerprint -sha256 -nameopt RFC2253,-esc_msb)
		field() { printf '%s\n' "$o" | sed -n "s/^$1=//p"; }
		nb=$(field notBefore)
		na=$(field notAfter)
		na_s=$(date -u -d "$na" +%s)
		days=$(awk -v a="$na_s" -v b="$NOW_S" 'BEGIN {
			d = a - b; q = int(d / 86400); if (q * 86400 > d) q--; print q }')
		if [ "$NOW_S" -gt "$na_s" ]; then state=expired
		elif [ "$days" -le "$threshold" ]; then state=expiring
		else state=valid; fi
		sha=$(field "sha256 Fingerprint" | tr -d : | tr 'A-F' 'a-f')
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
			hq "$node" "$canon" "$store" "$impact" "$(field subject)" \
			"$(field issuer)" "$(field serial)" "$(rfc3339 "$nb")" \
			"$(rfc3339 "$na")" "$days" "$state" "$sha" "$dir/$unit/$file" \
			>> "$W/expected.tsv"
	done
done < "$MANIFEST"
sort "$W/expected.tsv" > "$W/expected.sorted"
NROWS=$(wc -l < "$W/expected.tsv")

# ---- the JSON report ---------------------------------------------------
rc=0
"$UCCERT" -c "$W/uccert.conf" --now "$NOW" scan --json > "$W/scan.json" 2> "$W/scan.err" || rc=$?
check "scan --json exits 0" assert_eq 0 "$rc"
check "the unknown unit is reported as a warning" grep -q "widget-trust" "$W/scan.err"

cat > "$W/rows.py" <<'EOF'
import json, sys
KEYS = ["cluster", "node", "unit", "store", "impact", "subject", "issuer", "serial",
        "not_before", "not_after", "days_left", "state", "sha256", "source", "file"]
rows = json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))
for r in rows:
    if sorted(r) != sorted(KEYS):
        sys.exit("unexpected keys: %s" % sorted(r))
    if not isinstance(r["days_left"], int):
        sys.exit("days_left is not a number: %r" % r["days_left"])
    print("\t".join(str(r[k]) for k in KEYS if k != "file"))
EOF
json_rows() { python3 "$W/rows.py" "$W/scan.json" > "$W/got.tsv"; }
check "JSON output parses, every row has exactly the documented keys" json_rows
sort "$W/got.tsv" > "$W/got.sorted"
check "one row per certificate ($NROWS)" assert_eq "$NROWS" "$(wc -l < "$W/got.tsv" | tr -d ' ')"
same_rows() { diff "$W/expected.sorted" "$W/got.sorted" >&2; }
check "every field of every row matches openssl and the unit table" same_rows
# a few values spelled out, so that a mistake in the oracle cannot hide one
row_of() { awk -F'\t' -v s="$1" '$14 == s' "$W/got.tsv"; }
check "DER file: negative serial" assert_eq "-0A" \
	"$(row_of "$PUB/tomcat-trust/partner.der" | cut -f8)"
check "DER file: exactly at the threshold is expiring" assert_eq "60	expiring" \
	"$(row_of "$PUB/tomcat-trust/partner.der" | cut -f11,12)"
check "escaped comma in the CA's subject" assert_eq "CN=Example Root CA,O=Example\\, Inc." \
	"$(row_of "$PUB/tomcat-trust/Example_Root_CA.pem" | cut -f6)"
check "CallManager at 120 days is expiring (ctl-itl threshold)" assert_eq \
	"CallManager	own	ctl-itl	120	expiring" \
	"$(row_of "$PUB/CallManager/CallManager.pem" | cut -f3,4,5,11,12)"
check "CAPF at 121 days is valid" assert_eq "121	valid" \
	"$(row_of "$PUB/CAPF/CAPF.pem" | cut -f11,12)"
check "ITLRecovery in 2057 (GeneralizedTime)" assert_eq "2057-06-15T12:00:00Z	10958" \
	"$(row_of "$PUB/ITLRecovery/ITLRecovery.pem" | cut -f10,11)"
check "expired one second ago: -1 days" assert_eq "-1	expired" \
	"$(row_of "$SUB/ipsec/ipsec.pem" | cut -f11,12)"
check "CALLMANAGER-TRUST is reported as CallManager-trust" assert_eq \
	"CallManager-trust	trust	none" \
	"$(row_of "$SUB/CALLMANAGER-TRUST/cucm-pub.pem" | cut -f3,4,5)"
check "unknown -trust unit: trust store, impact unknown, threshold_days" assert_eq \
	"widget-trust	trust	unknown	expiring" \
	"$(row_of "$PUB/widget-trust/w.pem" | cut -f3,4,5,12)"
check "PKCS#7 bundle: two rows" assert_eq 2 "$(row_of "$PUB/tomcat-trust/chain.p7b" | wc -l | tr -d ' ')"
check "PEM bundle with text around: two rows" assert_eq 2 \
	"$(row_of "$SUB/tomcat-trust/bundle.pem" | wc -l | tr -d ' ')"

# ---- the text report ---------------------------------------------------
rc=0
"$UCCERT" -c "$W/uccert.conf" --now "$NOW" scan > "$W/scan.txt" 2>/dev/null || rc=$?
check "scan exits 0" assert_eq 0 "$rc"
check "header, one line per certificate, summary" assert_eq $((NROWS + 2)) \
	"$(wc -l < "$W/scan.txt" | tr -d ' ')"
check "header line" grep -q '^CLUSTER  *NODE  *UNIT  *STORE  *IMPACT  *DAYS  *STATE  *NOT_AFTER  *FILE  *SUBJECT$' "$W/scan.txt"
# the columns of each line, in report order (FILE aside); the subject is the rest
sed '1d;$d' "$W/scan.txt" | awk '{
	line = $1 "\t" $2 "\t" $3 "\t" $4 "\t" $5 "\t" $6 "\t" $7 "\t" $8
	for (i = 1; i <= 9; i++) sub(/^[^ ]+ +/, "")
	print line "\t" $0 }' > "$W/text.tsv"
sed '1d;$d' "$W/scan.txt" | awk '{ print $9 }' > "$W/files.txt"
check "FILE: the platform file name of each line" assert_eq "" \
	"$(cut -f14 "$W/got.tsv" | xargs -n1 basename | diff - "$W/files.txt" || :)"
cut -f11 "$W/expected.tsv" | sort -n > "$W/days.sorted"
check "lines sorted by days left" assert_eq "$(cat "$W/days.sorted")" "$(cut -f6 "$W/text.tsv")"
# the JSON is in the same order: each line must say what its JSON row says
cut -f1-5,11,12,10,6 "$W/got.tsv" | awk -F'\t' -v OFS='\t' \
	'{ print $1, $2, $3, $4, $5, $8, $9, $7, $6 }' > "$W/json-order.tsv"
check "each line's cluster, node, unit, store, impact, days, state, notAfter, subject" \
	diff "$W/json-order.tsv" "$W/text.tsv"
count() { cut -f12 "$W/expected.tsv" | grep -cx "$1" || :; }
check "summary line counts" assert_eq \
	"$NROWS certificates: $(count valid) valid, $(count expiring) expiring, $(count expired) expired, 0 unreadable" \
	"$(tail -n 1 "$W/scan.txt")"
check "the test covers every state" test "$(count valid)" -gt 0 -a "$(count expiring)" -gt 0 \
	-a "$(count expired)" -gt 0

# ---- --now moves the clock, not the files ---------------------------------
rc=0
"$UCCERT" -q -c "$W/uccert.conf" --now 2027-06-16T12:00:00Z scan --json > "$W/later.json" || rc=$?
later() { python3 -c '
import json, sys
for r in json.load(open(sys.argv[1])):
    if r["source"] == sys.argv[2]:
        print(r["days_left"], r["state"])' "$W/later.json" "$PUB/tomcat-trust/partner.der"; }
check "a day later, the DER file has 59 days left" assert_eq "59 expiring" "$(later)"

# ---- broken configurations: exit 2 and file:line ------------------------
sed '4s/.*/reminder_days = [ 60, 30, 7 /' "$W/uccert.conf" > "$W/syntax.conf"
rc=0
"$UCCERT" -c "$W/syntax.conf" scan > "$W/out" 2> "$W/err" || rc=$?
check "syntax error: exit 2" assert_eq 2 "$rc"
check "syntax error: file:line on stderr" grep -q "^uccert: $W/syntax.conf:5: " "$W/err"
check "syntax error: nothing on stdout" test ! -s "$W/out"
sed 's/role = "subscriber"/role = "secondary"/' "$W/uccert.conf" > "$W/role.conf"
rc=0
"$UCCERT" -c "$W/role.conf" scan --json > "$W/out" 2> "$W/err" || rc=$?
check "bad role: exit 2" assert_eq 2 "$rc"
check "bad role: file:line names the value" grep -q "^uccert: $W/role.conf:10: .*secondary" "$W/err"

finish
