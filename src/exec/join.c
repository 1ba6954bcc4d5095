/*
 * join.c - the join operator, fed by two inputs (port 0 left, port 1 right).
 * Stream-stream joins keep each side's rows per join key for the join window
 * and match every new row against the other side's rows within WITHIN; outer
 * sides without a match are emitted at once (ksqlDB's behaviour without a
 * GRACE PERIOD) or once the window has closed (with one). Stream-table joins
 * keep the table's latest row per key and look it up for each stream row.
 * Table-table joins keep both tables and emit the joined row, or a tombstone,
 * whenever either side changes.
 *
 * Stored rows are packed into one allocation each (a kind byte and the bytes
 * of each value), a few times smaller than an array of sl_value_t with a heap
 * string per column; they are unpacked into the per-record arena when a row
 * is joined. A stream-stream side also keeps its rows in time order (a queue,
 * with a heap for the rows that arrive out of order), so expiry and the
 * reporting of unmatched outer rows cost O(rows due), not a walk over the
 * stores.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "sluice/serde.h"

struct jbucket;

typedef struct jrow {
  int64_t ts;
  int64_t seq; /* stream-stream: the row's changelog key (its arrival number) */
  union {
    struct jbucket *b; /* stream-stream: the bucket holding the row (NULL once dropped) */
    char *skey;        /* other joins: the row's changelog key */
  } u;
  char *fk;             /* foreign-key joins: the left row's join key text */
  uint16_t n;           /* values packed in data */
  bool matched;         /* joined at least once (stream-stream) */
  bool done;            /* unmatched result already emitted */
  bool dead;            /* replaced while restoring: only the time queue still holds it */
  bool complex;         /* data holds pointers to heap ARRAY/MAP/STRUCT copies */
  bool ss;              /* a stream-stream row: seq and u.b are used, not u.skey */
  unsigned char data[]; /* packed values, see pack_row */
} jrow_t;

/* ---- packed rows ---- */

/* Bytes one value takes packed: a kind byte, then its payload. Composite
 * values are kept as a pointer to a heap deep copy (rare in join inputs). */
static size_t packed_size(const sl_value_t *v) {
  switch (v->kind) {
    case SL_T_NULL: return 1;
    case SL_T_BOOLEAN: return 2;
    case SL_T_INT:
    case SL_T_DATE:
    case SL_T_TIME: return 1 + 4;
    case SL_T_BIGINT:
    case SL_T_TIMESTAMP:
    case SL_T_DOUBLE: return 1 + 8;
    case SL_T_DECIMAL: return 1 + 16 + 4;
    case SL_T_STRING:
    case SL_T_BYTES: return 1 + 4 + (size_t)v->u.s.len + 1;
    default: return 1 + sizeof(sl_value_t *);
  }
}

static jrow_t *jrow_new(const sl_value_t *v, int n, int64_t ts) {
  size_t size = 0;
  for (int i = 0; i < n; i++) size += packed_size(&v[i]);
  jrow_t *j = sl_xmalloc(sizeof(jrow_t) + size);
  memset(j, 0, sizeof *j);
  j->ts = ts;
  j->seq = -1;
  j->n = (uint16_t)n;
  unsigned char *p = j->data;
  for (int i = 0; i < n; i++) {
    *p++ = v[i].kind;
    switch (v[i].kind) {
      case SL_T_NULL: break;
      case SL_T_BOOLEAN: *p++ = v[i].u.b; break;
      case SL_T_INT:
      case SL_T_DATE:
      case SL_T_TIME: memcpy(p, &v[i].u.i, 4), p += 4; break;
      case SL_T_BIGINT:
      case SL_T_TIMESTAMP:
      case SL_T_DOUBLE: memcpy(p, &v[i].u.l, 8), p += 8; break;
      case SL_T_DECIMAL:
        memcpy(p, &v[i].u.dec.unscaled, 16);
        memcpy(p + 16, &v[i].u.dec.scale, 4);
        p += 20;
        break;
      case SL_T_STRING:
      case SL_T_BYTES: {
        uint32_t len = v[i].u.s.len;
        memcpy(p, &len, 4);
        if (len) memcpy(p + 4, v[i].u.s.ptr, len);
        p[4 + len] = 0; /* as heap copies, strings stay NUL terminated */
        p += 4 + len + 1;
        break;
      }
      default: {
        sl_value_t *h = sl_xmalloc(sizeof *h);
        *h = sl_value_heap_copy(&v[i]);
        memcpy(p, &h, sizeof h);
        p += sizeof h;
        j->complex = true;
        break;
      }
    }
  }
  return j;
}

/* Unpacks j's values into out; strings and composites point into j. */
static void jrow_unpack(const jrow_t *j, sl_value_t *out) {
  const unsigned char *p = j->data;
  for (int i = 0; i < j->n; i++) {
    sl_value_t v = sl_null();
    v.kind = *p++;
    switch (v.kind) {
      case SL_T_NULL: break;
      case SL_T_BOOLEAN: v.u.b = *p++ != 0; break;
      case SL_T_INT:
      case SL_T_DATE:
      case SL_T_TIME: memcpy(&v.u.i, p, 4), p += 4; break;
      case SL_T_BIGINT:
      case SL_T_TIMESTAMP:
      case SL_T_DOUBLE: memcpy(&v.u.l, p, 8), p += 8; break;
      case SL_T_DECIMAL:
        memcpy(&v.u.dec.unscaled, p, 16);
        memcpy(&v.u.dec.scale, p + 16, 4);
        p += 20;
        break;
      case SL_T_STRING:
      case SL_T_BYTES: {
        uint32_t len;
        memcpy(&len, p, 4);
        v.u.s.ptr = (const char *)p + 4;
        v.u.s.len = len;
        p += 4 + len + 1;
        break;
      }
      default: {
        sl_value_t *h;
        memcpy(&h, p, sizeof h);
        v = *h;
        p += sizeof h;
        break;
      }
    }
    out[i] = v;
  }
}

/* j's values in the per-record arena (valid while j lives and the record runs). */
static sl_value_t *jrow_values(sl_operator_t *op, const jrow_t *j) {
  sl_value_t *v = sl_arena_alloc(&op->task->batch, sizeof(sl_value_t) * (size_t)(j->n + 1));
  jrow_unpack(j, v);
  return v;
}

