/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Optimizers over the flat gradient array: SGD (momentum, Nesterov),
 * RMSprop and Adam with Keras' update rules. Moments are flat arrays
 * aligned with the gradients. */
#include <math.h>
#include <string.h>

#include "nn-model-private.h"
#include "nn-simd-private.h"


struct _NnOptimizer {
  NnOptimizerConfig cfg;
  float *m1, *m2;
  size_t n;
  long   t;
};

NnOptimizer *
nn_optimizer_new (const NnOptimizerConfig *cfg, size_t n_grads)
{
  NnOptimizer *o = g_new0 (NnOptimizer, 1);
  o->cfg = *cfg;
  o->n = n_grads;
  /* As large as the model's weights: a failure is the caller's error. */
  o->m1 = g_try_new0 (float, MAX (n_grads, 1));
  if (o->m1 && cfg->kind == NN_OPT_ADAM)
    o->m2 = g_try_new0 (float, MAX (n_grads, 1));
  if (!o->m1 || (cfg->kind == NN_OPT_ADAM && !o->m2))
    {
      nn_optimizer_free (o);
      return NULL;
    }
  return o;
}

void
nn_optimizer_free (NnOptimizer *o)
{
  if (!o)
    return;
  g_free (o->m1);
  g_free (o->m2);
  g_free (o);
}

long
nn_optimizer_get_steps (const NnOptimizer *o)
{
  return o->t;
}

/* v = mu v - lr g; w += v, or with Nesterov w += mu v - lr g. */
NN_CLONES static void
sgd (float *restrict w, const float *restrict g, float *restrict v, size_t n, float lr,
     float mu, int nesterov)
{
  if (mu == 0.0f)
    {
      for (size_t i = 0; i < n; i++)
        w[i] -= lr * g[i];
      return;
    }
  for (size_t i = 0; i < n; i++)
    {
      v[i] = mu * v[i] - lr * g[i];
      w[i] += nesterov ? mu * v[i] - lr * g[i] : v[i];
    }
}

/* ms = rho ms + (1 - rho) g^2; w -= lr g / (sqrt(ms) + eps) (Keras' rule:
 * eps outside the square root). */
NN_CLONES static void
rmsprop (float *restrict w, const float *restrict g, float *restrict ms, size_t n, float lr,
         float rho, float eps)
{
  for (size_t i = 0; i < n; i++)
    {
      ms[i] = rho * ms[i] + (1.0f - rho) * g[i] * g[i];
      w[i] -= lr * g[i] / (sqrtf (ms[i]) + eps);
    }
}

/* m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; w -= lr_t m / (sqrt(v) + eps). */
NN_CLONES static void
adam (float *restrict w, const float *restrict g, float *restrict m, float *restrict v, size_t n,
      float lr_t, float b1, float b2, float eps)
{
  for (size_t i = 0; i < n; i++)
    {
      m[i] = b1 * m[i] + (1.0f - b1) * g[i];
      v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
      w[i] -= lr_t * m[i] / (sqrtf (v[i]) + eps);
    }
}

void
nn_optimizer_step (NnOptimizer *o, NnCompiled *c, double lr)
{
  o->t++;
  const NnOptimizerConfig *cfg = &o->cfg;
  double lr_t = lr;
  if (cfg->kind == NN_OPT_ADAM)
    lr_t = lr * sqrt (1.0 - pow (cfg->beta_2, (double) o->t)) / (1.0 - pow (cfg->beta_1, (double) o->t));
  for (int s = 0; s < c->n_segments; s++)
    {
      NnParamSegment *seg = &c->segments[s];
      if (!seg->trainable || !seg->grad)
        continue;
      size_t off = (size_t) (seg->grad - c->grads);
      switch (cfg->kind)
        {
        case NN_OPT_SGD:
          sgd (seg->value, seg->grad, o->m1 + off, seg->n, (float) lr, (float) cfg->momentum,
               cfg->nesterov);
          break;
        case NN_OPT_RMSPROP:
          rmsprop (seg->value, seg->grad, o->m1 + off, seg->n, (float) lr, (float) cfg->rho,
                   (float) cfg->epsilon);
          break;
        case NN_OPT_ADAM:
          adam (seg->value, seg->grad, o->m1 + off, o->m2 + off, seg->n, (float) lr_t,
                (float) cfg->beta_1, (float) cfg->beta_2, (float) cfg->epsilon);
          break;
        default:
          g_assert_not_reached ();
        }
    }
}
