/*
 * engine.c - the facade: statement text in, ksqlDB result entities out. It
 * substitutes variables, parses, and dispatches each statement through one
 * table of handlers. It owns the live metastore (sources, custom types,
 * queries), writes every change through to the SQLite catalog, and on open
 * restores the catalog and restarts the persistent queries.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine_int.h"

/* ---------------- sessions ---------------- */

void sl_session_init(sl_session_t *s) {
  s->props = sl_map_new(false);
  s->vars = sl_map_new(true);
}

static void free_map_values(sl_map_t *m) {
  if (!m) return;
  int it = 0;
  void *v;
  while (sl_map_next(m, &it, NULL, &v)) free(v);
  sl_map_free(m);
}

void sl_session_free(sl_session_t *s) {
  free_map_values(s->props);
  free_map_values(s->vars);
  s->props = s->vars = NULL;
}

/* ---------------- metastore ---------------- */

const sl_source_t *sl_engine_source(sl_engine_t *e, const char *name) {
  return sl_map_get(e->sources, name);
}

const sl_source_t *sl_engine_find_source(sl_engine_t *e, const char *name) {
  return sl_engine_source(e, name);
}

int sl_engine_source_count(sl_engine_t *e) {
  return sl_map_count(e->sources);
}

const sl_source_t *sl_engine_source_at(sl_engine_t *e, int i) {
  int it = 0, k = 0;
  void *v;
  while (sl_map_next(e->sources, &it, NULL, &v))
    if (k++ == i) return v;
  return NULL;
}

sl_topic_driver_t *sl_engine_driver(sl_engine_t *e) {
  return e->driver;
}

int sl_engine_query_count(sl_engine_t *e) {
  return sl_map_count(e->queries);
}

sl_query_t *sl_engine_query_at(sl_engine_t *e, int i) {
  int it = 0, k = 0;
  void *v;
  while (sl_map_next(e->queries, &it, NULL, &v))
    if (k++ == i) return v;
  return NULL;
}

const sl_type_t *sl_engine_lookup_type(void *ctx, const char *name) {
  sl_engine_t *e = ctx;
  custom_type_t *ct = sl_map_get(e->types, name);
  return ct ? ct->type : NULL;
}

static const sl_source_t *find_source_cb(void *ctx, const char *name) {
  return sl_engine_source(ctx, name);
}

void sl_engine_analyze_ctx(stmt_ctx_t *c, sl_analyze_ctx_t *ax) {
  ax->find_source = find_source_cb;
  ax->lookup_type = sl_engine_lookup_type;
  ax->ctx = c->e;
  ax->props = c->props;
  ax->query_id = NULL;
  ax->service_id = c->e->service_id;
  ax->transient = false;
}

/* ---------------- entities ---------------- */

json_t *sl_entity_status(stmt_ctx_t *c, const char *command_id, const char *message,
                         const char *query_id) {
  return json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:o}, s:I, s:[]}", "@type", "currentStatus",
                   "statementText", c->st->text ? c->st->text : "", "commandId", command_id,
                   "commandStatus", "status", "SUCCESS", "message", message, "queryId",
                   query_id ? json_string(query_id) : json_null(), "commandSequenceNumber",
                   (json_int_t)c->e->command_seq, "warnings");
}

json_t *sl_entity_warning(stmt_ctx_t *c, const char *message) {
  return json_pack("{s:s, s:s, s:s, s:[]}", "@type", "warning_entity", "statementText",
                   c->st->text ? c->st->text : "", "message", message, "warnings");
}

/* ---------------- queries ---------------- */

void sl_query_free(sl_query_t *q) {
  if (!q) return;
  free(q->id);
  free(q->statement);
  free(q->sink);
  free(q->sink_topic);
  for (int i = 0; i < q->nsource_names; i++) free(q->source_names[i]);
  free(q->source_names);
  free(q->state);
  free(q->overridden);
  free(q->offs);
  if (q->props) {
    int it = 0;
    void *v;
    while (sl_map_next(q->props, &it, NULL, &v)) free(v);
    sl_map_free(q->props);
  }
  sl_plan_free(q->plan);
  if (q->ast_arena) {
    sl_arena_free(q->ast_arena);
    free(q->ast_arena);
  }
  free(q);
}

