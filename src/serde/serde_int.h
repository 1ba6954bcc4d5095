/*
 * serde_int.h - what the format files of the serde module share and nobody
 * else sees: the private half of a format's vtable (decode/encode), the serde
 * object itself, and the text helpers that reproduce Java's number parsing and
 * printing (Integer.parseInt, Double.parseDouble, BigDecimal) so that records
 * are read and written exactly as ksqlDB reads and writes them.
 */
#ifndef SLUICE_SERDE_INT_H
#define SLUICE_SERDE_INT_H

#include "sluice/serde.h"

/* A format: the public vtable first (sl_format_find hands out &impl->vt), then
 * the entry points only sl_serde_* calls. */
typedef struct sl_serde_impl {
  sl_serde_vt_t vt;
  bool always_wrapped; /* columns always sit in a record (protobuf): no unwrapping */
  /* Optional: precomputes per-serde data after the columns were validated. */
  int (*init)(sl_serde_t *s, sl_arena_t *a, sl_error_t *err);
  int (*decode)(sl_serde_t *s, const char *data, size_t len, sl_arena_t *a, sl_value_t *out,
                sl_error_t *err);
  int (*encode)(sl_serde_t *s, const sl_value_t *vals, sl_buf_t *out, sl_error_t *err);
  /* Optional: decode that builds only the wanted columns (sl_serde_decode_some). */
  int (*decode_some)(sl_serde_t *s, const char *data, size_t len, const bool *want, sl_arena_t *a,
                     sl_value_t *out, sl_error_t *err);
} sl_serde_impl_t;

struct sl_serde {
  const sl_serde_impl_t *impl;
  sl_column_t *cols;   /* copied array; types are shared with the caller */
  uint32_t *name_lens; /* strlen of each column name */
  int ncols;
  bool is_key;
  bool unwrapped;     /* one column written bare, without an enclosing object */
  char delimiter;     /* DELIMITED */
  sl_type_t row_type; /* the columns seen as one STRUCT (JSON error messages) */
  sl_type_field_t *row_fields;
  const char **json_keys; /* JSON: "\"NAME\":" per column, pre-escaped */
  uint32_t *json_key_lens;
  bool json_upper_names; /* JSON: no column name has a lower-case letter */
};

extern const sl_serde_impl_t sl_serde_json_impl, sl_serde_delimited_impl, sl_serde_kafka_impl,
    sl_serde_none_impl, sl_serde_protobuf_nosr_impl;

/* ---- JSON text (json.c) ---- */
/* Appends s as a JSON string literal, escaped as Jackson does. */
void sl_json_put_string(sl_buf_t *out, const char *s, size_t n);
/* Appends v (of type t, which may be NULL for "as the value says") as compact JSON. */
void sl_json_put_value(sl_buf_t *out, const sl_value_t *v, const sl_type_t *t);

/* ---- Java number text (numtext.c) ---- */
/* Integer.parseInt / Long.parseLong: optional sign, ASCII digits, range checked. */
bool sl_java_parse_int(const char *s, size_t n, int32_t *out);
bool sl_java_parse_long(const char *s, size_t n, int64_t *out);
/* Double.parseDouble: surrounding whitespace, NaN, Infinity, hex, f/d suffix. */
bool sl_java_parse_double(const char *s, size_t n, double *out);
/* Double.toString text (as sl_format_double, faster). */
void sl_serde_put_double(sl_buf_t *out, double d);
/* Boolean.parseBoolean: "true" in any case is true, anything else false. */
bool sl_java_parse_boolean(const char *s, size_t n);

/* A BigDecimal as its digit string and scale, for text too long or too exact
 * for an __int128 (JSON numbers, DELIMITED fields). value = digits * 10^-scale. */
#define SL_BIGDEC_MAX 400
typedef struct sl_bigdec {
  bool neg;
  int ndigits; /* significant digits, no leading zeros; 0 for zero */
  int32_t scale;
  char digits[SL_BIGDEC_MAX];
} sl_bigdec_t;

/* new BigDecimal(String): [+-] digits [. digits] [eE [+-] digits]. */
bool sl_bigdec_parse(const char *s, size_t n, sl_bigdec_t *out);
/* DecimalUtil.ensureFit: overflow of the integer digits or a scale that would
 * need rounding are errors (SL_ESERDE with ksqlDB's message). */
int sl_bigdec_fit(const sl_bigdec_t *b, int precision, int scale, sl_decimal_t *out,
                  sl_error_t *err);
/* BigDecimal.toString (scientific notation for small or negative scales). */
void sl_bigdec_to_string(const sl_bigdec_t *b, sl_buf_t *out);
/* The integer part, truncated toward zero, modulo 2^64 (Java's longValue()). */
uint64_t sl_bigdec_low64(const sl_bigdec_t *b);

/* DECIMAL values: BigDecimal.toString (plain=false) or toPlainString (plain=true). */
void sl_serde_put_decimal(sl_buf_t *out, __int128 unscaled, int scale, bool plain);
/* Rescales a DECIMAL value to the column's scale when they differ (HALF_UP). */
sl_decimal_t sl_serde_decimal_for(const sl_value_t *v, const sl_type_t *t);

/* Copies n bytes into the arena as valid UTF-8: malformed sequences become
 * U+FFFD, as Java's new String(bytes, UTF_8) does. */
const char *sl_serde_utf8_copy(sl_arena_t *a, const char *p, size_t n, uint32_t *out_len);

/* Base64 (standard alphabet, padding optional) into dst, which needs
 * n / 4 * 3 + 3 bytes; returns 0 or SL_EINVAL. */
int sl_serde_base64_decode_raw(const char *s, size_t n, unsigned char *dst, size_t *out_len);

/* Appends "`A` INTEGER, `B` STRING" (with " KEY" after each for keys). */
void sl_serde_put_columns(sl_buf_t *out, const sl_column_t *cols, int n, bool is_key);

#endif
