/*
 * test_types.c - unit tests for SQL types and values: type text and equality,
 * decimals (parse, format, HALF_UP rescale), date/time text, Java double text,
 * comparison/equality/hash across numeric kinds, and CAST rules.
 */
#include <math.h>
#include <stdlib.h>

#include "sluice/types.h"
#include "unit.h"

static char tbuf[512];

static const char *type_str(const sl_type_t *t) {
  sl_buf_t b;
  sl_buf_init(&b);
  sl_type_format(t, &b);
  snprintf(tbuf, sizeof tbuf, "%s", b.data ? b.data : "");
  sl_buf_free(&b);
  return tbuf;
}

static const char *val_str(sl_value_t v) {
  sl_buf_t b;
  sl_buf_init(&b);
  sl_value_format(&v, &b);
  snprintf(tbuf, sizeof tbuf, "%s", b.data ? b.data : "");
  sl_buf_free(&b);
  return tbuf;
}

static const char *dbl_str(double d) {
  sl_buf_t b;
  sl_buf_init(&b);
  sl_format_double(d, &b);
  snprintf(tbuf, sizeof tbuf, "%s", b.data);
  sl_buf_free(&b);
  return tbuf;
}

SL_TEST(types_format_and_equal) {
  sl_arena_t a;
  sl_arena_init(&a, 4096);
  CHECK_STR(type_str(&sl_type_int), "INTEGER");
  CHECK_STR(type_str(sl_type_decimal(&a, 4, 2)), "DECIMAL(4, 2)");
  CHECK_STR(type_str(sl_type_array(&a, &sl_type_string)), "ARRAY<STRING>");
  CHECK_STR(type_str(sl_type_map(&a, &sl_type_string, &sl_type_int)), "MAP<STRING, INTEGER>");
  sl_type_field_t f[2] = {{"A", &sl_type_int}, {"B", &sl_type_string}};
  const sl_type_t *st = sl_type_struct(&a, 2, f);
  CHECK_STR(type_str(st), "STRUCT<`A` INTEGER, `B` STRING>");
  const sl_type_t *st2 = sl_type_copy(&a, st);
  CHECK(st2 != st);
  CHECK(sl_type_equal(st, st2));
  CHECK(!sl_type_equal(sl_type_decimal(&a, 4, 2), sl_type_decimal(&a, 4, 1)));
  CHECK(sl_type_primitive(SL_T_BIGINT) == &sl_type_bigint);
  CHECK(sl_type_primitive(SL_T_ARRAY) == NULL);
  CHECK(sl_type_can_widen(&sl_type_int, &sl_type_bigint));
  CHECK(sl_type_can_widen(&sl_type_bigint, &sl_type_double));
  CHECK(!sl_type_can_widen(&sl_type_double, &sl_type_bigint));
  CHECK(sl_type_can_widen(&sl_type_int, sl_type_decimal(&a, 10, 0)));
  CHECK(!sl_type_can_widen(&sl_type_int, sl_type_decimal(&a, 9, 0)));
  CHECK(sl_type_can_widen(sl_type_decimal(&a, 4, 2), sl_type_decimal(&a, 5, 3)));
  CHECK(!sl_type_can_widen(sl_type_decimal(&a, 4, 2), sl_type_decimal(&a, 4, 3)));
  CHECK(!sl_type_can_widen(&sl_type_string, &sl_type_int));
  sl_arena_free(&a);
}

