/*
 * fn_json.c - JSON scalar functions: EXTRACTJSONFIELD, IS_JSON_STRING,
 * JSON_ARRAY_CONTAINS, JSON_ARRAY_LENGTH, JSON_CONCAT, JSON_KEYS,
 * JSON_RECORDS and TO_JSON_STRING. ksqlDB runs these on Jackson trees, so a
 * small parser here builds the same kind of tree in the per-batch arena:
 * numbers keep their source text (Jackson keeps exact BigDecimals), strings
 * are decoded, a repeated object key keeps its first position and its last
 * value, and text after the first complete value is ignored as Jackson's
 * readTree does. Output is compact with Jackson's escaping (control
 * characters as \uXXXX, everything else verbatim).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr_int.h"

/* ---------------- the tree ---------------- */

typedef enum { J_NULL, J_FALSE, J_TRUE, J_NUM, J_STR, J_ARR, J_OBJ } jkind_t;

typedef struct jnode jnode_t;
struct jnode {
  jkind_t kind;
  const char *s; /* NUM: source text; STR: decoded bytes */
  uint32_t n;
  jnode_t **items; /* ARR elements, OBJ values */
  jnode_t **keys;  /* OBJ keys (STR nodes) */
  uint32_t cnt, cap;
};

typedef struct {
  const char *p, *end;
  sl_arena_t *a;
  int depth;
} jparser_t;

static void jskip_ws(jparser_t *jp) {
  while (jp->p < jp->end && (*jp->p == ' ' || *jp->p == '\t' || *jp->p == '\n' || *jp->p == '\r'))
    jp->p++;
}

static jnode_t *jnew(jparser_t *jp, jkind_t k) {
  jnode_t *n = sl_arena_alloc(jp->a, sizeof *n);
  memset(n, 0, sizeof *n);
  n->kind = k;
  return n;
}

static void jpush(sl_arena_t *a, jnode_t *parent, jnode_t *key, jnode_t *val) {
  if (parent->cnt == parent->cap) {
    uint32_t cap = parent->cap ? parent->cap * 2 : 4;
    jnode_t **items = sl_arena_alloc(a, sizeof *items * cap);
    if (parent->cnt) memcpy(items, parent->items, sizeof *items * parent->cnt);
    parent->items = items;
    if (parent->kind == J_OBJ) {
      jnode_t **keys = sl_arena_alloc(a, sizeof *keys * cap);
      if (parent->cnt) memcpy(keys, parent->keys, sizeof *keys * parent->cnt);
      parent->keys = keys;
    }
    parent->cap = cap;
  }
  if (key) parent->keys[parent->cnt] = key;
  parent->items[parent->cnt++] = val;
}

static int jhex(char c) {
  return c >= '0' && c <= '9'   ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}

static size_t jput_utf8(char *o, uint32_t cp) {
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | (cp >> 18));
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

static bool jread_u4(jparser_t *jp, uint32_t *v) {
  if (jp->end - jp->p < 4) return false;
  *v = 0;
  for (int i = 0; i < 4; i++) {
    int h = jhex(jp->p[i]);
    if (h < 0) return false;
    *v = *v * 16 + (uint32_t)h;
  }
  jp->p += 4;
  return true;
}

