/* store.c - `strata store`: a time-series store on Parquet (PyStore in C). */
#include "strata/app.h"
#include "strata/cmd.h"

static const strata_cmd store_commands[] = {
    {"write", NULL, "write a new item from CSV or Parquet (--overwrite to replace)", "issue #5"},
    {"append", NULL, "append rows to an item, newest row wins per timestamp", "issue #5"},
    {"read", NULL, "read an item or a time range of it", "issue #5"},
    {"delete", NULL, "delete an item, collection or store", "issue #5"},
    {"list", NULL, "list stores, collections or items; filter items by metadata", "issue #5"},
    {"snapshot", NULL, "create, list or restore collection snapshots", "issue #5"},
    {NULL, NULL, NULL, NULL},
};

static const strata_cmd_group store_group = {
    "strata store",
    "A time-series store of plain Parquet files in PyStore's layout (store/collection/item),\n"
    "readable by pandas, DuckDB and Spark. Appends keep the newest row per timestamp, never\n"
    "drop rows for repeated values, rewrite only what changed, and swap versions atomically\n"
    "so a crash never loses an item.",
    store_commands,
};

int strata_store_main(int argc, char **argv)
{
	return strata_cmd_dispatch(&store_group, argc, argv);
}
