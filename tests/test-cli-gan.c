/* SPDX-License-Identifier: GPL-3.0-or-later */
/* deepscope-cli gan end to end: usage errors exit 2 naming the option; a
 * short run of the ring samples writes both models, which load, and the
 * picture; a bad model file exits 1 saying why. */
#include <string.h>

#include "nn.h"
#include "test-util.h"
#include "cli-test-util.h"

static void
expect (const char *const *args, int rc, const char *in_stderr)
{
  g_autofree char *out = NULL, *err = NULL;
  g_assert_cmpint (run (args, &out, &err), ==, rc);
  if (in_stderr && strstr (err, in_stderr) == NULL)
    g_error ("“%s” not in: %s", in_stderr, err);
}

static void
test_usage (void)
{
  g_autofree char *g = g_strdup (test_sample ("gan_ring_generator.json"));
  g_autofree char *d = g_strdup (test_sample ("gan_ring_discriminator.json"));
  expect ((const char *[]) { "gan", g, "--out-dir", "/tmp/x", NULL }, 2, "two model files");
  expect ((const char *[]) { "gan", g, d, NULL }, 2, "--out-dir DIR");
  expect ((const char *[]) { "gan", g, d, "--out-dir", "/tmp/x", "--d-steps", "0", NULL }, 2,
          "--d-steps takes a whole number from 1 to 100");
  expect ((const char *[]) { "gan", g, d, "--out-dir", "/tmp/x", "--label-flip", "0.9", NULL },
          2, "--label-flip");
  expect ((const char *[]) { "gan", g, d, "--out-dir", "/tmp/x", "--steps", "1x", NULL }, 2,
          "not “1x”");
  expect ((const char *[]) { "gan", g, d, "--out-dir", "/tmp/x", "--epochs", "3", NULL }, 2,
          "--epochs is not an option");
  /* the discriminator where the generator should be: it has 2 inputs of
   * latent, so it makes 1 value, not the 2 the discriminator reads */
  expect ((const char *[]) { "gan", d, d, "--out-dir", "/tmp/x", NULL }, 1,
          "makes samples of shape");
  expect ((const char *[]) { "gan", g, "/nonexistent.json", "--out-dir", "/tmp/x", NULL }, 1,
          "nonexistent.json");
}

/* gan --help lists gan's options, not every command's. */
static void
test_help (void)
{
  g_autofree char *out = NULL, *err = NULL;
  g_assert_cmpint (run ((const char *[]) { "gan", "--help", NULL }, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "--label-noise"));
  g_assert_nonnull (strstr (out, "--out-dir"));
  g_assert_null (strstr (out, "--epochs"));
  g_assert_null (strstr (out, "--temperature"));
}

static void
test_ring (void)
{
  g_autofree char *dir = g_dir_make_tmp ("cli-gan-XXXXXX", NULL);
  g_autofree char *g = g_strdup (test_sample ("gan_ring_generator.json"));
  g_autofree char *d = g_strdup (test_sample ("gan_ring_discriminator.json"));
  g_autofree char *out = NULL, *err = NULL;
  const char *args[] = { "gan", g, d, "--out-dir", dir, "--steps", "40", "--batch", "32",
                         "--d-steps", "2", "--label-smoothing", "0.1", NULL };
  g_assert_cmpint (run (args, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "step 40/40"));
  g_assert_nonnull (strstr (out, "ring: "));
  const char *files[] = { "generator.json", "discriminator.json", NULL };
  for (int k = 0; files[k]; k++)
    {
      g_autofree char *p = g_build_filename (dir, files[k], NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (NnModel) m = nn_model_load (p, &error);
      g_assert_no_error (error);
      g_assert_true (nn_model_has_weights (m));
    }
  g_autofree char *png = g_build_filename (dir, "samples.png", NULL);
  g_autofree char *bytes = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (png, &bytes, &len, NULL));
  g_assert_cmpuint (len, >, 1000);
  g_assert_true (memcmp (bytes, "\x89PNG", 4) == 0);
  remove_tree (dir);
}

int
main (int argc, char **argv)
{
  nn_init (argc, argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/gan/usage", test_usage);
  g_test_add_func ("/cli/gan/help", test_help);
  g_test_add_func ("/cli/gan/ring", test_ring);
  return g_test_run ();
}
