/*
 * fn_math.c - MATHEMATICAL scalar functions with ksqlDB's overloads and
 * result types: ABS/CEIL/FLOOR keep the argument type, ROUND/TRUNC follow
 * ksqlDB's odd mix (Math.round for doubles, BigDecimal rounding that keeps
 * the column's scale for decimals), everything transcendental is DOUBLE.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "expr_int.h"

/* ---------------- typers ---------------- */

/* f(number) -> DOUBLE */
static int ty_num_double(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                         sl_error_t *err) {
  SL_UNUSED(ar);
  if (n != 1 || !sl_ty_numeric(a[0])) return sl_fn_reject(err);
  *ret = &sl_type_double;
  return 0;
}

/* f(number, number) -> DOUBLE */
static int ty_num2_double(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                          sl_error_t *err) {
  SL_UNUSED(ar);
  if (n != 2 || !sl_ty_numeric(a[0]) || !sl_ty_numeric(a[1])) return sl_fn_reject(err);
  *ret = &sl_type_double;
  return 0;
}

/* f(number) -> same type (INT for an untyped NULL) */
static int ty_num_same(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                       sl_error_t *err) {
  SL_UNUSED(ar);
  if (n != 1 || !sl_ty_numeric(a[0])) return sl_fn_reject(err);
  *ret = a[0] ? a[0] : &sl_type_int;
  return 0;
}

static int ty_sign(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                   sl_error_t *err) {
  SL_UNUSED(ar);
  if (n != 1 || !sl_ty_numeric(a[0])) return sl_fn_reject(err);
  *ret = &sl_type_int;
  return 0;
}

/* ROUND / TRUNC: (INT|BIGINT|DOUBLE) -> BIGINT, DECIMAL(p,s) -> DECIMAL(p-s,0);
 * (DOUBLE-ish, INT) -> DOUBLE, (DECIMAL, INT) -> the same DECIMAL. */
static int ty_round(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                    sl_error_t *err) {
  if (n < 1 || n > 2 || !sl_ty_numeric(a[0])) return sl_fn_reject(err);
  bool dec = a[0] && a[0]->kind == SL_T_DECIMAL;
  if (n == 1) {
    if (dec) {
      int p = a[0]->precision - a[0]->scale;
      *ret = sl_type_decimal(ar, p < 1 ? 1 : p, 0);
    } else {
      *ret = &sl_type_bigint;
    }
    return 0;
  }
  if (!sl_ty_is(a[1], SL_T_INT)) return sl_fn_reject(err);
  *ret = dec ? a[0] : &sl_type_double;
  return 0;
}

static int ty_pi(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                 sl_error_t *err) {
  SL_UNUSED(a);
  SL_UNUSED(ar);
  if (n != 0) return sl_fn_reject(err);
  *ret = &sl_type_double;
  return 0;
}

/* GREATEST / LEAST: any number of comparable values of one (widened) type. */
static int ty_greatest(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                       sl_error_t *err) {
  if (n < 1) return sl_fn_reject(err);
  const sl_type_t *t = NULL;
  for (int i = 0; i < n; i++) {
    bool ok;
    t = sl_expr_common_type(ar, t, a[i], &ok);
    if (!ok) return sl_fn_reject(err);
  }
  if (t && !sl_type_is_numeric(t) && t->kind != SL_T_STRING && t->kind != SL_T_DATE &&
      t->kind != SL_T_TIME && t->kind != SL_T_TIMESTAMP && t->kind != SL_T_BYTES)
    return sl_fn_reject(err);
  *ret = t ? t : &sl_type_int;
  return 0;
}

/* ---------------- decimal rounding ---------------- */

typedef enum { RM_HALF_UP, RM_HALF_DOWN, RM_DOWN, RM_FLOOR, RM_CEILING, RM_HALF_CEILING } rmode_t;

/* Rounds d to places decimal places (negative: left of the point) and
 * returns it at scale max(places, 0). */
