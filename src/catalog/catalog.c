/*
 * catalog.c - the durable metastore: one SQLite file holding every stream,
 * table, persistent query, custom type, the numbered command log and a few
 * settings. The engine keeps the live objects in memory and writes through
 * here after each successful statement; on start it loads everything back.
 *
 * The schema is versioned with PRAGMA user_version and grown only by
 * appending numbered migrations, so an old file is brought up to date on open
 * and a file written by a newer build is refused rather than misread. Column
 * types are stored as the SQL text sl_type_format writes and parsed back with
 * the SQL parser on load: the text is stable, readable with the sqlite3 shell
 * and needs no second encoding of the type system.
 *
 * One connection, used from one thread (the engine's control thread). Every
 * statement is prepared once and reset after use. Each put is atomic on its
 * own (a savepoint), and sl_catalog_begin/commit group the writes of one
 * user statement.
 */
#include "sluice/catalog.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/parser.h"

/* ---------------- schema migrations ---------------- */

/* Migration i brings the file from user_version i to i + 1. Never edit a
 * migration that has shipped: append a new one. */
static const char *const migrations[] = {
    /* 1: the initial schema. */
    "CREATE TABLE meta (\n"
    "  key   TEXT PRIMARY KEY,\n"
    "  value TEXT NOT NULL\n"
    ");\n"
    "CREATE TABLE sources (\n"
    "  name                TEXT PRIMARY KEY,\n"
    "  kind                TEXT NOT NULL CHECK (kind IN ('STREAM', 'TABLE')),\n"
    "  is_source           INTEGER NOT NULL DEFAULT 0,\n"
    "  topic               TEXT NOT NULL,\n"
    "  key_format          TEXT,\n"
    "  key_delimiter       TEXT,\n"
    "  key_wrap_single     INTEGER NOT NULL DEFAULT 0,\n"
    "  key_wrap_explicit   INTEGER NOT NULL DEFAULT 0,\n"
    "  value_format        TEXT,\n"
    "  value_delimiter     TEXT,\n"
    "  value_wrap_single   INTEGER NOT NULL DEFAULT 0,\n"
    "  value_wrap_explicit INTEGER NOT NULL DEFAULT 0,\n"
    "  timestamp_column    TEXT,\n"
    "  timestamp_format    TEXT,\n"
    "  window_type         TEXT CHECK (window_type IN ('TUMBLING', 'HOPPING', 'SESSION')),\n"
    "  window_size_ms      INTEGER NOT NULL DEFAULT 0,\n"
    "  partitions          INTEGER NOT NULL DEFAULT 0,\n"
    "  replicas            INTEGER NOT NULL DEFAULT 0,\n"
    "  statement           TEXT,\n"
    "  query_id            TEXT,\n"
    "  created             INTEGER NOT NULL\n"
    ");\n"
    "CREATE TABLE columns (\n"
    "  source     TEXT NOT NULL REFERENCES sources(name) ON DELETE CASCADE,\n"
    "  position   INTEGER NOT NULL,\n"
    "  name       TEXT NOT NULL,\n"
    "  type       TEXT NOT NULL,\n"
    "  namespace  TEXT NOT NULL CHECK (namespace IN ('KEY', 'VALUE', 'HEADERS', 'HEADER')),\n"
    "  header_key TEXT,\n"
    "  PRIMARY KEY (source, position)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE queries (\n"
    "  id        TEXT PRIMARY KEY,\n"
    "  statement TEXT NOT NULL,\n"
    "  sink      TEXT,\n"
    "  sources   TEXT,\n"
    "  state     TEXT NOT NULL,\n"
    "  props     TEXT CHECK (props IS NULL OR json_valid(props)),\n"
    "  created   INTEGER NOT NULL\n"
    ");\n"
    "CREATE TABLE types (\n"
    "  name    TEXT PRIMARY KEY,\n"
    "  type    TEXT NOT NULL,\n"
    "  created INTEGER NOT NULL\n"
    ");\n"
    "CREATE TABLE command_log (\n"
    "  seq       INTEGER PRIMARY KEY,\n"
    "  statement TEXT NOT NULL,\n"
    "  time      INTEGER NOT NULL\n"
    ");\n",
};

#define SCHEMA_VERSION ((int)SL_ARRAY_LEN(migrations))

/* ---------------- prepared statements ---------------- */

