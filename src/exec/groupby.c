/*
 * groupby.c - the pre-aggregation operator: computes each row's grouping
 * keys and the arguments of every aggregate call. A row whose grouping key is
 * NULL is excluded, as ksqlDB does. Over a table it remembers the last row of
 * every source key, so an update first retracts the old row from its group
 * and a delete retracts it for good.
 */
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "sluice/serde.h"

typedef struct prev_row {
  int n;
  sl_value_t v[]; /* heap copies of [group keys..., arguments...] */
} prev_row_t;

typedef struct groupby_state {
  sl_map_t *prev;           /* base64 of the source key -> prev_row_t* (tables only) */
  const sl_pnode_t *source; /* the source node feeding this operator */
  sl_buf_t kb, b64;
} groupby_state_t;

static void prev_free(prev_row_t *p) {
  if (!p) return;
  for (int i = 0; i < p->n; i++) sl_value_heap_free(&p->v[i]);
  free(p);
}

static int emit_pre(sl_operator_t *op, const sl_row_t *in, sl_value_t *vals, bool retract,
                    bool quiet) {
  sl_row_t r = *in;
  r.v = vals;
  r.n = op->node->nslots;
  r.tombstone = false;
  r.retract = retract;
  r.quiet = quiet;
  return sl_exec_forward(op, &r);
}

/* Computes [group keys..., args...]; returns false when a key is NULL. */
static bool compute(sl_operator_t *op, sl_row_t *row, sl_value_t *out) {
  const sl_pnode_t *n = op->node;
  sl_eval_ctx_t ec = {.slots = row->v, .arena = &op->task->batch};
  for (int j = 0; j < n->ngroup; j++) {
    sl_error_clear(&ec.err);
    sl_cexpr_eval(n->group_exprs[j], &ec, &out[j]);
    if (ec.err.code)
      sl_exec_plog(op->task, "RECORD_PROCESSING_ERROR", "Error computing GROUP BY key: %s",
                   ec.err.msg);
    if (sl_is_null(&out[j])) {
      sl_exec_plog(op->task, "RECORD_PROCESSING_ERROR",
                   "Group-by column with index %d resolved to null. The source row will be "
                   "excluded from the table.",
                   j);
      return false;
    }
  }
  for (int i = 0; i < n->nargs_total; i++) {
    sl_error_clear(&ec.err);
    sl_cexpr_eval(n->arg_exprs[i], &ec, &out[n->ngroup + i]);
    if (ec.err.code)
      sl_exec_plog(op->task, "RECORD_PROCESSING_ERROR", "Error computing aggregate argument: %s",
                   ec.err.msg);
  }
  return true;
}

static int groupby_push(sl_operator_t *op, sl_row_t *row) {
  const sl_pnode_t *n = op->node;
  groupby_state_t *st = op->state;
  sl_value_t *out = sl_arena_alloc(&op->task->batch, sizeof(sl_value_t) * (size_t)(n->nslots + 1));
  if (!n->from_table) {
    if (row->tombstone) return 0; /* a null-valued stream record aggregates nothing */
    if (!compute(op, row, out)) return 0;
    return emit_pre(op, row, out, false, false);
  }
  /* Table source: identify the source row by its key bytes. */
  const sl_pnode_t *s = st->source;
  sl_value_t *kv = sl_arena_alloc(&op->task->batch, sizeof(sl_value_t) * (size_t)(s->nkey + 1));
  for (int i = 0; i < s->nkey; i++) kv[i] = row->v[s->key_slots[i]];
  sl_buf_reset(&st->kb);
  sl_buf_reset(&st->b64);
  sl_error_t err;
  sl_error_clear(&err);
  if (sl_serde_encode(s->key_serde, kv, &st->kb, &err) != 0) return 0;
  sl_base64_encode(st->kb.data ? st->kb.data : "", st->kb.len, &st->b64);
  const char *k = st->b64.data ? st->b64.data : "";
  char *kcopy = sl_arena_strdup(&op->task->batch, k);
  prev_row_t *prev = sl_map_remove(st->prev, kcopy);
  bool has_new = !row->tombstone && compute(op, row, out);
  int rc = 0;
  if (prev) {
    /* Kafka Streams applies subtract and add of one update to a group as one
     * change: if both hit the same group, only the add reports. */
    bool same = has_new;
    for (int j = 0; same && j < n->ngroup; j++) same = sl_value_equal(&prev->v[j], &out[j]);
    rc = emit_pre(op, row, prev->v, true, same);
    prev_free(prev);
    if (rc) return rc;
  }
  if (!has_new) return 0;
  prev_row_t *p = sl_xmalloc(sizeof(prev_row_t) + sizeof(sl_value_t) * (size_t)n->nslots);
  p->n = n->nslots;
  for (int i = 0; i < n->nslots; i++) p->v[i] = sl_value_heap_copy(&out[i]);
  sl_map_put(st->prev, kcopy, p);
  return emit_pre(op, row, out, false, false);
}

static void groupby_end(sl_operator_t *op) {
  groupby_state_t *st = op->state;
  if (!st) return;
  int it = 0;
  void *v;
  while (sl_map_next(st->prev, &it, NULL, &v)) prev_free(v);
  sl_map_free(st->prev);
  sl_buf_free(&st->kb);
  sl_buf_free(&st->b64);
  free(st);
}

void sl_exec_groupby_init(sl_operator_t *op) {
  groupby_state_t *st = sl_xcalloc(1, sizeof *st);
  st->prev = sl_map_new(false);
  const sl_pnode_t *s = op->node->input;
  while (s && s->kind != SL_PN_SOURCE) s = s->input;
  st->source = s;
  sl_buf_init(&st->kb);
  sl_buf_init(&st->b64);
  op->state = st;
  op->push = groupby_push;
  op->end = groupby_end;
}
