/*
 * json.c - the JSON format: a small strict JSON reader that converts straight
 * into typed slot values, a compact writer, and the jansson glue used by the
 * REST layer and the test runner.
 *
 * Reading follows ksqlDB's KsqlJsonDeserializer: Jackson parses the document
 * (floats as exact BigDecimals), then each column is coerced to its SQL type
 * (numbers <-> strings, DECIMAL from numbers or strings without rounding,
 * BYTES from base64, objects and arrays as text when a STRING is wanted), and
 * object fields match column names exactly first, then upper-cased. Our
 * reader does both in one pass with no tree: number text is kept as written
 * so decimals keep their scale, and fields nobody asked for are only skipped.
 * Error messages copy ksqlDB's ("Can't convert type. sourceType: TextNode,
 * requiredType: INTEGER, path: $.FOO"); the caller adds the "Failed to
 * deserialize value from topic: T. " prefix since only it knows the topic.
 *
 * Writing is a hand-rolled writer (jansson's encoder is 5-20x slower and
 * cannot keep a decimal's scale): Jackson's string escaping, doubles as
 * Java's Double.toString, decimals as BigDecimal.toString.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "serde_int.h"

#define JSON_MAX_DEPTH 500

/* ---------------- reader state ---------------- */

typedef struct jp {
  const char *p, *end;
  sl_arena_t *a;
  int depth;
  bool syntax; /* the failure is malformed JSON (no path) */
  char reason[512];
  char path[512]; /* built while unwinding, segments prepended */
  size_t pathlen;
} jp_t;

static void jp_init(jp_t *jp, const char *data, size_t len, sl_arena_t *a) {
  jp->p = data;
  jp->end = data + len;
  jp->a = a;
  jp->depth = 0;
  jp->syntax = false;
  jp->reason[0] = 0;
  jp->pathlen = 0;
}

__attribute__((format(printf, 2, 3))) static bool syntax_err(jp_t *jp, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(jp->reason, sizeof jp->reason, fmt, ap);
  va_end(ap);
  jp->syntax = true;
  return false;
}

__attribute__((format(printf, 2, 3))) static bool conv_err(jp_t *jp, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(jp->reason, sizeof jp->reason, fmt, ap);
  va_end(ap);
  return false;
}

static void path_prepend(jp_t *jp, const char *seg, size_t n) {
  if (jp->syntax || jp->pathlen + n >= sizeof jp->path) return;
  memmove(jp->path + n, jp->path, jp->pathlen);
  memcpy(jp->path, seg, n);
  jp->pathlen += n;
}

/* Turns the reader's failure into the caller's error. */
static int jp_fail(jp_t *jp, sl_error_t *err) {
  if (jp->syntax) return sl_error_set(err, SL_ESERDE, -1, "%s", jp->reason);
  return sl_error_set(err, SL_ESERDE, -1, "%s, path: $%.*s", jp->reason, (int)jp->pathlen,
                      jp->path);
}

static inline void ws(jp_t *jp) {
  while (jp->p < jp->end) {
    char c = *jp->p;
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') break;
    jp->p++;
  }
}

static bool unexpected(jp_t *jp, const char *expected) {
  if (jp->p >= jp->end) return syntax_err(jp, "Unexpected end-of-input: expected %s", expected);
  unsigned char c = (unsigned char)*jp->p;
  if (c >= 0x20 && c < 0x7f)
    return syntax_err(jp, "Unexpected character ('%c' (code %d)): expected %s", c, c, expected);
  return syntax_err(jp, "Unexpected character (code %d): expected %s", c, expected);
}

static const char VALUE_EXPECTED[] =
    "a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')";

/* ---------------- tokens ---------------- */

static bool is_ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* true / false / null; the token must not run on ("truex"). */
static bool literal(jp_t *jp, const char *word, size_t n) {
  if ((size_t)(jp->end - jp->p) < n || memcmp(jp->p, word, n) != 0 ||
      ((size_t)(jp->end - jp->p) > n && is_ident_char(jp->p[n]))) {
    const char *q = jp->p;
    while (q < jp->end && is_ident_char(*q) && q - jp->p < 64) q++;
    return syntax_err(jp,
                      "Unrecognized token '%.*s': was expecting (JSON String, Number, Array, "
                      "Object or token 'null', 'true' or 'false')",
                      (int)(q - jp->p), jp->p);
  }
  jp->p += n;
  return true;
}

typedef struct jstr {
  const char *raw; /* between the quotes, escapes still in */
  size_t len;
  bool esc;  /* contains backslash escapes */
  bool high; /* contains bytes >= 0x80 */
} jstr_t;

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Eight bytes at a time: non-zero when any byte is a quote, a backslash or
 * a control character (the bytes that end a plain run of string text). Each
 * test is the classic "some byte is zero / below n" word trick, exact as a
 * yes/no answer; bytes >= 0x80 never trigger it. */
static inline uint64_t str_stop8(uint64_t w) {
  const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
  uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
  return (((q - ones) & ~q) | ((b - ones) & ~b) | ((w - ones * 0x20) & ~w)) & high;
}

/* At '"': validates the literal and leaves the cursor after the closing quote. */
static bool scan_string(jp_t *jp, jstr_t *s) {
  const char *p = ++jp->p, *end = jp->end;
  s->raw = p;
  s->esc = s->high = false;
  for (;;) {
    /* Skip plain text a block at a time, then find the stop byte singly. */
    uint64_t hi = 0;
    bool found = false;
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'),
                  ctl = _mm_set1_epi8(0x1f);
    while (end - p >= 16) {
      __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
      __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)),
                                  _mm_cmpeq_epi8(_mm_min_epu8(x, ctl), x)); /* x <= 0x1f */
      unsigned m = (unsigned)_mm_movemask_epi8(stop);
      unsigned h = (unsigned)_mm_movemask_epi8(x); /* bytes >= 0x80 */
      if (m) {
        unsigned k = (unsigned)__builtin_ctz(m);
        hi |= h & ((1u << k) - 1);
        p += k;
        found = true;
        break;
      }
      hi |= h;
      p += 16;
    }
    if (hi) s->high = true;
    hi = 0;
