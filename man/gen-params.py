#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Generate cell-params(7) from the parameter table in lib/param.c.

    man/gen-params.py [SOURCE_DIR] > man/cell-params.7
    man/gen-params.py --check [SOURCE_DIR]   # exit 1 if the page is stale

The table is read, not copied: the row macros (INTP, STRP, ALLOW, ...) are
expanded from their #define lines, so a new row or a new macro needs no
change here. For every row the script also looks for code that reads the
row's struct cell_jail field outside lib/param.c (which only stores and
prints values) and outside jls/state (which only show them). A field that
nothing reads is marked "no effect in this version". Subdirectories of lib/
(net, cgroup, conf) count only when the core calls one of their functions,
because a library nobody calls has no effect on a jail.

NOTES below are hand-written remarks on what a parameter does on Linux where
the code alone does not say it; the script warns on stderr when a note names
a parameter the table no longer has.
"""
import os
import re
import sys
import textwrap

# Remarks checked against lib/policy.c, lib/enter.c, lib/lifecycle.c.
NOTES = {
    "host": "new: own UTS namespace with host.hostname and "
            "host.domainname set in it; inherit: the host's UTS namespace; "
            "disable: an own UTS namespace that keeps a copy of the host's "
            "names (host.hostname is not applied).",
    "host.hostname": "at most 64 bytes of letters, digits, '-', '.' "
                     "and '_'; set in the jail's UTS namespace at creation; jail -m "
                     "sets it from the host side (setns into the UTS "
                     "namespace).",
    "host.domainname": "as host.hostname.",
    "vnet": "own network namespace; at creation lo is set up and "
            "vnet.interface, vnet.bridge, the addresses, vnet.nat, vnet.rdr "
            "and vnet.firewall are applied from the host side. CAP_NET_ADMIN "
            "over it only with cell.uidmap or cell.vnet_admin.",
    "cell.vnet_admin": "gives a vnet jail without a user namespace of its "
                       "own CAP_NET_ADMIN. It is held in the host's user "
                       "namespace, so the jail's root can also act on the "
                       "host's stack, naming it by the network namespace id "
                       "its own stack has for it (delete or tap the host's "
                       "interfaces): for jails trusted with the host's "
                       "network.",
    "ip4": "without vnet: inherit leaves the host's stack unrestricted; new "
           "with ip4.addr restricts bind, connect and sendmsg to the "
           "addresses, and drops every IPv4 packet a socket of the jail "
           "sends from, or receives at, another address (cgroup BPF hooks "
           "and packet filters, cgroup v2 only); new without addresses, or "
           "disable, refuses IPv4 sockets and packets.",
    "ip6": "as ip4.",
    "ip4.addr": "without vnet: added as aliases on the if| interface or on "
                "interface (an address with neither must exist already) and "
                "enforced by the BPF hooks; with vnet: put on the epair's "
                "jail end or the first vnet.interface. Setting it makes "
                "ip4=new unless ip4 was given, and ip6=new with no "
                "addresses (IPv6 sockets refused without vnet) unless ip6 "
                "was given or has addresses.",
    "ip6.addr": "as ip4.addr.",
    "sysvmsg": "disable: the calls are refused by seccomp; new: allowed in "
               "the jail's own IPC namespace; inherit: only when sysvmsg, "
               "sysvsem and sysvshm are all inherit does the jail share "
               "the host's IPC namespace.",
    "sysvsem": "as sysvmsg.",
    "sysvshm": "as sysvmsg.",
    "enforce_statfs": "only gates allow.mount (mounting needs a value "
                      "below 2); mount visibility is not filtered.",
    "securelevel": "only gates allow.chflags (below 1) and allow.adjtime / "
                   "allow.settime (below 2); may only be raised with -m, "
                   "and a raised level applies to processes started "
                   "afterwards.",
    "devfs_ruleset": "1 to 5 (see jail(8) DEVICES); 0 and other values "
                     "are refused. The jail's device cgroup allows the "
                     "same nodes (and the pty devices with devpts), "
                     "nothing else.",
    "children.max": "how many child jails (NAME.CHILD, path inside this "
                    "jail's) jail(8) may create in this jail, from the "
                    "host; the jail's own processes never get unshare(2), "
                    "setns(2) or namespace flags on clone(2).",
    "children.cur": "always reported as 0.",
    "persist": "with -m, signals the jail's init (SIGUSR2 set, SIGUSR1 "
               "clear); init acts only on those whose si_pid is 0 (sent from "
               "outside its pid namespace), so a kill(2) from inside the "
               "jail is ignored; a parent jail's processes, and a signal "
               "queued with a forged si_pid (rt_sigqueueinfo(2)), still "
               "change it (see jail(8) BUGS).",
    "allow.set_hostname": "sethostname(2)/setdomainname(2) become seccomp user "
                          "notifications that the host-side helper which "
                          "started the process (jexec, command, exec.start) "
                          "carries out in the jail's UTS namespace while "
                          "that process runs, for callers with effective "
                          "uid 0 only, and only with host=new. jail -m "
                          "host.hostname= works from the host; jls shows "
                          "the configured name, not one set inside.",
    "allow.sysvipc": "sets sysvmsg, sysvsem and sysvshm to inherit (true) "
                     "or disable (false) when given.",
    "allow.raw_sockets": "CAP_NET_RAW, raw inet and packet sockets. "
                         "Without vnet these are on the host's network "
                         "stack.",
    "allow.chflags": "CAP_LINUX_IMMUTABLE while securelevel < 1.",
    "allow.mount": "grants the mount system calls only (and only while "
                   "enforce_statfs < 2); without CAP_SYS_ADMIN, which cell "
                   "never grants, mounts still fail.",
    "allow.socket_af": "every socket family except AF_PACKET.",
    "allow.mlock": "CAP_IPC_LOCK and the mlock calls.",
    "allow.read_msgbuf": "CAP_SYSLOG and syslog(2): the host's kernel log.",
    "allow.reserved_ports": "CAP_NET_BIND_SERVICE.",
    "allow.unprivileged_proc_debug": "ptrace(2), process_vm_readv/writev, "
                                     "kcmp, pidfd_getfd; no "
                                     "CAP_SYS_PTRACE.",
    "allow.suser": "no row in the policy table: root in a jail always "
                   "keeps the jail's capabilities.",
    "allow.extattr": "no row in the policy table: trusted.* attributes "
                     "need CAP_SYS_ADMIN, never granted.",
    "allow.adjtime": "CAP_SYS_TIME, adjtimex/clock_adjtime, while "
                     "securelevel < 2: the host's clock.",
    "allow.settime": "CAP_SYS_TIME and the clock setting calls (implies "
                     "allow.adjtime) while securelevel < 2: the host's "
                     "clock.",
    "allow.quotas": "quotactl(2) only; setting quotas needs CAP_SYS_ADMIN.",
    "allow.setaudit": "CAP_AUDIT_CONTROL; the audit netlink socket still "
                      "needs allow.socket_af.",
    "allow.vmm": "adds /dev/kvm to the jail's /dev.",
    "exec.jail_user": "user of exec.start, exec.stop and command; looked up in "
                      "the jail's /etc/passwd (and /etc/group), which must be "
                      "regular files of at most 1 MiB, not symlinks, or in "
                      "the host's when exec.system_jail_user is set.",
    "exec.clean": "clean environment for the commands in the jail (PATH, "
                  "HOME, SHELL, USER, LOGNAME, TERM) and for the host-side "
                  "ones (PATH, HOME, SHELL, USER, TERM, no JID/JNAME/JPATH).",
    "exec.start": "run by jail(8) inside the jail with /bin/sh -c, after "
                  "exec.created and before command.",
    "stop.timeout": "seconds jail -r waits after SIGTERM before it kills "
                    "the jail's init.",
    "exec.prepare": "host commands (/bin/sh -c, as root or exec.system_user, "
                    "with JID, JNAME, JPATH) run by jail(8); the order and "
                    "the undo on failure are in jail(8) CREATING A JAIL.",
    "exec.timeout": "kills a host command's process group, or the process "
                    "waiting for a command in the jail, and fails it.",
    "mount": "fstab(5) lines (\\040 escapes decoded) that the jail's "
             "init mounts before /proc and /dev (the mount point must lie "
             "below path and is resolved beneath the jail root with no "
             "symlink followed). Only the line's options apply: the "
             "jail's tree is nodev, a mount from these lines is not "
             "unless it says so.",
    "mount.fstab": "files of such lines, as mount.",
    "depend": "jail(8) starts the named configured jails first and stops "
              "them after; a cycle is an error.",
    "mount.fdescfs": "no effect: /dev/fd comes with devfs_ruleset 3 to 5.",
    "env": "KEY is letters, digits, '_', '-' and '.'; added to the environment of every process started in the "
           "jail.",
    "meta": "KEY as for env; kept with the jail and shown by jls; by design no effect.",
}

# Fields read by these files do not count as "having an effect".
DISPLAY_ONLY = {"src/jls.c", "lib/state.c", "lib/param.c"}


def read(src, rel):
    with open(os.path.join(src, rel), encoding="utf-8") as f:
        return f.read()


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


TOKEN = re.compile(r'"(?:\\.|[^"\\])*"|[A-Za-z_][A-Za-z0-9_]*|-?\d+|\S')


def tokens(text):
    return TOKEN.findall(text)


def split_args(toks):
    """Split a token list at top-level commas."""
    out, cur, depth = [], [], 0
    for t in toks:
        if t in "({[":
            depth += 1
        elif t in ")}]":
            depth -= 1
        if t == "," and depth == 0:
            out.append(cur)
            cur = []
        else:
            cur.append(t)
    if cur or out:
        out.append(cur)
    return out


def macros(text):
    """Function-like #define macros: name -> (params, body tokens)."""
    out = {}
    joined = text.replace("\\\n", " ")
    for m in re.finditer(r"^#define\s+(\w+)\(([^)]*)\)\s*(.*)$", joined,
                         re.M):
        params = [p.strip() for p in m.group(2).split(",") if p.strip()]
        out[m.group(1)] = (params, tokens(m.group(3)))
    return out


