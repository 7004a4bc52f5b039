#!/bin/sh
# scl test, scl lint, scl doc generate and the error formats (--error_format, KCL_ERROR_FORMAT)
# on the packages and files under tests/tools. Environment (set by make check): SCL_BIN,
# SCL_SRCDIR, SCL_BUILDDIR, PYTHON3.
set -u
SCL=${SCL_BIN:-./scl}
SRC=${SCL_SRCDIR:-.}
BUILD=${SCL_BUILDDIR:-.}
PY=${PYTHON3:-python3}
D=$(cd "$SRC/tests/tools" && pwd -P)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() {
    fail=$((fail + 1))
    echo "FAIL: $*"
    for f in "$T/out" "$T/err"; do
        [ -s "$f" ] && sed 's/^/    /' "$f" | head -40
    done
}
# run EXPECTED_STATUS ARGS...: runs scl in the current directory, durations as (Nms)
run() {
    want=$1
    shift
    "$SCL" "$@" >"$T/raw" 2>"$T/err"
    rc=$?
    sed 's/ ([0-9]*ms)$/ (Nms)/' "$T/raw" >"$T/out"
    if grep -q 'Sanitizer\|runtime error:' "$T/err"; then
        bad "scl $*: sanitizer report"
        return 1
    fi
    if [ "$rc" -ne "$want" ]; then
        bad "scl $*: exit $rc, want $want"
        return 1
    fi
    return 0
}
# same NAME FILE: FILE equals the expected text on stdin
same() {
    cat >"$T/want"
    if cmp -s "$T/want" "$2"; then ok; else
        bad "$1"
        diff "$T/want" "$2" | head -20
    fi
}

# {===== scl test (spec tools.md §3)

cd "$D/test" || exit 1
DASHES=--------------------------------------------------------------------------------
M="$D/test/mixed"
if run 1 test mixed; then
    same "test: passing and failing cases, a log shown instead of the error" "$T/out" <<EOF
test_double: PASS (Nms)
test_app_default: PASS (Nms)
test_app_check: FAIL (Nms)
error[E3M38]: EvaluationError
  --> $M/app_test.k:11:5
   |
11 |     App {name = "web", replicas = 0}
   |     ^ Instance check failed
   |
 --> $M/app.k:6:1
  |
6 |         replicas >= 1, "an app needs at least one replica"
  |  Check failed on the condition: an app needs at least one replica
  |

test_print_then_fail: FAIL (Nms)
replicas: 4

$DASHES
PASS: 2/4
FAIL: 2/4
EOF
fi
if run 0 test mixed --run double; then
    same "test --run: one case" "$T/out" <<EOF
test_double: PASS (Nms)
$DASHES
PASS: 1/1
EOF
fi
# --run is an unanchored search; app_ matches two cases, one failing
if run 1 test mixed --run 'app_'; then
    grep -c '^test_app_' "$T/out" | grep -qx 2 && grep -qx 'FAIL: 1/2' "$T/out" && ok ||
        bad "test --run app_: two cases"
fi
if run 1 test mixed --fail-fast; then
    grep -q '^test_print_then_fail' "$T/out" && bad "--fail-fast ran past the first failure" ||
        { grep -qx 'FAIL: 1/3' "$T/out" && ok || bad "--fail-fast totals"; }
fi
# test files see the package's other files and each other; a subpackage is imported
if run 0 test allpass; then
    same "test: all pass" "$T/out" <<EOF
test_square: PASS (Nms)
test_cube_from_subpackage: PASS (Nms)
test_sees_other_test_file: PASS (Nms)
$DASHES
PASS: 3/3
EOF
fi
# dir/... recurses in sorted order; a directory without a test file is not a package to test
if run 1 test tree/...; then
    grep '^test_' "$T/out" | sed 's/ (Nms)//' >"$T/cases"
    printf 'test_a: PASS\ntest_c: PASS\ntest_c_fails: FAIL\n' | same "test dir/...: cases" "$T/cases"
    grep -q 'name is c' "$T/out" && ok || bad "test dir/...: the assert message"
fi
if run 0 test tree; then
    echo "no test files" | same "test: a directory without test files" "$T/out"
fi
if run 0 test mixed --run 'no_such_case'; then
    echo "no test files" | same "test --run: nothing selected" "$T/out"
fi
# a compile-time error is not a failing case: the error alone, exit 1
if run 1 test compile_error; then
    [ ! -s "$T/out" ] && grep -q "name 'valeu' is not defined" "$T/err" &&
        grep -q "compile_error/lib_test.k:2:12" "$T/err" && ok || bad "test: compile error"
