/*
 * fn_aggregate.c - names and result types of the aggregate (UDAF) and table
 * (UDTF) functions. The engine computes them; the rows here let SHOW
 * FUNCTIONS list them and let the binder type a call before handing it to the
 * engine's aggregate operator (see sl_resolve_fn in expr.h).
 */
#include "expr_int.h"

static bool comparable(const sl_type_t *t) {
  if (!t) return true;
  switch (t->kind) {
    case SL_T_ARRAY:
    case SL_T_MAP:
    case SL_T_STRUCT:
    case SL_T_BOOLEAN: return false;
    default: return true;
  }
}

/* COUNT(), COUNT(*), COUNT(x) -> BIGINT */
static int ty_count(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                    sl_error_t *err) {
  SL_UNUSED(a), SL_UNUSED(ar);
  if (n > 1) return sl_fn_reject(err);
  *ret = &sl_type_bigint;
  return 0;
}

static int ty_count_distinct(const sl_type_t *const *a, int n, sl_arena_t *ar,
                             const sl_type_t **ret, sl_error_t *err) {
  SL_UNUSED(a), SL_UNUSED(ar);
  if (n != 1) return sl_fn_reject(err);
  *ret = &sl_type_bigint;
  return 0;
}

/* SUM(number) -> same type */
static int ty_sum(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                  sl_error_t *err) {
  SL_UNUSED(ar);
  if (n != 1 || !sl_ty_numeric(a[0])) return sl_fn_reject(err);
  *ret = a[0] ? a[0] : &sl_type_int;
  return 0;
}

static int ty_avg(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                  sl_error_t *err) {
  SL_UNUSED(ar);
  if (n != 1 || !sl_ty_numeric(a[0])) return sl_fn_reject(err);
  *ret = &sl_type_double;
  return 0;
}

static int ty_stddev(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                     sl_error_t *err) {
  return ty_avg(a, n, ar, ret, err);
}

static int ty_correlation(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                          sl_error_t *err) {
  SL_UNUSED(ar);
  if (n != 2 || !sl_ty_numeric(a[0]) || !sl_ty_numeric(a[1])) return sl_fn_reject(err);
  *ret = &sl_type_double;
  return 0;
}

/* MIN / MAX(T) -> T for comparable T */
static int ty_minmax(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                     sl_error_t *err) {
  SL_UNUSED(ar);
  if (n != 1 || !a[0] || !comparable(a[0])) return sl_fn_reject(err);
  *ret = a[0];
  return 0;
}

/* COLLECT_LIST / COLLECT_SET(T) -> ARRAY<T> */
static int ty_collect(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                      sl_error_t *err) {
  if (n != 1 || !a[0]) return sl_fn_reject(err);
  *ret = sl_type_array(ar, a[0]);
  return 0;
}

/* EARLIEST/LATEST_BY_OFFSET(T [, INT n [, BOOLEAN ignoreNulls]]) -> T or ARRAY<T> */
static int ty_by_offset(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                        sl_error_t *err) {
  if (n < 1 || n > 3 || !a[0]) return sl_fn_reject(err);
  if (n == 2 && !(sl_ty_is(a[1], SL_T_INT) || sl_ty_is(a[1], SL_T_BOOLEAN)))
    return sl_fn_reject(err);
  if (n == 3 && (!sl_ty_is(a[1], SL_T_INT) || !sl_ty_is(a[2], SL_T_BOOLEAN)))
    return sl_fn_reject(err);
  bool many = n >= 2 && a[1] && a[1]->kind == SL_T_INT;
  *ret = many ? sl_type_array(ar, a[0]) : a[0];
  return 0;
}

/* TOPK / TOPKDISTINCT(T, INT k) -> ARRAY<T> */
static int ty_topk(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                   sl_error_t *err) {
  if (n != 2 || !a[0] || !comparable(a[0]) || !sl_ty_is(a[1], SL_T_INT)) return sl_fn_reject(err);
  *ret = sl_type_array(ar, a[0]);
  return 0;
}

static int ty_histogram(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                        sl_error_t *err) {
  if (n != 1 || !sl_ty_is(a[0], SL_T_STRING)) return sl_fn_reject(err);
  *ret = sl_type_map(ar, &sl_type_string, &sl_type_bigint);
  return 0;
}

/* EXPLODE(ARRAY<T>) -> T, one row per element */
static int ty_explode(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                      sl_error_t *err) {
  SL_UNUSED(ar);
  if (n != 1 || !a[0] || a[0]->kind != SL_T_ARRAY) return sl_fn_reject(err);
  *ret = a[0]->elem;
  return 0;
}

