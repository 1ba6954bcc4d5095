/*
 * aggregate.c - the aggregation operator: one group per grouping key (and
 * window), each holding an accumulator per aggregate call. Rows add to their
 * group, retraction rows (table sources) subtract; after each change the
 * group's current result goes downstream, so a table of results is kept up to
 * date as ksqlDB does with caching disabled. Windows: tumbling and hopping
 * assign each row to every window containing its time; session windows merge
 * the sessions a row bridges and retract the merged ones. Rows later than the
 * grace period after stream time has passed their window are dropped. EMIT
 * FINAL holds results until the window closes.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "sluice/serde.h"

/* ---------------- accumulators ---------------- */

typedef struct acc {
  int64_t count;      /* rows counted (COUNT, AVG, STDDEV) */
  int64_t l;          /* integer sum */
  double d, d2;       /* double sum, sum of squares */
  __int128 dec;       /* decimal sum (unscaled) */
  double cx, cy, cxx, cyy, cxy; /* CORRELATION */
  sl_value_t v;       /* MIN/MAX/EARLIEST/LATEST */
  bool seen;
  sl_ptrvec_t list;   /* COLLECT_*, TOPK*, *_BY_OFFSET with n: heap sl_value_t* */
  sl_map_t *counts;   /* HISTOGRAM, COUNT_DISTINCT: key text -> count */
} acc_t;

typedef struct group {
  sl_value_t *keys;   /* heap copies of the grouping keys */
  int nkeys;
  int64_t wstart, wend;
  bool windowed;
  bool emitted_final; /* EMIT FINAL: result already sent */
  bool dirty;         /* EMIT FINAL: changed since created */
  int64_t ts;         /* latest row time */
  acc_t acc[];
} group_t;

typedef struct agg_state {
  sl_map_t *groups;   /* store key -> group_t* */
  int64_t stream_time;
  int64_t dropped_late;
  sl_buf_t kb;
} agg_state_t;

static bool fn_is(const sl_agg_call_t *c, const char *name) { return !strcmp(c->name, name); }

static sl_value_t *heap_val(const sl_value_t *v) {
  sl_value_t *p = sl_xmalloc(sizeof *p);
  *p = sl_value_heap_copy(v);
  return p;
}

static void list_free(sl_ptrvec_t *l) {
  for (int i = 0; i < l->len; i++) {
    sl_value_heap_free(l->items[i]);
    free(l->items[i]);
  }
  sl_ptrvec_free(l);
}

static void acc_free(acc_t *a) {
  sl_value_heap_free(&a->v);
  list_free(&a->list);
  if (a->counts) sl_map_free(a->counts);
}

static void value_key_text(const sl_value_t *v, sl_buf_t *b) {
  sl_buf_reset(b);
  sl_buf_printf(b, "%d:", v->kind);
  sl_value_format(v, b);
}

static double num_d(const sl_value_t *v) {
  switch (v->kind) {
  case SL_T_INT: return v->u.i;
  case SL_T_BIGINT: return (double)v->u.l;
  case SL_T_DOUBLE: return v->u.d;
  case SL_T_DECIMAL: return sl_decimal_to_double(&v->u.dec);
  default: return 0;
  }
}

static void count_adj(sl_map_t **m, const sl_value_t *v, int delta) {
  if (!*m) *m = sl_map_new(false);
  sl_buf_t b;
  sl_buf_init(&b);
  value_key_text(v, &b);
  intptr_t c = (intptr_t)sl_map_get(*m, b.data) + delta;
  if (c <= 0) sl_map_remove(*m, b.data);
  else sl_map_put(*m, b.data, (void *)c);
  sl_buf_free(&b);
}

static bool arg_ignore_nulls(const sl_agg_call_t *c) {
  /* EARLIEST/LATEST_BY_OFFSET(x [, n] [, ignoreNulls]); default ignores NULLs. */
  for (int k = 1; k < c->nargs; k++)
    if (c->const_args[k].kind == SL_T_BOOLEAN) return c->const_args[k].u.b;
  return true;
}

static int arg_n(const sl_agg_call_t *c) {
  for (int k = 1; k < c->nargs; k++)
    if (c->const_args[k].kind == SL_T_INT) return c->const_args[k].u.i;
  return 0;
}

