/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Filter visualization (nn_inspector_filters): the inputs that maximize the
 * mean of chosen channels of a layer, found together by gradient ascent in
 * input space, one batch sample per channel. */
#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "nn.h"
#include "nn-inspect-private.h"

/* The most steps one call takes (a slip of the finger, not a choice). */
#define MAX_STEPS 100000
/* A sample whose gradient is zero everywhere gets fresh noise of this
 * amplitude at least, doubled each time, up to KICK_MAX. */
#define KICK_MIN 0.05f
#define KICK_MAX 2.0f
/* The floor under the starting mean in the gains. */
#define GAIN_FLOOR 1e-6

void
nn_filter_config_init (NnFilterConfig *c)
{
  g_return_if_fail (c != NULL);
  memset (c, 0, sizeof *c);
  c->steps = 40;
  c->step_size = 0.2f;
  c->jitter = 0;
  c->blur = 0.0f;
  c->noise = 0.02f;
  c->seed = 1;
  c->raw = FALSE;
}

/* An image's geometry as (H, W, C). */
typedef struct {
  int h, w, c;
  size_t per; /* H * W * C */
} Geom;

/* Rolls each image of images (n, H, W, C) by (dy, dx), wrapping around. */
static void
roll (float *images, int n, const Geom *g, int dy, int dx, float *tmp)
{
  if (dy == 0 && dx == 0)
    return;
  size_t row = (size_t) g->w * (size_t) g->c;
  for (int b = 0; b < n; b++)
    {
      float *img = images + (size_t) b * g->per;
      for (int y = 0; y < g->h; y++)
        {
          int ty = ((y + dy) % g->h + g->h) % g->h;
          for (int x = 0; x < g->w; x++)
            {
              int tx = ((x + dx) % g->w + g->w) % g->w;
              memcpy (tmp + (size_t) ty * row + (size_t) tx * (size_t) g->c,
                      img + (size_t) y * row + (size_t) x * (size_t) g->c,
                      (size_t) g->c * sizeof (float));
            }
        }
      memcpy (img, tmp, g->per * sizeof (float));
    }
}

/* A separable Gaussian blur of each channel of each image, edges clamped. */
static void
blur (float *images, int n, const Geom *g, float sigma, float *tmp)
{
  int r = (int) ceilf (3.0f * sigma);
  if (r < 1)
    return;
  g_autofree float *k = g_new (float, 2 * r + 1);
  float ks = 0;
  for (int i = -r; i <= r; i++)
    ks += k[i + r] = expf (-(float) (i * i) / (2.0f * sigma * sigma));
  for (int i = 0; i <= 2 * r; i++)
    k[i] /= ks;
  size_t row = (size_t) g->w * (size_t) g->c;
  for (int b = 0; b < n; b++)
    {
      float *img = images + (size_t) b * g->per;
      /* along x into tmp, then along y back into img */
      for (int y = 0; y < g->h; y++)
        for (int x = 0; x < g->w; x++)
          for (int ch = 0; ch < g->c; ch++)
            {
              float s = 0;
              for (int i = -r; i <= r; i++)
                {
                  int xx = CLAMP (x + i, 0, g->w - 1);
                  s += k[i + r] * img[(size_t) y * row + (size_t) xx * (size_t) g->c + (size_t) ch];
                }
              tmp[(size_t) y * row + (size_t) x * (size_t) g->c + (size_t) ch] = s;
            }
      for (int y = 0; y < g->h; y++)
        for (int x = 0; x < g->w; x++)
          for (int ch = 0; ch < g->c; ch++)
            {
              float s = 0;
              for (int i = -r; i <= r; i++)
                {
                  int yy = CLAMP (y + i, 0, g->h - 1);
                  s += k[i + r] * tmp[(size_t) yy * row + (size_t) x * (size_t) g->c + (size_t) ch];
                }
              img[(size_t) y * row + (size_t) x * (size_t) g->c + (size_t) ch] = s;
            }
    }
}

