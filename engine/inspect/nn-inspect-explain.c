/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Why a model gives one input its class: Grad-CAM, the saliency map and
 * occlusion sensitivity (nn_inspector_explain), built on the inspector's
 * gradient and prediction primitives. */
#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "nn.h"
#include "nn-graph-private.h"
#include "nn-inspect-private.h"

/* Occluded copies go through the model this many at a time. */
#define OCCLUSION_BATCH 64

void
nn_explain_config_init (NnExplainConfig *c)
{
  g_return_if_fail (c != NULL);
  memset (c, 0, sizeof *c);
  c->kind = NN_EXPLAIN_GRADCAM;
  c->probe = -1;
  c->class_index = -1;
  c->patch = 0;
  c->stride = 0;
  c->fill = NAN;
}

/* The name of the layer behind output 0, for messages. */
static const char *
output_name (const NnModel *m)
{
  NnRef r = nn_model_get_output (m, 0);
  return nn_model_layer_get_name (m, r.layer);
}

/* Units of output 0 (1 for one sigmoid unit). */
static int
output_units (const NnModel *m)
{
  int ndim = 0, shape[NN_MAX_DIMS] = { 0 };
  if (!nn_model_get_shape (m, nn_model_get_output (m, 0), &ndim, shape) || ndim < 1)
    return 0;
  return (int) nn_shape_size (ndim, shape);
}

/* The probability that an output row gives class c. */
static double
class_probability (const float *row, int units, int c)
{
  if (units == 1)
    return c == 1 ? row[0] : 1.0 - row[0];
  return row[c];
}

/* The class an output row predicts: as nn_model_evaluate counts accuracy
 * (one sigmoid unit: p > 0.5; else the first largest). */
static int
predicted_class (const float *row, int units)
{
  if (units == 1)
    return row[0] > 0.5f;
  int best = 0;
  for (int j = 1; j < units; j++)
    if (row[j] > row[best])
      best = j;
  return best;
}

/* Checks that input is one sample of the inspector's input shape. */
static gboolean
check_input (NnInspector *in, const NnTensor *input, GError **error)
{
  int shape[NN_MAX_DIMS] = { 0 };
  int ndim = nn_inspector_get_input_shape (in, shape);
  if (input->ndim != ndim + 1 || input->shape[0] != 1
      || !nn_shape_equal (ndim, shape, input->ndim - 1, input->shape + 1))
    {
      g_autofree char *want = nn_shape_to_string (ndim, shape, 0);
      g_autofree char *got = nn_shape_to_string (input->ndim, input->shape, 0);
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The input to explain must be one sample of shape (1, %s, not %s: "
                   "convert it to the model's input shape first"),
                   want + 1, got);
      return FALSE;
    }
  return TRUE;
}

/* The input's per-sample shape as (H, W, C): a flat input is one row, a
 * two-axis input one channel. */
static void
input_hwc (NnInspector *in, int *h, int *w, int *c)
{
  int shape[NN_MAX_DIMS] = { 0 };
  int ndim = nn_inspector_get_input_shape (in, shape);
  *h = 1, *w = 1, *c = 1;
  if (ndim == 1)
    *w = shape[0];
  else if (ndim == 2)
    *h = shape[0], *w = shape[1];
  else if (ndim >= 3)
    {
      *h = shape[0], *w = shape[1];
      *c = (int) nn_shape_size (ndim - 2, shape + 2);
    }
}

/* The probe of the model's first Input layer: d/d(its output) is d/d(input). */
static int
input_probe (NnInspector *in)
{
  const NnModel *m = nn_inspector_get_model (in);
  int layer = nn_model_get_input_layer (m, 0);
  for (int p = 0; p < nn_inspector_get_n_probes (in); p++)
    {
      const NnProbe *pr = nn_inspector_get_probe (in, p);
      if (pr->depth == 0 && pr->ref.layer == layer)
        return p;
    }
  return -1;
}

/* d/d(class c's logit): one sigmoid unit's logit z is class 1's, -z class 0's. */
static NnTensor *
logit_seed (int units, int c)
{
  NnTensor *seed = nn_tensor_new (2, (int[]){ 1, units });
  if (units == 1)
    seed->data[0] = c == 1 ? 1.0f : -1.0f;
  else
    seed->data[c] = 1.0f;
  return seed;
}

