/* test_pushdown.c - projection pushdown: which value columns a plan marks as
 * read (sl_plan_mark_used), the serdes' partial decode (unread columns are
 * NULL, yet a record whose unread column would not decode is still refused
 * with the message a full decode gives, as ksqlDB converts the whole row),
 * and queries over the in-memory driver giving the same output and
 * processing-log entries as before. */
#include <stdlib.h>

#include "sluice/engine.h"
#include "sluice/memdriver.h"
#include "sluice/plan.h"
#include "sluice/serde.h"
#include "unit.h"

/* ---------------- serde level ---------------- */

static const sl_type_t *row_struct(sl_arena_t *a) {
  static sl_type_field_t f[2];
  f[0] = (sl_type_field_t){"X", &sl_type_int};
  f[1] = (sl_type_field_t){"Y", &sl_type_string};
  return sl_type_struct(a, 2, f);
}

/* Seven value columns of assorted types, like the Nexmark bid. */
static sl_serde_t *wide_serde(const char *format, sl_arena_t *a) {
  sl_column_t cols[7] = {
      {.name = "AUCTION", .type = &sl_type_bigint, .ns = SL_NS_VALUE},
      {.name = "BIDDER", .type = &sl_type_bigint, .ns = SL_NS_VALUE},
      {.name = "PRICE", .type = &sl_type_double, .ns = SL_NS_VALUE},
      {.name = "CHANNEL", .type = &sl_type_string, .ns = SL_NS_VALUE},
      {.name = "OK", .type = &sl_type_boolean, .ns = SL_NS_VALUE},
      {.name = "TS", .type = &sl_type_int, .ns = SL_NS_VALUE},
      {.name = "EXTRA", .type = &sl_type_string, .ns = SL_NS_VALUE},
  };
  if (!strcmp(format, "JSON")) {
    cols[4].type = sl_type_decimal(a, 4, 2);
    cols[6].type = row_struct(a);
  }
  sl_serde_t *s = NULL;
  sl_error_t err;
  sl_error_clear(&err);
  CHECK_INT(sl_serde_new(format, cols, 7, false, NULL, a, &s, &err), 0);
  return s;
}

static const bool WANT_2_OF_7[7] = {false, true, false, false, false, false, false};

SL_TEST(pushdown_json_unread_columns_are_null) {
  sl_arena_t a;
  sl_arena_init(&a, 4096);
  sl_serde_t *s = wide_serde("JSON", &a);
  const char *rec =
      "{\"auction\":7,\"bidder\":42,\"price\":1.5,\"channel\":\"G\\u00e9 \\\"x\\\"\","
      "\"ok\":1.25,\"ts\":3,\"extra\":{\"X\":1,\"Y\":\"y\"}}";
  sl_value_t v[7];
  sl_error_t err;
  sl_error_clear(&err);
  bool want[7] = {false, true, false, true, false, false, false};
  CHECK_INT(sl_serde_decode_some(s, rec, strlen(rec), want, &a, v, &err), 0);
  CHECK(sl_is_null(&v[0]));
  CHECK_INT(v[1].kind, SL_T_BIGINT);
  CHECK_INT(v[1].u.l, 42);
  CHECK(sl_is_null(&v[2]));
  CHECK_INT(v[3].kind, SL_T_STRING);
  CHECK_INT(v[3].u.s.len, strlen("G\xc3\xa9 \"x\""));
  CHECK(v[3].u.s.len == strlen("G\xc3\xa9 \"x\"") && !memcmp(v[3].u.s.ptr, "G\xc3\xa9 \"x\"", 8));
  for (int i = 4; i < 7; i++) CHECK(sl_is_null(&v[i]));
  /* want NULL: every column, as sl_serde_decode. */
  CHECK_INT(sl_serde_decode_some(s, rec, strlen(rec), NULL, &a, v, &err), 0);
  CHECK_INT(v[0].u.l, 7);
  CHECK_INT(v[4].kind, SL_T_DECIMAL);
  CHECK_INT(v[6].kind, SL_T_STRUCT);
  sl_arena_free(&a);
}

