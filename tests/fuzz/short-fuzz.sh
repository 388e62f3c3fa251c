#!/bin/bash
# A short libFuzzer run in make check (30 s, inputs up to 64 KiB, ASan+UBSan): the same entry
# and seeds as tests/fuzz/campaign.sh, which is the long campaign run by hand (README figures).
# Fails on any crash, leak, sanitizer report, native-emitter disagreement or 2 s input.
s=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v clang >/dev/null || { echo "SKIP short-fuzz: clang not installed (apt-get install clang libclang-rt-14-dev)"; exit 77; }
echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }' > "${TMPDIR:-/tmp}/mnf-fz-probe.c"
clang -fsanitize=fuzzer "${TMPDIR:-/tmp}/mnf-fz-probe.c" -o "${TMPDIR:-/tmp}/mnf-fz-probe" 2>/dev/null ||
	{ rm -f "${TMPDIR:-/tmp}"/mnf-fz-probe*; echo "SKIP short-fuzz: libFuzzer runtime missing (apt-get install libclang-rt-14-dev)"; exit 77; }
rm -f "${TMPDIR:-/tmp}"/mnf-fz-probe*
out=$(bash "$s/tests/fuzz/campaign.sh" "${FUZZ_SECONDS:-30}" 65536 2>&1); rc=$?
echo "$out" | grep -E '^(seeds|#[0-9]+.*(DONE|INITED))|stat::number_of_executed_units|stat::peak_rss|ERROR|SUMMARY' | tail -8
execs=$(echo "$out" | sed -n 's/^stat::number_of_executed_units: *//p')
cov=$(echo "$out" | grep -Eo 'cov: [0-9]+' | tail -1)
echo "short-fuzz: ${execs:-0} executions in ${FUZZ_SECONDS:-30} s, $cov, exit $rc"
[ "$rc" = 0 ] && [ "${execs:-0}" -gt 0 ]
