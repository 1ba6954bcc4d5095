/*
 * aggregate.c - the aggregation operator: one group per grouping key (and
 * window), each holding an accumulator per aggregate call. Rows add to their
 * group, retraction rows (table sources) subtract; after each change the
 * group's current result goes downstream, so a table of results is kept up to
 * date as ksqlDB does with caching disabled; with the task's record cache on
 * (sl_task_set_cache) changed groups are written once per flush instead,
 * as ksqlDB does by default. Windows: tumbling and hopping
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

/* One accumulator. Each aggregate function uses one arm of the union (see
 * acc_kind), which keeps a group of a COUNT or SUM at a few dozen bytes. */
typedef struct acc {
  union {
    struct {
      int64_t count; /* rows counted (COUNT, AVG, STDDEV) */
      int64_t l;     /* integer sum */
      double d, d2;  /* double sum, sum of squares */
    };
    struct {
      int64_t corr_n_;      /* shares count's place */
      struct corr_sums *cr; /* CORRELATION, on the heap: the rare wide arm would
                             * otherwise widen every COUNT group by 16 bytes */
    };
    __int128 dec;   /* decimal sum (unscaled) */
    sl_value_t *pv; /* MIN/MAX/EARLIEST/LATEST: the value (heap), NULL until one is seen;
                     * a pointer, as a 48-byte value would widen every group */
    struct {
      sl_ptrvec_t list; /* COLLECT_*, TOPK*, *_BY_OFFSET with n: heap sl_value_t* */
      sl_map_t *counts; /* HISTOGRAM, COUNT_DISTINCT: key text -> count */
    };
  };
} acc_t;

struct corr_sums {
  double cx, cy, cxx, cyy, cxy;
};

enum { ACC_NUM, ACC_DEC, ACC_CORR, ACC_VAL, ACC_LIST };

static struct corr_sums *corr_of(acc_t *a) {
  if (!a->cr) a->cr = sl_xcalloc(1, sizeof *a->cr);
  return a->cr;
}

/* A group: header, accumulators, grouping key values, then the store key. */
typedef struct group {
  uint64_t hash;
  int64_t ts; /* latest row time */
  int64_t wstart, wend;
  uint32_t klen; /* store key length */
  bool windowed;
  bool emitted_final; /* EMIT FINAL: result already sent */
  bool dirty;         /* EMIT FINAL: changed since created */
  bool pending;       /* record cache: updated since its result was last written */
  _Alignas(16) acc_t acc[];
} group_t;

/* Open-addressing table of groups keyed by their store key. */
typedef struct gtable {
  group_t **slots;  /* NULL empty, GT_DEAD removed */
  uint32_t *hashes; /* low bits of each slot's group hash: probes compare them without
                     * touching the group (32 bits keep a 1 M-key table small) */
  size_t cap, used, live;
} gtable_t;

typedef struct agg_state {
  gtable_t groups;
  int64_t stream_time;
  int64_t next_deadline; /* earliest time a windowed group needs attention */
  int64_t dropped_late;
  sl_buf_t kb;
  sl_buf_t base;        /* the current record's grouping key, reused */
  sl_buf_t cl, cltmp;   /* changelog text, reused */
  sl_ptrvec_t cached;   /* record cache: pending groups in the order they were first updated */
  int64_t cached_bytes; /* their estimated size, against the task's cache_max */
} agg_state_t;

static bool fn_is(const sl_agg_call_t *c, const char *name) {
  return !strcmp(c->name, name);
}

static int arg_n(const sl_agg_call_t *c);

static int acc_kind(const sl_agg_call_t *c) {
  if (fn_is(c, "COUNT") || fn_is(c, "AVG") || fn_is(c, "STDDEV_SAMP") ||
      fn_is(c, "STDDEV_SAMPLE") || fn_is(c, "SUM_LIST"))
    return ACC_NUM;
  if (fn_is(c, "SUM")) return c->ret && c->ret->kind == SL_T_DECIMAL ? ACC_DEC : ACC_NUM;
  if (fn_is(c, "CORRELATION")) return ACC_CORR;
  if (fn_is(c, "MIN") || fn_is(c, "MAX")) return ACC_VAL;
  if ((fn_is(c, "EARLIEST_BY_OFFSET") || fn_is(c, "LATEST_BY_OFFSET")) && arg_n(c) <= 0)
    return ACC_VAL;
  return ACC_LIST;
}

