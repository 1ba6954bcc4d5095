/*
 * passthrough.c - the benchmark's ceiling: the least work a Kafka-to-Kafka
 * stream processor can do. It consumes a topic with librdkafka and produces
 * every record's key, value and timestamp unchanged to another topic, as fast
 * as it can, and stops once the Nth record it produced is acknowledged.
 * tools/bench runs it next to sluice's queries over the same data so every
 * sluice number is a ratio to what the broker, librdkafka and the machine
 * allow at that moment.
 *
 *   passthrough --bootstrap HOST:PORT --from TOPIC --to TOPIC --count N
 *               [--group G] [-X [producer.|consumer.]NAME=VALUE]...
 *
 * It is configured like a sluice persistent query (a consumer group
 * subscription reading from the earliest offset; an idempotent producer
 * with linger.ms=5 writing with acks=all) with one exception that makes it
 * the ceiling: a deep prefetch queue. librdkafka 2.0 stops fetching a
 * partition once queued.min.messages (default 100,000) records wait in the
 * consumer queue and looks again only about a second later, even if the
 * application has emptied the queue long before; a consumer that falls
 * behind the fetcher for a moment then idles most of every second (measured:
 * 310 K/s with the default, 530 K/s with 1,000,000 on a 2-core machine).
 * The deep queue (about 200 MB of Nexmark bids) keeps the fetcher ahead.
 * Anything cleverer (bigger batches, copying whole fetch buffers) would
 * measure librdkafka tuning rather than the engine. -X overrides any
 * setting. It prints one JSON object: records produced, seconds from start
 * to the last acknowledgement, records per second.
 */
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_EXTRA 32

typedef struct opts {
  const char *bootstrap, *from, *to, *group;
  int64_t count;
  const char *extra[MAX_EXTRA]; /* -X settings: "name=value", "producer.name=value", ... */
  int nextra;
} opts_t;

static int64_t delivered, failed;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  (void)opaque;
  if (m->err) {
    if (failed++ == 0)
      fprintf(stderr, "passthrough: delivery failed: %s\n", rd_kafka_err2str(m->err));
  } else {
    delivered++;
  }
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: passthrough --bootstrap HOST:PORT --from TOPIC --to TOPIC --count N\n"
          "                   [--group G] [-X [producer.|consumer.]NAME=VALUE]...\n"
          "Copies N records from TOPIC to TOPIC (earliest offset first) and prints\n"
          "the time until the last one was acknowledged. -X sets a librdkafka\n"
          "property on both clients, or on one with the prefix.\n");
}

static int parse_args(int argc, char **argv, opts_t *o) {
  *o = (opts_t){.count = -1, .group = "sluice-bench-passthrough"};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      exit(0);
    }
    if (!v) {
      fprintf(stderr, "passthrough: %s needs a value\n", a);
      return -1;
    }
    i++;
    if (!strcmp(a, "--bootstrap"))
      o->bootstrap = v;
    else if (!strcmp(a, "--from"))
      o->from = v;
    else if (!strcmp(a, "--to"))
      o->to = v;
    else if (!strcmp(a, "--group"))
      o->group = v;
    else if (!strcmp(a, "--count"))
      o->count = strtoll(v, NULL, 10);
    else if (!strcmp(a, "-X") && o->nextra < MAX_EXTRA && strchr(v, '='))
      o->extra[o->nextra++] = v;
    else {
      fprintf(stderr, "passthrough: unknown option %s\n", a);
      return -1;
    }
  }
  if (!o->bootstrap || !o->from || !o->to || o->count < 0) {
    usage(stderr);
    return -1;
  }
  return 0;
}

/* Applies the -X settings meant for this client ("producer." or "consumer."
 * prefix, or none for both). */
static int apply_extra(rd_kafka_conf_t *conf, const opts_t *o, const char *role) {
  char errstr[512], name[256];
  size_t rl = strlen(role);
  for (int i = 0; i < o->nextra; i++) {
    const char *kv = o->extra[i], *eq = strchr(kv, '=');
    if (!strncmp(kv, "producer.", 9) || !strncmp(kv, "consumer.", 9)) {
      if (strncmp(kv, role, rl) || kv[rl] != '.') continue;
      kv += rl + 1;
    }
    snprintf(name, sizeof(name), "%.*s", (int)(eq - kv), kv);
    if (rd_kafka_conf_set(conf, name, eq + 1, errstr, sizeof(errstr))) {
      fprintf(stderr, "passthrough: %s\n", errstr);
      return -1;
    }
  }
  return 0;
}

