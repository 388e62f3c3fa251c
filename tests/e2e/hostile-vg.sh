#!/bin/bash
# hostile.sh under valgrind (a smaller corpus): no invalid access, no definite leak.
command -v valgrind >/dev/null || { echo "SKIP hostile-vg: valgrind not installed"; exit 77; }
HOSTILE_LINES=400 VALGRIND=1 exec bash "$(dirname "$0")/hostile.sh"
