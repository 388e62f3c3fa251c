/* See rsversion.h. */
#define _GNU_SOURCE /* memmem */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "rsversion.h"

static int version_char(char c)
{
	return (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '~' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

size_t nfp_exe_version(const char *path, char *out, size_t cap)
{
	static const char key[] = "swVersion=\"";
	struct stat st;
	void *map = MAP_FAILED;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (cap == 0)
		return 0;
	out[0] = '\0';
	if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0)
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (fd >= 0)
		close(fd);
	if (map == MAP_FAILED)
		return 0;
	const char *p = memmem(map, (size_t)st.st_size, key, sizeof(key) - 1);
	if (p != NULL) {
		const char *v = p + sizeof(key) - 1, *end = (const char *)map + st.st_size;
		size_t n = 0;
		while (v + n < end && n < cap - 1 && version_char(v[n]))
			n++;
		if (n > 0 && v + n < end && v[n] == '"') {
			memcpy(out, v, n);
			out[n] = '\0';
			got = n;
		}
	}
	munmap(map, (size_t)st.st_size);
	return got;
}

int nfp_rsyslog_version_ok(const char *built, char *msg, size_t cap)
{
	char running[32];
	if (nfp_exe_version("/proc/self/exe", running, sizeof(running)) == 0 || strcmp(running, built) == 0)
		return 1; /* unreadable: the packaging's Depends: rsyslog (= the version) is trusted */
	snprintf(msg, cap, "mmnetfilter: this module was built for rsyslog %s, but the running rsyslogd is %s; its "
		 "internal structures may differ, so the module refuses to load. Install the mmnetfilter package "
		 "built for rsyslog %s (or rebuild it against that version's source).", built, running, running);
	return 0;
}
