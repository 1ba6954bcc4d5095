/*
 * fn_string.c - STRING scalar functions (and their BYTES twins where ksqlDB
 * has them). Positions and lengths count characters, not bytes, as Java's
 * String does for text outside the supplementary planes; results are built
 * in the per-batch arena.
 */
#include <ctype.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wctype.h>

#include "expr_int.h"

/* ---------------- UTF-8 helpers ---------------- */

static size_t u8_step(const char *s, size_t n, size_t i) {
  unsigned char c = (unsigned char)s[i];
  size_t w = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
  return i + w > n ? n : i + w;
}

static int64_t u8_count(const char *s, size_t n) {
  int64_t k = 0;
  for (size_t i = 0; i < n; i = u8_step(s, n, i)) k++;
  return k;
}

/* Byte offset of character index ci (clamped to n). */
static size_t u8_offset(const char *s, size_t n, int64_t ci) {
  size_t i = 0;
  while (ci-- > 0 && i < n) i = u8_step(s, n, i);
  return i;
}

/* ---------------- typers ---------------- */

static int ty_str_str(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                      sl_error_t *err) {
  SL_UNUSED(ar);
  if (n != 1 || !sl_ty_is(a[0], SL_T_STRING)) return sl_fn_reject(err);
  *ret = &sl_type_string;
  return 0;
}

static int ty_len(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                  sl_error_t *err) {
  SL_UNUSED(ar);
  if (n != 1 || !sl_ty_stringy(a[0])) return sl_fn_reject(err);
  *ret = &sl_type_int;
  return 0;
}

/* SUBSTRING(str|bytes, INT pos [, INT len]) -> same */
static int ty_substring(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                        sl_error_t *err) {
  SL_UNUSED(ar);
  if (n < 2 || n > 3 || !sl_ty_stringy(a[0]) || !sl_ty_is(a[1], SL_T_INT) ||
      (n == 3 && !sl_ty_is(a[2], SL_T_INT)))
    return sl_fn_reject(err);
  *ret = a[0] ? a[0] : &sl_type_string;
  return 0;
}

/* CONCAT(str, ...) or CONCAT(bytes, ...) */
static int ty_concat(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                     sl_error_t *err) {
  SL_UNUSED(ar);
  if (n < 1) return sl_fn_reject(err);
  const sl_type_t *t = NULL;
  for (int i = 0; i < n; i++) {
    if (!sl_ty_stringy(a[i])) return sl_fn_reject(err);
    if (a[i] && t && a[i]->kind != t->kind) return sl_fn_reject(err);
    if (a[i]) t = a[i];
  }
  *ret = t ? t : &sl_type_string;
  return 0;
}

static int ty_concat_ws(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                        sl_error_t *err) {
  if (n < 2) return sl_fn_reject(err);
  return ty_concat(a, n, ar, ret, err);
}

static bool all_strings(const sl_type_t *const *a, int from, int to) {
  for (int i = from; i < to; i++)
    if (!sl_ty_is(a[i], SL_T_STRING)) return false;
  return true;
}

static int ty_str3_str(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                       sl_error_t *err) {
  SL_UNUSED(ar);
  if (n != 3 || !all_strings(a, 0, 3)) return sl_fn_reject(err);
  *ret = &sl_type_string;
  return 0;
}

static int ty_instr(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                    sl_error_t *err) {
  SL_UNUSED(ar);
  if (n < 2 || n > 4 || !all_strings(a, 0, 2)) return sl_fn_reject(err);
  for (int i = 2; i < n; i++)
    if (!sl_ty_is(a[i], SL_T_INT)) return sl_fn_reject(err);
  *ret = &sl_type_int;
  return 0;
}

/* LPAD/RPAD(str, INT len, str) or (bytes, INT, bytes) */
static int ty_pad(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                  sl_error_t *err) {
  SL_UNUSED(ar);
  if (n != 3 || !sl_ty_stringy(a[0]) || !sl_ty_is(a[1], SL_T_INT) || !sl_ty_stringy(a[2]))
    return sl_fn_reject(err);
  *ret = a[0] ? a[0] : (a[2] ? a[2] : &sl_type_string);
  return 0;
}

static int ty_split(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                    sl_error_t *err) {
  if (n != 2 || !sl_ty_stringy(a[0]) || !sl_ty_stringy(a[1])) return sl_fn_reject(err);
  *ret = sl_type_array(ar, a[0] ? a[0] : &sl_type_string);
  return 0;
}

/* MASK(str [, upper, lower, digit, other]) */
static int ty_mask(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                   sl_error_t *err) {
  SL_UNUSED(ar);
  if (n < 1 || n > 5 || !all_strings(a, 0, n)) return sl_fn_reject(err);
  *ret = &sl_type_string;
  return 0;
}

/* MASK_LEFT(str, INT n [, upper, lower, digit, other]) and friends */
static int ty_mask_n(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                     sl_error_t *err) {
  SL_UNUSED(ar);
  if (n < 2 || n > 6 || !sl_ty_is(a[0], SL_T_STRING) || !sl_ty_is(a[1], SL_T_INT) ||
      !all_strings(a, 2, n))
    return sl_fn_reject(err);
  *ret = &sl_type_string;
  return 0;
}

static int ty_chr(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                  sl_error_t *err) {
  SL_UNUSED(ar);
  if (n != 1 || !(sl_ty_is(a[0], SL_T_INT) || sl_ty_is(a[0], SL_T_STRING)))
    return sl_fn_reject(err);
  *ret = &sl_type_string;
  return 0;
}

static int ty_to_bytes(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                       sl_error_t *err) {
  SL_UNUSED(ar);
  if (n != 2 || !all_strings(a, 0, 2)) return sl_fn_reject(err);
  *ret = &sl_type_bytes;
  return 0;
}

static int ty_from_bytes(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                         sl_error_t *err) {
  SL_UNUSED(ar);
  if (n != 2 || !sl_ty_is(a[0], SL_T_BYTES) || !sl_ty_is(a[1], SL_T_STRING))
    return sl_fn_reject(err);
  *ret = &sl_type_string;
  return 0;
}

