/*
 * eval.c - evaluates a compiled expression over one row. One switch on the
 * node kind, scalar results written in place (no allocation unless the
 * result is a new string or container, which goes to the per-batch arena).
 * SQL semantics follow ksqlDB: NULL propagates through arithmetic and
 * functions, comparisons with a NULL operand are false, AND/OR are
 * three-valued, integer overflow wraps like Java, integer division by zero is
 * a run-time error (NULL result, first error kept in ec->err), CASE evaluates
 * only the branch it picks.
 */
#include <math.h>
#include <string.h>

#include "expr_int.h"

static void eval(const sl_cexpr_t *c, sl_eval_ctx_t *ec, sl_value_t *out);

/* In-place result setters: the value constructors live in another file, and
 * the hot path should not pay a call and a struct copy per node. */
#define SET_INT(o, v) ((o)->kind = SL_T_INT, (o)->u.i = (v))
#define SET_BIGINT(o, v) ((o)->kind = SL_T_BIGINT, (o)->u.l = (v))
#define SET_DOUBLE(o, v) ((o)->kind = SL_T_DOUBLE, (o)->u.d = (v))
#define SET_BOOL(o, v) ((o)->kind = SL_T_BOOLEAN, (o)->u.b = (v))
#define SET_NULL(o) ((o)->kind = SL_T_NULL)

static void fail(sl_eval_ctx_t *ec, const sl_cexpr_t *c, sl_value_t *out, const char *msg) {
  sl_error_set(&ec->err, SL_EEVAL, c->offset, "%s", msg);
  SET_NULL(out);
}

/* ---------------- arithmetic ---------------- */

static void arith_int(const sl_cexpr_t *c, sl_eval_ctx_t *ec, int32_t a, int32_t b,
                      sl_value_t *out) {
  uint32_t ua = (uint32_t)a, ub = (uint32_t)b;
  switch (c->op) {
    case SL_OP_ADD: SET_INT(out, (int32_t)(ua + ub)); return;
    case SL_OP_SUB: SET_INT(out, (int32_t)(ua - ub)); return;
    case SL_OP_MUL: SET_INT(out, (int32_t)(ua * ub)); return;
    case SL_OP_DIV:
      if (b == 0) return fail(ec, c, out, "/ by zero");
      SET_INT(out, b == -1 ? (int32_t)(0u - ua) : a / b);
      return;
    case SL_OP_MOD:
      if (b == 0) return fail(ec, c, out, "/ by zero");
      SET_INT(out, b == -1 ? 0 : a % b);
      return;
    default: SET_NULL(out);
  }
}

static void arith_bigint(const sl_cexpr_t *c, sl_eval_ctx_t *ec, int64_t a, int64_t b,
                         sl_value_t *out) {
  uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
  switch (c->op) {
    case SL_OP_ADD: SET_BIGINT(out, (int64_t)(ua + ub)); return;
    case SL_OP_SUB: SET_BIGINT(out, (int64_t)(ua - ub)); return;
    case SL_OP_MUL: SET_BIGINT(out, (int64_t)(ua * ub)); return;
    case SL_OP_DIV:
      if (b == 0) return fail(ec, c, out, "/ by zero");
      SET_BIGINT(out, b == -1 ? (int64_t)(0ull - ua) : a / b);
      return;
    case SL_OP_MOD:
      if (b == 0) return fail(ec, c, out, "/ by zero");
      SET_BIGINT(out, b == -1 ? 0 : a % b);
      return;
    default: SET_NULL(out);
  }
}

static void arith_double(const sl_cexpr_t *c, double a, double b, sl_value_t *out) {
  switch (c->op) {
    case SL_OP_ADD: SET_DOUBLE(out, a + b); return;
    case SL_OP_SUB: SET_DOUBLE(out, a - b); return;
    case SL_OP_MUL: SET_DOUBLE(out, a * b); return;
    case SL_OP_DIV: SET_DOUBLE(out, a / b); return;
    case SL_OP_MOD: SET_DOUBLE(out, fmod(a, b)); return;
    default: SET_NULL(out);
  }
}

