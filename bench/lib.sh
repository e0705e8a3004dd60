# SPDX-License-Identifier: BSD-2-Clause
# bench/lib.sh: shared helpers for cell's benchmarks (source it from bash).
#
#   bench_init                 temp dir $BENCH_TMP, cleanup trap, $REPO, $BUILD
#   bench_on_exit CMD...       run CMD at exit (last registered runs first)
#   bench_build                meson/ninja build of $REPO (or BENCH_REV) into
#                              $BUILD, the benchmarked binaries only
#   bench_rootfs DIR           busybox root: DIR/bin/busybox + applet symlinks
#   bench_bundle DIR ROOT ARG...   OCI bundle (crun spec, adjusted) in DIR
#   bench_time_us CMD...       run CMD once (output discarded), elapsed
#                              microseconds in $BENCH_US; returns CMD's status
#   bench_median FILE          median of the numbers in FILE (one a line)
#   bench_machine              one-line description of this machine
#
# Timing uses bash's $EPOCHREALTIME (microsecond resolution, a builtin: no
# fork for the clock), so the measured interval is the fork+exec+wait of
# the command itself, the same thing hyperfine -N measures.
#
# Everything a benchmark makes lives under $BENCH_TMP or is registered
# with bench_on_exit by its maker, so the trap removes exactly that.

if [ -z "${BASH_VERSION:-}" ] || [ "${BASH_VERSINFO[0]}" -lt 5 ]; then
	echo "bench/lib.sh: needs bash >= 5 (EPOCHREALTIME)" >&2
	exit 1
fi

# EPOCHREALTIME's separator follows LC_NUMERIC
export LC_ALL=C

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=${REPO:-$(cd "$BENCH_DIR/.." && pwd)}
if [ -n "${BENCH_REV:-}" ]; then
	BUILD=${BUILD:-/tmp/build-bench-rev}
else
	BUILD=${BUILD:-/tmp/build-bench}
fi
BENCH_TMP=
_bench_exit=()
_bench_owner=

bench_on_exit() {
	_bench_exit+=("$*")
}

