/*
 * sql.y - the ksqlDB statement language as a Lemon grammar. Actions are
 * one-line calls to the builders in src/sql/ast.c; they never look at a
 * catalog. The driver (src/sql/parser.c) feeds tokens from the hand-written
 * lexer and decides, before each token, whether a non-reserved keyword is
 * meant as a keyword or as an identifier, so the grammar itself has no
 * %fallback. One grammar serves statements, a lone type (START_TYPE marker)
 * and a lone expression (START_EXPR marker).
 *
 * Expressions follow ksqlDB's layering: boolean expressions (OR < AND < NOT)
 * over predicates (comparison, BETWEEN, IN, LIKE, IS) over value expressions
 * (|| < + - < * / % < unary sign) over primary expressions (literals, columns,
 * calls, subscripts, dereferences, constructors). Comparisons do not chain
 * and NOT applies only to boolean expressions, as in ksqlDB.
 */

%name slParse
%token_prefix TK_
%token_type {sl_token_t}
%extra_context {sl_pctx_t *ctx}
%stack_size 1000
%start_symbol input

%include {
#include <assert.h>
#include <string.h>
#include "sql_int.h"
}

%syntax_error {
  /* The driver checks every token before feeding it, so this is a backstop. */
  sl_sql_error(ctx, TOKEN.offset, "Syntax Error");
}
%parse_failure { ctx->failed = true; }
%stack_overflow { sl_sql_error(ctx, -1, "Syntax Error\nStatement too complex"); }

/* Token codes: identifiers and literals first, then punctuation, then the
 * keywords (one list; src/sql/keywords.c maps their spelling to these). */
%token IDENT QIDENT SCONST ICONST DCONST FCONST VARIABLE ILLEGAL START_TYPE START_EXPR.
%token SEMI LP RP COMMA DOT EQ NE LT LE GT GE PLUS MINUS STAR SLASH PERCENT CONCAT
       ARROW LAMBDA ASSIGN LBRACKET RBRACKET COLON.
%token ADD ADVANCE ALL ALTER ANALYZE AND ARRAY AS ASSERT AT BEGINNING BETWEEN BY CASE CAST
       CATALOG CHANGES COLUMN COLUMNS CONNECTOR CONNECTORS CREATE DATE DAY DAYS DECIMAL
       DEFINE DELETE DESCRIBE DISTINCT DROP ELSE EMIT END ESCAPE EXISTS EXPLAIN EXPORT
       EXTENDED FALSE FINAL FROM FULL FUNCTION FUNCTIONS GRACE GROUP HAVING HEADER HEADERS
       HOPPING HOUR HOURS ID IF IN INNER INSERT INTEGER INTERVAL INTO IS JOIN KEY LEFT LIKE
       LIMIT LIST LOAD MAP MATERIALIZED MILLISECOND MILLISECONDS MINUTE MINUTES MONTH MONTHS
       NAMESPACE NOT NULL ON OR OUTER PARTITION PARTITIONS PAUSE PERIOD PLUGINS PRIMARY
       PRINT PROPERTIES QUERIES QUERY RENAME REPLACE RESET RESUME RETENTION RIGHT RUN
       SAMPLE SCHEMA SCRIPT SECOND SECONDS SELECT SESSION SET SHOW SINK SIZE SOURCE STREAM
       STREAMS STRING STRUCT SUBJECT SYSTEM TABLE TABLES TERMINATE THEN TIME TIMEOUT
       TIMESTAMP TO TOPIC TOPICS TRUE TUMBLING TYPE TYPES UNDEFINE UNSET VALUES VARIABLES
       VIEW WHEN WHERE WINDOW WITH WITHIN YEAR YEARS ZONE.
%token UNARY.

%left OR.
%left AND.
%right NOT.
%nonassoc EQ NE LT LE GT GE BETWEEN IN LIKE IS.
%left CONCAT.
%left PLUS MINUS.
%left STAR SLASH PERCENT.
%right UNARY.

/* ------------------------------------------------------------------ */
/* Entry points                                                        */

input ::= cmdlist.
input ::= START_TYPE type(T).  { ctx->type = T; }
input ::= START_EXPR expr(E).  { ctx->expr = E; }

cmdlist ::= .
cmdlist ::= cmdlist ecmd.
ecmd ::= SEMI.
ecmd ::= cmd(C) SEMI(S).  { sl_ast_stmt_done(ctx, C, S); }

%type cmd {sl_stmt_t *}

/* ------------------------------------------------------------------ */
/* Identifiers, literals, numbers                                      */

%type ident {sl_ident_t *}
ident(A) ::= IDENT(T).   { A = sl_ast_ident(ctx, T); }
ident(A) ::= QIDENT(T).  { A = sl_ast_ident(ctx, T); }

/* A topic or subject: an identifier or a quoted string. */
%type resource {sl_ident_t *}
resource(A) ::= ident(I).   { A = I; }
resource(A) ::= SCONST(T).  { A = sl_ast_ident(ctx, T); }

%type identlist {sl_list_t *}
identlist(A) ::= ident(I).                      { A = sl_ast_list(ctx, NULL, I); }
identlist(A) ::= identlist(L) COMMA ident(I).   { A = sl_ast_list(ctx, L, I); }

/* Unsigned numbers; a leading minus is folded by sl_ast_unary. */
%type unsigned {sl_expr_t *}
unsigned(A) ::= ICONST(T).  { A = sl_ast_literal(ctx, SL_EX_INT, T); }
unsigned(A) ::= DCONST(T).  { A = sl_ast_literal(ctx, SL_EX_DECIMAL, T); }
unsigned(A) ::= FCONST(T).  { A = sl_ast_literal(ctx, SL_EX_DOUBLE, T); }

%type number {sl_expr_t *}
number(A) ::= unsigned(N).           { A = N; }
number(A) ::= MINUS(M) unsigned(N).  { A = sl_ast_unary(ctx, SL_OP_NEG, M, N); }

