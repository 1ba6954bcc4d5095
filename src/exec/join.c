/*
 * join.c - the join operator, fed by two inputs (port 0 left, port 1 right).
 * Stream-stream joins keep each side's rows per join key for the join window
 * and match every new row against the other side's rows within WITHIN; outer
 * sides without a match are emitted at once (ksqlDB's behaviour without a
 * GRACE PERIOD) or once the window has closed (with one). Stream-table joins
 * keep the table's latest row per key and look it up for each stream row.
 * Table-table joins keep both tables and emit the joined row, or a tombstone,
 * whenever either side changes.
 */
#include <stdlib.h>
#include <string.h>

#include "exec.h"

typedef struct jrow {
  int64_t ts;
  bool matched;     /* joined at least once (stream-stream) */
  bool done;        /* unmatched result already emitted */
  int n;
  sl_value_t v[];   /* heap copies of the side's row */
} jrow_t;

typedef struct join_state {
  sl_map_t *store[2]; /* key text -> sl_ptrvec_t* of jrow_t* (SS) or jrow_t* (ST, TT) */
  int64_t stream_time;
  sl_buf_t kb;
} join_state_t;

static jrow_t *jrow_new(const sl_row_t *r, int n) {
  jrow_t *j = sl_xcalloc(1, sizeof(jrow_t) + sizeof(sl_value_t) * (size_t)n);
  j->ts = r->ts;
  j->n = n;
  for (int i = 0; i < n; i++) j->v[i] = sl_value_heap_copy(&r->v[i]);
  return j;
}

static void jrow_free(jrow_t *j) {
  if (!j) return;
  for (int i = 0; i < j->n; i++) sl_value_heap_free(&j->v[i]);
  free(j);
}

static const char *key_text(join_state_t *st, const sl_value_t *k) {
  sl_buf_reset(&st->kb);
  sl_buf_printf(&st->kb, "%d:", k->kind);
  sl_value_format(k, &st->kb);
  return st->kb.data ? st->kb.data : "";
}

/* Emits the join of l and r (either may be NULL) with join key k. */
static int emit(sl_operator_t *op, const sl_value_t *l, const sl_value_t *r, const sl_value_t *k,
                int64_t ts, bool tombstone, const sl_row_t *tmpl) {
  const sl_pnode_t *n = op->node;
  sl_value_t *v = sl_arena_alloc(&op->task->batch, sizeof(sl_value_t) * (size_t)(n->nslots + 1));
  for (int i = 0; i < n->left_nslots; i++) v[i] = l ? l[i] : sl_null();
  for (int i = 0; i < n->right_nslots; i++) v[n->left_nslots + i] = r ? r[i] : sl_null();
  v[n->nslots - 1] = *k;
  sl_row_t out = *tmpl;
  out.v = v;
  out.n = n->nslots;
  out.ts = ts;
  out.tombstone = tombstone;
  out.retract = false;
  return sl_exec_forward(op, &out);
}

static bool outer_side(const sl_pnode_t *n, int p) {
  if (n->join_kind == SL_JOIN_FULL) return true;
  return p == 0 ? n->join_kind == SL_JOIN_LEFT : n->join_kind == SL_JOIN_RIGHT;
}

static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

static sl_ptrvec_t *bucket(sl_map_t *m, const char *k, bool create) {
  sl_ptrvec_t *b = sl_map_get(m, k);
  if (!b && create) {
    b = sl_xcalloc(1, sizeof *b);
    sl_map_put(m, k, b);
  }
  return b;
}

/* Stream-stream: emits closed unmatched rows (with GRACE) and drops expired rows. */
static int ss_sweep(sl_operator_t *op, const sl_row_t *tmpl) {
  const sl_pnode_t *n = op->node;
  join_state_t *st = op->state;
  int rc = 0;
  for (int p = 0; p < 2; p++) {
    int64_t reach = p == 0 ? n->after_ms : n->before_ms;
    int64_t keep = n->before_ms + n->after_ms + n->grace_ms;
    int it = 0;
    const char *k;
    void *bv;
    while (sl_map_next(st->store[p], &it, &k, &bv)) {
      sl_ptrvec_t *b = bv;
      int w = 0;
      for (int i = 0; i < b->len; i++) {
        jrow_t *j = b->items[i];
        if (n->has_grace && outer_side(n, p) && !j->matched && !j->done &&
            st->stream_time > j->ts + reach + n->grace_ms) {
          j->done = true;
          const sl_value_t *kv = &j->v[0];
          sl_value_t key;
          sl_eval_ctx_t ec = {.slots = j->v, .arena = &op->task->batch};
          sl_error_clear(&ec.err);
          sl_cexpr_eval(p == 0 ? n->left_key : n->right_key, &ec, &key);
          kv = &key;
          if (rc == 0)
            rc = emit(op, p == 0 ? j->v : NULL, p == 1 ? j->v : NULL, kv, j->ts, false, tmpl);
        }
        if (j->ts + keep < st->stream_time && (j->done || j->matched || !n->has_grace ||
                                                !outer_side(n, p))) {
          jrow_free(j);
        } else {
          b->items[w++] = j;
        }
      }
      b->len = w;
    }
  }
  return rc;
}

