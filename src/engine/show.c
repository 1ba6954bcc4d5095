/*
 * show.c - statements that read the metastore or change only the session:
 * SHOW/LIST, DESCRIBE, DESCRIBE FUNCTION, EXPLAIN, SET/UNSET and
 * DEFINE/UNDEFINE. Entities follow the shapes ksqlDB's /ksql endpoint returns.
 */
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

static json_t *entity(stmt_ctx_t *c, const char *type) {
  return json_pack("{s:s, s:s, s:[]}", "@type", type, "statementText",
                   c->st->text ? c->st->text : "", "warnings");
}

static const char *window_name(sl_window_kind_t w) {
  switch (w) {
    case SL_WIN_TUMBLING: return "TUMBLING";
    case SL_WIN_HOPPING: return "HOPPING";
    case SL_WIN_SESSION: return "SESSION";
    default: return NULL;
  }
}

/* ksqlDB's schema JSON: {"type": "STRUCT", "fields": [...], "memberSchema": ...}. */
static json_t *schema_json(const sl_type_t *t) {
  const char *name;
  switch (t->kind) {
    case SL_T_INT: name = "INTEGER"; break;
    case SL_T_ARRAY: name = "ARRAY"; break;
    case SL_T_MAP: name = "MAP"; break;
    case SL_T_STRUCT: name = "STRUCT"; break;
    default: name = sl_type_kind_name(t->kind);
  }
  json_t *o = json_pack("{s:s}", "type", name);
  if (t->kind == SL_T_STRUCT) {
    json_t *fs = json_array();
    for (int i = 0; i < t->nfields; i++)
      json_array_append_new(fs, json_pack("{s:s, s:o}", "name", t->fields[i].name, "schema",
                                          schema_json(t->fields[i].type)));
    json_object_set_new(o, "fields", fs);
  } else {
    json_object_set_new(o, "fields", json_null());
  }
  json_object_set_new(
      o, "memberSchema",
      (t->kind == SL_T_ARRAY || t->kind == SL_T_MAP) ? schema_json(t->elem) : json_null());
  if (t->kind == SL_T_DECIMAL) {
    json_object_set_new(o, "parameters",
                        json_pack("{s:o, s:o}", "precision", json_sprintf("%d", t->precision),
                                  "scale", json_sprintf("%d", t->scale)));
  }
  return o;
}

static json_t *fields_json(const sl_source_t *s) {
  json_t *fs = json_array();
  for (int i = 0; i < s->schema->ncols; i++) {
    const sl_column_t *col = &s->schema->cols[i];
    json_t *f = json_pack("{s:s, s:o}", "name", col->name, "schema", schema_json(col->type));
    if (col->ns == SL_NS_KEY)
      json_object_set_new(f, "type", json_string(s->is_table ? "PRIMARY_KEY" : "KEY"));
    else if (col->ns == SL_NS_HEADERS || col->ns == SL_NS_HEADER)
      json_object_set_new(f, "type", json_string("HEADER"));
    json_array_append_new(fs, f);
  }
  return fs;
}

static json_t *source_summary(const sl_source_t *s) {
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "type", s->is_table ? "TABLE" : "STREAM",
                   "name", s->name, "topic", s->topic, "keyFormat", s->key_format, "valueFormat",
                   s->value_format, "isWindowed", s->window_type != SL_WIN_NONE);
}

/* ksqlDB-style runtime figures of a query, e.g.
 * "messages-per-sec: 12.50 total-messages: 100 last-message: 2026-11-22T00:00:00.000Z". */
static void query_stats(const sl_query_t *q, sl_buf_t *stats, sl_buf_t *errs) {
  int64_t in = __atomic_load_n(&q->n_in, __ATOMIC_RELAXED);
  int64_t out = __atomic_load_n(&q->n_out, __ATOMIC_RELAXED);
  int64_t bad = __atomic_load_n(&q->n_err, __ATOMIC_RELAXED);
  int64_t last = __atomic_load_n(&q->last_in_ms, __ATOMIC_RELAXED);
  double secs = (double)(sl_now_ms() - q->created_ms) / 1000.0;
  if (secs <= 0) secs = 1;
  sl_buf_printf(stats,
                "consumer-messages-per-sec: %.2f consumer-total-messages: %lld "
                "producer-total-messages: %lld",
                (double)in / secs, (long long)in, (long long)out);
  if (last > 0) {
    sl_buf_puts(stats, " last-message: ");
    sl_format_timestamp(last, stats);
    sl_buf_putc(stats, 'Z');
  }
  sl_buf_printf(errs, "consumer-failed-messages: %lld", (long long)bad);
}

