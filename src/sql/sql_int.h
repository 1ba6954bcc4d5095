/*
 * sql_int.h - private plumbing of the SQL front end, shared by the lexer, the
 * Lemon grammar's actions, the AST builders and the parser driver. Nothing
 * outside src/sql includes it: other modules see only parser.h and ast.h.
 *
 * Control flow: parser.c runs the lexer (lexer.c) one token at a time, decides
 * whether a non-reserved keyword is meant as a keyword or as an identifier (by
 * asking the generated tables whether the keyword would be accepted in the
 * current parser state), and feeds the token to the Lemon parser (sql.y). The
 * grammar's actions call the sl_ast_* builders below, which allocate nodes in
 * the caller's arena. The first error recorded in the parse context wins.
 */
#ifndef SLUICE_SQL_INT_H
#define SLUICE_SQL_INT_H

#include "sluice/parser.h"

/* A token as the lexer saw it. Tokens point into the input text. */
typedef struct sl_token {
  int type;      /* TK_* code from the generated sql.h, 0 at end of input */
  int offset;    /* byte offset of the first character */
  int len;       /* length in bytes */
  const char *z; /* text + offset */
} sl_token_t;

/* What the parse is for: statements, a single type or a single expression.
 * The driver feeds a marker token first so one grammar serves all three. */
typedef enum { SL_PARSE_STMTS, SL_PARSE_TYPE, SL_PARSE_EXPR } sl_parse_mode_t;

/* One parse: the text, the arena, where results go and the first error. */
typedef struct sl_pctx {
  const char *text; /* the whole input */
  int text_len;
  sl_arena_t *a;
  sl_error_t *err;
  sl_list_t *out;         /* statements go here (SL_PARSE_STMTS) */
  sl_type_ast_t *type;    /* result of SL_PARSE_TYPE */
  sl_expr_t *expr;        /* result of SL_PARSE_EXPR */
  bool failed;            /* an error has been recorded: stop */
  int empty_partition_by; /* offset of the last "PARTITION BY ()" seen, 0 if none */
  int end_offset;         /* offset just past the last token fed */
} sl_pctx_t;

/* ---- keywords (keywords.c) ---- */
/* Returns the TK_* code of a keyword (case-insensitive), or 0. */
int sl_sql_keyword(const char *z, int n);
/* True if tk is a keyword that ksqlDB lets stand as an identifier. */
bool sl_sql_keyword_nonreserved(int tk);
/* The spelling of a token code for messages: 'SELECT', ',', IDENTIFIER, ... */
const char *sl_sql_token_display(int tk);
/* Sort key that orders tokens as ksqlDB lists them in "Expecting {...}". */
int sl_sql_token_rank(int tk);

/* ---- lexer (lexer.c) ---- */
/* Reads the token starting at or after offset pos (skipping blanks and
 * comments). At end of input returns a token of type 0 at the end offset.
 * Unknown characters and unterminated quotes give TK_ILLEGAL. */
void sl_sql_next_token(const char *text, int len, int pos, sl_token_t *t);

/* ---- Lemon entry points (generated from grammar/sql.y) ---- */
void *slParseAlloc(void *(*mallocProc)(size_t), sl_pctx_t *ctx);
void slParseFree(void *p, void (*freeProc)(void *));
void slParse(void *p, int major, sl_token_t minor);
/* True if the parser, in its current state, would shift token tk (after any
 * reductions). Does not change the parser. */
int slParseAccepts(void *p, int tk);
/* True if the parser would accept tk and then tk2 (for "missing X" and
 * "extraneous X" messages). */
int slParseAccepts2(void *p, int tk, int tk2);
/* Like slParseAccepts2 (tk2 < 0: only tk), but from the state the parser
 * reaches when it meets the unacceptable token bad: the reductions bad
 * triggers are made first. Error messages list what is expected there. */
int slParseAcceptsAfter(void *p, int bad, int tk, int tk2);
/* Number of terminal symbols (token codes run from 1 to this minus one). */
int slParseTokenCount(void);

