/*
 * test_server.c - unit tests for the REST server: the pure helpers (error
 * bodies, schema strings, SQL literals for /inserts-stream, listen
 * addresses, Basic credentials), and the whole HTTP path in process: a
 * server on its own loop thread over an engine with the in-memory driver,
 * talked to with plain sockets. Transient queries come from a fake row
 * source that produces rows on a thread of its own, so the worker-to-loop
 * plumbing, the three response framings, /close-query, client disconnects,
 * the query limit, authentication and the body limit are all exercised
 * without a broker.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <uv.h>

#include "sluice/ast.h"
#include "sluice/catalog.h"
#include "sluice/engine.h"
#include "sluice/memdriver.h"
#include "sluice/server.h"
#include "sluice/types.h"
#include "unit.h"

/* ---------------- pure helpers ---------------- */

static char *dump(json_t *j) {
  char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(j);
  return s;
}

SL_TEST(server_error_bodies) {
  char *s = dump(sl_rest_error(40400, "Command not found"));
  CHECK_STR(s,
            "{\"@type\":\"generic_error\",\"error_code\":40400,\"message\":\"Command not found\"}");
  free(s);
  json_t *ents = json_array();
  json_array_append_new(ents, json_pack("{s:s}", "@type", "streams"));
  s = dump(sl_rest_statement_error(40001, "bad", "SHOW X;", ents));
  CHECK_STR(s,
            "{\"@type\":\"statement_error\",\"entities\":[{\"@type\":\"streams\"}],"
            "\"error_code\":40001,\"message\":\"bad\",\"stackTrace\":[],"
            "\"statementText\":\"SHOW X;\"}");
  free(s);
  json_decref(ents);
  s = dump(sl_rest_statement_error(40002, "m", "SELECT 1;", NULL));
  CHECK(strstr(s, "\"entities\":[]") != NULL);
  free(s);
}

SL_TEST(server_error_message_has_line_and_column) {
  sl_error_t err;
  sl_error_clear(&err);
  sl_error_set(&err, SL_ESYNTAX, 20, "Syntax Error\nmissing ')' at 'WITH'");
  sl_buf_t b;
  sl_buf_init(&b);
  sl_rest_error_message(&err, "SHOW STREAMS;\nCREATE X (a", &b);
  CHECK_STR(b.data, "line 2:7: Syntax Error\nmissing ')' at 'WITH'");
  sl_buf_reset(&b);
  sl_error_clear(&err);
  sl_error_set(&err, SL_ENOTFOUND, -1, "Source X does not exist.");
  sl_rest_error_message(&err, "DROP STREAM X;", &b);
  CHECK_STR(b.data, "Source X does not exist.");
  sl_buf_free(&b);
}

SL_TEST(server_schema_string) {
  json_t *schema = json_pack("{s:[s,s], s:[s,s]}", "columnNames", "ID", "my`col", "columnTypes",
                             "INTEGER", "ARRAY<STRING>");
  sl_buf_t b;
  sl_buf_init(&b);
  sl_rest_schema_string(schema, &b);
  CHECK_STR(b.data, "`ID` INTEGER, `my``col` ARRAY<STRING>");
  sl_buf_free(&b);
  json_decref(schema);
}

static char *literal(const char *json, const sl_type_t *t) {
  json_t *v = json_loads(json, JSON_DECODE_ANY, NULL);
  sl_buf_t b;
  sl_buf_init(&b);
  sl_error_t err;
  sl_error_clear(&err);
  int rc = sl_rest_sql_literal(v, t, &b, &err);
  json_decref(v);
  if (rc) {
    sl_buf_free(&b);
    return sl_strdup(err.msg);
  }
  return sl_buf_steal(&b);
}

#define CHECK_LIT(json, type, want) \
  do {                              \
    char *_l = literal(json, type); \
    CHECK_STR(_l, want);            \
    free(_l);                       \
  } while (0)

