/*
 * fn_collections.c - ARRAY, MAP and STRUCT functions. Element equality is
 * sl_value_equal (so NULL elements match NULL), results are new arrays in
 * the per-batch arena. TRANSFORM, FILTER and REDUCE take lambdas: they are
 * listed here for SHOW FUNCTIONS, but the compiler builds dedicated nodes for
 * them (their rows have no eval function).
 */
#include <stdlib.h>
#include <string.h>

#include "expr_int.h"

/* ---------------- helpers ---------------- */

static sl_value_t make_array(sl_value_t *items, uint32_t n) {
  sl_value_t v = sl_null();
  v.kind = SL_T_ARRAY;
  v.u.arr.items = items;
  v.u.arr.n = n;
  return v;
}

static sl_value_t *alloc_items(sl_arena_t *ar, uint32_t n) {
  return n ? sl_arena_alloc(ar, sizeof(sl_value_t) * n) : NULL;
}

static bool contains(const sl_value_t *items, uint32_t n, const sl_value_t *v) {
  for (uint32_t i = 0; i < n; i++)
    if (sl_value_equal(&items[i], v)) return true;
  return false;
}

/* Converts v to type t when a widened element type was chosen. */
static sl_value_t conform(sl_arena_t *ar, const sl_value_t *v, const sl_type_t *t) {
  if (v->kind == SL_T_NULL || !t || v->kind == t->kind) return *v;
  sl_value_t out;
  sl_error_t e;
  sl_error_clear(&e);
  if (sl_value_cast(ar, v, t, &out, &e) != 0) return *v;
  return out;
}

/* ---------------- typers ---------------- */

static bool is_array(const sl_type_t *t) {
  return t && t->kind == SL_T_ARRAY;
}
static bool is_map(const sl_type_t *t) {
  return t && t->kind == SL_T_MAP;
}

static int ty_array_length(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                           sl_error_t *err) {
  SL_UNUSED(ar);
  if (n != 1 || !(is_array(a[0]) || !a[0])) return sl_fn_reject(err);
  *ret = &sl_type_int;
  return 0;
}

static int ty_array_contains(const sl_type_t *const *a, int n, sl_arena_t *ar,
                             const sl_type_t **ret, sl_error_t *err) {
  if (n != 2 || !is_array(a[0])) return sl_fn_reject(err);
  bool ok;
  sl_expr_common_type(ar, a[0]->elem, a[1], &ok);
  if (!ok) return sl_fn_reject(err);
  *ret = &sl_type_boolean;
  return 0;
}

/* f(ARRAY<T>) -> ARRAY<T> */
static int ty_array_same(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                         sl_error_t *err) {
  SL_UNUSED(ar);
  if (n != 1 || !is_array(a[0])) return sl_fn_reject(err);
  *ret = a[0];
  return 0;
}

/* f(ARRAY<T>, ARRAY<T>) -> ARRAY<T> */
static int ty_array_pair(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                         sl_error_t *err) {
  if (n != 2 || (!is_array(a[0]) && a[0]) || (!is_array(a[1]) && a[1]) || (!a[0] && !a[1]))
    return sl_fn_reject(err);
  bool ok;
  const sl_type_t *t = sl_expr_common_type(ar, a[0], a[1], &ok);
  if (!ok) return sl_fn_reject(err);
  *ret = t;
  return 0;
}

/* ARRAY_MAX/MIN(ARRAY<T>) -> T */
static int ty_array_elem(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                         sl_error_t *err) {
  SL_UNUSED(ar);
  if (n != 1 || !is_array(a[0])) return sl_fn_reject(err);
  *ret = a[0]->elem;
  return 0;
}

static int ty_array_remove(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                           sl_error_t *err) {
  if (n != 2 || !is_array(a[0])) return sl_fn_reject(err);
  bool ok;
  sl_expr_common_type(ar, a[0]->elem, a[1], &ok);
  if (!ok) return sl_fn_reject(err);
  *ret = a[0];
  return 0;
}

static int ty_array_sort(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                         sl_error_t *err) {
  SL_UNUSED(ar);
  if (n < 1 || n > 2 || !is_array(a[0]) || (n == 2 && !sl_ty_is(a[1], SL_T_STRING)))
    return sl_fn_reject(err);
  *ret = a[0];
  return 0;
}

