/*
 * fn_url.c - URL functions. ksqlDB parses with java.net.URI (RFC 2396):
 * an unescaped space or a bad %-escape makes the whole URL invalid (a
 * run-time error, so NULL plus a processing-log entry), a component that is
 * absent is NULL, and path, query and fragment come back %-decoded. The
 * parameter encoder and decoder follow application/x-www-form-urlencoded
 * (space as '+'), as Guava's form escaper and URLDecoder do.
 */
#include <stdio.h>
#include <string.h>

#include "expr_int.h"

/* The parts of a URI; a NULL ptr means the part is absent. */
typedef struct {
  const char *p;
  size_t n;
} span_t;

typedef struct {
  span_t scheme, host, path, query, fragment;
  int port; /* -1 when absent */
} uri_t;

static int hexv(char c) {
  return c >= '0' && c <= '9'   ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}

static bool alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Characters java.net.URI never accepts unescaped (outside an IPv6 host). */
static bool illegal(unsigned char c) {
  return c <= ' ' || c == 0x7F || strchr("\"<>\\^`{|}", c) != NULL;
}

static bool uri_parse(const char *s, size_t n, uri_t *u) {
  memset(u, 0, sizeof *u);
  u->port = -1;
  if (n == 0) {
    u->path.p = s; /* "" is a valid relative reference with an empty path */
    return true;
  }
  bool in_brackets = false;
  int hashes = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '%') {
      if (i + 2 >= n || hexv(s[i + 1]) < 0 || hexv(s[i + 2]) < 0) return false;
    } else if (c == '#') {
      if (++hashes > 1) return false;
    } else if (c == '[') {
      in_brackets = true;
    } else if (c == ']') {
      in_brackets = false;
    } else if (illegal(c) && !in_brackets) {
      return false;
    }
  }
  size_t i = 0;
  /* scheme */
  if (alnum(s[0]) && !(s[0] >= '0' && s[0] <= '9')) {
    size_t j = 1;
    while (j < n && (alnum(s[j]) || s[j] == '+' || s[j] == '-' || s[j] == '.')) j++;
    if (j < n && s[j] == ':') {
      u->scheme = (span_t){s, j};
      i = j + 1;
    }
  }
  if (s[0] == ':') return false;
  const char *hash = memchr(s + i, '#', n - i);
  size_t end = hash ? (size_t)(hash - s) : n;
  if (hash) u->fragment = (span_t){hash + 1, n - end - 1};
  if (u->scheme.p && (i >= end || s[i] != '/')) {
    /* opaque (mailto:x): no authority, path or query */
    return i < end || hash;
  }
  if (i + 1 < end && s[i] == '/' && s[i + 1] == '/') {
    size_t st = i + 2, j = st;
    while (j < end && s[j] != '/' && s[j] != '?') j++;
    span_t auth = {s + st, j - st};
    i = j;
    /* server-based authority: [userinfo@]host[:port]; otherwise registry-based (no host) */
    const char *at = memrchr(auth.p, '@', auth.n);
    const char *hp = at ? at + 1 : auth.p;
    size_t hn = auth.n - (size_t)(hp - auth.p);
    const char *colon = NULL;
    if (hn && hp[0] == '[') {
      const char *rb = memchr(hp, ']', hn);
      if (!rb) return false;
      if ((size_t)(rb - hp) + 1 < hn) colon = rb + 1;
      u->host = (span_t){hp, (size_t)(rb - hp) + 1};
      if (colon && *colon != ':') return false;
    } else {
      colon = memrchr(hp, ':', hn);
      u->host = (span_t){hp, colon ? (size_t)(colon - hp) : hn};
    }
    bool server = u->host.n > 0;
    if (hp[0] != '[')
      for (size_t k = 0; k < u->host.n && server; k++) {
        char c = u->host.p[k];
        if (!(alnum(c) || c == '-' || c == '.')) server = false;
      }
    if (colon) {
      const char *pp = colon + 1, *pe = hp + hn;
      int port = 0;
      if (pp < pe) {
        for (const char *q = pp; q < pe; q++) {
          if (*q < '0' || *q > '9' || port > 99999)
            server = false;
          else
            port = port * 10 + (*q - '0');
        }
        if (server) u->port = port;
      }
    }
    if (!server) {
      u->host = (span_t){NULL, 0};
      u->port = -1;
    }
  }
  const char *q = memchr(s + i, '?', end - i);
  size_t pend = q ? (size_t)(q - s) : end;
  u->path = (span_t){s + i, pend - i};
  if (q) u->query = (span_t){q + 1, end - pend - 1};
  return true;
}

