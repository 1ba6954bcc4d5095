/*
 * qtt_exec.c - runs one test variant: a fresh in-memory driver and engine,
 * the declared topics, the statements one at a time, the input records
 * encoded with the formats of the source that reads their topic, a pump of
 * the driver, then the judgement of the sink topics and the post-conditions.
 * The verdict is a boolean plus one line saying what went wrong first (the
 * report line) and, in verbose mode, the statements, processing log and every
 * record the queries wrote.
 *
 * Records are judged through the sink source's serdes: the key and value
 * bytes are decoded with its formats and schema and compared with the
 * expected JSON by the rules in qtt_match.c. DELIMITED records and records of
 * topics no source describes are compared as text / JSON instead.
 */
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "qtt_int.h"
#include "sluice/engine.h"
#include "sluice/memdriver.h"
#include "sluice/serde.h"

#define QTT_SERVICE_ID "some.ksql.service.id"

typedef struct run {
  const sl_qtt_variant_t *v;
  const sl_qtt_opts_t *o;
  sl_memdriver_t *md;
  sl_topic_driver_t *drv;
  sl_engine_t *e;
  sl_session_t sess;
  sl_map_t *props;  /* test properties: name -> malloc'd value (engine config) */
  sl_arena_t arena; /* per record: decoded values, serdes */
  sl_buf_t *reason;
  sl_buf_t *details;
  sl_buf_t plog; /* processing log, for verbose output */
  bool has_inputs;
} run_t;