static int ty_array_join(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                         sl_error_t *err) {
  SL_UNUSED(ar);
  if (n < 1 || n > 2 || !is_array(a[0]) || (n == 2 && !sl_ty_is(a[1], SL_T_STRING)))
    return sl_fn_reject(err);
  sl_type_kind_t k = a[0]->elem ? a[0]->elem->kind : SL_T_STRING;
  if (k == SL_T_ARRAY || k == SL_T_MAP || k == SL_T_STRUCT) return sl_fn_reject(err);
  *ret = &sl_type_string;
  return 0;
}

static int ty_as_map(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                     sl_error_t *err) {
  if (n != 2 || !is_array(a[0]) || !is_array(a[1]) || !a[0]->elem ||
      a[0]->elem->kind != SL_T_STRING)
    return sl_fn_reject(err);
  *ret = sl_type_map(ar, &sl_type_string, a[1]->elem);
  return 0;
}

static int ty_map_keys(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                       sl_error_t *err) {
  if (n != 1 || !is_map(a[0])) return sl_fn_reject(err);
  *ret = sl_type_array(ar, a[0]->key);
  return 0;
}

static int ty_map_values(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                         sl_error_t *err) {
  if (n != 1 || !is_map(a[0])) return sl_fn_reject(err);
  *ret = sl_type_array(ar, a[0]->elem);
  return 0;
}

static int ty_map_union(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                        sl_error_t *err) {
  if (n != 2 || (!is_map(a[0]) && a[0]) || (!is_map(a[1]) && a[1]) || (!a[0] && !a[1]))
    return sl_fn_reject(err);
  bool ok;
  const sl_type_t *t = sl_expr_common_type(ar, a[0], a[1], &ok);
  if (!ok) return sl_fn_reject(err);
  *ret = t;
  return 0;
}

static int ty_slice(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                    sl_error_t *err) {
  SL_UNUSED(ar);
  if (n != 3 || !is_array(a[0]) || !sl_ty_is(a[1], SL_T_INT) || !sl_ty_is(a[2], SL_T_INT))
    return sl_fn_reject(err);
  *ret = a[0];
  return 0;
}

static int ty_entries(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                      sl_error_t *err) {
  if (n != 2 || !is_map(a[0]) || !sl_ty_is(a[1], SL_T_BOOLEAN)) return sl_fn_reject(err);
  sl_type_field_t f[2] = {{"K", a[0]->key}, {"V", a[0]->elem}};
  *ret = sl_type_array(ar, sl_type_struct(ar, 2, f));
  return 0;
}

static int ty_series(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                     sl_error_t *err) {
  if (n < 2 || n > 3) return sl_fn_reject(err);
  bool big = false;
  for (int i = 0; i < 2; i++) {
    if (!sl_ty_integral(a[i])) return sl_fn_reject(err);
    if (a[i] && a[i]->kind == SL_T_BIGINT) big = true;
  }
  /* the step is an INT in both overloads */
  if (n == 3 && !sl_ty_is(a[2], SL_T_INT)) return sl_fn_reject(err);
  *ret = sl_type_array(ar, big ? &sl_type_bigint : &sl_type_int);
  return 0;
}

static int ty_lambda(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                     sl_error_t *err) {
  SL_UNUSED(a), SL_UNUSED(n), SL_UNUSED(ar), SL_UNUSED(ret);
  return sl_fn_reject(err);
}

/* ---------------- implementations ---------------- */

#define FN(NAME)                                                                    \
  static int NAME(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar, \
                  sl_value_t *out, sl_error_t *err)

FN(f_array_length) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(ar), SL_UNUSED(err);
  *out = sl_val_int((int32_t)a[0].u.arr.n);
  return 0;
}

FN(f_array_contains) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(ar), SL_UNUSED(err);
  *out = sl_val_bool(a[0].kind == SL_T_ARRAY && contains(a[0].u.arr.items, a[0].u.arr.n, &a[1]));
  return 0;
}

FN(f_array_distinct) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(err);
  uint32_t k = 0;
  sl_value_t *items = alloc_items(ar, a[0].u.arr.n);
  for (uint32_t i = 0; i < a[0].u.arr.n; i++)
    if (!contains(items, k, &a[0].u.arr.items[i])) items[k++] = a[0].u.arr.items[i];
  *out = make_array(items, k);
  return 0;
}

