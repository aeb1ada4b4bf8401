/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Saving model files: atomic replacement, symlinks, non-regular files,
 * stale temporary files and killed saves; the dataset's preprocessing and
 * the training runs kept in a model file. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "test-model-io-private.h"

/* ---- saving -------------------------------------------------------------- */

static int
count_entries (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  int n = 0;
  while (d && g_dir_read_name (d))
    n++;
  return n;
}

static void
test_save_unwritable (void)
{
  g_autoptr (NnModel) m = build_full_model ();
  g_autoptr (GError) error = NULL;

  /* A read-only directory. Root ignores permission bits, so there the
   * check runs in /proc, where nobody can create files. */
  if (geteuid () != 0)
    {
      g_autofree char *dir = g_dir_make_tmp ("model-io-XXXXXX", NULL);
      g_autofree char *path = g_build_filename (dir, "model.json", NULL);
      g_assert_cmpint (g_chmod (dir, 0555), ==, 0);
      g_assert_false (nn_model_save (m, path, TRUE, &error));
      g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE);
      g_assert_nonnull (strstr (error->message, "Cannot save"));
      g_clear_error (&error);
      g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
      g_chmod (dir, 0755);
      g_rmdir (dir);
    }
  if (g_file_test ("/proc/self", G_FILE_TEST_IS_DIR))
    {
      g_assert_false (nn_model_save (m, "/proc/deepscope-model-io-test.json", TRUE, &error));
      g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE);
      g_assert_nonnull (strstr (error->message, "Cannot save"));
      g_clear_error (&error);
    }
  g_assert_false (nn_model_save (m, "/nonexistent/dir/model.json", TRUE, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE);
}

static void
test_save_replaces (void)
{
  g_autoptr (NnModel) m = build_full_model ();
  g_autofree char *json = to_json (m, TRUE);
  g_autofree char *dir = g_dir_make_tmp ("model-io-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "model.json", NULL);
  const char *old = "{\"old\": \"contents\"}\n";
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_set_contents (path, old, -1, NULL));
  g_assert_true (nn_model_save (m, path, TRUE, &error));
  g_assert_no_error (error);
  g_autofree char *now = NULL;
  g_assert_true (g_file_get_contents (path, &now, NULL, NULL));
  g_assert_cmpstr (now, ==, json);
  g_assert_cmpint (count_entries (dir), ==, 1);   /* no temporary file left */

  /* A save that fails half-way through writing (the file size limit stops
   * the temporary file) leaves the old file as it was. Done in a child so
   * the limit cannot affect other tests. */
  g_assert_true (g_file_set_contents (path, old, -1, NULL));
  if (g_test_subprocess ())
    {
      struct rlimit saved, small;
      signal (SIGXFSZ, SIG_IGN);
      g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &saved), ==, 0);
      small = saved;
      small.rlim_cur = 1000;      /* well below the model's text */
      g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &small), ==, 0);
      gboolean ok = nn_model_save (m, path, TRUE, &error);
      setrlimit (RLIMIT_FSIZE, &saved);
      g_assert_false (ok);
      g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_clear_pointer (&now, g_free);
  g_assert_true (g_file_get_contents (path, &now, NULL, NULL));
  g_assert_cmpstr (now, ==, old);
  g_assert_cmpint (count_entries (dir), ==, 1);
  g_assert_cmpuint (strlen (json), >, 1000);

  g_unlink (path);
  g_rmdir (dir);
}

