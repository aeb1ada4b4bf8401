/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The two ops of a variational autoencoder's Sampling layer; inputs
 * (mean, log_var), both (B, D):
 *   SAMPLING  z = mean + exp(log_var / 2) eps, eps ~ N(0, 1) from the
 *             graph's generator while training; z = mean otherwise
 *   KL        -0.5 / B  sum_b sum_d (1 + log_var - mean^2 - exp(log_var)):
 *             summed over the latent dimensions, averaged over the batch
 *             (as the Keras book's VAE does); one scalar */
#include <assert.h>
#include <math.h>
#include <string.h>

#include "nn-graph-private.h"

/* ---- SAMPLING ----------------------------------------------------------- */

static void
sampling_shape (NnGraph *g, NnNode *n)
{
  nn_shape_like_input (g, n);
  n->aux_size = nn_shape_size (n->ndim, n->shape); /* eps, for backward */
}

static void
sampling_forward (NnGraph *g, NnNode *n)
{
  const float *restrict mu = nn_in (g, n, 0)->value;
  const float *restrict lv = nn_in (g, n, 1)->value;
  float *restrict z = n->value;
  size_t size = n->size;
  if (!g->training)
    {
      memcpy (z, mu, size * sizeof (float));
      return;
    }
  assert (g->rng);
  float *restrict eps = n->aux;
  for (size_t i = 0; i < size; i++)
    {
      eps[i] = nn_rng_normal (g->rng);
      z[i] = mu[i] + expf (0.5f * lv[i]) * eps[i];
    }
}

/* dz/dmean = 1; dz/dlog_var = exp(log_var / 2) eps / 2 (0 at inference). */
static void
sampling_backward (NnGraph *g, NnNode *n)
{
  NnNode *m = nn_in (g, n, 0), *v = nn_in (g, n, 1);
  const float *restrict dz = n->grad;
  size_t size = n->size;
  if (m->grad)
    for (size_t i = 0; i < size; i++)
      m->grad[i] += dz[i];
  if (v->grad && g->training)
    {
      const float *restrict lv = v->value, *restrict eps = n->aux;
      for (size_t i = 0; i < size; i++)
        v->grad[i] += dz[i] * 0.5f * expf (0.5f * lv[i]) * eps[i];
    }
}

const NnOpInfo nn_op_sampling_info = {
  "sampling", sampling_shape, sampling_forward, sampling_backward
};

/* ---- KL ----------------------------------------------------------------- */

static void
kl_shape (NnGraph *g, NnNode *n)
{
  n->batched = 0;
  n->ndim = 1;
  n->shape[0] = 1;
}

/* Rows of the batch: the first axis of a batched input, else 1. */
static size_t
kl_rows (const NnNode *x)
{
  return x->batched && x->ndim > 0 ? (size_t) x->shape[0] : 1;
}

static void
kl_forward (NnGraph *g, NnNode *n)
{
  NnNode *m = nn_in (g, n, 0);
  const float *mu = m->value, *lv = nn_in (g, n, 1)->value;
  size_t size = m->size, rows = kl_rows (m);
  double s = 0;
  for (size_t i = 0; i < size; i++)
    s += 1.0 + lv[i] - (double) mu[i] * mu[i] - exp (lv[i]);
  n->value[0] = (float) (-0.5 * s / (double) (rows ? rows : 1));
}

/* dKL/dmean = mean / B; dKL/dlog_var = (exp(log_var) - 1) / 2B. */
static void
kl_backward (NnGraph *g, NnNode *n)
{
  NnNode *m = nn_in (g, n, 0), *v = nn_in (g, n, 1);
  size_t size = m->size, rows = kl_rows (m);
  float k = n->grad[0] / (float) (rows ? rows : 1);
  if (m->grad)
    for (size_t i = 0; i < size; i++)
      m->grad[i] += k * m->value[i];
  if (v->grad)
    for (size_t i = 0; i < size; i++)
      v->grad[i] += k * 0.5f * (expf (v->value[i]) - 1.0f);
}

const NnOpInfo nn_op_kl_info = {
  "kl_divergence", kl_shape, kl_forward, kl_backward
};
