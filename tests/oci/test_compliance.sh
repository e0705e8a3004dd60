#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# cell-oci against the runtime-spec: one check per MUST of runtime.md and
# config-linux.md (and config.md's process fields) that this machine can
# exercise. Each check names the spec's rule it shows.
. "$(dirname "$0")/lib.sh"
MADE="c1 c2 c3 cf hk hkf hkt hkb hkp ps pa ex mt cg an rl us sc sy ro rs du pe32 tn"

# --- runtime.md: lifecycle and state ---------------------------------------
B1=$(bundle c1 'echo started >/tmp/started; sleep 30')
check_rc "create succeeds" 0 oci create --bundle "$B1" c1
check "state after create is 'created'" created field c1 status
PID=$(field c1 pid)
check_true "state has the process's pid, which is alive" kill -0 "$PID"
check "the user's program has not run before start" "no" \
	sh -c "[ -e $ROOTFS/tmp/started ] && echo yes || echo no"
check "state.id is the id" c1 field c1 id
check "state.ociVersion is set" "1.2.0" field c1 ociVersion
check "state.bundle is the absolute bundle path" "$B1" field c1 bundle
check "state.annotations is an object" object \
	sh -c "$OCI_BIN --root $OCI_ROOT state c1 | jq -r '.annotations|type'"
check_rc "create with an id in use is an error" 1 oci create --bundle "$B1" c1
check "... and leaves the first container as it was" created field c1 status
check_rc "start succeeds" 0 oci start c1
sleep 0.3
check "the program runs after start" started cat "$ROOTFS/tmp/started"
check "state after start is 'running'" running field c1 status
check_rc "start of a running container is an error" 1 oci start c1
check_rc "delete of a running container is an error" 1 oci delete c1
check "... and leaves it running" running field c1 status
check_rc "kill sends a signal (KILL)" 0 oci kill c1 KILL
sleep 0.3
check "state after the process exits is 'stopped'" stopped field c1 status
check "a stopped container's state has no pid" null field c1 pid
check_rc "kill of a stopped container is an error" 1 oci kill c1 KILL
check_rc "delete of a stopped container succeeds" 0 oci delete c1
check_rc "state of a deleted container is an error" 1 oci state c1
oci_clean "delete leaves nothing" c1
rm -f "$ROOTFS/tmp/started"

B2=$(bundle c2 'sleep 30')
oci create --bundle "$B2" c2 >/dev/null 2>&1
check_rc "kill works on a created container" 0 oci kill c2 KILL
sleep 0.3
check "... which is then stopped" stopped field c2 status
check_rc "start of a stopped container is an error" 1 oci start c2
oci delete c2 >/dev/null 2>&1
B3=$(bundle c3 'sleep 30')
oci run --detach --bundle "$B3" c3 >/dev/null 2>&1
check_rc "delete --force removes a running container" 0 oci delete --force c3
oci_clean "... leaving nothing" c3
# runtime.md, create: "Any changes made to the config.json file after
# this operation will not have an effect on the container"
BF=$(bundle cf 'echo first >/tmp/which')
oci create --bundle "$BF" cf >/dev/null 2>&1
bundle cf 'echo second >/tmp/which' >/dev/null
oci start cf >/dev/null 2>&1
sleep 0.3
check "a config.json changed after create has no effect on the container" \
	first cat "$ROOTFS/tmp/which"
oci delete --force cf >/dev/null 2>&1
rm -f "$ROOTFS/tmp/which"
check_rc "run returns the process's exit status" 7 \
	oci run --bundle "$(bundle rs 'exit 7')" rs
oci_clean "run removes the container when the process ends" rs

# --- hooks (config.md: order, state on stdin, failures) -------------------
HL=$T/hooks.log
cat >"$T/hook.sh" <<HOOK
#!/bin/sh
# hook NAME: logs NAME and the id and status of the state on stdin
echo "\$1 \$(jq -r '.id + " " + .status')" >>$HL
HOOK
chmod +x "$T/hook.sh"
hook() { printf '{"path":"%s","args":["hook.sh","%s"]}' "$T/hook.sh" "$1"; }
# (startContainer runs in the container: test_process.sh)
HOOKS=$(printf '.hooks = {"prestart":[%s],"createRuntime":[%s],"createContainer":[%s],"poststart":[%s],"poststop":[%s]}' \
	"$(hook prestart)" "$(hook createRuntime)" "$(hook createContainer)" \
	"$(hook poststart)" "$(hook poststop)")
