"""Hostile input for scl: deep nesting of every construct, huge numbers and repetitions,
invalid UTF-8, NUL bytes, CR-only line ends, BOMs, 5 MB lines, regex and format bombs, alias
bombs, cyclic imports and inheritance, random bytes. The big inputs are generated here, at
test time. Every case must end within its time bound, under an address-space limit, with exit
status 1 (never a signal), a located diagnostic (file:line:col) and nothing raw that a terminal
would interpret (control characters, invalid UTF-8) on stderr.

usage: cases.py SCL_BIN [NAME...]   (names: run only those cases)
"""

import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

SCL = os.path.abspath(sys.argv[1]) if os.sep in sys.argv[1] else sys.argv[1]
ONLY = set(sys.argv[2:])
SANITIZED = bool(os.environ.get("SCL_SANITIZE", "").strip())
MEM_LIMIT = 2 << 30   # address space of each run, bytes
TIME_LIMIT = 60       # seconds of wall time for each run (a hang); the cases bound CPU time

CASES = []


def case(name, files, args=None, max_seconds=10, loc=None, main="main.k", located=True):
    """files: {relative path: bytes or str}; args: the scl arguments (default: run main);
    located False: the diagnostic has no place in a file (the output's size)."""
    CASES.append(dict(name=name, files=files, args=args or ["run", main], max_seconds=max_seconds,
                      loc=loc, located=located))


def nest(open_, close, n, inner="1"):
    return open_ * n + inner + close * n


# {===== deep nesting of every construct
N = 100000
case("deep-parens", {"main.k": "x = " + nest("(", ")", N) + "\n"})
case("deep-lists", {"main.k": "x = " + nest("[", "]", N) + "\n"})
case("deep-dicts", {"main.k": "x = " + nest("{a = ", "}", N) + "\n"})
case("deep-unary", {"main.k": "x = " + "-" * N + "1\n"})
case("deep-not", {"main.k": "x = " + "not " * N + "True\n"})
case("deep-binary", {"main.k": "x = 1" + " + 1" * N + "\ny = z\n"})
case("deep-power", {"main.k": "x = " + "2 ** " * N + "1\n"})
case("deep-selector", {"main.k": "x = a" + ".b" * N + "\n"})
case("deep-calls", {"main.k": "x = f" + "()" * N + "\n"})
case("deep-index", {"main.k": "x = a" + "[0]" * N + "\n"})
case("deep-ternary", {"main.k": "x = " + "1 if True else " * N + "0\n"})
case("deep-lambda", {"main.k": "x = " + "lambda { " * 20000 + "1" + " }" * 20000 + "\n"})
case("deep-comprehension",
     {"main.k": "x = " + "[" * 5000 + "1" + " for _ in [1]]" * 5000 + "\n"})
case("deep-interpolation", {"main.k": 'x = "' + "${'" * 20000 + "'}" * 20000 + '"\n'})
case("deep-indent", {"main.k": "".join("    " * i + "if True:\n" for i in range(3000))
                     + "    " * 3000 + "x = 1\n"})
case("deep-schema-inheritance",
     {"main.k": "schema S0:\n    a: int = 1\n"
      + "".join("schema S%d(S%d):\n    a%d: int = %d\n" % (i, i - 1, i, i) for i in range(1, 3000))
      + "x = S2999 {a = 'no'}\n"})
case("deep-recursion", {"main.k": "f = lambda n { f(n + 1) }\nx = f(0)\n"})
case("deep-schema-recursion",
     {"main.k": "schema A:\n    b: B = B {}\nschema B:\n    a: A = A {}\nx = A {}\n"})
case("deep-yaml-decode", {"main.k": "import yaml\nx = yaml.decode('" + "[" * N + "')\n"})
case("deep-json-decode", {"main.k": "import json\nx = json.decode('" + "[" * N + "')\n"})

# {===== huge numbers and repetitions
case("huge-int-literal", {"main.k": "x = " + "9" * 5000 + "\n"})
case("huge-float-literal", {"main.k": "x = 1e999999\ny = z\n"})
case("int-overflow", {"main.k": "x = 9223372036854775807 + 1\n"})
case("huge-power", {"main.k": "x = 2 ** 10000000000\n"})
case("huge-shift", {"main.k": "x = 1 << 100000000000\n"})
case("huge-string-repeat", {"main.k": 'x = "abc" * 10000000000\n'})
case("huge-list-repeat", {"main.k": "x = [0] * 10000000000\n"})
case("growing-strings", {"main.k": 'x = "a" * 100000000\ny = [x + str(i) for i in range(1000)]\n'},
     args=["run", "main.k", "--max-memory", "256M"])
case("long-loop", {"main.k": "x = [i for i in range(1000000000000)]\n"},
     args=["run", "main.k", "--max-time", "1"], max_seconds=5)
case("nested-loops", {"main.k": "x = [i + j for i in range(1000000) for j in range(1000000)]\n"},
     args=["run", "main.k", "--max-time", "1"], max_seconds=5)
