/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DeepDream (nn_dream): gradient ascent on the input of the mean squared
 * activations of chosen layers, octave by octave, the Keras recipe.
 *
 * The chosen layers run at every octave's size, whatever size the model
 * was built for: the model is cut down to the layers on the path from its
 * Input to the chosen ones (a copy, the weights copied by layer name), and
 * for each octave that copy gets an Input of the octave's size, is
 * inferred again (a layer whose weights would change with the size, such
 * as a Dense after a Flatten, is refused) and compiled for input
 * gradients through an inspector. One backward pass per step serves every
 * chosen layer: their seeds go in together (nn_graph_backward_seeds). */
#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "nn-inspect-private.h"

/* A slip of the finger, not a choice. */
#define MAX_OCTAVES 20
#define MAX_STEPS 100000
/* Cells of each side of a layer's output left out of the loss. */
#define BORDER 2
/* The floor under the gradient's mean absolute value. */
#define GRAD_FLOOR 1e-8

void
nn_dream_config_init (NnDreamConfig *c)
{
  g_return_if_fail (c != NULL);
  memset (c, 0, sizeof *c);
  c->octaves = 3;
  c->octave_scale = 1.4;
  c->steps = 20;
  c->step_size = 0.01;
  c->max_loss = 0;
}

void
nn_dream_config_clear (NnDreamConfig *c)
{
  g_return_if_fail (c != NULL);
  for (int k = 0; k < c->n_layers; k++)
    g_free (c->layers[k]);
  g_clear_pointer (&c->layers, g_free);
  g_clear_pointer (&c->weights, g_free);
  c->n_layers = 0;
}

void
nn_dream_config_add_layer (NnDreamConfig *c, const char *path, double weight)
{
  g_return_if_fail (c != NULL && path != NULL);
  c->layers = g_renew (char *, c->layers, c->n_layers + 1);
  c->weights = g_renew (double, c->weights, c->n_layers + 1);
  c->layers[c->n_layers] = g_strdup (path);
  c->weights[c->n_layers] = weight;
  c->n_layers++;
}

/* ---- resizing ------------------------------------------------------------- */

/* Bilinear resize of src (sh, sw, c) to dst (dh, dw, c), pixel centres
 * aligned (half-pixel offsets, as tf.image.resize and PyTorch's
 * interpolate with align_corners=False), no antialiasing. */
static void
resize_bilinear (const float *src, int sh, int sw, float *dst, int dh, int dw, int c)
{
  double sy = (double) sh / dh, sx = (double) sw / dw;
  for (int y = 0; y < dh; y++)
    {
      double fy = MAX ((y + 0.5) * sy - 0.5, 0.0);
      int y0 = MIN ((int) fy, sh - 1), y1 = MIN (y0 + 1, sh - 1);
      float ly = (float) (fy - y0);
      for (int x = 0; x < dw; x++)
        {
          double fx = MAX ((x + 0.5) * sx - 0.5, 0.0);
          int x0 = MIN ((int) fx, sw - 1), x1 = MIN (x0 + 1, sw - 1);
          float lx = (float) (fx - x0);
          const float *a = src + ((size_t) y0 * sw + x0) * c, *b = src + ((size_t) y0 * sw + x1) * c;
          const float *p = src + ((size_t) y1 * sw + x0) * c, *q = src + ((size_t) y1 * sw + x1) * c;
          float *o = dst + ((size_t) y * dw + x) * c;
          for (int k = 0; k < c; k++)
            {
              float top = a[k] + lx * (b[k] - a[k]);
              float bot = p[k] + lx * (q[k] - p[k]);
              o[k] = top + ly * (bot - top);
            }
        }
    }
}

/* A new (1, h, w, c) tensor: t resized. */
static NnTensor *
resized (const NnTensor *t, int h, int w)
{
  int c = t->shape[3];
  int shape[4] = { 1, h, w, c };
  NnTensor *r = nn_tensor_new (4, shape);
  resize_bilinear (t->data, t->shape[1], t->shape[2], r->data, h, w, c);
  return r;
}

NnTensor *
nn_image_resize (const NnTensor *images, int height, int width)
{
  g_return_val_if_fail (images != NULL && images->ndim == 4 && height > 0 && width > 0, NULL);
  int shape[4] = { images->shape[0], height, width, images->shape[3] };
  NnTensor *r = nn_tensor_new (4, shape);
  size_t in = nn_shape_size (3, images->shape + 1), out = nn_shape_size (3, shape + 1);
  for (int b = 0; b < shape[0]; b++)
    resize_bilinear (images->data + b * in, images->shape[1], images->shape[2],
                     r->data + b * out, height, width, shape[3]);
  return r;
}

