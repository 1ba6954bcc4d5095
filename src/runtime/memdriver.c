/*
 * memdriver.c - the in-memory topic driver (see memdriver.h). A topic is a
 * name, a partition count and one list of owned records in the order they
 * were written; offsets are counted per partition as Kafka does. Delivery is
 * a single FIFO queue of (query, record) pairs: a record written to a topic
 * is queued once for every query running on that topic at that moment, and a
 * query started from the beginning has the topic's existing records queued
 * for it in write order. Binding the query at enqueue time is what keeps a
 * record from reaching a query twice (once by replay, once by delivery).
 * Nothing runs until sl_memdriver_pump(), so the caller decides when the
 * dataflow advances and the result never depends on thread timing.
 */
#include "sluice/memdriver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/plan.h"

/* One stored record; rec's pointers point at the owned copies below. */
typedef struct mem_rec {
  sl_record_t rec;
  uint64_t seq;         /* driver-wide write order, to interleave replays */
  sl_header_t *headers; /* owned array; keys and values owned too */
} mem_rec_t;

typedef struct mem_topic {
  char *name;
  int partitions;
  int64_t *next_offset; /* per partition */
  sl_ptrvec_t recs;     /* mem_rec_t*, write order */
} mem_topic_t;

typedef struct mem_query mem_query_t;

struct mem_query {
  sl_memdriver_t *d;
  sl_query_t *q;
  int ntasks;
  sl_task_t **tasks;
  char **topics; /* source topic names (deduplicated, owned) */
  int ntopics;
  bool failed;     /* a task returned an error: deliver nothing more */
  char *last_plog; /* last processing-log message, for failure reasons */
};

typedef struct delivery {
  mem_query_t *mq;
  mem_rec_t *r;
} delivery_t;

struct sl_memdriver {
  sl_topic_driver_t drv;
  sl_map_t *topics;    /* name -> mem_topic_t*, case-sensitive like Kafka */
  sl_ptrvec_t queries; /* mem_query_t*, in start order */
  delivery_t *queue;   /* FIFO: [qhead, qlen) are pending */
  int urgent_at;       /* where the next internal-topic delivery is inserted */
  int qhead, qlen, qcap;
  uint64_t seq;
  sl_plog_fn plog;
  void *plog_ctx;
  char *failure;    /* first query failure message */
  bool pump_failed; /* a query failed during the current pump */
  char pump_msg[512];
};

/* ---- records and topics ---- */

static void rec_free(mem_rec_t *r) {
  free((void *)r->rec.key);
  free((void *)r->rec.value);
  for (int i = 0; i < r->rec.nheaders; i++) {
    free((void *)r->headers[i].key);
    free((void *)r->headers[i].value);
  }
  free(r->headers);
  free(r);
}

static void *dup_bytes(const void *p, size_t n) {
  if (!p) return NULL;
  void *c = sl_xmalloc(n ? n : 1);
  if (n) memcpy(c, p, n);
  return c;
}

static void topic_free(mem_topic_t *t) {
  for (int i = 0; i < t->recs.len; i++) rec_free(t->recs.items[i]);
  sl_ptrvec_free(&t->recs);
  free(t->next_offset);
  free(t->name);
  free(t);
}

static mem_topic_t *topic_new(sl_memdriver_t *d, const char *name, int partitions) {
  mem_topic_t *t = sl_xcalloc(1, sizeof(*t));
  t->name = sl_strdup(name);
  t->partitions = partitions > 0 ? partitions : 1;
  t->next_offset = sl_xcalloc((size_t)t->partitions, sizeof(int64_t));
  sl_map_put(d->topics, name, t);
  return t;
}

static bool query_reads(const mem_query_t *mq, const char *topic) {
  for (int i = 0; i < mq->ntopics; i++)
    if (!strcmp(mq->topics[i], topic)) return true;
  return false;
}

/* Records of internal (repartition) topics are delivered before anything
 * queued earlier, right after the record that produced them, as Kafka
 * Streams' test driver pipes repartition topics synchronously. */
static void enqueue_urgent(sl_memdriver_t *d, mem_query_t *mq, mem_rec_t *r) {
  if (d->qlen == d->qcap) {
    d->qcap = d->qcap ? d->qcap * 2 : 64;
    d->queue = sl_xrealloc(d->queue, (size_t)d->qcap * sizeof(delivery_t));
  }
  int at = d->urgent_at < d->qhead ? d->qhead : d->urgent_at;
  if (at > d->qlen) at = d->qlen;
  memmove(d->queue + at + 1, d->queue + at, (size_t)(d->qlen - at) * sizeof(delivery_t));
  d->queue[at] = (delivery_t){mq, r};
  d->qlen++;
  d->urgent_at = at + 1;
}

