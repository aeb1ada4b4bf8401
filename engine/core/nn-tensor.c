/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tensors and the seeded random generator: libc and libm only. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn-tensor.h"

size_t
nn_shape_size (int ndim, const int *shape)
{
  size_t s = 1;
  for (int i = 0; i < ndim; i++)
    s *= (size_t) shape[i];
  return s;
}

int
nn_shape_equal (int ndim_a, const int *a, int ndim_b, const int *b)
{
  if (ndim_a != ndim_b)
    return 0;
  for (int i = 0; i < ndim_a; i++)
    if (a[i] != b[i])
      return 0;
  return 1;
}

char *
nn_shape_to_string (int ndim, const int *shape, int batch_first)
{
  char buf[128];
  size_t o = 0;
  buf[o++] = '(';
  if (batch_first)
    o += (size_t) snprintf (buf + o, sizeof buf - o, "batch%s", ndim ? ", " : "");
  for (int i = 0; i < ndim && o < sizeof buf - 16; i++)
    o += (size_t) snprintf (buf + o, sizeof buf - o, "%d%s", shape[i], i + 1 < ndim ? ", " : "");
  if (!batch_first && ndim == 1)
    o += (size_t) snprintf (buf + o, sizeof buf - o, ",");
  snprintf (buf + o, sizeof buf - o, ")");
  return strdup (buf);
}

NnTensor *
nn_tensor_new (int ndim, const int *shape)
{
  if (ndim < 0 || ndim > NN_MAX_DIMS)
    return NULL;
  NnTensor *t = calloc (1, sizeof *t);
  t->ndim = ndim;
  memcpy (t->shape, shape, sizeof (int) * (size_t) ndim);
  t->size = nn_shape_size (ndim, shape);
  t->data = calloc (t->size ? t->size : 1, sizeof (float));
  t->owns_data = 1;
  if (!t->data)
    {
      free (t);
      return NULL;
    }
  return t;
}

NnTensor *
nn_tensor_new_view (float *data, int ndim, const int *shape)
{
  if (ndim < 0 || ndim > NN_MAX_DIMS)
    return NULL;
  NnTensor *t = calloc (1, sizeof *t);
  t->ndim = ndim;
  memcpy (t->shape, shape, sizeof (int) * (size_t) ndim);
  t->size = nn_shape_size (ndim, shape);
  t->data = data;
  return t;
}

NnTensor *
nn_tensor_copy (const NnTensor *src)
{
  NnTensor *t = nn_tensor_new (src->ndim, src->shape);
  if (t)
    memcpy (t->data, src->data, src->size * sizeof (float));
  return t;
}

void
nn_tensor_free (NnTensor *t)
{
  if (!t)
    return;
  if (t->owns_data)
    free (t->data);
  free (t);
}

int
nn_tensor_reshape (NnTensor *t, int ndim, const int *shape)
{
  if (ndim < 0 || ndim > NN_MAX_DIMS || nn_shape_size (ndim, shape) != t->size)
    return 0;
  t->ndim = ndim;
  memcpy (t->shape, shape, sizeof (int) * (size_t) ndim);
  return 1;
}

void
nn_tensor_fill (NnTensor *t, float v)
{
  for (size_t i = 0; i < t->size; i++)
    t->data[i] = v;
}

void
nn_tensor_add (NnTensor *dst, const NnTensor *a)
{
  for (size_t i = 0; i < dst->size; i++)
    dst->data[i] += a->data[i];
}

void
nn_tensor_mul (NnTensor *dst, const NnTensor *a)
{
  for (size_t i = 0; i < dst->size; i++)
    dst->data[i] *= a->data[i];
}

void
nn_tensor_scale (NnTensor *dst, float s)
{
  for (size_t i = 0; i < dst->size; i++)
    dst->data[i] *= s;
}

void
nn_tensor_axpy (NnTensor *dst, float a, const NnTensor *x)
{
  for (size_t i = 0; i < dst->size; i++)
    dst->data[i] += a * x->data[i];
}

float
nn_tensor_sum (const NnTensor *t)
{
  double s = 0;
  for (size_t i = 0; i < t->size; i++)
    s += t->data[i];
  return (float) s;
}

float
nn_tensor_mean (const NnTensor *t)
{
  return t->size ? nn_tensor_sum (t) / (float) t->size : 0.0f;
}

float
nn_tensor_max (const NnTensor *t)
{
  float m = -INFINITY;
  for (size_t i = 0; i < t->size; i++)
    if (t->data[i] > m)
      m = t->data[i];
  return m;
}

float
nn_tensor_min (const NnTensor *t)
{
  float m = INFINITY;
  for (size_t i = 0; i < t->size; i++)
    if (t->data[i] < m)
      m = t->data[i];
  return m;
}

size_t
nn_tensor_argmax (const NnTensor *t)
{
  size_t best = 0;
  for (size_t i = 1; i < t->size; i++)
    if (t->data[i] > t->data[best])
      best = i;
  return best;
}

void
nn_tensor_sum_last (const NnTensor *t, NnTensor *out)
{
  int c = t->ndim ? t->shape[t->ndim - 1] : 1;
  size_t rows = t->size / (size_t) c;
  for (size_t r = 0; r < rows; r++)
    {
      double s = 0;
      for (int j = 0; j < c; j++)
        s += t->data[r * (size_t) c + (size_t) j];
      out->data[r] = (float) s;
    }
}

/* xoshiro128** seeded through splitmix64. */
static uint64_t
splitmix64 (uint64_t *x)
{
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void
nn_rng_seed (NnRng *r, uint64_t seed)
{
  uint64_t x = seed;
  uint64_t a = splitmix64 (&x), b = splitmix64 (&x);
  r->s[0] = (uint32_t) a;
  r->s[1] = (uint32_t) (a >> 32);
  r->s[2] = (uint32_t) b;
  r->s[3] = (uint32_t) (b >> 32);
  if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3]))
    r->s[0] = 1;
  r->has_spare = 0;
}

static inline uint32_t
rotl (uint32_t x, int k)
{
  return (x << k) | (x >> (32 - k));
}

uint32_t
nn_rng_next (NnRng *r)
{
  uint32_t *s = r->s;
  uint32_t result = rotl (s[1] * 5, 7) * 9;
  uint32_t t = s[1] << 9;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 11);
  return result;
}

float
nn_rng_uniform (NnRng *r)
{
  return (float) (nn_rng_next (r) >> 8) * (1.0f / 16777216.0f);
}

float
nn_rng_normal (NnRng *r)
{
  if (r->has_spare)
    {
      r->has_spare = 0;
      return r->spare;
    }
  /* Box-Muller on (0, 1] to avoid log(0). */
  double u = ((nn_rng_next (r) >> 8) + 1.0) / 16777217.0;
  double v = (nn_rng_next (r) >> 8) / 16777216.0;
  double m = sqrt (-2.0 * log (u));
  r->spare = (float) (m * sin (2 * M_PI * v));
  r->has_spare = 1;
  return (float) (m * cos (2 * M_PI * v));
}

uint32_t
nn_rng_below (NnRng *r, uint32_t n)
{
  /* Lemire's multiply-shift; the bias is below 2^-32 * n, fine here. */
  return (uint32_t) (((uint64_t) nn_rng_next (r) * n) >> 32);
}

void
nn_rng_shuffle (NnRng *r, uint32_t *a, size_t n)
{
  for (size_t i = n; i > 1; i--)
    {
      uint32_t j = nn_rng_below (r, (uint32_t) i);
      uint32_t tmp = a[i - 1];
      a[i - 1] = a[j];
      a[j] = tmp;
    }
}
