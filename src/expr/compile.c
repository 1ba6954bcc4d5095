/*
 * compile.c - turns an AST expression into a typed sl_cexpr_t tree. Every
 * node gets its SQL type here, implicit numeric widening is made explicit
 * (cast nodes), and every type error is reported once, at the offset of the
 * offending sub-expression, with ksqlDB's wording. The resolver callback is
 * offered each non-literal node first so callers can map columns, aggregate
 * calls or whole GROUP BY expressions to row slots.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "expr_int.h"
#include "sluice/parser.h"

/* A lambda parameter in scope. */
typedef struct {
  const char *name;
  int slot;
  const sl_type_t *type;
} lparam_t;

typedef struct {
  sl_compile_ctx_t *cc;
  sl_error_t *err;
  lparam_t scope[16];
  int nscope;
} cstate_t;

static int compile(cstate_t *cs, const sl_expr_t *e, sl_cexpr_t **out);

static sl_cexpr_t *node(cstate_t *cs, sl_cx_kind_t k, const sl_type_t *t, int offset, int nargs) {
  sl_cexpr_t *c = sl_arena_alloc(cs->cc->arena, sizeof *c);
  c->kind = (uint8_t)k;
  c->type = t;
  c->offset = offset;
  c->nargs = nargs;
  c->constant = true;
  if (nargs > 0) c->args = sl_arena_alloc(cs->cc->arena, sizeof(sl_cexpr_t *) * (size_t)nargs);
  return c;
}

static void set_arg(sl_cexpr_t *c, int i, sl_cexpr_t *a) {
  c->args[i] = a;
  if (!a->constant) c->constant = false;
}

/* Text of an expression for messages, as ksqlDB prints it. */
static const char *sql_text(cstate_t *cs, const sl_expr_t *e) {
  sl_buf_t b;
  sl_buf_init(&b);
  sl_expr_to_sql(e, &b);
  char *s = sl_arena_strdup(cs->cc->arena, b.data ? b.data : "");
  sl_buf_free(&b);
  return s;
}

static const char *type_text(cstate_t *cs, const sl_type_t *t) {
  sl_buf_t b;
  sl_buf_init(&b);
  if (t)
    sl_type_format(t, &b);
  else
    sl_buf_puts(&b, "NULL");
  char *s = sl_arena_strdup(cs->cc->arena, b.data);
  sl_buf_free(&b);
  return s;
}

/* ---------------- types ---------------- */

static const sl_type_t *as_decimal(sl_arena_t *a, const sl_type_t *t) {
  if (t->kind == SL_T_INT) return sl_type_decimal(a, 10, 0);
  if (t->kind == SL_T_BIGINT) return sl_type_decimal(a, 19, 0);
  return t;
}

/* Caps a computed decimal type at 38 digits, giving up scale first. */
static const sl_type_t *dec_type(sl_arena_t *a, int p, int s) {
  if (p > 38) {
    s -= p - 38;
    if (s < 0) s = 0;
    p = 38;
  }
  if (s > p) s = p;
  return sl_type_decimal(a, p, s);
}

const sl_type_t *sl_expr_common_type(sl_arena_t *a, const sl_type_t *x, const sl_type_t *y,
                                     bool *ok) {
  *ok = true;
  if (!x) return y;
  if (!y) return x;
  if (sl_type_equal(x, y)) return x;
  if (sl_type_is_numeric(x) && sl_type_is_numeric(y)) {
    if (x->kind == SL_T_DOUBLE || y->kind == SL_T_DOUBLE) return &sl_type_double;
    if (x->kind == SL_T_DECIMAL || y->kind == SL_T_DECIMAL) {
      const sl_type_t *dx = as_decimal(a, x), *dy = as_decimal(a, y);
      int whole = dx->precision - dx->scale;
      if (dy->precision - dy->scale > whole) whole = dy->precision - dy->scale;
      int s = dx->scale > dy->scale ? dx->scale : dy->scale;
      return dec_type(a, whole + s, s);
    }
    return &sl_type_bigint;
  }
  if (x->kind == SL_T_ARRAY && y->kind == SL_T_ARRAY) {
    const sl_type_t *e = sl_expr_common_type(a, x->elem, y->elem, ok);
    return *ok ? sl_type_array(a, e) : NULL;
  }
  if (x->kind == SL_T_MAP && y->kind == SL_T_MAP) {
    const sl_type_t *k = sl_expr_common_type(a, x->key, y->key, ok);
    const sl_type_t *v = *ok ? sl_expr_common_type(a, x->elem, y->elem, ok) : NULL;
    return *ok ? sl_type_map(a, k, v) : NULL;
  }
  *ok = false;
  return NULL;
}

/* Wraps c so it yields type t (c's type must widen or cast to t). */
static sl_cexpr_t *coerce(cstate_t *cs, sl_cexpr_t *c, const sl_type_t *t) {
  if (!t || sl_type_equal(c->type, t)) return c;
  if (!c->type) {
    /* An untyped NULL literal simply takes the type. */
    c->type = t;
    return c;
  }
  if (c->kind == CX_LIT) {
    /* Fold the conversion of a literal now (widening, or an ISO string
     * compared with a temporal column); a failure is left to run time. */
    sl_error_t e2;
    sl_error_clear(&e2);
    sl_value_t v;
    if (sl_value_cast(cs->cc->arena, &c->lit, t, &v, &e2) == 0) {
      sl_cexpr_t *n = node(cs, CX_LIT, t, c->offset, 0);
      n->lit = v;
      return n;
    }
  }
  sl_cexpr_t *n = node(cs, CX_CAST, t, c->offset, 1);
  set_arg(n, 0, c);
  return n;
}

/* ---------------- literals ---------------- */

