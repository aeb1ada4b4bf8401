/* SPDX-License-Identifier: GPL-3.0-or-later */
/* NN_OP_RNN: a whole recurrent layer over a sequence (SimpleRNN, LSTM, GRU),
 * forward and backward through time. Parameters: nn-rnn-private.h.
 *
 * Per step s (h_0 and c_0 the initial state inputs, or 0; x_s the input step s reads, hd = h_{s-1}
 * with recurrent dropout, xd = x_s with input dropout; a = activation,
 * ra = recurrent_activation):
 *   SimpleRNN  h = a (xd K + b + hd R)
 *   LSTM       [i f g o] = [ra ra a ra] (xd K + b + hd R);
 *              c = f c_{s-1} + i g;  h = o a (c)
 *   GRU        z, r = ra (xd K_zr + b_zr + hd R_zr)
 *     reset_after (Keras's default, bias (2, 3U): input row, recurrent row)
 *              hh = a (xd K_h + b_h + r (hd R_h + rb_h))   (rb: recurrent bias)
 *     else     hh = a (xd K_h + b_h + (r hd) R_h)
 *              h = z h_{s-1} + (1 - z) hh
 * A step whose mask is 0 leaves h and c as they were (its output repeats
 * the previous one) and gets no gradient. Dropout (training only): one
 * inverted-dropout mask per sequence for the inputs and one for the state
 * entering the recurrent product, fixed across steps.
 *
 * How it runs: the inputs of all steps are copied in step order (T, B, F)
 * and projected by one sgemm ((T B, F) x (F, G U)); then each chunk of 32
 * batch rows runs its own steps on one thread (one small sgemm with the
 * recurrent kernel per step, the gates in one pass), chunks in parallel.
 * States are kept in step order (T + 1, B, U), so backward's weight
 * gradients are one sgemm each over all steps: dK = Xd^T dG, dR = Hd^T dG,
 * and dx = dG K^T. */
#include <cblas.h>
#include <stdint.h>
#include <string.h>

#include "nn-graph-private.h"
#include "nn-parallel-private.h"
#include "nn-rnn-private.h"
#include "nn-simd-private.h"

/* Batch rows per task: fixed, so the work's split depends on the shape
 * alone (rows never mix, so results do not depend on it either). */
#define RNN_CHUNK 32

/* ---- activations, vectorisable --------------------------------------------- */

/* e^x to about 2 ulp: 2^n e^r, |r| <= ln 2 / 2, degree-7 polynomial
 * (Cephes's expf coefficients); n rounded by the 1.5 * 2^23 trick. The
 * scalar form (loop tails) does the vector form's operations in the same
 * order, so a value does not depend on where it lies in a row. */
#define RNN_EXP_LO    -87.0f
#define RNN_EXP_HI    88.0f
#define RNN_LOG2E     1.44269504088896341f
#define RNN_ROUND     12582912.0f
#define RNN_LN2_HI    0.693359375f
#define RNN_LN2_LO    -2.12194440e-4f
#define RNN_P0        1.9875691500e-4f
#define RNN_P1        1.3981999507e-3f
#define RNN_P2        8.3334519073e-3f
#define RNN_P3        4.1665795894e-2f
#define RNN_P4        1.6666665459e-1f
#define RNN_P5        5.0000001201e-1f

static inline float
rnn_exp (float x)
{
  x = x < RNN_EXP_LO ? RNN_EXP_LO : x;
  x = x > RNN_EXP_HI ? RNN_EXP_HI : x;
  float fn = (x * RNN_LOG2E + RNN_ROUND) - RNN_ROUND;
  float r = x - fn * RNN_LN2_HI;
  r = r - fn * RNN_LN2_LO;
  float p = RNN_P0;
  p = p * r + RNN_P1;
  p = p * r + RNN_P2;
  p = p * r + RNN_P3;
  p = p * r + RNN_P4;
  p = p * r + RNN_P5;
  p = p * r * r + r + 1.0f;
  union { uint32_t u; float f; } s = { .u = (uint32_t) ((int) fn + 127) << 23 };
  return p * s.f;
}

/* Lanes of a where m is set, else of b. */
static inline __attribute__ ((always_inline)) v8f
blend8 (v8i m, v8f a, v8f b)
{
  return (v8f) (((v8i) a & m) | ((v8i) b & ~m));
}

static inline __attribute__ ((always_inline)) v8f
exp8 (v8f x)
{
  x = blend8 (x < bcast8 (RNN_EXP_LO), bcast8 (RNN_EXP_LO), x);
  x = blend8 (x > bcast8 (RNN_EXP_HI), bcast8 (RNN_EXP_HI), x);
  v8f fn = (x * bcast8 (RNN_LOG2E) + bcast8 (RNN_ROUND)) - bcast8 (RNN_ROUND);
  v8f r = x - fn * bcast8 (RNN_LN2_HI);
  r = r - fn * bcast8 (RNN_LN2_LO);
  v8f p = bcast8 (RNN_P0);
  p = p * r + bcast8 (RNN_P1);
  p = p * r + bcast8 (RNN_P2);
  p = p * r + bcast8 (RNN_P3);
  p = p * r + bcast8 (RNN_P4);
  p = p * r + bcast8 (RNN_P5);
  p = p * r * r + r + bcast8 (1.0f);
  v8i n = __builtin_convertvector (fn, v8i);
  return p * (v8f) ((n + 127) << 23);
}

