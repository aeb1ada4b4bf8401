/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ONNX mappings of the core and image layers: Dense, Activation, the
 * identities of inference (Dropout, the augmentation layers, Sampling),
 * Flatten, Reshape, the merges, the convolutions, pooling, UpSampling2D,
 * ZeroPadding2D and BatchNormalization. Our kernels are Keras's
 * (kh, kw, in, out); ONNX's Conv wants (out, in, kh, kw) on channels-first
 * images, so kernels are rearranged as they are written. */
#include <string.h>

#include "nn-conv-private.h"
#include "nn-export-onnx-private.h"

/* The layer's output in layout lay, after its activation (parameter
 * "activation") on pre. */
static gboolean
finish (OxCall *k, const char *pre, OxLayout lay, GError **error)
{
  const char *act = nn_layer_enum (k->l, "activation");
  k->out->name[lay] = ox_name (k, "out");
  return ox_activation (k, act, pre, lay, k->out->ndim + 1, k->out->name[lay], error);
}

/* A (h, w) pair from a 1- or 2-entry shape parameter. */
static void
pair (const NnLayer *l, const char *pname, int *h, int *w)
{
  int d[NN_MAX_DIMS];
  int n = nn_layer_shape (l, pname, d);
  *h = n > 0 ? d[0] : 1;
  *w = n > 1 ? d[1] : *h;
}

/* ---- Dense, Activation and the identities ------------------------------ */

static gboolean
dense (OxCall *k, GError **error)
{
  gboolean bias = nn_layer_bool (k->l, "use_bias");
  const char *x = ox_get (k->c, k->in[0], OX_LAST);
  g_autofree char *w = ox_weight_init (k, 0);
  g_autofree char *b = bias ? ox_weight_init (k, 1) : NULL;
  g_autofree char *pre = ox_name (k, "linear");
  if (k->in[0]->ndim == 1)
    {
      /* (batch, in) (in, units) + (units) */
      const char *ins[3] = { x, w, b };
      ox_node_begin (k->c, "Gemm", ins, bias ? 3 : 2, (const char *const *) &pre, 1);
      ox_node_end (k->c);
    }
  else if (bias)
    {
      /* on the last axis of a sequence, step by step */
      g_autofree char *mm = ox_name (k, "matmul");
      ox_binary (k->c, "MatMul", x, w, mm);
      ox_binary (k->c, "Add", mm, b, pre);
    }
  else
    ox_binary (k->c, "MatMul", x, w, pre);
  return finish (k, pre, OX_LAST, error);
}

static gboolean
activation (OxCall *k, GError **error)
{
  OxLayout lay = ox_have (k->in[0]);
  return finish (k, k->in[0]->name[lay], lay, error);
}

/* Layers that do nothing at inference (Dropout, the augmentation layers)
 * or pass their first input (Sampling: the mean) share its names. */
static gboolean
identity (OxCall *k, GError **error)
{
  for (int lay = 0; lay < 2; lay++)
    k->out->name[lay] = g_strdup (k->in[0]->name[lay]);
  return TRUE;
}

/* ---- Flatten, Reshape and the merges ------------------------------------ */

static gboolean
flatten (OxCall *k, GError **error)
{
  /* channels-last, as ours: the same order of values */
  const char *x = ox_get (k->c, k->in[0], OX_LAST);
  k->out->name[OX_LAST] = ox_name (k, "out");
  ox_node_begin (k->c, "Flatten", &x, 1, (const char *const *) &k->out->name[OX_LAST], 1);
  ox_attr_int (k->c, "axis", 1);
  ox_node_end (k->c);
  return TRUE;
}

static gboolean
reshape (OxCall *k, GError **error)
{
  gint64 shape[NN_MAX_DIMS + 1] = { 0 };   /* 0: the batch, as it is */
  for (int i = 0; i < k->out->ndim; i++)
    shape[i + 1] = k->out->d[i];
  g_autofree char *s = ox_const_ints (k, "shape", shape, k->out->ndim + 1);
  const char *ins[2] = { ox_get (k->c, k->in[0], OX_LAST), s };
  k->out->name[OX_LAST] = ox_name (k, "out");
  ox_node_begin (k->c, "Reshape", ins, 2, (const char *const *) &k->out->name[OX_LAST], 1);
  ox_node_end (k->c);
  return TRUE;
}

