#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# VNET end to end, through the built jail, jls and jexec (issue 4):
#   - two vnet jails on one bridge reach each other (ping, TCP, UDP, IPv6)
#   - the in-jail firewall (vnet.firewall) drops a port that is open
#     otherwise, and lives in the jail's netns, not the host's
#   - vnet.rdr forwards a stand-in host port to a server in a jail
#   - a non-vnet jail with ip4.addr cannot bind another address, its
#     wildcard bind lands on its address, its connections come from it;
#     ip4=disable forbids IPv4 sockets
#   - after jail -r nothing remains in ip link / ip addr / nft list
#     ruleset / bpftool cgroup tree / cgroupfs / the state directory
#   - bad input (bad address, interface name clash, firewall that does not
#     parse) creates nothing; a create or remove killed half way is
#     repaired by the next command
#
# SAFETY: the script re-executes itself under `unshare -n`, a stand-in
# host network namespace. Every interface, address, nft rule and packet
# lives there or in the jails' namespaces below it; the real host's
# interfaces and nft tables are never touched. Global things it makes
# (jails' cgroups, a temp dir with the state directory and roots) are
# removed by the EXIT trap, by name.
#
# Output: one "ok - ..." / "not ok - ..." line per check; exit 1 on any
# failure, 77 (skip) when not root.
set -u

if [ -z "${CELL_VNET_STANDIN:-}" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "# SKIP: needs root"
		exit 77
	fi
	command -v unshare >/dev/null || { echo "# SKIP: no unshare"; exit 77; }
	# the netns we start in: the re-executed script must be elsewhere
	CELL_VNET_STANDIN=$(readlink /proc/self/ns/net) || exit 1
	export CELL_VNET_STANDIN
	exec unshare -n -- bash "$0" "$@"
fi

# Never go on in the real host's network namespace: the marker must name
# the netns the outer script started in, this one must be another, and a
# fresh stand-in holds nothing but lo. (/proc/1 may not be readable, so it
# is not compared with.)
case $CELL_VNET_STANDIN in
net:\[*\]) ;;
*)	echo "not ok - CELL_VNET_STANDIN is not a netns marker; refusing to run"
	exit 1 ;;
esac
if [ "$(readlink /proc/self/ns/net)" = "$CELL_VNET_STANDIN" ] ||
   ip -o link show | grep -vq '^[0-9]*: lo:'; then
	echo "not ok - not inside a fresh stand-in host netns; refusing to run"
	exit 1
fi

CELL_IT_TMP=cell-vnet
. "${CELL_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
CHECK_RC_OUT=all
PROBE=$B/tests/net/cell-netprobe
R=$T/root
P=$(( $$ % 100000 ))
BGPIDS=""      # background jexec/probe processes
LINKS=""       # stand-in host interfaces the test made itself

# every trace a jail named $1 could leave: cgroups, processes in them,
# its record, its interfaces, its nft chains
traces() {
	local n=$1
	ls -d /sys/fs/cgroup/*/cell/"$n" /sys/fs/cgroup/cell/"$n" 2>/dev/null
	grep -l "cell/$n\$" /proc/[0-9]*/cgroup 2>/dev/null
	grep -l "^name=$n\$" "$CELL_RUN_DIR"/jails/* 2>/dev/null
	ls "$CELL_RUN_DIR/vnetif/$n" 2>/dev/null
	ip -o link show 2>/dev/null | grep -E -- "e[0-9][ab]_$n[@: ]"
	nft list ruleset 2>/dev/null | grep -E -- "_$n( |\$)"
}
# the vnet root: its applets and the net probe
mkroot_vnet() {
	mkroot "$R" sh ls cat echo ip ping ping6 sleep true false nc
	cp "$PROBE" "$R"/bin/cell-netprobe
}

# init pid of a jail, from its record
init_pid() {
	local f
	f=$(grep -l "^name=$1\$" "$CELL_RUN_DIR"/jails/* 2>/dev/null | head -1)
	[ -n "$f" ] && sed -n '1s/.* init=\([0-9]*\) .*/\1/p' "$f"
}

# the test's own leftovers, then lib.sh's cleanup (jails, $T)
vnet_cleanup() {
	for p in $BGPIDS; do kill "$p" 2>/dev/null; done
	cleanup
	for l in $LINKS; do ip link del "$l" 2>/dev/null; done
	wait 2>/dev/null
	# the stand-in netns goes with this process
}
trap vnet_cleanup EXIT

bg() { "$@" >/dev/null 2>&1 & BGPIDS="$BGPIDS $!"; }

for f in "$JAIL" "$JLS" "$JEXEC" "$PROBE"; do
	[ -x "$f" ] || { echo "not ok - $f missing"; exit 1; }
done
for c in nft bpftool nsenter; do
	command -v $c >/dev/null || { echo "# SKIP: no $c"; exit 77; }