static void jrow_free(jrow_t *j) {
  if (!j) return;
  if (j->complex) {
    const unsigned char *p = j->data;
    for (int i = 0; i < j->n; i++) {
      sl_value_t v = sl_null();
      v.kind = *p++;
      switch (v.kind) {
        case SL_T_NULL: break;
        case SL_T_BOOLEAN: p += 1; break;
        case SL_T_INT:
        case SL_T_DATE:
        case SL_T_TIME: p += 4; break;
        case SL_T_BIGINT:
        case SL_T_TIMESTAMP:
        case SL_T_DOUBLE: p += 8; break;
        case SL_T_DECIMAL: p += 20; break;
        case SL_T_STRING:
        case SL_T_BYTES: {
          uint32_t len;
          memcpy(&len, p, 4);
          p += 4 + len + 1;
          break;
        }
        default: {
          sl_value_t *h;
          memcpy(&h, p, sizeof h);
          sl_value_heap_free(h);
          free(h);
          p += sizeof h;
          break;
        }
      }
    }
  }
  if (!j->ss) free(j->u.skey);
  free(j->fk);
  free(j);
}

/* ---- stream-stream stores: buckets by key, and rows in time order ---- */

/* The rows of one join key, sorted by (time, arrival); live rows are
 * rows[head .. head + len): expiry takes rows from the front. A key holds
 * few rows at a time, so the first JBUCKET_INLINE live in the bucket itself
 * (one memory access less per probe, insert and expiry). */
#define JBUCKET_INLINE 3
typedef struct jbucket {
  uint64_t hash;
  jrow_t **rows; /* inl, or a heap array once more rows are held */
  int head, len, cap;
  jrow_t *inl[JBUCKET_INLINE];
  char key[]; /* the key text (changelog "k") */
} jbucket_t;

/* Open addressing with linear probing and backward-shift deletion, so a
 * store whose keys come and go keeps no tombstones. */
typedef struct jtab {
  jbucket_t **slot;
  uint32_t *hs;      /* low bits of each slot's hash: probes compare them without touching
                      * the bucket, which is a cache miss in a store of millions of keys */
  size_t cap, count; /* cap is a power of two (or 0) */
} jtab_t;

static jbucket_t *tab_find(const jtab_t *t, const char *k, uint64_t h) {
  if (!t->cap) return NULL;
  size_t mask = t->cap - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    jbucket_t *b = t->slot[i];
    if (!b) return NULL;
    if (t->hs[i] == (uint32_t)h && b->hash == h && strcmp(b->key, k) == 0) return b;
  }
}

static void tab_place(jtab_t *t, jbucket_t *b) {
  size_t mask = t->cap - 1, i = b->hash & mask;
  while (t->slot[i]) i = (i + 1) & mask;
  t->slot[i] = b;
  t->hs[i] = (uint32_t)b->hash;
}

static jbucket_t *tab_add(jtab_t *t, const char *k, uint64_t h) {
  if ((t->count + 1) * 2 > t->cap) {
    jtab_t old = *t;
    t->cap = old.cap ? old.cap * 2 : 64;
    t->slot = sl_xcalloc(t->cap, sizeof(jbucket_t *));
    t->hs = sl_xmalloc(t->cap * sizeof(uint32_t));
    for (size_t i = 0; i < old.cap; i++)
      if (old.slot[i]) tab_place(t, old.slot[i]);
    free(old.slot);
    free(old.hs);
  }
  size_t klen = strlen(k);
  jbucket_t *b = sl_xcalloc(1, sizeof(jbucket_t) + klen + 1);
  memcpy(b->key, k, klen + 1);
  b->hash = h;
  b->rows = b->inl;
  b->cap = JBUCKET_INLINE;
  tab_place(t, b);
  t->count++;
  return b;
}

static void tab_del(jtab_t *t, jbucket_t *b) {
  size_t mask = t->cap - 1, i = b->hash & mask;
  while (t->slot[i] != b) i = (i + 1) & mask;
  t->slot[i] = NULL;
  t->count--;
  /* Shift later members of the probe run back so lookups find them. */
  for (size_t j = (i + 1) & mask; t->slot[j]; j = (j + 1) & mask) {
    size_t home = t->hs[j] & mask;
    bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
    if (movable) {
      t->slot[i] = t->slot[j];
      t->hs[i] = t->hs[j];
      t->slot[j] = NULL;
      i = j;
    }
  }
  if (b->rows != b->inl) free(b->rows);
  free(b);
}

/* a comes after b in a store: later time, or the same time and later arrival. */
static bool row_after(const jrow_t *a, const jrow_t *b) {
  return a->ts > b->ts || (a->ts == b->ts && a->seq > b->seq);
}

static void bucket_insert(jbucket_t *b, jrow_t *r) {
  if (b->head + b->len == b->cap) {
    if (b->head > 0) {
      memmove(b->rows, b->rows + b->head, sizeof(jrow_t *) * (size_t)b->len);
      b->head = 0;
    }
    if (b->len == b->cap) {
      b->cap *= 2;
      if (b->rows == b->inl) {
        b->rows = sl_xmalloc(sizeof(jrow_t *) * (size_t)b->cap);
        memcpy(b->rows, b->inl, sizeof b->inl);
      } else {
        b->rows = sl_xrealloc(b->rows, sizeof(jrow_t *) * (size_t)b->cap);
      }
    }
  }
  int pos = b->head + b->len;
  while (pos > b->head && row_after(b->rows[pos - 1], r)) pos--;
  memmove(b->rows + pos + 1, b->rows + pos, sizeof(jrow_t *) * (size_t)(b->head + b->len - pos));
  b->rows[pos] = r;
  b->len++;
  r->u.b = b;
}

static void bucket_remove(jbucket_t *b, jrow_t *r) {
  if (b->len > 0 && b->rows[b->head] == r) { /* the usual case: the oldest row */
    b->head++;
    b->len--;
  } else {
    for (int i = b->head; i < b->head + b->len; i++) {
      if (b->rows[i] != r) continue;
      memmove(b->rows + i, b->rows + i + 1, sizeof(jrow_t *) * (size_t)(b->head + b->len - i - 1));
      b->len--;
      break;
    }
  }
  if (b->len == 0) b->head = 0;
  r->u.b = NULL;
}

/* Rows in (time, arrival) order: rows arriving in order go to a ring, the
 * few that arrive out of order to a binary heap; the front is the smaller of
 * the two heads. */