case("huge-range", {"main.k": "x = range(0, 1000000000000000)\n"},
     args=["run", "main.k", "--max-memory", "256M"])
case("output-bomb", {"main.k": "x = [i for i in range(1000000)]\n"},
     args=["run", "main.k", "--max-output", "1M"], located=False)
case("print-bomb", {"main.k": "x = [print('a' * 1000) for i in range(100000)]\n"},
     args=["run", "main.k", "--max-output", "1M"])
case("many-names", {"main.k": "".join("v%d = %d\n" % (i, i) for i in range(200000)) + "y = z\n"})

# {===== bytes
case("invalid-utf8", {"main.k": b'x = "\x80\xff\xfe"\ny = z\n'})
case("invalid-utf8-ident", {"main.k": b"x\xc3 = 1\n"})
case("nul-bytes", {"main.k": b"a = 1\x00b = 2\n"})
case("nul-in-string", {"main.k": b'a = "x\x00y"\nb = z\n'})
case("terminal-escapes", {"main.k": b'a = 1\nb = \x1b[31m\x1b]0;owned\x07 + c\n'})
case("cr-only", {"main.k": b"a = 1\rb = 2\rc = d\r"})
case("bom", {"main.k": b"\xef\xbb\xbfa = 1\nb = c\n"})
case("bom-twice", {"main.k": b"\xef\xbb\xbf\xef\xbb\xbfa = 1\nb = c\n"})
case("utf16-bom", {"main.k": b"\xff\xfea\x00 \x00=\x00 \x001\x00\n\x00"})
case("long-line", {"main.k": "x = " + "1 + " * 1300000 + "a\n"})
case("long-string-line", {"main.k": 'x = "' + "a" * 5000000 + "\n"})
case("long-comment-line", {"main.k": "# " + "\x7f\x1b" * 2500000 + "\ny = z\n"})
case("unterminated-string", {"main.k": 'x = "abc\n'})
case("unterminated-bracket", {"main.k": "x = [1, 2\ny = 3\n"})
random.seed(1)
case("random-bytes", {"main.k": bytes(random.getrandbits(8) for _ in range(65536))})
case("random-ascii", {"main.k": bytes(random.choice(b"\x00\x01\x1b\t\r\n \"'#$\\{}[]():=.,+-*/%<>!|&~^@?0123456789abcxyzABC_")
                                     for _ in range(65536))})
case("random-tokens", {"main.k": " ".join(random.choice(
    ["(", ")", "[", "]", "{", "}", ":", "=", "if", "else", "for", "in", "lambda", "schema", "1",
     "'s'", "x", "\n", "    ", ",", ".", "**", "|", "$", '"${', "}\""]) for _ in range(100000))})

# {===== regex and format bombs
case("regex-bomb", {"main.k": 'import regex\nx = regex.match("a" * 40 + "!", "(a+)+$")\ny = z\n'})
case("regex-bomb-findall",
     {"main.k": 'import regex\nx = regex.findall("a" * 5000, "(a|aa)*b")\ny = z\n'})
case("regex-invalid", {"main.k": 'import regex\nx = regex.match("a", "(" * 100000)\n'})
case("format-width", {"main.k": 'x = "{:>10000000000}".format(1)\n'})
case("format-precision", {"main.k": 'x = "{:.10000000000f}".format(1.5)\n'})
case("format-nested", {"main.k": 'x = "' + "{:" * 50000 + "}" * 50000 + '".format(1)\n'})
case("format-unbalanced", {"main.k": 'x = "' + "{" * 99999 + '".format(1)\n'})
case("percent-format", {"main.k": 'x = "%10000000000d" % 1\ny = z\n'})