/* Records a full decode refuses (or accepts): a partial decode must agree,
 * message for message, whichever columns it builds. */
static const char *const JSON_CASES[] = {
    /* type errors in columns the partial decode does not build */
    "{\"auction\":\"x7\",\"bidder\":1}",
    "{\"auction\":[1],\"bidder\":1}",
    "{\"auction\":{},\"bidder\":1}",
    "{\"auction\":true,\"bidder\":1}",
    "{\"price\":\"abc\",\"bidder\":1}",
    "{\"price\":\"1.5\",\"bidder\":1}",
    "{\"ok\":123.456,\"bidder\":1}",
    "{\"ok\":\"1.2\",\"bidder\":1}",
    "{\"ok\":true,\"bidder\":1}",
    "{\"ts\":\"3\",\"bidder\":1}",
    "{\"ts\":2.5,\"bidder\":1}",
    "{\"ts\":99999999999999999999,\"bidder\":1}",
    "{\"extra\":{\"X\":\"no\"},\"bidder\":1}",
    "{\"extra\":[1,2],\"bidder\":1}",
    "{\"extra\":{\"x\":1,\"Y\":[1,{\"a\":2}]},\"bidder\":1}",
    /* malformed JSON inside unread values */
    "{\"channel\":\"abc,\"bidder\":1}",
    "{\"channel\":\"a\\qb\",\"bidder\":1}",
    "{\"channel\":\"a\\u12G4\",\"bidder\":1}",
    "{\"channel\":\"a\x01"
    "b\",\"bidder\":1}",
    "{\"channel\":\"a very long string with a control byte past sixteen\x1f"
    "x\",\"bidder\":1}",
    "{\"channel\":[1,2,,3],\"bidder\":1}",
    "{\"channel\":{\"a\":tru},\"bidder\":1}",
    "{\"channel\":{\"a\" 1},\"bidder\":1}",
    "{\"channel\":-,\"bidder\":1}",
    "{\"channel\":01,\"bidder\":1}",
    "{\"channel\":1.e5,\"bidder\":1}",
    "{\"channel\":nul,\"bidder\":1}",
    "{\"extra\":{\"X\":1,},\"bidder\":1}",
    "{\"auction\":1 \"bidder\":1}",
    "{\"auction\":1,\"bidder\":1",
    "{\"auction\":\"unterminated",
    "[1,2]",
    "\"text\"",
    "",
    "null",
    /* accepted: coercions, nulls, case-insensitive and duplicate keys */
    "{\"channel\":{\"a\":[1,\"b\",null]},\"ok\":\"12.5\",\"ts\":\"-4\",\"bidder\":1}",
    "{\"AUCTION\":1,\"auction\":\"2\",\"Auction\":3,\"bidder\":\"9\"}",
    "{\"bidder\":1,\"bidder\":2,\"BIDDER\":3,\"price\":null,\"extra\":null}",
    "{\"channel\":\"\xc3\xa9t\xc3\xa9 and more than sixteen bytes \xff of text\",\"bidder\":5}",
    "  {\"bidder\" : 1 , \"unknown\" : {\"deep\" : [[[]]]}}  trailing",
};

static void check_agree(sl_serde_t *s, const char *rec, const bool *want, sl_arena_t *a) {
  sl_value_t full[7], part[7];
  sl_error_t e1, e2;
  sl_error_clear(&e1);
  sl_error_clear(&e2);
  int r1 = sl_serde_decode(s, rec, strlen(rec), a, full, &e1);
  int r2 = sl_serde_decode_some(s, rec, strlen(rec), want, a, part, &e2);
  CHECK_INT(r2, r1);
  if (r1 != r2 || strcmp(e1.msg, e2.msg) != 0)
    printf("  record %s\n  full: %s\n  part: %s\n", rec, e1.msg, e2.msg);
  CHECK_STR(e2.msg, e1.msg);
  if (r1 || r2) return;
  for (int i = 0; i < 7; i++) {
    if (want[i]) {
      CHECK(sl_value_equal(&part[i], &full[i]));
    } else {
      CHECK(sl_is_null(&part[i]));
    }
  }
}