enum {
  Q_BEGIN,
  Q_COMMIT,
  Q_ROLLBACK,
  Q_SAVEPOINT,
  Q_RELEASE,
  Q_ROLLBACK_TO,
  Q_SOURCE_PUT,
  Q_SOURCE_DELETE,
  Q_SOURCES_LOAD,
  Q_COLUMNS_CLEAR,
  Q_COLUMN_PUT,
  Q_COLUMNS_LOAD,
  Q_QUERY_PUT,
  Q_QUERY_DELETE,
  Q_QUERY_STATE,
  Q_QUERIES_LOAD,
  Q_TYPE_PUT,
  Q_TYPE_DELETE,
  Q_TYPES_LOAD,
  Q_COMMAND_PUT,
  Q_COMMAND_LAST,
  Q_META_PUT,
  Q_META_DELETE,
  Q_META_GET,
  Q__COUNT
};

static const char *const query_sql[Q__COUNT] = {
    [Q_BEGIN] = "BEGIN IMMEDIATE",
    [Q_COMMIT] = "COMMIT",
    [Q_ROLLBACK] = "ROLLBACK",
    [Q_SAVEPOINT] = "SAVEPOINT sl_put",
    [Q_RELEASE] = "RELEASE sl_put",
    [Q_ROLLBACK_TO] = "ROLLBACK TO sl_put",
    /* An upsert rather than INSERT OR REPLACE: REPLACE deletes the old row,
     * which would cascade to its columns and lose its place in creation
     * order (CREATE OR REPLACE keeps both). */
    [Q_SOURCE_PUT] =
        "INSERT INTO sources (name, kind, is_source, topic,"
        " key_format, key_delimiter, key_wrap_single, key_wrap_explicit,"
        " value_format, value_delimiter, value_wrap_single, value_wrap_explicit,"
        " timestamp_column, timestamp_format, window_type, window_size_ms,"
        " partitions, replicas, statement, query_id, created)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
        " ?17, ?18, ?19, ?20, (SELECT coalesce(max(created), 0) + 1 FROM sources))"
        " ON CONFLICT (name) DO UPDATE SET kind = excluded.kind,"
        " is_source = excluded.is_source, topic = excluded.topic,"
        " key_format = excluded.key_format, key_delimiter = excluded.key_delimiter,"
        " key_wrap_single = excluded.key_wrap_single,"
        " key_wrap_explicit = excluded.key_wrap_explicit,"
        " value_format = excluded.value_format, value_delimiter = excluded.value_delimiter,"
        " value_wrap_single = excluded.value_wrap_single,"
        " value_wrap_explicit = excluded.value_wrap_explicit,"
        " timestamp_column = excluded.timestamp_column,"
        " timestamp_format = excluded.timestamp_format, window_type = excluded.window_type,"
        " window_size_ms = excluded.window_size_ms, partitions = excluded.partitions,"
        " replicas = excluded.replicas, statement = excluded.statement,"
        " query_id = excluded.query_id",
    [Q_SOURCE_DELETE] = "DELETE FROM sources WHERE name = ?1",
    [Q_QUERY_STATE] = "UPDATE queries SET state = ?2 WHERE id = ?1",
    [Q_SOURCES_LOAD] =
        "SELECT name, kind, is_source, topic,"
        " key_format, key_delimiter, key_wrap_single, key_wrap_explicit,"
        " value_format, value_delimiter, value_wrap_single, value_wrap_explicit,"
        " timestamp_column, timestamp_format, window_type, window_size_ms,"
        " partitions, replicas, statement, query_id"
        " FROM sources ORDER BY created",
    [Q_COLUMNS_CLEAR] = "DELETE FROM columns WHERE source = ?1",
    [Q_COLUMN_PUT] =
        "INSERT INTO columns (source, position, name, type, namespace, header_key)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [Q_COLUMNS_LOAD] =
        "SELECT name, type, namespace, header_key FROM columns"
        " WHERE source = ?1 ORDER BY position",
    [Q_QUERY_PUT] =
        "INSERT INTO queries (id, statement, sink, sources, state, props, created)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, (SELECT coalesce(max(created), 0) + 1 FROM queries))"
        " ON CONFLICT (id) DO UPDATE SET statement = excluded.statement,"
        " sink = excluded.sink, sources = excluded.sources, state = excluded.state,"
        " props = excluded.props",
    [Q_QUERY_DELETE] = "DELETE FROM queries WHERE id = ?1",
    [Q_QUERIES_LOAD] =
        "SELECT id, statement, sink, sources, state, props FROM queries ORDER BY created",
    [Q_TYPE_PUT] =
        "INSERT INTO types (name, type, created)"
        " VALUES (?1, ?2, (SELECT coalesce(max(created), 0) + 1 FROM types))"
        " ON CONFLICT (name) DO UPDATE SET type = excluded.type",
    [Q_TYPE_DELETE] = "DELETE FROM types WHERE name = ?1",
    [Q_TYPES_LOAD] = "SELECT name, type FROM types ORDER BY created",
    [Q_COMMAND_PUT] = "INSERT INTO command_log (statement, time) VALUES (?1, ?2)",
    [Q_COMMAND_LAST] = "SELECT coalesce(max(seq), 0) FROM command_log",
    [Q_META_PUT] =
        "INSERT INTO meta (key, value) VALUES (?1, ?2)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    [Q_META_DELETE] = "DELETE FROM meta WHERE key = ?1",
    [Q_META_GET] = "SELECT value FROM meta WHERE key = ?1",
};

