/* test_join.c - the join operator's stores, driven through a task directly:
 * stream-stream expiry (oldest first, and an expired row no longer joins),
 * outer rows reported once their window closes (in time order, also for rows
 * that arrive out of order), restore from the changelog in both its binary
 * and its JSON form, and the stream-table lookup. */
#include <jansson.h>
#include <stdlib.h>

#include "sluice/engine.h"
#include "sluice/memdriver.h"
#include "sluice/plan.h"
#include "unit.h"

typedef struct cl_rec {
  char *topic, *key, *value; /* value NULL: tombstone */
  size_t vlen;
} cl_rec_t;

/* What a task wrote: sink records as "key|value" lines, changelog records kept whole. */
typedef struct jout {
  sl_buf_t sink;
  int nsink;
  cl_rec_t *cl;
  int ncl, tombstones;
} jout_t;

static int jout_emit(void *ctx, const sl_record_t *rec) {
  jout_t *o = ctx;
  if (strstr(rec->topic, "changelog")) {
    o->cl = realloc(o->cl, sizeof(cl_rec_t) * (size_t)(o->ncl + 1));
    cl_rec_t *c = &o->cl[o->ncl++];
    c->topic = sl_strdup(rec->topic);
    c->key = strndup(rec->key, rec->key_len);
    c->value = rec->value ? malloc(rec->value_len + 1) : NULL;
    if (c->value) memcpy(c->value, rec->value, rec->value_len);
    c->vlen = rec->value_len;
    if (!rec->value) o->tombstones++;
    return 0;
  }
  sl_buf_printf(&o->sink, "%.*s|%.*s\n", (int)rec->key_len, rec->key ? (const char *)rec->key : "",
                (int)rec->value_len, rec->value ? (const char *)rec->value : "");
  o->nsink++;
  return 0;
}

static void jout_free(jout_t *o) {
  for (int i = 0; i < o->ncl; i++) {
    free(o->cl[i].topic);
    free(o->cl[i].key);
    free(o->cl[i].value);
  }
  free(o->cl);
  sl_buf_free(&o->sink);
  memset(o, 0, sizeof *o);
}

static const char *jout_take(jout_t *o, char *out, size_t n) {
  snprintf(out, n, "%s", o->sink.data ? o->sink.data : "");
  sl_buf_reset(&o->sink);
  return out;
}

/* An engine whose queries are not started: the tests run the tasks. */
typedef struct jfix {
  sl_memdriver_t *md;
  sl_engine_t *e;
  sl_session_t s;
  sl_query_t *q;
} jfix_t;

static int jfix_open(jfix_t *f, const char *sql) {
  f->md = sl_memdriver_new();
  sl_topic_driver_t *drv = sl_memdriver_driver(f->md);
  sl_error_t err;
  sl_error_clear(&err);
  const char *topics[] = {"l", "r", "j"};
  for (int i = 0; i < 3; i++) drv->create_topic(drv->ctx, topics[i], 1, 1, NULL, &err);
  sl_engine_config_t cfg = {.driver = drv, .start_queries = false};
  if (sl_engine_open(&cfg, &f->e, &err)) return -1;
  sl_session_init(&f->s);
  sl_exec_result_t res;
  memset(&res, 0, sizeof res);
  int rc = sl_engine_execute(f->e, sql, &f->s, &res, &err);
  if (rc) printf("  %s\n", err.msg);
  sl_exec_result_free(&res);
  f->q = rc ? NULL : sl_engine_query_at(f->e, sl_engine_query_count(f->e) - 1);
  return f->q ? 0 : -1;
}

static void jfix_close(jfix_t *f) {
  sl_session_free(&f->s);
  sl_engine_close(f->e);
  sl_memdriver_free(f->md);
}

static sl_task_t *jtask(jfix_t *f, jout_t *o) {
  sl_task_io_t io = {.emit = jout_emit, .emit_ctx = o};
  sl_task_t *t = NULL;
  sl_error_t err;
  sl_error_clear(&err);
  sl_task_new(f->q, 0, &io, &t, &err);
  return t;
}

static int64_t offsets;

static void jfeed(sl_task_t *t, const char *topic, const char *key, const char *value, int64_t ts) {
  sl_record_t r = {.topic = topic,
                   .partition = 0,
                   .offset = offsets++,
                   .timestamp = ts,
                   .key = key,
                   .key_len = key ? strlen(key) : 0,
                   .value = value,
                   .value_len = value ? strlen(value) : 0};
  sl_task_process(t, &r);
}

static const char *SS_STREAMS =
    "CREATE STREAM L (ID BIGINT KEY, A VARCHAR) WITH (KAFKA_TOPIC='l', KEY_FORMAT='JSON', "
    "VALUE_FORMAT='JSON');"
    "CREATE STREAM R (ID BIGINT KEY, B VARCHAR, C ARRAY<INT>) WITH (KAFKA_TOPIC='r', "
    "KEY_FORMAT='JSON', VALUE_FORMAT='JSON');";

