/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Kill safety: `deepscope-cli train MODEL --save OUT.json` killed with
 * SIGKILL at random moments, some of them while it saves, never leaves an
 * OUT.json that does not load: the writer replaces the file atomically.
 * The model is a 1M-parameter MLP, so that its save (a 5.6 MB file) takes
 * long enough to be hit. The CLI's path is in DEEPSCOPE_CLI. */
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "nn.h"

#define KILLS 24

static const char *
cli (void)
{
  const char *p = g_getenv ("DEEPSCOPE_CLI");
  g_assert_nonnull (p);
  return p;
}

/* Input(2) -> Dense(1024, relu) -> Dense(1024, relu) -> Dense(2, softmax)
 * on moons:n=64, without weights (the CLI initialises them). */
static char *
big_model_file (const char *dir)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_model_new ("big");
  int in = nn_model_add_layer (m, "Input", NULL, &error);
  g_assert_true (nn_model_layer_set_param (m, in, "shape", "2", &error));
  int prev = in;
  for (int k = 0; k < 3; k++)
    {
      int d = nn_model_add_layer (m, "Dense", NULL, &error);
      g_assert_true (nn_model_layer_set_param (m, d, "units", k < 2 ? "1024" : "2", &error));
      g_assert_true (nn_model_layer_set_param (m, d, "activation", k < 2 ? "relu" : "softmax",
                                               &error));
      g_assert_true (nn_model_connect (m, (NnRef) { prev, 0 }, d, 0, &error));
      prev = d;
    }
  nn_model_add_output (m, (NnRef) { prev, 0 }, NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, 1, NULL, 0);
  nn_model_set_dataset (m, "moons:n=64");
  char *path = g_build_filename (dir, "big.json", NULL);
  g_assert_true (nn_model_save (m, path, FALSE, &error));
  g_assert_no_error (error);
  return path;
}

/* Starts a training run that saves to out; stderr on *err. */
static GPid
spawn_train (const char *model, const char *out, FILE **err)
{
  const char *argv[] = { cli (), "train", model, "--epochs", "1", "--batch", "64", "--save", out,
                         NULL };
  GPid pid;
  int fd = -1;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL,
                                           G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                                           NULL, NULL, &pid, NULL, NULL, &fd, &error));
  g_assert_no_error (error);
  *err = fdopen (fd, "r");
  g_assert_nonnull (*err);
  return pid;
}

/* Reads stderr lines until one starts with prefix (NULL: to the end). */
static gboolean
read_until (FILE *f, const char *prefix)
{
  char line[4096];
  while (fgets (line, sizeof line, f))
    if (prefix && g_str_has_prefix (line, prefix))
      return TRUE;
  return FALSE;
}

static int
reap (GPid pid)
{
  int status = 0;
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_spawn_close_pid (pid);
  return status;
}

/* Files in dir other than the model and its save. */
static void
count_others (const char *dir, int *glib_tmps, int *save_tmps)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  *glib_tmps = *save_tmps = 0;
  while ((name = g_dir_read_name (d)))
    {
      if (g_str_has_prefix (name, ".out.json.save-"))
        (*save_tmps)++;
      else if (g_str_has_prefix (name, "out.json."))
        (*glib_tmps)++;
    }
}

static void
remove_all (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  while ((name = g_dir_read_name (d)))
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);
      g_unlink (p);
    }
  g_rmdir (dir);
}

static void
assert_loads (const char *out)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_model_load (out, &error);
  g_assert_no_error (error);
  g_assert_true (nn_model_has_weights (m));
  g_assert_cmpint (nn_model_get_n_layers (m), ==, 4);
}

