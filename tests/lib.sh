# lib.sh - shared by the shell tests. Source it: . "$top_srcdir/tests/lib.sh"
# Every test works in its own temporary directory, removed on exit.
set -eu

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
UCCERT="$top_builddir/src/client/uccert"
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
