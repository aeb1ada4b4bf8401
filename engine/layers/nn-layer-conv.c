/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Convnet layers: Conv2D, DepthwiseConv2D, SeparableConv2D, Conv2DTranspose,
 * the pooling layers, UpSampling2D, ZeroPadding2D, BatchNormalization and
 * SpatialDropout2D, and the augmentation layers (RandomFlip, RandomRotation,
 * RandomZoom, RandomTranslation, RandomBrightness). One table entry each, Keras names and defaults; images
 * are (height, width, channels) per sample. The ops are in nn-op-conv2d.c,
 * nn-op-pool.c, nn-op-resample.c, nn-op-batchnorm.c and
 * nn-op-spatial-dropout.c. */
#include <string.h>

#include <glib/gi18n-lib.h>

#include "nn-conv-private.h"
#include "nn-layer-private.h"

/* New names go at the end: a layer keeps its choice as an index. */
static const char *const activations[] = {
  "linear", "relu", "sigmoid", "tanh", "softmax", "leaky_relu", "elu", "selu", "gelu",
  "swish", "silu", "softplus", "hard_sigmoid", "exponential", NULL
};
static const char *const paddings[] = { "valid", "same", NULL };
static const char *const interpolations[] = { "nearest", NULL };

#define P_ACTIVATION(def) \
  { "activation", NN_PARAM_ENUM, def, 0, 0, activations, N_ ("Function applied to the output") }
#define P_INIT(name, def, help) \
  { name, NN_PARAM_ENUM, def, 0, 0, nn_init_names, help }
#define P_PADDING \
  { "padding", NN_PARAM_ENUM, "valid", 0, 0, paddings, \
    "valid: windows stay inside the image (it shrinks); same: zeros around keep its size" }
#define P_PAIR(name, def, lo, hi, help) \
  { name, NN_PARAM_SHAPE, def, lo, hi, NULL, help, 1, 2 }
#define P_KERNEL P_PAIR ("kernel_size", "3, 3", 1, 255, N_ ("Height and width of the window"))
#define P_STRIDES P_PAIR ("strides", "1, 1", 1, 255, N_ ("Step between windows (2 halves the size)"))
#define P_DILATION P_PAIR ("dilation_rate", "1, 1", 1, 255, \
                           N_ ("Spacing between the kernel's taps (sees wider, same weights)"))
#define P_USE_BIAS \
  { "use_bias", NN_PARAM_BOOL, "true", 0, 0, NULL, N_ ("Add a learned bias to each output channel") }
#define P_L1 { "kernel_l1", NN_PARAM_FLOAT, "0", 0, 10, NULL, N_ ("L1 penalty on the kernel (sum of |w|)") }
#define P_L2 { "kernel_l2", NN_PARAM_FLOAT, "0", 0, 10, NULL, N_ ("L2 penalty on the kernel (sum of w²)") }

/* Images beyond this many values per sample are refused (int indices). */
#define MAX_SAMPLE_VALUES ((size_t) 1 << 30)

/* ---- shared helpers ---------------------------------------------------- */

/* A (h, w) pair from a 1- or 2-entry SHAPE parameter ("3" means 3, 3). */
static void
pair (const NnLayer *l, const char *pname, int *h, int *w)
{
  int d[NN_MAX_DIMS];
  int n = nn_layer_shape (l, pname, d);
  *h = n > 0 ? d[0] : 1;
  *w = n > 1 ? d[1] : *h;
}

static gboolean
same_padding (const NnLayer *l)
{
  return g_str_equal (nn_layer_enum (l, "padding"), "same");
}

static gboolean
expect_image (const NnLayer *l, const NnShape *in, GError **error)
{
  if (in->ndim == 3)
    return TRUE;
  const char *fix = NULL;
  g_autofree char *owned = NULL;
  if (in->ndim == 1)
    {
      /* a flat vector that is a square picture: say how to reshape it */
      int side = 1;
      while ((side + 1) * (side + 1) <= in->d[0])
        side++;
      if (side * side == in->d[0])
        fix = owned = g_strdup_printf ("add Reshape with target_shape %d, %d, 1 before it",
                                       side, side);
      else
        fix = "add Reshape to (height, width, channels) before it";
    }
  else if (in->ndim == 2)
    fix = "add Reshape with a channels axis, e.g. (height, width, 1), before it";
  nn_layer_shape_error (error, l, "images (batch, height, width, channels)", in, fix);
  return FALSE;
}

static gboolean
check_size (const NnLayer *l, const NnShape *out, GError **error)
{
  size_t n = 1;
  for (int k = 0; k < out->ndim; k++)
    {
      n *= (size_t) (out->d[k] > 0 ? out->d[k] : 1);
      if (n > MAX_SAMPLE_VALUES)
        {
          g_autofree char *s = nn_shape_text (out);
          g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE,
                       _("%s would output %s, too many values per sample; use smaller sizes"),
                       l->type->name, s);
          return FALSE;
        }
    }
  return TRUE;
}

/* Output (oh, ow) of a sliding window with kernel (kh, kw); an error that
 * names the window when it does not fit the input. `what` is "kernel" or
 * "pool window". */