%type literal {sl_expr_t *}
literal(A) ::= NULL(T).      { A = sl_ast_literal(ctx, SL_EX_NULL, T); }
literal(A) ::= TRUE(T).      { A = sl_ast_literal(ctx, SL_EX_BOOL, T); }
literal(A) ::= FALSE(T).     { A = sl_ast_literal(ctx, SL_EX_BOOL, T); }
literal(A) ::= SCONST(T).    { A = sl_ast_literal(ctx, SL_EX_STRING, T); }
literal(A) ::= VARIABLE(T).  { A = sl_ast_literal(ctx, SL_EX_VARIABLE, T); }
literal(A) ::= number(N).    { A = N; }

/* ------------------------------------------------------------------ */
/* Types                                                               */

%type type {sl_type_ast_t *}
type(A) ::= ident(N).                                { A = sl_ast_type_named(ctx, N, NULL); }
type(A) ::= ident(N) LP typeparams(P) RP.            { A = sl_ast_type_named(ctx, N, P); }
type(A) ::= DECIMAL(K) LP number(P) COMMA number(S) RP. { A = sl_ast_type_decimal(ctx, K, P, S); }
type(A) ::= ARRAY(K) LT type(E) GT.                  { A = sl_ast_type_array(ctx, K.offset, E); }
type(A) ::= MAP(K) LT type(KT) COMMA type(VT) GT.     { A = sl_ast_type_map(ctx, K, KT, VT); }
type(A) ::= STRUCT(K) LT GT.                         { A = sl_ast_type_struct(ctx, K, NULL); }
type(A) ::= STRUCT(K) NE.                            { A = sl_ast_type_struct(ctx, K, NULL); }
type(A) ::= STRUCT(K) LT sfields(F) GT.              { A = sl_ast_type_struct(ctx, K, F); }
type(A) ::= type(E) ARRAY.                           { A = sl_ast_type_array(ctx, E->offset, E); }

%type typeparams {sl_list_t *}
typeparams(A) ::= typeparam(P).                       { A = sl_ast_list(ctx, NULL, P); }
typeparams(A) ::= typeparams(L) COMMA typeparam(P).   { A = sl_ast_list(ctx, L, P); }
%type typeparam {sl_expr_t *}
typeparam(A) ::= ICONST(T).  { A = sl_ast_literal(ctx, SL_EX_INT, T); }
typeparam(A) ::= STRING(T).  { A = sl_ast_literal(ctx, SL_EX_STRING, T); }

%type sfields {sl_list_t *}
sfields(A) ::= sfield(F).                    { A = sl_ast_list(ctx, NULL, F); }
sfields(A) ::= sfields(L) COMMA sfield(F).   { A = sl_ast_list(ctx, L, F); }
%type sfield {sl_struct_field_ast_t *}
sfield(A) ::= ident(N) type(T).  { A = sl_ast_struct_field(ctx, N, T); }

/* ------------------------------------------------------------------ */
/* Expressions                                                         */

%type expr {sl_expr_t *}
expr(A) ::= expr(L) OR expr(R).   { A = sl_ast_binary(ctx, SL_OP_OR, L, R); }
expr(A) ::= expr(L) AND expr(R).  { A = sl_ast_binary(ctx, SL_OP_AND, L, R); }
expr(A) ::= NOT(T) expr(E).       { A = sl_ast_unary(ctx, SL_OP_NOT, T, E); }
expr(A) ::= vexpr(E).             { A = E; }
expr(A) ::= vexpr(L) EQ vexpr(R). { A = sl_ast_binary(ctx, SL_OP_EQ, L, R); }
expr(A) ::= vexpr(L) NE vexpr(R). { A = sl_ast_binary(ctx, SL_OP_NE, L, R); }
expr(A) ::= vexpr(L) LT vexpr(R). { A = sl_ast_binary(ctx, SL_OP_LT, L, R); }
expr(A) ::= vexpr(L) LE vexpr(R). { A = sl_ast_binary(ctx, SL_OP_LE, L, R); }
expr(A) ::= vexpr(L) GT vexpr(R). { A = sl_ast_binary(ctx, SL_OP_GT, L, R); }
expr(A) ::= vexpr(L) GE vexpr(R). { A = sl_ast_binary(ctx, SL_OP_GE, L, R); }
expr(A) ::= vexpr(L) BETWEEN vexpr(X) AND vexpr(Y).     { A = sl_ast_between(ctx, L, false, X, Y); }
expr(A) ::= vexpr(L) NOT BETWEEN vexpr(X) AND vexpr(Y). { A = sl_ast_between(ctx, L, true, X, Y); }
expr(A) ::= vexpr(L) IN LP exprlist(X) RP(E).           { A = sl_ast_in(ctx, L, false, X, E); }
expr(A) ::= vexpr(L) NOT IN LP exprlist(X) RP(E).       { A = sl_ast_in(ctx, L, true, X, E); }
expr(A) ::= vexpr(L) LIKE vexpr(P).                     { A = sl_ast_like(ctx, L, false, P, NULL); }
expr(A) ::= vexpr(L) LIKE vexpr(P) ESCAPE literal(X).   { A = sl_ast_like(ctx, L, false, P, X); }
expr(A) ::= vexpr(L) NOT LIKE vexpr(P).                 { A = sl_ast_like(ctx, L, true, P, NULL); }
expr(A) ::= vexpr(L) NOT LIKE vexpr(P) ESCAPE literal(X). { A = sl_ast_like(ctx, L, true, P, X); }
expr(A) ::= vexpr(L) IS NULL(E).                        { A = sl_ast_is_null(ctx, L, false, E); }
expr(A) ::= vexpr(L) IS NOT NULL(E).                    { A = sl_ast_is_null(ctx, L, true, E); }
expr(A) ::= vexpr(L) IS DISTINCT FROM vexpr(R).         { A = sl_ast_distinct(ctx, L, false, R); }
expr(A) ::= vexpr(L) IS NOT DISTINCT FROM vexpr(R).     { A = sl_ast_distinct(ctx, L, true, R); }

