#!/usr/bin/env python3
"""Runs the examples of doc/*.md (and doc/*/*.md) and checks the CLI flags of doc/reference.md.

Conventions (doc/README.md, "How the examples are tested"):

* A ```scl or ```k block is a program. Without a `# file: PATH` first line it is written to
  main.scl (main.k) in a fresh folder and run with `scl run main.scl`; it must exit 0, or exit
  1 when its info string says `expect-error`.
* With a `# file: PATH` first line (any language), or `file=PATH` in the info string, the block
  is written to PATH in the page's folder, one folder per page that every such block of the
  page shares, and is not run by itself.
* The first fenced block after a program (prose in between is fine) is its expected output
  when it is ```yaml or ```json without a file line (stdout of `scl run`, `--format json` for
  json), or ```text error (stderr). A file block followed by such a block is run as
  `scl run PATH` in the page's folder.
* A ```console block is a shell session in the page's folder: each `$ command` line (a
  trailing backslash continues it) runs with `scl` on the PATH, and the lines up to the next
  `$` must equal what it prints (stdout and stderr). A command must exit 0 unless the next
  command is `echo $?`, which prints its status.
* ```sh blocks (network, a cluster) and every other block are not run.
* Paths under a test folder print as /home/me/demo, and $HOME as /home/me: the pages show
  them so.

The reference's flag tables are compared with `scl CMD --help` both ways, for every `scl CMD`
section of doc/reference.md's "Command line" chapter whose command the binary has.

Exit 0 when every check passes, 1 otherwise.
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

SRC = os.path.abspath(os.environ.get("SCL_SRCDIR") or os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.abspath(os.environ.get("SCL_BIN") or "./scl")
SHARED = os.path.join(SRC, "..", "shared")
K8S = os.path.join(SHARED, "packages", "k8s-1.32.4")
SHOWN = "/home/me/demo"
TIMEOUT = 60

passed = 0
failed = 0
skipped = 0  # blocks that need ../shared's k8s package when it is absent
only = sys.argv[1:]
# SCL_DOC_FILL=1 writes what scl printed into the output blocks that differ (for authors,
# who then read the diff); the run still fails on every difference.
FILL = os.environ.get("SCL_DOC_FILL") == "1"
fills = []  # (page, first line of the block body, old text, new text)


def report(ok, where, what, detail=""):
    global passed, failed
    if ok:
        passed += 1
        return
    failed += 1
    print("FAIL %s: %s" % (where, what))
    if detail:
        print("    " + detail.rstrip("\n").replace("\n", "\n    "))


FENCE = re.compile(r"^(```+|~~~+)\s*(.*)$")


def blocks(path):
    """(line, lang, words, text) of every fenced block of a Markdown file."""
    out = []
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, info = m.group(1), m.group(2).strip()
        start = i + 1
        i += 1
        body = []
        while i < len(lines) and not (lines[i].startswith(fence) and lines[i].strip() == fence):
            body.append(lines[i])
            i += 1
        i += 1
        words = info.split()
        lang = words[0] if words else ""
        out.append((start, lang, words[1:], "\n".join(body) + "\n" if body else ""))
    return out


def file_target(lang, words, text):
    for w in words:
        if w.startswith("file="):
            return w[5:]
    m = re.match(r"#\s*file:\s*(\S+)\s*\n", text)
    if m:
        return m.group(1)
    return None


def is_output(block):
    _, lang, words, text = block
    if lang in ("yaml", "json") and not words and file_target(lang, words, text) is None:
        return True
    return lang == "text" and "error" in words


HOME_SHOWN = "/home/me"
homes = []  # the test HOME, shown as /home/me


def norm(text, dirs):
    for d in dirs:
        text = text.replace(d, SHOWN)
    for h in homes:
        text = text.replace(h, HOME_SHOWN)
    return text


def env_for(home):
    env = dict(os.environ)
    bindir = os.path.join(home, "bin")
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    env.pop("KCL_PKG_PATH", None)
    env["HOME"] = home
    env.pop("SCL_NO_COLOR", None)
    return env


def setup_home():
    """A HOME with `scl` on its PATH and a package home holding k8s 1.32.4 (no network)."""
    home = tempfile.mkdtemp(prefix="scl-doc-")
    os.makedirs(os.path.join(home, "bin"))
    os.symlink(BIN, os.path.join(home, "bin", "scl"))
    pkgs = os.path.join(home, ".kcl", "kpm")
    os.makedirs(pkgs)
    if os.path.isdir(K8S):
        os.symlink(os.path.abspath(K8S), os.path.join(pkgs, "k8s_1.32.4"))
    return home


def write(dir_, rel, text):
    path = os.path.join(dir_, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def run_scl(args, cwd, env):
    try:
        p = subprocess.run([BIN] + args, cwd=cwd, env=env, capture_output=True, text=True,
                           timeout=TIMEOUT)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return -1, "", "timed out"


def check_program(where, block, expect, cwd, rel, env):
    _, lang, words, text = block
    args = ["run", rel]
    if expect is not None and expect[1] == "json":
        args += ["--format", "json"]
    rc, out, err = run_scl(args, cwd, env)
    dirs = [os.path.realpath(cwd), cwd]
    want_fail = "expect-error" in words
    if want_fail:
        report(rc == 1, where, "expected exit status 1, got %d" % rc, out + err)
    else:
        report(rc == 0, where, "exit status %d" % rc, err)
    if expect is None:
        return
    got = norm(err if expect[1] == "text" else out, dirs)
    report(got == expect[3], where, "output differs from the block at line %d" % expect[0],
           "--- expected\n" + expect[3] + "--- got\n" + got)
    if got != expect[3]:
        fills.append((where.rsplit(":", 1)[0], expect[0], expect[3], got))


def parse_console(text):
    """[(command, expected output)] of a console block."""
    cmds = []
    cur = None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("$ "):
            cmd = line[2:]
            while cmd.endswith("\\") and i + 1 < len(lines):
                i += 1
                cmd = cmd + "\n" + lines[i]
            cur = [cmd, ""]
            cmds.append(cur)
        elif cur is not None:
            cur[1] += line + "\n"
        i += 1
    return cmds


def check_console(where, text, cwd, env):
    """Runs the commands in one shell (so `cd` and variables carry over), each command's
    output and status into files of its own."""
    cmds = parse_console(text)
    if not cmds:
        return
    if any("examples/" in c for c, _ in cmds):
        for d in ("examples", "schemas"):
            if not os.path.exists(os.path.join(cwd, d)):
                shutil.copytree(os.path.join(SRC, d), os.path.join(cwd, d), symlinks=True)
    logs = tempfile.mkdtemp(prefix="console", dir=os.path.dirname(cwd))
    script = ""
    for n, (cmd, _) in enumerate(cmds):
        out = os.path.join(logs, "out.%d" % n)
        rc = os.path.join(logs, "rc.%d" % n)
        script += "{ %s\n} >'%s' 2>&1 </dev/null\n_rc=$?; echo $_rc >'%s'; (exit $_rc)\n" % (cmd, out, rc)
    try:
        subprocess.run(["/bin/sh", "-c", script], cwd=cwd, env=env, timeout=TIMEOUT * len(cmds),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pass
    dirs = [os.path.realpath(cwd), cwd]
    new_text = ""
    for n, (cmd, want) in enumerate(cmds):
        new_text += "$ " + cmd + "\n"
        try:
            with open(os.path.join(logs, "out.%d" % n), encoding="utf-8") as f:
                got = f.read()
            with open(os.path.join(logs, "rc.%d" % n)) as f:
                rc = int(f.read())
        except (OSError, ValueError):
            report(False, where, "`%s` did not finish" % cmd)
            return
        if cmd.strip() != "echo $?":
            next_echo = n + 1 < len(cmds) and cmds[n + 1][0].strip() == "echo $?"
            if not next_echo:
                report(rc == 0, where, "`%s` exited %d" % (cmd, rc), got)
        got = norm(got, dirs)
        new_text += got
        report(got == want, where, "`%s` printed something else" % cmd,
               "--- expected\n" + want + "--- got\n" + got)
    if new_text != text:
        fills.append((where.rsplit(":", 1)[0], int(where.rsplit(":", 1)[1]), text, new_text))


def check_page(path, home, env):
    rel_page = os.path.relpath(path, SRC)
    bl = blocks(path)
    page_dir = os.path.join(home, "page-" + re.sub(r"\W", "_", rel_page))
    os.makedirs(page_dir)
    for k, block in enumerate(bl):
        line, lang, words, text = block
        where = "%s:%d" % (rel_page, line)
        if not os.path.isdir(K8S) and ("k8s" in text or "examples/" in text) and \
                lang in ("scl", "k", "console"):
            global skipped
            skipped += 1
            continue
        target = file_target(lang, words, text)
        expect = None
        if lang in ("scl", "k") and k + 1 < len(bl) and is_output(bl[k + 1]):
            expect = bl[k + 1]
        if target is not None:
            write(page_dir, target, text)
            if lang in ("scl", "k") and (expect is not None or "expect-error" in words):
                check_program(where, block, expect, page_dir, target, env)
        elif lang in ("scl", "k"):
            d = tempfile.mkdtemp(prefix="b", dir=home)
            main = "main." + lang
            write(d, main, text)
            check_program(where, block, expect, d, main, env)
        elif lang == "console":
            check_console(where, text, page_dir, env)


# ---- the reference's flag tables against --help ----------------------------------------

FLAG = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")


def help_flags(words, env):
    """Every flag `scl WORDS --help` names (its synopsis and its option list), -h aside."""
    rc, out, err = run_scl(list(words) + ["--help"], os.getcwd(), env)
    text = out + err
    if "usage" not in text.lower() or "unknown" in text.split("\n")[0]:
        return None
    return set(f for f in FLAG.findall(text) if f not in ("-h", "--help"))


def binary_commands(env):
    rc, out, _ = run_scl(["--help"], os.getcwd(), env)
    cmds = set()
    section = False
    for line in out.split("\n"):
        if line.startswith("commands:"):
            section = True
            continue
        if section:
            if not line.startswith("  "):
                section = False
                continue
            head = re.split(r"\s{2,}", line.strip())[0]
            for part in head.split(","):
                w = part.strip().split()
                if w:
                    cmds.add(w[0])
    return cmds


def reference_tables(path):
    """{('run',): set of flags, ('function', 'render'): ...} from the Command line chapter."""
    tables = {}
    cur = None
    chapter = False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("## "):
                chapter = line.strip().lower().endswith("command line")
                cur = None
                continue
            if not chapter:
                continue
            m = re.match(r"^#{3,4}\s+`scl ([a-z ]+)`", line)
            if m:
                cur = tuple(m.group(1).split())
                tables[cur] = set()
                continue
            if cur is not None and line.startswith("|") and not re.match(r"^\|\s*-", line):
                first = line.replace("\\|", "\x00").split("|")[1]
                codes = re.findall(r"`([^`]*)`", first)
                for c in codes:
                    tables[cur].update(f for f in FLAG.findall(c) if f not in ("-h", "--help"))
    return tables


def check_flags(env):
    ref = os.path.join(SRC, "doc", "reference.md")
    if not os.path.exists(ref):
        report(False, "doc/reference.md", "missing")
        return
    have = binary_commands(env)
    tables = reference_tables(ref)
    report(len(tables) > 0, "doc/reference.md", "no `scl CMD` flag tables found")
    for words, documented in sorted(tables.items()):
        if words[0] not in have:
            continue
        name = "scl " + " ".join(words)
        shown = help_flags(words, env)
        if shown is None:
            report(False, "doc/reference.md", "`%s --help` failed" % name)
            continue
        missing = sorted(shown - documented)
        extra = sorted(documented - shown)
        report(not missing, "doc/reference.md", "%s: flags of --help not documented: %s"
               % (name, " ".join(missing)))
        report(not extra, "doc/reference.md", "%s: documented flags --help does not show: %s"
               % (name, " ".join(extra)))
    for c in ("run", "vet", "import", "parse"):
        if c in have:
            report((c,) in tables, "doc/reference.md", "no flag table for `scl %s`" % c)


def fill_pages():
    by_page = {}
    for page, line, old, new in fills:
        by_page.setdefault(page, []).append((line, old, new))
    for page, items in by_page.items():
        path = os.path.join(SRC, page)
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        for line, old, new in sorted(items, reverse=True):
            n_old = len(old.split("\n")) - 1 if old else 0
            body = new.split("\n")[:-1] if new.endswith("\n") else new.split("\n")
            lines[line:line + n_old] = body
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        print("filled", page)


def main():
    if not os.access(BIN, os.X_OK):
        print("FAIL: no scl binary at", BIN)
        return 1
    home = setup_home()
    homes.extend([os.path.realpath(home), home])
    env = env_for(home)
    try:
        pages = []
        for root, _, files in os.walk(os.path.join(SRC, "doc")):
            for f in files:
                if f.endswith(".md"):
                    pages.append(os.path.join(root, f))
        for p in sorted(pages):
            if only and not any(o in p for o in only):
                continue
            check_page(p, home, env)
        if not only:
            check_flags(env)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    if FILL:
        fill_pages()
    print("%d passed, %d failed%s" % (passed, failed,
                                      ", %d blocks skipped (no %s)" % (skipped, K8S) if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
