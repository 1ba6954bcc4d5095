/*
 * driver.c - the Kafka topic driver: the sl_topic_driver_t the engine uses
 * in production. Topic administration goes through librdkafka's admin API
 * (or the embedded broker's own calls, since the mock cluster has no
 * CreateTopics), INSERT VALUES through one shared idempotent producer that
 * waits for each delivery report, and persistent queries through query.c on
 * the worker pool. Client configuration starts from the server properties so
 * users can pass security settings and tuning the way ksqlDB accepts them.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka_int.h"

#define ADMIN_TIMEOUT_MS 30000
#define METADATA_WAIT_MS 10000

/* ---------------- configuration ---------------- */

static bool has_prefix(const char *s, const char *p) {
  return strncmp(s, p, strlen(p)) == 0;
}

const char *sl_kprop(const sl_kdriver_t *d, const char *name) {
  if (!d->props) return NULL;
  const char *v = sl_map_get(d->props, name);
  if (v) return v;
  char alias[256];
  snprintf(alias, sizeof(alias), "ksql.streams.%s", name);
  return sl_map_get(d->props, alias);
}

int sl_kconf_set(rd_kafka_conf_t *conf, const char *name, const char *value, sl_error_t *err) {
  char errstr[512];
  if (rd_kafka_conf_set(conf, name, value, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK)
    return sl_error_set(err, SL_EINVAL, -1, "Kafka client property %s=%s: %s", name, value, errstr);
  return 0;
}

/* Maps a server property name to the librdkafka name for role, or NULL when
 * the property is not meant for that client. */
static const char *client_prop_name(const char *key, int role) {
  const char *name = key;
  if (has_prefix(name, "ksql.streams."))
    name += strlen("ksql.streams.");
  else if (has_prefix(name, "ksql.") || has_prefix(name, "sluice.") ||
           has_prefix(name, "listeners") || has_prefix(name, "confluent."))
    return NULL;
  const char *mine = role == SL_KROLE_CONSUMER   ? "consumer."
                     : role == SL_KROLE_PRODUCER ? "producer."
                                                 : "admin.";
  static const char *const roles[] = {"consumer.",      "producer.",         "admin.",
                                      "main.consumer.", "restore.consumer.", "global.consumer."};
  if (has_prefix(name, mine)) return name + strlen(mine);
  for (size_t i = 0; i < SL_ARRAY_LEN(roles); i++)
    if (has_prefix(name, roles[i])) return NULL;
  /* These belong to the driver, which sets them per client. */
  static const char *const owned[] = {
      "bootstrap.servers", "group.id",           "enable.auto.commit", "enable.auto.offset.store",
      "auto.offset.reset", "enable.idempotence", "client.id",          "partitioner"};
  for (size_t i = 0; i < SL_ARRAY_LEN(owned); i++)
    if (!strcmp(name, owned[i])) return NULL;
  return name;
}

rd_kafka_conf_t *sl_kconf_new(sl_kdriver_t *d, int role) {
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  char errstr[512];
  rd_kafka_conf_set(conf, "bootstrap.servers", d->bootstrap, NULL, 0);
  if (d->props) {
    int it = 0;
    const char *k;
    void *v;
    while (sl_map_next(d->props, &it, &k, &v)) {
      const char *name = client_prop_name(k, role);
      if (!name || !v) continue;
      rd_kafka_conf_res_t r = rd_kafka_conf_set(conf, name, v, errstr, sizeof(errstr));
      /* Java-only names (max.poll.records, ...) are expected: skip quietly. */
      if (r == RD_KAFKA_CONF_INVALID) SL_WARN("ignoring property %s: %s", k, errstr);
    }
  }
  return conf;
}

/* ---------------- admin ---------------- */

/* Finds a topic in full-cluster metadata. Asking for all topics rather than
 * one keeps the metadata request from auto-creating the topic. Returns the
 * partition count, SL_ENOTFOUND, or SL_EKAFKA. */
static int metadata_partitions(sl_kdriver_t *d, const char *name, sl_error_t *err) {
  const struct rd_kafka_metadata *md = NULL;
  rd_kafka_resp_err_t e = rd_kafka_metadata(d->rk, 1, NULL, &md, METADATA_WAIT_MS);
  if (e)
    return sl_error_set(err, SL_EKAFKA, -1, "cannot read cluster metadata: %s",
                        rd_kafka_err2str(e));
  int rc = SL_ENOTFOUND;
  for (int i = 0; i < md->topic_cnt; i++) {
    const struct rd_kafka_metadata_topic *t = &md->topics[i];
    if (strcmp(t->topic, name) != 0) continue;
    if (!t->err || t->err == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE)
      rc = t->partition_cnt > 0 ? t->partition_cnt : SL_ENOTFOUND;
    break;
  }
  rd_kafka_metadata_destroy(md);
  return rc;
}

/* Waits until metadata shows the topic (want_exists) or no longer does:
 * brokers learn about new and deleted topics a moment after the controller. */
static void metadata_wait(sl_kdriver_t *d, const char *name, bool want_exists) {
  int64_t deadline = sl_monotonic_ns() + (int64_t)METADATA_WAIT_MS * 1000000;
  while (sl_monotonic_ns() < deadline) {
    sl_error_t e;
    sl_error_clear(&e);
    int rc = metadata_partitions(d, name, &e);
    if (want_exists ? rc > 0 : rc == SL_ENOTFOUND) return;
    struct timespec ts = {0, 50 * 1000000};
    nanosleep(&ts, NULL);
  }
}

/* Runs an admin request whose result arrives on q; returns the event or NULL. */
static rd_kafka_event_t *admin_wait(rd_kafka_queue_t *q, sl_error_t *err, const char *what) {
  rd_kafka_event_t *ev = rd_kafka_queue_poll(q, ADMIN_TIMEOUT_MS + 5000);
  if (!ev) {
    sl_error_set(err, SL_EKAFKA, -1, "%s: timed out waiting for the cluster", what);
    return NULL;
  }
  if (rd_kafka_event_error(ev)) {
    sl_error_set(err, SL_EKAFKA, -1, "%s: %s", what, rd_kafka_event_error_string(ev));
    rd_kafka_event_destroy(ev);
    return NULL;
  }
  return ev;
}

static rd_kafka_AdminOptions_t *admin_options(sl_kdriver_t *d, rd_kafka_admin_op_t op) {
  rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(d->rk, op);
  rd_kafka_AdminOptions_set_request_timeout(o, ADMIN_TIMEOUT_MS, NULL, 0);
  if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_DELETETOPICS)
    rd_kafka_AdminOptions_set_operation_timeout(o, ADMIN_TIMEOUT_MS, NULL, 0);
  return o;
}

