/*
 * aggregate.c - binds GROUP BY / aggregate queries. The plan is
 *   source -> [filter] -> groupby -> [repartition sink | repartition source]
 *          -> aggregate -> [having] -> project -> sink
 * The groupby node computes the grouping keys and every aggregate call's
 * arguments; when the grouping is not the source key (or the source is a
 * table) those rows go through an internal repartition topic so that all rows
 * of one group meet in one task. The projection and HAVING are compiled
 * against the aggregate's output row: grouping keys, aggregate results and the
 * window bounds, with ksqlDB's messages for anything else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_int.h"
#include "sluice/parser.h"
#include "sluice/serde.h"

static bool is_agg_call(const sl_expr_t *e) {
  if (e->kind != SL_EX_CALL || !e->name) return false;
  const sl_function_t *f = sl_function_find(e->name->name);
  return f && f->kind == SL_FN_AGGREGATE;
}

bool an_has_aggregate(const sl_expr_t *e) {
  if (!e) return false;
  if (is_agg_call(e)) return true;
  if (an_has_aggregate(e->left) || an_has_aggregate(e->right) || an_has_aggregate(e->third))
    return true;
  for (int i = 0; i < e->args.len; i++)
    if (an_has_aggregate(e->args.items[i])) return true;
  for (int i = 0; i < e->whens.len; i++) {
    const sl_when_t *w = e->whens.items[i];
    if (an_has_aggregate(w->when) || an_has_aggregate(w->then)) return true;
  }
  return false;
}

typedef struct agg_found {
  const sl_expr_t *ast;
} agg_found_t;

typedef struct agg_bind {
  scope_t *src_scope;
  int ngroup;
  const sl_expr_t **group_ast;
  const sl_type_t **group_types;
  int nagg;
  const sl_expr_t **agg_ast;
  const sl_type_t **agg_types;
  bool windowed;
  int slot_wstart, slot_wend;
  const char *clause;   /* "SELECT" or "HAVING" */
  const sl_expr_t *bad; /* first column that is neither grouped nor aggregated */
} agg_bind_t;

/* Collects distinct aggregate calls; rejects nested aggregates. */
static int collect_aggs(const sl_expr_t *e, sl_arena_t *a, sl_ptrvec_t *out, sl_error_t *err) {
  if (!e) return 0;
  if (is_agg_call(e)) {
    for (int i = 0; i < e->args.len; i++) {
      if (an_has_aggregate(e->args.items[i])) {
        return sl_error_set(err, SL_ESEMANTIC, e->offset,
                            "Aggregate functions can not be nested: %s", an_expr_text(e, a));
      }
    }
    for (int i = 0; i < out->len; i++)
      if (an_expr_eq(out->items[i], e)) return 0;
    sl_ptrvec_push(out, (void *)e);
    return 0;
  }
  int rc;
  if ((rc = collect_aggs(e->left, a, out, err)) || (rc = collect_aggs(e->right, a, out, err)) ||
      (rc = collect_aggs(e->third, a, out, err)))
    return rc;
  for (int i = 0; i < e->args.len; i++)
    if ((rc = collect_aggs(e->args.items[i], a, out, err))) return rc;
  for (int i = 0; i < e->whens.len; i++) {
    const sl_when_t *w = e->whens.items[i];
    if ((rc = collect_aggs(w->when, a, out, err)) || (rc = collect_aggs(w->then, a, out, err)))
      return rc;
  }
  return 0;
}

/* Resolves against the aggregate's output row. */
static int agg_resolve(void *ctx, const sl_expr_t *e, int *slot, const sl_type_t **type,
                       sl_error_t *err) {
  agg_bind_t *b = ctx;
  for (int j = 0; j < b->ngroup; j++) {
    if (an_expr_eq(b->group_ast[j], e)) {
      *slot = j;
      *type = b->group_types[j];
      return 0;
    }
  }
  if (is_agg_call(e)) {
    for (int i = 0; i < b->nagg; i++)
      if (an_expr_eq(b->agg_ast[i], e)) {
        *slot = b->ngroup + i;
        *type = b->agg_types[i];
        return 0;
      }
    return sl_error_set(err, SL_ESEMANTIC, e->offset, "Unknown aggregate");
  }
  if (e->kind == SL_EX_COLUMN) {
    const char *n = e->name->name;
    /* A bare column equal to a grouping column (qualifiers aside). */
    if ((!strcmp(n, "WINDOWSTART") || !strcmp(n, "WINDOWEND")) &&
        (!b->windowed || !strcmp(b->clause, "HAVING")))
      return sl_error_set(err, SL_ESEMANTIC, e->offset,
                          "Window bounds column %s can only be used in the SELECT clause of "
                          "windowed aggregations",
                          n);
    if (b->windowed && (!strcmp(n, "WINDOWSTART") || !strcmp(n, "WINDOWEND"))) {
      *slot = !strcmp(n, "WINDOWSTART") ? b->slot_wstart : b->slot_wend;
      *type = &sl_type_bigint;
      return 0;
    }
    if (!b->bad) b->bad = e;
    return sl_error_set(err, SL_ESEMANTIC, e->offset, "%s column '%s' is not part of GROUP BY",
                        b->clause, n);
  }
  return 1;
}

