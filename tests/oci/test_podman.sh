#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# podman with cell-oci as its runtime: run --rm with --rootfs, detached
# containers, exec, logs, stop. Skipped only when podman is not installed.
# Options this machine needs (docs/oci.md): --cgroup-manager=cgroupfs (no
# systemd cgroups), --storage-driver vfs, --network=none (no traffic),
# private --root/--runroot, and a runtime wrapper that gives cell-oci the
# test's --root and CELL_RUN_DIR (conmon does not pass the environment).
. "$(dirname "$0")/lib.sh"
if ! command -v podman >/dev/null || ! command -v conmon >/dev/null; then
	echo "# skip: podman or conmon not installed (apt-get install podman)"
	exit 77
fi

WRAP=$T/cell-oci-wrap
cat >"$WRAP" <<W
#!/bin/sh
export CELL_RUN_DIR=$CELL_RUN_DIR
exec $OCI_BIN --root $OCI_ROOT "\$@"
W
chmod +x "$WRAP"
# cgroups podman's cgroupfs manager makes (libpod_parent/...): at the end,
# the ones this test made go (whatever was there before stays)
PRE_LIBPOD=$(ls -d /sys/fs/cgroup/*/libpod_parent 2>/dev/null)
PRE_LIBPOD_DIRS=$(find /sys/fs/cgroup/*/libpod_parent -type d 2>/dev/null | sort)
P() {
	podman --runtime "$WRAP" --cgroup-manager=cgroupfs \
		--root "$T/podman/root" --runroot "$T/podman/run" \
		--storage-driver vfs --events-backend none \
		--tmpdir "$T/podman/tmp" "$@"
}
podman_cleanup() {
	P rm -af -t 0 >/dev/null 2>&1
	P pod rm -af -t 0 >/dev/null 2>&1
	# deepest first; an rmdir of a cgroup still in use fails and keeps it
	find /sys/fs/cgroup/*/libpod_parent -mindepth 1 -type d 2>/dev/null |
		sort | comm -13 <(printf '%s\n' "$PRE_LIBPOD_DIRS") - |
		sort -r | xargs -r rmdir 2>/dev/null
	if [ -z "$PRE_LIBPOD" ]; then
		for h in /sys/fs/cgroup/*/libpod_parent; do
			[ -d "$h" ] && rmdir "$h" 2>/dev/null
		done
	fi
	grep -q " $T/" /proc/mounts && grep " $T/" /proc/mounts | cut -d' ' -f2 |
		sort -r | xargs -r -n1 umount -l 2>/dev/null
	oci_cleanup
}
trap podman_cleanup EXIT

check "podman run --rm --rootfs: output, host name, user" \
	"$(printf 'hello\nuid=0(root) gid=0(root) groups=0(root)')" \
	P run --rm --network=none --rootfs "$ROOTFS" /bin/sh -c 'echo hello; id'
check "podman run: the exit status" "5" \
	sh -c "$(declare -f P); WRAP=$WRAP T=$T; P run --rm --network=none --rootfs $ROOTFS /bin/sh -c 'exit 5' >/dev/null 2>&1; echo \$?"
check "podman run --hostname, --env, --workdir" "web bar /tmp" \
	P run --rm --network=none --hostname web -e FOO=bar -w /tmp \
	--rootfs "$ROOTFS" /bin/sh -c 'echo $(hostname) $FOO $(pwd)'
check "podman run --user" "1000" \
	P run --rm --network=none --user 1000:1000 --rootfs "$ROOTFS" id -u
# a device of the container's own (linux.devices -> cell.devices), at a
# path of its choosing
check "podman run --device HOST:CONTAINER" "c 1:5 ok" \
	P run --rm --network=none --device /dev/zero:/dev/myzero \
	--rootfs "$ROOTFS" /bin/sh -c 'echo $(stat -c "%F" /dev/myzero | cut -c1) $(stat -c "%t:%T" /dev/myzero) $(head -c1 /dev/myzero >/dev/null && echo ok)'
# --cap-add for a non-root user: what the container's process ends up with
# (podman's sets, kept over the change of ids as runc keeps them)
check "podman run --user 1000 --cap-add NET_BIND_SERVICE: the process holds it" "yes" \
	P run --rm --network=none --user 1000:1000 --cap-add NET_BIND_SERVICE \
	--rootfs "$ROOTFS" /bin/sh -c 'c=$(grep CapEff /proc/self/status | cut -f2); [ $(( 0x$c & 0x400 )) -ne 0 ] && echo yes || echo "no ($c)"'
