/*
 * ddl.c - statements that change the metastore: CREATE STREAM/TABLE,
 * CREATE ... AS SELECT, INSERT INTO ... SELECT, INSERT INTO ... VALUES, DROP,
 * TERMINATE, PAUSE/RESUME and CREATE/DROP TYPE. Each handler validates
 * everything before it changes anything, so a failing statement leaves the
 * catalog as it was (the dispatcher also wraps writes in a transaction).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "sluice/serde.h"

static const char *obj_word(bool is_table, bool upper) {
  if (upper) return is_table ? "TABLE" : "STREAM";
  return is_table ? "table" : "stream";
}

static const char *prop_or(const sl_list_t *props, const char *name, const char *dflt) {
  const sl_property_t *p = sl_props_find(props, name);
  return p ? sl_prop_text(p) : dflt;
}

static int parse_window_type(const char *s, sl_window_kind_t *out) {
  if (sl_streq_ci(s, "TUMBLING"))
    *out = SL_WIN_TUMBLING;
  else if (sl_streq_ci(s, "HOPPING"))
    *out = SL_WIN_HOPPING;
  else if (sl_streq_ci(s, "SESSION"))
    *out = SL_WIN_SESSION;
  else
    return -1;
  return 0;
}

/* Parses "30 SECONDS" style durations (WINDOW_SIZE). */
static int parse_duration_text(const char *s, int64_t *ms, sl_error_t *err) {
  long long n;
  char unit[32] = {0};
  if (!s || sscanf(s, "%lld %31s", &n, unit) != 2)
    return sl_error_set(err, SL_ESEMANTIC, -1,
                        "Configuration WINDOW_SIZE is invalid: Invalid duration: '%s'", s ? s : "");
  sl_upper_inplace(unit);
  size_t ul = strlen(unit);
  if (ul > 1 && unit[ul - 1] == 'S') unit[ul - 1] = 0;
  int64_t mult;
  if (!strcmp(unit, "MILLISECOND"))
    mult = 1;
  else if (!strcmp(unit, "SECOND"))
    mult = 1000;
  else if (!strcmp(unit, "MINUTE"))
    mult = 60000;
  else if (!strcmp(unit, "HOUR"))
    mult = 3600000;
  else if (!strcmp(unit, "DAY"))
    mult = 86400000;
  else {
    char up[32];
    snprintf(up, sizeof up, "%s", unit);
    return sl_error_set(err, SL_ESEMANTIC, -1,
                        "Configuration WINDOW_SIZE is invalid: Invalid duration: '%s'. Unknown "
                        "time unit: '%sS'",
                        s, up);
  }
  *ms = n * mult;
  return 0;
}

/* Formats: FORMAT sets both; KEY_FORMAT / VALUE_FORMAT; then the defaults. */
static int resolve_formats(stmt_ctx_t *c, bool has_key, const char **kf, const char **vf,
                           sl_error_t *err) {
  const sl_list_t *props = &c->st->props;
  const char *fmt = prop_or(props, "FORMAT", NULL);
  const char *k = prop_or(props, "KEY_FORMAT", NULL);
  const char *v = prop_or(props, "VALUE_FORMAT", NULL);
  if (fmt && (k || v))
    return sl_error_set(
        err, SL_ESEMANTIC, c->st->offset,
        "Cannot supply both 'FORMAT' and 'KEY_FORMAT' or 'VALUE_FORMAT' properties, "
        "as 'FORMAT' sets both key and value formats. Either use just 'FORMAT', or "
        "use 'KEY_FORMAT' and 'VALUE_FORMAT'.");
  if (fmt) k = v = fmt;
  if (!k) {
    k = sl_map_get(c->props, "ksql.persistence.default.format.key");
    if (!k) k = "KAFKA";
    if (!has_key) k = "NONE";
  }
  if (!v) v = sl_map_get(c->props, "ksql.persistence.default.format.value");
  if (!v)
    return sl_error_set(err, SL_ESEMANTIC, c->st->offset,
                        "Statement is missing the 'VALUE_FORMAT' property from the WITH clause. "
                        "Either provide one or set a default via the "
                        "'ksql.persistence.default.format.value' config.");
  *kf = sl_upper_inplace(sl_arena_strdup(c->arena, k));
  *vf = sl_upper_inplace(sl_arena_strdup(c->arena, v));
  if (!sl_format_find(*kf))
    return sl_error_set(err, SL_ESEMANTIC, c->st->offset, "Unknown format: %s", *kf);
  if (!sl_format_find(*vf))
    return sl_error_set(err, SL_ESEMANTIC, c->st->offset, "Unknown format: %s", *vf);
  return 0;
}

static int serde_opts(stmt_ctx_t *c, const char *vf, sl_serde_opts_t *ko, sl_serde_opts_t *vo,
                      sl_error_t *err) {
  const sl_list_t *props = &c->st->props;
  ko->delimiter = vo->delimiter = ',';
  const char *wrap_default = sl_map_get(c->props, "ksql.persistence.wrap.single.values");
  vo->wrap_single = !(wrap_default && sl_streq_ci(wrap_default, "false"));
  const sl_property_t *p;
  if ((p = sl_props_find(props, "WRAP_SINGLE_VALUE"))) {
    const char *t = sl_prop_text(p);
    vo->wrap_single = t && sl_streq_ci(t, "true");
    vo->wrap_explicit = true;
    const sl_serde_vt_t *vt = sl_format_find(vf);
    if (vt && !vt->supports_wrapping && vo->wrap_single)
      return sl_error_set(err, SL_ESEMANTIC, p->offset,
                          "Format '%s' does not support 'WRAP_SINGLE_VALUE' set to 'true'.", vf);
  }
  int rc;
  if ((p = sl_props_find(props, "VALUE_DELIMITER"))) {
    if (strcmp(vf, "DELIMITED") != 0)
      return sl_error_set(err, SL_ESEMANTIC, p->offset,
                          "%s does not support the following configs: [delimiter]", vf);
    if ((rc = sl_parse_delimiter(sl_prop_text(p), "VALUE_DELIMITER", &vo->delimiter, err)))
      return rc;
  }
  if ((p = sl_props_find(props, "KEY_DELIMITER")) &&
      (rc = sl_parse_delimiter(sl_prop_text(p), "KEY_DELIMITER", &ko->delimiter, err)))
    return rc;
  return 0;
}

