/*
 * plan.h - the analyzer's output and the executor's input: a persistent or
 * transient query as an immutable tree of plan nodes, each naming its input.
 * Run-time state never lives here (see exec/); one plan serves every task of
 * its query. Everything is allocated in the plan's arena.
 *
 * Row layout: a source node produces rows whose slots are the source schema's
 * columns in order (key columns first), then the pseudo columns ROWTIME,
 * ROWPARTITION, ROWOFFSET and, for windowed sources, WINDOWSTART, WINDOWEND.
 * A project node produces rows whose slots are its output columns, key
 * columns first. Expressions of a node are compiled against its input's layout.
 */
#ifndef SLUICE_PLAN_H
#define SLUICE_PLAN_H

#include <pthread.h>

#include "sluice/catalog.h"
#include "sluice/expr.h"
#include "sluice/runtime.h"

typedef enum {
  SL_PN_SOURCE,    /* decode records of one topic into rows */
  SL_PN_FILTER,    /* keep rows whose predicate is TRUE */
  SL_PN_PROJECT,   /* compute output columns */
  SL_PN_SINK,      /* encode rows and emit them to a topic */
  SL_PN_GROUPBY,   /* compute grouping keys and aggregate arguments (pre-aggregation) */
  SL_PN_AGGREGATE, /* keyed, optionally windowed, aggregation with state */
  SL_PN_JOIN       /* two inputs matched on a join key */
} sl_pnode_kind_t;

enum { SL_JOIN_SS, SL_JOIN_ST, SL_JOIN_TT };

/* One aggregate call of an aggregation. */
typedef struct sl_agg_call {
  const char *name; /* upper-case function name */
  int nargs;        /* evaluated arguments (first is the aggregated column) */
  int arg_slot;     /* first argument's slot in the pre-aggregation row */
  const sl_type_t **arg_types;
  sl_value_t *const_args; /* literal arguments (TOPK's k, ...): evaluated at plan time */
  bool star;              /* COUNT(*) */
  const sl_type_t *ret;   /* result type */
} sl_agg_call_t;

/* A window of an aggregation. */
typedef struct sl_window_spec {
  sl_window_kind_t kind;
  int64_t size_ms;      /* TUMBLING/HOPPING size, SESSION gap */
  int64_t advance_ms;   /* HOPPING advance (= size for TUMBLING) */
  int64_t grace_ms;     /* records later than window end + grace are dropped */
  int64_t retention_ms; /* how long closed windows stay in the store */
  bool emit_final;      /* EMIT FINAL: one result per window once it closes */
} sl_window_spec_t;

typedef struct sl_pnode sl_pnode_t;

/* Where a source takes its row time from. */
typedef struct sl_ts_extract {
  int slot;              /* column slot, or -1 for the record timestamp */
  const sl_type_t *type; /* BIGINT, TIMESTAMP or STRING (with format) */
  const char *format;    /* TIMESTAMP_FORMAT for STRING columns */
} sl_ts_extract_t;

struct sl_pnode {
  sl_pnode_kind_t kind;
  sl_pnode_t *input; /* NULL for sources */
  int nslots;        /* slots in the rows this node produces */

  /* SL_PN_SOURCE */
  const char *topic;
  bool global; /* every task reads every partition (see runtime.h) */
  const char *source_name;
  bool is_table;
  const sl_schema_t *schema;    /* source columns (the first slots) */
  sl_serde_t *key_serde;        /* over the key columns */
  sl_serde_t *value_serde;      /* over the value columns */
  int nkey, nvalue;             /* counts of key and value columns */
  int *key_slots, *value_slots; /* slot of each key / value column */
  int header_slots_n;           /* HEADERS / HEADER('k') columns */
  int *header_slots;
  sl_window_kind_t window_type; /* windowed source key */
  int64_t window_size_ms;       /* time windows: end = start + size */
  sl_ts_extract_t ts;
  int slot_rowtime, slot_rowpartition, slot_rowoffset, slot_wstart, slot_wend;
  bool *value_used; /* per value column: read downstream; NULL = all (sl_plan_mark_used) */

  /* SL_PN_FILTER */
  sl_cexpr_t *predicate;
  const char *predicate_text;

  /* SL_PN_PROJECT: one expression per output column */
  int nout;
  sl_cexpr_t **exprs;
  bool *key_only;          /* expression reads only key columns (computed for tombstones) */
  bool rekeys;             /* computes new keys (PARTITION BY): a null input key is not kept */
  sl_schema_t *out_schema; /* output columns, key columns first */

  /* SL_PN_GROUPBY: slots [group keys..., aggregate arguments...] */
  int ngroup;
  sl_cexpr_t **group_exprs;
  int nargs_total;
  sl_cexpr_t **arg_exprs;
  bool from_table; /* retract the previous row of each source key */

  /* SL_PN_AGGREGATE: slots [group keys..., results..., WINDOWSTART, WINDOWEND] */
  int nagg;
  sl_agg_call_t *aggs;
  sl_window_spec_t window;
  sl_serde_t *group_serde;       /* encodes group keys into store keys */
  const sl_type_t **group_types; /* types of the grouping keys (changelog restore) */
  const char *changelog_topic;   /* where this operator's store changes go, or NULL */
  const char *changelog_topic2;  /* a second store's changelog (the right side of a join) */

