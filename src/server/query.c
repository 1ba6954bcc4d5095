/*
 * query.c - the streaming endpoints: POST /query (ksqlDB's v1 framing, a
 * JSON array written element by element: header, rows, finalMessage) and
 * POST /query-stream (newline-delimited by default, a JSON array with
 * Accept: application/json, or the v1 framing with application/vnd.ksql.v1+json).
 *
 * A stream is one transient query. Its rows may be produced on a query worker
 * thread: the callbacks only append the row's JSON text to a mutex-guarded
 * buffer and wake the loop with uv_async_send. On the loop, rows are framed
 * and handed to h2o, one chunk in flight at a time (the next goes out when
 * h2o calls the generator's proceed), so a slow client makes rows queue up
 * here; past max_queued_bytes the query is stopped with an error rather than
 * letting memory grow without bound.
 *
 * A stream ends when the query ends by itself (LIMIT, a finished pull
 * query, a failure), on /close-query, on server stop, or when the client
 * goes away (h2o calls the generator's stop). In every case the query is
 * closed first (sl_tquery_close returns once no callback runs) and only then
 * are the uv handles closed and the stream freed, so a worker can never touch
 * freed memory. Over HTTP/1.1 h2o does not read the connection while it
 * writes a response, so a quiet push query would not notice a client that
 * left: a one-second timer polls the socket for a hang-up, and the v1
 * framing also writes a bare newline when it has nothing else to send, as
 * ksqlDB does (JSON ignores the whitespace).
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server_int.h"
#include "sluice/parser.h"

typedef enum { FMT_V1, FMT_JSON, FMT_DELIMITED } fmt_t;

struct rest_stream {
  h2o_generator_t gen; /* h2o calls proceed / stop through this */
  sl_server_t *server;
  h2o_req_t *req; /* NULL once the response is over (final sent or stopped) */
  rest_stream_t *prev, *next;
  fmt_t fmt;
  bool is_pull;
  char *query_id;
  sl_tquery_t *q;       /* NULL once closed */
  sl_session_t session; /* kept for the query's lifetime */
  uv_async_t async;     /* wakes the loop when rows arrive or the query ends */
  uv_timer_t keepalive; /* v1 framing: newline when quiet */
  int handles;          /* uv handles still open (the stream is freed at 0) */

  /* Shared with the query's thread, under mu. */
  pthread_mutex_t mu;
  sl_buf_t incoming;   /* row JSON texts, one per line */
  bool done;           /* the query ended by itself */
  sl_error_t done_err; /* its failure, code 0 if none */
  bool overflow;       /* the client fell too far behind */
  bool closing;        /* rows arriving now are dropped */

  /* Loop side. */
  sl_buf_t out;     /* framed bytes not yet handed to h2o (from out_off on) */
  size_t out_off;   /* bytes of out already handed over */
  bool line_frames; /* one line per h2o_send (see flush) */
  sl_buf_t sending; /* bytes h2o holds until it calls proceed */
  bool inflight;
  bool finished; /* the closing bytes are in out: next send is final */
  char *held;    /* v1 pull: last element, written with its separator later */
  int fd;        /* HTTP/1.x: the connection's socket, to notice a hang-up; else -1 */
  int64_t last_write_ms;
};

/* ---------------- framing ---------------- */

static void frame_element(rest_stream_t *st, const char *elem, size_t n) {
  switch (st->fmt) {
    case FMT_V1:
      if (st->is_pull) {
        /* Hold the last element back so the array can close without a
         * dangling comma (pull queries end without a final message). */
        if (st->held) {
          sl_buf_puts(&st->out, st->held);
          sl_buf_puts(&st->out, ",\n");
          free(st->held);
        }
        st->held = sl_xmalloc(n + 1);
        memcpy(st->held, elem, n);
        st->held[n] = 0;
      } else {
        sl_buf_append(&st->out, elem, n);
        sl_buf_puts(&st->out, ",\n");
      }
      break;
    case FMT_JSON:
      sl_buf_putc(&st->out, ',');
      sl_buf_append(&st->out, elem, n);
      break;
    case FMT_DELIMITED:
      sl_buf_append(&st->out, elem, n);
      sl_buf_putc(&st->out, '\n');
      break;
  }
}

