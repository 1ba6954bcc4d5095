/*
 * test_parser.c - the SQL front end: lexer corner cases, node offsets,
 * statement text, the error messages (ksqlDB's wording), splitting, variable
 * substitution, the expression formatter, the golden files in tests/golden
 * (SLUICE_GOLDEN_UPDATE=1 rewrites the .out files; SLUICE_SOURCE_DIR points at
 * the source tree, default ".") and a smoke test over every statement of the
 * QTT conformance corpus (SLUICE_QTT, else ../shared/conformance/qtt).
 */
#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>

#include "sluice/parser.h"
#include "unit.h"

/* Parses text expecting success; returns the statement list. */
static sl_list_t parse_ok(sl_arena_t *a, const char *text) {
  sl_list_t out = {0};
  sl_error_t err;
  int rc = sl_parse(text, a, &out, &err);
  if (rc) sl_test_fail(__FILE__, __LINE__, "parse failed: %s (%s)", err.msg, text);
  return out;
}

/* Parses text expecting a syntax error; returns the message. */
static const char *parse_err(sl_arena_t *a, const char *text, int *offset) {
  sl_list_t out = {0};
  static sl_error_t err;
  int rc = sl_parse(text, a, &out, &err);
  if (rc != SL_ESYNTAX) {
    sl_test_fail(__FILE__, __LINE__, "expected a syntax error for: %s", text);
    return "";
  }
  if (offset) *offset = err.offset;
  return err.msg;
}

static char *expr_sql(sl_arena_t *a, const char *text) {
  sl_expr_t *e;
  sl_error_t err;
  if (sl_parse_expr(text, a, &e, &err)) return sl_arena_sprintf(a, "ERROR %s", err.msg);
  sl_buf_t b;
  sl_buf_init(&b);
  sl_expr_to_sql(e, &b);
  char *r = sl_arena_strdup(a, b.data ? b.data : "");
  sl_buf_free(&b);
  return r;
}

SL_TEST(parser_multi_statement_offsets_and_text) {
  sl_arena_t a;
  sl_arena_init(&a, 4096);
  const char *text =
      "  SET 'a'='b';\n-- comment\nCREATE STREAM S (ID INT KEY) WITH (kafka_topic='t');\n"
      "SELECT x FROM s";
  sl_list_t l = parse_ok(&a, text);
  CHECK_INT(l.len, 3);
  if (l.len == 3) {
    sl_stmt_t *s0 = l.items[0], *s1 = l.items[1], *s2 = l.items[2];
    CHECK_INT(s0->kind, SL_ST_SET);
    CHECK_INT(s0->offset, 2);
    CHECK_STR(s0->text, "SET 'a'='b';");
    CHECK_STR(s0->str_name, "a");
    CHECK_STR(s0->str_value, "b");
    CHECK_INT(s1->kind, SL_ST_CREATE_SOURCE);
    CHECK_INT(s1->offset, 26);
    CHECK_STR(s1->text, "CREATE STREAM S (ID INT KEY) WITH (kafka_topic='t');");
    CHECK_INT(s1->end_offset, 26 + (int)strlen(s1->text));
    sl_column_def_t *c = s1->columns.items[0];
    CHECK_STR(c->name.name, "ID");
    CHECK_INT(c->offset, 26 + 17);
    CHECK_INT(c->constraint, SL_COL_KEY);
    /* The last statement may omit its ';'. */
    CHECK_INT(s2->kind, SL_ST_SELECT);
    CHECK_STR(s2->text, "SELECT x FROM s");
    sl_select_item_t *it = s2->select->items.items[0];
    CHECK_INT(it->expr->offset, (int)(strstr(text, "x FROM") - text));
  }
  sl_arena_free(&a);
}

SL_TEST(parser_expression_offsets) {
  sl_arena_t a;
  sl_arena_init(&a, 4096);
  const char *text = "SELECT (a + b) * f(c, 'x') AS z FROM t;";
  sl_list_t l = parse_ok(&a, text);
  if (l.len == 1) {
    sl_stmt_t *st = l.items[0];
    sl_select_item_t *it = st->select->items.items[0];
    sl_expr_t *e = it->expr;
    CHECK_INT(e->kind, SL_EX_BINARY);
    CHECK_INT(e->offset, 7);
    CHECK_INT(e->end_offset, 26);
    CHECK_INT(e->left->offset, 7); /* the parenthesis */
    CHECK_INT(e->right->kind, SL_EX_CALL);
    CHECK_INT(e->right->offset, 17);
    CHECK_STR(it->alias->name, "Z");
    CHECK_INT(st->select->from->offset, 37);
  }
  sl_arena_free(&a);
}

