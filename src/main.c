/*
 * main.c - the sluice binary: dispatches to the serve, shell, run, test and
 * version subcommands.
 */
#include <stdio.h>
#include <string.h>

#include "sluice/commands.h"

static void usage(FILE *f) {
  fprintf(f,
          "usage: sluice <command> [options]\n"
          "  serve [--config FILE] [--bootstrap HOST:PORT] [--data-dir DIR] [--listen ADDR]\n"
          "                        run the server (REST API on port 8088)\n"
          "  shell [URL] [-e SQL] [-f FILE]   interactive shell\n"
          "  run FILE.sql [--bootstrap HOST:PORT] [--data-dir DIR]\n"
          "                        run statements headless until SIGTERM\n"
          "  test FILE.json|DIR... run ksqlDB QTT test files in-process\n"
          "  version               print the version\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "serve")) return sl_cmd_serve(argc - 2, argv + 2);
  if (!strcmp(cmd, "shell")) return sl_cmd_shell(argc - 2, argv + 2);
  if (!strcmp(cmd, "run")) return sl_cmd_run(argc - 2, argv + 2);
  if (!strcmp(cmd, "test")) return sl_cmd_test(argc - 2, argv + 2);
  if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
    printf("sluice %s\n", SLUICE_VERSION);
    return 0;
  }
  if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
    usage(stdout);
    return 0;
  }
  fprintf(stderr, "sluice: unknown command '%s'\n", cmd);
  usage(stderr);
  return 2;
}
