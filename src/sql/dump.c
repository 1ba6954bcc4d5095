/*
 * dump.c - a deterministic, indented text dump of syntax trees for the golden
 * tests (tests/golden/NAME.out) and for debugging. One node per line, children
 * indented by two spaces, byte offsets shown as @offset (expressions as
 * @offset-end), identifiers written back-quoted when they were quoted. The
 * format is only for people and diffs; nothing parses it back.
 */
#include <string.h>

#include "sql_int.h"

static void indent(sl_buf_t *out, int depth) {
  for (int i = 0; i < depth; i++) sl_buf_puts(out, "  ");
}

static void put_ident(sl_buf_t *out, const sl_ident_t *id) {
  if (!id) {
    sl_buf_puts(out, "(none)");
  } else if (id->quoted) {
    sl_buf_printf(out, "`%s`", id->name);
  } else {
    sl_buf_puts(out, id->name ? id->name : "(null)");
  }
}

static const char *expr_kind_name(sl_expr_kind_t k) {
  static const char *names[] = {"NULL",     "BOOL",     "INT",      "DECIMAL",   "DOUBLE", "STRING",
                                "COLUMN",   "STAR",     "DEREF",    "SUBSCRIPT", "UNARY",  "BINARY",
                                "IS_NULL",  "DISTINCT", "BETWEEN",  "LIKE",      "IN",     "CASE",
                                "CAST",     "CALL",     "LAMBDA",   "ARRAY",     "MAP",    "STRUCT",
                                "INTERVAL", "VARIABLE", "TIME_UNIT"};
  return (int)k >= 0 && (size_t)k < SL_ARRAY_LEN(names) ? names[k] : "?";
}

static const char *op_name(sl_op_t op) {
  static const char *names[] = {"NONE", "ADD", "SUB", "MUL", "DIV", "MOD", "CONCAT", "EQ",  "NE",
                                "LT",   "LE",  "GT",  "GE",  "AND", "OR",  "NOT",    "NEG", "PLUS"};
  return (int)op >= 0 && (size_t)op < SL_ARRAY_LEN(names) ? names[op] : "?";
}

static const char *unit_name(int u) {
  static const char *names[] = {"MILLISECONDS", "SECONDS", "MINUTES", "HOURS", "DAYS"};
  return u >= 0 && u < 5 ? names[u] : "?";
}

static void dump_type(sl_buf_t *out, const sl_type_ast_t *t) {
  sl_type_ast_to_sql(t, out);
  if (t) sl_buf_printf(out, " (type@%d)", t->offset);
}

static void dump_expr(sl_buf_t *out, const sl_expr_t *e, int depth, const char *label);

static void dump_list(sl_buf_t *out, const sl_list_t *l, int depth, const char *label) {
  for (int i = 0; i < l->len; i++) dump_expr(out, l->items[i], depth, label);
}

