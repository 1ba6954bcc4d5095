/*
 * ast.c - the builders the grammar's actions call. Each allocates one node in
 * the statement arena, fills it from tokens and child nodes, and records the
 * byte offsets (first token, and for expressions just past the last one).
 * Builders check only what the grammar cannot say (a lambda parameter must be
 * a plain name, a duration must be a whole number); they never look at a
 * catalog. Identifier case folding and quote unescaping happen here.
 */
#include <stdlib.h>
#include <string.h>

#include "sql.h"
#include "sql_int.h"

/* ---------------- lists ---------------- */

void sl_list_push(sl_arena_t *a, sl_list_t *l, void *item) {
  if (l->len == l->cap) {
    int cap = l->cap ? l->cap * 2 : 4;
    void **items = sl_arena_alloc(a, sizeof(void *) * (size_t)cap);
    if (l->len) memcpy(items, l->items, sizeof(void *) * (size_t)l->len);
    l->items = items;
    l->cap = cap;
  }
  l->items[l->len++] = item;
}

sl_list_t *sl_ast_list(sl_pctx_t *ctx, sl_list_t *l, void *item) {
  if (!l) l = sl_arena_alloc(ctx->a, sizeof *l);
  if (item) sl_list_push(ctx->a, l, item);
  return l;
}

sl_list_t *sl_ast_list_prepend(sl_pctx_t *ctx, sl_list_t *l, void *item) {
  l = sl_ast_list(ctx, l, item);
  memmove(l->items + 1, l->items, sizeof(void *) * (size_t)(l->len - 1));
  l->items[0] = item;
  return l;
}

static void copy_list(sl_list_t *dst, const sl_list_t *src) {
  if (src) *dst = *src;
}

int64_t sl_duration_ms(const sl_duration_t *d) {
  static const int64_t mult[] = {1, 1000, 60000, 3600000, 86400000};
  return d->amount * mult[d->unit];
}

/* ---------------- tokens and identifiers ---------------- */

/* Offset just past the token that starts at offset (re-lexed: nodes keep
 * only start offsets of identifiers). */
static int tok_end(sl_pctx_t *ctx, int offset) {
  sl_token_t t;
  sl_sql_next_token(ctx->text, ctx->text_len, offset, &t);
  return t.offset + t.len;
}

/* Copies z[1..n-2] with doubled quote characters collapsed. */
static char *unquote(sl_pctx_t *ctx, const char *z, int n, size_t *outlen) {
  char q = z[0];
  char *s = sl_arena_alloc(ctx->a, (size_t)n);
  size_t k = 0;
  for (int i = 1; i < n - 1; i++) {
    s[k++] = z[i];
    if (z[i] == q && i + 1 < n - 1 && z[i + 1] == q) i++;
  }
  s[k] = 0;
  if (outlen) *outlen = k;
  return s;
}

sl_ident_t *sl_ast_ident(sl_pctx_t *ctx, sl_token_t t) {
  sl_ident_t *id = sl_arena_alloc(ctx->a, sizeof *id);
  id->offset = t.offset;
  if (t.type == TK_QIDENT || t.type == TK_SCONST) {
    id->name = unquote(ctx, t.z, t.len, NULL);
    id->quoted = true;
  } else {
    id->name = sl_upper_inplace(sl_arena_strndup(ctx->a, t.z, (size_t)t.len));
  }
  return id;
}

/* ---------------- expressions ---------------- */

static sl_expr_t *new_expr(sl_pctx_t *ctx, sl_expr_kind_t kind, int offset, int end) {
  sl_expr_t *e = sl_arena_alloc(ctx->a, sizeof *e);
  e->kind = kind;
  e->offset = offset;
  e->end_offset = end;
  return e;
}

