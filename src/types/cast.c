/*
 * cast.c - CAST between SQL types with ksqlDB's rules: numbers convert among
 * themselves (Java narrowing for integers, decimals checked against the target
 * precision and rounded HALF_UP), anything converts to STRING, strings parse
 * into numbers, booleans and the ISO date/time forms, timestamps split into
 * dates and times, and containers cast element by element.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/types.h"

static bool kind_is_num(sl_type_kind_t k) {
  return k == SL_T_INT || k == SL_T_BIGINT || k == SL_T_DOUBLE || k == SL_T_DECIMAL;
}

bool sl_type_can_cast(const sl_type_t *from, const sl_type_t *to) {
  if (!from || sl_type_equal(from, to)) return true;
  sl_type_kind_t f = from->kind, t = to->kind;
  if (t == SL_T_STRING) return f != SL_T_BYTES;
  if (kind_is_num(f) && kind_is_num(t)) return true;
  switch (t) {
    case SL_T_BOOLEAN:
    case SL_T_INT:
    case SL_T_BIGINT:
    case SL_T_DOUBLE:
    case SL_T_DECIMAL: return f == SL_T_STRING;
    case SL_T_TIMESTAMP: return f == SL_T_STRING || f == SL_T_DATE;
    case SL_T_DATE:
    case SL_T_TIME: return f == SL_T_STRING || f == SL_T_TIMESTAMP;
    case SL_T_ARRAY: return f == SL_T_ARRAY && sl_type_can_cast(from->elem, to->elem);
    case SL_T_MAP:
      return f == SL_T_MAP && sl_type_can_cast(from->key, to->key) &&
             sl_type_can_cast(from->elem, to->elem);
    case SL_T_STRUCT:
      if (f != SL_T_STRUCT) return false;
      for (int i = 0; i < to->nfields; i++)
        for (int j = 0; j < from->nfields; j++)
          if (strcmp(to->fields[i].name, from->fields[j].name) == 0 &&
              !sl_type_can_cast(from->fields[j].type, to->fields[i].type))
            return false;
      return true;
    default: return false;
  }
}

/* ---- decimal from a digit string ----
 * The value is 0.DDDD x 10^pointpos (digits without leading zeros). Rounding
 * follows Java: optionally to mc significant digits first (MathContext, as
 * new BigDecimal(double, mc) does), then the overflow check, then to the
 * target scale, all HALF_UP. */
typedef struct {
  char d[800];
  int n;        /* significant digits in d */
  int pointpos; /* value = 0.d[0..n) * 10^pointpos */
  bool neg;
} digits_t;

/* Rounds to keep k leading digits HALF_UP (k may be <= 0). */
static void digits_round(digits_t *x, int k) {
  if (k >= x->n) return;
  if (k < 0) {
    x->n = 0;
    return;
  }
  bool up = x->d[k] >= '5';
  x->n = k;
  if (up) {
    int i = k - 1;
    while (i >= 0 && x->d[i] == '9') x->d[i--] = '0';
    if (i < 0) {
      memmove(x->d + 1, x->d, (size_t)k);
      x->d[0] = '1';
      x->n = k + 1;
      x->pointpos++;
    } else {
      x->d[i]++;
    }
  }
  while (x->n > 0 && x->d[x->n - 1] == '0') x->n--;
  if (x->n == 0) x->pointpos = 0;
}

static int overflow_err(sl_error_t *err, int p, int s, const digits_t *x) {
  sl_buf_t b;
  sl_buf_init(&b);
  if (x->neg) sl_buf_putc(&b, '-');
  for (int i = 0; i < x->pointpos; i++) sl_buf_putc(&b, i < x->n ? x->d[i] : '0');
  if (x->n > x->pointpos) {
    if (x->pointpos <= 0) sl_buf_putc(&b, '0');
    sl_buf_putc(&b, '.');
    for (int i = x->pointpos; i < 0; i++) sl_buf_putc(&b, '0');
    for (int i = x->pointpos > 0 ? x->pointpos : 0; i < x->n; i++) sl_buf_putc(&b, x->d[i]);
  }
  sl_error_set(err, SL_EEVAL, -1,
               "Numeric field overflow: A field with precision %d and scale %d must round to an "
               "absolute value less than 10^%d. Got %s",
               p, s, p - s, b.data ? b.data : "0");
  sl_buf_free(&b);
  return SL_EEVAL;
}

