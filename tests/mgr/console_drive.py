#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# Drive `cell console` on a real pseudo-terminal, as a user at a terminal
# would: console_drive.py STATEDIR CELL ARGS...
# The terminal starts at 33x101. The wrapper shell records `stty -g`
# before and after the console (STATEDIR/before, /after), so the test can
# see that raw mode was undone. Prints "RESULT key value" lines.
import fcntl, os, pty, re, select, signal, struct, sys, termios, time

state, cmd = sys.argv[1], sys.argv[2:]
q = lambda s: "'" + s.replace("'", "'\\''") + "'"
wrapper = ("stty -g > %s/before; %s; rc=$?; stty -g > %s/after; exit $rc"
           % (state, " ".join(q(a) for a in cmd), state))

pid, fd = pty.fork()
if pid == 0:
    os.execv("/bin/sh", ["sh", "-c", wrapper])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 101, 0, 0))

buf = b""
def read_until(pat, t=10):
    """wait for regex pat in what the terminal showed since the mark"""
    global buf
    end = time.time() + t
    while time.time() < end:
        m = re.search(pat, buf)
        if m:
            return m
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                d = os.read(fd, 4096)
            except OSError:
                return None
            if not d:
                return None
            buf += d
    return re.search(pat, buf)

def ask(line, pat, t=10):
    global buf
    buf = b""
    os.write(fd, line.encode() + b"\r")
    m = read_until(pat, t)
    return m.group(1).decode() if m and m.groups() else (m and m.group(0).decode())

def wait_wrapper(t):
    """the wrapper shell's wait status, reading the terminal meanwhile;
    killed after t seconds"""
    end = time.time() + t
    while time.time() < end:
        p, st = os.waitpid(pid, os.WNOHANG)
        if p:
            return st
        try:
            os.read(fd, 65536)
        except OSError:
            pass
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    return os.waitpid(pid, 0)[1]

def result(key, val):
    print("RESULT %s %s" % (key, val if val is not None else "-"), flush=True)

read_until(rb"[#$] ", 10)
if os.environ.get("CONSOLE_FLOOD"):
    # the jail's program stops reading its terminal, the user types on
    # (the pty discards what does not fit): cell still serves SIGTERM
    # and restores the terminal at once
    os.write(fd, b"exec sleep 30\r")
    time.sleep(0.5)
    fl = fcntl.fcntl(fd, fcntl.F_GETFL)
    fcntl.fcntl(fd, fcntl.F_SETFL, fl | os.O_NONBLOCK)
    sent, end = 0, time.time() + 3
    while sent < 256 * 1024 and time.time() < end:
        try:
            sent += os.write(fd, b"x" * 4096)
        except BlockingIOError:
            try:
                os.read(fd, 65536)
            except OSError:
                pass
            time.sleep(0.01)
    result("flood_sent_kib", sent // 1024 >= 64 and "64+" or sent // 1024)
    t0 = time.time()
    os.killpg(os.getpgid(pid), signal.SIGTERM)
    wait_wrapper(15)
    result("flood_term_secs", "%.0f" % (time.time() - t0))
    sys.exit(0)
result("echo", ask("echo MARK$((1+2))", rb"(MARK\d)\r?\n"))
result("tty", ask("tty", rb"(/dev/\S+)\r?\n"))
result("size", ask("stty size", rb"\n(\d+ \d+)\r?\n"))
# the user's window changes: cell gets SIGWINCH from the terminal
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
os.kill(pid, signal.SIGWINCH)  # to the wrapper's group (cell too)
os.killpg(os.getpgid(pid), signal.SIGWINCH)
time.sleep(0.3)
result("resized", ask("stty size", rb"\n(\d+ \d+)\r?\n"))
result("id", ask("id -u", rb"\n(\d+)\r?\n"))
# ^C from the keyboard interrupts the jail's foreground process
buf = b""
os.write(fd, b"sleep 30; echo SLEPT\r")
time.sleep(0.5)
t0 = time.time()
os.write(fd, b"\x03")
read_until(rb"NEVER", 0.5)
before_next = buf
m = ask("echo AFTER$((2+2))", rb"(AFTER4)", 10)
result("interrupt", "%s %.0f" % (m, time.time() - t0) if m else None)
result("slept", "yes" if re.search(rb"\nSLEPT", before_next + buf)
       else "no")
os.write(fd, b"exit 7\r")
read_until(rb"NEVER", 0.1)
result("exit", os.waitstatus_to_exitcode(wait_wrapper(10)))
