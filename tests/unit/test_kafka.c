/*
 * test_kafka.c - unit tests for the kafka module that need no broker: the
 * offset ledger behind at-least-once commits, property files, and the
 * driver's admin and produce paths against librdkafka's in-process mock
 * cluster (including injected produce errors). Queries on a real broker are
 * covered by tests/e2e.
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sluice/kafka.h"
#include "unit.h"

SL_TEST(kafka_ledger_commits_only_acked_prefix) {
  sl_kafka_ledger_t l;
  sl_kafka_ledger_init(&l);
  CHECK_INT(sl_kafka_ledger_advance(&l), -1);
  sl_kafka_span_t *a = sl_kafka_ledger_open(&l, 10);
  sl_kafka_span_hold(a); /* one output for span a */
  sl_kafka_span_close(a);
  sl_kafka_span_t *b = sl_kafka_ledger_open(&l, 20); /* no outputs */
  sl_kafka_span_close(b);
  sl_kafka_span_t *c = sl_kafka_ledger_open(&l, 30);
  sl_kafka_span_hold(c);
  sl_kafka_span_close(c);
  /* b is done but a is not: nothing may be committed yet. */
  CHECK_INT(sl_kafka_ledger_advance(&l), -1);
  sl_kafka_span_release(c);
  CHECK_INT(sl_kafka_ledger_advance(&l), -1);
  sl_kafka_span_release(a);
  CHECK_INT(sl_kafka_ledger_advance(&l), 30);
  CHECK(l.head == NULL);
  /* An open span holds the commit back even with nothing in flight. */
  sl_kafka_span_t *d = sl_kafka_ledger_open(&l, 31);
  CHECK_INT(sl_kafka_ledger_advance(&l), 30);
  d->end = 35;
  sl_kafka_span_close(d);
  CHECK_INT(sl_kafka_ledger_advance(&l), 35);
  sl_kafka_ledger_clear(&l);
}

SL_TEST(kafka_ledger_chained_spans_hold_both_partitions) {
  sl_kafka_ledger_t l1, l2;
  sl_kafka_ledger_init(&l1);
  sl_kafka_ledger_init(&l2);
  sl_kafka_span_t *x = sl_kafka_ledger_open(&l1, 5);
  sl_kafka_span_t *y = sl_kafka_ledger_open(&l2, 7);
  y->also = x; /* one output counts against both */
  sl_kafka_span_hold(y);
  sl_kafka_span_close(y);
  CHECK_INT(x->pending, 1);
  CHECK_INT(sl_kafka_ledger_advance(&l1), -1);
  CHECK_INT(sl_kafka_ledger_advance(&l2), -1);
  sl_kafka_span_release(y);
  CHECK_INT(sl_kafka_ledger_advance(&l1), 5);
  CHECK_INT(sl_kafka_ledger_advance(&l2), 7);
  sl_kafka_ledger_clear(&l1);
  sl_kafka_ledger_clear(&l2);
}

SL_TEST(kafka_group_id_matches_ksqldb) {
  char g[256];
  sl_kafka_group_id("default_", "CSAS_OUT_0", g, sizeof(g));
  CHECK_STR(g, "_confluent-ksql-default_query_CSAS_OUT_0");
  sl_kafka_group_id(NULL, "CTAS_T_3", g, sizeof(g));
  CHECK_STR(g, "_confluent-ksql-default_query_CTAS_T_3");
}

SL_TEST(kafka_props_file_and_overrides) {
  char path[] = "/tmp/sluice-props-XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  const char *text =
      "# comment\n"
      "! also a comment\n"
      "bootstrap.servers = localhost:9092\n"
      "ksql.service.id: svc_\n"
      "\n"
      "  ksql.streams.auto.offset.reset=earliest  \n";
  CHECK_INT(write(fd, text, strlen(text)), (long long)strlen(text));
  close(fd);
  sl_map_t *p = sl_map_new(false);
  sl_error_t err;
  sl_error_clear(&err);
  CHECK_INT(sl_props_load_file(p, path, &err), 0);
  CHECK_STR(sl_map_get(p, "bootstrap.servers"), "localhost:9092");
  CHECK_STR(sl_map_get(p, "ksql.service.id"), "svc_");
  CHECK_STR(sl_map_get(p, "ksql.streams.auto.offset.reset"), "earliest");
  CHECK_INT(sl_props_put_arg(p, "ksql.service.id=other_", &err), 0);
  CHECK_STR(sl_map_get(p, "ksql.service.id"), "other_");
  CHECK_INT(sl_props_put_arg(p, "novalue", &err), SL_EINVAL);
  CHECK_INT(sl_map_count(p), 3);
  sl_props_free(p);
  unlink(path);
}

