/* SPDX-License-Identifier: GPL-3.0-or-later */
/* 3x3 convolutions (stride 1, no dilation) by Winograd's F(2x2, 3x3), used
 * by NN_OP_CONV2D where it pays (nn-op-conv2d.c decides).
 *
 * The output is cut into 2x2 tiles; each reads a 4x4 window d of the input.
 * With B^T, G, A^T the F(2, 3) matrices,
 *   V = B^T d B,  U = G g G^T  (per tile and channel, 4x4 = 16 positions)
 *   M[xi] = V[xi] U[xi]        (16 matrix products: (tiles x Cin) (Cin x Cout))
 *   y tile = A^T M A
 * which is exactly the convolution with 16 products of Cin x Cout per tile
 * instead of 36: 2.25 times fewer multiplications. Backward follows the
 * same algebra in reverse:
 *   dM = A dY A^T,  dU[xi] += V[xi]^T dM[xi],  dV[xi] = dM[xi] U[xi]^T,
 *   dx tile += B dV B^T,  dW += G^T dU G.
 * Channels-last makes every transform a loop over contiguous channels, and
 * each of the 16 positions one sgemm. Tiles are processed a chunk at a time
 * so the transformed data stays in cache. */
#include <cblas.h>
#include <string.h>

#include "nn-conv-private.h"
#include "nn-simd-private.h"


/* Tiles per chunk: the chunk's transformed input, products and their
 * gradients (16 x tiles x (2 Cin + Cout) floats) stay in cache:
 * six times im2col's chunk (nn_conv_set_chunk_floats): fewer, larger
 * products, as sgemm's cost per call is not small next to these. */
#define CHUNK_FLOATS (nn_conv_chunk_floats () * 6)

typedef struct {
  int batch, ih, iw, c, oh, ow, k, pt, pl;
  int th, tw;          /* tiles down and across */
  size_t tiles;        /* batch * th * tw */
  size_t chunk;        /* tiles per chunk */
} Wino;

static Wino
wino_make (const NnNode *x, const NnNode *y, int pt, int pl)
{
  Wino w;
  w.batch = x->shape[0];
  w.ih = x->shape[1];
  w.iw = x->shape[2];
  w.c = x->shape[3];
  w.oh = y->shape[1];
  w.ow = y->shape[2];
  w.k = y->shape[3];
  w.pt = pt;
  w.pl = pl;
  w.th = (w.oh + 1) / 2;
  w.tw = (w.ow + 1) / 2;
  w.tiles = (size_t) w.batch * (size_t) w.th * (size_t) w.tw;
  size_t per_tile = 16 * (2 * (size_t) w.c + (size_t) w.k);
  w.chunk = CHUNK_FLOATS / per_tile;
  if (w.chunk < 16)
    w.chunk = 16;
  if (w.chunk > w.tiles)
    w.chunk = w.tiles;
  return w;
}

int
nn_winograd_applies (const NnNode *x, const NnNode *w, const NnNode *y, const int *ip)
{
  if (w->shape[0] != 3 || w->shape[1] != 3 || ip[NN_CONV_STRIDE_H] != 1
      || ip[NN_CONV_STRIDE_W] != 1 || ip[NN_CONV_DIL_H] != 1 || ip[NN_CONV_DIL_W] != 1)
    return 0;
  /* The 16 products have depth Cin. With a kernel gradient (the serial
   * path, on sgemm), below 64 input channels sgemm's packing costs more
   * than the multiplications saved (measured: 32 -> 64 channels on 13x13
   * runs about 5% slower than im2col, 64 -> 64 about 25% faster); without
   * one (inference, DeepDream) the products run on the direct kernel,
   * which pays from 16 channels. Odd output sizes waste part of the last
   * tiles: small outputs waste too much. */
  int oh = y->shape[1], ow = y->shape[2], c = x->shape[3];
  long covered = (long) ((oh + 1) / 2 * 2) * ((ow + 1) / 2 * 2);
  return (c >= 64 || (c >= 16 && !w->grad)) && c <= NN_DIRECT_MAX_RUN
         && 10 * covered <= 13 * (long) oh * ow;
}

/* ---- transforms, over contiguous channels ----------------------------- */

/* Every transform is written plane by plane: each line below is one loop
 * over n contiguous floats (channels), which the compiler vectorises. */
#define LOOP(n) for (size_t e = 0; e < (n); e++)

/* U[xi][c][k] = (G g G^T)[xi] for kernel g = W[., ., c, k]; t: 12 planes
 * of c * k floats of scratch. */
NN_CLONES static void
kernel_transform (const float *restrict wt, size_t ck, float *restrict u, float *restrict t)
{
  /* t = G g: 4 x 3 planes */
  for (int j = 0; j < 3; j++)
    {
      const float *g0 = wt + (size_t) (0 * 3 + j) * ck, *g1 = wt + (size_t) (1 * 3 + j) * ck;
      const float *g2 = wt + (size_t) (2 * 3 + j) * ck;
      float *t0 = t + (size_t) (0 * 3 + j) * ck, *t1 = t + (size_t) (1 * 3 + j) * ck;
      float *t2 = t + (size_t) (2 * 3 + j) * ck, *t3 = t + (size_t) (3 * 3 + j) * ck;
      LOOP (ck)
        {
          t0[e] = g0[e];
          t1[e] = 0.5f * (g0[e] + g1[e] + g2[e]);
          t2[e] = 0.5f * (g0[e] - g1[e] + g2[e]);
          t3[e] = g2[e];
        }
    }
  /* U = t G^T: 4 x 4 planes */
  for (int a = 0; a < 4; a++)
    {
      const float *s0 = t + (size_t) (a * 3 + 0) * ck, *s1 = t + (size_t) (a * 3 + 1) * ck;
      const float *s2 = t + (size_t) (a * 3 + 2) * ck;
      float *u0 = u + (size_t) (a * 4 + 0) * ck, *u1 = u + (size_t) (a * 4 + 1) * ck;
      float *u2 = u + (size_t) (a * 4 + 2) * ck, *u3 = u + (size_t) (a * 4 + 3) * ck;
      LOOP (ck)
        {
          u0[e] = s0[e];
          u1[e] = 0.5f * (s0[e] + s1[e] + s2[e]);
          u2[e] = 0.5f * (s0[e] - s1[e] + s2[e]);
          u3[e] = s2[e];
        }
    }
}

