#!/bin/sh
# listen_replay.sh - every captured hole replayed through mosquitto and
# `strata drill listen` is answered exactly once, with exactly the topics and
# payloads `strata drill estimate` computes from the same files; /metrics
# counts them; SIGTERM stops the service with status 0.
. "${STRATA_SOURCE_DIR:-.}/tests/lib.sh"
. "${STRATA_SOURCE_DIR:-.}/tests/drill/lib/mqtt.sh"
require_testdata drilling/mqtt
mqtt_setup
DATA=$(testdata drilling/mqtt)
PY="python3 ${STRATA_SOURCE_DIR:-.}/tests/drill/lib/results.py"

PORT=$(free_port)
broker_start "$PORT"
write_config "$WORK/cfg.yaml" "$PORT"
listen_start listen "$WORK/cfg.yaml" --metrics-port 0 --health-interval 0.5
KP=ResultManagement.Results.0.ResultContent.DepthEstimation.KeyPoints
DE=ResultManagement.Results.0.ResultContent.DepthEstimation.DepthEstimation
sub_start "$PORT" "OPCPUBSUB/TBX/TL/$KP" "OPCPUBSUB/TBX/TL/$DE"

# Expected: the estimate command on each capture, with its Heads when it has one.
: >"$WORK/expected"
holes=0
for dir in "$DATA"/*/; do
	dir=${dir%/}
	result=$dir/Result.json
	[ -f "$result" ] || result=$dir/ResultManagement.json
	[ -f "$result" ] && [ -f "$dir/Trace.json" ] || continue
	heads=""
	[ -f "$dir/Heads.json" ] && heads=$dir/Heads.json
	# shellcheck disable=SC2086 # heads is empty or one path
	"$STRATA" drill estimate --json --toolbox TBX --tool TL "$result" "$dir/Trace.json" $heads \
		>>"$WORK/expected" 2>/dev/null || true
	holes=$((holes + 1))
done

# Hostile input first: neither stops the service; both are rejected with a log line.
mosquitto_pub -h 127.0.0.1 -p "$PORT" -q 1 -t OPCPUBSUB/TBX/TL/ResultManagement -m 'not json {'
mosquitto_pub -h 127.0.0.1 -p "$PORT" -q 1 -t OPCPUBSUB/TBX/TL/ResultManagement/Trace -m '{"Messages": 1}'
# 64 MiB + 1 byte: refused before it is copied.
head -c 67108865 /dev/zero | tr '\0' ' ' |
	mosquitto_pub -h 127.0.0.1 -p "$PORT" -q 1 -t OPCPUBSUB/TBX/TL/ResultManagement/Trace -s
wait_for_log "$WORK/listen.log" "message rejected" 3 && pass || fail "hostile messages not rejected"
grep -q "exceeds the limit of 67108864 bytes" "$WORK/listen.log" && pass || fail "no size limit line"

run "$STRATA" drill replay "$DATA" --host 127.0.0.1 --port "$PORT" --rate 0 --toolbox TBX --tool TL
expect_status 0
[ "$(wc -l <"$OUT")" -eq "$holes" ] && pass || fail "replay printed $(wc -l <"$OUT") holes, expected $holes"

wait_for_results $((2 * holes)) || fail "not every hole answered"
MPORT=$(sed -n 's/.*metrics endpoint.* port=\([0-9]*\).*/\1/p' "$WORK/listen.log" | head -1)
CURRENT="/metrics"
v=$($PY metric "$MPORT" drill_holes_published_total)
[ "$v" = "$holes" ] && pass || fail "drill_holes_published_total is $v, expected $holes"
v=$($PY metric "$MPORT" drill_messages_received_total 'kind="trace"')
[ "$v" = "$holes" ] && pass || fail "trace messages received $v, expected $holes"
v=$($PY metric "$MPORT" drill_messages_received_total 'kind="result"')
[ "$v" = "$holes" ] && pass || fail "result messages received $v, expected $holes"
v=$($PY metric "$MPORT" drill_hole_latency_seconds_count)
[ "$v" = "$holes" ] && pass || fail "latency observations $v, expected $holes"
v=$($PY metric "$MPORT" drill_messages_rejected_total)
[ "$v" = 3 ] && pass || fail "rejected messages $v, expected 3"
for m in drill_evictions_total drill_messages_rejected_total drill_buffer_fill drill_queue_depth; do
	$PY metric "$MPORT" "$m" >/dev/null && pass || fail "no $m"
done
wait_for_log "$WORK/listen.log" "INFO  health buffer_fill=" 1 && pass || fail "no health line"

CURRENT="SIGTERM"
kill -TERM "$(cat "$WORK/listen.pid")"
status=0
wait "$(cat "$WORK/listen.pid")" || status=$?
[ "$status" -eq 0 ] && pass || fail "listen exited with $status after SIGTERM"
sub_barrier "$PORT"

CURRENT="compare with strata drill estimate"
if $PY compare "$WORK/sub.out" "$WORK/expected" >"$WORK/compare.out"; then pass; else
	cat "$WORK/compare.out" >&2
	fail "published results differ from strata drill estimate"
fi
finish
