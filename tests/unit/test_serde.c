/* test_serde.c - record formats: JSON, DELIMITED, KAFKA, NONE; windowed keys,
 * base64, Java number text, and ksqlDB's messages for what a format rejects. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>

#include "../../src/serde/serde_int.h" /* module internals: Java number text */
#include "sluice/serde.h"
#include "unit.h"

/* ---- helpers ---- */

typedef struct fx {
  sl_arena_t a;
  sl_error_t err;
  sl_buf_t out;
  sl_serde_t *s;
  sl_value_t v[16];
} fx_t;

static void fx_init(fx_t *f) {
  sl_arena_init(&f->a, 4096);
  sl_error_clear(&f->err);
  sl_buf_init(&f->out);
  f->s = NULL;
}

static void fx_free(fx_t *f) {
  sl_buf_free(&f->out);
  sl_arena_free(&f->a);
}

static sl_column_t col(const char *name, const sl_type_t *t) {
  sl_column_t c = {.name = name, .type = t, .ns = SL_NS_VALUE, .header_key = NULL};
  return c;
}

/* Builds a serde; returns the rc. */
static int mk(fx_t *f, const char *fmt, const sl_column_t *cols, int n, bool is_key, bool wrap,
              bool wrap_explicit, char delim) {
  sl_serde_opts_t o = {.delimiter = delim, .wrap_single = wrap, .wrap_explicit = wrap_explicit};
  sl_error_clear(&f->err);
  return sl_serde_new(fmt, cols, n, is_key, &o, &f->a, &f->s, &f->err);
}

static int dec(fx_t *f, const char *text) {
  sl_error_clear(&f->err);
  return sl_serde_decode(f->s, text, strlen(text), &f->a, f->v, &f->err);
}

/* Encodes f->v and returns the text (NUL terminated in f->out). */
static const char *enc(fx_t *f) {
  sl_buf_reset(&f->out);
  sl_error_clear(&f->err);
  int rc = sl_serde_encode(f->s, f->v, &f->out, &f->err);
  CHECK_INT(rc, 0);
  return f->out.data ? f->out.data : "";
}

static bool str_is(const sl_value_t *v, const char *s) {
  return v->kind == SL_T_STRING && v->u.s.len == strlen(s) &&
         memcmp(v->u.s.ptr, s, v->u.s.len) == 0;
}

static const char *value_json(fx_t *f, const sl_value_t *v, const sl_type_t *t) {
  sl_buf_reset(&f->out);
  sl_value_to_json_text(v, t, &f->out);
  return f->out.data ? f->out.data : "";
}

/* ---- formats and construction ---- */

SL_TEST(serde_format_find) {
  CHECK(sl_format_find("json") != NULL);
  CHECK_STR(sl_format_find("Delimited")->name, "DELIMITED");
  CHECK_STR(sl_format_find("KAFKA")->name, "KAFKA");
  CHECK_STR(sl_format_find("none")->name, "NONE");
  CHECK(sl_format_find("XML") == NULL);
  CHECK(sl_format_find("JSON")->supports_wrapping);
  CHECK(!sl_format_find("KAFKA")->multi_column_key);
  fx_t f;
  fx_init(&f);
  sl_column_t c = col("V", &sl_type_int);
  CHECK_INT(mk(&f, "AVRO", &c, 1, false, true, false, 0), SL_EUNSUPPORTED);
  CHECK_INT(mk(&f, "XML", &c, 1, false, true, false, 0), SL_EINVAL);
  CHECK_STR(f.err.msg, "Unknown format: XML");
  fx_free(&f);
}

SL_TEST(serde_wrap_single_value_rejected) {
  fx_t f;
  fx_init(&f);
  sl_column_t c = col("FOO", &sl_type_int);
  CHECK_INT(mk(&f, "KAFKA", &c, 1, false, true, true, 0), SL_ESEMANTIC);
  CHECK_STR(f.err.msg, "Format 'KAFKA' does not support 'WRAP_SINGLE_VALUE' set to 'true'.");
  CHECK_INT(mk(&f, "DELIMITED", &c, 1, false, true, true, 0), SL_ESEMANTIC);
  CHECK_STR(f.err.msg, "Format 'DELIMITED' does not support 'WRAP_SINGLE_VALUE' set to 'true'.");
  CHECK_INT(mk(&f, "KAFKA", &c, 1, false, false, true, 0), 0);
  CHECK_INT(mk(&f, "JSON", &c, 1, false, true, true, 0), 0);
  fx_free(&f);
}

SL_TEST(serde_kafka_validate_messages) {
  fx_t f;
  fx_init(&f);
  sl_column_t two[] = {col("ID", &sl_type_int), col("AGE", &sl_type_int)};
  CHECK_INT(mk(&f, "KAFKA", two, 2, true, false, false, 0), SL_ESEMANTIC);
  CHECK_STR(f.err.msg,
            "Key format does not support schema.\nformat: KAFKA\nschema: "
            "Persistence{columns=[`ID` INTEGER KEY, `AGE` INTEGER KEY], features=[]}\nreason: The "
            "'KAFKA' format only supports a single field. Got: [`ID` INTEGER KEY, `AGE` INTEGER "
            "KEY]");
  sl_column_t vals[] = {col("V0", &sl_type_int), col("V1", &sl_type_string)};
  CHECK_INT(mk(&f, "KAFKA", vals, 2, false, true, false, 0), SL_ESEMANTIC);
  CHECK(strstr(f.err.msg,
               "The 'KAFKA' format only supports a single field. Got: [`V0` INTEGER, "
               "`V1` STRING]") != NULL);
  CHECK(strncmp(f.err.msg, "Value format does not support schema.", 37) == 0);
  sl_column_t k = col("K", sl_type_decimal(&f.a, 21, 19));
  CHECK_INT(mk(&f, "KAFKA", &k, 1, true, false, false, 0), SL_ESEMANTIC);
  CHECK_STR(f.err.msg,
            "Key format does not support schema.\nformat: KAFKA\nschema: "
            "Persistence{columns=[`K` DECIMAL(21, 19) KEY], features=[]}\nreason: The 'KAFKA' "
            "format does not support type 'DECIMAL'");
  sl_column_t b = col("V0", &sl_type_boolean);
  CHECK_INT(mk(&f, "KAFKA", &b, 1, false, true, false, 0), SL_ESEMANTIC);
  CHECK(strstr(f.err.msg, "The 'KAFKA' format does not support type 'BOOLEAN'") != NULL);
  sl_column_t arr = col("FOO", sl_type_array(&f.a, &sl_type_int));
  CHECK_INT(mk(&f, "KAFKA", &arr, 1, false, true, false, 0), SL_ESEMANTIC);
  CHECK(strstr(f.err.msg, "The 'KAFKA' format does not support type 'ARRAY'") != NULL);
  sl_column_t ts = col("T", &sl_type_timestamp);
  CHECK_INT(mk(&f, "KAFKA", &ts, 1, false, true, false, 0), SL_ESEMANTIC);
  fx_free(&f);
}

SL_TEST(serde_delimited_validate_messages) {
  fx_t f;
  fx_init(&f);
  sl_column_t k = col("K", sl_type_array(&f.a, &sl_type_double));
  CHECK_INT(mk(&f, "DELIMITED", &k, 1, true, false, false, 0), SL_ESEMANTIC);
  CHECK_STR(f.err.msg,
            "Key format does not support schema.\nformat: DELIMITED\nschema: "
            "Persistence{columns=[`K` ARRAY<DOUBLE> KEY], features=[]}\nreason: The 'DELIMITED' "
            "format does not support type 'ARRAY', column: `K`");
  sl_type_field_t fld = {.name = "F", .type = &sl_type_double};
  sl_column_t st = col("K", sl_type_struct(&f.a, 1, &fld));
  CHECK_INT(mk(&f, "DELIMITED", &st, 1, true, false, false, 0), SL_ESEMANTIC);
  CHECK(strstr(f.err.msg,
               "schema: Persistence{columns=[`K` STRUCT<`F` DOUBLE> KEY], "
               "features=[]}\nreason: The 'DELIMITED' format does not support type "
               "'STRUCT', column: `K`") != NULL);
  sl_column_t m = col("FOO", sl_type_map(&f.a, &sl_type_int, &sl_type_double));
  CHECK_INT(mk(&f, "DELIMITED", &m, 1, false, true, false, 0), SL_ESEMANTIC);
  CHECK(strstr(f.err.msg, "The 'DELIMITED' format does not support type 'MAP'") != NULL);
  fx_free(&f);
}

