/*
 * kafka_int.h - what the files of the kafka module share and nobody else
 * sees: the driver's state, the worker pool that runs query loops, and the
 * per-query runtime entry points. Everything outside src/kafka goes through
 * include/sluice/kafka.h and the sl_topic_driver_t vtable.
 */
#ifndef SLUICE_KAFKA_INT_H
#define SLUICE_KAFKA_INT_H

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <uv.h>

#include "sluice/kafka.h"

typedef struct sl_kworker sl_kworker_t;
typedef struct sl_kquery sl_kquery_t;

/* The driver behind the sl_topic_driver_t vtable. */
typedef struct sl_kdriver {
  sl_topic_driver_t iface; /* first, so the vtable pointer is the driver */
  char *bootstrap;
  char *service_id;
  int commit_interval_ms;
  sl_map_t *props;       /* copy of the server properties (malloc'd values) */
  sl_kafka_mock_t *mock; /* embedded broker, not owned */
  sl_plog_fn plog;       /* processing log handed to tasks, NULL: the engine's */
  void *plog_ctx;
  rd_kafka_t *rk; /* shared producer; also the admin client */
  sl_kworker_t **workers;
  int nworkers;
  pthread_mutex_t lock; /* guards queries */
  sl_ptrvec_t queries;  /* sl_kquery_t*, running or failed */
} sl_kdriver_t;

/* Client roles for configuration. */
enum { SL_KROLE_ADMIN, SL_KROLE_PRODUCER, SL_KROLE_CONSUMER };

/* A librdkafka configuration with bootstrap servers and the user's client
 * properties for role applied. */
rd_kafka_conf_t *sl_kconf_new(sl_kdriver_t *d, int role);
/* Sets one property or records the failure in err. */
int sl_kconf_set(rd_kafka_conf_t *conf, const char *name, const char *value, sl_error_t *err);
/* Looks a property up under its own name and its ksql.streams. alias. */
const char *sl_kprop(const sl_kdriver_t *d, const char *name);

/* Queues one record on rk with opaque as the delivery report's _private. */
rd_kafka_error_t *sl_kproduce(rd_kafka_t *rk, const sl_record_t *rec, void *opaque);

/* ---- one-shot completion that a thread can wait for ---- */
typedef struct sl_kdone {
  pthread_mutex_t m;
  pthread_cond_t c;
  bool done;
  int rc;
} sl_kdone_t;
void sl_kdone_init(sl_kdone_t *d);
void sl_kdone_signal(sl_kdone_t *d, int rc);
int sl_kdone_wait(sl_kdone_t *d);
void sl_kdone_destroy(sl_kdone_t *d);

/* ---- worker pool: threads that each run a libuv loop ---- */
int sl_kworkers_start(sl_kdriver_t *d, int n, sl_error_t *err);
void sl_kworkers_stop(sl_kdriver_t *d);
/* Least loaded worker; the caller adds to its load. */
sl_kworker_t *sl_kworker_pick(sl_kdriver_t *d);
void sl_kworker_load(sl_kworker_t *w, int delta);
uv_loop_t *sl_kworker_loop(sl_kworker_t *w);
/* Runs fn(arg) on the worker's loop thread. */
void sl_kworker_post(sl_kworker_t *w, void (*fn)(void *arg), void *arg);

/* ---- per-query runtime (query.c) ---- */
int sl_kquery_start(sl_kdriver_t *d, sl_query_t *q, bool from_beginning, sl_kquery_t **out,
                    sl_error_t *err);
/* Stops consuming, flushes output, commits, closes; blocks until done, then frees. */
void sl_kquery_stop(sl_kquery_t *kq);
const char *sl_kquery_id(const sl_kquery_t *kq);
sl_query_t *sl_kquery_query(const sl_kquery_t *kq);
const char *sl_kquery_state(sl_kquery_t *kq, char *msg, size_t msgsz);

/* ---- changelog restore (restore.c) ---- */
typedef struct sl_krestore_stats {
  int64_t entries; /* changelog records read */
  int64_t applied; /* of those, handed to the task (the newest of each key per batch) */
  int64_t bytes;   /* their key and value bytes */
  int partitions;  /* non-empty changelog partitions read */
  int64_t ms;      /* wall time of the whole restore */
} sl_krestore_stats_t;
/* Reads partition partitions[i] of every changelog topic of q from the
 * beginning to its end (committed records only) into tasks[i], with a
 * consumer of its own; blocks until done. */
int sl_kquery_restore(sl_kdriver_t *d, sl_query_t *q, const char *group, sl_task_t **tasks,
                      const int32_t *partitions, int ntasks, sl_krestore_stats_t *st,
                      sl_error_t *err);

/* Pull-query scans (scan.c). */
int sl_kafka_scan_topic(void *ctx, const char *topic, int (*fn)(void *arg, const sl_record_t *rec),
                        void *arg, sl_error_t *err);

#endif
