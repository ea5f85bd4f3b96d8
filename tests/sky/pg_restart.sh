#!/bin/sh
# pg_restart.sh - `strata sky serve` and `strata sky worker` on a PostgreSQL
# server that goes away mid-run. A throwaway cluster (initdb + pg_ctl, never
# the shared test server) on a free port:
#   1. stopped while a stage command runs and reads arrive: reads answer 503
#      in the JSON error envelope with Retry-After (no crash, no hang); the
#      stage's end (its product and stage change) cannot commit;
#   2. started again: the API answers 200 again by itself (the pool replaces
#      the dead connections), the worker reconnects, records the interrupted
#      run as a failed attempt and reruns it; the set ends done with exactly
#      one image, nothing of the interrupted run kept; restarted with every
#      pool connection idle: reads still answer 200 (dead connections are
#      replaced and the read run again);
#   3. restarted (pg_ctl restart -m fast) while reads and a second job's stage
#      change are in flight: every answer is 200 or the 503 envelope, the API
#      recovers, and every set is either done with its one image or not done
#      with none.
# Skipped (77) only when the PostgreSQL server binaries are absent.
. "$STRATA_SOURCE_DIR/tests/lib.sh"
PGBIN="${STRATA_PG_BIN:-/usr/lib/postgresql/15/bin}"
if [ ! -x "$PGBIN/initdb" ] || [ ! -x "$PGBIN/pg_ctl" ] || ! command -v psql >/dev/null; then
	if [ "${CI:-}" = true ] || [ "${CI:-}" = 1 ]; then
		echo "FAIL: PostgreSQL server binaries or psql missing under CI (scripts/install-deps)"; exit 1
	fi
	echo "SKIPPED: no PostgreSQL server binaries in $PGBIN"; exit 77
fi
command -v curl >/dev/null || { echo "SKIPPED: curl not installed"; exit 77; }

dir=$(mktemp -d /tmp/strata-sky-pgrestart-XXXXXX)
chmod 755 "$dir"
pgdata="$dir/pg"
serve_pid=""
worker_pid=""
load_pid=""
# PostgreSQL refuses to run as root: run it as the postgres system user (as
# scripts/test-servers does).
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
stop_all() {
	for p in $load_pid $worker_pid $serve_pid; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	load_pid="" worker_pid="" serve_pid=""
}
cleanup() {
	stop_all
	[ -f "$pgdata/postmaster.pid" ] && as_owner "$PGBIN/pg_ctl" -D "$pgdata" -m immediate -w stop >/dev/null 2>&1
	rm -rf "$dir"
}
trap cleanup EXIT

# A free port: bind port 0 when python3 is there, else probe upward.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null && return
	p=$((40000 + $$ % 20000))
	while (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
	echo "$p"
}
port=$(free_port)
mkdir -p "$pgdata" "$dir/sock"
[ "$(id -u)" -eq 0 ] && chown -R postgres "$pgdata" "$dir/sock"
chmod 700 "$pgdata"
as_owner "$PGBIN/initdb" -D "$pgdata" -U strata --auth=trust -E UTF8 --locale=C.UTF-8 \
	>"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log"; echo "FAIL: initdb"; exit 1; }
pg_opts="-c listen_addresses=127.0.0.1 -p $port -k $dir/sock -c fsync=off"
pg() { as_owner "$PGBIN/pg_ctl" -D "$pgdata" -l "$dir/sock/pg.log" -w -t 60 -o "$pg_opts" "$@" >/dev/null; }
pg start || { cat "$dir/sock/pg.log"; echo "FAIL: pg_ctl start"; exit 1; }
url="postgresql://strata@127.0.0.1:$port/postgres"
q() { psql -qtA "$url" -c "$1" | tail -1; }
expect_eq() {
	CURRENT="$1"
	if [ "$2" = "$3" ]; then pass; else fail "got '$2', expected '$3'"; fi
}