SL_TEST(parser_identifiers_and_keywords) {
  sl_arena_t a;
  sl_arena_init(&a, 4096);
  sl_list_t l = parse_ok(&a, "SELECT key, `Key`, \"x\"\"y\", value, `a``b` FROM `t`;");
  if (l.len == 1) {
    sl_select_t *s = ((sl_stmt_t *)l.items[0])->select;
    sl_expr_t *e0 = ((sl_select_item_t *)s->items.items[0])->expr;
    sl_expr_t *e1 = ((sl_select_item_t *)s->items.items[1])->expr;
    sl_expr_t *e2 = ((sl_select_item_t *)s->items.items[2])->expr;
    sl_expr_t *e4 = ((sl_select_item_t *)s->items.items[4])->expr;
    CHECK_STR(e0->name->name, "KEY");
    CHECK(!e0->name->quoted);
    CHECK_STR(e1->name->name, "Key");
    CHECK(e1->name->quoted);
    CHECK_STR(e2->name->name, "x\"y");
    CHECK_STR(e4->name->name, "a`b");
    CHECK_STR(s->from->name.name, "t");
  }
  CHECK(sl_is_reserved_word("from"));
  CHECK(sl_is_reserved_word("SIZE"));
  CHECK(!sl_is_reserved_word("key"));
  CHECK(!sl_is_reserved_word("TIMESTAMP"));
  CHECK(!sl_is_reserved_word("whatever"));
  /* EMIT / PARTITION are keywords after a source, identifiers elsewhere. */
  l = parse_ok(&a, "SELECT emit, partition FROM t PARTITION BY emit EMIT CHANGES;");
  if (l.len == 1) {
    sl_select_t *s = ((sl_stmt_t *)l.items[0])->select;
    CHECK(s->from->alias == NULL);
    CHECK_INT(s->partition_by.len, 1);
    CHECK_INT(s->emit, SL_EMIT_CHANGES);
  }
  l = parse_ok(&a, "SELECT * FROM t emit;");
  if (l.len == 1) CHECK_STR(((sl_stmt_t *)l.items[0])->select->from->alias->name, "EMIT");
  l = parse_ok(&a, "CREATE STREAM IF (a INT) WITH (kafka_topic='x');");
  if (l.len == 1) CHECK_STR(((sl_stmt_t *)l.items[0])->name.name, "IF");
  sl_arena_free(&a);
}

SL_TEST(parser_error_messages) {
  sl_arena_t a;
  sl_arena_init(&a, 4096);
  int off = -1;
  /* From the QTT corpus (group-by.json, key-schemas.json). */
  const char *text =
      "CREATE STREAM TEST (ID INT KEY, f1 INT, f2 VARCHAR, f3 INT) WITH (kafka_topic='t', "
      "value_format='DELIMITED');\n"
      "CREATE TABLE OUTPUT AS SELECT f1, f2, COUNT(*) FROM TEST GROUP BY f3, (f2, f1);";
  sl_error_t err;
  sl_list_t out = {0};
  CHECK_INT(sl_parse(text, &a, &out, &err), SL_ESYNTAX);
  CHECK_STR(err.msg, "Syntax Error\nmissing ')' at ','");
  char buf[1024];
  sl_error_format(&err, text, buf, sizeof buf);
  CHECK(strncmp(buf, "line 2:74: Syntax Error\nmissing ')' at ','", 41) == 0);
  CHECK_INT(out.len, 1); /* the statement before the error was parsed */

  CHECK_STR(parse_err(&a, "CREATE STREAM INPUT (K STRING (KEY)) WITH (kafka_topic='input');", &off),
            "Syntax Error\nExpecting {'STRING', INTEGER_VALUE}");
  CHECK_INT(off, 31);
  CHECK_STR(
      parse_err(&a, "CREATE STREAM INPUT (K VARCHAR(STRING) (KEY)) WITH (kafka_topic='i');", &off),
      "Syntax Error\nExpecting {',', ')'}");
  CHECK_INT(off, 39);
  CHECK_STR(parse_err(&a, "CREATE TABLE INPUT (ID INT KEY) WITH (kafka_topic='i');", &off),
            "Column `ID` is a 'KEY' column: please use 'PRIMARY KEY' for tables.");
  CHECK_INT(off, 20);
  CHECK_STR(parse_err(&a, "CREATE STREAM INPUT (ID INT PRIMARY KEY) WITH (kafka_topic='i');", &off),
            "Column `ID` is a 'PRIMARY KEY' column: please use 'KEY' for streams.");
  CHECK_INT(off, 21);
  const char *m = parse_err(&a, "SELECT a, from FROM t;", &off);
  CHECK(strstr(m, "\"from\" is a reserved keyword") != NULL);
  CHECK_INT(off, 10);
  m = parse_err(&a, "SELECT * FROM t WHERE", &off);
  CHECK(strstr(m, "Syntax Error\nExpecting {") == m);
  CHECK_INT(off, 21);
  CHECK(strstr(err.hint, "at or near") != NULL);
  m = parse_err(&a, "SELECT 'abc FROM t;", &off);
  CHECK(strstr(m, "token recognition error") != NULL);
  CHECK_INT(off, 7);
  sl_arena_free(&a);
}