static sl_decimal_t dec_round(sl_decimal_t d, int places, rmode_t m) {
  int k = d.scale - places;
  if (k <= 0) return d;
  __int128 v = d.unscaled, q, r, p;
  if (k > 38) {
    q = 0;
    r = v;
    p = 0; /* |r| < p always */
  } else {
    p = sl_decimal_pow10(k);
    q = v / p;
    r = v % p;
  }
  __int128 ar = r < 0 ? -r : r;
  int sign = v < 0 ? -1 : 1;
  bool big = k > 38;
  switch (m) {
    case RM_DOWN: break;
    case RM_FLOOR:
      if (r < 0) q--;
      break;
    case RM_CEILING:
      if (r > 0) q++;
      break;
    case RM_HALF_UP:
      if (!big && ar >= p - ar) q += sign;
      break;
    case RM_HALF_DOWN:
      if (!big && ar > p - ar) q += sign;
      break;
    case RM_HALF_CEILING:
      if (!big && (v > 0 ? ar >= p - ar : ar > p - ar)) q += sign;
      break;
  }
  sl_decimal_t out;
  if (places >= 0) {
    out.unscaled = q;
    out.scale = places;
  } else {
    /* back to scale 0: q * 10^-places */
    __int128 mul = sl_decimal_pow10(-places);
    out.unscaled = (mul && !__builtin_mul_overflow(q, mul, &out.unscaled)) ? out.unscaled : 0;
    out.scale = 0;
  }
  return out;
}

static int put_decimal(sl_decimal_t d, const sl_type_t *ret, sl_value_t *out, sl_error_t *err) {
  sl_decimal_t r;
  if (sl_decimal_rescale(&d, ret->precision, ret->scale, &r) != 0)
    return sl_error_set(err, SL_EEVAL, -1, "Numeric field overflow for %d digits", ret->precision);
  *out = sl_val_decimal(r.unscaled, r.scale);
  return 0;
}

/* BigDecimal.valueOf(double): the shortest decimal text of the double. */
static bool double_to_dec(double x, sl_decimal_t *d) {
  if (!isfinite(x)) return false;
  sl_buf_t b;
  sl_buf_init(&b);
  sl_format_double(x, &b);
  bool ok = sl_decimal_parse(b.data, b.len, d) == 0;
  sl_buf_free(&b);
  return ok;
}

static double dec_to_double(sl_decimal_t d) {
  return sl_decimal_to_double(&d);
}

static int64_t java_math_round(double x) {
  if (isnan(x)) return 0;
  if (x >= 9.2233720368547758e18) return INT64_MAX;
  if (x <= -9.2233720368547758e18) return INT64_MIN;
  double f = floor(x);
  return (int64_t)f + (x - f >= 0.5 ? 1 : 0);
}

static int64_t java_d2l(double x) {
  if (isnan(x)) return 0;
  if (x >= 9.2233720368547758e18) return INT64_MAX;
  if (x <= -9.2233720368547758e18) return INT64_MIN;
  return (int64_t)x;
}

static double round_double_places(double x, int places, rmode_t m) {
  sl_decimal_t d;
  if (!double_to_dec(x, &d)) return x;
  return dec_to_double(dec_round(d, places, m));
}

/* ---------------- implementations ---------------- */

static int f_abs(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar, sl_value_t *out,
                 sl_error_t *err) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(ar), SL_UNUSED(err);
  *out = a[0];
  switch (a[0].kind) {
    case SL_T_INT: out->u.i = a[0].u.i < 0 ? (int32_t)(0u - (uint32_t)a[0].u.i) : a[0].u.i; break;
    case SL_T_BIGINT:
      out->u.l = a[0].u.l < 0 ? (int64_t)(0ull - (uint64_t)a[0].u.l) : a[0].u.l;
      break;
    case SL_T_DOUBLE: out->u.d = fabs(a[0].u.d); break;
    case SL_T_DECIMAL:
      if (out->u.dec.unscaled < 0) out->u.dec.unscaled = -out->u.dec.unscaled;
      break;
    default: break;
  }
  return 0;
}

static int floor_ceil(const sl_value_t *a, const sl_type_t *ret, sl_value_t *out, sl_error_t *err,
                      bool ceiling) {
  *out = a[0];
  if (a[0].kind == SL_T_DOUBLE)
    out->u.d = ceiling ? ceil(a[0].u.d) : floor(a[0].u.d);
  else if (a[0].kind == SL_T_DECIMAL)
    return put_decimal(dec_round(a[0].u.dec, 0, ceiling ? RM_CEILING : RM_FLOOR), ret, out, err);
  return 0;
}

static int f_floor(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar,
                   sl_value_t *out, sl_error_t *err) {
  SL_UNUSED(n), SL_UNUSED(ar);
  return floor_ceil(a, ret, out, err, false);
}

static int f_ceil(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar, sl_value_t *out,
                  sl_error_t *err) {
  SL_UNUSED(n), SL_UNUSED(ar);
  return floor_ceil(a, ret, out, err, true);
}

