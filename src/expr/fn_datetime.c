/*
 * fn_datetime.c - DATE / TIME / TIMESTAMP functions, including the ones that
 * take Java DateTimeFormatter patterns ('yyyy-MM-dd HH:mm:ss.SSS'). The
 * pattern engine below formats and parses the common pattern letters
 * (y u M d D H k h K m s S a E X x Z z V and quoted literals). Time zones are
 * UTC, GMT, Z, fixed offsets such as +02:00 / GMT+2, or tz database regions
 * such as America/Los_Angeles (read from the system's zoneinfo files, with
 * their daylight-saving rules); an unknown zone is a run-time error. The
 * time-unit functions (DATEADD, TIMESTAMPSUB ...) live here too: their
 * first argument is a bare unit (DAYS), compiled to sl_type_time_unit.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr_int.h"

#define DAY_MS 86400000LL

static int64_t floordiv64(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
  return q;
}

/* ---------------- zones ---------------- */

/* Parses a zone id into an offset in ms east of UTC; false if unsupported. */
static bool parse_zone_id(const char *s, size_t n, int64_t *off) {
  char z[64];
  if (n >= sizeof z) return false;
  memcpy(z, s, n);
  z[n] = 0;
  const char *p = z;
  if (strcasecmp(p, "UTC") == 0 || strcasecmp(p, "GMT") == 0 || strcmp(p, "Z") == 0 ||
      strcasecmp(p, "UT") == 0) {
    *off = 0;
    return true;
  }
  if (strncasecmp(p, "UTC", 3) == 0 || strncasecmp(p, "GMT", 3) == 0)
    p += 3;
  else if (strncasecmp(p, "UT", 2) == 0)
    p += 2;
  if (*p != '+' && *p != '-') return false;
  int sign = *p++ == '-' ? -1 : 1;
  int h = 0, m = 0, nd = 0;
  while (isdigit((unsigned char)*p) && nd < 2) h = h * 10 + (*p++ - '0'), nd++;
  if (nd == 0) return false;
  if (*p == ':') p++;
  nd = 0;
  while (isdigit((unsigned char)*p) && nd < 2) m = m * 10 + (*p++ - '0'), nd++;
  if (*p || h > 18 || m > 59) return false;
  *off = sign * ((int64_t)h * 3600000 + (int64_t)m * 60000);
  return true;
}

/* ---------------- named zones (tz database) ----------------
 * Region ids such as America/Los_Angeles are read from the system's tz
 * database (TZif files under /usr/share/zoneinfo, RFC 8536): the transition
 * table covers the past, the POSIX TZ rule in the file's footer covers every
 * instant after the last transition. Each zone is loaded once and kept for
 * the life of the process in a list guarded by a mutex, so worker threads
 * share it without touching the process-wide TZ variable. */

typedef struct {
  int32_t utoff; /* seconds east of UTC */
  bool isdst;
  char abbr[12];
} tz_type_t;

/* One POSIX TZ rule date: Mm.w.d (kind 'M'), Jn (kind 'J') or n (kind 'N'),
 * plus the local time of day (seconds) the change happens at. */
typedef struct {
  char kind;
  int m, w, d;
  int32_t secs;
} tz_rule_date_t;

typedef struct {
  bool present;
  tz_type_t std, dst;
  bool has_dst;
  tz_rule_date_t start, end;
} tz_rule_t;

typedef struct sl_tzinfo {
  char *name;
  int64_t *times; /* transition instants, seconds since the epoch */
  uint8_t *idx;   /* type index in effect from times[i] */
  int ntimes;
  tz_type_t *types;
  int ntypes;
  tz_rule_t rule; /* after the last transition */
  struct sl_tzinfo *next;
} tzinfo_t;