static int digits_to_decimal(digits_t *x, int mc, int p, int s, sl_value_t *out, sl_error_t *err) {
  if (mc > 0) digits_round(x, mc);
  if (x->n > 0 && x->pointpos > p - s) return overflow_err(err, p, s, x);
  digits_round(x, x->pointpos + s);
  if (x->n > 0 && x->pointpos > p - s) return overflow_err(err, p, s, x);
  __int128 v = 0;
  for (int i = 0; i < x->pointpos + s; i++) v = v * 10 + (i < x->n ? x->d[i] - '0' : 0);
  *out = sl_val_decimal(x->neg ? -v : v, s);
  return 0;
}

/* Parses Java BigDecimal text (sign, digits, point, exponent) into digits. */
static bool digits_parse(const char *s, size_t n, digits_t *x) {
  size_t i = 0;
  while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
  while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
    n--;
  x->neg = false;
  x->n = 0;
  x->pointpos = 0;
  if (i < n && (s[i] == '+' || s[i] == '-')) x->neg = s[i++] == '-';
  bool point = false, any = false;
  int intdigits = 0;
  for (; i < n; i++) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      any = true;
      if (x->n == 0 && c == '0') {
        if (point) intdigits--;
        continue;
      }
      if (x->n >= (int)sizeof x->d - 1) return false;
      x->d[x->n++] = c;
      if (!point) intdigits++;
    } else if (c == '.' && !point) {
      point = true;
    } else {
      break;
    }
  }
  if (!any) return false;
  long e = 0;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    bool eneg = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
    if (i >= n) return false;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
      e = e * 10 + (s[i] - '0');
      if (e > 100000) return false;
    }
    if (eneg) e = -e;
  }
  if (i != n) return false;
  while (x->n > 0 && x->d[x->n - 1] == '0') x->n--;
  x->pointpos = x->n ? intdigits + (int)e : 0;
  return true;
}

/* Exact decimal expansion of a double (glibc prints exactly). */
static void digits_from_double(double d, digits_t *x) {
  char buf[800];
  snprintf(buf, sizeof buf, "%.760e", d);
  digits_parse(buf, strlen(buf), x);
}

static int bad_number(sl_error_t *err, const sl_value_t *v) {
  return sl_error_set(err, SL_EEVAL, -1, "For input string: \"%.*s\"", (int)v->u.s.len, v->u.s.ptr);
}

int sl_decimal_from_double(double d, int p, int s, sl_value_t *out, sl_error_t *err) {
  if (isnan(d) || isinf(d)) return sl_error_set(err, SL_EEVAL, -1, "Infinite or NaN");
  digits_t x;
  digits_from_double(d, &x);
  return digits_to_decimal(&x, p, p, s, out, err);
}

