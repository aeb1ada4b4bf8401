/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Conv2D, channels-last, the kernel stored (kh, kw, Cin, Cout) like Keras,
 * i.e. already the (kh*kw*Cin, Cout) matrix of the im2col product:
 *   y = act (col W + b)       dW += col^T dz,  db += sum_rows dz,
 *   dz = dy * act'(y)          dx += col2im (dz W^T)
 * with col the (B*OH*OW, kh*kw*Cin) im2col matrix of x. The shape rule
 * chooses, per node, how this is computed, and keeps the choice in ip[]:
 * - the direct kernels (nn-conv-direct.c), which read the windows where
 *   they lie in x and dz and never build col;
 * - for short rows (a first layer), loops that hold three rows or three
 *   taps in registers, reading x in place where the windows lie inside it;
 * - Winograd F(2x2, 3x3) (nn-op-winograd.c), fused with a following 2x2
 *   pooling, or alone for 64+ input channels;
 * - otherwise im2col + sgemm, a chunk of rows at a time in a small scratch
 *   buffer (recomputed in backward rather than kept): memory stays flat in
 *   the batch size and the chunk stays in cache.
 * In training graphs a following max pooling runs inside this op (fused),
 * on each run of images while its output is in cache. */
#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#include "nn-conv-geom-private.h"
#include "nn-simd-private.h"

/* Whether every window lies inside the image: no tap reads padding. */
static int
geom_inside (const Geom *q)
{
  return q->pt == 0 && q->pl == 0 && (q->oh - 1) * q->sh + (q->kh - 1) * q->dh < q->ih
         && (q->ow - 1) * q->sw + (q->kw - 1) * q->dw < q->iw;
}

/* The offsets in the batch of the window corners of im2col rows [r0,
 * r0 + m) (windows inside the image). */
static void
window_offsets (const Geom *q, size_t r0, size_t m, size_t *rowoff)
{
  size_t ohw = (size_t) q->oh * (size_t) q->ow, c = (size_t) q->c;
  size_t b = r0 / ohw, rem = r0 % ohw;
  size_t oy = rem / (size_t) q->ow, ox = rem % (size_t) q->ow;
  for (size_t r = 0; r < m; r++)
    {
      rowoff[r] = ((b * (size_t) q->ih + oy * (size_t) q->sh) * (size_t) q->iw
                   + ox * (size_t) q->sw) * c;
      if (++ox == (size_t) q->ow)
        {
          ox = 0;
          if (++oy == (size_t) q->oh)
            {
              oy = 0;
              b++;
            }
        }
    }
}

/* ---- short im2col rows ------------------------------------------------- */

/* A first layer's im2col row is short (9 floats for a 3x3 kernel on one
 * channel): sgemm then spends its time packing, far below its peak. These
 * direct loops keep 32 outputs of three rows (or 32 gradients of three
 * taps) in twelve registers instead, enough independent sums to hide the
 * FMA latency, and fuse the bias and the ReLU. */
#define OUT_BLOCK 32

/* Row r's tap t: src[rowoff[r] + off[t]] (the im2col matrix, or the
 * image itself, see short_rows). */
NN_CLONES static void
small_k_forward (const float *src, const size_t *rowoff, const size_t *off, size_t m, size_t k,
                 const float *w, int cout, const float *b, int relu, float *y)
{
  size_t n = (size_t) cout;
  size_t r = 0;
  for (; r < m; r += 3)
    {
      /* three rows, or the last one or two */
      int rows = m - r < 3 ? (int) (m - r) : 3;
      const float *c0 = src + rowoff[r];
      const float *c1 = rows > 1 ? src + rowoff[r + 1] : c0;
      const float *c2 = rows > 2 ? src + rowoff[r + 2] : c0;
      float *yr = y + r * n;
      size_t j0 = 0;
      for (; j0 + OUT_BLOCK <= n; j0 += OUT_BLOCK)
        {
          v8f a0[4], a1[4], a2[4];
          for (int v = 0; v < 4; v++)
            a0[v] = a1[v] = a2[v] = b ? load8 (b + j0 + 8 * v) : (v8f) { 0 };
          for (size_t t = 0; t < k; t++)
            {
              const float *wt = w + t * n + j0;
              size_t o = off[t];
              v8f x0 = bcast8 (c0[o]), x1 = bcast8 (c1[o]), x2 = bcast8 (c2[o]);
              for (int v = 0; v < 4; v++)
                {
                  v8f wv = load8 (wt + 8 * v);
                  a0[v] += x0 * wv;
                  a1[v] += x1 * wv;
                  a2[v] += x2 * wv;
                }
            }
          for (int v = 0; v < 4; v++)
            {
              if (relu)
                {
                  a0[v] = relu8 (a0[v]);
                  a1[v] = relu8 (a1[v]);
                  a2[v] = relu8 (a2[v]);
                }
              store8 (yr + j0 + 8 * v, a0[v]);
              if (rows > 1)
                store8 (yr + n + j0 + 8 * v, a1[v]);
              if (rows > 2)
                store8 (yr + 2 * n + j0 + 8 * v, a2[v]);
            }
        }
      for (int i = 0; i < rows; i++)
        for (size_t j = j0; j < n; j++)
          {
            float acc = b ? b[j] : 0.0f;
            for (size_t t = 0; t < k; t++)
              acc += src[rowoff[r + (size_t) i] + off[t]] * w[t * n + j];
            yr[(size_t) i * n + j] = relu && acc < 0.0f ? 0.0f : acc;
          }
    }
}

/* dW (k, cout) += col^T dz over m rows: for each block of rows (its dz in
 * L1), three taps' 32 gradients stay in registers. */
