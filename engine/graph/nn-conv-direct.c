/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Direct convolution: the im2col matrix is never built.
 *
 * Row r of a convolution's im2col matrix is the concatenation of its
 * window's taps, each a run of c contiguous floats of the channels-last
 * image; with no horizontal dilation a whole kernel row is one run. The
 * product of that matrix with the kernel is computed by a register-blocked
 * kernel that reads the runs where they lie: six rows at a time against a
 * panel of sixteen output columns, twelve vector accumulators, the kernel
 * packed once per call into panels (nn_direct_pack). A tap outside the
 * image reads a run of zeros. The bias and the ReLU are applied as the
 * accumulators are stored, or the result is added to what is there (an
 * input gradient that other consumers also add to).
 *
 * Against im2col + sgemm this saves writing and reading the im2col matrix
 * and sgemm's own packing of it, and on the shapes of small convnets (a
 * few hundred rows of depth 288 or 576 against 32 or 64 columns) the
 * kernel also runs closer to the FMA peak than sgemm does.
 *
 * The input gradient of a stride-1 convolution is itself such a product:
 * dx[y, x, ci] = sum over taps (i, j) and co of
 *   dz[y + pt - i dh, x + pl - j dw, co] W[i, j, ci, co],
 * windows over dz with the kernel flipped (nn_direct_pack_flipped). Where
 * that would compute many taps outside dz (a "valid" convolution's small
 * output), or with strides, the same kernel computes dz W^T instead and
 * each block of results is added back where its taps came from
 * (nn_direct_rows_scatter: col2im without the buffer).
 *
 * The kernel gradient dW = A^T dz has its own 16 x 6 kernel
 * (nn_direct_weight_grad): sixteen consecutive floats of a row of A (from
 * x's windows or im2col rows) against six output channels, over a block
 * of rows, its sums added into a transposed (cout, k) buffer. */
#include <string.h>

#include "nn-conv-private.h"
#include "nn-simd-private.h"

#define MR 6   /* rows of a block */
#define NR 16  /* columns of a panel */

/* Runs of zeros for taps outside the image. */
static const float zeros[NN_DIRECT_MAX_RUN];

/* One column (n = 1) is packed as it is, k floats: its kernel reads eight
 * taps' floats at a time instead of a panel of sixteen columns, fifteen
 * of them zeros. */
size_t
nn_direct_packed_floats (size_t k, size_t n)
{
  return n == 1 ? k : k * ((n + NR - 1) / NR * NR);
}

/* Panel p holds rows 0..k-1 of columns 16p..16p+15 of the (k, n) matrix
 * b, zeros past column n. */
NN_CLONES void
nn_direct_pack (const float *b, size_t k, size_t n, float *packed)
{
  if (n == 1)
    {
      memcpy (packed, b, k * sizeof (float));
      return;
    }
  for (size_t p0 = 0; p0 < n; p0 += NR)
    {
      size_t w = n - p0 < NR ? n - p0 : NR;
      if (w == NR)
        for (size_t t = 0; t < k; t++, packed += NR)
          {
            store8 (packed, load8 (b + t * n + p0));
            store8 (packed + 8, load8 (b + t * n + p0 + 8));
          }
      else
        for (size_t t = 0; t < k; t++, packed += NR)
          for (size_t j = 0; j < NR; j++)
            packed[j] = j < w ? b[t * n + p0 + j] : 0.0f;
    }
}

/* The kernel w (kh, kw, ci, co) as the (kh*kw*co, ci) matrix of the
 * input-gradient product, taps in reverse order, then packed. */
void
nn_direct_pack_flipped (const float *w, int kh, int kw, int ci, int co, float *packed)
{
  size_t taps = (size_t) kh * (size_t) kw, k = taps * (size_t) co;
  if (ci == 1)
    {
      for (size_t t = 0; t < k; t++)
        packed[t] = w[(taps - 1 - t / (size_t) co) * (size_t) co + t % (size_t) co];
      return;
    }
  for (size_t p0 = 0; p0 < (size_t) ci; p0 += NR)
    {
      size_t width = (size_t) ci - p0 < NR ? (size_t) ci - p0 : NR;
      for (size_t t = 0; t < k; t++, packed += NR)
        {
          size_t tap = taps - 1 - t / (size_t) co, o = t % (size_t) co;
          const float *src = w + tap * (size_t) ci * (size_t) co + o;
          for (size_t j = 0; j < width; j++)
            packed[j] = src[(p0 + j) * (size_t) co];
          for (size_t j = width; j < NR; j++)
            packed[j] = 0.0f;
        }
    }
}

/* The transpose of the (k, n) matrix b, i.e. the (n, k) matrix, packed:
 * panel p holds its rows 0..n-1 over columns 16p..16p+15 of k. */
void
nn_direct_pack_transposed (const float *b, size_t k, size_t n, float *packed)
{
  for (size_t p0 = 0; p0 < k; p0 += NR)
    {
      size_t w = k - p0 < NR ? k - p0 : NR;
      for (size_t t = 0; t < n; t++, packed += NR)
        {
          for (size_t j = 0; j < w; j++)
            packed[j] = b[(p0 + j) * n + t];
          for (size_t j = w; j < NR; j++)
            packed[j] = 0.0f;
        }
    }
}

int
nn_direct_applies (const NnWindows *w)
{
  return w->c >= 8 && w->c <= NN_DIRECT_MAX_RUN && w->kh * w->kw <= NN_DIRECT_MAX_TAPS;
}

/* acc (6 x 16) = sum over the runs s and their floats t of
 * a[s * 6 + i][t] * b[., 16 columns], b advancing 16 floats per t; or,
 * with out set, row i stored at out[i] instead (a whole block). */
NN_CLONES static void
kernel_6x16 (int nseg, int seglen, const float *const *a, const float *b, float *acc,
             float *const *out)
{
  v8f c00 = { 0 }, c01 = { 0 }, c10 = { 0 }, c11 = { 0 }, c20 = { 0 }, c21 = { 0 };
  v8f c30 = { 0 }, c31 = { 0 }, c40 = { 0 }, c41 = { 0 }, c50 = { 0 }, c51 = { 0 };
  for (int s = 0; s < nseg; s++, a += MR)
    {
      const float *p0 = a[0], *p1 = a[1], *p2 = a[2], *p3 = a[3], *p4 = a[4], *p5 = a[5];
      /* Four steps a loop: the loop's own counting and branching cost an
       * eighth of the step's instructions otherwise (each sum still adds
       * in order of t, so results are unchanged). */
#pragma GCC unroll 4
      for (int t = 0; t < seglen; t++, b += NR)
        {
          v8f b0 = load8 (b), b1 = load8 (b + 8), x;
          x = bcast8 (p0[t]);
          c00 += x * b0;
          c01 += x * b1;
          x = bcast8 (p1[t]);
          c10 += x * b0;
          c11 += x * b1;
          x = bcast8 (p2[t]);
          c20 += x * b0;
          c21 += x * b1;
          x = bcast8 (p3[t]);
          c30 += x * b0;
          c31 += x * b1;
          x = bcast8 (p4[t]);
          c40 += x * b0;
          c41 += x * b1;
          x = bcast8 (p5[t]);
          c50 += x * b0;
          c51 += x * b1;
        }
    }
  if (out)
    {
      v8f c[MR][2] = { { c00, c01 }, { c10, c11 }, { c20, c21 },
                       { c30, c31 }, { c40, c41 }, { c50, c51 } };
      for (int i = 0; i < MR; i++)
        {
          store8 (out[i], c[i][0]);
          store8 (out[i] + 8, c[i][1]);
        }
      return;
    }
  store8 (acc + 0, c00);
  store8 (acc + 8, c01);
  store8 (acc + 16, c10);
  store8 (acc + 24, c11);
  store8 (acc + 32, c20);
  store8 (acc + 40, c21);
  store8 (acc + 48, c30);
  store8 (acc + 56, c31);
  store8 (acc + 64, c40);
  store8 (acc + 72, c41);
  store8 (acc + 80, c50);
  store8 (acc + 88, c51);
}

/* acc[i] = the dot product of row i's runs with the one column b (runs
 * of seglen floats, b advancing seglen floats a run): six rows' eight
 * lanes each, summed across at the end. */
NN_CLONES static void
kernel_6x1 (int nseg, int seglen, const float *const *a, const float *b, float *acc)
{
  v8f c0 = { 0 }, c1 = { 0 }, c2 = { 0 }, c3 = { 0 }, c4 = { 0 }, c5 = { 0 };
  float tail[MR] = { 0 };
  int vec = seglen & ~7;
  for (int s = 0; s < nseg; s++, a += MR, b += seglen)
    {
      const float *p0 = a[0], *p1 = a[1], *p2 = a[2], *p3 = a[3], *p4 = a[4], *p5 = a[5];
      for (int t = 0; t < vec; t += 8)
        {
          v8f bv = load8 (b + t);
          c0 += load8 (p0 + t) * bv;
          c1 += load8 (p1 + t) * bv;
          c2 += load8 (p2 + t) * bv;
          c3 += load8 (p3 + t) * bv;
          c4 += load8 (p4 + t) * bv;
          c5 += load8 (p5 + t) * bv;
        }
      for (int t = vec; t < seglen; t++)
        for (int i = 0; i < MR; i++)
          tail[i] += a[i][t] * b[t];
    }
  v8f c[MR] = { c0, c1, c2, c3, c4, c5 };
  for (int i = 0; i < MR; i++)
    {
      float v = tail[i];
      for (int l = 0; l < 8; l++)
        v += c[i][l];
      acc[i * NR] = v;
    }
}

/* Stores rows [0, rows) and columns [0, cols) of acc into the rows at
 * orow[i] + col: act (acc + bias), or out += acc. */
NN_CLONES static void
store_block (const float *acc, int rows, int cols, float *const *orow, size_t col,
             const float *bias, int relu, int add)
{
  for (int i = 0; i < rows; i++, acc += NR)
    {
      float *out = orow[i] + col;
      if (cols == NR)
        {
          v8f a0 = load8 (acc), a1 = load8 (acc + 8);
          if (add)
            {
              a0 += load8 (out);
              a1 += load8 (out + 8);
            }
          else
            {
              if (bias)
                {
                  a0 += load8 (bias);
                  a1 += load8 (bias + 8);
                }
              if (relu)
                {
                  a0 = relu8 (a0);
                  a1 = relu8 (a1);
                }
            }
          store8 (out, a0);
          store8 (out + 8, a1);
          continue;
        }
      for (int j = 0; j < cols; j++)
        {
          float v = acc[j];
          if (add)
            v += out[j];
          else
            {
              if (bias)
                v += bias[j];
              if (relu && v < 0.0f)
                v = 0.0f;
            }
          out[j] = v;
        }
    }
}

/* Where place puts the row at (b, oy, ox) of the windows' grid. */
static inline size_t
place_offset (const NnPlace *pl, size_t b, int oy, int ox)
{
  return b * pl->sb + (size_t) oy * pl->sy + (size_t) ox * pl->sx;
}

void
nn_direct_rows (const NnWindows *w, size_t r0, size_t m, const float *packed, int n,
                const float *bias, int relu, int add, float *out, size_t ldo)
{
  NnPlace pl = { out, (size_t) w->oh * (size_t) w->ow * ldo, (size_t) w->ow * ldo, ldo };
  nn_direct_rows_placed (w, r0, m, packed, n, bias, relu, add, &pl);
}

void
nn_direct_rows_placed (const NnWindows *w, size_t r0, size_t m, const float *packed, int n,
                       const float *bias, int relu, int add, const NnPlace *place)
{
  size_t ohw = (size_t) w->oh * (size_t) w->ow;
  size_t img = (size_t) w->ih * (size_t) w->iw * (size_t) w->c;
  size_t c = (size_t) w->c, k = (size_t) w->kh * (size_t) w->kw * c;
  int w_ext = (w->kw - 1) * w->dw;
  const float *a[NN_DIRECT_MAX_TAPS * MR];
  float acc[MR * NR];
  /* where row r0 is */
  size_t b = r0 / ohw, rem = r0 % ohw;
  int oy = (int) (rem / (size_t) w->ow), ox = (int) (rem % (size_t) w->ow);
  /* row r0 goes to place->out; the others where their offset says */
  size_t first = place_offset (place, b, oy, ox);
  for (size_t i0 = 0; i0 < m; i0 += MR)
    {
      int rows = m - i0 < MR ? (int) (m - i0) : MR;
      /* Each row's window corner and output; whether every row's kernel
       * rows lie whole inside the image horizontally (then a kernel row
       * is one run, with no horizontal dilation). */
      int h0[MR] = { 0 }, w0[MR] = { 0 };
      const float *xb[MR] = { 0 };
      float *orow[MR] = { 0 };
      int merged = w->dw == 1;
      for (int i = 0; i < MR; i++)
        {
          if (i < rows)
            {
              xb[i] = w->src + b * img;
              orow[i] = place->out + (place_offset (place, b, oy, ox) - first);
              h0[i] = oy * w->sh - w->pt;
              w0[i] = ox * w->sw - w->pl;
              if (w0[i] < 0 || w0[i] + w_ext >= w->iw)
                merged = 0;
              if (++ox == w->ow)
                {
                  ox = 0;
                  if (++oy == w->oh)
                    {
                      oy = 0;
                      b++;
                    }
                }
            }
          else
            {
              /* the last block's missing rows repeat its first, unstored */
              xb[i] = xb[0];
              h0[i] = h0[0];
              w0[i] = w0[0];
            }
        }
      int nseg = merged ? w->kh : w->kh * w->kw;
      int seglen = merged ? w->kw * w->c : w->c;
      if (merged && (size_t) seglen > NN_DIRECT_MAX_RUN)
        {
          nseg = w->kh * w->kw;
          seglen = w->c;
          merged = 0;
        }
      for (int s = 0; s < nseg; s++)
        {
          int ti = merged ? s : s / w->kw, tj = merged ? 0 : s % w->kw;
          for (int i = 0; i < MR; i++)
            {
              int y = h0[i] + ti * w->dh, x = w0[i] + tj * w->dw;
              a[s * MR + i] = y < 0 || y >= w->ih || x < 0 || x >= w->iw
                                ? zeros
                                : xb[i] + ((size_t) y * (size_t) w->iw + (size_t) x) * c;
            }
        }
      if (n == 1)
        {
          kernel_6x1 (nseg, seglen, a, packed, acc);
          store_block (acc, rows, 1, orow, 0, bias, relu, add);
          continue;
        }
      for (int p0 = 0; p0 < n; p0 += NR)
        {
          kernel_6x16 (nseg, seglen, a, packed + (size_t) p0 * k, acc, NULL);
          store_block (acc, rows, n - p0 < NR ? n - p0 : NR, orow, (size_t) p0,
                       bias ? bias + p0 : NULL, relu, add);
        }
    }
}

void
nn_direct_plain (const float *a, size_t m, int depth, const float *packed, int n, float *out,
                 size_t ldo)
{
  const float *rows[MR];
  float *orow[MR], *o[MR];
  float acc[MR * NR];
  for (size_t i0 = 0; i0 < m; i0 += MR)
    {
      int nr = m - i0 < MR ? (int) (m - i0) : MR;
      /* the last block's missing rows repeat its first, unstored */
      for (int i = 0; i < MR; i++)
        {
          size_t r = i0 + (size_t) (i < nr ? i : 0);
          rows[i] = a + r * (size_t) depth;
          orow[i] = out + r * ldo;
        }
      if (n == 1)
        {
          kernel_6x1 (1, depth, rows, packed, acc);
          store_block (acc, nr, 1, orow, 0, NULL, 0, 0);
          continue;
        }
      for (int p0 = 0; p0 < n; p0 += NR)
        {
          int cols = n - p0 < NR ? n - p0 : NR;
          const float *b = packed + (size_t) p0 * (size_t) depth;
          if (nr == MR && cols == NR)
            {
              for (int i = 0; i < MR; i++)
                o[i] = orow[i] + p0;
              kernel_6x16 (1, depth, rows, b, NULL, o);
              continue;
            }
          kernel_6x16 (1, depth, rows, b, acc, NULL);
          store_block (acc, nr, cols, orow, (size_t) p0, NULL, 0, 0);
        }
    }
}

/* Where the columns [p0, p0 + 16) of an im2col row go back to: runs of
 * channels, each in one tap, at an offset from the window's corner. */
typedef struct {
  int j, len;     /* columns [j, j + len) of the panel */
  int dy, dx;     /* the tap's offset from the corner */
  int ch;         /* its first channel */
} Run;

static int
panel_runs (const NnWindows *w, size_t p0, int cols, Run *runs)
{
  size_t c = (size_t) w->c;
  int nruns = 0;
  for (int j = 0; j < cols;)
    {
      size_t col = p0 + (size_t) j;
      int tap = (int) (col / c), ch = (int) (col % c);
      int len = (int) c - ch < cols - j ? (int) c - ch : cols - j;
      runs[nruns++] = (Run) { j, len, tap / w->kw * w->dh, tap % w->kw * w->dw, ch };
      j += len;
    }
  return nruns;
}

/* Adds the rows of acc back into the image positions they came from: row
 * i's image is xb[i], its window's corner (h0[i], w0[i]). */
NN_CLONES static void
scatter_rows (const NnWindows *w, const float *acc, int rows, const Run *runs, int nruns,
              float *const *xb, const int *h0, const int *w0)
{
  size_t c = (size_t) w->c;
  for (int i = 0; i < rows; i++, acc += NR)
    for (int r = 0; r < nruns; r++)
      {
        const Run *u = &runs[r];
        int y = h0[i] + u->dy, x = w0[i] + u->dx;
        if (y < 0 || y >= w->ih || x < 0 || x >= w->iw)
          continue;
        float *d = xb[i] + ((size_t) y * (size_t) w->iw + (size_t) x) * c + (size_t) u->ch;
        if (u->len == NR)
          {
            store8 (d, load8 (d) + load8 (acc));
            store8 (d + 8, load8 (d + 8) + load8 (acc + 8));
          }
        else
          for (int t = 0; t < u->len; t++)
            d[t] += acc[u->j + t];
      }
}

void
nn_direct_rows_scatter (const NnWindows *w, const float *dz, size_t r0, size_t m,
                        const float *packed, int n, float *dx)
{
  size_t ohw = (size_t) w->oh * (size_t) w->ow;
  size_t img = (size_t) w->ih * (size_t) w->iw * (size_t) w->c;
  size_t k = (size_t) w->kh * (size_t) w->kw * (size_t) w->c;
  const float *a[MR];
  float acc[MR * NR];
  size_t b = r0 / ohw, rem = r0 % ohw;
  int oy = (int) (rem / (size_t) w->ow), ox = (int) (rem % (size_t) w->ow);
  for (size_t i0 = 0; i0 < m; i0 += MR)
    {
      int rows = m - i0 < MR ? (int) (m - i0) : MR;
      int h0[MR] = { 0 }, w0[MR] = { 0 };
      float *xb[MR] = { 0 };
      for (int i = 0; i < MR; i++)
        {
          /* the last block's missing rows repeat its first, unstored */
          a[i] = dz + (i0 + (size_t) (i < rows ? i : 0)) * (size_t) n;
          if (i >= rows)
            continue;
          xb[i] = dx + b * img;
          h0[i] = oy * w->sh - w->pt;
          w0[i] = ox * w->sw - w->pl;
          if (++ox == w->ow)
            {
              ox = 0;
              if (++oy == w->oh)
                {
                  oy = 0;
                  b++;
                }
            }
        }
      for (size_t p0 = 0; p0 < k; p0 += NR)
        {
          Run runs[NR];
          int nruns = panel_runs (w, p0, k - p0 < NR ? (int) (k - p0) : NR, runs);
          kernel_6x16 (1, n, a, packed + p0 * (size_t) n, acc, NULL);
          scatter_rows (w, acc, rows, runs, nruns, xb, h0, w0);
        }
    }
}

/* dwt[co[j] - co[0]][0..16) += sum over r of dz[r * ldz + co[j]] *
 * src[rowoff[r] .. + 16) for the first nco of six output channels:
 * sixteen kernel-gradient entries of each, over m rows, stored transposed
 * (a row per output channel, ldk apart). */
NN_CLONES static void
kernel_dw_16x6 (size_t m, const float *src, const size_t *rowoff, const float *dz, size_t ldz,
                const int *co, int nco, float *dwt, size_t ldk)
{
  v8f c00 = { 0 }, c01 = { 0 }, c10 = { 0 }, c11 = { 0 }, c20 = { 0 }, c21 = { 0 };
  v8f c30 = { 0 }, c31 = { 0 }, c40 = { 0 }, c41 = { 0 }, c50 = { 0 }, c51 = { 0 };
  int o0 = co[0], o1 = co[1], o2 = co[2], o3 = co[3], o4 = co[4], o5 = co[5];
  for (size_t r = 0; r < m; r++, dz += ldz)
    {
      const float *p = src + rowoff[r];
      v8f a0 = load8 (p), a1 = load8 (p + 8), x;
      x = bcast8 (dz[o0]);
      c00 += x * a0;
      c01 += x * a1;
      x = bcast8 (dz[o1]);
      c10 += x * a0;
      c11 += x * a1;
      x = bcast8 (dz[o2]);
      c20 += x * a0;
      c21 += x * a1;
      x = bcast8 (dz[o3]);
      c30 += x * a0;
      c31 += x * a1;
      x = bcast8 (dz[o4]);
      c40 += x * a0;
      c41 += x * a1;
      x = bcast8 (dz[o5]);
      c50 += x * a0;
      c51 += x * a1;
    }
#define ADD_ROW(j, lo, hi) \
  if (nco > (j)) \
    { \
      float *d_ = dwt + (size_t) (j) * ldk; \
      store8 (d_, load8 (d_) + (lo)); \
      store8 (d_ + 8, load8 (d_ + 8) + (hi)); \
    }
  ADD_ROW (0, c00, c01);
  ADD_ROW (1, c10, c11);
  ADD_ROW (2, c20, c21);
  ADD_ROW (3, c30, c31);
  ADD_ROW (4, c40, c41);
  ADD_ROW (5, c50, c51);
#undef ADD_ROW
}

void
nn_direct_weight_grad (const float *src, const size_t *rowoff, const size_t *blockoff, size_t m,
                       size_t k, const float *dz, int n, float *dwt)
{
  /* Rows a block at a time: its 16-float runs of x and its rows of dz
   * stay in L1 while every kernel block and channel block reads them. */
  const size_t rb = 128;
  for (size_t r0 = 0; r0 < m; r0 += rb)
    {
      size_t rm = m - r0 < rb ? m - r0 : rb;
      for (size_t b = 0; b < k / NR; b++)
        for (int c0 = 0; c0 < n; c0 += MR)
          {
            int nco = n - c0 < MR ? n - c0 : MR;
            /* missing channels repeat the first, unstored */
            int co[MR];
            for (int j = 0; j < MR; j++)
              co[j] = j < nco ? j : 0;
            kernel_dw_16x6 (rm, src + blockoff[b], rowoff + r0, dz + r0 * (size_t) n + c0,
                            (size_t) n, co, nco, dwt + (size_t) c0 * k + b * NR, k);
          }
    }
}