struct sl_catalog {
  sqlite3 *db;
  int version;                   /* schema version after migrations */
  bool in_tx;                    /* between sl_catalog_begin and commit/rollback */
  sqlite3_stmt *stmts[Q__COUNT]; /* prepared on first use, kept until close */
};

/* Records sqlite's own message, which names the constraint or the I/O
 * failure precisely, behind a word on what the catalog was doing. */
static int db_fail(sl_catalog_t *c, sl_error_t *err, const char *what) {
  return sl_error_set(err, SL_EIO, -1, "catalog: %s: %s", what, sqlite3_errmsg(c->db));
}

static sqlite3_stmt *prepare(sl_catalog_t *c, int q, sl_error_t *err) {
  if (!c->stmts[q]) {
    int rc =
        sqlite3_prepare_v3(c->db, query_sql[q], -1, SQLITE_PREPARE_PERSISTENT, &c->stmts[q], NULL);
    if (rc != SQLITE_OK) {
      db_fail(c, err, "preparing a statement");
      c->stmts[q] = NULL;
      return NULL;
    }
  }
  return c->stmts[q];
}

/* Resets a statement so it releases its read locks and bound text. */
static void done(sqlite3_stmt *st) {
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
}

/* Runs a statement that returns no rows; the caller has bound parameters. */
static int run(sl_catalog_t *c, sqlite3_stmt *st, sl_error_t *err, const char *what) {
  int rc = sqlite3_step(st);
  int ret = 0;
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) ret = db_fail(c, err, what);
  done(st);
  return ret;
}

static int run_simple(sl_catalog_t *c, int q, sl_error_t *err, const char *what) {
  sqlite3_stmt *st = prepare(c, q, err);
  if (!st) return SL_EIO;
  return run(c, st, err, what);
}

/* Binds text, or SQL NULL for a NULL pointer. The strings outlive the step. */
static void bind_text(sqlite3_stmt *st, int i, const char *s) {
  if (s)
    sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null(st, i);
}

static const char *col_text(sqlite3_stmt *st, int i) {
  return (const char *)sqlite3_column_text(st, i);
}

static const char *arena_text(sl_arena_t *a, sqlite3_stmt *st, int i) {
  const char *s = col_text(st, i);
  return s ? sl_arena_strdup(a, s) : NULL;
}

static char *malloc_text(sqlite3_stmt *st, int i) {
  const char *s = col_text(st, i);
  return s ? sl_strdup(s) : NULL;
}

/* Savepoints make a multi-row put atomic whether or not the caller opened a
 * transaction: inside one they nest, outside they act as their own. */
static int put_begin(sl_catalog_t *c, sl_error_t *err) {
  return run_simple(c, Q_SAVEPOINT, err, "starting a write");
}

static int put_end(sl_catalog_t *c, int rc, sl_error_t *err) {
  if (rc == 0) {
    rc = run_simple(c, Q_RELEASE, err, "finishing a write");
    if (rc == 0) return 0;
  }
  sl_error_t ignored;
  sl_error_clear(&ignored);
  run_simple(c, Q_ROLLBACK_TO, &ignored, "undoing a write");
  run_simple(c, Q_RELEASE, &ignored, "undoing a write");
  return rc;
}

