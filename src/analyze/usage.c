/*
 * usage.c - projection pushdown: which value columns of each source a plan
 * reads. A query over a wide topic often looks at a few of its columns (the
 * Nexmark join reads 4 of 7 bid columns, q12 one), yet decoding builds a
 * value for every column of every record. This pass walks a finished plan
 * from its outputs down to its sources, carrying the set of slots some
 * operator needs, and leaves on each source node the value columns worth
 * building; the source's serde then only checks the others (a record that
 * would not decode is still refused, as ksqlDB decodes the whole row) and
 * fills them with NULL.
 *
 * What counts as read: every expression an operator evaluates (evaluating
 * can fail and go to the processing log, so its inputs must be real), join
 * keys, grouping and aggregate arguments, the source's timestamp column,
 * and everything that reaches a sink, with one refinement: a repartition
 * topic's value column that the plan's reader of that topic never needs is
 * not needed upstream either, when the column is a bare copy of an input
 * column (a bare copy cannot fail). Anything the pass does not know reads
 * its whole input.
 */
#include <string.h>

#include "analyze_int.h"

/* Slots a node needs from its input, and the sources seen so far. */
typedef struct usage {
  sl_plan_t *plan;
  int nsrc;
  const sl_pnode_t *src[16];
  bool *need[16]; /* per source: its slots some operator needs (arena) */
  bool done[16];  /* its sub-topology has been walked */
} usage_t;

typedef struct mark {
  bool *need;
  int n;
} mark_t;

static void mark_slot(void *ctx, int slot) {
  mark_t *m = ctx;
  if (slot >= 0 && slot < m->n) m->need[slot] = true; /* lambda parameters lie above */
}

static void mark_expr(const sl_cexpr_t *c, bool *need, int n) {
  mark_t m = {need, n};
  sl_cexpr_visit_slots(c, mark_slot, &m);
}

static bool *all_slots(usage_t *u, int n) {
  bool *b = sl_arena_alloc(&u->plan->arena, (size_t)(n + 1));
  memset(b, 1, (size_t)n);
  return b;
}

static int source_index(usage_t *u, const sl_pnode_t *s) {
  for (int i = 0; i < u->nsrc; i++)
    if (u->src[i] == s) return i;
  return -1;
}

/* The plan's reader of an internal topic (NULL if none or several). */
static const sl_pnode_t *internal_reader(usage_t *u, const char *topic) {
  const sl_pnode_t *found = NULL;
  for (int i = 0; i < u->plan->nsources; i++) {
    const sl_pnode_t *s = u->plan->sources[i];
    if (!s->topic || strcmp(s->topic, topic) != 0) continue;
    if (found) return NULL;
    found = s;
  }
  return found;
}

static bool walk(usage_t *u, const sl_pnode_t *n, const bool *need);

/* need[] of an internal sink's input: keys always; a value column only if
 * the topic's reader needs it. NULL when the reader is not known yet. */
static bool *internal_sink_needs(usage_t *u, const sl_pnode_t *sk, bool *ready) {
  int n = sk->input->nslots;
  *ready = true;
  const sl_pnode_t *r = internal_reader(u, sk->sink_topic);
  int nval = n - sk->sink_nkey;
  /* One value column: NULL there would turn the record into a null value
   * (a tombstone to the reader), so it is always kept. */
  if (!r || nval <= 1 || r->nvalue != nval) return all_slots(u, n);
  int ri = source_index(u, r);
  if (ri < 0 || !u->done[ri]) {
    *ready = false;
    return NULL;
  }
  bool *need = sl_arena_alloc(&u->plan->arena, (size_t)(n + 1));
  for (int i = 0; i < sk->sink_nkey; i++) need[i] = true;
  for (int j = 0; j < nval; j++) need[sk->sink_nkey + j] = u->need[ri][r->value_slots[j]];
  if (sk->sink_ts_slot >= 0 && sk->sink_ts_slot < n) need[sk->sink_ts_slot] = true;
  return need;
}

/* Walks n, whose consumer needs need[0..n->nslots). Returns false when a
 * sub-topology cannot be walked yet (its reader's needs are unknown). */