static void acc_add(acc_t *a, const sl_agg_call_t *c, const sl_value_t *args, int sign) {
  const sl_value_t *x = c->nargs > 0 ? &args[0] : NULL;
  if (fn_is(c, "COUNT")) {
    if (c->star || c->nargs == 0 || !sl_is_null(x)) a->count += sign;
    return;
  }
  if (fn_is(c, "SUM")) {
    if (!x || sl_is_null(x)) return;
    switch (x->kind) {
    case SL_T_INT: a->l = (int32_t)((uint32_t)a->l + (uint32_t)(sign * x->u.i)); break;
    case SL_T_BIGINT: a->l = (int64_t)((uint64_t)a->l + (uint64_t)(sign * x->u.l)); break;
    case SL_T_DOUBLE: a->d += sign * x->u.d; break;
    case SL_T_DECIMAL: {
      sl_decimal_t d = x->u.dec;
      if (c->ret->kind == SL_T_DECIMAL && d.scale != c->ret->scale) {
        sl_decimal_t r;
        if (sl_decimal_rescale(&d, 38, c->ret->scale, &r) == 0) d = r;
      }
      a->dec += sign * d.unscaled;
      break;
    }
    default: break;
    }
    return;
  }
  if (fn_is(c, "SUM_LIST")) {
    if (!x || x->kind != SL_T_ARRAY) return;
    for (uint32_t i = 0; i < x->u.arr.n; i++) {
      const sl_value_t *e = &x->u.arr.items[i];
      if (e->kind == SL_T_INT) a->l += sign * e->u.i;
      else if (e->kind == SL_T_BIGINT) a->l += sign * e->u.l;
      else if (e->kind == SL_T_DOUBLE) a->d += sign * e->u.d;
    }
    return;
  }
  if (fn_is(c, "AVG") || fn_is(c, "STDDEV_SAMP") || fn_is(c, "STDDEV_SAMPLE")) {
    if (!x || sl_is_null(x)) return;
    double d = num_d(x);
    a->count += sign;
    a->d += sign * d;
    a->d2 += sign * d * d;
    return;
  }
  if (fn_is(c, "CORRELATION")) {
    if (!x || sl_is_null(x) || c->nargs < 2 || sl_is_null(&args[1])) return;
    double u = num_d(x), w = num_d(&args[1]);
    a->count += sign;
    a->cx += sign * u;
    a->cy += sign * w;
    a->cxx += sign * u * u;
    a->cyy += sign * w * w;
    a->cxy += sign * u * w;
    return;
  }
  if (fn_is(c, "MIN") || fn_is(c, "MAX")) {
    if (!x || sl_is_null(x)) return;
    int cmp = a->seen ? sl_value_compare(x, &a->v) : 0;
    if (!a->seen || (fn_is(c, "MIN") ? cmp < 0 : cmp > 0)) {
      sl_value_heap_free(&a->v);
      a->v = sl_value_heap_copy(x);
      a->seen = true;
    }
    return;
  }
  if (fn_is(c, "EARLIEST_BY_OFFSET") || fn_is(c, "LATEST_BY_OFFSET")) {
    if (!x) return;
    if (sl_is_null(x) && arg_ignore_nulls(c)) return;
    bool latest = fn_is(c, "LATEST_BY_OFFSET");
    int n = arg_n(c);
    if (n > 0) {
      if (latest) {
        sl_ptrvec_push(&a->list, heap_val(x));
        if (a->list.len > n) {
          sl_value_heap_free(a->list.items[0]);
          free(a->list.items[0]);
          memmove(a->list.items, a->list.items + 1, sizeof(void *) * (size_t)(a->list.len - 1));
          a->list.len--;
        }
      } else if (a->list.len < n) {
        sl_ptrvec_push(&a->list, heap_val(x));
      }
      return;
    }
    if (latest || !a->seen) {
      sl_value_heap_free(&a->v);
      a->v = sl_value_heap_copy(x);
      a->seen = true;
    }
    return;
  }
  if (fn_is(c, "COLLECT_LIST")) {
    if (!x) return;
    if (sign > 0) {
      sl_ptrvec_push(&a->list, heap_val(x));
    } else {
      for (int i = 0; i < a->list.len; i++)
        if (sl_value_equal(a->list.items[i], x)) {
          sl_value_heap_free(a->list.items[i]);
          free(a->list.items[i]);
          memmove(a->list.items + i, a->list.items + i + 1,
                  sizeof(void *) * (size_t)(a->list.len - i - 1));
          a->list.len--;
          break;
        }
    }
    return;
  }
  if (fn_is(c, "COLLECT_SET") || fn_is(c, "COUNT_DISTINCT") || fn_is(c, "HISTOGRAM")) {
    if (!x || sl_is_null(x)) return;
    count_adj(&a->counts, x, sign);
    if (fn_is(c, "COLLECT_SET") || fn_is(c, "HISTOGRAM")) {
      /* Keep first-seen order of distinct values in list. */
      int found = -1;
      for (int i = 0; i < a->list.len && found < 0; i++)
        if (sl_value_equal(a->list.items[i], x)) found = i;
      if (sign > 0 && found < 0) sl_ptrvec_push(&a->list, heap_val(x));
      if (sign < 0 && found >= 0) {
        sl_buf_t b;
        sl_buf_init(&b);
        value_key_text(x, &b);
        bool gone = !sl_map_has(a->counts, b.data);
        sl_buf_free(&b);
        if (gone) {
          sl_value_heap_free(a->list.items[found]);
          free(a->list.items[found]);
          memmove(a->list.items + found, a->list.items + found + 1,
                  sizeof(void *) * (size_t)(a->list.len - found - 1));
          a->list.len--;
        }
      }
    }
    return;
  }
  if (fn_is(c, "TOPK") || fn_is(c, "TOPKDISTINCT")) {
    if (!x || sl_is_null(x)) return;
    bool distinct = fn_is(c, "TOPKDISTINCT");
    if (distinct)
      for (int i = 0; i < a->list.len; i++)
        if (sl_value_equal(a->list.items[i], x)) return;
    int k = arg_n(c);
    /* Insert keeping descending order, then trim to k. */
    int pos = a->list.len;
    while (pos > 0 && sl_value_compare(a->list.items[pos - 1], x) < 0) pos--;
    sl_ptrvec_push(&a->list, NULL);
    memmove(a->list.items + pos + 1, a->list.items + pos,
            sizeof(void *) * (size_t)(a->list.len - 1 - pos));
    a->list.items[pos] = heap_val(x);
    while (k > 0 && a->list.len > k) {
      a->list.len--;
      sl_value_heap_free(a->list.items[a->list.len]);
      free(a->list.items[a->list.len]);
    }
    return;
  }
}