%type vexpr {sl_expr_t *}
vexpr(A) ::= pexpr(E).                       { A = E; }
vexpr(A) ::= MINUS(T) vexpr(E). [UNARY]      { A = sl_ast_unary(ctx, SL_OP_NEG, T, E); }
vexpr(A) ::= PLUS(T) vexpr(E). [UNARY]       { A = sl_ast_unary(ctx, SL_OP_PLUS, T, E); }
vexpr(A) ::= vexpr(L) STAR vexpr(R).         { A = sl_ast_binary(ctx, SL_OP_MUL, L, R); }
vexpr(A) ::= vexpr(L) SLASH vexpr(R).        { A = sl_ast_binary(ctx, SL_OP_DIV, L, R); }
vexpr(A) ::= vexpr(L) PERCENT vexpr(R).      { A = sl_ast_binary(ctx, SL_OP_MOD, L, R); }
vexpr(A) ::= vexpr(L) PLUS vexpr(R).         { A = sl_ast_binary(ctx, SL_OP_ADD, L, R); }
vexpr(A) ::= vexpr(L) MINUS vexpr(R).        { A = sl_ast_binary(ctx, SL_OP_SUB, L, R); }
vexpr(A) ::= vexpr(L) CONCAT vexpr(R).       { A = sl_ast_binary(ctx, SL_OP_CONCAT, L, R); }

%type pexpr {sl_expr_t *}
pexpr(A) ::= NULL(T).      { A = sl_ast_literal(ctx, SL_EX_NULL, T); }
pexpr(A) ::= TRUE(T).      { A = sl_ast_literal(ctx, SL_EX_BOOL, T); }
pexpr(A) ::= FALSE(T).     { A = sl_ast_literal(ctx, SL_EX_BOOL, T); }
pexpr(A) ::= SCONST(T).    { A = sl_ast_literal(ctx, SL_EX_STRING, T); }
pexpr(A) ::= VARIABLE(T).  { A = sl_ast_literal(ctx, SL_EX_VARIABLE, T); }
pexpr(A) ::= unsigned(N).  { A = N; }
pexpr(A) ::= ident(N).                        { A = sl_ast_column(ctx, NULL, N); }
pexpr(A) ::= ident(Q) DOT ident(N).           { A = sl_ast_column(ctx, Q, N); }
pexpr(A) ::= pexpr(B) ARROW ident(F).         { A = sl_ast_deref(ctx, B, F); }
pexpr(A) ::= pexpr(B) LBRACKET vexpr(I) RBRACKET(E). { A = sl_ast_subscript(ctx, B, I, E); }
pexpr(A) ::= LP(L) expr(E) RP(R).             { A = sl_ast_paren(ctx, L, E, R); }
pexpr(A) ::= ident(N) LP STAR RP(E).          { A = sl_ast_call(ctx, N, NULL, true, false, E); }
pexpr(A) ::= ident(N) LP RP(E).               { A = sl_ast_call(ctx, N, NULL, false, false, E); }
pexpr(A) ::= ident(N) LP args(X) RP(E).       { A = sl_ast_call(ctx, N, X, false, false, E); }
pexpr(A) ::= ident(N) LP DISTINCT args(X) RP(E). { A = sl_ast_call(ctx, N, X, false, true, E); }
pexpr(A) ::= CAST(K) LP expr(E) AS type(T) RP(R). { A = sl_ast_cast(ctx, K, E, T, R); }
pexpr(A) ::= CASE(K) whens(W) END(E).                   { A = sl_ast_case(ctx, K, NULL, W, NULL, E); }
pexpr(A) ::= CASE(K) whens(W) ELSE expr(X) END(E).      { A = sl_ast_case(ctx, K, NULL, W, X, E); }
pexpr(A) ::= CASE(K) vexpr(O) whens(W) END(E).          { A = sl_ast_case(ctx, K, O, W, NULL, E); }
pexpr(A) ::= CASE(K) vexpr(O) whens(W) ELSE expr(X) END(E). { A = sl_ast_case(ctx, K, O, W, X, E); }
pexpr(A) ::= ARRAY(K) LBRACKET RBRACKET(E).              { A = sl_ast_array(ctx, K, NULL, E); }
pexpr(A) ::= ARRAY(K) LBRACKET exprlist(X) RBRACKET(E).  { A = sl_ast_array(ctx, K, X, E); }
pexpr(A) ::= MAP(K) LP RP(E).                            { A = sl_ast_map(ctx, K, NULL, E); }
pexpr(A) ::= MAP(K) LP mapentries(X) RP(E).              { A = sl_ast_map(ctx, K, X, E); }
pexpr(A) ::= STRUCT(K) LP RP(E).                         { A = sl_ast_struct(ctx, K, NULL, E); }
pexpr(A) ::= STRUCT(K) LP structnames(N) RP(E).          { A = sl_ast_struct(ctx, K, N, E); }

%type whens {sl_list_t *}
whens(A) ::= when(W).            { A = sl_ast_list(ctx, NULL, W); }
whens(A) ::= whens(L) when(W).   { A = sl_ast_list(ctx, L, W); }
%type when {sl_when_t *}
when(A) ::= WHEN expr(C) THEN expr(R).  { A = sl_ast_when(ctx, C, R); }

%type exprlist {sl_list_t *}
exprlist(A) ::= expr(E).                       { A = sl_ast_list(ctx, NULL, E); }
exprlist(A) ::= exprlist(L) COMMA expr(E).     { A = sl_ast_list(ctx, L, E); }

%type vexprlist {sl_list_t *}
vexprlist(A) ::= vexpr(E).                     { A = sl_ast_list(ctx, NULL, E); }
vexprlist(A) ::= vexprlist(L) COMMA vexpr(E).  { A = sl_ast_list(ctx, L, E); }

/* MAP(k := v, ...): keys and values alternate in one list. */
%type mapentries {sl_list_t *}
mapentries(A) ::= expr(K) ASSIGN expr(V).  { A = sl_ast_list(ctx, sl_ast_list(ctx, NULL, K), V); }
mapentries(A) ::= mapentries(L) COMMA expr(K) ASSIGN expr(V). { A = sl_ast_list(ctx, sl_ast_list(ctx, L, K), V); }

