#!/bin/sh
# scl run into a regular file writes a stream of documents as it makes it; into a pipe it
# writes the whole output at the end. Both give the same bytes, and an error in the middle
# of the stream leaves a file as it was before the output began.
bin=${SCL_BIN:-./scl}
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

# about 400 KB of YAML: many pieces of 32 KB
cat >list.k <<'EOF'
docs = [{kind = "ConfigMap", metadata.name = "cm-${i}", data = {key = "v" * (i % 40), n = i}} for i in range(3000)]
EOF
cat >stream.k <<'EOF'
import manifests
print("before")
manifests.yaml_stream([{name = "d${i}", items = [i, i + 1], text = "x" * (i % 50)} for i in range(4000)], opts={sep = "--- #"})
EOF
cat >docs.k <<'EOF'
[{apiVersion = "v1", kind = "Service", metadata.name = "s${i}"} for i in range(3000)]
EOF

for prog in list.k stream.k docs.k; do
    for fmt in yaml json; do
        "$bin" run "$prog" --format "$fmt" >file.out 2>file.err || fail "$prog $fmt: exit $? ($(cat file.err))"
        "$bin" run "$prog" --format "$fmt" 2>pipe.err | cat >pipe.out
        [ -s file.out ] || fail "$prog $fmt: no output"
        cmp -s file.out pipe.out || fail "$prog $fmt: a file and a pipe get different bytes"
        "$bin" run "$prog" --format "$fmt" -o o.out >print.out || fail "$prog $fmt -o: exit $?"
        cat print.out o.out | cmp -s - pipe.out || fail "$prog $fmt: -o FILE gets different bytes"
    done
done
size=$(wc -c <pipe.out)
[ "$size" -gt 100000 ] || fail "docs.k json: only $size bytes, fewer than the test needs"

# an output budget exceeded after several pieces: nothing of the output stays in the file
for prog in list.k docs.k stream.k; do
    "$bin" run "$prog" --max-output 100K >cut.out 2>cut.err && fail "$prog: over the budget, exit 0"
    grep -q "output exceeded its size budget" cut.err || fail "$prog: no budget message: $(cat cut.err)"
    want=
    [ "$prog" = stream.k ] && want=before
    [ "$(cat cut.out)" = "$want" ] || fail "$prog: the file keeps $(wc -c <cut.out) bytes of a failed output"
    printf 'kept\n' >app.out
    "$bin" run "$prog" --max-output 100K >>app.out 2>/dev/null && fail "$prog >>: exit 0"
    want='kept'
    [ "$prog" = stream.k ] && want='kept
before'
    [ "$(cat app.out)" = "$want" ] || fail "$prog >>: the file holds $(wc -c <app.out) bytes, not what it held plus print()'s"
    "$bin" run "$prog" --max-output 100K -o o2.out >/dev/null 2>&1 && fail "$prog -o: exit 0"
    [ ! -s o2.out ] || fail "$prog -o: the file keeps $(wc -c <o2.out) bytes of a failed output"
    "$bin" run "$prog" --max-output 100K 2>/dev/null | cat >pipe2.out
    want=
    [ "$prog" = stream.k ] && want=before
    [ "$(cat pipe2.out)" = "$want" ] || fail "$prog | cat: $(wc -c <pipe2.out) bytes of a failed output reached the pipe"
done

# the stream is not held whole: with 30 MB of output, a file costs the run far less memory
# than a pipe (peak resident size, from the kernel's accounting of the child)
py=${PYTHON3:-python3}
cat >big.k <<'EOF'
[{name = "n${i}", data = "x" * 180} for i in range(150000)]
EOF
cat >peak.py <<'EOF'
import resource, subprocess, sys
cmd = [sys.argv[1], "run", "big.k"]
if sys.argv[2] == "file":
    with open("big.out", "wb") as f:
        rc = subprocess.run(cmd, stdout=f).returncode
else:
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    with open("big.pipe", "wb") as f:
        for chunk in iter(lambda: p.stdout.read(1 << 16), b""):
            f.write(chunk)
    rc = p.wait()
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss if rc == 0 else -1)
EOF
f=$("$py" peak.py "$bin" file) p=$("$py" peak.py "$bin" pipe)
[ "$f" -gt 0 ] && [ "$p" -gt 0 ] || fail "big.k: the runs failed ($f, $p)"
cmp -s big.out big.pipe || fail "big.k: a file and a pipe get different bytes"
[ "$(wc -c <big.out)" -gt 30000000 ] || fail "big.k: only $(wc -c <big.out) bytes"
[ $((f + 20000)) -lt "$p" ] || fail "big.k: peak RSS $f KB into a file, $p KB into a pipe: the output was held whole"
echo "big.k: peak RSS $f KB into a file, $p KB into a pipe"

echo "stream: $fails failures"
[ $fails -eq 0 ]