def expand(toks, defs, depth=0):
    if depth > 20:
        raise SystemExit("gen-params: macro expansion too deep")
    out, i = [], 0
    while i < len(toks):
        t = toks[i]
        if t in defs and i + 1 < len(toks) and toks[i + 1] == "(":
            depth_p, j = 0, i + 1
            while True:
                if toks[j] == "(":
                    depth_p += 1
                elif toks[j] == ")":
                    depth_p -= 1
                    if depth_p == 0:
                        break
                j += 1
            args = split_args(toks[i + 2:j])
            params, body = defs[t]
            if len(args) != len(params):
                raise SystemExit(f"gen-params: {t}: {len(args)} arguments, "
                                 f"{len(params)} expected")
            sub = dict(zip(params, args))
            new = []
            for b in body:
                new.extend(sub.get(b, [b]))
            out.extend(expand(new, defs, depth + 1))
            i = j + 1
        else:
            out.append(t)
            i += 1
    return out


def cstring(toks):
    """Adjacent string literals -> their value."""
    s = ""
    for t in toks:
        if not t.startswith('"'):
            raise ValueError(f"not a string: {toks}")
        s += bytes(t[1:-1], "utf-8").decode("unicode_escape")
    return s


def object_defines(src):
    """#define NAME NUMBER from the headers, for limits and sizes."""
    vals = {}
    for rel in ("lib/jail.h", "lib/error.h"):
        for m in re.finditer(r"^#define\s+(\w+)\s+(-?\d+)", read(src, rel),
                             re.M):
            vals[m.group(1)] = int(m.group(2))
    return vals


