/*
 * types.c - SQL type descriptors: the primitive singletons, constructors for
 * composite types (arena allocated by whoever owns them), structural equality,
 * ksqlDB's textual spelling, resolution of parsed types, implicit widening, and
 * the small helpers on schemas (ordered column lists of a source or query).
 */
#include "sluice/types.h"

#include <string.h>

const sl_type_t sl_type_boolean = {.kind = SL_T_BOOLEAN};
const sl_type_t sl_type_int = {.kind = SL_T_INT};
const sl_type_t sl_type_bigint = {.kind = SL_T_BIGINT};
const sl_type_t sl_type_double = {.kind = SL_T_DOUBLE};
const sl_type_t sl_type_string = {.kind = SL_T_STRING};
const sl_type_t sl_type_bytes = {.kind = SL_T_BYTES};
const sl_type_t sl_type_date = {.kind = SL_T_DATE};
const sl_type_t sl_type_time = {.kind = SL_T_TIME};
const sl_type_t sl_type_timestamp = {.kind = SL_T_TIMESTAMP};

const sl_type_t *sl_type_primitive(sl_type_kind_t kind) {
  switch (kind) {
    case SL_T_BOOLEAN: return &sl_type_boolean;
    case SL_T_INT: return &sl_type_int;
    case SL_T_BIGINT: return &sl_type_bigint;
    case SL_T_DOUBLE: return &sl_type_double;
    case SL_T_STRING: return &sl_type_string;
    case SL_T_BYTES: return &sl_type_bytes;
    case SL_T_DATE: return &sl_type_date;
    case SL_T_TIME: return &sl_type_time;
    case SL_T_TIMESTAMP: return &sl_type_timestamp;
    default: return NULL;
  }
}

const sl_type_t *sl_type_decimal(sl_arena_t *a, int precision, int scale) {
  sl_type_t *t = sl_arena_alloc(a, sizeof *t);
  t->kind = SL_T_DECIMAL;
  t->precision = precision;
  t->scale = scale;
  return t;
}

const sl_type_t *sl_type_array(sl_arena_t *a, const sl_type_t *elem) {
  sl_type_t *t = sl_arena_alloc(a, sizeof *t);
  t->kind = SL_T_ARRAY;
  t->elem = elem;
  return t;
}

const sl_type_t *sl_type_map(sl_arena_t *a, const sl_type_t *key, const sl_type_t *value) {
  sl_type_t *t = sl_arena_alloc(a, sizeof *t);
  t->kind = SL_T_MAP;
  t->key = key;
  t->elem = value;
  return t;
}

/* The field array is copied (names are not: they are expected to live at
 * least as long as the arena, as parsed identifiers do). */
const sl_type_t *sl_type_struct(sl_arena_t *a, int nfields, const sl_type_field_t *fields) {
  sl_type_t *t = sl_arena_alloc(a, sizeof *t);
  t->kind = SL_T_STRUCT;
  t->nfields = nfields;
  if (nfields > 0) t->fields = sl_arena_memdup(a, fields, sizeof *fields * (size_t)nfields);
  return t;
}

const sl_type_t *sl_type_copy(sl_arena_t *a, const sl_type_t *t) {
  if (!t) return NULL;
  const sl_type_t *p = sl_type_primitive(t->kind);
  if (p) return p;
  switch (t->kind) {
    case SL_T_DECIMAL: return sl_type_decimal(a, t->precision, t->scale);
    case SL_T_ARRAY: return sl_type_array(a, sl_type_copy(a, t->elem));
    case SL_T_MAP: return sl_type_map(a, sl_type_copy(a, t->key), sl_type_copy(a, t->elem));
    case SL_T_STRUCT: {
      sl_type_t *n = sl_arena_alloc(a, sizeof *n);
      n->kind = SL_T_STRUCT;
      n->nfields = t->nfields;
      if (t->nfields > 0) {
        sl_type_field_t *f = sl_arena_alloc(a, sizeof *f * (size_t)t->nfields);
        for (int i = 0; i < t->nfields; i++) {
          f[i].name = sl_arena_strdup(a, t->fields[i].name);
          f[i].type = sl_type_copy(a, t->fields[i].type);
        }
        n->fields = f;
      }
      return n;
    }
    default: return t;
  }
}

bool sl_type_equal(const sl_type_t *a, const sl_type_t *b) {
  if (a == b) return true;
  if (!a || !b || a->kind != b->kind) return false;
  switch (a->kind) {
    case SL_T_DECIMAL: return a->precision == b->precision && a->scale == b->scale;
    case SL_T_ARRAY: return sl_type_equal(a->elem, b->elem);
    case SL_T_MAP: return sl_type_equal(a->key, b->key) && sl_type_equal(a->elem, b->elem);
    case SL_T_STRUCT:
      if (a->nfields != b->nfields) return false;
      for (int i = 0; i < a->nfields; i++) {
        if (strcmp(a->fields[i].name, b->fields[i].name) != 0) return false;
        if (!sl_type_equal(a->fields[i].type, b->fields[i].type)) return false;
      }
      return true;
    default: return true;
  }
}