static jnode_t *jparse_string(jparser_t *jp) {
  jp->p++; /* opening quote */
  const char *st = jp->p;
  while (jp->p < jp->end && *jp->p != '"') jp->p += *jp->p == '\\' && jp->p + 1 < jp->end ? 2 : 1;
  if (jp->p >= jp->end) return NULL;
  size_t raw = (size_t)(jp->p - st);
  char *o = sl_arena_alloc(jp->a, raw + 1);
  size_t k = 0;
  jparser_t sub = {st, jp->p, jp->a, 0};
  while (sub.p < sub.end) {
    unsigned char c = (unsigned char)*sub.p;
    if (c < 0x20) return NULL; /* raw control characters are not allowed */
    if (c != '\\') {
      o[k++] = (char)c;
      sub.p++;
      continue;
    }
    sub.p++;
    char e = *sub.p++;
    switch (e) {
      case '"': o[k++] = '"'; break;
      case '\\': o[k++] = '\\'; break;
      case '/': o[k++] = '/'; break;
      case 'b': o[k++] = '\b'; break;
      case 'f': o[k++] = '\f'; break;
      case 'n': o[k++] = '\n'; break;
      case 'r': o[k++] = '\r'; break;
      case 't': o[k++] = '\t'; break;
      case 'u': {
        uint32_t cp, lo;
        if (!jread_u4(&sub, &cp)) return NULL;
        if (cp >= 0xD800 && cp < 0xDC00 && sub.end - sub.p >= 6 && sub.p[0] == '\\' &&
            sub.p[1] == 'u') {
          sub.p += 2;
          if (!jread_u4(&sub, &lo)) return NULL;
          if (lo >= 0xDC00 && lo < 0xE000)
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          else {
            k += jput_utf8(o + k, cp);
            cp = lo;
          }
        }
        k += jput_utf8(o + k, cp);
        break;
      }
      default: return NULL;
    }
  }
  jp->p++; /* closing quote */
  jnode_t *n = jnew(jp, J_STR);
  n->s = o;
  n->n = (uint32_t)k;
  return n;
}

static bool jdigit(char c) {
  return c >= '0' && c <= '9';
}

static jnode_t *jparse_number(jparser_t *jp) {
  const char *st = jp->p;
  if (jp->p < jp->end && *jp->p == '-') jp->p++;
  if (jp->p >= jp->end || !jdigit(*jp->p)) return NULL;
  if (*jp->p == '0' && jp->p + 1 < jp->end && jdigit(jp->p[1])) return NULL; /* leading zero */
  while (jp->p < jp->end && jdigit(*jp->p)) jp->p++;
  if (jp->p < jp->end && *jp->p == '.') {
    jp->p++;
    if (jp->p >= jp->end || !jdigit(*jp->p)) return NULL;
    while (jp->p < jp->end && jdigit(*jp->p)) jp->p++;
  }
  if (jp->p < jp->end && (*jp->p == 'e' || *jp->p == 'E')) {
    jp->p++;
    if (jp->p < jp->end && (*jp->p == '+' || *jp->p == '-')) jp->p++;
    if (jp->p >= jp->end || !jdigit(*jp->p)) return NULL;
    while (jp->p < jp->end && jdigit(*jp->p)) jp->p++;
  }
  jnode_t *n = jnew(jp, J_NUM);
  n->s = st;
  n->n = (uint32_t)(jp->p - st);
  return n;
}

static bool jword(jparser_t *jp, const char *w) {
  size_t n = strlen(w);
  if ((size_t)(jp->end - jp->p) < n || memcmp(jp->p, w, n) != 0) return false;
  jp->p += n;
  return true;
}

static jnode_t *jparse_value(jparser_t *jp) {
  jskip_ws(jp);
  if (jp->p >= jp->end || jp->depth > 1000) return NULL;
  char c = *jp->p;
  if (c == '"') return jparse_string(jp);
  if (c == '-' || jdigit(c)) return jparse_number(jp);
  if (c == 't') return jword(jp, "true") ? jnew(jp, J_TRUE) : NULL;
  if (c == 'f') return jword(jp, "false") ? jnew(jp, J_FALSE) : NULL;
  if (c == 'n') return jword(jp, "null") ? jnew(jp, J_NULL) : NULL;
  if (c != '[' && c != '{') return NULL;
  bool obj = c == '{';
  jnode_t *n = jnew(jp, obj ? J_OBJ : J_ARR);
  jp->p++;
  jp->depth++;
  jskip_ws(jp);
  if (jp->p < jp->end && *jp->p == (obj ? '}' : ']')) {
    jp->p++;
    jp->depth--;
    return n;
  }
  for (;;) {
    jnode_t *key = NULL;
    if (obj) {
      jskip_ws(jp);
      if (jp->p >= jp->end || *jp->p != '"' || !(key = jparse_string(jp))) return NULL;
      jskip_ws(jp);
      if (jp->p >= jp->end || *jp->p != ':') return NULL;
      jp->p++;
    }
    jnode_t *v = jparse_value(jp);
    if (!v) return NULL;
    uint32_t i = n->cnt;
    if (obj)
      for (i = 0; i < n->cnt; i++)
        if (n->keys[i]->n == key->n && memcmp(n->keys[i]->s, key->s, key->n) == 0) break;
    if (i < n->cnt)
      n->items[i] = v;
    else
      jpush(jp->a, n, key, v);
    jskip_ws(jp);
    if (jp->p < jp->end && *jp->p == ',') {
      jp->p++;
      continue;
    }
    if (jp->p < jp->end && *jp->p == (obj ? '}' : ']')) {
      jp->p++;
      jp->depth--;
      return n;
    }
    return NULL;
  }
}