/* Brings x to scale s (s >= x's scale); false on overflow. */
static bool upscale(__int128 *v, int from, int to) {
  if (to <= from) return true;
  if (to - from > 38) return *v == 0;
  return !__builtin_mul_overflow(*v, sl_decimal_pow10(to - from), v);
}

static __int128 abs128(__int128 v) {
  return v < 0 ? -v : v;
}

static void arith_decimal(const sl_cexpr_t *c, sl_eval_ctx_t *ec, const sl_decimal_t *a,
                          const sl_decimal_t *b, sl_value_t *out) {
  int rs = c->type->scale, rp = c->type->precision;
  __int128 x = a->unscaled, y = b->unscaled, r;
  int s;
  switch (c->op) {
    case SL_OP_ADD:
    case SL_OP_SUB:
    case SL_OP_MOD:
      s = a->scale > b->scale ? a->scale : b->scale;
      if (!upscale(&x, a->scale, s) || !upscale(&y, b->scale, s)) goto overflow;
      if (c->op == SL_OP_MOD) {
        if (y == 0) return fail(ec, c, out, "Division by zero");
        r = x % y;
      } else if (c->op == SL_OP_ADD ? __builtin_add_overflow(x, y, &r)
                                    : __builtin_sub_overflow(x, y, &r)) {
        goto overflow;
      }
      break;
    case SL_OP_MUL:
      if (__builtin_mul_overflow(x, y, &r)) goto overflow;
      s = a->scale + b->scale;
      break;
    case SL_OP_DIV: {
      if (y == 0) return fail(ec, c, out, x == 0 ? "Division undefined" : "Division by zero");
      /* q = x * 10^k / y at scale rs, rounded HALF_UP. */
      int k = rs - a->scale + b->scale;
      if (k >= 0) {
        if (!upscale(&x, 0, k)) goto overflow;
      } else if (!upscale(&y, 0, -k)) {
        goto overflow;
      }
      __int128 q = x / y, rem = abs128(x % y), ay = abs128(y);
      if (rem >= ay - rem) q += ((x < 0) != (y < 0)) ? -1 : 1;
      r = q;
      s = rs;
      break;
    }
    default: SET_NULL(out); return;
  }
  sl_decimal_t d = {r, s}, res;
  if (sl_decimal_rescale(&d, rp, rs, &res) != 0) goto overflow;
  *out = sl_val_decimal(res.unscaled, res.scale);
  return;
overflow:
  fail(ec, c, out, "Numeric field overflow: decimal arithmetic result does not fit its type");
}

/* ---------------- comparisons ---------------- */

static int compare_values(const sl_value_t *a, const sl_value_t *b) {
  if (a->kind == b->kind) {
    switch (a->kind) {
      case SL_T_INT:
      case SL_T_DATE:
      case SL_T_TIME: return a->u.i < b->u.i ? -1 : a->u.i > b->u.i;
      case SL_T_BIGINT:
      case SL_T_TIMESTAMP: return a->u.l < b->u.l ? -1 : a->u.l > b->u.l;
      case SL_T_DOUBLE: return a->u.d < b->u.d ? -1 : a->u.d > b->u.d;
      default: break;
    }
  }
  return sl_value_compare(a, b);
}

static bool cmp_result(sl_op_t op, int r) {
  switch (op) {
    case SL_OP_EQ: return r == 0;
    case SL_OP_NE: return r != 0;
    case SL_OP_LT: return r < 0;
    case SL_OP_LE: return r <= 0;
    case SL_OP_GT: return r > 0;
    case SL_OP_GE: return r >= 0;
    default: return false;
  }
}

/* Java double comparison operators are false with NaN (except <>). */
static bool cmp_eval(sl_op_t op, const sl_value_t *a, const sl_value_t *b) {
  if (a->kind == SL_T_DOUBLE || b->kind == SL_T_DOUBLE) {
    if ((a->kind == SL_T_DOUBLE && isnan(a->u.d)) || (b->kind == SL_T_DOUBLE && isnan(b->u.d)))
      return op == SL_OP_NE;
  }
  return cmp_result(op, compare_values(a, b));
}

/* ---------------- LIKE ---------------- */

static size_t utf8_len(unsigned char c) {
  return c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
}

