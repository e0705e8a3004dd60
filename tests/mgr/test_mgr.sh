#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# cell(8) manager, end to end, as root, on each storage backend:
# setup -> bootstrap busybox -> create -> start -> cmd -> snapshot ->
# change a file -> rollback -> the file is back -> clone -> both run ->
# destroy -> teardown; cp/rcp symlink escapes; malicious tarballs; bad
# input that must leave nothing behind. Everything lives in one temp dir;
# the exit trap removes exactly what the test made (jails, mounts, loop
# devices), also when a check or the script fails.
set -u

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root"
	exit 77
fi

CELL_IT_TMP=cell-mgr
. "${CELL_SOURCE_DIR:-$(dirname "${BASH_SOURCE[0]}")/../..}/tests/integration/lib.sh"
CHECK_RC_OUT=first
CELL=$B/src/cell
unset CELL_HOME
HOMES=""                               # homes this test set up
ESC_ABS=/cell-mgr-escape-$$            # where a naive cp would write

# the homes, mounts and loop devices this test made, then lib.sh's cleanup
mgr_cleanup() {
	local h j
	for h in $HOMES; do
		[ -f "$h/setup.conf" ] || continue
		for j in $(CELL_HOME=$h "$CELL" -j list 2>/dev/null |
			   sed -n 's/^ *"name": "\(.*\)",$/\1/p'); do
			CELL_HOME=$h "$CELL" -q destroy -f "$j" >/dev/null 2>&1
		done
		CELL_HOME=$h "$CELL" -q setup --teardown >/dev/null 2>&1
	done
	"$JLS" >/dev/null 2>&1   # repairs what a crashed command left
	# whatever is still mounted or attached under $T, deepest first
	findmnt -rn -o TARGET | grep "^$T/" | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null; done
	for img in "$T"/*/btrfs.img; do
		[ -f "$img" ] || continue
		losetup -j "$img" -O NAME -n 2>/dev/null |
			while read -r dev; do losetup -d "$dev"; done
	done
	[ -e "$ESC_ABS" ] && rm -f "$ESC_ABS"
	cleanup
}
trap mgr_cleanup EXIT
trap "exit 1" INT TERM HUP

ms() { date +%s%N; }

# --- the full path on one backend ------------------------------------------------
run_backend() {
	local be=$1 net=$2 H=${3:-$T/$1}
	export CELL_HOME=$H
	HOMES="$HOMES $H"
	local C=$CELL
	echo "# backend $be ($H)"

	local extra=()
	[ "$be" = btrfs ] && extra=(--size 1024)
	check_rc "$be: setup" 0 $C setup -s "$be" "${extra[@]}"
	check_rc "$be: setup again is a no-op" 0 $C setup -s "$be"
	check_rc "$be: setup for another backend refused" 1 \
		$C setup -s "$( [ "$be" = dir ] && echo overlay || echo dir)"
	local D=$H
	if [ "$be" = btrfs ]; then
		D=$(sed -n 's/^pool=//p' "$H/setup.conf")
		D=${D:-$H}
		if [ "$D" = "$H" ]; then
			check "$be: home on btrfs: no image made" "" \
				bash -c "ls '$H' | grep -E 'btrfs.img|pool' || true"
		else
			check "$be: pool is a btrfs loop mount" btrfs \
				findmnt -n -o FSTYPE "$D"
			check_match "$be: loop device recorded" '^loop=/dev/loop' \
				cat "$H/setup.conf"
		fi
	fi

	check_rc "$be: bootstrap busybox" 0 $C -q bootstrap busybox
	check_true "$be: release has bin/sh" test -x "$D/releases/busybox/bin/sh"
	check_true "$be: release has etc/passwd" test -f "$D/releases/busybox/etc/passwd"
	check_rc "$be: bootstrap twice refused" 1 $C -q bootstrap busybox
	if [ "$be" = btrfs ]; then
		check_match "$be: release is a read-only subvolume" readonly \
			btrfs subvolume show "$D/releases/busybox"
	fi

	check_rc "$be: create web" 0 $C -q create -p 10 --tags front,web \
		web busybox "$net.10"
	check_true "$be: web/jail.conf written" test -f "$D/jails/web/jail.conf"
	check_match "$be: jail.conf is a jail(8) block" "path=\"?$D/jails/web/root" \
		"$B/src/jail" -f "$D/jails/web/jail.conf" -e ' '
	if [ "$be" = btrfs ]; then
		check_match "$be: thin jail is a snapshot of the release" \
			"Parent UUID:.*[0-9a-f]{8}-" \
			btrfs subvolume show "$D/jails/web/root"
	fi
	check_rc "$be: start web" 0 $C -q start web
	check_match "$be: jls sees web" "^name=web$" "$JLS" -n name
	check "$be: cmd hostname" web $C cmd web hostname
	check_rc "$be: cmd exit status passed through" 3 $C cmd web sh -c 'exit 3'
	check_rc "$be: write a file" 0 $C cmd web sh -c 'echo one > /etc/f'

	# some data, so that a copy shows in the timings and O(1) does not
	$C cmd web dd if=/dev/zero of=/var/big bs=1M count=64 2>/dev/null
	sync   # time the snapshot, not the write-back of that data
	local t0 t1
	t0=$(ms)
	check_rc "$be: snapshot web s1" 0 $C -q snapshot web s1
	t1=$(ms)
	local snap_ms=$(( (t1 - t0) / 1000000 ))
	check_rc "$be: snapshot tag clash refused" 1 $C -q snapshot web s1
	check_rc "$be: change the file" 0 $C cmd web sh -c 'echo two > /etc/f; rm /bin/ls'
	check "$be: file changed" two $C cmd web cat /etc/f
	check_rc "$be: rollback web s1 (running: stop/start)" 0 $C -q rollback web s1
	check "$be: file is back" one $C cmd web cat /etc/f
	check_rc "$be: deleted file is back" 0 $C cmd web test -e /bin/ls
	check_rc "$be: rollback to unknown tag refused" 1 $C -q rollback web nosuch

	t0=$(ms)
	check_rc "$be: clone web web2" 0 $C -q clone web web2 "$net.11"
	t1=$(ms)
	local clone_ms=$(( (t1 - t0) / 1000000 ))
	check_rc "$be: clone onto an existing name refused" 1 $C -q clone web web2
	check_rc "$be: start web2" 0 $C -q start web2
	check "$be: clone has the file" one $C cmd web2 cat /etc/f
	check "$be: clone has its own hostname" web2 $C cmd web2 hostname
	check_rc "$be: clone writes do not reach web" 0 $C cmd web2 sh -c 'echo three > /etc/f'
	check "$be: web unchanged" one $C cmd web cat /etc/f
	check "$be: both run" 2 bash -c "$C -j list | grep -c '\"state\": \"running\"'"
	check "$be: TARGET by tag" "$(printf '[web]\nweb\n[web2]\nweb2')" $C cmd front hostname
	check "$be: TARGET ALL" "$(printf '[web]\nweb\n[web2]\nweb2')" $C cmd ALL hostname
	check "$be: TARGET list" "$(printf '[web]\nweb\n[web2]\nweb2')" $C cmd web2,web hostname
	check_rc "$be: unknown TARGET" 1 $C cmd nosuch hostname
	check_rc "$be: start a running jail is a note" 0 $C -q start web
	check_rc "$be: restart web" 0 $C -q restart web
	check "$be: web runs after restart" web $C cmd web hostname
	check_match "$be: list shows the snapshot" "web@s1" $C list
	check_match "$be: list shows the release" "^busybox$" $C list

	# cp / rcp: no symlink in the jail leads outside it
	local R=$D/jails/web/root
	[ "$be" = overlay ] && R=$D/jails/web/root   # mounted while running
	echo payload >"$T/hostfile"
	echo secret >"$T/secret"
	$C cmd web sh -c "ln -s / /tmp/esc; ln -s ../.. /tmp/up; ln -s $T/secret /tmp/sec; ln -s $T/victim /tmp/lnk"
	check_rc "$be: cp host to jail" 0 $C cp web "$T/hostfile" /tmp/copied
	check "$be: cp content" payload $C cmd web cat /tmp/copied
	check_rc "$be: cp into a directory" 0 $C cp web "$T/hostfile" /root
	check "$be: cp into a directory content" payload $C cmd web cat /root/hostfile
	check_rc "$be: cp through symlink to / stays in the jail" 0 \
		$C cp web "$T/hostfile" "/tmp/esc$ESC_ABS"
	check_true "$be: nothing written at host $ESC_ABS" test ! -e "$ESC_ABS"
	check "$be: ... it landed in the jail's root" payload $C cmd web cat "$ESC_ABS"
	check_rc "$be: cp through symlink to .. stays in the jail" 0 \
		$C cp web "$T/hostfile" /tmp/up/up-escape
	check_true "$be: nothing written beside the jail root" \
		test ! -e "$D/jails/web/up-escape" -a ! -e "$D/jails/up-escape"
	check "$be: ... it landed in the jail's root" payload $C cmd web cat /up-escape
	check_rc "$be: cp onto a symlink refused" 1 $C cp web "$T/hostfile" /tmp/lnk
	check_true "$be: symlink target on the host not written" test ! -e "$T/victim"
	check_rc "$be: rcp jail to host" 0 $C rcp web /tmp/copied "$T/back"
	check "$be: rcp content" payload cat "$T/back"
	check_rc "$be: rcp through an absolute symlink to a host file refused" 1 \
		$C rcp web /tmp/sec "$T/stolen"
	check_true "$be: host secret not copied" test ! -e "$T/stolen"
	check_rc "$be: rcp of a device refused" 1 $C rcp web /dev/zero "$T/zero"

	# export / import (web runs: frozen while read)
	mkdir -p "$T/exports"
	check_rc "$be: export web" 0 $C -q export web "$T/exports/$be-${H##*/}.tar.zst"
	check_true "$be: ... with a checksum file" test -s "$T/exports/$be-${H##*/}.tar.zst.sha256"
	check_rc "$be: export onto an existing file refused" 1 $C -q export web "$T/exports/$be-${H##*/}.tar.zst"
	check_rc "$be: import as webimp" 0 $C -q import "$T/exports/$be-${H##*/}.tar.zst" webimp
	check_rc "$be: import onto an existing name refused" 1 $C -q import "$T/exports/$be-${H##*/}.tar.zst" webimp
	check_rc "$be: imported jail starts" 0 $C -q start webimp
	check "$be: imported jail has web's files" "webimp one" \
		$C cmd webimp sh -c 'echo $(hostname) $(cat /etc/f)'
	check_rc "$be: destroy webimp" 0 $C -q destroy -f webimp

	# snapshots and destroy
	check_rc "$be: snapshot s2" 0 $C -q snapshot web s2
	check_rc "$be: snapshot -d s2" 0 $C -q snapshot -d web s2
	check_true "$be: ... s2 gone" test ! -e "$D/snapshots/web/s2"
	check_rc "$be: a release in use cannot be destroyed" 1 $C -q destroy -r busybox
	check_rc "$be: destroy a running jail refused" 1 $C -q destroy web
	check "$be: ... still running" web $C cmd web hostname
	check_rc "$be: destroy -f web" 0 $C -q destroy -f web
	check "$be: jexec(8) reaches a manager jail" web2 "$B/src/jexec" web2 hostname
	check_rc "$be: stop web2" 0 $C -q stop web2
	check_rc "$be: rename web2 web3" 0 $C -q rename web2 web3
	check_rc "$be: renamed jail starts" 0 $C -q start web3
	check "$be: ... with its new name and old files" "web3 three" \
		$C cmd web3 sh -c 'echo $(hostname) $(cat /etc/f)'
	check_rc "$be: rename a running jail refused" 1 $C -q rename web3 web2
	check_rc "$be: stop web3" 0 $C -q stop web3
	check_rc "$be: rename back" 0 $C -q rename web3 web2
	check_rc "$be: stop a stopped jail is a note" 0 $C -q stop web2
	check_rc "$be: destroy web2" 0 $C -q destroy web2
	check "$be: no jails left" "" ls -A "$D/jails"
	check "$be: no snapshots left" "" ls -A "$D/snapshots"
	check "$be: no jail mounts left" "" bash -c "findmnt -rn -o TARGET | grep '^$D/jails' || true"
	if [ "$be" = btrfs ]; then
		check "$be: only the release subvolume left" "1 releases/busybox" \
			bash -c "btrfs subvolume list '$D' | awk '{n++; s=\$NF} END {sub(/.*releases\//, \"releases/\", s); print n, s}'"
	fi
	check "$be: no records left" "" bash -c "grep -lE '^name=web2?\$' '$CELL_RUN_DIR'/jails/* 2>/dev/null || true"

	# bad input leaves nothing
	check_rc "$be: unknown release" 1 $C -q create a nosuch
	check_true "$be: ... no jail dir" test ! -e "$D/jails/a"
	check_rc "$be: bad address" 1 $C -q create a busybox 300.1.2.3
	check_true "$be: ... no jail dir" test ! -e "$D/jails/a"
	check_rc "$be: jail.conf injection through the address refused" 1 \
		$C -q create a busybox "1.2.3.4\"; exec.prestart = \"touch $T/injected"
	check_true "$be: ... nothing ran, nothing left" test ! -e "$T/injected" -a ! -e "$D/jails/a"
	check_rc "$be: bad name" 1 $C -q create ../a busybox
	check_rc "$be: create a" 0 $C -q create a busybox
	check_rc "$be: name clash" 1 $C -q create a busybox
	check_true "$be: ... first jail intact" test -f "$D/jails/a/jail.conf"
	check "$be: only a exists" a ls "$D/jails"
	check_rc "$be: thick jail" 0 $C -q create -T b busybox
	check_rc "$be: thick jail starts" 0 $C -q start b
	check "$be: thick jail runs" b $C cmd b hostname
	check_rc "$be: thick snapshot" 0 $C -q snapshot b
	check_rc "$be: thick rollback to newest" 0 $C -q rollback b
	check_rc "$be: --no-boot jail" 0 $C -q create --no-boot -p 5 nb busybox
	check_rc "$be: stop b" 0 $C -q stop b
	check_rc "$be: boot starts the boot jails" 0 $C -q boot
	check "$be: ... a and b run, nb does not" "a running
