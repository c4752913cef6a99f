#!/bin/sh
# plan.sh - uccert plan: golden-structure tests on the JSON plan and the text
# runbook. Certificates are minted at test time; each case writes its own
# configuration. Dates are relative to NOW.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

NOW=2027-01-01T00:00:00Z
OWN_UNITS="tomcat tomcat-ECDSA ipsec CallManager CallManager-ECDSA CAPF TVS"

# own DIR UNIT DAYS: DIR/UNIT/UNIT.pem, expiring DAYS days after NOW
own() {
	mkdir -p "$1/$2"
	case $3 in -*) na="$3d" ;; *) na="+$3d" ;; esac
	mint -o "$1/$2/$2.pem" --cn "$(basename "$1")-$2" --now "$NOW" \
		--not-before -400d --not-after "$na"
}
# node DIR [publisher]: every own unit valid for years, plus expired trust
# certificates (which must never show up in a plan)
node() {
	for u in $OWN_UNITS; do own "$1" "$u" 2000; done
	[ "${2:-}" = publisher ] && own "$1" ITLRecovery 7000
	for t in CallManager-trust tomcat-trust; do
		mkdir -p "$1/$t"
		mint -o "$1/$t/old-peer.pem" --cn old-peer --now "$NOW" \
			--not-before -900d --not-after -30d
	done
}
# cluster NAME MODE PHONES NODE:ROLE:DIR... -> one cluster group on stdout;
# with VER set, the cluster's version
cluster() {
	name=$1 mode=$2 phones=$3; shift 3
	printf '{ name = "%s"; product = "cucm"; security_mode = "%s";\n' "$name" "$mode"
	[ -n "${VER:-}" ] && printf '  version = "%s";\n' "$VER"
	printf '  nodes = ('
	sep=""
	for n in "$@"; do
		nn=${n%%:*}; rest=${n#*:}; role=${rest%%:*}; dir=${rest#*:}
		printf '%s\n    { name = "%s"; role = "%s"; cert_dir = "%s"; }' "$sep" "$nn" "$role" "$dir"
		sep=","
	done
	printf ' );\n'
	[ -n "$phones" ] && printf '  phones = ( %s );\n' "$phones"
	printf '}'
}
# conf FILE GLOBALS CLUSTER... -> the configuration
conf() {
	f=$1 g=$2; shift 2
	{
		echo "state_dir = \"$W/state\";"
		echo "$g"
		printf 'clusters = ( '
		sep=""
		for c in "$@"; do printf '%s%s' "$sep" "$c"; sep=", "; done
		echo " );"
	} > "$f"
}
# two-node case: case_dir NAME -> $W/NAME/{pub,sub1} populated
case_dir() {
	mkdir -p "$W/$1"
	node "$W/$1/pub" publisher
	node "$W/$1/sub1"
}
NODES() { echo "cucm-pub:publisher:$W/$1/pub cucm-sub1:subscriber:$W/$1/sub1"; }

RC=0
# plan CONF OUT ARGS... -> JSON of `uccert plan --json ARGS` in OUT, status in RC
plan() {
	c=$1 o=$2; shift 2
	RC=0
	"$UCCERT" -q -c "$c" --now "$NOW" plan --json "$@" > "$o" 2> "$o.err" || RC=$?
	[ ! -s "$o.err" ] || cat "$o.err" >&2
}
plan_text() {
	c=$1 o=$2; shift 2
	RC=0
	"$UCCERT" -q -c "$c" --now "$NOW" plan "$@" > "$o" 2> "$o.err" || RC=$?
	[ ! -s "$o.err" ] || cat "$o.err" >&2
}

cat > "$W/q.py" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
C = j["clusters"]
def steps(ci=0): return [s for p in C[ci]["phases"] for s in p["steps"]]
def ids(ci=0): return " ".join(s["id"] for s in steps(ci))
def numbers(ci=0): return " ".join(str(s["number"]) for s in steps(ci))
def phases(ci=0): return " ".join(p["id"] for p in C[ci]["phases"])
def phase(pid, ci=0): return next(p for p in C[ci]["phases"] if p["id"] == pid)
def step(sid, ci=0): return next(s for s in steps(ci) if s["id"] == sid)
def cmds(sid, ci=0): return "|".join(a["command"] or "-" for a in step(sid, ci)["actions"])
def acts(sid, ci=0):
    return "|".join(a["target"] + ":" + ",".join(a["nodes"]) for a in step(sid, ci)["actions"])
def nodes(sid, ci=0): return ",".join(n["name"] for n in step(sid, ci)["nodes"])
def certs(sid, ci=0):
    return " ".join("%s/%s/%d/%s" % (c["node"], c["unit"], c["days_left"], c["state"])
                    for c in step(sid, ci)["certificates"])
def impact(sid, ci=0):
    return " ".join("%s=%d:%s" % (i["family"], i["phones"], i["effect"]) for i in step(sid, ci)["impact"])
def where(a):
    return {"node": "N", "publisher": "P", "all-nodes": "A", "phones": "phones", "workstation": "pc"}[a["target"]]
def seq(sid, ci=0):
    # every action as WHERE:command (manual actions as WHERE:-), in order;
    # the waits between nodes (utils service list) have their own checks
    out = []
    for a in step(sid, ci)["actions"]:
        if a["command"] == "utils service list":
            continue
        c = a["command"] or "-"
        c = c.replace("utils service restart ", "restart ").replace("set cert regen ", "regen ")
        out.append("%s@%s:%s" % (where(a), ",".join(n.replace("cucm-", "") for n in a["nodes"]), c))
    return " | ".join(out)
def has(lst, text): return any(text in x for x in lst)
def all_units(): return sorted({c["unit"] for ci in range(len(C)) for s in steps(ci) for c in s["certificates"]})
print(eval(sys.argv[2]))
EOF
q() { python3 "$W/q.py" "$@"; }
# has_text FILE TEXT: TEXT occurs in FILE once lines are joined (the runbook wraps)
has_text() { tr '\n' ' ' < "$1" | tr -s ' ' | grep -qF -- "$2"; }

# ---- 1. only tomcat expiring ------------------------------------------------
case_dir tomcat
own "$W/tomcat/pub" tomcat 10
VER=12.5 conf "$W/tomcat.conf" "" "$(VER=12.5 cluster hq mixed-usb "" $(NODES tomcat))"
plan "$W/tomcat.conf" "$W/tomcat.json"
check "tomcat only: exit 0" assert_eq 0 "$RC"
check "tomcat only: one phase-1 step" assert_eq "no-phone-impact/tomcat" \
	"$(q "$W/tomcat.json" 'phases() + "/" + ids()')"
check "tomcat only (12.5): regen, Tomcat, TFTP (cached certificate), SSO, SIP OAuth" \
	assert_eq "N@pub:regen tomcat | N@pub:restart Cisco Tomcat | N@pub:restart Cisco Tftp | N@pub:restart Cisco SSOSP Tomcat | N@pub:restart Cisco CallManager" \
	"$(q "$W/tomcat.json" 'seq("tomcat")')"
check "tomcat only: SSO and SIP OAuth restarts say when they apply" assert_eq "only if SAML SSO is enabled|only if SIP OAuth is enabled" \
	"$(q "$W/tomcat.json" '"|".join(a["note"].split(" (")[0] for a in step("tomcat")["actions"][3:5])')"
check "tomcat only: certificate that caused it" assert_eq "cucm-pub/tomcat/10/expiring" \
	"$(q "$W/tomcat.json" 'certs("tomcat")')"
check "tomcat only: remarks (30 minutes; no CSR talk for a self-signed one), no impact" assert_eq "True False []" \
	"$(q "$W/tomcat.json" 'str(has(step("tomcat")["remarks"], "30 minutes")) + " " + str(has(step("tomcat")["remarks"], "CSR")) + " " + str(step("tomcat")["impact"])')"
check "tomcat only: see and verify present" assert_eq "True" \
	"$(q "$W/tomcat.json" 'bool(step("tomcat")["see"]) and "show cert own tomcat" in step("tomcat")["verify"]')"

# ---- 2. ipsec on a subscriber only -----------------------------------------
case_dir ipsec
own "$W/ipsec/sub1" ipsec 20
conf "$W/ipsec.conf" "" "$(VER=12.5 cluster hq mixed-usb "" $(NODES ipsec))"
plan "$W/ipsec.conf" "$W/ipsec.json"
check "ipsec sub: step ipsec only" assert_eq "ipsec" "$(q "$W/ipsec.json" 'ids()')"
check "ipsec sub (12.5): regen on sub1, DRF Master on pub, DRF Local everywhere" \
	assert_eq "node:cucm-sub1|publisher:cucm-pub|all-nodes:cucm-pub,cucm-sub1" \
	"$(q "$W/ipsec.json" 'acts("ipsec")')"
check "ipsec sub: commands" \
	assert_eq "set cert regen ipsec|utils service restart Cisco DRF Master|utils service restart Cisco DRF Local" \
	"$(q "$W/ipsec.json" 'cmds("ipsec")')"
check "ipsec sub: remark that it only silences the alert" assert_eq True \
	"$(q "$W/ipsec.json" 'has(step("ipsec")["remarks"], "only silences the expiry alert")')"
check "ipsec sub: certificate from sub1" assert_eq "cucm-sub1/ipsec/20/expiring" \
	"$(q "$W/ipsec.json" 'certs("ipsec")')"

# ---- 3. CallManager on two nodes, mixed-usb --------------------------------
case_dir cm
own "$W/cm/pub" CallManager 30
own "$W/cm/sub1" CallManager 45
own "$W/cm/pub" TVS 200
conf "$W/cm.conf" "" "$(VER=12.5 cluster hq mixed-usb "" $(NODES cm))"
plan "$W/cm.conf" "$W/cm.json"
check "cm usb: CallManager then CTL update, no TVS" assert_eq "ctl-itl/CallManager ctl-update" \
	"$(q "$W/cm.json" 'phases() + "/" + ids()')"
check "cm usb (12.5): both nodes, one after the other, TVS and TFTP restarts, then phone reset" \
	assert_eq "cucm-pub,cucm-sub1 | N@pub:regen CallManager | N@pub:restart Cisco TVS | N@pub:restart Cisco Tftp | N@sub1:regen CallManager | N@sub1:restart Cisco TVS | N@sub1:restart Cisco Tftp | phones@:-" \
	"$(q "$W/cm.json" 'nodes("CallManager") + " | " + seq("CallManager")')"
check "cm usb: CTL client steps and restarts" \
	assert_eq "workstation:|workstation:|workstation:|all-nodes:cucm-pub,cucm-sub1|all-nodes:cucm-pub,cucm-sub1|all-nodes:cucm-pub,cucm-sub1|phones:|phones:" \
	"$(q "$W/cm.json" 'acts("ctl-update")')"
check "cm usb: TFTP, CallManager, CTIManager restarts" \
	assert_eq "utils service restart Cisco Tftp|utils service restart Cisco CallManager|utils service restart Cisco CTIManager" \
	"$(q "$W/cm.json" '"|".join(a["command"] for a in step("ctl-update")["actions"] if a["command"])')"
check "cm usb: token and SRST warnings" assert_eq "True True" \
	"$(q "$W/cm.json" 'str(has(step("ctl-update")["warnings"], "15 wrong")) + " " + str(has(step("ctl-update")["warnings"], "SRST for up to 5 minutes"))')"
check "cm usb: CTL client, CAPF server id check" assert_eq "True True" \
	"$(q "$W/cm.json" 'str(has([a["note"] or "" for a in step("ctl-update")["actions"]], "CTL Update")) + " " + str("CAPF server id" in step("ctl-update")["verify"])')"
check "cm usb: CTL update caused by both CallManager certificates" \
	assert_eq "cucm-pub/CallManager/30/expiring cucm-sub1/CallManager/45/expiring" \
	"$(q "$W/cm.json" 'certs("ctl-update")')"
check "cm usb (12.5): no release 14 warning on the phase, basis from the reference" assert_eq "False mixed-usb False" \
	"$(q "$W/cm.json" 'str(has(phase("ctl-itl")["warnings"], "Phone Interaction on Certificate Update")) + " " + C[0]["impact_basis"]["id"] + " " + str(C[0]["impact_basis"]["assumed"])')"
check "cm usb: no 8.x-11.5 TVS warning without TVS" assert_eq False \
	"$(q "$W/cm.json" 'has([w for s in steps() for w in s["warnings"]], "11.5")')"

# ---- 4. CallManager + CAPF + TVS, mixed-tokenless --------------------------
case_dir tl
own "$W/tl/pub" CallManager 30
own "$W/tl/pub" CAPF 40
own "$W/tl/pub" TVS 50
own "$W/tl/sub1" TVS 60
conf "$W/tl.conf" "" "$(cluster hq mixed-tokenless "" $(NODES tl))"
plan "$W/tl.conf" "$W/tl.json"
check "tokenless: CallManager -> CAPF -> CTL update -> TVS" assert_eq "CallManager CAPF ctl-update TVS / 1 2 3 4" \
	"$(q "$W/tl.json" 'ids() + " / " + numbers()')"
check "tokenless: utils ctl update CTLFile on the publisher, CallManager and CTIManager everywhere, then phones" \
	assert_eq "P@pub:utils ctl update CTLFile | A@pub,sub1:restart Cisco CallManager | A@pub,sub1:restart Cisco CTIManager | phones@:-" \
	"$(q "$W/tl.json" 'seq("ctl-update")')"
check "tokenless: TVS on each node, after the CTL is verified" assert_eq "cucm-pub,cucm-sub1 True" \
	"$(q "$W/tl.json" 'nodes("TVS") + " " + str(has(step("TVS")["preconditions"], "CTL update above is verified"))')"
check "tokenless: never CallManager and TVS together on 8.x-11.5" assert_eq True \
	"$(q "$W/tl.json" 'has(step("TVS")["warnings"], "8.x to 11.5")')"
check "tokenless: adjusted-procedure warning, impact basis assumed" assert_eq "True True" \
	"$(q "$W/tl.json" 'str(has(phase("ctl-itl")["warnings"], "written for mixed mode with USB eTokens")) + " " + str(C[0]["impact_basis"]["assumed"])')"
check "tokenless: no USB token steps" assert_eq False \
	"$(q "$W/tl.json" 'has([w for s in steps() for w in s["warnings"]], "15 wrong")')"
check "tokenless: CTL update caused by CallManager and CAPF" \
	assert_eq "cucm-pub/CallManager/30/expiring cucm-pub/CAPF/40/expiring" "$(q "$W/tl.json" 'certs("ctl-update")')"

# ---- 5. the same in non-secure ----------------------------------------------
conf "$W/ns.conf" "" "$(cluster hq non-secure "" $(NODES tl))"
plan "$W/ns.conf" "$W/ns.json"
check "non-secure: no CTL step" assert_eq "CallManager CAPF TVS / 1 2 3" \
	"$(q "$W/ns.json" 'ids() + " / " + numbers()')"
check "non-secure: adjusted-procedure warning, basis non-secure assumed" assert_eq "True non-secure True" \
	"$(q "$W/ns.json" 'str(has(phase("ctl-itl")["warnings"], "non-secure")) + " " + C[0]["impact_basis"]["id"] + " " + str(C[0]["impact_basis"]["assumed"])')"
check "non-secure: TVS precondition without a CTL step" assert_eq "False True" \
	"$(q "$W/ns.json" 'str(has(step("TVS")["preconditions"], "CTL update above")) + " " + str(len(step("TVS")["preconditions"]) == 1)')"

# ---- 6. nothing expiring ------------------------------------------------------
case_dir none
conf "$W/none.conf" "" "$(cluster hq mixed-usb "" $(NODES none))"
plan "$W/none.conf" "$W/none.json"
check "nothing due: exit 0, empty clusters" assert_eq "0 []" "$RC $(q "$W/none.json" 'C')"
plan_text "$W/none.conf" "$W/none.txt"
check "nothing due: text says so, exit 0" assert_eq "0 Nothing needs renewing within 90 days (as of $NOW)." \
	"$RC $(cat "$W/none.txt")"

# ---- 7. a fleet with all three families and an unknown model ------------------
case_dir fleet
own "$W/fleet/pub" CallManager 30
own "$W/fleet/pub" CAPF 30
own "$W/fleet/pub" TVS 30
PH='{ model = "7937"; count = 12; }, { model = "IP Communicator"; count = 8; },
    { model = "7960"; count = 40; }, { model = "Jabber"; count = 500; },
    { model = "8845"; count = 1000; }, { model = "7821"; count = 150; },
    { model = "CP-7965G"; count = 30; }, { model = "7975"; count = 20; },
    { model = "7925G"; count = 7; }'
conf "$W/fleet.conf" "" "$(cluster hq mixed-usb "$PH" $(NODES fleet))"
plan "$W/fleet.conf" "$W/fleet.json"
check "fleet: families and counts" assert_eq "no-ctl-itl=20 ctl-only=540 ctl-itl=1200 unknown=7" \
	"$(q "$W/fleet.json" '" ".join("%s=%d" % (f["family"], f["count"]) for f in C[0]["phones"]["families"])')"
check "fleet: unknown model reported by name" assert_eq "7925G" \
	"$(q "$W/fleet.json" '" ".join(m["model"] for f in C[0]["phones"]["families"] if f["family"] == "unknown" for m in f["models"])')"
check "fleet: CallManager impact per family" \
	assert_eq "no-ctl-itl=20:none ctl-only=540:config-rejected ctl-itl=1200:soft-reset unknown=7:unknown" \
	"$(q "$W/fleet.json" 'impact("CallManager")')"
check "fleet: CAPF impact per family" \
	assert_eq "no-ctl-itl=20:none ctl-only=540:none ctl-itl=1200:soft-reset unknown=7:unknown" \
	"$(q "$W/fleet.json" 'impact("CAPF")')"
check "fleet: CTL update impact per family" \
	assert_eq "no-ctl-itl=20:none ctl-only=540:reset-needed ctl-itl=1200:soft-reset unknown=7:unknown" \
	"$(q "$W/fleet.json" 'impact("ctl-update")')"
check "fleet: TVS impact per family" \
	assert_eq "no-ctl-itl=20:none ctl-only=540:none ctl-itl=1200:none unknown=7:unknown" \
	"$(q "$W/fleet.json" 'impact("TVS")')"
check "fleet: impact names the configured models" assert_eq "7960 Jabber" \
	"$(q "$W/fleet.json" '" ".join(next(i for i in step("ctl-update")["impact"] if i["family"] == "ctl-only")["models"])')"
plan_text "$W/fleet.conf" "$W/fleet.txt"
check "fleet text: CTL update says 540 CTL-only phones need a reset" \
	has_text "$W/fleet.txt" "540 CTL-only phones (7960/Jabber) need a reset"
check "fleet text: 1,200 CTL+ITL phones soft-reset" \
	has_text "$W/fleet.txt" "1,200 CTL+ITL phones (8845/7821/CP-7965G/7975) soft-reset automatically"
check "fleet text: unknown models with their count" has_text "$W/fleet.txt" "7 unknown-model phones (7925G)"
# the same fleet, non-secure: CTL-only phones hold no CTL there (assumed)
conf "$W/fleet-ns.conf" "" "$(cluster hq non-secure "$PH" $(NODES fleet))"
plan "$W/fleet-ns.conf" "$W/fleet-ns.json"
check "fleet non-secure: only ITL phones affected by CallManager, labelled assumed" \
	assert_eq "no-ctl-itl=20:none ctl-only=540:none ctl-itl=1200:soft-reset unknown=7:unknown / True" \
	"$(q "$W/fleet-ns.json" 'impact("CallManager") + " / " + str(all(i["assumed"] for i in step("CallManager")["impact"] if i["family"] != "unknown"))')"
plan_text "$W/fleet-ns.conf" "$W/fleet-ns.txt"
check "fleet non-secure text: assumption labelled" grep -q "ASSUMED" "$W/fleet-ns.txt"

# ---- 8. expired own certificate included ----------------------------------
case_dir exp
own "$W/exp/sub1" tomcat -3
conf "$W/exp.conf" "" "$(cluster hq mixed-usb "" $(NODES exp))"
plan "$W/exp.conf" "$W/exp.json"
check "expired: included with negative days" assert_eq "cucm-sub1/tomcat/-3/expired" \
	"$(q "$W/exp.json" 'certs("tomcat")')"
check "expired: not_after reported" assert_eq "2026-12-29T00:00:00Z" \
	"$(q "$W/exp.json" 'step("tomcat")["certificates"][0]["not_after"]')"
plan "$W/exp.conf" "$W/exp0.json" --within 0
check "expired: included even with --within 0" assert_eq "tomcat" "$(q "$W/exp0.json" 'ids()')"

# ---- 9. trust certificates are never planned --------------------------------
# every case carries expired CallManager-trust and tomcat-trust certificates
check "trust: absent from a plan that has steps" assert_eq "['CAPF', 'CallManager', 'TVS']" \
	"$(q "$W/fleet.json" 'str(all_units())')"
plan "$W/none.conf" "$W/trust.json" --within 36500
check "trust: even with --within 36500 only own units" assert_eq "False" \
	"$(q "$W/trust.json" 'any(u.endswith("-trust") for u in all_units())')"

# ---- 10. --within widens and narrows ---------------------------------------
case_dir win
own "$W/win/pub" tomcat 120
own "$W/win/pub" ipsec 30
conf "$W/win.conf" "" "$(cluster hq mixed-usb "" $(NODES win))"
plan "$W/win.conf" "$W/win.json"
check "within: default threshold 90 -> ipsec only" assert_eq "ipsec null" \
	"$(q "$W/win.json" 'ids() + " " + json.dumps(j["within_days"])')"
plan "$W/win.conf" "$W/win150.json" --within 150
check "within 150: tomcat too" assert_eq "tomcat ipsec 150" \
	"$(q "$W/win150.json" 'ids() + " " + str(j["within_days"])')"
plan "$W/win.conf" "$W/win10.json" --within 10
check "within 10: nothing" assert_eq "[]" "$(q "$W/win10.json" 'C')"
plan_text "$W/win.conf" "$W/win10.txt" --within 10
check "within 10: text" grep -q "^Nothing needs renewing within 10 days" "$W/win10.txt"
# per-class thresholds apply without --within
conf "$W/win-cls.conf" "threshold_days = 20; threshold_days_ctl_itl = 150;" \
	"$(cluster hq mixed-usb "" $(NODES win))"
own "$W/win/sub1" CallManager 100
plan "$W/win-cls.conf" "$W/win-cls.json"
check "thresholds per class: CallManager at 100 days in, ipsec at 30 out" \
	assert_eq "CallManager ctl-update {'none': 20, 'ctl-itl': 150, 'unknown': 20}" \
	"$(q "$W/win-cls.json" 'ids() + " " + str(j["thresholds"])')"

# ---- 11. ITLRecovery, CA-signed tomcat, unknown and unreadable units ---------
case_dir misc
own "$W/misc/pub" ITLRecovery 15
mint -o "$W/misc/ca.pem" --key "$W/misc/ca.key" --key-type ec256 --cn "Example CA" --ca \
	--now "$NOW" --not-before -400d --not-after +3000d
mint -o "$W/misc/sub1/tomcat/tomcat.pem" --issuer-cert "$W/misc/ca.pem" --issuer-key "$W/misc/ca.key" \
	--cn cucm-sub1.example.com --now "$NOW" --not-before -400d --not-after +5d
own "$W/misc/pub" vendor-widget 5
echo garbage > "$W/misc/pub/CAPF/broken.pem"
conf "$W/misc.conf" "" "$(cluster hq mixed-tokenless "" $(NODES misc))"
plan "$W/misc.conf" "$W/misc.json"
check "ITLRecovery: its own sequence carries the CTL update, no separate step" assert_eq "tomcat ITLRecovery" \
	"$(q "$W/misc.json" 'ids()')"
check "ITLRecovery: highest-impact warning, CTLFile update in the step (mixed mode)" assert_eq "True True" \
	"$(q "$W/misc.json" 'str(has(step("ITLRecovery")["warnings"], "deleted by hand")) + " " + str("utils ctl update CTLFile" in cmds("ITLRecovery"))')"
check "CA-signed tomcat: never set cert regen, the CSR procedure on its node" \
	assert_eq "N@sub1:set csr gen tomcat | N@sub1:- | N@sub1:- | N@sub1:restart Cisco Tomcat" \
	"$(q "$W/misc.json" '" | ".join(seq("tomcat").split(" | ")[:4])')"
check "CA-signed tomcat: no regen line anywhere in the step" assert_eq False \
	"$(q "$W/misc.json" '"set cert regen tomcat" in cmds("tomcat")')"
check "CA-signed tomcat: the upload names the certificate and its chain" assert_eq True \
	"$(q "$W/misc.json" '"root and intermediate certificates to tomcat-trust" in step("tomcat")["actions"][2]["note"]')"
check "CA-signed tomcat: the warning names the node and the issuer" assert_eq True \
	"$(q "$W/misc.json" 'has(step("tomcat")["warnings"], "On cucm-sub1 the tomcat certificate is CA-signed (issuer CN=Example CA)")')"
check "CA-signed tomcat: title and certificate say CSR" assert_eq "Renew tomcat through a CSR (CA-signed) csr" \
	"$(q "$W/misc.json" 'step("tomcat")["title"] + " " + step("tomcat")["certificates"][0]["renewal"]')"
plan_text "$W/misc.conf" "$W/misc.txt"
check "CA-signed tomcat, text: CSR on the node, no regen line" assert_eq "1 0" \
	"$(grep -c 'on cucm-sub1: set csr gen tomcat' "$W/misc.txt") $(grep -c 'set cert regen tomcat' "$W/misc.txt" || :)"
# a self-signed tomcat on the publisher and a CA-signed one on the
# subscriber: each gets its own procedure
own "$W/misc/pub" tomcat 8
plan "$W/misc.conf" "$W/misc2.json"
check "self-signed + CA-signed tomcat: regen on pub only, CSR on sub1 only" \
	assert_eq "N@pub:regen tomcat N@sub1:set csr gen tomcat" \
	"$(q "$W/misc2.json" '" ".join(x for x in seq("tomcat").split(" | ") if "regen" in x or "csr" in x)')"
# CA-signed CallManager (node by node, CTL/ITL phase)
mint -o "$W/misc/sub1/CallManager/CallManager.pem" --issuer-cert "$W/misc/ca.pem" --issuer-key "$W/misc/ca.key" \
	--cn cucm-sub1.example.com --now "$NOW" --not-before -400d --not-after +5d
plan "$W/misc.conf" "$W/misc3.json"
check "CA-signed CallManager: set csr gen CallManager, no regen, CTL update follows" \
	assert_eq "True False True" \
	"$(q "$W/misc3.json" 'str("set csr gen CallManager" in cmds("CallManager")) + " " + str("set cert regen CallManager" in cmds("CallManager")) + " " + str("ctl-update" in ids())')"
check "unknown own unit: unplanned, not a step" assert_eq "vendor-widget" \
	"$(q "$W/misc.json" '" ".join(c["unit"] for c in C[0]["unplanned"])')"
check "unreadable own file: excluded, counted" assert_eq "1 False" \
	"$(q "$W/misc.json" 'str(C[0]["unreadable_files"]) + " " + str("CAPF" in ids())')"

# ---- 12. --cluster ----------------------------------------------------------
conf "$W/two.conf" "" "$(cluster hq mixed-usb "" $(NODES tomcat))" \
	"$(cluster branch non-secure "" "br-pub:publisher:$W/ipsec/pub" "br-sub:subscriber:$W/ipsec/sub1")"
plan "$W/two.conf" "$W/two.json"
check "two clusters: both planned" assert_eq "hq:tomcat branch:ipsec" \
	"$(q "$W/two.json" '" ".join(c["name"] + ":" + ids(i) for i, c in enumerate(C))')"
plan "$W/two.conf" "$W/branch.json" --cluster branch
check "--cluster branch: only branch" assert_eq "branch:ipsec" \
	"$(q "$W/branch.json" '" ".join(c["name"] + ":" + ids(i) for i, c in enumerate(C))')"
plan "$W/two.conf" "$W/nosuch.json" --cluster nosuch
check "--cluster unknown: usage error 64" assert_eq 64 "$RC"
plan "$W/two.conf" "$W/badw.json" --within -1
check "--within -1: usage error 64" assert_eq 64 "$RC"
plan "$W/two.conf" "$W/extra.json" extra
check "extra argument: usage error 64" assert_eq 64 "$RC"

# ---- 13. text runbook ---------------------------------------------------------
plan_text "$W/tl.conf" "$W/tl.txt"
check "text: exit 0" assert_eq 0 "$RC"
check "text: cluster header" grep -q "^Cluster hq (cucm, mixed-tokenless)" "$W/tl.txt"
check "text: numbered steps in order" assert_eq "Step 1. Regenerate CallManager|Step 2. Regenerate CAPF|Step 3. Update the CTL (tokenless)|Step 4. Regenerate TVS" \
	"$(grep -o 'Step [0-9]*\. .*' "$W/tl.txt" | paste -sd '|' -)"
check "text: commands with node names" grep -q "1\.1  on cucm-pub: set cert regen CallManager" "$W/tl.txt"
check "text: CTL update on the publisher" \
	grep -q "3\.1  on the publisher cucm-pub: utils ctl update CTLFile" "$W/tl.txt"
check "text: TVS one node after the other" assert_eq "4.1  on cucm-pub: set cert regen TVS|4.5  on cucm-sub1: set cert regen TVS" \
	"$(grep -o '4\.[0-9]  on [^:]*: set cert regen TVS' "$W/tl.txt" | paste -sd '|' -)"
check "text: phase headings" assert_eq "PHASE 2 - CTL/ITL impact" "$(grep '^PHASE' "$W/tl.txt")"
check "text: see and verify lines" assert_eq "4 4" \
	"$(grep -c '^    You will see:' "$W/tl.txt") $(grep -c '^    Verify:' "$W/tl.txt")"
plan_text "$W/ipsec.conf" "$W/ipsec.txt"
check "text: ipsec per node" assert_eq "3" \
	"$(grep -cE '1\.1  on cucm-sub1: set cert regen ipsec|1\.2  on the publisher cucm-pub: utils service restart Cisco DRF Master|1\.3  on every node \(cucm-pub, cucm-sub1\): utils service restart Cisco' "$W/ipsec.txt")"

# ---- 14. release x security mode ---------------------------------------------
# Every CTL/ITL unit due (ITLRecovery also as the subscriber's copy), plus
# tomcat and ipsec: the exact step sequence and restarts of each release
# and mode, from Cisco's documents.
case_dir rel
own "$W/rel/pub" ITLRecovery 15
own "$W/rel/sub1" ITLRecovery 15
own "$W/rel/pub" CallManager 30
own "$W/rel/sub1" CallManager 45
own "$W/rel/pub" CAPF 40
own "$W/rel/pub" TVS 50
own "$W/rel/sub1" TVS 60
own "$W/rel/pub" tomcat 10
own "$W/rel/sub1" ipsec 20
for VER in 12.5 14 14SU1 15; do
	for mode in non-secure mixed-tokenless mixed-usb; do
		conf "$W/rel-$VER-$mode.conf" "" "$(cluster hq $mode "" $(NODES rel))"
		plan "$W/rel-$VER-$mode.conf" "$W/rel-$VER-$mode.json"
	done
done
VER=
R() { echo "$W/rel-$1-$2.json"; }
ORDER_NS="tomcat ipsec ITLRecovery CallManager CAPF TVS"
ORDER_MIXED="tomcat ipsec ITLRecovery CallManager CAPF ctl-update TVS"
ORDER_MIGRATE="tomcat ipsec ctl-migrate ITLRecovery CallManager CAPF ctl-update TVS"
for v in 12.5 14 14SU1 15; do
	check "$v non-secure: steps" assert_eq "$ORDER_NS" "$(q "$(R $v non-secure)" 'ids()')"
	check "$v mixed-tokenless: steps" assert_eq "$ORDER_MIXED" "$(q "$(R $v mixed-tokenless)" 'ids()')"
done
check "12.5 mixed-usb: CTL client, no migration" assert_eq "$ORDER_MIXED workstation" \
	"$(q "$(R 12.5 mixed-usb)" 'ids() + " " + step("ctl-update")["actions"][0]["target"]')"
for v in 14 14SU1 15; do
	check "$v mixed-usb: migrate to tokenless first, no CTL client" assert_eq "$ORDER_MIGRATE False" \
		"$(q "$(R $v mixed-usb)" 'ids() + " " + str(any(a["target"] == "workstation" for s in steps() for a in s["actions"]))')"
	check "$v mixed-usb: migration command, then the tokenless CTL update" \
		assert_eq "P@pub:utils ctl set-cluster mixed-mode / P@pub:utils ctl update CTLFile | A@pub,sub1:restart Cisco CallManager | A@pub,sub1:restart Cisco CTIManager | phones@:-" \
		"$(q "$(R $v mixed-usb)" 'seq("ctl-migrate") + " / " + seq("ctl-update")')"
done

# ITLRecovery: Cisco's sequence per security mode, on the publisher only
ITL_SECURE="P@pub:regen ITLRecovery | P@pub:utils ctl reset localkey | phones@:- | P@pub:utils ctl update CTLFile | phones@:-"
ITL_NONSECURE="P@pub:regen ITLRecovery | P@pub:utils itl reset localkey | phones@:- | A@pub,sub1:restart Cisco Tftp | phones@:-"
for v in 12.5 14 15; do
	check "$v non-secure: ITLRecovery localkey sequence" assert_eq "$ITL_NONSECURE" "$(q "$(R $v non-secure)" 'seq("ITLRecovery")')"
	check "$v mixed-tokenless: ITLRecovery localkey sequence" assert_eq "$ITL_SECURE" "$(q "$(R $v mixed-tokenless)" 'seq("ITLRecovery")')"
	check "$v mixed-usb: ITLRecovery localkey sequence" assert_eq "$ITL_SECURE" "$(q "$(R $v mixed-usb)" 'seq("ITLRecovery")')"
done
check "ITLRecovery: the confirmation prompt is named" assert_eq True \
	"$(q "$(R 14 mixed-tokenless)" '"Proceed with regeneration (yes|no)?" in step("ITLRecovery")["actions"][0]["note"]')"
check "ITLRecovery: the resets are in batches, twice" assert_eq "Reset the phones in batches (by device pool); wait until each batch has registered.|Reset the phones again, in batches." \
	"$(q "$(R 14 mixed-tokenless)" '"|".join(a["note"] for a in step("ITLRecovery")["actions"] if a["target"] == "phones")')"
check "ITLRecovery on the subscriber: a distributed copy, no 'unexpected' warning" assert_eq "False True" \
	"$(q "$(R 14 mixed-tokenless)" 'str(has(step("ITLRecovery")["warnings"], "unexpected")) + " " + str(has(step("ITLRecovery")["remarks"], "distributed to the subscribers"))')"
check "ITLRecovery before CallManager: the ordering rule on both steps (mixed)" assert_eq "True True" \
	"$(q "$(R 14 mixed-tokenless)" 'str(has(step("ITLRecovery")["warnings"], "Finish this step before any CallManager certificate is regenerated")) + " " + str(has(step("CallManager")["preconditions"], "deleted on each phone by hand"))')"
check "ITLRecovery before CallManager: the ordering rule (non-secure)" assert_eq "True True" \
	"$(q "$(R 15 non-secure)" 'str(has(step("ITLRecovery")["warnings"], "before any CallManager certificate is regenerated")) + " " + str(has(step("CallManager")["preconditions"], "ITLRecovery step above"))')"
check "ITLRecovery with USB tokens before 14: the tokenless commands flagged" assert_eq "True False" \
	"$(q "$(R 12.5 mixed-usb)" 'str(has(step("ITLRecovery")["warnings"], "UNCONFIRMED for USB-token"))') $(q "$(R 12.5 mixed-tokenless)" 'str(has(step("ITLRecovery")["warnings"], "UNCONFIRMED for USB-token"))')"
# without ITLRecovery due, CallManager has no such precondition
check "CallManager without ITLRecovery: no ordering precondition" assert_eq "[]" \
	"$(q "$W/cm.json" 'str(step("CallManager")["preconditions"])')"

# CallManager restarts per release (Security Guide 14SU2; TAC 214231 adds TVS, TFTP, phone resets)
check "12.5: CallManager, TAC restarts only" \
	assert_eq "N@pub:regen CallManager | N@pub:restart Cisco TVS | N@pub:restart Cisco Tftp | N@sub1:regen CallManager | N@sub1:restart Cisco TVS | N@sub1:restart Cisco Tftp | phones@:-" \
	"$(q "$(R 12.5 non-secure)" 'seq("CallManager")')"
check "14: CallManager, CTIManager, HAProxy on each node after its regen" \
	assert_eq "N@pub:regen CallManager | N@pub:restart Cisco CallManager | N@pub:restart Cisco CTIManager | N@pub:restart Cisco HAProxy | N@pub:restart Cisco TVS | N@pub:restart Cisco Tftp | N@sub1:regen CallManager | N@sub1:restart Cisco CallManager | N@sub1:restart Cisco CTIManager | N@sub1:restart Cisco HAProxy | N@sub1:restart Cisco TVS | N@sub1:restart Cisco Tftp | phones@:-" \
	"$(q "$(R 14 mixed-tokenless)" 'seq("CallManager")')"
for v in 14SU1 15; do
	check "$v: CallManager, HAProxy only" \
		assert_eq "N@pub:regen CallManager | N@pub:restart Cisco HAProxy | N@pub:restart Cisco TVS | N@pub:restart Cisco Tftp | N@sub1:regen CallManager | N@sub1:restart Cisco HAProxy | N@sub1:restart Cisco TVS | N@sub1:restart Cisco Tftp | phones@:-" \
		"$(q "$(R $v mixed-tokenless)" 'seq("CallManager")')"
done
check "before 14: the missing CallManager restart is flagged, not guessed" assert_eq "True False" \
	"$(q "$(R 12.5 non-secure)" 'str(has(step("CallManager")["warnings"], "Before release 14"))') $(q "$(R 14 non-secure)" 'str(has(step("CallManager")["warnings"], "Before release 14"))')"
check "TAC's TVS restart names the disagreement" assert_eq True \
	"$(q "$(R 14 non-secure)" '"Security Guide 14SU2" in step("CallManager")["actions"][4]["note"]')"

# CAPF, TVS, tokenless CTL update
check "12.5: CAPF, TAC restarts on every node, phone reset" \
	assert_eq "N@pub:regen CAPF | A@pub,sub1:restart Cisco TVS | A@pub,sub1:restart Cisco Tftp | phones@:-" \
	"$(q "$(R 12.5 mixed-tokenless)" 'seq("CAPF")')"
check "14: CAPF adds HAProxy (SIP OAuth)" \
	assert_eq "N@pub:regen CAPF | N@pub:restart Cisco HAProxy | A@pub,sub1:restart Cisco TVS | A@pub,sub1:restart Cisco Tftp | phones@:-" \
	"$(q "$(R 14 mixed-tokenless)" 'seq("CAPF") + ("" if "SIP OAuth" in step("CAPF")["actions"][1]["note"] else " NO-OAUTH-NOTE")')"
check "TVS: TVS and TFTP restarts node by node, phones reset, order conflict named" \
	assert_eq "N@pub:regen TVS | N@pub:restart Cisco TVS | N@pub:restart Cisco Tftp | N@sub1:regen TVS | N@sub1:restart Cisco TVS | N@sub1:restart Cisco Tftp | phones@:- | phones@:- / True" \
	"$(q "$(R 15 mixed-tokenless)" 'seq("TVS") + " / " + str(has(step("TVS")["warnings"], "the Security Guide 14SU2 says to regenerate the TFTP (CallManager) certificate last"))')"
check "tokenless CTL update: Security Guide and Field Notice disagreement named" assert_eq True \
	"$(q "$(R 14 mixed-tokenless)" 'has(step("ctl-update")["remarks"], "Security Guide 14SU2 says the new CTL file reaches the phones automatically; Field Notice 70613")')"
check "14: Phone Interaction on Certificate Update warning" assert_eq "True False" \
	"$(q "$(R 14 mixed-tokenless)" 'str(has(phase("ctl-itl")["warnings"], "Phone Interaction")) + " " + str(has(phase("ctl-itl")["warnings"], "[release"))')"

# tomcat and ipsec per release
check "14: tomcat restarts the services of the Security Guide, TFTP, SSO, SIP OAuth; DRF Master on the publisher" \
	assert_eq "N@pub:regen tomcat | N@pub:restart Cisco Tomcat | N@pub:restart Cisco Intercluster Lookup Service | N@pub:restart Cisco Location Bandwidth Manager | N@pub:restart Cisco DRF Local | N@pub:restart Cisco Extension Mobility | N@pub:restart Cisco AXL Tomcat | N@pub:restart Cisco Tftp | N@pub:restart Cisco SSOSP Tomcat | N@pub:restart Cisco CallManager | P@pub:restart Cisco DRF Master" \
	"$(q "$(R 14 non-secure)" 'seq("tomcat")')"
check "12.5: ipsec restarts DRF, publisher-only remark" \
	assert_eq "N@sub1:regen ipsec | P@pub:restart Cisco DRF Master | A@pub,sub1:restart Cisco DRF Local / True" \
	"$(q "$(R 12.5 non-secure)" 'seq("ipsec") + " / " + str(has(step("ipsec")["remarks"], "Only the publisher"))')"
for v in 14 15; do
	check "$v: ipsec restarts with utils ipsec restart, DRF uses tomcat" \
		assert_eq "N@sub1:regen ipsec | N@sub1:utils ipsec restart / False True" \
		"$(q "$(R $v non-secure)" 'seq("ipsec") + " / " + str(has(step("ipsec")["remarks"], "Only the publisher")) + " " + str(has(step("ipsec")["remarks"], "DRF uses the tomcat certificate"))')"
done

# no version: the assumption is said, every variant shown and marked
conf "$W/rel-none.conf" "" "$(cluster hq mixed-usb "" $(NODES rel))"
plan "$W/rel-none.conf" "$W/rel-none.json"
check "no version: the assumption is stated" assert_eq "None True" \
	"$(q "$W/rel-none.json" 'str(C[0]["version"]) + " " + str("assumed no particular release" in C[0]["release_note"])')"
check "no version: both ipsec variants, each with its releases" \
	assert_eq "-/-|before release 14/-|before release 14/-|release 14 and later/-" \
	"$(q "$W/rel-none.json" '"|".join((a["releases"]["text"] or "-") + "/-" for a in step("ipsec")["actions"])')"
check "no version: the USB CTL client step warns for 14 and later" assert_eq True \
	"$(q "$W/rel-none.json" 'has(step("ctl-update")["warnings"], "[release 14 and later] The CTL client is not supported from release 14")')"
plan_text "$W/rel-none.conf" "$W/rel-none.txt"
check "no version text: release line and marked actions" assert_eq "1 1" \
	"$(grep -c '^Release:      not set (version in uccert.conf)' "$W/rel-none.txt") $(grep -c '2\.4  on cucm-sub1: \[release 14 and later\] utils ipsec restart' "$W/rel-none.txt")"
plan_text "$(R 14SU1 mixed-tokenless | sed 's/json$/conf/')" "$W/rel-14su1.txt"
check "version text: header names the release, no markers" assert_eq "1 0 0" \
	"$(grep -c '^Cluster hq (cucm 14SU1, mixed-tokenless)' "$W/rel-14su1.txt") $(grep -c '\[release' "$W/rel-14su1.txt") $(grep -c '^Release:' "$W/rel-14su1.txt")"

# ---- 15. IM and Presence: its units are classified and planned ---------------
mkdir -p "$W/imp"
own "$W/imp/imp1" cup-xmpp 12
own "$W/imp/imp1" cup-xmpp-s2s 500
own "$W/imp/imp1" tomcat 20
own "$W/imp/imp2" cup 25
mkdir -p "$W/imp/imp1/cup-xmpp-trust"
mint -o "$W/imp/imp1/cup-xmpp-trust/old-peer.pem" --cn old-peer --now "$NOW" \
	--not-before -900d --not-after -30d
cat > "$W/imp.conf" <<EOF
state_dir = "$W/state";
clusters = ( { name = "im"; product = "imp"; version = "14SU2"; nodes = (
  { name = "imp1"; role = "publisher"; cert_dir = "$W/imp/imp1"; },
  { name = "imp2"; role = "subscriber"; cert_dir = "$W/imp/imp2"; } ); } );
EOF
plan "$W/imp.conf" "$W/imp.json"
check "IM and Presence: units planned in phase 1, nothing unplanned" assert_eq "no-phone-impact / tomcat cup cup-xmpp / []" \
	"$(q "$W/imp.json" 'phases() + " / " + ids() + " / " + str(C[0]["unplanned"])')"
check "IM and Presence: regen commands on the node where due" \
	assert_eq "N@imp2:regen cup / N@imp1:regen cup-xmpp" \
	"$(q "$W/imp.json" 'seq("cup") + " / " + seq("cup-xmpp")')"
check "IM and Presence: tomcat without the CUCM services (TFTP, SIP OAuth, ...)" \
	assert_eq "N@imp1:regen tomcat | N@imp1:restart Cisco Tomcat | N@imp1:restart Cisco DRF Local | N@imp1:restart Cisco SSOSP Tomcat | P@imp1:restart Cisco DRF Master" \
	"$(q "$W/imp.json" 'seq("tomcat")')"
check "IM and Presence: the unknown restarts are flagged" assert_eq True \
	"$(q "$W/imp.json" 'has(step("cup-xmpp")["warnings"], "UNCONFIRMED")')"
check "IM and Presence: product named" assert_eq "imp" "$(q "$W/imp.json" 'C[0]["product"]')"
"$UCCERT" -q -c "$W/imp.conf" --now "$NOW" scan --json > "$W/imp-scan.json"
check "IM and Presence: scan classifies the units" \
	assert_eq "cup-xmpp-s2s:own:none cup-xmpp-trust:trust:none cup-xmpp:own:none" \
	"$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); c=j["certificates"] if isinstance(j, dict) else j; print(" ".join(sorted("%s:%s:%s" % (x["unit"], x["store"], x["impact"]) for x in c if x["unit"].startswith("cup-xmpp"))))' "$W/imp-scan.json")"

# ---- 16. Unity Connection: no phones, no CTL/ITL ------------------------------
mkdir -p "$W/cuc"
own "$W/cuc/cuc1" tomcat 20
own "$W/cuc/cuc1" CallManager 10
cat > "$W/cuc.conf" <<EOF
state_dir = "$W/state";
clusters = ( { name = "vm"; product = "cuc"; version = "14"; nodes = (
  { name = "cuc1"; role = "publisher"; cert_dir = "$W/cuc/cuc1"; } ); } );
EOF
plan "$W/cuc.conf" "$W/cuc.json"
check "Unity Connection: tomcat planned, no CTL/ITL phase" assert_eq "no-phone-impact / tomcat" \
	"$(q "$W/cuc.json" 'phases() + " / " + ids()')"
check "Unity Connection: a CallManager certificate is not planned there, and says why" \
	assert_eq "CallManager: not a Unity Connection unit: no renewal procedure there" \
	"$(q "$W/cuc.json" '" ".join(c["unit"] + ": " + c["reason"] for c in C[0]["unplanned"])')"
check "Unity Connection: no phones, no impact basis, no security mode in JSON" assert_eq "None None None" \
	"$(q "$W/cuc.json" 'str(C[0]["phones"]) + " " + str(C[0]["impact_basis"]) + " " + str(C[0]["security_mode"])')"
plan_text "$W/cuc.conf" "$W/cuc.txt"
check "Unity Connection, text: no phone line, no impact basis, no ITL" assert_eq 0 \
	"$(grep -ciE 'phones|impact basis|ITL' "$W/cuc.txt" || :)"
check "Unity Connection, text: header names the product only" grep -q '^Cluster vm (cuc 14)$' "$W/cuc.txt"
"$UCCERT" -q -c "$W/cuc.conf" --now "$NOW" scan --json > "$W/cuc-scan.json"
check "Unity Connection: scan never classes a certificate ctl-itl" assert_eq "CallManager:none tomcat:none" \
	"$(python3 -c 'import json,sys; print(" ".join(sorted("%s:%s" % (x["unit"], x["impact"]) for x in json.load(open(sys.argv[1])))))' "$W/cuc-scan.json")"

# ---- 17. the summary first; an expired certificate says "now" ---------------
case_dir sum
own "$W/sum/pub" tomcat -5
own "$W/sum/sub1" CallManager 30
own "$W/sum/pub" CAPF 40
VER=14 conf "$W/sum.conf" "" "$(VER=14 cluster hq mixed-tokenless '{ model = "8845"; count = 1200; }, { model = "7960"; count = 40; }, { model = "7937"; count = 3; }' $(NODES sum))"
plan "$W/sum.conf" "$W/sum.json"
check "summary: nearest deadline per phase, expired flagged" \
	assert_eq "1:2026-12-27:True:tomcat@cucm-pub 2:2027-01-31:False:CallManager@cucm-sub1" \
	"$(q "$W/sum.json" '" ".join("%d:%s:%s:%s@%s" % (x["phase"], x["renew_by"], x["expired"], x["unit"], x["node"]) for x in C[0]["summary"]["phases"])')"
check "summary: change window before the first phase-2 deadline" assert_eq "True 2027-01-31" \
	"$(q "$W/sum.json" 'str(C[0]["summary"]["change_window"]) + " " + C[0]["summary"]["change_window_before"]')"
check "summary: phones affected per family (the 7937 are not)" assert_eq "ctl-only=40 ctl-itl=1200" \
	"$(q "$W/sum.json" '" ".join("%s=%s" % (x["family"], x["phones"]) for x in C[0]["summary"]["phones_affected"])')"
check "summary: trust certificates left to cleanup, and the step count" assert_eq "4 4" \
	"$(q "$W/sum.json" '"%d %d" % (C[0]["summary"]["trust_due"], C[0]["summary"]["steps"])')"
plan_text "$W/sum.conf" "$W/sum.txt"
check "summary, text: before the first phase" assert_eq "Summary" \
	"$(sed -n '/^Summary$/p; /^PHASE /q' "$W/sum.txt")"
check "summary, text: phase 1 expired: renew now" \
	has_text "$W/sum.txt" "No phone impact: EXPIRED on 2026-12-27 (tomcat on cucm-pub): renew now."
check "summary, text: change window and its date" \
	has_text "$W/sum.txt" "CTL/ITL impact: change window needed, before 2027-01-31 (CallManager on cucm-sub1 expires first)."
check "summary, text: phones affected" has_text "$W/sum.txt" "Phones affected: 40 CTL-only, 1,200 CTL+ITL."
check "summary, text: trust certificates point to cleanup" \
	has_text "$W/sum.txt" "Not in this plan: 4 expiring or expired trust certificates: see uccert cleanup."
check "runbook: no 'any time' above an expired certificate; it says now" assert_eq "0 1" \
	"$(grep -c 'any time' "$W/sum.txt" || :) $(tr '\n' ' ' < "$W/sum.txt" | tr -s ' ' | grep -c 'EXPIRED: run these steps now' || :)"
check "runbook: each certificate listed once (the CTL update names its steps)" assert_eq "1 1" \
	"$(grep -c 'cucm-sub1 CallManager: ' "$W/sum.txt") $(grep -c 'For: *the certificates of steps 2, 3$' "$W/sum.txt")"

check "runbook: before any CTL/ITL change, a DRS backup and the ITLRecovery precheck, on the publisher" \
	assert_eq "P@pub:- | P@pub:utils disaster_recovery status backup | P@pub:show cert own ITLRecovery | P@pub:show itl" \
	"$(q "$W/sum.json" '" | ".join("%s@%s:%s" % (where(a), ",".join(n.replace("cucm-", "") for n in a["nodes"]), a["command"] or "-") for a in phase("ctl-itl")["before"])')"
check "runbook: the backup is named for what it is" assert_eq True \
	"$(q "$W/sum.json" '"Disaster Recovery System" in phase("ctl-itl")["before"][0]["note"]')"
check "runbook, text: the block sits above the first CTL/ITL step" assert_eq "  Before step 2 (nothing of this phase is changed yet):|B.1|B.4|Step 2." \
	"$(sed -n '/^PHASE 2/,$p' "$W/sum.txt" | grep -o '^  Before step.*\|B\.[14]\|Step 2\.' | paste -sd '|' -)"
check "runbook: between nodes, what to wait for and how to see it" assert_eq "cucm-sub1 True" \
	"$(q "$W/sum.json" '" ".join(a["nodes"][0] + " " + str("registered again" in a["note"] and "Device Search" in a["note"]) for a in step("CallManager")["actions"] if a["command"] == "utils service list")')"
check "runbook: no backup block without a CTL/ITL phase" assert_eq "[]" \
	"$(q "$W/sum.json" 'str(phase("no-phone-impact")["before"])')"

finish
