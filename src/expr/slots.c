/*
 * slots.c - what a compiled expression reads. The planner asks which row
 * slots each expression of a plan looks at, to find the value columns no
 * operator ever reads; sources then skip building values for those columns.
 * Only CX_SLOT nodes read the row (a DEREF's slot is a field number), and
 * every other node keeps its operands in args, lambda bodies included.
 */
#include "expr_int.h"

void sl_cexpr_visit_slots(const sl_cexpr_t *c, void (*fn)(void *ctx, int slot), void *ctx) {
  if (!c) return;
  if (c->kind == CX_SLOT) fn(ctx, c->slot);
  for (int i = 0; i < c->nargs; i++) sl_cexpr_visit_slots(c->args[i], fn, ctx);
}

int sl_cexpr_slot(const sl_cexpr_t *c) {
  return c && c->kind == CX_SLOT ? c->slot : -1;
}
