/*
 * types.h - SQL types and runtime values. Types are immutable once built and
 * shared: primitives are static singletons, composite types live in the arena
 * of whoever made them (catalog entry, query plan). Values are small tagged
 * structs; anything they point to (strings, elements) lives in an arena chosen
 * by the caller (the per-batch arena on the hot path). A value of kind
 * SL_T_NULL is SQL NULL of whatever type the schema says.
 */
#ifndef SLUICE_TYPES_H
#define SLUICE_TYPES_H

#include "sluice/ast.h"
#include "sluice/base.h"

typedef enum {
  SL_T_NULL = 0, /* only for values: SQL NULL */
  SL_T_BOOLEAN,
  SL_T_INT,    /* 32-bit */
  SL_T_BIGINT, /* 64-bit */
  SL_T_DOUBLE,
  SL_T_DECIMAL, /* precision <= 38: unscaled __int128 + scale */
  SL_T_STRING,
  SL_T_BYTES,
  SL_T_DATE,      /* days since 1970-01-01 */
  SL_T_TIME,      /* milliseconds since midnight */
  SL_T_TIMESTAMP, /* milliseconds since the epoch, UTC */
  SL_T_ARRAY,
  SL_T_MAP,
  SL_T_STRUCT
} sl_type_kind_t;

typedef struct sl_type sl_type_t;

typedef struct sl_type_field {
  const char *name;
  const sl_type_t *type;
} sl_type_field_t;

struct sl_type {
  sl_type_kind_t kind;
  int precision, scale;  /* DECIMAL */
  const sl_type_t *elem; /* ARRAY element type; MAP value type */
  const sl_type_t *key;  /* MAP key type */
  int nfields;           /* STRUCT */
  const sl_type_field_t *fields;
};

/* Static singletons for the primitive types. */
extern const sl_type_t sl_type_boolean, sl_type_int, sl_type_bigint, sl_type_double, sl_type_string,
    sl_type_bytes, sl_type_date, sl_type_time, sl_type_timestamp;
const sl_type_t *sl_type_primitive(sl_type_kind_t kind);
const sl_type_t *sl_type_decimal(sl_arena_t *a, int precision, int scale);
const sl_type_t *sl_type_array(sl_arena_t *a, const sl_type_t *elem);
const sl_type_t *sl_type_map(sl_arena_t *a, const sl_type_t *key, const sl_type_t *value);
const sl_type_t *sl_type_struct(sl_arena_t *a, int nfields, const sl_type_field_t *fields);
/* Deep copy into another arena (for catalog entries that outlive a statement). */
const sl_type_t *sl_type_copy(sl_arena_t *a, const sl_type_t *t);
bool sl_type_equal(const sl_type_t *a, const sl_type_t *b);
/* ksqlDB's SQL spelling: INTEGER, BIGINT, DECIMAL(4, 2), ARRAY<STRING>,
 * MAP<STRING, INTEGER>, STRUCT<`A` INTEGER, `B` STRING>. */
void sl_type_format(const sl_type_t *t, sl_buf_t *out);
const char *sl_type_kind_name(sl_type_kind_t k); /* "INTEGER", "STRUCT", ... */
bool sl_type_is_numeric(const sl_type_t *t);

/* Custom types (CREATE TYPE): name -> const sl_type_t*; may be NULL. */
typedef struct sl_type_registry sl_type_registry_t;

/* Resolves a parsed type. Named types are looked up via lookup (may be NULL);
 * returns SL_ESEMANTIC with the offset of the bad part. */
typedef const sl_type_t *(*sl_type_lookup_fn)(void *ctx, const char *name);
int sl_type_from_ast(const sl_type_ast_t *ta, sl_arena_t *a, sl_type_lookup_fn lookup, void *ctx,
                     const sl_type_t **out, sl_error_t *err);

/* ---------------- decimals ---------------- */
typedef struct sl_decimal {
  __int128 unscaled;
  int32_t scale;
} sl_decimal_t;
/* Parses "12.340" keeping the scale (3). */
int sl_decimal_parse(const char *s, size_t n, sl_decimal_t *out);
/* Writes "12.340" (plain notation, no exponent). */
void sl_decimal_format(const sl_decimal_t *d, sl_buf_t *out);
/* Rescales with HALF_UP rounding; returns SL_EEVAL if it does not fit in precision. */
int sl_decimal_rescale(const sl_decimal_t *in, int precision, int scale, sl_decimal_t *out);
double sl_decimal_to_double(const sl_decimal_t *d);
/* 10^n for 0 <= n <= 38 (0 otherwise). */
__int128 sl_decimal_pow10(int n);
/* Decimal digits of |v| (at least 1). */
int sl_decimal_digits(__int128 v);
/* v / 10^k rounded HALF_UP (ties away from zero). */
__int128 sl_decimal_div_pow10_half_up(__int128 v, int k);

/* ---------------- values ---------------- */
typedef struct sl_value sl_value_t;

struct sl_value {
  uint8_t kind; /* sl_type_kind_t; SL_T_NULL for NULL */
  union {
    bool b;
    int32_t i; /* INT, DATE, TIME */
    int64_t l; /* BIGINT, TIMESTAMP */
    double d;
    sl_decimal_t dec;
    struct {
      const char *ptr; /* not NUL terminated in general */
      uint32_t len;
    } s; /* STRING, BYTES */
    struct {
      sl_value_t *items; /* ARRAY elements; MAP: 2*n values, key0, val0, key1, ... */
      uint32_t n;        /* element count (MAP: entry count) */
    } arr;               /* ARRAY, MAP */
    struct {
      sl_value_t *fields; /* one per field of type */
      const sl_type_t *type;
    } st; /* STRUCT */
  } u;
};

