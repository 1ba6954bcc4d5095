/*
 * render.c - the server's JSON made readable, following the layouts of
 * ksqlDB's CLI so that people (and their scripts) used to it feel at home:
 * a " Message " box for CREATE/DROP/TERMINATE, listing tables for SHOW/LIST,
 * "Name : value" blocks with a field table for DESCRIBE and EXPLAIN, boxed
 * tables for query results, and errors with a caret under the position the
 * server names. JSON mode prints the server's objects as they came. Nothing
 * here writes to a terminal: every function appends to an sl_buf_t.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "sluice/types.h"

/* ---------------- small JSON helpers ---------------- */

static const char *jstr(const json_t *o, const char *key) {
  const char *s = json_string_value(json_object_get(o, key));
  return s ? s : "";
}

void sl_cli_value_text(const json_t *v, sl_buf_t *out) {
  switch (json_typeof(v)) {
    case JSON_STRING: sl_buf_append(out, json_string_value(v), json_string_length(v)); break;
    case JSON_INTEGER: sl_buf_printf(out, "%lld", (long long)json_integer_value(v)); break;
    case JSON_REAL: sl_format_double(json_real_value(v), out); break;
    case JSON_TRUE: sl_buf_puts(out, "true"); break;
    case JSON_FALSE: sl_buf_puts(out, "false"); break;
    case JSON_NULL: sl_buf_puts(out, "null"); break;
    default: {
      char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
      if (s) sl_buf_puts(out, s);
      free(s);
    }
  }
}

/* A cell's text as a malloc'd string. */
static char *value_cell(const json_t *v) {
  sl_buf_t b;
  sl_buf_init(&b);
  if (v) sl_cli_value_text(v, &b);
  sl_buf_puts(&b, "");
  return sl_buf_steal(&b);
}

void sl_cli_schema_text(const json_t *schema, sl_buf_t *out) {
  const char *type = jstr(schema, "type");
  if (!strcmp(type, "STRING")) {
    sl_buf_puts(out, "VARCHAR(STRING)");
  } else if (!strcmp(type, "ARRAY")) {
    sl_buf_puts(out, "ARRAY<");
    sl_cli_schema_text(json_object_get(schema, "memberSchema"), out);
    sl_buf_putc(out, '>');
  } else if (!strcmp(type, "MAP")) {
    sl_buf_puts(out, "MAP<STRING, ");
    sl_cli_schema_text(json_object_get(schema, "memberSchema"), out);
    sl_buf_putc(out, '>');
  } else if (!strcmp(type, "STRUCT")) {
    sl_buf_puts(out, "STRUCT<");
    const json_t *fields = json_object_get(schema, "fields");
    size_t i;
    const json_t *f;
    json_array_foreach(fields, i, f) {
      if (i) sl_buf_puts(out, ", ");
      sl_buf_printf(out, "%s ", jstr(f, "name"));
      sl_cli_schema_text(json_object_get(f, "schema"), out);
    }
    sl_buf_putc(out, '>');
  } else if (!strcmp(type, "DECIMAL")) {
    const json_t *p = json_object_get(schema, "parameters");
    sl_buf_puts(out, "DECIMAL(");
    sl_cli_value_text(json_object_get(p, "precision"), out);
    sl_buf_puts(out, ", ");
    sl_cli_value_text(json_object_get(p, "scale"), out);
    sl_buf_putc(out, ')');
  } else {
    sl_buf_puts(out, *type ? type : "?");
  }
}

/* ---------------- building tables from entity arrays ---------------- */

static void add_row(sl_cli_table_t *t, char **cells) {
  sl_cli_table_add(t, (const char *const *)cells);
  for (int i = 0; i < t->ncols; i++) free(cells[i]);
}

static void kv_line(sl_buf_t *out, const char *key, const char *value) {
  sl_buf_printf(out, "%-20s : %s\n", key, value);
}

