#!/bin/sh
# scl vet: KCL's validator test data (../shared/conformance/vet) and cases of our own.
# Environment (set by make check): SCL_BIN, SCL_SRCDIR.
set -u
SCL=${SCL_BIN:-./scl}
SRC=${SCL_SRCDIR:-.}
CASES="$SRC/../shared/conformance/vet"
if [ ! -d "$CASES" ]; then
    echo "SKIP: $CASES is absent"
    exit 77
fi
CASES=$(cd "$CASES" && pwd -P)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() {
    fail=$((fail + 1))
    echo "FAIL: $*"
    sed 's/^/    /' "$TMP/err" | head -20
}

# vet_ok NAME ARGS...: exit 0 and "Validate success!" on stdout
vet_ok() {
    name=$1
    shift
    "$SCL" vet "$@" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    if [ $rc -eq 0 ] && [ "$(cat "$TMP/out")" = "Validate success!" ]; then ok; else bad "$name (exit $rc)"; fi
}

# vet_fails NAME WANT ARGS...: exit 1, no crash, stderr holds every '|'-separated part of WANT
vet_fails() {
    name=$1
    want=$2
    shift 2
    if command -v timeout >/dev/null 2>&1; then
        timeout 60 "$SCL" vet "$@" >"$TMP/out" 2>"$TMP/err"
    else
        "$SCL" vet "$@" >"$TMP/out" 2>"$TMP/err"
    fi
    rc=$?
    if [ $rc -ne 1 ]; then
        bad "$name: exit $rc, want 1"
        return
    fi
    if grep -q 'Sanitizer\|runtime error:' "$TMP/err"; then
        bad "$name: sanitizer report"
        return
    fi
    old_ifs=$IFS
    IFS='|'
    for w in $want; do
        if ! grep -qF -- "$w" "$TMP/err"; then
            IFS=$old_ifs
            bad "$name: stderr lacks '$w'"
            return
        fi
    done
    IFS=$old_ifs
    ok
}

# {===== KCL's cases (crates/tools/src/vet/tests.rs)

# validate_cases: every case passes, as JSON and as YAML
for c in test simple list plain_value complex with_import lambda_check; do
    vet_ok "valid $c.json" "$CASES/validate_cases/$c.k.json" "$CASES/validate_cases/$c.k" -a value
    vet_ok "valid $c.yaml" "$CASES/validate_cases/$c.k.yaml" "$CASES/validate_cases/$c.k" -a value \
        --format yaml
done
# a package (kcl.mod): schemas in sibling files resolve
P="$CASES/validate_cases/pkg_with_kcl_mod"
vet_ok "kcl.mod package json" "$P/person.k.json" "$P/person.k" -s Person
vet_ok "kcl.mod package yaml" "$P/person.k.yaml" "$P/person.k" -s Person --format yaml
# without --schema, the first schema of the package in file order is Name (name.k): it fails
vet_fails "kcl.mod package, first schema" "person.k.json:2" "$P/person.k.json" "$P/person.k"

