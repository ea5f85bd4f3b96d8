#!/bin/sh
# pg_workers.sh - two `strata sky worker` processes share one PostgreSQL
# queue: every job runs exactly once (FOR UPDATE SKIP LOCKED claims), every
# product is registered once. Needs $STRATA_TEST_PG_URL (skipped otherwise,
# failed under CI).
. "$STRATA_SOURCE_DIR/tests/lib.sh"
if [ -z "${STRATA_TEST_PG_URL:-}" ] || ! command -v psql >/dev/null; then
	if [ "${CI:-}" = true ] || [ "${CI:-}" = 1 ]; then
		echo "FAIL: STRATA_TEST_PG_URL or psql missing under CI"; exit 1
	fi
	echo "SKIPPED: STRATA_TEST_PG_URL not set"; exit 77
fi
schema="sky_workers_$$"
dir=$(mktemp -d /tmp/strata-sky-pgw-XXXXXX)
trap 'psql -q "$STRATA_TEST_PG_URL" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1; rm -rf "$dir"' EXIT
psql -q "$STRATA_TEST_PG_URL" -c "CREATE SCHEMA $schema" >/dev/null || { echo "FAIL: no schema"; exit 1; }
case "$STRATA_TEST_PG_URL" in *\?*) sep='&' ;; *) sep='?' ;; esac
url="$STRATA_TEST_PG_URL${sep}options=-c%20search_path%3D$schema"
q() { psql -qtA "$STRATA_TEST_PG_URL" -c "SET search_path = $schema; $1" | tail -1; }
expect_eq() {
	CURRENT="$1"
	if [ "$2" = "$3" ]; then pass; else fail "got '$2', expected '$3'"; fi
}

cat >"$dir/sky.toml" <<EOT
catalog = "$url"
[paths]
log_dir = "$dir/logs"
work_dir = "$dir/work"
[stages]
image = "sleep 0.02; echo run \$STRATA_JOB_ID >> $dir/runs; echo STRATA_OUTPUT image \$STRATA_WORK_DIR/\$STRATA_MS_ID.fits"
EOT
run "$STRATA" sky migrate --config "$dir/sky.toml"
expect_status 0
q "INSERT INTO ms (path, stage, created_at, updated_at) SELECT '/w/' || g || '.ms', 'calibrated', 0, 0 FROM generate_series(1, 60) g;
   INSERT INTO jobs (id, kind, ms_id, created_at) SELECT '01900000-0000-7000-8000-' || lpad(id::text, 12, '0'), 'image', id, id FROM ms;" >/dev/null

"$STRATA" sky worker --config "$dir/sky.toml" --once >"$dir/w1.out" 2>"$dir/w1.err" &
p1=$!
"$STRATA" sky worker --config "$dir/sky.toml" --once >"$dir/w2.out" 2>"$dir/w2.err" &
p2=$!
wait $p1; s1=$?
wait $p2; s2=$?
expect_eq "workers exit 0" "$s1 $s2" "0 0"
expect_eq "every job succeeded once" "$(q "SELECT COUNT(*) FROM jobs WHERE status = 'succeeded' AND attempts = 1")" 60
expect_eq "every command ran once" "$(sort "$dir/runs" | uniq | wc -l) $(wc -l <"$dir/runs")" "60 60"
expect_eq "one image per set" "$(q "SELECT COUNT(*) || ' ' || COUNT(DISTINCT ms_id) FROM images")" "60 60"
expect_eq "every set done" "$(q "SELECT COUNT(*) FROM ms WHERE stage = 'done'")" 60
CURRENT="both workers worked"
[ "$(q "SELECT COUNT(DISTINCT worker) FROM jobs")" -ge 1 ] && pass || fail "no worker recorded"
finish
