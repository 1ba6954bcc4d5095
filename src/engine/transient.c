/*
 * transient.c - push and pull queries. Both are planned like a persistent
 * query whose sink hands rows to a callback instead of a topic.
 *
 * A push query (EMIT CHANGES) runs through the topic driver like any other
 * query, from the latest offsets unless the session says auto.offset.reset
 * earliest, until LIMIT rows came out or it is closed. A pull query (no EMIT)
 * scans its source topic from the beginning to the end offsets of the moment
 * on a thread of its own: over a stream it returns every matching row, over a
 * table the latest row of each key (tombstones remove keys), then finishes.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../exec/exec.h"
#include "engine_int.h"
#include "sluice/serde.h"

struct sl_tquery {
  sl_engine_t *e;
  sl_query_t *q;
  char *id;
  sl_row_fn on_row;
  sl_done_fn on_done;
  void *ctx;
  json_t *schema;
  int64_t limit; /* -1: none */
  int64_t count;
  atomic_bool stopped;
  bool is_pull;
  bool is_table;
  /* pull queries */
  pthread_t thread;
  bool thread_started;
  sl_task_t *task;
  sl_map_t *latest; /* table pull: key text -> json_t* row (NULL entries removed) */
  pthread_mutex_t lock;
  struct print_state *print; /* PRINT: its state */
};

static atomic_long tq_counter;

static json_t *row_json(const sl_tquery_t *tq, const sl_row_t *row) {
  const sl_schema_t *sc = tq->q->plan->out_schema;
  json_t *arr = json_array();
  for (int i = 0; i < sc->ncols && i < row->n; i++)
    json_array_append_new(arr, sl_value_to_json(&row->v[i], sc->cols[i].type));
  return arr;
}

static void finish(sl_tquery_t *tq, const sl_error_t *err) {
  bool was = atomic_exchange(&tq->stopped, true);
  if (!was && tq->on_done) tq->on_done(tq->ctx, err);
}

static int deliver(sl_tquery_t *tq, json_t *arr) {
  if (atomic_load(&tq->stopped)) return 0;
  int stop = tq->on_row(tq->ctx, arr);
  tq->count++;
  if (stop) {
    atomic_store(&tq->stopped, true);
    return 0;
  }
  if (tq->limit >= 0 && tq->count >= tq->limit) {
    sl_error_t ok;
    sl_error_clear(&ok);
    finish(tq, &ok);
  }
  return 0;
}

/* Push query rows (worker thread). */
static int push_row(void *ctx, const sl_row_t *row) {
  sl_tquery_t *tq = ctx;
  if (atomic_load(&tq->stopped)) return 0;
  if (row->tombstone) return 0;
  json_t *arr = row_json(tq, row);
  deliver(tq, arr);
  json_decref(arr);
  return 0;
}

/* Pull query rows (scan thread). */
static int pull_row(void *ctx, const sl_row_t *row) {
  sl_tquery_t *tq = ctx;
  if (!tq->is_table) {
    if (row->tombstone) return 0;
    json_t *arr = row_json(tq, row);
    deliver(tq, arr);
    json_decref(arr);
    return 0;
  }
  /* Tables: remember the latest row per key. */
  int nkey = sl_schema_key_count(tq->q->plan->out_schema);
  json_t *k = json_array();
  const sl_schema_t *sc = tq->q->plan->out_schema;
  for (int i = 0; i < nkey; i++)
    json_array_append_new(k, sl_value_to_json(&row->v[i], sc->cols[i].type));
  if (row->windowed) {
    json_array_append_new(k, json_integer(row->wstart));
    json_array_append_new(k, json_integer(row->wend));
  }
  char *ks = json_dumps(k, JSON_COMPACT | JSON_ENCODE_ANY);
  json_decref(k);
  json_t *old = sl_map_get(tq->latest, ks);
  if (old) json_decref(old);
  if (row->tombstone)
    sl_map_remove(tq->latest, ks);
  else
    sl_map_put(tq->latest, ks, row_json(tq, row)); /* in place: first-seen order */
  free(ks);
  return 0;
}

static int pull_emit(void *ctx, const sl_record_t *rec) {
  (void)ctx;
  (void)rec;
  return 0; /* internal topics of pull queries are not written */
}

static int scan_fn(void *arg, const sl_record_t *rec) {
  sl_tquery_t *tq = arg;
  if (atomic_load(&tq->stopped)) return 1;
  sl_task_process(tq->task, rec);
  return atomic_load(&tq->stopped) ? 1 : 0;
}