typedef struct {
  const char *topic;
  int32_t partition;
  int64_t next;
} offset_t;

static void collect_offset(void *ctx, const char *topic, int32_t partition, int64_t next) {
  sl_ptrvec_t *v = ctx;
  offset_t *o = sl_xmalloc(sizeof *o);
  *o = (offset_t){topic, partition, next};
  sl_ptrvec_push(v, o);
}

static int offset_cmp(const void *a, const void *b) {
  const offset_t *x = *(offset_t *const *)a, *y = *(offset_t *const *)b;
  int c = strcmp(x->topic, y->topic);
  return c ? c : (x->partition > y->partition) - (x->partition < y->partition);
}

/* ksqlDB's queryOffsetSummaries element for one query: its consumer group
 * and, per source topic (only `topic` if not NULL), the consumer position of
 * every partition it has read. */
static json_t *offset_summary(const sl_engine_t *e, sl_query_t *q, const char *topic) {
  sl_ptrvec_t v = {0};
  sl_query_offsets(q, collect_offset, &v);
  if (v.len > 1) qsort(v.items, (size_t)v.len, sizeof(void *), offset_cmp);
  char group[512];
  snprintf(group, sizeof group, "_confluent-ksql-%squery_%s", e->service_id, q->id);
  json_t *topics = json_array(), *cur = NULL;
  const char *cur_topic = NULL;
  for (int i = 0; i < v.len; i++) {
    offset_t *o = v.items[i];
    if (topic && strcmp(o->topic, topic) != 0) continue;
    if (!cur_topic || strcmp(cur_topic, o->topic) != 0) {
      cur = json_array();
      json_array_append_new(topics,
                            json_pack("{s:s, s:o}", "kafkaTopic", o->topic, "offsets", cur));
      cur_topic = o->topic;
    }
    json_array_append_new(cur, json_pack("{s:i, s:I}", "partition", (int)o->partition,
                                         "consumerOffset", (json_int_t)o->next));
  }
  for (int i = 0; i < v.len; i++) free(v.items[i]);
  sl_ptrvec_free(&v);
  return json_pack("{s:s, s:o}", "groupId", group, "topicSummaries", topics);
}

static json_t *query_description(const sl_engine_t *e, sl_query_t *q) {
  sl_buf_t plan, stats, errs;
  sl_buf_init(&plan);
  sl_buf_init(&stats);
  sl_buf_init(&errs);
  sl_plan_explain(q->plan, &plan);
  query_stats(q, &stats, &errs);
  json_t *srcs = json_array();
  for (int i = 0; i < q->nsource_names; i++)
    json_array_append_new(srcs, json_string(q->source_names[i]));
  json_t *fields = json_array();
  const sl_schema_t *sc = q->plan->out_schema;
  for (int i = 0; sc && i < sc->ncols; i++) {
    sl_buf_t tb;
    sl_buf_init(&tb);
    sl_type_format(sc->cols[i].type, &tb);
    json_t *f = json_pack("{s:s, s:{s:s}}", "name", sc->cols[i].name, "schema", "type",
                          tb.data ? tb.data : "");
    if (sc->cols[i].ns == SL_NS_KEY) json_object_set_new(f, "type", json_string("KEY"));
    json_array_append_new(fields, f);
    sl_buf_free(&tb);
  }
  json_t *qd =
      json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:s, s:{}, s:s, s:s, s:s, s:s, s:{s:s}}", "id",
                q->id, "statementText", q->statement, "windowType", json_null(), "fields", fields,
                "sources", srcs, "sinks", q->sink ? json_pack("[s]", q->sink) : json_array(),
                "topology", plan.data ? plan.data : "", "executionPlan", plan.data ? plan.data : "",
                "overriddenProperties", "state", q->state, "queryType",
                q->persistent ? "PERSISTENT" : "PUSH", "statistics", stats.data ? stats.data : "",
                "errorStats", errs.data ? errs.data : "", "ksqlHostQueryStatus", "local", q->state);
  if (q->persistent)
    json_object_set_new(qd, "queryOffsetSummaries", json_pack("[o]", offset_summary(e, q, NULL)));
  json_t *ov = q->overridden ? json_loads(q->overridden, 0, NULL) : NULL;
  if (json_is_object(ov))
    json_object_set_new(qd, "overriddenProperties", ov);
  else
    json_decref(ov);
  sl_buf_free(&plan);
  sl_buf_free(&stats);
  sl_buf_free(&errs);
  return qd;
}