static sl_value_t list_value(sl_arena_t *ar, const sl_ptrvec_t *l) {
  sl_value_t r;
  r.kind = SL_T_ARRAY;
  r.u.arr.n = (uint32_t)l->len;
  r.u.arr.items = sl_arena_alloc(ar, sizeof(sl_value_t) * (size_t)(l->len + 1));
  for (int i = 0; i < l->len; i++) r.u.arr.items[i] = *(sl_value_t *)l->items[i];
  return r;
}

static void acc_result(const acc_t *a, const sl_agg_call_t *c, sl_arena_t *ar, sl_value_t *out) {
  *out = sl_null();
  if (fn_is(c, "COUNT")) {
    *out = sl_val_bigint(a->count);
  } else if (fn_is(c, "SUM") || fn_is(c, "SUM_LIST")) {
    switch (c->ret->kind) {
    case SL_T_INT: *out = sl_val_int((int32_t)a->l); break;
    case SL_T_BIGINT: *out = sl_val_bigint(a->l); break;
    case SL_T_DOUBLE: *out = sl_val_double(a->d); break;
    case SL_T_DECIMAL: *out = sl_val_decimal(a->dec, c->ret->scale); break;
    default: break;
    }
  } else if (fn_is(c, "AVG")) {
    *out = sl_val_double(a->count ? a->d / (double)a->count : 0.0);
  } else if (fn_is(c, "STDDEV_SAMP") || fn_is(c, "STDDEV_SAMPLE")) {
    if (a->count < 2) {
      *out = sl_val_double(0.0);
    } else {
      double n = (double)a->count, mean = a->d / n;
      double var = (a->d2 - n * mean * mean) / (n - 1);
      *out = sl_val_double(var > 0 ? sqrt(var) : 0.0);
    }
  } else if (fn_is(c, "CORRELATION")) {
    double n = (double)a->count;
    double num = n * a->cxy - a->cx * a->cy;
    double den = sqrt(n * a->cxx - a->cx * a->cx) * sqrt(n * a->cyy - a->cy * a->cy);
    *out = sl_val_double(a->count > 0 && den != 0 ? num / den : NAN);
  } else if (fn_is(c, "MIN") || fn_is(c, "MAX")) {
    if (a->seen) *out = a->v;
  } else if (fn_is(c, "EARLIEST_BY_OFFSET") || fn_is(c, "LATEST_BY_OFFSET")) {
    if (arg_n(c) > 0) *out = list_value(ar, &a->list);
    else if (a->seen) *out = a->v;
  } else if (fn_is(c, "COLLECT_LIST") || fn_is(c, "COLLECT_SET") || fn_is(c, "TOPK") ||
             fn_is(c, "TOPKDISTINCT")) {
    *out = list_value(ar, &a->list);
  } else if (fn_is(c, "COUNT_DISTINCT")) {
    *out = sl_val_bigint(a->counts ? sl_map_count(a->counts) : 0);
  } else if (fn_is(c, "HISTOGRAM")) {
    sl_value_t m;
    m.kind = SL_T_MAP;
    m.u.arr.n = (uint32_t)a->list.len;
    m.u.arr.items = sl_arena_alloc(ar, sizeof(sl_value_t) * (size_t)(2 * a->list.len + 1));
    sl_buf_t b;
    sl_buf_init(&b);
    for (int i = 0; i < a->list.len; i++) {
      const sl_value_t *x = a->list.items[i];
      value_key_text(x, &b);
      m.u.arr.items[2 * i] = *x;
      m.u.arr.items[2 * i + 1] = sl_val_bigint((intptr_t)sl_map_get(a->counts, b.data));
    }
    sl_buf_free(&b);
    *out = m;
  }
}