static void dump_expr(sl_buf_t *out, const sl_expr_t *e, int depth, const char *label) {
  indent(out, depth);
  if (label) sl_buf_printf(out, "%s: ", label);
  if (!e) {
    sl_buf_puts(out, "(none)\n");
    return;
  }
  sl_buf_puts(out, expr_kind_name(e->kind));
  switch (e->kind) {
    case SL_EX_BOOL: sl_buf_puts(out, e->ival ? " TRUE" : " FALSE"); break;
    case SL_EX_INT:
    case SL_EX_DECIMAL:
    case SL_EX_DOUBLE:
    case SL_EX_VARIABLE: sl_buf_printf(out, " %s", e->text); break;
    case SL_EX_STRING: sl_buf_printf(out, " '%s' len=%zu", e->text, e->len); break;
    case SL_EX_COLUMN:
    case SL_EX_STAR:
      if (e->qualifier) {
        sl_buf_putc(out, ' ');
        put_ident(out, e->qualifier);
        sl_buf_putc(out, '.');
      } else {
        sl_buf_putc(out, ' ');
      }
      if (e->kind == SL_EX_COLUMN)
        put_ident(out, e->name);
      else
        sl_buf_putc(out, '*');
      break;
    case SL_EX_DEREF:
    case SL_EX_CALL:
      sl_buf_putc(out, ' ');
      put_ident(out, e->name);
      break;
    case SL_EX_UNARY:
    case SL_EX_BINARY: sl_buf_printf(out, " %s", op_name(e->op)); break;
    case SL_EX_TIME_UNIT: sl_buf_printf(out, " %s", unit_name(e->unit)); break;
    case SL_EX_INTERVAL:
      sl_buf_printf(out, " %lld %s", (long long)e->ival, unit_name(e->unit));
      break;
    default: break;
  }
  if (e->negated) sl_buf_puts(out, " NOT");
  if (e->star) sl_buf_puts(out, " (*)");
  if (e->distinct) sl_buf_puts(out, " DISTINCT");
  if (e->kind == SL_EX_LAMBDA) {
    sl_buf_puts(out, " params=");
    for (int i = 0; i < e->names.len; i++) {
      if (i) sl_buf_putc(out, ',');
      put_ident(out, e->names.items[i]);
    }
  }
  if (e->kind == SL_EX_CAST) {
    sl_buf_puts(out, " type=");
    dump_type(out, e->type);
  }
  sl_buf_printf(out, " @%d-%d\n", e->offset, e->end_offset);
  if (e->left) dump_expr(out, e->left, depth + 1, NULL);
  if (e->right) dump_expr(out, e->right, depth + 1, NULL);
  if (e->third) dump_expr(out, e->third, depth + 1, e->kind == SL_EX_CASE ? "else" : NULL);
  if (e->kind == SL_EX_STRUCT) {
    for (int i = 0; i < e->args.len && i < e->names.len; i++) {
      indent(out, depth + 1);
      sl_buf_puts(out, "field ");
      put_ident(out, e->names.items[i]);
      sl_buf_putc(out, '\n');
      dump_expr(out, e->args.items[i], depth + 2, NULL);
    }
  } else {
    dump_list(out, &e->args, depth + 1, NULL);
  }
  for (int i = 0; i < e->whens.len; i++) {
    const sl_when_t *w = e->whens.items[i];
    dump_expr(out, w->when, depth + 1, "when");
    dump_expr(out, w->then, depth + 1, "then");
  }
}

void sl_ast_dump_expr(const sl_expr_t *e, sl_buf_t *out) {
  dump_expr(out, e, 0, NULL);
}

static void dump_duration(sl_buf_t *out, const char *label, const sl_duration_t *d) {
  sl_buf_printf(out, " %s=%lld %s", label, (long long)d->amount, unit_name(d->unit));
}

static void dump_props(sl_buf_t *out, const sl_list_t *props, int depth) {
  for (int i = 0; i < props->len; i++) {
    const sl_property_t *p = props->items[i];
    indent(out, depth);
    sl_buf_puts(out, "property ");
    put_ident(out, &p->name);
    sl_buf_printf(out, " @%d\n", p->offset);
    dump_expr(out, p->value, depth + 1, NULL);
  }
}

static void dump_columns(sl_buf_t *out, const sl_list_t *cols, int depth) {
  static const char *cons[] = {"", " KEY", " PRIMARY KEY", " HEADERS", " HEADER"};
  for (int i = 0; i < cols->len; i++) {
    const sl_column_def_t *c = cols->items[i];
    indent(out, depth);
    sl_buf_puts(out, "column ");
    put_ident(out, &c->name);
    sl_buf_putc(out, ' ');
    dump_type(out, c->type);
    sl_buf_puts(out, cons[c->constraint]);
    if (c->header_key) sl_buf_printf(out, "('%s')", c->header_key);
    sl_buf_printf(out, " @%d\n", c->offset);
  }
}

