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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/generate/errors", test_errors);
  return g_test_run ();
}