done
ip link set lo up
mkroot_vnet

A=vta$P; Bj=vtb$P; C=vtc$P; N=vtn$P; D=vtd$P
BR=vtab$P        # made by cell (auto-create), shared by A and B
RBR=vtrb$P       # made by the test, with the gateway address, for rdr
SBR=vtsb$P       # made by the test: the shared stack's interface for N
MADE="$A $Bj $C $N $D ${A}bare ${A}nf ${N}x ${N}y ${N}z"

# --- two vnet jails on one bridge -------------------------------------------

cat >"$T/fw.nft" <<'EOF'
table inet jailfw {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 9090 drop
	}
}
EOF
check_rc "vnet jail A on bridge $BR created" 0 \
	"$JAIL" -c name=$A path=$R vnet vnet.bridge=$BR \
	ip4.addr=10.81.0.2/24 ip6.addr=fd81::2/64 persist allow.raw_sockets
check_rc "vnet jail B with vnet.firewall created" 0 \
	"$JAIL" -c name=$Bj path=$R vnet vnet.bridge=$BR \
	ip4.addr=10.81.0.3/24 ip6.addr=fd81::3/64 vnet.firewall=$T/fw.nft \
	persist allow.raw_sockets
check_match "bridge $BR made, host ends e0a_ on it" \
	"e0a_$A.*master $BR" ip -o link show master $BR
check_match "B's host end on $BR too" "e0a_$Bj" ip -o link show master $BR
check_match "jail end e0b_$A inside A with its address" \
	"e0b_$A.*10\.81\.0\.2/24" "$JEXEC" $A ip -o addr show
check_match "lo up inside A" "lo.*UP|UP.*lo|LOOPBACK,UP" \
	"$JEXEC" $A ip link show lo
links_before=$(ip -o link | wc -l)
check "a bare vnet jail: init brought lo up (IFF_UP|IFF_LOOPBACK)" "0x9" \
	"$JAIL" -c name=${A}bare path=$R vnet command=/bin/cat /sys/class/net/lo/flags
check "... and the host's side was never touched (no link made or left)" \
	"$links_before" sh -c "ip -o link | wc -l"
check_clean "... nothing left of it" ${A}bare
# init cannot start the command (fork fails, injected): the create's
# network step meets a dead init, and the error told is init's own
check_match "a command init cannot start: the error is its fork's" \
	"command: fork: Resource temporarily unavailable" \
	env CELL_TEST_FAIL_AT=init-fork "$JAIL" -c name=${A}nf path=$R vnet \
	vnet.bridge=$BR ip4.addr=10.81.0.9/24 command=/bin/true
check_clean "... nothing left of it" ${A}nf
check "... and no link of it" "" sh -c "ip -o link | grep -o '${A}nf' | head -1"
check_match "jls shows A's address" "10\.81\.0\.2 .*$R" "$JLS"
check_nomatch "A's address is not on the stand-in host" "10\.81\.0\.2" \
	ip -o addr show

check_rc "ping A -> B (allow.raw_sockets)" 0 \
	"$JEXEC" $A ping -c 1 -W 3 10.81.0.3
bg "$JEXEC" $Bj /bin/cell-netprobe serve tcp 10.81.0.3 8080 b-tcp 60
bg "$JEXEC" $Bj /bin/cell-netprobe serve udp 10.81.0.3 8053 b-udp 60
bg "$JEXEC" $Bj /bin/cell-netprobe serve tcp fd81::3 8086 b-v6 60
bg "$JEXEC" $Bj /bin/cell-netprobe serve tcp 10.81.0.3 9090 b-fw 60
bg "$JEXEC" $A /bin/cell-netprobe serve tcp 10.81.0.2 9090 a-open 60
check "TCP A -> B" "b-tcp" \
	"$JEXEC" $A /bin/cell-netprobe send tcp 10.81.0.3 8080 5000
check "UDP A -> B" "b-udp" \
	"$JEXEC" $A /bin/cell-netprobe send udp 10.81.0.3 8053 5000
check "IPv6 TCP A -> B" "b-v6" \
	"$JEXEC" $A /bin/cell-netprobe send tcp fd81::3 8086 5000
check_rc "ping6 A -> B" 0 "$JEXEC" $A ping6 -c 1 -W 3 fd81::3
# a router advertisement from a jail (CVE-2020-13401 class): the host must
# not take a default route or an address from it on cell's bridge
# (once duplicate address detection is done with both link-local
# addresses: a tentative one neither sends nor takes an advertisement)
for _ in $(seq 50); do
	"$JEXEC" $A ip -6 addr show dev e0b_$A | grep -q tentative ||
		ip -6 addr show dev $BR | grep -q tentative || break
	sleep 0.1
done
check "A sends a router advertisement onto $BR" "sent" \
	"$JEXEC" $A /bin/cell-netprobe ra e0b_$A fd66::