/* mode 0: except, 1: intersect, 2: union */
static int set_op(const sl_value_t *a, const sl_type_t *ret, sl_arena_t *ar, sl_value_t *out,
                  int mode) {
  if (a[0].kind == SL_T_NULL || a[1].kind == SL_T_NULL) {
    *out = sl_null();
    return 0;
  }
  uint32_t k = 0;
  sl_value_t *items = alloc_items(ar, a[0].u.arr.n + a[1].u.arr.n);
  for (int side = 0; side < (mode == 2 ? 2 : 1); side++) {
    for (uint32_t i = 0; i < a[side].u.arr.n; i++) {
      sl_value_t v = conform(ar, &a[side].u.arr.items[i], ret->elem);
      bool in_b = contains(a[1].u.arr.items, a[1].u.arr.n, &v);
      if ((mode == 0 && in_b) || (mode == 1 && !in_b)) continue;
      if (!contains(items, k, &v)) items[k++] = v;
    }
  }
  *out = make_array(items, k);
  return 0;
}

FN(f_array_except) {
  SL_UNUSED(n), SL_UNUSED(err);
  return set_op(a, ret, ar, out, 0);
}

FN(f_array_intersect) {
  SL_UNUSED(n), SL_UNUSED(err);
  return set_op(a, ret, ar, out, 1);
}

FN(f_array_union) {
  SL_UNUSED(n), SL_UNUSED(err);
  return set_op(a, ret, ar, out, 2);
}

FN(f_array_concat) {
  SL_UNUSED(n), SL_UNUSED(err);
  if (a[0].kind == SL_T_NULL && a[1].kind == SL_T_NULL) {
    *out = sl_null();
    return 0;
  }
  uint32_t n0 = a[0].kind == SL_T_NULL ? 0 : a[0].u.arr.n;
  uint32_t n1 = a[1].kind == SL_T_NULL ? 0 : a[1].u.arr.n;
  sl_value_t *items = alloc_items(ar, n0 + n1);
  for (uint32_t i = 0; i < n0; i++) items[i] = conform(ar, &a[0].u.arr.items[i], ret->elem);
  for (uint32_t i = 0; i < n1; i++) items[n0 + i] = conform(ar, &a[1].u.arr.items[i], ret->elem);
  *out = make_array(items, n0 + n1);
  return 0;
}

static int extreme(const sl_value_t *a, sl_value_t *out, int want) {
  *out = sl_null();
  for (uint32_t i = 0; i < a[0].u.arr.n; i++) {
    const sl_value_t *v = &a[0].u.arr.items[i];
    if (v->kind == SL_T_NULL) continue;
    if (out->kind == SL_T_NULL || sl_value_compare(v, out) * want > 0) *out = *v;
  }
  return 0;
}

FN(f_array_max) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(ar), SL_UNUSED(err);
  return extreme(a, out, 1);
}

FN(f_array_min) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(ar), SL_UNUSED(err);
  return extreme(a, out, -1);
}

FN(f_array_remove) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(err);
  if (a[0].kind == SL_T_NULL) {
    *out = sl_null();
    return 0;
  }
  uint32_t k = 0;
  sl_value_t *items = alloc_items(ar, a[0].u.arr.n);
  for (uint32_t i = 0; i < a[0].u.arr.n; i++)
    if (!sl_value_equal(&a[0].u.arr.items[i], &a[1])) items[k++] = a[0].u.arr.items[i];
  *out = make_array(items, k);
  return 0;
}

static int cmp_sort(const void *x, const void *y, void *ctx) {
  const sl_value_t *a = x, *b = y;
  bool sort_desc = *(const bool *)ctx;
  /* NULLs last in either direction. */
  if (a->kind == SL_T_NULL || b->kind == SL_T_NULL)
    return (a->kind == SL_T_NULL) - (b->kind == SL_T_NULL);
  int c = sl_value_compare(a, b);
  return sort_desc ? -c : c;
}

