/* test_cli.c - the shell's pure parts: table layout and wrapping to a width,
 * entity rendering (status boxes, listings, DESCRIBE), JSON mode, statement
 * completeness and splitting, shell commands, push-query detection, and the
 * caret under the position a server error names. */
#include <jansson.h>
#include <stdlib.h>

#include "../../src/cli/cli_int.h" /* module internals: renderers and input rules */
#include "sluice/parser.h"
#include "unit.h"

/* Longest line of a rendered text, in code points. */
static int widest_line(const char *s) {
  int best = 0;
  while (*s) {
    const char *nl = strchr(s, '\n');
    size_t n = nl ? (size_t)(nl - s) : strlen(s);
    int w = sl_cli_text_width(s, n);
    if (w > best) best = w;
    s += n + (nl ? 1 : 0);
  }
  return best;
}

static int count_lines(const char *s) {
  int n = 0;
  for (; *s; s++)
    if (*s == '\n') n++;
  return n;
}

static void render_json_entity(const char *json, sl_cli_output_t mode, int width, sl_buf_t *out) {
  json_error_t je;
  json_t *e = json_loads(json, 0, &je);
  CHECK(e != NULL);
  if (e) sl_cli_render_entity(e, mode, width, out);
  json_decref(e);
}

/* ---------------- tables ---------------- */

SL_TEST(cli_table_list_style) {
  const char *hdr[] = {"Name", "Topic"};
  sl_cli_table_t t;
  sl_cli_table_init(&t, 2, hdr);
  const char *r1[] = {"S", "s_topic"};
  sl_cli_table_add(&t, r1);
  sl_buf_t b;
  sl_buf_init(&b);
  sl_cli_table_render(&t, SL_CLI_LIST, 0, &b);
  CHECK_STR(b.data,
            " Name | Topic   \n"
            "----------------\n"
            " S    | s_topic \n"
            "----------------\n");
  sl_buf_free(&b);
  sl_cli_table_free(&t);
}

SL_TEST(cli_table_boxed_style) {
  const char *hdr[] = {"ID", "NAME"};
  sl_cli_table_t t;
  sl_cli_table_init(&t, 2, hdr);
  const char *r1[] = {"1", "alice"};
  const char *r2[] = {"22", NULL};
  sl_cli_table_add(&t, r1);
  sl_cli_table_add(&t, r2);
  sl_buf_t b;
  sl_buf_init(&b);
  sl_cli_table_render(&t, SL_CLI_BOXED, 80, &b);
  CHECK_STR(b.data,
            "+--+-----+\n"
            "|ID|NAME |\n"
            "+--+-----+\n"
            "|1 |alice|\n"
            "|22|     |\n"
            "+--+-----+\n");
  sl_buf_free(&b);
  sl_cli_table_free(&t);
}

SL_TEST(cli_table_empty_listing_has_both_rules) {
  const char *hdr[] = {"Stream Name"};
  sl_cli_table_t t;
  sl_cli_table_init(&t, 1, hdr);
  sl_buf_t b;
  sl_buf_init(&b);
  sl_cli_table_render(&t, SL_CLI_LIST, 0, &b);
  CHECK_STR(b.data, " Stream Name \n-------------\n-------------\n");
  sl_buf_free(&b);
  sl_cli_table_free(&t);
}

SL_TEST(cli_table_wraps_to_width) {
  const char *hdr[] = {"K", "Query String"};
  sl_cli_table_t t;
  sl_cli_table_init(&t, 2, hdr);
  const char *r1[] = {"CSAS_1",
                      "CREATE STREAM OUT AS SELECT A, B, C FROM IN WHERE A > 10 "
                      "EMIT CHANGES;"};
  sl_cli_table_add(&t, r1);
  for (int width = 30; width <= 60; width += 15) {
    sl_buf_t b;
    sl_buf_init(&b);
    sl_cli_table_render(&t, SL_CLI_LIST, width, &b);
    CHECK(widest_line(b.data) <= width);
    /* Wrapped, so more physical lines than the 4 of an unwrapped table. */
    CHECK(count_lines(b.data) > 4);
    /* Nothing lost: every word of the cell is still there. */
    CHECK(strstr(b.data, "CHANGES;") != NULL);
    CHECK(strstr(b.data, "CSAS_1") != NULL);
    sl_buf_free(&b);
  }
  /* Wide enough: one line per row. */
  sl_buf_t b;
  sl_buf_init(&b);
  sl_cli_table_render(&t, SL_CLI_LIST, 200, &b);
  CHECK_INT(count_lines(b.data), 4);
  sl_buf_free(&b);
  sl_cli_table_free(&t);
}