static json_t *query_summary(sl_query_t *q) {
  json_t *o = json_pack("{s:s, s:[], s:[], s:s, s:{s:i}, s:s, s:s}", "queryString", q->statement,
                        "sinks", "sinkKafkaTopics", "id", q->id, "statusCount", q->state, 1,
                        "queryType", q->persistent ? "PERSISTENT" : "PUSH", "state", q->state);
  if (q->sink) {
    json_array_append_new(json_object_get(o, "sinks"), json_string(q->sink));
    json_array_append_new(json_object_get(o, "sinkKafkaTopics"), json_string(q->sink_topic));
  }
  return o;
}

static json_t *source_description(stmt_ctx_t *c, const sl_source_t *s, bool extended) {
  json_t *reads = json_array(), *writes = json_array();
  int it = 0;
  void *v;
  while (sl_map_next(c->e->queries, &it, NULL, &v)) {
    sl_query_t *q = v;
    for (int i = 0; i < q->nsource_names; i++)
      if (!strcmp(q->source_names[i], s->name)) json_array_append_new(reads, query_summary(q));
    if (q->sink && !strcmp(q->sink, s->name)) json_array_append_new(writes, query_summary(q));
  }
  json_t *offsets = json_array();
  if (extended) {
    it = 0;
    while (sl_map_next(c->e->queries, &it, NULL, &v)) {
      sl_query_t *q = v;
      if (!q->persistent) continue;
      for (int i = 0; i < q->nsource_names; i++)
        if (!strcmp(q->source_names[i], s->name)) {
          json_array_append_new(offsets, offset_summary(c->e, q, s->topic));
          break;
        }
    }
  }
  sl_buf_t stats, errs;
  sl_buf_init(&stats);
  sl_buf_init(&errs);
  if (extended) {
    it = 0;
    while (sl_map_next(c->e->queries, &it, NULL, &v)) {
      sl_query_t *q = v;
      if (!q->sink || strcmp(q->sink, s->name) != 0) continue;
      query_stats(q, &stats, &errs);
      break;
    }
  }
  const char *wn = window_name(s->window_type);
  json_t *res = json_pack(
      "{s:s, s:o, s:o, s:o, s:o, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:i, s:i, s:s, s:o, "
      "s:[], s:[], s:[]}",
      "name", s->name, "windowType", wn ? json_string(wn) : json_null(), "readQueries", reads,
      "writeQueries", writes, "fields", fields_json(s), "type", s->is_table ? "TABLE" : "STREAM",
      "timestamp", s->timestamp_column ? s->timestamp_column : "", "statistics",
      stats.data ? stats.data : "", "errorStats", errs.data ? errs.data : "", "extended", extended,
      "keyFormat", s->key_format, "valueFormat", s->value_format, "topic", s->topic, "partitions",
      s->partitions, "replication", s->replicas, "statement", s->statement ? s->statement : "",
      "queryOffsetSummaries", offsets, "sourceConstraints", "clusterStatistics",
      "clusterErrorStats");
  sl_buf_free(&stats);
  sl_buf_free(&errs);
  return res;
}

