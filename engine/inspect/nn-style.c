/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Neural style transfer (nn-style.h): the losses of Chollet's book (Gram
 * matrices for style, one upper layer for content, total variation) with
 * their gradients w.r.t. the input image, one backward pass per iteration
 * for all of them, and Adam in input space from the content image.
 *
 * The feature network runs at the content's size: as for DeepDream, the
 * model is cut down to the chosen layers (nn_inspect_cut_model) and given
 * an Input of that size (nn_inspect_model_at_size), then compiled for
 * input gradients through an inspector. */
#include <cblas.h>
#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "nn-inspect-private.h"
#include "nn-parallel-private.h"
#include "nn-style.h"

#define MAX_ITERATIONS 100000
#define ADAM_BETA1 0.9
#define ADAM_BETA2 0.999
#define ADAM_EPS 1e-8

void
nn_style_config_init (NnStyleConfig *c)
{
  g_return_if_fail (c != NULL);
  memset (c, 0, sizeof *c);
  c->content_weight = 1.0;
  c->style_weight = 1e6;
  c->tv_weight = 1e-4;
  c->iterations = 200;
  c->learning_rate = 0.02;
}

void
nn_style_config_clear (NnStyleConfig *c)
{
  g_return_if_fail (c != NULL);
  for (int k = 0; k < c->n_style; k++)
    g_free (c->style_layers[k]);
  g_clear_pointer (&c->style_layers, g_free);
  g_clear_pointer (&c->content_layer, g_free);
  c->n_style = 0;
}

void
nn_style_config_add_style (NnStyleConfig *c, const char *path)
{
  g_return_if_fail (c != NULL && path != NULL);
  c->style_layers = g_renew (char *, c->style_layers, c->n_style + 1);
  c->style_layers[c->n_style++] = g_strdup (path);
}

void
nn_style_config_set_styles (NnStyleConfig *c, const char *list)
{
  g_return_if_fail (c != NULL && list != NULL);
  for (int k = 0; k < c->n_style; k++)
    g_free (c->style_layers[k]);
  g_clear_pointer (&c->style_layers, g_free);
  c->n_style = 0;
  g_auto (GStrv) parts = g_strsplit (list, ",", -1);
  for (int k = 0; parts[k]; k++)
    {
      g_strstrip (parts[k]);
      if (*parts[k])
        nn_style_config_add_style (c, parts[k]);
    }
}

/* ---- the losses ----------------------------------------------------------- */

void
nn_style_gram (const float *f, int hw, int c, float *gram)
{
  /* split over the compute pool: OpenBLAS itself runs on one thread */
  nn_sgemm (CblasTrans, CblasNoTrans, c, c, hw, 1.0f, f, c, f, c, 0.0f, gram, c);
}

/* nn_style_gram_loss with its gradient multiplied by scale (a layer's share
 * of the style weight), folded into the product that makes it. */
static double
gram_loss_scaled (const float *f, const float *target, int hw, int c, float *grad, double scale)
{
  g_autofree float *d = g_new (float, (size_t) c * c);
  nn_style_gram (f, hw, c, d);
  double sum = 0, k = 1.0 / (4.0 * c * c * (double) hw * hw);
  for (size_t e = 0; e < (size_t) c * c; e++)
    {
      d[e] -= target[e];
      sum += (double) d[e] * d[e];
    }
  if (grad)
    nn_sgemm (CblasNoTrans, CblasNoTrans, hw, c, c, (float) (4.0 * k * scale), f, c, d, c, 0.0f,
              grad, c);
  return k * sum;
}

/* L = k Σ D², D = fᵀf − T symmetric, k = 1 / (4 c² hw²): dL/df = 4k f D. */
double
nn_style_gram_loss (const float *f, const float *target, int hw, int c, float *grad)
{
  return gram_loss_scaled (f, target, hw, c, grad, 1.0);
}

