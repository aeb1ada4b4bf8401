/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The generated localization set "shapes": its images, classes, split and
 * boxes, determinism by seed, what survives classes= and limit=, and the
 * specs it refuses. */
#include <string.h>

#include "nn.h"

/* A shape's pixels are at least this bright (0.8 of full scale); noise,
 * at most 0.75 of it, stays below. */
#define BRIGHT 204

static const guint8 *
image (const NnDataset *ds,
       size_t           sample)
{
  const NnArray *x = ds->inputs[0];
  return (const guint8 *) x->data + sample * x->sample_size;
}

static int
label (const NnDataset *ds,
       size_t           sample)
{
  return ((const gint32 *) ds->targets[0]->data)[sample];
}

/* Checks every sample of ds against its box: the box lies inside the image
 * with a pixel of margin, holds every bright pixel, is tight (each of its
 * edges touches a bright pixel), 7 to 11 px a side, and looks like the
 * class: squares fill their corners, rings leave them empty, crosses fill
 * their middle row and column. Every sample of both splits is reached
 * through nn_dataset_get_box. */
static void
check_boxes (const NnDataset *ds,
             int              max_noise)
{
  const int size = ds->inputs[0]->shape[0];
  /* Names after classes= keep the shapes' own names: the class of a label
   * is found by name. */
  int kind[3];

  g_assert_nonnull (ds->boxes);
  for (int c = 0; c < ds->n_classes; c++)
    {
      kind[c] = g_str_equal (ds->class_names[c], "square") ? 0
                : g_str_equal (ds->class_names[c], "cross") ? 1 : 2;
      if (kind[c] == 2)
        g_assert_cmpstr (ds->class_names[c], ==, "ring");
    }

  for (int split = 0; split < 2; split++)
    {
      size_t count = split ? ds->n_test : ds->n_train;
      const guint32 *idx = split ? ds->test_idx : ds->train_idx;

      for (size_t i = 0; i < count; i++)
        {
          int box[4] = { -1, -1, -1, -1 };
          const guint8 *img = image (ds, idx[i]);
          int edge_hits[4] = { 0, 0, 0, 0 }, bright_inside = 0;
          int x0, y0, x1, y1, w, h, k;

          g_assert_true (nn_dataset_get_box (ds, split == 1, i, box));
          g_assert_cmpmem (box, sizeof box, ds->boxes + 4 * (size_t) idx[i], sizeof box);
          x0 = box[0], y0 = box[1], x1 = box[2], y1 = box[3];
          g_assert_cmpint (x0, >=, 1);
          g_assert_cmpint (y0, >=, 1);
          g_assert_cmpint (x1, <=, size - 2);
          g_assert_cmpint (y1, <=, size - 2);
          w = x1 - x0 + 1;
          h = y1 - y0 + 1;
          g_assert_cmpint (w, >=, 7);
          g_assert_cmpint (w, <=, 11);
          g_assert_cmpint (h, ==, w);

          for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
              {
                guint8 v = img[y * size + x];
                gboolean inside = x >= x0 && x <= x1 && y >= y0 && y <= y1;

                if (!inside)
                  {
                    /* Outside the box: noise only, never a shape's pixel. */
                    if (v > max_noise)
                      g_error ("sample %u: pixel (%d, %d) = %u outside its box "
                               "(%d, %d)-(%d, %d) is above the noise (%d)",
                               idx[i], x, y, v, x0, y0, x1, y1, max_noise);
                    continue;
                  }
                if (v < BRIGHT)
                  {
                    g_assert_cmpint (v, <=, max_noise);
                    continue;
                  }
                bright_inside++;
                edge_hits[0] += x == x0;
                edge_hits[1] += y == y0;
                edge_hits[2] += x == x1;
                edge_hits[3] += y == y1;
              }
          for (int e = 0; e < 4; e++)
            g_assert_cmpint (edge_hits[e], >, 0);
          /* The sparsest shape, a thin cross, has 2 w - 1 pixels. */
          g_assert_cmpint (bright_inside, >=, 2 * w - 1);

          k = kind[label (ds, idx[i])];
#define PX(x, y) img[(y) * size + (x)]
          if (k == 0)
            {
              g_assert_cmpint (PX (x0, y0), >=, BRIGHT);
              g_assert_cmpint (PX (x1, y1), >=, BRIGHT);
            }
          else if (k == 1)
            {
              g_assert_cmpint (w % 2, ==, 1);
              for (int t = 0; t < w; t++)
                {
                  g_assert_cmpint (PX (x0 + w / 2, y0 + t), >=, BRIGHT);
                  g_assert_cmpint (PX (x0 + t, y0 + w / 2), >=, BRIGHT);
                }
              g_assert_cmpint (PX (x0, y0), <, BRIGHT);
            }
          else
            {
              g_assert_cmpint (w % 2, ==, 1);
              g_assert_cmpint (PX (x0, y0), <, BRIGHT);
              g_assert_cmpint (PX (x1, y1), <, BRIGHT);
              g_assert_cmpint (PX (x0 + w / 2, y0 + w / 2), <, BRIGHT);
              g_assert_cmpint (PX (x0 + w / 2, y0), >=, BRIGHT);
            }
#undef PX
        }
      /* Past the split's end there is no box, and box is left alone. */
      int untouched[4] = { 7, 7, 7, 7 };
      g_assert_false (nn_dataset_get_box (ds, split == 1, count, untouched));
      g_assert_cmpint (untouched[0], ==, 7);
    }
}