/* Matches s against a SQL pattern: % any run, _ one character, esc quotes
 * the next pattern character. Iterative with backtracking to the last %. */
bool sl_like_match(const char *s, size_t n, const char *p, size_t m, int esc);
bool sl_like_match(const char *s, size_t n, const char *p, size_t m, int esc) {
  size_t si = 0, pi = 0, star_p = (size_t)-1, star_s = 0;
  while (si < n) {
    if (pi < m) {
      char pc = p[pi];
      if (esc >= 0 && pc == (char)esc && pi + 1 < m) {
        if (s[si] == p[pi + 1]) {
          si++;
          pi += 2;
          continue;
        }
      } else if (pc == '%') {
        star_p = ++pi;
        star_s = si;
        continue;
      } else if (pc == '_') {
        si += utf8_len((unsigned char)s[si]);
        pi++;
        continue;
      } else if (pc == s[si]) {
        si++;
        pi++;
        continue;
      }
    }
    if (star_p == (size_t)-1) return false;
    pi = star_p;
    star_s += utf8_len((unsigned char)s[star_s]);
    si = star_s;
  }
  while (pi < m && p[pi] == '%') pi++;
  return pi == m;
}

/* ---------------- lambdas ---------------- */

static void eval_transform(const sl_cexpr_t *c, sl_eval_ctx_t *ec, sl_value_t *out) {
  sl_value_t coll;
  eval(c->args[0], ec, &coll);
  if (coll.kind == SL_T_NULL) {
    SET_NULL(out);
    return;
  }
  uint32_t n = coll.u.arr.n;
  if (!c->num) {
    sl_value_t *items = n ? sl_arena_alloc(ec->arena, sizeof *items * n) : NULL;
    for (uint32_t i = 0; i < n; i++) {
      ec->slots[c->slot] = coll.u.arr.items[i];
      eval(c->args[1], ec, &items[i]);
    }
    out->kind = SL_T_ARRAY;
    out->u.arr.items = items;
    out->u.arr.n = n;
    return;
  }
  sl_value_t *items = n ? sl_arena_alloc(ec->arena, sizeof *items * n * 2) : NULL;
  int s2 = c->slot + c->op;
  for (uint32_t i = 0; i < n; i++) {
    ec->slots[c->slot] = ec->slots[s2] = coll.u.arr.items[2 * i];
    ec->slots[c->slot + 1] = ec->slots[s2 + 1] = coll.u.arr.items[2 * i + 1];
    eval(c->args[1], ec, &items[2 * i]);
    eval(c->args[2], ec, &items[2 * i + 1]);
  }
  out->kind = SL_T_MAP;
  out->u.arr.items = items;
  out->u.arr.n = n;
}

static void eval_filter(const sl_cexpr_t *c, sl_eval_ctx_t *ec, sl_value_t *out) {
  sl_value_t coll;
  eval(c->args[0], ec, &coll);
  if (coll.kind == SL_T_NULL) {
    SET_NULL(out);
    return;
  }
  uint32_t n = coll.u.arr.n, w = c->num ? 2 : 1, k = 0;
  sl_value_t *items = n ? sl_arena_alloc(ec->arena, sizeof *items * n * w) : NULL;
  for (uint32_t i = 0; i < n; i++) {
    sl_value_t keep;
    for (uint32_t j = 0; j < w; j++) ec->slots[c->slot + (int)j] = coll.u.arr.items[w * i + j];
    eval(c->args[1], ec, &keep);
    if (keep.kind == SL_T_BOOLEAN && keep.u.b) {
      for (uint32_t j = 0; j < w; j++) items[w * k + j] = coll.u.arr.items[w * i + j];
      k++;
    }
  }
  *out = coll;
  out->u.arr.items = items;
  out->u.arr.n = k;
}

