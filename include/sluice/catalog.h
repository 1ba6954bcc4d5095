/*
 * catalog.h - the metastore's durable half: a SQLite file in the data
 * directory holding sources (streams and tables with their columns and
 * formats), persistent queries, custom types and the command log. The engine
 * keeps the live copy in memory and writes through here; on start it loads
 * everything back. Schema changes go through numbered migrations.
 */
#ifndef SLUICE_CATALOG_H
#define SLUICE_CATALOG_H

#include "sluice/ast.h"
#include "sluice/serde.h"
#include "sluice/types.h"

/* A stream or table known to the engine. Everything it points to lives in
 * its own arena, so it can be freed on DROP without touching anyone else. */
typedef struct sl_source {
  sl_arena_t arena;       /* owns every pointer below */
  const char *name;       /* upper-cased unless quoted */
  bool is_table;          /* TABLE vs STREAM */
  bool is_source;         /* CREATE SOURCE ...: read-only, materialized */
  const char *topic;      /* KAFKA_TOPIC */
  const char *key_format; /* "KAFKA", "JSON", "DELIMITED", "NONE", ... */
  const char *value_format;
  sl_serde_opts_t key_opts;
  sl_serde_opts_t value_opts;
  sl_schema_t *schema;          /* key columns first */
  const char *timestamp_column; /* TIMESTAMP='col' or NULL */
  const char *timestamp_format; /* TIMESTAMP_FORMAT or NULL */
  sl_window_kind_t window_type; /* windowed key (WINDOW_TYPE or windowed aggregate) */
  int64_t window_size_ms;       /* WINDOW_SIZE for TUMBLING/HOPPING */
  int partitions;               /* topic partitions */
  int replicas;
  const char *statement; /* the statement that created it */
  const char *query_id;  /* writing persistent query for CSAS/CTAS, else NULL */
} sl_source_t;

sl_source_t *sl_source_new(void); /* zeroed, arena initialised */
void sl_source_free(sl_source_t *s);

/* A persistent query as recorded in the catalog. */
typedef struct sl_query_info {
  const char *id;         /* CSAS_OUTPUT_0, CTAS_T_1, INSERTQUERY_2 */
  const char *statement;  /* full statement text (variables already substituted) */
  const char *sink;       /* sink source name, or NULL */
  const char *sources;    /* comma separated source names */
  const char *state;      /* "RUNNING", "PAUSED" */
  const char *props_json; /* streamsProperties in force at creation, JSON object */
} sl_query_info_t;

typedef struct sl_catalog sl_catalog_t;

/* Opens (creating and migrating) the catalog at path; NULL means in memory.
 * A catalog is used from one thread at a time (the engine's). */
int sl_catalog_open(const char *path, sl_catalog_t **out, sl_error_t *err);
void sl_catalog_close(sl_catalog_t *c);
int sl_catalog_schema_version(sl_catalog_t *c);

/* Transactions group the writes of one statement: all or nothing. */
int sl_catalog_begin(sl_catalog_t *c, sl_error_t *err);
int sl_catalog_commit(sl_catalog_t *c, sl_error_t *err);
void sl_catalog_rollback(sl_catalog_t *c);

/* Puts replace an entry of the same name in place (keeping its creation
 * order); deletes of a name that is not there return SL_ENOTFOUND. */
int sl_catalog_put_source(sl_catalog_t *c, const sl_source_t *s, sl_error_t *err);
int sl_catalog_delete_source(sl_catalog_t *c, const char *name, sl_error_t *err);
/* Appends sl_source_t* (caller frees each with sl_source_free) in creation order. */
int sl_catalog_load_sources(sl_catalog_t *c, sl_ptrvec_t *out, sl_error_t *err);

int sl_catalog_put_query(sl_catalog_t *c, const sl_query_info_t *q, sl_error_t *err);
int sl_catalog_delete_query(sl_catalog_t *c, const char *id, sl_error_t *err);
/* Records a query's state (RUNNING, PAUSED) so a restart honours it. */
int sl_catalog_set_query_state(sl_catalog_t *c, const char *id, const char *state, sl_error_t *err);
/* Appends malloc'd sl_query_info_t* (free with sl_query_info_free) in creation order. */
int sl_catalog_load_queries(sl_catalog_t *c, sl_ptrvec_t *out, sl_error_t *err);
void sl_query_info_free(sl_query_info_t *q);

/* Custom types: name -> type text as sl_type_format writes it. */
int sl_catalog_put_type(sl_catalog_t *c, const char *name, const char *type_sql, sl_error_t *err);
int sl_catalog_delete_type(sl_catalog_t *c, const char *name, sl_error_t *err);
/* Fills names and sqls (both malloc'd strings) in creation order. */
int sl_catalog_load_types(sl_catalog_t *c, sl_ptrvec_t *names, sl_ptrvec_t *sqls, sl_error_t *err);

/* Command log: every successful statement that changed state, numbered.
 * Sequence numbers start at 1; last_command returns 0 for an empty log. */
int sl_catalog_append_command(sl_catalog_t *c, const char *statement, int64_t *seq,
                              sl_error_t *err);
int64_t sl_catalog_last_command(sl_catalog_t *c);

/* Small key/value settings (next query id, service id, ...). A NULL value
 * removes the key. */
int sl_catalog_set_meta(sl_catalog_t *c, const char *key, const char *value, sl_error_t *err);
/* Returns a malloc'd copy or NULL when unset. */
char *sl_catalog_get_meta(sl_catalog_t *c, const char *key);

#endif