static int ty_uuid(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                   sl_error_t *err) {
  SL_UNUSED(a), SL_UNUSED(ar);
  if (n != 0) return sl_fn_reject(err);
  *ret = &sl_type_string;
  return 0;
}

/* ---------------- implementations ---------------- */

#define UNUSED_ARGS SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(ar), SL_UNUSED(err)

static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;
static locale_t utf8_loc;

static void utf8_init(void) {
  utf8_loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
  if (!utf8_loc) utf8_loc = newlocale(LC_CTYPE_MASK, "C.utf8", (locale_t)0);
  if (!utf8_loc) utf8_loc = newlocale(LC_CTYPE_MASK, "C", (locale_t)0);
}

locale_t sl_expr_utf8_locale(void) {
  pthread_once(&utf8_once, utf8_init);
  return utf8_loc;
}

static uint32_t u8_decode(const char *s, size_t n, size_t i, size_t *next) {
  size_t j = u8_step(s, n, i);
  unsigned char c = (unsigned char)s[i];
  uint32_t cp = j - i == 1 ? c : j - i == 2 ? (c & 0x1Fu) : j - i == 3 ? (c & 0x0Fu) : (c & 0x07u);
  for (size_t k = i + 1; k < j; k++) {
    if (((unsigned char)s[k] & 0xC0) != 0x80) {
      *next = i + 1;
      return c;
    }
    cp = cp << 6 | ((unsigned char)s[k] & 0x3Fu);
  }
  *next = j;
  return cp;
}

static size_t put_utf8(char *p, uint32_t cp);

/* Maps one character's case; ASCII stays on the fast path. */
static uint32_t map_case(uint32_t cp, bool upper) {
  if (cp < 0x80) return (uint32_t)(upper ? toupper((int)cp) : tolower((int)cp));
  locale_t l = sl_expr_utf8_locale();
  return (uint32_t)(upper ? towupper_l((wint_t)cp, l) : towlower_l((wint_t)cp, l));
}

/* mode 0: lower, 1: upper, 2: INITCAP (upper after whitespace, else lower). */
static void case_into(const char *s, size_t n, sl_buf_t *b, int mode) {
  bool start = true;
  for (size_t i = 0; i < n;) {
    size_t next;
    uint32_t cp = u8_decode(s, n, i, &next);
    bool ws = cp == ' ' || cp == '\t' || cp == '\n' || cp == 0x0B || cp == '\f' || cp == '\r';
    uint32_t m = ws ? cp : map_case(cp, mode == 1 || (mode == 2 && start));
    if (next - i == 1 && cp >= 0x80) {
      sl_buf_putc(b, s[i]); /* not valid UTF-8: keep the byte */
    } else {
      char tmp[4];
      sl_buf_append(b, tmp, put_utf8(tmp, m));
    }
    start = ws;
    i = next;
  }
}

static int change_case(const sl_value_t *a, sl_arena_t *ar, sl_value_t *out, bool upper) {
  sl_buf_t b;
  sl_buf_init(&b);
  case_into(a[0].u.s.ptr, a[0].u.s.len, &b, upper ? 1 : 0);
  *out = sl_str_dup(ar, b.data ? b.data : "", b.len);
  sl_buf_free(&b);
  return 0;
}

static int f_lcase(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar,
                   sl_value_t *out, sl_error_t *err) {
  UNUSED_ARGS;
  return change_case(a, ar, out, false);
}

static int f_ucase(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar,
                   sl_value_t *out, sl_error_t *err) {
  UNUSED_ARGS;
  return change_case(a, ar, out, true);
}

/* Java's String.trim(): strips characters <= ' ' at either end. */
static void trim_bounds(const sl_value_t *v, bool left, bool right, uint32_t *b, uint32_t *e) {
  const unsigned char *s = (const unsigned char *)v->u.s.ptr;
  *b = 0;
  *e = v->u.s.len;
  while (left && *b < *e && s[*b] <= ' ') (*b)++;
  while (right && *e > *b && s[*e - 1] <= ' ') (*e)--;
}

static int trim_impl(const sl_value_t *a, sl_value_t *out, bool l, bool r) {
  uint32_t b, e;
  trim_bounds(&a[0], l, r, &b, &e);
  *out = sl_val_string(a[0].u.s.ptr + b, e - b);
  return 0;
}

static int f_trim(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar, sl_value_t *out,
                  sl_error_t *err) {
  UNUSED_ARGS;
  return trim_impl(a, out, true, true);
}

static int f_ltrim(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar,
                   sl_value_t *out, sl_error_t *err) {
  UNUSED_ARGS;
  return trim_impl(a, out, true, false);
}

static int f_rtrim(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar,
                   sl_value_t *out, sl_error_t *err) {
  UNUSED_ARGS;
  return trim_impl(a, out, false, true);
}

static int f_len(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar, sl_value_t *out,
                 sl_error_t *err) {
  UNUSED_ARGS;
  if (a[0].kind == SL_T_BYTES)
    *out = sl_val_int((int32_t)a[0].u.s.len);
  else
    *out = sl_val_int((int32_t)u8_count(a[0].u.s.ptr, a[0].u.s.len));
  return 0;
}

/* ksqlDB's 1-based positions: negative counts from the end, out of range clamps. */
static int f_substring(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar,
                       sl_value_t *out, sl_error_t *err) {
  SL_UNUSED(ret), SL_UNUSED(ar), SL_UNUSED(err);
  bool bytes = a[0].kind == SL_T_BYTES;
  const char *s = a[0].u.s.ptr;
  size_t nb = a[0].u.s.len;
  int64_t len = bytes ? (int64_t)nb : u8_count(s, nb);
  int64_t pos = a[1].u.i;
  int64_t start = pos < 0 ? (len + pos > 0 ? len + pos : 0) : (pos - 1 < len ? pos - 1 : len);
  if (start < 0) start = 0;
  int64_t end = len;
  if (n == 3) {
    int64_t e = start + a[2].u.i;
    end = e < len ? e : len;
    if (end < start) end = start;
  }
  size_t bs = bytes ? (size_t)start : u8_offset(s, nb, start);
  size_t be = bytes ? (size_t)end : bs + u8_offset(s + bs, nb - bs, end - start);
  *out = a[0];
  out->u.s.ptr = s + bs;
  out->u.s.len = (uint32_t)(be - bs);
  return 0;
}