SL_TEST(parser_types_and_exprs) {
  sl_arena_t a;
  sl_arena_init(&a, 4096);
  sl_type_ast_t *t;
  sl_error_t err;
  CHECK_INT(
      sl_parse_type("STRUCT<A INT, b ARRAY<STRING>, C MAP<VARCHAR, DECIMAL(4,2)>>", &a, &t, &err),
      0);
  sl_buf_t b;
  sl_buf_init(&b);
  sl_type_ast_to_sql(t, &b);
  CHECK_STR(b.data, "STRUCT<`A` INTEGER, `B` ARRAY<STRING>, `C` MAP<STRING, DECIMAL(4, 2)>>");
  sl_buf_free(&b);
  CHECK_INT(sl_parse_type("DECIMAL(4, 2)", &a, &t, &err), 0);
  CHECK_INT(t->kind, SL_TA_DECIMAL);
  CHECK_INT(t->precision, 4);
  CHECK_INT(t->scale, 2);
  CHECK_INT(sl_parse_type("address", &a, &t, &err), 0);
  CHECK_INT(t->kind, SL_TA_NAMED);
  CHECK_STR(t->name, "ADDRESS");
  CHECK_INT(sl_parse_type("INT;", &a, &t, &err), SL_ESYNTAX);

  CHECK_STR(expr_sql(&a, "a + 1"), "(A + 1)");
  CHECK_STR(expr_sql(&a, "SUBSTRING(name, 1, 2)"), "SUBSTRING(NAME, 1, 2)");
  CHECK_STR(expr_sql(&a, "a->b"), "A->B");
  CHECK_STR(expr_sql(&a, "arr[1]"), "ARR[1]");
  CHECK_STR(expr_sql(&a, "'it''s'"), "'it''s'");
  CHECK_STR(expr_sql(&a, "x IS NULL AND y = null"), "((X IS NULL) AND (Y = null))");
  CHECK_STR(expr_sql(&a, "a || b"), "CONCAT(A, B)");
  CHECK_STR(expr_sql(&a, "1.5E3 + .5"), "(1500.0 + 0.5)");
  CHECK_STR(expr_sql(&a, "t.`lower` + \"X\""), "(T.`lower` + X)");
  CHECK_STR(expr_sql(&a, "- -1"), "- -1");
  CHECK_STR(expr_sql(&a, "TRANSFORM(arr, x => x * 2)"), "TRANSFORM(ARR, (X) => (X * 2))");
  sl_expr_t *e;
  CHECK_INT(sl_parse_expr("-5", &a, &e, &err), 0);
  CHECK_INT(e->kind, SL_EX_INT);
  CHECK_STR(e->text, "-5");
  CHECK_INT(sl_parse_expr("-x", &a, &e, &err), 0);
  CHECK_INT(e->kind, SL_EX_UNARY);
  CHECK_INT(sl_parse_expr("a +", &a, &e, &err), SL_ESYNTAX);
  CHECK_INT(err.offset, 3);
  sl_arena_free(&a);
}

