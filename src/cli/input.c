/*
 * input.c - what the shell makes of the lines it reads: whether the text so
 * far ends a statement (so the prompt either runs it or asks for more), the
 * shell's own commands that are not SQL (help, exit, server, output, ...),
 * and whether a SELECT is a push query. Quotes and comments are respected by
 * asking the SQL lexer, through sl_split_statements, rather than by a second
 * lexer here that could disagree with it.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "sluice/parser.h"

/* A word no statement can end with: if splitting text + "\n" + PROBE gives
 * PROBE as a statement of its own, everything before it was terminated. An
 * open quote makes the split fail, an open block comment swallows the probe,
 * an unterminated statement absorbs it: all three mean "more to come". The
 * newline closes a trailing -- comment, which is complete. */
#define PROBE "SLUICE_INPUT_PROBE"

bool sl_cli_input_complete(const char *text) {
  sl_arena_t a;
  sl_arena_init(&a, 1024);
  sl_list_t out = {0};
  sl_error_t err;
  char *probe = sl_arena_sprintf(&a, "%s\n" PROBE, text ? text : "");
  bool done = false;
  if (sl_split_statements(probe, &a, &out, &err) == 0 && out.len > 0)
    done = !strcmp(out.items[out.len - 1], PROBE ";");
  sl_arena_free(&a);
  return done;
}

static const struct {
  const char *word;
  sl_cli_cmd_t cmd;
  bool takes_arg;
} commands[] = {
    {"help", SL_CLI_CMD_HELP, false},    {"exit", SL_CLI_CMD_EXIT, false},
    {"quit", SL_CLI_CMD_EXIT, false},    {"history", SL_CLI_CMD_HISTORY, false},
    {"clear", SL_CLI_CMD_CLEAR, false},  {"server", SL_CLI_CMD_SERVER, true},
    {"output", SL_CLI_CMD_OUTPUT, true}, {"version", SL_CLI_CMD_VERSION, false},
};

sl_cli_cmd_t sl_cli_local_command(const char *line, char **arg) {
  *arg = NULL;
  const char *p = line;
  while (isspace((unsigned char)*p)) p++;
  const char *w = p;
  while (isalpha((unsigned char)*p)) p++;
  size_t wn = (size_t)(p - w);
  if (!wn || (*p && !isspace((unsigned char)*p) && *p != ';')) return SL_CLI_CMD_NONE;
  for (size_t i = 0; i < SL_ARRAY_LEN(commands); i++) {
    if (strlen(commands[i].word) != wn || strncasecmp(commands[i].word, w, wn)) continue;
    /* The rest, without surrounding blanks and one trailing ';'. */
    while (isspace((unsigned char)*p)) p++;
    size_t n = strlen(p);
    while (n && isspace((unsigned char)p[n - 1])) n--;
    if (n && p[n - 1] == ';') n--;
    while (n && isspace((unsigned char)p[n - 1])) n--;
    if (memchr(p, ';', n)) return SL_CLI_CMD_NONE; /* "exit; show streams;" is not one command */
    if (n && !commands[i].takes_arg) return SL_CLI_CMD_NONE;
    if (n) *arg = strndup(p, n);
    return commands[i].cmd;
  }
  return SL_CLI_CMD_NONE;
}

bool sl_cli_is_push_query(const char *s) {
  bool prev_emit = false;
  while (s && *s) {
    char c = *s;
    if (c == '\'' || c == '"' || c == '`') {
      /* A doubled quote inside is an escaped quote and keeps us inside. */
      for (s++; *s; s++)
        if (*s == c) {
          if (s[1] == c)
            s++;
          else
            break;
        }
      if (*s) s++;
      prev_emit = false;
    } else if (c == '-' && s[1] == '-') {
      while (*s && *s != '\n') s++;
    } else if (c == '/' && s[1] == '*') {
      const char *e = strstr(s + 2, "*/");
      s = e ? e + 2 : s + strlen(s);
    } else if (isalnum((unsigned char)c) || c == '_') {
      const char *w = s;
      while (isalnum((unsigned char)*s) || *s == '_') s++;
      size_t n = (size_t)(s - w);
      if (prev_emit &&
          ((n == 7 && !strncasecmp(w, "CHANGES", 7)) || (n == 5 && !strncasecmp(w, "FINAL", 5))))
        return true;
      prev_emit = n == 4 && !strncasecmp(w, "EMIT", 4);
    } else {
      if (!isspace((unsigned char)c)) prev_emit = false;
      s++;
    }
  }
  return false;
}
