/*
 * exec.h - private to exec/: the operator interface. Every plan node kind has
 * one file with an init function that sets up its per-task state and the push
 * entry point, PostgreSQL-style: init builds, push runs once per row, end frees.
 * Rows flow from a source operator to its parent (downstream) operator.
 */
#ifndef SLUICE_EXEC_H
#define SLUICE_EXEC_H

#include "sluice/plan.h"

typedef struct sl_operator sl_operator_t;

struct sl_operator {
  const sl_pnode_t *node;
  sl_operator_t *parent; /* downstream operator, NULL for the sink */
  int parent_port;       /* input number of the parent this operator feeds */
  sl_task_t *task;
  int (*push)(sl_operator_t *op, sl_row_t *row);
  void (*end)(sl_operator_t *op);
  /* Applies one record of the operator's changelog topic (restore). */
  int (*restore)(sl_operator_t *op, const sl_record_t *rec);
  void *state; /* per-task state of the operator, if any */
};

struct sl_task {
  sl_query_t *q;
  int partition;
  sl_task_io_t io;
  sl_arena_t batch;            /* per-record scratch, reset after each input record */
  sl_ptrvec_t ops;             /* every operator, for cleanup */
  sl_ptrvec_t sources;         /* source operators, parallel to plan->sources */
  sl_buf_t kbuf, vbuf;         /* encode buffers reused by sinks */
  const sl_record_t *cur;      /* input record being processed (for the processing log) */
  char failure[512];           /* why the query failed, when a push returned non-zero */
  int64_t last_input_wall;     /* wall clock of the last input record (0: none yet) */
  int64_t max_event_ts;        /* highest record time seen */
  int64_t idle_ms;             /* sluice.stream.time.idle.ms, 0 = off */
  sl_query_offset_t *last_off; /* the query's offset entry this task updated last */
  bool quiet;                  /* loading a global topic: fill stores, emit nothing */
  int64_t cache_max;           /* record cache budget in bytes per operator, 0 = off */
};

/* Reports a processing-log entry about the current input record. */
void sl_exec_plog(sl_task_t *t, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Records why the query failed (the driver reads it with sl_task_failure). */
void sl_exec_fail(sl_task_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Pushes a row to op's parent (if any). */
int sl_exec_forward(sl_operator_t *op, sl_row_t *row);

void sl_exec_source_init(sl_operator_t *op);
/* Decodes one record and pushes the row downstream. */
int sl_exec_source_record(sl_operator_t *op, const sl_record_t *rec);
void sl_exec_filter_init(sl_operator_t *op);
void sl_exec_project_init(sl_operator_t *op);
void sl_exec_sink_init(sl_operator_t *op);

void sl_exec_groupby_init(sl_operator_t *op);
void sl_exec_join_init(sl_operator_t *op);
int sl_exec_join_punctuate(sl_operator_t *op, int64_t now_ms);
void sl_exec_aggregate_init(sl_operator_t *op);
/* Emits results that wall-clock or stream-time progress made due (EMIT FINAL). */
int sl_exec_aggregate_punctuate(sl_operator_t *op, int64_t now_ms);
/* Writes the results the operator's record cache holds. */
int sl_exec_aggregate_flush(sl_operator_t *op);

/* Writes a store change (value NULL: the key was removed) to the operator's
 * changelog topic, in the task's partition. */
int sl_exec_changelog(sl_operator_t *op, const char *key, size_t klen, const char *value,
                      size_t vlen);
int sl_exec_changelog_to(sl_operator_t *op, const char *topic, const char *key, size_t klen,
                         const char *value, size_t vlen);

/* Heap deep copies for operator state. */
sl_value_t sl_value_heap_copy(const sl_value_t *v);
void sl_value_heap_free(sl_value_t *v);

/* Timestamp extraction shared by sources and sinks: value -> epoch ms. */
int sl_exec_timestamp_of(const sl_value_t *v, const sl_type_t *type, const char *format,
                         int64_t *ms, sl_error_t *err);

#endif
