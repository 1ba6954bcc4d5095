/* test_qtt.c - the QTT runner's engine-free parts: lenient loading with exact
 * numbers, comment stripping, variant expansion and naming, Schema-Registry
 * classification, decimal scanning and the value-matching rules. */
#include <stdlib.h>

#include "../../src/qtt/qtt_int.h"
#include "unit.h"

static json_t *load(const char *text) {
  sl_error_t err;
  sl_error_clear(&err);
  json_t *j = sl_qtt_load(text, strlen(text), &err);
  if (!j) printf("  load failed: %s\n", err.msg);
  return j;
}

SL_TEST(qtt_strip_comments_outside_strings) {
  const char *in = "{\"a\": \"x//y\", // gone\n \"b\": /* gone\n too */ \"/*kept*/\"}";
  char *out = sl_qtt_strip_comments(in, strlen(in));
  CHECK(strstr(out, "gone") == NULL);
  CHECK(strstr(out, "\"x//y\"") != NULL);
  CHECK(strstr(out, "\"/*kept*/\"") != NULL);
  /* Newlines inside block comments survive so error lines stay right. */
  int nl = 0;
  for (char *p = out; *p; p++) nl += *p == '\n';
  CHECK_INT(nl, 2);
  free(out);

  const char *esc = "[\"a\\\"//b\"] // c";
  out = sl_qtt_strip_comments(esc, strlen(esc));
  CHECK_STR(out, "[\"a\\\"//b\"] ");
  free(out);
}

SL_TEST(qtt_load_keeps_number_text) {
  json_t *j = load(
      "{\"d\": 1.50, \"i\": -7, \"e\": 1.5E+2, \"big\": 123456789012345678901234567890,"
      " \"s\": \"1.50\" /* c */}");
  CHECK(j != NULL);
  if (!j) return;
  CHECK_STR(sl_qtt_num(json_object_get(j, "d")), "1.50");
  CHECK_STR(sl_qtt_num(json_object_get(j, "i")), "-7");
  CHECK_STR(sl_qtt_num(json_object_get(j, "e")), "1.5E+2");
  CHECK_STR(sl_qtt_num(json_object_get(j, "big")), "123456789012345678901234567890");
  CHECK(sl_qtt_num(json_object_get(j, "s")) == NULL); /* a string stays a string */
  CHECK(sl_qtt_num_is_int("-7") && !sl_qtt_num_is_int("1.50") && !sl_qtt_num_is_int("1E5"));
  int64_t v = 0;
  CHECK(sl_qtt_get_int(json_object_get(j, "i"), &v) && v == -7);
  CHECK(!sl_qtt_get_int(json_object_get(j, "d"), &v));

  sl_buf_t b;
  sl_buf_init(&b);
  sl_qtt_json_write(j, &b);
  CHECK_STR(b.data,
            "{\"d\":1.50,\"i\":-7,\"e\":1.5E+2,\"big\":123456789012345678901234567890,"
            "\"s\":\"1.50\"}");
  sl_buf_free(&b);

  json_t *plain = sl_qtt_json_plain(j);
  CHECK(json_is_integer(json_object_get(plain, "i")));
  CHECK(json_is_real(json_object_get(plain, "d")));
  CHECK(json_real_value(json_object_get(plain, "d")) == 1.5);
  json_decref(plain);
  json_decref(j);

  sl_error_t err;
  sl_error_clear(&err);
  CHECK(sl_qtt_load("{\"a\": 1.}", 9, &err) == NULL);
  sl_error_clear(&err);
  CHECK(sl_qtt_load("{\"a\": }", 7, &err) == NULL);
  CHECK(strstr(err.msg, "line 1") != NULL);
}