static int validate_serdes(sl_source_t *s, sl_error_t *err) {
  sl_arena_t tmp;
  sl_arena_init(&tmp, 4096);
  int n = s->schema->ncols, nk = 0, nv = 0;
  sl_column_t *kc = sl_arena_alloc(&tmp, sizeof(sl_column_t) * (size_t)(n + 1));
  sl_column_t *vc = sl_arena_alloc(&tmp, sizeof(sl_column_t) * (size_t)(n + 1));
  for (int i = 0; i < n; i++) {
    if (s->schema->cols[i].ns == SL_NS_KEY)
      kc[nk++] = s->schema->cols[i];
    else if (s->schema->cols[i].ns == SL_NS_VALUE)
      vc[nv++] = s->schema->cols[i];
  }
  sl_serde_t *sd;
  int rc = sl_serde_new(nk ? s->key_format : "NONE", kc, nk, true, &s->key_opts, &tmp, &sd, err);
  if (rc == 0) rc = sl_serde_new(s->value_format, vc, nv, false, &s->value_opts, &tmp, &sd, err);
  sl_arena_free(&tmp);
  return rc;
}

static int ensure_topic(stmt_ctx_t *c, const char *topic, int partitions, int replicas,
                        bool create_if_missing, int *actual, sl_error_t *err) {
  sl_topic_driver_t *d = c->e->driver;
  int n = d->topic_partitions(d->ctx, topic);
  if (n > 0) {
    *actual = n;
    return 0;
  }
  if (c->e->restoring) {
    *actual = partitions > 0 ? partitions : 1;
    return 0;
  }
  if (!create_if_missing)
    return sl_error_set(err, SL_ENOTFOUND, c->st->offset,
                        "Topic '%s' does not exist. If you want to create a new topic for the "
                        "stream/table please re-run the statement providing the required "
                        "'PARTITIONS' configuration in the WITH clause (and optionally "
                        "'REPLICAS'). For example: CREATE STREAM FOO (ID INT, VALUE STRING) WITH "
                        "(KAFKA_TOPIC='foo', PARTITIONS=1, REPLICAS=1, VALUE_FORMAT='JSON');",
                        topic);
  if (partitions <= 0) partitions = 1;
  int rc = d->create_topic(d->ctx, topic, partitions, replicas > 0 ? replicas : 1, NULL, err);
  if (rc == SL_EEXISTS) {
    sl_error_clear(err);
    rc = 0;
  }
  if (rc) return rc;
  *actual = partitions;
  return 0;
}

/* Creates the plan's internal (repartition) topic with the source's partitions. */
static int create_internal_topics(stmt_ctx_t *c, const sl_plan_t *plan, int partitions,
                                  sl_error_t *err) {
  if (c->e->restoring) return 0;
  for (int i = 0; i < plan->ninternal; i++) {
    int actual;
    int np = plan->internal_partitions[i] > 0 ? plan->internal_partitions[i] : partitions;
    int rc = ensure_topic(c, plan->internal_topics[i], np, 1, true, &actual, err);
    if (rc) return rc;
  }
  /* Changelogs keep only the latest state of each store key. */
  sl_map_t *conf = sl_map_new(false);
  sl_map_put(conf, "cleanup.policy", "compact");
  int rc = 0;
  for (int i = 0; rc == 0 && i < plan->nchangelog; i++) {
    sl_topic_driver_t *d = c->e->driver;
    if (d->topic_partitions(d->ctx, plan->changelog_topics[i]) > 0) continue;
    rc = d->create_topic(d->ctx, plan->changelog_topics[i], partitions, 1, conf, err);
    if (rc == SL_EEXISTS) {
      sl_error_clear(err);
      rc = 0;
    }
  }
  sl_map_free(conf);
  return rc;
}

static int exists_error(stmt_ctx_t *c, const sl_source_t *old, sl_error_t *err) {
  return sl_error_set(err, SL_EEXISTS, c->st->name.offset,
                      "Cannot add %s '%s': A %s with the same name already exists",
                      obj_word(c->st->obj == SL_OBJ_TABLE, false), c->st->name.name,
                      obj_word(old->is_table, false));
}