b running
nb stopped" bash -c "$C list | awk 'NR>1 && NF>3 {print \$1, \$2}'"
	if [ "$be" = dir ]; then
		check_rc "limits: add memory on a running jail" 0 $C limits a add memory 32M
		check_rc "limits: add pids" 0 $C limits a add maxproc 10
		check_rc "limits: unknown resource" 1 $C limits a add bogus 1
		check_rc "limits: bad value" 1 $C limits a add memory lots
		check_match "limits: show with the kernel's value and usage" \
			"memory 32M \(kernel: 33554432, usage: [0-9]+\)" $C limits a show
		check_match "limits: a fork bomb hits the process cap" "can't fork" \
			$C cmd a sh -c 'for i in $(seq 30); do sleep 2 & done; wait'
		# the OOM killer may take the jail's init too: restart after
		check_rc "limits: a memory hog is stopped" 137 $C cmd a sh -c \
			'x=$(head -c 100000000 /dev/zero | tr "\0" a); echo ${#x}'
		check_rc "limits: kept over a restart" 0 $C -q restart a
		check_match "limits: ... set again at start" "pids 10 \(kernel: 10" $C limits a show
		check_rc "limits: remove pids" 0 $C limits a remove pids
		check_match "limits: ... lifted in the kernel" "^max$" \
			bash -c "cat /sys/fs/cgroup/pids/cell/a/pids.max 2>/dev/null || cat /sys/fs/cgroup/cell/a/pids.max"
		check_rc "limits: remove what is not set" 1 $C limits a remove pids
		check_rc "limits: clear" 0 $C limits a clear
		check "limits: none left" "" $C limits a show
	fi
	check_rc "$be: destroy nb" 0 $C -q destroy nb
	check_rc "$be: destroy b" 0 $C -q destroy -f b
	check_rc "$be: destroy a" 0 $C -q destroy -f a
	check_rc "$be: destroy unknown" 1 $C -q destroy a

	# what a killed bootstrap leaves is cleaned by the next one
	mkdir -p "$D/releases/.bb2.partial/bin" && touch "$D/releases/.bb2.partial/bin/half"
	check_rc "$be: bootstrap a second release" 0 $C -q bootstrap busybox bb2
	check_true "$be: ... a killed bootstrap's leftovers are gone" test ! -e "$D/releases/.bb2.partial"
	check_true "$be: ... not in the new release" test ! -e "$D/releases/bb2/bin/half"
	check_true "$be: list -j is JSON" bash -c "$C -j list | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"releases\"]==[\"bb2\",\"busybox\"]'"
	check_rc "$be: destroy -r an unused release" 0 $C -q destroy -r bb2
	check_true "$be: ... gone" test ! -e "$D/releases/bb2"
	echo "# timing ($be, jail with 64 MiB of data): snapshot ${snap_ms} ms, clone ${clone_ms} ms (cell process included)"
	check_rc "$be: teardown" 0 $C -q setup --teardown
	check_true "$be: home removed" test ! -e "$H"
	if [ "$be" = btrfs ] && [ "$D" != "$H" ]; then
		check "$be: loop device detached" "" bash -c "losetup -j '$H/btrfs.img'"
	fi
	unset CELL_HOME
}