SL_TEST(join_ss_outer_rows_reported_in_time_order_after_window_close) {
  jfix_t f;
  char sql[1024], got[1024];
  snprintf(sql, sizeof sql,
           "%sCREATE STREAM J WITH (KAFKA_TOPIC='j') AS SELECT L.ID AS ID, A, B FROM L LEFT "
           "JOIN R WITHIN 10 SECONDS GRACE PERIOD 1 SECOND ON L.ID = R.ID;",
           SS_STREAMS);
  CHECK_INT(jfix_open(&f, sql), 0);
  if (!f.q) return;
  jout_t o = {0};
  sl_task_t *t = jtask(&f, &o);
  jfeed(t, "l", "1", "{\"A\":\"one\"}", 0);
  jfeed(t, "l", "2", "{\"A\":\"two\"}", 500);
  jfeed(t, "r", "2", "{\"B\":\"b2\"}", 600);
  CHECK_STR(jout_take(&o, got, sizeof got), "2|{\"A\":\"two\",\"B\":\"b2\"}\n");
  /* The window of row 1 closes at 0 + 10 s + 1 s grace: not yet at 11 s. */
  jfeed(t, "l", "3", "{\"A\":\"three\"}", 11000);
  CHECK_STR(jout_take(&o, got, sizeof got), "");
  jfeed(t, "l", "9", "{\"A\":\"nine\"}", 11001);
  CHECK_STR(jout_take(&o, got, sizeof got), "1|{\"A\":\"one\",\"B\":null}\n");
  /* Rows 8 and 7 arrive after row 9 but are older: reported before it. */
  jfeed(t, "l", "8", "{\"A\":\"eight\"}", 11000);
  jfeed(t, "l", "7", "{\"A\":\"seven\"}", 10999);
  CHECK_STR(jout_take(&o, got, sizeof got), "");
  jfeed(t, "r", "5", "{\"B\":\"b5\"}", 30000); /* unmatched right rows of a LEFT join: nothing */
  CHECK_STR(jout_take(&o, got, sizeof got),
            "7|{\"A\":\"seven\",\"B\":null}\n3|{\"A\":\"three\",\"B\":null}\n"
            "8|{\"A\":\"eight\",\"B\":null}\n9|{\"A\":\"nine\",\"B\":null}\n");
  /* Reported rows are not reported again. */
  jfeed(t, "r", "6", "{\"B\":\"b6\"}", 60000);
  CHECK_STR(jout_take(&o, got, sizeof got), "");
  sl_task_free(t);
  jout_free(&o);
  jfix_close(&f);
}

SL_TEST(join_ss_expires_oldest_first_and_expired_rows_do_not_join) {
  jfix_t f;
  char sql[1024], got[1024];
  snprintf(sql, sizeof sql,
           "%sCREATE STREAM J WITH (KAFKA_TOPIC='j') AS SELECT L.ID AS ID, A, B FROM L JOIN R "
           "WITHIN 1 SECOND GRACE PERIOD 0 SECONDS ON L.ID = R.ID;",
           SS_STREAMS);
  CHECK_INT(jfix_open(&f, sql), 0);
  if (!f.q) return;
  jout_t o = {0};
  sl_task_t *t = jtask(&f, &o);
  /* Stored out of time order: store keys 0, 1, 2 hold times 200, 0, 100. */
  jfeed(t, "l", "1", "{\"A\":\"a\"}", 200);
  jfeed(t, "l", "1", "{\"A\":\"b\"}", 0);
  jfeed(t, "l", "2", "{\"A\":\"c\"}", 100);
  CHECK_INT(o.ncl, 3);
  CHECK_INT(o.tombstones, 0);
  /* Rows older than 5000 - (1 s + 1 s + 0) expire, the oldest first. */
  jfeed(t, "l", "3", "{\"A\":\"d\"}", 5000);
  CHECK_INT(o.ncl, 7);
  CHECK_INT(o.tombstones, 3);
  if (o.ncl == 7) {
    CHECK(o.cl[4].value == NULL && !strcmp(o.cl[4].key, "1"));
    CHECK(o.cl[5].value == NULL && !strcmp(o.cl[5].key, "2"));
    CHECK(o.cl[6].value == NULL && !strcmp(o.cl[6].key, "0"));
  }
  /* A right row within 1 s of the expired left rows finds nothing; one
   * within 1 s of the live row joins it. */
  jfeed(t, "r", "1", "{\"B\":\"x\"}", 900);
  jfeed(t, "r", "3", "{\"B\":\"y\"}", 4500);
  CHECK_STR(jout_take(&o, got, sizeof got), "3|{\"A\":\"d\",\"B\":\"y\"}\n");
  sl_task_free(t);
  jout_free(&o);
  jfix_close(&f);
}

