/*
 * shell.c - `sluice shell [URL]`: the interactive client of a sluice (or
 * ksqlDB) server, modelled on ksqlDB's CLI. Lines are read with libedit
 * (history in ~/.sluice_history, emacs keys) and gathered until a ';' ends
 * a statement; each statement then goes on its own to the server, so an
 * error's line:column names a place in what the user typed. SELECTs stream
 * through /query-stream and stop at Ctrl-C, PRINT through /query, the rest
 * through /ksql. SET/UNSET and DEFINE/UNDEFINE stay in the shell and ride
 * along with every request as streamsProperties and sessionVariables, as
 * ksqlDB's CLI does; RUN SCRIPT, -f and -e feed the same path. Without a
 * terminal (pipes) the same loop runs without prompts or history.
 */
#include <ctype.h>
#include <errno.h>
#include <histedit.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "cli_int.h"
#include "sluice/commands.h"
#include "sluice/engine.h"
#include "sluice/kafka.h"
#include "sluice/parser.h"

#define DEFAULT_URL "http://localhost:8088"
#define MAX_SCRIPT_DEPTH 16

typedef struct shell {
  sl_cli_conn_t conn;   /* the server */
  sl_cli_output_t mode; /* OUTPUT TABULAR | JSON */
  sl_session_t session; /* SET properties and DEFINE variables, client-side */
  int64_t command_seq;  /* last commandSequenceNumber seen, sent back as ksqlDB's CLI does */
  bool interactive;     /* reading a terminal: prompts, history, banner */
  bool quit;            /* exit was asked for */
  int depth;            /* RUN SCRIPT nesting */
  bool continuation;    /* the next prompt continues a statement */
  EditLine *el;         /* libedit, interactive only */
  History *hist;        /* its history */
  char *history_path;   /* where history is kept, or NULL */
  char *server_version; /* from /info */
} shell_t;

static volatile sig_atomic_t resized;

static void on_sigint(int sig) {
  (void)sig;
  sl_cli_interrupted = 1;
}

static void on_sigwinch(int sig) {
  (void)sig;
  resized = 1;
}

/* ---------------- output ---------------- */

/* The terminal's width, or 0 (no limit) when output is not a terminal and
 * COLUMNS does not say. */
static int term_width(void) {
  struct winsize ws;
  if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
    return ws.ws_col;
  const char *cols = getenv("COLUMNS");
  return cols && atoi(cols) > 0 ? atoi(cols) : 0;
}

static bool output_closed; /* stdout's reader went away (e.g. `| head`) */

static void flush_buf(sl_buf_t *b) {
  if (b->len) fwrite(b->data, 1, b->len, stdout);
  if (fflush(stdout) != 0 && errno == EPIPE) {
    /* Nobody reads what a push query would print: stop it as Ctrl-C would. */
    output_closed = true;
    sl_cli_interrupted = 1;
  }
  sl_buf_reset(b);
}

static void print_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void print_error(const char *fmt, ...) {
  fflush(stdout);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  fflush(stderr);
}

static void print_error_buf(sl_buf_t *b) {
  fflush(stdout);
  if (b->len) fwrite(b->data, 1, b->len, stderr);
  fflush(stderr);
  sl_buf_reset(b);
}

/* ---------------- requests ---------------- */

static json_t *map_json(const sl_map_t *m) {
  json_t *o = json_object();
  int it = 0;
  const char *k;
  void *v;
  while (m && sl_map_next(m, &it, &k, &v)) json_object_set_new(o, k, json_string(v));
  return o;
}

/* Explains a response that is not what was hoped for; returns -1. */
static int report_failure(shell_t *sh, const sl_cli_response_t *r, const char *stmt) {
  if (r->status == 0) {
    if (!strcmp(r->error, "interrupted"))
      print_error("Request interrupted.");
    else
      print_error("Could not reach the server at %s: %s", sh->conn.url, r->error);
    return -1;
  }
  if (r->status == 401) {
    print_error("The server at %s needs a user and password (sluice shell -u USER -p PASSWORD).",
                sh->conn.url);
    return -1;
  }
  sl_buf_t b;
  sl_buf_init(&b);
  if (json_is_object(r->body)) {
    sl_cli_render_error_body(r->body, stmt, sh->mode, &b);
  } else {
    const char *t = r->text && *r->text ? r->text : r->error;
    sl_buf_printf(&b, "The server answered HTTP %ld: %s\n", r->status, t);
  }
  print_error_buf(&b);
  sl_buf_free(&b);
  return -1;
}

