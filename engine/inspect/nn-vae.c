/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The parts of a variational autoencoder (nn-generate.h): where its
 * Sampling layer, mean, log-variance and decoder are, the encoder's means
 * for inputs and the decoder's images for latent points. */
#include <string.h>

#include "nn.h"

gboolean
nn_model_find_vae (const NnModel *m, NnVaeParts *parts, GError **error)
{
  g_return_val_if_fail (m != NULL && parts != NULL, FALSE);
  NnModel *mm = (NnModel *) m; /* inference fills shapes, nothing else */
  memset (parts, 0, sizeof *parts);
  parts->decoder_layer = -1;
  int sampling = -1;
  for (int i = 0; i < nn_model_get_n_layers (m) && sampling < 0; i++)
    if (g_str_equal (nn_layer_type_get_name (nn_model_layer_get_type (m, i)), "Sampling")
        && nn_model_layer_get_n_calls (m, i) > 0
        && nn_model_call_get_n_inputs (m, i, 0) == 2)
      sampling = i;
  if (sampling < 0)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                   "“%s” is not a variational autoencoder: it has no Sampling layer called on "
                   "a mean and a log-variance; add one (Generative group) after the encoder",
                   nn_model_get_name (m));
      return FALSE;
    }
  if (!nn_model_infer (mm, error))
    return FALSE;
  parts->sampling = (NnRef) { sampling, 0 };
  parts->mean = nn_model_call_get_input (m, sampling, 0, 0);
  parts->log_var = nn_model_call_get_input (m, sampling, 0, 1);
  int ndim = 0, shape[NN_MAX_DIMS];
  if (!nn_model_get_shape (m, parts->sampling, &ndim, shape) || ndim != 1)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE,
                   "%s gives no latent vector (batch, latent); give it the outputs of two Dense "
                   "layers", nn_model_layer_get_name (m, sampling));
      return FALSE;
    }
  parts->latent_dim = shape[0];
  /* The decoder: a Model layer called on the sample alone. */
  for (int i = 0; i < nn_model_get_n_layers (m) && parts->decoder_layer < 0; i++)
    {
      if (!nn_model_layer_get_submodel (m, i))
        continue;
      for (int c = 0; c < nn_model_layer_get_n_calls (m, i); c++)
        {
          NnRef in = nn_model_call_get_input (m, i, c, 0);
          if (nn_model_call_get_n_inputs (m, i, c) == 1 && in.layer == sampling && in.call == 0)
            parts->decoder_layer = i;
        }
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
                   "“%s” has no decoder that runs on its own: make the layers after the "
                   "Sampling layer a Model layer called on its output", nn_model_get_name (m));
      return NULL;
    }
  NnModel *dec = nn_model_layer_get_submodel (m, parts->decoder_layer);
  if (z->ndim != 2 || z->shape[1] != parts->latent_dim || z->shape[0] < 1)
    {
      g_autofree char *got = nn_shape_to_string (z->ndim, z->shape, 0);
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE,
                   "The latent points must be (n, %d), one row of %d numbers per point, not %s",
                   parts->latent_dim, parts->latent_dim, got);
      return NULL;
    }
  if (nn_model_get_n_inputs (dec) != 1 || nn_model_get_n_outputs (dec) < 1)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                   "The decoder %s must have one input and an output",
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