/* Parses the first JSON value of s. *empty is set when s holds only
 * whitespace (Jackson's "missing node"); NULL is returned then too. */
static jnode_t *jparse(const char *s, size_t n, sl_arena_t *a, bool *empty) {
  jparser_t jp = {s, s + n, a, 0};
  jskip_ws(&jp);
  *empty = jp.p >= jp.end;
  if (*empty) return NULL;
  return jparse_value(&jp);
}

/* ---------------- writing ---------------- */

static void jwrite_str(sl_buf_t *b, const char *s, size_t n) {
  static const char hx[] = "0123456789ABCDEF";
  sl_buf_putc(b, '"');
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    switch (c) {
      case '"': sl_buf_puts(b, "\\\""); break;
      case '\\': sl_buf_puts(b, "\\\\"); break;
      case '\n': sl_buf_puts(b, "\\n"); break;
      case '\r': sl_buf_puts(b, "\\r"); break;
      case '\t': sl_buf_puts(b, "\\t"); break;
      case '\b': sl_buf_puts(b, "\\b"); break;
      case '\f': sl_buf_puts(b, "\\f"); break;
      default:
        if (c < 0x20) {
          char u[7] = {'\\', 'u', '0', '0', hx[c >> 4], hx[c & 15], 0};
          sl_buf_puts(b, u);
        } else {
          sl_buf_putc(b, (char)c);
        }
    }
  }
  sl_buf_putc(b, '"');
}

static void jwrite(const jnode_t *n, sl_buf_t *b) {
  switch (n->kind) {
    case J_NULL: sl_buf_puts(b, "null"); break;
    case J_TRUE: sl_buf_puts(b, "true"); break;
    case J_FALSE: sl_buf_puts(b, "false"); break;
    case J_NUM: sl_buf_append(b, n->s, n->n); break;
    case J_STR: jwrite_str(b, n->s, n->n); break;
    case J_ARR:
    case J_OBJ:
      sl_buf_putc(b, n->kind == J_ARR ? '[' : '{');
      for (uint32_t i = 0; i < n->cnt; i++) {
        if (i) sl_buf_putc(b, ',');
        if (n->kind == J_OBJ) {
          jwrite_str(b, n->keys[i]->s, n->keys[i]->n);
          sl_buf_putc(b, ':');
        }
        jwrite(n->items[i], b);
      }
      sl_buf_putc(b, n->kind == J_ARR ? ']' : '}');
      break;
  }
}

static sl_value_t buf_value(sl_arena_t *a, sl_buf_t *b) {
  sl_value_t v = sl_str_dup(a, b->data ? b->data : "", b->len);
  sl_buf_free(b);
  return v;
}

static sl_value_t jtext(sl_arena_t *a, const jnode_t *n) {
  sl_buf_t b;
  sl_buf_init(&b);
  jwrite(n, &b);
  return buf_value(a, &b);
}

static int invalid_json(const sl_value_t *v, sl_error_t *err) {
  return sl_error_set(err, SL_EEVAL, -1, "Invalid JSON format:%.*s", (int)v->u.s.len, v->u.s.ptr);
}

/* ---------------- typers ---------------- */