SL_TEST(serde_map_keys_rejected) {
  fx_t f;
  fx_init(&f);
  sl_column_t k = col("K", sl_type_map(&f.a, &sl_type_int, &sl_type_double));
  CHECK_INT(mk(&f, "KAFKA", &k, 1, true, false, false, 0), SL_ESEMANTIC);
  CHECK_STR(f.err.msg,
            "Map keys, including types that contain maps, are not supported as they "
            "may lead to unexpected behavior due to inconsistent serialization. Key "
            "column name: `K`. Column type: MAP<INTEGER, DOUBLE>. See "
            "https://github.com/confluentinc/ksql/issues/6621 for more.");
  sl_type_field_t fld = {.name = "F1", .type = sl_type_map(&f.a, &sl_type_string, &sl_type_int)};
  sl_column_t nested = col("VAL", sl_type_struct(&f.a, 1, &fld));
  CHECK_INT(mk(&f, "JSON", &nested, 1, true, false, false, 0), SL_ESEMANTIC);
  CHECK(strstr(f.err.msg,
               "Key column name: `VAL`. Column type: STRUCT<`F1` MAP<STRING, "
               "INTEGER>>.") != NULL);
  /* Values may hold maps. */
  CHECK_INT(mk(&f, "JSON", &nested, 1, false, true, false, 0), 0);
  fx_free(&f);
}

SL_TEST(serde_none_format) {
  fx_t f;
  fx_init(&f);
  CHECK_INT(mk(&f, "NONE", NULL, 0, true, false, false, 0), 0);
  CHECK_INT(dec(&f, "anything"), 0);
  CHECK_STR(enc(&f), "");
  CHECK(sl_serde_encodes_null(f.s, f.v));
  sl_column_t c = col("K", &sl_type_int);
  CHECK_INT(mk(&f, "NONE", &c, 1, true, false, false, 0), SL_ESEMANTIC);
  CHECK(strstr(f.err.msg,
               "The 'NONE' format can only be used when no columns are defined. Got: "
               "[`K` INTEGER KEY]") != NULL);
  fx_free(&f);
}

/* ---- JSON ---- */

SL_TEST(serde_json_decode_columns) {
  fx_t f;
  fx_init(&f);
  sl_column_t cols[] = {col("ID", &sl_type_bigint), col("NAME", &sl_type_string),
                        col("AMT", &sl_type_double), col("OK", &sl_type_boolean),
                        col("GONE", &sl_type_int)};
  CHECK_INT(mk(&f, "JSON", cols, 5, false, true, false, 0), 0);
  CHECK_INT(dec(&f,
                " {\"extra\": [1, {\"a\": \"}\"}], \"id\": 10000000000, \"Name\": \"x\\ty\","
                " \"AMT\": 1.5, \"ok\": true, \"gone\": null} trailing"),
            0);
  CHECK_INT(f.v[0].kind, SL_T_BIGINT);
  CHECK_INT(f.v[0].u.l, 10000000000LL);
  CHECK(str_is(&f.v[1], "x\ty"));
  CHECK_INT(f.v[2].kind, SL_T_DOUBLE);
  CHECK(f.v[2].u.d == 1.5);
  CHECK_INT(f.v[3].kind, SL_T_BOOLEAN);
  CHECK(f.v[3].u.b);
  CHECK(sl_is_null(&f.v[4]));
  /* A field absent from the document is NULL too. */
  CHECK_INT(dec(&f, "{\"ID\": 1}"), 0);
  CHECK_INT(f.v[0].u.l, 1);
  for (int i = 1; i < 5; i++) CHECK(sl_is_null(&f.v[i]));
  CHECK_STR(enc(&f), "{\"ID\":1,\"NAME\":null,\"AMT\":null,\"OK\":null,\"GONE\":null}");
  fx_free(&f);
}

SL_TEST(serde_json_exact_name_wins) {
  fx_t f;
  fx_init(&f);
  /* `c1` (quoted, lower case) and C1: "c1" feeds both, "C1" only the latter. */
  sl_column_t cols[] = {col("c1", &sl_type_int), col("C1", &sl_type_int)};
  CHECK_INT(mk(&f, "JSON", cols, 2, false, true, false, 0), 0);
  CHECK_INT(dec(&f, "{\"c1\": 1}"), 0);
  CHECK_INT(f.v[0].u.i, 1);
  CHECK_INT(f.v[1].u.i, 1);
  CHECK_INT(dec(&f, "{\"C1\": 2, \"c1\": 1}"), 0);
  CHECK_INT(f.v[0].u.i, 1);
  CHECK_INT(f.v[1].u.i, 2);
  CHECK_INT(dec(&f, "{\"c1\": 1, \"C1\": 2}"), 0);
  CHECK_INT(f.v[0].u.i, 1);
  CHECK_INT(f.v[1].u.i, 2);
  /* Escaped keys are compared after unescaping. */
  sl_column_t at[] = {col("@TIMESTAMP", &sl_type_bigint), col("FROM", &sl_type_bigint)};
  CHECK_INT(mk(&f, "JSON", at, 2, false, true, false, 0), 0);
  CHECK_INT(dec(&f, "{\"@timestamp\": 4, \"fr\\u006fm\": 5}"), 0);
  CHECK_INT(f.v[0].u.l, 4);
  CHECK_INT(f.v[1].u.l, 5);
  CHECK_STR(enc(&f), "{\"@TIMESTAMP\":4,\"FROM\":5}");
  fx_free(&f);
}

SL_TEST(serde_json_numeric_coercions) {
  fx_t f;
  fx_init(&f);
  sl_column_t c = col("V", &sl_type_int);
  CHECK_INT(mk(&f, "JSON", &c, 1, false, true, false, 0), 0);
  CHECK_INT(dec(&f, "{\"V\": \"12\"}"), 0);
  CHECK_INT(f.v[0].u.i, 12);
  CHECK_INT(dec(&f, "{\"V\": 1.9}"), 0);
  CHECK_INT(f.v[0].u.i, 1);
  CHECK_INT(dec(&f, "{\"V\": -1.9e0}"), 0);
  CHECK_INT(f.v[0].u.i, -1);
  CHECK_INT(dec(&f, "{\"V\": 3000000000}"), 0); /* Java's (int) wraps */
  CHECK_INT(f.v[0].u.i, -1294967296);
  CHECK_INT(dec(&f, "{\"V\": 1e2}"), 0);
  CHECK_INT(f.v[0].u.i, 100);
  CHECK_INT(dec(&f, "{\"V\": \"abc\"}"), SL_ESERDE);
  CHECK_STR(f.err.msg, "Can't coerce string to type. targetType: INTEGER, path: $.V");
  CHECK_INT(dec(&f, "{\"V\": true}"), SL_ESERDE);
  CHECK_STR(f.err.msg,
            "Can't convert type. sourceType: BooleanNode, requiredType: INTEGER, "
            "path: $.V");
  CHECK_INT(dec(&f, "{\"V\": [1]}"), SL_ESERDE);
  CHECK_STR(f.err.msg,
            "Can't convert type. sourceType: ArrayNode, requiredType: INTEGER, "
            "path: $.V");

  sl_column_t d = col("D", &sl_type_double);
  CHECK_INT(mk(&f, "JSON", &d, 1, false, true, false, 0), 0);
  CHECK_INT(dec(&f, "{\"D\": \" 2.5 \"}"), 0);
  CHECK(f.v[0].u.d == 2.5);
  CHECK_INT(dec(&f, "{\"D\": 7}"), 0);
  CHECK(f.v[0].u.d == 7.0);
  CHECK_INT(dec(&f, "{\"D\": 0.1}"), 0);
  CHECK(f.v[0].u.d == 0.1);
  CHECK_INT(dec(&f, "{\"D\": \"inf\"}"), SL_ESERDE);
  CHECK_STR(f.err.msg, "Can't coerce string to type. targetType: DOUBLE, path: $.D");

  sl_column_t b = col("B", &sl_type_boolean);
  CHECK_INT(mk(&f, "JSON", &b, 1, false, true, false, 0), 0);
  CHECK_INT(dec(&f, "{\"B\": false}"), 0);
  CHECK_INT(f.v[0].kind, SL_T_BOOLEAN);
  CHECK(!f.v[0].u.b);
  CHECK_INT(dec(&f, "{\"B\": \"true\"}"), SL_ESERDE);
  CHECK_STR(f.err.msg,
            "Can't convert type. sourceType: TextNode, requiredType: BOOLEAN, "
            "path: $.B");
  CHECK_INT(dec(&f, "{\"B\": 10000000000}"), SL_ESERDE);
  CHECK(strstr(f.err.msg, "sourceType: LongNode") != NULL);
  fx_free(&f);
}