sleep 1
check_nomatch "... the stand-in host took no default route from it" \
	"default" ip -6 route show
check_nomatch "... and no address on $BR" "fd66:" ip -6 addr show dev $BR

# --- MTU and default routers ---------------------------------------------------

check_match "an epair on a bridge cell made gets MTU 65535" \
	"e0b_$A.*mtu 65535" "$JEXEC" $A ip -o link show e0b_$A
check_match "... and so does the bridge" "mtu 65535" ip -o link show $BR
G=vtg$P; GBR=vtgb$P; MADE="$MADE $G"
# IPv6 off host-wide in the stand-in, for this create only: cell may turn
# it on for its bridge, and nowhere else
V6=/proc/sys/net/ipv6/conf
echo 1 >$V6/default/disable_ipv6; echo 1 >$V6/all/disable_ipv6
check_rc "vnet.defaultrouter=auto on a bridge cell makes" 0 \
	"$JAIL" -c name=$G path=$R vnet vnet.bridge=$GBR \
	ip4.addr=10.88.0.5/24 ip6.addr=fd88::5/64 vnet.defaultrouter=auto \
	vnet.ipv6_defaultrouter=auto vnet.mtu=9000 persist allow.raw_sockets
check "... IPv6 turned on for $GBR only, not all/default" "0 1 1" \
	sh -c "cat $V6/$GBR/disable_ipv6 $V6/all/disable_ipv6 \
	$V6/default/disable_ipv6 | tr '\n' ' ' | sed 's/ \$//'"
echo 0 >$V6/all/disable_ipv6; echo 0 >$V6/default/disable_ipv6
check_match "the jail's default route is the network's first address" \
	"default via 10\.88\.0\.1" "$JEXEC" $G ip route
check_match "... IPv6 too" "default via fd88::1" "$JEXEC" $G ip -6 route
check_match "cell put the gateway address on its bridge" \
	"$GBR.*10\.88\.0\.1/24" ip -o addr show dev $GBR
check_rc "the jail reaches its gateway (the stand-in host)" 0 \
	"$JEXEC" $G ping -c 1 -W 3 10.88.0.1
check_match "vnet.mtu sets the epair's MTU" "mtu 9000" \
	"$JEXEC" $G ip -o link show e0b_$G
check_rc "jail -r $G" 0 "$JAIL" -r $G
check "the bridge and its gateway address went with the last jail" "" \
	sh -c "ip -o link show $GBR 2>/dev/null"
check_rc "vnet.defaultrouter=auto that is the jail's own address refused" 1 \
	"$JAIL" -c name=$G path=$R vnet vnet.bridge=$GBR \
	ip4.addr=10.88.0.1/24 vnet.defaultrouter=auto persist
check_rc "a bad vnet.defaultrouter refused" 1 \
	"$JAIL" -c name=$G path=$R vnet vnet.bridge=$GBR \
	ip4.addr=10.88.0.5/24 vnet.defaultrouter=10.88.0.300 persist
check "... leaving nothing" "" traces $G

# --- vnet.interface, and the same subnet on a second bridge ------------------

E=vte$P
MADE="$MADE $E"
ip link add vtia$P type veth peer name vtib$P && LINKS="$LINKS vtia$P"
ip link set vtib$P up
check_rc "jail E: A's subnet and address on bridge vtob$P, vnet.interface" \
	0 "$JAIL" -c name=$E path=$R vnet vnet.bridge=vtob$P \
	vnet.interface=vtia$P "ip4.addr=10.81.0.2/24,vtia$P|10.87.0.2/24" \
	persist allow.raw_sockets
check_nomatch "vtia$P moved out of the stand-in host" "vtia$P" \
	ip -o link show
check_match "vtia$P inside E, up" "vtia$P.*UP" "$JEXEC" $E ip -o link show
check_match "vtia$P inside E with its address" "vtia$P.*10\.87\.0\.2/24" \
	"$JEXEC" $E ip -o addr show
ip addr add 10.87.0.1/24 dev vtib$P
check_rc "E reaches the stand-in host over vtia$P" 0 \
	"$JEXEC" $E ping -c 1 -W 3 10.87.0.1
check "A still reaches B with E holding A's address elsewhere" "b-tcp" \
	"$JEXEC" $A /bin/cell-netprobe send tcp 10.81.0.3 8080 5000
# what the jail may do with CAP_NET_ADMIN in its netns (done here through
# nsenter, so it holds whatever E's capabilities are): rename the real
# interface and put an impostor under its name
EPID=$(init_pid $E)
nsenter --net=/proc/$EPID/ns/net ip link set vtia$P name vtir$P
nsenter --net=/proc/$EPID/ns/net ip link add vtia$P type ifb
check_rc "jail -r E" 0 "$JAIL" -r $E
check_match "vtia$P given back to the stand-in host" "vtia$P" \
	ip -o link show
