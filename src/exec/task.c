/*
 * task.c - a task is one running instance of a query's operators for one
 * input partition. It builds the operator tree from the plan, routes each
 * input record to the source operator of its topic and resets the per-record
 * arena afterwards, so nothing allocated while processing a record outlives it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"

static sl_operator_t *build(sl_task_t *t, const sl_pnode_t *n, sl_operator_t *parent, int port) {
  sl_operator_t *op = sl_xcalloc(1, sizeof *op);
  op->node = n;
  op->parent = parent;
  op->parent_port = port;
  op->task = t;
  sl_ptrvec_push(&t->ops, op);
  switch (n->kind) {
    case SL_PN_SOURCE: sl_exec_source_init(op); break;
    case SL_PN_FILTER: sl_exec_filter_init(op); break;
    case SL_PN_PROJECT: sl_exec_project_init(op); break;
    case SL_PN_SINK: sl_exec_sink_init(op); break;
    case SL_PN_GROUPBY: sl_exec_groupby_init(op); break;
    case SL_PN_AGGREGATE: sl_exec_aggregate_init(op); break;
    case SL_PN_JOIN: sl_exec_join_init(op); break;
  }
  if (n->input) build(t, n->input, op, 0);
  if (n->kind == SL_PN_JOIN && n->input2) build(t, n->input2, op, 1);
  return op;
}

int sl_task_new(sl_query_t *q, int partition, const sl_task_io_t *io, sl_task_t **out,
                sl_error_t *err) {
  (void)err;
  sl_task_t *t = sl_xcalloc(1, sizeof *t);
  t->q = q;
  t->partition = partition;
  t->io = *io;
  if (!t->io.plog) {
    t->io.plog = q->plog ? q->plog : sl_plog_default;
    t->io.plog_ctx = q->plog ? q->plog_ctx : NULL;
  }
  sl_arena_init(&t->batch, 16384);
  const char *idle = sl_query_property(q, "sluice.stream.time.idle.ms");
  t->idle_ms = idle ? atoll(idle) : 0;
  t->max_event_ts = INT64_MIN;
  sl_buf_init(&t->kbuf);
  sl_buf_init(&t->vbuf);
  build(t, q->plan->root, NULL, 0);
  for (int i = 0; i < q->plan->npre; i++) build(t, q->plan->pre_roots[i], NULL, 0);
  /* Index source operators in the order of plan->sources. */
  for (int i = 0; i < q->plan->nsources; i++) {
    for (int j = 0; j < t->ops.len; j++) {
      sl_operator_t *op = t->ops.items[j];
      if (op->node == q->plan->sources[i]) sl_ptrvec_push(&t->sources, op);
    }
  }
  *out = t;
  return 0;
}

/* Remembers the consumer position of rec's partition in the query (what
 * DESCRIBE EXTENDED and EXPLAIN report). The task caches the entry it used
 * last, so the common case is one comparison and one atomic store. */