sl_expr_t *sl_ast_literal(sl_pctx_t *ctx, sl_expr_kind_t kind, sl_token_t t) {
  sl_expr_t *e = new_expr(ctx, kind, t.offset, t.offset + t.len);
  switch (kind) {
    case SL_EX_BOOL: e->ival = t.type == TK_TRUE; break;
    case SL_EX_STRING:
      if (t.type == TK_SCONST) {
        e->text = unquote(ctx, t.z, t.len, &e->len);
      } else { /* the STRING keyword as a type parameter: VARCHAR(STRING) */
        e->text = sl_upper_inplace(sl_arena_strndup(ctx->a, t.z, (size_t)t.len));
        e->len = strlen(e->text);
      }
      break;
    case SL_EX_VARIABLE: e->text = sl_arena_strndup(ctx->a, t.z + 2, (size_t)t.len - 3); break;
    case SL_EX_NULL: break;
    default: e->text = sl_arena_strndup(ctx->a, t.z, (size_t)t.len); break;
  }
  return e;
}

sl_expr_t *sl_ast_column(sl_pctx_t *ctx, sl_ident_t *qual, sl_ident_t *name) {
  sl_expr_t *e =
      new_expr(ctx, SL_EX_COLUMN, qual ? qual->offset : name->offset, tok_end(ctx, name->offset));
  e->qualifier = qual;
  e->name = name;
  return e;
}

sl_expr_t *sl_ast_star(sl_pctx_t *ctx, sl_ident_t *qual, sl_expr_t *base, sl_token_t star) {
  int off = qual ? qual->offset : base ? base->offset : star.offset;
  sl_expr_t *e = new_expr(ctx, SL_EX_STAR, off, star.offset + star.len);
  e->qualifier = qual;
  e->left = base;
  return e;
}

sl_expr_t *sl_ast_deref(sl_pctx_t *ctx, sl_expr_t *base, sl_ident_t *field) {
  sl_expr_t *e = new_expr(ctx, SL_EX_DEREF, base->offset, tok_end(ctx, field->offset));
  e->left = base;
  e->name = field;
  return e;
}

sl_expr_t *sl_ast_subscript(sl_pctx_t *ctx, sl_expr_t *base, sl_expr_t *idx, sl_token_t rb) {
  sl_expr_t *e = new_expr(ctx, SL_EX_SUBSCRIPT, base->offset, rb.offset + rb.len);
  e->left = base;
  e->right = idx;
  return e;
}

sl_expr_t *sl_ast_paren(sl_pctx_t *ctx, sl_token_t lp, sl_expr_t *e, sl_token_t rp) {
  SL_UNUSED(ctx);
  e->offset = lp.offset;
  e->end_offset = rp.offset + rp.len;
  return e;
}

static bool is_number(const sl_expr_t *e) {
  return e->kind == SL_EX_INT || e->kind == SL_EX_DECIMAL || e->kind == SL_EX_DOUBLE;
}

sl_expr_t *sl_ast_unary(sl_pctx_t *ctx, sl_op_t op, sl_token_t t, sl_expr_t *operand) {
  /* "-5" is one literal (ksqlDB's number rule), unless the number was
   * parenthesised or already negative. */
  if (op == SL_OP_NEG && is_number(operand) && operand->text[0] != '-' &&
      ctx->text[operand->offset] != '(') {
    operand->text = sl_arena_sprintf(ctx->a, "-%s", operand->text);
    operand->offset = t.offset;
    return operand;
  }
  sl_expr_t *e = new_expr(ctx, SL_EX_UNARY, t.offset, operand->end_offset);
  e->op = op;
  e->left = operand;
  return e;
}

sl_expr_t *sl_ast_binary(sl_pctx_t *ctx, sl_op_t op, sl_expr_t *l, sl_expr_t *r) {
  sl_expr_t *e = new_expr(ctx, SL_EX_BINARY, l->offset, r->end_offset);
  e->op = op;
  e->left = l;
  e->right = r;
  return e;
}

sl_expr_t *sl_ast_is_null(sl_pctx_t *ctx, sl_expr_t *l, bool negated, sl_token_t end) {
  sl_expr_t *e = new_expr(ctx, SL_EX_IS_NULL, l->offset, end.offset + end.len);
  e->left = l;
  e->negated = negated;
  return e;
}