NN_CLONES static void
small_k_weight_grad (const float *src, const size_t *rowoff, const size_t *off, size_t m,
                     size_t k, const float *dz, int cout, float *dw)
{
  const size_t block = 64;
  size_t n = (size_t) cout;
  for (size_t r0 = 0; r0 < m; r0 += block)
    {
      size_t r1 = r0 + block < m ? r0 + block : m;
      for (size_t t = 0; t < k; t += 3)
        {
          /* three taps, or the last one or two (repeating the first, unstored) */
          int taps = k - t < 3 ? (int) (k - t) : 3;
          size_t t1 = taps > 1 ? t + 1 : t, t2 = taps > 2 ? t + 2 : t;
          size_t o0 = off[t], o1 = off[t1], o2 = off[t2];
          size_t j0 = 0;
          for (; j0 + OUT_BLOCK <= n; j0 += OUT_BLOCK)
            {
              v8f a0[4], a1[4], a2[4];
              for (int v = 0; v < 4; v++)
                {
                  a0[v] = load8 (dw + t * n + j0 + 8 * v);
                  a1[v] = load8 (dw + t1 * n + j0 + 8 * v);
                  a2[v] = load8 (dw + t2 * n + j0 + 8 * v);
                }
              for (size_t r = r0; r < r1; r++)
                {
                  const float *cr = src + rowoff[r], *gr = dz + r * n + j0;
                  v8f x0 = bcast8 (cr[o0]), x1 = bcast8 (cr[o1]), x2 = bcast8 (cr[o2]);
                  for (int v = 0; v < 4; v++)
                    {
                      v8f g = load8 (gr + 8 * v);
                      a0[v] += x0 * g;
                      a1[v] += x1 * g;
                      a2[v] += x2 * g;
                    }
                }
              for (int v = 0; v < 4; v++)
                {
                  store8 (dw + t * n + j0 + 8 * v, a0[v]);
                  if (taps > 1)
                    store8 (dw + t1 * n + j0 + 8 * v, a1[v]);
                  if (taps > 2)
                    store8 (dw + t2 * n + j0 + 8 * v, a2[v]);
                }
            }
          for (int i = 0; i < taps; i++)
            for (size_t j = j0; j < n; j++)
              {
                float acc = 0.0f;
                for (size_t r = r0; r < r1; r++)
                  acc += src[rowoff[r] + off[t + (size_t) i]] * dz[r * n + j];
                dw[(t + (size_t) i) * n + j] += acc;
              }
        }
    }
}

/* ---- Conv2D ------------------------------------------------------------ */

/* Rows per chunk: the im2col rows and the output rows of a chunk both stay
 * cache-sized (a first layer has short im2col rows but wide outputs). */
static size_t
conv_chunk (const Geom *q, int cout, size_t rows)
{
  return nn_conv_chunk_rows (q->k > (size_t) cout ? q->k : (size_t) cout, rows);
}

static Geom
conv_geom (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, 0), *w = nn_in (g, n, 1);
  return geom_make (x->shape, n->shape[1], n->shape[2], n, w->shape[0], w->shape[1]);
}

/* 3x3 stride-1 convolutions with enough channels run as Winograd
 * F(2x2, 3x3) (nn-op-winograd.c): 2.25 times fewer multiplications. The
 * environment variable DEEPSCOPE_NO_WINOGRAD=1 turns it off (benchmarks). */
static int winograd_off = -1;

void
nn_conv_set_winograd (int on)
{
  winograd_off = !on;
}

/* Decided in the shape rule, with the scratch size; kept in the node. */
static int
winograd_choose (NnGraph *g, NnNode *n)
{
  if (winograd_off < 0)
    {
      const char *e = getenv ("DEEPSCOPE_NO_WINOGRAD");
      winograd_off = e && *e && *e != '0';
    }
  n->ip[NN_CONV_WINOGRAD] = !winograd_off
                            && nn_winograd_applies (nn_in (g, n, 0), nn_in (g, n, 1), n, n->ip);
  return n->ip[NN_CONV_WINOGRAD];
}

static int
winograd (NnGraph *g, NnNode *n)
{
  return n->ip[NN_CONV_WINOGRAD];
}

static int pool_argmax (NnGraph *g, const NnNode *conv);

/* With a fused 2x2 stride-2 pooling (argmax kept), 3x3 stride-1
 * convolutions of 16, 32, ... input channels run as Winograd fused with
 * the pooling (nn-op-winograd.c): every output tile is one pooling
 * window. NN_CONV_WINOGRAD is then 2. */
static int
winograd_pool_choose (NnGraph *g, NnNode *n)
{
  winograd_choose (g, n);   /* reads the switch */
  n->ip[NN_CONV_WINOGRAD] = 0;
  if (!winograd_off && pool_argmax (g, n)
      && nn_winograd_pool_applies (nn_in (g, n, 0), nn_in (g, n, 1), n->ip)
      && n->shape[1] >= 2 && n->shape[2] >= 2)
    n->ip[NN_CONV_WINOGRAD] = 2;
  return n->ip[NN_CONV_WINOGRAD] == 2;
}

/* The direct kernel (nn-conv-direct.c) replaces im2col + sgemm for the
 * forward pass, and col2im (dz W^T) for the input gradient of stride-1
 * convolutions, where it applies. DEEPSCOPE_NO_DIRECT=1 turns it off. */
static int direct_off = -1;

void
nn_conv_set_direct (int on)
{
  direct_off = !on;
}

/* The forward pass's windows over x. */
static NnWindows
forward_windows (const Geom *q, const float *x)
{
  NnWindows w = { x, q->ih, q->iw, q->c, q->oh, q->ow, q->kh, q->kw,
                  q->sh, q->sw, q->dh, q->dw, q->pt, q->pl };
  return w;
}

/* The input gradient's windows over dz (stride 1): row (y, x) reads dz at
 * (y + pt - i dh, x + pl - j dw) for tap (i, j), i.e. the flipped kernel's
 * taps with padding (kh - 1) dh - pt. */