static void frame_row(rest_stream_t *st, const char *row, size_t n) {
  if (st->fmt == FMT_V1) {
    sl_buf_t e;
    sl_buf_init(&e);
    sl_buf_puts(&e, "{\"row\":{\"columns\":");
    sl_buf_append(&e, row, n);
    sl_buf_puts(&e, "}}");
    frame_element(st, e.data, e.len);
    sl_buf_free(&e);
  } else {
    frame_element(st, row, n);
  }
}

static void frame_header(rest_stream_t *st, const sl_tquery_info_t *info) {
  json_t *names = json_object_get(info->schema, "columnNames");
  json_t *types = json_object_get(info->schema, "columnTypes");
  json_t *h;
  if (st->fmt == FMT_V1) {
    sl_buf_t schema;
    sl_buf_init(&schema);
    sl_rest_schema_string(info->schema, &schema);
    h = json_pack("{s:{s:s, s:s}}", "header", "queryId", info->query_id ? info->query_id : "",
                  "schema", schema.data ? schema.data : "");
    sl_buf_free(&schema);
  } else {
    h = json_pack("{s:s, s:O, s:O}", "queryId", info->query_id ? info->query_id : "", "columnNames",
                  names ? names : json_array(), "columnTypes", types ? types : json_array());
    if (!names) json_decref(json_object_get(h, "columnNames"));
    if (!types) json_decref(json_object_get(h, "columnTypes"));
  }
  char *text = json_dumps(h, JSON_COMPACT);
  json_decref(h);
  if (st->fmt == FMT_JSON) sl_buf_putc(&st->out, '[');
  if (st->fmt == FMT_V1) sl_buf_putc(&st->out, '[');
  if (st->fmt == FMT_JSON) {
    sl_buf_puts(&st->out, text);
  } else {
    frame_element(st, text, strlen(text));
  }
  free(text);
}

/* The closing bytes: a final message or an error, and the end of the array. */
static void frame_end(rest_stream_t *st, const sl_error_t *err, bool limit_reached) {
  char *errtext = NULL;
  if (err && err->code) {
    json_t *e =
        sl_rest_error(SL_REST_SERVER_ERROR, err->msg[0] ? err->msg : sl_strerror(err->code));
    if (st->fmt == FMT_V1) e = json_pack("{s:o}", "errorMessage", e);
    errtext = json_dumps(e, JSON_COMPACT);
    json_decref(e);
  }
  switch (st->fmt) {
    case FMT_V1:
      if (st->held) {
        sl_buf_puts(&st->out, st->held);
        free(st->held);
        st->held = NULL;
        if (errtext) sl_buf_puts(&st->out, ",\n");
      }
      if (errtext) {
        sl_buf_puts(&st->out, errtext);
      } else if (!st->is_pull) {
        sl_buf_puts(&st->out, limit_reached ? "{\"finalMessage\":\"Limit Reached\"}"
                                            : "{\"finalMessage\":\"Query Completed\"}");
      }
      sl_buf_puts(&st->out, "]\n");
      break;
    case FMT_JSON:
      if (errtext) {
        sl_buf_putc(&st->out, ',');
        sl_buf_puts(&st->out, errtext);
      }
      sl_buf_putc(&st->out, ']');
      break;
    case FMT_DELIMITED:
      if (errtext) {
        sl_buf_puts(&st->out, errtext);
        sl_buf_putc(&st->out, '\n');
      }
      break;
  }
  free(errtext);
  st->finished = true;
}

/* ---------------- lifecycle ---------------- */