static int compile_literal(cstate_t *cs, const sl_expr_t *e, sl_cexpr_t **out) {
  sl_cexpr_t *c = node(cs, CX_LIT, NULL, e->offset, 0);
  switch (e->kind) {
    case SL_EX_NULL: c->lit = sl_null(); break;
    case SL_EX_BOOL:
      c->type = &sl_type_boolean;
      c->lit = sl_val_bool(e->ival != 0);
      break;
    case SL_EX_INT: {
      errno = 0;
      char *end;
      long long v = strtoll(e->text, &end, 10);
      if (errno == 0 && *end == 0) {
        if (v >= INT32_MIN && v <= INT32_MAX) {
          c->type = &sl_type_int;
          c->lit = sl_val_int((int32_t)v);
        } else {
          c->type = &sl_type_bigint;
          c->lit = sl_val_bigint(v);
        }
        break;
      }
      /* Too large for BIGINT: ksqlDB reads it as a DECIMAL. */
      sl_decimal_t d;
      if (sl_decimal_parse(e->text, strlen(e->text), &d) != 0 || sl_decimal_digits(d.unscaled) > 38)
        return sl_error_set(cs->err, SL_ESEMANTIC, e->offset, "Invalid numeric literal: %s",
                            e->text);
      c->type = dec_type(cs->cc->arena, sl_decimal_digits(d.unscaled), 0);
      c->lit = sl_val_decimal(d.unscaled, 0);
      break;
    }
    case SL_EX_DECIMAL: {
      sl_decimal_t d;
      if (sl_decimal_parse(e->text, strlen(e->text), &d) != 0)
        return sl_error_set(cs->err, SL_ESEMANTIC, e->offset, "Invalid decimal literal: %s",
                            e->text);
      int digits = sl_decimal_digits(d.unscaled);
      int p = d.unscaled == 0 ? d.scale + 1 : (digits > d.scale ? digits : d.scale);
      if (p > 38)
        return sl_error_set(cs->err, SL_ESEMANTIC, e->offset,
                            "DECIMAL precision must be in range [1, 38]: %s", e->text);
      c->type = sl_type_decimal(cs->cc->arena, p, d.scale);
      c->lit = sl_val_decimal(d.unscaled, d.scale);
      break;
    }
    case SL_EX_DOUBLE:
      c->type = &sl_type_double;
      c->lit = sl_val_double(strtod(e->text, NULL));
      break;
    case SL_EX_STRING:
      c->type = &sl_type_string;
      c->lit = sl_val_string(e->text ? e->text : "", (uint32_t)e->len);
      break;
    default: break;
  }
  *out = c;
  return 0;
}

/* ---------------- operators ---------------- */

static const char *op_symbol(sl_op_t op) {
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
    default: return "?";
  }
}

/* The decimal result type of l op r, following ksqlDB's SqlDecimal rules. */
static const sl_type_t *decimal_result(sl_arena_t *a, sl_op_t op, const sl_type_t *l,
                                       const sl_type_t *r) {
  int lp = l->precision, ls = l->scale, rp = r->precision, rs = r->scale;
  int p, s;
  switch (op) {
    case SL_OP_ADD:
    case SL_OP_SUB:
      s = ls > rs ? ls : rs;
      p = s + ((lp - ls) > (rp - rs) ? (lp - ls) : (rp - rs)) + 1;
      break;
    case SL_OP_MUL:
      p = lp + rp + 1;
      s = ls + rs;
      break;
    case SL_OP_DIV: {
      int t = ls + rp + 1;
      s = t > 6 ? t : 6;
      p = lp - ls + rs + s;
      break;
    }
    default: /* MOD */
      s = ls > rs ? ls : rs;
      p = ((lp - ls) < (rp - rs) ? (lp - ls) : (rp - rs)) + s;
      break;
  }
  return dec_type(a, p, s);
}

static int compile_arith(cstate_t *cs, const sl_expr_t *e, sl_cexpr_t *l, sl_cexpr_t *r,
                         sl_cexpr_t **out) {
  const sl_type_t *lt = l->type, *rt = r->type;
  sl_op_t op = e->op;
  bool lstr = sl_ty_is(lt, SL_T_STRING), rstr = sl_ty_is(rt, SL_T_STRING);
  if ((op == SL_OP_CONCAT || op == SL_OP_ADD) && lstr && rstr && (lt || rt || op == SL_OP_CONCAT)) {
    sl_cexpr_t *c = node(cs, CX_CONCAT, &sl_type_string, e->offset, 2);
    set_arg(c, 0, coerce(cs, l, &sl_type_string));
    set_arg(c, 1, coerce(cs, r, &sl_type_string));
    *out = c;
    return 0;
  }
  if (op == SL_OP_CONCAT || !sl_ty_numeric(lt) || !sl_ty_numeric(rt) || (!lt && !rt)) {
    return sl_error_set(cs->err, SL_ESEMANTIC, e->offset,
                        "Error processing expression: %s. Unsupported arithmetic types. %s %s",
                        sql_text(cs, e), lt ? sl_type_kind_name(lt->kind) : "NULL",
                        rt ? sl_type_kind_name(rt->kind) : "NULL");
  }
  if (!lt) lt = rt;
  if (!rt) rt = lt;
  sl_arena_t *a = cs->cc->arena;
  const sl_type_t *res, *operand;
  if (lt->kind == SL_T_DOUBLE || rt->kind == SL_T_DOUBLE) {
    res = operand = &sl_type_double;
  } else if (lt->kind == SL_T_DECIMAL || rt->kind == SL_T_DECIMAL) {
    const sl_type_t *dl = as_decimal(a, lt), *dr = as_decimal(a, rt);
    res = decimal_result(a, op, dl, dr);
    l = coerce(cs, l, dl);
    r = coerce(cs, r, dr);
    sl_cexpr_t *c = node(cs, CX_ARITH, res, e->offset, 2);
    c->op = (uint8_t)op;
    c->num = SL_T_DECIMAL;
    set_arg(c, 0, l);
    set_arg(c, 1, r);
    *out = c;
    return 0;
  } else if (lt->kind == SL_T_BIGINT || rt->kind == SL_T_BIGINT) {
    res = operand = &sl_type_bigint;
  } else {
    res = operand = &sl_type_int;
  }
  sl_cexpr_t *c = node(cs, CX_ARITH, res, e->offset, 2);
  c->op = (uint8_t)op;
  c->num = (uint8_t)operand->kind;
  set_arg(c, 0, coerce(cs, l, operand));
  set_arg(c, 1, coerce(cs, r, operand));
  *out = c;
  return 0;
}

static bool is_temporal(sl_type_kind_t k) {
  return k == SL_T_TIMESTAMP || k == SL_T_DATE || k == SL_T_TIME;
}

/* Makes l and r comparable (widening numbers, parsing strings against
 * temporal types) or fails with ksqlDB's message. *complex is set for
 * containers, which only support equality. */
