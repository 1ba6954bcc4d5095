/*
 * source.c - the source operator: turns one Kafka record into a row. It
 * decodes the key and value columns through the source's serdes, copies
 * header columns, extracts the row time and fills the pseudo columns. A record
 * that cannot be decoded goes to the processing log and is dropped; the query
 * goes on. A null value becomes a tombstone row (key columns set, value
 * columns NULL): tables treat it as a delete; on streams it passes through
 * projections as a null value and is dropped by filters, as in ksqlDB.
 * Value columns no operator of the query reads (node->value_used, see
 * sl_plan_mark_used) are checked by the serde but not built: they hold NULL.
 */
#include <string.h>

#include "exec.h"
#include "sluice/expr.h"
#include "sluice/serde.h"

void sl_exec_source_init(sl_operator_t *op) {
  (void)op;
}

static void fill_headers(const sl_pnode_t *n, const sl_record_t *rec, sl_arena_t *a,
                         sl_value_t *v) {
  for (int i = 0; i < n->header_slots_n; i++) {
    int slot = n->header_slots[i];
    const sl_column_t *c = &n->schema->cols[slot];
    if (c->ns == SL_NS_HEADER) {
      v[slot] = sl_null();
      /* The last header with the key wins, as in ksqlDB. */
      for (int h = rec->nheaders - 1; h >= 0; h--) {
        if (strcmp(rec->headers[h].key, c->header_key) == 0) {
          if (rec->headers[h].value) {
            void *p = sl_arena_memdup(a, rec->headers[h].value, rec->headers[h].len);
            v[slot] = sl_val_bytes(p, (uint32_t)rec->headers[h].len);
          }
          break;
        }
      }
    } else {
      /* HEADERS: ARRAY<STRUCT<KEY STRING, VALUE BYTES>> */
      const sl_type_t *st = c->type->elem;
      sl_value_t *items = sl_arena_alloc(a, sizeof(sl_value_t) * (size_t)(rec->nheaders + 1));
      for (int h = 0; h < rec->nheaders; h++) {
        sl_value_t *f = sl_arena_alloc(a, sizeof(sl_value_t) * 2);
        f[0] = sl_val_cstring(sl_arena_strdup(a, rec->headers[h].key));
        f[1] = rec->headers[h].value
                   ? sl_val_bytes(sl_arena_memdup(a, rec->headers[h].value, rec->headers[h].len),
                                  (uint32_t)rec->headers[h].len)
                   : sl_null();
        items[h].kind = SL_T_STRUCT;
        items[h].u.st.fields = f;
        items[h].u.st.type = st;
      }
      v[slot].kind = SL_T_ARRAY;
      v[slot].u.arr.items = items;
      v[slot].u.arr.n = (uint32_t)rec->nheaders;
    }
  }
}