/* ---- the model cut down to the chosen layers ------------------------------ */

/* Marks layer and every layer it reads from, through all its calls. */
static void
mark_ancestors (const NnModel *m, int layer, gboolean *keep)
{
  if (keep[layer])
    return;
  keep[layer] = TRUE;
  NnLayer *l = nn_model_layer (m, layer);
  for (int c = 0; c < l->n_calls; c++)
    for (int s = 0; s < l->calls[c].n_in; s++)
      mark_ancestors (m, l->calls[c].in[s].layer, keep);
}

/* A copy of src (inferred, with weights) keeping only the layers the given
 * top-level layers depend on, with their weights. */
static NnModel *
cut_model (const NnModel *src, const int *layers, int n, GError **error)
{
  int n_layers = nn_model_get_n_layers (src);
  g_autofree gboolean *keep = g_new0 (gboolean, n_layers);
  for (int k = 0; k < n; k++)
    mark_ancestors (src, layers[k], keep);
  g_autoptr (NnModel) m = nn_model_copy (src);
  nn_model_clear_outputs (m);
  for (int i = n_layers - 1; i >= 0; i--)
    if (!keep[i] && !nn_model_remove_layer (m, i, error))
      return NULL;
  if (!nn_model_infer (m, error))
    return NULL;
  if (!m->params)
    {
      m->params = g_new0 (float, MAX (m->n_params, 1));
      m->has_weights = TRUE;
    }
  for (int i = 0; i < m->n_layers; i++)
    {
      NnLayer *l = m->layers[i];
      NnLayer *o = nn_model_layer (src, nn_model_find_layer (src, l->name));
      g_assert (o->n_weights == l->n_weights);
      for (int w = 0; w < l->n_weights; w++)
        memcpy (m->params + l->woff[w], src->params + o->woff[w],
                nn_shape_size (l->wspec[w].ndim, l->wspec[w].shape) * sizeof (float));
    }
  return g_steal_pointer (&m);
}

/* A copy of base whose Input is (h, w, c), inferred, or NULL with why. */
static NnModel *
model_at_size (const NnModel *base, int h, int w, int c, GError **error)
{
  g_autoptr (NnModel) m = nn_model_copy (base);
  int input = nn_model_get_input_layer (m, 0);
  g_autofree char *text = g_strdup_printf ("%d,%d,%d", h, w, c);
  if (!nn_model_layer_set_param (m, input, "shape", text, error) || !nn_model_infer (m, error))
    return NULL;
  /* Convolutions' weights do not depend on the size; a layer whose do
   * would run with weights that are not the trained ones. */
  for (int i = 0; i < m->n_layers; i++)
    {
      NnLayer *l = m->layers[i], *o = base->layers[i];
      for (int k = 0; k < l->n_weights; k++)
        if (nn_shape_size (l->wspec[k].ndim, l->wspec[k].shape)
            != nn_shape_size (o->wspec[k].ndim, o->wspec[k].shape))
          {
            g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                         _("The layer “%s” depends on the input's size (its weights fit only "
                         "the size the model was built for), so it cannot run on a %d×%d "
                         "image: choose layers that come before any Flatten or Dense layer"),
                         l->name, w, h);
            return NULL;
          }
    }
  if (!nn_model_has_weights (m))
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The layers of the model “%s” cannot run on a %d×%d image with their "
                   "trained weights: choose layers that come before any Flatten or Dense layer"),
                   nn_model_get_name (base), w, h);
      return NULL;
    }
  return g_steal_pointer (&m);
}

NnModel *
nn_inspect_cut_model (const NnModel *src, const int *layers, int n, GError **error)
{
  return cut_model (src, layers, n, error);
}

NnModel *
nn_inspect_model_at_size (const NnModel *base, int h, int w, int c, GError **error)
{
  return model_at_size (base, h, w, c, error);
}

/* The smallest square side at which base still runs, or 0 when none up to
 * the largest Input (2^20 values) does. Sizes that run form a range
 * upwards (valid convolutions and pooling only shrink), so a bisection
 * finds its start. */