def number(toks, defs):
    v = 0
    sign = 1
    for t in toks:
        if t == "-":
            sign = -1
        elif re.fullmatch(r"-?\d+", t):
            v = int(t)
        elif t in defs:
            v = defs[t]
    return sign * v


def string_sizes(src, defs):
    """char field[N] in struct cell_jail -> N."""
    body = read(src, "lib/jail.h").split("struct cell_jail {", 1)[1]
    body = body.split("};", 1)[0]
    sizes = {}
    for m in re.finditer(r"char\s+(\w+)\[(\w+)\]", body):
        n = m.group(2)
        sizes[m.group(1)] = int(n) if n.isdigit() else defs.get(n, 0)
    return sizes


def table(src):
    text = strip_comments(read(src, "lib/param.c"))
    defs = macros(text)
    start = text.index("cell_params[] = {")
    body = text[start + len("cell_params[] = {"):]
    depth, end = 1, 0
    for end, ch in enumerate(body):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                break
    rows = []
    for entry in split_args(expand(tokens(body[:end]), defs)):
        if not entry:
            continue
        if entry[0] != "{" or entry[-1] != "}":
            raise SystemExit(f"gen-params: unexpected row {' '.join(entry)}")
        f = split_args(entry[1:-1])
        if len(f) != 9:
            raise SystemExit(f"gen-params: row with {len(f)} fields: "
                             f"{' '.join(entry)}")
        off = f[2]
        field = None
        if "offsetof" in off:
            # offsetof ( struct cell_jail , FIELD )
            field = "".join(off[off.index(",") + 1:-1])
        rows.append({
            "name": cstring(f[0]),
            "type": f[1][0],
            "field": field,
            "min": f[4], "max": f[5],
            "def": cstring(f[6]),
            "flags": {t for t in f[7] if t.startswith("CELL_PF_")},
            "desc": cstring(f[8]),
        })
    return rows