static void
test_shapes_defaults (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnDataset) ds = nn_dataset_open ("shapes", NULL, &error);
  static const char *const names[] = { "square", "cross", "ring" };
  size_t per_class[3] = { 0 }, in_test[3] = { 0 };

  g_assert_no_error (error);
  g_assert_cmpstr (ds->name, ==, "shapes");
  g_assert_cmpuint (ds->n, ==, 2000);
  g_assert_cmpuint (ds->n_test, ==, 400);
  g_assert_cmpuint (ds->n_train, ==, 1600);
  g_assert_cmpuint (ds->test_idx[0], ==, 1600);
  g_assert_cmpint (ds->n_inputs, ==, 1);
  g_assert_cmpint (ds->inputs[0]->dtype, ==, NN_DTYPE_U8);
  g_assert_cmpint (ds->inputs[0]->ndim, ==, 3);
  g_assert_cmpint (ds->inputs[0]->shape[0], ==, 32);
  g_assert_cmpint (ds->inputs[0]->shape[1], ==, 32);
  g_assert_cmpint (ds->inputs[0]->shape[2], ==, 1);
  /* Read as value / 255 like every image set. */
  g_assert_cmpfloat_with_epsilon (nn_array_get (ds->inputs[0], 0, 0),
                                  image (ds, 0)[0] / 255.f, 1e-7);
  g_assert_cmpint (ds->targets[0]->dtype, ==, NN_DTYPE_I32);
  g_assert_cmpint (ds->n_classes, ==, 3);
  for (int c = 0; c < 3; c++)
    g_assert_cmpstr (ds->class_names[c], ==, names[c]);

  /* Balanced overall (exactly: n / 3 each), and in the held-out tail
   * within reason (each class a fifth of it at least). */
  for (size_t i = 0; i < ds->n; i++)
    {
      g_assert_cmpint (label (ds, i), >=, 0);
      g_assert_cmpint (label (ds, i), <, 3);
      per_class[label (ds, i)]++;
    }
  for (size_t i = 0; i < ds->n_test; i++)
    in_test[label (ds, ds->test_idx[i])]++;
  for (int c = 0; c < 3; c++)
    {
      g_test_message ("%s: %zu samples, %zu in the test split", names[c], per_class[c], in_test[c]);
      g_assert_cmpuint (per_class[c], >=, 666);
      g_assert_cmpuint (per_class[c], <=, 667);
      g_assert_cmpuint (in_test[c], >=, ds->n_test / 5);
    }

  /* The default noise is 0.35 of full scale: 89. */
  check_boxes (ds, 89);
}

