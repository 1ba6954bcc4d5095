/*
 * join.c - binds a two-source join (stream-stream WITHIN, stream-table,
 * table-table) into a plan:
 *   left source  -> [repartition by join expression] -> join (port 0)
 *   right source -> [repartition by join expression] -> join (port 1)
 *   join -> [WHERE] -> project -> sink
 * The join row is the left row, the right row and the join key. Names follow
 * ksqlDB: a column is addressed as ALIAS.COL, projected as COL when no other
 * source has that column and as ALIAS_COL otherwise; the result key is the
 * join column the projection names first, or the synthetic ROWKEY when the
 * join expressions are not plain columns or the join is FULL OUTER.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_int.h"
#include "sluice/parser.h"
#include "sluice/serde.h"

/* One source taking part in a join. */
typedef struct member {
  const sl_source_t *src;
  sl_pnode_t *node;  /* its source node (schema, pseudo-column slots) */
  const char *alias; /* alias or source name */
  int base;          /* first slot of its row within its side's row */
} member_t;

/* An input of one join: a single source, or (on the left of the second and
 * later joins of a statement) the result of the joins before it. */
typedef struct side {
  member_t *m;
  int nm;
  int width;        /* slots of the side's rows */
  int base;         /* first slot of this side in the join row */
  sl_pnode_t *node; /* what produces the side's rows */
  bool is_table;
} side_t;

typedef struct jscope {
  side_t *s[2];
  int only;     /* -1: both sides visible; 0/1: one side's own row */
  int key_slot; /* slot of the join key */
  const sl_type_t *key_type;
  bool synthetic;
  const char *key_name; /* name of the synthetic key: ROWKEY, or ROWKEY_n if taken */
  const char *clause;
  int refs[2]; /* columns referenced per side (for ON analysis) */
} jscope_t;

static int member_col(const member_t *mb, const char *name, int *slot, const sl_type_t **t) {
  const sl_pnode_t *n = mb->node;
  int i = sl_schema_find(n->schema, name);
  if (i >= 0) {
    *slot = mb->base + i;
    *t = n->schema->cols[i].type;
    return 0;
  }
  int sl;
  if (!strcmp(name, "ROWTIME"))
    sl = n->slot_rowtime, *t = &sl_type_bigint;
  else if (!strcmp(name, "ROWPARTITION"))
    sl = n->slot_rowpartition, *t = &sl_type_int;
  else if (!strcmp(name, "ROWOFFSET"))
    sl = n->slot_rowoffset, *t = &sl_type_bigint;
  else if (!strcmp(name, "WINDOWSTART") && n->window_type)
    sl = n->slot_wstart, *t = &sl_type_bigint;
  else if (!strcmp(name, "WINDOWEND") && n->window_type)
    sl = n->slot_wend, *t = &sl_type_bigint;
  else
    return -1;
  *slot = mb->base + sl;
  return 0;
}

static bool member_named(const member_t *mb, const char *q) {
  return !strcmp(q, mb->alias) || !strcmp(q, mb->src->name);
}

static const member_t *side_member(const side_t *s, const char *q) {
  for (int i = 0; i < s->nm; i++)
    if (member_named(&s->m[i], q)) return &s->m[i];
  return NULL;
}

static bool side_named(const side_t *s, const char *q) {
  return side_member(s, q) != NULL;
}

/* A column of the side by unqualified name: the first member that has it. */
static int side_col(const side_t *s, const char *name, int *slot, const sl_type_t **t,
                    const member_t **owner) {
  for (int i = 0; i < s->nm; i++)
    if (member_col(&s->m[i], name, slot, t) == 0) {
      if (owner) *owner = &s->m[i];
      return 0;
    }
  return -1;
}

static int jresolve(void *ctx, const sl_expr_t *e, int *slot, const sl_type_t **type,
                    sl_error_t *err) {
  jscope_t *js = ctx;
  if (e->kind != SL_EX_COLUMN) return 1;
  const char *name = e->name->name;
  if (e->qualifier) {
    for (int k = 0; k < 2; k++) {
      const member_t *mb = side_member(js->s[k], e->qualifier->name);
      if (!mb) continue;
      if (js->only >= 0 && js->only != k) {
        js->refs[k]++;
        return sl_error_set(err, SL_ESEMANTIC, e->offset, "wrong side");
      }
      int sl;
      if (member_col(mb, name, &sl, type) == 0) {
        *slot = (js->only >= 0 ? 0 : js->s[k]->base) + sl;
        js->refs[k]++;
        return 0;
      }
      return sl_error_set(err, SL_ESEMANTIC, e->offset, "%s column '%s.%s' cannot be resolved.",
                          js->clause, e->qualifier->name, name);
    }
    return sl_error_set(err, SL_ESEMANTIC, e->qualifier->offset,
                        "'%s' is not a valid stream/table name or alias.", e->qualifier->name);
  }
  if (!strcmp(name, "\x01JOINKEY") ||
      (js->synthetic && js->only < 0 && !strcmp(name, js->key_name))) {
    *slot = js->key_slot;
    *type = js->key_type;
    return 0;
  }
  int found = -1, fslot = 0;
  const sl_type_t *ft = NULL;
  const member_t *fm = NULL;
  for (int k = 0; k < 2; k++) {
    if (js->only >= 0 && js->only != k) continue;
    for (int i = 0; i < js->s[k]->nm; i++) {
      const member_t *mb = &js->s[k]->m[i];
      int sl;
      const sl_type_t *t;
      if (member_col(mb, name, &sl, &t) != 0) continue;
      bool pseudo = sl_schema_find(mb->node->schema, name) < 0;
      if (found >= 0) {
        if (pseudo) continue; /* unqualified ROWTIME: the leftmost source's */
        return sl_error_set(err, SL_ESEMANTIC, e->offset,
                            "Column '%s' is ambiguous. Could be %s.%s or %s.%s.", name, fm->alias,
                            name, mb->alias, name);
      }
      found = k;
      fm = mb;
      fslot = (js->only >= 0 ? 0 : js->s[k]->base) + sl;
      ft = t;
    }
  }
  if (found < 0)
    return sl_error_set(err, SL_ESEMANTIC, e->offset, "%s column '%s' cannot be resolved.",
                        js->clause, name);
  js->refs[found]++;
  *slot = fslot;
  *type = ft;
  return 0;
}