def comma_split_lists(src):
    text = strip_comments(read(src, "lib/param.c"))
    m = re.search(r"static bool list_splits\(const char \*name\)\s*\{\s*"
                  r"return(.*?);", text, re.S)
    return set(re.findall(r'"([^"]+)"', m.group(1))) if m else set()


def core_files(src):
    """Files whose reads of a field give it an effect on a jail."""
    core = ["lib/enter.c", "lib/policy.c", "lib/lifecycle.c", "lib/util.c"]
    core += sorted("src/" + f for f in os.listdir(os.path.join(src, "src"))
                   if f.endswith(".c"))
    core = [c for c in core if c not in DISPLAY_ONLY]
    core_text = "".join(strip_comments(read(src, c)) for c in core)
    libdir = os.path.join(src, "lib")
    for sub in sorted(os.listdir(libdir)):
        d = os.path.join(libdir, sub)
        if not os.path.isdir(d):
            continue
        funcs = set()
        for h in os.listdir(d):
            if h.endswith(".h") and h != "internal.h":
                funcs |= set(re.findall(r"\b(cell_\w+)\s*\(",
                                        strip_comments(read(src, f"lib/{sub}/{h}"))))
        if any(re.search(r"\b" + fn + r"\s*\(", core_text) for fn in funcs):
            core += sorted(f"lib/{sub}/{c}" for c in os.listdir(d)
                           if c.endswith(".c"))
    return core


def consumers(src, field, files):
    pat = re.compile(r"\b(?:j|jail|changes|merged|dst|src)\s*(?:->|\.)\s*"
                     + re.escape(field).replace(r"\.", r"\s*\.\s*")
                     + r"\b")
    return [f for f in files if pat.search(strip_comments(read(src, f)))]


def esc(s):
    s = s.replace("\\", "\\e").replace("-", "\\-")
    return ("\\&" + s) if s.startswith((".", "'")) else s


TYPE_FIELD = {"CELL_PT_IP4": "ip4_addr", "CELL_PT_IP6": "ip6_addr"}


