#!/bin/sh
# listen_restart.sh - the service starts before the broker; then the broker
# is killed and restarted on the same port in the middle of a run: `strata drill listen` reconnects and subscribes again;
# a hole whose Result arrived before the restart and whose Trace arrives
# after it is answered, and so are holes published after the restart.
. "${STRATA_SOURCE_DIR:-.}/tests/lib.sh"
. "${STRATA_SOURCE_DIR:-.}/tests/drill/lib/mqtt.sh"
require_testdata drilling/mqtt/data1/Trace.json
mqtt_setup
DATA=$(testdata drilling/mqtt)
PY="python3 ${STRATA_SOURCE_DIR:-.}/tests/drill/lib/results.py"
T=ResultManagement.Results.0.ResultContent.DepthEstimation

# The service starts before the broker and connects once it is up.
PORT=$(free_port)
write_config "$WORK/cfg.yaml" "$PORT"
"$STRATA" drill listen --config "$WORK/cfg.yaml" --metrics-port 0 >"$WORK/listen.out" 2>"$WORK/listen.log" &
echo $! >"$WORK/listen.pid"
MQTT_PIDS="$MQTT_PIDS $!"
wait_for_log "$WORK/listen.log" "metrics endpoint" 1
broker_start "$PORT"
CURRENT="broker started after the service"
wait_for_log "$WORK/listen.log" "mqtt subscribed" 1 && pass || fail "listen never connected"
MPORT=$(sed -n 's/.*metrics endpoint.* port=\([0-9]*\).*/\1/p' "$WORK/listen.log" | head -1)
sub_start "$PORT" "OPCPUBSUB/+/+/$T.KeyPoints" "OPCPUBSUB/+/+/$T.DepthEstimation"

CURRENT="before the restart"
run "$STRATA" drill replay "$DATA/data0" "$DATA/data2" --fresh-timestamps --first-result-id 100 \
	--rate 0 --host 127.0.0.1 --port "$PORT"
expect_status 0
wait_for_results 4 || fail "holes before the restart not answered"

# Half a hole: data1's Result now, its Trace after the restart.
mosquitto_pub -h 127.0.0.1 -p "$PORT" -q 1 -t OPCPUBSUB/TB/T9/ResultManagement \
	-f "$DATA/data1/Result.json"
i=0
while [ "$($PY metric "$MPORT" drill_messages_received_total 'kind="result"')" != 3 ]; do
	i=$((i + 1))
	[ $i -lt 300 ] || { fail "half hole not received"; break; }
	sleep 0.1
done

CURRENT="broker restart"
sub_stop
kill -KILL "$BROKER_PID"
wait "$BROKER_PID" 2>/dev/null || true
wait_for_log "$WORK/listen.log" "mqtt disconnected" 1 && pass || fail "no disconnection logged"
broker_start "$PORT"
wait_for_log "$WORK/listen.log" "mqtt subscribed" 2 && pass || fail "listen did not subscribe again"
: >"$WORK/sub.out"
sub_start "$PORT" "OPCPUBSUB/+/+/$T.KeyPoints" "OPCPUBSUB/+/+/$T.DepthEstimation"

CURRENT="after the restart"
mosquitto_pub -h 127.0.0.1 -p "$PORT" -q 1 -t OPCPUBSUB/TB/T9/ResultManagement/Trace \
	-f "$DATA/data1/Trace.json"
run "$STRATA" drill replay "$DATA/data0" "$DATA/data2" --fresh-timestamps --first-result-id 200 \
	--rate 0 --host 127.0.0.1 --port "$PORT"
expect_status 0
wait_for_results 6 || fail "holes after the restart not answered"
sub_barrier "$PORT"
[ "$($PY ids "$WORK/sub.out")" = "200 201 2412" ] && pass || fail "answered after restart: $($PY ids "$WORK/sub.out")"
[ "$($PY holes "$WORK/sub.out")" = "3 3" ] && pass || fail "holes: $($PY holes "$WORK/sub.out")"
finish
