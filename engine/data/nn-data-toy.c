/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nn-data-toy.c: generated datasets. Two-feature classification sets
 * (spirals, moons, circles, XOR, blobs, a ring of Gaussians) that fit in [-1, 1]² and can be
 * drawn with their decision boundary, a smooth non-linear regression and a
 * two-input/two-output set. Everything comes from one seeded NnRng: the same
 * seed gives the same samples in the same order. */
#define G_LOG_DOMAIN "nn-data"

#include "nn-data-private.h"

#include <math.h>
#include <glib/gi18n-lib.h>

#define TOY_TEST_FRACTION 0.2
#define TOY_MAX_N         ((size_t) 1 << 30)

static size_t
test_count (size_t n)
{
  return (size_t) floor ((double) n * TOY_TEST_FRACTION + 0.5);
}

static int
toy_default_classes (NnToyKind kind)
{
  return kind == NN_TOY_BLOBS ? 3 : kind == NN_TOY_RING ? 8 : 2;
}

/* One point of class k of K; t is the class's running sample count so
 * spirals can spread their points along the arm. */
static void
toy_point (NnToyKind  kind,
           int        k,
           int        K,
           double     noise,
           NnRng     *rng,
           float     *xy)
{
  double x, y;
  switch (kind)
    {
    case NN_TOY_SPIRALS:
      {
        /* Arms start near the centre and wind 1.25 turns; noise bends the
         * angle, so it stays meaningful at every radius. */
        double t = nn_rng_uniform (rng);
        double r = 0.05 + 0.9 * t;
        double theta = 2 * G_PI * k / K + 2.5 * G_PI * t + noise * nn_rng_normal (rng);
        x = r * cos (theta);
        y = r * sin (theta);
      }
      break;
    case NN_TOY_MOONS:
      {
        /* Two interleaved half circles, scaled from [-1, 2] × [-0.5, 1]
         * into [-1, 1] × [-0.5, 0.5]. */
        double t = G_PI * nn_rng_uniform (rng);
        double mx = k == 0 ? cos (t) : 1 - cos (t);
        double my = k == 0 ? sin (t) : 0.5 - sin (t);
        x = (mx - 0.5) / 1.5 + noise * nn_rng_normal (rng);
        y = (my - 0.25) / 1.5 + noise * nn_rng_normal (rng);
      }
      break;
    case NN_TOY_CIRCLES:
      {
        /* Concentric rings, class 0 outermost (radius 1, then 0.5 for two). */
        double a = 2 * G_PI * nn_rng_uniform (rng);
        double r = (double) (K - k) / K;
        x = r * cos (a) + noise * nn_rng_normal (rng);
        y = r * sin (a) + noise * nn_rng_normal (rng);
      }
      break;
    case NN_TOY_XOR:
      {
        /* Class 1 where the signs differ; the label comes from the clean
         * point, so noise blurs the boundary instead of the labels. */
        double sx = nn_rng_uniform (rng) < 0.5 ? -1.0 : 1.0;
        double sy = k == 0 ? sx : -sx;
        x = sx * nn_rng_uniform (rng) + noise * nn_rng_normal (rng);
        y = sy * nn_rng_uniform (rng) + noise * nn_rng_normal (rng);
      }
      break;
    case NN_TOY_RING:
      {
        double a = 2 * G_PI * k / K;
        x = NN_TOY_RING_RADIUS * cos (a) + noise * nn_rng_normal (rng);
        y = NN_TOY_RING_RADIUS * sin (a) + noise * nn_rng_normal (rng);
      }
      break;
    case NN_TOY_BLOBS:
    default:
      {
        double a = 2 * G_PI * k / K + G_PI / 4;
        x = 0.6 * cos (a) + noise * nn_rng_normal (rng);
        y = 0.6 * sin (a) + noise * nn_rng_normal (rng);
      }
      break;
    }
  xy[0] = (float) x;
  xy[1] = (float) y;
}

static char **
numbered_class_names (int n)
{
  char **names = g_new0 (char *, n + 1);
  for (int c = 0; c < n; c++)
    names[c] = g_strdup_printf ("class %d", c);
  return names;
}