SL_TEST(qtt_expand_formats_and_names) {
  json_t *t = load(
      "{\"name\": \"n\", \"format\": [\"JSON\", \"AVRO\", \"PROTOBUF_NOSR\"],"
      " \"statements\": [\"CREATE STREAM S (A INT) WITH (kafka_topic='t', "
      "value_format='{FORMAT}');\"], \"inputs\": [], \"outputs\": []}");
  CHECK(t != NULL);
  if (!t) return;
  sl_ptrvec_t vs = {0};
  sl_qtt_expand("file", t, &vs);
  CHECK_INT(vs.len, 3);
  if (vs.len == 3) {
    sl_qtt_variant_t *a = vs.items[0], *b = vs.items[1], *c = vs.items[2];
    CHECK_STR(a->name, "file - n - JSON");
    CHECK_STR(b->name, "file - n - AVRO");
    CHECK_STR(c->name, "file - n - PROTOBUF_NOSR");
    CHECK(strstr(a->stmts[0], "value_format='JSON'") != NULL);
    CHECK(a->skip == NULL && a->invalid == NULL);
    CHECK_STR(b->skip, "needs schema registry");
    CHECK(c->skip == NULL); /* PROTOBUF_NOSR needs no registry */
  }
  for (int i = 0; i < vs.len; i++) sl_qtt_variant_free(vs.items[i]);
  sl_ptrvec_free(&vs);
  json_decref(t);
}

SL_TEST(qtt_expand_config_disabled_invalid) {
  json_t *t = load(
      "{\"name\": \"c\", \"config\": [\"a\", true],"
      " \"properties\": {\"ksql.x\": \"{CONFIG}\", \"ksql.y\": 5},"
      " \"statements\": [\"SELECT 1;\"], \"expectedException\": {}}");
  sl_ptrvec_t vs = {0};
  if (t) sl_qtt_expand("f", t, &vs);
  CHECK_INT(vs.len, 2);
  if (vs.len == 2) {
    sl_qtt_variant_t *a = vs.items[0], *b = vs.items[1];
    CHECK_STR(a->name, "f - c - ksql.x=a");
    CHECK_STR(b->name, "f - c - ksql.x=true");
    CHECK_STR(json_string_value(json_object_get(a->props, "ksql.x")), "a");
    CHECK_STR(json_string_value(json_object_get(b->props, "ksql.x")), "true");
    CHECK_STR(sl_qtt_num(json_object_get(b->props, "ksql.y")), "5");
    CHECK(a->skip == NULL && a->invalid == NULL);
  }
  for (int i = 0; i < vs.len; i++) sl_qtt_variant_free(vs.items[i]);
  sl_ptrvec_free(&vs);
  json_decref(t);

  t = load("{\"name\": \"d\", \"enabled\": false, \"statements\": [\"X;\"], \"inputs\": []}");
  vs = (sl_ptrvec_t){0};
  if (t) sl_qtt_expand("f", t, &vs);
  CHECK_INT(vs.len, 1);
  if (vs.len == 1) {
    CHECK_STR(((sl_qtt_variant_t *)vs.items[0])->name, "f - d");
    CHECK_STR(((sl_qtt_variant_t *)vs.items[0])->skip, "disabled upstream");
  }
  for (int i = 0; i < vs.len; i++) sl_qtt_variant_free(vs.items[i]);
  sl_ptrvec_free(&vs);
  json_decref(t);

  t = load("{\"name\": \"bad\", \"statements\": [\"X;\"]}");
  vs = (sl_ptrvec_t){0};
  if (t) sl_qtt_expand("f", t, &vs);
  CHECK_INT(vs.len, 1);
  if (vs.len == 1) CHECK(((sl_qtt_variant_t *)vs.items[0])->invalid != NULL);
  for (int i = 0; i < vs.len; i++) sl_qtt_variant_free(vs.items[i]);
  sl_ptrvec_free(&vs);
  json_decref(t);
}

