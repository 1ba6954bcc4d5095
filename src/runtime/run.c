/*
 * run.c - `sluice run FILE.sql`: headless mode. Runs the statements of a
 * file against Kafka, keeps the persistent queries they start running until
 * SIGTERM or SIGINT, then stops them cleanly (final offset commits) and
 * exits 0. The first failing statement is reported as FILE:line:col with a
 * caret and the process exits 1.
 *
 * Restarts: the engine keeps its catalog in the data directory (default
 * ./sluice-data) and resumes every persistent query from its committed
 * offsets when it opens, so running the same file again must not redo what
 * is already done. sluice run therefore skips
 *   - CREATE STREAM/TABLE [AS SELECT] when the catalog already holds that
 *     name with the same statement (a different one is an error, unless the
 *     statement says OR REPLACE or IF NOT EXISTS);
 *   - CREATE TYPE that fails because the type exists;
 *   - any other statement that changes state (INSERT ... SELECT,
 *     INSERT VALUES, DROP, TERMINATE, ...) that already ran against this
 *     data directory, as recorded in DATA_DIR/run-journal (one normalized
 *     statement per line; a statement written twice in the file runs twice).
 * SET, UNSET, DEFINE and UNDEFINE always run: they are session settings.
 * With the embedded broker (no bootstrap servers) the topics die with the
 * process, so the catalog is kept in memory unless --data-dir is given.
 * Records that cannot be processed are appended, one JSON object per line,
 * to DATA_DIR/processing-log.jsonl (and logged on stderr). docs/running.md
 * says all this for users.
 */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sluice/commands.h"
#include "sluice/engine.h"
#include "sluice/kafka.h"
#include "sluice/parser.h"

typedef struct run_opts {
  const char *file;
  const char *bootstrap;
  const char *data_dir;
  sl_map_t *props;
} run_opts_t;

static void run_usage(FILE *f) {
  fprintf(f,
          "usage: sluice run FILE.sql [--bootstrap HOST:PORT] [--data-dir DIR]\n"
          "                  [--config FILE] [--property NAME=VALUE]... [--verbose]\n"
          "Runs the statements in FILE.sql and keeps the persistent queries running\n"
          "until SIGTERM or SIGINT. DIR (default ./sluice-data) keeps the catalog; run\n"
          "the same file again with the same DIR to resume where it stopped.\n");
}

/* Collapses whitespace outside quotes and drops the final ';' so statements
 * compare equal however they were laid out. */
static char *normalize(const char *s) {
  sl_buf_t b;
  sl_buf_init(&b);
  char quote = 0;
  bool space = false;
  for (; *s; s++) {
    char c = *s;
    if (quote) {
      sl_buf_putc(&b, c);
      if (c == quote) quote = 0;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = b.len > 0;
      continue;
    }
    if (space) sl_buf_putc(&b, ' ');
    space = false;
    if (c == '\'' || c == '"' || c == '`') quote = c;
    sl_buf_putc(&b, c);
  }
  while (b.len > 0 && (b.data[b.len - 1] == ';' || b.data[b.len - 1] == ' ')) b.data[--b.len] = 0;
  if (!b.data) sl_buf_puts(&b, "");
  return sl_buf_steal(&b);
}

/* ---- the run journal: statements already executed against a data dir ---- */

typedef struct journal {
  char *path;       /* NULL: no data dir, nothing to remember */
  sl_map_t *counts; /* normalized statement -> times it ran (intptr_t) */
} journal_t;

static void journal_open(journal_t *j, const char *data_dir) {
  j->path = NULL;
  j->counts = sl_map_new(false);
  if (!data_dir) return;
  sl_buf_t p;
  sl_buf_init(&p);
  sl_buf_printf(&p, "%s/run-journal", data_dir);
  j->path = sl_buf_steal(&p);
  FILE *f = fopen(j->path, "r");
  if (!f) return;
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  while ((n = getline(&line, &cap, f)) > 0) {
    if (line[n - 1] == '\n') line[--n] = 0;
    if (!n) continue;
    intptr_t c = (intptr_t)sl_map_get(j->counts, line);
    sl_map_put(j->counts, line, (void *)(c + 1));
  }
  free(line);
  fclose(f);
}

/* True (and forgets one occurrence) when the statement already ran. */
static bool journal_take(journal_t *j, const char *norm) {
  intptr_t c = (intptr_t)sl_map_get(j->counts, norm);
  if (c <= 0) return false;
  sl_map_put(j->counts, norm, (void *)(c - 1));
  return true;
}

