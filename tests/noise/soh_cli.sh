#!/bin/sh
# `strata noise` state of health end to end: inventories for the stations of
# the two real Centaur SOH miniSEED files (TD03's StationXML renamed to
# TD.TD09 and XX.S0001 in a temp dir), data add-soh-dir / add-soh-files,
# the catalog rows compared with tests/noise/soh_reference.py (an independent
# miniSEED/Steim reader), re-runs that upsert, synthetic GNSSTime CSV files
# with a malformed one, timespans and processing average-soh-gps.
set -u
STRATA="${STRATA:?set STRATA to the strata binary}"
. "$(dirname "$0")/../lib.sh"
require_testdata seismic/noiz/XX.S0001.D0.SOH_centaur-3_1479_20171125_100000.miniseed
here=$(cd "$(dirname "$0")" && pwd)
noiz=$(testdata seismic/noiz)
xx="$noiz/XX.S0001.D0.SOH_centaur-3_1479_20171125_100000.miniseed"
td="$noiz/TD.TD09.D0.SOH_centaur-3_1492_20180616_040000.miniseed"

tmp=$(mktemp -d /tmp/strata-noise-soh-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
CAT="$tmp/catalog.db"
N() { "$STRATA" noise "$@" --catalog "$CAT"; }

# --- stations ----------------------------------------------------------------------
sed 's/"TD03"/"TD09"/' "$noiz/TD03_inventory.xml" >"$tmp/TD09.xml"
sed 's/"TD03"/"S0001"/; s/<Network code="TD"/<Network code="XX"/' "$noiz/TD03_inventory.xml" >"$tmp/S0001.xml"
run N data add-inventory "$tmp/TD09.xml" "$tmp/S0001.xml"
expect_status 0

# --- miniSEED: each station takes its own records from the shared directory ----------
run N data add-soh-dir -s TD09 -t centaur -p miniseed_instrument "$noiz" --json
expect_status 0
expect_stdout_is '{"files":2,"failed":0,"samples":2,"rows":2,"table":"soh_instrument"}\n'
run N data add-soh-dir -s TD09 -t centaur -p miniseed_gpstime "$noiz" --json
expect_status 0
expect_stdout_is '{"files":2,"failed":0,"samples":0,"rows":0,"table":"soh_gps"}\n'
run N data add_soh_dir -s S0001 -n XX -t centaur -p miniseed_gpstime "$noiz" --json
expect_status 0
expect_stdout_is '{"files":2,"failed":0,"samples":2,"rows":2,"table":"soh_gps"}\n'
run N data add-soh-files --station S0001 --station_type centaur --soh_type miniseed_instrument "$xx"
expect_status 0
expect_stdout_contains "1 files (centaur miniseed_instrument), 0 failed, 2 samples, 2 rows upserted into soh_instrument for S0001"
expect_query "SELECT COUNT(*) FROM soh_instrument" 4
expect_query "SELECT COUNT(*) FROM soh_gps" 2
expect_query "SELECT voltage FROM soh_instrument WHERE datetime_ns = 1511605800000000000" 13.369
expect_query "SELECT temperature FROM soh_instrument WHERE datetime_ns = 1529121600000000000" 25.25

# The same rows as the independent reader finds.
run python3 "$here/soh_reference.py" check gps "$CAT" S0001 "$xx"
expect_status 0
expect_stdout_contains "2 rows, 0 differences"
run python3 "$here/soh_reference.py" check instrument "$CAT" S0001 "$xx"
expect_status 0
expect_stdout_contains "2 rows, 0 differences"
run python3 "$here/soh_reference.py" check instrument "$CAT" TD09 "$td"
expect_status 0
expect_stdout_contains "2 rows, 0 differences"

# Re-runs update rows, never duplicate them.
run N data add-soh-dir -s TD09 -t centaur -p miniseed_instrument "$noiz"
expect_status 0
run N data add-soh-files -s S0001 -t centaur -p miniseed_gpstime "$xx"
expect_status 0
expect_query "SELECT COUNT(*) FROM soh_instrument" 4
expect_query "SELECT COUNT(*) FROM soh_gps" 2

# --- bad input ------------------------------------------------------------------------
run N data add-soh-dir -s NOPE -t centaur -p miniseed_gpstime "$noiz"
expect_status 1
expect_one_line_error "strata noise add-soh-dir:" "no station NOPE"
run N data add-soh-dir -s TD09 -t taurus -p gnsstime "$noiz"
expect_status 2
expect_one_line_error "not supported for station type taurus"
run N data add-soh-dir -s TD09 -t centaur -p environment "$noiz"
expect_status 2
expect_one_line_error "environment"
run N data add-soh-dir -s TD09 -t centaur -p gpstime "$tmp/missing"
expect_status 1
expect_one_line_error "missing"
run N data add-soh-dir -t centaur -p gpstime "$noiz"
expect_status 2

# --- CSV: GNSSTime files (ns -> microseconds), a malformed one, another name ------------
csv="$tmp/soh/S0001/2017"
mkdir -p "$csv"
head='Timestamp,UTCDateTime,Earth Location,GPS receiver status,GPS satellites used,Timing status,Phase lock loop status,Time uncertainty(ns),Timing DAC count,Time quality(%),Time error(ns)'
printf '%s\n1511611200,2017-11-25 12:00:00,"48.5 N, 7.7 E",3D fix,9,Locked,Fine,40,8300,90,1000\n' "$head" >"$csv/S0001_GNSSTime_20171125a.csv"
printf '%s\r\n1511611800,2017-11-25 12:10:00,"48.5 N, 7.7 E",3D fix,9,Locked,Fine,60,8301,90,3000\r\n' "$head" >"$csv/S0001_GNSSTime_20171125b.csv"
printf '%s\n1511612400,2017-11-25 12:20:00,x,3D fix,9,Locked,Fine,,8301,90,3000\n' "$head" >"$csv/S0001_GNSSTime_20171125c.csv"
cp "$csv/S0001_GNSSTime_20171125a.csv" "$csv/S0001_Instrument_20171125.csv"
run N data add-soh-dir -s S0001 -t centaur -p gnsstime "$tmp/soh" --json
expect_status 1
expect_stdout_is '{"files":3,"failed":1,"samples":2,"rows":2,"table":"soh_gps"}\n'
expect_stderr_contains "S0001_GNSSTime_20171125c.csv: line 2, column 8 (Time uncertainty(ns))"
expect_query "SELECT COUNT(*) FROM soh_gps" 4
expect_query "SELECT time_error FROM soh_gps WHERE datetime_ns = 1511611800000000000" 3.0
expect_query "SELECT time_uncertainty FROM soh_gps WHERE datetime_ns = 1511611200000000000" 0.04

# --- averages per timespan -----------------------------------------------------------------
run N data add-timespans -sd 2017-11-25 -ed 2017-11-26 -wl 3600
expect_status 0
run N processing average-soh-gps -sd 2017-11-25 -ed 2017-11-26 --json
expect_status 0
# 24 timespans x 2 stations; S0001 has samples at 10:00 and 10:30 (LCE 0)
# and 12:00 and 12:10 (1 and 3 us): 09-10, 10-11, 11-12 and 12-13 (edges
# included, as Noiz's <= both ways).
expect_stdout_is '{"stage":"average-soh-gps","selected":48,"done":4,"existing":0,"no_data":44,"failed":0}\n'
expect_query "SELECT COUNT(*) FROM averaged_soh_gps" 4
expect_query "SELECT nsamples FROM averaged_soh_gps a JOIN timespan t ON t.id = a.timespan_id WHERE t.starttime_ns = 1511604000000000000" 2
expect_query "SELECT time_error FROM averaged_soh_gps a JOIN timespan t ON t.id = a.timespan_id WHERE t.starttime_ns = 1511611200000000000" 2.0
expect_query "SELECT time_uncertainty FROM averaged_soh_gps a JOIN timespan t ON t.id = a.timespan_id WHERE t.starttime_ns = 1511611200000000000" 0.05
expect_query "SELECT time_uncertainty IS NULL FROM averaged_soh_gps a JOIN timespan t ON t.id = a.timespan_id WHERE t.starttime_ns = 1511604000000000000" 1
run N processing average_soh_gps -sd 2017-11-25 -ed 2017-11-26 -s TD09
expect_status 0
expect_stdout_contains "average-soh-gps: 24 selected, 0 done"
run N processing average-soh-gps -sd 2017-11-25 -ed 2017-11-26 -n XX -s S0001
expect_status 0
expect_query "SELECT COUNT(*) FROM averaged_soh_gps" 4
run N processing average-soh-gps -sd 2017-11-25
expect_status 2

finish
