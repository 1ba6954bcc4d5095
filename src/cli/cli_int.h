/*
 * cli_int.h - the pieces of `sluice shell` (src/cli/) and how they fit:
 * table.c lays out text tables that fit the terminal, render.c turns the
 * server's JSON (entities, errors, query headers and rows) into what the user
 * reads, in tabular or JSON form, input.c decides when typed lines make a
 * complete statement and recognises the shell's own commands, client.c is
 * the libcurl side of the REST API, and shell.c is the prompt loop with
 * libedit and the local commands. Everything except client.c and shell.c
 * writes into an sl_buf_t and touches no terminal, so the unit tests
 * (tests/unit/test_cli.c) can check it byte for byte.
 */
#ifndef SLUICE_CLI_INT_H
#define SLUICE_CLI_INT_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>

#include "sluice/base.h"

/* ---------------- table.c: text tables ---------------- */

typedef enum {
  SL_CLI_LIST, /* ksqlDB's listing style: " A | B ", dashes under the header and at the end */
  SL_CLI_BOXED /* query results: "+---+---+" rules and "|a  |b  |" rows */
} sl_cli_style_t;

typedef struct sl_cli_table {
  int ncols;        /* number of columns */
  char **headers;   /* ncols malloc'd header texts */
  sl_ptrvec_t rows; /* each row: ncols malloc'd cell texts (char **) */
} sl_cli_table_t;

void sl_cli_table_init(sl_cli_table_t *t, int ncols, const char *const *headers);
/* Adds a row of ncols cells (NULL cells are empty); the texts are copied. */
void sl_cli_table_add(sl_cli_table_t *t, const char *const *cells);
void sl_cli_table_free(sl_cli_table_t *t);
/* Renders the table so that no line is wider than width (0 = no limit):
 * columns wider than their share are narrowed and their cells wrapped onto
 * more lines (at a space when one is near, else mid-word). */
void sl_cli_table_render(const sl_cli_table_t *t, sl_cli_style_t style, int width, sl_buf_t *out);

/* Display width of UTF-8 text (code points; no East Asian wide handling). */
int sl_cli_text_width(const char *s, size_t n);
/* Chooses column widths: natural[i] is what column i would like, overhead
 * the characters that are not cell text; the result fits width when it can
 * (each column keeps at least min(natural, 4)). width <= 0 keeps natural. */
void sl_cli_fit_widths(const int *natural, int n, int overhead, int width, int *out);
/* Boxed rows with fixed widths, for rows that stream in one at a time. */
void sl_cli_box_rule(const int *w, int n, sl_buf_t *out);
void sl_cli_box_row(const int *w, int n, const char *const *cells, sl_buf_t *out);

/* ---------------- render.c: what the server says, for people ---------------- */

typedef enum { SL_CLI_TABULAR, SL_CLI_JSON } sl_cli_output_t;

/* One entity of a /ksql response (currentStatus, streams, sourceDescription,
 * ...), in ksqlDB's CLI layout; unknown entities fall back to JSON. */
void sl_cli_render_entity(const json_t *entity, sl_cli_output_t mode, int width, sl_buf_t *out);
/* A value as a table cell: strings bare, null as "null", DOUBLEs as Java
 * prints them, arrays, maps and structs as compact JSON. */
void sl_cli_value_text(const json_t *v, sl_buf_t *out);
/* ksqlDB's type text from a schema object: VARCHAR(STRING), ARRAY<INTEGER>,
 * STRUCT<A INTEGER>, DECIMAL(4, 2). */
void sl_cli_schema_text(const json_t *schema, sl_buf_t *out);

/* Finds the position an error message names: "line L:C" or "Line: L, Col: C"
 * (1-based). Returns false when the message names none. */
bool sl_cli_error_position(const char *msg, int *line, int *col);
/* Writes an error for people: the server's message (minus any source line
 * and caret it brought along) then, when the message names a position inside
 * stmt, the statement's line and a caret under the column. */
void sl_cli_render_error(const char *msg, const char *stmt, sl_buf_t *out);
/* Renders a /ksql or /query-stream error body ({"@type", "error_code",
 * "message", ...}) in the chosen mode; stmt is the text the user typed. */
void sl_cli_render_error_body(const json_t *body, const char *stmt, sl_cli_output_t mode,
                              sl_buf_t *out);

/* The rows of one transient query as they arrive. Push queries print each
 * row at once with columns sized from the terminal; pull queries keep their
 * rows and print one table, sized to its content, at the end. */
