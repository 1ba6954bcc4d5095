/*
 * query.c - one persistent query running on Kafka. Each query has its own
 * consumer group (_confluent-ksql-<service id>query_<id>), its own
 * idempotent producer, and lives on one worker thread's libuv loop: both
 * clients' queues wake the loop through a pipe (rd_kafka_queue_io_event_enable
 * + uv_poll), so nothing busy-polls and no extra thread is needed.
 *
 * A task (sl_task_t) is created per assigned source partition number when
 * the group assigns partitions and freed when they are revoked. Records
 * flow consumer -> task -> emit -> producer. At-least-once: every output
 * record is counted against the span of inputs it came from (ledger.c), and
 * the offset committed for a partition never passes an input whose outputs
 * are not all acknowledged. Commits happen every commit interval, on revoke
 * and on a clean stop. A failed delivery fails the query (state ERROR) and
 * stops its commits, so no input is ever marked done without its output.
 *
 * Exactly-once (processing.guarantee=exactly_once_v2): the producer is
 * transactional (transactional.id <group>-tx, stable across restarts so a
 * restarted sluice fences the crashed one and aborts its open transaction),
 * the consumer reads committed records only, and every commit interval the
 * query commits one transaction holding its outputs (sink, repartition and
 * changelog records) and the consumed offsets. A transaction that must be
 * aborted rewinds the query: consumption goes back to the last committed
 * offsets and the tasks are rebuilt from their changelogs, which then hold
 * exactly the committed state. The offset ledger is not used in this mode.
 *
 * State: tasks are created on assignment and restored from the query's
 * changelog topics (restore.c) before they see any input.
 *
 * Global topics (the right table of a foreign-key join, GlobalKTable-like):
 * they are not subscribed by the group. A second consumer of the query's own
 * (group id <group>-global, never joined, nothing committed) is assigned all
 * of their partitions whenever tasks are created: it first reads every
 * partition from the beginning to its end as of that moment into every task
 * with sl_task_restore (no output), then stays assigned and each later record
 * goes to sl_task_process of every task, woken through its own pipe like the
 * main consumer. Their outputs count against no partition's ledger: there is
 * no offset of theirs to hold back, and a restart reloads the whole table.
 *
 * Punctuation: every commit interval each task is punctuated with the wall
 * clock, records or not, so idle stream time can close windows, and its
 * record cache is flushed (cache.max.bytes.buffering; see ktask_t for how
 * at-least-once offsets wait for cached results).
 *
 * Backpressure: when the producer holds too many unacknowledged records the
 * query stops draining its consumer queue; librdkafka then stops fetching
 * once its prefetch buffer is full. Delivery reports resume it.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kafka_int.h"

#define DRAIN_BUDGET 2000      /* records per wake-up before yielding to other queries */
#define OUTQ_HIGH 100000       /* stop consuming above this many unacknowledged outputs */
#define OUTQ_LOW 20000         /* and resume below this */
#define FLUSH_TIMEOUT_MS 60000 /* how long a stop or revoke waits for acknowledgements */
#define TXN_TIMEOUT_MS 60000   /* how long a transactional call may block */
#define TXN_RETRIES 5          /* retriable transactional errors tried again this often */
#define MAX_REWINDS 5          /* aborted transactions in a row before the query fails */
#define GLOBAL_STALL_MS 60000  /* a global load with no progress for this long fails */
#define GLOBAL_META_MS 10000   /* metadata and watermark request timeout */
#define FIFO_PAUSE 10000       /* pause a partition whose buffer holds this many records */
#define FIFO_RESUME 2000       /* and resume it below this */
#define STALL_MAX_MS 10000     /* longest wait for a partition that is not caught up */

typedef struct kpart {
  char *topic;
  int32_t partition;
  sl_kafka_ledger_t ledger;
  int64_t next;  /* offset after the last record processed, -1 before any */
  int64_t start; /* offset of the first record processed since assignment, -1 before any */
  /* Time order (tasks reading several partitions): records polled but not
   * yet processed, oldest first; see pump_task. */
  rd_kafka_message_t **fifo;
  int fhead, flen, fcap;  /* ring buffer */
  int64_t received;       /* offset after the last record polled, -1 before any */
  bool eof;               /* the consumer reported the end since the last record */
  bool fpaused;           /* fetching paused because the buffer is full */
  int64_t empty_since_ms; /* when the buffer last became empty */
  int lane;               /* sub-topology reading the topic (sl_query_source_lane) */
  bool ordered;           /* its task reads another partition of the same lane */
} kpart_t;

typedef struct ktask {
  sl_kquery_t *kq;
  int partition;
  sl_task_t *task;
  kpart_t **inputs; /* the assigned partitions it reads; more than one in a lane: time order */
  int ninputs;
  bool ordered; /* some of its inputs are read in time order */
  /* Record cache (at-least-once): one span in the ledger of each input,
   * placed before the first record processed since the last flush and held
   * until that flush, so no offset is committed past a record whose results
   * the task still holds. The spans are chained (`also`) once, when made;
   * every span of the task's inputs opened meanwhile is chained to the
   * first, so results written before the flush (cache full, a window
   * closing) hold the barrier too until Kafka acknowledged them. */
  sl_kafka_span_t *barrier;
} ktask_t;

struct sl_kquery {
  sl_kdriver_t *d;
  sl_query_t *q;
  char *id;
  char group[512];
  sl_kworker_t *w;
  rd_kafka_t *consumer;
  rd_kafka_t *producer;
  sl_ptrvec_t out_topics; /* rd_kafka_topic_t* of the sink and changelogs, held from the start */
  rd_kafka_t *global;     /* reads the global topics, NULL when there are none */
  rd_kafka_queue_t *gq;   /* its queue (main queue forwarded into it) */
  int gpipe[2];
  uv_poll_t gpoll;
  rd_kafka_queue_t *cq;   /* consumer queue (main queue forwarded into it) */
  rd_kafka_queue_t *pq;   /* producer main queue: delivery reports, errors */
  int cpipe[2], ppipe[2]; /* wake-up pipes written by librdkafka */
  uv_poll_t cpoll, ppoll;
  uv_timer_t tick;  /* commit interval: punctuation and commits */
  uv_idle_t resume; /* continues a drain on the next loop iteration */
  int open_handles;
  sl_kdone_t *stopped; /* signalled once everything is closed */
  sl_ptrvec_t parts;   /* kpart_t*, the assignment */
  ktask_t **tasks;     /* indexed by partition number */
  int ntasks;
  kpart_t *cur_part;    /* partition whose span is open */
  sl_kafka_span_t *cur; /* span emitted records count against, or NULL */
  sl_header_t *hbuf;    /* scratch for input headers */
  int hcap;
  bool paused; /* backpressure: waiting for acknowledgements */
  bool failed; /* worker's view of the error state */
  bool stopping;
  bool ledgers_gone; /* spans freed with deliveries outstanding: ignore them */
  bool eos;          /* exactly_once_v2: transactions instead of the ledger */
  bool in_txn;       /* a transaction has begun and is not committed yet */
  int rewinds;       /* aborted transactions since the last successful commit */
  int commit_interval_ms;
  int64_t cache_bytes;          /* record cache per task (cache.max.bytes.buffering), 0 = off */
  int64_t processed;            /* records processed so far */
  int64_t tick_processed;       /* ... as of the last tick that saw new ones */
  int64_t quiet_since_ms;       /* when that tick was */
  bool trimmed;                 /* heap trimmed since then */
  int64_t max_idle_ms;          /* max.task.idle.ms */
  uv_timer_t idle;              /* wakes a task that waits for a partition */
  sl_krestore_stats_t restored; /* totals over every restore of this query */
  pthread_mutex_t lock;         /* guards error and msg, read by other threads */
  bool error;
  char msg[512];
};

const char *sl_kquery_id(const sl_kquery_t *kq) {
  return kq->id;
}
sl_query_t *sl_kquery_query(const sl_kquery_t *kq) {
  return kq->q;
}

const char *sl_kquery_state(sl_kquery_t *kq, char *msg, size_t msgsz) {
  pthread_mutex_lock(&kq->lock);
  const char *s = kq->error ? "ERROR" : "RUNNING";
  if (msg && msgsz) snprintf(msg, msgsz, "%s", kq->msg);
  pthread_mutex_unlock(&kq->lock);
  return s;
}

