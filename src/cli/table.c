/*
 * table.c - text tables for the shell. Two layouts, both ksqlDB's: the
 * listing style of SHOW/LIST/DESCRIBE (" A | B " with dashed rules) and the
 * boxed style of query results ("+---+" rules, "|a|" rows). Tables are
 * measured first and then narrowed to the terminal: the widest columns give
 * up width first and their cells wrap onto more lines, because a table that
 * the terminal itself wraps is unreadable. Widths count UTF-8 code points.
 */
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"

/* ---------------- measuring ---------------- */

int sl_cli_text_width(const char *s, size_t n) {
  int w = 0;
  for (size_t i = 0; i < n && s[i]; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80) w++;
  return w;
}

/* Byte length of the first ncp code points of s[0..n). */
static size_t cp_bytes(const char *s, size_t n, int ncp) {
  size_t i = 0;
  int seen = 0;
  while (i < n) {
    if (((unsigned char)s[i] & 0xC0) != 0x80) {
      if (seen == ncp) break;
      seen++;
    }
    i++;
  }
  return i;
}

/* Splits a cell into the lines it shows as in a column of width w: at its own
 * newlines, then wherever a line is too long. Tabs and other control
 * characters become spaces so they cannot break the layout. The lines are
 * malloc'd into out. */
static void wrap_cell(const char *cell, int w, sl_ptrvec_t *out) {
  sl_buf_t clean;
  sl_buf_init(&clean);
  for (const char *p = cell ? cell : ""; *p; p++) {
    unsigned char ch = (unsigned char)*p;
    if (ch == '\r') continue;
    sl_buf_putc(&clean, ch == '\n' ? '\n' : ch < 0x20 || ch == 0x7f ? ' ' : (char)ch);
  }
  const char *s = clean.data ? clean.data : "";
  if (w < 1) w = 1;
  for (;;) {
    const char *nl = strchr(s, '\n');
    size_t len = nl ? (size_t)(nl - s) : strlen(s);
    while (sl_cli_text_width(s, len) > w) {
      size_t cut = cp_bytes(s, len, w), take = cut, skip = cut;
      /* Prefer a space in the second half of the chunk: words stay whole. */
      for (size_t j = cut; j > 0; j--) {
        if (s[j] == ' ' && sl_cli_text_width(s, j) >= (w + 1) / 2) {
          take = j;
          skip = j + 1;
          break;
        }
      }
      sl_ptrvec_push(out, strndup(s, take));
      s += skip;
      len -= skip;
    }
    sl_ptrvec_push(out, strndup(s, len));
    if (!nl) break;
    s = nl + 1;
  }
  sl_buf_free(&clean);
}

static void free_lines(sl_ptrvec_t *v) {
  for (int i = 0; i < v->len; i++) free(v->items[i]);
  sl_ptrvec_free(v);
}

/* Widest line of a cell (its natural column width). */
static int cell_width(const char *cell) {
  int best = 0;
  const char *s = cell ? cell : "";
  for (;;) {
    const char *nl = strchr(s, '\n');
    size_t len = nl ? (size_t)(nl - s) : strlen(s);
    int w = sl_cli_text_width(s, len);
    if (w > best) best = w;
    if (!nl) return best;
    s = nl + 1;
  }
}

void sl_cli_fit_widths(const int *natural, int n, int overhead, int width, int *out) {
  int total = 0, maxw = 0;
  for (int i = 0; i < n; i++) {
    out[i] = natural[i];
    total += natural[i];
    if (natural[i] > maxw) maxw = natural[i];
  }
  if (width <= 0 || total + overhead <= width) return;
  int avail = width - overhead;
  /* The largest cap C such that capping every column at C (but never below
   * its floor) fits: columns narrower than C keep their width. */
  int lo = 0, hi = maxw;
  while (lo < hi) {
    int c = (lo + hi + 1) / 2, sum = 0;
    for (int i = 0; i < n; i++) {
      int floor = natural[i] < 4 ? natural[i] : 4;
      int w = natural[i] < c ? natural[i] : c;
      sum += w > floor ? w : floor;
    }
    if (sum <= avail)
      lo = c;
    else
      hi = c - 1;
  }
  int sum = 0;
  for (int i = 0; i < n; i++) {
    int floor = natural[i] < 4 ? natural[i] : 4;
    int w = natural[i] < lo ? natural[i] : lo;
    out[i] = w > floor ? w : floor;
    sum += out[i];
  }
  /* Hand what the cap left over to the narrowed columns, one each. */
  for (int i = 0; i < n && sum < avail; i++) {
    if (out[i] < natural[i]) {
      out[i]++;
      sum++;
    }
  }
}

/* ---------------- drawing ---------------- */

static void pad(sl_buf_t *out, char c, int n) {
  for (int i = 0; i < n; i++) sl_buf_putc(out, c);
}

