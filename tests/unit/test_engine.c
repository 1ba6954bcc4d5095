/* test_engine.c - the engine facade over the in-memory driver: DDL, INSERT
 * VALUES, a persistent query, and push and pull queries. */
#include <jansson.h>
#include <stdlib.h>
#include <unistd.h>

#include "sluice/engine.h"
#include "sluice/memdriver.h"
#include "sluice/plan.h"
#include "unit.h"

/* Every test runs an engine over a fresh in-memory driver, with a session. */
#define ENGINE_FIXTURE()                                           \
  sl_memdriver_t *md = sl_memdriver_new();                         \
  sl_topic_driver_t *drv = sl_memdriver_driver(md);                \
  sl_engine_config_t cfg = {.driver = drv, .start_queries = true}; \
  sl_engine_t *e;                                                  \
  sl_error_t err;                                                  \
  CHECK_INT(sl_engine_open(&cfg, &e, &err), 0);                    \
  sl_session_t s;                                                  \
  sl_session_init(&s)

#define ENGINE_TEARDOWN() \
  sl_session_free(&s);    \
  sl_engine_close(e);     \
  sl_memdriver_free(md)

typedef struct rows {
  json_t *got;
  int done;
} rows_t;

static int on_row(void *ctx, const json_t *row) {
  rows_t *r = ctx;
  json_array_append(r->got, (json_t *)row);
  return 0;
}

static void on_done(void *ctx, const sl_error_t *err) {
  rows_t *r = ctx;
  r->done = err && err->code ? -1 : 1;
}

static int exec(sl_engine_t *e, sl_session_t *s, const char *sql) {
  sl_exec_result_t res;
  sl_error_t err;
  int rc = sl_engine_execute(e, sql, s, &res, &err);
  if (rc) printf("  %s: %s\n", sql, err.msg);
  sl_exec_result_free(&res);
  return rc;
}

static void wait_done(rows_t *r) {
  for (int i = 0; i < 500 && !r->done; i++) usleep(10000);
}

SL_TEST(engine_pull_and_push_queries) {
  ENGINE_FIXTURE();
  CHECK_INT(exec(e, &s,
                 "CREATE STREAM S (ID INT KEY, NAME STRING, V INT) WITH (KAFKA_TOPIC='s', "
                 "VALUE_FORMAT='JSON', PARTITIONS=1);"),
            0);
  CHECK_INT(exec(e, &s, "INSERT INTO S (ID, NAME, V) VALUES (1, 'a', 10);"), 0);
  CHECK_INT(exec(e, &s, "INSERT INTO S (ID, NAME, V) VALUES (2, 'b', 20);"), 0);
  CHECK_INT(exec(e, &s, "INSERT INTO S (ID, NAME, V) VALUES (1, 'c', 30);"), 0);
  sl_memdriver_pump(md, &err);

  /* Pull over a stream: every row, filtered. */
  rows_t r = {.got = json_array()};
  sl_tquery_t *tq;
  sl_tquery_info_t info;
  CHECK_INT(sl_engine_query_start(e, "SELECT ID, NAME FROM S WHERE V > 15;", &s, on_row, on_done,
                                  &r, &tq, &info, &err),
            0);
  CHECK(info.is_pull);
  wait_done(&r);
  CHECK_INT(r.done, 1);
  char *j = json_dumps(r.got, JSON_COMPACT);
  CHECK_STR(j, "[[2,\"b\"],[1,\"c\"]]");
  free(j);
  j = json_dumps(info.schema, JSON_COMPACT | JSON_SORT_KEYS);
  CHECK_STR(j, "{\"columnNames\":[\"ID\",\"NAME\"],\"columnTypes\":[\"INTEGER\",\"STRING\"]}");
  free(j);
  sl_tquery_close(tq);
  json_decref(r.got);

  /* A table built by a persistent query, then pulled: latest row per key. */
  sl_map_put(s.props, "auto.offset.reset", sl_strdup("earliest"));
  CHECK_INT(exec(e, &s,
                 "CREATE TABLE T AS SELECT ID, COUNT(*) AS N, SUM(V) AS TOTAL FROM S GROUP BY ID;"),
            0);
  sl_memdriver_pump(md, &err);
  rows_t t = {.got = json_array()};
  CHECK_INT(sl_engine_query_start(e, "SELECT * FROM T;", &s, on_row, on_done, &t, &tq, &info, &err),
            0);
  wait_done(&t);
  j = json_dumps(t.got, JSON_COMPACT);
  CHECK_STR(j, "[[1,2,40],[2,1,20]]");
  free(j);
  sl_tquery_close(tq);
  json_decref(t.got);

  /* Push from the beginning, ended by LIMIT. */
  rows_t p = {.got = json_array()};
  CHECK_INT(sl_engine_query_start(e, "SELECT NAME FROM S EMIT CHANGES LIMIT 2;", &s, on_row,
                                  on_done, &p, &tq, &info, &err),
            0);
  CHECK(!info.is_pull);
  sl_memdriver_pump(md, &err);
  CHECK_INT(p.done, 1);
  j = json_dumps(p.got, JSON_COMPACT);
  CHECK_STR(j, "[[\"a\"],[\"b\"]]");
  free(j);
  sl_tquery_close(tq);
  json_decref(p.got);

  /* A bad query is a statement error with a position. */
  CHECK(sl_engine_query_start(e, "SELECT NOPE FROM S EMIT CHANGES;", &s, on_row, on_done, &p, &tq,
                              &info, &err) != 0);
  CHECK(strstr(err.msg, "NOPE") != NULL);

  ENGINE_TEARDOWN();
}

