#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# mgr.sh: the manager (cell(8)) on btrfs: snapshot and clone of a 10 MiB
# and a 2 GiB jail against a plain copy of the same tree, the extra disk a
# thin jail takes right after create, and the time to bootstrap the
# busybox release; the cost of the capability-mode parsers (issue 6):
# bootstrap --tar, import and template apply, sandboxed and with
# CELL_MGR_NO_SANDBOX=1, samples interleaved.
#
# usage: mgr.sh [-n ITER] [-o FILE.tsv] [-s]
#   -n  samples per row (default 7; the 2 GiB copy row takes 3 at most)
#   -s  only the bootstrap and sandbox rows
#   -o  also write the rows as TSV (what, median_ms, min_ms, max_ms, n)
# Everything lives on a btrfs image on a loop device made under the
# benchmark's temp dir (6 GiB sparse); the exit trap unmounts and detaches
# exactly that. Times are of the whole `cell` command (fork, exec, lock,
# freeze/thaw when the jail runs), from bash's $EPOCHREALTIME; `sync` runs
# before every sample so earlier writes are not what is timed.

set -u
. "$(dirname "$0")/lib.sh"

N=7 TSV= ONLY_SBX=0
while getopts "n:o:sh" opt; do
	case $opt in
	n) N=$OPTARG ;;
	o) TSV=$OPTARG ;;
	s) ONLY_SBX=1 ;;
	*) sed -n '3,21s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done
bench_need_root
command -v mkfs.btrfs >/dev/null || bench_die "needs mkfs.btrfs"
BENCH_TARGETS=(src/cell src/jail src/jls src/jexec)
bench_init
bench_build
C=$BUILD/src/cell
export CELL_RUN_DIR=$BENCH_TMP/run

img=$BENCH_TMP/btrfs.img
mnt=$BENCH_TMP/mnt
mkdir -p "$mnt"
truncate -s 6G "$img"
mkfs.btrfs -q -f "$img" >/dev/null || bench_die "mkfs.btrfs failed"
loop=$(losetup --show -f "$img") || bench_die "losetup failed"
bench_on_exit "losetup -d '$loop'"
mount "$loop" "$mnt" || bench_die "mount failed"
bench_on_exit "umount -l '$mnt'"
export CELL_HOME=$mnt/home
bench_on_exit "for j in \$(ls '$CELL_HOME/jails' 2>/dev/null); do '$C' -q destroy -f \$j; done; '$C' -q setup --teardown"
"$C" -q setup -s btrfs || bench_die "cell setup failed"

rows=()
# row NAME FILE: median/min/max of FILE (microseconds) as milliseconds
row() {
	local name=$1 f=$2 med min max n
	med=$(echo "$(bench_median "$f") * 1000" | bc -l)   # ms -> us
	min=$(sort -n "$f" | head -1)
	max=$(sort -n "$f" | tail -1)
	n=$(wc -l <"$f")
	rows+=("$(printf '%s\t%.1f\t%.1f\t%.1f\t%d' "$name" \
		"$(echo "$med / 1000" | bc -l)" "$(echo "$min / 1000" | bc -l)" \
		"$(echo "$max / 1000" | bc -l)" "$n")")
	printf '%-44s %9.1f ms  (min %.1f, max %.1f, n=%d)\n' "$name" \
		"$(echo "$med / 1000" | bc -l)" "$(echo "$min / 1000" | bc -l)" \
		"$(echo "$max / 1000" | bc -l)" "$n"
}

# --- bootstrap of the busybox release ------------------------------------------
: >"$BENCH_TMP/boot.us"
for i in $(seq "$N"); do
	sync
	bench_time_us "$C" -q bootstrap busybox "bb$i" || bench_die "bootstrap failed"
	echo "$BENCH_US" >>"$BENCH_TMP/boot.us"
	[ "$i" -gt 1 ] && "$C" -q destroy -r "bb$i"
done
"$C" -q bootstrap busybox busybox
"$C" -q destroy -r bb1
row "bootstrap busybox (btrfs)" "$BENCH_TMP/boot.us"