SL_TEST(serde_json_string_coercions) {
  fx_t f;
  fx_init(&f);
  sl_column_t c = col("S", &sl_type_string);
  CHECK_INT(mk(&f, "JSON", &c, 1, false, true, false, 0), 0);
  struct {
    const char *in, *want;
  } cases[] = {
      {"{\"S\": 12}", "12"},
      {"{\"S\": -0}", "0"},
      {"{\"S\": 1.50}", "1.50"},
      {"{\"S\": 1e2}", "1E+2"},
      {"{\"S\": 0.0000001}", "1E-7"},
      {"{\"S\": true}", "true"},
      {"{\"S\": {\"a\" : [1, \"x\", null], \"b\": {}}}", "{\"a\":[1,\"x\",null],\"b\":{}}"},
      {"{\"S\": [1, \"a\", null, [2, {\"k\": 1.0}]]}", "[1, a, null, [2, {\"k\":1.0}]]"},
      {"{\"S\": \"caf\\u00e9 \\ud83d\\ude00\"}", "caf\xc3\xa9 \xf0\x9f\x98\x80"},
      {"{\"S\": \"\"}", ""},
  };
  for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
    CHECK_INT(dec(&f, cases[i].in), 0);
    if (!str_is(&f.v[0], cases[i].want))
      sl_test_fail(__FILE__, __LINE__, "case %zu: got \"%.*s\", want \"%s\"", i,
                   (int)f.v[0].u.s.len, f.v[0].u.s.ptr, cases[i].want);
  }
  fx_free(&f);
}

SL_TEST(serde_json_decimal_keeps_scale) {
  fx_t f;
  fx_init(&f);
  sl_column_t c = col("D", sl_type_decimal(&f.a, 4, 2));
  CHECK_INT(mk(&f, "JSON", &c, 1, false, true, false, 0), 0);
  CHECK_INT(dec(&f, "{\"D\": 1.5}"), 0);
  CHECK_INT(f.v[0].kind, SL_T_DECIMAL);
  CHECK_INT((long long)f.v[0].u.dec.unscaled, 150);
  CHECK_INT(f.v[0].u.dec.scale, 2);
  CHECK_STR(enc(&f), "{\"D\":1.50}");
  CHECK_INT(dec(&f, "{\"D\": \"-12.30\"}"), 0);
  CHECK_INT((long long)f.v[0].u.dec.unscaled, -1230);
  CHECK_STR(enc(&f), "{\"D\":-12.30}");
  CHECK_INT(dec(&f, "{\"D\": 10}"), 0);
  CHECK_STR(enc(&f), "{\"D\":10.00}");
  CHECK_INT(dec(&f, "{\"D\": 1.2300000}"), 0); /* only zeros are dropped */
  CHECK_INT((long long)f.v[0].u.dec.unscaled, 123);
  CHECK_INT(dec(&f, "{\"D\": 1.234}"), SL_ESERDE);
  CHECK_STR(f.err.msg,
            "Cannot fit decimal '1.234' into DECIMAL(4, 2) without rounding., path: $.D");
  CHECK_INT(dec(&f, "{\"D\": 100}"), SL_ESERDE);
  CHECK_STR(f.err.msg,
            "Numeric field overflow: A field with precision 4 and scale 2 must round to "
            "an absolute value less than 10^2. Got 100, path: $.D");
  CHECK_INT(dec(&f, "{\"D\": true}"), SL_ESERDE);
  CHECK_STR(f.err.msg,
            "Can't convert type. sourceType: BooleanNode, requiredType: DECIMAL(4, 2), "
            "path: $.D");
  /* Full precision survives (more than a double holds). */
  sl_column_t big = col("D", sl_type_decimal(&f.a, 33, 16));
  CHECK_INT(mk(&f, "JSON", &big, 1, false, true, false, 0), 0);
  CHECK_INT(dec(&f, "{\"D\": 12345678987654321.2345678987654321}"), 0);
  CHECK_STR(enc(&f), "{\"D\":12345678987654321.2345678987654321}");
  /* BigDecimal.toString switches to exponent form for tiny values. */
  sl_column_t tiny = col("D", sl_type_decimal(&f.a, 10, 8));
  CHECK_INT(mk(&f, "JSON", &tiny, 1, false, true, false, 0), 0);
  CHECK_INT(dec(&f, "{\"D\": 0.00000001}"), 0);
  CHECK_STR(enc(&f), "{\"D\":1E-8}");
  fx_free(&f);
}

SL_TEST(serde_json_bytes_and_time_types) {
  fx_t f;
  fx_init(&f);
  sl_column_t cols[] = {col("B", &sl_type_bytes), col("TS", &sl_type_timestamp),
                        col("D", &sl_type_date), col("T", &sl_type_time)};
  CHECK_INT(mk(&f, "JSON", cols, 4, false, true, false, 0), 0);
  CHECK_INT(dec(&f, "{\"B\": \"AQID\", \"TS\": 1589234313000, \"D\": \"18000\", \"T\": 3600000}"),
            0);
  CHECK_INT(f.v[0].kind, SL_T_BYTES);
  CHECK_INT(f.v[0].u.s.len, 3);
  CHECK(memcmp(f.v[0].u.s.ptr, "\1\2\3", 3) == 0);
  CHECK_INT(f.v[1].kind, SL_T_TIMESTAMP);
  CHECK_INT(f.v[1].u.l, 1589234313000LL);
  CHECK_INT(f.v[2].kind, SL_T_DATE);
  CHECK_INT(f.v[2].u.i, 18000);
  CHECK_INT(f.v[3].kind, SL_T_TIME);
  CHECK_INT(f.v[3].u.i, 3600000);
  CHECK_STR(enc(&f), "{\"B\":\"AQID\",\"TS\":1589234313000,\"D\":18000,\"T\":3600000}");
  CHECK_INT(dec(&f, "{\"B\": \"A?ID\"}"), SL_ESERDE);
  CHECK_STR(f.err.msg, "Value is not a valid Base64 encoded string: A?ID, path: $.B");
  CHECK_INT(dec(&f, "{\"T\": 86400001}"), SL_ESERDE);
  CHECK(strstr(f.err.msg, "Time values must use number of milliseconds") != NULL);
  CHECK_INT(dec(&f, "{\"TS\": \"2020-01-01\"}"), SL_ESERDE);
  CHECK_STR(f.err.msg, "Can't coerce string to type. targetType: TIMESTAMP, path: $.TS");
  fx_free(&f);
}

SL_TEST(serde_json_nested_types) {
  fx_t f;
  fx_init(&f);
  sl_type_field_t fields[] = {
      {.name = "A", .type = &sl_type_int},
      {.name = "M", .type = sl_type_map(&f.a, &sl_type_string, &sl_type_double)}};
  const sl_type_t *st = sl_type_struct(&f.a, 2, fields);
  sl_column_t c = col("ARR", sl_type_array(&f.a, st));
  CHECK_INT(mk(&f, "JSON", &c, 1, false, true, false, 0), 0);
  CHECK_INT(dec(&f, "{\"arr\": [{\"a\": 1, \"m\": {\"x\": 1.5, \"y\": null}}, null, {}]}"), 0);
  CHECK_INT(f.v[0].kind, SL_T_ARRAY);
  CHECK_INT(f.v[0].u.arr.n, 3);
  const sl_value_t *e0 = &f.v[0].u.arr.items[0];
  CHECK_INT(e0->kind, SL_T_STRUCT);
  CHECK_INT(e0->u.st.fields[0].u.i, 1);
  const sl_value_t *m = &e0->u.st.fields[1];
  CHECK_INT(m->kind, SL_T_MAP);
  CHECK_INT(m->u.arr.n, 2);
  CHECK(str_is(&m->u.arr.items[0], "x"));
  CHECK(m->u.arr.items[1].u.d == 1.5);
  CHECK(sl_is_null(&m->u.arr.items[3]));
  CHECK(sl_is_null(&f.v[0].u.arr.items[1]));
  CHECK(sl_is_null(&f.v[0].u.arr.items[2].u.st.fields[0]));
  CHECK_STR(enc(&f),
            "{\"ARR\":[{\"A\":1,\"M\":{\"x\":1.5,\"y\":null}},null,{\"A\":null,\"M\":null}]}");
  CHECK_INT(dec(&f, "{\"ARR\": [{\"A\": 1}, {\"A\": \"x\"}]}"), SL_ESERDE);
  CHECK_STR(f.err.msg, "Can't coerce string to type. targetType: INTEGER, path: $.ARR[1].A");
  CHECK_INT(dec(&f, "{\"ARR\": [{\"M\": {\"k\": true}}]}"), SL_ESERDE);
  CHECK_STR(f.err.msg,
            "Can't convert type. sourceType: BooleanNode, requiredType: DOUBLE, "
            "path: $.ARR[0].M.k.value");
  CHECK_INT(dec(&f, "{\"ARR\": ["), SL_ESERDE); /* truncated documents */
  CHECK_INT(dec(&f, "{\"ARR\": [{"), SL_ESERDE);
  CHECK_INT(dec(&f, "{\"ARR\": [{\"M\": {"), SL_ESERDE);
  CHECK_INT(dec(&f, "{"), SL_ESERDE);
  CHECK_INT(dec(&f, "{\"ARR\": {}}"), SL_ESERDE);
  CHECK_STR(f.err.msg,
            "Can't convert type. sourceType: ObjectNode, requiredType: "
            "ARRAY<STRUCT<`A` INTEGER, `M` MAP<STRING, DOUBLE>>>, path: $.ARR");
  /* Map keys are text converted to the key type. */
  sl_column_t mi = col("M", sl_type_map(&f.a, &sl_type_int, &sl_type_string));
  CHECK_INT(mk(&f, "JSON", &mi, 1, false, true, false, 0), 0);
  CHECK_INT(dec(&f, "{\"M\": {\"1\": \"a\", \"20\": \"b\"}}"), 0);
  CHECK_INT(f.v[0].u.arr.items[2].u.i, 20);
  CHECK_STR(enc(&f), "{\"M\":{\"1\":\"a\",\"20\":\"b\"}}");
  CHECK_INT(dec(&f, "{\"M\": {\"x\": \"a\"}}"), SL_ESERDE);
  CHECK_STR(f.err.msg, "Can't coerce string to type. targetType: INTEGER, path: $.M.x.key");
  fx_free(&f);
}

