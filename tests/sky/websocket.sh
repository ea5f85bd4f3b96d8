#!/bin/sh
# websocket.sh - /api/v1/ws/jobs/{id} and /ws/pipeline push status as JSON
# messages when it changes; connections need the read scope (a header or
# ?token=).
. "$STRATA_SOURCE_DIR/tests/lib.sh"
command -v curl >/dev/null || { echo "SKIPPED: curl not installed"; exit 77; }
py=/usr/bin/python3
[ -x "$py" ] || py=python3
command -v "$py" >/dev/null || { echo "SKIPPED: python3 not installed"; exit 77; }
client="$STRATA_SOURCE_DIR/tests/sky/ws_client.py"

dir=$(mktemp -d /tmp/strata-sky-ws-XXXXXX)
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
cat >"$dir/sky.toml" <<EOT
catalog = "$dir/sky.db"
[server]
jwt_secret = "0123456789abcdef0123456789abcdef"
[[server.keys]]
name = "ops"
key = "ops-key-0123456789"
scopes = ["write"]
EOT
run "$STRATA" sky seed --catalog "$dir/sky.db" --ms 3 --images 3 --sources 1 --photometry 3
expect_status 0
"$STRATA" sky serve --config "$dir/sky.toml" --port 0 >"$dir/serve.out" 2>"$dir/serve.err" &
pid=$!
port=$(listening_port "$dir/serve.out" "$dir/serve.err") ||
	{ fail "server did not start"; finish; exit 1; }
K="X-API-Key: ops-key-0123456789"
job=$(curl -s -X POST -H "$K" -H 'Content-Type: application/json' \
	"http://127.0.0.1:$port/api/v1/jobs" -d '{"kind":"image","ms_id":1}' |
	sed 's/.*"id":"\([0-9a-f-]*\)".*/\1/')

run timeout 20 "$py" "$client" "$port" /ws/pipeline
expect_status 2 # no credentials
run timeout 20 "$py" "$client" "$port" /ws/pipeline "$K"
expect_status 0
expect_stdout_contains '{"type":"pipeline","ms_by_stage":{'
expect_stdout_contains '"jobs_by_status":{"queued":1}'
token=$("$STRATA" sky token --config "$dir/sky.toml" --scope read)
run timeout 20 "$py" "$client" "$port" "/api/v1/ws/pipeline?token=$token"
expect_status 0
run timeout 20 "$py" "$client" "$port" "/api/v1/ws/pipeline?token=${token}x"
expect_status 2
run timeout 20 "$py" "$client" "$port" /api/v1/ws/jobs/not-a-job "$K"
expect_status 2
run timeout 20 "$py" "$client" "$port" /api/v1/ws/unknown "$K"
expect_status 2

# the job's status, then its change after a cancel
WS_MESSAGES=2 timeout 20 "$py" "$client" "$port" "/api/v1/ws/jobs/$job" "$K" >"$dir/job.out" 2>&1 &
wpid=$!
i=0
while [ ! -s "$dir/job.out" ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
curl -s -o /dev/null -X POST -H "$K" "http://127.0.0.1:$port/api/v1/jobs/$job/cancel"
wait $wpid
CURRENT="job messages"
if [ "$(grep -c '"type":"job"' "$dir/job.out")" -eq 2 ] &&
	head -1 "$dir/job.out" | grep -q '"status":"queued"' &&
	tail -1 "$dir/job.out" | grep -q '"status":"cancelled"'; then
	pass
else
	fail "expected queued then cancelled: $(cat "$dir/job.out")"
fi
finish
