#!/bin/bash
# corpus-imfile under valgrind: no invalid read/write, no definite leak in rsyslogd + module.
command -v valgrind >/dev/null || { echo "SKIP corpus-imfile-vg: valgrind not installed"; exit 77; }
VALGRIND=1 exec bash "$(dirname "$0")/corpus-imfile.sh"