static int round_trunc(const sl_value_t *a, int n, const sl_type_t *ret, sl_value_t *out,
                       sl_error_t *err, bool trunc) {
  const sl_value_t *v = &a[0];
  if (n == 1) {
    switch (v->kind) {
      case SL_T_INT: *out = sl_val_bigint(v->u.i); return 0;
      case SL_T_BIGINT: *out = *v; return 0;
      case SL_T_DOUBLE:
        *out = sl_val_bigint(trunc ? java_d2l(v->u.d) : java_math_round(v->u.d));
        return 0;
      case SL_T_DECIMAL:
        return put_decimal(dec_round(v->u.dec, 0, trunc ? RM_DOWN : RM_HALF_CEILING), ret, out,
                           err);
      default: *out = sl_null(); return 0;
    }
  }
  int places = a[1].u.i;
  rmode_t m = trunc ? RM_DOWN : RM_HALF_CEILING;
  if (v->kind == SL_T_DECIMAL) return put_decimal(dec_round(v->u.dec, places, m), ret, out, err);
  double x = sl_num_d(v);
  if (!isfinite(x)) {
    *out = sl_val_double(x);
    return 0;
  }
  *out = sl_val_double(round_double_places(x, places, m));
  return 0;
}

static int f_round(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar,
                   sl_value_t *out, sl_error_t *err) {
  SL_UNUSED(ar);
  return round_trunc(a, n, ret, out, err, false);
}

static int f_trunc(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar,
                   sl_value_t *out, sl_error_t *err) {
  SL_UNUSED(ar);
  return round_trunc(a, n, ret, out, err, true);
}

static int f_sign(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar, sl_value_t *out,
                  sl_error_t *err) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(ar), SL_UNUSED(err);
  int s;
  switch (a[0].kind) {
    case SL_T_INT: s = a[0].u.i > 0 ? 1 : a[0].u.i < 0 ? -1 : 0; break;
    case SL_T_BIGINT: s = a[0].u.l > 0 ? 1 : a[0].u.l < 0 ? -1 : 0; break;
    case SL_T_DECIMAL: s = a[0].u.dec.unscaled > 0 ? 1 : a[0].u.dec.unscaled < 0 ? -1 : 0; break;
    default: s = a[0].u.d > 0 ? 1 : a[0].u.d < 0 ? -1 : 0; break;
  }
  *out = sl_val_int(s);
  return 0;
}

/* One-argument double functions share a body through this table. */
#define DBL1(NAME, EXPR)                                                            \
  static int NAME(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar, \
                  sl_value_t *out, sl_error_t *err) {                               \
    SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(ar), SL_UNUSED(err);                    \
    double x = sl_num_d(&a[0]);                                                     \
    *out = sl_val_double(EXPR);                                                     \
    return 0;                                                                       \
  }

DBL1(f_sqrt, sqrt(x))
DBL1(f_cbrt, cbrt(x))
DBL1(f_exp, exp(x))
DBL1(f_ln, log(x))
DBL1(f_sin, sin(x))
DBL1(f_cos, cos(x))
DBL1(f_tan, tan(x))
DBL1(f_cot, 1.0 / tan(x))
DBL1(f_asin, asin(x))
DBL1(f_acos, acos(x))
DBL1(f_atan, atan(x))
DBL1(f_sinh, sinh(x))
DBL1(f_cosh, cosh(x))
DBL1(f_tanh, tanh(x))
DBL1(f_degrees, x * 57.29577951308232)
DBL1(f_radians, x / 180.0 * 3.141592653589793)

static int f_log(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar, sl_value_t *out,
                 sl_error_t *err) {
  SL_UNUSED(ret), SL_UNUSED(ar), SL_UNUSED(err);
  if (n == 1) {
    *out = sl_val_double(log(sl_num_d(&a[0])));
    return 0;
  }
  double base = sl_num_d(&a[0]), x = sl_num_d(&a[1]);
  /* ksqlDB: a base that is not positive or is 1, or a negative value, gives NaN. */
  if (base <= 0 || base == 1 || x < 0)
    *out = sl_val_double(NAN);
  else if (x == 0)
    *out = sl_val_double(-INFINITY);
  else
    *out = sl_val_double(log(x) / log(base));
  return 0;
}

static int ty_log(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                  sl_error_t *err) {
  if (n == 1) return ty_num_double(a, n, ar, ret, err);
  return ty_num2_double(a, n, ar, ret, err);
}