static inline float
rnn_sigmoid (float x)
{
  return 1.0f / (1.0f + rnn_exp (-x));
}

static inline __attribute__ ((always_inline)) v8f
sigmoid8 (v8f x)
{
  return bcast8 (1.0f) / (bcast8 (1.0f) + exp8 (-x));
}

/* tanh: the odd Taylor series below |x| = 0.5 (relative error ~1e-8), else
 * (1 - e) / (1 + e) with e = e^-2|x| <= 0.37, which does not cancel. */
#define RNN_T0 (6404582.0f / 10854718875.0f)
#define RNN_T1 (-929569.0f / 638512875.0f)
#define RNN_T2 (21844.0f / 6081075.0f)
#define RNN_T3 (-1382.0f / 155925.0f)
#define RNN_T4 (62.0f / 2835.0f)
#define RNN_T5 (-17.0f / 315.0f)
#define RNN_T6 (2.0f / 15.0f)
#define RNN_T7 (-1.0f / 3.0f)

static inline float
rnn_tanh (float x)
{
  float ax = x < 0.0f ? -x : x;
  float x2 = x * x;
  float p = RNN_T0;
  p = p * x2 + RNN_T1;
  p = p * x2 + RNN_T2;
  p = p * x2 + RNN_T3;
  p = p * x2 + RNN_T4;
  p = p * x2 + RNN_T5;
  p = p * x2 + RNN_T6;
  p = p * x2 + RNN_T7;
  float small = x + x * x2 * p;
  float e = rnn_exp (-2.0f * ax);
  float big = (1.0f - e) / (1.0f + e);
  big = x < 0.0f ? -big : big;
  return ax < 0.5f ? small : big;
}

static inline __attribute__ ((always_inline)) v8f
tanh8 (v8f x)
{
  v8i neg = x < bcast8 (0.0f);
  v8f ax = blend8 (neg, -x, x);
  v8f x2 = x * x;
  v8f p = bcast8 (RNN_T0);
  p = p * x2 + bcast8 (RNN_T1);
  p = p * x2 + bcast8 (RNN_T2);
  p = p * x2 + bcast8 (RNN_T3);
  p = p * x2 + bcast8 (RNN_T4);
  p = p * x2 + bcast8 (RNN_T5);
  p = p * x2 + bcast8 (RNN_T6);
  p = p * x2 + bcast8 (RNN_T7);
  v8f small = x + x * x2 * p;
  v8f e = exp8 (bcast8 (-2.0f) * ax);
  v8f big = (bcast8 (1.0f) - e) / (bcast8 (1.0f) + e);
  big = blend8 (neg, -big, big);
  return blend8 (ax < bcast8 (0.5f), small, big);
}

/* p[0..n) = act (p[0..n)). Inlined into the cloned step loops, so it is
 * compiled for their target and costs no call per span. */
static inline __attribute__ ((always_inline)) void
act_apply (int act, float *restrict p, int n)
{
  int j = 0;
  switch (act)
    {
    case NN_RNN_ACT_TANH:
      for (; j + 8 <= n; j += 8)
        store8 (p + j, tanh8 (load8 (p + j)));
      for (; j < n; j++)
        p[j] = rnn_tanh (p[j]);
      break;
    case NN_RNN_ACT_SIGMOID:
      for (; j + 8 <= n; j += 8)
        store8 (p + j, sigmoid8 (load8 (p + j)));
      for (; j < n; j++)
        p[j] = rnn_sigmoid (p[j]);
      break;
    case NN_RNN_ACT_HARD_SIGMOID:
      for (; j < n; j++)
        {
          float v = 0.2f * p[j] + 0.5f;
          p[j] = v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
        }
      break;
    case NN_RNN_ACT_RELU:
      for (; j < n; j++)
        p[j] = p[j] > 0.0f ? p[j] : 0.0f;
      break;
    default:
      break;
    }
}

/* d[0..n) *= act' at the outputs y[0..n) */
static inline __attribute__ ((always_inline)) void
act_grad (int act, const float *restrict y, float *restrict d, int n)
{
  switch (act)
    {
    case NN_RNN_ACT_TANH:
      for (int j = 0; j < n; j++)
        d[j] *= 1.0f - y[j] * y[j];
      break;
    case NN_RNN_ACT_SIGMOID:
      for (int j = 0; j < n; j++)
        d[j] *= y[j] * (1.0f - y[j]);
      break;
    case NN_RNN_ACT_HARD_SIGMOID:
      for (int j = 0; j < n; j++)
        d[j] *= y[j] > 0.0f && y[j] < 1.0f ? 0.2f : 0.0f;
      break;
    case NN_RNN_ACT_RELU:
      for (int j = 0; j < n; j++)
        d[j] *= y[j] > 0.0f ? 1.0f : 0.0f;
      break;
    default:
      break;
    }
}

/* ---- the node's buffers ------------------------------------------------------ */

