/*
 * keywords.c - the one list of ksqlDB keywords. The lexer looks words up here
 * (binary search over the sorted table); the driver asks whether a keyword is
 * non-reserved (ksqlDB lets those stand as identifiers); error messages spell
 * tokens the way ksqlDB's ANTLR parser does ('SELECT', ',', IDENTIFIER) and in
 * the same order, so "Expecting {...}" lists read like ksqlDB's.
 *
 * To add a keyword: add it to the %token list in grammar/sql.y and a row here
 * (kept sorted by spelling; rank is its position in ksqlDB's lexer, used only
 * to order expected-token lists in messages).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql.h"
#include "sql_int.h"

typedef struct sl_keyword {
  const char *word; /* upper case */
  int tk;           /* TK_* code */
  bool nonreserved; /* ksqlDB's nonReserved rule: usable as an identifier */
  int rank;         /* order in ksqlDB's vocabulary, for messages */
} sl_keyword_t;

static const sl_keyword_t keywords[] = {
    {"ADD", TK_ADD, true, 132},
    {"ADVANCE", TK_ADVANCE, false, 51},
    {"ALL", TK_ALL, false, 6},
    {"ALTER", TK_ALTER, true, 133},
    {"ANALYZE", TK_ANALYZE, true, 83},
    {"AND", TK_AND, false, 17},
    {"ARRAY", TK_ARRAY, true, 105},
    {"AS", TK_AS, false, 5},
    {"ASSERT", TK_ASSERT, true, 131},
    {"AT", TK_AT, false, 15},
    {"BEGINNING", TK_BEGINNING, false, 116},
    {"BETWEEN", TK_BETWEEN, false, 21},
    {"BY", TK_BY, false, 12},
    {"CASE", TK_CASE, false, 55},
    {"CAST", TK_CAST, false, 86},
    {"CATALOG", TK_CATALOG, false, 114},
    {"CHANGES", TK_CHANGES, true, 1},
    {"COLUMN", TK_COLUMN, true, 98},
    {"COLUMNS", TK_COLUMNS, true, 97},
    {"CONNECTOR", TK_CONNECTOR, false, 122},
    {"CONNECTORS", TK_CONNECTORS, false, 123},
    {"CREATE", TK_CREATE, false, 71},
    {"DATE", TK_DATE, true, 29},
    {"DAY", TK_DAY, true, 35},
    {"DAYS", TK_DAYS, false, 42},
    {"DECIMAL", TK_DECIMAL, false, 120},
    {"DEFINE", TK_DEFINE, true, 108},
    {"DELETE", TK_DELETE, false, 77},
    {"DESCRIBE", TK_DESCRIBE, false, 79},
    {"DISTINCT", TK_DISTINCT, false, 7},
    {"DROP", TK_DROP, false, 102},
    {"ELSE", TK_ELSE, false, 58},
    {"EMIT", TK_EMIT, true, 0},
    {"END", TK_END, false, 59},
    {"ESCAPE", TK_ESCAPE, true, 23},
    {"EXISTS", TK_EXISTS, false, 20},
    {"EXPLAIN", TK_EXPLAIN, true, 82},
    {"EXPORT", TK_EXPORT, false, 113},
    {"EXTENDED", TK_EXTENDED, false, 80},
    {"FALSE", TK_FALSE, false, 27},
    {"FINAL", TK_FINAL, true, 2},
    {"FROM", TK_FROM, false, 4},
    {"FULL", TK_FULL, false, 61},
    {"FUNCTION", TK_FUNCTION, true, 101},
    {"FUNCTIONS", TK_FUNCTIONS, true, 100},
    {"GRACE", TK_GRACE, true, 53},
    {"GROUP", TK_GROUP, false, 11},
    {"HAVING", TK_HAVING, false, 13},
    {"HEADER", TK_HEADER, true, 137},
    {"HEADERS", TK_HEADERS, true, 136},
    {"HOPPING", TK_HOPPING, false, 49},
    {"HOUR", TK_HOUR, true, 36},
    {"HOURS", TK_HOURS, false, 43},
    {"ID", TK_ID, true, 142},
    {"IF", TK_IF, true, 143},
    {"IN", TK_IN, false, 18},
    {"INNER", TK_INNER, false, 63},
    {"INSERT", TK_INSERT, false, 76},
    {"INTEGER", TK_INTEGER, true, 28},
    {"INTERVAL", TK_INTERVAL, true, 32},
    {"INTO", TK_INTO, false, 78},
    {"IS", TK_IS, false, 24},
    {"JOIN", TK_JOIN, false, 60},
    {"KEY", TK_KEY, true, 121},
    {"LEFT", TK_LEFT, false, 64},
    {"LIKE", TK_LIKE, false, 22},
    {"LIMIT", TK_LIMIT, false, 14},
    {"LIST", TK_LIST, false, 88},
    {"LOAD", TK_LOAD, false, 96},
    {"MAP", TK_MAP, true, 106},
    {"MATERIALIZED", TK_MATERIALIZED, false, 127},
    {"MILLISECOND", TK_MILLISECOND, false, 39},
    {"MILLISECONDS", TK_MILLISECONDS, false, 46},
    {"MINUTE", TK_MINUTE, true, 37},
    {"MINUTES", TK_MINUTES, false, 44},
    {"MONTH", TK_MONTH, true, 34},
    {"MONTHS", TK_MONTHS, false, 41},
    {"NAMESPACE", TK_NAMESPACE, false, 126},
    {"NOT", TK_NOT, false, 19},
    {"NULL", TK_NULL, false, 25},
    {"ON", TK_ON, false, 66},
    {"OR", TK_OR, false, 16},
    {"OUTER", TK_OUTER, false, 62},
    {"PARTITION", TK_PARTITION, true, 67},
    {"PARTITIONS", TK_PARTITIONS, true, 99},
    {"PAUSE", TK_PAUSE, true, 94},
    {"PERIOD", TK_PERIOD, true, 54},
    {"PLUGINS", TK_PLUGINS, true, 135},
    {"PRIMARY", TK_PRIMARY, true, 129},
    {"PRINT", TK_PRINT, false, 81},
    {"PROPERTIES", TK_PROPERTIES, false, 115},
    {"QUERIES", TK_QUERIES, false, 92},
    {"QUERY", TK_QUERY, false, 91},
    {"RENAME", TK_RENAME, false, 104},
    {"REPLACE", TK_REPLACE, true, 130},
    {"RESET", TK_RESET, true, 110},
    {"RESUME", TK_RESUME, true, 95},
    {"RETENTION", TK_RETENTION, false, 52},
    {"RIGHT", TK_RIGHT, false, 65},
    {"RUN", TK_RUN, false, 118},
    {"SAMPLE", TK_SAMPLE, false, 112},
    {"SCHEMA", TK_SCHEMA, true, 140},
    {"SCRIPT", TK_SCRIPT, false, 119},
    {"SECOND", TK_SECOND, true, 38},
    {"SECONDS", TK_SECONDS, false, 45},
    {"SELECT", TK_SELECT, false, 3},
    {"SESSION", TK_SESSION, true, 111},
    {"SET", TK_SET, true, 107},
    {"SHOW", TK_SHOW, true, 87},
    {"SINK", TK_SINK, true, 124},
    {"SIZE", TK_SIZE, false, 50},
    {"SOURCE", TK_SOURCE, true, 125},
    {"STREAM", TK_STREAM, false, 74},
    {"STREAMS", TK_STREAMS, false, 75},
    {"STRING", TK_STRING, true, -1},
    {"STRUCT", TK_STRUCT, true, 68},
    {"SUBJECT", TK_SUBJECT, true, 141},
    {"SYSTEM", TK_SYSTEM, true, 138},
    {"TABLE", TK_TABLE, false, 72},
    {"TABLES", TK_TABLES, true, 89},
    {"TERMINATE", TK_TERMINATE, false, 93},
    {"THEN", TK_THEN, false, 57},
    {"TIME", TK_TIME, true, 30},
    {"TIMEOUT", TK_TIMEOUT, true, 139},
    {"TIMESTAMP", TK_TIMESTAMP, true, 31},
    {"TO", TK_TO, false, 103},
    {"TOPIC", TK_TOPIC, false, 73},
    {"TOPICS", TK_TOPICS, false, 90},
    {"TRUE", TK_TRUE, false, 26},
    {"TUMBLING", TK_TUMBLING, false, 48},
    {"TYPE", TK_TYPE, true, 84},
    {"TYPES", TK_TYPES, true, 85},
    {"UNDEFINE", TK_UNDEFINE, true, 109},
    {"UNSET", TK_UNSET, false, 117},
    {"VALUES", TK_VALUES, false, 70},
    {"VARIABLES", TK_VARIABLES, true, 134},
    {"VIEW", TK_VIEW, false, 128},
    {"WHEN", TK_WHEN, false, 56},
    {"WHERE", TK_WHERE, false, 8},
    {"WINDOW", TK_WINDOW, false, 10},
    {"WITH", TK_WITH, false, 69},
    {"WITHIN", TK_WITHIN, false, 9},
    {"YEAR", TK_YEAR, true, 33},
    {"YEARS", TK_YEARS, false, 40},
    {"ZONE", TK_ZONE, true, 47},
};