static int run_ksql(shell_t *sh, const char *stmt, const char *shown) {
  json_t *req =
      json_pack("{s:s, s:o, s:o}", "ksql", stmt, "streamsProperties", map_json(sh->session.props),
                "sessionVariables", map_json(sh->session.vars));
  if (sh->command_seq > 0)
    json_object_set_new(req, "commandSequenceNumber", json_integer(sh->command_seq));
  sl_cli_response_t r;
  int rc = sl_cli_post(&sh->conn, "/ksql", req, &r);
  json_decref(req);
  if (rc == 0 && r.status == 200 && json_is_array(r.body)) {
    sl_buf_t b;
    sl_buf_init(&b);
    size_t i;
    json_t *e;
    json_array_foreach(r.body, i, e) {
      json_t *seq = json_object_get(e, "commandSequenceNumber");
      if (json_is_integer(seq) && json_integer_value(seq) > sh->command_seq)
        sh->command_seq = json_integer_value(seq);
      sl_cli_render_entity(e, sh->mode, term_width(), &b);
    }
    flush_buf(&b);
    sl_buf_free(&b);
  } else {
    rc = report_failure(sh, &r, shown);
  }
  sl_cli_response_free(&r);
  return rc;
}

/* What a SELECT's stream tells the shell, line by line. */
typedef struct query_ctx {
  shell_t *sh;
  sl_cli_qview_t view;
  sl_buf_t out;
  char *query_id; /* from the header, for /close-query */
  json_t *error;  /* an error object that arrived in the stream */
  bool raw;       /* PRINT: lines are shown as they are */
  bool hint;      /* say how to stop, once the query is known to run */
} query_ctx_t;

static int on_query_line(void *ud, const char *line, size_t len) {
  query_ctx_t *q = ud;
  if (q->raw) {
    /* PRINT through /query: text lines, with blank keep-alive lines. */
    if (len) {
      sl_buf_append(&q->out, line, len);
      sl_buf_putc(&q->out, '\n');
      flush_buf(&q->out);
    }
    return 0;
  }
  while (len && (line[0] == ' ' || line[0] == '\t')) line++, len--;
  while (len && (line[len - 1] == ' ' || line[len - 1] == '\t')) len--;
  if (!len) return 0; /* keep-alive */
  /* Delimited rows are one JSON value a line. The application/json framing
   * wraps them in one array, an element a line ("[{header},", "[row],",
   * "[row]]"): when a line does not parse, its punctuation is peeled off. */
  json_t *v = json_loadb(line, len, JSON_DECODE_ANY, NULL);
  if (!v && line[len - 1] == ',') v = json_loadb(line, --len, JSON_DECODE_ANY, NULL);
  if (!v && len > 1 && line[0] == '[') v = json_loadb(line + 1, len - 1, JSON_DECODE_ANY, NULL);
  if (!v && len > 1 && line[len - 1] == ']') v = json_loadb(line, len - 1, JSON_DECODE_ANY, NULL);
  if (!v && len == 1 && (line[0] == ']' || line[0] == '[')) return 0;
  if (!v) {
    sl_buf_append(&q->out, line, len);
    sl_buf_putc(&q->out, '\n');
    flush_buf(&q->out);
    return 0;
  }
  if (json_is_array(v)) {
    sl_cli_qview_row(&q->view, v, &q->out);
  } else if (json_is_object(v) && json_object_get(v, "columnNames")) {
    const char *id = json_string_value(json_object_get(v, "queryId"));
    if (id && !q->query_id) q->query_id = sl_strdup(id);
    if (q->hint && !q->view.have_header) sl_buf_puts(&q->out, "Press CTRL-C to interrupt\n");
    sl_cli_qview_header(&q->view, v, &q->out);
  } else if (json_is_object(v) && json_is_object(json_object_get(v, "row"))) {
    /* The /query framing: {"row": {"columns": [...]}}. */
    sl_cli_qview_row(&q->view, json_object_get(json_object_get(v, "row"), "columns"), &q->out);
  } else if (json_is_object(v) && json_object_get(v, "header")) {
    const char *id = json_string_value(json_object_get(json_object_get(v, "header"), "queryId"));
    if (id && !q->query_id) q->query_id = sl_strdup(id);
  } else if (json_is_object(v) && json_is_object(json_object_get(v, "errorMessage"))) {
    /* The /query framing wraps its error: {"errorMessage": {...}}. */
    if (!q->error) q->error = json_incref(json_object_get(v, "errorMessage"));
  } else if (json_is_object(v) &&
             (json_object_get(v, "error_code") || json_object_get(v, "@type"))) {
    if (!q->error) q->error = json_incref(v);
  }
  json_decref(v);
  flush_buf(&q->out);
  return 0;
}

