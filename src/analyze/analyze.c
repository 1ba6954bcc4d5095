/*
 * analyze.c - binds a SELECT to the metastore and builds its plan: source ->
 * [filter] -> project -> sink. Name resolution goes through one resolver that
 * knows which clause it serves, so errors read as ksqlDB's do ("WHERE column
 * 'BOB' cannot be resolved."). The key-column rules of ksqlDB's projections
 * (every key column exactly once, at least one value column) are checked here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_int.h"
#include "sluice/parser.h"
#include "sluice/serde.h"

/* ---------------- properties ---------------- */

const sl_property_t *sl_props_find(const sl_list_t *props, const char *name) {
  for (int i = 0; i < props->len; i++) {
    const sl_property_t *p = props->items[i];
    if (sl_streq_ci(p->name.name, name)) return p;
  }
  return NULL;
}

const char *sl_prop_text(const sl_property_t *p) {
  if (!p || !p->value) return NULL;
  const sl_expr_t *v = p->value;
  if (v->kind == SL_EX_BOOL) return v->ival ? "true" : "false";
  if (v->kind == SL_EX_UNARY && v->op == SL_OP_NEG && v->left) return v->left->text;
  return v->text;
}

int sl_parse_delimiter(const char *s, const char *which, char *out, sl_error_t *err) {
  if (!s || !*s)
    return sl_error_set(err, SL_ESEMANTIC, -1,
                        "Failed to prepare statement: Configuration %s is invalid: Delimiter "
                        "cannot be empty, if you meant to have a tab or space for delimiter, "
                        "please use the special values 'TAB' or 'SPACE'\nExample valid value: ';'",
                        which);
  if (strlen(s) == 1 && s[0] != ' ' && s[0] != '\t') {
    *out = s[0];
    return 0;
  }
  if (strspn(s, " \t") == strlen(s))
    return sl_error_set(err, SL_ESEMANTIC, -1,
                        "Failed to prepare statement: Configuration %s is invalid: Delimiter "
                        "cannot be empty, if you meant to have a tab or space for delimiter, "
                        "please use the special values 'TAB' or 'SPACE'\nExample valid value: ';'",
                        which);
  if (sl_streq_ci(s, "TAB")) {
    *out = '\t';
    return 0;
  }
  if (sl_streq_ci(s, "SPACE")) {
    *out = ' ';
    return 0;
  }
  return sl_error_set(err, SL_ESEMANTIC, -1,
                      "Failed to prepare statement: Configuration %s is invalid: Invalid "
                      "delimiter value: '%s'. Delimiter must be a single character or "
                      "TAB,SPACE\nExample valid value: ';'",
                      which, s);
}

/* ---------------- scopes and name resolution ---------------- */

static int resolve_column(void *ctx, const sl_expr_t *e, int *slot, const sl_type_t **type,
                          sl_error_t *err) {
  scope_t *sc = ctx;
  if (e->kind != SL_EX_COLUMN) return 1; /* the compiler handles everything else */
  if (e->qualifier) {
    const char *q = e->qualifier->name;
    bool ok = (sc->alias && strcmp(q, sc->alias) == 0) || strcmp(q, sc->src_name) == 0;
    if (!ok)
      return sl_error_set(err, SL_ESEMANTIC, e->qualifier->offset,
                          "'%s' is not a valid stream/table name or alias.", q);
  }
  const char *name = e->name->name;
  const sl_pnode_t *n = sc->src;
  int i = sl_schema_find(n->schema, name);
  if (i >= 0) {
    *slot = i;
    *type = n->schema->cols[i].type;
    return 0;
  }
  struct {
    const char *name;
    int slot;
    const sl_type_t *type;
  } pseudo[] = {
      {"ROWTIME", n->slot_rowtime, &sl_type_bigint},
      {"ROWPARTITION", n->slot_rowpartition, &sl_type_int},
      {"ROWOFFSET", n->slot_rowoffset, &sl_type_bigint},
      {"WINDOWSTART", n->window_type ? n->slot_wstart : -1, &sl_type_bigint},
      {"WINDOWEND", n->window_type ? n->slot_wend : -1, &sl_type_bigint},
  };
  for (size_t k = 0; k < SL_ARRAY_LEN(pseudo); k++) {
    if (pseudo[k].slot >= 0 && strcmp(name, pseudo[k].name) == 0) {
      *slot = pseudo[k].slot;
      *type = pseudo[k].type;
      return 0;
    }
  }
  if (!strcmp(name, "WINDOWSTART") || !strcmp(name, "WINDOWEND")) {
    if (!strcmp(sc->clause, "WHERE"))
      return sl_error_set(err, SL_ESEMANTIC, e->offset,
                          "Error in WHERE expression: Unknown column %s.", name);
    if (!strcmp(sc->clause, "GROUP BY") || !strcmp(sc->clause, "AGGREGATE"))
      return sl_error_set(err, SL_ESEMANTIC, e->offset,
                          "Window bounds column %s can only be used in the SELECT clause of "
                          "windowed aggregations",
                          name);
  }
  if (!strcmp(sc->clause, "AGGREGATE")) sc->clause = "SELECT";
  if (!strcmp(sc->clause, "PARTITION BY") && !e->qualifier)
    return sl_error_set(err, SL_ESEMANTIC, e->offset,
                        "PARTITION BY column '%s' cannot be resolved. '%s' must be a column in the "
                        "source schema since PARTITION BY is applied on the input.",
                        name, name);
  if (e->qualifier)
    return sl_error_set(err, SL_ESEMANTIC, e->offset, "%s column '%s.%s' cannot be resolved.",
                        sc->clause, e->qualifier->name, name);
  return sl_error_set(err, SL_ESEMANTIC, e->offset, "%s column '%s' cannot be resolved.",
                      sc->clause, name);
}

static const sl_type_t *lookup_type_cb(void *ctx, const char *name) {
  const sl_analyze_ctx_t *ax = ctx;
  return ax->lookup_type ? ax->lookup_type(ax->ctx, name) : NULL;
}

