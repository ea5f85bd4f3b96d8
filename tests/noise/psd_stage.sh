#!/bin/sh
# psd_stage.sh - `strata noise processing run-ppsd` and the PSD plots over a
# small catalog made by the real pipeline: the CI.CCA / CI.HEC BHN day,
# Noiz's example datachunk_params.toml, six 1800 s timespans (12 chunks),
# both example PPSD configs:
#   - one psd_result row and one .npz per chunk, in Noiz's PPSDFile layout,
#     3 windows and 1 kept per chunk (fft_std 0), numpy reads the arrays;
#   - --skip-existing (the default) skips, --no-skip-existing upserts (same
#     ids, same row count), --workers 1 and 2 write byte-identical files;
#   - a corrupt chunk file fails its chunk (counted, logged), the others are
#     written, exit 1; an unknown -p is one clear error;
#   - plot average-psd and plot spectrogram write PNGs and print their paths;
#   - the same on PostgreSQL (a fresh schema under $STRATA_TEST_PG_URL;
#     skipped without it, failed under CI).
set -u
STRATA="${STRATA:?set STRATA to the strata binary}"
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib_noise.sh"
noise_require_day
noise_tmp psd
CAT="" # the catalog URL of the backend under test
SD=2022-01-02T00:00:00
ED=2022-01-02T03:00:00
ppsd() {
	N processing run-ppsd -sd "$SD" -ed "$ED" --processed-data-dir "$PROC" --json "$@"
}
summary() { stage_summary run-ppsd "$@"; }
ROWS="SELECT r.id || ' ' || r.filepath FROM psd_result r JOIN datachunk d ON d.id = r.datachunk_id
 JOIN component c ON c.id = d.component_id JOIN param_set p ON p.id = r.params_id
 WHERE p.number = 1 ORDER BY c.station, r.filepath"

# backend NAME: every check on the catalog $CAT, files under $tmp/NAME.
backend() {
	PROC="$tmp/$1"
	# The catalog: data, inventories, timespans, parameters, datachunks.
	noise_day_catalog
	for f in ppsd_params ppsd_params_resampled; do
		N configs add-params "$seismic/noiz/config_examples/$f.toml"
		expect_status 0
	done
	N processing prepare-datachunks -sd "$SD" -ed "$ED" -p 1 --processed-data-dir "$PROC"
	expect_status 0
	expect_query "SELECT COUNT(*) FROM datachunk" 12

	# Example config: 12 rows, 12 files where Noiz puts them, 3 windows, 1 kept.
	ppsd -p 1
	expect_status 0
	expect_stdout_is "$(summary 12 12 0 0 0)"
	expect_query "SELECT COUNT(*) || ' ' || MIN(nsegments) || ' ' || MAX(nsegments) || ' ' || MIN(nkept) || ' ' || MAX(nkept) FROM psd_result" "12 3 3 1 1"
	CURRENT="npz files in Noiz's layout"
	files=$(cd "$PROC" && find psd -type f | sort | tr '\n' ' ')
	first="psd/1/2022/002/CI.CCA.N.2022.002.0000.0.npz psd/1/2022/002/CI.CCA.N.2022.002.0030.0.npz"
	case "$files" in "$first"*) pass ;; *) fail "files: $files" ;; esac
	CURRENT="rows point at their files"
	missing=0
	for f in $(query "$ROWS" | cut -d' ' -f2); do [ -s "$f" ] || missing=$((missing + 1)); done
	if [ "$missing" -eq 0 ] && [ "$(query "$ROWS" | wc -l)" -eq 12 ]; then pass; else
		fail "$missing rows without their file"
	fi
	query "$ROWS" | cut -d' ' -f1 >"$PROC.ids"

	CURRENT="numpy reads the npz"
	if /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
		if /usr/bin/python3 -c 'import sys, numpy as np
