/*
 * ast.h - the syntax tree the Lemon parser builds for every ksqlDB statement.
 * Nodes live in the per-statement arena; every node carries the byte offset of
 * its first token in the statement text so later phases can report line:column.
 * Identifiers are stored as the user meant them: unquoted ones upper-cased,
 * back-quoted ones verbatim (quoted=true). The tree is pure syntax: nothing here
 * refers to the catalog.
 */
#ifndef SLUICE_AST_H
#define SLUICE_AST_H

#include "sluice/base.h"

typedef struct sl_expr sl_expr_t;
typedef struct sl_type_ast sl_type_ast_t;
typedef struct sl_select sl_select_t;

/* A list of nodes of one kind, arena allocated. */
typedef struct sl_list {
  void **items;
  int len;
  int cap;
} sl_list_t;
void sl_list_push(sl_arena_t *a, sl_list_t *l, void *item);

/* An identifier as written. */
typedef struct sl_ident {
  const char *name; /* upper-cased unless quoted */
  bool quoted;      /* written with back quotes */
  int offset;
} sl_ident_t;

/* ---------------- types as written ---------------- */
typedef enum {
  SL_TA_BOOLEAN,
  SL_TA_INT,
  SL_TA_BIGINT,
  SL_TA_DOUBLE,
  SL_TA_DECIMAL,
  SL_TA_STRING,
  SL_TA_BYTES,
  SL_TA_DATE,
  SL_TA_TIME,
  SL_TA_TIMESTAMP,
  SL_TA_ARRAY,
  SL_TA_MAP,
  SL_TA_STRUCT,
  SL_TA_NAMED /* a custom type from CREATE TYPE, resolved by the binder */
} sl_type_ast_kind_t;

typedef struct sl_struct_field_ast {
  sl_ident_t name;
  sl_type_ast_t *type;
} sl_struct_field_ast_t;

struct sl_type_ast {
  sl_type_ast_kind_t kind;
  int offset;
  int precision, scale; /* DECIMAL(p, s); VARCHAR(n) is STRING */
  sl_type_ast_t *elem;  /* ARRAY<elem>, MAP<key, elem> */
  sl_type_ast_t *key;   /* MAP key type */
  sl_list_t fields;     /* STRUCT<...>: sl_struct_field_ast_t* */
  const char *name;     /* SL_TA_NAMED: the type name (upper-cased) */
};

/* ---------------- expressions ---------------- */
typedef enum {
  SL_EX_NULL,      /* NULL literal */
  SL_EX_BOOL,      /* TRUE / FALSE: ival */
  SL_EX_INT,       /* integer literal: text; fits INT or BIGINT. A minus sign written
                      directly before a number literal is folded into it by the parser
                      (text "-5"), as ksqlDB's grammar does; -(5) and -x stay UNARY. */
  SL_EX_DECIMAL,   /* 1.5 -> DECIMAL literal: text */
  SL_EX_DOUBLE,    /* 1.5E0 -> DOUBLE literal: text */
  SL_EX_STRING,    /* 'text' (quotes removed, '' unescaped): text, len */
  SL_EX_COLUMN,    /* [source.]column: qualifier (may be NULL), name */
  SL_EX_STAR,      /* * or source.* in a select list: qualifier; base->* (all struct
                      fields, ksqlDB's selectStructAll): left = base */
  SL_EX_DEREF,     /* base->field: left, name */
  SL_EX_SUBSCRIPT, /* base[index]: left, right */
  SL_EX_UNARY,     /* op: SL_OP_NEG, SL_OP_PLUS, SL_OP_NOT: left */
  SL_EX_BINARY,    /* arithmetic, comparison, AND, OR, concat: op, left, right */
  SL_EX_IS_NULL,   /* left IS [NOT] NULL: negated */
  SL_EX_DISTINCT,  /* left IS [NOT] DISTINCT FROM right: negated */
  SL_EX_BETWEEN,   /* left [NOT] BETWEEN right AND third: negated */
  SL_EX_LIKE,      /* left [NOT] LIKE right [ESCAPE third]: negated */
  SL_EX_IN,        /* left [NOT] IN (args): negated */
  SL_EX_CASE,      /* CASE [left] WHEN.. THEN.. [ELSE third] END: whens (sl_when_t*) */
  SL_EX_CAST,      /* CAST(left AS type) */
  SL_EX_CALL,      /* name(args), name(*) sets star, DISTINCT sets distinct */
  SL_EX_LAMBDA,    /* (params) => left : params is a list of sl_ident_t* */
  SL_EX_ARRAY,     /* ARRAY[args] */
  SL_EX_MAP,       /* MAP(k := v, ...): args alternate key, value */
  SL_EX_STRUCT,    /* STRUCT(name := expr, ...): names (sl_ident_t*) + args */
  SL_EX_INTERVAL,  /* used inside window specs: ival = amount, unit = time unit */
  SL_EX_VARIABLE,  /* ${name} left in an expression (only if not substituted): text = name */
  SL_EX_TIME_UNIT  /* a bare time unit as a function argument, as in
                      TIMESTAMPADD(SECONDS, 5, ts): unit (sl_time_unit_t) */
} sl_expr_kind_t;

