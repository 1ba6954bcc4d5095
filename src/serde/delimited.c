/*
 * delimited.c - the DELIMITED format: one CSV record per Kafka record, with a
 * configurable one-character delimiter, read and written the way ksqlDB's
 * Apache Commons CSV setup does it.
 *
 * Reading: blank lines before the record are skipped, a field starting with a
 * double quote runs to the closing quote ("" inside is a quote; only
 * whitespace may follow before the delimiter), anything after the first line
 * is ignored, and the field count must equal the column count. An empty field
 * (quoted or not) is NULL whatever the type; numbers parse as Java parses them.
 *
 * Writing uses Commons CSV's MINIMAL quoting: a field is quoted when it is an
 * empty first field, when the first field starts with anything but a letter
 * or digit ("-1" is written "\"-1\""), when any field starts with a character
 * at or below '#', contains a quote, CR, LF or the delimiter, or ends in a
 * character at or below space. NULL is an empty unquoted field.
 */
#include <stdlib.h>
#include <string.h>

#include "serde_int.h"

static int delimited_validate(const sl_column_t *cols, int ncols, bool is_key, sl_error_t *err) {
  SL_UNUSED(is_key);
  for (int i = 0; i < ncols; i++) {
    sl_type_kind_t k = cols[i].type->kind;
    if (k == SL_T_ARRAY || k == SL_T_MAP || k == SL_T_STRUCT)
      return sl_error_set(err, SL_ESEMANTIC, -1,
                          "The 'DELIMITED' format does not support type '%s', column: `%s`",
                          sl_type_kind_name(k), cols[i].name);
  }
  return 0;
}

/* ---------------- reading ---------------- */

typedef struct field {
  const char *p;
  size_t len;
} field_t;

static bool is_eol(char c) {
  return c == '\r' || c == '\n';
}

/* Java's Character.isWhitespace for the characters that can follow a
 * closing quote (line ends are handled before). */
static bool is_java_ws(char c) {
  return c == ' ' || c == '\t' || c == '\v' || c == '\f' || (c >= 0x1c && c <= 0x1f);
}

/* Splits the first record into fields (at most max kept, all counted).
 * Quoted fields with doubled quotes are unescaped into the arena. */
static int split(const char *s, size_t n, char delim, sl_arena_t *a, field_t *f, int max,
                 int *count, sl_error_t *err) {
  size_t i = 0;
  int c = 0;
  while (i < n && is_eol(s[i])) i++;
  if (i == n) {
    *count = 0;
    return 0;
  }
  for (;;) {
    field_t cur = {s + i, 0};
    bool end = false;
    if (i == n) {
      end = true; /* after a trailing delimiter: one more, empty field */
    } else if (s[i] == delim) {
      i++;
    } else if (is_eol(s[i])) {
      end = true;
    } else if (s[i] == '"') {
      size_t st = ++i;
      char *buf = NULL;
      size_t o = 0;
      for (;;) {
        if (i == n)
          return sl_error_set(err, SL_ESERDE, -1,
                              "Error deserializing delimited: EOF reached before encapsulated "
                              "token finished");
        if (s[i] == '"') {
          if (i + 1 < n && s[i + 1] == '"') {
            if (!buf) {
              buf = sl_arena_alloc(a, n - st + 1);
              memcpy(buf, s + st, i - st);
              o = i - st;
            }
            buf[o++] = '"';
            i += 2;
            continue;
          }
          if (buf) {
            cur.p = buf;
            cur.len = o;
          } else {
            cur.p = s + st;
            cur.len = i - st;
          }
          i++;
          break;
        }
        if (buf) buf[o++] = s[i];
        i++;
      }
      for (;;) {
        if (i == n || is_eol(s[i])) {
          end = true;
          break;
        }
        if (s[i] == delim) {
          i++;
          break;
        }
        if (!is_java_ws(s[i]))
          return sl_error_set(err, SL_ESERDE, -1,
                              "Error deserializing delimited: invalid char between encapsulated "
                              "token and delimiter");
        i++;
      }
    } else {
      size_t st = i;
      while (i < n && s[i] != delim && !is_eol(s[i])) i++;
      cur.len = i - st;
      if (i < n && s[i] == delim)
        i++;
      else
        end = true;
    }
    if (c < max) f[c] = cur;
    c++;
    if (end) break;
  }
  *count = c;
  return 0;
}

