/*
 * parser.c - the parser driver and the text utilities around it.
 *
 * The driver pulls tokens from the lexer and feeds them to the Lemon parser.
 * Before each token it asks the parser tables (slParseAccepts) two things:
 * whether a non-reserved keyword (KEY, TYPE, DATE, ...) should be read as a
 * keyword or as an identifier here — the keyword wins unless only the
 * identifier reading lets the next token through — and whether the token is
 * viable at all. A token that is not viable is the syntax error: it is
 * reported before the parser sees it, so the message can list exactly what
 * the parser would have taken instead, in ksqlDB's words:
 *
 *   Syntax Error\nExpecting {',', ')'}
 *   Syntax Error\nmissing ')' at ','
 *   Syntax Error\n"FROM" is a reserved keyword and it can't be used as an identifier...
 *
 * err->offset is the offending token's byte offset (the end of the text for a
 * premature end); err->hint repeats it in plain words ("Syntax error at or near
 * "KEY""). The first error wins; nothing is parsed after it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql.h"
#include "sql_int.h"

void sl_sql_error(sl_pctx_t *ctx, int offset, const char *fmt, ...) {
  if (ctx->failed) return;
  ctx->failed = true;
  if (!ctx->err || ctx->err->code) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ctx->err->msg, sizeof ctx->err->msg, fmt, ap);
  va_end(ap);
  ctx->err->code = SL_ESYNTAX;
  ctx->err->offset = offset < 0 ? ctx->end_offset : offset;
}

/* ---------------- error messages ---------------- */

/* How ANTLR shows a token in a message: its text in single quotes. */
static void token_text(const sl_token_t *t, char *buf, size_t n) {
  if (t->type == 0 || t->len == 0) {
    snprintf(buf, n, "<EOF>");
    return;
  }
  int len = t->len > 40 ? 40 : t->len;
  snprintf(buf, n, "%.*s%s", len, t->z, t->len > 40 ? "..." : "");
}

static int rank_cmp(const void *a, const void *b) {
  int ra = sl_sql_token_rank(*(const int *)a), rb = sl_sql_token_rank(*(const int *)b);
  return ra < rb ? -1 : ra > rb;
}

/* Formats the set of tokens the parser would accept now, as ANTLR does:
 * one token bare, several in braces, in ksqlDB's vocabulary order. */
static void expected_set(void *p, int bad, sl_buf_t *out) {
  int n = slParseTokenCount();
  int *toks = sl_xcalloc((size_t)n, sizeof(int));
  int k = 0;
  for (int tk = 1; tk < n; tk++) {
    if (tk == TK_ILLEGAL || tk == TK_START_TYPE || tk == TK_START_EXPR || tk == TK_UNARY ||
        tk == TK_QIDENT)
      continue;
    if (slParseAcceptsAfter(p, bad, tk, -1)) toks[k++] = tk;
  }
  qsort(toks, (size_t)k, sizeof(int), rank_cmp);
  if (k != 1) sl_buf_putc(out, '{');
  for (int i = 0; i < k; i++) {
    if (i) sl_buf_puts(out, ", ");
    sl_buf_puts(out, sl_sql_token_display(toks[i]));
  }
  if (k != 1) sl_buf_putc(out, '}');
  free(toks);
}