NnDataset *
nn_dataset_new_toy (NnToyKind   kind,
                    size_t      n,
                    double      noise,
                    int         n_classes,
                    guint64     seed,
                    GError    **error)
{
  static const char *const names[] = { "spirals", "moons", "circles", "xor", "blobs", "ring" };
  g_return_val_if_fail (kind <= NN_TOY_RING, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (n_classes <= 0)
    n_classes = toy_default_classes (kind);
  if (noise < 0)
    noise = kind == NN_TOY_SPIRALS ? 0.2 : kind == NN_TOY_RING ? 0.05 : 0.1;
  if ((kind == NN_TOY_MOONS || kind == NN_TOY_XOR) && n_classes != 2)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                   _("%s always has 2 classes, not %d"), names[kind], n_classes);
      return NULL;
    }
  if (n_classes > 32)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                   _("%s takes 2 to 32 classes, not %d"), names[kind], n_classes);
      return NULL;
    }
  if (n < 2 * (size_t) n_classes || n > TOY_MAX_N)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                   _("%s needs 2 to %zu samples per class: %zu samples for %d classes"),
                   names[kind], TOY_MAX_N / n_classes, n, n_classes);
      return NULL;
    }

  int xshape[1] = { 2 };
  g_autoptr(NnArray) x = nn_array_new ("points", NN_DTYPE_F32, 1, xshape, n, error);
  if (x == NULL)
    return NULL;
  g_autoptr(NnArray) y = nn_array_new ("labels", NN_DTYPE_I32, 0, NULL, n, error);
  if (y == NULL)
    return NULL;

  NnRng rng;
  nn_rng_seed (&rng, seed);

  /* Exactly balanced classes (n / K each, the first n % K one more), in
   * shuffled order, so the held-out tail is a fair sample. */
  gint32 *lab = y->data;
  for (size_t i = 0; i < n; i++)
    lab[i] = (gint32) (i % (size_t) n_classes);
  nn_rng_shuffle (&rng, (guint32 *) lab, n);

  float *xy = x->data;
  for (size_t i = 0; i < n; i++)
    toy_point (kind, lab[i], n_classes, noise, &rng, xy + 2 * i);

  NnDataset *ds = nn_dataset_alloc (names[kind], 1, 1);
  ds->n = n;
  ds->inputs[0] = g_steal_pointer (&x);
  ds->targets[0] = g_steal_pointer (&y);
  ds->n_classes = n_classes;
  ds->class_names = numbered_class_names (n_classes);
  nn_dataset_split_tail (ds, test_count (n));
  return ds;
}

NnDataset *
nn_dataset_new_regression (size_t    n,
                           int       features,
                           double    noise,
                           guint64   seed,
                           GError  **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (features < 1 || features > 4096 || n < 2 || n > TOY_MAX_N / (size_t) MAX (features, 1))
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                   _("regression takes 1 to 4096 features and at least 2 samples, "
                   "not %zu × %d"), n, features);
      return NULL;
    }
  if (noise < 0)
    noise = 0.1;

  int xshape[1] = { features }, yshape[1] = { 1 };
  g_autoptr(NnArray) x = nn_array_new ("features", NN_DTYPE_F32, 1, xshape, n, error);
  if (x == NULL)
    return NULL;
  g_autoptr(NnArray) y = nn_array_new ("target", NN_DTYPE_F32, 1, yshape, n, error);
  if (y == NULL)
    return NULL;

  NnRng rng;
  nn_rng_seed (&rng, seed);
  float *xd = x->data, *yd = y->data;
  const double norm = 1.0 / sqrt ((double) features);
  for (size_t i = 0; i < n; i++)
    {
      float *xi = xd + i * features;
      for (int j = 0; j < features; j++)
        xi[j] = 2.f * nn_rng_uniform (&rng) - 1.f;
      /* Each feature bends the target its own way (sin with per-feature
       * weights) and neighbours interact (products), so a linear model is
       * clearly beaten by a small MLP. The 1/sqrt(F) keeps the target's
       * spread near 1 for any F. */
      double v = 0;
      for (int j = 0; j < features; j++)
        {
          double w = 1.0 + 0.5 * cos ((double) j);
          v += w * sin (G_PI * xi[j]);
          if (features > 1)
            v += 0.75 * xi[j] * xi[(j + 1) % features];
        }
      yd[i] = (float) (v * norm + noise * nn_rng_normal (&rng));
    }

  NnDataset *ds = nn_dataset_alloc ("regression", 1, 1);
  ds->n = n;
  ds->inputs[0] = g_steal_pointer (&x);
  ds->targets[0] = g_steal_pointer (&y);
  nn_dataset_split_tail (ds, test_count (n));
  return ds;
}