static void enqueue(sl_memdriver_t *d, mem_query_t *mq, mem_rec_t *r) {
  if (d->qhead > 0 && d->qlen == d->qcap) {
    /* Reclaim the consumed prefix before growing. */
    memmove(d->queue, d->queue + d->qhead, (size_t)(d->qlen - d->qhead) * sizeof(delivery_t));
    d->qlen -= d->qhead;
    d->urgent_at = d->urgent_at > d->qhead ? d->urgent_at - d->qhead : 0;
    d->qhead = 0;
  }
  if (d->qlen == d->qcap) {
    d->qcap = d->qcap ? d->qcap * 2 : 64;
    d->queue = sl_xrealloc(d->queue, (size_t)d->qcap * sizeof(delivery_t));
  }
  d->queue[d->qlen++] = (delivery_t){mq, r};
}

/* Drops pending deliveries matching mq (any record) or r's topic (any query). */
static void dequeue_matching(sl_memdriver_t *d, const mem_query_t *mq, const mem_topic_t *t) {
  int w = d->qhead;
  for (int i = d->qhead; i < d->qlen; i++) {
    delivery_t *e = &d->queue[i];
    if (mq && e->mq == mq) continue;
    if (t && !strcmp(e->r->rec.topic, t->name)) continue;
    d->queue[w++] = *e;
  }
  d->qlen = w;
}

/* Appends a copy of rec to topic t (partition chosen if rec->partition < 0)
 * and queues it for every running query that reads t. */
static int append(sl_memdriver_t *d, mem_topic_t *t, const sl_record_t *rec, sl_error_t *err) {
  int p = rec->partition;
  if (p < 0) {
    /* Kafka's default partitioner: murmur2 of the key; a null key goes to
     * partition 0 here (the real client spreads them, which no test relies on). */
    p = rec->key ? sl_kafka_partition_for(rec->key, rec->key_len, t->partitions) : 0;
  } else if (p >= t->partitions) {
    return sl_error_set(err, SL_EINVAL, -1,
                        "partition %d of topic '%s' does not exist (%d partitions)", p, t->name,
                        t->partitions);
  }
  mem_rec_t *r = sl_xcalloc(1, sizeof(*r));
  r->seq = d->seq++;
  r->rec.topic = t->name;
  r->rec.partition = p;
  r->rec.offset = t->next_offset[p]++;
  r->rec.timestamp = rec->timestamp;
  r->rec.key = dup_bytes(rec->key, rec->key_len);
  r->rec.key_len = rec->key ? rec->key_len : 0;
  r->rec.value = dup_bytes(rec->value, rec->value_len);
  r->rec.value_len = rec->value ? rec->value_len : 0;
  if (rec->nheaders > 0) {
    r->headers = sl_xcalloc((size_t)rec->nheaders, sizeof(sl_header_t));
    for (int i = 0; i < rec->nheaders; i++) {
      r->headers[i].key = sl_strdup(rec->headers[i].key ? rec->headers[i].key : "");
      r->headers[i].value = dup_bytes(rec->headers[i].value, rec->headers[i].len);
      r->headers[i].len = rec->headers[i].value ? rec->headers[i].len : 0;
    }
    r->rec.headers = r->headers;
    r->rec.nheaders = rec->nheaders;
  }
  sl_ptrvec_push(&t->recs, r);
  for (int i = 0; i < d->queries.len; i++) {
    mem_query_t *mq = d->queries.items[i];
    if (mq->failed || !query_reads(mq, t->name)) continue;
    if (!strncmp(t->name, "_confluent-ksql-", 16))
      enqueue_urgent(d, mq, r);
    else
      enqueue(d, mq, r);
  }
  return 0;
}

/* ---- the sl_topic_driver_t vtable ---- */

static int md_create_topic(void *ctx, const char *name, int partitions, int replicas,
                           const sl_map_t *config, sl_error_t *err) {
  sl_memdriver_t *d = ctx;
  SL_UNUSED(replicas);
  SL_UNUSED(config);
  if (sl_map_get(d->topics, name))
    return sl_error_set(err, SL_EEXISTS, -1, "Topic '%s' already exists.", name);
  topic_new(d, name, partitions);
  return 0;
}

