# lib.sh - shared by the shell tests. Source it: . "$top_srcdir/tests/lib.sh"
# Every test works in its own temporary directory, removed on exit.
set -eu

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
UCCERT="$top_builddir/src/client/uccert"
# uccert scan fits COLUMNS: tests see the whole table unless they set it
unset COLUMNS
UCCERTD="$top_builddir/src/daemon/uccertd"
MKCERT="$top_builddir/tests/mkcert"
export MIBDIRS="$top_srcdir/mibs"

W=$(mktemp -d "${TMPDIR:-/tmp}/uccert-test.XXXXXX")
chmod 755 "$W"
_cleanup_hooks=""
on_exit() { _cleanup_hooks="$1; $_cleanup_hooks"; }
_run_cleanup() {
	rc=$?
	eval "$_cleanup_hooks" >/dev/null 2>&1 || :
	if [ "$rc" -eq 0 ] || [ -z "${KEEP_TEST_DIR:-}" ]; then rm -rf "$W"; else echo "kept $W" >&2; fi
	exit "$rc"
}
trap _run_cleanup EXIT
trap 'exit 130' INT TERM

TESTS_RUN=0
TESTS_FAILED=0
fail() { echo "FAIL: $*" >&2; TESTS_FAILED=$((TESTS_FAILED + 1)); }
pass() { echo "ok: $*"; }
# check DESCRIPTION COMMAND...: run a check, count it.
check() {
	desc=$1; shift
	TESTS_RUN=$((TESTS_RUN + 1))
	if "$@"; then pass "$desc"; else fail "$desc"; fi
}
assert_eq() { # expected actual what
	if [ "$1" = "$2" ]; then return 0; fi
	echo "  expected: $1" >&2
	echo "  actual:   $2" >&2
	return 1
}
# Close a test: non-zero exit if any check failed or none ran.
finish() {
	echo "$((TESTS_RUN - TESTS_FAILED)) passed, $TESTS_FAILED failed"
	[ "$TESTS_RUN" -gt 0 ] && [ "$TESTS_FAILED" -eq 0 ]
}

# as_root_or_userns FUNCTION WHAT: run FUNCTION (a part that mounts a
# filesystem) as root; otherwise run this script again with --xfs-only in a
# user and mount namespace and count its checks here.
as_root_or_userns() {
	if [ "$(id -u)" = 0 ]; then
		"$1"
	elif unshare -rm true 2> /dev/null; then
		echo "not root: $2 run in a user and mount namespace (unshare -rm)"
		_out=$(unshare -rm sh "$0" --xfs-only 2>&1 || :)
		printf '%s\n' "$_out"
		_ok=$(printf '%s\n' "$_out" | grep -c '^ok: ' || :)
		_bad=$(printf '%s\n' "$_out" | grep -c '^FAIL: ' || :)
		TESTS_RUN=$((TESTS_RUN + _ok + _bad))
		TESTS_FAILED=$((TESTS_FAILED + _bad))
		[ "$_ok" -gt 0 ] || fail "the namespaced $2 did not run"
	else
		fail "$2 need root, or unprivileged user namespaces for 'unshare -rm' (CI runs as root)"
	fi
}

# One shared EC key keeps minting fast (key generation dominates otherwise).
KEY="$W/test.key"
mint() { "$MKCERT" --key "$KEY" --key-type ec256 "$@"; }

# unhealthy_estate DIR: a production-sized estate in trouble, 20 nodes
# (DIR/n01 .. DIR/n20) x 500 certificate files = 10,000; 1,000 expired
# (50 a node) and 455 expiring within 90 days (22 a node, 15 more on n01;
# each node's CallManager and TVS identities among them, CTL/ITL impact):
# 1,455 notifications due. The rest are valid for 400 days.
UNHEALTHY_DUE=1455
unhealthy_estate() {
	for _i in 01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 17 18 19 20; do
		_n="n$_i" _d="$1/n$_i" _ok=428
		mkdir -p "$_d/tomcat-trust" "$_d/CallManager-trust" "$_d/Phone-trust" "$_d/CallManager" "$_d/TVS"
		if [ "$_i" = 01 ]; then
			_ok=413
			mint --count 15 -o "$_d/tomcat-trust/mid45-%d.pem" --cn "$_n-mid45" --not-before -400d --not-after +45d
		fi
		mint --count 300 -o "$_d/tomcat-trust/ok-%d.pem" --cn "$_n-ok" --not-before -400d --not-after +400d
		mint --count $((_ok - 300)) -o "$_d/CallManager-trust/ok-%d.pem" --cn "$_n-cmok" --not-before -400d --not-after +400d
		mint --count 20 -o "$_d/tomcat-trust/exp-%d.pem" --cn "$_n-exp" --not-before -400d --not-after -10d
		mint --count 30 -o "$_d/CallManager-trust/old-%d.pem" --cn "$_n-old" --not-before -400d --not-after -40d
		mint --count 8 -o "$_d/tomcat-trust/soon-%d.pem" --cn "$_n-soon" --not-before -400d --not-after +20d
		mint -o "$_d/CallManager/$_n-cm.pem" --cn "$_n-cm" --not-before -400d --not-after +20d
		mint -o "$_d/TVS/$_n-tvs.pem" --cn "$_n-tvs" --not-before -400d --not-after +20d
		mint --count 7 -o "$_d/CallManager-trust/mid-%d.pem" --cn "$_n-mid" --not-before -400d --not-after +60d
		mint --count 5 -o "$_d/Phone-trust/late-%d.pem" --cn "$_n-late" --not-before -400d --not-after +85d
	done
}

# estate_conf FILE STATE_DIR ESTATE_DIR [SETTING...]: one cluster "big"
# whose nodes are ESTATE_DIR's subdirectories (the first is the publisher)
estate_conf() {
	_f=$1 _state=$2 _dir=$3
	shift 3
	{
		echo "state_dir = \"$_state\";"
		for _s in "$@"; do echo "$_s"; done
		echo "clusters = ( { name = \"big\"; nodes = ("
		_sep="" _role=publisher
		for _n in $(ls "$_dir"); do
			printf '%s{ name = "%s"; role = "%s"; cert_dir = "%s/%s"; }\n' "$_sep" "$_n" "$_role" "$_dir" "$_n"
			_sep="," _role=subscriber
		done
		echo "); } );"
	} > "$_f"
}

# write_config FILE CLUSTER NODE:ROLE:DIR... -> a minimal uccert.conf
write_config() {
	f=$1; cl=$2; shift 2
	{
		echo "state_dir = \"$W/state\";"
		echo "clusters = ( { name = \"$cl\"; product = \"cucm\"; security_mode = \"mixed-usb\"; nodes = ("
		sep=""
		for n in "$@"; do
			name=${n%%:*}; rest=${n#*:}; role=${rest%%:*}; dir=${rest#*:}
			printf '%s{ name = "%s"; role = "%s"; cert_dir = "%s"; }\n' "$sep" "$name" "$role" "$dir"
			sep=","
		done
		echo "); } );"
	} > "$f"
}