/* dW[i][j][c][k] += (G^T dU G)[i][j]; t: 12 planes of scratch. */
NN_CLONES static void
kernel_transform_back (const float *restrict du, size_t ck, float *restrict dw,
                       float *restrict t)
{
  /* t = G^T dU: 3 x 4 planes */
  for (int b = 0; b < 4; b++)
    {
      const float *m0 = du + (size_t) (0 * 4 + b) * ck, *m1 = du + (size_t) (1 * 4 + b) * ck;
      const float *m2 = du + (size_t) (2 * 4 + b) * ck, *m3 = du + (size_t) (3 * 4 + b) * ck;
      float *t0 = t + (size_t) (0 * 4 + b) * ck, *t1 = t + (size_t) (1 * 4 + b) * ck;
      float *t2 = t + (size_t) (2 * 4 + b) * ck;
      LOOP (ck)
        {
          t0[e] = m0[e] + 0.5f * (m1[e] + m2[e]);
          t1[e] = 0.5f * (m1[e] - m2[e]);
          t2[e] = 0.5f * (m1[e] + m2[e]) + m3[e];
        }
    }
  /* dW += t G */
  for (int i = 0; i < 3; i++)
    {
      const float *s0 = t + (size_t) (i * 4 + 0) * ck, *s1 = t + (size_t) (i * 4 + 1) * ck;
      const float *s2 = t + (size_t) (i * 4 + 2) * ck, *s3 = t + (size_t) (i * 4 + 3) * ck;
      float *d0 = dw + (size_t) (i * 3 + 0) * ck, *d1 = dw + (size_t) (i * 3 + 1) * ck;
      float *d2 = dw + (size_t) (i * 3 + 2) * ck;
      LOOP (ck)
        {
          d0[e] += s0[e] + 0.5f * (s1[e] + s2[e]);
          d1[e] += 0.5f * (s1[e] - s2[e]);
          d2[e] += 0.5f * (s1[e] + s2[e]) + s3[e];
        }
    }
}

/* The 4x4 input window of tile (n, ty, tx) as four row pointers (pixel v
 * of row u at rows[u] + v c): in x itself where the window lies inside
 * it, else gathered into d[16][c] with zeros outside. */
static void
window_rows (const Wino *w, const float *x, size_t tile, float *d, const float **rows)
{
  size_t per_img = (size_t) w->th * (size_t) w->tw;
  int n = (int) (tile / per_img), rem = (int) (tile % per_img);
  int h0 = 2 * (rem / w->tw) - w->pt, w0 = 2 * (rem % w->tw) - w->pl;
  size_t c = (size_t) w->c;
  const float *xb = x + (size_t) n * (size_t) w->ih * (size_t) w->iw * c;
  if (h0 >= 0 && h0 + 4 <= w->ih && w0 >= 0 && w0 + 4 <= w->iw)
    {
      for (int u = 0; u < 4; u++)
        rows[u] = xb + ((size_t) (h0 + u) * (size_t) w->iw + (size_t) w0) * c;
      return;
    }
  for (int u = 0; u < 4; u++)
    {
      int h = h0 + u;
      rows[u] = d + (size_t) u * 4 * c;
      for (int v = 0; v < 4; v++)
        {
          float *dst = d + (size_t) (u * 4 + v) * c;
          int ww = w0 + v;
          if (h < 0 || h >= w->ih || ww < 0 || ww >= w->iw)
            memset (dst, 0, c * sizeof (float));
          else
            memcpy (dst, xb + ((size_t) h * (size_t) w->iw + (size_t) ww) * c, c * sizeof (float));
        }
    }
}

/* dx += dd (the tile's 4x4 input gradient, d[16][c]) where the tile's
 * window is inside the image. */
NN_CLONES static void
window_add (const Wino *w, const float *restrict dd, float *restrict dx, size_t tile)
{
  size_t per_img = (size_t) w->th * (size_t) w->tw, c = (size_t) w->c;
  int n = (int) (tile / per_img), rem = (int) (tile % per_img);
  int h0 = 2 * (rem / w->tw) - w->pt, w0 = 2 * (rem % w->tw) - w->pl;
  float *xb = dx + (size_t) n * (size_t) w->ih * (size_t) w->iw * c;
  for (int a = 0; a < 4; a++)
    for (int b = 0; b < 4; b++)
      {
        int h = h0 + a, ww = w0 + b;
        if (h < 0 || h >= w->ih || ww < 0 || ww >= w->iw)
          continue;
        float *restrict dst = xb + ((size_t) h * (size_t) w->iw + (size_t) ww) * c;
        const float *restrict src = dd + (size_t) (a * 4 + b) * c;
        for (size_t e = 0; e < c; e++)
          dst[e] += src[e];
      }
}

/* V = B^T d B for one tile, d's rows as window_rows gives them; V[xi] at
 * v + xi * stride; t: 16 c scratch. */
NN_CLONES static void
input_transform (const float *const *rows, size_t c, float *restrict v, size_t stride,
                 float *restrict t)
{
  for (int b = 0; b < 4; b++)
    {
      const float *d0 = rows[0] + b * c, *d1 = rows[1] + b * c;
      const float *d2 = rows[2] + b * c, *d3 = rows[3] + b * c;
      float *t0 = t + (0 * 4 + b) * c, *t1 = t + (1 * 4 + b) * c;
      float *t2 = t + (2 * 4 + b) * c, *t3 = t + (3 * 4 + b) * c;
      LOOP (c)
        {
          t0[e] = d0[e] - d2[e];
          t1[e] = d1[e] + d2[e];
          t2[e] = d2[e] - d1[e];
          t3[e] = d1[e] - d3[e];
        }
    }
  for (int a = 0; a < 4; a++)
    {
      const float *s0 = t + (a * 4 + 0) * c, *s1 = t + (a * 4 + 1) * c;
      const float *s2 = t + (a * 4 + 2) * c, *s3 = t + (a * 4 + 3) * c;
      float *v0 = v + (size_t) (a * 4 + 0) * stride, *v1 = v + (size_t) (a * 4 + 1) * stride;
      float *v2 = v + (size_t) (a * 4 + 2) * stride, *v3 = v + (size_t) (a * 4 + 3) * stride;
      LOOP (c)
        {
          v0[e] = s0[e] - s2[e];
          v1[e] = s1[e] + s2[e];
          v2[e] = s2[e] - s1[e];
          v3[e] = s1[e] - s3[e];
        }
    }
}

