#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# jail-lifecycle.sh: how long cell takes to make, run /bin/true in, and
# remove a jail, and to run /bin/true in an existing one, next to crun,
# runc, bubblewrap and nsenter, on the same busybox root, in one run.
#
#   life cycle   jail -c ... command=/bin/true      (and with vnet)
#                crun run, runc run                  (OCI bundle, /bin/true)
#                bwrap --unshare-all ... /bin/true
#   exec         jexec JAIL /bin/true                (persistent jail)
#                crun exec CTR /bin/true             (crun run -d, sleep 1000)
#                nsenter -t PID -a /bin/true         (PID: the jail's init)
#
# The rows are interleaved, in a new random order every round, so drift on
# a noisy machine hits every row alike and no row always runs after the
# same neighbour. Each sample is the wall
# time of fork+exec+wait of the command ($EPOCHREALTIME, microseconds).
# Medians in ms. This is a benchmark, not a test: it exits 0 whatever the
# numbers are (non-zero only when it could not measure).
#
# usage: jail-lifecycle.sh [-n ITER] [-w WARMUP] [-o FILE]
#   -n  samples per row (default 50)   -w  unrecorded warm-up rounds (3)
#   -o  also write every sample as TSV (row, us) to FILE
# env: BUILD (default /tmp/build-bench; the benchmarked targets are built
# first), BENCH_REV=<commit> to build and measure a commit (see README).

set -u
. "$(dirname "$0")/lib.sh"

N=50
WARM=3
OUT=
while getopts "n:w:o:h" opt; do
	case $opt in
	n) N=$OPTARG ;;
	w) WARM=$OPTARG ;;
	o) OUT=$OPTARG ;;
	*) sed -n '3,25s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done
[[ $N =~ ^[1-9][0-9]*$ && $WARM =~ ^[0-9]+$ ]] || bench_die "bad -n/-w"

bench_need_root
for t in crun runc bwrap nsenter unshare jq; do
	command -v $t >/dev/null || bench_die "$t not installed"
done
bench_init
bench_build
JAIL=$BUILD/src/jail
JEXEC=$BUILD/src/jexec

# cell's state in our temp dir: nothing shared with other jails but the
# cgroup names, which carry our pid
# and every runtime's state (CELL_RUN_DIR, crun's and runc's --root) on
# a tmpfs, as /run is on a systemd host (bench_state)
bench_state
STATE=$BENCH_STATE
export CELL_RUN_DIR=$STATE/run
mkdir -p "$CELL_RUN_DIR"
CRUN="crun --root $STATE/crun"
RUNC="runc --root $STATE/runc"
ROOT=$BENCH_TMP/root
bench_rootfs "$ROOT" || bench_die "cannot build the busybox root"
ID=cellbench$$
BT=$BENCH_TMP/bundle-true
BS=$BENCH_TMP/bundle-sleep
bench_bundle "$BT" "$ROOT" /bin/true || bench_die "cannot make the OCI bundle"
bench_bundle "$BS" "$ROOT" /bin/sleep 1000 || bench_die "cannot make the OCI bundle"

echo "jail-lifecycle: $(bench_machine)"
echo "  cell: $(bench_source)"
echo "  $(crun --version | head -1), $(runc --version | head -1), $(bwrap --version), $(nsenter --version)"
bench_state_where "$STATE"
echo "  root: busybox $(/bin/busybox | head -1 | awk '{print $2}') (static) + $(ls "$ROOT/bin" | wc -l) entries in /bin, under $BENCH_TMP"
echo "  $N samples per row after $WARM warm-up rounds, rows interleaved in a random order per round"
echo