static rd_kafka_t *client(rd_kafka_type_t type, const char *const (*kv)[2], size_t n,
                          const opts_t *o) {
  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  for (size_t i = 0; i < n; i++)
    if (rd_kafka_conf_set(conf, kv[i][0], kv[i][1], errstr, sizeof(errstr))) {
      fprintf(stderr, "passthrough: %s\n", errstr);
      rd_kafka_conf_destroy(conf);
      return NULL;
    }
  if (apply_extra(conf, o, type == RD_KAFKA_PRODUCER ? "producer" : "consumer")) {
    rd_kafka_conf_destroy(conf);
    return NULL;
  }
  if (type == RD_KAFKA_PRODUCER) rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_t *rk = rd_kafka_new(type, conf, errstr, sizeof(errstr));
  if (!rk) {
    fprintf(stderr, "passthrough: %s\n", errstr);
    rd_kafka_conf_destroy(conf);
  }
  return rk;
}

int main(int argc, char **argv) {
  opts_t o;
  if (parse_args(argc, argv, &o)) return 2;
  double t0 = now_s();

  const char *const pconf[][2] = {
      {"bootstrap.servers", o.bootstrap},
      {"client.id", "sluice-bench-passthrough-producer"},
      {"enable.idempotence", "true"},
      {"linger.ms", "5"},
      {"queue.buffering.max.messages", "500000"},
  };
  const char *const cconf[][2] = {
      {"bootstrap.servers", o.bootstrap},
      {"client.id", "sluice-bench-passthrough-consumer"},
      {"group.id", o.group},
      {"auto.offset.reset", "earliest"},
      {"enable.auto.commit", "true"},
      {"queued.min.messages", "1000000"},
      {"queued.max.messages.kbytes", "262144"},
  };
  rd_kafka_t *prod = client(RD_KAFKA_PRODUCER, pconf, sizeof(pconf) / sizeof(pconf[0]), &o);
  rd_kafka_t *cons =
      prod ? client(RD_KAFKA_CONSUMER, cconf, sizeof(cconf) / sizeof(cconf[0]), &o) : NULL;
  if (!cons) return 1;
  rd_kafka_poll_set_consumer(cons);
  rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(sub, o.from, RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t err = rd_kafka_subscribe(cons, sub);
  rd_kafka_topic_partition_list_destroy(sub);
  if (err) {
    fprintf(stderr, "passthrough: subscribe: %s\n", rd_kafka_err2str(err));
    return 1;
  }
  rd_kafka_topic_t *out = rd_kafka_topic_new(prod, o.to, NULL);

  int64_t consumed = 0;
  int rc = 0;
  double t_first = 0;
  while (consumed < o.count && rc == 0) {
    rd_kafka_message_t *m = rd_kafka_consumer_poll(cons, 100);
    rd_kafka_poll(prod, 0);
    if (!m) continue;
    if (m->err) {
      if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
        fprintf(stderr, "passthrough: consume: %s\n", rd_kafka_message_errstr(m));
      rd_kafka_message_destroy(m);
      continue;
    }
    if (!consumed) t_first = now_s();
    rd_kafka_timestamp_type_t tstype;
    int64_t ts = rd_kafka_message_timestamp(m, &tstype);
    for (;;) {
      err = rd_kafka_producev(
          prod, RD_KAFKA_V_RKT(out), RD_KAFKA_V_PARTITION(m->partition),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(m->key, m->key_len),
          RD_KAFKA_V_VALUE(m->payload, m->len), RD_KAFKA_V_TIMESTAMP(ts), RD_KAFKA_V_END);
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
      rd_kafka_poll(prod, 10);
    }
    if (err) {
      fprintf(stderr, "passthrough: produce: %s\n", rd_kafka_err2str(err));
      rc = -1;
    }
    consumed++;
    rd_kafka_message_destroy(m);
  }
  while (rc == 0 && delivered + failed < consumed) rd_kafka_poll(prod, 50);
  double t1 = now_s();
  if (failed) rc = -1;
  double secs = t1 - t0;
  printf("{\"records\":%" PRId64 ",\"failed\":%" PRId64
         ",\"seconds\":%.3f,\"first_record_seconds\":%.3f,\"records_per_second\":%.0f}\n",
         delivered, failed, secs, t_first ? t_first - t0 : 0.0,
         secs > 0 ? (double)delivered / secs : 0.0);
  fflush(stdout);
  rd_kafka_consumer_close(cons);
  rd_kafka_destroy(cons);
  rd_kafka_topic_destroy(out);
  rd_kafka_destroy(prod);
  return rc ? 1 : 0;
}
