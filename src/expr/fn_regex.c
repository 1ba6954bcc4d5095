/*
 * fn_regex.c - REGULAR EXPRESSION functions (REGEXP_EXTRACT,
 * REGEXP_EXTRACT_ALL, REGEXP_REPLACE, REGEXP_SPLIT_TO_ARRAY) and the small
 * regex engine behind them. ksqlDB hands patterns to java.util.regex, whose
 * semantics (leftmost-first alternation, greedy/lazy/possessive quantifiers,
 * backreferences, lookaround, \d \w \s \b, (?i) as ASCII-only case folding,
 * '.' not matching line terminators) differ from POSIX regex.h, so the
 * pattern is compiled here into a program for a backtracking machine with
 * an explicit stack (no C recursion except for nested lookarounds) and a
 * step budget, so a pathological pattern fails one row instead of hanging a
 * query. Text is UTF-8; positions are byte offsets on character boundaries.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "expr_int.h"

/* ---------------- pattern syntax tree ---------------- */

enum {
  N_EMPTY,
  N_CHAR,
  N_ANY,
  N_CLASS,
  N_BOL,
  N_EOL,
  N_WORDB,
  N_NWORDB,
  N_BEGIN,
  N_END,
  N_ENDZ,
  N_BACKREF,
  N_CAT,
  N_ALT,
  N_GROUP,
  N_REP,
  N_LOOK,
  N_ATOMIC
};

/* A class item: a code point range, or a named class (negated if neg). */
typedef struct {
  uint32_t lo, hi;
  char named; /* 0 for a range; 'd', 'w', 's', 'h', 'v', or a \p class id */
  bool neg;
} citem_t;

typedef struct {
  citem_t *items;
  int n, cap;
  bool neg;
} rclass_t;

typedef struct rnode rnode_t;
struct rnode {
  int type;
  uint32_t c;     /* CHAR */
  rclass_t *cls;  /* CLASS */
  bool icase;     /* CHAR, CLASS, BACKREF */
  bool flag;      /* ANY: dotall; BOL/EOL: multiline; LOOK: negative */
  bool behind;    /* LOOK */
  int min, max;   /* REP (max -1: unbounded) */
  int mode;       /* REP: 0 greedy, 1 lazy, 2 possessive */
  int group;      /* GROUP, BACKREF */
  rnode_t *a, *b; /* children */
};

typedef struct {
  const char *p, *end;
  sl_arena_t *ar;
  int ngroups;
  bool icase, dotall, multiline, comments;
  const char *err;
  int depth;
} rparse_t;

static rnode_t *rn(rparse_t *ps, int type) {
  rnode_t *n = sl_arena_alloc(ps->ar, sizeof *n);
  memset(n, 0, sizeof *n);
  n->type = type;
  return n;
}

/* Decodes one UTF-8 character at s (never reads past end). */
static uint32_t u8_get(const char *s, const char *end, int *len) {
  unsigned char c = (unsigned char)s[0];
  int w = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
  if (s + w > end) w = 1;
  uint32_t cp = w == 1 ? c : w == 2 ? (c & 0x1F) : w == 3 ? (c & 0x0F) : (c & 0x07);
  for (int i = 1; i < w; i++) {
    unsigned char x = (unsigned char)s[i];
    if ((x & 0xC0) != 0x80) {
      *len = 1;
      return c;
    }
    cp = cp << 6 | (x & 0x3F);
  }
  *len = w;
  return cp;
}

static void cls_add(rparse_t *ps, rclass_t *c, citem_t it) {
  if (c->n == c->cap) {
    int cap = c->cap ? c->cap * 2 : 8;
    citem_t *items = sl_arena_alloc(ps->ar, sizeof *items * (size_t)cap);
    if (c->n) memcpy(items, c->items, sizeof *items * (size_t)c->n);
    c->items = items;
    c->cap = cap;
  }
  c->items[c->n++] = it;
}

static int hexd(char c) {
  return c >= '0' && c <= '9'   ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}

/* \p{Name} classes: ids are letters that do not clash with d w s h v. */
static char prop_id(const char *name, size_t n) {
  static const struct {
    const char *name;
    char id;
  } props[] = {{"Lower", 'l'},
               {"Upper", 'u'},
               {"ASCII", 'a'},
               {"Alpha", 'A'},
               {"Digit", 'D'},
               {"Alnum", 'N'},
               {"Punct", 'p'},
               {"Graph", 'g'},
               {"Print", 'P'},
               {"Blank", 'b'},
               {"Cntrl", 'c'},
               {"XDigit", 'x'},
               {"Space", 'S'},
               {"L", 'L'},
               {"IsL", 'L'},
               {"IsLetter", 'L'},
               {"Lu", 'U'},
               {"IsLu", 'U'},
               {"Ll", 'W'},
               {"IsLl", 'W'},
               {"N", 'n'},
               {"Nd", 'n'},
               {"IsDigit", 'n'},
               {"IsAlphabetic", 'L'},
               {"javaLowerCase", 'W'},
               {"javaUpperCase", 'U'},
               {"IsWhite_Space", 'S'},
               {"javaWhitespace", 'S'}};
  for (size_t i = 0; i < SL_ARRAY_LEN(props); i++)
    if (strlen(props[i].name) == n && memcmp(props[i].name, name, n) == 0) return props[i].id;
  return 0;
}

static bool named_match(char id, uint32_t c) {
  switch (id) {
    case 'd': return c >= '0' && c <= '9';
    case 'w':
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    case 's': return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
    case 'h':
      return c == ' ' || c == '\t' || c == 0xA0 || c == 0x1680 || c == 0x180E ||
             (c >= 0x2000 && c <= 0x200A) || c == 0x202F || c == 0x205F || c == 0x3000;
    case 'v': return (c >= 0x0A && c <= 0x0D) || c == 0x85 || c == 0x2028 || c == 0x2029;
    case 'l': return c >= 'a' && c <= 'z';
    case 'u': return c >= 'A' && c <= 'Z';
    case 'a': return c < 0x80;
    case 'A': return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    case 'D': return c >= '0' && c <= '9';
    case 'N': return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    case 'p': return c < 0x80 && c > ' ' && c != 0x7F && !named_match('N', c);
    case 'g': return c > ' ' && c < 0x7F;
    case 'P': return c >= ' ' && c < 0x7F;
    case 'b': return c == ' ' || c == '\t';
    case 'c': return c < ' ' || c == 0x7F;
    case 'x': return hexd((char)c) >= 0 && c < 0x80;
    case 'S':
      return named_match('s', c) || (c > 0x7F && iswspace_l((wint_t)c, sl_expr_utf8_locale()));
    case 'L':
      return c < 0x80 ? named_match('A', c) : iswalpha_l((wint_t)c, sl_expr_utf8_locale()) != 0;
    case 'U':
      return c < 0x80 ? named_match('u', c) : iswupper_l((wint_t)c, sl_expr_utf8_locale()) != 0;
    case 'W':
      return c < 0x80 ? named_match('l', c) : iswlower_l((wint_t)c, sl_expr_utf8_locale()) != 0;
    case 'n':
      return c < 0x80 ? named_match('d', c) : iswdigit_l((wint_t)c, sl_expr_utf8_locale()) != 0;
    default: return false;
  }
}

