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
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "sluice/serde.h"

typedef struct jrow {
  char *skey; /* store key in the changelog */
  char *fk;   /* foreign-key joins: the left row's join key text */
  int64_t ts;
  bool matched; /* joined at least once (stream-stream) */
  bool done;    /* unmatched result already emitted */
  int n;
  sl_value_t v[]; /* heap copies of the side's row */
} jrow_t;

typedef struct join_state {
  sl_map_t *store[2];   /* key text -> sl_ptrvec_t* of jrow_t* (SS) or jrow_t* (ST, TT) */
  int64_t stream_time;  /* highest record time of both sides */
  int64_t side_time[2]; /* highest record time put into each side's store */
  int64_t seq;          /* makes stream-stream store keys unique */
  /* Stream-stream: the oldest row time in each side's store, and the oldest
   * of its rows that may still be emitted unmatched (INT64_MAX: none). A
   * sweep walks the stores only once one of them is due, so a join whose
   * rows are not expiring yet costs nothing per record. */
  int64_t min_ts[2], min_pending[2];
  sl_buf_t kb;
} join_state_t;

static void note_row(join_state_t *st, int p, int64_t ts) {
  if (ts < st->min_ts[p]) st->min_ts[p] = ts;
  if (ts < st->min_pending[p]) st->min_pending[p] = ts;
}

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
  free(j->skey);
  free(j->fk);
  free(j);
}

/* ---- durable stores: each stored row is one changelog entry ---- */

static const sl_pnode_t *side_source(const sl_pnode_t *n) {
  while (n && n->kind != SL_PN_SOURCE) n = n->input;
  return n;
}

/* Type of slot i of a side row (source columns, then pseudo columns). */
static const sl_type_t *slot_type(const sl_pnode_t *src, int i) {
  if (i < src->schema->ncols) return src->schema->cols[i].type;
  if (i == src->slot_rowpartition) return &sl_type_int;
  return &sl_type_bigint;
}

static const char *side_topic(const sl_pnode_t *n, int p) {
  return p == 0 ? n->changelog_topic : n->changelog_topic2;
}

static void jrow_changelog(sl_operator_t *op, int p, const char *ktext, const jrow_t *j,
                           bool removed) {
  const sl_pnode_t *n = op->node;
  const char *topic = side_topic(n, p);
  if (!topic || !j->skey) return;
  if (removed) {
    sl_exec_changelog_to(op, topic, j->skey, strlen(j->skey), NULL, 0);
    return;
  }
  const sl_pnode_t *src = side_source(p == 0 ? n->input : n->input2);
  json_t *vals = json_array();
  sl_buf_t b;
  sl_buf_init(&b);
  for (int i = 0; i < j->n; i++) {
    sl_buf_reset(&b);
    sl_value_to_json_text(&j->v[i], slot_type(src, i), &b);
    json_array_append_new(vals, json_stringn(b.data ? b.data : "null", b.len ? b.len : 4));
  }
  sl_buf_free(&b);
  json_t *o = json_pack("{s:s, s:I, s:b, s:b, s:o}", "k", ktext, "ts", (json_int_t)j->ts, "m",
                        j->matched, "d", j->done, "v", vals);
  char *txt = json_dumps(o, JSON_COMPACT);
  json_decref(o);
  sl_exec_changelog_to(op, topic, j->skey, strlen(j->skey), txt, strlen(txt));
  free(txt);
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

static int64_t max64(int64_t a, int64_t b) {
  return a > b ? a : b;
}

static sl_ptrvec_t *bucket(sl_map_t *m, const char *k, bool create) {
  sl_ptrvec_t *b = sl_map_get(m, k);
  if (!b && create) {
    b = sl_xcalloc(1, sizeof *b);
    sl_map_put(m, k, b);
  }
  return b;
}

/* Stream-stream: emits closed unmatched rows (with GRACE) and drops expired rows. */
/* Stream-stream joins follow Kafka Streams: each side's window store keeps
 * rows for before + after + grace behind the newest row put into it (its own
 * observed time); an outer side's row without a match is reported at once
 * without GRACE, or with GRACE once its window has closed against the time
 * both sides have reached (at once if it had already closed on arrival). */
static int64_t retention(const sl_pnode_t *n) {
  return n->before_ms + n->after_ms + n->grace_ms;
}

static int64_t side_reach(const sl_pnode_t *n, int p) {
  return p == 0 ? n->after_ms : n->before_ms;
}

/* True if a row of time ts has fallen out of a store that has seen time t. */
static bool expired(const sl_pnode_t *n, int64_t ts, int64_t t) {
  return t != INT64_MIN && ts < t - retention(n);
}

static bool sweep_due(const sl_pnode_t *n, const join_state_t *st) {
  for (int p = 0; p < 2; p++) {
    if (st->min_ts[p] != INT64_MAX && expired(n, st->min_ts[p], st->side_time[p])) return true;
    if (n->has_grace && outer_side(n, p) && st->min_pending[p] != INT64_MAX &&
        st->stream_time > st->min_pending[p] + side_reach(n, p) + n->grace_ms)
      return true;
  }
  return false;
}

static int ss_sweep(sl_operator_t *op, const sl_row_t *tmpl) {
  const sl_pnode_t *n = op->node;
  join_state_t *st = op->state;
  int rc = 0;
  if (!sweep_due(n, st)) return 0;
  for (int p = 0; p < 2; p++) {
    int64_t reach = side_reach(n, p);
    st->min_ts[p] = st->min_pending[p] = INT64_MAX;
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
          jrow_changelog(op, p, k, j, false);
          sl_value_t key;
          sl_eval_ctx_t ec = {.slots = j->v, .arena = &op->task->batch};
          sl_error_clear(&ec.err);
          sl_cexpr_eval(p == 0 ? n->left_key : n->right_key, &ec, &key);
          if (rc == 0)
            rc = emit(op, p == 0 ? j->v : NULL, p == 1 ? j->v : NULL, &key, j->ts, false, tmpl);
        }
        bool pending = n->has_grace && outer_side(n, p) && !j->matched && !j->done;
        if (expired(n, j->ts, st->side_time[p]) && !pending) {
          jrow_changelog(op, p, k, j, true);
          jrow_free(j);
        } else {
          b->items[w++] = j;
          if (j->ts < st->min_ts[p]) st->min_ts[p] = j->ts;
          if (pending && j->ts < st->min_pending[p]) st->min_pending[p] = j->ts;
        }
      }
      b->len = w;
      if (w == 0) { /* the key is gone: drop its bucket so sweeps stay bounded */
        sl_map_remove(st->store[p], k);
        sl_ptrvec_free(b);
        free(b);
      }
    }
  }
  return rc;
}