int sl_exec_create_source(stmt_ctx_t *c, sl_error_t *err) {
  const sl_stmt_t *st = c->st;
  sl_engine_t *e = c->e;
  bool is_table = st->obj == SL_OBJ_TABLE;
  const sl_source_t *old = sl_engine_source(e, st->name.name);
  if (old && st->if_not_exists) {
    c->entity = sl_entity_warning(c, "Source already exists, statement skipped.");
    return 0;
  }
  if (old && !st->or_replace) return exists_error(c, old, err);
  if (old && old->query_id)
    return sl_error_set(err, SL_ESEMANTIC, st->offset,
                        "Cannot replace %s '%s': it is written by query %s", obj_word(is_table, 0),
                        old->name, old->query_id);

  sl_source_t *s = sl_source_new();
  sl_arena_t *a = &s->arena;
  int rc = 0;
  s->name = sl_arena_strdup(a, st->name.name);
  s->is_table = is_table;
  s->is_source = st->is_source;
  s->statement = sl_arena_strdup(a, st->text);
  int ncols = st->columns.len;
  if (ncols == 0) {
    /* Configuration errors come first, as in ksqlDB. */
    const char *kf0 = NULL, *vf0 = NULL;
    sl_serde_opts_t ko, vo;
    if ((rc = resolve_formats(c, false, &kf0, &vf0, err)) ||
        (rc = serde_opts(c, vf0, &ko, &vo, err)))
      goto fail;
    rc = sl_error_set(err, SL_ESEMANTIC, st->offset, "No columns supplied.");
    goto fail;
  }
  s->schema = sl_arena_alloc(a, sizeof(sl_schema_t));
  s->schema->cols = sl_arena_alloc(a, sizeof(sl_column_t) * (size_t)ncols);
  int nkey = 0;
  for (int pass = 0; pass < 2; pass++) {
    for (int i = 0; i < ncols; i++) {
      const sl_column_def_t *cd = st->columns.items[i];
      bool key = cd->constraint == SL_COL_KEY || cd->constraint == SL_COL_PRIMARY_KEY;
      if ((pass == 0) != key) continue;
      if (pass == 0) {
        if (cd->constraint == SL_COL_KEY && is_table) {
          rc = sl_error_set(err, SL_ESEMANTIC, cd->offset,
                            "Column `%s` is a 'KEY' column: please use 'PRIMARY KEY' for tables.",
                            cd->name.name);
          goto fail;
        }
        if (cd->constraint == SL_COL_PRIMARY_KEY && !is_table) {
          rc = sl_error_set(err, SL_ESEMANTIC, cd->offset,
                            "Column `%s` is a 'PRIMARY KEY' column: please use 'KEY' for streams.",
                            cd->name.name);
          goto fail;
        }
      }
      if (sl_schema_find(s->schema, cd->name.name) >= 0) {
        rc = sl_error_set(err, SL_ESEMANTIC, cd->offset, "Duplicate column names: %s",
                          cd->name.name);
        goto fail;
      }
      const char *n = cd->name.name;
      if (!strcmp(n, "ROWTIME") || !strcmp(n, "ROWPARTITION") || !strcmp(n, "ROWOFFSET") ||
          !strcmp(n, "WINDOWSTART") || !strcmp(n, "WINDOWEND")) {
        rc = sl_error_set(err, SL_ESEMANTIC, cd->offset,
                          "'%s' is a reserved column name. You cannot use it as a name for a "
                          "column.",
                          n);
        goto fail;
      }
      sl_column_t *col = &s->schema->cols[s->schema->ncols++];
      col->name = sl_arena_strdup(a, n);
      if ((rc = sl_type_from_ast(cd->type, a, sl_engine_lookup_type, e, &col->type, err)))
        goto fail;
      col->ns = key                                ? SL_NS_KEY
                : cd->constraint == SL_COL_HEADERS ? SL_NS_HEADERS
                : cd->constraint == SL_COL_HEADER  ? SL_NS_HEADER
                                                   : SL_NS_VALUE;
      if (cd->header_key) col->header_key = sl_arena_strdup(a, cd->header_key);
      if (key) nkey++;
    }
  }
  if (is_table && nkey == 0) {
    rc = sl_error_set(err, SL_ESEMANTIC, st->offset,
                      "Tables require a PRIMARY KEY. Please define the PRIMARY KEY.");
    goto fail;
  }
  const sl_property_t *tp = sl_props_find(&st->props, "KAFKA_TOPIC");
  if (!tp) {
    rc = sl_error_set(err, SL_ESEMANTIC, st->offset,
                      "Missing required property \"KAFKA_TOPIC\" which has no default value.");
    goto fail;
  }
  s->topic = sl_arena_strdup(a, sl_prop_text(tp));
  const char *kf = NULL, *vf = NULL;
  if ((rc = resolve_formats(c, nkey > 0, &kf, &vf, err))) goto fail;
  s->key_format = sl_arena_strdup(a, kf);
  s->value_format = sl_arena_strdup(a, vf);
  if ((rc = serde_opts(c, vf, &s->key_opts, &s->value_opts, err))) goto fail;
  const char *ts = prop_or(&st->props, "TIMESTAMP", NULL);
  if (ts) {
    char *u = sl_upper_inplace(sl_arena_strdup(a, ts));
    int i = sl_schema_find(s->schema, u);
    if (i < 0) {
      rc = sl_error_set(err, SL_ESEMANTIC, st->offset,
                        "The TIMESTAMP column set in the WITH clause does not exist in the "
                        "schema: '%s'",
                        u);
      goto fail;
    }
    s->timestamp_column = u;
  }
  const char *tsf = prop_or(&st->props, "TIMESTAMP_FORMAT", NULL);
  if (tsf) s->timestamp_format = sl_arena_strdup(a, tsf);
  const char *wt = prop_or(&st->props, "WINDOW_TYPE", NULL);
  if (wt && parse_window_type(wt, &s->window_type) != 0) {
    rc = sl_error_set(err, SL_ESEMANTIC, st->offset, "Invalid WINDOW_TYPE: '%s'", wt);
    goto fail;
  }
  const char *ws = prop_or(&st->props, "WINDOW_SIZE", NULL);
  if (ws) {
    if (s->window_type == SL_WIN_SESSION) {
      rc = sl_error_set(err, SL_ESEMANTIC, st->offset,
                        "'WINDOW_SIZE' should not be set for SESSION windows.");
      goto fail;
    }
    if ((rc = parse_duration_text(ws, &s->window_size_ms, err))) goto fail;
  }
  if (s->window_type != SL_WIN_NONE && nkey == 0) {
    rc = sl_error_set(err, SL_ESEMANTIC, st->offset, "Windowed sources require a key column.");
    goto fail;
  }
  if ((rc = validate_serdes(s, err))) goto fail;
  int partitions = 0, replicas = 0;
  const char *pp = prop_or(&st->props, "PARTITIONS", NULL);
  const char *rp = prop_or(&st->props, "REPLICAS", NULL);
  if (pp) partitions = atoi(pp);
  if (rp) replicas = atoi(rp);
  if ((rc = ensure_topic(c, s->topic, partitions, replicas, pp != NULL, &s->partitions, err)))
    goto fail;
  s->replicas = replicas > 0 ? replicas : 1;
  if ((rc = sl_engine_persist_source(e, s, err))) goto fail;
  if ((rc = sl_engine_log_command(c, err))) goto fail;
  if (old) {
    sl_source_free(sl_map_remove(e->sources, s->name));
  }
  sl_map_put(e->sources, s->name, s);
  char *cmd = sl_arena_sprintf(c->arena, "%s/`%s`/create", obj_word(is_table, false), s->name);
  c->entity = sl_entity_status(c, cmd, is_table ? "Table created" : "Stream created", NULL);
  return 0;
fail:
  sl_source_free(s);
  return rc;
}

