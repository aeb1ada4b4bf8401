/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A filter grid's last convolution, one channel per image: when the layer
 * whose filters are drawn is a convolution (with no activation or a ReLU),
 * image b only needs channel c_b of it. The graph runs up to the
 * convolution's input for the whole batch; the one channel's values and
 * their gradient are computed here, directly, and the backward pass starts
 * from the convolution's input. For the classic convnet's second layer
 * (64 filters) that skips 63 of every 64 multiply-adds of its forward and
 * backward passes. The result is the gradient the whole graph gives, up to
 * the order of float additions. */
#include <string.h>
#include <glib/gi18n-lib.h>

#include "nn.h"
#include "nn-graph-private.h"
#include "nn-conv-private.h"
#include "nn-inspect-private.h"

/* The nodes of probe in c when it is a plain convolution, optionally
 * followed by (or fused with) a ReLU; FALSE otherwise. */
static gboolean
find_conv (NnCompiled *c, int probe_node, NnSlicedConv *s)
{
  NnGraph *g = c->g;
  NnNode *n = nn_graph_node (g, probe_node);
  s->relu = FALSE;
  if (n->op == NN_OP_RELU && n->n_in == 1)
    {
      s->relu = TRUE;
      probe_node = n->in[0];
      n = nn_graph_node (g, probe_node);
    }
  if (n->op != NN_OP_CONV2D || n->ip[NN_CONV_POOL] != 0 || n->computed_by_input || n->ndim != 4)
    return FALSE;
  if (n->ip[NN_CONV_ACT] == NN_CONV_ACT_RELU)
    s->relu = TRUE;
  else if (n->ip[NN_CONV_ACT] != NN_CONV_ACT_NONE)
    return FALSE;
  if (nn_graph_node (g, n->in[0])->ndim != 4 || nn_graph_node (g, n->in[1])->ndim != 4)
    return FALSE;
  s->conv = probe_node;
  s->x = n->in[0];
  s->input = c->input_nodes[0];
  return TRUE;
}

gboolean
nn_sliced_conv_find (NnInspector *in, int probe, int batch, NnSlicedConv *s, GError **error)
{
  memset (s, 0, sizeof *s);
  s->probe = probe;
  NnCompiled *c = nn_inspector_gradient_graph (in, batch, error);
  if (c == NULL)
    return FALSE;
  s->ok = find_conv (c, nn_inspector_probe_node (in, c, probe), s);
  return TRUE;
}

/* Channel ch of the convolution of image b: the mean of the layer's
 * output for that channel into *mean, and the gradient of that mean added
 * into dx (the image's share of the convolution's input, zeroed by the
 * caller). A ReLU channel that is zero everywhere takes the gradient of its
 * mean before the ReLU instead, so that it can climb out (as the pre-ReLU
 * twin of nn_inspector_filters does). y gets OH * OW floats of scratch, wc
 * kh * kw * C. */
