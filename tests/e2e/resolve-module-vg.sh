#!/bin/bash
# resolve-module under valgrind: snapshots loaded, records resolved and freed, no invalid access, no definite leak.
command -v valgrind >/dev/null || { echo "SKIP resolve-module-vg: valgrind not installed"; exit 77; }
VALGRIND=1 exec bash "$(dirname "$0")/resolve-module.sh"
