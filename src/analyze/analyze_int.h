/*
 * analyze_int.h - private to analyze/: the helpers the projection binder
 * (analyze.c) and the aggregation binder (aggregate.c) share.
 */
#ifndef SLUICE_ANALYZE_INT_H
#define SLUICE_ANALYZE_INT_H

#include "sluice/analyze.h"

typedef struct scope {
  const sl_pnode_t *src;
  const char *src_name;
  const char *alias;  /* FROM alias or NULL */
  const char *clause; /* "SELECT", "WHERE", ... for messages */
  /* A join's result instead of one source: its resolver, context and width. */
  sl_resolve_fn resolve;
  void *resolve_ctx;
  int nslots;
  void (*set_clause)(void *ctx, const char *clause);
} scope_t;

int an_compile(const sl_expr_t *e, scope_t *sc, const sl_analyze_ctx_t *ax, sl_arena_t *a,
               const char *clause, sl_cexpr_t **out, sl_error_t *err);
bool an_expr_eq(const sl_expr_t *a, const sl_expr_t *b);
sl_expr_t *an_qualify(const sl_expr_t *e, const char *q, sl_arena_t *a);
const char *an_expr_text(const sl_expr_t *e, sl_arena_t *a);
const char *an_next_synth_name(sl_arena_t *a, int *gen, const char **used, int nused);
sl_expr_t *an_column_ast(sl_arena_t *a, const char *name, int offset);
void an_join_names(sl_buf_t *b, const char **names, int n, const char *last_sep);
int an_fill_sink_spec(const sl_stmt_t *st, const sl_source_t *src, const sl_analyze_ctx_t *ax,
                      int nkey, sl_arena_t *a, sl_sink_spec_t *spec, sl_error_t *err);
bool an_is_reserved_output(const char *name);
const char *an_prop_get(const sl_map_t *props, const char *name);
/* Builds the sink node over a project node (shared by every query shape). */
int an_sink_node(const sl_stmt_t *stmt, const sl_source_t *target, const sl_source_t *src,
                 const sl_analyze_ctx_t *ax, sl_pnode_t *pj, int nkey, bool result_is_table,
                 sl_arena_t *a, sl_sink_spec_t *spec, sl_pnode_t **out, sl_error_t *err);

/* Builds the rest of an aggregation query above top (source [+ filter]). */
int an_aggregate(const sl_stmt_t *stmt, const sl_source_t *target, const sl_source_t *src,
                 scope_t *sc, sl_pnode_t *top, const sl_analyze_ctx_t *ax, sl_plan_t *plan,
                 sl_sink_spec_t *spec, sl_error_t *err);
bool an_type_has_map(const sl_type_t *t);
/* ksqlDB's refusal of keys that are or contain maps. */
int an_map_key_error(const char *name, const sl_type_t *t, int offset, sl_error_t *err);
/* Binds a join query. */
int an_join(const sl_stmt_t *stmt, const sl_source_t *target, const sl_analyze_ctx_t *ax,
            sl_sink_spec_t *spec, sl_plan_t **plan_out, sl_error_t *err);
/* True if e contains an aggregate function call. */
bool an_has_aggregate(const sl_expr_t *e);

#endif
