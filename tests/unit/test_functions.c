/*
 * test_functions.c - unit tests for the function registry and every scalar
 * function family: math (ROUND/TRUNC rounding rules, decimals, NaN and
 * infinities), strings (1-based and negative positions, bytes variants,
 * padding, masking), NULL helpers, date/time patterns and collections, each
 * with NULL and edge inputs. Expressions are parsed from text.
 */
#include <stdio.h>
#include <string.h>

#include "sluice/expr.h"
#include "sluice/parser.h"
#include "unit.h"

typedef struct {
  const char *name;
  const sl_type_t *type;
  sl_value_t val;
} fcol_t;

static sl_arena_t fa;
static fcol_t fcols[16];
static int nf;
static sl_value_t arr_items[5], map_items[4];

static void fsetup(void) {
  sl_arena_init(&fa, 1 << 16);
  nf = 0;
#define COL(N, T, V) fcols[nf++] = (fcol_t){N, T, V}
  COL("I", &sl_type_int, sl_val_int(5));
  COL("NI", &sl_type_int, sl_null());
  COL("S", &sl_type_string, sl_val_cstring("hello"));
  COL("NS", &sl_type_string, sl_null());
  COL("D", &sl_type_double, sl_val_double(2.5));
  COL("DEC", sl_type_decimal(&fa, 4, 2), sl_val_decimal(1235, 2));
  COL("BYT", &sl_type_bytes, sl_val_bytes("some_string", 11));
  COL("TS", &sl_type_timestamp, sl_val_timestamp(1577923200123LL));
  int vals[5] = {3, 1, 2, 1, 0};
  for (int i = 0; i < 4; i++) arr_items[i] = sl_val_int(vals[i]);
  arr_items[4] = sl_null();
  sl_value_t arr = sl_null();
  arr.kind = SL_T_ARRAY;
  arr.u.arr.items = arr_items;
  arr.u.arr.n = 5;
  COL("ARR", sl_type_array(&fa, &sl_type_int), arr);
  map_items[0] = sl_val_cstring("b");
  map_items[1] = sl_val_int(2);
  map_items[2] = sl_val_cstring("a");
  map_items[3] = sl_val_int(1);
  sl_value_t m = arr;
  m.kind = SL_T_MAP;
  m.u.arr.items = map_items;
  m.u.arr.n = 2;
  COL("M", sl_type_map(&fa, &sl_type_string, &sl_type_int), m);
  COL("NARR", sl_type_array(&fa, &sl_type_int), sl_null());
#undef COL
}

static int fresolve(void *ctx, const sl_expr_t *e, int *slot, const sl_type_t **type,
                    sl_error_t *err) {
  SL_UNUSED(ctx), SL_UNUSED(err);
  if (e->kind != SL_EX_COLUMN) return 1;
  for (int i = 0; i < nf; i++)
    if (strcmp(fcols[i].name, e->name->name) == 0) {
      *slot = i;
      *type = fcols[i].type;
      return 0;
    }
  return 1;
}

static char fout[1200], ftype[200];
static sl_error_t ferr;

static const char *f(const char *text) {
  sl_expr_t *e;
  sl_error_t err;
  sl_error_clear(&err);
  sl_error_clear(&ferr);
  ftype[0] = 0;
  if (sl_parse_expr(text, &fa, &e, &err)) {
    snprintf(fout, sizeof fout, "PARSE: %s", err.msg);
    return fout;
  }
  sl_compile_ctx_t cc = {.arena = &fa, .resolve = fresolve, .nslots = nf};
  sl_cexpr_t *c;
  if (sl_expr_compile(e, &cc, &c, &err)) {
    snprintf(fout, sizeof fout, "ERR: %s", err.msg);
    return fout;
  }
  sl_buf_t b;
  sl_buf_init(&b);
  sl_type_format(sl_cexpr_type(c), &b);
  snprintf(ftype, sizeof ftype, "%s", b.data);
  sl_buf_reset(&b);
  sl_value_t slots[32];
  for (int i = 0; i < nf; i++) slots[i] = fcols[i].val;
  sl_eval_ctx_t ec = {.slots = slots, .arena = &fa};
  sl_error_clear(&ec.err);
  sl_value_t v;
  sl_cexpr_eval(c, &ec, &v);
  ferr = ec.err;
  sl_value_format(&v, &b);
  snprintf(fout, sizeof fout, "%s", b.data ? b.data : "");
  sl_buf_free(&b);
  return fout;
}

static void fteardown(void) {
  sl_arena_free(&fa);
}

SL_TEST(fn_registry) {
  CHECK(sl_function_count() > 80);
  const sl_function_t *prev = NULL;
  for (int i = 0; i < sl_function_count(); i++) {
    const sl_function_t *fn = sl_function_at(i);
    CHECK(fn && fn->name && fn->category && fn->typer);
    if (prev) CHECK(strcasecmp(prev->name, fn->name) < 0);
    if (fn->kind == SL_FN_SCALAR && strcmp(fn->category, "LAMBDA") != 0) CHECK(fn->eval != NULL);
    prev = fn;
  }
  CHECK(sl_function_find("substring") == sl_function_find("SUBSTRING"));
  CHECK(sl_function_find("NOPE") == NULL);
  CHECK_INT(sl_function_find("COUNT")->kind, SL_FN_AGGREGATE);
  CHECK_INT(sl_function_find("EXPLODE")->kind, SL_FN_TABLE);
  CHECK(sl_function_find("RANDOM")->non_deterministic);
  CHECK(sl_function_at(-1) == NULL);
  /* typers of aggregates give ksqlDB's result types */
  sl_arena_t a;
  sl_arena_init(&a, 1024);
  const sl_type_t *args[1] = {&sl_type_int}, *ret;
  sl_error_t err;
  sl_error_clear(&err);
  CHECK_INT(sl_function_find("SUM")->typer(args, 1, &a, &ret, &err), 0);
  CHECK(ret == &sl_type_int);
  CHECK_INT(sl_function_find("AVG")->typer(args, 1, &a, &ret, &err), 0);
  CHECK(ret == &sl_type_double);
  CHECK_INT(sl_function_find("COUNT")->typer(args, 0, &a, &ret, &err), 0);
  CHECK(ret == &sl_type_bigint);
  CHECK_INT(sl_function_find("COLLECT_LIST")->typer(args, 1, &a, &ret, &err), 0);
  CHECK_INT(ret->kind, SL_T_ARRAY);
  sl_arena_free(&a);
}