/* Divides the map by its maximum (all zeros when it is not positive). */
static void
normalize_by_max (NnTensor *map)
{
  float mx = 0.0f;
  for (size_t i = 0; i < map->size; i++)
    mx = MAX (mx, map->data[i]);
  if (mx > 0.0f && isfinite (mx))
    nn_tensor_scale (map, 1.0f / mx);
  else
    nn_tensor_fill (map, 0.0f);
}

/* d(class logit)/d(probe output), (1, probe shape...), in one forward pass
 * of the inspector's gradient graph and the backward from the logits down
 * to the probe only: the same pass gives the class (class_index -1: the
 * predicted one) and its probability, so no separate prediction runs.
 * *probe_value (may be NULL) gets the probe's output. */
static NnTensor *
class_gradient (NnInspector *in, const NnTensor *input, int probe, int class_index, int units,
                int *cls, double *base, NnTensor **probe_value, GError **error)
{
  NnCompiled *c = nn_inspector_gradient_graph (in, 1, error);
  if (c == NULL)
    return NULL;
  int node = nn_inspector_probe_node (in, c, probe);
  int logits = nn_inspector_logits_node (in, c), out = c->output_nodes[0];
  NnNode *x = nn_graph_node (c->g, c->input_nodes[0]);
  nn_graph_set_batch (c->g, 1);
  memcpy (x->value, input->data, input->size * sizeof (float));
  nn_graph_forward_to (c->g, MAX (out, node));
  const float *row = nn_graph_node (c->g, out)->value;
  *cls = class_index >= 0 ? class_index : predicted_class (row, units);
  *base = class_probability (row, units, *cls);
  g_autoptr (NnTensor) seed = logit_seed (units, *cls);
  nn_graph_backward_seeded (c->g, logits, seed->data, node);

  const NnProbe *pr = nn_inspector_get_probe (in, probe);
  int shape[NN_MAX_DIMS + 1] = { 1 };
  memcpy (shape + 1, pr->shape, sizeof (int) * (size_t) pr->ndim);
  NnTensor *grad = nn_tensor_new (pr->ndim + 1, shape);
  NnNode *p = nn_graph_node (c->g, node);
  /* a probe the logits do not depend on has no gradient: zeros */
  if (p->grad != NULL)
    memcpy (grad->data, p->grad, grad->size * sizeof (float));
  if (probe_value != NULL)
    {
      *probe_value = nn_tensor_new (pr->ndim + 1, shape);
      memcpy ((*probe_value)->data, p->value, grad->size * sizeof (float));
    }
  return grad;
}

/* Grad-CAM: α_k = mean over positions of ∂logit/∂A_k; map = ReLU(Σ_k α_k A_k). */
static NnTensor *
explain_gradcam (NnInspector *in, const NnTensor *input, int probe, int class_index, int units,
                 int *cls, double *base, GError **error)
{
  NnTensor *a = NULL;
  g_autoptr (NnTensor)
      g = class_gradient (in, input, probe, class_index, units, cls, base, &a, error);
  g_autoptr (NnTensor) act = a;
  if (g == NULL)
    return NULL;
  const NnProbe *pr = nn_inspector_get_probe (in, probe);
  int h = pr->shape[0], w = pr->shape[1];
  int k_n = (int) nn_shape_size (pr->ndim - 2, pr->shape + 2);
  size_t hw = (size_t) h * (size_t) w;
  g_autofree double *alpha = g_new0 (double, k_n);
  /* (H, W, K): channels last */
  for (size_t p = 0; p < hw; p++)
    for (int k = 0; k < k_n; k++)
      alpha[k] += g->data[p * (size_t) k_n + (size_t) k];
  for (int k = 0; k < k_n; k++)
    alpha[k] /= (double) hw;
  NnTensor *map = nn_tensor_new (2, (int[]){ h, w });
  for (size_t p = 0; p < hw; p++)
    {
      double s = 0;
      for (int k = 0; k < k_n; k++)
        s += alpha[k] * act->data[p * (size_t) k_n + (size_t) k];
      map->data[p] = s > 0 ? (float) s : 0.0f;
    }
  normalize_by_max (map);
  return map;
}

