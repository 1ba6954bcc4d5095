/*
 * ksql.c - the request/response endpoints: POST /ksql (statements through
 * sl_engine_execute, answered with ksqlDB's entity list or its
 * statement_error), GET /info, /healthcheck, /status[/type/entity/action]
 * and POST /close-query.
 *
 * /ksql checks a whole request before running any of it, as ksqlDB does: a
 * syntax error anywhere, a SELECT or PRINT (which belong to /query), or in
 * headless mode a statement that would change state, refuses the request
 * with nothing executed. The engine then runs the statements in order and
 * stops at the first failure, whose error carries the entities of the
 * statements that did run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server_int.h"
#include "sluice/parser.h"

static const char *const ksql_types[] = {SL_MT_JSON, SL_MT_KSQL, NULL};

/* Where stmt (a copy of part of text) starts in text, searching from
 * *cursor; -1 when it cannot be found (variables were substituted). */
static int locate(const char *text, const char *stmt, int *cursor) {
  size_t n = strlen(stmt);
  while (n && (stmt[n - 1] == ';' || stmt[n - 1] == ' ' || stmt[n - 1] == '\n')) n--;
  while (n && (*stmt == ' ' || *stmt == '\n' || *stmt == '\t' || *stmt == '\r')) stmt++, n--;
  if (n == 0) return -1;
  const char *p = text + *cursor;
  for (; *p; p++)
    if (!strncmp(p, stmt, n)) {
      *cursor = (int)(p - text + (ptrdiff_t)n);
      return (int)(p - text);
    }
  return -1;
}

static int http_status_for(int code) {
  switch (code) {
    case SL_ENOMEM:
    case SL_EIO:
    case SL_EKAFKA: return 500;
    default: return 400;
  }
}

/* Sends a statement_error; err->offset is relative to stmt_text, which
 * starts at byte stmt_off of the request text (or -1 if unknown). */
static void send_statement_error(h2o_req_t *req, const char *ct, const sl_error_t *err,
                                 const char *text, const char *stmt_text, int stmt_off,
                                 json_t *entities) {
  sl_buf_t msg;
  sl_buf_init(&msg);
  sl_error_t e = *err;
  const char *pos_text = stmt_text;
  if (e.offset >= 0 && stmt_off >= 0) {
    e.offset += stmt_off;
    pos_text = text;
  }
  sl_rest_error_message(&e, pos_text, &msg);
  int status = http_status_for(err->code);
  json_t *body = sl_rest_statement_error(
      status == 500 ? SL_REST_SERVER_ERROR : SL_REST_BAD_STATEMENT, msg.data, stmt_text, entities);
  sl_buf_free(&msg);
  sl_rest_send_json(req, status, body, ct);
}

/* Checks every statement before anything runs; returns 0 when the request
 * may go to the engine, else sends the refusal. */
static int prescan(sl_server_t *s, h2o_req_t *req, const char *ct, const char *text,
                   sl_session_t *session) {
  sl_arena_t a;
  sl_arena_init(&a, 8192);
  sl_list_t texts = {0};
  sl_error_t err;
  sl_error_clear(&err);
  int rc = sl_split_statements(text, &a, &texts, &err);
  if (rc) {
    send_statement_error(req, ct, &err, text, text, 0, NULL);
    sl_arena_free(&a);
    return -1;
  }
  bool has_vars = sl_map_count(session->vars) > 0 || strstr(text, "${") != NULL;
  int cursor = 0;
  for (int i = 0; i < texts.len && rc == 0; i++) {
    const char *t = texts.items[i];
    int off = locate(text, t, &cursor);
    const char *subst = has_vars ? sl_substitute_vars(t, session->vars, &a) : t;
    sl_list_t stmts = {0};
    sl_error_clear(&err);
    if (sl_parse(subst, &a, &stmts, &err) != 0) {
      /* With variables in play a later DEFINE may make this parse: let the
       * engine decide, in order. */
      if (has_vars) continue;
      /* sl_parse offsets count from the statement's first byte; the split
       * copy may carry leading blanks the locate() above skipped. */
      int lead = 0;
      while (subst[lead] == ' ' || subst[lead] == '\n' || subst[lead] == '\t' ||
             subst[lead] == '\r')
        lead++;
      send_statement_error(req, ct, &err, text, subst, off >= 0 ? off - lead : -1, NULL);
      rc = -1;
      break;
    }
    for (int j = 0; j < stmts.len; j++) {
      const sl_stmt_t *st = stmts.items[j];
      const char *stext = st->text ? st->text : subst;
      if (st->kind == SL_ST_SELECT || st->kind == SL_ST_PRINT) {
        json_t *body = sl_rest_statement_error(
            SL_REST_QUERY_ENDPOINT,
            "The following statement types should be issued to the websocket endpoint "
            "'/query':\n\t* PRINT\n\t* SELECT",
            stext, NULL);
        sl_rest_send_json(req, 400, body, ct);
        rc = -1;
        break;
      }
      if (s->headless && !sl_rest_stmt_is_readonly(st->kind)) {
        json_t *body = sl_rest_statement_error(
            SL_REST_FORBIDDEN,
            "The server is running in headless mode (it was started with a queries file): "
            "statements that change state are not accepted over the REST API",
            stext, NULL);
        sl_rest_send_json(req, 403, body, ct);
        rc = -1;
        break;
      }
    }
  }
  sl_arena_free(&a);
  return rc;
}

