/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Conv2DTranspose (NN_OP_CONV2D_TRANSPOSE): the data gradient of a
 * convolution, with the Keras kernel (kh, kw, Cout, Cin): input pixel i
 * adds x[i] W[k] into output pixel i * s - pad + k * dil.
 *
 * Forward, gather form (strides up to TG_MAX_STRIDE, kernels up to
 * TG_MAX_TAPS a side, 8+ input channels, 16+ output channels or one):
 * the output pixels are split by parity (oy mod sh,
 * ox mod sw); the pixels of one parity read the input through a fixed
 * subset of the kernel's taps at fixed offsets, a small stride-1
 * convolution. Each runs on the direct kernel (nn-conv-direct.c: no im2col
 * matrix, no sgemm packing), which stores its rows straight to their
 * pixels (every sw-th of every sh-th row) with the bias and the fused
 * ReLU: no col2im, no zeroing of the output, no second pass. Parities whose windows the direct
 * kernel does not take (fewer than 8 input channels) use the scatter form.
 * Forward, scatter form (other shapes): y = col2im (x Wt^T) + b with Wt
 * the (kh*kw*Cout, Cin) matrix of the kernel.
 * Backward: dx += im2col (dz) Wt, dWt += im2col (dz)^T x, with dz the
 * output gradient masked by the fused ReLU in a buffer of its own (the
 * output gradient itself stays as it is: inspectors read it). */
#include <stdlib.h>
#include <string.h>

#include "nn-conv-geom-private.h"
#include "nn-simd-private.h"

#define TG_MAX_STRIDE 4
#define TG_MAX_TAPS   16
#define TG_MAX(a, b) ((a) > (b) ? (a) : (b))

/* One axis of one parity r: the outputs o = r + s * t, t < n_out, read the
 * input at t + off[a] through the kernel's tap tap[a], a < n_taps; the
 * taps last first, so the offsets ascend (by 1 without dilation). */
typedef struct {
  int n_out, n_taps;
  int tap[TG_MAX_TAPS], off[TG_MAX_TAPS];
} TgAxis;

/* Everything the shape rule, the forward and the backward agree on. */
typedef struct {
  Geom q;              /* the convolution this op reverses (rows: x's pixels) */
  int gather, cin, cout, classes;
  TgAxis ah[TG_MAX_STRIDE], aw[TG_MAX_STRIDE];
  size_t kmax;         /* floats of the longest window (taps * Cin) */
  size_t packed;       /* floats of the packed kernels, the unpacked one's too */
  size_t forward;      /* floats of forward scratch */
  size_t backward;     /* floats of the backward's im2col block */
  size_t mask_off;     /* where the masked output gradient goes in aux */
} TgPlan;

static int gather_off = -1;

void
nn_conv_set_transpose_gather (int on)
{
  gather_off = !on;
}

static void
tg_axis (int out, int k, int s, int d, int pad, int r, TgAxis *a)
{
  a->n_out = r < out ? (out - r + s - 1) / s : 0;
  a->n_taps = 0;
  for (int t = k - 1; t >= 0; t--)
    {
      int num = r + pad - t * d;
      if (num % s != 0)
        continue;
      a->tap[a->n_taps] = t;
      a->off[a->n_taps++] = num / s;
    }
}

/* The spacing of an axis' offsets (1 with fewer than two taps; they are
 * evenly spaced: consecutive taps of a parity are s / gcd (s, d) apart). */
static int
tg_step (const TgAxis *a)
{
  return a->n_taps > 1 ? a->off[1] - a->off[0] : 1;
}

/* Decided in the shape rule, with the scratch size; kept in the node. */
static void
gather_choose (NnNode *n, int kh, int kw)
{
  if (gather_off < 0)
    {
      const char *e = getenv ("DEEPSCOPE_NO_TRANSPOSE_GATHER");
      gather_off = e && *e && *e != '0';
    }
  n->ip[NN_CONV_GATHER] = !gather_off && n->ip[NN_CONV_STRIDE_H] <= TG_MAX_STRIDE
                          && n->ip[NN_CONV_STRIDE_W] <= TG_MAX_STRIDE && kh <= TG_MAX_TAPS
                          && kw <= TG_MAX_TAPS;
}

