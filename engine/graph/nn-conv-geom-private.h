/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the convolution ops share (nn-op-conv2d.c, nn-op-depthwise.c):
 * a convolution's geometry as its im2col matrix sees it, im2col and
 * col2im, the epilogues and the small helpers (nn-conv-im2col.c). */
#pragma once

#include "nn-conv-private.h"

/* A convolution seen from its im2col matrix: the image (ih, iw, c) that is
 * read by windows, and the window positions (oh, ow) that make the rows. */
typedef struct {
  int ih, iw, c;
  int oh, ow;
  int kh, kw, sh, sw, dh, dw, pt, pl;
  size_t k;       /* kh * kw * c: one row of the im2col matrix */
} Geom;

static inline Geom
geom_make (const int *img_shape, int oh, int ow, const NnNode *n, int kh, int kw)
{
  Geom q;
  q.ih = img_shape[1];
  q.iw = img_shape[2];
  q.c = img_shape[3];
  q.oh = oh;
  q.ow = ow;
  q.kh = kh;
  q.kw = kw;
  q.sh = n->ip[NN_CONV_STRIDE_H];
  q.sw = n->ip[NN_CONV_STRIDE_W];
  q.dh = n->ip[NN_CONV_DIL_H];
  q.dw = n->ip[NN_CONV_DIL_W];
  q.pt = n->ip[NN_CONV_PAD_TOP];
  q.pl = n->ip[NN_CONV_PAD_LEFT];
  q.k = (size_t) kh * (size_t) kw * (size_t) q.c;
  return q;
}

/* A 1x1 convolution with stride 1 reads x itself as its im2col matrix. */
static inline int
geom_is_pointwise (const Geom *q)
{
  return q->kh == 1 && q->kw == 1 && q->sh == 1 && q->sw == 1 && q->pt == 0 && q->pl == 0
         && q->oh == q->ih && q->ow == q->iw;
}

/* A convolution's output batch, height and width from its input x and
 * kernel w (kh, kw, ...), its padding put in ip[]; the channels are the
 * caller's. */
static inline void
nn_conv_out_shape (NnNode *n, const NnNode *x, const NnNode *w)
{
  int same = n->ip[NN_CONV_SAME];
  n->ndim = 4;
  n->shape[0] = x->shape[0];
  n->shape[1] = nn_conv_out_size (x->shape[1], w->shape[0], n->ip[NN_CONV_STRIDE_H],
                                  n->ip[NN_CONV_DIL_H], same, &n->ip[NN_CONV_PAD_TOP]);
  n->shape[2] = nn_conv_out_size (x->shape[2], w->shape[1], n->ip[NN_CONV_STRIDE_W],
                                  n->ip[NN_CONV_DIL_W], same, &n->ip[NN_CONV_PAD_LEFT]);
}

/* im2col rows at most this long count as short (see small_k_forward). */
#define NN_CONV_SMALL_K 32

/* Backward tasks of a convolution: runs of whole images, each with its own
 * kernel and bias sums, added up in task order (the numbers do not depend
 * on the thread count). */
#define NN_CONV_TASKS 8

/* Rows [r0, r1) of the im2col matrix of img into col; and the reverse,
 * adding rows [r0, r1) of col back into the image positions they came from. */
void nn_im2col       (const Geom *q, const float *img, size_t r0, size_t r1, float *col);
void nn_col2im_add   (const Geom *q, const float *col, size_t r0, size_t r1, float *img);
/* y[r, :] = act (y[r, :] + b) for m rows of n columns (b may be NULL). */
void nn_conv_bias_act  (float *y, size_t m, size_t n, const float *b, int relu);
/* dz = dy where y > 0, else 0 (the fused ReLU's backward). */
void nn_conv_relu_mask (const float *dy, const float *y, size_t count, float *dz);
/* db[j] += sum over m rows of dz[r, j]. */
void nn_conv_sum_rows  (const float *dz, size_t m, size_t n, float *db);
/* Whether node n gets a gradient pass (its scratch depends on it). */
int  nn_conv_will_have_grad (NnGraph *g, const NnNode *n);
/* The bias input's value and gradient, or NULL. */
const float *nn_conv_bias_value (NnGraph *g, NnNode *n);
float       *nn_conv_bias_grad  (NnGraph *g, NnNode *n);