/* A driver on a fresh mock cluster. */
typedef struct mock_env {
  sl_kafka_mock_t *mock;
  sl_topic_driver_t *drv;
} mock_env_t;

static int mock_env_open(mock_env_t *m) {
  sl_error_t err;
  sl_error_clear(&err);
  memset(m, 0, sizeof(*m));
  if (sl_kafka_mock_new(1, &m->mock, &err)) return -1;
  sl_map_t *props = sl_map_new(false);
  sl_map_put(props, "log_level", "2"); /* keep the mock's chatter out of test output */
  sl_kafka_opts_t opts = {.mock = m->mock, .worker_threads = 1};
  int rc = sl_kafka_driver_new(sl_kafka_mock_bootstrap(m->mock), props, &opts, &m->drv, &err);
  sl_map_free(props);
  if (rc) {
    sl_kafka_mock_free(m->mock);
    return -1;
  }
  return 0;
}

static void mock_env_close(mock_env_t *m) {
  sl_kafka_driver_free(m->drv);
  sl_kafka_mock_free(m->mock);
}

SL_TEST(kafka_mock_admin_create_list_partitions) {
  mock_env_t m;
  if (mock_env_open(&m)) {
    CHECK(!"mock cluster did not start");
    return;
  }
  sl_topic_driver_t *d = m.drv;
  sl_error_t err;
  sl_error_clear(&err);
  CHECK_INT(d->create_topic(d->ctx, "orders", 3, 1, NULL, &err), 0);
  CHECK_INT(d->topic_partitions(d->ctx, "orders"), 3);
  sl_error_clear(&err);
  CHECK_INT(d->create_topic(d->ctx, "orders", 3, 1, NULL, &err), SL_EEXISTS);
  CHECK_INT(d->topic_partitions(d->ctx, "no_such_topic"), SL_ENOTFOUND);
  sl_ptrvec_t names = {0};
  sl_error_clear(&err);
  CHECK_INT(d->list_topics(d->ctx, &names, &err), 0);
  bool found = false;
  for (int i = 0; i < names.len; i++) {
    if (!strcmp(names.items[i], "orders")) found = true;
    free(names.items[i]);
  }
  sl_ptrvec_free(&names);
  CHECK(found);
  mock_env_close(&m);
}