static void put_padded(sl_buf_t *out, const char *s, int w) {
  sl_buf_puts(out, s);
  pad(out, ' ', w - sl_cli_text_width(s, strlen(s)));
}

/* One logical row, wrapped into as many physical lines as its tallest cell. */
static void draw_row(const int *w, int n, const char *const *cells, sl_cli_style_t style,
                     sl_buf_t *out) {
  sl_ptrvec_t *lines = sl_xcalloc((size_t)n, sizeof *lines);
  int height = 1;
  for (int i = 0; i < n; i++) {
    wrap_cell(cells[i], w[i], &lines[i]);
    if (lines[i].len > height) height = lines[i].len;
  }
  for (int l = 0; l < height; l++) {
    if (style == SL_CLI_BOXED) sl_buf_putc(out, '|');
    for (int i = 0; i < n; i++) {
      const char *s = l < lines[i].len ? lines[i].items[l] : "";
      if (style == SL_CLI_BOXED) {
        put_padded(out, s, w[i]);
        sl_buf_putc(out, '|');
      } else {
        if (i) sl_buf_putc(out, '|');
        sl_buf_putc(out, ' ');
        put_padded(out, s, w[i]);
        sl_buf_putc(out, ' ');
      }
    }
    sl_buf_putc(out, '\n');
  }
  for (int i = 0; i < n; i++) free_lines(&lines[i]);
  free(lines);
}

void sl_cli_box_rule(const int *w, int n, sl_buf_t *out) {
  sl_buf_putc(out, '+');
  for (int i = 0; i < n; i++) {
    pad(out, '-', w[i]);
    sl_buf_putc(out, '+');
  }
  sl_buf_putc(out, '\n');
}

void sl_cli_box_row(const int *w, int n, const char *const *cells, sl_buf_t *out) {
  draw_row(w, n, cells, SL_CLI_BOXED, out);
}

/* ---------------- tables ---------------- */

void sl_cli_table_init(sl_cli_table_t *t, int ncols, const char *const *headers) {
  memset(t, 0, sizeof *t);
  t->ncols = ncols;
  t->headers = sl_xcalloc((size_t)(ncols ? ncols : 1), sizeof(char *));
  for (int i = 0; i < ncols; i++) t->headers[i] = sl_strdup(headers[i] ? headers[i] : "");
}

void sl_cli_table_add(sl_cli_table_t *t, const char *const *cells) {
  char **row = sl_xcalloc((size_t)(t->ncols ? t->ncols : 1), sizeof(char *));
  for (int i = 0; i < t->ncols; i++) row[i] = sl_strdup(cells[i] ? cells[i] : "");
  sl_ptrvec_push(&t->rows, row);
}

void sl_cli_table_free(sl_cli_table_t *t) {
  for (int r = 0; r < t->rows.len; r++) {
    char **row = t->rows.items[r];
    for (int i = 0; i < t->ncols; i++) free(row[i]);
    free(row);
  }
  sl_ptrvec_free(&t->rows);
  for (int i = 0; i < t->ncols; i++) free(t->headers[i]);
  free(t->headers);
  memset(t, 0, sizeof *t);
}

void sl_cli_table_render(const sl_cli_table_t *t, sl_cli_style_t style, int width, sl_buf_t *out) {
  int n = t->ncols;
  if (n == 0) return;
  int *natural = sl_xcalloc((size_t)n, sizeof(int)), *w = sl_xcalloc((size_t)n, sizeof(int));
  for (int i = 0; i < n; i++) natural[i] = cell_width(t->headers[i]);
  for (int r = 0; r < t->rows.len; r++) {
    char **row = t->rows.items[r];
    for (int i = 0; i < n; i++) {
      int cw = cell_width(row[i]);
      if (cw > natural[i]) natural[i] = cw;
    }
  }
  for (int i = 0; i < n; i++)
    if (natural[i] < 1) natural[i] = 1;
  int overhead = style == SL_CLI_BOXED ? n + 1 : 3 * n - 1;
  sl_cli_fit_widths(natural, n, overhead, width, w);
  int total = overhead;
  for (int i = 0; i < n; i++) total += w[i];
  if (style == SL_CLI_BOXED) {
    sl_cli_box_rule(w, n, out);
    draw_row(w, n, (const char *const *)t->headers, style, out);
    sl_cli_box_rule(w, n, out);
    for (int r = 0; r < t->rows.len; r++)
      draw_row(w, n, (const char *const *)t->rows.items[r], style, out);
    sl_cli_box_rule(w, n, out);
  } else {
    draw_row(w, n, (const char *const *)t->headers, style, out);
    pad(out, '-', total);
    sl_buf_putc(out, '\n');
    for (int r = 0; r < t->rows.len; r++)
      draw_row(w, n, (const char *const *)t->rows.items[r], style, out);
    pad(out, '-', total);
    sl_buf_putc(out, '\n');
  }
  free(natural);
  free(w);
}