const char *sl_type_kind_name(sl_type_kind_t k) {
  switch (k) {
    case SL_T_NULL: return "NULL";
    case SL_T_BOOLEAN: return "BOOLEAN";
    case SL_T_INT: return "INTEGER";
    case SL_T_BIGINT: return "BIGINT";
    case SL_T_DOUBLE: return "DOUBLE";
    case SL_T_DECIMAL: return "DECIMAL";
    case SL_T_STRING: return "STRING";
    case SL_T_BYTES: return "BYTES";
    case SL_T_DATE: return "DATE";
    case SL_T_TIME: return "TIME";
    case SL_T_TIMESTAMP: return "TIMESTAMP";
    case SL_T_ARRAY: return "ARRAY";
    case SL_T_MAP: return "MAP";
    case SL_T_STRUCT: return "STRUCT";
  }
  return "UNKNOWN";
}

bool sl_type_is_numeric(const sl_type_t *t) {
  if (!t) return false;
  return t->kind == SL_T_INT || t->kind == SL_T_BIGINT || t->kind == SL_T_DOUBLE ||
         t->kind == SL_T_DECIMAL;
}

void sl_type_format(const sl_type_t *t, sl_buf_t *out) {
  if (!t) {
    sl_buf_puts(out, "NULL");
    return;
  }
  switch (t->kind) {
    case SL_T_DECIMAL: sl_buf_printf(out, "DECIMAL(%d, %d)", t->precision, t->scale); break;
    case SL_T_ARRAY:
      sl_buf_puts(out, "ARRAY<");
      sl_type_format(t->elem, out);
      sl_buf_putc(out, '>');
      break;
    case SL_T_MAP:
      sl_buf_puts(out, "MAP<");
      sl_type_format(t->key, out);
      sl_buf_puts(out, ", ");
      sl_type_format(t->elem, out);
      sl_buf_putc(out, '>');
      break;
    case SL_T_STRUCT:
      sl_buf_puts(out, "STRUCT<");
      for (int i = 0; i < t->nfields; i++) {
        if (i) sl_buf_puts(out, ", ");
        sl_buf_printf(out, "`%s` ", t->fields[i].name);
        sl_type_format(t->fields[i].type, out);
      }
      sl_buf_putc(out, '>');
      break;
    default: sl_buf_puts(out, sl_type_kind_name(t->kind)); break;
  }
}

/* ksqlDB allows decimals of precision 1..38 with 0 <= scale <= precision. */
int sl_type_from_ast(const sl_type_ast_t *ta, sl_arena_t *a, sl_type_lookup_fn lookup, void *ctx,
                     const sl_type_t **out, sl_error_t *err) {
  *out = NULL;
  switch (ta->kind) {
    case SL_TA_BOOLEAN: *out = &sl_type_boolean; return 0;
    case SL_TA_INT: *out = &sl_type_int; return 0;
    case SL_TA_BIGINT: *out = &sl_type_bigint; return 0;
    case SL_TA_DOUBLE: *out = &sl_type_double; return 0;
    case SL_TA_STRING: *out = &sl_type_string; return 0;
    case SL_TA_BYTES: *out = &sl_type_bytes; return 0;
    case SL_TA_DATE: *out = &sl_type_date; return 0;
    case SL_TA_TIME: *out = &sl_type_time; return 0;
    case SL_TA_TIMESTAMP: *out = &sl_type_timestamp; return 0;
    case SL_TA_DECIMAL:
      if (ta->precision < 1 || ta->precision > 38)
        return sl_error_set(err, SL_ESEMANTIC, ta->offset,
                            "DECIMAL precision must be in range [1, 38]: %d", ta->precision);
      if (ta->scale < 0 || ta->scale > ta->precision)
        return sl_error_set(err, SL_ESEMANTIC, ta->offset,
                            "DECIMAL scale must be in range [0, precision]: %d", ta->scale);
      *out = sl_type_decimal(a, ta->precision, ta->scale);
      return 0;
    case SL_TA_ARRAY: {
      const sl_type_t *e;
      int rc = sl_type_from_ast(ta->elem, a, lookup, ctx, &e, err);
      if (rc) return rc;
      *out = sl_type_array(a, e);
      return 0;
    }
    case SL_TA_MAP: {
      const sl_type_t *k = &sl_type_string, *v;
      int rc;
      if (ta->key) {
        rc = sl_type_from_ast(ta->key, a, lookup, ctx, &k, err);
        if (rc) return rc;
      }
      rc = sl_type_from_ast(ta->elem, a, lookup, ctx, &v, err);
      if (rc) return rc;
      *out = sl_type_map(a, k, v);
      return 0;
    }
    case SL_TA_STRUCT: {
      int n = ta->fields.len;
      sl_type_field_t *f = n ? sl_arena_alloc(a, sizeof *f * (size_t)n) : NULL;
      for (int i = 0; i < n; i++) {
        const sl_struct_field_ast_t *fa = ta->fields.items[i];
        for (int j = 0; j < i; j++) {
          if (strcmp(f[j].name, fa->name.name) == 0)
            return sl_error_set(err, SL_ESEMANTIC, fa->name.offset,
                                "Duplicate field names found in STRUCT: '%s'", fa->name.name);
        }
        f[i].name = sl_arena_strdup(a, fa->name.name);
        int rc = sl_type_from_ast(fa->type, a, lookup, ctx, &f[i].type, err);
        if (rc) return rc;
      }
      sl_type_t *t = sl_arena_alloc(a, sizeof *t);
      t->kind = SL_T_STRUCT;
      t->nfields = n;
      t->fields = f;
      *out = t;
      return 0;
    }
    case SL_TA_NAMED: {
      const sl_type_t *t = lookup ? lookup(ctx, ta->name) : NULL;
      if (!t) return sl_error_set(err, SL_ESEMANTIC, ta->offset, "Unknown type: %s", ta->name);
      *out = t;
      return 0;
    }
  }
  return sl_error_set(err, SL_ESEMANTIC, ta->offset, "Unknown type");
}