NnDataset *
nn_dataset_new_twoinput (size_t    n,
                         guint64   seed,
                         GError  **error)
{
  enum { F = 8 };
  if (n < 2 || n > TOY_MAX_N / F)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                   _("twoinput takes 2 to %zu samples, not %zu"), TOY_MAX_N / F, n);
      return NULL;
    }

  int fshape[1] = { F }, vshape[1] = { 1 };
  g_autoptr(NnArray) a = nn_array_new ("a", NN_DTYPE_F32, 1, fshape, n, error);
  g_autoptr(NnArray) b = a ? nn_array_new ("b", NN_DTYPE_F32, 1, fshape, n, error) : NULL;
  g_autoptr(NnArray) cls = b ? nn_array_new ("class", NN_DTYPE_I32, 0, NULL, n, error) : NULL;
  g_autoptr(NnArray) val = cls ? nn_array_new ("value", NN_DTYPE_F32, 1, vshape, n, error) : NULL;
  if (val == NULL)
    return NULL;

  NnRng rng;
  nn_rng_seed (&rng, seed);
  float *ad = a->data, *bd = b->data, *vd = val->data;
  gint32 *cd = cls->data;
  for (size_t i = 0; i < n; i++)
    {
      float *ai = ad + i * F, *bi = bd + i * F;
      for (int j = 0; j < F; j++)
        ai[j] = 2.f * nn_rng_uniform (&rng) - 1.f;
      for (int j = 0; j < F; j++)
        bi[j] = 2.f * nn_rng_uniform (&rng) - 1.f;
      /* Both targets need both inputs: neither is predictable from one. */
      double s = ai[0] + ai[1] - bi[0] - bi[1] + ai[2] * bi[2];
      cd[i] = s > 0 ? 1 : 0;
      vd[i] = (float) (0.5 * sin (G_PI * ai[3]) + bi[3] * bi[4]
                       + 0.25 * (ai[5] + bi[5]) + 0.05 * nn_rng_normal (&rng));
    }

  NnDataset *ds = nn_dataset_alloc ("twoinput", 2, 2);
  ds->n = n;
  ds->inputs[0] = g_steal_pointer (&a);
  ds->inputs[1] = g_steal_pointer (&b);
  ds->targets[0] = g_steal_pointer (&cls);
  ds->targets[1] = g_steal_pointer (&val);
  ds->n_classes = 2;
  ds->class_names = numbered_class_names (2);
  nn_dataset_split_tail (ds, test_count (n));
  return ds;
}

/* ---- features of 2-D points ---------------------------------------------- */

/* Token, in the order of the columns they make. sin takes π x: the points
 * lie in about [-1, 1], where sin x alone would be nearly x. */
static const char *const feature_tokens[NN_N_FEATURES] = {
  "x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2",
};

const char *
nn_feature_name (NnFeature f)
{
  g_return_val_if_fail (f < NN_N_FEATURES, NULL);
  return feature_tokens[f];
}

gboolean
nn_features_parse (const char  *text,
                   guint       *mask_out,
                   GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);
  guint mask = 0;

  for (int i = 0; parts[i] != NULL; i++)
    {
      int f;

      g_strstrip (parts[i]);
      for (f = 0; f < NN_N_FEATURES; f++)
        if (g_ascii_strcasecmp (parts[i], feature_tokens[f]) == 0)
          break;
      if (f == NN_N_FEATURES)
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                       _("Unknown feature “%s” in features=%s: use x1, x2, x1sq, x2sq, x1x2, "
                       "sinx1 or sinx2, separated by commas"), parts[i], text);
          return FALSE;
        }
      mask |= 1u << f;
    }
  if (mask == 0)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                   _("features= names no feature: give at least one of x1, x2, x1sq, x2sq, "
                   "x1x2, sinx1, sinx2"));
      return FALSE;
    }
  *mask_out = mask;
  return TRUE;
}

char *
nn_features_to_string (guint mask)
{
  GString *s = g_string_new (NULL);

  for (int f = 0; f < NN_N_FEATURES; f++)
    if (mask & (1u << f))
      g_string_append_printf (s, "%s%s", s->len ? "," : "", feature_tokens[f]);
  return g_string_free (s, FALSE);
}

int
nn_features_count (guint mask)
{
  int n = 0;

  for (int f = 0; f < NN_N_FEATURES; f++)
    n += (mask >> f) & 1;
  return n;
}

void
nn_features_compute (guint        mask,
                     const float *xy,
                     size_t       n,
                     float       *out)
{
  int width = nn_features_count (mask);

  for (size_t i = 0; i < n; i++)
    {
      double x = xy[2 * i], y = xy[2 * i + 1];
      double v[NN_N_FEATURES] = {
        x, y, x * x, y * y, x * y, sin (G_PI * x), sin (G_PI * y),
      };
      float *o = out + i * (size_t) width;

      for (int f = 0, k = 0; f < NN_N_FEATURES; f++)
        if (mask & (1u << f))
          o[k++] = (float) v[f];
    }
}

