/*
 * restore.c - rebuilding task state from changelog topics. Stateful
 * operators write every store change to a compacted changelog topic,
 * partition for partition with the task's input. When tasks are created
 * (assignment, restart after a crash, rewind after an aborted transaction)
 * the query reads partition p of every changelog topic from the beginning
 * to its current end and hands each record to task p, before the task sees
 * any input. A separate consumer with assign() does the reading, so the
 * query's group membership and positions are untouched; it reads committed
 * records only, so under exactly-once a crashed transaction's writes are not
 * restored. Reading ends at each partition's end as it was when the restore
 * began (the query itself is the only writer and it is not running).
 *
 * Every store is an upsert per changelog key, so only the newest record of
 * a key matters: records are read in batches, a newer record of the same
 * key (same topic and partition) supersedes an older one within the batch,
 * and the survivors are applied in offset order. That is what log
 * compaction would have done had it run, and it saves the engine decoding
 * state it would overwrite at once (a changelog's active segment is never
 * compacted, so a restart soon after heavy traffic reads every update).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kafka_int.h"

#define RESTORE_STALL_MS 60000 /* no progress for this long fails the restore */
#define WATERMARK_TIMEOUT_MS 10000
#define BATCH_RECORDS 65536            /* records held before applying the survivors */
#define POLL_BATCH 1024                /* messages taken from librdkafka at a time */
#define BATCH_BYTES (32 * 1024 * 1024) /* or this many key and value bytes */

typedef struct rpart {
  const char *topic;
  int32_t partition;
  sl_task_t *task;
  int64_t end; /* high watermark when the restore began */
  bool done;
} rpart_t;

/* One changelog record of a batch; its bytes live in the batch's buffer. */
typedef struct rrec {
  rpart_t *part;
  int64_t offset, timestamp;
  size_t at;          /* key bytes at data + at, value bytes right after */
  int32_t klen, vlen; /* -1: null key / null value */
  bool dead;          /* superseded by a newer record of its key */
} rrec_t;

/* A batch of changelog records not applied yet, with an open-addressing
 * index from (partition, key) to the newest record of that key. Records
 * are copied out of librdkafka's messages: holding on to the messages
 * themselves holds their fetch buffers and slows fetching several-fold. */
typedef struct rbatch {
  rrec_t recs[BATCH_RECORDS];
  int n;
  sl_buf_t data;                    /* keys and values of recs */
  int32_t slots[BATCH_RECORDS * 2]; /* index into recs, -1 when free */
} rbatch_t;

/* Adds m, marking an older record of the same key dead. */
static void batch_add(rbatch_t *b, rpart_t *p, const rd_kafka_message_t *m) {
  int i = b->n++;
  rrec_t *r = &b->recs[i];
  r->part = p;
  r->offset = m->offset;
  r->timestamp = rd_kafka_message_timestamp(m, NULL);
  r->at = b->data.len;
  r->klen = m->key ? (int32_t)m->key_len : -1;
  r->vlen = m->payload ? (int32_t)m->len : -1;
  r->dead = false;
  if (m->key) sl_buf_append(&b->data, m->key, m->key_len);
  if (m->payload) sl_buf_append(&b->data, m->payload, m->len);
  if (!m->key) return; /* the engine ignores these; nothing to supersede */
  size_t mask = SL_ARRAY_LEN(b->slots) - 1;
  uint64_t h0 = sl_hash_bytes(m->key, m->key_len, (uint64_t)(uintptr_t)p);
  for (size_t h = h0 & mask;; h = (h + 1) & mask) {
    int32_t j = b->slots[h];
    if (j < 0) {
      b->slots[h] = i;
      return;
    }
    rrec_t *o = &b->recs[j];
    if (o->part == p && o->klen == r->klen && !memcmp(b->data.data + o->at, m->key, m->key_len)) {
      o->dead = true;
      b->slots[h] = i;
      return;
    }
  }
}