static NnWindows
dx_windows (const Geom *q, int cout, const float *dz)
{
  NnWindows w = { dz, q->oh, q->ow, cout, q->ih, q->iw, q->kh, q->kw, 1, 1, q->dh, q->dw,
                  (q->kh - 1) * q->dh - q->pt, (q->kw - 1) * q->dw - q->pl };
  return w;
}

/* Decided in the shape rule (the scratch depends on it), kept in the node. */
static int
direct_choose (NnGraph *g, NnNode *n, const Geom *q, int cout, int x_grad)
{
  if (direct_off < 0)
    {
      const char *e = getenv ("DEEPSCOPE_NO_DIRECT");
      direct_off = e && *e && *e != '0';
    }
  int flags = 0;
  if (!direct_off && !geom_is_pointwise (q) && q->k > NN_CONV_SMALL_K)
    {
      NnWindows f = forward_windows (q, NULL), b = dx_windows (q, cout, NULL);
      if (nn_direct_applies (&f))
        flags |= NN_DIRECT_FORWARD;
      /* The input gradient as windows over dz computes every tap of every
       * input position, the zeros past dz's edges too: with "valid"
       * padding that is up to (ih iw) / (oh ow) times the work. Then dz W^T
       * is added back (col2im) as it is computed instead. */
      size_t in_px = (size_t) q->ih * (size_t) q->iw, out_px = (size_t) q->oh * (size_t) q->ow;
      if (!x_grad || !nn_conv_will_have_grad (g, n))
        ;
      else if (q->sh == 1 && q->sw == 1 && nn_direct_applies (&b) && 10 * in_px <= 11 * out_px)
        flags |= NN_DIRECT_DX;
      else if (cout >= 8)
        flags |= NN_DIRECT_DX_SCATTER;
      /* The kernel gradient reads 16 floats of a row at a time: from the
       * windows of x when no tap falls outside and a kernel row is one
       * run of whole 16s, else from im2col rows. */
      if (!nn_conv_will_have_grad (g, n) || q->k % 16)
        ;
      else if (geom_inside (q) && q->dw == 1 && (size_t) q->kw * (size_t) q->c % 16 == 0)
        flags |= NN_DIRECT_DW_WINDOWS;
      else
        flags |= NN_DIRECT_DW;
    }
  else if (!direct_off && q->c == 1 && q->k > 1 && x_grad && nn_conv_will_have_grad (g, n))
    {
      /* A one-channel image's gradient (DeepDream's, saliency's): one
       * column, dz's windows against the flipped kernel, on the direct
       * kernel's one-column form; not col2im. */
      NnWindows b = dx_windows (q, cout, NULL);
      size_t in_px = (size_t) q->ih * (size_t) q->iw, out_px = (size_t) q->oh * (size_t) q->ow;
      if (q->sh == 1 && q->sw == 1 && nn_direct_applies (&b) && 10 * in_px <= 11 * out_px)
        flags |= NN_DIRECT_DX;
    }
  n->ip[NN_CONV_DIRECT] = flags;
  return flags;
}

/* The work is split over the engine's threads. Forward: tasks are chunks
 * of im2col rows (outputs never overlap). Backward: tasks are runs of
 * whole images, so the col2im sums of two tasks never touch the same input
 * gradient, and each task sums its kernel and bias gradients in a buffer
 * of its own, added up in task order at the end. The split depends on the
 * batch alone, never on the thread count or on which thread ran what:
 * training gives the same numbers, bit for bit, on any number of threads.
 * aux holds a scratch block per thread (im2col rows and such), then the
 * partial sums of each backward task (conv_scratch). */

typedef struct {
  size_t col, dcol, dz, offs, total; /* per-thread block: offsets, size (floats) */
  size_t partial;                /* one backward task's kernel + bias sums */
  size_t packed;                 /* the kernel packed for the direct paths */
} ConvScratch;

/* The fused pooling keeps each window's argmax (2x2, stride 2, every
 * window whole inside the convolution's output): the convolution's output
 * and gradient then live only in the per-thread block, a group of images
 * at a time, and never go to memory. "same" padding on an odd height or
 * width pads one row or column after the output, which the argmax
 * kernels, Winograd's tiles and trim_to_pool would read as if it were
 * there; it takes the generic pooling instead. This runs in the
 * convolution's shape rule, before the pooling's, so the pooling's output
 * size comes from the convolution's own. */
static int
pool_argmax (NnGraph *g, const NnNode *conv)
{
  if (!conv->ip[NN_CONV_POOL])
    return 0;
  const NnNode *p = &g->nodes[conv->ip[NN_CONV_POOL] - 1];
  if (p->ip[NN_POOL_H] != 2 || p->ip[NN_POOL_W] != 2 || p->ip[NN_POOL_STRIDE_H] != 2
      || p->ip[NN_POOL_STRIDE_W] != 2)
    return 0;
  int pt, pl;
  int oh = nn_conv_out_size (conv->shape[1], 2, 2, 1, p->ip[NN_POOL_SAME], &pt);
  int ow = nn_conv_out_size (conv->shape[2], 2, 2, 1, p->ip[NN_POOL_SAME], &pl);
  return pt == 0 && pl == 0 && 2 * oh <= conv->shape[1] && 2 * ow <= conv->shape[2];
}

