/*
 * http.c - the HTTP side of the REST server, on h2o's libuv flavour: the
 * listeners (cleartext, where h2o switches a connection that starts with the
 * HTTP/2 preface to HTTP/2, and TLS with ALPN), the route table, HTTP Basic
 * authentication, the request-size limit, and the helpers every endpoint
 * uses to answer in JSON.
 *
 * h2o answers some failures itself before a handler runs (a body over the
 * size limit, a broken chunked encoding) with a plain-text page. A filter
 * registered on every path rewrites those into ksqlDB's JSON error shape, so
 * a client never has to parse anything but JSON.
 */
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server_int.h"
#include "sluice/commands.h"

#ifdef __GLIBC__ /* known once a libc header is in */
#include <malloc.h>
#endif

/* ---------------- answering ---------------- */

static const char *reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 413: return "Payload Too Large";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

void sl_rest_send_json(h2o_req_t *req, int status, json_t *body, const char *content_type) {
  char *text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
  json_decref(body);
  size_t len = text ? strlen(text) : 0;
  req->res.status = status;
  req->res.reason = reason_phrase(status);
  req->res.content_length = len;
  h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, content_type,
                 strlen(content_type));
  /* h2o_send_inline copies the body into the request's pool. */
  h2o_send_inline(req, text ? text : "", len);
  free(text);
}

void sl_rest_send_error(h2o_req_t *req, int code, const char *fmt, ...) {
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  sl_rest_send_json(req, code / 100, sl_rest_error(code, msg), SL_MT_JSON);
}

h2o_iovec_t sl_rest_header(h2o_req_t *req, const h2o_token_t *token) {
  ssize_t i = h2o_find_header(&req->headers, token, -1);
  if (i < 0) return h2o_iovec_init(NULL, 0);
  return req->headers.entries[i].value;
}

static bool mem_contains_ci(const char *hay, size_t n, const char *needle) {
  size_t m = strlen(needle);
  for (size_t i = 0; i + m <= n; i++)
    if (!strncasecmp(hay + i, needle, m)) return true;
  return false;
}

const char *sl_rest_negotiate(h2o_req_t *req, const char *const *offered) {
  h2o_iovec_t accept = sl_rest_header(req, H2O_TOKEN_ACCEPT);
  if (!accept.base) return offered[0];
  for (int i = 0; offered[i]; i++)
    if (mem_contains_ci(accept.base, accept.len, offered[i])) return offered[i];
  return offered[0];
}

json_t *sl_rest_body_object(h2o_req_t *req) {
  json_error_t jerr;
  if (!req->entity.base || req->entity.len == 0) {
    sl_rest_send_error(req, SL_REST_BAD_REQUEST, "Invalid JSON in request: the body is empty");
    return NULL;
  }
  json_t *body = json_loadb(req->entity.base, req->entity.len, 0, &jerr);
  if (!body) {
    sl_rest_send_error(req, SL_REST_BAD_REQUEST, "Invalid JSON in request: %s (line %d, column %d)",
                       jerr.text, jerr.line, jerr.column);
    return NULL;
  }
  if (!json_is_object(body)) {
    json_decref(body);
    sl_rest_send_error(req, SL_REST_BAD_REQUEST,
                       "Invalid JSON in request: the body must be a JSON object");
    return NULL;
  }
  return body;
}

/* Property and variable values arrive as JSON strings, numbers or booleans;
 * the engine keeps them as text. */
static char *scalar_text(json_t *v) {
  if (json_is_string(v)) return sl_strdup(json_string_value(v));
  if (json_is_integer(v) || json_is_real(v) || json_is_boolean(v))
    return json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
  return NULL;
}

static int fill_map(h2o_req_t *req, json_t *obj, const char *field, sl_map_t *map) {
  if (!obj || json_is_null(obj)) return 0;
  if (!json_is_object(obj)) {
    sl_rest_send_error(req, SL_REST_BAD_REQUEST, "Invalid JSON in request: %s must be an object",
                       field);
    return -1;
  }
  const char *k;
  json_t *v;
  json_object_foreach(obj, k, v) {
    char *text = scalar_text(v);
    if (!text) {
      sl_rest_send_error(req, SL_REST_BAD_REQUEST,
                         "Invalid JSON in request: %s.%s must be a string, number or boolean",
                         field, k);
      return -1;
    }
    free(sl_map_remove(map, k));
    sl_map_put(map, k, text);
  }
  return 0;
}