static bool fail(run_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(run_t *r, const char *fmt, ...) {
  if (r->reason->len) return false;
  va_list ap;
  va_start(ap, fmt);
  sl_buf_vprintf(r->reason, fmt, ap);
  va_end(ap);
  return false;
}

static void capture_plog(void *ctx, const sl_plog_entry_t *e) {
  run_t *r = ctx;
  sl_buf_printf(&r->plog, "  %s %s: %s (topic %s, partition %d, offset %lld)\n",
                e->query_id ? e->query_id : "-", e->kind ? e->kind : "-",
                e->message ? e->message : "", e->topic ? e->topic : "-", e->partition,
                (long long)e->offset);
}

static const char *jstr(const json_t *o, const char *k) {
  const json_t *v = json_object_get(o, k);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The first-created source reading or writing topic, or NULL. */
static const sl_source_t *source_for_topic(run_t *r, const char *topic) {
  int n = sl_engine_source_count(r->e);
  for (int i = 0; i < n; i++) {
    const sl_source_t *s = sl_engine_source_at(r->e, i);
    if (s && s->topic && !strcmp(s->topic, topic)) return s;
  }
  return NULL;
}

static void ensure_topic(run_t *r, const char *name, int partitions) {
  if (!name || r->drv->topic_partitions(r->drv->ctx, name) > 0) return;
  sl_error_t err;
  sl_error_clear(&err);
  r->drv->create_topic(r->drv->ctx, name, partitions > 0 ? partitions : 1, 1, NULL, &err);
}

/* ---------------- expected exceptions ---------------- */

/* A failure happened (a statement was refused, or a query failed at run time).
 * Returns true when that is the failure the test expects. */
typedef struct err_pos {
  int line, col;    /* 1-based position in the statements joined by newlines */
  const char *stmt; /* the statement's text */
} err_pos_t;

static bool on_error(run_t *r, bool runtime, int stmt, const char *msg, const err_pos_t *pos) {
  const json_t *exc = json_object_get(r->v->test, "expectedException");
  if (!exc) {
    if (runtime) return fail(r, "%s", msg);
    return fail(r, "statement %d failed: %s", stmt + 1, msg);
  }
  const char *type = jstr(exc, "type"), *emsg = jstr(exc, "message"),
             *cause = jstr(exc, "causeMessage");
  /* Java exception classes map to kinds: Kafka Streams' StreamsException is a
   * query failing at run time, every other class a refused statement. */
  bool want_runtime = type && strstr(type, "StreamsException");
  if (want_runtime && !runtime)
    return fail(r, "expected a runtime failure (%s), but statement %d failed: %s", type, stmt + 1,
                msg);
  if (!want_runtime && runtime)
    return fail(r, "expected a statement to fail (%s), but a query failed at run time: %s",
                type ? type : "?", msg);
  bool ok = !emsg || strstr(msg, emsg) || (cause && strstr(msg, cause));
  if (!ok && runtime && cause) ok = strstr(msg, cause) != NULL;
  if (!ok && emsg && pos && pos->line > 0) {
    /* ksqlDB puts the position of some errors into the message text, as
     * "Line: 1, Col: 21: <msg>" (statement errors) or "line 1:21: <msg>\n
     * Statement: <text>" (syntax errors); sluice keeps it apart, as an offset. */
    sl_buf_t b;
    sl_buf_init(&b);
    sl_buf_printf(&b, "Line: %d, Col: %d: %s", pos->line, pos->col, msg);
    ok = strstr(b.data, emsg) != NULL;
    sl_buf_reset(&b);
    sl_buf_printf(&b, "line %d:%d: %s\nStatement: %s", pos->line, pos->col, msg, pos->stmt);
    ok = ok || strstr(b.data, emsg) != NULL;
    /* ksqlDB's wrapper for errors found while planning a statement. */
    sl_buf_reset(&b);
    sl_buf_printf(&b, "Exception while preparing statement: Line: %d, Col: %d: %s", pos->line,
                  pos->col, msg);
    ok = ok || strstr(b.data, emsg) != NULL;
    sl_buf_free(&b);
  }
  if (!ok)
    return fail(r, "expected error containing \"%s\", got: %s", runtime && cause ? cause : emsg,
                msg);
  return true;
}

/* ---------------- encoding inputs ---------------- */

static void key_value_cols(const sl_source_t *s, bool is_key, sl_arena_t *a, sl_column_t **cols,
                           int *n) {
  *n = 0;
  *cols = sl_arena_alloc(a, sizeof(sl_column_t) * (size_t)(s->schema ? s->schema->ncols + 1 : 1));
  for (int i = 0; s->schema && i < s->schema->ncols; i++) {
    sl_col_ns_t ns = s->schema->cols[i].ns;
    if (is_key ? ns == SL_NS_KEY : ns == SL_NS_VALUE) (*cols)[(*n)++] = s->schema->cols[i];
  }
}

static const json_t *field_ci(const json_t *obj, const char *name) {
  const json_t *v = json_object_get(obj, name);
  if (v) return v;
  const char *k;
  json_t *x;
  json_object_foreach((json_t *)obj, k, x) if (!strcasecmp(k, name)) return x;
  return NULL;
}

/* Is a single column written wrapped in an object/record? Only if the source
 * says so and the format can wrap at all (KAFKA never does). */
static bool wraps_single(const char *fmt, const sl_serde_opts_t *o) {
  const sl_serde_vt_t *vt = sl_format_find(fmt);
  return o->wrap_single && (!vt || vt->supports_wrapping);
}

/* Writes j as the bytes a producer would send: strings as their text, other
 * JSON as JSON text. Used when no serde applies. */
static void raw_bytes(const json_t *j, sl_buf_t *out) {
  if (json_is_string(j) && !sl_qtt_num(j))
    sl_buf_append(out, json_string_value(j), json_string_length(j));
  else
    sl_qtt_json_write(j, out);
}

/* Encodes one side of an input record. *is_null is set for null keys/values.
 * Returns 0, or an error with the reason in why (the caller then writes the
 * raw text so the engine sees the bad record, as a real producer would). */
static int encode_side(run_t *r, const sl_source_t *src, bool is_key, const json_t *j,
                       sl_buf_t *out, bool *is_null, sl_buf_t *why) {
  *is_null = false;
  if (!j || json_is_null(j)) {
    *is_null = true;
    return 0;
  }
  const char *fmt = src ? (is_key ? src->key_format : src->value_format) : NULL;
  if (!fmt) {
    raw_bytes(j, out);
    return 0;
  }
  if (!strcasecmp(fmt, "NONE")) {
    *is_null = true;
    return 0;
  }
  if (!strcasecmp(fmt, "DELIMITED")) {
    if (json_is_object(j) || json_is_array(j))
      sl_qtt_json_write(j, out);
    else
      sl_qtt_scalar_text(j, out);
    return 0;
  }
  if (!strcasecmp(fmt, "JSON") || !strcasecmp(fmt, "JSON_SR")) {
    /* Written as given: the engine must cope with field case and numbers the
     * way ksqlDB's JSON deserializer does. */
    sl_qtt_json_write(j, out);
    return 0;
  }
  sl_column_t *cols;
  int n;
  key_value_cols(src, is_key, &r->arena, &cols, &n);
  if (n == 0) {
    raw_bytes(j, out);
    return 0;
  }
  const sl_serde_opts_t *opts = is_key ? &src->key_opts : &src->value_opts;
  sl_value_t *vals = sl_arena_alloc(&r->arena, sizeof(sl_value_t) * (size_t)n);
  sl_error_t err;
  sl_error_clear(&err);
  bool by_field = json_is_object(j) && (n > 1 || wraps_single(fmt, opts));
  if (!by_field && n > 1) {
    sl_buf_printf(why, "expected an object with %d fields", n);
    return SL_EINVAL;
  }
  for (int i = 0; i < n; i++) {
    const json_t *x = by_field ? field_ci(j, cols[i].name) : j;
    if (!x || json_is_null(x)) {
      vals[i] = sl_null();
      continue;
    }
    json_t *plain = sl_qtt_json_plain(x);
    int rc = sl_json_to_value(plain, cols[i].type, &r->arena, &vals[i], &err);
    json_decref(plain);
    if (rc) {
      sl_buf_printf(why, "column %s: %s", cols[i].name, err.msg);
      return rc;
    }
  }
  sl_serde_t *s;
  int rc = sl_serde_new(fmt, cols, n, is_key, opts, &r->arena, &s, &err);
  if (!rc) rc = sl_serde_encode(s, vals, out, &err);
  if (rc) sl_buf_printf(why, "%s", err.msg);
  return rc;
}

static void put_be64(sl_buf_t *b, int64_t v) {
  for (int i = 7; i >= 0; i--) sl_buf_putc(b, (char)(((uint64_t)v >> (8 * i)) & 0xff));
}

static int64_t get_be64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = (v << 8) | p[i];
  return (int64_t)v;
}

static bool produce_inputs(run_t *r) {
  const json_t *inputs = json_object_get(r->v->test, "inputs");
  sl_buf_t kb, vb, why, wk, hb;
  sl_buf_init(&kb);
  sl_buf_init(&vb);
  sl_buf_init(&why);
  sl_buf_init(&wk);
  sl_buf_init(&hb);
  bool ok = true;
  for (size_t i = 0; ok && i < json_array_size(inputs); i++) {
    const json_t *in = json_array_get(inputs, i);
    const char *topic = jstr(in, "topic");
    if (!topic) {
      ok = fail(r, "input %zu has no topic", i);
      break;
    }
    sl_arena_reset(&r->arena);
    sl_buf_reset(&kb);
    sl_buf_reset(&vb);
    const sl_source_t *src = source_for_topic(r, topic);
    bool knull, vnull;
    sl_buf_reset(&why);
    if (encode_side(r, src, true, json_object_get(in, "key"), &kb, &knull, &why)) {
      sl_buf_printf(r->details, "  input %zu: key written as raw text (%s)\n", i, why.data);
      sl_buf_reset(&kb);
      raw_bytes(json_object_get(in, "key"), &kb);
    }
    sl_buf_reset(&why);
    if (encode_side(r, src, false, json_object_get(in, "value"), &vb, &vnull, &why)) {
      sl_buf_printf(r->details, "  input %zu: value written as raw text (%s)\n", i, why.data);
      sl_buf_reset(&vb);
      raw_bytes(json_object_get(in, "value"), &vb);
    }
    /* Windowed keys: inner key + start (time), or + end + start (session). */
    const json_t *w = json_object_get(in, "window");
    sl_buf_t *keybuf = &kb;
    if (json_is_object(w)) {
      int64_t start = 0, end = 0;
      sl_qtt_get_int(json_object_get(w, "start"), &start);
      sl_qtt_get_int(json_object_get(w, "end"), &end);
      const char *wt = jstr(w, "type");
      sl_buf_reset(&wk);
      sl_buf_append(&wk, kb.data, knull ? 0 : kb.len);
      if (wt && !strcasecmp(wt, "session")) put_be64(&wk, end);
      put_be64(&wk, start);
      keybuf = &wk;
      knull = false;
    }
    int64_t ts = 0;
    sl_qtt_get_int(json_object_get(in, "timestamp"), &ts);
    /* Headers: values are base64 (or null). */
    const json_t *hj = json_object_get(in, "headers");
    int nh = (int)json_array_size(hj);
    sl_header_t *hdrs = nh ? sl_arena_alloc(&r->arena, sizeof(sl_header_t) * (size_t)nh) : NULL;
    for (int h = 0; h < nh; h++) {
      const json_t *he = json_array_get(hj, (size_t)h);
      const char *hk = jstr(he, "KEY"), *hv = jstr(he, "VALUE");
      hdrs[h].key = hk ? hk : "";
      if (hv) {
        sl_buf_reset(&hb);
        sl_qtt_unbase64(hv, strlen(hv), &hb);
        hdrs[h].value = sl_arena_memdup(&r->arena, hb.data ? hb.data : "", hb.len);
        hdrs[h].len = hb.len;
      }
    }
    sl_record_t rec = {.topic = topic,
                       .partition = -1,
                       .offset = -1,
                       .timestamp = ts,
                       .key = knull ? NULL : (keybuf->data ? keybuf->data : ""),
                       .key_len = knull ? 0 : keybuf->len,
                       .value = vnull ? NULL : (vb.data ? vb.data : ""),
                       .value_len = vnull ? 0 : vb.len,
                       .headers = hdrs,
                       .nheaders = nh};
    sl_error_t err;
    sl_error_clear(&err);
    ensure_topic(r, topic, 1);
    if (r->drv->produce(r->drv->ctx, &rec, &err)) ok = fail(r, "input %zu: %s", i, err.msg);
  }
  sl_buf_free(&kb);
  sl_buf_free(&vb);
  sl_buf_free(&why);
  sl_buf_free(&wk);
  sl_buf_free(&hb);
  return ok;
}

/* ---------------- judging outputs ---------------- */

static bool scalar_text_eq(const json_t *exp, const void *data, size_t len) {
  if (json_is_object(exp) || json_is_array(exp) || json_is_null(exp)) return false;
  sl_buf_t t;
  sl_buf_init(&t);
  sl_qtt_scalar_text(exp, &t);
  bool eq = t.len == len && (!len || !memcmp(t.data, data, len));
  sl_buf_free(&t);
  return eq;
}

static void put_raw_json_string(const void *data, size_t len, sl_buf_t *out) {
  json_t *s = json_stringn(data, len);
  if (s) {
    sl_qtt_json_write(s, out);
    json_decref(s);
  } else {
    sl_buf_puts(out, "<bytes:");
    sl_qtt_base64(data, len, out);
    sl_buf_putc(out, '>');
  }
}

/* Bytes without a serde: parse as JSON when possible, else text. */
static bool compare_untyped(const json_t *exp, const void *data, size_t len, sl_buf_t *act) {
  sl_error_t err;
  sl_error_clear(&err);
  json_t *parsed = len ? sl_qtt_load(data, len, &err) : NULL;
  bool eq;
  if (parsed) {
    sl_qtt_json_write(parsed, act);
    eq = sl_qtt_match_json(exp, parsed) || scalar_text_eq(exp, data, len);
    json_decref(parsed);
  } else {
    put_raw_json_string(data, len, act);
    eq = scalar_text_eq(exp, data, len);
  }
  return eq;
}

/* Compares one side (key or value) of an actual record with its expectation;
 * act gets the actual side rendered for messages. */
static bool compare_side(run_t *r, const sl_source_t *src, bool is_key, const json_t *exp,
                         const void *data, size_t len, sl_buf_t *act) {
  bool exp_null = !exp || json_is_null(exp);
  if (!data) {
    sl_buf_puts(act, "null");
    return exp_null;
  }
  const char *fmt = src ? (is_key ? src->key_format : src->value_format) : NULL;
  if (!fmt) return compare_untyped(exp ? exp : json_null(), data, len, act) && !exp_null;
  if (!strcasecmp(fmt, "DELIMITED")) {
    put_raw_json_string(data, len, act);
    return !exp_null && scalar_text_eq(exp, data, len);
  }
  if (!strcasecmp(fmt, "NONE")) {
    sl_buf_printf(act, "<%zu bytes in a NONE-format field>", len);
    return false;
  }
  sl_column_t *cols;
  int n;
  key_value_cols(src, is_key, &r->arena, &cols, &n);
  if (n == 0) return compare_untyped(exp ? exp : json_null(), data, len, act) && !exp_null;
  const sl_serde_opts_t *opts = is_key ? &src->key_opts : &src->value_opts;
  sl_value_t *vals = sl_arena_alloc(&r->arena, sizeof(sl_value_t) * (size_t)n);
  sl_serde_t *s;
  sl_error_t err;
  sl_error_clear(&err);
  int rc = sl_serde_new(fmt, cols, n, is_key, opts, &r->arena, &s, &err);
  if (!rc) rc = sl_serde_decode(s, data, len, &r->arena, vals, &err);
  if (rc) {
    sl_buf_printf(act, "<undecodable as %s: %s> ", fmt, err.msg);
    put_raw_json_string(data, len, act);
    return false;
  }
  if (n == 1 && !wraps_single(fmt, opts)) {
    sl_qtt_value_write(&vals[0], act);
    return sl_qtt_match_value(exp ? exp : json_null(), &vals[0]);
  }
  sl_buf_putc(act, '{');
  for (int i = 0; i < n; i++) {
    if (i) sl_buf_putc(act, ',');
    put_raw_json_string(cols[i].name, strlen(cols[i].name), act);
    sl_buf_putc(act, ':');
    sl_qtt_value_write(&vals[i], act);
  }
  sl_buf_putc(act, '}');
  if (!json_is_object(exp) || json_object_size(exp) != (size_t)n) return false;
  const char *k;
  json_t *e;
  json_object_foreach((json_t *)exp, k, e) {
    int c = -1;
    for (int i = 0; i < n && c < 0; i++)
      if (!strcmp(cols[i].name, k)) c = i;
    if (c < 0) {
      char up[256];
      snprintf(up, sizeof up, "%s", k);
      sl_upper_inplace(up);
      for (int i = 0; i < n && c < 0; i++)
        if (!strcmp(cols[i].name, up)) c = i;
    }
    if (c < 0 || !sl_qtt_match_value(e, &vals[c])) return false;
  }
  return true;
}

static void write_expected(const json_t *exp, sl_buf_t *out) {
  sl_buf_puts(out, "key=");
  const json_t *k = json_object_get(exp, "key");
  sl_qtt_json_write(k ? k : json_null(), out);
  sl_buf_puts(out, " value=");
  const json_t *v = json_object_get(exp, "value");
  sl_qtt_json_write(v ? v : json_null(), out);
  const json_t *ts = json_object_get(exp, "timestamp");
  if (ts) {
    sl_buf_puts(out, " ts=");
    sl_qtt_json_write(ts, out);
  }
  const json_t *w = json_object_get(exp, "window");
  if (w) {
    sl_buf_puts(out, " window=");
    sl_qtt_json_write(w, out);
  }
  const json_t *h = json_object_get(exp, "headers");
  if (h) {
    sl_buf_puts(out, " headers=");
    sl_qtt_json_write(h, out);
  }
}

/* Compares actual record a with expectation exp. Fills act with the actual
 * record rendered like write_expected and what with the differing parts. */
static bool compare_record(run_t *r, const json_t *exp, const sl_record_t *a, sl_buf_t *act,
                           sl_buf_t *what) {
  sl_arena_reset(&r->arena);
  const sl_source_t *src = source_for_topic(r, a->topic);
  bool ok = true;
  const void *key = a->key;
  size_t key_len = a->key_len;
  const json_t *ew = json_object_get(exp, "window");
  bool windowed = src && src->window_type != SL_WIN_NONE;
  bool session = windowed && src->window_type == SL_WIN_SESSION;
  bool have_window = false;
  int64_t ws = 0, we = 0;
  if (windowed && key) {
    size_t tail = session ? 16 : 8;
    if (key_len >= tail) {
      const unsigned char *p = (const unsigned char *)key + key_len - tail;
      if (session) {
        we = get_be64(p);
        ws = get_be64(p + 8);
      } else {
        ws = get_be64(p);
        we = ws + src->window_size_ms;
      }
      key_len -= tail;
      have_window = true;
    }
  }
  sl_buf_t k, v;
  sl_buf_init(&k);
  sl_buf_init(&v);
  /* A windowed key with an empty inner part stands for a null key. */
  const void *inner = have_window && key_len == 0 ? NULL : key;
  if (!compare_side(r, src, true, json_object_get(exp, "key"), inner, key_len, &k)) {
    ok = false;
    sl_buf_puts(what, " key");
  }
  if (!compare_side(r, src, false, json_object_get(exp, "value"), a->value, a->value_len, &v)) {
    ok = false;
    sl_buf_puts(what, " value");
  }
  sl_buf_printf(act, "key=%s value=%s ts=%lld", k.data ? k.data : "", v.data ? v.data : "",
                (long long)a->timestamp);
  sl_buf_free(&k);
  sl_buf_free(&v);

  const json_t *ets = json_object_get(exp, "timestamp");
  int64_t want_ts;
  if (ets && sl_qtt_get_int(ets, &want_ts) && !(want_ts == 0 && !r->has_inputs) &&
      want_ts != a->timestamp) {
    ok = false;
    sl_buf_puts(what, " timestamp");
  }

  if (have_window)
    sl_buf_printf(act, " window={\"start\":%lld,\"end\":%lld,\"type\":\"%s\"}", (long long)ws,
                  (long long)we, session ? "session" : "time");
  else if (windowed && key)
    sl_buf_puts(act, " window=<key too short for a window>");
  if (json_is_object(ew)) {
    int64_t s = 0, e = 0;
    const char *t = jstr(ew, "type");
    sl_qtt_get_int(json_object_get(ew, "start"), &s);
    sl_qtt_get_int(json_object_get(ew, "end"), &e);
    bool want_session = t && !strcasecmp(t, "session");
    if (!have_window || want_session != session || s != ws || e != we) {
      ok = false;
      sl_buf_puts(what, " window");
    }
  } else if (have_window) {
    ok = false;
    sl_buf_puts(what, " window");
  }

  const json_t *eh = json_object_get(exp, "headers");
  if (a->nheaders) {
    sl_buf_puts(act, " headers=[");
    for (int i = 0; i < a->nheaders; i++) {
      if (i) sl_buf_putc(act, ',');
      sl_buf_puts(act, "{\"KEY\":");
      put_raw_json_string(a->headers[i].key, strlen(a->headers[i].key), act);
      sl_buf_puts(act, ",\"VALUE\":");
      if (a->headers[i].value) {
        sl_buf_putc(act, '"');
        sl_qtt_base64(a->headers[i].value, a->headers[i].len, act);
        sl_buf_putc(act, '"');
      } else {
        sl_buf_puts(act, "null");
      }
      sl_buf_putc(act, '}');
    }
    sl_buf_putc(act, ']');
  }
  bool hdr_ok = (size_t)a->nheaders == json_array_size(eh);
  for (int i = 0; hdr_ok && i < a->nheaders; i++) {
    const json_t *he = json_array_get(eh, (size_t)i);
    const char *hk = jstr(he, "KEY"), *hv = jstr(he, "VALUE");
    if (!hk || strcmp(hk, a->headers[i].key))
      hdr_ok = false;
    else if (!hv)
      hdr_ok = a->headers[i].value == NULL;
    else if (!a->headers[i].value)
      hdr_ok = false;
    else {
      sl_buf_t b;
      sl_buf_init(&b);
      sl_qtt_unbase64(hv, strlen(hv), &b);
      hdr_ok =
          b.len == a->headers[i].len && (!b.len || !memcmp(b.data, a->headers[i].value, b.len));
      sl_buf_free(&b);
    }
  }
  if (!hdr_ok) {
    ok = false;
    sl_buf_puts(what, " headers");
  }
  return ok;
}

static bool check_outputs(run_t *r) {
  const json_t *outs = json_object_get(r->v->test, "outputs");
  size_t n = json_array_size(outs);
  /* Topics in order of first mention; each judged on its own. */
  sl_ptrvec_t topics = {0};
  for (size_t i = 0; i < n; i++) {
    const char *t = jstr(json_array_get(outs, i), "topic");
    bool seen = false;
    for (int j = 0; t && j < topics.len && !seen; j++) seen = !strcmp(topics.items[j], t);
    if (t && !seen) sl_ptrvec_push(&topics, (void *)t);
  }
  bool ok = true;
  sl_buf_t act, what, expb;
  sl_buf_init(&act);
  sl_buf_init(&what);
  sl_buf_init(&expb);
  for (int ti = 0; ok && ti < topics.len; ti++) {
    const char *topic = topics.items[ti];
    sl_ptrvec_t exp = {0};
    for (size_t i = 0; i < n; i++) {
      const json_t *o = json_array_get(outs, i);
      const char *t = jstr(o, "topic");
      if (t && !strcmp(t, topic)) sl_ptrvec_push(&exp, (void *)o);
    }
    int have = sl_memdriver_record_count(r->md, topic);
    if (have < 0) have = 0;
    int common = have < exp.len ? have : exp.len;
    for (int i = 0; ok && i < common; i++) {
      sl_buf_reset(&act);
      sl_buf_reset(&what);
      sl_buf_reset(&expb);
      const sl_record_t *a = sl_memdriver_record_at(r->md, topic, i);
      if (!compare_record(r, exp.items[i], a, &act, &what)) {
        write_expected(exp.items[i], &expb);
        ok = fail(r, "topic %s record %d:%s differ%s: expected %s, got %s", topic, i, what.data,
                  strchr(what.data + 1, ' ') ? "" : "s", expb.data, act.data);
      }
    }
    if (ok && have != exp.len) {
      sl_buf_reset(&act);
      sl_buf_reset(&expb);
      if (have < exp.len) {
        write_expected(exp.items[have], &expb);
        ok = fail(r, "topic %s: expected %d records, got %d (first missing: %s)", topic, exp.len,
                  have, expb.data);
      } else {
        sl_buf_reset(&what);
        json_t *none = json_object();
        compare_record(r, none, sl_memdriver_record_at(r->md, topic, exp.len), &act, &what);
        json_decref(none);
        ok = fail(r, "topic %s: expected %d records, got %d (first extra: %s)", topic, exp.len,
                  have, act.data);
      }
    }
    sl_ptrvec_free(&exp);
  }
  sl_ptrvec_free(&topics);
  sl_buf_free(&act);
  sl_buf_free(&what);
  sl_buf_free(&expb);
  return ok;
}

/* ---------------- post-conditions ---------------- */

static const char *window_name(sl_window_kind_t k) {
  switch (k) {
    case SL_WIN_TUMBLING: return "TUMBLING";
    case SL_WIN_HOPPING: return "HOPPING";
    case SL_WIN_SESSION: return "SESSION";
    default: return "NONE";
  }
}

static const char *format_of(const json_t *f) {
  if (json_is_object(f)) f = json_object_get(f, "format");
  return json_is_string(f) ? json_string_value(f) : NULL;
}

static bool features_ok(const json_t *feats, const sl_serde_opts_t *o) {
  for (size_t i = 0; i < json_array_size(feats); i++) {
    const char *f = json_string_value(json_array_get(feats, i));
    if (!f) continue;
    if (!strcasecmp(f, "UNWRAP_SINGLES") && o->wrap_single) return false;
    if (!strcasecmp(f, "WRAP_SINGLES") && !o->wrap_single) return false;
  }
  return true;
}

static bool check_post_source(run_t *r, const json_t *ps) {
  const char *name = jstr(ps, "name");
  if (!name) return fail(r, "post: source without a name");
  const sl_source_t *s = sl_engine_find_source(r->e, name);
  if (!s) return fail(r, "post: source %s does not exist", name);
  const char *type = jstr(ps, "type");
  if (type && strcasecmp(type, s->is_table ? "table" : "stream"))
    return fail(r, "post: %s is a %s, expected a %s", name, s->is_table ? "table" : "stream", type);
  const char *schema = jstr(ps, "schema");
  if (schema) {
    sl_buf_t a, ea, eb;
    sl_buf_init(&a);
    sl_buf_init(&ea);
    sl_buf_init(&eb);
    if (s->schema) sl_schema_format(s->schema, &a);
    sl_qtt_schema_normalize(a.data ? a.data : "", &ea);
    sl_qtt_schema_normalize(schema, &eb);
    bool eq = !strcmp(ea.data ? ea.data : "", eb.data ? eb.data : "");
    if (!eq) fail(r, "post: %s has schema %s, expected %s", name, a.data ? a.data : "", schema);
    sl_buf_free(&a);
    sl_buf_free(&ea);
    sl_buf_free(&eb);
    if (!eq) return false;
  }
  const json_t *kf = json_object_get(ps, "keyFormat");
  if (kf) {
    const char *f = format_of(kf);
    if (f && (!s->key_format || strcasecmp(f, s->key_format)))
      return fail(r, "post: %s has key format %s, expected %s", name,
                  s->key_format ? s->key_format : "none", f);
    const char *wt = json_is_object(kf) ? jstr(kf, "windowType") : NULL;
    const char *have = window_name(s->window_type);
    if (wt ? strcasecmp(wt, have) : s->window_type != SL_WIN_NONE)
      return fail(r, "post: %s has window type %s, expected %s", name, have, wt ? wt : "none");
    int64_t size;
    if (wt && sl_qtt_get_int(json_object_get(kf, "windowSize"), &size) && size != s->window_size_ms)
      return fail(r, "post: %s has window size %lld, expected %lld", name,
                  (long long)s->window_size_ms, (long long)size);
  }
  const char *vf = format_of(json_object_get(ps, "valueFormat"));
  if (vf && (!s->value_format || strcasecmp(vf, s->value_format)))
    return fail(r, "post: %s has value format %s, expected %s", name,
                s->value_format ? s->value_format : "none", vf);
  if (!features_ok(json_object_get(ps, "keyFeatures"), &s->key_opts))
    return fail(r, "post: %s key features differ (wrap_single=%d)", name, s->key_opts.wrap_single);
  if (!features_ok(json_object_get(ps, "valueFeatures"), &s->value_opts))
    return fail(r, "post: %s value features differ (wrap_single=%d)", name,
                s->value_opts.wrap_single);
  const json_t *is = json_object_get(ps, "isSource");
  if (json_is_boolean(is) && json_is_true(is) != s->is_source)
    return fail(r, "post: %s isSource is %s", name, s->is_source ? "true" : "false");
  return true;
}

static bool check_post(run_t *r) {
  const json_t *post = json_object_get(r->v->test, "post");
  if (!post) return true;
  const json_t *srcs = json_object_get(post, "sources");
  for (size_t i = 0; i < json_array_size(srcs); i++)
    if (!check_post_source(r, json_array_get(srcs, i))) return false;
  const json_t *tp = json_object_get(post, "topics");
  if (!tp) return true;
  sl_ptrvec_t names = {0};
  sl_error_t err;
  sl_error_clear(&err);
  r->drv->list_topics(r->drv->ctx, &names, &err);
  bool ok = true;
  const char *bl = jstr(tp, "blacklist");
  if (bl) {
    /* Java's Pattern.matches: the whole name must match. */
    sl_buf_t pat;
    sl_buf_init(&pat);
    sl_buf_printf(&pat, "^(%s)$", bl);
    regex_t re;
    if (regcomp(&re, pat.data, REG_EXTENDED | REG_NOSUB)) {
      ok = fail(r, "post: cannot compile blacklist /%s/", bl);
    } else {
      for (int i = 0; ok && i < names.len; i++)
        if (!regexec(&re, names.items[i], 0, NULL, 0))
          ok = fail(r, "post: topic %s exists but matches blacklist /%s/", (char *)names.items[i],
                    bl);
      regfree(&re);
    }
    sl_buf_free(&pat);
  }
  const json_t *want = json_object_get(tp, "topics");
  for (size_t i = 0; ok && i < json_array_size(want); i++) {
    const json_t *t = json_array_get(want, i);
    const char *name = jstr(t, "name");
    if (!name) continue;
    int parts = r->drv->topic_partitions(r->drv->ctx, name);
    if (parts < 0) {
      ok = fail(r, "post: topic %s does not exist", name);
      break;
    }
    int64_t wp;
    if (sl_qtt_get_int(json_object_get(t, "partitions"), &wp) && wp != parts) {
      ok = fail(r, "post: topic %s has %d partitions, expected %lld", name, parts, (long long)wp);
      break;
    }
    /* The driver keeps no formats; check them when a source uses the topic. */
    const sl_source_t *s = source_for_topic(r, name);
    const char *kf = format_of(json_object_get(t, "keyFormat"));
    const char *vf = format_of(json_object_get(t, "valueFormat"));
    if (s && kf && s->key_format && strcasecmp(kf, s->key_format))
      ok = fail(r, "post: topic %s has key format %s, expected %s", name, s->key_format, kf);
    else if (s && vf && s->value_format && strcasecmp(vf, s->value_format))
      ok = fail(r, "post: topic %s has value format %s, expected %s", name, s->value_format, vf);
  }
  for (int i = 0; i < names.len; i++) free(names.items[i]);
  sl_ptrvec_free(&names);
  return ok;
}

/* ---------------- verbose details ---------------- */

static void dump_topics(run_t *r) {
  sl_ptrvec_t names = {0};
  sl_error_t err;
  sl_error_clear(&err);
  r->drv->list_topics(r->drv->ctx, &names, &err);
  sl_buf_t act, what;
  sl_buf_init(&act);
  sl_buf_init(&what);
  json_t *none = json_object();
  for (int i = 0; i < names.len; i++) {
    const char *t = names.items[i];
    int n = sl_memdriver_record_count(r->md, t);
    sl_buf_printf(r->details, "  topic %s: %d partition(s), %d record(s)\n", t,
                  r->drv->topic_partitions(r->drv->ctx, t), n);
    for (int j = 0; j < n; j++) {
      const sl_record_t *a = sl_memdriver_record_at(r->md, t, j);
      sl_buf_reset(&act);
      sl_buf_reset(&what);
      compare_record(r, none, a, &act, &what);
      sl_buf_printf(r->details, "    [%d] p%d@%lld %s\n", j, a->partition, (long long)a->offset,
                    act.data);
    }
    free(names.items[i]);
  }
  json_decref(none);
  sl_ptrvec_free(&names);
  sl_buf_free(&act);
  sl_buf_free(&what);
}

/* ---------------- one variant ---------------- */

static bool run_body(run_t *r) {
  const json_t *t = r->v->test;
  /* Pre-declared topics, then every topic inputs and outputs name. */
  const json_t *topics = json_object_get(t, "topics");
  for (size_t i = 0; i < json_array_size(topics); i++) {
    const json_t *tp = json_array_get(topics, i);
    int64_t parts = 1;
    sl_qtt_get_int(json_object_get(tp, "partitions"), &parts);
    ensure_topic(r, jstr(tp, "name"), (int)parts);
  }
  const char *lists[] = {"inputs", "outputs"};
  for (int l = 0; l < 2; l++) {
    const json_t *recs = json_object_get(t, lists[l]);
    for (size_t i = 0; i < json_array_size(recs); i++)
      ensure_topic(r, jstr(json_array_get(recs, i), "topic"), 1);
  }
  r->has_inputs = json_array_size(json_object_get(t, "inputs")) > 0;

  sl_engine_config_t cfg = {.data_dir = NULL,
                            .driver = r->drv,
                            .props = r->props,
                            .service_id = QTT_SERVICE_ID,
                            .plog = capture_plog,
                            .plog_ctx = r,
                            .start_queries = true};
  sl_error_t err;
  sl_error_clear(&err);
  if (sl_engine_open(&cfg, &r->e, &err)) return fail(r, "engine did not open: %s", err.msg);

  for (int i = 0; i < r->v->nstmts; i++) {
    char *src_topic = sl_qtt_source_topic(r->v->stmts[i]);
    if (src_topic) ensure_topic(r, src_topic, 1);
    free(src_topic);
    sl_exec_result_t res;
    memset(&res, 0, sizeof res);
    sl_error_clear(&err);
    int rc = sl_engine_execute(r->e, r->v->stmts[i], &r->sess, &res, &err);
    sl_exec_result_free(&res);
    if (rc) {
      err_pos_t pos = {0, 0, r->v->stmts[i]};
      if (err.offset >= 0) {
        /* Upstream runs the statements as one script, one per line: lines
         * count from the first statement. */
        sl_text_position(r->v->stmts[i], err.offset, &pos.line, &pos.col);
        for (int j = 0; j < i; j++) {
          pos.line++;
          for (const char *c = r->v->stmts[j]; *c; c++) pos.line += *c == '\n';
        }
      }
      return on_error(r, false, i, err.msg[0] ? err.msg : sl_strerror(rc), &pos);
    }
    sl_error_clear(&err);
    if (sl_memdriver_pump(r->md, &err)) return on_error(r, true, i, err.msg, NULL);
  }
  if (!produce_inputs(r)) return false;
  sl_error_clear(&err);
  if (sl_memdriver_pump(r->md, &err)) return on_error(r, true, r->v->nstmts - 1, err.msg, NULL);

  const json_t *exc = json_object_get(t, "expectedException");
  if (exc) {
    const char *m = jstr(exc, "message");
    return fail(r, "expected %s \"%s\", but nothing failed",
                jstr(exc, "type") ? jstr(exc, "type") : "an exception", m ? m : "");
  }
  if (!check_outputs(r)) return false;
  return check_post(r);
}

bool sl_qtt_run_variant(const sl_qtt_variant_t *v, const sl_qtt_opts_t *o, sl_buf_t *reason,
                        sl_buf_t *details) {
  run_t r = {.v = v, .o = o, .reason = reason, .details = details};
  sl_arena_init(&r.arena, 16384);
  sl_buf_init(&r.plog);
  r.md = sl_memdriver_new();
  r.drv = sl_memdriver_driver(r.md);
  sl_memdriver_set_plog(r.md, capture_plog, &r);
  sl_session_init(&r.sess);
  r.props = sl_map_new(false);
  const char *k;
  json_t *val;
  json_object_foreach(v->props, k, val) {
    sl_buf_t b;
    sl_buf_init(&b);
    sl_qtt_scalar_text(val, &b);
    sl_map_put(r.props, k, sl_strdup(b.data ? b.data : ""));
    sl_map_put(r.sess.props, k, sl_buf_steal(&b));
  }
  /* Upstream feeds every record to every query, as auto.offset.reset=earliest. */
  if (!sl_map_has(r.sess.props, "auto.offset.reset")) {
    sl_map_put(r.sess.props, "auto.offset.reset", sl_strdup("earliest"));
    sl_map_put(r.props, "auto.offset.reset", sl_strdup("earliest"));
  }

  bool pass = run_body(&r);

  if (!pass && o->verbose) {
    sl_buf_puts(details, "  statements:\n");
    for (int i = 0; i < v->nstmts; i++) sl_buf_printf(details, "    %s\n", v->stmts[i]);
    if (r.plog.len) {
      sl_buf_puts(details, "  processing log:\n");
      sl_buf_append(details, r.plog.data, r.plog.len);
    }
    if (r.e) dump_topics(&r);
  }
  /* Queries hold tasks the driver made: stop them before the engine goes. */
  sl_memdriver_stop_all(r.md);
  if (r.e) sl_engine_close(r.e);
  sl_memdriver_free(r.md);
  sl_session_free(&r.sess);
  int it = 0;
  void *pv;
  while (sl_map_next(r.props, &it, NULL, &pv)) free(pv);
  sl_map_free(r.props);
  sl_buf_free(&r.plog);
  sl_arena_free(&r.arena);
  return pass;
}
