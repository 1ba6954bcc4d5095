/*
 * format.c - expressions and types back to SQL text, in the style of ksqlDB's
 * ExpressionFormatter: binary operations and predicates are wrapped in
 * parentheses ("(A + 1)", "(X IS NULL)"), calls print as "SUBSTRING(NAME, 1, 2)",
 * dereferences as "A->B", subscripts as "ARR[1]", strings in single quotes
 * with '' for a quote, NULL and booleans in lower case, "a || b" as
 * "CONCAT(A, B)" (ksqlDB turns || into a CONCAT call). Identifiers are back-
 * quoted only when they would not read back the same unquoted (lower case or
 * odd characters, or a reserved word). This text ends up in generated column
 * names, DESCRIBE / EXPLAIN output and error messages, so it must be stable.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql_int.h"

static bool needs_quotes(const char *name) {
  if (!name[0]) return true;
  if (!(isupper((unsigned char)name[0]) || name[0] == '_')) return true;
  for (const char *s = name + 1; *s; s++)
    if (!(isupper((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_' || *s == '@'))
      return true;
  return sl_is_reserved_word(name);
}

static void put_ident(const sl_ident_t *id, sl_buf_t *out) {
  if (!needs_quotes(id->name)) {
    sl_buf_puts(out, id->name);
    return;
  }
  sl_buf_putc(out, '`');
  for (const char *s = id->name; *s; s++) {
    if (*s == '`') sl_buf_putc(out, '`');
    sl_buf_putc(out, *s);
  }
  sl_buf_putc(out, '`');
}

static void put_string(const char *s, size_t n, sl_buf_t *out) {
  sl_buf_putc(out, '\'');
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\'') sl_buf_putc(out, '\'');
    sl_buf_putc(out, s[i]);
  }
  sl_buf_putc(out, '\'');
}

/* Integer literals as Java prints the parsed value (leading zeros dropped). */
static void put_int(const char *text, sl_buf_t *out) {
  const char *s = text;
  bool neg = *s == '-';
  if (neg) s++;
  while (s[0] == '0' && s[1]) s++;
  if (neg) sl_buf_putc(out, '-');
  sl_buf_puts(out, s);
}

/* Decimal literals as Java's BigDecimal.toString: ".5" -> "0.5", "1." -> "1",
 * trailing zeros kept (they are the scale). */
static void put_decimal(const char *text, sl_buf_t *out) {
  const char *s = text;
  if (*s == '-') sl_buf_putc(out, *s++);
  const char *dot = strchr(s, '.');
  size_t ilen = dot ? (size_t)(dot - s) : strlen(s);
  while (ilen > 1 && *s == '0') s++, ilen--;
  if (ilen == 0)
    sl_buf_putc(out, '0');
  else
    sl_buf_append(out, s, ilen);
  if (dot && dot[1]) {
    sl_buf_putc(out, '.');
    sl_buf_puts(out, dot + 1);
  }
}

/* Double literals as Java's Double.toString: the shortest digits that read
 * back the same; plain notation with at least one fraction digit for
 * 1e-3 <= |x| < 1e7, else d.dddE[-]n. */
