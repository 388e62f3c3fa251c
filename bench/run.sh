#!/usr/bin/env bash
# The benchmark, one command (after the README's setup/build): generates the corpus
# (deterministic, default 1,000,000 lines; BENCH_LINES to change), then prints the table.
# BENCH_RUNS (default 5) runs per pipeline; BENCH_MEM_ROUNDS (default 10) for the RSS check.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
command -v lognormalizer >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends liblognorm-utils >/dev/null
# jemalloc for the tuning-knob row (LD_PRELOAD into rsyslogd)
[ -e /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libjemalloc2 >/dev/null || true
[ -f Makefile ] || bash scripts/build.sh
make -s all bench/bench_parse bench/mmnetfilter_floor.la   # never measure a stale build
lines=${BENCH_LINES:-1000000}
mkdir -p bench/out
corpus=bench/out/corpus-$lines.txt
[ -s "$corpus" ] || python3 bench/gen_corpus.py "$lines" 42 > "$corpus"
exec python3 bench/run.py --corpus "$corpus" --builddir "$top" --runs "${BENCH_RUNS:-5}" --mem-rounds "${BENCH_MEM_ROUNDS:-10}"