SL_TEST(cli_table_wrap_breaks_at_spaces) {
  const char *hdr[] = {"M"};
  sl_cli_table_t t;
  sl_cli_table_init(&t, 1, hdr);
  const char *r1[] = {"alpha beta gamma"};
  sl_cli_table_add(&t, r1);
  sl_buf_t b;
  sl_buf_init(&b);
  /* 1 column: overhead 2, so 12 leaves 10 for the cell. */
  sl_cli_table_render(&t, SL_CLI_LIST, 12, &b);
  CHECK_STR(b.data,
            " M          \n"
            "------------\n"
            " alpha beta \n"
            " gamma      \n"
            "------------\n");
  sl_buf_free(&b);
  sl_cli_table_free(&t);
}

SL_TEST(cli_table_cell_newlines_and_utf8) {
  const char *hdr[] = {"Ä", "B"};
  sl_cli_table_t t;
  sl_cli_table_init(&t, 2, hdr);
  const char *r1[] = {"héllo\nwörld", "x\ty"};
  sl_cli_table_add(&t, r1);
  sl_buf_t b;
  sl_buf_init(&b);
  sl_cli_table_render(&t, SL_CLI_BOXED, 0, &b);
  CHECK_STR(b.data,
            "+-----+---+\n"
            "|Ä    |B  |\n"
            "+-----+---+\n"
            "|héllo|x y|\n"
            "|wörld|   |\n"
            "+-----+---+\n");
  sl_buf_free(&b);
  sl_cli_table_free(&t);
}

SL_TEST(cli_fit_widths) {
  int nat[] = {5, 40, 10}, out[3];
  sl_cli_fit_widths(nat, 3, 8, 0, out);
  CHECK_INT(out[1], 40); /* no limit */
  sl_cli_fit_widths(nat, 3, 8, 100, out);
  CHECK_INT(out[0] + out[1] + out[2], 55); /* fits as is */
  sl_cli_fit_widths(nat, 3, 8, 40, out);
  CHECK_INT(out[0] + out[1] + out[2] + 8, 40);
  CHECK_INT(out[0], 5); /* narrow columns keep their width */
  CHECK_INT(out[2], 10);
  CHECK_INT(out[1], 17); /* the wide one gives */
  sl_cli_fit_widths(nat, 3, 8, 10, out);
  CHECK(out[0] >= 4 && out[1] >= 4 && out[2] >= 4); /* never below the floor */
}

/* ---------------- entities ---------------- */

SL_TEST(cli_render_status_box) {
  sl_buf_t b;
  sl_buf_init(&b);
  render_json_entity(
      "{\"@type\":\"currentStatus\",\"statementText\":\"CREATE STREAM S ...;\","
      "\"commandId\":\"stream/S/create\",\"commandStatus\":{\"status\":\"SUCCESS\","
      "\"message\":\"Stream created\",\"queryId\":null},"
      "\"commandSequenceNumber\":2,\"warnings\":[]}",
      SL_CLI_TABULAR, 80, &b);
  CHECK_STR(b.data, "\n Message        \n----------------\n Stream created \n----------------\n");
  sl_buf_free(&b);
}

SL_TEST(cli_render_streams_listing) {
  sl_buf_t b;
  sl_buf_init(&b);
  render_json_entity(
      "{\"@type\":\"streams\",\"statementText\":\"SHOW STREAMS;\",\"streams\":["
      "{\"type\":\"STREAM\",\"name\":\"PAGEVIEWS\",\"topic\":\"pageviews\","
      "\"keyFormat\":\"KAFKA\",\"valueFormat\":\"JSON\",\"isWindowed\":false}],"
      "\"warnings\":[{\"message\":\"careful\"}]}",
      SL_CLI_TABULAR, 0, &b);
  CHECK_STR(b.data,
            "\n"
            " Stream Name | Kafka Topic | Key Format | Value Format | Windowed \n"
            "------------------------------------------------------------------\n"
            " PAGEVIEWS   | pageviews   | KAFKA      | JSON         | false    \n"
            "------------------------------------------------------------------\n"
            "WARNING: careful\n");
  sl_buf_free(&b);
}