double
nn_style_tv_loss (const NnTensor *img, double weight, float *grad)
{
  int h = img->shape[1], w = img->shape[2], c = img->shape[3];
  const float *v = img->data;
  double loss = 0;
  for (int y = 0; y + 1 < h; y++)
    for (int x = 0; x + 1 < w; x++)
      for (int k = 0; k < c; k++)
        {
          size_t i = ((size_t) y * w + x) * c + k, below = i + (size_t) w * c, right = i + c;
          double dy = (double) v[i] - v[below], dx = (double) v[i] - v[right];
          double s = dy * dy + dx * dx;
          /* s^1.25 = s s^0.25: two square roots cost a tenth of pow () */
          double q = sqrt (sqrt (s));
          loss += s * q;
          if (!grad)
            continue;
          /* d(s^1.25)/ds = 1.25 s^0.25, ds/d(dy) = 2 dy. */
          double g = weight * 2.5 * q;
          grad[i] += (float) (g * (dy + dx));
          grad[below] -= (float) (g * dy);
          grad[right] -= (float) (g * dx);
        }
  return loss;
}

/* ---- the random-filters network -------------------------------------------- */

static int
add_layer (NnModel *m, const char *type, const char *name, int prev, GError **error)
{
  int l = nn_model_add_layer (m, type, name, error);
  if (l < 0)
    return -1;
  if (prev >= 0 && !nn_model_connect (m, (NnRef) { prev, 0, 0 }, l, 0, error))
    return -1;
  return l;
}

static gboolean
set_params (NnModel *m, int layer, const char *const *kv, GError **error)
{
  for (int k = 0; kv[k]; k += 2)
    if (!nn_model_layer_set_param (m, layer, kv[k], kv[k + 1], error))
      return FALSE;
  return TRUE;
}

NnModel *
nn_style_random_filters (int channels, guint64 seed, GError **error)
{
  static const char *const filters[4] = { "32", "32", "64", "64" };
  g_return_val_if_fail (channels >= 1 && channels <= 4, NULL);
  g_autoptr (NnModel) m = nn_model_new ("random_filters");
  g_autofree char *shape = g_strdup_printf ("64,64,%d", channels);
  const char *const input_kv[] = { "shape", shape, NULL };
  int prev = add_layer (m, "Input", "image", -1, error);
  if (prev < 0 || !set_params (m, prev, input_kv, error))
    return NULL;
  for (int i = 0; i < 4; i++)
    {
      g_autofree char *pool = g_strdup_printf ("pool%d", i + 1);
      g_autofree char *conv = g_strdup_printf ("conv%d", i + 1);
      if (i > 0 && (prev = add_layer (m, "AveragePooling2D", pool, prev, error)) < 0)
        return NULL;
      const char *const kv[] = { "filters", filters[i], "kernel_size", "3,3",
                                 "padding", "same", "activation", "relu", NULL };
      if ((prev = add_layer (m, "Conv2D", conv, prev, error)) < 0
          || !set_params (m, prev, kv, error))
        return NULL;
    }
  nn_model_auto_outputs (m);
  if (!nn_model_infer (m, error) || !nn_model_init_weights (m, seed, error))
    return NULL;
  return g_steal_pointer (&m);
}

/* ---- the prepared problem -------------------------------------------------- */

struct _NnStyle {
  NnInspector *in;       /* of the cut model at the content's size */
  NnCompiled  *cg;       /* its gradient graph, batch 1 */
  int          n_style;
  int         *nodes;    /* n_style style nodes, then the content node */
  float      **grams;    /* the style image's, per style node */
  float       *content;  /* the content image's activations at the content node */
  float      **seeds;    /* per node of nodes */
  int          last, input;
  double       cw, sw, tvw;
};

void
nn_style_free (NnStyle *s)
{
  if (!s)
    return;
  for (int k = 0; k <= s->n_style; k++)
    g_free (s->seeds ? s->seeds[k] : NULL);
  for (int k = 0; k < s->n_style && s->grams; k++)
    g_free (s->grams[k]);
  g_free (s->grams);
  g_free (s->seeds);
  g_free (s->nodes);
  g_free (s->content);
  nn_inspector_free (s->in);
  g_free (s);
}

