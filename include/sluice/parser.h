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
 * to out (sl_stmt_t*), allocated in arena a. Offsets in the tree (stmt->offset,
 * end_offset, every node's offset) are relative to the start of the whole
 * text; stmt->text is an arena copy of that statement alone, from its first
 * token up to and including its ';' (comments before it are not included).
 * The last statement may omit its ';' (its text then ends at its last token).
 * Empty statements (";;") are skipped; empty text gives no statements.
 *
 * On a syntax error returns SL_ESYNTAX; the statements before the failing one
 * are in out. err->offset is the byte offset of the offending token (the end
 * of the text when the input stops too early), and err->msg is worded as
 * ksqlDB words it, because clients and the QTT tests match on it:
 *   Syntax Error\nExpecting {',', ')'}          (what the parser could take)
 *   Syntax Error\nmissing ')' at ','            (a closing bracket is missing)
 *   Syntax Error\n"FROM" is a reserved keyword and it can't be used as an
 *   identifier. You can use it as an identifier by escaping it as `FROM`
 *   Syntax Error\ntoken recognition error at: '#'
 *   Column `ID` is a 'KEY' column: please use 'PRIMARY KEY' for tables.
 * err->hint names the token in plain words:
 *   Syntax error at or near "KEY": expected {'STRING', INTEGER_VALUE}
 * sl_error_format(err, text, ...) adds "line L:C: " and a caret line.
 *
 * Non-reserved keywords (KEY, TYPE, DATE, TIMESTAMP, SESSION, EMIT, ...:
 * ksqlDB's nonReserved list) are read as
 * identifiers wherever a keyword does not fit. A minus sign directly before a
 * number literal is folded into the literal (SL_EX_INT "-5"), as ksqlDB's
 * grammar does; "-(5)" and "-x" stay SL_EX_UNARY. */
int sl_parse(const char *text, sl_arena_t *a, sl_list_t *out, sl_error_t *err);

/* Parses a single type such as "STRUCT<A INT, B ARRAY<STRING>>" or "DECIMAL(4, 2)".
 * Unknown names become SL_TA_NAMED (custom types); VARCHAR(n) is STRING. */
int sl_parse_type(const char *text, sl_arena_t *a, sl_type_ast_t **out, sl_error_t *err);

/* Parses a single expression such as "A + 1" (no trailing ';'). */
int sl_parse_expr(const char *text, sl_arena_t *a, sl_expr_t **out, sl_error_t *err);

/* Splits text into statement texts without parsing them fully (respects quotes
 * and comments). Each element of out is an arena copy ending with ';' (one is
 * added to a last statement without it); empty statements are dropped. An
 * unterminated quote is SL_ESYNTAX. */
int sl_split_statements(const char *text, sl_arena_t *a, sl_list_t *out, sl_error_t *err);

/* Replaces ${name} references using vars (name -> const char* value, keys
 * matched case-insensitively). Text inside single quotes is substituted too,
 * as ksqlDB does. An undefined variable is left as is. Returns an arena copy. */
char *sl_substitute_vars(const char *text, const sl_map_t *vars, sl_arena_t *a);

/* Writes a deterministic, indented dump of a statement (for golden tests). */
void sl_ast_dump(const sl_stmt_t *st, sl_buf_t *out);
void sl_ast_dump_expr(const sl_expr_t *e, sl_buf_t *out);

/* Writes an expression back as SQL text in ksqlDB's style (used for
 * generated column names and DESCRIBE / EXPLAIN output), e.g. (A + 1),
 * SUBSTRING(NAME, 1, 2), A->B, ARR[1], 'it''s', null, true, CONCAT(A, B) for
 * A || B, 1500.0 for 1.5E3. Identifiers are back-quoted only when needed. */
void sl_expr_to_sql(const sl_expr_t *e, sl_buf_t *out);
void sl_type_ast_to_sql(const sl_type_ast_t *t, sl_buf_t *out);

/* True if word (any case) is a reserved keyword that needs back quotes. */
bool sl_is_reserved_word(const char *word);

#endif