SL_TEST(cli_render_describe) {
  sl_buf_t b;
  sl_buf_init(&b);
  render_json_entity(
      "{\"@type\":\"sourceDescription\",\"sourceDescription\":{\"name\":\"S\",\"extended\":false,"
      "\"windowType\":null,\"type\":\"STREAM\",\"fields\":["
      "{\"name\":\"ID\",\"schema\":{\"type\":\"INTEGER\",\"fields\":null,\"memberSchema\":null},"
      "\"type\":\"KEY\"},"
      "{\"name\":\"TAGS\",\"schema\":{\"type\":\"ARRAY\",\"fields\":null,\"memberSchema\":"
      "{\"type\":\"STRING\"}}},"
      "{\"name\":\"P\",\"schema\":{\"type\":\"DECIMAL\",\"parameters\":{\"precision\":\"4\","
      "\"scale\":\"2\"}}},"
      "{\"name\":\"ST\",\"schema\":{\"type\":\"STRUCT\",\"fields\":[{\"name\":\"A\",\"schema\":"
      "{\"type\":\"BIGINT\"}}]}}]}}",
      SL_CLI_TABULAR, 0, &b);
  CHECK_STR(b.data,
            "\n"
            "Name                 : S\n"
            " Field | Type                   \n"
            "--------------------------------\n"
            " ID    | INTEGER  (key)         \n"
            " TAGS  | ARRAY<VARCHAR(STRING)> \n"
            " P     | DECIMAL(4, 2)          \n"
            " ST    | STRUCT<A BIGINT>       \n"
            "--------------------------------\n"
            "For runtime statistics and query details run: DESCRIBE <Stream,Table> "
            "EXTENDED;\n");
  sl_buf_free(&b);
}

SL_TEST(cli_render_query_offsets) {
  sl_buf_t b;
  sl_buf_init(&b);
  render_json_entity(
      "{\"@type\":\"queryDescription\",\"queryDescription\":{\"id\":\"CSAS_O_0\","
      "\"statementText\":\"x\",\"sources\":[],\"sinks\":[],\"executionPlan\":\"\","
      "\"statistics\":\"consumer-total-messages: 2\",\"queryOffsetSummaries\":[{\"groupId\":"
      "\"g\",\"topicSummaries\":[{\"kafkaTopic\":\"s\",\"offsets\":[{\"partition\":0,"
      "\"consumerOffset\":2},{\"partition\":1,\"consumerOffset\":7}]}]}]}}",
      SL_CLI_TABULAR, 0, &b);
  CHECK(b.data && strstr(b.data, "consumer-total-messages: 2\n"));
  CHECK(b.data && strstr(b.data, "Consumer Group       : g\n"));
  CHECK(b.data && strstr(b.data, "Kafka topic          : s\n"));
  CHECK(b.data && strstr(b.data, " 0         | 2\n 1         | 7\n"));
  sl_buf_free(&b);
}

SL_TEST(cli_render_unknown_entity_is_json) {
  sl_buf_t b;
  sl_buf_init(&b);
  render_json_entity("{\"@type\":\"something_new\",\"x\":1}", SL_CLI_TABULAR, 0, &b);
  CHECK(strstr(b.data, "\"something_new\"") != NULL);
  sl_buf_free(&b);
}