SL_TEST(qtt_sr_classification) {
  CHECK_STR(sl_qtt_sr_format("WITH (value_format='avro')"), "AVRO");
  CHECK_STR(sl_qtt_sr_format("FORMAT='JSON_SR'"), "JSON_SR");
  CHECK_STR(sl_qtt_sr_format("KEY_FORMAT='PROTOBUF', x"), "PROTOBUF");
  CHECK(sl_qtt_sr_format("FORMAT='PROTOBUF_NOSR'") == NULL);
  CHECK(sl_qtt_sr_format("CREATE STREAM AVROISH (x INT)") == NULL);
  CHECK(sl_qtt_sr_format("value_format='JSON'") == NULL);

  /* Topics and properties count too. */
  json_t *t = load(
      "{\"name\": \"t\", \"statements\": [\"CREATE STREAM S WITH (kafka_topic='t');\"],"
      " \"topics\": [{\"name\": \"t\", \"valueFormat\": {\"format\": \"AVRO\"}}],"
      " \"inputs\": []}");
  sl_ptrvec_t vs = {0};
  if (t) sl_qtt_expand("f", t, &vs);
  CHECK(vs.len == 1 && ((sl_qtt_variant_t *)vs.items[0])->skip != NULL);
  for (int i = 0; i < vs.len; i++) sl_qtt_variant_free(vs.items[i]);
  sl_ptrvec_free(&vs);
  json_decref(t);
  t = load(
      "{\"name\": \"p\", \"statements\": [\"X;\"], \"inputs\": [],"
      " \"properties\": {\"ksql.persistence.default.format.value\": \"JSON_SR\"}}");
  vs = (sl_ptrvec_t){0};
  if (t) sl_qtt_expand("f", t, &vs);
  CHECK(vs.len == 1 && ((sl_qtt_variant_t *)vs.items[0])->skip != NULL);
  for (int i = 0; i < vs.len; i++) sl_qtt_variant_free(vs.items[i]);
  sl_ptrvec_free(&vs);
  json_decref(t);
}

SL_TEST(qtt_decimal_scan) {
  sl_decimal_t d;
  CHECK_INT(sl_qtt_decimal_scan("12.340", 6, &d), 0);
  CHECK(d.unscaled == 12340 && d.scale == 3);
  CHECK_INT(sl_qtt_decimal_scan("-0.5", 4, &d), 0);
  CHECK(d.unscaled == -5 && d.scale == 1);
  CHECK_INT(sl_qtt_decimal_scan("7", 1, &d), 0);
  CHECK(d.unscaled == 7 && d.scale == 0);
  CHECK_INT(sl_qtt_decimal_scan("1.5E+2", 6, &d), 0);
  CHECK(d.unscaled == 15 && d.scale == -1);
  CHECK_INT(sl_qtt_decimal_scan("1.5e-2", 6, &d), 0);
  CHECK(d.unscaled == 15 && d.scale == 3);
  CHECK(sl_qtt_decimal_scan("abc", 3, &d) != 0);
  CHECK(sl_qtt_decimal_scan("1.2.3", 5, &d) != 0);
  CHECK(sl_qtt_decimal_scan("", 0, &d) != 0);
  sl_decimal_t a = {150, 2}, b = {15, 1}, c = {150, 2};
  CHECK(!sl_qtt_decimal_same(&a, &b)); /* 1.50 and 1.5: same value, other scale */
  CHECK(sl_qtt_decimal_same(&a, &c));
}

static bool m(const char *exp_json, sl_value_t v) {
  json_t *j = load(exp_json);
  bool r = j && sl_qtt_match_value(json_object_get(j, "x"), &v);
  json_decref(j);
  return r;
}