/* Parity cls as the windows of a stride-1 convolution over x (b, ih, iw,
 * Cin) whose rows are that parity's output pixels. */
static NnWindows
tg_windows (const TgPlan *p, int cls, const float *x)
{
  const TgAxis *ah = &p->ah[cls / p->q.sw], *aw = &p->aw[cls % p->q.sw];
  NnWindows w = { x, p->q.oh, p->q.ow, p->cin, ah->n_out, aw->n_out, ah->n_taps, aw->n_taps,
                  1, 1, tg_step (ah), tg_step (aw), 0, 0 };
  w.pt = ah->n_taps ? -ah->off[0] : 0;
  w.pl = aw->n_taps ? -aw->off[0] : 0;
  return w;
}

/* The gather form's sizes, or p->gather = 0 where the direct kernel does
 * not take a parity's windows (too few channels, too many taps) or would
 * waste most of its 16-column panels (2 to 15 output channels; one
 * channel has the kernel's one-column form). */
static void
tg_plan_gather (TgPlan *p, const NnNode *n)
{
  p->classes = p->q.sh * p->q.sw;
  for (int r = 0; r < p->q.sh; r++)
    tg_axis (n->shape[1], p->q.kh, p->q.sh, p->q.dh, p->q.pt, r, &p->ah[r]);
  for (int r = 0; r < p->q.sw; r++)
    tg_axis (n->shape[2], p->q.kw, p->q.sw, p->q.dw, p->q.pl, r, &p->aw[r]);
  if (p->cout < 16 && p->cout != 1)
    {
      p->gather = 0;
      return;
    }
  for (int cls = 0; cls < p->classes; cls++)
    {
      NnWindows w = tg_windows (p, cls, NULL);
      size_t k = (size_t) w.kh * (size_t) w.kw * (size_t) p->cin;
      if (k && !nn_direct_applies (&w))
        {
          p->gather = 0;
          return;
        }
      p->kmax = TG_MAX (p->kmax, k);
      p->packed += nn_direct_packed_floats (k, (size_t) p->cout);
    }
  p->packed += p->kmax * (size_t) p->cout;
  p->forward = p->packed;
}

static TgPlan
transpose_plan (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, 0), *w = nn_in (g, n, 1);
  TgPlan p;
  memset (&p, 0, sizeof p);
  p.q = geom_make (n->shape, x->shape[1], x->shape[2], n, w->shape[0], w->shape[1]);
  p.cin = x->shape[3];
  p.cout = n->shape[3];
  size_t batch = (size_t) x->shape[0];
  size_t rows = batch * (size_t) x->shape[1] * (size_t) x->shape[2];
  p.backward = nn_conv_chunk_rows (p.q.k, rows) * p.q.k;
  p.gather = n->ip[NN_CONV_GATHER];
  if (p.gather)
    tg_plan_gather (&p, n);
  if (!p.gather)
    p.forward = p.backward * (size_t) nn_parallel_threads ();
  p.mask_off = TG_MAX (p.forward, p.backward);
  return p;
}

