/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Weight initialisation (the Keras initializers, orthogonal by LAPACK QR)
 * and access to a model's weights. */
#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "nn-model-private.h"

/* ---- weights --------------------------------------------------------------- */

/* LAPACK's QR (in OpenBLAS; engine/meson.build checks that it is there),
 * Fortran calling convention: everything by address, column-major. */
extern void dgeqrf_ (const int *m, const int *n, double *a, const int *lda, double *tau,
                     double *work, const int *lwork, int *info);
extern void dorgqr_ (const int *m, const int *n, const int *k, double *a, const int *lda,
                     const double *tau, double *work, const int *lwork, int *info);

/* Keras's variance-scaling normals draw from a normal of stddev
 * sqrt (scale / fan) / 0.8796..., redrawing values beyond two of those
 * stddevs: 0.8796... is the stddev of a unit normal truncated at +-2, so
 * the values' own stddev is sqrt (scale / fan). */
#define NN_TRUNCATED_STDDEV 0.87962566103423978

static void
init_truncated_normal (float *w, size_t n, double sd, NnRng *rng)
{
  double s = sd / NN_TRUNCATED_STDDEV;
  for (size_t i = 0; i < n; i++)
    {
      float z;
      do
        z = nn_rng_normal (rng);
      while (fabsf (z) > 2.0f);
      w[i] = (float) (z * s);
    }
}

/* Keras's Orthogonal (gain 1): w seen as a (rows, cols) matrix, rows the
 * product of all axes but the last, cols the last (units, filters); a
 * (max, min) normal matrix A = QR, Q's columns times the signs of R's
 * diagonal (so that Q is uniformly distributed), transposed when rows <
 * cols. Orthonormal columns (rows >= cols) or rows (rows < cols), to
 * float rounding: computed in double. */
static void
init_orthogonal (float *w, const NnWeightSpec *spec, size_t n, NnRng *rng)
{
  int cols = spec->ndim >= 1 ? spec->shape[spec->ndim - 1] : 1;
  if (n == 0 || cols <= 0)
    return;
  int rows = (int) (n / (size_t) cols);
  int m = MAX (rows, cols), k = MIN (rows, cols), info = 0, lwork = -1;
  double *a = g_new (double, (size_t) m * (size_t) k), *tau = g_new (double, (size_t) k);
  double *sign = g_new (double, (size_t) k), query = 0;
  for (size_t i = 0; i < (size_t) m * (size_t) k; i++)
    a[i] = nn_rng_normal (rng);
  dgeqrf_ (&m, &k, a, &m, tau, &query, &lwork, &info);
  lwork = MAX ((int) query, k);
  double *work = g_new (double, (size_t) lwork);
  dgeqrf_ (&m, &k, a, &m, tau, work, &lwork, &info);
  g_assert (info == 0);
  /* R's diagonal, before Q overwrites it */
  for (int j = 0; j < k; j++)
    sign[j] = a[(size_t) j * (size_t) m + (size_t) j] < 0 ? -1.0 : 1.0;
  int qwork = -1;
  dorgqr_ (&m, &k, &k, a, &m, tau, &query, &qwork, &info);
  if ((int) query > lwork)
    {
      lwork = (int) query;
      g_free (work);
      work = g_new (double, (size_t) lwork);
    }
  dorgqr_ (&m, &k, &k, a, &m, tau, work, &lwork, &info);
  g_assert (info == 0);
  /* Q (m, k) is column-major: Q[i, j] at a[i + j m] */
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < cols; c++)
      {
        int i = rows >= cols ? r : c, j = rows >= cols ? c : r;
        w[(size_t) r * (size_t) cols + (size_t) c]
          = (float) (a[(size_t) j * (size_t) m + (size_t) i] * sign[j]);
      }
  g_free (work);
  g_free (sign);
  g_free (tau);
  g_free (a);
}

/* Each initializer as Keras defines it: fans over the receptive field
 * (all axes but the last two) times the input or output channels. */