static int prepare_compare(cstate_t *cs, const sl_expr_t *e, const sl_expr_t *le,
                           const sl_expr_t *re, sl_op_t op, sl_cexpr_t **l, sl_cexpr_t **r,
                           bool *complex) {
  const sl_type_t *lt = (*l)->type, *rt = (*r)->type;
  *complex = false;
  if (!lt || !rt)
    return sl_error_set(cs->err, SL_ESEMANTIC, e->offset,
                        "Comparison with NULL not supported: %s %s %s", type_text(cs, lt),
                        op_symbol(op), type_text(cs, rt));
  sl_type_kind_t a = lt->kind, b = rt->kind;
  if (sl_type_is_numeric(lt) && sl_type_is_numeric(rt)) {
    /* Same-kind operands take the evaluator's fast path; decimals of
     * different scales compare exactly as they are. */
    if (a != b && a != SL_T_DECIMAL && b != SL_T_DECIMAL) {
      bool ok;
      const sl_type_t *t = sl_expr_common_type(cs->cc->arena, lt, rt, &ok);
      *l = coerce(cs, *l, t);
      *r = coerce(cs, *r, t);
    }
    return 0;
  }
  if (a == b && (a == SL_T_STRING || a == SL_T_BOOLEAN || a == SL_T_BYTES || is_temporal(a)))
    return 0;
  if ((a == SL_T_TIMESTAMP && b == SL_T_DATE) || (a == SL_T_DATE && b == SL_T_TIMESTAMP)) return 0;
  /* ksqlDB compares temporal columns with ISO strings by parsing the string. */
  if (is_temporal(a) && b == SL_T_STRING) {
    *r = coerce(cs, *r, lt);
    return 0;
  }
  if (a == SL_T_STRING && is_temporal(b)) {
    *l = coerce(cs, *l, rt);
    return 0;
  }
  if ((a == SL_T_ARRAY || a == SL_T_MAP || a == SL_T_STRUCT) && sl_type_equal(lt, rt) &&
      (op == SL_OP_EQ || op == SL_OP_NE)) {
    *complex = true;
    return 0;
  }
  return sl_error_set(cs->err, SL_ESEMANTIC, e->offset,
                      "Cannot compare %s (%s) to %s (%s) with %s.", sql_text(cs, le),
                      type_text(cs, lt), sql_text(cs, re), type_text(cs, rt),
                      op == SL_OP_EQ   ? "EQUAL"
                      : op == SL_OP_NE ? "NOT_EQUAL"
                      : op == SL_OP_LT ? "LESS_THAN"
                      : op == SL_OP_LE ? "LESS_THAN_OR_EQUAL"
                      : op == SL_OP_GT ? "GREATER_THAN"
                                       : "GREATER_THAN_OR_EQUAL");
}

static int compile_binary(cstate_t *cs, const sl_expr_t *e, sl_cexpr_t **out) {
  sl_cexpr_t *l, *r;
  int rc = compile(cs, e->left, &l);
  if (!rc) rc = compile(cs, e->right, &r);
  if (rc) return rc;
  switch (e->op) {
    case SL_OP_AND:
    case SL_OP_OR: {
      if (!sl_ty_is(l->type, SL_T_BOOLEAN) || !sl_ty_is(r->type, SL_T_BOOLEAN)) {
        const sl_expr_t *bad = sl_ty_is(l->type, SL_T_BOOLEAN) ? e->right : e->left;
        const sl_type_t *bt = sl_ty_is(l->type, SL_T_BOOLEAN) ? r->type : l->type;
        return sl_error_set(cs->err, SL_ESEMANTIC, bad->offset,
                            "Logical binary expects two boolean values.  Actual %s (%s)",
                            sql_text(cs, bad), type_text(cs, bt));
      }
      sl_cexpr_t *c = node(cs, e->op == SL_OP_AND ? CX_AND : CX_OR, &sl_type_boolean, e->offset, 2);
      set_arg(c, 0, coerce(cs, l, &sl_type_boolean));
      set_arg(c, 1, coerce(cs, r, &sl_type_boolean));
      *out = c;
      return 0;
    }
    case SL_OP_EQ:
    case SL_OP_NE:
    case SL_OP_LT:
    case SL_OP_LE:
    case SL_OP_GT:
    case SL_OP_GE: {
      bool complex;
      rc = prepare_compare(cs, e, e->left, e->right, e->op, &l, &r, &complex);
      if (rc) return rc;
      sl_cexpr_t *c = node(cs, CX_CMP, &sl_type_boolean, e->offset, 2);
      c->op = (uint8_t)e->op;
      c->num = complex;
      set_arg(c, 0, l);
      set_arg(c, 1, r);
      *out = c;
      return 0;
    }
    default: return compile_arith(cs, e, l, r, out);
  }
}

/* ---------------- CASE ---------------- */

