/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The op graph: construction, allocation, forward, reverse-mode backward. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn-graph-private.h"
#include "nn-parallel-private.h"

NnGraph *
nn_graph_new (void)
{
  NnGraph *g = calloc (1, sizeof *g);
  g->max_batch = g->batch = 1;
  g->ops = nn_op_table;
  return g;
}

void
nn_graph_free (NnGraph *g)
{
  if (!g)
    return;
  for (int i = 0; i < g->n_nodes; i++)
    {
      free (g->nodes[i].in);
      free (g->nodes[i].label);
    }
  free (g->nodes);
  free (g->value_arena);
  free (g->grad_arena);
  free (g->aux_arena);
  free (g);
}

int
nn_graph_add (NnGraph *g, NnOpType op, const int *in, int n_in)
{
  if (g->n_nodes == g->cap_nodes)
    {
      g->cap_nodes = g->cap_nodes ? 2 * g->cap_nodes : 64;
      g->nodes = realloc (g->nodes, sizeof (NnNode) * (size_t) g->cap_nodes);
    }
  NnNode *n = &g->nodes[g->n_nodes];
  memset (n, 0, sizeof *n);
  n->op = op;
  n->mask = -1;
  n->n_in = n_in;
  if (n_in)
    {
      n->in = malloc (sizeof (int) * (size_t) n_in);
      memcpy (n->in, in, sizeof (int) * (size_t) n_in);
      n->batched = g->nodes[in[0]].batched;
    }
  g->allocated = 0;
  return g->n_nodes++;
}

int
nn_graph_add_input (NnGraph *g, int ndim, const int *shape, int batched)
{
  int i = nn_graph_add (g, NN_OP_INPUT, NULL, 0);
  NnNode *n = &g->nodes[i];
  n->batched = batched;
  /* ip holds the per-sample shape; the shape rule adds the batch axis. */
  n->ip[0] = ndim;
  for (int k = 0; k < ndim; k++)
    n->ip[1 + k] = shape[k];
  return i;
}

int
nn_graph_add_param (NnGraph *g, int ndim, const int *shape, float *value, float *grad)
{
  int i = nn_graph_add (g, NN_OP_PARAM, NULL, 0);
  NnNode *n = &g->nodes[i];
  n->ndim = ndim;
  memcpy (n->shape, shape, sizeof (int) * (size_t) ndim);
  n->size = n->capacity = nn_shape_size (ndim, shape);
  n->value = value;
  n->grad = grad;
  n->external = 1;
  n->needs_grad = grad != NULL;
  return i;
}

void
nn_graph_set_label (NnGraph *g, int i, const char *label)
{
  free (g->nodes[i].label);
  g->nodes[i].label = label ? strdup (label) : NULL;
}

void
nn_shape_like_input (NnGraph *g, NnNode *n)
{
  NnNode *a = nn_in (g, n, 0);
  n->ndim = a->ndim;
  memcpy (n->shape, a->shape, sizeof n->shape);
}

static void
run_shape (NnGraph *g, NnNode *n)
{
  if (n->op == NN_OP_PARAM)
    return;
  if (n->op == NN_OP_INPUT)
    {
      int k = 0;
      if (n->batched)
        n->shape[k++] = g->batch;
      for (int d = 0; d < n->ip[0]; d++)
        n->shape[k++] = n->ip[1 + d];
      n->ndim = k;
    }
  else
    g->ops[n->op]->shape (g, n);
  n->size = nn_shape_size (n->ndim, n->shape);
}

void
nn_graph_update_shapes (NnGraph *g, int from)
{
  for (int i = from; i < g->n_nodes; i++)
    run_shape (g, &g->nodes[i]);
}

static int
grows_grad (NnGraph *g, NnNode *n)
{
  if (n->op == NN_OP_PARAM)
    return n->grad != NULL;
  if (n->needs_grad)
    return 1;
  for (int k = 0; k < n->n_in; k++)
    if (g->nodes[n->in[k]].grad)
      return 1;
  return 0;
}

/* ---- buffer reuse for inference graphs ---------------------------------- */

/* A free range of the value arena, in floats. */
typedef struct {
  size_t off, len;
} Block;

/* Returns [off, off + len) to the free list, kept sorted by offset with
 * neighbours merged, so that freed buffers can later host a larger one. */