int sl_rest_session_from(h2o_req_t *req, json_t *body, sl_session_t *session) {
  static const char *const prop_fields[] = {"streamsProperties", "properties", "requestProperties"};
  for (size_t i = 0; i < SL_ARRAY_LEN(prop_fields); i++)
    if (fill_map(req, json_object_get(body, prop_fields[i]), prop_fields[i], session->props))
      return -1;
  return fill_map(req, json_object_get(body, "sessionVariables"), "sessionVariables",
                  session->vars);
}

/* ---------------- routing ---------------- */

typedef int (*route_fn)(sl_server_t *s, h2o_req_t *req);

static const struct {
  const char *method;
  const char *path;
  bool prefix; /* path ends with '/' and takes more segments */
  route_fn fn;
} routes[] = {
    {"POST", "/ksql", false, sl_rest_ksql},
    {"POST", "/query", false, sl_rest_query},
    {"POST", "/query-stream", false, sl_rest_query_stream},
    {"POST", "/inserts-stream", false, sl_rest_inserts_stream},
    {"POST", "/close-query", false, sl_rest_close_query},
    {"GET", "/info", false, sl_rest_info},
    {"GET", "/v1/metadata", false, sl_rest_info},
    {"GET", "/healthcheck", false, sl_rest_healthcheck},
    {"GET", "/status", false, sl_rest_status},
    {"GET", "/status/", true, sl_rest_status},
};

typedef struct rest_handler {
  h2o_handler_t super;
  sl_server_t *server;
} rest_handler_t;

static bool path_is(h2o_iovec_t p, const char *path, bool prefix) {
  size_t n = strlen(path);
  if (prefix) return p.len > n && !memcmp(p.base, path, n);
  /* A trailing slash names the same resource. */
  if (p.len == n + 1 && p.base[n] == '/') return !memcmp(p.base, path, n);
  return p.len == n && !memcmp(p.base, path, n);
}

static bool auth_skipped(sl_server_t *s, h2o_iovec_t path) {
  for (char **p = s->skip_auth; p && *p; p++)
    if (path_is(path, *p, false)) return true;
  return false;
}

/* The path a request names. A request line may carry the absolute form
 * ("POST http://host:8088/inserts-stream HTTP/1.1", which ksql-python's
 * HTTP/2 library sends); h2o leaves it as is, with a slash in front, so the
 * scheme and authority are dropped here. */
static h2o_iovec_t request_path(h2o_req_t *req) {
  h2o_iovec_t p = req->path_normalized;
  static const char *const schemes[] = {"/http://", "/https://"};
  for (size_t i = 0; i < SL_ARRAY_LEN(schemes); i++) {
    size_t n = strlen(schemes[i]);
    if (p.len < n || strncasecmp(p.base, schemes[i], n)) continue;
    const char *slash = memchr(p.base + n, '/', p.len - n);
    if (!slash) return h2o_iovec_init(H2O_STRLIT("/"));
    return h2o_iovec_init(slash, p.len - (size_t)(slash - p.base));
  }
  return p;
}

static int on_req(h2o_handler_t *self, h2o_req_t *req) {
  sl_server_t *s = ((rest_handler_t *)self)->server;
  h2o_iovec_t path = request_path(req);
  if (s->users && !auth_skipped(s, path)) {
    h2o_iovec_t auth = sl_rest_header(req, H2O_TOKEN_AUTHORIZATION);
    if (!sl_rest_users_check(s->users, auth.base, auth.len)) {
      h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_WWW_AUTHENTICATE, NULL,
                     H2O_STRLIT("Basic realm=\"sluice\""));
      sl_rest_send_error(req, SL_REST_UNAUTHORIZED,
                         auth.base ? "Unauthorized: wrong user name or password"
                                   : "Unauthorized: this server needs HTTP Basic credentials");
      return 0;
    }
  }
  if (s->stopping) {
    sl_rest_send_error(req, SL_REST_SHUTTING_DOWN, "The server is shutting down");
    return 0;
  }
  if (req->entity.len > s->max_body) {
    sl_rest_send_error(req, SL_REST_TOO_LARGE,
                       "The request body is larger than the server accepts (%zu bytes)",
                       s->max_body);
    return 0;
  }
  bool known_path = false;
  for (size_t i = 0; i < SL_ARRAY_LEN(routes); i++) {
    if (!path_is(path, routes[i].path, routes[i].prefix)) continue;
    known_path = true;
    if (!h2o_memis(req->method.base, req->method.len, routes[i].method, strlen(routes[i].method)))
      continue;
    return routes[i].fn(s, req);
  }
  if (known_path) {
    sl_rest_send_error(req, SL_REST_METHOD_NOT_ALLOWED, "Method %.*s is not allowed on %.*s",
                       (int)req->method.len, req->method.base, (int)path.len, path.base);
  } else {
    sl_rest_send_error(req, SL_REST_NOT_FOUND, "No endpoint at %.*s", (int)path.len, path.base);
  }
  return 0;
}