typedef struct tsq {
  jrow_t **ring;
  size_t head, len, cap; /* cap: a power of two (or 0) */
  jrow_t **heap;
  size_t hlen, hcap;
} tsq_t;

static void heap_up(jrow_t **h, size_t i) {
  while (i > 0) {
    size_t up = (i - 1) / 2;
    if (!row_after(h[up], h[i])) break;
    jrow_t *x = h[up];
    h[up] = h[i];
    h[i] = x;
    i = up;
  }
}

static void heap_down(jrow_t **h, size_t n, size_t i) {
  for (;;) {
    size_t l = 2 * i + 1, m = i;
    if (l < n && row_after(h[m], h[l])) m = l;
    if (l + 1 < n && row_after(h[m], h[l + 1])) m = l + 1;
    if (m == i) return;
    jrow_t *x = h[m];
    h[m] = h[i];
    h[i] = x;
    i = m;
  }
}

static void tsq_push(tsq_t *q, jrow_t *r) {
  if (q->len == 0 || !row_after(q->ring[(q->head + q->len - 1) & (q->cap - 1)], r)) {
    if (q->len == q->cap) {
      size_t cap = q->cap ? q->cap * 2 : 64;
      jrow_t **ring = sl_xmalloc(sizeof(jrow_t *) * cap);
      for (size_t i = 0; i < q->len; i++) ring[i] = q->ring[(q->head + i) & (q->cap - 1)];
      free(q->ring);
      q->ring = ring;
      q->cap = cap;
      q->head = 0;
    }
    q->ring[(q->head + q->len++) & (q->cap - 1)] = r;
    return;
  }
  if (q->hlen == q->hcap) {
    q->hcap = q->hcap ? q->hcap * 2 : 16;
    q->heap = sl_xrealloc(q->heap, sizeof(jrow_t *) * q->hcap);
  }
  q->heap[q->hlen++] = r;
  heap_up(q->heap, q->hlen - 1);
}

static jrow_t *tsq_peek(const tsq_t *q) {
  jrow_t *a = q->len ? q->ring[q->head] : NULL;
  jrow_t *h = q->hlen ? q->heap[0] : NULL;
  if (!a) return h;
  if (!h) return a;
  return row_after(a, h) ? h : a;
}

static jrow_t *tsq_pop(tsq_t *q) {
  jrow_t *r = tsq_peek(q);
  if (!r) return NULL;
  if (q->len && q->ring[q->head] == r) {
    q->head = (q->head + 1) & (q->cap - 1);
    q->len--;
  } else {
    q->heap[0] = q->heap[--q->hlen];
    heap_down(q->heap, q->hlen, 0);
  }
  return r;
}

static void tsq_free(tsq_t *q) {
  free(q->ring);
  free(q->heap);
  memset(q, 0, sizeof *q);
}

/* ---- operator state ---- */

typedef struct join_state {
  sl_map_t *store[2];   /* other joins: key text -> jrow_t* */
  jtab_t tab[2];        /* stream-stream: key text -> jbucket_t* */
  tsq_t exp[2];         /* stream-stream: every stored row (and dead ones), by time */
  tsq_t pend[2];        /* stream-stream with GRACE, outer sides: rows stored unmatched */
  sl_map_t *ridx;       /* stream-stream while restoring: changelog key -> live row */
  int64_t stream_time;  /* highest record time of both sides */
  int64_t side_time[2]; /* highest record time put into each side's store */
  int64_t seq;          /* makes stream-stream store keys unique */
  const sl_pnode_t *src[2];
  sl_buf_t kb, cl, vt; /* key text, changelog value, one value's JSON text */
} join_state_t;

/* ---- durable stores: each stored row is one changelog entry ---- */

static const sl_pnode_t *side_source(const sl_pnode_t *n) {
  while (n && n->kind != SL_PN_SOURCE) n = n->input;
  return n;
}

/* Type of slot i of a side row (source columns, then pseudo columns). */
static const sl_type_t *slot_type(const sl_pnode_t *src, int i) {
  if (i < src->schema->ncols) return src->schema->cols[i].type;
  if (i == src->slot_rowpartition) return &sl_type_int;
  return &sl_type_bigint;
}

static const char *side_topic(const sl_pnode_t *n, int p) {
  return p == 0 ? n->changelog_topic : n->changelog_topic2;
}

/* Appends s as a JSON string (escaped as jansson writes it). */
static void put_json_string(sl_buf_t *b, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  sl_buf_putc(b, '"');
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    sl_buf_append(b, s + run, i - run);
    run = i + 1;
    char esc[6] = {'\\', 0};
    size_t el = 2;
    switch (c) {
      case '"': esc[1] = '"'; break;
      case '\\': esc[1] = '\\'; break;
      case '\b': esc[1] = 'b'; break;
      case '\f': esc[1] = 'f'; break;
      case '\n': esc[1] = 'n'; break;
      case '\r': esc[1] = 'r'; break;
      case '\t': esc[1] = 't'; break;
      default:
        memcpy(esc, "\\u00", 4);
        esc[4] = hex[c >> 4];
        esc[5] = hex[c & 15];
        el = 6;
        break;
    }
    sl_buf_append(b, esc, el);
  }
  sl_buf_append(b, s + run, n - run);
  sl_buf_putc(b, '"');
}

/* Writes the decimal digits of v into the end of buf[24]; returns the start. */
static char *fmt_i64(char buf[24], int64_t v) {
  char *p = buf + 23;
  *p = 0;
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  do {
    *--p = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) *--p = '-';
  return p;
}

/* Checks that data[0..size) holds n packed values without composites (as
 * the binary changelog carries them), so a damaged record cannot make
 * unpacking read past it. */
static bool packed_ok(const unsigned char *p, size_t size, int n) {
  const unsigned char *end = p + size;
  for (int i = 0; i < n; i++) {
    if (p >= end) return false;
    size_t need;
    uint32_t len;
    switch (*p++) {
      case SL_T_NULL: need = 0; break;
      case SL_T_BOOLEAN: need = 1; break;
      case SL_T_INT:
      case SL_T_DATE:
      case SL_T_TIME: need = 4; break;
      case SL_T_BIGINT:
      case SL_T_TIMESTAMP:
      case SL_T_DOUBLE: need = 8; break;
      case SL_T_DECIMAL: need = 20; break;
      case SL_T_STRING:
      case SL_T_BYTES:
        if ((size_t)(end - p) < 4) return false;
        memcpy(&len, p, 4);
        need = 4 + (size_t)len + 1;
        break;
      default: return false;
    }
    if ((size_t)(end - p) < need) return false;
    p += need;
  }
  return p == end;
}