static int ty_str_to(const sl_type_t *const *a, int n, int want, const sl_type_t *rt,
                     const sl_type_t **ret, sl_error_t *err) {
  if (n != want) return sl_fn_reject(err);
  for (int i = 0; i < n; i++)
    if (!sl_ty_is(a[i], SL_T_STRING)) return sl_fn_reject(err);
  *ret = rt;
  return 0;
}

static int ty_extract(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                      sl_error_t *err) {
  SL_UNUSED(ar);
  return ty_str_to(a, n, 2, &sl_type_string, ret, err);
}

static int ty_is_json(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                      sl_error_t *err) {
  SL_UNUSED(ar);
  return ty_str_to(a, n, 1, &sl_type_boolean, ret, err);
}

static int ty_array_length(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                           sl_error_t *err) {
  SL_UNUSED(ar);
  return ty_str_to(a, n, 1, &sl_type_int, ret, err);
}

static int ty_keys(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                   sl_error_t *err) {
  return ty_str_to(a, n, 1, sl_type_array(ar, &sl_type_string), ret, err);
}

static int ty_records(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                      sl_error_t *err) {
  return ty_str_to(a, n, 1, sl_type_map(ar, &sl_type_string, &sl_type_string), ret, err);
}

static int ty_concat(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                     sl_error_t *err) {
  SL_UNUSED(ar);
  if (n < 1) return sl_fn_reject(err);
  return ty_str_to(a, n, n, &sl_type_string, ret, err);
}

/* JSON_ARRAY_CONTAINS(STRING, T) for T of INT, BIGINT, DOUBLE, STRING, BOOLEAN */
static int ty_array_contains(const sl_type_t *const *a, int n, sl_arena_t *ar,
                             const sl_type_t **ret, sl_error_t *err) {
  SL_UNUSED(ar);
  if (n != 2 || !sl_ty_is(a[0], SL_T_STRING)) return sl_fn_reject(err);
  switch (sl_ty_kind(a[1])) {
    case SL_T_NULL:
    case SL_T_INT:
    case SL_T_BIGINT:
    case SL_T_DOUBLE:
    case SL_T_STRING:
    case SL_T_BOOLEAN: break;
    default: return sl_fn_reject(err);
  }
  *ret = &sl_type_boolean;
  return 0;
}

static int ty_to_json(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                      sl_error_t *err) {
  SL_UNUSED(a), SL_UNUSED(ar);
  if (n != 1) return sl_fn_reject(err);
  *ret = &sl_type_string;
  return 0;
}

/* ---------------- implementations ---------------- */

#define FN(NAME)                                                                    \
  static int NAME(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar, \
                  sl_value_t *out, sl_error_t *err)

/* Splits a JSONPath ($.a.b[0]['c d']) into keys; false if malformed. */
static bool path_tokens(const char *p, size_t n, sl_arena_t *ar, sl_value_t **toks, uint32_t *cnt) {
  size_t i = 0;
  if (i < n && p[i] == '$') i++;
  uint32_t cap = 8;
  *toks = sl_arena_alloc(ar, sizeof **toks * cap);
  *cnt = 0;
  while (i < n) {
    const char *st;
    size_t len;
    if (p[i] == '.') {
      st = p + ++i;
      while (i < n && p[i] != '.' && p[i] != '[') i++;
      len = (size_t)(p + i - st);
    } else if (p[i] == '[') {
      i++;
      if (i < n && (p[i] == '\'' || p[i] == '"')) {
        char q = p[i++];
        st = p + i;
        while (i < n && p[i] != q) i++;
        if (i >= n) return false;
        len = (size_t)(p + i - st);
        i++;
      } else {
        st = p + i;
        while (i < n && p[i] != ']') i++;
        len = (size_t)(p + i - st);
      }
      if (i >= n || p[i] != ']') return false;
      i++;
    } else {
      return false;
    }
    if (*cnt == cap) {
      sl_value_t *bigger = sl_arena_alloc(ar, sizeof *bigger * cap * 2);
      memcpy(bigger, *toks, sizeof *bigger * cap);
      *toks = bigger;
      cap *= 2;
    }
    (*toks)[(*cnt)++] = sl_val_string(st, (uint32_t)len);
  }
  return true;
}