static void
transpose_shape (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, 0), *w = nn_in (g, n, 1);
  int same = n->ip[NN_CONV_SAME];
  n->ndim = 4;
  n->shape[0] = x->shape[0];
  n->shape[1] = nn_conv_transpose_out_size (x->shape[1], w->shape[0], n->ip[NN_CONV_STRIDE_H],
                                            n->ip[NN_CONV_DIL_H], same,
                                            &n->ip[NN_CONV_PAD_TOP]);
  n->shape[2] = nn_conv_transpose_out_size (x->shape[2], w->shape[1], n->ip[NN_CONV_STRIDE_W],
                                            n->ip[NN_CONV_DIL_W], same,
                                            &n->ip[NN_CONV_PAD_LEFT]);
  n->shape[3] = w->shape[2];
  gather_choose (n, w->shape[0], w->shape[1]);
  TgPlan p = transpose_plan (g, n);
  n->ip[NN_CONV_GATHER] = p.gather;
  n->aux_size = p.mask_off;
  /* the fused ReLU's masked output gradient */
  if (n->ip[NN_CONV_ACT] == NN_CONV_ACT_RELU && nn_conv_will_have_grad (g, n))
    n->aux_size += (size_t) n->shape[0] * (size_t) n->shape[1] * (size_t) n->shape[2]
                   * (size_t) n->shape[3];
}

/* ---- forward, gather form ---------------------------------------------- */

typedef struct {
  const TgPlan *p;
  NnNode *n;
  const float *x, *b;
  float *packed;
  size_t pack_off[TG_MAX_STRIDE * TG_MAX_STRIDE];
  int relu, runs;
} GatherJob;

/* Each parity's kernel as a (taps * Cin, Cout) matrix, its taps in window
 * order, B[(a, c, ci), co] = W[tap_h[a], tap_w[c], co, ci], packed for the
 * direct kernel (the unpacked matrix goes through the end of the area). */
static void
gather_pack (GatherJob *j, const float *w)
{
  const TgPlan *p = j->p;
  size_t cin = (size_t) p->cin, cout = (size_t) p->cout;
  float *tmp = j->packed + p->packed - p->kmax * cout;
  size_t off = 0;
  for (int cls = 0; cls < p->classes; cls++)
    {
      const TgAxis *ah = &p->ah[cls / p->q.sw], *aw = &p->aw[cls % p->q.sw];
      float *dst = tmp;
      for (int a = 0; a < ah->n_taps; a++)
        for (int c = 0; c < aw->n_taps; c++)
          {
            const float *wt = w + ((size_t) ah->tap[a] * (size_t) p->q.kw
                                   + (size_t) aw->tap[c]) * cout * cin;
            for (size_t ci = 0; ci < cin; ci++)
              for (size_t co = 0; co < cout; co++)
                *dst++ = wt[co * cin + ci];
          }
      size_t k = (size_t) ah->n_taps * (size_t) aw->n_taps * cin;
      j->pack_off[cls] = off;
      nn_direct_pack (tmp, k, cout, j->packed + off);
      off += nn_direct_packed_floats (k, cout);
    }
}

/* Position (b, ty, tx) of gather row r of a parity whose grid is
 * (nh, nw), stepped on in place. */
typedef struct {
  size_t b;
  int ty, tx;
} TgPos;

static inline TgPos
tg_pos (size_t r, int nh, int nw)
{
  size_t per = (size_t) nh * (size_t) nw, rem = r % per;
  TgPos p = { r / per, (int) (rem / (size_t) nw), (int) (rem % (size_t) nw) };
  return p;
}

static inline void
tg_next (TgPos *p, int nh, int nw)
{
  if (++p->tx < nw)
    return;
  p->tx = 0;
  if (++p->ty < nh)
    return;
  p->ty = 0;
  p->b++;
}

/* Rows [r0, r0 + m) of a parity no tap reaches: act (b), or zeros. */
static void
gather_store_bias (const GatherJob *j, int cls, size_t r0, size_t m)
{
  const TgPlan *p = j->p;
  int ry = cls / p->q.sw, rx = cls % p->q.sw;
  const TgAxis *ah = &p->ah[ry], *aw = &p->aw[rx];
  size_t cout = (size_t) p->cout;
  size_t oh = (size_t) j->n->shape[1], ow = (size_t) j->n->shape[2];
  TgPos pos = tg_pos (r0, ah->n_out, aw->n_out);
  for (size_t r = 0; r < m; r++, tg_next (&pos, ah->n_out, aw->n_out))
    {
      size_t oy = (size_t) ry + (size_t) p->q.sh * (size_t) pos.ty;
      size_t ox = (size_t) rx + (size_t) p->q.sw * (size_t) pos.tx;
      float *dst = j->n->value + ((pos.b * oh + oy) * ow + ox) * cout;
      for (size_t co = 0; co < cout; co++)
        {
          float v = j->b ? j->b[co] : 0.0f;
          dst[co] = j->relu && v < 0.0f ? 0.0f : v;
        }
    }
}