/* One step up the gradient g of one image, divided by its root mean
 * square; FALSE (and no step) when g is zero everywhere. */
static gboolean
ascend (float *img, const float *g, size_t per, float step_size)
{
  double ss = 0;
  for (size_t i = 0; i < per; i++)
    ss += (double) g[i] * g[i];
  double rms = sqrt (ss / (double) per);
  if (!(rms > 0) || !isfinite (rms))
    return FALSE;
  float s = (float) (step_size / rms);
  for (size_t i = 0; i < per; i++)
    img[i] += s * g[i];
  return TRUE;
}

/* Each image rescaled to [0, 1] (a flat image to 0.5). */
static void
rescale (NnTensor *t, int n)
{
  size_t per = t->size / (size_t) n;
  for (int b = 0; b < n; b++)
    {
      float *img = t->data + (size_t) b * per;
      float lo = img[0], hi = img[0];
      for (size_t i = 1; i < per; i++)
        {
          lo = MIN (lo, img[i]);
          hi = MAX (hi, img[i]);
        }
      for (size_t i = 0; i < per; i++)
        img[i] = hi > lo ? (img[i] - lo) / (hi - lo) : 0.5f;
    }
}

/* Per sample b, the mean of its channel channels[b] in value (n, H', W', K). */
static void
channel_means (const NnTensor *value, const int *channels, int n, double *means)
{
  size_t per = value->size / (size_t) n;
  int k_n = value->shape[value->ndim - 1];
  size_t positions = per / (size_t) k_n;
  for (int b = 0; b < n; b++)
    {
      const float *v = value->data + (size_t) b * per;
      double s = 0;
      for (size_t p = 0; p < positions; p++)
        s += v[p * (size_t) k_n + (size_t) channels[b]];
      means[b] = s / (double) positions;
    }
}

/* An inspector of a copy of the model in which the probe's layer has no
 * activation, when that activation is a ReLU: on it the mean of a channel
 * before its ReLU can be climbed where the channel itself is zero at every
 * position and gives no gradient. NULL when the probe has no such layer
 * (its image is then moved by noise instead). */
static NnInspector *
pre_relu_twin (NnInspector *in, const NnProbe *pr)
{
  g_autoptr (NnModel) copy = nn_model_copy (nn_inspector_get_model (in));
  g_auto (GStrv) parts = g_strsplit (pr->path, "/", -1);
  NnModel *m = copy;
  int layer = -1;
  for (int i = 0; parts[i] != NULL; i++)
    {
      if (m == NULL || (layer = nn_model_find_layer (m, parts[i])) < 0)
        return NULL;
      if (parts[i + 1] != NULL)
        m = nn_model_layer_get_submodel (m, layer);
    }
  g_autofree char *act = nn_model_layer_dup_param_text (m, layer, "activation");
  if (act == NULL || !g_str_equal (act, "relu")
      || !nn_model_layer_set_param (m, layer, "activation", "linear", NULL))
    return NULL;
  return nn_inspector_new (copy, NULL);
}

/* Hands the images to progress (rescaled unless raw); FALSE cancels. */
static gboolean
report (NnFilterProgress progress, gpointer user_data, int step, int steps, const NnTensor *images,
        int n, gboolean raw)
{
  if (progress == NULL)
    return TRUE;
  if (raw)
    return progress (step, steps, images, user_data);
  g_autoptr (NnTensor) shown = nn_tensor_copy (images);
  rescale (shown, n);
  return progress (step, steps, shown, user_data);
}