FN(f_extractjsonfield) {
  SL_UNUSED(n), SL_UNUSED(ret);
  sl_value_t *toks;
  uint32_t nt;
  if (!path_tokens(a[1].u.s.ptr, a[1].u.s.len, ar, &toks, &nt))
    return sl_error_set(err, SL_EEVAL, -1, "Invalid JSON path: %.*s", (int)a[1].u.s.len,
                        a[1].u.s.ptr);
  bool empty;
  const jnode_t *cur = jparse(a[0].u.s.ptr, a[0].u.s.len, ar, &empty);
  *out = sl_null();
  if (!cur) return empty ? 0 : invalid_json(&a[0], err);
  for (uint32_t t = 0; t < nt && cur; t++) {
    const sl_value_t *k = &toks[t];
    const jnode_t *next = NULL;
    if (cur->kind == J_ARR) {
      char tmp[24];
      if (k->u.s.len == 0 || k->u.s.len >= sizeof tmp) return 0;
      memcpy(tmp, k->u.s.ptr, k->u.s.len);
      tmp[k->u.s.len] = 0;
      char *end;
      long idx = strtol(tmp, &end, 10);
      if (*end) return 0;
      if (idx >= 0 && (unsigned long)idx < cur->cnt) next = cur->items[idx];
    } else if (cur->kind == J_OBJ) {
      for (uint32_t i = 0; i < cur->cnt; i++)
        if (cur->keys[i]->n == k->u.s.len && memcmp(cur->keys[i]->s, k->u.s.ptr, k->u.s.len) == 0)
          next = cur->items[i];
    }
    cur = next;
  }
  if (!cur) return 0;
  *out = cur->kind == J_STR ? sl_str_dup(ar, cur->s, cur->n) : jtext(ar, cur);
  return 0;
}

FN(f_is_json_string) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(err);
  bool empty;
  *out = sl_val_bool(a[0].kind != SL_T_NULL && jparse(a[0].u.s.ptr, a[0].u.s.len, ar, &empty));
  return 0;
}

FN(f_json_array_length) {
  SL_UNUSED(n), SL_UNUSED(ret);
  bool empty;
  const jnode_t *j = jparse(a[0].u.s.ptr, a[0].u.s.len, ar, &empty);
  *out = sl_null();
  if (!j && !empty) return invalid_json(&a[0], err);
  if (j && j->kind == J_ARR) *out = sl_val_int((int32_t)j->cnt);
  return 0;
}

FN(f_json_keys) {
  SL_UNUSED(n), SL_UNUSED(ret);
  bool empty;
  const jnode_t *j = jparse(a[0].u.s.ptr, a[0].u.s.len, ar, &empty);
  *out = sl_null();
  if (!j && !empty) return invalid_json(&a[0], err);
  if (!j || j->kind != J_OBJ) return 0;
  sl_value_t *items = j->cnt ? sl_arena_alloc(ar, sizeof *items * j->cnt) : NULL;
  for (uint32_t i = 0; i < j->cnt; i++) items[i] = sl_val_string(j->keys[i]->s, j->keys[i]->n);
  out->kind = SL_T_ARRAY;
  out->u.arr.items = items;
  out->u.arr.n = j->cnt;
  return 0;
}

FN(f_json_records) {
  SL_UNUSED(n), SL_UNUSED(ret);
  bool empty;
  const jnode_t *j = jparse(a[0].u.s.ptr, a[0].u.s.len, ar, &empty);
  *out = sl_null();
  if (!j && !empty) return invalid_json(&a[0], err);
  if (!j || j->kind != J_OBJ) return 0;
  sl_value_t *items = j->cnt ? sl_arena_alloc(ar, sizeof *items * 2 * j->cnt) : NULL;
  for (uint32_t i = 0; i < j->cnt; i++) {
    items[2 * i] = sl_val_string(j->keys[i]->s, j->keys[i]->n);
    items[2 * i + 1] = jtext(ar, j->items[i]);
  }
  out->kind = SL_T_MAP;
  out->u.arr.items = items;
  out->u.arr.n = j->cnt;
  return 0;
}