check_match "... the real one (a veth, under its own name), not E's impostor" \
	"veth" ip -d link show vtia$P
check_match "... still paired with vtib$P" "vtib$P@vtia$P" ip -o link show vtib$P
check_clean "nothing left of E" $E
check_nomatch "E's cell-made bridge vtob$P gone" "vtob$P" ip -o link show

# --- the in-jail firewall ---------------------------------------------------

check "port 9090 open in A (no firewall there): B -> A" "a-open" \
	"$JEXEC" $Bj /bin/cell-netprobe send tcp 10.81.0.2 9090 5000
check_rc "B's firewall drops tcp/9090: A -> B gets nothing" 1 \
	"$JEXEC" $A /bin/cell-netprobe send tcp 10.81.0.3 9090 2000
BPID=$(init_pid $Bj)
if [ -n "$BPID" ]; then
	check_match "B's ruleset is in B's netns" "table inet jailfw" \
		nsenter --net=/proc/$BPID/ns/net nft list tables
else
	not_ok "B's init pid not found in its record"
fi
check_nomatch "the stand-in host has no jailfw table" "jailfw" \
	nft list ruleset

# --- rdr and nat --------------------------------------------------------------

ip link add $RBR type bridge && LINKS="$LINKS $RBR"
ip link set $RBR up
ip addr add 10.82.0.1/24 dev $RBR
check_rc "vnet jail C with vnet.rdr and vnet.nat on $RBR created" 0 \
	"$JAIL" -c name=$C path=$R vnet vnet.bridge=$RBR \
	ip4.addr=10.82.0.2/24 "vnet.rdr=tcp 18080 8000,udp 18053 8053" \
	vnet.nat persist
check_match "stand-in host has C's rdr chain" "chain rdr_$C" \
	nft list table inet cell
check_match "stand-in host has C's masquerade chain" "chain masq_$C" \
	nft list table inet cell
bg "$JEXEC" $C /bin/cell-netprobe serve tcp 10.82.0.2 8000 c-http 60
bg "$JEXEC" $C /bin/cell-netprobe serve udp 10.82.0.2 8053 c-dns 60
check "rdr: stand-in host tcp/18080 reaches C's server on 8000" "c-http" \
	"$PROBE" send tcp 10.82.0.1 18080 5000
check "rdr: stand-in host udp/18053 reaches C's server on 8053" "c-dns" \
	"$PROBE" send udp 10.82.0.1 18053 5000

# --- a non-vnet jail on the shared stack ------------------------------------

ip link add $SBR type bridge && LINKS="$LINKS $SBR"
ip link set $SBR up
ip addr add 10.83.0.1/24 dev $SBR
check_rc "non-vnet jail N with ip4.addr on interface $SBR created" 0 \
	"$JAIL" -c name=$N path=$R ip4.addr=10.83.0.5/24 interface=$SBR \
	persist
check_match "N's address added as an alias on $SBR" "10\.83\.0\.5/24" \
	ip -o addr show dev $SBR
UNI=/sys/fs/cgroup/unified
[ -d $UNI/cell ] || UNI=/sys/fs/cgroup
check_match "bpftool: cell_sa programs on N's cgroup" "cell_sa_" \
	bpftool cgroup show $UNI/cell/$N
check_match "N cannot bind another host address" "^error: bind" \
	"$JEXEC" $N /bin/cell-netprobe bind tcp 10.83.0.1 0
check_match "N's wildcard bind lands on its address" "^10\.83\.0\.5:[0-9]+$" \
	"$JEXEC" $N /bin/cell-netprobe bind tcp 0.0.0.0 0
check_match "N's UDP wildcard bind lands on its address" \
	"^10\.83\.0\.5:[0-9]+$" \
	"$JEXEC" $N /bin/cell-netprobe bind udp 0.0.0.0 0
check_match "N may bind its own address" "^10\.83\.0\.5:7001$" \
	"$JEXEC" $N /bin/cell-netprobe bind tcp 10.83.0.5 7001
bg "$PROBE" serve tcp 10.83.0.1 7000 =peer 60
check "N's connection to the stand-in host comes from 10.83.0.5" \
	"10.83.0.5" "$JEXEC" $N /bin/cell-netprobe send tcp 10.83.0.1 7000 5000

# the limits hold also where no address hook runs (review defect 2): the
# jail must neither send from nor receive at a host address. Only the
# stand-in netns is changed (ping_group_range is per netns).
Q=vtq$P; S=vts$P; MADE="$MADE $Q $S"
sysctl -qw net.ipv4.ping_group_range="0 0"
ip addr add fd83::1/64 dev $SBR nodad
check_rc "non-vnet jail Q with ip4.addr and ip6.addr on $SBR created" 0 \
	"$JAIL" -c name=$Q path=$R ip4.addr=10.83.0.6/24 \
	ip6.addr=fd83::6/64 interface=$SBR persist