static void on_handle_closed(uv_handle_t *h) {
  rest_stream_t *st = h->data;
  if (--st->handles > 0) return;
  st->server->open_handles--;
  sl_rest_schedule_trim(st->server);
  pthread_mutex_destroy(&st->mu);
  sl_buf_free(&st->incoming);
  sl_buf_free(&st->out);
  sl_buf_free(&st->sending);
  sl_session_free(&st->session);
  free(st->held);
  free(st->query_id);
  free(st);
}

static void close_query(rest_stream_t *st) {
  if (!st->q) return;
  pthread_mutex_lock(&st->mu);
  st->closing = true;
  pthread_mutex_unlock(&st->mu);
  sl_tquery_t *q = st->q;
  st->q = NULL;
  st->server->qops.close(st->server->qops.ctx, q);
}

/* Unlinks the stream and frees it once its handles have closed. The query
 * must be closed first: no callback may run after this. */
static void release(rest_stream_t *st) {
  close_query(st);
  sl_server_t *s = st->server;
  if (st->prev || s->streams == st) {
    if (st->prev)
      st->prev->next = st->next;
    else
      s->streams = st->next;
    if (st->next) st->next->prev = st->prev;
    st->prev = st->next = NULL;
    s->nstreams--;
  }
  st->req = NULL;
  uv_close((uv_handle_t *)&st->async, on_handle_closed);
  uv_close((uv_handle_t *)&st->keepalive, on_handle_closed);
}

/* How many of the waiting bytes go out in the next send: all of them, or
 * with line_frames just the first line. ksqlDB writes every row on its own,
 * so each one arrives in its own HTTP/2 DATA frame or HTTP/1.1 chunk, and
 * clients rely on it: ksqldb-client (node) runs JSON.parse on every DATA
 * frame of /query-stream, ksql-python yields every chunk as one row. h2o
 * packs the buffers of one send into one frame, so rows are sent one by one
 * (the next when h2o calls proceed), and rows that queue meanwhile wait in
 * out. */
static size_t next_send_len(const rest_stream_t *st) {
  size_t left = st->out.len - st->out_off;
  if (!st->line_frames || left == 0) return left;
  const char *p = st->out.data + st->out_off;
  const char *nl = memchr(p, '\n', left);
  return nl ? (size_t)(nl - p) + 1 : left;
}

/* Drops the first n waiting bytes of out. */
static void consume_out(rest_stream_t *st, size_t n) {
  st->out_off += n;
  if (st->out_off == st->out.len) {
    sl_buf_reset(&st->out);
    st->out_off = 0;
  } else if (st->out_off >= 65536 && st->out_off * 2 >= st->out.len) {
    /* Compact now and then, not per row: rows queued behind a slow client
     * would otherwise be moved once per row sent. */
    memmove(st->out.data, st->out.data + st->out_off, st->out.len - st->out_off);
    st->out.len -= st->out_off;
    st->out_off = 0;
  }
}

/* Hands framed bytes to h2o when it is ready for them. */
static void flush(rest_stream_t *st) {
  h2o_req_t *req = st->req;
  if (!req || st->inflight) return;
  size_t n = next_send_len(st);
  if (st->finished && n == st->out.len - st->out_off) {
    /* The last chunk must outlive this call: h2o calls no proceed after
     * it, so it goes in the request's pool, freed with the request. */
    h2o_iovec_t buf = h2o_strdup(&req->pool, n ? st->out.data + st->out_off : "", n);
    consume_out(st, n);
    st->req = NULL;
    close_query(st);
    h2o_send(req, &buf, buf.len ? 1 : 0, H2O_SEND_STATE_FINAL);
    release(st);
    return;
  }
  if (n == 0) return;
  sl_buf_reset(&st->sending);
  sl_buf_append(&st->sending, st->out.data + st->out_off, n);
  consume_out(st, n);
  st->inflight = true;
  st->last_write_ms = sl_now_ms();
  h2o_iovec_t buf = h2o_iovec_init(st->sending.data, st->sending.len);
  h2o_send(req, &buf, 1, H2O_SEND_STATE_IN_PROGRESS);
}

