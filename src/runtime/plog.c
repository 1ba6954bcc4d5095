/*
 * plog.c - the default processing log. A record that cannot be processed
 * (bad bytes, a failed expression, a value the sink format cannot carry)
 * never stops its query; the task reports it here instead. Each entry is one
 * warning line on stderr for whoever watches the server, and, once
 * sl_plog_set_file has named a file, one JSON object per line appended to it
 * so tools can follow it (tail -f | jq). Tasks run on several worker threads,
 * so one mutex keeps lines whole and guards the file handle against a
 * concurrent sl_plog_set_file.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "sluice/runtime.h"

static pthread_mutex_t plog_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *plog_file; /* append-only JSON lines, or NULL */

void sl_plog_set_file(const char *path) {
  FILE *f = NULL;
  if (path) {
    f = fopen(path, "a");
    if (!f) SL_WARN("processing log: cannot open %s: %s", path, strerror(errno));
  }
  pthread_mutex_lock(&plog_lock);
  FILE *old = plog_file;
  plog_file = f;
  pthread_mutex_unlock(&plog_lock);
  if (old) fclose(old);
}

/* Length of the valid UTF-8 sequence starting at p (at most n bytes), or 0
 * if it is not one. Overlong forms and surrogates are rejected so the file
 * stays strict JSON even when the message quotes a corrupt record. */
static size_t utf8_len(const unsigned char *p, size_t n) {
  unsigned c = p[0];
  size_t len;
  unsigned min;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf)
    len = 2, min = 0x80;
  else if (c >= 0xe0 && c <= 0xef)
    len = 3, min = 0x800;
  else if (c >= 0xf0 && c <= 0xf4)
    len = 4, min = 0x10000;
  else
    return 0;
  if (n < len) return 0;
  unsigned cp = c & (0x3f >> (len - 1));
  for (size_t i = 1; i < len; i++) {
    if ((p[i] & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}

/* Appends s as a JSON string (or null); invalid UTF-8 becomes U+FFFD. */
static void json_str(sl_buf_t *b, const char *s) {
  if (!s) {
    sl_buf_puts(b, "null");
    return;
  }
  const unsigned char *p = (const unsigned char *)s;
  size_t n = strlen(s);
  sl_buf_putc(b, '"');
  for (size_t i = 0; i < n;) {
    unsigned char c = p[i];
    if (c == '"' || c == '\\') {
      sl_buf_putc(b, '\\');
      sl_buf_putc(b, (char)c);
      i++;
    } else if (c == '\n') {
      sl_buf_puts(b, "\\n"), i++;
    } else if (c == '\r') {
      sl_buf_puts(b, "\\r"), i++;
    } else if (c == '\t') {
      sl_buf_puts(b, "\\t"), i++;
    } else if (c < 0x20 || c == 0x7f) {
      sl_buf_printf(b, "\\u%04x", c), i++;
    } else {
      size_t len = utf8_len(p + i, n - i);
      if (len == 0) {
        sl_buf_puts(b, "\\ufffd");
        i++;
      } else {
        sl_buf_append(b, p + i, len);
        i += len;
      }
    }
  }
  sl_buf_putc(b, '"');
}

void sl_plog_default(void *ctx, const sl_plog_entry_t *e) {
  SL_UNUSED(ctx);
  int64_t now = sl_now_ms();
  sl_buf_t line;
  sl_buf_init(&line);
  sl_buf_printf(&line, "{\"time\":%lld,\"queryId\":", (long long)now);
  json_str(&line, e->query_id);
  sl_buf_puts(&line, ",\"kind\":");
  json_str(&line, e->kind);
  sl_buf_puts(&line, ",\"message\":");
  json_str(&line, e->message);
  sl_buf_puts(&line, ",\"topic\":");
  json_str(&line, e->topic);
  /* -1 means "not known" (a row from an INSERT VALUES has no offset): say
   * null rather than invent a position. */
  if (e->partition >= 0)
    sl_buf_printf(&line, ",\"partition\":%d", (int)e->partition);
  else
    sl_buf_puts(&line, ",\"partition\":null");
  if (e->offset >= 0)
    sl_buf_printf(&line, ",\"offset\":%lld}\n", (long long)e->offset);
  else
    sl_buf_puts(&line, ",\"offset\":null}\n");

  pthread_mutex_lock(&plog_lock);
  if (e->topic)
    SL_WARN("processing log: query %s: %s at %s-%d@%lld: %s", e->query_id ? e->query_id : "-",
            e->kind ? e->kind : "ERROR", e->topic, (int)e->partition, (long long)e->offset,
            e->message ? e->message : "");
  else
    SL_WARN("processing log: query %s: %s: %s", e->query_id ? e->query_id : "-",
            e->kind ? e->kind : "ERROR", e->message ? e->message : "");
  if (plog_file) {
    /* One write per entry and a flush, so a reader never sees half a line
     * and nothing is lost if the server is killed. */
    fwrite(line.data, 1, line.len, plog_file);
    fflush(plog_file);
  }
  pthread_mutex_unlock(&plog_lock);
  sl_buf_free(&line);
}