/* The " Field | Type " table of DESCRIBE and EXPLAIN. */
static void fields_table(const json_t *fields, int width, sl_buf_t *out) {
  static const char *const hdr[] = {"Field", "Type"};
  sl_cli_table_t t;
  sl_cli_table_init(&t, 2, hdr);
  size_t i;
  const json_t *f;
  json_array_foreach(fields, i, f) {
    sl_buf_t ty;
    sl_buf_init(&ty);
    sl_cli_schema_text(json_object_get(f, "schema"), &ty);
    const char *kind = jstr(f, "type");
    if (!strcmp(kind, "KEY"))
      sl_buf_puts(&ty, "  (key)");
    else if (!strcmp(kind, "PRIMARY_KEY"))
      sl_buf_puts(&ty, "  (primary key)");
    else if (!strcmp(kind, "HEADER"))
      sl_buf_puts(&ty, "  (header)");
    char *cells[2] = {sl_strdup(jstr(f, "name")), sl_buf_steal(&ty)};
    add_row(&t, cells);
  }
  sl_cli_table_render(&t, SL_CLI_LIST, width, out);
  sl_cli_table_free(&t);
}

static void query_list(const char *title, const json_t *queries, sl_buf_t *out) {
  sl_buf_printf(out, "\n%s\n", title);
  for (size_t n = strlen(title); n > 0; n--) sl_buf_putc(out, '-');
  sl_buf_putc(out, '\n');
  size_t i;
  const json_t *q;
  json_array_foreach(queries, i, q) {
    sl_buf_printf(out, "%s (%s) : %s\n", jstr(q, "id"), jstr(q, "state"), jstr(q, "queryString"));
  }
}

/* queryOffsetSummaries: each query's consumer group and, per topic, the
 * consumer position of every partition it has read. */
static void offset_summaries(const json_t *sums, sl_buf_t *out) {
  if (!json_array_size(sums)) return;
  sl_buf_puts(out, "\nConsumer Groups summary:\n");
  size_t i, j, k;
  const json_t *g, *t, *o;
  json_array_foreach(sums, i, g) {
    sl_buf_putc(out, '\n');
    kv_line(out, "Consumer Group", jstr(g, "groupId"));
    json_array_foreach(json_object_get(g, "topicSummaries"), j, t) {
      sl_buf_putc(out, '\n');
      kv_line(out, "Kafka topic", jstr(t, "kafkaTopic"));
      sl_buf_puts(out, "\n Partition | Offset\n--------------------\n");
      json_array_foreach(json_object_get(t, "offsets"), k, o) {
        sl_buf_printf(out, " %-9lld | %lld\n",
                      (long long)json_integer_value(json_object_get(o, "partition")),
                      (long long)json_integer_value(json_object_get(o, "consumerOffset")));
      }
    }
  }
}

static void source_description(const json_t *d, int width, sl_buf_t *out) {
  bool extended = json_is_true(json_object_get(d, "extended"));
  sl_buf_putc(out, '\n');
  kv_line(out, "Name", jstr(d, "name"));
  if (extended) {
    kv_line(out, "Type", jstr(d, "type"));
    const char *ts = jstr(d, "timestamp");
    kv_line(out, "Timestamp field", *ts ? ts : "Not set - using <ROWTIME>");
    kv_line(out, "Key format", jstr(d, "keyFormat"));
    kv_line(out, "Value format", jstr(d, "valueFormat"));
    sl_buf_t topic;
    sl_buf_init(&topic);
    sl_buf_printf(&topic, "%s (partitions: ", jstr(d, "topic"));
    sl_cli_value_text(json_object_get(d, "partitions"), &topic);
    sl_buf_puts(&topic, ", replication: ");
    sl_cli_value_text(json_object_get(d, "replication"), &topic);
    sl_buf_putc(&topic, ')');
    kv_line(out, "Kafka topic", topic.data);
    sl_buf_free(&topic);
    const char *win = json_string_value(json_object_get(d, "windowType"));
    if (win) kv_line(out, "Window type", win);
    const char *st = jstr(d, "statement");
    if (*st) kv_line(out, "Statement", st);
    sl_buf_putc(out, '\n');
  } else {
    const char *win = json_string_value(json_object_get(d, "windowType"));
    if (win) kv_line(out, "Window type", win);
  }
  fields_table(json_object_get(d, "fields"), width, out);
  if (!extended) {
    sl_buf_puts(out,
                "For runtime statistics and query details run: DESCRIBE <Stream,Table> "
                "EXTENDED;\n");
    return;
  }
  const char *kind = jstr(d, "type");
  char title[128];
  snprintf(title, sizeof title, "Queries that read from this %s", kind);
  query_list(title, json_object_get(d, "readQueries"), out);
  snprintf(title, sizeof title, "Queries that write from this %s", kind);
  query_list(title, json_object_get(d, "writeQueries"), out);
  sl_buf_puts(out, "\nFor query topology and execution plan please run: EXPLAIN <QueryId>\n");
  const char *stats = jstr(d, "statistics"), *errs = jstr(d, "errorStats");
  sl_buf_puts(out, "\nLocal runtime statistics\n------------------------\n");
  if (*stats) sl_buf_printf(out, "%s\n", stats);
  if (*errs) sl_buf_printf(out, "%s\n", errs);
  if (!*stats && !*errs)
    sl_buf_puts(out, "(Statistics of the local sluice server interaction with the Kafka topic)\n");
  offset_summaries(json_object_get(d, "queryOffsetSummaries"), out);
}

