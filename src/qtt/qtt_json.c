/*
 * qtt_json.c - reading QTT files leniently and exactly. Upstream parses test
 * files with comments allowed and numbers as BigDecimal, so "1.50" and "1.5"
 * are different expectations. jansson is strict and turns reals into doubles,
 * so before parsing, one pass over the text drops comments and wraps every
 * number token in a string starting with the control character \u0001; the
 * helpers here read those markers back as exact number text, write JSON with
 * the numbers untouched (records produced to JSON topics) or undo the markers
 * for code that wants ordinary jansson numbers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "qtt_int.h"

#define NUM_MARK '\x01'

static bool is_num_char(char c) {
  return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

/* One pass shared by both entry points: mark decides whether numbers are wrapped. */
static char *preprocess(const char *t, size_t n, bool mark) {
  sl_buf_t b;
  sl_buf_init(&b);
  size_t i = 0;
  while (i < n) {
    char c = t[i];
    if (c == '"') {
      /* Copy a string verbatim, escapes included. */
      size_t j = i + 1;
      while (j < n && t[j] != '"') j += (t[j] == '\\' && j + 1 < n) ? 2 : 1;
      if (j < n) j++;
      sl_buf_append(&b, t + i, j - i);
      i = j;
    } else if (c == '/' && i + 1 < n && t[i + 1] == '/') {
      while (i < n && t[i] != '\n') i++;
    } else if (c == '/' && i + 1 < n && t[i + 1] == '*') {
      i += 2;
      while (i < n && !(t[i] == '*' && i + 1 < n && t[i + 1] == '/')) {
        /* Keep newlines so parse errors point at the right line. */
        if (t[i] == '\n') sl_buf_putc(&b, '\n');
        i++;
      }
      i = i + 2 <= n ? i + 2 : n;
      sl_buf_putc(&b, ' ');
    } else if (mark && (c == '-' || (c >= '0' && c <= '9'))) {
      size_t j = i;
      while (j < n && is_num_char(t[j])) j++;
      sl_buf_puts(&b, "\"\\u0001");
      sl_buf_append(&b, t + i, j - i);
      sl_buf_putc(&b, '"');
      i = j;
    } else {
      sl_buf_putc(&b, c);
      i++;
    }
  }
  return sl_buf_steal(&b);
}

char *sl_qtt_preprocess(const char *text, size_t len) {
  return preprocess(text, len, true);
}

char *sl_qtt_strip_comments(const char *text, size_t len) {
  return preprocess(text, len, false);
}

/* A number token must look like JSON's grammar, or the file is broken. */
static bool num_well_formed(const char *s) {
  size_t i = 0;
  if (s[i] == '-') i++;
  if (s[i] < '0' || s[i] > '9') return false;
  while (s[i] >= '0' && s[i] <= '9') i++;
  if (s[i] == '.') {
    i++;
    if (s[i] < '0' || s[i] > '9') return false;
    while (s[i] >= '0' && s[i] <= '9') i++;
  }
  if (s[i] == 'e' || s[i] == 'E') {
    i++;
    if (s[i] == '+' || s[i] == '-') i++;
    if (s[i] < '0' || s[i] > '9') return false;
    while (s[i] >= '0' && s[i] <= '9') i++;
  }
  return s[i] == 0;
}

static bool check_numbers(const json_t *j, const char **bad) {
  if (json_is_string(j)) {
    const char *s = json_string_value(j);
    if (s[0] == NUM_MARK && !num_well_formed(s + 1)) {
      *bad = s + 1;
      return false;
    }
    return true;
  }
  if (json_is_array(j)) {
    for (size_t i = 0; i < json_array_size(j); i++)
      if (!check_numbers(json_array_get(j, i), bad)) return false;
  } else if (json_is_object(j)) {
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)j, k, v) if (!check_numbers(v, bad)) return false;
  }
  return true;
}

json_t *sl_qtt_load(const char *text, size_t len, sl_error_t *err) {
  char *pre = sl_qtt_preprocess(text, len);
  json_error_t je;
  json_t *root = json_loads(pre, 0, &je);
  free(pre);
  if (!root) {
    sl_error_set(err, SL_EINVAL, -1, "line %d: %s", je.line, je.text);
    return NULL;
  }
  const char *bad = NULL;
  if (!check_numbers(root, &bad)) {
    sl_error_set(err, SL_EINVAL, -1, "bad number '%s'", bad);
    json_decref(root);
    return NULL;
  }
  return root;
}