static sl_value_t *heap_val(const sl_value_t *v) {
  sl_value_t *p = sl_xmalloc(sizeof *p);
  *p = sl_value_heap_copy(v);
  return p;
}

static sl_value_t *heap_val(const sl_value_t *v);

/* Replaces an ACC_VAL accumulator's value with a heap copy of x. */
static void set_val(acc_t *a, const sl_value_t *x) {
  if (a->pv) {
    sl_value_heap_free(a->pv);
    free(a->pv);
  }
  a->pv = heap_val(x);
}

static void list_free(sl_ptrvec_t *l) {
  for (int i = 0; i < l->len; i++) {
    sl_value_heap_free(l->items[i]);
    free(l->items[i]);
  }
  sl_ptrvec_free(l);
}

static void acc_free(acc_t *a, const sl_agg_call_t *c) {
  switch (acc_kind(c)) {
    case ACC_VAL:
      if (a->pv) sl_value_heap_free(a->pv);
      free(a->pv);
      break;
    case ACC_CORR: free(a->cr); break;
    case ACC_LIST:
      list_free(&a->list);
      if (a->counts) sl_map_free(a->counts);
      break;
    default: break;
  }
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
  if (c <= 0)
    sl_map_remove(*m, b.data);
  else
    sl_map_put(*m, b.data, (void *)c);
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
      if (e->kind == SL_T_INT)
        a->l += sign * e->u.i;
      else if (e->kind == SL_T_BIGINT)
        a->l += sign * e->u.l;
      else if (e->kind == SL_T_DOUBLE)
        a->d += sign * e->u.d;
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
    struct corr_sums *c2 = corr_of(a);
    c2->cx += sign * u;
    c2->cy += sign * w;
    c2->cxx += sign * u * u;
    c2->cyy += sign * w * w;
    c2->cxy += sign * u * w;
    return;
  }
  if (fn_is(c, "MIN") || fn_is(c, "MAX")) {
    if (!x || sl_is_null(x)) return;
    int cmp = a->pv ? sl_value_compare(x, a->pv) : 0;
    if (!a->pv || (fn_is(c, "MIN") ? cmp < 0 : cmp > 0)) set_val(a, x);
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
    if (latest || !a->pv) set_val(a, x);
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
    struct corr_sums z = {0}, *cs = a->cr ? a->cr : &z;
    double num = n * cs->cxy - cs->cx * cs->cy;
    double den = sqrt(n * cs->cxx - cs->cx * cs->cx) * sqrt(n * cs->cyy - cs->cy * cs->cy);
    *out = sl_val_double(a->count > 0 && den != 0 ? num / den : NAN);
  } else if (fn_is(c, "MIN") || fn_is(c, "MAX")) {
    if (a->pv) *out = *a->pv;
  } else if (fn_is(c, "EARLIEST_BY_OFFSET") || fn_is(c, "LATEST_BY_OFFSET")) {
    if (arg_n(c) > 0)
      *out = list_value(ar, &a->list);
    else if (a->pv)
      *out = *a->pv;
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
    if (acc_kind(c) == ACC_DEC) {
      dst->dec += src->dec;
    } else {
      dst->l += src->l;
      dst->d += src->d;
    }
  } else if (fn_is(c, "AVG") || fn_is(c, "STDDEV_SAMP") || fn_is(c, "STDDEV_SAMPLE")) {
    dst->count += src->count;
    dst->d += src->d;
    dst->d2 += src->d2;
  } else if (fn_is(c, "CORRELATION")) {
    dst->count += src->count;
    if (src->cr) {
      struct corr_sums *d = corr_of(dst);
      d->cx += src->cr->cx;
      d->cy += src->cr->cy;
      d->cxx += src->cr->cxx;
      d->cyy += src->cr->cyy;
      d->cxy += src->cr->cxy;
    }
  } else if (fn_is(c, "MIN") || fn_is(c, "MAX") || fn_is(c, "LATEST_BY_OFFSET")) {
    if (src->pv) acc_add(dst, c, src->pv, 1);
  } else if (fn_is(c, "EARLIEST_BY_OFFSET")) {
    /* dst is the later session here only if callers merge in time order. */
    if (src->pv && !dst->pv) acc_add(dst, c, src->pv, 1);
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

static sl_value_t val_from(json_t *j, const sl_type_t *t, sl_arena_t *ar) {
  sl_value_t v = sl_null();
  sl_error_t err;
  sl_error_clear(&err);
  if (json_is_string(j) && t)
    sl_json_text_to_value(json_string_value(j), json_string_length(j), t, ar, &v, &err);
  return v;
}

static void acc_load(acc_t *a, const sl_agg_call_t *c, json_t *o, sl_arena_t *ar) {
  const sl_type_t *t = c->nargs > 0 ? c->arg_types[0] : NULL;
  bool seen = json_is_true(json_object_get(o, "s"));
  switch (acc_kind(c)) {
    case ACC_NUM:
      a->count = json_integer_value(json_object_get(o, "c"));
      a->l = json_integer_value(json_object_get(o, "l"));
      a->d = json_number_value(json_object_get(o, "d"));
      a->d2 = json_number_value(json_object_get(o, "d2"));
      break;
    case ACC_DEC: {
      const char *x = json_string_value(json_object_get(o, "x"));
      sl_decimal_t d = {0};
      if (x && sl_decimal_parse(x, strlen(x), &d) == 0) a->dec = d.unscaled;
      break;
    }
    case ACC_CORR:
      a->count = json_integer_value(json_object_get(o, "c"));
      corr_of(a)->cx = json_number_value(json_object_get(o, "cx"));
      a->cr->cy = json_number_value(json_object_get(o, "cy"));
      a->cr->cxx = json_number_value(json_object_get(o, "cxx"));
      a->cr->cyy = json_number_value(json_object_get(o, "cyy"));
      a->cr->cxy = json_number_value(json_object_get(o, "cxy"));
      break;
    case ACC_VAL: {
      json_t *v = json_object_get(o, "v");
      if (v) {
        sl_value_t x2 = val_from(v, t, ar);
        if (seen) set_val(a, &x2);
      }
      break;
    }
    default: {
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
  }
}

/* ---------------- groups ---------------- */

static sl_value_t *group_keys(const sl_pnode_t *n, const group_t *g) {
  return (sl_value_t *)((char *)g->acc + sizeof(acc_t) * (size_t)n->nagg);
}

static char *group_skey(const sl_pnode_t *n, const group_t *g) {
  return (char *)(group_keys(n, g) + n->ngroup);
}

static group_t *group_new(const sl_pnode_t *n, const sl_value_t *keys, const char *skey,
                          size_t klen) {
  size_t sz = sizeof(group_t) + sizeof(acc_t) * (size_t)n->nagg +
              sizeof(sl_value_t) * (size_t)n->ngroup + klen + 1;
  group_t *g = sl_xcalloc(1, sz);
  sl_value_t *k = group_keys(n, g);
  for (int j = 0; j < n->ngroup; j++) k[j] = sl_value_heap_copy(&keys[j]);
  memcpy(group_skey(n, g), skey, klen);
  g->klen = (uint32_t)klen;
  g->hash = sl_hash_bytes(skey, klen, 0);
  return g;
}

static void group_free(const sl_pnode_t *n, group_t *g) {
  sl_value_t *k = group_keys(n, g);
  for (int j = 0; j < n->ngroup; j++) sl_value_heap_free(&k[j]);
  for (int i = 0; i < n->nagg; i++) acc_free(&g->acc[i], &n->aggs[i]);
  free(g);
}

#define GT_DEAD ((group_t *)1)

static group_t **gt_find(const sl_pnode_t *n, gtable_t *t, const char *k, size_t klen, uint64_t h,
                         bool for_insert) {
  if (!t->cap) return NULL;
  group_t **dead = NULL;
  for (size_t i = h & (t->cap - 1), probes = 0; probes < t->cap;
       i = (i + 1) & (t->cap - 1), probes++) {
    group_t *g = t->slots[i];
    if (!g) return for_insert && dead ? dead : (for_insert ? &t->slots[i] : NULL);
    if (g == GT_DEAD) {
      if (!dead) dead = &t->slots[i];
      continue;
    }
    if (t->hashes[i] == (uint32_t)h && g->klen == klen && !memcmp(group_skey(n, g), k, klen))
      return &t->slots[i];
  }
  return dead;
}

static group_t *gt_get(const sl_pnode_t *n, gtable_t *t, const char *k) {
  size_t klen = strlen(k);
  group_t **s = gt_find(n, t, k, klen, sl_hash_bytes(k, klen, 0), false);
  return s ? *s : NULL;
}

static void gt_grow(const sl_pnode_t *n, gtable_t *t) {
  size_t old = t->cap;
  group_t **os = t->slots;
  free(t->hashes);
  t->cap = old ? old * 2 : 64;
  t->slots = sl_xcalloc(t->cap, sizeof(group_t *));
  t->hashes = sl_xmalloc(t->cap * sizeof(uint32_t));
  t->used = t->live;
  for (size_t i = 0; i < old; i++) {
    group_t *g = os[i];
    if (!g || g == GT_DEAD) continue;
    size_t j = g->hash & (t->cap - 1);
    while (t->slots[j]) j = (j + 1) & (t->cap - 1);
    t->slots[j] = g;
    t->hashes[j] = (uint32_t)g->hash;
  }
  free(os);
  (void)n;
}

static void gt_put(const sl_pnode_t *n, gtable_t *t, group_t *g) {
  if ((t->used + 1) * 4 >= t->cap * 3) gt_grow(n, t);
  group_t **s = gt_find(n, t, group_skey(n, g), g->klen, g->hash, true);
  if (!*s) t->used++;
  *s = g;
  t->hashes[s - t->slots] = (uint32_t)g->hash;
  t->live++;
}

static group_t *gt_remove(const sl_pnode_t *n, gtable_t *t, const char *k) {
  size_t klen = strlen(k);
  group_t **s = gt_find(n, t, k, klen, sl_hash_bytes(k, klen, 0), false);
  if (!s || !*s) return NULL;
  group_t *g = *s;
  *s = GT_DEAD;
  t->live--;
  return g;
}

/* Iteration: *i starts at 0; returns NULL at the end. */
static group_t *gt_next(gtable_t *t, size_t *i) {
  while (*i < t->cap) {
    group_t *g = t->slots[(*i)++];
    if (g && g != GT_DEAD) return g;
  }
  return NULL;
}

/* ---- the state of a group as changelog JSON, written by hand: this runs for
 * every update, and building it with jansson cost more than the update. ---- */

static void put_jstr(sl_buf_t *b, const char *s, size_t n) {
  sl_buf_putc(b, '"');
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      sl_buf_putc(b, '\\');
      sl_buf_putc(b, (char)c);
    } else if (c < 0x20) {
      sl_buf_printf(b, "\\u%04x", c);
    } else {
      sl_buf_putc(b, (char)c);
    }
  }
  sl_buf_putc(b, '"');
}