static void pump(rest_stream_t *st);

static void on_proceed(h2o_generator_t *g, h2o_req_t *req) {
  (void)req;
  rest_stream_t *st = (rest_stream_t *)g;
  st->inflight = false;
  pump(st);
}

static void on_stop(h2o_generator_t *g, h2o_req_t *req) {
  (void)req;
  rest_stream_t *st = (rest_stream_t *)g;
  /* The client went away (or the connection is being torn down). */
  st->req = NULL;
  release(st);
}

/* Framed bytes waiting for h2o past which rows are left in incoming: there
 * they count against max_queued, so a client that reads slower than the
 * query produces ends with the overflow error instead of growing out. */
#define OUT_LOW_WATER ((size_t)256 << 10)

/* Moves what the query's thread produced into the framed output, as far as
 * the client keeps up, and sends. */
static void pump(rest_stream_t *st) {
  if (!st->req || st->finished) {
    flush(st);
    return;
  }
  bool behind = st->out.len - st->out_off >= OUT_LOW_WATER;
  pthread_mutex_lock(&st->mu);
  bool done = st->done, overflow = st->overflow;
  if (behind && !overflow) {
    /* Leave the rows where they count against the limit. */
    pthread_mutex_unlock(&st->mu);
    flush(st);
    return;
  }
  sl_buf_t rows = st->incoming;
  sl_buf_init(&st->incoming);
  sl_error_t err = st->done_err;
  pthread_mutex_unlock(&st->mu);
  for (size_t i = 0; i < rows.len;) {
    char *nl = memchr(rows.data + i, '\n', rows.len - i);
    size_t n = nl ? (size_t)(nl - (rows.data + i)) : rows.len - i;
    frame_row(st, rows.data + i, n);
    i += n + 1;
  }
  sl_buf_free(&rows);
  if (overflow) {
    sl_error_t e;
    sl_error_clear(&e);
    sl_error_set(&e, SL_ERUNTIME, -1,
                 "The client is not reading results fast enough: more than %zu bytes were "
                 "waiting, so the query was stopped",
                 st->server->max_queued);
    close_query(st);
    frame_end(st, &e, false);
  } else if (done) {
    close_query(st);
    frame_end(st, &err, err.code == 0 && !st->is_pull);
  }
  flush(st);
}

static void on_async(uv_async_t *a) {
  pump(a->data);
}

/* True when the peer has closed its side: h2o does not read an HTTP/1.x
 * connection while a response is being written, so it would only find out
 * at the next write, which a quiet push query may never make. */