SL_TEST(qtt_match_scalars) {
  sl_value_t v;
  v.kind = SL_T_INT;
  v.u.i = 5;
  CHECK(m("{\"x\": 5}", v));
  CHECK(!m("{\"x\": 6}", v));
  CHECK(!m("{\"x\": 5.0}", v)); /* a real never matches an integer */
  CHECK(!m("{\"x\": \"5\"}", v));
  v.kind = SL_T_BIGINT;
  v.u.l = 1234567890123LL;
  CHECK(m("{\"x\": 1234567890123}", v));

  v.kind = SL_T_DOUBLE;
  v.u.d = 0.1 + 0.2;
  CHECK(m("{\"x\": 0.3}", v));
  CHECK(!m("{\"x\": 0.31}", v));
  v.u.d = 1.0;
  CHECK(!m("{\"x\": 1}", v)); /* integer expectation, double value */
  CHECK(m("{\"x\": 1.0}", v));

  v.kind = SL_T_DECIMAL;
  v.u.dec = (sl_decimal_t){150, 2};
  CHECK(m("{\"x\": 1.50}", v));
  CHECK(!m("{\"x\": 1.5}", v)); /* scale matters */
  CHECK(m("{\"x\": \"1.50\"}", v));
  CHECK(!m("{\"x\": \"1.5\"}", v));
  CHECK(!m("{\"x\": 2}", v));
  v.u.dec = (sl_decimal_t){12, 0};
  CHECK(m("{\"x\": 12}", v)); /* no fractional digits: integers match */
  v.u.dec = (sl_decimal_t){1200, 2};
  CHECK(!m("{\"x\": 12}", v));

  v.kind = SL_T_STRING;
  v.u.s.ptr = "abc";
  v.u.s.len = 3;
  CHECK(m("{\"x\": \"abc\"}", v));
  CHECK(!m("{\"x\": \"ab\"}", v));
  CHECK(!m("{\"x\": null}", v));

  v.kind = SL_T_BYTES;
  v.u.s.ptr = "\x01\x02\x03";
  v.u.s.len = 3;
  CHECK(m("{\"x\": \"AQID\"}", v));

  v.kind = SL_T_BOOLEAN;
  v.u.b = true;
  CHECK(m("{\"x\": true}", v));
  CHECK(!m("{\"x\": false}", v));

  v = sl_null();
  CHECK(m("{\"x\": null}", v));
  CHECK(!m("{\"x\": 0}", v));
  CHECK(!m("{\"x\": \"\"}", v));
}

SL_TEST(qtt_match_composites) {
  sl_arena_t a;
  sl_arena_init(&a, 1024);
  sl_type_field_t fields[2] = {{"A", &sl_type_int}, {"b", &sl_type_string}};
  const sl_type_t *st = sl_type_struct(&a, 2, fields);
  sl_value_t fv[2];
  fv[0].kind = SL_T_INT;
  fv[0].u.i = 1;
  fv[1].kind = SL_T_STRING;
  fv[1].u.s.ptr = "x";
  fv[1].u.s.len = 1;
  sl_value_t s;
  s.kind = SL_T_STRUCT;
  s.u.st.fields = fv;
  s.u.st.type = st;
  CHECK(m("{\"x\": {\"a\": 1, \"b\": \"x\"}}", s));  /* a -> A by upper case; b exact */
  CHECK(!m("{\"x\": {\"A\": 1}}", s));               /* field count differs */
  CHECK(!m("{\"x\": {\"A\": 1, \"B\": \"x\"}}", s)); /* B is not b */

  sl_value_t items[3];
  for (int i = 0; i < 3; i++) {
    items[i].kind = SL_T_INT;
    items[i].u.i = i;
  }
  sl_value_t arr;
  arr.kind = SL_T_ARRAY;
  arr.u.arr.items = items;
  arr.u.arr.n = 3;
  CHECK(m("{\"x\": [0, 1, 2]}", arr));
  CHECK(!m("{\"x\": [0, 1]}", arr));
  CHECK(!m("{\"x\": [0, 2, 1]}", arr));

  sl_value_t kv[4];
  kv[0].kind = SL_T_STRING;
  kv[0].u.s.ptr = "k";
  kv[0].u.s.len = 1;
  kv[1] = items[1];
  kv[2].kind = SL_T_STRING;
  kv[2].u.s.ptr = "Z";
  kv[2].u.s.len = 1;
  kv[3] = sl_null();
  sl_value_t map;
  map.kind = SL_T_MAP;
  map.u.arr.items = kv;
  map.u.arr.n = 2;
  CHECK(m("{\"x\": {\"k\": 1, \"z\": null}}", map));
  CHECK(!m("{\"x\": {\"k\": 2, \"z\": null}}", map));
  sl_arena_free(&a);
}