/* ---------------- open, migrate, close ---------------- */

static int exec_sql(sl_catalog_t *c, const char *sql, sl_error_t *err, const char *what) {
  char *msg = NULL;
  if (sqlite3_exec(c->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    sl_error_set(err, SL_EIO, -1, "catalog: %s: %s", what, msg ? msg : sqlite3_errmsg(c->db));
    sqlite3_free(msg);
    return SL_EIO;
  }
  return 0;
}

static int read_user_version(sl_catalog_t *c, int *out, sl_error_t *err) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
    return db_fail(c, err, "reading the schema version");
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) *out = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW) return db_fail(c, err, "reading the schema version");
  return 0;
}

/* Applies every migration past the file's version, each in its own
 * transaction together with the version bump, so a crash mid-way leaves the
 * file at a consistent earlier version. BEGIN IMMEDIATE takes the write lock
 * before re-reading the version: two processes opening the same new file do
 * not both migrate it. */
static int migrate(sl_catalog_t *c, sl_error_t *err) {
  int version = 0;
  if (read_user_version(c, &version, err) != 0) return SL_EIO;
  while (version < SCHEMA_VERSION) {
    if (exec_sql(c, "BEGIN IMMEDIATE", err, "starting a migration") != 0) return SL_EIO;
    if (read_user_version(c, &version, err) != 0) goto fail;
    if (version >= SCHEMA_VERSION) {
      exec_sql(c, "COMMIT", err, "finishing a migration");
      break;
    }
    char what[64], bump[64];
    snprintf(what, sizeof what, "applying migration %d", version + 1);
    snprintf(bump, sizeof bump, "PRAGMA user_version = %d", version + 1);
    if (exec_sql(c, migrations[version], err, what) != 0) goto fail;
    if (exec_sql(c, bump, err, what) != 0) goto fail;
    if (exec_sql(c, "COMMIT", err, what) != 0) goto fail;
    version++;
  }
  if (version > SCHEMA_VERSION)
    return sl_error_set(err, SL_EIO, -1,
                        "catalog: the file has schema version %d but this sluice knows only "
                        "up to %d; it was written by a newer sluice",
                        version, SCHEMA_VERSION);
  c->version = version;
  return 0;
fail:
  sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
  return SL_EIO;
}