static int f_power(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar,
                   sl_value_t *out, sl_error_t *err) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(ar), SL_UNUSED(err);
  *out = sl_val_double(pow(sl_num_d(&a[0]), sl_num_d(&a[1])));
  return 0;
}

static int f_atan2(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar,
                   sl_value_t *out, sl_error_t *err) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(ar), SL_UNUSED(err);
  *out = sl_val_double(atan2(sl_num_d(&a[0]), sl_num_d(&a[1])));
  return 0;
}

static int f_pi(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar, sl_value_t *out,
                sl_error_t *err) {
  SL_UNUSED(a), SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(ar), SL_UNUSED(err);
  *out = sl_val_double(3.141592653589793);
  return 0;
}

/* Per-thread generator state, seeded on first use from the clock and the
 * state's address (so threads differ); erand48 keeps no hidden shared state. */
static __thread unsigned short rnd_state[3];
static __thread bool rnd_seeded;

static unsigned short *rnd(void) {
  if (!rnd_seeded) {
    uint64_t s = (uint64_t)sl_monotonic_ns() ^ (uint64_t)(uintptr_t)rnd_state ^
                 ((uint64_t)sl_now_ms() << 20);
    rnd_state[0] = (unsigned short)s;
    rnd_state[1] = (unsigned short)(s >> 16);
    rnd_state[2] = (unsigned short)(s >> 32);
    rnd_seeded = true;
  }
  return rnd_state;
}

double sl_expr_random(void) {
  return erand48(rnd());
}

uint32_t sl_expr_random32(void) {
  return (uint32_t)jrand48(rnd());
}

static int f_random(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar,
                    sl_value_t *out, sl_error_t *err) {
  SL_UNUSED(a), SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(ar), SL_UNUSED(err);
  *out = sl_val_double(sl_expr_random());
  return 0;
}

/* Converts v to the result type of GREATEST/LEAST for comparison. */
static int greatest_least(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar,
                          sl_value_t *out, sl_error_t *err, int want) {
  *out = sl_null();
  for (int i = 0; i < n; i++) {
    if (a[i].kind == SL_T_NULL) continue;
    if (out->kind == SL_T_NULL || sl_value_compare(&a[i], out) * want > 0) *out = a[i];
  }
  if (out->kind != SL_T_NULL && out->kind != ret->kind) {
    sl_value_t v = *out;
    return sl_value_cast(ar, &v, ret, out, err);
  }
  if (out->kind == SL_T_DECIMAL && out->u.dec.scale != ret->scale) {
    sl_value_t v = *out;
    return sl_value_cast(ar, &v, ret, out, err);
  }
  return 0;
}

static int f_greatest(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar,
                      sl_value_t *out, sl_error_t *err) {
  return greatest_least(a, n, ret, ar, out, err, 1);
}

static int f_least(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar,
                   sl_value_t *out, sl_error_t *err) {
  return greatest_least(a, n, ret, ar, out, err, -1);
}

/* GEO_DISTANCE(lat1, lon1, lat2, lon2 [, unit]): the haversine great-circle
 * distance on a sphere of radius 6371 km or 3959 miles. */
static int ty_geo(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                  sl_error_t *err) {
  SL_UNUSED(ar);
  if (n < 4 || n > 5 || (n == 5 && !sl_ty_is(a[4], SL_T_STRING))) return sl_fn_reject(err);
  for (int i = 0; i < 4; i++)
    if (!sl_ty_numeric(a[i])) return sl_fn_reject(err);
  *ret = &sl_type_double;
  return 0;
}

