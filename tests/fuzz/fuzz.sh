#!/bin/sh
# fuzz.sh - build and run uccert's libFuzzer targets (make fuzz, make fuzz-run).
#
#   fuzz.sh build   compile the library's sources and each target with clang,
#                   -fsanitize=fuzzer,address,undefined, into BUILDDIR/fuzz
#   fuzz.sh run     make the seed corpora, then run each target for
#                   FUZZ_SECONDS; fails on any crash, leak, sanitizer report,
#                   input over 1 s or over 2 GB RSS; prints executions per
#                   target
#
# The Makefile sets: srcdir builddir (absolute), FUZZ_CC, FUZZ_CPPFLAGS,
# FUZZ_LIBS, FUZZ_LIB_SOURCES (the library's .c files, relative to srcdir),
# FUZZ_TARGETS, FUZZ_SECONDS, FUZZ_JOBS (targets built and run at once).
#
# Per target T: tests/fuzz/fuzz-T.c, an optional dictionary tests/fuzz/T.dict,
# optional checked-in seeds tests/fuzz/seeds/T/; BUILDDIR/fuzz/seeds/T holds
# the generated ones, BUILDDIR/fuzz/corpus/T what the runs found (kept between
# runs), BUILDDIR/fuzz/T.log the last run's output, and an input that fails
# is written to BUILDDIR/fuzz/found-T-KIND-SHA1 (KIND: crash, leak, timeout,
# oom).
set -eu

: "${srcdir:?}" "${builddir:?}"
FUZZ_CC=${FUZZ_CC:-clang}
FUZZ_TARGETS=${FUZZ_TARGETS:-cert dn config manifest certapi probe sshcli}
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
FUZZ_JOBS=${FUZZ_JOBS:-1}
out=$builddir/fuzz
# -O1 keeps runs fast and stack traces readable; UB aborts like a crash does
CFLAGS_FUZZ="-g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=undefined -std=gnu11
 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2"
# the library's warnings are gcc's business (--enable-werror); clang adds
# -Wformat-nonliteral for vsnprintf wrappers gcc accepts
LIB_CFLAGS="-Wno-format-nonliteral"
TARGET_CFLAGS="-Werror"
SAN=address,undefined

die() { echo "fuzz: $*" >&2; exit 1; }

# Is $1 older than any of the other arguments (or missing)?
stale() {
	_target=$1; shift
	[ -e "$_target" ] || return 0
	for _f; do [ "$_f" -nt "$_target" ] && return 0; done
	return 1
}

