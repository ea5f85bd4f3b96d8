#!/bin/sh
# listen_shared.sh - two `strata drill listen` instances with the same
# shared_group split the holes of one line (MQTT 5 shared subscriptions):
# every hole is answered exactly once across both, and both take a share.
. "${STRATA_SOURCE_DIR:-.}/tests/lib.sh"
. "${STRATA_SOURCE_DIR:-.}/tests/drill/lib/mqtt.sh"
require_testdata drilling/mqtt/data_20250623/Heads.json
mqtt_setup
DATA=$(testdata drilling/mqtt)
PY="python3 ${STRATA_SOURCE_DIR:-.}/tests/drill/lib/results.py"
T=ResultManagement.Results.0.ResultContent.DepthEstimation
N=40

PORT=$(free_port)
broker_start "$PORT"
write_config "$WORK/cfg.yaml" "$PORT" "    shared_group: line1"
sed -i 's/require_heads: false/require_heads: true/' "$WORK/cfg.yaml"
listen_start a "$WORK/cfg.yaml" --metrics-port 0
listen_start b "$WORK/cfg.yaml" --metrics-port 0
grep -q 'filter=$share/line1/OPCPUBSUB/+/+/ResultManagement' "$WORK/a.log" && pass || fail "no shared subscription"
sub_start "$PORT" "OPCPUBSUB/+/+/$T.KeyPoints" "OPCPUBSUB/+/+/$T.DepthEstimation"

run "$STRATA" drill replay "$DATA/data_20250623" --count $N --fresh-timestamps --rate 0 \
	--host 127.0.0.1 --port "$PORT"
expect_status 0
wait_for_results $((2 * N)) || fail "not every hole answered"
sub_barrier "$PORT"
[ "$($PY holes "$WORK/sub.out")" = "$N $N" ] && pass || fail "holes (results, distinct): $($PY holes "$WORK/sub.out")"
for inst in a b; do
	mport=$(sed -n 's/.*metrics endpoint.* port=\([0-9]*\).*/\1/p' "$WORK/$inst.log" | head -1)
	v=$($PY metric "$mport" drill_holes_published_total)
	[ "$v" -gt 0 ] && pass || fail "instance $inst published no hole"
	echo "instance $inst: $v holes"
done
ids_a=$(grep -c "mqtt connected" "$WORK/a.log")
[ "$ids_a" -eq 1 ] && pass || fail "instance a reconnected (client id clash?)"
finish