/* Reads n records from every partition of topic, from the beginning. */
static int read_back(const char *bootstrap, const char *topic, int partitions, int n, int *parts,
                     char **keys, char **values) {
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, NULL, 0);
  rd_kafka_conf_set(conf, "group.id", "test-read-back", NULL, 0);
  rd_kafka_conf_set(conf, "log_level", "2", NULL, 0);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, NULL, 0);
  if (!rk) return 0;
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; p++)
    rd_kafka_topic_partition_list_add(l, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_assign(rk, l);
  rd_kafka_topic_partition_list_destroy(l);
  int got = 0, idle = 0;
  while (got < n && idle < 100) {
    rd_kafka_message_t *msg = rd_kafka_consumer_poll(rk, 100);
    if (!msg) {
      idle++;
      continue;
    }
    if (!msg->err) {
      parts[got] = msg->partition;
      keys[got] = msg->key ? strndup(msg->key, msg->key_len) : NULL;
      values[got] = msg->payload ? strndup(msg->payload, msg->len) : NULL;
      got++;
    }
    rd_kafka_message_destroy(msg);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return got;
}

SL_TEST(kafka_mock_produce_partitions_like_java_client) {
  mock_env_t m;
  if (mock_env_open(&m)) {
    CHECK(!"mock cluster did not start");
    return;
  }
  sl_topic_driver_t *d = m.drv;
  sl_error_t err;
  sl_error_clear(&err);
  CHECK_INT(d->create_topic(d->ctx, "keyed", 4, 1, NULL, &err), 0);
  enum { N = 12 };
  for (int i = 0; i < N; i++) {
    char key[16], val[32];
    snprintf(key, sizeof(key), "k%d", i);
    snprintf(val, sizeof(val), "{\"V\":%d}", i);
    sl_header_t h = {.key = "h", .value = "x", .len = 1};
    sl_record_t r = {.topic = "keyed",
                     .partition = -1,
                     .offset = -1,
                     .timestamp = 1000 + i,
                     .key = key,
                     .key_len = strlen(key),
                     .value = val,
                     .value_len = strlen(val),
                     .headers = &h,
                     .nheaders = i % 2};
    sl_error_clear(&err);
    CHECK_INT(d->produce(d->ctx, &r, &err), 0);
  }
  int parts[N];
  char *keys[N], *values[N];
  int got = read_back(sl_kafka_mock_bootstrap(m.mock), "keyed", 4, N, parts, keys, values);
  CHECK_INT(got, N);
  for (int i = 0; i < got; i++) {
    CHECK(keys[i] != NULL);
    if (!keys[i]) continue;
    /* murmur2 as the Java client: the partition follows from the key. */
    CHECK_INT(parts[i], sl_kafka_partition_for(keys[i], strlen(keys[i]), 4));
    char want[32];
    snprintf(want, sizeof(want), "{\"V\":%d}", atoi(keys[i] + 1));
    CHECK_STR(values[i], want);
    free(keys[i]);
    free(values[i]);
  }
  mock_env_close(&m);
}

SL_TEST(kafka_mock_produce_waits_for_delivery_and_reports_failure) {
  mock_env_t m;
  if (mock_env_open(&m)) {
    CHECK(!"mock cluster did not start");
    return;
  }
  sl_topic_driver_t *d = m.drv;
  rd_kafka_mock_cluster_t *mc = sl_kafka_mock_cluster(m.mock);
  sl_error_t err;
  sl_error_clear(&err);
  CHECK_INT(d->create_topic(d->ctx, "faulty", 1, 1, NULL, &err), 0);
  sl_record_t r = {.topic = "faulty",
                   .partition = 0,
                   .offset = -1,
                   .key = "k",
                   .key_len = 1,
                   .value = "v",
                   .value_len = 1};
  /* Retriable errors: the idempotent producer retries and succeeds. */
  rd_kafka_mock_push_request_errors(mc, 0 /* Produce */, 2, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
                                    RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS);
  sl_error_clear(&err);
  CHECK_INT(d->produce(d->ctx, &r, &err), 0);
  /* A permanent error reaches the caller instead of being dropped. */
  rd_kafka_mock_push_request_errors(mc, 0 /* Produce */, 1,
                                    RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
  sl_error_clear(&err);
  CHECK_INT(d->produce(d->ctx, &r, &err), SL_EKAFKA);
  CHECK(strstr(err.msg, "faulty") != NULL);
  mock_env_close(&m);
}

#include "sluice/engine.h"

/* Waits (bounded) until the query's state is want. */
static const char *wait_state(sl_topic_driver_t *d, const char *id, const char *want) {
  const char *s = NULL;
  for (int i = 0; i < 600; i++) {
    s = sl_kafka_query_state(d, id, NULL, 0);
    if (s && !strcmp(s, want)) break;
    usleep(50000);
  }
  return s;
}

static int64_t committed_offset(const char *bootstrap, const char *group, const char *topic) {
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, NULL, 0);
  rd_kafka_conf_set(conf, "group.id", group, NULL, 0);
  rd_kafka_conf_set(conf, "log_level", "2", NULL, 0);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, NULL, 0);
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(l, topic, 0);
  int64_t off = -1;
  if (rd_kafka_committed(rk, l, 10000) == 0) off = l->elems[0].offset;
  rd_kafka_topic_partition_list_destroy(l);
  rd_kafka_destroy(rk);
  return off;
}

static int produce_json(sl_topic_driver_t *d, const char *topic, const char *key, const char *val) {
  sl_error_t err;
  sl_error_clear(&err);
  sl_record_t r = {.topic = topic,
                   .partition = -1,
                   .offset = -1,
                   .key = key,
                   .key_len = strlen(key),
                   .value = val,
                   .value_len = strlen(val)};
  return d->produce(d->ctx, &r, &err);
}

/* A persistent query through the engine on the mock: output arrives, and a
 * sink write that fails puts the query in ERROR without committing past it. */