BH=$(bundle hk 'sleep 30' "$HOOKS")
oci create --bundle "$BH" hk >/dev/null 2>&1
check "create runs prestart, createRuntime, createContainer in order" \
	"prestart createRuntime createContainer" \
	sh -c "cut -d' ' -f1 $HL | tr '\n' ' ' | sed 's/ \$//'"
check "hooks get the state on stdin (id, status creating)" "prestart hk creating" \
	sh -c "head -1 $HL"
oci start hk >/dev/null 2>&1
check "start runs poststart, with the state 'running'" \
	"poststart hk running" sh -c "sed -n '4p' $HL"
oci delete --force hk >/dev/null 2>&1
check "delete runs poststop last" "poststop" sh -c "tail -1 $HL | cut -d' ' -f1"
rm -f "$HL"
BF=$(bundle hkf 'true' '.hooks = {"prestart":[{"path":"/bin/false"}]}')
check_rc "a failing prestart hook fails create" 1 oci create --bundle "$BF" hkf
oci_clean "... leaving nothing" hkf
BT=$(bundle hkt 'true' '.hooks = {"createRuntime":[{"path":"/bin/sleep","args":["sleep","30"],"timeout":1}]}')
check_match "a hook past its timeout is killed and fails create" "timeout" \
	oci create --bundle "$BT" hkt
oci_clean "... leaving nothing" hkt
BP=$(bundle hkt 'true' '.hooks = {"poststart":[{"path":"/bin/false"}]}')
check_rc "a failing poststart hook only warns (run succeeds)" 0 oci run --bundle "$BP" hkt
# the create hooks' state has init's pid (runc: "creating" with it);
# cell-oci state run meanwhile stays the spec's (no pid recorded yet)
cat >"$T/pidhook.sh" <<HOOK
#!/bin/sh
jq -r '.status + " " + (.pid | tostring)' >$T/hkp.pid
$OCI_BIN --root $OCI_ROOT state hkp | jq -r '.status + " " + (.pid | tostring)' >$T/hkp.state
HOOK
chmod +x "$T/pidhook.sh"
PH="{\"path\":\"$T/pidhook.sh\"}"
oci create --bundle "$(bundle hkp 'sleep 30' ".hooks = {\"prestart\":[$PH],\"createRuntime\":[$PH]}")" hkp >/dev/null 2>&1
check "prestart/createRuntime get status creating with init's pid" \
	"creating $(field hkp pid)" cat "$T/hkp.pid"
check "... while cell-oci state says creating, without a pid" "creating null" cat "$T/hkp.state"
oci delete --force hkp >/dev/null 2>&1
# a create that fails after its create hooks ran runs poststop (runc
# does): what prestart set up is undone
rm -f "$HL"
BF=$(bundle hkp 'true' "$(printf '.hooks = {"prestart":[%s],"createContainer":[{"path":"/bin/false"}],"poststop":[%s]}' \
	"$(hook prestart)" "$(hook poststop)")")
check_rc "a failing createContainer hook fails create" 1 oci create --bundle "$BF" hkp
check "... and the poststop hooks run, with the state stopped" \
	"prestart hkp creating|poststop hkp stopped" sh -c "tr '\n' '|' <$HL | sed 's/|\$//'"
oci_clean "... leaving nothing" hkp
rm -f "$HL"
BF=$(bundle hkp 'true' "$(printf '.hooks = {"poststop":[%s]}' "$(hook poststop)")")
check_rc "a create failing before any hook (no such program)..." 1 \
	oci create --bundle "$(bundle hkp true "$(printf '.process.args = ["/nonexistent"] | .hooks = {"poststop":[%s]}' "$(hook poststop)")")" hkp
check "... runs no poststop hook" "no" sh -c "[ -e $HL ] && echo yes || echo no"
oci_clean "... leaving nothing" hkp
# the whole state reaches a hook, also past the socket buffer (100
# annotations of 4000 bytes: 400 KB), also to a hook that reads late
BIG='.annotations = ([range(100)] | map({key: "a\(.)", value: ("x" * 4000)}) | from_entries)'
BB=$(bundle hkb 'true' "$BIG | .hooks = {\"prestart\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"sleep 0.5; cat >$T/big.json\"]}]}")
check_rc "a hook that reads a 400 KB state late: create succeeds" 0 oci run --bundle "$BB" hkb
check "... and the hook got all of it (valid JSON, 100 annotations)" "100 hkb" \
	sh -c "jq -r '(.annotations | length | tostring) + \" \" + .id' $T/big.json"