/* STRUCT(name := v, ...): names and values alternate; the builder splits them. */
%type structnames {sl_list_t *}
structnames(A) ::= ident(N) ASSIGN expr(V).  { A = sl_ast_list(ctx, sl_ast_list(ctx, NULL, N), V); }
structnames(A) ::= structnames(L) COMMA ident(N) ASSIGN expr(V). { A = sl_ast_list(ctx, sl_ast_list(ctx, L, N), V); }

/* Function arguments: expressions, bare time units (TIMESTAMPADD(SECONDS, ..))
 * and lambdas. A lambda's parameter list is parsed as expressions and checked
 * by the builder: "x => .." and "(x) => .." reach it as one column. */
%type args {sl_list_t *}
args(A) ::= arg(E).                  { A = sl_ast_list(ctx, NULL, E); }
args(A) ::= args(L) COMMA arg(E).    { A = sl_ast_list(ctx, L, E); }
%type arg {sl_expr_t *}
arg(A) ::= expr(E).                                   { A = E; }
arg(A) ::= tunit(U).                                  { A = sl_ast_time_unit(ctx, U); }
arg(A) ::= expr(P) LAMBDA expr(B).                    { A = sl_ast_lambda(ctx, P, NULL, B, P->offset); }
arg(A) ::= LP(L) expr(P) COMMA exprlist(X) RP LAMBDA expr(B). { A = sl_ast_lambda(ctx, P, X, B, L.offset); }

/* ------------------------------------------------------------------ */
/* Durations and windows                                               */

%type tunit {sl_token_t}
tunit(A) ::= MILLISECOND(T).   { A = T; }
tunit(A) ::= MILLISECONDS(T).  { A = T; }
tunit(A) ::= SECOND(T).        { A = T; }
tunit(A) ::= SECONDS(T).       { A = T; }
tunit(A) ::= MINUTE(T).        { A = T; }
tunit(A) ::= MINUTES(T).       { A = T; }
tunit(A) ::= HOUR(T).          { A = T; }
tunit(A) ::= HOURS(T).         { A = T; }
tunit(A) ::= DAY(T).           { A = T; }
tunit(A) ::= DAYS(T).          { A = T; }

%type duration {sl_duration_t *}
duration(A) ::= number(N) tunit(U).  { A = sl_ast_duration(ctx, N, U); }

%type window {sl_window_ast_t *}
window(A) ::= TUMBLING(K) LP SIZE duration(S) winopts(O) RP.  { A = sl_ast_window(ctx, SL_WIN_TUMBLING, K, S, NULL, O); }
window(A) ::= HOPPING(K) LP SIZE duration(S) COMMA ADVANCE BY duration(V) winopts(O) RP. { A = sl_ast_window(ctx, SL_WIN_HOPPING, K, S, V, O); }
window(A) ::= SESSION(K) LP duration(S) winopts(O) RP.       { A = sl_ast_window(ctx, SL_WIN_SESSION, K, S, NULL, O); }

%type winopts {sl_window_ast_t *}
winopts(A) ::= .  { A = NULL; }
winopts(A) ::= winopts(O) COMMA RETENTION(K) duration(D).  { A = sl_ast_window_opt(ctx, O, 'R', K, D); }
winopts(A) ::= winopts(O) COMMA GRACE(K) PERIOD duration(D). { A = sl_ast_window_opt(ctx, O, 'G', K, D); }

/* ------------------------------------------------------------------ */
/* SELECT                                                              */

%type select {sl_select_t *}
select(A) ::= SELECT(K) selitems(I) FROM from(F) window_opt(W) where_opt(WH) groupby_opt(G)
              partitionby_opt(P) having_opt(H) emit_opt(E) limit_opt(L).
              { A = sl_ast_select(ctx, K, I, F, W, WH, G, P, H, E, L); }

%type selitems {sl_list_t *}
selitems(A) ::= selitem(I).                     { A = sl_ast_list(ctx, NULL, I); }
selitems(A) ::= selitems(L) COMMA selitem(I).   { A = sl_ast_list(ctx, L, I); }
%type selitem {sl_select_item_t *}
selitem(A) ::= expr(E).                  { A = sl_ast_select_item(ctx, E, NULL); }
selitem(A) ::= expr(E) AS ident(N).      { A = sl_ast_select_item(ctx, E, N); }
selitem(A) ::= expr(E) ident(N).         { A = sl_ast_select_item(ctx, E, N); }
selitem(A) ::= STAR(S).                  { A = sl_ast_select_item(ctx, sl_ast_star(ctx, NULL, NULL, S), NULL); }
selitem(A) ::= ident(Q) DOT STAR(S).     { A = sl_ast_select_item(ctx, sl_ast_star(ctx, Q, NULL, S), NULL); }
selitem(A) ::= pexpr(B) ARROW STAR(S).   { A = sl_ast_select_item(ctx, sl_ast_star(ctx, NULL, B, S), NULL); }

%type from {sl_select_t *}
from(A) ::= relation(R).          { A = sl_ast_from(ctx, NULL, R, NULL); }
from(A) ::= from(F) join(J).      { A = sl_ast_from(ctx, F, NULL, J); }

%type relation {sl_relation_t *}
relation(A) ::= ident(N).               { A = sl_ast_relation(ctx, N, NULL); }
relation(A) ::= ident(N) AS ident(X).   { A = sl_ast_relation(ctx, N, X); }
relation(A) ::= ident(N) ident(X).      { A = sl_ast_relation(ctx, N, X); }

%type join {sl_join_t *}
join(A) ::= jointype(K) JOIN(J) relation(R) within(W) ON expr(E).  { A = sl_ast_join(ctx, K, J, R, W, E); }