int sl_rest_ksql(sl_server_t *s, h2o_req_t *req) {
  const char *ct = sl_rest_negotiate(req, ksql_types);
  json_t *body = sl_rest_body_object(req);
  if (!body) return 0;
  json_t *ksql = json_object_get(body, "ksql");
  if (!json_is_string(ksql)) {
    json_decref(body);
    sl_rest_send_error(req, SL_REST_BAD_REQUEST,
                       "Invalid JSON in request: \"ksql\" must be a string of statements");
    return 0;
  }
  json_t *seq = json_object_get(body, "commandSequenceNumber");
  if (seq && !json_is_null(seq) && !json_is_integer(seq)) {
    json_decref(body);
    sl_rest_send_error(req, SL_REST_BAD_REQUEST,
                       "Invalid JSON in request: \"commandSequenceNumber\" must be an integer");
    return 0;
  }
  /* One server: every earlier command has run by the time this one is read,
   * so there is nothing to wait for on commandSequenceNumber. */
  sl_session_t session;
  sl_session_init(&session);
  if (sl_rest_session_from(req, body, &session)) {
    sl_session_free(&session);
    json_decref(body);
    return 0;
  }
  const char *text = json_string_value(ksql);
  if (prescan(s, req, ct, text, &session) == 0) {
    sl_exec_result_t res = {0};
    sl_error_t err;
    sl_error_clear(&err);
    int rc = sl_engine_execute(s->engine, text, &session, &res, &err);
    sl_rest_record_commands(s, res.entities);
    if (rc == 0) {
      sl_rest_send_json(req, 200, json_incref(res.entities), ct);
    } else {
      const char *ft = res.failed_text ? res.failed_text : text;
      int cursor = 0;
      int off = res.failed_text ? locate(text, ft, &cursor) : 0;
      if (off >= 0 && res.failed_text) {
        int lead = 0;
        while (ft[lead] == ' ' || ft[lead] == '\n' || ft[lead] == '\t' || ft[lead] == '\r') lead++;
        off -= lead;
      }
      send_statement_error(req, ct, &err, text, ft, off, res.entities);
    }
    sl_exec_result_free(&res);
  }
  sl_session_free(&session);
  json_decref(body);
  return 0;
}

/* ---------------- /status ---------------- */

void sl_rest_record_commands(sl_server_t *s, json_t *entities) {
  size_t i;
  json_t *ent;
  json_array_foreach(entities, i, ent) {
    const char *id = json_string_value(json_object_get(ent, "commandId"));
    json_t *st = json_object_get(ent, "commandStatus");
    if (!id || !json_is_object(st)) continue;
    json_object_set(s->commands, id, st);
  }
}

/* Percent-decodes a path segment into out. */
static void url_decode(const char *p, size_t n, sl_buf_t *out) {
  for (size_t i = 0; i < n; i++) {
    if (p[i] == '%' && i + 2 < n) {
      char hex[3] = {p[i + 1], p[i + 2], 0};
      char *end;
      long v = strtol(hex, &end, 16);
      if (end == hex + 2) {
        sl_buf_putc(out, (char)v);
        i += 2;
        continue;
      }
    }
    sl_buf_putc(out, p[i]);
  }
}

/* The status of a command the engine ran before this process started: a
 * source that exists was created successfully. */
static json_t *status_from_catalog(sl_server_t *s, const char *type, const char *entity,
                                   const char *action) {
  if (strcmp(action, "create") != 0) return NULL;
  char name[512];
  size_t n = strlen(entity);
  if (n >= 2 && entity[0] == '`' && entity[n - 1] == '`')
    snprintf(name, sizeof name, "%.*s", (int)(n - 2), entity + 1);
  else
    snprintf(name, sizeof name, "%s", entity);
  const sl_source_t *src = sl_engine_find_source(s->engine, name);
  if (!src) return NULL;
  bool table = !strcmp(type, "table");
  if (table != src->is_table) return NULL;
  return json_pack("{s:s, s:s}", "status", "SUCCESS", "message",
                   table ? "Table created" : "Stream created");
}

