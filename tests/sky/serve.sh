#!/bin/sh
# api.sh - `strata sky serve` on a free port, exercised with curl: routes,
# error envelopes, auth scopes, rate limits, metrics and OpenAPI.
. "$STRATA_SOURCE_DIR/tests/lib.sh"
command -v curl >/dev/null || { echo "SKIPPED: curl not installed"; exit 77; }

dir=$(mktemp -d /tmp/strata-sky-api-XXXXXX)
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
mkdir -p "$dir/images" "$dir/logs"
printf 'SIMPLE  =                    T' >"$dir/images/real.fits"
printf 'secret' >"$dir/outside.fits"
cat >"$dir/sky.toml" <<EOT
catalog = "$dir/sky.db"
[server]
read_open = false
jwt_secret = "0123456789abcdef0123456789abcdef"
[[server.keys]]
name = "ops"
key = "ops-key-0123456789"
scopes = ["write"]
[[server.keys]]
name = "viewer"
key = "viewer-key-0123456789"
scopes = ["read"]
[server.rate_limit]
per_key = 1000
burst = 1000
[paths]
roots = ["$dir/images"]
log_dir = "$dir/logs"
EOT
run "$STRATA" sky seed --catalog "$dir/sky.db" --ms 20 --images 50 --sources 5 --photometry 100
expect_status 0
sqlite3 "$dir/sky.db" "UPDATE images SET path = '$dir/images/real.fits' WHERE id = 1;
  UPDATE images SET path = '$dir/outside.fits' WHERE id = 2;
  UPDATE images SET path = '$dir/images/../outside.fits' WHERE id = 3;" 2>/dev/null ||
	echo "note: sqlite3 missing, file routes only partly checked"

"$STRATA" sky serve --config "$dir/sky.toml" --port 0 >"$dir/serve.out" 2>"$dir/serve.err" &
pid=$!
port=$(listening_port "$dir/serve.out" "$dir/serve.err") ||
	{ fail "server did not start"; finish; exit 1; }
base="http://127.0.0.1:$port"
R="X-API-Key: viewer-key-0123456789"
W="X-API-Key: ops-key-0123456789"

# http METHOD PATH [curl args]: body in $OUT, status in $STATUS
http() {
	m=$1 p=$2
	shift 2
	CURRENT="$m $p"
	STATUS=$(curl -s -o "$OUT" -w '%{http_code}' -X "$m" "$@" "$base$p")
}
expect_code() {
	if [ "$STATUS" = "$1" ]; then pass; else fail "HTTP $STATUS, expected $1"; fi
}
envelope() { # error envelope with this code
	expect_stdout_contains "\"error\":\"$1\""
	expect_stdout_contains '"message":'
	expect_stdout_contains '"details":'
}

http GET /api/health; expect_code 200; expect_stdout_contains '"status":"ok"'
http GET "/api/v1/health?detailed=true"; expect_code 200
expect_stdout_contains '"database":{"status":"ok"'; expect_stdout_contains '"disk":'
http GET "/api/v1/health?detailed=maybe"; expect_code 400; envelope invalid_parameter

# auth: reads need a key here; writes need the write scope
http GET /api/v1/images; expect_code 401; envelope unauthorized
http GET /api/v1/images -H "X-API-Key: nope-nope-nope-nope"; expect_code 401
http GET /api/v1/images -H "$R"; expect_code 200
expect_stdout_contains '"limit":100,"offset":0,"count":50,"has_more":false'
http POST /api/v1/jobs -H "$R" -H 'Content-Type: application/json' -d '{"kind":"image","ms_id":1}'
expect_code 403; envelope forbidden
token=$("$STRATA" sky token --config "$dir/sky.toml" --scope read)
http GET /api/v1/ms/1 -H "Authorization: Bearer $token"; expect_code 200
http GET /api/v1/ms/1 -H "Authorization: Bearer ${token}x"; expect_code 401