static void journal_add(journal_t *j, const char *norm) {
  if (!j->path) return;
  FILE *f = fopen(j->path, "a");
  if (!f) {
    SL_WARN("cannot write %s: %s", j->path, strerror(errno));
    return;
  }
  fprintf(f, "%s\n", norm);
  fclose(f);
}

static void journal_close(journal_t *j) {
  free(j->path);
  sl_map_free(j->counts);
}

/* ---- executing the file ---- */

static void print_entities(json_t *entities) {
  size_t i;
  json_t *ent;
  json_array_foreach(entities, i, ent) {
    json_t *st = json_object_get(ent, "commandStatus");
    const char *msg = json_string_value(json_object_get(st, "message"));
    if (msg) printf("%s\n", msg);
  }
  fflush(stdout);
}

static void report_error(const char *file, const char *text, int stmt_off, const char *stmt_text,
                         const sl_error_t *err) {
  char out[4096];
  sl_error_t e = *err;
  if (e.offset >= 0 && stmt_off >= 0) {
    e.offset += stmt_off;
    sl_error_format(&e, text, out, sizeof(out));
  } else if (e.offset >= 0) {
    sl_error_format(&e, stmt_text, out, sizeof(out));
  } else {
    int line, col;
    sl_text_position(text, stmt_off >= 0 ? stmt_off : 0, &line, &col);
    snprintf(out, sizeof(out), "line %d:%d: %s", line, col, e.msg);
  }
  fprintf(stderr, "sluice: %s: %s\n", file, out);
  if (e.hint[0]) fprintf(stderr, "hint: %s\n", e.hint);
}

typedef enum { DO_RUN, DO_SKIP, DO_FAIL } decision_t;

/* Decides whether a statement should run given what the data dir holds. */
static decision_t decide(sl_engine_t *e, journal_t *j, const sl_stmt_t *st, const char *norm,
                         const char **why) {
  switch (st->kind) {
    case SL_ST_SET:
    case SL_ST_UNSET:
    case SL_ST_DEFINE:
    case SL_ST_UNDEFINE:
    case SL_ST_CREATE_TYPE:
    case SL_ST_SELECT:
    case SL_ST_SHOW:
    case SL_ST_DESCRIBE:
    case SL_ST_DESCRIBE_FUNCTION:
    case SL_ST_EXPLAIN:
    case SL_ST_PRINT:
    case SL_ST_ASSERT: return DO_RUN;
    case SL_ST_CREATE_SOURCE:
    case SL_ST_CREATE_AS_SELECT: {
      const sl_source_t *s = st->name.name ? sl_engine_find_source(e, st->name.name) : NULL;
      if (!s) return DO_RUN;
      char *old = normalize(s->statement ? s->statement : "");
      bool same = !strcmp(old, norm);
      free(old);
      if (same) {
        *why = "already exists in the data directory";
        return DO_SKIP;
      }
      if (st->or_replace || st->if_not_exists) return DO_RUN;
      *why =
          "already exists in the data directory with a different definition; "
          "use OR REPLACE, DROP it, or start with a new --data-dir";
      return DO_FAIL;
    }
    default:
      if (journal_take(j, norm)) {
        *why = "already ran against this data directory";
        return DO_SKIP;
      }
      return DO_RUN;
  }
}

/* Finds where a split statement starts in the file (or -1). */
static int locate(const char *text, const char *stmt, int *cursor) {
  const char *p = strstr(text + *cursor, stmt);
  if (!p) {
    /* The splitter may have trimmed the ';': look for the body alone. */
    size_t n = strlen(stmt);
    if (n > 1 && stmt[n - 1] == ';') {
      char *body = sl_strdup(stmt);
      body[n - 1] = 0;
      p = strstr(text + *cursor, body);
      free(body);
    }
  }
  if (!p) return -1;
  *cursor = (int)(p - text) + (int)strlen(stmt) - 1;
  return (int)(p - text);
}