/* Feeds every changelog record o holds to t's restore. */
static void jrestore(sl_task_t *t, const jout_t *o) {
  for (int i = 0; i < o->ncl; i++) {
    const cl_rec_t *c = &o->cl[i];
    sl_record_t r = {.topic = c->topic,
                     .partition = 0,
                     .offset = i,
                     .timestamp = 0,
                     .key = c->key,
                     .key_len = strlen(c->key),
                     .value = c->value,
                     .value_len = c->vlen};
    sl_task_restore(t, &r);
  }
}

SL_TEST(join_ss_restores_rows_flags_and_pending_outer_rows) {
  jfix_t f;
  char sql[1024], got[1024];
  snprintf(sql, sizeof sql,
           "%sCREATE STREAM J WITH (KAFKA_TOPIC='j') AS SELECT ROWKEY AS ID, A, B, C FROM L FULL "
           "OUTER JOIN R WITHIN 10 SECONDS GRACE PERIOD 0 SECONDS ON L.ID = R.ID;",
           SS_STREAMS);
  CHECK_INT(jfix_open(&f, sql), 0);
  if (!f.q) return;
  jout_t o = {0};
  sl_task_t *t = jtask(&f, &o);
  jfeed(t, "l", "1", "{\"A\":\"one\"}", 1000);
  jfeed(t, "r", "1", "{\"B\":\"b1\",\"C\":[1,2]}", 1500); /* matched: not reported alone */
  jfeed(t, "l", "2", "{\"A\":\"two\"}", 2000);
  jfeed(t, "r", "3", "{\"B\":\"b3\",\"C\":null}", 1900);
  CHECK_STR(jout_take(&o, got, sizeof got), "1|{\"A\":\"one\",\"B\":\"b1\",\"C\":[1,2]}\n");
  sl_task_free(t);

  /* A new task restores the stores: row 1 joins again, the unmatched rows 3
   * (right) and 2 (left) are reported once their windows close, by time over
   * both sides; row 1's are not. */
  jout_t o2 = {0};
  sl_task_t *t2 = jtask(&f, &o2);
  jrestore(t2, &o);
  jfeed(t2, "r", "1", "{\"B\":\"b1b\",\"C\":[3]}", 2600);
  CHECK_STR(jout_take(&o2, got, sizeof got), "1|{\"A\":\"one\",\"B\":\"b1b\",\"C\":[3]}\n");
  jfeed(t2, "l", "4", "{\"A\":\"four\"}", 13000);
  CHECK_STR(jout_take(&o2, got, sizeof got),
            "3|{\"A\":null,\"B\":\"b3\",\"C\":null}\n2|{\"A\":\"two\",\"B\":null,\"C\":null}\n");
  sl_task_free(t2);
  jout_free(&o2);

  /* The JSON form (rows with composite values, and earlier versions) restores too. */
  jout_t o3 = {0};
  sl_task_t *t3 = jtask(&f, &o3);
  const char *left_topic = NULL;
  for (int i = 0; i < o.ncl; i++)
    if (o.cl[i].value && o.cl[i].value[0] == '{' && strstr(o.cl[i].value, "b1")) {
      CHECK(strstr(o.cl[i].value, "\"k\":\"3:1\"") != NULL); /* ARRAY: the JSON form */
    } else if (o.cl[i].value && !left_topic && o.cl[i].value[0] != '{') {
      left_topic = o.cl[i].topic; /* the first record is a left row */
    }
  CHECK(left_topic != NULL);
  const char *legacy =
      "{\"k\":\"3:5\",\"ts\":2000,\"m\":false,\"d\":false,\"v\":[\"5\",\"\\\"five\\\"\"]}";
  sl_record_t r = {.topic = left_topic,
                   .partition = 0,
                   .key = "100",
                   .key_len = 3,
                   .value = legacy,
                   .value_len = strlen(legacy)};
  if (left_topic) sl_task_restore(t3, &r);
  jfeed(t3, "r", "5", "{\"B\":\"b5\",\"C\":[5]}", 2100);
  CHECK_STR(jout_take(&o3, got, sizeof got), "5|{\"A\":\"five\",\"B\":\"b5\",\"C\":[5]}\n");
  /* A damaged binary value is ignored, not read past its end. */
  const char bad[] = {1, 0, 0, 0};
  sl_record_t rb = {.topic = left_topic,
                    .partition = 0,
                    .key = "101",
                    .key_len = 3,
                    .value = bad,
                    .value_len = sizeof bad};
  if (left_topic) sl_task_restore(t3, &rb);
  sl_task_free(t3);
  jout_free(&o3);
  jout_free(&o);
  jfix_close(&f);
}

