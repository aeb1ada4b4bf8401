/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Image augmentation (nn_augment_batch): identity when off, seeded and
 * reproducible, and each transform doing what it says: flips mirror,
 * rotations and zooms keep the centre, shifts move content by at most the
 * bound, brightness moves a whole image by one clipped delta. The layers
 * are checked in test-conv-layers, the op's gradient in test-conv. */
#include <math.h>
#include <string.h>

#include "nn.h"

#define H 9
#define W 7
#define C 2
#define IMG (H * W * C)

static void
fill_pattern (float *x, int batch)
{
  for (int b = 0; b < batch; b++)
    for (int i = 0; i < IMG; i++)
      x[b * IMG + i] = (float) ((i * 13 + b * 7) % 17) / 17.0f;
}

static gboolean
same (const float *a, const float *b, size_t n)
{
  return memcmp (a, b, n * sizeof (float)) == 0;
}

static void
test_identity (void)
{
  NnAugment a;
  nn_augment_init (&a);
  float x[4 * IMG], ref[4 * IMG];
  fill_pattern (x, 4);
  memcpy (ref, x, sizeof x);
  NnRng rng;
  nn_rng_seed (&rng, 1);
  nn_augment_batch (&a, &rng, x, 4, H, W, C, NULL);
  g_assert_true (same (x, ref, 4 * IMG));
  g_assert_cmpuint (nn_augment_scratch_size (H, W, C), ==, IMG);
}

static void
test_seeded (void)
{
  NnAugment a;
  nn_augment_init (&a);
  a.flip_horizontal = TRUE;
  a.rotation = 0.1;
  a.zoom = 0.2;
  a.shift_height = a.shift_width = 0.1;
  a.brightness = 0.1;
  float x1[8 * IMG], x2[8 * IMG], x3[8 * IMG], orig[8 * IMG], scratch[IMG];
  fill_pattern (orig, 8);
  memcpy (x1, orig, sizeof orig);
  memcpy (x2, orig, sizeof orig);
  memcpy (x3, orig, sizeof orig);
  NnRng r1, r2, r3;
  nn_rng_seed (&r1, 42);
  nn_rng_seed (&r2, 42);
  nn_rng_seed (&r3, 43);
  nn_augment_batch (&a, &r1, x1, 8, H, W, C, scratch);
  nn_augment_batch (&a, &r2, x2, 8, H, W, C, NULL);
  nn_augment_batch (&a, &r3, x3, 8, H, W, C, scratch);
  g_assert_true (same (x1, x2, 8 * IMG));
  g_assert_false (same (x1, x3, 8 * IMG));
  g_assert_false (same (x1, orig, 8 * IMG));
  for (int i = 0; i < 8 * IMG; i++)
    g_assert_true (isfinite (x1[i]) && x1[i] >= 0.0f && x1[i] <= 1.0f);
}

static void
test_flips (void)
{
  NnAugment a;
  nn_augment_init (&a);
  a.flip_horizontal = TRUE;
  enum { B = 32 };
  static float x[B * IMG], orig[B * IMG];
  fill_pattern (orig, B);
  memcpy (x, orig, sizeof x);
  NnRng rng;
  nn_rng_seed (&rng, 3);
  nn_augment_batch (&a, &rng, x, B, H, W, C, NULL);
  int flipped = 0;
  for (int b = 0; b < B; b++)
    {
      const float *o = orig + b * IMG, *y = x + b * IMG;
      gboolean is_same = same (o, y, IMG), is_mirror = TRUE;
      for (int r = 0; r < H; r++)
        for (int c = 0; c < W; c++)
          for (int k = 0; k < C; k++)
            is_mirror &= y[(r * W + c) * C + k] == o[(r * W + (W - 1 - c)) * C + k];
      g_assert_true (is_same || is_mirror);
      flipped += !is_same;
    }
  /* 32 coin flips */
  g_assert_cmpint (flipped, >, 4);
  g_assert_cmpint (flipped, <, 28);

  /* vertical: rows reversed */
  nn_augment_init (&a);
  a.flip_vertical = TRUE;
  memcpy (x, orig, sizeof x);
  nn_augment_batch (&a, &rng, x, B, H, W, C, NULL);
  for (int b = 0; b < B; b++)
    {
      const float *o = orig + b * IMG, *y = x + b * IMG;
      gboolean is_mirror = TRUE;
      for (int r = 0; r < H; r++)
        is_mirror &= same (y + r * W * C, o + (H - 1 - r) * W * C, W * C);
      g_assert_true (same (o, y, IMG) || is_mirror);
    }
}

/* Rotation and zoom about the centre leave the centre pixel of an
 * odd-sized image unchanged; a constant image stays constant under the
 * reflect fill; with a constant fill the rotated corners show it. */