static int f_concat(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar,
                    sl_value_t *out, sl_error_t *err) {
  SL_UNUSED(err);
  size_t total = 0;
  for (int i = 0; i < n; i++)
    if (a[i].kind != SL_T_NULL) total += a[i].u.s.len;
  char *p;
  *out = sl_str_alloc(ar, (uint32_t)total, &p);
  out->kind = (uint8_t)ret->kind;
  for (int i = 0; i < n; i++) {
    if (a[i].kind == SL_T_NULL) continue;
    memcpy(p, a[i].u.s.ptr, a[i].u.s.len);
    p += a[i].u.s.len;
  }
  return 0;
}

static int f_concat_ws(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar,
                       sl_value_t *out, sl_error_t *err) {
  SL_UNUSED(err);
  if (a[0].kind == SL_T_NULL) {
    *out = sl_null();
    return 0;
  }
  size_t total = 0;
  int parts = 0;
  for (int i = 1; i < n; i++)
    if (a[i].kind != SL_T_NULL) total += a[i].u.s.len, parts++;
  if (parts > 1) total += (size_t)(parts - 1) * a[0].u.s.len;
  char *p;
  *out = sl_str_alloc(ar, (uint32_t)total, &p);
  out->kind = (uint8_t)ret->kind;
  bool first = true;
  for (int i = 1; i < n; i++) {
    if (a[i].kind == SL_T_NULL) continue;
    if (!first) {
      memcpy(p, a[0].u.s.ptr, a[0].u.s.len);
      p += a[0].u.s.len;
    }
    first = false;
    memcpy(p, a[i].u.s.ptr, a[i].u.s.len);
    p += a[i].u.s.len;
  }
  return 0;
}

static const char *memfind(const char *h, size_t hn, const char *nd, size_t nn) {
  if (nn == 0) return h;
  if (nn > hn) return NULL;
  return memmem(h, hn, nd, nn);
}

/* Java's String.replace(CharSequence, CharSequence): every literal occurrence. */
static int f_replace(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar,
                     sl_value_t *out, sl_error_t *err) {
  UNUSED_ARGS;
  const char *s = a[0].u.s.ptr, *old = a[1].u.s.ptr, *nw = a[2].u.s.ptr;
  size_t sn = a[0].u.s.len, on = a[1].u.s.len, wn = a[2].u.s.len;
  sl_buf_t b;
  sl_buf_init(&b);
  if (on == 0) {
    /* An empty target matches before every character and at the end. */
    for (size_t i = 0; i < sn;) {
      size_t j = u8_step(s, sn, i);
      sl_buf_append(&b, nw, wn);
      sl_buf_append(&b, s + i, j - i);
      i = j;
    }
    sl_buf_append(&b, nw, wn);
  } else {
    size_t i = 0;
    const char *f;
    while ((f = memfind(s + i, sn - i, old, on))) {
      sl_buf_append(&b, s + i, (size_t)(f - (s + i)));
      sl_buf_append(&b, nw, wn);
      i = (size_t)(f - s) + on;
    }
    sl_buf_append(&b, s + i, sn - i);
  }
  *out = sl_str_dup(ar, b.data ? b.data : "", b.len);
  sl_buf_free(&b);
  return 0;
}

/* INSTR(str, substr [, position [, occurrence]]): 1-based character index of
 * the occurrence-th match searching from position (backwards if negative); 0
 * if none. */
static int f_instr(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar,
                   sl_value_t *out, sl_error_t *err) {
  SL_UNUSED(ret), SL_UNUSED(ar), SL_UNUSED(err);
  const char *s = a[0].u.s.ptr, *sub = a[1].u.s.ptr;
  size_t sn = a[0].u.s.len, un = a[1].u.s.len;
  int64_t len = u8_count(s, sn);
  int64_t pos = n >= 3 ? a[2].u.i : 1, occ = n >= 4 ? a[3].u.i : 1;
  *out = sl_val_int(0);
  if (occ <= 0 || pos == 0) return 0;
  if (pos > 0) {
    int64_t ci = pos - 1;
    while (ci <= len) {
      size_t bo = u8_offset(s, sn, ci);
      const char *f = memfind(s + bo, sn - bo, sub, un);
      if (!f) return 0;
      int64_t at = ci + u8_count(s + bo, (size_t)(f - (s + bo)));
      if (--occ == 0) {
        *out = sl_val_int((int32_t)(at + 1));
        return 0;
      }
      ci = at + 1;
    }
    return 0;
  }
  int64_t ci = len + pos; /* last start position to try */
  for (; ci >= 0; ci--) {
    size_t bo = u8_offset(s, sn, ci);
    if (bo + un <= sn && memcmp(s + bo, sub, un) == 0 && --occ == 0) {
      *out = sl_val_int((int32_t)(ci + 1));
      return 0;
    }
  }
  return 0;
}

static int pad(const sl_value_t *a, const sl_type_t *ret, sl_arena_t *ar, sl_value_t *out,
               bool left) {
  bool bytes = ret->kind == SL_T_BYTES;
  int64_t target = a[1].u.i;
  const char *s = a[0].u.s.ptr, *p = a[2].u.s.ptr;
  size_t sn = a[0].u.s.len, pn = a[2].u.s.len;
  if (target < 0 || pn == 0) {
    *out = sl_null();
    return 0;
  }
  int64_t slen = bytes ? (int64_t)sn : u8_count(s, sn);
  int64_t plen = bytes ? (int64_t)pn : u8_count(p, pn);
  sl_buf_t b;
  sl_buf_init(&b);
  if (slen >= target) {
    sl_buf_append(&b, s, bytes ? (size_t)target : u8_offset(s, sn, target));
  } else {
    int64_t need = target - slen;
    if (!left) sl_buf_append(&b, s, sn);
    while (need > 0) {
      int64_t take = need < plen ? need : plen;
      sl_buf_append(&b, p, bytes ? (size_t)take : u8_offset(p, pn, take));
      need -= take;
    }
    if (left) sl_buf_append(&b, s, sn);
  }
  *out = sl_str_dup(ar, b.data ? b.data : "", b.len);
  out->kind = (uint8_t)ret->kind;
  sl_buf_free(&b);
  return 0;
}