static int
smallest_side (const NnModel *base, int c)
{
  int lo = 1, hi = (int) sqrt ((double) (1 << 20) / c);
  g_autoptr (NnModel) top = model_at_size (base, hi, hi, c, NULL);
  if (!top)
    return 0;
  while (lo < hi)
    {
      int mid = lo + (hi - lo) / 2;
      g_autoptr (NnModel) m = model_at_size (base, mid, mid, c, NULL);
      if (m)
        hi = mid;
      else
        lo = mid + 1;
    }
  return lo;
}

/* ---- one octave ----------------------------------------------------------- */

typedef struct {
  int n;
  char **paths;       /* borrowed from the inspector of the whole model */
  double *weights;
} Targets;

/* The loss of the values of nodes[k] now in c, and each node's seed (its
 * gradient): 2 · weight · A / N over the interior, 0 on the border. */
static double
loss_and_seeds (NnGraph *g, const Targets *t, const int *nodes, float **seeds)
{
  double loss = 0;
  for (int k = 0; k < t->n; k++)
    {
      NnNode *nd = nn_graph_node (g, nodes[k]);
      int h = nd->shape[1], w = nd->shape[2], ch = nd->shape[3];
      /* The border, narrower on maps too small to keep a cell inside it. */
      int by = MIN (BORDER, (h - 1) / 2), bx = MIN (BORDER, (w - 1) / 2);
      double cells = (double) (h - 2 * by) * (w - 2 * bx) * ch;
      double sum = 0;
      float scale = (float) (2.0 * t->weights[k] / cells);
      memset (seeds[k], 0, nd->size * sizeof (float));
      for (int y = by; y < h - by; y++)
        {
          size_t row = ((size_t) y * w + bx) * ch, len = (size_t) (w - 2 * bx) * ch;
          const float *v = nd->value + row;
          float *s = seeds[k] + row;
          for (size_t e = 0; e < len; e++)
            {
              sum += (double) v[e] * v[e];
              s[e] = scale * v[e];
            }
        }
      loss += t->weights[k] * sum / cells;
    }
  return loss;
}

/* ---- the octaves' graphs, kept per size ------------------------------------- */

/* What one octave size needs, ready to run: the inspector of the cut model
 * at that size (it owns a copy of the model, whose weights its gradient
 * graph reads), that graph, and the chosen layers' nodes. Kept after a
 * dream for the next one at the same size (the view dreams again and
 * again on one model): key says what it was built from, the cut model's
 * structure, the size and the layers; the weights are copied in at every
 * use, so a model trained further in between is dreamed as it now is. */
typedef struct {
  char        *key;
  NnInspector *in;
  NnCompiled  *cg;
  int         *nodes;
  int          last;
} Setup;

/* Setups kept; a dream takes one out while it runs (two dreams at once
 * never share a graph) and puts it back after. */
#define KEPT_SETUPS 4
static GMutex setups_lock;
static GQueue setups = G_QUEUE_INIT;
static int setups_off = -1;

void
nn_dream_set_reuse (gboolean on)
{
  g_mutex_lock (&setups_lock);
  setups_off = !on;
  g_mutex_unlock (&setups_lock);
}

static void
setup_free (Setup *s)
{
  if (!s)
    return;
  nn_inspector_free (s->in);
  g_free (s->nodes);
  g_free (s->key);
  g_free (s);
}

static char *
setup_key (NnModel *base, const Targets *t, int h, int w, int c)
{
  g_autofree char *json = nn_model_to_json (base, FALSE, NULL);
  GString *k = g_string_new (json ? json : "?");
  g_string_append_printf (k, "\n%d %d %d", h, w, c);
  for (int i = 0; i < t->n; i++)
    g_string_append_printf (k, "\n%s", t->paths[i]);
  return g_string_free (k, FALSE);
}

static Setup *
setup_build (const NnModel *base, const Targets *t, int h, int w, int c, GError **error)
{
  g_autoptr (NnModel) m = model_at_size (base, h, w, c, error);
  if (!m)
    return NULL;
  Setup *s = g_new0 (Setup, 1);
  s->in = nn_inspector_new (m, error);
  s->cg = s->in ? nn_inspector_gradient_graph (s->in, 1, error) : NULL;
  if (!s->cg)
    {
      setup_free (s);
      return NULL;
    }
  s->nodes = g_new (int, t->n);
  for (int k = 0; k < t->n; k++)
    {
      int p = nn_inspector_find_probe (s->in, t->paths[k]);
      g_assert (p >= 0);
      s->nodes[k] = nn_inspector_probe_node (s->in, s->cg, p);
      s->last = MAX (s->last, s->nodes[k]);
    }
  nn_graph_set_batch (s->cg->g, 1);
  return s;
}