/* zrows: rows of the per-thread output/gradient buffer (0: none). */
static ConvScratch
conv_scratch (const Geom *q, int cout, size_t chunk, int has_grad, int x_grad, int relu,
              size_t zrows, int direct)
{
  ConvScratch s = { 0 };
  size_t o = 0;
  int pointwise = geom_is_pointwise (q);
  s.col = o;
  /* im2col rows: for sgemm's forward, and for the kernel gradient */
  int small = q->k <= NN_CONV_SMALL_K;
  int col = !pointwise && !(small && geom_inside (q))
            && (!(direct & NN_DIRECT_FORWARD) || (has_grad && !(direct & NN_DIRECT_DW_WINDOWS)));
  o += col ? chunk * q->k : 0;
  s.dcol = o;
  if (has_grad && x_grad && !pointwise && !(direct & (NN_DIRECT_DX | NN_DIRECT_DX_SCATTER)))
    o += chunk * q->k;
  s.dz = o;
  if (zrows)
    o += zrows * (size_t) cout;
  else if (has_grad && relu)
    o += chunk * (size_t) cout;
  /* the direct kernel gradient's row and block offsets (size_t) */
  o = (o + 1) / 2 * 2;
  s.offs = o;
  if (small)
    o += (chunk + NN_CONV_SMALL_K) * (sizeof (size_t) / sizeof (float));
  else if (has_grad && direct & (NN_DIRECT_DW | NN_DIRECT_DW_WINDOWS))
    o += (chunk + q->k / 16) * (sizeof (size_t) / sizeof (float));
  s.total = (o + 15) / 16 * 16;
  s.partial = has_grad ? (q->k * (size_t) cout + (size_t) cout + 15) / 16 * 16 : 0;
  if (direct & NN_DIRECT_FORWARD)
    s.packed += nn_direct_packed_floats (q->k, (size_t) cout);
  if (direct & NN_DIRECT_DX)
    s.packed += nn_direct_packed_floats ((size_t) q->kh * (size_t) q->kw * (size_t) cout,
                                         (size_t) q->c);
  if (direct & NN_DIRECT_DX_SCATTER)
    s.packed += nn_direct_packed_floats ((size_t) cout, q->k);
  s.packed = (s.packed + 15) / 16 * 16;
  return s;
}

/* Rows of the per-thread gradient buffer when the backward goes a group of
 * images at a time through it (a fused pooling with argmax; a direct
 * input gradient after a ReLU): as many images as fit in a chunk, at
 * least one. */
static size_t
conv_zrows (const Geom *q, size_t chunk, int need)
{
  size_t ohw = (size_t) q->oh * (size_t) q->ow;
  if (!need || ohw == 0)
    return 0;
  return chunk / ohw ? chunk / ohw * ohw : ohw;
}

/* Rows per chunk: cache-sized, and at most an eighth of the rows so that
 * every thread gets a few chunks. */
static size_t
conv_rows_per_chunk (const Geom *q, int cout, size_t rows)
{
  size_t chunk = conv_chunk (q, cout, rows);
  size_t fair = (rows + NN_CONV_TASKS - 1) / NN_CONV_TASKS;
  if (fair < chunk)
    chunk = fair < 16 ? 16 : fair;
  return chunk < rows ? chunk : rows;
}

/* With a fused 2x2 stride-2 pooling that keeps its argmax, the
 * convolution's output is never stored, and the pooling reads only its
 * first oh / 2 * 2 rows and ow / 2 * 2 columns: the rest is not computed
 * (its gradient is zero). The rows of the im2col matrix are then those
 * positions, in that smaller grid (a 11x11 output pooled to 5x5: 100 rows
 * an image instead of 121). */
static void
trim_to_pool (NnGraph *g, NnNode *n, Geom *q)
{
  if (pool_argmax (g, n))
    {
      q->oh = q->oh / 2 * 2;
      q->ow = q->ow / 2 * 2;
    }
}

/* Whether the backward needs the per-thread gradient buffer of a group of
 * images. */
static int
zbuffer (int argmax, const NnNode *n, int direct, int relu)
{
  return argmax || (direct & NN_DIRECT_DX && relu && !n->ip[NN_CONV_POOL]);
}

/* A graph of fewer images than backward tasks (its largest batch: a
 * shape, not the thread count) whose backward is only an input gradient
 * on the direct windows (no kernel or bias gradient, no fused pooling:
 * DeepDream, one image at a time) splits by rows of the input gradient
 * instead of by images, so every core works on the one image: each input
 * row is one task's, and no sum crosses tasks. Its masked output gradient
 * is one buffer for the batch (thread 0's block, sized for it). */
static int
split_rows (NnGraph *g, const NnNode *n, int direct)
{
  return g->max_batch < NN_CONV_TASKS && direct & NN_DIRECT_DX && !n->ip[NN_CONV_POOL]
         && !nn_in (g, (NnNode *) n, 1)->grad && !nn_conv_bias_grad (g, (NnNode *) n);
}

/* The per-thread gradient buffer's rows: conv_zrows, or the whole batch's
 * with split_rows. */
static size_t
zbuffer_rows (NnGraph *g, const NnNode *n, const Geom *q, size_t chunk, int argmax, int direct,
              int relu)
{
  size_t z = conv_zrows (q, chunk, zbuffer (argmax, n, direct, relu));
  size_t all = (size_t) n->shape[0] * (size_t) q->oh * (size_t) q->ow;
  return relu && split_rows (g, n, direct) && z < all ? all : z;
}

static void
conv2d_shape (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, 0), *w = nn_in (g, n, 1);
  nn_conv_out_shape (n, x, w);
  n->shape[3] = w->shape[3];
  Geom q = conv_geom (g, n);
  int cout = w->shape[3];
  if (winograd_pool_choose (g, n))
    {
      n->aux_size = nn_winograd_pool_scratch (x, n->shape[1] / 2, n->shape[2] / 2, cout,
                                              nn_conv_will_have_grad (g, n));
      return;
    }
  if (winograd_choose (g, n))
    {
      /* Winograd has no fused pooling: the pooling runs as its own op. */
      if (n->ip[NN_CONV_POOL])
        {
          g->nodes[n->ip[NN_CONV_POOL] - 1].computed_by_input = 0;
          n->sets_own_grad = 0;
          n->ip[NN_CONV_POOL] = 0;
        }
      n->aux_size = nn_winograd_scratch (x, n, nn_conv_will_have_grad (g, n));
      return;
    }
  int argmax = pool_argmax (g, n);
  int relu = n->ip[NN_CONV_ACT] == NN_CONV_ACT_RELU;
  int direct = direct_choose (g, n, &q, cout, x->grad != NULL);
  trim_to_pool (g, n, &q);
  /* Sized for a chunk of the largest batch: the shape rule runs at the
   * largest batch first, and the chunk only shrinks with the batch. */
  size_t rows = (size_t) n->shape[0] * (size_t) q.oh * (size_t) q.ow;
  size_t chunk = conv_rows_per_chunk (&q, cout, rows);
  ConvScratch cs = conv_scratch (&q, cout, chunk, nn_conv_will_have_grad (g, n), x->grad != NULL, relu,
                                 zbuffer_rows (g, n, &q, chunk, argmax, direct, relu), direct);
  n->aux_size = cs.total * (size_t) nn_parallel_threads () + cs.partial * NN_CONV_TASKS + cs.packed;
  /* the argmax bytes of the pooled output, after the partial sums */
  if (argmax)
    n->aux_size += ((size_t) n->shape[0] * (size_t) (n->shape[1] / 2)
                    * (size_t) (n->shape[2] / 2) * (size_t) cout + 63) / 64 * 16;
}

