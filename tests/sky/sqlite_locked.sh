#!/bin/sh
# sqlite_locked.sh - `strata sky serve` on a SQLite catalog whose write lock
# another process holds (sqlite3 inside BEGIN IMMEDIATE): reads still answer
# (WAL), a write waits out the busy timeout and answers 503 busy in the JSON
# error envelope with Retry-After, nothing of it is stored; once the lock is
# released the same write succeeds.
. "$STRATA_SOURCE_DIR/tests/lib.sh"
command -v curl >/dev/null || { echo "SKIPPED: curl not installed"; exit 77; }
command -v sqlite3 >/dev/null || { echo "SKIPPED: sqlite3 not installed"; exit 77; }

dir=$(mktemp -d /tmp/strata-sky-locked-XXXXXX)
pid=""
holder=""
cleanup() {
	exec 3>&- 2>/dev/null
	for p in $holder $pid; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	rm -rf "$dir"
}
trap cleanup EXIT
cat >"$dir/sky.toml" <<EOT
catalog = "$dir/sky.db"
[server]
read_open = true
[[server.keys]]
name = "ops"
key = "ops-key-0123456789"
scopes = ["write"]
EOT
run "$STRATA" sky seed --catalog "$dir/sky.db" --ms 3 --images 5 --sources 1 --photometry 5
expect_status 0
"$STRATA" sky serve --config "$dir/sky.toml" --port 0 >"$dir/serve.out" 2>"$dir/serve.err" &
pid=$!
port=$(listening_port "$dir/serve.out" "$dir/serve.err") ||
	{ echo "FAIL: server did not start"; exit 1; }
base="http://127.0.0.1:$port"
post_job() {
	CURRENT="POST /api/v1/jobs"
	STATUS=$(curl -s -m 60 -D "$dir/h" -o "$OUT" -w '%{http_code}' -H 'X-API-Key: ops-key-0123456789' \
		-H 'Content-Type: application/json' -d '{"kind":"image","ms_id":2}' "$base/api/v1/jobs") || true
}
expect_code() {
	if [ "$STATUS" = "$1" ]; then pass; else fail "HTTP $STATUS, expected $1"; fi
}

# Another process takes the write lock and keeps it until told to commit.
mkfifo "$dir/fifo"
sqlite3 "$dir/sky.db" <"$dir/fifo" >"$dir/holder.out" 2>&1 &
holder=$!
exec 3>"$dir/fifo"
echo "BEGIN IMMEDIATE; UPDATE ms SET error = 'held' WHERE id = 1; SELECT 'locked';" >&3
i=0
while ! grep -q locked "$dir/holder.out" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 300 ] && { fail "sqlite3 did not take the lock"; break; }
	sleep 0.05
done

CURRENT="GET /api/v1/images while locked"
STATUS=$(curl -s -m 60 -o "$OUT" -w '%{http_code}' "$base/api/v1/images") || true
expect_code 200
expect_stdout_contains '"count":5'
post_job
expect_code 503
expect_stdout_contains '"error":"busy"'
expect_stdout_contains '"message":"the catalog is locked or busy; retry"'
expect_stdout_contains '"details":{}'
CURRENT="Retry-After on 503 busy"
if grep -qi '^Retry-After: 1' "$dir/h"; then pass; else fail "no Retry-After: 1"; fi
CURRENT="server still running"
if kill -0 "$pid" 2>/dev/null; then pass; else fail "the server exited"; fi

echo "COMMIT; SELECT 'released';" >&3
exec 3>&-
wait "$holder"
holder=""
CURRENT="no job stored by the refused write"
[ "$(sqlite3 "$dir/sky.db" "SELECT COUNT(*) FROM jobs")" = 0 ] && pass || fail "a job was stored"
post_job
expect_code 201
expect_stdout_contains '"status":"queued"'
CURRENT="the holder's change and one job"
[ "$(sqlite3 "$dir/sky.db" "SELECT (SELECT error FROM ms WHERE id = 1) || ' ' || COUNT(*) FROM jobs")" = "held 1" ] &&
	pass || fail "catalog: $(sqlite3 "$dir/sky.db" "SELECT error FROM ms WHERE id = 1; SELECT COUNT(*) FROM jobs")"
finish
