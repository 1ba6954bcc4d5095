/*
 * test_expr.c - unit tests for expression compile and eval: every expression
 * kind with ordinary and NULL inputs, ksqlDB's result types, Java integer
 * semantics, decimal arithmetic, three-valued logic, lazy CASE, lambdas, and
 * the wording/offsets of compile errors. Expressions are parsed from text.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sluice/expr.h"
#include "sluice/parser.h"
#include "unit.h"

/* A fixed test row: name, type, value. */
typedef struct {
  const char *name;
  const sl_type_t *type;
  sl_value_t val;
} tcol_t;

static sl_arena_t g_arena;
static tcol_t g_cols[16];
static int g_ncols;
static sl_value_t g_arr_items[3], g_map_items[4], g_st_fields[2];

static void setup(void) {
  sl_arena_init(&g_arena, 1 << 16);
  sl_arena_t *a = &g_arena;
  g_ncols = 0;
#define COL(N, T, V) g_cols[g_ncols++] = (tcol_t){N, T, V}
  COL("I", &sl_type_int, sl_val_int(5));
  COL("L", &sl_type_bigint, sl_val_bigint(10000000000LL));
  COL("D", &sl_type_double, sl_val_double(2.5));
  COL("S", &sl_type_string, sl_val_cstring("hello"));
  COL("B", &sl_type_boolean, sl_val_bool(true));
  COL("N", &sl_type_int, sl_null());
  COL("DEC", sl_type_decimal(a, 4, 2), sl_val_decimal(1234, 2));
  for (int i = 0; i < 3; i++) g_arr_items[i] = sl_val_int(i + 1);
  sl_value_t arr = sl_null();
  arr.kind = SL_T_ARRAY;
  arr.u.arr.items = g_arr_items;
  arr.u.arr.n = 3;
  COL("ARR", sl_type_array(a, &sl_type_int), arr);
  g_map_items[0] = sl_val_cstring("a");
  g_map_items[1] = sl_val_int(1);
  g_map_items[2] = sl_val_cstring("b");
  g_map_items[3] = sl_val_int(2);
  sl_value_t m = arr;
  m.kind = SL_T_MAP;
  m.u.arr.items = g_map_items;
  m.u.arr.n = 2;
  COL("M", sl_type_map(a, &sl_type_string, &sl_type_int), m);
  sl_type_field_t f[2] = {{"A", &sl_type_int}, {"B", &sl_type_string}};
  const sl_type_t *st = sl_type_struct(a, 2, f);
  g_st_fields[0] = sl_val_int(1);
  g_st_fields[1] = sl_val_cstring("x");
  sl_value_t sv = sl_null();
  sv.kind = SL_T_STRUCT;
  sv.u.st.fields = g_st_fields;
  sv.u.st.type = st;
  COL("ST", st, sv);
  COL("TS", &sl_type_timestamp, sl_val_timestamp(1577923200123LL));
  COL("NS", &sl_type_string, sl_null());
  COL("NARR", sl_type_array(a, &sl_type_int), sl_null());
#undef COL
}

static int resolve(void *ctx, const sl_expr_t *e, int *slot, const sl_type_t **type,
                   sl_error_t *err) {
  SL_UNUSED(ctx);
  if (e->kind != SL_EX_COLUMN) return 1;
  for (int i = 0; i < g_ncols; i++) {
    if (strcmp(g_cols[i].name, e->name->name) == 0) {
      *slot = i;
      *type = g_cols[i].type;
      return 0;
    }
  }
  SL_UNUSED(err);
  return 1; /* let the compiler report it (or find a lambda parameter) */
}

static char g_out[1200];
static char g_type[200];
static sl_error_t g_err;      /* compile error */
static sl_error_t g_eval_err; /* first run-time error */

/* Compiles and evaluates text; returns the value text ("null" for NULL) or
 * "ERR: message" for a compile error. g_type gets the result type. */