static bool peer_gone(int fd) {
  if (fd < 0) return false;
  struct pollfd p = {.fd = fd, .events = POLLRDHUP};
  return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

static void on_keepalive(uv_timer_t *t) {
  rest_stream_t *st = t->data;
  if (!st->req || st->finished) return;
  if (peer_gone(st->fd)) {
    /* End the response: h2o's write then fails and it drops the connection. */
    close_query(st);
    frame_end(st, NULL, false);
    flush(st);
    return;
  }
  if (st->fmt != FMT_V1 || st->inflight || st->out.len) return;
  if (sl_now_ms() - st->last_write_ms < 900) return;
  sl_buf_putc(&st->out, '\n');
  flush(st);
}

/* ---- callbacks from the query (any thread) ---- */

static int on_row(void *ctx, const json_t *row) {
  rest_stream_t *st = ctx;
  char *text = json_dumps(row, JSON_COMPACT | JSON_ENCODE_ANY);
  if (!text) return 0;
  size_t n = strlen(text);
  int stop = 0;
  pthread_mutex_lock(&st->mu);
  if (st->closing || st->overflow) {
    stop = 1;
  } else if (st->incoming.len + n > st->server->max_queued) {
    st->overflow = true;
    stop = 1;
  } else {
    sl_buf_append(&st->incoming, text, n);
    sl_buf_putc(&st->incoming, '\n');
  }
  bool wake = !st->closing;
  pthread_mutex_unlock(&st->mu);
  free(text);
  if (wake) uv_async_send(&st->async);
  return stop;
}

static void on_done(void *ctx, const sl_error_t *err) {
  rest_stream_t *st = ctx;
  pthread_mutex_lock(&st->mu);
  st->done = true;
  if (err && err->code) st->done_err = *err;
  bool wake = !st->closing;
  pthread_mutex_unlock(&st->mu);
  if (wake) uv_async_send(&st->async);
}

/* ---------------- the endpoints ---------------- */

/* Checks that sql is exactly one SELECT or PRINT; sends the 400 otherwise. */
static int check_query_text(h2o_req_t *req, const char *sql, sl_session_t *session) {
  sl_arena_t a;
  sl_arena_init(&a, 4096);
  const char *subst =
      sl_map_count(session->vars) ? sl_substitute_vars(sql, session->vars, &a) : sql;
  sl_list_t stmts = {0};
  sl_error_t err;
  sl_error_clear(&err);
  int rc = sl_parse(subst, &a, &stmts, &err);
  if (rc) {
    sl_buf_t msg;
    sl_buf_init(&msg);
    sl_rest_error_message(&err, subst, &msg);
    sl_rest_send_json(req, 400, sl_rest_statement_error(SL_REST_BAD_STATEMENT, msg.data, sql, NULL),
                      SL_MT_JSON);
    sl_buf_free(&msg);
  } else if (stmts.len != 1) {
    sl_rest_send_json(req, 400,
                      sl_rest_statement_error(SL_REST_BAD_STATEMENT,
                                              "Expected exactly one query statement", sql, NULL),
                      SL_MT_JSON);
    rc = -1;
  } else {
    const sl_stmt_t *st = stmts.items[0];
    if (st->kind != SL_ST_SELECT && st->kind != SL_ST_PRINT) {
      sl_rest_send_json(req, 400,
                        sl_rest_statement_error(SL_REST_BAD_STATEMENT,
                                                "Only SELECT and PRINT statements run as "
                                                "queries: send other statements to /ksql",
                                                sql, NULL),
                        SL_MT_JSON);
      rc = -1;
    }
  }
  sl_arena_free(&a);
  return rc;
}

static int start_stream(sl_server_t *s, h2o_req_t *req, fmt_t fmt, const char *content_type,
                        const char *sql_field) {
  json_t *body = sl_rest_body_object(req);
  if (!body) return 0;
  json_t *sqlv = json_object_get(body, sql_field);
  if (!sqlv) sqlv = json_object_get(body, strcmp(sql_field, "sql") ? "sql" : "ksql");
  if (!json_is_string(sqlv)) {
    json_decref(body);
    sl_rest_send_error(req, SL_REST_BAD_REQUEST,
                       "Invalid JSON in request: \"%s\" must be the text of a query", sql_field);
    return 0;
  }
  rest_stream_t *st = sl_xcalloc(1, sizeof *st);
  st->fd = -1;
  sl_session_init(&st->session);
  if (sl_rest_session_from(req, body, &st->session) ||
      check_query_text(req, json_string_value(sqlv), &st->session)) {
    sl_session_free(&st->session);
    free(st);
    json_decref(body);
    return 0;
  }
  if (s->nstreams >= s->max_queries) {
    sl_session_free(&st->session);
    free(st);
    json_decref(body);
    sl_rest_send_error(req, SL_REST_TOO_MANY_REQUESTS,
                       "Not executing the query as it would cause the number of active "
                       "transient queries to exceed the configured limit (%d). Close a "
                       "running query or raise ksql.max.push.queries.",
                       s->max_queries);
    return 0;
  }
  st->server = s;
  st->fmt = fmt;
  /* A JSON array is read whole; the line framings are read row by row. */
  st->line_frames = fmt != FMT_JSON;
  st->gen.proceed = on_proceed;
  st->gen.stop = on_stop;
  pthread_mutex_init(&st->mu, NULL);
  uv_async_init(s->loop, &st->async, on_async);
  uv_timer_init(s->loop, &st->keepalive);
  st->async.data = st->keepalive.data = st;
  st->handles = 2;
  s->open_handles++;
  st->next = s->streams;
  if (s->streams) s->streams->prev = st;
  s->streams = st;
  s->nstreams++;
  st->req = req;

  sl_tquery_info_t info = {0};
  sl_error_t err;
  sl_error_clear(&err);
  int rc = s->qops.start(s->qops.ctx, json_string_value(sqlv), &st->session, on_row, on_done, st,
                         &st->q, &info, &err);
  if (rc) {
    st->q = NULL;
    sl_buf_t msg;
    sl_buf_init(&msg);
    sl_rest_error_message(&err, json_string_value(sqlv), &msg);
    int status = err.code == SL_EIO || err.code == SL_EKAFKA || err.code == SL_ENOMEM ? 500 : 400;
    sl_rest_send_json(
        req, status,
        sl_rest_statement_error(status == 500 ? SL_REST_SERVER_ERROR : SL_REST_BAD_STATEMENT,
                                msg.data, json_string_value(sqlv), NULL),
        SL_MT_JSON);
    sl_buf_free(&msg);
    release(st);
    json_decref(body);
    return 0;
  }
  json_decref(body);
  st->query_id = sl_strdup(info.query_id ? info.query_id : "");
  st->is_pull = info.is_pull;
  frame_header(st, &info);
  req->res.status = 200;
  req->res.reason = "OK";
  h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, content_type,
                 strlen(content_type));
  h2o_start_response(req, &st->gen);
  st->fd = sl_rest_conn_fd(s, req);
  if (fmt == FMT_V1 || st->fd >= 0) uv_timer_start(&st->keepalive, on_keepalive, 1000, 1000);
  /* Rows (or the end) may already be waiting: pull queries can finish
   * inside start. */
  pump(st);
  return 0;
}