static void *pull_main(void *arg) {
  sl_tquery_t *tq = arg;
  sl_error_t err;
  sl_error_clear(&err);
  sl_topic_driver_t *d = tq->e->driver;
  int rc = 0;
  if (!d->scan_topic) {
    rc = sl_error_set(&err, SL_EUNSUPPORTED, -1, "This topic driver cannot run pull queries");
  } else {
    rc = d->scan_topic(d->ctx, sl_query_source_topic(tq->q, 0), scan_fn, tq, &err);
  }
  if (rc == 0 && tq->is_table) {
    int it = 0;
    void *v;
    while (!atomic_load(&tq->stopped) && sl_map_next(tq->latest, &it, NULL, &v)) deliver(tq, v);
  }
  if (rc == 0) sl_error_clear(&err);
  finish(tq, &err);
  return NULL;
}

static json_t *schema_json(const sl_schema_t *sc) {
  json_t *names = json_array(), *types = json_array();
  for (int i = 0; i < sc->ncols; i++) {
    json_array_append_new(names, json_string(sc->cols[i].name));
    sl_buf_t b;
    sl_buf_init(&b);
    sl_type_format(sc->cols[i].type, &b);
    json_array_append_new(types, json_string(b.data ? b.data : ""));
    sl_buf_free(&b);
  }
  return json_pack("{s:o, s:o}", "columnNames", names, "columnTypes", types);
}

/* Builds a CREATE ... AS SELECT around the SELECT so the persistent-query
 * binder plans it; the sink is replaced by the row callback. */
static int plan_select(sl_engine_t *e, sl_session_t *session, const sl_stmt_t *sel_stmt,
                       const char *qid, bool as_table, sl_arena_t *a, sl_plan_t **plan,
                       sl_error_t *err) {
  sl_stmt_t st = *sel_stmt;
  st.kind = SL_ST_CREATE_AS_SELECT;
  st.obj = as_table ? SL_OBJ_TABLE : SL_OBJ_STREAM;
  st.name.name = qid;
  st.name.quoted = true;
  memset(&st.props, 0, sizeof st.props);
  const char *pnames[] = {"KAFKA_TOPIC", "VALUE_FORMAT"};
  const char *pvals[] = {qid, "JSON"};
  for (int i = 0; i < 2; i++) {
    sl_property_t *p = sl_arena_alloc(a, sizeof *p);
    p->name.name = pnames[i];
    p->value = sl_arena_alloc(a, sizeof(sl_expr_t));
    p->value->kind = SL_EX_STRING;
    p->value->text = pvals[i];
    p->value->len = strlen(pvals[i]);
    sl_list_push(a, &st.props, p);
  }
  stmt_ctx_t c = {.e = e, .session = session, .st = &st, .arena = a};
  sl_map_t *props = sl_map_new(false);
  int it = 0;
  const char *k;
  void *v;
  while (sl_map_next(e->props, &it, &k, &v)) sl_map_put(props, k, v);
  it = 0;
  if (session && session->props)
    while (sl_map_next(session->props, &it, &k, &v)) sl_map_put(props, k, v);
  c.props = props;
  sl_analyze_ctx_t ax;
  sl_engine_analyze_ctx(&c, &ax);
  ax.query_id = qid;
  ax.transient = true;
  sl_sink_spec_t spec;
  int rc = sl_analyze_persistent(&st, NULL, &ax, &spec, plan, err);
  sl_map_free(props);
  return rc;
}

/* PRINT 'topic': every record as one text line, as ksqlDB prints them. */
typedef struct print_state {
  int64_t interval; /* print every n-th record */
  int64_t seen;
} print_state_t;

/* Renders raw record bytes the way ksqlDB's PRINT guesses them: a 4- or 8-byte
 * binary key as the KAFKA INT / BIGINT it most likely is, text as text, and
 * anything else that is not valid UTF-8 as hex. */
static bool printable_utf8(const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n;) {
    unsigned char c = p[i];
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
    if (c < 0x80) {
      i++;
      continue;
    }
    int len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (!len || i + (size_t)len > n) return false;
    for (int k = 1; k < len; k++)
      if ((p[i + (size_t)k] & 0xC0) != 0x80) return false;
    i += (size_t)len;
  }
  return true;
}

