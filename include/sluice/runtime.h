/*
 * runtime.h - what runs: records, tasks and topic drivers. A persistent query
 * compiles into a plan; a *task* is one running instance of that plan's
 * operators for one input partition. The engine never touches Kafka: a topic
 * driver (Kafka in production, memory in tests) creates topics, feeds records
 * to tasks and takes the records tasks emit.
 */
#ifndef SLUICE_RUNTIME_H
#define SLUICE_RUNTIME_H

#include "sluice/base.h"

typedef struct sl_header {
  const char *key;
  const void *value; /* NULL for a null header value */
  size_t len;
} sl_header_t;

/* One Kafka record as it crosses the driver boundary. Bytes are borrowed. */
typedef struct sl_record {
  const char *topic;
  int32_t partition; /* -1 on emit: let the producer's partitioner choose by key */
  int64_t offset;    /* -1 on emit */
  int64_t timestamp; /* ms */
  const void *key;   /* NULL: null key */
  size_t key_len;
  const void *value; /* NULL: null value (tombstone) */
  size_t value_len;
  const sl_header_t *headers;
  int nheaders;
} sl_record_t;

typedef struct sl_query sl_query_t; /* a compiled persistent (or transient) query */
typedef struct sl_task sl_task_t;   /* one running instance of a query */

/* Called by a task for each output record (sink topic or internal topic). */
typedef int (*sl_emit_fn)(void *ctx, const sl_record_t *rec);

/* Processing-log entry: a record or row that could not be processed. */
typedef struct sl_plog_entry {
  const char *query_id;
  const char *kind; /* "DESERIALIZATION_ERROR", "RECORD_PROCESSING_ERROR", "SERIALIZATION_ERROR" */
  const char *message;
  const char *topic;
  int32_t partition;
  int64_t offset;
} sl_plog_entry_t;
typedef void (*sl_plog_fn)(void *ctx, const sl_plog_entry_t *e);

/* Default processing log: stderr plus an append-only file when path is set. */
void sl_plog_set_file(const char *path);
void sl_plog_default(void *ctx, const sl_plog_entry_t *e);

/* ---- queries as the drivers see them ---- */
const char *sl_query_id(const sl_query_t *q);
int sl_query_source_topic_count(const sl_query_t *q);
const char *sl_query_source_topic(const sl_query_t *q, int i);
const char *sl_query_sink_topic(const sl_query_t *q); /* NULL for transient queries */
/* Number of tasks (= partitions of the source topic(s)). */
int sl_query_partition_count(const sl_query_t *q);
/* True if source topic i is *global* (a GlobalKTable): each time the query
 * starts, the driver hands every record of every partition of it, from the
 * beginning to the end at that moment, to sl_task_restore of every task
 * (stores are filled, nothing is emitted); later records of any partition go
 * to sl_task_process of every task. Used for the right table of foreign-key
 * joins, so a left row finds any key locally and its results stay in its own
 * partition. Global topics are not part of the query's consumer group and
 * their offsets are not committed. */
bool sl_query_source_is_global(const sl_query_t *q, int i);
/* Which sub-topology reads source topic i: 0 for the query's main one,
 * k > 0 for the k-th that ends in a repartition topic (Kafka Streams' sub-
 * topologies). A task orders the records of the partitions it reads by
 * timestamp only among sources of the same sub-topology (a join's two
 * sides); records of different sub-topologies are independent, like Kafka
 * Streams' separate tasks: a source must not wait for the repartition
 * topic it feeds. */
int sl_query_source_lane(const sl_query_t *q, int i);

/* Calls fn for each source topic partition the query has read, with the
 * offset of the next record to read (the consumer position). */
void sl_query_offsets(sl_query_t *q,
                      void (*fn)(void *ctx, const char *topic, int32_t partition, int64_t next),
                      void *ctx);

/* ---- durable state (changelog topics) ----
 * Stateful operators (aggregations, joins) keep their stores in memory and
 * write every change to a compacted changelog topic, keyed by store key, in
 * the same partition as the task's input partition. Before a task processes
 * its first input record, the driver reads each changelog topic's partition
 * from the beginning to its end and hands every record to sl_task_restore.
 * The engine creates the changelog topics (cleanup.policy=compact) when it
 * creates the query. */