static char *
read_text (const char *path)
{
  char *text = NULL;
  g_autoptr (GError) error = NULL;
  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

/* Saving through a symlink (and a chain of them, and one into another
 * folder) replaces the file the link points to; the links stay links and
 * no temporary file is left in either folder. */
static void
test_save_symlink (void)
{
  g_autoptr (NnModel) m = build_full_model ();
  g_autofree char *json = to_json (m, TRUE);
  g_autofree char *dir = g_dir_make_tmp ("model-io-XXXXXX", NULL);
  g_autofree char *sub = g_build_filename (dir, "sub", NULL);
  g_autofree char *real = g_build_filename (sub, "real.json", NULL);
  g_autofree char *link = g_build_filename (dir, "link.json", NULL);
  g_autofree char *link2 = g_build_filename (dir, "link2.json", NULL);
  g_autofree char *dangling = g_build_filename (dir, "dangling.json", NULL);
  g_autofree char *created = g_build_filename (sub, "new.json", NULL);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
  g_assert_true (g_file_set_contents (real, "old\n", -1, NULL));
  g_assert_cmpint (g_chmod (real, 0640), ==, 0);
  g_assert_cmpint (symlink ("sub/real.json", link), ==, 0);
  g_assert_cmpint (symlink (link, link2), ==, 0);         /* absolute, to a link */
  g_assert_cmpint (symlink ("sub/new.json", dangling), ==, 0);

  g_assert_true (nn_model_save (m, link, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (link, G_FILE_TEST_IS_SYMLINK));
  g_autofree char *target = g_file_read_link (link, NULL);
  g_assert_cmpstr (target, ==, "sub/real.json");
  g_autofree char *now = read_text (real);
  g_assert_cmpstr (now, ==, json);
  GStatBuf st;
  g_assert_cmpint (g_lstat (real, &st), ==, 0);
  g_assert_true (S_ISREG (st.st_mode));
  g_assert_cmpint (st.st_mode & 0777, ==, 0640);          /* permissions kept */

  g_assert_true (g_file_set_contents (real, "old\n", -1, NULL));
  g_assert_true (nn_model_save (m, link2, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (link2, G_FILE_TEST_IS_SYMLINK));
  g_assert_true (g_file_test (link, G_FILE_TEST_IS_SYMLINK));
  g_clear_pointer (&now, g_free);
  now = read_text (real);
  g_assert_cmpstr (now, ==, json);

  /* A dangling link: the file it names is created. */
  g_assert_true (nn_model_save (m, dangling, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (dangling, G_FILE_TEST_IS_SYMLINK));
  g_clear_pointer (&now, g_free);
  now = read_text (created);
  g_assert_cmpstr (now, ==, json);

  g_assert_cmpint (count_entries (dir), ==, 4);   /* sub, link, link2, dangling */
  g_assert_cmpint (count_entries (sub), ==, 2);   /* real.json, new.json */

  /* A loop of links is an error, not a hang. */
  g_autofree char *loop = g_build_filename (dir, "loop.json", NULL);
  g_assert_cmpint (symlink ("loop.json", loop), ==, 0);
  g_assert_false (nn_model_save (m, loop, TRUE, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  g_unlink (loop);
  g_unlink (created);
  g_unlink (dangling);
  g_unlink (link2);
  g_unlink (link);
  g_unlink (real);
  g_rmdir (sub);
  g_rmdir (dir);
}

/* A named pipe (the stand-in for /dev/null and other devices), a folder
 * and a link to a pipe are refused with a message naming the path; the
 * pipe stays a pipe. */
static void
test_save_not_regular (void)
{
  g_autoptr (NnModel) m = build_full_model ();
  g_autofree char *dir = g_dir_make_tmp ("model-io-XXXXXX", NULL);
  g_autofree char *fifo = g_build_filename (dir, "pipe.json", NULL);
  g_autofree char *folder = g_build_filename (dir, "folder.json", NULL);
  g_autofree char *link = g_build_filename (dir, "link.json", NULL);
  g_autoptr (GError) error = NULL;
  GStatBuf st;

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_cmpint (g_mkdir (folder, 0700), ==, 0);
  g_assert_cmpint (symlink ("pipe.json", link), ==, 0);

  g_assert_false (nn_model_save (m, fifo, TRUE, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, fifo));
  g_assert_nonnull (strstr (error->message, "named pipe"));
  g_clear_error (&error);

  g_assert_false (nn_model_save (m, folder, TRUE, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, folder));
  g_assert_nonnull (strstr (error->message, "folder"));
  g_clear_error (&error);

  g_assert_false (nn_model_save (m, link, TRUE, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, link));
  g_assert_nonnull (strstr (error->message, "named pipe"));
  g_clear_error (&error);

  g_assert_cmpint (g_lstat (fifo, &st), ==, 0);
  g_assert_true (S_ISFIFO (st.st_mode));
  g_assert_cmpint (g_lstat (folder, &st), ==, 0);
  g_assert_true (S_ISDIR (st.st_mode));
  g_assert_true (g_file_test (link, G_FILE_TEST_IS_SYMLINK));
  g_assert_cmpint (count_entries (dir), ==, 3);    /* nothing written */

  g_unlink (link);
  g_unlink (fifo);
  g_rmdir (folder);
  g_rmdir (dir);
}

/* A temporary file of our naming for this file that nobody is writing is
 * removed by the next save; one that a save in progress holds locked and
 * files of any other name are left alone. */
static void
test_save_stale_tmp (void)
{
  g_autoptr (NnModel) m = build_full_model ();
  g_autofree char *json = to_json (m, TRUE);
  g_autofree char *dir = g_dir_make_tmp ("model-io-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "model.json", NULL);
  const char *stale_name = ".model.json.save-Ab3xZ9";
  const char *busy_name = ".model.json.save-Busy42";
  const char *others[] = {
    ".model.json.save-Ab3xZ",        /* five characters */
    ".model.json.save-Ab3xZ9x",      /* seven */
    ".model.json.save-Ab3-Z9",       /* not from mkstemp's alphabet */
    ".other.json.save-Ab3xZ9",       /* another file's */
    ".model.jso.save-Ab3xZ9",
    "model.json.Ab3xZ9",             /* what g_file_set_contents names them */
    "model.json.save-Ab3xZ9",
    ".model.json.backup",
  };
  g_autoptr (GError) error = NULL;

  g_autofree char *stale = g_build_filename (dir, stale_name, NULL);
  g_autofree char *busy = g_build_filename (dir, busy_name, NULL);
  g_assert_true (g_file_set_contents (stale, "half a model", -1, NULL));
  g_assert_true (g_file_set_contents (busy, "a model being written", -1, NULL));
  for (guint k = 0; k < G_N_ELEMENTS (others); k++)
    {
      g_autofree char *p = g_build_filename (dir, others[k], NULL);
      g_assert_true (g_file_set_contents (p, "keep", -1, NULL));
    }
  int busy_fd = g_open (busy, O_RDWR, 0);
  g_assert_cmpint (busy_fd, >=, 0);
  g_assert_cmpint (flock (busy_fd, LOCK_EX | LOCK_NB), ==, 0);

  g_assert_true (nn_model_save (m, path, TRUE, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (stale, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (busy, G_FILE_TEST_EXISTS));
  for (guint k = 0; k < G_N_ELEMENTS (others); k++)
    {
      g_autofree char *p = g_build_filename (dir, others[k], NULL);
      g_autofree char *text = read_text (p);
      g_assert_cmpstr (text, ==, "keep");
    }
  g_autofree char *now = read_text (path);
  g_assert_cmpstr (now, ==, json);
  g_assert_cmpint (count_entries (dir), ==, 2 + (int) G_N_ELEMENTS (others));

  /* Once its writer is gone, it goes too. */
  close (busy_fd);
  g_assert_true (nn_model_save (m, path, TRUE, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (busy, G_FILE_TEST_EXISTS));
  g_assert_cmpint (count_entries (dir), ==, 1 + (int) G_N_ELEMENTS (others));

  for (guint k = 0; k < G_N_ELEMENTS (others); k++)
    {
      g_autofree char *p = g_build_filename (dir, others[k], NULL);
      g_unlink (p);
    }
  g_unlink (path);
  g_rmdir (dir);
}

/* A save killed while writing (here by SIGXFSZ, the file size limit's
 * signal, half-way through the text) leaves the old file whole and its
 * temporary file behind; the next save removes that and replaces the file. */
static void
test_save_killed (void)
{
  g_autoptr (NnModel) m = build_full_model ();
  g_autofree char *json = to_json (m, TRUE);
  g_autofree char *dir = g_dir_make_tmp ("model-io-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "model.json", NULL);
  const char *old = "{\"old\": \"contents\"}\n";
  g_autoptr (GError) error = NULL;

  if (g_test_subprocess ())
    {
      struct rlimit small;
      const char *p = g_getenv ("MODEL_IO_TEST_PATH");
      g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &small), ==, 0);
      small.rlim_cur = 1000;      /* well below the model's text */
      g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &small), ==, 0);
      signal (SIGXFSZ, SIG_DFL);
      nn_model_save (m, p, TRUE, NULL);
      return;                     /* not reached: the signal kills it */
    }
  g_assert_true (g_file_set_contents (path, old, -1, NULL));
  g_setenv ("MODEL_IO_TEST_PATH", path, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_failed ();
  g_unsetenv ("MODEL_IO_TEST_PATH");

  g_autofree char *now = read_text (path);
  g_assert_cmpstr (now, ==, old);
  g_assert_cmpint (count_entries (dir), ==, 2);  /* the file and a temporary file */
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  for (const char *name; (name = g_dir_read_name (d));)
    if (!g_str_equal (name, "model.json"))
      {
        g_test_message ("left behind: %s", name);
        g_assert_true (g_str_has_prefix (name, ".model.json.save-"));
      }

  g_assert_true (nn_model_save (m, path, TRUE, &error));
  g_assert_no_error (error);
  g_clear_pointer (&now, g_free);
  now = read_text (path);
  g_assert_cmpstr (now, ==, json);
  g_assert_cmpint (count_entries (dir), ==, 1);

  g_unlink (path);
  g_rmdir (dir);
}


/* ---- preprocessing and runs ---------------------------------------------- */

static NnModel *
small_model (void)
{
  g_autoptr (GError) error = NULL;
  NnModel *m = nn_model_new ("small");
  int in = nn_model_add_layer (m, "Input", "x", &error);
  g_assert_true (nn_model_layer_set_param (m, in, "shape", "2", &error));
  int d = nn_model_add_layer (m, "Dense", "out", &error);
  g_assert_true (nn_model_layer_set_param (m, d, "units", "3", &error));
  g_assert_true (nn_model_connect (m, (NnRef) { in, 0 }, d, 0, &error));
  g_assert_no_error (error);
  nn_model_add_output (m, (NnRef) { d, 0 }, NN_LOSS_MSE, 1.0, NULL, 0);
  return m;
}

/* A run as the app keeps one: per-epoch and per-batch series (one value
 * not finite), a marker, settings, its dataset. */
static NnRunRecord *
sample_run (const char *name, guint n_batches)
{
  NnRunRecord *r = nn_run_record_new (name);
  r->origin = g_strdup ("deepscope");
  r->started = g_strdup ("2025-03-01T09:30:00Z");
  r->end_text = g_strdup ("Early stopping: val_loss did not improve for 3 epochs");
  r->color = 4;
  r->dataset = g_strdup ("spirals:n=500");
  r->dataset_flags = NN_DATASET_ONE_HOT;
  nn_optimizer_config_init (&r->optimizer, NN_OPT_ADAM);
  r->optimizer.learning_rate = 0.003;
  r->epochs = 5;
  r->batch_size = 16;
  r->validation_split = 0.25;
  r->seed = 7;
  r->epochs_done = 3;
  r->seconds = 1.25;
  for (int e = 0; e < 3; e++)
    {
      nn_run_record_append (r, "loss", e + 1, 1.0 / (e + 1));
      nn_run_record_append (r, "val_loss", e + 1, e == 1 ? NAN : 1.5 / (e + 1));
    }
  for (guint b = 1; b <= n_batches; b++)
    nn_run_record_append (r, "batch/loss", 3.0 * b / n_batches, 0.5 + 0.25 * sin (b));
  nn_run_record_add_marker (r, 1.5, "lr 0.003 → 0.001");
  return r;
}

/* The dataset's preprocessing and the runs survive a save and a load; a
 * second save gives the same text; values keep float precision. */
static void
test_runs_round_trip (void)
{
  g_autoptr (NnModel) m = small_model ();
  g_autoptr (GPtrArray) runs = g_ptr_array_new_with_free_func ((GDestroyNotify) nn_run_record_free);
  g_autoptr (GPtrArray) back = NULL, again = NULL;
  g_autoptr (GError) error = NULL;

  nn_model_set_dataset (m, "spirals:n=500");
  nn_model_set_dataset_flags (m, NN_DATASET_ONE_HOT | NN_DATASET_SKIP_BAD);
  g_ptr_array_add (runs, sample_run ("Run 1", 40));
  g_ptr_array_add (runs, sample_run ("Run 2", 10));
  g_autofree char *json = nn_model_to_json_with_runs (m, FALSE, runs, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (json, "\"preprocessing\" : {\n    \"one_hot\" : true,\n"
                                  "    \"skip_unreadable\" : true\n  }"));
  g_assert_nonnull (strstr (json, "\"runs\" : ["));
  g_assert_nonnull (strstr (json, "\"y\" : [1.5, null, 0.5]"));

  g_autoptr (NnModel) m2 = nn_model_load_from_data_with_runs (json, -1, &back, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (nn_model_get_dataset (m2), ==, "spirals:n=500");
  g_assert_cmpint (nn_model_get_dataset_flags (m2), ==, NN_DATASET_ONE_HOT | NN_DATASET_SKIP_BAD);
  g_assert_cmpuint (back->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      NnRunRecord *a = runs->pdata[i], *b = back->pdata[i];
      g_assert_cmpstr (a->name, ==, b->name);
      g_assert_cmpstr (b->origin, ==, "deepscope");
      g_assert_cmpstr (b->started, ==, a->started);
      g_assert_cmpstr (b->end_text, ==, a->end_text);
      g_assert_cmpuint (b->color, ==, 4);
      g_assert_cmpstr (b->dataset, ==, "spirals:n=500");
      g_assert_cmpint (b->dataset_flags, ==, NN_DATASET_ONE_HOT);
      g_assert_cmpint (b->optimizer.kind, ==, NN_OPT_ADAM);
      g_assert_cmpfloat (b->optimizer.learning_rate, ==, 0.003);
      g_assert_cmpint (b->epochs, ==, 5);
      g_assert_cmpint (b->batch_size, ==, 16);
      g_assert_cmpfloat (b->validation_split, ==, 0.25);
      g_assert_cmpuint (b->seed, ==, 7);
      g_assert_cmpint (b->epochs_done, ==, 3);
      g_assert_cmpfloat (b->seconds, ==, 1.25);
      g_assert_cmpuint (b->series->len, ==, 3);
      for (guint k = 0; k < a->series->len; k++)
        {
          NnRunSeries *sa = a->series->pdata[k], *sb = b->series->pdata[k];
          g_assert_cmpstr (sa->key, ==, sb->key);
          g_assert_cmpuint (sa->x->len, ==, sb->x->len);
          for (guint j = 0; j < sa->x->len; j++)
            {
              double ya = g_array_index (sa->y, double, j), yb = g_array_index (sb->y, double, j);
              g_assert_cmpfloat_with_epsilon (g_array_index (sa->x, double, j),
                                              g_array_index (sb->x, double, j), 1e-8);
              if (isnan (ya))
                g_assert_true (isnan (yb));
              else
                g_assert_cmpfloat_with_epsilon (ya, yb, 1e-6);
            }
        }
      g_assert_cmpuint (b->markers->len, ==, 1);
      g_assert_cmpfloat (g_array_index (b->markers, NnRunMarker, 0).x, ==, 1.5);
      g_assert_cmpstr (g_array_index (b->markers, NnRunMarker, 0).text, ==, "lr 0.003 → 0.001");
    }
  g_autofree char *json2 = nn_model_to_json_with_runs (m2, FALSE, back, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json, ==, json2);

  /* Through a file, and nn_model_load reads it without the runs. */
  g_autofree char *dir = g_dir_make_tmp ("model-io-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "runs.json", NULL);
  g_assert_true (nn_model_save_with_runs (m2, path, TRUE, back, &error));
  g_assert_no_error (error);
  g_autoptr (NnModel) m3 = nn_model_load_with_runs (path, &again, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->len, ==, 2);
  g_autoptr (NnModel) m4 = nn_model_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (nn_model_get_dataset (m4), ==, "spirals:n=500");
  g_remove (path);
  g_rmdir (dir);
}

/* Files written before runs and preprocessing existed load: no runs, no
 * preprocessing, and saving them writes neither runs nor extra members
 * other than "preprocessing" beside a dataset. */
static void
test_runs_absent (void)
{
  g_autoptr (NnModel) m = small_model ();
  g_autoptr (GPtrArray) runs = NULL;
  g_autoptr (GError) error = NULL;

  nn_model_set_dataset (m, "moons");
  g_autofree char *json = to_json (m, FALSE);
  g_autofree char *old = replace_once (json, "  \"preprocessing\" : {\n    \"one_hot\" : false,\n"
                                             "    \"skip_unreadable\" : false\n  },\n", "");
  g_autoptr (NnModel) m2 = nn_model_load_from_data_with_runs (old, -1, &runs, &error);
  g_assert_no_error (error);
  g_assert_nonnull (runs);
  g_assert_cmpuint (runs->len, ==, 0);
  g_assert_cmpint (nn_model_get_dataset_flags (m2), ==, 0);
  g_assert_cmpstr (nn_model_get_dataset (m2), ==, "moons");
  g_assert_null (strstr (json, "\"runs\""));
}

/* A per-batch series of 100 000 points is written as NN_RUN_MAX_POINTS
 * averages that keep its start, end and mean. */
static void
test_runs_bounded (void)
{
  g_autoptr (NnModel) m = small_model ();
  g_autoptr (GPtrArray) runs = g_ptr_array_new_with_free_func ((GDestroyNotify) nn_run_record_free);
  g_autoptr (GPtrArray) back = NULL;
  g_autoptr (GError) error = NULL;
  const guint n = 100000;
  NnRunRecord *r = nn_run_record_new ("Long");

  for (guint b = 1; b <= n; b++)
    nn_run_record_append (r, "batch/loss", 50.0 * b / n, b % 2 ? 1.0 : 3.0);
  g_ptr_array_add (runs, r);
  g_autofree char *json = nn_model_to_json_with_runs (m, FALSE, runs, &error);
  g_assert_no_error (error);
  g_test_message ("a run of %u batches: %zu bytes", n, strlen (json));
  g_assert_cmpuint (strlen (json), <, 80000);
  g_autoptr (NnModel) m2 = nn_model_load_from_data_with_runs (json, -1, &back, &error);
  g_assert_no_error (error);
  NnRunSeries *s = nn_run_record_get_series (back->pdata[0], "batch/loss");
  g_assert_nonnull (s);
  g_assert_cmpuint (s->x->len, ==, NN_RUN_MAX_POINTS);
  for (guint i = 0; i < s->y->len; i++)
    g_assert_cmpfloat_with_epsilon (g_array_index (s->y, double, i), 2.0, 1e-6);
  g_assert_cmpfloat (g_array_index (s->x, double, 0), <, 0.05);
  g_assert_cmpfloat (g_array_index (s->x, double, s->x->len - 1), >, 49.95);
}

static void
test_runs_malformed (void)
{
  g_autoptr (NnModel) m = small_model ();
  g_autoptr (GPtrArray) runs = g_ptr_array_new_with_free_func ((GDestroyNotify) nn_run_record_free);
  g_autoptr (GError) error = NULL;

  nn_model_set_dataset (m, "moons");
  g_ptr_array_add (runs, sample_run ("Run 1", 4));
  g_autofree char *json = nn_model_to_json_with_runs (m, FALSE, runs, &error);
  g_assert_no_error (error);

  expect_edit_error (json, "\"runs\" : [", "\"runs\" : 3, \"r\" : [", NN_MODEL_ERROR_FILE,
                     "“runs” must be", NULL);
  expect_edit_error (json, "\"one_hot\" : true", "\"one_hot\" : 1", NN_MODEL_ERROR_CONFIG,
                     "run 1 (“Run 1”) “preprocessing”", "“one_hot” must be");
  expect_edit_error (json, "\"skip_unreadable\" : false\n  }", "\"skip\" : false\n  }",
                     NN_MODEL_ERROR_CONFIG, "“preprocessing” has no setting “skip”", NULL);
  expect_edit_error (json, "\"y\" : [1.5, null, 0.5]", "\"y\" : [1.5, null]",
                     NN_MODEL_ERROR_CONFIG, "“x” has 3 values but “y” has 2", NULL);
  expect_edit_error (json, "\"x\" : [1.0, 2.0, 3.0],\n          \"y\" : [1.5",
                     "\"x\" : [1.0, 3.0, 2.0],\n          \"y\" : [1.5", NN_MODEL_ERROR_CONFIG,
                     "series 2 (“val_loss”): x must increase, but point 3 (2) follows 3", NULL);
  expect_edit_error (json, "\"epochs_done\" : 3", "\"epochs_done\" : -1",
                     NN_MODEL_ERROR_CONFIG, "“epochs_done” must be between 0", NULL);
  expect_edit_error (json, "\"batch_size\" : 16,\n        \"validation_split\"",
                     "\"batch\" : 16,\n        \"validation_split\"", NN_MODEL_ERROR_CONFIG,
                     "“settings” has no setting “batch”", NULL);
  expect_edit_error (json, "\"class_name\" : \"Adam\"", "\"class_name\" : \"Adagrad\"",
                     NN_MODEL_ERROR_CONFIG, "no optimizer “Adagrad”", NULL);
}

int
main (int argc, char **argv)
{
  nn_init (argc, argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/model-io/save-unwritable", test_save_unwritable);
  g_test_add_func ("/engine/model-io/save-replaces", test_save_replaces);
  g_test_add_func ("/engine/model-io/save-symlink", test_save_symlink);
  g_test_add_func ("/engine/model-io/save-not-regular", test_save_not_regular);
  g_test_add_func ("/engine/model-io/save-stale-tmp", test_save_stale_tmp);
  g_test_add_func ("/engine/model-io/save-killed", test_save_killed);
  g_test_add_func ("/engine/model-io/runs-round-trip", test_runs_round_trip);
  g_test_add_func ("/engine/model-io/runs-absent", test_runs_absent);
  g_test_add_func ("/engine/model-io/runs-bounded", test_runs_bounded);
  g_test_add_func ("/engine/model-io/runs-malformed", test_runs_malformed);
  return g_test_run ();
}