static const char *run(const char *text, bool aggregates) {
  sl_expr_t *e;
  sl_error_clear(&g_err);
  sl_error_clear(&g_eval_err);
  g_type[0] = 0;
  if (sl_parse_expr(text, &g_arena, &e, &g_err) != 0) {
    snprintf(g_out, sizeof g_out, "PARSE: %s", g_err.msg);
    return g_out;
  }
  sl_compile_ctx_t cc = {
      .arena = &g_arena, .resolve = resolve, .nslots = g_ncols, .allow_aggregates = aggregates};
  sl_cexpr_t *c;
  if (sl_expr_compile(e, &cc, &c, &g_err) != 0) {
    snprintf(g_out, sizeof g_out, "ERR: %s", g_err.msg);
    return g_out;
  }
  sl_buf_t b;
  sl_buf_init(&b);
  if (sl_cexpr_type(c))
    sl_type_format(sl_cexpr_type(c), &b);
  else
    sl_buf_puts(&b, "NULL");
  snprintf(g_type, sizeof g_type, "%s", b.data);
  sl_buf_reset(&b);
  sl_value_t slots[64];
  for (int i = 0; i < g_ncols; i++) slots[i] = g_cols[i].val;
  CHECK(cc.nslots <= 64);
  sl_eval_ctx_t ec = {.slots = slots, .arena = &g_arena};
  sl_error_clear(&ec.err);
  sl_value_t v;
  sl_cexpr_eval(c, &ec, &v);
  g_eval_err = ec.err;
  sl_value_format(&v, &b);
  snprintf(g_out, sizeof g_out, "%s", b.data ? b.data : "");
  sl_buf_free(&b);
  return g_out;
}

static const char *ev(const char *text) {
  return run(text, false);
}

static void teardown(void) {
  sl_arena_free(&g_arena);
}

SL_TEST(expr_literals) {
  setup();
  CHECK_STR(ev("1"), "1");
  CHECK_STR(g_type, "INTEGER");
  CHECK_STR(ev("10000000000"), "10000000000");
  CHECK_STR(g_type, "BIGINT");
  CHECK_STR(ev("1.5"), "1.5");
  CHECK_STR(g_type, "DECIMAL(2, 1)");
  CHECK_STR(ev("0.05"), "0.05");
  CHECK_STR(g_type, "DECIMAL(2, 2)");
  CHECK_STR(ev("1.5E0"), "1.5");
  CHECK_STR(g_type, "DOUBLE");
  CHECK_STR(ev("'it''s'"), "it's");
  CHECK_STR(g_type, "STRING");
  CHECK_STR(ev("true"), "true");
  CHECK_STR(ev("-2147483648"), "-2147483648");
  CHECK_STR(g_type, "INTEGER");
  CHECK_STR(ev("NULL"), "null");
  CHECK_STR(g_type, "NULL");
  teardown();
}

SL_TEST(expr_arithmetic) {
  setup();
  CHECK_STR(ev("I + 1"), "6");
  CHECK_STR(g_type, "INTEGER");
  CHECK_STR(ev("I + L"), "10000000005");
  CHECK_STR(g_type, "BIGINT");
  CHECK_STR(ev("I * D"), "12.5");
  CHECK_STR(g_type, "DOUBLE");
  CHECK_STR(ev("2147483647 + 1"), "-2147483648");
  CHECK_STR(ev("9223372036854775807 + 1"), "-9223372036854775808");
  CHECK_STR(ev("-7 / 2"), "-3");
  CHECK_STR(ev("-7 % 3"), "-1");
  CHECK_STR(ev("-2147483648 / -1"), "-2147483648");
  CHECK_STR(ev("I / 0"), "null");
  CHECK_INT(g_eval_err.code, SL_EEVAL);
  CHECK_STR(g_eval_err.msg, "/ by zero");
  CHECK_INT(g_eval_err.offset, 0);
  CHECK_STR(ev("I % 0"), "null");
  CHECK_STR(ev("D / 0"), "Infinity");
  CHECK_STR(ev("-D / 0"), "-Infinity");
  CHECK_STR(ev("0.0E0 / 0"), "NaN");
  CHECK_STR(ev("N + 1"), "null");
  CHECK_INT(g_eval_err.code, 0);
  CHECK_STR(ev("-I"), "-5");
  CHECK_STR(ev("-N"), "null");
  CHECK_STR(ev("S + ' world'"), "hello world");
  CHECK_STR(g_type, "STRING");
  CHECK_STR(ev("S || '!'"), "hello!");
  CHECK_STR(ev("NS + 'x'"), "null");
  CHECK(
      strncmp(
          ev("I + S"),
          "ERR: Error processing expression: (I + S). Unsupported arithmetic types. INTEGER STRING",
          60) == 0);
  CHECK_INT(g_err.offset, 0);
  CHECK(strstr(ev("1 + B * 2"), "Unsupported arithmetic types") != NULL);
  CHECK_INT(g_err.offset, 4);
  teardown();
}