static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;
static tzinfo_t *tz_loaded;

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p) {
  return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* Parses "[+-]hh[:mm[:ss]]" of a POSIX TZ string (seconds, west positive). */
static const char *tz_rule_time(const char *p, int32_t *secs) {
  int sign = 1;
  if (*p == '+' || *p == '-') sign = *p++ == '-' ? -1 : 1;
  if (!isdigit((unsigned char)*p)) return NULL;
  int32_t v[3] = {0, 0, 0};
  for (int k = 0; k < 3; k++) {
    while (isdigit((unsigned char)*p)) v[k] = v[k] * 10 + (*p++ - '0');
    if (k < 2 && *p == ':' && isdigit((unsigned char)p[1]))
      p++;
    else
      break;
  }
  *secs = sign * (v[0] * 3600 + v[1] * 60 + v[2]);
  return p;
}

static const char *tz_rule_name(const char *p, char *out, size_t cap) {
  size_t k = 0;
  if (*p == '<') {
    p++;
    while (*p && *p != '>') {
      if (k + 1 < cap) out[k++] = *p;
      p++;
    }
    if (*p != '>') return NULL;
    p++;
  } else {
    while (isalpha((unsigned char)*p)) {
      if (k + 1 < cap) out[k++] = *p;
      p++;
    }
  }
  out[k] = 0;
  return k >= 3 ? p : NULL;
}

static const char *tz_rule_date(const char *p, tz_rule_date_t *d) {
  memset(d, 0, sizeof *d);
  d->secs = 7200;
  if (*p == 'M') {
    d->kind = 'M';
    if (sscanf(p + 1, "%d.%d.%d", &d->m, &d->w, &d->d) != 3) return NULL;
    p++;
    while (isdigit((unsigned char)*p) || *p == '.') p++;
  } else {
    d->kind = 'N';
    if (*p == 'J') d->kind = 'J', p++;
    if (!isdigit((unsigned char)*p)) return NULL;
    while (isdigit((unsigned char)*p)) d->d = d->d * 10 + (*p++ - '0');
  }
  if (*p == '/') {
    p = tz_rule_time(p + 1, &d->secs);
    if (!p) return NULL;
  }
  return p;
}

static bool tz_rule_parse(const char *s, tz_rule_t *r) {
  memset(r, 0, sizeof *r);
  int32_t off;
  const char *p = tz_rule_name(s, r->std.abbr, sizeof r->std.abbr);
  if (!p || !(p = tz_rule_time(p, &off))) return false;
  r->std.utoff = -off;
  r->present = true;
  if (!*p) return true;
  if (!(p = tz_rule_name(p, r->dst.abbr, sizeof r->dst.abbr))) return false;
  r->dst.isdst = true;
  r->dst.utoff = r->std.utoff + 3600;
  if (*p && *p != ',') {
    if (!(p = tz_rule_time(p, &off))) return false;
    r->dst.utoff = -off;
  }
  if (*p != ',' || !(p = tz_rule_date(p + 1, &r->start)) || *p != ',' ||
      !(p = tz_rule_date(p + 1, &r->end)))
    return false;
  r->has_dst = true;
  return true;
}

static bool is_leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Local seconds since the epoch at which rule date d happens in year y. */
static int64_t tz_rule_local(const tz_rule_date_t *d, int64_t y) {
  int64_t days;
  if (d->kind == 'M') {
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int mlen = mdays[d->m - 1] + (d->m == 2 && is_leap(y) ? 1 : 0);
    int64_t first = sl_days_from_civil(y, d->m, 1);
    int wd = (int)(((first + 4) % 7 + 7) % 7); /* 0 = Sunday */
    int day = 1 + (d->d - wd + 7) % 7 + (d->w - 1) * 7;
    while (day > mlen) day -= 7;
    days = first + day - 1;
  } else if (d->kind == 'J') {
    days = sl_days_from_civil(y, 1, 1) + d->d - 1 + (is_leap(y) && d->d >= 60 ? 1 : 0);
  } else {
    days = sl_days_from_civil(y, 1, 1) + d->d;
  }
  return days * 86400 + d->secs;
}

static const tz_type_t *tz_rule_type(const tz_rule_t *r, int64_t t) {
  if (!r->has_dst) return &r->std;
  int64_t y, days = (t + r->std.utoff) / 86400 - ((t + r->std.utoff) % 86400 < 0);
  int m, d;
  sl_civil_from_days(days, &y, &m, &d);
  /* The start is written in standard time, the end in daylight time. */
  int64_t start = tz_rule_local(&r->start, y) - r->std.utoff;
  int64_t end = tz_rule_local(&r->end, y) - r->dst.utoff;
  bool in_dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
  return in_dst ? &r->dst : &r->std;
}

/* Reads one TZif file; NULL if missing or malformed. */
static tzinfo_t *tz_read(const char *name) {
  char path[512];
  snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", name);
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  unsigned char *buf = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    if (len == cap) {
      cap = cap ? cap * 2 : 8192;
      if (cap > (1u << 22)) break;
      buf = sl_xrealloc(buf, cap);
    }
    size_t k = fread(buf + len, 1, cap - len, f);
    if (k == 0) break;
    len += k;
  }
  fclose(f);
  tzinfo_t *z = NULL;
  if (len < 44 || memcmp(buf, "TZif", 4) != 0) goto out;
  const unsigned char *h = buf;
  bool v2 = buf[4] >= '2';
  size_t tsize = 4;
  for (int pass = 0; pass < (v2 ? 2 : 1); pass++) {
    uint32_t isutcnt = be32(h + 20), isstdcnt = be32(h + 24), leapcnt = be32(h + 28),
             timecnt = be32(h + 32), typecnt = be32(h + 36), charcnt = be32(h + 40);
    size_t body = timecnt * tsize + timecnt + typecnt * 6 + charcnt + leapcnt * (tsize + 4) +
                  isstdcnt + isutcnt;
    if ((size_t)(h - buf) + 44 + body > len || typecnt == 0) goto out;
    if (v2 && pass == 0) {
      h += 44 + body;
      tsize = 8;
      if ((size_t)(h - buf) + 44 > len || memcmp(h, "TZif", 4) != 0) goto out;
      continue;
    }
    const unsigned char *p = h + 44;
    z = sl_xcalloc(1, sizeof *z);
    z->ntimes = (int)timecnt;
    z->ntypes = (int)typecnt;
    z->times = sl_xmalloc(sizeof *z->times * (timecnt + 1));
    z->idx = sl_xmalloc(timecnt + 1);
    z->types = sl_xcalloc(typecnt, sizeof *z->types);
    for (uint32_t i = 0; i < timecnt; i++, p += tsize)
      z->times[i] = tsize == 8 ? be64(p) : (int32_t)be32(p);
    for (uint32_t i = 0; i < timecnt; i++) z->idx[i] = *p++ < typecnt ? p[-1] : 0;
    const unsigned char *abbrs = p + typecnt * 6;
    for (uint32_t i = 0; i < typecnt; i++, p += 6) {
      z->types[i].utoff = (int32_t)be32(p);
      z->types[i].isdst = p[4] != 0;
      if (p[5] < charcnt)
        snprintf(z->types[i].abbr, sizeof z->types[i].abbr, "%.*s", (int)(charcnt - p[5]),
                 (const char *)abbrs + p[5]);
    }
    const unsigned char *foot = h + 44 + body;
    if (v2 && (size_t)(foot - buf) + 2 <= len && foot[0] == '\n') {
      const unsigned char *e = memchr(foot + 1, '\n', len - (size_t)(foot + 1 - buf));
      if (e && e > foot + 1) {
        char rule[128];
        snprintf(rule, sizeof rule, "%.*s", (int)(e - foot - 1), (const char *)foot + 1);
        tz_rule_parse(rule, &z->rule);
      }
    }
  }
out:
  free(buf);
  return z;
}

/* True for ids shaped like tz database names (no path tricks). */
static bool tz_name_ok(const char *s, size_t n) {
  if (n == 0 || n > 64 || !isalpha((unsigned char)s[0])) return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!(isalnum((unsigned char)c) || c == '/' || c == '_' || c == '-' || c == '+' || c == '.'))
      return false;
    if (c == '.' && i + 1 < n && s[i + 1] == '.') return false;
  }
  return true;
}

