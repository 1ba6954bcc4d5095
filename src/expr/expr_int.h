/*
 * expr_int.h - private to src/expr: the compiled expression node, and the
 * small helpers the function files share (numeric access, argument checks for
 * typers, arena strings). Nothing outside src/expr includes this.
 */
#ifndef SLUICE_EXPR_INT_H
#define SLUICE_EXPR_INT_H

#include <string.h>

#include "sluice/expr.h"

/* Node kinds of the compiled tree; one case each in the evaluator's switch. */
typedef enum {
  CX_LIT,    /* lit */
  CX_SLOT,   /* ec->slots[slot] */
  CX_CAST,   /* args[0] cast to type */
  CX_NEG,    /* -args[0] */
  CX_NOT,    /* NOT args[0] */
  CX_ARITH,  /* args[0] op args[1]; num = operand kind (both already that kind) */
  CX_CONCAT, /* string + string / || */
  CX_CMP,    /* args[0] op args[1]; false if either is NULL (as ksqlDB) */
  CX_AND,
  CX_OR,
  CX_ISNULL,    /* args[0] IS [NOT] NULL */
  CX_DISTINCT,  /* args[0] IS [NOT] DISTINCT FROM args[1] */
  CX_BETWEEN,   /* args[0] [NOT] BETWEEN args[1] AND args[2] */
  CX_LIKE,      /* args[0] [NOT] LIKE args[1] [ESCAPE args[2]] */
  CX_IN,        /* args[0] [NOT] IN (args[1..]) */
  CX_CASE,      /* searched: args = when0, then0, when1, then1, ..., [else] (has_else) */
  CX_SCASE,     /* simple: args = operand, when0, then0, ..., [else] */
  CX_DEREF,     /* args[0]->field number slot */
  CX_INDEX,     /* array args[0][args[1]] */
  CX_MAPGET,    /* map args[0][args[1]] */
  CX_ARRAY,     /* ARRAY[args] */
  CX_MAP,       /* MAP(args[0] := args[1], ...) */
  CX_STRUCT,    /* STRUCT(...) with type's field names */
  CX_CALL,      /* fn(args) */
  CX_TRANSFORM, /* TRANSFORM(args[0], lambda args[1] [, lambda args[2] for maps]) */
  CX_FILTER,    /* FILTER(args[0], lambda args[1]) */
  CX_REDUCE     /* REDUCE(args[0], args[1] initial state, lambda args[2]) */
} sl_cx_kind_t;

struct sl_cexpr {
  uint8_t kind;  /* sl_cx_kind_t */
  uint8_t op;    /* sl_op_t of ARITH / CMP */
  uint8_t num;   /* ARITH operand kind; CMP: 1 if complex (equality only) */
  bool negated;  /* NOT variants; CASE: has ELSE */
  bool constant; /* no column and no non-deterministic call below */
  int offset;    /* byte offset of the source expression */
  int slot;      /* SLOT index; DEREF field index; lambda first parameter slot */
  int nargs;
  const sl_type_t *type; /* result type (NULL only for an untyped NULL literal) */
  sl_cexpr_t **args;
  const sl_function_t *fn; /* CALL */
  sl_value_t lit;          /* LIT */
  uint64_t calls;          /* invocation count of a stateful CALL site */
};

/* ---- typer helpers ---- */

/* The type of a bare time-unit argument (DAYS, SECONDS ...): a STRING whose
 * value is the unit's name, told apart from ordinary strings by address. */
extern const sl_type_t sl_type_time_unit;

/* Marks the arguments as not accepted; the compiler writes ksqlDB's message
 * "Function 'X' does not accept parameters (...)" with the signatures. */
static inline int sl_fn_reject(sl_error_t *err) {
  if (err->code == 0) {
    err->code = SL_ESEMANTIC;
    err->msg[0] = 0;
  }
  return SL_ESEMANTIC;
}