static gboolean
merge (OxCall *k, GError **error)
{
  const char *cls = k->l->type->name;
  OxLayout lay = ox_have (k->in[0]);
  g_autofree const char **ins = g_new (const char *, k->n_in);
  for (int i = 0; i < k->n_in; i++)
    ins[i] = ox_get (k->c, k->in[i], lay);
  k->out->name[lay] = ox_name (k, "out");
  const char *out = k->out->name[lay];
  if (g_str_equal (cls, "Multiply"))
    {
      /* Mul takes two inputs: a chain */
      g_autofree char *acc = g_strdup (ins[0]);
      for (int i = 1; i < k->n_in; i++)
        {
          char *next = i == k->n_in - 1 ? g_strdup (out) : ox_name (k, "product");
          ox_binary (k->c, "Mul", acc, ins[i], next);
          g_free (acc);
          acc = next;
        }
      return TRUE;
    }
  ox_node_begin (k->c, g_str_equal (cls, "Add") ? "Sum" : "Concat", ins, k->n_in, &out, 1);
  if (g_str_equal (cls, "Concatenate"))
    ox_attr_int (k->c, "axis", lay == OX_FIRST && k->out->ndim > 1 ? 1 : -1);
  ox_node_end (k->c);
  return TRUE;
}

/* ---- convolutions --------------------------------------------------------- */

/* pads (top, left, bottom, right) and strides/dilations of a window of
 * size kh x kw on the layer's input, Keras's "same" or "valid". */
typedef struct {
  gint64 kernel[2], strides[2], dilations[2], pads[4];
} Window;

static Window
window (OxCall *k, int kh, int kw, int sh, int sw, int dh, int dw)
{
  Window q = { { kh, kw }, { sh, sw }, { dh, dw }, { 0 } };
  gboolean same = g_str_equal (nn_layer_enum (k->l, "padding"), "same");
  const int *in = k->in[0]->d;
  int ks[2] = { kh, kw }, ss[2] = { sh, sw }, ds[2] = { dh, dw };
  for (int a = 0; a < 2; a++)
    {
      int before = 0;
      int out = nn_conv_out_size (in[a], ks[a], ss[a], ds[a], same, &before);
      int total = same ? (out - 1) * ss[a] + (ks[a] - 1) * ds[a] + 1 - in[a] : 0;
      q.pads[a] = before;
      q.pads[a + 2] = MAX (total - before, 0);
    }
  return q;
}

static void
window_attrs (OxCtx *c, const Window *q, gboolean dilations)
{
  ox_attr_ints (c, "kernel_shape", q->kernel, 2);
  ox_attr_ints (c, "strides", q->strides, 2);
  if (dilations)
    ox_attr_ints (c, "dilations", q->dilations, 2);
  ox_attr_ints (c, "pads", q->pads, 4);
}

static Window
conv_window (OxCall *k)
{
  int kh, kw, sh, sw, dh, dw;
  pair (k->l, "kernel_size", &kh, &kw);
  pair (k->l, "strides", &sh, &sw);
  pair (k->l, "dilation_rate", &dh, &dw);
  return window (k, kh, kw, sh, sw, dh, dw);
}

/* (kh, kw, a, b) -> (b, a, kh, kw): Conv's (out, in, kh, kw) from a Keras
 * kernel, ConvTranspose's (in, out, kh, kw) from a transposed one's. */
static char *
kernel_init (OxCall *k, int w)
{
  NnTensor view;
  const float *src = ox_weight (k, w, &view);
  int kh = view.shape[0], kw = view.shape[1], a = view.shape[2], b = view.shape[3];
  g_autofree float *dst = g_new (float, view.size);
  for (int y = 0; y < kh; y++)
    for (int x = 0; x < kw; x++)
      for (int i = 0; i < a; i++)
        for (int o = 0; o < b; o++)
          {
            dst[(((size_t) o * a + i) * kh + y) * kw + x] = src[(((size_t) y * kw + x) * a + i) * b + o];
          }
  gint64 dims[4] = { b, a, kh, kw };
  return ox_weight_init_as (k, w, dims, 4, dst);
}