static void
block_release (Block *fl, int *n, size_t off, size_t len)
{
  int i = 0;
  while (i < *n && fl[i].off < off)
    i++;
  memmove (fl + i + 1, fl + i, sizeof *fl * (size_t) (*n - i));
  fl[i].off = off;
  fl[i].len = len;
  (*n)++;
  if (i + 1 < *n && fl[i].off + fl[i].len == fl[i + 1].off)
    {
      fl[i].len += fl[i + 1].len;
      memmove (fl + i + 1, fl + i + 2, sizeof *fl * (size_t) (*n - i - 2));
      (*n)--;
    }
  if (i > 0 && fl[i - 1].off + fl[i - 1].len == fl[i].off)
    {
      fl[i - 1].len += fl[i].len;
      memmove (fl + i, fl + i + 1, sizeof *fl * (size_t) (*n - i - 1));
      (*n)--;
    }
}

/* Best fit among the free blocks; else the arena grows at its top (from
 * inside a free block that ends there, if any). */
static size_t
block_take (Block *fl, int *n, size_t *top, size_t len)
{
  int best = -1;
  for (int i = 0; i < *n; i++)
    if (fl[i].len >= len && (best < 0 || fl[i].len < fl[best].len))
      best = i;
  size_t off;
  if (best >= 0)
    {
      off = fl[best].off;
      fl[best].off += len;
      fl[best].len -= len;
      if (fl[best].len == 0)
        {
          memmove (fl + best, fl + best + 1, sizeof *fl * (size_t) (*n - best - 1));
          (*n)--;
        }
      return off;
    }
  if (*n > 0 && fl[*n - 1].off + fl[*n - 1].len == *top)
    {
      off = fl[*n - 1].off;
      (*n)--;
    }
  else
    off = *top;
  *top = off + len;
  return off;
}

/* Floats a node's value takes in the arena: 16-float steps keep every
 * buffer 64-byte aligned. */
static size_t
value_len (const NnNode *n)
{
  return (n->capacity + 15) / 16 * 16;
}

/* Places every non-external value in the arena by liveness: node i lives
 * from i to its last reader. Buffers are placed in index order and a dead
 * node's bytes are freed only after the node that last reads it got its
 * own, so no op ever writes over one of its inputs. Input nodes (written by
 * the caller before forward) come first and never share; `keep` nodes are
 * never freed. nn_graph_forward_to (g, last) stays right for any last: a
 * node's bytes only go to nodes after its last reader, which that forward
 * does not run. Returns the arena's size in floats. */
static size_t
plan_shared_values (NnGraph *g, size_t *off)
{
  int nn = g->n_nodes;
  int *last = malloc (sizeof (int) * (size_t) (nn ? nn : 1));
  Block *fl = malloc (sizeof (Block) * (size_t) (nn + 1));
  for (int i = 0; i < nn; i++)
    last[i] = i;
  for (int i = 0; i < nn; i++)
    for (int k = 0; k < g->nodes[i].n_in; k++)
      last[g->nodes[i].in[k]] = i;
  size_t top = 0;
  int n_free = 0;
  for (int i = 0; i < nn; i++)
    {
      NnNode *n = &g->nodes[i];
      if (n->op == NN_OP_INPUT && !n->external)
        {
          off[i] = top;
          top += value_len (n);
        }
    }
  for (int i = 0; i < nn; i++)
    {
      NnNode *n = &g->nodes[i];
      if (n->external || n->op == NN_OP_INPUT)
        continue;
      off[i] = value_len (n) ? block_take (fl, &n_free, &top, value_len (n)) : 0;
      /* Free what dies here: only node i and its inputs can have i as
       * their last reader. last[] is cleared once freed (duplicate inputs). */
      for (int k = -1; k < n->n_in; k++)
        {
          int j = k < 0 ? i : n->in[k];
          NnNode *d = &g->nodes[j];
          if (last[j] != i || d->external || d->keep || d->op == NN_OP_INPUT || !value_len (d))
            continue;
          block_release (fl, &n_free, off[j], value_len (d));
          last[j] = -1;
        }
    }
  free (fl);
  free (last);
  return top;
}

/* Sizes that a user's model sets: adding saturates at SIZE_MAX instead of
 * wrapping, so a sum too large to count stays too large. */
