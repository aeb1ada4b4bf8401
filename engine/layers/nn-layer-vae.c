/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Sampling: the reparameterization of a variational autoencoder. Called on
 * (mean, log_var), it draws z = mean + exp(log_var / 2) eps while training
 * and gives the mean at inference; its KL term, weighted by beta, joins
 * the model's loss (nn-compile.c) and the history as kl_loss. */
#include <glib/gi18n-lib.h>

#include "nn-layer-private.h"

static const NnParamSpec sampling_params[] = {
  { "beta", NN_PARAM_FLOAT, "1", 0, 1000, NULL,
    "Weight of the KL term in the loss (0: a plain autoencoder with noise)", .runtime = 1 },
};

static gboolean
sampling_infer (const NnLayer *l, const NnShape *in, int n_in, NnShape *out, GError **error)
{
  if (n_in != 2)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE,
                   _("Sampling needs two inputs, the mean and the log-variance (in that order), but "
                   "gets %d; connect the z_mean and z_log_var layers to it"), n_in);
      return FALSE;
    }
  if (in[0].ndim != 1)
    {
      nn_layer_shape_error (error, l, "a mean of shape (batch, latent)", &in[0],
                            "add Flatten and Dense before it");
      return FALSE;
    }
  if (!nn_shape_equal (in[0].ndim, in[0].d, in[1].ndim, in[1].d))
    {
      g_autofree char *a = nn_shape_text (&in[0]);
      g_autofree char *b = nn_shape_text (&in[1]);
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE,
                   _("Sampling needs a mean and a log-variance of one shape, but the mean is %s and "
                   "the log-variance %s; give both Dense layers the same units"),
                   a, b);
      return FALSE;
    }
  *out = in[0];
  return TRUE;
}

/* The KL node is added in every graph (evaluation reports it too) and
 * keeps its bytes, since the loss sum reads it after the layers; fp[0]
 * carries beta to the compiler. The sampling op draws only while the
 * graph trains, so an inference graph gives the mean as it is. */
static int
sampling_lower (NnLowerCtx *ctx, const NnLayer *l, const int *in, int n_in, const int *w)
{
  int kl = nn_graph_add (ctx->g, NN_OP_KL, in, 2);
  NnNode *k = nn_graph_node (ctx->g, kl);
  k->fp[0] = (float) nn_layer_float (l, "beta");
  k->keep = 1;
  nn_graph_set_label (ctx->g, kl, "kl_loss");
  if (!ctx->training)
    return in[0];
  return nn_graph_add (ctx->g, NN_OP_SAMPLING, in, 2);
}

const NnLayerType nn_layer_sampling_type = {
  .name = "Sampling", .group = NN_GROUP_GENERATIVE,
  .help = N_ ("Draws z = mean + exp(log_var / 2) · ε (VAE); adds the KL term to the loss"),
  .min_inputs = 2, .max_inputs = 2,
  .params = sampling_params, .n_params = G_N_ELEMENTS (sampling_params),
  .infer = sampling_infer, .lower = sampling_lower,
};