/* Saliency: max over channels of |∂logit/∂input|. */
static NnTensor *
explain_saliency (NnInspector *in, const NnTensor *input, int class_index, int units, int *cls,
                  double *base, GError **error)
{
  int probe = input_probe (in);
  if (probe < 0)
    {
      g_set_error (
          error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
          _("The inspector lists no probe for the model's input layer “%s”, which the "
          "saliency map needs"),
          nn_model_layer_get_name (nn_inspector_get_model (in),
                                   nn_model_get_input_layer (nn_inspector_get_model (in), 0)));
      return NULL;
    }
  g_autoptr (NnTensor)
      g = class_gradient (in, input, probe, class_index, units, cls, base, NULL, error);
  if (g == NULL)
    return NULL;
  int h, w, c;
  input_hwc (in, &h, &w, &c);
  NnTensor *map = nn_tensor_new (2, (int[]){ h, w });
  for (size_t p = 0; p < (size_t) h * (size_t) w; p++)
    {
      float mx = 0.0f;
      for (int k = 0; k < c; k++)
        mx = MAX (mx, fabsf (g->data[p * (size_t) c + (size_t) k]));
      map->data[p] = mx;
    }
  normalize_by_max (map);
  return map;
}

/* Patch corners along one axis: every `stride` from 0, and the last one
 * flush with the far edge so that every pixel is covered. */
static int
patch_starts (int size, int patch, int stride, int *starts)
{
  int n = 0;
  for (int s = 0; s + patch < size; s += stride)
    starts[n++] = s;
  if (n == 0 || starts[n - 1] != size - patch)
    starts[n++] = size - patch;
  return n;
}

/* Occlusion: the class's probability without a patch minus with it,
 * averaged over the patches covering each pixel. */
static NnTensor *
explain_occlusion (NnInspector *in, const NnTensor *input, const NnExplainConfig *cfg, int cls,
                   int units, double base, GError **error)
{
  int h, w, c;
  input_hwc (in, &h, &w, &c);
  if (cfg->patch < 0 || cfg->stride < 0)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The occlusion patch (%d) and stride (%d) must not be negative: use 0 for "
                   "the defaults"),
                   cfg->patch, cfg->stride);
      return NULL;
    }
  int patch = cfg->patch > 0 ? cfg->patch : MAX (2, MIN (h, w) / 7);
  int stride = cfg->stride > 0 ? cfg->stride : MAX (1, patch / 2);
  int ph = MIN (patch, h), pw = MIN (patch, w);
  float fill = cfg->fill;
  if (isnan (fill))
    fill = nn_tensor_mean (input);
  g_autofree int *ys = g_new (int, h + 1);
  g_autofree int *xs = g_new (int, w + 1);
  int ny = patch_starts (h, ph, stride, ys);
  int nx = patch_starts (w, pw, stride, xs);
  int n_patches = ny * nx;
  size_t per = input->size;

  g_autofree double *sum = g_new0 (double, (size_t) h *(size_t) w);
  g_autofree int *count = g_new0 (int, (size_t) h *(size_t) w);
  for (int first = 0; first < n_patches; first += OCCLUSION_BATCH)
    {
      int b_n = MIN (OCCLUSION_BATCH, n_patches - first);
      int shape[NN_MAX_DIMS];
      memcpy (shape, input->shape, sizeof shape);
      shape[0] = b_n;
      g_autoptr (NnTensor) batch = nn_tensor_new (input->ndim, shape);
      for (int b = 0; b < b_n; b++)
        {
          int y0 = ys[(first + b) / nx], x0 = xs[(first + b) % nx];
          float *img = batch->data + (size_t) b * per;
          memcpy (img, input->data, per * sizeof (float));
          /* (H, W, C) */
          for (int y = y0; y < y0 + ph; y++)
            for (int x = x0; x < x0 + pw; x++)
              for (int k = 0; k < c; k++)
                img[((size_t) y * (size_t) w + (size_t) x) * (size_t) c + (size_t) k] = fill;
        }
      g_autoptr (NnTensor) out = nn_inspector_predict (in, batch, error);
      if (out == NULL)
        return NULL;
      for (int b = 0; b < b_n; b++)
        {
          int y0 = ys[(first + b) / nx], x0 = xs[(first + b) % nx];
          double drop = base
                        - class_probability (out->data + (size_t) b * (size_t) units, units, cls);
          for (int y = y0; y < y0 + ph; y++)
            for (int x = x0; x < x0 + pw; x++)
              {
                sum[(size_t) y * (size_t) w + (size_t) x] += drop;
                count[(size_t) y * (size_t) w + (size_t) x]++;
              }
        }
    }
  NnTensor *map = nn_tensor_new (2, (int[]){ h, w });
  for (size_t p = 0; p < (size_t) h * (size_t) w; p++)
    map->data[p] = count[p] ? (float) (sum[p] / count[p]) : 0.0f;
  return map;
}