static void jset_clause(void *ctx, const char *clause) {
  jscope_t *js = ctx;
  js->clause = clause;
  js->only = -1;
}

static int jcompile(const sl_expr_t *e, jscope_t *js, const char *clause, int only,
                    const sl_analyze_ctx_t *ax, sl_arena_t *a, int nslots, sl_cexpr_t **out,
                    sl_error_t *err) {
  js->clause = clause;
  js->only = only;
  sl_compile_ctx_t cc = {.arena = a,
                         .resolve = jresolve,
                         .resolve_ctx = js,
                         .lookup_type = ax->lookup_type,
                         .lookup_ctx = ax->ctx,
                         .nslots = nslots};
  return sl_expr_compile(e, &cc, out, err);
}

/* Which sides an expression references (bit 0 left, bit 1 right); -1 on error. */
static int sides_of(const sl_expr_t *e, jscope_t *js, const sl_analyze_ctx_t *ax, sl_arena_t *a,
                    sl_error_t *err) {
  js->refs[0] = js->refs[1] = 0;
  sl_cexpr_t *x;
  int n = js->s[0]->width + js->s[1]->width + 1;
  if (jcompile(e, js, "JOIN ON", -1, ax, a, n, &x, err)) return -1;
  return (js->refs[0] ? 1 : 0) | (js->refs[1] ? 2 : 0);
}

/* The first qualifier naming neither side, or NULL. */
static const sl_ident_t *bad_qualifier(const sl_expr_t *e, side_t *l, side_t *r) {
  if (!e) return NULL;
  if ((e->kind == SL_EX_COLUMN || e->kind == SL_EX_STAR) && e->qualifier &&
      !side_named(l, e->qualifier->name) && !side_named(r, e->qualifier->name))
    return e->qualifier;
  const sl_ident_t *q;
  if ((q = bad_qualifier(e->left, l, r)) || (q = bad_qualifier(e->right, l, r)) ||
      (q = bad_qualifier(e->third, l, r)))
    return q;
  for (int i = 0; i < e->args.len; i++)
    if ((q = bad_qualifier(e->args.items[i], l, r))) return q;
  for (int i = 0; i < e->whens.len; i++) {
    const sl_when_t *w = e->whens.items[i];
    if ((q = bad_qualifier(w->when, l, r)) || (q = bad_qualifier(w->then, l, r))) return q;
  }
  return NULL;
}

static const char *join_word(sl_join_kind_t k) {
  switch (k) {
    case SL_JOIN_LEFT: return "LEFT [OUTER]";
    case SL_JOIN_RIGHT: return "RIGHT [OUTER]";
    case SL_JOIN_FULL: return "[FULL] OUTER";
    default: return "[INNER]";
  }
}

/* A stream side whose join expression is not its only key column goes
 * through an internal topic keyed by the join expression. */
static int repartition_side(side_t *s, const sl_expr_t *on, const char *which, bool force,
                            int partitions, const sl_analyze_ctx_t *ax, sl_plan_t *plan,
                            jscope_t *js, int idx, sl_pnode_t **out, sl_error_t *err) {
  sl_arena_t *a = &plan->arena;
  const sl_pnode_t *n = s->m[0].node;
  const sl_source_t *ssrc = s->m[0].src;
  bool by_key = n->nkey == 1 && on->kind == SL_EX_COLUMN &&
                sl_schema_find(n->schema, on->name->name) == n->key_slots[0];
  if ((by_key && !force) || ssrc->is_table) {
    *out = s->node;
    return 0;
  }
  if (ssrc->window_type != SL_WIN_NONE)
    return sl_error_set(err, SL_ESEMANTIC, on->offset,
                        "Implicit repartitioning of windowed sources is not supported. See "
                        "https://github.com/confluentinc/ksql/issues/4385.");
  int rc;
  sl_cexpr_t *kx;
  if ((rc = jcompile(on, js, "JOIN ON", idx, ax, a, n->nslots, &kx, err))) return rc;
  /* Project [join key, every column], write keyed by the join key. */
  int nc = n->schema->ncols;
  sl_pnode_t *pj = sl_arena_alloc(a, sizeof *pj);
  pj->kind = SL_PN_PROJECT;
  pj->input = s->node;
  pj->nout = nc + 1;
  pj->nslots = nc + 1;
  pj->exprs = sl_arena_alloc(a, sizeof(void *) * (size_t)(nc + 1));
  pj->out_schema = sl_arena_alloc(a, sizeof(sl_schema_t));
  pj->out_schema->ncols = nc + 1;
  pj->out_schema->cols = sl_arena_alloc(a, sizeof(sl_column_t) * (size_t)(nc + 1));
  pj->exprs[0] = kx;
  pj->out_schema->cols[0] =
      (sl_column_t){.name = "JOINKEY", .type = sl_cexpr_type(kx), .ns = SL_NS_KEY};
  sl_schema_t *inner = sl_arena_alloc(a, sizeof *inner);
  inner->ncols = nc;
  inner->cols = sl_arena_alloc(a, sizeof(sl_column_t) * (size_t)(nc + 1));
  for (int i = 0; i < nc; i++) {
    sl_expr_t *ce = an_column_ast(a, n->schema->cols[i].name, 0);
    if ((rc = jcompile(ce, js, "JOIN ON", idx, ax, a, n->nslots, &pj->exprs[i + 1], err)))
      return rc;
    sl_column_t c = n->schema->cols[i];
    c.ns = SL_NS_VALUE;
    pj->out_schema->cols[i + 1] = c;
    inner->cols[i] = c;
  }
  const char *topic = which ? sl_arena_sprintf(a, "_confluent-ksql-%squery_%s-Join-%s-repartition",
                                               ax->service_id ? ax->service_id : "default_",
                                               ax->query_id ? ax->query_id : "transient", which)
                            : sl_arena_sprintf(a, "_confluent-ksql-%squery_%s-Join-repartition",
                                               ax->service_id ? ax->service_id : "default_",
                                               ax->query_id ? ax->query_id : "transient");
  sl_serde_opts_t kopts = {.delimiter = ','}, vopts = {.delimiter = ',', .wrap_single = true};
  sl_pnode_t *rs = sl_arena_alloc(a, sizeof *rs);
  rs->kind = SL_PN_SINK;
  rs->internal = true;
  rs->input = pj;
  rs->nslots = pj->nslots;
  rs->sink_topic = topic;
  rs->sink_name = topic;
  rs->sink_nkey = 1;
  rs->sink_ts_slot = -1;
  if ((rc = sl_serde_new("JSON", pj->out_schema->cols, 1, true, &kopts, a, &rs->sink_key_serde,
                         err)) ||
      (rc = sl_serde_new("JSON", pj->out_schema->cols + 1, nc, false, &vopts, a,
                         &rs->sink_value_serde, err)))
    return rc;
  plan->pre_roots[plan->npre++] = rs;
  plan->internal_partitions[plan->ninternal] = partitions;
  plan->internal_topics[plan->ninternal++] = topic;
  sl_source_t tmp = {0};
  tmp.name = ssrc->name;
  tmp.topic = topic;
  tmp.key_format = "NONE";
  tmp.value_format = "JSON";
  tmp.value_opts = vopts;
  tmp.schema = inner;
  tmp.window_type = SL_WIN_NONE;
  sl_pnode_t *rsrc;
  if ((rc = sl_plan_source_node(&tmp, a, &rsrc, err))) return rc;
  rsrc->internal = true;
  sl_pnode_t **srcs = sl_arena_alloc(a, sizeof(void *) * (size_t)(plan->nsources + 1));
  for (int i = 0; i < plan->nsources; i++) srcs[i] = plan->sources[i];
  srcs[plan->nsources++] = rsrc;
  plan->sources = srcs;
  *out = rsrc;
  return 0;
}

