/*
 * datagen.c - writes Nexmark-shaped events (Person, Auction, Bid) as JSON to
 * three Kafka topics for tools/bench. The stream is seeded and deterministic:
 * the same seed and count give the same bytes, keys, timestamps and
 * partitions on every run, so numbers from different runs compare and a
 * query's expected output can be computed here.
 *
 *   datagen --bootstrap HOST:PORT --bids N [--seed S] [--prefix P]
 *           [--partitions K] [--stats FILE]
 *   datagen --bootstrap HOST:PORT --persons-auctions N [--seed S] [--prefix P] ...
 *   datagen --bootstrap HOST:PORT --kv-topic T --kv-keys K --kv-records N ...
 *
 * Events follow Nexmark's mix: in every 50 events 1 is a person, 3 are
 * auctions and 46 are bids; event time starts at 2015-07-15 00:00:00 UTC and
 * advances 10,000 events per second. Field names and value shapes are
 * Nexmark's; dateTime (and an auction's expires) are epoch milliseconds, so a
 * stream can declare them BIGINT and use them as its TIMESTAMP column. The
 * Kafka timestamp of each record is its dateTime. Bids carry no key (the
 * Nexmark bid stream is unkeyed) and go round-robin over the partitions;
 * persons and auctions are keyed by their id in decimal text, which reads as
 * a KAFKA STRING key or a JSON BIGINT key, so they can back tables. The
 * extra field pads a bid to about 200 bytes like Nexmark's JSON.
 *
 * --persons-auctions N writes the same timeline without the bids: only
 * P-person and P-auction, until they hold N records together (the join
 * benchmark needs more of them than 5 M bids come with). --kv-topic writes N
 * small records to topic T for the state benchmarks instead: record i has
 * the key i mod K (decimal text, a JSON BIGINT key) and the value
 * {"v":i}, with K distinct keys in all.
 *
 * On success it prints (and writes to --stats) one JSON object with the
 * counts, including how many bids Nexmark q2's filter MOD(auction, 123) = 0
 * keeps, so the benchmark knows how many output records to wait for.
 */
#include <errno.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BASE_TIME_MS INT64_C(1436918400000) /* 2015-07-15T00:00:00Z */
#define EVENTS_PER_SEC 10000
#define Q2_MODULUS 123

/* ---- deterministic randomness (splitmix64: tiny, seedable, good enough) ---- */

static uint64_t rng_state;

static uint64_t rng_next(void) {
  uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

/* Uniform in [0, n). The modulo bias is irrelevant for benchmark data. */
static uint64_t rng_below(uint64_t n) {
  return n ? rng_next() % n : 0;
}

static double rng_unit(void) {
  return (double)(rng_next() >> 11) / (double)(UINT64_C(1) << 53);
}

/* n random lower-case letters into out (no terminator). */
static void rng_letters(char *out, int n) {
  for (int i = 0; i < n; i++) out[i] = (char)('a' + rng_below(26));
}

/* ---- Nexmark vocabulary ---- */

static const char *const FIRST[] = {"Peter", "Paul",  "Luke",  "John",   "Saul",  "Vicky",
                                    "Kate",  "Julie", "Sarah", "Deiter", "Walter"};
static const char *const LAST[] = {"Shultz", "Abrams", "Spencer", "White", "Bartels",
                                   "Walton", "Smith",  "Jones",   "Noris"};
static const char *const CITY[] = {"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland",
                                   "Bend",    "Redmond",     "Seattle",       "Kent",  "Cheyenne"};
static const char *const STATE[] = {"AZ", "CA", "ID", "OR", "WA", "WY"};
static const char *const CHANNEL[] = {"Google", "Facebook", "Baidu", "Apple"};
#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- options and counters ---- */

typedef struct opts {
  const char *bootstrap;
  const char *prefix;
  const char *stats;
  int64_t bids;
  int64_t persons_auctions; /* > 0: persons and auctions only, this many */
  const char *kv_topic;
  int64_t kv_keys, kv_records;
  uint64_t seed;
  int partitions;
} opts_t;

typedef struct counts {
  int64_t persons, auctions, bids, q2, kv;
  int64_t bid_bytes, bytes;
  int64_t delivered, failed;
} counts_t;

static counts_t counts;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  (void)opaque;
  if (m->err) {
    if (counts.failed++ == 0)
      fprintf(stderr, "datagen: delivery failed: %s\n", rd_kafka_err2str(m->err));
  } else {
    counts.delivered++;
  }
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: datagen --bootstrap HOST:PORT --bids N [--seed S] [--prefix P]\n"
          "               [--partitions K] [--stats FILE]\n"
          "       datagen ... --persons-auctions N   (no bids; N persons + auctions)\n"
          "       datagen ... --kv-topic T --kv-keys K --kv-records N\n"
          "Writes Nexmark persons, auctions and N bids as JSON to P-person, P-auction\n"
          "and P-bid (P defaults to nexmark; the topics must exist with K partitions,\n"
          "default 1). Prints a JSON summary.\n");
}