SL_TEST(server_sql_literals) {
  CHECK_LIT("\"it's\"", &sl_type_string, "'it''s'");
  CHECK_LIT("12", &sl_type_bigint, "12");
  CHECK_LIT("12", &sl_type_double, "12.0");
  CHECK_LIT("0.1", &sl_type_double, "0.1");
  CHECK_LIT("1e300", NULL, "1e+300");
  CHECK_LIT("3", &sl_type_string, "'3'");
  CHECK_LIT("null", &sl_type_int, "NULL");
  CHECK_LIT("true", &sl_type_boolean, "TRUE");
  CHECK_LIT("1700000000000", &sl_type_timestamp, "FROM_UNIXTIME(1700000000000)");
  CHECK_LIT("\"AQI=\"", &sl_type_bytes, "TO_BYTES('AQI=', 'base64')");
  CHECK_LIT("true", &sl_type_int, "Cannot coerce a boolean to INTEGER");
  sl_arena_t a;
  sl_arena_init(&a, 1024);
  const sl_type_t *arr = sl_type_array(&a, &sl_type_string);
  CHECK_LIT("[\"a\", null]", arr, "ARRAY['a', NULL]");
  const sl_type_t *map = sl_type_map(&a, &sl_type_string, &sl_type_int);
  CHECK_LIT("{\"k'\": 1}", map, "MAP('k''' := 1)");
  sl_type_field_t fields[] = {{"A", &sl_type_int}, {"b", &sl_type_string}};
  const sl_type_t *st = sl_type_struct(&a, 2, fields);
  CHECK_LIT("{\"a\": 1, \"B\": \"x\"}", st, "STRUCT(`A` := 1, `b` := 'x')");
  CHECK_LIT("{\"c\": 1}", st, "Unknown field c in STRUCT value");
  sl_arena_free(&a);
}

SL_TEST(server_insert_sql) {
  sl_source_t *src = sl_source_new();
  src->name = "S";
  src->schema = sl_arena_alloc(&src->arena, sizeof(sl_schema_t));
  src->schema->ncols = 2;
  src->schema->cols = sl_arena_alloc(&src->arena, 2 * sizeof(sl_column_t));
  src->schema->cols[0] = (sl_column_t){.name = "ID", .type = &sl_type_int, .ns = SL_NS_KEY};
  src->schema->cols[1] = (sl_column_t){.name = "NAME", .type = &sl_type_string, .ns = SL_NS_VALUE};
  json_t *row = json_pack("{s:i, s:s}", "id", 1, "Name", "o'k");
  sl_buf_t b;
  sl_buf_init(&b);
  sl_error_t err;
  sl_error_clear(&err);
  CHECK_INT(sl_rest_insert_sql(src, row, &b, &err), 0);
  CHECK_STR(b.data, "INSERT INTO `S` (`ID`, `NAME`) VALUES (1, 'o''k');");
  json_decref(row);
  sl_buf_reset(&b);
  row = json_pack("{s:i}", "nope", 1);
  CHECK_INT(sl_rest_insert_sql(src, row, &b, &err), SL_EINVAL);
  CHECK_STR(err.msg, "Column name nope does not exist.");
  json_decref(row);
  sl_buf_free(&b);
  sl_source_free(src);
}

SL_TEST(server_listener_addresses) {
  char host[64];
  int port;
  bool tls;
  sl_error_t err;
  sl_error_clear(&err);
  CHECK_INT(sl_rest_parse_listener("http://0.0.0.0:8088", host, sizeof host, &port, &tls, &err), 0);
  CHECK_STR(host, "0.0.0.0");
  CHECK_INT(port, 8088);
  CHECK(!tls);
  CHECK_INT(sl_rest_parse_listener("https://[::1]:8443/", host, sizeof host, &port, &tls, &err), 0);
  CHECK_STR(host, "::1");
  CHECK_INT(port, 8443);
  CHECK(tls);
  CHECK_INT(sl_rest_parse_listener(":9000", host, sizeof host, &port, &tls, &err), 0);
  CHECK_STR(host, "0.0.0.0");
  CHECK_INT(port, 9000);
  CHECK_INT(sl_rest_parse_listener("localhost", host, sizeof host, &port, &tls, &err), 0);
  CHECK_INT(port, 8088);
  CHECK_INT(sl_rest_parse_listener("ws://x:1", host, sizeof host, &port, &tls, &err), SL_EINVAL);
  sl_error_clear(&err);
  CHECK_INT(sl_rest_parse_listener("h:99999", host, sizeof host, &port, &tls, &err), SL_EINVAL);
}

SL_TEST(server_basic_credentials) {
  sl_rest_users_t *u = NULL;
  sl_error_t err;
  sl_error_clear(&err);
  CHECK_INT(sl_rest_users_parse("# users\nalice:secret\n bob : p:w \n", &u, &err), 0);
  const char *ok = "Basic YWxpY2U6c2VjcmV0"; /* alice:secret */
  CHECK(sl_rest_users_check(u, ok, strlen(ok)));
  const char *bob = "basic Ym9iOiBwOncg"; /* "bob: p:w ": blanks around it are not part of it */
  CHECK(!sl_rest_users_check(u, bob, strlen(bob)));
  const char *bob2 = "Basic Ym9iOnA6dw=="; /* "bob:p:w" */
  CHECK(sl_rest_users_check(u, bob2, strlen(bob2)));
  const char *bad = "Basic YWxpY2U6c2VjcmVU"; /* alice:secreT */
  CHECK(!sl_rest_users_check(u, bad, strlen(bad)));
  CHECK(!sl_rest_users_check(u, "Bearer x", 8));
  CHECK(!sl_rest_users_check(u, "Basic !!!", 9));
  sl_rest_users_free(u);
  u = NULL;
  CHECK_INT(sl_rest_users_parse("nocolon\n", &u, &err), SL_EINVAL);
  CHECK(u == NULL);
}

