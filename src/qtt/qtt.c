/*
 * qtt.c - `sluice test PATH...`: the ksqlDB query-validation-test runner.
 * Files and directories (every *.json inside, sorted) are read, each test is
 * expanded into its variants, and every runnable variant runs in a forked
 * child with a deadline, so an engine crash or hang costs one FAIL line
 * instead of the whole run. The child sends its verdict back through a pipe;
 * the parent prints results in file order, which keeps the report
 * deterministic:
 *
 *   PASS <file>: <full name>
 *   FAIL <file>: <full name>: <reason>
 *   SKIP <file>: <full name>: <reason>
 *   <file>: <passed>/<run> passed, <failed> failed, <skipped> skipped
 *   N passed, N failed, N skipped
 *
 * The exit status is 1 when anything failed, 2 on bad usage.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qtt_int.h"
#include "sluice/commands.h"

typedef struct opts {
  const char *filter; /* run only variants whose full name contains this */
  bool verbose;
  bool fork;
  int timeout_s;
} opts_t;

typedef struct totals {
  int passed, failed, skipped;
} totals_t;

static void usage(FILE *f) {
  fprintf(f,
          "usage: sluice test [options] FILE.json|DIR...\n"
          "  --filter SUBSTR   run only tests whose full name contains SUBSTR\n"
          "  -v, --verbose     show statements, processing log and records of failing tests\n"
          "  --timeout SECS    time limit per test (default 20)\n"
          "  --no-fork         run tests in this process (for debuggers; a crash ends the run)\n");
}

/* One line per report entry: newlines inside reasons would break parsing. */
static void print_oneline(const char *s) {
  for (; *s; s++) {
    if (*s == '\n')
      fputs("\\n", stdout);
    else if (*s == '\r')
      fputs("\\r", stdout);
    else
      putchar(*s);
  }
}

static void write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    p += w;
    n -= (size_t)w;
  }
}

