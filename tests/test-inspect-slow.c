/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The heat maps point at the evidence (slow suite, selected with -m slow):
 *   - shapes: a small convnet trained on the generated localization set
 *     (one square, cross or ring in noise; the class is the shape) reaches
 *     >= 0.9 test accuracy, and on 200 test images the Grad-CAM maximum
 *     falls inside the shape's bounding box grown by one heat-map cell in
 *     at least 90 % of them;
 *   - faithfulness, on shapes and on Fashion-MNIST: setting the 10 % of
 *     pixels with the highest Grad-CAM to the image's mean lowers the
 *     explained class's probability more, on average over 200 images, than
 *     setting 10 % of pixels chosen at random (asserted on shapes, where
 *     the evidence is known; reported on Fashion-MNIST);
 *   - Fashion-MNIST: the share of Grad-CAM mass on the garment's pixels,
 *     reported beside the share of the image the garments cover (no
 *     threshold: a classifier may rightly use the background around a
 *     silhouette). */
#include <math.h>
#include <string.h>

#include "nn.h"
#include "nn-inspect.h"
#include "test-util.h"

/* Test images explained per data set. */
#define N_EXPLAINED 200
/* The share of pixels occluded for faithfulness. */
#define OCCLUDED_SHARE 0.10
/* Fashion-MNIST pixels above this (of 1) are the garment's. */
#define OBJECT_LEVEL 0.1f

/* ---- training ------------------------------------------------------------ */

static NnModel *
fit (NnModel   *m,
     NnDataset *ds,
     int        epochs,
     int        batch_size,
     double     validation_split)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnTrainer) t = nn_trainer_new ();
  NnFitConfig cfg;

  nn_fit_config_init (&cfg);
  cfg.epochs = epochs;
  cfg.batch_size = batch_size;
  cfg.validation_split = validation_split;
  cfg.seed = 1;
  cfg.snapshot_every = -1;
  g_assert_true (nn_trainer_start (t, m, ds, &cfg, &error));
  g_assert_no_error (error);
  g_assert_true (nn_trainer_join (t, &error));
  g_assert_no_error (error);
  nn_fit_config_clear (&cfg);
  return nn_trainer_dup_model (t);
}

static double
test_accuracy (NnModel   *m,
               NnDataset *ds)
{
  g_autoptr (GError) error = NULL;
  NnScores s = { 0 };
  gboolean found = FALSE;
  double acc;

  g_assert_true (nn_model_evaluate (m, ds, NULL, 0, 256, &s, &error));
  g_assert_no_error (error);
  acc = nn_scores_get (&s, "accuracy", &found);
  g_assert_true (found);
  nn_scores_clear (&s);
  return acc;
}

/* Input 32×32×1 → Conv2D 16 3×3 relu (same) → MaxPooling2D → Conv2D 32 3×3
 * relu (same) → MaxPooling2D → Conv2D 32 3×3 relu (same), 8×8: the
 * Grad-CAM layer → GlobalAveragePooling2D → Dense 3 softmax. Padding keeps
 * the cells on a 4-pixel grid, so a cell maps onto input pixels exactly. */
static NnModel *
shapes_model (int size)
{
  g_autoptr (GError) error = NULL;
  NnModel *m = nn_model_new ("shapes_convnet");
  NnMetric acc = NN_METRIC_ACCURACY;
  g_autofree char *shape = g_strdup_printf ("%d,%d,1", size, size);
  int in = test_add (m, "Input", "image");
  int c1 = test_add (m, "Conv2D", "conv1");
  int p1 = test_add (m, "MaxPooling2D", "pool1");
  int c2 = test_add (m, "Conv2D", "conv2");
  int p2 = test_add (m, "MaxPooling2D", "pool2");
  int c3 = test_add (m, "Conv2D", "conv3");
  int gap = test_add (m, "GlobalAveragePooling2D", "gap");
  int out = test_add (m, "Dense", "classes");

  test_set (m, in, "shape", shape);
  test_set (m, c1, "filters", "16");
  test_set (m, c2, "filters", "32");
  test_set (m, c3, "filters", "32");
  for (int l = c1; l <= c3; l += 2)
    {
      test_set (m, l, "kernel_size", "3,3");
      test_set (m, l, "activation", "relu");
      test_set (m, l, "padding", "same");
    }
  test_set (m, out, "units", "3");
  test_set (m, out, "activation", "softmax");
  test_connect (m, in, c1);
  test_connect (m, c1, p1);
  test_connect (m, p1, c2);
  test_connect (m, c2, p2);
  test_connect (m, p2, c3);
  test_connect (m, c3, gap);
  test_connect (m, gap, out);
  nn_model_add_output (m, (NnRef) { out, 0 }, NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, 1.0,
                       &acc, 1);
  nn_optimizer_config_init (nn_model_get_optimizer (m), NN_OPT_ADAM);
  nn_model_get_optimizer (m)->learning_rate = 0.003;
  g_assert_true (nn_model_infer (m, &error));
  g_assert_no_error (error);
  g_assert_true (nn_model_init_weights (m, 1, &error));
  g_assert_no_error (error);
  return m;
}