int sl_catalog_open(const char *path, sl_catalog_t **out, sl_error_t *err) {
  *out = NULL;
  sl_catalog_t *c = sl_xcalloc(1, sizeof *c);
  int rc = sqlite3_open_v2(path ? path : ":memory:", &c->db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  if (rc != SQLITE_OK) {
    sl_error_set(err, SL_EIO, -1, "catalog: cannot open %s: %s", path ? path : "(memory)",
                 c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
    sl_catalog_close(c);
    return SL_EIO;
  }
  sqlite3_extended_result_codes(c->db, 1);
  /* Another process (a second sluice on the same data dir, the sqlite3
   * shell) may hold the lock briefly: wait rather than fail at once. */
  sqlite3_busy_timeout(c->db, 5000);
  /* WAL lets readers (the sqlite3 shell, backups) look while we write; an
   * in-memory database answers "memory" and that is fine. Foreign keys are
   * per connection and off by default. */
  if (exec_sql(c, "PRAGMA journal_mode = WAL", err, "enabling WAL") != 0 ||
      exec_sql(c, "PRAGMA foreign_keys = ON", err, "enabling foreign keys") != 0 ||
      migrate(c, err) != 0) {
    sl_catalog_close(c);
    return SL_EIO;
  }
  *out = c;
  return 0;
}

void sl_catalog_close(sl_catalog_t *c) {
  if (!c) return;
  if (c->in_tx) sl_catalog_rollback(c);
  for (int i = 0; i < Q__COUNT; i++) sqlite3_finalize(c->stmts[i]);
  sqlite3_close(c->db);
  free(c);
}

int sl_catalog_schema_version(sl_catalog_t *c) {
  return c->version;
}

/* ---------------- transactions ---------------- */

int sl_catalog_begin(sl_catalog_t *c, sl_error_t *err) {
  if (c->in_tx) return sl_error_set(err, SL_EINVAL, -1, "catalog: a transaction is already open");
  /* IMMEDIATE takes the write lock now, so a busy file fails here and not
   * half-way through a statement's writes. */
  if (run_simple(c, Q_BEGIN, err, "starting a transaction") != 0) return SL_EIO;
  c->in_tx = true;
  return 0;
}

int sl_catalog_commit(sl_catalog_t *c, sl_error_t *err) {
  if (!c->in_tx) return sl_error_set(err, SL_EINVAL, -1, "catalog: no transaction is open");
  if (run_simple(c, Q_COMMIT, err, "committing") != 0) {
    /* All or nothing: a commit that fails is rolled back, so the caller's
     * in-memory state and the file never disagree about half a statement. */
    sl_catalog_rollback(c);
    return SL_EIO;
  }
  c->in_tx = false;
  return 0;
}

void sl_catalog_rollback(sl_catalog_t *c) {
  if (!c->in_tx) return;
  sl_error_t ignored;
  sl_error_clear(&ignored);
  /* ROLLBACK fails only when sqlite already rolled back by itself (after
   * some I/O errors); either way no transaction is open afterwards. */
  run_simple(c, Q_ROLLBACK, &ignored, "rolling back");
  c->in_tx = false;
}

/* ---------------- sources ---------------- */

static const char *const ns_names[] = {[SL_NS_KEY] = "KEY",
                                       [SL_NS_VALUE] = "VALUE",
                                       [SL_NS_HEADERS] = "HEADERS",
                                       [SL_NS_HEADER] = "HEADER"};

static const char *const window_names[] = {[SL_WIN_NONE] = NULL,
                                           [SL_WIN_TUMBLING] = "TUMBLING",
                                           [SL_WIN_HOPPING] = "HOPPING",
                                           [SL_WIN_SESSION] = "SESSION"};

static int put_columns(sl_catalog_t *c, const sl_source_t *s, sl_error_t *err) {
  sqlite3_stmt *st = prepare(c, Q_COLUMNS_CLEAR, err);
  if (!st) return SL_EIO;
  bind_text(st, 1, s->name);
  if (run(c, st, err, "replacing columns") != 0) return SL_EIO;
  if (!s->schema) return 0;
  st = prepare(c, Q_COLUMN_PUT, err);
  if (!st) return SL_EIO;
  sl_buf_t type;
  sl_buf_init(&type);
  int rc = 0;
  for (int i = 0; i < s->schema->ncols && rc == 0; i++) {
    const sl_column_t *col = &s->schema->cols[i];
    if ((unsigned)col->ns >= SL_ARRAY_LEN(ns_names) || !col->type) {
      rc = sl_error_set(err, SL_EINVAL, -1, "catalog: column %s of %s has no type", col->name,
                        s->name);
      break;
    }
    sl_buf_reset(&type);
    sl_type_format(col->type, &type);
    sqlite3_bind_text(st, 1, s->name, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, i);
    bind_text(st, 3, col->name);
    sqlite3_bind_text(st, 4, type.data, (int)type.len, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, ns_names[col->ns], -1, SQLITE_STATIC);
    bind_text(st, 6, col->ns == SL_NS_HEADER ? col->header_key : NULL);
    rc = run(c, st, err, "writing a column");
  }
  sl_buf_free(&type);
  return rc;
}

static void bind_opts(sqlite3_stmt *st, int first, const char *format, const sl_serde_opts_t *o,
                      char *delim) {
  bind_text(st, first, format);
  delim[0] = o->delimiter;
  delim[1] = 0;
  if (o->delimiter)
    sqlite3_bind_text(st, first + 1, delim, 1, SQLITE_STATIC);
  else
    sqlite3_bind_null(st, first + 1);
  sqlite3_bind_int(st, first + 2, o->wrap_single);
  sqlite3_bind_int(st, first + 3, o->wrap_explicit);
}

int sl_catalog_put_source(sl_catalog_t *c, const sl_source_t *s, sl_error_t *err) {
  if ((unsigned)s->window_type >= SL_ARRAY_LEN(window_names))
    return sl_error_set(err, SL_EINVAL, -1, "catalog: bad window type for %s", s->name);
  if (put_begin(c, err) != 0) return SL_EIO;
  int rc = SL_EIO;
  sqlite3_stmt *st = prepare(c, Q_SOURCE_PUT, err);
  if (st) {
    char kdelim[2], vdelim[2];
    bind_text(st, 1, s->name);
    sqlite3_bind_text(st, 2, s->is_table ? "TABLE" : "STREAM", -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, s->is_source);
    bind_text(st, 4, s->topic);
    bind_opts(st, 5, s->key_format, &s->key_opts, kdelim);
    bind_opts(st, 9, s->value_format, &s->value_opts, vdelim);
    bind_text(st, 13, s->timestamp_column);
    bind_text(st, 14, s->timestamp_format);
    bind_text(st, 15, window_names[s->window_type]);
    sqlite3_bind_int64(st, 16, s->window_size_ms);
    sqlite3_bind_int(st, 17, s->partitions);
    sqlite3_bind_int(st, 18, s->replicas);
    bind_text(st, 19, s->statement);
    bind_text(st, 20, s->query_id);
    rc = run(c, st, err, "writing a source");
  }
  if (rc == 0) rc = put_columns(c, s, err);
  return put_end(c, rc, err);
}

int sl_catalog_delete_source(sl_catalog_t *c, const char *name, sl_error_t *err) {
  sqlite3_stmt *st = prepare(c, Q_SOURCE_DELETE, err);
  if (!st) return SL_EIO;
  bind_text(st, 1, name);
  if (run(c, st, err, "deleting a source") != 0) return SL_EIO;
  if (sqlite3_changes(c->db) == 0)
    return sl_error_set(err, SL_ENOTFOUND, -1, "catalog: no source named %s", name);
  return 0;
}

static void read_opts(sqlite3_stmt *st, int first, sl_source_t *s, const char **format,
                      sl_serde_opts_t *o) {
  *format = arena_text(&s->arena, st, first);
  const char *d = col_text(st, first + 1);
  o->delimiter = d ? d[0] : 0;
  o->wrap_single = sqlite3_column_int(st, first + 2) != 0;
  o->wrap_explicit = sqlite3_column_int(st, first + 3) != 0;
}

/* Turns stored type text back into a type in the source's arena. The parse
 * tree goes to a scratch arena that the caller resets per column. */
static int load_type(const char *text, sl_source_t *s, const char *colname, sl_arena_t *scratch,
                     const sl_type_t **out, sl_error_t *err) {
  sl_error_t perr;
  sl_error_clear(&perr);
  sl_type_ast_t *ta = NULL;
  if (sl_parse_type(text, scratch, &ta, &perr) != 0 ||
      sl_type_from_ast(ta, &s->arena, NULL, NULL, out, &perr) != 0)
    return sl_error_set(err, SL_EIO, -1,
                        "catalog: column %s of %s has a type that cannot be read back (%s): %s",
                        colname, s->name, text, perr.msg);
  return 0;
}

static int load_columns(sl_catalog_t *c, sl_source_t *s, sl_error_t *err) {
  sqlite3_stmt *st = prepare(c, Q_COLUMNS_LOAD, err);
  if (!st) return SL_EIO;
  sqlite3_bind_text(st, 1, s->name, -1, SQLITE_STATIC);
  sl_arena_t scratch;
  sl_arena_init(&scratch, 4096);
  sl_column_t *cols = NULL;
  int n = 0, cap = 0, rc = 0, step;
  while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
    if (n == cap) {
      cap = cap ? cap * 2 : 8;
      cols = sl_xrealloc(cols, sizeof *cols * (size_t)cap);
    }
    sl_column_t *col = &cols[n++];
    memset(col, 0, sizeof *col);
    col->name = arena_text(&s->arena, st, 0);
    const char *type = col_text(st, 1);
    const char *ns = col_text(st, 2);
    col->header_key = arena_text(&s->arena, st, 3);
    col->ns = SL_NS_VALUE;
    for (int k = 0; k < (int)SL_ARRAY_LEN(ns_names); k++)
      if (ns && strcmp(ns, ns_names[k]) == 0) col->ns = (sl_col_ns_t)k;
    sl_arena_reset(&scratch);
    rc = load_type(type ? type : "", s, col->name ? col->name : "?", &scratch, &col->type, err);
  }
  if (rc == 0 && step != SQLITE_DONE) rc = db_fail(c, err, "reading columns");
  done(st);
  sl_arena_free(&scratch);
  if (rc == 0) {
    sl_schema_t *schema = sl_arena_alloc(&s->arena, sizeof *schema);
    schema->ncols = n;
    if (n) schema->cols = sl_arena_memdup(&s->arena, cols, sizeof *cols * (size_t)n);
    s->schema = schema;
  }
  free(cols);
  return rc;
}

int sl_catalog_load_sources(sl_catalog_t *c, sl_ptrvec_t *out, sl_error_t *err) {
  sqlite3_stmt *st = prepare(c, Q_SOURCES_LOAD, err);
  if (!st) return SL_EIO;
  int first = out->len, rc = 0, step;
  while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
    sl_source_t *s = sl_source_new();
    sl_ptrvec_push(out, s);
    s->name = arena_text(&s->arena, st, 0);
    const char *kind = col_text(st, 1);
    s->is_table = kind && strcmp(kind, "TABLE") == 0;
    s->is_source = sqlite3_column_int(st, 2) != 0;
    s->topic = arena_text(&s->arena, st, 3);
    read_opts(st, 4, s, &s->key_format, &s->key_opts);
    read_opts(st, 8, s, &s->value_format, &s->value_opts);
    s->timestamp_column = arena_text(&s->arena, st, 12);
    s->timestamp_format = arena_text(&s->arena, st, 13);
    const char *win = col_text(st, 14);
    s->window_type = SL_WIN_NONE;
    for (int k = 1; win && k < (int)SL_ARRAY_LEN(window_names); k++)
      if (strcmp(win, window_names[k]) == 0) s->window_type = (sl_window_kind_t)k;
    s->window_size_ms = sqlite3_column_int64(st, 15);
    s->partitions = sqlite3_column_int(st, 16);
    s->replicas = sqlite3_column_int(st, 17);
    s->statement = arena_text(&s->arena, st, 18);
    s->query_id = arena_text(&s->arena, st, 19);
    rc = load_columns(c, s, err);
  }
  if (rc == 0 && step != SQLITE_DONE) rc = db_fail(c, err, "reading sources");
  done(st);
  if (rc != 0) {
    /* Hand back all or nothing, so callers never see half a catalog. */
    for (int i = first; i < out->len; i++) sl_source_free(out->items[i]);
    out->len = first;
  }
  return rc;
}

