/* SPDX-License-Identifier: GPL-3.0-or-later */
/* deepscope-cli inspect and dream end to end: each subcommand's pictures
 * and --json numbers on a convnet trained once for the program, and their
 * errors in words. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "nn.h"
#include "test-util.h"
#include "cli-test-util.h"

/* ---- inspect ------------------------------------------------------------------ */

/* fashion_small (conv1 32, pool1, conv2 64, pool2, flatten, classes 10)
 * trained for one epoch on 500 Fashion-MNIST images, saved once for every
 * inspect test; removed at the end of main. */
static char *inspect_dir, *inspect_model;

static const char *
trained_convnet (void)
{
  if (inspect_model)
    return inspect_model;
  inspect_dir = g_dir_make_tmp ("deepscope-cli-inspect-XXXXXX", NULL);
  inspect_model = g_build_filename (inspect_dir, "small.json", NULL);
  g_autofree char *out = NULL, *err = NULL;
  const char *args[] = { "train", test_sample ("fashion_small.json"), "--data",
                         "fashion-mnist:limit=500", "--epochs", "1", "--batch", "32",
                         "--validation-split", "0", "--quiet", "--save", inspect_model, NULL };
  int rc = run (args, &out, &err);
  if (rc != 0)
    g_error ("training the inspect fixture failed (%d): %s", rc, err);
  return inspect_model;
}

/* Runs a command that must succeed and print one JSON object. */
static JsonNode *
inspect_json (const char *const *args, char **err_out)
{
  g_autofree char *out = NULL, *err = NULL;
  int rc = run (args, &out, &err);
  if (rc != 0)
    g_error ("%s %s exited %d: %s", args[0], args[2], rc, err);
  g_autoptr (GPtrArray) lines = json_lines (out);
  g_assert_cmpuint (lines->len, ==, 1);
  if (err_out)
    *err_out = g_steal_pointer (&err);
  return json_node_ref (lines->pdata[0]);
}

static void
assert_shape (JsonObject *o, const char *key, int n, const int *want)
{
  JsonArray *a = json_object_get_array_member (o, key);
  g_assert_nonnull (a);
  g_assert_cmpuint (json_array_get_length (a), ==, (guint) n);
  for (int k = 0; k < n; k++)
    g_assert_cmpint (json_array_get_int_element (a, (guint) k), ==, want[k]);
}

/* A PNG the CLI wrote: its size and that it is RGB. */
static void
assert_png (const char *path, int width, int height)
{
  g_autoptr (GError) error = NULL;
  int w = 0, h = 0, c = 0;
  g_autofree guint8 *px = nn_png_read (path, 0, &w, &h, &c, &error);
  g_assert_no_error (error);
  g_test_message ("%s: %dx%d, %d channels", path, w, h, c);
  g_assert_cmpint (c, ==, 3);
  g_assert_cmpint (w, ==, width);
  g_assert_cmpint (h, ==, height);
  /* not one flat colour */
  gboolean varies = FALSE;
  for (int i = 3; i < w * h * 3 && !varies; i++)
    varies = px[i] != px[i % 3];
  g_assert_true (varies);
}

/* Every layer's figures, the prediction (the same as predict's), dead
 * fractions of the ReLU layers, and a PNG grid of conv1's 32 channels. */