static void close_query(shell_t *sh, const char *id) {
  if (!id) return;
  json_t *req = json_pack("{s:s}", "queryId", id);
  sl_cli_response_t r;
  sig_atomic_t was = sl_cli_interrupted;
  sl_cli_interrupted = 0; /* the close must not be interrupted by the Ctrl-C that asked for it */
  sl_cli_post(&sh->conn, "/close-query", req, &r);
  sl_cli_interrupted = was;
  sl_cli_response_free(&r);
  json_decref(req);
}

static int run_query(shell_t *sh, const char *stmt, const char *shown, bool push, bool print) {
  query_ctx_t q = {.sh = sh, .raw = print};
  sl_buf_init(&q.out);
  sl_cli_qview_init(&q.view, sh->mode, term_width(), !push);
  json_t *req;
  const char *path, *accept;
  if (print) {
    req = json_pack("{s:s, s:o, s:o}", "ksql", stmt, "streamsProperties",
                    map_json(sh->session.props), "sessionVariables", map_json(sh->session.vars));
    path = "/query";
    accept = "application/vnd.ksql.v1+json";
  } else {
    req = json_pack("{s:s, s:o, s:o}", "sql", stmt, "properties", map_json(sh->session.props),
                    "sessionVariables", map_json(sh->session.vars));
    path = "/query-stream";
    accept = "application/vnd.ksqlapi.delimited.v1";
  }
  q.hint = push && sh->interactive && !print && sh->mode == SL_CLI_TABULAR;
  /* While rows stream, keystrokes are not echoed: a "^C" or typed-ahead text
   * would land in the middle of the table. What is typed waits in the
   * terminal and shows at the next prompt. */
  struct termios saved;
  bool quiet = sh->interactive && tcgetattr(STDIN_FILENO, &saved) == 0;
  if (quiet) {
    struct termios t = saved;
    t.c_lflag &= ~(tcflag_t)(ECHO | ECHOCTL);
    tcsetattr(STDIN_FILENO, TCSANOW, &t);
  }
  sl_cli_response_t r;
  int rc = sl_cli_stream(&sh->conn, path, req, accept, on_query_line, &q, &r);
  if (quiet) tcsetattr(STDIN_FILENO, TCSANOW, &saved);
  json_decref(req);
  if (rc == 1 || (rc == 0 && r.status < 400)) {
    bool stopped = rc == 1;
    if (stopped) close_query(sh, q.query_id);
    sl_cli_qview_end(&q.view,
                     print || q.error    ? NULL
                     : (push || stopped) ? "Query terminated"
                                         : NULL,
                     &q.out);
    flush_buf(&q.out);
    rc = 0;
    if (q.error) {
      sl_buf_t b;
      sl_buf_init(&b);
      sl_cli_render_error_body(q.error, shown, sh->mode, &b);
      print_error_buf(&b);
      sl_buf_free(&b);
      rc = -1;
    } else if (!stopped && r.error[0]) {
      print_error("The query stream broke: %s", r.error);
      rc = -1;
    }
    /* At a prompt the Ctrl-C is handled: back to it. A script stops. */
    if (stopped && sh->interactive && !output_closed) sl_cli_interrupted = 0;
  } else {
    rc = report_failure(sh, &r, shown);
  }
  sl_cli_response_free(&r);
  sl_cli_qview_free(&q.view);
  sl_buf_free(&q.out);
  free(q.query_id);
  json_decref(q.error);
  return rc;
}

/* ---------------- /info and the banner ---------------- */

/* Asks /info for the server's version. Failures are always explained;
 * show adds the "CLI v..., Server v..." lines on success. */