static int f_geo_distance(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar,
                          sl_value_t *out, sl_error_t *err) {
  SL_UNUSED(ret), SL_UNUSED(ar);
  double lat1 = sl_num_d(&a[0]), lon1 = sl_num_d(&a[1]), lat2 = sl_num_d(&a[2]),
         lon2 = sl_num_d(&a[3]);
  if (lat1 < -90 || lat2 < -90 || lat1 > 90 || lat2 > 90)
    return sl_error_set(err, SL_EEVAL, -1,
                        "valid latitude values for GeoDistance function are in the range of -90 "
                        "to 90 decimal degrees");
  if (lon1 < -180 || lon2 < -180 || lon1 > 180 || lon2 > 180)
    return sl_error_set(err, SL_EEVAL, -1,
                        "valid longitude values for GeoDistance function are in the range of "
                        "-180 to +180 decimal degrees");
  double radius = 6371;
  if (n == 5) {
    /* trimmed, case-insensitive unit name */
    const char *u = a[4].u.s.ptr;
    size_t len = a[4].u.s.len;
    while (len && (unsigned char)*u <= ' ') u++, len--;
    while (len && (unsigned char)u[len - 1] <= ' ') len--;
    char unit[16];
    if (len >= sizeof unit) len = sizeof unit - 1;
    for (size_t i = 0; i < len; i++) unit[i] = (char)tolower((unsigned char)u[i]);
    unit[len] = 0;
    static const char *const miles[] = {"mi", "mile", "miles"};
    static const char *const kms[] = {"km", "kilometer", "kilometers", "kilometre", "kilometres"};
    bool ok = len == 0;
    for (size_t i = 0; i < SL_ARRAY_LEN(miles); i++)
      if (strcmp(unit, miles[i]) == 0) radius = 3959, ok = true;
    for (size_t i = 0; i < SL_ARRAY_LEN(kms); i++)
      if (strcmp(unit, kms[i]) == 0) ok = true;
    if (!ok)
      return sl_error_set(err, SL_EEVAL, -1,
                          "GeoDistance function units parameter must be one of mi, mile, miles, "
                          "km, kilometer, kilometers, kilometre or kilometres. Values are "
                          "case-insensitive.");
  }
  const double rad = 3.141592653589793 / 180.0;
  double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
  double h = pow(sin(dlat / 2), 2) + pow(sin(dlon / 2), 2) * cos(lat1 * rad) * cos(lat2 * rad);
  *out = sl_val_double(2 * asin(sqrt(h)) * radius);
  return 0;
}

#define MATH "MATHEMATICAL"
#define UN(NAME, FN, DESC)                                                        \
  {                                                                               \
    NAME, SL_FN_SCALAR, MATH, DESC,                                               \
        NAME "(INTEGER value) -> DOUBLE\n" NAME "(BIGINT value) -> DOUBLE\n" NAME \
             "(DOUBLE value) -> DOUBLE",                                          \
        ty_num_double, FN, true, false, false                                     \
  }