static void query_description(const json_t *q, int width, sl_buf_t *out) {
  sl_buf_putc(out, '\n');
  kv_line(out, "ID", jstr(q, "id"));
  const char *qt = jstr(q, "queryType");
  if (*qt) kv_line(out, "Query Type", qt);
  kv_line(out, "SQL", jstr(q, "statementText"));
  const char *state = jstr(q, "state");
  if (*state) kv_line(out, "Status", state);
  const json_t *fields = json_object_get(q, "fields");
  if (json_array_size(fields)) {
    sl_buf_putc(out, '\n');
    fields_table(fields, width, out);
  }
  static const struct {
    const char *key, *title, *hint;
  } lists[] = {
      {"sources", "Sources that this query reads from: ",
       "For source description please run: DESCRIBE [EXTENDED] <SourceId>"},
      {"sinks", "Sinks that this query writes to: ",
       "For sink description please run: DESCRIBE [EXTENDED] <SinkId>"},
  };
  for (size_t k = 0; k < SL_ARRAY_LEN(lists); k++) {
    sl_buf_printf(out, "\n%s\n-----------------------------------\n", lists[k].title);
    size_t i;
    const json_t *s;
    json_array_foreach(json_object_get(q, lists[k].key), i, s) {
      sl_buf_printf(out, "%s\n", json_string_value(s) ? json_string_value(s) : "");
    }
    sl_buf_printf(out, "\n%s\n", lists[k].hint);
  }
  const char *plan = jstr(q, "executionPlan"), *topo = jstr(q, "topology");
  sl_buf_printf(out, "\nExecution plan\n--------------\n%s", plan);
  if (*plan && plan[strlen(plan) - 1] != '\n') sl_buf_putc(out, '\n');
  if (*topo && strcmp(topo, plan)) {
    sl_buf_printf(out, "\nProcessing topology\n-------------------\n%s", topo);
    if (topo[strlen(topo) - 1] != '\n') sl_buf_putc(out, '\n');
  }
  const char *stats = jstr(q, "statistics");
  if (*stats)
    sl_buf_printf(out, "\nLocal runtime statistics\n------------------------\n%s\n", stats);
  offset_summaries(json_object_get(q, "queryOffsetSummaries"), out);
}

static void describe_function(const json_t *f, sl_buf_t *out) {
  sl_buf_putc(out, '\n');
  kv_line(out, "Name", jstr(f, "name"));
  kv_line(out, "Author", jstr(f, "author"));
  kv_line(out, "Version", jstr(f, "version"));
  kv_line(out, "Overview", jstr(f, "description"));
  kv_line(out, "Type", jstr(f, "type"));
  kv_line(out, "Jar", jstr(f, "path"));
  kv_line(out, "Variations", "");
  size_t i;
  const json_t *v;
  json_array_foreach(json_object_get(f, "functions"), i, v) {
    sl_buf_printf(out, "\n\t%-12s: %s\n", "Variation", jstr(v, "description"));
    const char *ret = jstr(v, "returnType");
    if (*ret) sl_buf_printf(out, "\t%-12s: %s\n", "Returns", ret);
    const char *d = jstr(v, "argumentTypes");
    if (*d) sl_buf_printf(out, "\t%-12s: %s\n", "Arguments", d);
  }
}

/* A listing: one row per element of arr, cells chosen by getter. */
typedef void (*row_fn)(const json_t *item, const json_t *entity, char **cells);

