/*
 * base.c - errors, arenas, buffers, vectors, the hash map, hashing, logging
 * and clocks: the small utilities every other module uses. Allocation failure
 * of the process heap aborts (there is nothing sensible to do); everything
 * else reports through sl_error_t.
 */
#include "sluice/base.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---------------- errors ---------------- */

const char *sl_strerror(int code) {
  switch (code) {
  case SL_OK: return "ok";
  case SL_ENOMEM: return "out of memory";
  case SL_ESYNTAX: return "syntax error";
  case SL_ESEMANTIC: return "invalid statement";
  case SL_ENOTFOUND: return "not found";
  case SL_EEXISTS: return "already exists";
  case SL_EIO: return "i/o error";
  case SL_EKAFKA: return "kafka error";
  case SL_ESERDE: return "serialization error";
  case SL_EEVAL: return "evaluation error";
  case SL_EINVAL: return "invalid argument";
  case SL_EUNSUPPORTED: return "not supported";
  case SL_ERUNTIME: return "query failed";
  default: return "unknown error";
  }
}

void sl_error_clear(sl_error_t *err) {
  if (!err) return;
  err->code = 0;
  err->offset = -1;
  err->msg[0] = 0;
  err->hint[0] = 0;
}

int sl_error_set(sl_error_t *err, int code, int offset, const char *fmt, ...) {
  if (!err || err->code != 0) return code;
  err->code = code;
  err->offset = offset;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  return code;
}

void sl_text_position(const char *text, int offset, int *line, int *col) {
  int l = 1, c = 1;
  for (int i = 0; text && text[i] && i < offset; i++) {
    if (text[i] == '\n') {
      l++;
      c = 1;
    } else {
      c++;
    }
  }
  *line = l;
  *col = c;
}

void sl_error_format(const sl_error_t *err, const char *text, char *out, size_t outsz) {
  if (err->offset < 0 || !text) {
    snprintf(out, outsz, "%s", err->msg);
    return;
  }
  int line, col;
  sl_text_position(text, err->offset, &line, &col);
  const char *ls = text;
  for (int l = 1; l < line; l++) ls = strchr(ls, '\n') + 1;
  const char *le = strchr(ls, '\n');
  int llen = le ? (int)(le - ls) : (int)strlen(ls);
  snprintf(out, outsz, "line %d:%d: %s\n%.*s\n%*s^", line, col, err->msg, llen, ls, col - 1, "");
}

/* ---------------- heap helpers ---------------- */

void *sl_xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) abort();
  return p;
}

void *sl_xcalloc(size_t n, size_t m) {
  void *p = calloc(n ? n : 1, m ? m : 1);
  if (!p) abort();
  return p;
}

void *sl_xrealloc(void *p, size_t n) {
  p = realloc(p, n ? n : 1);
  if (!p) abort();
  return p;
}

char *sl_strdup(const char *s) {
  if (!s) return NULL;
  size_t n = strlen(s);
  char *p = sl_xmalloc(n + 1);
  memcpy(p, s, n + 1);
  return p;
}

bool sl_streq_ci(const char *a, const char *b) {
  if (!a || !b) return a == b;
  return strcasecmp(a, b) == 0;
}

char *sl_upper_inplace(char *s) {
  for (char *p = s; p && *p; p++) *p = (char)toupper((unsigned char)*p);
  return s;
}

int sl_read_file(const char *path, char **out, size_t *len, sl_error_t *err) {
  FILE *f = fopen(path, "rb");
  if (!f) return sl_error_set(err, SL_EIO, -1, "cannot open %s: %s", path, strerror(errno));
  sl_buf_t b;
  sl_buf_init(&b);
  char tmp[65536];
  size_t n;
  while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) sl_buf_append(&b, tmp, n);
  int bad = ferror(f);
  fclose(f);
  if (bad) {
    sl_buf_free(&b);
    return sl_error_set(err, SL_EIO, -1, "cannot read %s", path);
  }
  if (len) *len = b.len;
  *out = sl_buf_steal(&b);
  return 0;
}

