/*
 * numtext.c - Java's number text, reproduced for the formats: ksqlDB parses
 * DELIMITED fields and JSON strings with Integer.parseInt, Long.parseLong,
 * Double.parseDouble and new BigDecimal(String), and prints decimals with
 * BigDecimal.toString / toPlainString. Matching those exactly (what they
 * accept, how they round, where they switch to exponent notation) is what
 * makes records byte-identical to ksqlDB's, so it lives in one place here.
 * Also: UTF-8 repair as Java's decoder does it, and column lists for messages.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serde_int.h"

/* ---------------- integers and booleans ---------------- */

/* Parses [+-]digits into a magnitude bounded by limit (the largest magnitude
 * allowed for the sign found). */
static bool parse_signed(const char *s, size_t n, uint64_t pos_limit, uint64_t neg_limit, bool *neg,
                         uint64_t *mag) {
  size_t i = 0;
  *neg = false;
  if (n == 0) return false;
  if (s[0] == '+' || s[0] == '-') {
    *neg = s[0] == '-';
    i = 1;
    if (n == 1) return false;
  }
  uint64_t limit = *neg ? neg_limit : pos_limit, v = 0;
  for (; i < n; i++) {
    unsigned d = (unsigned char)s[i] - '0';
    if (d > 9) return false;
    if (v > (limit - d) / 10) return false;
    v = v * 10 + d;
  }
  *mag = v;
  return true;
}

bool sl_java_parse_int(const char *s, size_t n, int32_t *out) {
  bool neg;
  uint64_t m;
  if (!parse_signed(s, n, INT32_MAX, (uint64_t)INT32_MAX + 1, &neg, &m)) return false;
  *out = neg ? (int32_t)(0 - (uint32_t)m) : (int32_t)m;
  return true;
}

bool sl_java_parse_long(const char *s, size_t n, int64_t *out) {
  bool neg;
  uint64_t m;
  if (!parse_signed(s, n, INT64_MAX, (uint64_t)INT64_MAX + 1, &neg, &m)) return false;
  *out = neg ? (int64_t)(0 - m) : (int64_t)m;
  return true;
}

bool sl_java_parse_boolean(const char *s, size_t n) {
  return n == 4 && (s[0] | 0x20) == 't' && (s[1] | 0x20) == 'r' && (s[2] | 0x20) == 'u' &&
         (s[3] | 0x20) == 'e';
}

/* ---------------- doubles ---------------- */

static bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
static bool is_xdigit(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Java accepts a stricter grammar than strtod (no "inf", "nan", no hex
 * without a binary exponent) plus a trailing type suffix; check it first,
 * then let strtod do the correctly rounded conversion. */
bool sl_java_parse_double(const char *s, size_t n, double *out) {
  while (n > 0 && (unsigned char)*s <= ' ') s++, n--;
  while (n > 0 && (unsigned char)s[n - 1] <= ' ') n--;
  if (n == 0) return false;
  size_t i = 0;
  bool neg = false;
  if (s[0] == '+' || s[0] == '-') neg = s[i++] == '-';
  if (n - i == 3 && memcmp(s + i, "NaN", 3) == 0) {
    *out = NAN;
    return true;
  }
  if (n - i == 8 && memcmp(s + i, "Infinity", 8) == 0) {
    *out = neg ? -INFINITY : INFINITY;
    return true;
  }
  size_t body_end = n;
  if (n > i && strchr("fFdD", s[n - 1])) body_end = n - 1;
  size_t j = i;
  if (body_end - j >= 2 && s[j] == '0' && (s[j + 1] == 'x' || s[j + 1] == 'X')) {
    j += 2;
    int nd = 0;
    while (j < body_end && is_xdigit(s[j])) j++, nd++;
    if (j < body_end && s[j] == '.') {
      j++;
      while (j < body_end && is_xdigit(s[j])) j++, nd++;
    }
    if (nd == 0 || j >= body_end || (s[j] != 'p' && s[j] != 'P')) return false;
    j++;
    if (j < body_end && (s[j] == '+' || s[j] == '-')) j++;
    if (j >= body_end || !is_digit(s[j])) return false;
    while (j < body_end && is_digit(s[j])) j++;
  } else {
    int nd = 0;
    while (j < body_end && is_digit(s[j])) j++, nd++;
    if (j < body_end && s[j] == '.') {
      j++;
      while (j < body_end && is_digit(s[j])) j++, nd++;
    }
    if (nd == 0) return false;
    if (j < body_end && (s[j] == 'e' || s[j] == 'E')) {
      j++;
      if (j < body_end && (s[j] == '+' || s[j] == '-')) j++;
      if (j >= body_end || !is_digit(s[j])) return false;
      while (j < body_end && is_digit(s[j])) j++;
    }
  }
  if (j != body_end) return false;
  char small[128];
  char *tmp = body_end < sizeof small ? small : sl_xmalloc(body_end + 1);
  memcpy(tmp, s, body_end);
  tmp[body_end] = 0;
  *out = strtod(tmp, NULL);
  if (tmp != small) free(tmp);
  return true;
}

/* Java's Double.toString layout, like sl_format_double, but on the encode hot
 * path: the shortest digits are found by trying 15, 16, then 17 significant
 * digits (a double whose shortest form has k <= 15 digits rounds to exactly
 * those digits at 15), instead of counting up from one. */
void sl_serde_put_double(sl_buf_t *out, double d) {
  if (!isfinite(d) || fabs(d) < 2.2250738585072014e-308) { /* zero, subnormal: fewer digits */
    sl_format_double(d, out);
    return;
  }
  char tmp[40];
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(tmp, sizeof tmp, "%.*e", prec - 1, d);
    if (prec == 17 || strtod(tmp, NULL) == d) break;
  }
  /* tmp is [-]D.DDDDe[+-]XX */
  char dig[20];
  int nd = 0;
  const char *p = tmp;
  bool neg = *p == '-';
  if (neg) p++;
  for (; *p && *p != 'e'; p++)
    if (*p != '.') dig[nd++] = *p;
  int exp = atoi(p + 1);
  while (nd > 1 && dig[nd - 1] == '0') nd--;
  char o[48];
  int n = 0;
  if (neg) o[n++] = '-';
  double a = fabs(d);
  if (a >= 1e-3 && a < 1e7) {
    if (exp >= 0) {
      for (int k = 0; k <= exp; k++) o[n++] = k < nd ? dig[k] : '0';
      o[n++] = '.';
      if (nd > exp + 1)
        for (int k = exp + 1; k < nd; k++) o[n++] = dig[k];
      else
        o[n++] = '0';
    } else {
      o[n++] = '0';
      o[n++] = '.';
      for (int k = 0; k < -exp - 1; k++) o[n++] = '0';
      for (int k = 0; k < nd; k++) o[n++] = dig[k];
    }
    sl_buf_append(out, o, (size_t)n);
    return;
  }
  o[n++] = dig[0];
  o[n++] = '.';
  if (nd > 1)
    for (int k = 1; k < nd; k++) o[n++] = dig[k];
  else
    o[n++] = '0';
  n += snprintf(o + n, sizeof o - (size_t)n, "E%d", exp);
  sl_buf_append(out, o, (size_t)n);
}

/* ---------------- BigDecimal ---------------- */

bool sl_bigdec_parse(const char *s, size_t n, sl_bigdec_t *out) {
  size_t i = 0;
  out->neg = false;
  out->ndigits = 0;
  out->scale = 0;
  if (n == 0) return false;
  if (s[0] == '+' || s[0] == '-') out->neg = s[i++] == '-';
  int frac = 0, seen = 0;
  bool point = false;
  for (; i < n; i++) {
    char c = s[i];
    if (is_digit(c)) {
      seen++;
      if (point) frac++;
      if (out->ndigits == 0 && c == '0') continue; /* leading zero */
      if (out->ndigits >= SL_BIGDEC_MAX) return false;
      out->digits[out->ndigits++] = c;
    } else if (c == '.' && !point) {
      point = true;
    } else {
      break;
    }
  }
  if (seen == 0) return false;
  int64_t exp = 0;
  if (i < n) {
    if (s[i] != 'e' && s[i] != 'E') return false;
    i++;
    bool eneg = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
    if (i >= n) return false;
    for (; i < n; i++) {
      if (!is_digit(s[i])) return false;
      exp = exp * 10 + (s[i] - '0');
      if (exp > 1000000000) return false; /* BigDecimal's scale is an int */
    }
    if (eneg) exp = -exp;
  }
  out->scale = (int32_t)(frac - exp);
  return true;
}