typedef struct {
  NnGraph *g;
  NnNode  *n;
  int      B, T, F, U, G, GU;
  int      cell, act, ract, seq, backwards, reset_after, reverse_out;
  int      drop_on, rdrop_on;
  int      W, P;  /* values of the output in a row, and the row's length (the
                     final states packed after it: NN_RNN_IP_STATES) */
  const float *x, *k, *r, *bias, *mask;
  NnNode  *h0, *c0; /* initial states, or NULL (zeros) */
  float   *xd;    /* (T, B, F) inputs in step order, dropped; dx in backward */
  float   *a;     /* (T, B, G U) pre-activations, then gates; dG in backward */
  float   *h;     /* (T + 1, B, U) states, h[0] = 0 */
  float   *c;     /* (T + 1, B, U) LSTM cells */
  float   *q;     /* (T, B, U) GRU: h R_h + rb_h (reset_after; its gradient
                     in backward) or r hd */
  float   *hd;    /* (T, B, U) h_{s-1} with recurrent dropout */
  float   *m;     /* (T, B) the mask in step order (1 without one) */
  float   *min;   /* (B, F) input dropout mask */
  float   *mrec;  /* (B, U) recurrent dropout mask */
  float   *dh;    /* (B, U) gradient carried to the previous step */
  float   *dc;    /* (B, U) LSTM: the cell's; GRU: dh z, the direct part */
  float   *tmp;   /* (B, U) */
  float   *s;     /* (B, G U) */
  float   *db;    /* (tasks, G U + U) the bias gradient's sums per task of the
                     step loop (the G U of dG, then the U of q's for a GRU
                     with reset_after), added in task order */
  float   *dbias; /* the bias's gradient, NULL when none is wanted */
} Rnn;

static int
rnn_gates (int cell)
{
  return cell == NN_RNN_LSTM ? 4 : cell == NN_RNN_GRU ? 3 : 1;
}

/* States a cell carries: h, and c for an LSTM. */
static int
rnn_n_states (int cell)
{
  return cell == NN_RNN_LSTM ? 2 : 1;
}

/* Floats of scratch for batch B; with p set, points r's buffers into p. */
static size_t
rnn_layout (Rnn *r, float *p)
{
  size_t B = (size_t) r->B, T = (size_t) r->T, F = (size_t) r->F, U = (size_t) r->U;
  size_t GU = (size_t) r->GU, off = 0;
#define TAKE(field, count)                                   \
  do {                                                       \
    size_t count_ = (count);                                 \
    if (p)                                                   \
      r->field = count_ ? p + off : NULL;                    \
    off += count_;                                           \
  } while (0)
  TAKE (xd, T * B * F);
  TAKE (a, T * B * GU);
  TAKE (h, (T + 1) * B * U);
  TAKE (c, r->cell == NN_RNN_LSTM ? (T + 1) * B * U : 0);
  TAKE (q, r->cell == NN_RNN_GRU ? T * B * U : 0);
  TAKE (hd, r->n->fp[1] > 0.0f ? T * B * U : 0);
  TAKE (m, T * B);
  TAKE (min, r->n->fp[0] > 0.0f ? B * F : 0);
  TAKE (mrec, r->n->fp[1] > 0.0f ? B * U : 0);
  TAKE (dh, B * U);
  TAKE (dc, B * U);
  TAKE (tmp, B * U);
  TAKE (s, B * GU);
  TAKE (db, (B + RNN_CHUNK - 1) / RNN_CHUNK * (GU + U));
#undef TAKE
  return off;
}

static void
rnn_setup (NnGraph *g, NnNode *n, Rnn *r)
{
  NnNode *x = nn_in (g, n, 0);
  memset (r, 0, sizeof *r);
  r->g = g;
  r->n = n;
  r->B = x->shape[0];
  r->T = x->shape[1];
  r->F = x->shape[2];
  r->cell = n->ip[NN_RNN_IP_CELL];
  r->U = n->ip[NN_RNN_IP_UNITS];
  r->G = rnn_gates (r->cell);
  r->GU = r->G * r->U;
  r->act = n->ip[NN_RNN_IP_ACT];
  r->ract = n->ip[NN_RNN_IP_REC_ACT];
  r->seq = n->ip[NN_RNN_IP_SEQUENCES];
  r->backwards = n->ip[NN_RNN_IP_BACKWARDS];
  r->reset_after = r->cell == NN_RNN_GRU && n->ip[NN_RNN_IP_RESET_AFTER];
  r->reverse_out = r->backwards && n->ip[NN_RNN_IP_REVERSE_OUT];
  r->drop_on = g->training && n->fp[0] > 0.0f;
  r->rdrop_on = g->training && n->fp[1] > 0.0f;
  r->x = x->value;
  r->k = nn_in (g, n, 1)->value;
  r->r = nn_in (g, n, 2)->value;
  int next = 3;
  if (n->ip[NN_RNN_IP_BIAS])
    r->bias = nn_in (g, n, next++)->value;
  if (n->ip[NN_RNN_IP_INIT])
    {
      r->h0 = nn_in (g, n, next++);
      if (r->cell == NN_RNN_LSTM)
        r->c0 = nn_in (g, n, next++);
    }
  if (n->ip[NN_RNN_IP_MASK])
    r->mask = nn_in (g, n, next)->value;
  r->W = r->seq ? r->T * r->U : r->U;
  r->P = r->W + (n->ip[NN_RNN_IP_STATES] ? rnn_n_states (r->cell) * r->U : 0);
  rnn_layout (r, n->aux);
}