SL_TEST(pushdown_json_partial_decode_refuses_what_full_decode_refuses) {
  sl_arena_t a;
  sl_arena_init(&a, 4096);
  sl_serde_t *s = wide_serde("JSON", &a);
  bool none[7] = {false};
  int refused = 0;
  for (size_t i = 0; i < SL_ARRAY_LEN(JSON_CASES); i++) {
    check_agree(s, JSON_CASES[i], WANT_2_OF_7, &a);
    check_agree(s, JSON_CASES[i], none, &a);
    sl_value_t v[7];
    sl_error_t err;
    sl_error_clear(&err);
    refused += sl_serde_decode(s, JSON_CASES[i], strlen(JSON_CASES[i]), &a, v, &err) != 0;
  }
  /* The cases really exercise both outcomes. */
  CHECK_INT(refused, 28);
  sl_arena_free(&a);
}

/* Quoted lower-case column names take the general key matching path. */
SL_TEST(pushdown_json_mixed_case_column_names) {
  sl_arena_t a;
  sl_arena_init(&a, 4096);
  sl_column_t cols[3] = {
      {.name = "id", .type = &sl_type_int, .ns = SL_NS_VALUE},
      {.name = "ID", .type = &sl_type_string, .ns = SL_NS_VALUE},
      {.name = "dateTime", .type = &sl_type_bigint, .ns = SL_NS_VALUE},
  };
  sl_serde_t *s = NULL;
  sl_error_t err;
  sl_error_clear(&err);
  CHECK_INT(sl_serde_new("JSON", cols, 3, false, NULL, &a, &s, &err), 0);
  const char *recs[] = {
      "{\"id\":1,\"ID\":\"x\",\"dateTime\":3}", "{\"Id\":\"7\",\"datetime\":4}",
      "{\"ID\":\"x\",\"id\":\"bad\"}",          "{\"iD\":\"bad\",\"dateTime\":1}",
      "{\"DATETIME\":1,\"dateTime\":\"no\"}",
  };
  const bool wants[3][3] = {{true, false, false}, {false, true, false}, {false, false, true}};
  for (size_t r = 0; r < SL_ARRAY_LEN(recs); r++)
    for (int w = 0; w < 3; w++) {
      sl_value_t full[3], part[3];
      sl_error_t e1, e2;
      sl_error_clear(&e1);
      sl_error_clear(&e2);
      int r1 = sl_serde_decode(s, recs[r], strlen(recs[r]), &a, full, &e1);
      int r2 = sl_serde_decode_some(s, recs[r], strlen(recs[r]), wants[w], &a, part, &e2);
      CHECK_INT(r2, r1);
      CHECK_STR(e2.msg, e1.msg);
      for (int i = 0; r1 == 0 && i < 3; i++)
        CHECK(wants[w][i] ? sl_value_equal(&part[i], &full[i]) : sl_is_null(&part[i]));
    }
  sl_value_t v[3];
  sl_error_clear(&err);
  CHECK_INT(sl_serde_decode(s, recs[1], strlen(recs[1]), &a, v, &err), 0);
  CHECK(sl_is_null(&v[0])); /* "Id" feeds `ID` (its upper-cased name), not `id` */
  CHECK_INT(v[1].kind, SL_T_STRING);
  CHECK(v[1].u.s.len == 1 && v[1].u.s.ptr[0] == '7');
  CHECK(sl_is_null(&v[2])); /* and "datetime" does not feed `dateTime` */
  sl_arena_free(&a);
}

SL_TEST(pushdown_json_type_error_in_unread_column_names_its_path) {
  sl_arena_t a;
  sl_arena_init(&a, 4096);
  sl_serde_t *s = wide_serde("JSON", &a);
  const char *rec = "{\"auction\":\"x7\",\"bidder\":1}";
  sl_value_t v[7];
  sl_error_t err;
  sl_error_clear(&err);
  CHECK_INT(sl_serde_decode_some(s, rec, strlen(rec), WANT_2_OF_7, &a, v, &err), SL_ESERDE);
  CHECK_STR(err.msg, "Can't coerce string to type. targetType: BIGINT, path: $.AUCTION");
  sl_arena_free(&a);
}