/* Bytes of j's packed values. */
static size_t jrow_data_size(const jrow_t *j) {
  const unsigned char *p = j->data;
  for (int i = 0; i < j->n; i++) {
    uint32_t len;
    switch (*p++) {
      case SL_T_NULL: break;
      case SL_T_BOOLEAN: p += 1; break;
      case SL_T_INT:
      case SL_T_DATE:
      case SL_T_TIME: p += 4; break;
      case SL_T_BIGINT:
      case SL_T_TIMESTAMP:
      case SL_T_DOUBLE: p += 8; break;
      case SL_T_DECIMAL: p += 20; break;
      case SL_T_STRING:
      case SL_T_BYTES:
        memcpy(&len, p, 4);
        p += 4 + (size_t)len + 1;
        break;
      default: p += sizeof(sl_value_t *); break;
    }
  }
  return (size_t)(p - j->data);
}

/* Changelog values come in two forms, told apart by the first byte:
 *  - binary (first byte JROW_BINARY): flags (1 matched, 2 done), the row
 *    time (8 bytes), the key text's length (4 bytes) and bytes, the value
 *    count (2 bytes), then the packed values exactly as a jrow holds them,
 *    in this machine's byte order. Writing and restoring it is a copy, where
 *    JSON cost more than the rest of the join;
 *  - JSON {"k": key text, "ts", "m": matched, "d": done, "v": [each value as
 *    JSON text]}: rows holding ARRAY, MAP or STRUCT values, and what earlier
 *    versions wrote. */
#define JROW_BINARY 0x01
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "join changelog values are written in little-endian byte order"
#endif

static void changelog_binary(sl_buf_t *b, const char *ktext, const jrow_t *j) {
  size_t klen = strlen(ktext), dlen = jrow_data_size(j);
  uint32_t kl = (uint32_t)klen;
  uint16_t n = j->n;
  unsigned char head[2 + 8 + 4];
  head[0] = JROW_BINARY;
  head[1] = (unsigned char)((j->matched ? 1 : 0) | (j->done ? 2 : 0));
  memcpy(head + 2, &j->ts, 8);
  memcpy(head + 10, &kl, 4);
  sl_buf_append(b, head, sizeof head);
  sl_buf_append(b, ktext, klen);
  sl_buf_append(b, &n, 2);
  sl_buf_append(b, j->data, dlen);
}

static void changelog_json(sl_operator_t *op, int p, sl_buf_t *b, const char *ktext,
                           const jrow_t *j, const sl_value_t *vals) {
  join_state_t *st = op->state;
  const sl_pnode_t *src = st->src[p];
  char tbuf[24];
  if (!vals) vals = jrow_values(op, j);
  sl_buf_puts(b, "{\"k\":");
  put_json_string(b, ktext, strlen(ktext));
  sl_buf_puts(b, ",\"ts\":");
  sl_buf_puts(b, fmt_i64(tbuf, j->ts));
  sl_buf_puts(b, j->matched ? ",\"m\":true" : ",\"m\":false");
  sl_buf_puts(b, j->done ? ",\"d\":true,\"v\":[" : ",\"d\":false,\"v\":[");
  for (int i = 0; i < j->n; i++) {
    if (i) sl_buf_putc(b, ',');
    sl_buf_reset(&st->vt);
    sl_value_to_json_text(&vals[i], slot_type(src, i), &st->vt);
    if (st->vt.len)
      put_json_string(b, st->vt.data, st->vt.len);
    else
      sl_buf_puts(b, "\"null\"");
  }
  sl_buf_puts(b, "]}");
}

/* Writes row j of side p (values vals, or NULL to unpack them when needed)
 * to the side's changelog, keyed by the row's store key, with ktext as its
 * key text; removed writes a tombstone. */
static void jrow_changelog(sl_operator_t *op, int p, const char *ktext, const jrow_t *j,
                           const sl_value_t *vals, bool removed) {
  const sl_pnode_t *n = op->node;
  join_state_t *st = op->state;
  const char *topic = side_topic(n, p);
  char sbuf[24];
  const char *skey = j->ss ? fmt_i64(sbuf, j->seq) : j->u.skey;
  if (!topic || !skey) return;
  if (removed) {
    sl_exec_changelog_to(op, topic, skey, strlen(skey), NULL, 0);
    return;
  }
  sl_buf_t *b = &st->cl;
  sl_buf_reset(b);
  if (j->complex)
    changelog_json(op, p, b, ktext, j, vals);
  else
    changelog_binary(b, ktext, j);
  sl_exec_changelog_to(op, topic, skey, strlen(skey), b->data, b->len);
}

/* The store key of a join key: its kind and text ("3:42"), so keys of
 * different types never meet. */
static const char *key_text(join_state_t *st, const sl_value_t *k) {
  char buf[24];
  sl_buf_reset(&st->kb);
  sl_buf_puts(&st->kb, fmt_i64(buf, k->kind));
  sl_buf_putc(&st->kb, ':');
  switch (k->kind) {
    case SL_T_INT: sl_buf_puts(&st->kb, fmt_i64(buf, k->u.i)); break;
    case SL_T_BIGINT: sl_buf_puts(&st->kb, fmt_i64(buf, k->u.l)); break;
    case SL_T_STRING: sl_buf_append(&st->kb, k->u.s.ptr, k->u.s.len); break;
    default: sl_value_format(k, &st->kb); break;
  }
  return st->kb.data;
}

/* Emits the join of l and r (either may be NULL) with join key k. */
static int emit(sl_operator_t *op, const sl_value_t *l, const sl_value_t *r, const sl_value_t *k,
                int64_t ts, bool tombstone, const sl_row_t *tmpl) {
  const sl_pnode_t *n = op->node;
  sl_value_t *v = sl_arena_alloc(&op->task->batch, sizeof(sl_value_t) * (size_t)(n->nslots + 1));
  if (l)
    memcpy(v, l, sizeof(sl_value_t) * (size_t)n->left_nslots);
  else
    for (int i = 0; i < n->left_nslots; i++) v[i] = sl_null();
  if (r)
    memcpy(v + n->left_nslots, r, sizeof(sl_value_t) * (size_t)n->right_nslots);
  else
    for (int i = 0; i < n->right_nslots; i++) v[n->left_nslots + i] = sl_null();
  v[n->nslots - 1] = *k;
  sl_row_t out = *tmpl;
  out.v = v;
  out.n = n->nslots;
  out.ts = ts;
  out.tombstone = tombstone;
  out.retract = false;
  return sl_exec_forward(op, &out);
}

