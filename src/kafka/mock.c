/*
 * mock.c - the embedded broker: librdkafka's in-process mock cluster, kept
 * alive by a dummy producer handle. It lets `sluice run` and `sluice serve`
 * work with no Kafka installed, for trying things out only: it keeps about
 * 5 MB per partition in memory, loses everything on exit, and does not
 * implement CreateTopics, so topics are created through its own API.
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdlib.h>

#include "sluice/kafka.h"

struct sl_kafka_mock {
  rd_kafka_t *rk; /* the handle the cluster lives in */
  rd_kafka_mock_cluster_t *mcluster;
  char *bootstrap;
};

int sl_kafka_mock_new(int brokers, sl_kafka_mock_t **out, sl_error_t *err) {
  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  /* The handle never talks to anyone: it only owns the cluster's threads. */
  rd_kafka_conf_set(conf, "client.id", "sluice-embedded-broker", NULL, 0);
  rd_kafka_conf_set(conf, "log_level", "3", NULL, 0);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    return sl_error_set(err, SL_EKAFKA, -1, "cannot create embedded broker handle: %s", errstr);
  }
  rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers > 0 ? brokers : 1);
  if (!mc) {
    rd_kafka_destroy(rk);
    return sl_error_set(err, SL_EKAFKA, -1, "cannot start the embedded broker");
  }
  sl_kafka_mock_t *m = sl_xcalloc(1, sizeof(*m));
  m->rk = rk;
  m->mcluster = mc;
  m->bootstrap = sl_strdup(rd_kafka_mock_cluster_bootstraps(mc));
  *out = m;
  return 0;
}

const char *sl_kafka_mock_bootstrap(const sl_kafka_mock_t *m) {
  return m->bootstrap;
}

void *sl_kafka_mock_cluster(sl_kafka_mock_t *m) {
  return m->mcluster;
}

int sl_kafka_mock_create_topic(sl_kafka_mock_t *m, const char *topic, int partitions,
                               sl_error_t *err) {
  rd_kafka_resp_err_t e =
      rd_kafka_mock_topic_create(m->mcluster, topic, partitions > 0 ? partitions : 1, 1);
  if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
    return sl_error_set(err, SL_EEXISTS, -1, "Topic '%s' already exists", topic);
  if (e)
    return sl_error_set(err, SL_EKAFKA, -1, "cannot create topic '%s': %s", topic,
                        rd_kafka_err2str(e));
  return 0;
}

void sl_kafka_mock_free(sl_kafka_mock_t *m) {
  if (!m) return;
  rd_kafka_mock_cluster_destroy(m->mcluster);
  rd_kafka_destroy(m->rk);
  free(m->bootstrap);
  free(m);
}
