/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "ds-playground-surface.h"

/* Colour bands of the surface: few enough to read as contours. */
#define N_BANDS 12

static gboolean
_ds_playground_is_dense (NnModel *m,
                         int      l)
{
  const NnLayerType *t = nn_model_layer_get_type (m, l);

  return t && g_strcmp0 (nn_layer_type_get_name (t), "Dense") == 0
         && nn_model_layer_get_n_calls (m, l) > 0 && nn_model_layer_get_n_weights (m, l) > 0;
}

/* The Dense layer that reads the model's input, else the first one. */
static int
first_dense (NnModel *m)
{
  int input = nn_model_get_n_inputs (m) > 0 ? nn_model_get_input_layer (m, 0) : -1;
  int first = -1;

  for (int l = 0; l < nn_model_get_n_layers (m); l++)
    if (_ds_playground_is_dense (m, l))
      {
        if (first < 0)
          first = l;
        if (nn_model_call_get_n_inputs (m, l, 0) == 1 && nn_model_call_get_input (m, l, 0, 0).layer == input)
          return l;
      }
  return first;
}

DsSurfaceJob *
ds_surface_job_new (NnModel           *model,
                    DsDataset         *dataset,
                    const NnWeightRef *w,
                    GError           **error)
{
  g_autoptr(NnModel) m = nn_model_copy (model);
  DsSurfaceJob *job;

  if (nn_model_get_n_outputs (m) == 0)
    nn_model_auto_outputs (m);
  if (!nn_model_infer (m, error))
    return NULL;
  if (!nn_model_has_weights (m) && !nn_model_init_weights (m, 1, error))
    return NULL;
  if (w == NULL && first_dense (m) < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The model has no Dense layer whose weights the loss surface could move"));
      return NULL;
    }
  job = g_new0 (DsSurfaceJob, 1);
  job->model = g_steal_pointer (&m);
  job->dataset = ds_dataset_ref (dataset);
  job->chosen = w != NULL;
  if (w)
    memcpy (job->w, w, sizeof job->w);
  job->centre = job->lo = job->hi = NAN;
  job->min_cell = -1;
  return job;
}

void
ds_surface_job_free (DsSurfaceJob *job)
{
  if (job == NULL)
    return;
  g_clear_pointer (&job->model, nn_model_free);
  g_clear_pointer (&job->dataset, ds_dataset_unref);
  g_free (job->loss);
  g_free (job);
}

/* The two weights of the first Dense kernel with the largest gradient. */
static gboolean
pick_weights (DsSurfaceJob  *job,
              NnDataset     *ds,
              GError       **error)
{
  int layer = first_dense (job->model);
  NnTensor view;
  g_autofree float *grad = NULL;
  size_t best[2] = { 0, 1 };

  nn_model_layer_get_weight (job->model, layer, 0, &view);
  if (view.size < 2)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s has a single weight: the loss surface needs two"),
                   nn_model_layer_get_name (job->model, layer));
      return FALSE;
    }
  grad = g_new (float, view.size);
  if (!nn_model_weight_gradient (job->model, ds, ds->train_idx, ds->n_train, layer, 0, grad, error))
    return FALSE;
  if (fabsf (grad[1]) > fabsf (grad[0]))
    best[0] = 1, best[1] = 0;
  for (size_t i = 2; i < view.size; i++)
    if (fabsf (grad[i]) > fabsf (grad[best[0]]))
      best[1] = best[0], best[0] = i;
    else if (fabsf (grad[i]) > fabsf (grad[best[1]]))
      best[1] = i;
  /* In kernel order, so the axes do not swap between two refreshes. */
  job->w[0] = (NnWeightRef) { layer, 0, MIN (best[0], best[1]) };
  job->w[1] = (NnWeightRef) { layer, 0, MAX (best[0], best[1]) };
  return TRUE;
}

static double
weight_value (NnModel           *m,
              const NnWeightRef *w)
{
  NnTensor view;

  if (w->layer < 0 || w->layer >= nn_model_get_n_layers (m)
      || w->var < 0 || w->var >= nn_model_layer_get_n_weights (m, w->layer))
    return NAN;
  nn_model_layer_get_weight (m, w->layer, w->var, &view);
  return w->index < view.size && view.data ? view.data[w->index] : NAN;
}

