/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The fixture test-ops.c and test-ops-pool.c build their graphs with: a
 * graph with its generators, inputs, parameters, ops, fills and the
 * gradient and shape assertions. Header-only (static inline), like
 * test-util.h. */
#pragma once

#include <math.h>

#include "nn.h"
#include "nn-graph-private.h"
#include "test-util.h"

/* Max relative error allowed between backward and central differences.
 * nn_graph_check_grad divides by max(|grad|, 1e-2), and a loss is a single
 * float32, whose rounding moves the difference quotient by ulp(L) / 2 eps:
 * about 6e-6 for L near 1.5 and eps = 1e-2, already 6e-4 of the floor. So
 * the loss tests below let predictions lean towards their targets, which
 * keeps L under about 0.5 and that rounding well under the tolerance. */
#define GRAD_TOL 1e-3
/* Ops linear in the checked input (given the others): central differences
 * are exact for any step there, so a large step only shrinks the effect of
 * float32 rounding in the forward pass. */
#define LINEAR_EPS 0.1
/* Forward against float64 references: float32 rounding only. */
#define FWD_TOL 1e-5

typedef struct {
  NnGraph   *g;
  NnRng      rng;       /* fills values */
  NnRng      drop_rng;  /* the graph's generator (dropout) */
  GPtrArray *bufs;      /* parameter values and grads */
} Fx;

static inline void
fx_init (Fx *fx, guint64 seed)
{
  fx->g = nn_graph_new ();
  nn_rng_seed (&fx->rng, seed);
  nn_rng_seed (&fx->drop_rng, seed + 1000);
  fx->g->rng = &fx->drop_rng;
  fx->bufs = g_ptr_array_new_with_free_func (g_free);
}

static inline void
fx_clear (Fx *fx)
{
  nn_graph_free (fx->g);
  g_ptr_array_unref (fx->bufs);
}

static inline NnNode *
node (Fx *fx, int i)
{
  return nn_graph_node (fx->g, i);
}

static inline float
uniform (Fx *fx, float lo, float hi)
{
  return lo + (hi - lo) * nn_rng_uniform (&fx->rng);
}

/* Values with |v| in [lo, hi] and a random sign: away from kinks at 0. */
static inline void
fill_away (Fx *fx, float *v, size_t n, float lo, float hi)
{
  for (size_t i = 0; i < n; i++)
    v[i] = uniform (fx, lo, hi) * (nn_rng_uniform (&fx->rng) < 0.5f ? -1.0f : 1.0f);
}

static inline void
fill (Fx *fx, float *v, size_t n, float lo, float hi)
{
  for (size_t i = 0; i < n; i++)
    v[i] = uniform (fx, lo, hi);
}

/* Fills a node at max batch, so smaller batches see the same first rows. */
static inline void
fill_node (Fx *fx, int i, float lo, float hi)
{
  fill (fx, node (fx, i)->value, node (fx, i)->capacity, lo, hi);
}

static inline int
input (Fx *fx, int ndim, const int *shape, int needs_grad)
{
  int i = nn_graph_add_input (fx->g, ndim, shape, 1);
  node (fx, i)->needs_grad = needs_grad;
  return i;
}

static inline int
param (Fx *fx, int ndim, const int *shape, float lo, float hi)
{
  size_t n = nn_shape_size (ndim, shape);
  float *v = g_new (float, n), *gr = g_new0 (float, n);
  fill (fx, v, n, lo, hi);
  g_ptr_array_add (fx->bufs, v);
  g_ptr_array_add (fx->bufs, gr);
  return nn_graph_add_param (fx->g, ndim, shape, v, gr);
}

static inline int
op (Fx *fx, NnOpType type, int n_in, const int *in)
{
  return nn_graph_add (fx->g, type, in, n_in);
}

static inline int
op1 (Fx *fx, NnOpType type, int a)
{
  return op (fx, type, 1, &a);
}

static inline int
op2 (Fx *fx, NnOpType type, int a, int b)
{
  int in[] = { a, b };
  return op (fx, type, 2, in);
}

/* L = sum_i y_i p_i with a fixed random probe p: backward then sees a
 * random upstream gradient (all ones would hide bugs, e.g. in softmax),
 * and the loss stays a sum of many float elements that check_grad adds in
 * float64, so a single perturbation is not lost in the rounding of one
 * float scalar. */
static inline int
probe_loss (Fx *fx, int y, int ndim, const int *per_sample, int *probe_out)
{
  int p = input (fx, ndim, per_sample, 0);
  if (probe_out)
    *probe_out = p;
  return op2 (fx, NN_OP_MUL, y, p);
}

/* Allocates and fills every data input uniformly in [-1, 1]; tests then
 * overwrite what needs other values. */
static inline void
alloc (Fx *fx, int max_batch)
{
  g_assert_true (nn_graph_alloc (fx->g, max_batch));
  for (int i = 0; i < fx->g->n_nodes; i++)
    if (node (fx, i)->op == NN_OP_INPUT)
      fill_node (fx, i, -1.0f, 1.0f);
}

static inline void
assert_grad_ok (Fx *fx, int loss, int wrt, double eps, const char *what)
{
  NnNode *w = node (fx, wrt);
  g_assert_nonnull (w->grad);
  double err = test_check_grad (fx->g, loss, wrt, eps, 0);
  float gmax = 0.0f;
  for (size_t i = 0; i < w->size; i++)
    gmax = fmaxf (gmax, fabsf (w->grad[i]));
  g_test_message ("%s (batch %d): max rel err %.2e, max |grad| %.3g",
                  what, fx->g->batch, err, gmax);
  g_assert_cmpfloat (err, <, GRAD_TOL);
  /* A zero gradient would make the comparison vacuous. */
  g_assert_cmpfloat (gmax, >, 1e-4f);
}

static inline void
assert_close (double got, double want, double tol)
{
  if (fabs (got - want) > tol * fmax (1.0, fabs (want)))
    g_error ("got %.9g, want %.9g (tol %.1e)", got, want, tol);
}

static inline void
assert_shape (Fx *fx, int i, int ndim, const int *shape)
{
  NnNode *n = node (fx, i);
  g_assert_cmpint (n->ndim, ==, ndim);
  for (int d = 0; d < ndim; d++)
    g_assert_cmpint (n->shape[d], ==, shape[d]);
  g_assert_cmpuint (n->size, ==, nn_shape_size (ndim, shape));
}