/* ---------------- persistent queries ---------------- */

static void sanitize_id(char *buf) {
  /* Query ids are upper case letters, digits and underscores. */
  for (char *p = buf; *p; p++)
    if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
      *p = (*p >= 'a' && *p <= 'z') ? (char)(*p - 32) : '_';
}

/* The id the next query will get, without taking it. */
static char *peek_query_id(stmt_ctx_t *c, const char *prefix, const char *sink) {
  sl_engine_t *e = c->e;
  if (e->restoring && e->restore_query_id) return sl_strdup(e->restore_query_id);
  char buf[512];
  if (sink)
    snprintf(buf, sizeof buf, "%s_%s_%lld", prefix, sink, (long long)e->next_query_id);
  else
    snprintf(buf, sizeof buf, "%s_%lld", prefix, (long long)e->next_query_id);
  sanitize_id(buf);
  return sl_strdup(buf);
}

static char *new_query_id(stmt_ctx_t *c, const char *prefix, const char *sink, sl_error_t *err) {
  sl_engine_t *e = c->e;
  if (e->restoring && e->restore_query_id) return sl_strdup(e->restore_query_id);
  char buf[512];
  if (sink)
    snprintf(buf, sizeof buf, "%s_%s_%lld", prefix, sink, (long long)e->next_query_id);
  else
    snprintf(buf, sizeof buf, "%s_%lld", prefix, (long long)e->next_query_id);
  e->next_query_id++;
  char n[32];
  snprintf(n, sizeof n, "%lld", (long long)e->next_query_id);
  if (!e->restoring) sl_catalog_set_meta(e->catalog, "next_query_id", n, err);
  sanitize_id(buf);
  return sl_strdup(buf);
}

static char *props_json(stmt_ctx_t *c) {
  json_t *o = json_object();
  if (c->session && c->session->props) {
    int it = 0;
    const char *k;
    void *v;
    while (sl_map_next(c->session->props, &it, &k, &v)) json_object_set_new(o, k, json_string(v));
  }
  char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(o);
  return s;
}

static int register_query(stmt_ctx_t *c, sl_query_t *q, sl_error_t *err) {
  sl_engine_t *e = c->e;
  free(q->overridden);
  q->overridden = props_json(c);
  if (!e->restoring) {
    char *pj = props_json(c);
    sl_buf_t srcs;
    sl_buf_init(&srcs);
    for (int i = 0; i < q->nsource_names; i++) {
      if (i) sl_buf_putc(&srcs, ',');
      sl_buf_puts(&srcs, q->source_names[i]);
    }
    sl_query_info_t qi = {.id = q->id,
                          .statement = q->statement,
                          .sink = q->sink,
                          .sources = srcs.data ? srcs.data : "",
                          .state = q->state,
                          .props_json = pj};
    int rc = sl_catalog_put_query(e->catalog, &qi, err);
    sl_buf_free(&srcs);
    free(pj);
    if (rc) return rc;
  }
  sl_map_put(e->queries, q->id, q);
  return 0;
}

static sl_query_t *query_new(stmt_ctx_t *c, char *id, sl_plan_t *plan, const char *sink,
                             const char *sink_topic, int partitions) {
  sl_query_t *q = sl_xcalloc(1, sizeof *q);
  q->id = id;
  q->statement = sl_strdup(c->st->text);
  q->sink = sl_strdup(sink);
  q->sink_topic = sl_strdup(sink_topic);
  q->plan = plan;
  q->partitions = partitions;
  /* The compiled plan points into the statement's syntax tree: keep it. */
  if (c->adopted && !*c->adopted) {
    q->ast_arena = c->arena;
    *c->adopted = true;
  }
  q->state = sl_strdup("RUNNING");
  q->persistent = true;
  q->created_ms = sl_now_ms();
  /* The session's auto.offset.reset at creation decides where a new query
   * starts (kept in the catalog's props for restarts). */
  q->props = sl_map_new(false);
  {
    int it = 0;
    const char *k;
    void *v;
    while (sl_map_next(c->props, &it, &k, &v)) sl_map_put(q->props, k, sl_strdup(v));
  }
  const char *reset = sl_map_get(c->props, "auto.offset.reset");
  q->from_beginning = reset && sl_streq_ci(reset, "earliest");
  q->nsource_names = plan->nsources;
  q->source_names = sl_xcalloc((size_t)plan->nsources + 1, sizeof(char *));
  for (int i = 0; i < plan->nsources; i++)
    q->source_names[i] = sl_strdup(plan->sources[i]->source_name);
  return q;
}