SL_TEST(expr_decimal_arithmetic) {
  setup();
  CHECK_STR(ev("DEC + 1"), "13.34");
  CHECK_STR(g_type, "DECIMAL(13, 2)");
  CHECK_STR(ev("DEC - DEC"), "0.00");
  CHECK_STR(g_type, "DECIMAL(5, 2)");
  CHECK_STR(ev("DEC * DEC"), "152.2756");
  CHECK_STR(g_type, "DECIMAL(9, 4)");
  CHECK_STR(ev("DEC / 3"), "4.1133333333333");
  CHECK_STR(g_type, "DECIMAL(15, 13)");
  CHECK_STR(ev("1.5 + 1.25"), "2.75");
  CHECK_STR(g_type, "DECIMAL(4, 2)");
  CHECK_STR(ev("DEC % 5"), "2.34");
  CHECK_STR(ev("2.0 / 3.0"), "0.666667");
  CHECK_STR(ev("DEC / 0"), "null");
  CHECK_INT(g_eval_err.code, SL_EEVAL);
  CHECK_STR(ev("DEC + D"), "14.84");
  CHECK_STR(g_type, "DOUBLE");
  CHECK_STR(ev("-DEC"), "-12.34");
  teardown();
}

SL_TEST(expr_comparison) {
  setup();
  CHECK_STR(ev("I > 3"), "true");
  CHECK_STR(ev("I = 5.0"), "true");
  CHECK_STR(ev("L > I"), "true");
  CHECK_STR(ev("DEC < 12.5E0"), "true");
  CHECK_STR(ev("S < 'z'"), "true");
  CHECK_STR(ev("'B2' < 'b2'"), "true");
  CHECK_STR(ev("S <> 'hello'"), "false");
  /* ksqlDB: a comparison with a NULL operand is false, not NULL. */
  CHECK_STR(ev("I = N"), "false");
  CHECK_STR(ev("N <> 1"), "false");
  CHECK_STR(ev("TS > '2020-01-01'"), "true");
  CHECK_STR(ev("TS = '2020-01-02T00:00:00.123'"), "true");
  CHECK_STR(ev("ARR = ARRAY[1, 2, 3]"), "true");
  CHECK_STR(ev("0.0E0 / 0 = 0.0E0 / 0"), "false");
  CHECK_STR(ev("NULL <> NULL"), "ERR: Comparison with NULL not supported: NULL <> NULL");
  CHECK_STR(ev("I = NULL"), "ERR: Comparison with NULL not supported: INTEGER = NULL");
  CHECK(strstr(ev("I = S"), "Cannot compare I (INTEGER) to S (STRING) with EQUAL.") != NULL);
  CHECK(strstr(ev("B > 1"), "Cannot compare") != NULL);
  teardown();
}

SL_TEST(expr_logic) {
  setup();
  CHECK_STR(ev("B AND I > 1"), "true");
  CHECK_STR(ev("CAST(NULL AS BOOLEAN) AND false"), "false");
  CHECK_STR(ev("CAST(NULL AS BOOLEAN) AND true"), "null");
  CHECK_STR(ev("CAST(NULL AS BOOLEAN) OR true"), "true");
  CHECK_STR(ev("CAST(NULL AS BOOLEAN) OR false"), "null");
  CHECK_STR(ev("NOT B"), "false");
  CHECK_STR(ev("NOT CAST(NULL AS BOOLEAN)"), "null");
  CHECK(strstr(ev("B AND I"), "Logical binary expects two boolean values") != NULL);
  CHECK_STR(ev("N IS NULL"), "true");
  CHECK_STR(ev("I IS NULL"), "false");
  CHECK_STR(ev("I IS NOT NULL"), "true");
  CHECK_STR(ev("NULL IS NULL"), "true");
  CHECK_STR(ev("N IS DISTINCT FROM NULL"), "false");
  CHECK_STR(ev("I IS DISTINCT FROM N"), "true");
  CHECK_STR(ev("I IS NOT DISTINCT FROM 5"), "true");
  CHECK_STR(ev("I IS DISTINCT FROM 5"), "false");
  teardown();
}