static int compile_case(cstate_t *cs, const sl_expr_t *e, sl_cexpr_t **out) {
  int nw = e->whens.len;
  bool simple = e->left != NULL, has_else = e->third != NULL;
  int n = (simple ? 1 : 0) + 2 * nw + (has_else ? 1 : 0);
  sl_cexpr_t *c = node(cs, simple ? CX_SCASE : CX_CASE, NULL, e->offset, n);
  c->negated = has_else;
  int i = 0, rc;
  sl_cexpr_t *operand = NULL;
  if (simple) {
    if ((rc = compile(cs, e->left, &operand))) return rc;
    set_arg(c, i++, operand);
  }
  sl_cexpr_t **thens = sl_arena_alloc(cs->cc->arena, sizeof(sl_cexpr_t *) * (size_t)(nw + 1));
  const sl_type_t *rt = NULL;
  bool ok = true;
  for (int w = 0; w < nw; w++) {
    const sl_when_t *wh = e->whens.items[w];
    sl_cexpr_t *cond, *then;
    if ((rc = compile(cs, wh->when, &cond))) return rc;
    if (simple) {
      bool complex;
      sl_cexpr_t *op = operand;
      rc = cond->type && operand->type
               ? prepare_compare(cs, wh->when, e->left, wh->when, SL_OP_EQ, &op, &cond, &complex)
               : 0;
      if (rc) return rc;
    } else if (!sl_ty_is(cond->type, SL_T_BOOLEAN)) {
      return sl_error_set(cs->err, SL_ESEMANTIC, wh->when->offset,
                          "WHEN operand type should be boolean.\nType for '%s' is %s",
                          sql_text(cs, wh->when), type_text(cs, cond->type));
    }
    if ((rc = compile(cs, wh->then, &then))) return rc;
    set_arg(c, i++, cond);
    thens[w] = then;
    i++;
    rt = sl_expr_common_type(cs->cc->arena, rt, then->type, &ok);
    if (!ok)
      return sl_error_set(cs->err, SL_ESEMANTIC, wh->then->offset,
                          "Invalid Case expression. Type for all 'THEN' clauses should be the "
                          "same.\nTHEN expression '%s' has type: %s.",
                          sql_text(cs, wh->then), type_text(cs, then->type));
  }
  sl_cexpr_t *els = NULL;
  if (has_else) {
    if ((rc = compile(cs, e->third, &els))) return rc;
    rt = sl_expr_common_type(cs->cc->arena, rt, els->type, &ok);
    if (!ok)
      return sl_error_set(cs->err, SL_ESEMANTIC, e->third->offset,
                          "Invalid Case expression. Type for the default clause should be the "
                          "same as for 'THEN' clauses.\nTHEN type: %s.\nDEFAULT type: %s.",
                          type_text(cs, thens[0]->type), type_text(cs, els->type));
  }
  if (!rt)
    return sl_error_set(cs->err, SL_ESEMANTIC, e->offset,
                        "Invalid Case expression. All case branches have NULL type");
  c->type = rt;
  for (int w = 0; w < nw; w++) set_arg(c, (simple ? 1 : 0) + 2 * w + 1, coerce(cs, thens[w], rt));
  if (has_else) set_arg(c, n - 1, coerce(cs, els, rt));
  *out = c;
  return 0;
}

/* ---------------- calls ---------------- */

static int bad_params(cstate_t *cs, const sl_expr_t *e, const sl_function_t *fn, sl_cexpr_t **args,
                      int n) {
  sl_buf_t b;
  sl_buf_init(&b);
  sl_buf_printf(&b, "Function '%s' does not accept parameters (", fn->name);
  for (int i = 0; i < n; i++) {
    if (i) sl_buf_puts(&b, ", ");
    if (args[i]->type)
      sl_type_format(args[i]->type, &b);
    else
      sl_buf_puts(&b, "NULL");
  }
  sl_buf_puts(&b, ").");
  if (fn->signatures && *fn->signatures)
    sl_buf_printf(&b, "\nValid alternatives are:\n%s", fn->signatures);
  cs->err->code = 0;
  sl_error_set(cs->err, SL_ESEMANTIC, e->offset, "%s", b.data);
  sl_buf_free(&b);
  return SL_ESEMANTIC;
}

static int compile_lambda_fn(cstate_t *cs, const sl_expr_t *e, const sl_function_t *fn,
                             sl_cexpr_t **out);

static int compile_call(cstate_t *cs, const sl_expr_t *e, sl_cexpr_t **out) {
  const char *name = e->name ? e->name->name : "";
  const sl_function_t *fn = sl_function_find(name);
  if (!fn)
    return sl_error_set(cs->err, SL_ESEMANTIC, e->offset,
                        "Can't find any functions with the name '%s'", name);
  if (fn->kind == SL_FN_AGGREGATE)
    return sl_error_set(cs->err, SL_ESEMANTIC, e->offset,
                        cs->cc->allow_aggregates
                            ? "Aggregate function %s could not be resolved here."
                            : "Aggregate functions are not allowed here: %s",
                        fn->name);
  if (fn->kind == SL_FN_TABLE)
    return sl_error_set(cs->err, SL_ESEMANTIC, e->offset,
                        "Table functions are not allowed here: %s", fn->name);
  if (!fn->eval) return compile_lambda_fn(cs, e, fn, out);
  int n = e->args.len;
  sl_cexpr_t *c = node(cs, CX_CALL, NULL, e->offset, n);
  c->fn = fn;
  const sl_type_t *types_local[16];
  const sl_type_t **types =
      n <= 16 ? types_local : sl_arena_alloc(cs->cc->arena, sizeof(sl_type_t *) * (size_t)n);
  for (int i = 0; i < n; i++) {
    sl_cexpr_t *a;
    const sl_expr_t *ae = e->args.items[i];
    if (ae->kind == SL_EX_TIME_UNIT) {
      /* A bare time unit (TIMESTAMPADD(SECONDS, ...)) is only meaningful as
       * an argument: it becomes a string literal of the marker type that
       * the date/time typers look for. */
      a = node(cs, CX_LIT, &sl_type_time_unit, ae->offset, 0);
      a->lit = sl_val_cstring(ae->text ? ae->text : "");
    } else {
      int rc = compile(cs, ae, &a);
      if (rc) return rc;
    }
    set_arg(c, i, a);
    types[i] = a->type;
  }
  const sl_type_t *ret = NULL;
  sl_error_t terr;
  sl_error_clear(&terr);
  int rc = fn->typer ? fn->typer(types, n, cs->cc->arena, &ret, &terr) : SL_ESEMANTIC;
  if (rc) {
    if (terr.msg[0]) return sl_error_set(cs->err, rc, e->offset, "%s", terr.msg);
    return bad_params(cs, e, fn, c->args, n);
  }
  c->type = ret;
  if (fn->non_deterministic || fn->stateful) c->constant = false;
  *out = c;
  return 0;
}

/* TRANSFORM / FILTER / REDUCE: the lambda parameters get slots above the row. */
static int compile_lambda(cstate_t *cs, const sl_expr_t *lam, int nparams, const sl_type_t **ptypes,
                          sl_cexpr_t **body) {
  if (!lam || lam->kind != SL_EX_LAMBDA || lam->names.len != nparams)
    return sl_error_set(cs->err, SL_ESEMANTIC, lam ? lam->offset : -1,
                        "Expected a lambda function with %d argument%s", nparams,
                        nparams == 1 ? "" : "s");
  if (cs->nscope + nparams > (int)SL_ARRAY_LEN(cs->scope))
    return sl_error_set(cs->err, SL_ESEMANTIC, lam->offset, "Lambdas are nested too deeply");
  int base = cs->cc->nslots;
  cs->cc->nslots += nparams;
  int saved = cs->nscope;
  for (int i = 0; i < nparams; i++) {
    const sl_ident_t *id = lam->names.items[i];
    cs->scope[cs->nscope].name = id->name;
    cs->scope[cs->nscope].slot = base + i;
    cs->scope[cs->nscope].type = ptypes[i];
    cs->nscope++;
  }
  int rc = compile(cs, lam->left, body);
  cs->nscope = saved;
  if (rc) return rc;
  return base;
}