/* The setup for size (h, w, c): a kept one with base's weights copied in,
 * or a new one. */
static Setup *
setup_take (NnModel *base, const Targets *t, int h, int w, int c, GError **error)
{
  char *key = setup_key (base, t, h, w, c);
  Setup *s = NULL;
  g_mutex_lock (&setups_lock);
  if (setups_off < 0)
    setups_off = g_getenv ("DEEPSCOPE_NO_DREAM_REUSE") != NULL;
  for (GList *l = setups.head; l && !s; l = l->next)
    {
      Setup *e = l->data;
      if (g_str_equal (e->key, key) && e->in->model->n_params == base->n_params)
        {
          s = e;
          g_queue_delete_link (&setups, l);
        }
    }
  g_mutex_unlock (&setups_lock);
  if (s)
    {
      memcpy (s->in->model->params, base->params, base->n_params * sizeof (float));
      g_free (key);
      return s;
    }
  s = setup_build (base, t, h, w, c, error);
  if (s)
    s->key = key;
  else
    g_free (key);
  return s;
}

/* Puts s back for the next dream (or frees it with reuse off), the oldest
 * kept one dropped beyond KEPT_SETUPS. */
static void
setup_give_back (Setup *s)
{
  Setup *drop = NULL;
  g_mutex_lock (&setups_lock);
  if (setups_off > 0)
    drop = s;
  else
    {
      g_queue_push_head (&setups, s);
      if (setups.length > KEPT_SETUPS)
        drop = g_queue_pop_tail (&setups);
    }
  g_mutex_unlock (&setups_lock);
  setup_free (drop);
}

/* Runs the steps of octave o on img (1, h, w, c) in place. FALSE when
 * cancelled (error set) or when the model cannot run at this size. */
static gboolean
dream_octave (NnModel *base, const Targets *t, NnTensor *img, int o, const NnDreamConfig *cfg,
              NnDreamProgress progress, gpointer user_data, double *start, double *end,
              GError **error)
{
  Setup *su = setup_take (base, t, img->shape[1], img->shape[2], img->shape[3], error);
  if (!su)
    return FALSE;
  NnGraph *g = su->cg->g;
  g_autofree float **seeds = g_new0 (float *, t->n);
  for (int k = 0; k < t->n; k++)
    seeds[k] = g_new (float, nn_graph_node (g, su->nodes[k])->size);
  int xi = su->cg->input_nodes[0];
  NnNode *x = nn_graph_node (g, xi);
  g_assert (x->size == img->size);
  gboolean ok = TRUE;
  for (int s = 1; s <= cfg->steps; s++)
    {
      memcpy (x->value, img->data, img->size * sizeof (float));
      nn_graph_forward_to (g, su->last);
      double loss = loss_and_seeds (g, t, su->nodes, seeds);
      if (s == 1)
        *start = loss;
      *end = loss;
      nn_graph_backward_seeds (g, t->n, su->nodes, (const float *const *) seeds, xi);
      /* The Keras recipe: the gradient over its mean absolute value, so a
       * step moves the image by step_size on average. */
      double mean = 0;
      for (size_t e = 0; e < x->size; e++)
        mean += fabs (x->grad[e]);
      mean /= (double) x->size;
      float step = (float) (cfg->step_size / MAX (mean, GRAD_FLOOR));
      for (size_t e = 0; e < img->size; e++)
        img->data[e] += step * x->grad[e];
      if (progress && !progress (o, cfg->octaves, s, cfg->steps, loss, img, user_data))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The dream was cancelled"));
          ok = FALSE;
          break;
        }
      if (cfg->max_loss > 0 && loss > cfg->max_loss)
        break;
    }
  for (int k = 0; k < t->n; k++)
    g_free (seeds[k]);
  setup_give_back (su);
  return ok;
}

/* ---- nn_dream ------------------------------------------------------------- */