int sl_exec_create_as_select(stmt_ctx_t *c, sl_error_t *err) {
  const sl_stmt_t *st = c->st;
  sl_engine_t *e = c->e;
  bool is_table = st->obj == SL_OBJ_TABLE;
  const sl_source_t *old = sl_engine_source(e, st->name.name);
  if (old && !e->restoring) {
    if (st->if_not_exists) {
      c->entity = sl_entity_warning(c, "Source already exists, statement skipped.");
      return 0;
    }
    if (!st->or_replace) return exists_error(c, old, err);
    return sl_error_set(err, SL_EUNSUPPORTED, st->offset,
                        "CREATE OR REPLACE of a query's sink is not supported yet");
  }
  sl_analyze_ctx_t ax;
  sl_engine_analyze_ctx(c, &ax);
  char *qid = peek_query_id(c, is_table ? "CTAS" : "CSAS", st->name.name);
  ax.query_id = qid;
  sl_sink_spec_t spec;
  sl_plan_t *plan = NULL;
  int rc = sl_analyze_persistent(st, NULL, &ax, &spec, &plan, err);
  if (rc) {
    free(qid);
    return rc;
  }
  const sl_source_t *from = sl_engine_source(e, plan->sources[0]->source_name);
  int partitions = spec.partitions > 0 ? spec.partitions : (from ? from->partitions : 1);
  if (partitions <= 0) partitions = 1;
  int actual = partitions;
  sl_source_t *s = NULL;
  free(qid);
  qid = NULL;
  if (!e->restoring) {
    if ((rc = ensure_topic(c, spec.topic, partitions, spec.replicas, true, &actual, err)))
      goto fail;
    if ((rc = create_internal_topics(c, plan, from ? from->partitions : partitions, err)))
      goto fail;
    s = sl_source_new();
    sl_arena_t *a = &s->arena;
    s->name = sl_arena_strdup(a, spec.name);
    s->is_table = is_table;
    s->topic = sl_arena_strdup(a, spec.topic);
    s->key_format = sl_arena_strdup(a, spec.key_format);
    s->value_format = sl_arena_strdup(a, spec.value_format);
    s->key_opts = spec.key_opts;
    s->value_opts = spec.value_opts;
    s->schema = sl_schema_copy(a, plan->out_schema);
    s->timestamp_column = spec.timestamp_column ? sl_arena_strdup(a, spec.timestamp_column) : NULL;
    s->timestamp_format = spec.timestamp_format ? sl_arena_strdup(a, spec.timestamp_format) : NULL;
    s->window_type = spec.window_type;
    s->window_size_ms = spec.window_size_ms;
    s->partitions = actual;
    s->replicas = spec.replicas > 0 ? spec.replicas : 1;
    s->statement = sl_arena_strdup(a, st->text);
  }
  qid = new_query_id(c, is_table ? "CTAS" : "CSAS", spec.name, err);
  if (s) {
    s->query_id = sl_arena_strdup(&s->arena, qid);
    if ((rc = sl_engine_persist_source(e, s, err))) goto fail;
  }
  sl_query_t *q =
      query_new(c, qid, plan, spec.name, spec.topic, from ? from->partitions : partitions);
  qid = NULL;
  plan = NULL;
  if ((rc = register_query(c, q, err))) {
    sl_query_free(q);
    goto fail;
  }
  if ((rc = sl_engine_log_command(c, err))) {
    sl_map_remove(e->queries, q->id);
    sl_query_free(q);
    goto fail;
  }
  if (s) sl_map_put(e->sources, s->name, s);
  s = NULL;
  if ((rc = sl_engine_start_query(e, q, err))) {
    free(q->state);
    q->state = sl_strdup("ERROR");
    return rc;
  }
  char *cmd = sl_arena_sprintf(c->arena, "%s/`%s`/create", obj_word(is_table, false), spec.name);
  char *msg = sl_arena_sprintf(c->arena, "Created query with ID %s", q->id);
  c->entity = sl_entity_status(c, cmd, msg, q->id);
  return 0;
fail:
  free(qid);
  if (s) sl_source_free(s);
  sl_plan_free(plan);
  return rc;
}

int sl_exec_insert_select(stmt_ctx_t *c, sl_error_t *err) {
  const sl_stmt_t *st = c->st;
  sl_engine_t *e = c->e;
  const sl_source_t *target = sl_engine_source(e, st->name.name);
  if (!target)
    return sl_error_set(err, SL_ENOTFOUND, st->name.offset, "Source `%s` does not exist.",
                        st->name.name);
  if (target->is_table)
    return sl_error_set(err, SL_ESEMANTIC, st->offset,
                        "INSERT INTO can only be used to insert into a stream. %s is a table.",
                        target->name);
  if (target->is_source)
    return sl_error_set(err, SL_ESEMANTIC, st->name.offset,
                        "Cannot insert into read-only stream: %s", target->name);
  sl_analyze_ctx_t ax;
  sl_engine_analyze_ctx(c, &ax);
  char *pqid = peek_query_id(c, "INSERTQUERY", NULL);
  ax.query_id = pqid;
  sl_plan_t *plan = NULL;
  sl_sink_spec_t spec;
  int rc = sl_analyze_persistent(st, target, &ax, &spec, &plan, err);
  free(pqid);
  if (rc) return rc;
  /* The result must match the sink column for column. */
  const sl_schema_t *rs = plan->out_schema, *ts = target->schema;
  bool same = rs->ncols == ts->ncols;
  for (int i = 0; same && i < rs->ncols; i++)
    same = !strcmp(rs->cols[i].name, ts->cols[i].name) &&
           sl_type_equal(rs->cols[i].type, ts->cols[i].type) && rs->cols[i].ns == ts->cols[i].ns;
  if (!same) {
    sl_buf_t a, b;
    sl_buf_init(&a);
    sl_buf_init(&b);
    sl_schema_format(rs, &a);
    sl_schema_format(ts, &b);
    rc = sl_error_set(err, SL_ESEMANTIC, st->offset,
                      "Incompatible schema between results and sink.\nResult schema is %s\nSink "
                      "schema is %s",
                      a.data, b.data);
    sl_buf_free(&a);
    sl_buf_free(&b);
    sl_plan_free(plan);
    return rc;
  }
  const sl_source_t *from = sl_engine_source(e, plan->sources[0]->source_name);
  if ((rc = create_internal_topics(c, plan, from ? from->partitions : 1, err))) {
    sl_plan_free(plan);
    return rc;
  }
  char *qid = new_query_id(c, "INSERTQUERY", NULL, err);
  sl_query_t *q = query_new(c, qid, plan, target->name, target->topic, from ? from->partitions : 1);
  if ((rc = register_query(c, q, err)) || (rc = sl_engine_log_command(c, err))) {
    sl_map_remove(e->queries, q->id);
    sl_query_free(q);
    return rc;
  }
  if ((rc = sl_engine_start_query(e, q, err))) return rc;
  char *cmd = sl_arena_sprintf(c->arena, "stream/`%s`/insert", target->name);
  char *msg = sl_arena_sprintf(c->arena, "Created query with ID %s", q->id);
  c->entity = sl_entity_status(c, cmd, msg, q->id);
  return 0;
}