static int ss_push(sl_operator_t *op, sl_row_t *row, int p, const sl_value_t *key,
                   const char *ktext) {
  const sl_pnode_t *n = op->node;
  join_state_t *st = op->state;
  int64_t ts = row->ts;
  if (ts > st->stream_time) st->stream_time = ts;
  if (ts > st->side_time[p]) st->side_time[p] = ts;
  int64_t lo = p == 0 ? ts - n->before_ms : ts - n->after_ms;
  int64_t hi = ts + side_reach(n, p);
  int nside = p == 0 ? n->left_nslots : n->right_nslots;
  jrow_t *me = jrow_new(row, nside);
  sl_ptrvec_t *other = bucket(st->store[1 - p], ktext, false);
  int rc = 0;
  for (int i = 0; other && i < other->len && rc == 0; i++) {
    jrow_t *o = other->items[i];
    if (o->ts < lo || o->ts > hi) continue;
    if (expired(n, o->ts, st->side_time[1 - p])) continue; /* gone from its store */
    me->matched = true;
    if (!o->matched) {
      o->matched = true;
      jrow_changelog(op, 1 - p, ktext, o, false);
    }
    rc = emit(op, p == 0 ? me->v : o->v, p == 0 ? o->v : me->v, key, max64(ts, o->ts), false, row);
  }
  if (!me->matched && outer_side(n, p) && (!n->has_grace || hi < st->stream_time)) {
    me->done = true;
    if (rc == 0) rc = emit(op, p == 0 ? me->v : NULL, p == 1 ? me->v : NULL, key, ts, false, row);
  }
  /* The store keeps the row unless it is already older than its retention. */
  if (expired(n, ts, st->side_time[p])) {
    jrow_free(me);
  } else {
    char sk[64];
    snprintf(sk, sizeof sk, "%lld", (long long)st->seq++);
    me->skey = sl_strdup(sk);
    jrow_changelog(op, p, ktext, me, false);
    sl_ptrvec_t *mine = bucket(st->store[p], ktext, true);
    int pos = mine->len; /* sorted by time, stable */
    while (pos > 0 && ((jrow_t *)mine->items[pos - 1])->ts > me->ts) pos--;
    sl_ptrvec_push(mine, NULL);
    memmove(mine->items + pos + 1, mine->items + pos,
            sizeof(void *) * (size_t)(mine->len - 1 - pos));
    mine->items[pos] = me;
    note_row(st, p, me->ts);
  }
  if (rc == 0 && ts == st->stream_time) rc = ss_sweep(op, row);
  return rc;
}