typedef struct feed {
  sl_task_t *t;
  int n;
} feed_t;

static int feed_restore(void *arg, const sl_record_t *rec) {
  feed_t *f = arg;
  sl_task_restore(f->t, rec);
  f->n++;
  return 0;
}

typedef struct outs {
  int n;
  char last[256];
} outs_t;

static int collect_emit(void *ctx, const sl_record_t *rec) {
  outs_t *o = ctx;
  if (strstr(rec->topic, "changelog")) return 0;
  o->n++;
  snprintf(o->last, sizeof o->last, "%.*s", (int)rec->value_len, (const char *)rec->value);
  return 0;
}

SL_TEST(engine_aggregate_state_restores_from_changelog) {
  ENGINE_FIXTURE();
  sl_map_put(s.props, "auto.offset.reset", sl_strdup("earliest"));
  CHECK_INT(exec(e, &s,
                 "CREATE STREAM S (ID INT KEY, V INT, D DOUBLE) WITH (KAFKA_TOPIC='s', "
                 "VALUE_FORMAT='JSON', PARTITIONS=1);"),
            0);
  CHECK_INT(exec(e, &s,
                 "CREATE TABLE T AS SELECT ID, COUNT(*) AS N, SUM(V) AS TOTAL, "
                 "COLLECT_LIST(V) AS VS, SUM(D) AS DS, MIN(V) AS LO, EARLIEST_BY_OFFSET(V) AS "
                 "FIRST, CORRELATION(V, D) AS C FROM S GROUP BY ID;"),
            0);
  CHECK_INT(exec(e, &s, "INSERT INTO S (ID, V, D) VALUES (1, 10, 1.5);"), 0);
  CHECK_INT(exec(e, &s, "INSERT INTO S (ID, V, D) VALUES (1, 20, 1.5);"), 0);
  CHECK_INT(exec(e, &s, "INSERT INTO S (ID, V) VALUES (2, 5);"), 0);
  sl_memdriver_pump(md, &err);
  sl_query_t *q = sl_engine_query_at(e, 0);
  CHECK_INT(sl_query_changelog_count(q), 1);
  /* A fresh task (as after a restart) restores from the changelog ... */
  outs_t o = {0};
  sl_task_io_t io = {.emit = collect_emit, .emit_ctx = &o};
  sl_task_t *t;
  CHECK_INT(sl_task_new(q, 0, &io, &t, &err), 0);
  feed_t f = {.t = t};
  CHECK_INT(drv->scan_topic(drv->ctx, sl_query_changelog_topic(q, 0), feed_restore, &f, &err), 0);
  CHECK(f.n >= 2);
  /* ... and carries on counting where the old one stopped. */
  const char *v = "{\"V\":30,\"D\":1.0}";
  sl_record_t rec = {.topic = "s",
                     .partition = 0,
                     .offset = 99,
                     .timestamp = 1000,
                     .key = "\0\0\0\1",
                     .key_len = 4,
                     .value = v,
                     .value_len = strlen(v)};
  CHECK_INT(sl_task_process(t, &rec), 0);
  CHECK_INT(o.n, 1);
  /* (a whole DOUBLE sum, 3.0, is stored as "3": it must restore as 3.0;
   * CORRELATION of (10,1.5) (20,1.5) (30,1.0) is -sqrt(3)/2) */
  CHECK_STR(o.last,
            "{\"N\":3,\"TOTAL\":60,\"VS\":[10,20,30],\"DS\":4.0,\"LO\":10,"
            "\"FIRST\":10,\"C\":-0.8660254037844386}");
  sl_task_free(t);
  ENGINE_TEARDOWN();
}

SL_TEST(engine_idle_stream_time_closes_windows) {
  ENGINE_FIXTURE();
  sl_map_put(s.props, "auto.offset.reset", sl_strdup("earliest"));
  sl_map_put(s.props, "sluice.stream.time.idle.ms", sl_strdup("100"));
  CHECK_INT(exec(e, &s,
                 "CREATE STREAM S (ID INT KEY, V INT) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON', "
                 "PARTITIONS=1);"),
            0);
  CHECK_INT(exec(e, &s,
                 "CREATE TABLE W AS SELECT ID, COUNT(*) AS N FROM S WINDOW TUMBLING (SIZE 10 "
                 "SECONDS, GRACE PERIOD 0 SECONDS) GROUP BY ID EMIT FINAL;"),
            0);
  CHECK_INT(exec(e, &s, "INSERT INTO S (ROWTIME, ID, V) VALUES (1000, 1, 10);"), 0);
  CHECK_INT(exec(e, &s, "INSERT INTO S (ROWTIME, ID, V) VALUES (2000, 1, 20);"), 0);
  sl_memdriver_pump(md, &err);
  CHECK_INT(sl_memdriver_record_count(md, "W"), 0); /* the window is still open */
  /* No more traffic: punctuation with a wall clock 20 s later closes it. */
  CHECK_INT(sl_memdriver_punctuate(md, sl_now_ms() + 20000, &err), 0);
  sl_memdriver_pump(md, &err);
  CHECK_INT(sl_memdriver_record_count(md, "W"), 1);
  /* Without the property nothing happens when traffic stops (ksqlDB's behaviour). */
  free(sl_map_remove(s.props, "sluice.stream.time.idle.ms"));
  CHECK_INT(exec(e, &s,
                 "CREATE TABLE W2 AS SELECT ID, COUNT(*) AS N FROM S WINDOW TUMBLING (SIZE 10 "
                 "SECONDS, GRACE PERIOD 0 SECONDS) GROUP BY ID EMIT FINAL;"),
            0);
  sl_memdriver_pump(md, &err);
  CHECK_INT(sl_memdriver_punctuate(md, sl_now_ms() + 20000, &err), 0);
  sl_memdriver_pump(md, &err);
  CHECK_INT(sl_memdriver_record_count(md, "W2"), 0);
  ENGINE_TEARDOWN();
}

