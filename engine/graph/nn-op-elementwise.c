/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Elementwise ops: same shape in and out, one loop each way.
 *   ADD     y = sum_k x_k             dx_k += dy
 *   MUL     y = prod_k x_k            dx_k += dy prod_{j!=k} x_j
 *   SCALE   y = s x                   dx += s dy
 *   RELU    y = max(x, 0)             dx += dy [y > 0]
 *   SIGMOID y = 1 / (1 + e^-x)        dx += dy y (1 - y)
 *   TANH    y = tanh x                dx += dy (1 - y^2)
 * The activations below follow tf.keras 2.x (tf.keras.activations and the
 * LeakyReLU layer), with their default parameters:
 *   LEAKY_RELU  y = x > 0 ? x : 0.3 x                  dx += dy (x > 0 ? 1 : 0.3)
 *   ELU         y = x > 0 ? x : e^x - 1                dx += dy (x > 0 ? 1 : y + 1)
 *   SELU        y = s (x > 0 ? x : a (e^x - 1))        dx += dy (x > 0 ? s : y + s a)
 *   GELU        y = x Phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2
 *                                                      dx += dy (Phi(x) + x phi(x))
 *   SWISH       y = x sigmoid(x)                       dx += dy s (1 + x (1 - s))
 *   SOFTPLUS    y = log(1 + e^x)                       dx += dy sigmoid(x)
 *   HARD_SIGMOID y = clip(0.2 x + 0.5, 0, 1)          dx += dy (|x| < 2.5 ? 0.2 : 0)
 *   EXPONENTIAL y = e^x                                dx += dy y
 *   DROPOUT y = x m, m in {0, 1/(1-rate)} (training only)   dx += dy m
 *   WEIGHT_PENALTY y = l1 sum|w| + l2 sum w^2   dw += dy (l1 sign w + 2 l2 w) */
#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "nn-graph-private.h"
#include "nn-parallel-private.h"
#include "nn-simd-private.h"

static void
same_shape (NnGraph *g, NnNode *n)
{
  nn_shape_like_input (g, n);
}

/* ---- ADD ---------------------------------------------------------------- */

static void
add_forward (NnGraph *g, NnNode *n)
{
  float *restrict y = n->value;
  size_t size = n->size;
  memcpy (y, nn_in (g, n, 0)->value, size * sizeof (float));
  for (int k = 1; k < n->n_in; k++)
    {
      const float *restrict x = nn_in (g, n, k)->value;
      for (size_t i = 0; i < size; i++)
        y[i] += x[i];
    }
}

static void
add_backward (NnGraph *g, NnNode *n)
{
  const float *restrict dy = n->grad;
  size_t size = n->size;
  for (int k = 0; k < n->n_in; k++)
    {
      float *restrict dx = nn_in (g, n, k)->grad;
      if (!dx)
        continue;
      for (size_t i = 0; i < size; i++)
        dx[i] += dy[i];
    }
}

/* ---- MUL ---------------------------------------------------------------- */

static void
mul_shape (NnGraph *g, NnNode *n)
{
  nn_shape_like_input (g, n);
  /* With more than two factors, backward builds each product of the
   * others in scratch instead of dividing y by x_k (which fails at 0). */
  n->aux_size = n->n_in > 2 ? nn_shape_size (n->ndim, n->shape) : 0;
}

static void
mul_forward (NnGraph *g, NnNode *n)
{
  float *restrict y = n->value;
  size_t size = n->size;
  memcpy (y, nn_in (g, n, 0)->value, size * sizeof (float));
  for (int k = 1; k < n->n_in; k++)
    {
      const float *restrict x = nn_in (g, n, k)->value;
      for (size_t i = 0; i < size; i++)
        y[i] *= x[i];
    }
}