/* dd = B dV B^T for one tile (dV[xi] at dv + xi * stride) into dd[16][c]. */
NN_CLONES static void
input_transform_back (const float *restrict dv, size_t stride, size_t c, float *restrict dd,
                      float *restrict t)
{
  for (int b = 0; b < 4; b++)
    {
      const float *m0 = dv + (size_t) (0 * 4 + b) * stride, *m1 = dv + (size_t) (1 * 4 + b) * stride;
      const float *m2 = dv + (size_t) (2 * 4 + b) * stride, *m3 = dv + (size_t) (3 * 4 + b) * stride;
      float *t0 = t + (0 * 4 + b) * c, *t1 = t + (1 * 4 + b) * c;
      float *t2 = t + (2 * 4 + b) * c, *t3 = t + (3 * 4 + b) * c;
      LOOP (c)
        {
          t0[e] = m0[e];
          t1[e] = m1[e] - m2[e] + m3[e];
          t2[e] = -m0[e] + m1[e] + m2[e];
          t3[e] = -m3[e];
        }
    }
  for (int a = 0; a < 4; a++)
    {
      const float *s0 = t + (a * 4 + 0) * c, *s1 = t + (a * 4 + 1) * c;
      const float *s2 = t + (a * 4 + 2) * c, *s3 = t + (a * 4 + 3) * c;
      float *o0 = dd + (a * 4 + 0) * c, *o1 = dd + (a * 4 + 1) * c;
      float *o2 = dd + (a * 4 + 2) * c, *o3 = dd + (a * 4 + 3) * c;
      LOOP (c)
        {
          o0[e] = s0[e];
          o1[e] = s1[e] - s2[e] + s3[e];
          o2[e] = -s0[e] + s1[e] + s2[e];
          o3[e] = -s3[e];
        }
    }
}

/* y tile = A^T M A (+ bias, ReLU) where the outputs are inside the image
 * (o[i] NULL otherwise); t: 8 k scratch. */
NN_CLONES static void
output_transform (const float *restrict m, size_t stride, size_t k, const float *bias, int relu,
                  float *const *o, float *restrict t)
{
  for (int b = 0; b < 4; b++)
    {
      const float *m0 = m + (size_t) (0 * 4 + b) * stride, *m1 = m + (size_t) (1 * 4 + b) * stride;
      const float *m2 = m + (size_t) (2 * 4 + b) * stride, *m3 = m + (size_t) (3 * 4 + b) * stride;
      float *t0 = t + (0 * 4 + b) * k, *t1 = t + (1 * 4 + b) * k;
      LOOP (k)
        {
          t0[e] = m0[e] + m1[e] + m2[e];
          t1[e] = m1[e] - m2[e] - m3[e];
        }
    }
  for (int a = 0; a < 2; a++)
    {
      const float *s0 = t + (a * 4 + 0) * k, *s1 = t + (a * 4 + 1) * k;
      const float *s2 = t + (a * 4 + 2) * k, *s3 = t + (a * 4 + 3) * k;
      float *y0 = o[a * 2 + 0], *y1 = o[a * 2 + 1];
      if (y0)
        LOOP (k)
          {
            float v = s0[e] + s1[e] + s2[e] + (bias ? bias[e] : 0.0f);
            y0[e] = relu && v < 0.0f ? 0.0f : v;
          }
      if (y1)
        LOOP (k)
          {
            float v = s1[e] - s2[e] - s3[e] + (bias ? bias[e] : 0.0f);
            y1[e] = relu && v < 0.0f ? 0.0f : v;
          }
    }
}

/* dM = A dZ A^T from the 2x2 output gradient (g[i] NULL: outside the
 * image), dZ = dY masked by the fused ReLU (y > 0); the bias gradient
 * gathers dZ. z: 4 k scratch. */
NN_CLONES static void
output_transform_back (float *const *g, float *const *y, int relu, size_t k, float *db,
                       float *restrict dm, size_t stride, float *restrict z)
{
  for (int i = 0; i < 4; i++)
    {
      float *zi = z + (size_t) i * k;
      const float *gi = g[i], *yi = y[i];
      if (!gi)
        LOOP (k)
          zi[e] = 0.0f;
      else if (relu)
        LOOP (k)
          zi[e] = yi[e] > 0.0f ? gi[e] : 0.0f;
      else
        LOOP (k)
          zi[e] = gi[e];
    }
  const float *a = z, *b = z + k, *c = z + 2 * k, *d = z + 3 * k;
  if (db)
    LOOP (k)
      db[e] += a[e] + b[e] + c[e] + d[e];
  /* rows of A dZ: (a, b), (a + c, b + d), (a - c, b - d), (-c, -d); then
   * each row (r0, r1) times A^T: (r0, r0 + r1, r0 - r1, -r1) */
  float *p[16];
  for (int i = 0; i < 16; i++)
    p[i] = dm + (size_t) i * stride;
  LOOP (k)
    {
      p[0][e] = a[e];
      p[1][e] = a[e] + b[e];
      p[2][e] = a[e] - b[e];
      p[3][e] = -b[e];
    }
  LOOP (k)
    {
      float r0 = a[e] + c[e], r1 = b[e] + d[e];
      p[4][e] = r0;
      p[5][e] = r0 + r1;
      p[6][e] = r0 - r1;
      p[7][e] = -r1;
    }
  LOOP (k)
    {
      float r0 = a[e] - c[e], r1 = b[e] - d[e];
      p[8][e] = r0;
      p[9][e] = r0 + r1;
      p[10][e] = r0 - r1;
      p[11][e] = -r1;
    }
  LOOP (k)
    {
      p[12][e] = -c[e];
      p[13][e] = -c[e] - d[e];
      p[14][e] = -c[e] + d[e];
      p[15][e] = d[e];
    }
}

/* The output rows of tile `tile` (NULL where outside the image). */
static void
tile_outputs (const Wino *w, float *y, size_t tile, float **o)
{
  size_t per_img = (size_t) w->th * (size_t) w->tw;
  int n = (int) (tile / per_img), rem = (int) (tile % per_img);
  int oh = 2 * (rem / w->tw), ow = 2 * (rem % w->tw);
  size_t k = (size_t) w->k;
  float *yb = y + (size_t) n * (size_t) w->oh * (size_t) w->ow * k;
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++)
      o[i * 2 + j] = oh + i < w->oh && ow + j < w->ow
                     ? yb + ((size_t) (oh + i) * (size_t) w->ow + (size_t) (ow + j)) * k
                     : NULL;
}

/* ---- forward and backward --------------------------------------------- */

/* The scratch, in floats, as laid out by both passes:
 *   U, dU (backward only): 16 Cin Cout each; V: 16 chunk Cin; M or dM:
 *   16 chunk Cout; dV (backward): 16 chunk Cin; then per-tile room: the
 *   window and its gradient (16 Cin each), transform temporaries (16 of
 *   the wider channel count), and 12 Cin Cout for the kernel transforms. */
typedef struct {
  float *u, *du, *v, *m, *dv, *d, *dd, *t, *kt;
} Scratch;