FN(f_array_sort) {
  SL_UNUSED(ret), SL_UNUSED(err);
  sl_value_t *items = alloc_items(ar, a[0].u.arr.n);
  if (a[0].u.arr.n) memcpy(items, a[0].u.arr.items, sizeof *items * a[0].u.arr.n);
  bool desc = n == 2 && a[1].u.s.len == 4 && strncasecmp(a[1].u.s.ptr, "DESC", 4) == 0;
  qsort_r(items, a[0].u.arr.n, sizeof *items, cmp_sort, &desc);
  *out = make_array(items, a[0].u.arr.n);
  return 0;
}

FN(f_array_join) {
  SL_UNUSED(ret), SL_UNUSED(err);
  const char *d = ",";
  size_t dn = 1;
  if (n == 2) {
    d = a[1].u.s.ptr;
    dn = a[1].u.s.len;
  }
  sl_buf_t b;
  sl_buf_init(&b);
  for (uint32_t i = 0; i < a[0].u.arr.n; i++) {
    if (i) sl_buf_append(&b, d, dn);
    sl_value_format(&a[0].u.arr.items[i], &b);
  }
  *out = sl_str_dup(ar, b.data ? b.data : "", b.len);
  sl_buf_free(&b);
  return 0;
}

FN(f_as_map) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(err);
  uint32_t nk = a[0].u.arr.n;
  sl_value_t *items = alloc_items(ar, nk * 2);
  uint32_t k = 0;
  for (uint32_t i = 0; i < nk; i++) {
    const sl_value_t *key = &a[0].u.arr.items[i];
    sl_value_t val = i < a[1].u.arr.n ? a[1].u.arr.items[i] : sl_null();
    /* A repeated key keeps the last value, as a Java map would. */
    uint32_t j;
    for (j = 0; j < k; j++)
      if (sl_value_equal(&items[2 * j], key)) break;
    items[2 * j] = *key;
    items[2 * j + 1] = val;
    if (j == k) k++;
  }
  out->kind = SL_T_MAP;
  out->u.arr.items = items;
  out->u.arr.n = k;
  return 0;
}

static int map_part(const sl_value_t *a, sl_arena_t *ar, sl_value_t *out, int part) {
  uint32_t n = a[0].u.arr.n;
  sl_value_t *items = alloc_items(ar, n);
  for (uint32_t i = 0; i < n; i++) items[i] = a[0].u.arr.items[2 * i + part];
  *out = make_array(items, n);
  return 0;
}

FN(f_map_keys) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(err);
  return map_part(a, ar, out, 0);
}

FN(f_map_values) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(err);
  return map_part(a, ar, out, 1);
}

FN(f_map_union) {
  SL_UNUSED(n), SL_UNUSED(err);
  if (a[0].kind == SL_T_NULL && a[1].kind == SL_T_NULL) {
    *out = sl_null();
    return 0;
  }
  uint32_t n0 = a[0].kind == SL_T_NULL ? 0 : a[0].u.arr.n;
  uint32_t n1 = a[1].kind == SL_T_NULL ? 0 : a[1].u.arr.n;
  sl_value_t *items = alloc_items(ar, 2 * (n0 + n1));
  uint32_t k = 0;
  for (int side = 0; side < 2; side++) {
    uint32_t cnt = side ? n1 : n0;
    for (uint32_t i = 0; i < cnt; i++) {
      const sl_value_t *key = &a[side].u.arr.items[2 * i];
      sl_value_t val = conform(ar, &a[side].u.arr.items[2 * i + 1], ret->elem);
      uint32_t j;
      for (j = 0; j < k; j++)
        if (sl_value_equal(&items[2 * j], key)) break;
      items[2 * j] = *key;
      items[2 * j + 1] = val;
      if (j == k) k++;
    }
  }
  out->kind = SL_T_MAP;
  out->u.arr.items = items;
  out->u.arr.n = k;
  return 0;
}

/* SLICE(arr, from, to): 1-based, inclusive; out-of-range bounds are clamped. */
FN(f_slice) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(ar), SL_UNUSED(err);
  int64_t len = a[0].u.arr.n, from = a[1].u.i, to = a[2].u.i;
  if (from < 1) from = 1;
  if (to > len) to = len;
  *out = a[0];
  if (from > to) {
    out->u.arr.n = 0;
    return 0;
  }
  out->u.arr.items = a[0].u.arr.items + (from - 1);
  out->u.arr.n = (uint32_t)(to - from + 1);
  return 0;
}