/* Runs one variant in a child. Result: 'P' or 'F', reason, details. */
static bool run_forked(const sl_qtt_variant_t *v, const opts_t *o, sl_buf_t *reason,
                       sl_buf_t *details) {
  int fds[2];
  if (pipe(fds)) {
    sl_buf_printf(reason, "cannot create pipe: %s", strerror(errno));
    return false;
  }
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    sl_buf_printf(reason, "cannot fork: %s", strerror(errno));
    return false;
  }
  if (pid == 0) {
    close(fds[0]);
    /* Keep stray engine output out of the report. */
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) {
      dup2(devnull, STDOUT_FILENO);
      if (!o->verbose) dup2(devnull, STDERR_FILENO);
      close(devnull);
    }
    sl_qtt_opts_t qo = {.verbose = o->verbose};
    sl_buf_t rs, ds;
    sl_buf_init(&rs);
    sl_buf_init(&ds);
    bool pass = sl_qtt_run_variant(v, &qo, &rs, &ds);
    /* Wire format: verdict byte, reason, NUL, details. */
    write_all(fds[1], pass ? "P" : "F", 1);
    write_all(fds[1], rs.data ? rs.data : "", rs.len);
    write_all(fds[1], "", 1);
    write_all(fds[1], ds.data ? ds.data : "", ds.len);
    close(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  sl_buf_t in;
  sl_buf_init(&in);
  int64_t deadline = sl_monotonic_ns() + (int64_t)o->timeout_s * 1000000000LL;
  bool timed_out = false;
  for (;;) {
    int64_t left_ms = (deadline - sl_monotonic_ns()) / 1000000;
    if (left_ms <= 0) {
      timed_out = true;
      break;
    }
    struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
    int pr = poll(&pfd, 1, (int)(left_ms > 1000 ? 1000 : left_ms));
    if (pr < 0 && errno == EINTR) continue;
    if (pr <= 0) continue;
    char buf[8192];
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    sl_buf_append(&in, buf, (size_t)n);
  }
  close(fds[0]);
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  bool pass = false;
  if (timed_out) {
    sl_buf_printf(reason, "timed out after %d s", o->timeout_s);
  } else if (WIFSIGNALED(status)) {
    sl_buf_printf(reason, "crashed (signal %d)", WTERMSIG(status));
  } else if (in.len == 0 || (in.data[0] != 'P' && in.data[0] != 'F')) {
    sl_buf_printf(reason, "test process exited (status %d) without a verdict",
                  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  } else {
    pass = in.data[0] == 'P';
    size_t rl = strnlen(in.data + 1, in.len - 1);
    sl_buf_append(reason, in.data + 1, rl);
    if (1 + rl + 1 < in.len) sl_buf_append(details, in.data + 2 + rl, in.len - 2 - rl);
  }
  sl_buf_free(&in);
  return pass;
}

static const char *base_name(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

static void run_file(const char *path, const opts_t *o, totals_t *all) {
  const char *file = base_name(path);
  char stem[512];
  snprintf(stem, sizeof stem, "%s", file);
  size_t sl = strlen(stem);
  if (sl > 5 && !strcmp(stem + sl - 5, ".json")) stem[sl - 5] = 0;
  totals_t t = {0};

  char *text = NULL;
  size_t len = 0;
  sl_error_t err;
  sl_error_clear(&err);
  json_t *doc = NULL;
  if (sl_read_file(path, &text, &len, &err) == 0) doc = sl_qtt_load(text, len, &err);
  free(text);
  const json_t *tests = doc ? json_object_get(doc, "tests") : NULL;
  if (!doc || !json_is_array(tests)) {
    if (!o->filter || strstr(stem, o->filter)) {
      printf("FAIL %s: %s: cannot read test file: ", file, stem);
      print_oneline(doc ? "no \"tests\" array" : err.msg);
      putchar('\n');
      t.failed++;
    }
  } else {
    for (size_t i = 0; i < json_array_size(tests); i++) {
      sl_ptrvec_t vars = {0};
      sl_qtt_expand(stem, json_array_get(tests, i), &vars);
      for (int j = 0; j < vars.len; j++) {
        sl_qtt_variant_t *v = vars.items[j];
        if (o->filter && !strstr(v->name, o->filter)) {
          sl_qtt_variant_free(v);
          continue;
        }
        if (v->skip) {
          printf("SKIP %s: ", file);
          print_oneline(v->name);
          printf(": %s\n", v->skip);
          t.skipped++;
        } else if (v->invalid) {
          printf("FAIL %s: ", file);
          print_oneline(v->name);
          printf(": invalid test: %s\n", v->invalid);
          t.failed++;
        } else {
          sl_buf_t reason, details;
          sl_buf_init(&reason);
          sl_buf_init(&details);
          bool pass;
          if (o->fork) {
            pass = run_forked(v, o, &reason, &details);
          } else {
            sl_qtt_opts_t qo = {.verbose = o->verbose};
            pass = sl_qtt_run_variant(v, &qo, &reason, &details);
          }
          printf("%s %s: ", pass ? "PASS" : "FAIL", file);
          print_oneline(v->name);
          if (!pass) {
            fputs(": ", stdout);
            print_oneline(reason.len ? reason.data : "failed");
          }
          putchar('\n');
          if (!pass && o->verbose && details.len) fputs(details.data, stdout);
          if (pass)
            t.passed++;
          else
            t.failed++;
          sl_buf_free(&reason);
          sl_buf_free(&details);
        }
        fflush(stdout);
        sl_qtt_variant_free(v);
      }
      sl_ptrvec_free(&vars);
    }
  }
  json_decref(doc);
  if (t.passed + t.failed + t.skipped > 0)
    printf("%s: %d/%d passed, %d failed, %d skipped\n", file, t.passed, t.passed + t.failed,
           t.failed, t.skipped);
  fflush(stdout);
  all->passed += t.passed;
  all->failed += t.failed;
  all->skipped += t.skipped;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Expands a path into test files: itself, or the *.json files in a directory. */
static int collect(const char *path, sl_ptrvec_t *files) {
  struct stat st;
  if (stat(path, &st)) {
    fprintf(stderr, "sluice test: %s: %s\n", path, strerror(errno));
    return -1;
  }
  if (!S_ISDIR(st.st_mode)) {
    sl_ptrvec_push(files, sl_strdup(path));
    return 0;
  }
  DIR *d = opendir(path);
  if (!d) {
    fprintf(stderr, "sluice test: %s: %s\n", path, strerror(errno));
    return -1;
  }
  sl_ptrvec_t found = {0};
  struct dirent *de;
  while ((de = readdir(d))) {
    size_t n = strlen(de->d_name);
    if (n > 5 && !strcmp(de->d_name + n - 5, ".json") && de->d_name[0] != '.') {
      sl_buf_t b;
      sl_buf_init(&b);
      sl_buf_printf(&b, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", de->d_name);
      sl_ptrvec_push(&found, sl_buf_steal(&b));
    }
  }
  closedir(d);
  if (found.len > 1) qsort(found.items, (size_t)found.len, sizeof(void *), cmp_str);
  for (int i = 0; i < found.len; i++) sl_ptrvec_push(files, found.items[i]);
  sl_ptrvec_free(&found);
  return 0;
}

int sl_cmd_test(int argc, char **argv) {
  opts_t o = {.fork = true, .timeout_s = 20};
  sl_ptrvec_t paths = {0};
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--filter") && i + 1 < argc) {
      o.filter = argv[++i];
    } else if (!strncmp(a, "--filter=", 9)) {
      o.filter = a + 9;
    } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
      o.verbose = true;
    } else if (!strcmp(a, "--timeout") && i + 1 < argc) {
      o.timeout_s = atoi(argv[++i]);
    } else if (!strcmp(a, "--no-fork")) {
      o.fork = false;
    } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      sl_ptrvec_free(&paths);
      return 0;
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "sluice test: unknown option '%s'\n", a);
      usage(stderr);
      sl_ptrvec_free(&paths);
      return 2;
    } else {
      sl_ptrvec_push(&paths, (void *)a);
    }
  }
  if (o.timeout_s <= 0) o.timeout_s = 20;
  if (paths.len == 0) {
    usage(stderr);
    return 2;
  }
  sl_ptrvec_t files = {0};
  int bad = 0;
  for (int i = 0; i < paths.len; i++)
    if (collect(paths.items[i], &files)) bad++;
  sl_ptrvec_free(&paths);

  totals_t all = {0};
  for (int i = 0; i < files.len; i++) {
    run_file(files.items[i], &o, &all);
    free(files.items[i]);
  }
  sl_ptrvec_free(&files);
  printf("%d passed, %d failed, %d skipped\n", all.passed, all.failed + bad, all.skipped);
  return all.failed + bad ? 1 : 0;
}