SL_TEST(serde_json_wrapping) {
  fx_t f;
  fx_init(&f);
  sl_column_t c = col("FOO", &sl_type_int);
  /* Values are wrapped by default... */
  CHECK_INT(mk(&f, "JSON", &c, 1, false, true, false, 0), 0);
  CHECK_INT(dec(&f, "{\"FOO\": 5}"), 0);
  CHECK_INT(f.v[0].u.i, 5);
  CHECK_STR(enc(&f), "{\"FOO\":5}");
  CHECK_INT(dec(&f, "5"), SL_ESERDE);
  CHECK_STR(f.err.msg,
            "Can't convert type. sourceType: IntNode, requiredType: STRUCT<`FOO` "
            "INTEGER>, path: $");
  CHECK_INT(dec(&f, ""), SL_ESERDE);
  CHECK(strstr(f.err.msg, "sourceType: MissingNode") != NULL);
  CHECK(sl_serde_is_null_payload(f.s, " null ", 6));
  CHECK(!sl_serde_is_null_payload(f.s, "{}", 2));
  CHECK_INT(dec(&f, "null"), 0);
  CHECK(sl_is_null(&f.v[0]));
  /* ...unless WRAP_SINGLE_VALUE=false. */
  CHECK_INT(mk(&f, "JSON", &c, 1, false, false, true, 0), 0);
  CHECK_INT(dec(&f, "5"), 0);
  CHECK_INT(f.v[0].u.i, 5);
  CHECK_STR(enc(&f), "5");
  CHECK(!sl_serde_is_null_payload(f.s, "null", 4));
  f.v[0] = sl_null();
  CHECK(sl_serde_encodes_null(f.s, f.v));
  /* Keys are unwrapped by default, even when the value setting says wrap. */
  CHECK_INT(mk(&f, "JSON", &c, 1, true, true, false, 0), 0);
  CHECK_INT(dec(&f, "\"7\""), 0);
  CHECK_INT(f.v[0].u.i, 7);
  CHECK_STR(enc(&f), "7");
  /* Several key columns make an object. */
  sl_column_t ks[] = {col("K1", &sl_type_string), col("K2", &sl_type_string)};
  CHECK_INT(mk(&f, "JSON", ks, 2, true, false, false, 0), 0);
  f.v[0] = sl_val_cstring("foo");
  f.v[1] = sl_null();
  CHECK_STR(enc(&f), "{\"K1\":\"foo\",\"K2\":null}");
  CHECK(!sl_serde_encodes_null(f.s, f.v));
  /* An unwrapped STRING column reads an empty document as "". */
  sl_column_t s = col("S", &sl_type_string);
  CHECK_INT(mk(&f, "JSON", &s, 1, true, false, false, 0), 0);
  CHECK_INT(dec(&f, "  "), 0);
  CHECK(str_is(&f.v[0], ""));
  fx_free(&f);
}

SL_TEST(serde_json_malformed) {
  fx_t f;
  fx_init(&f);
  sl_column_t c[] = {col("A", &sl_type_int), col("B", &sl_type_string)};
  CHECK_INT(mk(&f, "JSON", c, 2, false, true, false, 0), 0);
  const char *bad[] = {"{\"A\":",       "{\"A\":1,}",  "{\"A\":01}",
                       "{\"A\" 1}",     "{\"B\":\"x}", "{\"B\":\"\\x\"}",
                       "{\"Z\":[1,2}",  "{\"Z\":tru}", "{\"B\":\"a\nb\"}",
                       "{\"A\":-}",     "{\"A\":1.}",  "{\"Z\":{\"q\":1 2}}",
                       "[1,2]",         "{,}",         "{\"A\":1}x",
                       "{\"Z\":nulll}", "{",           "{\"ARR\":[",
                       "{\"M\":{",      "{\"A\":1"};
  for (size_t i = 0; i < SL_ARRAY_LEN(bad); i++) {
    int rc = dec(&f, bad[i]);
    /* "{...}x" is fine: ksqlDB ignores what follows the document. */
    if (i == 14) {
      CHECK_INT(rc, 0);
      continue;
    }
    if (rc != SL_ESERDE) sl_test_fail(__FILE__, __LINE__, "accepted bad JSON #%zu: %s", i, bad[i]);
    CHECK(sl_is_null(&f.v[0]));
  }
  CHECK_INT(dec(&f, "{\"A\":01}"), SL_ESERDE);
  CHECK_STR(f.err.msg, "Invalid numeric value: Leading zeroes not allowed");
  /* Deep nesting is refused rather than overflowing the stack. */
  sl_buf_t deep;
  sl_buf_init(&deep);
  sl_buf_puts(&deep, "{\"Z\":");
  for (int i = 0; i < 5000; i++) sl_buf_putc(&deep, '[');
  CHECK_INT(dec(&f, deep.data), SL_ESERDE);
  CHECK(strstr(f.err.msg, "nesting depth") != NULL);
  sl_buf_free(&deep);
  fx_free(&f);
}

SL_TEST(serde_json_encode_text_forms) {
  fx_t f;
  fx_init(&f);
  sl_value_t v;
  v = sl_val_double(1.0);
  CHECK_STR(value_json(&f, &v, &sl_type_double), "1.0");
  v = sl_val_double(1.5e10);
  CHECK_STR(value_json(&f, &v, &sl_type_double), "1.5E10");
  v = sl_val_double(0.001);
  CHECK_STR(value_json(&f, &v, &sl_type_double), "0.001");
  v = sl_val_double(1e-4);
  CHECK_STR(value_json(&f, &v, &sl_type_double), "1.0E-4");
  v = sl_val_double(-10.1);
  CHECK_STR(value_json(&f, &v, &sl_type_double), "-10.1");
  v = sl_val_double(NAN);
  CHECK_STR(value_json(&f, &v, &sl_type_double), "\"NaN\"");
  v = sl_val_double(-INFINITY);
  CHECK_STR(value_json(&f, &v, &sl_type_double), "\"-Infinity\"");
  v = sl_val_string("a\"b\\c\n\x01/\xc3\xa9", 10);
  CHECK_STR(value_json(&f, &v, &sl_type_string), "\"a\\\"b\\\\c\\n\\u0001/\xc3\xa9\"");
  v = sl_val_bigint(INT64_MIN);
  CHECK_STR(value_json(&f, &v, &sl_type_bigint), "-9223372036854775808");
  v = sl_val_int(-5);
  CHECK_STR(value_json(&f, &v, &sl_type_int), "-5");
  v = sl_val_decimal(5, 1);
  CHECK_STR(value_json(&f, &v, NULL), "0.5");
  /* A value whose scale differs from its column's is written at the column's. */
  CHECK_STR(value_json(&f, &v, sl_type_decimal(&f.a, 5, 3)), "0.500");
  v = sl_val_decimal(-12345, 0);
  CHECK_STR(value_json(&f, &v, NULL), "-12345");
  v = sl_null();
  CHECK_STR(value_json(&f, &v, &sl_type_int), "null");
  /* Doubles read back exactly. */
  double samples[] = {0.1, 1.0 / 3, 123456789.125, 5e-324, 1.7976931348623157e308, -2.5e-7};
  sl_column_t c = col("D", &sl_type_double);
  CHECK_INT(mk(&f, "JSON", &c, 1, false, false, true, 0), 0);
  for (size_t i = 0; i < SL_ARRAY_LEN(samples); i++) {
    f.v[0] = sl_val_double(samples[i]);
    char *text = strdup(enc(&f));
    CHECK_INT(dec(&f, text), 0);
    if (f.v[0].u.d != samples[i]) sl_test_fail(__FILE__, __LINE__, "%s did not round-trip", text);
    free(text);
  }
  fx_free(&f);
}

