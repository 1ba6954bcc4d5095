/*
 * worker.c - the pool of query worker threads. Each worker owns one libuv
 * loop; persistent queries are placed on the least loaded worker and live
 * there entirely (consumer wake-ups, delivery reports, timers), so a query's
 * state is only ever touched by one thread. Other threads talk to a worker
 * by posting a job through a uv_async handle, which is the one thread-safe
 * libuv call.
 */
#include <stdlib.h>

#include "kafka_int.h"

typedef struct sl_kjob {
  struct sl_kjob *next;
  void (*fn)(void *arg);
  void *arg;
} sl_kjob_t;

struct sl_kworker {
  uv_loop_t loop;
  uv_async_t async; /* wakes the loop for posted jobs */
  pthread_t thread;
  pthread_mutex_t lock; /* guards jobs, quit and load */
  sl_kjob_t *head, *tail;
  bool quit;
  int load; /* queries placed here */
  int index;
};

void sl_kdone_init(sl_kdone_t *d) {
  pthread_mutex_init(&d->m, NULL);
  pthread_cond_init(&d->c, NULL);
  d->done = false;
  d->rc = 0;
}

void sl_kdone_signal(sl_kdone_t *d, int rc) {
  pthread_mutex_lock(&d->m);
  d->done = true;
  d->rc = rc;
  pthread_cond_broadcast(&d->c);
  pthread_mutex_unlock(&d->m);
}

int sl_kdone_wait(sl_kdone_t *d) {
  pthread_mutex_lock(&d->m);
  while (!d->done) pthread_cond_wait(&d->c, &d->m);
  int rc = d->rc;
  pthread_mutex_unlock(&d->m);
  return rc;
}

void sl_kdone_destroy(sl_kdone_t *d) {
  pthread_mutex_destroy(&d->m);
  pthread_cond_destroy(&d->c);
}

static void on_async(uv_async_t *h) {
  sl_kworker_t *w = h->data;
  for (;;) {
    pthread_mutex_lock(&w->lock);
    sl_kjob_t *j = w->head;
    if (j) {
      w->head = j->next;
      if (!w->head) w->tail = NULL;
    }
    bool quit = w->quit && !j;
    pthread_mutex_unlock(&w->lock);
    if (quit) {
      /* Closing the async handle is what lets uv_run return. */
      uv_close((uv_handle_t *)&w->async, NULL);
      return;
    }
    if (!j) return;
    j->fn(j->arg);
    free(j);
  }
}

static void *worker_main(void *arg) {
  sl_kworker_t *w = arg;
  uv_run(&w->loop, UV_RUN_DEFAULT);
  return NULL;
}

int sl_kworkers_start(sl_kdriver_t *d, int n, sl_error_t *err) {
  d->workers = sl_xcalloc((size_t)n, sizeof(*d->workers));
  for (int i = 0; i < n; i++) {
    sl_kworker_t *w = sl_xcalloc(1, sizeof(*w));
    w->index = i;
    pthread_mutex_init(&w->lock, NULL);
    int rc = uv_loop_init(&w->loop);
    if (rc == 0) {
      rc = uv_async_init(&w->loop, &w->async, on_async);
      w->async.data = w;
    }
    if (rc == 0 && pthread_create(&w->thread, NULL, worker_main, w) != 0) rc = -1;
    if (rc != 0) {
      pthread_mutex_destroy(&w->lock);
      free(w);
      sl_kworkers_stop(d);
      return sl_error_set(err, SL_EIO, -1, "cannot start query worker thread %d", i);
    }
    d->workers[d->nworkers++] = w;
  }
  return 0;
}

void sl_kworkers_stop(sl_kdriver_t *d) {
  for (int i = 0; i < d->nworkers; i++) {
    sl_kworker_t *w = d->workers[i];
    pthread_mutex_lock(&w->lock);
    w->quit = true;
    pthread_mutex_unlock(&w->lock);
    uv_async_send(&w->async);
    pthread_join(w->thread, NULL);
    uv_loop_close(&w->loop);
    pthread_mutex_destroy(&w->lock);
    free(w);
  }
  free(d->workers);
  d->workers = NULL;
  d->nworkers = 0;
}

sl_kworker_t *sl_kworker_pick(sl_kdriver_t *d) {
  sl_kworker_t *best = NULL;
  int best_load = 0;
  for (int i = 0; i < d->nworkers; i++) {
    sl_kworker_t *w = d->workers[i];
    pthread_mutex_lock(&w->lock);
    int load = w->load;
    pthread_mutex_unlock(&w->lock);
    if (!best || load < best_load) {
      best = w;
      best_load = load;
    }
  }
  return best;
}

void sl_kworker_load(sl_kworker_t *w, int delta) {
  pthread_mutex_lock(&w->lock);
  w->load += delta;
  pthread_mutex_unlock(&w->lock);
}

uv_loop_t *sl_kworker_loop(sl_kworker_t *w) {
  return &w->loop;
}

void sl_kworker_post(sl_kworker_t *w, void (*fn)(void *arg), void *arg) {
  sl_kjob_t *j = sl_xmalloc(sizeof(*j));
  j->next = NULL;
  j->fn = fn;
  j->arg = arg;
  pthread_mutex_lock(&w->lock);
  if (w->tail)
    w->tail->next = j;
  else
    w->head = j;
  w->tail = j;
  pthread_mutex_unlock(&w->lock);
  uv_async_send(&w->async);
}
