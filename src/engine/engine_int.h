/*
 * engine_int.h - private to engine/: the engine's state and the helpers its
 * statement handlers share (entity builders, the metastore, query start/stop).
 */
#ifndef SLUICE_ENGINE_INT_H
#define SLUICE_ENGINE_INT_H

#include <jansson.h>
#include <pthread.h>

#include "sluice/analyze.h"
#include "sluice/engine.h"
#include "sluice/parser.h"

struct sl_engine {
  sl_catalog_t *catalog;
  sl_topic_driver_t *driver;
  sl_map_t *props; /* server properties: name -> malloc'd value */
  char *service_id;
  sl_plog_fn plog; /* what tasks call: user_plog plus the processing-log topic */
  void *plog_ctx;
  sl_plog_fn user_plog; /* the configured sink (stderr/file by default) */
  void *user_plog_ctx;
  char *plog_topic; /* topic behind SLUICE_PROCESSING_LOG, or NULL */
  pthread_mutex_t plog_lock;
  bool start_queries;
  sl_map_t *sources; /* name -> sl_source_t* (insertion order = creation order) */
  sl_map_t *queries; /* id -> sl_query_t* */
  sl_map_t *types;   /* name -> custom_type_t* */
  int64_t next_query_id;
  int64_t command_seq;
  bool restoring;               /* replaying the catalog: no topic creation, no logging */
  const char *restore_query_id; /* id to reuse for the query being restored */
  bool restore_paused;          /* the query being restored was paused */
  sl_map_t *tqueries;           /* running transient queries: id -> sl_tquery_t* */
  pthread_mutex_t tq_lock;      /* guards tqueries (closed from any thread) */
};

typedef struct custom_type {
  sl_arena_t arena;
  const sl_type_t *type;
} custom_type_t;

/* Per-statement execution context. */
typedef struct stmt_ctx {
  sl_engine_t *e;
  sl_session_t *session;
  const sl_stmt_t *st;
  sl_arena_t *arena; /* statement arena (holds the syntax tree) */
  bool *adopted;     /* set when a query took ownership of the arena */
  sl_map_t *props;   /* effective properties: session over server (borrowed values) */
  json_t *entity;    /* result entity, set by the handler */
} stmt_ctx_t;

/* Entities. */
json_t *sl_entity_status(stmt_ctx_t *c, const char *command_id, const char *message,
                         const char *query_id);
json_t *sl_entity_warning(stmt_ctx_t *c, const char *message);

/* Metastore helpers. */
const sl_source_t *sl_engine_source(sl_engine_t *e, const char *name);
const sl_type_t *sl_engine_lookup_type(void *ctx, const char *name);
void sl_engine_analyze_ctx(stmt_ctx_t *c, sl_analyze_ctx_t *ax);

/* Queries. */
int sl_engine_start_query(sl_engine_t *e, sl_query_t *q, sl_error_t *err);
void sl_engine_stop_query(sl_engine_t *e, sl_query_t *q);
void sl_query_free(sl_query_t *q);

/* Statement handlers. */
int sl_exec_create_source(stmt_ctx_t *c, sl_error_t *err);
int sl_exec_create_as_select(stmt_ctx_t *c, sl_error_t *err);
int sl_exec_insert_select(stmt_ctx_t *c, sl_error_t *err);
int sl_exec_insert_values(stmt_ctx_t *c, sl_error_t *err);
int sl_exec_drop(stmt_ctx_t *c, sl_error_t *err);
int sl_exec_terminate(stmt_ctx_t *c, sl_error_t *err);
int sl_exec_pause_resume(stmt_ctx_t *c, sl_error_t *err);
int sl_exec_create_type(stmt_ctx_t *c, sl_error_t *err);
int sl_exec_show(stmt_ctx_t *c, sl_error_t *err);
int sl_exec_describe(stmt_ctx_t *c, sl_error_t *err);
int sl_exec_describe_function(stmt_ctx_t *c, sl_error_t *err);
int sl_exec_explain(stmt_ctx_t *c, sl_error_t *err);
int sl_exec_set(stmt_ctx_t *c, sl_error_t *err);
int sl_exec_define(stmt_ctx_t *c, sl_error_t *err);

/* Writes a source to the catalog plus the command log (no-op while restoring). */
int sl_engine_persist_source(sl_engine_t *e, const sl_source_t *s, sl_error_t *err);
int sl_engine_log_command(stmt_ctx_t *c, sl_error_t *err);

#endif