static gboolean
window_out (const NnLayer *l, const NnShape *in, int kh, int kw, int sh, int sw, int dh, int dw,
            gboolean same, const char *what, int *oh, int *ow, GError **error)
{
  *oh = nn_conv_out_size (in->d[0], kh, sh, dh, same, NULL);
  *ow = nn_conv_out_size (in->d[1], kw, sw, dw, same, NULL);
  if (*oh > 0 && *ow > 0)
    return TRUE;
  int eh = (kh - 1) * dh + 1, ew = (kw - 1) * dw + 1;
  if (eh != kh || ew != kw)
    g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE,
                 _("%s's %dx%d %s with dilation %dx%d spans %dx%d, larger than its %dx%d input; "
                 "use padding \"same\", a smaller %s or less dilation"),
                 l->type->name, kh, kw, what, dh, dw, eh, ew, in->d[0], in->d[1], what);
  else
    g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE,
                 _("%s's %dx%d %s is larger than its %dx%d input; "
                 "use padding \"same\" or a smaller %s"),
                 l->type->name, kh, kw, what, in->d[0], in->d[1], what);
  return FALSE;
}

static gboolean
check_stride_dilation (const NnLayer *l, int sh, int sw, int dh, int dw, GError **error)
{
  if ((sh > 1 || sw > 1) && (dh > 1 || dw > 1))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                   _("%s cannot combine strides above 1 with dilation_rate above 1 "
                   "(the windows would skip input pixels); set one of them to 1"),
                   l->type->name);
      return FALSE;
    }
  return TRUE;
}

/* Sets stride, dilation and padding parameters of a conv op node. */
static void
set_conv_ip (NnGraph *g, int node, const NnLayer *l, gboolean has_bias, gboolean relu)
{
  NnNode *n = nn_graph_node (g, node);
  pair (l, "strides", &n->ip[NN_CONV_STRIDE_H], &n->ip[NN_CONV_STRIDE_W]);
  pair (l, "dilation_rate", &n->ip[NN_CONV_DIL_H], &n->ip[NN_CONV_DIL_W]);
  n->ip[NN_CONV_SAME] = same_padding (l);
  n->ip[NN_CONV_HAS_BIAS] = has_bias;
  n->ip[NN_CONV_ACT] = relu ? NN_CONV_ACT_RELU : NN_CONV_ACT_NONE;
}

/* ReLU runs inside the convolution (one pass less over the output, one
 * buffer less); other activations follow as their own op. */
static int
lower_conv_op (NnLowerCtx *ctx, const NnLayer *l, NnOpType op, int x, int kernel, int bias,
               gboolean fuse_relu)
{
  const char *act = nn_layer_enum (l, "activation");
  gboolean relu = fuse_relu && g_str_equal (act, "relu");
  int ins[3] = { x, kernel, bias };
  int y = nn_graph_add (ctx->g, op, ins, bias >= 0 ? 3 : 2);
  set_conv_ip (ctx->g, y, l, bias >= 0, relu);
  return relu ? y : nn_lower_activation (ctx, y, act);
}

static NnWeightSpec
weight (const char *name, int ndim, const int *shape, const char *init, float l1, float l2,
        int trainable)
{
  NnWeightSpec w = { name, ndim, { 0 }, nn_init_parse (init), 0, 0, trainable, l1, l2 };
  memcpy (w.shape, shape, sizeof (int) * (size_t) ndim);
  return w;
}

static gboolean
image_same_infer (const NnLayer *l, const NnShape *in, int n_in, NnShape *out, GError **error)
{
  if (!expect_image (l, &in[0], error))
    return FALSE;
  *out = in[0];
  return TRUE;
}

/* ---- Conv2D ------------------------------------------------------------ */

static const NnParamSpec conv2d_params[] = {
  { "filters", NN_PARAM_INT, "32", 1, 65536, NULL, N_ ("Number of output channels (feature maps)") },
  P_KERNEL,
  P_STRIDES,
  P_PADDING,
  P_DILATION,
  /* relu, as for Dense: a new hidden layer should be nonlinear. */
  P_ACTIVATION ("relu"),
  P_USE_BIAS,
  P_INIT ("kernel_initializer", "glorot_uniform", N_ ("How the kernel starts")),
  P_INIT ("bias_initializer", "zeros", N_ ("How the biases start")),
  P_L1,
  P_L2,
};

static gboolean
conv2d_infer (const NnLayer *l, const NnShape *in, int n_in, NnShape *out, GError **error)
{
  int kh, kw, sh, sw, dh, dw, oh, ow;
  if (!expect_image (l, &in[0], error))
    return FALSE;
  pair (l, "kernel_size", &kh, &kw);
  pair (l, "strides", &sh, &sw);
  pair (l, "dilation_rate", &dh, &dw);
  if (!check_stride_dilation (l, sh, sw, dh, dw, error)
      || !window_out (l, &in[0], kh, kw, sh, sw, dh, dw, same_padding (l), "kernel", &oh, &ow,
                      error))
    return FALSE;
  out->ndim = 3;
  out->d[0] = oh;
  out->d[1] = ow;
  out->d[2] = nn_layer_int (l, "filters");
  return check_size (l, out, error);
}