static void syntax_error(sl_pctx_t *ctx, void *p, const sl_token_t *t, int tk) {
  char near[64];
  token_text(t, near, sizeof near);
  sl_buf_t exp;
  sl_buf_init(&exp);
  expected_set(p, tk, &exp);

  if (tk == TK_ILLEGAL) {
    sl_sql_error(ctx, t->offset, "Syntax Error\ntoken recognition error at: '%s'", near);
  } else if (t->type != TK_IDENT && sl_sql_keyword(t->z, t->len) &&
             !sl_sql_keyword_nonreserved(t->type) && slParseAcceptsAfter(p, tk, TK_IDENT, -1)) {
    sl_sql_error(ctx, t->offset,
                 "Syntax Error\n\"%s\" is a reserved keyword and it can't be used as an "
                 "identifier. You can use it as an identifier by escaping it as `%s`",
                 near, near);
  } else {
    /* ANTLR's single-token insertion: a missing closing bracket. */
    static const int closers[] = {TK_RP, TK_RBRACKET, TK_GT};
    int missing = 0;
    for (size_t i = 0; i < SL_ARRAY_LEN(closers) && !missing; i++)
      if (slParseAcceptsAfter(p, tk, closers[i], tk)) missing = closers[i];
    if (missing)
      sl_sql_error(ctx, t->offset, "Syntax Error\nmissing %s at '%s'",
                   sl_sql_token_display(missing), near);
    else
      sl_sql_error(ctx, t->offset, "Syntax Error\nExpecting %s", exp.data ? exp.data : "{}");
  }
  if (ctx->err && ctx->err->code == SL_ESYNTAX && !ctx->err->hint[0])
    snprintf(ctx->err->hint, sizeof ctx->err->hint, "Syntax error at or near \"%s\": expected %s",
             near, exp.data ? exp.data : "{}");
  sl_buf_free(&exp);
}

/* ---------------- the driver ---------------- */

/* Token code to feed for t: non-reserved keywords become identifiers where
 * only an identifier fits, or where the keyword reading would choke on the
 * next token and the identifier reading would not. */
static int resolve(void *p, const sl_token_t *t, const sl_token_t *next, sl_parse_mode_t mode) {
  int tk = t->type;
  if (!sl_sql_keyword_nonreserved(tk)) return tk;
  bool kw = slParseAccepts(p, tk), id = slParseAccepts(p, TK_IDENT);
  if (!id) return tk;
  if (!kw) return TK_IDENT;
  int nt = next->type;
  if (nt == 0 && mode == SL_PARSE_STMTS) nt = TK_SEMI;
  bool nr = sl_sql_keyword_nonreserved(nt);
  bool kw2 = slParseAccepts2(p, tk, nt) || (nr && slParseAccepts2(p, tk, TK_IDENT));
  bool id2 = slParseAccepts2(p, TK_IDENT, nt) || (nr && slParseAccepts2(p, TK_IDENT, TK_IDENT));
  return (!kw2 && id2) ? TK_IDENT : tk;
}

static int run(const char *text, sl_arena_t *a, sl_parse_mode_t mode, sl_pctx_t *ctx,
               sl_list_t *out, sl_error_t *err) {
  memset(ctx, 0, sizeof *ctx);
  ctx->out = out;
  ctx->text = text;
  ctx->text_len = (int)strlen(text);
  ctx->a = a;
  ctx->err = err;
  if (err) sl_error_clear(err);
  void *p = slParseAlloc(malloc, ctx);
  if (!p) return SL_ENOMEM;

  sl_token_t t = {0}, next;
  if (mode != SL_PARSE_STMTS) {
    t.type = mode == SL_PARSE_TYPE ? TK_START_TYPE : TK_START_EXPR;
    t.z = text;
    slParse(p, t.type, t);
  }
  bool fed = false, last_semi = false;
  sl_sql_next_token(text, ctx->text_len, 0, &next);
  while (!ctx->failed) {
    t = next;
    if (t.type == 0) break;
    sl_sql_next_token(text, ctx->text_len, t.offset + t.len, &next);
    int tk = t.type == TK_ILLEGAL ? TK_ILLEGAL : resolve(p, &t, &next, mode);
    if (tk == TK_ILLEGAL || !slParseAccepts(p, tk)) {
      syntax_error(ctx, p, &t, tk);
      break;
    }
    slParse(p, tk, t);
    fed = true;
    last_semi = tk == TK_SEMI;
    ctx->end_offset = t.offset + t.len;
  }
  if (!ctx->failed && mode == SL_PARSE_STMTS && fed && !last_semi) {
    /* The last statement may omit its ';'. */
    sl_token_t semi = {TK_SEMI, ctx->text_len, 0, text + ctx->text_len};
    if (!slParseAccepts(p, TK_SEMI))
      syntax_error(ctx, p, &t, 0);
    else
      slParse(p, TK_SEMI, semi);
  }
  if (!ctx->failed) {
    if (!slParseAccepts(p, 0))
      syntax_error(ctx, p, &t, 0);
    else
      slParse(p, 0, t);
  }
  slParseFree(p, free);
  return ctx->failed ? (err && err->code ? err->code : SL_ESYNTAX) : 0;
}