int sl_engine_start_query(sl_engine_t *e, sl_query_t *q, sl_error_t *err) {
  q->plog = e->plog;
  q->plog_ctx = e->plog_ctx;
  if (e->restoring && e->restore_paused) {
    /* A query paused before the restart stays paused. */
    free(q->state);
    q->state = sl_strdup("PAUSED");
    return 0;
  }
  if (!e->start_queries || q->started) return 0;
  int rc = e->driver->start_query(e->driver->ctx, q, q->from_beginning, err);
  if (rc == 0) q->started = true;
  return rc;
}

void sl_engine_stop_query(sl_engine_t *e, sl_query_t *q) {
  if (q->started && e->driver->stop_query) e->driver->stop_query(e->driver->ctx, q);
  q->started = false;
}

/* ---------------- persistence ---------------- */

int sl_engine_persist_source(sl_engine_t *e, const sl_source_t *s, sl_error_t *err) {
  if (e->restoring) return 0;
  return sl_catalog_put_source(e->catalog, s, err);
}

int sl_engine_log_command(stmt_ctx_t *c, sl_error_t *err) {
  if (c->e->restoring) return 0;
  int64_t seq = 0;
  int rc = sl_catalog_append_command(c->e->catalog, c->st->text ? c->st->text : "", &seq, err);
  if (rc == 0) c->e->command_seq = seq;
  return rc;
}

/* ---------------- dispatch ---------------- */

typedef int (*stmt_handler)(stmt_ctx_t *c, sl_error_t *err);

static const struct {
  sl_stmt_kind_t kind;
  stmt_handler fn;
  bool writes; /* changes the catalog: runs in a catalog transaction */
} handlers[] = {
    {SL_ST_CREATE_SOURCE, sl_exec_create_source, true},
    {SL_ST_CREATE_AS_SELECT, sl_exec_create_as_select, true},
    {SL_ST_INSERT_SELECT, sl_exec_insert_select, true},
    {SL_ST_INSERT_VALUES, sl_exec_insert_values, false},
    {SL_ST_DROP, sl_exec_drop, true},
    {SL_ST_TERMINATE, sl_exec_terminate, true},
    {SL_ST_PAUSE, sl_exec_pause_resume, true},
    {SL_ST_RESUME, sl_exec_pause_resume, true},
    {SL_ST_CREATE_TYPE, sl_exec_create_type, true},
    {SL_ST_SHOW, sl_exec_show, false},
    {SL_ST_DESCRIBE, sl_exec_describe, false},
    {SL_ST_DESCRIBE_FUNCTION, sl_exec_describe_function, false},
    {SL_ST_EXPLAIN, sl_exec_explain, false},
    {SL_ST_SET, sl_exec_set, false},
    {SL_ST_UNSET, sl_exec_set, false},
    {SL_ST_DEFINE, sl_exec_define, false},
    {SL_ST_UNDEFINE, sl_exec_define, false},
};

static sl_map_t *effective_props(sl_engine_t *e, sl_session_t *s) {
  sl_map_t *m = sl_map_new(false);
  int it = 0;
  const char *k;
  void *v;
  while (sl_map_next(e->props, &it, &k, &v)) sl_map_put(m, k, v);
  it = 0;
  if (s && s->props)
    while (sl_map_next(s->props, &it, &k, &v)) sl_map_put(m, k, v);
  return m;
}