int an_compile(const sl_expr_t *e, scope_t *sc, const sl_analyze_ctx_t *ax, sl_arena_t *a,
               const char *clause, sl_cexpr_t **out, sl_error_t *err) {
  sc->clause = clause;
  if (sc->set_clause) sc->set_clause(sc->resolve_ctx, clause);
  sl_compile_ctx_t cc = {.arena = a,
                         .resolve = sc->resolve ? sc->resolve : resolve_column,
                         .resolve_ctx = sc->resolve ? sc->resolve_ctx : sc,
                         .lookup_type = lookup_type_cb,
                         .lookup_ctx = (void *)ax,
                         .nslots = sc->resolve ? sc->nslots : sc->src->nslots,
                         .allow_aggregates = false};
  return sl_expr_compile(e, &cc, out, err);
}

/* ---------------- source node ---------------- */

static const char *effective_format(const char *f) {
  return f ? f : "KAFKA";
}

int sl_plan_source_node(const sl_source_t *s, sl_arena_t *a, sl_pnode_t **out, sl_error_t *err) {
  sl_pnode_t *n = sl_arena_alloc(a, sizeof *n);
  n->kind = SL_PN_SOURCE;
  n->topic = sl_arena_strdup(a, s->topic);
  n->source_name = sl_arena_strdup(a, s->name);
  n->is_table = s->is_table;
  n->schema = sl_schema_copy(a, s->schema);
  int nc = n->schema->ncols;
  n->key_slots = sl_arena_alloc(a, sizeof(int) * (size_t)(nc + 1));
  n->value_slots = sl_arena_alloc(a, sizeof(int) * (size_t)(nc + 1));
  n->header_slots = sl_arena_alloc(a, sizeof(int) * (size_t)(nc + 1));
  sl_column_t *kc = sl_arena_alloc(a, sizeof(sl_column_t) * (size_t)(nc + 1));
  sl_column_t *vc = sl_arena_alloc(a, sizeof(sl_column_t) * (size_t)(nc + 1));
  for (int i = 0; i < nc; i++) {
    const sl_column_t *c = &n->schema->cols[i];
    if (c->ns == SL_NS_KEY) {
      kc[n->nkey] = *c;
      n->key_slots[n->nkey++] = i;
    } else if (c->ns == SL_NS_VALUE) {
      vc[n->nvalue] = *c;
      n->value_slots[n->nvalue++] = i;
    } else {
      n->header_slots[n->header_slots_n++] = i;
    }
  }
  int rc = sl_serde_new(n->nkey ? effective_format(s->key_format) : "NONE", kc, n->nkey, true,
                        &s->key_opts, a, &n->key_serde, err);
  if (rc) return rc;
  rc = sl_serde_new(effective_format(s->value_format), vc, n->nvalue, false, &s->value_opts, a,
                    &n->value_serde, err);
  if (rc) return rc;
  n->window_type = s->window_type;
  n->window_size_ms = s->window_size_ms;
  n->slot_rowtime = nc;
  n->slot_rowpartition = nc + 1;
  n->slot_rowoffset = nc + 2;
  n->nslots = nc + 3;
  n->slot_wstart = n->slot_wend = -1;
  if (s->window_type != SL_WIN_NONE) {
    n->slot_wstart = nc + 3;
    n->slot_wend = nc + 4;
    n->nslots = nc + 5;
  }
  n->ts.slot = -1;
  if (s->timestamp_column) {
    int i = sl_schema_find(n->schema, s->timestamp_column);
    if (i < 0)
      return sl_error_set(err, SL_ESEMANTIC, -1,
                          "The TIMESTAMP column set in the WITH clause does not exist in the "
                          "schema: '%s'",
                          s->timestamp_column);
    n->ts.slot = i;
    n->ts.type = n->schema->cols[i].type;
    n->ts.format = s->timestamp_format ? sl_arena_strdup(a, s->timestamp_format) : NULL;
  }
  *out = n;
  return 0;
}

bool an_type_has_map(const sl_type_t *t) {
  if (!t) return false;
  if (t->kind == SL_T_MAP) return true;
  if (t->kind == SL_T_ARRAY) return an_type_has_map(t->elem);
  if (t->kind == SL_T_STRUCT)
    for (int i = 0; i < t->nfields; i++)
      if (an_type_has_map(t->fields[i].type)) return true;
  return false;
}

int an_map_key_error(const char *name, const sl_type_t *t, int offset, sl_error_t *err) {
  sl_buf_t b;
  sl_buf_init(&b);
  sl_type_format(t, &b);
  int rc = sl_error_set(err, SL_ESEMANTIC, offset,
                        "Map keys, including types that contain maps, are not supported as they "
                        "may lead to unexpected behavior due to inconsistent serialization. Key "
                        "column name: `%s`. Column type: %s. See "
                        "https://github.com/confluentinc/ksql/issues/6621 for more.",
                        name, b.data ? b.data : "");
  sl_buf_free(&b);
  return rc;
}

/* ---------------- projections ---------------- */

bool an_is_reserved_output(const char *name) {
  return !strcmp(name, "ROWTIME") || !strcmp(name, "WINDOWSTART") || !strcmp(name, "WINDOWEND") ||
         !strcmp(name, "ROWPARTITION") || !strcmp(name, "ROWOFFSET");
}

typedef struct out_item {
  const char *name;
  const sl_expr_t *ast;
  sl_cexpr_t *cx;
  int key_idx; /* index of the key expression this item projects, or -1 for a value column */
  int offset;
} out_item_t;

/* A key of the result: a source key column, or a PARTITION BY expression. */
typedef struct key_expr {
  const sl_expr_t *ast; /* PARTITION BY expression, NULL for a source key column */
  sl_cexpr_t *cx;
  int src_slot;        /* source column slot when the key is a bare column, else -1 */
  const char *name;    /* default column name */
  const char *display; /* how messages show it */
} key_expr_t;

void an_join_names(sl_buf_t *b, const char **names, int n, const char *last_sep) {
  for (int i = 0; i < n; i++) {
    if (i > 0) sl_buf_puts(b, i == n - 1 ? last_sep : ", ");
    sl_buf_puts(b, names[i]);
  }
}