SL_TEST(types_from_ast) {
  sl_arena_t a;
  sl_arena_init(&a, 4096);
  sl_error_t err;
  sl_error_clear(&err);
  sl_type_ast_t dec = {.kind = SL_TA_DECIMAL, .precision = 5, .scale = 2, .offset = 3};
  const sl_type_t *t;
  CHECK_INT(sl_type_from_ast(&dec, &a, NULL, NULL, &t, &err), 0);
  CHECK_STR(type_str(t), "DECIMAL(5, 2)");
  dec.precision = 39;
  CHECK_INT(sl_type_from_ast(&dec, &a, NULL, NULL, &t, &err), SL_ESEMANTIC);
  CHECK_INT(err.offset, 3);
  sl_error_clear(&err);
  dec.precision = 2;
  dec.scale = 3;
  CHECK_INT(sl_type_from_ast(&dec, &a, NULL, NULL, &t, &err), SL_ESEMANTIC);
  sl_error_clear(&err);
  sl_type_ast_t s = {.kind = SL_TA_STRING};
  sl_type_ast_t i = {.kind = SL_TA_INT};
  sl_type_ast_t m = {.kind = SL_TA_MAP, .key = &s, .elem = &i};
  sl_type_ast_t arr = {.kind = SL_TA_ARRAY, .elem = &m};
  CHECK_INT(sl_type_from_ast(&arr, &a, NULL, NULL, &t, &err), 0);
  CHECK_STR(type_str(t), "ARRAY<MAP<STRING, INTEGER>>");
  sl_type_ast_t named = {.kind = SL_TA_NAMED, .name = "ADDRESS", .offset = 7};
  CHECK_INT(sl_type_from_ast(&named, &a, NULL, NULL, &t, &err), SL_ESEMANTIC);
  CHECK_INT(err.offset, 7);
  sl_arena_free(&a);
}

static const char *dec_str(sl_decimal_t d) {
  sl_buf_t b;
  sl_buf_init(&b);
  sl_decimal_format(&d, &b);
  snprintf(tbuf, sizeof tbuf, "%s", b.data);
  sl_buf_free(&b);
  return tbuf;
}

SL_TEST(types_decimal) {
  sl_decimal_t d, r;
  CHECK_INT(sl_decimal_parse("12.340", 6, &d), 0);
  CHECK_INT(d.scale, 3);
  CHECK_INT((long long)d.unscaled, 12340);
  CHECK_STR(dec_str(d), "12.340");
  CHECK_INT(sl_decimal_parse("-0.05", 5, &d), 0);
  CHECK_STR(dec_str(d), "-0.05");
  CHECK_INT(sl_decimal_parse("1E+3", 4, &d), 0);
  CHECK_STR(dec_str(d), "1000");
  CHECK(sl_decimal_parse("abc", 3, &d) != 0);
  CHECK(sl_decimal_parse("", 0, &d) != 0);
  CHECK_INT(sl_decimal_parse("12345678987654321.2345678987654321", 34, &d), 0);
  CHECK_STR(dec_str(d), "12345678987654321.2345678987654321");
  /* HALF_UP */
  sl_decimal_parse("2.345", 5, &d);
  CHECK_INT(sl_decimal_rescale(&d, 10, 2, &r), 0);
  CHECK_STR(dec_str(r), "2.35");
  sl_decimal_parse("-2.345", 6, &d);
  CHECK_INT(sl_decimal_rescale(&d, 10, 2, &r), 0);
  CHECK_STR(dec_str(r), "-2.35");
  sl_decimal_parse("2.344", 5, &d);
  sl_decimal_rescale(&d, 10, 2, &r);
  CHECK_STR(dec_str(r), "2.34");
  CHECK_INT(sl_decimal_rescale(&d, 10, 5, &r), 0);
  CHECK_STR(dec_str(r), "2.34400");
  CHECK_INT(sl_decimal_rescale(&d, 3, 3, &r), SL_EEVAL);
  CHECK(fabs(sl_decimal_to_double(&d) - 2.344) < 1e-12);
  CHECK_INT(sl_decimal_digits(0), 1);
  CHECK_INT(sl_decimal_digits(-12345), 5);
}

