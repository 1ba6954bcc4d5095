/*
 * value_heap.c - deep copies of values on the heap, for state that outlives
 * the per-record arena (aggregates, join buffers). Each copy is freed with
 * sl_value_heap_free; nothing is shared between copies.
 */
#include <stdlib.h>
#include <string.h>

#include "exec.h"

sl_value_t sl_value_heap_copy(const sl_value_t *v) {
  sl_value_t c = *v;
  switch (v->kind) {
    case SL_T_STRING:
    case SL_T_BYTES: {
      char *p = sl_xmalloc(v->u.s.len + 1);
      if (v->u.s.len) memcpy(p, v->u.s.ptr, v->u.s.len);
      p[v->u.s.len] = 0;
      c.u.s.ptr = p;
      break;
    }
    case SL_T_ARRAY:
    case SL_T_MAP: {
      uint32_t n = v->kind == SL_T_MAP ? v->u.arr.n * 2 : v->u.arr.n;
      c.u.arr.items = n ? sl_xmalloc(sizeof(sl_value_t) * n) : NULL;
      for (uint32_t i = 0; i < n; i++) c.u.arr.items[i] = sl_value_heap_copy(&v->u.arr.items[i]);
      break;
    }
    case SL_T_STRUCT: {
      int n = v->u.st.type ? v->u.st.type->nfields : 0;
      c.u.st.fields = n ? sl_xmalloc(sizeof(sl_value_t) * (size_t)n) : NULL;
      for (int i = 0; i < n; i++) c.u.st.fields[i] = sl_value_heap_copy(&v->u.st.fields[i]);
      break;
    }
    default: break;
  }
  return c;
}

void sl_value_heap_free(sl_value_t *v) {
  switch (v->kind) {
    case SL_T_STRING:
    case SL_T_BYTES: free((void *)v->u.s.ptr); break;
    case SL_T_ARRAY:
    case SL_T_MAP: {
      uint32_t n = v->kind == SL_T_MAP ? v->u.arr.n * 2 : v->u.arr.n;
      for (uint32_t i = 0; i < n; i++) sl_value_heap_free(&v->u.arr.items[i]);
      free(v->u.arr.items);
      break;
    }
    case SL_T_STRUCT: {
      int n = v->u.st.type ? v->u.st.type->nfields : 0;
      for (int i = 0; i < n; i++) sl_value_heap_free(&v->u.st.fields[i]);
      free(v->u.st.fields);
      break;
    }
    default: break;
  }
  *v = sl_null();
}
