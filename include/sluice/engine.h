/*
 * engine.h - the one facade. The server, the shell's local mode, `sluice run`
 * and the test runner all go through here: give it statement text, get back
 * ksqlDB-shaped result entities (the JSON objects /ksql returns). Each entity
 * is built with jansson because the REST layer, the shell and the tests all
 * want exactly that shape; keeping one representation avoids three renderers.
 */
#ifndef SLUICE_ENGINE_H
#define SLUICE_ENGINE_H

#include "sluice/catalog.h"
#include "sluice/runtime.h"

struct json_t;

typedef struct sl_engine sl_engine_t;

typedef struct sl_engine_config {
  const char *data_dir;      /* catalog lives here; NULL = in memory only */
  sl_topic_driver_t *driver; /* required */
  const sl_map_t *props;     /* server properties (ksql.* names), values const char* */
  const char *service_id;    /* default "default_" as ksqlDB */
  sl_plog_fn plog;           /* processing log sink (default sl_plog_default) */
  void *plog_ctx;
  bool start_queries; /* start persistent queries through the driver */
} sl_engine_config_t;

/* Opens the engine: loads the catalog and (if start_queries) restarts every
 * persistent query from its committed offsets. */
int sl_engine_open(const sl_engine_config_t *cfg, sl_engine_t **out, sl_error_t *err);
void sl_engine_close(sl_engine_t *e);

/* Per-request settings (REST streamsProperties / sessionVariables, shell SET/DEFINE). */
typedef struct sl_session {
  sl_map_t *props; /* name -> malloc'd const char* value */
  sl_map_t *vars;  /* name -> malloc'd const char* value */
} sl_session_t;
void sl_session_init(sl_session_t *s);
void sl_session_free(sl_session_t *s);

typedef struct sl_exec_result {
  struct json_t *entities; /* JSON array of ksqlDB entities, one per statement executed */
  int failed_index;        /* index of the failing statement, -1 if all succeeded */
  const char *failed_text; /* its text (valid until the next call), or NULL */
} sl_exec_result_t;

/* Executes every statement in text in order, stopping at the first failure
 * (statements before it stay executed, as in ksqlDB). Returns 0 or the
 * failing code with err filled (err->offset relative to the failing
 * statement's text). Transient SELECTs are refused here (see sl_engine_query). */
int sl_engine_execute(sl_engine_t *e, const char *text, sl_session_t *session,
                      sl_exec_result_t *res, sl_error_t *err);
void sl_exec_result_free(sl_exec_result_t *res);

/* The metastore, read-only, for the test runner and the server. */
const sl_source_t *sl_engine_find_source(sl_engine_t *e, const char *name);
int sl_engine_source_count(sl_engine_t *e);
const sl_source_t *sl_engine_source_at(sl_engine_t *e, int i);
sl_topic_driver_t *sl_engine_driver(sl_engine_t *e);
int sl_engine_query_count(sl_engine_t *e);
sl_query_t *sl_engine_query_at(sl_engine_t *e, int i);

/* ---- transient queries: push (EMIT CHANGES) and pull ---- */
typedef struct sl_tquery sl_tquery_t;

/* Receives one result row as a JSON array of column values (borrowed: copy
 * what you keep). May be called from a worker thread, never concurrently for
 * one query. Return non-zero to stop the query. */
typedef int (*sl_row_fn)(void *ctx, const struct json_t *row);
/* Called once when the query ends by itself (LIMIT reached, pull query done,
 * or a failure: err->code != 0). Not called after sl_tquery_close. May be
 * called from a worker thread. */
typedef void (*sl_done_fn)(void *ctx, const sl_error_t *err);

typedef struct sl_tquery_info {
  const char *query_id;  /* transient query id (valid until close) */
  struct json_t *schema; /* {"columnNames": [...], "columnTypes": [...]} (owned by the query) */
  bool is_pull;          /* a pull query: finishes after the current rows */
} sl_tquery_info_t;

/* Starts a transient SELECT (sql holds exactly one SELECT statement). */
int sl_engine_query_start(sl_engine_t *e, const char *sql, sl_session_t *session, sl_row_fn on_row,
                          sl_done_fn on_done, void *ctx, sl_tquery_t **out, sl_tquery_info_t *info,
                          sl_error_t *err);
/* Stops the query (if running) and frees it; blocks until no callback runs. */
void sl_tquery_close(sl_tquery_t *q);
/* Stops a transient query by id (/close-query); SL_ENOTFOUND if unknown. */
int sl_engine_query_close_id(sl_engine_t *e, const char *query_id);

#endif