static int ss_push(sl_operator_t *op, sl_row_t *row, int p, const sl_value_t *key,
                   const char *ktext) {
  const sl_pnode_t *n = op->node;
  join_state_t *st = op->state;
  if (row->ts > st->stream_time) st->stream_time = row->ts;
  int64_t keep = n->before_ms + n->after_ms + n->grace_ms;
  int64_t reach = p == 0 ? n->after_ms : n->before_ms;
  bool closed = n->has_grace ? row->ts + reach + n->grace_ms < st->stream_time
                             : row->ts + keep < st->stream_time;
  if (closed) {
    /* Its window closed before it arrived: an outer side still reports it. */
    if (n->has_grace && outer_side(n, p))
      return emit(op, p == 0 ? row->v : NULL, p == 1 ? row->v : NULL, key, row->ts, false, row);
    sl_exec_plog(op->task, "RECORD_PROCESSING_ERROR", "Skipping record for expired join window");
    return 0;
  }
  int nside = p == 0 ? n->left_nslots : n->right_nslots;
  jrow_t *me = jrow_new(row, nside);
  sl_ptrvec_t *other = bucket(st->store[1 - p], ktext, false);
  int rc = 0;
  if (other) {
    /* Match in time order. */
    for (int pass = 0; pass < 1; pass++) {
      for (int i = 0; i < other->len && rc == 0; i++) {
        jrow_t *o = other->items[i];
        int64_t lo = p == 0 ? row->ts - n->before_ms : row->ts - n->after_ms;
        int64_t hi = p == 0 ? row->ts + n->after_ms : row->ts + n->before_ms;
        if (o->ts < lo || o->ts > hi) continue;
        me->matched = true;
        o->matched = true;
        rc = emit(op, p == 0 ? me->v : o->v, p == 0 ? o->v : me->v, key, max64(row->ts, o->ts),
                  false, row);
      }
    }
  }
  if (!me->matched && outer_side(n, p) && !n->has_grace) {
    me->done = true;
    if (rc == 0) rc = emit(op, p == 0 ? me->v : NULL, p == 1 ? me->v : NULL, key, row->ts, false, row);
  }
  sl_ptrvec_t *mine = bucket(st->store[p], ktext, true);
  /* Keep rows sorted by time (stable). */
  int pos = mine->len;
  while (pos > 0 && ((jrow_t *)mine->items[pos - 1])->ts > me->ts) pos--;
  sl_ptrvec_push(mine, NULL);
  memmove(mine->items + pos + 1, mine->items + pos, sizeof(void *) * (size_t)(mine->len - 1 - pos));
  mine->items[pos] = me;
  if (rc == 0) rc = ss_sweep(op, row);
  return rc;
}

static int st_push(sl_operator_t *op, sl_row_t *row, int p, const sl_value_t *key,
                   const char *ktext) {
  const sl_pnode_t *n = op->node;
  join_state_t *st = op->state;
  if (p == 1) {
    jrow_t *old = sl_map_remove(st->store[1], ktext);
    jrow_free(old);
    if (!row->tombstone) sl_map_put(st->store[1], ktext, jrow_new(row, n->right_nslots));
    return 0;
  }
  if (row->tombstone) return 0;
  jrow_t *t = sl_map_get(st->store[1], ktext);
  if (t) return emit(op, row->v, t->v, key, row->ts, false, row);
  if (n->join_kind == SL_JOIN_LEFT) return emit(op, row->v, NULL, key, row->ts, false, row);
  return 0;
}