static void
test_kill_during_save (void)
{
  g_autofree char *dir = g_dir_make_tmp ("deepscope-kill-XXXXXX", NULL);
  g_autofree char *model = big_model_file (dir);
  g_autofree char *out = g_build_filename (dir, "out.json", NULL);

  /* A first complete run writes OUT.json; it times the whole run and the
   * stretch after the last epoch line (evaluation and save). */
  FILE *err;
  gint64 t0 = g_get_monotonic_time ();
  GPid pid = spawn_train (model, out, &err);
  g_assert_true (read_until (err, "epoch 1/1"));
  gint64 t_epoch = g_get_monotonic_time ();
  read_until (err, NULL);
  fclose (err);
  int status = reap (pid);
  gint64 t_end = g_get_monotonic_time ();
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
  assert_loads (out);
  gint64 run_us = t_end - t0, tail_us = MAX (t_end - t_epoch, 1000);
  g_test_message ("complete run %.1f ms, of which %.1f ms after the last epoch (evaluate, save)",
                  run_us / 1000.0, tail_us / 1000.0);

  guint32 seed = g_test_rand_int ();
  g_test_message ("kill moments seeded with %u", seed);
  g_autoptr (GRand) r = g_rand_new_with_seed (seed);
  int kills = 0, in_save = 0, loads = 0, finished_first = 0, seen_tmps = 0, runs = 0;
  for (; kills < KILLS && runs < 4 * KILLS; runs++)
    {
      pid = spawn_train (model, out, &err);
      if (runs % 3 == 0)
        /* Anywhere in the run, start-up included. */
        g_usleep (g_rand_int_range (r, 0, (gint32) run_us));
      else if (read_until (err, "epoch 1/1"))
        {
          /* In the save: wait for the writer's temporary file to appear
           * or for OUT.json to change (a writer that wrote in place would
           * truncate it), then up to 1 ms more. */
          GStatBuf before, now;
          g_assert_cmpint (g_stat (out, &before), ==, 0);
          gint64 until = g_get_monotonic_time () + 2 * tail_us;
          int glib_tmps, save_tmps;
          do
            {
              count_others (dir, &glib_tmps, &save_tmps);
              if (glib_tmps + save_tmps > seen_tmps || g_stat (out, &now) != 0
                  || now.st_ino != before.st_ino || now.st_size != before.st_size
                  || now.st_mtime != before.st_mtime)
                break;
              g_usleep (50);
            }
          while (g_get_monotonic_time () < until);
          g_usleep (g_rand_int_range (r, 0, 1000));
        }
      kill (pid, SIGKILL);
      read_until (err, NULL);
      fclose (err);
      status = reap (pid);
      if (WIFSIGNALED (status))
        kills++;
      else
        finished_first++;
      /* The writer's temporary file left behind: the kill landed in the
       * save, between creating it and renaming it over OUT.json. */
      int glib_tmps, save_tmps;
      count_others (dir, &glib_tmps, &save_tmps);
      if (glib_tmps + save_tmps > seen_tmps)
        in_save++;
      seen_tmps = glib_tmps + save_tmps;
      assert_loads (out);
      loads++;
    }

  /* The next complete save: OUT.json loads, and the writer removed what
   * the killed saves left (a writer naming its temporary files
   * ".NAME.save-XXXXXX" does; GLib's "NAME.XXXXXX" ones stay). */
  pid = spawn_train (model, out, &err);
  read_until (err, NULL);
  fclose (err);
  status = reap (pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
  assert_loads (out);
  int glib_tmps, save_tmps;
  count_others (dir, &glib_tmps, &save_tmps);
  g_test_message ("%d runs: %d killed (%d during the save, seen by the temporary file left), "
                  "%d finished before the kill; OUT.json loaded after all %d; after the next "
                  "save: %d \".out.json.save-\" and %d \"out.json.XXXXXX\" temporary files left",
                  runs, kills, in_save, finished_first, loads, save_tmps, glib_tmps);
  g_assert_cmpint (loads, ==, runs);
  g_assert_cmpint (kills, ==, KILLS);
  g_assert_cmpint (save_tmps, ==, 0);
  remove_all (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/kill/train-save", test_kill_during_save);
  return g_test_run ();
}