static bool walk(usage_t *u, const sl_pnode_t *n, const bool *need) {
  sl_arena_t *a = &u->plan->arena;
  const sl_pnode_t *in = n->input;
  switch (n->kind) {
    case SL_PN_SOURCE: {
      int i = source_index(u, n);
      if (i < 0) {
        if (u->nsrc == (int)SL_ARRAY_LEN(u->src)) return true; /* too many: left undecided */
        i = u->nsrc++;
        u->src[i] = n;
        u->need[i] = sl_arena_alloc(a, (size_t)(n->nslots + 1));
      }
      for (int s = 0; s < n->nslots; s++) u->need[i][s] |= need[s];
      if (n->ts.slot >= 0) u->need[i][n->ts.slot] = true;
      return true;
    }
    case SL_PN_SINK: {
      if (!in) return true;
      bool ready = true;
      bool *inneed = n->internal && !n->transient ? internal_sink_needs(u, n, &ready)
                                                  : all_slots(u, in->nslots);
      if (!ready) return false;
      return walk(u, in, inneed);
    }
    case SL_PN_FILTER: {
      bool *inneed = sl_arena_alloc(a, (size_t)(in->nslots + 1));
      for (int s = 0; s < in->nslots && s < n->nslots; s++) inneed[s] = need[s];
      mark_expr(n->predicate, inneed, in->nslots);
      /* Over a join or an aggregation the filter keys its state by the join
       * key (last slot) or the grouping keys (first slots). */
      if (in->kind == SL_PN_JOIN && in->nslots > 0) inneed[in->nslots - 1] = true;
      for (int s = 0; s < n->ngroup && s < in->nslots; s++) inneed[s] = true;
      return walk(u, in, inneed);
    }
    case SL_PN_PROJECT: {
      bool *inneed = sl_arena_alloc(a, (size_t)(in->nslots + 1));
      for (int i = 0; i < n->nout; i++) {
        /* An unneeded bare column copy is skipped; anything else is
         * evaluated for every row and must see the real inputs. */
        if (!need[i] && sl_cexpr_slot(n->exprs[i]) >= 0) continue;
        mark_expr(n->exprs[i], inneed, in->nslots);
      }
      return walk(u, in, inneed);
    }
    case SL_PN_GROUPBY: {
      bool *inneed = sl_arena_alloc(a, (size_t)(in->nslots + 1));
      for (int i = 0; i < n->ngroup; i++) mark_expr(n->group_exprs[i], inneed, in->nslots);
      for (int i = 0; i < n->nargs_total; i++) mark_expr(n->arg_exprs[i], inneed, in->nslots);
      return walk(u, in, inneed);
    }
    case SL_PN_JOIN: {
      const sl_pnode_t *l = n->input, *r = n->input2;
      if (!l || !r || l->nslots != n->left_nslots || r->nslots != n->right_nslots ||
          n->nslots < n->left_nslots + n->right_nslots)
        break;
      bool *ln = sl_arena_alloc(a, (size_t)(l->nslots + 1));
      bool *rn = sl_arena_alloc(a, (size_t)(r->nslots + 1));
      for (int s = 0; s < l->nslots; s++) ln[s] = need[s];
      for (int s = 0; s < r->nslots; s++) rn[s] = need[n->left_nslots + s];
      mark_expr(n->left_key, ln, l->nslots);
      mark_expr(n->right_key, rn, r->nslots);
      return walk(u, l, ln) && walk(u, r, rn);
    }
    default: break;
  }
  /* Aggregations (and anything new) read their whole input. */
  if (n->input && !walk(u, n->input, all_slots(u, n->input->nslots))) return false;
  if (n->input2 && !walk(u, n->input2, all_slots(u, n->input2->nslots))) return false;
  return true;
}

/* Marks every source under n as walked. */
static void mark_done(usage_t *u, const sl_pnode_t *n) {
  if (!n) return;
  if (n->kind == SL_PN_SOURCE) {
    int i = source_index(u, n);
    if (i >= 0) u->done[i] = true;
    return;
  }
  mark_done(u, n->input);
  if (n->kind == SL_PN_JOIN) mark_done(u, n->input2);
}

void sl_plan_mark_used(sl_plan_t *p) {
  if (!p || !p->root) return;
  usage_t u = {.plan = p};
  /* Sub-topologies: the main one (root), then the repartition ones, each
   * walked once the reader of its internal topic has been walked. */
  const sl_pnode_t *tops[5];
  int ntop = 0;
  tops[ntop++] = p->root;
  for (int i = 0; i < p->npre && i < 4; i++) tops[ntop++] = p->pre_roots[i];
  bool walked[5] = {false};
  for (int round = 0; round < ntop; round++) {
    bool progress = false;
    for (int t = 0; t < ntop; t++) {
      if (walked[t]) continue;
      const sl_pnode_t *root = tops[t];
      if (!walk(&u, root, all_slots(&u, root->nslots))) continue;
      walked[t] = progress = true;
      mark_done(&u, root);
    }
    if (!progress) break;
  }
  for (int t = 0; t < ntop; t++)
    if (!walked[t]) return; /* a cycle or a reader we cannot place: decode everything */
  for (int i = 0; i < u.nsrc; i++) {
    sl_pnode_t *s = (sl_pnode_t *)u.src[i];
    if (s->nvalue <= 0) continue;
    bool *used = sl_arena_alloc(&p->arena, (size_t)s->nvalue);
    bool all = true;
    for (int j = 0; j < s->nvalue; j++) {
      used[j] = u.need[i][s->value_slots[j]];
      all &= used[j];
    }
    s->value_used = all ? NULL : used;
  }
}