cat >"$dir/sky.toml" <<EOT
catalog = "$url"
[server]
read_open = true
threads = 8
pool_size = 4
[paths]
log_dir = "$dir/logs"
work_dir = "$dir/work"
[worker]
poll_interval = 0.1
retry_delay = 0
[stages]
image = "touch $dir/started.\$STRATA_MS_ID; while [ ! -e $dir/go.\$STRATA_MS_ID ]; do sleep 0.05; done; echo STRATA_OUTPUT image $dir/work/\$STRATA_MS_ID.fits"
EOT
run "$STRATA" sky seed --catalog "$url" --ms 4 --images 10 --sources 2 --photometry 20
expect_status 0
q "UPDATE ms SET stage = 'calibrated' WHERE id IN (1, 2)" >/dev/null

"$STRATA" sky serve --config "$dir/sky.toml" --port 0 >"$dir/serve.out" 2>"$dir/serve.err" &
serve_pid=$!
http_port=$(listening_port "$dir/serve.out" "$dir/serve.err") ||
	{ echo "FAIL: server did not start"; exit 1; }
base="http://127.0.0.1:$http_port"

# get PATH: status in $STATUS, body in $OUT, headers in $dir/h; a request
# that hangs past 30 s or gets no HTTP answer has status 000.
get() {
	CURRENT="GET $1"
	STATUS=$(curl -s -m 30 -D "$dir/h" -o "$OUT" -w '%{http_code}' "$base$1") || true
}
expect_code() {
	if [ "$STATUS" = "$1" ]; then pass; else fail "HTTP $STATUS, expected $1"; fi
}
unavailable() { # the 503 envelope
	expect_code 503
	expect_stdout_contains '"error":"unavailable"'
	expect_stdout_contains '"message":'
	expect_stdout_contains '"details":{}'
	CURRENT="$CURRENT Retry-After"
	if grep -qi '^Retry-After: 1' "$dir/h"; then pass; else fail "no Retry-After: 1"; fi
}
# wait_for FILE: until it exists (the stage command started)
wait_for() {
	i=0
	while [ ! -e "$1" ]; do
		i=$((i + 1))
		[ $i -gt 600 ] && { fail "$1 never appeared"; return 1; }
		sleep 0.05
	done
}
# wait_job ID STATUS: until the job has that status
wait_job() {
	i=0
	while [ "$(q "SELECT status FROM jobs WHERE id = '$1'" 2>/dev/null)" != "$2" ]; do
		i=$((i + 1))
		[ $i -gt 600 ] && { fail "job $1 never reached $2"; return 1; }
		sleep 0.1
	done
}

# Every path the reads use, the pool warmed with all 4 connections.
for p in /api/v1/images /api/v1/images/3 /api/v1/sources/1/lightcurve "/api/v1/health?detailed=true"; do
	get "$p"; expect_code 200
done

# --- 1. the server goes away while a stage runs ------------------------------------
job1=01900000-0000-7000-8000-000000000001
q "INSERT INTO jobs (id, kind, ms_id, created_at) VALUES ('$job1', 'image', 1, 1)" >/dev/null
"$STRATA" sky worker --config "$dir/sky.toml" >"$dir/worker.out" 2>"$dir/worker.err" &
worker_pid=$!
wait_for "$dir/started.1"
expect_eq "stage running" "$(q "SELECT stage FROM ms WHERE id = 1")" imaging

pg stop -m fast || fail "pg_ctl stop"
for p in /api/v1/images /api/v1/images/3 /api/v1/sources/1/lightcurve /api/v1/ms/1 /api/v1/images; do
	get "$p"; unavailable
done
get "/api/v1/health?detailed=true"; expect_code 503
expect_stdout_contains '"status":"unhealthy"'
get /api/health; expect_code 200
# The stage ends while the catalog is down: its product and stage change
# cannot commit; the worker waits for the catalog.
touch "$dir/go.1"
sleep 1
CURRENT="worker still running during the outage"
if kill -0 "$worker_pid" 2>/dev/null; then pass; else fail "the worker exited"; fi
CURRENT="server still running during the outage"
if kill -0 "$serve_pid" 2>/dev/null; then pass; else fail "the server exited"; fi

# --- 2. the server comes back -------------------------------------------------------
pg start || fail "pg_ctl start"
# The first read after the restart already succeeds: a connection found dead
# is replaced and the read run once more.
get /api/v1/images; expect_code 200
expect_stdout_contains '"items":[{"id":'
for i in 1 2 3 4 5 6; do
	get /api/v1/images/3; expect_code 200
	get /api/v1/sources/1/lightcurve; expect_code 200