/* CUBE_EXPLODE(ARRAY<T>) -> ARRAY<T>, one row per combination */
static int ty_cube(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                   sl_error_t *err) {
  SL_UNUSED(ar);
  if (n != 1 || !a[0] || a[0]->kind != SL_T_ARRAY) return sl_fn_reject(err);
  *ret = a[0];
  return 0;
}

#define AGG(NAME, TY, DESC, SIG) \
  { NAME, SL_FN_AGGREGATE, "AGGREGATE", DESC, SIG, TY, NULL, false, false, false }
#define TBL(NAME, TY, DESC, SIG) \
  { NAME, SL_FN_TABLE, "TABLE", DESC, SIG, TY, NULL, false, false, false }

const sl_function_t sl_fn_aggregate_table[] = {
    AGG("AVG", ty_avg, "Returns the average value for a key.",
        "AVG(INTEGER)\nAVG(BIGINT)\n"
        "AVG(DOUBLE)\nAVG(DECIMAL)"),
    AGG("COLLECT_LIST", ty_collect, "Gathers all values for a key into an array.",
        "COLLECT_LIST(T col1)"),
    AGG("COLLECT_SET", ty_collect, "Gathers the distinct values for a key into an array.",
        "COLLECT_SET(T col1)"),
    AGG("CORRELATION", ty_correlation,
        "Computes the Pearson correlation coefficient between two columns of numbers.",
        "CORRELATION(DOUBLE x, DOUBLE y)"),
    AGG("COUNT", ty_count, "Counts records by key (COUNT(*) counts all, COUNT(col) non-null).",
        "COUNT(*)\nCOUNT(T col1)"),
    AGG("COUNT_DISTINCT", ty_count_distinct,
        "Returns the approximate number of unique values of a column.", "COUNT_DISTINCT(T col1)"),
    AGG("EARLIEST_BY_OFFSET", ty_by_offset,
        "Returns the earliest value(s) for a column, by offset.",
        "EARLIEST_BY_OFFSET(T col1)\nEARLIEST_BY_OFFSET(T col1, BOOLEAN ignoreNulls)\n"
        "EARLIEST_BY_OFFSET(T col1, INTEGER earliestN)\n"
        "EARLIEST_BY_OFFSET(T col1, INTEGER earliestN, BOOLEAN ignoreNulls)"),
    AGG("HISTOGRAM", ty_histogram,
        "Returns a map containing the distinct string values of a column mapped to their count.",
        "HISTOGRAM(STRING col1)"),
    AGG("LATEST_BY_OFFSET", ty_by_offset, "Returns the latest value(s) for a column, by offset.",
        "LATEST_BY_OFFSET(T col1)\nLATEST_BY_OFFSET(T col1, BOOLEAN ignoreNulls)\n"
        "LATEST_BY_OFFSET(T col1, INTEGER latestN)\n"
        "LATEST_BY_OFFSET(T col1, INTEGER latestN, BOOLEAN ignoreNulls)"),
    AGG("MAX", ty_minmax, "Returns the maximum value for a key.", "MAX(T col1)"),
    AGG("MIN", ty_minmax, "Returns the minimum value for a key.", "MIN(T col1)"),
    AGG("STDDEV_SAMP", ty_stddev, "Returns the sample standard deviation of a column.",
        "STDDEV_SAMP(INTEGER)\nSTDDEV_SAMP(BIGINT)\nSTDDEV_SAMP(DOUBLE)"),
    AGG("SUM", ty_sum, "Returns the sum for a key.",
        "SUM(INTEGER)\nSUM(BIGINT)\nSUM(DOUBLE)\nSUM(DECIMAL)"),
    AGG("TOPK", ty_topk, "Returns the top k values for a key.", "TOPK(T col1, INTEGER k)"),
    AGG("TOPKDISTINCT", ty_topk, "Returns the top k distinct values for a key.",
        "TOPKDISTINCT(T col1, INTEGER k)"),
    TBL("CUBE_EXPLODE", ty_cube,
        "Takes an array of values and outputs all combinations of them (with NULLs).",
        "CUBE_EXPLODE(ARRAY<T> cols)"),
    TBL("EXPLODE", ty_explode, "Explodes an array; every element becomes its own row.",
        "EXPLODE(ARRAY<T> list)"),
};
const int sl_fn_aggregate_count = (int)SL_ARRAY_LEN(sl_fn_aggregate_table);
