#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# cell's own untrusted-input parsers in capability mode (lib/mgr/sandbox.c),
# and bootstrap --oci (lib/mgr/oci_image.c), as root:
#  - the extractor, the export-meta parser and the template parser report,
#    from inside (CELL_MGR_SANDBOX_PROBE=1), cap_getmode 1, ECAPMODE for a
#    path open and for an AT_FDCWD lookup, and EACCES (Landlock) for ".."
#    above the directory they hold;
#  - a hostile parser callback (sbx_attack.c) cannot change a host
#    file's mode, owner or times, nor regain rights on a limited memfd
#    or pipe through /proc/self/fd (the child has no procfs);
#  - an extraction still works and gives the same tree as the source;
#  - bootstrap --oci from an image layout this test writes by hand (two
#    layers: a whiteout, an opaque directory, a replaced file), from a tar
#    of it, refusals (digest mismatch, "..", a device node, a bad
#    whiteout) that leave nothing; with umoci when it is installed;
#  - bootstrap debian only with CELL_TEST_DEBOOTSTRAP=1 (needs debootstrap
#    and a mirror: CELL_TEST_DEBIAN_MIRROR, else setup.conf's or Debian's).
# Jail names sbx*; everything in one temp dir, removed by the exit trap.
set -u

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root"
	exit 77
fi

CELL_IT_TMP=cell-mgr-sandbox
. "${CELL_SOURCE_DIR:-$(dirname "${BASH_SOURCE[0]}")/../..}/tests/integration/lib.sh"
CHECK_RC_OUT=first
CELL=$B/src/cell
unset CELL_HOME CELL_MGR_NO_SANDBOX CELL_MGR_SANDBOX_PROBE
H=$T/home

sbx_cleanup() {
	local j
	if [ -f "$H/setup.conf" ]; then
		for j in $(CELL_HOME=$H "$CELL" -j list 2>/dev/null |
			   sed -n 's/^ *"name": "\(.*\)",$/\1/p'); do
			CELL_HOME=$H "$CELL" -q destroy -f "$j" >/dev/null 2>&1
		done
		CELL_HOME=$H "$CELL" -q setup --teardown >/dev/null 2>&1
	fi
	"$JLS" >/dev/null 2>&1
	findmnt -rn -o TARGET | grep "^$T/" | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null; done
	cleanup
}
trap sbx_cleanup EXIT
trap "exit 1" INT TERM HUP

export CELL_HOME=$H
C=$CELL
$C -q setup -s dir && $C -q bootstrap busybox || { not_ok "setup"; finish; exit; }
REL=$H/releases/busybox
PROBE_OK='cap_getmode 1 open ECAPMODE openat-cwd ECAPMODE dotdot EACCES'
# a child that holds no directory at all
PROBE_NODIR='cap_getmode 1 open ECAPMODE openat-cwd ECAPMODE dotdot none'

# --- a parser taken over by its input ------------------------------------------------
# (tests/mgr/sbx_attack.c: cell_sbx_run with a hostile callback)
mkdir -p "$T/attack-meta" "$T/attack-proc"
check_rc "parser child: no chmod, chown or utime of a host file (absolute path, '..', O_PATH)" 0 \
	"$B/tests/mgr/sbx-attack" meta "$T/attack-meta"
check_rc "parser child: no /proc/self/fd reopen of a limited memfd or of the answer pipe" 0 \
	"$B/tests/mgr/sbx-attack" proc "$T/attack-proc"

# --- capability mode, shown from inside ---------------------------------------------
tar -C "$REL" -cf "$T/good.tar" .
check_match "extract: runs in capability mode, confined beneath its directory" \
	"sandbox probe \(extract\): pid [0-9]+ $PROBE_OK" \
	env CELL_MGR_SANDBOX_PROBE=1 $C bootstrap --tar "$T/good.tar" sbxtar
tree() { (cd "$1" && find . -exec stat -c '%n %a %u %g %F %N %Y' {} + | sort); }
check "extract: the tree is the source's (names, modes, owners, types, links, mtimes)" "" \
	diff <(tree "$REL") <(tree "$H/releases/sbxtar")
check_rc "extract: CELL_MGR_NO_SANDBOX=1 (bench's baseline) still extracts" 0 \
	env CELL_MGR_NO_SANDBOX=1 $C -q bootstrap --tar "$T/good.tar" sbxnosbx