typedef enum {
  SL_OP_NONE,
  SL_OP_ADD,
  SL_OP_SUB,
  SL_OP_MUL,
  SL_OP_DIV,
  SL_OP_MOD,
  SL_OP_CONCAT,
  SL_OP_EQ,
  SL_OP_NE,
  SL_OP_LT,
  SL_OP_LE,
  SL_OP_GT,
  SL_OP_GE,
  SL_OP_AND,
  SL_OP_OR,
  SL_OP_NOT,
  SL_OP_NEG,
  SL_OP_PLUS
} sl_op_t;

typedef struct sl_when {
  sl_expr_t *when;
  sl_expr_t *then;
} sl_when_t;

struct sl_expr {
  sl_expr_kind_t kind;
  int offset;     /* byte offset of the first token */
  int end_offset; /* byte offset just past the last token (for text of the expression) */
  sl_op_t op;
  bool negated;          /* NOT variants */
  bool star;             /* COUNT(*) */
  bool distinct;         /* f(DISTINCT x) */
  int64_t ival;          /* BOOL value, INTERVAL amount */
  const char *text;      /* literal text, STRING contents (unescaped) */
  size_t len;            /* STRING length in bytes */
  sl_ident_t *qualifier; /* COLUMN/STAR source qualifier, or NULL */
  sl_ident_t *name;      /* COLUMN name, DEREF field, CALL function name */
  sl_expr_t *left;       /* operand / base / CASE operand / CAST operand / LAMBDA body */
  sl_expr_t *right;      /* second operand / subscript index / BETWEEN low / LIKE pattern */
  sl_expr_t *third;      /* BETWEEN high / LIKE escape / CASE ELSE */
  sl_list_t args;        /* CALL, IN, ARRAY, MAP, STRUCT arguments: sl_expr_t* */
  sl_list_t names;       /* STRUCT field names, LAMBDA parameters: sl_ident_t* */
  sl_list_t whens;       /* CASE: sl_when_t* */
  sl_type_ast_t *type;   /* CAST target */
  int unit;              /* INTERVAL: sl_time_unit_t */
};

/* ---------------- time units and windows ---------------- */
typedef enum {
  SL_TU_MILLISECONDS,
  SL_TU_SECONDS,
  SL_TU_MINUTES,
  SL_TU_HOURS,
  SL_TU_DAYS
} sl_time_unit_t;

typedef struct sl_duration {
  int64_t amount;
  sl_time_unit_t unit;
  int offset;
} sl_duration_t;
int64_t sl_duration_ms(const sl_duration_t *d);

typedef enum { SL_WIN_NONE, SL_WIN_TUMBLING, SL_WIN_HOPPING, SL_WIN_SESSION } sl_window_kind_t;

typedef struct sl_window_ast {
  sl_window_kind_t kind;
  int offset;
  sl_duration_t size;    /* TUMBLING/HOPPING SIZE; SESSION gap */
  sl_duration_t advance; /* HOPPING ADVANCE BY */
  bool has_retention;
  sl_duration_t retention; /* RETENTION */
  bool has_grace;
  sl_duration_t grace; /* GRACE PERIOD */
} sl_window_ast_t;