bg "$PROBE" serve udp 10.83.0.1 7002 =peer 60
bg "$PROBE" serve udp fd83::1 7006 =peer 60
sleep 0.3
OUT=$("$JEXEC" $N /bin/cell-netprobe udpconnect 10.83.0.1 7002 2>&1)
check_match "(a) N's UDP sendto from an unbound socket comes from 10.83.0.5" \
	"^sendto: 10\.83\.0\.5$" printf '%s\n' "$OUT"
check_nomatch "(a) ... the connect() after it sends nothing from a host address" \
	"^connected: 10\.83\.0\.1" printf '%s\n' "$OUT"
OUT=$("$JEXEC" $Q /bin/cell-netprobe udpconnect fd83::1 7006 2>&1)
check_match "(a) IPv6: Q's sendto comes from fd83::6" "^sendto: fd83::6$" \
	printf '%s\n' "$OUT"
check_nomatch "(a) IPv6: ... the connect() after it sends nothing from fd83::1" \
	"^connected: fd83::1" printf '%s\n' "$OUT"
"$JEXEC" $N /bin/cell-netprobe serve tcp - 0 n-any 60 >"$T/listen.out" 2>&1 &
BGPIDS="$BGPIDS $!"
LPORT=""
for _ in $(seq 50); do
	LPORT=$(sed -n 's/^listening on //p' "$T/listen.out")
	[ -n "$LPORT" ] && break
	sleep 0.1
done
check "(b) N's listen() without bind() answers at N's address" "n-any" \
	"$PROBE" send tcp 10.83.0.5 "${LPORT:-1}" 3000
check_rc "(b) ... and not at the stand-in host's address" 1 \
	"$PROBE" send tcp 10.83.0.1 "${LPORT:-1}" 1500
check_match "(c) N's ping socket bound to its own address: a reply" \
	"^reply" "$JEXEC" $N /bin/cell-netprobe ping 10.83.0.5 10.83.0.1
check_match "(c) ... bound to a host address: none" "^error" \
	"$JEXEC" $N /bin/cell-netprobe ping 10.83.0.1 10.83.0.1
check_match "(c) ... unbound (the host picks the source): none" "^error" \
	"$JEXEC" $N /bin/cell-netprobe ping 0.0.0.0 10.83.0.1
check_rc "non-vnet jail S with ip4.addr and ip6=inherit created" 0 \
	"$JAIL" -c name=$S path=$R ip4.addr=10.83.0.8/24 interface=$SBR \
	ip6=inherit persist
bg "$JEXEC" $S /bin/cell-netprobe serve tcp :: 7008 s-dual 60
check "(d) S's dual-stack [::] listener answers IPv4 at S's address" \
	"s-dual" "$PROBE" send tcp 10.83.0.8 7008 3000
check_rc "(d) ... and not at the stand-in host's IPv4 address" 1 \
	"$PROBE" send tcp 10.83.0.1 7008 1500
check "(d) ... IPv6 is S's to use (ip6=inherit)" "s-dual" \
	"$PROBE" send tcp fd83::1 7008 3000
check_rc "non-vnet jail D with ip4=disable created" 0 \
	"$JAIL" -c name=$D path=$R ip4=disable persist
check_match "D cannot open an IPv4 socket" "^error: " \
	"$JEXEC" $D /bin/cell-netprobe bind tcp 0.0.0.0 0
check_match "the stand-in host itself binds anywhere" "^10\.83\.0\.1:" \
	"$PROBE" bind tcp 10.83.0.1 0
# an ended jail's address, taken by a new jail within the second after a
# full repair: the create repairs every ended jail first, so the later
# full repair leaves the new jail's alias alone
"$JLS" >/dev/null
"$JAIL" -c name=${N}x path=$R ip4.addr=10.83.0.7/24 interface=$SBR persist >/dev/null &&
	"$JAIL" -m name=${N}x nopersist >/dev/null; sleep 0.3
check_rc "an ended jail's address, taken at once by a new jail" 0 \
	"$JAIL" -c name=${N}y path=$R ip4.addr=10.83.0.7/24 interface=$SBR persist
sleep 1.1
"$JAIL" -c name=${N}z path=$R persist >/dev/null
check_match "... a full repair later leaves it on $SBR" "10\.83\.0\.7/24" \
	ip -o addr show dev $SBR
"$JAIL" -r ${N}y >/dev/null; "$JAIL" -r ${N}z >/dev/null
check_nomatch "... and its removal takes it" "10\.83\.0\.7/" ip -o addr show dev $SBR

# --- removal ------------------------------------------------------------------

for n in $A $Bj $C $N $D $Q $S; do
	check_rc "jail -r $n" 0 "$JAIL" -r $n
done
# the jails' servers went with them; the stand-in host's one is ours
for p in $BGPIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
BGPIDS=""
for n in $A $Bj $C $N $D $Q $S; do
	check_clean "nothing left of $n" $n