static int bad_field(sl_error_t *err, const field_t *f) {
  return sl_error_set(err, SL_ESERDE, -1,
                      "Error deserializing delimited: For input string: \"%.*s\"",
                      (int)(f->len > 200 ? 200 : f->len), f->p);
}

static int parse_field(const field_t *f, const sl_type_t *t, sl_arena_t *a, sl_value_t *out,
                       sl_error_t *err) {
  *out = sl_null();
  if (f->len == 0) return 0;
  switch (t->kind) {
    case SL_T_BOOLEAN:
      out->kind = SL_T_BOOLEAN;
      out->u.b = sl_java_parse_boolean(f->p, f->len);
      return 0;
    case SL_T_INT:
    case SL_T_DATE:
    case SL_T_TIME:
      if (!sl_java_parse_int(f->p, f->len, &out->u.i)) return bad_field(err, f);
      if (t->kind == SL_T_TIME && (out->u.i < 0 || out->u.i > 86400000))
        return sl_error_set(err, SL_ESERDE, -1,
                            "Error deserializing delimited: Time values must use number of "
                            "milliseconds greater than 0 and less than 86400000.");
      out->kind = (uint8_t)t->kind;
      return 0;
    case SL_T_BIGINT:
    case SL_T_TIMESTAMP:
      if (!sl_java_parse_long(f->p, f->len, &out->u.l)) return bad_field(err, f);
      out->kind = (uint8_t)t->kind;
      return 0;
    case SL_T_DOUBLE:
      if (!sl_java_parse_double(f->p, f->len, &out->u.d)) return bad_field(err, f);
      out->kind = SL_T_DOUBLE;
      return 0;
    case SL_T_DECIMAL: {
      sl_bigdec_t b;
      if (!sl_bigdec_parse(f->p, f->len, &b)) return bad_field(err, f);
      sl_error_t e;
      sl_error_clear(&e);
      if (sl_bigdec_fit(&b, t->precision, t->scale, &out->u.dec, &e) != 0)
        return sl_error_set(err, SL_ESERDE, -1, "Error deserializing delimited: %s", e.msg);
      out->kind = SL_T_DECIMAL;
      return 0;
    }
    case SL_T_STRING:
      out->kind = SL_T_STRING;
      out->u.s.ptr = sl_serde_utf8_copy(a, f->p, f->len, &out->u.s.len);
      return 0;
    case SL_T_BYTES: {
      unsigned char *d = sl_arena_alloc(a, f->len / 4 * 3 + 3);
      size_t dn;
      if (sl_serde_base64_decode_raw(f->p, f->len, d, &dn) != 0)
        return sl_error_set(err, SL_ESERDE, -1,
                            "Error deserializing delimited: Illegal base64 text: \"%.*s\"",
                            (int)(f->len > 200 ? 200 : f->len), f->p);
      out->kind = SL_T_BYTES;
      out->u.s.ptr = (const char *)d;
      out->u.s.len = (uint32_t)dn;
      return 0;
    }
    default:
      return sl_error_set(err, SL_ESERDE, -1, "The 'DELIMITED' format does not support type '%s'",
                          sl_type_kind_name(t->kind));
  }
}

/* Decodes the wanted columns (want NULL: all). The others are parsed only
 * where parsing can fail, so a bad record is refused as before; STRING and
 * BOOLEAN fields always parse and are not touched. */