sl_expr_t *sl_ast_distinct(sl_pctx_t *ctx, sl_expr_t *l, bool negated, sl_expr_t *r) {
  sl_expr_t *e = new_expr(ctx, SL_EX_DISTINCT, l->offset, r->end_offset);
  e->left = l;
  e->right = r;
  e->negated = negated;
  return e;
}

sl_expr_t *sl_ast_between(sl_pctx_t *ctx, sl_expr_t *l, bool negated, sl_expr_t *lo,
                          sl_expr_t *hi) {
  sl_expr_t *e = new_expr(ctx, SL_EX_BETWEEN, l->offset, hi->end_offset);
  e->left = l;
  e->right = lo;
  e->third = hi;
  e->negated = negated;
  return e;
}

sl_expr_t *sl_ast_like(sl_pctx_t *ctx, sl_expr_t *l, bool negated, sl_expr_t *pat, sl_expr_t *esc) {
  if (esc && esc->kind != SL_EX_STRING)
    sl_sql_error(ctx, esc->offset, "Syntax Error\nExpecting STRING");
  sl_expr_t *e = new_expr(ctx, SL_EX_LIKE, l->offset, esc ? esc->end_offset : pat->end_offset);
  e->left = l;
  e->right = pat;
  e->third = esc;
  e->negated = negated;
  return e;
}

sl_expr_t *sl_ast_in(sl_pctx_t *ctx, sl_expr_t *l, bool negated, sl_list_t *args, sl_token_t rp) {
  sl_expr_t *e = new_expr(ctx, SL_EX_IN, l->offset, rp.offset + rp.len);
  e->left = l;
  e->negated = negated;
  copy_list(&e->args, args);
  return e;
}

sl_when_t *sl_ast_when(sl_pctx_t *ctx, sl_expr_t *when, sl_expr_t *then) {
  sl_when_t *w = sl_arena_alloc(ctx->a, sizeof *w);
  w->when = when;
  w->then = then;
  return w;
}

sl_expr_t *sl_ast_case(sl_pctx_t *ctx, sl_token_t kw, sl_expr_t *operand, sl_list_t *whens,
                       sl_expr_t *els, sl_token_t end) {
  sl_expr_t *e = new_expr(ctx, SL_EX_CASE, kw.offset, end.offset + end.len);
  e->left = operand;
  e->third = els;
  copy_list(&e->whens, whens);
  return e;
}

sl_expr_t *sl_ast_cast(sl_pctx_t *ctx, sl_token_t kw, sl_expr_t *x, sl_type_ast_t *type,
                       sl_token_t rp) {
  sl_expr_t *e = new_expr(ctx, SL_EX_CAST, kw.offset, rp.offset + rp.len);
  e->left = x;
  e->type = type;
  return e;
}

sl_expr_t *sl_ast_call(sl_pctx_t *ctx, sl_ident_t *name, sl_list_t *args, bool star, bool distinct,
                       sl_token_t rp) {
  sl_expr_t *e = new_expr(ctx, SL_EX_CALL, name->offset, rp.offset + rp.len);
  e->name = name;
  e->star = star;
  e->distinct = distinct;
  copy_list(&e->args, args);
  return e;
}

static sl_ident_t *lambda_param(sl_pctx_t *ctx, sl_expr_t *p) {
  if (p->kind != SL_EX_COLUMN || p->qualifier) {
    sl_sql_error(ctx, p->offset, "Syntax Error\nExpecting IDENTIFIER as a lambda parameter");
    return NULL;
  }
  return p->name;
}

sl_expr_t *sl_ast_lambda(sl_pctx_t *ctx, sl_expr_t *first, sl_list_t *rest, sl_expr_t *body,
                         int offset) {
  sl_expr_t *e = new_expr(ctx, SL_EX_LAMBDA, offset, body->end_offset);
  e->left = body;
  sl_ident_t *id = lambda_param(ctx, first);
  if (id) sl_list_push(ctx->a, &e->names, id);
  for (int i = 0; rest && i < rest->len; i++) {
    id = lambda_param(ctx, rest->items[i]);
    if (id) sl_list_push(ctx->a, &e->names, id);
  }
  return e;
}