SL_TEST(cli_json_mode) {
  sl_buf_t b;
  sl_buf_init(&b);
  render_json_entity(
      "{\"@type\":\"currentStatus\",\"commandStatus\":{\"message\":\"Stream "
      "created\"}}",
      SL_CLI_JSON, 80, &b);
  /* The server's object, pretty-printed, keys in order, and valid JSON. */
  CHECK(strstr(b.data, "  \"@type\": \"currentStatus\",\n") != NULL);
  CHECK(strstr(b.data, "Message") == NULL);
  json_t *back = json_loads(b.data, 0, NULL);
  CHECK(back != NULL);
  CHECK_STR(json_string_value(json_object_get(back, "@type")), "currentStatus");
  json_decref(back);
  sl_buf_free(&b);

  /* Query rows in JSON mode: the header then one compact array per row. */
  sl_cli_qview_t v;
  sl_cli_qview_init(&v, SL_CLI_JSON, 80, false);
  json_t *h = json_loads(
      "{\"queryId\":\"q1\",\"columnNames\":[\"A\"],\"columnTypes\":[\"INTEGER\"]}", 0, NULL);
  json_t *row = json_loads("[1.5]", 0, NULL);
  sl_buf_init(&b);
  sl_cli_qview_header(&v, h, &b);
  sl_cli_qview_row(&v, row, &b);
  sl_cli_qview_end(&v, "Query terminated", &b);
  CHECK_STR(b.data,
            "{\"queryId\":\"q1\",\"columnNames\":[\"A\"],\"columnTypes\":[\"INTEGER\"]}\n"
            "[1.5]\n");
  sl_buf_free(&b);
  sl_cli_qview_free(&v);
  json_decref(h);
  json_decref(row);

  /* Errors in JSON mode are the server's error object. */
  json_t *err = json_loads(
      "{\"@type\":\"statement_error\",\"error_code\":40001,\"message\":"
      "\"line 1:1: Syntax Error\"}",
      0, NULL);
  sl_buf_init(&b);
  sl_cli_render_error_body(err, "SELEC 1;", SL_CLI_JSON, &b);
  CHECK(strstr(b.data, "\"error_code\": 40001") != NULL);
  CHECK(strstr(b.data, "^") == NULL);
  sl_buf_free(&b);
  json_decref(err);
}

/* ---------------- query views ---------------- */

SL_TEST(cli_qview_push_streams_rows_at_once) {
  sl_cli_qview_t v;
  sl_cli_qview_init(&v, SL_CLI_TABULAR, 23, false);
  json_t *h = json_loads("{\"queryId\":\"q\",\"columnNames\":[\"ID\",\"NAME\"]}", 0, NULL);
  json_t *row = json_loads("[1,\"a\"]", 0, NULL);
  sl_buf_t b;
  sl_buf_init(&b);
  sl_cli_qview_header(&v, h, &b);
  /* 23 columns: (23 - 3) / 2 = 10 each. */
  CHECK_STR(b.data, "+----------+----------+\n|ID        |NAME      |\n+----------+----------+\n");
  sl_buf_reset(&b);
  sl_cli_qview_row(&v, row, &b);
  CHECK_STR(b.data, "|1         |a         |\n");
  sl_buf_reset(&b);
  sl_cli_qview_end(&v, "Query terminated", &b);
  CHECK_STR(b.data, "+----------+----------+\nQuery terminated\n");
  CHECK_INT(v.nrows, 1);
  sl_buf_free(&b);
  sl_cli_qview_free(&v);
  json_decref(h);
  json_decref(row);
}

SL_TEST(cli_qview_pull_buffers_and_sizes_to_content) {
  sl_cli_qview_t v;
  sl_cli_qview_init(&v, SL_CLI_TABULAR, 80, true);
  json_t *h = json_loads("{\"columnNames\":[\"K\",\"V\",\"M\"]}", 0, NULL);
  json_t *r1 = json_loads("[\"k1\", 0.1, {\"a\": [1, null]}]", 0, NULL);
  json_t *r2 = json_loads("[\"k2\", 10000000.0, null]", 0, NULL);
  sl_buf_t b;
  sl_buf_init(&b);
  sl_cli_qview_header(&v, h, &b);
  sl_cli_qview_row(&v, r1, &b);
  sl_cli_qview_row(&v, r2, &b);
  CHECK_INT((int)b.len, 0); /* nothing until the end */
  sl_cli_qview_end(&v, NULL, &b);
  CHECK_STR(b.data,
            "+--+-----+--------------+\n"
            "|K |V    |M             |\n"
            "+--+-----+--------------+\n"
            "|k1|0.1  |{\"a\":[1,null]}|\n"
            "|k2|1.0E7|null          |\n"
            "+--+-----+--------------+\n");
  sl_buf_free(&b);
  sl_cli_qview_free(&v);
  json_decref(h);
  json_decref(r1);
  json_decref(r2);
}

/* ---------------- errors and carets ---------------- */

SL_TEST(cli_error_position) {
  int l = 0, c = 0;
  CHECK(sl_cli_error_position("line 2:7: Syntax Error", &l, &c));
  CHECK_INT(l, 2);
  CHECK_INT(c, 7);
  CHECK(sl_cli_error_position("Line: 1, Col: 21: Invalid column", &l, &c));
  CHECK_INT(l, 1);
  CHECK_INT(c, 21);
  CHECK(!sl_cli_error_position("Could not find STREAM/TABLE 'X' in the Metastore", &l, &c));
  CHECK(!sl_cli_error_position("pipeline 3:4", &l, &c)); /* not a word of its own */
  CHECK(!sl_cli_error_position("line x:4", &l, &c));
}

