/*
 * serde.h - record formats behind one vtable: JSON, DELIMITED, KAFKA, NONE
 * (later AVRO). A serde is built once per source or sink for a list of
 * columns (the key columns or the value columns) and then turns bytes into
 * slot values and back. Decoding reads only the columns asked for.
 */
#ifndef SLUICE_SERDE_H
#define SLUICE_SERDE_H

#include "sluice/types.h"

struct json_t; /* jansson; only serde files and the JSON glue touch its innards */

typedef struct sl_serde_opts {
  char delimiter;        /* DELIMITED: VALUE_DELIMITER / KEY_DELIMITER, default ',' */
  bool wrap_single;      /* a single column is wrapped in an object/record */
  bool wrap_explicit;    /* wrap_single was set by the user (WRAP_SINGLE_VALUE) */
} sl_serde_opts_t;

typedef struct sl_serde sl_serde_t;

typedef struct sl_serde_vt {
  const char *name;       /* "JSON", "DELIMITED", "KAFKA", "NONE" */
  bool supports_wrapping; /* WRAP_SINGLE_VALUE allowed */
  bool multi_column_key;  /* several key columns allowed */
  /* Checks the column types are representable; error says which is not. */
  int (*validate)(const sl_column_t *cols, int ncols, bool is_key, sl_error_t *err);
} sl_serde_vt_t;

/* Finds a format by name (case-insensitive). */
const sl_serde_vt_t *sl_format_find(const char *name);

/* Builds a serde for cols (key or value columns). Fails with a clear message if
 * the format cannot carry the columns (e.g. KAFKA with two columns). */
int sl_serde_new(const char *format, const sl_column_t *cols, int ncols, bool is_key,
                 const sl_serde_opts_t *opts, sl_arena_t *a, sl_serde_t **out, sl_error_t *err);
const sl_serde_vt_t *sl_serde_format(const sl_serde_t *s);

/* Decodes data (not NULL; callers treat NULL as a tombstone/null key first)
 * into out[0..ncols). Strings point into arena a (copied), never into data.
 * Returns SL_ESERDE with a reason on malformed input. */
int sl_serde_decode(sl_serde_t *s, const void *data, size_t len, sl_arena_t *a, sl_value_t *out,
                    sl_error_t *err);
/* Encodes vals[0..ncols) and appends the bytes to out. If every value column
 * is NULL the caller decides (ksqlDB still writes the record). */
int sl_serde_encode(sl_serde_t *s, const sl_value_t *vals, sl_buf_t *out, sl_error_t *err);

/* ---- JSON glue shared by the serde, the REST layer and the test runner ---- */
/* Converts a jansson value to a typed value with ksqlDB's JSON coercions. */
int sl_json_to_value(const struct json_t *j, const sl_type_t *t, sl_arena_t *a, sl_value_t *out,
                     sl_error_t *err);
/* Converts a value to a new jansson reference (DECIMAL as a JSON number with
 * its scale kept, BYTES as base64, TIMESTAMP as epoch ms, DATE as days, TIME as ms). */
struct json_t *sl_value_to_json(const sl_value_t *v, const sl_type_t *t);

/* ---- windowed keys (ksqlDB wire layout) ---- */
/* Time windows: inner key bytes + 8-byte big-endian window start.
 * Session windows: inner key bytes + 8-byte end + 8-byte start. */
void sl_window_key_encode(const void *key, size_t n, bool session, int64_t start, int64_t end,
                          sl_buf_t *out);
int sl_window_key_decode(const void *data, size_t n, bool session, size_t *key_len,
                         int64_t *start, int64_t *end);

/* ---- base64 ---- */
void sl_base64_encode(const void *p, size_t n, sl_buf_t *out);
int sl_base64_decode(const char *s, size_t n, sl_buf_t *out);

#endif