static bool cls_match(const rclass_t *c, uint32_t cp, bool icase) {
  bool hit = false;
  for (int i = 0; i < c->n && !hit; i++) {
    const citem_t *it = &c->items[i];
    if (it->named) {
      hit = named_match(it->named, cp) != it->neg;
    } else {
      hit = cp >= it->lo && cp <= it->hi;
      if (!hit && icase && cp < 0x80) {
        uint32_t o = (cp >= 'a' && cp <= 'z') ? cp - 32 : (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
        hit = o >= it->lo && o <= it->hi;
      }
    }
  }
  return hit != c->neg;
}

/* Reads an escape after '\'; sets *named for class escapes (\d ...), or
 * *cp for a literal. Returns false on an error (ps->err set). */
static bool parse_escape(rparse_t *ps, uint32_t *cp, char *named, bool *neg) {
  *named = 0;
  *neg = false;
  if (ps->p >= ps->end) {
    ps->err = "Unexpected internal error";
    return false;
  }
  char c = *ps->p++;
  switch (c) {
    case 'd':
    case 'w':
    case 's':
    case 'h':
    case 'v': *named = c; return true;
    case 'D':
    case 'W':
    case 'S':
    case 'H':
    case 'V':
      *named = (char)(c + 32);
      *neg = true;
      return true;
    case 'p':
    case 'P': {
      *neg = c == 'P';
      const char *st, *en;
      if (ps->p < ps->end && *ps->p == '{') {
        st = ++ps->p;
        while (ps->p < ps->end && *ps->p != '}') ps->p++;
        if (ps->p >= ps->end) {
          ps->err = "Unclosed character family";
          return false;
        }
        en = ps->p++;
      } else {
        st = ps->p;
        en = ps->p < ps->end ? ++ps->p : ps->p;
      }
      if (en - st > 2 && memcmp(st, "Is", 2) == 0 && prop_id(st + 2, (size_t)(en - st - 2)))
        st += 2;
      *named = prop_id(st, (size_t)(en - st));
      if (!*named) {
        ps->err = "Unknown character property name";
        return false;
      }
      return true;
    }
    case 't': *cp = '\t'; return true;
    case 'n': *cp = '\n'; return true;
    case 'r': *cp = '\r'; return true;
    case 'f': *cp = '\f'; return true;
    case 'a': *cp = 7; return true;
    case 'e': *cp = 27; return true;
    case '0': {
      uint32_t v = 0;
      int k = 0;
      while (k < 3 && ps->p < ps->end && *ps->p >= '0' && *ps->p <= '7')
        v = v * 8 + (uint32_t)(*ps->p++ - '0'), k++;
      if (k == 0) {
        ps->err = "Illegal octal escape sequence";
        return false;
      }
      *cp = v;
      return true;
    }
    case 'x':
    case 'u': {
      uint32_t v = 0;
      if (c == 'x' && ps->p < ps->end && *ps->p == '{') {
        ps->p++;
        while (ps->p < ps->end && hexd(*ps->p) >= 0) v = v * 16 + (uint32_t)hexd(*ps->p++);
        if (ps->p >= ps->end || *ps->p != '}') {
          ps->err = "Unclosed hexadecimal escape sequence";
          return false;
        }
        ps->p++;
      } else {
        int want = c == 'x' ? 2 : 4;
        for (int k = 0; k < want; k++) {
          if (ps->p >= ps->end || hexd(*ps->p) < 0) {
            ps->err = c == 'x' ? "Illegal hexadecimal escape sequence"
                               : "Illegal Unicode escape sequence";
            return false;
          }
          v = v * 16 + (uint32_t)hexd(*ps->p++);
        }
      }
      *cp = v;
      return true;
    }
    case 'c':
      if (ps->p >= ps->end) {
        ps->err = "Illegal control escape sequence";
        return false;
      }
      *cp = (uint32_t)(*ps->p++ ^ 64);
      return true;
    default:
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        ps->err = "Illegal/unsupported escape sequence";
        return false;
      }
      ps->p--;
      int len;
      *cp = u8_get(ps->p, ps->end, &len);
      ps->p += len;
      return true;
  }
}

static rnode_t *parse_class(rparse_t *ps) {
  rclass_t *c = sl_arena_alloc(ps->ar, sizeof *c);
  memset(c, 0, sizeof *c);
  if (ps->p < ps->end && *ps->p == '^') c->neg = true, ps->p++;
  bool first = true;
  for (;;) {
    if (ps->p >= ps->end) {
      ps->err = "Unclosed character class";
      return NULL;
    }
    if (*ps->p == ']' && !first) {
      ps->p++;
      break;
    }
    first = false;
    if (*ps->p == '[') {
      /* A nested class is a union: flatten it when it is not negated. */
      ps->p++;
      rnode_t *sub = parse_class(ps);
      if (!sub) return NULL;
      if (sub->cls->neg) {
        ps->err = "Negated nested classes are not supported";
        return NULL;
      }
      for (int i = 0; i < sub->cls->n; i++) cls_add(ps, c, sub->cls->items[i]);
      continue;
    }
    if (ps->p + 1 < ps->end && ps->p[0] == '&' && ps->p[1] == '&') {
      ps->err = "Class intersections are not supported";
      return NULL;
    }
    uint32_t lo;
    char named = 0;
    bool neg = false;
    if (*ps->p == '\\') {
      ps->p++;
      if (ps->p < ps->end && *ps->p == 'Q') {
        ps->p++;
        while (ps->p < ps->end && !(ps->p + 1 < ps->end && ps->p[0] == '\\' && ps->p[1] == 'E')) {
          int len;
          uint32_t q = u8_get(ps->p, ps->end, &len);
          ps->p += len;
          cls_add(ps, c, (citem_t){q, q, 0, false});
        }
        if (ps->p < ps->end) ps->p += 2;
        continue;
      }
      if (!parse_escape(ps, &lo, &named, &neg)) return NULL;
    } else {
      int len;
      lo = u8_get(ps->p, ps->end, &len);
      ps->p += len;
    }
    if (named) {
      cls_add(ps, c, (citem_t){0, 0, named, neg});
      continue;
    }
    uint32_t hi = lo;
    if (ps->p + 1 < ps->end && *ps->p == '-' && ps->p[1] != ']') {
      ps->p++;
      if (*ps->p == '\\') {
        ps->p++;
        if (!parse_escape(ps, &hi, &named, &neg)) return NULL;
        if (named) {
          ps->err = "Illegal character range";
          return NULL;
        }
      } else {
        int len;
        hi = u8_get(ps->p, ps->end, &len);
        ps->p += len;
      }
      if (hi < lo) {
        ps->err = "Illegal character range";
        return NULL;
      }
    }
    cls_add(ps, c, (citem_t){lo, hi, 0, false});
  }
  rnode_t *n = rn(ps, N_CLASS);
  n->cls = c;
  n->icase = ps->icase;
  return n;
}