static void
test_inspect_activations (void)
{
  const char *model = trained_convnet ();
  g_autofree char *png = g_build_filename (inspect_dir, "act.png", NULL);
  const char *args[] = { "inspect", model, "activations", "--index", "3", "--out", png,
                         "--json", NULL };
  g_autoptr (JsonNode) root = inspect_json (args, NULL);
  JsonObject *o = json_node_get_object (root);
  JsonObject *input = json_object_get_object_member (o, "input");
  g_assert_cmpint (json_object_get_int_member (input, "index"), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (input, "split"), ==, "test");
  gint64 label = json_object_get_int_member (input, "label");

  const char *paths[] = { "image", "conv1", "pool1", "conv2", "pool2", "flatten", "classes" };
  const int shapes[][3] = { { 28, 28, 1 }, { 26, 26, 32 }, { 13, 13, 32 }, { 11, 11, 64 },
                            { 5, 5, 64 }, { 1600 }, { 10 } };
  const int ndims[] = { 3, 3, 3, 3, 3, 1, 1 };
  JsonArray *layers = json_object_get_array_member (o, "layers");
  g_assert_cmpuint (json_array_get_length (layers), ==, G_N_ELEMENTS (paths));
  for (guint k = 0; k < G_N_ELEMENTS (paths); k++)
    {
      JsonObject *l = json_array_get_object_element (layers, k);
      g_assert_cmpstr (json_object_get_string_member (l, "path"), ==, paths[k]);
      assert_shape (l, "shape", ndims[k], shapes[k]);
      double lo = json_object_get_double_member (l, "min");
      double hi = json_object_get_double_member (l, "max");
      double mean = json_object_get_double_member (l, "mean");
      g_assert_cmpfloat (lo, <=, mean);
      g_assert_cmpfloat (mean, <=, hi);
      JsonNode *dead = json_object_get_member (l, "dead_fraction");
      g_autofree char *dead_text = json_to_string (dead, FALSE);
      g_test_message ("%-8s min %8.4f max %8.4f mean %8.4f dead %s", paths[k], lo, hi, mean,
                      dead_text);
      /* conv1 and conv2 end in a ReLU: counted; the rest are not */
      if (k == 1 || k == 3)
        {
          g_assert_cmpfloat (lo, >=, 0);
          double f = json_node_get_double (dead);
          g_assert_cmpfloat (f, >=, 0);
          g_assert_cmpfloat (f, <=, 1);
        }
      else if (k == 0 || k == 6)
        g_assert_true (JSON_NODE_HOLDS_NULL (dead));
    }
  g_assert_cmpint (json_object_get_int_member (o, "dead_samples"), ==, 256);

  /* the prediction is predict's for the same sample */
  JsonObject *pred = json_object_get_object_member (o, "prediction");
  JsonArray *probs = json_object_get_array_member (pred, "probabilities");
  g_assert_cmpuint (json_array_get_length (probs), ==, 10);
  g_autofree char *pout = NULL, *perr = NULL;
  const char *pargs[] = { "predict", model, "--count", "4", "--json", NULL };
  g_assert_cmpint (run (pargs, &pout, &perr), ==, 0);
  g_autoptr (GPtrArray) p = json_lines (pout);
  JsonObject *fourth = obj (p, 3);
  JsonArray *want = json_object_get_array_member (fourth, "prediction");
  double sum = 0;
  for (guint k = 0; k < 10; k++)
    {
      double v = json_array_get_double_element (probs, k);
      sum += v;
      g_assert_cmpfloat_with_epsilon (v, json_array_get_double_element (want, k), 1e-5);
    }
  g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-4);
  g_assert_cmpint (json_object_get_int_member (pred, "class"), ==,
                   json_object_get_int_member (fourth, "argmax"));
  g_assert_cmpint (label, ==, json_object_get_int_member (fourth, "label"));
  g_assert_cmpstr (json_object_get_string_member (o, "out_layer"), ==, "conv1");
  /* 32 channels of 26x26, enlarged twice, in a 6x6 grid with 2-pixel gaps */
  assert_png (png, 6 * 52 + 7 * 2, 6 * 52 + 7 * 2);

  /* text: one line per layer; --layer keeps one */
  g_autofree char *out = NULL, *err = NULL;
  const char *targs[] = { "inspect", model, "activations", "--layer", "conv2", NULL };
  g_assert_cmpint (run (targs, &out, &err), ==, 0);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "Prediction: "));
  g_assert_nonnull (strstr (out, "conv2 "));
  g_assert_null (strstr (out, "conv1 "));
}

/* Every filter of conv1 (the default layer) gains; the PNG grid holds 32
 * patterns of 28x28. */
static void
test_inspect_filters (void)
{
  const char *model = trained_convnet ();
  g_autofree char *png = g_build_filename (inspect_dir, "filters.png", NULL);
  const char *args[] = { "inspect", model, "filters", "--out", png, "--json", NULL };
  g_autoptr (JsonNode) root = inspect_json (args, NULL);
  JsonObject *o = json_node_get_object (root);
  g_assert_cmpstr (json_object_get_string_member (o, "layer"), ==, "conv1");
  g_assert_cmpint (json_object_get_int_member (o, "filters"), ==, 32);
  g_assert_cmpint (json_object_get_int_member (o, "steps"), ==, 40);
  JsonArray *gains = json_object_get_array_member (o, "gains");
  g_assert_cmpuint (json_array_get_length (gains), ==, 32);
  double lowest = INFINITY;
  for (guint k = 0; k < 32; k++)
    lowest = MIN (lowest, json_array_get_double_element (gains, k));
  g_test_message ("conv1: lowest gain %.3g", lowest);
  /* the ascent raises every filter's mean activation */
  g_assert_cmpfloat (lowest, >, 1);
  /* 32 tiles of 28x28, enlarged twice, in a 6x6 grid */
  assert_png (png, 6 * 56 + 7 * 2, 6 * 56 + 7 * 2);

  g_autofree char *out = NULL, *err = NULL;
  const char *targs[] = { "inspect", model, "filters", "--layer", "conv2", NULL };
  g_assert_cmpint (run (targs, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "conv2 (Conv2D, output 64 channels): 40 steps of gradient "
                                 "ascent (step size 0.2) from grey"));
  g_assert_nonnull (strstr (out, "median gain"));

  /* --steps and --step-size reach the ascent: one small step gains less
   * than forty */
  const char *sargs[] = { "inspect", model, "filters", "--steps", "1", "--step-size", "0.05",
                          "--json", NULL };
  g_autoptr (JsonNode) one = inspect_json (sargs, NULL);
  JsonObject *so = json_node_get_object (one);
  g_assert_cmpint (json_object_get_int_member (so, "steps"), ==, 1);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (so, "step_size"), 0.05, 1e-6);
  JsonArray *one_gains = json_object_get_array_member (so, "gains");
  double below = 0;
  for (guint k = 0; k < 32; k++)
    below += json_array_get_double_element (one_gains, k) < json_array_get_double_element (gains, k);
  g_assert_cmpfloat (below, >=, 28);
}