static const tzinfo_t *tz_find(const char *s, size_t n) {
  if (!tz_name_ok(s, n)) return NULL;
  pthread_mutex_lock(&tz_lock);
  tzinfo_t *z;
  for (z = tz_loaded; z; z = z->next)
    if (strlen(z->name) == n && memcmp(z->name, s, n) == 0) break;
  if (!z) {
    char name[72];
    memcpy(name, s, n);
    name[n] = 0;
    z = tz_read(name);
    if (z) {
      z->name = sl_xmalloc(n + 1);
      memcpy(z->name, name, n + 1);
      z->next = tz_loaded;
      tz_loaded = z;
    }
  }
  pthread_mutex_unlock(&tz_lock);
  return z;
}

/* The type in effect at UTC instant t (seconds). */
static const tz_type_t *tz_type_at(const tzinfo_t *z, int64_t t) {
  if (z->ntimes == 0 || t < z->times[0]) {
    if (z->ntimes == 0 && z->rule.present) return tz_rule_type(&z->rule, t);
    return &z->types[0];
  }
  if (t >= z->times[z->ntimes - 1] && z->rule.present) return tz_rule_type(&z->rule, t);
  int lo = 0, hi = z->ntimes - 1;
  while (lo < hi) {
    int mid = (lo + hi + 1) / 2;
    if (z->times[mid] <= t)
      lo = mid;
    else
      hi = mid - 1;
  }
  return &z->types[z->idx[lo]];
}

/* A resolved zone: a fixed offset, or a tz database region. */
typedef struct {
  int64_t fixed_ms;
  const tzinfo_t *tz;
} zone_t;

static const zone_t ZONE_UTC = {0, NULL};

static bool zone_lookup(const char *s, size_t n, zone_t *z) {
  z->tz = NULL;
  z->fixed_ms = 0;
  if (parse_zone_id(s, n, &z->fixed_ms)) return true;
  z->tz = tz_find(s, n);
  return z->tz != NULL;
}

/* Offset (ms east of UTC) at UTC instant ms; *abbr gets the short name. */
static int64_t zone_offset_utc(const zone_t *z, int64_t ms, const char **abbr) {
  if (abbr) *abbr = NULL;
  if (!z->tz) return z->fixed_ms;
  const tz_type_t *t = tz_type_at(z->tz, floordiv64(ms, 1000));
  if (abbr) *abbr = t->abbr;
  return (int64_t)t->utoff * 1000;
}

/* Offset to subtract from local wall-clock ms to get UTC, resolving gaps
 * and overlaps as java.time does: in an overlap the earlier offset wins, in
 * a gap the time moves forward by the length of the gap. */
static int64_t zone_offset_local(const zone_t *z, int64_t local) {
  if (!z->tz) return z->fixed_ms;
  int64_t before = zone_offset_utc(z, local - DAY_MS, NULL);
  int64_t after = zone_offset_utc(z, local + DAY_MS, NULL);
  if (zone_offset_utc(z, local - before, NULL) == before) return before;
  if (zone_offset_utc(z, local - after, NULL) == after) return after;
  return before;
}

/* ---------------- broken-down time ---------------- */

typedef struct {
  int64_t year;
  int month, day, hour, minute, second, milli;
  int64_t offset_ms; /* zone offset used for formatting / found while parsing */
  bool offset_seen;  /* parsing: the text carried its own offset or zone */
  const char *abbr;  /* formatting: short zone name of a region (PST), or NULL */
  zone_t zone;       /* parsing: a region named in the text */
  bool zone_seen;
} dt_t;

static void dt_from_ms(int64_t ms, const zone_t *z, dt_t *t) {
  memset(t, 0, sizeof *t);
  const char *abbr;
  int64_t offset = zone_offset_utc(z, ms, &abbr);
  t->abbr = abbr;
  t->zone = *z;
  ms += offset;
  int64_t days = floordiv64(ms, DAY_MS), rem = ms - days * DAY_MS;
  sl_civil_from_days(days, &t->year, &t->month, &t->day);
  t->hour = (int)(rem / 3600000);
  t->minute = (int)(rem / 60000 % 60);
  t->second = (int)(rem / 1000 % 60);
  t->milli = (int)(rem % 1000);
  t->offset_ms = offset;
}

/* Wall-clock milliseconds of t as if it were UTC. */
static int64_t dt_local_ms(const dt_t *t) {
  return sl_days_from_civil(t->year, t->month, t->day) * DAY_MS + t->hour * 3600000LL +
         t->minute * 60000LL + t->second * 1000LL + t->milli;
}

static const char *const MONTHS[] = {"January",   "February", "March",    "April",
                                     "May",       "June",     "July",     "August",
                                     "September", "October",  "November", "December"};
static const char *const DAYS[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                   "Friday", "Saturday", "Sunday"};

/* ---------------- formatting ---------------- */

static void put_num(sl_buf_t *b, int64_t v, int width) {
  if (v < 0) {
    sl_buf_putc(b, '-');
    v = -v;
  }
  sl_buf_printf(b, "%0*lld", width, (long long)v);
}

static void put_offset(sl_buf_t *b, int64_t off, int count, bool z_for_zero, bool colon_default) {
  if (off == 0 && z_for_zero) {
    sl_buf_putc(b, 'Z');
    return;
  }
  int64_t a = off < 0 ? -off : off;
  int h = (int)(a / 3600000), m = (int)(a / 60000 % 60);
  sl_buf_putc(b, off < 0 ? '-' : '+');
  if (count == 1 && m == 0 && !colon_default)
    sl_buf_printf(b, "%02d", h);
  else if (count == 2 || (count == 1 && !colon_default))
    sl_buf_printf(b, "%02d%02d", h, m);
  else
    sl_buf_printf(b, "%02d:%02d", h, m);
}