static gboolean
check_config (const NnDreamConfig *cfg, GError **error)
{
  const char *what = NULL;
  if (cfg->octaves < 1 || cfg->octaves > MAX_OCTAVES)
    what = "The number of octaves must be 1 to 20";
  else if (!(cfg->octave_scale >= 1.0 && cfg->octave_scale <= 4.0))
    what = "The octave scale must be 1 to 4";
  else if (cfg->steps < 1 || cfg->steps > MAX_STEPS)
    what = "The steps per octave must be 1 to 100000";
  else if (!(cfg->step_size > 0 && isfinite (cfg->step_size)))
    what = "The step size must be a number above 0";
  else if (isnan (cfg->max_loss))
    what = "The maximum loss must be a number (0 or less: no limit)";
  else if (cfg->n_layers < 0 || (cfg->n_layers > 0 && (!cfg->layers || !cfg->weights)))
    what = "The layer list is broken: add layers with nn_dream_config_add_layer";
  if (!what)
    {
      for (int k = 0; k < cfg->n_layers; k++)
        if (!isfinite (cfg->weights[k]))
          {
            g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                         _("The weight of layer “%s” must be a number"), cfg->layers[k]);
            return FALSE;
          }
      return TRUE;
    }
  g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG, "%s", what);
  return FALSE;
}

char *
nn_inspect_image_layer_names (NnInspector *in)
{
  GString *s = g_string_new (NULL);
  for (int k = 0; k < in->n_probes; k++)
    if (in->probes[k].spatial && !g_str_equal (in->probes[k].layer_type, "Input"))
      g_string_append_printf (s, "%s%s", s->len ? ", " : "", in->probes[k].path);
  return g_string_free (s, FALSE);
}

/* Fills t (paths borrowed from in's probes) and the top-level layers they
 * sit in, from cfg or the default (the last two convolutions). */
static gboolean
choose_targets (NnInspector *in, const NnDreamConfig *cfg, Targets *t, int *tops, GError **error)
{
  const char *name = nn_model_get_name (in->model);
  if (cfg->n_layers == 0)
    {
      for (int k = in->n_probes - 1; k >= 0 && t->n < 2; k--)
        if (in->probes[k].conv && in->probes[k].spatial)
          {
            /* In forward order: the earlier one first. */
            memmove (t->paths + 1, t->paths, sizeof (char *) * (size_t) t->n);
            memmove (t->weights + 1, t->weights, sizeof (double) * (size_t) t->n);
            memmove (tops + 1, tops, sizeof (int) * (size_t) t->n);
            t->paths[0] = in->probes[k].path;
            t->weights[0] = 1.0;
            tops[0] = in->probes[k].ref.layer;
            t->n++;
          }
      if (t->n == 0)
        {
          g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                       _("The model “%s” has no convolutional layer with an image-like output "
                       "to dream with: DeepDream takes a convolutional network"),
                       name);
          return FALSE;
        }
      return TRUE;
    }
  for (int i = 0; i < cfg->n_layers; i++)
    {
      int k = nn_inspector_find_probe (in, cfg->layers[i]);
      g_autofree char *names = nn_inspect_image_layer_names (in);
      if (k < 0)
        {
          g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                       _("The model “%s” has no layer “%s” to dream with: choose one of %s"),
                       name, cfg->layers[i], *names ? names : "(none: it has no image-like layer)");
          return FALSE;
        }
      const NnProbe *p = &in->probes[k];
      if (g_str_equal (p->layer_type, "Input") || !p->spatial)
        {
          g_autofree char *shape = nn_shape_to_string (p->ndim, p->shape, 0);
          g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                       _("The layer “%s” (%s, output %s) %s: DeepDream takes layers with an "
                       "image-like output, before any Flatten or Dense: choose one of %s"),
                       p->path, p->layer_type, shape,
                       g_str_equal (p->layer_type, "Input") ? "is the model's input"
                                                            : "does not give an image",
                       *names ? names : "(none: the model has no image-like layer)");
          return FALSE;
        }
      /* The same layer twice counts once, with the weights summed. */
      int j = 0;
      while (j < t->n && !g_str_equal (t->paths[j], p->path))
        j++;
      if (j == t->n)
        {
          t->paths[j] = p->path;
          t->weights[j] = 0;
          tops[j] = p->ref.layer;
          t->n++;
        }
      t->weights[j] += cfg->weights[i];
    }
  return TRUE;
}

