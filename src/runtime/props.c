/*
 * props.c - server properties for `sluice run` and `sluice serve`: a
 * Java-style properties file (the shape of ksql-server.properties, so an
 * existing file mostly works) plus --property k=v overrides. Values are
 * malloc'd strings in a case-sensitive map, as the engine expects.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/kafka.h"

static char *trim(char *s) {
  while (isspace((unsigned char)*s)) s++;
  char *e = s + strlen(s);
  while (e > s && isspace((unsigned char)e[-1])) *--e = 0;
  return s;
}

static void put(sl_map_t *props, const char *k, const char *v) {
  free(sl_map_remove(props, k));
  sl_map_put(props, k, sl_strdup(v));
}

int sl_props_load_file(sl_map_t *props, const char *path, sl_error_t *err) {
  char *text = NULL;
  size_t len = 0;
  int rc = sl_read_file(path, &text, &len, err);
  if (rc) return rc;
  int lineno = 0;
  for (char *line = text, *next; line && *line; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = 0;
    lineno++;
    char *s = trim(line);
    if (!*s || *s == '#' || *s == '!') continue;
    char *sep = strpbrk(s, "=:");
    if (!sep) {
      rc = sl_error_set(err, SL_EINVAL, -1, "%s:%d: expected name=value", path, lineno);
      break;
    }
    *sep = 0;
    put(props, trim(s), trim(sep + 1));
  }
  free(text);
  return rc;
}

int sl_props_put_arg(sl_map_t *props, const char *kv, sl_error_t *err) {
  const char *eq = strchr(kv, '=');
  if (!eq || eq == kv)
    return sl_error_set(err, SL_EINVAL, -1, "expected --property name=value, got '%s'", kv);
  char *k = sl_strdup(kv);
  k[eq - kv] = 0;
  put(props, trim(k), eq + 1);
  free(k);
  return 0;
}

void sl_props_free(sl_map_t *props) {
  if (!props) return;
  int it = 0;
  const char *k;
  void *v;
  while (sl_map_next(props, &it, &k, &v)) free(v);
  sl_map_free(props);
}
