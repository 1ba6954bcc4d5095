/*
 * test_catalog.c - the SQLite catalog: sources with every kind of column type
 * survive a write and a reopen, queries/types/meta/command log round-trip,
 * a rolled-back statement leaves nothing behind, and migrations set the
 * schema version on an empty file and refuse a newer one. Also the default
 * processing log's JSON-lines file (it has no catalog dependency, but this is
 * the file its owner keeps tests in).
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include "sluice/catalog.h"
#include "sluice/runtime.h"
#include "unit.h"

/* ---------------- helpers ---------------- */

typedef struct {
  char dir[64];
  char path[96];
} tmpdb_t;

static void tmpdb_init(tmpdb_t *t) {
  snprintf(t->dir, sizeof t->dir, "/tmp/sluice-catalog-XXXXXX");
  CHECK(mkdtemp(t->dir) != NULL);
  snprintf(t->path, sizeof t->path, "%s/catalog.db", t->dir);
}

static void tmpdb_cleanup(tmpdb_t *t) {
  static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
  char p[128];
  for (size_t i = 0; i < SL_ARRAY_LEN(suffixes); i++) {
    snprintf(p, sizeof p, "%s%s", t->path, suffixes[i]);
    unlink(p);
  }
  CHECK_INT(rmdir(t->dir), 0);
}

static void add_col(sl_ptrvec_t *cols, sl_arena_t *a, const char *name, const sl_type_t *type,
                    sl_col_ns_t ns, const char *header_key) {
  sl_column_t *c = sl_arena_alloc(a, sizeof *c);
  c->name = sl_arena_strdup(a, name);
  c->type = type;
  c->ns = ns;
  c->header_key = header_key ? sl_arena_strdup(a, header_key) : NULL;
  sl_ptrvec_push(cols, c);
}

/* A stream whose columns cover every type kind, nested composites, decimals
 * inside maps inside structs, quoted names and both header namespaces. */
static sl_source_t *make_rich_source(const char *name) {
  sl_source_t *s = sl_source_new();
  sl_arena_t *a = &s->arena;
  s->name = sl_arena_strdup(a, name);
  s->topic = sl_arena_strdup(a, "rich_topic");
  s->key_format = "JSON";
  s->value_format = "DELIMITED";
  s->key_opts.wrap_single = true;
  s->key_opts.wrap_explicit = true;
  s->value_opts.delimiter = '|';
  s->timestamp_column = "TS";
  s->timestamp_format = "yyyy-MM-dd'T'HH:mm:ss";
  s->partitions = 3;
  s->replicas = 1;
  s->statement = "CREATE STREAM RICH (...) WITH (KAFKA_TOPIC='rich_topic');";

  sl_type_field_t inner_f[] = {
      {"X", sl_type_array(a, sl_type_map(a, &sl_type_string, sl_type_decimal(a, 38, 10)))},
      {"lower", &sl_type_timestamp}};
  const sl_type_t *inner = sl_type_struct(a, 2, inner_f);
  sl_type_field_t outer_f[] = {{"a", &sl_type_int}, {"Inner", inner}, {"B", &sl_type_bytes}};
  const sl_type_t *outer = sl_type_struct(a, 3, outer_f);
  sl_type_field_t hdr_f[] = {{"KEY", &sl_type_string}, {"VALUE", &sl_type_bytes}};

  sl_ptrvec_t cols = {0};
  add_col(&cols, a, "ID", &sl_type_bigint, SL_NS_KEY, NULL);
  add_col(&cols, a, "k two", &sl_type_string, SL_NS_KEY, NULL);
  add_col(&cols, a, "B", &sl_type_boolean, SL_NS_VALUE, NULL);
  add_col(&cols, a, "I", &sl_type_int, SL_NS_VALUE, NULL);
  add_col(&cols, a, "D", &sl_type_double, SL_NS_VALUE, NULL);
  add_col(&cols, a, "DEC", sl_type_decimal(a, 4, 2), SL_NS_VALUE, NULL);
  add_col(&cols, a, "S", &sl_type_string, SL_NS_VALUE, NULL);
  add_col(&cols, a, "BY", &sl_type_bytes, SL_NS_VALUE, NULL);
  add_col(&cols, a, "DT", &sl_type_date, SL_NS_VALUE, NULL);
  add_col(&cols, a, "TM", &sl_type_time, SL_NS_VALUE, NULL);
  add_col(&cols, a, "TS", &sl_type_timestamp, SL_NS_VALUE, NULL);
  add_col(&cols, a, "ARR", sl_type_array(a, sl_type_decimal(a, 10, 0)), SL_NS_VALUE, NULL);
  add_col(&cols, a, "M",
          sl_type_map(a, &sl_type_string, sl_type_array(a, sl_type_array(a, &sl_type_int))),
          SL_NS_VALUE, NULL);
  add_col(&cols, a, "ST", outer, SL_NS_VALUE, NULL);
  add_col(&cols, a, "AOS", sl_type_array(a, outer), SL_NS_VALUE, NULL);
  add_col(&cols, a, "HS", sl_type_array(a, sl_type_struct(a, 2, hdr_f)), SL_NS_HEADERS, NULL);
  add_col(&cols, a, "H1", &sl_type_bytes, SL_NS_HEADER, "trace-id");

  sl_schema_t *schema = sl_arena_alloc(a, sizeof *schema);
  schema->ncols = cols.len;
  schema->cols = sl_arena_alloc(a, sizeof(sl_column_t) * (size_t)cols.len);
  for (int i = 0; i < cols.len; i++) schema->cols[i] = *(sl_column_t *)cols.items[i];
  sl_ptrvec_free(&cols);
  s->schema = schema;
  return s;
}