SL_TEST(expr_between_like_in) {
  setup();
  CHECK_STR(ev("I BETWEEN 1 AND 10"), "true");
  CHECK_STR(ev("I NOT BETWEEN 1 AND 10"), "false");
  CHECK_STR(ev("D BETWEEN 2 AND 2.5"), "true");
  CHECK_STR(ev("N BETWEEN 1 AND 10"), "false");
  CHECK_STR(ev("S BETWEEN 'a' AND 'z'"), "true");
  CHECK_STR(ev("S LIKE 'h%o'"), "true");
  CHECK_STR(ev("S LIKE 'h_llo'"), "true");
  CHECK_STR(ev("S LIKE 'h_lo'"), "false");
  CHECK_STR(ev("S LIKE '%l%'"), "true");
  CHECK_STR(ev("S NOT LIKE 'x%'"), "true");
  CHECK_STR(ev("'a%b' LIKE 'a!%b' ESCAPE '!'"), "true");
  CHECK_STR(ev("'axb' LIKE 'a!%b' ESCAPE '!'"), "false");
  CHECK_STR(ev("NS LIKE '%'"), "false");
  CHECK_STR(ev("'é' LIKE '_'"), "true");
  CHECK_STR(ev("I IN (1, 5)"), "true");
  CHECK_STR(ev("I IN (1, 2)"), "false");
  CHECK_STR(ev("I NOT IN (1, 2)"), "true");
  CHECK_STR(ev("I IN (5.0, 7)"), "true");
  CHECK_STR(ev("N IN (1, NULL)"), "false");
  CHECK_STR(ev("S IN ('x', 'hello')"), "true");
  CHECK(strstr(ev("I IN ('a')"), "ERR:") != NULL);
  teardown();
}

SL_TEST(expr_case) {
  setup();
  CHECK_STR(ev("CASE WHEN I > 3 THEN 'big' ELSE 'small' END"), "big");
  CHECK_STR(ev("CASE WHEN I > 9 THEN 'big' END"), "null");
  CHECK_STR(ev("CASE I WHEN 1 THEN 'one' WHEN 5 THEN 'five' ELSE 'other' END"), "five");
  CHECK_STR(ev("CASE N WHEN 1 THEN 'one' ELSE 'other' END"), "other");
  CHECK_STR(ev("CASE WHEN B THEN 1 ELSE 2.5 END"), "1.0");
  CHECK_STR(g_type, "DECIMAL(11, 1)");
  CHECK_STR(ev("CASE WHEN B THEN NULL ELSE 2 END"), "null");
  CHECK_STR(g_type, "INTEGER");
  CHECK_STR(ev("CASE WHEN B THEN NULL END"),
            "ERR: Invalid Case expression. All case branches have NULL type");
  CHECK(strstr(ev("CASE WHEN B THEN 1 ELSE 'x' END"), "Invalid Case expression") != NULL);
  CHECK(strstr(ev("CASE WHEN I THEN 1 END"), "WHEN operand type should be boolean") != NULL);
  /* Lazy: the branches that would fail are never evaluated. */
  CHECK_STR(ev("CASE WHEN WHENCONDITION(true, true) THEN WHENRESULT(100, true) WHEN "
               "WHENCONDITION(true, false) THEN WHENRESULT(200, false) ELSE WHENRESULT(300, "
               "false) END"),
            "100");
  CHECK_INT(g_eval_err.code, 0);
  CHECK_STR(ev("CASE WHEN WHENCONDITION(false, true) THEN WHENRESULT(100, false) ELSE "
               "WHENRESULT(300, true) END"),
            "300");
  CHECK_INT(g_eval_err.code, 0);
  teardown();
}

