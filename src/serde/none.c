/*
 * none.c - the NONE format, ksqlDB's key format for sources without key
 * columns: reading ignores whatever bytes the record carries, writing
 * produces nothing (callers write a null key; sl_serde_encodes_null says so).
 */
#include "serde_int.h"

static int none_validate(const sl_column_t *cols, int ncols, bool is_key, sl_error_t *err) {
  if (ncols == 0) return 0;
  sl_buf_t b;
  sl_buf_init(&b);
  sl_serde_put_columns(&b, cols, ncols, is_key);
  sl_error_set(err, SL_ESEMANTIC, -1,
               "The 'NONE' format can only be used when no columns are defined. Got: [%s]", b.data);
  sl_buf_free(&b);
  return SL_ESEMANTIC;
}

static int none_decode(sl_serde_t *s, const char *data, size_t len, sl_arena_t *a, sl_value_t *out,
                       sl_error_t *err) {
  SL_UNUSED(s), SL_UNUSED(data), SL_UNUSED(len), SL_UNUSED(a), SL_UNUSED(out), SL_UNUSED(err);
  return 0;
}

static int none_encode(sl_serde_t *s, const sl_value_t *vals, sl_buf_t *out, sl_error_t *err) {
  SL_UNUSED(s), SL_UNUSED(vals), SL_UNUSED(out), SL_UNUSED(err);
  return 0;
}

const sl_serde_impl_t sl_serde_none_impl = {
    .vt = {.name = "NONE",
           .supports_wrapping = false,
           .multi_column_key = false,
           .validate = none_validate},
    .decode = none_decode,
    .encode = none_encode,
};
