/*
 * fn_conversions.c - CONVERSIONS: INT_FROM_BYTES, BIGINT_FROM_BYTES and
 * DOUBLE_FROM_BYTES read a number from exactly 4 or 8 bytes in the given
 * byte order (BIG_ENDIAN by default, as java.nio.ByteBuffer). A wrong length
 * or an unknown byte order is a run-time error: NULL plus a processing-log
 * entry, as ksqlDB's exception from the UDF gives.
 */
#include <string.h>
#include <strings.h>

#include "expr_int.h"

static int ty_from_bytes(const sl_type_t *const *a, int n, const sl_type_t *rt,
                         const sl_type_t **ret, sl_error_t *err) {
  if (n < 1 || n > 2 || !sl_ty_is(a[0], SL_T_BYTES) || (n == 2 && !sl_ty_is(a[1], SL_T_STRING)))
    return sl_fn_reject(err);
  *ret = rt;
  return 0;
}

static int ty_int(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                  sl_error_t *err) {
  SL_UNUSED(ar);
  return ty_from_bytes(a, n, &sl_type_int, ret, err);
}

static int ty_bigint(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                     sl_error_t *err) {
  SL_UNUSED(ar);
  return ty_from_bytes(a, n, &sl_type_bigint, ret, err);
}

static int ty_double(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                     sl_error_t *err) {
  SL_UNUSED(ar);
  return ty_from_bytes(a, n, &sl_type_double, ret, err);
}

/* Reads size bytes as an unsigned big- or little-endian number. */
static int read_bytes(const sl_value_t *a, int n, uint32_t size, uint64_t *v, sl_error_t *err) {
  bool little = false;
  if (n == 2) {
    if (a[1].u.s.len == 13 && strncasecmp(a[1].u.s.ptr, "LITTLE_ENDIAN", 13) == 0)
      little = true;
    else if (!(a[1].u.s.len == 10 && strncasecmp(a[1].u.s.ptr, "BIG_ENDIAN", 10) == 0))
      return sl_error_set(err, SL_EEVAL, -1,
                          "Byte order must be BIG_ENDIAN or LITTLE_ENDIAN. Unknown byte order "
                          "'%.*s'.",
                          (int)a[1].u.s.len, a[1].u.s.ptr);
  }
  if (a[0].u.s.len != size)
    return sl_error_set(err, SL_EEVAL, -1, "Number of bytes must be equal to %u, but found %u.",
                        size, a[0].u.s.len);
  const unsigned char *p = (const unsigned char *)a[0].u.s.ptr;
  *v = 0;
  for (uint32_t i = 0; i < size; i++) *v = *v << 8 | p[little ? size - 1 - i : i];
  return 0;
}

#define FN(NAME)                                                                    \
  static int NAME(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar, \
                  sl_value_t *out, sl_error_t *err)

FN(f_int_from_bytes) {
  SL_UNUSED(ret), SL_UNUSED(ar);
  uint64_t v;
  if (read_bytes(a, n, 4, &v, err)) return SL_EEVAL;
  *out = sl_val_int((int32_t)(uint32_t)v);
  return 0;
}

FN(f_bigint_from_bytes) {
  SL_UNUSED(ret), SL_UNUSED(ar);
  uint64_t v;
  if (read_bytes(a, n, 8, &v, err)) return SL_EEVAL;
  *out = sl_val_bigint((int64_t)v);
  return 0;
}

FN(f_double_from_bytes) {
  SL_UNUSED(ret), SL_UNUSED(ar);
  uint64_t v;
  if (read_bytes(a, n, 8, &v, err)) return SL_EEVAL;
  double d;
  memcpy(&d, &v, sizeof d);
  *out = sl_val_double(d);
  return 0;
}

static int ty_int_from_boolean(const sl_type_t *const *a, int n, sl_arena_t *ar,
                               const sl_type_t **ret, sl_error_t *err) {
  SL_UNUSED(ar);
  if (n != 1 || !sl_ty_is(a[0], SL_T_BOOLEAN)) return sl_fn_reject(err);
  *ret = &sl_type_int;
  return 0;
}

FN(f_int_from_boolean) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(ar), SL_UNUSED(err);
  *out = sl_val_int(a[0].u.b ? 1 : 0);
  return 0;
}

#define CONV "CONVERSIONS"
const sl_function_t sl_fn_conversions_table[] = {
    {"BIGINT_FROM_BYTES", SL_FN_SCALAR, CONV, "Converts a BYTES value to a BIGINT type.",
     "BIGINT_FROM_BYTES(BYTES value) -> BIGINT\n"
     "BIGINT_FROM_BYTES(BYTES value, STRING byteOrder) -> BIGINT",
     ty_bigint, f_bigint_from_bytes, true, false, false},
    {"DOUBLE_FROM_BYTES", SL_FN_SCALAR, CONV, "Converts a BYTES value to a DOUBLE type.",
     "DOUBLE_FROM_BYTES(BYTES value) -> DOUBLE\n"
     "DOUBLE_FROM_BYTES(BYTES value, STRING byteOrder) -> DOUBLE",
     ty_double, f_double_from_bytes, true, false, false},
    {"INT_FROM_BOOLEAN", SL_FN_SCALAR, CONV, "Converts a Boolean value to an Integer value.",
     "INT_FROM_BOOLEAN(BOOLEAN bool) -> INTEGER", ty_int_from_boolean, f_int_from_boolean, true,
     false, false},
    {"INT_FROM_BYTES", SL_FN_SCALAR, CONV, "Converts a BYTES value to an INT type.",
     "INT_FROM_BYTES(BYTES value) -> INTEGER\nINT_FROM_BYTES(BYTES value, STRING byteOrder) -> "
     "INTEGER",
     ty_int, f_int_from_bytes, true, false, false},
};
const int sl_fn_conversions_count = (int)SL_ARRAY_LEN(sl_fn_conversions_table);
