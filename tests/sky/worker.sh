#!/bin/sh
# worker.sh - ingest groups 16 sub-band files into a measurement set and
# queues it; `strata sky worker` runs the four stage commands, registers
# their products with each stage change, retries a failing stage up to the
# job's attempts, and kills a hanging stage at its timeout.
. "$STRATA_SOURCE_DIR/tests/lib.sh"
command -v sqlite3 >/dev/null || { echo "SKIPPED: sqlite3 not installed"; exit 77; }

dir=$(mktemp -d /tmp/strata-sky-worker-XXXXXX)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/in" "$dir/work"
q() { sqlite3 "$dir/sky.db" "$1"; }
expect_eq() { # what got want
	CURRENT="$1"
	if [ "$2" = "$3" ]; then pass; else fail "got '$2', expected '$3'"; fi
}

cat >"$dir/sky.toml" <<EOT
catalog = "$dir/sky.db"
[paths]
log_dir = "$dir/logs"
work_dir = "$dir/work"
[worker]
retry_delay = 0
stage_timeout = 2
[ingest]
dir = "$dir/in"
[stages]
convert = "echo converting \$STRATA_MS_PATH; test \$(printf '%s' \"\$STRATA_FILES\" | grep -c hdf5) -eq 16 && mkdir -p \"\$STRATA_MS_PATH\""
flag = "echo flagging"
calibrate = "echo STRATA_OUTPUT caltable G \$STRATA_WORK_DIR/\$STRATA_GROUP_ID.G"
image = "echo STRATA_OUTPUT image \$STRATA_WORK_DIR/\$STRATA_GROUP_ID.fits"
EOT

# 16 sub-bands written within 60 s of each other, one stray, one bad name
for sb in 00 01 02 03 04 05 06 07 08 09 10 11 12 13 14; do
	: >"$dir/in/2025-10-05T12:30:0${sb#?}_sb$sb.hdf5"
done
: >"$dir/in/2025-10-05T12:30:41_sb15.hdf5"
: >"$dir/in/2025-10-05T14:00:00_sb00.hdf5"
: >"$dir/in/notes_sbXX.hdf5"
run "$STRATA" sky ingest --config "$dir/sky.toml" --once
expect_status 0
expect_stderr_contains 'sub-band header unreadable' # empty files are not HDF5
expect_eq "files registered" "$(q 'SELECT COUNT(*) FROM hdf5_files')" 17
expect_eq "groups" "$(q 'SELECT COUNT(DISTINCT group_id) FROM hdf5_files')" 2
expect_eq "one set" "$(q "SELECT substr(group_id, 1, 17) || ' ' || stage FROM ms")" "2025-10-05T12:30: pending"
expect_eq "one job" "$(q "SELECT kind || ' ' || status FROM jobs")" "process_ms queued"
expect_eq "no pointing without headers" "$(q "SELECT COUNT(*) FROM ms WHERE ra_deg IS NULL")" 1
run "$STRATA" sky ingest --config "$dir/sky.toml" --once
expect_eq "ingest again adds nothing" "$(q 'SELECT COUNT(*) FROM jobs')" 1

run "$STRATA" sky worker --config "$dir/sky.toml" --once
expect_status 0
expect_eq "set done" "$(q 'SELECT stage || " " || status || " " || checkpoint || " " || cal_applied FROM ms')" "done ok image 1"
expect_eq "job succeeded" "$(q 'SELECT status || " " || attempts FROM jobs')" "succeeded 1"
expect_eq "image registered" "$(q 'SELECT COUNT(*) FROM images WHERE ms_id = 1')" 1
expect_eq "caltable applied" "$(q 'SELECT COUNT(*) FROM ms_calibrations')" 1
expect_eq "measurement set written" "$(test -d "$(q 'SELECT path FROM ms WHERE id = 1')" && echo yes)" yes
log=$(q 'SELECT log_path FROM jobs')
CURRENT="job log"
grep -q 'flagging' "$log" && pass || fail "log lacks the flag stage's output"