static int
conv2d_weights (const NnLayer *l, const NnShape *in, int n_in, NnWeightSpec *w)
{
  int kh, kw, filters = nn_layer_int (l, "filters");
  pair (l, "kernel_size", &kh, &kw);
  int kshape[] = { kh, kw, in[0].d[2], filters }, bshape[] = { filters };
  w[0] = weight ("kernel", 4, kshape, nn_layer_enum (l, "kernel_initializer"),
                 (float) nn_layer_float (l, "kernel_l1"), (float) nn_layer_float (l, "kernel_l2"),
                 1);
  if (!nn_layer_bool (l, "use_bias"))
    return 1;
  w[1] = weight ("bias", 1, bshape, nn_layer_enum (l, "bias_initializer"), 0, 0, 1);
  return 2;
}

static int
conv2d_lower (NnLowerCtx *ctx, const NnLayer *l, const int *in, int n_in, const int *w)
{
  return lower_conv_op (ctx, l, NN_OP_CONV2D, in[0], w[0],
                        nn_layer_bool (l, "use_bias") ? w[1] : -1, TRUE);
}

const NnLayerType nn_layer_conv2d_type = {
  .name = "Conv2D", .group = NN_GROUP_CONVOLUTION,
  .help = N_ ("Slides learned filters over the image: each output channel is one detected pattern"),
  .min_inputs = 1, .max_inputs = 1,
  .params = conv2d_params, .n_params = G_N_ELEMENTS (conv2d_params),
  .infer = conv2d_infer, .weights = conv2d_weights, .lower = conv2d_lower,
};

/* ---- DepthwiseConv2D --------------------------------------------------- */

static const NnParamSpec depthwise_params[] = {
  P_KERNEL,
  P_STRIDES,
  P_PADDING,
  { "depth_multiplier", NN_PARAM_INT, "1", 1, 256, NULL,
    N_ ("Output channels per input channel") },
  P_DILATION,
  P_ACTIVATION ("linear"),
  P_USE_BIAS,
  P_INIT ("depthwise_initializer", "glorot_uniform", N_ ("How the kernel starts")),
  P_INIT ("bias_initializer", "zeros", N_ ("How the biases start")),
  P_L1,
  P_L2,
};

static gboolean
depthwise_infer (const NnLayer *l, const NnShape *in, int n_in, NnShape *out, GError **error)
{
  int kh, kw, sh, sw, dh, dw, oh, ow;
  if (!expect_image (l, &in[0], error))
    return FALSE;
  pair (l, "kernel_size", &kh, &kw);
  pair (l, "strides", &sh, &sw);
  pair (l, "dilation_rate", &dh, &dw);
  if (!check_stride_dilation (l, sh, sw, dh, dw, error)
      || !window_out (l, &in[0], kh, kw, sh, sw, dh, dw, same_padding (l), "kernel", &oh, &ow,
                      error))
    return FALSE;
  out->ndim = 3;
  out->d[0] = oh;
  out->d[1] = ow;
  /* in int, a product over G_MAXINT would wrap: clamped, check_size refuses it */
  gint64 channels = (gint64) in[0].d[2] * nn_layer_int (l, "depth_multiplier");
  out->d[2] = (int) MIN (channels, (gint64) G_MAXINT);
  return check_size (l, out, error);
}

static int
depthwise_weights (const NnLayer *l, const NnShape *in, int n_in, NnWeightSpec *w)
{
  int kh, kw, mult = nn_layer_int (l, "depth_multiplier");
  pair (l, "kernel_size", &kh, &kw);
  int kshape[] = { kh, kw, in[0].d[2], mult }, bshape[] = { in[0].d[2] * mult };
  w[0] = weight ("depthwise_kernel", 4, kshape, nn_layer_enum (l, "depthwise_initializer"),
                 (float) nn_layer_float (l, "kernel_l1"), (float) nn_layer_float (l, "kernel_l2"),
                 1);
  if (!nn_layer_bool (l, "use_bias"))
    return 1;
  w[1] = weight ("bias", 1, bshape, nn_layer_enum (l, "bias_initializer"), 0, 0, 1);
  return 2;
}

static int
depthwise_lower (NnLowerCtx *ctx, const NnLayer *l, const int *in, int n_in, const int *w)
{
  return lower_conv_op (ctx, l, NN_OP_DEPTHWISE_CONV2D, in[0], w[0],
                        nn_layer_bool (l, "use_bias") ? w[1] : -1, TRUE);
}

const NnLayerType nn_layer_depthwise_conv2d_type = {
  .name = "DepthwiseConv2D", .group = NN_GROUP_CONVOLUTION,
  .help = N_ ("Filters each input channel on its own (spatial patterns, no channel mixing)"),
  .min_inputs = 1, .max_inputs = 1,
  .params = depthwise_params, .n_params = G_N_ELEMENTS (depthwise_params),
  .infer = depthwise_infer, .weights = depthwise_weights, .lower = depthwise_lower,
};

/* ---- SeparableConv2D: depthwise, then a 1x1 convolution ---------------- */

