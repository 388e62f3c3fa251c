#!/bin/bash
# remote-imptcp under valgrind (three containers, local variables).
command -v valgrind >/dev/null || { echo "SKIP remote-imptcp-vg: valgrind not installed"; exit 77; }
VALGRIND=1 exec bash "$(dirname "$0")/remote-imptcp.sh"