typedef struct {
  NnGraph *g;
  NnNode *n, *x, *w, *pool; /* pool: the fused max pooling, or NULL */
  Geom q;
  size_t rows, chunk, ohw;
  int cout, relu, pointwise, tasks, batch;
  const float *b;
  float *db;
  ConvScratch cs;
  uint8_t *arg;      /* the fused pooling's argmax bytes, or NULL */
  size_t zrows;      /* rows of the per-thread output/gradient buffer */
  int direct;        /* NN_DIRECT_FORWARD | NN_DIRECT_DX */
  float *packed;     /* the kernel packed for the direct forward pass */
  float *packed_dx;  /* ... and for the direct input gradient */
} ConvJob;

/* The scratch layout is the shape rule's (the same has_grad), so forward
 * and backward agree on where the argmax bytes are. */
static ConvJob
conv_job (NnGraph *g, NnNode *n)
{
  int has_grad = nn_conv_will_have_grad (g, n);
  ConvJob j = { 0 };
  j.g = g;
  j.n = n;
  j.pool = n->ip[NN_CONV_POOL] ? &g->nodes[n->ip[NN_CONV_POOL] - 1] : NULL;
  j.x = nn_in (g, n, 0);
  j.w = nn_in (g, n, 1);
  j.q = conv_geom (g, n);
  trim_to_pool (g, n, &j.q);
  j.batch = n->shape[0];
  j.ohw = (size_t) j.q.oh * (size_t) j.q.ow;
  j.rows = (size_t) j.batch * j.ohw;
  j.cout = n->shape[3];
  j.pointwise = geom_is_pointwise (&j.q);
  j.chunk = conv_rows_per_chunk (&j.q, j.cout, j.rows);
  j.b = nn_conv_bias_value (g, n);
  j.db = nn_conv_bias_grad (g, n);
  j.relu = n->ip[NN_CONV_ACT] == NN_CONV_ACT_RELU;
  j.direct = n->ip[NN_CONV_DIRECT];
  int argmax = pool_argmax (g, n);
  j.zrows = zbuffer_rows (g, n, &j.q, j.chunk, argmax, j.direct, j.relu);
  j.cs = conv_scratch (&j.q, j.cout, j.chunk, has_grad, j.x->grad != NULL, j.relu, j.zrows,
                       j.direct);
  j.tasks = j.batch < NN_CONV_TASKS ? j.batch : NN_CONV_TASKS;
  /* no scratch at all (aux NULL): nothing is placed after it */
  float *after = n->aux ? n->aux + j.cs.total * (size_t) nn_parallel_threads ()
                          + j.cs.partial * NN_CONV_TASKS
                        : NULL;
  j.packed = after;
  j.packed_dx = j.direct & NN_DIRECT_FORWARD ? after + nn_direct_packed_floats (j.q.k, (size_t) j.cout)
                                             : after;
  if (argmax)
    j.arg = (uint8_t *) (void *) (after + j.cs.packed);
  return j;
}

/* Rows [r0, r0 + m) of a short-row im2col matrix as small_k_forward and
 * small_k_weight_grad read them: row r's tap t at src[rowoff[r] +
 * off[t]], in the image itself where every window lies inside it, else
 * built in this thread's block base. */
static const float *
short_rows (const ConvJob *j, size_t r0, size_t m, float *base, const size_t **rowoff_out,
            const size_t **off_out)
{
  const Geom *q = &j->q;
  size_t *rowoff = (size_t *) (void *) (base + j->cs.offs), *off = rowoff + j->chunk;
  const float *src;
  *rowoff_out = rowoff;
  *off_out = off;
  if (j->pointwise || !geom_inside (q))
    {
      if (j->pointwise)
        src = j->x->value + r0 * q->k;
      else
        {
          nn_im2col (q, j->x->value, r0, r0 + m, base + j->cs.col);
          src = base + j->cs.col;
        }
      for (size_t r = 0; r < m; r++)
        rowoff[r] = r * q->k;
      for (size_t t = 0; t < q->k; t++)
        off[t] = t;
      return src;
    }
  window_offsets (q, r0, m, rowoff);
  size_t t = 0;
  for (int i = 0; i < q->kh; i++)
    for (int jj = 0; jj < q->kw; jj++)
      for (int c = 0; c < q->c; c++)
        off[t++] = ((size_t) i * (size_t) q->dh * (size_t) q->iw + (size_t) jj * (size_t) q->dw)
                   * (size_t) q->c + (size_t) c;
  return j->x->value;
}