/* A Conv node on channels-first x; returns its output's name. */
static char *
conv_node (OxCall *k, const char *x, const char *w, const char *b, const Window *q,
           gint64 group, const char *what)
{
  char *y = ox_name (k, what);
  const char *ins[3] = { x, w, b };
  ox_node_begin (k->c, "Conv", ins, b ? 3 : 2, (const char *const *) &y, 1);
  window_attrs (k->c, q, TRUE);
  if (group > 1)
    ox_attr_int (k->c, "group", group);
  ox_node_end (k->c);
  return y;
}

static gboolean
conv2d (OxCall *k, GError **error)
{
  Window q = conv_window (k);
  g_autofree char *w = kernel_init (k, 0);
  g_autofree char *b = nn_layer_bool (k->l, "use_bias") ? ox_weight_init (k, 1) : NULL;
  const char *x = ox_get (k->c, k->in[0], OX_FIRST);
  g_autofree char *y = conv_node (k, x, w, b, &q, 1, "conv");
  return finish (k, y, OX_FIRST, error);
}

/* Keras's depthwise kernel (kh, kw, in, mult) as a grouped convolution's
 * (in mult, 1, kh, kw): output channel c mult + m filters input c. */
static char *
depthwise_kernel (OxCall *k, int w)
{
  NnTensor view;
  ox_weight (k, w, &view);
  gint64 dims[4] = { (gint64) view.shape[2] * view.shape[3], 1, view.shape[0], view.shape[1] };
  g_autofree float *dst = g_new (float, view.size);
  int kh = view.shape[0], kw = view.shape[1], cin = view.shape[2], mult = view.shape[3];
  for (int y = 0; y < kh; y++)
    for (int x = 0; x < kw; x++)
      for (int c = 0; c < cin; c++)
        for (int m = 0; m < mult; m++)
          dst[(((size_t) c * mult + m) * kh + y) * kw + x]
            = view.data[(((size_t) y * kw + x) * cin + c) * mult + m];
  return ox_weight_init_as (k, w, dims, 4, dst);
}

static gboolean
depthwise (OxCall *k, GError **error)
{
  Window q = conv_window (k);
  g_autofree char *w = depthwise_kernel (k, 0);
  g_autofree char *b = nn_layer_bool (k->l, "use_bias") ? ox_weight_init (k, 1) : NULL;
  const char *x = ox_get (k->c, k->in[0], OX_FIRST);
  g_autofree char *y = conv_node (k, x, w, b, &q, k->in[0]->d[2], "depthwise");
  return finish (k, y, OX_FIRST, error);
}

static gboolean
separable (OxCall *k, GError **error)
{
  Window q = conv_window (k);
  Window one = { { 1, 1 }, { 1, 1 }, { 1, 1 }, { 0 } };
  g_autofree char *dw = depthwise_kernel (k, 0);
  g_autofree char *pw = kernel_init (k, 1);
  g_autofree char *b = nn_layer_bool (k->l, "use_bias") ? ox_weight_init (k, 2) : NULL;
  const char *x = ox_get (k->c, k->in[0], OX_FIRST);
  g_autofree char *mid = conv_node (k, x, dw, NULL, &q, k->in[0]->d[2], "depthwise");
  g_autofree char *y = conv_node (k, mid, pw, b, &one, 1, "pointwise");
  return finish (k, y, OX_FIRST, error);
}