static int md_topic_partitions(void *ctx, const char *name) {
  sl_memdriver_t *d = ctx;
  mem_topic_t *t = sl_map_get(d->topics, name);
  return t ? t->partitions : SL_ENOTFOUND;
}

static int md_delete_topic(void *ctx, const char *name, sl_error_t *err) {
  sl_memdriver_t *d = ctx;
  mem_topic_t *t = sl_map_get(d->topics, name);
  if (!t) return sl_error_set(err, SL_ENOTFOUND, -1, "Topic '%s' does not exist.", name);
  dequeue_matching(d, NULL, t);
  sl_map_remove(d->topics, name);
  topic_free(t);
  return 0;
}

static int md_list_topics(void *ctx, sl_ptrvec_t *names, sl_error_t *err) {
  sl_memdriver_t *d = ctx;
  SL_UNUSED(err);
  int it = 0;
  const char *k;
  void *v;
  while (sl_map_next(d->topics, &it, &k, &v)) sl_ptrvec_push(names, sl_strdup(k));
  return 0;
}

static int md_scan_topic(void *ctx, const char *topic, int (*fn)(void *arg, const sl_record_t *rec),
                         void *arg, sl_error_t *err) {
  sl_memdriver_t *d = ctx;
  mem_topic_t *t = sl_map_get(d->topics, topic);
  if (!t) return sl_error_set(err, SL_ENOTFOUND, -1, "Topic '%s' does not exist", topic);
  int end = t->recs.len; /* the end as of now */
  for (int i = 0; i < end; i++) {
    mem_rec_t *r = t->recs.items[i];
    if (fn(arg, &r->rec)) break;
  }
  return 0;
}

static int md_produce(void *ctx, const sl_record_t *rec, sl_error_t *err) {
  sl_memdriver_t *d = ctx;
  mem_topic_t *t = sl_map_get(d->topics, rec->topic);
  if (!t) return sl_error_set(err, SL_ENOTFOUND, -1, "Topic '%s' does not exist.", rec->topic);
  return append(d, t, rec, err);
}

static void query_fail(mem_query_t *mq, const char *why) {
  sl_memdriver_t *d = mq->d;
  mq->failed = true;
  dequeue_matching(d, mq, NULL);
  char msg[sizeof(d->pump_msg)];
  snprintf(msg, sizeof(msg), "query %s failed: %s", sl_query_id(mq->q), why);
  if (!d->failure) d->failure = sl_strdup(msg);
  if (!d->pump_failed) {
    d->pump_failed = true;
    snprintf(d->pump_msg, sizeof(d->pump_msg), "%s", msg);
  }
}

/* Task output: append to the named topic. Internal topics the engine did not
 * create (it should) are made on first use so a missing create shows up as
 * data rather than as a lost record. */
static int md_emit(void *ctx, const sl_record_t *rec) {
  mem_query_t *mq = ctx;
  sl_memdriver_t *d = mq->d;
  if (!rec->topic) return SL_EINVAL;
  mem_topic_t *t = sl_map_get(d->topics, rec->topic);
  if (!t) t = topic_new(d, rec->topic, rec->partition >= 0 ? rec->partition + 1 : 1);
  sl_error_t err;
  sl_error_clear(&err);
  int rc = append(d, t, rec, &err);
  if (rc) SL_WARN("memdriver: emit to '%s' failed: %s", rec->topic, err.msg);
  return rc;
}

static void md_plog(void *ctx, const sl_plog_entry_t *e) {
  mem_query_t *mq = ctx;
  free(mq->last_plog);
  mq->last_plog = sl_strdup(e->message ? e->message : "");
  /* The query's own log (the engine's: stderr/file plus SLUICE_PROCESSING_LOG)
   * comes first; the driver-level hook is for callers without an engine. */
  if (mq->q && mq->q->plog)
    mq->q->plog(mq->q->plog_ctx, e);
  else if (mq->d->plog)
    mq->d->plog(mq->d->plog_ctx, e);
}

static void query_free(mem_query_t *mq) {
  for (int i = 0; i < mq->ntasks; i++)
    if (mq->tasks[i]) sl_task_free(mq->tasks[i]);
  free(mq->tasks);
  for (int i = 0; i < mq->ntopics; i++) free(mq->topics[i]);
  free(mq->topics);
  free(mq->last_plog);
  free(mq);
}