SL_TEST(engine_bad_records_reach_processing_log_stream) {
  ENGINE_FIXTURE();
  CHECK(sl_engine_find_source(e, "SLUICE_PROCESSING_LOG") != NULL);
  sl_map_put(s.props, "auto.offset.reset", sl_strdup("earliest"));
  CHECK_INT(exec(e, &s,
                 "CREATE STREAM S (ID INT KEY, V INT) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON', "
                 "PARTITIONS=1);"),
            0);
  CHECK_INT(exec(e, &s, "CREATE STREAM O AS SELECT ID, V * 2 AS V2 FROM S;"), 0);
  const char *bad = "{not json";
  sl_record_t rec = {
      .topic = "s", .partition = -1, .timestamp = 5, .value = bad, .value_len = strlen(bad)};
  CHECK_INT(drv->produce(drv->ctx, &rec, &err), 0);
  CHECK_INT(exec(e, &s, "INSERT INTO S (ID, V) VALUES (1, 21);"), 0);
  sl_memdriver_pump(md, &err);
  CHECK_INT(sl_memdriver_record_count(md, "O"), 1); /* the query went on */
  rows_t r = {.got = json_array()};
  sl_tquery_t *tq;
  sl_tquery_info_t info;
  CHECK_INT(sl_engine_query_start(e, "SELECT TYPE, ERRORTOPIC FROM SLUICE_PROCESSING_LOG;", &s,
                                  on_row, on_done, &r, &tq, &info, &err),
            0);
  wait_done(&r);
  char *j = json_dumps(r.got, JSON_COMPACT);
  CHECK_STR(j, "[[\"DESERIALIZATION_ERROR\",\"s\"]]");
  free(j);
  sl_tquery_close(tq);
  json_decref(r.got);
  ENGINE_TEARDOWN();
}

static int collect_topic(void *arg, const sl_record_t *rec) {
  json_t *arr = arg;
  json_array_append_new(arr, rec->value ? json_stringn(rec->value, rec->value_len) : json_null());
  return 0;
}

static char *topic_values(sl_topic_driver_t *drv, const char *topic) {
  json_t *arr = json_array();
  sl_error_t err;
  drv->scan_topic(drv->ctx, topic, collect_topic, arr, &err);
  char *s = json_dumps(arr, JSON_COMPACT);
  json_decref(arr);
  return s;
}

SL_TEST(engine_three_way_and_foreign_key_joins) {
  ENGINE_FIXTURE();
  sl_map_put(s.props, "auto.offset.reset", sl_strdup("earliest"));
  CHECK_INT(exec(e, &s,
                 "CREATE STREAM O (ID INT KEY, CUST INT, AMT INT) WITH (KAFKA_TOPIC='o', "
                 "VALUE_FORMAT='JSON', PARTITIONS=1);"
                 "CREATE TABLE C (ID INT PRIMARY KEY, NAME STRING) WITH (KAFKA_TOPIC='c', "
                 "VALUE_FORMAT='JSON', PARTITIONS=1);"
                 "CREATE TABLE R (ID INT PRIMARY KEY, REGION STRING) WITH (KAFKA_TOPIC='r', "
                 "VALUE_FORMAT='JSON', PARTITIONS=1);"),
            0);
  /* Three sources in one statement, all on the customer id. */
  CHECK_INT(exec(e, &s,
                 "CREATE STREAM ENRICHED AS SELECT O.CUST AS CUST, C.NAME, R.REGION, O.AMT FROM O "
                 "JOIN C ON O.CUST = C.ID LEFT JOIN R ON O.CUST = R.ID;"),
            0);
  CHECK_INT(exec(e, &s,
                 "INSERT INTO C (ID, NAME) VALUES (7, 'ann'); INSERT INTO R (ID, REGION) VALUES "
                 "(7, 'north'); INSERT INTO C (ID, NAME) VALUES (8, 'bob');"),
            0);
  sl_memdriver_pump(md, &err);
  CHECK_INT(exec(e, &s,
                 "INSERT INTO O (ID, CUST, AMT) VALUES (1, 7, 10); INSERT INTO O (ID, CUST, AMT) "
                 "VALUES (2, 8, 20); INSERT INTO O (ID, CUST, AMT) VALUES (3, 9, 30);"),
            0);
  sl_memdriver_pump(md, &err);
  char *v = topic_values(drv, "ENRICHED");
  CHECK_STR(v,
            "[\"{\\\"NAME\\\":\\\"ann\\\",\\\"REGION\\\":\\\"north\\\",\\\"AMT\\\":10}\","
            "\"{\\\"NAME\\\":\\\"bob\\\",\\\"REGION\\\":null,\\\"AMT\\\":20}\"]");
  free(v);
  /* A table joined on a foreign key: renaming a customer updates every order of theirs. */
  CHECK_INT(
      exec(e, &s,
           "CREATE TABLE OT (ID INT PRIMARY KEY, CUST INT, AMT INT) WITH (KAFKA_TOPIC='ot', "
           "VALUE_FORMAT='JSON', PARTITIONS=1);"
           "CREATE TABLE OC AS SELECT OT.ID, C.NAME, OT.AMT FROM OT JOIN C ON OT.CUST = C.ID;"),
      0);
  sl_memdriver_pump(md, &err);
  CHECK_INT(
      exec(e, &s,
           "INSERT INTO OT (ID, CUST, AMT) VALUES (100, 7, 1); INSERT INTO OT (ID, CUST, AMT) "
           "VALUES (101, 7, 2); INSERT INTO OT (ID, CUST, AMT) VALUES (102, 8, 3);"),
      0);
  sl_memdriver_pump(md, &err);
  CHECK_INT(exec(e, &s, "INSERT INTO C (ID, NAME) VALUES (7, 'anne');"), 0);
  sl_memdriver_pump(md, &err);
  v = topic_values(drv, "OC");
  CHECK_STR(v,
            "[\"{\\\"NAME\\\":\\\"ann\\\",\\\"AMT\\\":1}\",\"{\\\"NAME\\\":\\\"ann\\\","
            "\\\"AMT\\\":2}\",\"{\\\"NAME\\\":\\\"bob\\\",\\\"AMT\\\":3}\",\"{\\\"NAME\\\":"
            "\\\"anne\\\",\\\"AMT\\\":1}\",\"{\\\"NAME\\\":\\\"anne\\\",\\\"AMT\\\":2}\"]");
  free(v);
  /* Two foreign-key joins in one statement (ksqlDB allows one). */
  CHECK_INT(exec(e, &s,
                 "CREATE TABLE P (ID INT PRIMARY KEY, TITLE STRING) WITH (KAFKA_TOPIC='p', "
                 "VALUE_FORMAT='JSON', PARTITIONS=1);"
                 "CREATE TABLE L2 (ID INT PRIMARY KEY, CUST INT, PROD INT) WITH (KAFKA_TOPIC='l2', "
                 "VALUE_FORMAT='JSON', PARTITIONS=1);"
                 "CREATE TABLE LINES AS SELECT L2.ID, C.NAME, P.TITLE FROM L2 JOIN C ON L2.CUST = "
                 "C.ID LEFT JOIN P ON L2.PROD = P.ID;"),
            0);
  CHECK_INT(exec(e, &s,
                 "INSERT INTO P (ID, TITLE) VALUES (50, 'pen'); INSERT INTO L2 (ID, CUST, PROD) "
                 "VALUES (1, 7, 50); INSERT INTO L2 (ID, CUST, PROD) VALUES (2, 8, 51);"),
            0);
  sl_memdriver_pump(md, &err);
  v = topic_values(drv, "LINES");
  CHECK_STR(v,
            "[\"{\\\"NAME\\\":\\\"anne\\\",\\\"TITLE\\\":\\\"pen\\\"}\","
            "\"{\\\"NAME\\\":\\\"bob\\\",\\\"TITLE\\\":null}\"]");
  free(v);
  ENGINE_TEARDOWN();
}

