/* See floor.h. */
#include <pthread.h>
#include "floor.h"

static const char floor_line[] = "[UFW BLOCK] IN=eth0 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 "
	"SRC=198.51.100.7 DST=192.0.2.10 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=54321 DF PROTO=TCP SPT=40000 DPT=22 "
	"WINDOW=64240 RES=0x00 SYN URGP=0 ";
static struct nfp_record floor_rec;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void parse_once(void)
{
	nfp_parse(floor_line, sizeof(floor_line) - 1, &floor_rec);
}

struct nfp_record *nfp_floor(const char **line, int *len)
{
	pthread_once(&once, parse_once);
	*line = floor_line;
	*len = (int)sizeof(floor_line) - 1;
	return &floor_rec;
}
