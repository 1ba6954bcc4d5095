/*
 * datetime.c - DATE, TIME and TIMESTAMP text in ksqlDB's default ISO forms,
 * plus Java's Double.toString spelling of doubles (the text every ksqlDB
 * output of a DOUBLE shows). Calendar arithmetic is the proleptic Gregorian
 * calendar in UTC, done with integer day counts so it works for any year.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/types.h"

/* Days since 1970-01-01 for a civil date (month 1..12). */
int64_t sl_days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/* Civil date for a day count. */
void sl_civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t yy = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yy + (*m <= 2);
}

static int64_t floordiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
  return q;
}

static void put_year(int64_t y, sl_buf_t *out) {
  /* Java prints years beyond 9999 with a leading '+'. */
  if (y > 9999)
    sl_buf_printf(out, "+%lld", (long long)y);
  else if (y < 0)
    sl_buf_printf(out, "-%04lld", (long long)-y);
  else
    sl_buf_printf(out, "%04lld", (long long)y);
}

void sl_format_date(int32_t days, sl_buf_t *out) {
  int64_t y;
  int m, d;
  sl_civil_from_days(days, &y, &m, &d);
  put_year(y, out);
  sl_buf_printf(out, "-%02d-%02d", m, d);
}

void sl_format_timestamp(int64_t ms, sl_buf_t *out) {
  int64_t days = floordiv(ms, 86400000);
  int64_t rem = ms - days * 86400000;
  sl_format_date((int32_t)days, out);
  sl_buf_printf(out, "T%02d:%02d:%02d.%03d", (int)(rem / 3600000), (int)(rem / 60000 % 60),
                (int)(rem / 1000 % 60), (int)(rem % 1000));
}

void sl_format_time(int32_t ms, sl_buf_t *out) {
  sl_buf_printf(out, "%02d:%02d:%02d", ms / 3600000, ms / 60000 % 60, ms / 1000 % 60);
  int f = ms % 1000;
  if (f) {
    char frac[8];
    snprintf(frac, sizeof frac, "%03d", f);
    int n = 3;
    while (n > 0 && frac[n - 1] == '0') n--;
    sl_buf_putc(out, '.');
    sl_buf_append(out, frac, (size_t)n);
  }
}

/* Reads exactly w digits at s[*i]. */
static bool digits(const char *s, size_t n, size_t *i, int w, int *v) {
  int r = 0;
  for (int k = 0; k < w; k++) {
    if (*i >= n || s[*i] < '0' || s[*i] > '9') return false;
    r = r * 10 + (s[(*i)++] - '0');
  }
  *v = r;
  return true;
}

static bool parse_date_part(const char *s, size_t n, size_t *i, int64_t *days) {
  int y, m, d;
  bool neg = false;
  if (*i < n && (s[*i] == '-' || s[*i] == '+')) neg = s[(*i)++] == '-';
  if (!digits(s, n, i, 4, &y)) return false;
  while (*i < n && s[*i] >= '0' && s[*i] <= '9' && y < 100000000) y = y * 10 + (s[(*i)++] - '0');
  if (neg) y = -y;
  if (*i >= n || s[(*i)++] != '-' || !digits(s, n, i, 2, &m)) return false;
  if (*i >= n || s[(*i)++] != '-' || !digits(s, n, i, 2, &d)) return false;
  if (m < 1 || m > 12 || d < 1) return false;
  static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (d > mdays[m - 1]) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (m == 2 && d == 29 && !leap) return false;
  *days = sl_days_from_civil(y, m, d);
  return true;
}

/* HH[:mm[:ss[.fff...]]]; at least hours and minutes when require_minutes. */
static bool parse_time_part(const char *s, size_t n, size_t *i, bool require_minutes, int64_t *ms) {
  int h, mi = 0, se = 0;
  int64_t frac = 0;
  if (!digits(s, n, i, 2, &h) || h > 23) return false;
  if (*i < n && s[*i] == ':') {
    (*i)++;
    if (!digits(s, n, i, 2, &mi) || mi > 59) return false;
    if (*i < n && s[*i] == ':') {
      (*i)++;
      if (!digits(s, n, i, 2, &se) || se > 59) return false;
      if (*i < n && s[*i] == '.') {
        (*i)++;
        int nd = 0;
        while (*i < n && s[*i] >= '0' && s[*i] <= '9') {
          if (nd < 3) frac = frac * 10 + (s[*i] - '0');
          nd++;
          (*i)++;
        }
        if (nd == 0 || nd > 9) return false;
        for (int k = nd; k < 3; k++) frac *= 10;
      }
    }
  } else if (require_minutes) {
    return false;
  }
  *ms = ((int64_t)h * 3600 + mi * 60 + se) * 1000 + frac;
  return true;
}