SL_TEST(kafka_mock_query_runs_and_fails_on_lost_output) {
  mock_env_t m;
  if (mock_env_open(&m)) {
    CHECK(!"mock cluster did not start");
    return;
  }
  sl_topic_driver_t *d = m.drv;
  const char *bs = sl_kafka_mock_bootstrap(m.mock);
  sl_error_t err;
  sl_error_clear(&err);
  CHECK_INT(d->create_topic(d->ctx, "src", 1, 1, NULL, &err), 0);
  sl_map_t *props = sl_map_new(false);
  sl_map_put(props, "auto.offset.reset", "earliest");
  sl_engine_config_t cfg = {.driver = d, .props = props, .start_queries = true};
  sl_engine_t *e = NULL;
  CHECK_INT(sl_engine_open(&cfg, &e, &err), 0);
  sl_map_free(props);
  if (!e) {
    mock_env_close(&m);
    return;
  }
  sl_session_t s;
  sl_session_init(&s);
  sl_exec_result_t res = {0};
  int rc = sl_engine_execute(e,
                             "CREATE STREAM s (id VARCHAR KEY, v INT) "
                             "WITH (KAFKA_TOPIC='src', VALUE_FORMAT='JSON');\n"
                             "CREATE STREAM o WITH (KAFKA_TOPIC='dst', PARTITIONS=1) AS "
                             "SELECT id, v * 10 AS w FROM s WHERE v > 0;",
                             &s, &res, &err);
  CHECK_INT(rc, 0);
  if (rc) printf("  %s\n", err.msg);
  sl_exec_result_free(&res);
  CHECK_INT(sl_engine_query_count(e), 1);
  const char *qid = sl_engine_query_count(e) ? sl_query_id(sl_engine_query_at(e, 0)) : "";

  CHECK_INT(produce_json(d, "src", "a", "{\"V\":1}"), 0);
  CHECK_INT(produce_json(d, "src", "b", "{\"V\":0}"), 0);
  CHECK_INT(produce_json(d, "src", "c", "{\"V\":2}"), 0);
  int parts[2];
  char *keys[2] = {0}, *vals[2] = {0};
  CHECK_INT(read_back(bs, "dst", 1, 2, parts, keys, vals), 2);
  CHECK_STR(keys[0], "a");
  CHECK_STR(vals[0], "{\"W\":10}");
  CHECK_STR(keys[1], "c");
  CHECK_STR(vals[1], "{\"W\":20}");
  for (int i = 0; i < 2; i++) free(keys[i]), free(vals[i]);
  CHECK_STR(sl_kafka_query_state(d, qid, NULL, 0), "RUNNING");

  /* Every produce request fails from now on: the query's next output can
   * not be written, so it must stop in ERROR rather than skip the record. */
  rd_kafka_resp_err_t errs[50];
  for (int i = 0; i < 50; i++) errs[i] = RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED;
  CHECK_INT(produce_json(d, "src", "d", "{\"V\":3}"), 0); /* input offset 3 */
  rd_kafka_mock_push_request_errors_array(sl_kafka_mock_cluster(m.mock), 0, 50, errs);
  char msg[512];
  CHECK_STR(wait_state(d, qid, "ERROR"), "ERROR");
  sl_kafka_query_state(d, qid, msg, sizeof(msg));
  CHECK(strstr(msg, "dst") != NULL);
  rd_kafka_mock_clear_request_errors(sl_kafka_mock_cluster(m.mock), 0);
  char group[256];
  sl_kafka_group_id("default_", qid, group, sizeof(group));
  CHECK(committed_offset(bs, group, "src") <= 3);

  sl_session_free(&s);
  sl_engine_close(e);
  mock_env_close(&m);
}

/* The value read back for key, or NULL; n records in keys/vals. The newest
 * wins when a key occurs more than once. */
static const char *value_of(char **keys, char **vals, int n, const char *key) {
  const char *v = NULL;
  for (int i = 0; i < n; i++)
    if (keys[i] && !strcmp(keys[i], key)) v = vals[i];
  return v;
}

/* A foreign-key join whose right table is global for the query: its rows
 * written before the query exists are loaded into every task (3 partitions
 * on the right, 2 on the left), a right row alone emits nothing, and a later
 * right update re-joins the left row that references it. */
