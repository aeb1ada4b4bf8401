/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Convnet ops: how their inputs and integer parameters are laid out, and the
 * output-size arithmetic shared by the ops (nn-op-conv2d.c, nn-op-pool.c,
 * nn-op-resample.c, nn-op-batchnorm.c) and the layers (nn-layer-conv.c).
 *
 * Every image tensor is channels-last (B, H, W, C).
 *
 * NN_OP_CONV2D            in: x (B,H,W,Cin), W (kh,kw,Cin,Cout), [b (Cout)]
 * NN_OP_DEPTHWISE_CONV2D  in: x (B,H,W,C),   W (kh,kw,C,M),      [b (C*M)]
 * NN_OP_CONV2D_TRANSPOSE  in: x (B,H,W,Cin), W (kh,kw,Cout,Cin), [b (Cout)]
 *   ip[NN_CONV_STRIDE_H..] as named below; the shape rule fills the pads.
 *   ip[NN_CONV_ACT] fuses an activation into the op (NN_CONV_ACT_RELU):
 *   y = relu (conv + b), so no separate activation buffer is needed.
 * NN_OP_MAX_POOL2D, NN_OP_AVG_POOL2D  in: x; ip: pool h/w, stride h/w, same
 * NN_OP_GLOBAL_AVG_POOL2D, NN_OP_GLOBAL_MAX_POOL2D  in: x; y (B, C)
 * NN_OP_UPSAMPLE2D        in: x; ip[0], ip[1]: size h, w (nearest)
 * NN_OP_ZERO_PAD2D        in: x; ip[0..3]: top, bottom, left, right
 * NN_OP_BATCHNORM         in: x (B,..,C), gamma, beta, moving_mean,
 *   moving_variance (C each; the moving ones have no grad); fp[0] momentum,
 *   fp[1] epsilon; ip[0] = 1 forces inference behaviour (a frozen layer,
 *   as Keras does for trainable = False).
 * NN_OP_SPATIAL_DROPOUT2D in: x (B,H,W,C); fp[0] rate; drops whole channels
 *   per sample while g->training, identity otherwise.
 */
#pragma once

#include <stdint.h>

#include "nn-graph-private.h"
#include "nn-parallel-private.h"

enum {
  NN_CONV_STRIDE_H,
  NN_CONV_STRIDE_W,
  NN_CONV_DIL_H,
  NN_CONV_DIL_W,
  NN_CONV_SAME,        /* 1: padding "same", 0: "valid" */
  NN_CONV_HAS_BIAS,
  NN_CONV_ACT,         /* NN_CONV_ACT_NONE or NN_CONV_ACT_RELU */
  /* filled by the shape rule */
  NN_CONV_PAD_TOP = 8,
  NN_CONV_PAD_LEFT,
  NN_CONV_WINOGRAD,    /* Conv2D: runs as Winograd F(2x2, 3x3) */
  NN_CONV_POOL,        /* Conv2D: 1 + index of the max pooling it runs too (fused) */
  NN_CONV_DIRECT,      /* Conv2D: NN_DIRECT_* flags (nn-conv-direct.c) */
  NN_CONV_GATHER,      /* Conv2DTranspose: forward in the gather form */
};

enum { NN_CONV_ACT_NONE, NN_CONV_ACT_RELU };
enum {
  NN_DIRECT_FORWARD = 1,     /* the forward pass */
  NN_DIRECT_DX = 2,          /* the input gradient, as windows over dz */
  NN_DIRECT_DX_SCATTER = 4,  /* the input gradient, dz W^T added back */
  NN_DIRECT_DW = 8,          /* the kernel gradient, from im2col rows */
  NN_DIRECT_DW_WINDOWS = 16, /* the kernel gradient, from the windows of x */
};

enum {
  NN_POOL_H,
  NN_POOL_W,
  NN_POOL_STRIDE_H,
  NN_POOL_STRIDE_W,
  NN_POOL_SAME,
  NN_POOL_PAD_TOP = 8,
  NN_POOL_PAD_LEFT,
};

/* NN_OP_AUGMENT (nn-augment.c): in x (B,H,W,C); one kind of transform per
 * node; fp[0], fp[1] its factors (rotation: fraction of a turn; zoom;
 * translation: height, width fractions; brightness: fraction of the value
 * range), fp[2] the fill value, or fp[2], fp[3] the brightness value range. */
enum {
  NN_AUG_KIND,
  NN_AUG_FILL,         /* NnFillMode */
  NN_AUG_FLIP_H,
  NN_AUG_FLIP_V,
};

enum { NN_AUG_FLIP, NN_AUG_ROTATION, NN_AUG_ZOOM, NN_AUG_TRANSLATION, NN_AUG_BRIGHTNESS };

