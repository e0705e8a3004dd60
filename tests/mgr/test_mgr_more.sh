#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# cell(8) manager, the later subcommands, one part per meson test:
#   test_mgr_more.sh console|template|rdr|boot|robust|docs
# Each part sets up its own manager home (dir backend unless it says
# otherwise) in one temp dir; the exit trap destroys the jails, tears the
# home down and removes exactly what the part made.
set -u

PART=${1:?usage: test_mgr_more.sh PART}
SRC=${CELL_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

if [ "$PART" != docs ] && [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root"
	exit 77
fi

CELL_IT_TMP=cell-mgr-$PART
. "$SRC/tests/integration/lib.sh"
CHECK_RC_OUT=first
CELL=$B/src/cell
unset CELL_HOME
HOMES=""
EXTRA_CLEANUP=""

more_cleanup() {
	local h j
	for h in $HOMES; do
		[ -f "$h/setup.conf" ] || continue
		for j in $(CELL_HOME=$h "$CELL" -j list 2>/dev/null |
			   sed -n 's/^ *"name": "\(.*\)",$/\1/p'); do
			CELL_HOME=$h "$CELL" -q destroy -f "$j" >/dev/null 2>&1
		done
		CELL_HOME=$h "$CELL" -q setup --teardown >/dev/null 2>&1
	done
	[ -n "$EXTRA_CLEANUP" ] && eval "$EXTRA_CLEANUP"
	"$JLS" >/dev/null 2>&1
	findmnt -rn -o TARGET | grep "^$T/" | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null; done
	cleanup
}
trap more_cleanup EXIT
trap "exit 1" INT TERM HUP

# new_home NAME [BACKEND]: a set-up manager home with the busybox release;
# exports CELL_HOME
new_home() {
	export CELL_HOME=$T/$1
	HOMES="$HOMES $CELL_HOME"
	"$CELL" -q setup -s "${2:-dir}" && "$CELL" -q bootstrap busybox
}

C=$CELL

# --- console -------------------------------------------------------------------
part_console() {
	new_home console || { not_ok "console: setup"; return; }
	$C -q create c1 busybox && $C -q start c1
	$C cmd c1 sh -c 'echo "alice:x:1000:1000::/tmp:/bin/sh" >> /etc/passwd'
	mkdir -p "$T/st"
	local out
	out=$(python3 "$SRC/tests/mgr/console_drive.py" "$T/st" "$C" console c1 2>&1)
	echo "$out" | sed 's/^/# /'
	r() { echo "$out" | sed -n "s/^RESULT $1 //p"; }
	check "console: a command's output" MARK3 r echo
	check_match "console: tty inside is the jail's pty" '^/dev/pts/[0-9]+$' r tty
	check "console: the window size passes in" "33 101" r size
	check "console: SIGWINCH passes the new size" "40 120" r resized
	check "console: root by default" 0 r id
	check_match "console: ^C interrupts the jail's foreground job" '^AFTER4 [0-2]$' r interrupt
	check "console: ... and the rest of its command line" no r slept
	check "console: the shell's exit status" 7 r exit
	check_true "console: the terminal's mode is restored" cmp "$T/st/before" "$T/st/after"
	out=$(python3 "$SRC/tests/mgr/console_drive.py" "$T/st" "$C" console c1 alice 2>&1)
	check "console: as USER" 1000 r id
	check "console: as USER, exit status" 7 r exit
	check "console: stdin a pipe works too" "hi2" bash -c \
		"printf 'echo hi\$((1+1))\nexit 3\n' | $C console c1 | tr -d '\r' | grep '^hi'"
	check_rc "console: ... exit status through a pipe" 3 bash -c \
		"printf 'exit 3\n' | $C console c1 >/dev/null"
	check_rc "console: unknown user" 1 $C console c1 nosuch </dev/null
	check_rc "console: a stopped jail" 1 bash -c "$C -q create c2 busybox && $C console c2 </dev/null"
	check_rc "console: unknown jail" 1 $C console nosuch </dev/null
	check_rc "console: usage" 2 $C console
	$C console c1 < <(sleep 5) >/dev/null 2>&1 &
	local pid=$!
	sleep 1
	kill -TERM $pid
	wait $pid
	check "console: SIGTERM hangs the terminal up (the shell gets SIGHUP)" 129 echo $?
	check "console: nothing left in the jail but init (and ps)" "init ps" \
		bash -c "$C cmd c1 ps -o comm | tail -n +2 | sort | xargs"
}

case $PART in
console) part_console ;;
*) not_ok "unknown part $PART" ;;
esac
finish