/* ---------------- FROM clause ---------------- */
typedef enum { SL_JOIN_INNER, SL_JOIN_LEFT, SL_JOIN_RIGHT, SL_JOIN_FULL } sl_join_kind_t;

typedef struct sl_relation {
  sl_ident_t name;   /* source name */
  sl_ident_t *alias; /* AS alias or NULL */
  int offset;
} sl_relation_t;

typedef struct sl_join {
  sl_join_kind_t kind;
  int offset;
  sl_relation_t *right;
  bool has_within;
  sl_duration_t within_before; /* WITHIN n: both = n; WITHIN (b, a) */
  sl_duration_t within_after;
  bool has_grace;
  sl_duration_t grace; /* WITHIN ... GRACE PERIOD g */
  sl_expr_t *on;
} sl_join_t;

/* ---------------- SELECT ---------------- */
typedef struct sl_select_item {
  sl_expr_t *expr;   /* SL_EX_STAR for * and x.* */
  sl_ident_t *alias; /* AS alias or NULL */
  int offset;
} sl_select_item_t;

typedef enum { SL_EMIT_NONE, SL_EMIT_CHANGES, SL_EMIT_FINAL } sl_emit_t;

struct sl_select {
  int offset;
  sl_list_t items; /* sl_select_item_t* */
  sl_relation_t *from;
  sl_list_t joins;         /* sl_join_t*, in order */
  sl_window_ast_t *window; /* NULL when no WINDOW clause */
  sl_expr_t *where;
  sl_list_t group_by;     /* sl_expr_t* */
  sl_list_t partition_by; /* sl_expr_t* */
  int partition_by_empty; /* offset of a "PARTITION BY ()" (an error), else 0 */
  sl_expr_t *having;
  sl_emit_t emit;
  bool has_limit;
  int64_t limit;
};

/* ---------------- WITH (...) properties ---------------- */
typedef struct sl_property {
  sl_ident_t name;  /* upper-cased property name (KAFKA_TOPIC, ...) */
  sl_expr_t *value; /* literal expression: STRING, INT, BOOL, ... */
  int offset;
} sl_property_t;

/* ---------------- table elements (column definitions) ---------------- */
typedef enum {
  SL_COL_VALUE,       /* ordinary value column */
  SL_COL_KEY,         /* KEY (streams) */
  SL_COL_PRIMARY_KEY, /* PRIMARY KEY (tables) */
  SL_COL_HEADERS,     /* HEADERS: the whole header list */
  SL_COL_HEADER       /* HEADER('key'): one header's bytes */
} sl_col_constraint_t;

typedef struct sl_column_def {
  sl_ident_t name;
  sl_type_ast_t *type;
  sl_col_constraint_t constraint;
  const char *header_key; /* HEADER('key') */
  int offset;
} sl_column_def_t;

/* ---------------- statements ---------------- */
typedef enum {
  SL_ST_CREATE_SOURCE,     /* CREATE [OR REPLACE] [SOURCE] STREAM|TABLE [IF NOT EXISTS] */
  SL_ST_CREATE_AS_SELECT,  /* CREATE [OR REPLACE] STREAM|TABLE [IF NOT EXISTS] x [WITH] AS SELECT */
  SL_ST_INSERT_SELECT,     /* INSERT INTO x [WITH (...)] SELECT ... */
  SL_ST_INSERT_VALUES,     /* INSERT INTO x [(cols)] VALUES (exprs) */
  SL_ST_SELECT,            /* transient query */
  SL_ST_DROP,              /* DROP STREAM|TABLE|TYPE [IF EXISTS] x [DELETE TOPIC] */
  SL_ST_TERMINATE,         /* TERMINATE id | TERMINATE ALL */
  SL_ST_PAUSE,             /* PAUSE id | ALL */
  SL_ST_RESUME,            /* RESUME id | ALL */
  SL_ST_SHOW,              /* SHOW|LIST what [EXTENDED] */
  SL_ST_DESCRIBE,          /* DESCRIBE [EXTENDED] name | DESCRIBE STREAMS|TABLES [EXTENDED] */
  SL_ST_DESCRIBE_FUNCTION, /* DESCRIBE FUNCTION name */
  SL_ST_EXPLAIN,           /* EXPLAIN query_id | EXPLAIN statement */
  SL_ST_PRINT,             /* PRINT topic [FROM BEGINNING] [INTERVAL n] [LIMIT n] */
  SL_ST_SET,               /* SET 'name' = 'value' */
  SL_ST_UNSET,             /* UNSET 'name' */
  SL_ST_DEFINE,            /* DEFINE name = 'value' */
  SL_ST_UNDEFINE,          /* UNDEFINE name */
  SL_ST_CREATE_TYPE,       /* CREATE TYPE [IF NOT EXISTS] name AS type */
  SL_ST_ASSERT,            /* ASSERT [NOT EXISTS] TOPIC|SCHEMA|STREAM|TABLE ... */
  SL_ST_ALTER_SOURCE,      /* ALTER STREAM|TABLE x ADD [COLUMN] c type, ... */
  SL_ST_RUN_SCRIPT         /* RUN SCRIPT 'path' */
} sl_stmt_kind_t;

