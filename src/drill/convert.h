/*
 * convert.h - a hole's Result and Trace messages as the original service's
 * table (its convert_mqtt_to_df), for `strata drill convert`.
 */
#ifndef STRATA_DRILL_CONVERT_H
#define STRATA_DRILL_CONVERT_H

#include "drill/opcua.h"
#include "strata/buf.h"

/* Append the CSV table (header + one row per Trace sample) to out. */
int drill_convert_table(const drill_result *r, const drill_trace *t, strata_buf *out);

/* The `strata drill convert` command. */
int drill_cmd_convert(int argc, char **argv);

#endif
