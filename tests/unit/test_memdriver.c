/* test_memdriver.c - the in-memory topic driver's topic side: create, list,
 * delete, produce (partitioning, offsets, owned copies) and reading back.
 * Query delivery needs compiled queries and is covered by the conformance run. */
#include <stdlib.h>

#include "sluice/memdriver.h"
#include "unit.h"

static sl_record_t rec_of(const char *topic, const char *key, const char *value, int64_t ts) {
  sl_record_t r = {.topic = topic, .partition = -1, .offset = -1, .timestamp = ts};
  if (key) {
    r.key = key;
    r.key_len = strlen(key);
  }
  if (value) {
    r.value = value;
    r.value_len = strlen(value);
  }
  return r;
}

SL_TEST(memdriver_topics_create_list_delete) {
  sl_memdriver_t *d = sl_memdriver_new();
  sl_topic_driver_t *drv = sl_memdriver_driver(d);
  sl_error_t err;
  sl_error_clear(&err);
  CHECK_INT(drv->create_topic(drv->ctx, "a", 3, 1, NULL, &err), 0);
  CHECK_INT(drv->create_topic(drv->ctx, "B", 0, 1, NULL, &err), 0);
  CHECK_INT(drv->create_topic(drv->ctx, "a", 1, 1, NULL, &err), SL_EEXISTS);
  CHECK(strstr(err.msg, "already exists") != NULL);
  CHECK_INT(drv->topic_partitions(drv->ctx, "a"), 3);
  CHECK_INT(drv->topic_partitions(drv->ctx, "B"), 1);            /* 0 means the default, 1 */
  CHECK_INT(drv->topic_partitions(drv->ctx, "b"), SL_ENOTFOUND); /* case-sensitive */

  sl_ptrvec_t names = {0};
  CHECK_INT(drv->list_topics(drv->ctx, &names, &err), 0);
  CHECK_INT(names.len, 2);
  if (names.len == 2) {
    CHECK_STR(names.items[0], "a");
    CHECK_STR(names.items[1], "B");
  }
  for (int i = 0; i < names.len; i++) free(names.items[i]);
  sl_ptrvec_free(&names);

  sl_error_clear(&err);
  CHECK_INT(drv->delete_topic(drv->ctx, "a", &err), 0);
  CHECK_INT(drv->topic_partitions(drv->ctx, "a"), SL_ENOTFOUND);
  CHECK_INT(drv->delete_topic(drv->ctx, "a", &err), SL_ENOTFOUND);
  CHECK_INT(sl_memdriver_record_count(d, "a"), -1);
  sl_memdriver_free(d);
}