static int delimited_decode_some(sl_serde_t *s, const char *data, size_t len, const bool *want,
                                 sl_arena_t *a, sl_value_t *out, sl_error_t *err) {
  if (s->ncols == 0) return 0;
  field_t small[32];
  field_t *f = s->ncols <= 32 ? small : sl_arena_alloc(a, (size_t)s->ncols * sizeof *f);
  int count = 0;
  int rc = split(data, len, s->delimiter, a, f, s->ncols, &count, err);
  if (rc == 0 && count == 0)
    rc = sl_error_set(err, SL_ESERDE, -1, "Error deserializing delimited: No fields in record");
  if (rc == 0 && count != s->ncols)
    rc = sl_error_set(err, SL_ESERDE, -1,
                      "Error deserializing delimited: Column count mismatch on deserialization. "
                      "expected: %d, got: %d",
                      s->ncols, count);
  for (int i = 0; rc == 0 && i < s->ncols; i++) {
    if (!want || want[i]) {
      rc = parse_field(&f[i], s->cols[i].type, a, &out[i], err);
      continue;
    }
    sl_type_kind_t k = s->cols[i].type->kind;
    if (k != SL_T_STRING && k != SL_T_BOOLEAN)
      rc = parse_field(&f[i], s->cols[i].type, a, &out[i], err);
    out[i] = sl_null();
  }
  if (rc)
    for (int i = 0; i < s->ncols; i++) out[i] = sl_null();
  return rc;
}

static int delimited_decode(sl_serde_t *s, const char *data, size_t len, sl_arena_t *a,
                            sl_value_t *out, sl_error_t *err) {
  return delimited_decode_some(s, data, len, NULL, a, out, err);
}

/* ---------------- writing ---------------- */

static bool is_alnum(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool needs_quotes(const char *t, size_t n, bool first, char delim) {
  if (n == 0) return first;
  unsigned char c = (unsigned char)t[0];
  if (first && !is_alnum(c)) return true;
  if (c <= '#') return true;
  for (size_t i = 0; i < n; i++)
    if (t[i] == '\n' || t[i] == '\r' || t[i] == '"' || t[i] == delim) return true;
  return (unsigned char)t[n - 1] <= ' ';
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

static void render(sl_buf_t *out, const sl_value_t *v, const sl_type_t *t) {
  switch ((sl_type_kind_t)v->kind) {
    case SL_T_BOOLEAN: sl_buf_puts(out, v->u.b ? "true" : "false"); break;
    case SL_T_INT:
    case SL_T_DATE:
    case SL_T_TIME: put_i64(out, v->u.i); break;
    case SL_T_BIGINT:
    case SL_T_TIMESTAMP: put_i64(out, v->u.l); break;
    case SL_T_DOUBLE: sl_serde_put_double(out, v->u.d); break;
    case SL_T_DECIMAL: {
      sl_decimal_t d = sl_serde_decimal_for(v, t);
      sl_serde_put_decimal(out, d.unscaled, d.scale, true);
      break;
    }
    case SL_T_STRING: sl_buf_append(out, v->u.s.ptr, v->u.s.len); break;
    case SL_T_BYTES: sl_base64_encode(v->u.s.ptr, v->u.s.len, out); break;
    default: break; /* rejected by validate */
  }
}

static int delimited_encode(sl_serde_t *s, const sl_value_t *vals, sl_buf_t *out, sl_error_t *err) {
  SL_UNUSED(err);
  for (int i = 0; i < s->ncols; i++) {
    if (i) sl_buf_putc(out, s->delimiter);
    if (sl_is_null(&vals[i])) continue;
    size_t start = out->len;
    render(out, &vals[i], s->cols[i].type);
    size_t n = out->len - start;
    if (!needs_quotes(out->data + start, n, i == 0, s->delimiter)) continue;
    /* Rare: redo the field quoted, doubling embedded quotes. */
    char *text = sl_xmalloc(n + 1);
    memcpy(text, out->data + start, n);
    out->len = start;
    sl_buf_putc(out, '"');
    size_t run = 0;
    for (size_t k = 0; k < n; k++) {
      if (text[k] != '"') continue;
      sl_buf_append(out, text + run, k + 1 - run);
      sl_buf_putc(out, '"');
      run = k + 1;
    }
    sl_buf_append(out, text + run, n - run);
    sl_buf_putc(out, '"');
    free(text);
  }
  return 0;
}

const sl_serde_impl_t sl_serde_delimited_impl = {
    .vt = {.name = "DELIMITED",
           .supports_wrapping = false,
           .multi_column_key = true,
           .validate = delimited_validate},
    .decode = delimited_decode,
    .encode = delimited_encode,
    .decode_some = delimited_decode_some,
};