/* Forward of im2col rows [r0, r0 + m) on thread `thread`'s scratch. */
static void
conv2d_forward_rows (const ConvJob *j, size_t r0, size_t m, int thread, float *y)
{
  const Geom *q = &j->q;
  if (j->direct & NN_DIRECT_FORWARD)
    {
      NnWindows w = forward_windows (q, j->x->value);
      nn_direct_rows (&w, r0, m, j->packed, j->cout, j->b, j->relu, 0, y, (size_t) j->cout);
      return;
    }
  /* a pointwise product without gradients has no scratch (aux NULL) */
  float *base = j->n->aux ? j->n->aux + (size_t) thread * j->cs.total : NULL;
  float *col = base ? base + j->cs.col : NULL;
  if (q->k <= NN_CONV_SMALL_K)
    {
      const size_t *rowoff, *off;
      const float *src = short_rows (j, r0, m, base, &rowoff, &off);
      small_k_forward (src, rowoff, off, m, q->k, j->w->value, j->cout, j->b, j->relu, y);
      return;
    }
  const float *a;
  if (j->pointwise)
    a = j->x->value + r0 * q->k;
  else
    {
      nn_im2col (q, j->x->value, r0, r0 + m, col);
      a = col;
    }
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) m, j->cout, (int) q->k, 1.0f, a,
               (int) q->k, j->w->value, j->cout, 0.0f, y, j->cout);
  if (j->b || j->relu)
    nn_conv_bias_act (y, m, (size_t) j->cout, j->b, j->relu);
}

static void
conv2d_forward_task (void *data, int task, int thread)
{
  const ConvJob *j = data;
  size_t r0 = (size_t) task * j->chunk;
  conv2d_forward_rows (j, r0, j->rows - r0 < j->chunk ? j->rows - r0 : j->chunk, thread,
                       j->n->value + r0 * (size_t) j->cout);
}

/* With a fused max pooling: runs of whole images, each pooled while its
 * convolution output is in cache. */
static void
conv2d_pool_forward_task (void *data, int task, int thread)
{
  const ConvJob *j = data;
  size_t first, last;
  nn_split_range ((size_t) j->batch, j->tasks, task, &first, &last);
  /* A chunk's worth of images at a time, pooled while still in cache; with
   * argmax, computed into this thread's buffer and never stored. */
  size_t group = j->chunk / j->ohw ? j->chunk / j->ohw : 1;
  NnNode *p = j->pool;
  size_t pimg = (size_t) p->shape[1] * (size_t) p->shape[2] * (size_t) j->cout;
  for (size_t g0 = first; g0 < last; g0 += group)
    {
      size_t g1 = g0 + group < last ? g0 + group : last, end = g1 * j->ohw;
      float *z = j->arg ? j->n->aux + (size_t) thread * j->cs.total + j->cs.dz : NULL;
      for (size_t r0 = g0 * j->ohw; r0 < end; r0 += j->chunk)
        {
          float *y = z ? z + (r0 - g0 * j->ohw) * (size_t) j->cout
                       : j->n->value + r0 * (size_t) j->cout;
          conv2d_forward_rows (j, r0, end - r0 < j->chunk ? end - r0 : j->chunk, thread, y);
        }
      if (z)
        nn_max_pool_2x2_argmax (z, (int) (g1 - g0), j->q.oh, j->q.ow, j->cout,
                                p->value + g0 * pimg, j->arg + g0 * pimg);
      else
        nn_max_pool_images (j->g, p, (int) g0, (int) g1);
    }
}

static void
conv2d_forward (NnGraph *g, NnNode *n)
{
  if (winograd (g, n) == 2)
    {
      nn_winograd_pool_forward (nn_in (g, n, 0), nn_in (g, n, 1)->value, nn_conv_bias_value (g, n),
                                n->ip[NN_CONV_ACT] == NN_CONV_ACT_RELU, n->ip[NN_CONV_PAD_TOP],
                                n->ip[NN_CONV_PAD_LEFT], &g->nodes[n->ip[NN_CONV_POOL] - 1],
                                n->aux);
      return;
    }
  if (winograd (g, n))
    {
      NnNode *x = nn_in (g, n, 0), *w = nn_in (g, n, 1);
      nn_winograd_forward (x, w->value, nn_conv_bias_value (g, n),
                           n->ip[NN_CONV_ACT] == NN_CONV_ACT_RELU, n->ip[NN_CONV_PAD_TOP],
                           n->ip[NN_CONV_PAD_LEFT], n, n->aux);
      return;
    }
  ConvJob j = conv_job (g, n);
  if (j.rows == 0)
    return;
  if (j.direct & NN_DIRECT_FORWARD)
    nn_direct_pack (j.w->value, j.q.k, (size_t) j.cout, j.packed);
  if (j.pool)
    nn_parallel_for (j.tasks, conv2d_pool_forward_task, &j);
  else
    nn_parallel_for ((int) ((j.rows + j.chunk - 1) / j.chunk), conv2d_forward_task, &j);
}

/* dwt += (A^T dz)^T for im2col rows [r0, r0 + m) through the direct
 * kernel (the task's kernel gradient, kept transposed: (cout, k)), A read
 * from x's windows or from im2col rows built in this thread's block
 * base. */
static void
dw_direct (const ConvJob *j, size_t r0, size_t m, float *base, const float *dz, float *dw)
{
  const Geom *q = &j->q;
  size_t *rowoff = (size_t *) (void *) (base + j->cs.offs), *blockoff = rowoff + j->chunk;
  size_t c = (size_t) q->c, nb = q->k / 16;
  const float *src;
  if (j->direct & NN_DIRECT_DW_WINDOWS)
    {
      /* each row's window corner; block b's kernel row and place in it */
      size_t run = (size_t) q->kw * c;
      window_offsets (q, r0, m, rowoff);
      for (size_t i = 0; i < nb; i++)
        {
          size_t ky = i * 16 / run;
          blockoff[i] = ky * (size_t) q->dh * (size_t) q->iw * c + (i * 16 - ky * run);
        }
      src = j->x->value;
    }
  else
    {
      float *col = base + j->cs.col;
      nn_im2col (q, j->x->value, r0, r0 + m, col);
      for (size_t r = 0; r < m; r++)
        rowoff[r] = r * q->k;
      for (size_t i = 0; i < nb; i++)
        blockoff[i] = i * 16;
      src = col;
    }
  nn_direct_weight_grad (src, rowoff, blockoff, m, q->k, dz, j->cout, dw);
}

