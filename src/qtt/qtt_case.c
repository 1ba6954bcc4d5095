/*
 * qtt_case.c - turning one test object into the variants that actually run.
 * A test with a `format` list runs once per format with {FORMAT} replaced in
 * its statements; a test with a `config` list runs once per value, put into
 * the property whose value is "{CONFIG}". Names follow upstream so reports
 * can be compared with ksqlDB's: "<file stem> - <name>", then " - <FORMAT>",
 * then " - <prop>=<value>". Each variant is also classified: disabled
 * upstream, needs a Schema Registry format (skipped until sluice has one), or
 * malformed.
 */
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "qtt_int.h"

static char *replace_all(const char *s, const char *from, const char *to) {
  sl_buf_t b;
  sl_buf_init(&b);
  size_t fl = strlen(from);
  const char *p;
  while ((p = strstr(s, from))) {
    sl_buf_append(&b, s, (size_t)(p - s));
    sl_buf_puts(&b, to);
    s = p + fl;
  }
  sl_buf_puts(&b, s);
  return sl_buf_steal(&b);
}

static bool ident_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

const char *sl_qtt_sr_format(const char *text) {
  static const char *const names[] = {"AVRO", "PROTOBUF", "JSON_SR"};
  if (!text) return NULL;
  for (const char *p = text; *p; p++) {
    if (p > text && ident_char(p[-1])) continue;
    for (size_t k = 0; k < SL_ARRAY_LEN(names); k++) {
      size_t n = strlen(names[k]);
      if (!strncasecmp(p, names[k], n) && !ident_char(p[n])) return names[k];
    }
  }
  return NULL;
}

/* Format names a pre-declared topic mentions: "format", "keyFormat",
 * "valueFormat", each a string or an object with "format". */
static const char *topic_sr_format(const json_t *topic) {
  static const char *const keys[] = {"format", "keyFormat", "valueFormat"};
  for (size_t k = 0; k < SL_ARRAY_LEN(keys); k++) {
    const json_t *f = json_object_get(topic, keys[k]);
    if (json_is_object(f)) f = json_object_get(f, "format");
    const char *sr = json_is_string(f) ? sl_qtt_sr_format(json_string_value(f)) : NULL;
    if (sr) return sr;
  }
  return NULL;
}

static const char *classify_sr(const sl_qtt_variant_t *v) {
  for (int i = 0; i < v->nstmts; i++) {
    const char *sr = sl_qtt_sr_format(v->stmts[i]);
    if (sr) return sr;
  }
  const json_t *topics = json_object_get(v->test, "topics");
  for (size_t i = 0; i < json_array_size(topics); i++) {
    const char *sr = topic_sr_format(json_array_get(topics, i));
    if (sr) return sr;
  }
  const char *k;
  json_t *val;
  json_object_foreach(v->props, k, val) {
    const char *sr = json_is_string(val) ? sl_qtt_sr_format(json_string_value(val)) : NULL;
    if (sr) return sr;
  }
  return NULL;
}

static const char *check_valid(const json_t *t) {
  const json_t *st = json_object_get(t, "statements");
  if (!json_is_array(st) || json_array_size(st) == 0) return "no statements";
  for (size_t i = 0; i < json_array_size(st); i++)
    if (!json_is_string(json_array_get(st, i))) return "a statement is not a string";
  bool io = json_object_get(t, "inputs") || json_object_get(t, "outputs");
  if (!io && !json_object_get(t, "expectedException"))
    return "neither inputs/outputs nor expectedException";
  return NULL;
}

static sl_qtt_variant_t *make_variant(const char *stem, const json_t *test, const char *format,
                                      const char *config_prop, const json_t *config_val) {
  sl_qtt_variant_t *v = sl_xcalloc(1, sizeof(*v));
  v->test = test;
  const json_t *name = json_object_get(test, "name");
  sl_buf_t nb;
  sl_buf_init(&nb);
  sl_buf_printf(&nb, "%s - %s", stem, json_is_string(name) ? json_string_value(name) : "(unnamed)");
  if (format) sl_buf_printf(&nb, " - %s", format);

  /* Properties, with {CONFIG} replaced by this variant's value. */
  const json_t *props = json_object_get(test, "properties");
  v->props = json_is_object(props) ? json_deep_copy(props) : json_object();
  if (config_prop) {
    sl_buf_t cv;
    sl_buf_init(&cv);
    sl_qtt_scalar_text(config_val, &cv);
    sl_buf_printf(&nb, " - %s=%s", config_prop, cv.data);
    json_object_set_new(v->props, config_prop, json_string(cv.data));
    sl_buf_free(&cv);
  }
  if (format) {
    const char *k;
    json_t *val;
    json_object_foreach(v->props, k, val) {
      if (json_is_string(val) && strstr(json_string_value(val), "{FORMAT}")) {
        char *r = replace_all(json_string_value(val), "{FORMAT}", format);
        json_string_set(val, r);
        free(r);
      }
    }
  }
  v->name = sl_buf_steal(&nb);

  const json_t *st = json_object_get(test, "statements");
  size_t n = json_array_size(st);
  v->stmts = sl_xcalloc(n ? n : 1, sizeof(char *));
  for (size_t i = 0; i < n; i++) {
    const json_t *s = json_array_get(st, i);
    if (!json_is_string(s)) continue;
    v->stmts[v->nstmts++] = format ? replace_all(json_string_value(s), "{FORMAT}", format)
                                   : sl_strdup(json_string_value(s));
  }

  v->invalid = check_valid(test);
  const json_t *en = json_object_get(test, "enabled");
  if (json_is_false(en)) {
    v->skip = "disabled upstream";
  } else {
    const char *sr = classify_sr(v);
    if (sr) v->skip = "needs schema registry";
  }
  return v;
}