static inline sl_type_kind_t sl_ty_kind(const sl_type_t *t) {
  return t ? t->kind : SL_T_NULL;
}
/* A NULL literal argument (t == NULL) fits every parameter. */
static inline bool sl_ty_is(const sl_type_t *t, sl_type_kind_t k) {
  return !t || t->kind == k;
}
static inline bool sl_ty_integral(const sl_type_t *t) {
  return !t || t->kind == SL_T_INT || t->kind == SL_T_BIGINT;
}
static inline bool sl_ty_numeric(const sl_type_t *t) {
  return !t || sl_type_is_numeric(t);
}
static inline bool sl_ty_stringy(const sl_type_t *t) {
  return !t || t->kind == SL_T_STRING || t->kind == SL_T_BYTES;
}

/* The narrowest type both a and b widen to (NULL if both NULL); sets *ok to
 * false when they have no common type. */
const sl_type_t *sl_expr_common_type(sl_arena_t *a, const sl_type_t *x, const sl_type_t *y,
                                     bool *ok);

/* ---- value helpers ---- */

static inline double sl_num_d(const sl_value_t *v) {
  switch (v->kind) {
    case SL_T_INT: return v->u.i;
    case SL_T_BIGINT: return (double)v->u.l;
    case SL_T_DECIMAL: return sl_decimal_to_double(&v->u.dec);
    default: return v->u.d;
  }
}

static inline int64_t sl_num_l(const sl_value_t *v) {
  switch (v->kind) {
    case SL_T_INT: return v->u.i;
    case SL_T_DOUBLE: return (int64_t)v->u.d;
    case SL_T_DECIMAL: {
      __int128 u = v->u.dec.unscaled;
      if (v->u.dec.scale > 0) u /= sl_decimal_pow10(v->u.dec.scale);
      return (int64_t)u;
    }
    default: return v->u.l;
  }
}

/* A writable string of n bytes (plus a NUL) in the arena. */
static inline sl_value_t sl_str_alloc(sl_arena_t *a, uint32_t n, char **buf) {
  *buf = sl_arena_alloc(a, (size_t)n + 1);
  return sl_val_string(*buf, n);
}

static inline sl_value_t sl_str_dup(sl_arena_t *a, const char *p, size_t n) {
  char *b;
  sl_value_t v = sl_str_alloc(a, (uint32_t)n, &b);
  if (n) memcpy(b, p, n);
  return v;
}

/* A C.UTF-8 ctype locale for the *_l wide-character functions (case
 * mapping, classes) that does not depend on the process locale. */
#include <locale.h>
locale_t sl_expr_utf8_locale(void);

/* Uniform [0, 1) and 32 random bits from a per-thread generator (RANDOM, UUID). */
double sl_expr_random(void);
uint32_t sl_expr_random32(void);

/* ---- registry tables, one per category file ---- */
extern const sl_function_t sl_fn_math_table[];
extern const int sl_fn_math_count;
extern const sl_function_t sl_fn_string_table[];
extern const int sl_fn_string_count;
extern const sl_function_t sl_fn_null_table[];
extern const int sl_fn_null_count;
extern const sl_function_t sl_fn_datetime_table[];
extern const int sl_fn_datetime_count;
extern const sl_function_t sl_fn_collections_table[];
extern const int sl_fn_collections_count;
extern const sl_function_t sl_fn_aggregate_table[];
extern const int sl_fn_aggregate_count;
extern const sl_function_t sl_fn_json_table[];
extern const int sl_fn_json_count;
extern const sl_function_t sl_fn_url_table[];
extern const int sl_fn_url_count;
extern const sl_function_t sl_fn_regex_table[];
extern const int sl_fn_regex_count;
extern const sl_function_t sl_fn_conversions_table[];
extern const int sl_fn_conversions_count;
extern const sl_function_t sl_fn_test_table[];
extern const int sl_fn_test_count;

#endif
