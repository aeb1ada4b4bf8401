/* SPDX-License-Identifier: GPL-3.0-or-later */
/* im2col and what else the convolution ops share: the chunk size of im2col
 * rows, col2im, the bias/ReLU epilogue, the ReLU mask, the bias gradient's
 * row sums (nn-conv-geom-private.h). */
#include <stdlib.h>
#include <string.h>

#include "nn-conv-geom-private.h"
#include "nn-simd-private.h"

/* ---- chunking ---------------------------------------------------------- */

/* 128 Ki floats (512 KiB) of im2col rows: fits the 1 MiB L2 next to the
 * sgemm's own packing buffers, and still gives each sgemm hundreds of rows. */
#define DEFAULT_CHUNK_FLOATS ((size_t) 128 * 1024)
static size_t chunk_floats = DEFAULT_CHUNK_FLOATS;

void
nn_conv_set_chunk_floats (size_t floats)
{
  chunk_floats = floats ? floats : DEFAULT_CHUNK_FLOATS;
}

size_t
nn_conv_chunk_floats (void)
{
  return chunk_floats;
}

size_t
nn_conv_chunk_rows (size_t k, size_t rows)
{
  size_t c = chunk_floats / (k ? k : 1);
  if (c < 32)
    c = 32;
  return c < rows ? c : rows;
}

/* memcpy for the short runs of im2col: a call per 3 floats (a first
 * layer's kernel row) costs more than the copy. */
static inline void
copy_floats (float *restrict dst, const float *restrict src, size_t n)
{
  if (n <= 16)
    for (size_t i = 0; i < n; i++)
      dst[i] = src[i];
  else
    memcpy (dst, src, n * sizeof (float));
}

static inline void
zero_floats (float *dst, size_t n)
{
  if (n <= 16)
    for (size_t i = 0; i < n; i++)
      dst[i] = 0.0f;
  else
    memset (dst, 0, n * sizeof (float));
}

/* Rows [r0, r1) of the im2col matrix of img into col. */
void
nn_im2col (const Geom *q, const float *img, size_t r0, size_t r1, float *col)
{
  size_t ohw = (size_t) q->oh * (size_t) q->ow;
  size_t b = r0 / ohw, rem = r0 % ohw;
  int oh = (int) (rem / (size_t) q->ow), ow = (int) (rem % (size_t) q->ow);
  size_t img_size = (size_t) q->ih * (size_t) q->iw * (size_t) q->c;
  size_t wc = (size_t) q->kw * (size_t) q->c;
  /* Short rows: where the window lies inside the image, a table of the
   * taps' offsets from its corner replaces the per-run copies. */
  int off[NN_CONV_SMALL_K];
  int small = q->k <= NN_CONV_SMALL_K;
  if (small)
    {
      int t = 0;
      for (int i = 0; i < q->kh; i++)
        for (int j = 0; j < q->kw; j++)
          for (int c = 0; c < q->c; c++)
            off[t++] = (i * q->dh * q->iw + j * q->dw) * q->c + c;
    }
  int h_last = (q->kh - 1) * q->dh, w_last = (q->kw - 1) * q->dw;
  float *dst = col;
  for (size_t r = r0; r < r1; r++)
    {
      const float *xb = img + b * img_size;
      int h0 = oh * q->sh - q->pt, w0 = ow * q->sw - q->pl;
      if (small && h0 >= 0 && w0 >= 0 && h0 + h_last < q->ih && w0 + w_last < q->iw)
        {
          const float *origin = xb + ((size_t) h0 * (size_t) q->iw + (size_t) w0) * (size_t) q->c;
          for (size_t t = 0; t < q->k; t++)
            dst[t] = origin[off[t]];
          dst += q->k;
          goto next;
        }
      /* With no dilation a whole kernel row is one contiguous run of x. */
      int row_inside = q->dw == 1 && w0 >= 0 && w0 + q->kw <= q->iw;
      for (int i = 0; i < q->kh; i++)
        {
          int h = h0 + i * q->dh;
          if (h < 0 || h >= q->ih)
            {
              zero_floats (dst, wc);
              dst += wc;
              continue;
            }
          const float *xrow = xb + (size_t) h * (size_t) q->iw * (size_t) q->c;
          if (row_inside)
            {
              copy_floats (dst, xrow + (size_t) w0 * (size_t) q->c, wc);
              dst += wc;
              continue;
            }
          for (int j = 0; j < q->kw; j++)
            {
              int w = w0 + j * q->dw;
              if (w < 0 || w >= q->iw)
                zero_floats (dst, (size_t) q->c);
              else
                copy_floats (dst, xrow + (size_t) w * (size_t) q->c, (size_t) q->c);
              dst += q->c;
            }
        }
    next:
      if (++ow == q->ow)
        {
          ow = 0;
          if (++oh == q->oh)
            {
              oh = 0;
              b++;
            }
        }
    }
}