/* A windowed table with a single key column and no optional fields. */
static sl_source_t *make_table(const char *name, const char *query_id) {
  sl_source_t *s = sl_source_new();
  sl_arena_t *a = &s->arena;
  s->name = sl_arena_strdup(a, name);
  s->is_table = true;
  s->topic = sl_arena_strdup(a, name);
  s->key_format = "KAFKA";
  s->value_format = "JSON";
  s->window_type = SL_WIN_HOPPING;
  s->window_size_ms = 30000;
  s->partitions = 1;
  s->replicas = 1;
  s->query_id = query_id ? sl_arena_strdup(a, query_id) : NULL;
  sl_schema_t *schema = sl_arena_alloc(a, sizeof *schema);
  schema->ncols = 2;
  schema->cols = sl_arena_alloc(a, sizeof(sl_column_t) * 2);
  schema->cols[0] = (sl_column_t){"K", &sl_type_string, SL_NS_KEY, NULL};
  schema->cols[1] = (sl_column_t){"CNT", &sl_type_bigint, SL_NS_VALUE, NULL};
  s->schema = schema;
  return s;
}

static bool streq_null(const char *a, const char *b) {
  return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Compares every field; types by structure and by their SQL text. */
static void check_same_source(const sl_source_t *x, const sl_source_t *y) {
  CHECK_STR(y->name, x->name);
  CHECK_INT(y->is_table, x->is_table);
  CHECK_INT(y->is_source, x->is_source);
  CHECK_STR(y->topic, x->topic);
  CHECK(streq_null(y->key_format, x->key_format));
  CHECK(streq_null(y->value_format, x->value_format));
  CHECK_INT(y->key_opts.delimiter, x->key_opts.delimiter);
  CHECK_INT(y->key_opts.wrap_single, x->key_opts.wrap_single);
  CHECK_INT(y->key_opts.wrap_explicit, x->key_opts.wrap_explicit);
  CHECK_INT(y->value_opts.delimiter, x->value_opts.delimiter);
  CHECK_INT(y->value_opts.wrap_single, x->value_opts.wrap_single);
  CHECK_INT(y->value_opts.wrap_explicit, x->value_opts.wrap_explicit);
  CHECK(streq_null(y->timestamp_column, x->timestamp_column));
  CHECK(streq_null(y->timestamp_format, x->timestamp_format));
  CHECK_INT(y->window_type, x->window_type);
  CHECK_INT(y->window_size_ms, x->window_size_ms);
  CHECK_INT(y->partitions, x->partitions);
  CHECK_INT(y->replicas, x->replicas);
  CHECK(streq_null(y->statement, x->statement));
  CHECK(streq_null(y->query_id, x->query_id));
  CHECK(y->schema != NULL);
  if (!y->schema) return;
  CHECK_INT(y->schema->ncols, x->schema->ncols);
  if (y->schema->ncols != x->schema->ncols) return;
  sl_buf_t tx, ty;
  sl_buf_init(&tx);
  sl_buf_init(&ty);
  for (int i = 0; i < x->schema->ncols; i++) {
    const sl_column_t *cx = &x->schema->cols[i], *cy = &y->schema->cols[i];
    CHECK_STR(cy->name, cx->name);
    CHECK_INT(cy->ns, cx->ns);
    CHECK(streq_null(cy->header_key, cx->header_key));
    CHECK(cy->type != NULL);
    if (!cy->type) continue;
    CHECK(sl_type_equal(cy->type, cx->type));
    sl_buf_reset(&tx);
    sl_buf_reset(&ty);
    sl_type_format(cx->type, &tx);
    sl_type_format(cy->type, &ty);
    CHECK_STR(ty.data, tx.data);
  }
  sl_buf_free(&tx);
  sl_buf_free(&ty);
}

static void free_sources(sl_ptrvec_t *v) {
  for (int i = 0; i < v->len; i++) sl_source_free(v->items[i]);
  sl_ptrvec_free(v);
}

static void free_queries(sl_ptrvec_t *v) {
  for (int i = 0; i < v->len; i++) sl_query_info_free(v->items[i]);
  sl_ptrvec_free(v);
}

static void free_strings(sl_ptrvec_t *v) {
  for (int i = 0; i < v->len; i++) free(v->items[i]);
  sl_ptrvec_free(v);
}

static int raw_user_version(const char *path) {
  sqlite3 *db;
  int v = -1;
  if (sqlite3_open(path, &db) == SQLITE_OK) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
      if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int(st, 0);
      sqlite3_finalize(st);
    }
  }
  sqlite3_close(db);
  return v;
}