SL_TEST(join_st_looks_up_latest_table_row) {
  jfix_t f;
  char got[1024];
  CHECK_INT(jfix_open(&f,
                      "CREATE STREAM L (ID BIGINT KEY, A VARCHAR) WITH (KAFKA_TOPIC='l', "
                      "KEY_FORMAT='JSON', VALUE_FORMAT='JSON');"
                      "CREATE TABLE R (ID BIGINT PRIMARY KEY, B VARCHAR, D DECIMAL(4,2)) WITH "
                      "(KAFKA_TOPIC='r', KEY_FORMAT='JSON', VALUE_FORMAT='JSON');"
                      "CREATE STREAM J WITH (KAFKA_TOPIC='j') AS SELECT L.ID AS ID, A, B, D FROM "
                      "L LEFT JOIN R ON L.ID = R.ID;"),
            0);
  if (!f.q) return;
  jout_t o = {0};
  sl_task_t *t = jtask(&f, &o);
  jfeed(t, "r", "1", "{\"B\":\"old\",\"D\":1.50}", 0);
  jfeed(t, "r", "1", "{\"B\":\"new\",\"D\":12.25}", 1);
  jfeed(t, "l", "1", "{\"A\":\"x\"}", 2);
  jfeed(t, "r", "1", NULL, 3); /* deleted */
  jfeed(t, "l", "1", "{\"A\":\"y\"}", 4);
  CHECK_STR(jout_take(&o, got, sizeof got),
            "1|{\"A\":\"x\",\"B\":\"new\",\"D\":12.25}\n1|{\"A\":\"y\",\"B\":null,\"D\":null}\n");
  sl_task_free(t);
  /* Restored from its changelog, the table holds the latest row again. */
  jout_t o2 = {0};
  sl_task_t *t2 = jtask(&f, &o2);
  for (int i = 0; i < o.ncl - 1; i++) { /* everything but the delete */
    sl_record_t r = {.topic = o.cl[i].topic,
                     .partition = 0,
                     .key = o.cl[i].key,
                     .key_len = strlen(o.cl[i].key),
                     .value = o.cl[i].value,
                     .value_len = o.cl[i].vlen};
    sl_task_restore(t2, &r);
  }
  jfeed(t2, "l", "1", "{\"A\":\"z\"}", 5);
  CHECK_STR(jout_take(&o2, got, sizeof got), "1|{\"A\":\"z\",\"B\":\"new\",\"D\":12.25}\n");
  sl_task_free(t2);
  jout_free(&o2);
  jout_free(&o);
  jfix_close(&f);
}

SL_TEST(join_ss_many_rows_of_one_key_join_in_time_order) {
  jfix_t f;
  char sql[1024];
  snprintf(sql, sizeof sql,
           "%sCREATE STREAM J WITH (KAFKA_TOPIC='j') AS SELECT L.ID AS ID, A, B FROM L JOIN R "
           "WITHIN 10 SECONDS GRACE PERIOD 0 SECONDS ON L.ID = R.ID;",
           SS_STREAMS);
  CHECK_INT(jfix_open(&f, sql), 0);
  if (!f.q) return;
  jout_t o = {0};
  sl_task_t *t = jtask(&f, &o);
  /* Twelve rows of key 1, every other one late: the key's rows grow past
   * what its bucket holds inline and stay sorted by time. */
  int times[12] = {1000, 500, 2000, 1500, 3000, 2500, 4000, 3500, 5000, 4500, 6000, 5500};
  for (int i = 0; i < 12; i++) {
    char v[32];
    snprintf(v, sizeof v, "{\"A\":\"%d\"}", times[i]);
    jfeed(t, "l", "1", v, times[i]);
  }
  jfeed(t, "r", "1", "{\"B\":\"x\"}", 6000);
  sl_buf_t want;
  sl_buf_init(&want);
  for (int ms = 500; ms <= 6000; ms += 500)
    sl_buf_printf(&want, "1|{\"A\":\"%d\",\"B\":\"x\"}\n", ms);
  CHECK_INT(o.nsink, 12);
  CHECK_STR(o.sink.data, want.data);
  /* At 14.6 s the rows up to 4.5 s have left the store (retention 20 s
   * behind the left side's 24.6 s): a right row then joins the other three. */
  jfeed(t, "l", "2", "{\"A\":\"z\"}", 24600);
  CHECK_INT(o.tombstones, 9);
  sl_buf_reset(&o.sink);
  o.nsink = 0;
  jfeed(t, "r", "1", "{\"B\":\"y\"}", 14600);
  CHECK_INT(o.nsink, 3);
  CHECK(o.sink.data && strstr(o.sink.data, "\"A\":\"4500\"") == NULL);
  sl_buf_free(&want);
  sl_task_free(t);
  jout_free(&o);
  jfix_close(&f);
}