/* Structural equality of two expressions, ignoring offsets and qualifiers. */
static bool ident_eq(const sl_ident_t *a, const sl_ident_t *b) {
  if (!a || !b) return a == b;
  return strcmp(a->name, b->name) == 0;
}

bool an_expr_eq(const sl_expr_t *a, const sl_expr_t *b) {
  if (!a || !b) return a == b;
  if (a->kind != b->kind || a->op != b->op || a->negated != b->negated || a->star != b->star ||
      a->distinct != b->distinct || a->ival != b->ival)
    return false;
  if ((a->text || b->text) && (!a->text || !b->text || strcmp(a->text, b->text) != 0)) return false;
  if (a->kind != SL_EX_COLUMN && !ident_eq(a->qualifier, b->qualifier)) return false;
  if (!ident_eq(a->name, b->name)) return false;
  if (!an_expr_eq(a->left, b->left) || !an_expr_eq(a->right, b->right) ||
      !an_expr_eq(a->third, b->third))
    return false;
  if (a->args.len != b->args.len || a->whens.len != b->whens.len || a->names.len != b->names.len)
    return false;
  for (int i = 0; i < a->args.len; i++)
    if (!an_expr_eq(a->args.items[i], b->args.items[i])) return false;
  for (int i = 0; i < a->names.len; i++)
    if (!ident_eq(a->names.items[i], b->names.items[i])) return false;
  for (int i = 0; i < a->whens.len; i++) {
    const sl_when_t *x = a->whens.items[i], *y = b->whens.items[i];
    if (!an_expr_eq(x->when, y->when) || !an_expr_eq(x->then, y->then)) return false;
  }
  if (a->type || b->type) {
    sl_buf_t x, y;
    sl_buf_init(&x);
    sl_buf_init(&y);
    if (a->type) sl_type_ast_to_sql(a->type, &x);
    if (b->type) sl_type_ast_to_sql(b->type, &y);
    bool same = x.len == y.len && (!x.len || !strcmp(x.data, y.data));
    sl_buf_free(&x);
    sl_buf_free(&y);
    if (!same) return false;
  }
  return true;
}

/* A copy of e whose column references all carry qualifier q (for messages
 * that show ksqlDB's fully qualified form, e.g. ABS(INPUT.ID)). */
sl_expr_t *an_qualify(const sl_expr_t *e, const char *q, sl_arena_t *a) {
  if (!e) return NULL;
  sl_expr_t *c = sl_arena_memdup(a, e, sizeof *e);
  if (c->kind == SL_EX_COLUMN && !c->qualifier) {
    c->qualifier = sl_arena_alloc(a, sizeof(sl_ident_t));
    c->qualifier->name = q;
  }
  c->left = an_qualify(e->left, q, a);
  c->right = an_qualify(e->right, q, a);
  c->third = an_qualify(e->third, q, a);
  if (e->args.len) {
    c->args.items = sl_arena_alloc(a, sizeof(void *) * (size_t)e->args.len);
    for (int i = 0; i < e->args.len; i++) c->args.items[i] = an_qualify(e->args.items[i], q, a);
  }
  if (e->whens.len) {
    c->whens.items = sl_arena_alloc(a, sizeof(void *) * (size_t)e->whens.len);
    for (int i = 0; i < e->whens.len; i++) {
      const sl_when_t *w = e->whens.items[i];
      sl_when_t *nw = sl_arena_alloc(a, sizeof *nw);
      nw->when = an_qualify(w->when, q, a);
      nw->then = an_qualify(w->then, q, a);
      c->whens.items[i] = nw;
    }
  }
  return c;
}

const char *an_expr_text(const sl_expr_t *e, sl_arena_t *a) {
  sl_buf_t b;
  sl_buf_init(&b);
  sl_expr_to_sql(e, &b);
  const char *s = sl_arena_strdup(a, b.data ? b.data : "");
  sl_buf_free(&b);
  return s;
}

const char *an_next_synth_name(sl_arena_t *a, int *gen, const char **used, int nused) {
  for (;;) {
    char *cand = sl_arena_sprintf(a, "KSQL_COL_%d", (*gen)++);
    bool taken = false;
    for (int j = 0; j < nused && !taken; j++) taken = used[j] && !strcmp(used[j], cand);
    if (!taken) return cand;
  }
}

/* Builds the key expressions: source key columns, or the PARTITION BY list. */
static int build_keys(const sl_select_t *sel, scope_t *sc, const sl_analyze_ctx_t *ax,
                      sl_arena_t *a, key_expr_t **out, int *nkeys, int *gen, sl_error_t *err) {
  const sl_pnode_t *src = sc->src;
  int n = 0;
  key_expr_t *k;
  if (sel->partition_by.len == 0) {
    k = sl_arena_alloc(a, sizeof(key_expr_t) * (size_t)(src->nkey + 1));
    for (int i = 0; i < src->nkey; i++) {
      int slot = src->key_slots[i];
      k[n].src_slot = slot;
      k[n].name = src->schema->cols[slot].name;
      k[n].display = k[n].name;
      n++;
    }
    *out = k;
    *nkeys = n;
    return 0;
  }
  int np = sel->partition_by.len;
  k = sl_arena_alloc(a, sizeof(key_expr_t) * (size_t)(np + 1));
  for (int i = 0; i < np; i++) {
    const sl_expr_t *e = sel->partition_by.items[i];
    if (e->kind == SL_EX_NULL) {
      if (np > 1)
        return sl_error_set(err, SL_ESEMANTIC, e->offset,
                            "Cannot PARTITION BY multiple columns including NULL");
      *out = k;
      *nkeys = 0;
      return 0;
    }
    key_expr_t *ke = &k[n++];
    ke->ast = e;
    ke->src_slot = -1;
    int rc = an_compile(e, sc, ax, a, "PARTITION BY", &ke->cx, err);
    if (rc) return rc;
    ke->display = an_expr_text(an_qualify(e, sc->alias ? sc->alias : sc->src_name, a), a);
    if (e->kind == SL_EX_COLUMN) {
      ke->src_slot = sl_schema_find(src->schema, e->name->name);
      ke->name = e->name->name;
      if (ke->src_slot < 0) ke->name = e->name->name; /* pseudo column such as ROWTIME */
    } else if (e->kind == SL_EX_DEREF) {
      ke->name = e->name->name;
    }
  }
  for (int i = 0; i < n; i++)
    if (!k[i].name) k[i].name = an_next_synth_name(a, gen, NULL, 0);
  *out = k;
  *nkeys = n;
  return 0;
}