FN(f_json_concat) {
  SL_UNUSED(ret);
  jnode_t **nodes = sl_arena_alloc(ar, sizeof *nodes * (size_t)n);
  bool all_objects = true;
  *out = sl_null();
  for (int i = 0; i < n; i++) {
    if (a[i].kind == SL_T_NULL) return 0;
    bool empty;
    nodes[i] = jparse(a[i].u.s.ptr, a[i].u.s.len, ar, &empty);
    if (!nodes[i]) return empty ? 0 : invalid_json(&a[i], err);
    if (nodes[i]->kind != J_OBJ) all_objects = false;
  }
  jparser_t jp = {NULL, NULL, ar, 0};
  jnode_t *acc = nodes[0];
  if (n > 1) {
    jnode_t *res = jnew(&jp, all_objects ? J_OBJ : J_ARR);
    for (int i = 0; i < n; i++) {
      jnode_t *x = nodes[i];
      if (all_objects) {
        for (uint32_t k = 0; k < x->cnt; k++) {
          uint32_t j;
          for (j = 0; j < res->cnt; j++)
            if (res->keys[j]->n == x->keys[k]->n &&
                memcmp(res->keys[j]->s, x->keys[k]->s, x->keys[k]->n) == 0)
              break;
          if (j < res->cnt)
            res->items[j] = x->items[k];
          else
            jpush(ar, res, x->keys[k], x->items[k]);
        }
      } else if (x->kind == J_ARR) {
        for (uint32_t k = 0; k < x->cnt; k++) jpush(ar, res, NULL, x->items[k]);
      } else {
        jpush(ar, res, NULL, x);
      }
    }
    acc = res;
  }
  *out = jtext(ar, acc);
  return 0;
}

/* JSON_ITEMS: the elements of a JSON array of objects as JSON text; NULL
 * when an element is not an object. */
FN(f_json_items) {
  SL_UNUSED(n), SL_UNUSED(ret);
  bool empty;
  const jnode_t *j = jparse(a[0].u.s.ptr, a[0].u.s.len, ar, &empty);
  *out = sl_null();
  if (!j || j->kind != J_ARR)
    return sl_error_set(err, SL_EEVAL, -1, "Invalid JSON array format:%.*s", (int)a[0].u.s.len,
                        a[0].u.s.ptr);
  sl_value_t *items = j->cnt ? sl_arena_alloc(ar, sizeof *items * j->cnt) : NULL;
  for (uint32_t i = 0; i < j->cnt; i++) {
    if (j->items[i]->kind != J_OBJ) return 0;
    items[i] = jtext(ar, j->items[i]);
  }
  out->kind = SL_T_ARRAY;
  out->u.arr.items = items;
  out->u.arr.n = j->cnt;
  return 0;
}

/* Compares one parsed array element with the searched value the way
 * Jackson's token-typed comparison does (an integer token never equals a
 * DOUBLE, a float token never equals an INT). */
static bool element_matches(const jnode_t *e, const sl_value_t *v) {
  switch (v->kind) {
    case SL_T_NULL: return e->kind == J_NULL;
    case SL_T_BOOLEAN: return e->kind == (v->u.b ? J_TRUE : J_FALSE);
    case SL_T_STRING:
      return e->kind == J_STR && e->n == v->u.s.len && memcmp(e->s, v->u.s.ptr, e->n) == 0;
    case SL_T_INT:
    case SL_T_BIGINT: {
      if (e->kind != J_NUM || memchr(e->s, '.', e->n) || memchr(e->s, 'e', e->n) ||
          memchr(e->s, 'E', e->n) || e->n > 20)
        return false;
      char tmp[24];
      memcpy(tmp, e->s, e->n);
      tmp[e->n] = 0;
      errno = 0;
      long long x = strtoll(tmp, NULL, 10);
      if (errno) return false;
      return x == (v->kind == SL_T_INT ? v->u.i : v->u.l);
    }
    case SL_T_DOUBLE: {
      if (e->kind != J_NUM ||
          !(memchr(e->s, '.', e->n) || memchr(e->s, 'e', e->n) || memchr(e->s, 'E', e->n)))
        return false;
      char tmp[64];
      if (e->n >= sizeof tmp) return false;
      memcpy(tmp, e->s, e->n);
      tmp[e->n] = 0;
      return strtod(tmp, NULL) == v->u.d;
    }
    default: return false;
  }
}

