/*
 * test_kafka_state.c - the Kafka driver's side of durable state, on
 * librdkafka's in-process mock cluster: an aggregation that repartitions
 * (its own internal topic read back by the same query, over 2 partitions),
 * stopped and started again on the same catalog, must restore its counts
 * from the changelog and go on counting; under exactly_once_v2 a transaction
 * that fails is aborted and the query rewinds and rebuilds its state. The
 * mock keeps no offsets committed through transactions (TxnOffsetCommit is
 * answered and dropped) and does not hide aborted records, so restarts
 * under exactly-once, crashes and volume are tested on a real broker
 * (tests/e2e/test_crash_recovery.py).
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sluice/engine.h"
#include "sluice/kafka.h"
#include "unit.h"

typedef struct state_env {
  sl_kafka_mock_t *mock;
  sl_topic_driver_t *drv;
  sl_map_t *props;
  char dir[64];
} state_env_t;

static int env_open(state_env_t *m, const char *guarantee) {
  sl_error_t err;
  sl_error_clear(&err);
  memset(m, 0, sizeof(*m));
  snprintf(m->dir, sizeof(m->dir), "/tmp/sluice-kstate-XXXXXX");
  if (!mkdtemp(m->dir)) return -1;
  if (sl_kafka_mock_new(1, &m->mock, &err)) return -1;
  m->props = sl_map_new(false);
  sl_map_put(m->props, "log_level", "2");
  sl_map_put(m->props, "auto.offset.reset", "earliest");
  /* The mock coordinator waits out the old member before a restart joins. */
  sl_map_put(m->props, "session.timeout.ms", "6000");
  sl_map_put(m->props, "heartbeat.interval.ms", "1000");
  sl_map_put(m->props, "processing.guarantee", (void *)guarantee);
  sl_kafka_opts_t opts = {.mock = m->mock, .worker_threads = 1};
  if (sl_kafka_driver_new(sl_kafka_mock_bootstrap(m->mock), m->props, &opts, &m->drv, &err)) {
    sl_kafka_mock_free(m->mock);
    sl_map_free(m->props);
    return -1;
  }
  return 0;
}

static void env_close(state_env_t *m) {
  sl_kafka_driver_free(m->drv);
  sl_kafka_mock_free(m->mock);
  sl_map_free(m->props);
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf %s", m->dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", m->dir);
}

static sl_engine_t *engine_open(state_env_t *m) {
  sl_engine_config_t cfg = {
      .data_dir = m->dir, .driver = m->drv, .props = m->props, .start_queries = true};
  sl_engine_t *e = NULL;
  sl_error_t err;
  sl_error_clear(&err);
  if (sl_engine_open(&cfg, &e, &err)) {
    printf("  engine: %s\n", err.msg);
    return NULL;
  }
  return e;
}

static int produce(sl_topic_driver_t *d, const char *key, const char *val) {
  sl_error_t err;
  sl_error_clear(&err);
  sl_record_t r = {.topic = "clicks",
                   .partition = -1,
                   .offset = -1,
                   .timestamp = 1000,
                   .key = key,
                   .key_len = strlen(key),
                   .value = val,
                   .value_len = strlen(val)};
  return d->produce(d->ctx, &r, &err);
}

/* Reads the output table (read_committed) until key `want_key` has value
 * `want` and nothing newer; returns 1 when it had. */
static int wait_value(const char *bootstrap, const char *want_key, const char *want) {
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, NULL, 0);
  rd_kafka_conf_set(conf, "group.id", "test-kstate", NULL, 0);
  rd_kafka_conf_set(conf, "isolation.level", "read_committed", NULL, 0);
  rd_kafka_conf_set(conf, "log_level", "2", NULL, 0);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, NULL, 0);
  if (!rk) return 0;
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(2);
  for (int p = 0; p < 2; p++)
    rd_kafka_topic_partition_list_add(l, "pages", p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_assign(rk, l);
  rd_kafka_topic_partition_list_destroy(l);
  /* Once the value was seen, read on until the topic has been quiet for a
   * second: the newest value must still be it. */
  int found = 0, quiet = 0;
  char last[256] = "";
  for (int i = 0; i < 300 && !(found && quiet >= 10); i++) {
    rd_kafka_message_t *msg = rd_kafka_consumer_poll(rk, 100);
    if (!msg) {
      quiet++;
      continue;
    }
    quiet = 0;
    if (!msg->err && msg->key && msg->key_len == strlen(want_key) &&
        !memcmp(msg->key, want_key, msg->key_len)) {
      snprintf(last, sizeof(last), "%.*s", (int)msg->len, (const char *)msg->payload);
      if (!strcmp(last, want)) found = 1;
    }
    rd_kafka_message_destroy(msg);
  }
  found = found && !strcmp(last, want);
  if (!found) printf("  %s: last value %s, wanted %s\n", want_key, last, want);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return found;
}

