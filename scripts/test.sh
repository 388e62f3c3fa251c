#!/usr/bin/env bash
# Set up, build, install, and run the whole test suite (make check), then the parser core's
# tests again under AddressSanitizer + UndefinedBehaviorSanitizer in a second build tree.
# Prints one closing line: "N passed, N failed, N skipped".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash scripts/build.sh || { echo "0 passed, 1 failed"; exit 1; }

rc=0
make -j2 check || rc=1
# the figures each test printed
cat tests/*/*.sh.log tests/unit/check_nfp.log 2>/dev/null |
	grep -E '^(golden|explain|corpus|remote|workers|config|contrib|abi|replayed|netns|rule-walks|real-rulesets|explain-html|report-html|prefix-rules|prefix-reload|resolve-reload|resolve-module|adversarial|ruleset-scale|snapshot-appears|format=|short-fuzz|hostile|es-faults|fields|debian-stock|elastic-compare|mapping-check|es-delivery|journald|relay|dedup|layout|nflog-twins|nflog-twins-vg|nflog-flood|nft-trace|kmsg-crash|docker-walks|firewalld-walks|kube-proxy-walks|seed-router|nft-examples|[0-9]+%|SKIP)' || true

# The parser core once more under AddressSanitizer + UndefinedBehaviorSanitizer: unit tests,
# golden and explain tests and the fuzz replay (every truncation of every corpus line).
san=$top/.build-san
rm -rf "$san" && mkdir -p "$san/tests/fuzz"
SANFLAGS="-std=gnu11 -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined -Isrc $(sh scripts/fjson-private-flag.sh)"
core=$(echo src/*/*.c)   # the whole core (every stage), as tests/fuzz/campaign.sh builds it
san_pass=0 san_fail=0
if cc $SANFLAGS $(pkg-config --cflags libfastjson check) -o "$san/check_nfp" $core tests/unit/check_*.c plugin/mmnetfilter/rsversion.c $(pkg-config --libs libfastjson check) &&
   cc $SANFLAGS $(pkg-config --cflags libfastjson) -o "$san/nfparse" $core tools/*.c $(pkg-config --libs libfastjson) &&
   cc $SANFLAGS $(pkg-config --cflags libfastjson) -o "$san/tests/fuzz/fuzz_replay" $core tests/fuzz/fuzz_nfp.c tests/fuzz/replay_main.c $(pkg-config --libs libfastjson); then
	for t in "$san/check_nfp" "tests/golden/run.sh" "tests/explain/run.sh" "tests/fuzz/run-replay.sh"; do
		if top_srcdir=$top top_builddir=$san "$t" > "$san/$(basename "$t").out" 2>&1; then
			san_pass=$((san_pass + 1)); echo "PASS (asan+ubsan): $t"
		else
			san_fail=$((san_fail + 1)); echo "FAIL (asan+ubsan): $t"; tail -n 30 "$san/$(basename "$t").out"
		fi
	done
else
	san_fail=1; echo "FAIL: sanitizer build"
fi
[ "$san_fail" -eq 0 ] || rc=1

# The Debian packages: built (dpkg-buildpackage, lintian), installed, run with Debian's own
# rsyslog.conf on real kernel lines through a restart, removed and purged. After make check:
# it installs and removes packages, which no other test may see half-way.
pkg_pass=0 pkg_fail=0 pkg_skip=0
bash tests/package/run.sh > tests/package/run.out 2>&1
case $? in
0) pkg_pass=1; echo "PASS: tests/package/run.sh" ;;
77) pkg_skip=1; echo "SKIP: tests/package/run.sh" ;;
*) pkg_fail=1; rc=1; echo "FAIL: tests/package/run.sh"; tail -n 40 tests/package/run.out ;;
esac
grep -E '^(package: (installed|real|dpkg|rsyslog-mmnetfilter_|lintian: no)|SKIP)' tests/package/run.out || true

# A skip passes only for a reason of the machine's that setup cannot change
# (tests/environmental-skips.txt); any other skip fails the run.
skip_bad=0
for log in $(grep -l '^:test-result: SKIP' tests/*/*.trs 2>/dev/null | sed 's/\.trs$/.log/') $([ "$pkg_skip" = 1 ] && echo tests/package/run.out); do
	why=$(grep -m1 '^SKIP' "$log" 2>/dev/null)
	if [ -n "$why" ] && grep -qFf <(grep -v -e '^#' -e '^$' tests/environmental-skips.txt) <<<"$why"; then
		echo "skip (environmental): $why"
	else
		skip_bad=$((skip_bad + 1)); echo "FAIL: ${log%.*} skipped for no documented environmental reason: ${why:-(no SKIP line)}"
	fi
done
[ "$skip_bad" -eq 0 ] || rc=1

pass=$(( $(cat tests/*/*.trs 2>/dev/null | grep -c '^:test-result: PASS') + san_pass + pkg_pass ))
failn=$(( $(cat tests/*/*.trs 2>/dev/null | grep -cE '^:test-result: (FAIL|ERROR|XPASS)') + san_fail + pkg_fail + skip_bad ))
skipn=$(( $(cat tests/*/*.trs 2>/dev/null | grep -c '^:test-result: SKIP') + pkg_skip - skip_bad ))
[ "$failn" -eq 0 ] && [ "$pass" -gt 0 ] || rc=1
echo "$pass passed, $failn failed, $skipn skipped"
exit $rc