SL_TEST(expr_cast) {
  setup();
  CHECK_STR(ev("CAST(I AS STRING)"), "5");
  CHECK_STR(g_type, "STRING");
  CHECK_STR(ev("CAST('12' AS INT)"), "12");
  CHECK_STR(ev("CAST('x' AS INT)"), "null");
  CHECK_INT(g_eval_err.code, SL_EEVAL);
  CHECK_STR(g_eval_err.msg, "For input string: \"x\"");
  CHECK_STR(ev("CAST(D AS DECIMAL(4, 2))"), "2.50");
  CHECK_STR(ev("CAST(N AS STRING)"), "null");
  CHECK_STR(ev("CAST(TS AS STRING)"), "2020-01-02T00:00:00.123");
  CHECK_STR(ev("CAST(ARR AS ARRAY<STRING>)"), "[1, 2, 3]");
  CHECK_STR(g_type, "ARRAY<STRING>");
  CHECK_STR(ev("CAST(B AS INT)"), "ERR: Cast of BOOLEAN to INTEGER is not supported");
  CHECK_STR(ev("CAST(I AS DECIMAL(40, 1))"), "ERR: DECIMAL precision must be in range [1, 38]: 40");
  teardown();
}

SL_TEST(expr_access_and_constructors) {
  setup();
  CHECK_STR(ev("ST->A"), "1");
  CHECK_STR(g_type, "INTEGER");
  CHECK_STR(ev("ST->B"), "x");
  CHECK(strstr(ev("ST->C"), "Could not find field 'C'") != NULL);
  CHECK(strstr(ev("I->C"), "ERR:") != NULL);
  CHECK_STR(ev("ARR[1]"), "1");
  CHECK_STR(ev("ARR[-1]"), "3");
  CHECK_STR(ev("ARR[0]"), "null");
  CHECK_STR(ev("ARR[4]"), "null");
  CHECK_STR(ev("ARR[-4]"), "null");
  CHECK_STR(ev("NARR[1]"), "null");
  CHECK_STR(ev("ARR[N]"), "null");
  CHECK_STR(ev("M['b']"), "2");
  CHECK_STR(ev("M['z']"), "null");
  CHECK(strstr(ev("S[1]"), "ERR:") != NULL);
  CHECK_STR(ev("ARRAY[1, 2, 3]"), "[1, 2, 3]");
  CHECK_STR(g_type, "ARRAY<INTEGER>");
  CHECK_STR(ev("ARRAY[1, NULL, L]"), "[1, null, 10000000000]");
  CHECK_STR(g_type, "ARRAY<BIGINT>");
  CHECK(strstr(ev("ARRAY[NULL]"), "Cannot construct an array with all NULL elements") != NULL);
  CHECK_STR(ev("MAP('k' := I, 'j' := 2)"), "{k=5, j=2}");
  CHECK_STR(g_type, "MAP<STRING, INTEGER>");
  CHECK_STR(ev("STRUCT(X := I, Y := 'a')"), "Struct{X=5,Y=a}");
  CHECK_STR(g_type, "STRUCT<`X` INTEGER, `Y` STRING>");
  CHECK_STR(ev("STRUCT(X := I, Y := 'a')->Y"), "a");
  teardown();
}

SL_TEST(expr_calls_and_errors) {
  setup();
  CHECK_STR(ev("SUBSTRING(S, 2, 3)"), "ell");
  CHECK_STR(ev("ucase(S)"), "HELLO");
  CHECK_STR(ev("WONT_FIND_ME(1)"), "ERR: Can't find any functions with the name 'WONT_FIND_ME'");
  CHECK(strstr(ev("COALESCE()"), "ERR: Function 'COALESCE' does not accept parameters ()") ==
        g_out);
  CHECK(strstr(ev("SUBSTRING(S, 'x')"),
               "Function 'SUBSTRING' does not accept parameters (STRING, STRING).") != NULL);
  CHECK(strstr(ev("SUBSTRING(S, 'x')"), "Valid alternatives are:") != NULL);
  CHECK(strstr(ev("SUM(I)"), "ERR:") != NULL);
  CHECK(strstr(run("SUM(I)", true), "ERR:") != NULL); /* the resolver declined it */
  CHECK(strstr(ev("EXPLODE(ARR)"), "ERR:") != NULL);
  CHECK_STR(ev("UNKNOWN_COL + 1"), "ERR: Column 'UNKNOWN_COL' cannot be resolved.");
  CHECK_STR(ev("BAD_UDF(I)"), "null");
  CHECK_INT(g_eval_err.code, SL_EEVAL);
  CHECK_STR(g_eval_err.msg, "boom!");
  teardown();
}