/* Strings long enough for the block scanner, with the interesting byte at
 * every position: escapes, control bytes and non-ASCII text all found. */
SL_TEST(pushdown_json_string_scan_every_position) {
  sl_arena_t a;
  sl_arena_init(&a, 4096);
  sl_column_t col = {.name = "S", .type = &sl_type_string, .ns = SL_NS_VALUE};
  sl_serde_t *s = NULL;
  sl_error_t err;
  sl_error_clear(&err);
  CHECK_INT(sl_serde_new("JSON", &col, 1, false, NULL, &a, &s, &err), 0);
  for (int pos = 0; pos < 40; pos++) {
    char text[64], rec[128];
    memset(text, 'a', 40);
    text[40] = 0;
    sl_value_t v;
    /* an escaped quote at pos */
    snprintf(rec, sizeof rec, "{\"S\":\"%.*s\\\"%s\"}", pos, text, text + pos);
    sl_error_clear(&err);
    CHECK_INT(sl_serde_decode(s, rec, strlen(rec), &a, &v, &err), 0);
    CHECK_INT(v.u.s.len, 41);
    CHECK(v.u.s.len == 41 && v.u.s.ptr[pos] == '"');
    /* an invalid UTF-8 byte at pos becomes U+FFFD (3 bytes) */
    snprintf(rec, sizeof rec, "{\"S\":\"%.*s\xff%s\"}", pos, text, text + pos + 1);
    sl_error_clear(&err);
    CHECK_INT(sl_serde_decode(s, rec, strlen(rec), &a, &v, &err), 0);
    CHECK_INT(v.u.s.len, 42);
    CHECK(v.u.s.len == 42 && !memcmp(v.u.s.ptr + pos, "\xef\xbf\xbd", 3));
    /* a raw control byte at pos is refused */
    snprintf(rec, sizeof rec, "{\"S\":\"%.*s\t%s\"}", pos, text, text + pos + 1);
    sl_error_clear(&err);
    CHECK_INT(sl_serde_decode(s, rec, strlen(rec), &a, &v, &err), SL_ESERDE);
    CHECK(strstr(err.msg, "CTRL-CHAR, code 9") != NULL);
    /* the closing quote at pos */
    snprintf(rec, sizeof rec, "{\"S\":\"%.*s\"}", pos, text);
    sl_error_clear(&err);
    CHECK_INT(sl_serde_decode(s, rec, strlen(rec), &a, &v, &err), 0);
    CHECK_INT(v.u.s.len, pos);
    /* and no closing quote at all */
    snprintf(rec, sizeof rec, "{\"S\":\"%.*s", pos, text);
    sl_error_clear(&err);
    CHECK_INT(sl_serde_decode(s, rec, strlen(rec), &a, &v, &err), SL_ESERDE);
    CHECK(strstr(err.msg, "expecting closing quote") != NULL);
  }
  sl_arena_free(&a);
}

SL_TEST(pushdown_delimited_partial_decode) {
  sl_arena_t a;
  sl_arena_init(&a, 4096);
  sl_serde_t *s = wide_serde("DELIMITED", &a);
  const bool want[7] = {false, true, false, false, false, false, true};
  sl_value_t v[7];
  sl_error_t err;
  sl_error_clear(&err);
  const char *ok = "1,2,3.5,abc,true,4,ex";
  CHECK_INT(sl_serde_decode_some(s, ok, strlen(ok), want, &a, v, &err), 0);
  CHECK(sl_is_null(&v[0]) && sl_is_null(&v[3]) && sl_is_null(&v[5]));
  CHECK_INT(v[1].u.l, 2);
  CHECK_INT(v[6].kind, SL_T_STRING);
  /* A bad number in an unread column is refused as before. */
  const char *bad = "x1,2,3.5,abc,true,4,ex";
  sl_error_t e1;
  sl_error_clear(&e1);
  CHECK_INT(sl_serde_decode(s, bad, strlen(bad), &a, v, &e1), SL_ESERDE);
  sl_error_clear(&err);
  CHECK_INT(sl_serde_decode_some(s, bad, strlen(bad), want, &a, v, &err), SL_ESERDE);
  CHECK_STR(err.msg, e1.msg);
  CHECK_STR(err.msg, "Error deserializing delimited: For input string: \"x1\"");
  /* So is a wrong field count. */
  sl_error_clear(&err);
  CHECK_INT(sl_serde_decode_some(s, "1,2", 3, want, &a, v, &err), SL_ESERDE);
  CHECK(strstr(err.msg, "expected: 7, got: 2") != NULL);
  sl_arena_free(&a);
}