SL_TEST(serde_json_jansson_glue) {
  fx_t f;
  fx_init(&f);
  sl_type_field_t fields[] = {{.name = "ID", .type = &sl_type_bigint},
                              {.name = "TAGS", .type = sl_type_array(&f.a, &sl_type_string)},
                              {.name = "PRICE", .type = sl_type_decimal(&f.a, 6, 2)}};
  const sl_type_t *st = sl_type_struct(&f.a, 3, fields);
  json_error_t je;
  json_t *j = json_loads("{\"id\": 3, \"tags\": [\"a\", 2], \"price\": 9.5}", 0, &je);
  CHECK(j != NULL);
  sl_value_t v;
  CHECK_INT(sl_json_to_value(j, st, &f.a, &v, &f.err), 0);
  CHECK_INT(v.kind, SL_T_STRUCT);
  CHECK_INT(v.u.st.fields[0].u.l, 3);
  CHECK(str_is(&v.u.st.fields[1].u.arr.items[1], "2"));
  CHECK_INT((long long)v.u.st.fields[2].u.dec.unscaled, 950);
  json_decref(j);
  CHECK_STR(value_json(&f, &v, st), "{\"ID\":3,\"TAGS\":[\"a\",\"2\"],\"PRICE\":9.50}");
  json_t *back = sl_value_to_json(&v, st);
  char *dump = json_dumps(back, JSON_COMPACT);
  CHECK_STR(dump, "{\"ID\":3,\"TAGS\":[\"a\",\"2\"],\"PRICE\":9.5}");
  free(dump);
  json_decref(back);
  j = json_string("x");
  sl_error_clear(&f.err);
  CHECK_INT(sl_json_to_value(j, &sl_type_int, &f.a, &v, &f.err), SL_ESERDE);
  CHECK_STR(f.err.msg, "Can't coerce string to type. targetType: INTEGER, path: $");
  json_decref(j);
  sl_error_clear(&f.err);
  CHECK_INT(sl_json_text_to_value("12.50", 5, sl_type_decimal(&f.a, 5, 3), &f.a, &v, &f.err), 0);
  CHECK_INT((long long)v.u.dec.unscaled, 12500);
  fx_free(&f);
}

/* ---- DELIMITED ---- */

SL_TEST(serde_delimited_decode) {
  fx_t f;
  fx_init(&f);
  sl_column_t cols[] = {col("ID", &sl_type_bigint), col("NAME", &sl_type_string),
                        col("V", &sl_type_double)};
  CHECK_INT(mk(&f, "DELIMITED", cols, 3, false, true, false, 0), 0);
  CHECK_INT(dec(&f, "0,zero,0.5"), 0);
  CHECK_INT(f.v[0].u.l, 0);
  CHECK(str_is(&f.v[1], "zero"));
  CHECK(f.v[2].u.d == 0.5);
  CHECK_INT(dec(&f, "\"1\",\"a,\"\"b\"\"\"  ,"), 0);
  CHECK_INT(f.v[0].u.l, 1);
  CHECK(str_is(&f.v[1], "a,\"b\""));
  CHECK(sl_is_null(&f.v[2]));
  CHECK_INT(dec(&f, "\r\n,\"\", 1.5\r\nignored,line"), 0);
  CHECK(sl_is_null(&f.v[0]));
  CHECK(sl_is_null(&f.v[1])); /* an empty string is NULL, even quoted */
  CHECK(f.v[2].kind == SL_T_DOUBLE && f.v[2].u.d == 1.5);
  CHECK_INT(dec(&f, ",,"), 0);
  CHECK_INT(dec(&f, "1, b ,2"), 0);
  CHECK(str_is(&f.v[1], " b ")); /* spaces are kept */
  CHECK_INT(dec(&f, "1,2"), SL_ESERDE);
  CHECK_STR(f.err.msg,
            "Error deserializing delimited: Column count mismatch on deserialization. "
            "expected: 3, got: 2");
  CHECK_INT(dec(&f, "1,2,3,4"), SL_ESERDE);
  CHECK(strstr(f.err.msg, "expected: 3, got: 4") != NULL);
  CHECK_INT(dec(&f, ""), SL_ESERDE);
  CHECK_STR(f.err.msg, "Error deserializing delimited: No fields in record");
  CHECK_INT(dec(&f, "x,y,1"), SL_ESERDE);
  CHECK_STR(f.err.msg, "Error deserializing delimited: For input string: \"x\"");
  CHECK_INT(dec(&f, "1,\"y,1"), SL_ESERDE);
  CHECK(strstr(f.err.msg, "EOF reached before encapsulated token finished") != NULL);
  CHECK_INT(dec(&f, "1,\"y\"z,1"), SL_ESERDE);
  CHECK(strstr(f.err.msg, "invalid char between encapsulated token and delimiter") != NULL);
  fx_free(&f);
}

SL_TEST(serde_delimited_types) {
  fx_t f;
  fx_init(&f);
  sl_column_t cols[] = {col("B", &sl_type_boolean),
                        col("I", &sl_type_int),
                        col("D", sl_type_decimal(&f.a, 33, 16)),
                        col("Y", &sl_type_bytes),
                        col("TS", &sl_type_timestamp),
                        col("DT", &sl_type_date),
                        col("T", &sl_type_time)};
  CHECK_INT(mk(&f, "DELIMITED", cols, 7, false, true, false, 0), 0);
  CHECK_INT(dec(&f, "TRUE,-7,.12,AQID,1000,19000,5"), 0);
  CHECK(f.v[0].u.b);
  CHECK_INT(f.v[1].u.i, -7);
  CHECK_INT((long long)f.v[2].u.dec.unscaled, 1200000000000000LL);
  CHECK_INT(f.v[2].u.dec.scale, 16);
  CHECK_INT(f.v[3].u.s.len, 3);
  CHECK_INT(f.v[4].u.l, 1000);
  CHECK_INT(f.v[5].u.i, 19000);
  CHECK_INT(f.v[6].u.i, 5);
  CHECK_STR(enc(&f), "true,-7,0.1200000000000000,AQID,1000,19000,5");
  CHECK_INT(dec(&f, "yes,1,1,,,,"), 0);
  CHECK(!f.v[0].u.b); /* Boolean.parseBoolean: anything but "true" is false */
  CHECK_INT(dec(&f, "true,2147483648,1,,,,"), SL_ESERDE);
  fx_free(&f);
}

SL_TEST(serde_delimited_encode_quoting) {
  fx_t f;
  fx_init(&f);
  sl_column_t s4[] = {col("A", &sl_type_string), col("B", &sl_type_string),
                      col("C", &sl_type_string), col("D", &sl_type_string)};
  CHECK_INT(mk(&f, "DELIMITED", s4, 4, false, true, false, 0), 0);
  f.v[0] = sl_val_cstring(" \t with white space \t");
  f.v[1] = sl_val_cstring(" \t WITH WHITE SPACE \t");
  f.v[2] = sl_val_cstring("with white space");
  f.v[3] = sl_val_cstring("\t wit");
  CHECK_STR(enc(&f),
            "\" \t with white space \t\",\" \t WITH WHITE SPACE \t\",with white "
            "space,\"\t wit\"");
  f.v[0] = sl_val_cstring("s");
  f.v[1] = sl_val_cstring("S");
  f.v[2] = sl_val_cstring("s");
  f.v[3] = sl_val_cstring("");
  CHECK_STR(enc(&f), "s,S,s,");
  f.v[0] = sl_val_cstring("");
  f.v[1] = sl_null();
  f.v[2] = sl_val_cstring("a\"b");
  f.v[3] = sl_val_cstring("x,y");
  CHECK_STR(enc(&f), "\"\",,\"a\"\"b\",\"x,y\"");
  f.v[0] = sl_null();
  f.v[2] = sl_val_cstring("line\nbreak");
  f.v[3] = sl_val_cstring("#hash");
  CHECK_STR(enc(&f), ",,\"line\nbreak\",\"#hash\"");
  /* Round trip of the awkward ones. */
  char *text = strdup(enc(&f));
  CHECK_INT(dec(&f, text), 0);
  CHECK(str_is(&f.v[2], "line\nbreak"));
  CHECK(str_is(&f.v[3], "#hash"));
  free(text);

  /* The first field is quoted unless it starts with a letter or digit. */
  sl_column_t k3[] = {col("F3", &sl_type_int), col("F2", &sl_type_string), col("F1", &sl_type_int)};
  CHECK_INT(mk(&f, "DELIMITED", k3, 3, true, false, false, 0), 0);
  f.v[0] = sl_val_int(-1);
  f.v[1] = sl_val_cstring("a");
  f.v[2] = sl_val_int(-1);
  CHECK_STR(enc(&f), "\"-1\",a,-1");
  sl_column_t d = col("V", sl_type_decimal(&f.a, 33, 16));
  CHECK_INT(mk(&f, "DELIMITED", &d, 1, false, true, false, 0), 0);
  CHECK_INT(dec(&f, "\"-12345.12\""), 0);
  CHECK_STR(enc(&f), "\"-12345.1200000000000000\"");
  CHECK_INT(dec(&f, "0"), 0);
  CHECK_STR(enc(&f), "0.0000000000000000");
  f.v[0] = sl_null();
  CHECK_STR(enc(&f), "");
  CHECK(!sl_serde_encodes_null(f.s, f.v));
  sl_column_t x = col("X", &sl_type_string);
  CHECK_INT(mk(&f, "DELIMITED", &x, 1, false, true, false, 0), 0);
  f.v[0] = sl_val_cstring(
      "\" + new java.util.function.Supplier<String>(){public String get() "
      "{return \"boom\";}}.get() + \"");
  CHECK_STR(enc(&f),
            "\"\"\" + new java.util.function.Supplier<String>(){public String get() "
            "{return \"\"boom\"\";}}.get() + \"\"\"");
  fx_free(&f);
}