static int fetch_info(shell_t *sh, bool show) {
  sl_cli_response_t r;
  int rc = sl_cli_get(&sh->conn, "/info", &r);
  free(sh->server_version);
  sh->server_version = NULL;
  if (rc != 0) {
    print_error(
        "Could not reach a sluice server at %s: %s\n"
        "Start one with `sluice serve`, or give its address: sluice shell "
        "http://HOST:8088 (or use the `server URL` command).",
        sh->conn.url, r.error);
    sl_cli_response_free(&r);
    return -1;
  }
  if (r.status != 200) {
    if (r.status == 401)
      print_error(
          "The server at %s refused the credentials (HTTP 401): pass -u USER and "
          "-p PASSWORD.",
          sh->conn.url);
    else
      print_error("The server at %s answered HTTP %ld on /info: is it a sluice server?",
                  sh->conn.url, r.status);
    sl_cli_response_free(&r);
    return -1;
  }
  json_t *info = json_object_get(r.body, "KsqlServerInfo");
  const char *v = json_string_value(json_object_get(info, "version"));
  sh->server_version = sl_strdup(v ? v : "unknown");
  const char *status = json_string_value(json_object_get(info, "serverStatus"));
  if (show) {
    printf("CLI v%s, Server v%s located at %s\n", SLUICE_VERSION, sh->server_version, sh->conn.url);
    printf("Server Status: %s\n", status ? status : "RUNNING");
  }
  sl_cli_response_free(&r);
  return 0;
}

static void banner(shell_t *sh) {
  fputs(
      "\n"
      "                  ===========================================\n"
      "                  =         s   l   u   i   c   e         =\n"
      "                  =   streaming SQL in the ksqlDB dialect   =\n"
      "                  ===========================================\n"
      "\n",
      stdout);
  if (fetch_info(sh, true) == 0)
    fputs(
        "\nHaving trouble? Type 'help' (case-insensitive) for a rundown of how things "
        "work!\n\n",
        stdout);
  else
    fputs("\n", stdout);
  fflush(stdout);
}

/* ---------------- local commands ---------------- */

static void help(void) {
  fputs(
      "\n"
      "Statements end with a semicolon and may span several lines. Those sent to the\n"
      "server: CREATE / DROP STREAM|TABLE|TYPE, INSERT, TERMINATE, SHOW / LIST ...,\n"
      "DESCRIBE, EXPLAIN, PRINT 'topic' and SELECT (push queries stream until\n"
      "CTRL-C or their LIMIT; pull queries print a table).\n"
      "\n"
      "Handled by the shell itself:\n"
      "  SET 'property' = 'value';     a property sent with every request\n"
      "  UNSET 'property';             forget it\n"
      "  DEFINE name = 'value';        a variable: ${name} in later statements\n"
      "  UNDEFINE name;                forget it\n"
      "  SHOW VARIABLES;               the variables defined so far\n"
      "  RUN SCRIPT 'file.sql';        run the statements of a file\n"
      "\n"
      "Shell commands (no semicolon needed):\n"
      "  help                this text\n"
      "  output [JSON|TABULAR]  show or change the output format\n"
      "  server [URL]        show or change the server\n"
      "  history             the statements entered so far\n"
      "  clear               clear the screen\n"
      "  version             the shell's and the server's versions\n"
      "  exit, quit          leave (CTRL-D does too)\n"
      "\n",
      stdout);
  fflush(stdout);
}

static void show_history(shell_t *sh) {
  if (!sh->hist) {
    puts("No history (not a terminal).");
    return;
  }
  HistEvent ev;
  int n = 0;
  for (int rc = history(sh->hist, &ev, H_LAST); rc != -1; rc = history(sh->hist, &ev, H_PREV))
    printf("%5d  %.*s\n", ++n, (int)strcspn(ev.str, "\n"), ev.str);
  fflush(stdout);
}

/* Runs a shell command; returns 0 or -1 (a failure for -e/-f exit codes). */
static int run_command(shell_t *sh, sl_cli_cmd_t cmd, const char *arg) {
  switch (cmd) {
    case SL_CLI_CMD_HELP: help(); return 0;
    case SL_CLI_CMD_EXIT: sh->quit = true; return 0;
    case SL_CLI_CMD_HISTORY: show_history(sh); return 0;
    case SL_CLI_CMD_CLEAR:
      fputs("\033[H\033[2J", stdout);
      fflush(stdout);
      return 0;
    case SL_CLI_CMD_VERSION:
      printf("CLI v%s, Server v%s located at %s\n", SLUICE_VERSION,
             sh->server_version ? sh->server_version : "unknown", sh->conn.url);
      return 0;
    case SL_CLI_CMD_OUTPUT:
      if (!arg) {
        printf("Output format: %s\n", sh->mode == SL_CLI_JSON ? "JSON" : "TABULAR");
      } else if (sl_streq_ci(arg, "JSON")) {
        sh->mode = SL_CLI_JSON;
        puts("Output format set to JSON");
      } else if (sl_streq_ci(arg, "TABULAR")) {
        sh->mode = SL_CLI_TABULAR;
        puts("Output format set to TABULAR");
      } else {
        print_error("Unknown output format '%s': use JSON or TABULAR.", arg);
        return -1;
      }
      fflush(stdout);
      return 0;
    case SL_CLI_CMD_SERVER:
      if (!arg) {
        printf("Current server: %s\n", sh->conn.url);
        fflush(stdout);
        return 0;
      }
      sl_cli_conn_set_url(&sh->conn, arg);
      printf("Server now: %s\n", sh->conn.url);
      fflush(stdout);
      return fetch_info(sh, true);
    case SL_CLI_CMD_NONE: break;
  }
  return 0;
}