static gboolean
check_config (const NnFilterConfig *cfg, GError **error)
{
  if (cfg->steps < 1 || cfg->steps > MAX_STEPS)
    g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                 _("Filter visualization takes 1 to %d steps, not %d"), MAX_STEPS, cfg->steps);
  else if (!(cfg->step_size > 0.0f) || !isfinite (cfg->step_size))
    g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                 _("The step size of filter visualization must be a positive number, not %g "
                 "(the default is 0.2)"),
                 cfg->step_size);
  else if (cfg->jitter < 0)
    g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                 _("The jitter must be 0 (off) or a number of pixels, not %d"), cfg->jitter);
  else if (!(cfg->blur >= 0.0f) || !isfinite (cfg->blur))
    g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                 _("The blur must be 0 (off) or a sigma in pixels, not %g"), cfg->blur);
  else if (!(cfg->noise >= 0.0f) || !isfinite (cfg->noise))
    g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                 _("The starting noise must be 0 or a positive amplitude, not %g"), cfg->noise);
  else
    return TRUE;
  return FALSE;
}

/* The probe to visualize, or NULL with the reason: a spatial layer and
 * channels it has. */
static const NnProbe *
check_request (NnInspector *in, int probe, const int *channels, int n_channels, GError **error)
{
  int n_probes = nn_inspector_get_n_probes (in);
  if (probe < 0 || probe >= n_probes)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("There is no layer number %d to visualize: the model has %d, 0 to %d"), probe,
                   n_probes, n_probes - 1);
      return NULL;
    }
  const NnProbe *pr = nn_inspector_get_probe (in, probe);
  if (!pr->spatial || pr->ndim < 3)
    {
      g_autofree char *shape = nn_shape_to_string (pr->ndim, pr->shape, 0);
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("Layer “%s” gives %s, not an image (height, width, channels): pick a "
                   "convolutional layer to see its filters"),
                   pr->path, shape);
      return NULL;
    }
  int k_n = pr->shape[pr->ndim - 1];
  if (channels == NULL || n_channels < 1)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("Name at least one channel of layer “%s” to visualize (it has %d)"), pr->path,
                   k_n);
      return NULL;
    }
  for (int b = 0; b < n_channels; b++)
    if (channels[b] < 0 || channels[b] >= k_n)
      {
        g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                     _("Layer “%s” has %d channels, 0 to %d: there is no channel %d"), pr->path, k_n,
                     k_n - 1, channels[b]);
        return NULL;
      }
  return pr;
}

/* The seed of each image's backward pass: d(mean of channel c_b over the
 * probe's positions) / d(probe output), (n, probe shape...). */
static NnTensor *
mean_seed (const NnProbe *pr, const int *channels, int n)
{
  int shape[NN_MAX_DIMS] = { n };
  int k_n = pr->shape[pr->ndim - 1];
  memcpy (shape + 1, pr->shape, sizeof (int) * (size_t) pr->ndim);
  NnTensor *seed = nn_tensor_new (pr->ndim + 1, shape);
  size_t probe_per = seed->size / (size_t) n;
  size_t positions = probe_per / (size_t) k_n;
  for (int b = 0; b < n; b++)
    for (size_t p = 0; p < positions; p++)
      seed->data[(size_t) b * probe_per + p * (size_t) k_n + (size_t) channels[b]]
          = 1.0f / (float) positions;
  return seed;
}

/* The images whose channel is zero everywhere (a ReLU below its threshold
 * at every position) get no gradient: climb the channel's mean before the
 * ReLU instead, on twin, the dead images as one batch. Returns how many are
 * still without a gradient (their indices first in dead), or -1 with error. */