static int entry_cmp(const void *x, const void *y) {
  const sl_value_t *a = x, *b = y;
  return sl_value_compare(&a->u.st.fields[0], &b->u.st.fields[0]);
}

FN(f_entries) {
  SL_UNUSED(n), SL_UNUSED(err);
  uint32_t cnt = a[0].u.arr.n;
  sl_value_t *items = alloc_items(ar, cnt);
  for (uint32_t i = 0; i < cnt; i++) {
    sl_value_t *f = sl_arena_alloc(ar, sizeof *f * 2);
    f[0] = a[0].u.arr.items[2 * i];
    f[1] = a[0].u.arr.items[2 * i + 1];
    items[i] = sl_null();
    items[i].kind = SL_T_STRUCT;
    items[i].u.st.fields = f;
    items[i].u.st.type = ret->elem;
  }
  if (a[1].u.b && cnt > 1) qsort(items, cnt, sizeof *items, entry_cmp);
  *out = make_array(items, cnt);
  return 0;
}

FN(f_generate_series) {
  bool big = ret->elem->kind == SL_T_BIGINT;
  int64_t start = sl_num_l(&a[0]), end = sl_num_l(&a[1]), step = n > 2 ? sl_num_l(&a[2]) : 1;
  if (n <= 2 && end < start) step = -1;
  if (step == 0) return sl_error_set(err, SL_EEVAL, -1, "GENERATE_SERIES step cannot be zero");
  if ((end > start && step < 0) || (end < start && step > 0))
    return sl_error_set(err, SL_EEVAL, -1, "GENERATE_SERIES step has wrong sign");
  uint64_t cnt = (uint64_t)((end - start) / step) + 1;
  if (cnt > 10000000)
    return sl_error_set(err, SL_EEVAL, -1, "GENERATE_SERIES would produce too many elements");
  sl_value_t *items = alloc_items(ar, (uint32_t)cnt);
  for (uint64_t i = 0; i < cnt; i++) {
    int64_t v = start + (int64_t)i * step;
    items[i] = big ? sl_val_bigint(v) : sl_val_int((int32_t)v);
  }
  *out = make_array(items, (uint32_t)cnt);
  return 0;
}