static gboolean
check_config (const NnStyleConfig *cfg, GError **error)
{
  const char *what = NULL;
  if (!(cfg->content_weight >= 0 && isfinite (cfg->content_weight))
      || !(cfg->style_weight >= 0 && isfinite (cfg->style_weight))
      || !(cfg->tv_weight >= 0 && isfinite (cfg->tv_weight)))
    what = "The content, style and total-variation weights must be numbers of 0 or more";
  else if (cfg->iterations < 1 || cfg->iterations > MAX_ITERATIONS)
    what = "The iterations must be 1 to 100000";
  else if (!(cfg->learning_rate > 0 && isfinite (cfg->learning_rate)))
    what = "The learning rate must be a number above 0";
  else if (cfg->n_style < 0 || (cfg->n_style > 0 && !cfg->style_layers))
    what = "The style layer list is broken: add layers with nn_style_config_add_style";
  if (what)
    g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG, "%s", what);
  return what == NULL;
}

/* The probe of in named path, or -1 with why. */
static int
usable_probe (NnInspector *in, const char *path, const char *role, GError **error)
{
  int k = nn_inspector_find_probe (in, path);
  if (k >= 0 && in->probes[k].spatial && !g_str_equal (in->probes[k].layer_type, "Input"))
    return k;
  g_autofree char *names = nn_inspect_image_layer_names (in);
  g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
               k < 0 ? "The model “%s” has no layer “%s” to use as a %s layer: choose one of %s"
                     : "The model “%s”'s layer “%s” cannot be a %s layer: it must have an "
                       "image-like output (before any Flatten or Dense); choose one of %s",
               nn_model_get_name (in->model), path, role,
               *names ? names : "(none: the model has no image-like layer)");
  return -1;
}

/* Fills probes (n_style, then the content) from cfg or the defaults
 * (every convolution; the content at the last style layer). */
static int *
choose_probes (NnInspector *in, const NnStyleConfig *cfg, int *n_style, GError **error)
{
  GArray *p = g_array_new (FALSE, FALSE, sizeof (int));
  for (int k = 0; k < cfg->n_style; k++)
    {
      int q = usable_probe (in, cfg->style_layers[k], "style", error);
      if (q < 0)
        return g_array_free (p, TRUE), NULL;
      g_array_append_val (p, q);
    }
  for (int k = 0; cfg->n_style == 0 && k < in->n_probes; k++)
    if (in->probes[k].conv && in->probes[k].spatial)
      g_array_append_val (p, k);
  if (p->len == 0)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The model “%s” has no convolutional layer with an image-like output: "
                   "style transfer takes a convolutional network (or the random filters)"),
                   nn_model_get_name (in->model));
      return g_array_free (p, TRUE), NULL;
    }
  *n_style = (int) p->len;
  int c = cfg->content_layer ? usable_probe (in, cfg->content_layer, "content", error)
                             : g_array_index (p, int, p->len - 1);
  if (c < 0)
    return g_array_free (p, TRUE), NULL;
  g_array_append_val (p, c);
  return (int *) g_array_free (p, FALSE);
}

static gboolean
check_images (NnInspector *in, const NnTensor *content, const NnTensor *style, GError **error)
{
  const char *name = nn_model_get_name (in->model);
  if (in->input_ndim != 3)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The model “%s” does not take images (height, width, channels): style "
                   "transfer takes a convolutional network"), name);
      return FALSE;
    }
  int ch = in->input_shape[2];
  const NnTensor *t[2] = { content, style };
  for (int k = 0; k < 2; k++)
    if (!t[k] || t[k]->ndim != 4 || t[k]->shape[0] != 1 || t[k]->shape[3] != ch || !t[k]->data
        || t[k]->size != nn_shape_size (4, t[k]->shape))
      {
        g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                     g_dngettext (GETTEXT_PACKAGE, "The %s image must be one image of %d channel, (1, height, width, %d), "
                     "as the model “%s” takes",
                                  "The %s image must be one image of %d channels, (1, height, width, %d), "
                     "as the model “%s” takes", ch), k ? _("style") : _("content"), ch,
                     ch, name);
        return FALSE;
      }
  return TRUE;
}