static const NnParamSpec separable_params[] = {
  { "filters", NN_PARAM_INT, "32", 1, 65536, NULL, N_ ("Number of output channels (feature maps)") },
  P_KERNEL,
  P_STRIDES,
  P_PADDING,
  { "depth_multiplier", NN_PARAM_INT, "1", 1, 256, NULL,
    N_ ("Channels per input channel between the two steps") },
  P_DILATION,
  P_ACTIVATION ("linear"),
  P_USE_BIAS,
  P_INIT ("depthwise_initializer", "glorot_uniform", N_ ("How the spatial kernel starts")),
  P_INIT ("pointwise_initializer", "glorot_uniform", N_ ("How the 1x1 channel-mixing kernel starts")),
  P_INIT ("bias_initializer", "zeros", N_ ("How the biases start")),
  P_L1,
  P_L2,
};

static gboolean
separable_infer (const NnLayer *l, const NnShape *in, int n_in, NnShape *out, GError **error)
{
  if (!depthwise_infer (l, in, n_in, out, error))
    return FALSE;
  out->d[2] = nn_layer_int (l, "filters");
  return check_size (l, out, error);
}

static int
separable_weights (const NnLayer *l, const NnShape *in, int n_in, NnWeightSpec *w)
{
  int kh, kw, mult = nn_layer_int (l, "depth_multiplier"), filters = nn_layer_int (l, "filters");
  float l1 = (float) nn_layer_float (l, "kernel_l1"), l2 = (float) nn_layer_float (l, "kernel_l2");
  pair (l, "kernel_size", &kh, &kw);
  int dshape[] = { kh, kw, in[0].d[2], mult };
  int pshape[] = { 1, 1, in[0].d[2] * mult, filters }, bshape[] = { filters };
  w[0] = weight ("depthwise_kernel", 4, dshape, nn_layer_enum (l, "depthwise_initializer"), l1,
                 l2, 1);
  w[1] = weight ("pointwise_kernel", 4, pshape, nn_layer_enum (l, "pointwise_initializer"), l1,
                 l2, 1);
  if (!nn_layer_bool (l, "use_bias"))
    return 2;
  w[2] = weight ("bias", 1, bshape, nn_layer_enum (l, "bias_initializer"), 0, 0, 1);
  return 3;
}

static int
separable_lower (NnLowerCtx *ctx, const NnLayer *l, const int *in, int n_in, const int *w)
{
  int ins[2] = { in[0], w[0] };
  int dw = nn_graph_add (ctx->g, NN_OP_DEPTHWISE_CONV2D, ins, 2);
  set_conv_ip (ctx->g, dw, l, FALSE, FALSE);
  nn_graph_update_shapes (ctx->g, dw);
  /* the pointwise step: 1x1, stride 1, no padding or dilation */
  int ins2[3] = { dw, w[1], nn_layer_bool (l, "use_bias") ? w[2] : -1 };
  const char *act = nn_layer_enum (l, "activation");
  gboolean relu = g_str_equal (act, "relu");
  int y = nn_graph_add (ctx->g, NN_OP_CONV2D, ins2, ins2[2] >= 0 ? 3 : 2);
  NnNode *n = nn_graph_node (ctx->g, y);
  n->ip[NN_CONV_STRIDE_H] = n->ip[NN_CONV_STRIDE_W] = 1;
  n->ip[NN_CONV_DIL_H] = n->ip[NN_CONV_DIL_W] = 1;
  n->ip[NN_CONV_SAME] = 0;
  n->ip[NN_CONV_HAS_BIAS] = ins2[2] >= 0;
  n->ip[NN_CONV_ACT] = relu ? NN_CONV_ACT_RELU : NN_CONV_ACT_NONE;
  return relu ? y : nn_lower_activation (ctx, y, act);
}

const NnLayerType nn_layer_separable_conv2d_type = {
  .name = "SeparableConv2D", .group = NN_GROUP_CONVOLUTION,
  .help = N_ ("Depthwise filtering then 1x1 channel mixing: a Conv2D with far fewer weights"),
  .min_inputs = 1, .max_inputs = 1,
  .params = separable_params, .n_params = G_N_ELEMENTS (separable_params),
  .infer = separable_infer, .weights = separable_weights, .lower = separable_lower,
};

/* ---- Conv2DTranspose --------------------------------------------------- */

static gboolean
transpose_infer (const NnLayer *l, const NnShape *in, int n_in, NnShape *out, GError **error)
{
  int kh, kw, sh, sw, dh, dw;
  if (!expect_image (l, &in[0], error))
    return FALSE;
  pair (l, "kernel_size", &kh, &kw);
  pair (l, "strides", &sh, &sw);
  pair (l, "dilation_rate", &dh, &dw);
  if (!check_stride_dilation (l, sh, sw, dh, dw, error))
    return FALSE;
  gboolean same = same_padding (l);
  out->ndim = 3;
  out->d[0] = nn_conv_transpose_out_size (in[0].d[0], kh, sh, dh, same, NULL);
  out->d[1] = nn_conv_transpose_out_size (in[0].d[1], kw, sw, dw, same, NULL);
  out->d[2] = nn_layer_int (l, "filters");
  return check_size (l, out, error);
}

static int
transpose_weights (const NnLayer *l, const NnShape *in, int n_in, NnWeightSpec *w)
{
  int kh, kw, filters = nn_layer_int (l, "filters");
  pair (l, "kernel_size", &kh, &kw);
  /* Keras stores the transposed kernel as (kh, kw, filters, in_channels) */
  int kshape[] = { kh, kw, filters, in[0].d[2] }, bshape[] = { filters };
  w[0] = weight ("kernel", 4, kshape, nn_layer_enum (l, "kernel_initializer"),
                 (float) nn_layer_float (l, "kernel_l1"), (float) nn_layer_float (l, "kernel_l2"),
                 1);
  if (!nn_layer_bool (l, "use_bias"))
    return 1;
  w[1] = weight ("bias", 1, bshape, nn_layer_enum (l, "bias_initializer"), 0, 0, 1);
  return 2;
}