static int match_key(const sl_expr_t *e, const sl_pnode_t *src, const key_expr_t *keys, int nkeys) {
  for (int j = 0; j < nkeys; j++) {
    if (keys[j].ast && an_expr_eq(keys[j].ast, e)) return j;
    if (!keys[j].ast && e->kind == SL_EX_COLUMN && keys[j].src_slot >= 0 &&
        sl_schema_find(src->schema, e->name->name) == keys[j].src_slot)
      return j;
  }
  return -1;
}

sl_expr_t *an_column_ast(sl_arena_t *a, const char *name, int offset) {
  sl_expr_t *ce = sl_arena_alloc(a, sizeof *ce);
  ce->kind = SL_EX_COLUMN;
  ce->offset = offset;
  ce->end_offset = offset;
  ce->name = sl_arena_alloc(a, sizeof(sl_ident_t));
  ce->name->name = name;
  ce->name->quoted = true;
  return ce;
}

static int expand_items(const sl_select_t *sel, scope_t *sc, const sl_analyze_ctx_t *ax,
                        sl_arena_t *a, const key_expr_t *keys, int nkeys, int *gen,
                        out_item_t **items_out, int *nitems, sl_error_t *err) {
  const sl_pnode_t *src = sc->src;
  bool partitioned = sel->partition_by.len > 0;
  int cap = sel->items.len * 2 + src->schema->ncols + nkeys + 4;
  out_item_t *items = sl_arena_alloc(a, sizeof(out_item_t) * (size_t)cap);
  int n = 0;
  for (int i = 0; i < sel->items.len; i++) {
    const sl_select_item_t *it = sel->items.items[i];
    const sl_expr_t *e = it->expr;
    if (e->kind == SL_EX_STAR) {
      if (e->qualifier) {
        const char *q = e->qualifier->name;
        if (!((sc->alias && !strcmp(q, sc->alias)) || !strcmp(q, sc->src_name)))
          return sl_error_set(err, SL_ESEMANTIC, e->offset,
                              "'%s' is not a valid stream/table name or alias.", q);
      }
      /* Without PARTITION BY: key columns, then value columns. With it: the new
       * key columns, the value columns not used as keys, then the old keys. */
      if (partitioned) {
        for (int j = 0; j < nkeys; j++) {
          items[n] = (out_item_t){.name = keys[j].name,
                                  .ast = keys[j].ast,
                                  .cx = keys[j].cx,
                                  .key_idx = j,
                                  .offset = e->offset};
          n++;
        }
      }
      for (int pass = 0; pass < 2; pass++) {
        for (int c = 0; c < src->schema->ncols; c++) {
          const sl_column_t *col = &src->schema->cols[c];
          bool is_key = col->ns == SL_NS_KEY;
          if (partitioned) {
            if ((pass == 0) == is_key) continue; /* values first, old keys after */
            bool used = false;
            for (int j = 0; j < nkeys; j++) used |= keys[j].src_slot == c;
            if (used) continue;
          } else if ((pass == 0) != is_key) {
            continue;
          }
          sl_expr_t *ce = an_column_ast(a, col->name, e->offset);
          items[n].name = col->name;
          items[n].ast = ce;
          items[n].offset = e->offset;
          items[n].key_idx = partitioned ? -1 : match_key(ce, src, keys, nkeys);
          int rc = an_compile(ce, sc, ax, a, "SELECT", &items[n].cx, err);
          if (rc) return rc;
          n++;
        }
        /* A transient query over a windowed source shows the window bounds
         * right after the key, as ksqlDB's pull and push queries do. */
        if (pass == 0 && ax->transient && src->window_type != SL_WIN_NONE && !partitioned) {
          static const char *wb[] = {"WINDOWSTART", "WINDOWEND"};
          for (int w = 0; w < 2; w++) {
            sl_expr_t *we = an_column_ast(a, wb[w], e->offset);
            items[n] = (out_item_t){.name = wb[w], .ast = we, .key_idx = -1, .offset = e->offset};
            int rc = an_compile(we, sc, ax, a, "SELECT", &items[n].cx, err);
            if (rc) return rc;
            n++;
          }
        }
      }
      continue;
    }
    out_item_t *o = &items[n];
    o->ast = e;
    o->offset = it->offset;
    int rc = an_compile(e, sc, ax, a, "SELECT", &o->cx, err);
    if (rc) return rc;
    o->key_idx = match_key(e, src, keys, nkeys);
    if (it->alias) {
      o->name = it->alias->name;
    } else if (e->kind == SL_EX_COLUMN) {
      o->name = e->name->name;
      bool bound = ax->transient && src->window_type != SL_WIN_NONE &&
                   (!strcmp(o->name, "WINDOWSTART") || !strcmp(o->name, "WINDOWEND"));
      if (an_is_reserved_output(o->name) && o->key_idx < 0 && !bound)
        return sl_error_set(err, SL_ESEMANTIC, e->offset,
                            "Reserved column name in select: `%s`. Please remove or alias the "
                            "column.",
                            o->name);
    } else if (e->kind == SL_EX_DEREF) {
      o->name = e->name->name;
    } else if (o->key_idx >= 0) {
      o->name = keys[o->key_idx].name;
    } else {
      o->name = NULL; /* synthesized below, after every explicit name is known */
    }
    n++;
  }
  /* Synthesized names KSQL_COL_n skip names already used. */
  int nsc = src->schema->ncols;
  const char **used = sl_arena_alloc(a, sizeof(char *) * (size_t)(n + nkeys + nsc + 1));
  for (int i = 0; i < n; i++) used[i] = items[i].name;
  for (int j = 0; j < nkeys; j++) used[n + j] = keys[j].name;
  for (int j = 0; j < nsc; j++) used[n + nkeys + j] = src->schema->cols[j].name;
  for (int i = 0; i < n; i++) {
    if (items[i].name) continue;
    items[i].name = an_next_synth_name(a, gen, used, n + nkeys + nsc);
    used[i] = items[i].name;
  }
  *items_out = items;
  *nitems = n;
  return 0;
}

