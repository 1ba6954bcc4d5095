/*
 * serve.c - `sluice serve`: opens the engine over Kafka (or the embedded
 * broker when no bootstrap servers are given), which restores the catalog
 * from the data directory and resumes every persistent query, then serves
 * the REST API on the main libuv loop until SIGTERM or SIGINT.
 *
 * With --queries-file (ksqlDB's ksql.queries.file) the server is headless:
 * the file is the whole truth, so the catalog is kept in memory and the file
 * runs at every start, as ksqlDB's headless mode does (persistent queries get
 * the same ids each time and resume from their committed offsets); the REST
 * API then refuses statements that would change state.
 */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <uv.h>

#include "sluice/commands.h"
#include "sluice/engine.h"
#include "sluice/kafka.h"
#include "sluice/server.h"

static void serve_usage(FILE *f) {
  fprintf(f,
          "usage: sluice serve [--config FILE] [--bootstrap HOST:PORT] [--data-dir DIR]\n"
          "                    [--listen ADDR[,ADDR]] [--property NAME=VALUE]... [--verbose]\n"
          "                    [--users-file FILE] [--tls-cert FILE --tls-key FILE]\n"
          "                    [--max-body-bytes N] [--max-queries N] [--queries-file FILE]\n"
          "Serves ksqlDB's REST API (default http://0.0.0.0:8088; HTTP/1.1 and HTTP/2).\n"
          "  --users-file FILE    HTTP Basic authentication, one user:password per line\n"
          "  --tls-cert/--tls-key PEM certificate chain and key for https:// listeners\n"
          "  --max-body-bytes N   largest request body accepted (default 8388608)\n"
          "  --max-queries N      concurrent push/pull queries (default 100)\n"
          "  --queries-file FILE  headless mode: run FILE at start, refuse statements over REST\n");
}

typedef struct serve_opts {
  const char *bootstrap, *data_dir, *listen, *users_file, *tls_cert, *tls_key, *queries_file;
  const char *max_body, *max_queries;
  sl_map_t *props;
} serve_opts_t;

static int parse_args(int argc, char **argv, serve_opts_t *o, bool *help, sl_error_t *err) {
  static const struct {
    const char *name;
    size_t off;
  } valued[] = {
      {"--bootstrap", offsetof(serve_opts_t, bootstrap)},
      {"--data-dir", offsetof(serve_opts_t, data_dir)},
      {"--listen", offsetof(serve_opts_t, listen)},
      {"--users-file", offsetof(serve_opts_t, users_file)},
      {"--tls-cert", offsetof(serve_opts_t, tls_cert)},
      {"--tls-key", offsetof(serve_opts_t, tls_key)},
      {"--queries-file", offsetof(serve_opts_t, queries_file)},
      {"--max-body-bytes", offsetof(serve_opts_t, max_body)},
      {"--max-queries", offsetof(serve_opts_t, max_queries)},
  };
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      *help = true;
      return 0;
    }
    if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
      sl_log_set_level(SL_LOG_DEBUG);
      continue;
    }
    bool done = false;
    for (size_t k = 0; k < SL_ARRAY_LEN(valued) && !done; k++) {
      if (strcmp(a, valued[k].name) != 0) continue;
      if (!v) return sl_error_set(err, SL_EINVAL, -1, "%s needs a value", a);
      *(const char **)((char *)o + valued[k].off) = argv[++i];
      done = true;
    }
    if (done) continue;
    if (!strcmp(a, "--config") || !strcmp(a, "--property") || !strcmp(a, "-p")) {
      if (!v) return sl_error_set(err, SL_EINVAL, -1, "%s needs a value", a);
      i++;
      int rc = !strcmp(a, "--config") ? sl_props_load_file(o->props, v, err)
                                      : sl_props_put_arg(o->props, v, err);
      if (rc) return rc;
      continue;
    }
    return sl_error_set(err, SL_EINVAL, -1, "unknown option %s", a);
  }
  /* Options win over properties, which use ksqlDB's names where it has one. */
  if (!o->bootstrap) o->bootstrap = sl_map_get(o->props, "bootstrap.servers");
  if (!o->bootstrap) o->bootstrap = sl_map_get(o->props, "ksql.streams.bootstrap.servers");
  if (!o->listen) o->listen = sl_map_get(o->props, "listeners");
  if (!o->queries_file) o->queries_file = sl_map_get(o->props, "ksql.queries.file");
  if (!o->max_queries) o->max_queries = sl_map_get(o->props, "ksql.max.push.queries");
  if (!o->users_file) o->users_file = sl_map_get(o->props, "sluice.rest.users.file");
  if (!o->tls_cert) o->tls_cert = sl_map_get(o->props, "sluice.rest.tls.cert");
  if (!o->tls_key) o->tls_key = sl_map_get(o->props, "sluice.rest.tls.key");
  if (!o->max_body) o->max_body = sl_map_get(o->props, "sluice.rest.max.request.bytes");
  return 0;
}