BB=$(bundle hkb 'true' "$BIG | .hooks = {\"prestart\":[{\"path\":\"/bin/true\"}]}")
check_rc "a hook that exits without reading a 400 KB state: create succeeds" 0 \
	oci run --bundle "$BB" hkb
BB=$(bundle hkb 'true' "$BIG | .hooks = {\"prestart\":[{\"path\":\"/bin/sleep\",\"args\":[\"sleep\",\"30\"],\"timeout\":1}]}")
check_match "a hook that never reads a 400 KB state is killed at its timeout" "timeout" \
	timeout 20 "$OCI_BIN" --root "$OCI_ROOT" run --bundle "$BB" hkb
oci_clean "... leaving nothing" hkb

# --- user namespace: uidMappings / gidMappings -> cell.uidmap / gidmap ----
UROOT=$T/urootfs
cp -a "$ROOTFS" "$UROOT"
chown -R 410000:410000 "$UROOT"
chmod 711 "$T"   # the mapped root must reach its rootfs
USERNS='.root.path = "'"$UROOT"'" | .linux.namespaces += [{"type":"user"}] |
	.linux.uidMappings = [{"containerID":0,"hostID":410000,"size":65536}] |
	.linux.gidMappings = [{"containerID":0,"hostID":410000,"size":65536}]'
uidmap_in() { oci run --bundle "$(bundle ux 'cat /proc/self/uid_map' "$USERNS")" ux | tr -s ' ' | sed 's/^ //'; }
made_by() { oci run --bundle "$(bundle ux 'touch /tmp/made' "$USERNS")" ux >/dev/null && stat -c %u "$UROOT/tmp/made"; }
check "user namespace: uid 0 inside is host uid 410000" "0 410000 65536" uidmap_in
check "... a file it makes belongs to 410000 on the host" "410000" made_by
check_match "mappings without a user namespace are refused" "need a user namespace" \
	oci run --bundle "$(bundle ux true '.linux.uidMappings = [{"containerID":0,"hostID":410000,"size":10}]')" ux
check_match "a user namespace without mappings is refused" "uidMappings and gidMappings" \
	oci run --bundle "$(bundle ux true '.linux.namespaces += [{"type":"user"}]')" ux
check_match "a malformed mapping names its JSON path" "linux.uidMappings\\[0\\]" \
	oci run --bundle "$(bundle ux true "$USERNS"' | .linux.uidMappings = [{"containerID":0,"size":5}]')" ux
oci_clean "... leaving nothing" ux

# --- idmapped mounts: mounts[].uidMappings / gidMappings -------------------
# the mapping written to the mount's user namespace as given (runc):
# on disk 0 is seen as 2000, 1000 as 3000, through this mount only
IDS=$T/idsrc; mkdir -p "$IDS"; touch "$IDS/f0" "$IDS/f1"; chown 1000:1000 "$IDS/f1"
IDM='.mounts += [{"destination":"/ids","type":"bind","source":"'"$IDS"'","options":["rbind"],
	"uidMappings":[{"containerID":0,"hostID":2000,"size":1},{"containerID":1000,"hostID":3000,"size":1}],
	"gidMappings":[{"containerID":0,"hostID":2000,"size":1},{"containerID":1000,"hostID":3000,"size":1}]}]'
check "an idmapped bind mount: owners seen through its mappings" \
	"2000:2000 3000:3000" oci run --bundle "$(bundle ex 'echo $(stat -c %u:%g /ids/f0 /ids/f1)' "$IDM")" ex
check "... the files on disk keep theirs" "0:0 1000:1000" \
	echo $(stat -c %u:%g "$IDS/f0" "$IDS/f1")
check_match "uidMappings without gidMappings are refused" \
	"mounts\[[0-9]*\]: uidMappings and gidMappings come together" \
	oci run --bundle "$(bundle ex true "$IDM"' | .mounts[-1] |= del(.gidMappings)')" ex
check_match "an idmapped mount that is no bind mount is refused" \
	"are bind mounts only" \
	oci run --bundle "$(bundle ex true "$IDM"' | .mounts[-1].type = "tmpfs" | .mounts[-1].source = "tmpfs" | .mounts[-1].options = []')" ex
oci_clean "... leaving nothing" ex

# --- process (config.md) --------------------------------------------------
run_out() { local n=$1; shift; oci run --bundle "$(bundle "$n" "$@")" "$n" 2>&1; }
check "process.args, env, cwd" "bar /tmp" \
	run_out ex 'echo $FOO $(pwd)' '.process.cwd = "/tmp"'
check "process.env: nothing of the runtime's environment crosses" "" \
	run_out ex 'env | grep -E "^(CELL_|MESON|ASAN)"'
