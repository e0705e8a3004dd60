#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# containerd with cell-oci as the runc binary of its runc shim: a
# containerd started here with its own root, state and socket, an OCI
# image archive written by hand from the busybox root and imported with
# ctr, then ctr run (--rm and detached), exec and kill. Skipped only when
# containerd or ctr is not installed.
. "$(dirname "$0")/lib.sh"
if ! command -v containerd >/dev/null || ! command -v ctr >/dev/null ||
   ! command -v containerd-shim-runc-v2 >/dev/null; then
	echo "# skip: containerd, ctr or containerd-shim-runc-v2 not installed"
	exit 77
fi

CD=$T/containerd
mkdir -p "$CD/root" "$CD/state" "$CD/img/blobs/sha256"
ADDR=$CD/containerd.sock
cat >"$CD/config.toml" <<TOML
version = 2
root = "$CD/root"
state = "$CD/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$ADDR"
[ttrpc]
  address = "$ADDR.ttrpc"
[debug]
  address = "$ADDR.debug"
[metrics]
  address = ""
TOML
# the shim runs cell-oci with its own --root; the wrapper gives it the
# test's CELL_RUN_DIR
WRAP=$T/cell-oci-wrap
printf '#!/bin/sh\nexport CELL_RUN_DIR=%s\nexec %s "$@"\n' "$CELL_RUN_DIR" "$OCI_BIN" >"$WRAP"
chmod +x "$WRAP"
RUNC_ROOT=$T/runc-root
NS=celltest

# ctr and the shim use /run/containerd/fifo and /run/containerd/s
# whatever the config says: removed at the end if this test made them
PRE_RUN=$(ls -d /run/containerd 2>/dev/null)
containerd --config "$CD/config.toml" >"$CD/log" 2>&1 &
CPID=$!
C() { ctr -a "$ADDR" -n $NS "$@"; }
containerd_cleanup() {
	for t in $(C task ls -q 2>/dev/null); do C task kill -s KILL "$t" >/dev/null 2>&1; done
	sleep 0.5
	for t in $(C task ls -q 2>/dev/null); do C task rm -f "$t" >/dev/null 2>&1; done
	for c in $(C container ls -q 2>/dev/null); do C container rm "$c" >/dev/null 2>&1; done
	C image rm cell/busybox:test >/dev/null 2>&1
	kill "$CPID" 2>/dev/null; wait "$CPID" 2>/dev/null
	# shims exit with their tasks; any mount containerd left below $T
	grep " $T/" /proc/mounts | cut -d' ' -f2 | sort -r | xargs -r -n1 umount -l 2>/dev/null
	for d in /sys/fs/cgroup/*/$NS; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	if [ -z "$PRE_RUN" ]; then
		rmdir /run/containerd/fifo /run/containerd/s /run/containerd 2>/dev/null
	fi
	oci_cleanup
}
trap containerd_cleanup EXIT
for _ in $(seq 50); do [ -S "$ADDR" ] && break; sleep 0.1; done

# the image: one layer (the busybox root), config, manifest, index
sha() { sha256sum "$1" | cut -d' ' -f1; }
blob() { local h; h=$(sha "$1"); mv "$1" "$CD/img/blobs/sha256/$h"; echo "$h"; }
tar -C "$ROOTFS" -cf "$CD/layer.tar" .
DIFF=$(sha "$CD/layer.tar")
LSIZE=$(stat -c %s "$CD/layer.tar")
LAYER=$(blob "$CD/layer.tar")
printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin"],"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$DIFF" >"$CD/config.json"
CSIZE=$(stat -c %s "$CD/config.json")
CONF=$(blob "$CD/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
	"$CONF" "$CSIZE" "$LAYER" "$LSIZE" >"$CD/manifest.json"
MSIZE=$(stat -c %s "$CD/manifest.json")
MAN=$(blob "$CD/manifest.json")
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"cell/busybox:test","io.containerd.image.name":"cell/busybox:test"}}]}' \
	"$MAN" "$MSIZE" >"$CD/img/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' >"$CD/img/oci-layout"
tar -C "$CD/img" -cf "$CD/image.tar" .

check_rc "containerd is up" 0 C version
check_match "ctr image import of a hand-made OCI archive" "cell/busybox:test" \
	C image import --snapshotter native --base-name cell/busybox "$CD/image.tar"
R=(--snapshotter native --runc-binary "$WRAP" --runc-root "$RUNC_ROOT")
check "ctr run --rm: output" "hello uid=0" \
	C run --rm "${R[@]}" cell/busybox:test r1 /bin/sh -c 'echo hello uid=$(id -u)'
check_rc "ctr run --rm: the exit status" 3 \
	C run --rm "${R[@]}" cell/busybox:test r2 /bin/sh -c 'exit 3'
check_rc "ctr run -d" 0 C run -d "${R[@]}" cell/busybox:test d1 /bin/sh -c 'sleep 60'
sleep 0.5
check_match "ctr task ls: RUNNING" "d1 +[0-9]+ +RUNNING" C task ls
check "cell-oci sees it running" running \
	sh -c "$OCI_BIN --root $RUNC_ROOT/$NS state d1 | jq -r .status"
check "ctr task exec" "in d1" C task exec --exec-id e1 d1 /bin/sh -c 'echo in d1'
check_rc "ctr task exec: the exit status" 4 C task exec --exec-id e2 d1 /bin/sh -c 'exit 4'
check_match "ctr task ps" "PID" C task ps d1
check_rc "ctr task pause" 0 C task pause d1
check_match "... PAUSED" "d1 +[0-9]+ +PAUSED" C task ls
check_rc "ctr task resume" 0 C task resume d1
check_rc "ctr task kill" 0 C task kill -s KILL d1
sleep 1
check_match "... STOPPED" "d1 +[0-9]+ +STOPPED" C task ls
check_rc "ctr task rm" 0 C task rm d1
check_rc "ctr container rm" 0 C container rm d1
check "nothing of the container is left in cell-oci's root" "" \
	sh -c "ls $RUNC_ROOT/$NS 2>/dev/null"
check_clean "... nor as a jail" d1

finish