cmd_build() {
	command -v "$FUZZ_CC" >/dev/null 2>&1 ||
		die "$FUZZ_CC not found (Debian: apt-get install clang libclang-rt-14-dev libfuzzer-14-dev)"
	mkdir -p "$out/obj"
	# shellcheck disable=SC2046,SC2086
	set -- $(printf '%s\n' $FUZZ_LIB_SOURCES | grep '\.c$')
	headers=$(ls "$srcdir"/src/lib/*.h)
	todo=""
	for s; do
		o=$out/obj/$(basename "$s" .c).o
		# shellcheck disable=SC2086
		if stale "$o" "$srcdir/$s" $headers "$builddir/config.h"; then todo="$todo $s"; fi
	done
	if [ -n "$todo" ]; then
		echo "fuzz: compiling the library with $FUZZ_CC -fsanitize=fuzzer-no-link,$SAN"
		# shellcheck disable=SC2086
		printf '%s\n' $todo | xargs -P "$FUZZ_JOBS" -I{} sh -c \
			'exec "$1" $2 -fsanitize=fuzzer-no-link,$3 $4 -c "$5/{}" -o "$6/obj/$(basename {} .c).o"' \
			sh "$FUZZ_CC" "$CFLAGS_FUZZ $LIB_CFLAGS" "$SAN" "$FUZZ_CPPFLAGS" "$srcdir" "$out" ||
			die "compiling the library failed"
	fi
	objs=$(for s; do printf '%s ' "$out/obj/$(basename "$s" .c).o"; done)
	todo=""
	for t in $FUZZ_TARGETS; do
		src=$srcdir/tests/fuzz/fuzz-$t.c
		[ -f "$src" ] || die "no target $t ($src)"
		# shellcheck disable=SC2086
		if stale "$out/fuzz-$t" "$src" "$srcdir/tests/fuzz/fuzz.h" $objs; then todo="$todo $t"; fi
	done
	[ -n "$todo" ] || return 0
	echo "fuzz: building$todo"
	# shellcheck disable=SC2086
	printf '%s\n' $todo | xargs -P "$FUZZ_JOBS" -I{} sh -c \
		'exec "$1" $2 -fsanitize=fuzzer,$3 $4 -I"$5/tests/fuzz" "$5/tests/fuzz/fuzz-{}.c" $6 $7 -o "$8/fuzz-{}"' \
		sh "$FUZZ_CC" "$CFLAGS_FUZZ $TARGET_CFLAGS" "$SAN" "$FUZZ_CPPFLAGS" "$srcdir" "$objs" \
		"$FUZZ_LIBS" "$out" || die "building the targets failed"
}

# A JSON string holding the text of file $1.
json_string() {
	awk 'BEGIN { printf "\"" } { gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); printf "%s\\n", $0 } END { printf "\"" }' "$1"
}

# Seeds generated here, from certificates minted with tests/mkcert, so that
# the corpora hold no copied file.
make_seeds() {
	mk=$builddir/tests/mkcert
	[ -x "$mk" ] || die "$mk is missing (make tests/mkcert)"
	s=$out/seeds
	rm -rf "$s"
	mkdir -p "$s/cert" "$s/dn" "$s/certapi" "$s/config" "$s/manifest" "$s/probe" "$s/sshcli"
	c=$s/cert
	"$mk" -o "$c/rsa.pem" --cn "seed rsa" --key-type rsa1024
	"$mk" -o "$c/ec.der" --der --key-type ec256 --subject "/CN=seed ec/O=Example/C=US"
	"$mk" -o "$c/ed25519.pem" --key-type ed25519 --bmp-cn "seed bmp" --gentime --serial -0A
	"$mk" -o "$c/ca.pem" --key-type ec384 --ca --not-after 2051-01-01T00:00:00Z
	"$mk" -o "$c/raw.pem" --key-type ed25519 --raw-cn-hex 41c3a9ff42
	cat "$c/rsa.pem" "$c/ca.pem" > "$c/chain.pem"
	"$mk" --p7b "$c/bundle.p7b" "$c/rsa.pem" "$c/ca.pem"
	"$mk" --p7b "$c/bundle.p7b.der" --der "$c/ed25519.pem" "$c/ca.pem"
	# a Name is the subject of a certificate: the DN seeds come from the
	# text descriptions in tests/fuzz/names, encoded by openssl asn1parse
	for f in "$srcdir"/tests/fuzz/names/*.cnf; do
		openssl asn1parse -genconf "$f" -noout -out "$s/dn/$(basename "$f" .cnf).der" >/dev/null ||
			die "openssl asn1parse -genconf $f failed"
	done
	# a snapshot answer holding the minted certificates
	{
		printf '{"identities":[{"service":"tomcat","certificate":'
		json_string "$c/rsa.pem"
		printf '},{"service":"CallManager-ECDSA","certificate":'
		json_string "$c/ca.pem"
		printf '}],"trusts":[{"service":"tomcat","certificate_data":[{"filename":"ca.pem","certificate":'
		json_string "$c/ca.pem"
		printf '},{"filename":"chain.pem","certificate":'
		json_string "$c/chain.pem"
		printf '}]},{"service":"CallManager-trust","certificate_data":[{"filename":"p7.pem","certificate":'
		json_string "$c/bundle.p7b"
		printf '}]}]}\n'
	} > "$s/certapi/snapshot.json"
	cp "$srcdir/conf/uccert.conf" "$s/config/example.conf"
	# what TLS servers holding minted certificates send first; the first
	# byte holds the target's options (fuzz-probe.c)
	k=$out/keys
	mkdir -p "$k"
	"$mk" -o "$k/rsa.pem" --key "$k/rsa.key" --key-type rsa2048 --cn "probe rsa"
	"$mk" -o "$k/ec.pem" --key "$k/ec.key" --key-type ec256 --cn "probe ec"
	flight=$s/probe/.flight
	python3 "$srcdir/tests/fuzz/tls-flight.py" "$k/rsa.pem" "$k/rsa.key" > "$flight"
	{ printf '\000'; cat "$flight"; } > "$s/probe/tls12-rsa"
	features="<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='1' from='imp' version='1.0'><stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>"
	proceed="<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
	{ printf '\001%s\000%s' "$features" "$proceed"; cat "$flight"; } > "$s/probe/xmpp-client"
	python3 "$srcdir/tests/fuzz/tls-flight.py" "$k/ec.pem" "$k/ec.key" ecdsa > "$flight"
	{ printf '\004'; cat "$flight"; } > "$s/probe/tls12-ecdsa"
	{ printf '\006%s\000%s' "$features" "$proceed"; cat "$flight"; } > "$s/probe/xmpp-server"
	rm -f "$flight"
	# the platform CLI's answers: a store list, and a certificate shown
	{
		printf 'tomcat-trust/ca.pem: Trust Certificate\n'
		printf 'CallManager-trust/p7.pem: Trust Certificate\n'
		printf 'tomcat-trust/chain.pem: Trust Certificate\n\n'
	} > "$s/sshcli/list-trust"
	{ printf '[\n  Version: V3\n]\n'; cat "$c/chain.pem"; printf '\n'; } > "$s/sshcli/show-trust"
}

# run_one T: one target for FUZZ_SECONDS; status in $out/T.rc
run_one() {
	t=$1
	mkdir -p "$out/corpus/$t"
	dict=""
	[ -f "$srcdir/tests/fuzz/$t.dict" ] && dict="-dict=$srcdir/tests/fuzz/$t.dict"
	seeds="$out/seeds/$t"
	[ -d "$srcdir/tests/fuzz/seeds/$t" ] && seeds="$seeds $srcdir/tests/fuzz/seeds/$t"
	extra=""
	case $t in
	# libconfig 1.5 leaks a string token on some syntax errors (suppressed
	# in tests/lsan.supp): a leak check after each such input, which costs
	# ten times the input, would take most of the run. Leaks are still
	# looked for, once, at the end of the run, and fail it.
	config) extra=-detect_leaks=0 ;;
	esac
	rc=0
	# shellcheck disable=SC2086
	"$out/fuzz-$t" -max_total_time="$FUZZ_SECONDS" -timeout=1 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$out/found-$t-" $dict $extra \
		"$out/corpus/$t" $seeds > "$out/$t.log" 2>&1 || rc=$?
	echo "$rc" > "$out/$t.rc"
}

cmd_run() {
	command -v openssl >/dev/null 2>&1 || die "openssl not found"
	command -v python3 >/dev/null 2>&1 || die "python3 not found"
	make_seeds
	export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
	export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
	export LSAN_OPTIONS="suppressions=$srcdir/tests/lsan.supp:print_suppressions=0"
	echo "fuzz: each target for $FUZZ_SECONDS s, $FUZZ_JOBS at a time"
	n=0
	for t in $FUZZ_TARGETS; do
		rm -f "$out/$t.rc"
		run_one "$t" &
		n=$((n + 1))
		if [ "$n" -ge "$FUZZ_JOBS" ]; then wait; n=0; fi
	done
	wait
	failed=0
	for t in $FUZZ_TARGETS; do
		log=$out/$t.log
		rc=$(cat "$out/$t.rc" 2>/dev/null || echo 1)
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
		secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
		corpus=$(ls "$out/corpus/$t" | wc -l)
		rate=""
		[ -n "$runs" ] && [ -n "$secs" ] && [ "$secs" -gt 0 ] && rate=" ($((runs / secs))/s)"
		if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
			printf 'fuzz-%-9s ok    %9s executions in %s s%s, corpus %s\n' \
				"$t" "$runs" "${secs:-?}" "$rate" "$corpus"
		else
			failed=$((failed + 1))
			printf 'fuzz-%-9s FAIL  exit %s after %s executions (%s)\n' "$t" "$rc" "${runs:-?}" "$log"
			grep -E -A 30 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|property violated' \
				"$log" | head -n 50 || tail -n 30 "$log"
			ls "$out"/found-"$t"-* 2>/dev/null | sed 's/^/  input: /'
		fi
	done
	[ "$failed" -eq 0 ] || die "$failed target(s) failed"
}

case "${1:-}" in
build) cmd_build ;;
run) cmd_run ;;
*) echo "usage: $0 build|run" >&2; exit 64 ;;
esac
