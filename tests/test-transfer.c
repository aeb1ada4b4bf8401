/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nn_model_copy_weights_into: a trained base's weights copied into a Model
 * layer of another model, by layer name and shape. After the copy the nested
 * layers' weights equal the source's bit for bit; a mismatch is refused
 * naming the layer and both shapes, and changes nothing. */
#include <string.h>

#include "nn.h"
#include "test-util.h"

static NnModel *
load (const char *name)
{
  g_autoptr (GError) error = NULL;
  NnModel *m = nn_model_load (test_sample (name), &error);

  g_assert_no_error (error);
  g_assert_nonnull (m);
  return m;
}

/* Every weight of every layer of a and b (layers paired by name) equal bit
 * for bit; returns the number of layers compared. */
static int
assert_same_weights (const NnModel *a,
                     const NnModel *b)
{
  int n = 0;

  for (int l = 0; l < nn_model_get_n_layers (a); l++)
    {
      int j = nn_model_find_layer (b, nn_model_layer_get_name (a, l));

      g_assert_cmpint (j, >=, 0);
      g_assert_cmpint (nn_model_layer_get_n_weights (a, l), ==, nn_model_layer_get_n_weights (b, j));
      for (int k = 0; k < nn_model_layer_get_n_weights (a, l); k++)
        {
          NnTensor x, y;

          nn_model_layer_get_weight (a, l, k, &x);
          nn_model_layer_get_weight (b, j, k, &y);
          g_assert_cmpuint (x.size, ==, y.size);
          g_assert_nonnull (x.data);
          g_assert_true (memcmp (x.data, y.data, x.size * sizeof (float)) == 0);
        }
      n += nn_model_layer_get_n_weights (a, l) > 0;
    }
  return n;
}

static gboolean
weights_differ (const NnModel *a,
                const NnModel *b,
                const char    *layer)
{
  NnTensor x, y;

  nn_model_layer_get_weight (a, nn_model_find_layer (a, layer), 0, &x);
  nn_model_layer_get_weight (b, nn_model_find_layer (b, layer), 0, &y);
  return x.size != y.size || memcmp (x.data, y.data, x.size * sizeof (float)) != 0;
}

static NnModel *
sub (NnModel    *m,
     const char *name)
{
  return nn_model_layer_get_submodel (m, nn_model_find_layer (m, name));
}

/* The base (weights from seed 7) into the head, which has none: the three
 * convolutions are copied, the head's own layers come from the seed. */
static void
test_copy (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) base = load ("transfer_base.json");
  g_autoptr (NnModel) head = load ("transfer_head.json");
  g_autoptr (NnModel) fresh = load ("transfer_head.json");
  int n;

  g_assert_true (nn_model_init_weights (base, 7, &error));
  g_assert_true (nn_model_init_weights (fresh, 3, &error));
  g_assert_false (nn_model_has_weights (head));
  /* before: a head from seed 3 differs from the base */
  g_assert_true (weights_differ (sub (fresh, "conv_base"), sub (base, "conv_base"), "conv1"));

  n = nn_model_copy_weights_into (head, nn_model_find_layer (head, "conv_base"), base, 3, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 3);
  g_assert_true (nn_model_has_weights (head));
  g_assert_cmpint (assert_same_weights (sub (head, "conv_base"), sub (base, "conv_base")), ==, 3);
  /* the head's own layers: from the seed, not from the base's head */
  g_assert_false (weights_differ (head, fresh, "hidden"));
  g_assert_false (weights_differ (head, fresh, "classes"));
  /* the copy is the head's own: changing the base afterwards leaves it */
  {
    NnTensor w;

    nn_model_layer_get_weight (sub (base, "conv_base"), 1, 0, &w);
    w.data[0] += 1.0f;
    g_assert_true (weights_differ (sub (head, "conv_base"), sub (base, "conv_base"), "conv1"));
  }
}

/* Through a file, as the app does: the base saved with its weights, loaded,
 * copied into a head that already has weights (only conv_base changes). */
static void
test_copy_from_file (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) base = load ("transfer_base.json");
  g_autoptr (NnModel) head = load ("transfer_head.json");
  g_autoptr (NnModel) before = NULL;
  g_autoptr (NnModel) saved = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ds-transfer-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "base.json", NULL);

  g_assert_true (nn_model_init_weights (base, 11, &error));
  g_assert_true (nn_model_save (base, path, TRUE, &error));
  saved = nn_model_load (path, &error);
  g_assert_no_error (error);
  g_assert_true (nn_model_init_weights (head, 5, &error));
  before = nn_model_copy (head);

  g_assert_cmpint (nn_model_copy_weights_into (head, nn_model_find_layer (head, "conv_base"), saved,
                                               5, &error), ==, 3);
  g_assert_no_error (error);
  assert_same_weights (sub (head, "conv_base"), sub (base, "conv_base"));
  g_assert_false (weights_differ (head, before, "hidden"));
  g_assert_true (weights_differ (sub (head, "conv_base"), sub (before, "conv_base"), "conv3"));
  test_remove_tree (dir);
}