static int kw_cmp(const void *key, const void *elem) {
  return strcasecmp((const char *)key, ((const sl_keyword_t *)elem)->word);
}

static const sl_keyword_t *kw_find(const char *z, int n) {
  char buf[32];
  if (n <= 0 || n >= (int)sizeof buf) return NULL;
  memcpy(buf, z, (size_t)n);
  buf[n] = 0;
  return bsearch(buf, keywords, SL_ARRAY_LEN(keywords), sizeof keywords[0], kw_cmp);
}

int sl_sql_keyword(const char *z, int n) {
  const sl_keyword_t *k = kw_find(z, n);
  return k ? k->tk : 0;
}

static const sl_keyword_t *kw_by_token(int tk) {
  for (size_t i = 0; i < SL_ARRAY_LEN(keywords); i++)
    if (keywords[i].tk == tk) return &keywords[i];
  return NULL;
}

bool sl_sql_keyword_nonreserved(int tk) {
  const sl_keyword_t *k = kw_by_token(tk);
  return k && k->nonreserved;
}

bool sl_is_reserved_word(const char *word) {
  if (!word) return false;
  const sl_keyword_t *k = kw_find(word, (int)strlen(word));
  return k && !k->nonreserved;
}

/* Punctuation and token classes, in ksqlDB's vocabulary order relative to the
 * keywords: implicit literal tokens first, named operator tokens after the
 * keywords, literal classes last. */