/* ---------------- INSERT VALUES ---------------- */

static int no_columns(void *ctx, const sl_expr_t *e, int *slot, const sl_type_t **type,
                      sl_error_t *err) {
  (void)ctx;
  (void)slot;
  (void)type;
  if (e->kind != SL_EX_COLUMN) return 1;
  return sl_error_set(err, SL_ESEMANTIC, e->offset,
                      "Only constant expressions are allowed in INSERT VALUES");
}

int sl_exec_insert_values(stmt_ctx_t *c, sl_error_t *err) {
  const sl_stmt_t *st = c->st;
  sl_engine_t *e = c->e;
  const sl_source_t *s = sl_engine_source(e, st->name.name);
  if (!s) {
    /* A source whose name differs only in case: say how to address it. */
    const char *alt = NULL;
    int it = 0;
    const char *k;
    while (sl_map_next(e->sources, &it, &k, NULL))
      if (sl_streq_ci(k, st->name.name)) alt = k;
    if (alt && !st->name.quoted)
      return sl_error_set(err, SL_ENOTFOUND, st->name.offset,
                          "Cannot insert values into an unknown stream/table: `%s`\nDid you mean "
                          "\"%s\"? Hint: wrap the source name in double quotes to make it "
                          "case-sensitive.",
                          st->name.name, alt);
    if (alt)
      return sl_error_set(err, SL_ENOTFOUND, st->name.offset,
                          "Cannot insert values into an unknown stream/table: `%s`\nDid you mean "
                          "%s? Hint: try removing double quotes from the source name.",
                          st->name.name, alt);
    return sl_error_set(err, SL_ENOTFOUND, st->name.offset,
                        "Cannot insert values into an unknown stream/table: `%s`", st->name.name);
  }
  if (s->is_source)
    return sl_error_set(err, SL_ESEMANTIC, st->name.offset,
                        "Cannot insert values into read-only %s: %s",
                        s->is_table ? "table" : "stream", s->name);
  sl_arena_t *a = c->arena;
  const sl_schema_t *sc = s->schema;
  int ncols = 0;
  int *targets = sl_arena_alloc(a, sizeof(int) * (size_t)(sc->ncols + st->values.len + 1));
  bool has_rowtime = false;
  int rowtime_idx = -1;
  if (st->columns.len) {
    for (int i = 0; i < st->columns.len; i++) {
      const sl_ident_t *id = st->columns.items[i];
      if (!strcmp(id->name, "ROWTIME")) {
        has_rowtime = true;
        rowtime_idx = i;
        targets[ncols++] = -1;
        continue;
      }
      int k = sl_schema_find(sc, id->name);
      if (k < 0)
        return sl_error_set(err, SL_ESEMANTIC, id->offset, "Column name %s does not exist.",
                            id->name);
      targets[ncols++] = k;
    }
  } else {
    for (int k = 0; k < sc->ncols; k++)
      if (sc->cols[k].ns == SL_NS_KEY || sc->cols[k].ns == SL_NS_VALUE) targets[ncols++] = k;
  }
  if (ncols != st->values.len)
    return sl_error_set(err, SL_ESEMANTIC, st->offset,
                        "Expected a value for each column. Expected Columns: %d. Got %d", ncols,
                        st->values.len);
  sl_value_t *row = sl_arena_alloc(a, sizeof(sl_value_t) * (size_t)(sc->ncols + 1));
  for (int k = 0; k < sc->ncols; k++) row[k] = sl_null();
  int64_t ts = sl_now_ms();
  for (int i = 0; i < ncols; i++) {
    sl_compile_ctx_t cc = {
        .arena = a, .resolve = no_columns, .lookup_type = sl_engine_lookup_type, .lookup_ctx = e};
    sl_cexpr_t *cx;
    int rc = sl_expr_compile(st->values.items[i], &cc, &cx, err);
    if (rc) return rc;
    sl_eval_ctx_t ec = {.slots = NULL, .arena = a};
    sl_error_clear(&ec.err);
    sl_value_t v;
    sl_cexpr_eval(cx, &ec, &v);
    if (ec.err.code)
      return sl_error_set(err, SL_EEVAL, ((sl_expr_t *)st->values.items[i])->offset, "%s",
                          ec.err.msg);
    const sl_type_t *want = targets[i] >= 0 ? sc->cols[targets[i]].type : &sl_type_bigint;
    if (!sl_is_null(&v) && v.kind != want->kind) {
      sl_value_t cv;
      sl_error_t cerr;
      sl_error_clear(&cerr);
      if (sl_value_cast(a, &v, want, &cv, &cerr) != 0) {
        sl_buf_t tb;
        sl_buf_init(&tb);
        sl_type_format(want, &tb);
        rc = sl_error_set(err, SL_ESEMANTIC, ((sl_expr_t *)st->values.items[i])->offset,
                          "Expected type %s for field %s but got %s", tb.data,
                          targets[i] >= 0 ? sc->cols[targets[i]].name : "ROWTIME", cerr.msg);
        sl_buf_free(&tb);
        return rc;
      }
      v = cv;
    }
    if (i == rowtime_idx) {
      if (!sl_is_null(&v)) ts = v.kind == SL_T_INT ? v.u.i : v.u.l;
    } else {
      row[targets[i]] = v;
    }
  }
  (void)has_rowtime;
  /* Encode key and value with the source's formats. */
  sl_column_t *kc = sl_arena_alloc(a, sizeof(sl_column_t) * (size_t)(sc->ncols + 1));
  sl_column_t *vc = sl_arena_alloc(a, sizeof(sl_column_t) * (size_t)(sc->ncols + 1));
  sl_value_t *kv = sl_arena_alloc(a, sizeof(sl_value_t) * (size_t)(sc->ncols + 1));
  sl_value_t *vv = sl_arena_alloc(a, sizeof(sl_value_t) * (size_t)(sc->ncols + 1));
  int nk = 0, nv = 0;
  for (int k = 0; k < sc->ncols; k++) {
    if (sc->cols[k].ns == SL_NS_KEY)
      kc[nk] = sc->cols[k], kv[nk++] = row[k];
    else if (sc->cols[k].ns == SL_NS_VALUE)
      vc[nv] = sc->cols[k], vv[nv++] = row[k];
  }
  sl_serde_t *ks, *vs;
  int rc = sl_serde_new(nk ? s->key_format : "NONE", kc, nk, true, &s->key_opts, a, &ks, err);
  if (rc == 0) rc = sl_serde_new(s->value_format, vc, nv, false, &s->value_opts, a, &vs, err);
  if (rc) return rc;
  sl_buf_t kb, vb;
  sl_buf_init(&kb);
  sl_buf_init(&vb);
  bool null_key = nk == 0 || (nk == 1 && sl_is_null(&kv[0]));
  if (!null_key) rc = sl_serde_encode(ks, kv, &kb, err);
  if (rc == 0) rc = sl_serde_encode(vs, vv, &vb, err);
  if (rc == 0) {
    sl_record_t rec = {.topic = s->topic,
                       .partition = -1,
                       .offset = -1,
                       .timestamp = ts,
                       .key = null_key ? NULL : (kb.data ? kb.data : ""),
                       .key_len = kb.len,
                       .value = vb.data ? vb.data : "",
                       .value_len = vb.len};
    rc = e->driver->produce(e->driver->ctx, &rec, err);
  }
  sl_buf_free(&kb);
  sl_buf_free(&vb);
  return rc;
}