/* %-decodes sp as UTF-8 bytes (the '+' stays as is, as URI does). */
static sl_value_t decoded(sl_arena_t *ar, span_t sp) {
  char *o;
  sl_value_t v = sl_str_alloc(ar, (uint32_t)sp.n, &o);
  size_t k = 0;
  for (size_t i = 0; i < sp.n; i++) {
    if (sp.p[i] == '%' && i + 2 < sp.n && hexv(sp.p[i + 1]) >= 0 && hexv(sp.p[i + 2]) >= 0) {
      o[k++] = (char)(hexv(sp.p[i + 1]) * 16 + hexv(sp.p[i + 2]));
      i += 2;
    } else {
      o[k++] = sp.p[i];
    }
  }
  v.u.s.len = (uint32_t)k;
  return v;
}

static int parse_arg(const sl_value_t *a, uri_t *u, sl_error_t *err) {
  if (!uri_parse(a->u.s.ptr, a->u.s.len, u))
    return sl_error_set(err, SL_EEVAL, -1, "URL input has invalid syntax: %.*s", (int)a->u.s.len,
                        a->u.s.ptr);
  return 0;
}

/* ---------------- typers ---------------- */

static int ty_url(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                  sl_error_t *err) {
  SL_UNUSED(ar);
  if (n != 1 || !sl_ty_is(a[0], SL_T_STRING)) return sl_fn_reject(err);
  *ret = &sl_type_string;
  return 0;
}

static int ty_port(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                   sl_error_t *err) {
  SL_UNUSED(ar);
  if (n != 1 || !sl_ty_is(a[0], SL_T_STRING)) return sl_fn_reject(err);
  *ret = &sl_type_int;
  return 0;
}

static int ty_param(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                    sl_error_t *err) {
  SL_UNUSED(ar);
  if (n != 2 || !sl_ty_is(a[0], SL_T_STRING) || !sl_ty_is(a[1], SL_T_STRING))
    return sl_fn_reject(err);
  *ret = &sl_type_string;
  return 0;
}

/* ---------------- implementations ---------------- */

#define FN(NAME)                                                                    \
  static int NAME(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar, \
                  sl_value_t *out, sl_error_t *err)

static int part(const sl_value_t *a, sl_arena_t *ar, sl_value_t *out, sl_error_t *err, int which) {
  uri_t u;
  if (parse_arg(a, &u, err)) return SL_EEVAL;
  span_t sp = which == 0   ? u.fragment
              : which == 1 ? u.host
              : which == 2 ? u.path
              : which == 3 ? u.scheme
                           : u.query;
  if (!sp.p)
    *out = sl_null();
  else if (which == 1 || which == 3)
    *out = sl_str_dup(ar, sp.p, sp.n);
  else
    *out = decoded(ar, sp);
  return 0;
}

FN(f_fragment) {
  SL_UNUSED(n), SL_UNUSED(ret);
  return part(a, ar, out, err, 0);
}

FN(f_host) {
  SL_UNUSED(n), SL_UNUSED(ret);
  return part(a, ar, out, err, 1);
}

FN(f_path) {
  SL_UNUSED(n), SL_UNUSED(ret);
  return part(a, ar, out, err, 2);
}

FN(f_protocol) {
  SL_UNUSED(n), SL_UNUSED(ret);
  return part(a, ar, out, err, 3);
}

FN(f_query) {
  SL_UNUSED(n), SL_UNUSED(ret);
  return part(a, ar, out, err, 4);
}

FN(f_port) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(ar);
  uri_t u;
  if (parse_arg(a, &u, err)) return SL_EEVAL;
  *out = u.port < 0 ? sl_null() : sl_val_int(u.port);
  return 0;
}

/* The first parameter named a[1] in the decoded query: "" when it has no
 * '=', NULL when it is absent. */
FN(f_parameter) {
  SL_UNUSED(n), SL_UNUSED(ret);
  uri_t u;
  if (parse_arg(a, &u, err)) return SL_EEVAL;
  *out = sl_null();
  if (!u.query.p) return 0;
  sl_value_t q = decoded(ar, u.query);
  const char *p = q.u.s.ptr, *e = p + q.u.s.len;
  while (p <= e) {
    const char *amp = memchr(p, '&', (size_t)(e - p));
    const char *pe = amp ? amp : e;
    const char *eq = memchr(p, '=', (size_t)(pe - p));
    const char *ke = eq ? eq : pe;
    if ((size_t)(ke - p) == a[1].u.s.len && memcmp(p, a[1].u.s.ptr, a[1].u.s.len) == 0) {
      *out = eq ? sl_val_string(eq + 1, (uint32_t)(pe - eq - 1)) : sl_val_string("", 0);
      return 0;
    }
    if (!amp) break;
    p = amp + 1;
  }
  return 0;
}