SL_TEST(cli_error_caret) {
  sl_buf_t b;
  sl_buf_init(&b);
  sl_cli_render_error("line 1:8: Syntax Error\nExpecting {',', 'FROM'}", "SELECT x y z FROM s;",
                      &b);
  CHECK_STR(b.data,
            "line 1:8: Syntax Error\nExpecting {',', 'FROM'}\n"
            "SELECT x y z FROM s;\n"
            "       ^\n");
  sl_buf_reset(&b);
  /* Second line of a multi-line statement; a tab before the column is kept. */
  sl_cli_render_error("line 2:3: mismatched input", "SELECT *\n\tX bad;", &b);
  CHECK_STR(b.data, "line 2:3: mismatched input\n\tX bad;\n\t ^\n");
  sl_buf_reset(&b);
  /* A column past the end of the text: the end is shown (input too short). */
  sl_cli_render_error("line 1:10: Syntax Error", "SELECT 1", &b);
  CHECK_STR(b.data, "line 1:10: Syntax Error\n");
  sl_buf_reset(&b);
  sl_cli_render_error("line 1:9: Syntax Error", "SELECT 1", &b);
  CHECK_STR(b.data, "line 1:9: Syntax Error\nSELECT 1\n        ^\n");
  sl_buf_reset(&b);
  /* UTF-8 before the column: one caret position per character. */
  sl_cli_render_error("line 1:6: bad", "'é' x", &b);
  CHECK_STR(b.data, "line 1:6: bad\n'é' x\n    ^\n");
  sl_buf_reset(&b);
  /* No position: the message alone. */
  sl_cli_render_error("Stream S does not exist", "DROP STREAM S;", &b);
  CHECK_STR(b.data, "Stream S does not exist\n");
  sl_buf_free(&b);
}

SL_TEST(cli_error_caret_replaces_server_caret) {
  /* A message that brings its own source line and caret (sl_error_format's
   * shape) gets them replaced, not doubled. */
  sl_error_t err;
  sl_error_clear(&err);
  sl_error_set(&err, SL_ESYNTAX, 7, "Syntax Error");
  char msg[512];
  sl_error_format(&err, "SELECT bad;", msg, sizeof msg);
  sl_buf_t b;
  sl_buf_init(&b);
  sl_cli_render_error(msg, "SELECT bad;", &b);
  CHECK_STR(b.data, "line 1:8: Syntax Error\nSELECT bad;\n       ^\n");
  sl_buf_free(&b);
}

SL_TEST(cli_error_body_without_message) {
  json_t *body = json_loads("{\"error\":\"odd\"}", 0, NULL);
  sl_buf_t b;
  sl_buf_init(&b);
  sl_cli_render_error_body(body, "X;", SL_CLI_TABULAR, &b);
  CHECK_STR(b.data, "{\"error\":\"odd\"}\n");
  sl_buf_free(&b);
  json_decref(body);
}

/* ---------------- input ---------------- */

SL_TEST(cli_input_complete) {
  CHECK(sl_cli_input_complete("SHOW STREAMS;"));
  CHECK(sl_cli_input_complete("SHOW STREAMS;\n"));
  CHECK(sl_cli_input_complete("SHOW STREAMS; -- a comment\n"));
  CHECK(sl_cli_input_complete("SHOW STREAMS; -- a comment"));
  CHECK(sl_cli_input_complete("SHOW STREAMS; SHOW TABLES;"));
  CHECK(sl_cli_input_complete("   \n"));
  CHECK(!sl_cli_input_complete("SHOW\nSTREAMS\n"));
  CHECK(!sl_cli_input_complete("SHOW STREAMS; SHOW TABLES"));
  CHECK(!sl_cli_input_complete("SELECT 'a;b")); /* open quote */
  CHECK(sl_cli_input_complete("SELECT 'a;b';"));
  CHECK(!sl_cli_input_complete("SELECT 'it''s;"));       /* '' is a quote inside */
  CHECK(!sl_cli_input_complete("SELECT 1 /* done; */")); /* ';' inside a comment */
  CHECK(!sl_cli_input_complete("SELECT 1; /* still open"));
  CHECK(!sl_cli_input_complete("SELECT 1 -- ;\n"));
  CHECK(!sl_cli_input_complete("SELECT `a;"));
  CHECK(sl_cli_input_complete("SELECT `a;b` FROM s;"));
}