static int
transpose_lower (NnLowerCtx *ctx, const NnLayer *l, const int *in, int n_in, const int *w)
{
  /* A fused ReLU: the op masks the output gradient in a buffer of its
   * own, leaving this layer's gradient as inspectors (Grad-CAM) read it. */
  return lower_conv_op (ctx, l, NN_OP_CONV2D_TRANSPOSE, in[0], w[0],
                        nn_layer_bool (l, "use_bias") ? w[1] : -1, TRUE);
}

const NnLayerType nn_layer_conv2d_transpose_type = {
  .name = "Conv2DTranspose", .group = NN_GROUP_CONVOLUTION,
  .help = N_ ("Learned upsampling: the reverse of a strided Conv2D (decoders, generators)"),
  .min_inputs = 1, .max_inputs = 1,
  .params = conv2d_params, .n_params = G_N_ELEMENTS (conv2d_params),
  .infer = transpose_infer, .weights = transpose_weights, .lower = transpose_lower,
};

/* ---- MaxPooling2D and AveragePooling2D --------------------------------- */

static const NnParamSpec pool_params[] = {
  P_PAIR ("pool_size", "2, 2", 1, 255, N_ ("Height and width of the window")),
  { "strides", NN_PARAM_SHAPE, "", 1, 255, NULL,
    N_ ("Step between windows; empty: the pool size (windows do not overlap)"), 0, 2 },
  P_PADDING,
};

static void
pool_geometry (const NnLayer *l, int *ph, int *pw, int *sh, int *sw)
{
  pair (l, "pool_size", ph, pw);
  int d[NN_MAX_DIMS];
  if (nn_layer_shape (l, "strides", d) == 0)
    {
      *sh = *ph;
      *sw = *pw;
    }
  else
    pair (l, "strides", sh, sw);
}

static gboolean
pool_infer (const NnLayer *l, const NnShape *in, int n_in, NnShape *out, GError **error)
{
  int ph, pw, sh, sw, oh, ow;
  if (!expect_image (l, &in[0], error))
    return FALSE;
  pool_geometry (l, &ph, &pw, &sh, &sw);
  if (!window_out (l, &in[0], ph, pw, sh, sw, 1, 1, same_padding (l), "pool window", &oh, &ow,
                   error))
    return FALSE;
  out->ndim = 3;
  out->d[0] = oh;
  out->d[1] = ow;
  out->d[2] = in[0].d[2];
  return TRUE;
}

static int
pool_lower (NnLowerCtx *ctx, const NnLayer *l, const int *in, int n_in, const int *w)
{
  NnOpType op = g_str_equal (l->type->name, "MaxPooling2D") ? NN_OP_MAX_POOL2D : NN_OP_AVG_POOL2D;
  int y = nn_graph_add (ctx->g, op, in, 1);
  NnNode *n = nn_graph_node (ctx->g, y);
  pool_geometry (l, &n->ip[NN_POOL_H], &n->ip[NN_POOL_W], &n->ip[NN_POOL_STRIDE_H],
                 &n->ip[NN_POOL_STRIDE_W]);
  n->ip[NN_POOL_SAME] = same_padding (l);
  return y;
}

const NnLayerType nn_layer_max_pooling2d_type = {
  .name = "MaxPooling2D", .group = NN_GROUP_POOLING,
  .help = N_ ("Keeps the largest value of each window: halves the size, keeps strong features"),
  .min_inputs = 1, .max_inputs = 1,
  .params = pool_params, .n_params = G_N_ELEMENTS (pool_params),
  .infer = pool_infer, .lower = pool_lower,
};

const NnLayerType nn_layer_average_pooling2d_type = {
  .name = "AveragePooling2D", .group = NN_GROUP_POOLING,
  .help = N_ ("Averages each window: a smoothed, smaller image"),
  .min_inputs = 1, .max_inputs = 1,
  .params = pool_params, .n_params = G_N_ELEMENTS (pool_params),
  .infer = pool_infer, .lower = pool_lower,
};

/* ---- global pooling ---------------------------------------------------- */

static gboolean
global_pool_infer (const NnLayer *l, const NnShape *in, int n_in, NnShape *out, GError **error)
{
  if (!expect_image (l, &in[0], error))
    return FALSE;
  out->ndim = 1;
  out->d[0] = in[0].d[2];
  return TRUE;
}

static int
global_pool_lower (NnLowerCtx *ctx, const NnLayer *l, const int *in, int n_in, const int *w)
{
  NnOpType op = g_str_equal (l->type->name, "GlobalMaxPooling2D") ? NN_OP_GLOBAL_MAX_POOL2D
                                                                   : NN_OP_GLOBAL_AVG_POOL2D;
  return nn_graph_add (ctx->g, op, in, 1);
}