/* ---- errors ---- */
void sl_sql_error(sl_pctx_t *ctx, int offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- AST builders (ast.c); grammar actions call only these ---- */
sl_ident_t *sl_ast_ident(sl_pctx_t *ctx, sl_token_t t);
/* Appends item (if not NULL) to l, creating the list when l is NULL. */
sl_list_t *sl_ast_list(sl_pctx_t *ctx, sl_list_t *l, void *item);
sl_list_t *sl_ast_list_prepend(sl_pctx_t *ctx, sl_list_t *l, void *item);

sl_expr_t *sl_ast_literal(sl_pctx_t *ctx, sl_expr_kind_t kind, sl_token_t t);
sl_expr_t *sl_ast_column(sl_pctx_t *ctx, sl_ident_t *qual, sl_ident_t *name);
sl_expr_t *sl_ast_star(sl_pctx_t *ctx, sl_ident_t *qual, sl_expr_t *base, sl_token_t star);
sl_expr_t *sl_ast_deref(sl_pctx_t *ctx, sl_expr_t *base, sl_ident_t *field);
sl_expr_t *sl_ast_subscript(sl_pctx_t *ctx, sl_expr_t *base, sl_expr_t *idx, sl_token_t rb);
sl_expr_t *sl_ast_paren(sl_pctx_t *ctx, sl_token_t lp, sl_expr_t *e, sl_token_t rp);
sl_expr_t *sl_ast_unary(sl_pctx_t *ctx, sl_op_t op, sl_token_t t, sl_expr_t *e);
sl_expr_t *sl_ast_binary(sl_pctx_t *ctx, sl_op_t op, sl_expr_t *l, sl_expr_t *r);
sl_expr_t *sl_ast_is_null(sl_pctx_t *ctx, sl_expr_t *l, bool negated, sl_token_t end);
sl_expr_t *sl_ast_distinct(sl_pctx_t *ctx, sl_expr_t *l, bool negated, sl_expr_t *r);
sl_expr_t *sl_ast_between(sl_pctx_t *ctx, sl_expr_t *l, bool negated, sl_expr_t *lo, sl_expr_t *hi);
sl_expr_t *sl_ast_like(sl_pctx_t *ctx, sl_expr_t *l, bool negated, sl_expr_t *pat, sl_expr_t *esc);
sl_expr_t *sl_ast_in(sl_pctx_t *ctx, sl_expr_t *l, bool negated, sl_list_t *args, sl_token_t rp);
sl_when_t *sl_ast_when(sl_pctx_t *ctx, sl_expr_t *when, sl_expr_t *then);
sl_expr_t *sl_ast_case(sl_pctx_t *ctx, sl_token_t kw, sl_expr_t *operand, sl_list_t *whens,
                       sl_expr_t *els, sl_token_t end);
sl_expr_t *sl_ast_cast(sl_pctx_t *ctx, sl_token_t kw, sl_expr_t *e, sl_type_ast_t *type,
                       sl_token_t rp);
sl_expr_t *sl_ast_call(sl_pctx_t *ctx, sl_ident_t *name, sl_list_t *args, bool star, bool distinct,
                       sl_token_t rp);
/* (first, rest...) => body; parameters arrive as expressions and must be
 * plain unqualified column names. */
sl_expr_t *sl_ast_lambda(sl_pctx_t *ctx, sl_expr_t *first, sl_list_t *rest, sl_expr_t *body,
                         int offset);
sl_expr_t *sl_ast_array(sl_pctx_t *ctx, sl_token_t kw, sl_list_t *args, sl_token_t rb);
sl_expr_t *sl_ast_map(sl_pctx_t *ctx, sl_token_t kw, sl_list_t *args, sl_token_t rp);
/* pairs alternates field name (sl_ident_t*) and value (sl_expr_t*). */
sl_expr_t *sl_ast_struct(sl_pctx_t *ctx, sl_token_t kw, sl_list_t *pairs, sl_token_t rp);
sl_expr_t *sl_ast_time_unit(sl_pctx_t *ctx, sl_token_t unit);

/* types */
sl_type_ast_t *sl_ast_type_named(sl_pctx_t *ctx, sl_ident_t *name, sl_list_t *params);
sl_type_ast_t *sl_ast_type_decimal(sl_pctx_t *ctx, sl_token_t kw, sl_expr_t *p, sl_expr_t *s);
sl_type_ast_t *sl_ast_type_array(sl_pctx_t *ctx, int offset, sl_type_ast_t *elem);
sl_type_ast_t *sl_ast_type_map(sl_pctx_t *ctx, sl_token_t kw, sl_type_ast_t *k, sl_type_ast_t *v);
sl_type_ast_t *sl_ast_type_struct(sl_pctx_t *ctx, sl_token_t kw, sl_list_t *fields);
sl_struct_field_ast_t *sl_ast_struct_field(sl_pctx_t *ctx, sl_ident_t *name, sl_type_ast_t *t);

/* durations and windows */
sl_duration_t *sl_ast_duration(sl_pctx_t *ctx, sl_expr_t *amount, sl_token_t unit);
sl_window_ast_t *sl_ast_window(sl_pctx_t *ctx, sl_window_kind_t kind, sl_token_t kw,
                               sl_duration_t *size, sl_duration_t *advance, sl_window_ast_t *opts);
/* opts accumulates RETENTION / GRACE PERIOD clauses; which: 'R' or 'G'. */
sl_window_ast_t *sl_ast_window_opt(sl_pctx_t *ctx, sl_window_ast_t *opts, int which, sl_token_t kw,
                                   sl_duration_t *d);

/* FROM and SELECT */
sl_relation_t *sl_ast_relation(sl_pctx_t *ctx, sl_ident_t *name, sl_ident_t *alias);
sl_join_t *sl_ast_join_kind(sl_pctx_t *ctx, sl_join_kind_t kind, sl_token_t first);
sl_join_t *sl_ast_within(sl_pctx_t *ctx, sl_duration_t *before, sl_duration_t *after,
                         sl_duration_t *grace);
sl_join_t *sl_ast_join(sl_pctx_t *ctx, sl_join_t *kind, sl_token_t join_kw, sl_relation_t *r,
                       sl_join_t *within, sl_expr_t *on);
sl_select_t *sl_ast_from(sl_pctx_t *ctx, sl_select_t *sel, sl_relation_t *first, sl_join_t *j);
sl_select_item_t *sl_ast_select_item(sl_pctx_t *ctx, sl_expr_t *e, sl_ident_t *alias);
sl_select_t *sl_ast_select(sl_pctx_t *ctx, sl_token_t kw, sl_list_t *items, sl_select_t *from,
                           sl_window_ast_t *window, sl_expr_t *where, sl_list_t *group_by,
                           sl_list_t *partition_by, sl_expr_t *having, int emit, sl_expr_t *limit);

/* statements */
sl_property_t *sl_ast_property(sl_pctx_t *ctx, sl_ident_t *name, sl_expr_t *value);
sl_column_def_t *sl_ast_column_def(sl_pctx_t *ctx, sl_ident_t *name, sl_type_ast_t *type,
                                   sl_col_constraint_t constraint, const sl_token_t *header_key);
sl_stmt_t *sl_ast_stmt(sl_pctx_t *ctx, sl_stmt_kind_t kind, int offset);
/* Sets the flags for CREATE [OR REPLACE] [SOURCE] STREAM|TABLE [IF NOT EXISTS] name. */
sl_stmt_t *sl_ast_create_head(sl_pctx_t *ctx, sl_token_t first, bool or_replace, bool source,
                              sl_obj_kind_t obj, bool if_not_exists, sl_ident_t *name);
sl_stmt_t *sl_ast_create_body(sl_pctx_t *ctx, sl_stmt_t *st, sl_list_t *cols, sl_list_t *props,
                              sl_select_t *as_select);
sl_stmt_t *sl_ast_create_type(sl_pctx_t *ctx, sl_token_t kw, bool if_not_exists, sl_ident_t *name,
                              sl_type_ast_t *type);
sl_stmt_t *sl_ast_drop(sl_pctx_t *ctx, sl_token_t kw, sl_obj_kind_t obj, bool if_exists,
                       sl_ident_t *name, bool delete_topic);
/* Sets all (TERMINATE ALL, PAUSE ALL, RESUME ALL). */
sl_stmt_t *sl_ast_all(sl_pctx_t *ctx, sl_stmt_t *st);
sl_stmt_t *sl_ast_show(sl_pctx_t *ctx, sl_token_t kw, sl_show_what_t what, bool extended);
/* obj < 0: DESCRIBE name; else DESCRIBE STREAMS / TABLES. */
sl_stmt_t *sl_ast_describe(sl_pctx_t *ctx, sl_token_t kw, sl_ident_t *name, bool extended, int obj);
sl_stmt_t *sl_ast_alter(sl_pctx_t *ctx, sl_token_t kw, sl_obj_kind_t obj, sl_ident_t *name,
                        sl_list_t *cols);
sl_stmt_t *sl_ast_set_name(sl_pctx_t *ctx, sl_stmt_t *st, sl_ident_t *name);
/* Sets str_name / str_value from string literal or ${var} tokens (NULL: leave). */
sl_stmt_t *sl_ast_set_strings(sl_pctx_t *ctx, sl_stmt_t *st, const sl_token_t *name,
                              const sl_token_t *value);
sl_stmt_t *sl_ast_set_lists(sl_pctx_t *ctx, sl_stmt_t *st, sl_list_t *columns, sl_list_t *props,
                            sl_list_t *values, sl_select_t *sel);
sl_stmt_t *sl_ast_print(sl_pctx_t *ctx, sl_stmt_t *st, bool from_beginning, sl_expr_t *interval,
                        sl_expr_t *limit);
sl_stmt_t *sl_ast_assert(sl_pctx_t *ctx, sl_stmt_t *st, bool not_exists, sl_assert_what_t what,
                         sl_ident_t *subject, sl_expr_t *id, sl_duration_t *timeout);
sl_stmt_t *sl_ast_explain(sl_pctx_t *ctx, sl_token_t kw, sl_stmt_t *inner, sl_ident_t *query_id);
/* Closes a statement at its terminating ';' (or end of text) and appends it. */
void sl_ast_stmt_done(sl_pctx_t *ctx, sl_stmt_t *st, sl_token_t semi);

#endif