NnTensor *
nn_dream (const NnModel *m, const NnTensor *image, const NnDreamConfig *cfg,
          NnDreamProgress progress, gpointer user_data, double *loss_start, double *loss_end,
          GError **error)
{
  g_return_val_if_fail (m != NULL && cfg != NULL, NULL);
  if (!check_config (cfg, error))
    return NULL;
  g_autoptr (NnInspector) in = nn_inspector_new (m, error);
  if (!in)
    return NULL;
  const char *name = nn_model_get_name (m);
  if (in->input_ndim != 3)
    {
      g_autofree char *shape = nn_shape_to_string (in->input_ndim, in->input_shape, 1);
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The model “%s” takes inputs of shape %s, not images (height, width, "
                   "channels): DeepDream takes a convolutional network"),
                   name, shape);
      return NULL;
    }
  int channels = in->input_shape[2];
  if (!image || image->ndim != 4 || image->shape[0] != 1 || image->shape[3] != channels
      || !image->data || image->size != nn_shape_size (4, image->shape))
    {
      g_autofree char *got = image ? nn_shape_to_string (image->ndim, image->shape, 0)
                                   : g_strdup ("nothing");
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   g_dngettext (GETTEXT_PACKAGE, "The image has shape %s but the model “%s” takes one image of %d "
                   "channel, (1, height, width, %d): convert it to %s",
                                "The image has shape %s but the model “%s” takes one image of %d "
                   "channels, (1, height, width, %d): convert it to %s", channels),
                   got, name, channels, channels,
                   channels == 1 ? _("grey") : channels == 3 ? "RGB" : _("that many channels"));
      return NULL;
    }
  int n_max = MAX (cfg->n_layers, 2);
  g_autofree char **paths = g_new0 (char *, n_max);
  g_autofree double *weights = g_new0 (double, n_max);
  g_autofree int *tops = g_new0 (int, n_max);
  Targets t = { 0, paths, weights };
  if (!choose_targets (in, cfg, &t, tops, error))
    return NULL;
  g_autoptr (NnModel) base = cut_model (in->model, tops, t.n, error);
  if (!base)
    return NULL;

  int H = image->shape[1], W = image->shape[2], n_oct = cfg->octaves;
  g_autofree int *hs = g_new (int, n_oct);
  g_autofree int *ws = g_new (int, n_oct);
  for (int o = 0; o < n_oct; o++)
    {
      double f = pow (cfg->octave_scale, n_oct - 1 - o);
      hs[o] = MAX ((int) (H / f), 1);
      ws[o] = MAX ((int) (W / f), 1);
    }
  /* The smallest octave tells whether the image is large enough. */
  g_autoptr (GError) small = NULL;
  g_autoptr (NnModel) probe = model_at_size (base, hs[0], ws[0], channels, &small);
  if (!probe)
    {
      if (small->domain == NN_TRAIN_ERROR)
        {
          g_propagate_error (error, g_steal_pointer (&small));
          return NULL;
        }
      int side = smallest_side (base, channels);
      int need = (int) ceil (side * pow (cfg->octave_scale, n_oct - 1));
      if (side > 0)
        g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                     _("The image is too small to dream on: its smallest octave is %d×%d but "
                     "the model “%s” needs at least %d×%d up to its layer “%s”; use an image "
                     "of at least %d×%d, or fewer octaves or a smaller octave scale"),
                     ws[0], hs[0], name, side, side, t.paths[t.n - 1], need, need);
      else
        g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                     _("The model “%s” cannot run on a %d×%d image: %s"), name, ws[0], hs[0],
                     small->message);
      return NULL;
    }
  g_clear_pointer (&probe, nn_model_free);

  /* The Keras recipe: the image shrinks to the smallest octave; after each
   * octave's ascent it grows to the next size, and the detail the shrinking
   * lost there (the original at that size minus the shrunk original grown
   * back) is added. */
  g_autoptr (NnTensor) img = resized (image, hs[0], ws[0]);
  g_autoptr (NnTensor) shrunk = resized (image, hs[0], ws[0]);
  for (int o = 0; o < n_oct; o++)
    {
      if (o > 0)
        {
          NnTensor *grown = resized (img, hs[o], ws[o]);
          nn_tensor_free (img);
          img = grown;
        }
      double start = 0, end = 0;
      if (!dream_octave (base, &t, img, o, cfg, progress, user_data, &start, &end, error))
        return NULL;
      if (loss_start)
        loss_start[o] = start;
      if (loss_end)
        loss_end[o] = end;
      int nh = hs[o], nw = ws[o];
      g_autoptr (NnTensor) up = resized (shrunk, nh, nw);
      g_autoptr (NnTensor) same = resized (image, nh, nw);
      for (size_t e = 0; e < img->size; e++)
        img->data[e] += same->data[e] - up->data[e];
      nn_tensor_free (shrunk);
      shrunk = g_steal_pointer (&same);
    }
  return g_steal_pointer (&img);
}