/* Puts the query in ERROR: it stops consuming and never commits again. */
static void kq_fail(sl_kquery_t *kq, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void kq_fail(sl_kquery_t *kq, const char *fmt, ...) {
  if (kq->failed) return;
  kq->failed = true;
  va_list ap;
  va_start(ap, fmt);
  pthread_mutex_lock(&kq->lock);
  kq->error = true;
  vsnprintf(kq->msg, sizeof(kq->msg), fmt, ap);
  pthread_mutex_unlock(&kq->lock);
  va_end(ap);
  SL_ERROR("query %s failed: %s", kq->id, kq->msg);
  if (!kq->stopping && kq->open_handles) {
    uv_poll_stop(&kq->cpoll);
    if (kq->global) uv_poll_stop(&kq->gpoll);
  }
}

static void drain_pipe(int fd) {
  char buf[256];
  while (read(fd, buf, sizeof(buf)) > 0) {
  }
}

/* ---------------- partitions and tasks ---------------- */

static kpart_t *find_part(sl_kquery_t *kq, const char *topic, int32_t partition) {
  for (int i = 0; i < kq->parts.len; i++) {
    kpart_t *p = kq->parts.items[i];
    if (p->partition == partition && !strcmp(p->topic, topic)) return p;
  }
  return NULL;
}

static ktask_t *find_task(sl_kquery_t *kq, int32_t partition) {
  return partition >= 0 && partition < kq->ntasks ? kq->tasks[partition] : NULL;
}

static int kq_emit(void *ctx, const sl_record_t *rec);
static int global_load(sl_kquery_t *kq);
static void close_span(sl_kquery_t *kq);
static void flush_tasks(sl_kquery_t *kq);

/* ---------------- time order ----------------
 *
 * A task that reads several partitions (partition p of each source topic of
 * a join) processes their records in timestamp order, as Kafka Streams
 * does: polled records wait in a per-partition buffer and the task always
 * processes the buffered head with the smallest timestamp, but only while
 * every one of its partitions has something buffered or may be skipped.
 * Otherwise a backlog delivered in big batches of one partition would move
 * stream time ahead on that side and close join windows before the other
 * side's records are seen. An empty partition may be skipped when it is
 * caught up (the consumer reported its end, or everything up to the cached
 * high watermark has been polled) and has been empty for max.task.idle.ms
 * (0: at once); one that is not caught up is waited for up to STALL_MAX_MS
 * (or max.task.idle.ms if longer), so a stuck partition cannot stall the
 * task for ever. Only partitions of the same sub-topology are ordered so
 * (sl_query_source_lane): a source topic and the repartition topic it
 * feeds are independent, as Kafka Streams runs them in separate tasks;
 * ordering them made the source wait for its own output to come back.
 * Tasks with a single input per lane skip all this. Offsets are only
 * marked processed (ledger, next) when a record goes through the task, so
 * commits never pass buffered records. */

static int64_t mono_ms(void) {
  return sl_monotonic_ns() / 1000000;
}

static void fifo_push(kpart_t *p, rd_kafka_message_t *m) {
  if (p->flen == p->fcap) {
    int ncap = p->fcap ? p->fcap * 2 : 64;
    rd_kafka_message_t **n = sl_xcalloc((size_t)ncap, sizeof(*n));
    for (int i = 0; i < p->flen; i++) n[i] = p->fifo[(p->fhead + i) % p->fcap];
    free(p->fifo);
    p->fifo = n;
    p->fcap = ncap;
    p->fhead = 0;
  }
  p->fifo[(p->fhead + p->flen) % p->fcap] = m;
  p->flen++;
}

static rd_kafka_message_t *fifo_pop(kpart_t *p) {
  rd_kafka_message_t *m = p->fifo[p->fhead];
  p->fhead = (p->fhead + 1) % p->fcap;
  p->flen--;
  return m;
}

static void set_paused(sl_kquery_t *kq, kpart_t *p, bool pause) {
  if (p->fpaused == pause || !kq->consumer) return;
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(l, p->topic, p->partition);
  if (pause)
    rd_kafka_pause_partitions(kq->consumer, l);
  else
    rd_kafka_resume_partitions(kq->consumer, l);
  rd_kafka_topic_partition_list_destroy(l);
  p->fpaused = pause;
  SL_DEBUG("query %s: %s %s[%d] (%d records buffered)", kq->id, pause ? "paused" : "resumed",
           p->topic, (int)p->partition, p->flen);
}

/* Drops the buffered records (revoke, rewind: they will be read again). */
static void fifo_clear(sl_kquery_t *kq, kpart_t *p) {
  while (p->flen > 0) rd_kafka_message_destroy(fifo_pop(p));
  set_paused(kq, p, false);
  p->received = -1;
  p->eof = false;
  p->empty_since_ms = mono_ms();
}

/* Gives every task the list of assigned partitions it reads. */
static void link_inputs(sl_kquery_t *kq) {
  for (int i = 0; i < kq->ntasks; i++) {
    ktask_t *t = kq->tasks[i];
    if (!t) continue;
    t->ninputs = 0;
    t->ordered = false;
    for (int j = 0; j < kq->parts.len; j++) {
      kpart_t *p = kq->parts.items[j];
      if (p->partition != t->partition) continue;
      p->lane = 0;
      for (int k = 0; k < sl_query_source_topic_count(kq->q); k++)
        if (!strcmp(sl_query_source_topic(kq->q, k), p->topic))
          p->lane = sl_query_source_lane(kq->q, k);
      p->ordered = false;
      t->inputs = sl_xrealloc(t->inputs, sizeof(*t->inputs) * (size_t)(t->ninputs + 1));
      t->inputs[t->ninputs++] = p;
    }
    for (int a = 0; a < t->ninputs; a++)
      for (int b = 0; b < t->ninputs; b++)
        if (a != b && t->inputs[a]->lane == t->inputs[b]->lane) t->inputs[a]->ordered = true;
    for (int a = 0; a < t->ninputs; a++) t->ordered |= t->inputs[a]->ordered;
  }
}

static bool caught_up(sl_kquery_t *kq, kpart_t *p) {
  if (p->eof) return true;
  int64_t lo = -1, hi = -1;
  if (p->received < 0 ||
      rd_kafka_get_watermark_offsets(kq->consumer, p->topic, p->partition, &lo, &hi))
    return false;
  return hi >= 0 && p->received >= hi;
}

static void process_message(sl_kquery_t *kq, rd_kafka_message_t *m);
static void on_idle_wait(uv_timer_t *h);

/* Processes the buffered records of t's inputs in `lane` in timestamp
 * order for as long as that order is known (see above); arms the idle timer
 * when it must wait. */
static void pump_lane(sl_kquery_t *kq, ktask_t *t, int lane) {
  int64_t now = mono_ms();
  while (!kq->failed && !kq->stopping) {
    kpart_t *best = NULL;
    int64_t best_ts = 0, wake = -1;
    for (int i = 0; i < t->ninputs; i++) {
      kpart_t *p = t->inputs[i];
      if (!p->ordered || p->lane != lane) continue;
      if (p->flen > 0) {
        int64_t ts = rd_kafka_message_timestamp(p->fifo[p->fhead], NULL);
        if (!best || ts < best_ts) {
          best = p;
          best_ts = ts;
        }
        continue;
      }
      int64_t limit;
      if (caught_up(kq, p)) {
        if (kq->max_idle_ms <= 0) continue;
        limit = kq->max_idle_ms;
      } else {
        limit = kq->max_idle_ms > STALL_MAX_MS ? kq->max_idle_ms : STALL_MAX_MS;
      }
      int64_t until = p->empty_since_ms + limit;
      if (now >= until) continue;
      if (wake < 0 || until < wake) wake = until;
    }
    if (!best) return;
    if (wake >= 0) {
      uint64_t delay = (uint64_t)(wake - now) + 1;
      if (!uv_is_active((uv_handle_t *)&kq->idle) || uv_timer_get_due_in(&kq->idle) > delay)
        uv_timer_start(&kq->idle, on_idle_wait, delay, 0);
      return;
    }
    rd_kafka_message_t *m = fifo_pop(best);
    if (best->flen == 0) best->empty_since_ms = now;
    if (best->fpaused && best->flen < FIFO_RESUME) set_paused(kq, best, false);
    process_message(kq, m);
    rd_kafka_message_destroy(m);
  }
}

static void pump_task(sl_kquery_t *kq, ktask_t *t) {
  for (int i = 0; i < t->ninputs; i++) {
    kpart_t *p = t->inputs[i];
    bool first = true; /* each lane once */
    for (int j = 0; j < i && first; j++)
      if (t->inputs[j]->ordered && t->inputs[j]->lane == p->lane) first = false;
    if (p->ordered && first) pump_lane(kq, t, p->lane);
  }
}

static void pump_all(sl_kquery_t *kq) {
  for (int i = 0; i < kq->ntasks && !kq->failed; i++)
    if (kq->tasks[i] && kq->tasks[i]->ordered) pump_task(kq, kq->tasks[i]);
}

static void on_idle_wait(uv_timer_t *h) {
  sl_kquery_t *kq = h->data;
  if (kq->failed || kq->stopping) return;
  pump_all(kq);
  close_span(kq);
}

/* Takes m into its partition's buffer when its task reads several
 * partitions (true: the buffer owns m now); false for everything the
 * direct path handles, single-input tasks first of all. */
static bool buffer_message(sl_kquery_t *kq, rd_kafka_message_t *m) {
  if (m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) return false;
  ktask_t *t = find_task(kq, m->partition);
  if (!t || !t->ordered || !m->rkt) return false;
  kpart_t *p = find_part(kq, rd_kafka_topic_name(m->rkt), m->partition);
  if (!p || !p->ordered) return false;
  if (m->err) { /* the end: the task need not wait for this partition now */
    if (p->received < 0 || m->offset >= p->received) p->eof = true;
    pump_lane(kq, t, p->lane);
    return false;
  }
  p->eof = false;
  p->received = m->offset + 1;
  fifo_push(p, m);
  if (p->flen >= FIFO_PAUSE) set_paused(kq, p, true);
  pump_lane(kq, t, p->lane);
  return true;
}

/* Creates the task for partition unless it exists; *created says which. */
static int ensure_task(sl_kquery_t *kq, int32_t partition, bool *created) {
  *created = false;
  if (find_task(kq, partition)) return 0;
  if (partition >= kq->ntasks) {
    int n = partition + 1;
    kq->tasks = sl_xrealloc(kq->tasks, sizeof(*kq->tasks) * (size_t)n);
    for (int i = kq->ntasks; i < n; i++) kq->tasks[i] = NULL;
    kq->ntasks = n;
  }
  ktask_t *t = sl_xcalloc(1, sizeof(*t));
  t->kq = kq;
  t->partition = partition;
  sl_task_io_t io = {
      .emit = kq_emit, .emit_ctx = t, .plog = kq->d->plog, .plog_ctx = kq->d->plog_ctx};
  sl_error_t err;
  sl_error_clear(&err);
  int rc = sl_task_new(kq->q, partition, &io, &t->task, &err);
  if (rc) {
    free(t);
    kq_fail(kq, "cannot start task for partition %d: %s", partition, err.msg);
    return rc;
  }
  sl_task_set_cache(t->task, kq->cache_bytes);
  kq->tasks[partition] = t;
  *created = true;
  return 0;
}

/* Restores the given tasks from the query's changelogs; fails the query
 * when that is impossible (processing without state would be wrong). */
static int restore_tasks(sl_kquery_t *kq, const int32_t *partitions, int n) {
  if (n <= 0 || sl_query_changelog_count(kq->q) <= 0) return 0;
  sl_task_t **tasks = sl_xcalloc((size_t)n, sizeof(*tasks));
  for (int i = 0; i < n; i++) tasks[i] = kq->tasks[partitions[i]]->task;
  sl_krestore_stats_t st;
  sl_error_t err;
  sl_error_clear(&err);
  int rc = sl_kquery_restore(kq->d, kq->q, kq->group, tasks, partitions, n, &st, &err);
  free(tasks);
  if (rc) {
    kq_fail(kq, "cannot restore state: %s", err.msg);
    return rc;
  }
  kq->restored.entries += st.entries;
  kq->restored.applied += st.applied;
  kq->restored.bytes += st.bytes;
  kq->restored.partitions += st.partitions;
  kq->restored.ms += st.ms;
  double secs = st.ms > 0 ? (double)st.ms / 1000.0 : 0.001;
  SL_INFO(
      "query %s: restored %lld entries (%.1f MB) from %d changelog partitions in %lld ms "
      "(%.0f entries/s; %lld applied, the rest superseded)",
      kq->id, (long long)st.entries, (double)st.bytes / 1e6, st.partitions, (long long)st.ms,
      (double)st.entries / secs, (long long)st.applied);
  return 0;
}

static void close_span(sl_kquery_t *kq) {
  if (kq->cur) sl_kafka_span_close(kq->cur);
  kq->cur = NULL;
  kq->cur_part = NULL;
}

/* ---------------- output ---------------- */

static int kq_emit(void *ctx, const sl_record_t *rec) {
  ktask_t *t = ctx;
  sl_kquery_t *kq = t->kq;
  if (kq->failed) return SL_ERUNTIME;
  if (kq->eos && !kq->in_txn) {
    rd_kafka_error_t *e = rd_kafka_begin_transaction(kq->producer);
    if (e) {
      kq_fail(kq, "cannot begin a transaction: %s", rd_kafka_error_string(e));
      rd_kafka_error_destroy(e);
      return SL_EKAFKA;
    }
    kq->in_txn = true;
  }
  sl_kafka_span_t *span = kq->eos ? NULL : kq->cur;
  if (span) sl_kafka_span_hold(span);
  for (;;) {
    rd_kafka_error_t *e = sl_kproduce(kq->producer, rec, span);
    if (!e) return 0;
    if (rd_kafka_error_code(e) == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      /* Serving delivery reports here is what frees room in the queue. */
      rd_kafka_error_destroy(e);
      rd_kafka_poll(kq->producer, 20);
      if (kq->failed) break;
      continue;
    }
    kq_fail(kq, "cannot write to topic '%s': %s", rec->topic, rd_kafka_error_string(e));
    rd_kafka_error_destroy(e);
    break;
  }
  if (span) sl_kafka_span_release(span);
  return SL_EKAFKA;
}

static void on_resume(uv_idle_t *h);

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  sl_kquery_t *kq = opaque;
  /* Under exactly-once a lost output makes the transaction fail to commit,
   * which aborts and rewinds it: no need to stop the query. */
  if (m->err && kq->eos)
    SL_WARN("query %s: cannot write to topic '%s' partition %d: %s (the transaction will abort)",
            kq->id, rd_kafka_topic_name(m->rkt), (int)m->partition, rd_kafka_err2str(m->err));
  else if (m->err)
    kq_fail(kq, "cannot write to topic '%s' partition %d: %s", rd_kafka_topic_name(m->rkt),
            (int)m->partition, rd_kafka_err2str(m->err));
  sl_kafka_span_t *span = m->_private;
  if (span && !kq->ledgers_gone) sl_kafka_span_release(span);
  if (kq->paused && !kq->stopping && rd_kafka_outq_len(rk) < OUTQ_LOW) {
    kq->paused = false;
    uv_idle_start(&kq->resume, on_resume);
  }
}