const NnLayerType nn_layer_global_average_pooling2d_type = {
  .name = "GlobalAveragePooling2D", .group = NN_GROUP_POOLING,
  .help = N_ ("One number per channel: its mean over the image (instead of Flatten)"),
  .min_inputs = 1, .max_inputs = 1,
  .infer = global_pool_infer, .lower = global_pool_lower,
};

const NnLayerType nn_layer_global_max_pooling2d_type = {
  .name = "GlobalMaxPooling2D", .group = NN_GROUP_POOLING,
  .help = N_ ("One number per channel: its largest value anywhere in the image"),
  .min_inputs = 1, .max_inputs = 1,
  .infer = global_pool_infer, .lower = global_pool_lower,
};

/* ---- UpSampling2D ------------------------------------------------------ */

static const NnParamSpec upsample_params[] = {
  P_PAIR ("size", "2, 2", 1, 64, N_ ("How many times each pixel is repeated down and across")),
  { "interpolation", NN_PARAM_ENUM, "nearest", 0, 0, interpolations,
    N_ ("nearest: copies of each pixel") },
};

static gboolean
upsample_infer (const NnLayer *l, const NnShape *in, int n_in, NnShape *out, GError **error)
{
  int sh, sw;
  if (!expect_image (l, &in[0], error))
    return FALSE;
  pair (l, "size", &sh, &sw);
  *out = in[0];
  /* in int, a product over G_MAXINT would wrap: clamped, check_size refuses it */
  out->d[0] = (int) MIN ((gint64) in[0].d[0] * sh, (gint64) G_MAXINT);
  out->d[1] = (int) MIN ((gint64) in[0].d[1] * sw, (gint64) G_MAXINT);
  return check_size (l, out, error);
}

static int
upsample_lower (NnLowerCtx *ctx, const NnLayer *l, const int *in, int n_in, const int *w)
{
  int y = nn_graph_add (ctx->g, NN_OP_UPSAMPLE2D, in, 1);
  NnNode *n = nn_graph_node (ctx->g, y);
  pair (l, "size", &n->ip[0], &n->ip[1]);
  return y;
}

const NnLayerType nn_layer_up_sampling2d_type = {
  .name = "UpSampling2D", .group = NN_GROUP_CONVOLUTION,
  .help = N_ ("Enlarges the image by repeating pixels"),
  .min_inputs = 1, .max_inputs = 1,
  .params = upsample_params, .n_params = G_N_ELEMENTS (upsample_params),
  .infer = upsample_infer, .lower = upsample_lower,
};

/* ---- ZeroPadding2D ----------------------------------------------------- */

static const NnParamSpec zero_pad_params[] = {
  { "padding", NN_PARAM_SHAPE, "1, 1", 0, 1024, NULL,
    N_ ("Zeros added: all sides (1 entry), rows and columns (2), or top, bottom, left, right (4)"),
    1, 4 },
};

/* top, bottom, left, right; FALSE for 3 entries */
static gboolean
zero_pad_amounts (const NnLayer *l, int *p)
{
  int d[NN_MAX_DIMS];
  int n = nn_layer_shape (l, "padding", d);
  if (n == 1)
    p[0] = p[1] = p[2] = p[3] = d[0];
  else if (n == 2)
    {
      p[0] = p[1] = d[0];
      p[2] = p[3] = d[1];
    }
  else if (n == 4)
    memcpy (p, d, 4 * sizeof (int));
  else
    return FALSE;
  return TRUE;
}

static gboolean
zero_pad_infer (const NnLayer *l, const NnShape *in, int n_in, NnShape *out, GError **error)
{
  int p[4];
  if (!expect_image (l, &in[0], error))
    return FALSE;
  if (!zero_pad_amounts (l, p))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                   _("ZeroPadding2D padding takes 1, 2 or 4 numbers "
                   "(all sides; rows, columns; or top, bottom, left, right), not 3"));
      return FALSE;
    }
  *out = in[0];
  out->d[0] += p[0] + p[1];
  out->d[1] += p[2] + p[3];
  return check_size (l, out, error);
}

static int
zero_pad_lower (NnLowerCtx *ctx, const NnLayer *l, const int *in, int n_in, const int *w)
{
  int y = nn_graph_add (ctx->g, NN_OP_ZERO_PAD2D, in, 1);
  zero_pad_amounts (l, nn_graph_node (ctx->g, y)->ip);
  return y;
}

const NnLayerType nn_layer_zero_padding2d_type = {
  .name = "ZeroPadding2D", .group = NN_GROUP_CONVOLUTION,
  .help = N_ ("Adds rows and columns of zeros around the image"),
  .min_inputs = 1, .max_inputs = 1,
  .params = zero_pad_params, .n_params = G_N_ELEMENTS (zero_pad_params),
  .infer = zero_pad_infer, .lower = zero_pad_lower,
};

/* ---- BatchNormalization ------------------------------------------------ */

static const NnParamSpec batchnorm_params[] = {
  { "momentum", NN_PARAM_FLOAT, "0.99", 0, 1, NULL,
    N_ ("How slowly the moving mean and variance follow the batches") },
  { "epsilon", NN_PARAM_FLOAT, "0.001", 1e-12, 1, NULL,
    N_ ("Added to the variance so that no division is by zero") },
  P_INIT ("gamma_initializer", "ones", N_ ("How the learned scale starts")),
  P_INIT ("beta_initializer", "zeros", N_ ("How the learned offset starts")),
  P_INIT ("moving_mean_initializer", "zeros", N_ ("How the moving mean starts")),
  P_INIT ("moving_variance_initializer", "ones", N_ ("How the moving variance starts")),
};