static const struct {
  int tk;
  const char *display;
  int rank;
} others[] = {
    {TK_SEMI, "';'", -20},
    {TK_LP, "'('", -19},
    {TK_COMMA, "','", -18},
    {TK_RP, "')'", -17},
    {TK_DOT, "'.'", -16},
    {TK_LBRACKET, "'['", -15},
    {TK_RBRACKET, "']'", -14},
    {TK_COLON, "':'", -13},
    {TK_EQ, "'='", 1000},
    {TK_NE, "'<>'", 1001},
    {TK_LT, "'<'", 1002},
    {TK_LE, "'<='", 1003},
    {TK_GT, "'>'", 1004},
    {TK_GE, "'>='", 1005},
    {TK_PLUS, "'+'", 1006},
    {TK_MINUS, "'-'", 1007},
    {TK_STAR, "'*'", 1008},
    {TK_SLASH, "'/'", 1009},
    {TK_PERCENT, "'%'", 1010},
    {TK_CONCAT, "'||'", 1011},
    {TK_ASSIGN, "':='", 1012},
    {TK_ARROW, "'->'", 1013},
    {TK_LAMBDA, "'=>'", 1014},
    {TK_SCONST, "STRING", 1020},
    {TK_ICONST, "INTEGER_VALUE", 1021},
    {TK_DCONST, "DECIMAL_VALUE", 1022},
    {TK_FCONST, "FLOATING_POINT_VALUE", 1023},
    {TK_IDENT, "IDENTIFIER", 1024},
    {TK_QIDENT, "QUOTED_IDENTIFIER", 1025},
    {TK_VARIABLE, "VARIABLE", 1026},
    {TK_ILLEGAL, "UNRECOGNIZED", 1030},
    {0, "<EOF>", 2000},
};

const char *sl_sql_token_display(int tk) {
  static __thread char buf[40];
  for (size_t i = 0; i < SL_ARRAY_LEN(others); i++)
    if (others[i].tk == tk) return others[i].display;
  const sl_keyword_t *k = kw_by_token(tk);
  if (k) {
    snprintf(buf, sizeof buf, "'%s'", k->word);
    return buf;
  }
  return "?";
}

int sl_sql_token_rank(int tk) {
  for (size_t i = 0; i < SL_ARRAY_LEN(others); i++)
    if (others[i].tk == tk) return others[i].rank;
  const sl_keyword_t *k = kw_by_token(tk);
  return k ? k->rank : 3000;
}
