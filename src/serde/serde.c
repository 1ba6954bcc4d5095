/*
 * serde.c - the front of the serde module: the table of formats, building a
 * serde for a list of key or value columns (with ksqlDB's checks and
 * messages for what a format cannot carry), dispatch of decode/encode to the
 * format files, the windowed-key wire layout Kafka Streams uses, and base64.
 */
#include <stdlib.h>
#include <string.h>

#include "serde_int.h"

static const sl_serde_impl_t *const FORMATS[] = {
    &sl_serde_json_impl, &sl_serde_delimited_impl,     &sl_serde_kafka_impl,
    &sl_serde_none_impl, &sl_serde_protobuf_nosr_impl,
};

/* Valid ksqlDB formats sluice cannot read or write yet. */
static const char *const LATER[] = {"AVRO", "PROTOBUF", "JSON_SR"};

static const sl_serde_impl_t *impl_find(const char *name) {
  if (!name) return NULL;
  for (size_t i = 0; i < SL_ARRAY_LEN(FORMATS); i++)
    if (sl_streq_ci(FORMATS[i]->vt.name, name)) return FORMATS[i];
  return NULL;
}

const sl_serde_vt_t *sl_format_find(const char *name) {
  const sl_serde_impl_t *im = impl_find(name);
  return im ? &im->vt : NULL;
}

const sl_serde_vt_t *sl_serde_format(const sl_serde_t *s) {
  return &s->impl->vt;
}

/* ksqlDB's SchemaNotSupportedException text around a format's reason. */
static int not_supported(const sl_serde_impl_t *im, const sl_column_t *cols, int ncols, bool is_key,
                         const char *features, const char *reason, sl_error_t *err) {
  sl_buf_t b;
  sl_buf_init(&b);
  sl_serde_put_columns(&b, cols, ncols, is_key);
  sl_error_set(err, SL_ESEMANTIC, -1,
               "%s format does not support schema.\nformat: %s\nschema: "
               "Persistence{columns=[%s], features=[%s]}\nreason: %s",
               is_key ? "Key" : "Value", im->vt.name, b.data ? b.data : "", features, reason);
  sl_buf_free(&b);
  return SL_ESEMANTIC;
}

static bool contains_map(const sl_type_t *t) {
  if (!t) return false;
  switch (t->kind) {
    case SL_T_MAP: return true;
    case SL_T_ARRAY: return contains_map(t->elem);
    case SL_T_STRUCT:
      for (int i = 0; i < t->nfields; i++)
        if (contains_map(t->fields[i].type)) return true;
      return false;
    default: return false;
  }
}

/* ksqlDB refuses maps anywhere in a key, whatever the format, before asking
 * the format (a map's serialized order is not stable, so equal keys could
 * land on different partitions). */
static int check_map_keys(const sl_column_t *cols, int ncols, sl_error_t *err) {
  for (int i = 0; i < ncols; i++) {
    if (!contains_map(cols[i].type)) continue;
    sl_buf_t t;
    sl_buf_init(&t);
    sl_type_format(cols[i].type, &t);
    sl_error_set(err, SL_ESEMANTIC, -1,
                 "Map keys, including types that contain maps, are not supported as they may "
                 "lead to unexpected behavior due to inconsistent serialization. Key column name: "
                 "`%s`. Column type: %s. See https://github.com/confluentinc/ksql/issues/6621 for "
                 "more.",
                 cols[i].name, t.data);
    sl_buf_free(&t);
    return SL_ESEMANTIC;
  }
  return 0;
}