SL_TEST(fn_math) {
  fsetup();
  CHECK_STR(f("ABS(-3)"), "3");
  CHECK_STR(ftype, "INTEGER");
  CHECK_STR(f("ABS(-3.25)"), "3.25");
  CHECK_STR(f("ABS(NI)"), "null");
  CHECK_STR(f("ABS(-2.5E0)"), "2.5");
  CHECK_STR(f("CEIL(D)"), "3.0");
  CHECK_STR(f("FLOOR(-1.1E0)"), "-2.0");
  CHECK_STR(f("FLOOR(DEC)"), "12.00");
  CHECK_STR(ftype, "DECIMAL(4, 2)");
  CHECK_STR(f("CEIL(DEC)"), "13.00");
  CHECK_STR(f("FLOOR(-1.5)"), "-2.0");
  CHECK_STR(f("CEIL(I)"), "5");
  /* ROUND: Math.round for doubles (ties up), HALF_UP/HALF_DOWN by sign with places */
  CHECK_STR(f("ROUND(D)"), "3");
  CHECK_STR(ftype, "BIGINT");
  CHECK_STR(f("ROUND(-1.5E0)"), "-1");
  CHECK_STR(f("ROUND(-1.7E0)"), "-2");
  CHECK_STR(f("ROUND(1.234567E0, 2)"), "1.23");
  CHECK_STR(ftype, "DOUBLE");
  CHECK_STR(f("ROUND(12345.678E0, -2)"), "12300.0");
  CHECK_STR(f("ROUND(-12345.678E0, 1)"), "-12345.7");
  CHECK_STR(f("ROUND(-1.5E0, 0)"), "-1.0");
  CHECK_STR(f("ROUND(I)"), "5");
  CHECK_STR(ftype, "BIGINT");
  CHECK_STR(f("ROUND(DEC)"), "12");
  CHECK_STR(ftype, "DECIMAL(2, 0)");
  CHECK_STR(f("ROUND(DEC, 1)"), "12.40");
  CHECK_STR(ftype, "DECIMAL(4, 2)");
  CHECK_STR(f("ROUND(-12.35, 1)"), "-12.30");
  CHECK_STR(f("ROUND(D, NI)"), "null");
  CHECK_STR(f("TRUNC(1.7E0)"), "1");
  CHECK_STR(f("TRUNC(-1.7E0)"), "-1");
  CHECK_STR(f("TRUNC(DEC, 1)"), "12.30");
  CHECK_STR(f("TRUNC(1.789E0, 2)"), "1.78");
  CHECK_STR(f("TRUNC(DEC)"), "12");
  CHECK_STR(f("SIGN(-2.5E0)"), "-1");
  CHECK_STR(ftype, "INTEGER");
  CHECK_STR(f("SIGN(0)"), "0");
  CHECK_STR(f("SQRT(-1)"), "NaN");
  CHECK_STR(f("SQRT(4)"), "2.0");
  CHECK_STR(f("EXP(1)"), "2.718281828459045");
  CHECK_STR(f("LN(0)"), "-Infinity");
  CHECK_STR(f("LOG(13)"), "2.5649493574615367");
  CHECK_STR(f("LOG(15, 13)"), "0.9471572411831843");
  CHECK_STR(f("POWER(15, -1)"), "0.06666666666666667");
  CHECK_STR(f("POWER(NI, 2)"), "null");
  CHECK_STR(f("CBRT(-8)"), "-2.0");
  CHECK_STR(f("COT(0)"), "Infinity");
  CHECK_STR(f("ROUND(ACOS(-1), 13)"), "3.1415926535898");
  CHECK_STR(f("ROUND(ATAN2(1, 1), 13)"), "0.7853981633974");
  CHECK_STR(f("ROUND(DEGREES(-2), 12)"), "-114.591559026165");
  CHECK_STR(f("PI()"), "3.141592653589793");
  CHECK_STR(f("RANDOM() >= 0 AND RANDOM() < 1"), "true");
  CHECK_STR(ftype, "BOOLEAN");
  CHECK_STR(f("GREATEST(1, 7, NI, 3)"), "7");
  CHECK_STR(f("LEAST(2, 1.5)"), "1.5");
  CHECK_STR(f("GREATEST('a', 'c', 'b')"), "c");
  CHECK(strstr(f("ABS('x')"), "Function 'ABS' does not accept parameters (STRING)") != NULL);
  fteardown();
}