static void
mul_backward (NnGraph *g, NnNode *n)
{
  const float *restrict dy = n->grad;
  size_t size = n->size;
  if (n->n_in == 1)
    {
      float *restrict dx = nn_in (g, n, 0)->grad;
      if (dx)
        for (size_t i = 0; i < size; i++)
          dx[i] += dy[i];
      return;
    }
  if (n->n_in == 2)
    {
      NnNode *a = nn_in (g, n, 0), *b = nn_in (g, n, 1);
      if (a->grad)
        {
          float *restrict da = a->grad;
          const float *restrict bv = b->value;
          for (size_t i = 0; i < size; i++)
            da[i] += dy[i] * bv[i];
        }
      if (b->grad)
        {
          float *restrict db = b->grad;
          const float *restrict av = a->value;
          for (size_t i = 0; i < size; i++)
            db[i] += dy[i] * av[i];
        }
      return;
    }
  float *restrict t = n->aux;
  for (int k = 0; k < n->n_in; k++)
    {
      float *restrict dx = nn_in (g, n, k)->grad;
      if (!dx)
        continue;
      memcpy (t, dy, size * sizeof (float));
      for (int j = 0; j < n->n_in; j++)
        {
          if (j == k)
            continue;
          const float *restrict x = nn_in (g, n, j)->value;
          for (size_t i = 0; i < size; i++)
            t[i] *= x[i];
        }
      for (size_t i = 0; i < size; i++)
        dx[i] += t[i];
    }
}

/* ---- SCALE -------------------------------------------------------------- */

static void
scale_forward (NnGraph *g, NnNode *n)
{
  const float *restrict x = nn_in (g, n, 0)->value;
  float *restrict y = n->value;
  float s = n->fp[0];
  for (size_t i = 0; i < n->size; i++)
    y[i] = s * x[i];
}

static void
scale_backward (NnGraph *g, NnNode *n)
{
  float *restrict dx = nn_in (g, n, 0)->grad;
  const float *restrict dy = n->grad;
  float s = n->fp[0];
  if (dx)
    for (size_t i = 0; i < n->size; i++)
      dx[i] += s * dy[i];
}

/* ---- Activations -------------------------------------------------------- */

/* ReLU over big activations (a convnet's) runs in ranges over the
 * engine's threads. */
#define ELEMENT_GRAIN ((size_t) 32 * 1024)

typedef struct {
  const float *x, *y, *dy;
  float *out;
} Ranges;