FN(f_encode_param) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(err);
  static const char hx[] = "0123456789ABCDEF";
  sl_buf_t b;
  sl_buf_init(&b);
  for (uint32_t i = 0; i < a[0].u.s.len; i++) {
    unsigned char c = (unsigned char)a[0].u.s.ptr[i];
    if (alnum((char)c) || c == '-' || c == '_' || c == '.' || c == '*') {
      sl_buf_putc(&b, (char)c);
    } else if (c == ' ') {
      sl_buf_putc(&b, '+');
    } else {
      char t[4] = {'%', hx[c >> 4], hx[c & 15], 0};
      sl_buf_puts(&b, t);
    }
  }
  *out = sl_str_dup(ar, b.data ? b.data : "", b.len);
  sl_buf_free(&b);
  return 0;
}

FN(f_decode_param) {
  SL_UNUSED(n), SL_UNUSED(ret);
  const char *s = a[0].u.s.ptr;
  uint32_t len = a[0].u.s.len;
  char *o;
  *out = sl_str_alloc(ar, len, &o);
  uint32_t k = 0;
  for (uint32_t i = 0; i < len; i++) {
    if (s[i] == '+') {
      o[k++] = ' ';
    } else if (s[i] == '%') {
      if (i + 2 >= len || hexv(s[i + 1]) < 0 || hexv(s[i + 2]) < 0)
        return sl_error_set(err, SL_EEVAL, -1,
                            "URLDecoder: Illegal hex characters in escape (%%) pattern");
      o[k++] = (char)(hexv(s[i + 1]) * 16 + hexv(s[i + 2]));
      i += 2;
    } else {
      o[k++] = s[i];
    }
  }
  out->u.s.len = k;
  return 0;
}

#define URL "URL"
const sl_function_t sl_fn_url_table[] = {
    {"URL_DECODE_PARAM", SL_FN_SCALAR, URL,
     "Decodes a previously encoded application/x-www-form-urlencoded String.",
     "URL_DECODE_PARAM(STRING input) -> STRING", ty_url, f_decode_param, true, false, false},
    {"URL_ENCODE_PARAM", SL_FN_SCALAR, URL,
     "Returns a version of the input with all URL sensitive characters encoded using the "
     "application/x-www-form-urlencoded standard.",
     "URL_ENCODE_PARAM(STRING input) -> STRING", ty_url, f_encode_param, true, false, false},
    {"URL_EXTRACT_FRAGMENT", SL_FN_SCALAR, URL,
     "Extracts the fragment portion of a URL, or NULL if there is none.",
     "URL_EXTRACT_FRAGMENT(STRING input) -> STRING", ty_url, f_fragment, true, false, false},
    {"URL_EXTRACT_HOST", SL_FN_SCALAR, URL, "Extracts the host-name portion of a URL.",
     "URL_EXTRACT_HOST(STRING input) -> STRING", ty_url, f_host, true, false, false},
    {"URL_EXTRACT_PARAMETER", SL_FN_SCALAR, URL,
     "Extracts the value of a query parameter from a URL, or NULL if it is absent.",
     "URL_EXTRACT_PARAMETER(STRING input, STRING paramToFind) -> STRING", ty_param, f_parameter,
     true, false, false},
    {"URL_EXTRACT_PATH", SL_FN_SCALAR, URL, "Extracts the path of a URL.",
     "URL_EXTRACT_PATH(STRING input) -> STRING", ty_url, f_path, true, false, false},
    {"URL_EXTRACT_PORT", SL_FN_SCALAR, URL,
     "Extracts the port of a URL, or NULL if it has no explicit port.",
     "URL_EXTRACT_PORT(STRING input) -> INTEGER", ty_port, f_port, true, false, false},
    {"URL_EXTRACT_PROTOCOL", SL_FN_SCALAR, URL,
     "Extracts the protocol (scheme) of a URL, or NULL if it has none.",
     "URL_EXTRACT_PROTOCOL(STRING input) -> STRING", ty_url, f_protocol, true, false, false},
    {"URL_EXTRACT_QUERY", SL_FN_SCALAR, URL,
     "Extracts the decoded query string of a URL, or NULL if it has none.",
     "URL_EXTRACT_QUERY(STRING input) -> STRING", ty_url, f_query, true, false, false},
};
const int sl_fn_url_count = (int)SL_ARRAY_LEN(sl_fn_url_table);