static inline sl_value_t sl_null(void) {
  sl_value_t v;
  v.kind = SL_T_NULL;
  v.u.l = 0;
  return v;
}
static inline bool sl_is_null(const sl_value_t *v) {
  return v->kind == SL_T_NULL;
}
sl_value_t sl_val_bool(bool b);
sl_value_t sl_val_int(int32_t i);
sl_value_t sl_val_bigint(int64_t l);
sl_value_t sl_val_double(double d);
sl_value_t sl_val_decimal(__int128 unscaled, int scale);
sl_value_t sl_val_string(const char *p, uint32_t len); /* does not copy */
sl_value_t sl_val_cstring(const char *s);              /* does not copy */
sl_value_t sl_val_bytes(const void *p, uint32_t len);
sl_value_t sl_val_timestamp(int64_t ms);
sl_value_t sl_val_date(int32_t days);
sl_value_t sl_val_time(int32_t ms);

/* Deep copy (strings, elements) into arena a. */
sl_value_t sl_value_copy(sl_arena_t *a, const sl_value_t *v);
/* Three-way comparison of two non-NULL values of comparable types (numeric
 * kinds compare across INT/BIGINT/DOUBLE/DECIMAL). Returns SL_EINVAL in *err
 * path if incomparable: callers check types at compile time. */
int sl_value_compare(const sl_value_t *a, const sl_value_t *b);
/* Equality as used by GROUP BY / joins / DISTINCT (NULL equals NULL). */
bool sl_value_equal(const sl_value_t *a, const sl_value_t *b);
uint64_t sl_value_hash(const sl_value_t *v, uint64_t seed);
/* Writes the value as ksqlDB's CLI/REST would show it in text (strings bare). */
void sl_value_format(const sl_value_t *v, sl_buf_t *out);
/* Casts v to type t following ksqlDB's CAST rules. A failed cast (bad number
 * text, overflow) returns SL_EEVAL with a message in err; *out is NULL then. */
int sl_value_cast(sl_arena_t *a, const sl_value_t *v, const sl_type_t *t, sl_value_t *out,
                  sl_error_t *err);
/* True if a value of type from can be used where to is expected without CAST
 * (INT -> BIGINT -> DECIMAL -> DOUBLE widening as ksqlDB allows). */
bool sl_type_can_widen(const sl_type_t *from, const sl_type_t *to);
/* True if CAST(from AS to) is allowed (ksqlDB's table of supported casts). */
bool sl_type_can_cast(const sl_type_t *from, const sl_type_t *to);
/* DOUBLE -> DECIMAL(p, s) as ksqlDB does it (exact binary value, HALF_UP). */
int sl_decimal_from_double(double d, int p, int s, sl_value_t *out, sl_error_t *err);

/* Date/time text in ksqlDB's default forms. */
void sl_format_timestamp(int64_t ms, sl_buf_t *out); /* 2020-01-01T00:00:00.000 */
void sl_format_date(int32_t days, sl_buf_t *out);    /* 2020-01-01 */
void sl_format_time(int32_t ms, sl_buf_t *out);      /* 10:11:12 (ms only if non-zero) */
int sl_parse_timestamp(const char *s, size_t n, int64_t *ms);
int sl_parse_date(const char *s, size_t n, int32_t *days);
int sl_parse_time(const char *s, size_t n, int32_t *ms);
/* Java's Double.toString: 1.0, 0.001, 1.0E7, 1.0E-4, NaN, Infinity. */
void sl_format_double(double d, sl_buf_t *out);
/* Proleptic Gregorian calendar: days since 1970-01-01 <-> year, month 1..12, day. */
int64_t sl_days_from_civil(int64_t y, int m, int d);
void sl_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

/* ---------------- schemas (logical columns of a source or query) ---------------- */
typedef enum {
  SL_NS_KEY,     /* part of the Kafka record key */
  SL_NS_VALUE,   /* part of the Kafka record value */
  SL_NS_HEADERS, /* HEADERS: ARRAY<STRUCT<KEY STRING, VALUE BYTES>> */
  SL_NS_HEADER   /* HEADER('k'): BYTES of one header */
} sl_col_ns_t;

typedef struct sl_column {
  const char *name; /* as stored: upper-cased unless quoted in DDL */
  const sl_type_t *type;
  sl_col_ns_t ns;
  const char *header_key; /* SL_NS_HEADER only */
} sl_column_t;

typedef struct sl_schema {
  int ncols;
  sl_column_t *cols; /* key columns first, in declaration order, then value/header columns */
} sl_schema_t;

int sl_schema_find(const sl_schema_t *s, const char *name); /* index or -1 */
int sl_schema_key_count(const sl_schema_t *s);
sl_schema_t *sl_schema_copy(sl_arena_t *a, const sl_schema_t *s);
/* ksqlDB's schema text: "`ID` BIGINT KEY, `NAME` STRING" (as in QTT post.sources.schema) */
void sl_schema_format(const sl_schema_t *s, sl_buf_t *out);

#endif
