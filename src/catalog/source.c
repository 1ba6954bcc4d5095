/*
 * source.c - life cycle of an sl_source_t, the engine's record of one stream
 * or table. A source owns a single arena holding its name, formats, schema
 * and statement text, so DROP frees it in one call without walking fields and
 * without touching the arenas of queries that were planned against it (they
 * copy what they keep).
 */
#include <stdlib.h>

#include "sluice/catalog.h"

sl_source_t *sl_source_new(void) {
  sl_source_t *s = sl_xcalloc(1, sizeof *s);
  /* Most sources are a handful of columns and one statement: 4 KB blocks keep
   * small catalogs small while big schemas just chain more blocks. */
  sl_arena_init(&s->arena, 4096);
  return s;
}

void sl_source_free(sl_source_t *s) {
  if (!s) return;
  sl_arena_free(&s->arena);
  free(s);
}