static void print_bytes(const sl_value_t *v, bool is_key, sl_buf_t *b) {
  if (sl_is_null(v)) {
    sl_buf_puts(b, "<null>");
    return;
  }
  const unsigned char *p = (const unsigned char *)v->u.s.ptr;
  size_t n = v->u.s.len;
  if (printable_utf8(p, n)) {
    sl_buf_append(b, p, n);
    return;
  }
  if (is_key && (n == 4 || n == 8)) {
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) x = (x << 8) | p[i];
    if (n == 4)
      sl_buf_printf(b, "%d", (int32_t)(uint32_t)x);
    else
      sl_buf_printf(b, "%lld", (long long)(int64_t)x);
    return;
  }
  sl_buf_puts(b, "0x");
  for (size_t i = 0; i < n; i++) sl_buf_printf(b, "%02X", p[i]);
}

static int print_row(void *ctx, const sl_row_t *row) {
  sl_tquery_t *tq = ctx;
  if (atomic_load(&tq->stopped)) return 0;
  const sl_pnode_t *src = tq->q->plan->sources[0];
  print_state_t *ps = tq->print;
  if (ps->interval > 1 && (ps->seen++ % ps->interval) != 0) return 0;
  sl_buf_t b;
  sl_buf_init(&b);
  sl_buf_puts(&b, "rowtime: ");
  sl_format_timestamp(row->ts, &b);
  sl_buf_puts(&b, " Z, key: ");
  print_bytes(&row->v[0], true, &b);
  sl_buf_puts(&b, ", value: ");
  if (row->tombstone)
    sl_buf_puts(&b, "<null>");
  else
    print_bytes(&row->v[1], false, &b);
  sl_buf_printf(&b, ", partition: %d", row->partition);
  (void)src;
  json_t *arr = json_array();
  json_array_append_new(arr, json_stringn(b.data ? b.data : "", b.len));
  sl_buf_free(&b);
  deliver(tq, arr);
  json_decref(arr);
  return 0;
}

static int start_print(sl_engine_t *e, const sl_stmt_t *st, sl_session_t *session, sl_row_fn on_row,
                       sl_done_fn on_done, void *ctx, sl_arena_t *a, sl_tquery_t **out,
                       sl_tquery_info_t *info, sl_error_t *err) {
  const char *topic = st->name.name;
  if (e->driver->topic_partitions(e->driver->ctx, topic) <= 0) {
    int rc = sl_error_set(err, SL_ENOTFOUND, st->name.offset,
                          "Could not find topic '%s', or the KSQL user does not have permissions "
                          "to list the topic. Topic names are case-sensitive.",
                          topic);
    sl_arena_free(a);
    free(a);
    return rc;
  }
  sl_plan_t *plan = sl_xcalloc(1, sizeof *plan);
  sl_arena_init(&plan->arena, 4096);
  sl_arena_t *pa = &plan->arena;
  /* Keys and values arrive as raw bytes (single KAFKA BYTES columns). */
  sl_schema_t *sc = sl_arena_alloc(pa, sizeof *sc);
  sc->ncols = 2;
  sc->cols = sl_arena_alloc(pa, sizeof(sl_column_t) * 2);
  sc->cols[0] = (sl_column_t){.name = "KEY", .type = &sl_type_bytes, .ns = SL_NS_KEY};
  sc->cols[1] = (sl_column_t){.name = "VALUE", .type = &sl_type_bytes, .ns = SL_NS_VALUE};
  sl_source_t tmp = {0};
  tmp.name = topic;
  tmp.topic = topic;
  tmp.key_format = "KAFKA";
  tmp.value_format = "KAFKA";
  tmp.schema = sc;
  tmp.is_table = false; /* a stream keeps records with null keys; null values still show */
  sl_pnode_t *srcn;
  int rc = sl_plan_source_node(&tmp, pa, &srcn, err);
  if (rc) {
    sl_plan_free(plan);
    sl_arena_free(a);
    free(a);
    return rc;
  }
  sl_pnode_t *sk = sl_arena_alloc(pa, sizeof *sk);
  sk->kind = SL_PN_SINK;
  sk->input = srcn;
  sk->nslots = srcn->nslots;
  sk->transient = true;
  sk->sink_ts_slot = -1;
  plan->root = sk;
  plan->nsources = 1;
  plan->sources = sl_arena_alloc(pa, sizeof(void *));
  plan->sources[0] = srcn;
  plan->out_schema = sl_arena_alloc(pa, sizeof(sl_schema_t));
  plan->out_schema->ncols = 1;
  plan->out_schema->cols = sl_arena_alloc(pa, sizeof(sl_column_t));
  plan->out_schema->cols[0] = (sl_column_t){.name = "ROW", .type = &sl_type_string};
  char qid[256];
  long n = atomic_fetch_add(&tq_counter, 1);
  snprintf(qid, sizeof qid, "print_%lld_%ld", (long long)sl_now_ms(), n);
  sl_tquery_t *tq = sl_xcalloc(1, sizeof *tq);
  tq->e = e;
  tq->id = sl_strdup(qid);
  tq->on_row = on_row;
  tq->on_done = on_done;
  tq->ctx = ctx;
  tq->limit = st->limit >= 0 ? st->limit : -1;
  print_state_t *ps = sl_xcalloc(1, sizeof *ps);
  ps->interval = st->interval > 0 ? st->interval : 1;
  tq->print = ps;
  pthread_mutex_init(&tq->lock, NULL);
  sl_query_t *q = sl_xcalloc(1, sizeof *q);
  q->id = sl_strdup(qid);
  q->statement = sl_strdup(st->text ? st->text : "PRINT");
  q->plan = plan;
  q->ast_arena = a;
  q->partitions = e->driver->topic_partitions(e->driver->ctx, topic);
  q->state = sl_strdup("RUNNING");
  q->props = sl_map_new(false);
  q->from_beginning = st->from_beginning;
  q->row_cb = print_row;
  q->row_ctx = tq;
  q->plog = e->plog;
  q->plog_ctx = e->plog_ctx;
  q->created_ms = sl_now_ms();
  tq->q = q;
  tq->schema = json_pack("{s:[s], s:[s]}", "columnNames", "ROW", "columnTypes", "STRING");
  if (info) {
    info->query_id = tq->id;
    info->schema = tq->schema;
    info->is_pull = false;
  }
  (void)session;
  rc = e->driver->start_query(e->driver->ctx, q, q->from_beginning, err);
  if (rc) {
    atomic_store(&tq->stopped, true);
    sl_tquery_close(tq);
    return rc;
  }
  q->started = true;
  pthread_mutex_lock(&e->tq_lock);
  sl_map_put(e->tqueries, tq->id, tq);
  pthread_mutex_unlock(&e->tq_lock);
  *out = tq;
  return 0;
}