static void
one_channel (const NnNode *xn, const NnNode *cn, const NnNode *wn, const float *bias, int b,
             int ch, gboolean relu, float *wc, float *y, float *dx, double *mean)
{
  int H = xn->shape[1], W = xn->shape[2], C = xn->shape[3];
  int OH = cn->shape[1], OW = cn->shape[2], K = cn->shape[3];
  int kh = wn->shape[0], kw = wn->shape[1];
  int sh = cn->ip[NN_CONV_STRIDE_H], sw = cn->ip[NN_CONV_STRIDE_W];
  int dh = cn->ip[NN_CONV_DIL_H], dw = cn->ip[NN_CONV_DIL_W];
  int pt = cn->ip[NN_CONV_PAD_TOP], pl = cn->ip[NN_CONV_PAD_LEFT];
  size_t tap = (size_t) C;
  /* the channel's kernel, contiguous: (kh, kw, C) */
  for (int t = 0; t < kh * kw; t++)
    for (int ci = 0; ci < C; ci++)
      wc[(size_t) t * tap + (size_t) ci] = wn->value[((size_t) t * (size_t) C + (size_t) ci)
                                                     * (size_t) K + (size_t) ch];
  const float *x = xn->value + (size_t) b * (size_t) H * (size_t) W * (size_t) C;
  float b0 = bias ? bias[ch] : 0.0f;
  int P = OH * OW;
  double sum = 0;
  gboolean alive = !relu;
  for (int oy = 0; oy < OH; oy++)
    for (int ox = 0; ox < OW; ox++)
      {
        float s = b0;
        for (int ky = 0; ky < kh; ky++)
          {
            int iy = oy * sh - pt + ky * dh;
            if (iy < 0 || iy >= H)
              continue;
            for (int kx = 0; kx < kw; kx++)
              {
                int ix = ox * sw - pl + kx * dw;
                if (ix < 0 || ix >= W)
                  continue;
                const float *xp = x + ((size_t) iy * (size_t) W + (size_t) ix) * tap;
                const float *wp = wc + (size_t) (ky * kw + kx) * tap;
                for (int ci = 0; ci < C; ci++)
                  s += xp[ci] * wp[ci];
              }
          }
        y[oy * OW + ox] = s;
        if (relu)
          {
            if (s > 0)
              {
                sum += s;
                alive = TRUE;
              }
          }
        else
          sum += s;
      }
  *mean = sum / (double) P;
  float *d = dx + (size_t) b * (size_t) H * (size_t) W * (size_t) C;
  float g = 1.0f / (float) P;
  for (int oy = 0; oy < OH; oy++)
    for (int ox = 0; ox < OW; ox++)
      {
        if (relu && alive && !(y[oy * OW + ox] > 0))
          continue;
        for (int ky = 0; ky < kh; ky++)
          {
            int iy = oy * sh - pt + ky * dh;
            if (iy < 0 || iy >= H)
              continue;
            for (int kx = 0; kx < kw; kx++)
              {
                int ix = ox * sw - pl + kx * dw;
                if (ix < 0 || ix >= W)
                  continue;
                float *dp = d + ((size_t) iy * (size_t) W + (size_t) ix) * tap;
                const float *wp = wc + (size_t) (ky * kw + kx) * tap;
                for (int ci = 0; ci < C; ci++)
                  dp[ci] += g * wp[ci];
              }
          }
      }
}

NnTensor *
nn_sliced_conv_gradient (NnInspector *in, const NnSlicedConv *s, const NnTensor *images,
                         const int *channels, double *means, GError **error)
{
  int n = images->shape[0];
  NnCompiled *c = nn_inspector_gradient_graph (in, n, error);
  if (c == NULL)
    return NULL;
  /* The graph may have been compiled again for a larger batch. */
  NnSlicedConv now;
  if (!find_conv (c, nn_inspector_probe_node (in, c, s->probe), &now))
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("Layer number %d is no longer a convolution"), s->probe);
      return NULL;
    }
  NnGraph *g = c->g;
  NnNode *xn = nn_graph_node (g, now.x), *cn = nn_graph_node (g, now.conv);
  NnNode *wn = nn_graph_node (g, cn->in[1]);
  const float *bias = cn->ip[NN_CONV_HAS_BIAS] && cn->n_in > 2
                          ? nn_graph_node (g, cn->in[2])->value : NULL;
  NnNode *input = nn_graph_node (g, now.input);
  size_t per_in = images->size / (size_t) n;
  g_autoptr (NnTensor) grad = nn_tensor_new (images->ndim, images->shape);
  int chunk = MAX (in->grad_batch, 1);
  for (int i = 0; i < n; i += chunk)
    {
      int bn = MIN (chunk, n - i);
      nn_graph_set_batch (g, bn);
      memcpy (input->value, images->data + (size_t) i * per_in,
              (size_t) bn * per_in * sizeof (float));
      nn_graph_forward_to (g, now.x);
      size_t per_x = xn->size / (size_t) bn;
      g_autofree float *dx = g_new0 (float, (size_t) bn * per_x);
      g_autofree float *wc = g_new (float, (size_t) wn->shape[0] * (size_t) wn->shape[1]
                                               * (size_t) xn->shape[3]);
      g_autofree float *y = g_new (float, (size_t) cn->shape[1] * (size_t) cn->shape[2]);
      for (int b = 0; b < bn; b++)
        {
          double mean = 0;
          one_channel (xn, cn, wn, bias, b, channels[i + b], now.relu, wc, y, dx, &mean);
          if (means)
            means[i + b] = mean;
        }
      float *out = grad->data + (size_t) i * per_in;
      if (now.x == now.input)
        memcpy (out, dx, (size_t) bn * per_x * sizeof (float));
      else
        {
          nn_graph_backward_seeded (g, now.x, dx, now.input);
          if (input->grad)
            memcpy (out, input->grad, (size_t) bn * per_in * sizeof (float));
        }
    }
  return g_steal_pointer (&grad);
}