static int run_text(shell_t *sh, const char *text);

static int run_script(shell_t *sh, const char *path) {
  if (sh->depth >= MAX_SCRIPT_DEPTH) {
    print_error("RUN SCRIPT nests deeper than %d scripts: stopping at '%s'.", MAX_SCRIPT_DEPTH,
                path);
    return -1;
  }
  char *text;
  size_t len;
  sl_error_t err;
  sl_error_clear(&err);
  if (sl_read_file(path, &text, &len, &err)) {
    print_error("Cannot run script '%s': %s", path, err.msg);
    return -1;
  }
  sh->depth++;
  int rc = run_text(sh, text);
  sh->depth--;
  free(text);
  return rc;
}

static void print_variables(shell_t *sh) {
  json_t *arr = json_array();
  int it = 0;
  const char *k;
  void *v;
  while (sl_map_next(sh->session.vars, &it, &k, &v))
    json_array_append_new(arr, json_pack("{s:s, s:s}", "name", k, "value", (const char *)v));
  json_t *e = json_pack("{s:s, s:s, s:o, s:[]}", "@type", "variables", "statementText",
                        "SHOW VARIABLES;", "variables", arr, "warnings");
  sl_buf_t b;
  sl_buf_init(&b);
  sl_cli_render_entity(e, sh->mode, term_width(), &b);
  flush_buf(&b);
  sl_buf_free(&b);
  json_decref(e);
}

/* The first word of a statement, upper-cased, for when the local parser
 * cannot tell what it is (the server will then explain what is wrong). */
static bool first_word_is(const char *stmt, const char *word) {
  while (*stmt == ' ' || *stmt == '\t' || *stmt == '\n' || *stmt == '\r' || *stmt == '(') stmt++;
  size_t n = strlen(word);
  return !strncasecmp(stmt, word, n) && !(stmt[n] == '_' || isalnum((unsigned char)stmt[n]));
}

/* One statement, as split from the input (ends with ';'). */
static int run_statement(shell_t *sh, const char *stmt) {
  char *arg = NULL;
  sl_cli_cmd_t cmd = sl_cli_local_command(stmt, &arg);
  if (cmd != SL_CLI_CMD_NONE) {
    int rc = run_command(sh, cmd, arg);
    free(arg);
    return rc;
  }
  sl_arena_t a;
  sl_arena_init(&a, 4096);
  /* Positions in the server's errors count in the statement after variable
   * substitution, so that is the text the caret is drawn against. */
  const char *shown =
      sl_map_count(sh->session.vars) ? sl_substitute_vars(stmt, sh->session.vars, &a) : stmt;
  sl_list_t stmts = {0};
  sl_error_t err;
  sl_error_clear(&err);
  const sl_stmt_t *st = NULL;
  if (sl_parse(shown, &a, &stmts, &err) == 0 && stmts.len == 1) st = stmts.items[0];
  int rc = 0;
  if (st && st->kind == SL_ST_SET) {
    const char *name = st->str_name ? st->str_name : st->name.name;
    const char *value = st->str_value ? st->str_value : "";
    free(sl_map_remove(sh->session.props, name));
    sl_map_put(sh->session.props, name, sl_strdup(value));
    printf(
        "Successfully changed local property '%s' to '%s'. Use the UNSET command to revert "
        "your change.\n",
        name, value);
  } else if (st && st->kind == SL_ST_UNSET) {
    const char *name = st->str_name ? st->str_name : st->name.name;
    char *old = sl_map_remove(sh->session.props, name);
    if (old)
      printf("Successfully unset local property '%s' (value was '%s').\n", name, old);
    else
      printf("WARNING: Cannot unset local property '%s' which was never set.\n", name);
    free(old);
  } else if (st && st->kind == SL_ST_DEFINE) {
    free(sl_map_remove(sh->session.vars, st->name.name));
    sl_map_put(sh->session.vars, st->name.name, sl_strdup(st->str_value ? st->str_value : ""));
  } else if (st && st->kind == SL_ST_UNDEFINE) {
    char *old = sl_map_remove(sh->session.vars, st->name.name);
    if (!old)
      printf("WARNING: Cannot undefine variable '%s' which was never defined\n", st->name.name);
    free(old);
  } else if (st && st->kind == SL_ST_SHOW && st->show == SL_SHOW_VARIABLES) {
    print_variables(sh);
  } else if (st && st->kind == SL_ST_RUN_SCRIPT) {
    rc = run_script(sh, st->str_value ? st->str_value : "");
  } else if (st ? st->kind == SL_ST_SELECT : first_word_is(shown, "SELECT")) {
    bool push = st ? st->select && st->select->emit != SL_EMIT_NONE : sl_cli_is_push_query(shown);
    rc = run_query(sh, stmt, shown, push, false);
  } else if (st ? st->kind == SL_ST_PRINT : first_word_is(shown, "PRINT")) {
    rc = run_query(sh, stmt, shown, true, true);
  } else {
    rc = run_ksql(sh, stmt, shown);
  }
  fflush(stdout);
  sl_arena_free(&a);
  return rc;
}