int sl_engine_query_start(sl_engine_t *e, const char *sql, sl_session_t *session, sl_row_fn on_row,
                          sl_done_fn on_done, void *ctx, sl_tquery_t **out, sl_tquery_info_t *info,
                          sl_error_t *err) {
  sl_error_clear(err);
  *out = NULL;
  sl_arena_t *a = sl_xmalloc(sizeof *a);
  sl_arena_init(a, 8192);
  const char *text = session && session->vars && sl_map_count(session->vars)
                         ? sl_substitute_vars(sql, session->vars, a)
                         : sql;
  sl_list_t stmts = {0};
  int rc = sl_parse(text, a, &stmts, err);
  if (rc == 0 && stmts.len == 1 && ((sl_stmt_t *)stmts.items[0])->kind == SL_ST_PRINT)
    return start_print(e, stmts.items[0], session, on_row, on_done, ctx, a, out, info, err);
  if (rc == 0 && (stmts.len != 1 || ((sl_stmt_t *)stmts.items[0])->kind != SL_ST_SELECT))
    rc = sl_error_set(err, SL_ESEMANTIC, 0, "Expected exactly one SELECT or PRINT statement");
  if (rc) {
    sl_arena_free(a);
    free(a);
    return rc;
  }
  const sl_stmt_t *st = stmts.items[0];
  const sl_select_t *sel = st->select;
  bool push = sel->emit == SL_EMIT_CHANGES || sel->emit == SL_EMIT_FINAL;
  const sl_source_t *from = sel->from ? sl_engine_source(e, sel->from->name.name) : NULL;
  char qid[256];
  long n = atomic_fetch_add(&tq_counter, 1);
  snprintf(qid, sizeof qid, "%s_%s_%lld_%ld", push ? "transient" : "query",
           from ? from->name : "QUERY", (long long)sl_now_ms(), n);
  sl_plan_t *plan = NULL;
  bool as_table = false;
  rc = plan_select(e, session, st, qid, false, a, &plan, err);
  if (rc && strstr(err->msg, "produces a TABLE")) {
    sl_error_clear(err);
    as_table = true;
    rc = plan_select(e, session, st, qid, true, a, &plan, err);
  }
  if (rc) {
    sl_arena_free(a);
    free(a);
    return rc;
  }
  plan->root->transient = true;
  sl_tquery_t *tq = sl_xcalloc(1, sizeof *tq);
  tq->e = e;
  tq->id = sl_strdup(qid);
  tq->on_row = on_row;
  tq->on_done = on_done;
  tq->ctx = ctx;
  tq->limit = sel->has_limit ? sel->limit : -1;
  tq->is_pull = !push;
  tq->is_table = as_table;
  pthread_mutex_init(&tq->lock, NULL);
  sl_query_t *q = sl_xcalloc(1, sizeof *q);
  q->id = sl_strdup(qid);
  q->statement = sl_strdup(text);
  q->plan = plan;
  q->ast_arena = a;
  q->partitions = from ? from->partitions : 1;
  q->state = sl_strdup("RUNNING");
  q->nsource_names = plan->nsources;
  q->source_names = sl_xcalloc((size_t)plan->nsources + 1, sizeof(char *));
  for (int i = 0; i < plan->nsources; i++)
    q->source_names[i] = sl_strdup(plan->sources[i]->source_name);
  q->props = sl_map_new(false);
  if (session && session->props) {
    int it = 0;
    const char *k;
    void *v;
    while (sl_map_next(session->props, &it, &k, &v)) sl_map_put(q->props, k, sl_strdup(v));
  }
  const char *reset =
      session && session->props ? sl_map_get(session->props, "auto.offset.reset") : NULL;
  q->from_beginning = reset && sl_streq_ci(reset, "earliest");
  q->row_cb = push ? push_row : pull_row;
  q->row_ctx = tq;
  q->plog = e->plog;
  q->plog_ctx = e->plog_ctx;
  tq->q = q;
  tq->schema = schema_json(plan->out_schema);
  if (info) {
    info->query_id = tq->id;
    info->schema = tq->schema;
    info->is_pull = !push;
  }
  if (push) {
    /* Internal topics of a push query (GROUP BY) are real topics. */
    for (int i = 0; rc == 0 && i < plan->ninternal; i++) {
      rc = e->driver->create_topic(e->driver->ctx, plan->internal_topics[i], q->partitions, 1, NULL,
                                   err);
      if (rc == SL_EEXISTS) {
        sl_error_clear(err);
        rc = 0;
      }
    }
    if (rc == 0) rc = e->driver->start_query(e->driver->ctx, q, q->from_beginning, err);
    if (rc == 0) q->started = true;
  } else {
    sl_task_io_t io = {.emit = pull_emit};
    tq->latest = sl_map_new(false);
    rc = sl_task_new(q, 0, &io, &tq->task, err);
    if (rc == 0 && pthread_create(&tq->thread, NULL, pull_main, tq) != 0)
      rc = sl_error_set(err, SL_ERUNTIME, -1, "cannot start the pull query");
    if (rc == 0) tq->thread_started = true;
  }
  if (rc) {
    atomic_store(&tq->stopped, true);
    sl_tquery_close(tq);
    return rc;
  }
  pthread_mutex_lock(&e->tq_lock);
  sl_map_put(e->tqueries, tq->id, tq);
  pthread_mutex_unlock(&e->tq_lock);
  *out = tq;
  return 0;
}

