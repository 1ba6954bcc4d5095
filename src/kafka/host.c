/*
 * host.c - starting the Kafka side of a sluice process (`run`, `serve`):
 * the driver against the configured bootstrap servers, or, when none are
 * configured, the embedded broker with a warning nobody can miss, because
 * data written there lives in memory only and is silently trimmed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/kafka.h"

static const char *const embedded_warning =
    "\n"
    "*****************************************************************************\n"
    "* WARNING: no Kafka bootstrap servers given (--bootstrap or                 *\n"
    "* bootstrap.servers), so sluice started its EMBEDDED BROKER.                *\n"
    "* It keeps every topic IN MEMORY ONLY, about 5 MB per partition (older      *\n"
    "* records are dropped), and everything is lost when sluice exits.           *\n"
    "* It is for trying sluice out. Never use it for real data or benchmarks.    *\n"
    "*****************************************************************************\n"
    "\n";

int sl_kafka_host_start(sl_kafka_host_t *h, const char *bootstrap, const sl_map_t *props,
                        sl_error_t *err) {
  memset(h, 0, sizeof(*h));
  if (!bootstrap || !*bootstrap) {
    int rc = sl_kafka_mock_new(1, &h->mock, err);
    if (rc) return rc;
    bootstrap = sl_kafka_mock_bootstrap(h->mock);
    fputs(embedded_warning, stderr);
    fprintf(stderr, "sluice: embedded broker listening at %s\n", bootstrap);
  }
  h->bootstrap = sl_strdup(bootstrap);
  sl_kafka_opts_t opts = {.mock = h->mock};
  int rc = sl_kafka_driver_new(h->bootstrap, props, &opts, &h->driver, err);
  if (rc) sl_kafka_host_stop(h);
  return rc;
}

void sl_kafka_host_stop(sl_kafka_host_t *h) {
  if (h->driver) sl_kafka_driver_free(h->driver);
  if (h->mock) sl_kafka_mock_free(h->mock);
  free(h->bootstrap);
  memset(h, 0, sizeof(*h));
}