def describe_type(r, defs, sizes, splits):
    t = r["type"]
    if t == "CELL_PT_BOOL":
        return "boolean"
    if t == "CELL_PT_INT":
        return f"integer {number(r['min'], defs)} to {number(r['max'], defs)}"
    if t == "CELL_PT_ULONG":
        return "unsigned integer"
    if t == "CELL_PT_STRING":
        n = sizes.get(r["field"], 0)
        return f"string, at most {n - 1} bytes" if n else "string"
    if t == "CELL_PT_JAILSYS":
        return "disable | new | inherit (or 0 | 1 | 2)"
    if t == "CELL_PT_LIST":
        return ("list, split on commas" if r["name"] in splits else
                "list; one item per value, += appends")
    if t == "CELL_PT_ARGV":
        return "words (the rest of the command line)"
    if t == "CELL_PT_IP4":
        return "IPv4 list: addr[/prefix] or if|addr[/prefix], comma-separated"
    if t == "CELL_PT_IP6":
        return "IPv6 list: addr[/prefix] or if|addr[/prefix], comma-separated"
    if t == "CELL_PT_KV":
        return f"{r['name']}.KEY=value family"
    if t == "CELL_PT_UNSUPPORTED":
        return "text, kept as given"
    return t


def status(r, files, src):
    """(mark, text) for the row."""
    if "CELL_PF_NOLINUX" in r["flags"] or r["type"] == "CELL_PT_UNSUPPORTED":
        return "NOLINUX", "accepted and reported, no Linux meaning"
    if "no Linux effect" in r["desc"] or "no effect" in r["desc"]:
        return "NOLINUX", "accepted and reported, no Linux meaning"
    field = r["field"] or TYPE_FIELD.get(r["type"])
    if r["name"] == "allow.sysvipc":
        return "", ""
    if "CELL_PF_RDONLY" in r["flags"]:
        return "RDONLY", "read-only: reported, never set"
    if field and not consumers(src, field, files):
        return "NOEFFECT", "accepted and stored, no effect in this version"
    return "", ""