SL_TEST(server_headless_kinds) {
  CHECK(sl_rest_stmt_is_readonly(SL_ST_SHOW));
  CHECK(sl_rest_stmt_is_readonly(SL_ST_DESCRIBE));
  CHECK(sl_rest_stmt_is_readonly(SL_ST_SET));
  CHECK(!sl_rest_stmt_is_readonly(SL_ST_CREATE_SOURCE));
  CHECK(!sl_rest_stmt_is_readonly(SL_ST_INSERT_VALUES));
  CHECK(!sl_rest_stmt_is_readonly(SL_ST_TERMINATE));
}

/* ---------------- a fake row source ---------------- */

struct sl_tquery {
  pthread_t thread;
  sl_row_fn on_row;
  sl_done_fn on_done;
  void *ctx;
  int limit; /* rows before done; < 0: endless */
  atomic_int stop;
  json_t *schema;
  char id[32];
  const char *big; /* "BIG" in the SQL: rows of 1000 bytes, 5 MB/s */
};

static char big_text[1001];

typedef struct fake {
  atomic_int started, closed;
  int fail_next; /* start fails with this code once */
} fake_t;

static void *fake_run(void *arg) {
  sl_tquery_t *q = arg;
  for (int i = 0; q->limit < 0 || i < q->limit; i++) {
    if (atomic_load(&q->stop)) return NULL;
    json_t *row = q->big ? json_pack("[i, s]", i, q->big) : json_pack("[i, s]", i, "row");
    int stop = q->on_row(q->ctx, row);
    json_decref(row);
    if (stop) return NULL;
    if (q->limit < 0) usleep(q->big ? 200 : 2000);
  }
  q->on_done(q->ctx, NULL);
  return NULL;
}

static int fake_start(void *ctx, const char *sql, sl_session_t *session, sl_row_fn on_row,
                      sl_done_fn on_done, void *cb_ctx, sl_tquery_t **out, sl_tquery_info_t *info,
                      sl_error_t *err) {
  (void)session;
  fake_t *f = ctx;
  if (f->fail_next) {
    int code = f->fail_next;
    f->fail_next = 0;
    return sl_error_set(err, code, 14, "Source NOPE does not exist.");
  }
  sl_tquery_t *q = sl_xcalloc(1, sizeof *q);
  q->on_row = on_row;
  q->on_done = on_done;
  q->ctx = cb_ctx;
  const char *lim = strstr(sql, "LIMIT ");
  q->limit = lim ? atoi(lim + 6) : -1;
  if (strstr(sql, "BIG")) {
    memset(big_text, 'x', sizeof big_text - 1);
    q->big = big_text;
  }
  q->schema =
      json_pack("{s:[s,s], s:[s,s]}", "columnNames", "N", "S", "columnTypes", "INTEGER", "STRING");
  snprintf(q->id, sizeof q->id, "transient_%d", atomic_fetch_add(&f->started, 1));
  info->query_id = q->id;
  info->schema = q->schema;
  info->is_pull = strstr(sql, "EMIT CHANGES") == NULL;
  pthread_create(&q->thread, NULL, fake_run, q);
  *out = q;
  return 0;
}

static void fake_close(void *ctx, sl_tquery_t *q) {
  fake_t *f = ctx;
  atomic_store(&q->stop, 1);
  pthread_join(q->thread, NULL);
  json_decref(q->schema);
  free(q);
  atomic_fetch_add(&f->closed, 1);
}

/* ---------------- an in-process server ---------------- */

typedef struct harness {
  uv_loop_t loop;
  uv_async_t stop;
  uv_timer_t poll;
  uv_thread_t thread;
  sl_server_t *server;
  sl_memdriver_t *md;
  sl_engine_t *engine;
  fake_t fake;
  sl_server_query_ops_t ops;
  int port;
  char users_path[64];
} harness_t;

/* max_queued_bytes of the next server h_start makes (0: the default). */
static size_t h_max_queued;

static void h_poll(uv_timer_t *t) {
  harness_t *h = t->data;
  if (sl_server_idle(h->server)) {
    uv_timer_stop(t);
    uv_stop(&h->loop);
  }
}