gboolean
ds_surface_job_run (DsSurfaceJob  *job,
                    GCancellable  *cancellable,
                    GError       **error)
{
  NnDataset *ds = ds_dataset_get (job->dataset);

  if (!job->chosen && !pick_weights (job, ds, error))
    return FALSE;
  for (int k = 0; k < 2; k++)
    {
      job->value[k] = weight_value (job->model, &job->w[k]);
      /* Far enough to see the valley's shape, at least +-1. */
      job->span[k] = MAX (1.0, 2 * fabs (job->value[k]));
    }
  job->loss = g_new (float, DS_SURFACE_RES * DS_SURFACE_RES);
  if (!nn_model_loss_surface (job->model, ds, ds->train_idx, ds->n_train, job->w, job->span,
                              DS_SURFACE_RES, job->loss, cancellable, error))
    return FALSE;
  job->centre = job->loss[(DS_SURFACE_RES * DS_SURFACE_RES) / 2];
  job->lo = INFINITY;
  job->hi = -INFINITY;
  for (int i = 0; i < DS_SURFACE_RES * DS_SURFACE_RES; i++)
    if (isfinite (job->loss[i]))
      {
        if (job->loss[i] < job->lo)
          {
            job->lo = job->loss[i];
            job->min_cell = i;
          }
        job->hi = MAX (job->hi, job->loss[i]);
      }
  return TRUE;
}

char *
ds_surface_job_describe (const DsSurfaceJob *job,
                         int                 k,
                         const char *const  *inputs)
{
  const NnWeightRef *w = &job->w[k];
  int ndim, shape[NN_MAX_DIMS];
  int units = 1;
  int in, unit;
  const char *name = nn_model_layer_get_name (job->model, w->layer);

  if (nn_model_get_shape (job->model, (NnRef) { w->layer, 0 }, &ndim, shape) && ndim == 1)
    units = shape[0];
  in = (int) (w->index / (size_t) units);
  unit = (int) (w->index % (size_t) units);
  if (w->var != 0)
    return g_strdup_printf (_("%s: weight %zu of variable %d"), name, w->index, w->var);
  if (inputs && in < (int) g_strv_length ((char **) inputs))
    return g_strdup_printf (_("%s: %s → unit %d"), name, inputs[in], unit + 1);
  return g_strdup_printf (_("%s: input %d → unit %d"), name, in + 1, unit + 1);
}

/* Low loss deep blue through teal and green to light yellow (viridis). */
static void
band_rgb (double  t,
          double *rgb)
{
  static const double stops[][3] = {
    { 0.27, 0.00, 0.33 }, { 0.23, 0.32, 0.55 }, { 0.13, 0.57, 0.55 },
    { 0.37, 0.79, 0.38 }, { 0.99, 0.91, 0.14 },
  };
  double x = CLAMP (t, 0, 1) * 4;
  int i = MIN ((int) x, 3);

  for (int c = 0; c < 3; c++)
    rgb[c] = stops[i][c] + (stops[i + 1][c] - stops[i][c]) * (x - i);
}

cairo_surface_t *
ds_surface_job_paint (const DsSurfaceJob *job)
{
  const int res = DS_SURFACE_RES;
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, res, res);
  guint8 *data = cairo_image_surface_get_data (s);
  int stride = cairo_image_surface_get_stride (s);
  /* Bands on the logarithm of the loss: a valley's floor keeps its detail
   * beside walls many times higher. */
  double lo = log1p (MAX (job->lo, 0)), hi = log1p (MAX (job->hi, 0));

  cairo_surface_flush (s);
  for (int r = 0; r < res; r++)
    for (int k = 0; k < res; k++)
      {
        double v = job->loss ? job->loss[r * res + k] : NAN, rgb[3] = { 0.8, 0.8, 0.8 };
        guint32 *px = (guint32 *) (data + (size_t) r * stride) + k;

        if (isfinite (v))
          {
            double t = hi > lo ? (log1p (MAX (v, 0)) - lo) / (hi - lo) : 0;

            band_rgb (MIN (floor (t * N_BANDS), N_BANDS - 1) / (N_BANDS - 1), rgb);
          }
        *px = ((guint32) (rgb[0] * 255) << 16) | ((guint32) (rgb[1] * 255) << 8) | (guint32) (rgb[2] * 255);
      }
  cairo_surface_mark_dirty (s);
  return s;
}