static void put_double(const char *text, sl_buf_t *out) {
  double v = strtod(text, NULL);
  if (v == 0) {
    sl_buf_puts(out, signbit(v) ? "-0.0" : "0.0");
    return;
  }
  if (isinf(v)) {
    sl_buf_puts(out, v < 0 ? "-Infinity" : "Infinity");
    return;
  }
  char buf[40];
  int prec;
  for (prec = 0; prec < 17; prec++) {
    snprintf(buf, sizeof buf, "%.*e", prec, v);
    if (strtod(buf, NULL) == v) break;
  }
  snprintf(buf, sizeof buf, "%.*e", prec, v);
  /* buf: [-]d[.ddd]e[+-]xx */
  char digits[24];
  int nd = 0;
  const char *p = buf;
  bool neg = *p == '-';
  if (neg) p++;
  for (; *p && *p != 'e'; p++)
    if (isdigit((unsigned char)*p)) digits[nd++] = *p;
  int exp10 = atoi(p + 1);
  while (nd > 1 && digits[nd - 1] == '0') nd--;
  if (neg) sl_buf_putc(out, '-');
  double av = fabs(v);
  if (av >= 1e-3 && av < 1e7) {
    if (exp10 >= 0) {
      for (int i = 0; i <= exp10; i++) sl_buf_putc(out, i < nd ? digits[i] : '0');
      sl_buf_putc(out, '.');
      if (nd > exp10 + 1)
        sl_buf_append(out, digits + exp10 + 1, (size_t)(nd - exp10 - 1));
      else
        sl_buf_putc(out, '0');
    } else {
      sl_buf_puts(out, "0.");
      for (int i = 0; i < -exp10 - 1; i++) sl_buf_putc(out, '0');
      sl_buf_append(out, digits, (size_t)nd);
    }
  } else {
    sl_buf_putc(out, digits[0]);
    sl_buf_putc(out, '.');
    if (nd > 1)
      sl_buf_append(out, digits + 1, (size_t)(nd - 1));
    else
      sl_buf_putc(out, '0');
    sl_buf_printf(out, "E%d", exp10);
  }
}

static const char *op_text(sl_op_t op) {
  switch (op) {
    case SL_OP_ADD: return "+";
    case SL_OP_SUB: return "-";
    case SL_OP_MUL: return "*";
    case SL_OP_DIV: return "/";
    case SL_OP_MOD: return "%";
    case SL_OP_CONCAT: return "||";
    case SL_OP_EQ: return "=";
    case SL_OP_NE: return "<>";
    case SL_OP_LT: return "<";
    case SL_OP_LE: return "<=";
    case SL_OP_GT: return ">";
    case SL_OP_GE: return ">=";
    case SL_OP_AND: return "AND";
    case SL_OP_OR: return "OR";
    case SL_OP_NOT: return "NOT";
    case SL_OP_NEG: return "-";
    case SL_OP_PLUS: return "+";
    default: return "?";
  }
}

static const char *unit_text(int unit) {
  static const char *names[] = {"MILLISECONDS", "SECONDS", "MINUTES", "HOURS", "DAYS"};
  return unit >= 0 && unit < 5 ? names[unit] : "?";
}

static void put_list(const sl_list_t *l, sl_buf_t *out) {
  for (int i = 0; i < l->len; i++) {
    if (i) sl_buf_puts(out, ", ");
    sl_expr_to_sql(l->items[i], out);
  }
}

