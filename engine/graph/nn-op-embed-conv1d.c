/* SPDX-License-Identifier: GPL-3.0-or-later */
/* NN_OP_EMBED_CONV1D: an Embedding and the Conv1D that is its only reader,
 * as one op (training graphs; nn_embed_conv1d_fuse rewrites them).
 *
 *   in: ids (B, T) as floats, E (V, F), W (K, F, C) (Keras's Conv1D kernel),
 *       [bias (C)]; y (B, 1, To, C), the shape of the convolution it replaces:
 *   y[b, t] = act (bias + sum_k E[ids[b, t s + k d - p]] W_k)
 * (s stride, d dilation, p the padding before the first step; a tap outside
 * the sequence, or an id outside [0, V), reads zeros).
 *
 * Each tap's product with an embedding row depends only on the id, so the
 * op computes the tables T_k = E_u W_k once for the ids u the batch holds
 * (one sgemm, (U, F) x (F, K C)) and sums table rows per output: at
 * Embedding (10000, 128), Conv1D (32, 7) and batch 128 x 500 about six
 * times fewer multiply-adds than the convolution, and no (B, T, F) tensor.
 * Backward: dT_k[u] = sum of dz over the outputs whose tap k reads id u
 * (one task per tap, each in its own (U, C) block, so no two threads write
 * one row and a task's writes stay in a small area), then, each one sgemm
 * over the taps side by side,
 *   dW_k += E_u^T dT_k      dE_u += sum_k dT_k W_k^T      dbias += sum dz
 * with dz = dy, times (y > 0) for a fused ReLU.
 *
 * ip[NN_EC_*]: nn-seq-private.h. DEEPSCOPE_NO_FUSION=1 (nn-compile.c) keeps the
 * Embedding, reshapes and convolution apart, to compare. */
#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#include "nn-conv-private.h"
#include "nn-parallel-private.h"
#include "nn-seq-private.h"
#include "nn-simd-private.h"

/* Scratch, in floats (ints stored in float-sized slots). */
typedef struct {
  int B, T, To, V, F, K, C, stride, dil, pad, relu, has_bias;
  int *map;      /* (V) the compact index of each id of the batch, or -1 */
  int *rows;     /* (U) the ids the batch holds, in order of first use */
  int *cidx;     /* (B, T) each step's compact index, or -1 */
  float *wall;   /* (F, K C) W with its taps side by side */
  float *ec;     /* (U, F) the rows of E the batch reads; dE_u in backward */
  float *tab;    /* (U, K C) the tables as one sgemm writes them; their
                    gradient in backward */
  float *taps;   /* (K, U, C) the tables tap by tap (each tap's reads and
                    writes stay in one block); their gradient in backward */
  float *dwall;  /* (F, K C) backward */
  float *dz;     /* (B, To, C) backward: dy, times (y > 0) with ReLU */
  int U, umax;
} EmbedConv;

static size_t
ec_layout (EmbedConv *e, float *p)
{
  size_t umax = (size_t) e->B * (size_t) e->T;
  if (umax > (size_t) e->V)
    umax = (size_t) e->V;
  e->umax = (int) umax;
  size_t kc = (size_t) e->K * (size_t) e->C, off = 0;
#define TAKE(field, type, count)                     \
  do {                                               \
    if (p)                                           \
      e->field = (type *) (void *) (p + off);        \
    off += ((count) + 15) / 16 * 16;                 \
  } while (0)
  TAKE (map, int, (size_t) e->V);
  TAKE (rows, int, umax);
  TAKE (cidx, int, (size_t) e->B * (size_t) e->T);
  TAKE (wall, float, (size_t) e->F * kc);
  TAKE (ec, float, umax * (size_t) e->F);
  TAKE (tab, float, umax * kc);
  TAKE (taps, float, umax * kc);
  TAKE (dwall, float, (size_t) e->F * kc);
  TAKE (dz, float, (size_t) e->B * (size_t) e->To * (size_t) e->C);
#undef TAKE
  return off;
}

