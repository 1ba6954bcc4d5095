/*
 * fn_null.c - functions about NULL (COALESCE, IFNULL, NULLIF) and AS_VALUE,
 * which copies a key column into the value. Their arguments share one type:
 * the typer widens them to a common type and the implementation converts the
 * chosen value to it, so COALESCE(INT, BIGINT) yields a BIGINT.
 */
#include "expr_int.h"

static int ty_common(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                     sl_error_t *err) {
  const sl_type_t *t = NULL;
  for (int i = 0; i < n; i++) {
    bool ok;
    t = sl_expr_common_type(ar, t, a[i], &ok);
    if (!ok) return sl_fn_reject(err);
  }
  if (!t) return sl_fn_reject(err);
  *ret = t;
  return 0;
}

static int ty_coalesce(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                       sl_error_t *err) {
  if (n < 1) return sl_fn_reject(err);
  return ty_common(a, n, ar, ret, err);
}

static int ty_pair(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                   sl_error_t *err) {
  if (n != 2) return sl_fn_reject(err);
  return ty_common(a, n, ar, ret, err);
}

static int ty_nullif(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                     sl_error_t *err) {
  if (n != 2) return sl_fn_reject(err);
  bool ok;
  sl_expr_common_type(ar, a[0], a[1], &ok);
  if (!ok || !a[0]) return sl_fn_reject(err);
  *ret = a[0];
  return 0;
}

static int ty_identity(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                       sl_error_t *err) {
  SL_UNUSED(ar);
  if (n != 1 || !a[0]) return sl_fn_reject(err);
  *ret = a[0];
  return 0;
}

/* Converts v to ret when a narrower argument was chosen. */
static int conform(const sl_value_t *v, const sl_type_t *ret, sl_arena_t *ar, sl_value_t *out,
                   sl_error_t *err) {
  if (v->kind == SL_T_NULL ||
      (v->kind == ret->kind && (ret->kind != SL_T_DECIMAL || v->u.dec.scale == ret->scale)) ||
      ret->kind == SL_T_ARRAY || ret->kind == SL_T_MAP || ret->kind == SL_T_STRUCT) {
    *out = *v;
    return 0;
  }
  return sl_value_cast(ar, v, ret, out, err);
}

static int f_coalesce(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar,
                      sl_value_t *out, sl_error_t *err) {
  for (int i = 0; i < n; i++)
    if (a[i].kind != SL_T_NULL) return conform(&a[i], ret, ar, out, err);
  *out = sl_null();
  return 0;
}

static int f_nullif(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar,
                    sl_value_t *out, sl_error_t *err) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(ar), SL_UNUSED(err);
  if (a[0].kind != SL_T_NULL && a[1].kind != SL_T_NULL && sl_value_equal(&a[0], &a[1]))
    *out = sl_null();
  else
    *out = a[0];
  return 0;
}

static int f_identity(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar,
                      sl_value_t *out, sl_error_t *err) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(ar), SL_UNUSED(err);
  *out = a[0];
  return 0;
}

const sl_function_t sl_fn_null_table[] = {
    {"AS_VALUE", SL_FN_SCALAR, "OTHER",
     "Used exclusively in the projection of a query to copy a key column into the value.",
     "AS_VALUE(T keyColumn) -> T", ty_identity, f_identity, false, false, false},
    {"COALESCE", SL_FN_SCALAR, "CONDITIONAL", "Returns the first parameter that is not NULL.",
     "COALESCE(T first, T... others)", ty_coalesce, f_coalesce, false, false, false},
    {"IFNULL", SL_FN_SCALAR, "CONDITIONAL",
     "Returns expression if not NULL, otherwise the alternative value.",
     "IFNULL(T expression, T altValue)", ty_pair, f_coalesce, false, false, false},
    {"NULLIF", SL_FN_SCALAR, "CONDITIONAL",
     "Returns NULL if the two values are equal, otherwise the first value.",
     "NULLIF(T expression1, T expression2)", ty_nullif, f_nullif, false, false, false},
};
const int sl_fn_null_count = (int)SL_ARRAY_LEN(sl_fn_null_table);