static bool outer_side(const sl_pnode_t *n, int p) {
  if (n->join_kind == SL_JOIN_FULL) return true;
  return p == 0 ? n->join_kind == SL_JOIN_LEFT : n->join_kind == SL_JOIN_RIGHT;
}

static int64_t max64(int64_t a, int64_t b) {
  return a > b ? a : b;
}

/* Stream-stream joins follow Kafka Streams: each side's window store keeps
 * rows for before + after + grace behind the newest row put into it (its own
 * observed time); an outer side's row without a match is reported at once
 * without GRACE, or with GRACE once its window has closed against the time
 * both sides have reached (at once if it had already closed on arrival). */
static int64_t retention(const sl_pnode_t *n) {
  return n->before_ms + n->after_ms + n->grace_ms;
}

static int64_t side_reach(const sl_pnode_t *n, int p) {
  return p == 0 ? n->after_ms : n->before_ms;
}

/* True if a row of time ts has fallen out of a store that has seen time t. */
static bool expired(const sl_pnode_t *n, int64_t ts, int64_t t) {
  return t != INT64_MIN && ts < t - retention(n);
}

/* True if a stored row of side p waits for its window to close to be
 * reported unmatched. */
static bool pending(const sl_pnode_t *n, int p, const jrow_t *j) {
  return n->has_grace && outer_side(n, p) && !j->matched && !j->done && !j->dead;
}

/* True if side p's row j is to be reported unmatched now. */
static bool close_due(const sl_pnode_t *n, const join_state_t *st, int p, const jrow_t *j) {
  return st->stream_time > j->ts + side_reach(n, p) + n->grace_ms;
}

static int emit_unmatched(sl_operator_t *op, int p, jrow_t *j, const sl_row_t *tmpl) {
  const sl_pnode_t *n = op->node;
  j->done = true;
  sl_value_t *vals = jrow_values(op, j);
  jrow_changelog(op, p, j->u.b ? j->u.b->key : "", j, vals, false);
  sl_value_t key;
  /* Not an initializer: that would zero the error's message buffers per row. */
  sl_eval_ctx_t ec;
  ec.slots = vals;
  ec.arena = &op->task->batch;
  sl_error_clear(&ec.err);
  sl_cexpr_eval(p == 0 ? n->left_key : n->right_key, &ec, &key);
  return emit(op, p == 0 ? vals : NULL, p == 1 ? vals : NULL, &key, j->ts, false, tmpl);
}

static void ss_drop(join_state_t *st, int p, jrow_t *j) {
  jbucket_t *b = j->u.b;
  if (!b) return;
  bucket_remove(b, j);
  if (b->len == 0) tab_del(&st->tab[p], b); /* the key is gone: so is its bucket */
}

/* Side p's oldest row waiting to be reported unmatched, once its window has
 * closed (NULL if none). Queue entries of rows matched since are dropped. */
static jrow_t *due_unmatched(const sl_pnode_t *n, join_state_t *st, int p) {
  jrow_t *j;
  while ((j = tsq_peek(&st->pend[p])) && !pending(n, p, j)) tsq_pop(&st->pend[p]);
  return j && close_due(n, st, p, j) ? j : NULL;
}

/* Reports closed unmatched rows (with GRACE), then drops expired rows.
 * Unmatched rows go out as Kafka Streams emits them from its outer-join
 * store: by time over both sides, the right side's first at equal times
 * (then by arrival, where Kafka Streams orders by key bytes). Expiry takes
 * each side's oldest rows first. */
static int ss_sweep(sl_operator_t *op, const sl_row_t *tmpl) {
  const sl_pnode_t *n = op->node;
  join_state_t *st = op->state;
  int rc = 0;
  for (;;) {
    jrow_t *l = due_unmatched(n, st, 0), *r = due_unmatched(n, st, 1);
    if (!l && !r) break;
    int p = !l || (r && r->ts <= l->ts) ? 1 : 0;
    jrow_t *j = tsq_pop(&st->pend[p]);
    int erc = emit_unmatched(op, p, j, tmpl);
    if (rc == 0) rc = erc;
  }
  for (int p = 0; p < 2; p++) {
    jrow_t *j;
    while ((j = tsq_peek(&st->exp[p])) && expired(n, j->ts, st->side_time[p])) {
      tsq_pop(&st->exp[p]);
      if (j->dead) {
        jrow_free(j);
        continue;
      }
      /* An expired row's window has closed: it was reported above if due. */
      if (pending(n, p, j)) {
        int erc = emit_unmatched(op, p, j, tmpl);
        if (rc == 0) rc = erc;
      }
      jrow_changelog(op, p, NULL, j, NULL, true);
      ss_drop(st, p, j);
      jrow_free(j);
    }
  }
  return rc;
}

static bool sweep_due(const sl_pnode_t *n, const join_state_t *st) {
  for (int p = 0; p < 2; p++) {
    const jrow_t *j = tsq_peek(&st->exp[p]);
    if (j && expired(n, j->ts, st->side_time[p])) return true;
    j = tsq_peek(&st->pend[p]);
    if (j && close_due(n, st, p, j)) return true;
  }
  return false;
}

/* Puts a row into side p's store under key text k. */
static void ss_store(join_state_t *st, const sl_pnode_t *n, int p, const char *k, uint64_t h,
                     jrow_t *j) {
  jbucket_t *b = tab_find(&st->tab[p], k, h);
  if (!b) b = tab_add(&st->tab[p], k, h);
  bucket_insert(b, j);
  tsq_push(&st->exp[p], j);
  if (pending(n, p, j)) tsq_push(&st->pend[p], j);
}

