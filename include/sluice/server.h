/*
 * server.h - the REST API of `sluice serve`, in ksqlDB's dialect: /ksql,
 * /query, /query-stream, /inserts-stream, /close-query, /info, /healthcheck
 * and /status, over HTTP/1.1 and HTTP/2 (cleartext with prior knowledge, or
 * TLS with ALPN) on the caller's libuv loop. The protocols are h2o's; this
 * module routes requests, checks credentials and limits, and shapes every
 * answer (errors included) as ksqlDB does so its clients work unchanged.
 *
 * Everything runs on the loop's thread, including every engine call; rows of
 * transient queries may be produced on worker threads and are handed to the
 * loop through a uv_async_t. The pure helpers at the bottom (error bodies,
 * schema strings, SQL literals, credentials) are exposed for unit tests.
 */
#ifndef SLUICE_SERVER_H
#define SLUICE_SERVER_H

#include "sluice/engine.h"

struct json_t;
struct uv_loop_s;

typedef struct sl_server sl_server_t;

/* The transient-query backend: the engine's functions by default; unit tests
 * plug in a fake row source to exercise the streaming plumbing. */
typedef struct sl_server_query_ops {
  int (*start)(void *ctx, const char *sql, sl_session_t *session, sl_row_fn on_row,
               sl_done_fn on_done, void *cb_ctx, sl_tquery_t **out, sl_tquery_info_t *info,
               sl_error_t *err);
  void (*close)(void *ctx, sl_tquery_t *q);
  void *ctx;
} sl_server_query_ops_t;

typedef struct sl_server_config {
  sl_engine_t *engine;    /* required */
  const char *listen;     /* "http://HOST:PORT[,https://HOST:PORT]"; NULL: http://0.0.0.0:8088 */
  const char *tls_cert;   /* PEM certificate chain: needed by https:// listeners */
  const char *tls_key;    /* PEM private key */
  const char *users_file; /* "user:password" lines: HTTP Basic auth on; NULL: off */
  const char *skip_auth_paths;            /* comma-separated paths served without credentials;
                                             NULL: "/healthcheck" */
  size_t max_body_bytes;                  /* request body limit (413 beyond); 0: 8 MiB */
  int max_queries;                        /* concurrent transient queries (429 beyond); 0: 100 */
  size_t max_queued_bytes;                /* rows waiting for a slow client before its query is
                                             stopped; 0: 64 MiB */
  bool headless;                          /* --queries-file: refuse statements that change state */
  const char *service_id;                 /* /info ksqlServiceId; NULL: "default_" */
  const char *cluster_id;                 /* /info kafkaClusterId; NULL: "unknown" */
  const char *version;                    /* /info version; NULL: SLUICE_VERSION */
  const sl_server_query_ops_t *query_ops; /* NULL: sl_engine_query_start / sl_tquery_close */
} sl_server_config_t;

/* Binds every listener and starts serving on loop. */
int sl_server_start(struct uv_loop_s *loop, const sl_server_config_t *cfg, sl_server_t **out,
                    sl_error_t *err);
/* The port of the first listener (useful after binding port 0). */
int sl_server_port(const sl_server_t *s);
/* Number of transient queries currently streaming. */
int sl_server_active_queries(const sl_server_t *s);
/* Stops accepting, ends every transient query and asks connections to close.
 * Run the loop afterwards until sl_server_idle() so handles finish closing,
 * then sl_server_free. */
void sl_server_stop(sl_server_t *s);
bool sl_server_idle(const sl_server_t *s);
void sl_server_free(sl_server_t *s);

/* ---- pure helpers (exposed for unit tests) ---- */

/* ksqlDB's error codes: HTTP status * 100 (+ a detail). */
#define SL_REST_BAD_REQUEST 40000
#define SL_REST_BAD_STATEMENT 40001
#define SL_REST_QUERY_ENDPOINT 40002
#define SL_REST_UNAUTHORIZED 40100
#define SL_REST_FORBIDDEN 40300
#define SL_REST_NOT_FOUND 40400
#define SL_REST_METHOD_NOT_ALLOWED 40500
#define SL_REST_NOT_ACCEPTABLE 40600
#define SL_REST_TOO_LARGE 41300
#define SL_REST_TOO_MANY_REQUESTS 42900
#define SL_REST_SERVER_ERROR 50000
#define SL_REST_SHUTTING_DOWN 50303

/* {"@type":"generic_error","error_code":code,"message":msg} */
struct json_t *sl_rest_error(int code, const char *msg);
/* {"@type":"statement_error","error_code":code,"message":msg,"statementText":stmt,
 *  "entities":entities or [],"stackTrace":[]}; takes a reference to entities. */
struct json_t *sl_rest_statement_error(int code, const char *msg, const char *stmt,
                                       struct json_t *entities);
/* The message of a failed statement: "line L:C: msg" when err has an
 * offset (line and column counted in text), else msg. */
void sl_rest_error_message(const sl_error_t *err, const char *text, sl_buf_t *out);
/* /query's header schema string from {"columnNames":[...],"columnTypes":[...]}:
 * "`A` STRING, `B` INTEGER". */
void sl_rest_schema_string(const struct json_t *schema, sl_buf_t *out);
/* Appends a JSON value as a SQL literal for a column of type t (NULL: infer
 * from the JSON): 'it''s', 12, 1.5, TRUE, NULL, ARRAY[..], MAP(k := v),
 * STRUCT(F := v). Returns 0 or SL_EINVAL when the value cannot be written. */
int sl_rest_sql_literal(const struct json_t *v, const sl_type_t *t, sl_buf_t *out, sl_error_t *err);
/* Builds "INSERT INTO `S` (`A`, `B`) VALUES (...);" for one JSON row object,
 * matching field names to the source's columns case-insensitively. */
int sl_rest_insert_sql(const sl_source_t *src, const struct json_t *row, sl_buf_t *out,
                       sl_error_t *err);

/* Users for HTTP Basic auth: "user:password" per line, '#' comments. */
typedef struct sl_rest_users sl_rest_users_t;
int sl_rest_users_parse(const char *text, sl_rest_users_t **out, sl_error_t *err);
int sl_rest_users_load(const char *path, sl_rest_users_t **out, sl_error_t *err);
/* True when the Authorization header value ("Basic base64(user:pass)") names
 * a known user with the right password. */
bool sl_rest_users_check(const sl_rest_users_t *u, const char *authorization, size_t len);
void sl_rest_users_free(sl_rest_users_t *u);

/* Statement kinds that may run in headless mode (they change no state). */
bool sl_rest_stmt_is_readonly(int kind);

/* Parses a listen address ("http://0.0.0.0:8088", "https://[::1]:8443",
 * "localhost:8088", ":8088") into host (without brackets), port and TLS flag. */
int sl_rest_parse_listener(const char *addr, char *host, size_t hostsz, int *port, bool *tls,
                           sl_error_t *err);

#endif