/* Adds rows [r0, r1) of col back into the image positions they came from. */
NN_CLONES void
nn_col2im_add (const Geom *q, const float *col, size_t r0, size_t r1, float *img)
{
  size_t ohw = (size_t) q->oh * (size_t) q->ow;
  size_t b = r0 / ohw, rem = r0 % ohw;
  int oh = (int) (rem / (size_t) q->ow), ow = (int) (rem % (size_t) q->ow);
  size_t img_size = (size_t) q->ih * (size_t) q->iw * (size_t) q->c;
  size_t c = (size_t) q->c;
  const float *src = col;
  for (size_t r = r0; r < r1; r++)
    {
      float *xb = img + b * img_size;
      int h0 = oh * q->sh - q->pt, w0 = ow * q->sw - q->pl;
      for (int i = 0; i < q->kh; i++)
        {
          int h = h0 + i * q->dh;
          if (h < 0 || h >= q->ih)
            {
              src += (size_t) q->kw * c;
              continue;
            }
          float *xrow = xb + (size_t) h * (size_t) q->iw * c;
          for (int j = 0; j < q->kw; j++, src += c)
            {
              int w = w0 + j * q->dw;
              if (w < 0 || w >= q->iw)
                continue;
              float *d = xrow + (size_t) w * c;
              for (size_t k = 0; k < c; k++)
                d[k] += src[k];
            }
        }
      if (++ow == q->ow)
        {
          ow = 0;
          if (++oh == q->oh)
            {
              oh = 0;
              b++;
            }
        }
    }
}

/* y[r, :] = act (y[r, :] + b) for m rows of n columns (b may be NULL). */
NN_CLONES void
nn_conv_bias_act (float *y, size_t m, size_t n, const float *b, int relu)
{
  for (size_t r = 0; r < m; r++)
    {
      float *row = y + r * n;
      if (b)
        for (size_t j = 0; j < n; j++)
          row[j] += b[j];
      if (relu)
        for (size_t j = 0; j < n; j++)
          row[j] = row[j] > 0.0f ? row[j] : 0.0f;
    }
}

/* dz = dy where y > 0, else 0 (the fused ReLU's backward). */
NN_CLONES void
nn_conv_relu_mask (const float *dy, const float *y, size_t count, float *dz)
{
  for (size_t i = 0; i < count; i++)
    dz[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

/* db[j] += sum over m rows of dz[r, j]. */
NN_CLONES void
nn_conv_sum_rows (const float *dz, size_t m, size_t n, float *db)
{
  for (size_t r = 0; r < m; r++)
    {
      const float *row = dz + r * n;
      for (size_t j = 0; j < n; j++)
        db[j] += row[j];
    }
}

int
nn_conv_will_have_grad (NnGraph *g, const NnNode *n)
{
  if (n->needs_grad)
    return 1;
  for (int k = 0; k < n->n_in; k++)
    if (g->nodes[n->in[k]].grad)
      return 1;
  return 0;
}

const float *
nn_conv_bias_value (NnGraph *g, NnNode *n)
{
  return n->ip[NN_CONV_HAS_BIAS] && n->n_in > 2 ? nn_in (g, n, 2)->value : NULL;
}

float *
nn_conv_bias_grad (NnGraph *g, NnNode *n)
{
  return n->ip[NN_CONV_HAS_BIAS] && n->n_in > 2 ? nn_in (g, n, 2)->grad : NULL;
}

