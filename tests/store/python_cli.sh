#!/bin/sh
# python/strata_store and `strata store`: items written by one read and
# append in the other.
GROUP=cli
. "$(dirname "$0")/python_run.inc"