static gboolean
batchnorm_infer (const NnLayer *l, const NnShape *in, int n_in, NnShape *out, GError **error)
{
  if (in[0].ndim < 1)
    {
      nn_layer_shape_error (error, l, "features or images", &in[0], NULL);
      return FALSE;
    }
  *out = in[0];
  return TRUE;
}

static int
batchnorm_weights (const NnLayer *l, const NnShape *in, int n_in, NnWeightSpec *w)
{
  int cshape[] = { in[0].d[in[0].ndim - 1] };
  w[0] = weight ("gamma", 1, cshape, nn_layer_enum (l, "gamma_initializer"), 0, 0, 1);
  w[1] = weight ("beta", 1, cshape, nn_layer_enum (l, "beta_initializer"), 0, 0, 1);
  /* statistics, not learned by gradient descent */
  w[2] = weight ("moving_mean", 1, cshape, nn_layer_enum (l, "moving_mean_initializer"), 0, 0, 0);
  w[3] = weight ("moving_variance", 1, cshape, nn_layer_enum (l, "moving_variance_initializer"),
                 0, 0, 0);
  return 4;
}

static int
batchnorm_lower (NnLowerCtx *ctx, const NnLayer *l, const int *in, int n_in, const int *w)
{
  int ins[5] = { in[0], w[0], w[1], w[2], w[3] };
  int y = nn_graph_add (ctx->g, NN_OP_BATCHNORM, ins, 5);
  NnNode *n = nn_graph_node (ctx->g, y);
  n->fp[0] = (float) nn_layer_float (l, "momentum");
  n->fp[1] = (float) nn_layer_float (l, "epsilon");
  /* As in Keras, a frozen BatchNormalization normalizes with its moving
   * statistics, so fine-tuning the layers above it does not disturb them. */
  n->ip[0] = !l->trainable || ctx->frozen;
  return y;
}

const NnLayerType nn_layer_batch_normalization_type = {
  .name = "BatchNormalization", .group = NN_GROUP_NORMALIZATION,
  .help = N_ ("Normalizes each channel to mean 0 and variance 1 over the batch, then rescales"),
  .min_inputs = 1, .max_inputs = 1,
  .params = batchnorm_params, .n_params = G_N_ELEMENTS (batchnorm_params),
  .infer = batchnorm_infer, .weights = batchnorm_weights, .lower = batchnorm_lower,
};

/* ---- SpatialDropout2D -------------------------------------------------- */

static const NnParamSpec spatial_dropout_params[] = {
  { "rate", NN_PARAM_FLOAT, "0.5", 0, 0.99, NULL,
    "Fraction of whole channels set to zero at each training step", .runtime = 1 },
};

static int
spatial_dropout_lower (NnLowerCtx *ctx, const NnLayer *l, const int *in, int n_in, const int *w)
{
  if (!ctx->training)
    return in[0];
  int y = nn_graph_add (ctx->g, NN_OP_SPATIAL_DROPOUT2D, in, 1);
  nn_graph_node (ctx->g, y)->fp[0] = (float) nn_layer_float (l, "rate");
  return y;
}

const NnLayerType nn_layer_spatial_dropout2d_type = {
  .name = "SpatialDropout2D", .group = NN_GROUP_REGULARIZATION,
  .help = N_ ("Drops whole feature maps while training (neighbouring pixels are too alike for Dropout)"),
  .min_inputs = 1, .max_inputs = 1,
  .params = spatial_dropout_params, .n_params = G_N_ELEMENTS (spatial_dropout_params),
  .infer = image_same_infer, .lower = spatial_dropout_lower,
};

/* ---- augmentation: RandomFlip, RandomRotation, RandomZoom,
 * RandomTranslation, RandomBrightness (nn-augment.c). Active on training
 * batches only; at inference they are not even in the graph. ------------ */

static const char *const flip_modes[] = { "horizontal_and_vertical", "horizontal", "vertical",
                                          NULL };
static const char *const fill_modes[] = { "reflect", "constant", "nearest", NULL };

#define P_FILL_MODE \
  { "fill_mode", NN_PARAM_ENUM, "reflect", 0, 0, fill_modes, \
    "What shows where the image moved away: its mirror image, fill_value, or the edge" }
#define P_FILL_VALUE \
  { "fill_value", NN_PARAM_FLOAT, "0", -1e6, 1e6, NULL, N_ ("The value used by fill_mode constant") }