static int
climb_dead (NnInspector *twin, const NnProbe *pr, int probe, NnTensor *images,
            const NnTensor *seed, int *dead, int n_dead, const Geom *geom, float step_size,
            GError **error)
{
  int n = images->shape[0];
  size_t probe_per = seed->size / (size_t) n;
  int dshape[NN_MAX_DIMS] = { n_dead };
  memcpy (dshape + 1, images->shape + 1, sizeof (int) * (size_t) (images->ndim - 1));
  g_autoptr (NnTensor) d_img = nn_tensor_new (images->ndim, dshape);
  memcpy (dshape + 1, pr->shape, sizeof (int) * (size_t) pr->ndim);
  g_autoptr (NnTensor) d_seed = nn_tensor_new (pr->ndim + 1, dshape);
  for (int i = 0; i < n_dead; i++)
    {
      memcpy (d_img->data + (size_t) i * geom->per, images->data + (size_t) dead[i] * geom->per,
              geom->per * sizeof (float));
      memcpy (d_seed->data + (size_t) i * probe_per, seed->data + (size_t) dead[i] * probe_per,
              probe_per * sizeof (float));
    }
  g_autoptr (NnTensor) d_grad = nn_inspector_input_gradient (twin, d_img, probe, d_seed, NULL,
                                                             error);
  if (d_grad == NULL)
    return -1;
  int still = 0;
  for (int i = 0; i < n_dead; i++)
    if (!ascend (images->data + (size_t) dead[i] * geom->per,
                 d_grad->data + (size_t) i * geom->per, geom->per, step_size))
      dead[still++] = dead[i];
  return still;
}

/* gains[b]: channel c_b's mean on the final images over its mean at the
 * start (floored): one more forward pass. */
static gboolean
final_gains (NnInspector *in, const NnTensor *images, int probe, const NnTensor *seed,
             const int *channels, const double *start, double *gains, GError **error)
{
  int n = images->shape[0];
  NnTensor *value = NULL;
  g_autoptr (NnTensor) grad = nn_inspector_input_gradient (in, images, probe, seed, &value, error);
  if (grad == NULL)
    return FALSE;
  g_autofree double *final = g_new (double, n);
  channel_means (value, channels, n, final);
  nn_tensor_free (value);
  for (int b = 0; b < n; b++)
    gains[b] = final[b] / MAX (start[b], GAIN_FLOOR);
  return TRUE;
}

