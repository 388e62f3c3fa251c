#!/bin/bash
# The module and the installed rsyslogd must agree on the message object layout (NDEBUG and
# the atomics macros change it silently). rsyslogd's own getMSGLen reads iLenMSG at a fixed
# offset: our headers' offsetof(smsg_t, iLenMSG) must be the same number.
. "$(dirname "$0")/lib.sh"
command -v objdump >/dev/null || skip "objdump (binutils) missing"
RSRC=$(sed -n 's/^RSYSLOG_SRC = //p' "$top_builddir/Makefile")
[ -d "$RSRC" ] || skip "rsyslog source not found"

addr=$(objdump -T "$RSYSLOGD" | awk '$NF=="getMSGLen"{print $1}')
[ -n "$addr" ] || fail "rsyslogd exports no getMSGLen"
theirs=$(objdump -d --start-address=0x"$addr" --stop-address=$((0x$addr + 16)) "$RSYSLOGD" |
	sed -n 's/.*mov *\(0x[0-9a-f]*\)(%rdi),%eax.*/\1/p' | head -n1)
[ -n "$theirs" ] || skip "getMSGLen is not the expected x86-64 shape here"

cat > "$WORK/abi.c" <<'C'
#include "config.h"
#include <stddef.h>
#include <stdio.h>
#include "rsyslog.h"
#include "msg.h"
int main(void) { printf("0x%zx %zu\n", offsetof(smsg_t, iLenMSG), sizeof(smsg_t)); return 0; }
C
cc -o "$WORK/abi" "$WORK/abi.c" -I"$RSRC" -I"$RSRC/runtime" -I"$RSRC/grammar" \
	$(pkg-config --cflags libfastjson libestr) || fail "cannot compile against the rsyslog headers"
read -r ours size < <("$WORK/abi")
echo "abi: offsetof(smsg_t, iLenMSG): headers $ours, rsyslogd $theirs; sizeof(smsg_t) $size"
[ "$((ours))" = "$((theirs))" ] || fail "message layout differs from the installed rsyslogd"
echo "PASS $TEST_NAME"