/* ---- pictures ------------------------------------------------------------ */

/* Test sample i of ds as one input (1, H, W, C). */
static NnTensor *
test_input (const NnDataset *ds,
            size_t           i)
{
  const NnArray *x = ds->inputs[0];
  int shape[NN_MAX_DIMS] = { 1 };
  NnTensor *t;

  for (int d = 0; d < x->ndim; d++)
    shape[d + 1] = x->shape[d];
  t = nn_tensor_new (x->ndim + 1, shape);
  nn_array_gather (x, ds->test_idx + i, 1, t->data);
  return t;
}

/* A map (h, w) resampled bilinearly to (H, W), cell centres on pixel
 * centres, clamped at the edges. */
static void
upsample (const NnTensor *map,
          int             H,
          int             W,
          float          *out)
{
  int h = map->shape[0], w = map->shape[1];

  for (int y = 0; y < H; y++)
    {
      double sy = CLAMP ((y + 0.5) * h / H - 0.5, 0, h - 1);
      int y0 = (int) floor (sy), y1 = MIN (y0 + 1, h - 1);
      double fy = sy - y0;

      for (int x = 0; x < W; x++)
        {
          double sx = CLAMP ((x + 0.5) * w / W - 0.5, 0, w - 1);
          int x0 = (int) floor (sx), x1 = MIN (x0 + 1, w - 1);
          double fx = sx - x0;
          const float *m = map->data;
          double top = m[y0 * w + x0] * (1 - fx) + m[y0 * w + x1] * fx;
          double bottom = m[y1 * w + x0] * (1 - fx) + m[y1 * w + x1] * fx;

          out[y * W + x] = (float) (top * (1 - fy) + bottom * fy);
        }
    }
}

static const float *sort_keys;

/* Highest first; ties in pixel order, so the choice is reproducible. */
static int
by_heat_desc (const void *a,
              const void *b)
{
  int i = *(const int *) a, j = *(const int *) b;

  if (sort_keys[i] != sort_keys[j])
    return sort_keys[i] > sort_keys[j] ? -1 : 1;
  return i - j;
}

/* Whether heat-map cell (cx, cy) of an (h, w) map over an (H, W) image
 * lies in box (pixels, inclusive) grown by one cell on every side. */
static gboolean
in_grown_box (const int *box,
              int        cx,
              int        cy,
              int        h,
              int        w,
              int        H,
              int        W)
{
  return cx >= box[0] * w / W - 1 && cx <= box[2] * w / W + 1
         && cy >= box[1] * h / H - 1 && cy <= box[3] * h / H + 1;
}

/* What one data set's explanations came to. */
typedef struct {
  int    n;              /* images explained */
  int    in_box;         /* Grad-CAM maximum inside the grown box (boxes only) */
  int    in_box_mirror;  /* the same for the cell opposite the maximum (through the map's
                            centre): what a map that ignored the shape would score */
  double drop_top;       /* mean probability drop, top-Grad-CAM pixels occluded */
  double drop_random;    /* the same, random pixels occluded */
  double mass_object;    /* mean share of Grad-CAM mass on pixels > OBJECT_LEVEL */
  double cover_object;   /* mean share of pixels > OBJECT_LEVEL */
  int    n_mass;         /* images whose Grad-CAM was not all zero */
} Explained;

/* Explains the first N_EXPLAINED test images of ds with Grad-CAM at the
 * default layer and measures what Explained holds. */