/* Digits needed left of the point to hold any value of an integral kind. */
static int integral_digits(sl_type_kind_t k) {
  return k == SL_T_INT ? 10 : k == SL_T_BIGINT ? 19 : 0;
}

bool sl_type_can_widen(const sl_type_t *from, const sl_type_t *to) {
  if (!from || !to) return true; /* NULL literal fits anywhere */
  if (sl_type_equal(from, to)) return true;
  switch (to->kind) {
    case SL_T_BIGINT: return from->kind == SL_T_INT;
    case SL_T_DECIMAL:
      if (from->kind == SL_T_INT || from->kind == SL_T_BIGINT)
        return to->precision - to->scale >= integral_digits(from->kind);
      if (from->kind == SL_T_DECIMAL)
        return to->scale >= from->scale &&
               to->precision - to->scale >= from->precision - from->scale;
      return false;
    case SL_T_DOUBLE:
      return from->kind == SL_T_INT || from->kind == SL_T_BIGINT || from->kind == SL_T_DECIMAL;
    case SL_T_ARRAY: return from->kind == SL_T_ARRAY && sl_type_can_widen(from->elem, to->elem);
    case SL_T_MAP:
      return from->kind == SL_T_MAP && sl_type_can_widen(from->key, to->key) &&
             sl_type_can_widen(from->elem, to->elem);
    case SL_T_STRUCT:
      if (from->kind != SL_T_STRUCT || from->nfields != to->nfields) return false;
      for (int i = 0; i < to->nfields; i++) {
        if (strcmp(from->fields[i].name, to->fields[i].name) != 0) return false;
        if (!sl_type_can_widen(from->fields[i].type, to->fields[i].type)) return false;
      }
      return true;
    default: return false;
  }
}

/* ---------------- schemas ---------------- */

int sl_schema_find(const sl_schema_t *s, const char *name) {
  for (int i = 0; i < s->ncols; i++)
    if (strcmp(s->cols[i].name, name) == 0) return i;
  return -1;
}

int sl_schema_key_count(const sl_schema_t *s) {
  int n = 0;
  for (int i = 0; i < s->ncols; i++)
    if (s->cols[i].ns == SL_NS_KEY) n++;
  return n;
}

sl_schema_t *sl_schema_copy(sl_arena_t *a, const sl_schema_t *s) {
  sl_schema_t *c = sl_arena_alloc(a, sizeof *c);
  c->ncols = s->ncols;
  if (s->ncols > 0) {
    c->cols = sl_arena_alloc(a, sizeof *c->cols * (size_t)s->ncols);
    for (int i = 0; i < s->ncols; i++) {
      c->cols[i].name = sl_arena_strdup(a, s->cols[i].name);
      c->cols[i].type = sl_type_copy(a, s->cols[i].type);
      c->cols[i].ns = s->cols[i].ns;
      c->cols[i].header_key =
          s->cols[i].header_key ? sl_arena_strdup(a, s->cols[i].header_key) : NULL;
    }
  }
  return c;
}

void sl_schema_format(const sl_schema_t *s, sl_buf_t *out) {
  for (int i = 0; i < s->ncols; i++) {
    const sl_column_t *c = &s->cols[i];
    if (i) sl_buf_puts(out, ", ");
    sl_buf_printf(out, "`%s` ", c->name);
    sl_type_format(c->type, out);
    switch (c->ns) {
      case SL_NS_KEY: sl_buf_puts(out, " KEY"); break;
      case SL_NS_HEADERS: sl_buf_puts(out, " HEADERS"); break;
      case SL_NS_HEADER:
        sl_buf_printf(out, " HEADER('%s')", c->header_key ? c->header_key : "");
        break;
      default: break;
    }
  }
}