static void listing(const json_t *entity, const char *key, int ncols, const char *const *hdr,
                    row_fn fn, int width, sl_buf_t *out) {
  sl_cli_table_t t;
  sl_cli_table_init(&t, ncols, hdr);
  size_t i;
  const json_t *item;
  json_array_foreach(json_object_get(entity, key), i, item) {
    char *cells[8] = {0};
    fn(item, entity, cells);
    add_row(&t, cells);
  }
  sl_buf_putc(out, '\n');
  sl_cli_table_render(&t, SL_CLI_LIST, width, out);
  sl_cli_table_free(&t);
}

static void source_row(const json_t *s, const json_t *e, char **c) {
  (void)e;
  c[0] = sl_strdup(jstr(s, "name"));
  c[1] = sl_strdup(jstr(s, "topic"));
  c[2] = sl_strdup(jstr(s, "keyFormat"));
  c[3] = sl_strdup(jstr(s, "valueFormat"));
  c[4] = sl_strdup(json_is_true(json_object_get(s, "isWindowed")) ? "true" : "false");
}

static void query_row(const json_t *q, const json_t *e, char **c) {
  (void)e;
  c[0] = sl_strdup(jstr(q, "id"));
  c[1] = sl_strdup(jstr(q, "queryType"));
  sl_buf_t b;
  sl_buf_init(&b);
  const json_t *counts = json_object_get(q, "statusCount");
  const char *k;
  const json_t *v;
  json_object_foreach((json_t *)counts, k, v) {
    if (b.len) sl_buf_puts(&b, " ");
    sl_buf_printf(&b, "%s:", k);
    sl_cli_value_text(v, &b);
  }
  if (!b.len) sl_buf_puts(&b, jstr(q, "state"));
  c[2] = sl_buf_steal(&b);
  size_t i;
  const json_t *s;
  json_array_foreach(json_object_get(q, "sinks"), i, s) {
    if (b.len) sl_buf_putc(&b, ',');
    sl_buf_puts(&b, json_string_value(s) ? json_string_value(s) : "");
  }
  sl_buf_puts(&b, "");
  c[3] = sl_buf_steal(&b);
  json_array_foreach(json_object_get(q, "sinkKafkaTopics"), i, s) {
    if (b.len) sl_buf_putc(&b, ',');
    sl_buf_puts(&b, json_string_value(s) ? json_string_value(s) : "");
  }
  sl_buf_puts(&b, "");
  c[4] = sl_buf_steal(&b);
  c[5] = sl_strdup(jstr(q, "queryString"));
}

static void topic_row(const json_t *t, const json_t *e, char **c) {
  (void)e;
  const json_t *ri = json_object_get(t, "replicaInfo");
  c[0] = sl_strdup(jstr(t, "name"));
  sl_buf_t b;
  sl_buf_init(&b);
  sl_buf_printf(&b, "%zu", json_array_size(ri));
  c[1] = sl_buf_steal(&b);
  size_t i;
  const json_t *r;
  json_array_foreach(ri, i, r) {
    if (i) sl_buf_putc(&b, ' ');
    sl_cli_value_text(r, &b);
  }
  sl_buf_puts(&b, "");
  c[2] = sl_buf_steal(&b);
}

static void property_row(const json_t *p, const json_t *e, char **c) {
  const char *name = jstr(p, "name");
  bool overridden = false;
  size_t i;
  const json_t *o;
  json_array_foreach(json_object_get(e, "overwrittenProperties"), i, o) {
    if (json_string_value(o) && !strcmp(json_string_value(o), name)) overridden = true;
  }
  c[0] = sl_strdup(name);
  c[1] = sl_strdup(jstr(p, "scope"));
  c[2] = sl_strdup(overridden ? "SESSION" : "");
  c[3] = value_cell(json_object_get(p, "value"));
}

static void function_row(const json_t *f, const json_t *e, char **c) {
  (void)e;
  c[0] = sl_strdup(jstr(f, "name"));
  c[1] = sl_strdup(jstr(f, "category"));
}

static void variable_row(const json_t *v, const json_t *e, char **c) {
  (void)e;
  c[0] = sl_strdup(jstr(v, "name"));
  c[1] = value_cell(json_object_get(v, "value"));
}

static void message_box(const char *msg, int width, sl_buf_t *out) {
  static const char *const hdr[] = {"Message"};
  sl_cli_table_t t;
  sl_cli_table_init(&t, 1, hdr);
  const char *cell[] = {msg};
  sl_cli_table_add(&t, cell);
  sl_buf_putc(out, '\n');
  sl_cli_table_render(&t, SL_CLI_LIST, width, out);
  sl_cli_table_free(&t);
}

