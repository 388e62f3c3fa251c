#!/usr/bin/env bash
# Copy the kernel-line corpora from ../shared/corpus into tests/golden/ (inputs only; the
# expected .json files next to them are ours, checked by hand against the kernel format).
# Licence and origin notes travel with the data (tests/golden/SOURCES.md).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
src=${1:-$top/../shared/corpus}
g=$top/tests/golden
mkdir -p "$g"/{seed,elastic,beats,liblognorm,syslog-ng}
cp "$src/seed/trace-openstack.log" "$src/seed/iptables-save-nat.txt" "$g/seed/"
cp "$src/peers/elastic-integrations/test-iptables-raw.log" "$src/peers/elastic-integrations/test-ubiquiti.log" "$g/elastic/"
# Elastic's expected ECS documents for them (tests/ecs/elastic-compare.py)
cp "$src/peers/elastic-integrations/test-iptables-raw.log-expected.json" "$src/peers/elastic-integrations/test-ubiquiti.log-expected.json" "$g/elastic/"
for f in iptables ipv6 icmp geo ubiquiti; do cp "$src/peers/elastic-beats/$f.log" "$g/beats/$f.log"; done
# liblognorm/syslog-ng cases are TSV (input<TAB>their expectation): keep the inputs
cut -f1 "$src/peers/liblognorm/field_v2-iptables.tsv" > "$g/liblognorm/field_v2-iptables.log"
cut -f1 "$src/peers/syslog-ng/test_kv_scanner-iptables.tsv" > "$g/syslog-ng/kv-scanner-iptables.log"
cp "$src/peers/SOURCES.md" "$g/SOURCES.md"
# Community ID v1 test vectors, with their licence
mkdir -p "$top/tests/data/community-id"
cp "$src"/community-id/{COPYING,baseline_deflt.json,baseline_nob64.json,baseline_seed1.json,readme_table_vectors.tsv} "$top/tests/data/community-id/"
echo "imported into $g"
