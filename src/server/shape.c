/*
 * shape.c - the REST layer's pure helpers: ksqlDB's error bodies, the schema
 * string of /query headers, SQL literals for rows that arrive as JSON on
 * /inserts-stream, listen addresses and HTTP Basic credentials. Nothing here
 * touches a socket or the engine, so all of it is unit-tested directly.
 */
#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/ast.h"
#include "sluice/server.h"
#include "sluice/types.h"

/* ---------------- error bodies ---------------- */

/* Rewrites err->msg as before + sep + msg, or msg + sep + name + after
 * (name given), cut to fit. */
static void error_wrap(sl_error_t *err, const char *before, const char *sep, const char *name,
                       const char *after) {
  sl_buf_t b;
  sl_buf_init(&b);
  if (name)
    sl_buf_printf(&b, "%s%s%s%s", err->msg, sep, name, after ? after : "");
  else
    sl_buf_printf(&b, "%s%s%s", before, sep, err->msg);
  size_t n = b.len < sizeof err->msg - 1 ? b.len : sizeof err->msg - 1;
  memcpy(err->msg, b.data, n);
  err->msg[n] = 0;
  sl_buf_free(&b);
}

json_t *sl_rest_error(int code, const char *msg) {
  return json_pack("{s:s, s:i, s:s}", "@type", "generic_error", "error_code", code, "message",
                   msg ? msg : "");
}

json_t *sl_rest_statement_error(int code, const char *msg, const char *stmt, json_t *entities) {
  json_t *o = json_pack("{s:s, s:i, s:s, s:s}", "@type", "statement_error", "error_code", code,
                        "message", msg ? msg : "", "statementText", stmt ? stmt : "");
  json_object_set(o, "entities", entities ? entities : json_array());
  if (!entities) json_decref(json_object_get(o, "entities"));
  json_object_set_new(o, "stackTrace", json_array());
  return o;
}

void sl_rest_error_message(const sl_error_t *err, const char *text, sl_buf_t *out) {
  if (err->offset >= 0 && text && strncmp(err->msg, "line ", 5) != 0) {
    int line = 0, col = 0;
    sl_text_position(text, err->offset, &line, &col);
    sl_buf_printf(out, "line %d:%d: ", line, col);
  }
  sl_buf_puts(out, err->msg[0] ? err->msg : sl_strerror(err->code));
}

/* ---------------- schema strings ---------------- */

static void put_ident(sl_buf_t *out, const char *name) {
  sl_buf_putc(out, '`');
  for (const char *p = name; *p; p++) {
    if (*p == '`') sl_buf_putc(out, '`');
    sl_buf_putc(out, *p);
  }
  sl_buf_putc(out, '`');
}

void sl_rest_schema_string(const json_t *schema, sl_buf_t *out) {
  json_t *names = json_object_get(schema, "columnNames");
  json_t *types = json_object_get(schema, "columnTypes");
  for (size_t i = 0; i < json_array_size(names); i++) {
    if (i) sl_buf_puts(out, ", ");
    const char *n = json_string_value(json_array_get(names, i));
    const char *t = json_string_value(json_array_get(types, i));
    put_ident(out, n ? n : "");
    sl_buf_putc(out, ' ');
    sl_buf_puts(out, t ? t : "STRING");
  }
}

/* ---------------- SQL literals ---------------- */

static void put_string_literal(sl_buf_t *out, const char *s, size_t n) {
  sl_buf_putc(out, '\'');
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\'') sl_buf_putc(out, '\'');
    sl_buf_putc(out, s[i]);
  }
  sl_buf_putc(out, '\'');
}

/* The shortest text that reads back as the same double, always with a '.' or
 * an exponent so the SQL parser sees a DOUBLE. */
static int put_double(sl_buf_t *out, double d, sl_error_t *err) {
  if (!isfinite(d)) return sl_error_set(err, SL_EINVAL, -1, "Cannot insert a non-finite number");
  char tmp[64];
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(tmp, sizeof tmp, "%.*g", prec, d);
    if (strtod(tmp, NULL) == d) break;
  }
  sl_buf_puts(out, tmp);
  if (!strpbrk(tmp, ".eEn")) sl_buf_puts(out, ".0");
  return 0;
}

static const char *json_kind(const json_t *v) {
  switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
  }
}

static const sl_type_field_t *find_field(const sl_type_t *t, const char *name) {
  for (int i = 0; i < t->nfields; i++)
    if (!strcmp(t->fields[i].name, name)) return &t->fields[i];
  for (int i = 0; i < t->nfields; i++)
    if (sl_streq_ci(t->fields[i].name, name)) return &t->fields[i];
  return NULL;
}