static size_t
scratch_layout (const Wino *w, int grads, float *base, Scratch *s)
{
  size_t c = (size_t) w->c, k = (size_t) w->k, ck = c * k, wide = c > k ? c : k;
  size_t sizes[9] = { 16 * ck, grads ? 16 * ck : 0, 16 * w->chunk * c, 16 * w->chunk * k,
                      grads ? 16 * w->chunk * c : 0, 16 * c, 16 * c, 16 * wide, 12 * ck };
  float **slots[9] = { &s->u, &s->du, &s->v, &s->m, &s->dv, &s->d, &s->dd, &s->t, &s->kt };
  size_t off = 0;
  for (int i = 0; i < 9; i++)
    {
      if (slots[i] && base)
        *slots[i] = sizes[i] ? base + off : NULL;
      /* 16-float steps keep every buffer 64-byte aligned */
      off += (sizes[i] + 15) / 16 * 16;
    }
  return off;
}


static void wb_backward_dx (const NnNode *xn, const float *wt, const NnNode *yn, int relu,
                            float *dx, int pt, int pl, float *aux);

void
nn_winograd_backward (const NnNode *xn, const float *wt, const NnNode *yn, int relu, float *db,
                      float *dx, float *dw, int pt, int pl, float *aux)
{
  if (dx && !db && !dw && yn->shape[3] >= 8 && yn->shape[3] <= NN_DIRECT_MAX_RUN)
    {
      wb_backward_dx (xn, wt, yn, relu, dx, pt, pl, aux);
      return;
    }
  Wino w = wino_make (xn, yn, pt, pl);
  size_t c = (size_t) w.c, k = (size_t) w.k;
  Scratch s;
  scratch_layout (&w, 1, aux, &s);
  if (dx)
    kernel_transform (wt, c * k, s.u, s.kt);
  if (dw)
    memset (s.du, 0, 16 * c * k * sizeof (float));
  for (size_t t0 = 0; t0 < w.tiles; t0 += w.chunk)
    {
      size_t tn = w.tiles - t0 < w.chunk ? w.tiles - t0 : w.chunk;
      for (size_t t = 0; t < tn; t++)
        {
          float *g[4], *y[4];
          tile_outputs (&w, yn->grad, t0 + t, g);
          tile_outputs (&w, yn->value, t0 + t, y);
          output_transform_back (g, y, relu, k, db, s.m + t * k, tn * k, s.t);
        }
      if (dw)
        {
          for (size_t t = 0; t < tn; t++)
            {
              const float *rows[4];
              window_rows (&w, xn->value, t0 + t, s.d, rows);
              input_transform (rows, c, s.v + t * c, tn * c, s.t);
            }
          for (int xi = 0; xi < 16; xi++)
            nn_sgemm (CblasTrans, CblasNoTrans, w.c, w.k, (int) tn, 1.0f,
                         s.v + (size_t) xi * tn * c, w.c, s.m + (size_t) xi * tn * k, w.k, 1.0f,
                         s.du + (size_t) xi * c * k, w.k);
        }
      if (dx)
        {
          for (int xi = 0; xi < 16; xi++)
            nn_sgemm (CblasNoTrans, CblasTrans, (int) tn, w.c, w.k, 1.0f,
                         s.m + (size_t) xi * tn * k, w.k, s.u + (size_t) xi * c * k, w.k, 0.0f,
                         s.dv + (size_t) xi * tn * c, w.c);
          /* each tile's input gradient, added where its window is inside */
          for (size_t t = 0; t < tn; t++)
            {
              input_transform_back (s.dv + t * c, tn * c, c, s.dd, s.t);
              window_add (&w, s.dd, dx, t0 + t);
            }
        }
    }
  if (dw)
    kernel_transform_back (s.du, c * k, dw, s.kt);
}

/* ---- split over the threads, products on the direct kernel ------------ */

/* The forward pass, and a backward that wants only the input gradient (a
 * graph with no kernel or bias gradient: DeepDream's), cut the tiles into
 * bands of whole tile rows (the rows of every image one after another),
 * one task each, a band's tiles taken a group at a time; the 16 products
 * run on the direct kernel (nn-conv-direct.c). Forward, every output
 * pixel is one tile's. Backward, a tile's 4x4 input window overlaps the
 * windows of the tile rows just above and below, never two rows away, so
 * the even bands run first and the odd ones after them: no two tasks add
 * to one input pixel at once, and each pixel's sum is taken in an order
 * that the shape alone fixes, whatever the thread count. */

/* floats of a group's transformed data (about half the L2) */
#define WB_GROUP_FLOATS ((size_t) 96 * 1024)
/* bands wanted at least, for the threads to share (a shape's, not a
 * thread count's) */
#define WB_MIN_BANDS 16

typedef struct {
  Wino w;
  size_t group;       /* tiles per group */
  size_t band_rows;   /* tile rows per band */
  int bands;
  size_t pu, put;     /* floats of one position's packed U and U^T */
} WBand;

static WBand
wband_make (const NnNode *x, const NnNode *y, int pt, int pl)
{
  WBand b;
  memset (&b, 0, sizeof b);
  b.w = wino_make (x, y, pt, pl);
  size_t c = (size_t) b.w.c, k = (size_t) b.w.k, tw = (size_t) b.w.tw;
  size_t rows = (size_t) b.w.batch * (size_t) b.w.th;
  b.group = WB_GROUP_FLOATS / (16 * (2 * c + k));
  if (b.group < 6)
    b.group = 6;
  b.band_rows = tw ? b.group / tw : 1;
  if (b.band_rows * WB_MIN_BANDS > rows)
    b.band_rows = rows / WB_MIN_BANDS;
  if (b.band_rows < 1)
    b.band_rows = 1;
  b.bands = (int) ((rows + b.band_rows - 1) / b.band_rows);
  b.pu = nn_direct_packed_floats (c, k);
  b.put = nn_direct_packed_floats (k, c);
  return b;
}

/* Shared: U (16 Cin Cout), the kernel transform's temporaries (12 Cin
 * Cout), U packed for the forward product or U^T for the input gradient's;
 * then each thread's V, M (dM), dV of a group and per-tile room. */
typedef struct {
  float *u, *kt, *packed, *thread0;
  size_t thread_size;
} WBScratch;

/* One thread's room: V, M (dM), dV of a group of tiles, the per-tile
 * window, its gradient and transform temporaries; with the pooling's
 * kernel gradient, the rows' and blocks' offsets of V too. */
typedef struct {
  float *v, *m, *dv, *d, *dd, *t;
  size_t *rowoff, *blockoff;
} WThread;

static size_t
round16 (size_t n)
{
  return (n + 15) / 16 * 16;
}