int sl_exec_show(stmt_ctx_t *c, sl_error_t *err) {
  sl_engine_t *e = c->e;
  json_t *o;
  switch (c->st->show) {
    case SL_SHOW_STREAMS:
    case SL_SHOW_TABLES: {
      bool tables = c->st->show == SL_SHOW_TABLES;
      o = entity(c, tables ? "tables" : "streams");
      json_t *arr = json_array();
      int it = 0;
      void *v;
      while (sl_map_next(e->sources, &it, NULL, &v)) {
        const sl_source_t *s = v;
        if (s->is_table != tables) continue;
        json_array_append_new(arr,
                              c->st->extended ? source_description(c, s, true) : source_summary(s));
      }
      json_object_set_new(
          o, c->st->extended ? "sourceDescriptions" : (tables ? "tables" : "streams"), arr);
      if (c->st->extended) json_object_set_new(o, "@type", json_string("source_descriptions"));
      break;
    }
    case SL_SHOW_QUERIES: {
      bool ext = c->st->extended;
      o = entity(c, ext ? "query_descriptions" : "queries");
      json_t *arr = json_array();
      int it = 0;
      void *v;
      while (sl_map_next(e->queries, &it, NULL, &v))
        json_array_append_new(arr, ext ? query_description(c->e, v) : query_summary(v));
      json_object_set_new(o, ext ? "queryDescriptions" : "queries", arr);
      break;
    }
    case SL_SHOW_TOPICS:
    case SL_SHOW_ALL_TOPICS: {
      o = entity(c, "kafka_topics");
      json_t *arr = json_array();
      sl_ptrvec_t names = {0};
      int rc = e->driver->list_topics(e->driver->ctx, &names, err);
      if (rc) {
        json_decref(o);
        json_decref(arr);
        return rc;
      }
      for (int i = 0; i < names.len; i++) {
        const char *n = names.items[i];
        if (c->st->show == SL_SHOW_TOPICS && n[0] == '_') {
          free(names.items[i]);
          continue;
        }
        int parts = e->driver->topic_partitions(e->driver->ctx, n);
        json_t *ri = json_array();
        for (int p = 0; p < parts; p++) json_array_append_new(ri, json_integer(1));
        json_array_append_new(arr, json_pack("{s:s, s:o}", "name", n, "replicaInfo", ri));
        free(names.items[i]);
      }
      sl_ptrvec_free(&names);
      json_object_set_new(o, "topics", arr);
      break;
    }
    case SL_SHOW_PROPERTIES: {
      o = entity(c, "properties");
      json_t *arr = json_array();
      int it = 0;
      const char *k;
      void *v;
      while (sl_map_next(c->props, &it, &k, &v))
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "name", k, "scope", "KSQL", "value",
                                             (const char *)v));
      json_object_set_new(o, "properties", arr);
      json_object_set_new(o, "overwrittenProperties", json_array());
      json_object_set_new(o, "defaultProperties", json_array());
      break;
    }
    case SL_SHOW_FUNCTIONS: {
      o = entity(c, "function_names");
      json_t *arr = json_array();
      for (int i = 0; i < sl_function_count(); i++) {
        const sl_function_t *f = sl_function_at(i);
        const char *type = f->kind == SL_FN_AGGREGATE ? "AGGREGATE"
                           : f->kind == SL_FN_TABLE   ? "TABLE"
                                                      : "SCALAR";
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "name", f->name, "category",
                                             f->category ? f->category : "OTHER", "type", type));
      }
      json_object_set_new(o, "functions", arr);
      break;
    }
    case SL_SHOW_TYPES: {
      o = entity(c, "type_list");
      json_t *types = json_object();
      int it = 0;
      const char *k;
      void *v;
      while (sl_map_next(e->types, &it, &k, &v))
        json_object_set_new(types, k, schema_json(((custom_type_t *)v)->type));
      json_object_set_new(o, "types", types);
      break;
    }
    case SL_SHOW_VARIABLES: {
      o = entity(c, "variables");
      json_t *arr = json_array();
      if (c->session && c->session->vars) {
        int it = 0;
        const char *k;
        void *v;
        while (sl_map_next(c->session->vars, &it, &k, &v))
          json_array_append_new(arr, json_pack("{s:s, s:s}", "name", k, "value", (const char *)v));
      }
      json_object_set_new(o, "variables", arr);
      break;
    }
    default:
      return sl_error_set(err, SL_EUNSUPPORTED, c->st->offset, "Connectors are not supported.");
  }
  c->entity = o;
  return 0;
}