/* Formats t with a Java pattern; false on an unknown pattern letter. */
static bool dt_format(const dt_t *t, const char *p, size_t n, sl_buf_t *b, char *bad) {
  for (size_t i = 0; i < n;) {
    char c = p[i];
    if (c == '\'') {
      size_t j = i + 1;
      if (j < n && p[j] == '\'') {
        sl_buf_putc(b, '\'');
        i += 2;
        continue;
      }
      while (j < n) {
        if (p[j] == '\'') {
          if (j + 1 < n && p[j + 1] == '\'') {
            sl_buf_putc(b, '\'');
            j += 2;
            continue;
          }
          break;
        }
        sl_buf_putc(b, p[j++]);
      }
      i = j + 1;
      continue;
    }
    if (!isalpha((unsigned char)c)) {
      sl_buf_putc(b, c);
      i++;
      continue;
    }
    int cnt = 0;
    while (i < n && p[i] == c) cnt++, i++;
    int64_t days = sl_days_from_civil(t->year, t->month, t->day);
    switch (c) {
      case 'y':
      case 'u':
        if (cnt == 2)
          put_num(b, ((t->year % 100) + 100) % 100, 2);
        else
          put_num(b, t->year, cnt < 4 ? cnt : cnt);
        break;
      case 'M':
      case 'L':
        if (cnt >= 4)
          sl_buf_puts(b, MONTHS[t->month - 1]);
        else if (cnt == 3)
          sl_buf_append(b, MONTHS[t->month - 1], 3);
        else
          put_num(b, t->month, cnt);
        break;
      case 'd': put_num(b, t->day, cnt); break;
      case 'D': put_num(b, days - sl_days_from_civil(t->year, 1, 1) + 1, cnt); break;
      case 'H': put_num(b, t->hour, cnt); break;
      case 'k': put_num(b, t->hour == 0 ? 24 : t->hour, cnt); break;
      case 'h': put_num(b, t->hour % 12 == 0 ? 12 : t->hour % 12, cnt); break;
      case 'K': put_num(b, t->hour % 12, cnt); break;
      case 'm': put_num(b, t->minute, cnt); break;
      case 's': put_num(b, t->second, cnt); break;
      case 'S': {
        char frac[10];
        snprintf(frac, sizeof frac, "%03d000000", t->milli);
        sl_buf_append(b, frac, (size_t)(cnt < 9 ? cnt : 9));
        break;
      }
      case 'a': sl_buf_puts(b, t->hour < 12 ? "AM" : "PM"); break;
      case 'E':
      case 'e': {
        int dow = (int)(((days % 7) + 7 + 3) % 7); /* 1970-01-01 was a Thursday */
        if (cnt >= 4)
          sl_buf_puts(b, DAYS[dow]);
        else
          sl_buf_append(b, DAYS[dow], 3);
        break;
      }
      case 'X': put_offset(b, t->offset_ms, cnt, true, cnt != 1 && cnt != 2); break;
      case 'x': put_offset(b, t->offset_ms, cnt, false, cnt != 1 && cnt != 2); break;
      case 'Z':
        if (cnt >= 4) {
          sl_buf_puts(b, "GMT");
          if (t->offset_ms) put_offset(b, t->offset_ms, 3, false, true);
        } else {
          put_offset(b, t->offset_ms, 2, false, false);
        }
        break;
      case 'z':
        if (t->abbr && t->abbr[0]) {
          sl_buf_puts(b, t->abbr);
          break;
        }
        /* fall through */
      case 'V':
      case 'O':
        if (c == 'V' && t->zone.tz) {
          sl_buf_puts(b, t->zone.tz->name);
          break;
        }
        if (t->offset_ms == 0)
          sl_buf_puts(b, c == 'O' ? "GMT" : "UTC");
        else
          put_offset(b, t->offset_ms, 3, false, true);
        break;
      default: *bad = c; return false;
    }
  }
  return true;
}

/* ---------------- parsing ---------------- */

static bool is_numeric_letter(char c) {
  return strchr("yuMLdDHkhKmsS", c) != NULL;
}

static bool read_int(const char *s, size_t n, size_t *i, int minw, int maxw, int64_t *v) {
  size_t st = *i;
  bool neg = false;
  if (*i < n && (s[*i] == '-' || s[*i] == '+') && maxw > 4) neg = s[(*i)++] == '-';
  int64_t r = 0;
  int k = 0;
  while (*i < n && k < maxw && isdigit((unsigned char)s[*i])) r = r * 10 + (s[(*i)++] - '0'), k++;
  if (k < minw) {
    *i = st;
    return false;
  }
  *v = neg ? -r : r;
  return true;
}

static int match_name(const char *s, size_t n, size_t *i, const char *const *names, int count,
                      bool abbrev) {
  for (int k = 0; k < count; k++) {
    size_t len = abbrev ? 3 : strlen(names[k]);
    if (*i + len <= n && strncasecmp(s + *i, names[k], len) == 0) {
      *i += len;
      return k;
    }
  }
  return -1;
}

/* Parses s with a Java pattern into t (fields not in the pattern keep their
 * defaults); false when the text does not match. */