/* Folds src into dst (session merges). */
static void acc_merge(acc_t *dst, const acc_t *src, const sl_agg_call_t *c) {
  if (fn_is(c, "COUNT")) {
    dst->count += src->count;
  } else if (fn_is(c, "SUM")) {
    dst->l += src->l;
    dst->d += src->d;
    dst->dec += src->dec;
  } else if (fn_is(c, "AVG") || fn_is(c, "STDDEV_SAMP") || fn_is(c, "STDDEV_SAMPLE")) {
    dst->count += src->count;
    dst->d += src->d;
    dst->d2 += src->d2;
  } else if (fn_is(c, "MIN") || fn_is(c, "MAX") || fn_is(c, "LATEST_BY_OFFSET")) {
    if (src->seen) acc_add(dst, c, &src->v, 1);
  } else if (fn_is(c, "EARLIEST_BY_OFFSET")) {
    /* dst is the later session here only if callers merge in time order. */
    if (src->seen && !dst->seen) acc_add(dst, c, &src->v, 1);
  } else {
    for (int i = 0; i < src->list.len; i++) acc_add(dst, c, src->list.items[i], 1);
    if (fn_is(c, "COUNT_DISTINCT") && src->counts) {
      int it = 0;
      const char *k;
      void *v;
      if (!dst->counts) dst->counts = sl_map_new(false);
      while (sl_map_next(src->counts, &it, &k, &v))
        sl_map_put(dst->counts, k, (void *)((intptr_t)sl_map_get(dst->counts, k) + (intptr_t)v));
    }
  }
}

/* ---------------- changelog (durable state) ---------------- */

static json_t *val_json(const sl_value_t *v, const sl_type_t *t) {
  sl_buf_t b;
  sl_buf_init(&b);
  sl_value_to_json_text(v, t, &b);
  json_t *s = json_stringn(b.data ? b.data : "null", b.len ? b.len : 4);
  sl_buf_free(&b);
  return s;
}

static sl_value_t val_from(json_t *j, const sl_type_t *t, sl_arena_t *ar) {
  sl_value_t v = sl_null();
  sl_error_t err;
  sl_error_clear(&err);
  if (json_is_string(j) && t)
    sl_json_text_to_value(json_string_value(j), json_string_length(j), t, ar, &v, &err);
  return v;
}