/* A value as a JSON string holding its exact JSON text (decimals keep scale). */
static void put_val(sl_buf_t *b, sl_buf_t *tmp, const sl_value_t *v, const sl_type_t *t) {
  sl_buf_reset(tmp);
  if (t)
    sl_value_to_json_text(v, t, tmp);
  else
    sl_buf_puts(tmp, "null");
  put_jstr(b, tmp->data ? tmp->data : "null", tmp->len ? tmp->len : 4);
}

/* Writes v in decimal at p (at most 20 characters); returns the length. */
static int fmt_int(char *p, int64_t v) {
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  int n = 0;
  if (v < 0) p[n++] = '-';
  char dig[24];
  int nd = 0;
  do {
    dig[nd++] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  while (nd) p[n++] = dig[--nd];
  return n;
}

/* Changelog values are written on every update, so the fields are written
 * without printf and zero fields are left out (acc_load and the restore read
 * a missing number as 0). */
static void put_int(sl_buf_t *b, const char *name, int64_t v) {
  if (v == 0) return;
  char tmp[64];
  int n = 0;
  tmp[n++] = ',';
  tmp[n++] = '"';
  for (const char *p = name; *p; p++) tmp[n++] = *p;
  tmp[n++] = '"';
  tmp[n++] = ':';
  n += fmt_int(tmp + n, v);
  sl_buf_append(b, tmp, (size_t)n);
}

static void put_real(sl_buf_t *b, const char *name, double d) {
  if (d == 0 && !signbit(d)) return;
  if (isfinite(d))
    sl_buf_printf(b, ",\"%s\":%.17g", name, d);
  else
    sl_buf_printf(b, ",\"%s\":null", name);
}

static void put_acc(sl_buf_t *b, sl_buf_t *tmp, const acc_t *a, const sl_agg_call_t *c) {
  const sl_type_t *t = c->nargs > 0 ? c->arg_types[0] : NULL;
  bool seen = acc_kind(c) == ACC_VAL && a->pv;
  sl_buf_puts(b, seen ? "{\"s\":true" : "{\"s\":false");
  switch (acc_kind(c)) {
    case ACC_NUM:
      put_int(b, "c", a->count);
      put_int(b, "l", a->l);
      put_real(b, "d", a->d);
      put_real(b, "d2", a->d2);
      break;
    case ACC_DEC: {
      sl_decimal_t d = {.unscaled = a->dec, .scale = 0};
      sl_buf_puts(b, ",\"x\":\"");
      sl_decimal_format(&d, b);
      sl_buf_putc(b, '"');
      break;
    }
    case ACC_CORR:
      put_int(b, "c", a->count);
      if (a->cr) {
        put_real(b, "cx", a->cr->cx);
        put_real(b, "cy", a->cr->cy);
        put_real(b, "cxx", a->cr->cxx);
        put_real(b, "cyy", a->cr->cyy);
        put_real(b, "cxy", a->cr->cxy);
      }
      break;
    case ACC_VAL:
      if (seen && t) {
        sl_buf_puts(b, ",\"v\":");
        put_val(b, tmp, a->pv, t);
      }
      break;
    default:
      sl_buf_puts(b, ",\"L\":[");
      for (int i = 0; i < a->list.len; i++) {
        if (i) sl_buf_putc(b, ',');
        put_val(b, tmp, a->list.items[i], t);
      }
      sl_buf_putc(b, ']');
      if (a->counts && sl_map_count(a->counts)) {
        sl_buf_puts(b, ",\"C\":{");
        int it = 0, k = 0;
        const char *key;
        void *v;
        while (sl_map_next(a->counts, &it, &key, &v)) {
          if (k++) sl_buf_putc(b, ',');
          put_jstr(b, key, strlen(key));
          sl_buf_printf(b, ":%lld", (long long)(intptr_t)v);
        }
        sl_buf_putc(b, '}');
      }
  }
  sl_buf_putc(b, '}');
}

static void changelog_group(sl_operator_t *op, const char *skey, const group_t *g) {
  const sl_pnode_t *n = op->node;
  if (!n->changelog_topic) return;
  if (!g) {
    sl_exec_changelog(op, skey, strlen(skey), NULL, 0);
    return;
  }
  agg_state_t *st = op->state;
  sl_buf_t *b = &st->cl, *tmp = &st->cltmp;
  sl_buf_reset(b);
  sl_buf_puts(b, "{\"k\":[");
  const sl_value_t *keys = group_keys(n, g);
  for (int j = 0; j < n->ngroup; j++) {
    if (j) sl_buf_putc(b, ',');
    put_val(b, tmp, &keys[j], n->group_types[j]);
  }
  sl_buf_puts(b, g->windowed ? "],\"w\":true" : "],\"w\":false");
  if (g->windowed) {
    put_int(b, "ws", g->wstart);
    put_int(b, "we", g->wend);
  }
  put_int(b, "ts", g->ts);
  sl_buf_puts(b, g->emitted_final ? ",\"f\":true,\"a\":[" : ",\"f\":false,\"a\":[");
  for (int i = 0; i < n->nagg; i++) {
    if (i) sl_buf_putc(b, ',');
    put_acc(b, tmp, &g->acc[i], &n->aggs[i]);
  }
  sl_buf_puts(b, "]}");
  sl_exec_changelog(op, skey, strlen(skey), b->data, b->len);
}

static int emit_group(sl_operator_t *op, group_t *g, const sl_row_t *in, bool tombstone) {
  const sl_pnode_t *n = op->node;
  sl_arena_t *ar = &op->task->batch;
  sl_value_t *out = sl_arena_alloc(ar, sizeof(sl_value_t) * (size_t)(n->nslots + 1));
  const sl_value_t *gk = group_keys(n, g);
  for (int j = 0; j < n->ngroup; j++) out[j] = gk[j];
  for (int i = 0; i < n->nagg; i++) {
    if (tombstone)
      out[n->ngroup + i] = sl_null();
    else
      acc_result(&g->acc[i], &n->aggs[i], ar, &out[n->ngroup + i]);
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
    /* "\x01<start>[,<end>]" without printf: this runs for every window of
     * every record. */
    char tmp[48];
    int n = 0;
    tmp[n++] = '\x01';
    n += fmt_int(tmp + n, ws);
    if (session) {
      tmp[n++] = ',';
      n += fmt_int(tmp + n, we);
    }
    sl_buf_append(&st->kb, tmp, (size_t)n);
  }
}

static void apply(const sl_pnode_t *n, group_t *g, const sl_row_t *row) {
  for (int i = 0; i < n->nagg; i++)
    acc_add(&g->acc[i], &n->aggs[i], &row->v[n->aggs[i].arg_slot], row->retract ? -1 : 1);
  if (row->ts > g->ts) g->ts = row->ts;
}

static int64_t keep_ms(const sl_pnode_t *n) {
  return n->window.retention_ms > n->window.grace_ms ? n->window.retention_ms : n->window.grace_ms;
}

/* When a windowed group next needs attention (final result, expiry). */
static int64_t group_deadline(const sl_pnode_t *n, const group_t *g) {
  int64_t expire = g->wend + keep_ms(n) + 1;
  if (n->window.emit_final && !g->emitted_final) {
    int64_t close = g->wend + n->window.grace_ms;
    return close < expire ? close : expire;
  }
  return expire;
}

static int cache_flush(sl_operator_t *op, bool between_records);

static int update(sl_operator_t *op, const char *skey, const sl_row_t *row, int64_t ws, int64_t we,
                  bool windowed) {
  const sl_pnode_t *n = op->node;
  agg_state_t *st = op->state;
  group_t *g = gt_get(n, &st->groups, skey);
  if (!g) {
    if (row->retract) return 0;
    g = group_new(n, row->v, skey, strlen(skey));
    g->windowed = windowed;
    g->wstart = ws;
    g->wend = we;
    g->ts = row->ts;
    gt_put(n, &st->groups, g);
    if (windowed) {
      int64_t d = group_deadline(n, g);
      if (d < st->next_deadline) st->next_deadline = d;
    }
  }
  apply(n, g, row);
  g->ts = row->ts;
  g->dirty = true;
  int64_t budget = op->task->cache_max;
  if (budget > 0) {
    /* Record cache: the group's result is written at the next flush, once
     * however often it changes until then. */
    if (!g->pending) {
      g->pending = true;
      sl_ptrvec_push(&st->cached, g);
      st->cached_bytes += (int64_t)(sizeof(group_t) + sizeof(acc_t) * (size_t)n->nagg +
                                    sizeof(sl_value_t) * (size_t)n->ngroup + g->klen * 2 + 64);
    }
    return st->cached_bytes > budget ? cache_flush(op, false) : 0;
  }
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
  sl_ptrvec_t hits = {0};
  size_t it = 0;
  group_t *g;
  while ((g = gt_next(&st->groups, &it))) {
    const char *k = group_skey(n, g);
    if (g->klen <= blen || strncmp(k, base, blen) != 0 || k[blen] != '\x01') continue;
    if (ts >= g->wstart - gap && ts <= g->wend + gap) sl_ptrvec_push(&hits, g);
  }
  int64_t ws = ts, we = ts;
  for (int i = 0; i < hits.len; i++) {
    group_t *h = hits.items[i];
    if (h->wstart < ws) ws = h->wstart;
    if (h->wend > we) we = h->wend;
  }
  store_key(st, base, ws, we, true, true);
  char *nkey = sl_strdup(st->kb.data);
  group_t *ng = group_new(n, row->v, nkey, strlen(nkey));
  ng->windowed = true;
  ng->wstart = ws;
  ng->wend = we;
  ng->ts = ts;
  int rc = 0;
  /* Merge older sessions in time order, retracting each. */
  for (int pass = 0; pass < hits.len; pass++) {
    int best = -1;
    for (int i = 0; i < hits.len; i++)
      if (hits.items[i] &&
          (best < 0 || ((group_t *)hits.items[i])->wstart < ((group_t *)hits.items[best])->wstart))
        best = i;
    group_t *h = hits.items[best];
    for (int a = 0; a < n->nagg; a++) acc_merge(&ng->acc[a], &h->acc[a], &n->aggs[a]);
    if (h->ts > ng->ts) ng->ts = h->ts;
    char *hk = sl_strdup(group_skey(n, h));
    gt_remove(n, &st->groups, hk);
    changelog_group(op, hk, NULL);
    free(hk);
    if (!(h->wstart == ws && h->wend == we) && !n->window.emit_final && rc == 0)
      rc = emit_group(op, h, row, true);
    group_free(n, h);
    hits.items[best] = NULL;
  }
  sl_ptrvec_free(&hits);
  apply(n, ng, row);
  if (row->ts > ng->ts) ng->ts = row->ts;
  ng->dirty = true;
  gt_put(n, &st->groups, ng);
  int64_t dl = group_deadline(n, ng);
  if (dl < st->next_deadline) st->next_deadline = dl;
  changelog_group(op, nkey, ng);
  free(nkey);
  if (rc || n->window.emit_final) return rc;
  return emit_group(op, ng, row, false);
}

/* Emits closed windows (EMIT FINAL) and drops expired ones. Only scans the
 * store when stream time has reached the earliest deadline of any group. */
static int emit_closed(sl_operator_t *op, const sl_row_t *in) {
  const sl_pnode_t *n = op->node;
  agg_state_t *st = op->state;
  if (st->stream_time < st->next_deadline) return 0;
  /* Held results first, in the order they would have been written without
   * the cache; a group must not expire with its last update unwritten. */
  int rc = st->cached.len ? cache_flush(op, false) : 0;
  sl_ptrvec_t dead = {0};
  int64_t keep = keep_ms(n);
  int64_t next = INT64_MAX;
  size_t it = 0;
  group_t *g;
  while ((g = gt_next(&st->groups, &it))) {
    if (!g->windowed) continue;
    int64_t close = g->wend + n->window.grace_ms;
    if (n->window.emit_final && !g->emitted_final && st->stream_time >= close) {
      g->emitted_final = true;
      changelog_group(op, group_skey(n, g), g);
      sl_row_t r = *in;
      if (rc == 0) rc = emit_group(op, g, &r, false);
    }
    if (g->wend + keep < st->stream_time) {
      sl_ptrvec_push(&dead, g);
      continue;
    }
    int64_t d = group_deadline(n, g);
    if (d < next) next = d;
  }
  for (int i = 0; i < dead.len; i++) {
    g = dead.items[i];
    char *k = sl_strdup(group_skey(n, g));
    gt_remove(n, &st->groups, k);
    changelog_group(op, k, NULL);
    group_free(n, g);
    free(k);
  }
  sl_ptrvec_free(&dead);
  st->next_deadline = next;
  return rc;
}

static int aggregate_push(sl_operator_t *op, sl_row_t *row) {
  const sl_pnode_t *n = op->node;
  agg_state_t *st = op->state;
  sl_error_t err;
  sl_error_clear(&err);
  sl_buf_t *kb = &st->base; /* reused: the grouping key of every record */
  sl_buf_reset(kb);
  if (sl_serde_encode(n->group_serde, row->v, kb, &err) != 0) {
    sl_exec_plog(op->task, "RECORD_PROCESSING_ERROR", "Cannot encode grouping key: %s", err.msg);
    return 0;
  }
  const char *base = kb->data ? kb->data : "";
  int rc = 0;
  const sl_window_spec_t *w = &n->window;
  if (w->kind == SL_WIN_NONE) {
    return update(op, base, row, 0, 0, false);
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
      rc = update(op, st->kb.data, row, ws, we, true); /* update never writes st->kb */
    }
  }
  if (rc == 0) rc = emit_closed(op, row);
  return rc;
}

