/* SPDX-License-Identifier: GPL-3.0-or-later */
/* deepscope-cli style: a short transfer on the random filters lowers the
 * style loss and writes the picture; missing or broken pictures, bad layer
 * names and bad values are refused in words with the right exit code. */
#include <string.h>

#include "nn.h"
#include "cli-test-util.h"

static char *dir;

static char *
scratch (const char *name)
{
  return g_build_filename (dir, name, NULL);
}

/* A smooth gray-blue content and a striped style, 40 × 32 RGB. */
static void
write_pictures (void)
{
  int w = 40, h = 32;
  g_autofree guint8 *c = g_new (guint8, w * h * 3);
  g_autofree guint8 *s = g_new (guint8, w * h * 3);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int k = 0; k < 3; k++)
        {
          c[(y * w + x) * 3 + k] = (guint8) (60 + 3 * x + 2 * y + 20 * k);
          s[(y * w + x) * 3 + k] = ((x + y) / 3) % 2 ? (guint8) (220 - 60 * k) : 30;
        }
  g_autofree char *cp = scratch ("content.png"), *sp = scratch ("style.png");
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_png_write (cp, c, w, h, 3, &error));
  g_assert_true (nn_png_write (sp, s, w, h, 3, &error));
  g_autofree char *bad = scratch ("broken.png");
  g_assert_true (g_file_set_contents (bad, "not a picture", -1, NULL));
}

static double
number_after (const char *out, const char *label, int which)
{
  const char *p = strstr (out, label);
  g_assert_nonnull (p);
  p += strlen (label);
  double a = g_ascii_strtod (p, (char **) &p);
  g_assert_nonnull (strstr (p, "->"));
  double b = g_ascii_strtod (strstr (p, "->") + 2, NULL);
  return which ? b : a;
}

static void
test_transfer (void)
{
  g_autofree char *cp = scratch ("content.png"), *sp = scratch ("style.png");
  g_autofree char *op = scratch ("out.png");
  const char *args[] = { "style", "--content", cp, "--style", sp, "--out", op, "--size", "40",
                         "--iterations", "40", "--quiet", NULL };
  g_autofree char *out = NULL, *err = NULL;
  int rc = run (args, &out, &err);
  g_test_message ("%s%s", out, err);
  g_assert_cmpint (rc, ==, 0);
  g_assert_nonnull (strstr (out, "random filters"));
  double s0 = number_after (out, "style loss ", 0), s1 = number_after (out, "style loss ", 1);
  g_assert_cmpfloat (s1, <, s0);
  int w = 0, h = 0, fc = 0;
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *px = nn_png_read (op, 0, &w, &h, &fc, &error);
  g_assert_no_error (error);
  g_assert_cmpint (w, ==, 40);
  g_assert_cmpint (h, ==, 32);
  g_assert_cmpint (fc, ==, 3);
}

static void
expect (const char *const *args, int want_rc, const char *words)
{
  g_autofree char *out = NULL, *err = NULL;
  int rc = run (args, &out, &err);
  g_test_message ("%s", err);
  g_assert_cmpint (rc, ==, want_rc);
  g_assert_nonnull (strstr (err, words));
}

static void
test_refusals (void)
{
  g_autofree char *cp = scratch ("content.png"), *sp = scratch ("style.png");
  g_autofree char *op = scratch ("never.png"), *none = scratch ("missing.png");
  g_autofree char *bad = scratch ("broken.png");
  const char *no_content[] = { "style", "--style", sp, "--out", op, NULL };
  expect (no_content, 2, "give --content C.png");
  const char *missing[] = { "style", "--content", none, "--style", sp, "--out", op, NULL };
  expect (missing, 1, "missing.png");
  const char *broken[] = { "style", "--content", cp, "--style", bad, "--out", op, NULL };
  expect (broken, 1, "broken.png");
  const char *layer[] = { "style", "--content", cp, "--style", sp, "--out", op,
                          "--style-layers", "conv1,nope", NULL };
  expect (layer, 1, "no layer “nope”");
  const char *content_layer[] = { "style", "--content", cp, "--style", sp, "--out", op,
                                  "--content-layer", "image", NULL };
  expect (content_layer, 1, "cannot be a content layer");
  const char *weight[] = { "style", "--content", cp, "--style", sp, "--out", op,
                           "--style-weight", "-3", NULL };
  expect (weight, 2, "--style-weight takes a number of 0 or more");
  const char *iters[] = { "style", "--content", cp, "--style", sp, "--out", op,
                          "--iterations", "0", NULL };
  expect (iters, 2, "--iterations takes");
  const char *both[] = { "style", "--content", cp, "--style", sp, "--out", op, "--model",
                         "x.json", "--random-filters", NULL };
  expect (both, 2, "give one");
  const char *model[] = { "style", "--content", cp, "--style", sp, "--out", op, "--model",
                          none, NULL };
  expect (model, 1, "missing.png");
  g_assert_false (g_file_test (op, G_FILE_TEST_EXISTS));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_autoptr (GError) error = NULL;
  dir = g_dir_make_tmp ("deepscope-style-XXXXXX", &error);
  g_assert_no_error (error);
  write_pictures ();
  g_test_add_func ("/cli/style/transfer", test_transfer);
  g_test_add_func ("/cli/style/refusals", test_refusals);
  int rc = g_test_run ();
  remove_tree (dir);
  g_free (dir);
  return rc;
}