SL_TEST(memdriver_produce_partitions_and_offsets) {
  sl_memdriver_t *d = sl_memdriver_new();
  sl_topic_driver_t *drv = sl_memdriver_driver(d);
  sl_error_t err;
  sl_error_clear(&err);
  CHECK_INT(drv->create_topic(drv->ctx, "t", 4, 1, NULL, &err), 0);

  /* Keys go where Kafka's partitioner puts them; null keys to partition 0. */
  const char *keys[] = {"k1", "k2", "k1", NULL, "k3"};
  int expect_offset[4] = {0, 0, 0, 0};
  int offs[5], parts[5];
  for (int i = 0; i < 5; i++) {
    char val[16];
    snprintf(val, sizeof val, "v%d", i);
    sl_record_t r = rec_of("t", keys[i], val, 100 + i);
    CHECK_INT(drv->produce(drv->ctx, &r, &err), 0);
    parts[i] = keys[i] ? sl_kafka_partition_for(keys[i], strlen(keys[i]), 4) : 0;
    offs[i] = expect_offset[parts[i]]++;
  }
  CHECK_INT(sl_memdriver_record_count(d, "t"), 5);
  for (int i = 0; i < 5; i++) {
    const sl_record_t *r = sl_memdriver_record_at(d, "t", i);
    CHECK(r != NULL);
    if (!r) continue;
    CHECK_STR(r->topic, "t");
    CHECK_INT(r->partition, parts[i]);
    CHECK_INT(r->offset, offs[i]);
    CHECK_INT(r->timestamp, 100 + i);
    char val[16];
    snprintf(val, sizeof val, "v%d", i);
    CHECK_INT(r->value_len, strlen(val));
    CHECK(r->value && !memcmp(r->value, val, r->value_len));
    if (keys[i]) {
      CHECK(r->key && r->key_len == strlen(keys[i]) && !memcmp(r->key, keys[i], r->key_len));
    } else {
      CHECK(r->key == NULL);
    }
  }
  CHECK(sl_memdriver_record_at(d, "t", 5) == NULL);

  /* Explicit partitions are kept; out-of-range ones are refused. */
  sl_record_t r = rec_of("t", "x", NULL, 0);
  r.partition = 3;
  CHECK_INT(drv->produce(drv->ctx, &r, &err), 0);
  const sl_record_t *got = sl_memdriver_record_at(d, "t", 5);
  CHECK(got && got->partition == 3 && got->value == NULL);
  r.partition = 4;
  sl_error_clear(&err);
  CHECK_INT(drv->produce(drv->ctx, &r, &err), SL_EINVAL);

  sl_record_t missing = rec_of("nope", NULL, "v", 0);
  CHECK_INT(drv->produce(drv->ctx, &missing, &err), SL_ENOTFOUND);

  /* No query runs: nothing is queued and pumping is a no-op. */
  CHECK_INT(sl_memdriver_pending(d), 0);
  sl_error_clear(&err);
  CHECK_INT(sl_memdriver_pump(d, &err), 0);
  CHECK(sl_memdriver_failure(d) == NULL);
  sl_memdriver_free(d);
}

SL_TEST(memdriver_records_own_their_bytes) {
  sl_memdriver_t *d = sl_memdriver_new();
  sl_topic_driver_t *drv = sl_memdriver_driver(d);
  sl_error_t err;
  sl_error_clear(&err);
  CHECK_INT(drv->create_topic(drv->ctx, "h", 1, 1, NULL, &err), 0);
  char key[8] = "key", value[8] = "value", hk[8] = "hk", hv[4] = {1, 0, 2, 3};
  sl_header_t hdrs[2] = {{hk, hv, 4}, {"nullhdr", NULL, 0}};
  sl_record_t r = rec_of("h", key, value, 7);
  r.headers = hdrs;
  r.nheaders = 2;
  CHECK_INT(drv->produce(drv->ctx, &r, &err), 0);
  /* Scribble over the caller's buffers: the stored record must not change. */
  memset(key, 'X', 3);
  memset(value, 'X', 5);
  memset(hk, 'X', 2);
  memset(hv, 9, 4);
  const sl_record_t *got = sl_memdriver_record_at(d, "h", 0);
  CHECK(got != NULL);
  if (got) {
    CHECK(got->key_len == 3 && !memcmp(got->key, "key", 3));
    CHECK(got->value_len == 5 && !memcmp(got->value, "value", 5));
    CHECK_INT(got->nheaders, 2);
    if (got->nheaders == 2) {
      CHECK_STR(got->headers[0].key, "hk");
      const char want[4] = {1, 0, 2, 3};
      CHECK(got->headers[0].len == 4 && !memcmp(got->headers[0].value, want, 4));
      CHECK_STR(got->headers[1].key, "nullhdr");
      CHECK(got->headers[1].value == NULL);
    }
  }
  /* An empty (not null) value stays empty and non-null. */
  sl_record_t e = rec_of("h", NULL, "", 0);
  CHECK_INT(drv->produce(drv->ctx, &e, &err), 0);
  got = sl_memdriver_record_at(d, "h", 1);
  CHECK(got && got->value != NULL && got->value_len == 0 && got->offset == 1);
  sl_memdriver_free(d);
}