check "process.env: PATH is the config's" "/bin:/custom" \
	run_out ex 'echo $PATH' '.process.env = ["PATH=/bin:/custom"]'
check "process.user: uid, gid, additionalGids" "1000 1000 1000 50" \
	run_out us 'echo $(id -u) $(id -g) $(id -G)' \
	'.process.user = {"uid":1000,"gid":1000,"additionalGids":[50]}'
check "process.user.umask" "0027" run_out us 'umask' \
	'.process.user.umask = 23'
check "process.rlimits" "123" run_out rl 'ulimit -n' \
	'.process.rlimits = [{"type":"RLIMIT_NOFILE","hard":200,"soft":123}]'
# uint64 fields at their top: 18446744073709551615 (RLIM_INFINITY, as
# Docker writes --ulimit core=-1) is above jansson's int64; jq cannot
# write it either (doubles): a placeholder, replaced with sed
BU=$(bundle rl 'ulimit -c; ulimit -H -c' '.process.rlimits = [{"type":"RLIMIT_CORE","hard":4242424242,"soft":4242424242}]')
sed -i 's/4242424242/18446744073709551615/g' "$BU/config.json"
check "process.rlimits 18446744073709551615 (RLIM_INFINITY) is accepted: unlimited" \
	"unlimited unlimited" sh -c "$OCI_BIN --root $OCI_ROOT run --bundle $BU rl 2>&1 | tr '\n' ' ' | sed 's/ $//'"
BU=$(bundle rl 'sleep 5 & p=$!; kill -USR1 $p 2>/dev/null; a=$?; kill -TERM $p; b=$?; echo a=$a b=$b' \
	'.linux.seccomp = {"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["kill"],"action":"SCMP_ACT_ERRNO","args":[{"index":1,"value":4242424242,"valueTwo":10,"op":"SCMP_CMP_MASKED_EQ"}]}]}')
sed -i 's/4242424242/18446744073709551615/g' "$BU/config.json"
check "linux.seccomp args value 18446744073709551615 (a uint64 mask) is that value" \
	"a=1 b=0" oci run --bundle "$BU" rl
BU=$(bundle rl true '.process.rlimits = [{"type":"RLIMIT_CORE","hard":4242424242,"soft":4242424242}]')
sed -i 's/4242424242/18446744073709551616/g' "$BU/config.json"
check_match "... 2^64 is still too big" "too big integer" oci run --bundle "$BU" rl
oci_clean "... leaving nothing" rl
check "process.capabilities: the bounding set narrows" "0000000000000020" \
	run_out ex 'grep CapBnd /proc/self/status | cut -f2' \
	'.process.capabilities = {"bounding":["CAP_KILL"],"effective":["CAP_KILL"],"permitted":["CAP_KILL"]}'
check "process.oomScoreAdj" "500" run_out ex 'cat /proc/self/oom_score_adj' \
	'.process.oomScoreAdj = 500'
check "the process is pid 1 of its pid namespace" "1" run_out ex 'echo $$'
check_match "process.args empty is refused, naming the path" \
	"process.args: must be a non-empty array" \
	oci run --bundle "$(bundle ex x '.process.args = []')" ex

# --- config-linux.md ------------------------------------------------------
check "hostname in the uts namespace" "oci" run_out ex hostname
check_match "a hostname without a uts namespace is refused" "uts namespace" \
	oci run --bundle "$(bundle ex hostname '.linux.namespaces |= map(select(.type != "uts"))')" ex
check_match "a missing pid namespace is refused" "pid namespace is required" \
	oci run --bundle "$(bundle ex true '.linux.namespaces |= map(select(.type != "pid"))')" ex
check "no network namespace: the host's interfaces" "yes" \
	run_out ex 'test $(ls /sys/class/net | wc -l) -gt 1 && echo yes' \
	'.linux.namespaces |= map(select(.type != "network"))'
check "a new network namespace holds only lo" "lo" run_out ex 'ls /sys/class/net'
check "linux.sysctl in the container's namespaces" "1" \
	run_out sy 'cat /proc/sys/net/ipv4/ip_forward' \
	'.linux.sysctl = {"net.ipv4.ip_forward":"1"}'
check_match "a sysctl of the host is refused" "not namespaced" \
	oci run --bundle "$(bundle sy true '.linux.sysctl = {"vm.swappiness":"10"}')" sy
check "linux.maskedPaths: the file reads empty" "" \
	run_out ex 'cat /etc/secret' '.linux.maskedPaths = ["/etc/secret"]'