static void
ec_setup (NnGraph *g, NnNode *n, EmbedConv *e, float *p)
{
  NnNode *ids = nn_in (g, n, 0), *E = nn_in (g, n, 1), *w = nn_in (g, n, 2);
  memset (e, 0, sizeof *e);
  e->B = ids->shape[0];
  e->T = ids->shape[1];
  e->V = E->shape[0];
  e->F = E->shape[1];
  e->K = w->shape[0];
  e->C = w->shape[2];
  e->stride = n->ip[NN_EC_STRIDE];
  e->dil = n->ip[NN_EC_DIL];
  e->relu = n->ip[NN_EC_RELU];
  e->has_bias = n->ip[NN_EC_HAS_BIAS];
  int pb = 0;
  e->To = nn_conv_out_size (e->T + n->ip[NN_EC_PAD_ZEROS], e->K, e->stride, e->dil,
                            n->ip[NN_EC_SAME], &pb);
  e->pad = n->ip[NN_EC_PAD_ZEROS] + pb;
  ec_layout (e, p);
}

static void
embed_conv1d_shape (NnGraph *g, NnNode *n)
{
  EmbedConv e;
  ec_setup (g, n, &e, NULL);
  n->batched = 1;
  n->ndim = 4;
  n->shape[0] = e.B;
  n->shape[1] = 1;
  n->shape[2] = e.To;
  n->shape[3] = e.C;
  n->aux_size = ec_layout (&e, NULL);
}

/* Compact indices of the batch's ids, the rows of E they read, and W with
 * its taps side by side. */
static void
ec_gather (NnGraph *g, NnNode *n, EmbedConv *e)
{
  const float *ids = nn_in (g, n, 0)->value, *E = nn_in (g, n, 1)->value;
  memset (e->map, 0xff, sizeof (int) * (size_t) e->V);
  int bad = 0;
  e->U = 0;
  for (size_t i = 0; i < (size_t) e->B * (size_t) e->T; i++)
    {
      long r = nn_embedding_row (ids[i], e->V);
      if (r < 0)
        {
          e->cidx[i] = -1;
          bad++;
          continue;
        }
      if (e->map[r] < 0)
        {
          e->map[r] = e->U;
          e->rows[e->U++] = (int) r;
        }
      e->cidx[i] = e->map[r];
    }
  n->ip[NN_EC_BAD] = bad;
  size_t F = (size_t) e->F, C = (size_t) e->C, KC = (size_t) e->K * C;
  for (int u = 0; u < e->U; u++)
    memcpy (e->ec + (size_t) u * F, E + (size_t) e->rows[u] * F, sizeof (float) * F);
  const float *w = nn_in (g, n, 2)->value;
  for (int k = 0; k < e->K; k++)
    for (size_t f = 0; f < F; f++)
      memcpy (e->wall + f * KC + (size_t) k * C, w + ((size_t) k * F + f) * C,
              sizeof (float) * C);
}

/* Tap k's table (or its gradient): (U, C) rows, one per compact id. */
static inline float *
ec_tap (const EmbedConv *e, int k)
{
  return e->taps + (size_t) k * (size_t) e->umax * (size_t) e->C;
}

/* Between the (U, K C) and (K, U, C) layouts of the tables. */
static void
ec_relayout (const EmbedConv *e, int to_taps)
{
  size_t C = (size_t) e->C, KC = (size_t) e->K * C;
  for (int k = 0; k < e->K; k++)
    for (int u = 0; u < e->U; u++)
      {
        float *a = e->tab + (size_t) u * KC + (size_t) k * C, *b = ec_tap (e, k) + (size_t) u * C;
        memcpy (to_taps ? b : a, to_taps ? a : b, sizeof (float) * C);
      }
}

typedef struct {
  EmbedConv *e;
  const float *bias;
  float *y;
  const float *dy;
} EcJob;

/* Outputs of batch row b: bias, plus each tap's table row, then ReLU;
 * tap by tap, so the reads stay in one tap's table at a time. */
NN_CLONES static void
ec_forward_task (void *data, int b, int thread)
{
  const EcJob *j = data;
  const EmbedConv *e = j->e;
  size_t C = (size_t) e->C, len = (size_t) e->To * C;
  const int *cidx = e->cidx + (size_t) b * e->T;
  float *restrict yb = j->y + (size_t) b * len;
  for (int t = 0; t < e->To; t++)
    {
      if (j->bias)
        memcpy (yb + (size_t) t * C, j->bias, sizeof (float) * C);
      else
        memset (yb + (size_t) t * C, 0, sizeof (float) * C);
    }
  for (int k = 0; k < e->K; k++)
    for (int t = 0; t < e->To; t++)
      {
        int pos = t * e->stride + k * e->dil - e->pad;
        if (pos < 0 || pos >= e->T || cidx[pos] < 0)
          continue;
        const float *restrict row = ec_tap (e, k) + (size_t) cidx[pos] * C;
        float *restrict y = yb + (size_t) t * C;
        for (size_t c = 0; c < C; c++)
          y[c] += row[c];
      }
  if (e->relu)
    for (size_t i = 0; i < len; i++)
      yb[i] = yb[i] > 0.0f ? yb[i] : 0.0f;
}