/* Waits for every output to be acknowledged (or failed). Afterwards no
 * delivery report refers to a span any more, so ledgers may be cleared. */
static void flush_outputs(sl_kquery_t *kq) {
  if (!kq->failed) rd_kafka_flush(kq->producer, FLUSH_TIMEOUT_MS);
  if (rd_kafka_outq_len(kq->producer) > 0) {
    if (!kq->failed)
      kq_fail(kq, "%d output records not acknowledged within %d ms",
              rd_kafka_outq_len(kq->producer), FLUSH_TIMEOUT_MS);
    rd_kafka_purge(kq->producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    for (int i = 0; i < 100 && rd_kafka_outq_len(kq->producer) > 0; i++)
      rd_kafka_poll(kq->producer, 50);
    if (rd_kafka_outq_len(kq->producer) > 0) kq->ledgers_gone = true;
  }
}

/* ---------------- commits ---------------- */

static void rewind_query(sl_kquery_t *kq);

/* Deals with an error of a transactional call. Returns 1 when the call may
 * be tried again, 0 when the transaction was aborted (and, with
 * can_rewind, the query rewound), -1 when the query failed. */
static int txn_error(sl_kquery_t *kq, rd_kafka_error_t *e, const char *what, int attempt,
                     bool can_rewind) {
  int r;
  if (rd_kafka_error_is_fatal(e)) {
    kq_fail(kq, "%s: %s", what, rd_kafka_error_string(e));
    r = -1;
  } else if (rd_kafka_error_txn_requires_abort(e)) {
    SL_WARN("query %s: %s: %s; aborting the transaction", kq->id, what, rd_kafka_error_string(e));
    rd_kafka_error_t *ae = rd_kafka_abort_transaction(kq->producer, TXN_TIMEOUT_MS);
    kq->in_txn = false;
    if (ae) {
      kq_fail(kq, "cannot abort the transaction: %s", rd_kafka_error_string(ae));
      rd_kafka_error_destroy(ae);
      r = -1;
    } else {
      if (can_rewind) rewind_query(kq);
      r = 0;
    }
  } else if (rd_kafka_error_is_retriable(e) && attempt < TXN_RETRIES) {
    SL_INFO("query %s: %s: %s; retrying", kq->id, what, rd_kafka_error_string(e));
    r = 1;
  } else {
    kq_fail(kq, "%s: %s", what, rd_kafka_error_string(e));
    r = -1;
  }
  rd_kafka_error_destroy(e);
  return r;
}

/* Commits the open transaction with the offsets processed so far. Returns
 * 0 when committed (or nothing to commit). */
static int commit_txn(sl_kquery_t *kq, bool can_rewind) {
  if (kq->failed) return -1;
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(kq->parts.len + 1);
  for (int i = 0; i < kq->parts.len; i++) {
    kpart_t *p = kq->parts.items[i];
    if (p->next >= 0 && p->next > p->ledger.committed)
      rd_kafka_topic_partition_list_add(l, p->topic, p->partition)->offset = p->next;
  }
  int rc = 0;
  if (!kq->in_txn && l->cnt > 0) {
    rd_kafka_error_t *e = rd_kafka_begin_transaction(kq->producer);
    if (e) {
      kq_fail(kq, "cannot begin a transaction: %s", rd_kafka_error_string(e));
      rd_kafka_error_destroy(e);
      rc = -1;
    } else {
      kq->in_txn = true;
    }
  }
  if (!rc && kq->in_txn && l->cnt > 0) {
    rd_kafka_consumer_group_metadata_t *md = rd_kafka_consumer_group_metadata(kq->consumer);
    for (int attempt = 1;; attempt++) {
      rd_kafka_error_t *e =
          rd_kafka_send_offsets_to_transaction(kq->producer, l, md, TXN_TIMEOUT_MS);
      if (!e) break;
      int r = txn_error(kq, e, "cannot add offsets to the transaction", attempt, can_rewind);
      if (r != 1) {
        rc = -1;
        break;
      }
    }
    rd_kafka_consumer_group_metadata_destroy(md);
  }
  if (!rc && kq->in_txn) {
    for (int attempt = 1;; attempt++) {
      rd_kafka_error_t *e = rd_kafka_commit_transaction(kq->producer, TXN_TIMEOUT_MS);
      if (!e) {
        kq->in_txn = false;
        kq->rewinds = 0;
        for (int i = 0; i < l->cnt; i++) {
          kpart_t *p = find_part(kq, l->elems[i].topic, l->elems[i].partition);
          if (p) p->ledger.committed = l->elems[i].offset;
        }
        break;
      }
      int r = txn_error(kq, e, "cannot commit the transaction", attempt, can_rewind);
      if (r != 1) {
        rc = -1;
        break;
      }
    }
  }
  rd_kafka_topic_partition_list_destroy(l);
  return rc;
}

static void commit(sl_kquery_t *kq, bool async) {
  if (kq->failed) return;
  if (kq->eos) {
    commit_txn(kq, true);
    return;
  }
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(kq->parts.len + 1);
  for (int i = 0; i < kq->parts.len; i++) {
    kpart_t *p = kq->parts.items[i];
    int64_t acked = sl_kafka_ledger_advance(&p->ledger);
    if (acked < 0 || acked <= p->ledger.committed) continue;
    rd_kafka_topic_partition_list_add(l, p->topic, p->partition)->offset = acked;
    p->ledger.committed = acked;
  }
  if (l->cnt > 0) {
    rd_kafka_resp_err_t e = rd_kafka_commit(kq->consumer, l, async);
    if (e) SL_WARN("query %s: offset commit failed: %s", kq->id, rd_kafka_err2str(e));
  }
  rd_kafka_topic_partition_list_destroy(l);
}

static void on_commit(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                      rd_kafka_topic_partition_list_t *offsets, void *opaque) {
  SL_UNUSED(rk);
  SL_UNUSED(offsets);
  sl_kquery_t *kq = opaque;
  if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET)
    SL_WARN("query %s: offset commit failed: %s", kq->id, rd_kafka_err2str(err));
}