typedef enum {
  MAP_RAW,        /* occlusion's drops */
  MAP_UNIT,       /* in [0, 1], the maximum 1 or all zero (no evidence for the class) */
  MAP_PEAK,       /* in [0, 1], the maximum 1 */
} MapRange;

/* A heat map's JSON: the shape, values row-major in range, the class
 * explained and its probability. */
static JsonObject *
check_map (JsonNode *root, const char *method, int h, int w, MapRange range)
{
  JsonObject *o = json_node_get_object (root);
  g_assert_cmpstr (json_object_get_string_member (o, "method"), ==, method);
  const int shape[2] = { h, w };
  assert_shape (o, "shape", 2, shape);
  JsonArray *v = json_object_get_array_member (o, "values");
  g_assert_cmpuint (json_array_get_length (v), ==, (guint) (h * w));
  double lo = INFINITY, hi = -INFINITY;
  for (guint i = 0; i < json_array_get_length (v); i++)
    {
      double x = json_array_get_double_element (v, i);
      lo = MIN (lo, x);
      hi = MAX (hi, x);
    }
  g_test_message ("%s: %dx%d, values %.4g to %.9g, class %s at %.4f", method, h, w, lo, hi,
                  json_object_get_string_member (o, "class_name"),
                  json_object_get_double_member (o, "probability"));
  if (range != MAP_RAW)
    {
      g_assert_cmpfloat (lo, >=, 0);
      /* the engine divides by the maximum, or multiplies by its reciprocal */
      g_assert_cmpfloat (hi, <=, 1);
      g_assert_true (fabs (hi - 1) < 1e-6 || (hi == 0 && range == MAP_UNIT));
    }
  g_assert_cmpfloat (json_object_get_double_member (o, "min"), ==, lo);
  g_assert_cmpfloat (json_object_get_double_member (o, "max"), ==, hi);
  double p = json_object_get_double_member (o, "probability");
  g_assert_cmpfloat (p, >, 0);
  g_assert_cmpfloat (p, <=, 1);
  gint64 cls = json_object_get_int_member (o, "class");
  g_assert_cmpint (cls, >=, 0);
  g_assert_cmpint (cls, <, 10);
  return o;
}

/* Grad-CAM at the default layer (pool2, the last image-like one, 5x5) for
 * the predicted class, at conv1 (26x26) for a class given by number and by
 * name, and over the input as a PNG. */