%type jointype {sl_join_t *}
jointype(A) ::= .                { A = NULL; }
jointype(A) ::= INNER(T).        { A = sl_ast_join_kind(ctx, SL_JOIN_INNER, T); }
jointype(A) ::= LEFT(T).         { A = sl_ast_join_kind(ctx, SL_JOIN_LEFT, T); }
jointype(A) ::= LEFT(T) OUTER.   { A = sl_ast_join_kind(ctx, SL_JOIN_LEFT, T); }
jointype(A) ::= RIGHT(T).        { A = sl_ast_join_kind(ctx, SL_JOIN_RIGHT, T); }
jointype(A) ::= RIGHT(T) OUTER.  { A = sl_ast_join_kind(ctx, SL_JOIN_RIGHT, T); }
jointype(A) ::= FULL(T).         { A = sl_ast_join_kind(ctx, SL_JOIN_FULL, T); }
jointype(A) ::= FULL(T) OUTER.   { A = sl_ast_join_kind(ctx, SL_JOIN_FULL, T); }

%type within {sl_join_t *}
within(A) ::= .                                            { A = NULL; }
within(A) ::= WITHIN duration(D) grace_opt(G).             { A = sl_ast_within(ctx, D, D, G); }
within(A) ::= WITHIN LP duration(B) COMMA duration(F) RP grace_opt(G). { A = sl_ast_within(ctx, B, F, G); }

%type grace_opt {sl_duration_t *}
grace_opt(A) ::= .                          { A = NULL; }
grace_opt(A) ::= GRACE PERIOD duration(D).  { A = D; }

%type window_opt {sl_window_ast_t *}
window_opt(A) ::= .                            { A = NULL; }
window_opt(A) ::= WINDOW window(W).            { A = W; }
window_opt(A) ::= WINDOW ident window(W).      { A = W; }

%type where_opt {sl_expr_t *}
where_opt(A) ::= .                 { A = NULL; }
where_opt(A) ::= WHERE expr(E).    { A = E; }

/* GROUP BY / PARTITION BY take value expressions, either as a plain list or
 * as one parenthesised list; "(a)" alone is a parenthesised expression. */
%type groupby_opt {sl_list_t *}
groupby_opt(A) ::= .                       { A = NULL; }
groupby_opt(A) ::= GROUP BY grouplist(L).  { A = L; }
%type partitionby_opt {sl_list_t *}
partitionby_opt(A) ::= .                           { A = NULL; }
partitionby_opt(A) ::= PARTITION(K) BY grouplist(L). {
  A = L;
  /* "PARTITION BY ()" parses; the analyzer refuses it (ksqlDB's message). */
  if (L && L->len == 0) ctx->empty_partition_by = K.offset;
}
%type grouplist {sl_list_t *}
grouplist(A) ::= vexprlist(L).                          { A = L; }
grouplist(A) ::= LP RP.                                 { A = sl_ast_list(ctx, NULL, NULL); }
grouplist(A) ::= LP vexpr(E) COMMA vexprlist(L) RP.     { A = sl_ast_list_prepend(ctx, L, E); }

%type having_opt {sl_expr_t *}
having_opt(A) ::= .                  { A = NULL; }
having_opt(A) ::= HAVING expr(E).    { A = E; }

%type emit_opt {int}
emit_opt(A) ::= .               { A = SL_EMIT_NONE; }
emit_opt(A) ::= EMIT CHANGES.   { A = SL_EMIT_CHANGES; }
emit_opt(A) ::= EMIT FINAL.     { A = SL_EMIT_FINAL; }

%type limit_opt {sl_expr_t *}
limit_opt(A) ::= .                 { A = NULL; }
limit_opt(A) ::= LIMIT number(N).  { A = N; }

/* ------------------------------------------------------------------ */
/* Statements                                                          */

cmd(A) ::= select(Q).  { A = sl_ast_set_lists(ctx, sl_ast_stmt(ctx, SL_ST_SELECT, Q->offset), NULL, NULL, NULL, Q); }

/* CREATE [OR REPLACE] [SOURCE] STREAM|TABLE [IF NOT EXISTS] name ... */
%type or_replace {bool}
or_replace(A) ::= .            { A = false; }
or_replace(A) ::= OR REPLACE.  { A = true; }
%type if_not_exists {bool}
if_not_exists(A) ::= .              { A = false; }
if_not_exists(A) ::= IF NOT EXISTS. { A = true; }
%type if_exists {bool}
if_exists(A) ::= .          { A = false; }
if_exists(A) ::= IF EXISTS. { A = true; }

%type create_head {sl_stmt_t *}
create_head(A) ::= CREATE(K) or_replace(R) STREAM if_not_exists(I) ident(N). { A = sl_ast_create_head(ctx, K, R, false, SL_OBJ_STREAM, I, N); }
create_head(A) ::= CREATE(K) or_replace(R) TABLE if_not_exists(I) ident(N).  { A = sl_ast_create_head(ctx, K, R, false, SL_OBJ_TABLE, I, N); }
%type source_head {sl_stmt_t *}
source_head(A) ::= CREATE(K) or_replace(R) SOURCE STREAM if_not_exists(I) ident(N). { A = sl_ast_create_head(ctx, K, R, true, SL_OBJ_STREAM, I, N); }
source_head(A) ::= CREATE(K) or_replace(R) SOURCE TABLE if_not_exists(I) ident(N).  { A = sl_ast_create_head(ctx, K, R, true, SL_OBJ_TABLE, I, N); }

cmd(A) ::= create_head(H).                                 { A = sl_ast_create_body(ctx, H, NULL, NULL, NULL); }
cmd(A) ::= create_head(H) elements(E).                     { A = sl_ast_create_body(ctx, H, E, NULL, NULL); }
cmd(A) ::= create_head(H) elements(E) with(W).             { A = sl_ast_create_body(ctx, H, E, W, NULL); }
cmd(A) ::= create_head(H) with(W).                         { A = sl_ast_create_body(ctx, H, NULL, W, NULL); }
cmd(A) ::= create_head(H) with(W) AS select(Q).         { A = sl_ast_create_body(ctx, H, NULL, W, Q); }
cmd(A) ::= create_head(H) AS select(Q).                 { A = sl_ast_create_body(ctx, H, NULL, NULL, Q); }
cmd(A) ::= source_head(H).                                 { A = sl_ast_create_body(ctx, H, NULL, NULL, NULL); }
cmd(A) ::= source_head(H) elements(E).                     { A = sl_ast_create_body(ctx, H, E, NULL, NULL); }
cmd(A) ::= source_head(H) elements(E) with(W).             { A = sl_ast_create_body(ctx, H, E, W, NULL); }
cmd(A) ::= source_head(H) with(W).                         { A = sl_ast_create_body(ctx, H, NULL, W, NULL); }