static json_t *acc_json(const acc_t *a, const sl_agg_call_t *c) {
  const sl_type_t *t = c->nargs > 0 ? c->arg_types[0] : NULL;
  sl_buf_t db;
  sl_buf_init(&db);
  sl_decimal_t d = {.unscaled = a->dec, .scale = 0};
  sl_decimal_format(&d, &db);
  json_t *o = json_pack("{s:I, s:I, s:f, s:f, s:s, s:f, s:f, s:f, s:f, s:f, s:b}", "c",
                        (json_int_t)a->count, "l", (json_int_t)a->l, "d", a->d, "d2", a->d2, "x",
                        db.data ? db.data : "0", "cx", a->cx, "cy", a->cy, "cxx", a->cxx, "cyy",
                        a->cyy, "cxy", a->cxy, "s", a->seen);
  sl_buf_free(&db);
  if (a->seen && t) json_object_set_new(o, "v", val_json(&a->v, t));
  if (a->list.len) {
    json_t *l = json_array();
    for (int i = 0; i < a->list.len; i++) json_array_append_new(l, val_json(a->list.items[i], t));
    json_object_set_new(o, "L", l);
  }
  if (a->counts && sl_map_count(a->counts)) {
    json_t *m = json_object();
    int it = 0;
    const char *k;
    void *v;
    while (sl_map_next(a->counts, &it, &k, &v))
      json_object_set_new(m, k, json_integer((intptr_t)v));
    json_object_set_new(o, "C", m);
  }
  return o;
}

static void acc_load(acc_t *a, const sl_agg_call_t *c, json_t *o, sl_arena_t *ar) {
  const sl_type_t *t = c->nargs > 0 ? c->arg_types[0] : NULL;
  a->count = json_integer_value(json_object_get(o, "c"));
  a->l = json_integer_value(json_object_get(o, "l"));
  a->d = json_real_value(json_object_get(o, "d"));
  a->d2 = json_real_value(json_object_get(o, "d2"));
  const char *x = json_string_value(json_object_get(o, "x"));
  sl_decimal_t d = {0};
  if (x && sl_decimal_parse(x, strlen(x), &d) == 0) a->dec = d.unscaled;
  a->cx = json_real_value(json_object_get(o, "cx"));
  a->cy = json_real_value(json_object_get(o, "cy"));
  a->cxx = json_real_value(json_object_get(o, "cxx"));
  a->cyy = json_real_value(json_object_get(o, "cyy"));
  a->cxy = json_real_value(json_object_get(o, "cxy"));
  a->seen = json_is_true(json_object_get(o, "s"));
  json_t *v = json_object_get(o, "v");
  if (v) {
    sl_value_t x2 = val_from(v, t, ar);
    a->v = sl_value_heap_copy(&x2);
  }
  json_t *l = json_object_get(o, "L");
  size_t i;
  json_t *e;
  json_array_foreach(l, i, e) {
    sl_value_t x2 = val_from(e, t, ar);
    sl_ptrvec_push(&a->list, heap_val(&x2));
  }
  json_t *m = json_object_get(o, "C");
  const char *k;
  json_object_foreach(m, k, e) {
    if (!a->counts) a->counts = sl_map_new(false);
    sl_map_put(a->counts, k, (void *)(intptr_t)json_integer_value(e));
  }
}

/* ---------------- groups ---------------- */

static group_t *group_new(const sl_pnode_t *n, const sl_value_t *keys) {
  group_t *g = sl_xcalloc(1, sizeof(group_t) + sizeof(acc_t) * (size_t)n->nagg);
  g->nkeys = n->ngroup;
  g->keys = sl_xmalloc(sizeof(sl_value_t) * (size_t)(n->ngroup + 1));
  for (int j = 0; j < n->ngroup; j++) g->keys[j] = sl_value_heap_copy(&keys[j]);
  return g;
}

static void group_free(const sl_pnode_t *n, group_t *g) {
  for (int j = 0; j < g->nkeys; j++) sl_value_heap_free(&g->keys[j]);
  free(g->keys);
  for (int i = 0; i < n->nagg; i++) acc_free(&g->acc[i]);
  free(g);
}