const sl_function_t sl_fn_math_table[] = {
    {"ABS", SL_FN_SCALAR, MATH, "Returns the absolute value of its argument.",
     "ABS(INTEGER value)\nABS(BIGINT value)\nABS(DOUBLE value)\nABS(DECIMAL value)", ty_num_same,
     f_abs, true, false, false},
    UN("ACOS", f_acos, "Returns the inverse (arc) cosine of an INT, BIGINT, or DOUBLE value."),
    UN("ASIN", f_asin, "Returns the inverse (arc) sine of an INT, BIGINT, or DOUBLE value."),
    UN("ATAN", f_atan, "Returns the inverse (arc) tangent of an INT, BIGINT, or DOUBLE value."),
    {"ATAN2", SL_FN_SCALAR, MATH,
     "Returns the inverse (arc) tangent of y / x, using the signs of both to find the quadrant.",
     "ATAN2(DOUBLE y, DOUBLE x) -> DOUBLE", ty_num2_double, f_atan2, true, false, false},
    UN("CBRT", f_cbrt, "Returns the cube root of an INT, BIGINT, or DOUBLE value."),
    {"CEIL", SL_FN_SCALAR, MATH,
     "Returns the smallest integer greater than or equal to the specified numeric expression.",
     "CEIL(INTEGER value)\nCEIL(BIGINT value)\nCEIL(DOUBLE value)\nCEIL(DECIMAL value)",
     ty_num_same, f_ceil, true, false, false},
    UN("COS", f_cos, "Returns the cosine of an INT, BIGINT, or DOUBLE value."),
    UN("COSH", f_cosh, "Returns the hyperbolic cosine of an INT, BIGINT, or DOUBLE value."),
    UN("COT", f_cot, "Returns the cotangent of an INT, BIGINT, or DOUBLE value."),
    UN("DEGREES", f_degrees, "Converts a value in radians to degrees."),
    UN("EXP", f_exp, "Returns Euler's number e raised to the power of the value."),
    {"FLOOR", SL_FN_SCALAR, MATH,
     "Returns the largest integer less than or equal to the specified numeric expression.",
     "FLOOR(INTEGER value)\nFLOOR(BIGINT value)\nFLOOR(DOUBLE value)\nFLOOR(DECIMAL value)",
     ty_num_same, f_floor, true, false, false},
    {"GEO_DISTANCE", SL_FN_SCALAR, MATH,
     "Compute the distance between two points on the surface of the earth, according to the "
     "Haversine formula for \"great circle distance\".",
     "GEO_DISTANCE(DOUBLE lat1, DOUBLE lon1, DOUBLE lat2, DOUBLE lon2) -> DOUBLE\n"
     "GEO_DISTANCE(DOUBLE lat1, DOUBLE lon1, DOUBLE lat2, DOUBLE lon2, STRING units) -> DOUBLE",
     ty_geo, f_geo_distance, true, false, false},
    {"GREATEST", SL_FN_SCALAR, MATH,
     "Returns the highest non-null value among a variable number of comparable columns.",
     "GREATEST(T val, T... vals) -> T", ty_greatest, f_greatest, false, false, false},
    {"LEAST", SL_FN_SCALAR, MATH,
     "Returns the lowest non-null value among a variable number of comparable columns.",
     "LEAST(T val, T... vals) -> T", ty_greatest, f_least, false, false, false},
    UN("LN", f_ln, "Returns the natural logarithm of the value."),
    {"LOG", SL_FN_SCALAR, MATH,
     "Returns the natural logarithm of a value, or its logarithm in the given base.",
     "LOG(DOUBLE value) -> DOUBLE\nLOG(DOUBLE base, DOUBLE value) -> DOUBLE", ty_log, f_log, true,
     false, false},
    {"PI", SL_FN_SCALAR, MATH, "Returns an approximate value of PI.", "PI() -> DOUBLE", ty_pi, f_pi,
     false, false, false},
    {"POWER", SL_FN_SCALAR, MATH, "Returns the value of the base raised to the exponent.",
     "POWER(DOUBLE base, DOUBLE exponent) -> DOUBLE", ty_num2_double, f_power, true, false, false},
    UN("RADIANS", f_radians, "Converts a value in degrees to radians."),
    {"RANDOM", SL_FN_SCALAR, MATH, "Returns a random DOUBLE value between 0.0 and 1.0.",
     "RANDOM() -> DOUBLE", ty_pi, f_random, false, true, false},
    {"ROUND", SL_FN_SCALAR, MATH,
     "Round a value to the number of decimal places as specified by scale to the right of the "
     "decimal point. If scale is negative then value is rounded to the right of the decimal "
     "point. Numbers equidistant to the nearest value are rounded up (in the positive "
     "direction). If the number of decimal places is not provided it defaults to zero.",
     "ROUND(INTEGER value) -> BIGINT\nROUND(BIGINT value) -> BIGINT\nROUND(DOUBLE value) -> "
     "BIGINT\nROUND(DOUBLE value, INTEGER decimalPlaces) -> DOUBLE\nROUND(DECIMAL value)\n"
     "ROUND(DECIMAL value, INTEGER decimalPlaces)",
     ty_round, f_round, true, false, false},
    {"SIGN", SL_FN_SCALAR, MATH,
     "The sign of a numeric value as an INTEGER: -1 for negative values, 0 for zero and 1 for "
     "positive values.",
     "SIGN(INTEGER value)\nSIGN(BIGINT value)\nSIGN(DOUBLE value)\nSIGN(DECIMAL value)", ty_sign,
     f_sign, true, false, false},
    UN("SIN", f_sin, "Returns the sine of an INT, BIGINT, or DOUBLE value."),
    UN("SINH", f_sinh, "Returns the hyperbolic sine of an INT, BIGINT, or DOUBLE value."),
    UN("SQRT", f_sqrt, "Returns the square root of the value."),
    UN("TAN", f_tan, "Returns the tangent of an INT, BIGINT, or DOUBLE value."),
    UN("TANH", f_tanh, "Returns the hyperbolic tangent of an INT, BIGINT, or DOUBLE value."),
    {"TRUNC", SL_FN_SCALAR, MATH,
     "Truncates a value to the number of decimal places as specified by scale to the right of "
     "the decimal point. If scale is negative then value is truncated to the right of the "
     "decimal point.",
     "TRUNC(INTEGER value) -> BIGINT\nTRUNC(BIGINT value) -> BIGINT\nTRUNC(DOUBLE value) -> "
     "BIGINT\nTRUNC(DOUBLE value, INTEGER decimalPlaces) -> DOUBLE\nTRUNC(DECIMAL value)\n"
     "TRUNC(DECIMAL value, INTEGER decimalPlaces)",
     ty_round, f_trunc, true, false, false},
};
const int sl_fn_math_count = (int)SL_ARRAY_LEN(sl_fn_math_table);