/* ---------------- queries ---------------- */

int sl_catalog_put_query(sl_catalog_t *c, const sl_query_info_t *q, sl_error_t *err) {
  sqlite3_stmt *st = prepare(c, Q_QUERY_PUT, err);
  if (!st) return SL_EIO;
  bind_text(st, 1, q->id);
  bind_text(st, 2, q->statement);
  bind_text(st, 3, q->sink);
  bind_text(st, 4, q->sources);
  bind_text(st, 5, q->state ? q->state : "RUNNING");
  bind_text(st, 6, q->props_json);
  return run(c, st, err, "writing a query");
}

int sl_catalog_delete_query(sl_catalog_t *c, const char *id, sl_error_t *err) {
  sqlite3_stmt *st = prepare(c, Q_QUERY_DELETE, err);
  if (!st) return SL_EIO;
  bind_text(st, 1, id);
  if (run(c, st, err, "deleting a query") != 0) return SL_EIO;
  if (sqlite3_changes(c->db) == 0)
    return sl_error_set(err, SL_ENOTFOUND, -1, "catalog: no query with id %s", id);
  return 0;
}

int sl_catalog_set_query_state(sl_catalog_t *c, const char *id, const char *state,
                               sl_error_t *err) {
  sqlite3_stmt *st = prepare(c, Q_QUERY_STATE, err);
  if (!st) return SL_EIO;
  bind_text(st, 1, id);
  bind_text(st, 2, state);
  if (run(c, st, err, "updating a query's state") != 0) return SL_EIO;
  if (sqlite3_changes(c->db) == 0)
    return sl_error_set(err, SL_ENOTFOUND, -1, "catalog: no query with id %s", id);
  return 0;
}