typedef struct jitem {
  const char *name;
  sl_cexpr_t *cx;
  int key_idx; /* index into key candidates, 99 for the synthetic key, or -1 */
  int offset;
} jitem_t;

typedef struct cand {
  int slot;
  const char *display;
} cand_t;

static side_t *primitive_side(sl_arena_t *a, const sl_source_t *src, const sl_relation_t *rel,
                              sl_pnode_t *node) {
  side_t *s = sl_arena_alloc(a, sizeof *s);
  s->m = sl_arena_alloc(a, sizeof(member_t));
  s->nm = 1;
  s->m[0] = (member_t){
      .src = src, .node = node, .alias = rel->alias ? rel->alias->name : src->name, .base = 0};
  s->width = node->nslots;
  s->node = node;
  s->is_table = src->is_table;
  return s;
}

static void window_names(sl_window_kind_t w, const char **name) {
  static const char *wn[] = {"not", "TUMBLING", "HOPPING", "SESSION"};
  *name = wn[w];
}

/* Checks one join of the chain and builds its node. On return *out is the
 * join node; *cands gets the plain join columns (in join-row slots). */
static int one_join(const sl_join_t *jn, side_t *L, side_t *R, bool first,
                    const sl_analyze_ctx_t *ax, sl_plan_t *plan, int join_no,
                    const sl_expr_t **prev_keys, int nprev, cand_t *cands, int *ncand,
                    bool *synthetic, const sl_type_t **key_type, sl_pnode_t **out,
                    const sl_expr_t **le_out, const sl_expr_t **re_out, sl_error_t *err) {
  sl_arena_t *a = &plan->arena;
  const sl_source_t *ls = L->m[0].src, *rsrc = R->m[0].src;
  const char *la = L->m[0].alias, *ra = R->m[0].alias;
  int shape;
  if (!L->is_table && !R->is_table)
    shape = SL_JOIN_SS;
  else if (!L->is_table && R->is_table)
    shape = SL_JOIN_ST;
  else if (L->is_table && R->is_table)
    shape = SL_JOIN_TT;
  else
    return sl_error_set(err, SL_ESEMANTIC, jn->offset,
                        "Invalid join order: table-stream joins are not supported; only "
                        "stream-table joins. Got %s %s JOIN %s.",
                        la, join_word(jn->kind), ra);
  if (shape == SL_JOIN_ST && (jn->kind == SL_JOIN_FULL || jn->kind == SL_JOIN_RIGHT))
    return sl_error_set(err, SL_ESEMANTIC, jn->offset,
                        "Invalid join type: %s join not supported for stream-table join. Got %s "
                        "%s JOIN %s.",
                        jn->kind == SL_JOIN_FULL ? "full-outer" : "right-outer", la,
                        join_word(jn->kind), ra);
  for (int i = 0; i < L->nm; i++)
    if (!strcmp(L->m[i].src->name, rsrc->name))
      return sl_error_set(err, SL_ESEMANTIC, jn->offset,
                          "Can not join '%s' to '%s': self joins are not yet supported.",
                          L->m[i].src->name, rsrc->name);
  int nrow = L->width + R->width + 1;
  jscope_t js = {.s = {L, R}, .only = -1, .key_slot = nrow - 1};
  int rc;

  /* ON: one equality, each side over exactly one input. */
  const sl_expr_t *on = jn->on;
  if (!on || on->kind != SL_EX_BINARY || on->op != SL_OP_EQ)
    return sl_error_set(err, SL_ESEMANTIC, on ? on->offset : jn->offset,
                        "Invalid join condition: joins on multiple conditions are not yet "
                        "supported. Got %s.",
                        on ? an_expr_text(on, a) : "");
  const sl_expr_t *le = on->left, *re = on->right;
  int ls_ = sides_of(le, &js, ax, a, err);
  if (ls_ < 0) return err->code;
  int rs_ = sides_of(re, &js, ax, a, err);
  if (rs_ < 0) return err->code;
  if (ls_ != 1 && ls_ != 2)
    return sl_error_set(err, SL_ESEMANTIC, le->offset,
                        "Invalid comparison expression '%s' in join '%s'. Each side of the join "
                        "comparision must contain references from exactly one source.",
                        an_expr_text(le, a), an_expr_text(on, a));
  if (rs_ != 1 && rs_ != 2)
    return sl_error_set(err, SL_ESEMANTIC, re->offset,
                        "Invalid comparison expression '%s' in join '%s'. Each side of the join "
                        "comparision must contain references from exactly one source.",
                        an_expr_text(re, a), an_expr_text(on, a));
  if (ls_ == rs_)
    return sl_error_set(err, SL_ESEMANTIC, on->offset,
                        "Each side of the join comparision must contain references from exactly "
                        "one source. Got %s.",
                        an_expr_text(on, a));
  if (ls_ == 2) {
    const sl_expr_t *t = le;
    le = re;
    re = t;
  }
  sl_cexpr_t *lk, *rk;
  if ((rc = jcompile(le, &js, "JOIN ON", 0, ax, a, L->width, &lk, err)) ||
      (rc = jcompile(re, &js, "JOIN ON", 1, ax, a, R->width, &rk, err)))
    return rc;
  const sl_type_t *lt = sl_cexpr_type(lk), *rt = sl_cexpr_type(rk);
  if (lt && rt && !sl_type_equal(lt, rt)) {
    sl_buf_t x, y;
    sl_buf_init(&x);
    sl_buf_init(&y);
    sl_type_format(lt, &x);
    sl_type_format(rt, &y);
    rc = sl_error_set(err, SL_ESEMANTIC, on->offset,
                      "Invalid join condition: types don't match. Got %s{%s} = %s{%s}.",
                      an_expr_text(an_qualify(le, la, a), a), x.data,
                      an_expr_text(an_qualify(re, ra, a), a), y.data);
    sl_buf_free(&x);
    sl_buf_free(&y);
    return rc;
  }
  *key_type = lt ? lt : rt;
  if (an_type_has_map(*key_type)) {
    const char *kn =
        le->kind == SL_EX_COLUMN ? sl_arena_sprintf(a, "%s_%s", la, le->name->name) : "ROWKEY";
    return an_map_key_error(kn, *key_type, on->offset, err);
  }
  const sl_pnode_t *ln0 = L->m[0].node, *rn0 = R->m[0].node;
  bool l_is_key;
  if (first) {
    l_is_key = le->kind == SL_EX_COLUMN && ln0->nkey == 1 &&
               sl_schema_find(ln0->schema, le->name->name) == ln0->key_slots[0];
  } else {
    /* The result of earlier joins is keyed (and partitioned) by their join key. */
    l_is_key = false;
    for (int i = 0; i < nprev && !l_is_key; i++) l_is_key = an_expr_eq(prev_keys[i], le);
  }
  bool r_is_key = re->kind == SL_EX_COLUMN && rn0->nkey == 1 &&
                  sl_schema_find(rn0->schema, re->name->name) == rn0->key_slots[0];
  if (shape == SL_JOIN_ST && !r_is_key)
    return sl_error_set(err, SL_ESEMANTIC, on->offset,
                        "Invalid join condition: stream-table joins require to join on the "
                        "table's primary key. Got %s = %s.",
                        an_expr_text(an_qualify(le, la, a), a),
                        an_expr_text(an_qualify(re, ra, a), a));
  if (shape == SL_JOIN_TT && !r_is_key)
    return sl_error_set(err, SL_ESEMANTIC, on->offset,
                        "Invalid join condition: table-table joins require to join on the "
                        "primary key of the right input table. Got %s = %s.",
                        an_expr_text(an_qualify(on->left, ls_ == 1 ? la : ra, a), a),
                        an_expr_text(an_qualify(on->right, ls_ == 1 ? ra : la, a), a));
  bool fk = shape == SL_JOIN_TT && !l_is_key;
  if (fk && (jn->kind == SL_JOIN_RIGHT || jn->kind == SL_JOIN_FULL))
    return sl_error_set(err, SL_ESEMANTIC, jn->offset,
                        "Invalid join type: foreign-key table-table joins only support INNER and "
                        "LEFT joins. Got %s %s JOIN %s.",
                        la, join_word(jn->kind), ra);
  /* A foreign-key join reads the whole right table in every task (a global
   * table), so a left row finds any key and results stay in the left row's
   * partition, keyed by its primary key. */
  if (fk) R->m[0].node->global = true;
  if (!first && !l_is_key && !fk)
    return sl_error_set(err, SL_EUNSUPPORTED, le->offset,
                        "Joining the result of a join on a different key (%s) is not supported "
                        "yet; join every source on the same key expression.",
                        an_expr_text(le, a));
  if (shape == SL_JOIN_SS && !jn->has_within)
    return sl_error_set(err, SL_ESEMANTIC, jn->offset,
                        "Stream-Stream joins must have a WITHIN clause specified. None was "
                        "provided. To learn about how to specify a WITHIN clause with a "
                        "stream-stream join, please visit: https://docs.confluent.io/current/"
                        "ksql/docs/syntax-reference.html#create-stream-as-select");
  if (shape != SL_JOIN_SS && jn->has_within)
    return sl_error_set(err, SL_ESEMANTIC, jn->offset,
                        "A window definition was provided for a Stream-Table join. These joins "
                        "are not windowed. Please drop the window definition (ie. the WITHIN "
                        "clause) and try to execute your Stream-Table join again.");
  if ((ls->window_type != SL_WIN_NONE) != (rsrc->window_type != SL_WIN_NONE)) {
    const char *lw, *rw;
    window_names(ls->window_type, &lw);
    window_names(rsrc->window_type, &rw);
    return sl_error_set(err, SL_ESEMANTIC, jn->offset,
                        "Can not join windowed source to non-windowed source.\n`%s` is %s "
                        "windowed\n`%s` is %s windowed",
                        ls->name, lw, rsrc->name, rw);
  }
  if (ls->window_type != SL_WIN_NONE && ls->window_type != SL_WIN_SESSION &&
      rsrc->window_type != SL_WIN_SESSION && ls->window_size_ms != rsrc->window_size_ms)
    return sl_error_set(err, SL_ESEMANTIC, jn->offset,
                        "Implicit repartitioning of windowed sources is not supported. See "
                        "https://github.com/confluentinc/ksql/issues/4385.");
  if (ls->window_type != SL_WIN_NONE &&
      (ls->window_type == SL_WIN_SESSION) != (rsrc->window_type == SL_WIN_SESSION)) {
    static const char *wn[] = {"NONE", "TUMBLING", "HOPPING", "SESSION"};
    return sl_error_set(err, SL_ESEMANTIC, jn->offset,
                        "Incompatible windowed sources.\nLeft source: %s\nRight source: %s\n"
                        "Session windowed sources can only be joined to other session windowed "
                        "sources, and may still not result in expected behaviour as session "
                        "bounds must be an exact match for the join to work\nHopping and tumbling "
                        "windowed sources can only be joined to other hopping and tumbling "
                        "windowed sources",
                        wn[ls->window_type], wn[rsrc->window_type]);
  }
  if (first && ls->value_format && rsrc->value_format && sl_streq_ci(ls->value_format, "KAFKA") &&
      sl_streq_ci(rsrc->value_format, "KAFKA"))
    return sl_error_set(err, SL_ESEMANTIC, jn->offset,
                        "Source(s) %s, %s are using the 'KAFKA' value format. This format does "
                        "not yet support JOIN.",
                        ls->name, rsrc->name);

  /* Inputs, repartitioned where needed. */
  sl_pnode_t *lin = L->node, *rin;
  bool fmt_differs = shape == SL_JOIN_SS && first && l_is_key && r_is_key && ls->key_format &&
                     rsrc->key_format && !sl_streq_ci(ls->key_format, rsrc->key_format);
  char lname[32], rname[32];
  snprintf(lname, sizeof lname, join_no ? "left%d" : "left", join_no);
  snprintf(rname, sizeof rname, join_no ? "right%d" : "right", join_no);
  /* Co-partitioning: a stream side whose partition count differs from the
   * other side's is repartitioned into an internal topic with that count. */
  int lp = ls->partitions, rp = rsrc->partitions;
  /* Tables cannot be repartitioned here: ksqlDB's test suite accepts a
   * table-table join of differently partitioned tables, so it is not refused;
   * on Kafka it is only correct when both tables are keyed alike. */
  bool lp_differs = shape == SL_JOIN_ST && lp > 0 && rp > 0 && lp != rp;
  bool rp_differs = shape == SL_JOIN_SS && lp > 0 && rp > 0 && lp != rp;
  if (!first && lp_differs)
    return sl_error_set(err, SL_EUNSUPPORTED, jn->offset,
                        "Joining a join's result to a table with a different partition count is "
                        "not supported yet.");
  if (first && (rc = repartition_side(L, le, shape == SL_JOIN_ST ? NULL : lname, lp_differs,
                                      lp_differs ? rp : 0, ax, plan, &js, 0, &lin, err)))
    return rc;
  if ((rc = repartition_side(R, re, rname, fmt_differs || rp_differs, rp_differs ? lp : 0, ax, plan,
                             &js, 1, &rin, err)))
    return rc;
  sl_pnode_t *j = sl_arena_alloc(a, sizeof *j);
  j->kind = SL_PN_JOIN;
  j->input = lin;
  j->input2 = rin;
  j->join_kind = jn->kind;
  j->join_shape = shape;
  j->left_key = lk;
  j->right_key = rk;
  j->left_nslots = L->width;
  j->right_nslots = R->width;
  j->nslots = nrow;
  j->is_table = shape == SL_JOIN_TT;
  j->fk_join = fk;
  if (ax->query_id && plan->nchangelog < 3) {
    const char *svc = ax->service_id ? ax->service_id : "default_";
    char suffix[16] = "";
    if (join_no) snprintf(suffix, sizeof suffix, "-%d", join_no);
    if (shape == SL_JOIN_TT) {
      j->changelog_topic =
          sl_arena_sprintf(a, "_confluent-ksql-%squery_%s-KafkaTopic_Left-Reduce%s-changelog", svc,
                           ax->query_id, suffix);
      plan->changelog_topics[plan->nchangelog++] = j->changelog_topic;
    }
    if (shape == SL_JOIN_SS) {
      j->changelog_topic =
          sl_arena_sprintf(a, "_confluent-ksql-%squery_%s-KSTREAM-JOINTHIS%s-store-changelog", svc,
                           ax->query_id, suffix);
      j->changelog_topic2 =
          sl_arena_sprintf(a, "_confluent-ksql-%squery_%s-KSTREAM-JOINOTHER%s-store-changelog", svc,
                           ax->query_id, suffix);
      plan->changelog_topics[plan->nchangelog++] = j->changelog_topic;
      plan->changelog_topics[plan->nchangelog++] = j->changelog_topic2;
    } else if (!fk) {
      /* (A foreign-key join's right table is global: re-read, not restored.) */
      j->changelog_topic2 =
          sl_arena_sprintf(a, "_confluent-ksql-%squery_%s-KafkaTopic_Right-Reduce%s-changelog", svc,
                           ax->query_id, suffix);
      plan->changelog_topics[plan->nchangelog++] = j->changelog_topic2;
    }
  }
  if (jn->has_within) {
    j->before_ms = sl_duration_ms(&jn->within_before);
    j->after_ms = sl_duration_ms(&jn->within_after);
    j->has_grace = jn->has_grace;
    j->grace_ms = jn->has_grace ? sl_duration_ms(&jn->grace) : 24LL * 3600 * 1000;
  }
  /* Key candidates: plain join columns, in this join's row slots. */
  if (jn->kind == SL_JOIN_FULL) *synthetic = true;
  if (fk && ln0->nkey == 1) {
    /* A foreign-key join's result is keyed by the left table's primary key. */
    int pk = ln0->key_slots[0];
    sl_expr_t *pe = an_column_ast(a, ln0->schema->cols[pk].name, on->offset);
    cands[(*ncand)++] =
        (cand_t){L->base + L->m[0].base + pk, an_expr_text(an_qualify(pe, la, a), a)};
  } else if (le->kind == SL_EX_COLUMN && *ncand < 16) {
    int sl;
    const sl_type_t *t;
    const member_t *mb = NULL;
    if (le->qualifier) {
      mb = side_member(L, le->qualifier->name);
      if (mb && member_col(mb, le->name->name, &sl, &t) != 0) mb = NULL;
    } else if (side_col(L, le->name->name, &sl, &t, &mb) != 0) {
      mb = NULL;
    }
    if (mb)
      cands[(*ncand)++] = (cand_t){L->base + sl, an_expr_text(an_qualify(le, mb->alias, a), a)};
  }
  if (re->kind == SL_EX_COLUMN && *ncand < 16 && !fk) {
    int sl;
    const sl_type_t *t;
    if (side_col(R, re->name->name, &sl, &t, NULL) == 0)
      cands[(*ncand)++] = (cand_t){L->width + sl, an_expr_text(an_qualify(re, ra, a), a)};
  }
  *le_out = le;
  *re_out = re;
  *out = j;
  return 0;
}