done
get "/api/v1/health?detailed=true"; expect_code 200
expect_stdout_contains '"database":{"status":"ok"'
wait_job "$job1" succeeded
expect_eq "interrupted run was a failed attempt, rerun once" \
	"$(q "SELECT attempts || ' ' || status FROM jobs WHERE id = '$job1'")" "2 succeeded"
expect_eq "set 1 done with one image" \
	"$(q "SELECT stage || ' ' || retries || ' ' || (SELECT COUNT(*) FROM images WHERE ms_id = 1 AND path LIKE '$dir/work/%') FROM ms WHERE id = 1")" \
	"done 1 1"
expect_eq "its image registered once" "$(q "SELECT COUNT(*) FROM images WHERE path = '$dir/work/1.fits'")" 1
CURRENT="worker logged the reconnect"
if grep -q "catalog connection re-established" "$dir/worker.err"; then pass; else fail "no reconnect logged"; fi

# --- 2b. restart while the pool's connections are idle ------------------------------
# Open all 4 pool connections (concurrent reads), restart, then read: each
# read finds a dead connection, which is replaced, and still answers 200.
readers=""
for i in 1 2 3 4 5 6 7 8; do
	curl -s -m 30 -o /dev/null "$base/api/v1/sources/1/lightcurve" &
	readers="$readers $!"
done
for p in $readers; do wait "$p"; done
pg restart -m fast || fail "pg_ctl restart"
for i in 1 2 3 4 5 6; do
	get /api/v1/images/3; expect_code 200
done
get "/api/v1/health?detailed=true"; expect_code 200

# --- 3. restart -m fast with reads and a stage change in flight ---------------------
job2=01900000-0000-7000-8000-000000000002
q "INSERT INTO jobs (id, kind, ms_id, created_at) VALUES ('$job2', 'image', 2, 2)" >/dev/null
wait_for "$dir/started.2"
: >"$dir/codes"
(
	while :; do
		curl -s -m 30 -o "$dir/load.json" -w '%{http_code}\n' "$base/api/v1/images?limit=5" >>"$dir/codes" || echo 000 >>"$dir/codes"
		grep -q '"error":"unavailable"\|"items":' "$dir/load.json" || echo bad-body >>"$dir/codes"
	done
) &
load_pid=$!
sleep 0.3
touch "$dir/go.2" # the stage ends as the server restarts
pg restart -m fast || fail "pg_ctl restart"
sleep 0.5
kill "$load_pid"; wait "$load_pid" 2>/dev/null; load_pid=""
CURRENT="answers during the restart"
bad=$(grep -cv '^\(200\|503\)$' "$dir/codes")
if [ "$bad" -eq 0 ] && [ -s "$dir/codes" ]; then pass; else
	fail "$bad answers neither 200 nor the 503 envelope: $(sort "$dir/codes" | uniq -c | tr '\n' ' ')"
fi
get /api/v1/images; expect_code 200
get "/api/v1/health?detailed=true"; expect_code 200
wait_job "$job2" succeeded
expect_eq "set 2 done with one image" \
	"$(q "SELECT stage || ' ' || (SELECT COUNT(*) FROM images WHERE ms_id = 2 AND path LIKE '$dir/work/%') FROM ms WHERE id = 2")" "done 1"
# No half-done stage anywhere: a set is done with its image or has none.
expect_eq "no product without its stage change" \
	"$(q "SELECT COUNT(*) FROM ms WHERE (stage = 'done') <> EXISTS (SELECT 1 FROM images i WHERE i.ms_id = ms.id AND i.path LIKE '$dir/work/%')
	      AND id IN (1, 2)")" 0
expect_eq "no job left running" "$(q "SELECT COUNT(*) FROM jobs WHERE status = 'running'")" 0
stop_all
CURRENT="no crash in the server log"
if grep -qi 'segfault\|sanitizer\|abort' "$dir/serve.err"; then fail "$(head -5 "$dir/serve.err")"; else pass; fi
finish