typedef struct sl_cli_qview {
  sl_cli_output_t mode; /* tabular or JSON */
  int width;            /* terminal width, 0 = no limit */
  bool buffer;          /* pull query: keep rows until the end */
  bool have_header;     /* the header arrived */
  int ncols;            /* columns in the header */
  int *widths;          /* push: fixed column widths */
  sl_cli_table_t table; /* pull: the rows so far */
  long nrows;           /* rows seen */
} sl_cli_qview_t;

void sl_cli_qview_init(sl_cli_qview_t *v, sl_cli_output_t mode, int width, bool buffer);
/* The /query-stream header: {"queryId", "columnNames", "columnTypes"}. */
void sl_cli_qview_header(sl_cli_qview_t *v, const json_t *header, sl_buf_t *out);
/* One row: a JSON array of column values. */
void sl_cli_qview_row(sl_cli_qview_t *v, const json_t *row, sl_buf_t *out);
/* The end: prints buffered rows, the closing rule and (when not NULL) a note
 * such as "Query terminated". */
void sl_cli_qview_end(sl_cli_qview_t *v, const char *note, sl_buf_t *out);
void sl_cli_qview_free(sl_cli_qview_t *v);

/* ---------------- input.c: lines into statements ---------------- */

/* True when text holds nothing but complete statements: its last token is a
 * ';' outside quotes and comments, or it holds no token at all. An open
 * quote or block comment is incomplete. */
bool sl_cli_input_complete(const char *text);
/* The shell's own commands, which need no ';' and are not SQL. */
typedef enum {
  SL_CLI_CMD_NONE,
  SL_CLI_CMD_HELP,
  SL_CLI_CMD_EXIT,
  SL_CLI_CMD_HISTORY,
  SL_CLI_CMD_CLEAR,
  SL_CLI_CMD_SERVER,
  SL_CLI_CMD_OUTPUT,
  SL_CLI_CMD_VERSION
} sl_cli_cmd_t;
/* Recognises a shell command at the start of a line (any case, optional
 * trailing ';'); *arg receives its argument (malloc'd, trimmed) or NULL. */
sl_cli_cmd_t sl_cli_local_command(const char *line, char **arg);
/* True when the statement is a SELECT ... EMIT CHANGES or EMIT FINAL
 * (outside quotes and comments), i.e. a push query that streams until
 * stopped. */
bool sl_cli_is_push_query(const char *stmt);

/* ---------------- client.c: HTTP ---------------- */

/* Set by the SIGINT handler: a running request or query stops, the shell
 * returns to its prompt. */
extern volatile sig_atomic_t sl_cli_interrupted;

typedef struct sl_cli_conn {
  char *url;      /* base address without trailing '/' */
  char *user;     /* HTTP Basic user, or NULL */
  char *password; /* its password, or NULL */
  void *curl;     /* reused easy handle (keeps the connection alive) */
  bool http2;     /* HTTP/2 with prior knowledge (h2c) instead of HTTP/1.1 */
} sl_cli_conn_t;

typedef struct sl_cli_response {
  long status;     /* HTTP status, 0 when the server was not reached */
  json_t *body;    /* the body parsed as JSON, or NULL */
  char *text;      /* the body as received (malloc'd, NUL-terminated) */
  char error[512]; /* transport failure, empty when the server answered */
} sl_cli_response_t;

void sl_cli_conn_init(sl_cli_conn_t *c, const char *url, const char *user, const char *password);
void sl_cli_conn_set_url(sl_cli_conn_t *c, const char *url);
/* True when this libcurl can speak HTTP/2. */
bool sl_cli_http2_available(void);
void sl_cli_conn_free(sl_cli_conn_t *c);
void sl_cli_response_free(sl_cli_response_t *r);
/* GET path. Returns 0 when the server answered (any status), -1 when not. */
int sl_cli_get(sl_cli_conn_t *c, const char *path, sl_cli_response_t *r);
/* POST path with a JSON body. Same return convention as sl_cli_get. */
int sl_cli_post(sl_cli_conn_t *c, const char *path, const json_t *body, sl_cli_response_t *r);

/* Receives one line of a streamed body (without its newline). Return
 * non-zero to stop reading. */
typedef int (*sl_cli_line_fn)(void *ctx, const char *line, size_t len);
/* POSTs body to path and hands each line of the response to on_line as it
 * arrives. Stops when the body ends, when on_line says so or when
 * sl_cli_interrupted is set. Returns 0 when the body ended, 1 when stopped
 * by the caller or Ctrl-C, -1 when the server was not reached (r->error).
 * r->status is the HTTP status; on a status >= 400 the body is not streamed
 * but collected into r->text / r->body. */
int sl_cli_stream(sl_cli_conn_t *c, const char *path, const json_t *body, const char *accept,
                  sl_cli_line_fn on_line, void *ctx, sl_cli_response_t *r);

#endif
