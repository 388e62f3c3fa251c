#!/bin/sh
# nfparse -e (the ECS emitter) against Elastic's expected documents.
s=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
b=${top_builddir:-$s}
exec python3 "$s/tests/ecs/elastic-compare.py" "$b/nfparse" "$s/tests/golden"