SL_TEST(cli_split_several_on_one_line) {
  sl_arena_t a;
  sl_arena_init(&a, 1024);
  sl_list_t out = {0};
  sl_error_t err;
  const char *text =
      "DEFINE x = 'a;b'; SHOW STREAMS; -- done; not a statement\n"
      "SELECT * /* ; */ FROM s;";
  CHECK(sl_cli_input_complete(text));
  CHECK_INT(sl_split_statements(text, &a, &out, &err), 0);
  CHECK_INT(out.len, 3);
  if (out.len == 3) {
    CHECK_STR(out.items[0], "DEFINE x = 'a;b';");
    CHECK_STR(out.items[1], "SHOW STREAMS;");
    CHECK_STR(out.items[2], "SELECT * /* ; */ FROM s;");
  }
  sl_arena_free(&a);
}

SL_TEST(cli_local_commands) {
  char *arg;
  CHECK_INT(sl_cli_local_command("exit", &arg), SL_CLI_CMD_EXIT);
  CHECK(arg == NULL);
  CHECK_INT(sl_cli_local_command("  QUIT;  ", &arg), SL_CLI_CMD_EXIT);
  CHECK_INT(sl_cli_local_command("help", &arg), SL_CLI_CMD_HELP);
  CHECK_INT(sl_cli_local_command("History", &arg), SL_CLI_CMD_HISTORY);
  CHECK_INT(sl_cli_local_command("clear", &arg), SL_CLI_CMD_CLEAR);
  CHECK_INT(sl_cli_local_command("OUTPUT JSON;", &arg), SL_CLI_CMD_OUTPUT);
  CHECK_STR(arg, "JSON");
  free(arg);
  CHECK_INT(sl_cli_local_command("output", &arg), SL_CLI_CMD_OUTPUT);
  CHECK(arg == NULL);
  CHECK_INT(sl_cli_local_command("server http://h:8088", &arg), SL_CLI_CMD_SERVER);
  CHECK_STR(arg, "http://h:8088");
  free(arg);
  CHECK_INT(sl_cli_local_command("SHOW STREAMS;", &arg), SL_CLI_CMD_NONE);
  CHECK_INT(sl_cli_local_command("exit now", &arg), SL_CLI_CMD_NONE);
  CHECK_INT(sl_cli_local_command("exit; SHOW STREAMS;", &arg), SL_CLI_CMD_NONE);
  CHECK_INT(sl_cli_local_command("exiting", &arg), SL_CLI_CMD_NONE);
  CHECK_INT(sl_cli_local_command("", &arg), SL_CLI_CMD_NONE);
}

SL_TEST(cli_push_query_detection) {
  CHECK(sl_cli_is_push_query("SELECT * FROM s EMIT CHANGES;"));
  CHECK(sl_cli_is_push_query("select * from s emit\n  changes limit 3;"));
  CHECK(sl_cli_is_push_query("SELECT * FROM s EMIT /* c */ CHANGES;"));
  CHECK(
      sl_cli_is_push_query("SELECT K, COUNT(*) FROM s WINDOW TUMBLING (SIZE 1 MINUTE) "
                           "GROUP BY K EMIT FINAL;"));
  CHECK(!sl_cli_is_push_query("SELECT * FROM t WHERE K = 'EMIT CHANGES';"));
  CHECK(!sl_cli_is_push_query("SELECT * FROM t; -- EMIT CHANGES"));
  CHECK(!sl_cli_is_push_query("SELECT * FROM t WHERE ID = 1;"));
  CHECK(!sl_cli_is_push_query("SELECT EMIT, CHANGES FROM t;"));
}

SL_TEST(cli_value_text) {
  const char *cases[][2] = {
      {"\"plain\"", "plain"},
      {"null", "null"},
      {"42", "42"},
      {"1.0", "1.0"},
      {"0.001", "0.001"},
      {"true", "true"},
      {"[1,\"a\"]", "[1,\"a\"]"},
  };
  for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
    json_t *v = json_loads(cases[i][0], JSON_DECODE_ANY, NULL);
    sl_buf_t b;
    sl_buf_init(&b);
    sl_cli_value_text(v, &b);
    CHECK_STR(b.data, cases[i][1]);
    sl_buf_free(&b);
    json_decref(v);
  }
}