# --- the capability-mode parsers: sandboxed vs CELL_MGR_NO_SANDBOX=1 ---------------
D=$CELL_HOME
[ -d "$D/releases" ] || D=$(sed -n 's/^pool=//p' "$CELL_HOME/setup.conf")
tar -C "$D/releases/busybox" -cf "$BENCH_TMP/bb.tar" .
# a 2000-file tree (4 KiB each) on top of the release, as a bigger archive
mkdir -p "$BENCH_TMP/big" && cp -a "$D/releases/busybox/." "$BENCH_TMP/big/"
for d in $(seq 20); do
	mkdir -p "$BENCH_TMP/big/usr/share/d$d"
	for f in $(seq 100); do head -c 4096 /dev/urandom >"$BENCH_TMP/big/usr/share/d$d/f$f"; done
done
tar -C "$BENCH_TMP/big" -cf "$BENCH_TMP/big.tar" . && rm -rf "$BENCH_TMP/big"
"$C" -q create sbxj busybox
"$C" -q export sbxj "$BENCH_TMP/sbxj.tar.zst"
mkdir -p "$BENCH_TMP/tpl"
{ echo 'ARG N=1'; for i in $(seq 50); do echo "CONFIG set host.hostname t\${N}x$i"; done; } \
	>"$BENCH_TMP/tpl/Cellfile"
for k in tar big import template; do : >"$BENCH_TMP/$k.sbx.us"; : >"$BENCH_TMP/$k.nosbx.us"; done
for i in $(seq "$N"); do
	for mode in sbx nosbx; do
		env=()
		[ $mode = nosbx ] && env=(CELL_MGR_NO_SANDBOX=1)
		sync
		bench_time_us env "${env[@]}" "$C" -q bootstrap --tar "$BENCH_TMP/bb.tar" "t$mode$i" ||
			bench_die "bootstrap --tar failed"
		echo "$BENCH_US" >>"$BENCH_TMP/tar.$mode.us"
		"$C" -q destroy -r "t$mode$i"
		sync
		bench_time_us env "${env[@]}" "$C" -q bootstrap --tar "$BENCH_TMP/big.tar" "b$mode$i" ||
			bench_die "bootstrap --tar (big) failed"
		echo "$BENCH_US" >>"$BENCH_TMP/big.$mode.us"
		"$C" -q destroy -r "b$mode$i"
		sync
		bench_time_us env "${env[@]}" "$C" -q import "$BENCH_TMP/sbxj.tar.zst" "i$mode$i" ||
			bench_die "import failed"
		echo "$BENCH_US" >>"$BENCH_TMP/import.$mode.us"
		"$C" -q destroy "i$mode$i"
		bench_time_us env "${env[@]}" "$C" -q template sbxj "$BENCH_TMP/tpl" ||
			bench_die "template failed"
		echo "$BENCH_US" >>"$BENCH_TMP/template.$mode.us"
	done
done
"$C" -q destroy sbxj
for mode in sbx nosbx; do
	label=$([ $mode = sbx ] && echo "capability mode" || echo "CELL_MGR_NO_SANDBOX=1")
	row "bootstrap --tar busybox ($label)" "$BENCH_TMP/tar.$mode.us"
	row "bootstrap --tar busybox+2000 files ($label)" "$BENCH_TMP/big.$mode.us"
	row "import busybox jail ($label)" "$BENCH_TMP/import.$mode.us"
	row "template, 50 CONFIG lines ($label)" "$BENCH_TMP/template.$mode.us"
done
if [ "$ONLY_SBX" = 1 ]; then
	echo "# $(bench_machine)"
	[ -n "$TSV" ] && { printf 'what\tmedian_ms\tmin_ms\tmax_ms\tn\n' >"$TSV"; printf '%s\n' "${rows[@]}" >>"$TSV"; }
	exit 0
fi