/* ---------------- tests ---------------- */

SL_TEST(catalog_migrates_empty_file) {
  tmpdb_t t;
  tmpdb_init(&t);
  /* A zero-byte file is what a crashed first start may leave behind. */
  FILE *f = fopen(t.path, "w");
  CHECK(f != NULL);
  if (f) fclose(f);
  sl_error_t err;
  sl_error_clear(&err);
  sl_catalog_t *c = NULL;
  CHECK_INT(sl_catalog_open(t.path, &c, &err), 0);
  CHECK(c != NULL);
  if (c) {
    CHECK(sl_catalog_schema_version(c) >= 1);
    int version = sl_catalog_schema_version(c);
    sl_catalog_close(c);
    CHECK_INT(raw_user_version(t.path), version);
    /* Reopening an up-to-date file changes nothing. */
    CHECK_INT(sl_catalog_open(t.path, &c, &err), 0);
    if (c) CHECK_INT(sl_catalog_schema_version(c), version);
    sl_catalog_close(c);
  }
  tmpdb_cleanup(&t);
}

SL_TEST(catalog_uses_wal_and_foreign_keys) {
  tmpdb_t t;
  tmpdb_init(&t);
  sl_error_t err;
  sl_error_clear(&err);
  sl_catalog_t *c = NULL;
  CHECK_INT(sl_catalog_open(t.path, &c, &err), 0);
  sl_catalog_close(c);
  sqlite3 *db;
  CHECK_INT(sqlite3_open(t.path, &db), SQLITE_OK);
  sqlite3_stmt *st;
  CHECK_INT(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
  CHECK_INT(sqlite3_step(st), SQLITE_ROW);
  CHECK_STR((const char *)sqlite3_column_text(st, 0), "wal");
  sqlite3_finalize(st);
  /* The columns table must point at sources: a dangling column is refused. */
  CHECK_INT(sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL), SQLITE_OK);
  CHECK(sqlite3_exec(db,
                     "INSERT INTO columns (source, position, name, type, namespace)"
                     " VALUES ('NOPE', 0, 'A', 'INTEGER', 'VALUE')",
                     NULL, NULL, NULL) != SQLITE_OK);
  sqlite3_close(db);
  tmpdb_cleanup(&t);
}