static int ss_push(sl_operator_t *op, sl_row_t *row, int p, const sl_value_t *key,
                   const char *ktext) {
  const sl_pnode_t *n = op->node;
  join_state_t *st = op->state;
  int64_t ts = row->ts;
  if (st->ridx) { /* processing has begun: restoring is over */
    sl_map_free(st->ridx);
    st->ridx = NULL;
  }
  if (ts > st->stream_time) st->stream_time = ts;
  if (ts > st->side_time[p]) st->side_time[p] = ts;
  int64_t lo = p == 0 ? ts - n->before_ms : ts - n->after_ms;
  int64_t hi = ts + side_reach(n, p);
  int nside = p == 0 ? n->left_nslots : n->right_nslots;
  uint64_t h = sl_hash_bytes(ktext, strlen(ktext), 0);
  bool matched = false, done = false;
  jbucket_t *other = tab_find(&st->tab[1 - p], ktext, h);
  int rc = 0;
  /* The other side's rows are in time order: those in [lo, hi] are a run. */
  for (int i = other ? other->head : 0; other && i < other->head + other->len && rc == 0; i++) {
    jrow_t *o = other->rows[i];
    if (o->ts < lo) continue;
    if (o->ts > hi) break;
    if (expired(n, o->ts, st->side_time[1 - p])) continue; /* gone from its store */
    matched = true;
    if (!o->matched) {
      o->matched = true;
      /* Only a row that may be reported unmatched needs the flag restored. */
      if (n->has_grace && outer_side(n, 1 - p)) jrow_changelog(op, 1 - p, ktext, o, NULL, false);
    }
    sl_value_t *ov = jrow_values(op, o);
    rc = emit(op, p == 0 ? row->v : ov, p == 0 ? ov : row->v, key, max64(ts, o->ts), false, row);
  }
  if (!matched && outer_side(n, p) && (!n->has_grace || hi < st->stream_time)) {
    done = true;
    if (rc == 0) rc = emit(op, p == 0 ? row->v : NULL, p == 1 ? row->v : NULL, key, ts, false, row);
  }
  /* The store keeps the row unless it is already older than its retention. */
  if (!expired(n, ts, st->side_time[p])) {
    jrow_t *me = jrow_new(row->v, nside, ts);
    me->ss = true;
    me->seq = st->seq++;
    me->matched = matched;
    me->done = done;
    jrow_changelog(op, p, ktext, me, row->v, false);
    ss_store(st, n, p, ktext, h, me);
  }
  if (rc == 0 && ts == st->stream_time && sweep_due(n, st)) rc = ss_sweep(op, row);
  return rc;
}

static int st_push(sl_operator_t *op, sl_row_t *row, int p, const sl_value_t *key,
                   const char *ktext) {
  const sl_pnode_t *n = op->node;
  join_state_t *st = op->state;
  if (p == 1) {
    jrow_t *old =
        row->tombstone ? sl_map_remove(st->store[1], ktext) : sl_map_get(st->store[1], ktext);
    if (old && row->tombstone) jrow_changelog(op, 1, ktext, old, NULL, true);
    if (!row->tombstone) {
      jrow_t *j = jrow_new(row->v, n->right_nslots, row->ts);
      j->u.skey = sl_strdup(ktext);
      jrow_changelog(op, 1, ktext, j, row->v, false);
      sl_map_put(st->store[1], ktext, j);
    }
    jrow_free(old);
    return 0;
  }
  if (row->tombstone) return 0;
  jrow_t *t = sl_map_get(st->store[1], ktext);
  if (t) return emit(op, row->v, jrow_values(op, t), key, row->ts, false, row);
  if (n->join_kind == SL_JOIN_LEFT) return emit(op, row->v, NULL, key, row->ts, false, row);
  return 0;
}

static int tt_push(sl_operator_t *op, sl_row_t *row, int p, const sl_value_t *key,
                   const char *ktext) {
  const sl_pnode_t *n = op->node;
  join_state_t *st = op->state;
  jrow_t *prev = sl_map_remove(st->store[p], ktext);
  bool had = prev != NULL;
  if (prev && row->tombstone) jrow_changelog(op, p, ktext, prev, NULL, true);
  jrow_free(prev);
  jrow_t *me = NULL;
  if (!row->tombstone) {
    me = jrow_new(row->v, p == 0 ? n->left_nslots : n->right_nslots, row->ts);
    me->u.skey = sl_strdup(ktext);
    jrow_changelog(op, p, ktext, me, row->v, false);
    sl_map_put(st->store[p], ktext, me);
  }
  jrow_t *other = sl_map_get(st->store[1 - p], ktext);
  jrow_t *l = p == 0 ? me : other, *r = p == 0 ? other : me;
  bool show;
  switch (n->join_kind) {
    case SL_JOIN_INNER: show = l && r; break;
    case SL_JOIN_LEFT: show = l != NULL; break;
    case SL_JOIN_RIGHT: show = r != NULL; break;
    default: show = l || r; break;
  }
  int64_t ts = max64(l ? l->ts : INT64_MIN, r ? r->ts : INT64_MIN);
  if (ts == INT64_MIN) ts = row->ts;
  if (show) {
    const sl_value_t *lv = !l ? NULL : l == me ? row->v : jrow_values(op, l);
    const sl_value_t *rv = !r ? NULL : r == me ? row->v : jrow_values(op, r);
    return emit(op, lv, rv, key, ts, false, row);
  }
  /* The joined row existed before this change: delete it. */
  bool existed;
  switch (n->join_kind) {
    case SL_JOIN_INNER: existed = had && other; break;
    case SL_JOIN_LEFT: existed = p == 0 && had; break;
    case SL_JOIN_RIGHT: existed = p == 1 && had; break;
    default: existed = had; break;
  }
  if (existed) return emit(op, NULL, NULL, key, row->ts, true, row);
  return 0;
}

/* Foreign-key table-table join: left rows are stored by their primary key
 * with the join key they point at; a change on either side re-evaluates the
 * left rows concerned. The result is keyed by the left primary key. */
static int fk_emit(sl_operator_t *op, const jrow_t *l, const jrow_t *r, const sl_row_t *tmpl,
                   bool tombstone) {
  const sl_pnode_t *src = side_source(op->node->input);
  sl_value_t *lv = jrow_values(op, l);
  sl_value_t pk = src && src->nkey == 1 ? lv[src->key_slots[0]] : sl_null();
  int64_t ts = r && r->ts > l->ts ? r->ts : l->ts;
  if (tmpl->ts > ts) ts = tmpl->ts;
  return emit(op, tombstone ? NULL : lv, tombstone || !r ? NULL : jrow_values(op, r), &pk, ts,
              tombstone, tmpl);
}