static void h_stop(uv_async_t *a) {
  harness_t *h = a->data;
  sl_server_stop(h->server);
  uv_timer_start(&h->poll, h_poll, 1, 5);
}

typedef void (*client_fn)(harness_t *h);

typedef struct client_run {
  harness_t *h;
  client_fn fn;
} client_run_t;

static void h_client(void *arg) {
  client_run_t *c = arg;
  c->fn(c->h);
  uv_async_send(&c->h->stop);
}

static void h_noop_close(uv_handle_t *x) {
  (void)x;
}

static int h_start(harness_t *h, int max_queries, size_t max_body, const char *users,
                   bool headless) {
  memset(h, 0, sizeof *h);
  h->md = sl_memdriver_new();
  sl_engine_config_t ecfg = {.driver = sl_memdriver_driver(h->md), .start_queries = true};
  sl_error_t err;
  sl_error_clear(&err);
  if (sl_engine_open(&ecfg, &h->engine, &err)) return -1;
  h->ops = (sl_server_query_ops_t){fake_start, fake_close, &h->fake};
  uv_loop_init(&h->loop);
  sl_server_config_t cfg = {.engine = h->engine,
                            .listen = "http://127.0.0.1:0",
                            .max_queries = max_queries,
                            .max_body_bytes = max_body,
                            .headless = headless,
                            .max_queued_bytes = h_max_queued,
                            .query_ops = &h->ops};
  if (users) {
    snprintf(h->users_path, sizeof h->users_path, "/tmp/sluice-users-%d", (int)getpid());
    FILE *f = fopen(h->users_path, "w");
    fputs(users, f);
    fclose(f);
    cfg.users_file = h->users_path;
  }
  int rc = sl_server_start(&h->loop, &cfg, &h->server, &err);
  if (users) unlink(h->users_path);
  if (rc) return rc;
  h->port = sl_server_port(h->server);
  uv_async_init(&h->loop, &h->stop, h_stop);
  uv_timer_init(&h->loop, &h->poll);
  h->stop.data = h->poll.data = h;
  return 0;
}

/* Runs fn on a client thread while this thread runs the server's loop (so
 * h2o's per-thread buffer caches stay with the thread that lives on), then
 * stops the server and frees everything. */
static void h_finish(harness_t *h, client_fn fn) {
  client_run_t c = {h, fn};
  uv_thread_create(&h->thread, h_client, &c);
  uv_run(&h->loop, UV_RUN_DEFAULT);
  uv_thread_join(&h->thread);
  uv_close((uv_handle_t *)&h->stop, h_noop_close);
  uv_close((uv_handle_t *)&h->poll, h_noop_close);
  sl_server_free(h->server);
  uv_run(&h->loop, UV_RUN_NOWAIT);
  CHECK_INT(uv_loop_close(&h->loop), 0);
  sl_memdriver_stop_all(h->md);
  sl_engine_close(h->engine);
  sl_memdriver_free(h->md);
}

/* ---------------- a tiny HTTP/1.1 client ---------------- */

static int h_connect(harness_t *h) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)h->port)};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  struct timeval tv = {10, 0}; /* a hung server fails the test instead of the run */
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static void h_send(int fd, const char *method, const char *path, const char *headers,
                   const char *body) {
  char head[1024];
  size_t n = body ? strlen(body) : 0;
  snprintf(head, sizeof head,
           "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%sContent-Length: %zu\r\n\r\n",
           method, path, headers ? headers : "", n);
  if (write(fd, head, strlen(head)) < 0) return;
  if (n && write(fd, body, n) < 0) return;
}

/* Reads until EOF (or until `until` appears, when given). */
static char *h_read(int fd, const char *until) {
  sl_buf_t b;
  sl_buf_init(&b);
  char tmp[4096];
  for (;;) {
    ssize_t r = read(fd, tmp, sizeof tmp);
    if (r <= 0) break;
    sl_buf_append(&b, tmp, (size_t)r);
    if (until && strstr(b.data, until)) break;
  }
  if (!b.data) sl_buf_puts(&b, "");
  return sl_buf_steal(&b);
}

/* Removes HTTP/1.1 chunk framing from a body. */
static char *dechunk(const char *body) {
  sl_buf_t b;
  sl_buf_init(&b);
  const char *p = body;
  for (;;) {
    long n = strtol(p, (char **)&p, 16);
    if (n <= 0) break;
    p = strstr(p, "\r\n");
    if (!p) break;
    p += 2;
    sl_buf_append(&b, p, (size_t)n);
    p += n + 2;
  }
  if (!b.data) sl_buf_puts(&b, "");
  return sl_buf_steal(&b);
}