/* ---------------- rebalancing ---------------- */

static void free_assignment(sl_kquery_t *kq) {
  close_span(kq);
  for (int i = 0; i < kq->ntasks; i++) {
    if (!kq->tasks[i]) continue;
    sl_task_free(kq->tasks[i]->task);
    free(kq->tasks[i]->inputs);
    free(kq->tasks[i]);
    kq->tasks[i] = NULL;
  }
  for (int i = 0; i < kq->parts.len; i++) {
    kpart_t *p = kq->parts.items[i];
    fifo_clear(kq, p);
    free(p->fifo);
    sl_kafka_ledger_clear(&p->ledger);
    free(p->topic);
    free(p);
  }
  kq->parts.len = 0;
}

/* After an aborted transaction the tasks hold state of records whose
 * effects were thrown away: seek back to the committed offsets and rebuild
 * every task from its changelog (committed records only). */
static void rewind_query(sl_kquery_t *kq) {
  if (++kq->rewinds > MAX_REWINDS) {
    kq_fail(kq, "%d transactions in a row were aborted", kq->rewinds - 1);
    return;
  }
  close_span(kq);
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(kq->parts.len + 1);
  for (int i = 0; i < kq->parts.len; i++) {
    kpart_t *p = kq->parts.items[i];
    fifo_clear(kq, p); /* read again after the seek */
    int64_t to = p->ledger.committed >= 0 ? p->ledger.committed : p->start;
    if (to < 0) continue; /* nothing processed yet */
    rd_kafka_topic_partition_list_add(l, p->topic, p->partition)->offset = to;
    p->next = to;
  }
  if (l->cnt > 0) {
    rd_kafka_error_t *e = rd_kafka_seek_partitions(kq->consumer, l, TXN_TIMEOUT_MS);
    if (e) {
      kq_fail(kq, "cannot rewind after an aborted transaction: %s", rd_kafka_error_string(e));
      rd_kafka_error_destroy(e);
    }
    for (int i = 0; i < l->cnt && !kq->failed; i++)
      if (l->elems[i].err)
        kq_fail(kq, "cannot rewind %s[%d]: %s", l->elems[i].topic, (int)l->elems[i].partition,
                rd_kafka_err2str(l->elems[i].err));
  }
  rd_kafka_topic_partition_list_destroy(l);
  if (kq->failed) return;
  int32_t *parts = sl_xcalloc((size_t)kq->ntasks + 1, sizeof(*parts));
  int n = 0;
  for (int i = 0; i < kq->ntasks; i++) {
    if (!kq->tasks[i]) continue;
    sl_task_free(kq->tasks[i]->task);
    free(kq->tasks[i]->inputs);
    free(kq->tasks[i]);
    kq->tasks[i] = NULL;
    bool created;
    if (ensure_task(kq, i, &created) == 0) parts[n++] = i;
  }
  link_inputs(kq);
  if (!kq->failed) restore_tasks(kq, parts, n);
  if (!kq->failed && n > 0) global_load(kq);
  free(parts);
  SL_WARN("query %s: rewound to the last committed transaction", kq->id);
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *tps, void *opaque) {
  sl_kquery_t *kq = opaque;
  close_span(kq);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    int32_t *fresh = sl_xcalloc((size_t)tps->cnt + 1, sizeof(*fresh));
    int nfresh = 0;
    for (int i = 0; i < tps->cnt && !kq->failed; i++) {
      const rd_kafka_topic_partition_t *tp = &tps->elems[i];
      if (!find_part(kq, tp->topic, tp->partition)) {
        kpart_t *p = sl_xcalloc(1, sizeof(*p));
        p->topic = sl_strdup(tp->topic);
        p->partition = tp->partition;
        p->next = -1;
        p->start = -1;
        p->received = -1;
        p->empty_since_ms = mono_ms();
        sl_kafka_ledger_init(&p->ledger);
        sl_ptrvec_push(&kq->parts, p);
      }
      bool created;
      if (ensure_task(kq, tp->partition, &created) == 0 && created) fresh[nfresh++] = tp->partition;
    }
    link_inputs(kq);
    SL_DEBUG("query %s: assigned %d partitions", kq->id, tps->cnt);
    /* State first: no task may see input before its store is back. */
    if (!kq->failed) restore_tasks(kq, fresh, nfresh);
    /* Then the global tables, whole, into every task. */
    if (!kq->failed && nfresh > 0) global_load(kq);
    free(fresh);
    rd_kafka_assign(rk, kq->failed ? NULL : tps);
  } else {
    /* Revoked (or a rebalance error): hand the partitions back with every
     * acknowledged offset committed (or the transaction committed), as
     * Kafka Streams does. */
    flush_tasks(kq);
    if (kq->eos) {
      commit_txn(kq, false);
    } else {
      flush_outputs(kq);
      commit(kq, false);
    }
    free_assignment(kq);
    if (kq->global) rd_kafka_assign(kq->global, NULL); /* reloaded with the next tasks */
    rd_kafka_assign(rk, NULL);
  }
}

/* ---------------- input ---------------- */

/* The record a task sees for m; headers live in kq->hbuf until the next call. */
static void fill_record(sl_kquery_t *kq, rd_kafka_message_t *m, const char *topic,
                        sl_record_t *rec) {
  *rec = (sl_record_t){
      .topic = topic,
      .partition = m->partition,
      .offset = m->offset,
      .timestamp = rd_kafka_message_timestamp(m, NULL),
      .key = m->key,
      .key_len = m->key ? m->key_len : 0,
      .value = m->payload,
      .value_len = m->payload ? m->len : 0,
  };
  rd_kafka_headers_t *hdrs = NULL;
  if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs) {
    int n = (int)rd_kafka_header_cnt(hdrs);
    if (n > kq->hcap) {
      kq->hcap = n;
      kq->hbuf = sl_xrealloc(kq->hbuf, sizeof(*kq->hbuf) * (size_t)n);
    }
    int k = 0;
    for (int i = 0; i < n; i++) {
      const char *name;
      const void *val;
      size_t size;
      if (rd_kafka_header_get_all(hdrs, (size_t)i, &name, &val, &size)) continue;
      kq->hbuf[k++] = (sl_header_t){.key = name, .value = val, .len = val ? size : 0};
    }
    rec->headers = kq->hbuf;
    rec->nheaders = k;
  }
}

