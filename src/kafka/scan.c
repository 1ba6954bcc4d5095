/*
 * scan.c - reading a topic from its beginning to its current end, for pull
 * queries: a short-lived consumer without a group, assigned every partition
 * at the low watermark, polled until each partition reaches the high
 * watermark it had when the scan began.
 */
#include <librdkafka/rdkafka.h>
#include <stdlib.h>
#include <string.h>

#include "kafka_int.h"

int sl_kafka_scan_topic(void *ctx, const char *topic, int (*fn)(void *arg, const sl_record_t *rec),
                        void *arg, sl_error_t *err) {
  sl_kdriver_t *d = ctx;
  char errstr[512];
  rd_kafka_conf_t *conf = sl_kconf_new(d, SL_KROLE_CONSUMER);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", NULL, 0);
  rd_kafka_conf_set(conf, "group.id", "sluice-scan", NULL, 0);
  rd_kafka_conf_set(conf, "isolation.level", "read_committed", NULL, 0);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (!rk) return sl_error_set(err, SL_EKAFKA, -1, "cannot create consumer: %s", errstr);
  const rd_kafka_metadata_t *md = NULL;
  rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
  rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, 10000);
  rd_kafka_topic_destroy(rkt);
  int rc = 0;
  if (e || !md || md->topic_cnt < 1 || md->topics[0].err) {
    rc = sl_error_set(err, SL_EKAFKA, -1, "cannot read metadata of topic '%s': %s", topic,
                      rd_kafka_err2str(e ? e : (md && md->topic_cnt ? md->topics[0].err : 0)));
    if (md) rd_kafka_metadata_destroy(md);
    rd_kafka_destroy(rk);
    return rc;
  }
  int np = md->topics[0].partition_cnt;
  int64_t *high = calloc((size_t)np, sizeof(int64_t));
  rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(np);
  int remaining = 0;
  for (int i = 0; i < np; i++) {
    int32_t p = md->topics[0].partitions[i].id;
    int64_t lo = 0, hi = 0;
    rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi, 10000);
    if (p < 0 || p >= np) continue;
    high[p] = hi;
    if (hi > lo) {
      rd_kafka_topic_partition_list_add(parts, topic, p)->offset = lo;
      remaining++;
    }
  }
  rd_kafka_metadata_destroy(md);
  if (remaining) rd_kafka_assign(rk, parts);
  bool stop = false;
  while (remaining > 0 && !stop) {
    rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 1000);
    if (!m) continue;
    if (m->err) {
      if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        rc = sl_error_set(err, SL_EKAFKA, -1, "scan of '%s' failed: %s", topic,
                          rd_kafka_message_errstr(m));
        stop = true;
      }
      rd_kafka_message_destroy(m);
      continue;
    }
    int32_t pi = m->partition;
    int64_t hi = pi >= 0 && pi < np ? high[pi] : 0;
    if (m->offset < hi) {
      rd_kafka_headers_t *hdrs = NULL;
      sl_header_t hv[32];
      int nh = 0;
      if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char *name;
        const void *val;
        size_t sz;
        for (size_t i = 0; nh < 32 && !rd_kafka_header_get_all(hdrs, i, &name, &val, &sz); i++)
          hv[nh++] = (sl_header_t){.key = name, .value = val, .len = sz};
      }
      sl_record_t rec = {.topic = topic,
                         .partition = m->partition,
                         .offset = m->offset,
                         .timestamp = rd_kafka_message_timestamp(m, NULL),
                         .key = m->key,
                         .key_len = m->key_len,
                         .value = m->payload,
                         .value_len = m->len,
                         .headers = nh ? hv : NULL,
                         .nheaders = nh};
      if (fn(arg, &rec)) stop = true;
    }
    if (m->offset + 1 >= hi) remaining--;
    rd_kafka_message_destroy(m);
  }
  rd_kafka_topic_partition_list_destroy(parts);
  free(high);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return rc;
}