SL_TEST(engine_describe_extended_shows_query_statistics) {
  ENGINE_FIXTURE();
  sl_map_put(s.props, "auto.offset.reset", sl_strdup("earliest"));
  CHECK_INT(exec(e, &s,
                 "CREATE STREAM S (ID INT KEY, V INT) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON', "
                 "PARTITIONS=1); CREATE STREAM O AS SELECT ID, V FROM S WHERE V > 1;"
                 "INSERT INTO S (ID, V) VALUES (1, 1); INSERT INTO S (ID, V) VALUES (2, 2);"),
            0);
  sl_memdriver_pump(md, &err);
  sl_exec_result_t res;
  CHECK_INT(sl_engine_execute(e, "DESCRIBE O EXTENDED; SHOW QUERIES EXTENDED;", &s, &res, &err), 0);
  json_t *d = json_array_get(res.entities, 0);
  const char *stats =
      json_string_value(json_object_get(json_object_get(d, "sourceDescription"), "statistics"));
  CHECK(stats && strstr(stats, "consumer-total-messages: 2"));
  CHECK(stats && strstr(stats, "producer-total-messages: 1"));
  json_t *q = json_array_get(res.entities, 1);
  CHECK_STR(json_string_value(json_object_get(q, "@type")), "query_descriptions");
  json_t *qd = json_array_get(json_object_get(q, "queryDescriptions"), 0);
  CHECK_STR(json_string_value(json_object_get(qd, "state")), "RUNNING");
  CHECK(strstr(json_string_value(json_object_get(qd, "statistics")), "consumer-total-messages: 2"));
  /* Consumer offsets, as ksqlDB's queryOffsetSummaries: in the query and in
   * the description of the source it reads. */
  char *offs = json_dumps(json_object_get(qd, "queryOffsetSummaries"), JSON_COMPACT);
  CHECK_STR(offs,
            "[{\"groupId\":\"_confluent-ksql-default_query_CSAS_O_0\",\"topicSummaries\":"
            "[{\"kafkaTopic\":\"s\",\"offsets\":[{\"partition\":0,\"consumerOffset\":2}]}]}]");
  free(offs);
  sl_exec_result_free(&res);
  CHECK_INT(sl_engine_execute(e, "DESCRIBE S EXTENDED;", &s, &res, &err), 0);
  d = json_object_get(json_array_get(res.entities, 0), "sourceDescription");
  offs = json_dumps(json_object_get(d, "queryOffsetSummaries"), JSON_COMPACT);
  CHECK(offs && strstr(offs, "\"consumerOffset\":2"));
  free(offs);
  sl_exec_result_free(&res);
  ENGINE_TEARDOWN();
}