int sl_rest_sql_literal(const json_t *v, const sl_type_t *t, sl_buf_t *out, sl_error_t *err) {
  sl_type_kind_t k = t ? t->kind : SL_T_NULL;
  switch (json_typeof(v)) {
    case JSON_NULL: sl_buf_puts(out, "NULL"); return 0;
    case JSON_TRUE:
    case JSON_FALSE:
      if (t && k != SL_T_BOOLEAN && k != SL_T_STRING) break;
      if (k == SL_T_STRING)
        sl_buf_puts(out, json_is_true(v) ? "'true'" : "'false'");
      else
        sl_buf_puts(out, json_is_true(v) ? "TRUE" : "FALSE");
      return 0;
    case JSON_INTEGER: {
      long long n = (long long)json_integer_value(v);
      if (k == SL_T_TIMESTAMP) {
        sl_buf_printf(out, "FROM_UNIXTIME(%lld)", n);
      } else if (k == SL_T_DATE) {
        sl_buf_printf(out, "FROM_DAYS(%lld)", n);
      } else if (k == SL_T_DOUBLE) {
        sl_buf_printf(out, "%lld.0", n);
      } else if (k == SL_T_STRING) {
        sl_buf_printf(out, "'%lld'", n);
      } else if (!t || k == SL_T_INT || k == SL_T_BIGINT || k == SL_T_DECIMAL || k == SL_T_TIME) {
        sl_buf_printf(out, "%lld", n);
      } else {
        break;
      }
      return 0;
    }
    case JSON_REAL:
      if (t && k != SL_T_DOUBLE && k != SL_T_DECIMAL && k != SL_T_STRING) break;
      if (k == SL_T_STRING) {
        sl_buf_t tmp;
        sl_buf_init(&tmp);
        int rc = put_double(&tmp, json_real_value(v), err);
        if (rc == 0) put_string_literal(out, tmp.data, tmp.len);
        sl_buf_free(&tmp);
        return rc;
      }
      return put_double(out, json_real_value(v), err);
    case JSON_STRING: {
      const char *s = json_string_value(v);
      size_t n = json_string_length(v);
      if (k == SL_T_BYTES) {
        sl_buf_puts(out, "TO_BYTES(");
        put_string_literal(out, s, n);
        sl_buf_puts(out, ", 'base64')");
      } else {
        /* Strings go as strings: the engine coerces them for numeric,
         * DECIMAL and time columns as INSERT ... VALUES does. */
        put_string_literal(out, s, n);
      }
      return 0;
    }
    case JSON_ARRAY: {
      if (t && k != SL_T_ARRAY) break;
      sl_buf_puts(out, "ARRAY[");
      size_t i;
      json_t *e;
      json_array_foreach(v, i, e) {
        if (i) sl_buf_puts(out, ", ");
        int rc = sl_rest_sql_literal(e, t ? t->elem : NULL, out, err);
        if (rc) return rc;
      }
      sl_buf_putc(out, ']');
      return 0;
    }
    case JSON_OBJECT: {
      if (t && k != SL_T_MAP && k != SL_T_STRUCT) break;
      bool is_map = k == SL_T_MAP;
      sl_buf_puts(out, is_map ? "MAP(" : "STRUCT(");
      const char *key;
      json_t *e;
      int i = 0;
      json_object_foreach((json_t *)v, key, e) {
        if (i++) sl_buf_puts(out, ", ");
        const sl_type_t *et = NULL;
        if (is_map) {
          put_string_literal(out, key, strlen(key));
          et = t->elem;
        } else {
          const sl_type_field_t *f = t ? find_field(t, key) : NULL;
          if (t && !f)
            return sl_error_set(err, SL_EINVAL, -1, "Unknown field %s in STRUCT value", key);
          put_ident(out, f ? f->name : key);
          et = f ? f->type : NULL;
        }
        sl_buf_puts(out, " := ");
        int rc = sl_rest_sql_literal(e, et, out, err);
        if (rc) return rc;
      }
      sl_buf_putc(out, ')');
      return 0;
    }
  }
  sl_buf_t ty;
  sl_buf_init(&ty);
  sl_type_format(t, &ty);
  sl_error_set(err, SL_EINVAL, -1, "Cannot coerce %s to %s", json_kind(v), ty.data ? ty.data : "?");
  sl_buf_free(&ty);
  return SL_EINVAL;
}

static const sl_column_t *find_column(const sl_schema_t *s, const char *name) {
  for (int i = 0; i < s->ncols; i++)
    if (!strcmp(s->cols[i].name, name)) return &s->cols[i];
  for (int i = 0; i < s->ncols; i++)
    if (sl_streq_ci(s->cols[i].name, name)) return &s->cols[i];
  return NULL;
}