static int fk_push(sl_operator_t *op, sl_row_t *row, int p, const char *ktext) {
  const sl_pnode_t *n = op->node;
  join_state_t *st = op->state;
  bool inner = n->join_kind == SL_JOIN_INNER;
  if (p == 1) {
    /* The right table is global: no changelog, and while the driver loads it
     * (task quiet) rows are only stored. */
    jrow_t *prev = sl_map_remove(st->store[1], ktext);
    bool old = prev != NULL;
    jrow_free(prev);
    jrow_t *r = NULL;
    if (!row->tombstone) {
      r = jrow_new(row->v, n->right_nslots, row->ts);
      r->u.skey = sl_strdup(ktext);
      sl_map_put(st->store[1], ktext, r);
    }
    if (op->task->quiet) return 0;
    int rc = 0, it = 0;
    void *v;
    while (rc == 0 && sl_map_next(st->store[0], &it, NULL, &v)) {
      jrow_t *l = v;
      if (!l->fk || strcmp(l->fk, ktext) != 0) continue;
      if (r)
        rc = fk_emit(op, l, r, row, false);
      else
        rc = fk_emit(op, l, NULL, row, inner && old);
    }
    return rc;
  }
  /* Left: identify the row by its primary key. */
  const sl_pnode_t *src = side_source(n->input);
  sl_buf_t pkb;
  sl_buf_init(&pkb);
  if (src && src->nkey == 1) {
    const sl_value_t *pk = &row->v[src->key_slots[0]];
    sl_buf_printf(&pkb, "%d:", pk->kind);
    sl_value_format(pk, &pkb);
  }
  char *pktext = sl_arena_strdup(&op->task->batch, pkb.data ? pkb.data : "");
  sl_buf_free(&pkb);
  jrow_t *prev = sl_map_remove(st->store[0], pktext);
  int rc = 0;
  if (row->tombstone) {
    if (prev) {
      jrow_changelog(op, 0, pktext, prev, NULL, true);
      bool had_result = !inner || (prev->fk && sl_map_get(st->store[1], prev->fk));
      if (had_result) rc = fk_emit(op, prev, NULL, row, true);
    }
    jrow_free(prev);
    return rc;
  }
  jrow_t *l = jrow_new(row->v, n->left_nslots, row->ts);
  l->u.skey = sl_strdup(pktext);
  l->fk = ktext ? sl_strdup(ktext) : NULL;
  jrow_changelog(op, 0, ktext ? ktext : "", l, row->v, false);
  sl_map_put(st->store[0], pktext, l);
  jrow_t *r = l->fk ? sl_map_get(st->store[1], l->fk) : NULL;
  if (r || !inner) {
    rc = fk_emit(op, l, r, row, false);
  } else if (prev && prev->fk && sl_map_get(st->store[1], prev->fk)) {
    rc = fk_emit(op, l, NULL, row, true); /* it joined before and no longer does */
  }
  jrow_free(prev);
  return rc;
}

static int join_push(sl_operator_t *op, sl_row_t *row) {
  const sl_pnode_t *n = op->node;
  join_state_t *st = op->state;
  int p = row->port;
  if (row->tombstone && n->join_shape == SL_JOIN_SS) return 0;
  /* Not an initializer: that would zero the error's message buffers per row. */
  sl_eval_ctx_t ec;
  ec.slots = row->v;
  ec.arena = &op->task->batch;
  sl_error_clear(&ec.err);
  sl_value_t key;
  sl_cexpr_eval(p == 0 ? n->left_key : n->right_key, &ec, &key);
  if (ec.err.code)
    sl_exec_plog(op->task, "RECORD_PROCESSING_ERROR", "Error computing join key: %s", ec.err.msg);
  if (n->fk_join && p == 0 && sl_is_null(&key)) {
    /* A left row without a foreign key still exists (LEFT joins report it). */
    return fk_push(op, row, 0, NULL);
  }
  if (sl_is_null(&key)) return 0; /* rows without a join key join nothing */
  key = sl_value_copy(&op->task->batch, &key);
  key_text(st, &key);
  if (row->windowed)
    sl_buf_printf(&st->kb, "\x01%lld,%lld", (long long)row->wstart, (long long)row->wend);
  /* The key text lives in st->kb until the next row reaches this operator. */
  const char *ktext = st->kb.data;
  if (n->fk_join) return fk_push(op, row, p, sl_arena_strdup(&op->task->batch, ktext));
  switch (n->join_shape) {
    case SL_JOIN_SS: return ss_push(op, row, p, &key, ktext);
    case SL_JOIN_ST: return st_push(op, row, p, &key, ktext);
    default: return tt_push(op, row, p, &key, ktext);
  }
}

/* Parses a changelog value's "v" array into side p's slot values. */
static sl_value_t *restore_values(sl_operator_t *op, int p, json_t *vals, int nside) {
  join_state_t *st = op->state;
  sl_value_t *v = sl_arena_alloc(&op->task->batch, sizeof(sl_value_t) * (size_t)(nside + 1));
  for (int i = 0; i < nside; i++) {
    json_t *e = json_array_get(vals, (size_t)i);
    sl_error_t err;
    sl_error_clear(&err);
    v[i] = sl_null();
    if (json_is_string(e))
      sl_json_text_to_value(json_string_value(e), json_string_length(e), slot_type(st->src[p], i),
                            &op->task->batch, &v[i], &err);
  }
  return v;
}

/* Reads a changelog value of side p (either form, see JROW_BINARY) into a
 * new row and its key text (arena; NULL when the value has none). Returns
 * NULL for a tombstone or a value that cannot be read. */
static jrow_t *restore_row(sl_operator_t *op, int p, const sl_record_t *rec, const char **ktext) {
  const sl_pnode_t *n = op->node;
  int nside = p == 0 ? n->left_nslots : n->right_nslots;
  const unsigned char *d = rec->value;
  size_t len = rec->value_len;
  *ktext = NULL;
  if (!d) return NULL;
  if (len > 0 && d[0] == JROW_BINARY) {
    uint32_t kl;
    uint16_t nv;
    if (len < 14) return NULL;
    memcpy(&kl, d + 10, 4);
    if (len - 14 < (size_t)kl + 2) return NULL;
    memcpy(&nv, d + 14 + kl, 2);
    const unsigned char *data = d + 14 + kl + 2;
    size_t dlen = len - 14 - kl - 2;
    if (nv != nside || !packed_ok(data, dlen, nv)) return NULL;
    jrow_t *j = sl_xmalloc(sizeof(jrow_t) + dlen);
    memset(j, 0, sizeof *j);
    memcpy(j->data, data, dlen);
    j->n = nv;
    j->seq = -1;
    memcpy(&j->ts, d + 2, 8);
    j->matched = (d[1] & 1) != 0;
    j->done = (d[1] & 2) != 0;
    *ktext = sl_arena_strndup(&op->task->batch, (const char *)d + 14, kl);
    return j;
  }
  json_t *o = json_loadb(rec->value, rec->value_len, 0, NULL);
  if (!o) return NULL;
  const char *k = json_string_value(json_object_get(o, "k"));
  if (k) *ktext = sl_arena_strdup(&op->task->batch, k);
  sl_value_t *v = restore_values(op, p, json_object_get(o, "v"), nside);
  jrow_t *j = jrow_new(v, nside, json_integer_value(json_object_get(o, "ts")));
  j->matched = json_is_true(json_object_get(o, "m"));
  j->done = json_is_true(json_object_get(o, "d"));
  json_decref(o);
  return j;
}

