/* SPDX-License-Identifier: GPL-3.0-or-later */
/* deepscope-cli generate end to end: usage errors name the option and exit
 * 2; a model that cannot write text (no vocabulary) exits 1 saying why. */
#include <string.h>
#include <sys/wait.h>

#include "nn.h"
#include "test-util.h"

static int
run (const char *const *args, char **out, char **err)
{
  const char *cli = g_getenv ("DEEPSCOPE_CLI");
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_assert_nonnull (cli);
  g_ptr_array_add (argv, (char *) cli);
  for (int k = 0; args[k]; k++)
    g_ptr_array_add (argv, (char *) args[k]);
  g_ptr_array_add (argv, NULL);
  int status = -1;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               out, err, &status, &error));
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

typedef struct {
  const char *args[10];   /* after "generate MODEL"; NULL-terminated */
  int         rc;
  const char *says;
} Bad;

static const Bad bad[] = {
  { { NULL }, 2, "generate starts from --seed-text" },
  { { "--seed-text", "ab", "--temperature", "0.5", "--temperatures", "0.2,1" }, 2,
    "--temperature and --temperatures both set the temperature" },
  { { "--seed-text", "ab", "--temperature", "-1" }, 2, "--temperature takes a temperature" },
  { { "--seed-text", "ab", "--temperature", "hot" }, 2, "not “hot”" },
  { { "--seed-text", "ab", "--temperature", "nan" }, 2, "--temperature takes" },
  { { "--seed-text", "ab", "--length", "0" }, 2, "--length takes a whole number" },
  { { "--seed-text", "ab", "--length", "12x" }, 2, "--length takes a whole number" },
  { { "--seed-text", "ab", "--temperatures", "0.2,,1" }, 2, "--temperatures takes" },
  { { "--seed-text", "ab", "--temperatures",
      "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1" }, 2, "1 to 16 temperatures" },
  { { "--seed-text", "ab", "--seed", "-3" }, 2, "--seed takes a whole number" },
  { { "--seed-text", "ab", "--out", "x.png" }, 2, "--out is not an option of “generate”" },
  { { "--seed-text", "ab" }, 1, "has no vocabulary" },
  { { "--seed-text", "ab", "--temperatures", "0.2,0.5" }, 1, "has no vocabulary" },
};