%type elements {sl_list_t *}
elements(A) ::= LP colspecs(L) RP.  { A = L; }
%type colspecs {sl_list_t *}
colspecs(A) ::= colspec(C).                    { A = sl_ast_list(ctx, NULL, C); }
colspecs(A) ::= colspecs(L) COMMA colspec(C).  { A = sl_ast_list(ctx, L, C); }
%type colspec {sl_column_def_t *}
colspec(A) ::= ident(N) type(T).                        { A = sl_ast_column_def(ctx, N, T, SL_COL_VALUE, NULL); }
colspec(A) ::= ident(N) type(T) KEY.                    { A = sl_ast_column_def(ctx, N, T, SL_COL_KEY, NULL); }
colspec(A) ::= ident(N) type(T) PRIMARY KEY.            { A = sl_ast_column_def(ctx, N, T, SL_COL_PRIMARY_KEY, NULL); }
colspec(A) ::= ident(N) type(T) HEADERS.                { A = sl_ast_column_def(ctx, N, T, SL_COL_HEADERS, NULL); }
colspec(A) ::= ident(N) type(T) HEADER LP SCONST(K) RP. { A = sl_ast_column_def(ctx, N, T, SL_COL_HEADER, &K); }

%type with {sl_list_t *}
with(A) ::= WITH LP props(L) RP.  { A = L; }
%type props {sl_list_t *}
props(A) ::= prop(P).                 { A = sl_ast_list(ctx, NULL, P); }
props(A) ::= props(L) COMMA prop(P).  { A = sl_ast_list(ctx, L, P); }
%type prop {sl_property_t *}
prop(A) ::= ident(N) EQ literal(V).    { A = sl_ast_property(ctx, N, V); }
prop(A) ::= SCONST(N) EQ literal(V).   { A = sl_ast_property(ctx, sl_ast_ident(ctx, N), V); }

/* INSERT */
cmd(A) ::= INSERT(K) INTO ident(N) select(Q).          { A = sl_ast_set_lists(ctx, sl_ast_set_name(ctx, sl_ast_stmt(ctx, SL_ST_INSERT_SELECT, K.offset), N), NULL, NULL, NULL, Q); }
cmd(A) ::= INSERT(K) INTO ident(N) with(W) select(Q).  { A = sl_ast_set_lists(ctx, sl_ast_set_name(ctx, sl_ast_stmt(ctx, SL_ST_INSERT_SELECT, K.offset), N), NULL, W, NULL, Q); }
cmd(A) ::= INSERT(K) INTO ident(N) VALUES LP RP.       { A = sl_ast_set_lists(ctx, sl_ast_set_name(ctx, sl_ast_stmt(ctx, SL_ST_INSERT_VALUES, K.offset), N), NULL, NULL, NULL, NULL); }
cmd(A) ::= INSERT(K) INTO ident(N) VALUES LP vexprlist(V) RP. { A = sl_ast_set_lists(ctx, sl_ast_set_name(ctx, sl_ast_stmt(ctx, SL_ST_INSERT_VALUES, K.offset), N), NULL, NULL, V, NULL); }
cmd(A) ::= INSERT(K) INTO ident(N) LP identlist(C) RP VALUES LP RP. { A = sl_ast_set_lists(ctx, sl_ast_set_name(ctx, sl_ast_stmt(ctx, SL_ST_INSERT_VALUES, K.offset), N), C, NULL, NULL, NULL); }
cmd(A) ::= INSERT(K) INTO ident(N) LP identlist(C) RP VALUES LP vexprlist(V) RP. { A = sl_ast_set_lists(ctx, sl_ast_set_name(ctx, sl_ast_stmt(ctx, SL_ST_INSERT_VALUES, K.offset), N), C, NULL, V, NULL); }

/* DROP */
%type delete_topic {bool}
delete_topic(A) ::= .              { A = false; }
delete_topic(A) ::= DELETE TOPIC.  { A = true; }
cmd(A) ::= DROP(K) STREAM if_exists(I) ident(N) delete_topic(D). { A = sl_ast_drop(ctx, K, SL_OBJ_STREAM, I, N, D); }
cmd(A) ::= DROP(K) TABLE if_exists(I) ident(N) delete_topic(D).  { A = sl_ast_drop(ctx, K, SL_OBJ_TABLE, I, N, D); }
cmd(A) ::= DROP(K) TYPE if_exists(I) ident(N).                   { A = sl_ast_drop(ctx, K, SL_OBJ_TYPE, I, N, false); }

/* TERMINATE / PAUSE / RESUME */
cmd(A) ::= TERMINATE(K) ident(N).  { A = sl_ast_set_name(ctx, sl_ast_stmt(ctx, SL_ST_TERMINATE, K.offset), N); }
cmd(A) ::= TERMINATE(K) ALL.       { A = sl_ast_all(ctx, sl_ast_stmt(ctx, SL_ST_TERMINATE, K.offset)); }
cmd(A) ::= PAUSE(K) ident(N).      { A = sl_ast_set_name(ctx, sl_ast_stmt(ctx, SL_ST_PAUSE, K.offset), N); }
cmd(A) ::= PAUSE(K) ALL.           { A = sl_ast_all(ctx, sl_ast_stmt(ctx, SL_ST_PAUSE, K.offset)); }
cmd(A) ::= RESUME(K) ident(N).     { A = sl_ast_set_name(ctx, sl_ast_stmt(ctx, SL_ST_RESUME, K.offset), N); }
cmd(A) ::= RESUME(K) ALL.          { A = sl_ast_all(ctx, sl_ast_stmt(ctx, SL_ST_RESUME, K.offset)); }