# {===== alias bombs (nine levels of nine aliases: ~1 KB that expands to 9^9 nodes)
LAUGHS = "\n".join(['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
                   + ["a%d: &a%d [%s]" % (i, i, ",".join(["*a%d" % (i - 1)] * 9))
                      for i in range(1, 10)]) + "\n"
case("alias-bomb-decode", {"main.k": "import yaml\nimport file\nx = yaml.decode(file.read('bomb.yaml'))\n",
                           "bomb.yaml": LAUGHS}, max_seconds=1)
case("alias-bomb-decode-all",
     {"main.k": "import yaml\nimport file\nx = yaml.decode_all(file.read('bomb.yaml'))\n",
      "bomb.yaml": LAUGHS}, max_seconds=1)
case("alias-bomb-settings", {"main.k": "x = option('a9')\n",
                             "kcl.yaml": "kcl_options:\n  - key: a9\n    value:\n"
                             + "".join("      " + l + "\n" for l in LAUGHS.splitlines())},
     args=["run", "main.k", "-Y", "kcl.yaml"], max_seconds=1, loc="kcl.yaml")
case("alias-bomb-vet", {"main.k": "schema S:\n    a0?: [str]\n", "data.yaml": LAUGHS},
     args=["vet", "data.yaml", "main.k", "--format", "yaml"], max_seconds=1)
case("alias-bomb-import", {"data.yaml": LAUGHS},
     args=["import", "-m", "yaml", "data.yaml", "-o", "out.k"], max_seconds=5, loc="data.yaml")
case("deep-vet-json", {"main.k": "schema S:\n    a?: any\n", "data.json": "[" * N},
     args=["vet", "data.json", "main.k"])
case("deep-import-yaml", {"data.yaml": "[" * N},
     args=["import", "-m", "yaml", "data.yaml", "-o", "out.k"], loc="data.yaml")
case("deep-import-json", {"data.json": "[" * N},
     args=["import", "-m", "json", "data.json", "-o", "out.k"], loc="data.json")

# {===== cycles
case("cyclic-import", {"kcl.mod": '[package]\nname = "cyc"\n', "main.k": "import a\nx = a.v\n",
                       "a/a.k": "import b\nv = b.v\n", "b/b.k": "import a\nv = a.v\n"})
case("self-import", {"kcl.mod": '[package]\nname = "cyc"\n', "main.k": "import main\nx = 1\n"})
case("cyclic-inheritance", {"main.k": "schema A(B):\n    a: int\nschema B(A):\n    b: int\nx = A {}\n"})
case("self-inheritance", {"main.k": "schema A(A):\n    a: int\nx = A {}\n"})
case("cyclic-mixin", {"main.k": "mixin M for P:\n    a: int = 1\nprotocol P:\n    a: int\n"
                      "schema A:\n    mixin [A]\n    a: int = 1\nx = A {}\n"})
case("cyclic-schema-attrs", {"main.k": "schema A:\n    a: int = b\n    b: int = a\nx = A {}\ny = z\n"})
case("long-inheritance-cycle", {"main.k": "".join(
    "schema S%d(S%d):\n    a%d: int = %d\n" % (i, (i + 1) % 500, i, i) for i in range(500))
    + "x = S0 {}\n"})
case("file-read-dev-zero", {"main.k": "import file\nx = file.read('/dev/zero')\n"})


def located(err, c):
    """A file:line:col location, as the layout of spec §8 or as file:line:col: text."""
    want = re.escape(c["loc"]) if c["loc"] else r"[^\s:]+"
    return re.search(r"--> [^\n]*?%s:\d+:\d+" % want, err) or \
        re.search(r"(^|\s)[^\s]*%s:\d+:\d+" % want, err)


def raw_bytes(err_bytes):
    """Bytes a terminal would act on: control characters other than \\n and \\t, invalid UTF-8."""
    try:
        text = err_bytes.decode("utf-8")
    except UnicodeDecodeError as e:
        return "invalid UTF-8 at byte %d" % e.start
    for ch in text:
        if (ord(ch) < 0x20 and ch not in "\n\t") or 0x7f <= ord(ch) < 0xa0:
            return "raw control character U+%04X" % ord(ch)
    return None


def limit():
    if not SANITIZED:  # ASan reserves terabytes of address space
        resource.setrlimit(resource.RLIMIT_AS, (MEM_LIMIT, MEM_LIMIT))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run(c, tmp):
    d = os.path.join(tmp, c["name"])
    os.makedirs(d)
    for rel, data in c["files"].items():
        p = os.path.join(d, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
    t0 = time.monotonic()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        p = subprocess.run([SCL] + c["args"], cwd=d, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           timeout=TIME_LIMIT, preexec_fn=limit)
    except subprocess.TimeoutExpired:
        return "did not end within %d s" % TIME_LIMIT, TIME_LIMIT
    wall = time.monotonic() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    # the bound is on CPU time: wall time on a loaded machine says little about the program
    secs = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    err_b = p.stderr
    err = err_b.decode("utf-8", "replace")
    bound = c["max_seconds"] * (4 if SANITIZED else 1)
    if p.returncode < 0:
        return "killed by signal %d\n%s" % (-p.returncode, err[-2000:]), secs
    if p.returncode != 1:
        return "exit status %d, expected 1\n%s" % (p.returncode, err[-2000:]), secs
    if secs > bound:
        return "took %.1f s of CPU (bound %d s; %.1f s wall)" % (secs, bound, wall), secs
    if c["located"] and not located(err, c):
        return "no located diagnostic (file:line:col) on stderr\n%s" % err[:2000], secs
    if not c["located"] and "error[" not in err:
        return "no diagnostic on stderr\n%s" % err[:2000], secs
    raw = raw_bytes(err_b)
    if raw:
        return "stderr holds %s" % raw, secs
    if len(err_b) > 512 * 1024:
        return "stderr holds %d bytes (a diagnostic echoes too much)" % len(err_b), secs
    return None, secs


def main():
    tmp = tempfile.mkdtemp(prefix="scl-hostile-")
    fails = 0
    n = 0
    try:
        for c in CASES:
            if ONLY and c["name"] not in ONLY:
                continue
            n += 1
            why, secs = run(c, tmp)
            if why:
                fails += 1
                print("FAIL %s (%.2f s CPU): %s" % (c["name"], secs, why))
            else:
                print("ok   %s (%.2f s CPU)" % (c["name"], secs))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d of %d hostile cases failed" % (fails, n))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