/* Places a buffer of n floats at *off of base (when base is set). */
static float *
wp_take (float *base, size_t *off, size_t n)
{
  float *p = base ? base + *off : NULL;
  *off += round16 (n);
  return p;
}

static size_t
thread_layout (const Wino *w, size_t tg, int offsets, float *base, WThread *s)
{
  size_t c = (size_t) w->c, k = (size_t) w->k, wide = c > k ? c : k;
  size_t off = 0, per = sizeof (size_t) / sizeof (float);
  s->v = wp_take (base, &off, 16 * tg * c);
  s->m = wp_take (base, &off, 16 * tg * k);
  s->dv = wp_take (base, &off, 16 * tg * c);
  s->d = wp_take (base, &off, 16 * c);
  s->dd = wp_take (base, &off, 16 * c);
  s->t = wp_take (base, &off, 16 * wide);
  s->rowoff = offsets ? (size_t *) (void *) wp_take (base, &off, tg * per) : NULL;
  s->blockoff = offsets ? (size_t *) (void *) wp_take (base, &off, (c / 16) * per) : NULL;
  return off;
}

static size_t
wb_thread_layout (const WBand *b, float *base, WThread *s)
{
  return thread_layout (&b->w, b->group, 0, base, s);
}

static size_t
wb_layout (const WBand *b, float *base, WBScratch *s)
{
  size_t ck = (size_t) b->w.c * (size_t) b->w.k, off = 0;
  WThread t;
  s->thread_size = wb_thread_layout (b, NULL, &t);
  s->u = wp_take (base, &off, 16 * ck);
  s->kt = wp_take (base, &off, 12 * ck);
  s->packed = wp_take (base, &off, 16 * (b->pu > b->put ? b->pu : b->put));
  s->thread0 = wp_take (base, &off, s->thread_size * (size_t) nn_parallel_threads ());
  return off;
}

/* The 16 products of a group of tn tiles: out[xi] (tn, n) = a[xi] (tn,
 * depth) times position xi's packed matrix. */
static void
wino_products (const float *a, size_t tn, int depth, const float *packed, size_t stride, int n,
               float *out)
{
  for (int xi = 0; xi < 16; xi++)
    nn_direct_plain (a + (size_t) xi * tn * (size_t) depth, tn, depth,
                     packed + (size_t) xi * stride, n, out + (size_t) xi * tn * (size_t) n,
                     (size_t) n);
}

/* V of tiles [t0, t0 + tn): d, t the per-tile room. */
static void
wino_input (const Wino *w, const float *x, size_t t0, size_t tn, float *v, float *d, float *t)
{
  size_t c = (size_t) w->c;
  for (size_t i = 0; i < tn; i++)
    {
      const float *rows[4];
      window_rows (w, x, t0 + i, d, rows);
      input_transform (rows, c, v + i * c, tn * c, t);
    }
}

/* U = G g G^T (into u, kt its temporaries), each position's packed for
 * the direct kernel at packed + xi * stride: as the forward product's
 * (Cin, Cout) matrix, or transposed for the input gradient's. */
static void
pack_u (const float *wt, size_t c, size_t k, float *u, float *kt, float *packed, size_t stride,
        int transposed)
{
  size_t ck = c * k;
  kernel_transform (wt, ck, u, kt);
  for (int xi = 0; xi < 16; xi++)
    if (transposed)
      nn_direct_pack_transposed (u + (size_t) xi * ck, c, k, packed + (size_t) xi * stride);
    else
      nn_direct_pack (u + (size_t) xi * ck, c, k, packed + (size_t) xi * stride);
}

typedef struct {
  WBand b;
  WBScratch s;
  const NnNode *x, *y;
  float *yv, *dx;
  const float *bias;
  int relu, parity;
} WBJob;

/* Tiles [*lo, *hi) of band `band`. */
static void
wb_band (const WBand *b, int band, size_t *lo, size_t *hi)
{
  size_t rows = (size_t) b->w.batch * (size_t) b->w.th, r0 = (size_t) band * b->band_rows;
  size_t r1 = r0 + b->band_rows < rows ? r0 + b->band_rows : rows;
  *lo = r0 * (size_t) b->w.tw;
  *hi = r1 * (size_t) b->w.tw;
}

static void
wb_forward_task (void *data, int task, int thread)
{
  const WBJob *j = data;
  const WBand *b = &j->b;
  size_t k = (size_t) b->w.k;
  WThread s;
  wb_thread_layout (b, j->s.thread0 + (size_t) thread * j->s.thread_size, &s);
  size_t lo, hi;
  wb_band (b, task, &lo, &hi);
  for (size_t t0 = lo; t0 < hi; t0 += b->group)
    {
      size_t tn = hi - t0 < b->group ? hi - t0 : b->group;
      wino_input (&b->w, j->x->value, t0, tn, s.v, s.d, s.t);
      wino_products (s.v, tn, b->w.c, j->s.packed, b->pu, b->w.k, s.m);
      for (size_t t = 0; t < tn; t++)
        {
          float *o[4];
          tile_outputs (&b->w, j->yv, t0 + t, o);
          output_transform (s.m + t * k, tn * k, k, j->bias, j->relu, o, s.t);
        }
    }
}

void
nn_winograd_forward (const NnNode *xn, const float *wt, const float *bias, int relu, int pt,
                     int pl, NnNode *yn, float *aux)
{
  WBJob j;
  memset (&j, 0, sizeof j);
  j.b = wband_make (xn, yn, pt, pl);
  if (j.b.w.tiles == 0)
    return;
  wb_layout (&j.b, aux, &j.s);
  j.x = xn;
  j.yv = yn->value;
  j.bias = bias;
  j.relu = relu;
  pack_u (wt, (size_t) j.b.w.c, (size_t) j.b.w.k, j.s.u, j.s.kt, j.s.packed, j.b.pu, 0);
  nn_parallel_for (j.b.bands, wb_forward_task, &j);
}

/* The input gradient of the bands of one parity: task i is band
 * 2 i + parity. */