# --- tarballs ------------------------------------------------------------------------
run_tar() {
	local H=$T/tar
	HOMES="$HOMES $H"
	local C="$CELL -d $H"    # the home by -d this time
	echo "# tar import"
	$C -q setup -s dir
	$C -q bootstrap busybox
	mkdir -p "$T/outside"
	tar -C "$H/releases/busybox" -cf "$T/good.tar" .
	python3 - "$T" <<'PY'
import io, sys, tarfile
T = sys.argv[1]
def mk(name, entries):
    with tarfile.open(f"{T}/{name}.tar", "w") as t:
        for kind, path, *rest in entries:
            ti = tarfile.TarInfo(path)
            if kind == 'f':
                data = b"pwned\n"; ti.size = len(data)
                t.addfile(ti, io.BytesIO(data)); continue
            if kind == 'd': ti.type = tarfile.DIRTYPE; ti.mode = 0o755
            if kind == 'l': ti.type = tarfile.SYMTYPE; ti.linkname = rest[0]
            if kind == 'h': ti.type = tarfile.LNKTYPE; ti.linkname = rest[0]
            if kind == 'c': ti.type = tarfile.CHRTYPE; ti.devmajor, ti.devminor = 1, 1
            if kind == 'b': ti.type = tarfile.BLKTYPE; ti.devmajor, ti.devminor = 7, 0
            t.addfile(ti)
up = "../" * 12
mk("abs", [('d', 'bin'), ('f', f"{T}/outside/abs")])
mk("dotdot", [('d', 'bin'), ('f', f"{up}{T[1:]}/outside/dotdot")])
mk("dotdot-mid", [('d', 'bin'), ('f', f"bin/../../outside-mid")])
mk("symabs", [('l', 'lnk', f"{T}/outside"), ('f', 'lnk/symabs')])
mk("symrel", [('d', 'a'), ('l', 'a/lnk', f"{up}{T[1:]}/outside"),
              ('f', 'a/lnk/symrel')])
mk("symdir", [('l', 'etc', f"{T}/outside"), ('d', 'etc/sub')])
mk("chr", [('d', 'dev'), ('c', 'dev/mem')])
mk("blk", [('d', 'dev'), ('b', 'dev/loop0')])
mk("hard", [('h', 'pw', f"{up}etc/passwd")])
mk("empty", [('d', 'bin')])
PY
	check_rc "tar: import a good rootfs" 0 $C -q bootstrap --tar "$T/good.tar" imported
	check_rc "tar: a jail from it runs" 0 $C -q create t1 imported
	check_rc "tar: start it" 0 $C -q start t1
	check "tar: runs" t1 $C cmd t1 hostname
	check_rc "tar: destroy" 0 $C -q destroy -f t1
	local t
	for t in abs dotdot dotdot-mid symabs symrel symdir chr blk hard; do
		check_rc "tar: malicious '$t' refused" 1 $C -q bootstrap --tar "$T/$t.tar" "m-$t"
		check_true "tar: '$t' left no release" test ! -e "$H/releases/m-$t" -a ! -e "$H/releases/.m-$t.partial"
	done
	check "tar: nothing written outside" "" ls -A "$T/outside"
	check_true "tar: nothing beside the releases" test ! -e "$H/outside-mid" -a ! -e "$H/releases/outside-mid"
	check_rc "tar: an archive without bin/sh fails verification" 1 \
		$C -q bootstrap --tar "$T/empty.tar" m-empty
	check_true "tar: ... and leaves nothing" test ! -e "$H/releases/m-empty" -a ! -e "$H/releases/.m-empty.partial"
	check_rc "tar: missing file" 1 $C -q bootstrap --tar "$T/nosuch.tar" m-none
	# import: an archive from another backend, tampered ones, malicious ones
	if [ -f "$T/exports/btrfs-btrfs.tar.zst" ]; then
		check_rc "import: a btrfs export on the dir backend" 0 \
			$C -q import "$T/exports/btrfs-btrfs.tar.zst" fromb
		check_rc "import: ... starts" 0 $C -q start fromb
		check "import: ... runs with its files" one $C cmd fromb cat /etc/f
		check_rc "import: ... destroy" 0 $C -q destroy -f fromb
		cp "$T/exports/btrfs-btrfs.tar.zst" "$T/tampered.tar.zst"
		cp "$T/exports/btrfs-btrfs.tar.zst.sha256" "$T/tampered.tar.zst.sha256"
		printf 'X' | dd of="$T/tampered.tar.zst" bs=1 seek=4000 conv=notrunc 2>/dev/null
		check_rc "import: a tampered archive refused" 1 $C -q import "$T/tampered.tar.zst" tam
		cp "$T/exports/btrfs-btrfs.tar.zst" "$T/nosum.tar.zst"
		check_rc "import: an archive without its checksum refused" 1 $C -q import "$T/nosum.tar.zst" nos
		check "import: nothing left of them" "" ls -A "$H/jails"
	else
		not_ok "import: no btrfs export to import"
	fi
	python3 - "$T" <<'PY'
import io, sys, tarfile, hashlib
T = sys.argv[1]
meta = b"format=1\nname=evil\nrelease=busybox\ntype=thick\n"
def mk(name, entries):
    path = f"{T}/{name}.tar"
    with tarfile.open(path, "w") as t:
        ti = tarfile.TarInfo("cell-export.conf"); ti.size = len(meta)
        t.addfile(ti, io.BytesIO(meta))
        for kind, p, *rest in entries:
            ti = tarfile.TarInfo(p)
            if kind == 'f':
                d = b"pwned\n"; ti.size = len(d); t.addfile(ti, io.BytesIO(d)); continue
            if kind == 'd': ti.type = tarfile.DIRTYPE; ti.mode = 0o755
            if kind == 'l': ti.type = tarfile.SYMTYPE; ti.linkname = rest[0]
            if kind == 'c': ti.type = tarfile.CHRTYPE; ti.devmajor, ti.devminor = 1, 1
            t.addfile(ti)
    h = hashlib.sha256(open(path, "rb").read()).hexdigest()
    open(path + ".sha256", "w").write(f"{h}  {name}.tar\n")
mk("imp-dotdot", [('d', 'root/'), ('f', 'root/../../outside/imp-dotdot')])
mk("imp-outside-root", [('d', 'root/'), ('f', 'etc-outside')])
mk("imp-symlink", [('d', 'root/'), ('l', 'root/lnk', f"{T}/outside"), ('f', 'root/lnk/imp-sym')])
mk("imp-dev", [('d', 'root/'), ('c', 'root/mem')])
mk("imp-abs", [('d', 'root/'), ('f', f"{T}/outside/imp-abs")])
PY
	for t in imp-dotdot imp-outside-root imp-symlink imp-dev imp-abs; do
		check_rc "import: malicious '$t' refused" 1 $C -q import "$T/$t.tar" evil
		check_true "import: '$t' left no jail" test ! -e "$H/jails/evil"
	done
	check "import: nothing written outside" "" ls -A "$T/outside"
	check_true "import: nothing beside the jails" test ! -e "$H/etc-outside" -a ! -e "$H/jails/etc-outside"
	check "tar: only the good releases" "$(printf 'busybox\nimported')" ls "$H/releases"
	check_rc "tar: teardown" 0 $C -q setup --teardown
}

