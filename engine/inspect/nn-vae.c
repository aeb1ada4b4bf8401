/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The parts of a variational autoencoder (nn-generate.h): where its
 * Sampling layer, mean, log-variance and decoder are, the encoder's means
 * for inputs and the decoder's images for latent points; a decoder
 * compiled once (NnVaeDecoder) for the latent explorer, the latent grid,
 * interpolation and concept vectors. */
#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "nn-inspect-private.h"

/* Whether r, a tensor of m, is the output of a Sampling layer called on
 * a mean and a log-variance, there or inside the Model layer giving it. */
static gboolean
is_sampling_output (const NnModel *m, NnRef r)
{
  if (r.layer < 0 || r.layer >= nn_model_get_n_layers (m))
    return FALSE;
  NnModel *sub = nn_model_layer_get_submodel (m, r.layer);
  if (sub)
    return r.out < nn_model_get_n_outputs (sub)
           && is_sampling_output (sub, nn_model_get_output (sub, r.out));
  return g_str_equal (nn_layer_type_get_name (nn_model_layer_get_type (m, r.layer)), "Sampling")
         && nn_model_layer_get_n_calls (m, r.layer) > r.call
         && nn_model_call_get_n_inputs (m, r.layer, r.call) == 2;
}

/* The top-level tensor that is a Sampling layer's output: the layer's
 * own, else an output of a Model layer (an encoder) that leads to one;
 * layer -1 when there is none. */
static NnRef
find_sampling (const NnModel *m)
{
  int n = nn_model_get_n_layers (m);
  for (int i = 0; i < n; i++)
    if (!nn_model_layer_get_submodel (m, i) && is_sampling_output (m, (NnRef) { i, 0, 0 }))
      return (NnRef) { i, 0, 0 };
  for (int i = 0; i < n; i++)
    {
      NnModel *sub = nn_model_layer_get_submodel (m, i);
      for (int c = 0; sub && c < nn_model_layer_get_n_calls (m, i); c++)
        for (int o = 0; o < nn_model_get_n_outputs (sub); o++)
          if (is_sampling_output (m, (NnRef) { i, c, o }))
            return (NnRef) { i, c, o };
    }
  return (NnRef) { -1, 0, 0 };
}

static gboolean
same_ref (NnRef a, NnRef b)
{
  return a.layer == b.layer && a.call == b.call && a.out == b.out;
}

gboolean
nn_model_find_vae (const NnModel *m, NnVaeParts *parts, GError **error)
{
  g_return_val_if_fail (m != NULL && parts != NULL, FALSE);
  NnModel *mm = (NnModel *) m; /* inference fills shapes, nothing else */
  memset (parts, 0, sizeof *parts);
  parts->decoder_layer = -1;
  NnRef sampling = find_sampling (m);
  if (sampling.layer < 0)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                   _("“%s” is not a variational autoencoder: it has no Sampling layer called on "
                   "a mean and a log-variance; add one (Generative group) after the encoder"),
                   nn_model_get_name (m));
      return FALSE;
    }
  if (!nn_model_infer (mm, error))
    return FALSE;
  parts->sampling = sampling;
  if (nn_model_layer_get_submodel (m, sampling.layer))
    {
      /* Inside an encoder: at inference the Sampling passes its mean, so
       * the encoder's output is the mean; the log-variance stays inside. */
      parts->mean = sampling;
      parts->log_var = (NnRef) { -1, 0, 0 };
    }
  else
    {
      parts->mean = nn_model_call_get_input (m, sampling.layer, 0, 0);
      parts->log_var = nn_model_call_get_input (m, sampling.layer, 0, 1);
    }
  int ndim = 0, shape[NN_MAX_DIMS];
  if (!nn_model_get_shape (m, parts->sampling, &ndim, shape) || ndim != 1)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE,
                   _("%s gives no latent vector (batch, latent); give it the outputs of two Dense "
                   "layers"), nn_model_layer_get_name (m, sampling.layer));
      return FALSE;
    }
  parts->latent_dim = shape[0];
  /* The decoder: a Model layer called on the sample alone. */
  for (int i = 0; i < nn_model_get_n_layers (m) && parts->decoder_layer < 0; i++)
    {
      if (!nn_model_layer_get_submodel (m, i))
        continue;
      for (int c = 0; c < nn_model_layer_get_n_calls (m, i); c++)
        if (nn_model_call_get_n_inputs (m, i, c) == 1
            && same_ref (nn_model_call_get_input (m, i, c, 0), sampling))
          parts->decoder_layer = i;
    }
  return TRUE;
}