static int compile_lambda_fn(cstate_t *cs, const sl_expr_t *e, const sl_function_t *fn,
                             sl_cexpr_t **out) {
  int n = e->args.len, rc;
  bool is_reduce = strcmp(fn->name, "REDUCE") == 0;
  bool is_filter = strcmp(fn->name, "FILTER") == 0;
  if (n < 2) goto bad;
  sl_cexpr_t *coll;
  if ((rc = compile(cs, e->args.items[0], &coll))) return rc;
  const sl_type_t *ct = coll->type;
  if (!ct || (ct->kind != SL_T_ARRAY && ct->kind != SL_T_MAP)) goto bad;
  bool is_map = ct->kind == SL_T_MAP;
  sl_arena_t *a = cs->cc->arena;
  if (is_reduce) {
    if (n != 3) goto bad;
    sl_cexpr_t *init, *body;
    if ((rc = compile(cs, e->args.items[1], &init))) return rc;
    const sl_type_t *pt[3] = {init->type, is_map ? ct->key : ct->elem, ct->elem};
    int base = compile_lambda(cs, e->args.items[2], is_map ? 3 : 2, pt, &body);
    if (base < 0) return base;
    bool ok;
    const sl_type_t *st = sl_expr_common_type(a, init->type, body->type, &ok);
    if (ok && st && !sl_type_equal(st, init->type)) {
      /* The state widens (0 + DOUBLE): compile the body again with the wider
       * state type so every iteration sees the same kind. */
      pt[0] = st;
      base = compile_lambda(cs, e->args.items[2], is_map ? 3 : 2, pt, &body);
      if (base < 0) return base;
      st = sl_expr_common_type(a, st, body->type, &ok);
    }
    if (!ok || !st)
      return sl_error_set(cs->err, SL_ESEMANTIC, e->offset,
                          "Reduce lambda must return the type of the initial state: %s",
                          type_text(cs, init->type));
    sl_cexpr_t *c = node(cs, CX_REDUCE, st, e->offset, 3);
    c->slot = base;
    c->num = is_map;
    set_arg(c, 0, coll);
    set_arg(c, 1, coerce(cs, init, st));
    set_arg(c, 2, coerce(cs, body, st));
    *out = c;
    return 0;
  }
  if (is_filter) {
    if (n != 2) goto bad;
    sl_cexpr_t *body;
    const sl_type_t *pt[2] = {is_map ? ct->key : ct->elem, ct->elem};
    int base = compile_lambda(cs, e->args.items[1], is_map ? 2 : 1, pt, &body);
    if (base < 0) return base;
    if (!sl_ty_is(body->type, SL_T_BOOLEAN))
      return sl_error_set(cs->err, SL_ESEMANTIC, e->offset,
                          "Filter lambda must return a BOOLEAN, not %s", type_text(cs, body->type));
    sl_cexpr_t *c = node(cs, CX_FILTER, ct, e->offset, 2);
    c->slot = base;
    c->num = is_map;
    set_arg(c, 0, coll);
    set_arg(c, 1, body);
    *out = c;
    return 0;
  }
  /* TRANSFORM */
  if (n != (is_map ? 3 : 2)) goto bad;
  if (!is_map) {
    sl_cexpr_t *body;
    const sl_type_t *pt[1] = {ct->elem};
    int base = compile_lambda(cs, e->args.items[1], 1, pt, &body);
    if (base < 0) return base;
    if (!body->type)
      return sl_error_set(cs->err, SL_ESEMANTIC, e->offset,
                          "Can't infer a type of null. Please "
                          "explicitly cast it to a required type, e.g. CAST(null AS VARCHAR).");
    sl_cexpr_t *c = node(cs, CX_TRANSFORM, sl_type_array(a, body->type), e->offset, 2);
    c->slot = base;
    set_arg(c, 0, coll);
    set_arg(c, 1, body);
    *out = c;
    return 0;
  } else {
    sl_cexpr_t *kb, *vb;
    const sl_type_t *pt[2] = {ct->key, ct->elem};
    int base = compile_lambda(cs, e->args.items[1], 2, pt, &kb);
    if (base < 0) return base;
    int base2 = compile_lambda(cs, e->args.items[2], 2, pt, &vb);
    if (base2 < 0) return base2;
    if (!kb->type || !vb->type)
      return sl_error_set(cs->err, SL_ESEMANTIC, e->offset,
                          "Can't infer a type of null. Please "
                          "explicitly cast it to a required type, e.g. CAST(null AS VARCHAR).");
    /* Both lambdas read the same two parameters: point the second at the
     * first's slots by compiling it again with the same base is not possible,
     * so TRANSFORM on maps writes both slot pairs. */
    sl_cexpr_t *c = node(cs, CX_TRANSFORM, sl_type_map(a, kb->type, vb->type), e->offset, 3);
    c->slot = base;
    c->num = 1;
    c->op = (uint8_t)(base2 - base);
    set_arg(c, 0, coll);
    set_arg(c, 1, kb);
    set_arg(c, 2, vb);
    *out = c;
    return 0;
  }
bad:
  return sl_error_set(cs->err, SL_ESEMANTIC, e->offset,
                      "Function '%s' does not accept parameters of these types.\n"
                      "Valid alternatives are:\n%s",
                      fn->name, fn->signatures ? fn->signatures : "");
}

/* ---------------- constructors, access ---------------- */

static int null_type_error(cstate_t *cs, int offset) {
  return sl_error_set(cs->err, SL_ESEMANTIC, offset,
                      "Can't infer a type of null. Please explicitly cast it to a required type, "
                      "e.g. CAST(null AS VARCHAR).");
}