SL_TEST(engine_print_topic_from_beginning) {
  ENGINE_FIXTURE();
  CHECK_INT(exec(e, &s,
                 "CREATE STREAM S (ID STRING KEY, V INT) WITH (KAFKA_TOPIC='s', "
                 "VALUE_FORMAT='JSON', PARTITIONS=1);"
                 "INSERT INTO S (ROWTIME, ID, V) VALUES (0, 'a', 1);"
                 "INSERT INTO S (ROWTIME, ID, V) VALUES (1000, 'b', 2);"),
            0);
  sl_memdriver_pump(md, &err);
  rows_t r = {.got = json_array()};
  sl_tquery_t *tq;
  sl_tquery_info_t info;
  CHECK_INT(sl_engine_query_start(e, "PRINT 's' FROM BEGINNING LIMIT 2;", &s, on_row, on_done, &r,
                                  &tq, &info, &err),
            0);
  sl_memdriver_pump(md, &err);
  CHECK_INT(r.done, 1);
  char *j = json_dumps(r.got, JSON_COMPACT);
  CHECK_STR(j,
            "[[\"rowtime: 1970-01-01T00:00:00.000 Z, key: a, value: {\\\"V\\\":1}, partition: "
            "0\"],[\"rowtime: 1970-01-01T00:00:01.000 Z, key: b, value: {\\\"V\\\":2}, "
            "partition: 0\"]]");
  free(j);
  sl_tquery_close(tq);
  json_decref(r.got);
  /* Binary keys, null keys and bytes that are not text. */
  r.got = json_array();
  r.done = 0;
  const char *txt = "plain text";
  sl_record_t r1 = {.topic = "s",
                    .partition = 0,
                    .timestamp = 2000,
                    .key = "\0\0\0\7",
                    .key_len = 4,
                    .value = txt,
                    .value_len = strlen(txt)};
  sl_record_t r2 = {
      .topic = "s", .partition = 0, .timestamp = 3000, .value = txt, .value_len = strlen(txt)};
  sl_record_t r3 = {.topic = "s",
                    .partition = 0,
                    .timestamp = 4000,
                    .key = "k",
                    .key_len = 1,
                    .value = "\xff\x01",
                    .value_len = 2};
  CHECK_INT(drv->produce(drv->ctx, &r1, &err), 0);
  CHECK_INT(drv->produce(drv->ctx, &r2, &err), 0);
  CHECK_INT(drv->produce(drv->ctx, &r3, &err), 0);
  CHECK_INT(sl_engine_query_start(e, "PRINT 's' FROM BEGINNING LIMIT 5;", &s, on_row, on_done, &r,
                                  &tq, &info, &err),
            0);
  sl_memdriver_pump(md, &err);
  CHECK_INT(r.done, 1);
  CHECK_INT(json_array_size(r.got), 5);
  CHECK_STR(json_string_value(json_array_get(json_array_get(r.got, 2), 0)),
            "rowtime: 1970-01-01T00:00:02.000 Z, key: 7, value: plain text, partition: 0");
  CHECK_STR(json_string_value(json_array_get(json_array_get(r.got, 3), 0)),
            "rowtime: 1970-01-01T00:00:03.000 Z, key: <null>, value: plain text, partition: 0");
  CHECK_STR(json_string_value(json_array_get(json_array_get(r.got, 4), 0)),
            "rowtime: 1970-01-01T00:00:04.000 Z, key: k, value: 0xFF01, partition: 0");
  sl_tquery_close(tq);
  json_decref(r.got);
  CHECK(sl_engine_query_start(e, "PRINT 'nope';", &s, on_row, on_done, &r, &tq, &info, &err) != 0);
  CHECK(strstr(err.msg, "Could not find topic 'nope'") != NULL);
  ENGINE_TEARDOWN();
}

SL_TEST(engine_join_copartitions_streams_with_different_partition_counts) {
  ENGINE_FIXTURE();
  sl_map_put(s.props, "auto.offset.reset", sl_strdup("earliest"));
  CHECK_INT(
      exec(e, &s,
           "CREATE STREAM A (ID INT KEY, X INT) WITH (KAFKA_TOPIC='a', VALUE_FORMAT='JSON', "
           "PARTITIONS=3);"
           "CREATE STREAM B (ID INT KEY, Y INT) WITH (KAFKA_TOPIC='b', VALUE_FORMAT='JSON', "
           "PARTITIONS=1);"
           "CREATE STREAM AB AS SELECT A.ID, X, Y FROM A JOIN B WITHIN 1 MINUTE ON A.ID = B.ID;"
           "INSERT INTO A (ID, X) VALUES (5, 1); INSERT INTO B (ID, Y) VALUES (5, 2);"),
      0);
  sl_memdriver_pump(md, &err);
  /* B is rewritten into a topic with A's three partitions, keyed by the join key. */
  CHECK_INT(drv->topic_partitions(drv->ctx,
                                  "_confluent-ksql-default_query_CSAS_AB_0-Join-right-"
                                  "repartition"),
            3);
  char *v = topic_values(drv, "AB");
  CHECK_STR(v, "[\"{\\\"X\\\":1,\\\"Y\\\":2}\"]");
  free(v);
  ENGINE_TEARDOWN();
}