int sl_exec_describe(stmt_ctx_t *c, sl_error_t *err) {
  sl_engine_t *e = c->e;
  if (c->st->describe_all) {
    bool tables = c->st->obj == SL_OBJ_TABLE;
    json_t *o = entity(c, "source_descriptions");
    json_t *arr = json_array();
    int it = 0;
    void *v;
    while (sl_map_next(e->sources, &it, NULL, &v))
      if (((sl_source_t *)v)->is_table == tables)
        json_array_append_new(arr, source_description(c, v, c->st->extended));
    json_object_set_new(o, "sourceDescriptions", arr);
    c->entity = o;
    return 0;
  }
  const sl_source_t *s = sl_engine_source(e, c->st->name.name);
  if (!s)
    return sl_error_set(err, SL_ENOTFOUND, c->st->name.offset,
                        "Could not find STREAM/TABLE '%s' in the Metastore", c->st->name.name);
  json_t *o = entity(c, "sourceDescription");
  json_object_set_new(o, "sourceDescription", source_description(c, s, c->st->extended));
  c->entity = o;
  return 0;
}

int sl_exec_describe_function(stmt_ctx_t *c, sl_error_t *err) {
  const sl_function_t *f = sl_function_find(c->st->name.name);
  if (!f)
    return sl_error_set(err, SL_ENOTFOUND, c->st->name.offset,
                        "Can't find any functions with the name '%s'", c->st->name.name);
  json_t *o = entity(c, "describe_function");
  json_object_set_new(o, "name", json_string(f->name));
  json_object_set_new(o, "description", json_string(f->description ? f->description : ""));
  json_object_set_new(o, "author", json_string("sluice"));
  json_object_set_new(o, "version", json_string(""));
  json_object_set_new(o, "path", json_string("internal"));
  json_object_set_new(o, "type",
                      json_string(f->kind == SL_FN_AGGREGATE ? "AGGREGATE"
                                  : f->kind == SL_FN_TABLE   ? "TABLE"
                                                             : "SCALAR"));
  json_t *fns = json_array();
  const char *sig = f->signatures ? f->signatures : "";
  while (*sig) {
    const char *nl = strchr(sig, '\n');
    size_t n = nl ? (size_t)(nl - sig) : strlen(sig);
    json_array_append_new(fns, json_pack("{s:s%, s:s, s:[], s:s}", "description", sig, n,
                                         "returnType", "", "arguments", "argumentTypes", ""));
    sig += n + (nl ? 1 : 0);
  }
  json_object_set_new(o, "functions", fns);
  c->entity = o;
  return 0;
}

/* EXPLAIN of a statement: plans it as its query would run, without running
 * anything or changing the catalog. */