sl_expr_t *sl_ast_array(sl_pctx_t *ctx, sl_token_t kw, sl_list_t *args, sl_token_t rb) {
  sl_expr_t *e = new_expr(ctx, SL_EX_ARRAY, kw.offset, rb.offset + rb.len);
  copy_list(&e->args, args);
  return e;
}

sl_expr_t *sl_ast_map(sl_pctx_t *ctx, sl_token_t kw, sl_list_t *args, sl_token_t rp) {
  sl_expr_t *e = new_expr(ctx, SL_EX_MAP, kw.offset, rp.offset + rp.len);
  copy_list(&e->args, args);
  return e;
}

sl_expr_t *sl_ast_struct(sl_pctx_t *ctx, sl_token_t kw, sl_list_t *pairs, sl_token_t rp) {
  sl_expr_t *e = new_expr(ctx, SL_EX_STRUCT, kw.offset, rp.offset + rp.len);
  for (int i = 0; pairs && i + 1 < pairs->len; i += 2) {
    sl_list_push(ctx->a, &e->names, pairs->items[i]);
    sl_list_push(ctx->a, &e->args, pairs->items[i + 1]);
  }
  return e;
}

static sl_time_unit_t unit_of(int tk) {
  switch (tk) {
    case TK_MILLISECOND:
    case TK_MILLISECONDS: return SL_TU_MILLISECONDS;
    case TK_SECOND:
    case TK_SECONDS: return SL_TU_SECONDS;
    case TK_MINUTE:
    case TK_MINUTES: return SL_TU_MINUTES;
    case TK_HOUR:
    case TK_HOURS: return SL_TU_HOURS;
    default: return SL_TU_DAYS;
  }
}

sl_expr_t *sl_ast_time_unit(sl_pctx_t *ctx, sl_token_t unit) {
  sl_expr_t *e = new_expr(ctx, SL_EX_TIME_UNIT, unit.offset, unit.offset + unit.len);
  e->unit = unit_of(unit.type);
  e->text = sl_upper_inplace(sl_arena_strndup(ctx->a, unit.z, (size_t)unit.len));
  return e;
}

/* ---------------- types ---------------- */

static sl_type_ast_t *new_type(sl_pctx_t *ctx, sl_type_ast_kind_t kind, int offset) {
  sl_type_ast_t *t = sl_arena_alloc(ctx->a, sizeof *t);
  t->kind = kind;
  t->offset = offset;
  return t;
}

sl_type_ast_t *sl_ast_type_named(sl_pctx_t *ctx, sl_ident_t *name, sl_list_t *params) {
  static const struct {
    const char *name;
    sl_type_ast_kind_t kind;
  } base[] = {
      {"BOOLEAN", SL_TA_BOOLEAN},     {"INT", SL_TA_INT},
      {"INTEGER", SL_TA_INT},         {"BIGINT", SL_TA_BIGINT},
      {"DOUBLE", SL_TA_DOUBLE},       {"STRING", SL_TA_STRING},
      {"VARCHAR", SL_TA_STRING},      {"BYTES", SL_TA_BYTES},
      {"DATE", SL_TA_DATE},           {"TIME", SL_TA_TIME},
      {"TIMESTAMP", SL_TA_TIMESTAMP},
  };
  /* Parameters (VARCHAR(10), STRING(STRING)) are accepted and ignored, as
   * ksqlDB does for the string types. */
  SL_UNUSED(params);
  if (!name->quoted) {
    for (size_t i = 0; i < SL_ARRAY_LEN(base); i++)
      if (strcmp(name->name, base[i].name) == 0) return new_type(ctx, base[i].kind, name->offset);
  }
  sl_type_ast_t *t = new_type(ctx, SL_TA_NAMED, name->offset);
  t->name = name->name;
  return t;
}