fi
if run 1 test compile_error --error_format short; then
    grep -q "^$D/test/compile_error/lib_test.k:2:12 - error\[E2L23\]: CompileError - name 'valeu' is not defined" \
        "$T/err" && ok || bad "test --error_format short: compile error"
fi
# -D options and -E external packages reach every case; without -E the import is a compile error
if run 0 test options -E ext=extpkg -D env=prod; then
    grep -qx 'PASS: 2/2' "$T/out" && ok || bad "test -D -E"
fi
if run 1 test options -E ext=extpkg; then
    grep -q 'env is dev' "$T/out" && grep -qx 'PASS: 1/2' "$T/out" && ok || bad "test without -D"
fi
if run 1 test options; then
    [ ! -s "$T/out" ] && grep -q 'error\[E2F04\]: CannotFindModule' "$T/err" && ok ||
        bad "test without -E"
fi
run 1 test does_not_exist && grep -q 'not a package directory' "$T/err" && ok
run 2 test --bogus && ok

# {===== scl lint (spec tools.md §5)

cd "$D/lint" || exit 1
L="$D/lint"
if run 1 lint unused.k; then
    [ "$(cat "$T/out")" = "" ] && same "lint: an unused import" "$T/err" <<EOF
warning[W1001]: UnusedImportWarning
 --> $L/unused.k:1:1
  |
1 | import math
  | ^ Module 'math' imported but unused
  |
note: Consider removing this statement
EOF
fi
if run 1 lint positions.k --error_format short; then
    same "lint: positions, re-imports, then unused imports" "$T/err" <<EOF
$L/positions.k:4:1 - warning[W1001]: ImportPositionWarning - The import stmt should be placed at the top of the module; note: Consider moving tihs statement to the top of the file
$L/positions.k:5:1 - warning[W1001]: ImportPositionWarning - The import stmt should be placed at the top of the module; note: Consider moving tihs statement to the top of the file
$L/positions.k:2:1 - warning[W1001]: ReimportWarning - Module 'json' is reimported multiple times; note: Consider removing this statement
$L/positions.k:4:1 - warning[W1001]: UnusedImportWarning - Module 'base64' imported but unused; note: Consider removing this statement
EOF
fi
# imports used in types, checks, decorators' arguments and string interpolation count
if run 0 lint clean.k; then
    [ ! -s "$T/err" ] && echo "" | same "lint: a clean file prints the empty result" "$T/out"
fi

# {===== error formats (--error_format, KCL_ERROR_FORMAT) on a schema violation and a syntax error

cd "$D/formats" || exit 1
F="$D/formats"
# pretty is the default and stays byte for byte what scl_diag_render gives (no colour in a pipe)
if run 1 run violation.k; then
    same "pretty: schema violation" "$T/err" <<EOF
error[E2G22]: TypeError
 --> $F/violation.k:7:5
  |
7 |     replicas = "3"
  |     ^ expected int, got str(3)
  |
 --> $F/violation.k:3:5
  |
3 |     replicas: int
  |     ^ variable is defined here, its type is int, but got str(3)
  |
EOF
fi
cp "$T/err" "$T/pretty"
run 1 run violation.k --error_format pretty && cmp -s "$T/err" "$T/pretty" && ok ||
    bad "--error_format pretty differs from the default"
NO_COLOR=1 CLICOLOR_FORCE=1 run 1 run violation.k && cmp -s "$T/err" "$T/pretty" && ok ||
    bad "NO_COLOR wins over CLICOLOR_FORCE"
# colour (forced, as on a terminal): the same text once the escapes are removed
if CLICOLOR_FORCE=1 run 1 run violation.k; then
    grep -q "$(printf '\033')\[" "$T/err" && ok || bad "CLICOLOR_FORCE: no colour"
    sed "s/$(printf '\033')\[[0-9;]*m//g" "$T/err" | cmp -s - "$T/pretty" && ok ||
        bad "coloured text differs from the plain text"
fi
if run 1 run violation.k --error_format short; then
    same "short: schema violation" "$T/err" <<EOF
$F/violation.k:7:5 - error[E2G22]: TypeError - expected int, got str(3); related: variable is defined here, its type is int, but got str(3)
EOF
fi
if KCL_ERROR_FORMAT=short run 1 run syntax.k; then
    head -1 "$T/err" | grep -qx "$F/syntax.k:2:3 - error\[E1001\]: InvalidSyntax - .*" && ok ||
        bad "KCL_ERROR_FORMAT=short: syntax error"
fi
KCL_ERROR_FORMAT=short run 1 run violation.k --error_format pretty && cmp -s "$T/err" "$T/pretty" &&
    ok || bad "--error_format wins over KCL_ERROR_FORMAT"
