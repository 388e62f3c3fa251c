#!/bin/bash
# dedup.sh under valgrind: the window, its state file and the duplicate marks with no invalid
# access and no definite leak.
command -v valgrind >/dev/null || { echo "SKIP dedup-vg: valgrind not installed"; exit 77; }
VALGRIND=1 exec bash "$(dirname "$0")/dedup.sh"
