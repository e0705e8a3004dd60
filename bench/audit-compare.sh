#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/audit-compare.sh: the cell audit probe battery run the same way
# in three sandboxes, printed as a table (boundary x runtime):
#
#   cell    jail -c with FreeBSD's defaults (persist), the probe run
#           with jexec
#   crun    `crun spec` defaults (root.path, process.args, terminal=false
#           changed, and a tmpfs on /tmp since the spec's root is
#           read-only and the probe needs a scratch directory). On this
#           host's hybrid cgroups crun 1.8 refuses to start ("cgroups in
#           hybrid mode not supported"), so, as bench/jail-lifecycle.sh
#           does, crun runs in a private mount namespace where
#           /sys/fs/cgroup/unified is unmounted; the host is not changed.
#   bwrap   bubblewrap's typical sandbox: --unshare-all --die-with-parent
#           --ro-bind ROOT / --proc /proc --dev /dev --tmpfs /tmp
#
# All three run as root on the host (crun and cell need it; bwrap then
# keeps no capability unless asked). The battery gets the same host
# markers in each: a file outside the root, a process with a known name,
# an abstract unix socket. "allowed" means the escape or privileged
# operation worked. Uses CELL_BUILD_DIR (default build/).
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
B=${CELL_BUILD_DIR:-$SRC/build}
PROBE=$B/src/audit/cell-audit-probe
[ -x "$PROBE" ] || { echo "no probe at $PROBE (build first)" >&2; exit 1; }
T=$(mktemp -d /tmp/cell-cmp.XXXXXX)
export CELL_RUN_DIR=$T/run
ID=cellcmp$$
MARKPID=
cleanup() {
	"$B/src/jail" -r $ID >/dev/null 2>&1
	[ -n "$MARKPID" ] && kill $MARKPID 2>/dev/null
	[ -n "${SOCKPID:-}" ] && kill $SOCKPID 2>/dev/null
	unshare -m --propagation private sh -c \
		"umount /sys/fs/cgroup/unified 2>/dev/null; crun delete -f $ID" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT

R=$T/root
mkdir -p "$R"/bin "$R"/etc "$R"/proc "$R"/dev "$R"/sys "$R"/tmp
cp /bin/busybox "$R"/bin/
for a in sh true; do ln -sf busybox "$R/bin/$a"; done
cp "$PROBE" "$R/bin/probe"
chmod 1777 "$R/tmp"

# host markers
touch "$T/outside"
cp "$(command -v sleep)" "$T/cmpmark$$"
"$T/cmpmark$$" 600 & MARKPID=$!
COMM=$(cat /proc/$MARKPID/comm)
SOCK=cell-cmp-$$
python3 -c "
import socket,time
s=socket.socket(socket.AF_UNIX); s.bind('\0$SOCK'); s.listen(4); time.sleep(600)" &
SOCKPID=$!
sleep 0.3
ARGS=(battery -m "$COMM" -p $MARKPID -f "$T/outside" -u "$SOCK")

# cell
"$B/src/jail" -c name=$ID path="$R" persist >/dev/null || { echo "cell: create failed" >&2; exit 1; }
"$B/src/jexec" $ID /bin/probe "${ARGS[@]}" >"$T/cell.out" 2>&1
"$B/src/jail" -r $ID >/dev/null

# crun
mkdir -p "$T/bundle"
(cd "$T/bundle" && crun spec) >/dev/null
jq --arg root "$R" --argjson args "$(printf '%s\n' /bin/probe "${ARGS[@]}" | jq -R . | jq -s -c .)" \
	'.root.path = $root | .process.args = $args | .process.terminal = false |
	 .mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
		      "options": ["nosuid", "nodev", "mode=1777"]}]' \
	"$T/bundle/config.json" >"$T/bundle/c.json" && mv "$T/bundle/c.json" "$T/bundle/config.json"
if ! crun run --bundle "$T/bundle" $ID >"$T/crun.out" 2>&1 </dev/null; then
	crun delete -f $ID >/dev/null 2>&1
	if grep -q hybrid "$T/crun.out"; then
		CRUN_NOTE="(in a private mount namespace without /sys/fs/cgroup/unified)"
		unshare -m --propagation private sh -c \
			"umount /sys/fs/cgroup/unified && crun run --bundle '$T/bundle' $ID" \
			>"$T/crun.out" 2>&1 </dev/null
	fi
fi

# bubblewrap
bwrap --unshare-all --die-with-parent --ro-bind "$R" / --proc /proc --dev /dev \
	--tmpfs /tmp /bin/probe "${ARGS[@]}" >"$T/bwrap.out" 2>&1 </dev/null

res() { awk -v k="$1" '$1 == k { print $2; exit }' "$2"; }
det() { awk -v k="$1" -v w="$2" '$1 == k && $3 == w { print $4; exit }' "$3"; }
echo "cell audit battery, observed in each sandbox (allowed = the escape or"
echo "privileged operation worked; absent = nothing there to try)"
echo "$(crun --version | head -1) ${CRUN_NOTE:-}; $(bwrap --version); cell $("$B/src/cell" --version | awk '{print $2}')"
echo
printf '| %-22s | %-9s | %-9s | %-9s |\n' boundary cell crun bwrap
printf '|%s|%s|%s|%s|\n' ------------------------ ----------- ----------- -----------
keys=$(awk '$2 != "info" && $1 ~ /\./ { print $1 }' "$T/cell.out")
for k in $keys; do
	printf '| %-22s | %-9s | %-9s | %-9s |\n' "$k" "$(res $k "$T/cell.out")" \
		"$(res $k "$T/crun.out")" "$(res $k "$T/bwrap.out")"
done
for c in CapEff CapBnd NoNewPrivs Seccomp; do
	printf '| %-22s | %-9s | %-9s | %-9s |\n' "$c" "$(det status $c "$T/cell.out" | sed 's/^0*//')" \
		"$(det status $c "$T/crun.out" | sed 's/^0*//')" "$(det status $c "$T/bwrap.out" | sed 's/^0*//')"
done
for f in cell crun bwrap; do
	grep -q '^end$' "$T/$f.out" || { echo; echo "$f: the battery did not finish:"; head -5 "$T/$f.out"; }
done
