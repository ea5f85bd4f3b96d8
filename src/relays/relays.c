/* relays.c - `strata relays`: the Tor relay statistics site (Allium in C). */
#include "strata/app.h"
#include "strata/cmd.h"

static const strata_cmd relays_commands[] = {
    {"build", NULL, "build the static site from Onionoo documents", "issue #3"},
    {"fetch", NULL, "fetch and cache Onionoo documents", "issue #3"},
    {NULL, NULL, NULL, NULL},
};

static const strata_cmd_group relays_group = {
    "strata relays",
    "Builds a static website about the Tor network from Onionoo documents: a page per\n"
    "relay, operator, family, AS, country, flag, platform and first-seen date, sortable\n"
    "listings, leaderboards and a network-health dashboard, in seconds and little memory.",
    relays_commands,
};

int strata_relays_main(int argc, char **argv)
{
	return strata_cmd_dispatch(&relays_group, argc, argv);
}
