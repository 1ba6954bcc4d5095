/*
 * memdriver.h - the in-memory topic driver: topics are lists of records held
 * in the process, and records reach the tasks of running queries only when
 * the owner calls sl_memdriver_pump(). That makes every run deterministic
 * (the same inputs always give the same interleaving), which is what `sluice
 * test` and the conformance runner need; Kafka Streams' TopologyTestDriver
 * plays the same role for ksqlDB.
 */
#ifndef SLUICE_MEMDRIVER_H
#define SLUICE_MEMDRIVER_H

#include "sluice/runtime.h"

typedef struct sl_memdriver sl_memdriver_t;

sl_memdriver_t *sl_memdriver_new(void);
/* Stops every query still running (freeing its tasks) and frees all topics. */
void sl_memdriver_free(sl_memdriver_t *d);
/* The driver vtable to hand to sl_engine_open; owned by d. */
sl_topic_driver_t *sl_memdriver_driver(sl_memdriver_t *d);
/* Where task processing-log entries go (default sl_plog_default). */
void sl_memdriver_set_plog(sl_memdriver_t *d, sl_plog_fn fn, void *ctx);

/* Delivers queued records to the tasks of running queries in FIFO order until
 * the queue is empty; records emitted meanwhile join the end of the queue, so
 * chained queries see them in turn. Returns SL_ERUNTIME (err filled) if a
 * query failed during this pump; the other queries keep running. */
int sl_memdriver_pump(sl_memdriver_t *d, sl_error_t *err);
/* Number of records waiting for delivery. */
int sl_memdriver_pending(const sl_memdriver_t *d);
/* Stops every running query (frees its tasks); the queries themselves stay
 * the engine's. Call before closing an engine whose queries run here. */
void sl_memdriver_stop_all(sl_memdriver_t *d);
/* Calls sl_task_punctuate on every task of every running query. */
int sl_memdriver_punctuate(sl_memdriver_t *d, int64_t now_ms, sl_error_t *err);
/* Message of the first query failure since the driver was made, or NULL. */
const char *sl_memdriver_failure(const sl_memdriver_t *d);

/* Every record of a topic in the order it was written (across partitions).
 * Returns -1 when the topic does not exist. Records stay valid until the
 * topic is deleted or the driver freed. */
int sl_memdriver_record_count(const sl_memdriver_t *d, const char *topic);
const sl_record_t *sl_memdriver_record_at(const sl_memdriver_t *d, const char *topic, int i);

#endif