static int compile_array(cstate_t *cs, const sl_expr_t *e, sl_cexpr_t **out) {
  int n = e->args.len;
  sl_cexpr_t *c = node(cs, CX_ARRAY, NULL, e->offset, n);
  const sl_type_t *et = NULL;
  for (int i = 0; i < n; i++) {
    sl_cexpr_t *a;
    int rc = compile(cs, e->args.items[i], &a);
    if (rc) return rc;
    bool ok;
    et = sl_expr_common_type(cs->cc->arena, et, a->type, &ok);
    if (!ok)
      return sl_error_set(cs->err, SL_ESEMANTIC, a->offset,
                          "invalid input syntax for type %s: \"%s\".",
                          type_text(cs, c->args[0]->type), sql_text(cs, e->args.items[i]));
    c->args[i] = a;
  }
  if (!et)
    return sl_error_set(cs->err, SL_ESEMANTIC, e->offset,
                        "Cannot construct an array with all NULL elements (see "
                        "https://github.com/confluentinc/ksql/issues/4239). As a workaround, you "
                        "may cast a NULL value to the desired type.");
  for (int i = 0; i < n; i++) set_arg(c, i, coerce(cs, c->args[i], et));
  c->type = sl_type_array(cs->cc->arena, et);
  *out = c;
  return 0;
}

static int compile_map(cstate_t *cs, const sl_expr_t *e, sl_cexpr_t **out) {
  int n = e->args.len;
  sl_cexpr_t *c = node(cs, CX_MAP, NULL, e->offset, n);
  const sl_type_t *kt = NULL, *vt = NULL;
  for (int i = 0; i < n; i++) {
    sl_cexpr_t *a;
    int rc = compile(cs, e->args.items[i], &a);
    if (rc) return rc;
    bool ok;
    if (i % 2 == 0)
      kt = sl_expr_common_type(cs->cc->arena, kt, a->type, &ok);
    else
      vt = sl_expr_common_type(cs->cc->arena, vt, a->type, &ok);
    if (!ok)
      return sl_error_set(
          cs->err, SL_ESEMANTIC, a->offset, "Map %s must all be of the same type: '%s' is %s",
          i % 2 ? "values" : "keys", sql_text(cs, e->args.items[i]), type_text(cs, a->type));
    c->args[i] = a;
  }
  if (!kt || !vt)
    return sl_error_set(cs->err, SL_ESEMANTIC, e->offset,
                        "Cannot construct a map with all NULL %s (see "
                        "https://github.com/confluentinc/ksql/issues/4239). As a workaround, you "
                        "may cast a NULL value to the desired type.",
                        kt ? "values" : "keys");
  for (int i = 0; i < n; i++) set_arg(c, i, coerce(cs, c->args[i], i % 2 ? vt : kt));
  c->type = sl_type_map(cs->cc->arena, kt, vt);
  *out = c;
  return 0;
}

static int compile_struct(cstate_t *cs, const sl_expr_t *e, sl_cexpr_t **out) {
  int n = e->args.len;
  sl_cexpr_t *c = node(cs, CX_STRUCT, NULL, e->offset, n);
  sl_type_field_t *f = n ? sl_arena_alloc(cs->cc->arena, sizeof *f * (size_t)n) : NULL;
  for (int i = 0; i < n; i++) {
    sl_cexpr_t *a;
    int rc = compile(cs, e->args.items[i], &a);
    if (rc) return rc;
    if (!a->type) return null_type_error(cs, a->offset);
    const sl_ident_t *id = i < e->names.len ? e->names.items[i] : NULL;
    f[i].name = id ? id->name : "";
    for (int j = 0; j < i; j++)
      if (strcmp(f[j].name, f[i].name) == 0)
        return sl_error_set(cs->err, SL_ESEMANTIC, id ? id->offset : e->offset,
                            "Duplicate field names found in STRUCT: '%s'", f[i].name);
    f[i].type = a->type;
    set_arg(c, i, a);
  }
  sl_type_t *t = sl_arena_alloc(cs->cc->arena, sizeof *t);
  t->kind = SL_T_STRUCT;
  t->nfields = n;
  t->fields = f;
  c->type = t;
  *out = c;
  return 0;
}

static int compile_deref(cstate_t *cs, const sl_expr_t *e, sl_cexpr_t **out) {
  sl_cexpr_t *base;
  int rc = compile(cs, e->left, &base);
  if (rc) return rc;
  const char *fname = e->name ? e->name->name : "";
  if (!base->type || base->type->kind != SL_T_STRUCT)
    return sl_error_set(cs->err, SL_ESEMANTIC, e->offset,
                        "Can't dereference field '%s' of %s: expected a STRUCT, got %s", fname,
                        sql_text(cs, e->left), type_text(cs, base->type));
  const sl_type_t *st = base->type;
  int idx = -1;
  for (int i = 0; i < st->nfields; i++)
    if (strcmp(st->fields[i].name, fname) == 0) idx = i;
  if (idx < 0)
    for (int i = 0; i < st->nfields && !(e->name && e->name->quoted); i++)
      if (sl_streq_ci(st->fields[i].name, fname)) idx = i;
  if (idx < 0)
    return sl_error_set(cs->err, SL_ESEMANTIC, e->offset, "Could not find field '%s' in '%s'.",
                        fname, sql_text(cs, e->left));
  sl_cexpr_t *c = node(cs, CX_DEREF, st->fields[idx].type, e->offset, 1);
  c->slot = idx;
  set_arg(c, 0, base);
  *out = c;
  return 0;
}

static int compile_subscript(cstate_t *cs, const sl_expr_t *e, sl_cexpr_t **out) {
  sl_cexpr_t *base, *idx;
  int rc = compile(cs, e->left, &base);
  if (!rc) rc = compile(cs, e->right, &idx);
  if (rc) return rc;
  const sl_type_t *bt = base->type;
  if (bt && bt->kind == SL_T_ARRAY) {
    if (!sl_ty_integral(idx->type))
      return sl_error_set(cs->err, SL_ESEMANTIC, e->right->offset,
                          "Array index must be an INTEGER, got %s: %s", type_text(cs, idx->type),
                          sql_text(cs, e->right));
    sl_cexpr_t *c = node(cs, CX_INDEX, bt->elem, e->offset, 2);
    set_arg(c, 0, base);
    set_arg(c, 1, coerce(cs, idx, idx->type ? idx->type : &sl_type_int));
    *out = c;
    return 0;
  }
  if (bt && bt->kind == SL_T_MAP) {
    if (idx->type && !sl_type_can_widen(idx->type, bt->key))
      return sl_error_set(cs->err, SL_ESEMANTIC, e->right->offset,
                          "Map key must be of type %s, got %s: %s", type_text(cs, bt->key),
                          type_text(cs, idx->type), sql_text(cs, e->right));
    sl_cexpr_t *c = node(cs, CX_MAPGET, bt->elem, e->offset, 2);
    set_arg(c, 0, base);
    set_arg(c, 1, coerce(cs, idx, bt->key));
    *out = c;
    return 0;
  }
  return sl_error_set(cs->err, SL_ESEMANTIC, e->offset,
                      "Subscript expression must be applied to an ARRAY or a MAP, got %s: %s",
                      type_text(cs, bt), sql_text(cs, e->left));
}