/* ---------------- sink spec from WITH ---------------- */

static int prop_int(const sl_property_t *p, int *out, sl_error_t *err) {
  const char *t = sl_prop_text(p);
  char *end;
  long v = t ? strtol(t, &end, 10) : 0;
  if (!t || *end || v <= 0)
    return sl_error_set(err, SL_ESEMANTIC, p->offset, "Invalid value for %s: '%s'", p->name.name,
                        t ? t : "");
  *out = (int)v;
  return 0;
}

const char *an_prop_get(const sl_map_t *props, const char *name) {
  return props ? sl_map_get(props, name) : NULL;
}

int an_fill_sink_spec(const sl_stmt_t *st, const sl_source_t *src, const sl_analyze_ctx_t *ax,
                      int nkey, sl_arena_t *a, sl_sink_spec_t *spec, sl_error_t *err) {
  const sl_list_t *props = &st->props;
  spec->name = st->name.name;
  spec->is_table = st->obj == SL_OBJ_TABLE;
  const sl_property_t *p;
  const char *prefix = an_prop_get(ax->props, "ksql.output.topic.name.prefix");
  spec->topic = (p = sl_props_find(props, "KAFKA_TOPIC"))
                    ? sl_arena_strdup(a, sl_prop_text(p))
                    : sl_arena_sprintf(a, "%s%s", prefix ? prefix : "", st->name.name);
  const char *fmt = (p = sl_props_find(props, "FORMAT")) ? sl_prop_text(p) : NULL;
  const char *kf = (p = sl_props_find(props, "KEY_FORMAT")) ? sl_prop_text(p) : NULL;
  const char *vf = (p = sl_props_find(props, "VALUE_FORMAT")) ? sl_prop_text(p) : NULL;
  if (fmt && (kf || vf))
    return sl_error_set(
        err, SL_ESEMANTIC, st->offset,
        "Cannot supply both 'FORMAT' and 'KEY_FORMAT' or 'VALUE_FORMAT' properties");
  if (fmt) kf = vf = fmt;
  if (nkey == 0 && kf && !fmt)
    return sl_error_set(err, SL_ESEMANTIC, st->offset,
                        "Key format specified for stream without key columns.");
  const char *inherited = src->key_format;
  if (!inherited || sl_streq_ci(inherited, "NONE")) {
    inherited = an_prop_get(ax->props, "ksql.persistence.default.format.key");
    if (!inherited) inherited = "KAFKA";
  }
  spec->key_format = sl_arena_strdup(a, kf ? kf : inherited);
  spec->value_format = sl_arena_strdup(a, vf ? vf : src->value_format);
  sl_upper_inplace((char *)spec->key_format);
  sl_upper_inplace((char *)spec->value_format);
  if (nkey == 0) spec->key_format = "NONE";
  if (!sl_format_find(spec->key_format))
    return sl_error_set(err, SL_ESEMANTIC, st->offset, "Unknown format: %s", spec->key_format);
  if (!sl_format_find(spec->value_format))
    return sl_error_set(err, SL_ESEMANTIC, st->offset, "Unknown format: %s", spec->value_format);
  spec->key_opts.delimiter = ',';
  spec->value_opts.delimiter = ',';
  spec->window_type = src->window_type;
  spec->window_size_ms = src->window_size_ms;
  const char *wrap_default = an_prop_get(ax->props, "ksql.persistence.wrap.single.values");
  spec->value_opts.wrap_single = !(wrap_default && sl_streq_ci(wrap_default, "false"));
  if ((p = sl_props_find(props, "WRAP_SINGLE_VALUE"))) {
    const char *t = sl_prop_text(p);
    spec->value_opts.wrap_single = t && sl_streq_ci(t, "true");
    spec->value_opts.wrap_explicit = true;
  }
  if (sl_streq_ci(spec->value_format, "DELIMITED") && src->value_format &&
      sl_streq_ci(src->value_format, "DELIMITED"))
    spec->value_opts.delimiter = src->value_opts.delimiter ? src->value_opts.delimiter : ',';
  if ((p = sl_props_find(props, "VALUE_DELIMITER"))) {
    int rc =
        sl_parse_delimiter(sl_prop_text(p), "VALUE_DELIMITER", &spec->value_opts.delimiter, err);
    if (rc) return rc;
  }
  if ((p = sl_props_find(props, "KEY_DELIMITER"))) {
    int rc = sl_parse_delimiter(sl_prop_text(p), "KEY_DELIMITER", &spec->key_opts.delimiter, err);
    if (rc) return rc;
  }
  if ((p = sl_props_find(props, "PARTITIONS"))) {
    int rc = prop_int(p, &spec->partitions, err);
    if (rc) return rc;
  }
  if ((p = sl_props_find(props, "REPLICAS"))) {
    int rc = prop_int(p, &spec->replicas, err);
    if (rc) return rc;
  }
  if ((p = sl_props_find(props, "TIMESTAMP"))) {
    spec->timestamp_column = sl_arena_strdup(a, sl_prop_text(p));
    sl_upper_inplace((char *)spec->timestamp_column);
  }
  if ((p = sl_props_find(props, "TIMESTAMP_FORMAT")))
    spec->timestamp_format = sl_arena_strdup(a, sl_prop_text(p));
  return 0;
}

/* ---------------- the whole query ---------------- */

/* The first column reference named name in e, or NULL. */
static const sl_expr_t *find_column(const sl_expr_t *e, const char *name) {
  if (!e) return NULL;
  if (e->kind == SL_EX_COLUMN && e->name && !strcmp(e->name->name, name)) return e;
  const sl_expr_t *f;
  if ((f = find_column(e->left, name)) || (f = find_column(e->right, name)) ||
      (f = find_column(e->third, name)))
    return f;
  for (int i = 0; i < e->args.len; i++)
    if ((f = find_column(e->args.items[i], name))) return f;
  for (int i = 0; i < e->whens.len; i++) {
    const sl_when_t *w = e->whens.items[i];
    if ((f = find_column(w->when, name)) || (f = find_column(w->then, name))) return f;
  }
  return NULL;
}

