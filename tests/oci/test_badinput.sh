#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Bad input to cell-oci: invalid JSON, a config that violates the spec, a
# missing rootfs, a duplicate id, state damaged by a killed runtime. Each
# is an error on stderr and in the --log file in the requested format,
# and leaves nothing behind.
. "$(dirname "$0")/lib.sh"
MADE="bj bv bv2 br bd bd2 bs bk bc"

# fails DESCRIPTION REGEX ID ARGS...: exit 1, REGEX on stderr and in the
# JSON log as an error line; then nothing of ID is left
fails() {
	local what=$1 re=$2 id=$3; shift 3
	: >"$OCI_LOG"
	local err rc
	err=$(oci "$@" 2>&1 >/dev/null)
	rc=$?
	if [ $rc = 1 ] && printf '%s' "$err" | grep -Eq -- "$re"; then
		ok "$what: exit 1, stderr says so"
	else
		not_ok "$what: exit $rc, stderr '$err'"
	fi
	if jq -e --arg re "$re" 'select(.level == "error" and (.msg | test($re))) | .time' \
		"$OCI_LOG" >/dev/null 2>&1; then
		ok "$what: in the JSON log"
	else
		not_ok "$what: not in the JSON log ($(cat "$OCI_LOG"))"
	fi
	oci_clean "$what: nothing left" "$id"
}

B=$T/b/bj; mkdir -p "$B"; printf '{"ociVersion": "1.2.0", ' >"$B/config.json"
fails "invalid JSON" "invalid JSON at line 1" bj create --bundle "$B" bj
echo '[1]' >"$T/b/bj/config.json"
fails "a config that is not an object" "\(root\): must be an object" bj create --bundle "$T/b/bj" bj
fails "process.cwd relative" "process.cwd: must be an absolute path" bv \
	create --bundle "$(bundle bv true '.process.cwd = "tmp"')" bv
fails "process.user.uid missing" "process.user.uid: is required" bv \
	create --bundle "$(bundle bv true 'del(.process.user.uid)')" bv
fails "ociVersion 2.0" "ociVersion: '2.0.0' is not a 1.x" bv \
	create --bundle "$(bundle bv true '.ociVersion = "2.0.0"')" bv
fails "mounts[1].destination relative" "mounts\[1\].destination: must be an absolute path" bv \
	create --bundle "$(bundle bv true '.mounts[1].destination = "dev"')" bv
fails "an unknown rlimit" "process.rlimits\[0\].type: unknown rlimit" bv \
	create --bundle "$(bundle bv true '.process.rlimits = [{"type":"RLIMIT_BOGUS","hard":1,"soft":1}]')" bv
fails "a namespace given twice" "namespace 'pid' given twice" bv \
	create --bundle "$(bundle bv true '.linux.namespaces += [{"type":"pid"}]')" bv
mkdir -p "$T/b/dup"
printf '{"ociVersion":"1.2.0","ociVersion":"1.0.0"}' >"$T/b/dup/config.json"
fails "a duplicate JSON key" "duplicate object key" bv create --bundle "$T/b/dup" bv
fails "a missing rootfs" "root.path: .*No such file" br \
	create --bundle "$(bundle br true '.root.path = "/nonexistent-rootfs"')" br
fails "terminal without --console-socket" "console-socket is required" br \
	create --bundle "$(bundle br true '.process.terminal = true')" br
fails "systemd cgroups" "systemd cgroups .* not supported" br \
	create --bundle "$(bundle br true '.linux.cgroupsPath = "system.slice:cell:br"')" br
fails "a missing program fails create" "nonexistent" br \
	create --bundle "$(bundle br true '.process.args = ["/nonexistent"]')" br
# linux.devices: a node at another path, mode or owner than the ruleset's
# is made as asked (cell.devices); one the core cannot make is refused
DEVS='stat -c "%A %u %g %t:%T" /dev/mynull /dev/null /dev/dri/card7; echo x >/dev/mynull && echo written'
check "linux.devices at another path, mode and owner: made as asked, and usable" \
	"crw-rw-rw- 1000 0 1:3 crw-r----- 0 1000 1:3 crw-rw-rw- 0 0 e2:7 written" \
	sh -c "'$OCI_BIN' --root '$OCI_ROOT' run --bundle '$(bundle bv "$DEVS" '.linux.devices = [{"path":"/dev/mynull","type":"c","major":1,"minor":3,"fileMode":438,"uid":1000},{"path":"/dev/null","type":"c","major":1,"minor":3,"fileMode":416,"gid":1000},{"path":"/dev/dri/card7","type":"c","major":226,"minor":7}]')' bv 2>&1 | tr '\n' ' ' | sed 's/ $//'"