/* Streams through the array: a match before a syntax error still counts. */
FN(f_json_array_contains) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(err);
  *out = sl_val_bool(false);
  if (a[0].kind == SL_T_NULL) {
    *out = sl_null();
    return 0;
  }
  jparser_t jp = {a[0].u.s.ptr, a[0].u.s.ptr + a[0].u.s.len, ar, 0};
  jskip_ws(&jp);
  if (jp.p >= jp.end || *jp.p != '[') return 0;
  jp.p++;
  for (;;) {
    jskip_ws(&jp);
    if (jp.p < jp.end && *jp.p == ']') return 0;
    jnode_t *e = jparse_value(&jp);
    if (!e) return 0;
    if (element_matches(e, &a[1])) {
      *out = sl_val_bool(true);
      return 0;
    }
    jskip_ws(&jp);
    if (jp.p < jp.end && *jp.p == ',')
      jp.p++;
    else
      return 0;
  }
}

/* Writes v of type t as Jackson writes the Java value ksqlDB hands it. */
static void value_json(const sl_value_t *v, const sl_type_t *t, sl_buf_t *b) {
  if (v->kind == SL_T_NULL) {
    sl_buf_puts(b, "null");
    return;
  }
  switch (v->kind) {
    case SL_T_BOOLEAN: sl_buf_puts(b, v->u.b ? "true" : "false"); break;
    case SL_T_INT: sl_buf_printf(b, "%d", v->u.i); break;
    case SL_T_BIGINT: sl_buf_printf(b, "%lld", (long long)v->u.l); break;
    case SL_T_DOUBLE:
      if (v->u.d != v->u.d || v->u.d - v->u.d != 0) {
        /* NaN and the infinities are written as strings */
        sl_buf_putc(b, '"');
        sl_format_double(v->u.d, b);
        sl_buf_putc(b, '"');
      } else {
        sl_format_double(v->u.d, b);
      }
      break;
    case SL_T_DECIMAL: sl_decimal_format(&v->u.dec, b); break;
    case SL_T_STRING: jwrite_str(b, v->u.s.ptr, v->u.s.len); break;
    case SL_T_BYTES:
    case SL_T_DATE:
    case SL_T_TIME:
    case SL_T_TIMESTAMP: {
      sl_buf_t tmp;
      sl_buf_init(&tmp);
      sl_value_format(v, &tmp);
      jwrite_str(b, tmp.data ? tmp.data : "", tmp.len);
      sl_buf_free(&tmp);
      break;
    }
    case SL_T_ARRAY:
      sl_buf_putc(b, '[');
      for (uint32_t i = 0; i < v->u.arr.n; i++) {
        if (i) sl_buf_putc(b, ',');
        value_json(&v->u.arr.items[i], t ? t->elem : NULL, b);
      }
      sl_buf_putc(b, ']');
      break;
    case SL_T_MAP:
      sl_buf_putc(b, '{');
      for (uint32_t i = 0; i < v->u.arr.n; i++) {
        if (i) sl_buf_putc(b, ',');
        const sl_value_t *k = &v->u.arr.items[2 * i];
        if (k->kind == SL_T_STRING) {
          jwrite_str(b, k->u.s.ptr, k->u.s.len);
        } else {
          sl_buf_t tmp;
          sl_buf_init(&tmp);
          sl_value_format(k, &tmp);
          jwrite_str(b, tmp.data ? tmp.data : "", tmp.len);
          sl_buf_free(&tmp);
        }
        sl_buf_putc(b, ':');
        value_json(&v->u.arr.items[2 * i + 1], t ? t->elem : NULL, b);
      }
      sl_buf_putc(b, '}');
      break;
    case SL_T_STRUCT: {
      const sl_type_t *st = v->u.st.type ? v->u.st.type : t;
      sl_buf_putc(b, '{');
      for (int i = 0; st && i < st->nfields; i++) {
        if (i) sl_buf_putc(b, ',');
        jwrite_str(b, st->fields[i].name, strlen(st->fields[i].name));
        sl_buf_putc(b, ':');
        value_json(&v->u.st.fields[i], st->fields[i].type, b);
      }
      sl_buf_putc(b, '}');
      break;
    }
    default: sl_buf_puts(b, "null"); break;
  }
}