int sl_rest_query(sl_server_t *s, h2o_req_t *req) {
  static const char *const types[] = {SL_MT_JSON, SL_MT_KSQL, NULL};
  return start_stream(s, req, FMT_V1, sl_rest_negotiate(req, types), "ksql");
}

int sl_rest_query_stream(sl_server_t *s, h2o_req_t *req) {
  static const char *const types[] = {SL_MT_DELIMITED, SL_MT_JSON, SL_MT_KSQL, NULL};
  const char *ct = sl_rest_negotiate(req, types);
  fmt_t fmt = ct == types[0] ? FMT_DELIMITED : ct == types[1] ? FMT_JSON : FMT_V1;
  return start_stream(s, req, fmt, ct, "sql");
}

static void end_stream(rest_stream_t *st) {
  close_query(st);
  if (!st->finished) frame_end(st, NULL, false);
  flush(st);
}

bool sl_rest_stream_close_id(sl_server_t *s, const char *id) {
  for (rest_stream_t *st = s->streams; st; st = st->next) {
    if (st->query_id && !strcmp(st->query_id, id)) {
      end_stream(st);
      return true;
    }
  }
  return false;
}

void sl_rest_streams_stop_all(sl_server_t *s) {
  /* A stream whose chunk h2o still holds ends when h2o calls proceed (or
   * stop, as the connections close), so walk a copy of the list. */
  int n = s->nstreams, i = 0;
  rest_stream_t **all = sl_xcalloc((size_t)(n ? n : 1), sizeof *all);
  for (rest_stream_t *st = s->streams; st && i < n; st = st->next) all[i++] = st;
  for (int j = 0; j < i; j++) end_stream(all[j]);
  free(all);
}