/* ---------------- plans and queries ---------------- */

typedef struct plog_cap {
  int n;
  char last[512];
} plog_cap_t;

static void cap_plog(void *ctx, const sl_plog_entry_t *e) {
  plog_cap_t *c = ctx;
  c->n++;
  snprintf(c->last, sizeof c->last, "%s: %s", e->kind, e->message);
}

#define PD_FIXTURE()                                                             \
  sl_memdriver_t *md = sl_memdriver_new();                                       \
  sl_topic_driver_t *drv = sl_memdriver_driver(md);                              \
  plog_cap_t cap = {0};                                                          \
  sl_memdriver_set_plog(md, cap_plog, &cap);                                     \
  sl_engine_config_t cfg = {                                                     \
      .driver = drv, .start_queries = true, .plog = cap_plog, .plog_ctx = &cap}; \
  sl_engine_t *e;                                                                \
  sl_error_t err;                                                                \
  sl_error_clear(&err);                                                          \
  CHECK_INT(sl_engine_open(&cfg, &e, &err), 0);                                  \
  sl_session_t s;                                                                \
  sl_session_init(&s);                                                           \
  sl_map_put(s.props, "auto.offset.reset", sl_strdup("earliest"))

#define PD_TEARDOWN()  \
  sl_session_free(&s); \
  sl_engine_close(e);  \
  sl_memdriver_free(md)

static int pd_exec(sl_engine_t *e, sl_session_t *s, const char *sql) {
  sl_exec_result_t res;
  sl_error_t err;
  sl_error_clear(&err);
  int rc = sl_engine_execute(e, sql, s, &res, &err);
  if (rc) printf("  %s: %s\n", sql, err.msg);
  sl_exec_result_free(&res);
  return rc;
}

static const char BID_DDL[] =
    "CREATE STREAM BID (AUCTION BIGINT, BIDDER BIGINT, PRICE BIGINT, CHANNEL VARCHAR, "
    "URL VARCHAR, DATETIME BIGINT, EXTRA VARCHAR) WITH (KAFKA_TOPIC='bid', "
    "VALUE_FORMAT='JSON', PARTITIONS=1);";

/* The skip pattern of the plan source reading topic: "1" read, "0" not,
 * "*" when every column is decoded (value_used NULL). */
static const char *used_pattern(sl_query_t *q, const char *topic, char *buf) {
  strcpy(buf, "?");
  for (int i = 0; q && i < q->plan->nsources; i++) {
    const sl_pnode_t *n = q->plan->sources[i];
    if (strcmp(n->topic, topic) != 0) continue;
    if (!n->value_used) return strcpy(buf, "*");
    for (int j = 0; j < n->nvalue; j++) buf[j] = n->value_used[j] ? '1' : '0';
    buf[n->nvalue] = 0;
  }
  return buf;
}

static sl_query_t *last_query(sl_engine_t *e) {
  int n = sl_engine_query_count(e);
  return n ? sl_engine_query_at(e, n - 1) : NULL;
}

static void produce(sl_topic_driver_t *drv, const char *topic, const char *key, const char *value,
                    int64_t ts) {
  sl_record_t r = {.topic = topic, .partition = -1, .offset = -1, .timestamp = ts};
  if (key) {
    r.key = key;
    r.key_len = strlen(key);
  }
  r.value = value;
  r.value_len = strlen(value);
  sl_error_t err;
  sl_error_clear(&err);
  CHECK_INT(drv->produce(drv->ctx, &r, &err), 0);
}

static char *record_value(sl_memdriver_t *md, const char *topic, int i) {
  const sl_record_t *r = sl_memdriver_record_at(md, topic, i);
  if (!r || !r->value) return NULL;
  char *v = malloc(r->value_len + 1);
  memcpy(v, r->value, r->value_len);
  v[r->value_len] = 0;
  return v;
}