#endif
    while (!found && end - p >= 8) {
      uint64_t w;
      memcpy(&w, p, 8);
      if (str_stop8(w)) break;
      hi |= w;
      p += 8;
    }
    if (hi & 0x8080808080808080ULL) s->high = true;
    while (p < end) {
      unsigned char c = (unsigned char)*p;
      if (c == '"' || c == '\\' || c < 0x20) break;
      if (c >= 0x80) s->high = true;
      p++;
    }
    if (p >= end) {
      jp->p = p;
      return syntax_err(jp,
                        "Unexpected end-of-input: was expecting closing quote for a string "
                        "value");
    }
    unsigned char c = (unsigned char)*p;
    if (c == '"') break;
    if (c < 0x20) {
      jp->p = p;
      return syntax_err(jp,
                        "Illegal unquoted character ((CTRL-CHAR, code %d)): has to be escaped "
                        "using backslash to be included in string value",
                        c);
    }
    /* backslash */
    s->esc = true;
    if (p + 1 >= end) {
      jp->p = p + 1;
      return syntax_err(jp, "Unexpected end-of-input in character escape sequence");
    }
    char e = p[1];
    if (e == 'u') {
      if (end - p < 6 || hexval(p[2]) < 0 || hexval(p[3]) < 0 || hexval(p[4]) < 0 ||
          hexval(p[5]) < 0) {
        jp->p = p;
        return syntax_err(jp, "Unexpected character in unicode escape: expected a hex-digit");
      }
      p += 6;
    } else if (strchr("\"\\/bfnrt", e) && e) {
      p += 2;
    } else {
      jp->p = p;
      return syntax_err(jp, "Unrecognized character escape '%c' (code %d)", e, (unsigned char)e);
    }
  }
  s->len = (size_t)(p - s->raw);
  jp->p = p + 1;
  return true;
}