#define ARR "ARRAY"
#define MAPC "MAP"
const sl_function_t sl_fn_collections_table[] = {
    {"ARRAY_CONCAT", SL_FN_SCALAR, ARR, "Concatenates two arrays.",
     "ARRAY_CONCAT(ARRAY<T> left, ARRAY<T> right)", ty_array_pair, f_array_concat, false, false,
     false},
    {"ARRAY_CONTAINS", SL_FN_SCALAR, ARR, "Returns true if the array contains the value.",
     "ARRAY_CONTAINS(ARRAY<T> array, T value)", ty_array_contains, f_array_contains, false, false,
     false},
    {"ARRAY_DISTINCT", SL_FN_SCALAR, ARR, "Returns an array of the distinct values.",
     "ARRAY_DISTINCT(ARRAY<T> array)", ty_array_same, f_array_distinct, true, false, false},
    {"ARRAY_EXCEPT", SL_FN_SCALAR, ARR,
     "Returns the distinct elements of the first array that are not in the second.",
     "ARRAY_EXCEPT(ARRAY<T> left, ARRAY<T> right)", ty_array_pair, f_array_except, false, false,
     false},
    {"ARRAY_INTERSECT", SL_FN_SCALAR, ARR, "Returns the distinct elements found in both arrays.",
     "ARRAY_INTERSECT(ARRAY<T> left, ARRAY<T> right)", ty_array_pair, f_array_intersect, false,
     false, false},
    {"ARRAY_JOIN", SL_FN_SCALAR, ARR,
     "Joins the elements of an array of primitives into a string with a delimiter (default ',').",
     "ARRAY_JOIN(ARRAY<T> array)\nARRAY_JOIN(ARRAY<T> array, STRING delimiter)", ty_array_join,
     f_array_join, true, false, false},
    {"ARRAY_LENGTH", SL_FN_SCALAR, ARR, "Returns the number of elements in the array.",
     "ARRAY_LENGTH(ARRAY<T> array)", ty_array_length, f_array_length, true, false, false},
    {"ARRAY_MAX", SL_FN_SCALAR, ARR, "Returns the maximum non-NULL value of the array.",
     "ARRAY_MAX(ARRAY<T> array)", ty_array_elem, f_array_max, true, false, false},
    {"ARRAY_MIN", SL_FN_SCALAR, ARR, "Returns the minimum non-NULL value of the array.",
     "ARRAY_MIN(ARRAY<T> array)", ty_array_elem, f_array_min, true, false, false},
    {"ARRAY_REMOVE", SL_FN_SCALAR, ARR, "Removes all elements equal to the value.",
     "ARRAY_REMOVE(ARRAY<T> array, T victim)", ty_array_remove, f_array_remove, false, false,
     false},
    {"ARRAY_SORT", SL_FN_SCALAR, ARR,
     "Sorts an array of primitives, ascending by default ('ASC' or 'DESC'); NULLs last.",
     "ARRAY_SORT(ARRAY<T> array)\nARRAY_SORT(ARRAY<T> array, STRING direction)", ty_array_sort,
     f_array_sort, true, false, false},
    {"ARRAY_UNION", SL_FN_SCALAR, ARR, "Returns the distinct elements of both arrays.",
     "ARRAY_UNION(ARRAY<T> left, ARRAY<T> right)", ty_array_pair, f_array_union, false, false,
     false},
    {"AS_MAP", SL_FN_SCALAR, MAPC, "Construct a map from an array of keys and an array of values.",
     "AS_MAP(ARRAY<STRING> keys, ARRAY<T> values)", ty_as_map, f_as_map, true, false, false},
    {"ENTRIES", SL_FN_SCALAR, MAPC,
     "Constructs an array of structs from the entries in a map, optionally sorted by key.",
     "ENTRIES(MAP<K, V> map, BOOLEAN sorted)", ty_entries, f_entries, true, false, false},
    {"FILTER", SL_FN_SCALAR, "LAMBDA", "Filters an array or map with a lambda returning a BOOLEAN.",
     "FILTER(ARRAY<T> array, (T) => BOOLEAN)\nFILTER(MAP<K, V> map, (K, V) => BOOLEAN)", ty_lambda,
     NULL, false, false, false},
    {"GENERATE_SERIES", SL_FN_SCALAR, ARR,
     "Constructs an array of values between start and end (inclusive), with an optional step.",
     "GENERATE_SERIES(INTEGER start, INTEGER end [, INTEGER step])\n"
     "GENERATE_SERIES(BIGINT start, BIGINT end [, INTEGER step])",
     ty_series, f_generate_series, true, false, false},
    {"MAP_KEYS", SL_FN_SCALAR, MAPC, "Returns an array of the keys of a map.",
     "MAP_KEYS(MAP<K, V> map)", ty_map_keys, f_map_keys, true, false, false},
    {"MAP_UNION", SL_FN_SCALAR, MAPC,
     "Merges two maps; entries of the second win on duplicate keys.",
     "MAP_UNION(MAP<K, V> map1, MAP<K, V> map2)", ty_map_union, f_map_union, false, false, false},
    {"MAP_VALUES", SL_FN_SCALAR, MAPC, "Returns an array of the values of a map.",
     "MAP_VALUES(MAP<K, V> map)", ty_map_values, f_map_values, true, false, false},
    {"REDUCE", SL_FN_SCALAR, "LAMBDA",
     "Reduces an array or map to a single value with a lambda and an initial state.",
     "REDUCE(ARRAY<T> array, S initial, (S, T) => S)\n"
     "REDUCE(MAP<K, V> map, S initial, (S, K, V) => S)",
     ty_lambda, NULL, false, false, false},
    {"SLICE", SL_FN_SCALAR, ARR,
     "Returns the elements from position from to position to (1-based).",
     "SLICE(ARRAY<T> array, INTEGER from, INTEGER to)", ty_slice, f_slice, true, false, false},
    {"TRANSFORM", SL_FN_SCALAR, "LAMBDA",
     "Applies a lambda to every element of an array, or to the keys and values of a map.",
     "TRANSFORM(ARRAY<T> array, (T) => O)\nTRANSFORM(MAP<K, V> map, (K, V) => NK, (K, V) => NV)",
     ty_lambda, NULL, false, false, false},
};
const int sl_fn_collections_count = (int)SL_ARRAY_LEN(sl_fn_collections_table);
