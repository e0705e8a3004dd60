#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The main job, end to end: a tiny busybox release, a persistent jail on it,
# a command run in it with jexec, and jls.
set -eu
cd "$(dirname "$0")/.."
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
JAIL=build/src/jail JLS=build/src/jls JEXEC=build/src/jexec

REL=/var/lib/cell/releases/busybox
if [ ! -x "$REL/bin/busybox" ]; then
	echo "bootstrapping the busybox release in $REL"
	mkdir -p "$REL"/bin "$REL"/etc "$REL"/proc "$REL"/dev "$REL"/sys \
		"$REL"/tmp "$REL"/root
	cp /bin/busybox "$REL"/bin/busybox
	for a in $("$REL"/bin/busybox --list); do
		[ "$a" = busybox ] || ln -sf busybox "$REL/bin/$a"
	done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$REL"/etc/passwd
	echo 'root:x:0:' >"$REL"/etc/group
	chmod 1777 "$REL"/tmp
fi
"$JAIL" -r demo >/dev/null 2>&1 || true
"$JAIL" -c name=demo path="$REL" host.hostname=demo.cell ip4.addr=192.0.2.1 persist
echo "--- jexec demo sh -c 'hostname; id; ps'"
"$JEXEC" demo sh -c 'hostname; id; ps'
echo "--- jls"
"$JLS"
echo "--- (remove it with: $JAIL -r demo)"