NnTensor *
nn_inspector_filters (NnInspector *in, int probe, const int *channels, int n_channels,
                      const NnFilterConfig *cfg, NnFilterProgress progress, gpointer user_data,
                      double *gains, GError **error)
{
  g_return_val_if_fail (in != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  NnFilterConfig defaults;
  if (cfg == NULL)
    {
      nn_filter_config_init (&defaults);
      cfg = &defaults;
    }
  if (!check_config (cfg, error))
    return NULL;
  const NnProbe *pr = check_request (in, probe, channels, n_channels, error);
  if (pr == NULL)
    return NULL;

  int in_shape[NN_MAX_DIMS] = { 0 };
  int in_ndim = nn_inspector_get_input_shape (in, in_shape);
  Geom geom = { 1, 1, 1, 0 };
  if (in_ndim == 1)
    geom.w = in_shape[0];
  else if (in_ndim == 2)
    geom.h = in_shape[0], geom.w = in_shape[1];
  else
    {
      geom.h = in_shape[0], geom.w = in_shape[1];
      geom.c = (int) nn_shape_size (in_ndim - 2, in_shape + 2);
    }
  geom.per = (size_t) geom.h * (size_t) geom.w * (size_t) geom.c;
  int n = n_channels;

  int shape[NN_MAX_DIMS] = { n };
  memcpy (shape + 1, in_shape, sizeof (int) * (size_t) in_ndim);
  g_autoptr (NnTensor) images = nn_tensor_new (in_ndim + 1, shape);
  NnRng rng;
  nn_rng_seed (&rng, cfg->seed);
  for (size_t i = 0; i < images->size; i++)
    images->data[i] = 0.5f + cfg->noise * (2.0f * nn_rng_uniform (&rng) - 1.0f);

  /* d(mean of channel c_b over the H' x W' positions) / d(probe output) */
  g_autoptr (NnTensor) seed = mean_seed (pr, channels, n);

  g_autofree float *tmp = g_new (float, geom.per);
  g_autofree float *kick = g_new (float, n);
  g_autofree double *start = g_new0 (double, n);
  g_autofree int *dead = g_new (int, n);
  g_autoptr (NnInspector) twin = NULL;
  gboolean twin_tried = FALSE;
  for (int b = 0; b < n; b++)
    kick[b] = MAX (cfg->noise, KICK_MIN);

  /* A convolution's filters: each image computes only its own channel. */
  NnSlicedConv sliced;
  if (!nn_sliced_conv_find (in, probe, n, &sliced, error))
    return NULL;

  if (!report (progress, user_data, 0, cfg->steps, images, n, cfg->raw))
    goto cancelled;

  for (int step = 0; step < cfg->steps; step++)
    {
      /* The first step sees the starting images as they are, so that its
       * forward pass gives the starting means. */
      int dy = 0, dx = 0;
      if (cfg->jitter > 0 && step > 0)
        {
          dy = (int) nn_rng_below (&rng, 2 * (guint32) cfg->jitter + 1) - cfg->jitter;
          dx = (int) nn_rng_below (&rng, 2 * (guint32) cfg->jitter + 1) - cfg->jitter;
          roll (images->data, n, &geom, dy, dx, tmp);
        }
      NnTensor *value = NULL;
      g_autoptr (NnTensor) grad = NULL;
      if (sliced.ok)
        grad = nn_sliced_conv_gradient (in, &sliced, images, channels, step == 0 ? start : NULL,
                                        error);
      else
        grad = nn_inspector_input_gradient (in, images, probe, seed, step == 0 ? &value : NULL,
                                            error);
      if (grad == NULL)
        return NULL;
      if (value != NULL)
        {
          channel_means (value, channels, n, start);
          nn_tensor_free (value);
        }
      int n_dead = 0;
      for (int b = 0; b < n; b++)
        {
          float *img = images->data + (size_t) b * geom.per;
          if (!ascend (img, grad->data + (size_t) b * geom.per, geom.per, cfg->step_size))
            dead[n_dead++] = b;
        }
      /* (the sliced route has already climbed dead channels before their ReLU) */
      if (n_dead > 0 && twin == NULL && !twin_tried && !sliced.ok)
        {
          twin = pre_relu_twin (in, pr);
          twin_tried = TRUE;
        }
      if (n_dead > 0 && twin != NULL && !sliced.ok)
        {
          n_dead = climb_dead (twin, pr, probe, images, seed, dead, n_dead, &geom,
                               cfg->step_size, error);
          if (n_dead < 0)
            return NULL;
        }
      for (int i = 0; i < n_dead; i++)
        {
          /* nothing to climb at all: new noise, stronger each time */
          int b = dead[i];
          float *img = images->data + (size_t) b * geom.per;
          for (size_t j = 0; j < geom.per; j++)
            img[j] += kick[b] * (2.0f * nn_rng_uniform (&rng) - 1.0f);
          kick[b] = MIN (2.0f * kick[b], KICK_MAX);
        }
      roll (images->data, n, &geom, -dy, -dx, tmp);
      if (cfg->blur > 0.0f && (step + 1) % 4 == 0)
        blur (images->data, n, &geom, cfg->blur, tmp);
      if (!report (progress, user_data, step + 1, cfg->steps, images, n, cfg->raw))
        goto cancelled;
    }

  if (gains != NULL && sliced.ok)
    {
      g_autofree double *final = g_new (double, n);
      g_autoptr (NnTensor) last = nn_sliced_conv_gradient (in, &sliced, images, channels, final,
                                                           error);
      if (last == NULL)
        return NULL;
      for (int b = 0; b < n; b++)
        gains[b] = final[b] / MAX (start[b], GAIN_FLOOR);
    }
  else if (gains != NULL
           && !final_gains (in, images, probe, seed, channels, start, gains, error))
    return NULL;
  if (!cfg->raw)
    rescale (images, n);
  return g_steal_pointer (&images);

cancelled:
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
               _("Filter visualization of layer “%s” was cancelled"), pr->path);
  return NULL;
}