static void
wb_backward_task (void *data, int task, int thread)
{
  const WBJob *j = data;
  const WBand *b = &j->b;
  size_t c = (size_t) b->w.c, k = (size_t) b->w.k;
  WThread s;
  wb_thread_layout (b, j->s.thread0 + (size_t) thread * j->s.thread_size, &s);
  size_t lo, hi;
  wb_band (b, 2 * task + j->parity, &lo, &hi);
  for (size_t t0 = lo; t0 < hi; t0 += b->group)
    {
      size_t tn = hi - t0 < b->group ? hi - t0 : b->group;
      for (size_t t = 0; t < tn; t++)
        {
          float *g[4], *y[4];
          tile_outputs (&b->w, j->y->grad, t0 + t, g);
          tile_outputs (&b->w, j->y->value, t0 + t, y);
          output_transform_back (g, y, j->relu, k, NULL, s.m + t * k, tn * k, s.t);
        }
      wino_products (s.m, tn, b->w.k, j->s.packed, b->put, b->w.c, s.dv);
      for (size_t t = 0; t < tn; t++)
        {
          input_transform_back (s.dv + t * c, tn * c, c, s.dd, s.t);
          window_add (&b->w, s.dd, j->dx, t0 + t);
        }
    }
}

/* dx only (no kernel or bias gradient), over the threads. */
static void
wb_backward_dx (const NnNode *xn, const float *wt, const NnNode *yn, int relu, float *dx,
                int pt, int pl, float *aux)
{
  WBJob j;
  memset (&j, 0, sizeof j);
  j.b = wband_make (xn, yn, pt, pl);
  if (j.b.w.tiles == 0)
    return;
  wb_layout (&j.b, aux, &j.s);
  j.y = yn;
  j.dx = dx;
  j.relu = relu;
  pack_u (wt, (size_t) j.b.w.c, (size_t) j.b.w.k, j.s.u, j.s.kt, j.s.packed, j.b.put, 1);
  for (j.parity = 0; j.parity < 2; j.parity++)
    nn_parallel_for ((j.b.bands + 1 - j.parity) / 2, wb_backward_task, &j);
}

/* The forward pass and the input gradient alone take the bands' layout;
 * a backward with kernel or bias gradients the serial one's. */
size_t
nn_winograd_scratch (const NnNode *x, const NnNode *y, int grads)
{
  WBand b = wband_make (x, y, 0, 0);
  WBScratch bs;
  size_t bands = wb_layout (&b, NULL, &bs);
  Scratch s;
  size_t serial = grads ? scratch_layout (&b.w, 1, NULL, &s) : 0;
  return bands > serial ? bands : serial;
}

/* ---- fused with a 2x2 stride-2 max pooling ----------------------------- */

/* The four outputs of one tile (A^T M A, + bias, ReLU) pooled: y = their
 * maximum, arg = which (0 (0,0), 1 (0,1), 2 (1,0), 3 (1,1); the first
 * of equal ones, as nn_max_pool_2x2_argmax). M[xi] at m + xi * stride. */
NN_CLONES static void
output_transform_pool (const float *restrict m, size_t stride, size_t k, const float *bias,
                       int relu, float *restrict y, uint8_t *restrict arg)
{
  const v8f zero = { 0 };
  size_t e = 0;
  for (; e + 8 <= k; e += 8)
    {
      v8f t0[4], t1[4];
      for (int j = 0; j < 4; j++)
        {
          v8f p0 = load8 (m + (size_t) (0 * 4 + j) * stride + e);
          v8f p1 = load8 (m + (size_t) (1 * 4 + j) * stride + e);
          v8f p2 = load8 (m + (size_t) (2 * 4 + j) * stride + e);
          v8f p3 = load8 (m + (size_t) (3 * 4 + j) * stride + e);
          t0[j] = p0 + p1 + p2;
          t1[j] = p1 - p2 - p3;
        }
      v8f b = bias ? load8 (bias + e) : zero;
      v8f o[4] = { t0[0] + t0[1] + t0[2] + b, t0[1] - t0[2] - t0[3] + b,
                   t1[0] + t1[1] + t1[2] + b, t1[1] - t1[2] - t1[3] + b };
      if (relu)
        for (int i = 0; i < 4; i++)
          o[i] = relu8 (o[i]);
      v8f mx = o[0];
      v8i w = { 0 };
      for (int i = 1; i < 4; i++)
        {
          v8i gt = o[i] > mx;
          mx = (v8f) (((v8i) o[i] & gt) | ((v8i) mx & ~gt));
          w = (w & ~gt) | (gt & i);
        }
      store8 (y + e, mx);
      v8u8 wb = __builtin_convertvector (w, v8u8);
      memcpy (arg + e, &wb, sizeof wb);
    }
  for (; e < k; e++)
    {
      float t0[4], t1[4];
      for (int j = 0; j < 4; j++)
        {
          float p0 = m[(size_t) (0 * 4 + j) * stride + e], p1 = m[(size_t) (1 * 4 + j) * stride + e];
          float p2 = m[(size_t) (2 * 4 + j) * stride + e], p3 = m[(size_t) (3 * 4 + j) * stride + e];
          t0[j] = p0 + p1 + p2;
          t1[j] = p1 - p2 - p3;
        }
      float b = bias ? bias[e] : 0.0f;
      float o[4] = { t0[0] + t0[1] + t0[2] + b, t0[1] - t0[2] - t0[3] + b,
                     t1[0] + t1[1] + t1[2] + b, t1[1] - t1[2] - t1[3] + b };
      float mx = relu && o[0] < 0.0f ? 0.0f : o[0];
      uint8_t w = 0;
      for (int i = 1; i < 4; i++)
        {
          float v = relu && o[i] < 0.0f ? 0.0f : o[i];
          if (v > mx)
            {
              mx = v;
              w = (uint8_t) i;
            }
        }
      y[e] = mx;
      arg[e] = w;
    }
}

/* dM = A dZ A^T for one tile whose gradient dZ is the pooling's: dy at the
 * argmax, zero elsewhere (and zero where the pooled ReLU output y is not
 * positive); the bias gradient gathers it. dM[xi] at dm + xi * stride. */
