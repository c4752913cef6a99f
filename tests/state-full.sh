#!/bin/sh
# state_dir on a full filesystem: uccertd keeps serving and sending, an NMS
# sees uccertStateErrors above zero (before any restart would send the
# notifications again), and once space is back the state is written, the
# scalar returns to zero and a restart sends nothing twice.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/snmp-lib.sh"

full_fs() {
	mkdir -p "$W/st"
	mount -t tmpfs -o size=256k tmpfs "$W/st" || { fail "cannot mount a tmpfs"; return; }
	on_exit "umount $W/st"
	C="$W/cluster"
	mkdir -p "$C/pub/tomcat-trust"
	mint -o "$C/pub/tomcat-trust/ok.pem" --not-before -400d --not-after +400d --cn ok
	estate_conf "$W/uccert.conf" "$W/st/state" "$C" "notify_rate = 0;" \
		"agentx = { ping_interval = 1; };"
	start_snmptrapd
	start_snmpd
	start_uccertd "$W/uccert.conf"
	errors() { snmp_raw snmpget -Oqv "$UCCERT_OID.1.1.9.0"; }
	check "uccertStateErrors is 0 while the state can be written" assert_eq 0 "$(errors)"

	dd if=/dev/zero of="$W/st/fill" bs=4k 2>/dev/null || :	# until ENOSPC
	mint --count 5 -o "$C/pub/tomcat-trust/soon-%d.pem" --not-before -400d --not-after +20d --cn soon
	kill -HUP "$UCCERTD_PID"
	five() { [ "$(python3 "$top_srcdir/tests/traps.py" "$W/traps.log" | grep -c '^expiring soon')" -ge 5 ]; }
	check "with state_dir full, the notifications still go out" wait_for 20 five
	above_zero() { [ "$(errors)" -gt 0 ]; }
	check "with state_dir full, uccertStateErrors is above 0" wait_for 10 above_zero
	check "... and the log says what it means, once" \
		assert_eq 1 "$(grep -c 'cannot write notification state: No space left on device; until it can, a restart sends again' "$W/uccertd.log")"

	rm -f "$W/st/fill"
	back_to_zero() { [ "$(errors)" = 0 ]; }
	check "space back: the state is written, uccertStateErrors returns to 0" wait_for 10 back_to_zero
	stop_uccertd
	before=$(grep -c '^TRAP ' "$W/traps.log")
	start_uccertd "$W/uccert.conf"
	sleep 2
	check "after that, a restart sends nothing again" assert_eq "$before" "$(grep -c '^TRAP ' "$W/traps.log")"
	check_clean_exit
}

if [ "${1:-}" = --xfs-only ]; then
	full_fs
	finish
	exit $?
fi
as_root_or_userns full_fs "the full-filesystem checks"
finish