typedef enum {
  SL_SHOW_STREAMS,
  SL_SHOW_TABLES,
  SL_SHOW_TOPICS,
  SL_SHOW_ALL_TOPICS,
  SL_SHOW_QUERIES,
  SL_SHOW_PROPERTIES,
  SL_SHOW_FUNCTIONS,
  SL_SHOW_TYPES,
  SL_SHOW_VARIABLES,
  SL_SHOW_CONNECTORS
} sl_show_what_t;

typedef enum { SL_OBJ_STREAM, SL_OBJ_TABLE, SL_OBJ_TYPE } sl_obj_kind_t;

typedef enum {
  SL_ASSERT_TOPIC,
  SL_ASSERT_SCHEMA,
  SL_ASSERT_STREAM,
  SL_ASSERT_TABLE
} sl_assert_what_t;

typedef struct sl_stmt {
  sl_stmt_kind_t kind;
  int offset;       /* first token */
  int end_offset;   /* just past the terminating ';' (or end of text) */
  const char *text; /* the statement's own text (arena copy, ends at ';') */

  sl_obj_kind_t obj; /* STREAM / TABLE / TYPE */
  bool or_replace;
  bool is_source; /* CREATE SOURCE STREAM|TABLE */
  bool if_not_exists;
  bool if_exists;
  bool delete_topic;   /* DROP ... DELETE TOPIC */
  bool all;            /* TERMINATE ALL, PAUSE ALL, RESUME ALL */
  bool extended;       /* DESCRIBE/SHOW ... EXTENDED */
  bool not_exists;     /* ASSERT NOT EXISTS */
  bool from_beginning; /* PRINT ... FROM BEGINNING */

  sl_ident_t name;       /* source / type / variable / function / query id / topic */
  sl_list_t columns;     /* CREATE: sl_column_def_t*; INSERT VALUES: sl_ident_t* column names;
                            ALTER: sl_column_def_t* */
  sl_list_t props;       /* WITH (...): sl_property_t* */
  sl_select_t *select;   /* CSAS/CTAS, INSERT SELECT, SELECT */
  sl_list_t values;      /* INSERT VALUES: sl_expr_t* */
  sl_type_ast_t *type;   /* CREATE TYPE */
  sl_show_what_t show;   /* SHOW */
  bool describe_all;     /* DESCRIBE STREAMS / DESCRIBE TABLES (obj tells which) */
  struct sl_stmt *inner; /* EXPLAIN statement */
  const char
      *str_value; /* SET/DEFINE value, UNSET/SET name (str_name), RUN SCRIPT path, ASSERT subject */
  const char *str_name; /* SET/UNSET property name */
  int64_t limit;        /* PRINT LIMIT, -1 if none */
  int64_t interval;     /* PRINT INTERVAL, -1 if none */
  sl_assert_what_t assert_what;
  sl_duration_t timeout; /* ASSERT ... TIMEOUT */
  bool has_timeout;
  sl_expr_t *schema_id; /* ASSERT SCHEMA ... ID literal, or NULL */
} sl_stmt_t;

#endif
