/*
 * expr.h - compiled expressions and the function registry. The binder turns an
 * AST expression into an sl_cexpr_t tree whose every node has a resolved SQL
 * type; evaluation walks that tree over one row of slot values with SQL NULL
 * semantics. Column references are resolved through a callback so the same
 * compiler serves single sources, joins, aggregates and lambdas.
 */
#ifndef SLUICE_EXPR_H
#define SLUICE_EXPR_H

#include "sluice/ast.h"
#include "sluice/types.h"

typedef struct sl_cexpr sl_cexpr_t;

/* Resolves a column reference (SL_EX_COLUMN, or SL_EX_DEREF chains the
 * resolver may choose to claim) to a slot index in the evaluation row and its
 * type. Returns 0, or SL_ESEMANTIC/SL_ENOTFOUND with a message such as
 * "Column 'FOO' cannot be resolved." at e->offset.
 * The compiler offers every non-literal node to the resolver before compiling
 * it itself (lambda parameters excepted): return 0 to claim the node as a slot
 * (a column, a DEREF chain, an aggregate call such as SUM(X) or COUNT(*)
 * pre-computed by the engine, a GROUP BY expression), 1 to decline (the
 * compiler then handles the node), or a negative code to fail. Aggregate and
 * table function calls that the resolver declines are errors. A column
 * reference that is declined is reported as "Column 'X' cannot be resolved." */
typedef int (*sl_resolve_fn)(void *ctx, const sl_expr_t *e, int *slot, const sl_type_t **type,
                             sl_error_t *err);

typedef struct sl_compile_ctx {
  sl_arena_t *arena;     /* where compiled nodes and types live (query arena) */
  sl_resolve_fn resolve; /* column resolution */
  void *resolve_ctx;
  sl_type_lookup_fn lookup_type; /* custom types for CAST, may be NULL */
  void *lookup_ctx;
  int nslots;            /* slots used by the row; lambdas allocate above this and
                            sl_expr_compile raises it past their parameters, so size
                            the evaluation row by nslots after compiling */
  bool allow_aggregates; /* false: an aggregate call is an error */
} sl_compile_ctx_t;

/* Compiles e. Errors carry the offset of the offending sub-expression. */
int sl_expr_compile(const sl_expr_t *e, sl_compile_ctx_t *cc, sl_cexpr_t **out, sl_error_t *err);
const sl_type_t *sl_cexpr_type(const sl_cexpr_t *c);
/* True if the compiled expression is a constant (no column, no non-deterministic call). */
bool sl_cexpr_is_constant(const sl_cexpr_t *c);
/* Calls fn for every row slot c reads (lambda parameters too: they sit at or
 * above the row's width). The planner uses it to find unread columns. */
void sl_cexpr_visit_slots(const sl_cexpr_t *c, void (*fn)(void *ctx, int slot), void *ctx);
/* The slot of a bare column reference (which cannot fail), else -1. */
int sl_cexpr_slot(const sl_cexpr_t *c);

typedef struct sl_eval_ctx {
  sl_value_t *slots; /* row values indexed by slot (lambda parameters above nslots) */
  sl_arena_t *arena; /* where results live (per-batch arena) */
  sl_error_t err;    /* first evaluation error of this row (code 0 if none) */
} sl_eval_ctx_t;

/* Evaluates c. Never fails hard: a run-time error (bad cast, function error)
 * yields NULL and is recorded in ec->err for the processing log, as ksqlDB does. */
void sl_cexpr_eval(const sl_cexpr_t *c, sl_eval_ctx_t *ec, sl_value_t *out);

/* ---------------- date/time patterns ----------------
 * Java DateTimeFormatter-style patterns ('yyyy-MM-dd HH:mm:ss.SSSX'), as
 * TIMESTAMPTOSTRING / STRINGTOTIMESTAMP and the TIMESTAMP_FORMAT source
 * property use them. zone is NULL (UTC) or a zone id: UTC, GMT, Z or a fixed
 * offset such as +02:00 or GMT+2. An offset in the text wins over zone.
 * Both return SL_EEVAL with a message for bad text, patterns or zones. */
int sl_time_parse_pattern(const char *text, size_t n, const char *pattern, const char *zone,
                          int64_t *ms, sl_error_t *err);
int sl_time_format_pattern(int64_t ms, const char *pattern, const char *zone, sl_buf_t *out,
                           sl_error_t *err);

/* ---------------- function registry ---------------- */
typedef enum { SL_FN_SCALAR, SL_FN_AGGREGATE, SL_FN_TABLE } sl_fn_kind_t;

/* Decides the return type from argument types (NULL entry = NULL literal), or
 * fails with a message naming the accepted signatures. */
typedef int (*sl_fn_typer)(const sl_type_t *const *args, int nargs, sl_arena_t *a,
                           const sl_type_t **ret, sl_error_t *err);
/* Computes a scalar result. args are already evaluated (unless the function
 * is lazy). Return non-zero with a message in err to signal a run-time error. */
typedef int (*sl_fn_scalar)(const sl_value_t *args, int nargs, const sl_type_t *ret, sl_arena_t *a,
                            sl_value_t *out, sl_error_t *err);

typedef struct sl_function {
  const char *name; /* upper case */
  sl_fn_kind_t kind;
  const char *category; /* "MATHEMATICAL", "STRING", ... as SHOW FUNCTIONS prints */
  const char *description;
  const char *signatures; /* human readable, one per line, for DESCRIBE FUNCTION */
  sl_fn_typer typer;
  sl_fn_scalar eval;      /* scalar functions */
  bool null_on_null;      /* returns NULL when any argument is NULL (skips eval) */
  bool non_deterministic; /* RANDOM, UNIX_TIMESTAMP ... */
  bool stateful;          /* eval is told how often this call site ran before: on entry
                           *out holds that count as a BIGINT (test UDFs such as BAD_UDF) */
} sl_function_t;

const sl_function_t *sl_function_find(const char *name);
/* All registered functions in name order. */
int sl_function_count(void);
const sl_function_t *sl_function_at(int i);

#endif