static void
test_inspect_gradcam (void)
{
  const char *model = trained_convnet ();
  g_autofree char *png = g_build_filename (inspect_dir, "cam.png", NULL);
  const char *args[] = { "inspect", model, "gradcam", "--index", "7", "--out", png, "--json",
                         NULL };
  g_autoptr (JsonNode) root = inspect_json (args, NULL);
  /* Grad-CAM may be all zero even for the predicted class: with a Flatten
   * head, the weighted sum of the channels can be negative everywhere
   * (checked in numpy on such a model), so the peak is asked of at least
   * one of the maps below, not of each */
  JsonObject *o = check_map (root, "gradcam", 5, 5, MAP_UNIT);
  g_assert_cmpstr (json_object_get_string_member (o, "layer"), ==, "pool2");
  g_assert_cmpint (json_object_get_int_member (o, "class"), ==,
                   json_object_get_int_member (o, "predicted"));
  g_assert_cmpfloat (json_object_get_double_member (o, "probability"), ==,
                     json_object_get_double_member (o, "predicted_probability"));
  /* 28x28 enlarged 8 times */
  assert_png (png, 224, 224);

  const char *a2[] = { "inspect", model, "gradcam", "--index", "7", "--layer", "conv1",
                       "--class", "1", "--json", NULL };
  g_autoptr (JsonNode) r2 = inspect_json (a2, NULL);
  JsonObject *o2 = check_map (r2, "gradcam", 26, 26, MAP_UNIT);
  g_assert_cmpint (json_object_get_int_member (o2, "class"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (o2, "class_name"), ==, "Trouser");

  /* the predicted class at conv1: some evidence for it somewhere */
  const char *a4[] = { "inspect", model, "gradcam", "--index", "7", "--layer", "conv1", "--json",
                       NULL };
  g_autoptr (JsonNode) r4 = inspect_json (a4, NULL);
  JsonObject *o4 = check_map (r4, "gradcam", 26, 26, MAP_UNIT);
  g_assert_cmpfloat (json_object_get_double_member (o, "max")
                     + json_object_get_double_member (o4, "max"), >, 0.99);

  const char *a3[] = { "inspect", model, "gradcam", "--index", "7", "--layer", "conv1",
                       "--class", "trouser", "--json", NULL };
  g_autoptr (JsonNode) r3 = inspect_json (a3, NULL);
  JsonObject *o3 = json_node_get_object (r3);
  g_assert_cmpint (json_object_get_int_member (o3, "class"), ==, 1);
  /* the same map whichever way the class was named */
  g_autofree char *v2 = json_to_string (json_object_get_member (o2, "values"), FALSE);
  g_autofree char *v3 = json_to_string (json_object_get_member (o3, "values"), FALSE);
  g_assert_cmpstr (v2, ==, v3);

  g_autofree char *out = NULL, *err = NULL;
  const char *targs[] = { "inspect", model, "gradcam", NULL };
  g_assert_cmpint (run (targs, &out, &err), ==, 0);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "Grad-CAM for "));
  g_assert_nonnull (strstr (out, " at pool2: 5x5"));
}

/* Saliency at the input's resolution, in [0, 1]. */
static void
test_inspect_saliency (void)
{
  const char *model = trained_convnet ();
  g_autofree char *png = g_build_filename (inspect_dir, "saliency.png", NULL);
  const char *args[] = { "inspect", model, "saliency", "--index", "2", "--class", "9",
                         "--out", png, "--json", NULL };
  g_autoptr (JsonNode) root = inspect_json (args, NULL);
  JsonObject *o = check_map (root, "saliency", 28, 28, MAP_PEAK);
  g_assert_cmpint (json_object_get_int_member (o, "class"), ==, 9);
  g_assert_false (json_object_has_member (o, "layer"));
  assert_png (png, 224, 224);
}

/* Occlusion of a PNG given with --image: 56x56 colour, converted to the
 * model's 28x28 grey and said so, on stderr and in the JSON; raw drops at the input's resolution. */
static void
test_inspect_occlusion_image (void)
{
  const char *model = trained_convnet ();
  g_autofree char *image = g_build_filename (inspect_dir, "boot.png", NULL);
  g_autofree guint8 *px = g_malloc (56 * 56 * 3);
  for (int y = 0; y < 56; y++)
    for (int x = 0; x < 56; x++)
      {
        gboolean in = y > 30 && y < 50 && x > 6 && x < 50;
        px[(y * 56 + x) * 3] = in ? 220 : 0;
        px[(y * 56 + x) * 3 + 1] = in ? 200 : 0;
        px[(y * 56 + x) * 3 + 2] = in ? 90 : 10;
      }
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_png_write (image, px, 56, 56, 3, &error));
  g_assert_no_error (error);
  g_autofree char *png = g_build_filename (inspect_dir, "occlusion.png", NULL);
  const char *args[] = { "inspect", model, "occlusion", "--image", image, "--out", png,
                         "--json", NULL };
  g_autofree char *err = NULL;
  g_autoptr (JsonNode) root = inspect_json (args, &err);
  g_test_message ("stderr: %s", err);
  g_assert_nonnull (strstr (err, "56x56 colour, converted from colour to grey (luma), "
                                 "resized from 56x56 to 28x28"));
  JsonObject *o = check_map (root, "occlusion", 28, 28, MAP_RAW);
  JsonObject *input = json_object_get_object_member (o, "input");
  g_assert_cmpstr (json_object_get_string_member (input, "image"), ==, image);
  g_assert_nonnull (strstr (json_object_get_string_member (input, "conversion"),
                            "converted from colour to grey (luma), resized from 56x56 to 28x28"));
  JsonArray *file_shape = json_object_get_array_member (input, "file_shape");
  g_assert_cmpuint (json_array_get_length (file_shape), ==, 3);
  g_assert_cmpint (json_array_get_int_element (file_shape, 0), ==, 56);
  g_assert_cmpint (json_array_get_int_element (file_shape, 2), ==, 3);
  g_assert_false (json_object_has_member (input, "label"));
  /* drops of a probability: within [-1, 1], some of them not zero */
  g_assert_cmpfloat (json_object_get_double_member (o, "min"), >=, -1);
  g_assert_cmpfloat (json_object_get_double_member (o, "max"), <=, 1);
  g_assert_cmpfloat (json_object_get_double_member (o, "max")
                     - json_object_get_double_member (o, "min"), >, 0);
  assert_png (png, 224, 224);
}

