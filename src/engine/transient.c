/*
 * transient.c - push and pull queries. Not implemented yet: the entry points
 * exist so the REST layer and the shell can be built against them.
 */
#include "engine_int.h"

int sl_engine_query_start(sl_engine_t *e, const char *sql, sl_session_t *session,
                          sl_row_fn on_row, sl_done_fn on_done, void *ctx, sl_tquery_t **out,
                          sl_tquery_info_t *info, sl_error_t *err) {
  (void)e;
  (void)sql;
  (void)session;
  (void)on_row;
  (void)on_done;
  (void)ctx;
  (void)info;
  *out = NULL;
  return sl_error_set(err, SL_EUNSUPPORTED, 0, "Transient queries are not supported yet");
}

void sl_tquery_close(sl_tquery_t *q) { (void)q; }

int sl_engine_query_close_id(sl_engine_t *e, const char *query_id) {
  (void)e;
  (void)query_id;
  return SL_ENOTFOUND;
}
