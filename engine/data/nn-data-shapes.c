/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nn-data-shapes.c: "shapes", a generated localization set. Each sample is
 * a gray image of faint uniform noise holding one bright shape at a random
 * place: a square (class 0, filled or outlined), a cross (class 1, a plus
 * sign) or a ring (class 2, a circle's outline). The class is the shape,
 * so the evidence for it is known to the pixel: every sample keeps the
 * bounding box of its shape (nn_dataset_get_box), which is what a heat map
 * of the model's decision should point at. Everything comes from one
 * seeded NnRng: the same seed gives the same images in the same order. */
#define G_LOG_DOMAIN "nn-data"

#include "nn-data-private.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#define SHAPES_MIN_N      3
#define SHAPES_MAX_N      1000000
/* Shapes are 7 to 11 pixels wide and keep one pixel off the border; 16
 * leaves the largest of them a few places to move to. */
#define SHAPE_MIN_SIDE    7
#define SHAPE_MAX_SIDE    11
#define SHAPES_MIN_SIZE   16
#define SHAPES_MAX_SIZE   256
/* The shape's pixels are drawn from [0.8, 1] of full scale, above any noise
 * the spec allows (noise ≤ 0.75). */
#define SHAPE_LEVEL_MIN   204
#define SHAPE_LEVEL_SPAN  52

static const char *const shape_class_names[] = { "square", "cross", "ring" };

/* Whether pixel (x, y) of a side × side patch belongs to the shape. The
 * variant picks a square's fill or a cross's thickness. */
static gboolean
shape_covers (int shape,
              int side,
              int variant,
              int x,
              int y)
{
  switch (shape)
    {
    case 0:
      /* Square: filled, or a one-pixel outline. */
      if (variant == 0)
        return TRUE;
      return x == 0 || y == 0 || x == side - 1 || y == side - 1;
    case 1:
      {
        /* Cross: a plus sign, side odd, arms 1 or 3 pixels thick. */
        int c = side / 2, half = variant == 0 ? 0 : 1;
        return abs (x - c) <= half || abs (y - c) <= half;
      }
    case 2:
    default:
      {
        /* Ring: the pixels whose centres lie within 0.6 of the circle
         * through the middle of the patch's edge pixels. */
        double r = (side - 1) / 2.0;
        double d = hypot (x - r, y - r);
        (void) variant;
        return fabs (d - r) <= 0.6;
      }
    }
}

/* Draws sample i: noise in [0, noise_level], then the shape. box gets the
 * drawn pixels' bounding box (x0, y0, x1, y1, inclusive). */
static void
shapes_draw (guint8  *img,
             int      size,
             int      shape,
             int      noise_level,
             NnRng   *rng,
             int     *box)
{
  const size_t pixels = (size_t) size * size;
  int side, variant, x0, y0;

  for (size_t p = 0; p < pixels; p++)
    img[p] = noise_level > 0 ? (guint8) nn_rng_below (rng, (guint32) noise_level + 1) : 0;

  /* Crosses and rings look their part only with a middle pixel: odd sides. */
  if (shape == 0)
    side = SHAPE_MIN_SIDE + (int) nn_rng_below (rng, SHAPE_MAX_SIDE - SHAPE_MIN_SIDE + 1);
  else
    side = SHAPE_MIN_SIDE + 2 * (int) nn_rng_below (rng, (SHAPE_MAX_SIDE - SHAPE_MIN_SIDE) / 2 + 1);
  variant = (int) nn_rng_below (rng, 2);
  /* One pixel of noise all around: never cut by the border. */
  x0 = 1 + (int) nn_rng_below (rng, (guint32) (size - side - 1));
  y0 = 1 + (int) nn_rng_below (rng, (guint32) (size - side - 1));

  box[0] = size;
  box[1] = size;
  box[2] = -1;
  box[3] = -1;
  for (int y = 0; y < side; y++)
    for (int x = 0; x < side; x++)
      {
        int px = x0 + x, py = y0 + y;

        if (!shape_covers (shape, side, variant, x, y))
          continue;
        img[(size_t) py * size + px] = (guint8) (SHAPE_LEVEL_MIN + nn_rng_below (rng, SHAPE_LEVEL_SPAN));
        box[0] = MIN (box[0], px);
        box[1] = MIN (box[1], py);
        box[2] = MAX (box[2], px);
        box[3] = MAX (box[3], py);
      }
  g_assert (box[2] >= box[0] && box[3] >= box[1]);
}

NnDataset *
nn_dataset_new_shapes (size_t    n,
                       int       size,
                       double    noise,
                       guint64   seed,
                       GError  **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (n < SHAPES_MIN_N || n > SHAPES_MAX_N)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                   _("shapes takes %d to %d samples (n=), not %zu"),
                   SHAPES_MIN_N, SHAPES_MAX_N, n);
      return NULL;
    }
  if (size < SHAPES_MIN_SIZE || size > SHAPES_MAX_SIZE)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                   _("shapes takes images of %d to %d pixels a side (size=), not %d: its "
                   "shapes are up to %d pixels wide and need room to move"),
                   SHAPES_MIN_SIZE, SHAPES_MAX_SIZE, size, SHAPE_MAX_SIDE);
      return NULL;
    }
  if ((guint64) n * (guint64) size * (guint64) size > NN_DATA_MAX_ELEMENTS)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                   "shapes: %zu images of %d×%d pixels are more than %" G_GUINT64_FORMAT
                   " values; lower n or size (at size=%d, n up to %" G_GUINT64_FORMAT ")",
                   n, size, size, (guint64) NN_DATA_MAX_ELEMENTS, size,
                   (guint64) NN_DATA_MAX_ELEMENTS / ((guint64) size * size));
      return NULL;
    }
  if (!(noise >= 0 && noise <= 0.75))
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                   _("shapes takes a noise level (noise=) from 0 to 0.75, below its shapes' "
                   "brightness of 0.8 to 1, not %g"), noise);
      return NULL;
    }

  int xshape[3] = { size, size, 1 };
  g_autoptr(NnArray) x = nn_array_new ("images", NN_DTYPE_U8, 3, xshape, n, error);
  if (x == NULL)
    return NULL;
  g_autoptr(NnArray) y = nn_array_new ("labels", NN_DTYPE_I32, 0, NULL, n, error);
  if (y == NULL)
    return NULL;
  g_autofree int *boxes = g_try_new (int, 4 * n);
  if (boxes == NULL)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                   _("shapes: not enough memory for the boxes of %zu samples"), n);
      return NULL;
    }

  NnRng rng;
  nn_rng_seed (&rng, seed);

  /* Exactly balanced classes (n / 3 each, the first n % 3 one more), in
   * shuffled order, so the held-out tail is a fair sample. */
  gint32 *lab = y->data;
  for (size_t i = 0; i < n; i++)
    lab[i] = (gint32) (i % G_N_ELEMENTS (shape_class_names));
  nn_rng_shuffle (&rng, (guint32 *) lab, n);

  const int noise_level = (int) lround (noise * 255);
  guint8 *img = x->data;
  for (size_t i = 0; i < n; i++)
    shapes_draw (img + i * (size_t) size * size, size, lab[i], noise_level, &rng, boxes + 4 * i);

  /* Pixels stay uint8; every batch reads them as value / 255. */
  nn_array_set_uniform_scale (x, 1.f / 255.f, 0.f);

  NnDataset *ds = nn_dataset_alloc ("shapes", 1, 1);
  ds->n = n;
  ds->inputs[0] = g_steal_pointer (&x);
  ds->targets[0] = g_steal_pointer (&y);
  ds->boxes = g_steal_pointer (&boxes);
  ds->n_classes = G_N_ELEMENTS (shape_class_names);
  ds->class_names = g_new0 (char *, ds->n_classes + 1);
  for (int c = 0; c < ds->n_classes; c++)
    ds->class_names[c] = g_strdup (shape_class_names[c]);
  nn_dataset_split_tail (ds, (size_t) floor ((double) n * 0.2 + 0.5));
  return ds;
}