NnTensor *
nn_vae_decode (const NnModel *m, const NnVaeParts *parts, const NnTensor *z, GError **error)
{
  g_return_val_if_fail (m != NULL && parts != NULL && z != NULL, NULL);
  if (parts->decoder_layer < 0 || parts->decoder_layer >= nn_model_get_n_layers (m)
      || !nn_model_layer_get_submodel (m, parts->decoder_layer))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                   _("“%s” has no decoder that runs on its own: make the layers after the "
                   "Sampling layer a Model layer called on its output"), nn_model_get_name (m));
      return NULL;
    }
  NnModel *dec = nn_model_layer_get_submodel (m, parts->decoder_layer);
  if (z->ndim != 2 || z->shape[1] != parts->latent_dim || z->shape[0] < 1)
    {
      g_autofree char *got = nn_shape_to_string (z->ndim, z->shape, 0);
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE,
                   _("The latent points must be (n, %d), one row of %d numbers per point, not %s"),
                   parts->latent_dim, parts->latent_dim, got);
      return NULL;
    }
  if (nn_model_get_n_inputs (dec) != 1 || nn_model_get_n_outputs (dec) < 1)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                   _("The decoder %s must have one input and an output"),
                   nn_model_layer_get_name (m, parts->decoder_layer));
      return NULL;
    }
  NnTensor *in[1] = { (NnTensor *) z };
  return nn_model_run (dec, in, 1, nn_model_get_output (dec, 0), error);
}

NnTensor *
nn_vae_encode (const NnModel *m, const NnVaeParts *parts, const NnTensor *inputs,
               GError **error)
{
  g_return_val_if_fail (m != NULL && parts != NULL && inputs != NULL, NULL);
  NnTensor *in[1] = { (NnTensor *) inputs };
  return nn_model_run ((NnModel *) m, in, 1, parts->mean, error);
}

/* ---- a decoder compiled once ------------------------------------------------ */

struct _NnVaeDecoder
{
  NnModel    *model;      /* owned copy of the decoder */
  NnCompiled *c;
  int         latent_dim;
  int         max_batch;
  int         in_node, out_node;
  int         out_ndim;
  int         out_shape[NN_MAX_DIMS];
  size_t      per_out;    /* floats per decoded sample */
};

#define MAX_DECODER_BATCH 4096

NnVaeDecoder *
nn_vae_decoder_new (const NnModel *m, const NnVaeParts *parts, int max_batch, GError **error)
{
  g_return_val_if_fail (m != NULL && parts != NULL, NULL);
  if (max_batch < 1 || max_batch > MAX_DECODER_BATCH)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE,
                   _("A decoder decodes 1 to %d points at a time, not %d"), MAX_DECODER_BATCH,
                   max_batch);
      return NULL;
    }
  /* The checks nn_vae_decode makes, on one point. */
  int zs[2] = { 1, parts->latent_dim };
  g_autoptr (NnTensor) probe = nn_tensor_new (2, zs);
  g_autoptr (NnTensor) out = nn_vae_decode (m, parts, probe, error);
  if (out == NULL)
    return NULL;
  NnVaeDecoder *d = g_new0 (NnVaeDecoder, 1);
  d->model = nn_model_copy (nn_model_layer_get_submodel (m, parts->decoder_layer));
  d->latent_dim = parts->latent_dim;
  d->max_batch = max_batch;
  if (!nn_model_infer (d->model, error)
      || !(d->c = nn_compile (d->model, max_batch, 0, NULL, error)))
    {
      nn_vae_decoder_free (d);
      return NULL;
    }
  NnRef o = nn_model_get_output (d->model, 0);
  d->in_node = d->c->input_nodes[0];
  d->out_node = nn_compiled_ref_node (d->c, o);
  const NnNode *on = &d->c->g->nodes[d->out_node];
  d->out_ndim = MAX (on->ndim - 1, 1);
  d->out_shape[0] = 1;
  memcpy (d->out_shape, on->shape + 1, sizeof (int) * (size_t) (on->ndim - 1));
  d->per_out = on->batched && on->shape[0] ? on->size / (size_t) on->shape[0] : on->size;
  return d;
}

