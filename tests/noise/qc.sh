#!/bin/sh
# qc.sh - `strata noise processing calc-datachunk-stats` and `run-qcone`
# over a small SQLite catalog: 2 stations x 2 components x 3 timespans of
# datachunks whose chunk files (miniSEED 2, FLOAT64, as Noiz writes them) and
# catalog rows are made by Python's standard library, one file truncated.
# Checks the summaries, row counts, re-runs (upserts, no duplicates),
# --skip-existing, the selection, Noiz's October 2019 example config (every
# 2022 chunk fails it) against one with matching dates, and usage errors.
set -u
STRATA="${STRATA:?set STRATA to the strata binary}"
. "$(dirname "$0")/../lib.sh"
PY="${STRATA_PYTHON:-/usr/bin/python3}"
if ! "$PY" -c 'import sqlite3, struct' 2>/dev/null; then
	echo "SKIPPED: $PY with sqlite3 not available"
	exit 77
fi

tmp=$(mktemp -d /tmp/strata-noise-qc-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
unset STRATA_NOISE_PROJECT PROCESSED_DATA_DIR
export STRATA_NOISE_CATALOG="$tmp/noise-catalog.db"
dates="-sd 2022-01-01 -ed 2022-01-04"

cat >"$tmp/dc.toml" <<'EOF'
[DatachunkParams]
sampling_rate = 24
prefiltering_low = 0.01
prefiltering_high = 11.0
prefiltering_order = 4
preprocessing_taper_type = "cosine"
preprocessing_taper_side = "both"
preprocessing_taper_max_length = 5
preprocessing_taper_max_percentage = 0.1
remove_response = true
datachunk_sample_tolerance = 0.02
zero_padding_method = "tapered_padded"
padding_taper_type = "cosine"
padding_taper_max_length = 5
padding_taper_max_percentage = 10
EOF
# Noiz's example QC-one config: GPS bounds, October 2019.
cat >"$tmp/qc2019.toml" <<'EOF'
[QCOne]
datachunk_params_id = 1
null_treatment_policy = "pass"
strict_gps = "False"
starttime = 2019-10-01
endtime = 2019-11-01
avg_gps_time_error_min = -0.104
avg_gps_time_error_max = 0.104
avg_gps_time_uncertainty_min = 0.01
avg_gps_time_uncertainty_max = 60
EOF
# Matching dates; energy at most 0.2; ST1.Z rejected 00:40..00:50.
cat >"$tmp/qc2022.toml" <<'EOF'
[QCOne]
datachunk_params_id = 1
null_treatment_policy = "fail"
starttime = 2022-01-01
endtime = 2022-01-04
signal_energy_min = 0.0
signal_energy_max = 0.2

[[QCOne.rejected_times]]
network = "XX"
station = "ST1"
component = "Z"
starttime = 2022-01-02T00:40:00Z
endtime = 2022-01-02T00:50:00Z
EOF

N() { run "$STRATA" noise "$@"; }
# count TABLE [WHERE]: rows of the SQLite catalog.
count() {
	"$PY" -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM " + sys.argv[2] + " " + sys.argv[3]).fetchone()[0])' \
		"$STRATA_NOISE_CATALOG" "$1" "${2:-}"
}
expect_count() {
	n=$(count "$1" "${3:-}")
	if [ "$n" = "$2" ]; then pass; else fail "$1 ${3:-}: $n rows, expected $2"; fi
}

N configs add-params "$tmp/dc.toml" "$tmp/qc2019.toml" "$tmp/qc2022.toml"
expect_status 0

# Catalog rows and chunk files: amplitude of chunk (c, s) grows with c + s.
if ! "$PY" - "$STRATA_NOISE_CATALOG" "$tmp/chunks" <<'EOF'
import math, os, sqlite3, struct, sys

db = sqlite3.connect(sys.argv[1])
out = sys.argv[2]
os.makedirs(out)
dc = db.execute("SELECT id FROM param_set WHERE kind = 'DatachunkParams'").fetchone()[0]


def mseed_float64(path, net, sta, cha, t0, x):
    """miniSEED 2: 4096-byte records, blockette 1000, FLOAT64, big-endian."""
    per = (4096 - 64) // 8
    with open(path, "wb") as f:
        for r in range(0, len(x), per):
            part = x[r:r + per]
            t = t0 + r / 24.0
            day = int(t // 86400)
            sod = t - day * 86400
            hdr = struct.pack(">6scc5s2s3s2sHHBBBBHHhhBBBBiHH", b"%06d" % (r // per + 1), b"D",
                              b" ", sta.ljust(5).encode(), b"  ", cha.encode(), net.encode(),
                              2022, 2, int(sod // 3600), int(sod % 3600 // 60), int(sod % 60),
                              0, int(round((sod % 1) * 10000)), len(part), 24, 1, 0, 0, 0, 1,
                              0, 64, 48)
            b1000 = struct.pack(">HHBBBB", 1000, 0, 5, 1, 12, 0)
            data = struct.pack(">%dd" % len(part), *part)
            f.write((hdr + b1000 + data).ljust(4096, b"\0"))


t0 = 1641081600  # 2022-01-02T00:00:00Z
comps = [("ST1", "Z"), ("ST1", "N"), ("ST2", "Z"), ("ST2", "N")]
for d, sta in enumerate(["ST1", "ST2"]):
    db.execute("INSERT INTO device VALUES (?, 'XX', ?)", ("dev%d" % d, sta))
for s in range(3):
    start = t0 + 1200 * s
    db.execute("INSERT INTO timespan VALUES (?, ?, ?, ?)",
               ("ts%d" % s, start * 10**9, (start + 600) * 10**9, (start + 1200) * 10**9))
for c, (sta, comp) in enumerate(comps):
    dev = "dev%d" % (c // 2)
    db.execute("INSERT INTO component (id, device_id, network, station, component, channels, lat,"
               " lon, elevation, start_ns, inventory_path) VALUES (?, ?, 'XX', ?, ?, ?, 0, 0, 0,"
               " 0, 'inv.xml')", ("cmp%d" % c, dev, sta, comp, "HH" + comp))
    for s in range(3):
        start = t0 + 1200 * s
        path = os.path.join(out, "%s.%s.%d.mseed" % (sta, comp, s))
        amp = 0.25 * (c + s + 1)
        x = [amp * math.sin(0.37 * i) for i in range(24 * 1200)]
        mseed_float64(path, "XX", sta, "HH" + comp, start, x)
        db.execute("INSERT INTO datachunk VALUES (?, ?, ?, ?, ?, 24, ?, 0, ?, ?, 0)",
                   ("dc%d_%d" % (c, s), dc, "cmp%d" % c, "ts%d" % s, dev, len(x), start * 10**9,
                    path))
db.commit()
# One damaged file: cut in the middle of its second record.
with open(os.path.join(out, "ST2.N.2.mseed"), "r+b") as f:
    f.truncate(4096 + 1000)
EOF
then
	echo "FAIL: could not build the test catalog"
	exit 1
fi

# --- calc-datachunk-stats -------------------------------------------------------
# shellcheck disable=SC2086 # $dates is two options
N processing calc-datachunk-stats $dates -p 1 --json
expect_status 1
expect_stdout_contains '"selected":12,"done":11,"existing":0,"no_data":0,"failed":1'
expect_stderr_contains "ST2.N.2.mseed"
expect_count datachunk_stats 11
# energy = amp^2 / 2 for a long sine: chunk (0, 0) has amp 0.25.
n=$(count datachunk_stats "WHERE datachunk_id = 'dc0_0' AND ABS(energy - 0.03125) < 1e-4 AND ABS(skewness) < 1e-3")
if [ "$n" = 1 ]; then pass; else fail "statistics of dc0_0 not as expected"; fi

# Again: the 11 are there (the damaged chunk is tried again).
# shellcheck disable=SC2086
N processing calc_datachunk_stats $dates -p 1 --json
expect_status 1
expect_stdout_contains '"selected":12,"done":0,"existing":11,"no_data":0,"failed":1'
# --no-skip-existing recomputes and upserts: still 11 rows, one per chunk.
# shellcheck disable=SC2086
N processing calc-datachunk-stats $dates -p 1 --no-skip-existing --workers 1 --json
expect_status 1
expect_stdout_contains '"selected":12,"done":11,"existing":0,"no_data":0,"failed":1'
expect_count datachunk_stats 11
# Selection: one station, one component, Noiz's -b and underscore spellings.
N processing calc-datachunk-stats -sd 2022-01-01 -ed 2022-01-04 -s ST1 -c Z -b 1 \
	--datachunk_params_id 1 --no_skip_existing
expect_status 0
expect_stdout_contains "calc-datachunk-stats: 3 selected, 3 done, 0 already there, 0 without data, 0 failed"
# Only the timespans inside -sd/-ed.
N processing calc-datachunk-stats -sd 2022-01-02T00:00:00 -ed 2022-01-02T00:40:00 -p 1 --json
expect_status 0
expect_stdout_contains '"selected":8,"done":0,"existing":8'

# --- run-qcone ------------------------------------------------------------------
# Noiz's example dates: every 2022 chunk fails its endtime bound. No statistics
# bound, so all 12 chunks (the damaged one too) get a result.
# shellcheck disable=SC2086
N processing run-qcone $dates -p 1 --json
expect_status 0
expect_stdout_contains '"selected":12,"done":12,"existing":0,"no_data":0,"failed":0'
expect_count qcone_result 12
expect_count qcone_result 12 "WHERE passed = 0 AND endtime = 0 AND starttime = 1"
# Matching dates (policy fail, no GPS bounds: the GPS checks fail, so nothing
# passes; statistics decide the energy checks). The damaged chunk has no
# statistics: no result.
# shellcheck disable=SC2086
N processing run_qcone $dates --qcone_config_id 2 --json
expect_status 0
expect_stdout_contains '"selected":12,"done":11,"existing":0,"no_data":1,"failed":0'
expect_count qcone_result 23
# energy amp^2/2 <= 0.2 for amp <= 0.632: chunks with c + s + 1 <= 2.
expect_count qcone_result 3 "WHERE signal_energy_max = 1 AND params_id = (SELECT id FROM param_set WHERE kind = 'QCOne' AND number = 2)"
# ST1.Z's rejected period 00:40..00:50 touches its second span (00:20..00:40)
# at that span's end and its third (00:40..01:00) at its start: both rejected.
expect_count qcone_result 2 "WHERE accepted_time = 0"
expect_count qcone_result 2 "WHERE accepted_time = 0 AND datachunk_id IN ('dc0_1', 'dc0_2')"
expect_count qcone_result 0 "WHERE passed = 1"
# Re-run: every chunk decided again and upserted; --skip-existing leaves them.
# shellcheck disable=SC2086
N processing run-qcone $dates -p 2 --json
expect_stdout_contains '"selected":12,"done":11,"existing":0,"no_data":1,"failed":0'
expect_count qcone_result 23
# shellcheck disable=SC2086
N processing run-qcone $dates -p 2 --skip-existing --json
expect_stdout_contains '"selected":12,"done":0,"existing":11,"no_data":1,"failed":0'

# --- errors ---------------------------------------------------------------------
# shellcheck disable=SC2086
N processing run-qcone $dates -p 9
expect_status 1
expect_one_line_error "no QCOne number 9"
# shellcheck disable=SC2086
N processing calc-datachunk-stats $dates -p 4
expect_status 1
expect_one_line_error "no DatachunkParams number 4"
N processing run-qcone -p 2
expect_status 2
expect_stderr_contains "-sd/--startdate is required"
N processing calc-datachunk-stats --help
expect_status 0
expect_stdout_contains "usage: strata noise processing calc-datachunk-stats"

finish
