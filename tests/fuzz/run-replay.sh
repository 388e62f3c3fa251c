#!/bin/sh
# Every corpus line and every truncation prefix of it through parse + JSON emit.
set -e
b=${top_builddir:-.}; s=${top_srcdir:-.}
exec "$b/tests/fuzz/fuzz_replay" "$s"/tests/data/*.log "$s"/tests/data/*/*.log "$s"/tests/golden/*/*.log \
	"$s"/tests/explain/*/*.log