run 2 run violation.k --error_format xml && grep -q "invalid error format 'xml'" "$T/err" && ok ||
    bad "unknown --error_format"
if run 1 run check.k --error_format github; then
    same "github: escaping of % and line breaks" "$T/err" <<'EOF'
::error file=check.k,line=7,col=5,endLine=7,endColumn=26,title=E3M38 EvaluationError::Instance check failed%0Arelated: Check failed on the condition: port out of range: 100%25, needs 1..65535
EOF
fi
if run 1 run syntax.k --error_format github; then
    head -1 "$T/err" | grep -q '^::error file=syntax.k,line=2,col=3,.*title=E1001 InvalidSyntax::' &&
        ok || bad "github: syntax error"
fi
# properties escape ':' and ','
mkdir -p "$T/a,b:c"
cp violation.k "$T/a,b:c/v.k"
(cd "$T" && "$SCL" run "a,b:c/v.k" --error_format github) 2>"$T/err" >/dev/null
grep -q '^::error file=a%2Cb%3Ac/v.k,line=7,col=5,' "$T/err" && ok || bad "github: escaped file property"

# json and sarif, parsed and checked field by field
for case in violation syntax; do
    run 1 run $case.k --error_format json && cp "$T/err" "$T/$case.json"
    run 1 run $case.k --error_format sarif && cp "$T/err" "$T/$case.sarif"
done
run 1 lint ../lint/positions.k --error_format sarif && cp "$T/err" "$T/lint.sarif"
run 1 run violation.k --error_format arcanist && cp "$T/err" "$T/violation.arc"
if "$PY" - "$T" "$F" <<'EOF'; then ok; else bad "json/sarif field checks"; fi
import json, sys, os
t, f = sys.argv[1], sys.argv[2]
def check(c, what):
    if not c:
        print("  not so:", what)
        sys.exit(1)
lines = [json.loads(l) for l in open(os.path.join(t, "violation.json"))]
check(len(lines) == 1, "one JSON object per diagnostic")
d = lines[0]
check(d["level"] == "error" and d["code"] == "E2G22" and d["kind"] == "TypeError", "json ids")
check(d["message"] == "expected int, got str(3)", "json message")
lab = d["labels"][0]
check(lab["file"] == f + "/violation.k" and lab["line"] == 7 and lab["col"] == 5, "json label")
check(d["labels"][1]["line"] == 3, "json second label")
syn = [json.loads(l) for l in open(os.path.join(t, "syntax.json"))]
check(len(syn) >= 1 and all(s["code"] == "E1001" and s["kind"] == "InvalidSyntax" for s in syn),
      "json syntax errors")
check(syn[0]["labels"][0]["line"] == 2 and syn[0]["labels"][0]["col"] == 3, "json syntax place")

def sarif(name):
    s = json.load(open(os.path.join(t, name)))
    check(s["version"] == "2.1.0" and "sarif-2.1.0" in s["$schema"], "sarif version")
    check(len(s["runs"]) == 1, "one run")
    drv = s["runs"][0]["tool"]["driver"]
    check(drv["name"] == "scl" and drv["version"], "driver")
    return s["runs"][0], drv
run, drv = sarif("violation.sarif")
check([r["id"] for r in drv["rules"]] == ["E2G22"], "rules")
check(drv["rules"][0]["name"] == "TypeError", "rule name")
res = run["results"]
check(len(res) == 1, "one result")
r = res[0]
check(r["ruleId"] == "E2G22" and r["level"] == "error", "result ids")
check(r["message"]["text"].startswith("expected int, got str(3)"), "result message")
loc = r["locations"][0]["physicalLocation"]
check(loc["artifactLocation"]["uri"] == "violation.k", "uri relative to the working directory")
reg = loc["region"]
check((reg["startLine"], reg["startColumn"], reg["endLine"], reg["endColumn"]) == (7, 5, 7, 13),
      "region %r" % reg)
rel = r["relatedLocations"][0]
check(rel["physicalLocation"]["region"]["startLine"] == 3, "related location")
run, drv = sarif("syntax.sarif")
check(all(x["ruleId"] == "E1001" for x in run["results"]) and len(drv["rules"]) == 1,
      "syntax: one rule for every result")
reg = run["results"][0]["locations"][0]["physicalLocation"]["region"]
check((reg["startLine"], reg["startColumn"]) == (2, 3), "syntax region")
run, drv = sarif("lint.sarif")
check([x["level"] for x in run["results"]] == ["warning"] * 4, "lint: warnings")
check([x["ruleId"] for x in run["results"]] == ["W1001"] * 4, "lint: rule ids")
check(run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] ==
      "../lint/positions.k", "uri with ..")