SL_TEST(types_double_text) {
  CHECK_STR(dbl_str(1.0), "1.0");
  CHECK_STR(dbl_str(0.1), "0.1");
  CHECK_STR(dbl_str(-3.25), "-3.25");
  CHECK_STR(dbl_str(1e7), "1.0E7");
  CHECK_STR(dbl_str(9999999.0), "9999999.0");
  CHECK_STR(dbl_str(0.001), "0.001");
  CHECK_STR(dbl_str(0.0001), "1.0E-4");
  CHECK_STR(dbl_str(123456789.123), "1.23456789123E8");
  CHECK_STR(dbl_str(0.36787944117144233), "0.36787944117144233");
  CHECK_STR(dbl_str(NAN), "NaN");
  CHECK_STR(dbl_str(-INFINITY), "-Infinity");
  CHECK_STR(dbl_str(-0.0), "-0.0");
  CHECK_STR(dbl_str(100.0), "100.0");
}

SL_TEST(types_datetime_text) {
  sl_buf_t b;
  sl_buf_init(&b);
  sl_format_timestamp(0, &b);
  CHECK_STR(b.data, "1970-01-01T00:00:00.000");
  sl_buf_reset(&b);
  sl_format_timestamp(1577923200123LL, &b);
  CHECK_STR(b.data, "2020-01-02T00:00:00.123");
  sl_buf_reset(&b);
  sl_format_timestamp(-1, &b);
  CHECK_STR(b.data, "1969-12-31T23:59:59.999");
  sl_buf_reset(&b);
  sl_format_date(18262, &b);
  CHECK_STR(b.data, "2020-01-01");
  sl_buf_reset(&b);
  sl_format_time(36672000, &b);
  CHECK_STR(b.data, "10:11:12");
  sl_buf_reset(&b);
  sl_format_time(36672500, &b);
  CHECK_STR(b.data, "10:11:12.5");
  sl_buf_free(&b);

  int64_t ms;
  int32_t d, t;
  CHECK_INT(sl_parse_timestamp("2020-01-02T00:00:00.123", 23, &ms), 0);
  CHECK_INT(ms, 1577923200123LL);
  CHECK_INT(sl_parse_timestamp("2020-01-02", 10, &ms), 0);
  CHECK_INT(ms, 1577923200000LL);
  CHECK_INT(sl_parse_timestamp("2020-01-02T01:00+01:00", 22, &ms), 0);
  CHECK_INT(ms, 1577923200000LL);
  CHECK_INT(sl_parse_timestamp("2020-01-02T00:00:00Z", 20, &ms), 0);
  CHECK_INT(ms, 1577923200000LL);
  CHECK(sl_parse_timestamp("2020-13-02", 10, &ms) != 0);
  CHECK(sl_parse_timestamp("2021-02-29", 10, &ms) != 0);
  CHECK(sl_parse_timestamp("nope", 4, &ms) != 0);
  CHECK_INT(sl_parse_date("2020-01-01", 10, &d), 0);
  CHECK_INT(d, 18262);
  CHECK_INT(sl_parse_date("1969-12-31", 10, &d), 0);
  CHECK_INT(d, -1);
  CHECK_INT(sl_parse_time("10:11:12", 8, &t), 0);
  CHECK_INT(t, 36672000);
  CHECK_INT(sl_parse_time("10:11", 5, &t), 0);
  CHECK_INT(t, 36660000);
  CHECK(sl_parse_time("25:00", 5, &t) != 0);
}

