#!/bin/sh
# `strata drill estimate`: the published keypoints of the reference file, JSON
# output, and one clear error line for a file that is not a Setitec export.
set -u
STRATA="${STRATA:?set STRATA to the strata binary}"
. "$(dirname "$0")/../lib.sh"
require_testdata drilling/setitec/17070141_17070141_ST_753_55.xls
ref=$(testdata drilling/setitec/17070141_17070141_ST_753_55.xls)

run "$STRATA" drill estimate "$ref"
expect_status 0
expect_stdout_contains "entry          4.569 mm"
expect_stdout_contains "transition     5.010 mm"

run "$STRATA" drill estimate --json "$ref"
expect_status 0
expect_stdout_contains '"entry":{"position":4.569,"index":133,"algo":"strata-entry-torque-rise/1"}'
expect_stdout_contains '"transition":{"position":5.01,'

printf 'not a setitec export\n' >"$OUT.bad.xls"
run "$STRATA" drill estimate "$OUT.bad.xls"
expect_status 1
expect_one_line_error "$OUT.bad.xls" "no *** Datas *** table"
rm -f "$OUT.bad.xls"

run "$STRATA" drill estimate
expect_status 2

# One hole's MQTT messages: the payloads the service would publish.
require_testdata drilling/mqtt/data2/Trace.json
mq=$(testdata drilling/mqtt)
run "$STRATA" drill estimate "$mq/data2/Result.json" "$mq/data2/Trace.json"
expect_status 0
expect_stdout_contains "entry          4.805 mm"
expect_stdout_contains "transition     5.219 mm"
expect_stdout_contains "exit          17.691 mm"

run "$STRATA" drill estimate --json --toolbox tb1 --tool tool1 "$mq/data2/Result.json" "$mq/data2/Trace.json"
expect_status 0
expect_stdout_is '{"topic":"OPCPUBSUB/tb1/tool1/ResultManagement.Results.0.ResultContent.DepthEstimation.KeyPoints","payload":{"SourceTimestamp": "2024-12-04T19:14:42Z", "MachineId": "17070141", "ResultId": "2409", "HeadId": null, "Value": [4.805, 5.219, 17.691], "AlgoVersion": "strata-deterministic/1"}}
{"topic":"OPCPUBSUB/tb1/tool1/ResultManagement.Results.0.ResultContent.DepthEstimation.DepthEstimation","payload":{"SourceTimestamp": "2024-12-04T19:14:42Z", "MachineId": "17070141", "ResultId": "2409", "HeadId": null, "Value": [0.4140000000000006, 12.471999999999998], "AlgoVersion": "strata-deterministic/1"}}\n'

# The truncated capture: an Error result (exit status 1), HeadId from Heads.json.
run "$STRATA" drill estimate --json "$mq/data_20250626/ResultManagement.json" "$mq/data_20250626/Trace.json" "$mq/data_20250626/Heads.json"
expect_status 1
expect_stdout_contains '"HeadId": "E00401009F45BACA", "Value": "Error in depth estimation: OPCPUBSUB/toolbox/tool/ResultManagement/Trace:1:20001: invalid JSON: parse error: premature EOF'
expect_stdout_contains '"Error": true}}'

# A message that cannot be attributed: one error line.
run "$STRATA" drill estimate "$mq/data2/Trace.json" "$mq/data2/Trace.json"
expect_status 1
expect_one_line_error "strata drill estimate" "no payload key contains 'ResultManagement.Results.0.ResultMetaData.ResultId'"

run "$STRATA" drill estimate "$mq/data2/Result.json"
expect_status 2
finish