SL_TEST(fn_string) {
  fsetup();
  CHECK_STR(f("LCASE('MiXeD')"), "mixed");
  CHECK_STR(f("UCASE(S)"), "HELLO");
  CHECK_STR(f("UCASE(NS)"), "null");
  CHECK_STR(f("TRIM(' \t with white space \t')"), "with white space");
  CHECK_STR(f("LTRIM('  x ')"), "x ");
  CHECK_STR(f("RTRIM('  x ')"), "  x");
  CHECK_STR(f("LEN(S)"), "5");
  CHECK_STR(f("LEN('héllo')"), "5");
  CHECK_STR(f("LEN(BYT)"), "11");
  CHECK_STR(f("LEN(NS)"), "null");
  /* SUBSTRING: 1-based, negative from the end, clamped */
  CHECK_STR(f("SUBSTRING('some_string', 6)"), "string");
  CHECK_STR(f("SUBSTRING('some_string', 6, 3)"), "str");
  CHECK_STR(f("SUBSTRING('short', 6)"), "");
  CHECK_STR(f("SUBSTRING('another', 6, 3)"), "er");
  CHECK_STR(f("SUBSTRING('some string', 0, 2)"), "so");
  CHECK_STR(f("SUBSTRING('hello', -3)"), "llo");
  CHECK_STR(f("SUBSTRING('hello', -3, 2)"), "ll");
  CHECK_STR(f("SUBSTRING('hello', -9, 2)"), "he");
  CHECK_STR(f("SUBSTRING('hello', 2, -1)"), "");
  CHECK_STR(f("SUBSTRING('héllo', 2, 2)"), "él");
  CHECK_STR(f("SUBSTRING(S, NI)"), "null");
  CHECK_STR(f("SUBSTRING(BYT, 6)"), "c3RyaW5n");
  CHECK_STR(ftype, "BYTES");
  CHECK_STR(f("CONCAT('a', NS, 'b')"), "ab");
  CHECK_STR(f("CONCAT(NS)"), "");
  CHECK_STR(f("CONCAT_WS('-', 'a', NS, 'b')"), "a-b");
  CHECK_STR(f("CONCAT_WS(NS, 'a')"), "null");
  CHECK_STR(f("REPLACE('abcabc', 'b', 'XY')"), "aXYcaXYc");
  CHECK_STR(f("REPLACE('ab', '', '-')"), "-a-b-");
  CHECK_STR(f("REPLACE(S, NS, 'x')"), "null");
  CHECK_STR(f("INSTR('CORPORATE FLOOR', 'OR')"), "2");
  CHECK_STR(f("INSTR('CORPORATE FLOOR', 'OR', 3)"), "5");
  CHECK_STR(f("INSTR('CORPORATE FLOOR', 'OR', 3, 2)"), "14");
  CHECK_STR(f("INSTR('CORPORATE FLOOR', 'OR', -3, 2)"), "2");
  CHECK_STR(f("INSTR('CORPORATE FLOOR', 'MISSING')"), "0");
  CHECK_STR(f("LPAD('hi', 5, 'ab')"), "abahi");
  CHECK_STR(f("RPAD('hi', 5, 'ab')"), "hiaba");
  CHECK_STR(f("LPAD('hello', 2, 'x')"), "he");
  CHECK_STR(f("LPAD('hi', -1, 'x')"), "null");
  CHECK_STR(f("RPAD('hi', 4, '')"), "null");
  CHECK_STR(f("SPLIT('a,b,,c', ',')"), "[a, b, , c]");
  CHECK_STR(ftype, "ARRAY<STRING>");
  CHECK_STR(f("SPLIT('abc', '')"), "[a, b, c]");
  CHECK_STR(f("SPLIT(NS, ',')"), "null");
  CHECK_STR(f("MASK('AbC-12')"), "XxX-nn");
  CHECK_STR(f("MASK('AbC-12', '*', NULL, '#', NULL)"), "*b*-##");
  CHECK_STR(f("MASK_LEFT('AbC-12', 2)"), "XxC-12");
  CHECK_STR(f("MASK_RIGHT('AbC-12', 2)"), "AbC-nn");
  CHECK_STR(f("MASK_KEEP_LEFT('AbC-12', 2)"), "AbX-nn");
  CHECK_STR(f("MASK_KEEP_RIGHT('AbC-12', 2)"), "XxX-12");
  CHECK_STR(f("MASK(NS)"), "null");
  CHECK_STR(f("INITCAP('the man  WHO')"), "The Man  Who");
  CHECK_STR(f("CHR(75)"), "K");
  CHECK_STR(f("CHR('\\u004b')"), "K");
  CHECK_STR(f("FROM_BYTES(TO_BYTES('4b50', 'hex'), 'utf8')"), "KP");
  CHECK_STR(f("FROM_BYTES(BYT, 'base64')"), "c29tZV9zdHJpbmc=");
  CHECK_STR(f("FROM_BYTES(TO_BYTES('c29tZV9zdHJpbmc=', 'base64'), 'ascii')"), "some_string");
  CHECK_STR(f("FROM_BYTES(BYT, 'hex')"), "736f6d655f737472696e67");
  CHECK_STR(f("TO_BYTES('zz', 'hex')"), "null");
  CHECK_INT(ferr.code, SL_EEVAL);
  CHECK_INT(strlen(f("UUID()")), 36);
  fteardown();
}

SL_TEST(fn_null) {
  fsetup();
  CHECK_STR(f("COALESCE(NI, NI, 3)"), "3");
  CHECK_STR(f("COALESCE(NI)"), "null");
  CHECK_STR(f("COALESCE(NI, 10000000000)"), "10000000000");
  CHECK_STR(ftype, "BIGINT");
  CHECK_STR(f("COALESCE(I, 10000000000)"), "5");
  CHECK_STR(ftype, "BIGINT");
  CHECK_STR(f("COALESCE(NARR, ARRAY[10, 20])"), "[10, 20]");
  CHECK(strstr(f("COALESCE(I, 'x')"), "does not accept parameters (INTEGER, STRING)") != NULL);
  CHECK_STR(f("IFNULL(NS, 'x')"), "x");
  CHECK_STR(f("IFNULL(S, 'x')"), "hello");
  CHECK_STR(f("NULLIF(I, 5)"), "null");
  CHECK_STR(f("NULLIF(I, 10)"), "5");
  CHECK_STR(f("NULLIF(NS, 'x')"), "null");
  CHECK_STR(f("NULLIF(ARR, ARR)"), "null");
  CHECK_STR(f("AS_VALUE(S)"), "hello");
  fteardown();
}

