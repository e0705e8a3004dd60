# SPDX-License-Identifier: BSD-2-Clause
# Shared by the integration tests: a private state directory, a busybox
# root, checks that print "ok - ..." / "not ok - ...", and a cleanup that
# removes exactly what the test made, also when it fails.
set -u

B=${CELL_BUILD_DIR:?CELL_BUILD_DIR not set}
JLS=$B/src/jls
JEXEC=$B/src/jexec
PROBE=$B/tests/integration/cell-probe

# CELL_IT_TMP: the temp dir's name prefix (a script may set it first)
T=$(mktemp -d "/tmp/${CELL_IT_TMP:-cell-it}.XXXXXX")

# jail(8) notes "NAME: created" (updated, removed) on stdout as FreeBSD's
# does; the checks compare what the jailed commands print, so $JAIL runs
# it with -q (a later -v still wins). JAIL_BIN is jail itself, for the
# checks of those notes.
JAIL_BIN=$B/src/jail
JAIL=$T/jail-q
cat >"$JAIL" <<EOF
#!/bin/sh
[ "\${1:-}" = --help ] && exec "$JAIL_BIN" "\$@"
exec "$JAIL_BIN" -q "\$@"
EOF
chmod 755 "$JAIL"
export CELL_RUN_DIR=$T/run
FAILS=0
CHECKS=0
# names of jails this test made; removed at exit
MADE=""

ok()     { CHECKS=$((CHECKS+1)); echo "ok - $*"; }
not_ok() { CHECKS=$((CHECKS+1)); FAILS=$((FAILS+1)); echo "not ok - $*"; }

# check DESCRIPTION EXPECTED COMMAND...: stdout of COMMAND equals EXPECTED
check() {
	local what=$1 want=$2; shift 2
	local got
	got=$("$@" 2>&1)
	if [ "$got" = "$want" ]; then ok "$what"; else
		not_ok "$what (expected '$want', got '$got')"; fi
}

# check_rc DESCRIPTION RC COMMAND...: exit status of COMMAND equals RC.
# With CHECK_RC_OUT=all (or first) a failure also shows COMMAND's output
# (or its first line); COMMAND then must not leave its stdout open.
check_rc() {
	local what=$1 want=$2; shift 2
	local out="" rc
	if [ -n "${CHECK_RC_OUT:-}" ]; then
		out=$("$@" 2>&1)
		rc=$?
		[ "$CHECK_RC_OUT" = first ] && out=${out%%$'\n'*}
		out=": $out"
	else
		"$@" >/dev/null 2>&1
		rc=$?
	fi
	if [ "$rc" = "$want" ]; then ok "$what"; else
		not_ok "$what (exit $rc, expected $want$out)"; fi
}

# check_match DESCRIPTION REGEX COMMAND...: output matches REGEX
check_match() {
	local what=$1 re=$2; shift 2
	local got
	got=$("$@" 2>&1)
	if printf '%s' "$got" | grep -Eq -- "$re"; then ok "$what"; else
		not_ok "$what (no match for /$re/ in '$got')"; fi
}

# check_nomatch DESCRIPTION REGEX COMMAND...: output does not match
check_nomatch() {
	local what=$1 re=$2; shift 2
	local got
	got=$("$@" 2>&1)
	if printf '%s' "$got" | grep -Eq -- "$re"; then
		not_ok "$what (/$re/ found in '$(printf '%s' "$got" |
			grep -E -- "$re" | head -3)')"
	else ok "$what"; fi
}

# check_true DESCRIPTION COMMAND...: COMMAND succeeds
check_true() {
	local what=$1; shift
	if "$@" >/dev/null 2>&1; then ok "$what"; else not_ok "$what"; fi
}

# mkroot DIR [APPLET...]: a busybox root; the applets linked default to
# the ones the jail tests use
mkroot() {
	local r=$1; shift
	[ $# -gt 0 ] || set -- sh ls cat echo id hostname ps true false sleep \
		wc grep mkdir touch kill head
	mkdir -p "$r"/bin "$r"/etc "$r"/proc "$r"/dev "$r"/sys "$r"/tmp \
		"$r"/root "$r"/home/user
	cp /bin/busybox "$r"/bin/busybox
	for a in "$@"; do
		ln -sf busybox "$r/bin/$a"
	done
	[ -x "$PROBE" ] && cp "$PROBE" "$r"/bin/cell-probe
	printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n' >"$r"/etc/passwd
	printf 'root:x:0:\nuser:x:1000:\nstaff:x:50:user\n' >"$r"/etc/group
	chmod 1777 "$r"/tmp
}

# every trace a jail named $1 could leave on the host
traces() {
	local n=$1
	ls -d /sys/fs/cgroup/*/cell/"$n" /sys/fs/cgroup/cell/"$n" 2>/dev/null
	grep -l "^name=$n\$" "$CELL_RUN_DIR"/jails/* 2>/dev/null
}
# check_clean DESCRIPTION NAME: no trace of jail NAME (see traces)
check_clean() {
	local got
	got=$(traces "$2")
	if [ -z "$got" ]; then ok "$1"; else
		not_ok "$1 (left: $(echo $got))"; fi
}

cleanup() {
	for n in $MADE; do "$JAIL" -r "$n" >/dev/null 2>&1; done
	# anything a crashed command left: repaired by the next command
	"$JLS" >/dev/null 2>&1
	for n in $MADE; do
		for d in /sys/fs/cgroup/*/cell/"$n" /sys/fs/cgroup/cell/"$n"; do
			[ -d "$d" ] && rmdir "$d" 2>/dev/null
		done
	done
	rm -rf "$T"
}
trap cleanup EXIT

finish() {
	echo "# $CHECKS checks, $FAILS failed"
	[ "$FAILS" = 0 ]
}