static int run_statement(sl_engine_t *e, sl_session_t *session, const sl_stmt_t *st,
                         sl_arena_t *arena, bool *adopted, json_t **entity, sl_error_t *err) {
  stmt_handler fn = NULL;
  bool writes = false;
  for (size_t i = 0; i < SL_ARRAY_LEN(handlers); i++) {
    if (handlers[i].kind == st->kind) {
      fn = handlers[i].fn;
      writes = handlers[i].writes;
    }
  }
  if (!fn) {
    if (st->kind == SL_ST_SELECT)
      return sl_error_set(err, SL_EUNSUPPORTED, st->offset,
                          "Transient queries (SELECT) must be sent to /query or the shell");
    return sl_error_set(err, SL_EUNSUPPORTED, st->offset, "This statement is not supported yet");
  }
  stmt_ctx_t c = {.e = e, .session = session, .st = st, .arena = arena, .adopted = adopted};
  c.props = effective_props(e, session);
  int rc;
  if (writes && !e->restoring && (rc = sl_catalog_begin(e->catalog, err))) goto out;
  rc = fn(&c, err);
  if (writes && !e->restoring) {
    if (rc == 0) {
      rc = sl_catalog_commit(e->catalog, err);
    } else {
      sl_catalog_rollback(e->catalog);
    }
  }
out:
  sl_map_free(c.props);
  if (rc == 0) {
    *entity = c.entity;
  } else if (c.entity) {
    json_decref(c.entity);
  }
  return rc;
}

int sl_engine_execute(sl_engine_t *e, const char *text, sl_session_t *session,
                      sl_exec_result_t *res, sl_error_t *err) {
  sl_error_clear(err);
  res->entities = json_array();
  res->failed_index = -1;
  res->failed_text = NULL;
  sl_arena_t arena;
  sl_arena_init(&arena, 8192);
  /* Statements are split first so each is parsed after the DEFINEs before it ran. */
  sl_list_t texts = {0};
  int rc = sl_split_statements(text, &arena, &texts, err);
  for (int i = 0; rc == 0 && i < texts.len; i++) {
    /* Each statement gets its own arena: a persistent query adopts it, since
     * its compiled plan points into the syntax tree (literals, names). */
    sl_arena_t *sa = sl_xmalloc(sizeof *sa);
    sl_arena_init(sa, 8192);
    const char *t = texts.items[i];
    const char *subst = session && session->vars && sl_map_count(session->vars)
                            ? sl_substitute_vars(t, session->vars, sa)
                            : sl_arena_strdup(sa, t);
    sl_list_t stmts = {0};
    rc = sl_parse(subst, sa, &stmts, err);
    if (rc) {
      res->failed_index = i;
      static __thread char failed[4096];
      snprintf(failed, sizeof failed, "%s", subst);
      res->failed_text = failed;
    }
    bool adopted = false;
    for (int j = 0; rc == 0 && j < stmts.len; j++) {
      sl_stmt_t *st = stmts.items[j];
      if (!st->text) st->text = subst;
      json_t *entity = NULL;
      rc = run_statement(e, session, st, sa, &adopted, &entity, err);
      if (rc) {
        res->failed_index = i;
        static __thread char failed2[4096];
        snprintf(failed2, sizeof failed2, "%s", st->text);
        res->failed_text = failed2;
        break;
      }
      if (entity) json_array_append_new(res->entities, entity);
    }
    if (!adopted) {
      sl_arena_free(sa);
      free(sa);
    }
  }
  sl_arena_free(&arena);
  return rc;
}

void sl_exec_result_free(sl_exec_result_t *res) {
  if (res->entities) json_decref(res->entities);
  res->entities = NULL;
}

/* ---------------- open / restore / close ---------------- */