/* Task = (run of images, parity): the pixels it writes are its own. */
static void
gather_task (void *data, int task, int thread)
{
  const GatherJob *j = data;
  const TgPlan *p = j->p;
  int cls = task % p->classes;
  NnWindows w = tg_windows (p, cls, j->x);
  size_t first, last;
  nn_split_range ((size_t) j->n->shape[0], j->runs, task / p->classes, &first, &last);
  size_t per = (size_t) w.oh * (size_t) w.ow, end = last * per;
  if (w.kh == 0 || w.kw == 0)
    {
      /* no tap reaches this parity: the bias alone */
      gather_store_bias (j, cls, first * per, end - first * per);
      return;
    }
  /* The parity's rows straight to their pixels, bias and ReLU as they
   * are stored: row (b, ty, tx) is pixel (b, ry + sh ty, rx + sw tx). */
  size_t cout = (size_t) p->cout, ow = (size_t) j->n->shape[2];
  size_t img = (size_t) j->n->shape[1] * ow * cout;
  int ry = cls / p->q.sw, rx = cls % p->q.sw;
  TgPos pos = tg_pos (first * per, w.oh, w.ow);
  size_t r0_pixel = (size_t) (ry + p->q.sh * pos.ty) * ow + (size_t) (rx + p->q.sw * pos.tx);
  NnPlace pl = { j->n->value + pos.b * img + r0_pixel * cout, img,
                 (size_t) p->q.sh * ow * cout, (size_t) p->q.sw * cout };
  nn_direct_rows_placed (&w, first * per, end - first * per, j->packed + j->pack_off[cls],
                         p->cout, j->b, j->relu, 0, &pl);
}

static void
gather_forward (NnGraph *g, NnNode *n, const TgPlan *p)
{
  GatherJob j;
  memset (&j, 0, sizeof j);
  j.p = p;
  j.n = n;
  j.x = nn_in (g, n, 0)->value;
  j.b = nn_conv_bias_value (g, n);
  j.relu = n->ip[NN_CONV_ACT] == NN_CONV_ACT_RELU;
  j.packed = n->aux;
  int threads = nn_parallel_threads ();
  j.runs = n->shape[0] < 4 * threads ? n->shape[0] : 4 * threads;
  if (j.runs < 1)
    return;
  gather_pack (&j, nn_in (g, n, 1)->value);
  nn_parallel_for (j.runs * p->classes, gather_task, &j);
}

/* ---- forward, scatter form --------------------------------------------- */

typedef struct {
  NnNode *n, *x, *w;
  Geom q;
  const float *b;
  int relu, cin, tasks;
  size_t chunk, in_rows, out_img;
} ScatterJob;

/* Images [first, last): each image's col2im only adds into that image, so
 * tasks on disjoint runs of images share nothing; every output sum adds
 * its terms in the order of the serial loop (rows in order). */