static int execute_file(sl_engine_t *e, const run_opts_t *o, const char *text, bool restarted,
                        journal_t *j) {
  sl_arena_t a;
  sl_arena_init(&a, 16384);
  sl_list_t stmts = {0};
  sl_error_t err;
  sl_error_clear(&err);
  int rc = sl_split_statements(text, &a, &stmts, &err);
  if (rc) {
    report_error(o->file, text, 0, text, &err);
    sl_arena_free(&a);
    return rc;
  }
  sl_session_t session;
  sl_session_init(&session);
  int cursor = 0;
  for (int i = 0; i < stmts.len && rc == 0; i++) {
    const char *raw = stmts.items[i];
    int off = locate(text, raw, &cursor);
    /* Classify the statement as it will run: with variables substituted. */
    const char *subst = sl_substitute_vars(raw, session.vars, &a);
    char *norm = normalize(subst);
    sl_list_t parsed = {0};
    sl_error_clear(&err);
    decision_t d = DO_RUN;
    const char *why = NULL;
    sl_stmt_kind_t kind = SL_ST_SET;
    if (sl_parse(subst, &a, &parsed, &err) == 0 && parsed.len == 1) {
      const sl_stmt_t *st = parsed.items[0];
      kind = st->kind;
      d = decide(e, j, st, norm, &why);
    }
    if (d == DO_SKIP) {
      int line = 0, col = 0;
      sl_text_position(text, off >= 0 ? off : 0, &line, &col);
      fprintf(stderr, "sluice: %s:%d: skipped: %s\n", o->file, line, why);
      free(norm);
      continue;
    }
    if (d == DO_FAIL) {
      sl_error_clear(&err);
      sl_error_set(&err, SL_EEXISTS, -1, "%s", why);
      report_error(o->file, text, off, raw, &err);
      free(norm);
      rc = SL_EEXISTS;
      break;
    }
    sl_exec_result_t res = {0};
    sl_error_clear(&err);
    rc = sl_engine_execute(e, raw, &session, &res, &err);
    if (rc == 0) {
      print_entities(res.entities);
      if (kind != SL_ST_SET && kind != SL_ST_UNSET && kind != SL_ST_DEFINE &&
          kind != SL_ST_UNDEFINE && kind != SL_ST_CREATE_SOURCE && kind != SL_ST_CREATE_AS_SELECT &&
          kind != SL_ST_CREATE_TYPE)
        journal_add(j, norm);
    } else if (rc == SL_EEXISTS && restarted && kind == SL_ST_CREATE_TYPE) {
      int line = 0, col = 0;
      sl_text_position(text, off >= 0 ? off : 0, &line, &col);
      fprintf(stderr, "sluice: %s:%d: skipped: type already exists\n", o->file, line);
      rc = 0;
    } else {
      report_error(o->file, text, off, raw, &err);
    }
    sl_exec_result_free(&res);
    free(norm);
  }
  sl_session_free(&session);
  sl_arena_free(&a);
  return rc;
}

/* ---- waiting for the end ---- */

static void report_failed_queries(sl_engine_t *e, sl_topic_driver_t *drv, sl_map_t *reported) {
  int n = sl_engine_query_count(e);
  for (int i = 0; i < n; i++) {
    const char *id = sl_query_id(sl_engine_query_at(e, i));
    char msg[512];
    const char *state = sl_kafka_query_state(drv, id, msg, sizeof(msg));
    if (state && !strcmp(state, "ERROR") && !sl_map_has(reported, id)) {
      fprintf(stderr, "sluice: query %s is in ERROR: %s\n", id, msg);
      sl_map_put(reported, id, NULL);
    }
  }
}

static int wait_for_signal(sl_engine_t *e, sl_topic_driver_t *drv, const sigset_t *set) {
  sl_map_t *reported = sl_map_new(false);
  int sig = 0;
  while (sig <= 0) {
    struct timespec ts = {1, 0};
    sig = sigtimedwait(set, NULL, &ts);
    if (sig < 0 && errno != EAGAIN && errno != EINTR) break;
    report_failed_queries(e, drv, reported);
  }
  sl_map_free(reported);
  return sig;
}