static void type_list(const json_t *e, int width, sl_buf_t *out) {
  static const char *const hdr[] = {"Type Name", "Schema"};
  sl_cli_table_t t;
  sl_cli_table_init(&t, 2, hdr);
  const char *k;
  const json_t *v;
  json_object_foreach((json_t *)json_object_get(e, "types"), k, v) {
    sl_buf_t b;
    sl_buf_init(&b);
    sl_cli_schema_text(v, &b);
    char *cells[2] = {sl_strdup(k), sl_buf_steal(&b)};
    add_row(&t, cells);
  }
  sl_buf_putc(out, '\n');
  sl_cli_table_render(&t, SL_CLI_LIST, width, out);
  sl_cli_table_free(&t);
}

void sl_cli_render_entity(const json_t *e, sl_cli_output_t mode, int width, sl_buf_t *out) {
  if (mode == SL_CLI_JSON) {
    char *s = json_dumps(e, JSON_INDENT(2) | JSON_ENCODE_ANY);
    if (s) sl_buf_printf(out, "%s\n", s);
    free(s);
    return;
  }
  const char *type = jstr(e, "@type");
  static const char *const source_hdr[] = {"Stream Name", "Kafka Topic", "Key Format",
                                           "Value Format", "Windowed"};
  static const char *const table_hdr[] = {"Table Name", "Kafka Topic", "Key Format", "Value Format",
                                          "Windowed"};
  static const char *const query_hdr[] = {"Query ID",  "Query Type",       "Status",
                                          "Sink Name", "Sink Kafka Topic", "Query String"};
  static const char *const topic_hdr[] = {"Kafka Topic", "Partitions", "Partition Replicas"};
  static const char *const prop_hdr[] = {"Property", "Scope", "Default override",
                                         "Effective Value"};
  static const char *const fn_hdr[] = {"Function Name", "Category"};
  static const char *const var_hdr[] = {"Variable Name", "Value"};
  if (!strcmp(type, "currentStatus")) {
    const json_t *cs = json_object_get(e, "commandStatus");
    message_box(jstr(cs, "message"), width, out);
  } else if (!strcmp(type, "warning_entity")) {
    sl_buf_printf(out, "\nWARNING: %s\n", jstr(e, "message"));
  } else if (!strcmp(type, "streams")) {
    listing(e, "streams", 5, source_hdr, source_row, width, out);
  } else if (!strcmp(type, "tables")) {
    listing(e, "tables", 5, table_hdr, source_row, width, out);
  } else if (!strcmp(type, "queries")) {
    listing(e, "queries", 6, query_hdr, query_row, width, out);
    sl_buf_puts(out, "For detailed information on a Query run: EXPLAIN <Query ID>;\n");
  } else if (!strcmp(type, "kafka_topics")) {
    listing(e, "topics", 3, topic_hdr, topic_row, width, out);
  } else if (!strcmp(type, "properties")) {
    listing(e, "properties", 4, prop_hdr, property_row, width, out);
  } else if (!strcmp(type, "function_names")) {
    listing(e, "functions", 2, fn_hdr, function_row, width, out);
    sl_buf_puts(out,
                "For detailed information on a function run: DESCRIBE FUNCTION <Function "
                "Name>;\n");
  } else if (!strcmp(type, "variables")) {
    listing(e, "variables", 2, var_hdr, variable_row, width, out);
  } else if (!strcmp(type, "type_list")) {
    type_list(e, width, out);
  } else if (!strcmp(type, "sourceDescription")) {
    source_description(json_object_get(e, "sourceDescription"), width, out);
  } else if (!strcmp(type, "source_descriptions")) {
    size_t i;
    const json_t *d;
    json_array_foreach(json_object_get(e, "sourceDescriptions"), i, d) {
      source_description(d, width, out);
    }
  } else if (!strcmp(type, "queryDescription")) {
    query_description(json_object_get(e, "queryDescription"), width, out);
  } else if (!strcmp(type, "describe_function")) {
    describe_function(e, out);
  } else {
    char *s = json_dumps(e, JSON_INDENT(2) | JSON_ENCODE_ANY);
    if (s) sl_buf_printf(out, "%s\n", s);
    free(s);
  }
  size_t i;
  const json_t *w;
  json_array_foreach(json_object_get(e, "warnings"), i, w) {
    sl_buf_printf(out, "WARNING: %s\n", jstr(w, "message"));
  }
}