static int compile_agg_scope(const sl_expr_t *e, agg_bind_t *b, const char *clause,
                             const sl_analyze_ctx_t *ax, sl_arena_t *a, int nslots,
                             sl_cexpr_t **out, sl_error_t *err) {
  b->clause = clause;
  sl_compile_ctx_t cc = {.arena = a,
                         .resolve = agg_resolve,
                         .resolve_ctx = b,
                         .lookup_type = ax->lookup_type ? (sl_type_lookup_fn)ax->lookup_type : NULL,
                         .lookup_ctx = ax->ctx,
                         .nslots = nslots,
                         .allow_aggregates = true};
  (void)b->src_scope;
  return sl_expr_compile(e, &cc, out, err);
}

static int64_t dur_ms(const sl_duration_t *d) {
  return sl_duration_ms(d);
}

typedef struct out_col {
  const char *name;
  const sl_expr_t *ast;
  sl_cexpr_t *cx;
  int group_idx;
  int offset;
} out_col_t;

int an_aggregate(const sl_stmt_t *stmt, const sl_source_t *target, const sl_source_t *src,
                 scope_t *sc, sl_pnode_t *top, const sl_analyze_ctx_t *ax, sl_plan_t *plan,
                 sl_sink_spec_t *spec, sl_error_t *err) {
  sl_arena_t *a = &plan->arena;
  const sl_select_t *sel = stmt->select;
  const sl_pnode_t *srcn = sc->src;
  int rc;
  if (src->value_format && sl_streq_ci(src->value_format, "KAFKA"))
    return sl_error_set(err, SL_ESEMANTIC, sel->offset,
                        "Source(s) %s are using the 'KAFKA' value format. This format does not yet "
                        "support GROUP BY.",
                        src->name);
  if (sel->group_by.len == 0) {
    /* Plain columns next to aggregates are reported first, as ksqlDB does. */
    sl_buf_t nb;
    sl_buf_init(&nb);
    for (int i = 0; i < sel->items.len; i++) {
      const sl_select_item_t *it = sel->items.items[i];
      if (it->expr->kind == SL_EX_COLUMN)
        sl_buf_printf(&nb, "%s%s", nb.len ? ", " : "", an_expr_text(it->expr, a));
    }
    if (nb.len) {
      rc = sl_error_set(err, SL_ESEMANTIC, sel->offset,
                        "Non-aggregate SELECT expression(s) not part of GROUP BY: %s\nEither add "
                        "the column(s) to the GROUP BY or remove them from the SELECT.",
                        nb.data);
      sl_buf_free(&nb);
      return rc;
    }
    sl_buf_free(&nb);
    const char *what = NULL;
    for (int i = 0; i < sel->items.len && !what; i++) {
      const sl_select_item_t *it = sel->items.items[i];
      if (an_has_aggregate(it->expr)) {
        what = an_expr_text(it->expr, a);
        /* ksqlDB spells COUNT(*) as COUNT(ROWTIME) here. */
        const char *star = strstr(what, "(*)");
        if (star) what = sl_arena_sprintf(a, "%.*s(ROWTIME)%s", (int)(star - what), what, star + 3);
      }
    }
    return sl_error_set(
        err, SL_ESEMANTIC, sel->offset,
        "%s statement does not support aggregate function [%s] without a GROUP "
        "BY clause.",
        stmt->obj == SL_OBJ_TABLE ? "CREATE TABLE AS SELECT" : "CREATE STREAM AS SELECT",
        what ? what : "");
  }
  if (src->window_type != SL_WIN_NONE && sel->window)
    return sl_error_set(err, SL_ESEMANTIC, sel->window->offset,
                        "Cannot apply a WINDOW to an already windowed source");
  if (sel->window && src->is_table)
    return sl_error_set(err, SL_ESEMANTIC, sel->window->offset,
                        "Windowing is not supported for TABLE sources.");

  /* Grouping expressions. */
  int ng = sel->group_by.len;
  const sl_expr_t **gast = sl_arena_alloc(a, sizeof(void *) * (size_t)ng);
  const sl_type_t **gtypes = sl_arena_alloc(a, sizeof(void *) * (size_t)ng);
  sl_cexpr_t **gcx = sl_arena_alloc(a, sizeof(void *) * (size_t)ng);
  for (int j = 0; j < ng; j++) {
    const sl_expr_t *g = sel->group_by.items[j];
    if (an_has_aggregate(g)) {
      sl_ptrvec_t found = {0};
      sl_error_t ignore;
      sl_error_clear(&ignore);
      collect_aggs(g, a, &found, &ignore);
      const sl_expr_t *call = found.len ? found.items[0] : g;
      sl_ptrvec_free(&found);
      return sl_error_set(err, SL_ESEMANTIC, g->offset,
                          "GROUP BY does not support aggregate functions: %s is an aggregate "
                          "function.",
                          call->name ? call->name->name : an_expr_text(g, a));
    }
    for (int k = 0; k < j; k++)
      if (an_expr_eq(gast[k], g))
        return sl_error_set(
            err, SL_ESEMANTIC, g->offset, "Duplicate GROUP BY expression: %s",
            an_expr_text(an_qualify(g, sc->alias ? sc->alias : sc->src_name, a), a));
    gast[j] = g;
    if ((rc = an_compile(g, sc, ax, a, "GROUP BY", &gcx[j], err))) return rc;
    gtypes[j] = sl_cexpr_type(gcx[j]);
  }

  /* Aggregate calls in SELECT and HAVING. */
  sl_ptrvec_t calls = {0}, argx = {0};
  for (int i = 0; i < sel->items.len; i++) {
    const sl_select_item_t *it = sel->items.items[i];
    if (it->expr->kind == SL_EX_STAR) continue;
    if ((rc = collect_aggs(it->expr, a, &calls, err))) goto out;
  }
  if (sel->having && (rc = collect_aggs(sel->having, a, &calls, err))) goto out;
  if (calls.len == 0) {
    /* An unknown function is the better message. */
    for (int i = 0; i < sel->items.len; i++) {
      const sl_expr_t *e = ((sl_select_item_t *)sel->items.items[i])->expr;
      sl_cexpr_t *x;
      sl_error_t cerr;
      sl_error_clear(&cerr);
      if (e->kind != SL_EX_STAR && an_compile(e, sc, ax, a, "SELECT", &x, &cerr) != 0 &&
          strstr(cerr.msg, "Can't find any functions")) {
        *err = cerr;
        rc = cerr.code;
        goto out;
      }
    }
    rc = sl_error_set(err, SL_ESEMANTIC, sel->offset,
                      "GROUP BY requires aggregate functions in either the SELECT or HAVING "
                      "clause.");
    goto out;
  }
  int nagg = calls.len;
  sl_agg_call_t *aggs = sl_arena_alloc(a, sizeof(sl_agg_call_t) * (size_t)nagg);
  const sl_expr_t **aast = sl_arena_alloc(a, sizeof(void *) * (size_t)nagg);
  const sl_type_t **atypes = sl_arena_alloc(a, sizeof(void *) * (size_t)nagg);
  for (int i = 0; i < nagg; i++) {
    const sl_expr_t *c = calls.items[i];
    const sl_function_t *f = sl_function_find(c->name->name);
    sl_agg_call_t *ag = &aggs[i];
    aast[i] = c;
    ag->name = f->name;
    ag->star = c->star;
    ag->arg_slot = ng + argx.len;
    int n = c->args.len;
    ag->arg_types = sl_arena_alloc(a, sizeof(void *) * (size_t)(n + 1));
    ag->const_args = sl_arena_alloc(a, sizeof(sl_value_t) * (size_t)(n + 1));
    for (int k = 0; k < n; k++) {
      sl_cexpr_t *x;
      if ((rc = an_compile(c->args.items[k], sc, ax, a, "AGGREGATE", &x, err))) goto out;
      ag->arg_types[k] = sl_cexpr_type(x);
      ag->const_args[k] = sl_null();
      if (k > 0 && sl_cexpr_is_constant(x)) {
        sl_eval_ctx_t ec = {.slots = NULL, .arena = a};
        sl_error_clear(&ec.err);
        sl_cexpr_eval(x, &ec, &ag->const_args[k]);
      }
      sl_ptrvec_push(&argx, x);
    }
    ag->nargs = n;
    if (src->is_table &&
        (!strcmp(f->name, "MIN") || !strcmp(f->name, "MAX") ||
         !strcmp(f->name, "LATEST_BY_OFFSET") || !strcmp(f->name, "EARLIEST_BY_OFFSET"))) {
      rc = sl_error_set(err, SL_ESEMANTIC, c->offset,
                        "The aggregation functions LATEST_BY_OFFSET, MIN and MAX cannot be "
                        "applied to a table source, only to a stream source.");
      goto out;
    }
    const sl_type_t *ret = NULL;
    sl_error_t terr;
    sl_error_clear(&terr);
    if (f->typer && f->typer(ag->arg_types, n, a, &ret, &terr) != 0) {
      sl_buf_t tb;
      sl_buf_init(&tb);
      for (int k = 0; k < n; k++) {
        if (k) sl_buf_puts(&tb, ", ");
        if (ag->arg_types[k])
          sl_type_format(ag->arg_types[k], &tb);
        else
          sl_buf_puts(&tb, "null");
      }
      rc = sl_error_set(err, SL_ESEMANTIC, c->offset,
                        "Function '%s' does not accept parameters (%s).", f->name,
                        tb.data ? tb.data : "");
      sl_buf_free(&tb);
      goto out;
    }
    ag->ret = ret ? ret : &sl_type_bigint;
    atypes[i] = ag->ret;
  }

  /* Keys that are or contain maps are refused, named as the result names them. */
  for (int j = 0; j < ng; j++) {
    if (!an_type_has_map(gtypes[j])) continue;
    const char *name = NULL;
    for (int i = 0; i < sel->items.len && !name; i++) {
      const sl_select_item_t *it = sel->items.items[i];
      if (it->expr->kind == SL_EX_STAR || !an_expr_eq(it->expr, gast[j])) continue;
      name = it->alias ? it->alias->name
             : (it->expr->kind == SL_EX_COLUMN || it->expr->kind == SL_EX_DEREF)
                 ? it->expr->name->name
                 : "KSQL_COL_0";
    }
    rc = an_map_key_error(name ? name : "KSQL_COL_0", gtypes[j], gast[j]->offset, err);
    goto out;
  }

  /* Pre-aggregation: [group keys..., arguments...]. */
  sl_pnode_t *gb = sl_arena_alloc(a, sizeof *gb);
  gb->kind = SL_PN_GROUPBY;
  gb->input = top;
  gb->ngroup = ng;
  gb->group_exprs = gcx;
  gb->nargs_total = argx.len;
  gb->arg_exprs = sl_arena_alloc(a, sizeof(void *) * (size_t)(argx.len + 1));
  for (int i = 0; i < argx.len; i++) gb->arg_exprs[i] = argx.items[i];
  gb->nslots = ng + argx.len;
  gb->from_table = src->is_table;
  gb->is_table = src->is_table;

  /* Internal columns of the pre-aggregation row (for the repartition topic). */
  sl_schema_t *pre = sl_arena_alloc(a, sizeof *pre);
  pre->ncols = gb->nslots;
  pre->cols = sl_arena_alloc(a, sizeof(sl_column_t) * (size_t)(gb->nslots + 1));
  for (int j = 0; j < ng; j++)
    pre->cols[j] = (sl_column_t){.name = sl_arena_sprintf(a, "K%d", j),
                                 .type = gtypes[j] ? gtypes[j] : &sl_type_string,
                                 .ns = SL_NS_KEY};
  for (int i = 0; i < argx.len; i++) {
    const sl_type_t *t = sl_cexpr_type(argx.items[i]);
    pre->cols[ng + i] = (sl_column_t){
        .name = sl_arena_sprintf(a, "A%d", i), .type = t ? t : &sl_type_string, .ns = SL_NS_VALUE};
  }

  /* Repartition unless a stream is grouped by exactly its key columns. */
  bool by_key = !src->is_table && ng == srcn->nkey && !sc->resolve;
  for (int j = 0; by_key && j < ng; j++)
    by_key = gast[j]->kind == SL_EX_COLUMN &&
             sl_schema_find(srcn->schema, gast[j]->name->name) == srcn->key_slots[j];
  sl_serde_opts_t kopts = {.delimiter = ',', .wrap_single = false};
  sl_serde_opts_t vopts = {.delimiter = ',', .wrap_single = true};
  sl_pnode_t *agg_input = gb;
  if (!by_key) {
    const char *topic = sl_arena_sprintf(
        a, "_confluent-ksql-%squery_%s-Aggregate-GroupBy-repartition",
        ax->service_id ? ax->service_id : "default_", ax->query_id ? ax->query_id : "transient");
    sl_pnode_t *rs = sl_arena_alloc(a, sizeof *rs);
    rs->kind = SL_PN_SINK;
    rs->internal = true;
    rs->input = gb;
    rs->nslots = gb->nslots;
    rs->sink_topic = topic;
    rs->sink_name = topic;
    rs->sink_nkey = ng;
    rs->sink_ts_slot = -1;
    if ((rc = sl_serde_new("JSON", pre->cols, ng, true, &kopts, a, &rs->sink_key_serde, err)) ||
        (rc = sl_serde_new("JSON", pre->cols + ng, argx.len, false, &vopts, a,
                           &rs->sink_value_serde, err)))
      goto out;
    plan->pre_roots[plan->npre++] = rs;
    plan->internal_partitions[plan->ninternal] = 0;
    plan->internal_topics[plan->ninternal++] = topic;
    sl_source_t tmp = {0};
    tmp.name = topic;
    tmp.topic = topic;
    tmp.key_format = "JSON";
    tmp.value_format = "JSON";
    tmp.key_opts = kopts;
    tmp.value_opts = vopts;
    tmp.schema = pre;
    sl_pnode_t *rsrc;
    if ((rc = sl_plan_source_node(&tmp, a, &rsrc, err))) goto out;
    rsrc->internal = true;
    sl_pnode_t **srcs = sl_arena_alloc(a, sizeof(void *) * (size_t)(plan->nsources + 1));
    for (int i = 0; i < plan->nsources; i++) srcs[i] = plan->sources[i];
    srcs[plan->nsources++] = rsrc;
    plan->sources = srcs;
    agg_input = rsrc;
  }

  /* The aggregation. */
  sl_pnode_t *ag = sl_arena_alloc(a, sizeof *ag);
  ag->kind = SL_PN_AGGREGATE;
  ag->input = agg_input;
  ag->ngroup = ng;
  ag->nagg = nagg;
  ag->aggs = aggs;
  ag->nslots = ng + nagg + 2;
  ag->is_table = src->is_table;
  if ((rc = sl_serde_new("JSON", pre->cols, ng, true, &kopts, a, &ag->group_serde, err))) goto out;
  ag->group_types = sl_arena_alloc(a, sizeof(void *) * (size_t)(ng + 1));
  for (int j = 0; j < ng; j++) ag->group_types[j] = pre->cols[j].type;
  if (ax->query_id && plan->nchangelog < 4) {
    ag->changelog_topic =
        sl_arena_sprintf(a, "_confluent-ksql-%squery_%s-Aggregate-Aggregate-Materialize-changelog",
                         ax->service_id ? ax->service_id : "default_", ax->query_id);
    plan->changelog_topics[plan->nchangelog++] = ag->changelog_topic;
  }
  if (sel->window) {
    const sl_window_ast_t *w = sel->window;
    ag->window.kind = w->kind;
    ag->window.size_ms = dur_ms(&w->size);
    ag->window.advance_ms = w->kind == SL_WIN_HOPPING ? dur_ms(&w->advance) : ag->window.size_ms;
    ag->window.grace_ms = w->has_grace ? dur_ms(&w->grace) : 24LL * 3600 * 1000;
    ag->window.retention_ms = w->has_retention ? dur_ms(&w->retention) : 0;
    ag->window.emit_final = sel->emit == SL_EMIT_FINAL;
    if (w->kind == SL_WIN_HOPPING && ag->window.advance_ms > ag->window.size_ms) {
      rc = sl_error_set(err, SL_ESEMANTIC, w->offset,
                        "Window advance must be less than or equal to window size");
      goto out;
    }
  }
  agg_bind_t b = {.src_scope = sc,
                  .ngroup = ng,
                  .group_ast = gast,
                  .group_types = gtypes,
                  .nagg = nagg,
                  .agg_ast = aast,
                  .agg_types = atypes,
                  .windowed = sel->window != NULL,
                  .slot_wstart = ng + nagg,
                  .slot_wend = ng + nagg + 1};
  sl_pnode_t *cur = ag;
  if (sel->having) {
    sl_pnode_t *h = sl_arena_alloc(a, sizeof *h);
    h->kind = SL_PN_FILTER;
    h->input = cur;
    h->nslots = cur->nslots;
    h->is_table = true;
    h->ngroup = ng;
    b.bad = NULL;
    if ((rc = compile_agg_scope(sel->having, &b, "HAVING", ax, a, cur->nslots, &h->predicate,
                                err))) {
      if (b.bad) {
        sl_error_clear(err);
        rc = sl_error_set(err, SL_ESEMANTIC, b.bad->offset,
                          "Non-aggregate HAVING expression not part of GROUP BY: %s",
                          an_expr_text(b.bad, a));
      }
      goto out;
    }
    h->predicate_text = an_expr_text(sel->having, a);
    cur = h;
  }

  /* Projection: grouping keys become key columns. */
  int cap = sel->items.len + srcn->schema->ncols + 1;
  out_col_t *cols = sl_arena_alloc(a, sizeof(out_col_t) * (size_t)cap);
  int nc = 0, gen = 0;
  sl_buf_t bad;
  sl_buf_init(&bad);
  for (int i = 0; i < sel->items.len; i++) {
    const sl_select_item_t *it = sel->items.items[i];
    const sl_expr_t *e = it->expr;
    if (e->kind == SL_EX_STAR) {
      /* Every source column must then be grouped. */
      for (int c = 0; c < srcn->schema->ncols; c++) {
        sl_expr_t *ce = an_column_ast(a, srcn->schema->cols[c].name, e->offset);
        int gi = -1;
        for (int j = 0; j < ng; j++)
          if (an_expr_eq(gast[j], ce)) gi = j;
        if (gi < 0) {
          sl_buf_printf(&bad, "%s%s", bad.len ? ", " : "", srcn->schema->cols[c].name);
          continue;
        }
        if (nc >= cap) continue;
        out_col_t *o = &cols[nc++];
        o->ast = ce;
        o->offset = e->offset;
        o->group_idx = gi;
        o->name = srcn->schema->cols[c].name;
        sl_error_t cerr;
        sl_error_clear(&cerr);
        compile_agg_scope(ce, &b, "SELECT", ax, a, cur->nslots, &o->cx, &cerr);
      }
      continue;
    }
    out_col_t *o = &cols[nc++];
    o->ast = e;
    o->offset = it->offset;
    o->group_idx = -1;
    for (int j = 0; j < ng; j++)
      if (an_expr_eq(gast[j], e)) o->group_idx = j;
    b.bad = NULL;
    sl_error_t cerr;
    sl_error_clear(&cerr);
    if (compile_agg_scope(e, &b, "SELECT", ax, a, cur->nslots, &o->cx, &cerr)) {
      if (b.bad) {
        sl_buf_printf(&bad, "%s%s", bad.len ? ", " : "", an_expr_text(e, a));
        continue;
      }
      *err = cerr;
      sl_buf_free(&bad);
      rc = cerr.code;
      goto out;
    }
    if (it->alias)
      o->name = it->alias->name;
    else if (e->kind == SL_EX_COLUMN)
      o->name = e->name->name;
    else if (e->kind == SL_EX_DEREF)
      o->name = e->name->name;
  }
  if (bad.len) {
    rc = sl_error_set(err, SL_ESEMANTIC, sel->offset,
                      "Non-aggregate SELECT expression(s) not part of GROUP BY: %s\nEither add the "
                      "column(s) to the GROUP BY or remove them from the SELECT.",
                      bad.data);
    sl_buf_free(&bad);
    goto out;
  }
  sl_buf_free(&bad);
  const char **used = sl_arena_alloc(a, sizeof(char *) * (size_t)(nc + 1));
  for (int i = 0; i < nc; i++) used[i] = cols[i].name;
  for (int i = 0; i < nc; i++)
    if (!cols[i].name) used[i] = cols[i].name = an_next_synth_name(a, &gen, used, nc);

  /* Every grouping expression must be projected, exactly once. */
  const char *sink_name = target ? target->name : stmt->name.name;
  {
    const char *missing[64];
    int nmiss = 0;
    for (int j = 0; j < ng && nmiss < 64; j++) {
      const char *first = NULL;
      for (int i = 0; i < nc; i++) {
        if (cols[i].group_idx != j) continue;
        if (first) {
          rc = sl_error_set(err, SL_ESEMANTIC, cols[i].offset,
                            "The projection contains a key column more than once: `%s` and `%s`.",
                            first, cols[i].name);
          goto out;
        }
        first = cols[i].name;
      }
      if (!first) nmiss++;
    }
    if (nmiss) {
      nmiss = 0;
      for (int j = 0; j < ng && nmiss < 64; j++) {
        bool have = false;
        for (int i = 0; i < nc; i++) have |= cols[i].group_idx == j;
        if (!have) missing[nmiss++] = an_expr_text(gast[j], a);
      }
      sl_buf_t x, y;
      sl_buf_init(&x);
      sl_buf_init(&y);
      an_join_names(&x, missing, nmiss, " and ");
      an_join_names(&y, missing, nmiss, ", ");
      rc = sl_error_set(err, SL_ESEMANTIC, sel->offset,
                        "The query used to build `%s` must include the grouping expression%s %s "
                        "in its projection (eg, SELECT %s...).",
                        sink_name, nmiss > 1 ? "s" : "", x.data, y.data);
      sl_buf_free(&x);
      sl_buf_free(&y);
      goto out;
    }
  }
  if (nc - ng <= 0) {
    rc = sl_error_set(err, SL_ESEMANTIC, sel->offset, "The projection contains no value columns.");
    goto out;
  }
  sl_pnode_t *pj = sl_arena_alloc(a, sizeof *pj);
  pj->kind = SL_PN_PROJECT;
  pj->input = cur;
  pj->nout = nc;
  pj->nslots = nc;
  pj->exprs = sl_arena_alloc(a, sizeof(void *) * (size_t)nc);
  pj->out_schema = sl_arena_alloc(a, sizeof(sl_schema_t));
  pj->out_schema->ncols = nc;
  pj->out_schema->cols = sl_arena_alloc(a, sizeof(sl_column_t) * (size_t)nc);
  int o = 0;
  for (int j = 0; j < ng; j++)
    for (int i = 0; i < nc; i++)
      if (cols[i].group_idx == j) {
        pj->exprs[o] = cols[i].cx;
        pj->out_schema->cols[o++] =
            (sl_column_t){.name = cols[i].name, .type = sl_cexpr_type(cols[i].cx), .ns = SL_NS_KEY};
      }
  for (int i = 0; i < nc; i++) {
    if (cols[i].group_idx >= 0) continue;
    const sl_type_t *t = sl_cexpr_type(cols[i].cx);
    for (int k = 0; k < o; k++)
      if (!strcmp(pj->out_schema->cols[k].name, cols[i].name)) {
        sl_buf_t tb;
        sl_buf_init(&tb);
        if (t) sl_type_format(t, &tb);
        rc = sl_error_set(err, SL_ESEMANTIC, cols[i].offset,
                          "Duplicate value columns found in schema: `%s` %s", cols[i].name,
                          tb.data ? tb.data : "");
        sl_buf_free(&tb);
        goto out;
      }
    pj->exprs[o] = cols[i].cx;
    pj->out_schema->cols[o++] =
        (sl_column_t){.name = cols[i].name, .type = t ? t : &sl_type_string, .ns = SL_NS_VALUE};
  }
  plan->out_schema = pj->out_schema;

  sl_sink_spec_t local;
  if (!spec) spec = &local;
  sl_pnode_t *sk;
  if ((rc = an_sink_node(stmt, target, src, ax, pj, ng, true, a, spec, &sk, err))) goto out;
  if (sel->window) {
    spec->window_type = sel->window->kind;
    spec->window_size_ms = sel->window->kind == SL_WIN_SESSION ? 0 : ag->window.size_ms;
    sk->window_type = sel->window->kind;
  }
  plan->root = sk;
  plan->sink_name = sk->sink_name;
  rc = 0;
out:
  sl_ptrvec_free(&calls);
  sl_ptrvec_free(&argx);
  return rc;
}