SL_TEST(serde_delimited_custom_delimiters) {
  fx_t f;
  fx_init(&f);
  sl_column_t cols[] = {col("ID", &sl_type_bigint), col("NAME", &sl_type_string),
                        col("VALUE", &sl_type_int)};
  const char delims[] = {'|', '\t', ' ', '$'};
  const char *inputs[] = {"0|zero|0", "0\tzero\t0", "0 zero 0", "0$zero$0"};
  for (int i = 0; i < 4; i++) {
    CHECK_INT(mk(&f, "DELIMITED", cols, 3, false, true, false, delims[i]), 0);
    CHECK_INT(dec(&f, inputs[i]), 0);
    CHECK(str_is(&f.v[1], "zero"));
    CHECK_STR(enc(&f), inputs[i]);
  }
  /* A value containing the delimiter is quoted; a comma then is not special. */
  CHECK_INT(mk(&f, "DELIMITED", cols, 3, false, true, false, '|'), 0);
  f.v[1] = sl_val_cstring("a|b,c");
  CHECK_STR(enc(&f), "0|\"a|b,c\"|0");
  sl_column_t k2[] = {col("K1", &sl_type_string), col("K2", &sl_type_string)};
  CHECK_INT(mk(&f, "DELIMITED", k2, 2, true, false, false, ';'), 0);
  CHECK_INT(dec(&f, "foo,bar;baz"), 0);
  CHECK(str_is(&f.v[0], "foo,bar"));
  CHECK(str_is(&f.v[1], "baz"));
  fx_free(&f);
}

/* ---- KAFKA ---- */

SL_TEST(serde_kafka_primitives) {
  fx_t f;
  fx_init(&f);
  sl_column_t ci = col("K", &sl_type_int);
  CHECK_INT(mk(&f, "KAFKA", &ci, 1, true, false, false, 0), 0);
  f.v[0] = sl_val_int(-2);
  enc(&f);
  CHECK_INT(f.out.len, 4);
  CHECK(memcmp(f.out.data, "\xff\xff\xff\xfe", 4) == 0);
  CHECK_INT(sl_serde_decode(f.s, "\0\0\1\0", 4, &f.a, f.v, &f.err), 0);
  CHECK_INT(f.v[0].u.i, 256);
  sl_error_clear(&f.err);
  CHECK_INT(sl_serde_decode(f.s, "\0\0\1", 3, &f.a, f.v, &f.err), SL_ESERDE);
  CHECK_STR(f.err.msg, "Size of data received by IntegerDeserializer is not 4");

  sl_column_t cl = col("K", &sl_type_bigint);
  CHECK_INT(mk(&f, "KAFKA", &cl, 1, true, false, false, 0), 0);
  f.v[0] = sl_val_bigint(10000000000LL);
  enc(&f);
  CHECK_INT(f.out.len, 8);
  CHECK_INT(sl_serde_decode(f.s, f.out.data, 8, &f.a, f.v, &f.err), 0);
  CHECK_INT(f.v[0].u.l, 10000000000LL);
  CHECK_INT(dec(&f, "abc"), SL_ESERDE);
  CHECK_STR(f.err.msg, "Size of data received by LongDeserializer is not 8");

  sl_column_t cd = col("K", &sl_type_double);
  CHECK_INT(mk(&f, "KAFKA", &cd, 1, true, false, false, 0), 0);
  f.v[0] = sl_val_double(1.1);
  enc(&f);
  CHECK(memcmp(f.out.data, "\x3f\xf1\x99\x99\x99\x99\x99\x9a", 8) == 0);
  CHECK_INT(sl_serde_decode(f.s, f.out.data, 8, &f.a, f.v, &f.err), 0);
  CHECK(f.v[0].u.d == 1.1);
  CHECK_INT(dec(&f, ""), SL_ESERDE);
  CHECK_STR(f.err.msg, "Size of data received by DoubleDeserializer is not 8");

  sl_column_t cs = col("V", &sl_type_string);
  CHECK_INT(mk(&f, "KAFKA", &cs, 1, false, false, false, 0), 0);
  CHECK_INT(dec(&f, "bar"), 0);
  CHECK(str_is(&f.v[0], "bar"));
  CHECK_STR(enc(&f), "bar");
  CHECK_INT(dec(&f,
                "a\xff"
                "b\xe2\x82"),
            0); /* malformed UTF-8 is replaced, as Java does */
  CHECK(str_is(&f.v[0],
               "a\xef\xbf\xbd"
               "b\xef\xbf\xbd"));
  f.v[0] = sl_null();
  CHECK(sl_serde_encodes_null(f.s, f.v));
  CHECK_STR(enc(&f), "");

  sl_column_t cb = col("V", &sl_type_bytes);
  CHECK_INT(mk(&f, "KAFKA", &cb, 1, false, false, false, 0), 0);
  CHECK_INT(sl_serde_decode(f.s, "\0\xff", 2, &f.a, f.v, &f.err), 0);
  CHECK_INT(f.v[0].kind, SL_T_BYTES);
  CHECK_INT(f.v[0].u.s.len, 2);
  enc(&f);
  CHECK_INT(f.out.len, 2);

  /* A keyless stream: no columns, the key bytes are ignored. */
  CHECK_INT(mk(&f, "KAFKA", NULL, 0, true, false, false, 0), 0);
  CHECK_INT(dec(&f, "should be ignored"), 0);
  CHECK(sl_serde_encodes_null(f.s, f.v));
  fx_free(&f);
}

/* ---- windowed keys, base64, number text ---- */

SL_TEST(serde_window_keys) {
  sl_buf_t b;
  sl_buf_init(&b);
  sl_window_key_encode("k", 1, false, 1000, 2000, &b);
  CHECK_INT(b.len, 9);
  CHECK(memcmp(b.data, "k\0\0\0\0\0\0\x03\xe8", 9) == 0);
  size_t kl;
  int64_t st = 0, en = 0;
  CHECK_INT(sl_window_key_decode(b.data, b.len, false, &kl, &st, &en), 0);
  CHECK_INT(kl, 1);
  CHECK_INT(st, 1000);
  sl_buf_reset(&b);
  sl_window_key_encode("key", 3, true, 12, 465, &b);
  CHECK_INT(b.len, 19);
  CHECK_INT(b.data[9], 0x01); /* end (465 = 0x1d1) comes first */
  CHECK_INT(sl_window_key_decode(b.data, b.len, true, &kl, &st, &en), 0);
  CHECK_INT(kl, 3);
  CHECK_INT(st, 12);
  CHECK_INT(en, 465);
  CHECK_INT(sl_window_key_decode(b.data, 15, true, &kl, &st, &en), SL_ESERDE);
  CHECK_INT(sl_window_key_decode(b.data, 7, false, &kl, &st, &en), SL_ESERDE);
  sl_buf_reset(&b);
  sl_window_key_encode(NULL, 0, false, -1, 0, &b);
  CHECK_INT(sl_window_key_decode(b.data, b.len, false, &kl, &st, &en), 0);
  CHECK_INT(kl, 0);
  CHECK_INT(st, -1);
  sl_buf_free(&b);
}