/* Stream-stream restore: each changelog key is one row; a later record of
 * the same key replaces it (its flags changed) or deletes it. */
static void ss_restore(sl_operator_t *op, int p, const char *skey, jrow_t *j, const char *ktext) {
  const sl_pnode_t *n = op->node;
  join_state_t *st = op->state;
  if (!st->ridx) { /* index the rows already stored by their changelog key */
    st->ridx = sl_map_new(false);
    for (int s = 0; s < 2; s++)
      for (size_t i = 0; i < st->tab[s].cap; i++) {
        jbucket_t *b = st->tab[s].slot[i];
        for (int r = 0; b && r < b->len; r++) {
          char sb[24], ik[32];
          snprintf(ik, sizeof ik, "%d:%s", s, fmt_i64(sb, b->rows[b->head + r]->seq));
          sl_map_put(st->ridx, ik, b->rows[b->head + r]);
        }
      }
  }
  char ik[64];
  snprintf(ik, sizeof ik, "%d:%.40s", p, skey);
  long long sq = atoll(skey);
  if (sq >= st->seq) st->seq = sq + 1;
  if (!ktext) ktext = "";
  jrow_t *prev = sl_map_get(st->ridx, ik);
  if (prev && j && prev->ts == j->ts && prev->u.b && !strcmp(prev->u.b->key, ktext)) {
    /* Same row, new flags. */
    prev->matched = j->matched;
    prev->done = j->done;
    if (pending(n, p, prev)) tsq_push(&st->pend[p], prev);
    jrow_free(j);
    return;
  }
  if (prev) { /* the time queue frees it once it expires */
    sl_map_remove(st->ridx, ik);
    ss_drop(st, p, prev);
    prev->dead = true;
  }
  if (!j) return;
  j->ss = true;
  j->seq = sq;
  if (j->ts > op->task->max_event_ts) op->task->max_event_ts = j->ts;
  ss_store(st, n, p, ktext, sl_hash_bytes(ktext, strlen(ktext), 0), j);
  sl_map_put(st->ridx, ik, j);
  if (j->ts > st->stream_time) st->stream_time = j->ts;
  if (j->ts > st->side_time[p]) st->side_time[p] = j->ts;
}

static int join_restore(sl_operator_t *op, const sl_record_t *rec) {
  const sl_pnode_t *n = op->node;
  join_state_t *st = op->state;
  int p = n->changelog_topic && !strcmp(rec->topic, n->changelog_topic) ? 0 : 1;
  if (!rec->key) return 0;
  char *skey = sl_arena_strndup(&op->task->batch, rec->key, rec->key_len);
  const char *ktext;
  jrow_t *j = restore_row(op, p, rec, &ktext);
  if (n->join_shape == SL_JOIN_SS) {
    ss_restore(op, p, skey, j, ktext);
    return 0;
  }
  const char *kt = (n->fk_join && p == 0) || !ktext ? skey : ktext;
  jrow_free(sl_map_remove(st->store[p], kt));
  if (!j) return 0;
  if (j->ts > op->task->max_event_ts) op->task->max_event_ts = j->ts;
  j->u.skey = sl_strdup(skey);
  if (n->fk_join && p == 0) {
    j->fk = ktext ? sl_strdup(ktext) : NULL;
    sl_map_put(st->store[0], skey, j);
  } else {
    sl_map_put(st->store[p], ktext ? ktext : skey, j);
  }
  return 0;
}

int sl_exec_join_punctuate(sl_operator_t *op, int64_t now_ms) {
  join_state_t *st = op->state;
  if (op->node->join_shape != SL_JOIN_SS) return 0;
  if (now_ms > st->stream_time) st->stream_time = now_ms;
  sl_row_t tmpl = {0};
  return ss_sweep(op, &tmpl);
}

static void join_end(sl_operator_t *op) {
  join_state_t *st = op->state;
  if (!st) return;
  for (int p = 0; p < 2; p++) {
    /* Stream-stream: every row, live or dead, is in its side's time queue. */
    jrow_t *j;
    while ((j = tsq_pop(&st->exp[p]))) jrow_free(j);
    tsq_free(&st->exp[p]);
    tsq_free(&st->pend[p]);
    for (size_t i = 0; i < st->tab[p].cap; i++) {
      jbucket_t *b = st->tab[p].slot[i];
      if (!b) continue;
      if (b->rows != b->inl) free(b->rows);
      free(b);
    }
    free(st->tab[p].slot);
    free(st->tab[p].hs);
    int it = 0;
    void *v;
    while (sl_map_next(st->store[p], &it, NULL, &v)) jrow_free(v);
    sl_map_free(st->store[p]);
  }
  sl_map_free(st->ridx);
  sl_buf_free(&st->kb);
  sl_buf_free(&st->cl);
  sl_buf_free(&st->vt);
  free(st);
}

void sl_exec_join_init(sl_operator_t *op) {
  join_state_t *st = sl_xcalloc(1, sizeof *st);
  st->store[0] = sl_map_new(false);
  st->store[1] = sl_map_new(false);
  st->stream_time = INT64_MIN;
  st->side_time[0] = st->side_time[1] = INT64_MIN;
  st->src[0] = side_source(op->node->input);
  st->src[1] = side_source(op->node->input2);
  sl_buf_init(&st->kb);
  sl_buf_init(&st->cl);
  sl_buf_init(&st->vt);
  sl_buf_puts(&st->kb, ""); /* key text is never a NULL pointer */
  op->state = st;
  op->push = join_push;
  op->end = join_end;
  op->restore = join_restore;
}