SL_TEST(parser_split_and_substitute) {
  sl_arena_t a;
  sl_arena_init(&a, 4096);
  sl_list_t l = {0};
  sl_error_t err;
  CHECK_INT(sl_split_statements("SELECT ';' FROM t; -- a;b\n/* c; */ SHOW STREAMS ;; DESCRIBE x",
                                &a, &l, &err),
            0);
  CHECK_INT(l.len, 3);
  if (l.len == 3) {
    CHECK_STR(l.items[0], "SELECT ';' FROM t;");
    CHECK_STR(l.items[1], "SHOW STREAMS ;");
    CHECK_STR(l.items[2], "DESCRIBE x;");
  }
  sl_list_t l2 = {0};
  CHECK_INT(sl_split_statements("SELECT 'oops FROM t;", &a, &l2, &err), SL_ESYNTAX);

  sl_map_t *vars = sl_map_new(true);
  sl_map_put(vars, "topic", "pageviews");
  char *s = sl_substitute_vars("PRINT '${TOPIC}' ${topic} ${other};", vars, &a);
  CHECK_STR(s, "PRINT 'pageviews' pageviews ${other};");
  sl_map_free(vars);
  sl_arena_free(&a);
}

/* ---------------- golden files ---------------- */

static const char *source_dir(void) {
  const char *d = getenv("SLUICE_SOURCE_DIR");
  return d && *d ? d : ".";
}

static void golden_item_sql(sl_buf_t *out, const sl_stmt_t *st) {
  for (; st; st = st->inner) {
    if (!st->select) continue;
    for (int i = 0; i < st->select->items.len; i++) {
      const sl_select_item_t *it = st->select->items.items[i];
      sl_buf_puts(out, "  sql: ");
      sl_expr_to_sql(it->expr, out);
      sl_buf_putc(out, '\n');
    }
  }
}

/* Parses every statement of one .sql file; returns the expected output. */
static char *golden_render(const char *sql) {
  sl_arena_t a;
  sl_arena_init(&a, 1 << 16);
  sl_buf_t out;
  sl_buf_init(&out);
  sl_list_t stmts = {0};
  sl_error_t err;
  if (sl_split_statements(sql, &a, &stmts, &err)) {
    sl_buf_printf(&out, "SPLIT ERROR: %s\n", err.msg);
  }
  for (int i = 0; i < stmts.len; i++) {
    const char *text = stmts.items[i];
    sl_buf_printf(&out, "-- %s\n", text);
    sl_list_t l = {0};
    if (sl_parse(text, &a, &l, &err)) {
      char msg[2048];
      sl_error_format(&err, text, msg, sizeof msg);
      sl_buf_printf(&out, "ERROR: %s\n", msg);
    } else {
      for (int j = 0; j < l.len; j++) {
        sl_ast_dump(l.items[j], &out);
        golden_item_sql(&out, l.items[j]);
      }
    }
    sl_buf_putc(&out, '\n');
  }
  sl_arena_free(&a);
  return sl_buf_steal(&out);
}

static int name_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

SL_TEST(parser_golden_files) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/tests/golden", source_dir());
  DIR *d = opendir(dir);
  if (!d) {
    sl_test_fail(__FILE__, __LINE__, "no golden directory %s (set SLUICE_SOURCE_DIR)", dir);
    return;
  }
  char *names[256];
  int n = 0;
  struct dirent *de;
  while ((de = readdir(d)) && n < 256) {
    size_t len = strlen(de->d_name);
    if (len > 4 && strcmp(de->d_name + len - 4, ".sql") == 0) names[n++] = sl_strdup(de->d_name);
  }
  closedir(d);
  qsort(names, (size_t)n, sizeof names[0], name_cmp);
  CHECK(n >= 3);
  bool update = getenv("SLUICE_GOLDEN_UPDATE") && strcmp(getenv("SLUICE_GOLDEN_UPDATE"), "1") == 0;
  for (int i = 0; i < n; i++) {
    char path[1400], outpath[1400];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    snprintf(outpath, sizeof outpath, "%.*s.out", (int)strlen(path) - 4, path);
    char *sql = NULL;
    size_t len;
    sl_error_t err;
    if (sl_read_file(path, &sql, &len, &err)) {
      sl_test_fail(__FILE__, __LINE__, "cannot read %s", path);
      continue;
    }
    char *got = golden_render(sql);
    if (update) {
      FILE *f = fopen(outpath, "w");
      if (f) {
        fputs(got, f);
        fclose(f);
      }
    } else {
      char *want = NULL;
      if (sl_read_file(outpath, &want, &len, &err)) {
        sl_test_fail(__FILE__, __LINE__, "missing %s (run with SLUICE_GOLDEN_UPDATE=1)", outpath);
      } else if (strcmp(want, got) != 0) {
        /* Point at the first differing line. */
        int line = 1;
        size_t k = 0;
        while (want[k] && want[k] == got[k]) {
          if (want[k] == '\n') line++;
          k++;
        }
        sl_test_fail(__FILE__, __LINE__, "%s differs from the parser output at line %d", outpath,
                     line);
      }
      free(want);
    }
    free(got);
    free(sql);
  }
  for (int i = 0; i < n; i++) free(names[i]);
}