/* The confusion matrix sums to the test split, its diagonal share is
 * evaluate's accuracy, and the most confidently wrong are wrong, most
 * confident first. */
static void
test_inspect_confusion (void)
{
  const char *model = trained_convnet ();
  const char *args[] = { "inspect", model, "confusion", "--json", NULL };
  g_autoptr (JsonNode) root = inspect_json (args, NULL);
  JsonObject *o = json_node_get_object (root);
  gint64 n = json_object_get_int_member (o, "samples");
  g_assert_cmpint (n, ==, 10000);
  g_assert_cmpint (json_object_get_int_member (o, "n_classes"), ==, 10);
  JsonArray *names = json_object_get_array_member (o, "classes");
  g_assert_cmpstr (json_array_get_string_element (names, 9), ==, "Ankle boot");
  JsonArray *counts = json_object_get_array_member (o, "counts");
  g_assert_cmpuint (json_array_get_length (counts), ==, 10);
  gint64 total = 0, diagonal = 0;
  for (guint i = 0; i < 10; i++)
    {
      JsonArray *row = json_array_get_array_element (counts, i);
      g_assert_cmpuint (json_array_get_length (row), ==, 10);
      for (guint j = 0; j < 10; j++)
        {
          gint64 v = json_array_get_int_element (row, j);
          g_assert_cmpint (v, >=, 0);
          total += v;
          diagonal += i == j ? v : 0;
        }
    }
  g_assert_cmpint (total, ==, n);
  double acc = json_object_get_double_member (o, "accuracy");
  g_assert_cmpfloat_with_epsilon (acc, (double) diagonal / n, 1e-6);
  for (guint i = 0; i < 10; i++)
    {
      JsonNode *pn = json_array_get_element (json_object_get_array_member (o, "precision"), i);
      JsonNode *rn = json_array_get_element (json_object_get_array_member (o, "recall"), i);
      g_assert_false (JSON_NODE_HOLDS_NULL (rn));   /* every class has test samples */
      g_assert_cmpfloat (json_node_get_double (rn), >=, 0);
      g_assert_cmpfloat (json_node_get_double (rn), <=, 1);
      if (!JSON_NODE_HOLDS_NULL (pn))
        {
          g_assert_cmpfloat (json_node_get_double (pn), >=, 0);
          g_assert_cmpfloat (json_node_get_double (pn), <=, 1);
        }
    }
  g_autofree char *eout = NULL, *eerr = NULL;
  const char *eargs[] = { "evaluate", model, "--json", NULL };
  g_assert_cmpint (run (eargs, &eout, &eerr), ==, 0);
  g_autoptr (GPtrArray) e = json_lines (eout);
  double eacc = json_object_get_double_member (obj (e, 0), "test_accuracy");
  g_test_message ("confusion accuracy %.4f, evaluate %.4f", acc, eacc);
  g_assert_cmpfloat_with_epsilon (acc, eacc, 1e-4);

  JsonArray *wrong = json_object_get_array_member (o, "most_wrong");
  g_assert_cmpuint (json_array_get_length (wrong), ==, 10);
  double last = INFINITY;
  for (guint k = 0; k < 10; k++)
    {
      JsonObject *w = json_array_get_object_element (wrong, k);
      double conf = json_object_get_double_member (w, "confidence");
      g_assert_cmpint (json_object_get_int_member (w, "true"), !=,
                       json_object_get_int_member (w, "predicted"));
      g_assert_cmpfloat (conf, <=, last);
      last = conf;
    }
  /* the first one, inspected by its --index, is predicted as listed */
  JsonObject *w0 = json_array_get_object_element (wrong, 0);
  g_autofree char *idx = g_strdup_printf ("%" G_GINT64_FORMAT,
                                          json_object_get_int_member (w0, "test_index"));
  const char *aargs[] = { "inspect", model, "activations", "--index", idx, "--json", NULL };
  g_autoptr (JsonNode) a = inspect_json (aargs, NULL);
  JsonObject *ao = json_node_get_object (a);
  JsonObject *pred = json_object_get_object_member (ao, "prediction");
  g_assert_cmpint (json_object_get_int_member (pred, "class"), ==,
                   json_object_get_int_member (w0, "predicted"));
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (ao, "input"),
                                               "label"), ==,
                   json_object_get_int_member (w0, "true"));

  g_autofree char *out = NULL, *err = NULL;
  const char *targs[] = { "inspect", model, "confusion", NULL };
  g_assert_cmpint (run (targs, &out, &err), ==, 0);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "Ankle boot"));
  g_assert_nonnull (strstr (out, "precision"));
  g_assert_nonnull (strstr (out, "accuracy "));
}