/* Runs every statement of text in order; stops at the first failure when
 * not interactive (scripts, -e, -f) and at Ctrl-C. */
static int run_text(shell_t *sh, const char *text) {
  sl_arena_t a;
  sl_arena_init(&a, 4096);
  sl_list_t stmts = {0};
  sl_error_t err;
  sl_error_clear(&err);
  int rc = 0;
  if (sl_split_statements(text, &a, &stmts, &err)) {
    sl_buf_t b;
    sl_buf_init(&b);
    char msg[1200];
    int line, col;
    sl_text_position(text, err.offset, &line, &col);
    snprintf(msg, sizeof msg, "line %d:%d: %s", line, col, err.msg);
    sl_cli_render_error(msg, text, &b);
    print_error_buf(&b);
    sl_buf_free(&b);
    rc = -1;
  }
  for (int i = 0; i < stmts.len && !sh->quit; i++) {
    if (sl_cli_interrupted && !sh->interactive) break;
    sl_cli_interrupted = 0;
    int src = run_statement(sh, stmts.items[i]);
    if (src) rc = src;
    if (src && (!sh->interactive || sh->depth > 0)) break;
    if (sl_cli_interrupted) break;
  }
  sl_arena_free(&a);
  return rc;
}

/* ---------------- reading lines ---------------- */

static char *prompt_fn(EditLine *el) {
  shell_t *sh = NULL;
  el_get(el, EL_CLIENTDATA, &sh);
  return sh && sh->continuation ? "      > " : "sluice> ";
}

static void history_add(shell_t *sh, const char *text) {
  if (!sh->hist) return;
  /* One line per entry, so that recalling it gives one editable line. */
  char *flat = sl_strdup(text);
  for (char *p = flat; *p; p++)
    if (*p == '\n' || *p == '\r') *p = ' ';
  size_t n = strlen(flat);
  while (n && flat[n - 1] == ' ') flat[--n] = 0;
  if (n) {
    HistEvent ev;
    history(sh->hist, &ev, H_ENTER, flat);
    if (sh->history_path) {
      history(sh->hist, &ev, H_SAVE, sh->history_path);
      chmod(sh->history_path, 0600);
    }
  }
  free(flat);
}

static void open_editor(shell_t *sh, const char *argv0) {
  HistEvent ev;
  sh->hist = history_init();
  history(sh->hist, &ev, H_SETSIZE, 1000);
  history(sh->hist, &ev, H_SETUNIQUE, 1);
  const char *path = getenv("SLUICE_HISTORY");
  const char *home = getenv("HOME");
  if (path && *path) {
    sh->history_path = sl_strdup(path);
  } else if (home && *home) {
    sl_buf_t b;
    sl_buf_init(&b);
    sl_buf_printf(&b, "%s/.sluice_history", home);
    sh->history_path = sl_buf_steal(&b);
  }
  if (sh->history_path) history(sh->hist, &ev, H_LOAD, sh->history_path);
  sh->el = el_init(argv0, stdin, stdout, stderr);
  el_set(sh->el, EL_CLIENTDATA, sh);
  el_set(sh->el, EL_PROMPT, prompt_fn);
  el_set(sh->el, EL_EDITOR, "emacs");
  el_set(sh->el, EL_HIST, history, sh->hist);
  el_source(sh->el, NULL);
}

static void close_editor(shell_t *sh) {
  if (sh->el) el_end(sh->el);
  if (sh->hist) history_end(sh->hist);
  sh->el = NULL;
  sh->hist = NULL;
  free(sh->history_path);
  sh->history_path = NULL;
}