typedef struct response {
  int status;
  char *raw;
  char *body;
} response_t;

static response_t h_request(harness_t *h, const char *method, const char *path, const char *headers,
                            const char *body) {
  response_t r = {0};
  int fd = h_connect(h);
  if (fd < 0) {
    r.raw = sl_strdup("");
    r.body = sl_strdup("");
    return r;
  }
  h_send(fd, method, path, headers, body);
  r.raw = h_read(fd, NULL);
  close(fd);
  sscanf(r.raw, "HTTP/1.1 %d", &r.status);
  const char *b = strstr(r.raw, "\r\n\r\n");
  b = b ? b + 4 : "";
  r.body = strcasestr(r.raw, "transfer-encoding: chunked") ? dechunk(b) : sl_strdup(b);
  return r;
}

static void response_free(response_t *r) {
  free(r->raw);
  free(r->body);
}

/* ---------------- the HTTP path ---------------- */

static void server_http_info_ksql_and_errors_client(harness_t *h) {
  response_t r = h_request(h, "GET", "/info", NULL, NULL);
  CHECK_INT(r.status, 200);
  CHECK(strstr(r.body, "\"KsqlServerInfo\"") && strstr(r.body, "\"serverStatus\":\"RUNNING\""));
  response_free(&r);

  r = h_request(h, "POST", "/ksql", "Accept: application/vnd.ksql.v1+json\r\n",
                "{\"ksql\":\"CREATE STREAM s (id INT KEY, v STRING) WITH (kafka_topic='t', "
                "value_format='json', partitions=1); SHOW STREAMS;\",\"streamsProperties\":{}}");
  CHECK_INT(r.status, 200);
  CHECK(strcasestr(r.raw, "content-type: application/vnd.ksql.v1+json") != NULL);
  json_t *j = json_loads(r.body, 0, NULL);
  CHECK_INT(json_array_size(j), 2);
  CHECK_STR(json_string_value(json_object_get(json_array_get(j, 0), "@type")), "currentStatus");
  CHECK_STR(json_string_value(json_object_get(json_array_get(j, 1), "@type")), "streams");
  json_decref(j);
  response_free(&r);

  /* A failing second statement: the first ran and shows in entities. */
  r = h_request(h, "POST", "/ksql", NULL, "{\"ksql\":\"SHOW STREAMS;\\nDROP STREAM nope;\"}");
  CHECK_INT(r.status, 400);
  j = json_loads(r.body, 0, NULL);
  CHECK_STR(json_string_value(json_object_get(j, "@type")), "statement_error");
  CHECK_INT(json_integer_value(json_object_get(j, "error_code")), 40001);
  CHECK_STR(json_string_value(json_object_get(j, "statementText")), "DROP STREAM nope;");
  CHECK(strncmp(json_string_value(json_object_get(j, "message")), "line 2:", 7) == 0);
  CHECK_INT(json_array_size(json_object_get(j, "entities")), 1);
  CHECK(json_is_array(json_object_get(j, "stackTrace")));
  json_decref(j);
  response_free(&r);

  /* A syntax error anywhere runs nothing. */
  r = h_request(h, "POST", "/ksql", NULL,
                "{\"ksql\":\"CREATE STREAM s2 (id INT) WITH (kafka_topic='t2', "
                "value_format='json', partitions=1); SHOW STREAMZ;\"}");
  CHECK_INT(r.status, 400);
  CHECK(strstr(r.body, "\"line 1:") != NULL);
  CHECK(sl_engine_find_source(h->engine, "S2") == NULL);
  response_free(&r);

  r = h_request(h, "POST", "/ksql", NULL, "{\"ksql\":\"SELECT * FROM s EMIT CHANGES;\"}");
  CHECK_INT(r.status, 400);
  CHECK(strstr(r.body, "\"error_code\":40002") != NULL);
  response_free(&r);

  static const char *const bad[] = {"{\"ksql\":", "[1,2]", "{\"ksql\":5}", "",
                                    "{\"ksql\":\"SHOW STREAMS;\",\"streamsProperties\":[]}"};
  for (size_t i = 0; i < SL_ARRAY_LEN(bad); i++) {
    r = h_request(h, "POST", "/ksql", NULL, bad[i]);
    CHECK_INT(r.status, 400);
    CHECK(strstr(r.body, "\"error_code\":40000") != NULL);
    response_free(&r);
  }
  r = h_request(h, "GET", "/ksql", NULL, NULL);
  CHECK_INT(r.status, 405);
  response_free(&r);
  r = h_request(h, "GET", "/nowhere", NULL, NULL);
  CHECK_INT(r.status, 404);
  CHECK(strstr(r.body, "\"error_code\":40400") != NULL);
  response_free(&r);

  r = h_request(h, "GET", "/status/stream/S/create", NULL, NULL);
  CHECK_INT(r.status, 200);
  CHECK(strstr(r.body, "\"status\":\"SUCCESS\"") != NULL);
  response_free(&r);
  r = h_request(h, "GET", "/status/stream/NOPE/create", NULL, NULL);
  CHECK_INT(r.status, 404);
  response_free(&r);

  r = h_request(h, "POST", "/inserts-stream", NULL,
                "{\"target\":\"s\"}\n{\"id\":1,\"v\":\"a\"}\n{\"ID\":2}\n{\"zz\":3}\n{\"id\":4}");
  CHECK_INT(r.status, 200);
  CHECK_STR(r.body,
            "{\"status\":\"ok\",\"seq\":0}\n{\"status\":\"ok\",\"seq\":1}\n"
            "{\"status\":\"error\",\"seq\":2,\"error_code\":40000,\"message\":"
            "\"Column name zz does not exist.\"}\n");
  response_free(&r);
  CHECK_INT(sl_memdriver_record_count(h->md, "t"), 2);
  r = h_request(h, "POST", "/inserts-stream", NULL, "{\"target\":\"nope\"}\n{\"id\":1}");
  CHECK_INT(r.status, 400);
  CHECK(strstr(r.body, "unknown stream/table: nope") != NULL);
  response_free(&r);
}