/* Z, +HH, +HH:mm, +HHmm; returns the offset in ms to subtract. */
static bool parse_zone(const char *s, size_t n, size_t *i, int64_t *off) {
  *off = 0;
  if (*i >= n) return true;
  if (s[*i] == 'Z' || s[*i] == 'z') {
    (*i)++;
    return true;
  }
  if (s[*i] != '+' && s[*i] != '-') return false;
  int sign = s[(*i)++] == '-' ? -1 : 1;
  int h, m = 0;
  if (!digits(s, n, i, 2, &h)) return false;
  if (*i < n && s[*i] == ':') (*i)++;
  if (*i < n && !digits(s, n, i, 2, &m)) return false;
  *off = sign * ((int64_t)h * 3600000 + (int64_t)m * 60000);
  return true;
}

static void trim(const char **s, size_t *n) {
  while (*n && (**s == ' ' || **s == '\t')) (*s)++, (*n)--;
  while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t')) (*n)--;
}

int sl_parse_timestamp(const char *s, size_t n, int64_t *ms) {
  trim(&s, &n);
  size_t i = 0;
  int64_t days, t = 0, off = 0;
  if (!parse_date_part(s, n, &i, &days)) return SL_EEVAL;
  if (i < n && (s[i] == 'T' || s[i] == ' ')) {
    i++;
    if (!parse_time_part(s, n, &i, false, &t)) return SL_EEVAL;
  }
  if (!parse_zone(s, n, &i, &off) || i != n) return SL_EEVAL;
  *ms = days * 86400000 + t - off;
  return 0;
}

int sl_parse_date(const char *s, size_t n, int32_t *days) {
  trim(&s, &n);
  size_t i = 0;
  int64_t d;
  if (!parse_date_part(s, n, &i, &d) || i != n) return SL_EEVAL;
  *days = (int32_t)d;
  return 0;
}

int sl_parse_time(const char *s, size_t n, int32_t *ms) {
  trim(&s, &n);
  size_t i = 0;
  int64_t t;
  if (!parse_time_part(s, n, &i, true, &t) || i != n) return SL_EEVAL;
  *ms = (int32_t)t;
  return 0;
}

/* Shortest digits that read back as d, then laid out as Java does: plain for
 * 1e-3 <= |d| < 1e7, otherwise d.dddE[-]x; always at least one fraction digit. */
void sl_format_double(double d, sl_buf_t *out) {
  if (isnan(d)) {
    sl_buf_puts(out, "NaN");
    return;
  }
  if (isinf(d)) {
    sl_buf_puts(out, d > 0 ? "Infinity" : "-Infinity");
    return;
  }
  if (d == 0) {
    sl_buf_puts(out, signbit(d) ? "-0.0" : "0.0");
    return;
  }
  char tmp[40];
  int prec;
  for (prec = 1; prec <= 17; prec++) {
    snprintf(tmp, sizeof tmp, "%.*e", prec - 1, d);
    if (strtod(tmp, NULL) == d) break;
  }
  /* tmp is [-]D[.DDD]e[+-]XX: collect the digits and exponent. */
  char dig[24];
  int nd = 0;
  const char *p = tmp;
  bool neg = false;
  if (*p == '-') neg = true, p++;
  for (; *p && *p != 'e'; p++)
    if (*p != '.') dig[nd++] = *p;
  int exp = atoi(p + 1);
  while (nd > 1 && dig[nd - 1] == '0') nd--;
  if (neg) sl_buf_putc(out, '-');
  double a = fabs(d);
  if (a >= 1e-3 && a < 1e7) {
    if (exp >= 0) {
      for (int k = 0; k <= exp; k++) sl_buf_putc(out, k < nd ? dig[k] : '0');
      sl_buf_putc(out, '.');
      if (nd > exp + 1)
        sl_buf_append(out, dig + exp + 1, (size_t)(nd - exp - 1));
      else
        sl_buf_putc(out, '0');
    } else {
      sl_buf_puts(out, "0.");
      for (int k = 0; k < -exp - 1; k++) sl_buf_putc(out, '0');
      sl_buf_append(out, dig, (size_t)nd);
    }
  } else {
    sl_buf_putc(out, dig[0]);
    sl_buf_putc(out, '.');
    if (nd > 1)
      sl_buf_append(out, dig + 1, (size_t)(nd - 1));
    else
      sl_buf_putc(out, '0');
    sl_buf_printf(out, "E%d", exp);
  }
}