/* ---------------- DROP / TERMINATE / PAUSE / RESUME ---------------- */

static void remove_query(sl_engine_t *e, sl_query_t *q, sl_error_t *err) {
  sl_engine_stop_query(e, q);
  if (e->driver->cleanup_query) e->driver->cleanup_query(e->driver->ctx, q);
  sl_catalog_delete_query(e->catalog, q->id, err);
  sl_map_remove(e->queries, q->id);
  sl_query_free(q);
}

int sl_exec_drop(stmt_ctx_t *c, sl_error_t *err) {
  const sl_stmt_t *st = c->st;
  sl_engine_t *e = c->e;
  if (st->obj == SL_OBJ_TYPE) {
    custom_type_t *ct = sl_map_get(e->types, st->name.name);
    if (!ct) {
      if (st->if_exists) {
        c->entity = sl_entity_warning(c, "Type does not exist, statement skipped.");
        return 0;
      }
      return sl_error_set(err, SL_ENOTFOUND, st->name.offset, "Type %s does not exist.",
                          st->name.name);
    }
    int rc = sl_catalog_delete_type(e->catalog, st->name.name, err);
    if (rc == 0) rc = sl_engine_log_command(c, err);
    if (rc) return rc;
    sl_map_remove(e->types, st->name.name);
    sl_arena_free(&ct->arena);
    free(ct);
    c->entity =
        sl_entity_status(c, sl_arena_sprintf(c->arena, "type/%s/drop", st->name.name),
                         sl_arena_sprintf(c->arena, "Dropped type '%s'", st->name.name), NULL);
    return 0;
  }
  bool is_table = st->obj == SL_OBJ_TABLE;
  sl_source_t *s = sl_map_get(e->sources, st->name.name);
  if (!s) {
    if (st->if_exists) {
      c->entity = sl_entity_warning(c, "Source does not exist, statement skipped.");
      return 0;
    }
    return sl_error_set(err, SL_ENOTFOUND, st->name.offset, "Source %s does not exist.",
                        st->name.name);
  }
  if (s->is_table != is_table)
    return sl_error_set(err, SL_ESEMANTIC, st->offset,
                        "Incompatible data source type is %s, but statement was DROP %s",
                        obj_word(s->is_table, true), obj_word(is_table, true));
  /* Readers block the drop; the writing query is terminated with it. */
  sl_buf_t readers;
  sl_buf_init(&readers);
  int it = 0;
  void *v;
  while (sl_map_next(e->queries, &it, NULL, &v)) {
    sl_query_t *q = v;
    for (int i = 0; i < q->nsource_names; i++)
      if (!strcmp(q->source_names[i], s->name)) {
        sl_buf_printf(&readers, "%s%s", readers.len ? ", " : "", q->id);
        break;
      }
  }
  if (readers.len) {
    int rc = sl_error_set(err, SL_ESEMANTIC, st->offset,
                          "Cannot drop %s.\nThe following queries read from this source: [%s].\n"
                          "You need to terminate them before dropping %s.",
                          s->name, readers.data, s->name);
    sl_buf_free(&readers);
    return rc;
  }
  sl_buf_free(&readers);
  int rc = sl_catalog_delete_source(e->catalog, s->name, err);
  if (rc == 0) rc = sl_engine_log_command(c, err);
  if (rc) return rc;
  it = 0;
  sl_ptrvec_t writers = {0};
  while (sl_map_next(e->queries, &it, NULL, &v)) {
    sl_query_t *q = v;
    if (q->sink && !strcmp(q->sink, s->name)) sl_ptrvec_push(&writers, q);
  }
  for (int i = 0; i < writers.len; i++) remove_query(e, writers.items[i], err);
  sl_ptrvec_free(&writers);
  if (st->delete_topic) {
    rc = e->driver->delete_topic(e->driver->ctx, s->topic, err);
    if (rc) SL_WARN("could not delete topic %s: %s", s->topic, err->msg);
    sl_error_clear(err);
    rc = 0;
  }
  char *cmd = sl_arena_sprintf(c->arena, "%s/`%s`/drop", obj_word(is_table, false), s->name);
  char *msg = sl_arena_sprintf(c->arena, "Source `%s` (topic: %s) was dropped.", s->name, s->topic);
  c->entity = sl_entity_status(c, cmd, msg, NULL);
  sl_map_remove(e->sources, s->name);
  sl_source_free(s);
  return 0;
}

