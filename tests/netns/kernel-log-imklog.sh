#!/bin/bash
# The same kernel scenario read by imklog, which keeps the "[ secs.usecs]" stamp in the message.
INPUT=imklog exec bash "$(dirname "$0")/kernel-log.sh"