/* ---------------- predicates ---------------- */

static int compile_pred(cstate_t *cs, const sl_expr_t *e, sl_cexpr_t **out) {
  sl_cexpr_t *l, *r = NULL, *t = NULL;
  int rc = compile(cs, e->left, &l);
  if (rc) return rc;
  switch (e->kind) {
    case SL_EX_IS_NULL: {
      sl_cexpr_t *c = node(cs, CX_ISNULL, &sl_type_boolean, e->offset, 1);
      c->negated = e->negated;
      set_arg(c, 0, l);
      *out = c;
      return 0;
    }
    case SL_EX_DISTINCT: {
      if ((rc = compile(cs, e->right, &r))) return rc;
      bool complex;
      if (l->type && r->type &&
          (rc = prepare_compare(cs, e, e->left, e->right, SL_OP_EQ, &l, &r, &complex)))
        return rc;
      sl_cexpr_t *c = node(cs, CX_DISTINCT, &sl_type_boolean, e->offset, 2);
      c->negated = e->negated;
      set_arg(c, 0, l);
      set_arg(c, 1, r);
      *out = c;
      return 0;
    }
    case SL_EX_BETWEEN: {
      if ((rc = compile(cs, e->right, &r)) || (rc = compile(cs, e->third, &t))) return rc;
      bool complex;
      sl_cexpr_t *l2 = l;
      if ((rc = prepare_compare(cs, e, e->left, e->right, SL_OP_GE, &l, &r, &complex)) ||
          (rc = prepare_compare(cs, e, e->left, e->third, SL_OP_LE, &l2, &t, &complex)))
        return rc;
      if (complex)
        return sl_error_set(cs->err, SL_ESEMANTIC, e->offset, "BETWEEN is not supported on %s",
                            type_text(cs, l->type));
      sl_cexpr_t *c = node(cs, CX_BETWEEN, &sl_type_boolean, e->offset, 3);
      c->negated = e->negated;
      set_arg(c, 0, l);
      set_arg(c, 1, r);
      set_arg(c, 2, t);
      *out = c;
      return 0;
    }
    case SL_EX_LIKE: {
      if ((rc = compile(cs, e->right, &r))) return rc;
      if (e->third && (rc = compile(cs, e->third, &t))) return rc;
      if (!sl_ty_is(l->type, SL_T_STRING) || !sl_ty_is(r->type, SL_T_STRING))
        return sl_error_set(cs->err, SL_ESEMANTIC, e->offset,
                            "LIKE operator expects STRING operands, got %s and %s",
                            type_text(cs, l->type), type_text(cs, r->type));
      if (t &&
          (t->kind != CX_LIT || !t->type || t->type->kind != SL_T_STRING || t->lit.u.s.len != 1))
        return sl_error_set(cs->err, SL_ESEMANTIC, e->third->offset,
                            "Escape must be a single character: %s", sql_text(cs, e->third));
      sl_cexpr_t *c = node(cs, CX_LIKE, &sl_type_boolean, e->offset, t ? 3 : 2);
      c->negated = e->negated;
      set_arg(c, 0, coerce(cs, l, &sl_type_string));
      set_arg(c, 1, coerce(cs, r, &sl_type_string));
      if (t) set_arg(c, 2, t);
      *out = c;
      return 0;
    }
    case SL_EX_IN: {
      int n = e->args.len;
      sl_cexpr_t *c = node(cs, CX_IN, &sl_type_boolean, e->offset, n + 1);
      c->negated = e->negated;
      for (int i = 0; i < n; i++) {
        sl_cexpr_t *a, *lv = l;
        if ((rc = compile(cs, e->args.items[i], &a))) return rc;
        bool complex;
        if (a->type && l->type &&
            (rc = prepare_compare(cs, e->args.items[i], e->left, e->args.items[i], SL_OP_EQ, &lv,
                                  &a, &complex)))
          return sl_error_set(
              cs->err, SL_ESEMANTIC,
              e->args.items[i] ? ((sl_expr_t *)e->args.items[i])->offset : e->offset,
              "Invalid IN list expression: %s: expected %s, got %s", sql_text(cs, e->args.items[i]),
              type_text(cs, l->type), type_text(cs, a->type));
        set_arg(c, i + 1, a);
      }
      set_arg(c, 0, l);
      *out = c;
      return 0;
    }
    default: return SL_EINVAL;
  }
}

/* ---------------- dispatch ---------------- */

static int compile_column(cstate_t *cs, const sl_expr_t *e, sl_cexpr_t **out) {
  if (!e->qualifier && e->name) {
    for (int i = cs->nscope - 1; i >= 0; i--) {
      if (strcmp(cs->scope[i].name, e->name->name) == 0) {
        sl_cexpr_t *c = node(cs, CX_SLOT, cs->scope[i].type, e->offset, 0);
        c->slot = cs->scope[i].slot;
        c->constant = false;
        *out = c;
        return 0;
      }
    }
  }
  return sl_error_set(cs->err, SL_ESEMANTIC, e->offset, "Column '%s' cannot be resolved.",
                      e->name ? e->name->name : "?");
}

