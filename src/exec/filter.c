/*
 * filter.c - the filter operator: passes rows whose predicate is TRUE (NULL
 * and FALSE drop the row). Over a table a row that fails the predicate becomes
 * a tombstone for its key. Where the filter sits on an aggregation (HAVING)
 * the previous result of each key is known, so, as Kafka Streams does with
 * old values, a tombstone is sent only if the key's previous row had passed.
 */
#include <stdlib.h>
#include <string.h>

#include "exec.h"

typedef struct filter_state {
  sl_map_t *passed; /* key text -> (void*)1 for keys whose last row passed */
  sl_buf_t kb;
} filter_state_t;

static const char *key_text(filter_state_t *st, const sl_pnode_t *n, const sl_row_t *row) {
  sl_buf_reset(&st->kb);
  if (n->input && n->input->kind == SL_PN_JOIN) {
    /* A join row's key is its last slot. */
    const sl_value_t *k = &row->v[n->input->nslots - 1];
    sl_buf_printf(&st->kb, "%d:", k->kind);
    sl_value_format(k, &st->kb);
  }
  for (int i = 0; i < n->ngroup; i++) {
    sl_buf_printf(&st->kb, "%d:", row->v[i].kind);
    sl_value_format(&row->v[i], &st->kb);
    sl_buf_putc(&st->kb, '\x01');
  }
  if (row->windowed)
    sl_buf_printf(&st->kb, "%lld,%lld", (long long)row->wstart, (long long)row->wend);
  return st->kb.data ? st->kb.data : "";
}

static int filter_push(sl_operator_t *op, sl_row_t *row) {
  const sl_pnode_t *n = op->node;
  filter_state_t *st = op->state;
  bool pass = false;
  if (!row->tombstone) {
    /* Not an initializer: that would zero the error's message buffers per row. */
    sl_eval_ctx_t ec;
    ec.slots = row->v;
    ec.arena = &op->task->batch;
    sl_error_clear(&ec.err);
    sl_value_t r;
    sl_cexpr_eval(n->predicate, &ec, &r);
    if (ec.err.code) {
      sl_exec_plog(op->task, "RECORD_PROCESSING_ERROR", "Error evaluating predicate %s: %s",
                   n->predicate_text ? n->predicate_text : "", ec.err.msg);
    }
    pass = r.kind == SL_T_BOOLEAN && r.u.b;
  }
  if (!n->is_table) return pass ? sl_exec_forward(op, row) : 0;
  if (st) {
    const char *k = key_text(st, n, row);
    bool before = sl_map_remove(st->passed, k) != NULL;
    if (pass) sl_map_put(st->passed, k, (void *)1);
    if (!pass && !before) return 0;
  }
  if (!pass) row->tombstone = true;
  return sl_exec_forward(op, row);
}

static void filter_end(sl_operator_t *op) {
  filter_state_t *st = op->state;
  if (!st) return;
  sl_map_free(st->passed);
  sl_buf_free(&st->kb);
  free(st);
}

void sl_exec_filter_init(sl_operator_t *op) {
  op->push = filter_push;
  const sl_pnode_t *in = op->node->input;
  if (op->node->is_table && in &&
      ((op->node->ngroup > 0 && in->kind == SL_PN_AGGREGATE) || in->kind == SL_PN_JOIN)) {
    filter_state_t *st = sl_xcalloc(1, sizeof *st);
    st->passed = sl_map_new(false);
    sl_buf_init(&st->kb);
    op->state = st;
    op->end = filter_end;
  }
}