SL_TEST(fn_datetime) {
  fsetup();
  CHECK_STR(f("TIMESTAMPTOSTRING(1577923200123, 'yyyy-MM-dd HH:mm:ss.SSS')"),
            "2020-01-02 00:00:00.123");
  CHECK_STR(f("TIMESTAMPTOSTRING(1577923200123, 'yyyy-MM-dd''T''HH:mm', '+01:00')"),
            "2020-01-02T01:00");
  CHECK_STR(f("TIMESTAMPTOSTRING(0, 'EEE dd MMM yyyy hh a')"), "Thu 01 Jan 1970 12 AM");
  CHECK_STR(f("TIMESTAMPTOSTRING(NI, 'yyyy')"), "null");
  CHECK_STR(f("TIMESTAMPTOSTRING(0, 'yyyy', 'Mars/Olympus')"), "null");
  CHECK_INT(ferr.code, SL_EEVAL);
  CHECK_STR(f("STRINGTOTIMESTAMP('2020-01-02 00:00:00.123', 'yyyy-MM-dd HH:mm:ss.SSS')"),
            "1577923200123");
  CHECK_STR(ftype, "BIGINT");
  CHECK_STR(f("STRINGTOTIMESTAMP('2020-01-02 01:00', 'yyyy-MM-dd HH:mm', 'UTC+1')"),
            "1577923200000");
  CHECK_STR(f("STRINGTOTIMESTAMP('20200102', 'yyyyMMdd')"), "1577923200000");
  CHECK_STR(f("STRINGTOTIMESTAMP('garbage', 'yyyy')"), "null");
  CHECK_INT(ferr.code, SL_EEVAL);
  CHECK_STR(f("FORMAT_TIMESTAMP(TS, 'yyyy-MM-dd')"), "2020-01-02");
  CHECK_STR(f("PARSE_TIMESTAMP('2020-01-02T00:00:00Z', 'yyyy-MM-dd''T''HH:mm:ssX')"),
            "2020-01-02T00:00:00.000");
  CHECK_STR(ftype, "TIMESTAMP");
  CHECK_STR(f("PARSE_DATE('2003-12-24', 'yyyy-MM-dd')"), "2003-12-24");
  CHECK_STR(ftype, "DATE");
  CHECK_STR(f("UNIX_DATE(PARSE_DATE('2003-12-24', 'yyyy-MM-dd'))"), "12410");
  CHECK_STR(f("UNIX_DATE(PARSE_DATE('2003-12-24-01-01', 'yyyy-MM-dd'))"), "12410");
  CHECK_STR(f("PARSE_DATE('2004', 'yyyy-MM-dd')"), "null");
  CHECK_STR(f("PARSE_DATE('2021-02-30', 'yyyy-MM-dd')"), "null");
  CHECK_STR(f("FORMAT_DATE(PARSE_DATE('1/2/2021', 'd/M/yyyy'), 'dd MMMM yyyy')"),
            "01 February 2021");
  CHECK_STR(f("FORMAT_TIME(PARSE_TIME('10:11:12', 'HH:mm:ss'), 'hh:mm a')"), "10:11 AM");
  CHECK_STR(f("DATETOSTRING(18262, 'yyyy-MM-dd')"), "2020-01-01");
  CHECK_STR(f("STRINGTODATE('2020-01-01', 'yyyy-MM-dd')"), "18262");
  CHECK_STR(ftype, "INTEGER");
  CHECK_STR(f("UNIX_TIMESTAMP(TS)"), "1577923200123");
  CHECK(strlen(f("UNIX_TIMESTAMP()")) >= 13);
  CHECK_STR(f("FROM_UNIXTIME(1577923200123)"), "2020-01-02T00:00:00.123");
  CHECK_STR(f("FROM_DAYS(18262)"), "2020-01-01");
  CHECK_STR(f("CONVERT_TZ(TS, 'UTC', '+02:00')"), "2020-01-02T02:00:00.123");
  fteardown();
}

SL_TEST(fn_collections) {
  fsetup();
  CHECK_STR(f("ARRAY_LENGTH(ARR)"), "5");
  CHECK_STR(f("ARRAY_LENGTH(NARR)"), "null");
  CHECK_STR(f("ARRAY_CONTAINS(ARR, 2)"), "true");
  CHECK_STR(f("ARRAY_CONTAINS(ARR, 9)"), "false");
  CHECK_STR(f("ARRAY_CONTAINS(NARR, 9)"), "false");
  CHECK_STR(f("ARRAY_DISTINCT(ARR)"), "[3, 1, 2, null]");
  CHECK_STR(f("ARRAY_EXCEPT(ARR, ARRAY[1])"), "[3, 2, null]");
  CHECK_STR(f("ARRAY_INTERSECT(ARR, ARRAY[1, 3, 7])"), "[3, 1]");
  CHECK_STR(f("ARRAY_UNION(ARRAY[1, 2], ARRAY[2, 3])"), "[1, 2, 3]");
  CHECK_STR(f("ARRAY_CONCAT(ARRAY[1], NARR)"), "[1]");
  CHECK_STR(f("ARRAY_MAX(ARR)"), "3");
  CHECK_STR(f("ARRAY_MIN(ARR)"), "1");
  CHECK_STR(f("ARRAY_REMOVE(ARR, 1)"), "[3, 2, null]");
  CHECK_STR(f("ARRAY_SORT(ARR)"), "[1, 1, 2, 3, null]");
  CHECK_STR(f("ARRAY_SORT(ARR, 'DESC')"), "[3, 2, 1, 1, null]");
  CHECK_STR(f("ARRAY_JOIN(ARRAY[1, 2, 3])"), "1,2,3");
  CHECK_STR(f("ARRAY_JOIN(ARRAY['a', 'b'], '|')"), "a|b");
  CHECK_STR(f("AS_MAP(ARRAY['a', 'b'], ARRAY[1])"), "{a=1, b=null}");
  CHECK_STR(ftype, "MAP<STRING, INTEGER>");
  CHECK_STR(f("MAP_KEYS(M)"), "[b, a]");
  CHECK_STR(f("MAP_VALUES(M)"), "[2, 1]");
  CHECK_STR(f("MAP_UNION(M, MAP('a' := 9, 'c' := 3))"), "{b=2, a=9, c=3}");
  CHECK_STR(f("SLICE(ARR, 2, 3)"), "[1, 2]");
  CHECK_STR(f("SLICE(ARR, 0, 9)"), "[3, 1, 2, 1, null]");
  CHECK_STR(f("ENTRIES(M, true)"), "[Struct{K=a,V=1}, Struct{K=b,V=2}]");
  CHECK_STR(f("GENERATE_SERIES(1, 5, 2)"), "[1, 3, 5]");
  CHECK_STR(f("GENERATE_SERIES(3, 1)"), "[3, 2, 1]");
  CHECK_STR(f("GENERATE_SERIES(1, 2, -1)"), "null");
  CHECK_STR(ferr.msg, "GENERATE_SERIES step has wrong sign");
  CHECK_STR(f("GENERATE_SERIES(10000000000, 10000000002)"),
            "[10000000000, 10000000001, 10000000002]");
  CHECK(strstr(f("GENERATE_SERIES(1, 2, 10000000000)"), "does not accept") != NULL);
  CHECK_STR(f("GENERATE_SERIES(1, 2, 0)"), "null");
  CHECK_INT(ferr.code, SL_EEVAL);
  fteardown();
}

