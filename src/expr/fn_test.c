/*
 * fn_test.c - the test-only functions that ksqlDB's conformance suite loads
 * from its test jar (BAD_UDF, WHENCONDITION, WHENRESULT, SUM_LIST). They are
 * registered so the QTT corpus runs unchanged; their behaviour is what the
 * tests expect: BAD_UDF(STRING) returns NULL on every other call,
 * BAD_UDF(INT) always fails, BAD_UDF(BOOLEAN) fails on TRUE and returns 0,
 * WHENCONDITION/WHENRESULT return their first argument and fail when their
 * second is FALSE (proving CASE is lazy).
 */
#include "expr_int.h"

static int ty_bad_udf(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                      sl_error_t *err) {
  SL_UNUSED(ar);
  if (n != 1 || !a[0]) return sl_fn_reject(err);
  switch (a[0]->kind) {
    case SL_T_STRING: *ret = &sl_type_string; return 0;
    case SL_T_INT:
    case SL_T_BOOLEAN: *ret = &sl_type_int; return 0;
    default: return sl_fn_reject(err);
  }
}

static int f_bad_udf(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar,
                     sl_value_t *out, sl_error_t *err) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(ar);
  int64_t calls = out->kind == SL_T_BIGINT ? out->u.l : 0;
  switch (a[0].kind) {
    case SL_T_STRING: *out = calls % 2 == 0 ? sl_null() : a[0]; return 0;
    case SL_T_BOOLEAN:
      if (a[0].u.b) return sl_error_set(err, SL_EEVAL, -1, "boom!");
      *out = sl_val_int(0);
      return 0;
    case SL_T_NULL: *out = sl_null(); return 0;
    default: return sl_error_set(err, SL_EEVAL, -1, "boom!");
  }
}

static int ty_when(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                   sl_error_t *err) {
  SL_UNUSED(ar);
  if (n != 2 || !a[0] || !sl_ty_is(a[1], SL_T_BOOLEAN)) return sl_fn_reject(err);
  *ret = a[0];
  return 0;
}

static int f_when(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar, sl_value_t *out,
                  sl_error_t *err) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(ar);
  if (a[1].kind != SL_T_BOOLEAN || !a[1].u.b)
    return sl_error_set(err, SL_EEVAL, -1, "Test function invoked when it should not be");
  *out = a[0];
  return 0;
}

static int ty_sum_list(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                       sl_error_t *err) {
  SL_UNUSED(ar);
  if (n != 1 || !a[0] || a[0]->kind != SL_T_ARRAY || !sl_type_is_numeric(a[0]->elem))
    return sl_fn_reject(err);
  *ret = a[0]->elem;
  return 0;
}

const sl_function_t sl_fn_test_table[] = {
    {"BAD_UDF", SL_FN_SCALAR, "TEST", "Test function that fails or returns NULL on purpose.",
     "BAD_UDF(STRING)\nBAD_UDF(INTEGER)\nBAD_UDF(BOOLEAN)", ty_bad_udf, f_bad_udf, false, false,
     true},
    {"SUM_LIST", SL_FN_AGGREGATE, "TEST", "Test aggregate: sums the elements of each array.",
     "SUM_LIST(ARRAY<INTEGER>)\nSUM_LIST(ARRAY<BIGINT>)\nSUM_LIST(ARRAY<DOUBLE>)", ty_sum_list,
     NULL, false, false, false},
    {"WHENCONDITION", SL_FN_SCALAR, "TEST",
     "Test function: returns its first argument, fails if the second is FALSE.",
     "WHENCONDITION(BOOLEAN value, BOOLEAN shouldSucceed)", ty_when, f_when, false, false, false},
    {"WHENRESULT", SL_FN_SCALAR, "TEST",
     "Test function: returns its first argument, fails if the second is FALSE.",
     "WHENRESULT(T value, BOOLEAN shouldSucceed)", ty_when, f_when, false, false, false},
};
const int sl_fn_test_count = (int)SL_ARRAY_LEN(sl_fn_test_table);