/* ---------------- errors and carets ---------------- */

/* Reads digits at *p (advancing it); -1 when there are none. */
static int read_int(const char **p) {
  if (!isdigit((unsigned char)**p)) return -1;
  long v = 0;
  while (isdigit((unsigned char)**p)) {
    v = v * 10 + (**p - '0');
    if (v > 1000000000) v = 1000000000;
    (*p)++;
  }
  return (int)v;
}

bool sl_cli_error_position(const char *msg, int *line, int *col) {
  for (const char *p = msg ? msg : ""; *p; p++) {
    if (strncasecmp(p, "line", 4) != 0) continue;
    if (p > msg && isalnum((unsigned char)p[-1])) continue;
    const char *q = p + 4;
    if (*q == ' ') {
      /* "line L:C" */
      q++;
      int l = read_int(&q);
      if (l > 0 && *q == ':') {
        q++;
        int c = read_int(&q);
        if (c > 0) {
          *line = l;
          *col = c;
          return true;
        }
      }
    } else if (q[0] == ':' && q[1] == ' ') {
      /* "Line: L, Col: C" */
      q += 2;
      int l = read_int(&q);
      if (l > 0 && !strncasecmp(q, ", col: ", 7)) {
        q += 7;
        int c = read_int(&q);
        if (c > 0) {
          *line = l;
          *col = c;
          return true;
        }
      }
    }
  }
  return false;
}

/* True when [s, s+n) is a caret line: spaces or tabs, then one '^'. */
static bool is_caret_line(const char *s, size_t n) {
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\r')) n--;
  if (!n || s[n - 1] != '^') return false;
  for (size_t i = 0; i + 1 < n; i++)
    if (s[i] != ' ' && s[i] != '\t') return false;
  return true;
}

void sl_cli_render_error(const char *msg, const char *stmt, sl_buf_t *out) {
  msg = msg ? msg : "";
  size_t n = strlen(msg);
  while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' ')) n--;
  /* A message formatted with its own source line and caret (sl_error_format)
   * loses them: the caret is redrawn below against what the user typed. */
  const char *last = msg + n;
  while (last > msg && last[-1] != '\n') last--;
  if (last > msg && is_caret_line(last, (size_t)(msg + n - last))) {
    const char *prev = last - 1;
    while (prev > msg && prev[-1] != '\n') prev--;
    n = prev > msg ? (size_t)(prev - 1 - msg) : 0;
  }
  sl_buf_append(out, msg, n);
  sl_buf_putc(out, '\n');
  int line, col;
  if (!stmt || !sl_cli_error_position(msg, &line, &col)) return;
  const char *ls = stmt;
  for (int l = 1; l < line && ls; l++) {
    ls = strchr(ls, '\n');
    if (ls) ls++;
  }
  if (!ls) return;
  const char *le = strchr(ls, '\n');
  size_t llen = le ? (size_t)(le - ls) : strlen(ls);
  if ((size_t)col > llen + 1) return;
  while (llen && ls[llen - 1] == '\r') llen--;
  sl_buf_append(out, ls, llen);
  sl_buf_putc(out, '\n');
  /* Columns count bytes: tabs are kept so the caret lines up under them,
   * UTF-8 continuation bytes take no room on screen. */
  for (int i = 0; i < col - 1 && (size_t)i < llen; i++) {
    unsigned char ch = (unsigned char)ls[i];
    if (ch == '\t')
      sl_buf_putc(out, '\t');
    else if ((ch & 0xC0) != 0x80)
      sl_buf_putc(out, ' ');
  }
  sl_buf_puts(out, "^\n");
}

void sl_cli_render_error_body(const json_t *body, const char *stmt, sl_cli_output_t mode,
                              sl_buf_t *out) {
  if (mode == SL_CLI_JSON) {
    char *s = json_dumps(body, JSON_INDENT(2) | JSON_ENCODE_ANY);
    if (s) sl_buf_printf(out, "%s\n", s);
    free(s);
    return;
  }
  const char *msg = json_string_value(json_object_get(body, "message"));
  if (!msg) {
    char *s = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
    sl_cli_render_error(s ? s : "unknown error", NULL, out);
    free(s);
    return;
  }
  sl_cli_render_error(msg, stmt, out);
}