/* ---------------- turning h2o's own error pages into JSON ---------------- */

typedef struct json_error_filter {
  h2o_filter_t super;
  sl_server_t *server;
} json_error_filter_t;

typedef struct json_error_ostream {
  h2o_ostream_t super;
  h2o_iovec_t body;
} json_error_ostream_t;

static void json_error_do_send(h2o_ostream_t *self, h2o_req_t *req, h2o_iovec_t *bufs,
                               size_t bufcnt, h2o_send_state_t state) {
  (void)bufs;
  (void)bufcnt;
  json_error_ostream_t *o = (json_error_ostream_t *)self;
  if (h2o_send_state_is_in_progress(state)) {
    h2o_ostream_send_next(self, req, NULL, 0, state);
    return;
  }
  h2o_ostream_send_next(self, req, &o->body, 1, state);
}

static void json_error_setup(h2o_filter_t *self, h2o_req_t *req, h2o_ostream_t **slot) {
  sl_server_t *s = ((json_error_filter_t *)self)->server;
  ssize_t ct = h2o_find_header(&req->res.headers, H2O_TOKEN_CONTENT_TYPE, -1);
  bool plain = ct >= 0 && req->res.headers.entries[ct].value.len >= 10 &&
               !strncmp(req->res.headers.entries[ct].value.base, "text/plain", 10);
  if (req->res.status >= 400 && plain) {
    char msg[256];
    if (req->res.status == 413)
      snprintf(msg, sizeof msg, "The request body is larger than the server accepts (%zu bytes)",
               s->max_body);
    else
      snprintf(msg, sizeof msg, "%s", req->res.reason ? req->res.reason : "Bad request");
    json_t *err = sl_rest_error(req->res.status * 100, msg);
    char *text = json_dumps(err, JSON_COMPACT);
    json_decref(err);
    json_error_ostream_t *o =
        (json_error_ostream_t *)h2o_add_ostream(req, sizeof(json_error_ostream_t), slot);
    o->super.do_send = json_error_do_send;
    o->body = h2o_strdup(&req->pool, text, SIZE_MAX);
    free(text);
    req->res.headers.entries[ct].value = h2o_iovec_init(H2O_STRLIT(SL_MT_JSON));
    req->res.content_length = o->body.len;
    slot = &o->super.next;
  }
  h2o_setup_next_ostream(req, slot);
}

static void add_error_filter(sl_server_t *s, h2o_pathconf_t *pc) {
  json_error_filter_t *f = (json_error_filter_t *)h2o_create_filter(pc, sizeof *f);
  f->super.on_setup_ostream = json_error_setup;
  f->server = s;
}

/* ---------------- listeners ---------------- */

static void on_conn_closed(uv_handle_t *h) {
  rest_conn_t *c = (rest_conn_t *)h;
  sl_server_t *s = c->server;
  if (c->prev)
    c->prev->next = c->next;
  else if (s->conns == c)
    s->conns = c->next;
  if (c->next) c->next->prev = c->prev;
  free(c);
}

static void on_connection(uv_stream_t *listener, int status) {
  rest_listener_t *l = listener->data;
  if (status != 0 || l->closing) return;
  sl_server_t *s = l->server;
  rest_conn_t *c = sl_xcalloc(1, sizeof *c);
  c->server = s;
  c->next = s->conns;
  if (s->conns) s->conns->prev = c;
  s->conns = c;
  uv_tcp_init(listener->loop, &c->tcp);
  if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0) {
    uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  h2o_socket_t *sock = h2o_uv_socket_create((uv_stream_t *)&c->tcp, on_conn_closed);
  h2o_accept(&l->accept, sock);
}