static bool dt_parse(const char *p, size_t pn, const char *s, size_t n, bool trailing, dt_t *t) {
  size_t i = 0;
  bool pm = false, has_ampm = false;
  int64_t doy = -1;
  for (size_t k = 0; k < pn;) {
    char c = p[k];
    if (c == '\'') {
      size_t j = k + 1;
      if (j < pn && p[j] == '\'') {
        if (i >= n || s[i] != '\'') return false;
        i++;
        k += 2;
        continue;
      }
      while (j < pn && p[j] != '\'') {
        if (i >= n || s[i] != p[j]) return false;
        i++, j++;
      }
      k = j + 1;
      continue;
    }
    if (!isalpha((unsigned char)c)) {
      if (i >= n || s[i] != c) return false;
      i++, k++;
      continue;
    }
    int cnt = 0;
    while (k < pn && p[k] == c) cnt++, k++;
    bool next_numeric = k < pn && is_numeric_letter(p[k]);
    int maxw = next_numeric ? cnt : (cnt > 2 ? cnt : 2);
    int64_t v;
    switch (c) {
      case 'y':
      case 'u':
        if (cnt == 2) {
          if (!read_int(s, n, &i, 2, 2, &v)) return false;
          t->year = 2000 + v;
        } else {
          if (!read_int(s, n, &i, cnt, next_numeric ? cnt : 9, &v)) return false;
          t->year = v;
        }
        break;
      case 'M':
      case 'L':
        if (cnt >= 3) {
          int m = match_name(s, n, &i, MONTHS, 12, cnt == 3);
          if (m < 0) return false;
          t->month = m + 1;
        } else {
          if (!read_int(s, n, &i, cnt, maxw, &v) || v < 1 || v > 12) return false;
          t->month = (int)v;
        }
        break;
      case 'd':
        if (!read_int(s, n, &i, cnt, maxw, &v) || v < 1 || v > 31) return false;
        t->day = (int)v;
        break;
      case 'D':
        if (!read_int(s, n, &i, cnt, next_numeric ? cnt : 3, &v) || v < 1 || v > 366) return false;
        doy = v;
        break;
      case 'H':
      case 'k':
      case 'h':
      case 'K':
        if (!read_int(s, n, &i, cnt, maxw, &v) || v > 24) return false;
        if (c == 'k' && v == 24) v = 0;
        if (c == 'h' && v == 12) v = 0;
        t->hour = (int)v;
        break;
      case 'm':
        if (!read_int(s, n, &i, cnt, maxw, &v) || v > 59) return false;
        t->minute = (int)v;
        break;
      case 's':
        if (!read_int(s, n, &i, cnt, maxw, &v) || v > 59) return false;
        t->second = (int)v;
        break;
      case 'S': {
        size_t st = i;
        int64_t r = 0;
        int digits = 0;
        int lim = next_numeric ? cnt : 9;
        while (i < n && digits < lim && isdigit((unsigned char)s[i])) {
          if (digits < 3) r = r * 10 + (s[i] - '0');
          digits++, i++;
        }
        if (digits < (next_numeric ? cnt : 1) || (i == st)) return false;
        for (int d = digits; d < 3; d++) r *= 10;
        t->milli = (int)r;
        break;
      }
      case 'a':
        if (i + 2 <= n && strncasecmp(s + i, "AM", 2) == 0)
          pm = false;
        else if (i + 2 <= n && strncasecmp(s + i, "PM", 2) == 0)
          pm = true;
        else
          return false;
        has_ampm = true;
        i += 2;
        break;
      case 'E':
      case 'e':
        if (match_name(s, n, &i, DAYS, 7, cnt < 4) < 0) return false;
        break;
      case 'X':
      case 'x':
      case 'Z':
      case 'z':
      case 'V':
      case 'O': {
        t->offset_seen = true;
        if (i < n && s[i] == 'Z' && c != 'x') {
          i++;
          t->offset_ms = 0;
          break;
        }
        size_t st = i;
        if ((c == 'V' || c == 'z') && i < n && isalpha((unsigned char)s[i])) {
          /* A region id (Europe/London) or a short name the tz database knows. */
          while (i < n && (isalnum((unsigned char)s[i]) || strchr("/_-+", s[i]))) i++;
          if (parse_zone_id(s + st, i - st, &t->offset_ms)) break;
          if (!zone_lookup(s + st, i - st, &t->zone)) return false;
          t->offset_seen = false;
          t->zone_seen = true;
          break;
        }
        if (i + 3 <= n && (strncasecmp(s + i, "UTC", 3) == 0 || strncasecmp(s + i, "GMT", 3) == 0))
          i += 3;
        while (i < n && (s[i] == '+' || s[i] == '-' || s[i] == ':' || isdigit((unsigned char)s[i])))
          i++;
        if (!parse_zone_id(s + st, i - st, &t->offset_ms)) return false;
        break;
      }
      default: return false;
    }
  }
  if (i != n && !trailing) return false;
  if (has_ampm) t->hour = t->hour % 12 + (pm ? 12 : 0);
  if (doy > 0) {
    int64_t days = sl_days_from_civil(t->year, 1, 1) + doy - 1;
    sl_civil_from_days(days, &t->year, &t->month, &t->day);
  }
  static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (t->day > mdays[t->month - 1]) return false;
  bool leap = (t->year % 4 == 0 && t->year % 100 != 0) || t->year % 400 == 0;
  if (t->month == 2 && t->day == 29 && !leap) return false;
  return true;
}

static void dt_defaults(dt_t *t) {
  memset(t, 0, sizeof *t);
  t->year = 1970;
  t->month = 1;
  t->day = 1;
}

/* ---------------- shared pieces of the implementations ---------------- */

static int zone_arg(const sl_value_t *v, zone_t *z, sl_error_t *err) {
  if (!zone_lookup(v->u.s.ptr, v->u.s.len, z))
    return sl_error_set(err, SL_EEVAL, -1, "Unknown time-zone ID: %.*s", (int)v->u.s.len,
                        v->u.s.ptr);
  return 0;
}

static int format_ms(int64_t ms, const sl_value_t *fmt, const zone_t *z, sl_arena_t *ar,
                     sl_value_t *out, sl_error_t *err) {
  dt_t t;
  dt_from_ms(ms, z, &t);
  sl_buf_t b;
  sl_buf_init(&b);
  char bad = 0;
  bool ok = dt_format(&t, fmt->u.s.ptr, fmt->u.s.len, &b, &bad);
  if (ok) *out = sl_str_dup(ar, b.data ? b.data : "", b.len);
  sl_buf_free(&b);
  if (!ok) return sl_error_set(err, SL_EEVAL, -1, "Unknown pattern letter: %c", bad);
  return 0;
}

/* trailing: text after the pattern is ignored (ksqlDB's PARSE_DATE accepts
 * '2003-12-24-01-01' with 'yyyy-MM-dd', as the conformance corpus shows). */
static int parse_ms(const sl_value_t *text, const sl_value_t *fmt, const zone_t *z, bool trailing,
                    int64_t *ms, sl_error_t *err) {
  dt_t t;
  dt_defaults(&t);
  if (!dt_parse(fmt->u.s.ptr, fmt->u.s.len, text->u.s.ptr, text->u.s.len, trailing, &t))
    return sl_error_set(err, SL_EEVAL, -1, "Failed to parse '%.*s' with pattern '%.*s'",
                        (int)text->u.s.len, text->u.s.ptr, (int)fmt->u.s.len, fmt->u.s.ptr);
  /* An offset or zone in the text wins over the zone argument. */
  int64_t local = dt_local_ms(&t);
  if (t.offset_seen)
    *ms = local - t.offset_ms;
  else
    *ms = local - zone_offset_local(t.zone_seen ? &t.zone : z, local);
  return 0;
}