static int restore(sl_engine_t *e, sl_error_t *err) {
  sl_ptrvec_t names = {0}, sqls = {0};
  int rc = sl_catalog_load_types(e->catalog, &names, &sqls, err);
  for (int i = 0; rc == 0 && i < names.len; i++) {
    custom_type_t *ct = sl_xcalloc(1, sizeof *ct);
    sl_arena_init(&ct->arena, 1024);
    sl_type_ast_t *ta;
    rc = sl_parse_type(sqls.items[i], &ct->arena, &ta, err);
    if (rc == 0) rc = sl_type_from_ast(ta, &ct->arena, sl_engine_lookup_type, e, &ct->type, err);
    if (rc == 0) {
      sl_map_put(e->types, names.items[i], ct);
    } else {
      sl_arena_free(&ct->arena);
      free(ct);
    }
  }
  for (int i = 0; i < names.len; i++) free(names.items[i]), free(sqls.items[i]);
  sl_ptrvec_free(&names);
  sl_ptrvec_free(&sqls);
  if (rc) return rc;

  sl_ptrvec_t srcs = {0};
  rc = sl_catalog_load_sources(e->catalog, &srcs, err);
  for (int i = 0; i < srcs.len; i++) {
    sl_source_t *s = srcs.items[i];
    if (rc == 0) {
      sl_map_put(e->sources, s->name, s);
    } else {
      sl_source_free(s);
    }
  }
  sl_ptrvec_free(&srcs);
  if (rc) return rc;

  sl_ptrvec_t qs = {0};
  rc = sl_catalog_load_queries(e->catalog, &qs, err);
  e->restoring = true;
  for (int i = 0; rc == 0 && i < qs.len; i++) {
    sl_query_info_t *qi = qs.items[i];
    /* Re-plan from the statement text; the sink already exists in the metastore. */
    sl_session_t sess;
    sl_session_init(&sess);
    if (qi->props_json) {
      json_t *pj = json_loads(qi->props_json, 0, NULL);
      const char *k;
      json_t *v;
      if (json_is_object(pj))
        json_object_foreach(pj, k, v) if (json_is_string(v))
            sl_map_put(sess.props, k, sl_strdup(json_string_value(v)));
      json_decref(pj);
    }
    e->restore_query_id = qi->id;
    e->restore_paused = qi->state && !strcmp(qi->state, "PAUSED");
    sl_exec_result_t res;
    sl_error_t qerr;
    sl_error_clear(&qerr);
    int qrc = sl_engine_execute(e, qi->statement, &sess, &res, &qerr);
    e->restore_query_id = NULL;
    e->restore_paused = false;
    if (qrc) SL_ERROR("could not restore query %s: %s", qi->id, qerr.msg);
    sl_exec_result_free(&res);
    sl_session_free(&sess);
  }
  e->restoring = false;
  for (int i = 0; i < qs.len; i++) sl_query_info_free(qs.items[i]);
  sl_ptrvec_free(&qs);
  char *next = sl_catalog_get_meta(e->catalog, "next_query_id");
  if (next) {
    e->next_query_id = atoll(next);
    free(next);
  }
  e->command_seq = sl_catalog_last_command(e->catalog);
  return rc;
}

/* Every processing-log entry also becomes a JSON record of the
 * SLUICE_PROCESSING_LOG stream's topic, so bad records can be queried. */
static void engine_plog(void *ctx, const sl_plog_entry_t *en) {
  sl_engine_t *e = ctx;
  e->user_plog(e->user_plog_ctx, en);
  if (!e->plog_topic) return;
  json_t *o = json_pack("{s:s, s:I, s:s?, s:s?, s:s?, s:s?, s:i, s:I}", "LEVEL", "ERROR", "TIME",
                        (json_int_t)sl_now_ms(), "QUERYID", en->query_id, "TYPE", en->kind,
                        "MESSAGE", en->message, "ERRORTOPIC", en->topic, "ERRORPARTITION",
                        (int)en->partition, "ERROROFFSET", (json_int_t)en->offset);
  char *txt = o ? json_dumps(o, JSON_COMPACT) : NULL;
  json_decref(o);
  if (!txt) return;
  sl_record_t rec = {.topic = e->plog_topic,
                     .partition = -1,
                     .offset = -1,
                     .timestamp = sl_now_ms(),
                     .value = txt,
                     .value_len = strlen(txt)};
  sl_error_t err;
  sl_error_clear(&err);
  pthread_mutex_lock(&e->plog_lock);
  e->driver->produce(e->driver->ctx, &rec, &err);
  pthread_mutex_unlock(&e->plog_lock);
  free(txt);
}