int sl_catalog_load_queries(sl_catalog_t *c, sl_ptrvec_t *out, sl_error_t *err) {
  sqlite3_stmt *st = prepare(c, Q_QUERIES_LOAD, err);
  if (!st) return SL_EIO;
  int first = out->len, step;
  while ((step = sqlite3_step(st)) == SQLITE_ROW) {
    sl_query_info_t *q = sl_xcalloc(1, sizeof *q);
    q->id = malloc_text(st, 0);
    q->statement = malloc_text(st, 1);
    q->sink = malloc_text(st, 2);
    q->sources = malloc_text(st, 3);
    q->state = malloc_text(st, 4);
    q->props_json = malloc_text(st, 5);
    sl_ptrvec_push(out, q);
  }
  int rc = step == SQLITE_DONE ? 0 : db_fail(c, err, "reading queries");
  done(st);
  if (rc != 0) {
    for (int i = first; i < out->len; i++) sl_query_info_free(out->items[i]);
    out->len = first;
  }
  return rc;
}

void sl_query_info_free(sl_query_info_t *q) {
  if (!q) return;
  free((char *)q->id);
  free((char *)q->statement);
  free((char *)q->sink);
  free((char *)q->sources);
  free((char *)q->state);
  free((char *)q->props_json);
  free(q);
}