static size_t
sat_add (size_t a, size_t b)
{
  return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

/* Bytes of `floats` floats rounded up to 64, or SIZE_MAX. */
static size_t
arena_bytes (size_t floats)
{
  if (floats > (SIZE_MAX - 63) / sizeof (float))
    return SIZE_MAX;
  return (floats * sizeof (float) + 63) / 64 * 64;
}

/* The node at which the nodes' bytes (value, gradient, scratch), added in
 * index order, go over budget; the last node when they never do. */
static int
node_over_budget (NnGraph *g, size_t budget)
{
  size_t sum = 0;
  for (int i = 0; i < g->n_nodes; i++)
    {
      NnNode *n = &g->nodes[i];
      if (n->external || n->view)
        continue;
      sum = sat_add (sum, arena_bytes (value_len (n)));
      if (n->grad)
        sum = sat_add (sum, arena_bytes (value_len (n)));
      sum = sat_add (sum, arena_bytes (n->aux_size));
      if (sum > budget)
        return i;
    }
  return g->n_nodes - 1;
}

/* Whether reshape n can be a view of its input (before the arenas are
 * placed; the input's gradient is decided already): not in a graph that
 * shares buffers (a view would extend its input's life), and only when
 * both or neither have a gradient. */
static int
is_view (NnGraph *g, NnNode *n)
{
  if (!g->reshape_views || g->share_buffers || n->op != NN_OP_RESHAPE)
    return 0;
  NnNode *x = &g->nodes[n->in[0]];
  return !x->unused && (x->grad != NULL) == (n->grad != NULL);
}

int
nn_graph_alloc (NnGraph *g, int max_batch)
{
  return nn_graph_alloc_within (g, max_batch, 0, NULL, NULL);
}

int
nn_graph_alloc_within (NnGraph *g, int max_batch, size_t budget, size_t *needed, int *over)
{
  if (needed)
    *needed = 0;
  if (over)
    *over = -1;
  g->max_batch = g->batch = max_batch > 0 ? max_batch : 1;
  size_t vsz = 0, gsz = 0, asz = 0, aux_max = 0;
  int any_grad = 0;
  /* First pass: shapes and sizes at max batch; mark grads with a sentinel. */
  static float sentinel;
  for (int i = 0; i < g->n_nodes; i++)
    {
      NnNode *n = &g->nodes[i];
      n->aux_size = 0;
      run_shape (g, n);
      if (n->external)
        {
          any_grad |= n->grad != NULL;
          continue;
        }
      if (n->unused)
        {
          n->capacity = n->aux_size = 0;
          n->grad = NULL;
          continue;
        }
      n->capacity = n->size;
      n->grad = grows_grad (g, n) ? &sentinel : NULL;
      any_grad |= n->grad != NULL;
      n->view = is_view (g, n);
      if (n->view)
        continue;
      vsz = sat_add (vsz, n->capacity);
      if (n->grad)
        gsz = sat_add (gsz, n->capacity);
      asz = sat_add (asz, n->aux_size);
      if (n->aux_size > aux_max)
        aux_max = n->aux_size;
    }
  free (g->value_arena);
  free (g->grad_arena);
  free (g->aux_arena);
  g->value_arena = g->grad_arena = g->aux_arena = NULL;
  g->allocated = 0;
  /* Without gradients nothing runs backward, so a value is dead after its
   * last reader and scratch is dead after its own op's forward. */
  g->shared = g->share_buffers && !any_grad;
  size_t *voff = NULL;
  /* 16 floats of slack per node keep every buffer 64-byte aligned. */
  size_t slack = 16 * (size_t) g->n_nodes;
  if (g->shared)
    {
      voff = calloc ((size_t) (g->n_nodes ? g->n_nodes : 1), sizeof *voff);
      if (!voff)
        return 0;
      vsz = plan_shared_values (g, voff);
      asz = (aux_max + 15) / 16 * 16;
      slack = 16;
    }
  /* What the three arenas take; nothing is allocated when that is more
   * than the budget (or than a size_t can count). */
  size_t vbytes = arena_bytes (sat_add (vsz, slack));
  size_t gbytes = arena_bytes (sat_add (gsz, slack));
  size_t abytes = arena_bytes (sat_add (asz, slack));
  size_t total = sat_add (sat_add (vbytes, gbytes), abytes);
  if (needed)
    *needed = total;
  if (total == SIZE_MAX || (budget && total > budget))
    {
      if (over)
        *over = node_over_budget (g, budget && budget < total ? budget : SIZE_MAX - 1);
      free (voff);
      return 0;
    }
  g->value_arena = aligned_alloc (64, vbytes);
  g->grad_arena = aligned_alloc (64, gbytes);
  g->aux_arena = aligned_alloc (64, abytes);
  if (!g->value_arena || !g->grad_arena || !g->aux_arena)
    {
      free (g->value_arena);
      free (g->grad_arena);
      free (g->aux_arena);
      g->value_arena = g->grad_arena = g->aux_arena = NULL;
      free (voff);
      return 0;
    }
  g->value_arena_size = vsz + slack;
  g->grad_arena_size = gsz + slack;
  g->aux_arena_size = asz + slack;
  memset (g->value_arena, 0, g->value_arena_size * sizeof (float));
  memset (g->grad_arena, 0, g->grad_arena_size * sizeof (float));
  memset (g->aux_arena, 0, g->aux_arena_size * sizeof (float));
  size_t vo = 0, go = 0, ao = 0;
  for (int i = 0; i < g->n_nodes; i++)
    {
      NnNode *n = &g->nodes[i];
      if (n->external)
        continue;
      if (g->shared)
        {
          n->value = g->value_arena + voff[i];
          /* aux is never NULL, even with no scratch: kernels form
           * pointers aux + offset, and NULL + 0 is undefined behaviour */
          n->aux = g->aux_arena;
          continue;
        }
      if (n->view)
        {
          /* in index order: the input's pointers are set already */
          n->value = g->nodes[n->in[0]].value;
          n->grad = g->nodes[n->in[0]].grad;
          n->aux = g->aux_arena;
          continue;
        }
      n->value = g->value_arena + vo;
      vo += value_len (n);
      if (n->grad)
        {
          n->grad = g->grad_arena + go;
          go += value_len (n);
        }
      n->aux = g->aux_arena + ao;
      ao += (n->aux_size + 15) / 16 * 16;
    }
  free (voff);
  g->allocated = 1;
  return 1;
}

void
nn_graph_set_batch (NnGraph *g, int batch)
{
  if (batch == g->batch)
    return;
  g->batch = batch < g->max_batch ? batch : g->max_batch;
  for (int i = 0; i < g->n_nodes; i++)
    {
      NnNode *n = &g->nodes[i];
      size_t aux = n->aux_size;
      run_shape (g, n);
      n->aux_size = aux; /* scratch stays sized for max batch */
    }
}

static double
seconds_now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

void
nn_graph_forward_to (NnGraph *g, int last)
{
  for (int i = 0; i <= last && i < g->n_nodes; i++)
    {
      NnNode *n = &g->nodes[i];
      if (n->op == NN_OP_INPUT || n->op == NN_OP_PARAM || n->computed_by_input || n->unused)
        continue;
      double t = g->op_seconds ? seconds_now () : 0;
      g->ops[n->op]->forward (g, n);
      if (g->op_seconds)
        g->op_seconds[2 * i] += seconds_now () - t;
    }
}

void
nn_graph_forward (NnGraph *g)
{
  nn_graph_forward_to (g, g->n_nodes - 1);
}

/* Zeroes a non-parameter gradient the first time this pass touches it:
 * just before the first backward that adds into it (so it is still in
 * cache), split over the engine's threads when large. */
typedef struct {
  float *p;
  size_t n, per_task;
} ZeroJob;

static void
zero_task (void *data, int task, int thread)
{
  const ZeroJob *z = data;
  size_t lo = (size_t) task * z->per_task;
  size_t n = z->n - lo < z->per_task ? z->n - lo : z->per_task;
  memset (z->p + lo, 0, n * sizeof (float));
}

static void
grad_touch (NnGraph *g, NnNode *n)
{
  if (!n->grad || n->external || n->grad_epoch == g->epoch)
    return;
  n->grad_epoch = g->epoch;
  if (n->view)
    {
      /* the bytes are the input's: zeroed once, for both */
      grad_touch (g, &g->nodes[n->in[0]]);
      return;
    }
  if (n->sets_own_grad)
    return;
  ZeroJob z = { n->grad, n->size, (size_t) 64 * 1024 };
  if (z.n <= z.per_task)
    memset (z.p, 0, z.n * sizeof (float));
  else
    nn_parallel_for ((int) ((z.n + z.per_task - 1) / z.per_task), zero_task, &z);
}

/* The backward passes of nodes from down to stop + 1 (this epoch). */
static void
backward_range (NnGraph *g, int from, int stop)
{
  for (int i = from; i > stop; i--)
    {
      NnNode *n = &g->nodes[i];
      if (!n->grad || n->op == NN_OP_INPUT || n->op == NN_OP_PARAM)
        continue;
      double t = g->op_seconds ? seconds_now () : 0;
      /* A gradient nothing added into is zero. */
      grad_touch (g, n);
      if (n->computed_by_input)
        continue;
      for (int k = 0; k < n->n_in; k++)
        grad_touch (g, &g->nodes[n->in[k]]);
      g->ops[n->op]->backward (g, n);
      if (g->op_seconds)
        g->op_seconds[2 * i + 1] += seconds_now () - t;
    }
}

void
nn_graph_backward (NnGraph *g, int loss)
{
  if (++g->epoch == 0)
    g->epoch = 1;
  NnNode *l = &g->nodes[loss];
  if (!l->grad)
    return;
  grad_touch (g, l);
  for (size_t k = 0; k < l->size; k++)
    l->grad[k] = 1.0f;
  backward_range (g, loss, -1);
  /* Every gradient is valid afterwards, also where no path from the loss
   * led (inputs and nodes past the loss). */
  for (int i = 0; i < g->n_nodes; i++)
    grad_touch (g, &g->nodes[i]);
}

void
nn_graph_backward_seeded (NnGraph *g, int from, const float *seed, int stop)
{
  if (++g->epoch == 0)
    g->epoch = 1;
  NnNode *f = &g->nodes[from];
  if (!f->grad)
    return;
  /* Marked as touched, so nothing zeroes the seed; a fused node
   * (sets_own_grad) is seeded all the same: its gradient is read, not
   * written, by its own backward. */
  f->grad_epoch = g->epoch;
  memcpy (f->grad, seed, f->size * sizeof (float));
  backward_range (g, from, stop);
  if (stop >= 0 && stop < g->n_nodes)
    grad_touch (g, &g->nodes[stop]);
}

void
nn_graph_backward_seeds (NnGraph *g, int n, const int *from, const float *const *seeds, int stop)
{
  if (++g->epoch == 0)
    g->epoch = 1;
  int top = -1;
  for (int k = 0; k < n; k++)
    {
      NnNode *f = &g->nodes[from[k]];
      if (!f->grad)
        continue;
      /* A node seeded twice gets the sum of its seeds. */
      if (f->grad_epoch == g->epoch)
        for (size_t e = 0; e < f->size; e++)
          f->grad[e] += seeds[k][e];
      else
        memcpy (f->grad, seeds[k], f->size * sizeof (float));
      f->grad_epoch = g->epoch;
      top = from[k] > top ? from[k] : top;
    }
  if (top < 0)
    return;
  /* The seeded nodes are marked touched, so a node above another adds its
   * gradient into the lower one's seed instead of replacing it. */
  backward_range (g, top, stop);
  if (stop >= 0 && stop < g->n_nodes)
    grad_touch (g, &g->nodes[stop]);
}

static double
eval_loss (NnGraph *g, int loss, const NnRng *saved)
{
  if (g->rng)
    *g->rng = *saved;
  nn_graph_forward_to (g, loss);
  double s = 0;
  NnNode *l = &g->nodes[loss];
  for (size_t k = 0; k < l->size; k++)
    s += l->value[k];
  return s;
}

double
nn_graph_check_grad (NnGraph *g, int loss, int wrt, double eps, int max_checks)
{
  NnRng saved = { 0 };
  if (g->rng)
    saved = *g->rng;
  NnNode *w = &g->nodes[wrt];
  eval_loss (g, loss, &saved);
  if (w->grad && w->external)
    memset (w->grad, 0, w->size * sizeof (float));
  nn_graph_backward (g, loss);
  size_t n = w->size;
  float *analytic = malloc (n * sizeof (float));
  memcpy (analytic, w->grad, n * sizeof (float));
  size_t stride = 1;
  if (max_checks > 0 && n > (size_t) max_checks)
    stride = n / (size_t) max_checks;
  double worst = 0;
  for (size_t i = 0; i < n; i += stride)
    {
      float orig = w->value[i];
      w->value[i] = (float) (orig + eps);
      double lp = eval_loss (g, loss, &saved);
      w->value[i] = (float) (orig - eps);
      double lm = eval_loss (g, loss, &saved);
      w->value[i] = orig;
      double num = (lp - lm) / (2 * eps);
      double a = analytic[i];
      double denom = fmax (fmax (fabs (a), fabs (num)), 1e-2);
      double err = fabs (a - num) / denom;
      if (err > worst)
        worst = err;
    }
  eval_loss (g, loss, &saved);
  free (analytic);
  return worst;
}