done
check_nomatch "ip link: no epair, cell-made bridge $BR gone" \
	"e0[ab]_vt[a-d]$P|$BR" ip -o link show
check_match "ip link: the test's own bridge $RBR stays" "$RBR" \
	ip -o link show
check_nomatch "ip addr: N's alias removed" "10\.83\.0\.5" ip -o addr show
check_nomatch "nft: table inet cell gone (no chains left)" "table inet cell" \
	nft list ruleset
check_nomatch "bpftool cgroup tree: nothing of N's cgroup" "cell/$N" \
	bpftool cgroup tree $UNI
check_nomatch "no cell_sa program left attached anywhere" "cell_sa_" \
	bpftool cgroup tree $UNI

# a jail that ends with its command: network up before it, gone after
F=vtf$P
MADE="$MADE $F"
check_match "command= in a vnet jail runs with its address configured" \
	"10\.88\.0\.2/24" "$JAIL" -c name=$F path=$R vnet vnet.bridge=vtfb$P \
	ip4.addr=10.88.0.2/24 vnet.nat "vnet.rdr=tcp 18083 80" \
	command=/bin/ip -o addr show
check_clean "non-persistent vnet jail: nothing left after its command" $F
check_nomatch "... its cell-made bridge gone" "vtfb$P" ip -o link show
check_nomatch "... its nft chains gone" "table inet cell" nft list ruleset

# --- a vnet jail's root and the host's stack ----------------------------------
# The jail's stack learns an id for the host's (the epair's peer, in any
# link dump). With CAP_NET_ADMIN held in the host's user namespace a
# request naming that id passes, so a vnet jail without a user namespace
# of its own gets none: cell does its network from the host side.
NS_PROBE=$B/tests/net/cell-nsid-probe
cp "$NS_PROBE" "$R"/bin/cell-nsid-probe
G=vtg$P; VIC=vtvic$P
MADE="$MADE $G"
ip link add $VIC type dummy && LINKS="$LINKS $VIC"
"$JAIL" -c name=$G path=$R vnet vnet.bridge=vtgb$P ip4.addr=10.79.0.2/24 \
	persist >/dev/null 2>&1
check_match "a vnet jail's root cannot delete a host interface by netns id" \
	"dellink: Operation not permitted" \
	"$JEXEC" $G /bin/cell-nsid-probe dellink $VIC
check_match "... it is still there" "$VIC" ip -o link show $VIC
check_nomatch "... and the jail holds no CAP_NET_ADMIN" \
	"^CapEff:.*[^0]" sh -c "$JEXEC $G cat /proc/self/status |
	awk '/^CapEff/ { v = strtonum(\"0x\" \$2); if (and(v, 0x1000)) print \"CapEff: net_admin\" }'"
"$JAIL" -r $G >/dev/null 2>&1
# the probe works: with cell.vnet_admin (the administrator's risk) the
# same request deletes the stand-in host's interface
"$JAIL" -c name=$G path=$R vnet vnet.bridge=vtgb$P ip4.addr=10.79.0.2/24 \
	cell.vnet_admin persist >/dev/null 2>&1
"$JEXEC" $G /bin/cell-nsid-probe dellink $VIC >/dev/null 2>&1
check "... with cell.vnet_admin it can (the risk it names)" "gone" \
	sh -c "ip link show $VIC >/dev/null 2>&1 || echo gone"
"$JAIL" -r $G >/dev/null 2>&1
check_clean "... nothing left of $G" $G

# --- a vnet child of a vnet jail: its host side is in the parent --------------

G=vtg$P
MADE="$MADE $G.k $G"
mkdir -p "$R"/jails
cp -a "$R" "$T/kidroot" && mv "$T/kidroot" "$R/jails/k"
check_rc "vnet parent G created" 0 "$JAIL" -c name=$G path=$R vnet \
	vnet.bridge=vtgb$P ip4.addr=10.89.0.2/24 children.max=1 persist
check_rc "vnet child G.k with bridge and rdr created" 0 \
	"$JAIL" -c name=$G.k path=$R/jails/k vnet vnet.bridge=vtkb$P \
	ip4.addr=10.90.0.2/24 "vnet.rdr=tcp 18084 80" persist
GPID=$(init_pid $G)
gns() { nsenter --net=/proc/$GPID/ns/net "$@"; }
check_match "child's bridge is in G's netns" "vtkb$P" gns ip -o link show
check_nomatch "... not on the stand-in host" "vtkb$P" ip -o link show
check_match "child's rdr chain is in G's nft" "rdr_$G.k" gns nft list ruleset
check_nomatch "... not in the stand-in host's" "rdr_$G.k" nft list ruleset
check_match "child's address inside the child" "10\.90\.0\.2/24" \
	"$JEXEC" $G.k ip -o addr show