SL_TEST(kafka_mock_fk_join_loads_global_right_table) {
  mock_env_t m;
  if (mock_env_open(&m)) {
    CHECK(!"mock cluster did not start");
    return;
  }
  sl_topic_driver_t *d = m.drv;
  const char *bs = sl_kafka_mock_bootstrap(m.mock);
  sl_error_t err;
  sl_error_clear(&err);
  CHECK_INT(d->create_topic(d->ctx, "cust", 3, 1, NULL, &err), 0);
  CHECK_INT(d->create_topic(d->ctx, "ord", 2, 1, NULL, &err), 0);
  CHECK_INT(produce_json(d, "cust", "c1", "{\"NAME\":\"alice\"}"), 0);
  CHECK_INT(produce_json(d, "cust", "c2", "{\"NAME\":\"bob\"}"), 0);
  CHECK_INT(produce_json(d, "cust", "c3", "{\"NAME\":\"carol\"}"), 0);
  sl_map_t *props = sl_map_new(false);
  sl_map_put(props, "auto.offset.reset", "earliest");
  sl_engine_config_t cfg = {.driver = d, .props = props, .start_queries = true};
  sl_engine_t *e = NULL;
  CHECK_INT(sl_engine_open(&cfg, &e, &err), 0);
  sl_map_free(props);
  if (!e) {
    mock_env_close(&m);
    return;
  }
  sl_session_t s;
  sl_session_init(&s);
  sl_exec_result_t res = {0};
  int rc = sl_engine_execute(e,
                             "CREATE TABLE C (ID STRING PRIMARY KEY, NAME STRING) "
                             "WITH (KAFKA_TOPIC='cust', VALUE_FORMAT='JSON');\n"
                             "CREATE TABLE OT (ID STRING PRIMARY KEY, CUST STRING, AMT INT) "
                             "WITH (KAFKA_TOPIC='ord', VALUE_FORMAT='JSON');\n"
                             "CREATE TABLE OC WITH (KAFKA_TOPIC='oc') AS "
                             "SELECT OT.ID AS ID, C.NAME AS NAME, OT.AMT AS AMT "
                             "FROM OT LEFT JOIN C ON OT.CUST = C.ID;",
                             &s, &res, &err);
  CHECK_INT(rc, 0);
  if (rc) printf("  %s\n", err.msg);
  sl_exec_result_free(&res);
  CHECK_INT(sl_engine_query_count(e), 1);
  const char *qid = sl_engine_query_count(e) ? sl_query_id(sl_engine_query_at(e, 0)) : "";

  CHECK_INT(produce_json(d, "cust", "c4", "{\"NAME\":\"dave\"}"), 0); /* joins nothing */
  CHECK_INT(produce_json(d, "ord", "o1", "{\"CUST\":\"c1\",\"AMT\":10}"), 0);
  CHECK_INT(produce_json(d, "ord", "o2", "{\"CUST\":\"c2\",\"AMT\":20}"), 0);
  CHECK_INT(produce_json(d, "ord", "o3", "{\"CUST\":\"c3\",\"AMT\":30}"), 0);
  int parts[8];
  char *keys[8] = {0}, *vals[8] = {0};
  CHECK_INT(read_back(bs, "oc", 2, 3, parts, keys, vals), 3);
  CHECK_STR(value_of(keys, vals, 3, "o1"), "{\"NAME\":\"alice\",\"AMT\":10}");
  CHECK_STR(value_of(keys, vals, 3, "o2"), "{\"NAME\":\"bob\",\"AMT\":20}");
  CHECK_STR(value_of(keys, vals, 3, "o3"), "{\"NAME\":\"carol\",\"AMT\":30}");
  for (int i = 0; i < 8; i++) free(keys[i]), free(vals[i]), keys[i] = vals[i] = NULL;

  CHECK_INT(produce_json(d, "cust", "c2", "{\"NAME\":\"bobby\"}"), 0);
  CHECK_INT(read_back(bs, "oc", 2, 4, parts, keys, vals), 4);
  CHECK_STR(value_of(keys, vals, 4, "o2"), "{\"NAME\":\"bobby\",\"AMT\":20}");
  for (int i = 0; i < 8; i++) free(keys[i]), free(vals[i]);
  CHECK_STR(sl_kafka_query_state(d, qid, NULL, 0), "RUNNING");

  sl_session_free(&s);
  sl_engine_close(e);
  mock_env_close(&m);
}

/* Writes n records k<i> = {"V":"<prefix><i>"} at timestamps base + 10 * i +
 * shift in few batches (linger), so that a fetch returns many of them. */
