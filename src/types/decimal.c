/*
 * decimal.c - fixed-point DECIMAL arithmetic on a 128-bit unscaled integer and
 * a scale, which covers ksqlDB's maximum precision of 38 digits. Parsing keeps
 * the written scale (as Java's BigDecimal does), formatting is plain notation,
 * and rescaling rounds HALF_UP, the rounding ksqlDB uses everywhere.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/types.h"

/* 10^0 .. 10^38 as __int128, filled before main() so worker threads only read it. */
static __int128 pow10_tab[39];

__attribute__((constructor)) static void pow10_init(void) {
  __int128 p = 1;
  for (int i = 0; i < 39; i++) {
    pow10_tab[i] = p;
    if (i < 38) p *= 10;
  }
}

__int128 sl_decimal_pow10(int n) {
  return n >= 0 && n <= 38 ? pow10_tab[n] : 0;
}

/* Number of decimal digits in |v| (0 has one digit, as BigDecimal's precision). */
int sl_decimal_digits(__int128 v) {
  unsigned __int128 u = v < 0 ? -(unsigned __int128)v : (unsigned __int128)v;
  int d = 1;
  while (u >= 10) {
    u /= 10;
    d++;
  }
  return d;
}

int sl_decimal_parse(const char *s, size_t n, sl_decimal_t *out) {
  size_t i = 0;
  while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
  while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
    n--;
  bool neg = false;
  if (i < n && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  unsigned __int128 u = 0;
  int digits = 0, scale = 0;
  bool seen_point = false, any = false;
  const unsigned __int128 limit = (unsigned __int128)sl_decimal_pow10(38) * 10;
  for (; i < n; i++) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      any = true;
      if (u == 0 && c == '0') {
        /* leading zeros do not count towards precision */
      } else {
        digits++;
      }
      if (digits > 39) return SL_EEVAL;
      u = u * 10 + (unsigned)(c - '0');
      if (u >= limit) return SL_EEVAL;
      if (seen_point) scale++;
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (!any) return SL_EEVAL;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    bool eneg = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
    if (i >= n) return SL_EEVAL;
    long e = 0;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
      e = e * 10 + (s[i] - '0');
      if (e > 1000) return SL_EEVAL;
    }
    scale += (int)(eneg ? e : -e);
  }
  if (i != n) return SL_EEVAL;
  /* A negative scale (1E+3) is expanded: sluice keeps scales >= 0. */
  while (scale < 0) {
    u *= 10;
    if (u >= limit) return SL_EEVAL;
    scale++;
  }
  if (scale > 38) return SL_EEVAL;
  out->unscaled = neg ? -(__int128)u : (__int128)u;
  out->scale = scale;
  return 0;
}

/* Writes the digits of |v| into buf backwards, returns the start. */
static char *u128_digits(unsigned __int128 u, char *end) {
  char *p = end;
  do {
    *--p = (char)('0' + (int)(u % 10));
    u /= 10;
  } while (u);
  return p;
}

void sl_decimal_format(const sl_decimal_t *d, sl_buf_t *out) {
  char buf[64];
  bool neg = d->unscaled < 0;
  unsigned __int128 u = neg ? -(unsigned __int128)d->unscaled : (unsigned __int128)d->unscaled;
  char *end = buf + sizeof buf;
  char *p = u128_digits(u, end);
  int nd = (int)(end - p);
  if (neg) sl_buf_putc(out, '-');
  if (d->scale <= 0) {
    sl_buf_append(out, p, (size_t)nd);
    for (int i = 0; i < -d->scale; i++) sl_buf_putc(out, '0');
    return;
  }
  if (nd <= d->scale) {
    sl_buf_puts(out, "0.");
    for (int i = 0; i < d->scale - nd; i++) sl_buf_putc(out, '0');
    sl_buf_append(out, p, (size_t)nd);
  } else {
    sl_buf_append(out, p, (size_t)(nd - d->scale));
    sl_buf_putc(out, '.');
    sl_buf_append(out, p + nd - d->scale, (size_t)d->scale);
  }
}

/* Divides v by 10^k rounding HALF_UP (ties away from zero). */
__int128 sl_decimal_div_pow10_half_up(__int128 v, int k) {
  if (k <= 0) return v;
  if (k > 38) return 0;
  __int128 p = sl_decimal_pow10(k);
  __int128 q = v / p, r = v % p;
  if (r < 0) r = -r;
  if (r * 2 >= p) q += v < 0 ? -1 : 1;
  return q;
}

int sl_decimal_rescale(const sl_decimal_t *in, int precision, int scale, sl_decimal_t *out) {
  __int128 v = in->unscaled;
  if (scale > in->scale) {
    int k = scale - in->scale;
    if (k > 38) return v == 0 ? (out->unscaled = 0, out->scale = scale, 0) : SL_EEVAL;
    __int128 p = sl_decimal_pow10(k);
    __int128 r;
    if (__builtin_mul_overflow(v, p, &r)) return SL_EEVAL;
    v = r;
  } else if (scale < in->scale) {
    v = sl_decimal_div_pow10_half_up(v, in->scale - scale);
  }
  if (precision > 0 && precision <= 38) {
    __int128 lim = sl_decimal_pow10(precision);
    if (v >= lim || v <= -lim) return SL_EEVAL;
  }
  out->unscaled = v;
  out->scale = scale;
  return 0;
}

double sl_decimal_to_double(const sl_decimal_t *d) {
  static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                               1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                               1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  __int128 v = d->unscaled;
  const __int128 exact = (__int128)1 << 53;
  /* Both operands exact: one correctly rounded division. */
  if (v < exact && v > -exact && d->scale >= 0 && d->scale <= 22)
    return (double)(int64_t)v / p10[d->scale];
  sl_buf_t b;
  sl_buf_init(&b);
  sl_decimal_format(d, &b);
  double r = strtod(b.data, NULL);
  sl_buf_free(&b);
  return r;
}