/* A base saved on its own (its layers at the top level) gives its layers of
 * the same names. */
static void
test_copy_from_bare_base (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) base = load ("transfer_base.json");
  g_autoptr (NnModel) head = load ("transfer_head.json");
  g_autoptr (NnModel) bare = NULL;

  g_assert_true (nn_model_init_weights (base, 13, &error));
  bare = nn_model_copy (sub (base, "conv_base"));
  g_assert_true (nn_model_has_weights (bare));
  g_assert_cmpint (nn_model_copy_weights_into (head, nn_model_find_layer (head, "conv_base"), bare,
                                               1, &error), ==, 3);
  g_assert_no_error (error);
  assert_same_weights (sub (head, "conv_base"), bare);
}

/* Refusals leave the model as it was: its file text, weights included, is
 * the same before and after. */
static void
expect_refusal (NnModel    *head,
                int         layer,
                NnModel    *src,
                const char *const *parts)
{
  g_autoptr (GError) error = NULL;
  gboolean had = nn_model_has_weights (head);
  g_autofree char *before = nn_model_to_json (head, had, NULL);
  g_autofree char *after = NULL;

  g_assert_cmpint (nn_model_copy_weights_into (head, layer, src, 9, &error), ==, -1);
  g_assert_error (error, NN_MODEL_ERROR, error->code);
  g_test_message ("refused: %s", error->message);
  for (guint i = 0; parts[i]; i++)
    if (!strstr (error->message, parts[i]))
      g_error ("“%s” does not name “%s”", error->message, parts[i]);
  g_assert_true (nn_model_has_weights (head) == had);
  after = nn_model_to_json (head, had, NULL);
  g_assert_cmpstr (before, ==, after);
}

static void
test_mismatch (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) base = load ("transfer_base.json");
  g_autoptr (NnModel) head = load ("transfer_head.json");
  NnModel *bsub = sub (base, "conv_base");
  int hb = nn_model_find_layer (head, "conv_base");

  /* conv2 with 48 filters: its kernel and bias differ (conv3's input too,
   * but conv2 comes first) */
  g_assert_true (nn_model_layer_set_param (bsub, nn_model_find_layer (bsub, "conv2"), "filters",
                                           "48", &error));
  g_assert_true (nn_model_init_weights (base, 7, &error));
  expect_refusal (head, hb, base, (const char *const[]) { "conv2", "(3, 3, 32, 64)",
                                                          "(3, 3, 32, 48)", NULL });
  g_assert_false (nn_model_has_weights (head));
  /* the same with a head that has weights */
  g_assert_true (nn_model_init_weights (head, 2, &error));
  expect_refusal (head, hb, base, (const char *const[]) { "conv2", "(3, 3, 32, 64)",
                                                          "(3, 3, 32, 48)", NULL });
}

static void
test_refusals (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) base = load ("transfer_base.json");
  g_autoptr (NnModel) head = load ("transfer_head.json");
  g_autoptr (NnModel) other = load ("fashion_mlp.json");
  int hb = nn_model_find_layer (head, "conv_base");

  /* a source without weights */
  expect_refusal (head, hb, base, (const char *const[]) { "no weights", NULL });
  /* not a Model layer */
  g_assert_true (nn_model_init_weights (base, 1, &error));
  expect_refusal (head, nn_model_find_layer (head, "hidden"), base,
                  (const char *const[]) { "hidden", "not a Model layer", NULL });
  /* a source with no layer of those names */
  g_assert_true (nn_model_init_weights (other, 1, &error));
  expect_refusal (head, hb, other, (const char *const[]) { "conv_base", NULL });
}

int
main (int argc, char *argv[])
{
  nn_init (argc, argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/transfer/copy", test_copy);
  g_test_add_func ("/engine/transfer/copy-from-file", test_copy_from_file);
  g_test_add_func ("/engine/transfer/copy-from-bare-base", test_copy_from_bare_base);
  g_test_add_func ("/engine/transfer/mismatch", test_mismatch);
  g_test_add_func ("/engine/transfer/refusals", test_refusals);
  return g_test_run ();
}