/* Lays out digits (no sign, no leading zeros; "0" for zero) with scale as
 * BigDecimal.toString (plain=false) or toPlainString (plain=true) would. */
static void put_digits_scaled(sl_buf_t *out, bool neg, const char *dig, int len, int64_t scale,
                              bool plain) {
  if (neg && !(len == 1 && dig[0] == '0')) sl_buf_putc(out, '-');
  if (scale == 0) {
    sl_buf_append(out, dig, (size_t)len);
    return;
  }
  int64_t adjusted = -scale + (len - 1);
  if (plain || (scale > 0 && adjusted >= -6)) {
    if (scale < 0) {
      sl_buf_append(out, dig, (size_t)len);
      if (!(len == 1 && dig[0] == '0'))
        for (int64_t k = 0; k < -scale; k++) sl_buf_putc(out, '0');
      return;
    }
    if (len > scale) {
      sl_buf_append(out, dig, (size_t)(len - scale));
      sl_buf_putc(out, '.');
      sl_buf_append(out, dig + (len - scale), (size_t)scale);
    } else {
      sl_buf_puts(out, "0.");
      for (int64_t k = 0; k < scale - len; k++) sl_buf_putc(out, '0');
      sl_buf_append(out, dig, (size_t)len);
    }
    return;
  }
  sl_buf_putc(out, dig[0]);
  if (len > 1) {
    sl_buf_putc(out, '.');
    sl_buf_append(out, dig + 1, (size_t)(len - 1));
  }
  sl_buf_printf(out, "E%s%lld", adjusted >= 0 ? "+" : "", (long long)adjusted);
}

void sl_bigdec_to_string(const sl_bigdec_t *b, sl_buf_t *out) {
  if (b->ndigits == 0)
    put_digits_scaled(out, false, "0", 1, b->scale, false);
  else
    put_digits_scaled(out, b->neg, b->digits, b->ndigits, b->scale, false);
}

static void bigdec_to_plain(const sl_bigdec_t *b, sl_buf_t *out) {
  if (b->ndigits == 0)
    put_digits_scaled(out, false, "0", 1, b->scale, true);
  else
    put_digits_scaled(out, b->neg, b->digits, b->ndigits, b->scale, true);
}

int sl_bigdec_fit(const sl_bigdec_t *b, int precision, int scale, sl_decimal_t *out,
                  sl_error_t *err) {
  int64_t intdigits = b->ndigits == 0 ? 0 : (int64_t)b->ndigits - b->scale;
  if (intdigits > precision - scale) {
    sl_buf_t t;
    sl_buf_init(&t);
    bigdec_to_plain(b, &t);
    sl_error_set(err, SL_ESERDE, -1,
                 "Numeric field overflow: A field with precision %d and scale %d must round to "
                 "an absolute value less than 10^%d. Got %s",
                 precision, scale, precision - scale, t.data);
    sl_buf_free(&t);
    return SL_ESERDE;
  }
  int keep = b->ndigits;
  if (b->scale > scale) {
    int64_t drop = (int64_t)b->scale - scale;
    if (drop > b->ndigits) drop = b->ndigits;
    for (int64_t k = b->ndigits - drop; k < b->ndigits; k++) {
      if (b->digits[k] != '0') {
        sl_buf_t t;
        sl_buf_init(&t);
        bigdec_to_plain(b, &t);
        sl_error_set(err, SL_ESERDE, -1,
                     "Cannot fit decimal '%s' into DECIMAL(%d, %d) without rounding.", t.data,
                     precision, scale);
        sl_buf_free(&t);
        return SL_ESERDE;
      }
    }
    keep = b->ndigits - (int)drop;
  }
  __int128 u = 0;
  for (int k = 0; k < keep; k++) u = u * 10 + (b->digits[k] - '0');
  if (b->scale < scale)
    for (int64_t k = b->scale; k < scale && u != 0; k++) u *= 10;
  out->unscaled = b->neg ? -u : u;
  out->scale = scale;
  return 0;
}

