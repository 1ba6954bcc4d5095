/*
 * qtt_int.h - private interface of the QTT conformance runner (`sluice test`),
 * shared by its files and its unit tests. The runner reads ksqlDB's query
 * validation test files (format in /work/shared/conformance/README.md), expands
 * each test into variants, runs every variant against a fresh engine on the
 * in-memory topic driver and judges the records the queries wrote.
 *
 * Numbers in test files must keep their exact text (decimal expectations are
 * compared by value *and* scale, and jansson would turn 1.50 into a double),
 * so the loader rewrites every number outside strings into a marker string
 * before jansson sees it; sl_qtt_num() gives the text back.
 */
#ifndef SLUICE_QTT_INT_H
#define SLUICE_QTT_INT_H

#include <jansson.h>

#include "sluice/base.h"
#include "sluice/types.h"

/* ---- lenient JSON (qtt_json.c) ---- */

/* Strips // and block comments outside strings (newlines kept so line numbers
 * stay right) and rewrites each number token into a marker string. Returns a
 * malloc'd NUL-terminated buffer. */
char *sl_qtt_preprocess(const char *text, size_t len);
/* Comment stripping only (what the preprocessing does besides numbers). */
char *sl_qtt_strip_comments(const char *text, size_t len);
/* Preprocesses and parses; err gets "line L: msg" on failure. */
json_t *sl_qtt_load(const char *text, size_t len, sl_error_t *err);
/* The exact text of a number read by sl_qtt_load, or NULL if j is no number. */
const char *sl_qtt_num(const json_t *j);
/* True when number text has no fraction and no exponent. */
bool sl_qtt_num_is_int(const char *num);
/* Reads an integer number (or marker) into *out; false if j is not one. */
bool sl_qtt_get_int(const json_t *j, int64_t *out);
/* Compact JSON text with numbers written exactly as in the file. */
void sl_qtt_json_write(const json_t *j, sl_buf_t *out);
/* Deep copy with markers turned back into jansson integers/reals. */
json_t *sl_qtt_json_plain(const json_t *j);
/* A scalar as plain text: strings bare, numbers exact, true/false/null. */
void sl_qtt_scalar_text(const json_t *j, sl_buf_t *out);

/* ---- decimals and value matching (qtt_match.c) ---- */

/* Parses "-12.340", "7", "1.5E+2" keeping the scale (3, 0, -1). */
int sl_qtt_decimal_scan(const char *s, size_t n, sl_decimal_t *out);
/* Equal value and equal scale. */
bool sl_qtt_decimal_same(const sl_decimal_t *a, const sl_decimal_t *b);
/* Does actual value v satisfy expectation exp (shape rules of the README)? */
bool sl_qtt_match_value(const json_t *exp, const sl_value_t *v);
/* Expected JSON against actual JSON (records no source describes). */
bool sl_qtt_match_json(const json_t *exp, const json_t *act);
/* Renders a value as JSON-like text for messages (decimals exact). */
void sl_qtt_value_write(const sl_value_t *v, sl_buf_t *out);
/* ksqlDB schema text in a canonical spelling: quotes removed, unquoted words
 * upper-cased, INT -> INTEGER, VARCHAR -> STRING, single spaces. */
void sl_qtt_schema_normalize(const char *text, sl_buf_t *out);
void sl_qtt_base64(const void *p, size_t n, sl_buf_t *out);
int sl_qtt_unbase64(const char *s, size_t n, sl_buf_t *out);

/* ---- test cases and variants (qtt_case.c) ---- */

typedef struct sl_qtt_variant {
  char *name;         /* full name: "<file stem> - <test>[ - FORMAT][ - prop=value]" */
  const json_t *test; /* the test object (borrowed from the file's document) */
  char **stmts;       /* statements with {FORMAT} substituted */
  int nstmts;
  json_t *props;       /* properties with {CONFIG} substituted (owned object) */
  const char *skip;    /* reason to skip, or NULL */
  const char *invalid; /* why the test is malformed, or NULL */
} sl_qtt_variant_t;

/* Appends the variants of one test object (sl_qtt_variant_t*, free each with
 * sl_qtt_variant_free) in the order the names sort upstream: format outer,
 * config inner. */
void sl_qtt_expand(const char *stem, const json_t *test, sl_ptrvec_t *out);
void sl_qtt_variant_free(sl_qtt_variant_t *v);
/* Names the Schema-Registry format mentioned in text (AVRO, PROTOBUF,
 * JSON_SR as whole words, any case), or NULL. */
const char *sl_qtt_sr_format(const char *text);

/* The KAFKA_TOPIC of a CREATE STREAM/TABLE declaration (not CSAS/CTAS) that
 * has no PARTITIONS, malloc'd; NULL otherwise. The runner creates that topic
 * (1 partition) before the statement runs when it does not exist. */
char *sl_qtt_source_topic(const char *stmt);

/* ---- running one variant (qtt_exec.c) ---- */

typedef struct sl_qtt_opts {
  bool verbose; /* fill details with statements and actual records on failure */
} sl_qtt_opts_t;

/* Runs v against a fresh engine and driver. Returns true on pass; on failure
 * reason gets a one-line explanation and details (verbose) the rest. */
bool sl_qtt_run_variant(const sl_qtt_variant_t *v, const sl_qtt_opts_t *o, sl_buf_t *reason,
                        sl_buf_t *details);

#endif