  /* SL_PN_JOIN: input is the left side, input2 the right; output slots are
   * [left row..., right row..., join key] */
  sl_pnode_t *input2;
  int join_kind;                    /* sl_join_kind_t */
  int join_shape;                   /* SL_JOIN_SS, SL_JOIN_ST, SL_JOIN_TT */
  sl_cexpr_t *left_key, *right_key; /* join expression of each side, over that side's row */
  int left_nslots, right_nslots;
  int64_t before_ms, after_ms, grace_ms;
  bool has_grace; /* WITHIN ... GRACE PERIOD: unmatched rows wait for window close */
  bool fk_join;   /* table-table on a left expression to the right key */

  /* SL_PN_SINK */
  const char *sink_name;
  bool internal;  /* a repartition topic: carries retractions in a header */
  bool transient; /* rows go to the query's row callback, not to Kafka */
  const char *sink_topic;
  bool sink_is_table;
  sl_serde_t *sink_key_serde;
  sl_serde_t *sink_value_serde;
  int sink_nkey;    /* leading slots are the key columns */
  int sink_ts_slot; /* TIMESTAMP column of the sink, -1 = row time */
  const sl_type_t *sink_ts_type;
  const char *sink_ts_format;
};

typedef struct sl_plan {
  sl_arena_t arena;
  sl_pnode_t *root; /* the sink (persistent) or last node (transient) */
  int npre;         /* sub-topologies ending in a repartition sink */
  sl_pnode_t *pre_roots[4];
  int ninternal; /* internal (repartition) topics the plan creates */
  const char *internal_topics[4];
  int internal_partitions[4]; /* their partition counts (0: the first source's) */
  int nchangelog;             /* changelog topics of the plan's stores */
  const char *changelog_topics[4];
  int nsources;
  sl_pnode_t **sources;    /* source nodes, one per input topic */
  const char *sink_name;   /* for persistent queries */
  sl_schema_t *out_schema; /* result columns (sink schema) */
} sl_plan_t;

void sl_plan_free(sl_plan_t *p);
/* Projection pushdown: works out, for every source node of a finished plan,
 * which value columns some operator reads (expressions, join keys, grouping,
 * the timestamp column, what an internal topic's reader needs) and sets its
 * value_used. Sources decode the others only far enough to check them, so
 * bad records still go to the processing log; they hold NULL. */
void sl_plan_mark_used(sl_plan_t *p);
void sl_plan_explain(const sl_plan_t *p, sl_buf_t *out);

struct sl_row;

#define SL_QUERY_MAX_OFFSETS 1024
typedef struct sl_query_offset {
  const char *topic; /* a plan source's topic */
  int32_t partition;
  int64_t next;
} sl_query_offset_t;

/* A compiled query as the engine and drivers know it (runtime.h keeps it opaque). */
struct sl_query {
  char *id; /* CSAS_S1_0 ... */
  char *statement;
  char *sink; /* sink source name (NULL for transient) */
  char *sink_topic;
  char **source_names;
  int nsource_names;
  sl_plan_t *plan;
  sl_arena_t *ast_arena; /* the statement's syntax tree, which the plan points into */
  int partitions;        /* tasks = partitions of the source topic */
  char *state;           /* RUNNING, PAUSED, ERROR */
  bool persistent;
  bool started;
  bool from_beginning; /* auto.offset.reset=earliest when the query was created */
  sl_map_t *props;     /* effective properties at creation: name -> malloc'd value */
  char *overridden;    /* the session's properties at creation, as a JSON object */
  int (*row_cb)(void *ctx, const struct sl_row *row); /* transient queries: result rows */
  /* Counters kept by the tasks (atomically, from any worker thread). */
  int64_t n_in;       /* input records processed */
  int64_t n_out;      /* records written to the sink */
  int64_t n_err;      /* processing-log entries */
  int64_t last_in_ms; /* wall clock of the last input record */
  int64_t created_ms; /* wall clock when the query was created or restored */
  /* Consumer offsets (next offset to read) per source topic partition, set by
   * the tasks as they process records; entries are appended under off_mu
   * (a zeroed mutex is a valid default one with glibc) and their .next
   * updated atomically. At most SL_QUERY_MAX_OFFSETS partitions are tracked. */
  pthread_mutex_t off_mu;
  struct sl_query_offset *offs;
  int noffs;
  void *row_ctx;
  sl_plog_fn plog;
  void *plog_ctx;
};

/* Row passed between operators. Slot values point into the task's batch arena. */
typedef struct sl_row {
  sl_value_t *v;
  int n;
  int64_t ts;
  int32_t partition;
  int64_t offset;
  bool tombstone; /* a table delete: key slots valid, value slots NULL */
  bool retract;   /* pre-aggregation row to subtract (table aggregation) */
  bool quiet;     /* apply without emitting: an add for the same group follows */
  bool windowed;  /* wstart/wend are set */
  bool null_key;  /* the input record had a null key (kept while keys pass through) */
  int port;       /* which input of a two-input operator (0 left, 1 right) */
  int64_t wstart, wend;
  const sl_header_t *headers;
  int nheaders;
} sl_row_t;

#endif