static int parse_args(int argc, char **argv, opts_t *o) {
  *o = (opts_t){.prefix = "nexmark",
                .seed = 42,
                .partitions = 1,
                .bids = -1,
                .kv_keys = -1,
                .kv_records = -1};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      exit(0);
    }
    if (!v) {
      fprintf(stderr, "datagen: %s needs a value\n", a);
      return -1;
    }
    i++;
    if (!strcmp(a, "--bootstrap"))
      o->bootstrap = v;
    else if (!strcmp(a, "--prefix"))
      o->prefix = v;
    else if (!strcmp(a, "--stats"))
      o->stats = v;
    else if (!strcmp(a, "--bids"))
      o->bids = strtoll(v, NULL, 10);
    else if (!strcmp(a, "--persons-auctions"))
      o->persons_auctions = strtoll(v, NULL, 10);
    else if (!strcmp(a, "--kv-topic"))
      o->kv_topic = v;
    else if (!strcmp(a, "--kv-keys"))
      o->kv_keys = strtoll(v, NULL, 10);
    else if (!strcmp(a, "--kv-records"))
      o->kv_records = strtoll(v, NULL, 10);
    else if (!strcmp(a, "--seed"))
      o->seed = strtoull(v, NULL, 10);
    else if (!strcmp(a, "--partitions"))
      o->partitions = atoi(v);
    else {
      fprintf(stderr, "datagen: unknown option %s\n", a);
      return -1;
    }
  }
  if (o->kv_topic && (o->kv_keys < 1 || o->kv_records < 0)) {
    fprintf(stderr, "datagen: --kv-topic needs --kv-keys K >= 1 and --kv-records N\n");
    return -1;
  }
  if (o->persons_auctions > 0 || o->kv_topic) o->bids = 0;
  if (!o->bootstrap || o->bids < 0 || o->partitions < 1) {
    usage(stderr);
    return -1;
  }
  return 0;
}

/* ---- producing ---- */

typedef struct out {
  rd_kafka_t *rk;
  rd_kafka_topic_t *topic;
  int partitions;
  int64_t next_partition; /* round-robin cursor for unkeyed records */
} out_t;

/* Partition for a keyed record: stable across runs (FNV-1a of the key). The
 * broker-side placement does not matter to the benchmark, only that it is
 * deterministic. */
static int32_t key_partition(const out_t *o, const char *key, size_t klen) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < klen; i++) h = (h ^ (uint8_t)key[i]) * 16777619u;
  return (int32_t)(h % (uint32_t)o->partitions);
}

static int emit(out_t *o, const char *key, size_t klen, const char *val, size_t vlen, int64_t ts) {
  int32_t part = key ? key_partition(o, key, klen) : (int32_t)(o->next_partition++ % o->partitions);
  for (;;) {
    rd_kafka_resp_err_t err = rd_kafka_producev(
        o->rk, RD_KAFKA_V_RKT(o->topic), RD_KAFKA_V_PARTITION(part),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key, key ? klen : 0),
        RD_KAFKA_V_VALUE((void *)val, vlen), RD_KAFKA_V_TIMESTAMP(ts), RD_KAFKA_V_END);
    if (!err) break;
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      fprintf(stderr, "datagen: produce: %s\n", rd_kafka_err2str(err));
      return -1;
    }
    /* The local queue is full: let deliveries drain it. */
    rd_kafka_poll(o->rk, 10);
  }
  counts.bytes += (int64_t)vlen;
  rd_kafka_poll(o->rk, 0);
  return 0;
}

/* ---- event builders: each writes one JSON value into buf ---- */

/* A bid picks its auction like Nexmark: half the time one of a few "hot"
 * recent auctions, otherwise any of the recent (still open) ones. Bidders
 * likewise favour recent persons. */
static int64_t pick_recent(int64_t first_id, int64_t count, int64_t window, int hot) {
  if (count <= 0) return first_id;
  int64_t last = first_id + count - 1;
  if (rng_below(2) == 0) {
    int64_t span = count < hot ? count : hot;
    return last - (int64_t)rng_below((uint64_t)span);
  }
  int64_t span = count < window ? count : window;
  return last - (int64_t)rng_below((uint64_t)span);
}