NN_CLONES static void
output_transform_back_pool (const float *restrict y, const float *restrict dy,
                            const uint8_t *restrict arg, int relu, size_t k, float *db,
                            float *restrict dm, size_t stride)
{
  const v8f zero = { 0 };
  size_t e = 0;
  for (; e + 8 <= k; e += 8)
    {
      v8f g = load8 (dy + e);
      if (relu)
        g = (v8f) ((v8i) g & (load8 (y + e) > zero));
      v8u8 wb;
      memcpy (&wb, arg + e, sizeof wb);
      v8i w = __builtin_convertvector (wb, v8i);
      v8f a = (v8f) ((v8i) g & (w == 0)), b = (v8f) ((v8i) g & (w == 1));
      v8f c = (v8f) ((v8i) g & (w == 2)), d = (v8f) ((v8i) g & (w == 3));
      if (db)
        store8 (db + e, load8 (db + e) + g);
      v8f r[4][2] = { { a, b }, { a + c, b + d }, { a - c, b - d }, { -c, -d } };
      for (int i = 0; i < 4; i++)
        {
          store8 (dm + (size_t) (i * 4 + 0) * stride + e, r[i][0]);
          store8 (dm + (size_t) (i * 4 + 1) * stride + e, r[i][0] + r[i][1]);
          store8 (dm + (size_t) (i * 4 + 2) * stride + e, r[i][0] - r[i][1]);
          store8 (dm + (size_t) (i * 4 + 3) * stride + e, -r[i][1]);
        }
    }
  for (; e < k; e++)
    {
      float g = relu && !(y[e] > 0.0f) ? 0.0f : dy[e];
      unsigned w = arg[e];
      float a = w == 0 ? g : 0.0f, b = w == 1 ? g : 0.0f;
      float c = w == 2 ? g : 0.0f, d = w == 3 ? g : 0.0f;
      if (db)
        db[e] += g;
      /* rows of A dZ: (a, b), (a + c, b + d), (a - c, b - d), (-c, -d);
       * each row (r0, r1) times A^T: (r0, r0 + r1, r0 - r1, -r1) */
      float r[4][2] = { { a, b }, { a + c, b + d }, { a - c, b - d }, { -c, -d } };
      for (int i = 0; i < 4; i++)
        {
          dm[(size_t) (i * 4 + 0) * stride + e] = r[i][0];
          dm[(size_t) (i * 4 + 1) * stride + e] = r[i][0] + r[i][1];
          dm[(size_t) (i * 4 + 2) * stride + e] = r[i][0] - r[i][1];
          dm[(size_t) (i * 4 + 3) * stride + e] = -r[i][1];
        }
    }
}

/* A training graph's Conv2D + MaxPooling2D (2x2, stride 2, argmax kept):
 * each 2x2 output tile of F(2x2, 3x3) is exactly one pooling window, so
 * the tile is pooled as it is transformed back and the convolution's
 * output never exists. Backward, the pooling's gradient puts one value
 * per channel back into the tile, whose A dZ A^T feeds the two products
 * of the kernel and input gradients. The 16 products of each group of
 * images run on the direct kernel (nn-conv-direct.c). Work is split into
 * runs of whole images, as in nn-op-conv2d.c: each backward task sums its
 * kernel and bias gradients apart, added up in task order at the end, so
 * the numbers do not depend on the thread count. */

#define WP_TASKS 8
/* floats of a group's transformed data (about half the L2) */
#define WP_GROUP_FLOATS ((size_t) 96 * 1024)

typedef struct {
  Wino w;             /* tiles: the pooled positions (th, tw = ph, pw) */
  size_t tpi;         /* tiles per image */
  int group, tasks;   /* images per group; tasks */
  size_t tg;          /* tiles of the largest group */
  size_t pu, put;     /* floats of one position's packed U and U^T */
} WPool;

int
nn_winograd_pool_applies (const NnNode *x, const NnNode *w, const int *ip)
{
  return w->shape[0] == 3 && w->shape[1] == 3 && ip[NN_CONV_STRIDE_H] == 1
         && ip[NN_CONV_STRIDE_W] == 1 && ip[NN_CONV_DIL_H] == 1 && ip[NN_CONV_DIL_W] == 1
         && x->shape[3] >= 16 && x->shape[3] % 16 == 0 && x->shape[3] <= NN_DIRECT_MAX_RUN
         && w->shape[3] >= 8 && w->shape[3] <= NN_DIRECT_MAX_RUN;
}

static WPool
wpool_make (const NnNode *x, int ph, int pw, int k, int pt, int pl)
{
  WPool p;
  memset (&p, 0, sizeof p);
  p.w.batch = x->shape[0];
  p.w.ih = x->shape[1];
  p.w.iw = x->shape[2];
  p.w.c = x->shape[3];
  p.w.th = ph;
  p.w.tw = pw;
  p.w.oh = 2 * p.w.th;
  p.w.ow = 2 * p.w.tw;
  p.w.k = k;
  p.w.pt = pt;
  p.w.pl = pl;
  p.tpi = (size_t) p.w.th * (size_t) p.w.tw;
  p.w.tiles = (size_t) p.w.batch * p.tpi;
  size_t per_img = p.tpi * 16 * (2 * (size_t) p.w.c + (size_t) p.w.k);
  p.group = per_img ? (int) (WP_GROUP_FLOATS / per_img) : 1;
  if (p.group < 1)
    p.group = 1;
  p.tasks = p.w.batch < WP_TASKS ? p.w.batch : WP_TASKS;
  int per_task = p.tasks ? (p.w.batch + p.tasks - 1) / p.tasks : 1;
  if (p.group > per_task)
    p.group = per_task;
  p.tg = (size_t) p.group * p.tpi;
  p.pu = nn_direct_packed_floats ((size_t) p.w.c, (size_t) p.w.k);
  p.put = nn_direct_packed_floats ((size_t) p.w.k, (size_t) p.w.c);
  return p;
}

/* The scratch, in floats: shared U (16 Cin Cout, dU after the backward
 * tasks), kernel-transform temporaries (12 Cin Cout), U packed for the
 * forward product and U^T for the input gradient's; each backward task's
 * sums (dU^T, then the bias); per thread V, M (dM), dV of a group and
 * per-tile room; the argmax bytes come first. */
typedef struct {
  float *u, *kt, *pu, *put, *partial;
  size_t partial_size, thread_size;
  float *thread0;
  uint8_t *arg;
} WPScratch;

static size_t
wp_thread_layout (const WPool *p, float *base, WThread *s)
{
  return thread_layout (&p->w, p->tg, 1, base, s);
}

static size_t
wp_layout (const WPool *p, int grads, float *base, WPScratch *s)
{
  size_t ck = (size_t) p->w.c * (size_t) p->w.k;
  WThread t;
  memset (s, 0, sizeof *s);
  s->partial_size = grads ? round16 (16 * ck + (size_t) p->w.k) : 0;
  s->thread_size = wp_thread_layout (p, NULL, &t);
  size_t sizes[6] = { 16 * ck, 12 * ck, 16 * p->pu, grads ? 16 * p->put : 0,
                      s->partial_size * (size_t) p->tasks,
                      s->thread_size * (size_t) nn_parallel_threads () };
  float **slots[6] = { &s->u, &s->kt, &s->pu, &s->put, &s->partial, &s->thread0 };
  /* the argmax bytes first: the forward pass (which may not know about
   * gradients) and the backward pass agree on where they are */
  size_t off = 0;
  if (base)
    s->arg = (uint8_t *) (void *) base;
  off += round16 ((p->w.tiles * (size_t) p->w.k + 3) / 4);
  for (int i = 0; i < 6; i++)
    {
      if (base)
        *slots[i] = base + off;
      off += round16 (sizes[i]);
    }
  return off;
}