SL_TEST(fn_time_pattern_api) {
  int64_t ms;
  sl_error_t err;
  sl_error_clear(&err);
  const char *t = "10-04-19 12:00:17Z";
  CHECK_INT(sl_time_parse_pattern(t, strlen(t), "yy-MM-dd HH:mm:ssX", NULL, &ms, &err), 0);
  CHECK_INT(ms, 1271678417000LL);
  t = "10-04-19 14:00:17+02:00";
  CHECK_INT(sl_time_parse_pattern(t, strlen(t), "yy-MM-dd HH:mm:ssXXX", NULL, &ms, &err), 0);
  CHECK_INT(ms, 1271678417000LL);
  t = "2010-04-19 13:00:17";
  CHECK_INT(sl_time_parse_pattern(t, strlen(t), "yyyy-MM-dd HH:mm:ss", "+01:00", &ms, &err), 0);
  CHECK_INT(ms, 1271678417000LL);
  t = "!!!!!!!!!!!!!!!!!";
  CHECK_INT(sl_time_parse_pattern(t, strlen(t), "yy-MM-dd HH:mm:ssX", NULL, &ms, &err), SL_EEVAL);
  sl_buf_t b;
  sl_buf_init(&b);
  sl_error_clear(&err);
  CHECK_INT(
      sl_time_format_pattern(1271678417000LL, "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "+02:00", &b, &err),
      0);
  CHECK_STR(b.data, "2010-04-19T14:00:17.000+02:00");
  sl_buf_reset(&b);
  CHECK_INT(sl_time_format_pattern(0, "yyyy", "Nowhere/City", &b, &err), SL_EEVAL);
  sl_buf_free(&b);
}

SL_TEST(fn_datetime_zones_and_units) {
  fsetup();
  /* named regions from the tz database, with daylight saving */
  CHECK_STR(f("TIMESTAMPTOSTRING(1577923200123, 'yyyy-MM-dd HH:mm:ss z', 'America/Los_Angeles')"),
            "2020-01-01 16:00:00 PST");
  CHECK_STR(f("TIMESTAMPTOSTRING(1593648000000, 'yyyy-MM-dd HH:mm:ssXXX', 'America/Los_Angeles')"),
            "2020-07-01 17:00:00-07:00");
  CHECK_STR(f("FORMAT_TIMESTAMP(TS, 'HH:mm VV', 'Europe/London')"), "00:00 Europe/London");
  CHECK_STR(f("PARSE_TIMESTAMP('2020-07-01 17:00', 'yyyy-MM-dd HH:mm', 'America/Los_Angeles')"),
            "2020-07-02T00:00:00.000");
  /* spring-forward gap moves forward; fall-back overlap takes the earlier offset */
  CHECK_STR(f("PARSE_TIMESTAMP('2020-03-08 02:30', 'yyyy-MM-dd HH:mm', 'America/Los_Angeles')"),
            "2020-03-08T10:30:00.000");
  CHECK_STR(f("PARSE_TIMESTAMP('2020-11-01 01:30', 'yyyy-MM-dd HH:mm', 'America/Los_Angeles')"),
            "2020-11-01T08:30:00.000");
  /* far future uses the zone's POSIX rule */
  CHECK_STR(f("TIMESTAMPTOSTRING(4102444800000, 'yyyy-MM-dd HH:mm z', 'America/New_York')"),
            "2099-12-31 19:00 EST");
  CHECK_STR(f("TIMESTAMPTOSTRING(4118083200000, 'yyyy-MM-dd HH:mm z', 'America/New_York')"),
            "2100-06-30 20:00 EDT");
  CHECK_STR(f("TIMESTAMPTOSTRING(4118083200000, 'HH:mm', 'Australia/Sydney')"), "10:00");
  CHECK_STR(f("STRINGTOTIMESTAMP('2020-01-01 00:00 Europe/Paris', 'yyyy-MM-dd HH:mm VV')"),
            "1577833200000");
  CHECK_STR(f("CONVERT_TZ(TS, 'UTC', 'America/Los_Angeles')"), "2020-01-01T16:00:00.123");
  CHECK_STR(f("CONVERT_TZ(TS, 'Asia/Kolkata', '+02:00')"), "2020-01-01T20:30:00.123");
  CHECK_STR(f("CONVERT_TZ(TS, 'UTC', 'PST')"), "null");
  CHECK_INT(ferr.code, SL_EEVAL);
  CHECK_STR(f("CONVERT_TZ(TS, 'UTC', '../../etc/passwd')"), "null");
  /* time-unit functions */
  CHECK_STR(f("TIMESTAMPADD(SECONDS, 5, TS)"), "2020-01-02T00:00:05.123");
  CHECK_STR(ftype, "TIMESTAMP");
  CHECK_STR(f("TIMESTAMPSUB(DAY, 1, TS)"), "2020-01-01T00:00:00.123");
  CHECK_STR(f("TIMESTAMPADD(MILLISECONDS, NI, TS)"), "null");
  CHECK_STR(f("DATEADD(DAYS, 3, FROM_DAYS(18262))"), "2020-01-04");
  CHECK_STR(ftype, "DATE");
  CHECK_STR(f("DATEADD(HOURS, 47, FROM_DAYS(18262))"), "2020-01-02");
  CHECK_STR(f("DATESUB(DAYS, 1, FROM_DAYS(0))"), "1969-12-31");
  CHECK_STR(f("DATESUB(HOURS, 1, FROM_DAYS(0))"), "1970-01-01");
  CHECK_STR(f("TIMEADD(HOURS, 25, PARSE_TIME('10:00', 'HH:mm'))"), "11:00:00");
  CHECK_STR(ftype, "TIME");
  CHECK_STR(f("TIMESUB(MINUTES, 30, PARSE_TIME('00:10', 'HH:mm'))"), "23:40:00");
  CHECK(strstr(f("DATEADD(DAYS, 10000000000, FROM_DAYS(0))"), "does not accept") != NULL);
  CHECK(strstr(f("TIMESTAMPADD('SECONDS', 1, TS)"), "does not accept") != NULL);
  CHECK(strstr(f("TIMESTAMPADD(SECONDS, 1, FROM_DAYS(1))"), "does not accept") != NULL);
  fteardown();
}

SL_TEST(fn_json) {
  fsetup();
  const char *doc =
      "'{\"log\": {\"cloud\": \"gcp836Csd\", \"app\": \"ksProcessor\", "
      "\"instance\": 4, \"tags\": [\"a\", {\"b\": null}]}}'";
  char q[512];
  snprintf(q, sizeof q, "EXTRACTJSONFIELD(%s, '$.log.cloud')", doc);
  CHECK_STR(f(q), "gcp836Csd");
  snprintf(q, sizeof q, "EXTRACTJSONFIELD(%s, '$.log.instance')", doc);
  CHECK_STR(f(q), "4");
  snprintf(q, sizeof q, "EXTRACTJSONFIELD(%s, '$.log.tags[1]')", doc);
  CHECK_STR(f(q), "{\"b\":null}");
  snprintf(q, sizeof q, "EXTRACTJSONFIELD(%s, '$.log.tags[1].b')", doc);
  CHECK_STR(f(q), "null");
  CHECK_INT(fout[0], 'n'); /* the text "null", not SQL NULL: Jackson's NullNode */
  snprintf(q, sizeof q, "EXTRACTJSONFIELD(%s, '$[''log''][''app'']')", doc);
  CHECK_STR(f(q), "ksProcessor");
  snprintf(q, sizeof q, "EXTRACTJSONFIELD(%s, '$.log.missing')", doc);
  CHECK_STR(f(q), "null");
  CHECK_INT(ferr.code, 0);
  CHECK_STR(f("EXTRACTJSONFIELD('{\"a\": \"x\\u0041\"}', '$.a')"), "xA");
  CHECK_STR(f("EXTRACTJSONFIELD('not json', '$.a')"), "null");
  CHECK_INT(ferr.code, SL_EEVAL);
  CHECK_STR(f("EXTRACTJSONFIELD(NS, '$.a')"), "null");
  CHECK_STR(f("IS_JSON_STRING('[1, 2, 3]')"), "true");
  CHECK_STR(f("IS_JSON_STRING('\"abc\"')"), "true");
  CHECK_STR(f("IS_JSON_STRING('null')"), "true");
  CHECK_STR(f("IS_JSON_STRING('')"), "false");
  CHECK_STR(f("IS_JSON_STRING('abc')"), "false");
  CHECK_STR(f("IS_JSON_STRING('{\"a\": 01}')"), "false");
  CHECK_STR(f("IS_JSON_STRING(NS)"), "false");
  CHECK_STR(f("JSON_ARRAY_LENGTH('[1, [1, [2]], 3]')"), "3");
  CHECK_STR(f("JSON_ARRAY_LENGTH('[]')"), "0");
  CHECK_STR(f("JSON_ARRAY_LENGTH('{}')"), "null");
  CHECK_STR(f("JSON_ARRAY_LENGTH('abc')"), "null");
  CHECK_INT(ferr.code, SL_EEVAL);
  CHECK_STR(f("JSON_KEYS('{\"a\": \"abc\", \"b\": { \"c\": \"a\" }, \"d\": 1}')"), "[a, b, d]");
  CHECK_STR(f("JSON_KEYS('{}')"), "[]");
  CHECK_STR(f("JSON_KEYS('[]')"), "null");
  CHECK_STR(f("JSON_KEYS('')"), "null");
  CHECK_STR(f("JSON_RECORDS('{\"a\": \"abc\", \"b\": { \"c\": \"a\" }, \"d\": 1}')"),
            "{a=\"abc\", b={\"c\":\"a\"}, d=1}");
  CHECK_STR(ftype, "MAP<STRING, STRING>");
  CHECK_STR(f("JSON_RECORDS('123')"), "null");
  CHECK_STR(f("JSON_CONCAT('{\"a\": 1}', '{\"b\": 2}')"), "{\"a\":1,\"b\":2}");
  CHECK_STR(f("JSON_CONCAT('{\"a\": {\"5\": 6}}', '{\"a\": {\"3\": 4}}')"), "{\"a\":{\"3\":4}}");
  CHECK_STR(f("JSON_CONCAT('[1, [2]]', '[[[3]], [[[4]]]]')"), "[1,[2],[[3]],[[[4]]]]");
  CHECK_STR(f("JSON_CONCAT('null', 'null')"), "[null,null]");
  CHECK_STR(f("JSON_CONCAT('[1, 2]', '{\"a\": 1}')"), "[1,2,{\"a\":1}]");
  CHECK_STR(f("JSON_CONCAT('1', '2')"), "[1,2]");
  CHECK_STR(f("JSON_CONCAT('abc', '[1]')"), "null");
  CHECK_STR(f("JSON_CONCAT(NS, '[1]')"), "null");
  CHECK_STR(f("JSON_ARRAY_CONTAINS('[1, 2, 3]', 3)"), "true");
  CHECK_STR(f("JSON_ARRAY_CONTAINS('[1.0, 2]', 1.0E0)"), "true");
  CHECK_STR(f("JSON_ARRAY_CONTAINS('[1.0, 2]', 1)"), "false");
  CHECK_STR(f("JSON_ARRAY_CONTAINS('[\"a\", null]', 'a')"), "true");
  CHECK_STR(f("JSON_ARRAY_CONTAINS('[1, 2', 1)"), "true");
  CHECK_STR(f("JSON_ARRAY_CONTAINS('{\"a\": 1}', 1)"), "false");
  CHECK_STR(f("JSON_ARRAY_CONTAINS('[true]', false)"), "false");
  CHECK_STR(f("TO_JSON_STRING(1)"), "1");
  CHECK_STR(f("TO_JSON_STRING('abc')"), "\"abc\"");
  CHECK_STR(f("TO_JSON_STRING(NS)"), "null");
  CHECK_STR(f("TO_JSON_STRING(DEC)"), "12.35");
  CHECK_STR(f("TO_JSON_STRING(D)"), "2.5");
  CHECK_STR(f("TO_JSON_STRING(TS)"), "\"2020-01-02T00:00:00.123\"");
  CHECK_STR(f("TO_JSON_STRING(PARSE_DATE('2021-10-11', 'yyyy-MM-dd'))"), "\"2021-10-11\"");
  CHECK_STR(f("TO_JSON_STRING(BYT)"), "\"c29tZV9zdHJpbmc=\"");
  CHECK_STR(f("TO_JSON_STRING(ARR)"), "[3,1,2,1,null]");
  CHECK_STR(f("TO_JSON_STRING(M)"), "{\"b\":2,\"a\":1}");
  CHECK_STR(f("TO_JSON_STRING(STRUCT(id := 1, name := 'A\"\n'))"),
            "{\"ID\":1,\"NAME\":\"A\\\"\\n\"}");
  fteardown();
}

SL_TEST(fn_url) {
  fsetup();
  CHECK_STR(f("URL_ENCODE_PARAM('?foo $bar')"), "%3Ffoo+%24bar");
  CHECK_STR(f("URL_ENCODE_PARAM('hello&world é')"), "hello%26world+%C3%A9");
  CHECK_STR(f("URL_DECODE_PARAM('%3Ffoo+%24bar')"), "?foo $bar");
  CHECK_STR(f("URL_DECODE_PARAM('bad%zz')"), "null");
  CHECK_INT(ferr.code, SL_EEVAL);
  CHECK_STR(f("URL_EXTRACT_FRAGMENT('http://www.test.com/?query#fragment')"), "fragment");
  CHECK_STR(f("URL_EXTRACT_FRAGMENT('http://test.com#frag%20space')"), "frag space");
  CHECK_STR(f("URL_EXTRACT_FRAGMENT('http://www.nofragment.com')"), "null");
  CHECK_STR(f("URL_EXTRACT_HOST('http://test@confluent.io:8080')"), "confluent.io");
  CHECK_STR(f("URL_EXTRACT_HOST('http://www.test.com/?query#fragment')"), "www.test.com");
  CHECK_STR(f("URL_EXTRACT_PARAMETER('http://www.test.com/?one=a&two=b&three', 'two')"), "b");
  CHECK_STR(f("URL_EXTRACT_PARAMETER('http://www.test.com/?one=a&two=b&three', 'three')"), "");
  CHECK_STR(f("URL_EXTRACT_PARAMETER('http://www.test.com/?one=a', 'four')"), "null");
  CHECK_STR(f("URL_EXTRACT_PARAMETER('http://test.com?a%20b=c%20d', 'a b')"), "c d");
  CHECK_STR(f("URL_EXTRACT_PATH('http://www.test.com?query#fragment')"), "");
  CHECK_STR(f("URL_EXTRACT_PATH('http://test@confluent.io:8080/nested/path?query&jobs')"),
            "/nested/path");
  CHECK_STR(f("URL_EXTRACT_PORT('http://test@confluent.io')"), "null");
  CHECK_STR(f("URL_EXTRACT_PORT('http://localhost:8080/path')"), "8080");
  CHECK_STR(ftype, "INTEGER");
  CHECK_STR(f("URL_EXTRACT_PROTOCOL('https://test@confluent.io:8080/nested/path?query&jobs')"),
            "https");
  CHECK_STR(f("URL_EXTRACT_PROTOCOL('www.confluent.io')"), "null");
  CHECK_STR(f("URL_EXTRACT_QUERY('http://test.com?a=foo%20bar&b=baz')"), "a=foo bar&b=baz");
  CHECK_STR(f("URL_EXTRACT_QUERY('http://test@confluent.io:8080/path')"), "null");
  CHECK_STR(f("URL_EXTRACT_HOST('http://bad host.com/')"), "null");
  CHECK_INT(ferr.code, SL_EEVAL);
  CHECK_STR(f("URL_EXTRACT_HOST(NS)"), "null");
  fteardown();
}

SL_TEST(fn_regex) {
  fsetup();
  CHECK_STR(f("REGEXP_EXTRACT('(.*) (.*)', 'hello there', 2)"), "there");
  CHECK_STR(f("REGEXP_EXTRACT('.*', 'hello')"), "hello");
  CHECK_STR(f("REGEXP_EXTRACT('(([AEIOU]).)', 'ksqlDB is Awesome', 2)"), "A");
  CHECK_STR(f("REGEXP_EXTRACT('x(y)?', 'x', 1)"), "null");
  CHECK_STR(f("REGEXP_EXTRACT('(a)', 'a', 2)"), "null");
  CHECK_STR(f("REGEXP_EXTRACT('nope', 'hello')"), "null");
  CHECK_STR(f("REGEXP_EXTRACT('\\d+', 'ab123cd45')"), "123");
  CHECK_STR(f("REGEXP_EXTRACT('a+?', 'aaa')"), "a");
  CHECK_STR(f("REGEXP_EXTRACT('(?i)HELLO', 'say hello')"), "hello");
  CHECK_STR(f("REGEXP_EXTRACT('(a|ab)(c|bcd)', 'abcd')"), "abcd");
  CHECK_STR(f("REGEXP_EXTRACT('(\\w)\\1', 'abccd')"), "cc");
  CHECK_STR(f("REGEXP_EXTRACT('\\bis\\b', 'this is')"), "is");
  CHECK_STR(f("REGEXP_EXTRACT('foo(?=bar)', 'foobaz foobar')"), "foo");
  CHECK_STR(f("REGEXP_EXTRACT('(?<=\\$)\\d+', 'cost $42')"), "42");
  CHECK_STR(f("REGEXP_EXTRACT('a{2,3}', 'aaaa')"), "aaa");
  CHECK_STR(f("REGEXP_EXTRACT('a*+a', 'aaa')"), "null");
  CHECK_STR(f("REGEXP_EXTRACT('[^a-c]+', 'abcdef')"), "def");
  CHECK_STR(f("REGEXP_EXTRACT('\\p{L}+', '123héllo')"), "héllo");
  CHECK_STR(f("REGEXP_EXTRACT('h.llo', 'héllo')"), "héllo");
  CHECK_STR(f("REGEXP_EXTRACT('(', 'x')"), "null");
  CHECK_INT(ferr.code, SL_EEVAL);
  CHECK_STR(f("REGEXP_EXTRACT(NS, 'x')"), "null");
  CHECK_STR(f("REGEXP_EXTRACT_ALL('(\\w+) (\\w+)', 'hello there nice day', 2)"), "[there, day]");
  CHECK_STR(ftype, "ARRAY<STRING>");
  CHECK_STR(f("REGEXP_EXTRACT_ALL('\\d', 'a1b2c3')"), "[1, 2, 3]");
  CHECK_STR(f("REGEXP_EXTRACT_ALL('x*', 'ab')"), "[, , ]");
  CHECK_STR(f("REGEXP_EXTRACT_ALL('z', 'ab')"), "[]");
  CHECK_STR(f("REGEXP_REPLACE('foobar', 'o+', 'X')"), "fXbar");
  CHECK_STR(f("REGEXP_REPLACE('John Smith', '(\\w+) (\\w+)', '$2, $1')"), "Smith, John");
  CHECK_STR(f("REGEXP_REPLACE('abc', '', '-')"), "-a-b-c-");
  CHECK_STR(f("REGEXP_REPLACE('a.b', '\\.', '\\$')"), "a$b");
  CHECK_STR(f("REGEXP_REPLACE('ab', 'a', '$1')"), "null");
  CHECK_INT(ferr.code, SL_EEVAL);
  CHECK_STR(f("REGEXP_REPLACE(S, NS, 'x')"), "null");
  CHECK_STR(f("REGEXP_SPLIT_TO_ARRAY('a-b--c', '-')"), "[a, b, , c]");
  CHECK_STR(f("REGEXP_SPLIT_TO_ARRAY('-a-b-', '-')"), "[, a, b, ]");
  CHECK_STR(f("REGEXP_SPLIT_TO_ARRAY('abc', '')"), "[a, b, c]");
  CHECK_STR(f("REGEXP_SPLIT_TO_ARRAY('abc', 'x*')"), "[a, b, c]");
  CHECK_STR(f("REGEXP_SPLIT_TO_ARRAY('abc', 'z')"), "[abc]");
  CHECK_STR(f("REGEXP_SPLIT_TO_ARRAY('aXbXXc', 'X+')"), "[a, b, c]");
  CHECK_STR(f("REGEXP_SPLIT_TO_ARRAY('', 'a')"), "[]");
  CHECK_STR(f("REGEXP_EXTRACT('(a*)*b', 'aaab')"), "aaab");
  CHECK_STR(f("REGEXP_EXTRACT('(x+x+)+y', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')"), "null");
  CHECK_INT(ferr.code, SL_EEVAL); /* the step budget, not a hang */
  fteardown();
}

SL_TEST(fn_string_more) {
  fsetup();
  CHECK_STR(f("UCASE('straße éa')"), "STRAßE ÉA");
  CHECK_STR(f("LCASE('ÀÉÎ Ω')"), "àéî ω");
  CHECK_STR(f("INITCAP('  éLAN vital\tÜBER')"), "Élan Vital\tÜber");
  CHECK_STR(f("INITCAP('')"), "");
  CHECK_STR(f("ENCODE('4b50', 'hex', 'utf8')"), "KP");
  CHECK_STR(f("ENCODE('0x4b50', 'hex', 'ascii')"), "KP");
  CHECK_STR(f("ENCODE('X''4b50''', 'hex', 'base64')"), "S1A=");
  CHECK_STR(f("ENCODE('KP', 'utf8', 'hex')"), "4b50");
  CHECK_STR(f("ENCODE('S1A=', 'base64', 'utf8')"), "KP");
  CHECK_STR(f("ENCODE('é', 'ascii', 'hex')"), "3f");
  CHECK_STR(f("ENCODE('c3a9', 'hex', 'ascii')"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK_STR(f("ENCODE('x', 'utf8', 'utf8')"), "null");
  CHECK_INT(ferr.code, SL_EEVAL);
  CHECK_STR(f("ENCODE('4g', 'hex', 'utf8')"), "null");
  CHECK_STR(f("ENCODE(NS, 'hex', 'utf8')"), "null");
  CHECK_STR(f("ELT(2, 'a', 'b', 'c')"), "b");
  CHECK_STR(f("ELT(0, 'a')"), "null");
  CHECK_STR(f("ELT(4, 'a', 'b', 'c')"), "null");
  CHECK_STR(f("ELT(1, NS, 'b')"), "null");
  CHECK_STR(f("ELT(NI, 'a')"), "null");
  CHECK_STR(f("FIELD('b', 'a', 'b', 'c')"), "2");
  CHECK_STR(f("FIELD('z', 'a', 'b')"), "0");
  CHECK_STR(f("FIELD(NS, 'a', NS)"), "0");
  CHECK_STR(f("SPLIT_TO_MAP('apple:=green/cherry:=red', '/', ':=')"), "{apple=green, cherry=red}");
  CHECK_STR(ftype, "MAP<STRING, STRING>");
  CHECK_STR(f("SPLIT_TO_MAP('a=1//b=2/c/a=3=4', '/', '=')"), "{a=3, b=2}");
  CHECK_STR(f("SPLIT_TO_MAP('a=1', '', '=')"), "null");
  CHECK_STR(f("SPLIT_TO_MAP('a=1', '=', '=')"), "null");
  CHECK_STR(f("SPLIT_TO_MAP(NS, '/', '=')"), "null");
  CHECK_STR(f("INT_FROM_BYTES(TO_BYTES('AAAH5Q==', 'base64'))"), "2021");
  CHECK_STR(f("INT_FROM_BYTES(TO_BYTES('e5070000', 'hex'), 'LITTLE_ENDIAN')"), "2021");
  CHECK_STR(f("INT_FROM_BYTES(TO_BYTES('e507', 'hex'))"), "null");
  CHECK_INT(ferr.code, SL_EEVAL);
  CHECK_STR(f("INT_FROM_BYTES(TO_BYTES('e5070000', 'hex'), 'MIDDLE_ENDIAN')"), "null");
  CHECK_STR(f("BIGINT_FROM_BYTES(TO_BYTES('AAAAASoF8gA=', 'base64'), 'BIG_ENDIAN')"), "5000000000");
  CHECK_STR(f("DOUBLE_FROM_BYTES(TO_BYTES('QICm/ZvJ9YI=', 'base64'))"), "532.8738323");
  CHECK_STR(ftype, "DOUBLE");
  CHECK_STR(f("INT_FROM_BYTES(CAST(NULL AS BYTES))"), "null");
  CHECK_STR(f("ROUND(GEO_DISTANCE(37.4439, -122.1663, 51.5257, -0.1122), 5)"), "8634.6598");
  CHECK_STR(f("ROUND(GEO_DISTANCE(37.4439, -122.1663, 51.5257, -0.1122, 'MI'), 5)"), "5365.65973");
  CHECK_STR(f("GEO_DISTANCE(91, 0, 0, 0)"), "null");
  CHECK_INT(ferr.code, SL_EEVAL);
  CHECK_STR(f("GEO_DISTANCE(1, 0, 0, 0, 'parsecs')"), "null");
  CHECK_STR(f("GEO_DISTANCE(1, 0, 0, NI)"), "null");
  fteardown();
}

SL_TEST(fn_newer_additions) {
  fsetup();
  CHECK_STR(f("MD5('hello')"), "5d41402abc4b2a76b9719d911017c592");
  CHECK_STR(f("MD5('')"), "d41d8cd98f00b204e9800998ecf8427e");
  CHECK_STR(f("MD5(NS)"), "null");
  CHECK_STR(f("INT_FROM_BOOLEAN(true)"), "1");
  CHECK_STR(f("INT_FROM_BOOLEAN(false)"), "0");
  CHECK_STR(f("INT_FROM_BOOLEAN(CAST(NULL AS BOOLEAN))"), "null");
  CHECK_STR(f("JSON_ITEMS('[{\"a\": 1}, {\"b\": [2]}]')"), "[{\"a\":1}, {\"b\":[2]}]");
  CHECK_STR(f("JSON_ITEMS('[{\"a\": 1}, 2]')"), "null");
  CHECK_STR(f("JSON_ITEMS('{}')"), "null");
  CHECK_INT(ferr.code, SL_EEVAL);
  fteardown();
}