static void changelog_group(sl_operator_t *op, const char *skey, const group_t *g) {
  const sl_pnode_t *n = op->node;
  if (!n->changelog_topic) return;
  if (!g) {
    sl_exec_changelog(op, skey, strlen(skey), NULL, 0);
    return;
  }
  json_t *keys = json_array();
  for (int j = 0; j < n->ngroup; j++)
    json_array_append_new(keys, val_json(&g->keys[j], n->group_types[j]));
  json_t *accs = json_array();
  for (int i = 0; i < n->nagg; i++) json_array_append_new(accs, acc_json(&g->acc[i], &n->aggs[i]));
  json_t *o = json_pack("{s:o, s:b, s:I, s:I, s:I, s:b, s:o}", "k", keys, "w", g->windowed, "ws",
                        (json_int_t)g->wstart, "we", (json_int_t)g->wend, "ts", (json_int_t)g->ts,
                        "f", g->emitted_final, "a", accs);
  char *text = json_dumps(o, JSON_COMPACT);
  json_decref(o);
  sl_exec_changelog(op, skey, strlen(skey), text, strlen(text));
  free(text);
}

static int emit_group(sl_operator_t *op, group_t *g, const sl_row_t *in, bool tombstone) {
  const sl_pnode_t *n = op->node;
  sl_arena_t *ar = &op->task->batch;
  sl_value_t *out = sl_arena_alloc(ar, sizeof(sl_value_t) * (size_t)(n->nslots + 1));
  for (int j = 0; j < n->ngroup; j++) out[j] = g->keys[j];
  for (int i = 0; i < n->nagg; i++) {
    if (tombstone) out[n->ngroup + i] = sl_null();
    else acc_result(&g->acc[i], &n->aggs[i], ar, &out[n->ngroup + i]);
  }
  out[n->ngroup + n->nagg] = g->windowed ? sl_val_bigint(g->wstart) : sl_null();
  out[n->ngroup + n->nagg + 1] = g->windowed ? sl_val_bigint(g->wend) : sl_null();
  sl_row_t r = *in;
  r.v = out;
  r.n = n->nslots;
  r.tombstone = tombstone;
  r.retract = false;
  r.windowed = g->windowed;
  r.wstart = g->wstart;
  r.wend = g->wend;
  r.ts = g->ts;
  return sl_exec_forward(op, &r);
}

static void store_key(agg_state_t *st, const char *base, int64_t ws, int64_t we, bool windowed,
                      bool session) {
  sl_buf_reset(&st->kb);
  sl_buf_puts(&st->kb, base);
  if (windowed) {
    if (session) sl_buf_printf(&st->kb, "\x01%lld,%lld", (long long)ws, (long long)we);
    else sl_buf_printf(&st->kb, "\x01%lld", (long long)ws);
  }
}

static void apply(const sl_pnode_t *n, group_t *g, const sl_row_t *row) {
  for (int i = 0; i < n->nagg; i++)
    acc_add(&g->acc[i], &n->aggs[i], &row->v[n->aggs[i].arg_slot], row->retract ? -1 : 1);
  if (row->ts > g->ts) g->ts = row->ts;
}

static int update(sl_operator_t *op, const char *skey, const sl_row_t *row, int64_t ws, int64_t we,
                  bool windowed) {
  const sl_pnode_t *n = op->node;
  agg_state_t *st = op->state;
  group_t *g = sl_map_get(st->groups, skey);
  if (!g) {
    if (row->retract) return 0;
    g = group_new(n, row->v);
    g->windowed = windowed;
    g->wstart = ws;
    g->wend = we;
    g->ts = row->ts;
    sl_map_put(st->groups, skey, g);
  }
  apply(n, g, row);
  g->ts = row->ts;
  g->dirty = true;
  changelog_group(op, skey, g);
  if (n->window.emit_final || row->quiet) return 0;
  return emit_group(op, g, row, false);
}