int sl_query_changelog_count(const sl_query_t *q);
const char *sl_query_changelog_topic(const sl_query_t *q, int i);
/* Applies one changelog record, or one record of a global source topic, to
 * the task's stores (restore, no output). */
int sl_task_restore(sl_task_t *t, const sl_record_t *rec);

/* A property of the query as set when it was created (session over server
 * properties), e.g. "processing.guarantee" ("at_least_once" default, or
 * "exactly_once_v2": the driver then puts outputs, changelog writes and the
 * consumed offsets in one Kafka transaction), "sluice.stream.time.idle.ms".
 * NULL when unset. */
const char *sl_query_property(const sl_query_t *q, const char *name);

typedef struct sl_task_io {
  sl_emit_fn emit;
  void *emit_ctx;
  sl_plog_fn plog;
  void *plog_ctx;
} sl_task_io_t;

/* Creates the task for one partition. */
int sl_task_new(sl_query_t *q, int partition, const sl_task_io_t *io, sl_task_t **out,
                sl_error_t *err);
/* Processes one input record. Bad records go to the processing log and return 0;
 * a non-zero return means the query itself failed (output could not be written). */
int sl_task_process(sl_task_t *t, const sl_record_t *rec);
/* Advances wall-clock-driven work; may emit. Drivers call it for every task
 * about every commit interval with the wall clock. When the query sets
 * sluice.stream.time.idle.ms and no record has arrived for that long, stream
 * time moves on with the wall clock, so windows close and outer joins report
 * unmatched rows although traffic stopped (off by default, as ksqlDB). */
int sl_task_punctuate(sl_task_t *t, int64_t now_ms);
/* Record cache (ksqlDB's cache.max.bytes.buffering): with max_bytes > 0 an
 * aggregation keeps the groups a record updated and writes each one's latest
 * result (sink and changelog) only when the task is flushed, so a group
 * updated many times between flushes is written once. 0 (the default) writes
 * every update at once, which is what ksqlDB does with the cache disabled and
 * what the conformance tests expect. The task writes held results by itself
 * when they pass max_bytes or before a window closes; otherwise only
 * sl_task_flush writes them. */
void sl_task_set_cache(sl_task_t *t, int64_t max_bytes);
/* Writes every result the record cache holds. Drivers call it every commit
 * interval, and before committing consumed offsets or a transaction: an
 * offset must not be committed while results of its record are held. */
int sl_task_flush(sl_task_t *t);
/* Why the task failed (after sl_task_process returned non-zero), or NULL. */
const char *sl_task_failure(const sl_task_t *t);
void sl_task_free(sl_task_t *t);

/* ---- topic drivers ---- */
typedef struct sl_topic_driver {
  void *ctx;
  /* Creates a topic; SL_EEXISTS if it exists (callers decide whether that is fine). */
  int (*create_topic)(void *ctx, const char *name, int partitions, int replicas,
                      const sl_map_t *config, sl_error_t *err);
  /* Returns the partition count, or SL_ENOTFOUND. */
  int (*topic_partitions)(void *ctx, const char *name);
  int (*delete_topic)(void *ctx, const char *name, sl_error_t *err);
  /* Appends malloc'd topic names. */
  int (*list_topics)(void *ctx, sl_ptrvec_t *names, sl_error_t *err);
  /* Writes one record (INSERT VALUES, inserts-stream). */
  int (*produce)(void *ctx, const sl_record_t *rec, sl_error_t *err);
  /* Starts feeding the query's source topics into tasks; from_beginning decides
   * the start offset when no committed offset exists (auto.offset.reset). */
  int (*start_query)(void *ctx, sl_query_t *q, bool from_beginning, sl_error_t *err);
  /* Stops it and frees its tasks (blocking until stopped). */
  int (*stop_query)(void *ctx, sl_query_t *q);
  /* Removes the query's consumer group / internal topics when it is terminated. */
  int (*cleanup_query)(void *ctx, sl_query_t *q);
  /* Reads every record of every partition of topic, from the beginning up to
   * the end offsets as they were when the call started (pull queries), calling
   * fn for each; fn returning non-zero stops the scan. Blocking; thread-safe. */
  int (*scan_topic)(void *ctx, const char *topic, int (*fn)(void *arg, const sl_record_t *rec),
                    void *arg, sl_error_t *err);
} sl_topic_driver_t;

#endif