static void note_offset(sl_task_t *t, const char *topic, const sl_record_t *rec) {
  sl_query_t *q = t->q;
  sl_query_offset_t *e = t->last_off;
  if (!e || e->topic != topic || e->partition != rec->partition) {
    e = NULL;
    pthread_mutex_lock(&q->off_mu);
    for (int i = 0; i < q->noffs && !e; i++)
      if (q->offs[i].topic == topic && q->offs[i].partition == rec->partition) e = &q->offs[i];
    if (!e && q->noffs < SL_QUERY_MAX_OFFSETS) {
      if (!q->offs) q->offs = sl_xcalloc(SL_QUERY_MAX_OFFSETS, sizeof(*q->offs));
      e = &q->offs[q->noffs];
      e->topic = topic;
      e->partition = rec->partition;
      __atomic_store_n(&q->noffs, q->noffs + 1, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&q->off_mu);
    t->last_off = e;
    if (!e) return;
  }
  __atomic_store_n(&e->next, rec->offset + 1, __ATOMIC_RELAXED);
}

void sl_query_offsets(sl_query_t *q,
                      void (*fn)(void *ctx, const char *topic, int32_t partition, int64_t next),
                      void *ctx) {
  pthread_mutex_lock(&q->off_mu);
  for (int i = 0; i < q->noffs; i++)
    fn(ctx, q->offs[i].topic, q->offs[i].partition,
       __atomic_load_n(&q->offs[i].next, __ATOMIC_RELAXED));
  pthread_mutex_unlock(&q->off_mu);
}

int sl_task_process(sl_task_t *t, const sl_record_t *rec) {
  int rc = 0;
  t->cur = rec;
  __atomic_fetch_add(&t->q->n_in, 1, __ATOMIC_RELAXED);
  if (t->idle_ms > 0) {
    t->last_input_wall = sl_now_ms();
    if (rec->timestamp > t->max_event_ts) t->max_event_ts = rec->timestamp;
  }
  for (int i = 0; i < t->sources.len; i++) {
    sl_operator_t *op = t->sources.items[i];
    if (rec->topic && strcmp(op->node->topic, rec->topic) != 0) continue;
    if (rec->offset >= 0 && !op->node->global) note_offset(t, op->node->topic, rec);
    rc = sl_exec_source_record(op, rec);
    if (rc) break;
  }
  t->cur = NULL;
  sl_arena_reset(&t->batch);
  return rc;
}

int sl_task_punctuate(sl_task_t *t, int64_t now_ms) {
  int rc = 0;
  /* Only with sluice.stream.time.idle.ms: once no record came for that long,
   * stream time runs on with the wall clock from the last record's time. */
  if (t->idle_ms <= 0 || t->last_input_wall == 0 || t->max_event_ts == INT64_MIN) return 0;
  int64_t idle_for = now_ms - t->last_input_wall;
  if (idle_for < t->idle_ms) return 0;
  now_ms = t->max_event_ts + idle_for;
  for (int i = 0; i < t->ops.len && rc == 0; i++) {
    sl_operator_t *op = t->ops.items[i];
    if (op->node->kind == SL_PN_AGGREGATE) rc = sl_exec_aggregate_punctuate(op, now_ms);
    if (op->node->kind == SL_PN_JOIN) rc = sl_exec_join_punctuate(op, now_ms);
  }
  sl_arena_reset(&t->batch);
  return rc;
}

void sl_task_set_cache(sl_task_t *t, int64_t max_bytes) {
  t->cache_max = max_bytes > 0 ? max_bytes : 0;
}

int sl_task_flush(sl_task_t *t) {
  int rc = 0;
  for (int i = 0; i < t->ops.len && rc == 0; i++) {
    sl_operator_t *op = t->ops.items[i];
    if (op->node->kind == SL_PN_AGGREGATE) rc = sl_exec_aggregate_flush(op);
  }
  sl_arena_reset(&t->batch);
  return rc;
}

void sl_task_free(sl_task_t *t) {
  if (!t) return;
  for (int i = 0; i < t->ops.len; i++) {
    sl_operator_t *op = t->ops.items[i];
    if (op->end) op->end(op);
    free(op);
  }
  sl_ptrvec_free(&t->ops);
  sl_ptrvec_free(&t->sources);
  sl_buf_free(&t->kbuf);
  sl_buf_free(&t->vbuf);
  sl_arena_free(&t->batch);
  free(t);
}

void sl_exec_plog(sl_task_t *t, const char *kind, const char *fmt, ...) {
  __atomic_fetch_add(&t->q->n_err, 1, __ATOMIC_RELAXED);
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  sl_plog_entry_t e = {
      .query_id = t->q->id,
      .kind = kind,
      .message = msg,
      .topic = t->cur ? t->cur->topic : NULL,
      .partition = t->cur ? t->cur->partition : t->partition,
      .offset = t->cur ? t->cur->offset : -1,
  };
  t->io.plog(t->io.plog_ctx, &e);
}

void sl_exec_fail(sl_task_t *t, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(t->failure, sizeof t->failure, fmt, ap);
  va_end(ap);
  sl_exec_plog(t, "RECORD_PROCESSING_ERROR", "%s", t->failure);
}

const char *sl_task_failure(const sl_task_t *t) {
  return t->failure[0] ? t->failure : NULL;
}

int sl_exec_forward(sl_operator_t *op, sl_row_t *row) {
  if (!op->parent) return 0;
  row->port = op->parent_port;
  return op->parent->push(op->parent, row);
}

/* ---- queries as drivers see them ---- */

const char *sl_query_id(const sl_query_t *q) {
  return q->id;
}

int sl_query_source_topic_count(const sl_query_t *q) {
  return q->plan->nsources;
}

const char *sl_query_source_topic(const sl_query_t *q, int i) {
  return q->plan->sources[i]->topic;
}

const char *sl_query_sink_topic(const sl_query_t *q) {
  return q->sink_topic;
}

int sl_query_partition_count(const sl_query_t *q) {
  return q->partitions;
}

bool sl_query_source_is_global(const sl_query_t *q, int i) {
  return q->plan->sources[i]->global;
}

static bool tree_has(const sl_pnode_t *n, const sl_pnode_t *want) {
  if (!n) return false;
  if (n == want) return true;
  return tree_has(n->input, want) || (n->kind == SL_PN_JOIN && tree_has(n->input2, want));
}

int sl_query_source_lane(const sl_query_t *q, int i) {
  const sl_pnode_t *src = q->plan->sources[i];
  for (int k = 0; k < q->plan->npre; k++)
    if (tree_has(q->plan->pre_roots[k], src)) return k + 1;
  return 0;
}

int sl_query_changelog_count(const sl_query_t *q) {
  return q->plan->nchangelog;
}

const char *sl_query_changelog_topic(const sl_query_t *q, int i) {
  return q->plan->changelog_topics[i];
}

const char *sl_query_property(const sl_query_t *q, const char *name) {
  return q->props ? sl_map_get(q->props, name) : NULL;
}

int sl_task_restore(sl_task_t *t, const sl_record_t *rec) {
  int rc = 0;
  /* Restored state counts as activity: the idle clock starts now, from the
   * newest event time the stores hold (operators raise max_event_ts). */
  if (t->idle_ms > 0) t->last_input_wall = sl_now_ms();
  /* A record of a global source topic goes through the source's operators
   * with the task quiet: the join stores it and emits nothing. */
  for (int i = 0; i < t->sources.len && rec->topic; i++) {
    sl_operator_t *op = t->sources.items[i];
    if (!op->node->global || strcmp(op->node->topic, rec->topic) != 0) continue;
    t->quiet = true;
    t->cur = rec;
    rc = sl_exec_source_record(op, rec);
    t->cur = NULL;
    t->quiet = false;
    sl_arena_reset(&t->batch);
    return rc;
  }
  for (int i = 0; i < t->ops.len && rc == 0; i++) {
    sl_operator_t *op = t->ops.items[i];
    const sl_pnode_t *n = op->node;
    if (op->restore && rec->topic &&
        ((n->changelog_topic && !strcmp(n->changelog_topic, rec->topic)) ||
         (n->changelog_topic2 && !strcmp(n->changelog_topic2, rec->topic))))
      rc = op->restore(op, rec);
  }
  sl_arena_reset(&t->batch);
  return rc;
}

int sl_exec_changelog(sl_operator_t *op, const char *key, size_t klen, const char *value,
                      size_t vlen) {
  return sl_exec_changelog_to(op, op->node->changelog_topic, key, klen, value, vlen);
}

int sl_exec_changelog_to(sl_operator_t *op, const char *topic, const char *key, size_t klen,
                         const char *value, size_t vlen) {
  sl_task_t *t = op->task;
  if (!topic || !t->io.emit) return 0;
  sl_record_t rec = {.topic = topic,
                     .partition = t->partition,
                     .offset = -1,
                     .timestamp = sl_now_ms(),
                     .key = key,
                     .key_len = klen,
                     .value = value,
                     .value_len = value ? vlen : 0};
  return t->io.emit(t->io.emit_ctx, &rec);
}