int sl_exec_terminate(stmt_ctx_t *c, sl_error_t *err) {
  const sl_stmt_t *st = c->st;
  sl_engine_t *e = c->e;
  sl_ptrvec_t victims = {0};
  if (st->all) {
    int it = 0;
    void *v;
    while (sl_map_next(e->queries, &it, NULL, &v)) sl_ptrvec_push(&victims, v);
  } else {
    sl_query_t *q = NULL;
    int it = 0;
    void *v;
    const char *k;
    while (sl_map_next(e->queries, &it, &k, &v))
      if (sl_streq_ci(k, st->name.name)) q = v;
    if (!q)
      return sl_error_set(err, SL_ENOTFOUND, st->name.offset, "Unknown queryId: %s", st->name.name);
    sl_ptrvec_push(&victims, q);
  }
  int rc = sl_engine_log_command(c, err);
  for (int i = 0; rc == 0 && i < victims.len; i++) {
    sl_query_t *q = victims.items[i];
    /* The sink no longer has a writer. */
    sl_source_t *s = q->sink ? sl_map_get(e->sources, q->sink) : NULL;
    if (s && s->query_id && !strcmp(s->query_id, q->id)) {
      s->query_id = NULL;
      sl_engine_persist_source(e, s, err);
    }
    remove_query(e, q, err);
  }
  sl_ptrvec_free(&victims);
  if (rc) return rc;
  c->entity = sl_entity_status(
      c, sl_arena_sprintf(c->arena, "terminate/%s/execute", st->all ? "ALL" : st->name.name),
      "Query terminated.", NULL);
  return 0;
}

int sl_exec_pause_resume(stmt_ctx_t *c, sl_error_t *err) {
  const sl_stmt_t *st = c->st;
  sl_engine_t *e = c->e;
  bool pause = st->kind == SL_ST_PAUSE;
  int it = 0, found = 0;
  void *v;
  const char *k;
  while (sl_map_next(e->queries, &it, &k, &v)) {
    if (!st->all && !sl_streq_ci(k, st->name.name)) continue;
    sl_query_t *q = v;
    found++;
    if (pause) {
      sl_engine_stop_query(e, q);
    } else {
      int rc = sl_engine_start_query(e, q, err);
      if (rc) return rc;
    }
    free(q->state);
    q->state = sl_strdup(pause ? "PAUSED" : "RUNNING");
    int rc = sl_catalog_set_query_state(e->catalog, q->id, q->state, err);
    if (rc) return rc;
  }
  if (!found && !st->all)
    return sl_error_set(err, SL_ENOTFOUND, st->name.offset, "Unknown queryId: %s", st->name.name);
  int rc = sl_engine_log_command(c, err);
  if (rc) return rc;
  c->entity =
      sl_entity_status(c,
                       sl_arena_sprintf(c->arena, "%s/%s/execute", pause ? "pause" : "resume",
                                        st->all ? "ALL" : st->name.name),
                       pause ? "Query paused." : "Query resumed.", NULL);
  return 0;
}

/* ---------------- CREATE TYPE ---------------- */

int sl_exec_create_type(stmt_ctx_t *c, sl_error_t *err) {
  const sl_stmt_t *st = c->st;
  sl_engine_t *e = c->e;
  custom_type_t *old = sl_map_get(e->types, st->name.name);
  if (old) {
    if (st->if_not_exists) {
      c->entity = sl_entity_warning(c, "Type already exists, statement skipped.");
      return 0;
    }
    sl_buf_t b;
    sl_buf_init(&b);
    sl_type_format(old->type, &b);
    int rc = sl_error_set(err, SL_EEXISTS, st->name.offset,
                          "Cannot register custom type '%s' since it is already registered with "
                          "type: %s",
                          st->name.name, b.data);
    sl_buf_free(&b);
    return rc;
  }
  custom_type_t *ct = sl_xcalloc(1, sizeof *ct);
  sl_arena_init(&ct->arena, 1024);
  int rc = sl_type_from_ast(st->type, &ct->arena, sl_engine_lookup_type, e, &ct->type, err);
  sl_buf_t b;
  sl_buf_init(&b);
  if (rc == 0) {
    sl_type_format(ct->type, &b);
    rc = sl_catalog_put_type(e->catalog, st->name.name, b.data, err);
  }
  if (rc == 0) rc = sl_engine_log_command(c, err);
  if (rc) {
    sl_buf_free(&b);
    sl_arena_free(&ct->arena);
    free(ct);
    return rc;
  }
  sl_map_put(e->types, st->name.name, ct);
  c->entity = sl_entity_status(
      c, sl_arena_sprintf(c->arena, "type/%s/create", st->name.name),
      sl_arena_sprintf(c->arena, "Registered custom type with name '%s' and SQL type %s",
                       st->name.name, b.data),
      NULL);
  sl_buf_free(&b);
  return 0;
}
