#!/usr/bin/env bash
# Build the Debian packages (rsyslog-mmnetfilter, nfparse) with dpkg-buildpackage -b -us -uc
# in a clean copy of this tree (the tracked and the new, not ignored, files: an in-tree build of
# scripts/build.sh does not get in the way), check them with lintian, and put them in dist/
# (or DIR). Sets the machine up first (scripts/setup-debian.sh, SETUP_FOR=package: the build
# packages, debhelper, lintian). Usage: scripts/package.sh [DIR]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-$top/dist}" && cd "${1:-$top/dist}" && pwd)
SETUP_FOR=${SETUP_FOR:-package} bash "$top/scripts/setup-debian.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/src"
(cd "$top" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$tmp/src")
ln -s "$top/.deps" "$tmp/src/.deps"
(cd "$tmp/src" && dpkg-buildpackage -b -us -uc > "$tmp/build.log" 2>&1) ||
	{ tail -n 60 "$tmp/build.log"; echo "package: dpkg-buildpackage failed" >&2; exit 1; }
grep -E '^(PASS|FAIL|# (TOTAL|PASS|FAIL))' "$tmp/build.log" | sed 's/^/package: make check: /' || true
rm -f "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo
mv "$tmp"/*.deb "$tmp"/*.changes "$tmp"/*.buildinfo "$out"/
# lintian: errors and warnings fail the build; what is overridden is justified in debian/*.lintian-overrides
if lintian --fail-on error,warning --info "$out"/*.changes > "$tmp/lintian.log" 2>&1; then
	sed 's/^/package: lintian: /' "$tmp/lintian.log"
	echo "package: lintian: no errors or warnings"
else
	cat "$tmp/lintian.log"; echo "package: lintian found errors or warnings" >&2; exit 1
fi
for d in "$out"/*.deb; do echo "package: $(basename "$d") ($(dpkg-deb -f "$d" Depends))"; done