static int build_person(char *buf, size_t cap, int64_t id, int64_t ts) {
  char email[8], extra[24];
  rng_letters(email, 7);
  int extra_len = 10 + (int)rng_below(14);
  rng_letters(extra, extra_len);
  return snprintf(buf, cap,
                  "{\"id\":%" PRId64
                  ",\"name\":\"%s %s\",\"emailAddress\":\"%.7s@%.3s.com\","
                  "\"creditCard\":\"%04d %04d %04d %04d\",\"city\":\"%s\",\"state\":\"%s\","
                  "\"dateTime\":%" PRId64 ",\"extra\":\"%.*s\"}",
                  id, FIRST[rng_below(NELEM(FIRST))], LAST[rng_below(NELEM(LAST))], email,
                  email + 4, (int)rng_below(10000), (int)rng_below(10000), (int)rng_below(10000),
                  (int)rng_below(10000), CITY[rng_below(NELEM(CITY))],
                  STATE[rng_below(NELEM(STATE))], ts, extra_len, extra);
}

static int build_auction(char *buf, size_t cap, int64_t id, int64_t seller, int64_t ts) {
  char item[12], desc[24], extra[32];
  rng_letters(item, 11);
  rng_letters(desc, 23);
  int extra_len = 12 + (int)rng_below(20);
  rng_letters(extra, extra_len);
  int64_t initial = (int64_t)llround(pow(10.0, rng_unit() * 6.0) * 100.0);
  int64_t reserve = initial + (int64_t)llround(pow(10.0, rng_unit() * 6.0) * 100.0);
  /* Auctions stay open for a while of event time (up to about 20 s). */
  int64_t expires = ts + 2000 + (int64_t)rng_below(18000);
  return snprintf(buf, cap,
                  "{\"id\":%" PRId64
                  ",\"itemName\":\"%.11s\",\"description\":\"%.23s\","
                  "\"initialBid\":%" PRId64 ",\"reserve\":%" PRId64 ",\"dateTime\":%" PRId64
                  ",\"expires\":%" PRId64 ",\"seller\":%" PRId64
                  ",\"category\":%d,"
                  "\"extra\":\"%.*s\"}",
                  id, item, desc, initial, reserve, ts, expires, seller, 10 + (int)rng_below(5),
                  extra_len, extra);
}

static int build_bid(char *buf, size_t cap, int64_t auction, int64_t bidder, int64_t ts) {
  /* Price in cents, log-uniform from $1 to $1M as Nexmark draws it. */
  int64_t price = (int64_t)llround(pow(10.0, rng_unit() * 6.0) * 100.0);
  char path[8], query[8], extra[80];
  rng_letters(path, 5);
  rng_letters(query, 5);
  char channel[24], url[96];
  if (rng_below(10) < 9) {
    snprintf(channel, sizeof(channel), "%s", CHANNEL[rng_below(NELEM(CHANNEL))]);
    snprintf(url, sizeof(url), "https://www.nexmark.com/%.5s/item.htm?query=1", path);
  } else {
    int id = (int)rng_below(10000);
    snprintf(channel, sizeof(channel), "channel-%d", id);
    snprintf(url, sizeof(url), "https://www.nexmark.com/%.5s/%.5s/item.htm?query=1&channel_id=%d",
             path, query, id);
  }
  /* Pads the bid to about 200 bytes, as in Nexmark's JSON. */
  int extra_len = 40 + (int)rng_below(30);
  rng_letters(extra, extra_len);
  return snprintf(buf, cap,
                  "{\"auction\":%" PRId64 ",\"bidder\":%" PRId64 ",\"price\":%" PRId64
                  ",\"channel\":\"%s\",\"url\":\"%s\",\"dateTime\":%" PRId64 ",\"extra\":\"%.*s\"}",
                  auction, bidder, price, channel, url, ts, extra_len, extra);
}

/* ---- main ---- */