void sl_expr_to_sql(const sl_expr_t *e, sl_buf_t *out) {
  if (!e) return;
  switch (e->kind) {
    case SL_EX_NULL: sl_buf_puts(out, "null"); break;
    case SL_EX_BOOL: sl_buf_puts(out, e->ival ? "true" : "false"); break;
    case SL_EX_INT: put_int(e->text, out); break;
    case SL_EX_DECIMAL: put_decimal(e->text, out); break;
    case SL_EX_DOUBLE: put_double(e->text, out); break;
    case SL_EX_STRING: put_string(e->text, e->len, out); break;
    case SL_EX_VARIABLE: sl_buf_printf(out, "${%s}", e->text); break;
    case SL_EX_TIME_UNIT: sl_buf_puts(out, unit_text(e->unit)); break;
    case SL_EX_INTERVAL:
      sl_buf_printf(out, "%lld %s", (long long)e->ival, unit_text(e->unit));
      break;
    case SL_EX_COLUMN:
      if (e->qualifier) {
        put_ident(e->qualifier, out);
        sl_buf_putc(out, '.');
      }
      put_ident(e->name, out);
      break;
    case SL_EX_STAR:
      if (e->left) {
        sl_expr_to_sql(e->left, out);
        sl_buf_puts(out, "->*");
      } else if (e->qualifier) {
        put_ident(e->qualifier, out);
        sl_buf_puts(out, ".*");
      } else {
        sl_buf_putc(out, '*');
      }
      break;
    case SL_EX_DEREF:
      sl_expr_to_sql(e->left, out);
      sl_buf_puts(out, "->");
      put_ident(e->name, out);
      break;
    case SL_EX_SUBSCRIPT:
      sl_expr_to_sql(e->left, out);
      sl_buf_putc(out, '[');
      sl_expr_to_sql(e->right, out);
      sl_buf_putc(out, ']');
      break;
    case SL_EX_UNARY:
      if (e->op == SL_OP_NOT) {
        sl_buf_puts(out, "(NOT ");
        sl_expr_to_sql(e->left, out);
        sl_buf_putc(out, ')');
      } else {
        /* "- -1", never "--1", which would read back as a comment. */
        sl_buf_t inner;
        sl_buf_init(&inner);
        sl_expr_to_sql(e->left, &inner);
        sl_buf_puts(out, op_text(e->op));
        if (inner.data && inner.data[0] == '-') sl_buf_putc(out, ' ');
        if (inner.data) sl_buf_puts(out, inner.data);
        sl_buf_free(&inner);
      }
      break;
    case SL_EX_BINARY:
      if (e->op == SL_OP_CONCAT) {
        sl_buf_puts(out, "CONCAT(");
        sl_expr_to_sql(e->left, out);
        sl_buf_puts(out, ", ");
        sl_expr_to_sql(e->right, out);
        sl_buf_putc(out, ')');
        break;
      }
      sl_buf_putc(out, '(');
      sl_expr_to_sql(e->left, out);
      sl_buf_printf(out, " %s ", op_text(e->op));
      sl_expr_to_sql(e->right, out);
      sl_buf_putc(out, ')');
      break;
    case SL_EX_IS_NULL:
      sl_buf_putc(out, '(');
      sl_expr_to_sql(e->left, out);
      sl_buf_puts(out, e->negated ? " IS NOT NULL)" : " IS NULL)");
      break;
    case SL_EX_DISTINCT:
      sl_buf_putc(out, '(');
      sl_expr_to_sql(e->left, out);
      sl_buf_puts(out, e->negated ? " IS NOT DISTINCT FROM " : " IS DISTINCT FROM ");
      sl_expr_to_sql(e->right, out);
      sl_buf_putc(out, ')');
      break;
    case SL_EX_BETWEEN:
      sl_buf_putc(out, '(');
      sl_expr_to_sql(e->left, out);
      sl_buf_puts(out, e->negated ? " NOT BETWEEN " : " BETWEEN ");
      sl_expr_to_sql(e->right, out);
      sl_buf_puts(out, " AND ");
      sl_expr_to_sql(e->third, out);
      sl_buf_putc(out, ')');
      break;
    case SL_EX_LIKE:
      sl_buf_putc(out, '(');
      sl_expr_to_sql(e->left, out);
      sl_buf_puts(out, e->negated ? " NOT LIKE " : " LIKE ");
      sl_expr_to_sql(e->right, out);
      if (e->third) {
        sl_buf_puts(out, " ESCAPE ");
        sl_expr_to_sql(e->third, out);
      }
      sl_buf_putc(out, ')');
      break;
    case SL_EX_IN:
      sl_buf_putc(out, '(');
      sl_expr_to_sql(e->left, out);
      sl_buf_puts(out, e->negated ? " NOT IN (" : " IN (");
      put_list(&e->args, out);
      sl_buf_puts(out, "))");
      break;
    case SL_EX_CASE:
      sl_buf_puts(out, "(CASE ");
      if (e->left) {
        sl_expr_to_sql(e->left, out);
        sl_buf_putc(out, ' ');
      }
      for (int i = 0; i < e->whens.len; i++) {
        const sl_when_t *w = e->whens.items[i];
        if (i) sl_buf_putc(out, ' ');
        sl_buf_puts(out, "WHEN ");
        sl_expr_to_sql(w->when, out);
        sl_buf_puts(out, " THEN ");
        sl_expr_to_sql(w->then, out);
      }
      if (e->third) {
        sl_buf_puts(out, " ELSE ");
        sl_expr_to_sql(e->third, out);
      }
      sl_buf_puts(out, " END)");
      break;
    case SL_EX_CAST:
      sl_buf_puts(out, "CAST(");
      sl_expr_to_sql(e->left, out);
      sl_buf_puts(out, " AS ");
      sl_type_ast_to_sql(e->type, out);
      sl_buf_putc(out, ')');
      break;
    case SL_EX_CALL:
      put_ident(e->name, out);
      sl_buf_putc(out, '(');
      if (e->star) sl_buf_putc(out, '*');
      if (e->distinct) sl_buf_puts(out, "DISTINCT ");
      put_list(&e->args, out);
      sl_buf_putc(out, ')');
      break;
    case SL_EX_LAMBDA:
      sl_buf_putc(out, '(');
      for (int i = 0; i < e->names.len; i++) {
        if (i) sl_buf_puts(out, ", ");
        put_ident(e->names.items[i], out);
      }
      sl_buf_puts(out, ") => ");
      sl_expr_to_sql(e->left, out);
      break;
    case SL_EX_ARRAY:
      sl_buf_puts(out, "ARRAY[");
      put_list(&e->args, out);
      sl_buf_putc(out, ']');
      break;
    case SL_EX_MAP:
      sl_buf_puts(out, "MAP(");
      for (int i = 0; i + 1 < e->args.len; i += 2) {
        if (i) sl_buf_puts(out, ", ");
        sl_expr_to_sql(e->args.items[i], out);
        sl_buf_puts(out, ":=");
        sl_expr_to_sql(e->args.items[i + 1], out);
      }
      sl_buf_putc(out, ')');
      break;
    case SL_EX_STRUCT:
      sl_buf_puts(out, "STRUCT(");
      for (int i = 0; i < e->args.len && i < e->names.len; i++) {
        if (i) sl_buf_puts(out, ", ");
        put_ident(e->names.items[i], out);
        sl_buf_puts(out, ":=");
        sl_expr_to_sql(e->args.items[i], out);
      }
      sl_buf_putc(out, ')');
      break;
  }
}

