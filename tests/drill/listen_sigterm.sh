#!/bin/sh
# listen_sigterm.sh - SIGTERM while holes are queued: `strata drill listen`
# stops ingesting, finishes and publishes every hole it completed, and exits 0.
. "${STRATA_SOURCE_DIR:-.}/tests/lib.sh"
. "${STRATA_SOURCE_DIR:-.}/tests/drill/lib/mqtt.sh"
require_testdata drilling/mqtt/data_20250326/Trace.json
mqtt_setup
DATA=$(testdata drilling/mqtt)
PY="python3 ${STRATA_SOURCE_DIR:-.}/tests/drill/lib/results.py"
T=ResultManagement.Results.0.ResultContent.DepthEstimation
N=150

PORT=$(free_port)
broker_start "$PORT"
write_config "$WORK/cfg.yaml" "$PORT"
sed -i 's/workers: 2/workers: 1/' "$WORK/cfg.yaml"
listen_start listen "$WORK/cfg.yaml" --metrics-port 0
MPORT=$(sed -n 's/.*metrics endpoint.* port=\([0-9]*\).*/\1/p' "$WORK/listen.log" | head -1)
sub_start "$PORT" "OPCPUBSUB/+/+/$T.KeyPoints" "OPCPUBSUB/+/+/$T.DepthEstimation"

run "$STRATA" drill replay "$DATA/data_20250326" --count $N --fresh-timestamps --rate 0 \
	--host 127.0.0.1 --port "$PORT"
expect_status 0
# Every hole complete (handed to the workers), then SIGTERM at once.
i=0
while [ "$($PY metric "$MPORT" drill_holes_completed_total)" != "$N" ]; do
	i=$((i + 1))
	[ $i -lt 600 ] || { fail "holes not completed"; break; }
	sleep 0.05
done
CURRENT="SIGTERM"
kill -TERM "$(cat "$WORK/listen.pid")"
status=0
wait "$(cat "$WORK/listen.pid")" || status=$?
[ "$status" -eq 0 ] && pass || fail "exit status $status"
grep -q "shutting down signal=SIGTERM" "$WORK/listen.log" && pass || fail "no shutdown line"
sub_barrier "$PORT"
[ "$($PY holes "$WORK/sub.out")" = "$N $N" ] && pass || fail "answered (results, distinct): $($PY holes "$WORK/sub.out")"
finish