static int explain_statement(stmt_ctx_t *c, const sl_stmt_t *inner, sl_error_t *err) {
  sl_stmt_t st = *inner;
  const sl_source_t *target = NULL;
  if (st.kind == SL_ST_SELECT) {
    /* A SELECT is planned as the query of a stream/table built from it. */
    st.kind = SL_ST_CREATE_AS_SELECT;
    st.obj = SL_OBJ_STREAM;
    st.name.name = "EXPLAIN_RESULT";
    memset(&st.props, 0, sizeof st.props);
    sl_property_t *p = sl_arena_alloc(c->arena, sizeof *p);
    p->name.name = "KAFKA_TOPIC";
    p->value = sl_arena_alloc(c->arena, sizeof(sl_expr_t));
    p->value->kind = SL_EX_STRING;
    p->value->text = "EXPLAIN_RESULT";
    sl_list_push(c->arena, &st.props, p);
  } else if (st.kind == SL_ST_INSERT_SELECT) {
    target = sl_engine_source(c->e, st.name.name);
    if (!target)
      return sl_error_set(err, SL_ENOTFOUND, st.name.offset, "Source `%s` does not exist.",
                          st.name.name);
  } else if (st.kind != SL_ST_CREATE_AS_SELECT) {
    return sl_error_set(err, SL_ESEMANTIC, inner->offset,
                        "EXPLAIN takes a query id or a statement with a query (SELECT, CREATE ... "
                        "AS SELECT, INSERT INTO ... SELECT)");
  }
  sl_analyze_ctx_t ax;
  sl_engine_analyze_ctx(c, &ax);
  ax.query_id = "EXPLAIN";
  ax.transient = inner->kind == SL_ST_SELECT;
  sl_sink_spec_t spec;
  sl_plan_t *plan = NULL;
  int rc = sl_analyze_persistent(&st, target, &ax, &spec, &plan, err);
  if (rc && inner->kind == SL_ST_SELECT && strstr(err->msg, "produces a TABLE")) {
    sl_error_clear(err);
    st.obj = SL_OBJ_TABLE;
    rc = sl_analyze_persistent(&st, target, &ax, &spec, &plan, err);
  }
  if (rc) return rc;
  sl_query_t q = {.id = "",
                  .statement = (char *)(inner->text ? inner->text : ""),
                  .plan = plan,
                  .state = "",
                  .persistent = inner->kind != SL_ST_SELECT,
                  .sink = inner->kind == SL_ST_SELECT ? NULL : (char *)spec.name,
                  .created_ms = sl_now_ms()};
  char *srcs[16];
  q.nsource_names = plan->nsources < 16 ? plan->nsources : 16;
  for (int i = 0; i < q.nsource_names; i++) srcs[i] = (char *)plan->sources[i]->source_name;
  q.source_names = srcs;
  json_t *qd = query_description(c->e, &q);
  json_object_del(qd, "statistics");
  json_object_del(qd, "errorStats");
  json_object_del(qd, "ksqlHostQueryStatus");
  json_object_set_new(qd, "state", json_string("UNKNOWN"));
  sl_plan_free(plan);
  json_t *o = entity(c, "queryDescription");
  json_object_set_new(o, "queryDescription", qd);
  c->entity = o;
  return 0;
}

int sl_exec_explain(stmt_ctx_t *c, sl_error_t *err) {
  sl_engine_t *e = c->e;
  sl_query_t *q = NULL;
  if (!c->st->inner) {
    int it = 0;
    const char *k;
    void *v;
    while (sl_map_next(e->queries, &it, &k, &v))
      if (sl_streq_ci(k, c->st->name.name)) q = v;
    if (!q)
      return sl_error_set(err, SL_ENOTFOUND, c->st->name.offset, "Query with id:%s does not exist",
                          c->st->name.name);
  } else {
    return explain_statement(c, c->st->inner, err);
  }
  json_t *qd = query_description(c->e, q);
  json_t *o = entity(c, "queryDescription");
  json_object_set_new(o, "queryDescription", qd);
  c->entity = o;
  return 0;
}

int sl_exec_set(stmt_ctx_t *c, sl_error_t *err) {
  (void)err;
  const sl_stmt_t *st = c->st;
  const char *name = st->str_name ? st->str_name : st->name.name;
  if (c->session && c->session->props) {
    free(sl_map_remove(c->session->props, name));
    if (st->kind == SL_ST_SET)
      sl_map_put(c->session->props, name, sl_strdup(st->str_value ? st->str_value : ""));
  }
  c->entity = NULL;
  return 0;
}

int sl_exec_define(stmt_ctx_t *c, sl_error_t *err) {
  const sl_stmt_t *st = c->st;
  if (!c->session || !c->session->vars) return 0;
  void *old = sl_map_remove(c->session->vars, st->name.name);
  if (st->kind == SL_ST_UNDEFINE && !old) {
    c->entity = sl_entity_warning(
        c, sl_arena_sprintf(c->arena, "Cannot undefine variable '%s' which was never defined",
                            st->name.name));
  }
  free(old);
  if (st->kind == SL_ST_DEFINE)
    sl_map_put(c->session->vars, st->name.name, sl_strdup(st->str_value ? st->str_value : ""));
  (void)err;
  return 0;
}