static int parse_count(const char *s, const char *what, long long *out, sl_error_t *err) {
  char *end;
  errno = 0;
  long long n = strtoll(s, &end, 10);
  if (errno || end == s || *end || n <= 0)
    return sl_error_set(err, SL_EINVAL, -1, "%s must be a positive integer, not '%s'", what, s);
  *out = n;
  return 0;
}

/* Runs the statements of the queries file; reports the first failure as
 * FILE:line:col with a caret. */
static int run_queries_file(sl_engine_t *e, const char *path) {
  char *text = NULL;
  size_t len = 0;
  sl_error_t err;
  sl_error_clear(&err);
  if (sl_read_file(path, &text, &len, &err)) {
    fprintf(stderr, "sluice serve: %s\n", err.msg);
    return 1;
  }
  sl_session_t session;
  sl_session_init(&session);
  sl_exec_result_t res = {0};
  int rc = sl_engine_execute(e, text, &session, &res, &err);
  if (rc) {
    char out[4096];
    const char *ft = res.failed_text ? res.failed_text : text;
    const char *at = strstr(text, ft);
    sl_error_t pe = err;
    if (at && pe.offset >= 0) {
      pe.offset += (int)(at - text);
      ft = text;
    }
    sl_error_format(&pe, ft, out, sizeof out);
    fprintf(stderr, "sluice serve: %s:%s\n", path, out);
  } else {
    fprintf(stderr, "sluice: ran %zu statements from %s (headless mode)\n",
            json_array_size(res.entities), path);
  }
  sl_exec_result_free(&res);
  sl_session_free(&session);
  free(text);
  return rc ? 1 : 0;
}

typedef struct serve_loop {
  uv_loop_t loop;
  uv_signal_t sigint, sigterm;
  uv_timer_t grace;
  sl_server_t *server;
  bool stopping;
  bool timed_out;
} serve_loop_t;

static void on_grace(uv_timer_t *t) {
  serve_loop_t *sl = t->data;
  sl->timed_out = true;
  uv_stop(&sl->loop);
}

static void on_signal(uv_signal_t *h, int signum) {
  serve_loop_t *sl = h->data;
  if (sl->stopping) {
    fprintf(stderr, "sluice: second signal, stopping now\n");
    uv_stop(&sl->loop);
    return;
  }
  sl->stopping = true;
  fprintf(stderr, "sluice: %s received, stopping\n", signum == SIGINT ? "SIGINT" : "SIGTERM");
  sl_server_stop(sl->server);
  /* Give open connections a moment to finish, then leave regardless. */
  uv_timer_start(&sl->grace, on_grace, 3000, 0);
}

/* Ends the loop once the server has nothing left open. */
static void on_check(uv_check_t *c) {
  serve_loop_t *sl = c->data;
  if (sl->stopping && sl_server_idle(sl->server)) uv_stop(&sl->loop);
}

static void on_closed(uv_handle_t *h) {
  (void)h;
}

