/*
 * lexer.c - the hand-written tokenizer for ksqlDB SQL. It returns one token
 * at a time as (type, offset, length) into the caller's text and never
 * allocates: identifier case folding, quote unescaping and number conversion
 * happen later in the AST builders, which know what the token became.
 *
 * Token shapes follow ksqlDB's lexer: identifiers are [A-Za-z_][A-Za-z0-9_@]*,
 * a digit followed by identifier characters is an identifier too (1ABC), both
 * `back quotes` and "double quotes" make quoted identifiers (a doubled quote
 * inside stands for one), strings use single quotes with '' for a quote,
 * 1 / 1.5 / .5 are integer and decimal literals, 1.5E3 is a double, ${name}
 * is a variable reference, and -- line and block comments are skipped.
 */
#include <ctype.h>
#include <string.h>

#include "sql.h"
#include "sql_int.h"

static bool is_ident_start(int c) {
  return isalpha(c) || c == '_';
}
static bool is_ident_char(int c) {
  return isalnum(c) || c == '_' || c == '@';
}

/* Skips blanks and comments from pos; returns the new position. An
 * unterminated block comment runs to the end of the text. */
static int skip_blank(const char *z, int len, int pos) {
  while (pos < len) {
    unsigned char c = (unsigned char)z[pos];
    if (isspace(c)) {
      pos++;
    } else if (c == '-' && pos + 1 < len && z[pos + 1] == '-') {
      while (pos < len && z[pos] != '\n') pos++;
    } else if (c == '/' && pos + 1 < len && z[pos + 1] == '*') {
      pos += 2;
      while (pos < len && !(z[pos] == '*' && pos + 1 < len && z[pos + 1] == '/')) pos++;
      pos = pos < len ? pos + 2 : len;
    } else {
      break;
    }
  }
  return pos;
}

/* Length of a quoted run starting at z[pos] == q, doubled quotes included;
 * -1 if the closing quote is missing. */
static int quoted_len(const char *z, int len, int pos, char q) {
  int i = pos + 1;
  while (i < len) {
    if (z[i] == q) {
      if (i + 1 < len && z[i + 1] == q) {
        i += 2;
        continue;
      }
      return i + 1 - pos;
    }
    i++;
  }
  return -1;
}

/* Scans a number at pos: sets *type and returns its length. */
static int number_len(const char *z, int len, int pos, int *type) {
  int i = pos;
  *type = TK_ICONST;
  while (i < len && isdigit((unsigned char)z[i])) i++;
  if (i < len && z[i] == '.') {
    i++;
    *type = TK_DCONST;
    while (i < len && isdigit((unsigned char)z[i])) i++;
  }
  if (i < len && (z[i] == 'e' || z[i] == 'E')) {
    int j = i + 1;
    if (j < len && (z[j] == '+' || z[j] == '-')) j++;
    if (j < len && isdigit((unsigned char)z[j])) {
      while (j < len && isdigit((unsigned char)z[j])) j++;
      i = j;
      *type = TK_FCONST;
    }
  }
  return i - pos;
}

static void set_tok(sl_token_t *t, const char *text, int type, int pos, int n) {
  t->type = type;
  t->offset = pos;
  t->len = n;
  t->z = text + pos;
}