check_rc "podman run -d --memory" 0 P run -d --name pd --network=none \
	--memory 64m --rootfs "$ROOTFS" /bin/sh -c 'echo logged; sleep 60'
sleep 1
check "podman ps shows it running" "pd Up" \
	sh -c "$(declare -f P); WRAP=$WRAP T=$T; P ps --format '{{.Names}} {{.Status}}' | cut -c1-5"
CID=$(P inspect -f '{{.Id}}' pd)
check "cell-oci state agrees" running field "$CID" status
PID=$(field "$CID" pid)
check "--memory is the limit of the container's cgroup" 67108864 \
	cat "/sys/fs/cgroup/memory$(grep -m1 ':memory:' /proc/$PID/cgroup | cut -d: -f3)/memory.limit_in_bytes"
check "podman exec" "in pd" P exec pd /bin/sh -c 'echo in pd'
check "podman exec --user --env" "1000 Y" P exec --user 1000 -e X=Y pd /bin/sh -c 'echo $(id -u) $X'
check "podman logs" "logged" P logs pd
check_rc "podman stop" 0 P stop -t 2 pd
check "podman ps -a shows it exited" "Exited" \
	sh -c "$(declare -f P); WRAP=$WRAP T=$T; P ps -a --format '{{.Status}}' | cut -d' ' -f1"
check_rc "podman rm" 0 P rm pd
oci_clean "nothing of the container is left" "$CID"

# --- pods: the infra container's net, ipc, uts namespaces joined by path --
nsof() { P exec "$1" sh -c 'for n in net uts ipc pid; do readlink /proc/self/ns/$n; done | tr "\n" " "'; }
check_rc "podman pod create --network=none" 0 P pod create --network=none --name pod1
check_rc "a container in the pod (its infra container starts first)" 0 \
	P run -d --pod pod1 --name pc1 --rootfs "$ROOTFS" /bin/sleep 60
check_rc "a second container in the pod" 0 \
	P run -d --pod pod1 --name pc2 --rootfs "$ROOTFS" /bin/sleep 60
INFRA=$(P pod inspect pod1 --format '{{.InfraContainerID}}')
POD1=$(P pod inspect pod1 --format '{{.Id}}')
IPID=$(P inspect --format '{{.State.Pid}}' "$INFRA")
WANT="$(for n in net uts ipc; do readlink /proc/"$IPID"/ns/$n; done | tr '\n' ' ' | sed 's/ $//')"
N1=$(nsof pc1)
N2=$(nsof pc2)
check "pc1 shares the infra container's net, uts, ipc namespaces" "$WANT" echo "${N1% pid:*}"
check "pc2 too" "$WANT" echo "${N2% pid:*}"
check "each has a pid namespace of its own" "different" \
	sh -c "[ '${N1##* pid:}' != '${N2##* pid:}' ] && echo different"
check "the pod's host name is both's" "pod1 pod1" \
	sh -c "echo \$($(declare -f P); WRAP=$WRAP T=$T; P exec pc1 hostname) \$($(declare -f P); WRAP=$WRAP T=$T; P exec pc2 hostname)"
check_rc "podman pod rm -f" 0 P pod rm -f -t 0 pod1
# podman's cgroupfs manager makes and removes the pod's v1 directories; in
# the unified hierarchy of a hybrid host cell made the pod's directory
# for its first container, and removes it with the last
check "no cgroup of the pod is left" "" \
	sh -c "ls -d /sys/fs/cgroup/*/libpod_parent/$POD1 2>/dev/null"
check "nothing of the pod's containers is left in cell-oci's root" "" \
	sh -c "ls $OCI_ROOT"
check_rc "a pod sharing its pid namespace: create fails" 0 \
	P pod create --network=none --share pid,net --name pod2
check_match "... and the error says why" \
	"joining a pid namespace by path is not supported" \
	P run --rm --pod pod2 --rootfs "$ROOTFS" /bin/true
P pod rm -f -t 0 pod2 >/dev/null 2>&1
check "nothing is left" "" sh -c "ls $OCI_ROOT; $JLS | tail -n +2"

finish