int sl_rest_insert_sql(const sl_source_t *src, const json_t *row, sl_buf_t *out, sl_error_t *err) {
  if (!json_is_object(row))
    return sl_error_set(err, SL_EINVAL, -1, "Each row must be a JSON object, not %s",
                        json_kind(row));
  if (json_object_size(row) == 0)
    return sl_error_set(err, SL_EINVAL, -1, "A row must give at least one column");
  sl_buf_t cols, vals;
  sl_buf_init(&cols);
  sl_buf_init(&vals);
  int rc = 0, i = 0;
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)row, key, v) {
    const sl_column_t *c = find_column(src->schema, key);
    const sl_type_t *t = NULL;
    const char *name = key;
    if (c && c->ns != SL_NS_KEY && c->ns != SL_NS_VALUE) {
      rc = sl_error_set(err, SL_EINVAL, -1, "Cannot insert into HEADER column %s", c->name);
      break;
    }
    if (c) {
      t = c->type;
      name = c->name;
    } else if (sl_streq_ci(key, "ROWTIME")) {
      t = &sl_type_bigint;
      name = "ROWTIME";
    } else {
      rc = sl_error_set(err, SL_EINVAL, -1, "Column name %s does not exist.", key);
      break;
    }
    if (i++) {
      sl_buf_puts(&cols, ", ");
      sl_buf_puts(&vals, ", ");
    }
    if (!strcmp(name, "ROWTIME") && !c) {
      sl_buf_puts(&cols, "ROWTIME");
      /* ROWTIME takes epoch milliseconds as a BIGINT. */
      if (!json_is_integer(v)) {
        rc = sl_error_set(err, SL_EINVAL, -1, "ROWTIME must be an integer (epoch ms)");
        break;
      }
      sl_buf_printf(&vals, "%lld", (long long)json_integer_value(v));
      continue;
    }
    put_ident(&cols, name);
    rc = sl_rest_sql_literal(v, t, &vals, err);
    if (rc) {
      /* Name the column, as ksqlDB does for coercion failures. */
      error_wrap(err, "", " (column ", name, ")");
      break;
    }
  }
  if (rc == 0) {
    sl_buf_puts(out, "INSERT INTO ");
    put_ident(out, src->name);
    sl_buf_printf(out, " (%s) VALUES (%s);", cols.data, vals.data);
  }
  sl_buf_free(&cols);
  sl_buf_free(&vals);
  return rc;
}

/* ---------------- headless mode ---------------- */

bool sl_rest_stmt_is_readonly(int kind) {
  switch ((sl_stmt_kind_t)kind) {
    case SL_ST_SELECT:
    case SL_ST_PRINT:
    case SL_ST_SHOW:
    case SL_ST_DESCRIBE:
    case SL_ST_DESCRIBE_FUNCTION:
    case SL_ST_EXPLAIN:
    case SL_ST_SET:
    case SL_ST_UNSET:
    case SL_ST_DEFINE:
    case SL_ST_UNDEFINE:
    case SL_ST_ASSERT: return true;
    default: return false;
  }
}

/* ---------------- listen addresses ---------------- */

int sl_rest_parse_listener(const char *addr, char *host, size_t hostsz, int *port, bool *tls,
                           sl_error_t *err) {
  const char *p = addr;
  *tls = false;
  if (!strncasecmp(p, "http://", 7)) {
    p += 7;
  } else if (!strncasecmp(p, "https://", 8)) {
    p += 8;
    *tls = true;
  } else if (strstr(p, "://")) {
    return sl_error_set(err, SL_EINVAL, -1, "listener %s: only http:// and https:// are served",
                        addr);
  }
  const char *h = p, *hend;
  if (*p == '[') {
    h = p + 1;
    hend = strchr(h, ']');
    if (!hend) return sl_error_set(err, SL_EINVAL, -1, "listener %s: missing ']'", addr);
    p = hend + 1;
  } else {
    hend = strrchr(p, ':');
    if (!hend) hend = p + strlen(p);
    p = hend;
  }
  size_t hl = (size_t)(hend - h);
  if (hl == 0) {
    snprintf(host, hostsz, "0.0.0.0");
  } else {
    if (hl >= hostsz) return sl_error_set(err, SL_EINVAL, -1, "listener %s: host too long", addr);
    memcpy(host, h, hl);
    host[hl] = 0;
  }
  if (*p == ':') {
    char *end;
    long n = strtol(p + 1, &end, 10);
    while (*end == '/') end++;
    if (end == p + 1 || *end || n < 0 || n > 65535)
      return sl_error_set(err, SL_EINVAL, -1, "listener %s: bad port", addr);
    *port = (int)n;
  } else if (*p == 0 || *p == '/') {
    *port = *tls ? 8443 : 8088;
  } else {
    return sl_error_set(err, SL_EINVAL, -1, "listener %s: cannot read it as HOST:PORT", addr);
  }
  return 0;
}

