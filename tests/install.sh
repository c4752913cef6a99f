#!/bin/sh
# make install into a DESTDIR puts every piece where the documentation says,
# and the installed binaries work against the demo cluster.
. "$top_srcdir/tests/lib.sh"

DEST="$W/root"
make -s -C "$top_builddir" install DESTDIR="$DEST" >"$W/install.log" 2>&1 ||
	{ cat "$W/install.log" >&2; exit 1; }
var() { sed -n "s|^$1 = ||p" "$top_builddir/Makefile" | head -n 1; }
expand() { # expand one level of ${prefix}-style references from the Makefile
	v=$1
	for n in 1 2 3 4; do
		case "$v" in *'${'*|*'$('*) ;; *) break ;; esac
		for k in prefix exec_prefix datarootdir datadir sysconfdir docdir PACKAGE_TARNAME PACKAGE; do
			val=$(var "$k")
			v=$(printf '%s' "$v" | sed "s|\${$k}|$val|g; s|\$($k)|$val|g")
		done
	done
	printf '%s' "$v"
}
bindir=$(expand "$(var bindir)")
sbindir=$(expand "$(var sbindir)")
mibdir=$(expand "$(var mibdir)")
mandir=$(expand "$(var mandir)")
docdir=$(expand "$(var docdir)")
unitdir=$(expand "$(var systemdsystemunitdir)")

for f in "$bindir/uccert" "$sbindir/uccertd"; do
	check "installed: $f" test -x "$DEST$f"
done
for f in "$mibdir/UCCERT-MIB.txt" "$mandir/man1/uccert.1" "$mandir/man8/uccertd.8" \
	"$mandir/man5/uccert.conf.5" "$docdir/examples/uccert.conf" \
	"$docdir/examples/snmpd.conf.uccert" "$docdir/examples/uccert.snmptt.conf" \
	"$unitdir/uccertd.service"; do
	check "installed: $f" test -s "$DEST$f"
done
check "the installed MIB is the source MIB" cmp -s "$top_srcdir/mibs/UCCERT-MIB.txt" "$DEST$mibdir/UCCERT-MIB.txt"

sh "$top_srcdir/demo/make-cluster" "$MKCERT" "$W/demo" >/dev/null
check "installed uccert scans the demo cluster" sh -c \
	'"$1" -q -c "$2" scan --json | python3 -c "import json,sys; assert len(json.load(sys.stdin)) == 52"' \
	_ "$DEST$bindir/uccert" "$W/demo/uccert.conf"
check "installed uccertd knows its options" sh -c '"$1" --version | grep -q "^uccertd "' _ "$DEST$sbindir/uccertd"
check "the example configuration loads (its cert_dirs do not exist here: exit 4, named once)" sh -c \
	'"$1" -c "$2" scan >"$3" 2>&1; [ $? = 4 ] && grep -q "^source .* cert_dir .*: No such file" "$3"' \
	_ "$DEST$bindir/uccert" "$DEST$docdir/examples/uccert.conf" "$W/example.err"
check "the unit runs the installed daemon unprivileged and hardened" sh -c \
	'grep -q "^User=uccert" "$1" && grep -q "^ProtectSystem=strict" "$1" && grep -q "^NoNewPrivileges=yes" "$1" &&
	 grep -q "^ExecStart=$2/uccertd -f -c $3/uccert/uccert.conf\$" "$1"' \
	_ "$DEST$unitdir/uccertd.service" "$sbindir" "$(expand "$(var sysconfdir)")"
finish
