#!/usr/bin/env bash
# A libFuzzer campaign over parse + all emitters (clang, ASan+UBSan), seeded with every corpus
# line. Not part of make check (the replay of the seeds is); run it by hand:
#   bash tests/fuzz/campaign.sh [SECONDS] [MAX_LEN]   (default 120 s, 65536 bytes; apt-get install clang libclang-rt-14-dev)
# Inputs are single lines of every dialect (kernel LOG/TRACE, ebtables, both monitors) and whole
# ruleset files (the entry also reads every input as a ruleset); -timeout=2 makes any input that
# takes 2 s (a quadratic path on a long line) a finding.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-120}
work=$(mktemp -d "${TMPDIR:-/tmp}/mnf-fuzz.XXXXXX")
mkdir -p "$work/corpus"
i=0
for f in "$top"/tests/golden/*/*.log "$top"/tests/data/*.log "$top"/tests/data/*/*.log "$top"/tests/explain/*/*.log; do
	while IFS= read -r l; do i=$((i + 1)); printf '%s' "$l" > "$work/corpus/s$i"; done < "$f"
done
# whole ruleset files too (the entry reads every input as a ruleset as well)
for f in "$top"/tests/golden/seed/*.txt "$top"/tests/explain/*/*.v4 "$top"/tests/explain/*/*.nft "$top"/tests/data/resolve/*.nft; do
	i=$((i + 1)); cp "$f" "$work/corpus/s$i"
done
cd "$top"
# ENTRY=lines (default: parse, resolve, emit) or rules (ruleset files): one half per campaign
case ${ENTRY:-lines} in lines) half=-DFUZZ_LINES_ONLY ;; rules) half=-DFUZZ_RULES_ONLY ;; *) half= ;; esac
# the live-tree serializer where libfastjson's private header has what it uses (as configure checks)
priv=$(CC=clang sh scripts/fjson-private-flag.sh)
clang -g -O1 $half $priv -fsanitize=fuzzer,address,undefined -Isrc $(pkg-config --cflags libfastjson) \
	src/*/*.c tests/fuzz/fuzz_nfp.c $(pkg-config --libs libfastjson) -o "$work/fuzz"
echo "seeds: $i; crashes, if any, are written to $work"
# JOBS=N runs N fuzzing processes side by side on the one corpus (their logs: fuzz-<i>.log);
# the executions are summed at the end
cd "$work"
rc=0
./fuzz -max_total_time="$secs" -max_len="${2:-65536}" -timeout=2 -print_final_stats=1 \
	${JOBS:+-jobs="$JOBS" -workers="$JOBS"} corpus || rc=$?
if [ -n "${JOBS:-}" ]; then
	cat fuzz-*.log | grep -E '^(stat::|==|SUMMARY)' || true
	echo "campaign: $(cat fuzz-*.log | sed -n 's/^stat::number_of_executed_units: *//p' | awk '{s += $1} END {print s}') executions in $JOBS processes," \
		"coverage $(cat fuzz-*.log | grep -Eo 'cov: [0-9]+' | sort -t' ' -k2 -n | tail -1)"
fi
exit $rc