static void restart_keeps_counts(const char *guarantee) {
  state_env_t m;
  if (env_open(&m, guarantee)) {
    CHECK(!"mock cluster did not start");
    return;
  }
  sl_topic_driver_t *d = m.drv;
  const char *bs = sl_kafka_mock_bootstrap(m.mock);
  sl_error_t err;
  sl_error_clear(&err);
  CHECK_INT(d->create_topic(d->ctx, "clicks", 2, 1, NULL, &err), 0);
  sl_engine_t *e = engine_open(&m);
  CHECK(e != NULL);
  if (!e) {
    env_close(&m);
    return;
  }
  sl_session_t s;
  sl_session_init(&s);
  sl_exec_result_t res = {0};
  /* GROUP BY a value column: records go through the query's repartition
   * topic and come back to the same query, co-partitioned by number. */
  int rc = sl_engine_execute(e,
                             "CREATE STREAM clicks (id VARCHAR KEY, page VARCHAR) "
                             "WITH (KAFKA_TOPIC='clicks', VALUE_FORMAT='JSON');\n"
                             "CREATE TABLE pages WITH (KAFKA_TOPIC='pages', PARTITIONS=2) AS "
                             "SELECT page, COUNT(*) AS n FROM clicks GROUP BY page;",
                             &s, &res, &err);
  CHECK_INT(rc, 0);
  if (rc) printf("  %s\n", err.msg);
  sl_exec_result_free(&res);
  sl_session_free(&s);
  const char *vals[] = {"{\"PAGE\":\"home\"}", "{\"PAGE\":\"cart\"}", "{\"PAGE\":\"home\"}",
                        "{\"PAGE\":\"home\"}", "{\"PAGE\":\"cart\"}"};
  for (int i = 0; i < 5; i++) {
    char key[8];
    snprintf(key, sizeof(key), "c%d", i);
    CHECK_INT(produce(d, key, vals[i]), 0);
  }
  CHECK(wait_value(bs, "home", "{\"N\":3}"));
  CHECK(wait_value(bs, "cart", "{\"N\":2}"));
  sl_engine_close(e);

  /* Same catalog: the query comes back, restores its store, counts on. */
  e = engine_open(&m);
  CHECK(e != NULL);
  if (e) {
    CHECK_INT(sl_engine_query_count(e), 1);
    CHECK_INT(produce(d, "c5", "{\"PAGE\":\"home\"}"), 0);
    CHECK(wait_value(bs, "home", "{\"N\":4}"));
    const char *qid = sl_engine_query_count(e) ? sl_query_id(sl_engine_query_at(e, 0)) : "";
    CHECK_STR(sl_kafka_query_state(d, qid, NULL, 0), "RUNNING");
    sl_engine_close(e);
  }
  env_close(&m);
}

SL_TEST(kafka_mock_restart_restores_aggregate_at_least_once) {
  restart_keeps_counts("at_least_once");
}

/* A transaction that fails is aborted; the query goes back to its last
 * committed transaction and rebuilds its state from the changelog, so the
 * record is counted once, not twice and not never. `by` is the GROUP BY
 * column: the key (the aggregation runs in the aborted transaction, so its
 * state must be rebuilt) or a value column (the aborted transaction held the
 * repartition record, so the input must be read again). */
static void abort_counts_once(const char *by) {
  state_env_t m;
  if (env_open(&m, "exactly_once_v2")) {
    CHECK(!"mock cluster did not start");
    return;
  }
  sl_topic_driver_t *d = m.drv;
  const char *bs = sl_kafka_mock_bootstrap(m.mock);
  sl_error_t err;
  sl_error_clear(&err);
  CHECK_INT(d->create_topic(d->ctx, "clicks", 2, 1, NULL, &err), 0);
  sl_engine_t *e = engine_open(&m);
  CHECK(e != NULL);
  if (!e) {
    env_close(&m);
    return;
  }
  sl_session_t s;
  sl_session_init(&s);
  sl_exec_result_t res = {0};
  char sql[512];
  snprintf(sql, sizeof(sql),
           "CREATE STREAM clicks (id VARCHAR KEY, page VARCHAR) "
           "WITH (KAFKA_TOPIC='clicks', VALUE_FORMAT='JSON');\n"
           "CREATE TABLE pages WITH (KAFKA_TOPIC='pages', PARTITIONS=2) AS "
           "SELECT %s, COUNT(*) AS n FROM clicks GROUP BY %s;",
           by, by);
  int rc = sl_engine_execute(e, sql, &s, &res, &err);
  CHECK_INT(rc, 0);
  if (rc) printf("  %s\n", err.msg);
  sl_exec_result_free(&res);
  sl_session_free(&s);
  /* Key and page are both "home", whichever the query groups by. */
  const char *v = "{\"PAGE\":\"home\"}";
  CHECK_INT(produce(d, "home", v), 0);
  CHECK_INT(produce(d, "home", v), 0);
  CHECK(wait_value(bs, "home", "{\"N\":2}"));
  /* The query's next transaction cannot add its partitions (only the
   * transactional producer sends AddPartitionsToTxn): it must abort. */
  rd_kafka_mock_push_request_errors(sl_kafka_mock_cluster(m.mock), 24 /* AddPartitionsToTxn */, 1,
                                    RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
  CHECK_INT(produce(d, "home", v), 0);
  CHECK(wait_value(bs, "home", "{\"N\":3}"));
  CHECK_INT(produce(d, "home", v), 0);
  CHECK(wait_value(bs, "home", "{\"N\":4}"));
  const char *qid = sl_engine_query_count(e) ? sl_query_id(sl_engine_query_at(e, 0)) : "";
  CHECK_STR(sl_kafka_query_state(d, qid, NULL, 0), "RUNNING");
  sl_engine_close(e);
  env_close(&m);
}

SL_TEST(kafka_mock_exactly_once_abort_rebuilds_state) {
  abort_counts_once("id");
}

SL_TEST(kafka_mock_exactly_once_abort_rereads_input) {
  abort_counts_once("page");
}