/* A consumer error: fatal ones fail the query, the rest are logged. */
static void consumer_error(sl_kquery_t *kq, rd_kafka_t *rk, rd_kafka_message_t *m,
                           const char *who) {
  char buf[512];
  if (rd_kafka_fatal_error(rk, buf, sizeof(buf)))
    kq_fail(kq, "%s: %s", who, buf);
  else
    SL_WARN("query %s: %s: %s", kq->id, who, rd_kafka_message_errstr(m));
}

/* A record of a global topic after the load: every task processes it. Its
 * outputs count against no ledger (see the top of the file). */
static void process_global(sl_kquery_t *kq, rd_kafka_message_t *m) {
  if (m->err) {
    if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
      consumer_error(kq, kq->global, m, "global consumer");
    return;
  }
  close_span(kq);
  const char *topic = rd_kafka_topic_name(m->rkt);
  sl_record_t rec;
  fill_record(kq, m, topic, &rec);
  for (int i = 0; i < kq->ntasks && !kq->failed; i++) {
    ktask_t *t = kq->tasks[i];
    if (!t) continue;
    /* Results the task held for its own records may be written now. */
    kq->cur = t->barrier;
    int rc = sl_task_process(t->task, &rec);
    kq->cur = NULL; /* borrowed, not closed */
    if (rc && !kq->failed)
      kq_fail(kq, "processing %s[%d]@%lld failed: %s", topic, (int)m->partition,
              (long long)m->offset, sl_strerror(rc));
  }
}

typedef struct gpart {
  const char *topic;
  int32_t partition;
  int64_t end; /* high watermark when the load began */
  bool done;
} gpart_t;

/* The partition count of topic as the global consumer sees it. */
static int global_partitions(sl_kquery_t *kq, const char *topic, sl_error_t *err) {
  rd_kafka_topic_t *rkt = rd_kafka_topic_new(kq->global, topic, NULL);
  const struct rd_kafka_metadata *md = NULL;
  rd_kafka_resp_err_t e = rd_kafka_metadata(kq->global, 0, rkt, &md, GLOBAL_META_MS);
  rd_kafka_topic_destroy(rkt);
  if (e)
    return sl_error_set(err, SL_EKAFKA, -1, "cannot read metadata of global topic %s: %s", topic,
                        rd_kafka_err2str(e));
  int n = md->topic_cnt == 1 && !md->topics[0].err ? md->topics[0].partition_cnt : 0;
  rd_kafka_resp_err_t te = md->topic_cnt == 1 ? md->topics[0].err : RD_KAFKA_RESP_ERR_NO_ERROR;
  rd_kafka_metadata_destroy(md);
  if (n <= 0)
    return sl_error_set(err, SL_EKAFKA, -1, "global topic %s has no partitions: %s", topic,
                        rd_kafka_err2str(te));
  return n;
}

/* Watermarks of a global partition; a topic created a moment ago may not
 * have a leader yet, so transient errors are retried for a while. */
static rd_kafka_resp_err_t global_watermarks(rd_kafka_t *rk, const char *topic, int32_t partition,
                                             int64_t *lo, int64_t *hi) {
  int64_t deadline = sl_monotonic_ns() + (int64_t)GLOBAL_META_MS * 3 * 1000000;
  for (;;) {
    rd_kafka_resp_err_t e =
        rd_kafka_query_watermark_offsets(rk, topic, partition, lo, hi, GLOBAL_META_MS);
    bool transient = e == RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION ||
                     e == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE ||
                     e == RD_KAFKA_RESP_ERR__TRANSPORT || e == RD_KAFKA_RESP_ERR__TIMED_OUT ||
                     e == RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT;
    if (!e || !transient || sl_monotonic_ns() > deadline) return e;
    usleep(100 * 1000);
  }
}

/* Reads every global topic from the beginning to its current end into every
 * task (sl_task_restore, no output), then leaves the global consumer
 * assigned there so that later records reach kq_drain. Records past the end
 * that arrive while other partitions are still loading are processed. */
static int global_load(sl_kquery_t *kq) {
  if (!kq->global || kq->failed) return 0;
  int64_t t0 = sl_monotonic_ns();
  rd_kafka_assign(kq->global, NULL);
  sl_error_t err;
  sl_error_clear(&err);
  int rc = 0, nsrc = sl_query_source_topic_count(kq->q);
  sl_ptrvec_t ps = {0};
  int left = 0;
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(8);
  for (int i = 0; i < nsrc && !rc; i++) {
    if (!sl_query_source_is_global(kq->q, i)) continue;
    const char *topic = sl_query_source_topic(kq->q, i);
    bool seen = false; /* a topic listed twice is read once */
    for (int j = 0; j < i; j++)
      seen = seen || (sl_query_source_is_global(kq->q, j) &&
                      !strcmp(sl_query_source_topic(kq->q, j), topic));
    if (seen) continue;
    int n = global_partitions(kq, topic, &err);
    if (n < 0) {
      rc = n;
      break;
    }
    for (int32_t p = 0; p < n; p++) {
      int64_t lo = 0, hi = 0;
      rd_kafka_resp_err_t e = global_watermarks(kq->global, topic, p, &lo, &hi);
      if (e) {
        rc = sl_error_set(&err, SL_EKAFKA, -1, "cannot read the end of global topic %s[%d]: %s",
                          topic, (int)p, rd_kafka_err2str(e));
        break;
      }
      gpart_t *g = sl_xcalloc(1, sizeof(*g));
      g->topic = topic;
      g->partition = p;
      g->end = hi;
      g->done = hi <= lo;
      if (!g->done) left++;
      sl_ptrvec_push(&ps, g);
      rd_kafka_topic_partition_list_add(l, topic, p)->offset = g->done ? hi : lo;
    }
  }
  if (!rc) {
    rd_kafka_resp_err_t e = rd_kafka_assign(kq->global, l);
    if (e)
      rc =
          sl_error_set(&err, SL_EKAFKA, -1, "cannot assign global topics: %s", rd_kafka_err2str(e));
  }
  rd_kafka_topic_partition_list_destroy(l);

  int64_t loaded = 0, last_progress = sl_monotonic_ns();
  while (!rc && left > 0 && !kq->failed) {
    rd_kafka_message_t *m = rd_kafka_consumer_poll(kq->global, 100);
    if (!m) {
      if (sl_monotonic_ns() - last_progress > (int64_t)GLOBAL_STALL_MS * 1000000)
        rc = sl_error_set(&err, SL_EKAFKA, -1,
                          "loading global topics made no progress for %d s (%d partitions left)",
                          GLOBAL_STALL_MS / 1000, left);
      continue;
    }
    last_progress = sl_monotonic_ns();
    const char *topic = m->rkt ? rd_kafka_topic_name(m->rkt) : "";
    gpart_t *g = NULL;
    for (int i = 0; i < ps.len && !g; i++) {
      gpart_t *x = ps.items[i];
      if (x->partition == m->partition && !strcmp(x->topic, topic)) g = x;
    }
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (g && !g->done) {
        g->done = true;
        left--;
      }
    } else if (m->err) {
      if (m->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
          m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
        rc = sl_error_set(&err, SL_EKAFKA, -1, "loading %s[%d]: %s", topic, (int)m->partition,
                          rd_kafka_message_errstr(m));
      else
        consumer_error(kq, kq->global, m, "global consumer");
    } else if (g && g->done) {
      process_global(kq, m); /* newer than the load: ordinary input */
    } else if (g) {
      sl_record_t rec;
      fill_record(kq, m, g->topic, &rec);
      for (int i = 0; i < kq->ntasks && !rc; i++) {
        if (!kq->tasks[i]) continue;
        int trc = sl_task_restore(kq->tasks[i]->task, &rec);
        if (trc)
          rc = sl_error_set(&err, trc, -1, "loading %s[%d]@%lld failed: %s", topic,
                            (int)m->partition, (long long)m->offset, sl_strerror(trc));
      }
      loaded++;
      if (m->offset + 1 >= g->end) {
        g->done = true;
        left--;
      }
    }
    rd_kafka_message_destroy(m);
  }
  for (int i = 0; i < ps.len; i++) free(ps.items[i]);
  sl_ptrvec_free(&ps);
  if (rc) {
    rd_kafka_assign(kq->global, NULL);
    kq_fail(kq, "cannot load global topics: %s", err.msg);
    return rc;
  }
  SL_INFO("query %s: loaded %lld global records into %d tasks in %lld ms", kq->id,
          (long long)loaded, kq->ntasks, (long long)((sl_monotonic_ns() - t0) / 1000000));
  return 0;
}

/* Places t's barrier: in p's ledger before the record at offset `at`, in
 * its other inputs' ledgers at the next record to process. */
static void open_barrier(ktask_t *t, kpart_t *p, int64_t at) {
  sl_kafka_span_t *head = NULL;
  for (int i = t->ninputs - 1; i >= 0; i--) {
    kpart_t *in = t->inputs[i];
    sl_kafka_span_t *s = sl_kafka_ledger_open(&in->ledger, in == p ? at : in->next);
    s->also = head;
    head = s;
  }
  if (!head) head = sl_kafka_ledger_open(&p->ledger, at); /* inputs not linked yet */
  t->barrier = head;
}