/* ---------------- public pattern API (expr.h) ---------------- */

int sl_time_parse_pattern(const char *text, size_t n, const char *pattern, const char *zone,
                          int64_t *ms, sl_error_t *err) {
  zone_t z = ZONE_UTC;
  if (zone && !zone_lookup(zone, strlen(zone), &z))
    return sl_error_set(err, SL_EEVAL, -1, "Unknown time-zone ID: %s", zone);
  sl_value_t t = sl_val_string(text, (uint32_t)n), f = sl_val_cstring(pattern);
  return parse_ms(&t, &f, &z, false, ms, err);
}

int sl_time_format_pattern(int64_t ms, const char *pattern, const char *zone, sl_buf_t *out,
                           sl_error_t *err) {
  zone_t z = ZONE_UTC;
  if (zone && !zone_lookup(zone, strlen(zone), &z))
    return sl_error_set(err, SL_EEVAL, -1, "Unknown time-zone ID: %s", zone);
  dt_t t;
  dt_from_ms(ms, &z, &t);
  char bad = 0;
  if (!dt_format(&t, pattern, strlen(pattern), out, &bad))
    return sl_error_set(err, SL_EEVAL, -1, "Unknown pattern letter: %c", bad);
  return 0;
}

/* ---------------- typers ---------------- */

/* Checks args against a list of kinds (SL_T_NULL = any); nmin..nmax args. */
static bool args_are(const sl_type_t *const *a, int n, int nmin, const sl_type_kind_t *kinds,
                     int nmax) {
  if (n < nmin || n > nmax) return false;
  for (int i = 0; i < n; i++) {
    /* INT widens to a BIGINT parameter, as in ksqlDB's overload resolution. */
    if (kinds[i] == SL_T_BIGINT ? !sl_ty_integral(a[i]) : !sl_ty_is(a[i], kinds[i])) return false;
  }
  return true;
}

#define TYPER(NAME, NMIN, RET, ...)                                                        \
  static int NAME(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret, \
                  sl_error_t *err) {                                                       \
    SL_UNUSED(ar);                                                                         \
    static const sl_type_kind_t k[] = {__VA_ARGS__};                                       \
    if (!args_are(a, n, NMIN, k, (int)SL_ARRAY_LEN(k))) return sl_fn_reject(err);          \
    *ret = &RET;                                                                           \
    return 0;                                                                              \
  }

TYPER(ty_ts_to_string, 2, sl_type_string, SL_T_BIGINT, SL_T_STRING, SL_T_STRING)
TYPER(ty_string_to_ts, 2, sl_type_bigint, SL_T_STRING, SL_T_STRING, SL_T_STRING)
TYPER(ty_format_ts, 2, sl_type_string, SL_T_TIMESTAMP, SL_T_STRING, SL_T_STRING)
TYPER(ty_parse_ts, 2, sl_type_timestamp, SL_T_STRING, SL_T_STRING, SL_T_STRING)
TYPER(ty_format_date, 2, sl_type_string, SL_T_DATE, SL_T_STRING)
TYPER(ty_parse_date, 2, sl_type_date, SL_T_STRING, SL_T_STRING)
TYPER(ty_format_time, 2, sl_type_string, SL_T_TIME, SL_T_STRING)
TYPER(ty_parse_time, 2, sl_type_time, SL_T_STRING, SL_T_STRING)
TYPER(ty_date_to_string, 2, sl_type_string, SL_T_INT, SL_T_STRING)
TYPER(ty_string_to_date, 2, sl_type_int, SL_T_STRING, SL_T_STRING)
TYPER(ty_unix_ts, 0, sl_type_bigint, SL_T_TIMESTAMP)
TYPER(ty_unix_date, 0, sl_type_int, SL_T_DATE)
TYPER(ty_from_days, 1, sl_type_date, SL_T_INT)
TYPER(ty_convert_tz, 3, sl_type_timestamp, SL_T_TIMESTAMP, SL_T_STRING, SL_T_STRING)

const sl_type_t sl_type_time_unit = {.kind = SL_T_STRING};

/* DATEADD / TIMEADD / TIMESTAMPADD and their SUB twins: (unit, INT, T) -> T. */
static int ty_add(const sl_type_t *const *a, int n, sl_type_kind_t k, const sl_type_t *rt,
                  const sl_type_t **ret, sl_error_t *err) {
  if (n != 3 || a[0] != &sl_type_time_unit || !sl_ty_is(a[1], SL_T_INT) || !sl_ty_is(a[2], k))
    return sl_fn_reject(err);
  *ret = rt;
  return 0;
}

static int ty_dateadd(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                      sl_error_t *err) {
  SL_UNUSED(ar);
  return ty_add(a, n, SL_T_DATE, &sl_type_date, ret, err);
}

static int ty_timeadd(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                      sl_error_t *err) {
  SL_UNUSED(ar);
  return ty_add(a, n, SL_T_TIME, &sl_type_time, ret, err);
}

static int ty_tsadd(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                    sl_error_t *err) {
  SL_UNUSED(ar);
  return ty_add(a, n, SL_T_TIMESTAMP, &sl_type_timestamp, ret, err);
}

static int ty_from_unixtime(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                            sl_error_t *err) {
  SL_UNUSED(ar);
  if (n != 1 || !sl_ty_integral(a[0])) return sl_fn_reject(err);
  *ret = &sl_type_timestamp;
  return 0;
}

/* ---------------- implementations ---------------- */

#define FN(NAME)                                                                    \
  static int NAME(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar, \
                  sl_value_t *out, sl_error_t *err)

FN(f_timestamptostring) {
  SL_UNUSED(ret);
  zone_t z = ZONE_UTC;
  if (n > 2 && zone_arg(&a[2], &z, err)) return SL_EEVAL;
  return format_ms(sl_num_l(&a[0]), &a[1], &z, ar, out, err);
}