void sl_tquery_close(sl_tquery_t *tq) {
  if (!tq) return;
  sl_engine_t *e = tq->e;
  atomic_store(&tq->stopped, true);
  if (e->tqueries) {
    pthread_mutex_lock(&e->tq_lock);
    if (sl_map_get(e->tqueries, tq->id) == tq) sl_map_remove(e->tqueries, tq->id);
    pthread_mutex_unlock(&e->tq_lock);
  }
  if (tq->q && tq->q->started) {
    e->driver->stop_query(e->driver->ctx, tq->q);
    tq->q->started = false;
    for (int i = 0; i < tq->q->plan->ninternal; i++)
      e->driver->delete_topic(e->driver->ctx, tq->q->plan->internal_topics[i], NULL);
  }
  if (tq->thread_started) pthread_join(tq->thread, NULL);
  if (tq->task) sl_task_free(tq->task);
  if (tq->latest) {
    int it = 0;
    void *v;
    while (sl_map_next(tq->latest, &it, NULL, &v)) json_decref(v);
    sl_map_free(tq->latest);
  }
  sl_query_free(tq->q);
  json_decref(tq->schema);
  free(tq->print);
  pthread_mutex_destroy(&tq->lock);
  free(tq->id);
  free(tq);
}

int sl_engine_query_close_id(sl_engine_t *e, const char *query_id) {
  pthread_mutex_lock(&e->tq_lock);
  sl_tquery_t *tq = e->tqueries ? sl_map_get(e->tqueries, query_id) : NULL;
  pthread_mutex_unlock(&e->tq_lock);
  if (!tq) return SL_ENOTFOUND;
  /* Stop delivering now; the owner (the connection) frees it. */
  sl_error_t ok;
  sl_error_clear(&ok);
  finish(tq, &ok);
  return 0;
}
