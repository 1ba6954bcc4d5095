/*
 * sink.c - the sink operator: encodes a row's key columns and value columns
 * with the sink's formats and hands the record to the task's emit callback
 * (the topic driver). A row that cannot be serialized goes to the processing
 * log. The record timestamp is the row time unless the sink names a
 * TIMESTAMP column.
 */
#include <time.h>

#include "exec.h"
#include "sluice/serde.h"

/* Wall clock in ms from the kernel's coarse clock (a few ms of resolution):
 * the query's last-output time is read by people, and the precise clock
 * costs more per record than the rest of this bookkeeping. */
static int64_t coarse_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int sink_push(sl_operator_t *op, sl_row_t *row) {
  const sl_pnode_t *n = op->node;
  sl_task_t *t = op->task;
  if (n->transient) return t->q->row_cb ? t->q->row_cb(t->q->row_ctx, row) : 0;
  sl_error_t err;
  sl_error_clear(&err);
  sl_buf_reset(&t->kbuf);
  sl_buf_reset(&t->vbuf);
  bool null_key = n->sink_nkey == 0;
  if (n->sink_nkey == 1) {
    null_key = sl_is_null(&row->v[0]);
  } else if (n->sink_nkey > 1 && row->null_key) {
    /* A null key that passed through stays null; computed keys of NULLs do not. */
    null_key = true;
    for (int i = 0; i < n->sink_nkey; i++) null_key &= sl_is_null(&row->v[i]);
  }
  if (!null_key && sl_serde_encode(n->sink_key_serde, row->v, &t->kbuf, &err) != 0) {
    sl_exec_plog(t, "SERIALIZATION_ERROR", "Error serializing key to topic %s: %s", n->sink_topic,
                 err.msg);
    return 0;
  }
  if (!row->tombstone &&
      sl_serde_encode(n->sink_value_serde, row->v + n->sink_nkey, &t->vbuf, &err) != 0) {
    sl_exec_plog(t, "SERIALIZATION_ERROR", "Error serializing value to topic %s: %s", n->sink_topic,
                 err.msg);
    return 0;
  }
  const void *key = t->kbuf.data ? t->kbuf.data : "";
  size_t key_len = t->kbuf.len;
  sl_buf_t wk;
  sl_buf_init(&wk);
  if (n->window_type != SL_WIN_NONE && row->windowed && !null_key) {
    sl_window_key_encode(key, key_len, n->window_type == SL_WIN_SESSION, row->wstart, row->wend,
                         &wk);
    key = wk.data;
    key_len = wk.len;
  }
  sl_header_t retract = {.key = "sluice.retract", .value = "1", .len = 1};
  int64_t ts = row->ts;
  if (n->sink_ts_slot >= 0 && !row->tombstone) {
    const sl_value_t *tv = &row->v[n->sink_ts_slot];
    if (sl_is_null(tv) ||
        sl_exec_timestamp_of(tv, n->sink_ts_type, n->sink_ts_format, &ts, &err) != 0) {
      sl_exec_plog(t, "RECORD_PROCESSING_ERROR", "Failed to extract timestamp for sink %s: %s",
                   n->sink_topic, err.code ? err.msg : "value is null");
      sl_buf_free(&wk);
      return 0;
    }
  }
  if (ts < 0) {
    sl_exec_plog(t, "RECORD_PROCESSING_ERROR",
                 "Record timestamp %lld for sink %s is negative: record dropped", (long long)ts,
                 n->sink_topic);
    sl_buf_free(&wk);
    return 0;
  }
  sl_record_t rec = {
      .topic = n->sink_topic,
      .partition = -1,
      .offset = -1,
      .timestamp = ts,
      .key = null_key ? NULL : key,
      .key_len = null_key ? 0 : key_len,
      .value = row->tombstone ? NULL : (t->vbuf.data ? t->vbuf.data : ""),
      .value_len = row->tombstone ? 0 : t->vbuf.len,
  };
  sl_header_t marks[2] = {retract, {.key = "sluice.quiet", .value = "1", .len = 1}};
  if (n->internal && row->retract) {
    rec.headers = marks;
    rec.nheaders = row->quiet ? 2 : 1;
  }
  int rc = t->io.emit(t->io.emit_ctx, &rec);
  if (!n->internal) {
    __atomic_fetch_add(&t->q->n_out, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&t->q->last_in_ms, coarse_now_ms(), __ATOMIC_RELAXED);
  }
  sl_buf_free(&wk);
  return rc;
}

void sl_exec_sink_init(sl_operator_t *op) {
  op->push = sink_push;
}