static int st_push(sl_operator_t *op, sl_row_t *row, int p, const sl_value_t *key,
                   const char *ktext) {
  const sl_pnode_t *n = op->node;
  join_state_t *st = op->state;
  if (p == 1) {
    jrow_t *old = sl_map_remove(st->store[1], ktext);
    if (old && row->tombstone) jrow_changelog(op, 1, ktext, old, true);
    jrow_free(old);
    if (!row->tombstone) {
      jrow_t *j = jrow_new(row, n->right_nslots);
      j->skey = sl_strdup(ktext);
      jrow_changelog(op, 1, ktext, j, false);
      sl_map_put(st->store[1], ktext, j);
    }
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
  if (prev && row->tombstone) jrow_changelog(op, p, ktext, prev, true);
  jrow_free(prev);
  jrow_t *me = NULL;
  if (!row->tombstone) {
    me = jrow_new(row, p == 0 ? n->left_nslots : n->right_nslots);
    me->skey = sl_strdup(ktext);
    jrow_changelog(op, p, ktext, me, false);
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

/* Foreign-key table-table join: left rows are stored by their primary key
 * with the join key they point at; a change on either side re-evaluates the
 * left rows concerned. The result is keyed by the left primary key. */
static int fk_emit(sl_operator_t *op, const jrow_t *l, const jrow_t *r, const sl_row_t *tmpl,
                   bool tombstone) {
  const sl_pnode_t *src = side_source(op->node->input);
  sl_value_t pk = src && src->nkey == 1 ? l->v[src->key_slots[0]] : sl_null();
  int64_t ts = r && r->ts > l->ts ? r->ts : l->ts;
  if (tmpl->ts > ts) ts = tmpl->ts;
  return emit(op, tombstone ? NULL : l->v, tombstone ? NULL : (r ? r->v : NULL), &pk, ts, tombstone,
              tmpl);
}

static int fk_push(sl_operator_t *op, sl_row_t *row, int p, const char *ktext) {
  const sl_pnode_t *n = op->node;
  join_state_t *st = op->state;
  bool inner = n->join_kind == SL_JOIN_INNER;
  if (p == 1) {
    /* The right table is global: no changelog, and while the driver loads it
     * (task quiet) rows are only stored. */
    jrow_t *prev = sl_map_remove(st->store[1], ktext);
    bool old = prev != NULL;
    jrow_free(prev);
    jrow_t *r = NULL;
    if (!row->tombstone) {
      r = jrow_new(row, n->right_nslots);
      r->skey = sl_strdup(ktext);
      sl_map_put(st->store[1], ktext, r);
    }
    if (op->task->quiet) return 0;
    int rc = 0, it = 0;
    void *v;
    while (rc == 0 && sl_map_next(st->store[0], &it, NULL, &v)) {
      jrow_t *l = v;
      if (!l->fk || strcmp(l->fk, ktext) != 0) continue;
      if (r)
        rc = fk_emit(op, l, r, row, false);
      else
        rc = fk_emit(op, l, NULL, row, inner && old);
    }
    return rc;
  }
  /* Left: identify the row by its primary key. */
  const sl_pnode_t *src = side_source(n->input);
  sl_buf_t pkb;
  sl_buf_init(&pkb);
  if (src && src->nkey == 1) {
    const sl_value_t *pk = &row->v[src->key_slots[0]];
    sl_buf_printf(&pkb, "%d:", pk->kind);
    sl_value_format(pk, &pkb);
  }
  char *pktext = sl_arena_strdup(&op->task->batch, pkb.data ? pkb.data : "");
  sl_buf_free(&pkb);
  jrow_t *prev = sl_map_remove(st->store[0], pktext);
  int rc = 0;
  if (row->tombstone) {
    if (prev) {
      jrow_changelog(op, 0, pktext, prev, true);
      bool had_result = !inner || (prev->fk && sl_map_get(st->store[1], prev->fk));
      if (had_result) rc = fk_emit(op, prev, NULL, row, true);
    }
    jrow_free(prev);
    return rc;
  }
  jrow_t *l = jrow_new(row, n->left_nslots);
  l->skey = sl_strdup(pktext);
  l->fk = ktext ? sl_strdup(ktext) : NULL;
  jrow_changelog(op, 0, ktext ? ktext : "", l, false);
  sl_map_put(st->store[0], pktext, l);
  jrow_t *r = l->fk ? sl_map_get(st->store[1], l->fk) : NULL;
  if (r || !inner) {
    rc = fk_emit(op, l, r, row, false);
  } else if (prev && prev->fk && sl_map_get(st->store[1], prev->fk)) {
    rc = fk_emit(op, l, NULL, row, true); /* it joined before and no longer does */
  }
  jrow_free(prev);
  return rc;
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
  if (n->fk_join && p == 0 && sl_is_null(&key)) {
    /* A left row without a foreign key still exists (LEFT joins report it). */
    return fk_push(op, row, 0, NULL);
  }
  if (sl_is_null(&key)) return 0; /* rows without a join key join nothing */
  key = sl_value_copy(&op->task->batch, &key);
  key_text(st, &key);
  if (row->windowed)
    sl_buf_printf(&st->kb, "\x01%lld,%lld", (long long)row->wstart, (long long)row->wend);
  char *ktext = sl_arena_strdup(&op->task->batch, st->kb.data ? st->kb.data : "");
  if (n->fk_join) return fk_push(op, row, p, ktext);
  switch (n->join_shape) {
    case SL_JOIN_SS: return ss_push(op, row, p, &key, ktext);
    case SL_JOIN_ST: return st_push(op, row, p, &key, ktext);
    default: return tt_push(op, row, p, &key, ktext);
  }
}

static int join_restore(sl_operator_t *op, const sl_record_t *rec) {
  const sl_pnode_t *n = op->node;
  join_state_t *st = op->state;
  int p = n->changelog_topic && !strcmp(rec->topic, n->changelog_topic) ? 0 : 1;
  if (!rec->key) return 0;
  char *skey = sl_arena_strndup(&op->task->batch, rec->key, rec->key_len);
  const sl_pnode_t *src = side_source(p == 0 ? n->input : n->input2);
  int nside = p == 0 ? n->left_nslots : n->right_nslots;
  json_t *o = rec->value ? json_loadb(rec->value, rec->value_len, 0, NULL) : NULL;
  const char *ktext = o ? json_string_value(json_object_get(o, "k")) : NULL;
  if (n->join_shape != SL_JOIN_SS) {
    const char *kt = (n->fk_join && p == 0) || !ktext ? skey : ktext;
    jrow_free(sl_map_remove(st->store[p], kt));
    if (!o) return 0;
  }
  if (n->join_shape == SL_JOIN_SS) {
    /* Find and drop an earlier version of this row. */
    int it = 0;
    void *bv;
    while (sl_map_next(st->store[p], &it, NULL, &bv)) {
      sl_ptrvec_t *b = bv;
      for (int i = 0; i < b->len; i++) {
        jrow_t *j = b->items[i];
        if (j->skey && !strcmp(j->skey, skey)) {
          jrow_free(j);
          memmove(b->items + i, b->items + i + 1, sizeof(void *) * (size_t)(b->len - i - 1));
          b->len--;
          break;
        }
      }
    }
    long long sq = atoll(skey);
    if (sq >= st->seq) st->seq = sq + 1;
    if (!o) return 0;
  }
  jrow_t *j = sl_xcalloc(1, sizeof(jrow_t) + sizeof(sl_value_t) * (size_t)nside);
  j->n = nside;
  j->skey = sl_strdup(skey);
  j->ts = json_integer_value(json_object_get(o, "ts"));
  j->matched = json_is_true(json_object_get(o, "m"));
  if (j->ts > op->task->max_event_ts) op->task->max_event_ts = j->ts;
  j->done = json_is_true(json_object_get(o, "d"));
  json_t *vals = json_object_get(o, "v");
  for (int i = 0; i < nside; i++) {
    json_t *e = json_array_get(vals, (size_t)i);
    sl_value_t v = sl_null();
    sl_error_t err;
    sl_error_clear(&err);
    if (json_is_string(e))
      sl_json_text_to_value(json_string_value(e), json_string_length(e), slot_type(src, i),
                            &op->task->batch, &v, &err);
    j->v[i] = sl_value_heap_copy(&v);
  }
  if (n->join_shape == SL_JOIN_SS) {
    sl_ptrvec_t *b = bucket(st->store[p], ktext ? ktext : "", true);
    int pos = b->len;
    while (pos > 0 && ((jrow_t *)b->items[pos - 1])->ts > j->ts) pos--;
    sl_ptrvec_push(b, NULL);
    memmove(b->items + pos + 1, b->items + pos, sizeof(void *) * (size_t)(b->len - 1 - pos));
    b->items[pos] = j;
    note_row(st, p, j->ts);
    if (j->ts > st->stream_time) st->stream_time = j->ts;
    if (j->ts > st->side_time[p]) st->side_time[p] = j->ts;
  } else if (n->fk_join && p == 0) {
    j->fk = ktext ? sl_strdup(ktext) : NULL;
    sl_map_put(st->store[0], skey, j);
  } else {
    sl_map_put(st->store[p], ktext ? ktext : skey, j);
  }
  json_decref(o);
  return 0;
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
  st->side_time[0] = st->side_time[1] = INT64_MIN;
  for (int p = 0; p < 2; p++) st->min_ts[p] = st->min_pending[p] = INT64_MAX;
  sl_buf_init(&st->kb);
  op->state = st;
  op->push = join_push;
  op->end = join_end;
  op->restore = join_restore;
}