static int tt_push(sl_operator_t *op, sl_row_t *row, int p, const sl_value_t *key,
                   const char *ktext) {
  const sl_pnode_t *n = op->node;
  join_state_t *st = op->state;
  jrow_t *prev = sl_map_remove(st->store[p], ktext);
  bool had = prev != NULL;
  jrow_free(prev);
  jrow_t *me = NULL;
  if (!row->tombstone) {
    me = jrow_new(row, p == 0 ? n->left_nslots : n->right_nslots);
    sl_map_put(st->store[p], ktext, me);
  }
  jrow_t *other = sl_map_get(st->store[1 - p], ktext);
  jrow_t *l = p == 0 ? me : other, *r = p == 0 ? other : me;
  bool show;
  switch (n->join_kind) {
  case SL_JOIN_INNER: show = l && r; break;
  case SL_JOIN_LEFT: show = l != NULL; break;
  case SL_JOIN_RIGHT: show = r != NULL; break;
  default: show = l || r; break;
  }
  int64_t ts = max64(l ? l->ts : INT64_MIN, r ? r->ts : INT64_MIN);
  if (ts == INT64_MIN) ts = row->ts;
  if (show) return emit(op, l ? l->v : NULL, r ? r->v : NULL, key, ts, false, row);
  /* The joined row existed before this change: delete it. */
  bool existed;
  switch (n->join_kind) {
  case SL_JOIN_INNER: existed = had && other; break;
  case SL_JOIN_LEFT: existed = p == 0 && had; break;
  case SL_JOIN_RIGHT: existed = p == 1 && had; break;
  default: existed = had; break;
  }
  if (existed) return emit(op, NULL, NULL, key, row->ts, true, row);
  return 0;
}

static int join_push(sl_operator_t *op, sl_row_t *row) {
  const sl_pnode_t *n = op->node;
  join_state_t *st = op->state;
  int p = row->port;
  if (row->tombstone && n->join_shape == SL_JOIN_SS) return 0;
  sl_eval_ctx_t ec = {.slots = row->v, .arena = &op->task->batch};
  sl_error_clear(&ec.err);
  sl_value_t key;
  sl_cexpr_eval(p == 0 ? n->left_key : n->right_key, &ec, &key);
  if (ec.err.code)
    sl_exec_plog(op->task, "RECORD_PROCESSING_ERROR", "Error computing join key: %s", ec.err.msg);
  if (sl_is_null(&key)) return 0; /* rows without a join key join nothing */
  key = sl_value_copy(&op->task->batch, &key);
  key_text(st, &key);
  if (row->windowed)
    sl_buf_printf(&st->kb, "\x01%lld,%lld", (long long)row->wstart, (long long)row->wend);
  char *ktext = sl_arena_strdup(&op->task->batch, st->kb.data ? st->kb.data : "");
  switch (n->join_shape) {
  case SL_JOIN_SS: return ss_push(op, row, p, &key, ktext);
  case SL_JOIN_ST: return st_push(op, row, p, &key, ktext);
  default: return tt_push(op, row, p, &key, ktext);
  }
}

int sl_exec_join_punctuate(sl_operator_t *op, int64_t now_ms) {
  join_state_t *st = op->state;
  if (op->node->join_shape != SL_JOIN_SS) return 0;
  if (now_ms > st->stream_time) st->stream_time = now_ms;
  sl_row_t tmpl = {0};
  return ss_sweep(op, &tmpl);
}

static void join_end(sl_operator_t *op) {
  join_state_t *st = op->state;
  if (!st) return;
  for (int p = 0; p < 2; p++) {
    int it = 0;
    void *v;
    while (sl_map_next(st->store[p], &it, NULL, &v)) {
      if (op->node->join_shape == SL_JOIN_SS) {
        sl_ptrvec_t *b = v;
        for (int i = 0; i < b->len; i++) jrow_free(b->items[i]);
        sl_ptrvec_free(b);
        free(b);
      } else {
        jrow_free(v);
      }
    }
    sl_map_free(st->store[p]);
  }
  sl_buf_free(&st->kb);
  free(st);
}

void sl_exec_join_init(sl_operator_t *op) {
  join_state_t *st = sl_xcalloc(1, sizeof *st);
  st->store[0] = sl_map_new(false);
  st->store[1] = sl_map_new(false);
  st->stream_time = INT64_MIN;
  sl_buf_init(&st->kb);
  op->state = st;
  op->push = join_push;
  op->end = join_end;
}
