/*
 * kafka.h - the Kafka topic driver and what hosts it. The driver implements
 * sl_topic_driver_t on librdkafka: admin calls for topics, a shared producer
 * for INSERT VALUES, and one consumer group plus one idempotent producer per
 * persistent query, run on a small pool of worker threads that each own a
 * libuv loop. Offsets are committed only once every output record derived
 * from the inputs before them is acknowledged (at-least-once).
 *
 * The embedded broker (librdkafka's mock cluster) is for trying sluice out
 * without Java: it keeps a few MB per partition in memory and nothing else.
 *
 * The hosting helpers at the bottom are shared by `sluice run` and
 * `sluice serve`: property files, --property overrides and opening an engine
 * over Kafka (or the embedded broker when no bootstrap servers are given).
 */
#ifndef SLUICE_KAFKA_H
#define SLUICE_KAFKA_H

#include "sluice/base.h"
#include "sluice/runtime.h"

/* ---- embedded broker ---- */
typedef struct sl_kafka_mock sl_kafka_mock_t;

/* Starts an in-process mock cluster with `brokers` brokers (1 if <= 0). */
int sl_kafka_mock_new(int brokers, sl_kafka_mock_t **out, sl_error_t *err);
/* Its bootstrap.servers string (valid until sl_kafka_mock_free). */
const char *sl_kafka_mock_bootstrap(const sl_kafka_mock_t *m);
/* Creates a topic on the mock (which has no CreateTopics support of its own). */
int sl_kafka_mock_create_topic(sl_kafka_mock_t *m, const char *topic, int partitions,
                               sl_error_t *err);
/* The underlying rd_kafka_mock_cluster_t, for fault-injection tests. */
void *sl_kafka_mock_cluster(sl_kafka_mock_t *m);
void sl_kafka_mock_free(sl_kafka_mock_t *m);

/* ---- the driver ---- */
typedef struct sl_kafka_opts {
  const char *service_id; /* consumer group prefix; NULL: ksql.service.id or "default_" */
  int worker_threads;     /* query worker threads; <= 0: sluice.worker.threads or 2 */
  int commit_interval_ms; /* offset commit / punctuation period; <= 0: commit.interval.ms or 100 */
  sl_kafka_mock_t *mock;  /* set when bootstrap is the embedded broker */
  sl_plog_fn plog;        /* processing log handed to tasks; NULL: the engine's */
  void *plog_ctx;
} sl_kafka_opts_t;

/* Creates a driver talking to bootstrap ("host:port,..."). props holds
 * server properties (const char* values): "ksql.streams.X" and plain Kafka
 * client names are handed to librdkafka when it knows them, "producer.X" /
 * "consumer.X" only to that client; other ksql.* names are ignored.
 * opts may be NULL. Free with sl_kafka_driver_free. */
int sl_kafka_driver_new(const char *bootstrap, const sl_map_t *props, const sl_kafka_opts_t *opts,
                        sl_topic_driver_t **out, sl_error_t *err);
/* Stops every query still running, then frees the driver. */
void sl_kafka_driver_free(sl_topic_driver_t *d);

/* The consumer group a query uses: _confluent-ksql-<service id>query_<id>. */
void sl_kafka_group_id(const char *service_id, const char *query_id, char *out, size_t outsz);

/* State of a query the driver runs: "RUNNING", "ERROR" (it stopped on a
 * failure it could not get past, e.g. output that could not be written) or
 * NULL when the driver does not run it. When msg is given it receives the
 * last error message (or ""). */
const char *sl_kafka_query_state(sl_topic_driver_t *d, const char *query_id, char *msg,
                                 size_t msgsz);

/* ---- offset ledger (exposed for unit tests) ----
 * Tracks, for one input partition, which input offsets have all their
 * outputs acknowledged. Inputs are grouped into spans; each span counts the
 * outputs still in flight. The committable offset is the end of the longest
 * prefix of spans with nothing in flight. */
typedef struct sl_kafka_span {
  struct sl_kafka_span *next; /* later span of the same partition */
  struct sl_kafka_span *also; /* another partition's span that the same outputs hold back */
  int64_t end;                /* offset after the last input of this span */
  int pending;                /* outputs in flight, plus one while the span is open */
} sl_kafka_span_t;

typedef struct sl_kafka_ledger {
  sl_kafka_span_t *head, *tail;
  int64_t acked;     /* every output of inputs before this offset is acked; -1 if none */
  int64_t committed; /* last offset committed; -1 if none */
} sl_kafka_ledger_t;

void sl_kafka_ledger_init(sl_kafka_ledger_t *l);
/* Opens a span ending at `end` (grows with sl_kafka_span_extend). */
sl_kafka_span_t *sl_kafka_ledger_open(sl_kafka_ledger_t *l, int64_t end);
/* Closes a span opened above (drops the open reference). */
void sl_kafka_span_close(sl_kafka_span_t *s);
/* An output was produced / acknowledged for the span (and its `also` chain). */
void sl_kafka_span_hold(sl_kafka_span_t *s);
void sl_kafka_span_release(sl_kafka_span_t *s);
/* Pops finished spans and returns the committable offset (or -1). */
int64_t sl_kafka_ledger_advance(sl_kafka_ledger_t *l);
/* Frees every span (spans still in flight must not be referenced after). */
void sl_kafka_ledger_clear(sl_kafka_ledger_t *l);

/* ---- hosting (sluice run / sluice serve) ---- */

/* Reads a Java-style properties file (k=v or k: v, # and ! comments) into
 * props (values malloc'd; existing keys are replaced). */
int sl_props_load_file(sl_map_t *props, const char *path, sl_error_t *err);
/* Parses "k=v" into props. */
int sl_props_put_arg(sl_map_t *props, const char *kv, sl_error_t *err);
/* Frees props and its malloc'd values. */
void sl_props_free(sl_map_t *props);

typedef struct sl_kafka_host {
  sl_kafka_mock_t *mock; /* embedded broker, or NULL */
  sl_topic_driver_t *driver;
  char *bootstrap;
} sl_kafka_host_t;

/* Starts the driver for bootstrap (or, when it is NULL/empty, the embedded
 * broker with a loud warning on stderr). props as for sl_kafka_driver_new. */
int sl_kafka_host_start(sl_kafka_host_t *h, const char *bootstrap, const sl_map_t *props,
                        sl_error_t *err);
void sl_kafka_host_stop(sl_kafka_host_t *h);

#endif
