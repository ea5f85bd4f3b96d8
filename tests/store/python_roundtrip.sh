#!/bin/sh
# python/strata_store: every type, nulls, index names, time zones, composite
# and row-number keys round-trip exactly; selections, metadata filters, read
# filters, snapshots and errors.
GROUP=roundtrip
. "$(dirname "$0")/python_run.inc"