/* Java's Integer.parseInt / Long.parseLong on trimmed text. */
static bool parse_java_long(const char *s, size_t n, int64_t lo, int64_t hi, int64_t *out) {
  while (n && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) s++, n--;
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r')) n--;
  size_t i = 0;
  bool neg = false;
  if (i < n && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  if (i >= n) return false;
  __int128 v = 0;
  for (; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
    if (v > (__int128)hi + 1) return false;
  }
  if (neg) v = -v;
  if (v < lo || v > hi) return false;
  *out = (int64_t)v;
  return true;
}

/* Java's Double.parseDouble: decimal or hex floats, NaN, [+-]Infinity,
 * optional d/f suffix; not C's inf/nan spellings. */
static bool parse_java_double(const char *s, size_t n, double *out) {
  char buf[128];
  while (n && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) s++, n--;
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r')) n--;
  if (n == 0 || n >= sizeof buf) return false;
  memcpy(buf, s, n);
  buf[n] = 0;
  const char *b = buf + (buf[0] == '+' || buf[0] == '-');
  if (strcmp(b, "NaN") == 0) {
    *out = NAN;
    return true;
  }
  if (strcmp(b, "Infinity") == 0) {
    *out = buf[0] == '-' ? -INFINITY : INFINITY;
    return true;
  }
  for (const char *p = b; *p; p++)
    if (*p == 'n' || *p == 'N' || *p == 'i' || *p == 'I') return false;
  if (n > 1 && (buf[n - 1] == 'd' || buf[n - 1] == 'D' || buf[n - 1] == 'f' || buf[n - 1] == 'F') &&
      !(b[0] == '0' && (b[1] == 'x' || b[1] == 'X')))
    buf[--n] = 0;
  char *end;
  errno = 0;
  double d = strtod(buf, &end);
  if (end == buf || *end) return false;
  *out = d;
  return true;
}

/* SqlBooleans-style: any prefix of "true" or "yes" is true, anything else false. */
static bool parse_sql_boolean(const char *s, size_t n) {
  while (n && (*s == ' ' || *s == '\t')) s++, n--;
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
  if (n == 0) return false;
  if (n <= 4 && strncasecmp(s, "true", n) == 0) return true;
  if (n <= 3 && strncasecmp(s, "yes", n) == 0) return true;
  return false;
}

static int64_t dec_to_i64_java(const sl_decimal_t *d) {
  __int128 v = d->unscaled;
  if (d->scale > 0) v = d->scale > 38 ? 0 : v / sl_decimal_pow10(d->scale);
  return (int64_t)(uint64_t)(unsigned __int128)v; /* low-order bits, as BigInteger.longValue */
}

static int64_t double_to_i64_java(double d, int64_t lo, int64_t hi) {
  if (isnan(d)) return 0;
  if (d <= (double)lo) return lo;
  if (d >= (double)hi) return hi;
  return (int64_t)d;
}

static int to_string(sl_arena_t *a, const sl_value_t *v, sl_value_t *out) {
  if (v->kind == SL_T_STRING) {
    *out = *v;
    return 0;
  }
  sl_buf_t b;
  sl_buf_init(&b);
  sl_value_format(v, &b);
  char *p = sl_arena_memdup(a, b.data ? b.data : "", b.len + 1);
  *out = sl_val_string(p, (uint32_t)b.len);
  sl_buf_free(&b);
  return 0;
}

int sl_value_cast(sl_arena_t *a, const sl_value_t *v, const sl_type_t *t, sl_value_t *out,
                  sl_error_t *err) {
  *out = sl_null();
  if (v->kind == SL_T_NULL) return 0;
  sl_type_kind_t from = (sl_type_kind_t)v->kind;
  switch (t->kind) {
    case SL_T_STRING: return to_string(a, v, out);
    case SL_T_BOOLEAN:
      if (from == SL_T_BOOLEAN)
        *out = *v;
      else if (from == SL_T_STRING)
        *out = sl_val_bool(parse_sql_boolean(v->u.s.ptr, v->u.s.len));
      else
        goto unsupported;
      return 0;
    case SL_T_INT:
    case SL_T_BIGINT: {
      bool is_int = t->kind == SL_T_INT;
      int64_t r;
      switch (from) {
        case SL_T_INT: r = v->u.i; break;
        case SL_T_BIGINT: r = v->u.l; break;
        case SL_T_DOUBLE:
          r = is_int ? double_to_i64_java(v->u.d, INT32_MIN, INT32_MAX)
                     : double_to_i64_java(v->u.d, INT64_MIN, INT64_MAX);
          break;
        case SL_T_DECIMAL: r = dec_to_i64_java(&v->u.dec); break;
        case SL_T_STRING:
          if (!parse_java_long(v->u.s.ptr, v->u.s.len, is_int ? INT32_MIN : INT64_MIN,
                               is_int ? INT32_MAX : INT64_MAX, &r))
            return bad_number(err, v);
          break;
        default: goto unsupported;
      }
      *out = is_int ? sl_val_int((int32_t)(uint32_t)(uint64_t)r) : sl_val_bigint(r);
      return 0;
    }
    case SL_T_DOUBLE:
      switch (from) {
        case SL_T_INT: *out = sl_val_double(v->u.i); return 0;
        case SL_T_BIGINT: *out = sl_val_double((double)v->u.l); return 0;
        case SL_T_DOUBLE: *out = *v; return 0;
        case SL_T_DECIMAL: *out = sl_val_double(sl_decimal_to_double(&v->u.dec)); return 0;
        case SL_T_STRING: {
          double d;
          if (!parse_java_double(v->u.s.ptr, v->u.s.len, &d)) return bad_number(err, v);
          *out = sl_val_double(d);
          return 0;
        }
        default: goto unsupported;
      }
    case SL_T_DECIMAL: {
      int p = t->precision, s = t->scale;
      digits_t x;
      switch (from) {
        case SL_T_INT:
        case SL_T_BIGINT: {
          char buf[32];
          int n =
              snprintf(buf, sizeof buf, "%lld", (long long)(from == SL_T_INT ? v->u.i : v->u.l));
          digits_parse(buf, (size_t)n, &x);
          return digits_to_decimal(&x, p, p, s, out, err);
        }
        case SL_T_DOUBLE: return sl_decimal_from_double(v->u.d, p, s, out, err);
        case SL_T_DECIMAL: {
          sl_buf_t b;
          sl_buf_init(&b);
          sl_decimal_format(&v->u.dec, &b);
          digits_parse(b.data, b.len, &x);
          sl_buf_free(&b);
          return digits_to_decimal(&x, 0, p, s, out, err);
        }
        case SL_T_STRING:
          if (!digits_parse(v->u.s.ptr, v->u.s.len, &x)) return bad_number(err, v);
          return digits_to_decimal(&x, 0, p, s, out, err);
        default: goto unsupported;
      }
    }
    case SL_T_TIMESTAMP:
      if (from == SL_T_TIMESTAMP)
        *out = *v;
      else if (from == SL_T_DATE)
        *out = sl_val_timestamp((int64_t)v->u.i * 86400000);
      else if (from == SL_T_STRING) {
        int64_t ms;
        if (sl_parse_timestamp(v->u.s.ptr, v->u.s.len, &ms))
          return sl_error_set(err, SL_EEVAL, -1, "Failed to parse timestamp '%.*s'",
                              (int)v->u.s.len, v->u.s.ptr);
        *out = sl_val_timestamp(ms);
      } else
        goto unsupported;
      return 0;
    case SL_T_DATE:
      if (from == SL_T_DATE)
        *out = *v;
      else if (from == SL_T_TIMESTAMP) {
        int64_t ms = v->u.l, days = ms / 86400000;
        if (ms % 86400000 < 0) days--;
        *out = sl_val_date((int32_t)days);
      } else if (from == SL_T_STRING) {
        int32_t d;
        if (sl_parse_date(v->u.s.ptr, v->u.s.len, &d))
          return sl_error_set(err, SL_EEVAL, -1, "Failed to parse date '%.*s'", (int)v->u.s.len,
                              v->u.s.ptr);
        *out = sl_val_date(d);
      } else
        goto unsupported;
      return 0;
    case SL_T_TIME:
      if (from == SL_T_TIME)
        *out = *v;
      else if (from == SL_T_TIMESTAMP) {
        int64_t r = v->u.l % 86400000;
        if (r < 0) r += 86400000;
        *out = sl_val_time((int32_t)r);
      } else if (from == SL_T_STRING) {
        int32_t ms;
        if (sl_parse_time(v->u.s.ptr, v->u.s.len, &ms))
          return sl_error_set(err, SL_EEVAL, -1, "Failed to parse time '%.*s'", (int)v->u.s.len,
                              v->u.s.ptr);
        *out = sl_val_time(ms);
      } else
        goto unsupported;
      return 0;
    case SL_T_BYTES:
      if (from == SL_T_BYTES) {
        *out = *v;
        return 0;
      }
      goto unsupported;
    case SL_T_ARRAY: {
      if (from != SL_T_ARRAY) goto unsupported;
      uint32_t n = v->u.arr.n;
      sl_value_t *items = n ? sl_arena_alloc(a, sizeof *items * n) : NULL;
      for (uint32_t i = 0; i < n; i++) {
        int rc = sl_value_cast(a, &v->u.arr.items[i], t->elem, &items[i], err);
        if (rc) return rc;
      }
      *out = *v;
      out->u.arr.items = items;
      return 0;
    }
    case SL_T_MAP: {
      if (from != SL_T_MAP) goto unsupported;
      uint32_t n = v->u.arr.n;
      sl_value_t *items = n ? sl_arena_alloc(a, sizeof *items * n * 2) : NULL;
      for (uint32_t i = 0; i < n; i++) {
        int rc = sl_value_cast(a, &v->u.arr.items[2 * i], t->key, &items[2 * i], err);
        if (!rc) rc = sl_value_cast(a, &v->u.arr.items[2 * i + 1], t->elem, &items[2 * i + 1], err);
        if (rc) return rc;
      }
      *out = *v;
      out->u.arr.items = items;
      return 0;
    }
    case SL_T_STRUCT: {
      if (from != SL_T_STRUCT) goto unsupported;
      const sl_type_t *ft = v->u.st.type;
      sl_value_t *fields =
          t->nfields ? sl_arena_alloc(a, sizeof *fields * (size_t)t->nfields) : NULL;
      for (int i = 0; i < t->nfields; i++) {
        fields[i] = sl_null();
        for (int j = 0; ft && j < ft->nfields; j++) {
          if (strcmp(ft->fields[j].name, t->fields[i].name) == 0) {
            int rc = sl_value_cast(a, &v->u.st.fields[j], t->fields[i].type, &fields[i], err);
            if (rc) return rc;
            break;
          }
        }
      }
      out->kind = SL_T_STRUCT;
      out->u.st.fields = fields;
      out->u.st.type = t;
      return 0;
    }
    default: break;
  }
unsupported : {
  sl_buf_t b;
  sl_buf_init(&b);
  sl_type_format(t, &b);
  sl_error_set(err, SL_EEVAL, -1, "Cast of %s to %s is not supported",
               sl_type_kind_name((sl_type_kind_t)v->kind), b.data);
  sl_buf_free(&b);
  *out = sl_null();
  return SL_EEVAL;
}
}