# lists, filters, pagination and their errors
http GET "/api/v1/images?limit=10&offset=45" -H "$R"; expect_code 200
expect_stdout_contains '"count":5,"has_more":false'
http GET "/api/v1/images?limit=10" -H "$R"; expect_stdout_contains '"has_more":true'
http GET "/api/v1/images?qa_grade=excellent&limit=1000" -H "$R"; expect_code 200
expect_stdout_contains '"count":10,'
http GET "/api/v1/images?limit=1001" -H "$R"; expect_code 400; envelope invalid_parameter
http GET "/api/v1/images?limit=99999999999999999999" -H "$R"; expect_code 400
http GET "/api/v1/images?offset=-1" -H "$R"; expect_code 400; envelope invalid_parameter
http GET "/api/v1/images?limit=abc" -H "$R"; expect_code 400
http GET "/api/v1/images?colour=red" -H "$R"; expect_code 400; envelope unknown_parameter
http GET "/api/v1/images?dec_min=x" -H "$R"; expect_code 400
http GET "/api/v1/images?type=x'%20OR%201=1--" -H "$R"; expect_code 200
expect_stdout_contains '"count":0'
http GET /api/v1/images/7 -H "$R"; expect_code 200; expect_stdout_contains '"id":7,'
http GET /api/v1/images/99999 -H "$R"; expect_code 404; envelope not_found
http GET /api/v1/images/-3 -H "$R"; expect_code 400; envelope invalid_id
http GET /api/v1/images/7/provenance -H "$R"; expect_code 200
expect_stdout_contains '"ms":{"id":7'; expect_stdout_contains '"qa":[]'
http GET /api/v1/images/7/qa -H "$R"; expect_code 200
http GET /api/v1/images/7/thumbnail -H "$R"; expect_code 404; envelope not_found
http GET "/api/v1/images/7/thumbnail?stretch=log" -H "$R"; expect_code 400
http GET "/api/v1/images/7/cutout?dec=1" -H "$R"; expect_code 400; envelope invalid_parameter
http GET /api/v1/ms -H "$R"; expect_code 200
http GET "/api/v1/ms?stage=done" -H "$R"; expect_code 200; expect_stdout_contains '"stage":"done"'
http GET /api/v1/ms/3/provenance -H "$R"; expect_code 200
http GET /api/v1/ms/3/calibrator-matches -H "$R"; expect_code 200
expect_stdout_contains '"matches":[]'
http GET /api/v1/sources -H "$R"; expect_code 200
http GET /api/v1/sources/2 -H "$R"; expect_code 200; expect_stdout_contains '"n_detections":20'
http GET "/api/v1/sources/2/lightcurve?start_mjd=60005&end_mjd=60009" -H "$R"; expect_code 200
expect_stdout_contains '"count":5,'
http GET /api/v1/sources/2/variability -H "$R"; expect_code 200
expect_stdout_contains '"n":20,'; expect_stdout_contains '"eta":'
expect_stdout_contains '"modulation_index":'
http GET "/api/v1/sources/2/variability?flux=bogus" -H "$R"; expect_code 400
http GET /api/v1/sources/77/lightcurve -H "$R"; expect_code 404
http GET /api/v1/calibration -H "$R"; expect_code 200
http GET /api/v1/calibration/1 -H "$R"; expect_code 404
http GET /api/v1/qa -H "$R"; expect_code 200
http GET /api/v1/stats -H "$R"; expect_code 200
expect_stdout_contains '"totals":{"ms":20,"images":50'

# files: served only from the roots
if command -v sqlite3 >/dev/null; then
	http GET /api/v1/images/1/fits -H "$R"; expect_code 200; expect_stdout_contains 'SIMPLE'
	http GET /api/v1/images/2/fits -H "$R"; expect_code 403; envelope forbidden
	http GET /api/v1/images/3/fits -H "$R"; expect_code 403
fi
http GET /api/v1/images/9/fits -H "$R"; expect_code 404

# jobs and batches
J='Content-Type: application/json'
http POST /api/v1/jobs -H "$W" -H "$J" -d '{"kind":"process_ms","ms_id":1,"params":{"a":1}}'
expect_code 201; expect_stdout_contains '"status":"queued"'; expect_stdout_contains '"params":{"a":1}'
job=$(sed 's/.*"id":"\([0-9a-f-]*\)".*/\1/' "$OUT")
http POST /api/v1/jobs -H "$W" -H "$J" -d '{"kind":"process_ms","ms_id":1,"colour":1}'
expect_code 400; envelope unknown_field; expect_stdout_contains '"field":"colour"'
http POST /api/v1/jobs -H "$W" -H "$J" -d '{"kind":"process_ms",'; expect_code 400
envelope malformed_json
http POST /api/v1/jobs -H "$W" -H "$J" -d '[1,2]'; expect_code 400; envelope malformed_json
deep=$(head -c 20000 /dev/zero | tr '\0' '[')
http POST /api/v1/jobs -H "$W" -H "$J" -d "$deep"; expect_code 400; envelope malformed_json
http GET /api/health; expect_code 200 # still serving
http POST /api/v1/jobs -H "$W" -H "$J" -d '{"kind":"process_ms","kind":"image","ms_id":1}'
expect_code 400
http POST /api/v1/jobs -H "$W" -H "$J" -d '{"kind":"rm -rf","ms_id":1}'; expect_code 400
http POST /api/v1/jobs -H "$W" -H "$J" -d '{"kind":"image","ms_id":4242}'; expect_code 422
envelope unknown_reference
http POST /api/v1/jobs -H "$W" -H "Content-Type: text/plain" -d '{}'; expect_code 415
head -c 70000 /dev/zero | tr '\0' ' ' >"$dir/big.json"
http POST /api/v1/jobs -H "$W" -H "$J" --data-binary "@$dir/big.json"; expect_code 413
# refused by the core server before the handler, in the API's JSON envelope
envelope too_large; expect_stdout_contains '"details":{"max_body":65536}'
expect_stdout_contains '"message":"request body too large"'
http POST /api/v1/jobs -H "$W" -H "$J" -H "Transfer-Encoding: chunked" \
	--data-binary "@$dir/big.json"
expect_code 413; envelope too_large
CURRENT="413 headers"
curl -s -o /dev/null -D "$dir/413.h" -X POST -H "$W" -H "$J" --data-binary "@$dir/big.json" \
	"$base/api/v1/jobs"