/* Declares the processing-log stream (and its topic) unless turned off. */
static void open_processing_log(sl_engine_t *e) {
  const char *on = sl_map_get(e->props, "sluice.processing.log.stream");
  if (on && sl_streq_ci(on, "false")) return;
  char topic[512], sql[1024];
  snprintf(topic, sizeof topic, "%sksql_processing_log", e->service_id);
  snprintf(sql, sizeof sql,
           "CREATE STREAM IF NOT EXISTS SLUICE_PROCESSING_LOG (LEVEL STRING, TIME BIGINT, "
           "QUERYID STRING, TYPE STRING, MESSAGE STRING, ERRORTOPIC STRING, ERRORPARTITION INT, "
           "ERROROFFSET BIGINT) WITH (KAFKA_TOPIC='%s', VALUE_FORMAT='JSON', PARTITIONS=1);",
           topic);
  sl_session_t s;
  sl_session_init(&s);
  sl_exec_result_t res;
  sl_error_t err;
  if (sl_engine_execute(e, sql, &s, &res, &err) == 0) {
    e->plog_topic = sl_strdup(topic);
  } else {
    SL_WARN("processing log stream not available: %s", err.msg);
  }
  sl_exec_result_free(&res);
  sl_session_free(&s);
}

int sl_engine_open(const sl_engine_config_t *cfg, sl_engine_t **out, sl_error_t *err) {
  sl_error_clear(err);
  sl_engine_t *e = sl_xcalloc(1, sizeof *e);
  e->driver = cfg->driver;
  e->user_plog = cfg->plog ? cfg->plog : sl_plog_default;
  e->user_plog_ctx = cfg->plog_ctx;
  e->plog = engine_plog;
  e->plog_ctx = e;
  pthread_mutex_init(&e->plog_lock, NULL);
  e->start_queries = cfg->start_queries;
  e->service_id = sl_strdup(cfg->service_id ? cfg->service_id : "default_");
  e->props = sl_map_new(false);
  if (cfg->props) {
    int it = 0;
    const char *k;
    void *v;
    while (sl_map_next(cfg->props, &it, &k, &v)) sl_map_put(e->props, k, sl_strdup(v));
  }
  e->sources = sl_map_new(false);
  e->queries = sl_map_new(false);
  e->types = sl_map_new(false);
  e->tqueries = sl_map_new(false);
  pthread_mutex_init(&e->tq_lock, NULL);
  char path[4096];
  const char *cpath = NULL;
  if (cfg->data_dir) {
    mkdir(cfg->data_dir, 0755);
    snprintf(path, sizeof path, "%s/catalog.db", cfg->data_dir);
    cpath = path;
  }
  int rc = sl_catalog_open(cpath, &e->catalog, err);
  if (rc == 0) rc = restore(e, err);
  if (rc) {
    sl_engine_close(e);
    return rc;
  }
  open_processing_log(e);
  *out = e;
  return 0;
}

void sl_engine_close(sl_engine_t *e) {
  if (!e) return;
  if (e->tqueries) {
    /* Transient queries still open belong to their owners; stop them here. */
    sl_ptrvec_t open = {0};
    int it0 = 0;
    void *tv;
    pthread_mutex_lock(&e->tq_lock);
    while (sl_map_next(e->tqueries, &it0, NULL, &tv)) sl_ptrvec_push(&open, tv);
    pthread_mutex_unlock(&e->tq_lock);
    for (int i = 0; i < open.len; i++) sl_tquery_close(open.items[i]);
    sl_ptrvec_free(&open);
    sl_map_free(e->tqueries);
    e->tqueries = NULL;
    pthread_mutex_destroy(&e->tq_lock);
  }
  int it = 0;
  void *v;
  if (e->queries) {
    while (sl_map_next(e->queries, &it, NULL, &v)) {
      sl_engine_stop_query(e, v);
      sl_query_free(v);
    }
    sl_map_free(e->queries);
  }
  it = 0;
  if (e->sources) {
    while (sl_map_next(e->sources, &it, NULL, &v)) sl_source_free(v);
    sl_map_free(e->sources);
  }
  it = 0;
  if (e->types) {
    while (sl_map_next(e->types, &it, NULL, &v)) {
      custom_type_t *ct = v;
      sl_arena_free(&ct->arena);
      free(ct);
    }
    sl_map_free(e->types);
  }
  free_map_values(e->props);
  if (e->catalog) sl_catalog_close(e->catalog);
  free(e->plog_topic);
  pthread_mutex_destroy(&e->plog_lock);
  free(e->service_id);
  free(e);
}