arc = json.load(open(os.path.join(t, "violation.arc")))
check(isinstance(arc, list) and len(arc) == 1, "arcanist: an array")
a = arc[0]
check((a["Path"], a["Line"], a["Char"]) == (f + "/violation.k", 7, 5), "arcanist place")
check(a["Code"] == "error[E2G22]" and a["Name"] == "TypeError", "arcanist code")
check(a["Description"] == "expected int, got str(3) | related: variable is defined here, its type "
      "is int, but got str(3)", "arcanist description")
check(a["OriginalText"] == '    replicas = "3"', "arcanist source line")
EOF

# parse, vet and import honour the flag too
if run 1 parse syntax.k --error_format short; then
    head -1 "$T/err" | grep -q "^$F/syntax.k:2:3 - error\[E1001\]: InvalidSyntax - " && ok ||
        bad "parse --error_format short"
fi
printf '{"name": "web", "replicas": "3"}\n' >"$T/app.json"
printf 'schema App:\n    name: str\n    replicas: int\n' >"$T/app.k"
if run 1 vet "$T/app.json" "$T/app.k" --error_format short; then
    grep -q "app.json:1:[0-9]* - error\[E2G22\]: TypeError - expected int, got str(3)" "$T/err" &&
        ok || bad "vet --error_format short"
fi
printf 'a: [1\n' >"$T/broken.yaml"
if run 1 import "$T/broken.yaml" --error_format short; then
    grep -q "broken.yaml:2:1 - error\[import\]: ImportError - invalid YAML" "$T/err" && ok ||
        bad "import --error_format short"
fi

# {===== scl doc generate (spec tools.md §4)

cd "$D/doc" || exit 1
if run 0 doc generate --file-path pkg --target "$T/doc"; then
    [ -f "$T/doc/docs/docpkg.md" ] && ok || bad "doc: docs/<kcl.mod name>.md"
    same "doc: the Markdown of a package tree" "$T/doc/docs/docpkg.md" <expected.md
    grep -qx 'generating doc for package docpkg' "$T/out" && ok || bad "doc: stdout"
fi
# a second run overwrites, with a warning
run 0 doc generate --file-path pkg --target "$T/doc" && grep -q '^\[Warn\] path .* exists' "$T/out" &&
    ok || bad "doc: overwrite warning"
run 1 doc generate --file-path pkg --target "$T/doc" --format html && ok
run 0 doc generate --file-path pkg --target "$T/doc" --escape-html &&
    grep -q "as &lt;key&gt;: &lt;value&gt; pairs" "$T/doc/docs/docpkg.md" && ok || bad "doc --escape-html"
run 2 doc nothing && ok

# the build's documentation of the DigitalOcean schemas names every schema and attribute
MD="$BUILD/schemas/doc/digitalocean/docs/models.md"
PKGDIR="$BUILD/schemas/kcl/digitalocean_kcl/models"
if [ -f "$MD" ] && [ -d "$PKGDIR" ]; then
    find "$PKGDIR" -name '*.k' | sort >"$T/files"
    n=0
    : >"$T/asts"
    while read -r f; do
        "$SCL" parse --ast "$f" >>"$T/asts" && echo >>"$T/asts" && n=$((n + 1))
    done <"$T/files"
    if "$PY" - "$T/asts" "$MD" <<'EOF'; then ok; else bad "doc: DigitalOcean schemas"; fi
import json, sys, re
md = open(sys.argv[2]).read()
sections = {}
for part in md.split("\n### ")[1:]:
    name = part.split("\n", 1)[0]
    sections.setdefault(name, []).append(part)
count = 0
for line in open(sys.argv[1]):
    if not line.strip():
        continue
    mod = json.loads(line)
    for st in mod["body"]:
        if st["kind"] != "schema":
            continue
        count += 1
        name = st["name"]
        if name not in sections:
            print("  schema missing:", name)
            sys.exit(1)
        attrs = {a["name"] for a in st["body"] if a["kind"] == "schema_attr"}
        # one of the sections of that name documents exactly these attributes
        found = False
        for sec in sections[name]:
            rows = set(re.findall(r"^\|\*\*(.+?)\*\*", sec, re.M))
            if rows == attrs:
                found = True
        if not found:
            print("  attributes of", name, "not documented:", sorted(attrs))
            sys.exit(1)
if count < 50:
    print("  only", count, "schemas")
    sys.exit(1)
EOF
else
    echo "SKIP: $MD not built"
fi

echo "tools: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