if grep -qi '^Content-Type: application/json' "$dir/413.h" &&
	grep -qi '^X-Content-Type-Options: nosniff' "$dir/413.h"; then pass; else
	fail "413 headers: $(cat "$dir/413.h")"
fi
http GET "/api/v1/jobs/$job" -H "$R"; expect_code 200; expect_stdout_contains "\"id\":\"$job\""
http GET /api/v1/jobs/summary -H "$R"; expect_code 200
expect_stdout_contains '{"status":"queued","count":1}'
http GET "/api/v1/jobs/$job/logs" -H "$R"; expect_code 404
http POST "/api/v1/jobs/$job/rerun" -H "$W"; expect_code 409; envelope conflict
http POST "/api/v1/jobs/$job/cancel" -H "$W"; expect_code 202
expect_stdout_contains '"status":"cancelled"'
http POST "/api/v1/jobs/$job/cancel" -H "$W"; expect_code 409
http POST "/api/v1/jobs/$job/rerun" -H "$W"; expect_code 202; expect_stdout_contains '"status":"queued"'
http POST /api/v1/jobs/not-a-uuid/cancel -H "$W"; expect_code 400; envelope invalid_id
http POST /api/v1/jobs/00000000-0000-7000-8000-000000000000/cancel -H "$W"; expect_code 404
http POST /api/v1/batch -H "$W" -H "$J" -d '{"kind":"image","ms_ids":[1,2,3]}'
expect_code 201; expect_stdout_contains '"total":3,"n_queued":3'
batch=$(sed 's/.*"id":"\([0-9a-f-]*\)".*/\1/' "$OUT")
http POST /api/v1/batch -H "$W" -H "$J" -d '{"kind":"image","ms_ids":[]}'; expect_code 400
http POST /api/v1/batch -H "$W" -H "$J" -d '{"kind":"image","ms_ids":[1,"x"]}'; expect_code 400
http POST /api/v1/batch -H "$W" -H "$J" -d '{"kind":"image","ms_ids":[1,999]}'; expect_code 422
http GET "/api/v1/batch/$batch" -H "$R"; expect_code 200; expect_stdout_contains '"items":[{'
http POST "/api/v1/batch/$batch/cancel" -H "$W"; expect_code 202
expect_stdout_contains '"status":"cancelled"'; expect_stdout_contains '"n_cancelled":3'
http GET "/api/v1/jobs?batch_id=$batch&status=cancelled" -H "$R"; expect_stdout_contains '"count":3,'

# methods, unknown paths, headers
http DELETE /api/v1/jobs -H "$W"; expect_code 405; envelope method_not_allowed
http GET /api/v1/nope -H "$R"; expect_code 404; envelope not_found
CURRENT="security headers"
curl -s -D "$dir/h" -o /dev/null "$base/api/health"
grep -qi '^X-Content-Type-Options: nosniff' "$dir/h" && pass || fail "no nosniff header"
grep -qi '^X-Frame-Options: DENY' "$dir/h" && pass || fail "no X-Frame-Options"

# metrics and OpenAPI
http GET /metrics; expect_code 200
expect_stdout_contains 'sky_http_requests_total{route="/api/v1/images",method="GET",status="400"}'
expect_stdout_contains 'sky_http_request_duration_seconds_bucket{route="/api/v1/images/{id}"'
expect_stdout_contains 'sky_ms_by_stage{stage="done"}'
http GET /api/v1/openapi.json; expect_code 200
expect_stdout_contains '"/api/v1/sources/{id}/variability":{"get":'
expect_stdout_contains '"/api/v1/jobs":{"get":'
if command -v python3 >/dev/null; then
	CURRENT="openapi lists every route"
	n=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(len(v) for v in d["paths"].values()))' "$OUT")
	[ "$n" -ge 35 ] && pass || fail "openapi has $n operations"
fi

# rate limits: a 5/s per-IP limit gives 429 with Retry-After
kill "$pid"; wait "$pid" 2>/dev/null
sed -i 's/^per_key = 1000/per_ip = 5/; s/^burst = 1000/burst = 5/' "$dir/sky.toml"
rm -f "$dir/serve.out" # else the loop below may read the old server's port
"$STRATA" sky serve --config "$dir/sky.toml" --port 0 >"$dir/serve.out" 2>"$dir/serve.err" &
pid=$!
base="http://127.0.0.1:$(listening_port "$dir/serve.out" "$dir/serve.err")"
codes=""
for k in 1 2 3 4 5 6 7 8 9 10; do
	codes="$codes $(curl -s -D "$dir/h$k" -o "$dir/b$k" -w '%{http_code}' "$base/api/health")"
done
CURRENT="rate limit ($codes)"
case "$codes" in *429*) pass ;; *) fail "no 429 after a burst of 10" ;; esac
case "$codes" in " 200 200 200 200 200"*) pass ;; *) fail "the burst of 5 was not served" ;; esac
cat "$dir"/h* | grep -qi '^Retry-After: [1-9]' && pass || fail "no Retry-After"
cat "$dir"/b* >"$OUT"
envelope rate_limited
finish
