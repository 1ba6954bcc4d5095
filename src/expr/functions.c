/*
 * functions.c - the function registry: the per-category tables (fn_*.c)
 * merged into one array sorted by name, built before main() runs so lookups
 * from worker threads only read. Lookup is a binary search, case-insensitive.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr_int.h"

static const sl_function_t **fn_sorted;
static int fn_n;

static int by_name(const void *a, const void *b) {
  const sl_function_t *x = *(const sl_function_t *const *)a, *y = *(const sl_function_t *const *)b;
  return strcasecmp(x->name, y->name);
}

__attribute__((constructor)) static void registry_init(void) {
  struct {
    const sl_function_t *t;
    int n;
  } parts[] = {
      {sl_fn_math_table, sl_fn_math_count},
      {sl_fn_string_table, sl_fn_string_count},
      {sl_fn_null_table, sl_fn_null_count},
      {sl_fn_datetime_table, sl_fn_datetime_count},
      {sl_fn_collections_table, sl_fn_collections_count},
      {sl_fn_aggregate_table, sl_fn_aggregate_count},
      {sl_fn_json_table, sl_fn_json_count},
      {sl_fn_url_table, sl_fn_url_count},
      {sl_fn_regex_table, sl_fn_regex_count},
      {sl_fn_conversions_table, sl_fn_conversions_count},
      {sl_fn_test_table, sl_fn_test_count},
  };
  int total = 0;
  for (size_t i = 0; i < SL_ARRAY_LEN(parts); i++) total += parts[i].n;
  fn_sorted = sl_xmalloc(sizeof *fn_sorted * (size_t)total);
  for (size_t i = 0; i < SL_ARRAY_LEN(parts); i++)
    for (int j = 0; j < parts[i].n; j++) fn_sorted[fn_n++] = &parts[i].t[j];
  qsort(fn_sorted, (size_t)fn_n, sizeof *fn_sorted, by_name);
}

const sl_function_t *sl_function_find(const char *name) {
  int lo = 0, hi = fn_n - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2;
    int c = strcasecmp(name, fn_sorted[mid]->name);
    if (c == 0) return fn_sorted[mid];
    if (c < 0)
      hi = mid - 1;
    else
      lo = mid + 1;
  }
  return NULL;
}

int sl_function_count(void) {
  return fn_n;
}

const sl_function_t *sl_function_at(int i) {
  return i >= 0 && i < fn_n ? fn_sorted[i] : NULL;
}