int sl_rest_conn_fd(sl_server_t *s, h2o_req_t *req) {
  if (req->version >= 0x200 || !req->conn->callbacks->get_peername) return -1;
  struct sockaddr_storage want, have;
  socklen_t wn = req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&want);
  if (wn == 0) return -1;
  /* The peer's address and port name the connection uniquely. */
  for (rest_conn_t *c = s->conns; c; c = c->next) {
    int hn = sizeof have;
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&have, &hn) != 0) continue;
    if ((socklen_t)hn != wn || memcmp(&have, &want, wn) != 0) continue;
    uv_os_fd_t fd;
    return uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0 ? fd : -1;
  }
  return -1;
}

static int bind_listener(sl_server_t *s, rest_listener_t *l, const char *addr, sl_error_t *err) {
  char host[256];
  int port;
  bool tls;
  int rc = sl_rest_parse_listener(addr, host, sizeof host, &port, &tls, err);
  if (rc) return rc;
  if (tls && !s->ssl_ctx)
    return sl_error_set(err, SL_EINVAL, -1,
                        "listener %s is https:// but no TLS certificate and key were given "
                        "(--tls-cert, --tls-key)",
                        addr);
  struct addrinfo hints = {
      .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
  struct addrinfo *ai = NULL;
  char portstr[16];
  snprintf(portstr, sizeof portstr, "%d", port);
  int gai = getaddrinfo(host, portstr, &hints, &ai);
  if (gai != 0) return sl_error_set(err, SL_EINVAL, -1, "listener %s: %s", addr, gai_strerror(gai));
  uv_tcp_init(s->loop, &l->tcp);
  s->open_handles++;
  l->tcp.data = l;
  l->server = s;
  int uvrc = uv_tcp_bind(&l->tcp, ai->ai_addr, 0);
  freeaddrinfo(ai);
  if (uvrc == 0) uvrc = uv_listen((uv_stream_t *)&l->tcp, 128, on_connection);
  if (uvrc != 0)
    return sl_error_set(err, SL_EIO, -1, "cannot listen on %s: %s", addr, uv_strerror(uvrc));
  l->accept.ctx = &s->ctx;
  l->accept.hosts = s->config.hosts;
  l->accept.ssl_ctx = tls ? s->ssl_ctx : NULL;
  struct sockaddr_storage ss;
  int len = sizeof ss;
  if (uv_tcp_getsockname(&l->tcp, (struct sockaddr *)&ss, &len) == 0 && l == &s->listeners[0])
    s->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
  return 0;
}

static int setup_tls(sl_server_t *s, const char *cert, const char *key, sl_error_t *err) {
  SSL_CTX *c = SSL_CTX_new(TLS_server_method());
  if (!c) return sl_error_set(err, SL_EIO, -1, "cannot create a TLS context");
  SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
  SSL_CTX_set_options(c, SSL_OP_NO_COMPRESSION);
  if (SSL_CTX_use_certificate_chain_file(c, cert) != 1) {
    char e[256];
    ERR_error_string_n(ERR_get_error(), e, sizeof e);
    SSL_CTX_free(c);
    return sl_error_set(err, SL_EINVAL, -1, "cannot load the TLS certificate %s: %s", cert, e);
  }
  if (SSL_CTX_use_PrivateKey_file(c, key, SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(c) != 1) {
    char e[256];
    ERR_error_string_n(ERR_get_error(), e, sizeof e);
    SSL_CTX_free(c);
    return sl_error_set(err, SL_EINVAL, -1, "cannot load the TLS key %s: %s", key, e);
  }
  h2o_ssl_register_alpn_protocols(c, h2o_http2_alpn_protocols);
  s->ssl_ctx = c;
  return 0;
}

static char **split_paths(const char *csv) {
  int n = 0;
  char **out = sl_xcalloc(1, sizeof(char *));
  char *copy = sl_strdup(csv), *save = NULL;
  for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    while (*t == ' ') t++;
    char *e = t + strlen(t);
    while (e > t && e[-1] == ' ') *--e = 0;
    if (!*t) continue;
    out = sl_xrealloc(out, sizeof(char *) * (size_t)(n + 2));
    out[n++] = sl_strdup(t);
    out[n] = NULL;
  }
  free(copy);
  return out;
}

static int default_start(void *ctx, const char *sql, sl_session_t *session, sl_row_fn on_row,
                         sl_done_fn on_done, void *cb_ctx, sl_tquery_t **out,
                         sl_tquery_info_t *info, sl_error_t *err) {
  return sl_engine_query_start(ctx, sql, session, on_row, on_done, cb_ctx, out, info, err);
}

static void default_close(void *ctx, sl_tquery_t *q) {
  (void)ctx;
  sl_tquery_close(q);
}

int sl_server_start(uv_loop_t *loop, const sl_server_config_t *cfg, sl_server_t **out,
                    sl_error_t *err) {
  /* libuv writes with write(2): a client that hung up would kill the whole
   * process with SIGPIPE unless it is ignored. */
  struct sigaction old;
  if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL) signal(SIGPIPE, SIG_IGN);
  sl_server_t *s = sl_xcalloc(1, sizeof *s);
  s->loop = loop;
  s->engine = cfg->engine;
  s->max_body = cfg->max_body_bytes ? cfg->max_body_bytes : (size_t)8 << 20;
  s->max_queries = cfg->max_queries > 0 ? cfg->max_queries : 100;
  s->max_queued = cfg->max_queued_bytes ? cfg->max_queued_bytes : (size_t)64 << 20;
  s->headless = cfg->headless;
  s->service_id = sl_strdup(cfg->service_id ? cfg->service_id : "default_");
  s->cluster_id = sl_strdup(cfg->cluster_id ? cfg->cluster_id : "unknown");
  s->version = sl_strdup(cfg->version ? cfg->version : "0.29.0");
  s->skip_auth = split_paths(cfg->skip_auth_paths ? cfg->skip_auth_paths : "/healthcheck");
  s->commands = json_object();
  if (cfg->query_ops) {
    s->qops = *cfg->query_ops;
  } else {
    s->qops.start = default_start;
    s->qops.close = default_close;
    s->qops.ctx = cfg->engine;
  }
  int rc = 0;
  if (cfg->users_file) rc = sl_rest_users_load(cfg->users_file, &s->users, err);
  if (rc == 0 && (cfg->tls_cert || cfg->tls_key)) {
    if (!cfg->tls_cert || !cfg->tls_key)
      rc = sl_error_set(err, SL_EINVAL, -1, "TLS needs both a certificate and a key");
    else
      rc = setup_tls(s, cfg->tls_cert, cfg->tls_key, err);
  }
  if (rc) {
    sl_server_free(s);
    return rc;
  }

  h2o_config_init(&s->config);
  s->config.server_name = h2o_iovec_init(H2O_STRLIT("sluice/" SLUICE_VERSION));
  /* h2o's own limit is set well above ours: under it, the handler answers
   * an oversized body with ksqlDB's JSON 413 on both protocols. Beyond it
   * h2o refuses the body while it arrives (HTTP/1.1: a 413 the filter
   * below turns into JSON; HTTP/2: the stream is reset as REFUSED_STREAM). */
  s->config.max_request_entity_size = s->max_body > SIZE_MAX / 4 ? SIZE_MAX : s->max_body * 4;
  /* Push queries keep a stream open with nothing to send for as long as
   * their source is quiet: do not close such connections as idle. */
  s->config.http2.idle_timeout = 3600 * 1000;
  s->config.http1.req_timeout = 60 * 1000;
  h2o_hostconf_t *host =
      h2o_config_register_host(&s->config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
  h2o_pathconf_t *pc = h2o_config_register_path(host, "/", 0);
  rest_handler_t *h = (rest_handler_t *)h2o_create_handler(pc, sizeof *h);
  h->super.on_req = on_req;
  h->server = s;
  add_error_filter(s, pc);
  add_error_filter(s, &host->fallback_path);
  h2o_context_init(&s->ctx, loop, &s->config);
  uv_timer_init(loop, &s->trim);
  s->trim.data = s;
  s->trim_open = true;
  s->open_handles++;

  /* Listeners: a comma-separated list, as ksqlDB's `listeners`. */
  const char *listen = cfg->listen && *cfg->listen ? cfg->listen : "http://0.0.0.0:8088";
  char **addrs = split_paths(listen);
  int n = 0;
  while (addrs[n]) n++;
  s->listeners = sl_xcalloc((size_t)(n ? n : 1), sizeof *s->listeners);
  for (int i = 0; i < n && rc == 0; i++) {
    rc = bind_listener(s, &s->listeners[i], addrs[i], err);
    s->nlisteners = i + 1;
  }
  for (int i = 0; i < n; i++) free(addrs[i]);
  free(addrs);
  if (rc == 0 && n == 0) rc = sl_error_set(err, SL_EINVAL, -1, "no listener given");
  if (rc) {
    /* Handles need the loop to close: the caller runs it before exiting. */
    sl_server_stop(s);
    uv_run(loop, UV_RUN_NOWAIT);
    while (!sl_server_idle(s)) uv_run(loop, UV_RUN_ONCE);
    sl_server_free(s);
    return rc;
  }
  *out = s;
  return 0;
}

/* ---------------- giving memory back ---------------- */

/* A transient query frees its Kafka consumer, buffers and rows when it
 * ends, but glibc keeps what its threads freed in per-thread arenas, so
 * after a burst of push queries the resident size stays where the burst
 * took it. Two seconds after the last query ended, malloc_trim hands the
 * free pages of every arena back (a few milliseconds of work on the loop). */
#define TRIM_DELAY_MS 2000

static void on_trim(uv_timer_t *t) {
  (void)t;
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

void sl_rest_schedule_trim(sl_server_t *s) {
  if (s->trim_open && !s->stopping) uv_timer_start(&s->trim, on_trim, TRIM_DELAY_MS, 0);
}

static void on_trim_closed(uv_handle_t *h) {
  sl_server_t *s = h->data;
  s->open_handles--;
}

int sl_server_port(const sl_server_t *s) {
  return s->port;
}

int sl_server_active_queries(const sl_server_t *s) {
  return s->nstreams;
}

static void on_listener_closed(uv_handle_t *h) {
  rest_listener_t *l = h->data;
  l->server->open_handles--;
}

void sl_server_stop(sl_server_t *s) {
  if (s->stopping) return;
  s->stopping = true;
  for (int i = 0; i < s->nlisteners; i++) {
    rest_listener_t *l = &s->listeners[i];
    if (!l->closing && l->tcp.loop) {
      l->closing = true;
      uv_close((uv_handle_t *)&l->tcp, on_listener_closed);
    }
  }
  sl_rest_streams_stop_all(s);
  if (s->trim_open) {
    s->trim_open = false;
    uv_close((uv_handle_t *)&s->trim, on_trim_closed);
  }
  if (s->ctx.loop) h2o_context_request_shutdown(&s->ctx);
}

bool sl_server_idle(const sl_server_t *s) {
  if (s->open_handles > 0) return false;
  if (!s->ctx.loop) return true;
  return h2o_linklist_is_empty(&((sl_server_t *)s)->ctx.http1._conns) &&
         h2o_linklist_is_empty(&((sl_server_t *)s)->ctx.http2._conns);
}

void sl_server_free(sl_server_t *s) {
  if (!s) return;
  if (s->ctx.loop) {
    /* h2o_context_request_shutdown arms a one-second GOAWAY re-send timer
     * that h2o does not disarm when no HTTP/2 connection is left. */
    if (h2o_timeout_is_linked(&s->ctx.http2._graceful_shutdown_timeout))
      h2o_timeout_unlink(&s->ctx.http2._graceful_shutdown_timeout);
    h2o_context_dispose(&s->ctx);
    /* h2o closes its timers through libuv: let the close callbacks run. */
    uv_run(s->loop, UV_RUN_NOWAIT);
  }
  if (s->config.hosts) h2o_config_dispose(&s->config);
  if (s->ssl_ctx) SSL_CTX_free(s->ssl_ctx);
  sl_rest_users_free(s->users);
  for (char **p = s->skip_auth; p && *p; p++) free(*p);
  free(s->skip_auth);
  free(s->listeners);
  json_decref(s->commands);
  free(s->service_id);
  free(s->cluster_id);
  free(s->version);
  free(s);
}