static int rec_seq_cmp(const void *a, const void *b) {
  const mem_rec_t *x = *(mem_rec_t *const *)a, *y = *(mem_rec_t *const *)b;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static bool topic_is_global(const sl_query_t *q, const char *topic) {
  for (int k = 0; k < sl_query_source_topic_count(q); k++)
    if (!strcmp(sl_query_source_topic(q, k), topic) && sl_query_source_is_global(q, k)) return true;
  return false;
}

static int md_start_query(void *ctx, sl_query_t *q, bool from_beginning, sl_error_t *err) {
  sl_memdriver_t *d = ctx;
  mem_query_t *mq = sl_xcalloc(1, sizeof(*mq));
  mq->d = d;
  mq->q = q;
  int n = sl_query_source_topic_count(q);
  mq->topics = sl_xcalloc((size_t)(n > 0 ? n : 1), sizeof(char *));
  int maxparts = 1;
  for (int i = 0; i < n; i++) {
    const char *name = sl_query_source_topic(q, i);
    mem_topic_t *t = sl_map_get(d->topics, name);
    if (!t) {
      query_free(mq);
      return sl_error_set(err, SL_ENOTFOUND, -1, "Kafka topic does not exist: %s", name);
    }
    if (t->partitions > maxparts) maxparts = t->partitions;
    if (!query_reads(mq, name)) mq->topics[mq->ntopics++] = sl_strdup(name);
  }
  mq->ntasks = sl_query_partition_count(q);
  if (mq->ntasks <= 0) mq->ntasks = maxparts;
  mq->tasks = sl_xcalloc((size_t)mq->ntasks, sizeof(sl_task_t *));
  sl_task_io_t io = {.emit = md_emit, .emit_ctx = mq, .plog = md_plog, .plog_ctx = mq};
  for (int p = 0; p < mq->ntasks; p++) {
    int rc = sl_task_new(q, p, &io, &mq->tasks[p], err);
    if (rc) {
      query_free(mq);
      return rc;
    }
  }
  sl_ptrvec_push(&d->queries, mq);
  /* Global topics (the right table of a foreign-key join) are loaded whole
   * into every task at start, without output, as a GlobalKTable. */
  for (int i = 0; i < mq->ntopics; i++) {
    if (!topic_is_global(q, mq->topics[i])) continue;
    mem_topic_t *t = sl_map_get(d->topics, mq->topics[i]);
    for (int j = 0; j < t->recs.len; j++) {
      mem_rec_t *r = t->recs.items[j];
      for (int p = 0; p < mq->ntasks; p++) sl_task_restore(mq->tasks[p], &r->rec);
    }
  }
  if (from_beginning) {
    sl_ptrvec_t old = {0};
    for (int i = 0; i < mq->ntopics; i++) {
      if (topic_is_global(q, mq->topics[i])) continue;
      mem_topic_t *t = sl_map_get(d->topics, mq->topics[i]);
      for (int j = 0; j < t->recs.len; j++) sl_ptrvec_push(&old, t->recs.items[j]);
    }
    if (old.len > 1) qsort(old.items, (size_t)old.len, sizeof(void *), rec_seq_cmp);
    for (int j = 0; j < old.len; j++) enqueue(d, mq, old.items[j]);
    sl_ptrvec_free(&old);
  }
  return 0;
}

static int md_stop_query(void *ctx, sl_query_t *q) {
  sl_memdriver_t *d = ctx;
  for (int i = 0; i < d->queries.len; i++) {
    mem_query_t *mq = d->queries.items[i];
    if (mq->q != q) continue;
    dequeue_matching(d, mq, NULL);
    memmove(&d->queries.items[i], &d->queries.items[i + 1],
            (size_t)(d->queries.len - i - 1) * sizeof(void *));
    d->queries.len--;
    query_free(mq);
    return 0;
  }
  return SL_ENOTFOUND;
}

/* Internal topics are named "_confluent-ksql-<service id>query_<query id>-<suffix>"
 * as in ksqlDB; terminating a query removes them. */
static int md_cleanup_query(void *ctx, sl_query_t *q) {
  sl_memdriver_t *d = ctx;
  char needle[256];
  snprintf(needle, sizeof(needle), "query_%s-", sl_query_id(q));
  sl_ptrvec_t doomed = {0};
  int it = 0;
  const char *k;
  void *v;
  while (sl_map_next(d->topics, &it, &k, &v))
    if (!strncmp(k, "_confluent-ksql-", 16) && strstr(k, needle))
      sl_ptrvec_push(&doomed, sl_strdup(k));
  for (int i = 0; i < doomed.len; i++) {
    md_delete_topic(d, doomed.items[i], NULL);
    free(doomed.items[i]);
  }
  sl_ptrvec_free(&doomed);
  return 0;
}

/* ---- public API ---- */

sl_memdriver_t *sl_memdriver_new(void) {
  sl_memdriver_t *d = sl_xcalloc(1, sizeof(*d));
  d->topics = sl_map_new(false);
  d->plog = sl_plog_default;
  d->drv = (sl_topic_driver_t){
      .ctx = d,
      .create_topic = md_create_topic,
      .topic_partitions = md_topic_partitions,
      .delete_topic = md_delete_topic,
      .list_topics = md_list_topics,
      .scan_topic = md_scan_topic,
      .produce = md_produce,
      .start_query = md_start_query,
      .stop_query = md_stop_query,
      .cleanup_query = md_cleanup_query,
  };
  return d;
}

void sl_memdriver_free(sl_memdriver_t *d) {
  if (!d) return;
  for (int i = 0; i < d->queries.len; i++) query_free(d->queries.items[i]);
  sl_ptrvec_free(&d->queries);
  int it = 0;
  const char *k;
  void *v;
  while (sl_map_next(d->topics, &it, &k, &v)) topic_free(v);
  sl_map_free(d->topics);
  free(d->queue);
  free(d->failure);
  free(d);
}

sl_topic_driver_t *sl_memdriver_driver(sl_memdriver_t *d) {
  return &d->drv;
}

void sl_memdriver_set_plog(sl_memdriver_t *d, sl_plog_fn fn, void *ctx) {
  d->plog = fn;
  d->plog_ctx = ctx;
}

int sl_memdriver_pump(sl_memdriver_t *d, sl_error_t *err) {
  d->pump_failed = false;
  while (d->qhead < d->qlen) {
    delivery_t e = d->queue[d->qhead++];
    if (d->qhead == d->qlen) d->qhead = d->qlen = 0;
    d->urgent_at = d->qhead;
    mem_query_t *mq = e.mq;
    if (mq->failed) continue;
    /* One task per query, as Kafka Streams' test driver: partition counts of
     * co-joined topics need not match here. */
    int task = 0;
    int rc = sl_task_process(mq->tasks[task], &e.r->rec);
    if (rc) query_fail(mq, mq->last_plog ? mq->last_plog : sl_strerror(rc));
  }
  if (d->pump_failed) return sl_error_set(err, SL_ERUNTIME, -1, "%s", d->pump_msg);
  return 0;
}

void sl_memdriver_stop_all(sl_memdriver_t *d) {
  while (d->queries.len > 0) {
    mem_query_t *mq = d->queries.items[d->queries.len - 1];
    md_stop_query(d, mq->q);
  }
}

int sl_memdriver_pending(const sl_memdriver_t *d) {
  return d->qlen - d->qhead;
}

int sl_memdriver_punctuate(sl_memdriver_t *d, int64_t now_ms, sl_error_t *err) {
  d->pump_failed = false;
  for (int i = 0; i < d->queries.len; i++) {
    mem_query_t *mq = d->queries.items[i];
    for (int p = 0; p < mq->ntasks && !mq->failed; p++) {
      int rc = sl_task_punctuate(mq->tasks[p], now_ms);
      if (rc) query_fail(mq, mq->last_plog ? mq->last_plog : sl_strerror(rc));
    }
  }
  if (d->pump_failed) return sl_error_set(err, SL_ERUNTIME, -1, "%s", d->pump_msg);
  return 0;
}

const char *sl_memdriver_failure(const sl_memdriver_t *d) {
  return d->failure;
}

int sl_memdriver_record_count(const sl_memdriver_t *d, const char *topic) {
  mem_topic_t *t = sl_map_get(d->topics, topic);
  return t ? t->recs.len : -1;
}

const sl_record_t *sl_memdriver_record_at(const sl_memdriver_t *d, const char *topic, int i) {
  mem_topic_t *t = sl_map_get(d->topics, topic);
  if (!t || i < 0 || i >= t->recs.len) return NULL;
  return &((mem_rec_t *)t->recs.items[i])->rec;
}
