/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "ds-colors.h"
#include "ds-playground-map.h"

guint
ds_map_dataset_features (NnDataset *ds)
{
  const NnArray *x;
  guint mask = 0;

  if (ds == NULL || ds->n_inputs != 1)
    return 0;
  x = ds->inputs[0];
  if (ds->points == NULL)
    return x->ndim == 1 && x->shape[0] == 2 ? NN_FEATURES_XY : 0;
  for (size_t k = 0; x->feature_names && k < x->sample_size; k++)
    for (int f = 0; f < NN_N_FEATURES; f++)
      if (g_strcmp0 (x->feature_names[k], nn_feature_name (f)) == 0)
        mask |= 1u << f;
  return nn_features_count (mask) == (int) x->sample_size ? mask : 0;
}

void
ds_map_job_free (DsMapJob *job)
{
  if (job == NULL)
    return;
  g_clear_pointer (&job->model, nn_model_free);
  g_clear_pointer (&job->dataset, ds_dataset_unref);
  if (job->hidden)
    {
      for (guint i = 0; i < job->hidden->len; i++)
        {
          DsMapHidden *h = &g_array_index (job->hidden, DsMapHidden, i);
          g_free (h->name);
          g_free (h->act);
        }
      g_array_unref (job->hidden);
    }
  g_free (job->out);
  g_free (job);
}

static gboolean
is_output (NnModel *m,
           int      layer)
{
  for (int i = 0; i < nn_model_get_n_outputs (m); i++)
    if (nn_model_get_output (m, i).layer == layer)
      return TRUE;
  return FALSE;
}

DsMapJob *
ds_map_job_new (NnModel    *model,
                DsDataset  *dataset,
                double      x0,
                double      x1,
                double      y0,
                double      y1,
                GError    **error)
{
  g_autoptr(NnModel) m = nn_model_copy (model);
  NnDataset *ds = ds_dataset_get (dataset);
  guint features = ds_map_dataset_features (ds);
  int ndim, shape[NN_MAX_DIMS];
  g_autofree char *act = NULL;
  DsMapJob *job;

  if (nn_model_get_n_outputs (m) == 0)
    nn_model_auto_outputs (m);
  if (features == 0 || nn_model_get_n_inputs (m) != 1 || nn_model_get_n_outputs (m) < 1
      || !nn_model_infer (m, NULL)
      || !nn_model_get_shape (m, (NnRef) { nn_model_get_input_layer (m, 0), 0 }, &ndim, shape)
      || ndim != 1 || shape[0] != nn_features_count (features))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The model must take one input of %d numbers (the features chosen)"),
                   MAX (nn_features_count (features), 2));
      return NULL;
    }
  if (!nn_model_has_weights (m) && !nn_model_init_weights (m, 1, error))
    return NULL;

  job = g_new0 (DsMapJob, 1);
  job->dataset = ds_dataset_ref (dataset);
  job->features = features;
  job->x0 = x0, job->x1 = x1, job->y0 = y0, job->y1 = y1;
  job->out_layer = nn_model_get_output (m, 0).layer;
  act = nn_model_layer_dup_param_text (m, job->out_layer, "activation");
  job->probs_out = g_strcmp0 (act, "softmax") == 0 || g_strcmp0 (act, "sigmoid") == 0;
  job->regression = ds->n_classes == 0;
  job->train_loss = job->test_loss = NAN;
  job->step = -1;
  job->hidden = g_array_new (FALSE, TRUE, sizeof (DsMapHidden));
  for (int l = 0; l < nn_model_get_n_layers (m); l++)
    {
      const NnLayerType *t = nn_model_layer_get_type (m, l);
      DsMapHidden h = { 0 };

      if (t == NULL || g_strcmp0 (nn_layer_type_get_name (t), "Dense") != 0 || is_output (m, l)
          || nn_model_layer_get_n_calls (m, l) < 1)
        continue;
      if (!nn_model_get_shape (m, (NnRef) { l, 0 }, &ndim, shape) || ndim != 1)
        continue;
      h.layer = l;
      h.name = g_strdup (nn_model_layer_get_name (m, l));
      h.units = shape[0];
      g_array_append_val (job->hidden, h);
    }
  job->model = g_steal_pointer (&m);
  return job;
}

/* The model's inputs for a res × res grid of the plane; row 0 is the top
 * of the picture (the largest y). */