static void dump_relation(sl_buf_t *out, const sl_relation_t *r) {
  put_ident(out, &r->name);
  if (r->alias) {
    sl_buf_puts(out, " AS ");
    put_ident(out, r->alias);
  }
  sl_buf_printf(out, " @%d", r->offset);
}

static void dump_select(sl_buf_t *out, const sl_select_t *s, int depth) {
  static const char *joins[] = {"INNER", "LEFT", "RIGHT", "FULL"};
  static const char *wins[] = {"NONE", "TUMBLING", "HOPPING", "SESSION"};
  static const char *emits[] = {"", "CHANGES", "FINAL"};
  indent(out, depth);
  sl_buf_printf(out, "select @%d\n", s->offset);
  for (int i = 0; i < s->items.len; i++) {
    const sl_select_item_t *it = s->items.items[i];
    indent(out, depth + 1);
    sl_buf_puts(out, "item");
    if (it->alias) {
      sl_buf_puts(out, " AS ");
      put_ident(out, it->alias);
    }
    sl_buf_printf(out, " @%d\n", it->offset);
    dump_expr(out, it->expr, depth + 2, NULL);
  }
  indent(out, depth + 1);
  sl_buf_puts(out, "from ");
  dump_relation(out, s->from);
  sl_buf_putc(out, '\n');
  for (int i = 0; i < s->joins.len; i++) {
    const sl_join_t *j = s->joins.items[i];
    indent(out, depth + 1);
    sl_buf_printf(out, "join %s ", joins[j->kind]);
    dump_relation(out, j->right);
    if (j->has_within) {
      dump_duration(out, "within_before", &j->within_before);
      dump_duration(out, "within_after", &j->within_after);
    }
    if (j->has_grace) dump_duration(out, "grace", &j->grace);
    sl_buf_printf(out, " @%d\n", j->offset);
    dump_expr(out, j->on, depth + 2, "on");
  }
  if (s->window) {
    const sl_window_ast_t *w = s->window;
    indent(out, depth + 1);
    sl_buf_printf(out, "window %s", wins[w->kind]);
    dump_duration(out, "size", &w->size);
    if (w->kind == SL_WIN_HOPPING) dump_duration(out, "advance", &w->advance);
    if (w->has_retention) dump_duration(out, "retention", &w->retention);
    if (w->has_grace) dump_duration(out, "grace", &w->grace);
    sl_buf_printf(out, " @%d\n", w->offset);
  }
  if (s->where) dump_expr(out, s->where, depth + 1, "where");
  dump_list(out, &s->group_by, depth + 1, "group_by");
  dump_list(out, &s->partition_by, depth + 1, "partition_by");
  if (s->having) dump_expr(out, s->having, depth + 1, "having");
  if (s->emit) {
    indent(out, depth + 1);
    sl_buf_printf(out, "emit %s\n", emits[s->emit]);
  }
  if (s->has_limit) {
    indent(out, depth + 1);
    sl_buf_printf(out, "limit %lld\n", (long long)s->limit);
  }
}

static const char *stmt_kind_name(sl_stmt_kind_t k) {
  static const char *names[] = {"CREATE_SOURCE", "CREATE_AS_SELECT",
                                "INSERT_SELECT", "INSERT_VALUES",
                                "SELECT",        "DROP",
                                "TERMINATE",     "PAUSE",
                                "RESUME",        "SHOW",
                                "DESCRIBE",      "DESCRIBE_FUNCTION",
                                "EXPLAIN",       "PRINT",
                                "SET",           "UNSET",
                                "DEFINE",        "UNDEFINE",
                                "CREATE_TYPE",   "ASSERT",
                                "ALTER_SOURCE",  "RUN_SCRIPT"};
  return (int)k >= 0 && (size_t)k < SL_ARRAY_LEN(names) ? names[k] : "?";
}