static int session_update(sl_operator_t *op, const char *base, const sl_row_t *row) {
  const sl_pnode_t *n = op->node;
  agg_state_t *st = op->state;
  int64_t gap = n->window.size_ms, ts = row->ts;
  /* Find every session of this key that the row touches. */
  size_t blen = strlen(base);
  sl_ptrvec_t hits = {0}, keys = {0};
  int it = 0;
  const char *k;
  void *v;
  while (sl_map_next(st->groups, &it, &k, &v)) {
    if (strncmp(k, base, blen) != 0 || k[blen] != '\x01') continue;
    group_t *g = v;
    if (ts >= g->wstart - gap && ts <= g->wend + gap) {
      sl_ptrvec_push(&hits, g);
      sl_ptrvec_push(&keys, sl_strdup(k));
    }
  }
  int64_t ws = ts, we = ts;
  for (int i = 0; i < hits.len; i++) {
    group_t *g = hits.items[i];
    if (g->wstart < ws) ws = g->wstart;
    if (g->wend > we) we = g->wend;
  }
  group_t *ng = group_new(n, row->v);
  ng->windowed = true;
  ng->wstart = ws;
  ng->wend = we;
  ng->ts = ts;
  int rc = 0;
  /* Merge older sessions in time order, retracting each. */
  for (int pass = 0; pass < hits.len; pass++) {
    int best = -1;
    for (int i = 0; i < hits.len; i++)
      if (hits.items[i] && (best < 0 || ((group_t *)hits.items[i])->wstart <
                                           ((group_t *)hits.items[best])->wstart))
        best = i;
    group_t *g = hits.items[best];
    for (int a = 0; a < n->nagg; a++) acc_merge(&ng->acc[a], &g->acc[a], &n->aggs[a]);
    if (g->ts > ng->ts) ng->ts = g->ts;
    sl_map_remove(st->groups, keys.items[best]);
    changelog_group(op, keys.items[best], NULL);
    if (!(g->wstart == ws && g->wend == we) && !n->window.emit_final && rc == 0)
      rc = emit_group(op, g, row, true);
    group_free(n, g);
    hits.items[best] = NULL;
  }
  for (int i = 0; i < keys.len; i++) free(keys.items[i]);
  sl_ptrvec_free(&hits);
  sl_ptrvec_free(&keys);
  apply(n, ng, row);
  if (row->ts > ng->ts) ng->ts = row->ts;
  ng->dirty = true;
  store_key(st, base, ws, we, true, true);
  sl_map_put(st->groups, st->kb.data, ng);
  changelog_group(op, st->kb.data, ng);
  if (rc || n->window.emit_final) return rc;
  return emit_group(op, ng, row, false);
}

static int emit_closed(sl_operator_t *op, const sl_row_t *in) {
  const sl_pnode_t *n = op->node;
  agg_state_t *st = op->state;
  int rc = 0;
  sl_ptrvec_t dead = {0};
  int it = 0;
  const char *k;
  void *v;
  int64_t keep = n->window.retention_ms > n->window.grace_ms ? n->window.retention_ms
                                                             : n->window.grace_ms;
  while (sl_map_next(st->groups, &it, &k, &v)) {
    group_t *g = v;
    if (!g->windowed) continue;
    int64_t close = g->wend + n->window.grace_ms;
    if (n->window.emit_final && !g->emitted_final && st->stream_time >= close) {
      g->emitted_final = true;
      changelog_group(op, k, g);
      sl_row_t r = *in;
      if (rc == 0) rc = emit_group(op, g, &r, false);
    }
    if (g->wend + keep < st->stream_time) sl_ptrvec_push(&dead, sl_strdup(k));
  }
  for (int i = 0; i < dead.len; i++) {
    group_t *g = sl_map_remove(st->groups, dead.items[i]);
    if (g) changelog_group(op, dead.items[i], NULL);
    if (g) group_free(n, g);
    free(dead.items[i]);
  }
  sl_ptrvec_free(&dead);
  return rc;
}