static void eval_reduce(const sl_cexpr_t *c, sl_eval_ctx_t *ec, sl_value_t *out) {
  sl_value_t coll, state;
  eval(c->args[0], ec, &coll);
  eval(c->args[1], ec, &state);
  if (coll.kind == SL_T_NULL) {
    *out = state;
    return;
  }
  uint32_t w = c->num ? 2 : 1;
  for (uint32_t i = 0; i < coll.u.arr.n; i++) {
    ec->slots[c->slot] = state;
    for (uint32_t j = 0; j < w; j++) ec->slots[c->slot + 1 + (int)j] = coll.u.arr.items[w * i + j];
    eval(c->args[2], ec, &state);
  }
  *out = state;
}

/* ---------------- calls ---------------- */

static void eval_call(const sl_cexpr_t *c, sl_eval_ctx_t *ec, sl_value_t *out) {
  sl_value_t local[8];
  sl_value_t *argv =
      c->nargs <= 8 ? local : sl_arena_alloc(ec->arena, sizeof *argv * (size_t)c->nargs);
  const sl_function_t *fn = c->fn;
  bool any_null = false;
  for (int i = 0; i < c->nargs; i++) {
    eval(c->args[i], ec, &argv[i]);
    if (argv[i].kind == SL_T_NULL) any_null = true;
  }
  if (any_null && fn->null_on_null) {
    SET_NULL(out);
    return;
  }
  if (fn->stateful) {
    /* Call sites of test UDFs count their invocations (single-threaded per task). */
    sl_cexpr_t *mut = (sl_cexpr_t *)c;
    SET_BIGINT(out, (int64_t)mut->calls++);
  } else {
    SET_NULL(out);
  }
  int had = ec->err.code;
  if (fn->eval(argv, c->nargs, c->type, ec->arena, out, &ec->err) != 0) {
    if (!had) {
      if (ec->err.code == 0) sl_error_set(&ec->err, SL_EEVAL, c->offset, "%s failed", fn->name);
      ec->err.offset = c->offset;
    }
    SET_NULL(out);
  }
}

/* ---------------- the evaluator ---------------- */