check_match "linux.readonlyPaths: writes fail" "Read-only" \
	run_out ex 'touch /data/x' '.linux.readonlyPaths = ["/data"]'
check "maskedPaths and readonlyPaths cell masks anyway: masked once, empty" \
	"1 0" run_out ex 'echo $(grep -c " /proc/keys " /proc/self/mountinfo) $(wc -c < /proc/keys)' \
	'.linux.maskedPaths = ["/proc/keys"] | .linux.readonlyPaths = ["/proc/keys"]'
check_match "root.readonly: the root is read-only" "Read-only" \
	run_out ro 'touch /x' '.root.readonly = true'
check "linux.personality LINUX32: uname -m says i686" "i686" \
	run_out ex 'uname -m' '.linux.personality = {"domain":"LINUX32"}'
check "linux.personality LINUX: the native domain" "x86_64" \
	run_out ex 'uname -m' '.linux.personality = {"domain":"LINUX"}'
check_match "linux.personality of another domain is refused" \
	"linux.personality: domain 'BSD' is not LINUX or LINUX32" \
	oci run --bundle "$(bundle ex true '.linux.personality = {"domain":"BSD"}')" ex
# time namespace (cell.timens): the offsets as given, also for exec
TNS='.linux.namespaces += [{"type":"time"}]'
check "a time namespace with linux.timeOffsets (secs -2, nanosecs 5e8: -1.5 s)" \
	"monotonic -2 500000000 boottime 100000 0" \
	run_out ex 'echo $(cat /proc/self/timens_offsets)' \
	"$TNS | .linux.timeOffsets = {\"monotonic\":{\"secs\":-2,\"nanosecs\":500000000},\"boottime\":{\"secs\":100000}}"
check "... the container's uptime runs 100000 s ahead" "yes" \
	run_out ex "test \$(cut -d. -f1 /proc/uptime) -ge $(( $(cut -d. -f1 /proc/uptime) + 99999 )) && echo yes" \
	"$TNS | .linux.timeOffsets = {\"boottime\":{\"secs\":100000}}"
check "a time namespace without offsets: the host's clocks" "monotonic 0 0 boottime 0 0" \
	run_out ex 'echo $(cat /proc/self/timens_offsets)' "$TNS"
check_match "linux.timeOffsets without a time namespace is refused" \
	"linux.timeOffsets: offsets need a time namespace" \
	oci run --bundle "$(bundle ex true '.linux.timeOffsets = {"boottime":{"secs":1}}')" ex
check_match "linux.timeOffsets of an unknown clock is refused" \
	"linux.timeOffsets.realtime: unknown clock" \
	oci run --bundle "$(bundle ex true "$TNS"' | .linux.timeOffsets = {"realtime":{"secs":1}}')" ex
check_match "an offset the kernel refuses (boottime before boot) fails create" \
	"cell.timens: .*out of range" \
	oci run --bundle "$(bundle ex true "$TNS"' | .linux.timeOffsets = {"boottime":{"secs":-9000000000}}')" ex
oci_clean "... leaving nothing" ex
oci run --detach --bundle "$(bundle tn 'sleep 30' "$TNS"' | .linux.timeOffsets = {"boottime":{"secs":5000}}')" tn >/dev/null 2>&1
check "exec: the container's time namespace" "boottime 5000 0" \
	oci exec tn sh -c 'grep boottime /proc/self/timens_offsets | tr -s " "'
oci delete --force tn >/dev/null 2>&1
oci_clean "... leaving nothing" tn
oci run --detach --bundle "$(bundle pe32 'sleep 30' '.linux.personality = {"domain":"LINUX32"}')" pe32 >/dev/null 2>&1
check "... an exec'd process has the container's domain" "i686" oci exec pe32 sh -c 'uname -m'
oci delete --force pe32 >/dev/null 2>&1
oci_clean "... leaving nothing" pe32
mkdir -p "$T/host-data"; echo hostfile >"$T/host-data/f"
check "mounts: a read-only bind mount shows the host directory" "hostfile" \
	run_out mt 'cat /mnt/data/f' \
	".mounts += [{\"destination\":\"/mnt/data\",\"type\":\"bind\",\"source\":\"$T/host-data\",\"options\":[\"rbind\",\"ro\"]}]"
check_match "... and cannot be written" "Read-only" \
	run_out mt 'touch /mnt/data/g' \
	".mounts += [{\"destination\":\"/mnt/data\",\"type\":\"bind\",\"source\":\"$T/host-data\",\"options\":[\"rbind\",\"ro\"]}]"