size_t
nn_winograd_pool_scratch (const NnNode *x, int ph, int pw, int k, int grads)
{
  WPool p = wpool_make (x, ph, pw, k, 0, 0);
  WPScratch s;
  return wp_layout (&p, grads, NULL, &s);
}

typedef struct {
  WPool p;
  WPScratch s;
  const NnNode *x;
  NnNode *pool;
  const float *bias;
  float *dx;
  int relu, want_dw;
} WPJob;

static void
wp_forward_task (void *data, int task, int thread)
{
  const WPJob *j = data;
  const WPool *p = &j->p;
  size_t c = (size_t) p->w.c, k = (size_t) p->w.k;
  WThread s;
  wp_thread_layout (p, j->s.thread0 + (size_t) thread * j->s.thread_size, &s);
  size_t first, last;
  nn_split_range ((size_t) p->w.batch, p->tasks, task, &first, &last);
  for (size_t g0 = first; g0 < last; g0 += (size_t) p->group)
    {
      size_t g1 = g0 + (size_t) p->group < last ? g0 + (size_t) p->group : last;
      size_t tn = (g1 - g0) * p->tpi, t0 = g0 * p->tpi;
      wino_input (&p->w, j->x->value, t0, tn, s.v, s.d, s.t);
      wino_products (s.v, tn, (int) c, j->s.pu, p->pu, (int) k, s.m);
      /* each tile is one pooling window */
      for (size_t t = 0; t < tn; t++)
        output_transform_pool (s.m + t * k, tn * k, k, j->bias, j->relu,
                               j->pool->value + (t0 + t) * k, j->s.arg + (t0 + t) * k);
    }
}

void
nn_winograd_pool_forward (const NnNode *x, const float *wt, const float *bias, int relu, int pt,
                          int pl, NnNode *pool, float *aux)
{
  WPJob j;
  memset (&j, 0, sizeof j);
  j.p = wpool_make (x, pool->shape[1], pool->shape[2], pool->shape[3], pt, pl);
  wp_layout (&j.p, 0, aux, &j.s);
  j.x = x;
  j.pool = pool;
  j.bias = bias;
  j.relu = relu;
  if (j.p.w.tiles == 0)
    return;
  pack_u (wt, (size_t) j.p.w.c, (size_t) j.p.w.k, j.s.u, j.s.kt, j.s.pu, j.p.pu, 0);
  nn_parallel_for (j.p.tasks, wp_forward_task, &j);
}

static void
wp_backward_task (void *data, int task, int thread)
{
  const WPJob *j = data;
  const WPool *p = &j->p;
  size_t c = (size_t) p->w.c, k = (size_t) p->w.k, ck = c * k;
  WThread s;
  wp_thread_layout (p, j->s.thread0 + (size_t) thread * j->s.thread_size, &s);
  float *dut = j->s.partial + (size_t) task * j->s.partial_size, *db = dut + 16 * ck;
  memset (dut, 0, (16 * ck + k) * sizeof (float));
  size_t first, last;
  nn_split_range ((size_t) p->w.batch, p->tasks, task, &first, &last);
  for (size_t g0 = first; g0 < last; g0 += (size_t) p->group)
    {
      size_t g1 = g0 + (size_t) p->group < last ? g0 + (size_t) p->group : last;
      size_t tn = (g1 - g0) * p->tpi, t0 = g0 * p->tpi;
      /* dM = A dZ A^T, dZ the pooling's gradient put back in the tile */
      for (size_t t = 0; t < tn; t++)
        {
          size_t at = (t0 + t) * k;
          output_transform_back_pool (j->pool->value + at, j->pool->grad + at, j->s.arg + at,
                                      j->relu, k, db, s.m + t * k, tn * k);
        }
      if (j->want_dw)
        {
          wino_input (&p->w, j->x->value, t0, tn, s.v, s.d, s.t);
          for (size_t r = 0; r < tn; r++)
            s.rowoff[r] = r * c;
          for (size_t b = 0; b < c / 16; b++)
            s.blockoff[b] = 16 * b;
          for (int xi = 0; xi < 16; xi++)
            nn_direct_weight_grad (s.v + (size_t) xi * tn * c, s.rowoff, s.blockoff, tn, c,
                                   s.m + (size_t) xi * tn * k, (int) k, dut + (size_t) xi * ck);
        }
      if (j->dx)
        {
          wino_products (s.m, tn, (int) k, j->s.put, p->put, (int) c, s.dv);
          /* each tile's input gradient, added where its window is inside */
          for (size_t t = 0; t < tn; t++)
            {
              input_transform_back (s.dv + t * c, tn * c, c, s.dd, s.t);
              window_add (&p->w, s.dd, j->dx, t0 + t);
            }
        }
    }
}

void
nn_winograd_pool_backward (const NnNode *x, const float *wt, NnNode *pool, int relu, float *db,
                           float *dx, float *dw, int pt, int pl, float *aux)
{
  WPJob j;
  memset (&j, 0, sizeof j);
  j.p = wpool_make (x, pool->shape[1], pool->shape[2], pool->shape[3], pt, pl);
  wp_layout (&j.p, 1, aux, &j.s);
  j.x = x;
  j.pool = pool;
  j.relu = relu;
  j.dx = dx;
  j.want_dw = dw != NULL;
  if (j.p.w.tiles == 0)
    return;
  size_t c = (size_t) j.p.w.c, k = (size_t) j.p.w.k, ck = c * k;
  if (dx)
    pack_u (wt, c, k, j.s.u, j.s.kt, j.s.put, j.p.put, 1);
  nn_parallel_for (j.p.tasks, wp_backward_task, &j);
  /* the tasks' sums in task order: dU (from each task's dU^T), the bias */
  if (dw)
    {
      float *du = j.s.u;
      memset (du, 0, 16 * ck * sizeof (float));
      for (int t = 0; t < j.p.tasks; t++)
        {
          const float *dut = j.s.partial + (size_t) t * j.s.partial_size;
          for (int xi = 0; xi < 16; xi++)
            for (size_t i = 0; i < c; i++)
              for (size_t o = 0; o < k; o++)
                du[(size_t) xi * ck + i * k + o] += dut[(size_t) xi * ck + o * c + i];
        }
      kernel_transform_back (du, ck, dw, j.s.kt);
    }
  if (db)
    for (int t = 0; t < j.p.tasks; t++)
      {
        const float *b = j.s.partial + (size_t) t * j.s.partial_size + 16 * ck;
        for (size_t o = 0; o < k; o++)
          db[o] += b[o];
      }
}