/* Other sizes and noise levels, including the smallest image and none. */
static void
test_shapes_boxes (void)
{
  static const struct { const char *spec; int size; int max_noise; } cases[] = {
    { "shapes:n=300:size=16:seed=3", 16, 89 },
    { "shapes:n=300:size=64:noise=0.75", 64, 191 },
    { "shapes:n=300:size=20:noise=0", 20, 0 },
    { "shapes:n=3:size=16", 16, 89 },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(NnDataset) ds = nn_dataset_open (cases[c].spec, NULL, &error);
      guint8 lo = 255, hi = 0;

      g_assert_no_error (error);
      g_assert_cmpint (ds->inputs[0]->shape[0], ==, cases[c].size);
      g_assert_cmpint (ds->inputs[0]->shape[1], ==, cases[c].size);
      check_boxes (ds, cases[c].max_noise);
      /* The noise reaches near its level (not a constant background). */
      for (size_t p = 0; p < ds->inputs[0]->sample_size; p++)
        if (image (ds, 0)[p] < BRIGHT)
          {
            lo = MIN (lo, image (ds, 0)[p]);
            hi = MAX (hi, image (ds, 0)[p]);
          }
      g_assert_cmpint (lo, <=, cases[c].max_noise / 10);
      g_assert_cmpint (hi, >=, cases[c].max_noise * 9 / 10);
    }
}

/* The boxes spread over the image: shapes land anywhere, not in one place. */
static void
test_shapes_places (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnDataset) ds = nn_dataset_open ("shapes:n=600", NULL, &error);
  int xmin = 99, xmax = -1, ymin = 99, ymax = -1;

  g_assert_no_error (error);
  for (size_t i = 0; i < ds->n; i++)
    {
      xmin = MIN (xmin, ds->boxes[4 * i]);
      ymin = MIN (ymin, ds->boxes[4 * i + 1]);
      xmax = MAX (xmax, ds->boxes[4 * i + 2]);
      ymax = MAX (ymax, ds->boxes[4 * i + 3]);
    }
  g_assert_cmpint (xmin, ==, 1);
  g_assert_cmpint (ymin, ==, 1);
  g_assert_cmpint (xmax, ==, 30);
  g_assert_cmpint (ymax, ==, 30);
}

static gboolean
same_data (const NnDataset *a,
           const NnDataset *b)
{
  return a->n == b->n
         && memcmp (a->inputs[0]->data, b->inputs[0]->data, a->n * a->inputs[0]->sample_size) == 0
         && memcmp (a->targets[0]->data, b->targets[0]->data, a->n * sizeof (gint32)) == 0
         && memcmp (a->boxes, b->boxes, a->n * 4 * sizeof (int)) == 0;
}

static void
test_shapes_seed (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnDataset) a = nn_dataset_open ("shapes:n=300:seed=7", NULL, &error);
  g_assert_no_error (error);
  g_autoptr(NnDataset) b = nn_dataset_open ("shapes:seed=7:n=300", NULL, &error);
  g_assert_no_error (error);
  g_autoptr(NnDataset) c = nn_dataset_open ("shapes:n=300:seed=8", NULL, &error);
  g_assert_no_error (error);

  g_assert_true (same_data (a, b));
  g_assert_false (same_data (a, c));
  g_assert_cmpint (memcmp (a->boxes, c->boxes, 300 * 4 * sizeof (int)), !=, 0);
  g_assert_cmpint (memcmp (a->inputs[0]->data, c->inputs[0]->data, 300 * 32 * 32), !=, 0);
}

/* classes= and limit= drop samples: the boxes must follow their images. */
static void
test_shapes_subsets (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnDataset) all = nn_dataset_open ("shapes:n=600:seed=4", NULL, &error);
  g_assert_no_error (error);
  g_autoptr(NnDataset) two = nn_dataset_open ("shapes:n=600:seed=4:classes=2,0", NULL, &error);
  g_assert_no_error (error);
  g_autoptr(NnDataset) few = nn_dataset_open ("shapes:n=600:seed=4:limit=50", NULL, &error);
  g_assert_no_error (error);
  size_t j = 0;

  g_assert_cmpint (two->n_classes, ==, 2);
  g_assert_cmpstr (two->class_names[0], ==, "ring");
  g_assert_cmpstr (two->class_names[1], ==, "square");
  g_assert_cmpuint (two->n, ==, 400);
  check_boxes (two, 89);
  /* Same samples, same boxes, in order. */
  for (size_t i = 0; i < all->n; i++)
    if (label (all, i) != 1)
      {
        g_assert_cmpmem (two->boxes + 4 * j, 4 * sizeof (int), all->boxes + 4 * i,
                         4 * sizeof (int));
        g_assert_cmpmem (image (two, j), 32 * 32, image (all, i), 32 * 32);
        j++;
      }
  g_assert_cmpuint (j, ==, two->n);

  g_assert_cmpuint (few->n_train, ==, 50);
  g_assert_cmpuint (few->n_test, ==, 120);
  check_boxes (few, 89);
}