SL_TEST(types_value_compare_hash) {
  sl_value_t i1 = sl_val_int(1), l1 = sl_val_bigint(1), d1 = sl_val_double(1.0);
  sl_value_t dec1 = sl_val_decimal(100, 2), dec2 = sl_val_decimal(15, 1);
  CHECK_INT(sl_value_compare(&i1, &l1), 0);
  CHECK_INT(sl_value_compare(&i1, &d1), 0);
  CHECK_INT(sl_value_compare(&dec1, &i1), 0);
  CHECK_INT(sl_value_compare(&dec1, &dec2), -1);
  CHECK_INT(sl_value_compare(&dec2, &d1), 1);
  CHECK(sl_value_equal(&i1, &l1));
  CHECK(sl_value_equal(&dec1, &l1));
  CHECK(sl_value_hash(&i1, 1) == sl_value_hash(&l1, 1));
  CHECK(sl_value_hash(&i1, 1) == sl_value_hash(&d1, 1));
  CHECK(sl_value_hash(&dec1, 1) == sl_value_hash(&l1, 1));
  sl_value_t n1 = sl_null(), n2 = sl_null();
  CHECK(sl_value_equal(&n1, &n2));
  CHECK(!sl_value_equal(&n1, &i1));
  sl_value_t a = sl_val_cstring("abc"), b = sl_val_cstring("abd"), c = sl_val_cstring("ab");
  CHECK_INT(sl_value_compare(&a, &b), -1);
  CHECK_INT(sl_value_compare(&a, &c), 1);
  CHECK(!sl_value_equal(&a, &b));
  sl_value_t nan1 = sl_val_double(NAN), nan2 = sl_val_double(NAN);
  CHECK(sl_value_equal(&nan1, &nan2));
  sl_value_t items[2] = {sl_val_int(1), sl_val_int(2)};
  sl_value_t arr = {.kind = SL_T_ARRAY};
  arr.u.arr.items = items;
  arr.u.arr.n = 2;
  sl_arena_t ar;
  sl_arena_init(&ar, 1024);
  sl_value_t arr2 = sl_value_copy(&ar, &arr);
  CHECK(arr2.u.arr.items != items);
  CHECK(sl_value_equal(&arr, &arr2));
  CHECK(sl_value_hash(&arr, 9) == sl_value_hash(&arr2, 9));
  CHECK_STR(val_str(arr), "[1, 2]");
  sl_arena_free(&ar);
  CHECK_STR(val_str(sl_val_decimal(-5, 3)), "-0.005");
  CHECK_STR(val_str(sl_val_bool(true)), "true");
  CHECK_STR(val_str(sl_val_bytes("hi", 2)), "aGk=");
  CHECK_STR(val_str(sl_null()), "null");
}

static int cast_to(sl_arena_t *a, sl_value_t v, const sl_type_t *t, sl_value_t *out) {
  sl_error_t err;
  sl_error_clear(&err);
  return sl_value_cast(a, &v, t, out, &err);
}

