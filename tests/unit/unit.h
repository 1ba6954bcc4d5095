/*
 * unit.h - the unit-test harness: tests register themselves at load time with
 * SL_TEST, so a new test file needs no list edit. The runner (runner.c) prints
 * one PASS/FAIL line per test and closes with "N passed, N failed".
 */
#ifndef SLUICE_UNIT_H
#define SLUICE_UNIT_H

#include <stdio.h>
#include <string.h>

typedef void (*sl_test_fn)(void);
void sl_test_register(const char *name, const char *file, sl_test_fn fn);
void sl_test_fail(const char *file, int line, const char *fmt, ...);
extern int sl_test_failed; /* set when the running test failed a check */

#define SL_TEST(name)                                                              \
  static void name(void);                                                          \
  __attribute__((constructor)) static void reg_##name(void) {                      \
    sl_test_register(#name, __FILE__, name);                                       \
  }                                                                                \
  static void name(void)

#define CHECK(cond)                                                                \
  do {                                                                             \
    if (!(cond)) sl_test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);             \
  } while (0)

#define CHECK_INT(a, b)                                                            \
  do {                                                                             \
    long long _a = (long long)(a), _b = (long long)(b);                            \
    if (_a != _b) sl_test_fail(__FILE__, __LINE__, "%s == %lld, expected %lld", #a, _a, _b); \
  } while (0)

#define CHECK_STR(a, b)                                                            \
  do {                                                                             \
    const char *_a = (a), *_b = (b);                                               \
    if (!_a || !_b || strcmp(_a, _b) != 0)                                         \
      sl_test_fail(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"", #a,         \
                   _a ? _a : "(null)", _b ? _b : "(null)");                        \
  } while (0)

#endif