# ---------------------------------------------------------------- crun
# crun 1.8 refuses to run at all on a hybrid cgroup host whose cgroup2
# mount has a controller enabled ("cgroups in hybrid mode not supported,
# drop all controllers from cgroupv2"), even with --cgroup-manager=
# disabled: the check is made before the manager is looked at. We do not
# touch the host's cgroups. Instead crun runs in a private mount namespace
# where /sys/fs/cgroup/unified is unmounted, so crun sees a legacy (v1)
# host and uses its cgroupfs manager on the v1 hierarchies. A helper bash
# lives in that namespace for the whole run and times the crun commands
# itself, so the namespace costs nothing per sample.
echo "what was done to make the others run here:"
CRUN_WHERE=host
if ! out=$($CRUN run --bundle "$BT" "${ID}x" 2>&1 </dev/null); then
	$CRUN delete -f "${ID}x" >/dev/null 2>&1
	echo "  crun run (default config) refuses: $out"
	out2=$($CRUN --cgroup-manager=disabled run --bundle "$BT" "${ID}x" 2>&1 </dev/null)
	[ $? -ne 0 ] && echo "  crun --cgroup-manager=disabled run refuses too: $out2"
	if grep -q hybrid <<<"$out" &&
	   [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
		CRUN_WHERE=ns
		echo "  -> crun runs in a private mount namespace (unshare -m) where the cgroup2"
		echo "     mount /sys/fs/cgroup/unified (controllers: $(cat /sys/fs/cgroup/unified/cgroup.controllers)) is unmounted;"
		echo "     the host is not changed. crun then sees a legacy v1 host: 'crun run' uses"
		echo "     its cgroupfs manager (a cgroup per v1 controller, like cell), and the"
		echo "     'crun run, no cgroups' row adds --cgroup-manager=disabled."
	else
		echo "  -> crun rows skipped"
		CRUN_WHERE=skip
	fi
else
	echo "  crun: runs unmodified"
fi
echo "  crun/runc config: 'crun spec' with root.path, process.args and terminal=false"
echo "     changed; namespaces pid,net,ipc,uts,mnt (no cgroupns), no seccomp profile."

_ns_server() {
	umount /sys/fs/cgroup/unified || exit 1
	local line rc
	echo ready
	while IFS= read -r line; do
		set -f
		eval "bench_time_us $line"
		rc=$?
		set +f
		echo "$BENCH_US $rc"
	done
}
if [ "$CRUN_WHERE" = ns ]; then
	coproc NS { exec unshare -m --propagation private bash -c \
		"export LC_ALL=C; $(declare -f bench_time_us _ns_server); _ns_server" 2>/dev/null; }
	bench_on_exit "kill $NS_PID"
	read -r ready <&"${NS[0]}"
	[ "$ready" = ready ] || bench_die "could not start the crun helper namespace"
fi
# crun_do CMD...: run a one-off crun command where crun works
crun_do() {
	if [ "$CRUN_WHERE" = ns ]; then
		printf '%s\n' "$*" >&"${NS[1]}"
		local us rc
		read -r us rc <&"${NS[0]}"
		return "$rc"
	fi
	"$@" >/dev/null 2>&1 </dev/null
}

# ---------------------------------------------------------------- runc
RUNC_OK=1
if ! out=$($RUNC run --bundle "$BT" "${ID}r" 2>&1 </dev/null); then
	$RUNC delete -f "${ID}r" >/dev/null 2>&1
	echo "  runc cannot run here: $out -> runc row skipped"
	RUNC_OK=0
else
	echo "  runc: runs unmodified (cgroupfs driver on the v1 hierarchies + unified)"
fi
echo

# ---------------------------------------------------------------- rows
NAMES=() WHERE=() CMDS=() FAILS=() AFTER=()
row() { NAMES+=("$1"); WHERE+=("$2"); CMDS+=("$3"); FAILS+=(0); AFTER+=("${4:-}"); }

row "cell jail -c"           host "$JAIL -c name=${ID}l path=$ROOT host.hostname=bench command=/bin/true"
row "cell jail -c vnet"      host "$JAIL -c name=${ID}v path=$ROOT host.hostname=bench vnet command=/bin/true"
if [ "$CRUN_WHERE" != skip ]; then
	row "crun run"               "$CRUN_WHERE" "$CRUN run --bundle $BT ${ID}c"
	row "crun run, no cgroups"   "$CRUN_WHERE" "$CRUN --cgroup-manager=disabled run --bundle $BT ${ID}d"
fi
[ $RUNC_OK = 1 ] && row "runc run" host "$RUNC run --bundle $BT ${ID}r"
row "bwrap --unshare-all"    host "bwrap --unshare-all --die-with-parent --bind $ROOT / --proc /proc --dev /dev /bin/true"
# the kernel's part alone: cell's namespaces (pid mnt uts ipc cgroup), the
# root, a /proc, the same /bin/true; no cgroup, pivot_root, masks, /dev,
# seccomp, capabilities, user, state or init of its own. No runtime can
# run a contained /bin/true faster than this here.
row "floor: unshare -fpiumC" host "unshare -fpiumC --root=$ROOT --mount-proc /bin/true"
LIFE_ROWS=${#NAMES[@]}
# nothing of those should outlive an interrupted run
bench_on_exit "$JAIL -r ${ID}l; $JAIL -r ${ID}v; $RUNC delete -f ${ID}r"
[ "$CRUN_WHERE" != skip ] && bench_on_exit "crun_do $CRUN delete -f ${ID}c; crun_do $CRUN delete -f ${ID}d"

# start only (issue 4's target: a vnet jail with epair, bridge and address
# starts in at most 2x a plain one): the create is timed, its removal not.
# Both run in a stand-in network namespace of the bench's own, so the
# bridge and epairs never touch the host's stack.
START_NS=cellbench$$
if ip netns add $START_NS 2>/dev/null; then
	bench_on_exit "ip netns del $START_NS"
	row "start: plain jail"      host "nsenter --net=/run/netns/$START_NS $JAIL -c name=${ID}sp path=$ROOT persist" \
		"nsenter --net=/run/netns/$START_NS $JAIL -r ${ID}sp"
	row "start: vnet+epair+addr" host "nsenter --net=/run/netns/$START_NS $JAIL -c name=${ID}sv path=$ROOT persist vnet vnet.bridge=cbb$$ ip4.addr=10.99.0.2/24" \
		"nsenter --net=/run/netns/$START_NS $JAIL -r ${ID}sv"
	bench_on_exit "nsenter --net=/run/netns/$START_NS $JAIL -r ${ID}sp; nsenter --net=/run/netns/$START_NS $JAIL -r ${ID}sv"
fi
START_ROWS=${#NAMES[@]}

# exec targets
$JAIL -c name=${ID}p path="$ROOT" host.hostname=bench persist >/dev/null ||
	bench_die "cannot create the persistent jail"
bench_on_exit "$JAIL -r ${ID}p"
INIT=$(sed -n 's/.* init=\([0-9]*\).*/\1/p' "$CELL_RUN_DIR"/jails/* 2>/dev/null | head -1)
[ -n "$INIT" ] || bench_die "cannot find the persistent jail's init pid"
row "cell jexec"             host "$JEXEC ${ID}p /bin/true"
if [ "$CRUN_WHERE" != skip ]; then
	crun_do $CRUN run -d --bundle "$BS" "${ID}s" || bench_die "crun run -d failed"
	# registered after the helper's kill, so it runs before it
	bench_on_exit "crun_do $CRUN delete -f ${ID}s"
	row "crun exec"              "$CRUN_WHERE" "$CRUN exec ${ID}s /bin/true"
fi
row "nsenter -a (jail init)" host "nsenter -t $INIT -a /bin/true"

for ((r = 0; r < ${#NAMES[@]}; r++)); do
	: >"$BENCH_TMP/row$r"
done

run_row() {
	local r=$1 rc
	if [ "${WHERE[$r]}" = ns ]; then
		printf '%s\n' "${CMDS[$r]}" >&"${NS[1]}"
		read -r BENCH_US rc <&"${NS[0]}"
	else
		set -f
		bench_time_us ${CMDS[$r]}
		rc=$?
		set +f
	fi
	return "$rc"
}

nrows=${#NAMES[@]}
order=()
for ((r = 0; r < nrows; r++)); do
	order+=("$r")
done
for ((i = 0; i < WARM + N; i++)); do
	# a new random order every round (Fisher-Yates): a row's cost can
	# depend on what ran just before it (a netns torn down in the
	# background, a cgroup lock left warm), so no row always follows
	# the same one
	for ((k = nrows - 1; k > 0; k--)); do
		j=$(( RANDOM % (k + 1) ))
		t=${order[$k]}
		order[$k]=${order[$j]}
		order[$j]=$t
	done
	for r in "${order[@]}"; do
		if run_row $r; then
			if (( i >= WARM )); then
				echo "$BENCH_US" >>"$BENCH_TMP/row$r"
				echo "$i $BENCH_US" >>"$BENCH_TMP/round$r"
			fi
		else
			FAILS[$r]=$(( FAILS[r] + 1 ))
		fi
		[ -n "${AFTER[$r]}" ] && { set -f; ${AFTER[$r]} >/dev/null 2>&1; set +f; }
	done
done

# ---------------------------------------------------------------- report
declare -A MED P10
printf '%-26s %9s %9s %9s %6s\n' "row" "median" "p10" "p90" "fails"
for ((r = 0; r < nrows; r++)); do
	[ "$r" = "$LIFE_ROWS" ] && echo
	[ "$r" = "$START_ROWS" ] && [ "$START_ROWS" != "$LIFE_ROWS" ] && echo
	f=$BENCH_TMP/row$r
	MED[${NAMES[$r]}]=$(bench_median "$f")
	P10[${NAMES[$r]}]=$(bench_pct "$f" 10)
	printf '%-26s %6s ms %6s ms %6s ms %6s\n' "${NAMES[$r]}" "${MED[${NAMES[$r]}]}" \
		"$(bench_pct "$f" 10)" "$(bench_pct "$f" 90)" "${FAILS[$r]}"
	if [ -n "$OUT" ]; then
		sed "s/^/${NAMES[$r]}\t/" "$f" >>"$OUT"
	fi
done
echo

m() { echo "${MED[$1]:-nan}"; }
# paired NAME_A NAME_B: the two rows' samples of the same round (rows run
# in a random order within a round, so the pair shares the machine's state
# of that moment): the median of A/B over the rounds both succeeded, and in
# how many A was faster
row_of() { local r; for ((r = 0; r < nrows; r++)); do [ "${NAMES[$r]}" = "$1" ] && echo $r; done; }
paired() {
	local a b
	a=$(row_of "$1"); b=$(row_of "$2")
	[ -n "$a" ] && [ -n "$b" ] || { echo "n/a"; return; }
	join <(sort -k1,1 "$BENCH_TMP/round$a" 2>/dev/null) \
	     <(sort -k1,1 "$BENCH_TMP/round$b" 2>/dev/null) |
		awk '{ r[NR] = $2 / $3; f += $2 < $3 }
		     END { if (NR == 0) { print "n/a"; exit }
			   n = asort_r(r, NR)
			   m = NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2
			   printf "%.2f (%d rounds, faster in %d)\n", m, NR, f }
		     function asort_r(v, n,   i, j, t) {
			   for (i = 2; i <= n; i++) { t = v[i]
				   for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]
				   v[j + 1] = t }
			   return n }'
}
verdict() { # verdict LABEL VALUE OP LIMIT
	local ok
	ok=$(awk -v v="$2" -v l="$4" -v op="$3" 'BEGIN {
		if (v == "nan" || l == "nan") { print "n/a"; exit }
		if (op == "<=") print (v <= l ? "PASS" : "MISS"); else print (v < l ? "PASS" : "MISS") }')
	printf '  %-52s %s\n' "$1" "$ok"
}
cell=$(m "cell jail -c")
echo "ratios (medians):"
printf '  cell/crun        %s   (vnet: %s; vs crun without cgroups: %s)\n' \
	"$(bench_ratio "$cell" "$(m "crun run")")" \
	"$(bench_ratio "$(m "cell jail -c vnet")" "$(m "crun run")")" \
	"$(bench_ratio "$cell" "$(m "crun run, no cgroups")")"
[ $RUNC_OK = 1 ] && printf '  cell/runc        %s\n' "$(bench_ratio "$cell" "$(m "runc run")")"
printf '  cell/bwrap       %s   (vnet: %s)\n' "$(bench_ratio "$cell" "$(m "bwrap --unshare-all")")" \
	"$(bench_ratio "$(m "cell jail -c vnet")" "$(m "bwrap --unshare-all")")"
printf '  cell/bwrap, paired by round: %s\n' "$(paired "cell jail -c" "bwrap --unshare-all")"
printf '  jexec/crun-exec  %s   (jexec/nsenter: %s)\n' \
	"$(bench_ratio "$(m "cell jexec")" "$(m "crun exec")")" \
	"$(bench_ratio "$(m "cell jexec")" "$(m "nsenter -a (jail init)")")"
printf '  floor            %s ms: 0.35 x crun run is %s ms, 0.35 x crun run p10 is %s ms\n' \
	"$(m "floor: unshare -fpiumC")" \
	"$(awk -v c="$(m "crun run")" 'BEGIN { print c == "nan" ? "nan" : sprintf("%.3f", 0.35 * c) }')" \
	"$(awk -v c="${P10[crun run]:-nan}" 'BEGIN { print c == "nan" ? "nan" : sprintf("%.3f", 0.35 * c) }')"
echo "targets:"
verdict "jail life cycle <= 0.35 x crun run ($(bench_ratio "$cell" "$(m "crun run")")x)" \
	"$cell" "<=" "$(awk -v c="$(m "crun run")" 'BEGIN { print c == "nan" ? "nan" : 0.35 * c }')"
verdict "jail life cycle < bwrap ($cell vs $(m "bwrap --unshare-all") ms)" \
	"$cell" "<" "$(m "bwrap --unshare-all")"
verdict "jexec <= 0.5 x crun exec ($(bench_ratio "$(m "cell jexec")" "$(m "crun exec")")x)" \
	"$(m "cell jexec")" "<=" "$(awk -v c="$(m "crun exec")" 'BEGIN { print c == "nan" ? "nan" : 0.5 * c }')"
if [ "$START_ROWS" != "$LIFE_ROWS" ]; then
	plain=$(m "start: plain jail")
	verdict "vnet+epair+bridge+addr start <= 2 x plain ($(bench_ratio "$(m "start: vnet+epair+addr")" "$plain")x)" \
		"$(m "start: vnet+epair+addr")" "<=" "$(awk -v c="$plain" 'BEGIN { print c == "nan" ? "nan" : 2 * c }')"
fi
exit 0