static void
relu_range (void *data, size_t lo, size_t hi)
{
  const Ranges *r = data;
  const float *restrict x = r->x;
  float *restrict y = r->out;
  for (size_t i = lo; i < hi; i++)
    y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

static void
relu_forward (NnGraph *g, NnNode *n)
{
  Ranges r = { .x = nn_in (g, n, 0)->value, .out = n->value };
  nn_parallel_range (n->size, ELEMENT_GRAIN, relu_range, &r);
}

static void
relu_backward_range (void *data, size_t lo, size_t hi)
{
  const Ranges *r = data;
  const float *restrict y = r->y, *restrict dy = r->dy;
  float *restrict dx = r->out;
  /* Load dy unconditionally so the select vectorizes. */
  for (size_t i = lo; i < hi; i++)
    {
      float d = dy[i];
      dx[i] += y[i] > 0.0f ? d : 0.0f;
    }
}

static void
relu_backward (NnGraph *g, NnNode *n)
{
  float *dx = nn_in (g, n, 0)->grad;
  if (!dx)
    return;
  Ranges r = { .y = n->value, .dy = n->grad, .out = dx };
  nn_parallel_range (n->size, ELEMENT_GRAIN, relu_backward_range, &r);
}

static void
sigmoid_forward (NnGraph *g, NnNode *n)
{
  const float *restrict x = nn_in (g, n, 0)->value;
  float *restrict y = n->value;
  /* For very negative x, expf(-x) overflows to inf and y becomes 0: the
   * right limit, no NaN. */
  for (size_t i = 0; i < n->size; i++)
    y[i] = 1.0f / (1.0f + expf (-x[i]));
}

static void
sigmoid_backward (NnGraph *g, NnNode *n)
{
  float *restrict dx = nn_in (g, n, 0)->grad;
  const float *restrict y = n->value, *restrict dy = n->grad;
  if (dx)
    for (size_t i = 0; i < n->size; i++)
      dx[i] += dy[i] * y[i] * (1.0f - y[i]);
}

static void
tanh_forward (NnGraph *g, NnNode *n)
{
  const float *restrict x = nn_in (g, n, 0)->value;
  float *restrict y = n->value;
  for (size_t i = 0; i < n->size; i++)
    y[i] = tanhf (x[i]);
}

static void
tanh_backward (NnGraph *g, NnNode *n)
{
  float *restrict dx = nn_in (g, n, 0)->grad;
  const float *restrict y = n->value, *restrict dy = n->grad;
  if (dx)
    for (size_t i = 0; i < n->size; i++)
      dx[i] += dy[i] * (1.0f - y[i] * y[i]);
}

/* ---- More activations (tf.keras 2.x) ------------------------------------ */

/* LeakyReLU's default alpha in Keras 2 (Keras 3 says negative_slope 0.2). */
#define LEAKY_ALPHA 0.3f
#define ELU_ALPHA 1.0f
#define SELU_ALPHA 1.67326324235437728481704299167f
#define SELU_SCALE 1.05070098735548049341933498529f

/* Eight at a time, both sides computed and one selected by a mask: no
 * branch on the sign (which mispredicts on activations half negative);
 * over the threads in ranges, as ReLU. The same products as the scalar
 * form, so the same bits. */
#define LEAKY_SELECT8(pos, v, a) ((v8f) (((v8i) (v) & (pos)) | ((v8i) (a) & ~(pos))))

NN_CLONES static void
leaky_relu_range (void *data, size_t lo, size_t hi)
{
  const Ranges *r = data;
  const float *restrict x = r->x;
  float *restrict y = r->out;
  const v8f zero = { 0 };
  size_t i = lo;
  for (; i + 8 <= hi; i += 8)
    {
      v8f v = load8 (x + i);
      store8 (y + i, LEAKY_SELECT8 (v > zero, v, v * bcast8 (LEAKY_ALPHA)));
    }
  for (; i < hi; i++)
    y[i] = x[i] > 0.0f ? x[i] : LEAKY_ALPHA * x[i];
}

static void
leaky_relu_forward (NnGraph *g, NnNode *n)
{
  Ranges r = { .x = nn_in (g, n, 0)->value, .out = n->value };
  nn_parallel_range (n->size, ELEMENT_GRAIN, leaky_relu_range, &r);
}

NN_CLONES static void
leaky_relu_backward_range (void *data, size_t lo, size_t hi)
{
  const Ranges *r = data;
  const float *restrict x = r->x, *restrict dy = r->dy;
  float *restrict dx = r->out;
  const v8f zero = { 0 };
  size_t i = lo;
  for (; i + 8 <= hi; i += 8)
    {
      v8f d = load8 (dy + i);
      v8f g = LEAKY_SELECT8 (load8 (x + i) > zero, d, d * bcast8 (LEAKY_ALPHA));
      store8 (dx + i, load8 (dx + i) + g);
    }
  for (; i < hi; i++)
    dx[i] += dy[i] * (x[i] > 0.0f ? 1.0f : LEAKY_ALPHA);
}

static void
leaky_relu_backward (NnGraph *g, NnNode *n)
{
  float *dx = nn_in (g, n, 0)->grad;
  if (!dx)
    return;
  Ranges r = { .x = nn_in (g, n, 0)->value, .dy = n->grad, .out = dx };
  nn_parallel_range (n->size, ELEMENT_GRAIN, leaky_relu_backward_range, &r);
}

static void
elu_forward (NnGraph *g, NnNode *n)
{
  const float *restrict x = nn_in (g, n, 0)->value;
  float *restrict y = n->value;
  for (size_t i = 0; i < n->size; i++)
    y[i] = x[i] > 0.0f ? x[i] : ELU_ALPHA * expm1f (x[i]);
}

static void
elu_backward (NnGraph *g, NnNode *n)
{
  float *restrict dx = nn_in (g, n, 0)->grad;
  const float *restrict x = nn_in (g, n, 0)->value, *restrict y = n->value;
  const float *restrict dy = n->grad;
  if (dx)
    for (size_t i = 0; i < n->size; i++)
      dx[i] += dy[i] * (x[i] > 0.0f ? 1.0f : y[i] + ELU_ALPHA);
}

static void
selu_forward (NnGraph *g, NnNode *n)
{
  const float *restrict x = nn_in (g, n, 0)->value;
  float *restrict y = n->value;
  for (size_t i = 0; i < n->size; i++)
    y[i] = SELU_SCALE * (x[i] > 0.0f ? x[i] : SELU_ALPHA * expm1f (x[i]));
}

static void
selu_backward (NnGraph *g, NnNode *n)
{
  float *restrict dx = nn_in (g, n, 0)->grad;
  const float *restrict x = nn_in (g, n, 0)->value, *restrict y = n->value;
  const float *restrict dy = n->grad;
  if (dx)
    for (size_t i = 0; i < n->size; i++)
      dx[i] += dy[i] * (x[i] > 0.0f ? SELU_SCALE : y[i] + SELU_SCALE * SELU_ALPHA);
}

static void
gelu_forward (NnGraph *g, NnNode *n)
{
  const float *restrict x = nn_in (g, n, 0)->value;
  float *restrict y = n->value;
  for (size_t i = 0; i < n->size; i++)
    y[i] = 0.5f * x[i] * (1.0f + erff (x[i] * (float) M_SQRT1_2));
}

static void
gelu_backward (NnGraph *g, NnNode *n)
{
  float *restrict dx = nn_in (g, n, 0)->grad;
  const float *restrict x = nn_in (g, n, 0)->value, *restrict dy = n->grad;
  /* 1 / sqrt(2 pi) */
  const float inv_sqrt_2pi = 0.398942280401432677939946059934f;
  if (dx)
    for (size_t i = 0; i < n->size; i++)
      {
        float cdf = 0.5f * (1.0f + erff (x[i] * (float) M_SQRT1_2));
        float pdf = inv_sqrt_2pi * expf (-0.5f * x[i] * x[i]);
        dx[i] += dy[i] * (cdf + x[i] * pdf);
      }
}

static void
swish_forward (NnGraph *g, NnNode *n)
{
  const float *restrict x = nn_in (g, n, 0)->value;
  float *restrict y = n->value;
  for (size_t i = 0; i < n->size; i++)
    y[i] = x[i] / (1.0f + expf (-x[i]));
}

static void
swish_backward (NnGraph *g, NnNode *n)
{
  float *restrict dx = nn_in (g, n, 0)->grad;
  const float *restrict x = nn_in (g, n, 0)->value, *restrict dy = n->grad;
  if (dx)
    for (size_t i = 0; i < n->size; i++)
      {
        float s = 1.0f / (1.0f + expf (-x[i]));
        dx[i] += dy[i] * s * (1.0f + x[i] * (1.0f - s));
      }
}

static void
softplus_forward (NnGraph *g, NnNode *n)
{
  const float *restrict x = nn_in (g, n, 0)->value;
  float *restrict y = n->value;
  /* log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow for large x. */
  for (size_t i = 0; i < n->size; i++)
    y[i] = (x[i] > 0.0f ? x[i] : 0.0f) + log1pf (expf (-fabsf (x[i])));
}

static void
softplus_backward (NnGraph *g, NnNode *n)
{
  float *restrict dx = nn_in (g, n, 0)->grad;
  const float *restrict x = nn_in (g, n, 0)->value, *restrict dy = n->grad;
  if (dx)
    for (size_t i = 0; i < n->size; i++)
      dx[i] += dy[i] / (1.0f + expf (-x[i]));
}

static void
hard_sigmoid_forward (NnGraph *g, NnNode *n)
{
  const float *restrict x = nn_in (g, n, 0)->value;
  float *restrict y = n->value;
  for (size_t i = 0; i < n->size; i++)
    {
      float v = 0.2f * x[i] + 0.5f;
      y[i] = v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
    }
}

static void
hard_sigmoid_backward (NnGraph *g, NnNode *n)
{
  float *restrict dx = nn_in (g, n, 0)->grad;
  const float *restrict x = nn_in (g, n, 0)->value, *restrict dy = n->grad;
  if (dx)
    for (size_t i = 0; i < n->size; i++)
      dx[i] += x[i] > -2.5f && x[i] < 2.5f ? 0.2f * dy[i] : 0.0f;
}

static void
exponential_forward (NnGraph *g, NnNode *n)
{
  const float *restrict x = nn_in (g, n, 0)->value;
  float *restrict y = n->value;
  for (size_t i = 0; i < n->size; i++)
    y[i] = expf (x[i]);
}

static void
exponential_backward (NnGraph *g, NnNode *n)
{
  float *restrict dx = nn_in (g, n, 0)->grad;
  const float *restrict y = n->value, *restrict dy = n->grad;
  if (dx)
    for (size_t i = 0; i < n->size; i++)
      dx[i] += dy[i] * y[i];
}

/* ---- DROPOUT ------------------------------------------------------------ */

/* Inverted dropout: kept units are scaled by 1/(1-rate) at training time so
 * inference is the identity. The rate is read on every forward because the
 * UI may change it while training runs. */
static int
dropout_active (NnGraph *g, NnNode *n)
{
  return g->training && n->fp[0] > 0.0f;
}

static void
dropout_shape (NnGraph *g, NnNode *n)
{
  nn_shape_like_input (g, n);
  n->aux_size = nn_shape_size (n->ndim, n->shape); /* the mask */
}

static void
dropout_forward (NnGraph *g, NnNode *n)
{
  const float *restrict x = nn_in (g, n, 0)->value;
  float *restrict y = n->value;
  size_t size = n->size;
  if (!dropout_active (g, n))
    {
      memcpy (y, x, size * sizeof (float));
      return;
    }
  assert (g->rng);
  float rate = n->fp[0];
  float scale = rate < 1.0f ? 1.0f / (1.0f - rate) : 0.0f;
  /* Compare raw 32-bit draws with rate * 2^32: one draw per unit, no float
   * conversion. */
  uint64_t thr64 = (uint64_t) ((double) rate * 4294967296.0);
  uint32_t thr = thr64 > UINT32_MAX ? UINT32_MAX : (uint32_t) thr64;
  float *restrict m = n->aux;
  /* nn_rng_next's xoshiro128** step, on a local copy of the graph's state:
   * the same stream, without a call per unit (tests check they agree). */
  uint32_t s0 = g->rng->s[0], s1 = g->rng->s[1], s2 = g->rng->s[2], s3 = g->rng->s[3];
  for (size_t i = 0; i < size; i++)
    {
      uint32_t r = s1 * 5;
      r = ((r << 7) | (r >> 25)) * 9;
      uint32_t t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >> 21);
      m[i] = r >= thr ? scale : 0.0f;
      y[i] = x[i] * m[i];
    }
  g->rng->s[0] = s0;
  g->rng->s[1] = s1;
  g->rng->s[2] = s2;
  g->rng->s[3] = s3;
}