uint64_t sl_bigdec_low64(const sl_bigdec_t *b) {
  int64_t intlen = (int64_t)b->ndigits - b->scale;
  if (b->ndigits == 0 || intlen <= 0) return 0;
  uint64_t v = 0;
  int64_t take = intlen < b->ndigits ? intlen : b->ndigits;
  for (int64_t k = 0; k < take; k++) v = v * 10 + (uint64_t)(b->digits[k] - '0');
  /* 10^64 is a multiple of 2^64: more zeros than that leave 0 behind. */
  for (int64_t k = take; k < intlen && k < take + 64; k++) v *= 10;
  if (intlen - take >= 64) v = 0;
  return b->neg ? 0 - v : v;
}

/* ---------------- DECIMAL values ---------------- */

void sl_serde_put_decimal(sl_buf_t *out, __int128 unscaled, int scale, bool plain) {
  char tmp[48];
  int p = sizeof tmp;
  unsigned __int128 u = unscaled < 0 ? -(unsigned __int128)unscaled : (unsigned __int128)unscaled;
  do {
    tmp[--p] = (char)('0' + (int)(u % 10));
    u /= 10;
  } while (u);
  put_digits_scaled(out, unscaled < 0, tmp + p, (int)sizeof tmp - p, scale, plain);
}

sl_decimal_t sl_serde_decimal_for(const sl_value_t *v, const sl_type_t *t) {
  sl_decimal_t d = v->u.dec;
  if (t && t->kind == SL_T_DECIMAL && d.scale != t->scale) {
    sl_decimal_t r;
    if (sl_decimal_rescale(&d, t->precision, t->scale, &r) == 0) return r;
  }
  return d;
}

/* ---------------- UTF-8 ---------------- */

/* Length of the valid sequence starting at p (0 if malformed); *bad_len is
 * how many bytes one replacement character stands for. */
static int utf8_seq(const unsigned char *p, size_t n, int *bad_len) {
  unsigned c = p[0];
  int need;
  unsigned lo = 0x80, hi = 0xBF;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF)
    need = 1;
  else if (c == 0xE0)
    need = 2, lo = 0xA0;
  else if (c >= 0xE1 && c <= 0xEC)
    need = 2;
  else if (c == 0xED)
    need = 2, hi = 0x9F;
  else if (c >= 0xEE && c <= 0xEF)
    need = 2;
  else if (c == 0xF0)
    need = 3, lo = 0x90;
  else if (c >= 0xF1 && c <= 0xF3)
    need = 3;
  else if (c == 0xF4)
    need = 3, hi = 0x8F;
  else {
    *bad_len = 1;
    return 0;
  }
  size_t k = 1;
  for (; k <= (size_t)need; k++) {
    if (k >= n) break;
    unsigned b = p[k];
    unsigned l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
    if (b < l || b > h) break;
  }
  if (k == (size_t)need + 1) return need + 1;
  *bad_len = (int)k;
  return 0;
}

const char *sl_serde_utf8_copy(sl_arena_t *a, const char *p, size_t n, uint32_t *out_len) {
  const unsigned char *u = (const unsigned char *)p;
  size_t i = 0;
  int bad = 0;
  while (i < n) {
    if (u[i] < 0x80) {
      i++;
      continue;
    }
    int l = utf8_seq(u + i, n - i, &bad);
    if (!l) break;
    i += (size_t)l;
  }
  if (i == n) {
    *out_len = (uint32_t)n;
    return n ? sl_arena_memdup(a, p, n) : "";
  }
  /* Slow path: each malformed part becomes EF BF BD (3 bytes for at most 1). */
  char *dst = sl_arena_alloc(a, n * 3 + 1);
  memcpy(dst, p, i);
  size_t o = i;
  while (i < n) {
    int l = u[i] < 0x80 ? 1 : utf8_seq(u + i, n - i, &bad);
    if (l) {
      memcpy(dst + o, p + i, (size_t)l);
      o += (size_t)l;
      i += (size_t)l;
    } else {
      memcpy(dst + o, "\xEF\xBF\xBD", 3);
      o += 3;
      i += (size_t)bad;
    }
  }
  *out_len = (uint32_t)o;
  return dst;
}

/* ---------------- messages ---------------- */

void sl_serde_put_columns(sl_buf_t *out, const sl_column_t *cols, int n, bool is_key) {
  for (int i = 0; i < n; i++) {
    if (i) sl_buf_puts(out, ", ");
    sl_buf_printf(out, "`%s` ", cols[i].name);
    sl_type_format(cols[i].type, out);
    if (is_key) sl_buf_puts(out, " KEY");
  }
}
