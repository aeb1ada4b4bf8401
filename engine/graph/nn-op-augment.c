/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Image augmentation: seeded random flips, rotations, zooms, shifts and
 * brightness changes of float images (B, H, W, C).
 *
 * Each image gets one affine map drawn from the generator. Output pixel
 * centre p (relative to the image centre) reads the input at
 *   q = F z R(-theta) (p - s)
 * (s the shift, z the zoom, F the flips), bilinearly; where q falls outside
 * the image the fill mode decides (reflect, constant or nearest, as Keras).
 * Brightness then adds one delta per image, clipped to the value range.
 *
 * NN_OP_AUGMENT runs one kind of transform (one Keras layer) on a training
 * batch and is the identity otherwise. Its backward pass is the exact
 * adjoint of the sampling (the same bilinear weights, scattered), so
 * gradients can flow through it like through any op. */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn-conv-private.h"

void
nn_augment_init (NnAugment *a)
{
  memset (a, 0, sizeof *a);
  a->value_min = 0.0;
  a->value_max = 1.0;
  a->fill_mode = NN_FILL_REFLECT;
}

size_t
nn_augment_scratch_size (int height, int width, int channels)
{
  return (size_t) height * (size_t) width * (size_t) channels;
}

/* One image's draw. */
typedef struct {
  int   flip_h, flip_v;
  float cos_t, sin_t, zoom, shift_x, shift_y;   /* shifts in pixels */
  float delta;                                   /* brightness */
} Draw;

enum { DRAW_FLOATS = 8 };

static void
draw_pack (const Draw *d, float *out)
{
  out[0] = (float) (d->flip_h + 2 * d->flip_v);
  out[1] = d->cos_t;
  out[2] = d->sin_t;
  out[3] = d->zoom;
  out[4] = d->shift_x;
  out[5] = d->shift_y;
  out[6] = d->delta;
  out[7] = 0;
}

static Draw
draw_unpack (const float *in)
{
  int flips = (int) in[0];
  return (Draw) { flips & 1, (flips >> 1) & 1, in[1], in[2], in[3], in[4], in[5], in[6] };
}

static float
symmetric (NnRng *rng, double max)
{
  return (float) ((2.0 * nn_rng_uniform (rng) - 1.0) * max);
}

/* Draws only for the transforms that are on, so turning one on does not
 * change the others' stream order more than it must. */
static Draw
draw_new (const NnAugment *a, NnRng *rng, int h, int w)
{
  Draw d = { 0, 0, 1.0f, 0.0f, 1.0f, 0.0f, 0.0f, 0.0f };
  if (a->flip_horizontal)
    d.flip_h = nn_rng_uniform (rng) < 0.5f;
  if (a->flip_vertical)
    d.flip_v = nn_rng_uniform (rng) < 0.5f;
  if (a->rotation > 0)
    {
      double t = symmetric (rng, a->rotation) * 2.0 * M_PI;
      d.cos_t = (float) cos (t);
      d.sin_t = (float) sin (t);
    }
  if (a->zoom > 0)
    d.zoom = 1.0f + symmetric (rng, a->zoom);
  if (a->shift_height > 0)
    d.shift_y = symmetric (rng, a->shift_height) * (float) h;
  if (a->shift_width > 0)
    d.shift_x = symmetric (rng, a->shift_width) * (float) w;
  if (a->brightness > 0)
    d.delta = symmetric (rng, a->brightness) * (float) (a->value_max - a->value_min);
  return d;
}

static int
draw_is_pure_flip (const Draw *d)
{
  return d->cos_t == 1.0f && d->sin_t == 0.0f && d->zoom == 1.0f && d->shift_x == 0.0f
         && d->shift_y == 0.0f;
}

/* Maps an integer tap index into [0, n) per fill mode; -1: the fill value. */
static inline int
fold (int i, int n, NnFillMode mode)
{
  if (i >= 0 && i < n)
    return i;
  switch (mode)
    {
    case NN_FILL_NEAREST:
      return i < 0 ? 0 : n - 1;
    case NN_FILL_REFLECT:
      {
        /* d c b a | a b c d | d c b a */
        int period = 2 * n;
        int m = i % period;
        if (m < 0)
          m += period;
        return m < n ? m : period - 1 - m;
      }
    case NN_FILL_CONSTANT:
    default:
      return -1;
    }
}