/* Applies the batch's surviving records in order and empties it. */
static int batch_apply(rbatch_t *b, sl_krestore_stats_t *st, sl_error_t *err) {
  int rc = 0;
  for (int i = 0; i < b->n && !rc; i++) {
    const rrec_t *r = &b->recs[i];
    if (r->dead) continue;
    const char *k = b->data.data + r->at;
    sl_record_t rec = {
        .topic = r->part->topic,
        .partition = r->part->partition,
        .offset = r->offset,
        .timestamp = r->timestamp,
        .key = r->klen >= 0 ? k : NULL,
        .key_len = r->klen >= 0 ? (size_t)r->klen : 0,
        .value = r->vlen >= 0 ? k + (r->klen > 0 ? r->klen : 0) : NULL,
        .value_len = r->vlen >= 0 ? (size_t)r->vlen : 0,
    };
    int trc = sl_task_restore(r->part->task, &rec);
    if (trc)
      rc = sl_error_set(err, trc, -1, "restoring %s[%d]@%lld failed: %s", rec.topic,
                        (int)rec.partition, (long long)rec.offset, sl_strerror(trc));
    st->applied++;
  }
  b->n = 0;
  b->data.len = 0;
  memset(b->slots, 0xff, sizeof(b->slots));
  return rc;
}

static rpart_t *find_rpart(rpart_t *ps, int n, const char *topic, int32_t partition) {
  for (int i = 0; i < n; i++)
    if (ps[i].partition == partition && !strcmp(ps[i].topic, topic)) return &ps[i];
  return NULL;
}

/* The partition's low and high watermarks. A changelog topic created a
 * moment ago may not have a leader everywhere yet: retry for a while. */
static rd_kafka_resp_err_t watermarks(rd_kafka_t *rk, const char *topic, int32_t partition,
                                      int64_t *lo, int64_t *hi) {
  int64_t deadline = sl_monotonic_ns() + (int64_t)WATERMARK_TIMEOUT_MS * 3 * 1000000;
  for (;;) {
    rd_kafka_resp_err_t e =
        rd_kafka_query_watermark_offsets(rk, topic, partition, lo, hi, WATERMARK_TIMEOUT_MS);
    bool transient = e == RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION ||
                     e == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE ||
                     e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
                     e == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
                     e == RD_KAFKA_RESP_ERR__TRANSPORT || e == RD_KAFKA_RESP_ERR__TIMED_OUT ||
                     e == RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT;
    if (!e || !transient || sl_monotonic_ns() > deadline) return e;
    struct timespec ts = {0, 100 * 1000000};
    nanosleep(&ts, NULL);
  }
}