FN(f_format_timestamp) {
  return f_timestamptostring(a, n, ret, ar, out, err);
}

FN(f_stringtotimestamp) {
  SL_UNUSED(ar);
  zone_t z = ZONE_UTC;
  int64_t ms;
  if (n > 2 && zone_arg(&a[2], &z, err)) return SL_EEVAL;
  if (parse_ms(&a[0], &a[1], &z, false, &ms, err)) return SL_EEVAL;
  *out = ret->kind == SL_T_TIMESTAMP ? sl_val_timestamp(ms) : sl_val_bigint(ms);
  return 0;
}

FN(f_format_date) {
  SL_UNUSED(n), SL_UNUSED(ret);
  return format_ms((int64_t)a[0].u.i * DAY_MS, &a[1], &ZONE_UTC, ar, out, err);
}

FN(f_parse_date) {
  SL_UNUSED(n), SL_UNUSED(ar);
  int64_t ms;
  if (parse_ms(&a[0], &a[1], &ZONE_UTC, true, &ms, err)) return SL_EEVAL;
  int32_t days = (int32_t)floordiv64(ms, DAY_MS);
  *out = ret->kind == SL_T_DATE ? sl_val_date(days) : sl_val_int(days);
  return 0;
}

FN(f_format_time) {
  SL_UNUSED(n), SL_UNUSED(ret);
  return format_ms(a[0].u.i, &a[1], &ZONE_UTC, ar, out, err);
}

FN(f_parse_time) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(ar);
  int64_t ms;
  if (parse_ms(&a[0], &a[1], &ZONE_UTC, false, &ms, err)) return SL_EEVAL;
  int64_t r = ms % DAY_MS;
  if (r < 0) r += DAY_MS;
  *out = sl_val_time((int32_t)r);
  return 0;
}

FN(f_unix_timestamp) {
  SL_UNUSED(ret), SL_UNUSED(ar), SL_UNUSED(err);
  *out = sl_val_bigint(n == 0 ? sl_now_ms() : a[0].u.l);
  return 0;
}

FN(f_unix_date) {
  SL_UNUSED(ret), SL_UNUSED(ar), SL_UNUSED(err);
  *out = sl_val_int(n == 0 ? (int32_t)floordiv64(sl_now_ms(), DAY_MS) : a[0].u.i);
  return 0;
}

FN(f_from_unixtime) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(ar), SL_UNUSED(err);
  *out = sl_val_timestamp(a[0].kind == SL_T_INT ? a[0].u.i : a[0].u.l);
  return 0;
}

FN(f_from_days) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(ar), SL_UNUSED(err);
  *out = sl_val_date(a[0].u.i);
  return 0;
}

/* Milliseconds in one time unit named by a time-unit argument. */
static int64_t unit_ms(const sl_value_t *u) {
  const char *p = u->u.s.ptr;
  size_t n = u->u.s.len;
  if (n >= 5 && strncasecmp(p, "MILLI", 5) == 0) return 1;
  if (n >= 6 && strncasecmp(p, "SECOND", 6) == 0) return 1000;
  if (n >= 6 && strncasecmp(p, "MINUTE", 6) == 0) return 60000;
  if (n >= 4 && strncasecmp(p, "HOUR", 4) == 0) return 3600000;
  return DAY_MS;
}

/* The amount to add (sign -1 for the SUB variants); Java's TimeUnit.toMillis
 * saturates instead of overflowing. */
static int64_t delta_ms(const sl_value_t *a, int sign) {
  int64_t d;
  if (__builtin_mul_overflow((int64_t)a[1].u.i * sign, unit_ms(&a[0]), &d))
    d = a[1].u.i * sign < 0 ? INT64_MIN : INT64_MAX;
  return d;
}

/* Java's TimeUnit.MILLISECONDS.toDays truncates toward zero. */
static int date_add(const sl_value_t *a, sl_value_t *out, int sign) {
  *out = sl_val_date((int32_t)(((int64_t)a[2].u.i * DAY_MS + delta_ms(a, sign)) / DAY_MS));
  return 0;
}

/* LocalTime arithmetic wraps around midnight. */
static int time_add(const sl_value_t *a, sl_value_t *out, int sign) {
  int64_t r = ((int64_t)a[2].u.i + delta_ms(a, sign) % DAY_MS) % DAY_MS;
  if (r < 0) r += DAY_MS;
  *out = sl_val_time((int32_t)r);
  return 0;
}

static int ts_add(const sl_value_t *a, sl_value_t *out, int sign) {
  *out = sl_val_timestamp((int64_t)((uint64_t)a[2].u.l + (uint64_t)delta_ms(a, sign)));
  return 0;
}

FN(f_dateadd) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(ar), SL_UNUSED(err);
  return date_add(a, out, 1);
}

FN(f_datesub) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(ar), SL_UNUSED(err);
  return date_add(a, out, -1);
}

FN(f_timeadd) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(ar), SL_UNUSED(err);
  return time_add(a, out, 1);
}

FN(f_timesub) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(ar), SL_UNUSED(err);
  return time_add(a, out, -1);
}

FN(f_timestampadd) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(ar), SL_UNUSED(err);
  return ts_add(a, out, 1);
}

FN(f_timestampsub) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(ar), SL_UNUSED(err);
  return ts_add(a, out, -1);
}

FN(f_convert_tz) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(ar);
  zone_t from, to;
  if (zone_arg(&a[1], &from, err) || zone_arg(&a[2], &to, err)) return SL_EEVAL;
  /* Both offsets are taken at the same instant, as java.util.TimeZone does. */
  int64_t ts = a[0].u.l;
  *out = sl_val_timestamp(ts + zone_offset_utc(&to, ts, NULL) - zone_offset_utc(&from, ts, NULL));
  return 0;
}