static int parse_args(int argc, char **argv, run_opts_t *o, sl_error_t *err) {
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--bootstrap") || !strcmp(a, "--data-dir") || !strcmp(a, "--config") ||
        !strcmp(a, "--property") || !strcmp(a, "-p")) {
      if (!v) return sl_error_set(err, SL_EINVAL, -1, "%s needs a value", a);
      i++;
      if (!strcmp(a, "--bootstrap"))
        o->bootstrap = v;
      else if (!strcmp(a, "--data-dir"))
        o->data_dir = v;
      else if (!strcmp(a, "--config")) {
        int rc = sl_props_load_file(o->props, v, err);
        if (rc) return rc;
      } else {
        int rc = sl_props_put_arg(o->props, v, err);
        if (rc) return rc;
      }
    } else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
      sl_log_set_level(SL_LOG_DEBUG);
    } else if (a[0] == '-') {
      return sl_error_set(err, SL_EINVAL, -1, "unknown option %s", a);
    } else if (!o->file) {
      o->file = a;
    } else {
      return sl_error_set(err, SL_EINVAL, -1, "unexpected argument %s", a);
    }
  }
  if (!o->file) return sl_error_set(err, SL_EINVAL, -1, "no SQL file given");
  if (!o->bootstrap) o->bootstrap = sl_map_get(o->props, "bootstrap.servers");
  if (!o->bootstrap) o->bootstrap = sl_map_get(o->props, "ksql.streams.bootstrap.servers");
  return 0;
}

int sl_cmd_run(int argc, char **argv) {
  for (int i = 0; i < argc; i++)
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      run_usage(stdout);
      return 0;
    }
  /* Block the stop signals before any thread exists so every thread
   * inherits the mask and only sigtimedwait below receives them. */
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  signal(SIGPIPE, SIG_IGN);

  run_opts_t o = {.props = sl_map_new(false)};
  sl_error_t err;
  sl_error_clear(&err);
  int rc = parse_args(argc, argv, &o, &err);
  if (rc) {
    fprintf(stderr, "sluice run: %s\n", err.msg);
    run_usage(stderr);
    sl_props_free(o.props);
    return 2;
  }
  char *text = NULL;
  size_t len = 0;
  if (sl_read_file(o.file, &text, &len, &err)) {
    fprintf(stderr, "sluice run: %s\n", err.msg);
    sl_props_free(o.props);
    return 1;
  }
  sl_kafka_host_t host;
  if (sl_kafka_host_start(&host, o.bootstrap, o.props, &err)) {
    fprintf(stderr, "sluice run: %s\n", err.msg);
    free(text);
    sl_props_free(o.props);
    return 1;
  }
  const char *data_dir = o.data_dir ? o.data_dir : host.mock ? NULL : "./sluice-data";
  if (data_dir && mkdir(data_dir, 0755) != 0 && errno != EEXIST) {
    fprintf(stderr, "sluice run: cannot create %s: %s\n", data_dir, strerror(errno));
    rc = 1;
  }
  if (!rc && data_dir) {
    /* Bad records: one JSON object per line, next to the catalog. */
    sl_buf_t path;
    sl_buf_init(&path);
    sl_buf_printf(&path, "%s/processing-log.jsonl", data_dir);
    sl_plog_set_file(path.data);
    sl_buf_free(&path);
  }
  sl_engine_t *e = NULL;
  if (!rc) {
    sl_engine_config_t cfg = {
        .data_dir = data_dir,
        .driver = host.driver,
        .props = o.props,
        .service_id = sl_map_get(o.props, "ksql.service.id"),
        .start_queries = true,
    };
    if (sl_engine_open(&cfg, &e, &err)) {
      fprintf(stderr, "sluice run: cannot open the engine: %s\n", err.msg);
      rc = 1;
    }
  }
  if (!rc) {
    bool restarted = sl_engine_source_count(e) > 0 || sl_engine_query_count(e) > 0;
    if (restarted)
      fprintf(stderr, "sluice: resuming %d persistent queries from %s\n", sl_engine_query_count(e),
              data_dir);
    journal_t j;
    journal_open(&j, data_dir);
    if (execute_file(e, &o, text, restarted, &j)) rc = 1;
    journal_close(&j);
  }
  if (!rc && sl_engine_query_count(e) > 0) {
    fprintf(stderr, "sluice: %d persistent queries running; SIGTERM or Ctrl-C stops them\n",
            sl_engine_query_count(e));
    int sig = wait_for_signal(e, host.driver, &set);
    fprintf(stderr, "sluice: %s received, stopping queries\n",
            sig == SIGINT    ? "SIGINT"
            : sig == SIGTERM ? "SIGTERM"
                             : "signal");
  }
  /* Closing the engine stops every query: final flush and offset commit. */
  sl_engine_close(e);
  sl_plog_set_file(NULL);
  sl_kafka_host_stop(&host);
  free(text);
  sl_props_free(o.props);
  return rc;
}