void
nn_vae_decoder_free (NnVaeDecoder *d)
{
  if (d == NULL)
    return;
  g_clear_pointer (&d->c, nn_compiled_free);
  g_clear_pointer (&d->model, nn_model_free);
  g_free (d);
}

int
nn_vae_decoder_get_latent_dim (const NnVaeDecoder *d)
{
  g_return_val_if_fail (d != NULL, 0);
  return d->latent_dim;
}

int
nn_vae_decoder_get_max_batch (const NnVaeDecoder *d)
{
  g_return_val_if_fail (d != NULL, 0);
  return d->max_batch;
}

int
nn_vae_decoder_get_output_shape (const NnVaeDecoder *d, int shape[NN_MAX_DIMS])
{
  g_return_val_if_fail (d != NULL && shape != NULL, 0);
  memcpy (shape, d->out_shape, sizeof d->out_shape);
  return d->out_ndim;
}

void
nn_vae_decoder_run (NnVaeDecoder *d, const float *z, int n, float *out)
{
  g_return_if_fail (d != NULL && z != NULL && out != NULL);
  g_return_if_fail (n >= 1 && n <= d->max_batch);
  NnGraph *g = d->c->g;
  nn_graph_set_batch (g, n);
  memcpy (g->nodes[d->in_node].value, z, sizeof (float) * (size_t) n * (size_t) d->latent_dim);
  nn_graph_forward_to (g, d->out_node);
  memcpy (out, g->nodes[d->out_node].value, sizeof (float) * (size_t) n * d->per_out);
}

NnTensor *
nn_vae_decoder_decode (NnVaeDecoder *d, const NnTensor *z, GError **error)
{
  g_return_val_if_fail (d != NULL && z != NULL, NULL);
  if (z->ndim != 2 || z->shape[1] != d->latent_dim || z->shape[0] < 1)
    {
      g_autofree char *got = nn_shape_to_string (z->ndim, z->shape, 0);
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE,
                   _("The latent points must be (n, %d), one row of %d numbers per point, not %s"),
                   d->latent_dim, d->latent_dim, got);
      return NULL;
    }
  int n = z->shape[0];
  int shape[NN_MAX_DIMS] = { n };
  memcpy (shape + 1, d->out_shape, sizeof (int) * (size_t) d->out_ndim);
  NnTensor *t = nn_tensor_new (d->out_ndim + 1, shape);
  for (int i = 0; i < n; i += d->max_batch)
    nn_vae_decoder_run (d, z->data + (size_t) i * d->latent_dim, MIN (d->max_batch, n - i),
                        t->data + (size_t) i * d->per_out);
  return t;
}

/* ---- the latent plane, walks, concept vectors --------------------------------- */

#define MAX_GRID 64