/* Output length of one spatial axis of a convolution or pooling window
 * (Keras/TensorFlow rules) and the padding before the first element.
 *   valid: out = floor ((in - ext) / stride) + 1, ext = (k - 1) dil + 1
 *   same:  out = ceil (in / stride), the padding split with the extra
 *          element at the end.
 * Returns out, which is <= 0 when the window does not fit. */
static inline int
nn_conv_out_size (int in, int k, int stride, int dil, int same, int *pad_before)
{
  int ext = (k - 1) * dil + 1;
  if (same)
    {
      int out = (in + stride - 1) / stride;
      int total = (out - 1) * stride + ext - in;
      if (total < 0)
        total = 0;
      if (pad_before)
        *pad_before = total / 2;
      return out;
    }
  if (pad_before)
    *pad_before = 0;
  if (in < ext)
    return 0;
  return (in - ext) / stride + 1;
}

/* Output length of a transposed convolution (the input length of the
 * convolution it reverses), and that convolution's padding before. */
static inline int
nn_conv_transpose_out_size (int in, int k, int stride, int dil, int same, int *pad_before)
{
  int ext = (k - 1) * dil + 1;
  if (same)
    {
      int out = in * stride;
      int total = (in - 1) * stride + ext - out;
      if (total < 0)
        total = 0;
      if (pad_before)
        *pad_before = total / 2;
      return out;
    }
  if (pad_before)
    *pad_before = 0;
  /* Keras: in * stride + max (ext - stride, 0); with ext < stride the last
   * rows are reached by no input and hold only the bias. */
  return in * stride + (ext > stride ? ext - stride : 0);
}

/* Rows of the im2col matrix processed at a time: the buffer stays small
 * (cache-sized, and the op's scratch does not grow with the batch) while
 * each sgemm still gets enough rows to run near peak. Exposed so the
 * micro-benchmark can tune it; 0 restores the default. */
void   nn_conv_set_chunk_floats (size_t floats);
/* Max pooling of images [b0, b1) of node pool's input into its value; and
 * its backward, setting (not adding to) dx of those images, with relu the
 * backward of a ReLU before the pooling folded in. For the fused Conv2D +
 * MaxPooling2D of training graphs (nn-op-conv2d.c). */
void   nn_max_pool_images          (NnGraph *g, NnNode *pool, int b0, int b1);
void   nn_max_pool_images_backward (NnGraph *g, NnNode *pool, int b0, int b1, int relu,
                                    float *dx);
/* The 2x2 stride-2 "valid" case, recording each window's argmax so the
 * backward needs no input values (nn-op-pool.c). */
void   nn_max_pool_2x2_argmax          (const float *x, int batch, int ih, int iw, int c,
                                        float *y, uint8_t *arg);
void   nn_max_pool_2x2_argmax_backward (const float *y, const float *dy, const uint8_t *arg,
                                        int batch, int ih, int iw, int c, int relu, float *dx);
size_t nn_conv_chunk_floats     (void);
size_t nn_conv_chunk_rows       (size_t k, size_t rows);

/* Turns the Winograd path of NN_OP_CONV2D on or off (tests, benchmarks;
 * DEEPSCOPE_NO_WINOGRAD=1 in the environment does the latter). Set it
 * before nn_graph_alloc: the scratch sizes depend on it. */
void   nn_conv_set_winograd     (int on);
/* Conv2DTranspose's forward in its gather form where it applies (on, the
 * default) or always in its scatter form (col2im; tests, benchmarks;
 * DEEPSCOPE_NO_TRANSPOSE_GATHER=1 in the environment does the latter).
 * Set it before nn_graph_alloc: the scratch sizes depend on it. */
void   nn_conv_set_transpose_gather (int on);

/* Direct convolution (nn-conv-direct.c): rows of an im2col matrix read
 * where they lie in a channels-last batch src (b, ih, iw, c). Row r is
 * window position (b, oy, ox) = r split over (oh, ow); its taps are at
 * (oy sh - pt + i dh, ox sw - pl + j dw), zeros outside the image. */
typedef struct {
  const float *src;
  int ih, iw, c;
  int oh, ow;
  int kh, kw, sh, sw, dh, dw, pt, pl;
} NnWindows;

#define NN_DIRECT_MAX_RUN  2048   /* floats of one run (a tap or kernel row) */
#define NN_DIRECT_MAX_TAPS 64     /* kh * kw */

/* Whether the direct kernel takes these windows (enough channels for its
 * runs, a kernel of at most 64 taps). */