check_rc "jail -r G.k" 0 "$JAIL" -r $G.k
check_nomatch "G's netns: child's bridge and epair gone" "vtkb$P|_$G\.k" \
	gns ip -o link show
check_nomatch "G's netns: child's chains gone" "$G\.k" gns nft list ruleset
check_rc "jail -r G" 0 "$JAIL" -r $G
check_clean "nothing left of G.k" $G.k
check_clean "nothing left of G" $G
check_nomatch "G's cell-made bridge gone" "vtgb$P" ip -o link show
rm -rf "$R/jails"

# --- names and MACs that collide -------------------------------------------

# names too long for "e0a_NAME" are hashed (FNV-1a 32): these two hash
# alike (29cc1dc2). The second create is refused; it must not take the
# first jail's epair or bridge with it. (Fixed names: they live only in
# this stand-in netns and this test's state directory.)
CA=rvnetcoll0539599; CB=rvnetcoll0722382; MADE="$MADE $CA $CB"
check_rc "jail $CA with a hashed epair name on vtcb$P created" 0 \
	"$JAIL" -c name=$CA path=$R vnet vnet.bridge=vtcb$P \
	ip4.addr=10.91.0.2/24 persist
check_rc "jail $CB, whose epair name hashes alike, refused" 1 \
	"$JAIL" -c name=$CB path=$R vnet vnet.bridge=vtcb$P \
	ip4.addr=10.91.0.3/24 persist
check_match "... $CA's epair host end is still on vtcb$P" \
	"e0a_29cc1dc2.*master vtcb$P" ip -o link show
check_match "... and its jail end still in $CA" "e0b_29cc1dc2" \
	"$JEXEC" $CA ip -o link show
check_rc "jail -r $CA" 0 "$JAIL" -r $CA
check_nomatch "... its epair and bridge gone" "29cc1dc2|vtcb$P" ip -o link show

# short names, plain epair names, but their MACs came from the same
# 32-bit hash (768e6f0f): two jails on one bridge must not share a MAC
MA=rvnetroczfa; MB=rvnethfbppa; MADE="$MADE $MA $MB"
"$JAIL" -c name=$MA path=$R vnet vnet.bridge=vtmb$P ip4.addr=10.92.0.2/24 \
	allow.raw_sockets persist >/dev/null 2>&1
"$JAIL" -c name=$MB path=$R vnet vnet.bridge=vtmb$P ip4.addr=10.92.0.3/24 \
	persist >/dev/null 2>&1
macs() { ip -o link show master vtmb$P | grep -o 'link/ether [0-9a-f:]*' |
	sort | uniq -d; }
check "two jails on vtmb$P: no MAC twice among the host ends" "" macs
check_rc "... and they reach each other" 0 \
	"$JEXEC" $MA ping -c 1 -W 3 10.92.0.3
"$JAIL" -r $MA >/dev/null 2>&1; "$JAIL" -r $MB >/dev/null 2>&1

# a create that fails after its gateway address went on an existing
# bridge of cell's takes that address back (and refuses a taken rdr
# host port before it builds anything)
H1=vth$P; H2=vti$P; MADE="$MADE $H1 $H2"
check_rc "jail $H1 with vnet.rdr tcp 18095 on vthb$P" 0 \
	"$JAIL" -c name=$H1 path=$R vnet vnet.bridge=vthb$P \
	ip4.addr=10.93.0.2/24 "vnet.rdr=tcp 18095 80" persist
check_rc "jail $H2 on vthb$P, gateway auto, the same rdr port: refused" 1 \
	"$JAIL" -c name=$H2 path=$R vnet vnet.bridge=vthb$P \
	ip4.addr=10.94.0.2/24 vnet.defaultrouter=auto \
	"vnet.rdr=tcp 18095 80" persist
check_nomatch "... its gateway address is not left on vthb$P" \
	"10\.94\.0\.1" ip -o addr show dev vthb$P
check_clean "... nothing left of $H2" $H2
printf 'this is not nft\n' >"$T/badfw.nft"
check_rc "jail $H2 on vthb$P, gateway auto, a firewall that fails: refused" 1 \
	"$JAIL" -c name=$H2 path=$R vnet vnet.bridge=vthb$P \
	ip4.addr=10.94.0.2/24 vnet.defaultrouter=auto \
	vnet.firewall=$T/badfw.nft persist
check_nomatch "... its gateway address is not left on vthb$P either" \
	"10\.94\.0\.1" ip -o addr show dev vthb$P
check_clean "... nothing left of $H2" $H2
check_rc "jail -r $H1" 0 "$JAIL" -r $H1

# --- bad input ----------------------------------------------------------------

X=vtx$P; Y=vty$P; Z=vtz$P; W=vtw$P
MADE="$MADE $X $Y $Z $W"
check_rc "bad ip4.addr refused" 1 \
	"$JAIL" -c name=$X path=$R vnet vnet.bridge=vtxb$P ip4.addr=bad persist