/* Reads one line: from libedit on a terminal, else from stdin. Returns a
 * malloc'd line without its newline, NULL at end of input; *interrupted
 * tells a Ctrl-C at the prompt apart from the end. */
static char *read_line(shell_t *sh, bool *interrupted) {
  *interrupted = false;
  if (sh->el) {
    if (resized) {
      resized = 0;
      el_resize(sh->el);
    }
    int count = 0;
    sl_cli_interrupted = 0;
    const char *line = el_gets(sh->el, &count);
    if (!line || count <= 0) {
      if (sl_cli_interrupted || (count < 0 && errno == EINTR)) {
        sl_cli_interrupted = 0;
        *interrupted = true;
      }
      return NULL;
    }
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
    return strndup(line, n);
  }
  char *buf = NULL;
  size_t cap = 0;
  ssize_t n = getline(&buf, &cap, stdin);
  if (n < 0) {
    free(buf);
    return NULL;
  }
  while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) buf[--n] = 0;
  return buf;
}

/* The prompt loop: lines gather into a buffer until it ends a statement. */
static int repl(shell_t *sh) {
  sl_buf_t pending;
  sl_buf_init(&pending);
  int rc = 0;
  while (!sh->quit) {
    sh->continuation = pending.len > 0;
    bool interrupted;
    char *line = read_line(sh, &interrupted);
    if (!line) {
      if (interrupted) {
        /* Ctrl-C at the prompt drops what was typed, as a shell does. */
        fputs("^C\n", stdout);
        fflush(stdout);
        sl_buf_reset(&pending);
        continue;
      }
      if (sh->el) fputc('\n', stdout); /* end of input (Ctrl-D): leave the prompt's line */
      break;
    }
    char *arg = NULL;
    sl_cli_cmd_t cmd = pending.len ? SL_CLI_CMD_NONE : sl_cli_local_command(line, &arg);
    if (cmd != SL_CLI_CMD_NONE) {
      if (cmd != SL_CLI_CMD_EXIT) history_add(sh, line); /* recalling "exit" helps no one */
      if (run_command(sh, cmd, arg)) rc = 1;
      free(arg);
      free(line);
      continue;
    }
    if (pending.len || line[strspn(line, " \t")]) {
      sl_buf_puts(&pending, line);
      sl_buf_putc(&pending, '\n');
    }
    free(line);
    if (pending.len && sl_cli_input_complete(pending.data)) {
      history_add(sh, pending.data);
      if (run_text(sh, pending.data)) rc = 1;
      sl_buf_reset(&pending);
    }
  }
  /* Input ended inside a statement: run what there is (a script without its
   * last ';'), so nothing typed is silently lost. */
  if (!sh->quit && pending.len && pending.data[strspn(pending.data, " \t\n")]) {
    if (run_text(sh, pending.data)) rc = 1;
  }
  sl_buf_free(&pending);
  return rc;
}

/* ---------------- main ---------------- */

static void usage(FILE *f) {
  fprintf(f,
          "usage: sluice shell [URL] [-e SQL] [-f FILE] [--output JSON|TABULAR]\n"
          "                    [-u USER [-p PASSWORD]] [--config-file FILE]\n"
          "                    [--define NAME=VALUE]... [--http2]\n"
          "  URL                the server (default " DEFAULT_URL
          ")\n"
          "  -e, --execute SQL  run the statements and exit\n"
          "  -f, --file FILE    run the statements of FILE and exit\n"
          "  --output FORMAT    TABULAR (default) or JSON\n"
          "  -u, --user USER    HTTP Basic user (the password is asked for without -p)\n"
          "  -p, --password PW  its password\n"
          "  --config-file FILE properties sent with every request (as SET does)\n"
          "  --define NAME=VALUE  a variable, as DEFINE does\n"
          "  --http2            HTTP/2 (cleartext with prior knowledge) instead of HTTP/1.1\n");
}

