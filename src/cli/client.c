/*
 * client.c - the shell's side of the REST API, over libcurl. Plain requests
 * (/info, /ksql, /close-query) reuse one easy handle so the connection stays
 * open between statements. Streams (/query-stream for SELECT, /query for
 * PRINT) run on their own handle inside a multi handle polled in short
 * steps, so a Ctrl-C (sl_cli_interrupted, set by the shell's SIGINT handler)
 * is noticed within a tenth of a second even when no row arrives.
 */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "sluice/commands.h"

volatile sig_atomic_t sl_cli_interrupted;

static void global_init(void) {
  static bool done;
  if (!done) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    done = true;
  }
}

void sl_cli_conn_init(sl_cli_conn_t *c, const char *url, const char *user, const char *password) {
  global_init();
  memset(c, 0, sizeof *c);
  sl_cli_conn_set_url(c, url);
  c->user = user ? sl_strdup(user) : NULL;
  c->password = password ? sl_strdup(password) : NULL;
  c->curl = curl_easy_init();
}

bool sl_cli_http2_available(void) {
  global_init();
  return (curl_version_info(CURLVERSION_NOW)->features & CURL_VERSION_HTTP2) != 0;
}

void sl_cli_conn_set_url(sl_cli_conn_t *c, const char *url) {
  free(c->url);
  /* "host:port" alone is taken as http://host:port, as curl would. */
  if (!strstr(url, "://")) {
    sl_buf_t b;
    sl_buf_init(&b);
    sl_buf_printf(&b, "http://%s", url);
    c->url = sl_buf_steal(&b);
  } else {
    c->url = sl_strdup(url);
  }
  size_t n = strlen(c->url);
  while (n > 0 && c->url[n - 1] == '/') c->url[--n] = 0;
}

void sl_cli_conn_free(sl_cli_conn_t *c) {
  if (c->curl) curl_easy_cleanup(c->curl);
  free(c->url);
  free(c->user);
  free(c->password);
  memset(c, 0, sizeof *c);
}

void sl_cli_response_free(sl_cli_response_t *r) {
  if (r->body) json_decref(r->body);
  free(r->text);
  r->body = NULL;
  r->text = NULL;
}

static size_t collect_cb(char *p, size_t size, size_t n, void *ud) {
  sl_buf_append(ud, p, size * n);
  return size * n;
}

static int progress_cb(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un) {
  (void)ud, (void)dt, (void)dn, (void)ut, (void)un;
  return sl_cli_interrupted ? 1 : 0;
}

/* Options every request shares; returns the header list to free after. */
static struct curl_slist *setup(sl_cli_conn_t *c, CURL *h, const char *path, const char *body,
                                const char *content_type, const char *accept, char *errbuf) {
  curl_easy_reset(h);
  sl_buf_t url;
  sl_buf_init(&url);
  sl_buf_printf(&url, "%s%s", c->url, path);
  curl_easy_setopt(h, CURLOPT_URL, url.data);
  sl_buf_free(&url);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "sluice-shell/" SLUICE_VERSION);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress_cb);
  /* h2c with prior knowledge on http:// (what ksqlDB's newer clients speak);
   * over https:// libcurl negotiates HTTP/2 through ALPN instead. */
  if (c->http2) {
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION,
                     strncmp(c->url, "https:", 6) ? (long)CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE
                                                  : (long)CURL_HTTP_VERSION_2TLS);
    /* A new connection per request: sluice serve (h2o) does not answer a
     * second stream on a reused h2c connection yet, and one request per
     * statement costs little. */
    curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
  }
  if (c->user) {
    curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    curl_easy_setopt(h, CURLOPT_USERNAME, c->user);
    curl_easy_setopt(h, CURLOPT_PASSWORD, c->password ? c->password : "");
  }
  struct curl_slist *hdrs = NULL;
  char line[256];
  if (accept) {
    snprintf(line, sizeof line, "Accept: %s", accept);
    hdrs = curl_slist_append(hdrs, line);
  }
  if (body) {
    snprintf(line, sizeof line, "Content-Type: %s", content_type);
    hdrs = curl_slist_append(hdrs, line);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
  }
  /* An HTTP/1.1 POST waits for "100 Continue" on large bodies; not needed. */
  hdrs = curl_slist_append(hdrs, "Expect:");
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
  return hdrs;
}

static const char *content_type_for(const char *path) {
  return !strcmp(path, "/ksql") || !strcmp(path, "/query") ? "application/vnd.ksql.v1+json"
                                                           : "application/json";
}

static void fail_text(sl_cli_response_t *r, CURLcode rc, const char *errbuf) {
  if (rc == CURLE_ABORTED_BY_CALLBACK && sl_cli_interrupted)
    snprintf(r->error, sizeof r->error, "interrupted");
  else
    snprintf(r->error, sizeof r->error, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
}

static int request(sl_cli_conn_t *c, const char *path, const json_t *body, sl_cli_response_t *r) {
  memset(r, 0, sizeof *r);
  char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
  char errbuf[CURL_ERROR_SIZE] = "";
  sl_buf_t got;
  sl_buf_init(&got);
  struct curl_slist *hdrs =
      setup(c, c->curl, path, text, content_type_for(path), "application/vnd.ksql.v1+json", errbuf);
  curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, collect_cb);
  curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &got);
  CURLcode rc = curl_easy_perform(c->curl);
  curl_slist_free_all(hdrs);
  free(text);
  r->text = sl_buf_steal(&got);
  if (rc != CURLE_OK) {
    fail_text(r, rc, errbuf);
    return -1;
  }
  curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &r->status);
  r->body = json_loads(r->text, JSON_DECODE_ANY, NULL);
  return 0;
}