static void
test_shapes_no_boxes (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnDataset) ds = nn_dataset_open ("spirals:n=100", NULL, &error);
  int box[4] = { 5, 5, 5, 5 };

  g_assert_no_error (error);
  g_assert_null (ds->boxes);
  g_assert_false (nn_dataset_get_box (ds, FALSE, 0, box));
  g_assert_false (nn_dataset_get_box (ds, TRUE, 0, box));
  g_assert_cmpint (box[0], ==, 5);
}

static void
test_shapes_bad_specs (void)
{
  static const struct { const char *spec; int code; const char *says; } cases[] = {
    { "shapes:size=8", NN_DATA_ERROR_SIZE, "16 to 256 pixels a side (size=), not 8" },
    { "shapes:size=15", NN_DATA_ERROR_SIZE, "need room to move" },
    { "shapes:size=100000", NN_DATA_ERROR_SIZE, "not 100000" },
    { "shapes:size=99999999999999999999", NN_DATA_ERROR_UNKNOWN, "“size”" },
    { "shapes:n=0", NN_DATA_ERROR_SIZE, "3 to 1000000 samples (n=), not 0" },
    { "shapes:n=2", NN_DATA_ERROR_SIZE, "not 2" },
    { "shapes:n=5000000", NN_DATA_ERROR_SIZE, "not 5000000" },
    { "shapes:n=1000000:size=256", NN_DATA_ERROR_SIZE, "lower n or size (at size=256, n up to 32767)" },
    { "shapes:n=-5", NN_DATA_ERROR_UNKNOWN, "“n” must be a whole number" },
    { "shapes:n=lots", NN_DATA_ERROR_UNKNOWN, "“n” must be a whole number" },
    { "shapes:noise=0.9", NN_DATA_ERROR_UNKNOWN, "“noise” must be a number from 0 to 0.75" },
    { "shapes:test=1", NN_DATA_ERROR_UNKNOWN, "“test”" },
    { "shapes:colour=red", NN_DATA_ERROR_UNKNOWN,
      "Unknown option “colour” for shapes; accepted: n, size, noise, seed, test" },
    { "shapes:classes=1", NN_DATA_ERROR_UNKNOWN, "at least two classes" },
    { "shapes:classes=0,3", NN_DATA_ERROR_UNKNOWN, "shapes has no class 3: classes are 0 to 2" },
    { "shapes:features=x1", NN_DATA_ERROR_UNKNOWN, "2-D points" },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(NnDataset) ds = nn_dataset_open (cases[c].spec, NULL, &error);

      g_test_message ("%s: %s", cases[c].spec, error ? error->message : "(no error)");
      g_assert_null (ds);
      g_assert_error (error, NN_DATA_ERROR, cases[c].code);
      if (strstr (error->message, cases[c].says) == NULL)
        g_error ("%s: “%s” does not say “%s”", cases[c].spec, error->message, cases[c].says);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/data-shapes/defaults", test_shapes_defaults);
  g_test_add_func ("/engine/data-shapes/boxes", test_shapes_boxes);
  g_test_add_func ("/engine/data-shapes/places", test_shapes_places);
  g_test_add_func ("/engine/data-shapes/seed", test_shapes_seed);
  g_test_add_func ("/engine/data-shapes/subsets", test_shapes_subsets);
  g_test_add_func ("/engine/data-shapes/no-boxes", test_shapes_no_boxes);
  g_test_add_func ("/engine/data-shapes/bad-specs", test_shapes_bad_specs);
  return g_test_run ();
}