/* SHOW | LIST */
%type show {sl_token_t}
show(A) ::= SHOW(T).  { A = T; }
show(A) ::= LIST(T).  { A = T; }
%type extended {bool}
extended(A) ::= .          { A = false; }
extended(A) ::= EXTENDED.  { A = true; }
cmd(A) ::= show(K) STREAMS extended(E).        { A = sl_ast_show(ctx, K, SL_SHOW_STREAMS, E); }
cmd(A) ::= show(K) TABLES extended(E).         { A = sl_ast_show(ctx, K, SL_SHOW_TABLES, E); }
cmd(A) ::= show(K) TOPICS extended(E).         { A = sl_ast_show(ctx, K, SL_SHOW_TOPICS, E); }
cmd(A) ::= show(K) ALL TOPICS extended(E).     { A = sl_ast_show(ctx, K, SL_SHOW_ALL_TOPICS, E); }
cmd(A) ::= show(K) QUERIES extended(E).        { A = sl_ast_show(ctx, K, SL_SHOW_QUERIES, E); }
cmd(A) ::= show(K) PROPERTIES.                 { A = sl_ast_show(ctx, K, SL_SHOW_PROPERTIES, false); }
cmd(A) ::= show(K) FUNCTIONS.                  { A = sl_ast_show(ctx, K, SL_SHOW_FUNCTIONS, false); }
cmd(A) ::= show(K) TYPES.                      { A = sl_ast_show(ctx, K, SL_SHOW_TYPES, false); }
cmd(A) ::= show(K) VARIABLES.                  { A = sl_ast_show(ctx, K, SL_SHOW_VARIABLES, false); }
cmd(A) ::= show(K) CONNECTORS.                 { A = sl_ast_show(ctx, K, SL_SHOW_CONNECTORS, false); }
cmd(A) ::= show(K) SOURCE CONNECTORS.          { A = sl_ast_show(ctx, K, SL_SHOW_CONNECTORS, false); }
cmd(A) ::= show(K) SINK CONNECTORS.            { A = sl_ast_show(ctx, K, SL_SHOW_CONNECTORS, false); }

/* DESCRIBE */
cmd(A) ::= DESCRIBE(K) ident(N) extended(E).  { A = sl_ast_describe(ctx, K, N, E, -1); }
cmd(A) ::= DESCRIBE(K) EXTENDED ident(N).     { A = sl_ast_describe(ctx, K, N, true, -1); }
cmd(A) ::= DESCRIBE(K) STREAMS extended(E).   { A = sl_ast_describe(ctx, K, NULL, E, SL_OBJ_STREAM); }
cmd(A) ::= DESCRIBE(K) TABLES extended(E).    { A = sl_ast_describe(ctx, K, NULL, E, SL_OBJ_TABLE); }
cmd(A) ::= DESCRIBE(K) FUNCTION ident(N).     { A = sl_ast_set_name(ctx, sl_ast_stmt(ctx, SL_ST_DESCRIBE_FUNCTION, K.offset), N); }

/* EXPLAIN */
cmd(A) ::= EXPLAIN(K) cmd(C).     { A = sl_ast_explain(ctx, K, C, NULL); }
cmd(A) ::= EXPLAIN(K) ident(N).   { A = sl_ast_explain(ctx, K, NULL, N); }

/* PRINT */
%type from_beginning {bool}
from_beginning(A) ::= .               { A = false; }
from_beginning(A) ::= FROM BEGINNING. { A = true; }
%type interval_opt {sl_expr_t *}
interval_opt(A) ::= .                    { A = NULL; }
interval_opt(A) ::= INTERVAL number(N).  { A = N; }
interval_opt(A) ::= SAMPLE number(N).    { A = N; }
cmd(A) ::= PRINT(K) resource(N) from_beginning(B) interval_opt(I) limit_opt(L). { A = sl_ast_print(ctx, sl_ast_set_name(ctx, sl_ast_stmt(ctx, SL_ST_PRINT, K.offset), N), B, I, L); }

/* SET / UNSET / DEFINE / UNDEFINE */
%type setval {sl_token_t}
setval(A) ::= SCONST(T).    { A = T; }
setval(A) ::= VARIABLE(T).  { A = T; }
cmd(A) ::= SET(K) setval(N) EQ setval(V).  { A = sl_ast_set_strings(ctx, sl_ast_stmt(ctx, SL_ST_SET, K.offset), &N, &V); }
cmd(A) ::= UNSET(K) setval(N).             { A = sl_ast_set_strings(ctx, sl_ast_stmt(ctx, SL_ST_UNSET, K.offset), &N, NULL); }
cmd(A) ::= DEFINE(K) ident(N) EQ SCONST(V). { A = sl_ast_set_strings(ctx, sl_ast_set_name(ctx, sl_ast_stmt(ctx, SL_ST_DEFINE, K.offset), N), NULL, &V); }
cmd(A) ::= UNDEFINE(K) ident(N).           { A = sl_ast_set_name(ctx, sl_ast_stmt(ctx, SL_ST_UNDEFINE, K.offset), N); }

/* CREATE TYPE */
cmd(A) ::= CREATE(K) TYPE if_not_exists(I) ident(N) AS type(T). { A = sl_ast_create_type(ctx, K, I, N, T); }

/* ALTER STREAM|TABLE x ADD [COLUMN] c type, ... */
%type alterops {sl_list_t *}
alterops(A) ::= alterop(C).                    { A = sl_ast_list(ctx, NULL, C); }
alterops(A) ::= alterops(L) COMMA alterop(C).  { A = sl_ast_list(ctx, L, C); }
%type alterop {sl_column_def_t *}
alterop(A) ::= ADD ident(N) type(T).         { A = sl_ast_column_def(ctx, N, T, SL_COL_VALUE, NULL); }
alterop(A) ::= ADD COLUMN ident(N) type(T).  { A = sl_ast_column_def(ctx, N, T, SL_COL_VALUE, NULL); }
cmd(A) ::= ALTER(K) STREAM ident(N) alterops(L).  { A = sl_ast_alter(ctx, K, SL_OBJ_STREAM, N, L); }
cmd(A) ::= ALTER(K) TABLE ident(N) alterops(L).   { A = sl_ast_alter(ctx, K, SL_OBJ_TABLE, N, L); }