const char *sl_qtt_num(const json_t *j) {
  if (!json_is_string(j)) return NULL;
  const char *s = json_string_value(j);
  return s[0] == NUM_MARK ? s + 1 : NULL;
}

bool sl_qtt_num_is_int(const char *num) {
  return !strpbrk(num, ".eE");
}

bool sl_qtt_get_int(const json_t *j, int64_t *out) {
  if (json_is_integer(j)) {
    *out = json_integer_value(j);
    return true;
  }
  const char *s = sl_qtt_num(j);
  if (!s || !sl_qtt_num_is_int(s)) return false;
  char *end;
  long long v = strtoll(s, &end, 10);
  if (*end) return false;
  *out = v;
  return true;
}

static void write_string(const char *s, size_t n, sl_buf_t *out) {
  sl_buf_putc(out, '"');
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    switch (c) {
      case '"': sl_buf_puts(out, "\\\""); break;
      case '\\': sl_buf_puts(out, "\\\\"); break;
      case '\n': sl_buf_puts(out, "\\n"); break;
      case '\r': sl_buf_puts(out, "\\r"); break;
      case '\t': sl_buf_puts(out, "\\t"); break;
      case '\b': sl_buf_puts(out, "\\b"); break;
      case '\f': sl_buf_puts(out, "\\f"); break;
      default:
        if (c < 0x20)
          sl_buf_printf(out, "\\u%04x", c);
        else
          sl_buf_putc(out, (char)c);
    }
  }
  sl_buf_putc(out, '"');
}

void sl_qtt_json_write(const json_t *j, sl_buf_t *out) {
  const char *num = sl_qtt_num(j);
  if (num) {
    sl_buf_puts(out, num);
    return;
  }
  switch (json_typeof(j)) {
    case JSON_OBJECT: {
      sl_buf_putc(out, '{');
      const char *k;
      json_t *v;
      bool first = true;
      json_object_foreach((json_t *)j, k, v) {
        if (!first) sl_buf_putc(out, ',');
        first = false;
        write_string(k, strlen(k), out);
        sl_buf_putc(out, ':');
        sl_qtt_json_write(v, out);
      }
      sl_buf_putc(out, '}');
      break;
    }
    case JSON_ARRAY:
      sl_buf_putc(out, '[');
      for (size_t i = 0; i < json_array_size(j); i++) {
        if (i) sl_buf_putc(out, ',');
        sl_qtt_json_write(json_array_get(j, i), out);
      }
      sl_buf_putc(out, ']');
      break;
    case JSON_STRING: write_string(json_string_value(j), json_string_length(j), out); break;
    case JSON_INTEGER: sl_buf_printf(out, "%lld", (long long)json_integer_value(j)); break;
    case JSON_REAL: sl_buf_printf(out, "%.17g", json_real_value(j)); break;
    case JSON_TRUE: sl_buf_puts(out, "true"); break;
    case JSON_FALSE: sl_buf_puts(out, "false"); break;
    case JSON_NULL: sl_buf_puts(out, "null"); break;
  }
}

json_t *sl_qtt_json_plain(const json_t *j) {
  const char *num = sl_qtt_num(j);
  if (num) {
    if (sl_qtt_num_is_int(num)) {
      char *end;
      errno = 0;
      long long v = strtoll(num, &end, 10);
      if (!*end && errno == 0) return json_integer(v);
    }
    return json_real(strtod(num, NULL));
  }
  if (json_is_object(j)) {
    json_t *o = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)j, k, v) json_object_set_new(o, k, sl_qtt_json_plain(v));
    return o;
  }
  if (json_is_array(j)) {
    json_t *a = json_array();
    for (size_t i = 0; i < json_array_size(j); i++)
      json_array_append_new(a, sl_qtt_json_plain(json_array_get(j, i)));
    return a;
  }
  return json_deep_copy(j);
}

void sl_qtt_scalar_text(const json_t *j, sl_buf_t *out) {
  const char *num = sl_qtt_num(j);
  if (num)
    sl_buf_puts(out, num);
  else if (json_is_string(j))
    sl_buf_append(out, json_string_value(j), json_string_length(j));
  else
    sl_qtt_json_write(j, out);
}
