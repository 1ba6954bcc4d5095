/*
 * insert.c - POST /inserts-stream: the body is a JSON object naming the
 * target ({"target": "S", "properties": {...}}) followed by one JSON object
 * per row; every row is acknowledged in order with {"status":"ok","seq":n},
 * newline-delimited (or as one JSON array with Accept: application/json).
 * The first row that fails gets {"status":"error","seq":n,...} and ends the
 * stream, as in ksqlDB.
 *
 * Rows go through the engine as INSERT INTO ... VALUES statements built with
 * properly quoted literals, so they get exactly the checks and serialization
 * that statement gets. h2o 2.2 hands a handler the whole request body, so
 * the acknowledgements are written once the client has finished sending.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server_int.h"

static const char *skip_ws(const char *p, const char *end) {
  while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t' || *p == ',')) p++;
  return p;
}

/* Reads the next JSON value at *p (advancing it); NULL at the end or on a
 * syntax error (jerr->text set then). */
static json_t *next_value(const char **p, const char *end, json_error_t *jerr) {
  *p = skip_ws(*p, end);
  jerr->text[0] = 0;
  if (*p >= end) return NULL;
  json_t *v = json_loadb(*p, (size_t)(end - *p), JSON_DISABLE_EOF_CHECK, jerr);
  if (v) *p += jerr->position;
  return v;
}

static const sl_source_t *find_target(sl_engine_t *e, const char *name) {
  const sl_source_t *src = sl_engine_find_source(e, name);
  if (src) return src;
  char *up = sl_upper_inplace(sl_strdup(name));
  src = sl_engine_find_source(e, up);
  free(up);
  return src;
}

int sl_rest_inserts_stream(sl_server_t *s, h2o_req_t *req) {
  static const char *const types[] = {SL_MT_DELIMITED, SL_MT_JSON, NULL};
  const char *ct = sl_rest_negotiate(req, types);
  bool as_array = ct == types[1];
  const char *p = req->entity.base, *end = p + req->entity.len;
  json_error_t jerr;
  json_t *args = p ? next_value(&p, end, &jerr) : NULL;
  if (!json_is_object(args)) {
    json_decref(args);
    sl_rest_send_error(req, SL_REST_BAD_REQUEST,
                       "Invalid JSON in request: the body must start with an object such as "
                       "{\"target\": \"S\"}%s%s",
                       jerr.text[0] ? ": " : "", jerr.text);
    return 0;
  }
  const char *target = json_string_value(json_object_get(args, "target"));
  if (!target) {
    json_decref(args);
    sl_rest_send_error(req, SL_REST_BAD_REQUEST, "Invalid JSON in request: missing \"target\"");
    return 0;
  }
  if (s->headless) {
    json_decref(args);
    sl_rest_send_error(req, SL_REST_FORBIDDEN,
                       "The server is running in headless mode (it was started with a queries "
                       "file): inserts are not accepted over the REST API");
    return 0;
  }
  const sl_source_t *src = find_target(s->engine, target);
  if (!src) {
    sl_rest_send_error(req, SL_REST_BAD_REQUEST,
                       "Cannot insert values into an unknown stream/table: %s", target);
    json_decref(args);
    return 0;
  }
  sl_session_t session;
  sl_session_init(&session);
  if (sl_rest_session_from(req, args, &session)) {
    sl_session_free(&session);
    json_decref(args);
    return 0;
  }
  sl_buf_t out, sql;
  sl_buf_init(&out);
  sl_buf_init(&sql);
  if (as_array) sl_buf_putc(&out, '[');
  for (long seq = 0;; seq++) {
    json_t *row = next_value(&p, end, &jerr);
    if (!row && !jerr.text[0]) break;
    sl_error_t err;
    sl_error_clear(&err);
    int rc;
    if (!row) {
      rc = sl_error_set(&err, SL_EINVAL, -1, "Invalid JSON in row: %s", jerr.text);
    } else {
      sl_buf_reset(&sql);
      rc = sl_rest_insert_sql(src, row, &sql, &err);
      if (rc == 0) {
        sl_exec_result_t res = {0};
        rc = sl_engine_execute(s->engine, sql.data, &session, &res, &err);
        sl_exec_result_free(&res);
      }
    }
    json_decref(row);
    json_t *ack = rc == 0
                      ? json_pack("{s:s, s:I}", "status", "ok", "seq", (json_int_t)seq)
                      : json_pack("{s:s, s:I, s:i, s:s}", "status", "error", "seq", (json_int_t)seq,
                                  "error_code", SL_REST_BAD_REQUEST, "message", err.msg);
    char *text = json_dumps(ack, JSON_COMPACT);
    json_decref(ack);
    if (as_array && seq > 0) sl_buf_putc(&out, ',');
    sl_buf_puts(&out, text);
    if (!as_array) sl_buf_putc(&out, '\n');
    free(text);
    if (rc) break;
  }
  if (as_array) sl_buf_putc(&out, ']');
  req->res.status = 200;
  req->res.reason = "OK";
  req->res.content_length = out.len;
  h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, ct, strlen(ct));
  h2o_send_inline(req, out.data ? out.data : "", out.len);
  sl_buf_free(&out);
  sl_buf_free(&sql);
  sl_session_free(&session);
  json_decref(args);
  return 0;
}
