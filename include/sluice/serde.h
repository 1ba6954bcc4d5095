/*
 * serde.h - record formats behind one vtable: JSON, DELIMITED, KAFKA, NONE,
 * PROTOBUF_NOSR (later AVRO). A serde is built once per source or sink for a list of
 * columns (the key columns or the value columns) and then turns bytes into
 * slot values and back. Decoding reads only the columns asked for.
 */
#ifndef SLUICE_SERDE_H
#define SLUICE_SERDE_H

#include "sluice/types.h"

struct json_t; /* jansson; only serde files and the JSON glue touch its innards */

typedef struct sl_serde_opts {
  char delimiter;     /* DELIMITED: VALUE_DELIMITER / KEY_DELIMITER, default ',' */
  bool wrap_single;   /* a single column is wrapped in an object/record */
  bool wrap_explicit; /* wrap_single was set by the user (WRAP_SINGLE_VALUE) */
} sl_serde_opts_t;

typedef struct sl_serde sl_serde_t;

typedef struct sl_serde_vt {
  const char *name;       /* "JSON", "DELIMITED", "KAFKA", "NONE", "PROTOBUF_NOSR" */
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
/* As sl_serde_decode, but only columns with want[i] set get a value; the
 * others hold NULL. A record that sl_serde_decode refuses is still refused
 * with the same message (unwanted columns are checked, just not built):
 * formats that cannot skip cheaply decode everything. want NULL = all. */
int sl_serde_decode_some(sl_serde_t *s, const void *data, size_t len, const bool *want,
                         sl_arena_t *a, sl_value_t *out, sl_error_t *err);
/* Encodes vals[0..ncols) and appends the bytes to out. If every value column
 * is NULL the caller decides (ksqlDB still writes the record). */
int sl_serde_encode(sl_serde_t *s, const sl_value_t *vals, sl_buf_t *out, sl_error_t *err);
/* True when vals stand for no record at all, i.e. a null Kafka key/value:
 * no columns, NONE, or one NULL column in KAFKA or unwrapped JSON (DELIMITED
 * writes an empty text for that, as ksqlDB does). Encode appends nothing then. */
bool sl_serde_encodes_null(const sl_serde_t *s, const sl_value_t *vals);
/* True when non-NULL bytes still decode to a null row: the JSON document
 * `null` for wrapped JSON (ksqlDB then treats the record as a null value). */
bool sl_serde_is_null_payload(const sl_serde_t *s, const void *data, size_t len);
/* Notes: decode error messages are ksqlDB's reason text ("Can't convert type.
 * sourceType: TextNode, requiredType: INTEGER, path: $.FOO"); callers prefix
 * "Failed to deserialize value from topic: T. " as ksqlDB does. For keys,
 * opts->wrap_single only counts when wrap_explicit (keys are unwrapped by
 * default); for values it is the effective setting (default true), and a NULL
 * opts means defaults (',' delimiter, wrapped values). */

/* ---- JSON glue shared by the serde, the REST layer and the test runner ---- */
/* Converts a jansson value to a typed value with ksqlDB's JSON coercions. */
int sl_json_to_value(const struct json_t *j, const sl_type_t *t, sl_arena_t *a, sl_value_t *out,
                     sl_error_t *err);
/* Converts a value to a new jansson reference (DECIMAL as a JSON number with
 * its scale kept, BYTES as base64, TIMESTAMP as epoch ms, DATE as days, TIME as ms).
 * jansson stores reals as doubles, so a DECIMAL with fraction digits loses its
 * trailing zeros here: use sl_value_to_json_text where the scale matters. */
struct json_t *sl_value_to_json(const sl_value_t *v, const sl_type_t *t);
/* Appends v as compact JSON text exactly as the JSON format writes it
 * (decimals keep their scale, doubles as Java prints them). t may be NULL. */
void sl_value_to_json_text(const sl_value_t *v, const sl_type_t *t, sl_buf_t *out);
/* Parses JSON text (numbers kept exact) into a value of type t with the JSON
 * format's coercions; content after the first value is ignored. */
int sl_json_text_to_value(const char *text, size_t n, const sl_type_t *t, sl_arena_t *a,
                          sl_value_t *out, sl_error_t *err);

/* ---- windowed keys (ksqlDB wire layout) ---- */
/* Time windows: inner key bytes + 8-byte big-endian window start.
 * Session windows: inner key bytes + 8-byte end + 8-byte start. */
void sl_window_key_encode(const void *key, size_t n, bool session, int64_t start, int64_t end,
                          sl_buf_t *out);
int sl_window_key_decode(const void *data, size_t n, bool session, size_t *key_len, int64_t *start,
                         int64_t *end);

/* ---- base64 ---- */
void sl_base64_encode(const void *p, size_t n, sl_buf_t *out);
int sl_base64_decode(const char *s, size_t n, sl_buf_t *out);

#endif