gboolean
nn_dataset_apply_features (NnDataset  *ds,
                           guint       mask,
                           GError    **error)
{
  NnArray *pts;
  int width = nn_features_count (mask);
  int shape[1] = { width };
  g_autoptr(NnArray) x = NULL;
  g_autofree float *xy = NULL;

  g_return_val_if_fail (ds != NULL, FALSE);
  pts = ds->n_inputs == 1 ? ds->inputs[0] : NULL;
  if (pts == NULL || pts->ndim != 1 || pts->shape[0] != 2 || ds->points != NULL)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                   _("features= needs a dataset of 2-D points (spirals, moons, circles, xor, "
                   "blobs, plane, gaussians); %s has %s"), ds->name,
                   ds->points != NULL ? "its features already" : "other inputs");
      return FALSE;
    }
  if (width < 1)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                   _("features= names no feature: give at least one of x1, x2, x1sq, x2sq, "
                   "x1x2, sinx1, sinx2"));
      return FALSE;
    }
  x = nn_array_new ("features", NN_DTYPE_F32, 1, shape, ds->n, error);
  if (x == NULL)
    return FALSE;
  xy = g_new (float, 2 * MAX (ds->n, 1));
  for (size_t i = 0; i < ds->n; i++)
    {
      xy[2 * i] = nn_array_get (pts, i, 0);
      xy[2 * i + 1] = nn_array_get (pts, i, 1);
    }
  nn_features_compute (mask, xy, ds->n, x->data);
  x->feature_names = g_new0 (char *, width);
  for (int f = 0, k = 0; f < NN_N_FEATURES; f++)
    if (mask & (1u << f))
      x->feature_names[k++] = g_strdup (feature_tokens[f]);
  /* The points stay, for pictures; the model reads the features. */
  ds->points = pts;
  ds->inputs[0] = g_steal_pointer (&x);
  return TRUE;
}

/* ---- regression over the plane ------------------------------------------- */

NnDataset *
nn_dataset_new_toy_regression (const char  *kind,
                               size_t       n,
                               double       noise,
                               guint64      seed,
                               GError     **error)
{
  /* Multi-Gaussian: bumps up (+) and down (-), as TensorFlow Playground's. */
  static const double centres[][3] = {
    { -0.55, 0.55, 1 }, { 0.55, 0.55, -1 }, { -0.55, -0.55, -1 }, { 0.55, -0.55, 1 },
    { 0.0, 0.0, 1 }, { 0.0, 0.85, -1 },
  };
  gboolean plane = g_str_equal (kind, "plane");

  g_return_val_if_fail (plane || g_str_equal (kind, "gaussians"), NULL);
  if (n < 2 || n > TOY_MAX_N)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                   _("%s takes 2 to %zu samples, not %zu"), kind, TOY_MAX_N, n);
      return NULL;
    }
  if (noise < 0)
    noise = 0.1;

  int xshape[1] = { 2 }, yshape[1] = { 1 };
  g_autoptr(NnArray) x = nn_array_new ("points", NN_DTYPE_F32, 1, xshape, n, error);
  if (x == NULL)
    return NULL;
  g_autoptr(NnArray) y = nn_array_new ("value", NN_DTYPE_F32, 1, yshape, n, error);
  if (y == NULL)
    return NULL;

  NnRng rng;
  nn_rng_seed (&rng, seed);
  float *xy = x->data, *v = y->data;
  for (size_t i = 0; i < n; i++)
    {
      double px = 2 * nn_rng_uniform (&rng) - 1, py = 2 * nn_rng_uniform (&rng) - 1, t = 0;

      if (plane)
        t = (px + py) / 2;
      else
        for (size_t k = 0; k < G_N_ELEMENTS (centres); k++)
          {
            double dx = px - centres[k][0], dy = py - centres[k][1];
            t += centres[k][2] * exp (-(dx * dx + dy * dy) / (2 * 0.06));
          }
      xy[2 * i] = (float) px;
      xy[2 * i + 1] = (float) py;
      /* Noise in the value, as a share of its range of about [-1, 1]. */
      v[i] = (float) (CLAMP (t, -1, 1) + noise * nn_rng_normal (&rng));
    }

  NnDataset *ds = nn_dataset_alloc (kind, 1, 1);
  ds->n = n;
  ds->inputs[0] = g_steal_pointer (&x);
  ds->targets[0] = g_steal_pointer (&y);
  nn_dataset_split_tail (ds, test_count (n));
  return ds;
}
