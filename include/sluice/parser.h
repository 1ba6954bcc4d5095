/*
 * parser.h - from statement text to syntax trees. A hand-written lexer feeds a
 * Lemon-generated parser (grammar/sql.y); grammar actions call the builders in
 * src/sql/ast.c. The first error wins: it carries the byte offset of the
 * offending token, its text and what the parser expected there.
 */
#ifndef SLUICE_PARSER_H
#define SLUICE_PARSER_H

#include "sluice/ast.h"

/* Parses every statement in text (separated by ';'). Statements are appended
 * to out (sl_stmt_t*), allocated in arena a. On a syntax error returns
 * SL_ESYNTAX with err->offset at the offending token and a message such as
 *   Syntax error at or near "FROM": expected an identifier
 * Offsets in the tree are relative to the start of text. */
int sl_parse(const char *text, sl_arena_t *a, sl_list_t *out, sl_error_t *err);

/* Parses a single type such as "STRUCT<A INT, B ARRAY<STRING>>" or "DECIMAL(4, 2)". */
int sl_parse_type(const char *text, sl_arena_t *a, sl_type_ast_t **out, sl_error_t *err);

/* Parses a single expression such as "A + 1". */
int sl_parse_expr(const char *text, sl_arena_t *a, sl_expr_t **out, sl_error_t *err);

/* Splits text into statement texts without parsing them fully (respects quotes
 * and comments). Each element of out is an arena copy ending with ';'. */
int sl_split_statements(const char *text, sl_arena_t *a, sl_list_t *out, sl_error_t *err);

/* Replaces ${name} references using vars (name -> const char* value, keys
 * matched case-insensitively). Text inside single quotes is substituted too,
 * as ksqlDB does. An undefined variable is left as is. Returns an arena copy. */
char *sl_substitute_vars(const char *text, const sl_map_t *vars, sl_arena_t *a);

/* Writes a deterministic, indented dump of a statement (for golden tests). */
void sl_ast_dump(const sl_stmt_t *st, sl_buf_t *out);
void sl_ast_dump_expr(const sl_expr_t *e, sl_buf_t *out);

/* Writes an expression back as SQL text in ksqlDB's style (used for
 * generated column names and DESCRIBE / EXPLAIN output), e.g. (A + 1). */
void sl_expr_to_sql(const sl_expr_t *e, sl_buf_t *out);
void sl_type_ast_to_sql(const sl_type_ast_t *t, sl_buf_t *out);

/* True if word (any case) is a reserved keyword that needs back quotes. */
bool sl_is_reserved_word(const char *word);

#endif