int sl_rest_status(sl_server_t *s, h2o_req_t *req) {
  h2o_iovec_t path = req->path;
  if (req->query_at != SIZE_MAX) path.len = req->query_at;
  const char *pre = "/status/";
  if (path.len <= strlen(pre) || strncmp(path.base, pre, strlen(pre)) != 0) {
    /* The list maps each command id to its status word, as ksqlDB's. */
    json_t *all = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(s->commands, k, v) json_object_set(all, k, json_object_get(v, "status"));
    sl_rest_send_json(req, 200, json_pack("{s:o}", "commandStatuses", all), SL_MT_JSON);
    return 0;
  }
  sl_buf_t id;
  sl_buf_init(&id);
  url_decode(path.base + strlen(pre), path.len - strlen(pre), &id);
  while (id.len && id.data[id.len - 1] == '/') id.data[--id.len] = 0;
  /* type/entity/action: the entity may itself hold '/' inside back quotes. */
  char *first = strchr(id.data, '/'), *last = strrchr(id.data, '/');
  json_t *st = json_object_get(s->commands, id.data);
  if (!st && first && last && first != last) {
    *first = 0;
    *last = 0;
    const char *type = id.data, *entity = first + 1, *action = last + 1;
    /* Accept the entity with or without the back quotes ksqlDB puts there. */
    char alt[600];
    size_t en = strlen(entity);
    if (en >= 2 && entity[0] == '`' && entity[en - 1] == '`')
      snprintf(alt, sizeof alt, "%s/%.*s/%s", type, (int)(en - 2), entity + 1, action);
    else
      snprintf(alt, sizeof alt, "%s/`%s`/%s", type, entity, action);
    st = json_object_get(s->commands, alt);
    if (st) {
      json_incref(st);
    } else {
      st = status_from_catalog(s, type, entity, action);
    }
    if (!st) {
      sl_buf_free(&id);
      sl_rest_send_error(req, SL_REST_NOT_FOUND, "Command not found");
      return 0;
    }
    sl_rest_send_json(req, 200, st, SL_MT_JSON);
    sl_buf_free(&id);
    return 0;
  }
  sl_buf_free(&id);
  if (!st) {
    sl_rest_send_error(req, SL_REST_NOT_FOUND, "Command not found");
    return 0;
  }
  sl_rest_send_json(req, 200, json_incref(st), SL_MT_JSON);
  return 0;
}

/* ---------------- /info, /healthcheck ---------------- */

int sl_rest_info(sl_server_t *s, h2o_req_t *req) {
  json_t *info = json_pack("{s:{s:s, s:s, s:s, s:s}}", "KsqlServerInfo", "version", s->version,
                           "kafkaClusterId", s->cluster_id, "ksqlServiceId", s->service_id,
                           "serverStatus", "RUNNING");
  static const char *const types[] = {SL_MT_JSON, SL_MT_KSQL, NULL};
  sl_rest_send_json(req, 200, info, sl_rest_negotiate(req, types));
  return 0;
}

int sl_rest_healthcheck(sl_server_t *s, h2o_req_t *req) {
  (void)s;
  /* The engine answers on this very thread, so reaching here means the
   * metastore and the command path are alive; Kafka problems show in the
   * queries' state (SHOW QUERIES), not here. */
  json_t *h =
      json_pack("{s:b, s:{s:{s:b}, s:{s:b}, s:{s:b}}}", "isHealthy", 1, "details", "metastore",
                "isHealthy", 1, "kafka", "isHealthy", 1, "commandRunner", "isHealthy", 1);
  sl_rest_send_json(req, 200, h, SL_MT_JSON);
  return 0;
}

/* ---------------- /close-query ---------------- */

int sl_rest_close_query(sl_server_t *s, h2o_req_t *req) {
  json_t *body = sl_rest_body_object(req);
  if (!body) return 0;
  const char *id = json_string_value(json_object_get(body, "queryId"));
  if (!id) {
    json_decref(body);
    sl_rest_send_error(req, SL_REST_BAD_REQUEST,
                       "Invalid JSON in request: \"queryId\" must be a string");
    return 0;
  }
  bool found = sl_rest_stream_close_id(s, id);
  if (!found && sl_engine_query_close_id(s->engine, id) == 0) found = true;
  if (!found) {
    sl_rest_send_error(req, SL_REST_BAD_REQUEST, "No query with id %s", id);
  } else {
    req->res.status = 200;
    req->res.reason = "OK";
    req->res.content_length = 0;
    h2o_send_inline(req, "", 0);
  }
  json_decref(body);
  return 0;
}