/* The four bilinear taps of output pixel (x, y): indices into the image
 * (pixel units; -1 = fill) and weights. */
static inline void
taps (const Draw *d, int x, int y, int h, int w, NnFillMode mode, int idx[4], float wt[4])
{
  float cx = 0.5f * (float) w, cy = 0.5f * (float) h;
  float px = (float) x + 0.5f - cx - d->shift_x;
  float py = (float) y + 0.5f - cy - d->shift_y;
  /* R(-theta), then zoom */
  float qx = d->zoom * (d->cos_t * px + d->sin_t * py);
  float qy = d->zoom * (-d->sin_t * px + d->cos_t * py);
  if (d->flip_h)
    qx = -qx;
  if (d->flip_v)
    qy = -qy;
  float sx = qx + cx - 0.5f, sy = qy + cy - 0.5f;
  float fx0 = floorf (sx), fy0 = floorf (sy);
  float ax = sx - fx0, ay = sy - fy0;
  int x0 = (int) fx0, y0 = (int) fy0;
  int xs[2] = { fold (x0, w, mode), fold (x0 + 1, w, mode) };
  int ys[2] = { fold (y0, h, mode), fold (y0 + 1, h, mode) };
  float wx[2] = { 1.0f - ax, ax }, wy[2] = { 1.0f - ay, ay };
  for (int j = 0; j < 2; j++)
    for (int i = 0; i < 2; i++)
      {
        idx[2 * j + i] = xs[i] < 0 || ys[j] < 0 ? -1 : ys[j] * w + xs[i];
        wt[2 * j + i] = wx[i] * wy[j];
      }
}

/* dst = the transformed src (one image, h x w x c). */
static void
warp (const Draw *d, const float *src, float *dst, int h, int w, int c, NnFillMode mode,
      float fill)
{
  if (draw_is_pure_flip (d))
    {
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          {
            int sx = d->flip_h ? w - 1 - x : x, sy = d->flip_v ? h - 1 - y : y;
            memcpy (dst + ((size_t) y * w + x) * c, src + ((size_t) sy * w + sx) * c,
                    (size_t) c * sizeof (float));
          }
      return;
    }
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        int idx[4];
        float wt[4];
        taps (d, x, y, h, w, mode, idx, wt);
        float *o = dst + ((size_t) y * w + x) * c;
        for (int k = 0; k < c; k++)
          o[k] = 0.0f;
        for (int t = 0; t < 4; t++)
          {
            if (wt[t] == 0.0f)
              continue;
            if (idx[t] < 0)
              for (int k = 0; k < c; k++)
                o[k] += wt[t] * fill;
            else
              {
                const float *s = src + (size_t) idx[t] * c;
                for (int k = 0; k < c; k++)
                  o[k] += wt[t] * s[k];
              }
          }
      }
}

/* dsrc += the adjoint of warp applied to ddst. */
static void
warp_adjoint (const Draw *d, const float *ddst, float *dsrc, int h, int w, int c,
              NnFillMode mode)
{
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        const float *g = ddst + ((size_t) y * w + x) * c;
        if (draw_is_pure_flip (d))
          {
            int sx = d->flip_h ? w - 1 - x : x, sy = d->flip_v ? h - 1 - y : y;
            float *o = dsrc + ((size_t) sy * w + sx) * c;
            for (int k = 0; k < c; k++)
              o[k] += g[k];
            continue;
          }
        int idx[4];
        float wt[4];
        taps (d, x, y, h, w, mode, idx, wt);
        for (int t = 0; t < 4; t++)
          if (idx[t] >= 0 && wt[t] != 0.0f)
            {
              float *o = dsrc + (size_t) idx[t] * c;
              for (int k = 0; k < c; k++)
                o[k] += wt[t] * g[k];
            }
      }
}

static void
brighten (float *img, size_t n, float delta, float lo, float hi)
{
  for (size_t i = 0; i < n; i++)
    {
      float v = img[i] + delta;
      img[i] = v < lo ? lo : v > hi ? hi : v;
    }
}