int    nn_direct_applies       (const NnWindows *w);
/* Floats of a (k, n) matrix packed for it; the packing; and the packing of
 * a kernel (kh, kw, ci, co) as the input-gradient product's (kh*kw*co, ci)
 * matrix, taps reversed. */
size_t nn_direct_packed_floats (size_t k, size_t n);
void   nn_direct_pack          (const float *b, size_t k, size_t n, float *packed);
void   nn_direct_pack_flipped  (const float *w, int kh, int kw, int ci, int co, float *packed);
void   nn_direct_pack_transposed (const float *b, size_t k, size_t n, float *packed);
/* The input gradient of any convolution: dx += col2im (dz W^T) for rows
 * [r0, r0 + m) of w (the forward windows over x), dz (m, n) those rows'
 * gradient, packed the kernel's transpose (nn_direct_pack_transposed). */
void   nn_direct_rows_scatter  (const NnWindows *w, const float *dz, size_t r0, size_t m,
                                const float *packed, int n, float *dx);
/* The kernel gradient, transposed: dwt (n, k) += (A^T dz)^T over m rows,
 * row r of A being k floats at src + rowoff[r], its floats [16b, 16b + 16)
 * contiguous at + blockoff[b] (k a multiple of 16); dz (m, n). */
void   nn_direct_weight_grad   (const float *src, const size_t *rowoff, const size_t *blockoff,
                                size_t m, size_t k, const float *dz, int n, float *dwt);
/* Rows [r0, r0 + m) of windows x packed (n columns) into out (row stride
 * ldo): act (product + bias) (bias may be NULL), or out += product. */
void   nn_direct_rows          (const NnWindows *w, size_t r0, size_t m, const float *packed,
                                int n, const float *bias, int relu, int add, float *out,
                                size_t ldo);
/* out (m, n), rows ldo floats apart, = a (m, depth), contiguous rows,
 * times the (depth, n) matrix packed (Winograd's products): whole blocks
 * stored straight from the registers. */
void   nn_direct_plain         (const float *a, size_t m, int depth, const float *packed, int n,
                                float *out, size_t ldo);
/* Where nn_direct_rows_placed stores its rows: row r0 at out, the row at
 * (b, oy, ox) of the windows' grid sb b + sy oy + sx ox floats after the
 * place of (0, 0, 0) (a transposed convolution's parity: every sw-th
 * pixel of every sh-th output row). */
typedef struct {
  float *out;
  size_t sb, sy, sx;
} NnPlace;
void   nn_direct_rows_placed   (const NnWindows *w, size_t r0, size_t m, const float *packed,
                                int n, const float *bias, int relu, int add,
                                const NnPlace *place);
/* Turns the direct path of NN_OP_CONV2D on or off (tests, benchmarks;
 * DEEPSCOPE_NO_DIRECT=1 in the environment does the latter). Set it
 * before nn_graph_alloc: the scratch sizes depend on it. */
void   nn_conv_set_direct      (int on);

/* Winograd F(2x2, 3x3) fused with a 2x2 stride-2 max pooling that keeps
 * its argmax (training graphs, nn-op-winograd.c): whether it applies (3x3,
 * stride 1, no dilation, input channels a multiple of 16), its scratch
 * (floats, the argmax bytes included), and the passes; the pooled output
 * is pool's value, its gradient pool's grad. backward: db, dx, dw may
 * each be NULL. */
int    nn_winograd_pool_applies  (const NnNode *x, const NnNode *w, const int *ip);
size_t nn_winograd_pool_scratch  (const NnNode *x, int ph, int pw, int cout, int grads);
void   nn_winograd_pool_forward  (const NnNode *x, const float *w, const float *bias, int relu,
                                  int pad_top, int pad_left, NnNode *pool, float *aux);
void   nn_winograd_pool_backward (const NnNode *x, const float *w, NnNode *pool, int relu,
                                  float *db, float *dx, float *dw, int pad_top, int pad_left,
                                  float *aux);

/* Winograd F(2x2, 3x3) for 3x3 stride-1 convolutions (nn-op-winograd.c):
 * whether it applies and pays, its scratch (floats), and the passes.
 * backward: db, dx, dw may each be NULL; relu masks y's gradient by y > 0. */
int    nn_winograd_applies   (const NnNode *x, const NnNode *w, const NnNode *y, const int *ip);
size_t nn_winograd_scratch   (const NnNode *x, const NnNode *y, int grads);
void   nn_winograd_forward   (const NnNode *x, const float *w, const float *bias, int relu,
                              int pad_top, int pad_left, NnNode *y, float *aux);
void   nn_winograd_backward  (const NnNode *x, const float *w, const NnNode *y, int relu,
                              float *db, float *dx, float *dw, int pad_top, int pad_left,
                              float *aux);
