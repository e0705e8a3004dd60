#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# capsicumize: unmodified programs read only inside -r, write only inside
# -w, run in capability mode, and denials are reported.
set -u
[ "${CAPSICUM_SANITIZED:-0}" = 1 ] && { echo "skip: LD_PRELOAD of a sanitized object"; exit 77; }
CZ=$1 MINI=${2:-}
T=$(mktemp -d /tmp/capsicumize-test-XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir "$T/in" "$T/out" "$T/secret"
echo inside > "$T/in/file"
echo secret > "$T/secret/file"
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }

# read allowed inside -r
[ "$("$CZ" -r "$T/in" -- cat "$T/in/file" 2>&1)" = inside ] && ok read_inside || bad read_inside
# read denied outside -r
if out=$("$CZ" -r "$T/in" -- cat "$T/secret/file" 2>&1); then bad read_outside; else
	case $out in *"Permission denied"*) ok read_outside ;; *) bad "read_outside: $out" ;; esac
fi
# /etc is not readable either
"$CZ" -r "$T/in" -- cat /etc/passwd >/dev/null 2>&1 && bad read_etc || ok read_etc
# write only inside -w
"$CZ" -w "$T/out" -- cp "$T/out/../in/file" "$T/out/x" >/dev/null 2>&1 && bad write_needs_read_of_source || ok write_needs_read_of_source
"$CZ" -r "$T/in" -w "$T/out" -- cp "$T/in/file" "$T/out/copy" 2>/dev/null && [ "$(cat "$T/out/copy")" = inside ] && ok write_inside || bad write_inside
"$CZ" -r "$T/in" -w "$T/out" -- cp "$T/in/file" "$T/in/copy" 2>/dev/null && bad write_in_readonly || ok write_in_readonly
# capability mode: the shell cannot exec or wait4, and says so
out=$("$CZ" -- sh -c 'ls | cat' 2>&1)
case $out in *"denied execve() in capability mode"*) ok denial_message ;; *) bad "denial_message: $out" ;; esac
case $out in *"Unknown error 134"*) ok denial_errno_ecapmode ;; *) bad "denial_errno_ecapmode: $out" ;; esac
# -v reports every denial, default only the first of each kind
n1=$("$CZ" -- sh -c 'kill -0 1; kill -0 1; true' 2>&1 | grep -c 'denied kill()')
n2=$("$CZ" -v -- sh -c 'kill -0 1; kill -0 1; true' 2>&1 | grep -c 'denied kill()')
[ "$n1" -eq 1 ] && [ "$n2" -eq 2 ] && ok log_denials || bad "log_denials ($n1, $n2)"
# -c HOST:PORT: connect only to the named TCP port
if command -v bash >/dev/null && command -v python3 >/dev/null; then
	port=$((20000 + $$ % 20000))
	python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); s.settimeout(5)
try:
    while True:
        c, _ = s.accept(); c.close()
except OSError:
    pass
' "$port" &
	srv=$!
	sleep 0.5
	conn="exec 3<>/dev/tcp/127.0.0.1/$port && echo connected"
	out=$("$CZ" -- bash -c "$conn" 2>&1)
	case $out in *"denied connect()"*) ok connect_denied ;; *) bad "connect_denied: $out" ;; esac
	[ "$("$CZ" -c "127.0.0.1:$port" -- bash -c "$conn" 2>/dev/null)" = connected ] && ok connect_named_port || bad connect_named_port
	"$CZ" -c "127.0.0.1:$((port + 1))" -- bash -c "$conn" >/dev/null 2>&1 && bad connect_other_port || ok connect_other_port
	kill "$srv" 2>/dev/null
	wait "$srv" 2>/dev/null
else
	echo "skip connect (needs bash and python3)"
fi
# a program's own cap_enter() under the runner is the strict one: no
# open() by path after it, even inside -r
if [ -n "${CAPSICUM_EXAMPLE_CAT:-}" ]; then
	out=$(CAP_EXAMPLE_PROBE=1 "$CZ" -r "$T/in" -r /etc -- "$CAPSICUM_EXAMPLE_CAT" "$T/in/file" 2>&1 >/dev/null)
	case $out in *"probe: open: Not permitted in capability mode"*) ok own_cap_enter ;;
		*) bad "own_cap_enter: $out" ;; esac
else
	echo "skip own_cap_enter"
fi
# static programs are in capability mode too
if [ -n "$MINI" ] && [ -x "$MINI" ]; then
	out=$("$CZ" -- "$MINI" 2>&1)
	case $out in capmode=1*) ok static_program ;; *) bad "static_program: $out" ;; esac
else
	echo "skip static_program"
fi
# usage
"$CZ" --help | grep -q '^usage: capsicumize' && ok help || bad help
"$CZ" >/dev/null 2>&1; [ $? -eq 2 ] && ok usage_error || bad usage_error
"$CZ" -- /nonexistent/prog >/dev/null 2>&1; [ $? -eq 127 ] && ok missing_program || bad missing_program
exit $fail