SL_TEST(pushdown_plan_marks_read_columns) {
  PD_FIXTURE();
  char b[64];
  CHECK_INT(pd_exec(e, &s, BID_DDL), 0);
  /* Projection and filter: BIDDER and PRICE read, the rest not. */
  CHECK_INT(pd_exec(e, &s, "CREATE STREAM O1 AS SELECT BIDDER FROM BID WHERE PRICE > 10;"), 0);
  CHECK_STR(used_pattern(last_query(e), "bid", b), "0110000");
  /* SELECT * reads everything. */
  CHECK_INT(pd_exec(e, &s, "CREATE STREAM O2 AS SELECT * FROM BID;"), 0);
  CHECK_STR(used_pattern(last_query(e), "bid", b), "*");
  /* GROUP BY and aggregate arguments (q12-like): through a repartition. */
  CHECK_INT(pd_exec(e, &s,
                    "CREATE TABLE O3 AS SELECT BIDDER, COUNT(*) AS N, MAX(PRICE) AS M FROM BID "
                    "WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY BIDDER;"),
            0);
  CHECK_STR(used_pattern(last_query(e), "bid", b), "0110000");
  /* Expressions inside functions, CASE and lambdas. */
  CHECK_INT(pd_exec(e, &s,
                    "CREATE STREAM O4 AS SELECT CASE WHEN LEN(URL) > 3 THEN 'x' END AS C, "
                    "TRANSFORM(ARRAY[AUCTION], x => x + DATETIME) AS T FROM BID;"),
            0);
  CHECK_STR(used_pattern(last_query(e), "bid", b), "1000110");
  PD_TEARDOWN();
}

SL_TEST(pushdown_timestamp_column_is_read) {
  PD_FIXTURE();
  char b[64];
  CHECK_INT(pd_exec(e, &s,
                    "CREATE STREAM BT (A INT, B INT, T BIGINT) WITH (KAFKA_TOPIC='bt', "
                    "VALUE_FORMAT='JSON', PARTITIONS=1, TIMESTAMP='T');"),
            0);
  CHECK_INT(pd_exec(e, &s, "CREATE STREAM OT AS SELECT A FROM BT;"), 0);
  CHECK_STR(used_pattern(last_query(e), "bt", b), "101");
  produce(drv, "bt", NULL, "{\"A\":1,\"B\":2,\"T\":5000}", 1);
  sl_memdriver_pump(md, &err);
  CHECK_INT(sl_memdriver_record_count(md, "OT"), 1);
  const sl_record_t *r = sl_memdriver_record_at(md, "OT", 0);
  CHECK(r != NULL);
  if (r) CHECK_INT(r->timestamp, 5000);
  PD_TEARDOWN();
}

/* A record whose unread column has the wrong type goes to the processing
 * log and is dropped, as in ksqlDB (which converts the whole row); good
 * records around it come out unchanged. */
SL_TEST(pushdown_bad_unread_column_still_goes_to_processing_log) {
  PD_FIXTURE();
  char b[64];
  CHECK_INT(pd_exec(e, &s, BID_DDL), 0);
  CHECK_INT(pd_exec(e, &s, "CREATE STREAM O AS SELECT AUCTION, BIDDER FROM BID;"), 0);
  CHECK_STR(used_pattern(last_query(e), "bid", b), "1100000");
  produce(drv, "bid", NULL,
          "{\"auction\":1,\"bidder\":2,\"price\":3,\"channel\":\"c\",\"url\":\"u\","
          "\"dateTime\":4,\"extra\":\"e\"}",
          10);
  produce(drv, "bid", NULL, "{\"auction\":5,\"bidder\":6,\"price\":\"cheap\",\"extra\":\"e\"}", 11);
  produce(drv, "bid", NULL, "{\"auction\":7,\"bidder\":8,\"url\":\"unterminated}", 12);
  produce(drv, "bid", NULL, "{\"auction\":9,\"bidder\":10,\"channel\":[1,{\"a\":null}]}", 13);
  sl_memdriver_pump(md, &err);
  CHECK_INT(cap.n, 2);
  CHECK_INT(sl_memdriver_record_count(md, "O"), 2);
  char *v0 = record_value(md, "O", 0), *v1 = record_value(md, "O", 1);
  CHECK_STR(v0, "{\"AUCTION\":1,\"BIDDER\":2}");
  CHECK_STR(v1, "{\"AUCTION\":9,\"BIDDER\":10}");
  free(v0);
  free(v1);
  PD_TEARDOWN();
}

