#!/bin/bash
# Which rule took the packet, on a real kernel: the legacy stack (tests/netns/rule_walks.py).
STACK=legacy exec bash "$(dirname "$0")/rule-walks.sh"