/* What inspect refuses: with exit 2 a command line it cannot run, with
 * exit 1 what the model or the data rule out; always a message naming the
 * valid choices, and nothing on stdout. */
typedef struct {
  const char *args[8];   /* after "inspect"; "@M": the trained model, "@U": untrained,
                            "@S": a trained MLP on spirals */
  int         rc;
  const char *names;
  const char *also;
} BadInspect;

static const BadInspect bad_inspect[] = {
  { { "@U", "activations" }, 1, "has no weights", "train it first" },
  { { "@M", "heatmap" }, 2, "not “heatmap”", "activations, filters, gradcam" },
  { { "@M" }, 2, "inspect takes one model file and one of", NULL },
  { { "@M", "gradcam", "--layer", "nosuch" }, 1, "--layer nosuch", "conv1, pool1, conv2" },
  { { "@M", "gradcam", "--layer", "classes" }, 1, "not an image", "conv1, pool1, conv2, pool2" },
  { { "@M", "filters", "--layer", "flatten" }, 1, "not an image", NULL },
  { { "@M", "gradcam", "--class", "10" }, 1, "from 0 to 9", "Ankle boot" },
  { { "@M", "saliency", "--class", "Boot" }, 1, "--class", "“Boot”" },
  { { "@M", "activations", "--index", "10000" }, 1, "--index 10000", "0 to 9999" },
  { { "@M", "activations", "--index", "-1" }, 2, "--index", "from 0" },
  { { "@M", "activations", "--index", "x" }, 2, "--index", NULL },
  { { "@M", "gradcam", "--index", "1", "--image", "a.png" }, 2, "--index and --image", NULL },
  { { "@M", "filters", "--class", "1" }, 2, "--class", "not an option of “inspect filters”" },
  { { "@M", "filters", "--index", "1" }, 2, "--index", "not an option" },
  { { "@M", "filters", "--steps", "0" }, 2, "--steps", "from 1 to 100000" },
  { { "@M", "filters", "--step-size", "-1" }, 2, "--step-size", "above 0" },
  { { "@M", "gradcam", "--steps", "5" }, 2, "--steps", "not an option of “inspect gradcam”" },
  { { "@M", "confusion", "--out", "c.png" }, 2, "--out", "not an option" },
  { { "@M", "saliency", "--layer", "conv1" }, 2, "--layer", "not an option" },
  { { "@M", "gradcam", "--out", "cam.jpg" }, 2, "--out", ".png" },
  { { "@M", "gradcam", "--image", "/nonexistent/x.png" }, 1, "/nonexistent/x.png", NULL },
  { { "@M", "activations", "--count", "3" }, 2, "--count", "not an option of “inspect”" },
  { { "@S", "gradcam" }, 1, "no layer with an image-like output", "saliency" },
  { { "@S", "filters" }, 1, "no layer with an image-like output", NULL },
  { { "@S", "occlusion", "--image", "x.png" }, 1, "not an image of 1 (grey) or 3 (RGB)", NULL },
};