/* Runs img through s's graph up to its last node. */
static void
run_forward (NnStyle *s, const NnTensor *img)
{
  NnNode *x = nn_graph_node (s->cg->g, s->input);
  g_assert (x->size == img->size);
  memcpy (x->value, img->data, img->size * sizeof (float));
  nn_graph_forward_to (s->cg->g, s->last);
}

/* Compiles the cut model at the content's size and finds the nodes. */
static gboolean
build_graph (NnStyle *s, NnInspector *whole, const int *probes, int n, const NnTensor *content,
             GError **error)
{
  g_autofree int *tops = g_new (int, n);
  for (int k = 0; k < n; k++)
    tops[k] = whole->probes[probes[k]].ref.layer;
  g_autoptr (NnModel) base = nn_inspect_cut_model (whole->model, tops, n, error);
  g_autoptr (NnModel) sized
    = base ? nn_inspect_model_at_size (base, content->shape[1], content->shape[2],
                                       content->shape[3], error)
           : NULL;
  if (!sized || !(s->in = nn_inspector_new (sized, error))
      || !(s->cg = nn_inspector_gradient_graph (s->in, 1, error)))
    return FALSE;
  s->nodes = g_new (int, n);
  for (int k = 0; k < n; k++)
    {
      int p = nn_inspector_find_probe (s->in, whole->probes[probes[k]].path);
      g_assert (p >= 0);
      s->nodes[k] = nn_inspector_probe_node (s->in, s->cg, p);
      s->last = MAX (s->last, s->nodes[k]);
    }
  s->input = s->cg->input_nodes[0];
  nn_graph_set_batch (s->cg->g, 1);
  return TRUE;
}

NnStyle *
nn_style_new (const NnModel *m, const NnTensor *content, const NnTensor *style,
              const NnStyleConfig *cfg, GError **error)
{
  g_return_val_if_fail (m != NULL && cfg != NULL, NULL);
  if (!check_config (cfg, error))
    return NULL;
  g_autoptr (NnInspector) whole = nn_inspector_new (m, error);
  if (!whole || !check_images (whole, content, style, error))
    return NULL;
  int n_style = 0;
  g_autofree int *probes = choose_probes (whole, cfg, &n_style, error);
  if (!probes)
    return NULL;
  g_autoptr (NnStyle) s = g_new0 (NnStyle, 1);
  s->n_style = n_style;
  s->cw = cfg->content_weight;
  s->sw = cfg->style_weight;
  s->tvw = cfg->tv_weight;
  if (!build_graph (s, whole, probes, n_style + 1, content, error))
    return NULL;
  NnGraph *g = s->cg->g;
  s->seeds = g_new0 (float *, n_style + 1);
  for (int k = 0; k <= n_style; k++)
    s->seeds[k] = g_new (float, nn_graph_node (g, s->nodes[k])->size);
  g_autoptr (NnTensor) st = nn_image_resize (style, content->shape[1], content->shape[2]);
  run_forward (s, st);
  s->grams = g_new0 (float *, n_style);
  for (int k = 0; k < n_style; k++)
    {
      NnNode *nd = nn_graph_node (g, s->nodes[k]);
      int c = nd->shape[3];
      s->grams[k] = g_new (float, (size_t) c * c);
      nn_style_gram (nd->value, (int) (nd->size / c), c, s->grams[k]);
    }
  run_forward (s, content);
  NnNode *cn = nn_graph_node (g, s->nodes[n_style]);
  s->content = g_memdup2 (cn->value, cn->size * sizeof (float));
  return g_steal_pointer (&s);
}

