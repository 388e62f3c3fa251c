#!/usr/bin/env bash
# Set up (Debian 12, as root), configure, build, and install the module into rsyslog's
# module directory. Extra arguments go to ./configure.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash scripts/setup-debian.sh
[ -x configure ] && [ configure -nt configure.ac ] && [ Makefile.in -nt Makefile.am ] || autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
./configure -q --enable-werror "$@"
make -s -j"$(nproc)"
make -s install >/dev/null
echo "build: nfparse, mmnetfilter.so and imnetfilter.so built; modules installed in $(sed -n 's/^moddir = //p' Makefile)"
