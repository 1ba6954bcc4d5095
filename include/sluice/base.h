/*
 * base.h - the ground floor every sluice module stands on: error reporting,
 * arenas, growable strings, vectors, a string-keyed hash map, logging and
 * clocks. Nothing here knows about SQL, Kafka or records.
 */
#ifndef SLUICE_BASE_H
#define SLUICE_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- error codes: 0 is success, every failure is a negative SL_E* ---- */
#define SL_OK 0
#define SL_ENOMEM (-1)    /* allocation failed */
#define SL_ESYNTAX (-2)   /* SQL could not be parsed */
#define SL_ESEMANTIC (-3) /* SQL parsed but is not valid (unknown column, type clash, ...) */
#define SL_ENOTFOUND (-4) /* a named object does not exist */
#define SL_EEXISTS (-5)   /* a named object exists already */
#define SL_EIO (-6)       /* file, socket or database failure */
#define SL_EKAFKA (-7)    /* Kafka client failure */
#define SL_ESERDE (-8)    /* a record could not be (de)serialized */
#define SL_EEVAL (-9)     /* expression evaluation failed at run time */
#define SL_EINVAL (-10)   /* bad argument or configuration */
#define SL_EUNSUPPORTED (-11) /* valid ksqlDB, not (yet) supported by sluice */
#define SL_ERUNTIME (-12) /* a query failed while running */

const char *sl_strerror(int code);

/* Details of the first failure. offset is a byte offset into the statement
 * text (or -1 when the error has no position). */
typedef struct sl_error {
  int code;        /* SL_E* code, 0 when no error recorded */
  int offset;      /* byte offset into the SQL text, -1 if none */
  char msg[1024];  /* human readable message */
  char hint[256];  /* optional: what was expected / how to fix */
} sl_error_t;

void sl_error_clear(sl_error_t *err);
/* Records an error (only if none is recorded yet) and returns code. */
int sl_error_set(sl_error_t *err, int code, int offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Converts a byte offset into 1-based line and column. */
void sl_text_position(const char *text, int offset, int *line, int *col);
/* Formats "line:col: msg" plus the source line and a caret under the column. */
void sl_error_format(const sl_error_t *err, const char *text, char *out, size_t outsz);

/* ---- arena: bump allocation, freed all at once ---- */
typedef struct sl_arena_block sl_arena_block_t;
typedef struct sl_arena {
  sl_arena_block_t *head; /* current block, chained to older ones */
  size_t block_size;      /* default size of a new block */
} sl_arena_t;

void sl_arena_init(sl_arena_t *a, size_t block_size);
void *sl_arena_alloc(sl_arena_t *a, size_t n);   /* zeroed, 16-byte aligned */
char *sl_arena_strdup(sl_arena_t *a, const char *s);
char *sl_arena_strndup(sl_arena_t *a, const char *s, size_t n);
char *sl_arena_sprintf(sl_arena_t *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void *sl_arena_memdup(sl_arena_t *a, const void *p, size_t n);
void sl_arena_reset(sl_arena_t *a); /* keeps the first block for reuse */
void sl_arena_free(sl_arena_t *a);

/* ---- growable byte/string buffer (malloc backed, always NUL terminated) ---- */
typedef struct sl_buf {
  char *data;
  size_t len;
  size_t cap;
} sl_buf_t;

void sl_buf_init(sl_buf_t *b);
void sl_buf_free(sl_buf_t *b);
void sl_buf_reset(sl_buf_t *b);
void sl_buf_append(sl_buf_t *b, const void *p, size_t n);
void sl_buf_puts(sl_buf_t *b, const char *s);
void sl_buf_putc(sl_buf_t *b, char c);
void sl_buf_printf(sl_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sl_buf_vprintf(sl_buf_t *b, const char *fmt, va_list ap);
char *sl_buf_steal(sl_buf_t *b); /* returns data (caller frees), resets b */

/* ---- vector of pointers (malloc backed) ---- */
typedef struct sl_ptrvec {
  void **items;
  int len;
  int cap;
} sl_ptrvec_t;

void sl_ptrvec_push(sl_ptrvec_t *v, void *p);
void sl_ptrvec_free(sl_ptrvec_t *v);

/* ---- string-keyed hash map (keys are copied; values are opaque) ---- */
typedef struct sl_map sl_map_t;
sl_map_t *sl_map_new(bool case_insensitive);
void sl_map_free(sl_map_t *m);
void sl_map_put(sl_map_t *m, const char *key, void *value); /* replaces */
void *sl_map_get(const sl_map_t *m, const char *key);
bool sl_map_has(const sl_map_t *m, const char *key);
void *sl_map_remove(sl_map_t *m, const char *key); /* returns old value */
int sl_map_count(const sl_map_t *m);
/* Iteration in insertion order: start with *iter = 0; returns false at end. */
bool sl_map_next(const sl_map_t *m, int *iter, const char **key, void **value);

/* ---- hashing ---- */
uint64_t sl_hash_bytes(const void *p, size_t n, uint64_t seed);
/* Kafka's default partitioner: murmur2 of the key bytes, as the Java client. */
int32_t sl_murmur2(const void *p, size_t n);
int sl_kafka_partition_for(const void *key, size_t n, int partitions);

/* ---- logging ---- */
typedef enum { SL_LOG_DEBUG, SL_LOG_INFO, SL_LOG_WARN, SL_LOG_ERROR } sl_log_level_t;
void sl_log_set_level(sl_log_level_t lvl);
void sl_log(sl_log_level_t lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define SL_DEBUG(...) sl_log(SL_LOG_DEBUG, __VA_ARGS__)
#define SL_INFO(...) sl_log(SL_LOG_INFO, __VA_ARGS__)
#define SL_WARN(...) sl_log(SL_LOG_WARN, __VA_ARGS__)
#define SL_ERROR(...) sl_log(SL_LOG_ERROR, __VA_ARGS__)

/* ---- clocks ---- */
int64_t sl_now_ms(void);        /* wall clock, ms since the epoch */
int64_t sl_monotonic_ns(void);  /* monotonic clock */

/* ---- small helpers ---- */
char *sl_strdup(const char *s); /* aborts on OOM */
void *sl_xmalloc(size_t n);     /* aborts on OOM */
void *sl_xcalloc(size_t n, size_t m);
void *sl_xrealloc(void *p, size_t n);
bool sl_streq_ci(const char *a, const char *b);
char *sl_upper_inplace(char *s);
/* Reads a whole file into a malloc'd NUL-terminated buffer. */
int sl_read_file(const char *path, char **out, size_t *len, sl_error_t *err);

#define SL_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define SL_UNUSED(x) ((void)(x))

#endif