static int f_lpad(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar, sl_value_t *out,
                  sl_error_t *err) {
  SL_UNUSED(n), SL_UNUSED(err);
  return pad(a, ret, ar, out, true);
}

static int f_rpad(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar, sl_value_t *out,
                  sl_error_t *err) {
  SL_UNUSED(n), SL_UNUSED(err);
  return pad(a, ret, ar, out, false);
}

/* SPLIT keeps empty parts; an empty delimiter splits into characters. */
static int f_split(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar,
                   sl_value_t *out, sl_error_t *err) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(err);
  const char *s = a[0].u.s.ptr, *d = a[1].u.s.ptr;
  size_t sn = a[0].u.s.len, dn = a[1].u.s.len;
  uint8_t kind = a[0].kind;
  uint32_t cap = 8, k = 0;
  sl_value_t *items = sl_arena_alloc(ar, sizeof *items * cap);
#define PUSH(P, L)                                                      \
  do {                                                                  \
    if (k == cap) {                                                     \
      sl_value_t *bigger = sl_arena_alloc(ar, sizeof *items * cap * 2); \
      memcpy(bigger, items, sizeof *items *cap);                        \
      items = bigger;                                                   \
      cap *= 2;                                                         \
    }                                                                   \
    items[k] = sl_val_string((P), (uint32_t)(L));                       \
    items[k++].kind = kind;                                             \
  } while (0)
  if (dn == 0) {
    for (size_t i = 0; i < sn;) {
      size_t j = kind == SL_T_BYTES ? i + 1 : u8_step(s, sn, i);
      PUSH(s + i, j - i);
      i = j;
    }
  } else {
    size_t i = 0;
    const char *f;
    while ((f = memfind(s + i, sn - i, d, dn))) {
      PUSH(s + i, (size_t)(f - (s + i)));
      i = (size_t)(f - s) + dn;
    }
    PUSH(s + i, sn - i);
  }
#undef PUSH
  out->kind = SL_T_ARRAY;
  out->u.arr.items = items;
  out->u.arr.n = k;
  return 0;
}

/* Masks characters by class; a NULL replacement leaves that class as is. */
typedef struct {
  int upper, lower, digit, other; /* replacement byte, or -1 to keep */
} maskspec_t;

static void mask_spec(const sl_value_t *a, int n, int first, maskspec_t *m) {
  int defaults[4] = {'X', 'x', 'n', '-'};
  int *dst[4] = {&m->upper, &m->lower, &m->digit, &m->other};
  for (int i = 0; i < 4; i++) {
    int ai = first + i;
    if (ai < n)
      *dst[i] =
          a[ai].kind == SL_T_NULL || a[ai].u.s.len == 0 ? -1 : (unsigned char)a[ai].u.s.ptr[0];
    else
      *dst[i] = defaults[i];
  }
}

static void mask_range(char *p, size_t from, size_t to, const maskspec_t *m) {
  for (size_t i = from; i < to; i++) {
    unsigned char c = (unsigned char)p[i];
    int r = isupper(c) ? m->upper : islower(c) ? m->lower : isdigit(c) ? m->digit : m->other;
    if (c >= 0x80) continue;
    if (r >= 0) p[i] = (char)r;
  }
}

/* which: 0 all, 1 left n, 2 right n, 3 keep left n, 4 keep right n */
static int mask_impl(const sl_value_t *a, int n, sl_arena_t *ar, sl_value_t *out, int which) {
  if (a[0].kind == SL_T_NULL) {
    *out = sl_null();
    return 0;
  }
  maskspec_t m;
  mask_spec(a, n, which ? 2 : 1, &m);
  size_t len = a[0].u.s.len;
  int64_t k = which && a[1].kind != SL_T_NULL ? a[1].u.i : 0;
  if (k < 0) k = 0;
  if ((size_t)k > len) k = (int64_t)len;
  char *p;
  *out = sl_str_alloc(ar, (uint32_t)len, &p);
  memcpy(p, a[0].u.s.ptr, len);
  switch (which) {
    case 0: mask_range(p, 0, len, &m); break;
    case 1: mask_range(p, 0, (size_t)k, &m); break;
    case 2: mask_range(p, len - (size_t)k, len, &m); break;
    case 3: mask_range(p, (size_t)k, len, &m); break;
    default: mask_range(p, 0, len - (size_t)k, &m); break;
  }
  return 0;
}

#define MASKFN(NAME, WHICH)                                                         \
  static int NAME(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar, \
                  sl_value_t *out, sl_error_t *err) {                               \
    SL_UNUSED(ret), SL_UNUSED(err);                                                 \
    return mask_impl(a, n, ar, out, WHICH);                                         \
  }
MASKFN(f_mask, 0)
MASKFN(f_mask_left, 1)
MASKFN(f_mask_right, 2)
MASKFN(f_mask_keep_left, 3)
MASKFN(f_mask_keep_right, 4)

/* INITCAP: ksqlDB matches words as [^\s]+\s* on the lower-cased input and
 * upper-cases each word's first character, so leading whitespace is dropped. */
static int f_initcap(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar,
                     sl_value_t *out, sl_error_t *err) {
  UNUSED_ARGS;
  const char *s = a[0].u.s.ptr;
  size_t len = a[0].u.s.len, i = 0;
  while (i < len && strchr(" \t\n\v\f\r", s[i]) && s[i]) i++;
  sl_buf_t b;
  sl_buf_init(&b);
  case_into(s + i, len - i, &b, 2);
  *out = sl_str_dup(ar, b.data ? b.data : "", b.len);
  sl_buf_free(&b);
  return 0;
}