int sl_cli_get(sl_cli_conn_t *c, const char *path, sl_cli_response_t *r) {
  return request(c, path, NULL, r);
}

int sl_cli_post(sl_cli_conn_t *c, const char *path, const json_t *body, sl_cli_response_t *r) {
  return request(c, path, body, r);
}

/* ---------------- streams ---------------- */

typedef struct stream_ctx {
  CURL *h;
  sl_buf_t pending;    /* bytes after the last newline */
  sl_buf_t error_body; /* the body of a failed response */
  sl_cli_line_fn on_line;
  void *ctx;
  bool stopped; /* on_line asked to stop */
} stream_ctx_t;

static bool failed_status(CURL *h) {
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  return status >= 400;
}

static size_t stream_cb(char *p, size_t size, size_t n, void *ud) {
  stream_ctx_t *s = ud;
  size_t len = size * n;
  if (failed_status(s->h)) {
    sl_buf_append(&s->error_body, p, len);
    return len;
  }
  sl_buf_append(&s->pending, p, len);
  size_t start = 0;
  for (size_t i = 0; i < s->pending.len && !s->stopped; i++) {
    if (s->pending.data[i] != '\n') continue;
    size_t end = i;
    if (end > start && s->pending.data[end - 1] == '\r') end--;
    char saved = s->pending.data[end];
    s->pending.data[end] = 0;
    if (s->on_line(s->ctx, s->pending.data + start, end - start)) s->stopped = true;
    s->pending.data[end] = saved;
    start = i + 1;
  }
  if (s->stopped) return 0; /* ends the transfer: CURLE_WRITE_ERROR */
  memmove(s->pending.data, s->pending.data + start, s->pending.len - start);
  s->pending.len -= start;
  s->pending.data[s->pending.len] = 0;
  return len;
}

int sl_cli_stream(sl_cli_conn_t *c, const char *path, const json_t *body, const char *accept,
                  sl_cli_line_fn on_line, void *ctx, sl_cli_response_t *r) {
  memset(r, 0, sizeof *r);
  char *text = json_dumps(body, JSON_COMPACT);
  char errbuf[CURL_ERROR_SIZE] = "";
  stream_ctx_t s = {.on_line = on_line, .ctx = ctx};
  sl_buf_init(&s.pending);
  sl_buf_init(&s.error_body);
  s.h = curl_easy_init();
  struct curl_slist *hdrs = setup(c, s.h, path, text, content_type_for(path), accept, errbuf);
  curl_easy_setopt(s.h, CURLOPT_WRITEFUNCTION, stream_cb);
  curl_easy_setopt(s.h, CURLOPT_WRITEDATA, &s);
  /* Interruption is polled below; the progress callback would end the
   * transfer as an error we would have to tell apart. */
  curl_easy_setopt(s.h, CURLOPT_NOPROGRESS, 1L);
  CURLM *m = curl_multi_init();
  curl_multi_add_handle(m, s.h);
  int running = 1, rc = 0;
  bool interrupted = false;
  while (running) {
    if (curl_multi_perform(m, &running) != CURLM_OK) break;
    if (!running) break;
    if (sl_cli_interrupted) {
      interrupted = true;
      break;
    }
    curl_multi_poll(m, NULL, 0, 100, NULL);
  }
  CURLcode result = CURLE_OK;
  int left;
  CURLMsg *msg;
  while ((msg = curl_multi_info_read(m, &left)))
    if (msg->msg == CURLMSG_DONE) result = msg->data.result;
  curl_easy_getinfo(s.h, CURLINFO_RESPONSE_CODE, &r->status);
  if (interrupted || s.stopped) {
    rc = 1;
  } else if (result != CURLE_OK) {
    fail_text(r, result, errbuf);
    rc = r->status ? 0 : -1;
    if (rc == 0) {
      /* The server answered, then the stream broke: say so as a line. */
      r->text = sl_buf_steal(&s.error_body);
    }
  } else if (s.pending.len && !failed_status(s.h)) {
    /* A last line without its newline. */
    on_line(ctx, s.pending.data, s.pending.len);
  }
  if (!r->text) r->text = sl_buf_steal(&s.error_body);
  if (r->status >= 400) r->body = json_loads(r->text, JSON_DECODE_ANY, NULL);
  curl_multi_remove_handle(m, s.h);
  curl_multi_cleanup(m);
  curl_easy_cleanup(s.h);
  curl_slist_free_all(hdrs);
  sl_buf_free(&s.pending);
  sl_buf_free(&s.error_body);
  free(text);
  return rc;
}