/* ---------------- query results ---------------- */

void sl_cli_qview_init(sl_cli_qview_t *v, sl_cli_output_t mode, int width, bool buffer) {
  memset(v, 0, sizeof *v);
  v->mode = mode;
  v->width = width;
  v->buffer = buffer;
}

void sl_cli_qview_header(sl_cli_qview_t *v, const json_t *header, sl_buf_t *out) {
  if (v->have_header) return;
  v->have_header = true;
  const json_t *names = json_object_get(header, "columnNames");
  int n = (int)json_array_size(names);
  v->ncols = n;
  if (v->mode == SL_CLI_JSON) {
    char *s = json_dumps(header, JSON_COMPACT);
    if (s) sl_buf_printf(out, "%s\n", s);
    free(s);
    return;
  }
  const char **hdr = sl_xcalloc((size_t)(n ? n : 1), sizeof(char *));
  for (int i = 0; i < n; i++) {
    const char *s = json_string_value(json_array_get(names, (size_t)i));
    hdr[i] = s ? s : "";
  }
  if (v->buffer) {
    sl_cli_table_init(&v->table, n, hdr);
  } else if (n > 0) {
    /* Rows stream in, so widths are chosen before any is seen: an equal share
     * of the terminal each (ksqlDB does the same), never narrower than the
     * column's name when that fits. Without a terminal, a fixed width. */
    v->widths = sl_xcalloc((size_t)n, sizeof(int));
    int share = v->width > 0 ? (v->width - n - 1) / n : 24;
    if (share < 4) share = 4;
    int *natural = sl_xcalloc((size_t)n, sizeof(int));
    for (int i = 0; i < n; i++) {
      int hw = sl_cli_text_width(hdr[i], strlen(hdr[i]));
      natural[i] = hw > share ? hw : share;
    }
    sl_cli_fit_widths(natural, n, n + 1, v->width, v->widths);
    free(natural);
    sl_cli_box_rule(v->widths, n, out);
    sl_cli_box_row(v->widths, n, hdr, out);
    sl_cli_box_rule(v->widths, n, out);
  }
  free(hdr);
}

void sl_cli_qview_row(sl_cli_qview_t *v, const json_t *row, sl_buf_t *out) {
  v->nrows++;
  if (v->mode == SL_CLI_JSON) {
    char *s = json_dumps(row, JSON_COMPACT | JSON_ENCODE_ANY);
    if (s) sl_buf_printf(out, "%s\n", s);
    free(s);
    return;
  }
  if (!v->have_header) {
    /* A row before any header: name the columns by position. */
    json_t *h = json_object(), *names = json_array();
    for (size_t i = 0; i < json_array_size(row); i++)
      json_array_append_new(names, json_sprintf("COL%zu", i + 1));
    json_object_set_new(h, "columnNames", names);
    sl_cli_qview_header(v, h, out);
    json_decref(h);
  }
  int n = v->ncols;
  char **cells = sl_xcalloc((size_t)(n ? n : 1), sizeof(char *));
  for (int i = 0; i < n; i++) {
    const json_t *x = json_array_get(row, (size_t)i);
    cells[i] = x ? value_cell(x) : sl_strdup("");
  }
  if (v->buffer)
    sl_cli_table_add(&v->table, (const char *const *)cells);
  else if (n > 0)
    sl_cli_box_row(v->widths, n, (const char *const *)cells, out);
  for (int i = 0; i < n; i++) free(cells[i]);
  free(cells);
}

void sl_cli_qview_end(sl_cli_qview_t *v, const char *note, sl_buf_t *out) {
  if (v->mode == SL_CLI_TABULAR && v->have_header) {
    if (v->buffer)
      sl_cli_table_render(&v->table, SL_CLI_BOXED, v->width, out);
    else if (v->ncols > 0)
      sl_cli_box_rule(v->widths, v->ncols, out);
  }
  if (note && v->mode == SL_CLI_TABULAR) sl_buf_printf(out, "%s\n", note);
}

void sl_cli_qview_free(sl_cli_qview_t *v) {
  if (v->buffer && v->have_header && v->mode == SL_CLI_TABULAR) sl_cli_table_free(&v->table);
  free(v->widths);
  v->widths = NULL;
}