/* Backward of im2col rows [r0, end), a chunk at a time, on thread
 * `thread`'s scratch; kernel and bias gradients summed into dw, db (the
 * task's own buffer). */
static void
conv2d_backward_rows (const ConvJob *j, size_t r0, size_t end, int thread, float *dw,
                      float *db, const float *dz_rows, int masked)
{
  const Geom *q = &j->q;
  NnNode *n = j->n, *x = j->x, *w = j->w;
  float *base = n->aux + (size_t) thread * j->cs.total;
  float *col = base + j->cs.col, *dcol = base + j->cs.dcol, *dzbuf = base + j->cs.dz;
  size_t start = r0;
  for (; r0 < end; r0 += j->chunk)
    {
      size_t m = end - r0 < j->chunk ? end - r0 : j->chunk;
      /* dz_rows: the gradient of rows [start, end) */
      const float *dz = dz_rows + (r0 - start) * (size_t) j->cout;
      /* a fused pooling or the caller already applied the ReLU's mask */
      if (j->relu && !masked)
        {
          nn_conv_relu_mask (dz, n->value + r0 * (size_t) j->cout, m * (size_t) j->cout, dzbuf);
          dz = dzbuf;
        }
      if (dw && j->direct & (NN_DIRECT_DW | NN_DIRECT_DW_WINDOWS))
        dw_direct (j, r0, m, base, dz, dw);
      else if (dw && q->k <= NN_CONV_SMALL_K)
        {
          const size_t *rowoff, *off;
          const float *src = short_rows (j, r0, m, base, &rowoff, &off);
          small_k_weight_grad (src, rowoff, off, m, q->k, dz, j->cout, dw);
        }
      else if (dw)
        {
          const float *a;
          if (j->pointwise)
            a = x->value + r0 * q->k;
          else
            {
              nn_im2col (q, x->value, r0, r0 + m, col);
              a = col;
            }
          cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, (int) q->k, j->cout, (int) m,
                       1.0f, a, (int) q->k, dz, j->cout, 1.0f, dw, j->cout);
        }
      if (db)
        nn_conv_sum_rows (dz, m, (size_t) j->cout, db);
      if (x->grad && j->direct & NN_DIRECT_DX_SCATTER)
        {
          NnWindows fw = forward_windows (q, NULL);
          nn_direct_rows_scatter (&fw, dz, r0, m, j->packed_dx, j->cout, x->grad);
        }
      else if (x->grad && !(j->direct & NN_DIRECT_DX))
        {
          if (j->pointwise)
            cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) m, (int) q->k, j->cout,
                         1.0f, dz, j->cout, w->value, j->cout, 1.0f, x->grad + r0 * q->k,
                         (int) q->k);
          else
            {
              cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) m, (int) q->k, j->cout,
                           1.0f, dz, j->cout, w->value, j->cout, 0.0f, dcol, (int) q->k);
              nn_col2im_add (q, dcol, r0, r0 + m, x->grad);
            }
        }
    }
}

/* Images [first, last) of the batch; kernel and bias gradients summed into
 * the task's own buffer. */
static void
conv2d_backward_task (void *data, int task, int thread)
{
  const ConvJob *j = data;
  size_t first, last;
  nn_split_range ((size_t) j->batch, j->tasks, task, &first, &last);
  float *partial = j->n->aux + (size_t) nn_parallel_threads () * j->cs.total
                   + (size_t) task * j->cs.partial;
  size_t kc = j->q.k * (size_t) j->cout;
  float *dw = j->w->grad ? partial : NULL, *db = j->db ? partial + kc : NULL;
  memset (partial, 0, (kc + (size_t) j->cout) * sizeof (float));
  NnNode *n = j->n;
  int dx_direct = j->direct & NN_DIRECT_DX;
  if (!j->pool && !dx_direct)
    {
      conv2d_backward_rows (j, first * j->ohw, last * j->ohw, thread, dw, db,
                            n->grad + first * j->ohw * (size_t) j->cout, 0);
      return;
    }
  /* A chunk's worth of images at a time. With a fused pooling, the
   * pooling's backward sets this op's gradient for them (the ReLU's mask
   * applied) just before their rows read it, from cache; with argmax, in
   * this thread's buffer, never in memory. A direct input gradient reads
   * the masked gradient of whole images. */
  size_t group = j->chunk / j->ohw ? j->chunk / j->ohw : 1;
  NnNode *p = j->pool;
  size_t pimg = p ? (size_t) p->shape[1] * (size_t) p->shape[2] * (size_t) j->cout : 0;
  size_t ihw = (size_t) j->q.ih * (size_t) j->q.iw;
  float *buf = n->aux + (size_t) thread * j->cs.total + j->cs.dz;
  for (size_t g0 = first; g0 < last; g0 += group)
    {
      size_t g1 = g0 + group < last ? g0 + group : last;
      size_t zoff = g0 * j->ohw * (size_t) j->cout;
      float *dz = n->grad + zoff;
      if (j->arg)
        {
          dz = buf;
          nn_max_pool_2x2_argmax_backward (p->value + g0 * pimg, p->grad + g0 * pimg,
                                           j->arg + g0 * pimg, (int) (g1 - g0), j->q.oh,
                                           j->q.ow, j->cout, j->relu, dz);
        }
      else if (p)
        nn_max_pool_images_backward (j->g, p, (int) g0, (int) g1, j->relu, n->grad);
      else if (j->relu)
        {
          nn_conv_relu_mask (n->grad + zoff, n->value + zoff, (g1 - g0) * j->ohw * (size_t) j->cout, buf);
          dz = buf;
        }
      conv2d_backward_rows (j, g0 * j->ohw, g1 * j->ohw, thread, dw, db, dz, 1);
      if (dx_direct && j->x->grad)
        {
          NnWindows w = dx_windows (&j->q, j->cout, dz);
          nn_direct_rows (&w, 0, (g1 - g0) * ihw, j->packed_dx, j->q.c, NULL, 0, 1,
                          j->x->grad + g0 * ihw * (size_t) j->q.c, (size_t) j->q.c);
        }
    }
}

