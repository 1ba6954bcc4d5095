/*
 * filter.c - the filter operator: passes rows whose predicate is TRUE (NULL
 * and FALSE drop the row). Over a table a row that no longer passes becomes a
 * tombstone for its key, as a Kafka Streams KTable filter forwards it.
 */
#include "exec.h"

static int filter_push(sl_operator_t *op, sl_row_t *row) {
  if (row->tombstone) return op->node->is_table ? sl_exec_forward(op, row) : 0;
  sl_eval_ctx_t ec = {.slots = row->v, .arena = &op->task->batch};
  sl_error_clear(&ec.err);
  sl_value_t r;
  sl_cexpr_eval(op->node->predicate, &ec, &r);
  if (ec.err.code) {
    sl_exec_plog(op->task, "RECORD_PROCESSING_ERROR", "Error evaluating predicate %s: %s",
                 op->node->predicate_text ? op->node->predicate_text : "", ec.err.msg);
  }
  if (r.kind == SL_T_BOOLEAN && r.u.b) return sl_exec_forward(op, row);
  if (op->node->is_table) {
    row->tombstone = true;
    return sl_exec_forward(op, row);
  }
  return 0;
}

void sl_exec_filter_init(sl_operator_t *op) { op->push = filter_push; }
