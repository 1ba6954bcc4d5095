/* qtt.c - placeholder until its module lands. */
#include <stdio.h>

#include "sluice/commands.h"

int sl_cmd_test(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "sluice: not built yet\n");
  return 1;
}