static void
explain_test_images (NnModel         *m,
                     const NnDataset *ds,
                     Explained       *r)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnInspector) in = nn_inspector_new (m, &error);
  const NnArray *x = ds->inputs[0];
  const int H = x->shape[0], W = x->shape[1], C = x->ndim > 2 ? x->shape[2] : 1;
  const int pixels = H * W, k = (int) lround (OCCLUDED_SHARE * pixels);
  const int n = (int) MIN ((size_t) N_EXPLAINED, ds->n_test);
  int batch_shape[NN_MAX_DIMS] = { n, H, W, C };
  g_autoptr (NnTensor) occ_top = nn_tensor_new (4, batch_shape);
  g_autoptr (NnTensor) occ_random = nn_tensor_new (4, batch_shape);
  g_autofree float *heat = g_new (float, pixels);
  g_autofree int *order = g_new (int, pixels);
  g_autofree double *p0 = g_new (double, n);
  g_autofree int *cls = g_new (int, n);
  NnExplainConfig cfg;
  NnRng rng;
  int probe;

  g_assert_no_error (error);
  g_assert_cmpint (C, ==, 1);
  probe = nn_inspector_default_cam_probe (in);
  g_assert_cmpint (probe, >=, 0);
  g_test_message ("%s: Grad-CAM at %s, (%d, %d)", ds->name,
                  nn_inspector_get_probe (in, probe)->path,
                  nn_inspector_get_probe (in, probe)->shape[0],
                  nn_inspector_get_probe (in, probe)->shape[1]);
  nn_explain_config_init (&cfg);
  nn_rng_seed (&rng, 5);
  memset (r, 0, sizeof *r);
  r->n = n;

  for (int i = 0; i < n; i++)
    {
      g_autoptr (NnTensor) input = test_input (ds, i);
      g_autoptr (NnTensor) map = NULL;
      float *top = occ_top->data + (size_t) i * pixels;
      float *rnd = occ_random->data + (size_t) i * pixels;
      double mean = 0, mass = 0, mass_obj = 0;
      int h, w, covered = 0;

      map = nn_inspector_explain (in, input, &cfg, &cls[i], &p0[i], &error);
      g_assert_no_error (error);
      g_assert_nonnull (map);
      g_assert_cmpint (map->ndim, ==, 2);
      h = map->shape[0];
      w = map->shape[1];

      if (ds->boxes != NULL)
        {
          /* The box in heat-map cells, grown by one cell. */
          int box[4];
          size_t best = nn_tensor_argmax (map);
          int bx = (int) (best % w), by = (int) (best / w);

          g_assert_true (nn_dataset_get_box (ds, TRUE, i, box));
          if (map->data[best] > 0 && in_grown_box (box, bx, by, h, w, H, W))
            r->in_box++;
          if (in_grown_box (box, w - 1 - bx, h - 1 - by, h, w, H, W))
            r->in_box_mirror++;
        }

      upsample (map, H, W, heat);
      for (int p = 0; p < pixels; p++)
        {
          mean += input->data[p];
          mass += heat[p];
          if (input->data[p] > OBJECT_LEVEL)
            {
              covered++;
              mass_obj += heat[p];
            }
        }
      mean /= pixels;
      if (mass > 0)
        {
          r->mass_object += mass_obj / mass;
          r->cover_object += (double) covered / pixels;
          r->n_mass++;
        }

      /* The top k pixels by Grad-CAM, and k pixels at random, set to the
       * image's mean. */
      for (int p = 0; p < pixels; p++)
        order[p] = p;
      sort_keys = heat;
      qsort (order, pixels, sizeof *order, by_heat_desc);
      memcpy (top, input->data, pixels * sizeof (float));
      for (int j = 0; j < k; j++)
        top[order[j]] = (float) mean;
      for (int p = 0; p < pixels; p++)
        order[p] = p;
      nn_rng_shuffle (&rng, (guint32 *) order, pixels);
      memcpy (rnd, input->data, pixels * sizeof (float));
      for (int j = 0; j < k; j++)
        rnd[order[j]] = (float) mean;
    }

  /* The explained class's probability on the occluded images. */
  g_autoptr (NnTensor) q_top = nn_inspector_predict (in, occ_top, &error);
  g_assert_no_error (error);
  g_autoptr (NnTensor) q_random = nn_inspector_predict (in, occ_random, &error);
  g_assert_no_error (error);
  g_assert_cmpint (q_top->shape[0], ==, n);
  for (int i = 0; i < n; i++)
    {
      int units = q_top->shape[1];

      r->drop_top += p0[i] - q_top->data[(size_t) i * units + cls[i]];
      r->drop_random += p0[i] - q_random->data[(size_t) i * units + cls[i]];
    }
  r->drop_top /= n;
  r->drop_random /= n;
  if (r->n_mass > 0)
    {
      r->mass_object /= r->n_mass;
      r->cover_object /= r->n_mass;
    }
}

/* ---- the tests ----------------------------------------------------------- */