SL_TEST(types_cast) {
  sl_arena_t a;
  sl_arena_init(&a, 4096);
  sl_value_t r;
  CHECK_INT(cast_to(&a, sl_val_cstring(" 42 "), &sl_type_int, &r), 0);
  CHECK_INT(r.kind, SL_T_INT);
  CHECK_INT(r.u.i, 42);
  CHECK_INT(cast_to(&a, sl_val_cstring("4x"), &sl_type_int, &r), SL_EEVAL);
  CHECK(sl_is_null(&r));
  CHECK_INT(cast_to(&a, sl_val_cstring("3000000000"), &sl_type_int, &r), SL_EEVAL);
  CHECK_INT(cast_to(&a, sl_val_cstring("3000000000"), &sl_type_bigint, &r), 0);
  CHECK_INT(r.u.l, 3000000000LL);
  CHECK_INT(cast_to(&a, sl_val_bigint(3000000000LL), &sl_type_int, &r), 0);
  CHECK_INT(r.u.i, (int32_t)(uint32_t)3000000000ULL);
  CHECK_INT(cast_to(&a, sl_val_double(-2.7), &sl_type_int, &r), 0);
  CHECK_INT(r.u.i, -2);
  CHECK_INT(cast_to(&a, sl_val_double(1e20), &sl_type_bigint, &r), 0);
  CHECK_INT(r.u.l, INT64_MAX);
  CHECK_INT(cast_to(&a, sl_val_double(1.5), &sl_type_string, &r), 0);
  CHECK_INT(r.kind, SL_T_STRING);
  CHECK_STR(val_str(r), "1.5");
  CHECK_INT(cast_to(&a, sl_val_cstring("1.5e1"), &sl_type_double, &r), 0);
  CHECK(r.u.d == 15.0);
  CHECK(cast_to(&a, sl_val_cstring("inf"), &sl_type_double, &r) != 0);
  CHECK_INT(cast_to(&a, sl_val_cstring("true"), &sl_type_boolean, &r), 0);
  CHECK(r.u.b);
  CHECK_INT(cast_to(&a, sl_val_cstring("FALSE"), &sl_type_boolean, &r), 0);
  CHECK(!r.u.b);
  const sl_type_t *d42 = sl_type_decimal(&a, 4, 2);
  CHECK_INT(cast_to(&a, sl_val_cstring("12.345"), d42, &r), 0);
  CHECK_STR(val_str(r), "12.35");
  CHECK_INT(cast_to(&a, sl_val_cstring("123.4"), d42, &r), SL_EEVAL);
  CHECK_INT(cast_to(&a, sl_val_int(12), d42, &r), 0);
  CHECK_STR(val_str(r), "12.00");
  CHECK_INT(cast_to(&a, sl_val_int(100), d42, &r), SL_EEVAL);
  CHECK_INT(cast_to(&a, sl_val_double(1.005), d42, &r), 0);
  /* The double is 1.00499999...; Java rounds it to 4 digits (1.005) first, then to scale 2. */
  CHECK_STR(val_str(r), "1.01");
  CHECK_INT(cast_to(&a, sl_val_double(0.125), d42, &r), 0);
  CHECK_STR(val_str(r), "0.13");
  CHECK_INT(cast_to(&a, sl_val_decimal(12345, 3), d42, &r), 0);
  CHECK_STR(val_str(r), "12.35");
  CHECK_INT(cast_to(&a, sl_val_decimal(-12999, 3), &sl_type_int, &r), 0);
  CHECK_INT(r.u.i, -12);
  CHECK_INT(cast_to(&a, sl_val_decimal(125, 2), &sl_type_double, &r), 0);
  CHECK(r.u.d == 1.25);
  CHECK_INT(cast_to(&a, sl_val_cstring("2020-01-02T00:00:00.123"), &sl_type_timestamp, &r), 0);
  CHECK_INT(r.u.l, 1577923200123LL);
  CHECK_INT(cast_to(&a, r, &sl_type_date, &r), 0);
  CHECK_INT(r.u.i, 18263);
  CHECK_INT(cast_to(&a, sl_val_timestamp(1577923200123LL), &sl_type_string, &r), 0);
  CHECK_STR(val_str(r), "2020-01-02T00:00:00.123");
  CHECK_INT(cast_to(&a, sl_val_timestamp(1577923200123LL), &sl_type_time, &r), 0);
  CHECK_INT(r.u.i, 123);
  CHECK_INT(cast_to(&a, sl_val_bool(true), &sl_type_int, &r), SL_EEVAL);
  CHECK_INT(cast_to(&a, sl_null(), &sl_type_int, &r), 0);
  CHECK(sl_is_null(&r));
  CHECK(sl_type_can_cast(&sl_type_string, &sl_type_int));
  CHECK(!sl_type_can_cast(&sl_type_boolean, &sl_type_int));
  /* arrays cast element-wise */
  sl_value_t items[2] = {sl_val_cstring("1"), sl_val_cstring("2")};
  sl_value_t arr = {.kind = SL_T_ARRAY};
  arr.u.arr.items = items;
  arr.u.arr.n = 2;
  CHECK_INT(cast_to(&a, arr, sl_type_array(&a, &sl_type_int), &r), 0);
  CHECK_INT(r.u.arr.items[1].kind, SL_T_INT);
  CHECK_INT(r.u.arr.items[1].u.i, 2);
  sl_arena_free(&a);
}
