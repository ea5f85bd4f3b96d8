#!/bin/sh
# datachunks_mpi.sh - `mpirun -n K strata noise processing prepare-datachunks
# --mpi` on the real CI.CCA / CI.HEC day: the same 96 chunk files, byte for
# byte, and the same rows (ids kept) as one process with --workers 1; rank 0
# alone prints the summary with every process's counts; more processes than
# component-day groups; --skip-existing across processes. Skipped when
# mpirun or MPI support is missing, failed instead under CI.
# shellcheck disable=SC2034 # CURRENT is read by fail in lib.sh
set -u
STRATA="${STRATA:?set STRATA to the strata binary}"
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib_noise.sh"
noise_require_day
here=$(cd "$(dirname "$0")" && pwd)

skip_or_fail() {
	if [ "${CI:-}" = true ] || [ "${CI:-}" = 1 ]; then
		echo "FAIL: $1 (required under CI)" >&2
		exit 1
	fi
	echo "SKIPPED: $1"
	exit 77
}
command -v mpirun >/dev/null 2>&1 || skip_or_fail "mpirun not installed (openmpi-bin)"
if "$STRATA" noise processing prepare-datachunks --mpi -sd 2022-01-02 -ed 2022-01-02 \
	--catalog /nonexistent/x.db 2>&1 | grep -q "built without MPI"; then
	skip_or_fail "strata built without MPI (libopenmpi-dev)"
fi

noise_tmp mpi
CAT="$tmp/c.db"
# mpi K DIR ARGS...: the stage on K processes, files under DIR.
mpi() {
	k=$1
	dir=$2
	shift 2
	# In sanitizer builds, Open MPI's own allocations are not strata's leaks:
	# full stacks (the slow unwinder) let the suppressions recognise them.
	run env "LSAN_OPTIONS=suppressions=$here/mpi_lsan.supp:fast_unwind_on_malloc=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}" \
		mpirun --allow-run-as-root --oversubscribe -n "$k" "$STRATA" noise processing \
		prepare-datachunks -sd 2022-01-02 -ed 2022-01-03 -p 1 --catalog "$CAT" \
		--processed-data-dir "$dir" --json --mpi "$@"
}
summary() { stage_summary prepare-datachunks "$@"; }
ROWS=$NOISE_CHUNK_ROWS

# same_as_w1 DIR: the rows name DIR's files, which equal those of --workers 1.
same_as_w1() {
	CURRENT="$1: identical to --workers 1"
	query "$ROWS" >"$tmp/rows"
	differ=0
	while read -r _ f; do
		case "$f" in "$1"/*) ;; *) differ=$((differ + 1)); continue ;; esac
		cmp -s "$f" "$tmp/w1/${f#"$1"/}" || differ=$((differ + 1))
	done <"$tmp/rows"
	rows=$(wc -l <"$tmp/rows")
	files=$(find "$1" -type f | wc -l)
	if [ "$differ" -eq 0 ] && [ "$rows" -eq 96 ] && [ "$files" -eq 96 ]; then pass; else
		fail "$differ rows differ, $rows rows, $files files"
	fi
	CURRENT="$1: the rows keep their ids"
	if cut -d' ' -f1 "$tmp/rows" | cmp -s - "$tmp/ids"; then pass; else fail "ids changed"; fi
}

noise_day_catalog
N processing prepare-datachunks -sd 2022-01-02 -ed 2022-01-03 --workers 1 \
	--processed-data-dir "$tmp/w1" --json
expect_stdout_is "$(summary 96 96 0 0 0)"
query "$ROWS" | cut -d' ' -f1 >"$tmp/ids"

# two processes: one component-day group each
mpi 2 "$tmp/mpi2" --workers 1 --no-skip-existing
expect_status 0
expect_stdout_is "$(summary 96 96 0 0 0)"
same_as_w1 "$tmp/mpi2"

# three processes for two groups, two workers each, small batches
mpi 3 "$tmp/mpi3" --workers 2 -b 7 --no-skip-existing
expect_status 0
expect_stdout_is "$(summary 96 96 0 0 0)"
same_as_w1 "$tmp/mpi3"

# --skip-existing: every process sees the rows and files; a lost file is redone
mpi 2 "$tmp/mpi3"
expect_stdout_is "$(summary 96 0 96 0 0)"
rm -f "$tmp/mpi3/datachunk/1/2022/CI/CCA/N/002/CI.CCA.N.2022.002.120000.1800"
mpi 2 "$tmp/mpi3"
expect_status 0
expect_stdout_is "$(summary 96 1 95 0 0)"
same_as_w1 "$tmp/mpi3"
finish
