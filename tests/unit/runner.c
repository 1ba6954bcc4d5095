/*
 * runner.c - runs every registered unit test (or those whose name contains
 * argv[1]) and prints a closing "N passed, N failed" line.
 */
#include <stdarg.h>
#include <stdlib.h>

#include "unit.h"

typedef struct {
  const char *name, *file;
  sl_test_fn fn;
} test_t;

static test_t *tests;
static int ntests, captests;
int sl_test_failed;

void sl_test_register(const char *name, const char *file, sl_test_fn fn) {
  if (ntests == captests) {
    captests = captests ? captests * 2 : 64;
    tests = realloc(tests, sizeof(test_t) * (size_t)captests);
  }
  tests[ntests++] = (test_t){name, file, fn};
}

void sl_test_fail(const char *file, int line, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stdout, "  %s:%d: ", file, line);
  vfprintf(stdout, fmt, ap);
  fputc('\n', stdout);
  va_end(ap);
  sl_test_failed = 1;
}

static int cmp(const void *a, const void *b) {
  const test_t *x = a, *y = b;
  int c = strcmp(x->file, y->file);
  return c ? c : strcmp(x->name, y->name);
}

int main(int argc, char **argv) {
  const char *filter = argc > 1 ? argv[1] : NULL;
  qsort(tests, (size_t)ntests, sizeof(test_t), cmp);
  int passed = 0, failed = 0;
  for (int i = 0; i < ntests; i++) {
    if (filter && !strstr(tests[i].name, filter) && !strstr(tests[i].file, filter)) continue;
    sl_test_failed = 0;
    tests[i].fn();
    const char *f = strrchr(tests[i].file, '/');
    f = f ? f + 1 : tests[i].file;
    if (sl_test_failed) {
      printf("FAIL %s: %s\n", f, tests[i].name);
      failed++;
    } else {
      printf("PASS %s: %s\n", f, tests[i].name);
      passed++;
    }
    fflush(stdout);
  }
  free(tests);
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