static rnode_t *parse_alt(rparse_t *ps);

static rnode_t *cat(rparse_t *ps, rnode_t *l, rnode_t *r) {
  if (!l) return r;
  rnode_t *n = rn(ps, N_CAT);
  n->a = l;
  n->b = r;
  return n;
}

/* Reads inline flags (?imsx-imsx) up to ':' or ')'. */
static bool parse_flags(rparse_t *ps, bool *scoped) {
  bool on = true;
  while (ps->p < ps->end && *ps->p != ':' && *ps->p != ')') {
    char f = *ps->p++;
    switch (f) {
      case '-': on = false; break;
      case 'i': ps->icase = on; break;
      case 's': ps->dotall = on; break;
      case 'm': ps->multiline = on; break;
      case 'x': ps->comments = on; break;
      case 'u':
      case 'U':
      case 'd': break;
      default: ps->err = "Unknown inline modifier"; return false;
    }
  }
  if (ps->p >= ps->end) {
    ps->err = "Unclosed group";
    return false;
  }
  *scoped = *ps->p++ == ':';
  return true;
}

static rnode_t *parse_atom(rparse_t *ps) {
  char c = *ps->p;
  if (c == '(') {
    ps->p++;
    if (++ps->depth > 200) {
      ps->err = "Pattern nested too deeply";
      return NULL;
    }
    rnode_t *n = NULL;
    bool save_i = ps->icase, save_s = ps->dotall, save_m = ps->multiline, save_x = ps->comments;
    if (ps->p < ps->end && *ps->p == '?') {
      ps->p++;
      char k = ps->p < ps->end ? *ps->p : 0;
      if (k == ':') {
        ps->p++;
        n = rn(ps, N_GROUP);
        n->group = -1;
      } else if (k == '=' || k == '!') {
        ps->p++;
        n = rn(ps, N_LOOK);
        n->flag = k == '!';
      } else if (k == '>') {
        ps->p++;
        n = rn(ps, N_ATOMIC);
      } else if (k == '<' && ps->p + 1 < ps->end && (ps->p[1] == '=' || ps->p[1] == '!')) {
        n = rn(ps, N_LOOK);
        n->flag = ps->p[1] == '!';
        n->behind = true;
        ps->p += 2;
      } else if (k == '<') {
        ps->p++;
        while (ps->p < ps->end && *ps->p != '>') ps->p++;
        if (ps->p >= ps->end) {
          ps->err = "named capturing group is missing trailing '>'";
          return NULL;
        }
        ps->p++;
        n = rn(ps, N_GROUP);
        n->group = ++ps->ngroups;
      } else {
        bool scoped;
        if (!parse_flags(ps, &scoped)) return NULL;
        if (!scoped) {
          /* (?i) changes the flags for the rest of the enclosing group */
          ps->depth--;
          return rn(ps, N_EMPTY);
        }
        n = rn(ps, N_GROUP);
        n->group = -1;
      }
    } else {
      n = rn(ps, N_GROUP);
      n->group = ++ps->ngroups;
    }
    n->a = parse_alt(ps);
    if (!n->a && ps->err) return NULL;
    if (ps->p >= ps->end || *ps->p != ')') {
      ps->err = "Unclosed group";
      return NULL;
    }
    ps->p++;
    ps->icase = save_i, ps->dotall = save_s, ps->multiline = save_m, ps->comments = save_x;
    ps->depth--;
    return n;
  }
  if (c == '[') {
    ps->p++;
    return parse_class(ps);
  }
  ps->p++;
  rnode_t *n;
  switch (c) {
    case '.':
      n = rn(ps, N_ANY);
      n->flag = ps->dotall;
      return n;
    case '^':
      n = rn(ps, N_BOL);
      n->flag = ps->multiline;
      return n;
    case '$':
      n = rn(ps, N_EOL);
      n->flag = ps->multiline;
      return n;
    case '\\': {
      if (ps->p >= ps->end) {
        ps->err = "Unexpected internal error";
        return NULL;
      }
      char e = *ps->p;
      switch (e) {
        case 'b': ps->p++; return rn(ps, N_WORDB);
        case 'B': ps->p++; return rn(ps, N_NWORDB);
        case 'A': ps->p++; return rn(ps, N_BEGIN);
        case 'z': ps->p++; return rn(ps, N_END);
        case 'Z': ps->p++; return rn(ps, N_ENDZ);
        case 'G': ps->p++; return rn(ps, N_BEGIN);
        case 'Q': {
          ps->p++;
          rnode_t *seq = NULL;
          while (ps->p < ps->end && !(ps->p + 1 < ps->end && ps->p[0] == '\\' && ps->p[1] == 'E')) {
            int len;
            rnode_t *ch = rn(ps, N_CHAR);
            ch->c = u8_get(ps->p, ps->end, &len);
            ch->icase = ps->icase;
            ps->p += len;
            seq = cat(ps, seq, ch);
          }
          if (ps->p < ps->end) ps->p += 2;
          return seq ? seq : rn(ps, N_EMPTY);
        }
        default: break;
      }
      if (e >= '1' && e <= '9') {
        int g = 0;
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
          int ng = g * 10 + (*ps->p - '0');
          if (g && ng > ps->ngroups) break;
          g = ng;
          ps->p++;
        }
        n = rn(ps, N_BACKREF);
        n->group = g;
        n->icase = ps->icase;
        return n;
      }
      uint32_t cp;
      char named;
      bool neg;
      if (!parse_escape(ps, &cp, &named, &neg)) return NULL;
      if (named) {
        rclass_t *cl = sl_arena_alloc(ps->ar, sizeof *cl);
        memset(cl, 0, sizeof *cl);
        cls_add(ps, cl, (citem_t){0, 0, named, neg});
        n = rn(ps, N_CLASS);
        n->cls = cl;
        return n;
      }
      n = rn(ps, N_CHAR);
      n->c = cp;
      n->icase = ps->icase;
      return n;
    }
    case '*':
    case '+':
    case '?': ps->err = "Dangling meta character"; return NULL;
    default: {
      ps->p--;
      int len;
      n = rn(ps, N_CHAR);
      n->c = u8_get(ps->p, ps->end, &len);
      n->icase = ps->icase;
      ps->p += len;
      return n;
    }
  }
}