static void
dropout_backward (NnGraph *g, NnNode *n)
{
  float *restrict dx = nn_in (g, n, 0)->grad;
  const float *restrict dy = n->grad;
  size_t size = n->size;
  if (!dx)
    return;
  /* Backward follows the forward of the same step, so the mode is the one
   * the mask was made in. */
  if (!dropout_active (g, n))
    {
      for (size_t i = 0; i < size; i++)
        dx[i] += dy[i];
      return;
    }
  const float *restrict m = n->aux;
  for (size_t i = 0; i < size; i++)
    dx[i] += dy[i] * m[i];
}

/* ---- WEIGHT_PENALTY ----------------------------------------------------- */

static void
scalar_shape (NnGraph *g, NnNode *n)
{
  n->batched = 0;
  n->ndim = 1;
  n->shape[0] = 1;
}

static void
penalty_forward (NnGraph *g, NnNode *n)
{
  NnNode *w = nn_in (g, n, 0);
  double l1 = 0, l2 = 0;
  /* Training graphs keep a penalty node on every kernel so the factors can
   * change mid-run; a zero penalty costs nothing. */
  if (n->fp[0] == 0.0f && n->fp[1] == 0.0f)
    {
      n->value[0] = 0.0f;
      return;
    }
  for (size_t i = 0; i < w->size; i++)
    {
      l1 += fabsf (w->value[i]);
      l2 += (double) w->value[i] * w->value[i];
    }
  n->value[0] = (float) (n->fp[0] * l1 + n->fp[1] * l2);
}

