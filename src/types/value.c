/*
 * value.c - runtime values: constructors, deep copy, the total order used by
 * comparisons and ORDER-like operations, the equality and hash used by GROUP
 * BY, joins and state stores (consistent with each other across numeric
 * kinds), and the text form ksqlDB shows for a value.
 */
#include <math.h>
#include <string.h>

#include "sluice/types.h"

sl_value_t sl_val_bool(bool b) {
  sl_value_t v = sl_null();
  v.kind = SL_T_BOOLEAN;
  v.u.b = b;
  return v;
}

sl_value_t sl_val_int(int32_t i) {
  sl_value_t v = sl_null();
  v.kind = SL_T_INT;
  v.u.i = i;
  return v;
}

sl_value_t sl_val_bigint(int64_t l) {
  sl_value_t v = sl_null();
  v.kind = SL_T_BIGINT;
  v.u.l = l;
  return v;
}

sl_value_t sl_val_double(double d) {
  sl_value_t v = sl_null();
  v.kind = SL_T_DOUBLE;
  v.u.d = d;
  return v;
}

sl_value_t sl_val_decimal(__int128 unscaled, int scale) {
  sl_value_t v;
  memset(&v, 0, sizeof v);
  v.kind = SL_T_DECIMAL;
  v.u.dec.unscaled = unscaled;
  v.u.dec.scale = scale;
  return v;
}

sl_value_t sl_val_string(const char *p, uint32_t len) {
  sl_value_t v = sl_null();
  v.kind = SL_T_STRING;
  v.u.s.ptr = p;
  v.u.s.len = len;
  return v;
}

sl_value_t sl_val_cstring(const char *s) {
  return sl_val_string(s, (uint32_t)strlen(s));
}

sl_value_t sl_val_bytes(const void *p, uint32_t len) {
  sl_value_t v = sl_val_string(p, len);
  v.kind = SL_T_BYTES;
  return v;
}

sl_value_t sl_val_timestamp(int64_t ms) {
  sl_value_t v = sl_val_bigint(ms);
  v.kind = SL_T_TIMESTAMP;
  return v;
}

sl_value_t sl_val_date(int32_t days) {
  sl_value_t v = sl_val_int(days);
  v.kind = SL_T_DATE;
  return v;
}

sl_value_t sl_val_time(int32_t ms) {
  sl_value_t v = sl_val_int(ms);
  v.kind = SL_T_TIME;
  return v;
}

sl_value_t sl_value_copy(sl_arena_t *a, const sl_value_t *v) {
  sl_value_t c = *v;
  switch (v->kind) {
    case SL_T_STRING:
    case SL_T_BYTES:
      c.u.s.ptr = v->u.s.len ? sl_arena_memdup(a, v->u.s.ptr, v->u.s.len) : "";
      break;
    case SL_T_ARRAY:
    case SL_T_MAP: {
      uint32_t n = v->kind == SL_T_MAP ? v->u.arr.n * 2 : v->u.arr.n;
      c.u.arr.items = n ? sl_arena_alloc(a, sizeof(sl_value_t) * n) : NULL;
      for (uint32_t i = 0; i < n; i++) c.u.arr.items[i] = sl_value_copy(a, &v->u.arr.items[i]);
      break;
    }
    case SL_T_STRUCT: {
      /* The struct's type is expected to outlive its values (catalog/plan
       * arenas), so only the field values are copied. */
      int n = v->u.st.type ? v->u.st.type->nfields : 0;
      c.u.st.fields = n ? sl_arena_alloc(a, sizeof(sl_value_t) * (size_t)n) : NULL;
      for (int i = 0; i < n; i++) c.u.st.fields[i] = sl_value_copy(a, &v->u.st.fields[i]);
      break;
    }
    default: break;
  }
  return c;
}

static int cmp_i64(int64_t a, int64_t b) {
  return a < b ? -1 : a > b;
}

/* Java's Double.compare order: -0.0 < 0.0, NaN greatest. */
static int cmp_double(double a, double b) {
  if (a < b) return -1;
  if (a > b) return 1;
  if (isnan(a) || isnan(b)) return isnan(a) ? (isnan(b) ? 0 : 1) : -1;
  return 0;
}