check_nomatch "extract: ... and then nothing is sandboxed" "sandbox probe" \
	env CELL_MGR_NO_SANDBOX=1 CELL_MGR_SANDBOX_PROBE=1 $C bootstrap --tar "$T/good.tar" sbxnosbx2

$C -q create sbxexp busybox
check_rc "import: export a jail" 0 $C -q export sbxexp "$T/exp.tar.zst"
check_match "import: the export's meta file is parsed in capability mode" \
	"sandbox probe \(import: cell-export.conf\): pid [0-9]+ $PROBE_NODIR" \
	env CELL_MGR_SANDBOX_PROBE=1 $C import "$T/exp.tar.zst" sbximp
check_match "import: ... and the tree extracted in capability mode" \
	"sandbox probe \(extract\): pid [0-9]+ $PROBE_OK" \
	env CELL_MGR_SANDBOX_PROBE=1 $C import "$T/exp.tar.zst" sbximp2
check_true "import: the imported jail has the release's shell" test -x "$H/jails/sbximp/root/bin/busybox"

mkdir -p "$T/tpl" "$T/tplbad"
printf 'ARG X=1\nCONFIG set host.hostname sbx${X}\n' > "$T/tpl/Cellfile"
check_match "template: parsed in capability mode" \
	"sandbox probe \(template parser\): pid [0-9]+ $PROBE_NODIR" \
	env CELL_MGR_SANDBOX_PROBE=1 $C template sbxexp "$T/tpl"
check_match "template: the parse came back (CONFIG applied)" 'sbx1' \
	cat "$H/jails/sbxexp/jail.conf"
printf 'ARG X=1\n\nRDR sctp 1 2\n' > "$T/tplbad/Cellfile"
check_match "template: a parser error keeps FILE:LINE:COL" \
	"Cellfile:3:5: RDR: protocol is tcp or udp" $C template sbxexp "$T/tplbad"
mkfifo "$T/tplbad/fifo" && mkdir "$T/tplfifo" && mkfifo "$T/tplfifo/Cellfile"
check_match "template: a FIFO Cellfile is refused, not waited on" \
	"not a regular file" timeout 10 $C template sbxexp "$T/tplfifo"

# --- OCI image layouts -------------------------------------------------------------
python3 - "$T" "$REL" "${CELL_SOURCE_DIR:-$(dirname "${BASH_SOURCE[0]}")/../..}/tests/mgr" <<'PY'
import io, os, sys, tarfile, gzip
T, REL = sys.argv[1], sys.argv[2]
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[3])
import oci_layout

def tarbytes(entries, gz=False):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w") as t:
        for kind, path, *rest in entries:
            ti = tarfile.TarInfo(path)
            if kind == 'f':
                d = rest[0].encode(); ti.size = len(d); ti.mode = 0o644
                t.addfile(ti, io.BytesIO(d)); continue
            if kind == 'd': ti.type = tarfile.DIRTYPE; ti.mode = 0o755
            if kind == 'c': ti.type = tarfile.CHRTYPE; ti.devmajor, ti.devminor = 1, 1
            t.addfile(ti)
    data = b.getvalue()
    return gzip.compress(data) if gz else data

def layout(name, layers, tamper=False):
    oci_layout.write(f"{T}/{name}", layers, tamper)

# layer 1: the busybox release plus files the next layer hides
b = io.BytesIO()
with tarfile.open(fileobj=b, mode="w") as t:
    t.add(REL, arcname=".")
    for p, d in [("home/old/a", "old\n"), ("etc/motd", "one\n"), ("opt/keep", "k\n")]:
        ti = tarfile.TarInfo(p); ti.size = len(d); t.addfile(ti, io.BytesIO(d.encode()))
L1 = (gzip.compress(b.getvalue()), "application/vnd.oci.image.layer.v1.tar+gzip")
# layer 2: whiteout, opaque directory (whiteout first, as the spec asks),
# a new file in it, a replaced file
L2 = (tarbytes([('f', 'etc/.wh.os-release', ''), ('d', 'home'),
                ('f', 'home/.wh..wh..opq', ''), ('f', 'home/new', 'new\n'),
                ('f', 'etc/motd', 'two\n')]),
      "application/vnd.oci.image.layer.v1.tar")
layout("img", [L1, L2])
layout("img-tampered", [L1, L2], tamper=True)
layout("img-dotdot", [L1, (tarbytes([('f', '../../sbx-escape', 'x')]),
                           "application/vnd.oci.image.layer.v1.tar")])
layout("img-dev", [L1, (tarbytes([('c', 'dev/mem')]),
                        "application/vnd.oci.image.layer.v1.tar")])
