/*
 * commands.h - the subcommands of the sluice binary. Each lives with the
 * module it drives: serve in server/, shell in cli/, run in runtime/, test in
 * qtt/. They take the arguments after the subcommand name and return an exit code.
 */
#ifndef SLUICE_COMMANDS_H
#define SLUICE_COMMANDS_H

int sl_cmd_serve(int argc, char **argv);
int sl_cmd_shell(int argc, char **argv);
int sl_cmd_run(int argc, char **argv);
int sl_cmd_test(int argc, char **argv);

#define SLUICE_VERSION "0.1.0"

#endif