static void
scatter_task (void *data, int task, int thread)
{
  const ScatterJob *j = data;
  size_t first, last;
  nn_split_range ((size_t) j->n->shape[0], j->tasks, task, &first, &last);
  if (first >= last)
    return;
  float *y = j->n->value + first * j->out_img;
  size_t len = (last - first) * j->out_img;
  memset (y, 0, len * sizeof (float));
  float *col = j->n->aux + (size_t) thread * j->chunk * j->q.k;
  size_t end = last * j->in_rows;
  for (size_t r0 = first * j->in_rows; r0 < end; r0 += j->chunk)
    {
      size_t m = end - r0 < j->chunk ? end - r0 : j->chunk;
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) m, (int) j->q.k, j->cin, 1.0f,
                   j->x->value + r0 * (size_t) j->cin, j->cin, j->w->value, j->cin, 0.0f, col,
                   (int) j->q.k);
      nn_col2im_add (&j->q, col, r0, r0 + m, j->n->value);
    }
  if (j->b || j->relu)
    nn_conv_bias_act (y, len / (size_t) j->n->shape[3], (size_t) j->n->shape[3], j->b, j->relu);
}

static void
scatter_forward (NnGraph *g, NnNode *n, const TgPlan *p)
{
  ScatterJob j = { 0 };
  j.n = n;
  j.x = nn_in (g, n, 0);
  j.w = nn_in (g, n, 1);
  j.q = p->q;
  j.cin = p->cin;
  j.in_rows = (size_t) j.x->shape[1] * (size_t) j.x->shape[2];
  j.out_img = (size_t) n->shape[1] * (size_t) n->shape[2] * (size_t) n->shape[3];
  size_t rows = (size_t) n->shape[0] * j.in_rows;
  j.chunk = nn_conv_chunk_rows (j.q.k, rows);
  j.b = nn_conv_bias_value (g, n);
  j.relu = n->ip[NN_CONV_ACT] == NN_CONV_ACT_RELU;
  int threads = nn_parallel_threads ();
  j.tasks = n->shape[0] < 4 * threads ? n->shape[0] : 4 * threads;
  if (rows == 0 || j.tasks < 1)
    return;
  nn_parallel_for (j.tasks, scatter_task, &j);
}

static void
transpose_forward (NnGraph *g, NnNode *n)
{
  TgPlan p = transpose_plan (g, n);
  if (p.gather)
    gather_forward (g, n, &p);
  else
    scatter_forward (g, n, &p);
}

/* ---- backward ---------------------------------------------------------- */

static void
transpose_backward (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, 0), *w = nn_in (g, n, 1);
  TgPlan p = transpose_plan (g, n);
  Geom q = p.q;
  int cin = x->shape[3];
  size_t rows = (size_t) x->shape[0] * (size_t) x->shape[1] * (size_t) x->shape[2];
  size_t chunk = nn_conv_chunk_rows (q.k, rows);
  const float *dz = n->grad;
  if (n->ip[NN_CONV_ACT] == NN_CONV_ACT_RELU)
    {
      float *masked = n->aux + p.mask_off;
      nn_conv_relu_mask (n->grad, n->value, n->size, masked);
      dz = masked;
    }
  float *db = nn_conv_bias_grad (g, n);
  if (db)
    nn_conv_sum_rows (dz, n->size / (size_t) n->shape[3], (size_t) n->shape[3], db);
  if (!x->grad && !w->grad)
    return;
  for (size_t r0 = 0; r0 < rows; r0 += chunk)
    {
      size_t m = rows - r0 < chunk ? rows - r0 : chunk;
      nn_im2col (&q, dz, r0, r0 + m, n->aux);
      if (x->grad)
        nn_sgemm (CblasNoTrans, CblasNoTrans, (int) m, cin, (int) q.k,
                  1.0f, n->aux, (int) q.k, w->value, cin, 1.0f,
                  x->grad + r0 * (size_t) cin, cin);
      if (w->grad)
        nn_sgemm (CblasTrans, CblasNoTrans, (int) q.k, cin, (int) m,
                  1.0f, n->aux, (int) q.k, x->value + r0 * (size_t) cin, cin, 1.0f,
                  w->grad, cin);
    }
}

const NnOpInfo nn_op_conv2d_transpose_info = {
  "conv2d_transpose", transpose_shape, transpose_forward, transpose_backward
};