void sl_type_ast_to_sql(const sl_type_ast_t *t, sl_buf_t *out) {
  if (!t) return;
  switch (t->kind) {
    case SL_TA_BOOLEAN: sl_buf_puts(out, "BOOLEAN"); break;
    case SL_TA_INT: sl_buf_puts(out, "INTEGER"); break;
    case SL_TA_BIGINT: sl_buf_puts(out, "BIGINT"); break;
    case SL_TA_DOUBLE: sl_buf_puts(out, "DOUBLE"); break;
    case SL_TA_DECIMAL: sl_buf_printf(out, "DECIMAL(%d, %d)", t->precision, t->scale); break;
    case SL_TA_STRING: sl_buf_puts(out, "STRING"); break;
    case SL_TA_BYTES: sl_buf_puts(out, "BYTES"); break;
    case SL_TA_DATE: sl_buf_puts(out, "DATE"); break;
    case SL_TA_TIME: sl_buf_puts(out, "TIME"); break;
    case SL_TA_TIMESTAMP: sl_buf_puts(out, "TIMESTAMP"); break;
    case SL_TA_ARRAY:
      sl_buf_puts(out, "ARRAY<");
      sl_type_ast_to_sql(t->elem, out);
      sl_buf_putc(out, '>');
      break;
    case SL_TA_MAP:
      sl_buf_puts(out, "MAP<");
      sl_type_ast_to_sql(t->key, out);
      sl_buf_puts(out, ", ");
      sl_type_ast_to_sql(t->elem, out);
      sl_buf_putc(out, '>');
      break;
    case SL_TA_STRUCT:
      /* ksqlDB always back-quotes struct field names in type text. */
      sl_buf_puts(out, "STRUCT<");
      for (int i = 0; i < t->fields.len; i++) {
        const sl_struct_field_ast_t *f = t->fields.items[i];
        if (i) sl_buf_puts(out, ", ");
        sl_buf_putc(out, '`');
        sl_buf_puts(out, f->name.name);
        sl_buf_puts(out, "` ");
        sl_type_ast_to_sql(f->type, out);
      }
      sl_buf_putc(out, '>');
      break;
    case SL_TA_NAMED: sl_buf_puts(out, t->name ? t->name : "?"); break;
  }
}
