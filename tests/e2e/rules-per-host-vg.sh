#!/bin/bash
# rules-per-host under valgrind: per-host snapshot sets made, reloaded in their loader threads and freed, no invalid access, no definite leak.
command -v valgrind >/dev/null || { echo "SKIP rules-per-host-vg: valgrind not installed"; exit 77; }
VALGRIND=1 exec bash "$(dirname "$0")/rules-per-host.sh"