static void
test_errors (void)
{
  for (guint k = 0; k < G_N_ELEMENTS (bad); k++)
    {
      const char *args[16] = { "generate", test_sample ("spirals_mlp.json") };
      int n = 2;
      for (int i = 0; bad[k].args[i]; i++)
        args[n++] = bad[k].args[i];
      args[n] = NULL;
      g_autofree char *out = NULL, *err = NULL;
      int rc = run (args, &out, &err);
      g_test_message ("case %u: exit %d: %s", k, rc, err);
      g_assert_cmpint (rc, ==, bad[k].rc);
      g_assert_nonnull (strstr (err, bad[k].says));
      g_assert_cmpstr (out, ==, "");
    }
  /* generate's options belong to generate only. */
  const char *train[] = { "train", test_sample ("spirals_mlp.json"), "--seed-text", "ab", NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_assert_cmpint (run (train, &out, &err), ==, 2);
  g_assert_nonnull (strstr (err, "--seed-text is not an option of “train”"));
}

/* A tiny character model (Input (10) → Embedding → LSTM (8) → Dense
 * (7, softmax)) trained for one epoch by deepscope-cli on a text of five
 * characters, saved with its vocabulary, then asked to write. */
static void
test_generate (void)
{
  g_autofree char *dir = g_dir_make_tmp ("deepscope-gen-XXXXXX", NULL);
  g_autofree char *text = g_build_filename (dir, "abcd.txt", NULL);
  g_autofree char *model = g_build_filename (dir, "model.json", NULL);
  g_autofree char *trained = g_build_filename (dir, "trained.json", NULL);
  g_autoptr (GString) body = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  for (int i = 0; i < 300; i++)
    g_string_append (body, i % 3 ? "abcd " : "dcba ");
  g_assert_true (g_file_set_contents (text, body->str, (gssize) body->len - 1, &error));
  g_autoptr (NnModel) m = nn_model_new ("tiny_chars");
  int in = test_add (m, "Input", NULL);
  test_set (m, in, "shape", "10");
  int e = test_add (m, "Embedding", NULL);
  test_set (m, e, "input_dim", "7");
  test_set (m, e, "output_dim", "4");
  int r = test_add (m, "LSTM", NULL);
  test_set (m, r, "units", "8");
  int d = test_add (m, "Dense", NULL);
  test_set (m, d, "units", "7");
  test_set (m, d, "activation", "softmax");
  test_connect (m, in, e);
  test_connect (m, e, r);
  test_connect (m, r, d);
  g_autofree char *spec = g_strdup_printf ("chars:%s:length=10:step=1", text);
  nn_model_set_dataset (m, spec);
  g_assert_true (nn_model_save (m, model, FALSE, &error));
  g_assert_no_error (error);

  g_autofree char *out = NULL, *err = NULL;
  const char *train[] = { "train", model, "--epochs", "1", "--quiet", "--save", trained, NULL };
  int rc = run (train, &out, &err);
  g_test_message ("train: %s%s", out, err);
  g_assert_cmpint (rc, ==, 0);

  /* One temperature: 50 characters of the vocabulary, then a newline. */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  const char *gen[] = { "generate", trained, "--seed-text", "abcd abcd ", "--length", "50",
                        "--temperature", "0.5", "--seed", "3", NULL };
  g_assert_cmpint (run (gen, &out, &err), ==, 0);
  g_test_message ("T 0.5: “%s” (stderr: %s)", out, err);
  g_assert_cmpint (strlen (out), ==, 51);
  g_assert_cmpint (out[50], ==, '\n');
  g_assert_cmpuint (strspn (out, "abcd "), ==, 50);
  g_assert_nonnull (strstr (err, "50 characters from “abcd abcd ”"));
  /* The same seed, the same text; the stateful route writes from the same
   * vocabulary. */
  g_autofree char *again = NULL, *err2 = NULL;
  g_assert_cmpint (run (gen, &again, &err2), ==, 0);
  g_assert_cmpstr (again, ==, out);
  g_autofree char *st = NULL, *err3 = NULL;
  const char *gen_st[] = { "generate", trained, "--seed-text", "abcd", "--length", "30",
                           "--stateful", "--quiet", NULL };
  g_assert_cmpint (run (gen_st, &st, &err3), ==, 0);
  g_assert_cmpstr (err3, ==, "");
  g_assert_cmpuint (strspn (st, "abcd "), ==, 30);
  /* Several temperatures: one block each, under its temperature, the
   * seed text first and then 20 characters of the vocabulary. */
  g_autofree char *many = NULL, *err4 = NULL;
  const char *gen_k[] = { "generate", trained, "--seed-text", "dcba ", "--length", "20",
                          "--temperatures", "0.2,1.5", "--quiet", NULL };
  g_assert_cmpint (run (gen_k, &many, &err4), ==, 0);
  g_test_message ("%s", many);
  const char *first = "--- temperature 0.2 ---\ndcba ";
  const char *second = "\n\n--- temperature 1.5 ---\ndcba ";
  g_assert_true (g_str_has_prefix (many, first));
  g_assert_cmpuint (strspn (many + strlen (first), "abcd "), ==, 20);
  g_assert_cmpint (many[strlen (first) + 20], ==, '\n');
  const char *block2 = strstr (many, second);
  g_assert_nonnull (block2);
  g_assert_cmpuint (strspn (block2 + strlen (second), "abcd "), ==, 20);
  g_assert_cmpstr (block2 + strlen (second) + 20, ==, "\n");
  /* "x" is not in the vocabulary: said so on stderr unless --quiet. */
  g_autofree char *o5 = NULL, *err5 = NULL;
  const char *gen_x[] = { "generate", trained, "--seed-text", "x", "--length", "5", NULL };
  g_assert_cmpint (run (gen_x, &o5, &err5), ==, 0);
  g_assert_nonnull (strstr (err5, "not in the vocabulary (“x”)"));
  test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/generate/errors", test_errors);
  g_test_add_func ("/cli/generate/generate", test_generate);
  return g_test_run ();
}
