/*
 * project.c - the projection operator: computes the output columns (key
 * columns first) from the input row. An expression that fails at run time
 * yields NULL and a processing-log entry, never a dropped query. For a
 * tombstone only the key columns are computed.
 */
#include "exec.h"

static int project_push(sl_operator_t *op, sl_row_t *row) {
  const sl_pnode_t *n = op->node;
  sl_task_t *t = op->task;
  sl_value_t *out = sl_arena_alloc(&t->batch, sizeof(sl_value_t) * (size_t)(n->nout + 1));
  /* Not an initializer: that would zero the error's message buffers per row. */
  sl_eval_ctx_t ec;
  ec.slots = row->v;
  ec.arena = &t->batch;
  int nkey = sl_schema_key_count(n->out_schema);
  for (int i = 0; i < n->nout; i++) {
    if (row->tombstone && (i >= nkey || (n->key_only && !n->key_only[i]))) {
      out[i] = sl_null();
      continue;
    }
    sl_error_clear(&ec.err);
    sl_cexpr_eval(n->exprs[i], &ec, &out[i]);
    if (ec.err.code) {
      sl_exec_plog(t, "RECORD_PROCESSING_ERROR", "Error computing expression for column %s: %s",
                   n->out_schema->cols[i].name, ec.err.msg);
    }
  }
  sl_row_t r = *row;
  r.v = out;
  r.n = n->nout;
  if (n->rekeys) r.null_key = false;
  return sl_exec_forward(op, &r);
}

void sl_exec_project_init(sl_operator_t *op) {
  op->push = project_push;
}
