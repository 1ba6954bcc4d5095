/* test_base.c - arenas, buffers, the hash map, murmur2 and error positions. */
#include "sluice/base.h"
#include "unit.h"

SL_TEST(arena_alloc_and_reset) {
  sl_arena_t a;
  sl_arena_init(&a, 64);
  char *s = sl_arena_strdup(&a, "hello");
  CHECK_STR(s, "hello");
  void *big = sl_arena_alloc(&a, 1000);
  CHECK(big != NULL);
  CHECK_STR(sl_arena_sprintf(&a, "%d-%s", 7, "x"), "7-x");
  sl_arena_reset(&a);
  CHECK_STR(sl_arena_strdup(&a, "again"), "again");
  sl_arena_free(&a);
}

SL_TEST(buf_printf) {
  sl_buf_t b;
  sl_buf_init(&b);
  for (int i = 0; i < 100; i++) sl_buf_printf(&b, "%d,", i);
  CHECK(b.len > 100);
  CHECK(strncmp(b.data, "0,1,2,", 6) == 0);
  sl_buf_free(&b);
}

SL_TEST(map_case_insensitive) {
  sl_map_t *m = sl_map_new(true);
  int x = 1, y = 2;
  sl_map_put(m, "Foo", &x);
  sl_map_put(m, "bar", &y);
  CHECK(sl_map_get(m, "FOO") == &x);
  CHECK(sl_map_get(m, "BAR") == &y);
  CHECK(sl_map_remove(m, "foo") == &x);
  CHECK(sl_map_get(m, "foo") == NULL);
  CHECK_INT(sl_map_count(m), 1);
  for (int i = 0; i < 1000; i++) {
    char k[16];
    snprintf(k, sizeof k, "k%d", i);
    sl_map_put(m, k, &x);
  }
  CHECK_INT(sl_map_count(m), 1001);
  CHECK(sl_map_get(m, "K999") == &x);
  int it = 0, n = 0;
  const char *k;
  while (sl_map_next(m, &it, &k, NULL)) n++;
  CHECK_INT(n, 1001);
  sl_map_free(m);
}

SL_TEST(murmur2_matches_java_client) {
  /* Values from Kafka's Utils.murmur2 for these strings. */
  CHECK_INT(sl_murmur2("21", 2), -973932308);
  CHECK_INT(sl_murmur2("foobar", 6), -790332482);
  CHECK_INT(sl_murmur2("a-little-bit-long-string", 24), -985981536);
  CHECK_INT(sl_murmur2("a-little-bit-longer-string", 26), -1486304829);
  CHECK_INT(sl_murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", 48), -58897971);
  CHECK_INT(sl_murmur2("abc", 3), 479470107);
}

SL_TEST(error_position) {
  int line, col;
  sl_text_position("SELECT\n  FROM x", 9, &line, &col);
  CHECK_INT(line, 2);
  CHECK_INT(col, 3);
  sl_error_t err;
  sl_error_clear(&err);
  sl_error_set(&err, SL_ESYNTAX, 9, "bad %s", "thing");
  sl_error_set(&err, SL_ESEMANTIC, 1, "second");
  CHECK_INT(err.code, SL_ESYNTAX);
  char out[256];
  sl_error_format(&err, "SELECT\n  FROM x", out, sizeof out);
  CHECK_STR(out, "line 2:3: bad thing\n  FROM x\n  ^");
}