static void process_message(sl_kquery_t *kq, rd_kafka_message_t *m) {
  if (m->err) {
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return;
    char buf[512];
    if (rd_kafka_fatal_error(kq->consumer, buf, sizeof(buf)))
      kq_fail(kq, "consumer: %s", buf);
    else
      SL_WARN("query %s: consumer: %s", kq->id, rd_kafka_message_errstr(m));
    return;
  }
  const char *topic = rd_kafka_topic_name(m->rkt);
  kpart_t *p = kq->cur_part;
  if (!p || p->partition != m->partition || strcmp(p->topic, topic) != 0) {
    close_span(kq);
    p = find_part(kq, topic, m->partition);
    if (!p) return; /* no longer ours */
  }
  ktask_t *t = find_task(kq, m->partition);
  if (!t) return;
  /* Exactly-once commits offsets with the transaction: no ledger. */
  if (!kq->eos && kq->cache_bytes > 0 && !t->barrier) {
    close_span(kq);
    open_barrier(t, p, m->offset);
  }
  if (!kq->eos && !kq->cur) {
    kq->cur = sl_kafka_ledger_open(&p->ledger, m->offset + 1);
    if (t->barrier) {
      kq->cur->also = t->barrier;
      sl_kafka_span_hold(t->barrier); /* dropped when kq->cur is closed */
    }
  }
  kq->cur_part = p;
  if (kq->cur) kq->cur->end = m->offset + 1;
  if (p->start < 0) p->start = m->offset;
  p->next = m->offset + 1;

  sl_record_t rec;
  fill_record(kq, m, topic, &rec);
  kq->processed++;
  int rc = sl_task_process(t->task, &rec);
  if (rc && !kq->failed)
    kq_fail(kq, "processing %s[%d]@%lld failed: %s", topic, (int)m->partition, (long long)m->offset,
            sl_strerror(rc));
}

static void kq_drain(sl_kquery_t *kq) {
  int budget = DRAIN_BUDGET;
  while (!kq->failed && !kq->stopping) {
    if (rd_kafka_outq_len(kq->producer) >= OUTQ_HIGH) {
      kq->paused = true; /* on_delivery resumes us */
      break;
    }
    if (budget-- <= 0) {
      /* The queue is not empty, so librdkafka will not wake us again:
       * continue on the next loop iteration, after other queries' turns,
       * timers and I/O. (A zero-delay timer would not do: libuv 1.44 runs
       * a timer re-armed from its own callback again before anything else,
       * starving the commit tick.) */
      uv_idle_start(&kq->resume, on_resume);
      break;
    }
    /* Both consumers in turn, so neither starves the other. Polling the
     * main one may run a rebalance, which reloads the global topics. */
    rd_kafka_message_t *m = rd_kafka_consumer_poll(kq->consumer, 0);
    if (m && !buffer_message(kq, m)) {
      process_message(kq, m);
      rd_kafka_message_destroy(m);
    }
    rd_kafka_message_t *gm =
        kq->global && !kq->failed && !kq->stopping ? rd_kafka_consumer_poll(kq->global, 0) : NULL;
    if (gm) {
      process_global(kq, gm);
      rd_kafka_message_destroy(gm);
    }
    if (!m && !gm) {
      pump_all(kq); /* waits that may have run out */
      break;
    }
  }
  close_span(kq);
}

static void on_resume(uv_idle_t *h) {
  uv_idle_stop(h);
  kq_drain(h->data);
}

static void on_consumer_readable(uv_poll_t *h, int status, int events) {
  SL_UNUSED(status);
  SL_UNUSED(events);
  sl_kquery_t *kq = h->data;
  drain_pipe(kq->cpipe[0]);
  kq_drain(kq);
}

static void on_global_readable(uv_poll_t *h, int status, int events) {
  SL_UNUSED(status);
  SL_UNUSED(events);
  sl_kquery_t *kq = h->data;
  drain_pipe(kq->gpipe[0]);
  kq_drain(kq);
}

static void on_producer_readable(uv_poll_t *h, int status, int events) {
  SL_UNUSED(status);
  SL_UNUSED(events);
  sl_kquery_t *kq = h->data;
  drain_pipe(kq->ppipe[0]);
  rd_kafka_poll(kq->producer, 0);
}

/* Ends t's barrier (after the flush that wrote what it guarded). */
static void release_barrier(ktask_t *t) {
  if (!t->barrier) return;
  sl_kafka_span_close(t->barrier);
  t->barrier = NULL;
}

/* Writes what every task's record cache holds (before a commit that does
 * not come from the tick: revoke, stop). */
static void flush_tasks(sl_kquery_t *kq) {
  close_span(kq);
  for (int i = 0; i < kq->ntasks && !kq->failed; i++) {
    ktask_t *t = kq->tasks[i];
    if (!t) continue;
    kq->cur = t->barrier;
    int rc = sl_task_flush(t->task);
    kq->cur = NULL; /* borrowed, not closed */
    release_barrier(t);
    if (rc && !kq->failed) kq_fail(kq, "writing cached results failed: %s", sl_strerror(rc));
  }
}

/* After a burst (a backlog consumed, a restore, a large flush) glibc keeps
 * the freed memory of its arenas, including librdkafka's buffers, so the
 * process would stay at its peak size for ever. Once the query has been
 * quiet for half a second, give the free pages back (once per quiet spell). */
#define TRIM_QUIET_MS 500
static void trim_when_quiet(sl_kquery_t *kq) {
  int64_t now = mono_ms();
  if (kq->processed != kq->tick_processed || kq->quiet_since_ms == 0) {
    kq->tick_processed = kq->processed;
    kq->quiet_since_ms = now;
    kq->trimmed = false;
  } else if (!kq->trimmed && now - kq->quiet_since_ms >= TRIM_QUIET_MS) {
    malloc_trim(0);
    kq->trimmed = true;
  }
}

/* Punctuation (wall-clock work in tasks) and periodic commits. Output from
 * punctuation counts against every partition the task reads. */
static void on_tick(uv_timer_t *h) {
  sl_kquery_t *kq = h->data;
  if (kq->failed || kq->stopping) return;
  int64_t now = sl_now_ms();
  for (int i = 0; i < kq->ntasks && !kq->failed; i++) {
    ktask_t *t = kq->tasks[i];
    if (!t) continue;
    sl_kafka_span_t *chain = NULL;
    for (int j = 0; j < kq->parts.len && !kq->eos; j++) {
      kpart_t *p = kq->parts.items[j];
      if (p->partition != t->partition) continue;
      sl_kafka_span_t *s = sl_kafka_ledger_open(&p->ledger, p->next);
      s->also = chain;
      chain = s;
    }
    /* The barrier joins the chain: what punctuation and the flush write
     * comes from the records it guards. */
    if (chain && t->barrier) {
      sl_kafka_span_t *last = chain;
      while (last->also) last = last->also;
      last->also = t->barrier;
      sl_kafka_span_hold(t->barrier);
    }
    kq->cur = chain;
    int rc = sl_task_punctuate(t->task, now);
    if (!rc) rc = sl_task_flush(t->task);
    kq->cur = NULL;
    if (chain) sl_kafka_span_close(chain);
    release_barrier(t);
    if (rc && !kq->failed) kq_fail(kq, "punctuation failed: %s", sl_strerror(rc));
  }
  commit(kq, true);
  trim_when_quiet(kq);
  /* Polling the consumer now and then, records or not, is what tells
   * librdkafka the query is alive (max.poll.interval.ms); it also serves
   * rebalances while the input is quiet. */
  if (!kq->paused && !kq->failed) kq_drain(kq);
}

/* ---------------- life cycle ---------------- */

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
  sl_kquery_t *kq = opaque;
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char buf[512];
    rd_kafka_fatal_error(rk, buf, sizeof(buf));
    kq_fail(kq, "%s", buf);
    return;
  }
  if (err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
    SL_INFO("query %s: %s", kq->id, reason);
  else
    SL_WARN("query %s: %s", kq->id, reason);
}

static void start_on_worker(void *arg) {
  sl_kquery_t *kq = arg;
  uv_loop_t *loop = sl_kworker_loop(kq->w);
  uv_poll_init(loop, &kq->cpoll, kq->cpipe[0]);
  uv_poll_init(loop, &kq->ppoll, kq->ppipe[0]);
  uv_timer_init(loop, &kq->tick);
  uv_idle_init(loop, &kq->resume);
  uv_timer_init(loop, &kq->idle);
  kq->cpoll.data = kq->ppoll.data = kq->tick.data = kq->resume.data = kq->idle.data = kq;
  kq->open_handles = 5;
  if (kq->global) {
    uv_poll_init(loop, &kq->gpoll, kq->gpipe[0]);
    kq->gpoll.data = kq;
    kq->open_handles++;
    uv_poll_start(&kq->gpoll, UV_READABLE, on_global_readable);
  }
  uv_poll_start(&kq->cpoll, UV_READABLE, on_consumer_readable);
  uv_poll_start(&kq->ppoll, UV_READABLE, on_producer_readable);
  uint64_t iv = (uint64_t)kq->commit_interval_ms;
  uv_timer_start(&kq->tick, on_tick, iv, iv);
  kq_drain(kq);
}