static int int_param(sl_pctx_t *ctx, const sl_expr_t *e) {
  if (e->kind != SL_EX_INT) {
    sl_sql_error(ctx, e->offset, "Syntax Error\nExpecting INTEGER_VALUE");
    return 0;
  }
  return atoi(e->text);
}

sl_type_ast_t *sl_ast_type_decimal(sl_pctx_t *ctx, sl_token_t kw, sl_expr_t *p, sl_expr_t *s) {
  sl_type_ast_t *t = new_type(ctx, SL_TA_DECIMAL, kw.offset);
  t->precision = int_param(ctx, p);
  t->scale = int_param(ctx, s);
  return t;
}

sl_type_ast_t *sl_ast_type_array(sl_pctx_t *ctx, int offset, sl_type_ast_t *elem) {
  sl_type_ast_t *t = new_type(ctx, SL_TA_ARRAY, offset);
  t->elem = elem;
  return t;
}

sl_type_ast_t *sl_ast_type_map(sl_pctx_t *ctx, sl_token_t kw, sl_type_ast_t *k, sl_type_ast_t *v) {
  sl_type_ast_t *t = new_type(ctx, SL_TA_MAP, kw.offset);
  t->key = k;
  t->elem = v;
  return t;
}

sl_type_ast_t *sl_ast_type_struct(sl_pctx_t *ctx, sl_token_t kw, sl_list_t *fields) {
  sl_type_ast_t *t = new_type(ctx, SL_TA_STRUCT, kw.offset);
  copy_list(&t->fields, fields);
  return t;
}

sl_struct_field_ast_t *sl_ast_struct_field(sl_pctx_t *ctx, sl_ident_t *name, sl_type_ast_t *t) {
  sl_struct_field_ast_t *f = sl_arena_alloc(ctx->a, sizeof *f);
  f->name = *name;
  f->type = t;
  return f;
}

/* ---------------- durations and windows ---------------- */

sl_duration_t *sl_ast_duration(sl_pctx_t *ctx, sl_expr_t *amount, sl_token_t unit) {
  sl_duration_t *d = sl_arena_alloc(ctx->a, sizeof *d);
  d->offset = amount->offset;
  d->unit = unit_of(unit.type);
  if (amount->kind != SL_EX_INT)
    sl_sql_error(ctx, amount->offset, "Syntax Error\nExpecting INTEGER_VALUE");
  else
    d->amount = strtoll(amount->text, NULL, 10);
  return d;
}

static sl_window_ast_t *new_window(sl_pctx_t *ctx) {
  return sl_arena_alloc(ctx->a, sizeof(sl_window_ast_t));
}

sl_window_ast_t *sl_ast_window(sl_pctx_t *ctx, sl_window_kind_t kind, sl_token_t kw,
                               sl_duration_t *size, sl_duration_t *advance, sl_window_ast_t *opts) {
  sl_window_ast_t *w = opts ? opts : new_window(ctx);
  w->kind = kind;
  w->offset = kw.offset;
  w->size = *size;
  if (advance) w->advance = *advance;
  return w;
}

sl_window_ast_t *sl_ast_window_opt(sl_pctx_t *ctx, sl_window_ast_t *opts, int which, sl_token_t kw,
                                   sl_duration_t *d) {
  if (!opts) opts = new_window(ctx);
  /* ksqlDB allows RETENTION then GRACE PERIOD, each at most once. */
  if (which == 'R') {
    if (opts->has_retention || opts->has_grace)
      sl_sql_error(ctx, kw.offset, "Syntax Error\nExpecting ')'");
    opts->has_retention = true;
    opts->retention = *d;
  } else {
    if (opts->has_grace) sl_sql_error(ctx, kw.offset, "Syntax Error\nExpecting ')'");
    opts->has_grace = true;
    opts->grace = *d;
  }
  return opts;
}

/* ---------------- FROM and SELECT ---------------- */

sl_relation_t *sl_ast_relation(sl_pctx_t *ctx, sl_ident_t *name, sl_ident_t *alias) {
  sl_relation_t *r = sl_arena_alloc(ctx->a, sizeof *r);
  r->name = *name;
  r->alias = alias;
  r->offset = name->offset;
  return r;
}

