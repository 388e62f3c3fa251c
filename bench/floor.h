/* Benchmark-only build of the module (bench/mmnetfilter_floor.so, never installed): every
 * message gets the document of one fixed, typical record, built from a record parsed once;
 * what is left is the cost of building and carrying a document of the native shape: the floor
 * the module's own cost is compared with (bench/run.py). */
#ifndef NFP_BENCH_FLOOR_H
#define NFP_BENCH_FLOOR_H
#include "nfp.h"
/* the fixed record, its line in *line and *len */
struct nfp_record *nfp_floor(const char **line, int *len);
#endif