SL_TEST(expr_lambdas) {
  setup();
  CHECK_STR(ev("TRANSFORM(ARR, x => x * 2)"), "[2, 4, 6]");
  CHECK_STR(g_type, "ARRAY<INTEGER>");
  CHECK_STR(ev("TRANSFORM(ARR, x => CAST(x AS STRING) + S)"), "[1hello, 2hello, 3hello]");
  CHECK_STR(ev("FILTER(ARR, x => x > 1)"), "[2, 3]");
  CHECK_STR(ev("REDUCE(ARR, 0, (s, x) => s + x)"), "6");
  CHECK_STR(ev("REDUCE(ARR, 0.5E0, (s, x) => s + x)"), "6.5");
  CHECK_STR(ev("REDUCE(ARR, 0, (s, x) => s + x * L)"), "60000000000");
  CHECK_STR(g_type, "BIGINT");
  CHECK_STR(ev("TRANSFORM(M, (k, v) => UCASE(k), (k, v) => v + 1)"), "{A=2, B=3}");
  CHECK_STR(ev("FILTER(M, (k, v) => v > 1)"), "{b=2}");
  CHECK_STR(ev("REDUCE(M, '', (s, k, v) => s + k)"), "ab");
  CHECK_STR(ev("TRANSFORM(NARR, x => x + 1)"), "null");
  CHECK_STR(ev("TRANSFORM(ARR, x => TRANSFORM(ARR, y => x * y))"),
            "[[1, 2, 3], [2, 4, 6], [3, 6, 9]]");
  CHECK(strstr(ev("FILTER(ARR, x => x + 1)"), "ERR:") != NULL);
  teardown();
}

/* A resolver that claims whole expressions, as the engine does for GROUP BY
 * keys and aggregate calls. */
static int resolve_claims(void *ctx, const sl_expr_t *e, int *slot, const sl_type_t **type,
                          sl_error_t *err) {
  SL_UNUSED(ctx), SL_UNUSED(err);
  if (e->kind == SL_EX_CALL && strcmp(e->name->name, "SUM") == 0) {
    *slot = 0;
    *type = &sl_type_bigint;
    return 0;
  }
  return resolve(ctx, e, slot, type, err);
}

SL_TEST(expr_resolver_claims_aggregates) {
  setup();
  sl_expr_t *e;
  sl_error_t err;
  sl_error_clear(&err);
  CHECK_INT(sl_parse_expr("SUM(I) * 2", &g_arena, &e, &err), 0);
  sl_compile_ctx_t cc = {
      .arena = &g_arena, .resolve = resolve_claims, .nslots = g_ncols, .allow_aggregates = true};
  sl_cexpr_t *c;
  CHECK_INT(sl_expr_compile(e, &cc, &c, &err), 0);
  CHECK(!sl_cexpr_is_constant(c));
  sl_value_t slots[16] = {sl_val_bigint(21)};
  sl_eval_ctx_t ec = {.slots = slots, .arena = &g_arena};
  sl_error_clear(&ec.err);
  sl_value_t v;
  sl_cexpr_eval(c, &ec, &v);
  CHECK_INT(v.kind, SL_T_BIGINT);
  CHECK_INT(v.u.l, 42);
  /* constants */
  CHECK_INT(sl_parse_expr("1 + 2 * 3", &g_arena, &e, &err), 0);
  CHECK_INT(sl_expr_compile(e, &cc, &c, &err), 0);
  CHECK(sl_cexpr_is_constant(c));
  CHECK_INT(sl_parse_expr("RANDOM() + 1", &g_arena, &e, &err), 0);
  CHECK_INT(sl_expr_compile(e, &cc, &c, &err), 0);
  CHECK(!sl_cexpr_is_constant(c));
  teardown();
}
