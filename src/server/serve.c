/*
 * serve.c - `sluice serve`, for now without its REST API: it opens the
 * engine over Kafka (or the embedded broker), which restores the catalog
 * from the data directory and resumes every persistent query, and keeps
 * them running until SIGTERM or SIGINT. The REST layer will replace the
 * wait below with the main libuv loop serving HTTP; --listen is accepted
 * already so scripts do not have to change.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "sluice/commands.h"
#include "sluice/engine.h"
#include "sluice/kafka.h"

static void serve_usage(FILE *f) {
  fprintf(f,
          "usage: sluice serve [--config FILE] [--bootstrap HOST:PORT] [--data-dir DIR]\n"
          "                    [--listen ADDR] [--property NAME=VALUE]... [--verbose]\n");
}

int sl_cmd_serve(int argc, char **argv) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  signal(SIGPIPE, SIG_IGN);

  sl_map_t *props = sl_map_new(false);
  const char *bootstrap = NULL, *data_dir = NULL, *listen = NULL;
  sl_error_t err;
  sl_error_clear(&err);
  int rc = 0;
  for (int i = 0; i < argc && !rc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      serve_usage(stdout);
      sl_props_free(props);
      return 0;
    } else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
      sl_log_set_level(SL_LOG_DEBUG);
    } else if (!v) {
      rc = sl_error_set(&err, SL_EINVAL, -1, "%s needs a value or is unknown", a);
    } else if (!strcmp(a, "--bootstrap")) {
      bootstrap = argv[++i];
    } else if (!strcmp(a, "--data-dir")) {
      data_dir = argv[++i];
    } else if (!strcmp(a, "--listen")) {
      listen = argv[++i];
    } else if (!strcmp(a, "--config")) {
      rc = sl_props_load_file(props, argv[++i], &err);
    } else if (!strcmp(a, "--property") || !strcmp(a, "-p")) {
      rc = sl_props_put_arg(props, argv[++i], &err);
    } else {
      rc = sl_error_set(&err, SL_EINVAL, -1, "unknown option %s", a);
    }
  }
  if (rc) {
    fprintf(stderr, "sluice serve: %s\n", err.msg);
    serve_usage(stderr);
    sl_props_free(props);
    return 2;
  }
  if (!bootstrap) bootstrap = sl_map_get(props, "bootstrap.servers");
  if (!bootstrap) bootstrap = sl_map_get(props, "ksql.streams.bootstrap.servers");
  if (!listen) listen = sl_map_get(props, "listeners");

  sl_kafka_host_t host;
  if (sl_kafka_host_start(&host, bootstrap, props, &err)) {
    fprintf(stderr, "sluice serve: %s\n", err.msg);
    sl_props_free(props);
    return 1;
  }
  if (!data_dir) data_dir = host.mock ? NULL : "./sluice-data";
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
  if (!rc) {
    sl_engine_config_t cfg = {.data_dir = data_dir,
                              .driver = host.driver,
                              .props = props,
                              .service_id = sl_map_get(props, "ksql.service.id"),
                              .start_queries = true};
    if (sl_engine_open(&cfg, &e, &err)) {
      fprintf(stderr, "sluice serve: cannot open the engine: %s\n", err.msg);
      rc = 1;
    }
  }
  if (!rc) {
    fprintf(stderr,
            "sluice: serving %d persistent queries on %s (REST API at %s not available "
            "yet); SIGTERM or Ctrl-C stops\n",
            sl_engine_query_count(e), host.bootstrap, listen ? listen : "http://0.0.0.0:8088");
    int sig;
    do sig = sigwaitinfo(&set, NULL);
    while (sig < 0 && errno == EINTR);
    fprintf(stderr, "sluice: stopping\n");
  }
  sl_engine_close(e);
  sl_plog_set_file(NULL);
  sl_kafka_host_stop(&host);
  sl_props_free(props);
  return rc;
}
