#!/bin/bash
# The nftables package's example rulesets as shipped, traced on a real kernel: walks and static
# walks checked against the client and the examples' own counters (tests/netns/nft_examples.py).
name=nft-examples
tools="nft stdbuf"
. "$(dirname "$0")/prereq.sh"
ex=/usr/share/doc/nftables/examples
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ ! -f "$ex/workstation.nft" ] || [ ! -f "$ex/sets_and_maps.nft" ]; then
	# a machine that installs packages without their documentation: the examples from the
	# installed version's .deb, unpacked here
	(cd "$tmp" && apt-get download -qq "nftables=$(dpkg-query -W -f='${Version}' nftables)" >/dev/null 2>&1 &&
		dpkg-deb -x nftables_*.deb root) || skip "the nftables package's examples are neither in $ex nor in its .deb"
	ex=$tmp/root/usr/share/doc/nftables/examples
	for f in "$ex"/*.gz; do [ -e "$f" ] && gunzip -f "$f"; done
fi
timeout 150 /usr/bin/python3 "$s/tests/netns/nft_examples.py" --nfparse "$b/nfparse" --examples "$ex"