int sl_kquery_restore(sl_kdriver_t *d, sl_query_t *q, const char *group, sl_task_t **tasks,
                      const int32_t *partitions, int ntasks, sl_krestore_stats_t *st,
                      sl_error_t *err) {
  memset(st, 0, sizeof(*st));
  int ncl = sl_query_changelog_count(q);
  if (ncl <= 0 || ntasks <= 0) return 0;
  int64_t t0 = sl_monotonic_ns();

  rd_kafka_conf_t *conf = sl_kconf_new(d, SL_KROLE_CONSUMER);
  char client_id[600], errstr[512];
  snprintf(client_id, sizeof(client_id), "%s-restore-consumer", group);
  int rc = sl_kconf_set(conf, "client.id", client_id, err);
  /* librdkafka wants a group for assign(); it is never joined (no
   * subscribe) and nothing is committed to it. */
  char rgroup[600];
  snprintf(rgroup, sizeof(rgroup), "%s-restore", group);
  if (!rc) rc = sl_kconf_set(conf, "group.id", rgroup, err);
  if (!rc) rc = sl_kconf_set(conf, "enable.auto.commit", "false", err);
  if (!rc) rc = sl_kconf_set(conf, "enable.auto.offset.store", "false", err);
  if (!rc) rc = sl_kconf_set(conf, "enable.partition.eof", "true", err);
  if (!rc) rc = sl_kconf_set(conf, "isolation.level", "read_committed", err);
  if (!rc) rc = sl_kconf_set(conf, "auto.offset.reset", "earliest", err);
  /* The end of a partition is only noticed when a fetch comes back empty:
   * do not let the broker hold that fetch for its default half second. */
  if (!rc) rc = sl_kconf_set(conf, "fetch.wait.max.ms", "20", err);
  if (!rc) rc = sl_kconf_set(conf, "max.partition.fetch.bytes", "8388608", err);
  /* librdkafka 2.0 stops fetching a partition whose local queue holds
   * queued.min.messages and looks again only about a second later: with
   * the default (100000) a restore spent most of its time waiting. The
   * queue stays bounded by queued.max.messages.kbytes. */
  if (!rc) rc = sl_kconf_set(conf, "queued.min.messages", "1000000", err);
  if (rc) {
    rd_kafka_conf_destroy(conf);
    return rc;
  }
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    return sl_error_set(err, SL_EKAFKA, -1, "restore consumer: %s", errstr);
  }

  rpart_t *ps = sl_xcalloc((size_t)(ncl * ntasks), sizeof(*ps));
  int nps = 0, left = 0;
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(ncl * ntasks);
  for (int c = 0; c < ncl && !rc; c++) {
    const char *topic = sl_query_changelog_topic(q, c);
    for (int i = 0; i < ntasks && !rc; i++) {
      int64_t lo = 0, hi = 0;
      rd_kafka_resp_err_t e = watermarks(rk, topic, partitions[i], &lo, &hi);
      if (e) {
        rc = sl_error_set(err, SL_EKAFKA, -1, "cannot read the end of changelog %s[%d]: %s", topic,
                          (int)partitions[i], rd_kafka_err2str(e));
        break;
      }
      if (hi <= lo) continue; /* empty (or compacted away): nothing to restore */
      rpart_t *p = &ps[nps++];
      p->topic = topic;
      p->partition = partitions[i];
      p->task = tasks[i];
      p->end = hi;
      left++;
      /* The absolute start offset rather than BEGINNING: a logical offset
       * costs another lookup, which librdkafka schedules half a second
       * later on a fresh client. */
      rd_kafka_topic_partition_list_add(l, topic, partitions[i])->offset = lo;
      st->partitions++;
    }
  }
  if (!rc && left > 0) {
    rd_kafka_resp_err_t e = rd_kafka_assign(rk, l);
    if (e)
      rc = sl_error_set(err, SL_EKAFKA, -1, "cannot assign changelog partitions: %s",
                        rd_kafka_err2str(e));
  }
  rd_kafka_topic_partition_list_destroy(l);

  rbatch_t *b = sl_xmalloc(sizeof(*b));
  b->n = 0;
  sl_buf_init(&b->data);
  memset(b->slots, 0xff, sizeof(b->slots));
  /* Messages are taken in batches of what is already there (no waiting),
   * and one at a time with a wait when nothing is: a batch call with a
   * timeout would wait for a full batch at the end of a partition. */
  rd_kafka_queue_t *cq = rd_kafka_queue_get_consumer(rk);
  rd_kafka_message_t **msgs = sl_xcalloc(POLL_BATCH, sizeof(*msgs));
  int64_t stalled_since = 0;
  while (!rc && left > 0) {
    ssize_t n = rd_kafka_consume_batch_queue(cq, 0, msgs, POLL_BATCH);
    if (n <= 0) {
      msgs[0] = rd_kafka_consumer_poll(rk, 100);
      n = msgs[0] ? 1 : 0;
    }
    if (n == 0) {
      int64_t now = sl_monotonic_ns();
      if (!stalled_since)
        stalled_since = now;
      else if (now - stalled_since > (int64_t)RESTORE_STALL_MS * 1000000)
        rc = sl_error_set(err, SL_EKAFKA, -1,
                          "restore made no progress for %d s (%d changelog partitions unfinished)",
                          RESTORE_STALL_MS / 1000, left);
      continue;
    }
    stalled_since = 0;
    for (ssize_t i = 0; i < n; i++) {
      rd_kafka_message_t *m = msgs[i];
      if (rc) {
        rd_kafka_message_destroy(m);
        continue;
      }
      const char *topic = m->rkt ? rd_kafka_topic_name(m->rkt) : "";
      rpart_t *p = find_rpart(ps, nps, topic, m->partition);
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        if (p && !p->done) {
          p->done = true;
          left--;
        }
      } else if (m->err) {
        char buf[512];
        if (rd_kafka_fatal_error(rk, buf, sizeof(buf)) ||
            m->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
            m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
          rc = sl_error_set(err, SL_EKAFKA, -1, "restoring %s[%d]: %s", topic, (int)m->partition,
                            rd_kafka_message_errstr(m));
        else
          SL_WARN("restoring %s[%d]: %s", topic, (int)m->partition, rd_kafka_message_errstr(m));
      } else if (p && !p->done) {
        st->entries++;
        st->bytes += (int64_t)(m->key_len + m->len);
        /* Stop at the end measured when the restore began. */
        if (m->offset + 1 >= p->end) {
          p->done = true;
          left--;
        }
        batch_add(b, p, m);
        if (b->n == BATCH_RECORDS || b->data.len >= BATCH_BYTES) rc = batch_apply(b, st, err);
      }
      rd_kafka_message_destroy(m);
    }
  }
  free(msgs);
  rd_kafka_queue_destroy(cq);
  int arc = batch_apply(b, st, err);
  if (!rc) rc = arc;
  sl_buf_free(&b->data);
  free(b);
  st->ms = (sl_monotonic_ns() - t0) / 1000000;
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  free(ps);
  return rc;
}