/* ---------------- custom types ---------------- */

int sl_catalog_put_type(sl_catalog_t *c, const char *name, const char *type_sql, sl_error_t *err) {
  sqlite3_stmt *st = prepare(c, Q_TYPE_PUT, err);
  if (!st) return SL_EIO;
  bind_text(st, 1, name);
  bind_text(st, 2, type_sql);
  return run(c, st, err, "writing a type");
}

int sl_catalog_delete_type(sl_catalog_t *c, const char *name, sl_error_t *err) {
  sqlite3_stmt *st = prepare(c, Q_TYPE_DELETE, err);
  if (!st) return SL_EIO;
  bind_text(st, 1, name);
  if (run(c, st, err, "deleting a type") != 0) return SL_EIO;
  if (sqlite3_changes(c->db) == 0)
    return sl_error_set(err, SL_ENOTFOUND, -1, "catalog: no type named %s", name);
  return 0;
}

int sl_catalog_load_types(sl_catalog_t *c, sl_ptrvec_t *names, sl_ptrvec_t *sqls, sl_error_t *err) {
  sqlite3_stmt *st = prepare(c, Q_TYPES_LOAD, err);
  if (!st) return SL_EIO;
  int first = names->len, step;
  while ((step = sqlite3_step(st)) == SQLITE_ROW) {
    sl_ptrvec_push(names, malloc_text(st, 0));
    sl_ptrvec_push(sqls, malloc_text(st, 1));
  }
  int rc = step == SQLITE_DONE ? 0 : db_fail(c, err, "reading types");
  done(st);
  if (rc != 0) {
    for (int i = first; i < names->len; i++) {
      free(names->items[i]);
      free(sqls->items[sqls->len - names->len + i]);
    }
    sqls->len -= names->len - first;
    names->len = first;
  }
  return rc;
}

/* ---------------- command log ---------------- */

int sl_catalog_append_command(sl_catalog_t *c, const char *statement, int64_t *seq,
                              sl_error_t *err) {
  sqlite3_stmt *st = prepare(c, Q_COMMAND_PUT, err);
  if (!st) return SL_EIO;
  bind_text(st, 1, statement);
  sqlite3_bind_int64(st, 2, sl_now_ms());
  if (run(c, st, err, "appending to the command log") != 0) return SL_EIO;
  /* seq is the rowid alias: sqlite picks max + 1, starting at 1. */
  if (seq) *seq = sqlite3_last_insert_rowid(c->db);
  return 0;
}

int64_t sl_catalog_last_command(sl_catalog_t *c) {
  sl_error_t ignored;
  sl_error_clear(&ignored);
  sqlite3_stmt *st = prepare(c, Q_COMMAND_LAST, &ignored);
  if (!st) return -1;
  int64_t seq = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  done(st);
  return seq;
}

/* ---------------- meta ---------------- */

int sl_catalog_set_meta(sl_catalog_t *c, const char *key, const char *value, sl_error_t *err) {
  sqlite3_stmt *st = prepare(c, value ? Q_META_PUT : Q_META_DELETE, err);
  if (!st) return SL_EIO;
  bind_text(st, 1, key);
  if (value) bind_text(st, 2, value);
  return run(c, st, err, "writing a setting");
}

char *sl_catalog_get_meta(sl_catalog_t *c, const char *key) {
  sl_error_t ignored;
  sl_error_clear(&ignored);
  sqlite3_stmt *st = prepare(c, Q_META_GET, &ignored);
  if (!st) return NULL;
  bind_text(st, 1, key);
  char *value = sqlite3_step(st) == SQLITE_ROW ? malloc_text(st, 0) : NULL;
  done(st);
  return value;
}