static int drv_create_topic(void *ctx, const char *name, int partitions, int replicas,
                            const sl_map_t *config, sl_error_t *err) {
  sl_kdriver_t *d = ctx;
  if (partitions <= 0) partitions = 1;
  if (d->mock) return sl_kafka_mock_create_topic(d->mock, name, partitions, err);
  char errstr[512];
  rd_kafka_NewTopic_t *nt =
      rd_kafka_NewTopic_new(name, partitions, replicas > 0 ? replicas : 1, errstr, sizeof(errstr));
  if (!nt) return sl_error_set(err, SL_EINVAL, -1, "cannot create topic '%s': %s", name, errstr);
  if (config) {
    int it = 0;
    const char *k;
    void *v;
    while (sl_map_next(config, &it, &k, &v))
      if (v) rd_kafka_NewTopic_set_config(nt, k, v);
  }
  rd_kafka_queue_t *q = rd_kafka_queue_new(d->rk);
  rd_kafka_AdminOptions_t *o = admin_options(d, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_CreateTopics(d->rk, &nt, 1, o, q);
  int rc = 0;
  rd_kafka_event_t *ev = admin_wait(q, err, "create topic");
  if (!ev) {
    rc = SL_EKAFKA;
  } else {
    size_t n = 0;
    const rd_kafka_topic_result_t **res =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    for (size_t i = 0; i < n; i++) {
      rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[i]);
      if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
        rc = sl_error_set(err, SL_EEXISTS, -1, "Topic '%s' already exists", name);
      else if (e)
        rc = sl_error_set(err, SL_EKAFKA, -1, "cannot create topic '%s': %s", name,
                          rd_kafka_topic_result_error_string(res[i]));
    }
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_AdminOptions_destroy(o);
  rd_kafka_NewTopic_destroy(nt);
  rd_kafka_queue_destroy(q);
  if (rc == 0) metadata_wait(d, name, true);
  return rc;
}

static int drv_topic_partitions(void *ctx, const char *name) {
  sl_error_t err;
  sl_error_clear(&err);
  int rc = metadata_partitions(ctx, name, &err);
  if (rc == SL_EKAFKA) SL_WARN("%s", err.msg);
  return rc;
}

static int drv_delete_topic(void *ctx, const char *name, sl_error_t *err) {
  sl_kdriver_t *d = ctx;
  if (d->mock) {
    /* The mock cluster cannot delete topics; its data dies with the process. */
    SL_WARN("the embedded broker cannot delete topic '%s'; it stays until sluice exits", name);
    return 0;
  }
  rd_kafka_DeleteTopic_t *dt = rd_kafka_DeleteTopic_new(name);
  rd_kafka_queue_t *q = rd_kafka_queue_new(d->rk);
  rd_kafka_AdminOptions_t *o = admin_options(d, RD_KAFKA_ADMIN_OP_DELETETOPICS);
  rd_kafka_DeleteTopics(d->rk, &dt, 1, o, q);
  int rc = 0;
  rd_kafka_event_t *ev = admin_wait(q, err, "delete topic");
  if (!ev) {
    rc = SL_EKAFKA;
  } else {
    size_t n = 0;
    const rd_kafka_topic_result_t **res =
        rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
    for (size_t i = 0; i < n; i++) {
      rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[i]);
      if (e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
        rc = sl_error_set(err, SL_ENOTFOUND, -1, "Topic '%s' does not exist", name);
      else if (e)
        rc = sl_error_set(err, SL_EKAFKA, -1, "cannot delete topic '%s': %s", name,
                          rd_kafka_topic_result_error_string(res[i]));
    }
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_AdminOptions_destroy(o);
  rd_kafka_DeleteTopic_destroy(dt);
  rd_kafka_queue_destroy(q);
  if (rc == 0) metadata_wait(d, name, false);
  return rc;
}

static int drv_list_topics(void *ctx, sl_ptrvec_t *names, sl_error_t *err) {
  sl_kdriver_t *d = ctx;
  const struct rd_kafka_metadata *md = NULL;
  rd_kafka_resp_err_t e = rd_kafka_metadata(d->rk, 1, NULL, &md, METADATA_WAIT_MS);
  if (e) return sl_error_set(err, SL_EKAFKA, -1, "cannot list topics: %s", rd_kafka_err2str(e));
  for (int i = 0; i < md->topic_cnt; i++)
    if (!md->topics[i].err) sl_ptrvec_push(names, sl_strdup(md->topics[i].topic));
  rd_kafka_metadata_destroy(md);
  return 0;
}

/* ---------------- INSERT VALUES ---------------- */

/* A produce() call waiting for its delivery report. Several threads may
 * produce at once; each polls the shared producer until its own report has
 * been served (by whichever thread polled). */
typedef struct produce_wait {
  atomic_int done;
  rd_kafka_resp_err_t err;
} produce_wait_t;

static void shared_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  SL_UNUSED(rk);
  SL_UNUSED(opaque);
  produce_wait_t *w = m->_private;
  if (!w) return;
  w->err = m->err;
  atomic_store(&w->done, 1);
}

static rd_kafka_headers_t *make_headers(const sl_record_t *rec) {
  if (rec->nheaders <= 0) return NULL;
  rd_kafka_headers_t *h = rd_kafka_headers_new((size_t)rec->nheaders);
  for (int i = 0; i < rec->nheaders; i++)
    rd_kafka_header_add(h, rec->headers[i].key, -1, rec->headers[i].value,
                        rec->headers[i].value ? (ssize_t)rec->headers[i].len : 0);
  return h;
}

/* Queues one record on rk; the vu array form lets headers be optional. */
rd_kafka_error_t *sl_kproduce(rd_kafka_t *rk, const sl_record_t *rec, void *opaque) {
  rd_kafka_vu_t vu[9];
  size_t n = 0;
  vu[n].vtype = RD_KAFKA_VTYPE_TOPIC;
  vu[n++].u.cstr = rec->topic;
  vu[n].vtype = RD_KAFKA_VTYPE_PARTITION;
  vu[n++].u.i32 = rec->partition >= 0 ? rec->partition : RD_KAFKA_PARTITION_UA;
  vu[n].vtype = RD_KAFKA_VTYPE_KEY;
  vu[n].u.mem.ptr = (void *)rec->key;
  vu[n++].u.mem.size = rec->key ? rec->key_len : 0;
  vu[n].vtype = RD_KAFKA_VTYPE_VALUE;
  vu[n].u.mem.ptr = (void *)rec->value;
  vu[n++].u.mem.size = rec->value ? rec->value_len : 0;
  vu[n].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
  vu[n++].u.i = RD_KAFKA_MSG_F_COPY;
  vu[n].vtype = RD_KAFKA_VTYPE_TIMESTAMP;
  vu[n++].u.i64 = rec->timestamp > 0 ? rec->timestamp : 0;
  vu[n].vtype = RD_KAFKA_VTYPE_OPAQUE;
  vu[n++].u.ptr = opaque;
  rd_kafka_headers_t *h = make_headers(rec);
  if (h) {
    vu[n].vtype = RD_KAFKA_VTYPE_HEADERS;
    vu[n++].u.headers = h;
  }
  rd_kafka_error_t *e = rd_kafka_produceva(rk, vu, n);
  if (e && h) rd_kafka_headers_destroy(h); /* ownership passes only on success */
  return e;
}

static int drv_produce(void *ctx, const sl_record_t *rec, sl_error_t *err) {
  sl_kdriver_t *d = ctx;
  produce_wait_t w;
  atomic_init(&w.done, 0);
  w.err = 0;
  for (;;) {
    rd_kafka_error_t *e = sl_kproduce(d->rk, rec, &w);
    if (!e) break;
    rd_kafka_resp_err_t code = rd_kafka_error_code(e);
    if (code == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_error_destroy(e);
      rd_kafka_poll(d->rk, 50);
      continue;
    }
    int rc = sl_error_set(err, SL_EKAFKA, -1, "cannot write to topic '%s': %s", rec->topic,
                          rd_kafka_error_string(e));
    rd_kafka_error_destroy(e);
    return rc;
  }
  while (!atomic_load(&w.done)) rd_kafka_poll(d->rk, 50);
  if (w.err)
    return sl_error_set(err, SL_EKAFKA, -1, "cannot write to topic '%s': %s", rec->topic,
                        rd_kafka_err2str(w.err));
  return 0;
}

/* ---------------- queries ---------------- */

void sl_kafka_group_id(const char *service_id, const char *query_id, char *out, size_t outsz) {
  snprintf(out, outsz, "_confluent-ksql-%squery_%s", service_id ? service_id : "default_",
           query_id);
}

static int find_query(sl_kdriver_t *d, const char *id) {
  for (int i = 0; i < d->queries.len; i++)
    if (!strcmp(sl_kquery_id(d->queries.items[i]), id)) return i;
  return -1;
}

static int drv_start_query(void *ctx, sl_query_t *q, bool from_beginning, sl_error_t *err) {
  sl_kdriver_t *d = ctx;
  pthread_mutex_lock(&d->lock);
  int found = find_query(d, sl_query_id(q));
  pthread_mutex_unlock(&d->lock);
  if (found >= 0)
    return sl_error_set(err, SL_EEXISTS, -1, "query %s is already running", sl_query_id(q));
  sl_kquery_t *kq = NULL;
  int rc = sl_kquery_start(d, q, from_beginning, &kq, err);
  if (rc) return rc;
  pthread_mutex_lock(&d->lock);
  sl_ptrvec_push(&d->queries, kq);
  pthread_mutex_unlock(&d->lock);
  return 0;
}

static sl_kquery_t *take_query(sl_kdriver_t *d, sl_query_t *q) {
  sl_kquery_t *kq = NULL;
  pthread_mutex_lock(&d->lock);
  for (int i = 0; i < d->queries.len; i++) {
    sl_kquery_t *c = d->queries.items[i];
    if (sl_kquery_query(c) == q || !strcmp(sl_kquery_id(c), sl_query_id(q))) {
      kq = c;
      memmove(&d->queries.items[i], &d->queries.items[i + 1],
              sizeof(void *) * (size_t)(d->queries.len - i - 1));
      d->queries.len--;
      break;
    }
  }
  pthread_mutex_unlock(&d->lock);
  return kq;
}

static int drv_stop_query(void *ctx, sl_query_t *q) {
  sl_kquery_t *kq = take_query(ctx, q);
  if (!kq) return SL_ENOTFOUND;
  sl_kquery_stop(kq);
  return 0;
}

static int drv_cleanup_query(void *ctx, sl_query_t *q) {
  sl_kdriver_t *d = ctx;
  if (d->mock) return 0; /* nothing outlives the process there */
  char group[512];
  sl_kafka_group_id(d->service_id, sl_query_id(q), group, sizeof(group));
  rd_kafka_DeleteGroup_t *dg = rd_kafka_DeleteGroup_new(group);
  rd_kafka_queue_t *rq = rd_kafka_queue_new(d->rk);
  rd_kafka_AdminOptions_t *o = admin_options(d, RD_KAFKA_ADMIN_OP_DELETEGROUPS);
  rd_kafka_DeleteGroups(d->rk, &dg, 1, o, rq);
  sl_error_t err;
  sl_error_clear(&err);
  rd_kafka_event_t *ev = admin_wait(rq, &err, "delete consumer group");
  if (ev) rd_kafka_event_destroy(ev);
  rd_kafka_AdminOptions_destroy(o);
  rd_kafka_DeleteGroup_destroy(dg);
  rd_kafka_queue_destroy(rq);
  /* Internal topics (repartition, changelog) are named after the group. */
  sl_ptrvec_t names = {0};
  sl_error_clear(&err);
  if (drv_list_topics(d, &names, &err) == 0) {
    char prefix[520];
    snprintf(prefix, sizeof(prefix), "%s-", group);
    for (int i = 0; i < names.len; i++) {
      if (has_prefix(names.items[i], prefix)) {
        sl_error_clear(&err);
        if (drv_delete_topic(d, names.items[i], &err)) SL_WARN("%s", err.msg);
      }
      free(names.items[i]);
    }
  }
  sl_ptrvec_free(&names);
  return 0;
}

const char *sl_kafka_query_state(sl_topic_driver_t *drv, const char *query_id, char *msg,
                                 size_t msgsz) {
  sl_kdriver_t *d = (sl_kdriver_t *)drv;
  const char *state = NULL;
  pthread_mutex_lock(&d->lock);
  int i = find_query(d, query_id);
  if (i >= 0) state = sl_kquery_state(d->queries.items[i], msg, msgsz);
  pthread_mutex_unlock(&d->lock);
  if (!state && msg && msgsz) msg[0] = 0;
  return state;
}

/* ---------------- life cycle ---------------- */

static int int_prop(const sl_kdriver_t *d, const char *name, int dflt) {
  const char *v = sl_kprop(d, name);
  if (!v) return dflt;
  char *end;
  long n = strtol(v, &end, 10);
  return (*end || n <= 0 || n > 1000000) ? dflt : (int)n;
}

int sl_kafka_driver_new(const char *bootstrap, const sl_map_t *props, const sl_kafka_opts_t *opts,
                        sl_topic_driver_t **out, sl_error_t *err) {
  if (!bootstrap || !*bootstrap)
    return sl_error_set(err, SL_EINVAL, -1, "no Kafka bootstrap servers given");
  sl_kafka_opts_t none = {0};
  if (!opts) opts = &none;
  sl_kdriver_t *d = sl_xcalloc(1, sizeof(*d));
  pthread_mutex_init(&d->lock, NULL);
  d->bootstrap = sl_strdup(bootstrap);
  d->props = sl_map_new(false);
  if (props) {
    int it = 0;
    const char *k;
    void *v;
    while (sl_map_next(props, &it, &k, &v))
      if (v) sl_map_put(d->props, k, sl_strdup(v));
  }
  d->mock = opts->mock;
  d->plog = opts->plog;
  d->plog_ctx = opts->plog_ctx;
  const char *svc = opts->service_id ? opts->service_id : sl_kprop(d, "ksql.service.id");
  d->service_id = sl_strdup(svc && *svc ? svc : "default_");
  d->commit_interval_ms = opts->commit_interval_ms > 0 ? opts->commit_interval_ms
                                                       : int_prop(d, "commit.interval.ms", 100);
  int threads =
      opts->worker_threads > 0 ? opts->worker_threads : int_prop(d, "sluice.worker.threads", 2);

  d->iface.ctx = d;
  d->iface.create_topic = drv_create_topic;
  d->iface.topic_partitions = drv_topic_partitions;
  d->iface.delete_topic = drv_delete_topic;
  d->iface.list_topics = drv_list_topics;
  d->iface.produce = drv_produce;
  d->iface.start_query = drv_start_query;
  d->iface.scan_topic = sl_kafka_scan_topic;
  d->iface.stop_query = drv_stop_query;
  d->iface.cleanup_query = drv_cleanup_query;

  rd_kafka_conf_t *conf = sl_kconf_new(d, SL_KROLE_PRODUCER);
  char errstr[512];
  int rc = sl_kconf_set(conf, "client.id", "sluice", err);
  if (!rc) rc = sl_kconf_set(conf, "enable.idempotence", "true", err);
  if (!rc) rc = sl_kconf_set(conf, "linger.ms", "1", err);
  if (!rc) rc = sl_kconf_set(conf, "partitioner", "murmur2_random", err);
  if (rc) {
    rd_kafka_conf_destroy(conf);
    sl_kafka_driver_free(&d->iface);
    return rc;
  }
  rd_kafka_conf_set_dr_msg_cb(conf, shared_dr_cb);
  d->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (!d->rk) {
    rd_kafka_conf_destroy(conf);
    sl_kafka_driver_free(&d->iface);
    return sl_error_set(err, SL_EKAFKA, -1, "cannot create Kafka client: %s", errstr);
  }
  rc = sl_kworkers_start(d, threads, err);
  if (rc) {
    sl_kafka_driver_free(&d->iface);
    return rc;
  }
  *out = &d->iface;
  return 0;
}

void sl_kafka_driver_free(sl_topic_driver_t *drv) {
  if (!drv) return;
  sl_kdriver_t *d = (sl_kdriver_t *)drv;
  for (;;) {
    pthread_mutex_lock(&d->lock);
    sl_kquery_t *kq = d->queries.len ? d->queries.items[--d->queries.len] : NULL;
    pthread_mutex_unlock(&d->lock);
    if (!kq) break;
    sl_kquery_stop(kq);
  }
  sl_ptrvec_free(&d->queries);
  sl_kworkers_stop(d);
  if (d->rk) {
    rd_kafka_flush(d->rk, 10000);
    rd_kafka_destroy(d->rk);
  }
  if (d->props) {
    int it = 0;
    const char *k;
    void *v;
    while (sl_map_next(d->props, &it, &k, &v)) free(v);
    sl_map_free(d->props);
  }
  free(d->bootstrap);
  free(d->service_id);
  pthread_mutex_destroy(&d->lock);
  free(d);
}