static int aggregate_push(sl_operator_t *op, sl_row_t *row) {
  const sl_pnode_t *n = op->node;
  agg_state_t *st = op->state;
  sl_error_t err;
  sl_error_clear(&err);
  sl_buf_t kb;
  sl_buf_init(&kb);
  if (sl_serde_encode(n->group_serde, row->v, &kb, &err) != 0) {
    sl_exec_plog(op->task, "RECORD_PROCESSING_ERROR", "Cannot encode grouping key: %s", err.msg);
    sl_buf_free(&kb);
    return 0;
  }
  const char *base = kb.data ? kb.data : "";
  int rc = 0;
  const sl_window_spec_t *w = &n->window;
  if (w->kind == SL_WIN_NONE) {
    rc = update(op, base, row, 0, 0, false);
    sl_buf_free(&kb);
    return rc;
  }
  if (row->ts > st->stream_time) st->stream_time = row->ts;
  int64_t close_time = st->stream_time - w->grace_ms;
  if (w->kind == SL_WIN_SESSION) {
    if (row->ts + w->size_ms < close_time && row->ts < close_time) {
      /* A session that would end before the close time is late. */
      st->dropped_late++;
      sl_exec_plog(op->task, "RECORD_PROCESSING_ERROR", "Skipping record for expired window");
    } else {
      rc = session_update(op, base, row);
    }
  } else {
    int64_t ts = row->ts, size = w->size_ms, adv = w->advance_ms > 0 ? w->advance_ms : size;
    int64_t first = ts - size + adv;
    if (first < 0) first = 0;
    int64_t ws = first - (first % adv);
    if (ws + size <= ts) ws += adv;
    for (; ws <= ts && rc == 0; ws += adv) {
      int64_t we = ws + size;
      if (we <= ts) continue;
      if (we <= close_time) {
        st->dropped_late++;
        sl_exec_plog(op->task, "RECORD_PROCESSING_ERROR", "Skipping record for expired window");
        continue;
      }
      store_key(st, base, ws, we, true, false);
      char *sk = sl_strdup(st->kb.data);
      rc = update(op, sk, row, ws, we, true);
      free(sk);
    }
  }
  if (rc == 0) rc = emit_closed(op, row);
  sl_buf_free(&kb);
  return rc;
}

int sl_exec_aggregate_punctuate(sl_operator_t *op, int64_t now_ms) {
  agg_state_t *st = op->state;
  if (now_ms > st->stream_time) st->stream_time = now_ms;
  sl_row_t r = {0};
  return emit_closed(op, &r);
}

static int aggregate_restore(sl_operator_t *op, const sl_record_t *rec) {
  const sl_pnode_t *n = op->node;
  agg_state_t *st = op->state;
  if (!rec->key) return 0;
  char *k = sl_arena_strndup(&op->task->batch, rec->key, rec->key_len);
  group_t *old = sl_map_remove(st->groups, k);
  if (old) group_free(n, old);
  if (!rec->value) return 0;
  json_t *o = json_loadb(rec->value, rec->value_len, 0, NULL);
  if (!o) return 0;
  sl_arena_t *ar = &op->task->batch;
  json_t *keys = json_object_get(o, "k");
  sl_value_t *kv = sl_arena_alloc(ar, sizeof(sl_value_t) * (size_t)(n->ngroup + 1));
  for (int j = 0; j < n->ngroup; j++) kv[j] = val_from(json_array_get(keys, (size_t)j), n->group_types[j], ar);
  group_t *g = group_new(n, kv);
  g->windowed = json_is_true(json_object_get(o, "w"));
  g->wstart = json_integer_value(json_object_get(o, "ws"));
  g->wend = json_integer_value(json_object_get(o, "we"));
  g->ts = json_integer_value(json_object_get(o, "ts"));
  g->emitted_final = json_is_true(json_object_get(o, "f"));
  json_t *accs = json_object_get(o, "a");
  for (int i = 0; i < n->nagg; i++)
    acc_load(&g->acc[i], &n->aggs[i], json_array_get(accs, (size_t)i), ar);
  if (g->windowed && g->ts > st->stream_time) st->stream_time = g->ts;
  sl_map_put(st->groups, k, g);
  json_decref(o);
  return 0;
}

static void aggregate_end(sl_operator_t *op) {
  agg_state_t *st = op->state;
  if (!st) return;
  int it = 0;
  void *v;
  while (sl_map_next(st->groups, &it, NULL, &v)) group_free(op->node, v);
  sl_map_free(st->groups);
  sl_buf_free(&st->kb);
  free(st);
}

void sl_exec_aggregate_init(sl_operator_t *op) {
  agg_state_t *st = sl_xcalloc(1, sizeof *st);
  st->groups = sl_map_new(false);
  st->stream_time = INT64_MIN;
  sl_buf_init(&st->kb);
  op->state = st;
  op->push = aggregate_push;
  op->end = aggregate_end;
  op->restore = aggregate_restore;
}