/* ---------------- QTT corpus smoke test ---------------- */

/* Removes // line comments and block comments outside JSON strings. */
static void strip_json_comments(char *s) {
  char *w = s;
  bool in_str = false;
  while (*s) {
    if (in_str) {
      if (*s == '\\' && s[1]) {
        *w++ = *s++;
      } else if (*s == '"') {
        in_str = false;
      }
      *w++ = *s++;
    } else if (s[0] == '/' && s[1] == '/') {
      while (*s && *s != '\n') s++;
    } else if (s[0] == '/' && s[1] == '*') {
      s += 2;
      while (*s && !(s[0] == '*' && s[1] == '/')) s++;
      if (*s) s += 2;
    } else {
      if (*s == '"') in_str = true;
      *w++ = *s++;
    }
  }
  *w = 0;
}

/* Replaces {FORMAT} with fmt (arena copy). */
static const char *with_format(sl_arena_t *a, const char *stmt, const char *fmt) {
  const char *p = strstr(stmt, "{FORMAT}");
  if (!p) return stmt;
  return sl_arena_sprintf(a, "%.*s%s%s", (int)(p - stmt), stmt, fmt, with_format(a, p + 8, fmt));
}

SL_TEST(parser_qtt_corpus_smoke) {
  char dir[1024];
  const char *env = getenv("SLUICE_QTT");
  if (env && *env)
    snprintf(dir, sizeof dir, "%s", env);
  else
    snprintf(dir, sizeof dir, "%s/../shared/conformance/qtt", source_dir());
  DIR *d = opendir(dir);
  if (!d) {
    snprintf(dir, sizeof dir, "/work/shared/conformance/qtt");
    d = opendir(dir);
  }
  if (!d) {
    printf("  (no QTT corpus found: skipped)\n");
    return;
  }
  int total = 0, parsed = 0, expected_fail = 0, bad = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    size_t len = strlen(de->d_name);
    if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0) continue;
    char path[1400];
    snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    char *text = NULL;
    size_t n;
    sl_error_t err;
    if (sl_read_file(path, &text, &n, &err)) continue;
    strip_json_comments(text);
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    free(text);
    if (!root) {
      sl_test_fail(__FILE__, __LINE__, "%s: bad JSON: %s", de->d_name, jerr.text);
      continue;
    }
    json_t *tests = json_object_get(root, "tests");
    size_t i;
    json_t *t;
    json_array_foreach(tests, i, t) {
      const char *etype =
          json_string_value(json_object_get(json_object_get(t, "expectedException"), "type"));
      bool parse_fail_ok = etype && strstr(etype, "ParseFailedException");
      json_t *fmts = json_object_get(t, "format");
      const char *fmt = json_string_value(json_array_get(fmts, 0));
      size_t j;
      json_t *s;
      json_array_foreach(json_object_get(t, "statements"), j, s) {
        sl_arena_t a;
        sl_arena_init(&a, 8192);
        const char *stmt = with_format(&a, json_string_value(s), fmt ? fmt : "JSON");
        sl_list_t out = {0};
        total++;
        if (sl_parse(stmt, &a, &out, &err) == 0) {
          parsed++;
        } else if (parse_fail_ok) {
          expected_fail++;
        } else {
          bad++;
          if (bad <= 10)
            sl_test_fail(__FILE__, __LINE__, "%s: %s\n    %s", de->d_name, stmt, err.msg);
        }
        sl_arena_free(&a);
      }
    }
    json_decref(root);
  }
  closedir(d);
  printf("  QTT corpus: %d statements, %d parsed, %d rejected as the tests expect, %d failed\n",
         total, parsed, expected_fail, bad);
  CHECK_INT(bad, 0);
  CHECK(total > 0);
}