sl_join_t *sl_ast_join_kind(sl_pctx_t *ctx, sl_join_kind_t kind, sl_token_t first) {
  sl_join_t *j = sl_arena_alloc(ctx->a, sizeof *j);
  j->kind = kind;
  j->offset = first.offset;
  return j;
}

sl_join_t *sl_ast_within(sl_pctx_t *ctx, sl_duration_t *before, sl_duration_t *after,
                         sl_duration_t *grace) {
  sl_join_t *j = sl_arena_alloc(ctx->a, sizeof *j);
  j->has_within = true;
  j->within_before = *before;
  j->within_after = *after;
  if (grace) {
    j->has_grace = true;
    j->grace = *grace;
  }
  return j;
}

sl_join_t *sl_ast_join(sl_pctx_t *ctx, sl_join_t *kind, sl_token_t join_kw, sl_relation_t *r,
                       sl_join_t *within, sl_expr_t *on) {
  sl_join_t *j = kind ? kind : sl_ast_join_kind(ctx, SL_JOIN_INNER, join_kw);
  j->right = r;
  j->on = on;
  if (within) {
    j->has_within = true;
    j->within_before = within->within_before;
    j->within_after = within->within_after;
    j->has_grace = within->has_grace;
    j->grace = within->grace;
  }
  return j;
}

sl_select_t *sl_ast_from(sl_pctx_t *ctx, sl_select_t *sel, sl_relation_t *first, sl_join_t *j) {
  if (!sel) {
    sel = sl_arena_alloc(ctx->a, sizeof *sel);
    sel->from = first;
  }
  if (j) sl_list_push(ctx->a, &sel->joins, j);
  return sel;
}

sl_select_item_t *sl_ast_select_item(sl_pctx_t *ctx, sl_expr_t *e, sl_ident_t *alias) {
  sl_select_item_t *it = sl_arena_alloc(ctx->a, sizeof *it);
  it->expr = e;
  it->alias = alias;
  it->offset = e->offset;
  return it;
}

sl_select_t *sl_ast_select(sl_pctx_t *ctx, sl_token_t kw, sl_list_t *items, sl_select_t *from,
                           sl_window_ast_t *window, sl_expr_t *where, sl_list_t *group_by,
                           sl_list_t *partition_by, sl_expr_t *having, int emit, sl_expr_t *limit) {
  sl_select_t *s = from;
  s->offset = kw.offset;
  copy_list(&s->items, items);
  s->window = window;
  s->where = where;
  copy_list(&s->group_by, group_by);
  copy_list(&s->partition_by, partition_by);
  s->partition_by_empty = partition_by && partition_by->len == 0 ? ctx->empty_partition_by : 0;
  s->having = having;
  s->emit = (sl_emit_t)emit;
  if (limit) {
    s->has_limit = true;
    if (limit->kind != SL_EX_INT)
      sl_sql_error(ctx, limit->offset, "Syntax Error\nExpecting INTEGER_VALUE");
    else
      s->limit = strtoll(limit->text, NULL, 10);
  }
  return s;
}

/* ---------------- statements ---------------- */

sl_property_t *sl_ast_property(sl_pctx_t *ctx, sl_ident_t *name, sl_expr_t *value) {
  sl_property_t *p = sl_arena_alloc(ctx->a, sizeof *p);
  p->name = *name;
  /* Property names are case-insensitive in ksqlDB: keep them upper-cased. */
  p->name.name = sl_upper_inplace(sl_arena_strdup(ctx->a, name->name));
  p->value = value;
  p->offset = name->offset;
  return p;
}

sl_column_def_t *sl_ast_column_def(sl_pctx_t *ctx, sl_ident_t *name, sl_type_ast_t *type,
                                   sl_col_constraint_t constraint, const sl_token_t *header_key) {
  sl_column_def_t *c = sl_arena_alloc(ctx->a, sizeof *c);
  c->name = *name;
  c->type = type;
  c->constraint = constraint;
  if (header_key) c->header_key = unquote(ctx, header_key->z, header_key->len, NULL);
  c->offset = name->offset;
  return c;
}