SL_TEST(serde_base64) {
  const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char *coded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  sl_buf_t b;
  sl_buf_init(&b);
  for (int i = 0; i < 7; i++) {
    sl_buf_reset(&b);
    sl_base64_encode(plain[i], strlen(plain[i]), &b);
    CHECK_STR(b.len ? b.data : "", coded[i]);
    sl_buf_reset(&b);
    CHECK_INT(sl_base64_decode(coded[i], strlen(coded[i]), &b), 0);
    CHECK_INT(b.len, strlen(plain[i]));
    CHECK(b.len == 0 || memcmp(b.data, plain[i], b.len) == 0);
  }
  sl_buf_reset(&b);
  CHECK_INT(sl_base64_decode("Zm9vYg", 6, &b), 0); /* padding may be left out */
  CHECK_INT(b.len, 4);
  CHECK_INT(sl_base64_decode("Zm9v!", 5, &b), SL_EINVAL);
  CHECK_INT(sl_base64_decode("Z", 1, &b), SL_EINVAL);
  CHECK_INT(sl_base64_decode("Zg=", 3, &b), SL_EINVAL);
  unsigned char all[256];
  for (int i = 0; i < 256; i++) all[i] = (unsigned char)i;
  sl_buf_t e;
  sl_buf_init(&e);
  sl_base64_encode(all, 256, &e);
  sl_buf_reset(&b);
  CHECK_INT(sl_base64_decode(e.data, e.len, &b), 0);
  CHECK_INT(b.len, 256);
  CHECK(memcmp(b.data, all, 256) == 0);
  sl_buf_free(&e);
  sl_buf_free(&b);
}

SL_TEST(serde_java_number_text) {
  int32_t i;
  int64_t l;
  double d;
  CHECK(sl_java_parse_int("+5", 2, &i) && i == 5);
  CHECK(sl_java_parse_int("-2147483648", 11, &i) && i == INT32_MIN);
  CHECK(!sl_java_parse_int("2147483648", 10, &i));
  CHECK(!sl_java_parse_int(" 1", 2, &i));
  CHECK(!sl_java_parse_int("-", 1, &i));
  CHECK(!sl_java_parse_int("", 0, &i));
  CHECK(sl_java_parse_long("-9223372036854775808", 20, &l) && l == INT64_MIN);
  CHECK(!sl_java_parse_long("9223372036854775808", 19, &l));
  CHECK(sl_java_parse_double("1e5", 3, &d) && d == 1e5);
  CHECK(sl_java_parse_double(" .5 ", 4, &d) && d == 0.5);
  CHECK(sl_java_parse_double("5.", 2, &d) && d == 5.0);
  CHECK(sl_java_parse_double("2.5f", 4, &d) && d == 2.5);
  CHECK(sl_java_parse_double("-Infinity", 9, &d) && isinf(d) && d < 0);
  CHECK(sl_java_parse_double("NaN", 3, &d) && isnan(d));
  CHECK(sl_java_parse_double("0x1p3", 5, &d) && d == 8.0);
  CHECK(!sl_java_parse_double("inf", 3, &d));
  CHECK(!sl_java_parse_double("nan", 3, &d));
  CHECK(!sl_java_parse_double("0x1", 3, &d));
  CHECK(!sl_java_parse_double("1e", 2, &d));
  CHECK(!sl_java_parse_double(".", 1, &d));
  CHECK(sl_java_parse_boolean("TrUe", 4));
  CHECK(!sl_java_parse_boolean("1", 1));

  struct {
    const char *in, *str;
  } bd[] = {{"1.50", "1.50"},          {"-0.0", "0.0"},
            {"1e2", "1E+2"},           {"1.0e2", "1.0E+2"},
            {"0.000001", "0.000001"},  {"0.0000001", "1E-7"},
            {"123.4e-10", "1.234E-8"}, {"+7", "7"},
            {"00012.3", "12.3"}};
  for (size_t k = 0; k < SL_ARRAY_LEN(bd); k++) {
    sl_bigdec_t b;
    CHECK(sl_bigdec_parse(bd[k].in, strlen(bd[k].in), &b));
    sl_buf_t out;
    sl_buf_init(&out);
    sl_bigdec_to_string(&b, &out);
    CHECK_STR(out.data, bd[k].str);
    sl_buf_free(&out);
  }
  sl_bigdec_t b;
  CHECK(!sl_bigdec_parse("1e", 2, &b));
  CHECK(!sl_bigdec_parse("abc", 3, &b));
  CHECK(!sl_bigdec_parse("1.2.3", 5, &b));
  CHECK(sl_bigdec_parse("-1e20", 5, &b));
  CHECK_INT((int64_t)sl_bigdec_low64(&b), (int64_t)(0 - (uint64_t)7766279631452241920ULL));
  CHECK(sl_bigdec_parse("1e100", 5, &b));
  CHECK_INT((int64_t)sl_bigdec_low64(&b), 0);
  sl_buf_t out;
  sl_buf_init(&out);
  sl_serde_put_decimal(&out, -5, 3, true);
  CHECK_STR(out.data, "-0.005");
  sl_buf_free(&out);
}

SL_TEST(serde_double_text_matches_types) {
  /* The serde's fast Double.toString must agree with the types module's. */
  uint64_t x = 0x9E3779B97F4A7C15ULL;
  sl_buf_t a, b;
  sl_buf_init(&a);
  sl_buf_init(&b);
  double fixed[] = {1.0,  1.5e10, 0.001,  1e-4,   1e7,        9999999.0, 0.1 + 0.2, 100.0,
                    -2.5, 1e21,   1e-300, 5e-324, 123456.789, 3.452,     2.0 / 3,   1e16};
  for (int i = 0; i < 20000; i++) {
    double d;
    if (i < (int)SL_ARRAY_LEN(fixed)) {
      d = fixed[i];
    } else if (i % 2) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      memcpy(&d, &x, 8);
      if (!isfinite(d)) continue;
    } else {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      d = (double)(int64_t)(x % 2000000) / 1000.0; /* "decimal-looking" values */
    }
    sl_buf_reset(&a);
    sl_buf_reset(&b);
    sl_serde_put_double(&a, d);
    sl_format_double(d, &b);
    if (strcmp(a.data, b.data) != 0) {
      sl_test_fail(__FILE__, __LINE__, "%.17g: serde %s, types %s", d, a.data, b.data);
      break;
    }
  }
  sl_buf_free(&a);
  sl_buf_free(&b);
}

/* Every prefix and many one-byte corruptions of a document either decode or
 * fail cleanly; each is copied into an exact-size heap block so that reading
 * past the end shows up under ASan/valgrind. */
SL_TEST(serde_truncated_and_corrupted_input) {
  fx_t f;
  fx_init(&f);
  sl_type_field_t fields[] = {
      {.name = "A", .type = &sl_type_int},
      {.name = "M", .type = sl_type_map(&f.a, &sl_type_string, sl_type_decimal(&f.a, 6, 2))}};
  sl_column_t cols[] = {col("S", &sl_type_string), col("L", sl_type_array(&f.a, &sl_type_double)),
                        col("ST", sl_type_struct(&f.a, 2, fields)), col("B", &sl_type_bytes),
                        col("T", &sl_type_boolean)};
  const char *doc =
      "{\"s\": \"a\\u00e9\\\"\\n\", \"l\": [1.5, -2e3, null], \"st\": {\"a\": 7, "
      "\"m\": {\"k\": 1.25}}, \"b\": \"AQID\", \"t\": true, \"x\": [{}, \"}\"]}";
  CHECK_INT(mk(&f, "JSON", cols, 5, false, true, false, 0), 0);
  size_t n = strlen(doc);
  CHECK_INT(sl_serde_decode(f.s, doc, n, &f.a, f.v, &f.err), 0);
  int ok = 0;
  uint32_t x = 12345;
  for (size_t len = 0; len <= n + 64; len++) {
    char *buf = malloc(len ? len : 1);
    size_t use = len <= n ? len : n;
    memcpy(buf, doc, use);
    if (len > n) { /* corruption rounds: flip one byte of the full document */
      x = x * 1103515245 + 12345;
      buf[(x >> 8) % n] = (char)(x >> 16);
    }
    sl_error_clear(&f.err);
    int rc = sl_serde_decode(f.s, buf, use, &f.a, f.v, &f.err);
    CHECK(rc == 0 || (rc == SL_ESERDE && f.err.msg[0]));
    ok += rc == 0;
    free(buf);
  }
  CHECK(ok >= 1);
  sl_column_t dc[] = {col("A", &sl_type_string), col("B", &sl_type_int)};
  CHECK_INT(mk(&f, "DELIMITED", dc, 2, false, true, false, 0), 0);
  const char *line = "\"a,\"\"b\"\"\" ,12";
  n = strlen(line);
  for (size_t len = 0; len <= n; len++) {
    char *buf = malloc(len ? len : 1);
    memcpy(buf, line, len);
    sl_error_clear(&f.err);
    int rc = sl_serde_decode(f.s, buf, len, &f.a, f.v, &f.err);
    CHECK(rc == 0 || rc == SL_ESERDE);
    if (len == n) CHECK(rc == 0 && str_is(&f.v[0], "a,\"b\"") && f.v[1].u.i == 12);
    free(buf);
  }
  fx_free(&f);
}

/* ---- PROTOBUF_NOSR ---- */

