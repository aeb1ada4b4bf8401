/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Style transfer at work (slow suite): on 64 × 64 RGB pictures with the
 * random filters and the default weights, 300 Adam iterations lower the
 * style loss at least 10-fold while the content loss stays under a
 * tenth of the style picture's own content loss (what it would be if the
 * result simply became the style picture). */
#include <math.h>

#include "test-util.h"

#define SIDE 64
#define ITERATIONS 300

static NnTensor *
picture (gboolean stripes)
{
  int shape[4] = { 1, SIDE, SIDE, 3 };
  NnTensor *t = nn_tensor_new (4, shape);
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++)
      for (int k = 0; k < 3; k++)
        {
          double v;
          if (stripes)
            v = ((x + 2 * y) / 4) % 2 ? 0.85 - 0.3 * k : 0.1 + 0.1 * k;
          else /* a disc on a gradient */
            v = (hypot (x - 30.0, y - 34.0) < 18 ? 0.8 : 0.2 + 0.004 * x) - 0.1 * k;
          t->data[((size_t) y * SIDE + x) * 3 + k] = (float) v;
        }
  return t;
}

static void
test_style_slow (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_style_random_filters (3, 1, &error);
  g_assert_no_error (error);
  g_autoptr (NnTensor) content = picture (FALSE);
  g_autoptr (NnTensor) style = picture (TRUE);
  NnStyleConfig cfg;
  nn_style_config_init (&cfg);
  cfg.iterations = ITERATIONS;
  g_autoptr (NnStyle) s = nn_style_new (m, content, style, &cfg, &error);
  g_assert_no_error (error);
  NnStyleLosses as_style;
  nn_style_evaluate (s, style, &as_style, NULL);
  NnStyleLosses first, last;
  g_autoptr (NnTensor) out
    = nn_style_transfer (m, content, style, &cfg, NULL, NULL, &first, &last, &error);
  g_assert_no_error (error);
  g_test_message ("style %.5g -> %.5g (%.1fx lower); content %.5g -> %.5g (the style picture's: "
                  "%.5g); tv %.5g -> %.5g",
                  first.style, last.style, first.style / last.style, first.content,
                  last.content, as_style.content, first.tv, last.tv);
  g_assert_cmpfloat (last.style * 10, <=, first.style);
  g_assert_cmpfloat (last.content, <=, 0.1 * as_style.content);
  nn_style_config_clear (&cfg);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  nn_init (argc, argv);
  g_test_add_func ("/slow/style/transfer", test_style_slow);
  return g_test_run ();
}
