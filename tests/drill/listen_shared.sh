#!/bin/sh
# listen_shared.sh - two `strata drill listen` instances with the same
# shared_group split the holes of one line (MQTT 5 shared subscriptions):
# every hole is answered exactly once across both, and both take a share,
# also when holes with and without Heads are mixed and their messages are
# shuffled (which breaks any per-topic balancing).
. "${STRATA_SOURCE_DIR:-.}/tests/lib.sh"
. "${STRATA_SOURCE_DIR:-.}/tests/drill/lib/mqtt.sh"
require_testdata drilling/mqtt/data_20250623/Heads.json
require_testdata drilling/mqtt/data0/Trace.json
mqtt_setup
DATA=$(testdata drilling/mqtt)
PY="python3 ${STRATA_SOURCE_DIR:-.}/tests/drill/lib/results.py"
T=ResultManagement.Results.0.ResultContent.DepthEstimation
N=60

PORT=$(free_port)
broker_start "$PORT"
write_config "$WORK/cfg.yaml" "$PORT" "    shared_group: line1"
listen_start a "$WORK/cfg.yaml" --metrics-port 0
listen_start b "$WORK/cfg.yaml" --metrics-port 0
grep -q 'filter=$share/line1/OPCPUBSUB/+/+/ResultManagement/Trace' "$WORK/a.log" && pass || fail "no shared subscription"
sub_start "$PORT" "OPCPUBSUB/+/+/$T.KeyPoints" "OPCPUBSUB/+/+/$T.DepthEstimation"

run "$STRATA" drill replay "$DATA/data_20250623" "$DATA/data0" "$DATA/data1" --count $N \
	--fresh-timestamps --shuffle --rate 0 --host 127.0.0.1 --port "$PORT"
expect_status 0
wait_for_results $((2 * N)) || fail "not every hole answered"
sub_barrier "$PORT"
[ "$($PY holes "$WORK/sub.out")" = "$N $N" ] && pass || fail "holes (results, distinct): $($PY holes "$WORK/sub.out")"
total=0
for inst in a b; do
	mport=$(sed -n 's/.*metrics endpoint.* port=\([0-9]*\).*/\1/p' "$WORK/$inst.log" | head -1)
	v=$($PY metric "$mport" drill_holes_published_total)
	[ "$v" -gt 0 ] && pass || fail "instance $inst published no hole"
	total=$((total + v))
done
CURRENT="both instances"
[ "$total" -eq "$N" ] && pass || fail "the instances published $total holes, expected $N"
[ "$(grep -c "mqtt connected" "$WORK/a.log")" -eq 1 ] && pass || fail "instance a reconnected (client id clash?)"
grep -q "incomplete hole evicted" "$WORK/a.log" "$WORK/b.log" && fail "holes evicted" || pass
finish