static void
embed_conv1d_forward (NnGraph *g, NnNode *n)
{
  EmbedConv e;
  ec_setup (g, n, &e, n->aux);
  if (e.B == 0)
    return;
  ec_gather (g, n, &e);
  int KC = e.K * e.C;
  if (e.U > 0)
    nn_sgemm (CblasNoTrans, CblasNoTrans, e.U, KC, e.F, 1.0f, e.ec, e.F, e.wall, KC, 0.0f,
              e.tab, KC);
  ec_relayout (&e, 1);
  EcJob j = { &e, e.has_bias ? nn_in (g, n, 3)->value : NULL, n->value, NULL };
  nn_parallel_for (e.B, ec_forward_task, &j);
}

/* dz for batch row b: dy, where the fused ReLU passed the sum. */
NN_CLONES static void
ec_dz_task (void *data, int b, int thread)
{
  const EcJob *j = data;
  const EmbedConv *e = j->e;
  size_t len = (size_t) e->To * (size_t) e->C, o = (size_t) b * len;
  const float *restrict dy = j->dy + o, *restrict y = j->y + o;
  float *restrict dz = e->dz + o;
  for (size_t i = 0; i < len; i++)
    dz[i] = !e->relu || y[i] > 0.0f ? dy[i] : 0.0f;
}

/* dT_k for one tap k: every output's dz added into the table row its tap k
 * read. Each task owns one tap's table, so tasks never collide. */
NN_CLONES static void
ec_table_grad_task (void *data, int k, int thread)
{
  const EcJob *j = data;
  const EmbedConv *e = j->e;
  size_t C = (size_t) e->C;
  float *tab = ec_tap (e, k);
  memset (tab, 0, sizeof (float) * (size_t) e->U * C);
  for (int b = 0; b < e->B; b++)
    {
      const int *cidx = e->cidx + (size_t) b * e->T;
      for (int t = 0; t < e->To; t++)
        {
          int pos = t * e->stride + k * e->dil - e->pad;
          if (pos < 0 || pos >= e->T || cidx[pos] < 0)
            continue;
          const float *restrict dz = e->dz + ((size_t) b * e->To + t) * C;
          float *restrict d = tab + (size_t) cidx[pos] * C;
          for (size_t c = 0; c < C; c++)
            d[c] += dz[c];
        }
    }
}

/* The taps' gradients side by side, dT (U, K C); then
 * dW_all = E_u^T dT, added into dW's (K, F, C) layout, and
 * dE_u = dT W_all^T into ec (forward's copy of E_u is no longer needed),
 * added into the rows of dE. */
static void
ec_weight_grads (const EmbedConv *e, NnNode *E, NnNode *w)
{
  size_t F = (size_t) e->F, C = (size_t) e->C, KC = (size_t) e->K * C;
  ec_relayout (e, 0);
  if (w->grad)
    {
      nn_sgemm (CblasTrans, CblasNoTrans, e->F, (int) KC, e->U, 1.0f, e->ec, e->F, e->tab,
                (int) KC, 0.0f, e->dwall, (int) KC);
      for (int k = 0; k < e->K; k++)
        for (size_t f = 0; f < F; f++)
          {
            float *restrict dw = w->grad + ((size_t) k * F + f) * C;
            const float *restrict s = e->dwall + f * KC + (size_t) k * C;
            for (size_t c = 0; c < C; c++)
              dw[c] += s[c];
          }
    }
  if (!E->grad)
    return;
  nn_sgemm (CblasNoTrans, CblasTrans, e->U, e->F, (int) KC, 1.0f, e->tab, (int) KC, e->wall,
            (int) KC, 0.0f, e->ec, e->F);
  for (int u = 0; u < e->U; u++)
    {
      float *restrict de = E->grad + (size_t) e->rows[u] * F;
      const float *restrict s = e->ec + (size_t) u * F;
      for (size_t f = 0; f < F; f++)
        de[f] += s[f];
    }
}

