#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# cell audit's network reach probe (-r ADDR:PORT) for vnet jails: the
# stand-in host's own address on the jail's bridge, a second bridge's
# network, and a jail on that second bridge.
#
# SAFETY: re-executes itself under `unshare -n`, a stand-in host network
# namespace; every interface, address and packet lives there or in the
# jails' namespaces below it. Traffic goes only to addresses this test
# gives to itself or to its jails.
set -u
if [ -z "${CELL_REACH_STANDIN:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "# SKIP: needs root"; exit 77; }
	CELL_REACH_STANDIN=$(readlink /proc/self/ns/net) || exit 1
	export CELL_REACH_STANDIN
	exec unshare -n -- bash "$0" "$@"
fi
if [ "$(readlink /proc/self/ns/net)" = "$CELL_REACH_STANDIN" ] ||
   ip -o link show | grep -vq '^[0-9]*: lo:'; then
	echo "not ok - not inside a fresh stand-in netns; refusing to run"
	exit 1
fi
CELL_IT_TMP=cell-secreach
. "$CELL_SOURCE_DIR/tests/integration/lib.sh"
CELL=$B/src/cell
ip link set lo up

R=$T/root
mkroot "$R" sh ls cat echo true sleep nc
N=rch$$
MADE="${N}a ${N}b"
BG=""
trap 'for p in $BG; do kill $p 2>/dev/null; done; cleanup' EXIT

"$JAIL" -c name=${N}a path="$R" vnet vnet.bridge=rcha$$ ip4.addr=10.93.0.2/24 \
	vnet.defaultrouter=auto persist >/dev/null || { not_ok "jail a"; finish; exit 1; }
"$JAIL" -c name=${N}b path="$R" vnet vnet.bridge=rchb$$ ip4.addr=10.94.0.2/24 \
	vnet.defaultrouter=auto persist >/dev/null || { not_ok "jail b"; finish; exit 1; }
# listeners: the stand-in host on a's gateway address, jail b on its own
python3 -c 'import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.93.0.1", 7001)); s.listen(8)
while True: s.accept()[0].close()' >/dev/null 2>&1 & BG="$BG $!"
"$JEXEC" ${N}b nc -lk -p 7002 >/dev/null 2>&1 & BG="$BG $!"
sleep 0.3
# no forwarding between the stand-in host's bridges
echo 0 > /proc/sys/net/ipv4/ip_forward

out=$("$CELL" audit -v -r 10.93.0.1:7001 -r 10.94.0.2:7002 -r 10.93.0.9:7003 ${N}a 2>&1)
rc=$?
check "vnet jail with reach probes: exit 0 (no FAIL)" "0" echo $rc
check_match "the host's address on the jail's own bridge: reached" \
	'^network reach: allowed \(vnet=true\) -- 10\.93\.0\.1:7001' echo "$out"
check_match "a jail on another bridge: not reached (no forwarding)" \
	'^network reach: denied \(vnet=true\) -- 10\.94\.0\.2:7002' echo "$out"
check_match "an address nobody has: not reached" \
	'^network reach: denied \(vnet=true\) -- 10\.93\.0\.9:7003' echo "$out"
check_match "each reach line names vnet" '^network reach: .*\(vnet=true' echo "$out"
echo "$out" | grep '^network reach' | sed 's/^/# /'
finish
