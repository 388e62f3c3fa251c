/* The running rsyslogd's release, read from its executable (glue helper, no rsyslog headers). */
#ifndef NFP_RSVERSION_H_INCLUDED
#define NFP_RSVERSION_H_INCLUDED
#include <stddef.h>
/* The swVersion="..." rsyslogd writes in its start message, as the executable at path holds
 * it: its length (the text into out, NUL-terminated), or 0 where the file cannot be read or
 * holds none that fits in cap */
size_t nfp_exe_version(const char *path, char *out, size_t cap);
/* 1 when the running rsyslogd (/proc/self/exe) is the release built for, or cannot be read;
 * else 0 and the message that says so */
int nfp_rsyslog_version_ok(const char *built, char *msg, size_t cap);
#endif