static NnTensor *
grid_tensor (const DsMapJob *job,
             int             res)
{
  int width = nn_features_count (job->features);
  int shape[2] = { res * res, width };
  NnTensor *t = nn_tensor_new (2, shape);
  g_autofree float *xy = g_new (float, 2 * (size_t) res * res);

  for (int r = 0; r < res; r++)
    for (int c = 0; c < res; c++)
      {
        float *p = xy + 2 * ((size_t) r * res + c);
        p[0] = (float) (job->x0 + (c + 0.5) / res * (job->x1 - job->x0));
        p[1] = (float) (job->y1 - (r + 0.5) / res * (job->y1 - job->y0));
      }
  nn_features_compute (job->features, xy, (size_t) res * res, t->data);
  return t;
}

static double
loss_of (NnModel       *m,
         NnDataset     *ds,
         const guint32 *idx,
         size_t         n)
{
  NnScores s = { 0 };
  double v;
  gboolean found = FALSE;

  if (n == 0 || !nn_model_evaluate (m, ds, idx, n, 256, &s, NULL))
    return NAN;
  v = nn_scores_get (&s, "loss", &found);
  nn_scores_clear (&s);
  return found ? v : NAN;
}

gboolean
ds_map_job_run (DsMapJob      *job,
                GCancellable  *cancellable,
                GError       **error)
{
  g_autoptr(NnTensor) grid = grid_tensor (job, DS_MAP_RES);
  g_autoptr(NnTensor) small = grid_tensor (job, DS_UNIT_RES);
  g_autoptr(NnTensor) out = NULL;
  NnDataset *ds = ds_dataset_get (job->dataset);
  NnTensor *in[1] = { grid };

  out = nn_model_run (job->model, in, 1, (NnRef) { job->out_layer, 0 }, error);
  if (out == NULL)
    return FALSE;
  job->out_dim = (int) (out->size / ((size_t) DS_MAP_RES * DS_MAP_RES));
  job->out = g_steal_pointer (&out->data);
  out->owns_data = 0;

  in[0] = small;
  for (guint i = 0; i < job->hidden->len && !g_cancellable_is_cancelled (cancellable); i++)
    {
      DsMapHidden *h = &g_array_index (job->hidden, DsMapHidden, i);
      g_autoptr(NnTensor) act = nn_model_run (job->model, in, 1, (NnRef) { h->layer, 0 }, NULL);

      if (act && act->size == (size_t) DS_UNIT_RES * DS_UNIT_RES * h->units)
        {
          h->act = act->data;
          act->owns_data = 0;
          act->data = NULL;
        }
    }
  /* The losses TensorFlow Playground shows beside its map: on every
   * training sample and on the held-out test samples. */
  if (!g_cancellable_is_cancelled (cancellable))
    {
      job->train_loss = loss_of (job->model, ds, ds->train_idx, ds->n_train);
      job->test_loss = loss_of (job->model, ds, ds->test_idx, ds->n_test);
    }
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

int
ds_map_job_cell (const DsMapJob *job,
                 int             cell,
                 double         *p,
                 int             max)
{
  const float *o = job->out + (size_t) cell * job->out_dim;
  int n;

  if (job->regression)
    {
      p[0] = o[0];
      return 1;
    }
  if (job->out_dim == 1)
    {
      double v = job->probs_out ? o[0] : 1 / (1 + exp (-o[0]));

      /* One unit: the probability of class 1. */
      p[0] = 1 - v;
      p[1] = v;
      return 2;
    }
  n = MIN (job->out_dim, max);
  if (job->probs_out)
    for (int k = 0; k < n; k++)
      p[k] = o[k];
  else
    {
      double mx = -INFINITY, sum = 0;

      for (int k = 0; k < n; k++)
        mx = MAX (mx, o[k]);
      for (int k = 0; k < n; k++)
        sum += (p[k] = exp (o[k] - mx));
      for (int k = 0; k < n; k++)
        p[k] /= sum;
    }
  return n;
}

cairo_surface_t *
ds_map_job_paint (const DsMapJob *job,
                  gboolean        discrete)
{
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, DS_MAP_RES, DS_MAP_RES);
  guint32 *px;
  int stride;

  cairo_surface_flush (s);
  px = (guint32 *) cairo_image_surface_get_data (s);
  stride = cairo_image_surface_get_stride (s) / 4;
  for (int r = 0; r < DS_MAP_RES; r++)
    for (int c = 0; c < DS_MAP_RES; c++)
      {
        double p[16];
        int n = ds_map_job_cell (job, r * DS_MAP_RES + c, p, 16);

        if (job->regression)
          {
            /* Values of about -1..1, as the regression sets make them. */
            double v = CLAMP (p[0], -1, 1);
            px[r * stride + c] = ds_colors_diverging_pixel (discrete ? (v > 0) - (v < 0) : v);
          }
        else
          px[r * stride + c] = ds_colors_decision_pixel (p, n, discrete);
      }
  cairo_surface_mark_dirty (s);
  return s;
}