static void
test_inspect_errors (void)
{
  const char *model = trained_convnet ();
  g_autofree char *mlp = g_build_filename (inspect_dir, "spirals.json", NULL);
  g_autofree char *o1 = NULL, *e1 = NULL;
  const char *targs[] = { "train", test_sample ("spirals_mlp.json"), "--epochs", "1", "--quiet",
                          "--save", mlp, NULL };
  g_assert_cmpint (run (targs, &o1, &e1), ==, 0);
  g_autofree char *untrained = g_strdup (test_sample ("fashion_small.json"));
  for (guint k = 0; k < G_N_ELEMENTS (bad_inspect); k++)
    {
      const BadInspect *b = &bad_inspect[k];
      const char *args[12];
      int n = 0;
      args[n++] = "inspect";
      for (int a = 0; b->args[a]; a++)
        args[n++] = g_str_equal (b->args[a], "@M") ? model
                    : g_str_equal (b->args[a], "@U") ? untrained
                    : g_str_equal (b->args[a], "@S") ? mlp : b->args[a];
      args[n] = NULL;
      g_autofree char *line = g_strjoinv (" ", (char **) args);
      g_autofree char *out = NULL, *err = NULL;
      int rc = run (args, &out, &err);
      g_autofree char *first = g_strndup (err, strcspn (err, "\n"));
      g_test_message ("%s → %d: %s", line, rc, first);
      g_assert_cmpint (rc, ==, b->rc);
      g_assert_nonnull (strstr (err, b->names));
      if (b->also)
        g_assert_nonnull (strstr (err, b->also));
      g_assert_cmpstr (out, ==, "");
    }
  g_unlink (mlp);
}

/* ---- dream ------------------------------------------------------------------- */

/* "octave K/N  WxH  S steps  loss A -> B" lines of stdout: their count,
 * and per octave its side and losses. */
static int
dream_octaves (const char *out, int *w, int *h, double *start, double *end, int max)
{
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  int n = 0;
  for (int i = 0; lines[i]; i++)
    {
      int k, of, steps;
      if (n < max
          && sscanf (lines[i], "octave %d/%d %dx%d %d steps loss %lf -> %lf", &k, &of, &w[n],
                     &h[n], &steps, &start[n], &end[n]) == 7)
        n++;
    }
  return n;
}

/* A 64 x 48 grey PNG of soft stripes, dreamed at its own size with two
 * octaves on fashion_small's conv2; then test sample 2 upscaled to 256 x
 * 256 (as the Generate view does) with the default layers (conv1 and conv2). */
static void
test_dream (void)
{
  const char *model = trained_convnet ();
  g_autofree char *in = g_build_filename (inspect_dir, "stripes.png", NULL);
  g_autofree char *png = g_build_filename (inspect_dir, "dream.png", NULL);
  guint8 px[48 * 64];
  for (int y = 0; y < 48; y++)
    for (int x = 0; x < 64; x++)
      px[y * 64 + x] = (guint8) (128 + 90 * sin (0.25 * x + 0.1 * y));
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_png_write (in, px, 64, 48, 1, &error));
  g_assert_no_error (error);
  const char *args[] = { "dream", model, "--image", in, "--out", png, "--layers", "conv2:1.5",
                         "--octaves", "2", "--octave-scale", "1.5", "--steps", "8", NULL };
  g_autofree char *out = NULL, *err = NULL;
  int rc = run (args, &out, &err);
  g_test_message ("%s%s", out, err);
  g_assert_cmpint (rc, ==, 0);
  int w[4], h[4];
  double start[4], end[4];
  g_assert_cmpint (dream_octaves (out, w, h, start, end, 4), ==, 2);
  /* 64 / 1.5 = 42, 48 / 1.5 = 32; then the full size */
  g_assert_cmpint (w[0], ==, 42);
  g_assert_cmpint (h[0], ==, 32);
  g_assert_cmpint (w[1], ==, 64);
  g_assert_cmpint (h[1], ==, 48);
  for (int k = 0; k < 2; k++)
    g_assert_cmpfloat (end[k], >, start[k]);
  int pw = 0, ph = 0, pc = 0;
  g_autofree guint8 *dreamed = nn_png_read (png, 0, &pw, &ph, &pc, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pw, ==, 64);
  g_assert_cmpint (ph, ==, 48);
  g_assert_cmpint (pc, ==, 1);
  /* The picture changed: the mean pixel difference from the stripes. */
  double diff = 0;
  for (int i = 0; i < 64 * 48; i++)
    diff += abs ((int) dreamed[i] - (int) px[i]);
  g_test_message ("mean change %.1f of 255", diff / (64 * 48));
  g_assert_cmpfloat (diff / (64 * 48), >, 2.0);

  const char *a2[] = { "dream", model, "--index", "2", "--out", png, "--steps", "3", "--quiet",
                       NULL };
  g_autofree char *out2 = NULL, *err2 = NULL;
  g_assert_cmpint (run (a2, &out2, &err2), ==, 0);
  g_assert_cmpint (dream_octaves (out2, w, h, start, end, 4), ==, 3);
  g_assert_cmpint (w[2], ==, 256);
  g_assert_cmpint (h[2], ==, 256);
  /* 256 / 1.4^2 = 130.6, 256 / 1.4 = 182.9 */
  g_assert_cmpint (w[0], ==, 130);
  g_assert_cmpint (w[1], ==, 182);
  g_autofree guint8 *big = nn_png_read (png, 0, &pw, &ph, &pc, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pw, ==, 256);
  g_assert_cmpint (ph, ==, 256);
  g_unlink (in);
  g_unlink (png);
}

