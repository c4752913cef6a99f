# UCCERT_NETSNMP: find the Net-SNMP agent library.
# pkg-config's netsnmp-agent gives clean flags; net-snmp-config, the fallback
# for releases without a .pc file, leaks the distribution's own build flags
# (perl include paths, -Dlinux=linux, prefix maps), so keep only -I/-D and -l/-L.
AC_DEFUN([UCCERT_NETSNMP], [
  PKG_CHECK_MODULES([NETSNMP], [netsnmp-agent], [], [
    AC_PATH_PROG([NET_SNMP_CONFIG], [net-snmp-config], [no])
    AS_IF([test "x$NET_SNMP_CONFIG" = xno],
      [AC_MSG_ERROR([Net-SNMP agent library not found (Debian: apt-get install libsnmp-dev)])])
    NETSNMP_CFLAGS=""
    for f in `$NET_SNMP_CONFIG --base-cflags`; do
      case "$f" in -I*|-DNETSNMP*) NETSNMP_CFLAGS="$NETSNMP_CFLAGS $f" ;; esac
    done
    NETSNMP_LIBS=""
    for f in `$NET_SNMP_CONFIG --agent-libs`; do
      case "$f" in -L*|-l*) NETSNMP_LIBS="$NETSNMP_LIBS $f" ;; esac
    done
  ])
  AC_SUBST([NETSNMP_CFLAGS])
  AC_SUBST([NETSNMP_LIBS])
])