cairo_surface_t *
ds_map_job_paint_unit (const DsMapJob *job,
                       guint           hidden,
                       int             unit,
                       gboolean       *dead)
{
  const DsMapHidden *h = &g_array_index (job->hidden, DsMapHidden, hidden);
  cairo_surface_t *s;
  double amax = 1e-6;
  guint32 *px;
  int stride;

  if (h->act == NULL || unit >= h->units)
    return NULL;
  for (int k = 0; k < DS_UNIT_RES * DS_UNIT_RES; k++)
    amax = MAX (amax, fabs (h->act[(size_t) k * h->units + unit]));
  *dead = amax <= 1e-6;
  s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, DS_UNIT_RES, DS_UNIT_RES);
  cairo_surface_flush (s);
  px = (guint32 *) cairo_image_surface_get_data (s);
  stride = cairo_image_surface_get_stride (s) / 4;
  for (int r = 0; r < DS_UNIT_RES; r++)
    for (int c = 0; c < DS_UNIT_RES; c++)
      {
        double v = h->act[(size_t) (r * DS_UNIT_RES + c) * h->units + unit] / amax;

        /* Diverging: blue below zero, orange above, white at zero. */
        px[r * stride + c] = ds_colors_diverging_pixel (v);
      }
  cairo_surface_mark_dirty (s);
  return s;
}

cairo_surface_t *
ds_map_paint_feature (NnFeature f,
                      double    x0,
                      double    x1,
                      double    y0,
                      double    y1)
{
  const int n = DS_UNIT_RES * DS_UNIT_RES;
  g_autofree float *xy = g_new (float, (size_t) n * 2);
  g_autofree float *v = g_new (float, n);
  cairo_surface_t *s;
  double amax = 1e-6;
  guint32 *px;
  int stride;

  g_return_val_if_fail (f < NN_N_FEATURES, NULL);
  /* The cells' centres, as the decision map places them (row 0 the top). */
  for (int r = 0; r < DS_UNIT_RES; r++)
    for (int c = 0; c < DS_UNIT_RES; c++)
      {
        xy[2 * (r * DS_UNIT_RES + c)] = (float) (x0 + (c + 0.5) / DS_UNIT_RES * (x1 - x0));
        xy[2 * (r * DS_UNIT_RES + c) + 1] = (float) (y1 - (r + 0.5) / DS_UNIT_RES * (y1 - y0));
      }
  nn_features_compute (1u << f, xy, n, v);
  for (int k = 0; k < n; k++)
    amax = MAX (amax, fabs (v[k]));
  s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, DS_UNIT_RES, DS_UNIT_RES);
  cairo_surface_flush (s);
  px = (guint32 *) cairo_image_surface_get_data (s);
  stride = cairo_image_surface_get_stride (s) / 4;
  for (int r = 0; r < DS_UNIT_RES; r++)
    for (int c = 0; c < DS_UNIT_RES; c++)
      px[r * stride + c] = ds_colors_diverging_pixel (v[r * DS_UNIT_RES + c] / amax);
  cairo_surface_mark_dirty (s);
  return s;
}

const float *
ds_map_job_kernel (const DsMapJob *job,
                   int             layer,
                   int            *in,
                   int            *units,
                   double         *max_abs)
{
  NnTensor view;

  *max_abs = 0;
  if (job == NULL || layer < 0 || layer >= nn_model_get_n_layers (job->model)
      || nn_model_layer_get_n_weights (job->model, layer) < 1
      || nn_model_layer_get_weight (job->model, layer, 0, &view) == NULL || view.ndim != 2)
    return NULL;
  *in = view.shape[0];
  *units = view.shape[1];
  for (size_t k = 0; k < view.size; k++)
    *max_abs = MAX (*max_abs, fabs (view.data[k]));
  return view.data;
}