static gboolean
conv_transpose (OxCall *k, GError **error)
{
  int kh, kw, sh, sw, dh, dw;
  pair (k->l, "kernel_size", &kh, &kw);
  pair (k->l, "strides", &sh, &sw);
  pair (k->l, "dilation_rate", &dh, &dw);
  gboolean same = g_str_equal (nn_layer_enum (k->l, "padding"), "same");
  int ks[2] = { kh, kw }, ss[2] = { sh, sw }, ds[2] = { dh, dw };
  Window q = { { kh, kw }, { sh, sw }, { dh, dw }, { 0 } };
  gint64 extra[2] = { 0, 0 };
  for (int a = 0; a < 2; a++)
    {
      /* ONNX: out = s (in - 1) + ext + output_padding - pads; the padding
       * before is that of the convolution this one reverses. */
      int before = 0, in = k->in[0]->d[a];
      int out = nn_conv_transpose_out_size (in, ks[a], ss[a], ds[a], same, &before);
      int natural = ss[a] * (in - 1) + (ks[a] - 1) * ds[a] + 1;
      q.pads[a] = before;
      int after = natural - before - out;
      q.pads[a + 2] = MAX (after, 0);
      extra[a] = after < 0 ? -after : 0;
    }
  /* Keras's (kh, kw, filters, in) -> ONNX's (in, filters, kh, kw) */
  g_autofree char *w = kernel_init (k, 0);
  g_autofree char *b = nn_layer_bool (k->l, "use_bias") ? ox_weight_init (k, 1) : NULL;
  const char *x = ox_get (k->c, k->in[0], OX_FIRST);
  g_autofree char *y = ox_name (k, "conv_transpose");
  const char *ins[3] = { x, w, b };
  ox_node_begin (k->c, "ConvTranspose", ins, b ? 3 : 2, (const char *const *) &y, 1);
  window_attrs (k->c, &q, TRUE);
  if (extra[0] || extra[1])
    ox_attr_ints (k->c, "output_padding", extra, 2);
  ox_node_end (k->c);
  return finish (k, y, OX_FIRST, error);
}

/* ---- pooling, resizing, padding, batch norm ------------------------------ */

static gboolean
pool2d (OxCall *k, GError **error)
{
  int ph, pw, sh, sw, d[NN_MAX_DIMS];
  pair (k->l, "pool_size", &ph, &pw);
  if (nn_layer_shape (k->l, "strides", d) == 0)
    sh = ph, sw = pw;
  else
    pair (k->l, "strides", &sh, &sw);
  Window q = window (k, ph, pw, sh, sw, 1, 1);
  gboolean max = g_str_equal (k->l->type->name, "MaxPooling2D");
  const char *x = ox_get (k->c, k->in[0], OX_FIRST);
  k->out->name[OX_FIRST] = ox_name (k, "out");
  ox_node_begin (k->c, max ? "MaxPool" : "AveragePool", &x, 1,
                 (const char *const *) &k->out->name[OX_FIRST], 1);
  window_attrs (k->c, &q, FALSE);
  if (!max)
    ox_attr_int (k->c, "count_include_pad", 0);   /* Keras averages what is inside */
  ox_node_end (k->c);
  return TRUE;
}

/* Global pooling of images or sequences: the mean or max over every axis
 * but the batch and the channels. */
static gboolean
global_pool (OxCall *k, GError **error)
{
  OxLayout lay = ox_have (k->in[0]);
  int n = k->in[0]->ndim - 1;
  gint64 axes[NN_MAX_DIMS];
  for (int i = 0; i < n; i++)
    axes[i] = lay == OX_FIRST ? 2 + i : 1 + i;
  const char *x = k->in[0]->name[lay];
  k->out->name[OX_LAST] = ox_name (k, "out");
  gboolean max = strstr (k->l->type->name, "Max") != NULL;
  ox_node_begin (k->c, max ? "ReduceMax" : "ReduceMean", &x, 1,
                 (const char *const *) &k->out->name[OX_LAST], 1);
  ox_attr_ints (k->c, "axes", axes, n);
  ox_attr_int (k->c, "keepdims", 0);
  ox_node_end (k->c);
  return TRUE;
}