NnTensor *
nn_vae_grid_points (int latent_dim, int n, double r, int d1, int d2, const float *base,
                    GError **error)
{
  if (latent_dim < 1 || d1 < 0 || d2 < 0 || d1 >= latent_dim || d2 >= latent_dim
      || (d1 == d2 && latent_dim > 1))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE,
                   _("Pick two different latent dimensions from 1 to %d to walk (not %d and %d)"),
                   latent_dim, d1 + 1, d2 + 1);
      return NULL;
    }
  if (n < 1 || n > MAX_GRID || !(r > 0) || !isfinite (r))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE,
                   _("The latent grid takes 1 to %d points a side over a range above 0, not %d "
                   "over %g"), MAX_GRID, n, r);
      return NULL;
    }
  int shape[2] = { n * n, latent_dim };
  NnTensor *z = nn_tensor_new (2, shape);
  for (int row = 0; row < n; row++)
    for (int col = 0; col < n; col++)
      {
        float *p = z->data + ((size_t) row * n + col) * latent_dim;
        /* Centres of n equal steps from -r to r (n = 1: the centre). */
        double u = n > 1 ? -r + 2 * r * col / (n - 1) : 0;
        double v = n > 1 ? r - 2 * r * row / (n - 1) : 0;
        for (int k = 0; k < latent_dim; k++)
          p[k] = base ? base[k] : 0.0f;
        p[d1] = (float) u;
        if (latent_dim > 1)
          p[d2] = (float) v;
      }
  return z;
}

NnTensor *
nn_vae_decode_grid (NnVaeDecoder *d, int n, double r, int d1, int d2, const float *base,
                    GError **error)
{
  g_return_val_if_fail (d != NULL, NULL);
  g_autoptr (NnTensor) z = nn_vae_grid_points (d->latent_dim, n, r, d1, d2, base, error);
  if (z == NULL)
    return NULL;
  if (n * n > d->max_batch)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE,
                   _("A %d × %d grid needs a decoder for %d points; this one takes %d"),
                   n, n, n * n, d->max_batch);
      return NULL;
    }
  return nn_vae_decoder_decode (d, z, error);
}

NnTensor *
nn_vae_interpolate (const float *a, const float *b, int latent_dim, int steps)
{
  g_return_val_if_fail (a != NULL && b != NULL && latent_dim >= 1 && steps >= 2, NULL);
  int shape[2] = { steps, latent_dim };
  NnTensor *z = nn_tensor_new (2, shape);
  for (int s = 0; s < steps; s++)
    {
      double t = (double) s / (steps - 1);
      for (int k = 0; k < latent_dim; k++)
        /* Exact at both ends: a at t = 0, b at t = 1. */
        z->data[(size_t) s * latent_dim + k]
          = s == steps - 1 ? b[k] : (float) ((1 - t) * a[k] + t * b[k]);
    }
  return z;
}

gboolean
nn_vae_concept_vector (const NnTensor *codes, const int *labels, int class_a, int class_b,
                       float *v, GError **error)
{
  g_return_val_if_fail (codes != NULL && labels != NULL && v != NULL, FALSE);
  g_return_val_if_fail (codes->ndim == 2, FALSE);
  int n = codes->shape[0], dim = codes->shape[1];
  if (class_a == class_b)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE,
                   _("A concept vector goes from one class to another: pick two different "
                   "classes"));
      return FALSE;
    }
  g_autofree double *sa = g_new0 (double, dim);
  g_autofree double *sb = g_new0 (double, dim);
  int na = 0, nb = 0;
  for (int i = 0; i < n; i++)
    {
      double *s = labels[i] == class_a ? sa : labels[i] == class_b ? sb : NULL;
      if (s == NULL)
        continue;
      for (int k = 0; k < dim; k++)
        s[k] += codes->data[(size_t) i * dim + k];
      na += s == sa;
      nb += s == sb;
    }
  if (na == 0 || nb == 0)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE,
                   _("No encoded sample of class %d: a concept vector needs samples of both "
                   "classes (encode more of the test split)"), na == 0 ? class_a : class_b);
      return FALSE;
    }
  for (int k = 0; k < dim; k++)
    v[k] = (float) (sa[k] / na - sb[k] / nb);
  return TRUE;
}