layout("img-badwh", [L1, (tarbytes([('f', 'etc/.wh.', '')]),
                          "application/vnd.oci.image.layer.v1.tar")])
layout("img-config", [L1, (b"{}", "application/vnd.oci.image.config.v1+json")])
PY
check_match "oci: the layout is parsed in capability mode" \
	"sandbox probe \(OCI layout\): pid [0-9]+ $PROBE_OK" \
	env CELL_MGR_SANDBOX_PROBE=1 $C bootstrap --oci "$T/img" sbxoci
O=$H/releases/sbxoci
check_true "oci: layer 1's busybox is there" test -x "$O/bin/busybox"
check_true "oci: a whiteout removed etc/os-release" test ! -e "$O/etc/os-release"
check_true "oci: ... and not the rest of etc" test -f "$O/etc/passwd"
check_true "oci: an opaque directory hid home/old" test ! -e "$O/home/old"
check "oci: ... and kept the layer's own home/new" new cat "$O/home/new"
check "oci: a file replaced by the upper layer" two cat "$O/etc/motd"
check "oci: untouched lower files stay" k cat "$O/opt/keep"
check_true "oci: no whiteout file is left" bash -c "! find '$O' -name '.wh.*' | grep -q ."
check_rc "oci: a jail on it" 0 $C -q create sbxocij sbxoci
check_rc "oci: ... starts" 0 $C -q start sbxocij
check "oci: ... runs" two $C cmd sbxocij cat /etc/motd
check_rc "oci: ... destroy" 0 $C -q destroy -f sbxocij
tar -C "$T/img" -cf "$T/img.tar" .
check_rc "oci: from a tar of the layout, named after it" 0 $C -q bootstrap --oci "$T/img.tar"
check "oci: ... same result" two cat "$H/releases/img/etc/motd"
check_true "oci: ... the unpacked layout is gone" test ! -e "$H/releases/.img.oci.partial"
for t in tampered dotdot dev badwh config; do
	check_rc "oci: '$t' refused" 1 $C -q bootstrap --oci "$T/img-$t" "sbx-$t"
	check_true "oci: '$t' left no release" \
		test ! -e "$H/releases/sbx-$t" -a ! -e "$H/releases/.sbx-$t.partial"
done
check_true "oci: nothing written outside" test ! -e "$H/sbx-escape" -a ! -e "$H/releases/sbx-escape"
check_rc "oci: neither a directory nor a file" 1 $C -q bootstrap --oci /dev/null sbxnull

if command -v umoci >/dev/null; then
	U=$T/umoci
	if umoci init --layout "$U" >/dev/null 2>&1 &&
	   umoci new --image "$U:t" >/dev/null 2>&1 &&
	   umoci insert --rootless --image "$U:t" "$REL" / >/dev/null 2>&1 &&
	   umoci insert --rootless --image "$U:t" --whiteout /etc/profile >/dev/null 2>&1; then
		check_rc "oci: an image umoci made" 0 $C -q bootstrap --oci "$U" sbxumoci
		check_true "oci: ... umoci's whiteout applied" \
			test -x "$H/releases/sbxumoci/bin/busybox" -a ! -e "$H/releases/sbxumoci/etc/profile"
	else
		not_ok "oci: umoci could not make the test image"
	fi
else
	echo "# umoci not installed: hand-written layouts only"
fi

# --- debian -----------------------------------------------------------------------------
check_rc "debian: a bad suite name refused" 1 $C -q bootstrap debian "../x" sbxdeb
check_rc "debian: a bad mirror refused" 1 $C -q bootstrap --mirror 'ftp://x y' debian bookworm sbxdeb
if [ "${CELL_TEST_DEBOOTSTRAP:-0}" = 1 ]; then
	check_rc "debian: debootstrap ${CELL_TEST_DEBIAN_SUITE:-bookworm}" 0 \
		$C -q bootstrap ${CELL_TEST_DEBIAN_MIRROR:+--mirror "$CELL_TEST_DEBIAN_MIRROR"} \
		debian "${CELL_TEST_DEBIAN_SUITE:-bookworm}" sbxdeb
	check_true "debian: ... has apt" test -x "$H/releases/sbxdeb/usr/bin/apt-get"
else
	echo "# debian: skipped (CELL_TEST_DEBOOTSTRAP=1 runs debootstrap; needs a mirror)"
fi

check "no partial trees left" "" bash -c "ls -A '$H/releases' | grep partial || true"
finish
