/* cli.h - the `strata store` commands (argv[0] is the command name). */
#ifndef STRATA_STORE_CLI_H
#define STRATA_STORE_CLI_H

int store_cmd_write(int argc, char **argv);
int store_cmd_append(int argc, char **argv);
int store_cmd_read(int argc, char **argv);
int store_cmd_list(int argc, char **argv);
int store_cmd_delete(int argc, char **argv);
int store_cmd_info(int argc, char **argv);
int store_cmd_snapshot(int argc, char **argv);
int store_cmd_head(int argc, char **argv);
int store_cmd_tail(int argc, char **argv);
int store_cmd_last(int argc, char **argv);
int store_cmd_export(int argc, char **argv);
int store_cmd_compact(int argc, char **argv);
int store_cmd_verify(int argc, char **argv);

#endif