static void
init_weight (float *w, const NnWeightSpec *spec, NnRng *rng)
{
  size_t n = nn_shape_size (spec->ndim, spec->shape);
  int fan_in = spec->fan_in, fan_out = spec->fan_out;
  if (!fan_in || !fan_out)
    {
      /* Keras: receptive field times the last two axes. */
      size_t rf = 1;
      for (int k = 0; k + 2 < spec->ndim; k++)
        rf *= (size_t) spec->shape[k];
      fan_in = spec->ndim >= 2 ? (int) (rf * (size_t) spec->shape[spec->ndim - 2]) : (int) n;
      fan_out = spec->ndim >= 2 ? (int) (rf * (size_t) spec->shape[spec->ndim - 1]) : (int) n;
    }
  double lim;
  switch (spec->init)
    {
    case NN_INIT_ZEROS:
      memset (w, 0, n * sizeof (float));
      break;
    case NN_INIT_ONES:
      for (size_t i = 0; i < n; i++)
        w[i] = 1.0f;
      break;
    case NN_INIT_GLOROT_UNIFORM:
      lim = sqrt (6.0 / (fan_in + fan_out));
      for (size_t i = 0; i < n; i++)
        w[i] = (float) ((2.0 * nn_rng_uniform (rng) - 1.0) * lim);
      break;
    case NN_INIT_HE_UNIFORM:
      lim = sqrt (6.0 / fan_in);
      for (size_t i = 0; i < n; i++)
        w[i] = (float) ((2.0 * nn_rng_uniform (rng) - 1.0) * lim);
      break;
    case NN_INIT_GLOROT_NORMAL:
      init_truncated_normal (w, n, sqrt (2.0 / (fan_in + fan_out)), rng);
      break;
    case NN_INIT_HE_NORMAL:
      init_truncated_normal (w, n, sqrt (2.0 / fan_in), rng);
      break;
    case NN_INIT_LECUN_NORMAL:
      init_truncated_normal (w, n, sqrt (1.0 / fan_in), rng);
      break;
    case NN_INIT_RANDOM_NORMAL:
      /* Keras's RandomNormal: mean 0, stddev 0.05, not truncated */
      for (size_t i = 0; i < n; i++)
        w[i] = (float) (0.05 * nn_rng_normal (rng));
      break;
    case NN_INIT_ORTHOGONAL:
      init_orthogonal (w, spec, n, rng);
      break;
    case NN_INIT_UNIFORM:
      /* Keras's RandomUniform defaults (the Embedding's "uniform") */
      for (size_t i = 0; i < n; i++)
        w[i] = (float) ((2.0 * nn_rng_uniform (rng) - 1.0) * 0.05);
      break;
    default:
      g_assert_not_reached ();
    }
  for (int i = MAX (spec->ones_lo, 0); i < spec->ones_hi && (size_t) i < n; i++)
    w[i] = 1.0f;
}

static gboolean
init_weights_rng (NnModel *m, NnRng *rng, GError **error)
{
  g_clear_pointer (&m->params, g_free);
  m->has_weights = FALSE;
  m->params = g_try_new0 (float, MAX (m->n_params, 1));
  if (!m->params)
    {
      g_autofree char *need = nn_format_bytes ((guint64) m->n_params * sizeof (float));
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MEMORY,
                   _("Not enough memory for the %s of weights of “%s”: close other programs or "
                   "make the model smaller"), need, m->name);
      return FALSE;
    }
  for (int i = 0; i < m->n_layers; i++)
    {
      NnLayer *l = m->layers[i];
      if (l->sub && !init_weights_rng (l->sub, rng, error))
        return FALSE;
      for (int k = 0; k < l->n_weights; k++)
        init_weight (m->params + l->woff[k], &l->wspec[k], rng);
    }
  m->has_weights = TRUE;
  return TRUE;
}

gboolean
nn_model_init_weights (NnModel *m, guint64 seed, GError **error)
{
  if (!nn_model_infer (m, error))
    return FALSE;
  NnRng rng;
  nn_rng_seed (&rng, seed);
  return init_weights_rng (m, &rng, error);
}

gboolean
nn_model_has_weights (const NnModel *m)
{
  if (!m->has_weights)
    return FALSE;
  for (int i = 0; i < m->n_layers; i++)
    if (m->layers[i]->sub && !nn_model_has_weights (m->layers[i]->sub))
      return FALSE;
  return TRUE;
}

int
nn_model_layer_get_n_weights (const NnModel *m, int i)
{
  return nn_model_layer (m, i)->n_weights;
}

const char *
nn_model_layer_get_weight (const NnModel *m, int i, int k, NnTensor *view)
{
  NnLayer *l = nn_model_layer (m, i);
  g_return_val_if_fail (k >= 0 && k < l->n_weights, NULL);
  if (view)
    {
      memset (view, 0, sizeof *view);
      view->ndim = l->wspec[k].ndim;
      memcpy (view->shape, l->wspec[k].shape, sizeof view->shape);
      view->size = nn_shape_size (view->ndim, view->shape);
      view->data = m->params ? m->params + l->woff[k] : NULL;
    }
  return l->wspec[k].name;
}