SL_TEST(pushdown_bad_unread_column_message) {
  PD_FIXTURE();
  CHECK_INT(pd_exec(e, &s, BID_DDL), 0);
  CHECK_INT(pd_exec(e, &s, "CREATE STREAM O AS SELECT BIDDER FROM BID;"), 0);
  produce(drv, "bid", NULL, "{\"bidder\":6,\"price\":\"cheap\"}", 11);
  sl_memdriver_pump(md, &err);
  CHECK_INT(cap.n, 1);
  CHECK_STR(cap.last,
            "DESERIALIZATION_ERROR: Failed to deserialize value from topic: bid. Can't coerce "
            "string to type. targetType: BIGINT, path: $.PRICE");
  CHECK_INT(sl_memdriver_record_count(md, "O"), 0);
  PD_TEARDOWN();
}

/* The stream-table join of the benchmark: the bid side is repartitioned;
 * only the columns the join reads cross the repartition topic, and the
 * auction table keeps only what the projection reads. */
SL_TEST(pushdown_stream_table_join_through_repartition) {
  PD_FIXTURE();
  char b[64];
  CHECK_INT(pd_exec(e, &s, BID_DDL), 0);
  CHECK_INT(
      pd_exec(e, &s,
              "CREATE TABLE AUC (ID BIGINT PRIMARY KEY, ITEMNAME VARCHAR, DESCRIPTION VARCHAR, "
              "SELLER BIGINT, CATEGORY INT) WITH (KAFKA_TOPIC='auc', KEY_FORMAT='JSON', "
              "VALUE_FORMAT='JSON', PARTITIONS=1);"),
      0);
  CHECK_INT(pd_exec(e, &s,
                    "CREATE STREAM EN AS SELECT B.AUCTION, B.BIDDER, B.PRICE, A.ITEMNAME, A.SELLER "
                    "FROM BID B JOIN AUC A ON B.AUCTION = A.ID EMIT CHANGES;"),
            0);
  sl_query_t *q = last_query(e);
  CHECK_STR(used_pattern(q, "bid", b), "1110000");
  CHECK_STR(used_pattern(q, "auc", b), "1010");
  const char *rt = NULL;
  for (int i = 0; q && i < q->plan->nsources; i++)
    if (q->plan->sources[i]->internal) rt = q->plan->sources[i]->topic;
  CHECK(rt != NULL);
  if (rt) CHECK_STR(used_pattern(q, rt, b), "1110000");

  produce(drv, "auc", "1",
          "{\"ITEMNAME\":\"lamp\",\"DESCRIPTION\":\"d\",\"SELLER\":3,\"CATEGORY\":4}", 1);
  sl_memdriver_pump(md, &err);
  produce(drv, "bid", NULL,
          "{\"auction\":1,\"bidder\":2,\"price\":30,\"channel\":\"c\",\"url\":\"u\","
          "\"dateTime\":4,\"extra\":\"e\"}",
          10);
  /* bad type in a column neither side reads: dropped before the join */
  produce(drv, "bid", NULL, "{\"auction\":1,\"bidder\":5,\"price\":6,\"dateTime\":\"soon\"}", 11);
  sl_memdriver_pump(md, &err);
  CHECK_INT(cap.n, 1);
  CHECK_INT(sl_memdriver_record_count(md, "EN"), 1);
  char *v = record_value(md, "EN", 0);
  CHECK_STR(v, "{\"BIDDER\":2,\"PRICE\":30,\"ITEMNAME\":\"lamp\",\"SELLER\":3}");
  free(v);
  PD_TEARDOWN();
}