static void dump_stmt(sl_buf_t *out, const sl_stmt_t *st, int depth) {
  static const char *objs[] = {"STREAM", "TABLE", "TYPE"};
  static const char *shows[] = {"STREAMS",    "TABLES",    "TOPICS", "ALL TOPICS", "QUERIES",
                                "PROPERTIES", "FUNCTIONS", "TYPES",  "VARIABLES",  "CONNECTORS"};
  static const char *asserts[] = {"TOPIC", "SCHEMA", "STREAM", "TABLE"};
  indent(out, depth);
  sl_buf_printf(out, "%s @%d-%d", stmt_kind_name(st->kind), st->offset, st->end_offset);
  switch (st->kind) {
    case SL_ST_CREATE_SOURCE:
    case SL_ST_CREATE_AS_SELECT:
    case SL_ST_DROP:
    case SL_ST_ALTER_SOURCE:
    case SL_ST_CREATE_TYPE: sl_buf_printf(out, " %s", objs[st->obj]); break;
    case SL_ST_SHOW: sl_buf_printf(out, " %s", shows[st->show]); break;
    case SL_ST_DESCRIBE:
      if (st->describe_all) sl_buf_printf(out, " ALL %sS", objs[st->obj]);
      break;
    case SL_ST_ASSERT: sl_buf_printf(out, " %s", asserts[st->assert_what]); break;
    default: break;
  }
  if (st->name.name) {
    sl_buf_puts(out, " name=");
    put_ident(out, &st->name);
  }
  if (st->or_replace) sl_buf_puts(out, " OR_REPLACE");
  if (st->is_source) sl_buf_puts(out, " SOURCE");
  if (st->if_not_exists) sl_buf_puts(out, " IF_NOT_EXISTS");
  if (st->if_exists) sl_buf_puts(out, " IF_EXISTS");
  if (st->delete_topic) sl_buf_puts(out, " DELETE_TOPIC");
  if (st->all) sl_buf_puts(out, " ALL");
  if (st->extended) sl_buf_puts(out, " EXTENDED");
  if (st->not_exists) sl_buf_puts(out, " NOT_EXISTS");
  if (st->from_beginning) sl_buf_puts(out, " FROM_BEGINNING");
  if (st->limit >= 0) sl_buf_printf(out, " limit=%lld", (long long)st->limit);
  if (st->interval >= 0) sl_buf_printf(out, " interval=%lld", (long long)st->interval);
  if (st->str_name) sl_buf_printf(out, " str_name='%s'", st->str_name);
  if (st->str_value) sl_buf_printf(out, " str_value='%s'", st->str_value);
  if (st->has_timeout) dump_duration(out, "timeout", &st->timeout);
  sl_buf_putc(out, '\n');
  indent(out, depth + 1);
  sl_buf_printf(out, "text: %s\n", st->text ? st->text : "(none)");
  if (st->type) {
    indent(out, depth + 1);
    sl_buf_puts(out, "type: ");
    dump_type(out, st->type);
    sl_buf_putc(out, '\n');
  }
  if (st->kind == SL_ST_INSERT_VALUES) {
    for (int i = 0; i < st->columns.len; i++) {
      indent(out, depth + 1);
      sl_buf_puts(out, "column ");
      put_ident(out, st->columns.items[i]);
      sl_buf_putc(out, '\n');
    }
  } else {
    dump_columns(out, &st->columns, depth + 1);
  }
  dump_props(out, &st->props, depth + 1);
  dump_list(out, &st->values, depth + 1, "value");
  if (st->schema_id) dump_expr(out, st->schema_id, depth + 1, "schema_id");
  if (st->select) dump_select(out, st->select, depth + 1);
  if (st->inner) dump_stmt(out, st->inner, depth + 1);
}

void sl_ast_dump(const sl_stmt_t *st, sl_buf_t *out) {
  dump_stmt(out, st, 0);
}