check_clean "bad ip4.addr: nothing left" $X
check_nomatch "bad ip4.addr: no bridge made" "vtxb$P" ip -o link show
check_rc "bad ip4.addr prefix refused" 1 \
	"$JAIL" -c name=$X path=$R vnet vnet.bridge=vtxb$P \
	ip4.addr=10.84.0.2/33 persist
check_clean "bad prefix: nothing left" $X

# a host interface already has the epair's name
ip link add e0a_$Y type veth peer name vtyp$P && LINKS="$LINKS e0a_$Y"
OUT=$("$JAIL" -c name=$Y path=$R vnet vnet.bridge=vtyb$P \
	ip4.addr=10.84.0.2/24 persist 2>&1)
RC=$?
if [ $RC != 0 ] && printf '%s' "$OUT" | grep -q "e0a_$Y"; then
	ok "name clash with host interface e0a_$Y refused, naming it"
else
	not_ok "name clash: exit $RC, '$OUT'"
fi
check_match "name clash: the host's e0a_$Y is still there" "e0a_$Y" \
	ip -o link show
check_nomatch "name clash: no bridge made" "vtyb$P" ip -o link show
got=$(ls -d /sys/fs/cgroup/*/cell/$Y 2>/dev/null; grep -l "^name=$Y\$" \
	"$CELL_RUN_DIR"/jails/* 2>/dev/null; grep -l "cell/$Y\$" \
	/proc/[0-9]*/cgroup 2>/dev/null)
if [ -z "$got" ]; then ok "name clash: no cgroup, process or record"
else not_ok "name clash: left $got"; fi
check_rc "vnet.bridge naming a host interface that is no bridge refused" 1 \
	"$JAIL" -c name=$Y path=$R vnet vnet.bridge=vtyp$P \
	ip4.addr=10.84.0.2/24 persist
check_match "... and that interface stays" "vtyp$P" ip -o link show
check_rc "vnet.interface naming a missing interface refused" 1 \
	"$JAIL" -c name=$X path=$R vnet vnet.interface=nosuch$P persist
check_clean "missing vnet.interface: nothing left" $X

# a firewall file that does not parse, after the rdr and nat were made
printf 'table inet broken {\n\tchain input {\n\t\tthis is not nft\n\t}\n}\n' \
	>"$T/bad.nft"
OUT=$("$JAIL" -c name=$Z path=$R vnet vnet.bridge=vtzb$P \
	ip4.addr=10.85.0.2/24 vnet.nat "vnet.rdr=tcp 18081 80" \
	vnet.firewall=$T/bad.nft persist 2>&1)
RC=$?
if [ $RC != 0 ] && printf '%s' "$OUT" | grep -q "bad.nft"; then
	ok "firewall that does not parse refused, naming the file"
else
	not_ok "bad firewall: exit $RC, '$OUT'"
fi
check_clean "bad firewall: nothing left" $Z
check_nomatch "bad firewall: no bridge, no epair" "vtzb$P|_$Z" \
	ip -o link show
check_nomatch "bad firewall: no nft table left" "table inet cell" \
	nft list ruleset

# --- killed half way: repaired by the next command ----------------------------

# (in subshells: bash's "Killed" notice goes to /dev/null with them)
(CELL_TEST_CRASH_AT=network "$JAIL" -c name=$W path=$R vnet \
	vnet.bridge=vtwb$P ip4.addr=10.86.0.2/24 vnet.nat \
	"vnet.rdr=tcp 18082 80" persist; :) >/dev/null 2>&1
check_match "killed after the network step: chains are there" "_$W" \
	nft list ruleset
"$JLS" >/dev/null 2>&1
check_clean "... and gone after the next command (repair)" $W
check_nomatch "... no bridge left" "vtwb$P" ip -o link show

for at in stop network-removed cgroup-removed; do
	"$JAIL" -c name=$W path=$R vnet vnet.bridge=vtwb$P \
		ip4.addr=10.86.0.2/24 vnet.nat "vnet.rdr=tcp 18082 80" \
		persist >/dev/null 2>&1
	(CELL_TEST_CRASH_AT=$at "$JAIL" -r $W; :) >/dev/null 2>&1
	"$JLS" >/dev/null 2>&1
	check_clean "jail -r killed at $at: repaired" $W
	check_nomatch "jail -r killed at $at: no bridge left" "vtwb$P" \
		ip -o link show
done

(CELL_TEST_CRASH_AT=network "$JAIL" -c name=$W path=$R \
	ip4.addr=10.83.0.9/24 interface=$SBR persist; :) >/dev/null 2>&1
"$JLS" >/dev/null 2>&1
check_clean "non-vnet create killed after network: repaired" $W
check_nomatch "... its alias removed" "10\.83\.0\.9" ip -o addr show

finish