/* ---------------- arena ---------------- */

struct sl_arena_block {
  sl_arena_block_t *prev;
  size_t size; /* usable bytes in data */
  size_t used;
  _Alignas(16) unsigned char data[];
};

void sl_arena_init(sl_arena_t *a, size_t block_size) {
  a->head = NULL;
  a->block_size = block_size ? block_size : 8192;
}

void *sl_arena_alloc(sl_arena_t *a, size_t n) {
  if (a->block_size == 0) a->block_size = 8192;
  n = (n + 15) & ~(size_t)15;
  if (n == 0) n = 16;
  sl_arena_block_t *b = a->head;
  if (!b || b->size - b->used < n) {
    size_t sz = n > a->block_size ? n : a->block_size;
    b = sl_xmalloc(sizeof(sl_arena_block_t) + sz);
    b->size = sz;
    b->used = 0;
    if (a->head && n > a->block_size && a->head->size - a->head->used > 256) {
      /* Keep the current block in front: an oversized one goes behind it. */
      b->prev = a->head->prev;
      a->head->prev = b;
    } else {
      b->prev = a->head;
      a->head = b;
    }
  }
  void *p = b->data + b->used;
  b->used += n;
  memset(p, 0, n);
  return p;
}

char *sl_arena_strndup(sl_arena_t *a, const char *s, size_t n) {
  char *p = sl_arena_alloc(a, n + 1);
  if (n) memcpy(p, s, n);
  p[n] = 0;
  return p;
}

char *sl_arena_strdup(sl_arena_t *a, const char *s) {
  if (!s) return NULL;
  return sl_arena_strndup(a, s, strlen(s));
}

void *sl_arena_memdup(sl_arena_t *a, const void *p, size_t n) {
  void *q = sl_arena_alloc(a, n);
  if (n) memcpy(q, p, n);
  return q;
}

char *sl_arena_sprintf(sl_arena_t *a, const char *fmt, ...) {
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *p = sl_arena_alloc(a, (size_t)n + 1);
  vsnprintf(p, (size_t)n + 1, fmt, ap2);
  va_end(ap2);
  return p;
}

void sl_arena_reset(sl_arena_t *a) {
  sl_arena_block_t *b = a->head;
  if (!b) return;
  /* Keep the oldest block of default size; free the rest. */
  sl_arena_block_t *keep = NULL;
  while (b) {
    sl_arena_block_t *prev = b->prev;
    if (!keep && b->size == a->block_size) {
      keep = b;
    } else {
      free(b);
    }
    b = prev;
  }
  if (keep) {
    keep->prev = NULL;
    keep->used = 0;
  }
  a->head = keep;
}

void sl_arena_free(sl_arena_t *a) {
  sl_arena_block_t *b = a->head;
  while (b) {
    sl_arena_block_t *prev = b->prev;
    free(b);
    b = prev;
  }
  a->head = NULL;
}

/* ---------------- buffers ---------------- */

void sl_buf_init(sl_buf_t *b) {
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
}

void sl_buf_free(sl_buf_t *b) {
  free(b->data);
  sl_buf_init(b);
}

void sl_buf_reset(sl_buf_t *b) {
  b->len = 0;
  if (b->data) b->data[0] = 0;
}

static void buf_reserve(sl_buf_t *b, size_t extra) {
  if (b->len + extra + 1 <= b->cap) return;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < b->len + extra + 1) cap *= 2;
  b->data = sl_xrealloc(b->data, cap);
  b->cap = cap;
}

void sl_buf_append(sl_buf_t *b, const void *p, size_t n) {
  buf_reserve(b, n);
  if (n) memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = 0;
}

void sl_buf_puts(sl_buf_t *b, const char *s) { sl_buf_append(b, s, strlen(s)); }

void sl_buf_putc(sl_buf_t *b, char c) {
  buf_reserve(b, 1);
  b->data[b->len++] = c;
  b->data[b->len] = 0;
}