static size_t put_utf8(char *d, unsigned cp) {
  if (cp < 0x80) {
    d[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    d[0] = (char)(0xC0 | (cp >> 6));
    d[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    d[0] = (char)(0xE0 | (cp >> 12));
    d[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    d[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  d[0] = (char)(0xF0 | (cp >> 18));
  d[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  d[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  d[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

static unsigned hex4(const char *p) {
  return (unsigned)(hexval(p[0]) << 12 | hexval(p[1]) << 8 | hexval(p[2]) << 4 | hexval(p[3]));
}

/* Unescapes into dst (at least s->len bytes); returns the length. Lone
 * surrogates become U+FFFD since UTF-8 cannot carry them. */
static size_t unescape(const jstr_t *s, char *dst) {
  const char *p = s->raw, *end = s->raw + s->len;
  size_t o = 0;
  while (p < end) {
    if (*p != '\\') {
      dst[o++] = *p++;
      continue;
    }
    char e = p[1];
    p += 2;
    switch (e) {
      case 'b': dst[o++] = '\b'; break;
      case 'f': dst[o++] = '\f'; break;
      case 'n': dst[o++] = '\n'; break;
      case 'r': dst[o++] = '\r'; break;
      case 't': dst[o++] = '\t'; break;
      case 'u': {
        unsigned cp = hex4(p);
        p += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
          unsigned lo = hex4(p + 2);
          if (lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            p += 6;
          }
        }
        if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
        o += put_utf8(dst + o, cp);
        break;
      }
      default: dst[o++] = e; break; /* " \ / */
    }
  }
  return o;
}

/* The string's text, copied into the arena as valid UTF-8. */
static const char *str_text(jp_t *jp, const jstr_t *s, uint32_t *len) {
  if (!s->esc) {
    if (s->high) return sl_serde_utf8_copy(jp->a, s->raw, s->len, len);
    *len = (uint32_t)s->len;
    return s->len ? sl_arena_memdup(jp->a, s->raw, s->len) : "";
  }
  char *d = sl_arena_alloc(jp->a, s->len + 1);
  size_t n = unescape(s, d);
  if (s->high) return sl_serde_utf8_copy(jp->a, d, n, len);
  *len = (uint32_t)n;
  return d;
}

typedef struct jnum {
  const char *s;
  size_t len;
  bool isint; /* no fraction, no exponent */
} jnum_t;

static bool scan_number(jp_t *jp, jnum_t *n) {
  const char *p = jp->p, *end = jp->end;
  n->s = p;
  n->isint = true;
  if (p < end && *p == '-') p++;
  if (p >= end || *p < '0' || *p > '9') {
    jp->p = p;
    return p >= end ? syntax_err(jp, "Unexpected end-of-input in numeric value")
                    : syntax_err(jp,
                                 "Unexpected character ('%c' (code %d)) in numeric value: "
                                 "expected digit (0-9) to follow minus sign, for valid "
                                 "numeric value",
                                 *p, (unsigned char)*p);
  }
  if (*p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9') {
    jp->p = p;
    return syntax_err(jp, "Invalid numeric value: Leading zeroes not allowed");
  }
  while (p < end && *p >= '0' && *p <= '9') p++;
  if (p < end && *p == '.') {
    n->isint = false;
    p++;
    if (p >= end || *p < '0' || *p > '9') {
      jp->p = p;
      return syntax_err(jp,
                        "Unexpected character in numeric value: Decimal point not followed "
                        "by a digit");
    }
    while (p < end && *p >= '0' && *p <= '9') p++;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    n->isint = false;
    p++;
    if (p < end && (*p == '+' || *p == '-')) p++;
    if (p >= end || *p < '0' || *p > '9') {
      jp->p = p;
      return syntax_err(jp,
                        "Unexpected character in numeric value: Exponent indicator not "
                        "followed by a digit");
    }
    while (p < end && *p >= '0' && *p <= '9') p++;
  }
  n->len = (size_t)(p - n->s);
  jp->p = p;
  return true;
}

/* The number's integer part modulo 2^64, as Jackson's intValue()/asLong(). */
static uint64_t num_low64(const jnum_t *n) {
  if (n->isint && n->len <= 18) {
    size_t i = n->s[0] == '-';
    uint64_t v = 0;
    for (; i < n->len; i++) v = v * 10 + (uint64_t)(n->s[i] - '0');
    return n->s[0] == '-' ? 0 - v : v;
  }
  sl_bigdec_t b;
  if (!sl_bigdec_parse(n->s, n->len, &b)) return 0; /* over 400 digits */
  return sl_bigdec_low64(&b);
}

static double num_double(const jnum_t *n) {
  char small[128];
  char *tmp = n->len < sizeof small ? small : sl_xmalloc(n->len + 1);
  memcpy(tmp, n->s, n->len);
  tmp[n->len] = 0;
  double d = strtod(tmp, NULL);
  if (tmp != small) free(tmp);
  return d;
}

/* Jackson's text for a number node: integers as written (but "-0" is 0),
 * floats as BigDecimal.toString. */
static void num_text(const jnum_t *n, sl_buf_t *out) {
  if (n->isint) {
    if (n->len == 2 && n->s[0] == '-' && n->s[1] == '0')
      sl_buf_putc(out, '0');
    else
      sl_buf_append(out, n->s, n->len);
    return;
  }
  sl_bigdec_t b;
  if (sl_bigdec_parse(n->s, n->len, &b))
    sl_bigdec_to_string(&b, out);
  else
    sl_buf_append(out, n->s, n->len);
}

/* Jackson's node class for a number, as ksqlDB's messages name it. */
static const char *num_node(const jnum_t *n) {
  if (!n->isint) return "DecimalNode";
  int64_t l;
  if (!sl_java_parse_long(n->s, n->len, &l)) return "BigIntegerNode";
  return l >= INT32_MIN && l <= INT32_MAX ? "IntNode" : "LongNode";
}

/* ---------------- skipping and rewriting ---------------- */

static bool skip_value(jp_t *jp);

static bool enter(jp_t *jp) {
  if (++jp->depth > JSON_MAX_DEPTH)
    return syntax_err(jp, "Document nesting depth exceeds the maximum allowed (%d)",
                      JSON_MAX_DEPTH);
  jp->p++;
  ws(jp);
  return true;
}

/* After a member or element: ',' (returns true, *more) or the closer. */
static bool next_or_close(jp_t *jp, char close, bool *more) {
  ws(jp);
  if (jp->p < jp->end && *jp->p == ',') {
    jp->p++;
    ws(jp);
    *more = true;
    return true;
  }
  if (jp->p < jp->end && *jp->p == close) {
    jp->p++;
    jp->depth--;
    *more = false;
    return true;
  }
  return unexpected(jp, close == '}' ? "comma or close marker for Object ('}')"
                                     : "comma or close marker for Array (']')");
}

/* At an object member: reads `"key" :` leaving the cursor on the value. */
static bool member_key(jp_t *jp, jstr_t *key) {
  if (jp->p >= jp->end || *jp->p != '"') return unexpected(jp, "double-quote to start field name");
  if (!scan_string(jp, key)) return false;
  ws(jp);
  if (jp->p >= jp->end || *jp->p != ':')
    return unexpected(jp,
                      "a colon to separate field name "
                      "and value");
  jp->p++;
  ws(jp);
  return true;
}

static bool skip_value(jp_t *jp) {
  ws(jp);
  if (jp->p >= jp->end) return unexpected(jp, VALUE_EXPECTED);
  jstr_t s;
  jnum_t n;
  bool more;
  switch (*jp->p) {
    case '"': return scan_string(jp, &s);
    case 't': return literal(jp, "true", 4);
    case 'f': return literal(jp, "false", 5);
    case 'n': return literal(jp, "null", 4);
    case '{':
      if (!enter(jp)) return false;
      if (jp->p < jp->end && *jp->p == '}') {
        jp->p++;
        jp->depth--;
        return true;
      }
      do {
        if (!member_key(jp, &s) || !skip_value(jp) || !next_or_close(jp, '}', &more)) return false;
      } while (more);
      return true;
    case '[':
      if (!enter(jp)) return false;
      if (jp->p < jp->end && *jp->p == ']') {
        jp->p++;
        jp->depth--;
        return true;
      }
      do {
        if (!skip_value(jp) || !next_or_close(jp, ']', &more)) return false;
      } while (more);
      return true;
    default:
      if (*jp->p == '-' || (*jp->p >= '0' && *jp->p <= '9')) return scan_number(jp, &n);
      return unexpected(jp, VALUE_EXPECTED);
  }
}

/* Re-serializes the value compactly, as ksqlDB does when a STRING column
 * receives a JSON object (Jackson writing the parsed map back out). */
static bool rewrite(jp_t *jp, sl_buf_t *out) {
  ws(jp);
  if (jp->p >= jp->end) return unexpected(jp, VALUE_EXPECTED);
  jstr_t s;
  jnum_t n;
  bool more;
  uint32_t len;
  const char *t;
  switch (*jp->p) {
    case '"':
      if (!scan_string(jp, &s)) return false;
      t = str_text(jp, &s, &len);
      sl_json_put_string(out, t, len);
      return true;
    case 't': sl_buf_puts(out, "true"); return literal(jp, "true", 4);
    case 'f': sl_buf_puts(out, "false"); return literal(jp, "false", 5);
    case 'n': sl_buf_puts(out, "null"); return literal(jp, "null", 4);
    case '{':
      if (!enter(jp)) return false;
      sl_buf_putc(out, '{');
      if (jp->p < jp->end && *jp->p == '}') {
        jp->p++;
        jp->depth--;
      } else {
        bool first = true;
        do {
          if (!member_key(jp, &s)) return false;
          if (!first) sl_buf_putc(out, ',');
          first = false;
          t = str_text(jp, &s, &len);
          sl_json_put_string(out, t, len);
          sl_buf_putc(out, ':');
          if (!rewrite(jp, out) || !next_or_close(jp, '}', &more)) return false;
        } while (more);
      }
      sl_buf_putc(out, '}');
      return true;
    case '[':
      if (!enter(jp)) return false;
      sl_buf_putc(out, '[');
      if (jp->p < jp->end && *jp->p == ']') {
        jp->p++;
        jp->depth--;
      } else {
        bool first = true;
        do {
          if (!first) sl_buf_putc(out, ',');
          first = false;
          if (!rewrite(jp, out) || !next_or_close(jp, ']', &more)) return false;
        } while (more);
      }
      sl_buf_putc(out, ']');
      return true;
    default:
      if (*jp->p == '-' || (*jp->p >= '0' && *jp->p <= '9')) {
        if (!scan_number(jp, &n)) return false;
        num_text(&n, out);
        return true;
      }
      return unexpected(jp, VALUE_EXPECTED);
  }
}

/* A JSON array read into a STRING column: each element as a string, joined
 * as Java's List.toString would ("[a, 1, null]"). */
static bool stringify_array(jp_t *jp, sl_buf_t *out) {
  if (!enter(jp)) return false;
  sl_buf_putc(out, '[');
  if (jp->p < jp->end && *jp->p == ']') {
    jp->p++;
    jp->depth--;
    sl_buf_putc(out, ']');
    return true;
  }
  bool more, first = true;
  do {
    if (!first) sl_buf_puts(out, ", ");
    first = false;
    ws(jp);
    if (jp->p >= jp->end) return unexpected(jp, VALUE_EXPECTED);
    char c = *jp->p;
    if (c == '"') {
      jstr_t s;
      uint32_t len;
      if (!scan_string(jp, &s)) return false;
      const char *t = str_text(jp, &s, &len);
      sl_buf_append(out, t, len);
    } else if (c == '[') {
      if (!stringify_array(jp, out)) return false;
    } else if (!rewrite(jp, out)) {
      return false;
    }
    if (!next_or_close(jp, ']', &more)) return false;
  } while (more);
  sl_buf_putc(out, ']');
  return true;
}

/* ---------------- typed decoding ---------------- */

static bool jdec(jp_t *jp, const sl_type_t *t, sl_value_t *out);

/* The type as ksqlDB spells it in "requiredType: ...". */
static void type_text(const sl_type_t *t, char *buf, size_t n) {
  sl_buf_t b;
  sl_buf_init(&b);
  sl_type_format(t, &b);
  snprintf(buf, n, "%s", b.data ? b.data : "");
  sl_buf_free(&b);
}

/* "Can't convert type" for the token under the cursor. */
static bool mismatch(jp_t *jp, const sl_type_t *t) {
  const char *node = "MissingNode";
  if (jp->p < jp->end) {
    switch (*jp->p) {
      case '"': node = "TextNode"; break;
      case 't':
      case 'f': node = "BooleanNode"; break;
      case '{': node = "ObjectNode"; break;
      case '[': node = "ArrayNode"; break;
      default: {
        if (*jp->p != '-' && (*jp->p < '0' || *jp->p > '9')) return unexpected(jp, VALUE_EXPECTED);
        jnum_t n;
        if (!scan_number(jp, &n)) return false;
        node = num_node(&n);
      }
    }
  }
  char req[256];
  type_text(t, req, sizeof req);
  return conv_err(jp, "Can't convert type. sourceType: %s, requiredType: %s", node, req);
}

static bool coerce_failed(jp_t *jp, const sl_type_t *t) {
  return conv_err(jp, "Can't coerce string to type. targetType: %s", sl_type_kind_name(t->kind));
}

static bool check_time(jp_t *jp, int64_t ms) {
  if (ms < 0 || ms > 86400000)
    return conv_err(jp,
                    "Time values must use number of milliseconds greater than 0 and less "
                    "than 86400000.");
  return true;
}

/* Stores an integral value for INT, BIGINT, DATE, TIME, TIMESTAMP. */
static bool set_integral(jp_t *jp, const sl_type_t *t, uint64_t v, sl_value_t *out) {
  out->kind = (uint8_t)t->kind;
  switch (t->kind) {
    case SL_T_INT:
    case SL_T_DATE: out->u.i = (int32_t)(uint32_t)v; break;
    case SL_T_TIME:
      if (!check_time(jp, (int64_t)v)) return false;
      out->u.i = (int32_t)v;
      break;
    default: out->u.l = (int64_t)v; break;
  }
  return true;
}

static bool decimal_from_text(jp_t *jp, const sl_type_t *t, const char *s, size_t n,
                              sl_value_t *out) {
  sl_bigdec_t b;
  if (!sl_bigdec_parse(s, n, &b))
    return conv_err(jp, "Character array is not a valid decimal number");
  sl_error_t e;
  sl_error_clear(&e);
  sl_decimal_t d;
  if (sl_bigdec_fit(&b, t->precision, t->scale, &d, &e) != 0) return conv_err(jp, "%s", e.msg);
  out->kind = SL_T_DECIMAL;
  out->u.dec = d;
  return true;
}

/* A JSON string (already unescaped) coerced to t, as ksqlDB treats a TextNode. */
static bool from_text(jp_t *jp, const sl_type_t *t, const char *s, uint32_t n, sl_value_t *out) {
  switch (t->kind) {
    case SL_T_STRING:
      *out = sl_null();
      out->kind = SL_T_STRING;
      out->u.s.ptr = s;
      out->u.s.len = n;
      return true;
    case SL_T_INT: {
      int32_t v;
      if (!sl_java_parse_int(s, n, &v)) return coerce_failed(jp, t);
      out->kind = SL_T_INT;
      out->u.i = v;
      return true;
    }
    case SL_T_BIGINT:
    case SL_T_DATE:
    case SL_T_TIME:
    case SL_T_TIMESTAMP: {
      int64_t v;
      if (!sl_java_parse_long(s, n, &v)) return coerce_failed(jp, t);
      return set_integral(jp, t, (uint64_t)v, out);
    }
    case SL_T_DOUBLE: {
      double d;
      if (!sl_java_parse_double(s, n, &d)) return coerce_failed(jp, t);
      out->kind = SL_T_DOUBLE;
      out->u.d = d;
      return true;
    }
    case SL_T_DECIMAL: return decimal_from_text(jp, t, s, n, out);
    case SL_T_BYTES: {
      unsigned char *d = sl_arena_alloc(jp->a, n / 4 * 3 + 3);
      size_t dn;
      if (sl_serde_base64_decode_raw(s, n, d, &dn) != 0)
        return conv_err(jp, "Value is not a valid Base64 encoded string: %.*s",
                        (int)(n > 200 ? 200 : n), s);
      out->kind = SL_T_BYTES;
      out->u.s.ptr = (const char *)d;
      out->u.s.len = (uint32_t)dn;
      return true;
    }
    default: {
      char req[256];
      type_text(t, req, sizeof req);
      return conv_err(jp, "Can't convert type. sourceType: TextNode, requiredType: %s", req);
    }
  }
}

static bool key_is(const char *k, size_t kn, const char *name, size_t nn) {
  return kn == nn && memcmp(k, name, kn) == 0;
}

static bool key_upper_is(const char *k, size_t kn, const char *name, size_t nn) {
  if (kn != nn) return false;
  for (size_t i = 0; i < kn; i++) {
    char c = k[i];
    if (c >= 'a' && c <= 'z') c = (char)(c - 32);
    if (c != name[i]) return false;
  }
  return true;
}

static bool has_lower(const char *k, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (k[i] >= 'a' && k[i] <= 'z') return true;
  return false;
}

/* Decodes the value under the cursor into vals[i] (a field or column),
 * adding ".NAME" to the path on failure. */
static bool field_value(jp_t *jp, const sl_type_field_t *f, sl_value_t *val) {
  if (jdec(jp, f->type, val)) return true;
  char seg[260];
  int n = snprintf(seg, sizeof seg, ".%s", f->name);
  path_prepend(jp, seg, (size_t)(n < (int)sizeof seg ? n : (int)sizeof seg - 1));
  return false;
}

/* Checks the value under the cursor as jdec would read it as t, failing
 * where and as jdec fails, but building nothing for the common cases: a
 * column the query does not read must still refuse a bad record, since
 * ksqlDB converts the whole row. */
static bool jcheck(jp_t *jp, const sl_type_t *t) {
  ws(jp);
  if (jp->p >= jp->end) return unexpected(jp, VALUE_EXPECTED);
  char c = *jp->p;
  jnum_t num;
  switch (t->kind) {
    case SL_T_STRING: return skip_value(jp); /* any JSON value reads as a string */
    case SL_T_BOOLEAN:
      if (c == 't') return literal(jp, "true", 4);
      if (c == 'f') return literal(jp, "false", 5);
      break;
    case SL_T_INT:
    case SL_T_BIGINT:
    case SL_T_DATE:
    case SL_T_TIMESTAMP:
    case SL_T_DOUBLE:
      /* Any number fits (integers wrap as Jackson's do); TIME is range-checked. */
      if (c == '-' || (c >= '0' && c <= '9')) return scan_number(jp, &num);
      break;
    default: break;
  }
  if (c == 'n') return literal(jp, "null", 4);
  sl_value_t scratch;
  return jdec(jp, t, &scratch);
}

/* field_value for a column nobody reads: checked, not built. */
static bool field_check(jp_t *jp, const sl_type_field_t *f) {
  if (jcheck(jp, f->type)) return true;
  char seg[260];
  int n = snprintf(seg, sizeof seg, ".%s", f->name);
  path_prepend(jp, seg, (size_t)(n < (int)sizeof seg ? n : (int)sizeof seg - 1));
  return false;
}

static bool key_len_is(const char *k, size_t kn, const sl_type_field_t *f, const uint32_t *lens,
                       int i, bool upper) {
  size_t nn = lens ? lens[i] : strlen(f[i].name);
  return upper ? key_upper_is(k, kn, f[i].name, nn) : key_is(k, kn, f[i].name, nn);
}

/* At '{': fills vals[0..n) from the object's members. A member feeds the
 * field of exactly its name; failing that, the field named as its upper-cased
 * name (ksqlDB's case-insensitive lookup, last duplicate wins). Fields with
 * want[i] false are checked but left NULL (want NULL: all are built).
 * upper_names says no field name has a lower-case letter: then a key with
 * one can only match upper-cased and a key without one only exactly, and
 * since names are distinct at most one field matches either way. */
static bool jdec_fields(jp_t *jp, const sl_type_field_t *fields, const uint32_t *lens, int n,
                        const bool *want, bool upper_names, sl_value_t *vals) {
  uint8_t small[64];
  uint8_t *prio = n <= 64 ? small : sl_arena_alloc(jp->a, (size_t)n);
  memset(prio, 0, (size_t)n);
  if (!enter(jp)) return false;
  int hint = 0;
  if (jp->p >= jp->end) return unexpected(jp, "double-quote to start field name");
  bool more = *jp->p != '}';
  if (!more) {
    jp->p++;
    jp->depth--;
  }
  char kbuf[256];
  while (more) {
    jstr_t key;
    if (!member_key(jp, &key)) return false;
    const char *k = key.raw;
    size_t kn = key.len;
    if (key.esc) {
      char *d = key.len <= sizeof kbuf ? kbuf : sl_arena_alloc(jp->a, key.len);
      kn = unescape(&key, d);
      k = d;
    }
    const char *start = jp->p;
    bool matched = false;
    if (upper_names) {
      bool up = has_lower(k, kn);
      int f = -1;
      if (hint < n && (!up || prio[hint] != 2) && key_len_is(k, kn, fields, lens, hint, up))
        f = hint;
      else
        for (int i = 0; i < n; i++)
          if ((!up || prio[i] != 2) && key_len_is(k, kn, fields, lens, i, up)) {
            f = i;
            break;
          }
      if (f >= 0) {
        prio[f] = up ? 1 : 2;
        hint = f + 1;
        bool ok =
            !want || want[f] ? field_value(jp, &fields[f], &vals[f]) : field_check(jp, &fields[f]);
        if (!ok) return false;
        matched = true;
      }
    } else {
      int exact = -1;
      if (hint < n && key_len_is(k, kn, fields, lens, hint, false))
        exact = hint;
      else
        for (int i = 0; i < n; i++)
          if (key_len_is(k, kn, fields, lens, i, false)) {
            exact = i;
            break;
          }
      if (exact >= 0) {
        prio[exact] = 2;
        hint = exact + 1;
        bool ok = !want || want[exact] ? field_value(jp, &fields[exact], &vals[exact])
                                       : field_check(jp, &fields[exact]);
        if (!ok) return false;
        matched = true;
      }
      /* A key that is not all upper case can also feed a differently-cased field. */
      if (exact < 0 || has_lower(k, kn)) {
        for (int i = 0; i < n; i++) {
          if (i == exact || prio[i] == 2) continue;
          if (!key_len_is(k, kn, fields, lens, i, true)) continue;
          jp->p = start;
          prio[i] = 1;
          bool ok = !want || want[i] ? field_value(jp, &fields[i], &vals[i])
                                     : field_check(jp, &fields[i]);
          if (!ok) return false;
          matched = true;
        }
      }
    }
    if (!matched && !skip_value(jp)) return false;
    if (!next_or_close(jp, '}', &more)) return false;
  }
  for (int i = 0; i < n; i++)
    if (!prio[i] || (want && !want[i])) vals[i] = sl_null();
  return true;
}

/* Grows an arena array of values (arrays and maps of unknown length). */
static sl_value_t *grow(sl_arena_t *a, sl_value_t *items, uint32_t n, uint32_t *cap) {
  uint32_t nc = *cap ? *cap * 2 : 8;
  sl_value_t *ni = sl_arena_alloc(a, nc * sizeof *ni);
  if (n) memcpy(ni, items, n * sizeof *ni);
  *cap = nc;
  return ni;
}

static bool jdec_array(jp_t *jp, const sl_type_t *t, sl_value_t *out) {
  if (!enter(jp)) return false;
  sl_value_t *items = NULL;
  uint32_t n = 0, cap = 0;
  if (jp->p >= jp->end) return unexpected(jp, VALUE_EXPECTED);
  bool more = *jp->p != ']';
  if (!more) {
    jp->p++;
    jp->depth--;
  }
  while (more) {
    if (n == cap) items = grow(jp->a, items, n, &cap);
    if (!jdec(jp, t->elem, &items[n])) {
      char seg[24];
      int k = snprintf(seg, sizeof seg, "[%u]", n);
      path_prepend(jp, seg, (size_t)k);
      return false;
    }
    n++;
    if (!next_or_close(jp, ']', &more)) return false;
  }
  out->kind = SL_T_ARRAY;
  out->u.arr.items = items;
  out->u.arr.n = n;
  return true;
}

static bool jdec_map(jp_t *jp, const sl_type_t *t, sl_value_t *out) {
  if (!enter(jp)) return false;
  sl_value_t *items = NULL;
  uint32_t n = 0, cap = 0;
  if (jp->p >= jp->end) return unexpected(jp, "double-quote to start field name");
  bool more = *jp->p != '}';
  if (!more) {
    jp->p++;
    jp->depth--;
  }
  while (more) {
    jstr_t key;
    if (!member_key(jp, &key)) return false;
    if (2 * n + 2 > cap) items = grow(jp->a, items, 2 * n, &cap);
    uint32_t kl;
    const char *k = str_text(jp, &key, &kl);
    bool ok = from_text(jp, t->key ? t->key : &sl_type_string, k, kl, &items[2 * n]);
    const char *what = ".key";
    if (ok) {
      ok = jdec(jp, t->elem, &items[2 * n + 1]);
      what = ".value";
    }
    if (!ok) {
      path_prepend(jp, what, strlen(what));
      char seg[260];
      int sn = snprintf(seg, sizeof seg, ".%.*s", (int)(kl > 200 ? 200 : kl), k);
      path_prepend(jp, seg, (size_t)sn);
      return false;
    }
    n++;
    if (!next_or_close(jp, '}', &more)) return false;
  }
  out->kind = SL_T_MAP;
  out->u.arr.items = items;
  out->u.arr.n = n;
  return true;
}

static bool jdec(jp_t *jp, const sl_type_t *t, sl_value_t *out) {
  ws(jp);
  if (jp->p >= jp->end) return unexpected(jp, VALUE_EXPECTED);
  char c = *jp->p;
  if (c == 'n') {
    *out = sl_null();
    return literal(jp, "null", 4);
  }
  jstr_t s;
  jnum_t num;
  uint32_t len;
  const char *text;
  bool isnum = c == '-' || (c >= '0' && c <= '9');
  switch (t->kind) {
    case SL_T_BOOLEAN:
      if (c == 't') {
        *out = sl_null();
        out->kind = SL_T_BOOLEAN;
        out->u.b = true;
        return literal(jp, "true", 4);
      }
      if (c == 'f') {
        *out = sl_null();
        out->kind = SL_T_BOOLEAN;
        out->u.b = false;
        return literal(jp, "false", 5);
      }
      return mismatch(jp, t);
    case SL_T_INT:
    case SL_T_BIGINT:
    case SL_T_DATE:
    case SL_T_TIME:
    case SL_T_TIMESTAMP:
      *out = sl_null();
      if (isnum) {
        if (!scan_number(jp, &num)) return false;
        return set_integral(jp, t, num_low64(&num), out);
      }
      if (c == '"') {
        if (!scan_string(jp, &s)) return false;
        text = str_text(jp, &s, &len);
        return from_text(jp, t, text, len, out);
      }
      return mismatch(jp, t);
    case SL_T_DOUBLE:
      *out = sl_null();
      if (isnum) {
        if (!scan_number(jp, &num)) return false;
        out->kind = SL_T_DOUBLE;
        out->u.d = num_double(&num);
        return true;
      }
      if (c == '"') {
        if (!scan_string(jp, &s)) return false;
        text = str_text(jp, &s, &len);
        return from_text(jp, t, text, len, out);
      }
      return mismatch(jp, t);
    case SL_T_DECIMAL:
      *out = sl_null();
      if (isnum) {
        if (!scan_number(jp, &num)) return false;
        return decimal_from_text(jp, t, num.s, num.len, out);
      }
      if (c == '"') {
        if (!scan_string(jp, &s)) return false;
        text = str_text(jp, &s, &len);
        return decimal_from_text(jp, t, text, len, out);
      }
      return mismatch(jp, t);
    case SL_T_STRING: {
      if (c == '"') {
        if (!scan_string(jp, &s)) return false;
        text = str_text(jp, &s, &len);
        return from_text(jp, t, text, len, out);
      }
      sl_buf_t b;
      sl_buf_init(&b);
      bool ok;
      if (c == 't' || c == 'f') {
        ok = c == 't' ? literal(jp, "true", 4) : literal(jp, "false", 5);
        sl_buf_puts(&b, c == 't' ? "true" : "false");
      } else if (isnum) {
        ok = scan_number(jp, &num);
        if (ok) num_text(&num, &b);
      } else if (c == '[') {
        ok = stringify_array(jp, &b);
      } else {
        ok = rewrite(jp, &b);
      }
      if (ok) {
        *out = sl_null();
        out->kind = SL_T_STRING;
        out->u.s.len = (uint32_t)b.len;
        out->u.s.ptr = b.len ? sl_arena_memdup(jp->a, b.data, b.len) : "";
      }
      sl_buf_free(&b);
      return ok;
    }
    case SL_T_BYTES:
      if (c == '"') {
        if (!scan_string(jp, &s)) return false;
        text = str_text(jp, &s, &len);
        return from_text(jp, t, text, len, out);
      }
      return mismatch(jp, t);
    case SL_T_ARRAY:
      if (c != '[') return mismatch(jp, t);
      *out = sl_null();
      return jdec_array(jp, t, out);
    case SL_T_MAP:
      if (c != '{') return mismatch(jp, t);
      *out = sl_null();
      return jdec_map(jp, t, out);
    case SL_T_STRUCT: {
      if (c != '{') return mismatch(jp, t);
      sl_value_t *fv = sl_arena_alloc(jp->a, (size_t)(t->nfields ? t->nfields : 1) * sizeof *fv);
      if (!jdec_fields(jp, t->fields, NULL, t->nfields, NULL, false, fv)) return false;
      *out = sl_null();
      out->kind = SL_T_STRUCT;
      out->u.st.fields = fv;
      out->u.st.type = t;
      return true;
    }
    default: return conv_err(jp, "Type is not supported: %s", sl_type_kind_name(t->kind));
  }
}

/* A document that is empty or only whitespace: Jackson hands ksqlDB a
 * MissingNode, whose text is "" and which converts to nothing else. */
static bool only_ws(const char *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i] != ' ' && p[i] != '\n' && p[i] != '\r' && p[i] != '\t') return false;
  return true;
}

static bool jdec_top(jp_t *jp, const sl_type_t *t, sl_value_t *out) {
  if (only_ws(jp->p, (size_t)(jp->end - jp->p))) {
    if (t->kind == SL_T_STRING) {
      *out = sl_null();
      out->kind = SL_T_STRING;
      out->u.s.ptr = "";
      out->u.s.len = 0;
      return true;
    }
    jp->p = jp->end;
    return mismatch(jp, t);
  }
  /* Content after the first value is ignored, as Jackson's readTree does. */
  return jdec(jp, t, out);
}

int sl_json_text_to_value(const char *text, size_t n, const sl_type_t *t, sl_arena_t *a,
                          sl_value_t *out, sl_error_t *err) {
  jp_t jp;
  jp_init(&jp, text, n, a);
  if (!jdec_top(&jp, t, out)) {
    *out = sl_null();
    return jp_fail(&jp, err);
  }
  return 0;
}

/* ---------------- the format ---------------- */

static int json_init(sl_serde_t *s, sl_arena_t *a, sl_error_t *err) {
  SL_UNUSED(err);
  s->json_keys = sl_arena_alloc(a, (size_t)(s->ncols ? s->ncols : 1) * sizeof *s->json_keys);
  s->json_key_lens = sl_arena_alloc(a, (size_t)(s->ncols ? s->ncols : 1) * sizeof(uint32_t));
  s->json_upper_names = true;
  for (int i = 0; i < s->ncols; i++)
    if (has_lower(s->cols[i].name, s->name_lens[i])) s->json_upper_names = false;
  for (int i = 0; i < s->ncols; i++) {
    sl_buf_t b;
    sl_buf_init(&b);
    if (i) sl_buf_putc(&b, ',');
    sl_json_put_string(&b, s->cols[i].name, s->name_lens[i]);
    sl_buf_putc(&b, ':');
    s->json_keys[i] = sl_arena_memdup(a, b.data, b.len);
    s->json_key_lens[i] = (uint32_t)b.len;
    sl_buf_free(&b);
  }
  return 0;
}

static int json_decode_some(sl_serde_t *s, const char *data, size_t len, const bool *want,
                            sl_arena_t *a, sl_value_t *out, sl_error_t *err) {
  if (s->ncols == 0) return 0;
  jp_t jp;
  jp_init(&jp, data, len, a);
  bool ok;
  if (s->unwrapped) {
    ok = jdec_top(&jp, s->cols[0].type, &out[0]);
    if (ok && want && !want[0]) out[0] = sl_null();
  } else {
    ws(&jp);
    if (jp.p < jp.end && *jp.p == '{') {
      ok = jdec_fields(&jp, s->row_fields, s->name_lens, s->ncols, want, s->json_upper_names, out);
    } else if (jp.p < jp.end && *jp.p == 'n') {
      /* A null document is a null row (sl_serde_is_null_payload tells callers). */
      ok = literal(&jp, "null", 4);
      for (int i = 0; i < s->ncols; i++) out[i] = sl_null();
    } else {
      ok = mismatch(&jp, &s->row_type);
    }
  }
  if (!ok) {
    for (int i = 0; i < s->ncols; i++) out[i] = sl_null();
    return jp_fail(&jp, err);
  }
  return 0;
}

static int json_decode(sl_serde_t *s, const char *data, size_t len, sl_arena_t *a, sl_value_t *out,
                       sl_error_t *err) {
  return json_decode_some(s, data, len, NULL, a, out, err);
}

static int json_encode(sl_serde_t *s, const sl_value_t *vals, sl_buf_t *out, sl_error_t *err) {
  SL_UNUSED(err);
  if (s->ncols == 0) return 0;
  if (s->unwrapped) {
    sl_json_put_value(out, &vals[0], s->cols[0].type);
    return 0;
  }
  sl_buf_putc(out, '{');
  for (int i = 0; i < s->ncols; i++) {
    sl_buf_append(out, s->json_keys[i], s->json_key_lens[i]);
    sl_json_put_value(out, &vals[i], s->cols[i].type);
  }
  sl_buf_putc(out, '}');
  return 0;
}

static int json_validate(const sl_column_t *cols, int ncols, bool is_key, sl_error_t *err) {
  SL_UNUSED(cols);
  SL_UNUSED(ncols);
  SL_UNUSED(is_key);
  SL_UNUSED(err);
  return 0; /* JSON carries every SQL type */
}

const sl_serde_impl_t sl_serde_json_impl = {
    .vt = {.name = "JSON",
           .supports_wrapping = true,
           .multi_column_key = true,
           .validate = json_validate},
    .init = json_init,
    .decode = json_decode,
    .encode = json_encode,
    .decode_some = json_decode_some,
};

/* ---------------- writer ---------------- */

static const char HEX[] = "0123456789ABCDEF";

void sl_json_put_string(sl_buf_t *out, const char *s, size_t n) {
  sl_buf_putc(out, '"');
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    if (i > run) sl_buf_append(out, s + run, i - run);
    run = i + 1;
    char e[6] = {'\\', 0, 0, 0, 0, 0};
    switch (c) {
      case '"': e[1] = '"'; break;
      case '\\': e[1] = '\\'; break;
      case '\b': e[1] = 'b'; break;
      case '\f': e[1] = 'f'; break;
      case '\n': e[1] = 'n'; break;
      case '\r': e[1] = 'r'; break;
      case '\t': e[1] = 't'; break;
      default:
        e[1] = 'u';
        e[2] = '0';
        e[3] = '0';
        e[4] = HEX[c >> 4];
        e[5] = HEX[c & 15];
        sl_buf_append(out, e, 6);
        continue;
    }
    sl_buf_append(out, e, 2);
  }
  if (n > run) sl_buf_append(out, s + run, n - run);
  sl_buf_putc(out, '"');
}

static void put_i64(sl_buf_t *out, int64_t v) {
  char tmp[24];
  int p = sizeof tmp;
  uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
  do {
    tmp[--p] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) tmp[--p] = '-';
  sl_buf_append(out, tmp + p, sizeof tmp - (size_t)p);
}

static void put_double(sl_buf_t *out, double d) {
  /* Jackson quotes the non-numeric doubles. */
  if (isnan(d))
    sl_buf_puts(out, "\"NaN\"");
  else if (isinf(d))
    sl_buf_puts(out, d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
  else
    sl_serde_put_double(out, d);
}

/* A map key's text: JSON object keys are strings whatever the key type. */
static void put_key(sl_buf_t *out, const sl_value_t *k, const sl_type_t *kt) {
  if (k->kind == SL_T_STRING) {
    sl_json_put_string(out, k->u.s.ptr, k->u.s.len);
    return;
  }
  sl_buf_t tmp;
  sl_buf_init(&tmp);
  if (k->kind == SL_T_NULL) {
    sl_buf_puts(&tmp, "null");
  } else {
    sl_json_put_value(&tmp, k, kt);
    if (tmp.len >= 2 && tmp.data[0] == '"') { /* already a string literal */
      sl_buf_append(out, tmp.data, tmp.len);
      sl_buf_free(&tmp);
      return;
    }
  }
  sl_json_put_string(out, tmp.data, tmp.len);
  sl_buf_free(&tmp);
}

void sl_json_put_value(sl_buf_t *out, const sl_value_t *v, const sl_type_t *t) {
  switch ((sl_type_kind_t)v->kind) {
    case SL_T_NULL: sl_buf_puts(out, "null"); return;
    case SL_T_BOOLEAN: sl_buf_puts(out, v->u.b ? "true" : "false"); return;
    case SL_T_INT:
    case SL_T_DATE:
    case SL_T_TIME: put_i64(out, v->u.i); return;
    case SL_T_BIGINT:
    case SL_T_TIMESTAMP: put_i64(out, v->u.l); return;
    case SL_T_DOUBLE: put_double(out, v->u.d); return;
    case SL_T_DECIMAL: {
      sl_decimal_t d = sl_serde_decimal_for(v, t);
      sl_serde_put_decimal(out, d.unscaled, d.scale, false);
      return;
    }
    case SL_T_STRING: sl_json_put_string(out, v->u.s.ptr, v->u.s.len); return;
    case SL_T_BYTES:
      sl_buf_putc(out, '"');
      sl_base64_encode(v->u.s.ptr, v->u.s.len, out);
      sl_buf_putc(out, '"');
      return;
    case SL_T_ARRAY: {
      const sl_type_t *et = t && t->kind == SL_T_ARRAY ? t->elem : NULL;
      sl_buf_putc(out, '[');
      for (uint32_t i = 0; i < v->u.arr.n; i++) {
        if (i) sl_buf_putc(out, ',');
        sl_json_put_value(out, &v->u.arr.items[i], et);
      }
      sl_buf_putc(out, ']');
      return;
    }
    case SL_T_MAP: {
      const sl_type_t *kt = t && t->kind == SL_T_MAP ? t->key : NULL;
      const sl_type_t *vt = t && t->kind == SL_T_MAP ? t->elem : NULL;
      sl_buf_putc(out, '{');
      for (uint32_t i = 0; i < v->u.arr.n; i++) {
        if (i) sl_buf_putc(out, ',');
        put_key(out, &v->u.arr.items[2 * i], kt);
        sl_buf_putc(out, ':');
        sl_json_put_value(out, &v->u.arr.items[2 * i + 1], vt);
      }
      sl_buf_putc(out, '}');
      return;
    }
    case SL_T_STRUCT: {
      const sl_type_t *st = v->u.st.type ? v->u.st.type : t;
      sl_buf_putc(out, '{');
      for (int i = 0; st && i < st->nfields; i++) {
        if (i) sl_buf_putc(out, ',');
        sl_json_put_string(out, st->fields[i].name, strlen(st->fields[i].name));
        sl_buf_putc(out, ':');
        sl_json_put_value(out, &v->u.st.fields[i], st->fields[i].type);
      }
      sl_buf_putc(out, '}');
      return;
    }
  }
  sl_buf_puts(out, "null");
}

void sl_value_to_json_text(const sl_value_t *v, const sl_type_t *t, sl_buf_t *out) {
  sl_json_put_value(out, v, t);
}

/* ---------------- jansson glue ---------------- */

/* Shortest text that reads back as d, kept recognisably a float ("2.0"). */
static void put_real(sl_buf_t *out, double d) {
  if (!isfinite(d)) {
    sl_buf_puts(out, isnan(d) ? "\"NaN\"" : d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    return;
  }
  char tmp[40];
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(tmp, sizeof tmp, "%.*g", prec, d);
    if (strtod(tmp, NULL) == d) break;
  }
  sl_buf_puts(out, tmp);
  if (!strpbrk(tmp, ".eE")) sl_buf_puts(out, ".0");
}

static void jansson_text(const json_t *j, sl_buf_t *out) {
  switch (json_typeof(j)) {
    case JSON_OBJECT: {
      sl_buf_putc(out, '{');
      bool first = true;
      for (void *it = json_object_iter((json_t *)j); it;
           it = json_object_iter_next((json_t *)j, it)) {
        if (!first) sl_buf_putc(out, ',');
        first = false;
        const char *k = json_object_iter_key(it);
        sl_json_put_string(out, k, strlen(k));
        sl_buf_putc(out, ':');
        jansson_text(json_object_iter_value(it), out);
      }
      sl_buf_putc(out, '}');
      return;
    }
    case JSON_ARRAY:
      sl_buf_putc(out, '[');
      for (size_t i = 0; i < json_array_size(j); i++) {
        if (i) sl_buf_putc(out, ',');
        jansson_text(json_array_get(j, i), out);
      }
      sl_buf_putc(out, ']');
      return;
    case JSON_STRING: sl_json_put_string(out, json_string_value(j), json_string_length(j)); return;
    case JSON_INTEGER: put_i64(out, (int64_t)json_integer_value(j)); return;
    case JSON_REAL: put_real(out, json_real_value(j)); return;
    case JSON_TRUE: sl_buf_puts(out, "true"); return;
    case JSON_FALSE: sl_buf_puts(out, "false"); return;
    case JSON_NULL: sl_buf_puts(out, "null"); return;
  }
}

/* jansson has already turned reals into doubles, so a decimal read this way
 * has the shortest scale that reproduces the double; callers with the raw
 * text should use sl_json_text_to_value. */
int sl_json_to_value(const struct json_t *j, const sl_type_t *t, sl_arena_t *a, sl_value_t *out,
                     sl_error_t *err) {
  if (!j) {
    *out = sl_null();
    return 0;
  }
  sl_buf_t b;
  sl_buf_init(&b);
  jansson_text(j, &b);
  int rc = sl_json_text_to_value(b.data ? b.data : "", b.len, t, a, out, err);
  sl_buf_free(&b);
  return rc;
}

struct json_t *sl_value_to_json(const sl_value_t *v, const sl_type_t *t) {
  switch ((sl_type_kind_t)v->kind) {
    case SL_T_NULL: return json_null();
    case SL_T_BOOLEAN: return json_boolean(v->u.b);
    case SL_T_INT:
    case SL_T_DATE:
    case SL_T_TIME: return json_integer(v->u.i);
    case SL_T_BIGINT:
    case SL_T_TIMESTAMP: return json_integer(v->u.l);
    case SL_T_DOUBLE:
      if (!isfinite(v->u.d))
        return json_string(isnan(v->u.d) ? "NaN" : v->u.d > 0 ? "Infinity" : "-Infinity");
      return json_real(v->u.d);
    case SL_T_DECIMAL: {
      sl_decimal_t d = sl_serde_decimal_for(v, t);
      if (d.scale <= 0 && d.unscaled >= INT64_MIN && d.unscaled <= INT64_MAX) {
        __int128 u = d.unscaled;
        for (int k = d.scale; k < 0; k++) u *= 10;
        if (u >= INT64_MIN && u <= INT64_MAX) return json_integer((json_int_t)u);
      }
      return json_real(sl_decimal_to_double(&d));
    }
    case SL_T_STRING: return json_stringn(v->u.s.ptr, v->u.s.len);
    case SL_T_BYTES: {
      sl_buf_t b;
      sl_buf_init(&b);
      sl_base64_encode(v->u.s.ptr, v->u.s.len, &b);
      json_t *j = json_stringn(b.data ? b.data : "", b.len);
      sl_buf_free(&b);
      return j;
    }
    case SL_T_ARRAY: {
      const sl_type_t *et = t && t->kind == SL_T_ARRAY ? t->elem : NULL;
      json_t *arr = json_array();
      for (uint32_t i = 0; i < v->u.arr.n; i++)
        json_array_append_new(arr, sl_value_to_json(&v->u.arr.items[i], et));
      return arr;
    }
    case SL_T_MAP: {
      const sl_type_t *kt = t && t->kind == SL_T_MAP ? t->key : NULL;
      const sl_type_t *vt = t && t->kind == SL_T_MAP ? t->elem : NULL;
      json_t *obj = json_object();
      for (uint32_t i = 0; i < v->u.arr.n; i++) {
        const sl_value_t *k = &v->u.arr.items[2 * i];
        sl_buf_t kb;
        sl_buf_init(&kb);
        if (k->kind == SL_T_STRING)
          sl_buf_append(&kb, k->u.s.ptr, k->u.s.len);
        else if (k->kind == SL_T_NULL)
          sl_buf_puts(&kb, "null");
        else
          sl_json_put_value(&kb, k, kt);
        json_object_setn_new(obj, kb.data ? kb.data : "", kb.len,
                             sl_value_to_json(&v->u.arr.items[2 * i + 1], vt));
        sl_buf_free(&kb);
      }
      return obj;
    }
    case SL_T_STRUCT: {
      const sl_type_t *st = v->u.st.type ? v->u.st.type : t;
      json_t *obj = json_object();
      for (int i = 0; st && i < st->nfields; i++)
        json_object_set_new(obj, st->fields[i].name,
                            sl_value_to_json(&v->u.st.fields[i], st->fields[i].type));
      return obj;
    }
  }
  return json_null();
}