void sl_qtt_expand(const char *stem, const json_t *test, sl_ptrvec_t *out) {
  const json_t *formats = json_object_get(test, "format");
  const json_t *configs = json_object_get(test, "config");
  size_t nf = json_is_array(formats) ? json_array_size(formats) : 0;
  size_t nc = json_is_array(configs) ? json_array_size(configs) : 0;

  /* The config list feeds the one property whose value is "{CONFIG}". */
  const char *config_prop = NULL;
  if (nc) {
    const char *k;
    json_t *val;
    json_object_foreach(json_object_get(test, "properties"), k, val) {
      if (json_is_string(val) && !strcmp(json_string_value(val), "{CONFIG}")) config_prop = k;
    }
    if (!config_prop) nc = 0;
  }
  for (size_t f = 0; f < (nf ? nf : 1); f++) {
    const json_t *fj = nf ? json_array_get(formats, f) : NULL;
    const char *format = json_is_string(fj) ? json_string_value(fj) : NULL;
    for (size_t c = 0; c < (nc ? nc : 1); c++) {
      const json_t *cj = nc ? json_array_get(configs, c) : NULL;
      sl_ptrvec_push(out, make_variant(stem, test, format, nc ? config_prop : NULL, cj));
    }
  }
}

void sl_qtt_variant_free(sl_qtt_variant_t *v) {
  if (!v) return;
  for (int i = 0; i < v->nstmts; i++) free(v->stmts[i]);
  free(v->stmts);
  json_decref(v->props);
  free(v->name);
  free(v);
}

static char *dup_n(const char *s, size_t n) {
  char *c = sl_xmalloc(n + 1);
  memcpy(c, s, n);
  c[n] = 0;
  return c;
}

/* Upstream's harness creates the topic of every CREATE STREAM/TABLE (not
 * CSAS/CTAS) that names one, so a test's statements never fail on a missing
 * source topic. With PARTITIONS in the WITH clause the engine creates the
 * topic itself, so only declarations without it need the runner's help. */
char *sl_qtt_source_topic(const char *stmt) {
  static const char *const decl_re =
      "^[[:space:]]*CREATE[[:space:]]+(OR[[:space:]]+REPLACE[[:space:]]+)?(SOURCE[[:space:]]+)?"
      "(STREAM|TABLE)[[:space:]]";
  regex_t decl, as_select, topic, parts;
  char *out = NULL;
  if (regcomp(&decl, decl_re, REG_EXTENDED | REG_ICASE | REG_NOSUB)) return NULL;
  regcomp(&as_select, "[[:space:]]AS[[:space:]]+SELECT[[:space:]]",
          REG_EXTENDED | REG_ICASE | REG_NOSUB);
  regcomp(&topic, "KAFKA_TOPIC[[:space:]]*=[[:space:]]*'([^']*)'", REG_EXTENDED | REG_ICASE);
  regcomp(&parts, "[^A-Za-z_]PARTITIONS[[:space:]]*=", REG_EXTENDED | REG_ICASE | REG_NOSUB);
  regmatch_t m[2];
  if (!regexec(&decl, stmt, 0, NULL, 0) && regexec(&as_select, stmt, 0, NULL, 0) &&
      regexec(&parts, stmt, 0, NULL, 0) && !regexec(&topic, stmt, 2, m, 0) && m[1].rm_so >= 0)
    out = dup_n(stmt + m[1].rm_so, (size_t)(m[1].rm_eo - m[1].rm_so));
  regfree(&decl);
  regfree(&as_select);
  regfree(&topic);
  regfree(&parts);
  return out;
}