/* ROWTIME, WINDOWSTART, ... may not name a result column, aliased or not. */
static int check_reserved_names(const sl_select_t *sel, bool windowed_agg, sl_error_t *err) {
  for (int i = 0; i < sel->items.len; i++) {
    const sl_select_item_t *it = sel->items.items[i];
    const char *name = NULL;
    int off = it->offset;
    if (it->alias) {
      name = it->alias->name;
      off = it->alias->offset;
    } else if (it->expr->kind == SL_EX_COLUMN && !it->expr->qualifier) {
      name = it->expr->name->name;
      if (windowed_agg && (!strcmp(name, "WINDOWSTART") || !strcmp(name, "WINDOWEND"))) continue;
    }
    if (name && an_is_reserved_output(name))
      return sl_error_set(
          err, SL_ESEMANTIC, off,
          "Reserved column name in select: `%s`. Please remove or alias the column.", name);
  }
  return 0;
}

/* True if e reads nothing but the source's key columns (and constants). */
static bool reads_only_keys(const sl_expr_t *e, const sl_pnode_t *src) {
  if (!e) return true;
  if (e->kind == SL_EX_COLUMN) {
    int i = sl_schema_find(src->schema, e->name->name);
    return i >= 0 && src->schema->cols[i].ns == SL_NS_KEY;
  }
  if (!reads_only_keys(e->left, src) || !reads_only_keys(e->right, src) ||
      !reads_only_keys(e->third, src))
    return false;
  for (int i = 0; i < e->args.len; i++)
    if (!reads_only_keys(e->args.items[i], src)) return false;
  for (int i = 0; i < e->whens.len; i++) {
    const sl_when_t *w = e->whens.items[i];
    if (!reads_only_keys(w->when, src) || !reads_only_keys(w->then, src)) return false;
  }
  return true;
}

