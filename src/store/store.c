/* store.c - `strata store`: a time-series store on Parquet (PyStore in C). */
#include "strata/app.h"
#include "strata/cmd.h"

#include "cli.h"

static const strata_cmd store_commands[] = {
    {"write", store_cmd_write, "write a new item from CSV, JSON lines or Parquet", NULL},
    {"append", store_cmd_append, "append rows to an item, newest row wins per timestamp", NULL},
    {"read", store_cmd_read, "read an item (columns, time range, filters) as CSV or JSON lines",
     NULL},
    {"delete", store_cmd_delete, "delete an item", NULL},
    {"list", store_cmd_list, "list stores, collections or items; filter items by metadata", NULL},
    {"info", store_cmd_info, "show an item's schema, rows, key range, parts and size", NULL},
    {"snapshot", store_cmd_snapshot, "create, list or delete collection snapshots", NULL},
    {"head", store_cmd_head, "print an item's first rows, reading only the parts needed", NULL},
    {"tail", store_cmd_tail, "print an item's last rows, reading only the parts needed", NULL},
    {"last", store_cmd_last, "print an item's last key from its manifest", NULL},
    {"export", store_cmd_export, "export an item (or a selection) as CSV, JSON lines or Parquet",
     NULL},
    {"compact", store_cmd_compact, "merge an item's small parts, atomically", NULL},
    {"verify", store_cmd_verify, "check every file of an item against its manifest", NULL},
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