def generate(src):
    defs = object_defines(src)
    rows = table(src)
    sizes = string_sizes(src, defs)
    splits = comma_split_lists(src)
    files = core_files(src)
    names = {r["name"] for r in rows}
    for k in NOTES:
        if k not in names:
            print(f"gen-params: note for unknown parameter {k}",
                  file=sys.stderr)
    version = re.search(r"version\s*:\s*'([^']+)'",
                        read(src, "meson.build")).group(1)
    out = []
    w = out.append
    w(".\\\" SPDX-License-Identifier: BSD-2-Clause")
    w(".\\\" Generated by man/gen-params.py from lib/param.c; do not edit.")
    w(f'.TH CELL\\-PARAMS 7 2026-11-29 "cell {version}" '
      '"Miscellaneous Information Manual"')
    w(".SH NAME")
    w("cell\\-params \\- every jail parameter cell accepts")
    w(".SH DESCRIPTION")
    w("This page lists every row of the parameter table in")
    w(".IR lib/param.c ,")
    w("in the order")
    w(".B jls \\-n")
    w("prints them.")
    w("Parameters are given as")
    w(".IB name = value")
    w("words to")
    w(".BR jail (8),")
    w("as statements in")
    w(".BR jail.conf (5),")
    w("or through")
    w(".BR cell_param_set (3).")
    w("A boolean may be written bare")
    w(".RB ( persist )")
    w('or with "no" before its last component')
    w(".RB ( allow.nomount );")
    w("a list value may be extended with")
    w(".BR += .")
    w("Unknown names are an error.")
    w(".PP")
    w("For each parameter: its type, its default, whether")
    w(".B jail \\-m")
    w("may change it on a running jail, and its meaning.")
    w("Marks:")
    w(".TP")
    w(".B [no Linux meaning]")
    w("FreeBSD has the parameter; cell accepts it, keeps the value and")
    w("reports it, and it changes nothing.")
    w(".TP")
    w(".B [no effect yet]")
    w("the value is checked and stored, but no code that builds or runs a")
    w("jail reads it in this version (found by")
    w(".IR man/gen\\-params.py ,")
    w("which looks for readers of the struct field).")
    w(".TP")
    w(".B [read-only]")
    w("reported by")
    w(".BR jls (8);")
    w("setting it is an error.")
    w(".TP")
    w(".B [jail(8)]")
    w("a pseudo-parameter that the front end acts on, not part of the")
    w("jail itself")
    w('.RB ( "jls \\-s" " leaves these out)."')
    w(".SH PARAMETERS")
    counts = {"NOLINUX": [], "NOEFFECT": []}
    for r in rows:
        mark, text = status(r, files, src)
        if mark in counts:
            counts[mark].append(r["name"])
        marks = []
        if mark == "NOLINUX":
            marks.append("[no Linux meaning]")
        elif mark == "NOEFFECT":
            marks.append("[no effect yet]")
        elif mark == "RDONLY":
            marks.append("[read-only]")
        if "CELL_PF_JAIL8" in r["flags"]:
            marks.append("[jail(8)]")
        w(".TP")
        w(f'.B "{esc(r["name"])}"' + (" " + esc(" ".join(marks))
                                        if marks else ""))
        d = r["def"] if r["def"] else "none"
        if r["type"] in ("CELL_PT_LIST", "CELL_PT_ARGV", "CELL_PT_IP4",
                         "CELL_PT_IP6", "CELL_PT_KV") and not r["def"]:
            d = "empty"
        runtime = "yes" if "CELL_PF_RUNTIME" in r["flags"] else "no"
        if "CELL_PF_RDONLY" in r["flags"]:
            runtime = "no (read-only)"
        w(f"Type: {esc(describe_type(r, defs, sizes, splits))}.")
        w(".br")
        w(f"Default: {esc(d)}.")
        w(f"Changeable with \\-m: {runtime}.")
        w(".br")
        desc = r["desc"]
        w(esc(desc[0].upper() + desc[1:]) + ".")
        note = NOTES.get(r["name"])
        if note:
            w(".br")
            w("On Linux: " + esc(note))
    w(".SH PARAMETERS WITHOUT LINUX MEANING")
    w(", ".join(f"\\fB{esc(n)}\\fR" for n in counts["NOLINUX"]) + ".")
    w(".SH PARAMETERS WITHOUT EFFECT IN THIS VERSION")
    if counts["NOEFFECT"]:
        w(", ".join(f"\\fB{esc(n)}\\fR" for n in counts["NOEFFECT"]) + ".")
        w(".PP")
        w("No code that builds, enters, changes or removes a jail reads")
        w("these fields: at most")
        w(".IR src/jls.c ,")
        w(".I lib/state.c")
        w("and")
        w(".I lib/param.c")
        w("show, store or print them.")
    else:
        w("None.")
    w(".SH FILES")
    w(".TP")
    w(".I lib/param.c")
    w("the table this page is generated from")
    w(".TP")
    w(".I man/gen\\-params.py")
    w("the generator:")
    w(".B man/gen\\-params.py > man/cell\\-params.7")
    w(".SH SEE ALSO")
    w(".BR jail (8),")
    w(".BR jls (8),")
    w(".BR jexec (8),")
    w(".BR jail.conf (5),")
    w(".BR libcell (3)")
    wrapped = []
    for line in out:
        if line.startswith(".") or len(line) <= 78:
            wrapped.append(line)
        else:
            wrapped.extend(textwrap.wrap(line, 78, break_long_words=False,
                                         break_on_hyphens=False))
    return "\n".join(wrapped) + "\n"


def main():
    args = sys.argv[1:]
    check = "--check" in args
    args = [a for a in args if a != "--check"]
    src = args[0] if args else os.path.join(os.path.dirname(
        os.path.abspath(__file__)), "..")
    page = generate(src)
    if check:
        with open(os.path.join(src, "man", "cell-params.7"),
                  encoding="utf-8") as f:
            if f.read() != page:
                print("man/cell-params.7 is stale: run man/gen-params.py",
                      file=sys.stderr)
                return 1
        return 0
    sys.stdout.write(page)
    return 0


if __name__ == "__main__":
    sys.exit(main())
