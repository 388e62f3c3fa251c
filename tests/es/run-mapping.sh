#!/bin/sh
# every ECS field the emitter produces is mapped in the shipped template, and vice versa
s=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
b=${top_builddir:-$s}
exec python3 "$s/tests/es/mapping-check.py" "$b/nfparse" "$s"