int sl_cmd_serve(int argc, char **argv) {
  /* Threads started before the loop (Kafka clients, query workers) must not
   * take the stop signals: block them now, unblock on this thread later. */
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  signal(SIGPIPE, SIG_IGN);

  serve_opts_t o = {.props = sl_map_new(false)};
  sl_error_t err;
  sl_error_clear(&err);
  bool help = false;
  long long max_body = 0, max_queries = 0;
  int rc = parse_args(argc, argv, &o, &help, &err);
  if (rc == 0 && o.max_body) rc = parse_count(o.max_body, "--max-body-bytes", &max_body, &err);
  if (rc == 0 && o.max_queries)
    rc = parse_count(o.max_queries, "--max-queries", &max_queries, &err);
  if (help || rc) {
    if (rc) fprintf(stderr, "sluice serve: %s\n", err.msg);
    serve_usage(rc ? stderr : stdout);
    sl_props_free(o.props);
    return rc ? 2 : 0;
  }

  sl_kafka_host_t host;
  if (sl_kafka_host_start(&host, o.bootstrap, o.props, &err)) {
    fprintf(stderr, "sluice serve: %s\n", err.msg);
    sl_props_free(o.props);
    return 1;
  }
  const char *data_dir = o.data_dir ? o.data_dir : host.mock ? NULL : "./sluice-data";
  if (data_dir && mkdir(data_dir, 0755) != 0 && errno != EEXIST) {
    fprintf(stderr, "sluice serve: cannot create %s: %s\n", data_dir, strerror(errno));
    rc = 1;
  }
  if (!rc && data_dir) {
    /* Bad records: one JSON object per line, next to the catalog. */
    sl_buf_t path;
    sl_buf_init(&path);
    sl_buf_printf(&path, "%s/processing-log.jsonl", data_dir);
    sl_plog_set_file(path.data);
    sl_buf_free(&path);
  }
  sl_engine_t *e = NULL;
  const char *service_id = sl_map_get(o.props, "ksql.service.id");
  if (!rc) {
    sl_engine_config_t cfg = {.data_dir = o.queries_file ? NULL : data_dir,
                              .driver = host.driver,
                              .props = o.props,
                              .service_id = service_id,
                              .start_queries = true};
    if (sl_engine_open(&cfg, &e, &err)) {
      fprintf(stderr, "sluice serve: cannot open the engine: %s\n", err.msg);
      rc = 1;
    }
  }
  if (!rc && o.queries_file) rc = run_queries_file(e, o.queries_file);

  serve_loop_t sl = {0};
  bool loop_open = false;
  if (!rc) {
    uv_loop_init(&sl.loop);
    loop_open = true;
    sl_server_config_t scfg = {
        .engine = e,
        .listen = o.listen,
        .tls_cert = o.tls_cert,
        .tls_key = o.tls_key,
        .users_file = o.users_file,
        .skip_auth_paths = sl_map_get(o.props, "authentication.skip.paths"),
        .max_body_bytes = (size_t)max_body,
        .max_queries = (int)max_queries,
        .headless = o.queries_file != NULL,
        .service_id = service_id,
        .cluster_id = host.mock ? "embedded" : NULL,
    };
    if (sl_server_start(&sl.loop, &scfg, &sl.server, &err)) {
      fprintf(stderr, "sluice serve: %s\n", err.msg);
      rc = 1;
    }
  }
  if (!rc) {
    uv_check_t check;
    uv_signal_init(&sl.loop, &sl.sigint);
    uv_signal_init(&sl.loop, &sl.sigterm);
    uv_timer_init(&sl.loop, &sl.grace);
    uv_check_init(&sl.loop, &check);
    sl.sigint.data = sl.sigterm.data = sl.grace.data = check.data = &sl;
    uv_signal_start(&sl.sigint, on_signal, SIGINT);
    uv_signal_start(&sl.sigterm, on_signal, SIGTERM);
    uv_check_start(&check, on_check);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    fprintf(stderr, "sluice: serving %d persistent queries on %s; REST API on %s%s%s\n",
            sl_engine_query_count(e), host.bootstrap, o.listen ? o.listen : "http://0.0.0.0:8088",
            o.users_file ? " (authenticated)" : "",
            o.queries_file ? " (headless: statements refused)" : "");
    uv_run(&sl.loop, UV_RUN_DEFAULT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    uv_close((uv_handle_t *)&sl.sigint, on_closed);
    uv_close((uv_handle_t *)&sl.sigterm, on_closed);
    uv_close((uv_handle_t *)&sl.grace, on_closed);
    uv_close((uv_handle_t *)&check, on_closed);
    if (!sl.timed_out && sl_server_idle(sl.server)) {
      sl_server_free(sl.server);
      uv_run(&sl.loop, UV_RUN_NOWAIT);
      uv_loop_close(&sl.loop);
    } else {
      /* Connections still open after the grace period: the process exits
       * now and the OS reclaims them. */
      uv_run(&sl.loop, UV_RUN_NOWAIT);
    }
  } else if (loop_open) {
    uv_loop_close(&sl.loop);
  }
  /* Closing the engine stops every query: final flush and offset commit. */
  sl_engine_close(e);
  sl_plog_set_file(NULL);
  sl_kafka_host_stop(&host);
  sl_props_free(o.props);
  return rc;
}