SL_TEST(server_http_info_ksql_and_errors) {
  harness_t h;
  if (h_start(&h, 0, 0, NULL, false)) {
    CHECK(!"server did not start");
    return;
  }
  h_finish(&h, server_http_info_ksql_and_errors_client);
}

static void server_http_query_stream_framings_client(harness_t *h) {
  /* Delimited (the default): a header line, then one array per row. */
  response_t r = h_request(h, "POST", "/query-stream", NULL,
                           "{\"sql\":\"SELECT * FROM s EMIT CHANGES LIMIT 3;\"}");
  CHECK_INT(r.status, 200);
  CHECK(strcasestr(r.raw, "content-type: application/vnd.ksqlapi.delimited.v1") != NULL);
  CHECK_STR(r.body,
            "{\"queryId\":\"transient_0\",\"columnNames\":[\"N\",\"S\"],"
            "\"columnTypes\":[\"INTEGER\",\"STRING\"]}\n[0,\"row\"]\n[1,\"row\"]\n"
            "[2,\"row\"]\n");
  response_free(&r);

  /* application/json: one array. */
  r = h_request(h, "POST", "/query-stream", "Accept: application/json\r\n",
                "{\"sql\":\"SELECT * FROM s EMIT CHANGES LIMIT 2;\"}");
  json_t *j = json_loads(r.body, 0, NULL);
  CHECK(json_is_array(j));
  CHECK_INT(json_array_size(j), 3);
  CHECK_STR(json_string_value(json_object_get(json_array_get(j, 0), "queryId")), "transient_1");
  json_decref(j);
  response_free(&r);

  /* /query: ksqlDB's v1 framing, element per line, final message. */
  r = h_request(h, "POST", "/query", NULL, "{\"ksql\":\"SELECT * FROM s EMIT CHANGES LIMIT 2;\"}");
  CHECK_STR(r.body,
            "[{\"header\":{\"queryId\":\"transient_2\",\"schema\":\"`N` INTEGER, `S` "
            "STRING\"}},\n{\"row\":{\"columns\":[0,\"row\"]}},\n{\"row\":{\"columns\":"
            "[1,\"row\"]}},\n{\"finalMessage\":\"Limit Reached\"}]\n");
  j = json_loads(r.body, 0, NULL);
  CHECK(json_is_array(j));
  json_decref(j);
  response_free(&r);

  /* A pull query in v1 framing ends the array without a final message. */
  r = h_request(h, "POST", "/query", NULL, "{\"ksql\":\"SELECT * FROM s LIMIT 1;\"}");
  CHECK_STR(r.body,
            "[{\"header\":{\"queryId\":\"transient_3\",\"schema\":\"`N` INTEGER, `S` "
            "STRING\"}},\n{\"row\":{\"columns\":[0,\"row\"]}}]\n");
  response_free(&r);

  /* A query the engine refuses: 400 statement_error with the position. */
  h->fake.fail_next = SL_ENOTFOUND;
  r = h_request(h, "POST", "/query-stream", NULL, "{\"sql\":\"SELECT * FROM nope;\"}");
  CHECK_INT(r.status, 400);
  CHECK(strstr(r.body, "\"message\":\"line 1:15: Source NOPE does not exist.\"") != NULL);
  response_free(&r);
  r = h_request(h, "POST", "/query-stream", NULL, "{\"sql\":\"SHOW STREAMS;\"}");
  CHECK_INT(r.status, 400);
  response_free(&r);
  CHECK_INT(atomic_load(&h->fake.closed), 4);
}