static size_t put_utf8(char *p, uint32_t cp) {
  if (cp < 0x80) {
    p[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    p[0] = (char)(0xC0 | (cp >> 6));
    p[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    p[0] = (char)(0xE0 | (cp >> 12));
    p[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    p[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  p[0] = (char)(0xF0 | (cp >> 18));
  p[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  p[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  p[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* CHR(INT code point) or CHR('\uXXXX' / 'U+XXXX' text). */
static int f_chr(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar, sl_value_t *out,
                 sl_error_t *err) {
  UNUSED_ARGS;
  long cp;
  if (a[0].kind == SL_T_INT) {
    cp = a[0].u.i;
  } else {
    char tmp[16];
    size_t len = a[0].u.s.len < 15 ? a[0].u.s.len : 15;
    memcpy(tmp, a[0].u.s.ptr, len);
    tmp[len] = 0;
    const char *h = tmp;
    if ((h[0] == '\\' && (h[1] == 'u' || h[1] == 'U')) ||
        ((h[0] == 'U' || h[0] == 'u') && h[1] == '+'))
      h += 2;
    char *end;
    cp = strtol(h, &end, 16);
    if (*end || end == h) {
      *out = sl_null();
      return 0;
    }
  }
  if (cp < 0 || cp > 0x10FFFF) {
    *out = sl_null();
    return 0;
  }
  char buf[4];
  size_t k = put_utf8(buf, (uint32_t)cp);
  *out = sl_str_dup(ar, buf, k);
  return 0;
}

static int hexval(int c) {
  return c >= '0' && c <= '9'   ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}

static int b64val(int c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

/* TO_BYTES(str, encoding): hex, utf8, ascii, base64. */
static int f_to_bytes(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar,
                      sl_value_t *out, sl_error_t *err) {
  SL_UNUSED(n), SL_UNUSED(ret);
  const char *s = a[0].u.s.ptr;
  size_t sn = a[0].u.s.len;
  char enc[16];
  snprintf(enc, sizeof enc, "%.*s", (int)a[1].u.s.len, a[1].u.s.ptr);
  if (sl_streq_ci(enc, "utf8") || sl_streq_ci(enc, "ascii")) {
    *out = sl_str_dup(ar, s, sn);
  } else if (sl_streq_ci(enc, "hex")) {
    if (sn % 2) return sl_error_set(err, SL_EEVAL, -1, "Failed to decode hex string");
    char *p;
    *out = sl_str_alloc(ar, (uint32_t)(sn / 2), &p);
    for (size_t i = 0; i < sn; i += 2) {
      int h = hexval(s[i]), l = hexval(s[i + 1]);
      if (h < 0 || l < 0) return sl_error_set(err, SL_EEVAL, -1, "Failed to decode hex string");
      p[i / 2] = (char)(h * 16 + l);
    }
  } else if (sl_streq_ci(enc, "base64")) {
    char *p;
    *out = sl_str_alloc(ar, (uint32_t)(sn / 4 * 3 + 3), &p);
    uint32_t acc = 0, bits = 0, k = 0;
    for (size_t i = 0; i < sn && s[i] != '='; i++) {
      int v = b64val((unsigned char)s[i]);
      if (v < 0) return sl_error_set(err, SL_EEVAL, -1, "Failed to decode base64 string");
      acc = (acc << 6) | (uint32_t)v;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        p[k++] = (char)((acc >> bits) & 0xFF);
      }
    }
    out->u.s.len = k;
  } else {
    return sl_error_set(err, SL_EEVAL, -1,
                        "Supported input encodings are: hex, utf8, ascii and base64");
  }
  out->kind = SL_T_BYTES;
  return 0;
}

static int f_from_bytes(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar,
                        sl_value_t *out, sl_error_t *err) {
  SL_UNUSED(n), SL_UNUSED(ret);
  const unsigned char *s = (const unsigned char *)a[0].u.s.ptr;
  size_t sn = a[0].u.s.len;
  char enc[16];
  snprintf(enc, sizeof enc, "%.*s", (int)a[1].u.s.len, a[1].u.s.ptr);
  if (sl_streq_ci(enc, "utf8") || sl_streq_ci(enc, "ascii")) {
    *out = sl_str_dup(ar, (const char *)s, sn);
  } else if (sl_streq_ci(enc, "hex")) {
    static const char hx[] = "0123456789abcdef";
    char *p;
    *out = sl_str_alloc(ar, (uint32_t)(sn * 2), &p);
    for (size_t i = 0; i < sn; i++) {
      p[2 * i] = hx[s[i] >> 4];
      p[2 * i + 1] = hx[s[i] & 15];
    }
  } else if (sl_streq_ci(enc, "base64")) {
    sl_value_t b = sl_val_bytes(s, (uint32_t)sn);
    sl_buf_t buf;
    sl_buf_init(&buf);
    sl_value_format(&b, &buf);
    *out = sl_str_dup(ar, buf.data ? buf.data : "", buf.len);
    sl_buf_free(&buf);
  } else {
    return sl_error_set(err, SL_EEVAL, -1,
                        "Supported output encodings are: hex, utf8, ascii and base64");
  }
  return 0;
}

static int f_uuid(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar, sl_value_t *out,
                  sl_error_t *err) {
  SL_UNUSED(a), UNUSED_ARGS;
  unsigned char r[16];
  for (int i = 0; i < 16; i++) r[i] = (unsigned char)(sl_expr_random32() >> 8);
  r[6] = (unsigned char)((r[6] & 0x0F) | 0x40);
  r[8] = (unsigned char)((r[8] & 0x3F) | 0x80);
  char buf[40];
  snprintf(buf, sizeof buf, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
           r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13],
           r[14], r[15]);
  *out = sl_str_dup(ar, buf, 36);
  return 0;
}

/* ---------------- ENCODE ---------------- */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int enc_kind(const sl_value_t *v) {
  static const char *const names[] = {"hex", "utf8", "ascii", "base64"};
  for (int i = 0; i < 4; i++)
    if (v->u.s.len == strlen(names[i]) && strncasecmp(v->u.s.ptr, names[i], v->u.s.len) == 0)
      return i;
  return -1;
}

/* Decodes text in encoding k into bytes (commons-codec / Java rules). */
static int enc_decode(const char *s, size_t n, int k, sl_buf_t *b, sl_error_t *err) {
  if (k == 0) {
    /* "0x..." (odd length gets a leading 0) and "X'...'" wrappers are stripped */
    char pad = 0;
    if (n >= 2 && s[0] == '0' && s[1] == 'x') {
      if (n % 2) pad = '0';
      s += 2, n -= 2;
    } else if (n >= 3 && (s[0] == 'x' || s[0] == 'X') && s[1] == '\'' && s[n - 1] == '\'') {
      s += 2, n -= 3;
    }
    if ((n + (pad ? 1 : 0)) % 2)
      return sl_error_set(err, SL_EEVAL, -1, "Odd number of characters.");
    size_t i = 0;
    if (pad) {
      int l = hexval(s[0]);
      if (l < 0)
        return sl_error_set(err, SL_EEVAL, -1, "Illegal hexadecimal character %c at index 0", s[0]);
      sl_buf_putc(b, (char)l);
      i = 1;
    }
    for (; i + 1 < n + 1 && i < n; i += 2) {
      int h = hexval(s[i]), l = hexval(s[i + 1]);
      if (h < 0 || l < 0)
        return sl_error_set(err, SL_EEVAL, -1, "Illegal hexadecimal character %c at index %zu",
                            h < 0 ? s[i] : s[i + 1], h < 0 ? i : i + 1);
      sl_buf_putc(b, (char)(h * 16 + l));
    }
    return 0;
  }
  if (k == 3) {
    /* lenient like Base64.decodeBase64: characters outside the alphabet are skipped */
    uint32_t acc = 0, bits = 0;
    for (size_t i = 0; i < n && s[i] != '='; i++) {
      int v = b64val((unsigned char)s[i]);
      if (v < 0) continue;
      acc = (acc << 6) | (uint32_t)v;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        sl_buf_putc(b, (char)((acc >> bits) & 0xFF));
      }
    }
    return 0;
  }
  if (k == 2) {
    /* String.getBytes(US_ASCII): every non-ASCII character becomes '?' */
    for (size_t i = 0; i < n;) {
      size_t j = u8_step(s, n, i);
      sl_buf_putc(b, (unsigned char)s[i] < 0x80 ? s[i] : '?');
      i = j;
    }
    return 0;
  }
  sl_buf_append(b, s, n);
  return 0;
}

/* Encodes bytes into text in encoding k; undecodable bytes become U+FFFD. */
static void enc_encode(const unsigned char *p, size_t n, int k, sl_buf_t *b) {
  static const char hx[] = "0123456789abcdef";
  if (k == 0) {
    for (size_t i = 0; i < n; i++) {
      sl_buf_putc(b, hx[p[i] >> 4]);
      sl_buf_putc(b, hx[p[i] & 15]);
    }
  } else if (k == 3) {
    for (size_t i = 0; i < n; i += 3) {
      uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
                   (i + 2 < n ? p[i + 2] : 0);
      sl_buf_putc(b, B64[v >> 18]);
      sl_buf_putc(b, B64[(v >> 12) & 63]);
      sl_buf_putc(b, i + 1 < n ? B64[(v >> 6) & 63] : '=');
      sl_buf_putc(b, i + 2 < n ? B64[v & 63] : '=');
    }
  } else {
    for (size_t i = 0; i < n;) {
      size_t next;
      uint32_t cp = u8_decode((const char *)p, n, i, &next);
      bool bad = (k == 2 && p[i] >= 0x80) || (p[i] >= 0x80 && next - i == 1);
      if (bad) {
        sl_buf_puts(b, "\xEF\xBF\xBD");
        i++;
      } else {
        SL_UNUSED(cp);
        sl_buf_append(b, p + i, next - i);
        i = next;
      }
    }
  }
}

static int f_encode(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar,
                    sl_value_t *out, sl_error_t *err) {
  SL_UNUSED(n), SL_UNUSED(ret);
  int in = enc_kind(&a[1]), to = enc_kind(&a[2]);
  if (in < 0 || to < 0 || in == to)
    return sl_error_set(err, SL_EEVAL, -1,
                        "Supported input and output encodings are: hex, utf8, ascii and base64");
  sl_buf_t raw, text;
  sl_buf_init(&raw);
  sl_buf_init(&text);
  int rc = enc_decode(a[0].u.s.ptr, a[0].u.s.len, in, &raw, err);
  if (!rc) {
    enc_encode((const unsigned char *)(raw.data ? raw.data : ""), raw.len, to, &text);
    *out = sl_str_dup(ar, text.data ? text.data : "", text.len);
  }
  sl_buf_free(&raw);
  sl_buf_free(&text);
  return rc;
}

/* MD5: the lower-case hex digest of the string's UTF-8 bytes. */
static int f_md5(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar, sl_value_t *out,
                 sl_error_t *err) {
  SL_UNUSED(n), SL_UNUSED(ret);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  if (!EVP_Digest(a[0].u.s.ptr, a[0].u.s.len, md, &mdlen, EVP_md5(), NULL))
    return sl_error_set(err, SL_EEVAL, -1, "MD5 is not available");
  static const char hx[] = "0123456789abcdef";
  char *p;
  *out = sl_str_alloc(ar, mdlen * 2, &p);
  for (unsigned int i = 0; i < mdlen; i++) {
    p[2 * i] = hx[md[i] >> 4];
    p[2 * i + 1] = hx[md[i] & 15];
  }
  return 0;
}

/* ---------------- ELT, FIELD, SPLIT_TO_MAP ---------------- */

static int ty_elt(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                  sl_error_t *err) {
  SL_UNUSED(ar);
  if (n < 1 || !sl_ty_is(a[0], SL_T_INT) || !all_strings(a, 1, n)) return sl_fn_reject(err);
  *ret = &sl_type_string;
  return 0;
}

static int ty_field(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                    sl_error_t *err) {
  SL_UNUSED(ar);
  if (n < 1 || !all_strings(a, 0, n)) return sl_fn_reject(err);
  *ret = &sl_type_int;
  return 0;
}

static int ty_split_to_map(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                           sl_error_t *err) {
  if (n != 3 || !all_strings(a, 0, 3)) return sl_fn_reject(err);
  *ret = sl_type_map(ar, &sl_type_string, &sl_type_string);
  return 0;
}

static int f_elt(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar, sl_value_t *out,
                 sl_error_t *err) {
  SL_UNUSED(ret), SL_UNUSED(ar), SL_UNUSED(err);
  if (a[0].kind == SL_T_NULL || a[0].u.i < 1 || a[0].u.i > n - 1)
    *out = sl_null();
  else
    *out = a[a[0].u.i];
  return 0;
}

static int f_field(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar,
                   sl_value_t *out, sl_error_t *err) {
  SL_UNUSED(ret), SL_UNUSED(ar), SL_UNUSED(err);
  *out = sl_val_int(0);
  if (a[0].kind == SL_T_NULL) return 0;
  for (int i = 1; i < n; i++)
    if (a[i].kind != SL_T_NULL && a[i].u.s.len == a[0].u.s.len &&
        memcmp(a[i].u.s.ptr, a[0].u.s.ptr, a[0].u.s.len) == 0) {
      *out = sl_val_int(i);
      return 0;
    }
  return 0;
}

/* Entries split on the entry delimiter (empty ones skipped); an entry
 * without the key/value delimiter is ignored; the value is the text between
 * the first and second key/value delimiter; a later key wins. */
static int f_split_to_map(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar,
                          sl_value_t *out, sl_error_t *err) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(err);
  const char *s = a[0].u.s.ptr, *ed = a[1].u.s.ptr, *kd = a[2].u.s.ptr;
  size_t sn = a[0].u.s.len, en = a[1].u.s.len, kn = a[2].u.s.len;
  *out = sl_null();
  if (en == 0 || kn == 0 || (en == kn && memcmp(ed, kd, en) == 0)) return 0;
  uint32_t cap = 8, k = 0;
  sl_value_t *items = sl_arena_alloc(ar, sizeof *items * 2 * cap);
  for (size_t i = 0; i <= sn;) {
    const char *f = memfind(s + i, sn - i, ed, en);
    size_t e = f ? (size_t)(f - s) : sn;
    const char *entry = s + i;
    size_t elen = e - i;
    const char *kv = elen ? memfind(entry, elen, kd, kn) : NULL;
    if (kv) {
      sl_value_t key = sl_val_string(entry, (uint32_t)(kv - entry));
      const char *vs = kv + kn;
      size_t vrest = elen - (size_t)(vs - entry);
      const char *ve = memfind(vs, vrest, kd, kn);
      sl_value_t val = sl_val_string(vs, (uint32_t)(ve ? (size_t)(ve - vs) : vrest));
      uint32_t j;
      for (j = 0; j < k; j++)
        if (sl_value_equal(&items[2 * j], &key)) break;
      if (j == k) {
        if (k == cap) {
          sl_value_t *bigger = sl_arena_alloc(ar, sizeof *items * 4 * cap);
          memcpy(bigger, items, sizeof *items * 2 * cap);
          items = bigger;
          cap *= 2;
        }
        k++;
      }
      items[2 * j] = key;
      items[2 * j + 1] = val;
    }
    if (!f) break;
    i = e + en;
  }
  out->kind = SL_T_MAP;
  out->u.arr.items = items;
  out->u.arr.n = k;
  return 0;
}

#define STR "STRING"
const sl_function_t sl_fn_string_table[] = {
    {"CHR", SL_FN_SCALAR, STR, "Returns a single-character string for the given code point.",
     "CHR(INTEGER decimalCode)\nCHR(STRING utf16Hex)", ty_chr, f_chr, true, false, false},
    {"CONCAT", SL_FN_SCALAR, STR,
     "Concatenate an arbitrary number of string or bytes fields "
     "together; NULL inputs are skipped.",
     "CONCAT(STRING... inputs)\nCONCAT(BYTES... inputs)", ty_concat, f_concat, false, false, false},
    {"CONCAT_WS", SL_FN_SCALAR, STR,
     "Concatenate several strings or bytes, inserting a separator between each; NULL inputs are "
     "skipped, a NULL separator gives NULL.",
     "CONCAT_WS(STRING separator, STRING... inputs)\nCONCAT_WS(BYTES separator, BYTES... inputs)",
     ty_concat_ws, f_concat_ws, false, false, false},
    {"ELT", SL_FN_SCALAR, STR,
     "Returns the Nth element of the list of strings, or NULL if N is less than 1 or greater "
     "than the number of strings (1-indexed).",
     "ELT(INTEGER n, STRING... args) -> STRING", ty_elt, f_elt, false, false, false},
    {"ENCODE", SL_FN_SCALAR, STR,
     "Takes an input string s, which is encoded as input_encoding, and encodes it as "
     "output_encoding. The accepted encodings are: hex, utf8, ascii and base64.",
     "ENCODE(STRING str, STRING inputEncoding, STRING outputEncoding) -> STRING", ty_str3_str,
     f_encode, true, false, false},
    {"FIELD", SL_FN_SCALAR, STR,
     "Returns the position (1-indexed) of str in args, or 0 if not found (a NULL str is never "
     "found).",
     "FIELD(STRING str, STRING... args) -> INTEGER", ty_field, f_field, false, false, false},
    {"FROM_BYTES", SL_FN_SCALAR, STR,
     "Converts a BYTES value to STRING in the given encoding (hex, utf8, ascii, base64).",
     "FROM_BYTES(BYTES bytes, STRING encoding)", ty_from_bytes, f_from_bytes, true, false, false},
    {"INITCAP", SL_FN_SCALAR, STR,
     "Capitalizes the first letter of each word and lower-cases the rest.", "INITCAP(STRING input)",
     ty_str_str, f_initcap, true, false, false},
    {"INSTR", SL_FN_SCALAR, STR,
     "Returns the position of substring in string, 0 if not found (1-based).",
     "INSTR(STRING str, STRING substring)\nINSTR(STRING str, STRING substring, INTEGER position)\n"
     "INSTR(STRING str, STRING substring, INTEGER position, INTEGER occurrence)",
     ty_instr, f_instr, true, false, false},
    {"LCASE", SL_FN_SCALAR, STR, "Converts a string to lower case.", "LCASE(STRING input)",
     ty_str_str, f_lcase, true, false, false},
    {"LEN", SL_FN_SCALAR, STR, "Returns the length of a STRING (characters) or BYTES value.",
     "LEN(STRING input)\nLEN(BYTES input)", ty_len, f_len, true, false, false},
    {"LPAD", SL_FN_SCALAR, STR, "Pads the input on the left to the given length.",
     "LPAD(STRING input, INTEGER length, STRING padding)\n"
     "LPAD(BYTES input, INTEGER length, BYTES padding)",
     ty_pad, f_lpad, true, false, false},
    {"LTRIM", SL_FN_SCALAR, STR, "Removes leading whitespace.", "LTRIM(STRING input)", ty_str_str,
     f_ltrim, true, false, false},
    {"MASK", SL_FN_SCALAR, STR, "Masks all characters of a string.",
     "MASK(STRING input)\nMASK(STRING input, STRING upper, STRING lower, STRING digit, STRING "
     "other)",
     ty_mask, f_mask, false, false, false},
    {"MASK_KEEP_LEFT", SL_FN_SCALAR, STR, "Masks all but the first n characters.",
     "MASK_KEEP_LEFT(STRING input, INTEGER numChars [, STRING upper, STRING lower, STRING digit, "
     "STRING other])",
     ty_mask_n, f_mask_keep_left, false, false, false},
    {"MASK_KEEP_RIGHT", SL_FN_SCALAR, STR, "Masks all but the last n characters.",
     "MASK_KEEP_RIGHT(STRING input, INTEGER numChars [, STRING upper, STRING lower, STRING "
     "digit, STRING other])",
     ty_mask_n, f_mask_keep_right, false, false, false},
    {"MASK_LEFT", SL_FN_SCALAR, STR, "Masks the first n characters.",
     "MASK_LEFT(STRING input, INTEGER numChars [, STRING upper, STRING lower, STRING digit, "
     "STRING other])",
     ty_mask_n, f_mask_left, false, false, false},
    {"MASK_RIGHT", SL_FN_SCALAR, STR, "Masks the last n characters.",
     "MASK_RIGHT(STRING input, INTEGER numChars [, STRING upper, STRING lower, STRING digit, "
     "STRING other])",
     ty_mask_n, f_mask_right, false, false, false},
    {"MD5", SL_FN_SCALAR, STR, "Computes the hex-encoded md5 hash of the given string.",
     "MD5(STRING input) -> STRING", ty_str_str, f_md5, true, false, false},
    {"REPLACE", SL_FN_SCALAR, STR, "Replaces all occurrences of a substring.",
     "REPLACE(STRING str, STRING substring, STRING replacement)", ty_str3_str, f_replace, true,
     false, false},
    {"RPAD", SL_FN_SCALAR, STR, "Pads the input on the right to the given length.",
     "RPAD(STRING input, INTEGER length, STRING padding)\n"
     "RPAD(BYTES input, INTEGER length, BYTES padding)",
     ty_pad, f_rpad, true, false, false},
    {"RTRIM", SL_FN_SCALAR, STR, "Removes trailing whitespace.", "RTRIM(STRING input)", ty_str_str,
     f_rtrim, true, false, false},
    {"SPLIT", SL_FN_SCALAR, STR, "Splits a string or bytes value into an array on a delimiter.",
     "SPLIT(STRING string, STRING delimiter)\nSPLIT(BYTES bytes, BYTES delimiter)", ty_split,
     f_split, true, false, false},
    {"SPLIT_TO_MAP", SL_FN_SCALAR, STR,
     "Splits a string into key-value pairs and creates a map from them; a later value for the "
     "same key wins.",
     "SPLIT_TO_MAP(STRING input, STRING entryDelimiter, STRING kvDelimiter) -> MAP<STRING, "
     "STRING>",
     ty_split_to_map, f_split_to_map, true, false, false},
    {"SUBSTRING", SL_FN_SCALAR, STR, "Returns the portion of the string or bytes passed in value.",
     "SUBSTRING(STRING str, INTEGER pos)\nSUBSTRING(STRING str, INTEGER pos, INTEGER length)\n"
     "SUBSTRING(BYTES bytes, INTEGER pos)\nSUBSTRING(BYTES bytes, INTEGER pos, INTEGER length)",
     ty_substring, f_substring, true, false, false},
    {"TO_BYTES", SL_FN_SCALAR, STR,
     "Converts a STRING value in the given encoding (hex, utf8, ascii, base64) to BYTES.",
     "TO_BYTES(STRING string, STRING encoding)", ty_to_bytes, f_to_bytes, true, false, false},
    {"TRIM", SL_FN_SCALAR, STR, "Removes leading and trailing whitespace.", "TRIM(STRING input)",
     ty_str_str, f_trim, true, false, false},
    {"UCASE", SL_FN_SCALAR, STR, "Converts a string to upper case.", "UCASE(STRING input)",
     ty_str_str, f_ucase, true, false, false},
    {"UUID", SL_FN_SCALAR, STR, "Returns a random version 4 UUID.", "UUID()", ty_uuid, f_uuid,
     false, true, false},
};
const int sl_fn_string_count = (int)SL_ARRAY_LEN(sl_fn_string_table);