static void
rnn_shape (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, 0);
  int units = n->ip[NN_RNN_IP_UNITS];
  n->batched = 1;
  n->ndim = n->ip[NN_RNN_IP_SEQUENCES] ? 3 : 2;
  n->shape[0] = x->shape[0];
  n->shape[1] = n->ip[NN_RNN_IP_SEQUENCES] ? x->shape[1] : units;
  n->shape[2] = units;
  if (n->ip[NN_RNN_IP_STATES])
    {
      n->ndim = 2;
      n->shape[1] = (n->ip[NN_RNN_IP_SEQUENCES] ? x->shape[1] * units : units)
                    + rnn_n_states (n->ip[NN_RNN_IP_CELL]) * units;
    }
  Rnn r = { .n = n, .B = x->shape[0], .T = x->shape[1], .F = x->shape[2], .U = units,
            .cell = n->ip[NN_RNN_IP_CELL] };
  r.G = rnn_gates (r.cell);
  r.GU = r.G * units;
  n->aux_size = rnn_layout (&r, NULL);
}

/* The input step that step s reads, and the output position it writes. */
static inline int
rnn_tin (const Rnn *r, int s)
{
  return r->backwards ? r->T - 1 - s : s;
}

static inline int
rnn_pos (const Rnn *r, int s)
{
  return r->reverse_out ? r->T - 1 - s : s;
}

static void
dropout_mask (NnRng *rng, float rate, float *m, size_t n)
{
  float scale = rate < 1.0f ? 1.0f / (1.0f - rate) : 0.0f;
  for (size_t i = 0; i < n; i++)
    m[i] = nn_rng_uniform (rng) >= rate ? scale : 0.0f;
}