/* ASSERT */
%type not_exists {bool}
not_exists(A) ::= .           { A = false; }
not_exists(A) ::= NOT EXISTS. { A = true; }
%type with_opt {sl_list_t *}
with_opt(A) ::= .        { A = NULL; }
with_opt(A) ::= with(W). { A = W; }
%type timeout_opt {sl_duration_t *}
timeout_opt(A) ::= .                     { A = NULL; }
timeout_opt(A) ::= TIMEOUT duration(D).  { A = D; }
%type subject_opt {sl_ident_t *}
subject_opt(A) ::= .                    { A = NULL; }
subject_opt(A) ::= SUBJECT resource(R). { A = R; }
%type id_opt {sl_expr_t *}
id_opt(A) ::= .               { A = NULL; }
id_opt(A) ::= ID literal(L).  { A = L; }
cmd(A) ::= ASSERT(K) not_exists(X) TOPIC resource(N) with_opt(W) timeout_opt(T). { A = sl_ast_set_lists(ctx, sl_ast_assert(ctx, sl_ast_stmt(ctx, SL_ST_ASSERT, K.offset), X, SL_ASSERT_TOPIC, N, NULL, T), NULL, W, NULL, NULL); }
cmd(A) ::= ASSERT(K) not_exists(X) SCHEMA subject_opt(S) id_opt(I) timeout_opt(T). { A = sl_ast_assert(ctx, sl_ast_stmt(ctx, SL_ST_ASSERT, K.offset), X, SL_ASSERT_SCHEMA, S, I, T); }
cmd(A) ::= ASSERT(K) STREAM ident(N) with_opt(W).              { A = sl_ast_set_lists(ctx, sl_ast_assert(ctx, sl_ast_stmt(ctx, SL_ST_ASSERT, K.offset), false, SL_ASSERT_STREAM, N, NULL, NULL), NULL, W, NULL, NULL); }
cmd(A) ::= ASSERT(K) STREAM ident(N) elements(E) with_opt(W).  { A = sl_ast_set_lists(ctx, sl_ast_assert(ctx, sl_ast_stmt(ctx, SL_ST_ASSERT, K.offset), false, SL_ASSERT_STREAM, N, NULL, NULL), E, W, NULL, NULL); }
cmd(A) ::= ASSERT(K) TABLE ident(N) with_opt(W).               { A = sl_ast_set_lists(ctx, sl_ast_assert(ctx, sl_ast_stmt(ctx, SL_ST_ASSERT, K.offset), false, SL_ASSERT_TABLE, N, NULL, NULL), NULL, W, NULL, NULL); }
cmd(A) ::= ASSERT(K) TABLE ident(N) elements(E) with_opt(W).   { A = sl_ast_set_lists(ctx, sl_ast_assert(ctx, sl_ast_stmt(ctx, SL_ST_ASSERT, K.offset), false, SL_ASSERT_TABLE, N, NULL, NULL), E, W, NULL, NULL); }

/* RUN SCRIPT */
cmd(A) ::= RUN(K) SCRIPT SCONST(P).  { A = sl_ast_set_strings(ctx, sl_ast_stmt(ctx, SL_ST_RUN_SCRIPT, K.offset), NULL, &P); }

%code {
/* ---- state simulation for the driver (see sql_int.h) ----
 * Runs the LALR automaton on a copy of the state stack: reductions pop and
 * push states, a shift means the token is viable here. Nothing is built. */
static int sl_sim_token(YYACTIONTYPE *st, int *n, int cap, int tk) {
  for (;;) {
    YYACTIONTYPE act = yy_find_shift_action((YYCODETYPE)tk, st[*n - 1]);
    if (act >= YY_MIN_REDUCE) {
      int rule = act - YY_MIN_REDUCE;
      *n += yyRuleInfoNRhs[rule];
      if (*n < 1 || *n >= cap) return 0;
      st[*n] = yy_find_reduce_action(st[*n - 1], yyRuleInfoLhs[rule]);
      (*n)++;
    } else if (act <= YY_MAX_SHIFTREDUCE) {
      if (act > YY_MAX_SHIFT) act += YY_MIN_REDUCE - YY_MIN_SHIFTREDUCE;
      if (*n >= cap) return 0;
      st[(*n)++] = act;
      return 1;
    } else {
      return act == YY_ACCEPT_ACTION;
    }
  }
}

/* bad >= 0: first let the offending token bad make the reductions the
 * parser would make before noticing the error (leaving optional clauses, as
 * ANTLR does), then try tk and tk2 from there. */
static int sl_sim(void *p, int bad, int tk, int tk2) {
  yyParser *pp = (yyParser *)p;
  YYACTIONTYPE st[YYSTACKDEPTH + 64];
  int n = (int)(pp->yytos - pp->yystack) + 1;
  for (int i = 0; i < n; i++) st[i] = pp->yystack[i].stateno;
  if (bad >= 0 && sl_sim_token(st, &n, (int)SL_ARRAY_LEN(st), bad)) return 0;
  if (!sl_sim_token(st, &n, (int)SL_ARRAY_LEN(st), tk)) return 0;
  if (tk2 < 0) return 1;
  return sl_sim_token(st, &n, (int)SL_ARRAY_LEN(st), tk2);
}

int slParseAccepts(void *p, int tk) { return sl_sim(p, -1, tk, -1); }
int slParseAccepts2(void *p, int tk, int tk2) { return sl_sim(p, -1, tk, tk2); }
int slParseAcceptsAfter(void *p, int bad, int tk, int tk2) { return sl_sim(p, bad, tk, tk2); }
int slParseTokenCount(void) { return YYNTOKEN; }
}
