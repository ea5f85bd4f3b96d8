#!/bin/sh
# listen_shuffled.sh - holes 421-424 on one tool, all twelve messages
# published within one second in shuffled order: exactly four results, each
# computed from its own Result, Trace and Heads (two captures alternate, so a
# hole paired with a neighbour's trace or heads shows in its payload).
. "${STRATA_SOURCE_DIR:-.}/tests/lib.sh"
. "${STRATA_SOURCE_DIR:-.}/tests/drill/lib/mqtt.sh"
require_testdata drilling/mqtt/data_20250326/Heads.json
require_testdata drilling/mqtt/data_20250623/Heads.json
mqtt_setup
DATA=$(testdata drilling/mqtt)
PY="python3 ${STRATA_SOURCE_DIR:-.}/tests/drill/lib/results.py"

PORT=$(free_port)
broker_start "$PORT"
# Heads required: a hole completes only with its own three messages.
write_config "$WORK/cfg.yaml" "$PORT" "    duplicate_handling: error"
sed -i 's/require_heads: false/require_heads: true/' "$WORK/cfg.yaml"
listen_start listen "$WORK/cfg.yaml"
T=OPCPUBSUB/ILLL502033771/setitec001/ResultManagement.Results.0.ResultContent.DepthEstimation
sub_start "$PORT" "$T.KeyPoints" "$T.DepthEstimation"

mkdir "$WORK/expected"
for c in data_20250326 data_20250623; do
	"$STRATA" drill estimate --json --toolbox ILLL502033771 --tool setitec001 \
		"$DATA/$c/ResultManagement.json" "$DATA/$c/Trace.json" "$DATA/$c/Heads.json" \
		>"$WORK/expected/$c.json" 2>/dev/null || true
done

for round in 1 2 3; do
	CURRENT="round $round"
	: >"$WORK/sub.out"
	sub_barrier "$PORT"
	run "$STRATA" drill replay "$DATA/data_20250326" "$DATA/data_20250623" --count 4 \
		--first-result-id 421 --fresh-timestamps --shuffle --rate 0 --host 127.0.0.1 --port "$PORT"
	expect_status 0
	cp "$OUT" "$WORK/replay.out"
	wait_for_results 8 || fail "fewer than four holes answered"
	sub_barrier "$PORT"
	grep '^OPCPUBSUB/' "$WORK/sub.out" >"$WORK/results.out" || true
	if $PY pairing "$WORK/results.out" "$WORK/replay.out" "$WORK/expected" >"$WORK/pairing.out"; then
		pass
	else
		cat "$WORK/pairing.out" >&2
		fail "holes 421-424 not answered exactly once each from their own messages"
	fi
	[ "$($PY ids "$WORK/results.out")" = "421 422 423 424" ] && pass || fail "ids: $($PY ids "$WORK/results.out")"
done
grep -q "message rejected" "$WORK/listen.log" && fail "messages rejected" || pass
finish
