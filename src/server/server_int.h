/*
 * server_int.h - what the files of the server module share: the server
 * object, the per-request context handed to route handlers, and the helpers
 * that write JSON answers. http.c owns the h2o glue; ksql.c, query.c and
 * insert.c hold the endpoints; shape.c the pure helpers declared in server.h.
 */
#ifndef SLUICE_SERVER_INT_H
#define SLUICE_SERVER_INT_H

#include <h2o.h>
#include <jansson.h>
#include <pthread.h>
#include <uv.h>

#include "sluice/server.h"

typedef struct rest_stream rest_stream_t;

/* An accepted TCP connection, tracked so a streaming HTTP/1.1 response can
 * find its socket and notice a client that hung up (h2o stops reading an
 * HTTP/1.1 connection while it writes a response). */
typedef struct rest_conn {
  uv_tcp_t tcp; /* first: h2o's close callback gets this handle */
  struct rest_conn *prev, *next;
  sl_server_t *server;
} rest_conn_t;

typedef struct rest_listener {
  uv_tcp_t tcp;            /* listening socket; data points to the listener */
  h2o_accept_ctx_t accept; /* h2o's view: context, hosts, TLS */
  sl_server_t *server;
  bool closing;
} rest_listener_t;

struct sl_server {
  uv_loop_t *loop;
  sl_engine_t *engine;
  h2o_globalconf_t config;
  h2o_context_t ctx;
  SSL_CTX *ssl_ctx; /* NULL without TLS */
  rest_listener_t *listeners;
  int nlisteners;
  int port;               /* of the first listener */
  int open_handles;       /* uv handles not yet closed (listeners, streams) */
  sl_rest_users_t *users; /* NULL: no authentication */
  char **skip_auth;       /* NULL-terminated list of paths without auth */
  size_t max_body;
  int max_queries;
  size_t max_queued;
  bool headless;
  bool stopping;
  char *service_id, *cluster_id, *version;
  sl_server_query_ops_t qops;
  rest_conn_t *conns;     /* accepted connections (doubly linked) */
  rest_stream_t *streams; /* running transient queries (doubly linked) */
  int nstreams;
  uv_timer_t trim;  /* gives freed memory back once queries have ended */
  bool trim_open;   /* trim is initialised and not yet closed */
  json_t *commands; /* commandId -> {"status","message"} for /status */
};

/* Media types. */
#define SL_MT_KSQL "application/vnd.ksql.v1+json"
#define SL_MT_JSON "application/json"
#define SL_MT_DELIMITED "application/vnd.ksqlapi.delimited.v1"

/* ---- http.c: answering ---- */

/* Sends body (a JSON value, reference stolen) with status and content type. */
void sl_rest_send_json(h2o_req_t *req, int status, json_t *body, const char *content_type);
/* Sends a generic_error body with the HTTP status code / 100. */
void sl_rest_send_error(h2o_req_t *req, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The value of a request header, or an empty iovec. */
h2o_iovec_t sl_rest_header(h2o_req_t *req, const h2o_token_t *token);
/* The response media type for the request's Accept header among the ones an
 * endpoint offers (first is the default). */
const char *sl_rest_negotiate(h2o_req_t *req, const char *const *offered);
/* Parses the request body as a JSON object; on failure sends the 400 and
 * returns NULL. */
json_t *sl_rest_body_object(h2o_req_t *req);
/* Fills session props and vars from the request's property and variable
 * objects; on a bad value sends the 400 and returns -1. */
int sl_rest_session_from(h2o_req_t *req, json_t *body, sl_session_t *session);

/* The socket of an HTTP/1.x request's connection, or -1 (HTTP/2, unknown). */
int sl_rest_conn_fd(sl_server_t *s, h2o_req_t *req);

/* ---- endpoints ---- */
int sl_rest_ksql(sl_server_t *s, h2o_req_t *req);
int sl_rest_info(sl_server_t *s, h2o_req_t *req);
int sl_rest_healthcheck(sl_server_t *s, h2o_req_t *req);
int sl_rest_status(sl_server_t *s, h2o_req_t *req);
int sl_rest_query(sl_server_t *s, h2o_req_t *req);        /* /query (v1) */
int sl_rest_query_stream(sl_server_t *s, h2o_req_t *req); /* /query-stream */
int sl_rest_close_query(sl_server_t *s, h2o_req_t *req);
int sl_rest_inserts_stream(sl_server_t *s, h2o_req_t *req);

/* Remembers the command ids of /ksql results for /status. */
void sl_rest_record_commands(sl_server_t *s, json_t *entities);
/* query.c: ends every running stream (server stop). */
void sl_rest_streams_stop_all(sl_server_t *s);
/* query.c: ends the stream of a query id; false when none runs here. */
bool sl_rest_stream_close_id(sl_server_t *s, const char *id);
/* http.c: asks for freed memory to be handed back to the OS a little later
 * (a transient query ended). */
void sl_rest_schedule_trim(sl_server_t *s);

#endif