int sl_cmd_shell(int argc, char **argv) {
  const char *url = NULL, *execute = NULL, *file = NULL, *output = NULL, *user = NULL,
             *password = NULL, *config = NULL;
  bool http2 = false;
  shell_t sh = {0};
  sl_session_init(&sh.session);
  int rc = 0;
  for (int i = 0; i < argc && !rc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    bool takes = !strcmp(a, "-e") || !strcmp(a, "--execute") || !strcmp(a, "-f") ||
                 !strcmp(a, "--file") || !strcmp(a, "--output") || !strcmp(a, "-u") ||
                 !strcmp(a, "--user") || !strcmp(a, "-p") || !strcmp(a, "--password") ||
                 !strcmp(a, "--config-file") || !strcmp(a, "--define");
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      sl_session_free(&sh.session);
      return 0;
    } else if (!strcmp(a, "--http2")) {
      http2 = true;
    } else if (takes && !v) {
      fprintf(stderr, "sluice shell: %s needs a value\n", a);
      rc = 2;
    } else if (!strcmp(a, "-e") || !strcmp(a, "--execute")) {
      execute = argv[++i];
    } else if (!strcmp(a, "-f") || !strcmp(a, "--file")) {
      file = argv[++i];
    } else if (!strcmp(a, "--output")) {
      output = argv[++i];
    } else if (!strcmp(a, "-u") || !strcmp(a, "--user")) {
      user = argv[++i];
    } else if (!strcmp(a, "-p") || !strcmp(a, "--password")) {
      password = argv[++i];
    } else if (!strcmp(a, "--config-file")) {
      config = argv[++i];
    } else if (!strcmp(a, "--define")) {
      const char *eq = strchr(v, '=');
      if (!eq || eq == v) {
        fprintf(stderr, "sluice shell: --define needs NAME=VALUE, not '%s'\n", v);
        rc = 2;
      } else {
        char *name = strndup(v, (size_t)(eq - v));
        free(sl_map_remove(sh.session.vars, name));
        sl_map_put(sh.session.vars, name, sl_strdup(eq + 1));
        free(name);
      }
      i++;
    } else if (a[0] == '-') {
      fprintf(stderr, "sluice shell: unknown option %s\n", a);
      rc = 2;
    } else if (!url) {
      url = a;
    } else {
      fprintf(stderr, "sluice shell: one server URL only (got %s and %s)\n", url, a);
      rc = 2;
    }
  }
  if (!rc && output) {
    if (sl_streq_ci(output, "JSON"))
      sh.mode = SL_CLI_JSON;
    else if (sl_streq_ci(output, "TABULAR"))
      sh.mode = SL_CLI_TABULAR;
    else {
      fprintf(stderr, "sluice shell: --output takes JSON or TABULAR, not '%s'\n", output);
      rc = 2;
    }
  }
  if (!rc && config) {
    sl_error_t err;
    sl_error_clear(&err);
    sl_map_t *props = sl_map_new(false);
    if (sl_props_load_file(props, config, &err)) {
      fprintf(stderr, "sluice shell: %s\n", err.msg);
      rc = 2;
    } else {
      int it = 0;
      const char *k;
      void *v;
      while (sl_map_next(props, &it, &k, &v)) sl_map_put(sh.session.props, k, sl_strdup(v));
    }
    sl_props_free(props);
  }
  if (!rc && http2 && !sl_cli_http2_available()) {
    fprintf(stderr, "sluice shell: this libcurl was built without HTTP/2\n");
    rc = 2;
  }
  if (rc) {
    usage(stderr);
    sl_session_free(&sh.session);
    return rc;
  }
  char *asked = NULL;
  if (user && !password && isatty(STDIN_FILENO)) {
    char *pw = getpass("Password: ");
    asked = sl_strdup(pw ? pw : "");
    password = asked;
  }
  sl_cli_conn_init(&sh.conn, url ? url : DEFAULT_URL, user, password);
  sh.conn.http2 = http2;
  free(asked);

  /* Ctrl-C interrupts (no SA_RESTART): a blocked read at the prompt returns,
   * a query loop sees the flag. */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sa.sa_handler = on_sigwinch;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGWINCH, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  if (execute || file) {
    /* One-shot: the server must answer, and a failed statement is exit 1. */
    rc = fetch_info(&sh, false) ? 1 : 0;
    if (!rc && execute) rc = run_text(&sh, execute) ? 1 : 0;
    if (!rc && file) rc = run_script(&sh, file) ? 1 : 0;
  } else {
    sh.interactive = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
    if (sh.interactive) {
      open_editor(&sh, "sluice");
      banner(&sh);
    } else {
      fetch_info(&sh, false);
    }
    rc = repl(&sh);
    if (sh.interactive) {
      puts("Exiting sluice.");
      /* Interactive mistakes are not the exit status of a session. */
      rc = 0;
    }
    close_editor(&sh);
  }
  if (!sh.interactive && sl_cli_interrupted && !output_closed)
    rc = 130; /* as shells report SIGINT */
  free(sh.server_version);
  sl_cli_conn_free(&sh.conn);
  sl_session_free(&sh.session);
  return rc;
}