# --- vnet jails (-B), in a stand-in host netns ------------------------------------------
run_vnet() {
	local H=$T/vnet
	HOMES="$HOMES $H"
	local C="$CELL -d $H"
	echo "# vnet (in a fresh network namespace)"
	if [ "$(readlink /proc/self/ns/net)" = "${CELL_MGR_HOST_NETNS:-}" ]; then
		not_ok "vnet: still in the host's network namespace; refusing"
		return
	fi
	ip link set lo up
	$C -q setup -s dir && $C -q bootstrap busybox
	check_rc "vnet: --nat without a bridge refused" 1 $C -q create --nat v0 busybox
	check_rc "vnet: create -B" 0 $C -q create -B cellmgr0 v1 busybox 10.77.0.2/24
	check_rc "vnet: create -B (second)" 0 $C -q create -B cellmgr0 v2 busybox 10.77.0.3/24
	check_match "vnet: jail.conf has vnet on the bridge" 'vnet.bridge = "cellmgr0"' \
		cat "$H/jails/v1/jail.conf"
	check_rc "vnet: start both" 0 $C -q start v1,v2
	check_match "vnet: the address is inside the jail" "inet 10\.77\.0\.2/24" $C cmd v1 ip -4 -o addr
	check "vnet: both host ends on the bridge" 2 bash -c "ip -o link show master cellmgr0 | wc -l"
	$C cmd v2 sh -c 'echo pong | nc -l -p 8080 >/dev/null &'
	sleep 0.3
	check "vnet: TCP from one jail to the other" pong $C cmd v1 sh -c 'echo x | nc -w 2 10.77.0.3 8080'
	check_rc "vnet: clone keeps the bridge" 0 $C -q clone v1 v3 10.77.0.4/24
	check_rc "vnet: clone starts" 0 $C -q start v3
	check_match "vnet: clone has its address" "inet 10\.77\.0\.4/24" $C cmd v3 ip -4 -o addr
	check_rc "vnet: destroy all" 0 bash -c "$C -q destroy -f v1 && $C -q destroy -f v2 && $C -q destroy -f v3"
	check "vnet: no links left" "lo" bash -c "ip -o link | awk -F': ' '{print \$2}'"
	$C -q setup --teardown
}