int sl_serde_new(const char *format, const sl_column_t *cols, int ncols, bool is_key,
                 const sl_serde_opts_t *opts, sl_arena_t *a, sl_serde_t **out, sl_error_t *err) {
  *out = NULL;
  const sl_serde_impl_t *im = impl_find(format);
  if (!im) {
    for (size_t i = 0; i < SL_ARRAY_LEN(LATER); i++)
      if (format && sl_streq_ci(format, LATER[i]))
        return sl_error_set(err, SL_EUNSUPPORTED, -1,
                            "The '%s' format is not supported by sluice yet", LATER[i]);
    return sl_error_set(err, SL_EINVAL, -1, "Unknown format: %s", format ? format : "(null)");
  }
  bool explicit_wrap = opts && opts->wrap_explicit;
  if (explicit_wrap && opts->wrap_single && !im->vt.supports_wrapping)
    return sl_error_set(err, SL_ESEMANTIC, -1,
                        "Format '%s' does not support 'WRAP_SINGLE_VALUE' set to 'true'.",
                        im->vt.name);
  if (explicit_wrap && !opts->wrap_single && im->always_wrapped)
    return sl_error_set(err, SL_ESEMANTIC, -1,
                        "Format '%s' does not support 'WRAP_SINGLE_VALUE' set to 'false'.",
                        im->vt.name);
  /* Keys are never wrapped unless asked to; values follow wrap_single. */
  bool wrapped = is_key ? explicit_wrap && opts->wrap_single : (opts ? opts->wrap_single : true);

  const char *features = "";
  if (ncols == 1 && im->vt.supports_wrapping && !im->always_wrapped) {
    if (is_key)
      features = explicit_wrap && opts->wrap_single ? "WRAP_SINGLES" : "UNWRAP_SINGLES";
    else if (explicit_wrap)
      features = opts->wrap_single ? "WRAP_SINGLES" : "UNWRAP_SINGLES";
  }
  if (is_key && check_map_keys(cols, ncols, err)) return SL_ESEMANTIC;
  sl_error_t reason;
  sl_error_clear(&reason);
  if (im->vt.validate(cols, ncols, is_key, &reason) != 0)
    return not_supported(im, cols, ncols, is_key, features, reason.msg, err);

  sl_serde_t *s = sl_arena_alloc(a, sizeof *s);
  s->impl = im;
  s->ncols = ncols;
  s->is_key = is_key;
  s->unwrapped = ncols == 1 && !wrapped && !im->always_wrapped;
  s->delimiter = opts && opts->delimiter ? opts->delimiter : ',';
  int n = ncols ? ncols : 1;
  s->cols = sl_arena_alloc(a, (size_t)n * sizeof *s->cols);
  s->name_lens = sl_arena_alloc(a, (size_t)n * sizeof *s->name_lens);
  s->row_fields = sl_arena_alloc(a, (size_t)n * sizeof *s->row_fields);
  for (int i = 0; i < ncols; i++) {
    s->cols[i] = cols[i];
    s->cols[i].name = sl_arena_strdup(a, cols[i].name ? cols[i].name : "");
    s->name_lens[i] = (uint32_t)strlen(s->cols[i].name);
    s->row_fields[i].name = s->cols[i].name;
    s->row_fields[i].type = cols[i].type;
  }
  s->row_type.kind = SL_T_STRUCT;
  s->row_type.nfields = ncols;
  s->row_type.fields = s->row_fields;
  if (im->init) {
    int rc = im->init(s, a, err);
    if (rc) return rc;
  }
  *out = s;
  return 0;
}

int sl_serde_decode(sl_serde_t *s, const void *data, size_t len, sl_arena_t *a, sl_value_t *out,
                    sl_error_t *err) {
  if (!data) {
    for (int i = 0; i < s->ncols; i++) out[i] = sl_null();
    return 0;
  }
  return s->impl->decode(s, data, len, a, out, err);
}

int sl_serde_decode_some(sl_serde_t *s, const void *data, size_t len, const bool *want,
                         sl_arena_t *a, sl_value_t *out, sl_error_t *err) {
  if (!want || !data || !s->impl->decode_some) {
    int rc = sl_serde_decode(s, data, len, a, out, err);
    if (rc == 0 && want)
      for (int i = 0; i < s->ncols; i++)
        if (!want[i]) out[i] = sl_null();
    return rc;
  }
  return s->impl->decode_some(s, data, len, want, a, out, err);
}

int sl_serde_encode(sl_serde_t *s, const sl_value_t *vals, sl_buf_t *out, sl_error_t *err) {
  return s->impl->encode(s, vals, out, err);
}