SL_TEST(server_http_query_stream_framings) {
  harness_t h;
  if (h_start(&h, 0, 0, NULL, false)) {
    CHECK(!"server did not start");
    return;
  }
  h_finish(&h, server_http_query_stream_framings_client);
}

static void server_http_close_query_disconnect_and_limit_client(harness_t *h) {
  /* Two endless push queries: the limit is 2, so a third gets a 429. */
  int a = h_connect(h), b = h_connect(h);
  h_send(a, "POST", "/query-stream", NULL, "{\"sql\":\"SELECT * FROM s EMIT CHANGES;\"}");
  char *got = h_read(a, "[3,\"row\"]");
  CHECK(strstr(got, "\"queryId\":\"transient_0\"") != NULL);
  free(got);
  h_send(b, "POST", "/query", NULL, "{\"ksql\":\"SELECT * FROM s EMIT CHANGES;\"}");
  got = h_read(b, "[2,\"row\"]");
  CHECK(strstr(got, "\"queryId\":\"transient_1\"") != NULL);
  free(got);
  response_t r =
      h_request(h, "POST", "/query-stream", NULL, "{\"sql\":\"SELECT * FROM s EMIT CHANGES;\"}");
  CHECK_INT(r.status, 429);
  CHECK(strstr(r.body, "\"error_code\":42900") != NULL);
  response_free(&r);

  /* /close-query ends the first stream: its response completes. */
  r = h_request(h, "POST", "/close-query", NULL, "{\"queryId\":\"transient_0\"}");
  CHECK_INT(r.status, 200);
  response_free(&r);
  got = h_read(a, NULL);
  CHECK(strstr(got, "\r\n0\r\n\r\n") != NULL); /* the last chunk */
  free(got);
  close(a);
  r = h_request(h, "POST", "/close-query", NULL, "{\"queryId\":\"transient_0\"}");
  CHECK_INT(r.status, 400);
  response_free(&r);

  /* A client that goes away: the next row written fails and the query is
   * closed; the keepalive newline of the v1 framing makes sure of that. */
  close(b);
  for (int i = 0; i < 500 && atomic_load(&h->fake.closed) < 2; i++) usleep(10000);
  CHECK_INT(atomic_load(&h->fake.closed), 2);

  /* The delimited framing writes nothing while quiet: the hang-up is seen
   * on the socket itself. */
  int c = h_connect(h);
  h_send(c, "POST", "/query-stream", NULL, "{\"sql\":\"SELECT * FROM s EMIT CHANGES;\"}");
  got = h_read(c, "[1,\"row\"]");
  free(got);
  close(c);
  for (int i = 0; i < 500 && atomic_load(&h->fake.closed) < 3; i++) usleep(10000);
  CHECK_INT(atomic_load(&h->fake.closed), 3);
}

SL_TEST(server_http_close_query_disconnect_and_limit) {
  harness_t h;
  if (h_start(&h, 2, 0, NULL, false)) {
    CHECK(!"server did not start");
    return;
  }
  h_finish(&h, server_http_close_query_disconnect_and_limit_client);
}

static void server_http_auth_body_limit_and_headless_client(harness_t *h) {
  response_t r = h_request(h, "GET", "/info", NULL, NULL);
  CHECK_INT(r.status, 401);
  CHECK(strstr(r.body, "\"error_code\":40100") != NULL);
  CHECK(strcasestr(r.raw, "www-authenticate: Basic") != NULL);
  response_free(&r);
  r = h_request(h, "GET", "/info", "Authorization: Basic YWxpY2U6d3Jvbmc=\r\n", NULL);
  CHECK_INT(r.status, 401);
  response_free(&r);
  r = h_request(h, "GET", "/healthcheck", NULL, NULL); /* open by default */
  CHECK_INT(r.status, 200);
  response_free(&r);
  const char *auth = "Authorization: Basic YWxpY2U6c2VjcmV0\r\n";
  r = h_request(h, "GET", "/info", auth, NULL);
  CHECK_INT(r.status, 200);
  response_free(&r);

  /* Over the 64-byte limit: a JSON 413. */
  char big[200];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = 0;
  r = h_request(h, "POST", "/ksql", auth, big);
  CHECK_INT(r.status, 413);
  CHECK(strstr(r.body, "\"error_code\":41300") != NULL);
  response_free(&r);
  /* Far over it (h2o's own limit): still JSON. */
  char *huge = sl_xmalloc(4096);
  memset(huge, 'x', 4095);
  huge[4095] = 0;
  r = h_request(h, "POST", "/ksql", auth, huge);
  CHECK_INT(r.status, 413);
  CHECK(strstr(r.body, "\"error_code\":41300") != NULL);
  response_free(&r);
  free(huge);

  /* Headless: reading is fine, changing state is refused. */
  r = h_request(h, "POST", "/ksql", auth, "{\"ksql\":\"SHOW STREAMS;\"}");
  CHECK_INT(r.status, 200);
  response_free(&r);
  r = h_request(h, "POST", "/ksql", auth, "{\"ksql\":\"CREATE TYPE t AS INT;\"}");
  CHECK_INT(r.status, 403);
  CHECK(strstr(r.body, "headless") != NULL);
  response_free(&r);
}

