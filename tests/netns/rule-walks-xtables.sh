#!/bin/bash
# Which rule took the packet, on a real kernel: the xtables stack (tests/netns/rule_walks.py).
STACK=xtables exec bash "$(dirname "$0")/rule-walks.sh"
