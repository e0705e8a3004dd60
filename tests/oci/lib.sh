# SPDX-License-Identifier: BSD-2-Clause
# Shared by the cell-oci tests: tests/integration/lib.sh (private
# CELL_RUN_DIR, checks, busybox roots, cleanup), a private --root, and
# bundles made from one base config.json edited with jq.
CELL_IT_TMP=${CELL_IT_TMP:-cell-oci}
. "$(dirname "$0")/../integration/lib.sh"

OCI_BIN=$B/src/oci/cell-oci
OCI_ROOT=$T/oci
OCI_LOG=$T/oci.log
# cell-oci with the test's state directory and a JSON log
oci() { "$OCI_BIN" --root "$OCI_ROOT" --log "$OCI_LOG" --log-format json "$@"; }

ROOTFS=$T/rootfs
mkroot "$ROOTFS" sh ls cat echo id hostname ps true false sleep wc grep \
	mkdir touch kill head env pwd tr ulimit umask rm stat
mkdir -p "$ROOTFS/data" "$ROOTFS/home/user"
echo secret >"$ROOTFS/etc/secret"

# the base config: a jail's namespaces, a shell command as args
base_config() {
	cat <<JSON
{
  "ociVersion": "1.2.0",
  "process": {
    "terminal": false,
    "user": { "uid": 0, "gid": 0 },
    "args": [ "/bin/sh", "-c", "true" ],
    "env": [ "PATH=/bin", "FOO=bar" ],
    "cwd": "/"
  },
  "root": { "path": "$ROOTFS" },
  "hostname": "oci",
  "mounts": [
    { "destination": "/proc", "type": "proc", "source": "proc" },
    { "destination": "/dev", "type": "tmpfs", "source": "tmpfs" },
    { "destination": "/sys", "type": "sysfs", "source": "sysfs" }
  ],
  "linux": {
    "namespaces": [ { "type": "pid" }, { "type": "mount" },
                    { "type": "ipc" }, { "type": "uts" },
                    { "type": "network" } ]
  }
}
JSON
}

# bundle NAME CMD [JQ_FILTER]: $T/b/NAME with the base config, CMD as
# /bin/sh -c's script, then the filter; prints the bundle's path
bundle() {
	local d=$T/b/$1
	mkdir -p "$d"
	base_config | jq --arg cmd "$2" \
		".process.args = [\"/bin/sh\", \"-c\", \$cmd] | ${3:-.}" \
		>"$d/config.json" || echo "bad filter: ${3:-}" >&2
	echo "$d"
}

# every container left in the test's --root goes, then lib.sh's cleanup
oci_cleanup() {
	for d in "$OCI_ROOT"/*; do
		[ -d "$d" ] && oci delete --force "${d##*/}" >/dev/null 2>&1
	done
	cleanup
}
trap oci_cleanup EXIT

# field ID KEY: a field of the state JSON
field() { oci state "$1" 2>/dev/null | jq -r ".$2"; }

# oci_clean DESCRIPTION ID: no state directory, no jail, no cgroup
oci_clean() {
	local left
	left=$(ls -d "$OCI_ROOT/$2" 2>/dev/null; traces "$2")
	if [ -z "$left" ]; then ok "$1"; else not_ok "$1 (left: $(echo $left))"; fi
}