/* ---------------- HTTP Basic credentials ---------------- */

struct sl_rest_users {
  int n;
  char **names;
  char **passwords;
};

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  char *e = s + strlen(s);
  while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n')) *--e = 0;
  return s;
}

int sl_rest_users_parse(const char *text, sl_rest_users_t **out, sl_error_t *err) {
  sl_rest_users_t *u = sl_xcalloc(1, sizeof *u);
  char *copy = sl_strdup(text), *save = NULL;
  int lineno = 0, rc = 0;
  for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    lineno++;
    char *l = trim(line);
    if (!*l || *l == '#') continue;
    char *colon = strchr(l, ':');
    if (!colon || colon == l) {
      rc = sl_error_set(err, SL_EINVAL, -1, "users file line %d: expected user:password", lineno);
      break;
    }
    *colon = 0;
    u->names = sl_xrealloc(u->names, sizeof(char *) * (size_t)(u->n + 1));
    u->passwords = sl_xrealloc(u->passwords, sizeof(char *) * (size_t)(u->n + 1));
    u->names[u->n] = sl_strdup(trim(l));
    u->passwords[u->n] = sl_strdup(trim(colon + 1));
    u->n++;
  }
  free(copy);
  if (rc == 0 && u->n == 0) rc = sl_error_set(err, SL_EINVAL, -1, "users file names no user");
  if (rc) {
    sl_rest_users_free(u);
    return rc;
  }
  *out = u;
  return 0;
}

int sl_rest_users_load(const char *path, sl_rest_users_t **out, sl_error_t *err) {
  char *text = NULL;
  size_t len = 0;
  int rc = sl_read_file(path, &text, &len, err);
  if (rc) return rc;
  rc = sl_rest_users_parse(text, out, err);
  free(text);
  if (rc) {
    error_wrap(err, path, ": ", NULL, NULL);
  }
  return rc;
}

void sl_rest_users_free(sl_rest_users_t *u) {
  if (!u) return;
  for (int i = 0; i < u->n; i++) {
    free(u->names[i]);
    /* Do not leave passwords in freed memory. */
    memset(u->passwords[i], 0, strlen(u->passwords[i]));
    free(u->passwords[i]);
  }
  free(u->names);
  free(u->passwords);
  free(u);
}

static int b64_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

/* Decodes base64 into out (NUL-terminated); -1 on bad input. */
static int b64_decode(const char *s, size_t n, char *out, size_t outsz) {
  size_t o = 0;
  unsigned acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '=') break;
    int v = b64_value((unsigned char)s[i]);
    if (v < 0) return -1;
    acc = (acc << 6) | (unsigned)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (o + 1 >= outsz) return -1;
      out[o++] = (char)((acc >> bits) & 0xff);
    }
  }
  out[o] = 0;
  return (int)o;
}

/* Compares without an early exit so timing does not tell how much matched. */
static bool same_secret(const char *a, size_t an, const char *b) {
  size_t bn = strlen(b);
  unsigned diff = (unsigned)(an ^ bn);
  for (size_t i = 0; i < an; i++) diff |= (unsigned char)a[i] ^ (unsigned char)b[i % (bn ? bn : 1)];
  return diff == 0 && bn > 0;
}

bool sl_rest_users_check(const sl_rest_users_t *u, const char *auth, size_t len) {
  if (!u || !auth || len < 6 || strncasecmp(auth, "Basic ", 6) != 0) return false;
  const char *p = auth + 6;
  size_t n = len - 6;
  while (n && *p == ' ') p++, n--;
  while (n && (p[n - 1] == ' ')) n--;
  char dec[1024];
  int dn = b64_decode(p, n, dec, sizeof dec);
  if (dn < 0) return false;
  char *colon = memchr(dec, ':', (size_t)dn);
  if (!colon) return false;
  *colon = 0;
  const char *pass = colon + 1;
  size_t pn = (size_t)(dn - (colon + 1 - dec));
  bool ok = false;
  for (int i = 0; i < u->n; i++)
    if (!strcmp(u->names[i], dec) && same_secret(pass, pn, u->passwords[i])) ok = true;
  memset(dec, 0, sizeof dec);
  return ok;
}