void
nn_augment_batch (const NnAugment *a, NnRng *rng, float *images, int batch, int height,
                  int width, int channels, float *scratch)
{
  assert (a && rng && images);
  size_t img = nn_augment_scratch_size (height, width, channels);
  float *tmp = scratch ? scratch : malloc (img * sizeof (float));
  if (!tmp)
    return;   /* no memory for the scratch image: the batch stays as it is */
  for (int b = 0; b < batch; b++)
    {
      float *x = images + (size_t) b * img;
      Draw d = draw_new (a, rng, height, width);
      if (!draw_is_pure_flip (&d) || d.flip_h || d.flip_v)
        {
          memcpy (tmp, x, img * sizeof (float));
          warp (&d, tmp, x, height, width, channels, a->fill_mode, a->fill_value);
        }
      if (d.delta != 0.0f)
        brighten (x, img, d.delta, (float) a->value_min, (float) a->value_max);
    }
  if (!scratch)
    free (tmp);
}

/* ---- NN_OP_AUGMENT ----------------------------------------------------- */

/* The node's transform: ip[NN_AUG_KIND] and fp as documented in
 * nn-conv-private.h. */
static void
node_augment (const NnNode *n, NnAugment *a)
{
  nn_augment_init (a);
  a->fill_mode = (NnFillMode) n->ip[NN_AUG_FILL];
  switch (n->ip[NN_AUG_KIND])
    {
    case NN_AUG_FLIP:
      a->flip_horizontal = n->ip[NN_AUG_FLIP_H];
      a->flip_vertical = n->ip[NN_AUG_FLIP_V];
      break;
    case NN_AUG_ROTATION:
      a->rotation = n->fp[0];
      a->fill_value = n->fp[2];
      break;
    case NN_AUG_ZOOM:
      a->zoom = n->fp[0];
      a->fill_value = n->fp[2];
      break;
    case NN_AUG_TRANSLATION:
      a->shift_height = n->fp[0];
      a->shift_width = n->fp[1];
      a->fill_value = n->fp[2];
      break;
    case NN_AUG_BRIGHTNESS:
      a->brightness = n->fp[0];
      a->value_min = n->fp[2];
      a->value_max = n->fp[3];
      break;
    default:
      break;
    }
}

static void
augment_shape (NnGraph *g, NnNode *n)
{
  nn_shape_like_input (g, n);
  n->aux_size = (size_t) n->shape[0] * DRAW_FLOATS;
}

static void
augment_forward (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, 0);
  if (!g->training || !g->rng)
    {
      memcpy (n->value, x->value, n->size * sizeof (float));
      return;
    }
  NnAugment a;
  node_augment (n, &a);
  int h = n->shape[1], w = n->shape[2], c = n->shape[3];
  size_t img = (size_t) h * w * c;
  for (int b = 0; b < n->shape[0]; b++)
    {
      Draw d = draw_new (&a, g->rng, h, w);
      draw_pack (&d, n->aux + (size_t) b * DRAW_FLOATS);
      warp (&d, x->value + b * img, n->value + b * img, h, w, c, a.fill_mode, a.fill_value);
      if (d.delta != 0.0f)
        brighten (n->value + b * img, img, d.delta, (float) a.value_min, (float) a.value_max);
    }
}

static void
augment_backward (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, 0);
  if (!x->grad)
    return;
  if (!g->training || !g->rng)
    {
      for (size_t i = 0; i < n->size; i++)
        x->grad[i] += n->grad[i];
      return;
    }
  NnAugment a;
  node_augment (n, &a);
  int h = n->shape[1], w = n->shape[2], c = n->shape[3];
  size_t img = (size_t) h * w * c;
  for (int b = 0; b < n->shape[0]; b++)
    {
      Draw d = draw_unpack (n->aux + (size_t) b * DRAW_FLOATS);
      float *gy = n->grad + b * img;
      if (d.delta != 0.0f)
        {
          /* clipped outputs do not depend on the input (masked in place:
           * nothing reads this node's gradient after its backward) */
          const float *y = n->value + b * img;
          for (size_t i = 0; i < img; i++)
            if (y[i] <= (float) a.value_min || y[i] >= (float) a.value_max)
              gy[i] = 0.0f;
        }
      warp_adjoint (&d, gy, x->grad + b * img, h, w, c, a.fill_mode);
    }
}

const NnOpInfo nn_op_augment_info = {
  "augment", augment_shape, augment_forward, augment_backward
};
