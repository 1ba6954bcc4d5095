/*
 * analyze.h - the binder: a SELECT (inside CSAS/CTAS, INSERT INTO ... SELECT
 * or a transient query) checked against the metastore and turned into a plan.
 * It resolves names, type-checks expressions, applies ksqlDB's rules about key
 * columns and output names, and decides the sink's formats and topic.
 */
#ifndef SLUICE_ANALYZE_H
#define SLUICE_ANALYZE_H

#include "sluice/ast.h"
#include "sluice/catalog.h"
#include "sluice/plan.h"

typedef struct sl_analyze_ctx {
  const sl_source_t *(*find_source)(void *ctx, const char *name);
  const sl_type_t *(*lookup_type)(void *ctx, const char *name);
  void *ctx;
  const sl_map_t *props;  /* effective properties (session over server), const char* values */
  const char *query_id;   /* id the query will get (names internal topics) */
  const char *service_id; /* ksql.service.id */
  bool transient;         /* a push/pull query: the result need not carry the key */
} sl_analyze_ctx_t;

/* What the sink of a persistent query will be. For CSAS/CTAS the analyzer
 * fills it from the WITH clause, the properties and the source; for INSERT
 * INTO the caller passes the target and the analyzer checks compatibility. */
typedef struct sl_sink_spec {
  const char *name; /* sink source name */
  bool is_table;
  const char *topic;
  const char *key_format, *value_format;
  sl_serde_opts_t key_opts, value_opts;
  int partitions, replicas; /* 0 = from the source topic */
  const char *timestamp_column, *timestamp_format;
  sl_window_kind_t window_type;
  int64_t window_size_ms;
} sl_sink_spec_t;

/* Analyzes stmt (CSAS, CTAS, INSERT SELECT). For INSERT, target is the
 * existing sink; otherwise NULL and spec is filled. On success *plan is a
 * complete plan ending in a sink node (caller frees with sl_plan_free). */
int sl_analyze_persistent(const sl_stmt_t *stmt, const sl_source_t *target,
                          const sl_analyze_ctx_t *ax, sl_sink_spec_t *spec, sl_plan_t **plan,
                          sl_error_t *err);

/* Builds the plan node that decodes a source's records (also used for PRINT). */
int sl_plan_source_node(const sl_source_t *s, sl_arena_t *a, sl_pnode_t **out, sl_error_t *err);

/* Property helpers shared with the engine's DDL code. */
const sl_property_t *sl_props_find(const sl_list_t *props, const char *name);
/* Literal value of a WITH property as text (strings unquoted, numbers as written). */
const char *sl_prop_text(const sl_property_t *p);
/* Parses a delimiter setting ("," "TAB" "SPACE" ...) into *out. */
int sl_parse_delimiter(const char *s, const char *which, char *out, sl_error_t *err);

#endif