void sl_buf_vprintf(sl_buf_t *b, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  buf_reserve(b, (size_t)n);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
  va_end(ap2);
  b->len += (size_t)n;
}

void sl_buf_printf(sl_buf_t *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sl_buf_vprintf(b, fmt, ap);
  va_end(ap);
}

char *sl_buf_steal(sl_buf_t *b) {
  if (!b->data) buf_reserve(b, 0), b->data[0] = 0;
  char *p = b->data;
  sl_buf_init(b);
  return p;
}

/* ---------------- vectors ---------------- */

void sl_ptrvec_push(sl_ptrvec_t *v, void *p) {
  if (v->len == v->cap) {
    v->cap = v->cap ? v->cap * 2 : 8;
    v->items = sl_xrealloc(v->items, sizeof(void *) * (size_t)v->cap);
  }
  v->items[v->len++] = p;
}

void sl_ptrvec_free(sl_ptrvec_t *v) {
  free(v->items);
  v->items = NULL;
  v->len = v->cap = 0;
}

/* ---------------- hashing ---------------- */

uint64_t sl_hash_bytes(const void *p, size_t n, uint64_t seed) {
  /* FNV-1a folded with a final mix: fast enough for keys, good spread. */
  const unsigned char *s = p;
  uint64_t h = 1469598103934665603ULL ^ seed;
  for (size_t i = 0; i < n; i++) {
    h ^= s[i];
    h *= 1099511628211ULL;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

int32_t sl_murmur2(const void *p, size_t n) {
  const uint32_t seed = 0x9747b28c, m = 0x5bd1e995;
  const int r = 24;
  const unsigned char *data = p;
  uint32_t h = seed ^ (uint32_t)n;
  size_t len4 = n / 4;
  for (size_t i = 0; i < len4; i++) {
    size_t i4 = i * 4;
    uint32_t k = (uint32_t)data[i4] | ((uint32_t)data[i4 + 1] << 8) |
                 ((uint32_t)data[i4 + 2] << 16) | ((uint32_t)data[i4 + 3] << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  switch (n % 4) {
  case 3: h ^= (uint32_t)data[(n & ~(size_t)3) + 2] << 16; /* fall through */
  case 2: h ^= (uint32_t)data[(n & ~(size_t)3) + 1] << 8;  /* fall through */
  case 1:
    h ^= (uint32_t)data[n & ~(size_t)3];
    h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return (int32_t)h;
}

int sl_kafka_partition_for(const void *key, size_t n, int partitions) {
  if (partitions <= 1) return 0;
  return (int)(((uint32_t)sl_murmur2(key, n) & 0x7fffffff) % (uint32_t)partitions);
}

/* ---------------- hash map ---------------- */

typedef struct map_entry {
  char *key;
  void *value;
  uint64_t hash;
  bool live;
} map_entry_t;

struct sl_map {
  bool ci;
  map_entry_t *entries; /* insertion order; removed ones are not live */
  int nentries, cap_entries, live;
  int *slots; /* open addressing: index+1 into entries, 0 empty */
  int nslots;
};

static uint64_t map_hash(const sl_map_t *m, const char *k) {
  if (!m->ci) return sl_hash_bytes(k, strlen(k), 0);
  uint64_t h = 1469598103934665603ULL;
  for (const unsigned char *p = (const unsigned char *)k; *p; p++) {
    h ^= (uint64_t)toupper(*p);
    h *= 1099511628211ULL;
  }
  return h ^ (h >> 31);
}

static bool map_keyeq(const sl_map_t *m, const char *a, const char *b) {
  return m->ci ? strcasecmp(a, b) == 0 : strcmp(a, b) == 0;
}

sl_map_t *sl_map_new(bool case_insensitive) {
  sl_map_t *m = sl_xcalloc(1, sizeof *m);
  m->ci = case_insensitive;
  return m;
}

void sl_map_free(sl_map_t *m) {
  if (!m) return;
  for (int i = 0; i < m->nentries; i++) free(m->entries[i].key);
  free(m->entries);
  free(m->slots);
  free(m);
}

static int map_find(const sl_map_t *m, const char *key, uint64_t h) {
  if (!m->nslots) return -1;
  for (int i = (int)(h % (uint64_t)m->nslots), n = 0; n < m->nslots;
       i = (i + 1) % m->nslots, n++) {
    int s = m->slots[i];
    if (s == 0) return -1;
    map_entry_t *e = &m->entries[s - 1];
    if (e->live && e->hash == h && map_keyeq(m, e->key, key)) return s - 1;
  }
  return -1;
}

static void map_rehash(sl_map_t *m) {
  /* Compact entries, then rebuild slots at twice the live count. */
  int j = 0;
  for (int i = 0; i < m->nentries; i++) {
    if (m->entries[i].live) {
      m->entries[j++] = m->entries[i];
    } else {
      free(m->entries[i].key);
    }
  }
  m->nentries = j;
  int ns = 16;
  while (ns < (j + 1) * 2) ns *= 2;
  free(m->slots);
  m->slots = sl_xcalloc((size_t)ns, sizeof(int));
  m->nslots = ns;
  for (int i = 0; i < j; i++) {
    int k = (int)(m->entries[i].hash % (uint64_t)ns);
    while (m->slots[k]) k = (k + 1) % ns;
    m->slots[k] = i + 1;
  }
}

void sl_map_put(sl_map_t *m, const char *key, void *value) {
  uint64_t h = map_hash(m, key);
  int idx = map_find(m, key, h);
  if (idx >= 0) {
    m->entries[idx].value = value;
    return;
  }
  if ((m->nentries + 1) * 2 > m->nslots) map_rehash(m);
  if (m->nentries == m->cap_entries) {
    m->cap_entries = m->cap_entries ? m->cap_entries * 2 : 8;
    m->entries = sl_xrealloc(m->entries, sizeof(map_entry_t) * (size_t)m->cap_entries);
  }
  map_entry_t *e = &m->entries[m->nentries++];
  e->key = sl_strdup(key);
  e->value = value;
  e->hash = h;
  e->live = true;
  m->live++;
  int k = (int)(h % (uint64_t)m->nslots);
  while (m->slots[k]) k = (k + 1) % m->nslots;
  m->slots[k] = m->nentries;
}

void *sl_map_get(const sl_map_t *m, const char *key) {
  int idx = map_find(m, key, map_hash(m, key));
  return idx >= 0 ? m->entries[idx].value : NULL;
}

bool sl_map_has(const sl_map_t *m, const char *key) {
  return map_find(m, key, map_hash(m, key)) >= 0;
}

void *sl_map_remove(sl_map_t *m, const char *key) {
  int idx = map_find(m, key, map_hash(m, key));
  if (idx < 0) return NULL;
  void *v = m->entries[idx].value;
  m->entries[idx].live = false;
  m->live--;
  /* Removed entries keep their slot (as tombstones) until the next rehash. */
  return v;
}

int sl_map_count(const sl_map_t *m) { return m->live; }

bool sl_map_next(const sl_map_t *m, int *iter, const char **key, void **value) {
  while (*iter < m->nentries) {
    map_entry_t *e = &m->entries[(*iter)++];
    if (!e->live) continue;
    if (key) *key = e->key;
    if (value) *value = e->value;
    return true;
  }
  return false;
}

/* ---------------- logging ---------------- */

static sl_log_level_t log_level = SL_LOG_INFO;

void sl_log_set_level(sl_log_level_t lvl) { log_level = lvl; }

void sl_log(sl_log_level_t lvl, const char *fmt, ...) {
  if (lvl < log_level) return;
  static const char *names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
  char ts[32];
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "[%s] %s ", ts, names[lvl]);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

/* ---------------- clocks ---------------- */

int64_t sl_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t sl_monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