/* Writes each pending group's changelog value and (EMIT CHANGES) its result.
 * Between records the per-record arena can be reset after each group, so a
 * large flush does not pile up rows. */
static int cache_flush(sl_operator_t *op, bool between_records) {
  const sl_pnode_t *n = op->node;
  agg_state_t *st = op->state;
  int rc = 0;
  sl_row_t r = {0};
  for (int i = 0; i < st->cached.len; i++) {
    group_t *g = st->cached.items[i];
    if (!g || !g->pending) continue; /* NULL: removed since */
    g->pending = false;
    changelog_group(op, group_skey(n, g), g);
    if (!n->window.emit_final && rc == 0) rc = emit_group(op, g, &r, false);
    if (between_records) sl_arena_reset(&op->task->batch);
  }
  st->cached.len = 0;
  st->cached_bytes = 0;
  return rc;
}

int sl_exec_aggregate_flush(sl_operator_t *op) {
  agg_state_t *st = op->state;
  return st->cached.len ? cache_flush(op, true) : 0;
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
  group_t *old = gt_remove(n, &st->groups, k);
  if (old && old->pending)
    for (int i = 0; i < st->cached.len; i++)
      if (st->cached.items[i] == old) st->cached.items[i] = NULL;
  if (old) group_free(n, old);
  if (!rec->value) return 0;
  json_t *o = json_loadb(rec->value, rec->value_len, 0, NULL);
  if (!o) return 0;
  sl_arena_t *ar = &op->task->batch;
  json_t *keys = json_object_get(o, "k");
  sl_value_t *kv = sl_arena_alloc(ar, sizeof(sl_value_t) * (size_t)(n->ngroup + 1));
  for (int j = 0; j < n->ngroup; j++)
    kv[j] = val_from(json_array_get(keys, (size_t)j), n->group_types[j], ar);
  group_t *g = group_new(n, kv, k, strlen(k));
  g->windowed = json_is_true(json_object_get(o, "w"));
  g->wstart = json_integer_value(json_object_get(o, "ws"));
  g->wend = json_integer_value(json_object_get(o, "we"));
  g->ts = json_integer_value(json_object_get(o, "ts"));
  g->emitted_final = json_is_true(json_object_get(o, "f"));
  json_t *accs = json_object_get(o, "a");
  for (int i = 0; i < n->nagg; i++)
    acc_load(&g->acc[i], &n->aggs[i], json_array_get(accs, (size_t)i), ar);
  if (g->windowed && g->ts > st->stream_time) st->stream_time = g->ts;
  if (g->ts > op->task->max_event_ts) op->task->max_event_ts = g->ts;
  gt_put(n, &st->groups, g);
  if (g->windowed) {
    int64_t d = group_deadline(n, g);
    if (d < st->next_deadline) st->next_deadline = d;
  }
  json_decref(o);
  return 0;
}

static void aggregate_end(sl_operator_t *op) {
  agg_state_t *st = op->state;
  if (!st) return;
  size_t it = 0;
  group_t *g;
  while ((g = gt_next(&st->groups, &it))) group_free(op->node, g);
  free(st->groups.slots);
  free(st->groups.hashes);
  sl_ptrvec_free(&st->cached);
  sl_buf_free(&st->kb);
  sl_buf_free(&st->base);
  sl_buf_free(&st->cl);
  sl_buf_free(&st->cltmp);
  free(st);
}

void sl_exec_aggregate_init(sl_operator_t *op) {
  agg_state_t *st = sl_xcalloc(1, sizeof *st);
  st->stream_time = INT64_MIN;
  st->next_deadline = INT64_MAX;
  sl_buf_init(&st->kb);
  op->state = st;
  op->push = aggregate_push;
  op->end = aggregate_end;
  op->restore = aggregate_restore;
}