static void
penalty_backward (NnGraph *g, NnNode *n)
{
  NnNode *w = nn_in (g, n, 0);
  float *restrict dw = w->grad;
  const float *restrict v = w->value;
  if (!dw || (n->fp[0] == 0.0f && n->fp[1] == 0.0f))
    return;
  float a = n->fp[0] * n->grad[0], b = 2.0f * n->fp[1] * n->grad[0];
  for (size_t i = 0; i < w->size; i++)
    {
      float sign = (float) (v[i] > 0.0f) - (float) (v[i] < 0.0f);
      dw[i] += a * sign + b * v[i];
    }
}

const NnOpInfo nn_op_add_info = { "add", same_shape, add_forward, add_backward };
const NnOpInfo nn_op_mul_info = { "mul", mul_shape, mul_forward, mul_backward };
const NnOpInfo nn_op_scale_info = { "scale", same_shape, scale_forward, scale_backward };
const NnOpInfo nn_op_relu_info = { "relu", same_shape, relu_forward, relu_backward };
const NnOpInfo nn_op_sigmoid_info = { "sigmoid", same_shape, sigmoid_forward, sigmoid_backward };
const NnOpInfo nn_op_tanh_info = { "tanh", same_shape, tanh_forward, tanh_backward };
const NnOpInfo nn_op_dropout_info = { "dropout", dropout_shape, dropout_forward, dropout_backward };
const NnOpInfo nn_op_weight_penalty_info = { "weight_penalty", scalar_shape, penalty_forward, penalty_backward };
const NnOpInfo nn_op_leaky_relu_info = { "leaky_relu", same_shape, leaky_relu_forward, leaky_relu_backward };
const NnOpInfo nn_op_elu_info = { "elu", same_shape, elu_forward, elu_backward };
const NnOpInfo nn_op_selu_info = { "selu", same_shape, selu_forward, selu_backward };
const NnOpInfo nn_op_gelu_info = { "gelu", same_shape, gelu_forward, gelu_backward };
const NnOpInfo nn_op_swish_info = { "swish", same_shape, swish_forward, swish_backward };
const NnOpInfo nn_op_softplus_info = { "softplus", same_shape, softplus_forward, softplus_backward };
const NnOpInfo nn_op_hard_sigmoid_info = { "hard_sigmoid", same_shape, hard_sigmoid_forward, hard_sigmoid_backward };
const NnOpInfo nn_op_exponential_info = { "exponential", same_shape, exponential_forward, exponential_backward };