void sl_sql_next_token(const char *z, int len, int pos, sl_token_t *t) {
  pos = skip_blank(z, len, pos);
  if (pos >= len) {
    set_tok(t, z, 0, len, 0);
    return;
  }
  unsigned char c = (unsigned char)z[pos];
  char c1 = pos + 1 < len ? z[pos + 1] : 0;

  if (is_ident_start(c)) {
    int i = pos + 1;
    while (i < len && is_ident_char((unsigned char)z[i])) i++;
    int kw = sl_sql_keyword(z + pos, i - pos);
    set_tok(t, z, kw ? kw : TK_IDENT, pos, i - pos);
    return;
  }
  if (isdigit(c) || (c == '.' && isdigit((unsigned char)c1))) {
    int type;
    int n = number_len(z, len, pos, &type);
    if (isdigit(c)) {
      /* ksqlDB's DIGIT_IDENTIFIER: the longer of the two readings wins. */
      int i = pos + 1;
      while (i < len && is_ident_char((unsigned char)z[i])) i++;
      if (i - pos > n) {
        set_tok(t, z, TK_IDENT, pos, i - pos);
        return;
      }
    }
    set_tok(t, z, type, pos, n);
    return;
  }
  switch (c) {
    case '\'': {
      int n = quoted_len(z, len, pos, '\'');
      set_tok(t, z, n < 0 ? TK_ILLEGAL : TK_SCONST, pos, n < 0 ? len - pos : n);
      return;
    }
    case '`':
    case '"': {
      int n = quoted_len(z, len, pos, (char)c);
      set_tok(t, z, n < 0 ? TK_ILLEGAL : TK_QIDENT, pos, n < 0 ? len - pos : n);
      return;
    }
    case '$':
      if (c1 == '{' && pos + 2 < len && is_ident_start((unsigned char)z[pos + 2])) {
        int i = pos + 3;
        while (i < len && is_ident_char((unsigned char)z[i])) i++;
        if (i < len && z[i] == '}') {
          set_tok(t, z, TK_VARIABLE, pos, i + 1 - pos);
          return;
        }
      }
      set_tok(t, z, TK_ILLEGAL, pos, 1);
      return;
    case ';': set_tok(t, z, TK_SEMI, pos, 1); return;
    case '(': set_tok(t, z, TK_LP, pos, 1); return;
    case ')': set_tok(t, z, TK_RP, pos, 1); return;
    case ',': set_tok(t, z, TK_COMMA, pos, 1); return;
    case '.': set_tok(t, z, TK_DOT, pos, 1); return;
    case '[': set_tok(t, z, TK_LBRACKET, pos, 1); return;
    case ']': set_tok(t, z, TK_RBRACKET, pos, 1); return;
    case '+': set_tok(t, z, TK_PLUS, pos, 1); return;
    case '*': set_tok(t, z, TK_STAR, pos, 1); return;
    case '/': set_tok(t, z, TK_SLASH, pos, 1); return;
    case '%': set_tok(t, z, TK_PERCENT, pos, 1); return;
    case '-':
      if (c1 == '>')
        set_tok(t, z, TK_ARROW, pos, 2);
      else
        set_tok(t, z, TK_MINUS, pos, 1);
      return;
    case '=':
      if (c1 == '>')
        set_tok(t, z, TK_LAMBDA, pos, 2);
      else
        set_tok(t, z, TK_EQ, pos, 1);
      return;
    case '<':
      if (c1 == '>')
        set_tok(t, z, TK_NE, pos, 2);
      else if (c1 == '=')
        set_tok(t, z, TK_LE, pos, 2);
      else
        set_tok(t, z, TK_LT, pos, 1);
      return;
    case '>':
      if (c1 == '=')
        set_tok(t, z, TK_GE, pos, 2);
      else
        set_tok(t, z, TK_GT, pos, 1);
      return;
    case '!':
      if (c1 == '=')
        set_tok(t, z, TK_NE, pos, 2);
      else
        set_tok(t, z, TK_ILLEGAL, pos, 1);
      return;
    case '|':
      if (c1 == '|')
        set_tok(t, z, TK_CONCAT, pos, 2);
      else
        set_tok(t, z, TK_ILLEGAL, pos, 1);
      return;
    case ':':
      if (c1 == '=')
        set_tok(t, z, TK_ASSIGN, pos, 2);
      else
        set_tok(t, z, TK_COLON, pos, 1);
      return;
    default: {
      /* One UTF-8 sequence, so the message shows a whole character. */
      int n = 1;
      if (c >= 0xC0) {
        while (pos + n < len && ((unsigned char)z[pos + n] & 0xC0) == 0x80) n++;
      }
      set_tok(t, z, TK_ILLEGAL, pos, n);
      return;
    }
  }
}