sl_stmt_t *sl_ast_stmt(sl_pctx_t *ctx, sl_stmt_kind_t kind, int offset) {
  sl_stmt_t *st = sl_arena_alloc(ctx->a, sizeof *st);
  st->kind = kind;
  st->offset = offset;
  st->limit = -1;
  st->interval = -1;
  return st;
}

sl_stmt_t *sl_ast_create_head(sl_pctx_t *ctx, sl_token_t first, bool or_replace, bool source,
                              sl_obj_kind_t obj, bool if_not_exists, sl_ident_t *name) {
  sl_stmt_t *st = sl_ast_stmt(ctx, SL_ST_CREATE_SOURCE, first.offset);
  st->or_replace = or_replace;
  st->is_source = source;
  st->obj = obj;
  st->if_not_exists = if_not_exists;
  st->name = *name;
  return st;
}

sl_stmt_t *sl_ast_create_body(sl_pctx_t *ctx, sl_stmt_t *st, sl_list_t *cols, sl_list_t *props,
                              sl_select_t *as_select) {
  copy_list(&st->columns, cols);
  copy_list(&st->props, props);
  /* ksqlDB rejects these while parsing (ParseFailedException), so do we. */
  for (int i = 0; i < st->columns.len; i++) {
    const sl_column_def_t *c = st->columns.items[i];
    if (st->obj == SL_OBJ_TABLE && c->constraint == SL_COL_KEY)
      sl_sql_error(ctx, c->offset,
                   "Column `%s` is a 'KEY' column: please use 'PRIMARY KEY' for tables.",
                   c->name.name);
    else if (st->obj == SL_OBJ_STREAM && c->constraint == SL_COL_PRIMARY_KEY)
      sl_sql_error(ctx, c->offset,
                   "Column `%s` is a 'PRIMARY KEY' column: please use 'KEY' for streams.",
                   c->name.name);
  }
  if (as_select) {
    st->kind = SL_ST_CREATE_AS_SELECT;
    st->select = as_select;
  }
  return st;
}

sl_stmt_t *sl_ast_create_type(sl_pctx_t *ctx, sl_token_t kw, bool if_not_exists, sl_ident_t *name,
                              sl_type_ast_t *type) {
  sl_stmt_t *st = sl_ast_stmt(ctx, SL_ST_CREATE_TYPE, kw.offset);
  st->obj = SL_OBJ_TYPE;
  st->if_not_exists = if_not_exists;
  st->name = *name;
  st->type = type;
  return st;
}

sl_stmt_t *sl_ast_drop(sl_pctx_t *ctx, sl_token_t kw, sl_obj_kind_t obj, bool if_exists,
                       sl_ident_t *name, bool delete_topic) {
  sl_stmt_t *st = sl_ast_stmt(ctx, SL_ST_DROP, kw.offset);
  st->obj = obj;
  st->if_exists = if_exists;
  st->name = *name;
  st->delete_topic = delete_topic;
  return st;
}

sl_stmt_t *sl_ast_all(sl_pctx_t *ctx, sl_stmt_t *st) {
  SL_UNUSED(ctx);
  st->all = true;
  return st;
}

sl_stmt_t *sl_ast_show(sl_pctx_t *ctx, sl_token_t kw, sl_show_what_t what, bool extended) {
  sl_stmt_t *st = sl_ast_stmt(ctx, SL_ST_SHOW, kw.offset);
  st->show = what;
  st->extended = extended;
  return st;
}

sl_stmt_t *sl_ast_describe(sl_pctx_t *ctx, sl_token_t kw, sl_ident_t *name, bool extended,
                           int obj) {
  sl_stmt_t *st = sl_ast_stmt(ctx, SL_ST_DESCRIBE, kw.offset);
  st->extended = extended;
  if (name) {
    st->name = *name;
  } else {
    st->describe_all = true;
    st->obj = (sl_obj_kind_t)obj;
  }
  return st;
}