z = np.load(sys.argv[1])
assert sorted(z.files) == ["fft_mean", "fft_std"], z.files
assert z["fft_mean"].shape == (2941,) and z["fft_std"].shape == (2941,)
assert (z["fft_std"] == 0).all() and (z["fft_mean"] > 0).all()' \
			"$PROC/psd/1/2022/002/CI.HEC.N.2022.002.0100.0.npz"; then pass; else fail "numpy check"; fi
	else
		echo "SKIPPED: numpy check (no numpy)"
	fi

	# Resampled config: its own rows and directory.
	ppsd -p 2
	expect_status 0
	expect_stdout_is "$(summary 12 12 0 0 0)"
	expect_query "SELECT COUNT(*) FROM psd_result" 24
	CURRENT="resampled files"
	n=$(find "$PROC/psd/2" -name '*.npz' | wc -l)
	if [ "$n" -eq 12 ]; then pass; else fail "$n files under psd/2"; fi

	# Re-runs: skipped by default; upserted with --no-skip-existing.
	ppsd -p 1
	expect_status 0
	expect_stdout_is "$(summary 12 0 12 0 0)"
	cp -r "$PROC/psd/1" "$PROC-default"
	ppsd -p 1 --no-skip-existing --workers 1
	expect_status 0
	expect_stdout_is "$(summary 12 12 0 0 0)"
	expect_query "SELECT COUNT(*) FROM psd_result" 24
	CURRENT="a re-run keeps the ids"
	if query "$ROWS" | cut -d' ' -f1 | cmp -s - "$PROC.ids"; then pass; else fail "ids changed"; fi
	CURRENT="--workers 1 and the default write identical files"
	if diff -r "$PROC-default" "$PROC/psd/1" >/dev/null; then pass; else fail "files differ"; fi

	# Selection: one station, one component letter.
	ppsd -p 1 --no-skip-existing -s CCA -c N
	expect_status 0
	expect_stdout_is "$(summary 6 6 0 0 0)"

	# A corrupt chunk file: that chunk fails, the others are written, exit 1.
	bad=$(query "SELECT d.filepath FROM datachunk d JOIN timespan t ON t.id = d.timespan_id
	 JOIN component c ON c.id = d.component_id WHERE c.station = 'HEC' ORDER BY t.starttime_ns LIMIT 1")
	printf 'not miniSEED at all' >"$bad"
	ppsd -p 1 --no-skip-existing
	expect_status 1
	expect_stdout_is "$(summary 12 11 0 0 1)"
	expect_stderr_contains "$bad"

	# An unknown parameter set.
	ppsd -p 9
	expect_status 1
	expect_one_line_error "PPSDParams number 9"

	# Plots.
	N plot average-psd -sd 2022-01-02 -ed 2022-01-03 -p 1 -pp "$PROC/plots/"
	expect_status 0
	expect_stdout_is "$PROC/plots/average_psd_2022-01-02_2022-01-03.png\n"
	CURRENT="average PSD PNG"
	if head -c 8 "$PROC/plots/average_psd_2022-01-02_2022-01-03.png" | od -An -c | grep -q 'P   N   G'; then
		pass
	else fail "not a PNG"; fi
	N plot spectrogram -sd 2022-01-02 -ed 2022-01-03 -p 2 -pp "$PROC/plots"
	expect_status 0
	expect_stdout_is "$PROC/plots/spectrogram_CI.CCA.N_2022-01-02_2022-01-03.png\n$PROC/plots/spectrogram_CI.HEC.N_2022-01-02_2022-01-03.png\n"
	CURRENT="spectrogram PNGs"
	if [ -s "$PROC/plots/spectrogram_CI.HEC.N_2022-01-02_2022-01-03.png" ]; then pass; else fail "missing"; fi
	N plot average-psd -p 1 -s NOPE -f "$PROC/none.png"
	expect_status 1
	expect_stderr_contains "no PSD results"
}

CAT="$tmp/catalog.db"
backend sqlite

# --- PostgreSQL -----------------------------------------------------------------
if pg_schema "noise_psd_$$" "the PSD stage on PostgreSQL"; then
	CAT=$PG_URL
	backend postgresql
fi
finish