SL_TEST(engine_restart_restores_sources_queries_and_pause_state) {
  char dir[] = "/tmp/sluice-engine-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  sl_memdriver_t *md = sl_memdriver_new();
  sl_topic_driver_t *drv = sl_memdriver_driver(md);
  sl_engine_config_t cfg = {.driver = drv, .start_queries = true, .data_dir = dir};
  sl_engine_t *e;
  sl_error_t err;
  CHECK_INT(sl_engine_open(&cfg, &e, &err), 0);
  sl_session_t s;
  sl_session_init(&s);
  CHECK_INT(exec(e, &s,
                 "CREATE STREAM S (ID INT KEY, V INT) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON', "
                 "PARTITIONS=1); CREATE STREAM A AS SELECT ID, V FROM S; CREATE STREAM B AS SELECT "
                 "ID, V + 1 AS W FROM S; CREATE STREAM C AS SELECT ID, V FROM S WHERE V > 0;"
                 "PAUSE CSAS_B_1; TERMINATE CSAS_C_2;"),
            0);
  sl_engine_close(e);
  /* Same data directory: everything is back, B still paused, C gone. */
  CHECK_INT(sl_engine_open(&cfg, &e, &err), 0);
  CHECK(sl_engine_find_source(e, "S") != NULL);
  CHECK(sl_engine_find_source(e, "C") != NULL);
  CHECK_INT(sl_engine_query_count(e), 2);
  for (int i = 0; i < sl_engine_query_count(e); i++) {
    sl_query_t *q = sl_engine_query_at(e, i);
    if (!strcmp(sl_query_id(q), "CSAS_B_1"))
      CHECK_STR(q->state, "PAUSED");
    else
      CHECK_STR(q->state, "RUNNING");
  }
  /* New queries continue the id sequence. */
  CHECK_INT(exec(e, &s, "CREATE STREAM D AS SELECT ID, V FROM S;"), 0);
  CHECK(sl_engine_query_at(e, 2) && !strcmp(sl_query_id(sl_engine_query_at(e, 2)), "CSAS_D_3"));
  sl_session_free(&s);
  sl_engine_close(e);
  sl_memdriver_free(md);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  CHECK_INT(system(cmd), 0);
}

SL_TEST(engine_idle_stream_time_applies_to_restored_state) {
  ENGINE_FIXTURE();
  sl_map_put(s.props, "auto.offset.reset", sl_strdup("earliest"));
  sl_map_put(s.props, "sluice.stream.time.idle.ms", sl_strdup("100"));
  CHECK_INT(exec(e, &s,
                 "CREATE STREAM S (ID INT KEY, V INT) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON', "
                 "PARTITIONS=1); CREATE TABLE W AS SELECT ID, COUNT(*) AS N FROM S WINDOW "
                 "TUMBLING (SIZE 10 SECONDS, GRACE PERIOD 0 SECONDS) GROUP BY ID EMIT FINAL;"
                 "INSERT INTO S (ROWTIME, ID, V) VALUES (1000, 1, 10);"),
            0);
  sl_memdriver_pump(md, &err);
  /* A new task (a restart) restores the open window, sees no traffic, and
   * still closes it when the idle time has passed. */
  sl_query_t *q = sl_engine_query_at(e, 0);
  outs_t o = {0};
  sl_task_io_t io = {.emit = collect_emit, .emit_ctx = &o};
  sl_task_t *t;
  CHECK_INT(sl_task_new(q, 0, &io, &t, &err), 0);
  feed_t f = {.t = t};
  CHECK_INT(drv->scan_topic(drv->ctx, sl_query_changelog_topic(q, 0), feed_restore, &f, &err), 0);
  CHECK(f.n >= 1);
  CHECK_INT(sl_task_punctuate(t, sl_now_ms() + 20000), 0);
  CHECK_INT(o.n, 1);
  CHECK_STR(o.last, "{\"N\":1}");
  sl_task_free(t);
  ENGINE_TEARDOWN();
}

SL_TEST(engine_source_tables_are_read_only_and_pullable) {
  ENGINE_FIXTURE();
  CHECK_INT(exec(e, &s,
                 "CREATE SOURCE TABLE T (ID INT PRIMARY KEY, V STRING) WITH (KAFKA_TOPIC='t', "
                 "VALUE_FORMAT='JSON', PARTITIONS=1);"),
            0);
  sl_exec_result_t res;
  CHECK(sl_engine_execute(e, "INSERT INTO T (ID, V) VALUES (1, 'a');", &s, &res, &err) != 0);
  CHECK(strstr(err.msg, "read-only table") != NULL);
  sl_exec_result_free(&res);
  const char *v1 = "{\"V\":\"a\"}", *v2 = "{\"V\":\"b\"}";
  sl_record_t r1 = {.topic = "t",
                    .partition = -1,
                    .key = "\0\0\0\1",
                    .key_len = 4,
                    .value = v1,
                    .value_len = strlen(v1)};
  sl_record_t r2 = {.topic = "t",
                    .partition = -1,
                    .key = "\0\0\0\1",
                    .key_len = 4,
                    .value = v2,
                    .value_len = strlen(v2)};
  CHECK_INT(drv->produce(drv->ctx, &r1, &err), 0);
  CHECK_INT(drv->produce(drv->ctx, &r2, &err), 0);
  rows_t r = {.got = json_array()};
  sl_tquery_t *tq;
  sl_tquery_info_t info;
  CHECK_INT(sl_engine_query_start(e, "SELECT * FROM T WHERE ID = 1;", &s, on_row, on_done, &r, &tq,
                                  &info, &err),
            0);
  wait_done(&r);
  char *j = json_dumps(r.got, JSON_COMPACT);
  CHECK_STR(j, "[[1,\"b\"]]");
  free(j);
  sl_tquery_close(tq);
  json_decref(r.got);
  ENGINE_TEARDOWN();
}