static int cmp_decimal(const sl_decimal_t *a, const sl_decimal_t *b) {
  __int128 x = a->unscaled, y = b->unscaled;
  int sx = x < 0 ? -1 : x > 0, sy = y < 0 ? -1 : y > 0;
  if (sx != sy) return sx < sy ? -1 : 1;
  if (a->scale != b->scale) {
    /* Bring both to the larger scale; a product that overflows is larger in
     * magnitude than anything the other side can hold. */
    int k = a->scale - b->scale;
    __int128 *lo = k < 0 ? &x : &y;
    int kk = k < 0 ? -k : k;
    __int128 r;
    if (kk > 38 || __builtin_mul_overflow(*lo, sl_decimal_pow10(kk), &r)) {
      int s = sx; /* same sign on both sides */
      return lo == &x ? s : -s;
    }
    *lo = r;
  }
  return x < y ? -1 : x > y;
}

static bool is_integral(int k) {
  return k == SL_T_INT || k == SL_T_BIGINT;
}
static int64_t as_i64(const sl_value_t *v) {
  return v->kind == SL_T_INT ? v->u.i : v->u.l;
}

static bool is_num(int k) {
  return k == SL_T_INT || k == SL_T_BIGINT || k == SL_T_DOUBLE || k == SL_T_DECIMAL;
}

static double num_as_double(const sl_value_t *v) {
  switch (v->kind) {
    case SL_T_INT: return v->u.i;
    case SL_T_BIGINT: return (double)v->u.l;
    case SL_T_DECIMAL: return sl_decimal_to_double(&v->u.dec);
    default: return v->u.d;
  }
}

static int cmp_bytes(const char *a, uint32_t na, const char *b, uint32_t nb) {
  int c = memcmp(a, b, na < nb ? na : nb);
  if (c) return c < 0 ? -1 : 1;
  return na < nb ? -1 : na > nb;
}

int sl_value_compare(const sl_value_t *a, const sl_value_t *b) {
  /* NULLs sort first; callers normally handle them before. */
  if (a->kind == SL_T_NULL || b->kind == SL_T_NULL)
    return (a->kind != SL_T_NULL) - (b->kind != SL_T_NULL);
  if (a->kind != b->kind) {
    if (is_num(a->kind) && is_num(b->kind)) {
      if (is_integral(a->kind) && is_integral(b->kind)) return cmp_i64(as_i64(a), as_i64(b));
      if (a->kind == SL_T_DOUBLE || b->kind == SL_T_DOUBLE)
        return cmp_double(num_as_double(a), num_as_double(b));
      sl_decimal_t x = a->kind == SL_T_DECIMAL ? a->u.dec : (sl_decimal_t){as_i64(a), 0};
      sl_decimal_t y = b->kind == SL_T_DECIMAL ? b->u.dec : (sl_decimal_t){as_i64(b), 0};
      return cmp_decimal(&x, &y);
    }
    /* TIMESTAMP against DATE: a date is its midnight. */
    if (a->kind == SL_T_TIMESTAMP && b->kind == SL_T_DATE)
      return cmp_i64(a->u.l, (int64_t)b->u.i * 86400000);
    if (a->kind == SL_T_DATE && b->kind == SL_T_TIMESTAMP)
      return cmp_i64((int64_t)a->u.i * 86400000, b->u.l);
    return a->kind < b->kind ? -1 : 1;
  }
  switch (a->kind) {
    case SL_T_BOOLEAN: return (int)a->u.b - (int)b->u.b;
    case SL_T_INT:
    case SL_T_DATE:
    case SL_T_TIME: return cmp_i64(a->u.i, b->u.i);
    case SL_T_BIGINT:
    case SL_T_TIMESTAMP: return cmp_i64(a->u.l, b->u.l);
    case SL_T_DOUBLE: return cmp_double(a->u.d, b->u.d);
    case SL_T_DECIMAL: return cmp_decimal(&a->u.dec, &b->u.dec);
    case SL_T_STRING:
    case SL_T_BYTES: return cmp_bytes(a->u.s.ptr, a->u.s.len, b->u.s.ptr, b->u.s.len);
    case SL_T_ARRAY: {
      uint32_t n = a->u.arr.n < b->u.arr.n ? a->u.arr.n : b->u.arr.n;
      for (uint32_t i = 0; i < n; i++) {
        int c = sl_value_compare(&a->u.arr.items[i], &b->u.arr.items[i]);
        if (c) return c;
      }
      return a->u.arr.n < b->u.arr.n ? -1 : a->u.arr.n > b->u.arr.n;
    }
    case SL_T_MAP: {
      uint32_t n = a->u.arr.n < b->u.arr.n ? a->u.arr.n : b->u.arr.n;
      for (uint32_t i = 0; i < 2 * n; i++) {
        int c = sl_value_compare(&a->u.arr.items[i], &b->u.arr.items[i]);
        if (c) return c;
      }
      return a->u.arr.n < b->u.arr.n ? -1 : a->u.arr.n > b->u.arr.n;
    }
    case SL_T_STRUCT: {
      int na = a->u.st.type ? a->u.st.type->nfields : 0;
      int nb = b->u.st.type ? b->u.st.type->nfields : 0;
      int n = na < nb ? na : nb;
      for (int i = 0; i < n; i++) {
        int c = sl_value_compare(&a->u.st.fields[i], &b->u.st.fields[i]);
        if (c) return c;
      }
      return na < nb ? -1 : na > nb;
    }
    default: return 0;
  }
}