sl_stmt_t *sl_ast_alter(sl_pctx_t *ctx, sl_token_t kw, sl_obj_kind_t obj, sl_ident_t *name,
                        sl_list_t *cols) {
  sl_stmt_t *st = sl_ast_stmt(ctx, SL_ST_ALTER_SOURCE, kw.offset);
  st->obj = obj;
  st->name = *name;
  copy_list(&st->columns, cols);
  return st;
}

sl_stmt_t *sl_ast_set_name(sl_pctx_t *ctx, sl_stmt_t *st, sl_ident_t *name) {
  SL_UNUSED(ctx);
  st->name = *name;
  return st;
}

static const char *string_of(sl_pctx_t *ctx, const sl_token_t *t) {
  if (t->type == TK_SCONST) return unquote(ctx, t->z, t->len, NULL);
  return sl_arena_strndup(ctx->a, t->z, (size_t)t->len);
}

sl_stmt_t *sl_ast_set_strings(sl_pctx_t *ctx, sl_stmt_t *st, const sl_token_t *name,
                              const sl_token_t *value) {
  if (name) st->str_name = string_of(ctx, name);
  if (value) st->str_value = string_of(ctx, value);
  return st;
}

sl_stmt_t *sl_ast_set_lists(sl_pctx_t *ctx, sl_stmt_t *st, sl_list_t *columns, sl_list_t *props,
                            sl_list_t *values, sl_select_t *sel) {
  SL_UNUSED(ctx);
  copy_list(&st->columns, columns);
  copy_list(&st->props, props);
  copy_list(&st->values, values);
  if (sel) st->select = sel;
  return st;
}

static int64_t int_value(sl_pctx_t *ctx, const sl_expr_t *e) {
  if (e->kind != SL_EX_INT) {
    sl_sql_error(ctx, e->offset, "Syntax Error\nExpecting INTEGER_VALUE");
    return -1;
  }
  return strtoll(e->text, NULL, 10);
}

sl_stmt_t *sl_ast_print(sl_pctx_t *ctx, sl_stmt_t *st, bool from_beginning, sl_expr_t *interval,
                        sl_expr_t *limit) {
  st->from_beginning = from_beginning;
  if (interval) st->interval = int_value(ctx, interval);
  if (limit) st->limit = int_value(ctx, limit);
  return st;
}

sl_stmt_t *sl_ast_assert(sl_pctx_t *ctx, sl_stmt_t *st, bool not_exists, sl_assert_what_t what,
                         sl_ident_t *subject, sl_expr_t *id, sl_duration_t *timeout) {
  SL_UNUSED(ctx);
  st->not_exists = not_exists;
  st->assert_what = what;
  if (subject) {
    st->name = *subject;
    st->str_value = subject->name;
  }
  st->schema_id = id;
  if (timeout) {
    st->has_timeout = true;
    st->timeout = *timeout;
  }
  return st;
}

sl_stmt_t *sl_ast_explain(sl_pctx_t *ctx, sl_token_t kw, sl_stmt_t *inner, sl_ident_t *query_id) {
  sl_stmt_t *st = sl_ast_stmt(ctx, SL_ST_EXPLAIN, kw.offset);
  st->inner = inner;
  if (query_id) st->name = *query_id;
  return st;
}

void sl_ast_stmt_done(sl_pctx_t *ctx, sl_stmt_t *st, sl_token_t semi) {
  /* An implicit ';' at the end of the text has length 0: the statement then
   * ends with its last token. */
  st->end_offset = semi.len ? semi.offset + semi.len : ctx->end_offset;
  st->text =
      sl_arena_strndup(ctx->a, ctx->text + st->offset, (size_t)(st->end_offset - st->offset));
  for (sl_stmt_t *in = st->inner; in; in = in->inner) {
    in->end_offset = st->end_offset;
    in->text =
        sl_arena_strndup(ctx->a, ctx->text + in->offset, (size_t)(in->end_offset - in->offset));
  }
  if (ctx->out && !ctx->failed) sl_list_push(ctx->a, ctx->out, st);
}