static int compile(cstate_t *cs, const sl_expr_t *e, sl_cexpr_t **out) {
  if (!e) return sl_error_set(cs->err, SL_EINVAL, -1, "missing expression");
  switch (e->kind) {
    case SL_EX_NULL:
    case SL_EX_BOOL:
    case SL_EX_INT:
    case SL_EX_DECIMAL:
    case SL_EX_DOUBLE:
    case SL_EX_STRING: return compile_literal(cs, e, out);
    default: break;
  }
  /* Offer the node to the caller first (columns, aggregates, GROUP BY
   * expressions), except lambda parameters which are ours. */
  bool lambda_param = false;
  if (e->kind == SL_EX_COLUMN && !e->qualifier && e->name)
    for (int i = 0; i < cs->nscope; i++)
      if (strcmp(cs->scope[i].name, e->name->name) == 0) lambda_param = true;
  if (cs->cc->resolve && !lambda_param && e->kind != SL_EX_LAMBDA) {
    int slot = -1;
    const sl_type_t *t = NULL;
    int rc = cs->cc->resolve(cs->cc->resolve_ctx, e, &slot, &t, cs->err);
    if (rc < 0) return rc;
    if (rc == 0) {
      sl_cexpr_t *c = node(cs, CX_SLOT, t, e->offset, 0);
      c->slot = slot;
      c->constant = false;
      *out = c;
      return 0;
    }
  }
  switch (e->kind) {
    case SL_EX_COLUMN: return compile_column(cs, e, out);
    case SL_EX_STAR:
      return sl_error_set(cs->err, SL_ESEMANTIC, e->offset, "'*' is not allowed in an expression");
    case SL_EX_DEREF: return compile_deref(cs, e, out);
    case SL_EX_SUBSCRIPT: return compile_subscript(cs, e, out);
    case SL_EX_UNARY: {
      sl_cexpr_t *a;
      int rc = compile(cs, e->left, &a);
      if (rc) return rc;
      if (e->op == SL_OP_NOT) {
        if (!sl_ty_is(a->type, SL_T_BOOLEAN))
          return sl_error_set(cs->err, SL_ESEMANTIC, e->offset,
                              "NOT expects a BOOLEAN operand, got %s: %s", type_text(cs, a->type),
                              sql_text(cs, e->left));
        sl_cexpr_t *c = node(cs, CX_NOT, &sl_type_boolean, e->offset, 1);
        set_arg(c, 0, coerce(cs, a, &sl_type_boolean));
        *out = c;
        return 0;
      }
      if (!sl_ty_numeric(a->type))
        return sl_error_set(
            cs->err, SL_ESEMANTIC, e->offset, "Unary %s expects a numeric operand, got %s: %s",
            e->op == SL_OP_NEG ? "minus" : "plus", type_text(cs, a->type), sql_text(cs, e->left));
      if (e->op == SL_OP_PLUS) {
        *out = a;
        return 0;
      }
      if (a->kind == CX_LIT && a->type) {
        /* Fold -literal so -2147483648 stays an INT like Java's literal. */
        sl_value_t v = a->lit;
        switch (v.kind) {
          case SL_T_INT: v.u.i = (int32_t)(0u - (uint32_t)v.u.i); break;
          case SL_T_BIGINT: v.u.l = (int64_t)(0ull - (uint64_t)v.u.l); break;
          case SL_T_DOUBLE: v.u.d = -v.u.d; break;
          case SL_T_DECIMAL: v.u.dec.unscaled = -v.u.dec.unscaled; break;
          default: break;
        }
        sl_cexpr_t *c = node(cs, CX_LIT, a->type, e->offset, 0);
        c->lit = v;
        *out = c;
        return 0;
      }
      sl_cexpr_t *c = node(cs, CX_NEG, a->type ? a->type : &sl_type_int, e->offset, 1);
      set_arg(c, 0, a);
      *out = c;
      return 0;
    }
    case SL_EX_BINARY: return compile_binary(cs, e, out);
    case SL_EX_IS_NULL:
    case SL_EX_DISTINCT:
    case SL_EX_BETWEEN:
    case SL_EX_LIKE:
    case SL_EX_IN: return compile_pred(cs, e, out);
    case SL_EX_CASE: return compile_case(cs, e, out);
    case SL_EX_CAST: {
      sl_cexpr_t *a;
      int rc = compile(cs, e->left, &a);
      if (rc) return rc;
      const sl_type_t *t;
      rc = sl_type_from_ast(e->type, cs->cc->arena, cs->cc->lookup_type, cs->cc->lookup_ctx, &t,
                            cs->err);
      if (rc) return rc;
      if (!sl_type_can_cast(a->type, t))
        return sl_error_set(cs->err, SL_ESEMANTIC, e->offset, "Cast of %s to %s is not supported",
                            type_text(cs, a->type), type_text(cs, t));
      if (!a->type) {
        a->type = t;
        *out = a;
        return 0;
      }
      if (sl_type_equal(a->type, t)) {
        *out = a;
        return 0;
      }
      sl_cexpr_t *c = node(cs, CX_CAST, t, e->offset, 1);
      set_arg(c, 0, a);
      *out = c;
      return 0;
    }
    case SL_EX_CALL: return compile_call(cs, e, out);
    case SL_EX_LAMBDA:
      return sl_error_set(cs->err, SL_ESEMANTIC, e->offset,
                          "A lambda is only allowed as an argument of a lambda function");
    case SL_EX_ARRAY: return compile_array(cs, e, out);
    case SL_EX_MAP: return compile_map(cs, e, out);
    case SL_EX_STRUCT: return compile_struct(cs, e, out);
    case SL_EX_INTERVAL:
      return sl_error_set(cs->err, SL_ESEMANTIC, e->offset,
                          "An interval is not allowed in an expression");
    case SL_EX_VARIABLE:
      return sl_error_set(cs->err, SL_ESEMANTIC, e->offset, "Undefined variable: %s",
                          e->name ? e->name->name : (e->text ? e->text : "?"));
    default: break;
  }
  return sl_error_set(cs->err, SL_EUNSUPPORTED, e->offset, "Unsupported expression");
}

int sl_expr_compile(const sl_expr_t *e, sl_compile_ctx_t *cc, sl_cexpr_t **out, sl_error_t *err) {
  cstate_t cs;
  memset(&cs, 0, sizeof cs);
  cs.cc = cc;
  cs.err = err;
  *out = NULL;
  return compile(&cs, e, out);
}

const sl_type_t *sl_cexpr_type(const sl_cexpr_t *c) {
  return c->type;
}

bool sl_cexpr_is_constant(const sl_cexpr_t *c) {
  return c->constant;
}