static void
test_rotation_zoom (void)
{
  for (int kind = 0; kind < 2; kind++)
    {
      NnAugment a;
      nn_augment_init (&a);
      if (kind == 0)
        a.rotation = 0.2;
      else
        a.zoom = 0.5;
      enum { B = 16 };
      static float x[B * IMG], orig[B * IMG];
      fill_pattern (orig, B);
      memcpy (x, orig, sizeof x);
      NnRng rng;
      nn_rng_seed (&rng, 9 + kind);
      nn_augment_batch (&a, &rng, x, B, H, W, C, NULL);
      int changed = 0;
      for (int b = 0; b < B; b++)
        {
          size_t centre = (size_t) b * IMG + ((H / 2) * W + W / 2) * C;
          for (int k = 0; k < C; k++)
            g_assert_cmpfloat_with_epsilon (x[centre + k], orig[centre + k], 1e-5);
          changed += !same (x + b * IMG, orig + b * IMG, IMG);
        }
      g_assert_cmpint (changed, >, B / 2);

      /* constant image, reflect fill: unchanged */
      for (int i = 0; i < B * IMG; i++)
        x[i] = 0.25f;
      nn_augment_batch (&a, &rng, x, B, H, W, C, NULL);
      for (int i = 0; i < B * IMG; i++)
        g_assert_cmpfloat_with_epsilon (x[i], 0.25f, 1e-5);
    }

  /* rotation with a constant fill of -1: some corner reads outside */
  NnAugment a;
  nn_augment_init (&a);
  a.rotation = 0.125;
  a.fill_mode = NN_FILL_CONSTANT;
  a.fill_value = -1.0f;
  enum { B = 16 };
  static float x[B * IMG];
  for (int i = 0; i < B * IMG; i++)
    x[i] = 0.5f;
  NnRng rng;
  nn_rng_seed (&rng, 5);
  nn_augment_batch (&a, &rng, x, B, H, W, C, NULL);
  int filled = 0;
  for (int i = 0; i < B * IMG; i++)
    {
      g_assert_cmpfloat (x[i], >=, -1.0f - 1e-5f);
      g_assert_cmpfloat (x[i], <=, 0.5f + 1e-5f);
      filled += x[i] < 0.4f;
    }
  g_assert_cmpint (filled, >, 0);
}

/* One bright pixel moves by at most the largest shift, and with nearest
 * fill the image keeps its values' range. */
static void
test_translation (void)
{
  NnAugment a;
  nn_augment_init (&a);
  a.shift_height = 0.3;   /* up to 2.7 rows */
  a.shift_width = 0.2;    /* up to 1.4 columns */
  a.fill_mode = NN_FILL_CONSTANT;
  enum { B = 32, S = 21 };
  static float x[B * S * S];
  memset (x, 0, sizeof x);
  for (int b = 0; b < B; b++)
    x[b * S * S + (S / 2) * S + S / 2] = 1.0f;
  NnRng rng;
  nn_rng_seed (&rng, 11);
  nn_augment_batch (&a, &rng, x, B, S, S, 1, NULL);
  int moved = 0;
  for (int b = 0; b < B; b++)
    {
      double sum = 0, my = 0, mx = 0;
      for (int r = 0; r < S; r++)
        for (int c = 0; c < S; c++)
          {
            float v = x[b * S * S + r * S + c];
            sum += v;
            my += v * r;
            mx += v * c;
          }
      /* bilinear keeps the mass of a pixel that stays inside */
      g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-4);
      my /= sum;
      mx /= sum;
      g_assert_cmpfloat (fabs (my - S / 2), <=, 0.3 * S + 1e-4);
      g_assert_cmpfloat (fabs (mx - S / 2), <=, 0.2 * S + 1e-4);
      moved += fabs (my - S / 2) > 0.5 || fabs (mx - S / 2) > 0.5;
    }
  g_assert_cmpint (moved, >, B / 2);
}

static void
test_brightness (void)
{
  NnAugment a;
  nn_augment_init (&a);
  a.brightness = 0.2;
  enum { B = 32 };
  static float x[B * IMG];
  for (int b = 0; b < B; b++)
    for (int i = 0; i < IMG; i++)
      x[b * IMG + i] = i % 2 ? 0.5f : 0.95f;
  NnRng rng;
  nn_rng_seed (&rng, 13);
  nn_augment_batch (&a, &rng, x, B, H, W, C, NULL);
  int brighter = 0, darker = 0;
  for (int b = 0; b < B; b++)
    {
      float delta = x[b * IMG + 1] - 0.5f;
      g_assert_cmpfloat (fabsf (delta), <=, 0.2f + 1e-6f);
      brighter += delta > 0;
      darker += delta < 0;
      for (int i = 0; i < IMG; i++)
        {
          float want = i % 2 ? 0.5f + delta : fminf (0.95f + delta, 1.0f);
          g_assert_cmpfloat_with_epsilon (x[b * IMG + i], want, 1e-6);
        }
    }
  g_assert_cmpint (brighter, >, 4);
  g_assert_cmpint (darker, >, 4);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/augment/identity", test_identity);
  g_test_add_func ("/engine/augment/seeded", test_seeded);
  g_test_add_func ("/engine/augment/flips", test_flips);
  g_test_add_func ("/engine/augment/rotation-zoom", test_rotation_zoom);
  g_test_add_func ("/engine/augment/translation", test_translation);
  g_test_add_func ("/engine/augment/brightness", test_brightness);
  return g_test_run ();
}