static int produce_batch(const char *bootstrap, const char *topic, const char *prefix, int n,
                         int64_t base, int shift) {
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, NULL, 0);
  rd_kafka_conf_set(conf, "linger.ms", "200", NULL, 0);
  rd_kafka_conf_set(conf, "log_level", "2", NULL, 0);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, NULL, 0);
  if (!rk) return -1;
  int failed = 0;
  for (int i = 0; i < n; i++) {
    char key[32], val[64];
    snprintf(key, sizeof(key), "k%d", i);
    snprintf(val, sizeof(val), "{\"V\":\"%s%d\"}", prefix, i);
    if (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(0),
                          RD_KAFKA_V_KEY(key, strlen(key)), RD_KAFKA_V_VALUE(val, strlen(val)),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                          RD_KAFKA_V_TIMESTAMP(base + 10 * i + shift), RD_KAFKA_V_END))
      failed++;
  }
  if (rd_kafka_flush(rk, 10000)) failed++;
  rd_kafka_destroy(rk);
  return failed ? -1 : 0;
}

/* A task reading two partitions processes their backlogs in timestamp
 * order: both topics hold their records before the query exists (A at 0,
 * 10, 20 ... ms, B 5 ms after A with the same key), and a full outer join
 * with no grace period must pair every key. Processing A's backlog first
 * would move stream time past B's windows and emit A-only rows. */
SL_TEST(kafka_mock_join_of_backlogs_in_timestamp_order) {
  enum { N = 300 };
  mock_env_t m;
  if (mock_env_open(&m)) {
    CHECK(!"mock cluster did not start");
    return;
  }
  sl_topic_driver_t *d = m.drv;
  const char *bs = sl_kafka_mock_bootstrap(m.mock);
  sl_error_t err;
  sl_error_clear(&err);
  CHECK_INT(d->create_topic(d->ctx, "ta", 1, 1, NULL, &err), 0);
  CHECK_INT(d->create_topic(d->ctx, "tb", 1, 1, NULL, &err), 0);
  int64_t base = sl_now_ms() - 600000;
  CHECK_INT(produce_batch(bs, "ta", "a", N, base, 0), 0);
  CHECK_INT(produce_batch(bs, "tb", "b", N, base, 5), 0);
  sl_map_t *props = sl_map_new(false);
  sl_map_put(props, "auto.offset.reset", "earliest");
  sl_engine_config_t cfg = {.driver = d, .props = props, .start_queries = true};
  sl_engine_t *e = NULL;
  CHECK_INT(sl_engine_open(&cfg, &e, &err), 0);
  sl_map_free(props);
  if (!e) {
    mock_env_close(&m);
    return;
  }
  sl_session_t s;
  sl_session_init(&s);
  sl_exec_result_t res = {0};
  int rc = sl_engine_execute(e,
                             "CREATE STREAM A (ID STRING KEY, V STRING) "
                             "WITH (KAFKA_TOPIC='ta', VALUE_FORMAT='JSON');\n"
                             "CREATE STREAM B (ID STRING KEY, V STRING) "
                             "WITH (KAFKA_TOPIC='tb', VALUE_FORMAT='JSON');\n"
                             "CREATE STREAM J WITH (KAFKA_TOPIC='tj', PARTITIONS=1) AS "
                             "SELECT ROWKEY AS ID, A.V AS AV, B.V AS BV FROM A FULL OUTER JOIN B "
                             "WITHIN 1 SECOND GRACE PERIOD 0 SECONDS ON A.ID = B.ID;",
                             &s, &res, &err);
  CHECK_INT(rc, 0);
  if (rc) printf("  %s\n", err.msg);
  sl_exec_result_free(&res);
  static int parts[N + 1];
  static char *keys[N + 1], *vals[N + 1];
  int got = read_back(bs, "tj", 1, N, parts, keys, vals);
  CHECK_INT(got, N);
  int paired = 0;
  for (int i = 0; i < got; i++) {
    int k = -1;
    if (keys[i]) sscanf(keys[i], "k%d", &k);
    char want[64];
    snprintf(want, sizeof(want), "{\"AV\":\"a%d\",\"BV\":\"b%d\"}", k, k);
    if (vals[i] && !strcmp(vals[i], want))
      paired++;
    else if (paired == i)
      printf("  first unpaired output: %s %s\n", keys[i], vals[i]);
    free(keys[i]), free(vals[i]);
  }
  CHECK_INT(paired, N);

  sl_session_free(&s);
  sl_engine_close(e);
  mock_env_close(&m);
}