static const NnParamSpec flip_params[] = {
  { "mode", NN_PARAM_ENUM, "horizontal_and_vertical", 0, 0, flip_modes,
    N_ ("Which mirror images may be drawn (each with probability 1/2)") },
};
static const NnParamSpec rotation_params[] = {
  { "factor", NN_PARAM_FLOAT, "0.1", 0, 1, NULL,
    N_ ("Largest rotation either way, as a fraction of a full turn (0.1: 36 degrees)") },
  P_FILL_MODE,
  P_FILL_VALUE,
};
static const NnParamSpec zoom_params[] = {
  { "height_factor", NN_PARAM_FLOAT, "0.2", 0, 0.9, NULL,
    N_ ("Largest zoom in or out, as a fraction of the size (0.2: 80% to 120%)") },
  P_FILL_MODE,
  P_FILL_VALUE,
};
static const NnParamSpec translation_params[] = {
  { "height_factor", NN_PARAM_FLOAT, "0.1", 0, 1, NULL,
    N_ ("Largest shift up or down, as a fraction of the height") },
  { "width_factor", NN_PARAM_FLOAT, "0.1", 0, 1, NULL,
    N_ ("Largest shift left or right, as a fraction of the width") },
  P_FILL_MODE,
  P_FILL_VALUE,
};
static const NnParamSpec brightness_params[] = {
  { "factor", NN_PARAM_FLOAT, "0.2", 0, 1, NULL,
    N_ ("Largest brightness change, as a fraction of the value range") },
  { "value_min", NN_PARAM_FLOAT, "0", -1e6, 1e6, NULL, N_ ("Lowest pixel value (results are clipped)") },
  { "value_max", NN_PARAM_FLOAT, "1", -1e6, 1e6, NULL, N_ ("Highest pixel value (results are clipped)") },
};

static int
fill_mode (const NnLayer *l)
{
  const char *m = nn_layer_enum (l, "fill_mode");
  return g_str_equal (m, "constant") ? NN_FILL_CONSTANT
         : g_str_equal (m, "nearest") ? NN_FILL_NEAREST : NN_FILL_REFLECT;
}

static gboolean
brightness_infer (const NnLayer *l, const NnShape *in, int n_in, NnShape *out, GError **error)
{
  if (nn_layer_float (l, "value_max") <= nn_layer_float (l, "value_min"))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                   _("RandomBrightness needs value_max above value_min"));
      return FALSE;
    }
  return image_same_infer (l, in, n_in, out, error);
}

static int
augment_lower (NnLowerCtx *ctx, const NnLayer *l, const int *in, int n_in, const int *w)
{
  if (!ctx->training)
    return in[0];
  int y = nn_graph_add (ctx->g, NN_OP_AUGMENT, in, 1);
  NnNode *n = nn_graph_node (ctx->g, y);
  const char *name = l->type->name;
  if (g_str_equal (name, "RandomFlip"))
    {
      const char *mode = nn_layer_enum (l, "mode");
      n->ip[NN_AUG_KIND] = NN_AUG_FLIP;
      n->ip[NN_AUG_FLIP_H] = !g_str_equal (mode, "vertical");
      n->ip[NN_AUG_FLIP_V] = !g_str_equal (mode, "horizontal");
      return y;
    }
  if (g_str_equal (name, "RandomBrightness"))
    {
      n->ip[NN_AUG_KIND] = NN_AUG_BRIGHTNESS;
      n->fp[0] = (float) nn_layer_float (l, "factor");
      n->fp[2] = (float) nn_layer_float (l, "value_min");
      n->fp[3] = (float) nn_layer_float (l, "value_max");
      return y;
    }
  n->ip[NN_AUG_FILL] = fill_mode (l);
  n->fp[2] = (float) nn_layer_float (l, "fill_value");
  if (g_str_equal (name, "RandomRotation"))
    {
      n->ip[NN_AUG_KIND] = NN_AUG_ROTATION;
      n->fp[0] = (float) nn_layer_float (l, "factor");
    }
  else if (g_str_equal (name, "RandomZoom"))
    {
      n->ip[NN_AUG_KIND] = NN_AUG_ZOOM;
      n->fp[0] = (float) nn_layer_float (l, "height_factor");
    }
  else
    {
      n->ip[NN_AUG_KIND] = NN_AUG_TRANSLATION;
      n->fp[0] = (float) nn_layer_float (l, "height_factor");
      n->fp[1] = (float) nn_layer_float (l, "width_factor");
    }
  return y;
}

#define AUGMENT_TYPE(var, cls, help_text, params_array, infer_fn) \
  const NnLayerType var = { \
    .name = cls, .group = NN_GROUP_REGULARIZATION, .help = help_text, \
    .min_inputs = 1, .max_inputs = 1, \
    .params = params_array, .n_params = G_N_ELEMENTS (params_array), \
    .infer = infer_fn, .lower = augment_lower, \
  }

AUGMENT_TYPE (nn_layer_random_flip_type, "RandomFlip",
              N_ ("Training only: mirrors images at random, so the model sees more variety"),
              flip_params, image_same_infer);
AUGMENT_TYPE (nn_layer_random_rotation_type, "RandomRotation",
              N_ ("Training only: turns images by a random angle"), rotation_params,
              image_same_infer);
AUGMENT_TYPE (nn_layer_random_zoom_type, "RandomZoom",
              N_ ("Training only: zooms images in or out at random"), zoom_params, image_same_infer);
AUGMENT_TYPE (nn_layer_random_translation_type, "RandomTranslation",
              N_ ("Training only: shifts images by a random amount"), translation_params,
              image_same_infer);
AUGMENT_TYPE (nn_layer_random_brightness_type, "RandomBrightness",
              N_ ("Training only: makes images randomly brighter or darker"), brightness_params,
              brightness_infer);