static void free_clients(sl_kquery_t *kq) {
  if (kq->cq) {
    rd_kafka_queue_io_event_enable(kq->cq, -1, NULL, 0);
    rd_kafka_queue_destroy(kq->cq);
  }
  if (kq->pq) {
    rd_kafka_queue_io_event_enable(kq->pq, -1, NULL, 0);
    rd_kafka_queue_destroy(kq->pq);
  }
  if (kq->gq) {
    rd_kafka_queue_io_event_enable(kq->gq, -1, NULL, 0);
    rd_kafka_queue_destroy(kq->gq);
  }
  for (int i = 0; i < kq->out_topics.len; i++) rd_kafka_topic_destroy(kq->out_topics.items[i]);
  kq->out_topics.len = 0;
  if (kq->consumer) rd_kafka_destroy(kq->consumer);
  if (kq->global) rd_kafka_destroy(kq->global);
  if (kq->producer) rd_kafka_destroy(kq->producer);
  kq->cq = kq->pq = kq->gq = NULL;
  kq->consumer = kq->producer = kq->global = NULL;
  for (int i = 0; i < 2; i++) {
    if (kq->cpipe[i] >= 0) close(kq->cpipe[i]);
    if (kq->ppipe[i] >= 0) close(kq->ppipe[i]);
    if (kq->gpipe[i] >= 0) close(kq->gpipe[i]);
    kq->cpipe[i] = kq->ppipe[i] = kq->gpipe[i] = -1;
  }
}

static void on_handle_closed(uv_handle_t *h) {
  sl_kquery_t *kq = h->data;
  if (--kq->open_handles > 0) return;
  free_clients(kq);
  sl_kdone_signal(kq->stopped, 0);
}

static void stop_on_worker(void *arg) {
  sl_kquery_t *kq = arg;
  close_span(kq);
  kq->stopping = true;
  uv_poll_stop(&kq->cpoll);
  uv_timer_stop(&kq->tick);
  uv_timer_stop(&kq->idle);
  uv_idle_stop(&kq->resume);
  flush_tasks(kq);
  if (kq->eos) {
    commit_txn(kq, false);
    if (kq->in_txn) {
      /* Failed with a transaction open: abort it so that read_committed
       * readers do not wait for its timeout. */
      rd_kafka_error_t *e = rd_kafka_abort_transaction(kq->producer, 10000);
      if (e) rd_kafka_error_destroy(e);
      kq->in_txn = false;
    }
  } else {
    flush_outputs(kq);
    commit(kq, false);
  }
  /* Leaving the group runs the revoke callback, which frees the tasks. */
  rd_kafka_consumer_close(kq->consumer);
  free_assignment(kq);
  if (kq->global) {
    /* Never joined a group: unassigned, closing it does not wait. */
    uv_poll_stop(&kq->gpoll);
    rd_kafka_assign(kq->global, NULL);
    rd_kafka_consumer_close(kq->global);
    uv_close((uv_handle_t *)&kq->gpoll, on_handle_closed);
  }
  uv_poll_stop(&kq->ppoll);
  uv_close((uv_handle_t *)&kq->cpoll, on_handle_closed);
  uv_close((uv_handle_t *)&kq->ppoll, on_handle_closed);
  uv_close((uv_handle_t *)&kq->tick, on_handle_closed);
  uv_close((uv_handle_t *)&kq->resume, on_handle_closed);
  uv_close((uv_handle_t *)&kq->idle, on_handle_closed);
}

static void kq_free(sl_kquery_t *kq) {
  free_clients(kq);
  sl_ptrvec_free(&kq->parts);
  sl_ptrvec_free(&kq->out_topics);
  free(kq->tasks);
  free(kq->hbuf);
  free(kq->id);
  pthread_mutex_destroy(&kq->lock);
  free(kq);
}

/* A query setting, as the query was created, else the server's. */
static const char *query_prop(sl_kdriver_t *d, sl_query_t *q, const char *name) {
  const char *v = sl_query_property(q, name);
  if (!v) {
    char alias[256];
    snprintf(alias, sizeof(alias), "ksql.streams.%s", name);
    v = sl_query_property(q, alias);
  }
  return v ? v : sl_kprop(d, name);
}

static bool is_exactly_once(sl_kdriver_t *d, sl_query_t *q) {
  const char *v = query_prop(d, q, "processing.guarantee");
  return v && (sl_streq_ci(v, "exactly_once_v2") || sl_streq_ci(v, "exactly_once") ||
               sl_streq_ci(v, "exactly_once_beta"));
}

static int query_commit_interval(sl_kdriver_t *d, sl_query_t *q) {
  const char *v = query_prop(d, q, "commit.interval.ms");
  if (v) {
    char *end;
    long n = strtol(v, &end, 10);
    if (!*end && n > 0 && n <= 3600000) return (int)n;
    SL_WARN("query %s: ignoring commit.interval.ms=%s", sl_query_id(q), v);
  }
  return d->commit_interval_ms;
}

/* The record cache of each task: cache.max.bytes.buffering (or Kafka
 * Streams' newer statestore.cache.max.bytes), 10,000,000 by default as in
 * ksqlDB. */
static int64_t query_cache_bytes(sl_kdriver_t *d, sl_query_t *q) {
  const char *v = query_prop(d, q, "cache.max.bytes.buffering");
  if (!v) v = query_prop(d, q, "statestore.cache.max.bytes");
  long long n = 10000000;
  if (v) {
    char *end;
    n = strtoll(v, &end, 10);
    if (*end || n < 0) {
      SL_WARN("query %s: ignoring cache.max.bytes.buffering=%s", sl_query_id(q), v);
      n = 10000000;
    }
  }
  return n;
}

static int64_t query_max_idle(sl_kdriver_t *d, sl_query_t *q) {
  const char *v = query_prop(d, q, "max.task.idle.ms");
  if (v) {
    char *end;
    long long n = strtoll(v, &end, 10);
    if (!*end && n >= 0 && n <= 86400000LL) return n;
    SL_WARN("query %s: ignoring max.task.idle.ms=%s", sl_query_id(q), v);
  }
  return 0;
}

/* Sets a consumer property unless the user set it (plainly, for consumers,
 * or through the ksql.streams. alias): theirs wins over our default. */
static int consumer_default(sl_kdriver_t *d, rd_kafka_conf_t *cc, const char *name,
                            const char *value, sl_error_t *err) {
  char prefixed[256];
  snprintf(prefixed, sizeof(prefixed), "consumer.%s", name);
  if (sl_kprop(d, name) || sl_kprop(d, prefixed)) return 0;
  return sl_kconf_set(cc, name, value, err);
}

static int make_pipe(int fds[2], sl_error_t *err) {
  if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0)
    return sl_error_set(err, SL_EIO, -1, "pipe: %s", strerror(errno));
  return 0;
}