if [ "${1:-}" = --vnet ]; then
	run_vnet
	finish
	exit
fi

# --- usage -----------------------------------------------------------------------------
check_rc "usage: no arguments" 2 "$CELL"
check_rc "usage: unknown subcommand" 2 "$CELL" bogus
check_rc "usage: create without a release" 2 "$CELL" create onlyname
check_rc "usage: --help" 0 "$CELL" --help
check_match "usage: subcommand --help" "usage: cell create" "$CELL" create --help
check_rc "not set up: a clear error" 1 env CELL_HOME="$T/none" "$CELL" list
check_true "not set up: nothing made" test ! -e "$T/none"

run_backend dir 198.51.100
run_backend btrfs 198.51.100
# a home that is already on btrfs (an image this test makes and mounts)
mkdir -p "$T/native/mnt"
truncate -s 1G "$T/native/btrfs.img"
if mkfs.btrfs -q -f "$T/native/btrfs.img" >/dev/null 2>&1 &&
   NATIVE_LOOP=$(losetup --show -f "$T/native/btrfs.img") &&
   mount "$NATIVE_LOOP" "$T/native/mnt"; then
	run_backend btrfs 198.51.100 "$T/native/mnt/home"
	umount "$T/native/mnt" && losetup -d "$NATIVE_LOOP"
else
	not_ok "btrfs: the test's own btrfs image"
fi
if grep -qw overlay /proc/filesystems; then
	run_backend overlay 198.51.100
fi
run_tar
# vnet: the same script, re-run in a fresh network namespace
if command -v unshare >/dev/null; then
	CELL_MGR_HOST_NETNS=$(readlink /proc/self/ns/net) \
		unshare -n bash "${BASH_SOURCE[0]}" --vnet >"$T/vnet.out" 2>&1
	cat "$T/vnet.out"
	CHECKS=$((CHECKS + $(grep -c '^ok - \|^not ok - ' "$T/vnet.out")))
	FAILS=$((FAILS + $(grep -c '^not ok - ' "$T/vnet.out")))
	grep -q '^# [0-9]* checks, 0 failed' "$T/vnet.out" ||
		not_ok "vnet: the vnet part did not finish"
fi

finish
