/* drill.c - `strata drill`: drilling depth estimation over MQTT. */
#include "drill/convert.h"
#include "drill/estimate.h"
#include "drill/replay.h"
#include "drill/service.h"
#include "strata/app.h"
#include "strata/cmd.h"

static const strata_cmd drill_commands[] = {
    {"listen", drill_cmd_listen, "run the MQTT depth-estimation service (--config FILE)", NULL},
    {"serve", drill_cmd_listen, "alias of listen", NULL},
    {"replay", drill_cmd_replay, "publish captured holes to a broker (DIR... --host H --port P)",
     NULL},
    {"estimate", drill_cmd_estimate,
     "keypoints of Setitec exports, or one hole's MQTT messages and its payloads (--json)", NULL},
    {"convert", drill_cmd_convert,
     "write a hole's Result and Trace JSON as the original's table (CSV)", NULL},
    {NULL, NULL, NULL, NULL},
};

static const strata_cmd_group drill_group = {
    "strata drill",
    "The drilling line's depth-estimation service: correlates each hole's result, trace\n"
    "and heads messages from MQTT, estimates entry, transition and exit keypoints, and\n"
    "publishes them back, wire-compatible with the original and never losing a hole.",
    drill_commands,
};

int strata_drill_main(int argc, char **argv)
{
	return strata_cmd_dispatch(&drill_group, argc, argv);
}