# a failing stage: 3 attempts, the set goes back to its checkpoint, then fails
sed -i 's/^flag = .*/flag = "echo bad flags; exit 3"/' "$dir/sky.toml"
q "INSERT INTO ms (path, stage, created_at, updated_at) VALUES ('$dir/work/b.ms', 'converted', 0, 0);"
q "INSERT INTO jobs (id, kind, ms_id, created_at) VALUES ('01900000-0000-7000-8000-000000000001', 'flag', 2, 0);"
run "$STRATA" sky worker --config "$dir/sky.toml" --once
expect_eq "failed after 3 attempts" "$(q "SELECT status || ' ' || attempts || ' ' || error FROM jobs WHERE ms_id = 2")" "failed 3 stage flag exited with status 3"
expect_eq "set failed" "$(q 'SELECT stage || " " || status || " " || retries FROM ms WHERE id = 2')" "failed failed 3"

# a hanging stage is killed at the timeout, with its children
sed -i 's/^flag = .*/flag = "sleep 60 \& sleep 60"/' "$dir/sky.toml"
q "INSERT INTO ms (path, stage, created_at, updated_at) VALUES ('$dir/work/c.ms', 'converted', 0, 0);"
q "INSERT INTO jobs (id, kind, ms_id, max_attempts, created_at) VALUES ('01900000-0000-7000-8000-000000000002', 'flag', 3, 1, 0);"
run "$STRATA" sky worker --config "$dir/sky.toml" --once
expect_eq "timed out" "$(q "SELECT status || ' ' || error FROM jobs WHERE ms_id = 3")" "failed stage flag timed out after 2 s"
CURRENT="no sleeper left behind"
if pgrep -f "sleep 60 & sleep 60" >/dev/null 2>&1; then fail "stage processes survived"; else pass; fi

# a cancel request kills a running stage; the set keeps its checkpoint
sed -i 's/^flag = .*/flag = "sleep 30"/; s/^stage_timeout = 2/stage_timeout = 60/' "$dir/sky.toml"
q "INSERT INTO ms (path, stage, created_at, updated_at) VALUES ('$dir/work/d.ms', 'converted', 0, 0);"
q "INSERT INTO jobs (id, kind, ms_id, created_at) VALUES ('01900000-0000-7000-8000-000000000004', 'flag', 4, 0);"
"$STRATA" sky worker --config "$dir/sky.toml" --once >"$dir/w.out" 2>&1 &
wpid=$!
i=0
while [ "$(q "SELECT stage FROM ms WHERE id = 4")" != flagging ] && [ $i -lt 200 ]; do
	i=$((i + 1)); sleep 0.1
done
q "UPDATE jobs SET cancel_requested = 1 WHERE id LIKE '%0004'"
wait $wpid
expect_eq "cancelled while running" "$(q "SELECT status FROM jobs WHERE id LIKE '%0004'")" cancelled
expect_eq "set back at its checkpoint" "$(q "SELECT stage FROM ms WHERE id = 4")" converted

# an image product is QA'd from its FITS file into the catalog
real=$(testdata radio/aegean/1904-66_SIN.fits)
if [ -f "$real" ]; then
	sed -i "s|^image = .*|image = \"echo STRATA_OUTPUT image $real\"|" "$dir/sky.toml"
	q "INSERT INTO ms (path, stage, created_at, updated_at) VALUES ('$dir/work/e.ms', 'calibrated', 0, 0);"
	q "INSERT INTO jobs (id, kind, ms_id, created_at) VALUES ('01900000-0000-7000-8000-000000000005', 'image', 5, 0);"
	run "$STRATA" sky worker --config "$dir/sky.toml" --once
	expect_eq "image job" "$(q "SELECT status FROM jobs WHERE id LIKE '%0005'")" succeeded
	expect_eq "image QA in the catalog" "$(q "SELECT qa_grade || ' ' || size_x || ' ' || (noise_jy > 0.01) || ' ' || (dynamic_range > 100) FROM images WHERE ms_id = 5")" "good 192 1 1"
	expect_eq "QA row" "$(q "SELECT grade || ' ' || (n_sources > 0) || ' ' || warnings FROM qa")" 'good 1 ["noise_above_10mJy"]'
fi

# a job for a set at the wrong stage is refused without retries
q "INSERT INTO jobs (id, kind, ms_id, created_at) VALUES ('01900000-0000-7000-8000-000000000003', 'convert', 1, 0);"
run "$STRATA" sky worker --config "$dir/sky.toml" --once
expect_eq "refused" "$(q "SELECT status || ' ' || attempts FROM jobs WHERE id LIKE '%0003'")" "failed 1"
finish