_bench_cleanup() {
	local i
	# a forked subshell (cmd &, $(...)) can run the inherited traps when
	# signalled before it resets them: only the shell that made the
	# things removes them
	[ "$BASHPID" = "$_bench_owner" ] || return 0
	trap - EXIT INT TERM HUP
	for ((i = ${#_bench_exit[@]} - 1; i >= 0; i--)); do
		eval "${_bench_exit[$i]}" >/dev/null 2>&1 || true
	done
	_bench_exit=()
}

bench_init() {
	BENCH_TMP=$(mktemp -d /tmp/cell-bench.XXXXXX) || exit 1
	_bench_owner=$BASHPID
	# rm -rf of our own temp dir only, and only once nothing is mounted
	# or running from it (the makers' cleanups run first: registered later)
	bench_on_exit "rm -rf --one-file-system -- '$BENCH_TMP'"
	trap _bench_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
}

# bench_state: a directory for runtime state (CELL_RUN_DIR, the OCI
# runtimes' --root), on a tmpfs as /run is on a systemd host. This
# machine's /run and /tmp are on ext4, where creating a file costs about
# 120 us (ext4's search for an inode not recently deleted, after many
# create/delete cycles) against 8 us on tmpfs: every runtime writes state
# files, bwrap none. Set BENCH_STATE_EXT4=1 to keep it under /tmp.
# Sets BENCH_STATE (not a $(...): the removal at exit must be registered
# in the bench's own shell).
BENCH_STATE=
bench_state() {
	if [ -z "${BENCH_STATE_EXT4:-}" ] &&
	   [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
		BENCH_STATE=$(mktemp -d /dev/shm/cell-bench-state.XXXXXX) || exit 1
		bench_on_exit "rm -rf --one-file-system -- '$BENCH_STATE'"
	else
		BENCH_STATE=$BENCH_TMP/state-dir
		mkdir -p "$BENCH_STATE" || exit 1
	fi
}

bench_state_where() {
	echo "  runtime state in $1 ($(stat -f -c %T "$1"))"
}

bench_die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

bench_need_root() {
	[ "$(id -u)" = 0 ] || { echo "${0##*/}: needs root, skipped" >&2; exit 77; }
}

# bench_build: build the binaries the benchmarks run, and only those
# (other targets of a tree being edited may not compile right now).
# BENCH_REV=<commit> builds that commit instead of the working tree: it is
# exported with git archive into $BUILD.src (the repository is not
# touched), so the numbers belong to a commit, not to someone's edits.
BENCH_TARGETS=(src/jail src/jexec src/jls tests/net/net-bench capsicum/capsicum-bench)
bench_build() {
	local src=$REPO t
	if [ -n "${BENCH_REV:-}" ]; then
		local rev
		rev=$(git -C "$REPO" rev-parse --verify "$BENCH_REV^{commit}") ||
			bench_die "BENCH_REV=$BENCH_REV: no such commit"
		src=$BUILD.src
		if [ "$(cat "$src/.bench-rev" 2>/dev/null)" != "$rev" ]; then
			# tar gives the files the commit's time: objects of an
			# older export would look newer, so start over, but only
			# in a build dir this function made
			if [ -e "$BUILD" ] && [ ! -e "$BUILD/.bench-made" ]; then
				bench_die "BENCH_REV: $BUILD is not ours, set BUILD=<new dir>"
			fi
			rm -rf --one-file-system -- "$src" "$BUILD"
			mkdir -p "$src" &&
				git -C "$REPO" archive "$rev" | tar -x -C "$src" &&
				echo "$rev" >"$src/.bench-rev" || bench_die "git archive $rev failed"
		fi
	fi
	if [ ! -f "$BUILD/build.ninja" ]; then
		meson setup "$BUILD" "$src" >/dev/null || bench_die "meson setup $BUILD $src failed"
		[ -n "${BENCH_REV:-}" ] && : >"$BUILD/.bench-made"
	fi
	ninja -C "$BUILD" "${BENCH_TARGETS[@]}" >/dev/null ||
		bench_die "ninja -C $BUILD ${BENCH_TARGETS[*]} failed"
	for t in "${BENCH_TARGETS[@]}"; do
		[ -x "$BUILD/$t" ] || bench_die "$BUILD/$t was not built"
	done
}

# bench_source: what the binaries in $BUILD were built from
bench_source() {
	if [ -f "$BUILD.src/.bench-rev" ] && [ -n "${BENCH_REV:-}" ]; then
		echo "commit $(cut -c1-12 "$BUILD.src/.bench-rev") (clean export)"
	else
		echo "working tree $REPO at $(git -C "$REPO" describe --always --dirty 2>/dev/null)"
	fi
}

# bench_rootfs DIR: a root with only /bin/busybox (static) and one symlink
# per applet. The symlinks are relative ("busybox"), so they resolve inside
# the root whoever does the exec.
bench_rootfs() {
	local root=$1 a
	[ -x /bin/busybox ] || bench_die "/bin/busybox missing (apt-get install busybox-static)"
	mkdir -p "$root/bin" "$root/proc" "$root/dev" "$root/sys" "$root/tmp" \
		"$root/etc" "$root/root" || return 1
	cp /bin/busybox "$root/bin/busybox" || return 1
	for a in $(/bin/busybox --list); do
		# the list names busybox itself: a link to itself would loop
		[ "$a" = busybox ] && continue
		ln -s busybox "$root/bin/$a" || return 1
	done
	echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
	echo "root:x:0:" >"$root/etc/group"
}

# bench_bundle DIR ROOT ARG...: config.json from `crun spec`, with
# root.path=ROOT, process.args=ARG..., process.terminal=false. Everything
# else stays crun's default (pid, net, ipc, uts, mount namespaces; no
# seccomp profile; devices cgroup rule; read-only root).
bench_bundle() {
	local dir=$1 root=$2
	shift 2
	mkdir -p "$dir" || return 1
	(cd "$dir" && crun spec) || return 1
	local args
	args=$(printf '%s\n' "$@" | jq -R . | jq -s -c .) || return 1
	jq --arg root "$root" --argjson args "$args" \
		'.root.path = $root | .process.args = $args | .process.terminal = false' \
		"$dir/config.json" >"$dir/config.json.new" &&
		mv "$dir/config.json.new" "$dir/config.json"
}

# bench_time_us CMD...: elapsed microseconds of one run of CMD, in
# BENCH_US (a variable, not output: $(...) would add a fork around it).
bench_time_us() {
	local t0 t1 rc
	t0=$EPOCHREALTIME
	"$@" >/dev/null 2>&1 </dev/null
	rc=$?
	t1=$EPOCHREALTIME
	# EPOCHREALTIME is "seconds.micro" (6 digits, C locale): drop the dot
	BENCH_US=$(( 10#${t1/./} - 10#${t0/./} ))
	return $rc
}

# bench_median FILE: median of one number per line (microseconds in,
# milliseconds out, 3 decimals).
bench_median() {
	sort -n "$1" | awk '{ v[NR] = $1 }
		END { if (NR == 0) { print "nan"; exit }
		      m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      printf "%.3f\n", m / 1000 }'
}

# bench_pct FILE P: P-th percentile (nearest rank), ms
bench_pct() {
	sort -n "$1" | awk -v p="$2" '{ v[NR] = $1 }
		END { if (NR == 0) { print "nan"; exit }
		      i = int(NR * p / 100 + 0.999999); if (i < 1) i = 1
		      printf "%.3f\n", v[i] / 1000 }'
}

# bench_ratio A B: A/B with 2 decimals
bench_ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0 || a == "nan" || b == "nan") print "nan"; else printf "%.2f\n", a / b }'
}

bench_machine() {
	local cpu
	cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -sr), $(nproc) CPU ($cpu), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
}
