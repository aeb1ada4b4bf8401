/* SPDX-License-Identifier: GPL-3.0-or-later */
/* c (m, n) += a (m, k) b (k, n) for a few rows m (1..NN_GEMM_ROWS_MAX):
 * the recurrent product h R of a recurrent layer at batch 1 (text
 * generation), run 60 times per character. sgemm repacks all of b on every
 * call, which at one row costs more than the product itself; here each
 * block of columns keeps its sums in registers while the loop runs down k,
 * reading each row of b once. Sums run in k order from c's value. */
#include "nn-rnn-private.h"
#include "nn-simd-private.h"

/* Columns [j, j + 8 NV) of NR rows; NR and NV are constants after
 * inlining, so acc lives in NR * NV vector registers. */
static inline __attribute__ ((always_inline)) void
rows_block (const int NR, const int NV, int j, int k, const float *a, int lda,
            const float *b, int ldb, float *c, int ldc)
{
  v8f acc[NN_GEMM_ROWS_MAX][8];
  for (int r = 0; r < NR; r++)
    for (int v = 0; v < NV; v++)
      acc[r][v] = load8 (c + (size_t) r * ldc + j + 8 * v);
  for (int u = 0; u < k; u++)
    {
      const float *bu = b + (size_t) u * ldb + j;
      v8f bv[8];
      for (int v = 0; v < NV; v++)
        bv[v] = load8 (bu + 8 * v);
      for (int r = 0; r < NR; r++)
        {
          v8f x = bcast8 (a[(size_t) r * lda + u]);
          for (int v = 0; v < NV; v++)
            acc[r][v] += x * bv[v];
        }
    }
  for (int r = 0; r < NR; r++)
    for (int v = 0; v < NV; v++)
      store8 (c + (size_t) r * ldc + j + 8 * v, acc[r][v]);
}

/* Vectors per row: as many sums in flight as hide the multiply-add
 * latency, as few as fit the sixteen vector registers with b's loads. */
static inline __attribute__ ((always_inline)) void
rows_all (const int NR, int n, int k, const float *a, int lda, const float *b, int ldb,
          float *c, int ldc)
{
  const int NV = NR == 1 ? 8 : NR == 2 ? 4 : NR == 3 ? 3 : 2;
  int j = 0;
  for (; j + 8 * NV <= n; j += 8 * NV)
    rows_block (NR, NV, j, k, a, lda, b, ldb, c, ldc);
  for (; j + 8 <= n; j += 8)
    rows_block (NR, 1, j, k, a, lda, b, ldb, c, ldc);
  for (; j < n; j++)
    for (int r = 0; r < NR; r++)
      {
        float s = c[(size_t) r * ldc + j];
        for (int u = 0; u < k; u++)
          s += a[(size_t) r * lda + u] * b[(size_t) u * ldb + j];
        c[(size_t) r * ldc + j] = s;
      }
}

NN_CLONES void
nn_gemm_rows (int m, int n, int k, const float *a, int lda, const float *b, int ldb,
              float *c, int ldc)
{
  switch (m)
    {
    case 1: rows_all (1, n, k, a, lda, b, ldb, c, ldc); break;
    case 2: rows_all (2, n, k, a, lda, b, ldb, c, ldc); break;
    case 3: rows_all (3, n, k, a, lda, b, ldb, c, ldc); break;
    case 4: rows_all (4, n, k, a, lda, b, ldb, c, ldc); break;
    default: break;
    }
}