SL_TEST(server_http_auth_body_limit_and_headless) {
  harness_t h;
  if (h_start(&h, 0, 64, "alice:secret\n", true)) {
    CHECK(!"server did not start");
    return;
  }
  h_finish(&h, server_http_auth_body_limit_and_headless_client);
}

static void server_http_line_per_chunk_and_absolute_target_client(harness_t *h) {
  /* Rows produced faster than they are sent still go out one per chunk
   * (one per DATA frame over HTTP/2): ksqlDB's clients parse each chunk or
   * frame as one row. */
  static const struct {
    const char *path, *body;
  } cases[] = {
      {"/query-stream", "{\"sql\":\"SELECT * FROM s EMIT CHANGES LIMIT 200;\"}"},
      {"/query", "{\"ksql\":\"SELECT * FROM s EMIT CHANGES LIMIT 200;\"}"},
  };
  for (size_t c = 0; c < SL_ARRAY_LEN(cases); c++) {
    response_t r = h_request(h, "POST", cases[c].path, NULL, cases[c].body);
    CHECK_INT(r.status, 200);
    const char *p = strstr(r.raw, "\r\n\r\n");
    p = p ? p + 4 : "";
    int chunks = 0, bad = 0;
    for (;;) {
      long n = strtol(p, (char **)&p, 16);
      if (n <= 0) break;
      p = strstr(p, "\r\n");
      if (!p) break;
      p += 2;
      const char *nl = memchr(p, '\n', (size_t)n);
      if (!nl || nl != p + n - 1) bad++;
      chunks++;
      p += n + 2;
    }
    CHECK_INT(bad, 0);
    CHECK_INT(chunks, 201 + (c == 1)); /* header, rows (, the final message) */
    response_free(&r);
  }

  /* The absolute form of a request target names the same endpoint. */
  response_t r = h_request(h, "GET", "http://127.0.0.1:8088/info", NULL, NULL);
  CHECK_INT(r.status, 200);
  CHECK(strstr(r.body, "\"KsqlServerInfo\"") != NULL);
  response_free(&r);
  r = h_request(h, "POST", "HTTP://localhost/ksql", NULL, "{\"ksql\":\"SHOW STREAMS;\"}");
  CHECK_INT(r.status, 200);
  response_free(&r);
  r = h_request(h, "GET", "http://localhost", NULL, NULL);
  CHECK_INT(r.status, 404);
  response_free(&r);
}

SL_TEST(server_http_line_per_chunk_and_absolute_target) {
  harness_t h;
  if (h_start(&h, 0, 0, NULL, false)) {
    CHECK(!"server did not start");
    return;
  }
  h_finish(&h, server_http_line_per_chunk_and_absolute_target_client);
}

static void server_http_slow_reader_stops_query_client(harness_t *h) {
  /* A client that never reads, over a query producing as fast as it can:
   * once the socket buffers are full, rows wait in the server, and past
   * max_queued_bytes the query is stopped instead of memory growing. */
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int small = 4096;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)h->port)};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK_INT(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
  h_send(fd, "POST", "/query-stream", NULL, "{\"sql\":\"SELECT * FROM BIG EMIT CHANGES;\"}");
  for (int i = 0; i < 1000 && atomic_load(&h->fake.closed) < 1; i++) usleep(10000);
  CHECK_INT(atomic_load(&h->fake.closed), 1);
  close(fd);
}

SL_TEST(server_http_slow_reader_stops_query) {
  harness_t h;
  h_max_queued = 256 << 10;
  int rc = h_start(&h, 0, 0, NULL, false);
  h_max_queued = 0;
  if (rc) {
    CHECK(!"server did not start");
    return;
  }
  h_finish(&h, server_http_slow_reader_stops_query_client);
}