static gboolean
upsample (OxCall *k, GError **error)
{
  int sh, sw;
  pair (k->l, "size", &sh, &sw);
  float scales[4] = { 1, 1, (float) sh, (float) sw };
  g_autofree char *s = ox_const_floats (k, "scales", scales, 4);
  const char *ins[3] = { ox_get (k->c, k->in[0], OX_FIRST), "", s };
  k->out->name[OX_FIRST] = ox_name (k, "out");
  ox_node_begin (k->c, "Resize", ins, 3, (const char *const *) &k->out->name[OX_FIRST], 1);
  /* each output pixel copies input pixel floor (y / s): repetition */
  ox_attr_string (k->c, "mode", "nearest");
  ox_attr_string (k->c, "coordinate_transformation_mode", "asymmetric");
  ox_attr_string (k->c, "nearest_mode", "floor");
  ox_node_end (k->c);
  return TRUE;
}

static gboolean
zero_pad (OxCall *k, GError **error)
{
  int d[NN_MAX_DIMS], p[4];
  int n = nn_layer_shape (k->l, "padding", d);
  p[0] = p[1] = d[0];
  p[2] = p[3] = n >= 2 ? d[1] : d[0];
  if (n == 4)
    memcpy (p, d, sizeof p);
  /* channels-last (batch, h, w, c): begins then ends */
  gint64 pads[8] = { 0, p[0], p[2], 0, 0, p[1], p[3], 0 };
  g_autofree char *s = ox_const_ints (k, "pads", pads, 8);
  const char *ins[2] = { ox_get (k->c, k->in[0], OX_LAST), s };
  k->out->name[OX_LAST] = ox_name (k, "out");
  ox_node_begin (k->c, "Pad", ins, 2, (const char *const *) &k->out->name[OX_LAST], 1);
  ox_node_end (k->c);
  return TRUE;
}

static gboolean
batchnorm (OxCall *k, GError **error)
{
  /* channels on axis 1: as they are for (batch, features) */
  OxLayout lay = k->in[0]->ndim > 1 ? OX_FIRST : OX_LAST;
  const char *ins[5] = { ox_get (k->c, k->in[0], lay) };
  char *w[4];
  for (int i = 0; i < 4; i++)
    ins[i + 1] = w[i] = ox_weight_init (k, i);   /* gamma, beta, moving mean, variance */
  k->out->name[lay] = ox_name (k, "out");
  ox_node_begin (k->c, "BatchNormalization", ins, 5,
                 (const char *const *) &k->out->name[lay], 1);
  ox_attr_float (k->c, "epsilon", (float) nn_layer_float (k->l, "epsilon"));
  ox_node_end (k->c);
  for (int i = 0; i < 4; i++)
    g_free (w[i]);
  return TRUE;
}

/* ---- the table ------------------------------------------------------------ */

OxLayerFn
ox_layer_lookup (const char *cls)
{
  static const struct { const char *cls; OxLayerFn fn; } map[] = {
    { "Dense", dense }, { "TimeDistributed", dense }, { "Activation", activation }, { "Dropout", identity },
    { "SpatialDropout2D", identity }, { "RandomFlip", identity },
    { "RandomRotation", identity }, { "RandomZoom", identity },
    { "RandomTranslation", identity }, { "RandomBrightness", identity },
    { "Sampling", identity }, { "Flatten", flatten }, { "Reshape", reshape },
    { "Add", merge }, { "Multiply", merge }, { "Concatenate", merge },
    { "Conv2D", conv2d }, { "DepthwiseConv2D", depthwise }, { "SeparableConv2D", separable },
    { "Conv2DTranspose", conv_transpose }, { "MaxPooling2D", pool2d },
    { "AveragePooling2D", pool2d }, { "GlobalAveragePooling2D", global_pool },
    { "GlobalMaxPooling2D", global_pool }, { "GlobalAveragePooling1D", global_pool },
    { "GlobalMaxPooling1D", global_pool }, { "UpSampling2D", upsample },
    { "ZeroPadding2D", zero_pad }, { "BatchNormalization", batchnorm },
  };
  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    if (g_str_equal (map[i].cls, cls))
      return map[i].fn;
  return NULL;
}