static bool bytes_are(fx_t *f, const char *want, size_t n) {
  if (f->out.len == n && memcmp(f->out.data, want, n) == 0) return true;
  char hex[256] = "";
  for (size_t i = 0; i < f->out.len && i < 80; i++)
    snprintf(hex + strlen(hex), sizeof hex - strlen(hex), "%02x ", (unsigned char)f->out.data[i]);
  sl_test_fail(__FILE__, __LINE__, "bytes: %s", hex);
  return false;
}

SL_TEST(serde_protobuf_wire_layout) {
  fx_t f;
  fx_init(&f);
  sl_column_t cols[] = {col("ID", &sl_type_bigint), col("NAME", &sl_type_string),
                        col("VALUE", &sl_type_bigint), col("I", &sl_type_int)};
  CHECK_INT(mk(&f, "PROTOBUF_NOSR", cols, 4, false, true, false, 0), 0);
  f.v[0] = sl_val_bigint(1);
  f.v[1] = sl_val_cstring("zero");
  f.v[2] = sl_val_bigint(0); /* proto3 leaves defaults out */
  f.v[3] = sl_val_int(-1);   /* negative int32: ten-byte varint */
  enc(&f);
  CHECK(bytes_are(&f, "\x08\x01\x12\x04zero\x20\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 19));
  CHECK_INT(sl_serde_decode(f.s, f.out.data, f.out.len, &f.a, f.v, &f.err), 0);
  CHECK_INT(f.v[0].u.l, 1);
  CHECK(str_is(&f.v[1], "zero"));
  CHECK_INT(f.v[2].kind, SL_T_BIGINT);
  CHECK_INT(f.v[2].u.l, 0);
  CHECK_INT(f.v[3].u.i, -1);
  /* NULLs are written as nothing and read back as defaults, as in ksqlDB. */
  for (int i = 0; i < 4; i++) f.v[i] = sl_null();
  CHECK_STR(enc(&f), "");
  CHECK_INT(sl_serde_decode(f.s, "", 0, &f.a, f.v, &f.err), 0);
  CHECK(str_is(&f.v[1], ""));
  CHECK_INT(f.v[0].kind, SL_T_BIGINT);
  CHECK_INT(f.v[0].u.l, 0);
  /* Unknown fields are skipped; malformed input is an error. */
  CHECK_INT(sl_serde_decode(f.s, "\x08\x05\x78\x01\x82\x01\x01z", 8, &f.a, f.v, &f.err), 0);
  CHECK_INT(f.v[0].u.l, 5);
  CHECK_INT(sl_serde_decode(f.s,
                            "\x12\x05"
                            "ab",
                            4, &f.a, f.v, &f.err),
            SL_ESERDE);
  sl_error_clear(&f.err);
  CHECK_INT(sl_serde_decode(f.s, "\x08\x80", 2, &f.a, f.v, &f.err), SL_ESERDE);
  /* Single columns are always wrapped in a message. */
  sl_column_t one = col("V", &sl_type_int);
  CHECK_INT(mk(&f, "PROTOBUF_NOSR", &one, 1, true, false, false, 0), 0);
  f.v[0] = sl_val_int(42);
  enc(&f);
  CHECK(bytes_are(&f, "\x08\x2a", 2));
  CHECK_INT(mk(&f, "PROTOBUF_NOSR", &one, 1, false, false, true, 0), SL_ESEMANTIC);
  CHECK_STR(f.err.msg,
            "Format 'PROTOBUF_NOSR' does not support 'WRAP_SINGLE_VALUE' set to 'false'.");
  fx_free(&f);
}

SL_TEST(serde_protobuf_all_types_round_trip) {
  fx_t f;
  fx_init(&f);
  sl_type_field_t sf[] = {{.name = "A", .type = &sl_type_string},
                          {.name = "B", .type = &sl_type_double}};
  const sl_type_t *st = sl_type_struct(&f.a, 2, sf);
  sl_column_t cols[] = {col("D", sl_type_decimal(&f.a, 4, 2)),
                        col("DT", &sl_type_date),
                        col("T", &sl_type_time),
                        col("TS", &sl_type_timestamp),
                        col("L", sl_type_array(&f.a, &sl_type_int)),
                        col("SL", sl_type_array(&f.a, &sl_type_string)),
                        col("M", sl_type_map(&f.a, &sl_type_string, &sl_type_bigint)),
                        col("S", st),
                        col("B", &sl_type_boolean),
                        col("Y", &sl_type_bytes),
                        col("N", st)};
  CHECK_INT(mk(&f, "PROTOBUF_NOSR", cols, 11, false, true, false, 0), 0);
  sl_value_t ints[3] = {sl_val_int(1), sl_val_int(-2), sl_val_int(300)};
  sl_value_t strs[2] = {sl_val_cstring("x"), sl_val_cstring("")};
  sl_value_t kv[4] = {sl_val_cstring("k1"), sl_val_bigint(7), sl_val_cstring("k2"),
                      sl_val_bigint(0)};
  sl_value_t sv[2] = {sl_val_cstring("in"), sl_val_double(-0.5)};
  f.v[0] = sl_val_decimal(150, 2);
  f.v[1] = sl_val_date(18000);
  f.v[2] = sl_val_time(3723004);
  f.v[3] = sl_val_timestamp(-1500);
  f.v[4].kind = SL_T_ARRAY, f.v[4].u.arr.items = ints, f.v[4].u.arr.n = 3;
  f.v[5].kind = SL_T_ARRAY, f.v[5].u.arr.items = strs, f.v[5].u.arr.n = 2;
  f.v[6].kind = SL_T_MAP, f.v[6].u.arr.items = kv, f.v[6].u.arr.n = 2;
  f.v[7].kind = SL_T_STRUCT, f.v[7].u.st.fields = sv, f.v[7].u.st.type = st;
  f.v[8] = sl_val_bool(true);
  f.v[9] = sl_val_bytes("\0\1", 2);
  f.v[10] = sl_null();
  enc(&f);
  /* The decimal is confluent.type.Decimal {value 0x0096, precision 3, scale 2}. */
  CHECK(f.out.len > 10 && memcmp(f.out.data, "\x0a\x08\x0a\x02\x00\x96\x10\x03\x18\x02", 10) == 0);
  /* The int array is packed: field 5, wire type 2, 1 + 10 + 2 bytes. */
  CHECK(memmem(f.out.data, f.out.len,
               "\x2a\x0d\x01\xfe\xff\xff\xff\xff\xff\xff\xff\xff\x01\xac\x02", 15) != NULL);
  sl_buf_t copy;
  sl_buf_init(&copy);
  sl_buf_append(&copy, f.out.data, f.out.len);
  sl_value_t back[11];
  CHECK_INT(sl_serde_decode(f.s, copy.data, copy.len, &f.a, back, &f.err), 0);
  CHECK_INT((long long)back[0].u.dec.unscaled, 150);
  CHECK_INT(back[0].u.dec.scale, 2);
  CHECK_INT(back[1].u.i, 18000);
  CHECK_INT(back[2].u.i, 3723004);
  CHECK_INT(back[3].u.l, -1500);
  CHECK_INT(back[4].u.arr.n, 3);
  CHECK_INT(back[4].u.arr.items[1].u.i, -2);
  CHECK_INT(back[4].u.arr.items[2].u.i, 300);
  CHECK_INT(back[5].u.arr.n, 2);
  CHECK(str_is(&back[5].u.arr.items[1], ""));
  CHECK_INT(back[6].u.arr.n, 2);
  CHECK(str_is(&back[6].u.arr.items[2], "k2"));
  CHECK_INT(back[6].u.arr.items[3].u.l, 0);
  CHECK_INT(back[7].kind, SL_T_STRUCT);
  CHECK(str_is(&back[7].u.st.fields[0], "in"));
  CHECK(back[7].u.st.fields[1].u.d == -0.5);
  CHECK(back[8].u.b);
  CHECK_INT(back[9].u.s.len, 2);
  CHECK(sl_is_null(&back[10])); /* an absent message is NULL */
  /* Re-encoding what was read gives the same bytes. */
  sl_buf_reset(&f.out);
  CHECK_INT(sl_serde_encode(f.s, back, &f.out, &f.err), 0);
  CHECK(f.out.len == copy.len && memcmp(f.out.data, copy.data, copy.len) == 0);
  /* Negative decimals use two's complement. */
  f.v[0] = sl_val_decimal(-129, 2);
  for (int i = 1; i < 11; i++) f.v[i] = sl_null();
  enc(&f);
  CHECK(bytes_are(&f, "\x0a\x08\x0a\x02\xff\x7f\x10\x03\x18\x02", 10));
  CHECK_INT(sl_serde_decode(f.s, f.out.data, f.out.len, &f.a, back, &f.err), 0);
  CHECK_INT((long long)back[0].u.dec.unscaled, -129);
  CHECK_INT(back[4].kind, SL_T_ARRAY);
  CHECK_INT(back[4].u.arr.n, 0); /* absent repeated field: empty */
  sl_buf_free(&copy);
  fx_free(&f);
}