NnTensor *
nn_inspector_explain (NnInspector *in, const NnTensor *input, const NnExplainConfig *cfg,
                      int *class_out, double *score, GError **error)
{
  g_return_val_if_fail (in != NULL, NULL);
  g_return_val_if_fail (input != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  NnExplainConfig defaults;
  if (cfg == NULL)
    {
      nn_explain_config_init (&defaults);
      cfg = &defaults;
    }
  const NnModel *m = nn_inspector_get_model (in);
  int n_classes = nn_inspector_get_n_classes (in);
  int units = output_units (m);
  if (n_classes <= 0 || units <= 0)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("Output “%s” does not classify (it has no softmax or sigmoid): explanations "
                   "need a class to explain"),
                   output_name (m));
      return NULL;
    }
  if (cfg->class_index < -1 || cfg->class_index >= n_classes)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("Class %d is out of range: output “%s” has %d classes, 0 to %d (or -1 for "
                   "the predicted one)"),
                   cfg->class_index, output_name (m), n_classes, n_classes - 1);
      return NULL;
    }
  if (cfg->kind != NN_EXPLAIN_GRADCAM && cfg->kind != NN_EXPLAIN_SALIENCY
      && cfg->kind != NN_EXPLAIN_OCCLUSION)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("Unknown explanation %d: use Grad-CAM, saliency or occlusion"), cfg->kind);
      return NULL;
    }
  if (!check_input (in, input, error))
    return NULL;

  int probe = -1;
  if (cfg->kind == NN_EXPLAIN_GRADCAM)
    {
      int n_probes = nn_inspector_get_n_probes (in);
      probe = cfg->probe >= 0 ? cfg->probe : nn_inspector_default_cam_probe (in);
      if (cfg->probe < -1 || cfg->probe >= n_probes)
        {
          g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                       _("There is no layer number %d to explain at: the model has %d, 0 to %d "
                       "(or -1 for the last convolutional one)"),
                       cfg->probe, n_probes, n_probes - 1);
          return NULL;
        }
      if (probe < 0)
        {
          g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                       _("The model has no layer whose output is an image (height, width, "
                       "channels): Grad-CAM needs a convolutional layer; use saliency or "
                       "occlusion instead"));
          return NULL;
        }
      const NnProbe *pr = nn_inspector_get_probe (in, probe);
      if (!pr->spatial || pr->ndim < 3)
        {
          g_autofree char *shape = nn_shape_to_string (pr->ndim, pr->shape, 0);
          g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                       _("Layer “%s” gives %s, not an image (height, width, channels): pick a "
                       "convolutional layer for Grad-CAM"),
                       pr->path, shape);
          return NULL;
        }
    }

  int cls = -1;
  double base = NAN;
  NnTensor *map = NULL;
  if (cfg->kind == NN_EXPLAIN_GRADCAM)
    map = explain_gradcam (in, input, probe, cfg->class_index, units, &cls, &base, error);
  else if (cfg->kind == NN_EXPLAIN_SALIENCY)
    map = explain_saliency (in, input, cfg->class_index, units, &cls, &base, error);
  else
    {
      /* The class and its probability on the input as given. */
      g_autoptr (NnTensor) out = nn_inspector_predict (in, input, error);
      if (out == NULL)
        return NULL;
      cls = cfg->class_index >= 0 ? cfg->class_index : predicted_class (out->data, units);
      base = class_probability (out->data, units, cls);
      map = explain_occlusion (in, input, cfg, cls, units, base, error);
    }
  if (map == NULL)
    return NULL;
  if (class_out)
    *class_out = cls;
  if (score)
    *score = base;
  return map;
}