typedef struct {
  const char *args[10];
  int         rc;
  const char *names;
  const char *also;
} BadDream;

static const BadDream bad_dream[] = {
  { { "@U", "--out", "d.png" }, 1, "has no weights", "train it first" },
  { { "@M" }, 2, "--out OUT.png", NULL },
  { { "@M", "--out", "d.png", "--layers", "nosuch" }, 1, "no layer “nosuch”", "conv1, pool1" },
  { { "@M", "--out", "d.png", "--layers", "classes:1" }, 1, "“classes” (Dense", "conv2" },
  { { "@M", "--out", "d.png", "--layers", "conv1:x" }, 2, "--layers", "NAME:WEIGHT" },
  { { "@M", "--out", "d.png", "--octaves", "0" }, 2, "--octaves", "1 to 20" },
  { { "@M", "--out", "d.png", "--octave-scale", "0.5" }, 2, "--octave-scale", "1 to 4" },
  { { "@M", "--out", "d.png", "--steps", "-3" }, 2, "--steps", NULL },
  { { "@M", "--out", "d.png", "--step-size", "0" }, 2, "--step-size", "above 0" },
  { { "@M", "--out", "d.png", "--max-loss", "many" }, 2, "--max-loss", NULL },
  { { "@M", "--out", "d.png", "--image", "a.png", "--index", "1" }, 2, "--index and --image",
    NULL },
  { { "@M", "--out", "d.png", "--index", "10000" }, 1, "--index 10000", "0 to 9999" },
  { { "@M", "--out", "d.png", "--image", "@T" }, 1, "too small", "at least" },
  { { "@M", "--out", "d.png", "--class", "1" }, 2, "--class", "not an option of “dream”" },
  { { "@M", "extra", "--out", "d.png" }, 2, "dream takes one model file", NULL },
};

static void
test_dream_errors (void)
{
  const char *model = trained_convnet ();
  g_autofree char *tiny = g_build_filename (inspect_dir, "tiny.png", NULL);
  guint8 px[12 * 12] = { 0 };
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_png_write (tiny, px, 12, 12, 1, &error));
  g_autofree char *untrained = g_strdup (test_sample ("fashion_small.json"));
  for (guint k = 0; k < G_N_ELEMENTS (bad_dream); k++)
    {
      const BadDream *b = &bad_dream[k];
      const char *args[12];
      int n = 0;
      args[n++] = "dream";
      for (int a = 0; b->args[a]; a++)
        args[n++] = g_str_equal (b->args[a], "@M") ? model
                    : g_str_equal (b->args[a], "@U") ? untrained
                    : g_str_equal (b->args[a], "@T") ? tiny : b->args[a];
      args[n] = NULL;
      g_autofree char *line = g_strjoinv (" ", (char **) args);
      g_autofree char *out = NULL, *err = NULL;
      int rc = run (args, &out, &err);
      g_test_message ("%s → %d: %s", line, rc, err);
      g_assert_cmpint (rc, ==, b->rc);
      g_assert_nonnull (strstr (err, b->names));
      if (b->also)
        g_assert_nonnull (strstr (err, b->also));
      g_assert_cmpstr (out, ==, "");
      g_assert_false (g_file_test ("d.png", G_FILE_TEST_EXISTS));
    }
  g_unlink (tiny);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/inspect/activations", test_inspect_activations);
  g_test_add_func ("/cli/inspect/filters", test_inspect_filters);
  g_test_add_func ("/cli/inspect/gradcam", test_inspect_gradcam);
  g_test_add_func ("/cli/inspect/saliency", test_inspect_saliency);
  g_test_add_func ("/cli/inspect/occlusion-image", test_inspect_occlusion_image);
  g_test_add_func ("/cli/inspect/confusion", test_inspect_confusion);
  g_test_add_func ("/cli/inspect/errors", test_inspect_errors);
  g_test_add_func ("/cli/dream", test_dream);
  g_test_add_func ("/cli/dream/errors", test_dream_errors);
  int rc = g_test_run ();
  if (inspect_dir)
    remove_tree (inspect_dir);
  g_free (inspect_dir);
  g_free (inspect_model);
  return rc;
}