SL_TEST(catalog_refuses_newer_schema) {
  tmpdb_t t;
  tmpdb_init(&t);
  sqlite3 *db;
  CHECK_INT(sqlite3_open(t.path, &db), SQLITE_OK);
  CHECK_INT(sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
  sl_error_t err;
  sl_error_clear(&err);
  sl_catalog_t *c = (sl_catalog_t *)&err; /* must be reset to NULL */
  CHECK_INT(sl_catalog_open(t.path, &c, &err), SL_EIO);
  CHECK(c == NULL);
  CHECK(strstr(err.msg, "999") != NULL);
  tmpdb_cleanup(&t);
}

SL_TEST(catalog_open_bad_path_fails) {
  sl_error_t err;
  sl_error_clear(&err);
  sl_catalog_t *c = NULL;
  CHECK_INT(sl_catalog_open("/nonexistent-dir-for-sluice/x/catalog.db", &c, &err), SL_EIO);
  CHECK(c == NULL);
  CHECK_INT(err.code, SL_EIO);
  CHECK(strstr(err.msg, "catalog") != NULL);
}

SL_TEST(catalog_source_round_trip) {
  sl_error_t err;
  sl_error_clear(&err);
  sl_catalog_t *c = NULL;
  CHECK_INT(sl_catalog_open(NULL, &c, &err), 0);
  if (!c) return;
  sl_source_t *rich = make_rich_source("RICH");
  sl_source_t *tab = make_table("COUNTS", "CTAS_COUNTS_1");
  CHECK_INT(sl_catalog_put_source(c, rich, &err), 0);
  CHECK_INT(sl_catalog_put_source(c, tab, &err), 0);
  CHECK_STR(err.msg, "");

  sl_ptrvec_t got = {0};
  CHECK_INT(sl_catalog_load_sources(c, &got, &err), 0);
  CHECK_STR(err.msg, "");
  CHECK_INT(got.len, 2);
  if (got.len == 2) {
    check_same_source(rich, got.items[0]);
    check_same_source(tab, got.items[1]);
  }
  free_sources(&got);

  /* CREATE OR REPLACE: same name, new columns, keeps its place in order. */
  sl_source_t *rich2 = make_table("RICH", NULL);
  rich2->is_table = false;
  rich2->window_type = SL_WIN_SESSION;
  rich2->is_source = true;
  CHECK_INT(sl_catalog_put_source(c, rich2, &err), 0);
  CHECK_INT(sl_catalog_load_sources(c, &got, &err), 0);
  CHECK_INT(got.len, 2);
  if (got.len == 2) {
    check_same_source(rich2, got.items[0]);
    check_same_source(tab, got.items[1]);
  }
  free_sources(&got);

  CHECK_INT(sl_catalog_delete_source(c, "RICH", &err), 0);
  CHECK_INT(sl_catalog_delete_source(c, "RICH", &err), SL_ENOTFOUND);
  CHECK_INT(sl_catalog_load_sources(c, &got, &err), 0);
  CHECK_INT(got.len, 1);
  if (got.len == 1) check_same_source(tab, got.items[0]);
  free_sources(&got);

  sl_source_free(rich);
  sl_source_free(rich2);
  sl_source_free(tab);
  sl_catalog_close(c);
}

SL_TEST(catalog_queries_types_meta) {
  sl_error_t err;
  sl_error_clear(&err);
  sl_catalog_t *c = NULL;
  CHECK_INT(sl_catalog_open(NULL, &c, &err), 0);
  if (!c) return;

  sl_query_info_t q1 = {"CSAS_OUT_0", "CREATE STREAM OUT AS SELECT * FROM IN1;", "OUT", "IN1",
                        "RUNNING",    "{\"auto.offset.reset\":\"earliest\"}"};
  sl_query_info_t q2 = {
      "INSERTQUERY_1", "INSERT INTO OUT SELECT * FROM IN2;", "OUT", "IN2,IN3", "RUNNING", NULL};
  CHECK_INT(sl_catalog_put_query(c, &q1, &err), 0);
  CHECK_INT(sl_catalog_put_query(c, &q2, &err), 0);
  q1.state = "PAUSED"; /* PAUSE updates in place and keeps the order */
  CHECK_INT(sl_catalog_put_query(c, &q1, &err), 0);
  sl_query_info_t bad = {"Q_BAD", "SELECT 1;", NULL, NULL, "RUNNING", "{not json"};
  CHECK_INT(sl_catalog_put_query(c, &bad, &err), SL_EIO);
  CHECK(strstr(err.msg, "CHECK constraint") != NULL);
  sl_error_clear(&err);

  sl_ptrvec_t qs = {0};
  CHECK_INT(sl_catalog_load_queries(c, &qs, &err), 0);
  CHECK_INT(qs.len, 2);
  if (qs.len == 2) {
    sl_query_info_t *a = qs.items[0], *b = qs.items[1];
    CHECK_STR(a->id, "CSAS_OUT_0");
    CHECK_STR(a->statement, q1.statement);
    CHECK_STR(a->sink, "OUT");
    CHECK_STR(a->sources, "IN1");
    CHECK_STR(a->state, "PAUSED");
    CHECK_STR(a->props_json, q1.props_json);
    CHECK_STR(b->id, "INSERTQUERY_1");
    CHECK_STR(b->sources, "IN2,IN3");
    CHECK(b->props_json == NULL);
  }
  free_queries(&qs);
  CHECK_INT(sl_catalog_delete_query(c, "CSAS_OUT_0", &err), 0);
  CHECK_INT(sl_catalog_delete_query(c, "CSAS_OUT_0", &err), SL_ENOTFOUND);
  sl_error_clear(&err);
  CHECK_INT(sl_catalog_load_queries(c, &qs, &err), 0);
  CHECK_INT(qs.len, 1);
  free_queries(&qs);

  CHECK_INT(sl_catalog_put_type(c, "ADDRESS", "STRUCT<`STREET` STRING, `ZIP` INTEGER>", &err), 0);
  CHECK_INT(sl_catalog_put_type(c, "MONEY", "DECIMAL(10, 2)", &err), 0);
  CHECK_INT(sl_catalog_put_type(c, "ADDRESS", "STRUCT<`STREET` STRING>", &err), 0);
  CHECK_INT(sl_catalog_delete_type(c, "NOPE", &err), SL_ENOTFOUND);
  sl_error_clear(&err);
  sl_ptrvec_t names = {0}, sqls = {0};
  CHECK_INT(sl_catalog_load_types(c, &names, &sqls, &err), 0);
  CHECK_INT(names.len, 2);
  CHECK_INT(sqls.len, 2);
  if (names.len == 2 && sqls.len == 2) {
    CHECK_STR(names.items[0], "ADDRESS");
    CHECK_STR(sqls.items[0], "STRUCT<`STREET` STRING>");
    CHECK_STR(names.items[1], "MONEY");
    CHECK_STR(sqls.items[1], "DECIMAL(10, 2)");
  }
  free_strings(&names);
  free_strings(&sqls);
  CHECK_INT(sl_catalog_delete_type(c, "MONEY", &err), 0);

  CHECK(sl_catalog_get_meta(c, "next.query.id") == NULL);
  CHECK_INT(sl_catalog_set_meta(c, "next.query.id", "7", &err), 0);
  CHECK_INT(sl_catalog_set_meta(c, "next.query.id", "8", &err), 0);
  char *v = sl_catalog_get_meta(c, "next.query.id");
  CHECK_STR(v, "8");
  free(v);
  CHECK_INT(sl_catalog_set_meta(c, "next.query.id", NULL, &err), 0);
  CHECK(sl_catalog_get_meta(c, "next.query.id") == NULL);
  sl_catalog_close(c);
}

SL_TEST(catalog_command_log_sequence) {
  sl_error_t err;
  sl_error_clear(&err);
  sl_catalog_t *c = NULL;
  CHECK_INT(sl_catalog_open(NULL, &c, &err), 0);
  if (!c) return;
  CHECK_INT(sl_catalog_last_command(c), 0);
  int64_t seq = -1;
  for (int i = 1; i <= 5; i++) {
    CHECK_INT(sl_catalog_append_command(c, "CREATE STREAM S (A INT) WITH (...);", &seq, &err), 0);
    CHECK_INT(seq, i);
  }
  CHECK_INT(sl_catalog_last_command(c), 5);
  /* A rolled-back statement does not burn a number. */
  CHECK_INT(sl_catalog_begin(c, &err), 0);
  CHECK_INT(sl_catalog_append_command(c, "DROP STREAM S;", &seq, &err), 0);
  CHECK_INT(seq, 6);
  sl_catalog_rollback(c);
  CHECK_INT(sl_catalog_last_command(c), 5);
  CHECK_INT(sl_catalog_append_command(c, "DROP STREAM S;", &seq, &err), 0);
  CHECK_INT(seq, 6);
  CHECK_STR(err.msg, "");
  sl_catalog_close(c);
}

SL_TEST(catalog_failed_transaction_leaves_nothing) {
  sl_error_t err;
  sl_error_clear(&err);
  sl_catalog_t *c = NULL;
  CHECK_INT(sl_catalog_open(NULL, &c, &err), 0);
  if (!c) return;
  sl_source_t *kept = make_table("KEPT", NULL);
  CHECK_INT(sl_catalog_put_source(c, kept, &err), 0);

  /* One statement's writes, then a failure: the caller rolls back. */
  CHECK_INT(sl_catalog_begin(c, &err), 0);
  CHECK_INT(sl_catalog_begin(c, &err), SL_EINVAL); /* no nesting */
  sl_error_clear(&err);
  sl_source_t *out = make_table("OUT", "CTAS_OUT_3");
  sl_query_info_t q = {"CTAS_OUT_3", "CREATE TABLE OUT AS ...;", "OUT", "KEPT", "RUNNING", "{}"};
  CHECK_INT(sl_catalog_put_source(c, out, &err), 0);
  CHECK_INT(sl_catalog_put_query(c, &q, &err), 0);
  CHECK_INT(sl_catalog_put_type(c, "T", "INTEGER", &err), 0);
  CHECK_INT(sl_catalog_set_meta(c, "k", "v", &err), 0);
  CHECK_INT(sl_catalog_delete_source(c, "KEPT", &err), 0);
  int64_t seq;
  CHECK_INT(sl_catalog_append_command(c, "CREATE TABLE OUT AS ...;", &seq, &err), 0);
  sl_catalog_rollback(c);
  CHECK_INT(sl_catalog_commit(c, &err), SL_EINVAL); /* nothing open any more */
  sl_error_clear(&err);

  sl_ptrvec_t v = {0}, v2 = {0};
  CHECK_INT(sl_catalog_load_sources(c, &v, &err), 0);
  CHECK_INT(v.len, 1);
  if (v.len == 1) check_same_source(kept, v.items[0]);
  free_sources(&v);
  CHECK_INT(sl_catalog_load_queries(c, &v, &err), 0);
  CHECK_INT(v.len, 0);
  free_queries(&v);
  CHECK_INT(sl_catalog_load_types(c, &v, &v2, &err), 0);
  CHECK_INT(v.len, 0);
  free_strings(&v);
  free_strings(&v2);
  CHECK(sl_catalog_get_meta(c, "k") == NULL);
  CHECK_INT(sl_catalog_last_command(c), 0);

  /* A put that fails half-way (a column with no type, after the source row
   * was written) leaves no row behind even outside a transaction. */
  sl_source_t *broken = make_table("BROKEN", NULL);
  broken->schema->cols[1].type = NULL;
  CHECK_INT(sl_catalog_put_source(c, broken, &err), SL_EINVAL);
  sl_error_clear(&err);
  /* And a database-level failure (topic is NOT NULL) inside a transaction
   * reports sqlite's message and leaves the transaction usable. */
  CHECK_INT(sl_catalog_begin(c, &err), 0);
  broken->schema->cols[1].type = &sl_type_int;
  broken->topic = NULL;
  CHECK_INT(sl_catalog_put_source(c, broken, &err), SL_EIO);
  CHECK_INT(err.code, SL_EIO);
  CHECK(strstr(err.msg, "NOT NULL") != NULL);
  sl_error_clear(&err);
  CHECK_INT(sl_catalog_set_meta(c, "after", "yes", &err), 0);
  CHECK_INT(sl_catalog_commit(c, &err), 0);
  char *after = sl_catalog_get_meta(c, "after");
  CHECK_STR(after, "yes");
  free(after);
  CHECK_INT(sl_catalog_load_sources(c, &v, &err), 0);
  CHECK_INT(v.len, 1);
  free_sources(&v);

  sl_source_free(broken);
  sl_source_free(out);
  sl_source_free(kept);
  sl_catalog_close(c);
}

SL_TEST(catalog_reopen_reads_everything_back) {
  tmpdb_t t;
  tmpdb_init(&t);
  sl_error_t err;
  sl_error_clear(&err);
  sl_catalog_t *c = NULL;
  sl_source_t *rich = make_rich_source("rich quoted");
  sl_source_t *tab = make_table("COUNTS", "CTAS_COUNTS_1");
  sl_query_info_t q = {"CTAS_COUNTS_1", "CREATE TABLE COUNTS AS SELECT ...;",
                       "COUNTS",        "rich quoted",
                       "RUNNING",       "{}"};

  CHECK_INT(sl_catalog_open(t.path, &c, &err), 0);
  if (c) {
    CHECK_INT(sl_catalog_begin(c, &err), 0);
    CHECK_INT(sl_catalog_put_source(c, rich, &err), 0);
    CHECK_INT(sl_catalog_append_command(c, rich->statement, NULL, &err), 0);
    CHECK_INT(sl_catalog_commit(c, &err), 0);
    CHECK_INT(sl_catalog_begin(c, &err), 0);
    CHECK_INT(sl_catalog_put_source(c, tab, &err), 0);
    CHECK_INT(sl_catalog_put_query(c, &q, &err), 0);
    CHECK_INT(sl_catalog_append_command(c, q.statement, NULL, &err), 0);
    CHECK_INT(sl_catalog_commit(c, &err), 0);
    CHECK_INT(sl_catalog_put_type(c, "MONEY", "DECIMAL(10, 2)", &err), 0);
    CHECK_INT(sl_catalog_set_meta(c, "service.id", "sluice_", &err), 0);
    /* Left open on purpose: close must roll it back, not commit it. */
    CHECK_INT(sl_catalog_begin(c, &err), 0);
    CHECK_INT(sl_catalog_set_meta(c, "uncommitted", "x", &err), 0);
    CHECK_STR(err.msg, "");
    sl_catalog_close(c);
  }

  c = NULL;
  CHECK_INT(sl_catalog_open(t.path, &c, &err), 0);
  if (c) {
    sl_ptrvec_t v = {0}, v2 = {0};
    CHECK_INT(sl_catalog_load_sources(c, &v, &err), 0);
    CHECK_STR(err.msg, "");
    CHECK_INT(v.len, 2);
    if (v.len == 2) {
      check_same_source(rich, v.items[0]);
      check_same_source(tab, v.items[1]);
    }
    free_sources(&v);
    CHECK_INT(sl_catalog_load_queries(c, &v, &err), 0);
    CHECK_INT(v.len, 1);
    if (v.len == 1) {
      sl_query_info_t *g = v.items[0];
      CHECK_STR(g->id, q.id);
      CHECK_STR(g->sources, "rich quoted");
      CHECK_STR(g->props_json, "{}");
    }
    free_queries(&v);
    CHECK_INT(sl_catalog_load_types(c, &v, &v2, &err), 0);
    CHECK_INT(v.len, 1);
    if (v.len == 1) CHECK_STR(v2.items[0], "DECIMAL(10, 2)");
    free_strings(&v);
    free_strings(&v2);
    CHECK_INT(sl_catalog_last_command(c), 2);
    char *sid = sl_catalog_get_meta(c, "service.id");
    CHECK_STR(sid, "sluice_");
    free(sid);
    CHECK(sl_catalog_get_meta(c, "uncommitted") == NULL);
    sl_catalog_close(c);
  }
  sl_source_free(rich);
  sl_source_free(tab);
  tmpdb_cleanup(&t);
}

SL_TEST(catalog_unreadable_type_is_reported) {
  tmpdb_t t;
  tmpdb_init(&t);
  sl_error_t err;
  sl_error_clear(&err);
  sl_catalog_t *c = NULL;
  CHECK_INT(sl_catalog_open(t.path, &c, &err), 0);
  sl_source_t *tab = make_table("T1", NULL);
  if (c) CHECK_INT(sl_catalog_put_source(c, tab, &err), 0);
  sl_catalog_close(c);
  sl_source_free(tab);
  sqlite3 *db;
  CHECK_INT(sqlite3_open(t.path, &db), SQLITE_OK);
  CHECK_INT(sqlite3_exec(db, "UPDATE columns SET type = 'NOT A TYPE<' WHERE name = 'CNT'", NULL,
                         NULL, NULL),
            SQLITE_OK);
  sqlite3_close(db);
  c = NULL;
  CHECK_INT(sl_catalog_open(t.path, &c, &err), 0);
  if (c) {
    sl_ptrvec_t v = {0};
    CHECK_INT(sl_catalog_load_sources(c, &v, &err), SL_EIO);
    CHECK_INT(v.len, 0);
    CHECK(strstr(err.msg, "CNT") != NULL);
    free_sources(&v);
    sl_catalog_close(c);
  }
  tmpdb_cleanup(&t);
}

/* ---------------- processing log ---------------- */

SL_TEST(plog_appends_json_lines) {
  char dir[] = "/tmp/sluice-plog-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char path[64];
  snprintf(path, sizeof path, "%s/plog.jsonl", dir);
  sl_log_set_level(SL_LOG_ERROR); /* keep the stderr copies out of the test output */
  sl_plog_set_file(path);
  sl_plog_entry_t e1 = {
      "CSAS_OUT_0", "DESERIALIZATION_ERROR", "bad \"json\"\n at\tbyte \x01 \xff end", "in", 2, 41};
  sl_plog_entry_t e2 = {"CTAS_T_1", "RECORD_PROCESSING_ERROR", "caf\xc3\xa9", NULL, -1, -1};
  sl_plog_default(NULL, &e1);
  sl_plog_default(NULL, &e2);
  sl_plog_set_file(NULL);
  sl_plog_default(NULL, &e2); /* not written: the file is closed */
  sl_log_set_level(SL_LOG_INFO);

  char *text = NULL;
  size_t len = 0;
  sl_error_t err;
  sl_error_clear(&err);
  CHECK_INT(sl_read_file(path, &text, &len, &err), 0);
  if (text) {
    char *nl = strchr(text, '\n');
    CHECK(nl != NULL);
    if (nl) {
      *nl = 0;
      CHECK(strncmp(text, "{\"time\":", 8) == 0);
      CHECK(strstr(text,
                   ",\"queryId\":\"CSAS_OUT_0\",\"kind\":\"DESERIALIZATION_ERROR\","
                   "\"message\":\"bad \\\"json\\\"\\n at\\tbyte \\u0001 \\ufffd end\","
                   "\"topic\":\"in\",\"partition\":2,\"offset\":41}") != NULL);
      char *line2 = nl + 1;
      CHECK(strstr(line2,
                   ",\"queryId\":\"CTAS_T_1\",\"kind\":\"RECORD_PROCESSING_ERROR\","
                   "\"message\":\"caf\xc3\xa9\",\"topic\":null,\"partition\":null,"
                   "\"offset\":null}\n") != NULL);
      CHECK(strchr(line2, '\n') == line2 + strlen(line2) - 1); /* exactly two lines */
    }
    free(text);
  }
  unlink(path);
  CHECK_INT(rmdir(dir), 0);
}

typedef struct {
  int id;
} plog_worker_t;

static void *plog_worker(void *arg) {
  plog_worker_t *w = arg;
  char qid[32];
  snprintf(qid, sizeof qid, "Q_%d", w->id);
  for (int i = 0; i < 200; i++) {
    sl_plog_entry_t e = {
        qid, "RECORD_PROCESSING_ERROR", "a message long enough to tear", "t", w->id, i};
    sl_plog_default(NULL, &e);
  }
  return NULL;
}

SL_TEST(plog_lines_stay_whole_across_threads) {
  char dir[] = "/tmp/sluice-plog-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char path[64];
  snprintf(path, sizeof path, "%s/plog.jsonl", dir);
  sl_log_set_level(SL_LOG_ERROR);
  sl_plog_set_file(path);
  pthread_t th[4];
  plog_worker_t w[4];
  for (int i = 0; i < 4; i++) {
    w[i].id = i;
    CHECK_INT(pthread_create(&th[i], NULL, plog_worker, &w[i]), 0);
  }
  for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
  sl_plog_set_file(NULL);
  sl_log_set_level(SL_LOG_INFO);

  char *text = NULL;
  size_t len = 0;
  sl_error_t err;
  sl_error_clear(&err);
  CHECK_INT(sl_read_file(path, &text, &len, &err), 0);
  int lines = 0, whole = 0;
  for (char *p = text; p && *p;) {
    char *nl = strchr(p, '\n');
    if (!nl) break;
    *nl = 0;
    lines++;
    if (strncmp(p, "{\"time\":", 8) == 0 && nl[-1] == '}' && strstr(p, "tear") &&
        strchr(p + 1, '{') == NULL)
      whole++;
    p = nl + 1;
  }
  CHECK_INT(lines, 800);
  CHECK_INT(whole, 800);
  free(text);
  unlink(path);
  CHECK_INT(rmdir(dir), 0);
}