int sl_kquery_start(sl_kdriver_t *d, sl_query_t *q, bool from_beginning, sl_kquery_t **out,
                    sl_error_t *err) {
  sl_kquery_t *kq = sl_xcalloc(1, sizeof(*kq));
  kq->d = d;
  kq->q = q;
  kq->id = sl_strdup(sl_query_id(q));
  kq->cpipe[0] = kq->cpipe[1] = kq->ppipe[0] = kq->ppipe[1] = -1;
  kq->gpipe[0] = kq->gpipe[1] = -1;
  pthread_mutex_init(&kq->lock, NULL);
  sl_kafka_group_id(d->service_id, kq->id, kq->group, sizeof(kq->group));
  kq->eos = is_exactly_once(d, q);
  kq->commit_interval_ms = query_commit_interval(d, q);
  kq->max_idle_ms = query_max_idle(d, q);
  kq->cache_bytes = query_cache_bytes(d, q);
  char client_id[600], errstr[512];
  int rc = make_pipe(kq->cpipe, err);
  if (!rc) rc = make_pipe(kq->ppipe, err);

  /* Output: idempotent, murmur2 like the Java client so keys land on the
   * partitions ksqlDB would choose. */
  rd_kafka_conf_t *pc = rc ? NULL : sl_kconf_new(d, SL_KROLE_PRODUCER);
  if (pc) {
    snprintf(client_id, sizeof(client_id), "%s-producer", kq->group);
    rc = sl_kconf_set(pc, "client.id", client_id, err);
    if (!rc) rc = sl_kconf_set(pc, "enable.idempotence", "true", err);
    if (!rc) rc = sl_kconf_set(pc, "partitioner", "murmur2_random", err);
    if (!rc && !sl_kprop(d, "linger.ms") && !sl_kprop(d, "producer.linger.ms"))
      rc = sl_kconf_set(pc, "linger.ms", "5", err);
    if (!rc) rc = sl_kconf_set(pc, "queue.buffering.max.messages", "500000", err);
    if (!rc && kq->eos) {
      /* Stable across restarts, so a restarted sluice fences the crashed
       * one and its open transaction is aborted at once. One producer per
       * query on each server: the group id identifies it. */
      snprintf(client_id, sizeof(client_id), "%s-tx", kq->group);
      rc = sl_kconf_set(pc, "transactional.id", client_id, err);
      /* A crashed transaction blocks read_committed readers until it times
       * out (if no restart aborts it first): keep that short, as Kafka
       * Streams does under exactly-once. */
      if (!rc && !sl_kprop(d, "transaction.timeout.ms") &&
          !sl_kprop(d, "producer.transaction.timeout.ms"))
        rc = sl_kconf_set(pc, "transaction.timeout.ms", "10000", err);
    }
    if (!rc) {
      rd_kafka_conf_set_opaque(pc, kq);
      rd_kafka_conf_set_dr_msg_cb(pc, on_delivery);
      rd_kafka_conf_set_error_cb(pc, on_error);
      kq->producer = rd_kafka_new(RD_KAFKA_PRODUCER, pc, errstr, sizeof(errstr));
      if (!kq->producer) rc = sl_error_set(err, SL_EKAFKA, -1, "producer: %s", errstr);
    }
    if (!kq->producer) rd_kafka_conf_destroy(pc);
  }
  /* The output topics' handles now rather than at the first record: their
   * metadata is fetched while the query starts, so the first output does
   * not wait for it. produceva finds them by name. */
  for (int i = -1; kq->producer && i < sl_query_changelog_count(q); i++) {
    const char *t = i < 0 ? sl_query_sink_topic(q) : sl_query_changelog_topic(q, i);
    rd_kafka_topic_t *rkt = t ? rd_kafka_topic_new(kq->producer, t, NULL) : NULL;
    if (rkt) sl_ptrvec_push(&kq->out_topics, rkt);
  }

  rd_kafka_conf_t *cc = rc ? NULL : sl_kconf_new(d, SL_KROLE_CONSUMER);
  if (cc) {
    snprintf(client_id, sizeof(client_id), "%s-consumer", kq->group);
    rc = sl_kconf_set(cc, "client.id", client_id, err);
    if (!rc) rc = sl_kconf_set(cc, "group.id", kq->group, err);
    if (!rc) rc = sl_kconf_set(cc, "enable.auto.commit", "false", err);
    if (!rc) rc = sl_kconf_set(cc, "enable.auto.offset.store", "false", err);
    if (!rc)
      rc = sl_kconf_set(cc, "auto.offset.reset", from_beginning ? "earliest" : "latest", err);
    /* A member that died (kill -9) holds its partitions until its session
     * times out, and a restarted sluice waits that long: with no GC pauses
     * to ride out, 10 s is plenty (Kafka's default is 45 s). */
    if (!rc) rc = consumer_default(d, cc, "session.timeout.ms", "10000", err);
    /* librdkafka 2.0 stops fetching a partition once its local queue holds
     * queued.min.messages (100000 by default) and looks again only about a
     * second later, which halved a one-partition passthrough's throughput.
     * Let it buffer more, bounded in bytes by queued.max.messages.kbytes. */
    if (!rc) rc = consumer_default(d, cc, "queued.min.messages", "1000000", err);
    if (!rc) rc = consumer_default(d, cc, "queued.max.messages.kbytes", "262144", err);
    /* Eager assignment: the rebalance callback revokes everything at once. */
    if (!rc) rc = sl_kconf_set(cc, "partition.assignment.strategy", "range,roundrobin", err);
    /* The end of a partition tells a task reading several partitions that
     * it need not wait for that one (time order, see pump_task). */
    if (!rc) rc = sl_kconf_set(cc, "enable.partition.eof", "true", err);
    if (!rc && kq->eos) rc = sl_kconf_set(cc, "isolation.level", "read_committed", err);
    if (!rc) {
      rd_kafka_conf_set_opaque(cc, kq);
      rd_kafka_conf_set_rebalance_cb(cc, on_rebalance);
      rd_kafka_conf_set_offset_commit_cb(cc, on_commit);
      rd_kafka_conf_set_error_cb(cc, on_error);
      kq->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cc, errstr, sizeof(errstr));
      if (!kq->consumer) rc = sl_error_set(err, SL_EKAFKA, -1, "consumer: %s", errstr);
    }
    if (!kq->consumer) rd_kafka_conf_destroy(cc);
  }
  bool has_global = false;
  for (int i = 0; i < sl_query_source_topic_count(q); i++)
    has_global = has_global || sl_query_source_is_global(q, i);
  if (!rc && has_global) rc = make_pipe(kq->gpipe, err);
  rd_kafka_conf_t *gc = rc || !has_global ? NULL : sl_kconf_new(d, SL_KROLE_CONSUMER);
  if (gc) {
    /* librdkafka wants a group id for assign(); this one is never joined
     * and nothing is committed to it. */
    char ggroup[600];
    snprintf(client_id, sizeof(client_id), "%s-global-consumer", kq->group);
    snprintf(ggroup, sizeof(ggroup), "%s-global", kq->group);
    rc = sl_kconf_set(gc, "client.id", client_id, err);
    if (!rc) rc = sl_kconf_set(gc, "group.id", ggroup, err);
    if (!rc) rc = sl_kconf_set(gc, "enable.auto.commit", "false", err);
    if (!rc) rc = sl_kconf_set(gc, "enable.auto.offset.store", "false", err);
    if (!rc) rc = sl_kconf_set(gc, "enable.partition.eof", "true", err);
    if (!rc) rc = sl_kconf_set(gc, "auto.offset.reset", "earliest", err);
    /* The end of a partition shows as an empty fetch: do not let the
     * broker hold it for half a second while loading. */
    if (!rc) rc = sl_kconf_set(gc, "fetch.wait.max.ms", "100", err);
    if (!rc) {
      rd_kafka_conf_set_opaque(gc, kq);
      rd_kafka_conf_set_error_cb(gc, on_error);
      kq->global = rd_kafka_new(RD_KAFKA_CONSUMER, gc, errstr, sizeof(errstr));
      if (!kq->global) rc = sl_error_set(err, SL_EKAFKA, -1, "global consumer: %s", errstr);
    }
    if (!kq->global) rd_kafka_conf_destroy(gc);
  }
  if (rc) {
    kq_free(kq);
    return rc;
  }

  if (kq->eos) {
    /* Before anything is read: this aborts whatever transaction a crashed
     * predecessor left open, so the changelogs' committed end is known. */
    rd_kafka_error_t *e = rd_kafka_init_transactions(kq->producer, TXN_TIMEOUT_MS);
    if (e) {
      rc = sl_error_set(err, SL_EKAFKA, -1, "query %s: cannot initialise transactions: %s", kq->id,
                        rd_kafka_error_string(e));
      rd_kafka_error_destroy(e);
      kq_free(kq);
      return rc;
    }
  }

  rd_kafka_poll_set_consumer(kq->consumer);
  kq->cq = rd_kafka_queue_get_consumer(kq->consumer);
  kq->pq = rd_kafka_queue_get_main(kq->producer);
  rd_kafka_queue_io_event_enable(kq->cq, kq->cpipe[1], "1", 1);
  rd_kafka_queue_io_event_enable(kq->pq, kq->ppipe[1], "1", 1);
  if (kq->global) {
    rd_kafka_poll_set_consumer(kq->global);
    kq->gq = rd_kafka_queue_get_consumer(kq->global);
    rd_kafka_queue_io_event_enable(kq->gq, kq->gpipe[1], "1", 1);
  }

  int n = sl_query_source_topic_count(q);
  rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(n > 0 ? n : 1);
  for (int i = 0; i < n; i++)
    if (!sl_query_source_is_global(q, i)) /* global_load reads those */
      rd_kafka_topic_partition_list_add(topics, sl_query_source_topic(q, i), RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t e = rd_kafka_subscribe(kq->consumer, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (e) {
    rc = sl_error_set(err, SL_EKAFKA, -1, "query %s: cannot subscribe: %s", kq->id,
                      rd_kafka_err2str(e));
    kq_free(kq);
    return rc;
  }
  kq->w = sl_kworker_pick(d);
  sl_kworker_load(kq->w, 1);
  sl_kworker_post(kq->w, start_on_worker, kq);
  SL_INFO("query %s started (group %s, %s, %s)", kq->id, kq->group,
          from_beginning ? "earliest" : "latest", kq->eos ? "exactly-once" : "at-least-once");
  *out = kq;
  return 0;
}

void sl_kquery_stop(sl_kquery_t *kq) {
  sl_kdone_t done;
  sl_kdone_init(&done);
  kq->stopped = &done;
  sl_kworker_post(kq->w, stop_on_worker, kq);
  sl_kdone_wait(&done);
  sl_kdone_destroy(&done);
  sl_kworker_load(kq->w, -1);
  SL_INFO("query %s stopped", kq->id);
  kq_free(kq);
}