static void eval(const sl_cexpr_t *c, sl_eval_ctx_t *ec, sl_value_t *out) {
  sl_value_t a, b, t;
  switch ((sl_cx_kind_t)c->kind) {
    case CX_LIT: *out = c->lit; return;
    case CX_SLOT: *out = ec->slots[c->slot]; return;
    case CX_CAST: {
      eval(c->args[0], ec, &a);
      if (a.kind == SL_T_NULL) {
        *out = a;
        return;
      }
      /* Implicit widenings are the common casts: do them inline. */
      if (a.kind == SL_T_INT && c->type->kind == SL_T_BIGINT) {
        SET_BIGINT(out, a.u.i);
        return;
      }
      if (c->type->kind == SL_T_DOUBLE && (a.kind == SL_T_INT || a.kind == SL_T_BIGINT)) {
        SET_DOUBLE(out, a.kind == SL_T_INT ? (double)a.u.i : (double)a.u.l);
        return;
      }
      int had = ec->err.code;
      if (sl_value_cast(ec->arena, &a, c->type, out, &ec->err) != 0) {
        if (!had) ec->err.offset = c->offset;
        SET_NULL(out);
      }
      return;
    }
    case CX_NEG:
      eval(c->args[0], ec, &a);
      switch (a.kind) {
        case SL_T_INT: a.u.i = (int32_t)(0u - (uint32_t)a.u.i); break;
        case SL_T_BIGINT: a.u.l = (int64_t)(0ull - (uint64_t)a.u.l); break;
        case SL_T_DOUBLE: a.u.d = -a.u.d; break;
        case SL_T_DECIMAL: a.u.dec.unscaled = -a.u.dec.unscaled; break;
        default: break;
      }
      *out = a;
      return;
    case CX_NOT:
      eval(c->args[0], ec, &a);
      if (a.kind == SL_T_BOOLEAN) a.u.b = !a.u.b;
      *out = a;
      return;
    case CX_ARITH:
      eval(c->args[0], ec, &a);
      if (a.kind == SL_T_NULL) {
        *out = a;
        return;
      }
      eval(c->args[1], ec, &b);
      if (b.kind == SL_T_NULL) {
        *out = b;
        return;
      }
      switch (c->num) {
        case SL_T_INT: arith_int(c, ec, a.u.i, b.u.i, out); return;
        case SL_T_BIGINT: arith_bigint(c, ec, a.u.l, b.u.l, out); return;
        case SL_T_DOUBLE: arith_double(c, sl_num_d(&a), sl_num_d(&b), out); return;
        default: arith_decimal(c, ec, &a.u.dec, &b.u.dec, out); return;
      }
    case CX_CONCAT: {
      eval(c->args[0], ec, &a);
      if (a.kind == SL_T_NULL) {
        *out = a;
        return;
      }
      eval(c->args[1], ec, &b);
      if (b.kind == SL_T_NULL) {
        *out = b;
        return;
      }
      char *p;
      *out = sl_str_alloc(ec->arena, a.u.s.len + b.u.s.len, &p);
      memcpy(p, a.u.s.ptr, a.u.s.len);
      memcpy(p + a.u.s.len, b.u.s.ptr, b.u.s.len);
      return;
    }
    case CX_CMP:
      eval(c->args[0], ec, &a);
      eval(c->args[1], ec, &b);
      if (a.kind == SL_T_NULL || b.kind == SL_T_NULL) {
        SET_BOOL(out, false);
        return;
      }
      if (c->num) {
        bool eq = sl_value_equal(&a, &b);
        SET_BOOL(out, c->op == SL_OP_EQ ? eq : !eq);
        return;
      }
      SET_BOOL(out, cmp_eval((sl_op_t)c->op, &a, &b));
      return;
    case CX_AND:
      eval(c->args[0], ec, &a);
      if (a.kind == SL_T_BOOLEAN && !a.u.b) {
        *out = a;
        return;
      }
      eval(c->args[1], ec, &b);
      if (b.kind == SL_T_BOOLEAN && !b.u.b)
        *out = b;
      else if (a.kind == SL_T_NULL || b.kind == SL_T_NULL)
        SET_NULL(out);
      else
        SET_BOOL(out, true);
      return;
    case CX_OR:
      eval(c->args[0], ec, &a);
      if (a.kind == SL_T_BOOLEAN && a.u.b) {
        *out = a;
        return;
      }
      eval(c->args[1], ec, &b);
      if (b.kind == SL_T_BOOLEAN && b.u.b)
        *out = b;
      else if (a.kind == SL_T_NULL || b.kind == SL_T_NULL)
        SET_NULL(out);
      else
        SET_BOOL(out, false);
      return;
    case CX_ISNULL:
      eval(c->args[0], ec, &a);
      SET_BOOL(out, (a.kind == SL_T_NULL) != c->negated);
      return;
    case CX_DISTINCT: {
      eval(c->args[0], ec, &a);
      eval(c->args[1], ec, &b);
      bool distinct;
      if (a.kind == SL_T_NULL || b.kind == SL_T_NULL)
        distinct = a.kind != b.kind;
      else
        distinct = !sl_value_equal(&a, &b);
      SET_BOOL(out, distinct != c->negated);
      return;
    }
    case CX_BETWEEN:
      eval(c->args[0], ec, &a);
      eval(c->args[1], ec, &b);
      eval(c->args[2], ec, &t);
      if (a.kind == SL_T_NULL || b.kind == SL_T_NULL || t.kind == SL_T_NULL) {
        SET_BOOL(out, false);
        return;
      }
      SET_BOOL(out, (cmp_eval(SL_OP_GE, &a, &b) && cmp_eval(SL_OP_LE, &a, &t)) != c->negated);
      return;
    case CX_LIKE: {
      eval(c->args[0], ec, &a);
      eval(c->args[1], ec, &b);
      if (a.kind == SL_T_NULL || b.kind == SL_T_NULL) {
        SET_BOOL(out, false);
        return;
      }
      int esc = c->nargs > 2 ? (unsigned char)c->args[2]->lit.u.s.ptr[0] : -1;
      bool m = sl_like_match(a.u.s.ptr, a.u.s.len, b.u.s.ptr, b.u.s.len, esc);
      SET_BOOL(out, m != c->negated);
      return;
    }
    case CX_IN: {
      eval(c->args[0], ec, &a);
      if (a.kind == SL_T_NULL) {
        SET_BOOL(out, false);
        return;
      }
      bool found = false;
      for (int i = 1; i < c->nargs && !found; i++) {
        eval(c->args[i], ec, &b);
        if (b.kind != SL_T_NULL && sl_value_equal(&a, &b)) found = true;
      }
      SET_BOOL(out, found != c->negated);
      return;
    }
    case CX_CASE: {
      int nw = (c->nargs - (c->negated ? 1 : 0)) / 2;
      for (int w = 0; w < nw; w++) {
        eval(c->args[2 * w], ec, &a);
        if (a.kind == SL_T_BOOLEAN && a.u.b) {
          eval(c->args[2 * w + 1], ec, out);
          return;
        }
      }
      if (c->negated)
        eval(c->args[c->nargs - 1], ec, out);
      else
        SET_NULL(out);
      return;
    }
    case CX_SCASE: {
      int nw = (c->nargs - 1 - (c->negated ? 1 : 0)) / 2;
      eval(c->args[0], ec, &a);
      if (a.kind != SL_T_NULL) {
        for (int w = 0; w < nw; w++) {
          eval(c->args[1 + 2 * w], ec, &b);
          if (b.kind != SL_T_NULL && sl_value_compare(&a, &b) == 0) {
            eval(c->args[2 + 2 * w], ec, out);
            return;
          }
        }
      }
      if (c->negated)
        eval(c->args[c->nargs - 1], ec, out);
      else
        SET_NULL(out);
      return;
    }
    case CX_DEREF:
      eval(c->args[0], ec, &a);
      if (a.kind != SL_T_STRUCT || !a.u.st.fields) {
        SET_NULL(out);
        return;
      }
      *out = a.u.st.fields[c->slot];
      return;
    case CX_INDEX: {
      eval(c->args[0], ec, &a);
      eval(c->args[1], ec, &b);
      if (a.kind != SL_T_ARRAY || b.kind == SL_T_NULL) {
        SET_NULL(out);
        return;
      }
      int64_t i = b.kind == SL_T_INT ? b.u.i : b.u.l;
      int64_t n = a.u.arr.n;
      int64_t idx = i > 0 ? i - 1 : n + i;
      *out = (i != 0 && idx >= 0 && idx < n) ? a.u.arr.items[idx] : sl_null();
      return;
    }
    case CX_MAPGET:
      eval(c->args[0], ec, &a);
      eval(c->args[1], ec, &b);
      SET_NULL(out);
      if (a.kind != SL_T_MAP || b.kind == SL_T_NULL) return;
      for (uint32_t i = 0; i < a.u.arr.n; i++) {
        if (sl_value_equal(&a.u.arr.items[2 * i], &b)) {
          *out = a.u.arr.items[2 * i + 1];
          return;
        }
      }
      return;
    case CX_ARRAY:
    case CX_MAP: {
      sl_value_t *items =
          c->nargs ? sl_arena_alloc(ec->arena, sizeof *items * (size_t)c->nargs) : NULL;
      for (int i = 0; i < c->nargs; i++) eval(c->args[i], ec, &items[i]);
      out->kind = c->kind == CX_ARRAY ? SL_T_ARRAY : SL_T_MAP;
      out->u.arr.items = items;
      out->u.arr.n = (uint32_t)(c->kind == CX_ARRAY ? c->nargs : c->nargs / 2);
      return;
    }
    case CX_STRUCT: {
      sl_value_t *f = c->nargs ? sl_arena_alloc(ec->arena, sizeof *f * (size_t)c->nargs) : NULL;
      for (int i = 0; i < c->nargs; i++) eval(c->args[i], ec, &f[i]);
      out->kind = SL_T_STRUCT;
      out->u.st.fields = f;
      out->u.st.type = c->type;
      return;
    }
    case CX_CALL: eval_call(c, ec, out); return;
    case CX_TRANSFORM: eval_transform(c, ec, out); return;
    case CX_FILTER: eval_filter(c, ec, out); return;
    case CX_REDUCE: eval_reduce(c, ec, out); return;
  }
  SET_NULL(out);
}

void sl_cexpr_eval(const sl_cexpr_t *c, sl_eval_ctx_t *ec, sl_value_t *out) {
  eval(c, ec, out);
}
