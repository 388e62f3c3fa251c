#!/bin/bash
# Which rule took the packet, on a real kernel: the nft stack (tests/netns/rule_walks.py).
STACK=nft exec bash "$(dirname "$0")/rule-walks.sh"