SL_TEST(engine_queries_over_windowed_tables_show_window_bounds) {
  ENGINE_FIXTURE();
  sl_map_put(s.props, "auto.offset.reset", sl_strdup("earliest"));
  CHECK_INT(exec(e, &s,
                 "CREATE STREAM S (ID INT KEY, V INT) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON', "
                 "PARTITIONS=1); CREATE TABLE W AS SELECT ID, COUNT(*) AS N FROM S WINDOW "
                 "TUMBLING (SIZE 10 SECONDS) GROUP BY ID;"
                 "INSERT INTO S (ROWTIME, ID, V) VALUES (1000, 1, 10);"
                 "INSERT INTO S (ROWTIME, ID, V) VALUES (12000, 1, 10);"),
            0);
  sl_memdriver_pump(md, &err);
  rows_t r = {.got = json_array()};
  sl_tquery_t *tq;
  sl_tquery_info_t info;
  CHECK_INT(sl_engine_query_start(e, "SELECT * FROM W WHERE WINDOWSTART >= 10000;", &s, on_row,
                                  on_done, &r, &tq, &info, &err),
            0);
  wait_done(&r);
  char *j = json_dumps(r.got, JSON_COMPACT);
  CHECK_STR(j, "[[1,10000,20000,1]]");
  free(j);
  j = json_dumps(json_object_get(info.schema, "columnNames"), JSON_COMPACT);
  CHECK_STR(j, "[\"ID\",\"WINDOWSTART\",\"WINDOWEND\",\"N\"]");
  free(j);
  sl_tquery_close(tq);
  json_decref(r.got);
  r.got = json_array();
  r.done = 0;
  CHECK_INT(sl_engine_query_start(e, "SELECT ID, WINDOWSTART, N FROM W;", &s, on_row, on_done, &r,
                                  &tq, &info, &err),
            0);
  wait_done(&r);
  j = json_dumps(r.got, JSON_COMPACT);
  CHECK_STR(j, "[[1,0,1],[1,10000,1]]");
  free(j);
  sl_tquery_close(tq);
  json_decref(r.got);
  ENGINE_TEARDOWN();
}

SL_TEST(engine_explain_statement_and_query) {
  ENGINE_FIXTURE();
  sl_map_put(s.props, "auto.offset.reset", sl_strdup("earliest"));
  CHECK_INT(exec(e, &s,
                 "CREATE STREAM S (ID INT KEY, V INT) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON', "
                 "PARTITIONS=1); CREATE TABLE T AS SELECT ID, COUNT(*) AS N FROM S GROUP BY ID;"),
            0);
  sl_exec_result_t res;
  CHECK_INT(sl_engine_execute(e,
                              "EXPLAIN SELECT ID, V * 2 AS W FROM S WHERE V > 1 EMIT CHANGES;"
                              "EXPLAIN CTAS_T_0;",
                              &s, &res, &err),
            0);
  json_t *a = json_object_get(json_array_get(res.entities, 0), "queryDescription");
  CHECK(strstr(json_string_value(json_object_get(a, "executionPlan")), "Filter") != NULL);
  CHECK_INT(json_array_size(json_object_get(a, "fields")), 2);
  json_t *b = json_object_get(json_array_get(res.entities, 1), "queryDescription");
  CHECK_STR(json_string_value(json_object_get(b, "state")), "RUNNING");
  CHECK_STR(json_string_value(
                json_object_get(json_object_get(b, "overriddenProperties"), "auto.offset.reset")),
            "earliest");
  CHECK(strstr(json_string_value(json_object_get(b, "executionPlan")), "Aggregate ] COUNT") !=
        NULL);
  sl_exec_result_free(&res);
  CHECK_INT(sl_engine_query_count(e), 1); /* EXPLAIN ran nothing */
  ENGINE_TEARDOWN();
}

typedef struct cache_outs {
  int sink, changelog;
  char last[8][64]; /* latest sink value per key 0..7 */
} cache_outs_t;

static int cache_emit(void *ctx, const sl_record_t *rec) {
  cache_outs_t *o = ctx;
  if (strstr(rec->topic, "changelog")) {
    o->changelog++;
    return 0;
  }
  o->sink++;
  int k = rec->key_len >= 4 ? ((const unsigned char *)rec->key)[3] & 7 : 0;
  snprintf(o->last[k], sizeof o->last[k], "%.*s", (int)rec->value_len, (const char *)rec->value);
  return 0;
}

static int cache_feed(sl_task_t *t, int key, int v, int64_t ts) {
  char val[32];
  snprintf(val, sizeof val, "{\"V\":%d}", v);
  char k[4] = {0, 0, 0, (char)key};
  sl_record_t rec = {.topic = "s",
                     .partition = 0,
                     .offset = ts,
                     .timestamp = ts,
                     .key = k,
                     .key_len = 4,
                     .value = val,
                     .value_len = strlen(val)};
  return sl_task_process(t, &rec);
}

/* A task of the engine's first query, with a 1 MB record cache, writing
 * into o. */
static sl_task_t *cache_task(sl_engine_t *e, cache_outs_t *o) {
  sl_task_io_t io = {.emit = cache_emit, .emit_ctx = o};
  sl_task_t *t = NULL;
  sl_error_t err;
  sl_error_clear(&err);
  if (sl_task_new(sl_engine_query_at(e, 0), 0, &io, &t, &err) != 0) return NULL;
  sl_task_set_cache(t, 1 << 20);
  return t;
}