SL_TEST(qtt_match_json_fallback) {
  json_t *e = load("{\"A\": 1.50, \"B\": [1, \"x\"], \"c\": 2}");
  json_t *same = load("{\"A\": 1.50, \"B\": [1, \"x\"], \"C\": 2}");
  json_t *scale = load("{\"A\": 1.5, \"B\": [1, \"x\"], \"C\": 2}");
  json_t *dbl = load("{\"A\": 1.50, \"B\": [1, \"x\"], \"C\": 2.0}");
  CHECK(e && same && scale && dbl);
  if (e && same && scale && dbl) {
    CHECK(sl_qtt_match_json(e, same));
    CHECK(sl_qtt_match_json(e, scale)); /* untyped: 1.5 vs 1.50 compare as doubles */
    CHECK(!sl_qtt_match_json(e, dbl));  /* integer expectation, real actual */
  }
  json_decref(e);
  json_decref(same);
  json_decref(scale);
  json_decref(dbl);
}

SL_TEST(qtt_schema_normalize) {
  sl_buf_t a, b;
  sl_buf_init(&a);
  sl_buf_init(&b);
  sl_qtt_schema_normalize("`ID` INTEGER KEY, `NAME` STRING, `D` DECIMAL(4, 2)", &a);
  sl_qtt_schema_normalize("ID INT KEY, name VARCHAR, d decimal(4,2)", &b);
  CHECK_STR(a.data, b.data);
  sl_buf_reset(&a);
  sl_buf_reset(&b);
  sl_qtt_schema_normalize("`c1` INTEGER, `S` STRUCT<`F` ARRAY<STRING>>", &a);
  sl_qtt_schema_normalize("`c1` INT, S STRUCT<F ARRAY<VARCHAR>>", &b);
  CHECK_STR(a.data, b.data);
  sl_buf_reset(&b);
  sl_qtt_schema_normalize("C1 INT, S STRUCT<F ARRAY<VARCHAR>>", &b);
  CHECK(strcmp(a.data, b.data) != 0); /* quoted lower case stays lower case */
  sl_buf_free(&a);
  sl_buf_free(&b);
}

SL_TEST(qtt_base64_roundtrip) {
  const char *cases[] = {"", "a", "ab", "abc", "abcd", "\xff\x00\x10"};
  size_t lens[] = {0, 1, 2, 3, 4, 3};
  for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
    sl_buf_t e, d;
    sl_buf_init(&e);
    sl_buf_init(&d);
    sl_qtt_base64(cases[i], lens[i], &e);
    CHECK_INT(sl_qtt_unbase64(e.data ? e.data : "", e.len, &d), 0);
    CHECK(d.len == lens[i] && (!lens[i] || !memcmp(d.data, cases[i], lens[i])));
    sl_buf_free(&e);
    sl_buf_free(&d);
  }
  sl_buf_t e;
  sl_buf_init(&e);
  sl_qtt_base64("abcd", 4, &e);
  CHECK_STR(e.data, "YWJjZA==");
  sl_buf_free(&e);
}

SL_TEST(qtt_source_topic_of_declarations) {
  char *t = sl_qtt_source_topic(
      "CREATE STREAM INPUT (id int KEY) WITH (kafka_topic='test_topic', value_format='JSON');");
  CHECK_STR(t, "test_topic");
  free(t);
  t = sl_qtt_source_topic(
      "  create or replace table T (ID INT PRIMARY KEY) WITH "
      "(KAFKA_TOPIC = 'Mixed-Case', FORMAT='JSON');");
  CHECK_STR(t, "Mixed-Case");
  free(t);
  /* CSAS/CTAS sinks and declarations with PARTITIONS are the engine's to create. */
  CHECK(sl_qtt_source_topic("CREATE STREAM S WITH (kafka_topic='x') AS SELECT * FROM T;") == NULL);
  CHECK(sl_qtt_source_topic("CREATE STREAM S (A INT) WITH (kafka_topic='x', partitions=4, "
                            "value_format='JSON');") == NULL);
  CHECK(sl_qtt_source_topic("INSERT INTO S SELECT * FROM T;") == NULL);
  CHECK(sl_qtt_source_topic("CREATE STREAM S (A INT) WITH (value_format='JSON');") == NULL);
}
