#!/bin/sh
# Prints -DNFP_HAVE_FJSON_PRIVATE (and the version built against) where libfastjson's installed json_object_private.h has what
# src/emit/serializer.c uses (the check configure makes), nothing otherwise: for the builds made
# without configure (the sanitizer pass of scripts/test.sh, tests/fuzz/campaign.sh).
printf '#include <json.h>\n#include <json_object_private.h>\nint f(struct fjson_object *o) { return o->_to_json_string != 0 && o->o.c_int64 == 0 && o->_pb != 0; }\n' |
	${CC:-cc} -fsyntax-only -x c - $(pkg-config --cflags libfastjson) 2>/dev/null &&
	echo "-DNFP_HAVE_FJSON_PRIVATE -DNFP_FJSON_BUILT=\"$(pkg-config --modversion libfastjson)\""
exit 0
