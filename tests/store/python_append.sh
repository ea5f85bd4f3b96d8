#!/bin/sh
# python/strata_store: the append rules of issue #5 (repeated values kept,
# each duplicate_handling mode, repeated keys in a batch kept, out-of-order
# input sorted, empty batch), schema evolution, composite and row-number keys.
GROUP=append
. "$(dirname "$0")/python_run.inc"