SL_TEST(engine_record_cache_writes_each_group_once_per_flush) {
  ENGINE_FIXTURE();
  CHECK_INT(exec(e, &s,
                 "CREATE STREAM S (ID INT KEY, V INT) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON', "
                 "PARTITIONS=1); CREATE TABLE T AS SELECT ID, COUNT(*) AS N, SUM(V) AS TOTAL "
                 "FROM S GROUP BY ID;"),
            0);
  cache_outs_t o = {0};
  sl_task_t *t = cache_task(e, &o);
  CHECK(t != NULL);
  if (!t) {
    ENGINE_TEARDOWN();
    return;
  }
  for (int i = 0; i < 10; i++) CHECK_INT(cache_feed(t, 1 + i % 2, i, 1000 + i), 0);
  /* Held back until the flush ... */
  CHECK_INT(o.sink, 0);
  CHECK_INT(o.changelog, 0);
  CHECK_INT(sl_task_flush(t), 0);
  /* ... then one result and one changelog value per group, the latest. */
  CHECK_INT(o.sink, 2);
  CHECK_INT(o.changelog, 2);
  CHECK_STR(o.last[1], "{\"N\":5,\"TOTAL\":20}");
  CHECK_STR(o.last[2], "{\"N\":5,\"TOTAL\":25}");
  /* Nothing is left to write; a group updated again is written again. */
  CHECK_INT(sl_task_flush(t), 0);
  CHECK_INT(o.sink, 2);
  CHECK_INT(cache_feed(t, 1, 100, 2000), 0);
  CHECK_INT(sl_task_flush(t), 0);
  CHECK_INT(o.sink, 3);
  CHECK_STR(o.last[1], "{\"N\":6,\"TOTAL\":120}");
  /* A budget too small for one group writes every update at once. */
  sl_task_set_cache(t, 1);
  CHECK_INT(cache_feed(t, 2, 1, 3000), 0);
  CHECK_INT(cache_feed(t, 2, 1, 3001), 0);
  CHECK_INT(o.sink, 5);
  CHECK_INT(o.changelog, 5);
  CHECK_STR(o.last[2], "{\"N\":7,\"TOTAL\":27}");
  sl_task_free(t);
  ENGINE_TEARDOWN();
}

SL_TEST(engine_record_cache_writes_held_results_before_a_window_expires) {
  ENGINE_FIXTURE();
  CHECK_INT(exec(e, &s,
                 "CREATE STREAM S (ID INT KEY, V INT) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON', "
                 "PARTITIONS=1); CREATE TABLE W AS SELECT ID, COUNT(*) AS N FROM S WINDOW "
                 "TUMBLING (SIZE 1 SECOND, RETENTION 2 SECONDS, GRACE PERIOD 0 SECONDS) "
                 "GROUP BY ID;"),
            0);
  cache_outs_t o = {0};
  sl_task_t *t = cache_task(e, &o);
  CHECK(t != NULL);
  if (!t) {
    ENGINE_TEARDOWN();
    return;
  }
  CHECK_INT(cache_feed(t, 3, 1, 100), 0);
  CHECK_INT(cache_feed(t, 3, 1, 200), 0);
  CHECK_INT(o.sink, 0);
  /* Stream time jumps past the window's retention: the held results come
   * out (in the order of their first update) before the window is dropped,
   * then its changelog entry is deleted. */
  CHECK_INT(cache_feed(t, 4, 1, 10000), 0);
  CHECK_INT(o.sink, 2);
  CHECK_STR(o.last[3], "{\"N\":2}");
  CHECK_STR(o.last[4], "{\"N\":1}");
  CHECK_INT(o.changelog, 3);
  CHECK_INT(sl_task_flush(t), 0);
  CHECK_INT(o.sink, 2);
  sl_task_free(t);
  ENGINE_TEARDOWN();
}

SL_TEST(engine_source_lanes_separate_a_source_from_its_repartition_topic) {
  ENGINE_FIXTURE();
  CHECK_INT(exec(e, &s,
                 "CREATE STREAM S (ID INT KEY, V INT) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON', "
                 "PARTITIONS=1); CREATE STREAM R (ID INT KEY, W INT) WITH (KAFKA_TOPIC='r', "
                 "VALUE_FORMAT='JSON', PARTITIONS=1); CREATE TABLE T AS SELECT V, COUNT(*) AS N "
                 "FROM S GROUP BY V; CREATE STREAM J AS SELECT S.ID, V, W FROM S JOIN R WITHIN 1 "
                 "SECOND ON S.V = R.ID;"),
            0);
  /* The aggregation: the source feeds the repartition topic's writer, the
   * aggregation reads the repartition topic: two lanes. */
  sl_query_t *q = sl_engine_query_at(e, 0);
  CHECK_INT(sl_query_source_topic_count(q), 2);
  int lane_s = -1, lane_rep = -1;
  for (int i = 0; i < sl_query_source_topic_count(q); i++) {
    if (!strcmp(sl_query_source_topic(q, i), "s"))
      lane_s = sl_query_source_lane(q, i);
    else
      lane_rep = sl_query_source_lane(q, i);
  }
  CHECK(lane_s > 0);
  CHECK_INT(lane_rep, 0);
  /* The join: R is read as it is and S through a repartition topic; R and
   * the repartition topic meet in the join (one lane, read in time order),
   * S alone in its own. */
  q = sl_engine_query_at(e, 1);
  CHECK_INT(sl_query_source_topic_count(q), 3);
  for (int i = 0; i < sl_query_source_topic_count(q); i++) {
    const char *tp = sl_query_source_topic(q, i);
    if (!strcmp(tp, "s"))
      CHECK(sl_query_source_lane(q, i) > 0);
    else
      CHECK_INT(sl_query_source_lane(q, i), 0);
  }
  ENGINE_TEARDOWN();
}