int sl_exec_source_record(sl_operator_t *op, const sl_record_t *rec) {
  const sl_pnode_t *n = op->node;
  sl_task_t *t = op->task;
  sl_arena_t *a = &t->batch;
  sl_value_t *v = sl_arena_alloc(a, sizeof(sl_value_t) * (size_t)n->nslots);
  for (int i = 0; i < n->nslots; i++) v[i] = sl_null();
  sl_value_t *kv = sl_arena_alloc(a, sizeof(sl_value_t) * (size_t)(n->nkey + n->nvalue + 1));
  sl_error_t err;
  sl_error_clear(&err);

  int64_t wstart = 0, wend = 0;
  if (n->nkey > 0 && rec->key) {
    const void *kp = rec->key;
    size_t klen = rec->key_len;
    if (n->window_type != SL_WIN_NONE) {
      size_t inner;
      if (sl_window_key_decode(rec->key, rec->key_len, n->window_type == SL_WIN_SESSION, &inner,
                               &wstart, &wend) != 0) {
        sl_exec_plog(t, "DESERIALIZATION_ERROR",
                     "Failed to deserialize key from topic: %s. "
                     "Windowed key is too short",
                     n->topic);
        return 0;
      }
      klen = inner;
      if (n->window_type != SL_WIN_SESSION) wend = wstart + n->window_size_ms;
    }
    if (sl_serde_decode(n->key_serde, kp, klen, a, kv, &err) != 0) {
      sl_exec_plog(t, "DESERIALIZATION_ERROR", "Failed to deserialize key from topic: %s. %s",
                   n->topic, err.msg);
      return 0;
    }
    for (int i = 0; i < n->nkey; i++) v[n->key_slots[i]] = kv[i];
  } else if (n->nkey > 0 && n->is_table) {
    /* Tables ignore records with a null key. */
    return 0;
  }

  bool tombstone = false;
  if (!rec->value) {
    tombstone = true;
  } else if (n->nvalue > 0 || rec->value_len > 0) {
    sl_error_clear(&err);
    if (sl_serde_decode_some(n->value_serde, rec->value, rec->value_len, n->value_used, a, kv,
                             &err) != 0) {
      sl_exec_plog(t, "DESERIALIZATION_ERROR", "Failed to deserialize value from topic: %s. %s",
                   n->topic, err.msg);
      return 0;
    }
    for (int i = 0; i < n->nvalue; i++) v[n->value_slots[i]] = kv[i];
  }
  if (n->header_slots_n) fill_headers(n, rec, a, v);

  int64_t ts = rec->timestamp;
  if (n->ts.slot >= 0 && !tombstone) {
    sl_error_clear(&err);
    if (sl_is_null(&v[n->ts.slot]) ||
        sl_exec_timestamp_of(&v[n->ts.slot], n->ts.type, n->ts.format, &ts, &err) != 0) {
      sl_exec_plog(t, "RECORD_PROCESSING_ERROR", "Failed to extract timestamp from column %s: %s",
                   n->schema->cols[n->ts.slot].name, err.code ? err.msg : "value is null");
      const char *thr = sl_query_property(t->q, "ksql.timestamp.throw.on.invalid");
      if (thr && sl_streq_ci(thr, "true")) {
        sl_exec_fail(t, "Fatal user code error in TimestampExtractor callback for record %s",
                     err.code ? err.msg : "value is null");
        return SL_ERUNTIME;
      }
      return 0;
    }
  }
  if (ts < 0 && !tombstone) {
    sl_exec_plog(t, "RECORD_PROCESSING_ERROR", "Record has a negative timestamp: %lld",
                 (long long)ts);
    return 0;
  }
  v[n->slot_rowtime] = tombstone ? sl_null() : sl_val_bigint(ts);
  v[n->slot_rowpartition] = sl_val_int(rec->partition);
  v[n->slot_rowoffset] = sl_val_bigint(rec->offset);
  if (n->window_type != SL_WIN_NONE) {
    v[n->slot_wstart] = sl_val_bigint(wstart);
    v[n->slot_wend] = sl_val_bigint(wend);
  }
  bool retract = false, quiet = false;
  if (n->internal)
    for (int h = 0; h < rec->nheaders; h++) {
      if (!strcmp(rec->headers[h].key, "sluice.retract")) retract = true;
      if (!strcmp(rec->headers[h].key, "sluice.quiet")) quiet = true;
    }
  sl_row_t row = {.v = v,
                  .null_key = rec->key == NULL,
                  .retract = retract,
                  .quiet = quiet,
                  .windowed = n->window_type != SL_WIN_NONE,
                  .wstart = wstart,
                  .wend = wend,
                  .n = n->nslots,
                  .ts = ts,
                  .partition = rec->partition,
                  .offset = rec->offset,
                  .tombstone = tombstone,
                  .headers = rec->headers,
                  .nheaders = rec->nheaders};
  return sl_exec_forward(op, &row);
}

int sl_exec_timestamp_of(const sl_value_t *v, const sl_type_t *type, const char *format,
                         int64_t *ms, sl_error_t *err) {
  (void)type;
  switch (v->kind) {
    case SL_T_BIGINT:
    case SL_T_TIMESTAMP: *ms = v->u.l; return 0;
    case SL_T_INT: *ms = v->u.i; return 0;
    case SL_T_STRING:
      if (format) return sl_time_parse_pattern(v->u.s.ptr, v->u.s.len, format, NULL, ms, err);
      if (sl_parse_timestamp(v->u.s.ptr, v->u.s.len, ms) == 0) return 0;
      return sl_error_set(err, SL_EEVAL, -1, "Cannot parse timestamp '%.*s'", (int)v->u.s.len,
                          v->u.s.ptr);
    default: return sl_error_set(err, SL_EEVAL, -1, "Unsupported timestamp column type");
  }
}