FN(f_to_json_string) {
  SL_UNUSED(n), SL_UNUSED(ret), SL_UNUSED(err);
  sl_buf_t b;
  sl_buf_init(&b);
  value_json(&a[0], NULL, &b);
  *out = buf_value(ar, &b);
  return 0;
}

#define JS "JSON"
const sl_function_t sl_fn_json_table[] = {
    {"EXTRACTJSONFIELD", SL_FN_SCALAR, JS,
     "Given a STRING that contains JSON data, extract the value at the specified JSONPath or "
     "NULL if the specified path does not exist.",
     "EXTRACTJSONFIELD(STRING input, STRING path) -> STRING", ty_extract, f_extractjsonfield, true,
     false, false},
    {"IS_JSON_STRING", SL_FN_SCALAR, JS,
     "Given a STRING, returns true if it can be parsed as a valid JSON value, false otherwise.",
     "IS_JSON_STRING(STRING input) -> BOOLEAN", ty_is_json, f_is_json_string, false, false, false},
    {"JSON_ARRAY_CONTAINS", SL_FN_SCALAR, JS,
     "Parses a JSON array and determines whether or not the supplied value is contained within "
     "the array.",
     "JSON_ARRAY_CONTAINS(STRING jsonArray, T val) -> BOOLEAN", ty_array_contains,
     f_json_array_contains, false, false, false},
    {"JSON_ARRAY_LENGTH", SL_FN_SCALAR, JS,
     "Given a STRING, parses it as a JSON value and returns the length of the top-level array.",
     "JSON_ARRAY_LENGTH(STRING input) -> INTEGER", ty_array_length, f_json_array_length, true,
     false, false},
    {"JSON_CONCAT", SL_FN_SCALAR, JS,
     "Given N strings, parse them as JSON values and return a string representing their "
     "concatenation (objects merge their keys, anything else becomes array concatenation).",
     "JSON_CONCAT(STRING... jsonStrings) -> STRING", ty_concat, f_json_concat, false, false, false},
    {"JSON_ITEMS", SL_FN_SCALAR, JS,
     "Given a string with a JSON array of objects, returns an array of the objects as JSON "
     "strings; NULL if an item is not an object.",
     "JSON_ITEMS(STRING jsonItems) -> ARRAY<STRING>", ty_keys, f_json_items, true, false, false},
    {"JSON_KEYS", SL_FN_SCALAR, JS,
     "Given a STRING, parses it as a JSON object and returns an ARRAY of STRING keys.",
     "JSON_KEYS(STRING input) -> ARRAY<STRING>", ty_keys, f_json_keys, true, false, false},
    {"JSON_RECORDS", SL_FN_SCALAR, JS,
     "Given a STRING, parses it as a JSON object and returns a map of its top-level keys and "
     "values (as JSON text).",
     "JSON_RECORDS(STRING input) -> MAP<STRING, STRING>", ty_records, f_json_records, true, false,
     false},
    {"TO_JSON_STRING", SL_FN_SCALAR, JS,
     "Given any ksqlDB type returns the equivalent JSON string.",
     "TO_JSON_STRING(T input) -> STRING", ty_to_json, f_to_json_string, false, false, false},
};
const int sl_fn_json_count = (int)SL_ARRAY_LEN(sl_fn_json_table);
