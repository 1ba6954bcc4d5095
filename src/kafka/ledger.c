/*
 * ledger.c - the offset ledger behind at-least-once. A query may only
 * commit an input offset once every record it produced for inputs before
 * that offset has been acknowledged by Kafka; otherwise a crash after the
 * commit would lose output. Inputs are grouped into spans (a run of records
 * from one poll), each counting its outputs in flight; the committable
 * offset is the end of the longest prefix of spans with nothing in flight.
 * A span can be chained (`also`) to spans of other partitions when one
 * output depends on several inputs, e.g. output emitted by punctuation.
 */
#include <stdlib.h>

#include "sluice/kafka.h"

void sl_kafka_ledger_init(sl_kafka_ledger_t *l) {
  l->head = l->tail = NULL;
  l->acked = -1;
  l->committed = -1;
}

sl_kafka_span_t *sl_kafka_ledger_open(sl_kafka_ledger_t *l, int64_t end) {
  sl_kafka_span_t *s = sl_xcalloc(1, sizeof(*s));
  s->end = end;
  s->pending = 1; /* the open reference, dropped by sl_kafka_span_close */
  if (l->tail)
    l->tail->next = s;
  else
    l->head = s;
  l->tail = s;
  return s;
}

void sl_kafka_span_close(sl_kafka_span_t *s) {
  for (; s; s = s->also) s->pending--;
}

void sl_kafka_span_hold(sl_kafka_span_t *s) {
  for (; s; s = s->also) s->pending++;
}

void sl_kafka_span_release(sl_kafka_span_t *s) {
  for (; s; s = s->also) s->pending--;
}

int64_t sl_kafka_ledger_advance(sl_kafka_ledger_t *l) {
  while (l->head && l->head->pending <= 0) {
    sl_kafka_span_t *s = l->head;
    if (s->end > l->acked) l->acked = s->end;
    l->head = s->next;
    if (!l->head) l->tail = NULL;
    free(s);
  }
  return l->acked;
}

void sl_kafka_ledger_clear(sl_kafka_ledger_t *l) {
  while (l->head) {
    sl_kafka_span_t *s = l->head;
    l->head = s->next;
    free(s);
  }
  l->tail = NULL;
}