int sl_parse(const char *text, sl_arena_t *a, sl_list_t *out, sl_error_t *err) {
  sl_pctx_t ctx;
  return run(text, a, SL_PARSE_STMTS, &ctx, out, err);
}

int sl_parse_type(const char *text, sl_arena_t *a, sl_type_ast_t **out, sl_error_t *err) {
  sl_pctx_t ctx;
  int rc = run(text, a, SL_PARSE_TYPE, &ctx, NULL, err);
  *out = rc ? NULL : ctx.type;
  return rc;
}

int sl_parse_expr(const char *text, sl_arena_t *a, sl_expr_t **out, sl_error_t *err) {
  sl_pctx_t ctx;
  int rc = run(text, a, SL_PARSE_EXPR, &ctx, NULL, err);
  *out = rc ? NULL : ctx.expr;
  return rc;
}

/* ---------------- statement splitting ---------------- */

int sl_split_statements(const char *text, sl_arena_t *a, sl_list_t *out, sl_error_t *err) {
  int len = (int)strlen(text), start = -1;
  sl_token_t t;
  if (err) sl_error_clear(err);
  for (int pos = 0;; pos = t.offset + t.len) {
    sl_sql_next_token(text, len, pos, &t);
    if (t.type == TK_ILLEGAL && (t.z[0] == '\'' || t.z[0] == '`' || t.z[0] == '"')) {
      if (err) sl_error_set(err, SL_ESYNTAX, t.offset, "Syntax Error\nUnterminated quote");
      return SL_ESYNTAX;
    }
    if (t.type == 0) {
      if (start >= 0) {
        int end = pos;
        while (end > start && (text[end - 1] == ' ' || text[end - 1] == '\t' ||
                               text[end - 1] == '\n' || text[end - 1] == '\r'))
          end--;
        sl_list_push(a, out, sl_arena_sprintf(a, "%.*s;", end - start, text + start));
      }
      return 0;
    }
    if (t.type == TK_SEMI) {
      if (start >= 0)
        sl_list_push(a, out, sl_arena_strndup(a, text + start, (size_t)(t.offset + 1 - start)));
      start = -1;
    } else if (start < 0) {
      start = t.offset;
    }
  }
}

/* ---------------- variable substitution ---------------- */

char *sl_substitute_vars(const char *text, const sl_map_t *vars, sl_arena_t *a) {
  sl_buf_t b;
  sl_buf_init(&b);
  const char *s = text;
  while (*s) {
    if (s[0] == '$' && s[1] == '{') {
      const char *e = strchr(s + 2, '}');
      if (e && e > s + 2) {
        char name[256];
        size_t n = (size_t)(e - s - 2);
        if (n < sizeof name) {
          memcpy(name, s + 2, n);
          name[n] = 0;
          /* Variable names are case-insensitive even if the map is not. */
          const char *v = vars ? sl_map_get(vars, name) : NULL;
          if (!v && vars) v = sl_map_get(vars, sl_upper_inplace(name));
          if (v) {
            sl_buf_puts(&b, v);
            s = e + 1;
            continue;
          }
        }
      }
    }
    sl_buf_putc(&b, *s++);
  }
  char *r = sl_arena_strndup(a, b.data ? b.data : "", b.len);
  sl_buf_free(&b);
  return r;
}