int sl_analyze_persistent(const sl_stmt_t *stmt, const sl_source_t *target,
                          const sl_analyze_ctx_t *ax, sl_sink_spec_t *spec, sl_plan_t **plan_out,
                          sl_error_t *err) {
  const sl_select_t *sel = stmt->select;
  if (!sel || !sel->from)
    return sl_error_set(err, SL_ESEMANTIC, stmt->offset, "Statement has no SELECT");
  if (sel->partition_by_empty > 0)
    return sl_error_set(err, SL_ESEMANTIC, sel->partition_by_empty,
                        "PARTITION BY requires at least one expression");
  const sl_source_t *from0 = sel->from ? ax->find_source(ax->ctx, sel->from->name.name) : NULL;
  bool bounds_ok = (sel->window != NULL && sel->group_by.len > 0) ||
                   (ax->transient && from0 && from0->window_type != SL_WIN_NONE);
  int rc0 = check_reserved_names(sel, bounds_ok, err);
  if (rc0) return rc0;
  /* Window bounds where they cannot be: named before any other problem. */
  {
    const sl_expr_t *wb = find_column(sel->where, "WINDOWSTART");
    if (!wb) wb = find_column(sel->where, "WINDOWEND");
    if (wb && sel->joins.len == 0) {
      const sl_source_t *fs = ax->find_source(ax->ctx, sel->from->name.name);
      if (fs && fs->window_type == SL_WIN_NONE)
        return sl_error_set(err, SL_ESEMANTIC, wb->offset,
                            "Error in WHERE expression: Unknown column %s.", wb->name->name);
    }
    wb = find_column(sel->having, "WINDOWSTART");
    if (!wb) wb = find_column(sel->having, "WINDOWEND");
    if (wb)
      return sl_error_set(err, SL_ESEMANTIC, wb->offset,
                          "Window bounds column %s can only be used in the SELECT clause of "
                          "windowed aggregations",
                          wb->name->name);
  }
  if (sel->joins.len > 0) {
    int jrc = an_join(stmt, target, ax, spec, plan_out, err);
    if (jrc == 0) sl_plan_mark_used(*plan_out);
    return jrc;
  }

  const sl_source_t *src = ax->find_source(ax->ctx, sel->from->name.name);
  if (!src)
    return sl_error_set(err, SL_ENOTFOUND, sel->from->offset, "Source `%s` does not exist.",
                        sel->from->name.name);
  sl_plan_t *plan = sl_xcalloc(1, sizeof *plan);
  sl_arena_init(&plan->arena, 8192);
  sl_arena_t *a = &plan->arena;
  int rc = 0;
  sl_pnode_t *srcn;
  if ((rc = sl_plan_source_node(src, a, &srcn, err))) goto fail;
  plan->nsources = 1;
  plan->sources = sl_arena_alloc(a, sizeof(sl_pnode_t *));
  plan->sources[0] = srcn;

  scope_t sc = {.src = srcn,
                .src_name = src->name,
                .alias = sel->from->alias ? sel->from->alias->name : NULL};
  sl_pnode_t *top = srcn;
  if (sel->where) {
    sl_pnode_t *f = sl_arena_alloc(a, sizeof *f);
    f->kind = SL_PN_FILTER;
    f->input = top;
    f->nslots = top->nslots;
    f->is_table = src->is_table;
    if ((rc = an_compile(sel->where, &sc, ax, a, "WHERE", &f->predicate, err))) goto fail;
    const sl_type_t *pt = sl_cexpr_type(f->predicate);
    if (pt && pt->kind != SL_T_BOOLEAN) {
      rc = sl_error_set(err, SL_ESEMANTIC, sel->where->offset,
                        "Type error in WHERE expression: Should evaluate to boolean but is %s "
                        "instead.",
                        sl_type_kind_name(pt->kind));
      goto fail;
    }
    sl_buf_t b;
    sl_buf_init(&b);
    sl_expr_to_sql(sel->where, &b);
    f->predicate_text = sl_arena_strdup(a, b.data ? b.data : "");
    sl_buf_free(&b);
    top = f;
  }

  bool aggregating = sel->group_by.len > 0 || (sel->having && an_has_aggregate(sel->having));
  for (int i = 0; !aggregating && i < sel->items.len; i++)
    aggregating = an_has_aggregate(((sl_select_item_t *)sel->items.items[i])->expr);
  if (aggregating) {
    if (sel->partition_by.len > 0) {
      rc = sl_error_set(err, SL_ESEMANTIC, ((sl_expr_t *)sel->partition_by.items[0])->offset,
                        "PARTITION BY and GROUP BY in the same query is not supported.");
      goto fail;
    }
    if ((rc = an_aggregate(stmt, target, src, &sc, top, ax, plan, spec, err))) goto fail;
    sl_plan_mark_used(plan);
    *plan_out = plan;
    return 0;
  }
  if (sel->window) {
    rc = sl_error_set(err, SL_ESEMANTIC, sel->window->offset,
                      "WINDOW clause requires a GROUP BY clause.");
    goto fail;
  }
  if (sel->having) {
    rc = sl_error_set(err, SL_ESEMANTIC, sel->having->offset,
                      "HAVING clause requires a GROUP BY clause.");
    goto fail;
  }

  key_expr_t *keys = NULL;
  int nkeys = 0, gen = 0;
  if ((rc = build_keys(sel, &sc, ax, a, &keys, &nkeys, &gen, err))) goto fail;
  out_item_t *items = NULL;
  int nitems = 0;
  if ((rc = expand_items(sel, &sc, ax, a, keys, nkeys, &gen, &items, &nitems, err))) goto fail;

  /* Every key must be projected exactly once. */
  bool partitioned = sel->partition_by.len > 0;
  const char *sink_name = target ? target->name : stmt->name.name;
  for (int k = 0; k < nkeys; k++) {
    const char *first = NULL;
    for (int i = 0; i < nitems; i++) {
      if (items[i].key_idx != k) continue;
      if (first) {
        rc = sl_error_set(err, SL_ESEMANTIC, items[i].offset,
                          "The projection contains a key column (`%s`) more than once, aliased "
                          "as: %s and %s.",
                          keys[k].name, first, items[i].name);
        goto fail;
      }
      first = items[i].name;
    }
  }
  {
    const char *missing[64];
    int nmissing = 0;
    for (int k = 0; k < nkeys && nmissing < 64; k++) {
      bool found = false;
      for (int i = 0; i < nitems; i++) found |= items[i].key_idx == k;
      if (!found) missing[nmissing++] = keys[k].display;
    }
    if (nmissing && ax->transient) {
      /* A transient query returns what it selects: no key rules, all values. */
      for (int i = 0; i < nitems; i++) items[i].key_idx = -1;
      nkeys = 0;
      nmissing = 0;
    }
    if (nmissing) {
      /* ksqlDB names every key, not only the missing ones. */
      nmissing = 0;
      for (int k = 0; k < nkeys && nmissing < 64; k++) missing[nmissing++] = keys[k].display;
      sl_buf_t b, c;
      sl_buf_init(&b);
      sl_buf_init(&c);
      an_join_names(&b, missing, nmissing, " and ");
      an_join_names(&c, missing, nmissing, ", ");
      const char *what = partitioned ? "partitioning expression" : "key column";
      rc = sl_error_set(err, SL_ESEMANTIC, sel->offset,
                        "The query used to build `%s` must include the %s%s %s in its "
                        "projection (eg, SELECT %s...).",
                        sink_name, what, nmissing > 1 ? "s" : "", b.data, c.data);
      sl_buf_free(&b);
      sl_buf_free(&c);
      goto fail;
    }
  }
  int nkeyout = nkeys;
  int nsrckey = nkeys;
  if (nitems - nkeyout == 0 && !ax->transient) {
    rc = sl_error_set(err, SL_ESEMANTIC, sel->offset, "The projection contains no value columns.");
    goto fail;
  }

  /* Output schema: key columns (in source key order), then value columns. */
  sl_pnode_t *pj = sl_arena_alloc(a, sizeof *pj);
  pj->kind = SL_PN_PROJECT;
  pj->input = top;
  pj->nout = nitems;
  pj->nslots = nitems;
  pj->exprs = sl_arena_alloc(a, sizeof(sl_cexpr_t *) * (size_t)nitems);
  pj->out_schema = sl_arena_alloc(a, sizeof(sl_schema_t));
  pj->out_schema->ncols = nitems;
  pj->out_schema->cols = sl_arena_alloc(a, sizeof(sl_column_t) * (size_t)nitems);
  int o = 0;
  pj->key_only = sl_arena_alloc(a, sizeof(bool) * (size_t)(nitems + 1));
  pj->rekeys = sel->partition_by.len > 0;
  for (int k = 0; k < nkeys; k++)
    for (int i = 0; i < nitems; i++)
      if (items[i].key_idx == k) {
        pj->key_only[o] = reads_only_keys(items[i].ast, srcn);
        pj->exprs[o] = items[i].cx;
        pj->out_schema->cols[o++] = (sl_column_t){
            .name = items[i].name, .type = sl_cexpr_type(items[i].cx), .ns = SL_NS_KEY};
      }
  for (int i = 0; i < nitems; i++) {
    if (items[i].key_idx >= 0) continue;
    const sl_type_t *t = sl_cexpr_type(items[i].cx);
    if (!t) {
      rc = sl_error_set(err, SL_ESEMANTIC, items[i].offset,
                        "Can't infer a type of null. Please explicitly cast it to a required "
                        "type, e.g. CAST(null AS VARCHAR).");
      goto fail;
    }
    for (int j = 0; j < o; j++) {
      if (!strcmp(pj->out_schema->cols[j].name, items[i].name)) {
        sl_buf_t b;
        sl_buf_init(&b);
        sl_type_format(t, &b);
        rc =
            sl_error_set(err, SL_ESEMANTIC, items[i].offset,
                         "Duplicate value columns found in schema: `%s` %s", items[i].name, b.data);
        sl_buf_free(&b);
        goto fail;
      }
    }
    pj->exprs[o] = items[i].cx;
    pj->out_schema->cols[o++] = (sl_column_t){.name = items[i].name, .type = t, .ns = SL_NS_VALUE};
  }
  plan->out_schema = pj->out_schema;

  /* Sink. */
  sl_pnode_t *sk;
  if ((rc = an_sink_node(stmt, target, src, ax, pj, nsrckey, src->is_table, a, spec, &sk, err)))
    goto fail;
  plan->root = sk;
  plan->sink_name = sl_arena_strdup(a, sk->sink_name);
  sl_plan_mark_used(plan);
  *plan_out = plan;
  return 0;
fail:
  sl_plan_free(plan);
  return rc ? rc : SL_ESEMANTIC;
}