static void
sgemm1 (CBLAS_TRANSPOSE tb, int m, int n, int k, const float *a, int lda, const float *b,
        int ldb, float beta, float *c, int ldc)
{
  cblas_sgemm (CblasRowMajor, CblasNoTrans, tb, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
}

/* ---- forward ------------------------------------------------------------------- */

/* c (m, n) += a (m, k) b (k, n): the recurrent product of one step. At a
 * few rows (batch 1 when generating text) a register-blocked loop; sgemm
 * would repack b on every step. */
static void
rec_product (int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c,
             int ldc)
{
  if (m <= NN_GEMM_ROWS_MAX)
    nn_gemm_rows (m, n, k, a, lda, b, ldb, c, ldc);
  else
    sgemm1 (CblasNoTrans, m, n, k, a, lda, b, ldb, 1.0f, c, ldc);
}

/* Steps 0..T-1 for batch rows [b0, b1), on one thread. */
NN_CLONES static void
rnn_forward_rows (Rnn *r, int b0, int b1)
{
  const int B = r->B, U = r->U, GU = r->GU, nr = b1 - b0;
  for (int s = 0; s < r->T; s++)
    {
      const float *hp = r->h + ((size_t) s * B + b0) * U;
      float *hn = r->h + ((size_t) (s + 1) * B + b0) * U;
      float *as = r->a + ((size_t) s * B + b0) * GU;
      const float *ms = r->m + (size_t) s * B + b0;
      const float *hin = hp;
      if (r->rdrop_on)
        {
          float *hd = r->hd + ((size_t) s * B + b0) * U;
          const float *mr = r->mrec + (size_t) b0 * U;
          for (size_t i = 0; i < (size_t) nr * U; i++)
            hd[i] = hp[i] * mr[i];
          hin = hd;
        }
      switch (r->cell)
        {
        case NN_RNN_SIMPLE:
          rec_product (nr, U, U, hin, U, r->r, U, as, U);
          if (r->bias)
            for (int b = 0; b < nr; b++)
              for (int j = 0; j < U; j++)
                as[(size_t) b * U + j] += r->bias[j];
          act_apply (r->act, as, nr * U);
          for (int b = 0; b < nr; b++)
            memcpy (hn + (size_t) b * U, (ms[b] != 0.0f ? as : hp) + (size_t) b * U,
                    sizeof (float) * (size_t) U);
          break;
        case NN_RNN_LSTM:
          {
            const float *cp = r->c + ((size_t) s * B + b0) * U;
            float *cn = r->c + ((size_t) (s + 1) * B + b0) * U;
            rec_product (nr, GU, U, hin, U, r->r, GU, as, GU);
            for (int b = 0; b < nr; b++)
              {
                float *ga = as + (size_t) b * GU;
                const float *cpb = cp + (size_t) b * U, *hpb = hp + (size_t) b * U;
                float *cnb = cn + (size_t) b * U, *hnb = hn + (size_t) b * U;
                if (ms[b] == 0.0f)
                  {
                    memcpy (cnb, cpb, sizeof (float) * (size_t) U);
                    memcpy (hnb, hpb, sizeof (float) * (size_t) U);
                    continue;
                  }
                if (r->bias)
                  for (int j = 0; j < GU; j++)
                    ga[j] += r->bias[j];
                act_apply (r->ract, ga, 2 * U);
                act_apply (r->act, ga + 2 * U, U);
                act_apply (r->ract, ga + 3 * U, U);
                const float *gi = ga, *gf = ga + U, *gg = ga + 2 * U;
                for (int j = 0; j < U; j++)
                  cnb[j] = gf[j] * cpb[j] + gi[j] * gg[j];
                memcpy (hnb, cnb, sizeof (float) * (size_t) U);
                act_apply (r->act, hnb, U);
                const float *go = ga + 3 * U;
                for (int j = 0; j < U; j++)
                  hnb[j] *= go[j];
              }
          }
          break;
        case NN_RNN_GRU:
          {
            float *qs = r->q + ((size_t) s * B + b0) * U;
            if (r->reset_after)
              {
                /* s = hd R + rb: all three parts, h's kept for backward */
                float *sr = r->s + (size_t) b0 * GU;
                const float *rb = r->bias ? r->bias + GU : NULL;
                for (int b = 0; b < nr; b++)
                  {
                    if (rb)
                      memcpy (sr + (size_t) b * GU, rb, sizeof (float) * (size_t) GU);
                    else
                      memset (sr + (size_t) b * GU, 0, sizeof (float) * (size_t) GU);
                  }
                rec_product (nr, GU, U, hin, U, r->r, GU, sr, GU);
                for (int b = 0; b < nr; b++)
                  {
                    float *ga = as + (size_t) b * GU;
                    const float *sb = sr + (size_t) b * GU;
                    float *qb = qs + (size_t) b * U;
                    for (int j = 0; j < 2 * U; j++)
                      ga[j] += sb[j];
                    if (r->bias)
                      for (int j = 0; j < GU; j++)
                        ga[j] += r->bias[j];
                    act_apply (r->ract, ga, 2 * U);
                    memcpy (qb, sb + 2 * U, sizeof (float) * (size_t) U);
                    for (int j = 0; j < U; j++)
                      ga[2 * U + j] += ga[U + j] * qb[j];
                    act_apply (r->act, ga + 2 * U, U);
                  }
              }
            else
              {
                rec_product (nr, 2 * U, U, hin, U, r->r, GU, as, GU);
                for (int b = 0; b < nr; b++)
                  {
                    float *ga = as + (size_t) b * GU;
                    const float *hb = hin + (size_t) b * U;
                    float *qb = qs + (size_t) b * U;
                    if (r->bias)
                      for (int j = 0; j < GU; j++)
                        ga[j] += r->bias[j];
                    act_apply (r->ract, ga, 2 * U);
                    for (int j = 0; j < U; j++)
                      qb[j] = ga[U + j] * hb[j];
                  }
                rec_product (nr, U, U, qs, U, r->r + 2 * U, GU, as + 2 * U, GU);
                for (int b = 0; b < nr; b++)
                  act_apply (r->act, as + (size_t) b * GU + 2 * U, U);
              }
            for (int b = 0; b < nr; b++)
              {
                const float *ga = as + (size_t) b * GU, *hpb = hp + (size_t) b * U;
                float *hnb = hn + (size_t) b * U;
                if (ms[b] == 0.0f)
                  {
                    memcpy (hnb, hpb, sizeof (float) * (size_t) U);
                    continue;
                  }
                const float *z = ga, *hh = ga + 2 * U;
                for (int j = 0; j < U; j++)
                  hnb[j] = z[j] * hpb[j] + (1.0f - z[j]) * hh[j];
              }
          }
          break;
        default:
          break;
        }
    }
}

static void
forward_task (void *data, int task, int thread)
{
  Rnn *r = data;
  int b0 = task * RNN_CHUNK, b1 = b0 + RNN_CHUNK < r->B ? b0 + RNN_CHUNK : r->B;
  rnn_forward_rows (r, b0, b1);
}

static int
rnn_tasks (const Rnn *r)
{
  return (r->B + RNN_CHUNK - 1) / RNN_CHUNK;
}

/* The output rows: every step's state or the last, then (with
 * NN_RNN_IP_STATES) the final h and c. */
static void
rnn_write_output (const Rnn *r)
{
  const int B = r->B, T = r->T, U = r->U;
  const size_t ub = sizeof (float) * (size_t) U;
  float *y = r->n->value;
  for (int b = 0; b < B; b++)
    {
      float *row = y + (size_t) b * r->P;
      if (r->seq)
        for (int s = 0; s < T; s++)
          memcpy (row + (size_t) rnn_pos (r, s) * U, r->h + ((size_t) (s + 1) * B + b) * U, ub);
      else
        memcpy (row, r->h + ((size_t) T * B + b) * U, ub);
      if (r->P == r->W)
        continue;
      memcpy (row + r->W, r->h + ((size_t) T * B + b) * U, ub);
      if (r->c)
        memcpy (row + r->W + U, r->c + ((size_t) T * B + b) * U, ub);
    }
}

static void
rnn_forward (NnGraph *g, NnNode *n)
{
  Rnn r;
  rnn_setup (g, n, &r);
  const int B = r.B, T = r.T, F = r.F, U = r.U, GU = r.GU;
  if (B == 0)
    return;
  if (r.drop_on)
    dropout_mask (g->rng, n->fp[0], r.min, (size_t) B * F);
  if (r.rdrop_on)
    dropout_mask (g->rng, n->fp[1], r.mrec, (size_t) B * U);
  /* the inputs and the mask in step order */
  for (int s = 0; s < T; s++)
    {
      int t = rnn_tin (&r, s);
      for (int b = 0; b < B; b++)
        {
          const float *xs = r.x + ((size_t) b * T + t) * F;
          float *xd = r.xd + ((size_t) s * B + b) * F;
          if (r.drop_on)
            for (int f = 0; f < F; f++)
              xd[f] = xs[f] * r.min[(size_t) b * F + f];
          else
            memcpy (xd, xs, sizeof (float) * (size_t) F);
          r.m[(size_t) s * B + b] = r.mask ? r.mask[(size_t) b * T + t] : 1.0f;
        }
    }
  /* a = xd K, all steps at once; the step loops add the input bias to each
   * row while it is in cache */
  size_t rows = (size_t) T * B;
  nn_sgemm (CblasNoTrans, CblasNoTrans, (int) rows, GU, F, 1.0f, r.xd, F, r.k, GU, 0.0f, r.a,
            GU);
  size_t bu = sizeof (float) * (size_t) B * U;
  if (r.h0)
    memcpy (r.h, r.h0->value, bu);
  else
    memset (r.h, 0, bu);
  if (r.c && r.c0)
    memcpy (r.c, r.c0->value, bu);
  else if (r.c)
    memset (r.c, 0, bu);
  nn_parallel_for (rnn_tasks (&r), forward_task, &r);
  rnn_write_output (&r);
}

/* ---- backward ------------------------------------------------------------------ */

/* Steps T-1..0 for batch rows [b0, b1): turns a into dG (the gradient of
 * each step's pre-activations; for a GRU with reset_after, q into that of
 * hd R_h + rb_h), zero at masked steps. */
NN_CLONES /* Step s of an LSTM, batch row b0 + b: the gates' gradient into ga from
 * dh (dhb), and dc (of the row) carried to the step before. */
static inline void
lstm_gates_grad (Rnn *r, int s, int b0, int b, float *ga, const float *dhb)
{
  const int B = r->B, U = r->U, GU = r->GU;
  float *dc = r->dc + (size_t) b0 * U, *tmp = r->tmp + (size_t) b0 * U;
  float *sr = r->s + (size_t) b0 * GU;
{
  const float *cpb = r->c + ((size_t) s * B + b0 + b) * U;
  const float *cnb = r->c + ((size_t) (s + 1) * B + b0 + b) * U;
  float *dcb = dc + (size_t) b * U, *tc = tmp + (size_t) b * U;
  float *gy = sr + (size_t) b * GU;   /* the gates i, f, g, o */
  float *di = ga, *df = ga + U, *dg = ga + 2 * U, *dout = ga + 3 * U;
  const float *i = gy, *f = gy + U, *gc = gy + 2 * U, *o = gy + 3 * U;
  memcpy (gy, ga, sizeof (float) * (size_t) GU);
  memcpy (tc, cnb, sizeof (float) * (size_t) U);
  act_apply (r->act, tc, U);
  /* dc += dh o a'(c) (di as scratch); do = dh a(c) */
  for (int j = 0; j < U; j++)
    {
      di[j] = dhb[j] * o[j];
      dout[j] = dhb[j] * tc[j];
    }
  act_grad (r->act, tc, di, U);
  for (int j = 0; j < U; j++)
    {
      float dct = dcb[j] + di[j];
      di[j] = dct * gc[j];
      df[j] = dct * cpb[j];
      dg[j] = dct * i[j];
      dcb[j] = dct * f[j];
    }
  act_grad (r->ract, i, di, U);
  act_grad (r->ract, f, df, U);
  act_grad (r->act, gc, dg, U);
  act_grad (r->ract, o, dout, U);
}
}

/* Step s of a GRU, batch row b0 + b: the gates' gradient into ga from dh
 * (dhb), the part of dh that passes straight to h_{s-1} (into dc's row),
 * and with reset_after the gradient of the recurrent product q. */
static inline void
gru_gates_grad (Rnn *r, int s, int b0, int b, float *ga, const float *dhb, const float *hp)
{
  const int B = r->B, U = r->U, GU = r->GU;
  float *dc = r->dc + (size_t) b0 * U;
  float *sr = r->s + (size_t) b0 * GU;
{
  float *z = ga, *rg = ga + U, *hh = ga + 2 * U;
  const float *hpb = hp + (size_t) b * U;
  float *direct = dc + (size_t) b * U;
  float *qb = r->q + ((size_t) s * B + b0 + b) * U;
  float *gy = sr + (size_t) b * GU;
  memcpy (gy, ga, sizeof (float) * (size_t) GU);   /* z, r, hh */
  for (int j = 0; j < U; j++)
    {
      float d = dhb[j];
      direct[j] = d * z[j];
      z[j] = d * (hpb[j] - hh[j]);
      hh[j] = d * (1.0f - gy[j]);
    }
  act_grad (r->ract, gy, z, U);
  act_grad (r->act, gy + 2 * U, hh, U);
  if (r->reset_after)
    {
      /* dr = dah q; d(q) = dah r, into q */
      for (int j = 0; j < U; j++)
        {
          rg[j] = hh[j] * qb[j];
          qb[j] = hh[j] * gy[U + j];
        }
      act_grad (r->ract, gy + U, rg, U);
    }
}
}

/* Step s, rows b0 .. b0 + nr - 1: the gradient of h_{s-1} through the
 * recurrent kernel into tmp, from the gates' gradients in as. */
static inline void
prev_h_grad (Rnn *r, int s, int b0, int nr, float *as, const float *ms, const float *hin)
{
  const int B = r->B, U = r->U, GU = r->GU;
  float *tmp = r->tmp + (size_t) b0 * U, *sr = r->s + (size_t) b0 * GU;
  switch (r->cell)
    {
    case NN_RNN_SIMPLE:
    case NN_RNN_LSTM:
      sgemm1 (CblasTrans, nr, U, GU, as, GU, r->r, GU, 0.0f, tmp, U);
      break;
    case NN_RNN_GRU:
      if (r->reset_after)
        {
          const float *qs = r->q + ((size_t) s * B + b0) * U;
          for (int b = 0; b < nr; b++)
            {
              memcpy (sr + (size_t) b * GU, as + (size_t) b * GU,
                      sizeof (float) * 2 * (size_t) U);
              memcpy (sr + (size_t) b * GU + 2 * U, qs + (size_t) b * U,
                      sizeof (float) * (size_t) U);
            }
          sgemm1 (CblasTrans, nr, U, GU, sr, GU, r->r, GU, 0.0f, tmp, U);
        }
      else
        {
          /* dq = dah R_h^T; dr = dq hd; d(hd) = dq r + [dz dr] R_zr^T */
          sgemm1 (CblasTrans, nr, U, U, as + 2 * U, GU, r->r + 2 * U, GU, 0.0f, tmp, U);
          for (int b = 0; b < nr; b++)
            {
              if (ms[b] == 0.0f)
                continue;
              float *ga = as + (size_t) b * GU, *tb = tmp + (size_t) b * U;
              const float *gyr = sr + (size_t) b * GU + U, *hb = hin + (size_t) b * U;
              for (int j = 0; j < U; j++)
                {
                  ga[U + j] = tb[j] * hb[j];
                  tb[j] *= gyr[j];
                }
              act_grad (r->ract, gyr, ga + U, U);
            }
          sgemm1 (CblasTrans, nr, U, 2 * U, as, GU, r->r, GU, 1.0f, tmp, U);
        }
      break;
    default:
      break;
    }
}

/* dh and dc of the final step for batch rows b0 .. b0 + nr - 1: the
 * output's gradient when it is the last state, plus the gradients of the
 * final states packed after it (return_state). */
static void
rnn_final_grads (Rnn *r, int b0, int nr)
{
  const int U = r->U;
  const float *dy = r->n->grad;
  float *dh = r->dh + (size_t) b0 * U, *dc = r->dc + (size_t) b0 * U;
  memset (dc, 0, sizeof (float) * (size_t) nr * U);
  memset (dh, 0, sizeof (float) * (size_t) nr * U);
  for (int b = 0; b < nr; b++)
    {
      const float *row = dy + (size_t) (b0 + b) * r->P;
      float *dhb = dh + (size_t) b * U, *dcb = dc + (size_t) b * U;
      if (!r->seq)
        for (int j = 0; j < U; j++)
          dhb[j] = row[j];
      if (r->P == r->W)
        continue;
      for (int j = 0; j < U; j++)
        dhb[j] += row[r->W + j];
      if (r->cell == NN_RNN_LSTM)
        for (int j = 0; j < U; j++)
          dcb[j] = row[r->W + U + j];
    }
}

static void
rnn_backward_rows (Rnn *r, int b0, int b1)
{
  const int B = r->B, T = r->T, U = r->U, GU = r->GU, nr = b1 - b0;
  const float *dy = r->n->grad;
  float *dh = r->dh + (size_t) b0 * U, *dc = r->dc + (size_t) b0 * U;
  float *tmp = r->tmp + (size_t) b0 * U;
  const float *mr = r->mrec ? r->mrec + (size_t) b0 * U : NULL;
  float *db = r->dbias ? r->db + (size_t) (b0 / RNN_CHUNK) * (GU + U) : NULL;
  if (db)
    memset (db, 0, sizeof (float) * (size_t) (GU + U));
  rnn_final_grads (r, b0, nr);
  for (int s = T - 1; s >= 0; s--)
    {
      const float *hp = r->h + ((size_t) s * B + b0) * U;
      const float *hn = r->h + ((size_t) (s + 1) * B + b0) * U;
      float *as = r->a + ((size_t) s * B + b0) * GU;
      const float *ms = r->m + (size_t) s * B + b0;
      const float *hin = r->rdrop_on ? r->hd + ((size_t) s * B + b0) * U : hp;
      if (r->seq)
        {
          int p = rnn_pos (r, s);
          for (int b = 0; b < nr; b++)
            {
              const float *d = dy + (size_t) (b0 + b) * r->P + (size_t) p * U;
              float *dhb = dh + (size_t) b * U;
              for (int j = 0; j < U; j++)
                dhb[j] += d[j];
            }
        }
      /* the gates' gradients, row by row */
      for (int b = 0; b < nr; b++)
        {
          float *ga = as + (size_t) b * GU, *dhb = dh + (size_t) b * U;
          if (ms[b] == 0.0f)
            {
              memset (ga, 0, sizeof (float) * (size_t) GU);
              if (r->reset_after)
                memset (r->q + ((size_t) s * B + b0 + b) * U, 0, sizeof (float) * (size_t) U);
              continue;
            }
          switch (r->cell)
            {
            case NN_RNN_SIMPLE:
              memcpy (ga, dhb, sizeof (float) * (size_t) U);
              act_grad (r->act, hn + (size_t) b * U, ga, U);
              break;
            case NN_RNN_LSTM:
              lstm_gates_grad (r, s, b0, b, ga, dhb);
              break;
            case NN_RNN_GRU:
              gru_gates_grad (r, s, b0, b, ga, dhb, hp);
              break;
            default:
              break;
            }
        }
      /* the gradient of h_{s-1} */
      prev_h_grad (r, s, b0, nr, as, ms, hin);
      for (int b = 0; b < nr; b++)
        {
          if (ms[b] == 0.0f)
            continue;   /* dh and dc pass to the previous step unchanged */
          float *dhb = dh + (size_t) b * U;
          const float *tb = tmp + (size_t) b * U;
          const float *mb = mr ? mr + (size_t) b * U : NULL;
          for (int j = 0; j < U; j++)
            dhb[j] = mb ? tb[j] * mb[j] : tb[j];
          if (r->cell == NN_RNN_GRU)
            {
              const float *direct = dc + (size_t) b * U;
              for (int j = 0; j < U; j++)
                dhb[j] += direct[j];
            }
        }
      /* the bias's gradient, while the rows are in cache (masked rows
       * are zero) */
      if (db)
        for (int b = 0; b < nr; b++)
          {
            const float *ga = as + (size_t) b * GU;
            for (int j = 0; j < GU; j++)
              db[j] += ga[j];
            if (r->reset_after)
              {
                const float *qb = r->q + ((size_t) s * B + b0 + b) * U;
                for (int j = 0; j < U; j++)
                  db[GU + j] += qb[j];
              }
          }
    }
}

static void
backward_task (void *data, int task, int thread)
{
  Rnn *r = data;
  int b0 = task * RNN_CHUNK, b1 = b0 + RNN_CHUNK < r->B ? b0 + RNN_CHUNK : r->B;
  rnn_backward_rows (r, b0, b1);
}

typedef struct {
  const Rnn *r;
  float     *dx;
} Scatter;

/* dx (B, T, F) += the step-ordered gradient in xd, for batch rows of one
 * task (times the input dropout mask) */
static void
scatter_task (void *data, int task, int thread)
{
  const Scatter *sc = data;
  const Rnn *r = sc->r;
  const int T = r->T, F = r->F, B = r->B;
  int b0 = task * RNN_CHUNK, b1 = b0 + RNN_CHUNK < B ? b0 + RNN_CHUNK : B;
  for (int s = 0; s < T; s++)
    {
      int t = rnn_tin (r, s);
      for (int b = b0; b < b1; b++)
        {
          float *dx = sc->dx + ((size_t) b * T + t) * F;
          const float *d = r->xd + ((size_t) s * B + b) * F;
          if (r->drop_on)
            for (int f = 0; f < F; f++)
              dx[f] += d[f] * r->min[(size_t) b * F + f];
          else
            for (int f = 0; f < F; f++)
              dx[f] += d[f];
        }
    }
}

static void
rnn_backward (NnGraph *g, NnNode *n)
{
  Rnn r;
  rnn_setup (g, n, &r);
  const int B = r.B, T = r.T, F = r.F, U = r.U, GU = r.GU;
  if (B == 0)
    return;
  NnNode *xn = nn_in (g, n, 0), *kn = nn_in (g, n, 1), *rn = nn_in (g, n, 2);
  NnNode *bn = n->ip[NN_RNN_IP_BIAS] ? nn_in (g, n, 3) : NULL;
  r.dbias = bn ? bn->grad : NULL;
  nn_parallel_for (rnn_tasks (&r), backward_task, &r);
  /* dh and dc now hold the gradients of the states before the first step */
  size_t bu = (size_t) B * U;
  if (r.h0 && r.h0->grad)
    for (size_t i = 0; i < bu; i++)
      r.h0->grad[i] += r.dh[i];
  if (r.c0 && r.c0->grad)
    for (size_t i = 0; i < bu; i++)
      r.c0->grad[i] += r.dc[i];
  int rows = T * B;
  /* the state each step read: h_{s-1}, with recurrent dropout if on */
  const float *hin = r.rdrop_on ? r.hd : r.h;
  if (kn->grad)
    nn_sgemm (CblasTrans, CblasNoTrans, F, GU, rows, 1.0f, r.xd, F, r.a, GU, 1.0f, kn->grad,
              GU);
  if (rn->grad)
    {
      if (r.cell != NN_RNN_GRU)
        nn_sgemm (CblasTrans, CblasNoTrans, U, GU, rows, 1.0f, hin, U, r.a, GU, 1.0f,
                  rn->grad, GU);
      else
        {
          nn_sgemm (CblasTrans, CblasNoTrans, U, 2 * U, rows, 1.0f, hin, U, r.a, GU, 1.0f,
                    rn->grad, GU);
          if (r.reset_after)  /* q holds d(hd R_h + rb_h) */
            nn_sgemm (CblasTrans, CblasNoTrans, U, U, rows, 1.0f, hin, U, r.q, U, 1.0f,
                      rn->grad + 2 * U, GU);
          else                /* q holds r hd */
            nn_sgemm (CblasTrans, CblasNoTrans, U, U, rows, 1.0f, r.q, U, r.a + 2 * U, GU,
                      1.0f, rn->grad + 2 * U, GU);
        }
    }
  if (r.dbias)
    for (int task = 0; task < rnn_tasks (&r); task++)
      {
        const float *d = r.db + (size_t) task * (GU + U);
        for (int j = 0; j < GU; j++)
          r.dbias[j] += d[j];
        if (r.reset_after)
          {
            for (int j = 0; j < 2 * U; j++)
              r.dbias[GU + j] += d[j];
            for (int j = 0; j < U; j++)
              r.dbias[GU + 2 * U + j] += d[GU + j];
          }
      }
  if (xn->grad)
    {
      /* dx in step order into xd (read above for dK), then back in place */
      nn_sgemm (CblasNoTrans, CblasTrans, rows, F, GU, 1.0f, r.a, GU, r.k, GU, 0.0f, r.xd, F);
      Scatter sc = { &r, xn->grad };
      nn_parallel_for (rnn_tasks (&r), scatter_task, &sc);
    }
}

const NnOpInfo nn_op_rnn_info = { "rnn", rnn_shape, rnn_forward, rnn_backward };