static void
test_shapes (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnDataset) ds = nn_dataset_open ("shapes:n=3600:size=32:seed=7", NULL, &error);
  g_assert_no_error (error);
  g_autoptr (NnModel) untrained = shapes_model (32);
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr (NnModel) m = fit (untrained, ds, 6, 32, 0.0);
  double acc = test_accuracy (m, ds);
  Explained r;

  g_test_message ("shapes: %zu training images, 6 epochs in %.0f s; test accuracy %.4f (%zu "
                  "images)", ds->n_train, (g_get_monotonic_time () - t0) / 1e6, acc, ds->n_test);
  g_printerr ("shapes: test accuracy %.4f\n", acc);
  g_assert_cmpfloat (acc, >=, 0.9);

  explain_test_images (m, ds, &r);
  g_test_message ("shapes: Grad-CAM max in the box: %.3f (%d/%d)",
                  (double) r.in_box / r.n, r.in_box, r.n);
  g_printerr ("shapes: Grad-CAM max in the box: %.3f (%d/%d)\n",
              (double) r.in_box / r.n, r.in_box, r.n);
  g_test_message ("shapes: control, the cell opposite the maximum in the box: %.3f (%d/%d)",
                  (double) r.in_box_mirror / r.n, r.in_box_mirror, r.n);
  g_printerr ("shapes: control, the cell opposite the maximum in the box: %.3f (%d/%d)\n",
              (double) r.in_box_mirror / r.n, r.in_box_mirror, r.n);
  g_test_message ("shapes: faithfulness: occluding the top %.0f%% of Grad-CAM lowers the class "
                  "probability by %.4f on average, %.0f%% at random by %.4f (%d images)",
                  100 * OCCLUDED_SHARE, r.drop_top, 100 * OCCLUDED_SHARE, r.drop_random, r.n);
  g_printerr ("shapes: faithfulness: probability drop, top-10%% Grad-CAM occluded %.4f, "
              "random 10%% occluded %.4f\n", r.drop_top, r.drop_random);
  g_assert_cmpint (r.n, ==, N_EXPLAINED);
  g_assert_cmpfloat ((double) r.in_box / r.n, >=, 0.90);
  /* The box test tells maps apart: a map blind to the shape scores lower. */
  g_assert_cmpint (r.in_box_mirror, <, r.in_box);
  g_assert_cmpfloat (r.drop_top, >, r.drop_random);
}

static void
test_fashion (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) sample = nn_model_load (test_sample ("fashion_convnet.json"), &error);
  g_assert_no_error (error);
  g_autoptr (NnDataset) ds = nn_dataset_open ("fashion-mnist:limit=10000", NULL, &error);
  if (g_error_matches (error, NN_DATA_ERROR, NN_DATA_ERROR_IO))
    {
      g_test_skip (error->message);
      return;
    }
  g_assert_no_error (error);
  g_assert_true (nn_model_init_weights (sample, 1, &error));
  g_assert_no_error (error);
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr (NnModel) m = fit (sample, ds, 2, nn_model_get_defaults (sample)->batch_size, 0.0);
  double acc = test_accuracy (m, ds);
  Explained r;

  g_test_message ("fashion-mnist: the convnet sample, 10,000 training images, 2 epochs in %.0f s: "
                  "test accuracy %.4f", (g_get_monotonic_time () - t0) / 1e6, acc);
  g_printerr ("fashion-mnist: test accuracy %.4f\n", acc);
  /* Only that it learnt: the figures below describe a trained model. */
  g_assert_cmpfloat (acc, >=, 0.7);

  explain_test_images (m, ds, &r);
  g_test_message ("fashion-mnist: Grad-CAM mass on object pixels (> %.1f): %.3f; the objects "
                  "cover %.3f of the image (%d images)", OBJECT_LEVEL, r.mass_object,
                  r.cover_object, r.n_mass);
  g_printerr ("fashion-mnist: Grad-CAM mass on object pixels: %.3f, object share of the image: "
              "%.3f (%d/%d images with a non-zero map)\n", r.mass_object, r.cover_object,
              r.n_mass, r.n);
  g_test_message ("fashion-mnist: faithfulness: occluding the top %.0f%% of Grad-CAM lowers the "
                  "class probability by %.4f on average, %.0f%% at random by %.4f (%d images)",
                  100 * OCCLUDED_SHARE, r.drop_top, 100 * OCCLUDED_SHARE, r.drop_random, r.n);
  g_printerr ("fashion-mnist: faithfulness: probability drop, top-10%% Grad-CAM occluded %.4f, "
              "random 10%% occluded %.4f\n", r.drop_top, r.drop_random);
  g_assert_cmpint (r.n_mass, >, 0);
  g_assert_cmpfloat (r.mass_object, >, 0);
  g_assert_cmpfloat (r.mass_object, <, 1);
  g_assert_cmpfloat (r.cover_object, >, 0);
  g_assert_cmpfloat (r.cover_object, <, 1);
}

int
main (int    argc,
      char **argv)
{
  nn_init (argc, argv);
  g_test_init (&argc, &argv, NULL);
  if (g_test_slow ())
    {
      g_test_add_func ("/inspect/slow/shapes", test_shapes);
      g_test_add_func ("/inspect/slow/fashion-mnist", test_fashion);
    }
  return g_test_run ();
}