# --- a thin jail's extra disk use right after create ------------------------------
D=$CELL_HOME
[ -d "$D/releases" ] || D=$(sed -n 's/^pool=//p' "$CELL_HOME/setup.conf")
used() { # bytes the filesystem has in use (data and metadata)
	btrfs subvolume sync "$mnt" >/dev/null 2>&1   # deleted subvolumes cleaned
	btrfs filesystem sync "$mnt" >/dev/null
	btrfs filesystem usage -b "$mnt" 2>/dev/null | awk '/^ *Used:/ {print $2; exit}'
}
excl() { # exclusive bytes of a subvolume tree (data only)
	btrfs filesystem du -s --raw "$1" | awk 'NR==2 {print $2}'
}
u0=$(used)
"$C" -q create thin busybox
u1=$(used)
"$C" -q create -T thick busybox
u2=$(used)
rel_bytes=$(du -sb --apparent-size "$D/releases/busybox" | awk '{print $1}')
thin_excl=$(excl "$D/jails/thin/root")
thick_excl=$(excl "$D/jails/thick/root")
printf '%-44s %9s bytes\n' "release busybox (apparent size)" "$rel_bytes"
printf '%-44s %9s bytes (exclusive data %s)\n' "thin jail: filesystem use after create" \
	"$((u1 - u0))" "$thin_excl"
printf '%-44s %9s bytes (exclusive data %s)\n' "thick jail: filesystem use after create" \
	"$((u2 - u1))" "$thick_excl"
rows+=("$(printf 'release_bytes\t%s\t\t\t1' "$rel_bytes")")
rows+=("$(printf 'thin_jail_used_bytes\t%s\t\t\t1' "$((u1 - u0))")")
rows+=("$(printf 'thin_jail_exclusive_data_bytes\t%s\t\t\t1' "$thin_excl")")
rows+=("$(printf 'thick_jail_used_bytes\t%s\t\t\t1' "$((u2 - u1))")")
rows+=("$(printf 'thick_jail_exclusive_data_bytes\t%s\t\t\t1' "$thick_excl")")
"$C" -q destroy thin && "$C" -q destroy thick

# --- snapshot / clone / plain copy of a 10 MiB and a 2 GiB jail ----------------------
for size in 10M 2G; do
	j=j$size
	"$C" -q create "$j" busybox
	head -c "$( [ $size = 10M ] && echo 10485760 || echo 2147483648)" /dev/urandom \
		>"$D/jails/$j/root/data" 2>/dev/null ||
		dd if=/dev/urandom of="$D/jails/$j/root/data" bs=1M \
			count=$( [ $size = 10M ] && echo 10 || echo 2048) 2>/dev/null
	sync
	for state in stopped running; do
		[ $state = running ] && "$C" -q start "$j"
		: >"$BENCH_TMP/snap.us"
		: >"$BENCH_TMP/clone.us"
		for i in $(seq "$N"); do
			sync
			bench_time_us "$C" -q snapshot "$j" "s$i" || bench_die "snapshot failed"
			echo "$BENCH_US" >>"$BENCH_TMP/snap.us"
			sync
			bench_time_us "$C" -q clone "$j" "c$i" || bench_die "clone failed"
			echo "$BENCH_US" >>"$BENCH_TMP/clone.us"
		done
		row "snapshot $size jail ($state)" "$BENCH_TMP/snap.us"
		row "clone $size jail ($state)" "$BENCH_TMP/clone.us"
		for i in $(seq "$N"); do
			"$C" -q snapshot -d "$j" "s$i"
			"$C" -q destroy "c$i"
		done
		[ $state = running ] && "$C" -q stop "$j"
	done
	# the same tree copied byte for byte (no reflinks), as a thick
	# clone on a filesystem without snapshots would
	: >"$BENCH_TMP/copy.us"
	reps=$N
	[ $size = 2G ] && [ "$reps" -gt 3 ] && reps=3
	for i in $(seq "$reps"); do
		sync
		bench_time_us cp -a --reflink=never "$D/jails/$j/root" "$BENCH_TMP/mnt/copy$i" ||
			bench_die "cp failed"
		echo "$BENCH_US" >>"$BENCH_TMP/copy.us"
		rm -rf --one-file-system "$BENCH_TMP/mnt/copy$i"
	done
	row "plain copy of the $size jail (cp -a)" "$BENCH_TMP/copy.us"
	"$C" -q destroy "$j"
done

echo "# $(bench_machine)"
if [ -n "$TSV" ]; then
	printf 'what\tmedian_ms\tmin_ms\tmax_ms\tn\n' >"$TSV"
	printf '%s\n' "${rows[@]}" >>"$TSV"
fi