int an_sink_node(const sl_stmt_t *stmt, const sl_source_t *target, const sl_source_t *src,
                 const sl_analyze_ctx_t *ax, sl_pnode_t *pj, int nkey, bool result_is_table,
                 sl_arena_t *a, sl_sink_spec_t *spec, sl_pnode_t **out, sl_error_t *err) {
  int rc;
  sl_sink_spec_t local;
  if (!spec) spec = &local;
  memset(spec, 0, sizeof *spec);
  if (target) {
    spec->name = target->name;
    spec->is_table = target->is_table;
    spec->topic = target->topic;
    spec->key_format = target->key_format;
    spec->value_format = target->value_format;
    spec->key_opts = target->key_opts;
    spec->value_opts = target->value_opts;
    spec->timestamp_column = target->timestamp_column;
    spec->timestamp_format = target->timestamp_format;
    spec->window_type = target->window_type;
    spec->window_size_ms = target->window_size_ms;
  } else {
    if ((rc = an_fill_sink_spec(stmt, src, ax, nkey, a, spec, err))) return rc;
    if (stmt->obj == SL_OBJ_TABLE && !result_is_table)
      return sl_error_set(err, SL_ESEMANTIC, stmt->offset,
                          "Invalid result type. Your SELECT query produces a STREAM. Please use "
                          "CREATE STREAM AS SELECT statement instead.");
    if (stmt->obj == SL_OBJ_STREAM && result_is_table)
      return sl_error_set(err, SL_ESEMANTIC, stmt->offset,
                          "Invalid result type. Your SELECT query produces a TABLE. Please use "
                          "CREATE TABLE AS SELECT statement instead.");
  }
  sl_pnode_t *sk = sl_arena_alloc(a, sizeof *sk);
  sk->kind = SL_PN_SINK;
  sk->input = pj;
  sk->nslots = pj->nslots;
  sk->sink_name = sl_arena_strdup(a, spec->name);
  sk->sink_topic = sl_arena_strdup(a, spec->topic);
  sk->sink_is_table = spec->is_table;
  sk->sink_nkey = nkey;
  sk->sink_ts_slot = -1;
  sk->window_type = spec->window_type;
  sl_column_t *cols = pj->out_schema->cols;
  int nout = pj->out_schema->ncols;
  if ((rc = sl_serde_new(nkey ? spec->key_format : "NONE", cols, nkey, true, &spec->key_opts, a,
                         &sk->sink_key_serde, err)))
    return rc;
  if ((rc = sl_serde_new(spec->value_format, cols + nkey, nout - nkey, false, &spec->value_opts, a,
                         &sk->sink_value_serde, err)))
    return rc;
  if (spec->timestamp_column) {
    int i = sl_schema_find(pj->out_schema, spec->timestamp_column);
    if (i < 0)
      return sl_error_set(err, SL_ESEMANTIC, stmt->offset,
                          "The TIMESTAMP column set in the WITH clause does not exist in the "
                          "schema: '%s'",
                          spec->timestamp_column);
    sk->sink_ts_slot = i;
    sk->sink_ts_type = cols[i].type;
    sk->sink_ts_format = spec->timestamp_format;
  }
  *out = sk;
  return 0;
}

void sl_plan_free(sl_plan_t *p) {
  if (!p) return;
  sl_arena_free(&p->arena);
  free(p);
}

static const char *node_name(sl_pnode_kind_t k) {
  switch (k) {
    case SL_PN_SOURCE: return "Source";
    case SL_PN_FILTER: return "Filter";
    case SL_PN_PROJECT: return "Project";
    case SL_PN_SINK: return "Sink";
    case SL_PN_GROUPBY: return "GroupBy";
    case SL_PN_AGGREGATE: return "Aggregate";
    case SL_PN_JOIN: return "Join";
  }
  return "?";
}

static void explain_node(const sl_pnode_t *n, int depth, sl_buf_t *out) {
  sl_buf_printf(out, "%*s> [ %s ]", depth * 2, "", node_name(n->kind));
  switch (n->kind) {
    case SL_PN_SOURCE: sl_buf_printf(out, " topic: %s", n->topic); break;
    case SL_PN_FILTER: sl_buf_printf(out, " %s", n->predicate_text ? n->predicate_text : ""); break;
    case SL_PN_PROJECT: {
      sl_buf_puts(out, " | Schema: ");
      sl_schema_format(n->out_schema, out);
      break;
    }
    case SL_PN_SINK: sl_buf_printf(out, " topic: %s", n->sink_topic); break;
    case SL_PN_GROUPBY: sl_buf_printf(out, " keys: %d", n->ngroup); break;
    case SL_PN_AGGREGATE:
      for (int i = 0; i < n->nagg; i++) sl_buf_printf(out, "%s%s", i ? ", " : " ", n->aggs[i].name);
      break;
    case SL_PN_JOIN: break;
  }
  sl_buf_putc(out, '\n');
  if (n->input) explain_node(n->input, depth + 1, out);
  if (n->kind == SL_PN_JOIN && n->input2) explain_node(n->input2, depth + 1, out);
}

void sl_plan_explain(const sl_plan_t *p, sl_buf_t *out) {
  explain_node(p->root, 0, out);
  for (int i = 0; i < p->npre; i++) explain_node(p->pre_roots[i], 0, out);
}