check "mounts: tmpfs with size and mode" "1777 tmpfs" \
	run_out mt 'echo $(stat -c %a /scratch) $(grep " /scratch " /proc/mounts | cut -d" " -f3)' \
	'.mounts += [{"destination":"/scratch","type":"tmpfs","source":"tmpfs","options":["nosuid","size=1m","mode=1777"]}]'
# (/proc/mounts escapes the '#' itself)
check "... a source beginning with '#' is no comment" '\043tmpfs tmpfs' \
	run_out mt 'grep " /scratch " /proc/mounts | cut -d" " -f1,3' \
	'.mounts += [{"destination":"/scratch","type":"tmpfs","source":"#tmpfs","options":["nosuid","size=1m"]}]'
rm -rf "$ROOTFS/mnt" "$ROOTFS/scratch"
check_match "linux.seccomp: SCMP_ACT_ERRNO with errnoRet" "Function not implemented" \
	run_out sc 'mkdir /tmp/nope' \
	'.linux.seccomp = {"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":38}]}'
# the compiled program is kept by a hash of the profile's text, next to
# that text (lib/oci/seccomp.c); tampering with the kept entry shows it
# is used, and used only for the very same text
SC='.linux.seccomp = {"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":38}]}'
kept=$(ls -t "$CELL_RUN_DIR"/bpf/oci-* 2>/dev/null | head -1)
check_match "linux.seccomp: the compiled program is kept" "/bpf/oci-" echo "$kept"
# rewrite the entry: FLIP=0 keeps its text and puts in a program that
# allows everything; FLIP=1 also changes one byte of the text
tamper() {
	python3 - "$kept" "$1" <<'PY'
import struct, sys
p, flip = sys.argv[1], sys.argv[2] == "1"
b = bytearray(open(p, "rb").read())
head = len(b"cell-oci-seccomp 1\n") + 1 + 8
n = struct.unpack("<Q", bytes(b[head - 8:head]))[0]
text = b[head:head + n]
if flip:
    text[n // 2] ^= 0x20
allow = struct.pack("<HBBI", 0x06, 0, 0, 0x7fff0000)
open(p, "wb").write(bytes(b[:head]) + bytes(text) + allow)
PY
}
tamper 0
check "... and used again (a kept program that allows all lets mkdir through)" \
	"made" run_out sc 'mkdir /tmp/nope && echo made; rmdir /tmp/nope' "$SC"
tamper 1
check_match "... only for its own text (another text under the name is compiled anew)" \
	"Function not implemented" run_out sc 'mkdir /tmp/nope' "$SC"
check_match "... and the entry is this profile's again" "Function not implemented" \
	run_out sc 'mkdir /tmp/nope' "$SC"
check_match "linux.seccomp: SCMP_ACT_ERRNO without errnoRet is EPERM, not defaultErrnoRet (runc)" \
	"Operation not permitted" run_out sc 'mkdir /tmp/nope' \
	'.linux.seccomp = {"defaultAction":"SCMP_ACT_ALLOW","defaultErrnoRet":38,"architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}'
# two comparisons of one argument: runc adds each as a rule of its own
# (OR), libseccomp alone refuses them: kill with SIGUSR1 or SIGUSR2 fails
check "linux.seccomp: two conditions on one argument are ORed, as runc" \
	"a=1 b=1 c=0" run_out sc 'sleep 5 & p=$!; kill -USR1 $p 2>/dev/null; a=$?; kill -USR2 $p 2>/dev/null; b=$?; kill -TERM $p; c=$?; echo a=$a b=$b c=$c' \
	'.linux.seccomp = {"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["kill"],"action":"SCMP_ACT_ERRNO","args":[{"index":1,"value":10,"op":"SCMP_CMP_EQ"},{"index":1,"value":12,"op":"SCMP_CMP_EQ"}]}]}'
check "linux.seccomp: conditions on different arguments still all hold (AND)" \
	"a=1 b=0" run_out sc 'sleep 5 & p=$!; kill -USR1 1 2>/dev/null; a=$?; kill -USR1 $p 2>/dev/null; b=$?; echo a=$a b=$b' \
	'.linux.seccomp = {"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["kill"],"action":"SCMP_ACT_ERRNO","args":[{"index":1,"value":10,"op":"SCMP_CMP_EQ"},{"index":0,"value":1,"op":"SCMP_CMP_EQ"}]}]}'
check_match "linux.seccomp: SCMP_ACT_NOTIFY without listenerPath is refused" "SCMP_ACT_NOTIFY needs listenerPath" \
	run_out sc true \
	'.linux.seccomp = {"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_NOTIFY"}]}'
check_match "linux.intelRdt is refused clearly" "intelRdt" \
	run_out ex true '.linux.intelRdt = {"closID":"x"}'

CGP=cell-oci-test$$
BC=$(bundle cg 'sleep 30' ".linux.cgroupsPath = \"/$CGP/cg\" | .linux.resources = {\"memory\":{\"limit\":67108864,\"swap\":100663296},\"pids\":{\"limit\":50}}")
oci create --bundle "$BC" cg >/dev/null 2>&1
check "linux.cgroupsPath: the process is in that cgroup" "/$CGP/cg" \
	sh -c "grep -m1 ':pids:' /proc/$(field cg pid)/cgroup | cut -d: -f3"
check "linux.resources.memory.limit" "67108864" \
	cat "/sys/fs/cgroup/memory/$CGP/cg/memory.limit_in_bytes"
check "linux.resources.pids.limit" "50" cat "/sys/fs/cgroup/pids/$CGP/cg/pids.max"
check_rc "update --pids-limit" 0 oci update --pids-limit 60 cg
check "... is set" "60" cat "/sys/fs/cgroup/pids/$CGP/cg/pids.max"
# update: --resources replaces the limits the flags would set, and runc
# ignores the flags then: the combination is refused, nothing changes
echo '{"pids":{"limit":70}}' >"$T/res.json"
check_match "update --pids-limit with --resources is refused clearly" \
	"cannot be combined" oci update --pids-limit 7 --resources "$T/res.json" cg
check "... and changes nothing" "60" cat "/sys/fs/cgroup/pids/$CGP/cg/pids.max"
check_rc "update --resources alone" 0 oci update --resources "$T/res.json" cg
check "... is set" "70" cat "/sys/fs/cgroup/pids/$CGP/cg/pids.max"
# linux.resources.memory.swap is memory + swap: v1 memsw (this host's;
# v2 would be memory.swap.max = swap - limit)
MEMSW=/sys/fs/cgroup/memory/$CGP/cg/memory.memsw.limit_in_bytes
if [ -e "$MEMSW" ]; then
	check "linux.resources.memory.swap: memory.memsw.limit_in_bytes" \
		"100663296" cat "$MEMSW"
	check_rc "update --memory-swap" 0 oci update --memory-swap 128M cg
	check "... is set" "134217728" cat "$MEMSW"
	echo '{"memory":{"limit":33554432,"swap":50331648}}' >"$T/res.json"
	check_rc "update --resources lowering memory and swap (memsw after)" 0 \
		oci update --resources "$T/res.json" cg
	check "... both set" "33554432 50331648" sh -c \
		"echo \$(cat /sys/fs/cgroup/memory/$CGP/cg/memory.limit_in_bytes) \$(cat $MEMSW)"
	echo '{"memory":{"limit":134217728,"swap":268435456}}' >"$T/res.json"
	check_rc "update --resources raising both (memsw first)" 0 \
		oci update --resources "$T/res.json" cg
	check "... both set" "134217728 268435456" sh -c \
		"echo \$(cat /sys/fs/cgroup/memory/$CGP/cg/memory.limit_in_bytes) \$(cat $MEMSW)"
	check_match "swap below the memory limit is refused" "below" \
		oci update --resources - cg <<<'{"memory":{"limit":134217728,"swap":67108864}}'
else
	echo "ok - # SKIP memory.swap: no v1 swap accounting on this host"
fi
oci start cg >/dev/null 2>&1
check_rc "pause" 0 oci pause cg
check "state after pause is 'paused'" paused field cg status
check_rc "resume" 0 oci resume cg
check "state after resume is 'running'" running field cg status
check_match "ps --format json lists the pid" "^\[$(field cg pid)\]$" oci ps --format json cg
check_match "list shows the container" "^cg +[0-9]+ +running" oci list
check "list --format json" "cg running" \
	sh -c "$OCI_BIN --root $OCI_ROOT list --format json | jq -r '.[] | .id + \" \" + .status'"
check_match "jls lists the container as a jail" "name=cg" "$JLS" -n -j cg
oci delete --force cg >/dev/null 2>&1
check "delete removes the cgroup" "" sh -c "ls -d /sys/fs/cgroup/*/$CGP/cg 2>/dev/null"
for d in /sys/fs/cgroup/*/$CGP /sys/fs/cgroup/unified/$CGP; do [ -d "$d" ] && rmdir "$d"; done

# --- exec ----------------------------------------------------------------
BE=$(bundle ex 'sleep 30')
oci run --detach --bundle "$BE" ex >/dev/null 2>&1
check "exec runs in the container with its env" "bar oci" oci exec ex sh -c 'echo $FOO $(hostname)'
check "exec --user --cwd --env" "1000 /tmp X" \
	oci exec --user 1000:1000 --cwd /tmp --env V=X ex sh -c 'echo $(id -u) $(pwd) $V'
check_rc "exec returns the exit status" 3 oci exec ex sh -c 'exit 3'
echo '{"user":{"uid":0,"gid":0},"args":["/bin/sh","-c","echo fromfile"],"env":["PATH=/bin"],"cwd":"/"}' >"$T/proc.json"
check "exec --process FILE" "fromfile" oci exec --process "$T/proc.json" ex
check_rc "exec --detach --pid-file" 0 oci exec --detach --pid-file "$T/ex.pid" ex sleep 1
check_true "... writes the pid" test -s "$T/ex.pid"
oci delete --force ex >/dev/null 2>&1

# --- annotations ---------------------------------------------------------
# org.cell.jail.PARAM annotations come from image publishers too (podman
# copies an image's annotations into the config): only the parameters
# the operator names with --jail-annotations are honoured
RAWCAPS='.process.capabilities = {"bounding":["CAP_NET_RAW"],"effective":["CAP_NET_RAW"],"permitted":["CAP_NET_RAW"]}'
BA=$(bundle an '/bin/cell-probe raw' "$RAWCAPS | .annotations = {\"org.cell.jail.allow.raw_sockets\":\"true\",\"x.y\":\"z\"}")
: >"$OCI_LOG"
check "an image's org.cell.jail.allow.raw_sockets without the operator's allowance: no raw sockets" \
	"denied EPERM" oci run --bundle "$BA" an
check_match "... the annotation is ignored with a warning naming it" \
	'"level":"warning".*org.cell.jail.allow.raw_sockets ignored' cat "$OCI_LOG"
check "with --jail-annotations allow.raw_sockets it sets the parameter" \
	"allowed" oci --jail-annotations allow.raw_sockets run --bundle "$BA" an
check "... as a list (--jail-annotations cell.cgroup,allow.raw_sockets)" \
	"allowed" oci --jail-annotations cell.cgroup,allow.raw_sockets run --bundle "$BA" an
check_match "--jail-annotations refuses an unknown parameter" "unknown parameter 'bogus'" \
	oci --jail-annotations bogus list
check_match "--jail-annotations refuses what the config gives (exec.*)" \
	"exec.start' comes from the OCI config" oci --jail-annotations exec.start list
BA=$(bundle an 'sleep 30' '.annotations = {"org.cell.jail.allow.raw_sockets":"true","x.y":"z"}')
oci --jail-annotations allow.raw_sockets create --bundle "$BA" an >/dev/null 2>&1
check "annotations are in the state" "z" field an 'annotations["x.y"]'
check_match "org.cell.jail.* annotations set jail parameters" "allow.raw_sockets" \
	"$JLS" -n -j an
oci delete --force an >/dev/null 2>&1
# a list parameter from an annotation adds to config.json's, never
# replaces it: the config masks /etc/secret, the image asks another path
echo shown >"$ROOTFS/data/f"
BM=$(bundle an 'cat /etc/secret /data/f; echo end' '.linux.maskedPaths = ["/etc/secret"] | .annotations = {"org.cell.jail.cell.masked_paths":"/data/f"}')
check "an image's cell.masked_paths without the allowance: the config's masked paths only" \
	"shown end" sh -c "$OCI_BIN --root $OCI_ROOT run --bundle $BM an 2>&1 | tr '\n' ' ' | sed 's/ $//'"
check "with --jail-annotations cell.masked_paths: appended to the config's" \
	"end" sh -c "$OCI_BIN --root $OCI_ROOT --jail-annotations cell.masked_paths run --bundle $BM an 2>&1 | tr '\n' ' ' | sed 's/ $//'"
oci_clean "... leaving nothing" an
check_match "an unknown org.cell.jail parameter allowed by the operator is an error naming it" \
	"annotations.org.cell.jail.allow.bogus|unknown parameter" \
	oci --jail-annotations allow.bogus run --bundle "$(bundle an true '.annotations = {"org.cell.jail.allow.bogus":"1"}')" an
check_match "org.cell.jail.name is refused even unallowed" "comes from the OCI config" \
	oci run --bundle "$(bundle an true '.annotations = {"org.cell.jail.name":"x"}')" an
check_match "an id with a '.' is refused" "hierarchy" \
	oci run --bundle "$(bundle du true)" a.b

finish