/* Rows [lo, hi) of the kernel gradient += the backward tasks' sums, in
 * task order. */
static void
conv2d_sum_tasks (void *data, size_t lo, size_t hi)
{
  const ConvJob *j = data;
  if (!j->w->grad)
    return;
  const float *partials = j->n->aux + (size_t) nn_parallel_threads () * j->cs.total;
  size_t n = (size_t) j->cout, k = j->q.k;
  int transposed = j->direct & (NN_DIRECT_DW | NN_DIRECT_DW_WINDOWS);
  for (int t = 0; t < j->tasks; t++)
    {
      const float *p = partials + (size_t) t * j->cs.partial;
      float *d = j->w->grad;
      if (transposed)
        /* the direct kernel gradient's sums are (cout, k) */
        for (size_t i = lo; i < hi; i++)
          for (size_t o = 0; o < n; o++)
            d[i * n + o] += p[o * k + i];
      else
        for (size_t i = lo * n; i < hi * n; i++)
          d[i] += p[i];
    }
}

/* split_rows: rows of dz masked by the ReLU (into thread 0's buffer), then
 * rows of dx, each a task's. */
#define SPLIT_FLOATS ((size_t) 1 << 15)

static void
split_mask_task (void *data, int task, int thread)
{
  const ConvJob *j = data;
  NnNode *n = j->n;
  size_t lo = (size_t) task * SPLIT_FLOATS, len = n->size - lo < SPLIT_FLOATS ? n->size - lo
                                                                            : SPLIT_FLOATS;
  nn_conv_relu_mask (n->grad + lo, n->value + lo, len, n->aux + j->cs.dz + lo);
}

static void
split_dx_task (void *data, int task, int thread)
{
  const ConvJob *j = data;
  const float *dz = j->relu ? j->n->aux + j->cs.dz : j->n->grad;
  NnWindows w = dx_windows (&j->q, j->cout, dz);
  size_t rows = (size_t) j->batch * (size_t) j->q.ih * (size_t) j->q.iw, lo, hi;
  nn_split_range (rows, NN_CONV_TASKS, task, &lo, &hi);
  if (hi > lo)
    nn_direct_rows (&w, lo, hi - lo, j->packed_dx, j->q.c, NULL, 0, 1,
                    j->x->grad + lo * (size_t) j->q.c, (size_t) j->q.c);
}

static void
conv2d_backward_split (ConvJob *j)
{
  if (!j->x->grad)
    return;
  nn_direct_pack_flipped (j->w->value, j->q.kh, j->q.kw, j->q.c, j->cout, j->packed_dx);
  if (j->relu)
    nn_parallel_for ((int) ((j->n->size + SPLIT_FLOATS - 1) / SPLIT_FLOATS), split_mask_task, j);
  nn_parallel_for (NN_CONV_TASKS, split_dx_task, j);
}

static void
conv2d_backward (NnGraph *g, NnNode *n)
{
  if (winograd (g, n) == 2)
    {
      NnNode *x = nn_in (g, n, 0), *w = nn_in (g, n, 1);
      nn_winograd_pool_backward (x, w->value, &g->nodes[n->ip[NN_CONV_POOL] - 1],
                                 n->ip[NN_CONV_ACT] == NN_CONV_ACT_RELU, nn_conv_bias_grad (g, n),
                                 x->grad, w->grad, n->ip[NN_CONV_PAD_TOP],
                                 n->ip[NN_CONV_PAD_LEFT], n->aux);
      return;
    }
  if (winograd (g, n))
    {
      NnNode *x = nn_in (g, n, 0), *w = nn_in (g, n, 1);
      nn_winograd_backward (x, w->value, n, n->ip[NN_CONV_ACT] == NN_CONV_ACT_RELU,
                            nn_conv_bias_grad (g, n), x->grad, w->grad, n->ip[NN_CONV_PAD_TOP],
                            n->ip[NN_CONV_PAD_LEFT], n->aux);
      return;
    }
  ConvJob j = conv_job (g, n);
  if (j.rows == 0)
    return;
  if (split_rows (g, n, j.direct))
    {
      conv2d_backward_split (&j);
      return;
    }
  if (j.direct & NN_DIRECT_DX && j.x->grad)
    nn_direct_pack_flipped (j.w->value, j.q.kh, j.q.kw, j.q.c, j.cout, j.packed_dx);
  if (j.direct & NN_DIRECT_DX_SCATTER && j.x->grad)
    nn_direct_pack_transposed (j.w->value, j.q.k, (size_t) j.cout, j.packed_dx);
  nn_parallel_for (j.tasks, conv2d_backward_task, &j);
  /* The tasks' sums, in task order, split over the threads by rows of
   * the kernel gradient. */
  nn_parallel_range (j.q.k, 16, conv2d_sum_tasks, &j);
  if (j.db)
    {
      const float *partials = n->aux + (size_t) nn_parallel_threads () * j.cs.total;
      size_t kc = j.q.k * (size_t) j.cout;
      for (int t = 0; t < j.tasks; t++)
        for (int i = 0; i < j.cout; i++)
          j.db[i] += partials[(size_t) t * j.cs.partial + kc + (size_t) i];
    }
}

/* ---- the op description (nn-ops.c lists it) ---------------------------- */

const NnOpInfo nn_op_conv2d_info = {
  "conv2d", conv2d_shape, conv2d_forward, conv2d_backward
};