int an_join(const sl_stmt_t *stmt, const sl_source_t *target, const sl_analyze_ctx_t *ax,
            sl_sink_spec_t *spec, sl_plan_t **plan_out, sl_error_t *err) {
  const sl_select_t *sel = stmt->select;
  int njoins = sel->joins.len;
  const sl_source_t **srcs = calloc((size_t)njoins + 1, sizeof(void *));
  srcs[0] = ax->find_source(ax->ctx, sel->from->name.name);
  if (!srcs[0]) {
    free(srcs);
    return sl_error_set(err, SL_ENOTFOUND, sel->from->offset, "Source `%s` does not exist.",
                        sel->from->name.name);
  }
  for (int i = 0; i < njoins; i++) {
    const sl_join_t *jn = sel->joins.items[i];
    srcs[i + 1] = ax->find_source(ax->ctx, jn->right->name.name);
    if (!srcs[i + 1]) {
      free(srcs);
      return sl_error_set(err, SL_ENOTFOUND, jn->right->offset, "Source `%s` does not exist.",
                          jn->right->name.name);
    }
  }
  sl_plan_t *plan = sl_xcalloc(1, sizeof *plan);
  sl_arena_init(&plan->arena, 8192);
  sl_arena_t *a = &plan->arena;
  int rc = 0;
  plan->sources = sl_arena_alloc(a, sizeof(void *) * (size_t)(njoins + 2));
  side_t **prim = sl_arena_alloc(a, sizeof(void *) * (size_t)(njoins + 1));
  for (int i = 0; i <= njoins; i++) {
    sl_pnode_t *node;
    const sl_relation_t *rel = i == 0 ? sel->from : ((sl_join_t *)sel->joins.items[i - 1])->right;
    if ((rc = sl_plan_source_node(srcs[i], a, &node, err))) goto fail;
    plan->sources[plan->nsources++] = node;
    prim[i] = primitive_side(a, srcs[i], rel, node);
  }
  /* All sources, as one composite side, for name checks and the projection. */
  side_t *all = sl_arena_alloc(a, sizeof *all);
  all->m = sl_arena_alloc(a, sizeof(member_t) * (size_t)(njoins + 1));

  /* Unknown qualifiers first, wherever they are, as ksqlDB reports them. */
  {
    side_t tmp = {.m = all->m, .nm = njoins + 1};
    for (int i = 0; i <= njoins; i++) all->m[i] = prim[i]->m[0];
    const sl_ident_t *bq = NULL;
    for (int i = 0; !bq && i < njoins; i++)
      bq = bad_qualifier(((sl_join_t *)sel->joins.items[i])->on, &tmp, &tmp);
    for (int i = 0; !bq && i < sel->items.len; i++)
      bq = bad_qualifier(((sl_select_item_t *)sel->items.items[i])->expr, &tmp, &tmp);
    if (!bq) bq = bad_qualifier(sel->where, &tmp, &tmp);
    if (bq) {
      rc = sl_error_set(err, SL_ESEMANTIC, bq->offset,
                        "Failed to prepare statement: '%s' is not a valid stream/table name or "
                        "alias.",
                        bq->name);
      goto fail;
    }
  }

  /* Left-deep chain of joins. */
  side_t *L = prim[0];
  cand_t cands[16];
  int ncand = 0;
  bool synthetic = false;
  const sl_type_t *key_type = NULL;
  const sl_expr_t *prev_keys[32];
  int nprev = 0;
  sl_pnode_t *j = NULL;
  bool result_is_table = L->is_table;
  for (int i = 0; i < njoins; i++) {
    const sl_join_t *jn = sel->joins.items[i];
    side_t *R = prim[i + 1];
    R->base = L->width;
    const sl_expr_t *le = NULL, *re = NULL;
    if ((rc = one_join(jn, L, R, i == 0, ax, plan, i, prev_keys, nprev, cands, &ncand, &synthetic,
                       &key_type, &j, &le, &re, err)))
      goto fail;
    if (nprev < 31) prev_keys[nprev++] = le;
    if (nprev < 31) prev_keys[nprev++] = re;
    result_is_table = L->is_table && R->is_table;
    /* The join's result becomes the left side of the next join. */
    side_t *C = sl_arena_alloc(a, sizeof *C);
    C->nm = L->nm + R->nm;
    C->m = sl_arena_alloc(a, sizeof(member_t) * (size_t)C->nm);
    for (int k = 0; k < L->nm; k++) C->m[k] = L->m[k];
    for (int k = 0; k < R->nm; k++) {
      C->m[L->nm + k] = R->m[k];
      C->m[L->nm + k].base += L->width;
    }
    C->width = j->nslots;
    C->node = j;
    C->is_table = result_is_table;
    L = C;
  }
  /* Everything after the joins sees the final row as one side. */
  side_t empty = {.m = NULL, .nm = 0, .width = 0};
  int nrow = L->width;
  jscope_t js = {.s = {L, &empty}, .only = -1, .key_slot = nrow - 1, .key_type = key_type};
  if (ncand == 0) synthetic = true;
  if (synthetic) ncand = 0;
  js.synthetic = synthetic;
  /* The synthetic key is ROWKEY, or the first ROWKEY_n no source column uses. */
  js.key_name = "ROWKEY";
  for (int n = 1;; n++) {
    bool taken = false;
    for (int i = 0; i < L->nm && !taken; i++)
      taken = sl_schema_find(L->m[i].node->schema, js.key_name) >= 0;
    if (!taken) break;
    js.key_name = sl_arena_sprintf(a, "ROWKEY_%d", n);
  }
  sl_pnode_t *top = j;
  if (sel->where) {
    sl_pnode_t *f = sl_arena_alloc(a, sizeof *f);
    f->kind = SL_PN_FILTER;
    f->input = top;
    f->nslots = nrow;
    f->is_table = result_is_table;
    if ((rc = jcompile(sel->where, &js, "WHERE", -1, ax, a, nrow, &f->predicate, err))) goto fail;
    f->predicate_text = an_expr_text(sel->where, a);
    top = f;
  }

  /* Aggregations over the join's result. */
  bool aggregating = sel->group_by.len > 0 || (sel->having && an_has_aggregate(sel->having));
  for (int i = 0; !aggregating && i < sel->items.len; i++)
    aggregating = an_has_aggregate(((sl_select_item_t *)sel->items.items[i])->expr);
  if (aggregating) {
    js.only = -1;
    scope_t sc = {.src = L->m[0].node,
                  .src_name = L->m[0].src->name,
                  .alias = L->m[0].alias,
                  .resolve = jresolve,
                  .resolve_ctx = &js,
                  .nslots = nrow,
                  .set_clause = jset_clause};
    if ((rc = an_aggregate(stmt, target, srcs[0], &sc, top, ax, plan, spec, err))) goto fail;
    *plan_out = plan;
    free(srcs);
    return 0;
  }
  if (sel->window) {
    rc = sl_error_set(err, SL_ESEMANTIC, sel->window->offset,
                      "WINDOW clause requires a GROUP BY clause.");
    goto fail;
  }

  /* PARTITION BY over a join re-keys the result by one expression. */
  sl_cexpr_t *pbx = NULL;
  const sl_expr_t *pbe = NULL;
  int pb_slot = -1;
  if (sel->partition_by.len > 0) {
    if (sel->partition_by.len > 1) {
      rc = sl_error_set(err, SL_EUNSUPPORTED, ((sl_expr_t *)sel->partition_by.items[1])->offset,
                        "PARTITION BY several expressions over a join is not supported yet");
      goto fail;
    }
    pbe = sel->partition_by.items[0];
    if ((rc = jcompile(pbe, &js, "PARTITION BY", -1, ax, a, nrow, &pbx, err))) goto fail;
    if (pbe->kind == SL_EX_COLUMN) {
      const member_t *mb = NULL;
      const sl_type_t *t;
      if (pbe->qualifier) {
        mb = side_member(L, pbe->qualifier->name);
        if (mb && member_col(mb, pbe->name->name, &pb_slot, &t) != 0) pb_slot = -1;
      } else {
        side_col(L, pbe->name->name, &pb_slot, &t, &mb);
      }
    }
    (void)pbx;
    ncand = 0;
    synthetic = false;
    js.synthetic = false;
  }

  /* Projection. */
  int cap = sel->items.len + 2;
  for (int i = 0; i < L->nm; i++) cap += L->m[i].node->schema->ncols + 3;
  jitem_t *items = sl_arena_alloc(a, sizeof(jitem_t) * (size_t)cap);
  int ni = 0, gen = 0;
  for (int i = 0; i < sel->items.len; i++) {
    const sl_select_item_t *it = sel->items.items[i];
    const sl_expr_t *e = it->expr;
    if (e->kind == SL_EX_STAR) {
      if (!e->qualifier && synthetic) {
        jitem_t *o = &items[ni++];
        o->name = js.key_name;
        o->offset = e->offset;
        o->key_idx = 99;
        sl_expr_t *ke = an_column_ast(a, js.key_name, e->offset);
        if ((rc = jcompile(ke, &js, "SELECT", -1, ax, a, nrow, &o->cx, err))) goto fail;
      }
      if (pbe) {
        /* ksqlDB re-keyed joins list each source's value columns, its system
         * columns, then its old key columns; the partitioning column is the key. */
        static const char *sys[] = {"ROWTIME", "ROWPARTITION", "ROWOFFSET"};
        for (int k = 0; k < L->nm; k++) {
          const member_t *mb = &L->m[k];
          if (e->qualifier && !member_named(mb, e->qualifier->name)) continue;
          for (int pass = 0; pass < 3; pass++) {
            int count = pass == 1 ? 3 : mb->node->schema->ncols;
            for (int c = 0; c < count; c++) {
              const char *cn;
              if (pass == 1) {
                cn = sys[c];
              } else {
                const sl_column_t *col = &mb->node->schema->cols[c];
                if ((pass == 0) != (col->ns != SL_NS_KEY)) continue;
                cn = col->name;
              }
              sl_expr_t *ce = an_column_ast(a, cn, e->offset);
              ce->qualifier = sl_arena_alloc(a, sizeof(sl_ident_t));
              ce->qualifier->name = mb->alias;
              jitem_t *o = &items[ni++];
              o->name = sl_arena_sprintf(a, "%s_%s", mb->alias, cn);
              o->offset = e->offset;
              if ((rc = jcompile(ce, &js, "SELECT", -1, ax, a, nrow, &o->cx, err))) goto fail;
              int sl;
              const sl_type_t *t;
              o->key_idx = (member_col(mb, cn, &sl, &t) == 0 && sl == pb_slot) ? 77 : -1;
            }
          }
        }
        continue;
      }
      for (int k = 0; k < L->nm; k++) {
        const member_t *mb = &L->m[k];
        if (e->qualifier && !member_named(mb, e->qualifier->name)) continue;
        for (int c = 0; c < mb->node->schema->ncols; c++) {
          const sl_column_t *col = &mb->node->schema->cols[c];
          sl_expr_t *ce = an_column_ast(a, col->name, e->offset);
          ce->qualifier = sl_arena_alloc(a, sizeof(sl_ident_t));
          ce->qualifier->name = mb->alias;
          jitem_t *o = &items[ni++];
          o->name = sl_arena_sprintf(a, "%s_%s", mb->alias, col->name);
          o->offset = e->offset;
          if ((rc = jcompile(ce, &js, "SELECT", -1, ax, a, nrow, &o->cx, err))) goto fail;
          o->key_idx = -1;
          for (int q = 0; q < ncand; q++)
            if (cands[q].slot == mb->base + c) o->key_idx = q;
        }
      }
      continue;
    }
    jitem_t *o = &items[ni++];
    o->offset = it->offset;
    o->key_idx = -1;
    if ((rc = jcompile(e, &js, "SELECT", -1, ax, a, nrow, &o->cx, err))) goto fail;
    if (e->kind == SL_EX_COLUMN) {
      const char *cn = e->name->name;
      if (synthetic && !strcmp(cn, js.key_name)) o->key_idx = 99;
      int sl = 0;
      const sl_type_t *t;
      const member_t *owner = NULL;
      if (e->qualifier) {
        owner = side_member(L, e->qualifier->name);
        if (owner && member_col(owner, cn, &sl, &t) != 0) owner = NULL;
      } else if (side_col(L, cn, &sl, &t, &owner) != 0) {
        owner = NULL;
      }
      if (owner)
        for (int q = 0; q < ncand; q++)
          if (cands[q].slot == sl) o->key_idx = q;
      if (owner && pbe && sl == pb_slot) o->key_idx = 77;
      if (it->alias) {
        o->name = it->alias->name;
      } else if (owner) {
        bool clash = false;
        for (int k = 0; k < L->nm; k++)
          if (&L->m[k] != owner && sl_schema_find(L->m[k].node->schema, cn) >= 0) clash = true;
        /* Qualified system columns keep their source prefix. */
        if (e->qualifier && an_is_reserved_output(cn)) clash = true;
        if (an_is_reserved_output(cn) && !e->qualifier) {
          rc = sl_error_set(err, SL_ESEMANTIC, e->offset,
                            "Reserved column name in select: `%s`. Please remove or alias the "
                            "column.",
                            cn);
          goto fail;
        }
        o->name = clash ? sl_arena_sprintf(a, "%s_%s", owner->alias, cn) : cn;
      } else {
        o->name = cn;
      }
    } else if (it->alias) {
      o->name = it->alias->name;
    } else if (e->kind == SL_EX_DEREF) {
      o->name = e->name->name;
    }
    if (pbe && pb_slot < 0 && an_expr_eq(e, pbe)) o->key_idx = 77;
  }
  const char **used = sl_arena_alloc(a, sizeof(char *) * (size_t)(ni + 1));
  for (int i = 0; i < ni; i++) used[i] = items[i].name;
  for (int i = 0; i < ni; i++)
    if (!items[i].name) used[i] = items[i].name = an_next_synth_name(a, &gen, used, ni);

  /* Exactly one key column: the first projected candidate, left sources first. */
  const char *sink_name = target ? target->name : stmt->name.name;
  int key_item = -1;
  for (int i = 0; pbe && i < ni && key_item < 0; i++)
    if (items[i].key_idx == 77) key_item = i;
  if (pbe && key_item < 0) {
    const char *d = an_expr_text(an_qualify(pbe, L->m[0].alias, a), a);
    rc = sl_error_set(err, SL_ESEMANTIC, sel->offset,
                      "The query used to build `%s` must include the partitioning expression %s "
                      "in its projection (eg, SELECT %s...).",
                      sink_name, d, d);
    goto fail;
  }
  for (int q = 0; q < ncand && key_item < 0; q++)
    for (int i = 0; i < ni && key_item < 0; i++)
      if (items[i].key_idx == q) key_item = i;
  for (int i = 0; i < ni && key_item < 0; i++)
    if (items[i].key_idx == 99) key_item = i;
  if (key_item < 0) {
    if (synthetic) {
      rc = sl_error_set(err, SL_ESEMANTIC, sel->offset,
                        "Key missing from projection (ie, SELECT). See https://cnfl.io/2LV7ouS.\n"
                        "The query used to build `%s` must include the join expression %s in "
                        "its projection (eg, SELECT %s...).\n%s was added as a synthetic "
                        "key column because the join criteria did not match any source column. "
                        "This expression must be included in the projection and may be aliased.",
                        sink_name, js.key_name, js.key_name, js.key_name);
    } else {
      sl_buf_t b;
      sl_buf_init(&b);
      for (int q = 0; q < ncand; q++) sl_buf_printf(&b, "%s%s", q ? " or " : "", cands[q].display);
      rc = sl_error_set(err, SL_ESEMANTIC, sel->offset,
                        "The query used to build `%s` must include the join expression%s %s in "
                        "its projection (eg, SELECT %s...).",
                        sink_name, ncand > 1 ? "s" : "", b.data, cands[0].display);
      sl_buf_free(&b);
    }
    goto fail;
  }
  for (int i = 0; i < ni; i++) {
    if (i == key_item || items[i].key_idx != items[key_item].key_idx) continue;
    const char *x = items[key_item].name, *y = items[i].name;
    if (strcmp(x, y) > 0) {
      const char *t = x;
      x = y;
      y = t;
    }
    const char *keyname = items[key_item].key_idx == 99 ? js.key_name : items[key_item].name;
    rc = sl_error_set(err, SL_ESEMANTIC, items[i].offset,
                      "The projection contains a key column (`%s`) more than once, aliased as: "
                      "%s and %s.",
                      keyname, x, y);
    goto fail;
  }
  if (ni - 1 <= 0) {
    rc = sl_error_set(err, SL_ESEMANTIC, sel->offset, "The projection contains no value columns.");
    goto fail;
  }
  sl_pnode_t *pj = sl_arena_alloc(a, sizeof *pj);
  pj->kind = SL_PN_PROJECT;
  pj->input = top;
  pj->nout = ni;
  pj->nslots = ni;
  pj->rekeys = pbe != NULL;
  pj->exprs = sl_arena_alloc(a, sizeof(void *) * (size_t)ni);
  pj->out_schema = sl_arena_alloc(a, sizeof(sl_schema_t));
  pj->out_schema->ncols = ni;
  pj->out_schema->cols = sl_arena_alloc(a, sizeof(sl_column_t) * (size_t)ni);
  /* The key's value is the join key, present whichever side is missing. */
  if (!pbe) {
    sl_expr_t *kref = an_column_ast(a, "\x01JOINKEY", items[key_item].offset);
    sl_cexpr_t *kx;
    if ((rc = jcompile(kref, &js, "SELECT", -1, ax, a, nrow, &kx, err))) goto fail;
    items[key_item].cx = kx;
  }
  pj->exprs[0] = items[key_item].cx;
  pj->out_schema->cols[0] = (sl_column_t){
      .name = items[key_item].name, .type = sl_cexpr_type(items[key_item].cx), .ns = SL_NS_KEY};
  int o = 1;
  for (int i = 0; i < ni; i++) {
    if (i == key_item) continue;
    const sl_type_t *t = sl_cexpr_type(items[i].cx);
    for (int k = 0; k < o; k++)
      if (!strcmp(pj->out_schema->cols[k].name, items[i].name)) {
        sl_buf_t tb;
        sl_buf_init(&tb);
        if (t) sl_type_format(t, &tb);
        rc = sl_error_set(err, SL_ESEMANTIC, items[i].offset,
                          "Duplicate value columns found in schema: `%s` %s", items[i].name,
                          tb.data ? tb.data : "");
        sl_buf_free(&tb);
        goto fail;
      }
    pj->exprs[o] = items[i].cx;
    pj->out_schema->cols[o++] =
        (sl_column_t){.name = items[i].name, .type = t ? t : &sl_type_string, .ns = SL_NS_VALUE};
  }
  plan->out_schema = pj->out_schema;
  sl_pnode_t *sk;
  if ((rc = an_sink_node(stmt, target, srcs[0], ax, pj, 1, result_is_table, a, spec, &sk, err)))
    goto fail;
  plan->root = sk;
  plan->sink_name = sk->sink_name;
  *plan_out = plan;
  free(srcs);
  return 0;
fail:
  free(srcs);
  sl_plan_free(plan);
  return rc ? rc : SL_ESEMANTIC;
}