bool sl_serde_encodes_null(const sl_serde_t *s, const sl_value_t *vals) {
  if (s->ncols == 0 || s->impl == &sl_serde_none_impl) return true;
  if (s->ncols != 1 || !sl_is_null(&vals[0])) return false;
  return s->impl == &sl_serde_kafka_impl || (s->impl == &sl_serde_json_impl && s->unwrapped);
}

bool sl_serde_is_null_payload(const sl_serde_t *s, const void *data, size_t len) {
  if (!data) return true;
  if (s->impl != &sl_serde_json_impl || s->unwrapped || s->ncols == 0) return false;
  const char *p = data, *e = p + len;
  while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
  while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r')) e--;
  return e - p == 4 && memcmp(p, "null", 4) == 0;
}

/* ---------------- windowed keys ---------------- */

static void put_be64(sl_buf_t *out, int64_t v) {
  unsigned char b[8];
  uint64_t u = (uint64_t)v;
  for (int i = 7; i >= 0; i--) {
    b[i] = (unsigned char)(u & 0xff);
    u >>= 8;
  }
  sl_buf_append(out, b, 8);
}

static int64_t get_be64(const unsigned char *p) {
  uint64_t u = 0;
  for (int i = 0; i < 8; i++) u = u << 8 | p[i];
  return (int64_t)u;
}

void sl_window_key_encode(const void *key, size_t n, bool session, int64_t start, int64_t end,
                          sl_buf_t *out) {
  if (n) sl_buf_append(out, key, n);
  if (session) put_be64(out, end);
  put_be64(out, start);
}

int sl_window_key_decode(const void *data, size_t n, bool session, size_t *key_len, int64_t *start,
                         int64_t *end) {
  const unsigned char *p = data;
  size_t suffix = session ? 16 : 8;
  if (!data || n < suffix) return SL_ESERDE;
  *key_len = n - suffix;
  if (session) {
    *end = get_be64(p + n - 16);
    *start = get_be64(p + n - 8);
  } else {
    *start = get_be64(p + n - 8);
    *end = *start; /* not on the wire: the caller adds the window size */
  }
  return 0;
}

/* ---------------- base64 ---------------- */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void sl_base64_encode(const void *p, size_t n, sl_buf_t *out) {
  const unsigned char *s = p;
  char q[4];
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
    q[0] = B64[v >> 18];
    q[1] = B64[(v >> 12) & 63];
    q[2] = B64[(v >> 6) & 63];
    q[3] = B64[v & 63];
    sl_buf_append(out, q, 4);
  }
  if (n - i == 1) {
    uint32_t v = (uint32_t)s[i] << 16;
    q[0] = B64[v >> 18];
    q[1] = B64[(v >> 12) & 63];
    q[2] = q[3] = '=';
    sl_buf_append(out, q, 4);
  } else if (n - i == 2) {
    uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;
    q[0] = B64[v >> 18];
    q[1] = B64[(v >> 12) & 63];
    q[2] = B64[(v >> 6) & 63];
    q[3] = '=';
    sl_buf_append(out, q, 4);
  }
}

static int b64val(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

int sl_serde_base64_decode_raw(const char *s, size_t n, unsigned char *dst, size_t *out_len) {
  /* Up to two '=' may close the text; without them the tail is implied. */
  size_t pad = 0;
  while (n > 0 && s[n - 1] == '=' && pad < 2) n--, pad++;
  if (pad && (n + pad) % 4 != 0) return SL_EINVAL;
  size_t o = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; i++) {
    int v = b64val((unsigned char)s[i]);
    if (v < 0) return SL_EINVAL;
    acc = acc << 6 | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      dst[o++] = (unsigned char)(acc >> bits);
      acc &= (1u << bits) - 1;
    }
  }
  if (n % 4 == 1) return SL_EINVAL; /* a lone sextet cannot end a quantum */
  *out_len = o;
  return 0;
}

int sl_base64_decode(const char *s, size_t n, sl_buf_t *out) {
  unsigned char small[192];
  unsigned char *d = n / 4 * 3 + 3 <= sizeof small ? small : sl_xmalloc(n / 4 * 3 + 3);
  size_t dn = 0;
  int rc = sl_serde_base64_decode_raw(s, n, d, &dn);
  if (rc == 0) sl_buf_append(out, d, dn);
  if (d != small) free(d);
  return rc;
}