static rd_kafka_topic_t *topic_new(rd_kafka_t *rk, const char *prefix, const char *kind) {
  char name[256];
  snprintf(name, sizeof(name), "%s-%s", prefix, kind);
  return rd_kafka_topic_new(rk, name, NULL);
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  opts_t o;
  if (parse_args(argc, argv, &o)) return 2;
  rng_state = o.seed;

  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  /* Idempotence keeps retries from duplicating records: counts must be exact.
   * Big, lingering batches because generation speed is not what is measured. */
  const char *settings[][2] = {
      {"bootstrap.servers", o.bootstrap},
      {"client.id", "sluice-datagen"},
      {"enable.idempotence", "true"},
      {"linger.ms", "50"},
      {"batch.size", "1000000"},
      {"queue.buffering.max.kbytes", "1048576"},
      {"queue.buffering.max.messages", "1000000"},
  };
  for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
    if (rd_kafka_conf_set(conf, settings[i][0], settings[i][1], errstr, sizeof(errstr))) {
      fprintf(stderr, "datagen: %s\n", errstr);
      return 1;
    }
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (!rk) {
    fprintf(stderr, "datagen: %s\n", errstr);
    return 1;
  }
  /* Only the topics this mode writes get a handle: a handle for a topic
   * that does not exist makes librdkafka complain about its metadata. */
  bool nexmark = !o.kv_topic, bids = nexmark && !o.persons_auctions;
  out_t person = {rk, nexmark ? topic_new(rk, o.prefix, "person") : NULL, o.partitions, 0};
  out_t auction = {rk, nexmark ? topic_new(rk, o.prefix, "auction") : NULL, o.partitions, 0};
  out_t bid = {rk, bids ? topic_new(rk, o.prefix, "bid") : NULL, o.partitions, 0};
  out_t kv = {rk, o.kv_topic ? rd_kafka_topic_new(rk, o.kv_topic, NULL) : NULL, o.partitions, 0};

  double t0 = now_s();
  char buf[1024], key[32];
  int rc = 0;
  for (int64_t i = 0; o.kv_topic && i < o.kv_records && rc == 0; i++) {
    int kn = snprintf(key, sizeof(key), "%" PRId64, i % o.kv_keys);
    int n = snprintf(buf, sizeof(buf), "{\"v\":%" PRId64 "}", i);
    rc = emit(&kv, key, (size_t)kn, buf, (size_t)n, BASE_TIME_MS + i * 1000 / EVENTS_PER_SEC);
    counts.kv++;
  }
  for (int64_t ev = 0; nexmark && rc == 0; ev++) {
    if (o.persons_auctions > 0 ? counts.persons + counts.auctions >= o.persons_auctions
                               : counts.bids >= o.bids)
      break;
    int64_t ts = BASE_TIME_MS + ev * 1000 / EVENTS_PER_SEC;
    int slot = (int)(ev % 50);
    int n, kn;
    if (slot == 0) {
      int64_t id = 1000 + counts.persons++;
      n = build_person(buf, sizeof(buf), id, ts);
      kn = snprintf(key, sizeof(key), "%" PRId64, id);
      rc = emit(&person, key, (size_t)kn, buf, (size_t)n, ts);
    } else if (slot < 4) {
      int64_t id = 1000 + counts.auctions++;
      int64_t seller = pick_recent(1000, counts.persons, 1000, 20);
      n = build_auction(buf, sizeof(buf), id, seller, ts);
      kn = snprintf(key, sizeof(key), "%" PRId64, id);
      rc = emit(&auction, key, (size_t)kn, buf, (size_t)n, ts);
    } else {
      int64_t a = pick_recent(1000, counts.auctions, 1000, 10);
      int64_t b = pick_recent(1000, counts.persons, 1000, 20);
      if (!bids) { /* the bid's place in the timeline, without the bid */
        counts.bids++;
        continue;
      }
      n = build_bid(buf, sizeof(buf), a, b, ts);
      counts.bids++;
      counts.bid_bytes += n;
      if (a % Q2_MODULUS == 0) counts.q2++;
      rc = emit(&bid, NULL, 0, buf, (size_t)n, ts);
    }
  }
  double t_sent = now_s();
  while (rc == 0 && rd_kafka_outq_len(rk) > 0) rd_kafka_flush(rk, 1000);
  double t1 = now_s();
  if (counts.failed) rc = -1;

  char summary[1024];
  snprintf(summary, sizeof(summary),
           "{\"seed\":%" PRIu64 ",\"bids\":%" PRId64 ",\"persons\":%" PRId64
           ",\"auctions\":%" PRId64 ",\"q2_matches\":%" PRId64 ",\"bid_bytes\":%" PRId64
           ",\"kv_records\":%" PRId64 ",\"kv_keys\":%" PRId64 ",\"bytes\":%" PRId64
           ",\"delivered\":%" PRId64 ",\"failed\":%" PRId64
           ",\"seconds\":%.3f,\"produce_seconds\":%.3f}",
           o.seed, bids ? counts.bids : 0, counts.persons, counts.auctions, counts.q2,
           counts.bid_bytes, counts.kv, o.kv_topic ? o.kv_keys : 0, counts.bytes, counts.delivered,
           counts.failed, t1 - t0, t_sent - t0);
  printf("%s\n", summary);
  if (o.stats) {
    FILE *f = fopen(o.stats, "w");
    if (!f || fprintf(f, "%s\n", summary) < 0 || fclose(f) != 0) {
      fprintf(stderr, "datagen: cannot write %s: %s\n", o.stats, strerror(errno));
      rc = -1;
    }
  }
  out_t *outs[] = {&person, &auction, &bid, &kv};
  for (size_t i = 0; i < sizeof(outs) / sizeof(outs[0]); i++)
    if (outs[i]->topic) rd_kafka_topic_destroy(outs[i]->topic);
  rd_kafka_destroy(rk);
  return rc ? 1 : 0;
}