# invalid_vet_cases_*: KCL requires the error to name <dir>/<case>; we also want the line in
# the data file (or in the code, for a failing assert)
loc_json="test:test.k.json:1 simple:simple.k.json:2 list:list.k.json:3 plain_value:plain_value.k:2
complex:complex.k.json:5 with_import:with_import.k.json:2 lambda_check:lambda_check.k.json:1"
loc_yaml="test:test.k.yaml:1 simple:simple.k.yaml:1 list:list.k.yaml:1 plain_value:plain_value.k:2
complex:complex.k.yaml:4 with_import:with_import.k.yaml:1 lambda_check:lambda_check.k.yaml:1"
for entry in $loc_json; do
    c=${entry%%:*}
    where=${entry#*:}
    D="$CASES/invalid_vet_cases_json"
    vet_fails "invalid json $c" "$D/$c.k|$D/$where:" "$D/$c.k.json" "$D/$c.k" -a value
    # KCL's test also reads the JSON data with the YAML loader
    vet_fails "invalid json-as-yaml $c" "$D/$c.k|$D/$where:" "$D/$c.k.json" "$D/$c.k" -a value \
        --format yaml
done
for entry in $loc_yaml; do
    c=${entry%%:*}
    where=${entry#*:}
    D="$CASES/invalid_vet_cases_yaml"
    vet_fails "invalid yaml $c" "$D/$c.k|$D/$where:" "$D/$c.k.yaml" "$D/$c.k" -a value --format yaml
done
# invalid_validate_cases: KCL only checks that the message contains "Error"
for c in test simple list plain_value complex; do
    D="$CASES/invalid_validate_cases"
    vet_fails "invalid_validate json $c" "Error" "$D/$c.k.json" "$D/$c.k" -a value
    vet_fails "invalid_validate yaml $c" "Error" "$D/$c.k.yaml" "$D/$c.k" -a value --format yaml
done
# loader errors
echo 'a = 1' >"$TMP/plain.k"
vet_fails "not JSON" "Failed to Load JSON|test_invalid.json:1:1" "$CASES/invalid/test_invalid.json" \
    "$TMP/plain.k"
vet_fails "not YAML" "Failed to Load YAML|test_invalid.yaml:4:1" "$CASES/invalid/test_invalid.yaml" \
    "$TMP/plain.k" --format yaml
vet_fails "YAML given as JSON" "Failed to Load JSON" "$CASES/validate_cases/test.k.yaml" \
    "$CASES/validate_cases/test.k"
vet_fails "u64 in JSON" "Failed to Load JSON|Unsupported Unsigned 64|json_with_u64.json:2:18" \
    "$CASES/invalid/unsupported/json_with_u64.json" "$TMP/plain.k"
vet_fails "u64 in YAML" "Failed to Load YAML|Unsupported Number Type|yaml_with_u64.yaml:2:18" \
    "$CASES/invalid/unsupported/yaml_with_u64.yaml" "$TMP/plain.k" --format yaml
# the expression builder's data (json/, yaml/, json_str/): every file loads (no schema)
for f in "$CASES"/json/*.json "$CASES"/json/no_schema_name/*.json "$CASES"/json_str/*.json; do
    vet_ok "load $(basename "$f")" "$f" "$TMP/plain.k"
done
for f in "$CASES"/yaml/*.yaml "$CASES"/yaml/no_schema_name/*.yaml; do
    vet_ok "load $(basename "$f")" "$f" "$TMP/plain.k" --format yaml
done

# {===== our own cases
cd "$TMP" || exit 1
cat >user.k <<'EOF'
schema User:
    name: str
    age: int

    check:
        age >= 0, "age must not be negative"
EOF
printf '{"name": "a", "age": 1}\n' >ok.json
printf '{"name": "b", "age": "x"}\n' >bad.json

# every document of a YAML stream is validated (KCL checks the first only)
printf 'name: a\nage: 1\n---\nname: b\nage: 2\n' >two.yaml
vet_ok "stream of two valid documents" two.yaml user.k --format yaml
printf 'name: a\nage: 1\n---\nname: b\nage: x\n' >two.yaml
vet_fails "second document invalid" "two.yaml:5|document 2 of 2" two.yaml user.k --format yaml
printf '# nothing\n' >empty.yaml
vet_fails "empty YAML stream" "Failed to Load YAML" empty.yaml user.k --format yaml

# --output json
"$SCL" vet ok.json user.k --output json >out.json 2>"$TMP/err"
rc=$?
printf '{\n  "success": true,\n  "message": "Validate success!"\n}\n' >want.json
if [ $rc -eq 0 ] && cmp -s out.json want.json; then ok; else bad "json output, success (exit $rc)"; fi
"$SCL" vet bad.json user.k --output json >out.json 2>"$TMP/err"
rc=$?
if [ $rc -eq 0 ] && grep -q '^  "success": false,$' out.json && grep -q '^  "errCount": 1,$' out.json &&
    grep -q '"errorType": "TypeError"' out.json && grep -q '"file": ".*/bad.json"' out.json &&
    grep -q '"line": 1,' out.json && grep -q '"codeSnippet": ' out.json &&
    grep -q '"message": "expected int, got str(x)' out.json && [ ! -s "$TMP/err" ]; then
    ok
else
    cp out.json "$TMP/err"
    bad "json output, failure (exit $rc)"
fi

# DATA as a directory, a glob, stdin
mkdir -p d
cp ok.json d/a.json
cp ok.json d/b.json
vet_ok "directory" d user.k
vet_ok "glob" 'd/*.json' user.k
cp bad.json d/c.json
vet_fails "directory with an invalid file" "d/c.json:1" d user.k
vet_fails "glob without a match" 'the path "nothing*.json" does not exist' 'nothing*.json' user.k
"$SCL" vet - user.k <ok.json >"$TMP/out" 2>"$TMP/err" && ok || bad "stdin"
"$SCL" vet - user.k <bad.json >"$TMP/out" 2>"$TMP/err"
[ $? -eq 1 ] && grep -qF '<stdin>:1' "$TMP/err" && ok || bad "stdin, invalid"

# --schema
vet_fails "missing schema name" "Nope" ok.json user.k --schema Nope
vet_ok "--schema=User" ok.json user.k --schema=User
printf 'schema A:\n    x: int\nschema User:\n    name: str\n' >two.k
vet_fails "first schema is the default" "Cannot add member" ok.json two.k
printf '{"name": "a"}' >name.json
vet_ok "-s picks another schema" name.json two.k -s User

# -a names the data for the code
printf 'assert value >= 1, "must be positive"\n' >plain.k
printf '3\n' >three.json
printf '0\n' >zero.json
vet_ok "-a value with assert" three.json plain.k -a value
vet_fails "-a value with a failing assert" "must be positive|plain.k:1" zero.json plain.k -a value
vet_fails "no -a: the name is unknown" "value" three.json plain.k
printf 'schema User:\n    name: str\nassert len(data) == 2\n' >list.k
printf '[{"name": "a"}, [{"name": 1}]]\n' >nested.json
vet_fails "lists of lists wrap items" "expected str, got int(1)|nested.json:1:19" nested.json list.k \
    -a data
printf '[{"name": "a"}, {"name": "b"}]\n' >list.json
vet_ok "a list of schema items" list.json list.k -a data

# schema checks, kcl.mod in the code's directory, -E
printf '{"name": "a", "age": -1}\n' >neg.json
vet_fails "check block" "age must not be negative|neg.json:1" neg.json user.k
mkdir -p ext/lib
printf 'schema Port:\n    n: int\n' >ext/lib/main.k
printf '[package]\nname = "lib"\nversion = "0.0.1"\n' >ext/lib/kcl.mod
printf 'import lib\nschema S:\n    p: lib.Port\n' >usesext.k
printf '{"p": {"n": 1}}\n' >ext.json
vet_ok "-E name=path" ext.json usesext.k -E lib=ext/lib
vet_fails "-E malformed" "invalid --external value" ext.json usesext.k -E lib=

# numbers and strings as KCL's loaders read them
printf 'schema N:\n    f: float\n' >f.k
printf '{"f": 1e3}\n' >f.json
vet_ok "JSON 1e3 is a float" f.json f.k
printf 'f: 1.5\n' >f.yaml
vet_ok "YAML 1.5" f.yaml f.k --format yaml
printf 'f: 1.0\n' >f.yaml
vet_fails "YAML 1.0 is refused" "Unsupported Number Type|f.yaml:1:4" f.yaml f.k --format yaml
printf 'f: 1e3\n' >f.yaml
vet_fails "YAML 1e3 is refused" "Unsupported Number Type" f.yaml f.k --format yaml
printf '{"f": 100000000000000000000}\n' >f.json
vet_ok "JSON integer beyond 64 bits is a float" f.json f.k
printf 'schema T:\n    s: str\n    check:\n        s == "\\u00e9\\U0001f600/\\n"\n' >s.k
printf '{"s": "\\u00e9\\ud83d\\ude00\\/\\n"}\n' >s.json
vet_ok "JSON escapes" s.json s.k
printf '{"s": "a",}\n' >s.json
vet_fails "JSON trailing comma" "Failed to Load JSON|s.json:1:11" s.json s.k
printf 's: !!str a\n' >s.yaml
vet_fails "YAML tag" "Failed to Load YAML|tag" s.yaml s.k --format yaml
printf 'a: &x {s: b}\nb: *x\n' >s.yaml
vet_fails "YAML alias" "Failed to Load YAML|Unsupported Yaml Element" s.yaml plain.k --format yaml

# deep and big inputs: refused or validated, never a crash or a hang
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "["; for (i = 0; i < 100000; i++) printf "]"; print "" }' >deep.json
vet_fails "deep JSON" "recursion limit exceeded" deep.json plain.k
cp deep.json deep.yaml
vet_fails "deep YAML" "recursion limit exceeded" deep.yaml plain.k --format yaml
awk 'BEGIN { for (i = 0; i < 100; i++) printf "["; for (i = 0; i < 100; i++) printf "]"; print "" }' >d100.json
vet_ok "100 levels" d100.json user.k
printf 'schema Open:\n    [...str]: any\n' >open.k
awk 'BEGIN { for (i = 0; i < 120; i++) printf "{\"a\": "; printf "1"; for (i = 0; i < 120; i++) printf "}"; print "" }' >deepobj.json
vet_ok "120 levels of mappings under a schema" deepobj.json open.k
awk 'BEGIN { printf "["; for (i = 0; i < 100000; i++) printf "%s{\"name\": \"n%d\", \"age\": %d}", (i ? "," : ""), i, i; print "]" }' >big.json
vet_ok "100000 items" big.json user.k
awk 'BEGIN { for (i = 0; i < 20000; i++) printf "---\nname: n%d\nage: %d\n", i, i }' >many.yaml
printf -- '---\nname: last\nage: -5\n' >>many.yaml
vet_fails "20001 documents, the last invalid" "document 20001 of 20001|many.yaml:60002" many.yaml \
    user.k --format yaml

# usage
"$SCL" vet ok.json >/dev/null 2>&1
[ $? -eq 2 ] && ok || bad "one positional argument is a usage error"

echo "vet: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
