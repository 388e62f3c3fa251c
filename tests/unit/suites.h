#ifndef SUITES_H
#define SUITES_H
#include <check.h>
#include <string.h>
#include "nfp.h"

Suite *value_suite(void);
Suite *lex_suite(void);
Suite *fields_suite(void);
Suite *json_suite(void);
Suite *cid_suite(void);
Suite *resolve_suite(void);
Suite *snapset_suite(void);
Suite *dedup_suite(void);
Suite *rsversion_suite(void);
Suite *match_suite(void);
Suite *packet_suite(void);

/* parse a C string (length without the terminator) into a static record */
static inline struct nfp_record *parse_str(const char *s)
{
	static struct nfp_record rec;
	nfp_parse(s, strlen(s), &rec);
	return &rec;
}
#endif