static bool map_equal(const sl_value_t *a, const sl_value_t *b) {
  /* Maps are equal as sets of entries, whatever their order. */
  if (a->u.arr.n != b->u.arr.n) return false;
  for (uint32_t i = 0; i < a->u.arr.n; i++) {
    const sl_value_t *k = &a->u.arr.items[2 * i];
    bool found = false;
    for (uint32_t j = 0; j < b->u.arr.n; j++) {
      if (sl_value_equal(k, &b->u.arr.items[2 * j])) {
        if (!sl_value_equal(&a->u.arr.items[2 * i + 1], &b->u.arr.items[2 * j + 1])) return false;
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

bool sl_value_equal(const sl_value_t *a, const sl_value_t *b) {
  if (a->kind == SL_T_NULL || b->kind == SL_T_NULL) return a->kind == b->kind;
  if (a->kind != b->kind) {
    if (is_num(a->kind) && is_num(b->kind)) return sl_value_compare(a, b) == 0;
    return false;
  }
  switch (a->kind) {
    case SL_T_ARRAY:
      if (a->u.arr.n != b->u.arr.n) return false;
      for (uint32_t i = 0; i < a->u.arr.n; i++)
        if (!sl_value_equal(&a->u.arr.items[i], &b->u.arr.items[i])) return false;
      return true;
    case SL_T_MAP: return map_equal(a, b);
    case SL_T_STRUCT: {
      int na = a->u.st.type ? a->u.st.type->nfields : 0;
      int nb = b->u.st.type ? b->u.st.type->nfields : 0;
      if (na != nb) return false;
      for (int i = 0; i < na; i++)
        if (!sl_value_equal(&a->u.st.fields[i], &b->u.st.fields[i])) return false;
      return true;
    }
    case SL_T_DOUBLE:
      /* NaN equals NaN for grouping, as Java's Double.equals. */
      return a->u.d == b->u.d || (isnan(a->u.d) && isnan(b->u.d));
    default: return sl_value_compare(a, b) == 0;
  }
}

static uint64_t mix(uint64_t h, uint64_t x) {
  h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h;
}

static uint64_t hash_i64(int64_t x, uint64_t seed) {
  return sl_hash_bytes(&x, sizeof x, seed);
}

uint64_t sl_value_hash(const sl_value_t *v, uint64_t seed) {
  switch (v->kind) {
    case SL_T_NULL: return mix(seed, 0x6e756c6cULL);
    case SL_T_BOOLEAN: return mix(seed, v->u.b ? 0x1231 : 0x1237);
    case SL_T_INT:
    case SL_T_BIGINT: return hash_i64(as_i64(v), seed);
    case SL_T_DOUBLE: {
      double d = v->u.d;
      /* Integral doubles hash like the equal integer so 1 = 1.0 groups together. */
      if (d == floor(d) && fabs(d) < 9.2e18) return hash_i64((int64_t)d, seed);
      if (isnan(d)) d = NAN;
      return sl_hash_bytes(&d, sizeof d, seed);
    }
    case SL_T_DECIMAL: {
      __int128 u = v->u.dec.unscaled;
      int s = v->u.dec.scale;
      while (s > 0 && u % 10 == 0) u /= 10, s--;
      if (s == 0 && u >= INT64_MIN && u <= INT64_MAX) return hash_i64((int64_t)u, seed);
      double d = sl_decimal_to_double(&v->u.dec);
      return sl_hash_bytes(&d, sizeof d, seed);
    }
    case SL_T_STRING:
    case SL_T_BYTES: return sl_hash_bytes(v->u.s.ptr, v->u.s.len, seed ^ v->kind);
    case SL_T_DATE:
    case SL_T_TIME: return hash_i64(v->u.i, seed ^ v->kind);
    case SL_T_TIMESTAMP: return hash_i64(v->u.l, seed ^ v->kind);
    case SL_T_ARRAY: {
      uint64_t h = mix(seed, v->u.arr.n);
      for (uint32_t i = 0; i < v->u.arr.n; i++) h = sl_value_hash(&v->u.arr.items[i], h);
      return h;
    }
    case SL_T_MAP: {
      /* Order-independent, as map equality is. */
      uint64_t h = 0;
      for (uint32_t i = 0; i < v->u.arr.n; i++)
        h += sl_value_hash(&v->u.arr.items[2 * i + 1], sl_value_hash(&v->u.arr.items[2 * i], 7));
      return mix(seed, h);
    }
    case SL_T_STRUCT: {
      int n = v->u.st.type ? v->u.st.type->nfields : 0;
      uint64_t h = mix(seed, (uint64_t)n);
      for (int i = 0; i < n; i++) h = sl_value_hash(&v->u.st.fields[i], h);
      return h;
    }
  }
  return seed;
}

static void put_base64(const unsigned char *p, uint32_t n, sl_buf_t *out) {
  static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (uint32_t i = 0; i < n; i += 3) {
    uint32_t x = (uint32_t)p[i] << 16;
    if (i + 1 < n) x |= (uint32_t)p[i + 1] << 8;
    if (i + 2 < n) x |= p[i + 2];
    char q[4] = {tab[(x >> 18) & 63], tab[(x >> 12) & 63], i + 1 < n ? tab[(x >> 6) & 63] : '=',
                 i + 2 < n ? tab[x & 63] : '='};
    sl_buf_append(out, q, 4);
  }
}

void sl_value_format(const sl_value_t *v, sl_buf_t *out) {
  switch (v->kind) {
    case SL_T_NULL: sl_buf_puts(out, "null"); break;
    case SL_T_BOOLEAN: sl_buf_puts(out, v->u.b ? "true" : "false"); break;
    case SL_T_INT: sl_buf_printf(out, "%d", v->u.i); break;
    case SL_T_BIGINT: sl_buf_printf(out, "%lld", (long long)v->u.l); break;
    case SL_T_DOUBLE: sl_format_double(v->u.d, out); break;
    case SL_T_DECIMAL: sl_decimal_format(&v->u.dec, out); break;
    case SL_T_STRING: sl_buf_append(out, v->u.s.ptr, v->u.s.len); break;
    case SL_T_BYTES: put_base64((const unsigned char *)v->u.s.ptr, v->u.s.len, out); break;
    case SL_T_DATE: sl_format_date(v->u.i, out); break;
    case SL_T_TIME: sl_format_time(v->u.i, out); break;
    case SL_T_TIMESTAMP: sl_format_timestamp(v->u.l, out); break;
    case SL_T_ARRAY:
      sl_buf_putc(out, '[');
      for (uint32_t i = 0; i < v->u.arr.n; i++) {
        if (i) sl_buf_puts(out, ", ");
        sl_value_format(&v->u.arr.items[i], out);
      }
      sl_buf_putc(out, ']');
      break;
    case SL_T_MAP:
      sl_buf_putc(out, '{');
      for (uint32_t i = 0; i < v->u.arr.n; i++) {
        if (i) sl_buf_puts(out, ", ");
        sl_value_format(&v->u.arr.items[2 * i], out);
        sl_buf_putc(out, '=');
        sl_value_format(&v->u.arr.items[2 * i + 1], out);
      }
      sl_buf_putc(out, '}');
      break;
    case SL_T_STRUCT: {
      const sl_type_t *t = v->u.st.type;
      sl_buf_puts(out, "Struct{");
      bool first = true;
      for (int i = 0; t && i < t->nfields; i++) {
        /* Kafka Connect's Struct text leaves out null fields. */
        if (v->u.st.fields[i].kind == SL_T_NULL) continue;
        if (!first) sl_buf_putc(out, ',');
        first = false;
        sl_buf_printf(out, "%s=", t->fields[i].name);
        sl_value_format(&v->u.st.fields[i], out);
      }
      sl_buf_putc(out, '}');
      break;
    }
  }
}