static void
embed_conv1d_backward (NnGraph *g, NnNode *n)
{
  EmbedConv e;
  ec_setup (g, n, &e, n->aux);
  /* the compact ids and rows are forward's; U is one past the largest */
  e.U = 0;
  for (size_t i = 0; i < (size_t) e.B * (size_t) e.T; i++)
    if (e.cidx[i] >= e.U)
      e.U = e.cidx[i] + 1;
  NnNode *E = nn_in (g, n, 1), *w = nn_in (g, n, 2);
  NnNode *bias = e.has_bias ? nn_in (g, n, 3) : NULL;
  EcJob j = { &e, NULL, n->value, n->grad };
  nn_parallel_for (e.B, ec_dz_task, &j);
  if (bias && bias->grad)
    for (size_t r = 0; r < (size_t) e.B * (size_t) e.To; r++)
      for (int c = 0; c < e.C; c++)
        bias->grad[c] += e.dz[r * (size_t) e.C + c];
  if (e.U == 0 || (!E->grad && !w->grad))
    return;
  nn_parallel_for (e.K, ec_table_grad_task, &j);
  ec_weight_grads (&e, E, w);
}

/* ---- fusion -------------------------------------------------------------------- */

/* Node i, of op `op`, read by its one reader alone. */
static int
only_reader (NnGraph *g, int i, NnOpType op, const int *readers)
{
  return i >= 0 && g->nodes[i].op == op && readers[i] == 1 && !g->nodes[i].keep;
}

int
nn_embed_conv1d_fuse (NnGraph *g, int conv, const int *readers)
{
  NnNode *c = &g->nodes[conv];
  if (c->op != NN_OP_CONV2D || c->ip[NN_CONV_STRIDE_H] != 1 || c->ip[NN_CONV_DIL_H] != 1
      || c->ip[NN_CONV_POOL] != 0
      || (c->ip[NN_CONV_ACT] != NN_CONV_ACT_NONE && c->ip[NN_CONV_ACT] != NN_CONV_ACT_RELU))
    return 0;
  int x = c->in[0], pad = -1, zeros = 0;
  if (only_reader (g, x, NN_OP_ZERO_PAD2D, readers))
    {
      const int *p = g->nodes[x].ip;
      if (p[0] != 0 || p[1] != 0 || p[3] != 0)
        return 0;
      pad = x;
      zeros = p[2];
      x = g->nodes[x].in[0];
    }
  if (!only_reader (g, x, NN_OP_RESHAPE, readers))
    return 0;
  int emb = g->nodes[x].in[0], kr = c->in[1];
  if (!only_reader (g, emb, NN_OP_EMBEDDING, readers) || g->nodes[emb].mask >= 0
      || !only_reader (g, kr, NN_OP_RESHAPE, readers))
    return 0;
  NnNode *e = &g->nodes[emb], *ids = nn_in (g, e, 0), *wp = nn_in (g, &g->nodes[kr], 0);
  NnNode *img = &g->nodes[x];
  if (ids->ndim != 2 || !ids->batched || img->ndim != 4 || img->shape[1] != 1
      || wp->op != NN_OP_PARAM || wp->ndim != 3)
    return 0;
  int has_bias = c->ip[NN_CONV_HAS_BIAS], relu = c->ip[NN_CONV_ACT] == NN_CONV_ACT_RELU;
  int stride = c->ip[NN_CONV_STRIDE_W], dil = c->ip[NN_CONV_DIL_W], same = c->ip[NN_CONV_SAME];
  int in[4] = { e->in[0], e->in[1], g->nodes[kr].in[0], has_bias ? c->in[2] : -1 };
  int *grown = realloc (c->in, sizeof in);   /* the convolution had 2 or 3 */
  if (!grown)
    return 0;
  c->in = grown;
  memcpy (c->in, in, sizeof in);
  c->n_in = has_bias ? 4 : 3;
  c->op = NN_OP_EMBED_CONV1D;
  memset (c->ip, 0, sizeof c->ip);
  c->ip[NN_EC_STRIDE] = stride;
  c->ip[NN_EC_DIL] = dil;
  c->ip[NN_EC_PAD_ZEROS] = zeros;
  c->ip[NN_EC_SAME] = same;
  c->ip[NN_EC_HAS_BIAS] = has_bias;
  c->ip[NN_EC_RELU] = relu;
  e->unused = img->unused = g->nodes[kr].unused = 1;
  if (pad >= 0)
    g->nodes[pad].unused = 1;
  return 1;
}

const NnOpInfo nn_op_embed_conv1d_info = {
  "embed_conv1d", embed_conv1d_shape, embed_conv1d_forward, embed_conv1d_backward
};