void
nn_style_evaluate (NnStyle *s, const NnTensor *img, NnStyleLosses *losses, NnTensor *grad)
{
  g_return_if_fail (s != NULL && img != NULL && losses != NULL);
  NnGraph *g = s->cg->g;
  run_forward (s, img);
  memset (losses, 0, sizeof *losses);
  double per_layer = s->sw / s->n_style;
  for (int k = 0; k < s->n_style; k++)
    {
      NnNode *nd = nn_graph_node (g, s->nodes[k]);
      int c = nd->shape[3];
      double l = gram_loss_scaled (nd->value, s->grams[k], (int) (nd->size / c), c,
                                   grad ? s->seeds[k] : NULL, per_layer);
      losses->style += per_layer * l;
    }
  NnNode *cn = nn_graph_node (g, s->nodes[s->n_style]);
  double sum = 0;
  for (size_t e = 0; e < cn->size; e++)
    {
      double d = (double) cn->value[e] - s->content[e];
      sum += d * d;
      s->seeds[s->n_style][e] = (float) (2.0 * s->cw * d);
    }
  losses->content = s->cw * sum;
  if (grad)
    {
      g_return_if_fail (grad->size == img->size);
      nn_graph_backward_seeds (g, s->n_style + 1, s->nodes, (const float *const *) s->seeds,
                               s->input);
      memcpy (grad->data, nn_graph_node (g, s->input)->grad, grad->size * sizeof (float));
    }
  losses->tv = s->tvw * nn_style_tv_loss (img, s->tvw, grad ? grad->data : NULL);
  losses->total = losses->content + losses->style + losses->tv;
}

/* ---- Adam in input space ----------------------------------------------------- */

NnTensor *
nn_style_transfer (const NnModel *m, const NnTensor *content, const NnTensor *style,
                   const NnStyleConfig *cfg, NnStyleProgress progress, gpointer user_data,
                   NnStyleLosses *first, NnStyleLosses *last, GError **error)
{
  g_autoptr (NnStyle) s = nn_style_new (m, content, style, cfg, error);
  if (!s)
    return NULL;
  g_autoptr (NnTensor) img = nn_tensor_copy (content);
  g_autoptr (NnTensor) grad = nn_tensor_copy (content);
  g_autofree float *m1 = g_new0 (float, img->size);
  g_autofree float *m2 = g_new0 (float, img->size);
  NnStyleLosses l;
  for (int it = 1; it <= cfg->iterations; it++)
    {
      nn_style_evaluate (s, img, &l, grad);
      if (it == 1 && first)
        *first = l;
      double c1 = 1.0 - pow (ADAM_BETA1, it), c2 = 1.0 - pow (ADAM_BETA2, it);
      float step = (float) (cfg->learning_rate * sqrt (c2) / c1);
      for (size_t e = 0; e < img->size; e++)
        {
          float gr = grad->data[e];
          m1[e] = (float) (ADAM_BETA1 * m1[e] + (1 - ADAM_BETA1) * gr);
          m2[e] = (float) (ADAM_BETA2 * m2[e] + (1 - ADAM_BETA2) * gr * gr);
          img->data[e] -= step * m1[e] / (sqrtf (m2[e]) + (float) ADAM_EPS);
        }
      if (progress && !progress (it, cfg->iterations, &l, img, user_data))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The style transfer was cancelled"));
          return NULL;
        }
    }
  if (last)
    nn_style_evaluate (s, img, last, NULL);
  return g_steal_pointer (&img);
}

NnTensor *
nn_style_load_png (const char *path, int channels, int side, int *file_channels,
                   GError **error)
{
  g_return_val_if_fail (path && channels >= 0 && side > 0, NULL);
  int w = 0, h = 0, fc = 0;
  g_autofree guint8 *px = nn_png_read (path, channels, &w, &h, &fc, error);
  if (!px)
    return NULL;
  if (channels == 0)
    channels = fc == 1 ? 1 : 3;
  if (file_channels)
    *file_channels = channels;
  int shape[4] = { 1, h, w, channels };
  g_autoptr (NnTensor) t = nn_tensor_new (4, shape);
  for (size_t f = 0; f < t->size; f++)
    t->data[f] = px[f] / 255.0f;
  double k = (double) side / MAX (w, h);
  return nn_image_resize (t, MAX ((int) lround (h * k), 1), MAX ((int) lround (w * k), 1));
}
