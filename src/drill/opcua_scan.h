/*
 * opcua_scan.h - streaming (yajl) reads of OPC UA PubSub JSON messages,
 * internal to src/drill: drill_trace_parse uses drill_trace_scan, which
 * converts only the four wanted sample arrays instead of building the whole
 * document. drill_payload_key (opcua.h) shares the same scanner.
 */
#ifndef STRATA_DRILL_OPCUA_SCAN_H
#define STRATA_DRILL_OPCUA_SCAN_H

#include <stddef.h>

#include "drill/opcua.h"

/* drill_trace_parse's work: data must be non-NULL (len may be 0). */
int drill_trace_scan(const char *data, size_t len, const char *name, const drill_data_ids *ids,
                     drill_trace *out);

#endif
