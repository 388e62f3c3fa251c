#!/bin/sh
# Cost linear in the line length for adversarial shapes (instruction counts, tests/perf/adversarial.py).
b=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
s=${top_srcdir:-$b}
command -v valgrind >/dev/null || { echo "SKIP adversarial: valgrind not installed"; exit 77; }
exec python3 "$s/tests/perf/adversarial.py" "$b/bench/bench_parse"