static bool parse_int(rparse_t *ps, int *v) {
  if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') return false;
  long x = 0;
  while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
    x = x * 10 + (*ps->p++ - '0');
    if (x > 100000) x = 100000;
  }
  *v = (int)x;
  return true;
}

static void skip_comments(rparse_t *ps) {
  while (ps->comments && ps->p < ps->end) {
    if (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\f')
      ps->p++;
    else if (*ps->p == '#')
      while (ps->p < ps->end && *ps->p != '\n') ps->p++;
    else
      break;
  }
}

static rnode_t *parse_seq(rparse_t *ps) {
  rnode_t *seq = NULL;
  for (;;) {
    skip_comments(ps);
    if (ps->p >= ps->end || *ps->p == '|' || *ps->p == ')') break;
    rnode_t *atom = parse_atom(ps);
    if (!atom) return NULL;
    for (;;) {
      skip_comments(ps);
      if (ps->p >= ps->end) break;
      int min, max;
      char q = *ps->p;
      if (q == '*')
        min = 0, max = -1, ps->p++;
      else if (q == '+')
        min = 1, max = -1, ps->p++;
      else if (q == '?')
        min = 0, max = 1, ps->p++;
      else if (q == '{') {
        const char *save = ps->p++;
        if (!parse_int(ps, &min)) {
          ps->p = save;
          ps->err = "Illegal repetition";
          return NULL;
        }
        max = min;
        if (ps->p < ps->end && *ps->p == ',') {
          ps->p++;
          if (!parse_int(ps, &max)) max = -1;
        }
        if (ps->p >= ps->end || *ps->p != '}') {
          ps->err = "Unclosed counted closure";
          return NULL;
        }
        ps->p++;
        if (max >= 0 && max < min) {
          ps->err = "Illegal repetition range";
          return NULL;
        }
      } else
        break;
      if (atom->type == N_BOL || atom->type == N_EOL || atom->type == N_EMPTY) {
        if (atom->type == N_EMPTY) {
          ps->err = "Dangling meta character";
          return NULL;
        }
      }
      rnode_t *r = rn(ps, N_REP);
      r->a = atom;
      r->min = min;
      r->max = max;
      if (ps->p < ps->end && *ps->p == '?')
        r->mode = 1, ps->p++;
      else if (ps->p < ps->end && *ps->p == '+')
        r->mode = 2, ps->p++;
      atom = r;
    }
    seq = cat(ps, seq, atom);
  }
  return seq ? seq : rn(ps, N_EMPTY);
}

static rnode_t *parse_alt(rparse_t *ps) {
  rnode_t *l = parse_seq(ps);
  if (!l) return NULL;
  while (ps->p < ps->end && *ps->p == '|') {
    ps->p++;
    rnode_t *r = parse_seq(ps);
    if (!r) return NULL;
    rnode_t *n = rn(ps, N_ALT);
    n->a = l;
    n->b = r;
    l = n;
  }
  return l;
}

/* ---------------- program ---------------- */

enum {
  I_CHAR,
  I_ANY,
  I_CLASS,
  I_SPLIT,
  I_JMP,
  I_SAVE,
  I_MATCH,
  I_BOL,
  I_EOL,
  I_WORDB,
  I_NWORDB,
  I_BEGIN,
  I_END,
  I_ENDZ,
  I_BACKREF,
  I_LOOK,
  I_ATOMIC,
  I_MARK,
  I_CHECK
};

typedef struct {
  uint8_t op;
  bool flag;   /* CHAR/CLASS/BACKREF: icase; ANY: dotall; BOL/EOL: multiline; LOOK: negative */
  bool behind; /* LOOK */
  int x, y;    /* SPLIT/JMP targets; SAVE/MARK/CHECK register; LOOK/ATOMIC: body, continuation */
  uint32_t c;
  const rclass_t *cls;
} rinst_t;

typedef struct {
  rinst_t *prog;
  int n, cap;
  int ngroups; /* capturing groups; registers 0..2*ngroups+1 hold their bounds */
  int nregs;   /* plus one register per loop that can match empty */
  sl_arena_t *ar;
  bool too_big;
} regex_t_;

static int emit(regex_t_ *re, uint8_t op) {
  if (re->n >= 50000) {
    re->too_big = true;
    return re->n - 1;
  }
  if (re->n == re->cap) {
    int cap = re->cap ? re->cap * 2 : 32;
    rinst_t *p = sl_arena_alloc(re->ar, sizeof *p * (size_t)cap);
    if (re->n) memcpy(p, re->prog, sizeof *p * (size_t)re->n);
    re->prog = p;
    re->cap = cap;
  }
  memset(&re->prog[re->n], 0, sizeof re->prog[0]);
  re->prog[re->n].op = op;
  return re->n++;
}

static bool nullable(const rnode_t *n) {
  switch (n->type) {
    case N_CHAR:
    case N_ANY:
    case N_CLASS: return false;
    case N_CAT: return nullable(n->a) && nullable(n->b);
    case N_ALT: return nullable(n->a) || nullable(n->b);
    case N_GROUP:
    case N_ATOMIC: return nullable(n->a);
    case N_REP: return n->min == 0 || nullable(n->a);
    case N_BACKREF: return true;
    default: return true;
  }
}

static void gen(regex_t_ *re, const rnode_t *n);

static void gen_sub(regex_t_ *re, const rnode_t *n, uint8_t op, bool flag, bool behind) {
  int at = emit(re, op);
  re->prog[at].flag = flag;
  re->prog[at].behind = behind;
  re->prog[at].x = at + 1;
  gen(re, n->a);
  emit(re, I_MATCH);
  re->prog[at].y = re->n;
}

static void gen_rep(regex_t_ *re, const rnode_t *n) {
  for (int i = 0; i < n->min && !re->too_big; i++) gen(re, n->a);
  int at;
  if (n->max == -1) {
    bool guard = nullable(n->a);
    int reg = guard ? re->nregs++ : 0;
    int split = emit(re, I_SPLIT);
    if (guard) at = emit(re, I_MARK), re->prog[at].x = reg;
    gen(re, n->a);
    if (guard) at = emit(re, I_CHECK), re->prog[at].x = reg;
    at = emit(re, I_JMP), re->prog[at].x = split;
    re->prog[split].x = n->mode == 1 ? re->n : split + 1;
    re->prog[split].y = n->mode == 1 ? split + 1 : re->n;
    return;
  }
  int opt = n->max - n->min;
  int *splits = opt ? sl_arena_alloc(re->ar, sizeof *splits * (size_t)opt) : NULL;
  for (int i = 0; i < opt && !re->too_big; i++) {
    splits[i] = emit(re, I_SPLIT);
    gen(re, n->a);
  }
  for (int i = 0; i < opt && !re->too_big; i++) {
    int body = splits[i] + 1;
    re->prog[splits[i]].x = n->mode == 1 ? re->n : body;
    re->prog[splits[i]].y = n->mode == 1 ? body : re->n;
  }
}

static void gen(regex_t_ *re, const rnode_t *n) {
  if (re->too_big) return;
  int at;
  switch (n->type) {
    case N_EMPTY: break;
    case N_CHAR:
      at = emit(re, I_CHAR);
      re->prog[at].c = n->c;
      re->prog[at].flag = n->icase;
      break;
    case N_ANY: at = emit(re, I_ANY), re->prog[at].flag = n->flag; break;
    case N_CLASS:
      at = emit(re, I_CLASS);
      re->prog[at].cls = n->cls;
      re->prog[at].flag = n->icase;
      break;
    case N_BOL: at = emit(re, I_BOL), re->prog[at].flag = n->flag; break;
    case N_EOL: at = emit(re, I_EOL), re->prog[at].flag = n->flag; break;
    case N_WORDB: emit(re, I_WORDB); break;
    case N_NWORDB: emit(re, I_NWORDB); break;
    case N_BEGIN: emit(re, I_BEGIN); break;
    case N_END: emit(re, I_END); break;
    case N_ENDZ: emit(re, I_ENDZ); break;
    case N_BACKREF:
      at = emit(re, I_BACKREF);
      re->prog[at].x = n->group;
      re->prog[at].flag = n->icase;
      break;
    case N_CAT:
      gen(re, n->a);
      gen(re, n->b);
      break;
    case N_ALT: {
      int split = emit(re, I_SPLIT);
      re->prog[split].x = split + 1;
      gen(re, n->a);
      int jmp = emit(re, I_JMP);
      re->prog[split].y = re->n;
      gen(re, n->b);
      re->prog[jmp].x = re->n;
      break;
    }
    case N_GROUP:
      if (n->group > 0) at = emit(re, I_SAVE), re->prog[at].x = 2 * n->group;
      gen(re, n->a);
      if (n->group > 0) at = emit(re, I_SAVE), re->prog[at].x = 2 * n->group + 1;
      break;
    case N_REP:
      if (n->mode == 2) {
        /* possessive: an atomic group around the greedy loop */
        rnode_t greedy = *n, wrap;
        greedy.mode = 0;
        memset(&wrap, 0, sizeof wrap);
        wrap.type = N_ATOMIC;
        wrap.a = &greedy;
        gen_sub(re, &wrap, I_ATOMIC, false, false);
      } else {
        gen_rep(re, n);
      }
      break;
    case N_LOOK: gen_sub(re, n, I_LOOK, n->flag, n->behind); break;
    case N_ATOMIC: gen_sub(re, n, I_ATOMIC, false, false); break;
  }
}

/* Compiles pattern; NULL with a message in err when it is invalid. */
static regex_t_ *re_compile(const char *pat, size_t n, sl_arena_t *ar, sl_error_t *err) {
  rparse_t ps = {pat, pat + n, ar, 0, false, false, false, false, NULL, 0};
  rnode_t *root = parse_alt(&ps);
  if (root && ps.p < ps.end && !ps.err) ps.err = "Unmatched closing ')'";
  if (!root || ps.err) {
    sl_error_set(err, SL_EEVAL, -1, "Invalid regular expression pattern: %.*s (%s)", (int)n, pat,
                 ps.err ? ps.err : "syntax error");
    return NULL;
  }
  regex_t_ *re = sl_arena_alloc(ar, sizeof *re);
  memset(re, 0, sizeof *re);
  re->ar = ar;
  re->ngroups = ps.ngroups;
  re->nregs = 2 * (ps.ngroups + 1);
  gen(re, root);
  emit(re, I_MATCH);
  if (re->too_big) {
    sl_error_set(err, SL_EEVAL, -1, "Invalid regular expression pattern: %.*s (too large)", (int)n,
                 pat);
    return NULL;
  }
  return re;
}

/* ---------------- matching ---------------- */

typedef struct {
  int kind; /* 0 branch, 1 undo */
  int a;    /* pc, or register */
  long b;   /* position, or old register value */
} frame_t;

typedef struct {
  const regex_t_ *re;
  const char *s;
  size_t n;
  long *regs;
  long steps;
  bool overflow;
} rmatch_t;

static bool is_word(uint32_t c) {
  return named_match('w', c);
}

static bool line_term(uint32_t c) {
  return c == '\n' || c == '\r' || c == 0x85 || c == 0x2028 || c == 0x2029;
}

/* The character before byte position i (0 if none). */
static uint32_t prev_char(const char *s, size_t i) {
  if (i == 0) return 0;
  size_t j = i - 1;
  while (j > 0 && ((unsigned char)s[j] & 0xC0) == 0x80 && i - j < 4) j--;
  int len;
  return u8_get(s + j, s + i, &len);
}

static uint32_t fold(uint32_t c) {
  return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int run(rmatch_t *m, int pc, size_t pos, long must_end, size_t *endpos);

/* Runs a lookaround or atomic body; on success keeps its captures, pushing
 * undo frames so an outer backtrack restores them. */
static int sub_call(rmatch_t *m, const rinst_t *in, size_t pos, size_t *endpos, frame_t **stk,
                    int *sp, int *cap) {
  int nr = m->re->nregs;
  long saved_local[32];
  long *saved = nr <= 32 ? saved_local : malloc(sizeof *saved * (size_t)nr);
  memcpy(saved, m->regs, sizeof *saved * (size_t)nr);
  int ok = 0;
  if (in->op == I_LOOK && in->behind) {
    for (size_t st = pos + 1; st-- > 0;) {
      if (st < pos && ((unsigned char)m->s[st] & 0xC0) == 0x80) continue;
      ok = run(m, in->x, st, (long)pos, endpos);
      if (ok) break;
    }
  } else {
    ok = run(m, in->x, pos, -1, endpos);
  }
  if (ok > 0 && in->op == I_LOOK && in->flag) {
    memcpy(m->regs, saved, sizeof *saved * (size_t)nr);
  } else if (ok > 0) {
    for (int r = 0; r < nr; r++) {
      if (m->regs[r] == saved[r]) continue;
      if (*sp == *cap) {
        *cap *= 2;
        *stk = realloc(*stk, sizeof **stk * (size_t)*cap);
      }
      (*stk)[(*sp)++] = (frame_t){1, r, saved[r]};
    }
  }
  if (saved != saved_local) free(saved);
  return ok;
}

/* Backtracking machine from pc at pos. 1 on a match (regs hold the
 * captures, *endpos the end), 0 on none, -1 when the step budget ran out. */
static int run(rmatch_t *m, int pc, size_t pos, long must_end, size_t *endpos) {
  int cap = 64, sp = 0;
  frame_t *stk = malloc(sizeof *stk * (size_t)cap);
  const rinst_t *prog = m->re->prog;
  const char *s = m->s;
  size_t n = m->n;
  int result = 0;
#define PUSH(K, A, B)                                \
  do {                                               \
    if (sp == cap) {                                 \
      cap *= 2;                                      \
      stk = realloc(stk, sizeof *stk * (size_t)cap); \
    }                                                \
    stk[sp++] = (frame_t){K, A, B};                  \
  } while (0)
  for (;;) {
    if (++m->steps > 2000000) {
      m->overflow = true;
      result = -1;
      break;
    }
    const rinst_t *in = &prog[pc];
    bool fail = false;
    int len = 0;
    uint32_t c = 0;
    if (pos < n) c = u8_get(s + pos, s + n, &len);
    switch (in->op) {
      case I_CHAR:
        if (pos < n && (c == in->c || (in->flag && c < 0x80 && fold(c) == fold(in->c))))
          pos += (size_t)len, pc++;
        else
          fail = true;
        break;
      case I_ANY:
        if (pos < n && (in->flag || !line_term(c)))
          pos += (size_t)len, pc++;
        else
          fail = true;
        break;
      case I_CLASS:
        if (pos < n && cls_match(in->cls, c, in->flag))
          pos += (size_t)len, pc++;
        else
          fail = true;
        break;
      case I_SPLIT:
        PUSH(0, in->y, (long)pos);
        pc = in->x;
        break;
      case I_JMP: pc = in->x; break;
      case I_SAVE:
      case I_MARK:
        PUSH(1, in->x, m->regs[in->x]);
        m->regs[in->x] = (long)pos;
        pc++;
        break;
      case I_CHECK:
        if (m->regs[in->x] == (long)pos)
          fail = true;
        else
          pc++;
        break;
      case I_BOL:
        if (pos == 0 || (in->flag && pos < n && line_term(prev_char(s, pos)) &&
                         !(prev_char(s, pos) == '\r' && c == '\n')))
          pc++;
        else
          fail = true;
        break;
      case I_EOL: {
        bool ok = pos == n;
        if (!ok && line_term(c)) {
          size_t after = pos + (size_t)len;
          if (c == '\r' && after < n && s[after] == '\n') after++;
          ok = in->flag || after == n;
          if (c == '\n' && pos > 0 && s[pos - 1] == '\r' && !in->flag) ok = false;
        }
        if (ok)
          pc++;
        else
          fail = true;
        break;
      }
      case I_WORDB:
      case I_NWORDB: {
        bool b = (pos > 0 && is_word(prev_char(s, pos))) != (pos < n && is_word(c));
        if (b == (in->op == I_WORDB))
          pc++;
        else
          fail = true;
        break;
      }
      case I_BEGIN:
        if (pos == 0)
          pc++;
        else
          fail = true;
        break;
      case I_END:
        if (pos == n)
          pc++;
        else
          fail = true;
        break;
      case I_ENDZ: {
        size_t after = pos + (size_t)len;
        if (pos == n || (line_term(c) && after == n) ||
            (c == '\r' && after + 1 == n && s[after] == '\n'))
          pc++;
        else
          fail = true;
        break;
      }
      case I_BACKREF: {
        long b = in->x <= m->re->ngroups ? m->regs[2 * in->x] : -1;
        long e = in->x <= m->re->ngroups ? m->regs[2 * in->x + 1] : -1;
        if (b < 0 || e < b) {
          fail = true;
          break;
        }
        size_t k = (size_t)(e - b);
        if (pos + k > n) {
          fail = true;
          break;
        }
        bool eq = true;
        for (size_t i = 0; i < k && eq; i++) {
          char x = s[b + (long)i], y = s[pos + i];
          eq = x == y || (in->flag && fold((unsigned char)x) == fold((unsigned char)y));
        }
        if (eq)
          pos += k, pc++;
        else
          fail = true;
        break;
      }
      case I_LOOK:
      case I_ATOMIC: {
        size_t e;
        int ok = sub_call(m, in, pos, &e, &stk, &sp, &cap);
        if (ok < 0) {
          result = -1;
          goto done;
        }
        bool pass = in->op == I_LOOK ? (ok > 0) != in->flag : ok > 0;
        if (!pass) {
          fail = true;
          break;
        }
        if (in->op == I_ATOMIC) pos = e;
        pc = in->y;
        break;
      }
      case I_MATCH:
        if (must_end >= 0 && (long)pos != must_end) {
          fail = true;
          break;
        }
        *endpos = pos;
        result = 1;
        goto done;
    }
    if (!fail) continue;
    /* backtrack */
    for (;;) {
      if (sp == 0) {
        result = 0;
        goto done;
      }
      frame_t f = stk[--sp];
      if (f.kind == 1) {
        m->regs[f.a] = f.b;
        continue;
      }
      pc = f.a;
      pos = (size_t)f.b;
      break;
    }
  }
done:
#undef PUSH
  free(stk);
  return result;
}

/* Finds the first match at or after byte position from. Returns 1 and
 * fills regs (2 per group, -1 for an unset group), 0 if none, -1 on an
 * exhausted step budget. */
static int re_search(const regex_t_ *re, const char *s, size_t n, size_t from, long *regs) {
  rmatch_t m = {re, s, n, regs, 0, false};
  for (size_t st = from; st <= n;) {
    for (int r = 0; r < re->nregs; r++) regs[r] = -1;
    size_t e;
    int ok = run(&m, 0, st, -1, &e);
    if (ok < 0) return -1;
    if (ok) {
      regs[0] = (long)st;
      regs[1] = (long)e;
      return 1;
    }
    if (st == n) break;
    int len;
    u8_get(s + st, s + n, &len);
    st += (size_t)len;
  }
  return 0;
}

static int budget_error(sl_error_t *err) {
  return sl_error_set(err, SL_EEVAL, -1, "Regular expression is too complex for this input");
}

/* ---------------- typers ---------------- */

static int ty_extract(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                      sl_error_t *err) {
  SL_UNUSED(ar);
  if (n < 2 || n > 3 || !sl_ty_is(a[0], SL_T_STRING) || !sl_ty_is(a[1], SL_T_STRING) ||
      (n == 3 && !sl_ty_is(a[2], SL_T_INT)))
    return sl_fn_reject(err);
  *ret = &sl_type_string;
  return 0;
}

static int ty_extract_all(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                          sl_error_t *err) {
  if (ty_extract(a, n, ar, ret, err)) return SL_ESEMANTIC;
  *ret = sl_type_array(ar, &sl_type_string);
  return 0;
}

static int ty_replace(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                      sl_error_t *err) {
  SL_UNUSED(ar);
  if (n != 3 || !sl_ty_is(a[0], SL_T_STRING) || !sl_ty_is(a[1], SL_T_STRING) ||
      !sl_ty_is(a[2], SL_T_STRING))
    return sl_fn_reject(err);
  *ret = &sl_type_string;
  return 0;
}

static int ty_split(const sl_type_t *const *a, int n, sl_arena_t *ar, const sl_type_t **ret,
                    sl_error_t *err) {
  if (n != 2 || !sl_ty_is(a[0], SL_T_STRING) || !sl_ty_is(a[1], SL_T_STRING))
    return sl_fn_reject(err);
  *ret = sl_type_array(ar, &sl_type_string);
  return 0;
}

/* ---------------- implementations ---------------- */

#define FN(NAME)                                                                    \
  static int NAME(const sl_value_t *a, int n, const sl_type_t *ret, sl_arena_t *ar, \
                  sl_value_t *out, sl_error_t *err)

typedef struct {
  sl_value_t *items;
  uint32_t n, cap;
} vlist_t;

static void vpush(sl_arena_t *ar, vlist_t *l, sl_value_t v) {
  if (l->n == l->cap) {
    uint32_t cap = l->cap ? l->cap * 2 : 8;
    sl_value_t *items = sl_arena_alloc(ar, sizeof *items * cap);
    if (l->n) memcpy(items, l->items, sizeof *items * l->n);
    l->items = items;
    l->cap = cap;
  }
  l->items[l->n++] = v;
}

static sl_value_t vlist_array(vlist_t *l) {
  sl_value_t v = sl_null();
  v.kind = SL_T_ARRAY;
  v.u.arr.items = l->items;
  v.u.arr.n = l->n;
  return v;
}

static sl_value_t group_value(const char *s, const long *regs, int g) {
  if (regs[2 * g] < 0 || regs[2 * g + 1] < 0) return sl_null();
  return sl_val_string(s + regs[2 * g], (uint32_t)(regs[2 * g + 1] - regs[2 * g]));
}

/* The next search position after a match: an empty match moves one character on. */
static size_t next_from(const char *s, size_t n, const long *regs) {
  size_t e = (size_t)regs[1];
  if (regs[1] == regs[0] && e < n) {
    int len;
    u8_get(s + e, s + n, &len);
    e += (size_t)len;
  } else if (regs[1] == regs[0]) {
    e = n + 1;
  }
  return e;
}

static int extract(const sl_value_t *a, int n, sl_arena_t *ar, sl_value_t *out, sl_error_t *err,
                   bool all) {
  regex_t_ *re = re_compile(a[0].u.s.ptr, a[0].u.s.len, ar, err);
  if (!re) return SL_EEVAL;
  int g = n == 3 ? a[2].u.i : 0;
  *out = sl_null();
  if (g > re->ngroups) return 0;
  if (g < 0) return sl_error_set(err, SL_EEVAL, -1, "No group %d", g);
  long *regs = sl_arena_alloc(ar, sizeof *regs * (size_t)re->nregs);
  const char *s = a[1].u.s.ptr;
  size_t len = a[1].u.s.len;
  if (!all) {
    int r = re_search(re, s, len, 0, regs);
    if (r < 0) return budget_error(err);
    if (r) *out = group_value(s, regs, g);
    return 0;
  }
  vlist_t l = {0};
  for (size_t from = 0; from <= len;) {
    int r = re_search(re, s, len, from, regs);
    if (r < 0) return budget_error(err);
    if (!r) break;
    vpush(ar, &l, group_value(s, regs, g));
    from = next_from(s, len, regs);
  }
  *out = vlist_array(&l);
  return 0;
}

FN(f_regexp_extract) {
  SL_UNUSED(ret);
  return extract(a, n, ar, out, err, false);
}

FN(f_regexp_extract_all) {
  SL_UNUSED(ret);
  return extract(a, n, ar, out, err, true);
}

/* Java's Matcher.appendReplacement: $n and ${name} refer to groups (digits
 * are taken while the number stays a valid group), a backslash quotes the
 * next character. */
static int append_replacement(sl_buf_t *b, const char *r, size_t rn_, const char *s,
                              const long *regs, int ngroups, sl_error_t *err) {
  for (size_t i = 0; i < rn_; i++) {
    char c = r[i];
    if (c == '\\') {
      if (++i >= rn_) return sl_error_set(err, SL_EEVAL, -1, "character to be escaped is missing");
      sl_buf_putc(b, r[i]);
    } else if (c == '$') {
      if (++i >= rn_)
        return sl_error_set(err, SL_EEVAL, -1, "Illegal group reference: group index is missing");
      if (r[i] == '{')
        return sl_error_set(err, SL_EEVAL, -1, "named capturing group is not supported here");
      if (r[i] < '0' || r[i] > '9')
        return sl_error_set(err, SL_EEVAL, -1, "Illegal group reference");
      int g = r[i] - '0';
      while (i + 1 < rn_ && r[i + 1] >= '0' && r[i + 1] <= '9') {
        int ng = g * 10 + (r[i + 1] - '0');
        if (ng > ngroups) break;
        g = ng;
        i++;
      }
      if (g > ngroups) return sl_error_set(err, SL_EEVAL, -1, "No group %d", g);
      if (regs[2 * g] >= 0)
        sl_buf_append(b, s + regs[2 * g], (size_t)(regs[2 * g + 1] - regs[2 * g]));
    } else {
      sl_buf_putc(b, c);
    }
  }
  return 0;
}

FN(f_regexp_replace) {
  SL_UNUSED(n), SL_UNUSED(ret);
  regex_t_ *re = re_compile(a[1].u.s.ptr, a[1].u.s.len, ar, err);
  if (!re) return SL_EEVAL;
  long *regs = sl_arena_alloc(ar, sizeof *regs * (size_t)re->nregs);
  const char *s = a[0].u.s.ptr;
  size_t len = a[0].u.s.len, last = 0;
  sl_buf_t b;
  sl_buf_init(&b);
  int rc = 0;
  for (size_t from = 0; from <= len;) {
    int r = re_search(re, s, len, from, regs);
    if (r < 0) {
      rc = budget_error(err);
      break;
    }
    if (!r) break;
    sl_buf_append(&b, s + last, (size_t)regs[0] - last);
    if ((rc = append_replacement(&b, a[2].u.s.ptr, a[2].u.s.len, s, regs, re->ngroups, err))) break;
    last = (size_t)regs[1];
    from = next_from(s, len, regs);
  }
  if (!rc) {
    sl_buf_append(&b, s + last, len - last);
    *out = sl_str_dup(ar, b.data ? b.data : "", b.len);
  }
  sl_buf_free(&b);
  return rc;
}

/* Java's Pattern.split (no leading empty piece for a zero-width match at
 * the start, trailing empty pieces dropped) when the pattern can match the
 * empty string, Guava's Splitter.on(pattern) (every piece kept) otherwise. */
FN(f_regexp_split) {
  SL_UNUSED(n), SL_UNUSED(ret);
  regex_t_ *re = re_compile(a[1].u.s.ptr, a[1].u.s.len, ar, err);
  if (!re) return SL_EEVAL;
  long *regs = sl_arena_alloc(ar, sizeof *regs * (size_t)re->nregs);
  const char *s = a[0].u.s.ptr;
  size_t len = a[0].u.s.len;
  int r = re_search(re, "", 0, 0, regs);
  if (r < 0) return budget_error(err);
  bool java = a[1].u.s.len == 0 || (r == 1 && regs[1] == 0);
  vlist_t l = {0};
  size_t start = 0;
  if (java) {
    size_t index = 0;
    bool matched = false;
    for (size_t from = 0; from <= len;) {
      r = re_search(re, s, len, from, regs);
      if (r < 0) return budget_error(err);
      if (!r) break;
      from = next_from(s, len, regs);
      if (index == 0 && regs[0] == 0 && regs[1] == 0) continue;
      matched = true;
      vpush(ar, &l, sl_val_string(s + index, (uint32_t)((size_t)regs[0] - index)));
      index = (size_t)regs[1];
    }
    if (!matched) {
      vpush(ar, &l, a[0]);
    } else {
      vpush(ar, &l, sl_val_string(s + index, (uint32_t)(len - index)));
      while (l.n > 0 && l.items[l.n - 1].u.s.len == 0) l.n--;
    }
  } else {
    size_t offset = 0;
    for (;;) {
      r = offset <= len ? re_search(re, s, len, offset, regs) : 0;
      if (r < 0) return budget_error(err);
      size_t end;
      bool last = !r;
      if (last) {
        end = len;
      } else {
        end = (size_t)regs[0];
        offset = (size_t)regs[1];
        if (offset == start) {
          /* an empty match (lookaround): look further, keep the piece start */
          int w = 1;
          if (offset < len) u8_get(s + offset, s + len, &w);
          offset += (size_t)w;
          if (offset > len) {
            vpush(ar, &l, sl_val_string(s + start, (uint32_t)(len - start)));
            break;
          }
          continue;
        }
      }
      vpush(ar, &l, sl_val_string(s + start, (uint32_t)(end - start)));
      if (last) break;
      start = offset;
    }
  }
  *out = vlist_array(&l);
  return 0;
}

#define RX "REGULAR EXPRESSION"
const sl_function_t sl_fn_regex_table[] = {
    {"REGEXP_EXTRACT", SL_FN_SCALAR, RX,
     "Extracts the first substring matched by a regex pattern, or the given capturing group of "
     "that match.",
     "REGEXP_EXTRACT(STRING pattern, STRING input) -> STRING\n"
     "REGEXP_EXTRACT(STRING pattern, STRING input, INTEGER group) -> STRING",
     ty_extract, f_regexp_extract, true, false, false},
    {"REGEXP_EXTRACT_ALL", SL_FN_SCALAR, RX,
     "Extracts all substrings matched by a regex pattern, or the given capturing group of each "
     "match.",
     "REGEXP_EXTRACT_ALL(STRING pattern, STRING input) -> ARRAY<STRING>\n"
     "REGEXP_EXTRACT_ALL(STRING pattern, STRING input, INTEGER group) -> ARRAY<STRING>",
     ty_extract_all, f_regexp_extract_all, true, false, false},
    {"REGEXP_REPLACE", SL_FN_SCALAR, RX,
     "Replaces all matches of a regexp in a string with a new substring ($n refers to a group).",
     "REGEXP_REPLACE(STRING str, STRING regexp, STRING newStr) -> STRING", ty_replace,
     f_regexp_replace, true, false, false},
    {"REGEXP_SPLIT_TO_ARRAY", SL_FN_SCALAR, RX,
     "Splits a string into an array of substrings based on a regexp.",
     "REGEXP_SPLIT_TO_ARRAY(STRING string, STRING regexp) -> ARRAY<STRING>", ty_split,
     f_regexp_split, true, false, false},
};
const int sl_fn_regex_count = (int)SL_ARRAY_LEN(sl_fn_regex_table);