#define DT "DATE / TIME"
const sl_function_t sl_fn_datetime_table[] = {
    {"CONVERT_TZ", SL_FN_SCALAR, DT, "Converts a TIMESTAMP value from one time zone to another.",
     "CONVERT_TZ(TIMESTAMP timestamp, STRING fromTz, STRING toTz)", ty_convert_tz, f_convert_tz,
     true, false, false},
    {"DATEADD", SL_FN_SCALAR, DT, "Adds a duration to a DATE value.",
     "DATEADD(TIMEUNIT unit, INTEGER interval, DATE date) -> DATE", ty_dateadd, f_dateadd, true,
     false, false},
    {"DATESUB", SL_FN_SCALAR, DT, "Subtracts a duration from a DATE value.",
     "DATESUB(TIMEUNIT unit, INTEGER interval, DATE date) -> DATE", ty_dateadd, f_datesub, true,
     false, false},
    {"DATETOSTRING", SL_FN_SCALAR, DT,
     "Converts an INT number of days since epoch to a date string using the given format pattern.",
     "DATETOSTRING(INTEGER epochDays, STRING formatPattern)", ty_date_to_string, f_format_date,
     true, false, false},
    {"FORMAT_DATE", SL_FN_SCALAR, DT, "Converts a DATE value to a string using the given format.",
     "FORMAT_DATE(DATE date, STRING formatPattern)", ty_format_date, f_format_date, true, false,
     false},
    {"FORMAT_TIME", SL_FN_SCALAR, DT, "Converts a TIME value to a string using the given format.",
     "FORMAT_TIME(TIME time, STRING formatPattern)", ty_format_time, f_format_time, true, false,
     false},
    {"FORMAT_TIMESTAMP", SL_FN_SCALAR, DT,
     "Converts a TIMESTAMP value to a string using the given format and optional time zone.",
     "FORMAT_TIMESTAMP(TIMESTAMP timestamp, STRING formatPattern [, STRING timeZone])",
     ty_format_ts, f_format_timestamp, true, false, false},
    {"FROM_DAYS", SL_FN_SCALAR, DT, "Converts an INT number of days since epoch to a DATE.",
     "FROM_DAYS(INTEGER days)", ty_from_days, f_from_days, true, false, false},
    {"FROM_UNIXTIME", SL_FN_SCALAR, DT,
     "Converts a BIGINT millisecond timestamp value into a TIMESTAMP value.",
     "FROM_UNIXTIME(BIGINT epochMilli)", ty_from_unixtime, f_from_unixtime, true, false, false},
    {"PARSE_DATE", SL_FN_SCALAR, DT, "Converts a string representation of a date into a DATE.",
     "PARSE_DATE(STRING formattedDate, STRING formatPattern)", ty_parse_date, f_parse_date, true,
     false, false},
    {"PARSE_TIME", SL_FN_SCALAR, DT, "Converts a string representation of a time into a TIME.",
     "PARSE_TIME(STRING formattedTime, STRING formatPattern)", ty_parse_time, f_parse_time, true,
     false, false},
    {"PARSE_TIMESTAMP", SL_FN_SCALAR, DT,
     "Converts a string representation of a timestamp into a TIMESTAMP.",
     "PARSE_TIMESTAMP(STRING formattedTimestamp, STRING formatPattern [, STRING timeZone])",
     ty_parse_ts, f_stringtotimestamp, true, false, false},
    {"STRINGTODATE", SL_FN_SCALAR, DT,
     "Converts a date string into an INT number of days since epoch.",
     "STRINGTODATE(STRING formattedDate, STRING formatPattern)", ty_string_to_date, f_parse_date,
     true, false, false},
    {"STRINGTOTIMESTAMP", SL_FN_SCALAR, DT,
     "Converts a string value in the given format into the BIGINT value that represents the "
     "millisecond timestamp.",
     "STRINGTOTIMESTAMP(STRING formattedTimestamp, STRING formatPattern [, STRING timeZone])",
     ty_string_to_ts, f_stringtotimestamp, true, false, false},
    {"TIMEADD", SL_FN_SCALAR, DT, "Adds a duration to a TIME value.",
     "TIMEADD(TIMEUNIT unit, INTEGER interval, TIME time) -> TIME", ty_timeadd, f_timeadd, true,
     false, false},
    {"TIMESTAMPADD", SL_FN_SCALAR, DT, "Adds a duration to a TIMESTAMP value.",
     "TIMESTAMPADD(TIMEUNIT unit, INTEGER interval, TIMESTAMP timestamp) -> TIMESTAMP", ty_tsadd,
     f_timestampadd, true, false, false},
    {"TIMESTAMPSUB", SL_FN_SCALAR, DT, "Subtracts a duration from a TIMESTAMP value.",
     "TIMESTAMPSUB(TIMEUNIT unit, INTEGER interval, TIMESTAMP timestamp) -> TIMESTAMP", ty_tsadd,
     f_timestampsub, true, false, false},
    {"TIMESTAMPTOSTRING", SL_FN_SCALAR, DT,
     "Converts a BIGINT millisecond timestamp value into the string representation of the "
     "timestamp in the given format.",
     "TIMESTAMPTOSTRING(BIGINT epochMilli, STRING formatPattern [, STRING timeZone])",
     ty_ts_to_string, f_timestamptostring, true, false, false},
    {"TIMESUB", SL_FN_SCALAR, DT, "Subtracts a duration from a TIME value.",
     "TIMESUB(TIMEUNIT unit, INTEGER interval, TIME time) -> TIME", ty_timeadd, f_timesub, true,
     false, false},
    {"UNIX_DATE", SL_FN_SCALAR, DT,
     "Gets the current date as an INT number of days since epoch, or converts a DATE.",
     "UNIX_DATE()\nUNIX_DATE(DATE date)", ty_unix_date, f_unix_date, true, true, false},
    {"UNIX_TIMESTAMP", SL_FN_SCALAR, DT,
     "Gets the current time in milliseconds since epoch, or converts a TIMESTAMP.",
     "UNIX_TIMESTAMP()\nUNIX_TIMESTAMP(TIMESTAMP timestamp)", ty_unix_ts, f_unix_timestamp, true,
     true, false},
};
const int sl_fn_datetime_count = (int)SL_ARRAY_LEN(sl_fn_datetime_table);