oci_clean "... leaving nothing" bv
check "a block device node" "brw-rw---- 7:63" \
	oci run --bundle "$(bundle bv 'stat -c "%A %t:%T" /dev/cblk' '.linux.devices = [{"path":"/dev/cblk","type":"b","major":7,"minor":99,"fileMode":432}]')" bv
oci_clean "... leaving nothing" bv
check "a node of linux.devices opens through the jail's device rules; no other can be made" \
	"ok denied" oci run --bundle "$(bundle bv 'echo $(head -c1 /dev/myzero >/dev/null && echo ok; mknod /dev/other c 1 5 2>/dev/null && head -c1 /dev/other >/dev/null 2>&1 || echo denied)' '.linux.devices = [{"path":"/dev/myzero","type":"c","major":1,"minor":5}] | .process.capabilities.bounding += ["CAP_MKNOD"] | .process.capabilities.effective += ["CAP_MKNOD"] | .process.capabilities.permitted += ["CAP_MKNOD"]')" bv
oci_clean "... leaving nothing" bv
fails "linux.devices of a FIFO" "linux.devices\[0\]: /dev/fifo: a FIFO" bv \
	create --bundle "$(bundle bv true '.linux.devices = [{"path":"/dev/fifo","type":"p"}]')" bv
fails "linux.devices outside /dev" "cell.devices: /srv/x: expected a path below /dev/" bv \
	create --bundle "$(bundle bv true '.linux.devices = [{"path":"/srv/x","type":"c","major":1,"minor":3}]')" bv
fails "linux.devices over devfs's own /dev/pts" "/dev/pts is devfs's own" bv \
	create --bundle "$(bundle bv true '.linux.devices = [{"path":"/dev/pts/9","type":"c","major":1,"minor":3}]')" bv
BV2=$(bundle bv2 'stat -c "%A %u %g" /dev/null' '.linux.devices = [{"path":"/dev/null","type":"c","major":1,"minor":3,"fileMode":8630,"uid":0,"gid":0}]')
check "linux.devices as the devfs makes it (/dev/null 0666 root; type bits in fileMode) is accepted" \
	"crw-rw-rw- 0 0" oci run --bundle "$BV2" bv2
oci_clean "... leaving nothing" bv2
head -c 5000000 /dev/zero | tr '\0' ' ' >"$T/big"; mkdir -p "$T/b/big"
{ echo '{"ociVersion":"1.2.0","x":"'; cat "$T/big"; echo '"}'; } >"$T/b/big/config.json"
fails "a config over 4 MiB" "larger than" br create --bundle "$T/b/big" br

# duplicate id: the error, and the first container untouched
oci create --bundle "$(bundle bd 'sleep 30')" bd >/dev/null 2>&1
: >"$OCI_LOG"
check_match "a duplicate id is an error" "already exists" oci create --bundle "$T/b/bd" bd
check_match "... in the JSON log" '"level":"error".*already exists' cat "$OCI_LOG"
check "... and the first container stays created" created field bd status
oci delete --force bd >/dev/null 2>&1
oci_clean "... and goes with delete" bd

# a state directory damaged by a killed runtime
mkdir -p "$OCI_ROOT/bs"; echo '{"id":' >"$OCI_ROOT/bs/state.json"
check_rc "a damaged state.json: state is an error" 1 oci state bs
check_match "... the next command reports and cleans it" "killed runtime" cat "$OCI_LOG"
oci_clean "... nothing left" bs
mkdir -p "$OCI_ROOT/bs"
check_rc "a directory without state.json is cleaned" 1 oci kill bs KILL
oci_clean "... nothing left" bs
mkdir -p "$OCI_ROOT/bs"
echo '{"ociVersion":"1.2.0","id":"bs","status":"creating","cell.creator":999999999}' >"$OCI_ROOT/bs/state.json"
check_rc "a create killed half-way (dead creator): its id is free again" 0 \
	oci create --bundle "$(bundle bs 'sleep 30')" bs
oci delete --force bs >/dev/null 2>&1
oci_clean "... and goes with delete" bs

# create killed after the jail was made: the next command cleans all
CELL_TEST_CRASH_AT=active oci create --bundle "$(bundle bk 'sleep 30')" bk >/dev/null 2>&1
oci state bk >/dev/null 2>&1
oci delete --force bk >/dev/null 2>&1
oci_clean "a create killed after the jail's creation leaves nothing after delete" bk

# text log format
"$OCI_BIN" --root "$OCI_ROOT" --log "$T/text.log" state nonexistent 2>/dev/null
check_match "the text log is logrus-style" '^time=".*" level=error msg="container .nonexistent. does not exist"' \
	cat "$T/text.log"
check_rc "an unknown command is an error" 1 oci frobnicate
check_rc "--log-format other than text or json is an error" 1 \
	"$OCI_BIN" --root "$OCI_ROOT" --log-format yaml list

finish
